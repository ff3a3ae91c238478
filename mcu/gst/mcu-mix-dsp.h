/* mcu-mix-dsp.h: the sample arithmetic of the mix-minus mixer, kept apart
 * from the element so that it can be tested sample by sample. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The level reported for digital silence, in dB below full scale. */
#define MCU_MIX_SILENCE_DB (-127.0)

double mcu_mix_level_dbov (const gint16 *samples, gsize n);
void mcu_mix_add (gint32 *sum, const gint16 *samples, gsize n);
void mcu_mix_limit (gint16 *out, const gint32 *sum, const gint16 *minus, gsize n);

/* Whether a site is talking, from its level frame by frame: it starts on the
 * first frame above the threshold (so the first syllable is mixed) and stops
 * only after hold_frames frames below the threshold less 6 dB, so that
 * pauses between words do not cut it in and out. */
typedef struct
{
  gboolean talking;
  guint quiet_frames;
} McuTalkDetector;

gboolean mcu_talk_detector_update (McuTalkDetector *self, double level_dbov, double threshold_dbov,
                                   guint hold_frames);

G_END_DECLS
