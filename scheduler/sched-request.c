/* sched-request.c: SchedRequest and SchedResponse helpers. */
#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "config.h"

#include <string.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-http.h"
#include "libhoinghi/hn-i18n.h"

#include "sched-json.h"
#include "sched-request.h"

/**
 * sched_user_free:
 * @user: (nullable): a user
 */
void
sched_user_free (SchedUser *user)
{
  if (user == NULL)
    return;
  g_free (user->login);
  g_free (user->role);
  g_free (user->unit_code);
  g_free (user);
}

/**
 * sched_request_free:
 * @request: (nullable): a request
 */
void
sched_request_free (SchedRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->method);
  g_free (request->path);
  g_clear_pointer (&request->query, g_hash_table_unref);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_clear_pointer (&request->body_json, json_node_unref);
  g_clear_error (&request->body_error);
  g_free (request->content_type);
  g_free (request->authorization);
  g_free (request->idempotency_key);
  g_free (request->if_match);
  sched_user_free (request->user);
  g_strfreev (request->args);
  if (request->prepared_free != NULL)
    request->prepared_free (request->prepared);
  g_free (request);
}

/**
 * sched_request_parse_body:
 * @request: a request as read from HTTP
 *
 * Parses the body as JSON now, on the thread that read it, so that the
 * database worker, which every request queues for, does not.  The result
 * (or the error, reported only if the handler reads JSON) waits for
 * sched_request_read_object().
 */
void
sched_request_parse_body (SchedRequest *request)
{
  request->body_parsed = TRUE;
  request->body_json
      = hn_json_parse_body (request->content_type, request->body, &request->body_error);
}

/**
 * sched_request_set_prepared:
 * @request: a request
 * @prepared: (transfer full): what its route's preparation made
 * @prepared_free: frees @prepared with the request
 */
void
sched_request_set_prepared (SchedRequest *request, gpointer prepared, GDestroyNotify prepared_free)
{
  if (request->prepared_free != NULL)
    request->prepared_free (request->prepared);
  request->prepared = prepared;
  request->prepared_free = prepared_free;
}

/**
 * sched_request_query:
 * @request: a request
 * @name: a query parameter
 *
 * Returns: (transfer none) (nullable): its value.
 */
const char *
sched_request_query (SchedRequest *request, const char *name)
{
  return request->query != NULL ? g_hash_table_lookup (request->query, name) : NULL;
}

/**
 * sched_request_check_query:
 * @request: a request
 * @allowed: (array zero-terminated=1): the parameters the resource takes
 * @error: names the first unknown parameter
 *
 * Returns: whether every query parameter is known.
 */
gboolean
sched_request_check_query (SchedRequest *request, const char *const *allowed, GError **error)
{
  GHashTableIter iter;
  gpointer name;

  if (request->query == NULL)
    return TRUE;
  g_hash_table_iter_init (&iter, request->query);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    if (!g_strv_contains (allowed, name))
      {
        g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("Unknown query parameter “%s”."),
                     (const char *) name);
        return FALSE;
      }
  return TRUE;
}

/**
 * sched_request_read_object:
 * @request: a request with a JSON body
 * @allowed: (array zero-terminated=1): the fields the resource takes
 * @root: (out) (transfer full): the parsed document, which owns the object
 * @error: what is wrong with the body
 *
 * Returns: (transfer none) (nullable): the body's object.
 */
JsonObject *
sched_request_read_object (SchedRequest *request, const char *const *allowed, JsonNode **root,
                           GError **error)
{
  g_autoptr (JsonNode) node = NULL;
  JsonObject *object;

  if (!request->body_parsed)
    sched_request_parse_body (request);
  if (request->body_error != NULL)
    {
      g_propagate_error (error, g_error_copy (request->body_error));
      return NULL;
    }
  node = json_node_ref (request->body_json);
  object = sched_json_require_object (node, error);
  if (object == NULL || !sched_json_check_fields (object, allowed, error))
    return NULL;
  *root = g_steal_pointer (&node);
  return object;
}

