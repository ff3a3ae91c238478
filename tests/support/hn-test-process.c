/* hn-test-process.c: a program run in the background by a test.
 *
 * Its standard output and error are read from the start (a full pipe
 * would stall it) and kept; it dies with the test (PR_SET_PDEATHSIG), and
 * freeing it kills it if it still runs.
 */
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>

#include "hn-test-process.h"
#include "hn-test.h"

struct _HnTestProcess
{
  GSubprocess *subprocess;
  gboolean done;
  char *out;
  char *err;
};

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
on_communicated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HnTestProcess *process = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &process->out, &process->err,
                                        NULL);
  process->done = TRUE;
}

/**
 * hn_test_process_start:
 * @argv: the program (relative to the build tree unless absolute) and its
 *   arguments
 * @error: it could not start
 *
 * Returns: (transfer full) (nullable): the running program
 */
HnTestProcess *
hn_test_process_start (const char *const *argv, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  HnTestProcess *process;
  GSubprocess *subprocess;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_ptr_array_add (args, g_path_is_absolute (argv[0]) ? g_strdup (argv[0])
                                                      : hn_test_build_path (argv[0]));
  for (guint i = 1; argv[i] != NULL; i++)
    g_ptr_array_add (args, g_strdup (argv[i]));
  g_ptr_array_add (args, NULL);
  subprocess = g_subprocess_launcher_spawnv (launcher, (const char *const *) args->pdata, error);
  if (subprocess == NULL)
    return NULL;
  process = g_new0 (HnTestProcess, 1);
  process->subprocess = subprocess;
  g_subprocess_communicate_utf8_async (subprocess, NULL, NULL, on_communicated, process);
  return process;
}

/**
 * hn_test_process_kill:
 * @process: a process
 * @signal_number: e.g. SIGKILL
 */
void
hn_test_process_kill (HnTestProcess *process, int signal_number)
{
  if (!process->done)
    g_subprocess_send_signal (process->subprocess, signal_number);
}

/**
 * hn_test_process_wait:
 * @process: a process
 * @timeout_ms: how long to wait for it to end (and its output)
 *
 * Returns: whether it ended in time
 */
gboolean
hn_test_process_wait (HnTestProcess *process, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * (gint64) 1000;

  while (!process->done && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
  if (process->done)
    g_subprocess_wait (process->subprocess, NULL, NULL);
  return process->done;
}

/**
 * hn_test_process_get_status:
 * @process: an ended process
 *
 * Returns: its exit code, or 128 + the signal that ended it
 */
int
hn_test_process_get_status (HnTestProcess *process)
{
  if (g_subprocess_get_if_exited (process->subprocess))
    return g_subprocess_get_exit_status (process->subprocess);
  return 128 + g_subprocess_get_term_sig (process->subprocess);
}

/**
 * hn_test_process_get_stdout:
 * @process: an ended process
 *
 * Returns: what it printed on standard output
 */
const char *
hn_test_process_get_stdout (HnTestProcess *process)
{
  return process->out != NULL ? process->out : "";
}

/**
 * hn_test_process_get_stderr:
 * @process: an ended process
 *
 * Returns: what it printed on standard error
 */
const char *
hn_test_process_get_stderr (HnTestProcess *process)
{
  return process->err != NULL ? process->err : "";
}

/**
 * hn_test_process_free:
 * @process: a process; killed if it still runs
 */
void
hn_test_process_free (HnTestProcess *process)
{
  if (!process->done)
    {
      g_subprocess_force_exit (process->subprocess);
      hn_test_process_wait (process, 5000);
    }
  g_object_unref (process->subprocess);
  g_free (process->out);
  g_free (process->err);
  g_free (process);
}
