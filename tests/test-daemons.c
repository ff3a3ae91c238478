/* test-daemons.c: every program, started for real: health, clean stops,
 * clear failures, versions, help, and the Vietnamese translation. */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "libhoinghi/hn-health.h"
#include "support/hn-test.h"

static const char *const daemons[] = { "mcu/hoinghi-mcu", "scheduler/hoinghi-scheduler" };
static const char *const programs[]
    = { "mcu/hoinghi-mcu", "scheduler/hoinghi-scheduler", "endpoints/hoinghi-endpoint",
        "ui-gtk/hoinghi-panel", "cli/hoinghi" };
static const char *const english[] = { "LC_ALL=en_US.UTF-8", "LANGUAGE=", NULL };
static const char *const vietnamese[] = { "LC_ALL=vi_VN.UTF-8", "LANGUAGE=vi", NULL };

static gboolean
has_vietnamese_locale (void)
{
  g_autofree char *out = NULL;
  const char *argv[] = { "/usr/bin/locale", "-a", NULL };

  hn_test_run (argv, NULL, &out, NULL);
  return out != NULL && strstr (out, "vi_VN") != NULL;
}

/* Counts the lines of @text that say something. */
static guint
count_lines (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (*g_strstrip (lines[i]) != '\0')
      n++;
  return n;
}

static void
test_start_health_stop (gconstpointer data)
{
  const char *program = data;
  const int signals[] = { SIGTERM, SIGINT };

  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (HnTestDaemon) daemon = hn_test_daemon_start (program, NULL, &error);
      g_autoptr (JsonObject) health = NULL;
      g_autofree char *base = g_path_get_basename (program);
      g_autofree char *log = NULL;
      g_autoptr (GSocketListener) listener = NULL;

      g_assert_no_error (error);
      health = hn_health_probe (hn_test_daemon_get_url (daemon), 5, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (json_object_get_string_member (health, "service"), ==, base);
      g_assert_cmpstr (json_object_get_string_member (health, "status"), ==, "ok");
      g_assert_true (g_file_test (hn_test_daemon_get_data_dir (daemon), G_FILE_TEST_IS_DIR));

      g_assert_cmpint (hn_test_daemon_stop (daemon, signals[i], 10000), ==, 0);
      log = hn_test_daemon_get_log (daemon);
      g_assert_nonnull (strstr (log, hn_test_daemon_get_url (daemon)));

      /* the port is free again */
      listener = g_socket_listener_new ();
      {
        g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
        g_autoptr (GSocketAddress) address
            = g_inet_socket_address_new (loopback, hn_test_daemon_get_port (daemon));

        g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                       G_SOCKET_PROTOCOL_TCP, NULL, NULL, &error);
        g_assert_no_error (error);
      }
    }
}

static void
test_port_in_use (gconstpointer data)
{
  const char *program = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (HnTestDaemon) holder = hn_test_daemon_start ("mcu/hoinghi-mcu", NULL, &error);
  g_autofree char *dir = hn_test_make_tmpdir ("port-in-use");
  g_autofree char *data_dir = g_build_filename (dir, "data", NULL);
  g_autofree char *listen = NULL;
  g_autofree char *data_arg = g_strdup_printf ("--data-dir=%s", data_dir);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_no_error (error);
  listen = g_strdup_printf ("--listen=127.0.0.1:%u", hn_test_daemon_get_port (holder));
  {
    const char *argv[] = { program, listen, data_arg, NULL };

    g_assert_cmpint (hn_test_run (argv, english, &out, &err), ==, 1);
  }
  g_assert_nonnull (strstr (err, "already in use"));
  g_assert_nonnull (strstr (err, "--listen"));
  g_assert_cmpuint (count_lines (err), ==, 1);
  /* nothing was created */
  g_assert_false (g_file_test (data_dir, G_FILE_TEST_EXISTS));
  hn_test_remove_tree (dir);
}

typedef struct
{
  const char *args[4];
  int status;
  const char *says;
} BadStart;

/* @argv is refused as @bad says: its exit code, one line of error naming
 * the problem, nothing on standard output. */
static void
assert_refused (const char *const *argv, const BadStart *bad)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_test_message ("%s %s", argv[0], bad->args[0]);
  g_assert_cmpint (hn_test_run (argv, english, &out, &err), ==, bad->status);
  g_assert_nonnull (strstr (err, bad->says));
  g_assert_cmpuint (count_lines (err), ==, 1);
  g_assert_cmpstr (out, ==, "");
}

