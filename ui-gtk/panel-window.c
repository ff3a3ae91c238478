/* panel-window.c: PanelWindow, the services the panel works over and
 * their state, refreshed every few seconds. */
#define G_LOG_DOMAIN "hoinghi-panel"

#include "config.h"

#include "libhoinghi/hn-i18n.h"

#include "panel-window.h"

#define REFRESH_SECONDS 5

struct _PanelWindow
{
  GtkApplicationWindow parent_instance;

  PanelServiceRow *scheduler_row;
  PanelServiceRow *mcu_row;
  guint refresh_id;
};

G_DEFINE_FINAL_TYPE (PanelWindow, panel_window, GTK_TYPE_APPLICATION_WINDOW)

static gboolean
refresh (gpointer user_data)
{
  PanelWindow *self = PANEL_WINDOW (user_data);

  panel_service_row_refresh (self->scheduler_row);
  panel_service_row_refresh (self->mcu_row);
  return G_SOURCE_CONTINUE;
}

static void
panel_window_dispose (GObject *object)
{
  PanelWindow *self = PANEL_WINDOW (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);

  G_OBJECT_CLASS (panel_window_parent_class)->dispose (object);
}

static void
panel_window_class_init (PanelWindowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = panel_window_dispose;
}

static void
panel_window_init (PanelWindow *self)
{
  gtk_window_set_title (GTK_WINDOW (self), _ ("hoinghi control panel"));
  gtk_window_set_default_size (GTK_WINDOW (self), 720, 480);
}

/**
 * panel_window_new:
 * @application: the panel application
 * @scheduler_url: the scheduler's base address
 * @mcu_url: the mcu's base address
 *
 * Returns: (transfer none): a new window owned by @application; it starts
 *   probing both services at once.
 */
PanelWindow *
panel_window_new (GtkApplication *application, const char *scheduler_url, const char *mcu_url)
{
  PanelWindow *self;
  GtkWidget *box;
  GtkWidget *heading;

  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);

  self = g_object_new (PANEL_TYPE_WINDOW, "application", application, NULL);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  heading = gtk_label_new (_ ("Services"));
  gtk_widget_add_css_class (heading, "title-2");
  gtk_widget_set_margin_top (heading, 12);
  gtk_box_append (GTK_BOX (box), heading);

  self->scheduler_row = panel_service_row_new (_ ("Meeting scheduler"), scheduler_url);
  self->mcu_row = panel_service_row_new (_ ("Multipoint control unit (mcu)"), mcu_url);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->scheduler_row));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->mcu_row));
  gtk_window_set_child (GTK_WINDOW (self), box);

  refresh (self);
  self->refresh_id = g_timeout_add_seconds (REFRESH_SECONDS, refresh, self);
  return self;
}

/**
 * panel_window_get_scheduler_row:
 * @self: a #PanelWindow
 *
 * Returns: (transfer none): the scheduler's row.
 */
PanelServiceRow *
panel_window_get_scheduler_row (PanelWindow *self)
{
  g_return_val_if_fail (PANEL_IS_WINDOW (self), NULL);
  return self->scheduler_row;
}

/**
 * panel_window_get_mcu_row:
 * @self: a #PanelWindow
 *
 * Returns: (transfer none): the mcu's row.
 */
PanelServiceRow *
panel_window_get_mcu_row (PanelWindow *self)
{
  g_return_val_if_fail (PANEL_IS_WINDOW (self), NULL);
  return self->mcu_row;
}
