/* hn-test.c: the integration-test harness (see hn-test.h). */
#define G_LOG_DOMAIN "hoinghi-test"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "libhoinghi/hn-health.h"
#include "libhoinghi/hn-http.h"

#include "hn-test.h"

#include <json-glib/json-glib.h>

#define READY_TIMEOUT_US (60 * G_USEC_PER_SEC)
#define POLL_INTERVAL_US (20 * 1000)

struct _HnTestDaemon
{
  char *program;
  GStrv extra_args;
  GPid pid;
  gboolean reaped;
  int wait_status;
  guint16 port;
  char *url;
  char *tmpdir;
  char *data_dir;
  char *log_path;
};

struct _HnTestXvfb
{
  GPid pid;
  char *display;
  char *previous_display;
};

/**
 * hn_test_init:
 * @argc: from main()
 * @argv: from main()
 *
 * g_test_init() with isolated XDG directories, so no test reads or writes
 * the developer's own configuration.
 */
void
hn_test_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
}

static char *
top_dir (const char *variable)
{
  const char *value = g_getenv (variable);

  if (value == NULL || *value == '\0')
    g_error ("%s is not set: run the tests through 'make check'", variable);
  return g_strdup (value);
}

/**
 * hn_test_build_path:
 * @relative: a path inside the build tree, e.g. "mcu/hoinghi-mcu"
 *
 * Returns: (transfer full): the absolute path.
 */
char *
hn_test_build_path (const char *relative)
{
  g_autofree char *top = top_dir ("HN_TOP_BUILDDIR");

  return g_build_filename (top, relative, NULL);
}

/**
 * hn_test_source_path:
 * @relative: a path inside the source tree, e.g. "data/units"
 *
 * Returns: (transfer full): the absolute path.
 */
char *
hn_test_source_path (const char *relative)
{
  g_autofree char *top = top_dir ("HN_TOP_SRCDIR");

  return g_build_filename (top, relative, NULL);
}

/**
 * hn_test_make_tmpdir:
 * @label: a word naming what the directory is for
 *
 * Made under tests/tmp/ of the build tree, where a failed test's files
 * can be looked at; `make clean` removes them.
 *
 * Returns: (transfer full): the new, empty directory.
 */
char *
hn_test_make_tmpdir (const char *label)
{
  g_autofree char *root = hn_test_build_path ("tests/tmp");
  g_autofree char *template = NULL;
  char *path;

  g_assert_cmpint (g_mkdir_with_parents (root, 0755), ==, 0);
  template = g_strdup_printf ("%s/%s-XXXXXX", root, label);
  path = g_mkdtemp (g_steal_pointer (&template));
  g_assert_nonnull (path);
  return path;
}

/**
 * hn_test_remove_tree:
 * @path: a directory (or file) to remove with everything below it
 */
void
hn_test_remove_tree (const char *path)
{
  g_autoptr (GDir) dir = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_unlink (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      hn_test_remove_tree (child);
    }
  g_rmdir (path);
}

/**
 * hn_test_free_port:
 *
 * Binds 127.0.0.1:0 and returns the port the kernel chose.  Another
 * process could take it before the daemon binds it; the daemon start
 * retries with a new port when that happens.
 *
 * Returns: a TCP port that was free a moment ago.
 */
guint16
hn_test_free_port (void)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/**
 * hn_test_cpu_mark:
 *
 * Returns: the machine's CPU time so far, for hn_test_cpu_idle_since();
 *   zeros where /proc/stat cannot be read.
 */
HnTestCpuMark
hn_test_cpu_mark (void)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) fields = NULL;
  HnTestCpuMark mark = { 0 };
  char *end;

  if (!g_file_get_contents ("/proc/stat", &text, NULL, NULL) || !g_str_has_prefix (text, "cpu ")
      || (end = strchr (text, '\n')) == NULL)
    return mark;
  *end = '\0';
  fields = g_strsplit (text + 4, " ", -1);
  /* user nice system idle iowait irq softirq steal: the host's steal is
   * time this machine did not get, so it counts as busy */
  for (guint i = 0, n = 0; fields[i] != NULL && n < 8; i++)
    {
      guint64 value;

      if (*fields[i] == '\0')
        continue;
      value = g_ascii_strtoull (fields[i], NULL, 10);
      mark.total += value;
      if (n == 3 || n == 4)
        mark.idle += value;
      n++;
    }
  return mark;
}

/**
 * hn_test_cpu_idle_since:
 * @mark: from hn_test_cpu_mark()
 *
 * Returns: the share of the machine's CPU time (all cores) that was idle
 *   since @mark; 1 where it cannot be told.
 */
double
hn_test_cpu_idle_since (const HnTestCpuMark *mark)
{
  HnTestCpuMark now = hn_test_cpu_mark ();

  if (mark->total == 0 || now.total <= mark->total)
    return 1.0;
  return (double) (now.idle - mark->idle) / (double) (now.total - mark->total);
}

