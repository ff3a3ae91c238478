/* hoinghi-endpoint: a site's software endpoint.
 *
 * Joining a room arrives with the mcu's signalling; until then the
 * endpoint checks that the site can reach its mcu, which is the first
 * thing a technician asks when a site does not connect.
 */
#define G_LOG_DOMAIN "hoinghi-endpoint"

#include "config.h"

#include "libhoinghi/hn-exit.h"
#include "libhoinghi/hn-health.h"
#include "libhoinghi/hn-i18n.h"

#define DEFAULT_MCU_URL "http://127.0.0.1:8443"

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) health = NULL;
  g_autofree char *mcu_url = NULL;
  gboolean show_version = FALSE;
  int timeout = 5;
  const GOptionEntry entries[] = {
    { "mcu", 'm', 0, G_OPTION_ARG_STRING, &mcu_url,
      N_ ("The mcu's base address (default http://127.0.0.1:8443)"), N_ ("URL") },
    { "timeout", 't', 0, G_OPTION_ARG_INT, &timeout,
      N_ ("Give up after SECONDS without an answer (default 5)"), N_ ("SECONDS") },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &show_version, N_ ("Print the version and exit"),
      NULL },
    { NULL },
  };

  hn_i18n_init ();
  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                _ ("The software endpoint of a site: checks that the site can "
                                   "reach its mcu."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("hoinghi-endpoint: %s\n", error->message);
      return HN_EXIT_USAGE;
    }
  if (argc > 1)
    {
      g_printerr (_ ("hoinghi-endpoint: unexpected argument “%s”; see --help\n"), argv[1]);
      return HN_EXIT_USAGE;
    }
  if (show_version)
    {
      g_print ("hoinghi-endpoint %s\n", PACKAGE_VERSION);
      return HN_EXIT_OK;
    }
  if (timeout < 1 || timeout > 600)
    {
      g_printerr (_ ("hoinghi-endpoint: --timeout must be from 1 to 600 seconds\n"));
      return HN_EXIT_USAGE;
    }

  health = hn_health_probe (mcu_url != NULL ? mcu_url : DEFAULT_MCU_URL, timeout, &error);
  if (health == NULL)
    {
      g_printerr ("hoinghi-endpoint: %s\n", error->message);
      return HN_EXIT_FAILURE;
    }
  /* TRANSLATORS: "The mcu at http://… is up: hoinghi-mcu 0.1.0" */
  g_print (_ ("The mcu at %s is up: %s %s\n"), mcu_url != NULL ? mcu_url : DEFAULT_MCU_URL,
           json_object_get_string_member_with_default (health, "service", "?"),
           json_object_get_string_member_with_default (health, "version", "?"));
  return HN_EXIT_OK;
}