/**
 * sched_request_check_if_match:
 * @request: a request
 * @version: the resource's current version
 * @error: %HN_ERROR_PRECONDITION_FAILED when If-Match names another
 *
 * No If-Match means the client takes the risk; "*" matches any version.
 *
 * Returns: whether the write may go ahead.
 */
gboolean
sched_request_check_if_match (SchedRequest *request, gint64 version, GError **error)
{
  g_autofree char *expected = NULL;
  g_auto (GStrv) tags = NULL;

  if (request->if_match == NULL)
    return TRUE;
  expected = g_strdup_printf ("\"%" G_GINT64_FORMAT "\"", version);
  tags = g_strsplit (request->if_match, ",", -1);
  for (guint i = 0; tags[i] != NULL; i++)
    {
      const char *tag = g_strstrip (tags[i]);

      if (g_str_has_prefix (tag, "W/"))
        tag += 2;
      if (g_str_equal (tag, "*") || g_str_equal (tag, expected))
        return TRUE;
    }
  g_set_error (error, HN_ERROR, HN_ERROR_PRECONDITION_FAILED,
               _ ("The resource changed since you read it (it is now version %lld); read it "
                  "again and retry."),
               (long long) version);
  return FALSE;
}

/**
 * sched_response_new:
 *
 * Returns: (transfer full): an empty response.
 */
SchedResponse *
sched_response_new (void)
{
  return g_new0 (SchedResponse, 1);
}

/**
 * sched_response_free:
 * @response: (nullable): a response
 */
void
sched_response_free (SchedResponse *response)
{
  if (response == NULL)
    return;
  g_free (response->content_type);
  g_free (response->body);
  g_free (response->location);
  g_free (response->etag);
  g_clear_pointer (&response->render_data, json_node_unref);
  g_free (response->render_format);
  g_free (response);
}

/**
 * sched_response_set_json:
 * @response: a response
 * @status: the HTTP status
 * @node: (transfer none): the body
 */
void
sched_response_set_json (SchedResponse *response, guint status, JsonNode *node)
{
  sched_response_take_json_text (response, status, json_to_string (node, FALSE));
}

/**
 * sched_response_take_json_text:
 * @response: a response
 * @status: the HTTP status
 * @text: (transfer full): the body, JSON text
 */
void
sched_response_take_json_text (SchedResponse *response, guint status, char *text)
{
  response->status = status;
  g_free (response->content_type);
  response->content_type = g_strdup ("application/json; charset=utf-8");
  g_free (response->body);
  response->body = text;
  response->length = strlen (text);
}

/**
 * sched_response_set_error:
 * @response: a response
 * @error: the error; other domains than %HN_ERROR answer a generic 500
 */
void
sched_response_set_error (SchedResponse *response, const GError *error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) root = NULL;
  HnError code = HN_ERROR_INTERNAL;
  const char *message = _ ("The server failed to handle the request; the details are in its log.");

  if (error->domain == HN_ERROR && hn_error_http_status (error) < 500)
    {
      code = error->code;
      message = error->message;
    }
  else if (error->domain == HN_ERROR && error->code == HN_ERROR_UNAVAILABLE)
    {
      code = HN_ERROR_UNAVAILABLE;
      message = error->message;
    }
  else
    g_message ("internal error: %s", error->message);

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
  g_clear_pointer (&response->location, g_free);
  g_clear_pointer (&response->etag, g_free);
  sched_response_set_json (response, hn_error_http_status_for (code), root);
}

/**
 * sched_response_set_etag:
 * @response: a response
 * @version: the resource's version, sent as a strong ETag
 */
void
sched_response_set_etag (SchedResponse *response, gint64 version)
{
  g_free (response->etag);
  response->etag = g_strdup_printf ("\"%" G_GINT64_FORMAT "\"", version);
}
