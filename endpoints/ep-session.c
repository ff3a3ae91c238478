/* ep-session.c: a site in a room, the site side of docs/SIGNALLING.md.
 *
 * One WebSocket to the mcu's /ws at a time.  The site sends join, takes the
 * mcu's offer into an EpMedia and sends back its answer; candidates
 * trickle both ways.  When the socket closes or cannot be opened, the
 * media session goes and the site connects again after a pause that
 * doubles from 0.5 s to 10 s and starts over after a join.  Only a
 * `bye` for a kick, a closed room or our own leave, and a refused join
 * (no-room, bad-token, room-locked, room-full) end the session for good.
 *
 * Everything runs in the main context; EpMedia hands over what its
 * threads learn.
 */
#define G_LOG_DOMAIN "hoinghi-endpoint"

#include "config.h"

#include <libsoup/soup.h>

#include "ep-media.h"
#include "ep-session.h"
#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-http.h"
#include "libhoinghi/hn-i18n.h"

#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS 10000
/* A ping every 10 s after the join; an mcu silent for 30 s is gone. */
#define KEEPALIVE_SECONDS 10
#define SILENCE_LIMIT_SECONDS 30
/* How long to wait for the mcu's bye and close before letting go. */
#define BYE_WAIT_MS 2000

enum
{
  SIGNAL_JOINED,
  SIGNAL_MCU_ERROR,
  SIGNAL_PROBLEM,
  SIGNAL_ENDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  guint mline_index;
  char *candidate;
} PendingCandidate;

struct _EpSession
{
  GObject parent_instance;

  /* configuration */
  char *ws_uri;
  char *room;
  char *token;
  char *name;
  char *unit;
  char *tier;

  GStrv ice_addresses;
  EpMediaConfig media_config; /* its ice_addresses are ours, its analysers owned */
  guint connect_timeout;

  SoupSession *http;

  /* the current connection */
  GCancellable *connecting;
  guint connect_timer;
  gboolean connect_timed_out;
  SoupWebsocketConnection *ws;
  EpMedia *media;
  GArray *pending_candidates; /* PendingCandidate, before the offer */
  gboolean joined;
  gboolean mcu_stopping;
  gboolean closing; /* by us */
  gint64 last_heard_us;
  guint keepalive_timer;
  guint bye_timer;

  guint reconnect_timer;
  guint backoff_ms;
  guint backoff_before_join;

  char *participant;
  gboolean joined_before;
  guint reconnects;

  gboolean leaving;
  gboolean has_end;
  EpSessionEnd end;
  gboolean ended;
};

G_DEFINE_FINAL_TYPE (EpSession, ep_session, G_TYPE_OBJECT)

static void connect_to_mcu (EpSession *self);

static void
pending_candidate_clear (gpointer data)
{
  PendingCandidate *pending = data;

  g_free (pending->candidate);
}

/* ---- sending ---- */

static void
send_simple (EpSession *self, const char *type)
{
  g_autoptr (JsonBuilder) builder = hn_json_message_begin (type);

  hn_websocket_send_message (self->ws, builder);
}

static void
send_join (EpSession *self)
{
  g_autoptr (JsonBuilder) builder = hn_json_message_begin ("join");
  gint64 now = g_get_monotonic_time ();

  json_builder_set_member_name (builder, "room");
  json_builder_add_string_value (builder, self->room);
  json_builder_set_member_name (builder, "token");
  json_builder_add_string_value (builder, self->token);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, self->name);
  if (self->unit != NULL)
    {
      json_builder_set_member_name (builder, "unit");
      json_builder_add_string_value (builder, self->unit);
    }
  if (self->tier != NULL)
    {
      json_builder_set_member_name (builder, "tier");
      json_builder_add_string_value (builder, self->tier);
    }
  if (self->media_config.analyser != NULL)
    ep_analyser_mark_start (self->media_config.analyser, now);
  if (self->media_config.video_analyser != NULL)
    ep_video_analyser_mark_start (self->media_config.video_analyser, now);
  hn_websocket_send_message (self->ws, builder);
}

static void
on_media_answer (EpMedia *media, const char *sdp, gpointer user_data)
{
  EpSession *self = user_data;
  g_autoptr (JsonBuilder) builder = hn_json_message_begin ("answer");

  json_builder_set_member_name (builder, "sdp");
  json_builder_add_string_value (builder, sdp);
  hn_websocket_send_message (self->ws, builder);
}

