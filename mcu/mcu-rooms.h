/* mcu-rooms.h: the mcu's rooms, their join tokens and locks. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  char *id;
  char *name;
  guint max_participants;
  gboolean locked;
  char *join_token;
  gint64 created_at;
} McuRoom;

#define MCU_TYPE_ROOMS (mcu_rooms_get_type ())
G_DECLARE_FINAL_TYPE (McuRooms, mcu_rooms, MCU, ROOMS, GObject)

McuRooms *mcu_rooms_new (guint max_rooms, guint max_participants);
McuRoom *mcu_rooms_create (McuRooms *self, const char *id, const char *name, guint max_participants,
                           GError **error);
McuRoom *mcu_rooms_lookup (McuRooms *self, const char *id);
gboolean mcu_rooms_close (McuRooms *self, const char *id, GError **error);
gboolean mcu_rooms_set_locked (McuRooms *self, const char *id, gboolean locked, GError **error);
GPtrArray *mcu_rooms_list (McuRooms *self);
guint mcu_rooms_count (McuRooms *self);
JsonNode *mcu_room_to_json (McuRoom *room, gboolean with_token);

G_END_DECLS
