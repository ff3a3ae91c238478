/* mcu-rooms.c: McuRooms, the registry of rooms.
 *
 * A room is created by the control API (later by the scheduler when a
 * meeting starts) with a random join token that every site must present;
 * each change is announced with the "event" signal, which the event
 * stream forwards to its subscribers.
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
};

enum
{
  SIGNAL_EVENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (McuRooms, mcu_rooms, G_TYPE_OBJECT)

static void
room_free (gpointer data)
{
  McuRoom *room = data;

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

  G_OBJECT_CLASS (mcu_rooms_parent_class)->finalize (object);
}

static void
mcu_rooms_class_init (McuRoomsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mcu_rooms_finalize;

  /**
   * McuRooms::event:
   * @rooms: the registry
   * @type: e.g. "room-created", "room-closed", "room-locked"
   * @room: (transfer none): the room's JSON
   *
   * Emitted on every change of a room.
   */
  signals[SIGNAL_EVENT]
      = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                      G_TYPE_NONE, 2, G_TYPE_STRING, JSON_TYPE_NODE);
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
  return self;
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
  g_autoptr (JsonNode) node = mcu_room_to_json (room, FALSE);

  g_signal_emit (self, signals[SIGNAL_EVENT], 0, type, node);
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
  g_hash_table_insert (self->rooms, room->id, room);
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
  announce (self, "room-closed", room);
  g_hash_table_remove (self->rooms, id);
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
