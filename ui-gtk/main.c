/* hoinghi-panel: the technician's GTK 4 control panel. */
#define G_LOG_DOMAIN "hoinghi-panel"

#include "config.h"

#include "libhoinghi/hn-i18n.h"

#include "panel-application.h"

int
main (int argc, char **argv)
{
  g_autoptr (PanelApplication) application = NULL;

  hn_i18n_init ();
  application = panel_application_new ();
  return g_application_run (G_APPLICATION (application), argc, argv);
}