/* Runs in the child between fork and exec: die with the test. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static gboolean
reap (GPid pid, int *wait_status, gboolean block)
{
  pid_t done;

  do
    done = waitpid (pid, wait_status, block ? 0 : WNOHANG);
  while (done < 0 && errno == EINTR);
  return done == pid;
}

static char *
read_log (const char *path)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("(no log)");
  return g_steal_pointer (&text);
}

static gboolean
spawn_daemon (HnTestDaemon *daemon, const char *program, const char *const *extra_args,
              GError **error)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *path = hn_test_build_path (program);
  int log_fd;
  gboolean spawned;

  /* HN_TEST_WRAPPER runs the daemons under a tool, e.g. "valgrind --tool=callgrind" */
  if (g_getenv ("HN_TEST_WRAPPER") != NULL && *g_getenv ("HN_TEST_WRAPPER") != '\0')
    {
      g_auto (GStrv) wrapper = g_strsplit (g_getenv ("HN_TEST_WRAPPER"), " ", -1);

      for (guint i = 0; wrapper[i] != NULL; i++)
        if (*wrapper[i] != '\0')
          g_ptr_array_add (args, g_strdup (wrapper[i]));
    }
  g_ptr_array_add (args, g_strdup (path));
  g_ptr_array_add (args, g_strdup_printf ("--listen=127.0.0.1:%u", daemon->port));
  g_ptr_array_add (args, g_strdup_printf ("--data-dir=%s", daemon->data_dir));
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (args, g_strdup (extra_args[i]));
  g_ptr_array_add (args, NULL);

  log_fd = open (daemon->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot open %s",
                   daemon->log_path);
      return FALSE;
    }
  spawned = g_spawn_async_with_pipes_and_fds (
      NULL, (const char *const *) args->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD, die_with_parent,
      NULL, -1, log_fd, log_fd, NULL, NULL, 0, &daemon->pid, NULL, NULL, NULL, error);
  close (log_fd);
  daemon->reaped = FALSE;
  return spawned;
}

static gboolean
wait_ready (HnTestDaemon *daemon, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + READY_TIMEOUT_US;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr (JsonObject) health = NULL;

      if (reap (daemon->pid, &daemon->wait_status, FALSE))
        {
          g_autofree char *log = read_log (daemon->log_path);

          daemon->reaped = TRUE;
          g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                       "the daemon exited before it was ready (status %d): %s", daemon->wait_status,
                       log);
          return FALSE;
        }
      health = hn_health_probe (daemon->url, 1, NULL);
      if (health != NULL)
        return TRUE;
      g_usleep (POLL_INTERVAL_US);
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
               "the daemon did not answer /healthz in time; its log: %s", daemon->log_path);
  return FALSE;
}

/**
 * hn_test_daemon_start:
 * @program: the program's path in the build tree, e.g. "mcu/hoinghi-mcu"
 * @extra_args: (nullable) (array zero-terminated=1): more arguments
 * @error: why it did not come up (with its log)
 *
 * Starts the daemon on a free loopback port with a fresh data directory
 * and returns once /healthz answers.
 *
 * Returns: (transfer full) (nullable): the running daemon.
 */
HnTestDaemon *
hn_test_daemon_start (const char *program, const char *const *extra_args, GError **error)
{
  g_autoptr (HnTestDaemon) daemon = g_new0 (HnTestDaemon, 1);
  g_autofree char *base = g_path_get_basename (program);

  daemon->reaped = TRUE;
  daemon->program = g_strdup (program);
  daemon->extra_args = g_strdupv ((GStrv) extra_args);
  daemon->tmpdir = hn_test_make_tmpdir (base);
  daemon->data_dir = g_build_filename (daemon->tmpdir, "data", NULL);
  daemon->log_path = g_build_filename (daemon->tmpdir, "daemon.log", NULL);

  /* The port may be taken between hn_test_free_port() and the bind. */
  for (int attempt = 0; attempt < 3; attempt++)
    {
      g_autoptr (GError) local_error = NULL;

      daemon->port = hn_test_free_port ();
      g_free (daemon->url);
      daemon->url = g_strdup_printf ("http://127.0.0.1:%u", daemon->port);
      if (!spawn_daemon (daemon, program, extra_args, error))
        return NULL;
      if (wait_ready (daemon, &local_error))
        return g_steal_pointer (&daemon);
      if (!daemon->reaped || !strstr (local_error->message, "already in use"))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE, "no free port found");
  return NULL;
}

/**
 * hn_test_daemon_restart:
 * @daemon: a daemon that was stopped or killed
 * @error: why it did not come back
 *
 * Starts it again on the same port with the same data directory and
 * arguments (its log is appended to) and waits for /healthz.
 *
 * Returns: whether it is up again.
 */
