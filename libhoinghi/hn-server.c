/* hn-server.c: HnServer, the shared HTTP front of the daemons. */
#define G_LOG_DOMAIN "hoinghi"

#include "config.h"

#include <sys/socket.h>

#include "hn-error.h"
#include "hn-http.h"
#include "hn-i18n.h"
#include "hn-log.h"
#include "hn-server.h"

#define STARTED_AT_KEY "hn-started-at"
#define BODY_SEEN_KEY "hn-body-seen"
#define PAUSED_KEY "hn-paused"
#define FINISHED_KEY "hn-finished"

struct _HnServer
{
  GObject parent_instance;

  SoupServer *soup;
  GSocketService *listener;
  char *service;
  gsize max_body_bytes;
  gint64 started_us;
  char *host;
  guint16 port;
};

G_DEFINE_FINAL_TYPE (HnServer, hn_server, G_TYPE_OBJECT)

typedef struct
{
  HnServer *server;
  HnRequestFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
} Handler;

static void
handler_free (gpointer data)
{
  Handler *handler = data;

  if (handler->destroy != NULL)
    handler->destroy (handler->user_data);
  g_free (handler);
}

static void
reject_too_large (HnServer *self, SoupServerMessage *msg)
{
  g_autofree char *text = NULL;

  /* Stop keeping what still arrives; libsoup reads the rest of the body
   * to keep the connection's framing intact, but memory stays bounded. */
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  soup_message_body_truncate (soup_server_message_get_request_body (msg));
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                "close");
  text = g_strdup_printf (_ ("The request body is larger than the limit of %lu bytes."),
                          (unsigned long) self->max_body_bytes);
  hn_http_respond_error_literal (msg, HN_ERROR_PAYLOAD_TOO_LARGE, text);
}

static void
on_got_chunk (SoupServerMessage *msg, GBytes *chunk, gpointer user_data)
{
  HnServer *self = HN_SERVER (user_data);
  gsize seen = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (msg), BODY_SEEN_KEY));

  if (soup_server_message_get_status (msg) != 0)
    return;
  seen += g_bytes_get_size (chunk);
  g_object_set_data (G_OBJECT (msg), BODY_SEEN_KEY, GSIZE_TO_POINTER (seen));
  if (seen > self->max_body_bytes)
    reject_too_large (self, msg);
}

/* Runs after libsoup's own header checks, before the body is read. */
static void
on_got_headers (SoupServerMessage *msg, gpointer user_data)
{
  HnServer *self = HN_SERVER (user_data);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  if (soup_server_message_get_status (msg) != 0)
    return;
  /* One request per connection (see on_incoming); saying so keeps a
   * client from reusing a connection that is about to close. */
  if (soup_message_headers_get_one (headers, "Upgrade") == NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                  "close");
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
      && soup_message_headers_get_content_length (headers) > (goffset) self->max_body_bytes)
    {
      reject_too_large (self, msg);
      return;
    }
  g_signal_connect_object (msg, "got-chunk", G_CALLBACK (on_got_chunk), self, 0);
}

static void
on_request_started (SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  g_object_set_data_full (G_OBJECT (msg), STARTED_AT_KEY,
                          g_memdup2 (&(gint64){ g_get_monotonic_time () }, sizeof (gint64)),
                          g_free);
  g_signal_connect_object (msg, "got-headers", G_CALLBACK (on_got_headers), user_data, 0);
}