static void
on_media_candidate (EpMedia *media, guint mline_index, const char *candidate, gpointer user_data)
{
  EpSession *self = user_data;
  g_autoptr (JsonBuilder) builder = hn_json_message_begin ("candidate");

  json_builder_set_member_name (builder, "candidate");
  json_builder_add_string_value (builder, candidate);
  json_builder_set_member_name (builder, "sdpMLineIndex");
  json_builder_add_int_value (builder, mline_index);
  hn_websocket_send_message (self->ws, builder);
}

/* ---- the end of a connection ---- */

static void
teardown_connection (EpSession *self)
{
  g_clear_handle_id (&self->connect_timer, g_source_remove);
  g_clear_handle_id (&self->keepalive_timer, g_source_remove);
  g_clear_handle_id (&self->bye_timer, g_source_remove);
  if (self->connecting != NULL)
    g_cancellable_cancel (self->connecting);
  g_clear_object (&self->connecting);
  if (self->media != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->media, self);
      ep_media_stop (self->media);
      g_clear_object (&self->media);
    }
  g_array_set_size (self->pending_candidates, 0);
  if (self->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->ws, self);
      if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_clear_object (&self->ws);
    }
  self->joined = FALSE;
  self->mcu_stopping = FALSE;
  self->closing = FALSE;
}

static void
finish (EpSession *self)
{
  teardown_connection (self);
  g_clear_handle_id (&self->reconnect_timer, g_source_remove);
  if (self->ended)
    return;
  self->ended = TRUE;
  g_signal_emit (self, signals[SIGNAL_ENDED], 0, (int) self->end);
}

static gboolean
on_reconnect_timer (gpointer user_data)
{
  EpSession *self = user_data;

  self->reconnect_timer = 0;
  connect_to_mcu (self);
  return G_SOURCE_REMOVE;
}

/* The connection is gone (or never came): end, or try again later. */
static void
connection_lost (EpSession *self, const char *why)
{
  g_autofree char *text = NULL;
  guint delay = self->backoff_ms;

  teardown_connection (self);
  if (self->has_end || self->leaving)
    {
      finish (self);
      return;
    }
  /* TRANSLATORS: "<why the connection is gone>; reconnecting in 0.5 s" */
  text = g_strdup_printf (_ ("%s; reconnecting in %.1f s"), why, delay / 1000.0);
  g_signal_emit (self, signals[SIGNAL_PROBLEM], 0, text);
  self->backoff_ms = MIN (self->backoff_ms * 2, BACKOFF_MAX_MS);
  self->reconnect_timer = g_timeout_add (delay, on_reconnect_timer, self);
}

static gboolean
on_bye_timer (gpointer user_data)
{
  EpSession *self = user_data;

  self->bye_timer = 0;
  g_debug ("no close from the mcu within %d ms", BYE_WAIT_MS);
  connection_lost (self, _ ("The mcu did not close the connection"));
  return G_SOURCE_REMOVE;
}

/* Asks the mcu to close and gives it BYE_WAIT_MS. */
static void
close_connection (EpSession *self)
{
  self->closing = TRUE;
  if (self->ws != NULL
      && soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  if (self->bye_timer == 0)
    self->bye_timer = g_timeout_add (BYE_WAIT_MS, on_bye_timer, self);
}

static void
on_media_failed (EpMedia *media, const char *message, gpointer user_data)
{
  EpSession *self = user_data;

  /* A join whose media fails (no microphone, say) was no success: the
   * pause keeps growing, or the site would rejoin the room twice a second. */
  self->backoff_ms = MAX (self->backoff_ms, self->backoff_before_join);
  g_signal_emit (self, signals[SIGNAL_PROBLEM], 0, message);
  close_connection (self);
}

static void
on_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  EpSession *self = user_data;
  g_autoptr (SoupWebsocketConnection) keep = g_object_ref (ws);
  g_autofree char *why = NULL;

  g_debug ("the mcu closed the connection: %u %s", soup_websocket_connection_get_close_code (ws),
           soup_websocket_connection_get_close_data (ws));
  if (self->closing)
    why = g_strdup (_ ("Disconnected from the mcu"));
  else if (self->mcu_stopping)
    why = g_strdup (_ ("The mcu is restarting"));
  else
    why = g_strdup_printf (_ ("The mcu closed the connection (%u)"),
                           soup_websocket_connection_get_close_code (ws));
  connection_lost (self, why);
}

/* ---- receiving ---- */

