/* mcu-signalling.c: McuSignalling, the sites' WebSocket signalling (/ws).
 *
 * One session per socket, a small state machine: waiting for `join`,
 * joined (offer out, answer and candidates in), ended.  The protocol is
 * docs/SIGNALLING.md.  What happens in the room reaches the site through
 * the rooms' "event" signal, the same one the event stream forwards, so a
 * site and the panel never disagree.  A site that misbehaves gets an
 * `error` and, when it cannot go on, its socket closed (1008): nothing it
 * sends can touch another site's session.
 */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include <sodium.h>
#include <string.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-http.h"
#include "libhoinghi/hn-i18n.h"

#include "mcu-signalling.h"

#define MAX_NAME_CHARS 100
#define MAX_UNIT_CHARS 16
#define KEEPALIVE_S 10
#define DRAIN_US (1 * G_USEC_PER_SEC)

typedef enum
{
  SESSION_WAITING,
  SESSION_JOINED,
  SESSION_ENDED,
} SessionState;

typedef struct
{
  McuSignalling *owner;
  SoupWebsocketConnection *ws;
  SessionState state;
  char *room_id;
  char *participant_id;
  McuPeer *peer;
  gboolean offered;
  gboolean answered;
  gboolean monitor; /* a preview, joined with the API key */
  guint join_timeout;
  double tokens; /* the flood limit's bucket */
  gint64 refilled_at;
} Session;

struct _McuSignalling
{
  GObject parent_instance;

  McuRooms *rooms;
  McuSignallingLimits limits;
  char *monitor_key;   /* the control API's key, which previews need */
  GPtrArray *sessions; /* Session */
};

G_DEFINE_FINAL_TYPE (McuSignalling, mcu_signalling, G_TYPE_OBJECT)

static void
detach_peer (Session *session)
{
  if (session->peer != NULL)
    {
      g_signal_handlers_disconnect_by_data (session->peer, session);
      g_clear_object (&session->peer);
    }
}

/* The site is out of the room (it left, was kicked, the room closed):
 * say why and close. */
