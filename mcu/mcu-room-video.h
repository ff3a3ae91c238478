/* mcu-room-video.h: a room's composite picture — each site's video in its
 * tile, labelled, encoded once and sent to every site. */
#pragma once

#include <gst/gst.h>

#include "mcu-layout.h"

G_BEGIN_DECLS

/* Where a site shows, decided by the room (layout, speaker, pin). */
typedef struct
{
  guint index; /* the site's number in the room's media */
  McuRect rect;
  const char *name;
  gboolean talking;
} McuVideoTile;

/* The sizes the composite is encoded in, each once per codec. */
typedef enum
{
  MCU_VIDEO_TIER_720P,
  MCU_VIDEO_TIER_360P,
  MCU_VIDEO_N_TIERS
} McuVideoTier;

gboolean mcu_video_tier_parse (const char *text, McuVideoTier *tier);
const char *mcu_video_tier_name (McuVideoTier tier);

#define MCU_TYPE_ROOM_VIDEO (mcu_room_video_get_type ())
G_DECLARE_FINAL_TYPE (McuRoomVideo, mcu_room_video, MCU, ROOM_VIDEO, GObject)

McuRoomVideo *mcu_room_video_new (GstBin *room, gboolean share_encoders, GError **error);
guint mcu_room_video_get_encoders (McuRoomVideo *self);
void mcu_room_video_get_keyframe_totals (guint *requests, guint *made);
GstPad *mcu_room_video_add_input (McuRoomVideo *self, guint index);
GstPad *mcu_room_video_add_output (McuRoomVideo *self, guint index, const char *encoding_name,
                                   McuVideoTier tier);
gboolean mcu_room_video_has_picture (McuRoomVideo *self, guint index);
void mcu_room_video_set_enabled (McuRoomVideo *self, guint index, gboolean enabled);
void mcu_room_video_set_tier (McuRoomVideo *self, guint index, McuVideoTier tier);
void mcu_room_video_remove_site (McuRoomVideo *self, guint index);
void mcu_room_video_set_tiles (McuRoomVideo *self, const McuVideoTile *tiles, guint n_tiles);
void mcu_room_video_request_keyframe (McuRoomVideo *self);
GstElement *mcu_room_video_get_recording_tee (McuRoomVideo *self);
void mcu_room_video_get_size (McuRoomVideo *self, guint *width, guint *height);

G_END_DECLS
