/* test-log.c: the text form of structured log records, and the stack a
 * critical carries. */
#include "config.h"

#include <glib.h>

#include "libhoinghi/hn-log.h"

static void
test_line_has_time_domain_level_fields (void)
{
  const GLogField fields[] = {
    { "GLIB_DOMAIN", "hoinghi-mcu", -1 }, { "PRIORITY", "4", -1 },
    { "MESSAGE", "room opened", -1 },     { "CODE_FILE", "mcu.c", -1 },
    { "HN_ROOM", "giao-ban", -1 },        { "HN_BINARY", "\x01\x02", 2 },
  };
  /* 2021-08-01T09:00:00.250Z */
  g_autofree char *line = hn_log_format_line (G_LOG_LEVEL_WARNING, fields, G_N_ELEMENTS (fields),
                                              G_GINT64_CONSTANT (1627808400250000));

  g_assert_cmpstr (line, ==,
                   "2021-08-01T09:00:00.250Z hoinghi-mcu WARNING: room opened HN_ROOM=giao-ban\n");
}

static void
test_line_without_message (void)
{
  const GLogField fields[] = { { "GLIB_DOMAIN", "hoinghi", -1 } };
  g_autofree char *line = hn_log_format_line (G_LOG_LEVEL_DEBUG, fields, 1, 0);

  g_assert_cmpstr (line, ==, "1970-01-01T00:00:00.000Z hoinghi DEBUG: (no message)\n");
}

/* A critical says where it came from: the thread and its stack. */
static void
test_critical_has_stack (void)
{
  if (g_test_subprocess ())
    {
      /* not fatal here (the suite's G_DEBUG makes it so) */
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      hn_log_init ("test-log", FALSE);
      g_critical ("a programming error");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL: a programming error*on thread \"*\", called "
                             "from:*libglib-2.0.so*test-log*");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/log/line", test_line_has_time_domain_level_fields);
  g_test_add_func ("/log/no-message", test_line_without_message);
  g_test_add_func ("/log/critical-stack", test_critical_has_stack);
  return g_test_run ();
}