static void
handle_joined (EpSession *self, JsonObject *message)
{
  const char *participant = json_object_get_string_member_with_default (message, "participant", "");

  g_free (self->participant);
  self->participant = g_strdup (participant);
  self->joined = TRUE;
  self->backoff_before_join = self->backoff_ms;
  self->backoff_ms = BACKOFF_FIRST_MS;
  if (self->joined_before)
    self->reconnects++;
  self->joined_before = TRUE;
  g_debug ("joined room %s as %s", self->room, participant);
  g_signal_emit (self, signals[SIGNAL_JOINED], 0, participant);
}

static void
handle_offer (EpSession *self, JsonObject *message)
{
  const char *sdp = json_object_get_string_member_with_default (message, "sdp", NULL);
  g_autoptr (GError) error = NULL;

  if (self->media != NULL)
    {
      g_debug ("a second offer: ignored, the protocol has one");
      return;
    }
  if (sdp == NULL)
    {
      g_signal_emit (self, signals[SIGNAL_PROBLEM], 0, _ ("The mcu's offer is not SDP."));
      close_connection (self);
      return;
    }
  self->media = ep_media_new (&self->media_config);
  g_signal_connect (self->media, "answer", G_CALLBACK (on_media_answer), self);
  g_signal_connect (self->media, "ice-candidate", G_CALLBACK (on_media_candidate), self);
  g_signal_connect (self->media, "failed", G_CALLBACK (on_media_failed), self);
  if (!ep_media_start (self->media, sdp, &error))
    {
      g_signal_emit (self, signals[SIGNAL_PROBLEM], 0, error->message);
      close_connection (self);
      return;
    }
  for (guint i = 0; i < self->pending_candidates->len; i++)
    {
      PendingCandidate *pending = &g_array_index (self->pending_candidates, PendingCandidate, i);

      ep_media_add_ice_candidate (self->media, pending->mline_index, pending->candidate);
    }
  g_array_set_size (self->pending_candidates, 0);
}

static void
handle_layout (EpSession *self, JsonNode *message)
{
  g_autoptr (GError) error = NULL;

  /* Only the check looks at the layout: a window shows the names the mcu
   * writes into the picture. */
  if (self->media_config.video_analyser != NULL
      && !ep_video_analyser_set_layout (self->media_config.video_analyser, message, &error))
    g_debug ("a layout that is not one: %s", error->message);
}

static void
handle_candidate (EpSession *self, JsonObject *message)
{
  const char *candidate = json_object_get_string_member_with_default (message, "candidate", NULL);
  gint64 mline = json_object_get_int_member_with_default (message, "sdpMLineIndex", -1);
  PendingCandidate pending;

  if (candidate == NULL || mline < 0 || mline > G_MAXUINT)
    {
      g_debug ("a candidate without candidate or sdpMLineIndex: ignored");
      return;
    }
  if (self->media != NULL)
    {
      ep_media_add_ice_candidate (self->media, (guint) mline, candidate);
      return;
    }
  pending.mline_index = (guint) mline;
  pending.candidate = g_strdup (candidate);
  g_array_append_val (self->pending_candidates, pending);
}

static gboolean
is_final_error (const char *code)
{
  static const char *const final[] = { "no-room", "bad-token", "room-locked", "room-full", NULL };

  return g_strv_contains (final, code);
}

static void
handle_error (EpSession *self, JsonObject *message)
{
  const char *code = json_object_get_string_member_with_default (message, "code", "?");
  const char *text = json_object_get_string_member_with_default (message, "message", "");

  g_signal_emit (self, signals[SIGNAL_MCU_ERROR], 0, code, text);
  if (is_final_error (code))
    {
      self->has_end = TRUE;
      self->end = EP_SESSION_END_REFUSED;
      close_connection (self);
    }
}

static void
handle_bye (EpSession *self, JsonObject *message)
{
  const char *reason = json_object_get_string_member_with_default (message, "reason", "");

  g_debug ("bye: %s", reason);
  if (g_str_equal (reason, "mcu-stopping"))
    self->mcu_stopping = TRUE;
  else if (!self->has_end
           && (g_str_equal (reason, "kicked") || g_str_equal (reason, "room-closed")
               || g_str_equal (reason, "left")))
    {
      self->has_end = TRUE;
      if (g_str_equal (reason, "kicked"))
        self->end = EP_SESSION_END_KICKED;
      else if (g_str_equal (reason, "room-closed"))
        self->end = EP_SESSION_END_ROOM_CLOSED;
      else
        self->end = EP_SESSION_END_LEFT;
    }
  /* The mcu closes the socket next; on_closed() goes on from there. */
  if (self->bye_timer == 0)
    self->bye_timer = g_timeout_add (BYE_WAIT_MS, on_bye_timer, self);
}