static void
say_bye (Session *session, const char *reason)
{
  g_autoptr (JsonBuilder) builder = hn_json_message_begin ("bye");

  session->state = SESSION_ENDED;
  detach_peer (session);
  json_builder_set_member_name (builder, "reason");
  json_builder_add_string_value (builder, reason);
  hn_websocket_send_message (session->ws, builder);
  if (soup_websocket_connection_get_state (session->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (session->ws,
                                     g_str_equal (reason, "mcu-stopping")
                                         ? SOUP_WEBSOCKET_CLOSE_GOING_AWAY
                                         : SOUP_WEBSOCKET_CLOSE_NORMAL,
                                     reason);
}

static void
send_error (Session *session, const char *code, const char *message)
{
  g_autoptr (JsonBuilder) builder = hn_json_message_begin ("error");

  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  hn_websocket_send_message (session->ws, builder);
}

/* A fatal error: the site is told, taken out of its room and closed. */
static void
fail (Session *session, const char *code, const char *message)
{
  gboolean joined = session->state == SESSION_JOINED;

  if (session->state == SESSION_ENDED)
    return;
  g_message ("signalling: %s: %s", code, message);
  send_error (session, code, message);
  session->state = SESSION_ENDED;
  detach_peer (session);
  if (joined)
    mcu_rooms_leave (session->owner->rooms, session->room_id, session->participant_id, code);
  if (soup_websocket_connection_get_state (session->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (session->ws, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, code);
}

static void
on_peer_offer (McuPeer *peer, const char *sdp, gpointer user_data)
{
  Session *session = user_data;
  g_autoptr (JsonBuilder) builder = hn_json_message_begin ("offer");

  json_builder_set_member_name (builder, "sdp");
  json_builder_add_string_value (builder, sdp);
  hn_websocket_send_message (session->ws, builder);
  session->offered = TRUE;
}

static void
on_peer_candidate (McuPeer *peer, guint mline, const char *candidate, gpointer user_data)
{
  Session *session = user_data;
  g_autoptr (JsonBuilder) builder = hn_json_message_begin ("candidate");

  json_builder_set_member_name (builder, "candidate");
  json_builder_add_string_value (builder, candidate);
  json_builder_set_member_name (builder, "sdpMLineIndex");
  json_builder_add_int_value (builder, mline);
  hn_websocket_send_message (session->ws, builder);
}

static void
on_peer_failed (McuPeer *peer, const char *message, gpointer user_data)
{
  fail (user_data, "media-failed", message);
}

/* The fields of a message: each of @names must be there with its type
 * ('s' string, 'b' boolean, 'i' integer ≥ 0), except those in @optional,
 * which may be left out; nothing else may be there. */
static gboolean
check_fields (JsonObject *object, const char *const *names, const char *types,
              const char *const *optional)
{
  g_autoptr (GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "type") && !g_strv_contains (names, l->data))
      return FALSE;
  for (guint i = 0; names[i] != NULL; i++)
    {
      JsonNode *node = json_object_get_member (object, names[i]);
      GType want = types[i] == 's'   ? G_TYPE_STRING
                   : types[i] == 'b' ? G_TYPE_BOOLEAN
                                     : G_TYPE_INT64;

      if (node == NULL && optional != NULL && g_strv_contains (optional, names[i]))
        continue;
      if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != want)
        return FALSE;
      if (want == G_TYPE_INT64 && json_node_get_int (node) < 0)
        return FALSE;
    }
  return TRUE;
}

/* The string member @name, or NULL when it is missing or not a string
 * (json-glib's own getters complain about the wrong kind of node). */
static const char *
string_member (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
valid_unit (const char *unit)
{
  gsize length = strlen (unit);

  if (length > MAX_UNIT_CHARS)
    return FALSE;
  for (const char *p = unit; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-')
      return FALSE;
  return TRUE;
}

static gboolean
valid_name (const char *name)
{
  glong length = g_utf8_strlen (name, -1);

  if (length < 1 || length > MAX_NAME_CHARS)
    return FALSE;
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

static const char *
join_error_code (const GError *error)
{
  static const char *const codes[] = {
    [MCU_JOIN_ERROR_BAD_TOKEN] = "bad-token",
    [MCU_JOIN_ERROR_LOCKED] = "room-locked",
    [MCU_JOIN_ERROR_FULL] = "room-full",
    [MCU_JOIN_ERROR_MEDIA] = "internal",
  };

  if (error->domain == MCU_JOIN_ERROR && (guint) error->code < G_N_ELEMENTS (codes))
    return codes[error->code];
  return "internal";
}

static void
send_joined (Session *session, McuParticipant *self)
{
  g_autoptr (JsonBuilder) builder = hn_json_message_begin ("joined");
  McuRoom *room = mcu_rooms_lookup (session->owner->rooms, session->room_id);
  GHashTableIter iter;
  gpointer value;

  json_builder_set_member_name (builder, "participant");
  json_builder_add_string_value (builder, self->id);
  json_builder_set_member_name (builder, "monitor");
  json_builder_add_boolean_value (builder, self->monitor);
  json_builder_set_member_name (builder, "room");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, room->id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, room->name);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "participants");
  json_builder_begin_array (builder);
  g_hash_table_iter_init (&iter, room->participants);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value != self)
      json_builder_add_value (builder, mcu_participant_to_json (value, FALSE));
  json_builder_end_array (builder);
  hn_websocket_send_message (session->ws, builder);
}

/* Where each site shows in the composite: the layout's members under
 * type "layout". */
static void
send_layout (Session *session, JsonNode *layout)
{
  g_autoptr (JsonBuilder) builder = hn_json_message_begin ("layout");
  JsonObject *object = json_node_get_object (layout);
  JsonObjectIter iter;
  const char *member;
  JsonNode *value;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &member, &value))
    {
      json_builder_set_member_name (builder, member);
      json_builder_add_value (builder, json_node_copy (value));
    }
  hn_websocket_send_message (session->ws, builder);
}

/* In: the session's media follows (offer, candidates), the site learns
 * who is there and where each shows. */
