/* ep-analyser.h: what a site hears — the tones in the received audio, when
 * it started and where it stopped, for `hoinghi-endpoint --check`. */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A 10 ms stretch quieter than this (RMS, dBFS) counts as silence. */
#define EP_ANALYSER_SILENCE_DBFS (-60.0)
/* A stretch without audible audio longer than this is a gap. */
#define EP_ANALYSER_GAP_MS 60
/* The width of one spectrum band. */
#define EP_ANALYSER_BAND_HZ 20.0

/**
 * EpTone:
 * @hz: the tone's frequency
 * @level_db: its level in dB relative to a full-scale sine (dBFS)
 *
 * A spectral peak standing clearly above the floor of the spectrum.
 */
typedef struct
{
  double hz;
  double level_db;
} EpTone;

/**
 * EpGap:
 * @at_ms: where the gap started, from ep_analyser_mark_start()
 * @ms: how long it lasted
 */
typedef struct
{
  gint64 at_ms;
  gint64 ms;
} EpGap;

/**
 * EpAnalyserClock:
 * @EP_ANALYSER_CLOCK_WALL: audio is stamped when it reaches the sink
 *   (g_get_monotonic_time()), as a listener hears it: for live sessions
 * @EP_ANALYSER_CLOCK_STREAM: audio is stamped with its running time, for
 *   pipelines that run faster than real time (tests)
 */
typedef enum
{
  EP_ANALYSER_CLOCK_WALL,
  EP_ANALYSER_CLOCK_STREAM,
} EpAnalyserClock;

#define EP_TYPE_ANALYSER (ep_analyser_get_type ())
G_DECLARE_FINAL_TYPE (EpAnalyser, ep_analyser, EP, ANALYSER, GObject)

EpAnalyser *ep_analyser_new (EpAnalyserClock clock);

GstElement *ep_analyser_create_sink (EpAnalyser *self, GError **error);
gboolean ep_analyser_handle_message (EpAnalyser *self, GstMessage *message);

void ep_analyser_mark_start (EpAnalyser *self, gint64 time_us);
void ep_analyser_set_tone_window (EpAnalyser *self, gint64 from_us);
void ep_analyser_set_expected (EpAnalyser *self, const double *present, guint n_present,
                               const double *absent, guint n_absent);

void ep_analyser_push_samples (EpAnalyser *self, gint64 time_us, const gint16 *samples,
                               gsize n_samples);
void ep_analyser_push_spectrum (EpAnalyser *self, gint64 time_us, const float *magnitudes_db,
                                guint n_bands);
void ep_analyser_finish (EpAnalyser *self, gint64 end_us);

gint64 ep_analyser_get_first_audio_ms (EpAnalyser *self);
gint64 ep_analyser_get_max_gap_ms (EpAnalyser *self);
GArray *ep_analyser_get_tones (EpAnalyser *self);
GArray *ep_analyser_get_gaps (EpAnalyser *self);
gboolean ep_analyser_heard_tone (EpAnalyser *self, double hz);
gboolean ep_analyser_expected_tones_heard (EpAnalyser *self);
gboolean ep_analyser_absent_tones_unheard (EpAnalyser *self);

void ep_analyser_add_to_report (EpAnalyser *self, JsonBuilder *builder);

G_END_DECLS
