/* hn-health.c: the client side of /healthz, for the CLI, the endpoint,
 * the panel and the test harness. */
#define G_LOG_DOMAIN "hoinghi"

#include "config.h"

#include <libsoup/soup.h>

#include "hn-error.h"
#include "hn-health.h"
#include "hn-http.h"
#include "hn-i18n.h"

static SoupMessage *
build_request (const char *base_url, GError **error)
{
  g_autoptr (GUri) base = NULL;
  g_autoptr (GUri) uri = NULL;
  const char *scheme;

  base = g_uri_parse (base_url, SOUP_HTTP_URI_FLAGS, NULL);
  scheme = base != NULL ? g_uri_get_scheme (base) : NULL;
  if (base == NULL || g_uri_get_host (base) == NULL
      || (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("“%s” is not a service address: write e.g. http://127.0.0.1:8080"), base_url);
      return NULL;
    }
  uri = g_uri_parse_relative (base, "/healthz", SOUP_HTTP_URI_FLAGS, error);
  if (uri == NULL)
    return NULL;
  return soup_message_new_from_uri (SOUP_METHOD_GET, uri);
}

static JsonObject *
parse_answer (const char *base_url, SoupMessage *msg, GBytes *body, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;
  gsize length;
  const char *data = g_bytes_get_data (body, &length);

  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE, _ ("%s answered %u %s instead of OK."),
                   base_url, soup_message_get_status (msg), soup_message_get_reason_phrase (msg));
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, length, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE,
                   _ ("%s answered, but not like a hoinghi service."), base_url);
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

static void
set_unreachable (GError **error, const char *base_url, const GError *cause)
{
  g_set_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE, _ ("Cannot reach %s: %s"), base_url,
               cause->message);
}

/**
 * hn_health_probe:
 * @base_url: the service's base address, e.g. "http://127.0.0.1:8080"
 * @timeout_seconds: how long to wait for an answer
 * @error: why the service is not up
 *
 * Blocks; for command-line tools and tests.
 *
 * Returns: (transfer full): the /healthz document of a service that is up.
 */
JsonObject *
hn_health_probe (const char *base_url, guint timeout_seconds, GError **error)
{
  g_autoptr (SoupSession) session = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (base_url != NULL, NULL);

  msg = build_request (base_url, error);
  if (msg == NULL)
    return NULL;
  session = hn_http_session_new (timeout_seconds);
  body = soup_session_send_and_read (session, msg, NULL, &local_error);
  if (body == NULL)
    {
      set_unreachable (error, base_url, local_error);
      return NULL;
    }
  return parse_answer (base_url, msg, body, error);
}

typedef struct
{
  char *base_url;
  SoupSession *session;
  SoupMessage *msg;
} ProbeData;

static void
probe_data_free (gpointer data)
{
  ProbeData *probe = data;

  g_free (probe->base_url);
  g_clear_object (&probe->session);
  g_clear_object (&probe->msg);
  g_free (probe);
}

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ProbeData *probe = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = NULL;
  JsonObject *object;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (body == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (body == NULL)
    {
      GError *unreachable = NULL;

      set_unreachable (&unreachable, probe->base_url, error);
      g_task_return_error (task, unreachable);
      return;
    }
  object = parse_answer (probe->base_url, probe->msg, body, &error);
  if (object == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, object, (GDestroyNotify) json_object_unref);
}

/**
 * hn_health_probe_async:
 * @base_url: the service's base address
 * @timeout_seconds: how long to wait for an answer
 * @cancellable: (nullable): to give up early
 * @callback: called in the caller's main context with the result
 * @user_data: for @callback
 *
 * The non-blocking form of hn_health_probe(), for the GTK panel.
 */
void
hn_health_probe_async (const char *base_url, guint timeout_seconds, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;
  ProbeData *probe;

  g_task_set_source_tag (task, hn_health_probe_async);
  probe = g_new0 (ProbeData, 1);
  probe->base_url = g_strdup (base_url);
  g_task_set_task_data (task, probe, probe_data_free);
  probe->msg = build_request (base_url, &error);
  if (probe->msg == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  probe->session = hn_http_session_new (timeout_seconds);
  soup_session_send_and_read_async (probe->session, probe->msg, G_PRIORITY_DEFAULT, cancellable,
                                    on_read, g_steal_pointer (&task));
}

/**
 * hn_health_probe_finish:
 * @result: the result given to the callback
 * @error: why the service is not up
 *
 * Returns: (transfer full): the /healthz document.
 */
JsonObject *
hn_health_probe_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