static void
on_request_finished (SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  gint64 *started = g_object_get_data (G_OBJECT (msg), STARTED_AT_KEY);
  GUri *uri = soup_server_message_get_uri (msg);
  guint status = soup_server_message_get_status (msg);
  GLogLevelFlags level = status >= 500 ? G_LOG_LEVEL_MESSAGE : G_LOG_LEVEL_DEBUG;
  gint64 elapsed_us = started != NULL ? g_get_monotonic_time () - *started : 0;
  const char *path = uri != NULL ? g_uri_get_path (uri) : "?";

  /* a paused request whose client hung up ends here, before its answer */
  g_object_set_data (G_OBJECT (msg), FINISHED_KEY, GINT_TO_POINTER (TRUE));
  if (hn_log_would_drop (level, G_LOG_DOMAIN))
    return;

  /* One journal field a line. */
  /* clang-format off */
  g_log_structured (G_LOG_DOMAIN, level,
                    "MESSAGE", "%s %s %u", soup_server_message_get_method (msg), path, status,
                    "HN_METHOD", "%s", soup_server_message_get_method (msg),
                    "HN_PATH", "%s", path,
                    "HN_STATUS", "%u", status,
                    "HN_DURATION_US", "%" G_GINT64_FORMAT, elapsed_us);
  /* clang-format on */
}

static void
dispatch (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
          gpointer user_data)
{
  Handler *handler = user_data;

  handler->func (handler->server, msg, path, query, handler->user_data);
  /* A handler that neither answered nor paused is a bug of ours; answer
   * rather than leave the client hanging. */
  /* (a WebSocket upgrade is answered by libsoup after the handler) */
  if (soup_server_message_get_status (msg) == 0 && !soup_server_message_is_options_ping (msg)
      && g_object_get_data (G_OBJECT (msg), PAUSED_KEY) == NULL
      && soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Upgrade")
             == NULL)
    {
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MESSAGE",
                        "handler for %s set no status", path);
      hn_http_respond_error_literal (msg, HN_ERROR_INTERNAL,
                                     _ ("The server failed to handle the request; the details "
                                        "are in its log."));
    }
}

static void
handle_healthz (HnServer *self, SoupServerMessage *msg, const char *path, GHashTable *query,
                gpointer user_data)
{
  g_autoptr (JsonBuilder) builder = NULL;
  g_autoptr (JsonNode) root = NULL;
  const char *method = soup_server_message_get_method (msg);

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    {
      hn_http_respond_method_not_allowed (msg, "GET, HEAD");
      return;
    }
  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, "ok");
  json_builder_set_member_name (builder, "service");
  json_builder_add_string_value (builder, self->service);
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, PACKAGE_VERSION);
  json_builder_set_member_name (builder, "uptime_seconds");
  json_builder_add_int_value (builder,
                              (g_get_monotonic_time () - self->started_us) / G_USEC_PER_SEC);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  hn_http_respond_json (msg, SOUP_STATUS_OK, root);
}

static void
handle_unknown (HnServer *self, SoupServerMessage *msg, const char *path, GHashTable *query,
                gpointer user_data)
{
  g_autofree char *text = g_strdup_printf (_ ("There is no resource at %s."), path);

  hn_http_respond_error_literal (msg, HN_ERROR_NOT_FOUND, text);
}

/* hoinghi accepts connections itself and hands them to libsoup, because
 * libsoup 3.2.3's own listener (Debian 12) never frees the sockets it
 * accepts: about 2 KB per connection, without bound in a daemon that runs
 * for months.  A SoupServer without listeners closes each connection
 * after its request, which is also the cure for its second leak (idle
 * keep-alive connections closed by the client); both are fixed upstream
 * in 3.3. */
