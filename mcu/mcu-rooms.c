/* mcu-rooms.c: McuRooms, the registry of rooms and the sites in them.
 *
 * A room is created by the control API (later by the scheduler when a
 * meeting starts) with a random join token that every site must present.
 * Rooms are written to a file in the data directory before the API says
 * yes, so that an mcu restarted (or killed) keeps them: its sites
 * reconnect with the tokens they have.
 * A room's media (McuRoomMedia) exists only while someone is in it.  Each
 * change — a room made or closed, a site joining, leaving, talking, muted
 * — is announced once with the "event" signal; the event stream forwards
 * it to its subscribers and each site's signalling session to its site.
 */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include <string.h>

#include <sodium.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#include "mcu-rooms.h"

#define TOKEN_BYTES 24

struct _McuRooms
{
  GObject parent_instance;

  GHashTable *rooms; /* id -> McuRoom */
  guint max_rooms;
  guint max_participants;
  McuMediaOptions media; /* owns its ice_addresses */
  char *store_path;      /* where the rooms are kept, or NULL */
  char *recordings_dir;  /* where recordings go, or NULL for none */
  McuPeerStats departed; /* what sites that left had counted */
};

enum
{
  SIGNAL_EVENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (McuRooms, mcu_rooms, G_TYPE_OBJECT)

GQuark
mcu_join_error_quark (void)
{
  return g_quark_from_static_string ("mcu-join-error-quark");
}

static void
participant_free (gpointer data)
{
  McuParticipant *participant = data;

  if (participant->peer != NULL)
    {
      mcu_peer_remove (participant->peer);
      g_object_unref (participant->peer);
    }
  g_free (participant->id);
  g_free (participant->name);
  g_free (participant->unit);
  g_free (participant);
}

static void
room_free (gpointer data)
{
  McuRoom *room = data;

  g_hash_table_unref (room->participants);
  g_hash_table_unref (room->monitors);
  g_clear_object (&room->media);
  g_clear_pointer (&room->tiles, json_node_unref);
  g_clear_object (&room->recorder);
  g_clear_handle_id (&room->stage_timer, g_source_remove);
  mcu_stage_free (room->stage);
  g_free (room->id);
  g_free (room->name);
  g_free (room->join_token);
  g_free (room);
}

static void
mcu_rooms_finalize (GObject *object)
{
  McuRooms *self = MCU_ROOMS (object);

  g_hash_table_unref (self->rooms);
  g_strfreev (self->media.ice_addresses);
  g_free (self->store_path);
  g_free (self->recordings_dir);

  G_OBJECT_CLASS (mcu_rooms_parent_class)->finalize (object);
}

static void
mcu_rooms_class_init (McuRoomsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mcu_rooms_finalize;

  /**
   * McuRooms::event:
   * @rooms: the registry
   * @type: "room-created", "room-closed", "room-locked", "room-unlocked",
   *   "participant-joined", "participant-left", "talking", "stopped-talking",
   *   "muted", "unmuted"
   * @room_id: the room's id
   * @details: (transfer none): a JSON object: the room (`details`) or the
   *   site (`participant`), and `reason` or `by` where they apply
   *
   * Emitted on every change of a room or a site in it.
   */
  signals[SIGNAL_EVENT]
      = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                      G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, JSON_TYPE_NODE);
}

static void
mcu_rooms_init (McuRooms *self)
{
  self->rooms = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, room_free);
}

/**
 * mcu_rooms_new:
 * @max_rooms: the most rooms at once
 * @max_participants: the most participants a room may allow
 *
 * Returns: (transfer full): an empty registry.
 */
McuRooms *
mcu_rooms_new (guint max_rooms, guint max_participants)
{
  McuRooms *self = g_object_new (MCU_TYPE_ROOMS, NULL);

  self->max_rooms = max_rooms;
  self->max_participants = max_participants;
  self->media.jitter_ms = 40;
  self->media.share_encoders = TRUE;
  self->media.share_video_encoders = TRUE;
  return self;
}

static gboolean valid_id (const char *id);
static gboolean save (McuRooms *self, McuRoom *skipping, GError **error);

static McuRoom *
room_from_json (JsonObject *object, guint max_participants)
{
  const char *const strings[] = { "id", "name", "join_token" };
  McuLayoutKind layout;
  McuRoom *room;

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    {
      JsonNode *node = json_object_get_member (object, strings[i]);

      if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
          || json_node_get_value_type (node) != G_TYPE_STRING)
        return NULL;
    }
  room = g_new0 (McuRoom, 1);
  room->id = g_strdup (json_object_get_string_member (object, "id"));
  room->name = g_strdup (json_object_get_string_member (object, "name"));
  room->join_token = g_strdup (json_object_get_string_member (object, "join_token"));
  room->max_participants = CLAMP (
      json_object_get_int_member_with_default (object, "max_participants", max_participants), 1,
      max_participants);
  room->locked = json_object_get_boolean_member_with_default (object, "locked", FALSE);
  room->created_at = json_object_get_int_member_with_default (object, "created_at", 0);
  room->participants = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, participant_free);
  room->monitors = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, participant_free);
  room->stage = mcu_stage_new ();
  if (!mcu_layout_parse (json_object_get_string_member_with_default (object, "layout", "auto"),
                         &layout))
    layout = MCU_LAYOUT_AUTO;
  mcu_stage_set_layout (room->stage, layout, NULL,
                        json_object_get_boolean_member_with_default (object, "lecture", FALSE));
  return room;
}

/**
 * mcu_rooms_load:
 * @self: an empty registry
 * @path: the file the rooms are kept in (made when missing)
 * @error: the file is there but unreadable or not the mcu's
 *
 * Reads the rooms kept by an earlier run; every later change is written
 * there before it is acknowledged.
 *
 * Returns: whether the rooms were read
 */