static void
on_message (SoupWebsocketConnection *ws, int data_type, GBytes *bytes, gpointer user_data)
{
  EpSession *self = user_data;
  g_autoptr (SoupWebsocketConnection) keep = g_object_ref (ws);
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);
  JsonNode *root;
  JsonObject *message;
  const char *type;

  self->last_heard_us = g_get_monotonic_time ();
  if (data_type != SOUP_WEBSOCKET_DATA_TEXT
      || !json_parser_load_from_data (parser, data, length, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_debug ("a message from the mcu that is not a JSON object: ignored");
      return;
    }
  message = json_node_get_object (root);
  type = json_object_get_string_member_with_default (message, "type", "");
  g_debug ("mcu: %s", type);

  if (g_str_equal (type, "joined"))
    handle_joined (self, message);
  else if (g_str_equal (type, "offer"))
    handle_offer (self, message);
  else if (g_str_equal (type, "candidate"))
    handle_candidate (self, message);
  else if (g_str_equal (type, "error"))
    handle_error (self, message);
  else if (g_str_equal (type, "bye"))
    handle_bye (self, message);
  else if (g_str_equal (type, "layout"))
    handle_layout (self, root);
  /* participant-joined, participant-left, muted, talking, pong and types
   * of newer mcus: nothing for the endpoint to do. */
}

static gboolean
on_keepalive (gpointer user_data)
{
  EpSession *self = user_data;

  if (g_get_monotonic_time () - self->last_heard_us > SILENCE_LIMIT_SECONDS * G_USEC_PER_SEC)
    {
      g_autofree char *why
          = g_strdup_printf (_ ("The mcu has not answered for %d s"), SILENCE_LIMIT_SECONDS);

      self->keepalive_timer = 0;
      connection_lost (self, why);
      return G_SOURCE_REMOVE;
    }
  if (self->joined)
    send_simple (self, "ping");
  return G_SOURCE_CONTINUE;
}

/* ---- connecting ---- */

/* One connection attempt; stale once teardown_connection() gave up on it. */
typedef struct
{
  EpSession *self;
  GCancellable *cancellable;
} Attempt;

static gboolean
on_connect_timer (gpointer user_data)
{
  EpSession *self = user_data;

  self->connect_timer = 0;
  self->connect_timed_out = TRUE;
  g_cancellable_cancel (self->connecting);
  return G_SOURCE_REMOVE;
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Attempt *attempt = user_data;
  g_autoptr (EpSession) self = attempt->self;
  g_autoptr (GCancellable) cancellable = attempt->cancellable;
  g_autoptr (GError) error = NULL;
  g_autoptr (SoupWebsocketConnection) ws = NULL;
  g_autofree char *why = NULL;

  g_free (attempt);
  ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (cancellable != self->connecting)
    return;
  g_clear_handle_id (&self->connect_timer, g_source_remove);
  g_clear_object (&self->connecting);
  if (ws == NULL)
    {
      /* TRANSLATORS: "Cannot connect to ws://…/ws: Connection refused" */
      why = g_strdup_printf (_ ("Cannot connect to %s: %s"), self->ws_uri,
                             self->connect_timed_out ? _ ("no answer") : error->message);
      connection_lost (self, why);
      return;
    }
  self->ws = g_steal_pointer (&ws);
  g_signal_connect (self->ws, "message", G_CALLBACK (on_message), self);
  g_signal_connect (self->ws, "closed", G_CALLBACK (on_closed), self);
  self->last_heard_us = g_get_monotonic_time ();
  self->keepalive_timer = g_timeout_add_seconds (KEEPALIVE_SECONDS, on_keepalive, self);
  g_debug ("connected to %s", self->ws_uri);
  send_join (self);
}

static void
connect_to_mcu (EpSession *self)
{
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, self->ws_uri);
  Attempt *attempt = g_new0 (Attempt, 1);

  g_assert (self->ws == NULL && self->connecting == NULL);
  self->connecting = g_cancellable_new ();
  self->connect_timed_out = FALSE;
  self->connect_timer = g_timeout_add_seconds (self->connect_timeout, on_connect_timer, self);
  attempt->self = g_object_ref (self);
  attempt->cancellable = g_object_ref (self->connecting);
  soup_session_websocket_connect_async (self->http, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        self->connecting, on_connected, attempt);
}

