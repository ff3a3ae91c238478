/* hn-http.c: reading JSON bodies, writing JSON answers and errors. */
#define G_LOG_DOMAIN "hoinghi"

#include "config.h"

#include <string.h>

#include "hn-http.h"
#include "hn-i18n.h"

/**
 * hn_json_check_depth:
 * @data: (array length=length): JSON text
 * @length: its length in bytes
 * @max_depth: the deepest nesting of arrays and objects allowed
 * @error: the reason it was refused
 *
 * json-glib's parser recurses once per nesting level, so a hostile body of
 * a million '[' would exhaust the stack.  This linear scan (strings and
 * their escapes skipped) refuses such bodies first.
 *
 * Returns: whether the nesting is within @max_depth.
 */
gboolean
hn_json_check_depth (const char *data, gsize length, guint max_depth, GError **error)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > max_depth)
            {
              g_set_error (error, HN_ERROR, HN_ERROR_INVALID_JSON,
                           _ ("The JSON body is nested more than %u levels deep."), max_depth);
              return FALSE;
            }
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

static gboolean
is_json_content_type (const char *content_type)
{
  g_autofree char *type = NULL;
  const char *semicolon;

  if (content_type == NULL)
    return FALSE;
  semicolon = strchr (content_type, ';');
  type = g_strstrip (semicolon != NULL ? g_strndup (content_type, semicolon - content_type)
                                       : g_strdup (content_type));
  return g_ascii_strcasecmp (type, "application/json") == 0;
}

/**
 * hn_json_parse_body:
 * @content_type: (nullable): the request's Content-Type header
 * @body: the request's body
 * @error: an #HnError saying exactly what is wrong with the body
 *
 * Checks, in order: a JSON content type (415), a non-empty body, valid
 * UTF-8, a sane nesting depth, and JSON syntax (400).  Safe to call from
 * any thread.
 *
 * Returns: (transfer full): the parsed body.
 */
JsonNode *
hn_json_parse_body (const char *content_type, GBytes *body, GError **error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) parse_error = NULL;
  const char *data;
  gsize length = 0;
  const char *end;

  if (!is_json_content_type (content_type))
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_UNSUPPORTED_MEDIA_TYPE,
                           _ ("The request body must be JSON, sent with "
                              "Content-Type: application/json."));
      return NULL;
    }
  data = body != NULL ? g_bytes_get_data (body, &length) : NULL;
  if (length == 0)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_JSON,
                           _ ("The request body is empty; a JSON document was expected."));
      return NULL;
    }
  if (!g_utf8_validate_len (data, length, &end))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_JSON,
                   _ ("The request body is not valid UTF-8 (at byte %lu)."),
                   (unsigned long) (end - data));
      return NULL;
    }
  if (!hn_json_check_depth (data, length, HN_HTTP_MAX_JSON_DEPTH, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, &parse_error))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_JSON,
                   _ ("The request body is not valid JSON: %s"), parse_error->message);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_JSON,
                           _ ("The request body is empty; a JSON document was expected."));
      return NULL;
    }
  return json_node_ref (json_parser_get_root (parser));
}

/**
 * hn_http_read_json:
 * @msg: a request whose body was read (the server's size limit applied)
 * @error: an #HnError saying exactly what is wrong with the body
 *
 * hn_json_parse_body() on the request of @msg.
 *
 * Returns: (transfer full): the parsed body.
 */
JsonNode *
hn_http_read_json (SoupServerMessage *msg, GError **error)
{
  SoupMessageHeaders *headers;
  g_autoptr (GBytes) bytes = NULL;

  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), NULL);

  headers = soup_server_message_get_request_headers (msg);
  bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  return hn_json_parse_body (soup_message_headers_get_one (headers, "Content-Type"), bytes, error);
}

/**
 * hn_http_respond_json:
 * @msg: the message to answer
 * @status: the HTTP status
 * @node: (transfer none): the JSON document to send
 *
 * Sets @status and the body (Content-Type: application/json; charset=utf-8).
 */
void
hn_http_respond_json (SoupServerMessage *msg, guint status, JsonNode *node)
{
  g_autofree char *text = NULL;
  gsize length;

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));
  g_return_if_fail (node != NULL);

  text = json_to_string (node, FALSE);
  length = strlen (text);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json; charset=utf-8", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&text), length);
}

/**
 * hn_http_respond_error_literal:
 * @msg: the message to answer
 * @code: what went wrong
 * @message: one sentence for the client, saying exactly what is wrong
 *
 * Answers with the status of @code and the body
 * `{"error": {"code": "…", "message": "…"}}`.
 */
void
hn_http_respond_error_literal (SoupServerMessage *msg, HnError code, const char *message)
{
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) root = NULL;

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));
  g_return_if_fail (message != NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, hn_error_code_name_for (code));
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  hn_http_respond_json (msg, hn_error_http_status_for (code), root);
}