static void
test_bad_starts (gconstpointer data)
{
  const char *program = data;
  g_autofree char *dir = hn_test_make_tmpdir ("bad-start");
  g_autofree char *file = g_build_filename (dir, "a-file", NULL);
  g_autofree char *below_file = g_strdup_printf ("--data-dir=%s/data", file);
  g_autofree char *typo_conf = g_build_filename (dir, "typo.conf", NULL);
  g_autofree char *typo_arg = g_strdup_printf ("--config=%s", typo_conf);
  g_autofree char *unreadable_arg = g_strdup_printf ("--config=%s/missing.conf", dir);
  g_autofree char *ok_data = g_strdup_printf ("--data-dir=%s/ok", dir);
  const BadStart cases[] = {
    { { "--bogus", NULL }, 2, "--bogus" },
    { { "--listen=nowhere", NULL }, 2, "is not a listening address" },
    { { "--listen=127.0.0.1:99999", NULL }, 2, "is not a listening address" },
    { { "--listen=203.0.113.7:0", ok_data, NULL }, 1, "--listen" },
    { { unreadable_arg, NULL }, 2, "cannot read the configuration file" },
    { { typo_arg, NULL }, 2, "unknown setting “lisen”" },
    { { "--listen=127.0.0.1:0", below_file, NULL }, 1, "--data-dir" },
    { { "extra-argument", NULL }, 2, "unexpected argument" },
  };

  g_assert_true (g_file_set_contents (file, "", 0, NULL));
  g_assert_true (g_file_set_contents (typo_conf, "[server]\nlisen=127.0.0.1:1\n", -1, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *argv[6] = { program };

      for (guint j = 0; cases[i].args[j] != NULL; j++)
        argv[j + 1] = cases[i].args[j];
      assert_refused (argv, &cases[i]);
    }
  g_assert_false (g_file_test (file, G_FILE_TEST_IS_DIR));
  hn_test_remove_tree (dir);
}

static void
test_version_and_help (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (programs); i++)
    {
      g_autofree char *base = g_path_get_basename (programs[i]);
      g_autofree char *expected = g_strdup_printf ("%s %s\n", base, PACKAGE_VERSION);
      g_autofree char *out = NULL;
      g_autofree char *help = NULL;
      const char *version_argv[] = { programs[i], "--version", NULL };
      const char *help_argv[] = { programs[i], "--help", NULL };

      g_assert_cmpint (hn_test_run (version_argv, english, &out, NULL), ==, 0);
      g_assert_cmpstr (out, ==, expected);
      g_assert_cmpint (hn_test_run (help_argv, english, &help, NULL), ==, 0);
      g_assert_nonnull (strstr (help, "--version"));
    }
  for (guint i = 0; i < G_N_ELEMENTS (daemons); i++)
    {
      g_autofree char *help = NULL;
      const char *help_argv[] = { daemons[i], "--help", NULL };

      g_assert_cmpint (hn_test_run (help_argv, english, &help, NULL), ==, 0);
      g_assert_nonnull (strstr (help, "--listen=HOST:PORT"));
      g_assert_nonnull (strstr (help, "--data-dir=DIR"));
      g_assert_nonnull (strstr (help, "--config=FILE"));
      g_assert_nonnull (strstr (help, "--verbose"));
    }
}