gboolean
mcu_rooms_load (McuRooms *self, const char *path, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) read_error = NULL;
  JsonNode *root;
  JsonArray *array;

  g_return_val_if_fail (MCU_IS_ROOMS (self), FALSE);

  g_free (self->store_path);
  self->store_path = g_strdup (path);
  if (!json_parser_load_from_mapped_file (parser, path, &read_error))
    {
      if (g_error_matches (read_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG, _ ("The rooms in %s cannot be read: %s"), path,
                   read_error->message);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG, _ ("%s does not hold the mcu's rooms."), path);
      return FALSE;
    }
  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      McuRoom *room = JSON_NODE_HOLDS_OBJECT (element)
                          ? room_from_json (json_node_get_object (element), self->max_participants)
                          : NULL;

      if (room == NULL || !valid_id (room->id) || g_hash_table_contains (self->rooms, room->id))
        {
          g_clear_pointer (&room, room_free);
          g_set_error (error, HN_ERROR, HN_ERROR_CONFIG, _ ("Room %u in %s is damaged."), i + 1,
                       path);
          return FALSE;
        }
      g_hash_table_insert (self->rooms, room->id, room);
    }
  if (g_hash_table_size (self->rooms) > 0)
    g_message ("%u rooms kept from the last run", g_hash_table_size (self->rooms));
  return TRUE;
}

/**
 * mcu_rooms_set_media_options:
 * @self: the registry
 * @options: ICE addresses, jitter buffer, FEC, shared encoders (%FALSE only
 *   to measure the per-listener design); copied
 *
 * Applies to rooms whose media starts from now on.
 */
void
mcu_rooms_set_media_options (McuRooms *self, const McuMediaOptions *options)
{
  g_return_if_fail (MCU_IS_ROOMS (self));

  g_strfreev (self->media.ice_addresses);
  self->media = *options;
  self->media.ice_addresses = g_strdupv (options->ice_addresses);
}

static gboolean
valid_id (const char *id)
{
  gsize length = strlen (id);

  if (length == 0 || length > 64)
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._-", *p) == NULL)
      return FALSE;
  return TRUE;
}

static char *
new_token (void)
{
  guint8 raw[TOKEN_BYTES];
  g_autofree char *text = NULL;

  /* a join token must not be guessable: libsodium's CSPRNG, not GRand;
   * base64url keeps it safe in a URL (the browser page's ?token=) */
  randombytes_buf (raw, sizeof raw);
  text = g_base64_encode (raw, sizeof raw);
  return g_strdelimit (g_strdelimit (g_steal_pointer (&text), "+", '-'), "/", '_');
}

static int
by_joining (gconstpointer a, gconstpointer b)
{
  const McuParticipant *x = a, *y = b;

  return x->joined_at != y->joined_at ? (x->joined_at < y->joined_at ? -1 : 1)
                                      : strcmp (x->id, y->id);
}

static JsonNode *
recording_to_json (McuRecorder *recorder)
{
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (GDateTime) started
      = g_date_time_new_from_unix_utc (mcu_recorder_get_started_at (recorder));
  g_autofree char *started_text = g_date_time_format_iso8601 (started);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, mcu_recorder_get_path (recorder));
  json_builder_set_member_name (builder, "started_at");
  json_builder_add_string_value (builder, started_text);
  json_builder_set_member_name (builder, "duration_s");
  json_builder_add_double_value (builder, mcu_recorder_get_duration (recorder));
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* The room's layout: its settings, the speaker, and the tiles while
 * anyone is in. */
static JsonNode *
layout_settings_to_json (McuRoom *room)
{
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  const char *pinned = mcu_stage_get_pinned (room->stage);
  const char *speaker = mcu_stage_get_speaker (room->stage);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "layout");
  json_builder_add_string_value (builder, mcu_layout_name (mcu_stage_get_layout (room->stage)));
  json_builder_set_member_name (builder, "pinned");
  if (pinned != NULL)
    json_builder_add_string_value (builder, pinned);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "lecture");
  json_builder_add_boolean_value (builder, mcu_stage_get_lecture (room->stage));
  json_builder_set_member_name (builder, "speaker");
  if (speaker != NULL)
    json_builder_add_string_value (builder, speaker);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "tiles");
  if (room->tiles != NULL)
    json_builder_add_value (builder, json_node_copy (json_object_get_member (
                                         json_node_get_object (room->tiles), "tiles")));
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/**
 * mcu_room_to_json:
 * @room: a room
 * @with_token: whether to include the join token (only its creator sees it)
 *
 * Returns: (transfer full): the room as the control API shows it.
 */
JsonNode *
mcu_room_to_json (McuRoom *room, gboolean with_token)
{
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (GDateTime) created = g_date_time_new_from_unix_utc (room->created_at);
  g_autofree char *created_text = g_date_time_format_iso8601 (created);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, room->id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, room->name);
  json_builder_set_member_name (builder, "max_participants");
  json_builder_add_int_value (builder, room->max_participants);
  json_builder_set_member_name (builder, "locked");
  json_builder_add_boolean_value (builder, room->locked);
  json_builder_set_member_name (builder, "created_at");
  json_builder_add_string_value (builder, created_text);
  json_builder_set_member_name (builder, "participants");
  json_builder_begin_array (builder);
  {
    g_autoptr (GList) participants = g_hash_table_get_values (room->participants);

    participants = g_list_sort (participants, by_joining);
    for (GList *l = participants; l != NULL; l = l->next)
      json_builder_add_value (builder, mcu_participant_to_json (l->data, TRUE));
  }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "monitors");
  json_builder_add_int_value (builder, g_hash_table_size (room->monitors));
  json_builder_set_member_name (builder, "layout");
  json_builder_add_value (builder, layout_settings_to_json (room));
  json_builder_set_member_name (builder, "recording");
  if (room->recorder != NULL)
    json_builder_add_value (builder, recording_to_json (room->recorder));
  else
    json_builder_add_null_value (builder);
  if (with_token)
    {
      json_builder_set_member_name (builder, "join_token");
      json_builder_add_string_value (builder, room->join_token);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static void
announce (McuRooms *self, const char *type, McuRoom *room)
{
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) details = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "details");
  json_builder_add_value (builder, mcu_room_to_json (room, FALSE));
  json_builder_end_object (builder);
  details = json_builder_get_root (builder);
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, type, room->id, details);
}

/* @key/@value: the event's one extra member ("reason", "by"), or NULL. */
static void
announce_participant (McuRooms *self, const char *type, McuRoom *room, McuParticipant *participant,
                      const char *key, const char *value)
{
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) details = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "participant");
  json_builder_add_value (builder, mcu_participant_to_json (participant, FALSE));
  if (key != NULL)
    {
      json_builder_set_member_name (builder, key);
      json_builder_add_string_value (builder, value);
    }
  json_builder_end_object (builder);
  details = json_builder_get_root (builder);
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, type, room->id, details);
}

