/* ep-sdp.h: what the endpoint reads in the SDP of the mcu's offer and of
 * webrtcbin's answer. */
#pragma once

#include <gst/sdp/sdp.h>

G_BEGIN_DECLS

gboolean ep_sdp_find_codec (const GstSDPMessage *sdp, const char *kind, const char *encoding,
                            guint *mline_index, guint *pt);
gboolean ep_sdp_sends (const GstSDPMessage *sdp, guint mline_index);

G_END_DECLS