gboolean
hn_test_daemon_restart (HnTestDaemon *daemon, GError **error)
{
  g_return_val_if_fail (daemon->reaped, FALSE);

  if (!spawn_daemon (daemon, daemon->program, (const char *const *) daemon->extra_args, error))
    return FALSE;
  return wait_ready (daemon, error);
}

/**
 * hn_test_daemon_get_url:
 * @daemon: a started daemon
 *
 * Returns: (transfer none): its base URL.
 */
const char *
hn_test_daemon_get_url (HnTestDaemon *daemon)
{
  return daemon->url;
}

/**
 * hn_test_daemon_get_data_dir:
 * @daemon: a started daemon
 *
 * Returns: (transfer none): its data directory.
 */
const char *
hn_test_daemon_get_data_dir (HnTestDaemon *daemon)
{
  return daemon->data_dir;
}

/**
 * hn_test_daemon_get_port:
 * @daemon: a started daemon
 *
 * Returns: its port.
 */
guint16
hn_test_daemon_get_port (HnTestDaemon *daemon)
{
  return daemon->port;
}

/**
 * hn_test_daemon_get_pid:
 * @daemon: a started daemon
 *
 * Returns: its process id.
 */
GPid
hn_test_daemon_get_pid (HnTestDaemon *daemon)
{
  return daemon->pid;
}

/**
 * hn_test_daemon_get_log:
 * @daemon: a started daemon
 *
 * Returns: (transfer full): what it wrote to stdout and stderr so far.
 */
char *
hn_test_daemon_get_log (HnTestDaemon *daemon)
{
  return read_log (daemon->log_path);
}

/**
 * hn_test_daemon_stop:
 * @daemon: a started daemon
 * @signal_number: e.g. SIGTERM
 * @timeout_ms: how long to wait for it to exit before SIGKILL
 *
 * Returns: its exit code, 128 + the signal that ended it, or -1 when it
 *   had to be killed after @timeout_ms.
 */
int
hn_test_daemon_stop (HnTestDaemon *daemon, int signal_number, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  if (!daemon->reaped)
    {
      kill (daemon->pid, signal_number);
      while (!reap (daemon->pid, &daemon->wait_status, FALSE))
        {
          if (g_get_monotonic_time () > deadline)
            {
              kill (daemon->pid, SIGKILL);
              reap (daemon->pid, &daemon->wait_status, TRUE);
              daemon->reaped = TRUE;
              return -1;
            }
          g_usleep (POLL_INTERVAL_US);
        }
      daemon->reaped = TRUE;
      /* A daemon that ended badly says why in its log, which goes with its
       * temporary directory: keep it in the test's output. */
      if (!WIFEXITED (daemon->wait_status) || WEXITSTATUS (daemon->wait_status) != 0)
        {
          g_autofree char *log = read_log (daemon->log_path);
          g_printerr ("# %s ended with status 0x%x; its log:\n%s\n", daemon->program,
                      daemon->wait_status, log);
        }
    }
  if (WIFEXITED (daemon->wait_status))
    return WEXITSTATUS (daemon->wait_status);
  return 128 + WTERMSIG (daemon->wait_status);
}

/**
 * hn_test_daemon_free:
 * @daemon: (nullable): a daemon, running or not
 *
 * Kills and reaps it if it still runs and removes its directory.
 */
void
hn_test_daemon_free (HnTestDaemon *daemon)
{
  if (daemon == NULL)
    return;
  if (!daemon->reaped)
    {
      kill (daemon->pid, SIGKILL);
      reap (daemon->pid, &daemon->wait_status, TRUE);
    }
  if (daemon->tmpdir != NULL)
    hn_test_remove_tree (daemon->tmpdir);
  g_free (daemon->program);
  g_strfreev (daemon->extra_args);
  g_free (daemon->url);
  g_free (daemon->tmpdir);
  g_free (daemon->data_dir);
  g_free (daemon->log_path);
  g_free (daemon);
}

/**
 * hn_test_run:
 * @argv: (array zero-terminated=1): the program (a path in the build tree
 *   when relative) and its arguments
 * @env_overrides: (nullable) (array zero-terminated=1): "NAME=VALUE" pairs
 *   laid over the test's environment
 * @standard_output: (out) (optional): what it printed
 * @standard_error: (out) (optional): what it complained
 *
 * Returns: its exit code, or 128 + the signal that ended it.
 */
int
hn_test_run (const char *const *argv, const char *const *env_overrides, char **standard_output,
             char **standard_error)
{
  g_auto (GStrv) env = g_get_environ ();
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  int wait_status = 0;

  for (guint i = 0; env_overrides != NULL && env_overrides[i] != NULL; i++)
    {
      g_auto (GStrv) pair = g_strsplit (env_overrides[i], "=", 2);

      env = g_environ_setenv (env, pair[0], pair[1] != NULL ? pair[1] : "", TRUE);
    }
  g_ptr_array_add (args, g_path_is_absolute (argv[0]) ? g_strdup (argv[0])
                                                      : hn_test_build_path (argv[0]));
  for (guint i = 1; argv[i] != NULL; i++)
    g_ptr_array_add (args, g_strdup (argv[i]));
  g_ptr_array_add (args, NULL);

  g_spawn_sync (NULL, (char **) args->pdata, env, 0, die_with_parent, NULL, standard_output,
                standard_error, &wait_status, &error);
  g_assert_no_error (error);
  if (WIFEXITED (wait_status))
    return WEXITSTATUS (wait_status);
  return 128 + WTERMSIG (wait_status);
}