static void
start_session (Session *session, const char *room_id, McuParticipant *participant)
{
  McuRoom *room;
  g_autoptr (JsonNode) layout = NULL;

  g_clear_handle_id (&session->join_timeout, g_source_remove);
  session->state = SESSION_JOINED;
  session->room_id = g_strdup (room_id);
  session->participant_id = g_strdup (participant->id);
  session->peer = g_object_ref (participant->peer);
  g_signal_connect (session->peer, "offer", G_CALLBACK (on_peer_offer), session);
  g_signal_connect (session->peer, "candidate", G_CALLBACK (on_peer_candidate), session);
  g_signal_connect (session->peer, "failed", G_CALLBACK (on_peer_failed), session);
  send_joined (session, participant);
  room = mcu_rooms_lookup (session->owner->rooms, session->room_id);
  layout = mcu_room_layout_to_json (room);
  if (layout != NULL)
    send_layout (session, layout);
}

static void
handle_join (Session *session, JsonObject *object)
{
  const char *const names[] = { "room", "token", "name", "unit", "tier", NULL };
  const char *const optional[] = { "unit", "tier", NULL };
  McuVideoTier tier = MCU_VIDEO_TIER_720P;
  const char *name, *unit;
  g_autoptr (GError) error = NULL;
  McuParticipant *participant;

  if (session->state != SESSION_WAITING)
    {
      fail (session, "out-of-order", _ ("This session has already joined."));
      return;
    }
  if (!check_fields (object, names, "sssss", optional))
    {
      fail (session, "bad-message",
            _ ("join needs the strings room, token and name (and may have unit and tier), "
               "nothing else."));
      return;
    }
  if (json_object_has_member (object, "tier")
      && !mcu_video_tier_parse (string_member (object, "tier"), &tier))
    {
      fail (session, "bad-message", _ ("The tier must be 720p or 360p."));
      return;
    }
  name = string_member (object, "name");
  unit = json_object_has_member (object, "unit") ? string_member (object, "unit") : "";
  if (!valid_name (name) || !valid_unit (unit))
    {
      fail (session, "bad-message",
            _ ("The name must have 1 to 100 characters and the unit code up to 16 letters, "
               "digits and -."));
      return;
    }
  participant
      = mcu_rooms_join (session->owner->rooms, json_object_get_string_member (object, "room"),
                        json_object_get_string_member (object, "token"), name, unit, tier, &error);
  if (participant == NULL)
    {
      fail (session, join_error_code (error), error->message);
      return;
    }
  start_session (session, json_object_get_string_member (object, "room"), participant);
}

/* {type: monitor, room, key, name?, tier?}: a preview of the room (the
 * technicians' panel), let in with the control API's key. */
static void
handle_monitor (Session *session, JsonObject *object)
{
  const char *const names[] = { "room", "key", "name", "tier", NULL };
  const char *const optional[] = { "name", "tier", NULL };
  McuVideoTier tier = MCU_VIDEO_TIER_360P;
  const char *key, *expected = session->owner->monitor_key;
  g_autoptr (GError) error = NULL;
  McuParticipant *monitor;

  if (session->state != SESSION_WAITING)
    {
      fail (session, "out-of-order", _ ("This session has already joined."));
      return;
    }
  if (!check_fields (object, names, "ssss", optional)
      || (json_object_has_member (object, "tier")
          && !mcu_video_tier_parse (string_member (object, "tier"), &tier)))
    {
      fail (session, "bad-message",
            _ ("monitor needs the strings room and key (and may have name and tier 720p or "
               "360p), nothing else."));
      return;
    }
  key = string_member (object, "key");
  if (expected == NULL || strlen (key) != strlen (expected)
      || sodium_memcmp (key, expected, strlen (expected)) != 0)
    {
      fail (session, "bad-key", _ ("Watching a room needs the control API's key."));
      return;
    }
  monitor = mcu_rooms_join_monitor (
      session->owner->rooms, string_member (object, "room"),
      json_object_has_member (object, "name") ? string_member (object, "name") : "monitor", tier,
      &error);
  if (monitor == NULL)
    {
      fail (session, error->domain == MCU_JOIN_ERROR ? "media-failed" : "not-found",
            error->message);
      return;
    }
  session->monitor = TRUE;
  start_session (session, string_member (object, "room"), monitor);
}

