/* hn-daemon.c: HnDaemon, option parsing and the main loop of a daemon. */
#define G_LOG_DOMAIN "hoinghi"

#include "config.h"

#include <signal.h>
#include <stdio.h>

#include <glib-unix.h>

#include "hn-daemon.h"
#include "hn-i18n.h"
#include "hn-log.h"

struct _HnDaemon
{
  GObject parent_instance;

  char *program;
  char *summary;
  HnConfig *config;
  HnServer *server;
  GMainLoop *loop;
  GArray *entries;
  HnDaemonCommandFunc command;
  gpointer command_data;
};

enum
{
  SIGNAL_STOPPING,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HnDaemon, hn_daemon, G_TYPE_OBJECT)

static void
hn_daemon_finalize (GObject *object)
{
  HnDaemon *self = HN_DAEMON (object);

  g_free (self->program);
  g_free (self->summary);
  g_clear_object (&self->server);
  g_clear_object (&self->config);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_array_unref (self->entries);

  G_OBJECT_CLASS (hn_daemon_parent_class)->finalize (object);
}

static void
hn_daemon_class_init (HnDaemonClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hn_daemon_finalize;

  /**
   * HnDaemon::stopping:
   * @daemon: the daemon
   *
   * Emitted once, in the main loop, when SIGTERM or SIGINT arrived or
   * hn_daemon_stop() was called: the moment to tell peers goodbye and
   * flush what must not be lost.  The loop still runs during emission.
   */
  signals[SIGNAL_STOPPING] = g_signal_new ("stopping", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hn_daemon_init (HnDaemon *self)
{
  self->loop = g_main_loop_new (NULL, FALSE);
  self->entries = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));
}

/**
 * hn_daemon_new:
 * @program: the program's name, e.g. "hoinghi-scheduler"
 * @summary: (nullable): one translated line for --help
 * @default_listen: HOST:PORT when nothing else is said
 *
 * Returns: (transfer full): a daemon; add program options to its config
 *   with hn_config_add_option() before hn_daemon_run().
 */
HnDaemon *
hn_daemon_new (const char *program, const char *summary, const char *default_listen)
{
  HnDaemon *self;

  g_return_val_if_fail (program != NULL, NULL);

  self = g_object_new (HN_TYPE_DAEMON, NULL);
  self->program = g_strdup (program);
  self->summary = g_strdup (summary);
  self->config = hn_config_new (program, default_listen);
  return self;
}

/**
 * hn_daemon_add_entries:
 * @self: a #HnDaemon
 * @entries: (array zero-terminated=1): options that are not settings,
 *   e.g. --backup FILE; kept by reference, like GOption does
 *
 * Adds them to the program's options, after the shared ones.
 */
void
hn_daemon_add_entries (HnDaemon *self, const GOptionEntry *entries)
{
  g_return_if_fail (HN_IS_DAEMON (self));

  for (guint i = 0; entries[i].long_name != NULL; i++)
    g_array_append_val (self->entries, entries[i]);
}

/**
 * hn_daemon_set_command:
 * @self: a #HnDaemon
 * @func: decides, once options and config are read, whether to serve
 * @user_data: for @func
 */
void
hn_daemon_set_command (HnDaemon *self, HnDaemonCommandFunc func, gpointer user_data)
{
  g_return_if_fail (HN_IS_DAEMON (self));

  self->command = func;
  self->command_data = user_data;
}

/**
 * hn_daemon_get_config:
 * @self: a #HnDaemon
 *
 * Returns: (transfer none): the daemon's settings.
 */
HnConfig *
hn_daemon_get_config (HnDaemon *self)
{
  g_return_val_if_fail (HN_IS_DAEMON (self), NULL);
  return self->config;
}

/**
 * hn_daemon_get_server:
 * @self: a #HnDaemon that got past listening
 *
 * Returns: (transfer none) (nullable): the HTTP server.
 */
HnServer *
hn_daemon_get_server (HnDaemon *self)
{
  g_return_val_if_fail (HN_IS_DAEMON (self), NULL);
  return self->server;
}

