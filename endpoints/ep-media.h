/* ep-media.h: one WebRTC media session of a site — the pipeline around
 * webrtcbin that answers the mcu's offer, sends the site's audio and video
 * and plays (or analyses) what the mcu sends back. */
#pragma once

#include <gst/gst.h>

#include "ep-analyser.h"
#include "ep-video-analyser.h"
#include "ep-video.h"

G_BEGIN_DECLS

#define EP_TYPE_MEDIA (ep_media_get_type ())
G_DECLARE_FINAL_TYPE (EpMedia, ep_media, EP, MEDIA, GObject)

/* test_tone_hz for a site that sends silence (listens only). */
#define EP_MEDIA_SILENCE (-1.0)

/**
 * EpMediaConfig:
 * @ice_addresses: (nullable) (array zero-terminated=1): the only local
 *   addresses ICE may use, or %NULL for every interface
 * @test_tone_hz: a sine of this frequency instead of the microphone, 0 for
 *   the microphone, or %EP_MEDIA_SILENCE
 * @video: the video the site sends, if any
 * @show_video: show the room's video in a window (unless @video_analyser
 *   takes it); %FALSE drops it undecoded
 * @analyser: (nullable): where received audio goes instead of the speakers
 * @video_analyser: (nullable): where received video goes instead of a window
 */
typedef struct
{
  const char *const *ice_addresses;
  double test_tone_hz;
  EpVideoSend video;
  gboolean show_video;
  EpAnalyser *analyser;
  EpVideoAnalyser *video_analyser;
  double receive_loss; /* 0 to 1: the share of received packets dropped (a poor link) */
} EpMediaConfig;

EpMedia *ep_media_new (const EpMediaConfig *config);
gboolean ep_media_start (EpMedia *self, const char *offer_sdp, GError **error);
void ep_media_add_ice_candidate (EpMedia *self, guint mline_index, const char *candidate);
void ep_media_stop (EpMedia *self);

GStrv ep_media_required_elements (const EpMediaConfig *config);

G_END_DECLS