static void
handle_joined_message (Session *session, const char *type, JsonObject *object)
{
  g_autoptr (GError) error = NULL;

  if (g_str_equal (type, "answer"))
    {
      const char *const names[] = { "sdp", NULL };

      if (!session->offered || session->answered)
        fail (session, "out-of-order", _ ("An answer comes once, after the mcu's offer."));
      else if (!check_fields (object, names, "s", NULL))
        fail (session, "bad-message", _ ("answer needs the string sdp."));
      else if (!mcu_peer_set_answer (session->peer, json_object_get_string_member (object, "sdp"),
                                     &error))
        fail (session, "bad-sdp", error->message);
      else
        session->answered = TRUE;
    }
  else if (g_str_equal (type, "candidate"))
    {
      const char *const names[] = { "candidate", "sdpMLineIndex", NULL };

      if (!check_fields (object, names, "si", NULL))
        fail (session, "bad-message",
              _ ("candidate needs the string candidate and the integer sdpMLineIndex."));
      else if (!mcu_peer_add_candidate (
                   session->peer, json_object_get_int_member (object, "sdpMLineIndex"),
                   json_object_get_string_member (object, "candidate"), &error))
        send_error (session, "bad-candidate", error->message);
    }
  else if (g_str_equal (type, "mute"))
    {
      const char *const names[] = { "audio", NULL };

      if (!check_fields (object, names, "b", NULL))
        fail (session, "bad-message", _ ("mute needs the boolean audio."));
      else if (!mcu_rooms_mute (session->owner->rooms, session->room_id, session->participant_id,
                                json_object_get_boolean_member (object, "audio"), FALSE, &error))
        send_error (session, "muted-by-operator", error->message);
    }
  else if (g_str_equal (type, "leave"))
    {
      mcu_rooms_leave (session->owner->rooms, session->room_id, session->participant_id, "left");
      /* a site hears its own participant-left; a preview has none */
      if (session->monitor)
        say_bye (session, "left");
    }
}

static void
handle_message (Session *session, JsonObject *object)
{
  const char *type = string_member (object, "type");
  const char *const joined_types[] = { "answer", "candidate", "mute", "leave", NULL };

  if (type == NULL)
    fail (session, "bad-message", _ ("Every message needs a string type."));
  else if (g_str_equal (type, "join"))
    handle_join (session, object);
  else if (g_str_equal (type, "monitor"))
    handle_monitor (session, object);
  else if (g_str_equal (type, "ping"))
    {
      g_autoptr (JsonBuilder) builder = hn_json_message_begin ("pong");

      hn_websocket_send_message (session->ws, builder);
    }
  else if (g_strv_contains (joined_types, type))
    {
      if (session->state != SESSION_JOINED)
        fail (session, "out-of-order", _ ("Join the room first."));
      else
        handle_joined_message (session, type, object);
    }
  else
    {
      g_autofree char *text = g_strdup_printf (_ ("Unknown message type “%.40s”."), type);

      send_error (session, "unknown-type", text);
    }
}

/* A token bucket: max-messages-per-second, bursts of twice that. */
static gboolean
within_rate (Session *session)
{
  double rate = session->owner->limits.max_messages_per_second;
  gint64 now = g_get_monotonic_time ();

  session->tokens = MIN (
      2 * rate, session->tokens + (now - session->refilled_at) / (double) G_USEC_PER_SEC * rate);
  session->refilled_at = now;
  if (session->tokens < 1)
    return FALSE;
  session->tokens -= 1;
  return TRUE;
}

static void
on_message (SoupWebsocketConnection *ws, SoupWebsocketDataType type, GBytes *message,
            gpointer user_data)
{
  Session *session = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;

  if (session->state == SESSION_ENDED)
    return;
  if (!within_rate (session))
    {
      fail (session, "too-many-messages", _ ("Too many messages: slow down."));
      return;
    }
  if (type != SOUP_WEBSOCKET_DATA_TEXT
      || (node = hn_json_parse_body ("application/json", message, &error)) == NULL
      || !JSON_NODE_HOLDS_OBJECT (node))
    {
      fail (session, "bad-json", _ ("Each message must be one JSON object in a text frame."));
      return;
    }
  handle_message (session, json_node_get_object (node));
}

