/* hn-i18n.c: locale and message catalogue set-up. */
#define G_LOG_DOMAIN "hoinghi"

#include "config.h"

#include <locale.h>

#include "hn-i18n.h"

/**
 * hn_i18n_localedir:
 *
 * HOINGHI_LOCALEDIR lets the test suite and a developer run the programs
 * from the build tree with the freshly compiled catalogues.
 *
 * Returns: (transfer none): the folder that holds the message catalogues.
 */
const char *
hn_i18n_localedir (void)
{
  const char *dir = g_getenv ("HOINGHI_LOCALEDIR");

  return (dir != NULL && *dir != '\0') ? dir : LOCALEDIR;
}

/**
 * hn_i18n_init:
 *
 * Sets the locale from the environment and binds the "hoinghi" catalogue
 * with UTF-8 output.  Call first thing in main().
 */
void
hn_i18n_init (void)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, hn_i18n_localedir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}
