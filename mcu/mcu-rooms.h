/* mcu-rooms.h: the mcu's rooms, their join tokens, locks and sites. */
#pragma once

#include <json-glib/json-glib.h>

#include "mcu-room-media.h"
#include "mcu-stage.h"

G_BEGIN_DECLS

/* A site in a room. */
typedef struct
{
  char *id;
  char *name;
  char *unit;
  gint64 joined_at; /* Unix seconds */
  gboolean self_muted;
  gboolean operator_muted;
  gboolean talking;
  McuVideoTier tier;
  gboolean video_enabled; /* FALSE: the technician put its placeholder in its tile */
  gboolean monitor;       /* a preview (the panel): not a site, in no tile, not counted */
  McuPeer *peer;
} McuParticipant;

typedef struct
{
  char *id;
  char *name;
  guint max_participants;
  gboolean locked;
  char *join_token;
  gint64 created_at;
  GHashTable *participants; /* id -> McuParticipant, the sites */
  GHashTable *monitors;     /* id -> McuParticipant, the previews */
  McuRoomMedia *media;      /* while anyone is in */
  McuStage *stage;          /* who shows where in the composite */
  guint stage_timer;        /* for a voice switch held back */
  JsonNode *tiles;          /* the layout as last told to the sites, while anyone is in */
  McuRecorder *recorder;    /* while the room is being recorded */
} McuRoom;

/* Why a site may not join; the signalling protocol's error codes. */
typedef enum
{
  MCU_JOIN_ERROR_BAD_TOKEN,
  MCU_JOIN_ERROR_LOCKED,
  MCU_JOIN_ERROR_FULL,
  MCU_JOIN_ERROR_MEDIA,
} McuJoinError;

/* What /metrics shows of all rooms. */
typedef struct
{
  guint participants;
  guint encoders;       /* Opus */
  guint video_encoders; /* the composites' */
  guint send_dropped;   /* audio packets lost behind a sender thread, closed rooms too */
  guint audio_direct;   /* sites whose audio goes straight to them */
  McuPeerStats media;
} McuTotals;

#define MCU_JOIN_ERROR (mcu_join_error_quark ())
GQuark mcu_join_error_quark (void);

#define MCU_TYPE_ROOMS (mcu_rooms_get_type ())
G_DECLARE_FINAL_TYPE (McuRooms, mcu_rooms, MCU, ROOMS, GObject)

McuRooms *mcu_rooms_new (guint max_rooms, guint max_participants);
gboolean mcu_rooms_load (McuRooms *self, const char *path, GError **error);
void mcu_rooms_set_media_options (McuRooms *self, const McuMediaOptions *options);
void mcu_rooms_set_recordings_dir (McuRooms *self, const char *dir);
McuRoom *mcu_rooms_create (McuRooms *self, const char *id, const char *name, guint max_participants,
                           GError **error);
McuRoom *mcu_rooms_lookup (McuRooms *self, const char *id);
gboolean mcu_rooms_close (McuRooms *self, const char *id, GError **error);
gboolean mcu_rooms_set_locked (McuRooms *self, const char *id, gboolean locked, GError **error);
GPtrArray *mcu_rooms_list (McuRooms *self);
guint mcu_rooms_count (McuRooms *self);
JsonNode *mcu_room_to_json (McuRoom *room, gboolean with_token);
void mcu_rooms_close_all (McuRooms *self, const char *reason);

McuParticipant *mcu_rooms_join (McuRooms *self, const char *room_id, const char *token,
                                const char *name, const char *unit, McuVideoTier tier,
                                GError **error);
McuParticipant *mcu_rooms_join_monitor (McuRooms *self, const char *room_id, const char *name,
                                        McuVideoTier tier, GError **error);
McuParticipant *mcu_rooms_lookup_participant (McuRooms *self, const char *room_id,
                                              const char *participant_id, GError **error);
void mcu_rooms_leave (McuRooms *self, const char *room_id, const char *participant_id,
                      const char *reason);
gboolean mcu_rooms_mute (McuRooms *self, const char *room_id, const char *participant_id,
                         gboolean muted, gboolean by_operator, GError **error);
gboolean mcu_rooms_set_layout (McuRooms *self, const char *room_id, McuLayoutKind layout,
                               const char *pinned, gboolean lecture, GError **error);
gboolean mcu_rooms_set_video (McuRooms *self, const char *room_id, const char *participant_id,
                              gboolean enabled, GError **error);
gboolean mcu_rooms_set_tier (McuRooms *self, const char *room_id, const char *participant_id,
                             McuVideoTier tier, GError **error);
gboolean mcu_rooms_start_recording (McuRooms *self, const char *room_id, GError **error);
JsonNode *mcu_rooms_stop_recording (McuRooms *self, const char *room_id, GError **error);
void mcu_rooms_get_totals (McuRooms *self, McuTotals *totals);
JsonNode *mcu_participant_to_json (McuParticipant *participant, gboolean with_media);
JsonNode *mcu_room_layout_to_json (McuRoom *room);

G_END_DECLS