/**
 * mcu_rooms_create:
 * @self: the registry
 * @id: 1–64 of letters, digits and . _ -
 * @name: a name to show, 1–200 characters
 * @max_participants: 0 for the mcu's limit
 * @error: a bad id or name, a taken id, or no room left
 *
 * Returns: (transfer none) (nullable): the new room, with a fresh token.
 */
McuRoom *
mcu_rooms_create (McuRooms *self, const char *id, const char *name, guint max_participants,
                  GError **error)
{
  McuRoom *room;

  g_return_val_if_fail (MCU_IS_ROOMS (self), NULL);

  if (!valid_id (id))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("“%s” is not a room id: use 1 to 64 letters, digits and . _ -"), id);
      return NULL;
    }
  if (*name == '\0' || g_utf8_strlen (name, -1) > 200)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                           _ ("A room's name must have 1 to 200 characters."));
      return NULL;
    }
  if (max_participants > self->max_participants)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("A room may have at most %u participants."), self->max_participants);
      return NULL;
    }
  if (g_hash_table_contains (self->rooms, id))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFLICT, _ ("There is already a room “%s”."), id);
      return NULL;
    }
  if (g_hash_table_size (self->rooms) >= self->max_rooms)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFLICT,
                   _ ("The mcu already holds its maximum of %u rooms."), self->max_rooms);
      return NULL;
    }
  room = g_new0 (McuRoom, 1);
  room->id = g_strdup (id);
  room->name = g_strdup (name);
  room->max_participants = max_participants > 0 ? max_participants : self->max_participants;
  room->join_token = new_token ();
  room->created_at = g_get_real_time () / G_USEC_PER_SEC;
  room->participants = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, participant_free);
  room->monitors = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, participant_free);
  room->stage = mcu_stage_new ();
  g_hash_table_insert (self->rooms, room->id, room);
  if (!save (self, NULL, error))
    {
      g_hash_table_remove (self->rooms, id);
      return NULL;
    }
  announce (self, "room-created", room);
  return room;
}

/**
 * mcu_rooms_lookup:
 * @self: the registry
 * @id: a room id
 *
 * Returns: (transfer none) (nullable): the room.
 */
McuRoom *
mcu_rooms_lookup (McuRooms *self, const char *id)
{
  g_return_val_if_fail (MCU_IS_ROOMS (self), NULL);
  return g_hash_table_lookup (self->rooms, id);
}

/* Writes every room but @skipping to the store, durably, before the
 * change is acknowledged. */
static gboolean
save (McuRooms *self, McuRoom *skipping, GError **error)
{
  g_autoptr (JsonBuilder) builder = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) rooms = NULL;
  g_autofree char *text = NULL;

  if (self->store_path == NULL)
    return TRUE;
  builder = json_builder_new_immutable ();
  rooms = mcu_rooms_list (self);
  json_builder_begin_array (builder);
  for (guint i = 0; i < rooms->len; i++)
    if (rooms->pdata[i] != skipping)
      {
        McuRoom *room = rooms->pdata[i];

        json_builder_begin_object (builder);
        json_builder_set_member_name (builder, "id");
        json_builder_add_string_value (builder, room->id);
        json_builder_set_member_name (builder, "name");
        json_builder_add_string_value (builder, room->name);
        json_builder_set_member_name (builder, "max_participants");
        json_builder_add_int_value (builder, room->max_participants);
        json_builder_set_member_name (builder, "locked");
        json_builder_add_boolean_value (builder, room->locked);
        json_builder_set_member_name (builder, "join_token");
        json_builder_add_string_value (builder, room->join_token);
        json_builder_set_member_name (builder, "created_at");
        json_builder_add_int_value (builder, room->created_at);
        json_builder_set_member_name (builder, "layout");
        json_builder_add_string_value (builder,
                                       mcu_layout_name (mcu_stage_get_layout (room->stage)));
        json_builder_set_member_name (builder, "lecture");
        json_builder_add_boolean_value (builder, mcu_stage_get_lecture (room->stage));
        json_builder_end_object (builder);
      }
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, TRUE);
  if (!g_file_set_contents_full (self->store_path, text, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600,
                                 error))
    {
      g_prefix_error (error, _ ("The rooms could not be saved: "));
      return FALSE;
    }
  return TRUE;
}

static void leave (McuRooms *self, McuRoom *room, McuParticipant *participant, const char *reason);
static JsonNode *stop_recording (McuRooms *self, McuRoom *room, const char *reason);
static JsonNode *recording_to_json (McuRecorder *recorder);
static void drop_media_if_empty (McuRoom *room);

/* Everyone is told (and leaves) before the room goes. */
static void
close_room (McuRooms *self, McuRoom *room, const char *reason)
{
  g_autoptr (GList) participants = g_hash_table_get_values (room->participants);

  if (room->recorder != NULL)
    json_node_unref (stop_recording (self, room, reason));

  for (GList *l = participants; l != NULL; l = l->next)
    leave (self, room, l->data, reason);
  /* previews hear of it by the room-closed event */
  g_hash_table_remove_all (room->monitors);
  drop_media_if_empty (room);
  announce (self, "room-closed", room);
  g_hash_table_remove (self->rooms, room->id);
}

static gboolean
not_found (const char *id, GError **error)
{
  g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, _ ("There is no room “%s”."), id);
  return FALSE;
}

/**
 * mcu_rooms_close:
 * @self: the registry
 * @id: a room id
 * @error: %HN_ERROR_NOT_FOUND
 *
 * Returns: whether the room was there and is closed.
 */
gboolean
mcu_rooms_close (McuRooms *self, const char *id, GError **error)
{
  McuRoom *room = mcu_rooms_lookup (self, id);

  if (room == NULL)
    return not_found (id, error);
  if (!save (self, room, error))
    return FALSE;
  close_room (self, room, "room-closed");
  return TRUE;
}

/**
 * mcu_rooms_set_locked:
 * @self: the registry
 * @id: a room id
 * @locked: whether new sites are refused
 * @error: %HN_ERROR_NOT_FOUND
 *
 * Returns: whether the room was there.
 */
gboolean
mcu_rooms_set_locked (McuRooms *self, const char *id, gboolean locked, GError **error)
{
  McuRoom *room = mcu_rooms_lookup (self, id);

  if (room == NULL)
    return not_found (id, error);
  if (room->locked != locked)
    {
      room->locked = locked;
      if (!save (self, NULL, error))
        {
          room->locked = !locked;
          return FALSE;
        }
      announce (self, locked ? "room-locked" : "room-unlocked", room);
    }
  return TRUE;
}