/**
 * hn_http_respond_error:
 * @msg: the message to answer
 * @error: the error; one of another domain than %HN_ERROR is logged and
 *   answered with a generic 500 so internals do not leak to clients
 */
void
hn_http_respond_error (SoupServerMessage *msg, const GError *error)
{
  g_return_if_fail (error != NULL);

  if (error->domain != HN_ERROR || hn_error_http_status (error) >= 500)
    {
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MESSAGE", "internal error: %s",
                        error->message, "HN_PATH", "%s",
                        g_uri_get_path (soup_server_message_get_uri (msg)));
      hn_http_respond_error_literal (msg, HN_ERROR_INTERNAL,
                                     _ ("The server failed to handle the request; the details "
                                        "are in its log."));
      return;
    }
  hn_http_respond_error_literal (msg, error->code, error->message);
}

/**
 * hn_http_respond_method_not_allowed:
 * @msg: the message to answer
 * @allowed: the methods the resource takes, e.g. "GET, POST"
 */
void
hn_http_respond_method_not_allowed (SoupServerMessage *msg, const char *allowed)
{
  g_autofree char *text = g_strdup_printf (_ ("This resource does not take %s; it takes %s."),
                                           soup_server_message_get_method (msg), allowed);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allowed);
  hn_http_respond_error_literal (msg, HN_ERROR_METHOD_NOT_ALLOWED, text);
}

static gboolean
is_token68_char (char c)
{
  return g_ascii_isalnum (c) || strchr ("-._~+/=", c) != NULL;
}

/**
 * hn_http_get_bearer_token:
 * @msg: a request
 * @token: (out) (transfer full): the token of "Authorization: Bearer TOKEN"
 * @error: %HN_ERROR_UNAUTHORIZED when the header is missing or malformed
 *
 * The scheme is matched without regard to case (RFC 9110); the token must
 * be token68 characters and at most 512 of them.
 *
 * Returns: whether a well-formed bearer token was found.
 */
gboolean
hn_http_get_bearer_token (SoupServerMessage *msg, char **token, GError **error)
{
  const char *value;
  const char *start;
  gsize length;

  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), FALSE);
  g_return_val_if_fail (token != NULL, FALSE);

  value = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                        "Authorization");
  if (value == NULL)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_UNAUTHORIZED,
                           _ ("This call needs a token: send “Authorization: Bearer TOKEN”."));
      return FALSE;
    }
  if (g_ascii_strncasecmp (value, "Bearer ", 7) != 0)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_UNAUTHORIZED,
                           _ ("The Authorization header must use the Bearer scheme."));
      return FALSE;
    }
  start = value + 7;
  while (*start == ' ')
    start++;
  length = strlen (start);
  while (length > 0 && start[length - 1] == ' ')
    length--;
  if (length == 0 || length > 512)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_UNAUTHORIZED,
                           _ ("The bearer token is empty or too long."));
      return FALSE;
    }
  for (gsize i = 0; i < length; i++)
    if (!is_token68_char (start[i]))
      {
        g_set_error_literal (error, HN_ERROR, HN_ERROR_UNAUTHORIZED,
                             _ ("The bearer token contains characters a token cannot have."));
        return FALSE;
      }
  *token = g_strndup (start, length);
  return TRUE;
}

/**
 * hn_http_session_new:
 * @timeout_seconds: how long a request may wait for an answer
 *
 * The client session hoinghi's programs talk to each other with.  No
 * proxy: the services sit on the office LAN or loopback, and a desktop's
 * proxy settings must not reroute a site's traffic to its mcu.
 *
 * Returns: (transfer full): a new session.
 */
SoupSession *
hn_http_session_new (guint timeout_seconds)
{
  return soup_session_new_with_options ("timeout", timeout_seconds, "proxy-resolver", NULL, NULL);
}

/**
 * hn_json_message_begin:
 * @type: the message's type
 *
 * Starts a WebSocket message of the mcu's protocols, {"type": @type, …},
 * left open for its members; hn_websocket_send_message() closes and sends it.
 *
 * Returns: (transfer full): the builder
 */
JsonBuilder *
hn_json_message_begin (const char *type)
{
  JsonBuilder *builder = json_builder_new_immutable ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  return builder;
}

/**
 * hn_websocket_send_message:
 * @ws: (nullable): the socket
 * @message: a message from hn_json_message_begin(), its members added
 *
 * Closes the message and sends it as one text frame, if @ws is open;
 * a socket closing or gone takes nothing.
 */
void
hn_websocket_send_message (SoupWebsocketConnection *ws, JsonBuilder *message)
{
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_end_object (message);
  if (ws == NULL || soup_websocket_connection_get_state (ws) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  root = json_builder_get_root (message);
  text = json_to_string (root, FALSE);
  soup_websocket_connection_send_text (ws, text);
}