/**
 * hn_test_run_with_input:
 * @argv: (array zero-terminated=1): as for hn_test_run()
 * @env_overrides: (nullable) (array zero-terminated=1): as for hn_test_run()
 * @input: what the program reads on standard input
 * @standard_output: (out) (optional): what it printed
 * @standard_error: (out) (optional): what it complained
 *
 * Returns: its exit code, or 128 + the signal that ended it.
 */
int
hn_test_run_with_input (const char *const *argv, const char *const *env_overrides,
                        const char *input, char **standard_output, char **standard_error)
{
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                   | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  for (guint i = 0; env_overrides != NULL && env_overrides[i] != NULL; i++)
    {
      g_auto (GStrv) pair = g_strsplit (env_overrides[i], "=", 2);

      g_subprocess_launcher_setenv (launcher, pair[0], pair[1] != NULL ? pair[1] : "", TRUE);
    }
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_ptr_array_add (args, g_path_is_absolute (argv[0]) ? g_strdup (argv[0])
                                                      : hn_test_build_path (argv[0]));
  for (guint i = 1; argv[i] != NULL; i++)
    g_ptr_array_add (args, g_strdup (argv[i]));
  g_ptr_array_add (args, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) args->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (standard_output != NULL)
    *standard_output = g_steal_pointer (&out);
  if (standard_error != NULL)
    *standard_error = g_steal_pointer (&err);
  if (g_subprocess_get_if_exited (process))
    return g_subprocess_get_exit_status (process);
  return 128 + g_subprocess_get_term_sig (process);
}

/**
 * hn_test_request:
 * @method: e.g. "POST"
 * @url: the full URL
 * @headers: (nullable) (array zero-terminated=1): name, value, name, value…
 * @content_type: (nullable): the body's type
 * @body: (nullable): the body
 * @body_length: its length, or -1 when NUL-terminated
 *
 * Safe to call from several threads at once: each call has its session.
 *
 * Returns: (transfer full): status (0 when the request failed at
 *   transport), body and headers of the answer.
 */
HnTestResponse *
hn_test_request (const char *method, const char *url, const char *const *headers,
                 const char *content_type, const char *body, gssize body_length)
{
  g_autoptr (SoupSession) session = hn_http_session_new (60);
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  g_autoptr (GBytes) answer = NULL;
  g_autoptr (GError) error = NULL;
  HnTestResponse *response = g_new0 (HnTestResponse, 1);

  g_assert_nonnull (msg);
  for (guint i = 0; headers != NULL && headers[i] != NULL && headers[i + 1] != NULL; i += 2)
    soup_message_headers_replace (soup_message_get_request_headers (msg), headers[i],
                                  headers[i + 1]);
  if (body != NULL)
    {
      g_autoptr (GBytes) bytes
          = g_bytes_new (body, body_length < 0 ? strlen (body) : (gsize) body_length);

      soup_message_set_request_body_from_bytes (msg, content_type, bytes);
    }
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  if (answer == NULL)
    {
      g_test_message ("%s %s failed: %s", method, url, error->message);
      response->body = g_strdup ("");
      return response;
    }
  response->status = soup_message_get_status (msg);
  response->length = g_bytes_get_size (answer);
  response->body = g_malloc (response->length + 1);
  if (response->length > 0)
    memcpy (response->body, g_bytes_get_data (answer, NULL), response->length);
  response->body[response->length] = '\0';
  response->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return response;
}

/**
 * hn_test_response_free:
 * @response: (nullable): an answer from hn_test_request()
 */
void
hn_test_response_free (HnTestResponse *response)
{
  if (response == NULL)
    return;
  g_free (response->body);
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  g_free (response);
}

/**
 * hn_test_http:
 * @method: e.g. "GET"
 * @url: the full URL
 * @headers: (nullable) (array zero-terminated=1): name, value, name, value…
 * @content_type: (nullable): the body's type
 * @body: (nullable): the body
 * @body_length: its length, or -1 when NUL-terminated
 * @response_body: (out) (optional): the answer's body
 *
 * Returns: the HTTP status, or 0 when the request failed at transport.
 */
guint
hn_test_http (const char *method, const char *url, const char *const *headers,
              const char *content_type, const char *body, gssize body_length, char **response_body)
{
  g_autoptr (HnTestResponse) response
      = hn_test_request (method, url, headers, content_type, body, body_length);

  if (response_body != NULL)
    *response_body = g_steal_pointer (&response->body);
  return response->status;
}