static int
by_id (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(McuRoom *const *) a)->id, (*(McuRoom *const *) b)->id);
}

/**
 * mcu_rooms_list:
 * @self: the registry
 *
 * Returns: (transfer container) (element-type McuRoom): the rooms by id.
 */
GPtrArray *
mcu_rooms_list (McuRooms *self)
{
  GPtrArray *list = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer room;

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, &room))
    g_ptr_array_add (list, room);
  g_ptr_array_sort (list, by_id);
  return list;
}

/**
 * mcu_rooms_count:
 * @self: the registry
 *
 * Returns: how many rooms are open.
 */
guint
mcu_rooms_count (McuRooms *self)
{
  return g_hash_table_size (self->rooms);
}

/**
 * mcu_rooms_close_all:
 * @self: the registry
 * @reason: what the sites are told, e.g. "mcu-stopping"
 *
 * Closes every room (at shutdown).
 */
void
mcu_rooms_close_all (McuRooms *self, const char *reason)
{
  g_autoptr (GPtrArray) rooms = mcu_rooms_list (self);

  for (guint i = 0; i < rooms->len; i++)
    close_room (self, rooms->pdata[i], reason);
}

/**
 * mcu_participant_to_json:
 * @participant: a site in a room
 * @with_media: whether to add what its media is doing (level, loss, …)
 *
 * Returns: (transfer full): the site as the control API and events show it
 */
JsonNode *
mcu_participant_to_json (McuParticipant *participant, gboolean with_media)
{
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (GDateTime) since = g_date_time_new_from_unix_utc (participant->joined_at);
  g_autofree char *since_text = g_date_time_format_iso8601 (since);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, participant->id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, participant->name);
  json_builder_set_member_name (builder, "unit");
  json_builder_add_string_value (builder, participant->unit);
  json_builder_set_member_name (builder, "muted");
  json_builder_add_boolean_value (builder, participant->self_muted || participant->operator_muted);
  if (with_media)
    {
      McuPeerStats stats;

      mcu_peer_get_stats (participant->peer, &stats);
      json_builder_set_member_name (builder, "muted_by_operator");
      json_builder_add_boolean_value (builder, participant->operator_muted);
      json_builder_set_member_name (builder, "talking");
      json_builder_add_boolean_value (builder, participant->talking);
      json_builder_set_member_name (builder, "video");
      json_builder_add_boolean_value (builder, participant->video_enabled);
      json_builder_set_member_name (builder, "picture");
      json_builder_add_boolean_value (builder, mcu_peer_has_picture (participant->peer));
      json_builder_set_member_name (builder, "tier");
      json_builder_add_string_value (builder, mcu_video_tier_name (participant->tier));
      json_builder_set_member_name (builder, "audio_level_dbov");
      json_builder_add_double_value (builder, mcu_peer_get_level (participant->peer));
      json_builder_set_member_name (builder, "packets_received");
      json_builder_add_int_value (builder, stats.packets_received);
      json_builder_set_member_name (builder, "packets_lost");
      json_builder_add_int_value (builder, stats.packets_lost);
      json_builder_set_member_name (builder, "jitter_ms");
      json_builder_add_double_value (builder, stats.jitter_ms);
      json_builder_set_member_name (builder, "bitrate_kbps");
      json_builder_add_double_value (builder, stats.bitrate_kbps);
      json_builder_set_member_name (builder, "connected_since");
      json_builder_add_string_value (builder, since_text);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static McuParticipant *
participant_by_index (McuRoom *room, guint index)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, room->participants);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (mcu_peer_get_index (((McuParticipant *) value)->peer) == index)
      return value;
  return NULL;
}

/* A room by its id, for a timer or a signal of the room's media: the
 * room may be gone when it fires. */
typedef struct
{
  McuRooms *rooms;
  char *room_id;
} RoomTarget;

static void
room_target_free (gpointer data)
{
  RoomTarget *target = data;

  g_free (target->room_id);
  g_free (target);
}

static void
room_target_notify (gpointer data, GClosure *closure)
{
  room_target_free (data);
}

/* The room's tiles as the sites are told them. */
static JsonNode *
layout_to_json (McuRoom *room, guint width, guint height, const McuVideoTile *tiles,
                McuParticipant *const *shown, guint n_tiles)
{
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "layout");
  json_builder_add_string_value (builder, mcu_layout_name (mcu_stage_get_layout (room->stage)));
  json_builder_set_member_name (builder, "pinned");
  if (mcu_stage_get_pinned (room->stage) != NULL)
    json_builder_add_string_value (builder, mcu_stage_get_pinned (room->stage));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "lecture");
  json_builder_add_boolean_value (builder, mcu_stage_get_lecture (room->stage));
  json_builder_set_member_name (builder, "width");
  json_builder_add_int_value (builder, width);
  json_builder_set_member_name (builder, "height");
  json_builder_add_int_value (builder, height);
  json_builder_set_member_name (builder, "tiles");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_tiles; i++)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "x");
      json_builder_add_int_value (builder, tiles[i].rect.x);
      json_builder_set_member_name (builder, "y");
      json_builder_add_int_value (builder, tiles[i].rect.y);
      json_builder_set_member_name (builder, "width");
      json_builder_add_int_value (builder, tiles[i].rect.width);
      json_builder_set_member_name (builder, "height");
      json_builder_add_int_value (builder, tiles[i].rect.height);
      json_builder_set_member_name (builder, "participant");
      json_builder_add_string_value (builder, shown[i]->id);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, shown[i]->name);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* Puts the room's sites in their tiles (in the order they joined), and
 * tells the sites and the event stream when who-is-where changed. */
