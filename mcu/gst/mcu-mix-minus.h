/* mcu-mix-minus.h: the room's audio mixer — every site hears everyone but
 * itself, and listeners who add nothing share one encoder. */
#pragma once

#include <gst/audio/audio.h>

G_BEGIN_DECLS

#define MCU_TYPE_MIX_MINUS (mcu_mix_minus_get_type ())
G_DECLARE_FINAL_TYPE (McuMixMinus, mcu_mix_minus, MCU, MIX_MINUS, GstAudioAggregator)

GST_ELEMENT_REGISTER_DECLARE (mcumixminus);

G_END_DECLS
