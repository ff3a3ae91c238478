/* test-error.c: the HnError table and its HTTP mapping. */
#include "config.h"

#include <gio/gio.h>

#include "libhoinghi/hn-error.h"

static void
test_every_code_has_status_and_name (void)
{
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);

  for (int code = 0; code < HN_ERROR_N_CODES; code++)
    {
      guint status = hn_error_http_status_for (code);
      const char *name = hn_error_code_name_for (code);

      g_assert_cmpuint (status, >=, 400);
      g_assert_cmpuint (status, <=, 599);
      g_assert_nonnull (name);
      g_assert_cmpstr (name, !=, "");
      /* names are unique, except that CONFIG is reported as internal */
      if (code != HN_ERROR_CONFIG)
        g_assert_true (g_hash_table_add (names, (gpointer) name));
    }
}

static void
test_known_mappings (void)
{
  g_autoptr (GError) not_found = g_error_new_literal (HN_ERROR, HN_ERROR_NOT_FOUND, "x");
  g_autoptr (GError) conflict = g_error_new_literal (HN_ERROR, HN_ERROR_CONFLICT, "x");
  g_autoptr (GError) too_large = g_error_new_literal (HN_ERROR, HN_ERROR_PAYLOAD_TOO_LARGE, "x");
  g_autoptr (GError) stale = g_error_new_literal (HN_ERROR, HN_ERROR_PRECONDITION_FAILED, "x");

  g_assert_cmpuint (hn_error_http_status (not_found), ==, 404);
  g_assert_cmpstr (hn_error_code_name (not_found), ==, "not-found");
  g_assert_cmpuint (hn_error_http_status (conflict), ==, 409);
  g_assert_cmpuint (hn_error_http_status (too_large), ==, 413);
  g_assert_cmpuint (hn_error_http_status (stale), ==, 412);
}

static void
test_foreign_and_out_of_range (void)
{
  g_autoptr (GError) io = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "x");

  /* another domain's "not found" is not the client's business: 500 */
  g_assert_cmpuint (hn_error_http_status (io), ==, 500);
  g_assert_cmpstr (hn_error_code_name (io), ==, "internal");
  g_assert_cmpuint (hn_error_http_status_for (HN_ERROR_N_CODES + 7), ==, 500);
  g_assert_cmpstr (hn_error_code_name_for (-1), ==, "internal");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/error/table", test_every_code_has_status_and_name);
  g_test_add_func ("/error/known", test_known_mappings);
  g_test_add_func ("/error/foreign", test_foreign_and_out_of_range);
  return g_test_run ();
}
