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
  g_clear_object (&room->media);
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
  return self;
}

static gboolean valid_id (const char *id);
static gboolean save (McuRooms *self, McuRoom *skipping, GError **error);

static McuRoom *
room_from_json (JsonObject *object, guint max_participants)
{
  const char *const strings[] = { "id", "name", "join_token" };
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

/* Everyone is told (and leaves) before the room goes. */
static void
close_room (McuRooms *self, McuRoom *room, const char *reason)
{
  g_autoptr (GList) participants = g_hash_table_get_values (room->participants);

  for (GList *l = participants; l != NULL; l = l->next)
    leave (self, room, l->data, reason);
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

typedef struct
{
  McuRooms *rooms;
  char *room_id;
} TalkingTarget;

static void
talking_target_free (gpointer data, GClosure *closure)
{
  TalkingTarget *target = data;

  g_free (target->room_id);
  g_free (target);
}

static void
on_talking (McuRoomMedia *media, guint index, gboolean talking, gpointer user_data)
{
  TalkingTarget *target = user_data;
  McuRoom *room = mcu_rooms_lookup (target->rooms, target->room_id);
  McuParticipant *participant;

  if (room == NULL || (participant = participant_by_index (room, index)) == NULL
      || participant->talking == talking)
    return;
  participant->talking = talking;
  announce_participant (target->rooms, talking ? "talking" : "stopped-talking", room, participant,
                        NULL, NULL);
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
                const char *unit, GError **error)
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
  if (room->media == NULL)
    {
      TalkingTarget *target = g_new0 (TalkingTarget, 1);

      room->media = mcu_room_media_new (room->id, &self->media, &media_error);
      if (room->media == NULL)
        {
          g_free (target);
          return media_failed (media_error, error);
        }
      target->rooms = self;
      target->room_id = g_strdup (room->id);
      g_signal_connect_data (room->media, "talking", G_CALLBACK (on_talking), target,
                             talking_target_free, 0);
    }
  peer = mcu_room_media_add_peer (room->media, &media_error);
  if (peer == NULL)
    {
      if (g_hash_table_size (room->participants) == 0)
        g_clear_object (&room->media);
      return media_failed (media_error, error);
    }
  participant = g_new0 (McuParticipant, 1);
  participant->id = new_participant_id ();
  participant->name = g_strdup (name);
  participant->unit = g_strdup (unit);
  participant->joined_at = g_get_real_time () / G_USEC_PER_SEC;
  participant->peer = g_steal_pointer (&peer);
  g_hash_table_insert (room->participants, participant->id, participant);
  g_message ("%s (%s) joined room %s as %s", name, *unit != '\0' ? unit : "-", room->id,
             participant->id);
  announce_participant (self, "participant-joined", room, participant, NULL, NULL);
  return participant;
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
  g_hash_table_remove (room->participants, participant->id);
  if (g_hash_table_size (room->participants) == 0)
    g_clear_object (&room->media);
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

  if (room != NULL
      && (participant = g_hash_table_lookup (room->participants, participant_id)) != NULL)
    leave (self, room, participant, reason);
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
 * @totals: (out caller-allocates): sites and Opus encoders in all rooms; RTP
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
  for (guint i = 0; i < rooms->len; i++)
    {
      McuRoom *room = rooms->pdata[i];
      GHashTableIter iter;
      gpointer value;

      totals->participants += g_hash_table_size (room->participants);
      if (room->media != NULL)
        totals->encoders += mcu_room_media_get_encoders (room->media);
      g_hash_table_iter_init (&iter, room->participants);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          McuPeerStats stats;

          mcu_peer_get_stats (((McuParticipant *) value)->peer, &stats);
          totals->media.packets_received += stats.packets_received;
          totals->media.packets_lost += stats.packets_lost;
          totals->media.packets_sent += stats.packets_sent;
          totals->media.bitrate_kbps += stats.bitrate_kbps;
          totals->media.jitter_ms = MAX (totals->media.jitter_ms, stats.jitter_ms);
        }
    }
}