static gboolean
on_unix_signal (gpointer user_data)
{
  HnDaemon *self = HN_DAEMON (user_data);

  hn_daemon_stop (self);
  return G_SOURCE_CONTINUE;
}

/**
 * hn_daemon_stop:
 * @self: a running #HnDaemon
 *
 * Emits #HnDaemon::stopping (once) and ends the main loop.
 */
void
hn_daemon_stop (HnDaemon *self)
{
  g_return_if_fail (HN_IS_DAEMON (self));

  if (!g_main_loop_is_running (self->loop))
    return;
  g_message ("%s is stopping", self->program);
  g_signal_emit (self, signals[SIGNAL_STOPPING], 0);
  g_main_loop_quit (self->loop);
}

static int
fail (HnDaemon *self, const GError *error, int code)
{
  g_printerr ("%s: %s\n", self->program, error->message);
  return code;
}

static gboolean
parse_args (HnDaemon *self, int *argc, char ***argv, gboolean *show_version, GError **error)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  GOptionGroup *group = hn_config_create_option_group (self->config);
  const GOptionEntry version_entry[] = {
    { "version", 'V', 0, G_OPTION_ARG_NONE, show_version, N_ ("Print the version and exit"), NULL },
    { NULL },
  };

  g_option_group_add_entries (group, version_entry);
  if (self->entries->len > 0)
    g_option_group_add_entries (group, (const GOptionEntry *) (void *) self->entries->data);
  g_option_context_set_main_group (context, group);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, self->summary);
  g_option_context_set_strict_posix (context, FALSE);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;
  if (*argc > 1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _ ("unexpected argument “%s”; see --help"), (*argv)[1]);
      return FALSE;
    }
  return TRUE;
}

/**
 * hn_daemon_run:
 * @self: a #HnDaemon
 * @argc: from main()
 * @argv: from main()
 * @setup: (scope call): the program's own start-up
 * @user_data: passed to @setup
 *
 * Listening comes before the data directory so that a taken port leaves
 * no directory behind.
 *
 * Returns: the process's exit code.
 */
int
hn_daemon_run (HnDaemon *self, int argc, char **argv, HnDaemonSetupFunc setup, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *url = NULL;
  gboolean show_version = FALSE;

  g_return_val_if_fail (HN_IS_DAEMON (self), HN_EXIT_FAILURE);

  if (!parse_args (self, &argc, &argv, &show_version, &error))
    return fail (self, error, HN_EXIT_USAGE);
  if (show_version)
    {
      g_print ("%s %s\n", self->program, PACKAGE_VERSION);
      return HN_EXIT_OK;
    }
  if (!hn_config_load (self->config, &error))
    return fail (self, error, HN_EXIT_USAGE);

  hn_log_init (self->program, hn_config_get_verbose (self->config));
  /* A peer that closes its socket must not kill the daemon. */
  signal (SIGPIPE, SIG_IGN);
  if (self->command != NULL)
    {
      int code = self->command (self, self->command_data);

      if (code >= 0)
        return code;
    }

  self->server = hn_server_new (self->program, hn_config_get_max_body_bytes (self->config));
  if (!hn_server_listen (self->server, hn_config_get_listen_host (self->config),
                         hn_config_get_listen_port (self->config), &error))
    return fail (self, error, HN_EXIT_FAILURE);
  if (!hn_config_ensure_data_dir (self->config, &error))
    return fail (self, error, HN_EXIT_FAILURE);
  if (setup != NULL && !setup (self, user_data, &error))
    return fail (self, error, HN_EXIT_FAILURE);

  g_unix_signal_add (SIGTERM, on_unix_signal, self);
  g_unix_signal_add (SIGINT, on_unix_signal, self);

  url = hn_server_get_url (self->server);
  /* TRANSLATORS: "hoinghi-mcu: listening on http://127.0.0.1:8443 (data: /var/lib/hoinghi)" */
  g_print (_ ("%s: listening on %s (data: %s)\n"), self->program, url,
           hn_config_get_data_dir (self->config));
  fflush (stdout);

  g_main_loop_run (self->loop);

  hn_server_disconnect (self->server);
  /* Let closed connections run their clean-up before the process ends. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_message ("%s stopped", self->program);
  return HN_EXIT_OK;
}
