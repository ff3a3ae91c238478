/* mcu-api.c: McuApi, /api/v1/rooms…, the event stream at /api/v1/events
 * (WebSocket) and /metrics (Prometheus text).
 *
 * Every call needs the API key (Authorization: Bearer KEY); the event
 * stream takes it the same way on its upgrade request.  Events are JSON
 * objects {"type", "time", "room", …}, the shape the scheduler (attendance)
 * and the panel will read.
 */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include <string.h>
#include <sys/resource.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-http.h"
#include "libhoinghi/hn-i18n.h"

#include "mcu-api.h"
#include "mcu-room-video.h"

#define API_PREFIX "/api/v1"

struct _McuApi
{
  GObject parent_instance;

  McuRooms *rooms;
  char *api_key;
  GPtrArray *subscribers; /* SoupWebsocketConnection */
  guint64 events_sent;
};

G_DEFINE_FINAL_TYPE (McuApi, mcu_api, G_TYPE_OBJECT)

/* Compares in time independent of where the strings differ. */
static gboolean
key_matches (const char *given, const char *expected)
{
  gsize a = strlen (given), b = strlen (expected);
  guint8 diff = a != b;

  for (gsize i = 0; i < b; i++)
    diff |= (guint8) (expected[i] ^ (i < a ? given[i] : 0));
  return diff == 0;
}

static gboolean
authorized (McuApi *self, SoupServerMessage *msg, GError **error)
{
  g_autofree char *token = NULL;

  if (!hn_http_get_bearer_token (msg, &token, error))
    return FALSE;
  if (!key_matches (token, self->api_key))
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_UNAUTHORIZED, _ ("The API key is wrong."));
      return FALSE;
    }
  return TRUE;
}

static void
on_room_event (McuRooms *rooms, const char *type, const char *room_id, JsonNode *details,
               gpointer user_data)
{
  McuApi *self = MCU_API (user_data);
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) event = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *time = g_date_time_format_iso8601 (now);
  g_autofree char *text = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  json_builder_set_member_name (builder, "time");
  json_builder_add_string_value (builder, time);
  json_builder_set_member_name (builder, "room");
  json_builder_add_string_value (builder, room_id);
  json_object_iter_init (&iter, json_node_get_object (details));
  while (json_object_iter_next (&iter, &name, &value))
    {
      json_builder_set_member_name (builder, name);
      json_builder_add_value (builder, json_node_copy (value));
    }
  json_builder_end_object (builder);
  event = json_builder_get_root (builder);
  text = json_to_string (event, FALSE);
  for (guint i = 0; i < self->subscribers->len; i++)
    {
      SoupWebsocketConnection *ws = self->subscribers->pdata[i];

      if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
        {
          soup_websocket_connection_send_text (ws, text);
          self->events_sent++;
        }
    }
}

static void
on_subscriber_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  McuApi *self = MCU_API (user_data);

  g_ptr_array_remove (self->subscribers, ws);
}

static void
on_events_socket (SoupServer *server, SoupServerMessage *msg, const char *path,
                  SoupWebsocketConnection *ws, gpointer user_data)
{
  McuApi *self = MCU_API (user_data);

  /* a subscriber only listens: what it sends is ignored, and it may send
   * little of it */
  soup_websocket_connection_set_max_incoming_payload_size (ws, 4096);
  g_signal_connect_object (ws, "closed", G_CALLBACK (on_subscriber_closed), self, 0);
  g_ptr_array_add (self->subscribers, g_object_ref (ws));
}

/* Runs before the upgrade: only a key holder may subscribe. */
static void
check_events_key (HnServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
                  gpointer user_data)
{
  McuApi *self = MCU_API (user_data);
  g_autoptr (GError) error = NULL;

  if (!authorized (self, msg, &error))
    hn_http_respond_error (msg, error);
  else if (soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Upgrade")
           == NULL)
    hn_http_respond_error_literal (msg, HN_ERROR_BAD_REQUEST,
                                   _ ("The event stream is a WebSocket: send Upgrade: websocket."));
}