static void
relayout (McuRooms *self, McuRoom *room)
{
  const char *ids[MCU_LAYOUT_MAX_TILES];
  McuRect rects[MCU_LAYOUT_MAX_TILES];
  McuVideoTile tiles[MCU_LAYOUT_MAX_TILES];
  McuParticipant *shown[MCU_LAYOUT_MAX_TILES];
  McuRoomVideo *video;
  g_autoptr (JsonNode) layout = NULL;
  guint width, height, n_tiles, count = 0;

  if (room->media == NULL)
    return;
  video = mcu_room_media_get_video (room->media);
  mcu_room_video_get_size (video, &width, &height);
  n_tiles = mcu_layout_tiles (mcu_stage_get_layout (room->stage),
                              g_hash_table_size (room->participants), width, height, rects);
  n_tiles = mcu_stage_order (room->stage, n_tiles, ids);
  for (; count < n_tiles; count++)
    {
      McuParticipant *participant = g_hash_table_lookup (room->participants, ids[count]);

      shown[count] = participant;
      tiles[count] = (McuVideoTile){ mcu_peer_get_index (participant->peer), rects[count],
                                     participant->name, participant->talking };
    }
  mcu_room_video_set_tiles (video, tiles, count);
  layout = layout_to_json (room, width, height, tiles, shown, count);
  if (room->tiles != NULL && json_node_equal (room->tiles, layout))
    return;
  g_clear_pointer (&room->tiles, json_node_unref);
  room->tiles = json_node_ref (layout);
  {
    g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
    g_autoptr (JsonNode) details = NULL;

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "layout");
    json_builder_add_value (builder, g_steal_pointer (&layout));
    json_builder_end_object (builder);
    details = json_builder_get_root (builder);
    g_signal_emit (self, signals[SIGNAL_EVENT], 0, "layout-changed", room->id, details);
  }
}

/**
 * mcu_room_layout_to_json:
 * @room: a room
 *
 * Returns: (transfer full) (nullable): where each site shows in the
 *   room's composite, as last told to the sites; %NULL while nobody is in
 */
JsonNode *
mcu_room_layout_to_json (McuRoom *room)
{
  return room->tiles != NULL ? json_node_ref (room->tiles) : NULL;
}

static void watch_stage (McuRooms *self, McuRoom *room);

static void
speaker_changed (McuRooms *self, McuRoom *room)
{
  McuParticipant *speaker
      = g_hash_table_lookup (room->participants, mcu_stage_get_speaker (room->stage));

  if (speaker != NULL)
    announce_participant (self, "speaker-changed", room, speaker, NULL, NULL);
}

static gboolean
on_stage_due (gpointer user_data)
{
  RoomTarget *target = user_data;
  McuRoom *room = mcu_rooms_lookup (target->rooms, target->room_id);

  if (room == NULL)
    return G_SOURCE_REMOVE;
  room->stage_timer = 0;
  if (mcu_stage_update (room->stage, g_get_monotonic_time ()))
    {
      speaker_changed (target->rooms, room);
      relayout (target->rooms, room);
    }
  watch_stage (target->rooms, room);
  return G_SOURCE_REMOVE;
}

/* A switch held back (by the hold, or a talker not yet long enough) is
 * made when it falls due, even if nobody starts or stops talking. */
static void
watch_stage (McuRooms *self, McuRoom *room)
{
  gint64 now = g_get_monotonic_time ();
  gint64 due = mcu_stage_next_update (room->stage, now);
  RoomTarget *target;

  g_clear_handle_id (&room->stage_timer, g_source_remove);
  if (due == 0)
    return;
  target = g_new0 (RoomTarget, 1);
  target->rooms = self;
  target->room_id = g_strdup (room->id);
  room->stage_timer = g_timeout_add_full (G_PRIORITY_DEFAULT, (due - now) / 1000 + 1, on_stage_due,
                                          target, room_target_free);
}

static void
on_talking (McuRoomMedia *media, guint index, gboolean talking, gpointer user_data)
{
  RoomTarget *target = user_data;
  McuRoom *room = mcu_rooms_lookup (target->rooms, target->room_id);
  McuParticipant *participant;

  if (room == NULL || (participant = participant_by_index (room, index)) == NULL
      || participant->talking == talking)
    return;
  participant->talking = talking;
  announce_participant (target->rooms, talking ? "talking" : "stopped-talking", room, participant,
                        NULL, NULL);
  if (mcu_stage_set_talking (room->stage, participant->id, talking, g_get_monotonic_time ()))
    speaker_changed (target->rooms, room);
  relayout (target->rooms, room);
  watch_stage (target->rooms, room);
}

static char *
new_participant_id (void)
{
  guint8 raw[5];
  GString *id = g_string_new ("p-");

  randombytes_buf (raw, sizeof raw);
  for (guint i = 0; i < sizeof raw; i++)
    g_string_append_printf (id, "%02x", raw[i]);
  return g_string_free (id, FALSE);
}

/* Both compared in full, in time independent of where they differ. */
static gboolean
token_matches (const char *given, const char *expected)
{
  gsize a = strlen (given), b = strlen (expected);

  return a == b && sodium_memcmp (given, expected, b) == 0;
}

/* Nobody (no site, no preview) is in: the media goes. */
static void
drop_media_if_empty (McuRoom *room)
{
  if (g_hash_table_size (room->participants) > 0 || g_hash_table_size (room->monitors) > 0)
    return;
  g_clear_object (&room->media);
  g_clear_pointer (&room->tiles, json_node_unref);
}

/* A session in the room's media, made at the first. */
static McuPeer *
add_peer (McuRooms *self, McuRoom *room, gboolean monitor, GError **error)
{
  McuPeer *peer;

  if (room->media == NULL)
    {
      RoomTarget *target;

      room->media = mcu_room_media_new (room->id, &self->media, error);
      if (room->media == NULL)
        return NULL;
      target = g_new0 (RoomTarget, 1);
      target->rooms = self;
      target->room_id = g_strdup (room->id);
      g_signal_connect_data (room->media, "talking", G_CALLBACK (on_talking), target,
                             room_target_notify, 0);
    }
  peer = mcu_room_media_add_peer (room->media, monitor, error);
  if (peer == NULL)
    drop_media_if_empty (room);
  return peer;
}

static McuParticipant *
media_failed (const GError *media_error, GError **error)
{
  g_message ("a site could not join: %s", media_error->message);
  g_set_error_literal (error, MCU_JOIN_ERROR, MCU_JOIN_ERROR_MEDIA, media_error->message);
  return NULL;
}

/**
 * mcu_rooms_join:
 * @self: the registry
 * @room_id: the room
 * @token: the room's join token, as the site gave it
 * @name: the site's name to show
 * @unit: the site's unit code, or ""
 * @tier: the size of the composite it receives
 * @error: #MCU_JOIN_ERROR
 *
 * Lets a site in: checks the token, the lock and the room's size, starts
 * the room's media if the site is the first, and starts the site's
 * session (its offer follows through the peer's ::offer signal).
 *
 * Returns: (transfer none) (nullable): the site, owned by the room
 */