static void
test_vietnamese (void)
{
  g_autofree char *help = NULL;
  g_autofree char *err = NULL;
  const char *help_argv[] = { "mcu/hoinghi-mcu", "--help", NULL };
  const char *bad_argv[] = { "scheduler/hoinghi-scheduler", "--listen=nowhere", NULL };
  const char *cli_argv[] = { "cli/hoinghi", "frobnicate", NULL };

  if (!has_vietnamese_locale ())
    {
      g_test_skip ("the vi_VN.UTF-8 locale is not installed (Debian package locales-all)");
      return;
    }
  g_assert_cmpint (hn_test_run (help_argv, vietnamese, &help, NULL), ==, 0);
  g_assert_nonnull (strstr (help, "Lắng nghe HTTP tại HOST:PORT"));
  g_assert_nonnull (strstr (help, "bộ điều khiển đa điểm"));
  g_assert_cmpint (hn_test_run (bad_argv, vietnamese, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "không phải là địa chỉ lắng nghe"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (hn_test_run (cli_argv, vietnamese, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "lệnh không rõ"));
}

static void
test_cli_status (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HnTestDaemon) scheduler
      = hn_test_daemon_start ("scheduler/hoinghi-scheduler", NULL, &error);
  g_autofree char *server = NULL;
  g_autofree char *dead = g_strdup_printf ("--server=http://127.0.0.1:%u", hn_test_free_port ());
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_no_error (error);
  server = g_strdup_printf ("--server=%s", hn_test_daemon_get_url (scheduler));
  {
    const char *argv[] = { "cli/hoinghi", server, "status", NULL };

    g_assert_cmpint (hn_test_run (argv, english, &out, NULL), ==, 0);
    g_assert_nonnull (strstr (out, "is up: hoinghi-scheduler " PACKAGE_VERSION));
  }
  {
    const char *argv[] = { "cli/hoinghi", dead, "status", NULL };

    g_assert_cmpint (hn_test_run (argv, english, NULL, &err), ==, 1);
    g_assert_nonnull (strstr (err, "Cannot reach"));
    g_clear_pointer (&err, g_free);
  }
  {
    const char *argv[] = { "cli/hoinghi", "--server=ftp://example", "status", NULL };

    g_assert_cmpint (hn_test_run (argv, english, NULL, &err), ==, 2);
    g_assert_nonnull (strstr (err, "is not a service address"));
    g_clear_pointer (&err, g_free);
  }
  {
    const char *argv[] = { "cli/hoinghi", NULL };

    g_assert_cmpint (hn_test_run (argv, english, NULL, &err), ==, 2);
    g_clear_pointer (&err, g_free);
  }
  {
    const char *argv[] = { "cli/hoinghi", "status", "now", NULL };

    g_assert_cmpint (hn_test_run (argv, english, NULL, &err), ==, 2);
    g_assert_nonnull (strstr (err, "takes no arguments"));
  }
}

static void
test_endpoint_check (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HnTestDaemon) mcu = hn_test_daemon_start ("mcu/hoinghi-mcu", NULL, &error);
  g_autofree char *mcu_arg = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_no_error (error);
  mcu_arg = g_strdup_printf ("--mcu=%s", hn_test_daemon_get_url (mcu));
  {
    const char *argv[] = { "endpoints/hoinghi-endpoint", mcu_arg, NULL };

    g_assert_cmpint (hn_test_run (argv, english, &out, NULL), ==, 0);
    g_assert_nonnull (strstr (out, "is up: hoinghi-mcu"));
  }
  g_assert_cmpint (hn_test_daemon_stop (mcu, SIGTERM, 10000), ==, 0);
  {
    const char *argv[] = { "endpoints/hoinghi-endpoint", mcu_arg, "--timeout=2", NULL };

    g_assert_cmpint (hn_test_run (argv, english, NULL, &err), ==, 1);
    g_assert_nonnull (strstr (err, "Cannot reach"));
    g_clear_pointer (&err, g_free);
  }
  {
    const char *argv[] = { "endpoints/hoinghi-endpoint", "--timeout=0", NULL };

    g_assert_cmpint (hn_test_run (argv, english, NULL, &err), ==, 2);
  }
}

/* A site's options that cannot work: a one-line error, exit 2, before
 * any connection (no mcu runs here). */
static void
test_endpoint_bad_options (void)
{
  const BadStart cases[] = {
    { { "--tier=1080p", NULL }, 2, "--tier must be 720p or 360p" },
    { { "--test-tone=5", NULL }, 2, "--test-tone must be from 20 to 20000 Hz" },
    { { "--silent", "--test-tone=440", NULL }, 2, "cannot go together" },
    { { "--simulate-loss=80", NULL }, 2, "--simulate-loss must be from 0 to 50" },
    { { "--simulate-loss=-1", NULL }, 2, "--simulate-loss must be from 0 to 50" },
    { { "--simulate-loss=nan", NULL }, 2, "--simulate-loss must be from 0 to 50" },
    { { "--unit=a b", NULL }, 2, "--unit must be" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *argv[10] = { "endpoints/hoinghi-endpoint", "--mcu=http://127.0.0.1:9",
                               "--room=r1", "--token=t", "--name=Xã Tam Hồng" };

      for (guint j = 0; cases[i].args[j] != NULL; j++)
        argv[j + 5] = cases[i].args[j];
      assert_refused (argv, &cases[i]);
    }
}

int
main (int argc, char **argv)
{
  hn_test_init (&argc, &argv);
  for (guint i = 0; i < G_N_ELEMENTS (daemons); i++)
    {
      g_autofree char *base = g_path_get_basename (daemons[i]);
      g_autofree char *start = g_strdup_printf ("/daemons/%s/start-health-stop", base);
      g_autofree char *port = g_strdup_printf ("/daemons/%s/port-in-use", base);
      g_autofree char *bad = g_strdup_printf ("/daemons/%s/bad-starts", base);

      g_test_add_data_func (start, daemons[i], test_start_health_stop);
      g_test_add_data_func (port, daemons[i], test_port_in_use);
      g_test_add_data_func (bad, daemons[i], test_bad_starts);
    }
  g_test_add_func ("/programs/version-and-help", test_version_and_help);
  g_test_add_func ("/programs/vietnamese", test_vietnamese);
  g_test_add_func ("/cli/status", test_cli_status);
  g_test_add_func ("/endpoint/check", test_endpoint_check);
  g_test_add_func ("/endpoint/bad-options", test_endpoint_bad_options);
  return g_test_run ();
}