/* The body: a JSON object with none but the @allowed members. */
static JsonNode *
read_object_body (SoupServerMessage *msg, const char *const *allowed, GError **error)
{
  g_autoptr (JsonNode) node = hn_http_read_json (msg, error);
  g_autoptr (GList) members = NULL;

  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                           _ ("The request body must be a JSON object."));
      return NULL;
    }
  members = json_object_get_members (json_node_get_object (node));
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (allowed, l->data))
      {
        g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("Unknown field “%s”."),
                     (const char *) l->data);
        return NULL;
      }
  return g_steal_pointer (&node);
}

static gboolean
read_room_body (SoupServerMessage *msg, char **id, char **name, gint64 *max, GError **error)
{
  const char *const allowed[] = { "id", "name", "max_participants", NULL };
  g_autoptr (JsonNode) node = read_object_body (msg, allowed, error);
  JsonObject *object;

  if (node == NULL)
    return FALSE;
  object = json_node_get_object (node);
  for (guint i = 0; i < 2; i++)
    {
      JsonNode *field = json_object_get_member (object, allowed[i]);

      if (field == NULL || !JSON_NODE_HOLDS_VALUE (field)
          || json_node_get_value_type (field) != G_TYPE_STRING)
        {
          g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("The field “%s” must be a string."),
                       allowed[i]);
          return FALSE;
        }
    }
  *id = g_strdup (json_object_get_string_member (object, "id"));
  *name = g_strdup (json_object_get_string_member (object, "name"));
  *max = 0;
  if (json_object_has_member (object, "max_participants"))
    {
      JsonNode *field = json_object_get_member (object, "max_participants");

      if (!JSON_NODE_HOLDS_VALUE (field) || json_node_get_value_type (field) != G_TYPE_INT64
          || json_node_get_int (field) < 1 || json_node_get_int (field) > G_MAXINT32)
        {
          g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                               _ ("The field “max_participants” must be a positive integer."));
          return FALSE;
        }
      *max = json_node_get_int (field);
    }
  return TRUE;
}

/* A body that is exactly {"FIELD": true|false}. */
static gboolean
read_boolean_body (SoupServerMessage *msg, const char *field, gboolean *value, GError **error)
{
  g_autoptr (JsonNode) node = hn_http_read_json (msg, error);
  JsonNode *member;

  if (node == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (node) || json_object_get_size (json_node_get_object (node)) != 1
      || (member = json_object_get_member (json_node_get_object (node), field)) == NULL
      || !JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_BOOLEAN)
    {
      /* TRANSLATORS: "Send {"locked": true} or {"locked": false}." */
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("Send {\"%s\": true} or {\"%s\": false}."),
                   field, field);
      return FALSE;
    }
  *value = json_node_get_boolean (member);
  return TRUE;
}

/* POST …/recording {action: start|stop} → the recording (path, started_at,
 * duration_s); stop answers once the file is complete. */
static void
handle_recording (McuApi *self, SoupServerMessage *msg, const char *room_id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (JsonNode) recording = NULL;
  g_autoptr (JsonBuilder) builder = NULL;
  JsonNode *action;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    {
      hn_http_respond_method_not_allowed (msg, "POST");
      return;
    }
  node = hn_http_read_json (msg, &error);
  if (node == NULL)
    {
      hn_http_respond_error (msg, error);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node) || json_object_get_size (json_node_get_object (node)) != 1
      || (action = json_object_get_member (json_node_get_object (node), "action")) == NULL
      || !JSON_NODE_HOLDS_VALUE (action) || json_node_get_value_type (action) != G_TYPE_STRING
      || (g_strcmp0 (json_node_get_string (action), "start") != 0
          && g_strcmp0 (json_node_get_string (action), "stop") != 0))
    {
      hn_http_respond_error_literal (msg, HN_ERROR_INVALID,
                                     _ ("Send {\"action\": \"start\"} or {\"action\": \"stop\"}."));
      return;
    }
  if (g_str_equal (json_node_get_string (action), "start"))
    {
      g_autoptr (JsonNode) room = NULL;

      if (!mcu_rooms_start_recording (self->rooms, room_id, &error))
        {
          hn_http_respond_error (msg, error);
          return;
        }
      room = mcu_room_to_json (mcu_rooms_lookup (self->rooms, room_id), FALSE);
      recording
          = json_node_copy (json_object_get_member (json_node_get_object (room), "recording"));
    }
  else if ((recording = mcu_rooms_stop_recording (self->rooms, room_id, &error)) == NULL)
    {
      hn_http_respond_error (msg, error);
      return;
    }
  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "recording");
  json_builder_add_value (builder, g_steal_pointer (&recording));
  json_builder_end_object (builder);
  g_clear_pointer (&node, json_node_unref);
  node = json_builder_get_root (builder);
  hn_http_respond_json (msg, 200, node);
}