McuParticipant *
mcu_rooms_join (McuRooms *self, const char *room_id, const char *token, const char *name,
                const char *unit, McuVideoTier tier, GError **error)
{
  McuRoom *room;
  McuParticipant *participant;
  g_autoptr (McuPeer) peer = NULL;
  g_autoptr (GError) media_error = NULL;

  g_return_val_if_fail (MCU_IS_ROOMS (self), NULL);

  /* an unknown room and a wrong token look the same from outside, so
   * that room ids cannot be probed without a token */
  room = mcu_rooms_lookup (self, room_id);
  if (room == NULL || !token_matches (token, room->join_token))
    {
      g_set_error_literal (error, MCU_JOIN_ERROR, MCU_JOIN_ERROR_BAD_TOKEN,
                           _ ("There is no such room, or the join token is wrong."));
      return NULL;
    }
  if (room->locked)
    {
      g_set_error_literal (error, MCU_JOIN_ERROR, MCU_JOIN_ERROR_LOCKED,
                           _ ("The room is locked: no new sites may join."));
      return NULL;
    }
  if (g_hash_table_size (room->participants) >= room->max_participants)
    {
      g_set_error (error, MCU_JOIN_ERROR, MCU_JOIN_ERROR_FULL,
                   _ ("The room is full: it takes at most %u sites."), room->max_participants);
      return NULL;
    }
  peer = add_peer (self, room, FALSE, &media_error);
  if (peer == NULL)
    return media_failed (media_error, error);
  participant = g_new0 (McuParticipant, 1);
  participant->id = new_participant_id ();
  participant->name = g_strdup (name);
  participant->unit = g_strdup (unit);
  participant->joined_at = g_get_real_time () / G_USEC_PER_SEC;
  participant->tier = tier;
  participant->video_enabled = TRUE;
  mcu_peer_set_tier (peer, tier);
  participant->peer = g_steal_pointer (&peer);
  g_hash_table_insert (room->participants, participant->id, participant);
  mcu_stage_add (room->stage, participant->id);
  g_message ("%s (%s) joined room %s as %s", name, *unit != '\0' ? unit : "-", room->id,
             participant->id);
  announce_participant (self, "participant-joined", room, participant, NULL, NULL);
  relayout (self, room);
  return participant;
}

/**
 * mcu_rooms_join_monitor:
 * @self: the registry
 * @room_id: the room
 * @name: who watches (for the log)
 * @tier: the size of the composite it receives
 * @error: %HN_ERROR_NOT_FOUND, or #MCU_JOIN_ERROR_MEDIA
 *
 * Lets a preview in (the caller checked the API key): it receives the
 * composite and the full mix, sends nothing, and is no site — in no tile,
 * in no list, in no attendance.
 *
 * Returns: (transfer none) (nullable): the preview, owned by the room
 */
McuParticipant *
mcu_rooms_join_monitor (McuRooms *self, const char *room_id, const char *name, McuVideoTier tier,
                        GError **error)
{
  McuRoom *room = mcu_rooms_lookup (self, room_id);
  g_autoptr (GError) media_error = NULL;
  g_autofree char *site_id = new_participant_id ();
  McuParticipant *monitor;
  McuPeer *peer;

  if (room == NULL)
    {
      not_found (room_id, error);
      return NULL;
    }
  peer = add_peer (self, room, TRUE, &media_error);
  if (peer == NULL)
    return media_failed (media_error, error);
  monitor = g_new0 (McuParticipant, 1);
  monitor->id = g_strconcat ("m", site_id + 1, NULL); /* "m-…", not "p-…" */
  monitor->name = g_strdup (name);
  monitor->unit = g_strdup ("");
  monitor->joined_at = g_get_real_time () / G_USEC_PER_SEC;
  monitor->tier = tier;
  monitor->monitor = TRUE;
  mcu_peer_set_tier (peer, tier);
  monitor->peer = peer;
  g_hash_table_insert (room->monitors, monitor->id, monitor);
  g_message ("monitor %s (%s) watches room %s", monitor->id, name, room->id);
  return monitor;
}

/**
 * mcu_rooms_lookup_participant:
 * @self: the registry
 * @room_id: the room
 * @participant_id: the site
 * @error: %HN_ERROR_NOT_FOUND
 *
 * Returns: (transfer none) (nullable): the site
 */
McuParticipant *
mcu_rooms_lookup_participant (McuRooms *self, const char *room_id, const char *participant_id,
                              GError **error)
{
  McuRoom *room = mcu_rooms_lookup (self, room_id);
  McuParticipant *participant;

  if (room == NULL)
    {
      not_found (room_id, error);
      return NULL;
    }
  participant = g_hash_table_lookup (room->participants, participant_id);
  if (participant == NULL)
    g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, _ ("There is no site “%s” in room “%s”."),
                 participant_id, room_id);
  return participant;
}

static void
leave (McuRooms *self, McuRoom *room, McuParticipant *participant, const char *reason)
{
  McuPeerStats stats;

  g_message ("%s left room %s: %s", participant->id, room->id, reason);
  mcu_peer_get_stats (participant->peer, &stats);
  self->departed.packets_received += stats.packets_received;
  self->departed.packets_lost += stats.packets_lost;
  self->departed.packets_sent += stats.packets_sent;
  /* told while the site is still there, so that its own session hears it */
  announce_participant (self, "participant-left", room, participant, "reason", reason);
  if (room->recorder != NULL && g_hash_table_size (room->participants) == 1)
    json_node_unref (stop_recording (self, room, "room-empty"));
  mcu_stage_remove (room->stage, participant->id, g_get_monotonic_time ());
  g_hash_table_remove (room->participants, participant->id);
  drop_media_if_empty (room);
  /* the speaker gone, the next talker takes over now (lecture mode left no
   * timer waiting) */
  if (mcu_stage_update (room->stage, g_get_monotonic_time ()))
    speaker_changed (self, room);
  relayout (self, room);
  watch_stage (self, room);
}

/**
 * mcu_rooms_leave:
 * @self: the registry
 * @room_id: the room
 * @participant_id: the site
 * @reason: "left", "disconnected", "kicked", …
 *
 * Takes the site out, if it is still in; the last one out stops the
 * room's media.
 */
