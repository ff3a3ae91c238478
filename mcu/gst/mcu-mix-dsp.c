/* mcu-mix-dsp.c: levels, sums and the soft limiter of the mix-minus mixer. */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include "mcu-mix-dsp.h"

#include <math.h>

/* Below the knee the mix passes unchanged; above it the curve bends smoothly
 * towards full scale and never reaches it, so a loud sum is compressed
 * instead of wrapping round or being cut flat (both of which sound like
 * cracks to every listener at once). */
#define KNEE 0.75

/**
 * mcu_mix_level_dbov:
 * @samples: (array length=n): one frame of mono S16 samples
 * @n: the number of samples
 *
 * Returns: the RMS level of the frame in dB below full scale, or
 *   %MCU_MIX_SILENCE_DB for digital silence
 */
double
mcu_mix_level_dbov (const gint16 *samples, gsize n)
{
  /* in integers, exact and without a floating-point chain per sample
   * (every site's frame, every 20 ms): 2^30 a sample at most */
  gint64 energy = 0;

  for (gsize i = 0; i < n; i++)
    energy += (gint32) samples[i] * samples[i];
  if (n == 0 || energy == 0)
    return MCU_MIX_SILENCE_DB;
  return MAX (MCU_MIX_SILENCE_DB, 10 * log10 ((double) energy / n / (32768.0 * 32768.0)));
}

/**
 * mcu_mix_add:
 * @sum: (array length=n): the running sum, widened so that it cannot overflow
 * @samples: (array length=n): one site's frame
 * @n: the number of samples
 *
 * Adds one site's frame to the room's sum.
 */
void
mcu_mix_add (gint32 *sum, const gint16 *samples, gsize n)
{
  for (gsize i = 0; i < n; i++)
    sum[i] += samples[i];
}

static inline gint16
soft_limit (gint32 value)
{
  double x = value / 32768.0;
  double magnitude = fabs (x);

  if (magnitude <= KNEE)
    return (gint16) value;
  magnitude = KNEE + (1 - KNEE) * tanh ((magnitude - KNEE) / (1 - KNEE));
  return (gint16) lrint (copysign (MIN (magnitude * 32768.0, 32767.0), x));
}

/**
 * mcu_mix_limit:
 * @out: (array length=n): where the listener's frame is written
 * @sum: (array length=n): the room's sum of every contributing site
 * @minus: (array length=n) (nullable): the listener's own contribution, taken
 *   out of the sum, or %NULL for a listener that contributes nothing
 * @n: the number of samples
 *
 * Writes sum − minus through the soft limiter.
 */
void
mcu_mix_limit (gint16 *out, const gint32 *sum, const gint16 *minus, gsize n)
{
  for (gsize i = 0; i < n; i++)
    out[i] = soft_limit (minus ? sum[i] - minus[i] : sum[i]);
}

/**
 * mcu_talk_detector_update:
 * @self: the site's detector
 * @level_dbov: the level of the frame just received
 * @threshold_dbov: the level above which a site is talking
 * @hold_frames: how many quiet frames end a turn
 *
 * Returns: %TRUE when the talking state changed with this frame
 */
gboolean
mcu_talk_detector_update (McuTalkDetector *self, double level_dbov, double threshold_dbov,
                          guint hold_frames)
{
  if (level_dbov > threshold_dbov)
    {
      self->quiet_frames = 0;
      if (self->talking)
        return FALSE;
      self->talking = TRUE;
      return TRUE;
    }
  if (!self->talking)
    return FALSE;
  if (level_dbov > threshold_dbov - 6)
    {
      self->quiet_frames = 0;
      return FALSE;
    }
  if (++self->quiet_frames < hold_frames)
    return FALSE;
  self->talking = FALSE;
  self->quiet_frames = 0;
  return TRUE;
}