static gboolean
on_incoming (GSocketService *service, GSocketConnection *connection, GObject *source,
             gpointer user_data)
{
  HnServer *self = HN_SERVER (user_data);
  g_autoptr (GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr (GError) error = NULL;

  if (!soup_server_accept_iostream (self->soup, G_IO_STREAM (connection), local, remote, &error))
    g_debug ("refused a connection: %s", error->message);
  return TRUE;
}

static void
stop_listening (HnServer *self)
{
  if (self->listener != NULL)
    {
      g_socket_service_stop (self->listener);
      g_socket_listener_close (G_SOCKET_LISTENER (self->listener));
      g_clear_object (&self->listener);
    }
}

static void
hn_server_dispose (GObject *object)
{
  HnServer *self = HN_SERVER (object);

  stop_listening (self);
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (hn_server_parent_class)->dispose (object);
}

static void
hn_server_finalize (GObject *object)
{
  HnServer *self = HN_SERVER (object);

  g_free (self->service);
  g_free (self->host);

  G_OBJECT_CLASS (hn_server_parent_class)->finalize (object);
}

static void
hn_server_class_init (HnServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hn_server_dispose;
  object_class->finalize = hn_server_finalize;
}

static void
hn_server_init (HnServer *self)
{
  self->started_us = g_get_monotonic_time ();
}

/**
 * hn_server_new:
 * @service: the service's name, reported by /healthz
 * @max_body_bytes: the largest request body accepted (413 above it)
 *
 * Returns: (transfer full): a server with /healthz and a JSON 404 for
 *   every other path until handlers are added.
 */
HnServer *
hn_server_new (const char *service, gsize max_body_bytes)
{
  HnServer *self;

  g_return_val_if_fail (service != NULL, NULL);
  g_return_val_if_fail (max_body_bytes > 0, NULL);

  self = g_object_new (HN_TYPE_SERVER, NULL);
  self->service = g_strdup (service);
  self->max_body_bytes = max_body_bytes;
  self->soup = soup_server_new ("server-header", NULL, NULL);
  g_signal_connect_object (self->soup, "request-started", G_CALLBACK (on_request_started), self, 0);
  g_signal_connect_object (self->soup, "request-finished", G_CALLBACK (on_request_finished), self,
                           0);
  g_signal_connect_object (self->soup, "request-aborted", G_CALLBACK (on_request_finished), self,
                           0);
  hn_server_add_handler (self, "/", handle_unknown, NULL, NULL);
  hn_server_add_handler (self, "/healthz", handle_healthz, NULL, NULL);
  return self;
}

/**
 * hn_server_add_handler:
 * @self: a #HnServer
 * @path: the path prefix the handler serves (libsoup's matching rules)
 * @func: the handler
 * @user_data: (nullable): passed to @func
 * @destroy: (nullable): frees @user_data with the server
 */
void
hn_server_add_handler (HnServer *self, const char *path, HnRequestFunc func, gpointer user_data,
                       GDestroyNotify destroy)
{
  Handler *handler;

  g_return_if_fail (HN_IS_SERVER (self));
  g_return_if_fail (path != NULL && func != NULL);

  handler = g_new0 (Handler, 1);
  handler->server = self;
  handler->func = func;
  handler->user_data = user_data;
  handler->destroy = destroy;
  soup_server_add_handler (self->soup, path, dispatch, handler, handler_free);
}

static void
mark_finished (SoupServerMessage *msg)
{
  g_object_set_data (G_OBJECT (msg), FINISHED_KEY, GINT_TO_POINTER (TRUE));
}

/**
 * hn_server_pause:
 * @msg: a request a handler will answer later
 *
 * soup_server_message_pause(), and a mark telling HnServer that a handler
 * which returned without a status did not forget to answer.
 */
void
hn_server_pause (SoupServerMessage *msg)
{
  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));

  g_object_set_data (G_OBJECT (msg), PAUSED_KEY, GINT_TO_POINTER (TRUE));
  /* A server shutting down drops its connections without finishing their
   * messages; the answer that comes later must know. */
  g_signal_connect (msg, "disconnected", G_CALLBACK (mark_finished), NULL);
  soup_server_message_pause (msg);
}

/**
 * hn_server_message_is_finished:
 * @msg: a paused request
 *
 * A handler that answers later must check this first: libsoup refuses to
 * unpause a message whose client already hung up.
 *
 * Returns: whether the request is over (answered or aborted).
 */