/**
 * hn_test_xvfb_start:
 * @error: why no display could be had
 *
 * Starts a private Xvfb and points DISPLAY at it (GDK_BACKEND=x11).  Xvfb
 * writes its display number to a pipe once it accepts clients, so there
 * is nothing to guess or wait for.
 *
 * Returns: (transfer full) (nullable): the display.
 */
HnTestXvfb *
hn_test_xvfb_start (GError **error)
{
  g_autoptr (HnTestXvfb) xvfb = g_new0 (HnTestXvfb, 1);
  g_autofree char *program = g_find_program_in_path ("Xvfb");
  g_autofree char *fd_text = NULL;
  int pipe_fds[2];
  char buffer[32] = { 0 };
  gssize got = 0;
  gboolean spawned;

  if (program == NULL)
    {
      g_set_error_literal (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT,
                           "Xvfb is not installed (Debian package xvfb)");
      return NULL;
    }
  if (!g_unix_open_pipe (pipe_fds, FD_CLOEXEC, error))
    return NULL;
  fd_text = g_strdup_printf ("%d", 3);
  {
    const char *argv[] = { program,   "-displayfd", fd_text,       "-nolisten", "tcp",
                           "-screen", "0",          "1280x800x24", NULL };
    int source_fds[] = { pipe_fds[1] };
    int target_fds[] = { 3 };

    spawned = g_spawn_async_with_pipes_and_fds (
        NULL, argv, NULL,
        G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
        die_with_parent, NULL, -1, -1, -1, source_fds, target_fds, 1, &xvfb->pid, NULL, NULL, NULL,
        error);
  }
  close (pipe_fds[1]);
  if (!spawned)
    {
      close (pipe_fds[0]);
      return NULL;
    }
  /* Blocks until Xvfb is ready or has died (the pipe then closes). */
  for (gssize n; got < (gssize) sizeof buffer - 1
                 && (n = read (pipe_fds[0], buffer + got, sizeof buffer - 1 - got)) != 0;)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      got += n;
      if (memchr (buffer, '\n', got) != NULL)
        break;
    }
  close (pipe_fds[0]);
  g_strstrip (buffer);
  if (*buffer == '\0')
    {
      g_set_error_literal (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "Xvfb did not start");
      return NULL;
    }
  xvfb->display = g_strdup_printf (":%s", buffer);
  xvfb->previous_display = g_strdup (g_getenv ("DISPLAY"));
  g_setenv ("DISPLAY", xvfb->display, TRUE);
  g_setenv ("GDK_BACKEND", "x11", TRUE);
  return g_steal_pointer (&xvfb);
}

/**
 * hn_test_xvfb_free:
 * @xvfb: (nullable): a display from hn_test_xvfb_start()
 *
 * Stops Xvfb and restores DISPLAY.
 */
void
hn_test_xvfb_free (HnTestXvfb *xvfb)
{
  int status;

  if (xvfb == NULL)
    return;
  if (xvfb->pid > 0)
    {
      kill (xvfb->pid, SIGTERM);
      reap (xvfb->pid, &status, TRUE);
    }
  if (xvfb->previous_display != NULL)
    g_setenv ("DISPLAY", xvfb->previous_display, TRUE);
  else
    g_unsetenv ("DISPLAY");
  g_free (xvfb->display);
  g_free (xvfb->previous_display);
  g_free (xvfb);
}

/**
 * hn_test_scheduler_add_user:
 * @daemon: a running hoinghi-scheduler
 * @login: the new user's login
 * @role: admin, secretary, technician or viewer
 * @unit: the code of the user's unit
 *
 * Adds a user with %HN_TEST_PASSWORD through `--add-user`, as an operator
 * would, on the daemon's data directory.
 */
void
hn_test_scheduler_add_user (HnTestDaemon *daemon, const char *login, const char *role,
                            const char *unit)
{
  static const char *const c_locale[] = { "LC_ALL=C.UTF-8", "LANGUAGE=", NULL };
  g_autofree char *data = g_strdup_printf ("--data-dir=%s", hn_test_daemon_get_data_dir (daemon));
  const char *argv[] = {
    "scheduler/hoinghi-scheduler", data, "--add-user", login, "--role", role, "--unit", unit, NULL
  };

  g_assert_cmpint (hn_test_run_with_input (argv, c_locale, HN_TEST_PASSWORD "\n", NULL, NULL), ==,
                   0);
}

/**
 * hn_test_scheduler_login:
 * @daemon: a running hoinghi-scheduler
 * @login: a user made with %HN_TEST_PASSWORD
 *
 * Returns: (transfer full): the bearer token of a new session
 */
