/* mcu-peer.h: one site's WebRTC session inside its room's pipeline. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

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

McuPeer *mcu_peer_new (GstBin *room, GstElement *mixer, guint index,
                       const char *const *ice_addresses, guint jitter_ms, GError **error);
gboolean mcu_peer_set_answer (McuPeer *self, const char *sdp, GError **error);
gboolean mcu_peer_add_candidate (McuPeer *self, guint mline, const char *candidate, GError **error);
void mcu_peer_set_muted (McuPeer *self, gboolean muted);
void mcu_peer_get_stats (McuPeer *self, McuPeerStats *stats);
double mcu_peer_get_level (McuPeer *self);
guint mcu_peer_get_index (McuPeer *self);
void mcu_peer_remove (McuPeer *self);

G_END_DECLS