/* Our own event's member: there, and a string. */
static const char *
member_string (JsonObject *object, const char *name)
{
  const char *value = string_member (object, name);

  return value != NULL ? value : "";
}

/* What happens in the room, told to the site. */
static void
on_room_event (McuRooms *rooms, const char *type, const char *room_id, JsonNode *details,
               gpointer user_data)
{
  Session *session = user_data;
  JsonObject *object = json_node_get_object (details);
  JsonObject *participant;
  const char *id;
  g_autoptr (JsonBuilder) builder = NULL;

  if (session->state != SESSION_JOINED || !g_str_equal (room_id, session->room_id))
    return;
  if (g_str_equal (type, "layout-changed"))
    {
      send_layout (session, json_object_get_member (object, "layout"));
      return;
    }
  /* a preview has no participant-left of its own to hear it by */
  if (g_str_equal (type, "room-closed") && session->monitor)
    {
      say_bye (session, "room-closed");
      return;
    }
  if (!json_object_has_member (object, "participant"))
    return;
  participant = json_object_get_object_member (object, "participant");
  id = member_string (participant, "id");
  if (g_str_equal (type, "participant-left") && g_str_equal (id, session->participant_id))
    {
      say_bye (session, member_string (object, "reason"));
      return;
    }
  if (g_str_equal (type, "participant-joined"))
    {
      if (g_str_equal (id, session->participant_id))
        return;
      builder = hn_json_message_begin (type);
      json_builder_set_member_name (builder, "participant");
      json_builder_add_value (builder,
                              json_node_copy (json_object_get_member (object, "participant")));
    }
  else if (g_str_equal (type, "participant-left"))
    {
      builder = hn_json_message_begin (type);
      json_builder_set_member_name (builder, "participant");
      json_builder_add_string_value (builder, id);
      json_builder_set_member_name (builder, "reason");
      json_builder_add_string_value (builder, member_string (object, "reason"));
    }
  else if (g_str_equal (type, "muted") || g_str_equal (type, "unmuted"))
    {
      builder = hn_json_message_begin ("muted");
      json_builder_set_member_name (builder, "participant");
      json_builder_add_string_value (builder, id);
      json_builder_set_member_name (builder, "audio");
      json_builder_add_boolean_value (builder, g_str_equal (type, "muted"));
      json_builder_set_member_name (builder, "by");
      json_builder_add_string_value (builder, member_string (object, "by"));
    }
  else if (g_str_equal (type, "talking") || g_str_equal (type, "stopped-talking"))
    {
      builder = hn_json_message_begin ("talking");
      json_builder_set_member_name (builder, "participant");
      json_builder_add_string_value (builder, id);
      json_builder_set_member_name (builder, "talking");
      json_builder_add_boolean_value (builder, g_str_equal (type, "talking"));
    }
  else
    return;
  hn_websocket_send_message (session->ws, builder);
}

static void
session_free (Session *session)
{
  g_clear_handle_id (&session->join_timeout, g_source_remove);
  g_signal_handlers_disconnect_by_data (session->owner->rooms, session);
  g_signal_handlers_disconnect_by_data (session->ws, session);
  detach_peer (session);
  g_object_unref (session->ws);
  g_free (session->room_id);
  g_free (session->participant_id);
  g_free (session);
}

static void
on_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  Session *session = user_data;
  McuSignalling *self = session->owner;

  /* a site gone without a goodbye (its process killed, its link down) */
  if (session->state == SESSION_JOINED)
    {
      session->state = SESSION_ENDED;
      detach_peer (session);
      mcu_rooms_leave (self->rooms, session->room_id, session->participant_id, "disconnected");
    }
  g_ptr_array_remove (self->sessions, session);
}

static gboolean
on_join_timeout (gpointer user_data)
{
  Session *session = user_data;

  session->join_timeout = 0;
  fail (session, "join-timeout", _ ("No join came in time."));
  return G_SOURCE_REMOVE;
}