static const char *const participant_actions[] = { "mute", "video", "tier", "kick", NULL };

/* PUT …/layout {layout, pinned, lecture}: pinned is a site's id or null,
 * lecture a boolean; both may be left out (no pin, no lecture mode). */
static gboolean
read_layout_body (SoupServerMessage *msg, McuLayoutKind *layout, char **pinned, gboolean *lecture,
                  GError **error)
{
  const char *const allowed[] = { "layout", "pinned", "lecture", NULL };
  g_autoptr (JsonNode) node = read_object_body (msg, allowed, error);
  JsonObject *object;
  JsonNode *field;

  if (node == NULL)
    return FALSE;
  object = json_node_get_object (node);
  field = json_object_get_member (object, "layout");
  if (field == NULL || !JSON_NODE_HOLDS_VALUE (field)
      || json_node_get_value_type (field) != G_TYPE_STRING
      || !mcu_layout_parse (json_node_get_string (field), layout))
    {
      g_set_error_literal (
          error, HN_ERROR, HN_ERROR_INVALID,
          _ ("The layout must be one of auto, 1x1, 2x2, 3x3, 4x4, 1+5, 1+7, 1+12."));
      return FALSE;
    }
  *pinned = NULL;
  field = json_object_get_member (object, "pinned");
  if (field != NULL && !JSON_NODE_HOLDS_NULL (field))
    {
      if (!JSON_NODE_HOLDS_VALUE (field) || json_node_get_value_type (field) != G_TYPE_STRING)
        {
          g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                       _ ("The field “%s” must be a site's id or null."), "pinned");
          return FALSE;
        }
      *pinned = g_strdup (json_node_get_string (field));
    }
  *lecture = FALSE;
  field = json_object_get_member (object, "lecture");
  if (field != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (field) || json_node_get_value_type (field) != G_TYPE_BOOLEAN)
        {
          g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                       _ ("The field “%s” must be true or false."), "lecture");
          g_clear_pointer (pinned, g_free);
          return FALSE;
        }
      *lecture = json_node_get_boolean (field);
    }
  return TRUE;
}

/* A body that is exactly {"tier": "720p"|"360p"}. */
static gboolean
read_tier_body (SoupServerMessage *msg, McuVideoTier *tier, GError **error)
{
  g_autoptr (JsonNode) node = hn_http_read_json (msg, error);
  JsonNode *member;

  if (node == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (node) || json_object_get_size (json_node_get_object (node)) != 1
      || (member = json_object_get_member (json_node_get_object (node), "tier")) == NULL
      || !JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_STRING
      || !mcu_video_tier_parse (json_node_get_string (member), tier))
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                           _ ("Send {\"tier\": \"720p\"} or {\"tier\": \"360p\"}."));
      return FALSE;
    }
  return TRUE;
}

/* POST …/participants/{pid}/mute {audio}, …/video {enabled}, …/tier {tier}
 * and …/kick. */
static void
handle_participant (McuApi *self, SoupServerMessage *msg, const char *room_id,
                    const char *participant_id, const char *action)
{
  g_autoptr (GError) error = NULL;
  McuParticipant *participant;
  gboolean flag, done;
  McuVideoTier tier;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    {
      hn_http_respond_method_not_allowed (msg, "POST");
      return;
    }
  participant = mcu_rooms_lookup_participant (self->rooms, room_id, participant_id, &error);
  if (participant == NULL)
    {
      hn_http_respond_error (msg, error);
      return;
    }
  if (g_str_equal (action, "kick"))
    {
      mcu_rooms_leave (self->rooms, room_id, participant_id, "kicked");
      soup_server_message_set_status (msg, 204, NULL);
      return;
    }
  if (g_str_equal (action, "mute"))
    done = read_boolean_body (msg, "audio", &flag, &error)
           && mcu_rooms_mute (self->rooms, room_id, participant_id, flag, TRUE, &error);
  else if (g_str_equal (action, "video"))
    done = read_boolean_body (msg, "enabled", &flag, &error)
           && mcu_rooms_set_video (self->rooms, room_id, participant_id, flag, &error);
  else
    done = read_tier_body (msg, &tier, &error)
           && mcu_rooms_set_tier (self->rooms, room_id, participant_id, tier, &error);
  if (!done)
    hn_http_respond_error (msg, error);
  else
    {
      g_autoptr (JsonNode) node = mcu_participant_to_json (participant, TRUE);

      hn_http_respond_json (msg, 200, node);
    }
}