void
mcu_rooms_leave (McuRooms *self, const char *room_id, const char *participant_id,
                 const char *reason)
{
  McuRoom *room = mcu_rooms_lookup (self, room_id);
  McuParticipant *participant;

  g_return_if_fail (MCU_IS_ROOMS (self));

  if (room == NULL)
    return;
  if ((participant = g_hash_table_lookup (room->participants, participant_id)) != NULL)
    leave (self, room, participant, reason);
  else if (g_hash_table_remove (room->monitors, participant_id))
    {
      g_message ("monitor %s left room %s: %s", participant_id, room->id, reason);
      drop_media_if_empty (room);
    }
}

/**
 * mcu_rooms_mute:
 * @self: the registry
 * @room_id: the room
 * @participant_id: the site
 * @muted: whether to mute
 * @by_operator: the control API (%TRUE) or the site itself
 * @error: %HN_ERROR_NOT_FOUND; %HN_ERROR_FORBIDDEN when a site would unmute
 *   itself against the operator
 *
 * A muted site leaves everyone's mix at the next frame.
 *
 * Returns: whether the change was made
 */
gboolean
mcu_rooms_mute (McuRooms *self, const char *room_id, const char *participant_id, gboolean muted,
                gboolean by_operator, GError **error)
{
  McuParticipant *participant = mcu_rooms_lookup_participant (self, room_id, participant_id, error);
  gboolean was, now, operator_was;

  if (participant == NULL)
    return FALSE;
  if (!by_operator && !muted && participant->operator_muted)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_FORBIDDEN,
                           _ ("The operator has muted this site; only the operator can unmute "
                              "it."));
      return FALSE;
    }
  was = participant->self_muted || participant->operator_muted;
  operator_was = participant->operator_muted;
  /* the operator's mute and the site's own are kept apart: lifting one
   * leaves the other */
  if (by_operator)
    participant->operator_muted = muted;
  else
    participant->self_muted = muted;
  now = participant->self_muted || participant->operator_muted;
  mcu_peer_set_muted (participant->peer, now);
  if (was != now || operator_was != participant->operator_muted)
    announce_participant (self, now ? "muted" : "unmuted", mcu_rooms_lookup (self, room_id),
                          participant, "by", by_operator ? "operator" : "self");
  return TRUE;
}

/**
 * mcu_rooms_get_totals:
 * @self: the registry
 * @totals: (out caller-allocates): sites and Opus encoders in all rooms; audio
 *   packets dropped behind the sender threads (closed rooms too); the sites
 *   whose audio goes straight to them; RTP
 *   packets received, lost and sent by every site since the start (those
 *   gone included), the worst connected site's jitter, the sum of their
 *   bitrates
 */
void
mcu_rooms_get_totals (McuRooms *self, McuTotals *totals)
{
  g_autoptr (GPtrArray) rooms = mcu_rooms_list (self);

  memset (totals, 0, sizeof *totals);
  totals->media = self->departed;
  totals->send_dropped = mcu_room_media_get_closed_send_dropped ();
  for (guint i = 0; i < rooms->len; i++)
    {
      McuRoom *room = rooms->pdata[i];
      GHashTableIter iter;
      gpointer value;

      totals->participants += g_hash_table_size (room->participants);
      if (room->media != NULL)
        {
          totals->encoders += mcu_room_media_get_encoders (room->media);
          totals->send_dropped += mcu_room_media_get_send_dropped (room->media);
          totals->video_encoders
              += mcu_room_video_get_encoders (mcu_room_media_get_video (room->media));
        }
      g_hash_table_iter_init (&iter, room->participants);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          McuPeerStats stats;

          mcu_peer_get_stats (((McuParticipant *) value)->peer, &stats);
          totals->audio_direct += mcu_peer_sends_audio_direct (((McuParticipant *) value)->peer);
          totals->media.packets_received += stats.packets_received;
          totals->media.packets_lost += stats.packets_lost;
          totals->media.packets_sent += stats.packets_sent;
          totals->media.bitrate_kbps += stats.bitrate_kbps;
          totals->media.jitter_ms = MAX (totals->media.jitter_ms, stats.jitter_ms);
        }
    }
}

/**
 * mcu_rooms_set_layout:
 * @self: the registry
 * @room_id: the room
 * @layout: the layout
 * @pinned: (nullable): a site of the room to keep in the main tile
 * @lecture: whether a speaker who talked 30 s keeps the main tile
 * @error: %HN_ERROR_NOT_FOUND (the room, or the site to pin)
 *
 * The layout and lecture mode are kept with the room; a pin lasts while
 * the site is in.
 *
 * Returns: whether the layout was set
 */
gboolean
mcu_rooms_set_layout (McuRooms *self, const char *room_id, McuLayoutKind layout, const char *pinned,
                      gboolean lecture, GError **error)
{
  McuRoom *room = mcu_rooms_lookup (self, room_id);
  McuLayoutKind old_layout;
  g_autofree char *old_pinned = NULL;
  gboolean old_lecture;

  if (room == NULL)
    return not_found (room_id, error);
  if (pinned != NULL && !mcu_stage_has (room->stage, pinned))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND,
                   _ ("There is no site “%s” in room “%s” to pin."), pinned, room_id);
      return FALSE;
    }
  old_layout = mcu_stage_get_layout (room->stage);
  old_pinned = g_strdup (mcu_stage_get_pinned (room->stage));
  old_lecture = mcu_stage_get_lecture (room->stage);
  mcu_stage_set_layout (room->stage, layout, pinned, lecture);
  if ((old_layout != layout || old_lecture != lecture) && !save (self, NULL, error))
    {
      mcu_stage_set_layout (room->stage, old_layout, old_pinned, old_lecture);
      return FALSE;
    }
  if (mcu_stage_update (room->stage, g_get_monotonic_time ()))
    speaker_changed (self, room);
  relayout (self, room);
  watch_stage (self, room);
  return TRUE;
}

/**
 * mcu_rooms_set_tier:
 * @self: the registry
 * @room_id: the room
 * @participant_id: the site
 * @tier: the size of the composite it receives from now on
 * @error: %HN_ERROR_NOT_FOUND
 *
 * Returns: whether the site's tier was set
 */
