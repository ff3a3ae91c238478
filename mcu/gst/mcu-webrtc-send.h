/* mcu-webrtc-send.h: how the mcu's webrtcbins send. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

void mcu_webrtc_send_unsynced (GstElement *webrtcbin);

G_END_DECLS