static void
on_socket (SoupServer *server, SoupServerMessage *msg, const char *path,
           SoupWebsocketConnection *ws, gpointer user_data)
{
  McuSignalling *self = MCU_SIGNALLING (user_data);
  Session *session = g_new0 (Session, 1);

  session->owner = self;
  session->ws = g_object_ref (ws);
  session->tokens = 2.0 * self->limits.max_messages_per_second;
  session->refilled_at = g_get_monotonic_time ();
  soup_websocket_connection_set_max_incoming_payload_size (ws, self->limits.max_message_bytes);
  soup_websocket_connection_set_keepalive_interval (ws, KEEPALIVE_S);
  g_signal_connect (ws, "message", G_CALLBACK (on_message), session);
  g_signal_connect (ws, "closed", G_CALLBACK (on_closed), session);
  g_signal_connect (self->rooms, "event", G_CALLBACK (on_room_event), session);
  session->join_timeout
      = g_timeout_add_seconds (self->limits.join_timeout_s, on_join_timeout, session);
  g_ptr_array_add (self->sessions, session);
}

/* A plain GET of /ws gets a clear answer instead of libsoup's bare 400. */
static void
check_upgrade (HnServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
               gpointer user_data)
{
  if (soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Upgrade")
      == NULL)
    hn_http_respond_error_literal (
        msg, HN_ERROR_BAD_REQUEST,
        _ ("The signalling endpoint is a WebSocket: see docs/SIGNALLING.md."));
}

static void
mcu_signalling_finalize (GObject *object)
{
  McuSignalling *self = MCU_SIGNALLING (object);

  g_ptr_array_unref (self->sessions);
  g_free (self->monitor_key);
  g_clear_object (&self->rooms);

  G_OBJECT_CLASS (mcu_signalling_parent_class)->finalize (object);
}

static void
mcu_signalling_class_init (McuSignallingClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mcu_signalling_finalize;
}

static void
mcu_signalling_init (McuSignalling *self)
{
  self->sessions = g_ptr_array_new_with_free_func ((GDestroyNotify) session_free);
}

/**
 * mcu_signalling_new:
 * @server: the daemon's HTTP server
 * @rooms: the room registry
 * @limits: what one socket may send
 *
 * Returns: (transfer full): the signalling, serving /ws as long as @server
 */
McuSignalling *
mcu_signalling_new (HnServer *server, McuRooms *rooms, const McuSignallingLimits *limits)
{
  McuSignalling *self = g_object_new (MCU_TYPE_SIGNALLING, NULL);

  self->rooms = g_object_ref (rooms);
  self->limits = *limits;
  hn_server_add_handler (server, "/ws", check_upgrade, self, NULL);
  soup_server_add_websocket_handler (hn_server_get_soup_server (server), "/ws", NULL, NULL,
                                     on_socket, self, NULL);
  return self;
}

static gboolean
all_closed (McuSignalling *self)
{
  for (guint i = 0; i < self->sessions->len; i++)
    {
      Session *session = self->sessions->pdata[i];

      if (soup_websocket_connection_get_state (session->ws) != SOUP_WEBSOCKET_STATE_CLOSED)
        return FALSE;
    }
  return TRUE;
}

/**
 * mcu_signalling_stop:
 * @self: the signalling
 *
 * At shutdown: every site is told (`bye` mcu-stopping) and every room
 * closed; the sockets get up to a second to say goodbye.
 */
void
mcu_signalling_stop (McuSignalling *self)
{
  gint64 deadline = g_get_monotonic_time () + DRAIN_US;

  g_return_if_fail (MCU_IS_SIGNALLING (self));

  mcu_rooms_close_all (self->rooms, "mcu-stopping");
  for (guint i = 0; i < self->sessions->len; i++)
    {
      Session *session = self->sessions->pdata[i];

      session->state = SESSION_ENDED;
      if (soup_websocket_connection_get_state (session->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (session->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                                         "mcu-stopping");
    }
  /* the close handshakes need the main loop, which is about to stop */
  while (!all_closed (self) && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

/**
 * mcu_signalling_set_monitor_key:
 * @self: the signalling
 * @key: the control API's key, which a preview (`monitor`) must give
 */
void
mcu_signalling_set_monitor_key (McuSignalling *self, const char *key)
{
  g_return_if_fail (MCU_IS_SIGNALLING (self));

  g_free (self->monitor_key);
  self->monitor_key = g_strdup (key);
}
