/* hn-error.h: the one error domain of hoinghi and its HTTP mapping.
 *
 * Every fallible function of hoinghi reports an HnError code (or another
 * domain's error that the HTTP layer turns into "internal").  The mapping
 * from code to HTTP status and to the machine-readable name used in JSON
 * error bodies lives in hn-error.c and nowhere else.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HN_ERROR (hn_error_quark ())

/**
 * HnError:
 * @HN_ERROR_BAD_REQUEST: the request is malformed (400)
 * @HN_ERROR_INVALID_JSON: the body is not valid JSON or not UTF-8 (400)
 * @HN_ERROR_INVALID: a field or parameter has a wrong value (400)
 * @HN_ERROR_UNAUTHORIZED: no valid credentials (401)
 * @HN_ERROR_FORBIDDEN: credentials valid, action not allowed (403)
 * @HN_ERROR_NOT_FOUND: no such resource (404)
 * @HN_ERROR_METHOD_NOT_ALLOWED: the resource does not take this method (405)
 * @HN_ERROR_CONFLICT: the action conflicts with the current state (409)
 * @HN_ERROR_PRECONDITION_FAILED: an If-Match did not hold (412)
 * @HN_ERROR_PAYLOAD_TOO_LARGE: the body is over the limit (413)
 * @HN_ERROR_UNSUPPORTED_MEDIA_TYPE: the body is not of an accepted type (415)
 * @HN_ERROR_TOO_MANY_REQUESTS: a rate limit was hit (429)
 * @HN_ERROR_INTERNAL: a fault of ours (500)
 * @HN_ERROR_UNAVAILABLE: a dependency is down or we are stopping (503)
 * @HN_ERROR_CONFIG: the configuration or command line is wrong (not HTTP)
 */
typedef enum
{
  HN_ERROR_BAD_REQUEST,
  HN_ERROR_INVALID_JSON,
  HN_ERROR_INVALID,
  HN_ERROR_UNAUTHORIZED,
  HN_ERROR_FORBIDDEN,
  HN_ERROR_NOT_FOUND,
  HN_ERROR_METHOD_NOT_ALLOWED,
  HN_ERROR_CONFLICT,
  HN_ERROR_PRECONDITION_FAILED,
  HN_ERROR_PAYLOAD_TOO_LARGE,
  HN_ERROR_UNSUPPORTED_MEDIA_TYPE,
  HN_ERROR_TOO_MANY_REQUESTS,
  HN_ERROR_INTERNAL,
  HN_ERROR_UNAVAILABLE,
  HN_ERROR_CONFIG,
} HnError;

#define HN_ERROR_N_CODES (HN_ERROR_CONFIG + 1)

GQuark hn_error_quark (void);

guint hn_error_http_status (const GError *error);
const char *hn_error_code_name (const GError *error);
const char *hn_error_code_name_for (HnError code);
guint hn_error_http_status_for (HnError code);

G_END_DECLS
