/* test-cli.c: the hoinghi command against a real scheduler: log in, import
 * the 2021 data, the report in every format, bookings, outcomes, series,
 * and exit codes that mean something. */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "support/hn-test.h"

typedef struct
{
  HnTestDaemon *daemon;
  char *config;
  char *server;
  char *env_config;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->daemon = hn_test_daemon_start ("scheduler/hoinghi-scheduler", NULL, &error);
  g_assert_no_error (error);
  hn_test_scheduler_add_user (f->daemon, "admin", "admin", "26");
  f->config = hn_test_make_tmpdir ("cli-config");
  f->server = g_strdup_printf ("--server=%s", hn_test_daemon_get_url (f->daemon));
  f->env_config = g_strdup_printf ("XDG_CONFIG_HOME=%s", f->config);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (hn_test_daemon_stop (f->daemon, SIGTERM, 10000), ==, 0);
  hn_test_daemon_free (f->daemon);
  hn_test_remove_tree (f->config);
  g_free (f->config);
  g_free (f->server);
  g_free (f->env_config);
}

/* Runs hoinghi --server=… ARGS… in English (or Vietnamese) with the
 * fixture's configuration folder. */
static int
cli (Fixture *f, gboolean vietnamese, const char *input, char **out, char **err, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  const char *english[] = { "LC_ALL=en_US.UTF-8", "LANGUAGE=", f->env_config, NULL };
  const char *vi[] = { "LC_ALL=vi_VN.UTF-8", "LANGUAGE=vi", f->env_config, NULL };
  va_list args;
  const char *arg;
  int status;

  g_ptr_array_add (argv, (gpointer) "cli/hoinghi");
  g_ptr_array_add (argv, f->server);
  va_start (args, err);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  status = hn_test_run_with_input ((const char *const *) argv->pdata, vietnamese ? vi : english,
                                   input != NULL ? input : "", out, err);
  if (err != NULL && *err != NULL && **err != '\0')
    g_test_message ("stderr: %s", *err);
  return status;
}

static void
login (Fixture *f)
{
  g_autofree char *out = NULL;

  g_assert_cmpint (cli (f, FALSE, "mat-khau-123\n", &out, NULL, "login", "--user", "admin", NULL),
                   ==, 0);
  g_assert_nonnull (strstr (out, "Logged in"));
}

static char *
sample_path (void)
{
  return hn_test_source_path ("data/samples/2021-meetings.csv");
}

static void
test_login_and_exit_codes (Fixture *f, gconstpointer data)
{
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;
  g_autofree char *session = g_build_filename (f->config, "hoinghi", "session", NULL);
  GStatBuf info;

  /* not logged in: 4 */
  g_assert_cmpint (cli (f, FALSE, NULL, NULL, &err, "meetings", "list", NULL), ==, 4);
  g_assert_nonnull (strstr (err, "hoinghi login"));
  g_clear_pointer (&err, g_free);
  /* a wrong password: 4, one sentence */
  g_assert_cmpint (cli (f, FALSE, "sai-roi-123\n", NULL, &err, "login", "--user", "admin", NULL),
                   ==, 4);
  g_assert_nonnull (strstr (err, "wrong"));
  g_assert_false (g_file_test (session, G_FILE_TEST_EXISTS));
  g_clear_pointer (&err, g_free);

  login (f);
  g_assert_cmpint (g_stat (session, &info), ==, 0);
  g_assert_cmpint (info.st_mode & 0777, ==, 0600);

  /* wrong command lines: 2 */
  g_assert_cmpint (cli (f, FALSE, NULL, NULL, NULL, "frobnicate", NULL), ==, 2);
  g_assert_cmpint (cli (f, FALSE, NULL, NULL, NULL, "meetings", "show", "abc", NULL), ==, 2);
  g_assert_cmpint (
      cli (f, FALSE, NULL, NULL, NULL, "report", "--year", "2021", "--from", "x", NULL), ==, 2);
  g_assert_cmpint (
      cli (f, FALSE, NULL, NULL, NULL, "outcome", "1", "--missed", "--in-person", NULL), ==, 2);
  /* refused by the server: 3 */
  g_assert_cmpint (cli (f, FALSE, NULL, NULL, &err, "meetings", "show", "999999", NULL), ==, 3);
  g_assert_nonnull (strstr (err, "There is no meeting 999999"));
  g_clear_pointer (&err, g_free);

  /* logged out: 4 again */
  g_assert_cmpint (cli (f, FALSE, NULL, &out, NULL, "logout", NULL), ==, 0);
  g_assert_cmpint (cli (f, FALSE, NULL, NULL, NULL, "series", "list", NULL), ==, 4);

  /* the server is gone: 1 */
  g_assert_cmpint (hn_test_daemon_stop (f->daemon, SIGTERM, 10000), ==, 0);
  g_assert_cmpint (cli (f, FALSE, NULL, NULL, &err, "status", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "Cannot reach"));
  g_assert_true (hn_test_daemon_restart (f->daemon, NULL));
}

