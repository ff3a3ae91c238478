/* panel-application.c: PanelApplication, options and the main window. */
#define G_LOG_DOMAIN "hoinghi-panel"

#include "config.h"

#include "libhoinghi/hn-exit.h"
#include "libhoinghi/hn-i18n.h"

#include "panel-application.h"
#include "panel-window.h"

#define DEFAULT_SCHEDULER_URL "http://127.0.0.1:8080"
#define DEFAULT_MCU_URL "http://127.0.0.1:8443"

struct _PanelApplication
{
  GtkApplication parent_instance;

  char *scheduler_url;
  char *mcu_url;
  PanelWindow *window;
};

G_DEFINE_FINAL_TYPE (PanelApplication, panel_application, GTK_TYPE_APPLICATION)

static int
panel_application_handle_local_options (GApplication *application, GVariantDict *options)
{
  PanelApplication *self = PANEL_APPLICATION (application);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("hoinghi-panel %s\n", PACKAGE_VERSION);
      return HN_EXIT_OK;
    }
  g_variant_dict_lookup (options, "scheduler", "s", &self->scheduler_url);
  g_variant_dict_lookup (options, "mcu", "s", &self->mcu_url);
  return -1;
}

static void
panel_application_activate (GApplication *application)
{
  PanelApplication *self = PANEL_APPLICATION (application);

  if (self->window == NULL)
    self->window = panel_window_new (GTK_APPLICATION (self),
                                     self->scheduler_url != NULL ? self->scheduler_url
                                                                 : DEFAULT_SCHEDULER_URL,
                                     self->mcu_url != NULL ? self->mcu_url : DEFAULT_MCU_URL);
  gtk_window_present (GTK_WINDOW (self->window));
}

static void
panel_application_finalize (GObject *object)
{
  PanelApplication *self = PANEL_APPLICATION (object);

  g_free (self->scheduler_url);
  g_free (self->mcu_url);

  G_OBJECT_CLASS (panel_application_parent_class)->finalize (object);
}

static void
panel_application_class_init (PanelApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = panel_application_finalize;
  app_class->handle_local_options = panel_application_handle_local_options;
  app_class->activate = panel_application_activate;
}

static void
panel_application_init (PanelApplication *self)
{
  const GOptionEntry entries[] = {
    { "scheduler", 's', 0, G_OPTION_ARG_STRING, NULL,
      N_ ("The scheduler's base address (default http://127.0.0.1:8080)"), N_ ("URL") },
    { "mcu", 'm', 0, G_OPTION_ARG_STRING, NULL,
      N_ ("The mcu's base address (default http://127.0.0.1:8443)"), N_ ("URL") },
    { "version", 'V', 0, G_OPTION_ARG_NONE, NULL, N_ ("Print the version and exit"), NULL },
    { NULL },
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _ ("The technician's control panel of hoinghi."));
}

/**
 * panel_application_new:
 *
 * Each panel is its own process (NON_UNIQUE): a technician may watch two
 * rooms from two panels.
 *
 * Returns: (transfer full): the application.
 */
PanelApplication *
panel_application_new (void)
{
  return g_object_new (PANEL_TYPE_APPLICATION, "application-id", "vn.gov.vinhphuc.HoiNghi.Panel",
                       "flags", G_APPLICATION_NON_UNIQUE, NULL);
}

/**
 * panel_application_get_main_window:
 * @self: a #PanelApplication
 *
 * Returns: (transfer none) (nullable): the main window once activated.
 */
GtkWindow *
panel_application_get_main_window (PanelApplication *self)
{
  g_return_val_if_fail (PANEL_IS_APPLICATION (self), NULL);
  return GTK_WINDOW (self->window);
}
