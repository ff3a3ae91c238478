/* ep-media.h: one WebRTC media session of a site — the pipeline around
 * webrtcbin that answers the mcu's offer, sends the site's audio and plays
 * (or analyses) what the mcu sends back. */
#pragma once

#include <gst/gst.h>

#include "ep-analyser.h"

G_BEGIN_DECLS

#define EP_TYPE_MEDIA (ep_media_get_type ())
G_DECLARE_FINAL_TYPE (EpMedia, ep_media, EP, MEDIA, GObject)

/* test_tone_hz for a site that sends silence (listens only). */
#define EP_MEDIA_SILENCE (-1.0)

EpMedia *ep_media_new (const char *const *ice_addresses, double test_tone_hz, EpAnalyser *analyser);
gboolean ep_media_start (EpMedia *self, const char *offer_sdp, GError **error);
void ep_media_add_ice_candidate (EpMedia *self, guint mline_index, const char *candidate);
void ep_media_stop (EpMedia *self);

const char *const *ep_media_required_elements (gboolean test_tone, gboolean analyse);

G_END_DECLS
