/* mcu-opus-send.h: McuOpusSend, a site's audio from the mixer to the
 * site: RTP, SRTP and out through its ICE connection on the calling
 * thread. */
#pragma once

#include <gst/gst.h>
#include <nice/agent.h>

#include "mcu-srtp.h"

G_BEGIN_DECLS

#define MCU_TYPE_OPUS_SEND (mcu_opus_send_get_type ())
G_DECLARE_FINAL_TYPE (McuOpusSend, mcu_opus_send, MCU, OPUS_SEND, GstElement)

GST_ELEMENT_REGISTER_DECLARE (mcuopussend);

void mcu_opus_send_go_direct (McuOpusSend *self, NiceAgent *agent, guint stream_id,
                              guint component_id, McuSrtp *srtp, const char *cname);
void mcu_opus_send_go_forward (McuOpusSend *self);
gboolean mcu_opus_send_is_direct (McuOpusSend *self);
guint32 mcu_opus_send_get_ssrc (McuOpusSend *self);
void mcu_opus_send_get_sent (McuOpusSend *self, guint64 *packets, guint64 *octets);

G_END_DECLS