/* With no language chosen (the C locale), hoinghi speaks Vietnamese. */
static void
test_vietnamese_by_default (Fixture *f, gconstpointer data)
{
  g_autofree char *err = NULL;
  const char *c_locale[] = { "LC_ALL=C", "LANG=", "LANGUAGE=", f->env_config, NULL };
  const char *argv[] = { "cli/hoinghi", f->server, "meetings", "list", NULL };

  g_assert_cmpint (hn_test_run_with_input (argv, c_locale, "", NULL, &err), ==, 4);
  g_assert_nonnull (strstr (err, "hoinghi login"));
  g_assert_null (strstr (err, "You are not logged in"));
  g_assert_true (g_utf8_validate (err, -1, NULL));
}

static void
test_2021_report (Fixture *f, gconstpointer data)
{
  g_autofree char *sample = sample_path ();
  g_autofree char *out = NULL;
  g_autofree char *pdf = g_build_filename (f->config, "report.pdf", NULL);
  g_autofree char *pdf_text = NULL;

  login (f);
  g_assert_cmpint (cli (f, FALSE, NULL, &out, NULL, "import", sample, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "1.009 meetings created"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, FALSE, NULL, &out, NULL, "import", sample, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "0 meetings created, 1.009 already there"));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (cli (f, FALSE, NULL, &out, NULL, "report", "--year", "2021", NULL), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "286/859 = 33,3%"));
  g_assert_nonnull (strstr (out, "covid-briefing"));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (cli (f, TRUE, NULL, &out, NULL, "report", "--year", "2021", NULL), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "33,3%"));
  g_assert_nonnull (strstr (out, "Trực tuyến"));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (
      cli (f, FALSE, NULL, &out, NULL, "report", "--year", "2021", "--format", "csv", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "total,859,286,573"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, FALSE, NULL, &out, NULL, "report", "--from", "2021-01-01 00:00", "--to",
                        "2022-01-01 00:00", "--format", "json", NULL),
                   ==, 0);
  {
    g_autoptr (JsonParser) parser = json_parser_new ();

    g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  }
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, FALSE, NULL, &out, NULL, "report", "--year", "2021", "--format", "pdf",
                        "-o", pdf, NULL),
                   ==, 0);
  g_assert_true (g_file_get_contents (pdf, &pdf_text, NULL, NULL));
  g_assert_true (g_str_has_prefix (pdf_text, "%PDF-"));
}

static void
test_bookings (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *id = NULL;
  char *colon;

  login (f);
  g_assert_cmpint (cli (f, FALSE, NULL, &out, NULL, "meetings", "book", "--title", "Giao ban tuần",
                        "--category", "provincial-task", "--chair", "26", "--participants",
                        "243,248", "--start", "2022-12-01 08:00", "--end", "2022-12-01 10:00",
                        "--mode", "online", NULL),
                   ==, 0);
  g_assert_true (g_str_has_prefix (out, "Meeting "));
  id = g_strdup (out + strlen ("Meeting "));
  colon = strchr (id, ':');
  g_assert_nonnull (colon);
  *colon = '\0';
  g_assert_nonnull (strstr (out, "08:00 01/12/2022"));
  g_clear_pointer (&out, g_free);

  /* the same rooms at the same time: refused, with the meeting in the way */
  g_assert_cmpint (cli (f, FALSE, NULL, NULL, &err, "meetings", "book", "--title", "Trùng",
                        "--category", "other", "--chair", "248", "--start", "2022-12-01 09:00",
                        "--end", "2022-12-01 11:00", "--mode", "online", NULL),
                   ==, 3);
  g_assert_nonnull (strstr (err, "Giao ban tuần"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (cli (f, FALSE, NULL, &out, NULL, "meetings", "list", "--unit", "248", NULL), ==,
                   0);
  g_assert_nonnull (strstr (out, "Giao ban tuần"));
  g_assert_nonnull (strstr (out, "1 meetings in all"));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (cli (f, FALSE, NULL, &out, NULL, "meetings", "list", "--needs-outcome", NULL),
                   ==, 0);
  g_assert_nonnull (strstr (out, "1 meetings in all"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (
      cli (f, FALSE, NULL, &out, NULL, "outcome", id, "--online-external", "Zoom", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "external"));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (cli (f, FALSE, NULL, &out, NULL, "series", "create", "--title", "Giao ban",
                        "--category", "covid-briefing", "--chair", "26", "--participants",
                        "243,244,246,247,248,249,251,252,253", "--start", "2027-08-01 16:00",
                        "--rrule", "FREQ=DAILY;COUNT=5", "--mode", "online", NULL),
                   ==, 0);
  g_assert_nonnull (strstr (out, "5 meetings booked"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, FALSE, NULL, &out, NULL, "series", "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "FREQ=DAILY;COUNT=5"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, FALSE, NULL, &out, NULL, "series", "cancel", "1", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (
      cli (f, FALSE, NULL, &out, NULL, "meetings", "cancel", id, "--reason", "thử", NULL), ==, 3);
}

#define ADD(name, func)                                                                            \
  g_test_add ("/cli/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int argc, char **argv)
{
  hn_test_init (&argc, &argv);
  ADD ("login-and-exit-codes", test_login_and_exit_codes);
  ADD ("vietnamese-by-default", test_vietnamese_by_default);
  ADD ("2021-report", test_2021_report);
  ADD ("bookings", test_bookings);
  return g_test_run ();
}
