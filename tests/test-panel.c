/* test-panel.c: the GTK panel in a real window under Xvfb, probing a real
 * scheduler and an mcu address where nothing listens. */
#include "config.h"

#include <gtk/gtk.h>

#include "support/hn-test.h"
#include "ui-gtk/panel-application.h"
#include "ui-gtk/panel-window.h"

#define GIVE_UP_SECONDS 30

typedef struct
{
  PanelApplication *application;
  gboolean settled;
  gboolean timed_out;
} Run;

static gboolean
check_states (gpointer data)
{
  Run *run = data;
  GtkWindow *window = panel_application_get_main_window (run->application);

  if (window == NULL)
    return G_SOURCE_CONTINUE;
  if (panel_service_row_get_state (panel_window_get_scheduler_row (PANEL_WINDOW (window)))
          == PANEL_SERVICE_UP
      && panel_service_row_get_state (panel_window_get_mcu_row (PANEL_WINDOW (window)))
             == PANEL_SERVICE_DOWN)
    {
      run->settled = TRUE;
      g_application_quit (G_APPLICATION (run->application));
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
give_up (gpointer data)
{
  Run *run = data;

  run->timed_out = TRUE;
  g_application_quit (G_APPLICATION (run->application));
  return G_SOURCE_REMOVE;
}

static void
test_window_shows_service_states (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HnTestXvfb) xvfb = hn_test_xvfb_start (&error);
  g_autoptr (HnTestDaemon) scheduler = NULL;
  g_autofree char *scheduler_arg = NULL;
  g_autofree char *mcu_arg = NULL;
  Run run = { 0 };
  guint poll_id, give_up_id;
  GtkWindow *window;

  if (xvfb == NULL)
    {
      g_test_skip (error->message);
      return;
    }
  scheduler = hn_test_daemon_start ("scheduler/hoinghi-scheduler", NULL, &error);
  g_assert_no_error (error);
  scheduler_arg = g_strdup_printf ("--scheduler=%s", hn_test_daemon_get_url (scheduler));
  mcu_arg = g_strdup_printf ("--mcu=http://127.0.0.1:%u", hn_test_free_port ());

  run.application = panel_application_new ();
  poll_id = g_timeout_add (50, check_states, &run);
  give_up_id = g_timeout_add_seconds (GIVE_UP_SECONDS, give_up, &run);
  {
    char *argv[] = { (char *) "hoinghi-panel", scheduler_arg, mcu_arg, NULL };

    g_assert_cmpint (g_application_run (G_APPLICATION (run.application), 3, argv), ==, 0);
  }
  if (!run.settled)
    g_source_remove (poll_id);
  if (!run.timed_out)
    g_source_remove (give_up_id);

  g_assert_false (run.timed_out);
  g_assert_true (run.settled);
  window = panel_application_get_main_window (run.application);
  g_assert_nonnull (window);
  g_assert_cmpstr (gtk_window_get_title (window), ==, "hoinghi control panel");
  g_assert_cmpstr (
      panel_service_row_get_url (panel_window_get_scheduler_row (PANEL_WINDOW (window))), ==,
      hn_test_daemon_get_url (scheduler));
  gtk_window_destroy (window);
  g_clear_object (&run.application);
}

int
main (int argc, char **argv)
{
  hn_test_init (&argc, &argv);
  g_test_add_func ("/panel/service-states", test_window_shows_service_states);
  return g_test_run ();
}