static void
handle_rooms (HnServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
              gpointer user_data)
{
  McuApi *self = MCU_API (user_data);
  const char *method = soup_server_message_get_method (msg);
  const char *rest = path + strlen (API_PREFIX "/rooms");
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) parts = NULL;

  if (!authorized (self, msg, &error))
    {
      hn_http_respond_error (msg, error);
      return;
    }
  if (*rest == '/')
    rest++;
  parts = g_strsplit (rest, "/", 5);

  /* /rooms */
  if (*rest == '\0')
    {
      if (method == SOUP_METHOD_GET)
        {
          g_autoptr (GPtrArray) list = mcu_rooms_list (self->rooms);
          g_autoptr (JsonArray) array = json_array_new ();
          g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
          g_autoptr (JsonObject) object = json_object_new ();

          for (guint i = 0; i < list->len; i++)
            json_array_add_element (array, mcu_room_to_json (list->pdata[i], FALSE));
          json_object_set_array_member (object, "items", json_array_ref (array));
          json_node_set_object (root, object);
          hn_http_respond_json (msg, 200, root);
        }
      else if (method == SOUP_METHOD_POST)
        {
          g_autofree char *id = NULL, *name = NULL;
          g_autofree char *location = NULL;
          g_autoptr (JsonNode) node = NULL;
          gint64 max;
          McuRoom *room;

          if (!read_room_body (msg, &id, &name, &max, &error)
              || (room = mcu_rooms_create (self->rooms, id, name, max, &error)) == NULL)
            {
              hn_http_respond_error (msg, error);
              return;
            }
          node = mcu_room_to_json (room, TRUE);
          location = g_strdup_printf (API_PREFIX "/rooms/%s", room->id);
          soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Location",
                                        location);
          hn_http_respond_json (msg, 201, node);
        }
      else
        hn_http_respond_method_not_allowed (msg, "GET, POST");
      return;
    }

  /* /rooms/{id} */
  if (parts[1] == NULL)
    {
      McuRoom *room = mcu_rooms_lookup (self->rooms, parts[0]);

      if (method == SOUP_METHOD_DELETE)
        {
          if (!mcu_rooms_close (self->rooms, parts[0], &error))
            hn_http_respond_error (msg, error);
          else
            soup_server_message_set_status (msg, 204, NULL);
        }
      else if (method == SOUP_METHOD_GET)
        {
          g_autoptr (JsonNode) node = NULL;

          if (room == NULL)
            {
              g_autofree char *text = g_strdup_printf (_ ("There is no room “%s”."), parts[0]);

              hn_http_respond_error_literal (msg, HN_ERROR_NOT_FOUND, text);
              return;
            }
          node = mcu_room_to_json (room, FALSE);
          hn_http_respond_json (msg, 200, node);
        }
      else
        hn_http_respond_method_not_allowed (msg, "GET, DELETE");
      return;
    }

  /* /rooms/{id}/lock */
  if (g_str_equal (parts[1], "lock") && parts[2] == NULL)
    {
      gboolean locked;
      g_autoptr (JsonNode) room = NULL;

      if (method != SOUP_METHOD_POST)
        hn_http_respond_method_not_allowed (msg, "POST");
      else if (!read_boolean_body (msg, "locked", &locked, &error)
               || !mcu_rooms_set_locked (self->rooms, parts[0], locked, &error))
        hn_http_respond_error (msg, error);
      else
        {
          room = mcu_room_to_json (mcu_rooms_lookup (self->rooms, parts[0]), FALSE);
          hn_http_respond_json (msg, 200, room);
        }
      return;
    }

  /* /rooms/{id}/recording */
  if (g_str_equal (parts[1], "recording") && parts[2] == NULL)
    {
      handle_recording (self, msg, parts[0]);
      return;
    }

  /* /rooms/{id}/layout */
  if (g_str_equal (parts[1], "layout") && parts[2] == NULL)
    {
      McuLayoutKind layout;
      g_autofree char *pinned = NULL;
      gboolean lecture;
      g_autoptr (JsonNode) room = NULL;

      if (method != SOUP_METHOD_PUT)
        hn_http_respond_method_not_allowed (msg, "PUT");
      else if (mcu_rooms_lookup (self->rooms, parts[0]) == NULL)
        {
          g_autofree char *text = g_strdup_printf (_ ("There is no room “%s”."), parts[0]);

          hn_http_respond_error_literal (msg, HN_ERROR_NOT_FOUND, text);
        }
      else if (!read_layout_body (msg, &layout, &pinned, &lecture, &error)
               || !mcu_rooms_set_layout (self->rooms, parts[0], layout, pinned, lecture, &error))
        hn_http_respond_error (msg, error);
      else
        {
          room = mcu_room_to_json (mcu_rooms_lookup (self->rooms, parts[0]), FALSE);
          hn_http_respond_json (msg, 200, room);
        }
      return;
    }

  /* /rooms/{id}/participants/{pid}/{mute,video,tier,kick} */
  if (g_str_equal (parts[1], "participants") && parts[2] != NULL && parts[3] != NULL
      && parts[4] == NULL && g_strv_contains (participant_actions, parts[3]))
    {
      handle_participant (self, msg, parts[0], parts[2], parts[3]);
      return;
    }
  {
    g_autofree char *text = g_strdup_printf (_ ("There is no resource at %s."), path);

    hn_http_respond_error_literal (msg, HN_ERROR_NOT_FOUND, text);
  }
}

