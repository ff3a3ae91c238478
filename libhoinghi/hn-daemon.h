/* hn-daemon.h: the life of a hoinghi daemon, from options to SIGTERM.
 *
 * parse options -> load config -> listen -> data dir -> program set-up
 * -> main loop -> "stopping" -> exit.  Each step that fails prints one
 * sentence to stderr and ends the process with a meaningful exit code,
 * having written nothing.
 */
#pragma once

#include "hn-config.h"
#include "hn-exit.h"
#include "hn-server.h"

G_BEGIN_DECLS

#define HN_TYPE_DAEMON (hn_daemon_get_type ())
G_DECLARE_FINAL_TYPE (HnDaemon, hn_daemon, HN, DAEMON, GObject)

/**
 * HnDaemonSetupFunc:
 * @daemon: the daemon, listening, with its data directory ready
 * @user_data: what was given to hn_daemon_run()
 * @error: what failed
 *
 * Opens what the program needs (a database, a GStreamer pipeline) and
 * adds its HTTP handlers.
 *
 * Returns: whether the program can serve.
 */
typedef gboolean (*HnDaemonSetupFunc) (HnDaemon *daemon, gpointer user_data, GError **error);

/**
 * HnDaemonCommandFunc:
 * @daemon: the daemon, configured, not listening
 * @user_data: what was given to hn_daemon_set_command()
 *
 * A one-shot job chosen on the command line (e.g. --backup) that runs
 * instead of serving.
 *
 * Returns: -1 to go on and serve, otherwise the process's exit code.
 */
typedef int (*HnDaemonCommandFunc) (HnDaemon *daemon, gpointer user_data);

HnDaemon *hn_daemon_new (const char *program, const char *summary, const char *default_listen);
void hn_daemon_add_entries (HnDaemon *self, const GOptionEntry *entries);
void hn_daemon_set_command (HnDaemon *self, HnDaemonCommandFunc func, gpointer user_data);
HnConfig *hn_daemon_get_config (HnDaemon *self);
HnServer *hn_daemon_get_server (HnDaemon *self);
int hn_daemon_run (HnDaemon *self, int argc, char **argv, HnDaemonSetupFunc setup,
                   gpointer user_data);
void hn_daemon_stop (HnDaemon *self);

G_END_DECLS
