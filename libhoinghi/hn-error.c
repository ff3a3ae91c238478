/* hn-error.c: HnError codes, their HTTP statuses and JSON names. */
#define G_LOG_DOMAIN "hoinghi"

#include "config.h"

#include "hn-error.h"

/**
 * hn_error_quark:
 *
 * Returns: the quark of the %HN_ERROR domain.
 */
GQuark
hn_error_quark (void)
{
  return g_quark_from_static_string ("hn-error-quark");
}

/* The one place where an error code meets HTTP.  Indexed by HnError. */
static const struct
{
  guint status;
  const char *name;
} error_table[HN_ERROR_N_CODES] = {
  [HN_ERROR_BAD_REQUEST] = { 400, "bad-request" },
  [HN_ERROR_INVALID_JSON] = { 400, "invalid-json" },
  [HN_ERROR_INVALID] = { 400, "invalid" },
  [HN_ERROR_UNAUTHORIZED] = { 401, "unauthorized" },
  [HN_ERROR_FORBIDDEN] = { 403, "forbidden" },
  [HN_ERROR_NOT_FOUND] = { 404, "not-found" },
  [HN_ERROR_METHOD_NOT_ALLOWED] = { 405, "method-not-allowed" },
  [HN_ERROR_CONFLICT] = { 409, "conflict" },
  [HN_ERROR_PRECONDITION_FAILED] = { 412, "precondition-failed" },
  [HN_ERROR_PAYLOAD_TOO_LARGE] = { 413, "payload-too-large" },
  [HN_ERROR_UNSUPPORTED_MEDIA_TYPE] = { 415, "unsupported-media-type" },
  [HN_ERROR_TOO_MANY_REQUESTS] = { 429, "too-many-requests" },
  [HN_ERROR_INTERNAL] = { 500, "internal" },
  [HN_ERROR_UNAVAILABLE] = { 503, "unavailable" },
  [HN_ERROR_CONFIG] = { 500, "internal" },
};

/**
 * hn_error_http_status_for:
 * @code: an #HnError code
 *
 * Returns: the HTTP status that answers @code; 500 for a code out of range.
 */
guint
hn_error_http_status_for (HnError code)
{
  if ((guint) code >= HN_ERROR_N_CODES)
    return 500;
  return error_table[code].status;
}

/**
 * hn_error_code_name_for:
 * @code: an #HnError code
 *
 * Returns: (transfer none): the stable name of @code used in JSON error
 *   bodies, e.g. "not-found"; "internal" for a code out of range.
 */
const char *
hn_error_code_name_for (HnError code)
{
  if ((guint) code >= HN_ERROR_N_CODES)
    return "internal";
  return error_table[code].name;
}

/**
 * hn_error_http_status:
 * @error: any #GError
 *
 * Errors of other domains are faults of ours as far as a client can tell.
 *
 * Returns: the HTTP status that answers @error.
 */
guint
hn_error_http_status (const GError *error)
{
  g_return_val_if_fail (error != NULL, 500);

  if (error->domain != HN_ERROR)
    return 500;
  return hn_error_http_status_for (error->code);
}

/**
 * hn_error_code_name:
 * @error: any #GError
 *
 * Returns: (transfer none): the JSON name for @error ("internal" for
 *   errors of other domains).
 */
const char *
hn_error_code_name (const GError *error)
{
  g_return_val_if_fail (error != NULL, "internal");

  if (error->domain != HN_ERROR)
    return "internal";
  return hn_error_code_name_for (error->code);
}
