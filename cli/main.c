/* hoinghi: the command-line client of the scheduler. */
#define G_LOG_DOMAIN "hoinghi-cli"

#include "config.h"

#include "libhoinghi/hn-exit.h"
#include "libhoinghi/hn-health.h"
#include "libhoinghi/hn-i18n.h"

#define DEFAULT_SERVER_URL "http://127.0.0.1:8080"

static int
command_status (const char *server_url)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) health = hn_health_probe (server_url, 5, &error);

  if (health == NULL)
    {
      g_printerr ("hoinghi: %s\n", error->message);
      return HN_EXIT_FAILURE;
    }
  /* TRANSLATORS: "The scheduler at http://… is up: hoinghi-scheduler 0.1.0, running for 42 s" */
  g_print (_ ("The scheduler at %s is up: %s %s, running for %lld s\n"), server_url,
           json_object_get_string_member_with_default (health, "service", "?"),
           json_object_get_string_member_with_default (health, "version", "?"),
           (long long) json_object_get_int_member_with_default (health, "uptime_seconds", 0));
  return HN_EXIT_OK;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *server_url = NULL;
  gboolean show_version = FALSE;
  const GOptionEntry entries[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, &server_url,
      N_ ("The scheduler's base address (default http://127.0.0.1:8080)"), N_ ("URL") },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &show_version, N_ ("Print the version and exit"),
      NULL },
    { NULL },
  };

  hn_i18n_init ();
  context = g_option_context_new (_ ("COMMAND"));
  g_option_context_set_summary (context, _ ("Talks to the hoinghi scheduler."));
  g_option_context_set_description (context, _ ("Commands:\n"
                                                "  status    say whether the scheduler is up\n"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("hoinghi: %s\n", error->message);
      return HN_EXIT_USAGE;
    }
  if (show_version)
    {
      g_print ("hoinghi %s\n", PACKAGE_VERSION);
      return HN_EXIT_OK;
    }
  if (argc < 2)
    {
      g_printerr (_ ("hoinghi: say which command to run; see --help\n"));
      return HN_EXIT_USAGE;
    }
  if (g_str_equal (argv[1], "status"))
    {
      if (argc > 2)
        {
          g_printerr (_ ("hoinghi: unexpected argument “%s”; see --help\n"), argv[2]);
          return HN_EXIT_USAGE;
        }
      return command_status (server_url != NULL ? server_url : DEFAULT_SERVER_URL);
    }

  g_printerr (_ ("hoinghi: unknown command “%s”; see --help\n"), argv[1]);
  return HN_EXIT_USAGE;
}