/* ---- the object ---- */

static void
ep_session_dispose (GObject *object)
{
  EpSession *self = EP_SESSION (object);

  teardown_connection (self);
  g_clear_handle_id (&self->reconnect_timer, g_source_remove);
  g_clear_object (&self->http);
  g_clear_object (&self->media_config.analyser);
  g_clear_object (&self->media_config.video_analyser);
  G_OBJECT_CLASS (ep_session_parent_class)->dispose (object);
}

static void
ep_session_finalize (GObject *object)
{
  EpSession *self = EP_SESSION (object);

  g_free (self->ws_uri);
  g_free (self->room);
  g_free (self->token);
  g_free (self->name);
  g_free (self->unit);
  g_free (self->tier);
  g_strfreev (self->ice_addresses);
  g_free (self->participant);
  g_array_unref (self->pending_candidates);
  G_OBJECT_CLASS (ep_session_parent_class)->finalize (object);
}

static void
ep_session_class_init (EpSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ep_session_dispose;
  object_class->finalize = ep_session_finalize;

  /**
   * EpSession::joined:
   * @participant: the site's id in the room
   *
   * The mcu let the site in: at the first connection and after each reconnection.
   */
  signals[SIGNAL_JOINED] = g_signal_new ("joined", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * EpSession::mcu-error:
   * @code: the error's code, e.g. "bad-token"
   * @message: the mcu's message
   *
   * The mcu sent an `error`.
   */
  signals[SIGNAL_MCU_ERROR]
      = g_signal_new ("mcu-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * EpSession::problem:
   * @message: what went wrong and what happens next, for the technician
   *
   * The connection or the media failed; the session reconnects unless it ends.
   */
  signals[SIGNAL_PROBLEM] = g_signal_new ("problem", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * EpSession::ended:
   * @end: an #EpSessionEnd
   *
   * The session is over and will not reconnect; emitted once.
   */
  signals[SIGNAL_ENDED] = g_signal_new ("ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
}

static void
ep_session_init (EpSession *self)
{
  self->backoff_ms = BACKOFF_FIRST_MS;
  self->pending_candidates = g_array_new (FALSE, FALSE, sizeof (PendingCandidate));
  g_array_set_clear_func (self->pending_candidates, pending_candidate_clear);
  /* No timeout of the session's own: it would apply to the open socket
   * too.  Connection attempts have theirs (connect_timeout). */
  self->http = hn_http_session_new (0);
}

/**
 * ep_session_websocket_uri:
 * @mcu_url: the mcu's base address, e.g. "http://127.0.0.1:8443"
 * @error: why @mcu_url is not an mcu's address
 *
 * Returns: (transfer full) (nullable): the address of the mcu's
 *   signalling, e.g. "ws://127.0.0.1:8443/ws" (wss:// for https://).
 */
char *
ep_session_websocket_uri (const char *mcu_url, GError **error)
{
  g_autoptr (GUri) base = NULL;
  g_autoptr (GUri) ws = NULL;
  const char *scheme;
  gboolean secure;
  int port;

  g_return_val_if_fail (mcu_url != NULL, NULL);

  base = g_uri_parse (mcu_url, SOUP_HTTP_URI_FLAGS, NULL);
  scheme = base != NULL ? g_uri_get_scheme (base) : NULL;
  if (base == NULL || g_uri_get_host (base) == NULL || *g_uri_get_host (base) == '\0'
      || (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG,
                   _ ("“%s” is not an mcu address: write e.g. http://127.0.0.1:8443"), mcu_url);
      return NULL;
    }
  secure = g_str_equal (scheme, "https");
  port = g_uri_get_port (base);
  if (port == (secure ? 443 : 80))
    port = -1;
  ws = g_uri_build (G_URI_FLAGS_NONE, secure ? "wss" : "ws", NULL, g_uri_get_host (base), port,
                    "/ws", NULL, NULL);
  return g_uri_to_string (ws);
}

/**
 * ep_session_mcu_is_loopback:
 * @mcu_url: the mcu's base address
 *
 * Returns: %TRUE if the mcu's host is "localhost" or a loopback address.
 */
gboolean
ep_session_mcu_is_loopback (const char *mcu_url)
{
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GInetAddress) address = NULL;
  const char *host;

  g_return_val_if_fail (mcu_url != NULL, FALSE);

  uri = g_uri_parse (mcu_url, SOUP_HTTP_URI_FLAGS, NULL);
  host = uri != NULL ? g_uri_get_host (uri) : NULL;
  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/**
 * ep_session_new:
 * @config: what the session is; copied
 * @error: why @config's mcu address is wrong
 *
 * Returns: (transfer full) (nullable): a session that has not connected yet.
 */
EpSession *
ep_session_new (const EpSessionConfig *config, GError **error)
{
  static const char *const loopback[] = { "127.0.0.1", NULL };
  g_autoptr (EpSession) self = NULL;
  g_autofree char *ws_uri = NULL;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (config->mcu_url != NULL && config->room != NULL && config->token != NULL
                            && config->name != NULL,
                        NULL);
  g_return_val_if_fail (config->media.analyser == NULL || EP_IS_ANALYSER (config->media.analyser),
                        NULL);
  g_return_val_if_fail (config->media.video_analyser == NULL
                            || EP_IS_VIDEO_ANALYSER (config->media.video_analyser),
                        NULL);

  ws_uri = ep_session_websocket_uri (config->mcu_url, error);
  if (ws_uri == NULL)
    return NULL;
  self = g_object_new (EP_TYPE_SESSION, NULL);
  self->ws_uri = g_steal_pointer (&ws_uri);
  self->room = g_strdup (config->room);
  self->token = g_strdup (config->token);
  self->name = g_strdup (config->name);
  self->unit = g_strdup (config->unit);
  self->tier = g_strdup (config->tier);
  if (config->media.ice_addresses != NULL)
    self->ice_addresses = g_strdupv ((char **) config->media.ice_addresses);
  else if (ep_session_mcu_is_loopback (config->mcu_url))
    self->ice_addresses = g_strdupv ((char **) loopback);
  self->media_config = config->media;
  self->media_config.ice_addresses = (const char *const *) self->ice_addresses;
  if (config->media.analyser != NULL)
    g_object_ref (config->media.analyser);
  if (config->media.video_analyser != NULL)
    g_object_ref (config->media.video_analyser);
  self->connect_timeout = MAX (config->connect_timeout, 1);
  return g_steal_pointer (&self);
}

/**
 * ep_session_start:
 * @self: a new session
 *
 * Connects to the mcu and joins the room; from then on the session
 * reconnects by itself until it ends (#EpSession::ended).
 */
void
ep_session_start (EpSession *self)
{
  g_return_if_fail (EP_IS_SESSION (self));
  g_return_if_fail (self->ws == NULL && self->connecting == NULL && !self->ended);

  connect_to_mcu (self);
}

/**
 * ep_session_leave:
 * @self: a session
 *
 * Leaves the room: sends `leave` and waits briefly for the mcu's `bye`,
 * or gives up connecting.  #EpSession::ended follows with
 * %EP_SESSION_END_LEFT (unless the session ended otherwise already).
 */
void
ep_session_leave (EpSession *self)
{
  g_return_if_fail (EP_IS_SESSION (self));

  if (self->ended || self->leaving)
    return;
  self->leaving = TRUE;
  if (!self->has_end)
    {
      self->has_end = TRUE;
      self->end = EP_SESSION_END_LEFT;
    }
  if (self->ws != NULL && self->joined)
    {
      send_simple (self, "leave");
      self->bye_timer = g_timeout_add (BYE_WAIT_MS, on_bye_timer, self);
    }
  else if (self->ws != NULL)
    close_connection (self);
  else
    finish (self);
}

/**
 * ep_session_get_participant:
 * @self: a session
 *
 * Returns: (nullable): the site's id in the room, from the last join.
 */
const char *
ep_session_get_participant (EpSession *self)
{
  g_return_val_if_fail (EP_IS_SESSION (self), NULL);
  return self->participant;
}

/**
 * ep_session_has_joined:
 * @self: a session
 *
 * Returns: %TRUE if the mcu let the site in at least once.
 */
gboolean
ep_session_has_joined (EpSession *self)
{
  g_return_val_if_fail (EP_IS_SESSION (self), FALSE);
  return self->joined_before;
}

/**
 * ep_session_get_reconnects:
 * @self: a session
 *
 * Returns: how many times the site joined again after losing its connection.
 */
guint
ep_session_get_reconnects (EpSession *self)
{
  g_return_val_if_fail (EP_IS_SESSION (self), 0);
  return self->reconnects;
}
