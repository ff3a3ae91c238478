/* mcu-mix-minus-pad.h: one site's input to the mix-minus mixer. */
#pragma once

#include <gst/audio/audio.h>

G_BEGIN_DECLS

#define MCU_TYPE_MIX_MINUS_PAD (mcu_mix_minus_pad_get_type ())
G_DECLARE_FINAL_TYPE (McuMixMinusPad, mcu_mix_minus_pad, MCU, MIX_MINUS_PAD, GstAudioAggregatorPad)

/* Called by the mixer on its streaming thread only. */
gint16 *mcu_mix_minus_pad_frame (McuMixMinusPad *self, gsize n_samples);
gboolean mcu_mix_minus_pad_analyse (McuMixMinusPad *self, gsize n_samples, double threshold_dbov,
                                    guint hold_frames, gboolean *talking_changed);
void mcu_mix_minus_pad_clear_frame (McuMixMinusPad *self, gsize n_samples);
guint mcu_mix_minus_pad_get_index (McuMixMinusPad *self);

gboolean mcu_mix_minus_pad_get_talking (McuMixMinusPad *self);
double mcu_mix_minus_pad_get_level (McuMixMinusPad *self);

G_END_DECLS
