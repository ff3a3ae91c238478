/* hoinghi: the command-line client of the scheduler. */
#define G_LOG_DOMAIN "hoinghi-cli"

#include "config.h"

#include <locale.h>
#include <string.h>

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

/* The office reads Vietnamese: with no language chosen (the C or POSIX
 * locale), hoinghi speaks Vietnamese; an English locale gets English. */
static void
default_to_vietnamese (void)
{
  const char *messages = setlocale (LC_MESSAGES, NULL);
  const char *ctype = setlocale (LC_CTYPE, NULL);

  if (messages == NULL
      || !(g_str_equal (messages, "C") || g_str_equal (messages, "POSIX")
           || g_str_has_prefix (messages, "C.")))
    return;
  if (setlocale (LC_MESSAGES, "vi_VN.UTF-8") == NULL)
    return;
  /* the text must reach the terminal as UTF-8, not as "?" */
  if (ctype != NULL && (g_str_equal (ctype, "C") || g_str_equal (ctype, "POSIX")))
    setlocale (LC_CTYPE, "C.UTF-8");
}

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
  default_to_vietnamese ();
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
