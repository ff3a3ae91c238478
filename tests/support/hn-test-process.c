/* hn-test-process.c: a program run in the background by a test.
 *
 * Its standard output and error are read from the start (a full pipe
 * would stall it) and kept; it dies with the test (PR_SET_PDEATHSIG), and
 * freeing it kills it if it still runs.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "hn-test-process.h"
#include "hn-test.h"

/* One of its output pipes, read as it comes. */
typedef struct
{
  GInputStream *stream;
  GString *text;
  gboolean open;
} Pipe;

struct _HnTestProcess
{
  GSubprocess *subprocess;
  GCancellable *cancellable;
  Pipe out;
  Pipe err;
  gsize out_read; /* where hn_test_process_read_line() goes on */
  gboolean done;  /* it ended and both pipes are read to the end */
};

/* Between fork and exec: it dies with the test, and ignores SIGUSR1. */
static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  /* A report requested (hn_test_endpoint_wait_for ()) before the program
   * set up its handler would otherwise kill it; its handler replaces this. */
  signal (SIGUSR1, SIG_IGN);
}

static void read_more (HnTestProcess *process, Pipe *pipe);

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HnTestProcess *process = user_data;
  Pipe *pipe = G_INPUT_STREAM (source) == process->out.stream ? &process->out : &process->err;
  g_autoptr (GBytes) bytes = g_input_stream_read_bytes_finish (pipe->stream, result, NULL);

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      pipe->open = FALSE;
      process->done = !process->out.open && !process->err.open;
      return;
    }
  g_string_append_len (pipe->text, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  read_more (process, pipe);
}

static void
read_more (HnTestProcess *process, Pipe *pipe)
{
  g_input_stream_read_bytes_async (pipe->stream, 4096, G_PRIORITY_DEFAULT, process->cancellable,
                                   on_read, process);
}

static void
pipe_start (HnTestProcess *process, Pipe *pipe, GInputStream *stream)
{
  pipe->stream = stream;
  pipe->text = g_string_new (NULL);
  pipe->open = TRUE;
  read_more (process, pipe);
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

  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
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
  process->cancellable = g_cancellable_new ();
  pipe_start (process, &process->out, g_subprocess_get_stdout_pipe (subprocess));
  pipe_start (process, &process->err, g_subprocess_get_stderr_pipe (subprocess));
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
 * @process: a process
 *
 * Returns: what it printed on standard output so far (all of it once
 *   hn_test_process_wait() saw it end)
 */
const char *
hn_test_process_get_stdout (HnTestProcess *process)
{
  return process->out.text->str;
}

/**
 * hn_test_process_read_line:
 * @process: a process
 * @timeout_ms: how long to wait for it
 *
 * The next whole line of its standard output (reading on from the line
 * this returned last).
 *
 * Returns: (transfer full) (nullable): the line without its newline, or
 *   NULL when none came in time or the process ended without one
 */
char *
hn_test_process_read_line (HnTestProcess *process, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * (gint64) 1000;

  for (;;)
    {
      const char *from = process->out.text->str + process->out_read;
      const char *newline = strchr (from, '\n');

      if (newline != NULL)
        {
          process->out_read += newline - from + 1;
          return g_strndup (from, newline - from);
        }
      if (!process->out.open || g_get_monotonic_time () >= deadline)
        return NULL;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
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
  return process->err.text->str;
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
  /* a pipe a child of the program still holds open: stop reading it */
  g_cancellable_cancel (process->cancellable);
  while (process->out.open || process->err.open)
    g_main_context_iteration (NULL, TRUE);
  g_object_unref (process->subprocess);
  g_object_unref (process->cancellable);
  g_string_free (process->out.text, TRUE);
  g_string_free (process->err.text, TRUE);
  g_free (process);
}