gboolean
hn_server_message_is_finished (SoupServerMessage *msg)
{
  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), TRUE);

  return g_object_get_data (G_OBJECT (msg), FINISHED_KEY) != NULL;
}

/**
 * hn_server_listen:
 * @self: a #HnServer
 * @host: an IP address
 * @port: the port, or 0 for any free one (see hn_server_get_port())
 * @error: what went wrong and what to do, in one sentence
 *
 * Returns: whether the server now listens.
 */
gboolean
hn_server_listen (HnServer *self, const char *host, guint16 port, GError **error)
{
  g_autoptr (GInetAddress) address = NULL;
  g_autoptr (GSocketAddress) socket_address = NULL;
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GSocketService) listener = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (HN_IS_SERVER (self), FALSE);
  g_return_val_if_fail (host != NULL, FALSE);
  g_return_val_if_fail (self->listener == NULL, FALSE);

  address = g_inet_address_new_from_string (host);
  if (address == NULL)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG, _ ("“%s” is not an IP address."), host);
      return FALSE;
    }
  socket_address = g_inet_socket_address_new (address, port);
  listener = g_socket_service_new ();
  /* GLib's default backlog of 10 refuses a burst of sites joining at once */
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (listener), SOMAXCONN);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (listener), socket_address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &effective,
                                      &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        g_set_error (error, HN_ERROR, HN_ERROR_CONFIG,
                     _ ("port %u on %s is already in use: stop the program using it or choose "
                        "another with --listen HOST:PORT"),
                     port, host);
      else
        g_set_error (error, HN_ERROR, HN_ERROR_CONFIG,
                     _ ("cannot listen on %s port %u: %s; choose another address with "
                        "--listen HOST:PORT"),
                     host, port, local_error->message);
      return FALSE;
    }
  g_signal_connect_object (listener, "incoming", G_CALLBACK (on_incoming), self, 0);
  g_socket_service_start (listener);

  self->listener = g_steal_pointer (&listener);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_free (self->host);
  self->host = g_strdup (host);
  return TRUE;
}

/**
 * hn_server_disconnect:
 * @self: a #HnServer
 *
 * Closes the listening socket and every client connection.
 */
void
hn_server_disconnect (HnServer *self)
{
  g_return_if_fail (HN_IS_SERVER (self));

  stop_listening (self);
  soup_server_disconnect (self->soup);
}

/**
 * hn_server_get_soup_server:
 * @self: a #HnServer
 *
 * For what the shared layer does not cover, e.g. WebSocket handlers.
 *
 * Returns: (transfer none): the underlying #SoupServer.
 */
SoupServer *
hn_server_get_soup_server (HnServer *self)
{
  g_return_val_if_fail (HN_IS_SERVER (self), NULL);
  return self->soup;
}

/**
 * hn_server_get_port:
 * @self: a listening #HnServer
 *
 * Returns: the port the server listens on.
 */
guint16
hn_server_get_port (HnServer *self)
{
  g_return_val_if_fail (HN_IS_SERVER (self), 0);
  return self->port;
}

/**
 * hn_server_get_url:
 * @self: a listening #HnServer
 *
 * Returns: (transfer full): the base URL, e.g. "http://127.0.0.1:8080".
 */
char *
hn_server_get_url (HnServer *self)
{
  g_return_val_if_fail (HN_IS_SERVER (self), NULL);
  g_return_val_if_fail (self->host != NULL, NULL);

  if (strchr (self->host, ':') != NULL)
    return g_strdup_printf ("http://[%s]:%u", self->host, self->port);
  return g_strdup_printf ("http://%s:%u", self->host, self->port);
}

/**
 * hn_server_get_max_body_bytes:
 * @self: a #HnServer
 *
 * Returns: the request-body limit.
 */
gsize
hn_server_get_max_body_bytes (HnServer *self)
{
  g_return_val_if_fail (HN_IS_SERVER (self), 0);
  return self->max_body_bytes;
}