char *
hn_test_scheduler_login (HnTestDaemon *daemon, const char *login)
{
  g_autofree char *url = g_strconcat (hn_test_daemon_get_url (daemon), "/api/v1/login", NULL);
  g_autofree char *body
      = g_strdup_printf ("{\"login\":\"%s\",\"password\":\"" HN_TEST_PASSWORD "\"}", login);
  g_autoptr (HnTestResponse) r = hn_test_request ("POST", url, NULL, "application/json", body, -1);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *object;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (json_parser_load_from_data (parser, r->body, -1, NULL));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_nonnull (json_object_get_string_member_with_default (object, "expires_at", NULL));
  g_assert_nonnull (json_object_get_string_member_with_default (object, "token", NULL));
  return g_strdup (json_object_get_string_member (object, "token"));
}

/* Headless browsers: Chromium and Firefox --------------------------------- */

#define CHROMIUM_PATH "/usr/bin/chromium"
#define FIREFOX_PATH "/usr/bin/firefox-esr"
#define BROWSER_POLL_US (50 * 1000)
#define BROWSER_EXIT_TIMEOUT_US (2 * G_USEC_PER_SEC)

struct _HnTestBrowser
{
  GPid pid; /* also its process group */
  gboolean reaped;
  int wait_status;
  char *tmpdir; /* profile/ and browser.log */
  char *log_path;
  int log_fd; /* read side of the log, read as it grows */
  GString *log;
  gsize returned; /* where the line last returned by wait_for_line ends */
};

/* Runs in the child between fork and exec: its own process group, so that
 * its renderer, GPU and utility processes can be killed together; and it
 * dies with the test. */
static void
browser_child_setup (gpointer user_data)
{
  setpgid (0, 0);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static const char *const xdg_variables[] = {
  "XDG_CACHE_HOME", "XDG_CONFIG_DIRS", "XDG_CONFIG_HOME", "XDG_DATA_DIRS",
  "XDG_DATA_HOME",  "XDG_RUNTIME_DIR", "XDG_STATE_HOME",
};

/* Firefox takes its settings from the profile: a fake microphone (a
 * 1 kHz tone) granted without asking, 127.0.0.1 candidates, console
 * messages on standard output, and none of its calls home. */
static const char firefox_prefs[]
    = "user_pref(\"media.navigator.streams.fake\", true);\n"
      "user_pref(\"media.navigator.permission.disabled\", true);\n"
      "user_pref(\"media.peerconnection.ice.loopback\", true);\n"
      "user_pref(\"media.peerconnection.ice.obfuscate_host_addresses\", false);\n"
      "user_pref(\"devtools.console.stdout.content\", true);\n"
      "user_pref(\"media.autoplay.default\", 0);\n"
      "user_pref(\"browser.shell.checkDefaultBrowser\", false);\n"
      "user_pref(\"datareporting.policy.dataSubmissionEnabled\", false);\n"
      "user_pref(\"toolkit.telemetry.reportingpolicy.firstRun\", false);\n"
      "user_pref(\"app.update.enabled\", false);\n"
      "user_pref(\"network.captive-portal-service.enabled\", false);\n"
      "user_pref(\"network.connectivity-service.enabled\", false);\n"
      "user_pref(\"browser.startup.homepage_override.mstone\", \"ignore\");\n";

/**
 * hn_test_browser_start:
 * @kind: Chromium or Firefox
 * @url: the page to open, e.g. the mcu's /join/r1?token=…&autojoin=1
 * @fake_audio: (nullable): a WAV file Chromium's fake microphone plays in a
 *   loop (its own beeps otherwise); Firefox's fake microphone is always a
 *   1 kHz tone
 * @error: why it did not start; %G_IO_ERROR_NOT_FOUND when the browser is
 *   not installed, which a test turns into g_test_skip()
 *
 * Starts the browser headless on @url with a fake camera and microphone,
 * permission granted without asking, 127.0.0.1 host candidates (only
 * loopback traffic in tests: the mcu under test offers only loopback) and
 * a fresh profile under tests/tmp/.  Its output, where console messages
 * go, is kept in browser.log there.
 *
 * Returns: (transfer full) (nullable): the browser.
 */
HnTestBrowser *
hn_test_browser_start (HnTestBrowserKind kind, const char *url, const char *fake_audio,
                       GError **error)
{
  g_autoptr (HnTestBrowser) browser = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *profile = NULL;
  const char *path = kind == HN_TEST_BROWSER_FIREFOX ? FIREFOX_PATH : CHROMIUM_PATH;
  /* The browser's own GLib complaints (no GSettings schemas in the test's
   * isolated directories) are not our warnings to make fatal */
  g_auto (GStrv) env = g_environ_unsetenv (g_get_environ (), "G_DEBUG");
  int fd;
  gboolean spawned;

  g_return_val_if_fail (url != NULL, NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s is not installed", path);
      return NULL;
    }
  browser = g_new0 (HnTestBrowser, 1);
  browser->reaped = TRUE;
  browser->log_fd = -1;
  browser->log = g_string_new (NULL);
  browser->tmpdir = hn_test_make_tmpdir ("browser");
  browser->log_path = g_build_filename (browser->tmpdir, "browser.log", NULL);
  profile = g_build_filename (browser->tmpdir, "profile", NULL);

  /* GLib's isolated test directories point HOME and the XDG directories at
   * /dev/null, where Firefox cannot load a page: the browser's own
   * directory is its home, and the XDG defaults follow from it */
  env = g_environ_setenv (env, "HOME", browser->tmpdir, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (xdg_variables); i++)
    env = g_environ_unsetenv (env, xdg_variables[i]);
  g_ptr_array_add (argv, g_strdup (path));
  if (kind == HN_TEST_BROWSER_FIREFOX)
    {
      g_autofree char *prefs = g_build_filename (profile, "user.js", NULL);

      g_assert_cmpint (g_mkdir_with_parents (profile, 0700), ==, 0);
      if (!g_file_set_contents (prefs, firefox_prefs, -1, error))
        return NULL;
      env = g_environ_setenv (env, "MOZ_CRASHREPORTER_DISABLE", "1", TRUE);
      g_ptr_array_add (argv, g_strdup ("--headless"));
      g_ptr_array_add (argv, g_strdup ("--no-remote"));
      g_ptr_array_add (argv, g_strdup ("--profile"));
      g_ptr_array_add (argv, g_strdup (profile));
    }
  else
    {
      const char *const flags[] = { "--headless=new",
                                    "--no-sandbox",
                                    "--use-fake-device-for-media-stream",
                                    "--use-fake-ui-for-media-stream",
                                    "--allow-loopback-in-peer-connection",
                                    "--disable-gpu",
                                    "--disable-background-networking",
                                    "--disable-component-update",
                                    "--disable-sync",
                                    "--no-first-run",
                                    "--disable-quic",
                                    "--enable-logging=stderr",
                                    "--v=0" };

      for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
        g_ptr_array_add (argv, g_strdup (flags[i]));
      g_ptr_array_add (argv, g_strconcat ("--user-data-dir=", profile, NULL));
      if (fake_audio != NULL)
        g_ptr_array_add (argv,
                         g_strconcat ("--use-file-for-fake-audio-capture=", fake_audio, NULL));
    }
  g_ptr_array_add (argv, g_strdup (url));
  g_ptr_array_add (argv, NULL);

  fd = open (browser->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot open %s",
                   browser->log_path);
      return NULL;
    }
  spawned = g_spawn_async_with_pipes_and_fds (
      NULL, (const char *const *) argv->pdata, (const char *const *) env,
      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL, browser_child_setup, NULL, -1, fd,
      fd, NULL, NULL, 0, &browser->pid, NULL, NULL, NULL, error);
  close (fd);
  if (!spawned)
    return NULL;
  browser->reaped = FALSE;
  browser->log_fd = open (browser->log_path, O_RDONLY | O_CLOEXEC);
  if (browser->log_fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot read %s",
                   browser->log_path);
      return NULL;
    }
  return g_steal_pointer (&browser);
}

