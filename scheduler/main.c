/* hoinghi-scheduler: the meeting-booking service.
 *
 * Books meetings, keeps the administrative hierarchy and computes the
 * online-meeting ratio.  This file only wires the daemon's life.
 */
#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "config.h"

#include "libhoinghi/hn-daemon.h"
#include "libhoinghi/hn-i18n.h"

int
main (int argc, char **argv)
{
  g_autoptr (HnDaemon) daemon = NULL;

  hn_i18n_init ();
  daemon = hn_daemon_new ("hoinghi-scheduler",
                          _ ("The meeting scheduler: books meetings of the province, its districts "
                             "and communes."),
                          "127.0.0.1:8080");
  return hn_daemon_run (daemon, argc, argv, NULL, NULL);
}
