/* hn-log.c: a GLib log writer that speaks journald or plain lines. */
#define G_LOG_DOMAIN "hoinghi"
/* pthread_getname_np */
#define _GNU_SOURCE

#include "config.h"

#include <execinfo.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "hn-log.h"

#define STACK_FRAMES 40

/* Written once by hn_log_init() before any thread exists, read after. */
typedef struct
{
  char *program;
  gboolean verbose;
  gboolean journald;
  GLogLevelFlags always_fatal;
} HnLogSettings;

static HnLogSettings settings;

static const char *
level_name (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "ERROR";
  if (level & G_LOG_LEVEL_CRITICAL)
    return "CRITICAL";
  if (level & G_LOG_LEVEL_WARNING)
    return "WARNING";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "MESSAGE";
  if (level & G_LOG_LEVEL_INFO)
    return "INFO";
  return "DEBUG";
}

static gboolean
is_extra_field (const char *key)
{
  return g_str_has_prefix (key, "HN_");
}

/**
 * hn_log_format_line:
 * @level: the level of the record
 * @fields: (array length=n_fields): the record's fields
 * @n_fields: how many
 * @time_us: the wall-clock time of the record, in microseconds
 *
 * Formats a record as the single line written to stderr when journald
 * is not in use.  Only the HN_* fields are appended; GLib's own fields
 * (CODE_FILE, PRIORITY, …) would only add noise to a terminal.
 *
 * Returns: (transfer full): the line, ending with a newline.
 */
char *
hn_log_format_line (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gint64 time_us)
{
  g_autoptr (GString) line = g_string_new (NULL);
  g_autoptr (GDateTime) now = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");
  const char *message = NULL;
  const char *domain = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
    }

  g_string_append_printf (line, "%s.%03dZ %s %s", stamp, (int) ((time_us / 1000) % 1000),
                          domain != NULL ? domain : (settings.program ? settings.program : "?"),
                          level_name (level));
  g_string_append (line, ": ");
  g_string_append (line, message != NULL ? message : "(no message)");

  for (gsize i = 0; i < n_fields; i++)
    {
      if (!is_extra_field (fields[i].key))
        continue;
      /* A length of -1 marks a NUL-terminated string; other values are
       * binary and would garble a terminal. */
      if (fields[i].length != -1)
        continue;
      g_string_append_printf (line, " %s=%s", fields[i].key, (const char *) fields[i].value);
    }
  g_string_append_c (line, '\n');
  return g_string_free (g_steal_pointer (&line), FALSE);
}

/* Whether a debug record is dropped by hn_log_writer(). */
static gboolean
drops_debug (GLogLevelFlags level)
{
  gboolean fatal = (level & (settings.always_fatal | G_LOG_FLAG_FATAL)) != 0;

  return !fatal && !settings.verbose && (level & G_LOG_LEVEL_DEBUG);
}

/* The calling thread's name and stack, to stderr (one frame a line:
 * library+offset or function+offset). */
static void
write_stack (void)
{
  void *frames[STACK_FRAMES];
  char name[16] = "";
  int n = backtrace (frames, STACK_FRAMES);

  pthread_getname_np (pthread_self (), name, sizeof name);
  fprintf (stderr, "  on thread \"%s\", called from:\n", name);
  fflush (stderr);
  /* from the writer's caller on */
  if (n > 1)
    backtrace_symbols_fd (frames + 1, n - 1, fileno (stderr));
}

static GLogWriterOutput
hn_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  gboolean fatal = (level & (settings.always_fatal | G_LOG_FLAG_FATAL)) != 0;

  if (drops_debug (level))
    return G_LOG_WRITER_HANDLED;

  if (settings.journald
      && g_log_writer_journald (level, fields, n_fields, user_data) == G_LOG_WRITER_HANDLED)
    {
      /* fall through to the fatal check */
    }
  else
    {
      g_autofree char *line = hn_log_format_line (level, fields, n_fields, g_get_real_time ());

      fputs (line, stderr);
      fflush (stderr);
    }

  /* A critical is a programming error, often on a streaming thread of a
   * library: where it came from is the whole clue. */
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    write_stack ();

  /* A custom writer must honour G_DEBUG=fatal-warnings itself: the test
   * suite relies on a warning being fatal. */
  if (fatal && (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)))
    abort ();
  return G_LOG_WRITER_HANDLED;
}

/**
 * hn_log_init:
 * @program: the program's name, used when a record carries no domain
 * @verbose: whether debug records are shown
 *
 * Installs the writer for the whole process.  Call once, early in main().
 */
void
hn_log_init (const char *program, gboolean verbose)
{
  g_return_if_fail (program != NULL);

  g_free (settings.program);
  settings.program = g_strdup (program);
  settings.verbose = verbose;
  settings.journald = g_log_writer_is_journald (fileno (stderr));
  /* Reading the mask means setting it; put the same value back. */
  settings.always_fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log_set_always_fatal (settings.always_fatal);

  static gsize installed = 0;
  if (g_once_init_enter (&installed))
    {
      g_log_set_writer_func (hn_log_writer, NULL, NULL);
      g_once_init_leave (&installed, 1);
    }
}

/**
 * hn_log_would_drop:
 * @level: a log level
 * @domain: (nullable): the record's domain
 *
 * Lets a caller skip formatting a record nobody will see (one per HTTP
 * request at debug level).
 *
 * Returns: whether a record of @level would be dropped.
 */
gboolean
hn_log_would_drop (GLogLevelFlags level, const char *domain)
{
  if (settings.program != NULL)
    return drops_debug (level);
  return g_log_writer_default_would_drop (level, domain);
}