/* Appends what the browser wrote since the last call to browser->log. */
static void
browser_read_log (HnTestBrowser *browser)
{
  char buffer[16384];
  gssize n;

  g_assert (browser->log_fd >= 0);
  while ((n = read (browser->log_fd, buffer, sizeof buffer)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      g_string_append_len (browser->log, buffer, n);
    }
}

/* The text of a console message in a log line, or %NULL for other lines:
 *   Chromium: [1:2:1128/101653.709736:INFO:CONSOLE:818] "TEXT", source: URL (818)
 *             (older versions write CONSOLE(818))
 *   Firefox:  console.log: "TEXT"  (a JSON string)
 * A message with a newline spans lines: only its first line is seen. */
static char *
browser_console_text (const char *line)
{
  const char *tag = strstr (line, ":CONSOLE");
  const char *start;
  const char *end;

  if (g_str_has_prefix (line, "console.log: "))
    {
      g_autoptr (JsonNode) node = json_from_string (line + strlen ("console.log: "), NULL);

      return node != NULL && JSON_NODE_HOLDS_VALUE (node)
                     && json_node_get_value_type (node) == G_TYPE_STRING
                 ? g_strdup (json_node_get_string (node))
                 : NULL;
    }
  if (tag == NULL || (start = strstr (tag, "] \"")) == NULL)
    return NULL;
  start += 3;
  end = g_strrstr (start, "\", source: ");
  if (end == NULL)
    end = strrchr (start, '"');
  if (end == NULL)
    return NULL;
  return g_strndup (start, end - start);
}

/* Looks at the complete lines written after the line last returned.
 * Returns the text (after @prefix) of the last accepted one and moves past
 * it, or %NULL. */
static char *
browser_scan (HnTestBrowser *browser, const char *prefix, HnTestBrowserAccept accept,
              gpointer user_data)
{
  gsize position = browser->returned;
  char *found = NULL;
  gsize found_end = 0;

  for (;;)
    {
      const char *line = browser->log->str + position;
      const char *newline = memchr (line, '\n', browser->log->len - position);
      g_autofree char *copy = NULL;
      g_autofree char *text = NULL;
      const char *rest;

      if (newline == NULL)
        break;
      position += newline - line + 1;
      copy = g_strndup (line, newline - line);
      text = browser_console_text (copy);
      if (text == NULL || !g_str_has_prefix (text, prefix))
        continue;
      rest = text + strlen (prefix);
      while (*rest == ' ')
        rest++;
      if (accept != NULL && !accept (rest, user_data))
        continue;
      g_free (found);
      found = g_strdup (rest);
      found_end = position;
    }
  if (found != NULL)
    browser->returned = found_end;
  return found;
}

/**
 * hn_test_browser_wait_for_line:
 * @browser: a started browser
 * @prefix: how the console message starts, e.g. %HN_TEST_BROWSER_STATUS
 * @timeout_ms: how long to wait
 * @accept: (nullable) (scope call): whether a message (its text after
 *   @prefix and the spaces after it) is the one awaited; %NULL takes any
 * @user_data: for @accept
 *
 * Waits for a console message starting with @prefix that @accept takes,
 * among those logged after the one the previous call returned; when
 * several are there already, the latest wins.  The default main context
 * is iterated meanwhile.  For the join page's status:
 *
 * |[<!-- language="C" -->
 * static gboolean
 * has_audio (const char *text, gpointer user_data)
 * {
 *   g_autoptr (JsonNode) node = json_from_string (text, NULL);
 *
 *   return node != NULL
 *          && json_object_get_int_member (json_node_get_object (node), "packetsReceived") > 50;
 * }
 *
 * g_autofree char *status = hn_test_browser_wait_for_line (
 *     browser, HN_TEST_BROWSER_STATUS, 20000, has_audio, NULL);
 * ]|
 *
 * Returns: (transfer full) (nullable): the message after @prefix (the JSON
 *   text for %HN_TEST_BROWSER_STATUS), or %NULL when none came in time or
 *   the browser exited (said with g_test_message()).
 */
char *
hn_test_browser_wait_for_line (HnTestBrowser *browser, const char *prefix, guint timeout_ms,
                               HnTestBrowserAccept accept, gpointer user_data)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  g_return_val_if_fail (browser != NULL, NULL);
  g_return_val_if_fail (prefix != NULL, NULL);

  for (;;)
    {
      gboolean exited = !browser->reaped && reap (browser->pid, &browser->wait_status, FALSE);
      char *found;

      if (exited)
        browser->reaped = TRUE;
      /* read after the exit check, so that nothing it wrote last is missed */
      browser_read_log (browser);
      found = browser_scan (browser, prefix, accept, user_data);
      if (found != NULL)
        return found;
      if (browser->reaped)
        {
          g_test_message (
              "the browser exited (status 0x%x) without the awaited \"%s\" line; see %s",
              browser->wait_status, prefix, browser->log_path);
          return NULL;
        }
      if (g_get_monotonic_time () >= deadline)
        {
          g_test_message ("no awaited \"%s\" line from the browser in %u ms; see %s", prefix,
                          timeout_ms, browser->log_path);
          return NULL;
        }
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (BROWSER_POLL_US);
    }
}

