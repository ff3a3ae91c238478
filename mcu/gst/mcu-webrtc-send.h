/* mcu-webrtc-send.h: how the mcu's webrtcbins send. */
#pragma once

#include <gst/gst.h>

#include "mcu-opus-send.h"

G_BEGIN_DECLS

void mcu_webrtc_send_unsynced (GstElement *webrtcbin);
gboolean mcu_webrtc_send_go_direct (GstElement *webrtcbin, McuOpusSend *audio, GError **error);

G_END_DECLS
