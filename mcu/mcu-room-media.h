/* mcu-room-media.h: a room's media — one pipeline, one clock, one mixer. */
#pragma once

#include "mcu-peer.h"
#include "mcu-recorder.h"

G_BEGIN_DECLS

#define MCU_TYPE_ROOM_MEDIA (mcu_room_media_get_type ())
G_DECLARE_FINAL_TYPE (McuRoomMedia, mcu_room_media, MCU, ROOM_MEDIA, GObject)

McuRoomMedia *mcu_room_media_new (const char *room_id, const McuMediaOptions *options,
                                  GError **error);
McuPeer *mcu_room_media_add_peer (McuRoomMedia *self, gboolean monitor, GError **error);
void mcu_room_media_remove_peer (McuRoomMedia *self, McuPeer *peer);
guint mcu_room_media_get_encoders (McuRoomMedia *self);
guint mcu_room_media_get_send_dropped (McuRoomMedia *self);
guint mcu_room_media_get_closed_send_dropped (void);
McuRoomVideo *mcu_room_media_get_video (McuRoomMedia *self);
McuRecorder *mcu_room_media_start_recording (McuRoomMedia *self, const char *path, GError **error);

G_END_DECLS