static void
handle_metrics (HnServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
                gpointer user_data)
{
  McuApi *self = MCU_API (user_data);
  g_autoptr (GString) text = g_string_new (NULL);
  struct rusage usage;
  McuTotals totals;
  guint keyframe_requests, keyframes;
  double cpu = 0;
  g_autoptr (GError) error = NULL;

  /* Prometheus sends the key as its bearer token */
  if (!authorized (self, msg, &error))
    {
      hn_http_respond_error (msg, error);
      return;
    }
  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET)
    {
      hn_http_respond_method_not_allowed (msg, "GET");
      return;
    }
  mcu_rooms_get_totals (self->rooms, &totals);
  mcu_room_video_get_keyframe_totals (&keyframe_requests, &keyframes);
  if (getrusage (RUSAGE_SELF, &usage) == 0)
    cpu = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
          + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  g_string_append_printf (text,
                          "# HELP hoinghi_rooms Rooms open.\n"
                          "# TYPE hoinghi_rooms gauge\n"
                          "hoinghi_rooms %u\n"
                          "# HELP hoinghi_participants Sites connected, all rooms.\n"
                          "# TYPE hoinghi_participants gauge\n"
                          "hoinghi_participants %u\n"
                          "# HELP hoinghi_audio_encoders Opus encoders running.\n"
                          "# TYPE hoinghi_audio_encoders gauge\n"
                          "hoinghi_audio_encoders %u\n"
                          "# HELP hoinghi_audio_packets_dropped_total Audio packets a site lost "
                          "because the mcu's sender thread fell behind it.\n"
                          "# TYPE hoinghi_audio_packets_dropped_total counter\n"
                          "hoinghi_audio_packets_dropped_total %u\n"
                          "# HELP hoinghi_audio_sites_direct Sites whose audio the mcu sends "
                          "straight over their ICE connection (its own SRTP, not webrtcbin).\n"
                          "# TYPE hoinghi_audio_sites_direct gauge\n"
                          "hoinghi_audio_sites_direct %u\n"
                          "# HELP hoinghi_video_encoders Video encoders running (composites).\n"
                          "# TYPE hoinghi_video_encoders gauge\n"
                          "hoinghi_video_encoders %u\n"
                          "# HELP hoinghi_video_keyframe_requests_total Keyframe requests (PLI, "
                          "FIR) from the sites.\n"
                          "# TYPE hoinghi_video_keyframe_requests_total counter\n"
                          "hoinghi_video_keyframe_requests_total %u\n"
                          "# HELP hoinghi_video_keyframes_total Keyframes made on request (at "
                          "most two a second per encoder).\n"
                          "# TYPE hoinghi_video_keyframes_total counter\n"
                          "hoinghi_video_keyframes_total %u\n"
                          "# HELP hoinghi_rtp_packets_received_total RTP packets from the sites.\n"
                          "# TYPE hoinghi_rtp_packets_received_total counter\n"
                          "hoinghi_rtp_packets_received_total %" G_GUINT64_FORMAT "\n"
                          "# HELP hoinghi_rtp_packets_lost_total RTP packets the sites lost.\n"
                          "# TYPE hoinghi_rtp_packets_lost_total counter\n"
                          "hoinghi_rtp_packets_lost_total %" G_GINT64_FORMAT "\n"
                          "# HELP hoinghi_rtp_packets_sent_total RTP packets sent to the sites.\n"
                          "# TYPE hoinghi_rtp_packets_sent_total counter\n"
                          "hoinghi_rtp_packets_sent_total %" G_GUINT64_FORMAT "\n"
                          "# HELP hoinghi_rtp_jitter_max_ms The worst site's interarrival jitter.\n"
                          "# TYPE hoinghi_rtp_jitter_max_ms gauge\n"
                          "hoinghi_rtp_jitter_max_ms %.1f\n"
                          "# HELP hoinghi_event_subscribers Clients of the event stream.\n"
                          "# TYPE hoinghi_event_subscribers gauge\n"
                          "hoinghi_event_subscribers %u\n"
                          "# HELP hoinghi_events_sent_total Events sent to subscribers.\n"
                          "# TYPE hoinghi_events_sent_total counter\n"
                          "hoinghi_events_sent_total %" G_GUINT64_FORMAT "\n"
                          "# HELP process_cpu_seconds_total CPU time of the mcu.\n"
                          "# TYPE process_cpu_seconds_total counter\n"
                          "process_cpu_seconds_total %.3f\n",
                          mcu_rooms_count (self->rooms), totals.participants, totals.encoders,
                          totals.send_dropped, totals.audio_direct, totals.video_encoders,
                          keyframe_requests, keyframes, totals.media.packets_received,
                          totals.media.packets_lost, totals.media.packets_sent,
                          totals.media.jitter_ms, self->subscribers->len, self->events_sent, cpu);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "text/plain; version=0.0.4; charset=utf-8",
                                    SOUP_MEMORY_COPY, text->str, text->len);
}

