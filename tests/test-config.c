/* test-config.c: keyfile + command line, the command line winning. */
#include "config.h"

#include <glib/gstdio.h>
#include <unistd.h>

#include "libhoinghi/hn-config.h"
#include "libhoinghi/hn-error.h"
#include "support/hn-test.h"

static gboolean
parse (HnConfig *config, const char *const *args, GError **error)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  int argc;
  char **argvp;

  g_ptr_array_add (argv, (gpointer) "test");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  argc = argv->len;
  g_ptr_array_add (argv, NULL);
  argvp = (char **) argv->pdata;

  g_option_context_set_main_group (context, hn_config_create_option_group (config));
  if (!g_option_context_parse (context, &argc, &argvp, error))
    return FALSE;
  return hn_config_load (config, error);
}

static char *
write_keyfile (const char *dir, const char *text)
{
  char *path = g_build_filename (dir, "test.conf", NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static void
test_defaults (void)
{
  g_autoptr (HnConfig) config = hn_config_new ("hoinghi-test", "127.0.0.1:8080");
  g_autoptr (GError) error = NULL;
  const char *args[] = { NULL };

  g_assert_true (parse (config, args, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (hn_config_get_listen_host (config), ==, "127.0.0.1");
  g_assert_cmpuint (hn_config_get_listen_port (config), ==, 8080);
  g_assert_false (hn_config_get_verbose (config));
  g_assert_cmpuint (hn_config_get_max_body_bytes (config), ==, 1024 * 1024);
  g_assert_true (g_path_is_absolute (hn_config_get_data_dir (config)));
}

static void
test_command_line_wins (void)
{
  g_autofree char *dir = hn_test_make_tmpdir ("config");
  g_autofree char *file = write_keyfile (dir, "[server]\n"
                                              "listen=127.0.0.1:9000\n"
                                              "data-dir=/srv/from-file\n"
                                              "max-body-bytes=2048\n"
                                              "[mcu]\n"
                                              "api-key-file=/etc/from-file\n"
                                              "max-rooms=10\n");
  g_autofree char *config_arg = g_strdup_printf ("--config=%s", file);
  g_autoptr (HnConfig) config = hn_config_new ("hoinghi-test", "127.0.0.1:8080");
  g_autoptr (GError) error = NULL;
  g_autofree char *api_key_file = NULL;
  g_autofree char *max_rooms = NULL;
  const char *args[]
      = { config_arg, "--listen", "[::1]:9100", "--api-key-file=/run/key", "-v", NULL };

  hn_config_add_option (config, "api-key-file", "mcu", "api-key-file", "key", "FILE");
  hn_config_declare_key (config, "mcu", "max-rooms");
  g_assert_true (parse (config, args, &error));
  g_assert_no_error (error);

  g_assert_cmpstr (hn_config_get_listen_host (config), ==, "::1");
  g_assert_cmpuint (hn_config_get_listen_port (config), ==, 9100);
  g_assert_cmpstr (hn_config_get_data_dir (config), ==, "/srv/from-file");
  g_assert_cmpuint (hn_config_get_max_body_bytes (config), ==, 2048);
  g_assert_true (hn_config_get_verbose (config));
  api_key_file = hn_config_get_string (config, "mcu", "api-key-file");
  g_assert_cmpstr (api_key_file, ==, "/run/key");
  max_rooms = hn_config_get_string (config, "mcu", "max-rooms");
  g_assert_cmpstr (max_rooms, ==, "10");
  hn_test_remove_tree (dir);
}

static void
test_bad_files (void)
{
  struct
  {
    const char *text;
    const char *expected;
  } cases[] = {
    { "[server]\nlisten=127.0.0.1:8080\nlistne=1\n", "unknown setting “listne”" },
    { "[nonsense]\nkey=1\n", "unknown setting “key” in group [nonsense]" },
    { "this is not a keyfile\n", "cannot read the configuration file" },
    { "[server]\nlisten=somewhere\n", "is not a listening address" },
    { "[server]\nverbose=maybe\n", "verbose must be true or false" },
    { "[server]\nmax-body-bytes=-5\n", "max-body-bytes must be a number" },
    { "[server]\nmax-body-bytes=999999999999\n", "max-body-bytes must be a number" },
  };
  g_autofree char *dir = hn_test_make_tmpdir ("config");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *file = write_keyfile (dir, cases[i].text);
      g_autofree char *config_arg = g_strdup_printf ("--config=%s", file);
      g_autoptr (HnConfig) config = hn_config_new ("hoinghi-test", "127.0.0.1:8080");
      g_autoptr (GError) error = NULL;
      const char *args[] = { config_arg, NULL };

      g_assert_false (parse (config, args, &error));
      g_assert_error (error, HN_ERROR, HN_ERROR_CONFIG);
      g_assert_nonnull (strstr (error->message, cases[i].expected));
    }
  hn_test_remove_tree (dir);
}

static void
test_missing_file (void)
{
  g_autoptr (HnConfig) config = hn_config_new ("hoinghi-test", "127.0.0.1:8080");
  g_autoptr (GError) error = NULL;
  const char *args[] = { "--config=/nonexistent/hoinghi.conf", NULL };

  g_assert_false (parse (config, args, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "/nonexistent/hoinghi.conf"));
}

static void
test_host_port (void)
{
  struct
  {
    const char *text;
    const char *host;
    guint16 port;
  } good[] = {
    { "127.0.0.1:8080", "127.0.0.1", 8080 },
    { "[::1]:443", "::1", 443 },
    { "localhost:0", "127.0.0.1", 0 },
    { "0.0.0.0:65535", "0.0.0.0", 65535 },
  };
  const char *bad[] = { "",
                        "8080",
                        "127.0.0.1",
                        "127.0.0.1:",
                        ":8080",
                        "::1:8080",
                        "[::1]8080",
                        "127.0.0.1:65536",
                        "host:8080",
                        "1.2.3.4:-1",
                        "1.2.3.4:80x",
                        "[::1:80",
                        "1.2.3.4:+80",
                        "1.2.3.4: 80" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *host = NULL;
      guint16 port = 1;
      g_autoptr (GError) error = NULL;

      g_assert_true (hn_parse_host_port (good[i].text, &host, &port, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (host, ==, good[i].host);
      g_assert_cmpuint (port, ==, good[i].port);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *host = NULL;
      guint16 port = 0;
      g_autoptr (GError) error = NULL;

      g_test_message ("bad listen address: “%s”", bad[i]);
      g_assert_false (hn_parse_host_port (bad[i], &host, &port, &error));
      g_assert_error (error, HN_ERROR, HN_ERROR_CONFIG);
      g_assert_null (host);
    }
}

static void
test_data_dir (void)
{
  g_autofree char *dir = hn_test_make_tmpdir ("config");
  g_autofree char *blocker = g_build_filename (dir, "a-file", NULL);
  g_autofree char *below_file = g_build_filename (blocker, "data", NULL);
  g_autofree char *nested = g_build_filename (dir, "x", "y", "z", NULL);
  g_autofree char *arg_bad = g_strdup_printf ("--data-dir=%s", below_file);
  g_autofree char *arg_good = g_strdup_printf ("--data-dir=%s", nested);

  g_assert_true (g_file_set_contents (blocker, "", 0, NULL));
  {
    g_autoptr (HnConfig) config = hn_config_new ("hoinghi-test", "127.0.0.1:8080");
    g_autoptr (GError) error = NULL;
    const char *args[] = { arg_bad, NULL };

    g_assert_true (parse (config, args, &error));
    g_assert_false (hn_config_ensure_data_dir (config, &error));
    g_assert_error (error, HN_ERROR, HN_ERROR_CONFIG);
    g_assert_nonnull (strstr (error->message, "--data-dir"));
    g_assert_false (g_file_test (below_file, G_FILE_TEST_EXISTS));
  }
  {
    g_autoptr (HnConfig) config = hn_config_new ("hoinghi-test", "127.0.0.1:8080");
    g_autoptr (GError) error = NULL;
    const char *args[] = { arg_good, NULL };

    g_assert_true (parse (config, args, &error));
    g_assert_true (hn_config_ensure_data_dir (config, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_test (nested, G_FILE_TEST_IS_DIR));
  }
  hn_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  hn_test_init (&argc, &argv);
  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/command-line-wins", test_command_line_wins);
  g_test_add_func ("/config/bad-files", test_bad_files);
  g_test_add_func ("/config/missing-file", test_missing_file);
  g_test_add_func ("/config/host-port", test_host_port);
  g_test_add_func ("/config/data-dir", test_data_dir);
  return g_test_run ();
}
