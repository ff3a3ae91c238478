/* mcu-mix-minus-pad.c: one site's input to the mix-minus mixer — the frame
 * it sent for the current 20 ms, its level, whether it is talking and
 * whether it is muted by the operator. */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include "mcu-mix-minus-pad.h"
#include "mcu-mix-dsp.h"

#include <stdlib.h>
#include <string.h>

struct _McuMixMinusPad
{
  GstAudioAggregatorPad parent_instance;

  /* The streaming thread's own; no lock. */
  gint16 *frame;
  gsize frame_len;
  McuTalkDetector detector;

  /* Read by anyone, with the object lock. */
  double level;
  gboolean talking;

  /* Set by the operator from any thread; read once a frame. */
  gint muted;
};

G_DEFINE_FINAL_TYPE (McuMixMinusPad, mcu_mix_minus_pad, GST_TYPE_AUDIO_AGGREGATOR_PAD)

enum
{
  PROP_0,
  PROP_MUTED,
  PROP_LEVEL,
  PROP_TALKING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/**
 * mcu_mix_minus_pad_frame:
 * @self: the pad
 * @n_samples: the length of the mixer's frames
 *
 * Returns: (transfer none): the pad's frame for the current output buffer,
 *   zero where nothing has arrived
 */
gint16 *
mcu_mix_minus_pad_frame (McuMixMinusPad *self, gsize n_samples)
{
  if (self->frame_len != n_samples)
    {
      g_free (self->frame);
      self->frame = g_new0 (gint16, n_samples);
      self->frame_len = n_samples;
    }
  return self->frame;
}

/**
 * mcu_mix_minus_pad_analyse:
 * @self: the pad
 * @n_samples: the length of the mixer's frames
 * @threshold_dbov: the talking threshold
 * @hold_frames: how many quiet frames end a turn
 * @talking_changed: (out): whether the site started or stopped talking
 *
 * Measures the current frame and updates the talking state.
 *
 * Returns: whether the site's frame goes into the mix: it talks and is not
 *   muted
 */
gboolean
mcu_mix_minus_pad_analyse (McuMixMinusPad *self, gsize n_samples, double threshold_dbov,
                           guint hold_frames, gboolean *talking_changed)
{
  const gint16 *frame = mcu_mix_minus_pad_frame (self, n_samples);
  double level = mcu_mix_level_dbov (frame, n_samples);
  gboolean muted = g_atomic_int_get (&self->muted);

  /* A muted site is measured too: the panel shows a muted site that talks. */
  *talking_changed = mcu_talk_detector_update (&self->detector, level, threshold_dbov, hold_frames);
  GST_OBJECT_LOCK (self);
  self->level = level;
  self->talking = self->detector.talking;
  GST_OBJECT_UNLOCK (self);
  return self->detector.talking && !muted;
}

/**
 * mcu_mix_minus_pad_clear_frame:
 * @self: the pad
 * @n_samples: the length of the mixer's frames
 *
 * Silences the frame once it has been mixed.
 */
void
mcu_mix_minus_pad_clear_frame (McuMixMinusPad *self, gsize n_samples)
{
  memset (mcu_mix_minus_pad_frame (self, n_samples), 0, n_samples * sizeof (gint16));
}

/**
 * mcu_mix_minus_pad_get_index:
 * @self: the pad
 *
 * Returns: N of the pad's name `sink_N`; the listener pad `listen_N` hears
 *   everyone but this pad
 */
guint
mcu_mix_minus_pad_get_index (McuMixMinusPad *self)
{
  const char *name = GST_OBJECT_NAME (self);

  return g_str_has_prefix (name, "sink_") ? (guint) strtoul (name + 5, NULL, 10) : G_MAXUINT;
}

/**
 * mcu_mix_minus_pad_get_talking:
 * @self: the pad
 *
 * Returns: whether the site is talking
 */
gboolean
mcu_mix_minus_pad_get_talking (McuMixMinusPad *self)
{
  g_return_val_if_fail (MCU_IS_MIX_MINUS_PAD (self), FALSE);
  GST_OBJECT_LOCK (self);
  gboolean talking = self->talking;
  GST_OBJECT_UNLOCK (self);
  return talking;
}

/**
 * mcu_mix_minus_pad_get_level:
 * @self: the pad
 *
 * Returns: the level of the last frame, in dB below full scale
 */
double
mcu_mix_minus_pad_get_level (McuMixMinusPad *self)
{
  g_return_val_if_fail (MCU_IS_MIX_MINUS_PAD (self), MCU_MIX_SILENCE_DB);
  GST_OBJECT_LOCK (self);
  double level = self->level;
  GST_OBJECT_UNLOCK (self);
  return level;
}

static void
mcu_mix_minus_pad_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  McuMixMinusPad *self = MCU_MIX_MINUS_PAD (object);

  switch (prop_id)
    {
    case PROP_MUTED:
      g_value_set_boolean (value, g_atomic_int_get (&self->muted));
      break;
    case PROP_LEVEL:
      g_value_set_double (value, mcu_mix_minus_pad_get_level (self));
      break;
    case PROP_TALKING:
      g_value_set_boolean (value, mcu_mix_minus_pad_get_talking (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mcu_mix_minus_pad_set_property (GObject *object, guint prop_id, const GValue *value,
                                GParamSpec *pspec)
{
  McuMixMinusPad *self = MCU_MIX_MINUS_PAD (object);

  switch (prop_id)
    {
    case PROP_MUTED:
      if (g_atomic_int_get (&self->muted) != g_value_get_boolean (value))
        {
          g_atomic_int_set (&self->muted, g_value_get_boolean (value));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mcu_mix_minus_pad_finalize (GObject *object)
{
  McuMixMinusPad *self = MCU_MIX_MINUS_PAD (object);

  g_free (self->frame);
  G_OBJECT_CLASS (mcu_mix_minus_pad_parent_class)->finalize (object);
}

static void
mcu_mix_minus_pad_class_init (McuMixMinusPadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = mcu_mix_minus_pad_get_property;
  object_class->set_property = mcu_mix_minus_pad_set_property;
  object_class->finalize = mcu_mix_minus_pad_finalize;

  properties[PROP_MUTED] = g_param_spec_boolean (
      "muted", "Muted", "Whether the site is left out of everyone's mix", FALSE,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_LEVEL] = g_param_spec_double ("level", "Level", "Level of the last frame in dBov",
                                                MCU_MIX_SILENCE_DB, 0, MCU_MIX_SILENCE_DB,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TALKING]
      = g_param_spec_boolean ("talking", "Talking", "Whether the site talks", FALSE,
                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mcu_mix_minus_pad_init (McuMixMinusPad *self)
{
  self->level = MCU_MIX_SILENCE_DB;
}
