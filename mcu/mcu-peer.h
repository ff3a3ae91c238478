/* mcu-peer.h: one site's WebRTC session inside its room's pipeline. */
#pragma once

#include <gst/gst.h>

#include "mcu-room-video.h"

G_BEGIN_DECLS

/* How the mcu sets up media (the [mcu] settings). */
typedef struct
{
  char **ice_addresses;          /* the local addresses ICE offers; NULL for all */
  guint jitter_ms;               /* each site's jitter buffer */
  gboolean decode_fec;           /* Opus in-band FEC on decoding (GStreamer adds 120 ms for it) */
  gboolean share_encoders;       /* audio: one encoder for all who do not talk */
  gboolean share_video_encoders; /* video: one encoder per tier */
} McuMediaOptions;

/* How a site's media is doing, from webrtcbin's statistics. */
typedef struct
{
  guint64 packets_received;
  gint64 packets_lost;
  double jitter_ms;
  double bitrate_kbps; /* received, over the last interval */
  guint64 packets_sent;
} McuPeerStats;

#define MCU_TYPE_PEER (mcu_peer_get_type ())
G_DECLARE_FINAL_TYPE (McuPeer, mcu_peer, MCU, PEER, GObject)

McuPeer *mcu_peer_new (GstBin *room, GstElement *mixer, McuRoomVideo *video, guint index,
                       gboolean monitor, const McuMediaOptions *options, GError **error);
gboolean mcu_peer_set_answer (McuPeer *self, const char *sdp, GError **error);
gboolean mcu_peer_add_candidate (McuPeer *self, guint mline, const char *candidate, GError **error);
void mcu_peer_set_muted (McuPeer *self, gboolean muted);
void mcu_peer_set_tier (McuPeer *self, McuVideoTier tier);
gboolean mcu_peer_has_picture (McuPeer *self);
gboolean mcu_peer_sends_audio_direct (McuPeer *self);
void mcu_peer_get_stats (McuPeer *self, McuPeerStats *stats);
double mcu_peer_get_level (McuPeer *self);
guint mcu_peer_get_index (McuPeer *self);
void mcu_peer_remove (McuPeer *self);

G_END_DECLS