gboolean
mcu_rooms_set_tier (McuRooms *self, const char *room_id, const char *participant_id,
                    McuVideoTier tier, GError **error)
{
  McuParticipant *participant = mcu_rooms_lookup_participant (self, room_id, participant_id, error);

  if (participant == NULL)
    return FALSE;
  participant->tier = tier;
  mcu_peer_set_tier (participant->peer, tier);
  return TRUE;
}

/**
 * mcu_rooms_set_video:
 * @self: the registry
 * @room_id: the room
 * @participant_id: the site
 * @enabled: whether its picture shows in its tile (else its placeholder)
 * @error: %HN_ERROR_NOT_FOUND
 *
 * Returns: whether it was set
 */
gboolean
mcu_rooms_set_video (McuRooms *self, const char *room_id, const char *participant_id,
                     gboolean enabled, GError **error)
{
  McuParticipant *participant = mcu_rooms_lookup_participant (self, room_id, participant_id, error);
  McuRoom *room = mcu_rooms_lookup (self, room_id);

  if (participant == NULL)
    return FALSE;
  participant->video_enabled = enabled;
  if (room->media != NULL)
    mcu_room_video_set_enabled (mcu_room_media_get_video (room->media),
                                mcu_peer_get_index (participant->peer), enabled);
  return TRUE;
}

/**
 * mcu_rooms_set_recordings_dir:
 * @self: the registry
 * @dir: where recordings are written (it exists)
 */
void
mcu_rooms_set_recordings_dir (McuRooms *self, const char *dir)
{
  g_return_if_fail (MCU_IS_ROOMS (self));

  g_free (self->recordings_dir);
  self->recordings_dir = g_strdup (dir);
}

/* Tells everyone the recording ended (@reason, and @error when it failed). */
static void
announce_recording_stopped (McuRooms *self, McuRoom *room, JsonNode *recording, const char *reason,
                            const GError *error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) details = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "recording");
  json_builder_add_value (builder, json_node_ref (recording));
  json_builder_set_member_name (builder, "reason");
  json_builder_add_string_value (builder, reason);
  if (error != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, error->message);
    }
  json_builder_end_object (builder);
  details = json_builder_get_root (builder);
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, "recording-stopped", room->id, details);
}

static JsonNode *
stop_recording (McuRooms *self, McuRoom *room, const char *reason)
{
  g_autoptr (McuRecorder) recorder = g_steal_pointer (&room->recorder);
  g_autoptr (GError) error = NULL;
  JsonNode *recording;

  g_signal_handlers_disconnect_by_data (recorder, self);
  if (!mcu_recorder_stop (recorder, &error))
    g_message ("%s", error->message);
  recording = recording_to_json (recorder);
  g_message ("room %s: recording %s stopped (%s), %.1f s", room->id,
             mcu_recorder_get_path (recorder), reason, mcu_recorder_get_duration (recorder));
  announce_recording_stopped (self, room, recording, error != NULL ? "error" : reason, error);
  return recording;
}

/* A recording that stopped by itself (a write failed: the disk is full). */
static void
on_recorder_failed (McuRecorder *recorder, const GError *error, gpointer user_data)
{
  McuRooms *self = MCU_ROOMS (user_data);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      McuRoom *room = value;

      if (room->recorder == recorder)
        {
          g_autoptr (McuRecorder) failed = g_steal_pointer (&room->recorder);
          g_autoptr (JsonNode) recording = recording_to_json (failed);

          g_signal_handlers_disconnect_by_data (failed, self);
          announce_recording_stopped (self, room, recording, "error", error);
          return;
        }
    }
}

/* <dir>/<room>-<local date and time>.webm, not one that exists. */
static char *
recording_path (McuRooms *self, McuRoom *room)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");

  for (guint n = 1;; n++)
    {
      g_autofree char *name = n == 1 ? g_strdup_printf ("%s-%s.webm", room->id, stamp)
                                     : g_strdup_printf ("%s-%s-%u.webm", room->id, stamp, n);
      char *path = g_build_filename (self->recordings_dir, name, NULL);

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return path;
      g_free (path);
    }
}

/**
 * mcu_rooms_start_recording:
 * @self: the registry
 * @room_id: the room
 * @error: %HN_ERROR_NOT_FOUND; %HN_ERROR_CONFLICT when it is being recorded
 *   already or nobody is in
 *
 * Returns: whether the recording started
 */
gboolean
mcu_rooms_start_recording (McuRooms *self, const char *room_id, GError **error)
{
  McuRoom *room = mcu_rooms_lookup (self, room_id);
  g_autofree char *path = NULL;
  g_autoptr (JsonBuilder) builder = NULL;
  g_autoptr (JsonNode) details = NULL;

  if (room == NULL)
    return not_found (room_id, error);
  if (room->recorder != NULL)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFLICT, _ ("Room “%s” is being recorded already."),
                   room_id);
      return FALSE;
    }
  if (room->media == NULL || g_hash_table_size (room->participants) == 0
      || self->recordings_dir == NULL)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFLICT,
                   _ ("Nobody is in room “%s”: there is nothing to record."), room_id);
      return FALSE;
    }
  path = recording_path (self, room);
  room->recorder = mcu_room_media_start_recording (room->media, path, error);
  if (room->recorder == NULL)
    return FALSE;
  g_signal_connect (room->recorder, "failed", G_CALLBACK (on_recorder_failed), self);
  g_message ("room %s: recording to %s", room->id, path);
  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "recording");
  json_builder_add_value (builder, recording_to_json (room->recorder));
  json_builder_end_object (builder);
  details = json_builder_get_root (builder);
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, "recording-started", room->id, details);
  return TRUE;
}

/**
 * mcu_rooms_stop_recording:
 * @self: the registry
 * @room_id: the room
 * @error: %HN_ERROR_NOT_FOUND; %HN_ERROR_CONFLICT when it is not being recorded
 *
 * Stops the recording and waits for its file to be complete.
 *
 * Returns: (transfer full) (nullable): the finished recording (path,
 *   start, duration)
 */
JsonNode *
mcu_rooms_stop_recording (McuRooms *self, const char *room_id, GError **error)
{
  McuRoom *room = mcu_rooms_lookup (self, room_id);

  if (room == NULL)
    {
      not_found (room_id, error);
      return NULL;
    }
  if (room->recorder == NULL)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFLICT, _ ("Room “%s” is not being recorded."),
                   room_id);
      return NULL;
    }
  return stop_recording (self, room, "stopped");
}