static void
mcu_api_finalize (GObject *object)
{
  McuApi *self = MCU_API (object);

  g_signal_handlers_disconnect_by_data (self->rooms, self);
  g_clear_object (&self->rooms);
  g_ptr_array_unref (self->subscribers);
  g_free (self->api_key);

  G_OBJECT_CLASS (mcu_api_parent_class)->finalize (object);
}

static void
mcu_api_class_init (McuApiClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mcu_api_finalize;
}

static void
mcu_api_init (McuApi *self)
{
  self->subscribers = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * mcu_api_new:
 * @server: the daemon's HTTP server
 * @rooms: the room registry
 * @api_key: the key every control call must carry
 *
 * Returns: (transfer full): the API, serving as long as @server does.
 */
McuApi *
mcu_api_new (HnServer *server, McuRooms *rooms, const char *api_key)
{
  McuApi *self = g_object_new (MCU_TYPE_API, NULL);

  self->rooms = g_object_ref (rooms);
  self->api_key = g_strdup (api_key);
  g_signal_connect_object (rooms, "event", G_CALLBACK (on_room_event), self, 0);
  hn_server_add_handler (server, API_PREFIX "/rooms", handle_rooms, self, NULL);
  hn_server_add_handler (server, API_PREFIX "/events", check_events_key, self, NULL);
  soup_server_add_websocket_handler (hn_server_get_soup_server (server), API_PREFIX "/events", NULL,
                                     NULL, on_events_socket, self, NULL);
  hn_server_add_handler (server, "/metrics", handle_metrics, self, NULL);
  return self;
}

/**
 * mcu_api_close_events:
 * @self: the API
 *
 * Says goodbye to every subscriber (on SIGTERM).
 */
void
mcu_api_close_events (McuApi *self)
{
  for (guint i = 0; i < self->subscribers->len; i++)
    {
      SoupWebsocketConnection *ws = self->subscribers->pdata[i];

      /* A subscriber that is already saying goodbye is left to finish. */
      if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                                         "the mcu is stopping");
    }
}
