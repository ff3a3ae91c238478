/* hoinghi-mcu: the multipoint control unit.
 *
 * Carries audio and video among the sites of a meeting.  This file only
 * wires the daemon's life; the mcu's components live beside it.
 */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include "libhoinghi/hn-daemon.h"
#include "libhoinghi/hn-i18n.h"

int
main (int argc, char **argv)
{
  g_autoptr (HnDaemon) daemon = NULL;

  hn_i18n_init ();
  daemon = hn_daemon_new ("hoinghi-mcu",
                          _ ("The multipoint control unit: carries audio and video among the "
                             "sites of a meeting."),
                          "127.0.0.1:8443");
  return hn_daemon_run (daemon, argc, argv, NULL, NULL);
}
