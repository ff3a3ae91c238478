/* hn-test-socket.c: a WebSocket client speaking JSON for tests.
 *
 * Messages are kept in arrival order; hn_test_socket_expect() takes the
 * first one of a type, running the main context until it comes, so a
 * test reads a conversation in the order it cares about.
 */
#include "config.h"

#include "libhoinghi/hn-http.h"

#include "hn-test-socket.h"

struct _HnTestSocket
{
  SoupSession *session;
  SoupWebsocketConnection *ws;
  GPtrArray *received; /* JsonObject, not yet taken */
  GPtrArray *seen;     /* the type of every message */
  gboolean closed;
};

static void
on_message (SoupWebsocketConnection *ws, SoupWebsocketDataType type, GBytes *message,
            gpointer user_data)
{
  HnTestSocket *socket = user_data;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;

  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (message, NULL),
                                             g_bytes_get_size (message), NULL));
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  g_ptr_array_add (socket->received, json_object_ref (json_node_get_object (root)));
  g_ptr_array_add (socket->seen, g_strdup (json_object_get_string_member_with_default (
                                     json_node_get_object (root), "type", "")));
}

static void
on_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  ((HnTestSocket *) user_data)->closed = TRUE;
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  SoupWebsocketConnection *ws
      = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);

  if (ws == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, ws, g_object_unref);
  g_object_unref (task);
}

/* Runs the main context until @done or @timeout_ms. */
static void
run_until (gboolean (*done) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * (gint64) 1000;

  while (!done (data) && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

static gboolean
task_done (gpointer data)
{
  return g_task_get_completed (data);
}

/**
 * hn_test_socket_connect:
 * @url: ws://…
 * @bearer: (nullable): an API key to send as Authorization: Bearer
 * @error: the connection or the upgrade failed
 *
 * Returns: (transfer full) (nullable): the connected socket
 */
HnTestSocket *
hn_test_socket_connect (const char *url, const char *bearer, GError **error)
{
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  HnTestSocket *socket = g_new0 (HnTestSocket, 1);
  GTask *task = g_task_new (NULL, NULL, NULL, NULL);

  socket->session = hn_http_session_new (10);
  socket->received = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  socket->seen = g_ptr_array_new_with_free_func (g_free);
  if (bearer != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", bearer, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  g_object_ref (task);
  soup_session_websocket_connect_async (socket->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_connected, task);
  run_until (task_done, task, 15000);
  socket->ws = g_task_propagate_pointer (task, error);
  g_object_unref (task);
  if (socket->ws == NULL)
    {
      hn_test_socket_free (socket);
      return NULL;
    }
  soup_websocket_connection_set_max_incoming_payload_size (socket->ws, 0);
  g_signal_connect (socket->ws, "message", G_CALLBACK (on_message), socket);
  g_signal_connect (socket->ws, "closed", G_CALLBACK (on_closed), socket);
  return socket;
}

/**
 * hn_test_socket_send:
 * @socket: a socket
 * @text: a text frame
 */
void
hn_test_socket_send (HnTestSocket *socket, const char *text)
{
  if (soup_websocket_connection_get_state (socket->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (socket->ws, text);
}

/**
 * hn_test_socket_send_bytes:
 * @socket: a socket
 * @type: text or binary
 * @data: (array length=length): the frame
 * @length: its length
 */
void
hn_test_socket_send_bytes (HnTestSocket *socket, SoupWebsocketDataType type, const void *data,
                           gsize length)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, length);

  if (soup_websocket_connection_get_state (socket->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_message (socket->ws, type, bytes);
}

typedef struct
{
  HnTestSocket *socket;
  const char *type;
  guint index;
} Wanted;

static gboolean
wanted_arrived (gpointer data)
{
  Wanted *wanted = data;

  for (guint i = 0; i < wanted->socket->received->len; i++)
    if (g_strcmp0 (json_object_get_string_member_with_default (wanted->socket->received->pdata[i],
                                                               "type", ""),
                   wanted->type)
        == 0)
      {
        wanted->index = i;
        return TRUE;
      }
  return FALSE;
}

/**
 * hn_test_socket_expect:
 * @socket: a socket
 * @type: the message type awaited
 * @timeout_ms: how long to wait
 *
 * Returns: (transfer full) (nullable): the first message of @type not yet
 *   taken, or %NULL when none came in time
 */
JsonObject *
hn_test_socket_expect (HnTestSocket *socket, const char *type, guint timeout_ms)
{
  Wanted wanted = { socket, type, G_MAXUINT };

  run_until (wanted_arrived, &wanted, timeout_ms);
  if (wanted.index == G_MAXUINT)
    return NULL;
  return g_ptr_array_steal_index (socket->received, wanted.index);
}

static gboolean
is_closed (gpointer data)
{
  return ((HnTestSocket *) data)->closed;
}

/**
 * hn_test_socket_wait_closed:
 * @socket: a socket
 * @timeout_ms: how long to wait
 *
 * Returns: whether the socket is closed
 */
gboolean
hn_test_socket_wait_closed (HnTestSocket *socket, guint timeout_ms)
{
  run_until (is_closed, socket, timeout_ms);
  return socket->closed;
}

/**
 * hn_test_socket_get_close_code:
 * @socket: a closed socket
 *
 * Returns: the close code the peer sent
 */
gushort
hn_test_socket_get_close_code (HnTestSocket *socket)
{
  return soup_websocket_connection_get_close_code (socket->ws);
}

/**
 * hn_test_socket_get_close_reason:
 * @socket: a closed socket
 *
 * Returns: (nullable): the close reason the peer sent
 */
const char *
hn_test_socket_get_close_reason (HnTestSocket *socket)
{
  return soup_websocket_connection_get_close_data (socket->ws);
}

/**
 * hn_test_socket_count:
 * @socket: a socket
 * @type: a message type
 *
 * Returns: how many messages of @type arrived so far, taken or not
 */
guint
hn_test_socket_count (HnTestSocket *socket, const char *type)
{
  guint count = 0;

  for (guint i = 0; i < socket->seen->len; i++)
    count += g_str_equal (socket->seen->pdata[i], type);
  return count;
}

/**
 * hn_test_socket_free:
 * @socket: a socket
 *
 * Closes (without waiting) and frees.
 */
void
hn_test_socket_free (HnTestSocket *socket)
{
  if (socket->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (socket->ws, socket);
      if (soup_websocket_connection_get_state (socket->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (socket->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_object_unref (socket->ws);
    }
  g_ptr_array_unref (socket->received);
  g_ptr_array_unref (socket->seen);
  g_object_unref (socket->session);
  g_free (socket);
}