/**
 * hn_test_browser_get_log:
 * @browser: a started browser
 *
 * Returns: (transfer full): what the browser wrote to stdout and stderr so far.
 */
char *
hn_test_browser_get_log (HnTestBrowser *browser)
{
  g_return_val_if_fail (browser != NULL, NULL);

  browser_read_log (browser);
  return g_strndup (browser->log->str, browser->log->len);
}

/**
 * hn_test_browser_free:
 * @browser: (nullable): a browser from hn_test_browser_start()
 *
 * Kills its whole process group, reaps it and removes its profile and log.
 */
void
hn_test_browser_free (HnTestBrowser *browser)
{
  if (browser == NULL)
    return;
  if (browser->pid > 0)
    {
      gint64 deadline = g_get_monotonic_time () + BROWSER_EXIT_TIMEOUT_US;

      kill (-browser->pid, SIGKILL);
      if (!browser->reaped)
        reap (browser->pid, &browser->wait_status, TRUE);
      /* the rest of the group are not our children: wait until they are
       * gone (or zombies), so that none writes to the profile removed next */
      while (kill (-browser->pid, 0) == 0 && g_get_monotonic_time () < deadline)
        g_usleep (10 * 1000);
    }
  if (browser->log_fd >= 0)
    close (browser->log_fd);
  if (browser->tmpdir != NULL)
    hn_test_remove_tree (browser->tmpdir);
  g_string_free (browser->log, TRUE);
  g_free (browser->tmpdir);
  g_free (browser->log_path);
  g_free (browser);
}
