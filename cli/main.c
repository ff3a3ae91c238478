/* hoinghi: the command-line client of the scheduler. */
#define G_LOG_DOMAIN "hoinghi-cli"

#include "config.h"

#include "libhoinghi/hn-exit.h"
#include "libhoinghi/hn-i18n.h"

#include "cli-client.h"
#include "cli-commands.h"

#define DEFAULT_SERVER_URL "http://127.0.0.1:8080"

static const struct
{
  const char *name;
  CliCommandFunc func;
} commands[] = {
  { "status", cli_status },     { "login", cli_login },   { "logout", cli_logout },
  { "meetings", cli_meetings }, { "series", cli_series }, { "outcome", cli_outcome },
  { "import", cli_import },     { "report", cli_report },
};

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CliClient) client = NULL;
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
  context = g_option_context_new (_ ("COMMAND [ARGUMENT…]"));
  g_option_context_set_summary (context, _ ("Talks to the hoinghi scheduler."));
  g_option_context_set_description (
      context, _ ("Commands (each takes --help):\n"
                  "  status                      say whether the scheduler is up\n"
                  "  login [--user LOGIN]        log in (password on standard input)\n"
                  "  logout                      log out\n"
                  "  meetings list|show|book|cancel\n"
                  "  series create|list|cancel\n"
                  "  outcome ID --in-person|--online-external PLATFORM|--missed\n"
                  "  import FILE                 import meetings from CSV\n"
                  "  report --year YEAR|--from TIME --to TIME [--format text|csv|json|pdf] "
                  "[-o FILE]\n"
                  "\n"
                  "Exit codes: 0 done, 1 the server could not answer, 2 wrong command line,\n"
                  "3 refused by the server, 4 not logged in or not allowed.\n"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  /* options after the command belong to the command */
  g_option_context_set_strict_posix (context, TRUE);
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
  client = cli_client_new (server_url != NULL ? server_url : DEFAULT_SERVER_URL);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      return commands[i].func (client, argc - 1, argv + 1);

  g_printerr (_ ("hoinghi: unknown command “%s”; see --help\n"), argv[1]);
  return HN_EXIT_USAGE;
}
