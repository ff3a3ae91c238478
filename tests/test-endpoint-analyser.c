/* test-endpoint-analyser.c: the analyser behind `hoinghi-endpoint --check`,
 * fed real GStreamer audio faster than real time (stream clock) — tones
 * are found where they are and only there, silence and missing audio are
 * gaps, the tone window leaves out what came before it — and fed by hand
 * for the arithmetic of first audio and gaps. */
#include "config.h"

#include <gst/gst.h>
#include <math.h>

#include "endpoints/ep-analyser.h"

#define RATE 48000
/* 10 ms buffers: silence and drops start and end on a buffer. */
#define SAMPLES_PER_BUFFER 480

/* ---- through GStreamer ---- */

typedef struct
{
  GstClockTime from;
  GstClockTime until;
} Stretch;

static GstPadProbeReturn
silence_stretch (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  const Stretch *stretch = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime pts = GST_BUFFER_PTS (buffer);

  if (pts >= stretch->from && pts < stretch->until)
    {
      GstMapInfo map;

      buffer = gst_buffer_make_writable (buffer);
      g_assert_true (gst_buffer_map (buffer, &map, GST_MAP_WRITE));
      memset (map.data, 0, map.size);
      gst_buffer_unmap (buffer, &map);
      GST_PAD_PROBE_INFO_DATA (info) = buffer;
    }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
drop_stretch (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  const Stretch *stretch = user_data;
  GstClockTime pts = GST_BUFFER_PTS (GST_PAD_PROBE_INFO_BUFFER (info));

  return pts >= stretch->from && pts < stretch->until ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

/* Runs @description, whose element "out" feeds @analyser's sink, to the
 * end, passing the bus's messages to @analyser. */
static GstElement *
build (EpAnalyser *analyser, const char *description)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) out = NULL;
  GstElement *pipeline, *sink;

  pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  sink = ep_analyser_create_sink (analyser, &error);
  g_assert_no_error (error);
  g_assert_nonnull (sink);
  gst_bin_add (GST_BIN (pipeline), sink);
  out = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  g_assert_true (gst_element_link (out, sink));
  return pipeline;
}

static void
run (EpAnalyser *analyser, GstElement *pipeline)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  gboolean done = FALSE;

  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  while (!done)
    {
      g_autoptr (GstMessage) message = gst_bus_timed_pop_filtered (
          bus, 30 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT);

      g_assert_nonnull (message);
      if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
        {
          g_autoptr (GError) error = NULL;

          gst_message_parse_error (message, &error, NULL);
          g_error ("%s", error->message);
        }
      done = GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS;
      if (!done)
        ep_analyser_handle_message (analyser, message);
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

static void
assert_tone (GArray *tones, double hz, double level_db)
{
  for (guint i = 0; i < tones->len; i++)
    {
      const EpTone *tone = &g_array_index (tones, EpTone, i);

      if (fabs (tone->hz - hz) <= EP_ANALYSER_BAND_HZ)
        {
          g_assert_cmpfloat_with_epsilon (tone->level_db, level_db, 1.0);
          return;
        }
    }
  g_error ("no tone at %.0f Hz among %u", hz, tones->len);
}

static void
test_two_tones_are_heard_and_a_third_is_not (void)
{
  g_autoptr (EpAnalyser) analyser = ep_analyser_new (EP_ANALYSER_CLOCK_STREAM);
  g_autoptr (GArray) tones = NULL;
  g_autoptr (GArray) gaps = NULL;
  const double present[] = { 440, 660 };
  const double absent[] = { 880 };
  const double wrong[] = { 880 };

  /* 0.3 each, as `--test-tone` sends: -10.5 dBFS. */
  run (analyser,
       build (analyser,
              "audiotestsrc freq=440 volume=0.3 num-buffers=300 samplesperbuffer=480 "
              "! audio/x-raw,rate=48000,channels=1 ! audiomixer name=mix ! queue name=out "
              "audiotestsrc freq=660 volume=0.3 num-buffers=300 samplesperbuffer=480 "
              "! audio/x-raw,rate=48000,channels=1 ! mix."));

  tones = ep_analyser_get_tones (analyser);
  g_assert_cmpuint (tones->len, ==, 2);
  assert_tone (tones, 440, -10.5);
  assert_tone (tones, 660, -10.5);
  g_assert_true (ep_analyser_heard_tone (analyser, 440));
  g_assert_true (ep_analyser_heard_tone (analyser, 660));
  g_assert_false (ep_analyser_heard_tone (analyser, 880));

  ep_analyser_set_expected (analyser, present, G_N_ELEMENTS (present), absent,
                            G_N_ELEMENTS (absent));
  g_assert_true (ep_analyser_expected_tones_heard (analyser));
  g_assert_true (ep_analyser_absent_tones_unheard (analyser));
  ep_analyser_set_expected (analyser, wrong, 1, present, 1);
  g_assert_false (ep_analyser_expected_tones_heard (analyser));
  g_assert_false (ep_analyser_absent_tones_unheard (analyser));

  ep_analyser_finish (analyser, 3 * G_USEC_PER_SEC);
  g_assert_cmpint (ep_analyser_get_first_audio_ms (analyser), ==, 0);
  g_assert_cmpint (ep_analyser_get_max_gap_ms (analyser), ==, 0);
  gaps = ep_analyser_get_gaps (analyser);
  g_assert_cmpuint (gaps->len, ==, 0);
}

static void
test_tone_between_bands (void)
{
  g_autoptr (EpAnalyser) analyser = ep_analyser_new (EP_ANALYSER_CLOCK_STREAM);
  g_autoptr (GArray) tones = NULL;

  /* 1010 Hz lies halfway between the bands of 1000 and 1020 Hz. */
  run (analyser, build (analyser, "audiotestsrc freq=1010 volume=0.1 num-buffers=100 "
                                  "samplesperbuffer=480 ! audio/x-raw,rate=48000,channels=1 "
                                  "! queue name=out"));
  tones = ep_analyser_get_tones (analyser);
  g_assert_cmpuint (tones->len, ==, 1);
  g_assert_cmpfloat_with_epsilon (g_array_index (tones, EpTone, 0).hz, 1010, 5);
  g_assert_cmpfloat_with_epsilon (g_array_index (tones, EpTone, 0).level_db, -20, 1);
}

static void
test_silence_and_missing_audio_are_gaps (void)
{
  g_autoptr (EpAnalyser) analyser = ep_analyser_new (EP_ANALYSER_CLOCK_STREAM);
  g_autoptr (GArray) gaps = NULL;
  g_autoptr (GstElement) source = NULL;
  g_autoptr (GstPad) pad = NULL;
  Stretch silent = { 1000 * GST_MSECOND, 1300 * GST_MSECOND };
  Stretch dropped = { 2000 * GST_MSECOND, 2200 * GST_MSECOND };
  Stretch short_drop = { 2500 * GST_MSECOND, 2550 * GST_MSECOND };
  GstElement *pipeline;

  pipeline = build (analyser, "audiotestsrc name=source freq=440 volume=0.3 num-buffers=300 "
                              "samplesperbuffer=480 ! audio/x-raw,rate=48000,channels=1 "
                              "! queue name=out");
  source = gst_bin_get_by_name (GST_BIN (pipeline), "source");
  pad = gst_element_get_static_pad (source, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, silence_stretch, &silent, NULL);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, drop_stretch, &dropped, NULL);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, drop_stretch, &short_drop, NULL);
  ep_analyser_mark_start (analyser, 0);
  run (analyser, pipeline);
  ep_analyser_finish (analyser, 3 * G_USEC_PER_SEC);

  /* The 50 ms drop is no gap, but the longest stretch would be 300 ms. */
  gaps = ep_analyser_get_gaps (analyser);
  g_assert_cmpuint (gaps->len, ==, 2);
  g_assert_cmpint (g_array_index (gaps, EpGap, 0).at_ms, ==, 1000);
  g_assert_cmpint (g_array_index (gaps, EpGap, 0).ms, ==, 300);
  g_assert_cmpint (g_array_index (gaps, EpGap, 1).at_ms, ==, 2000);
  g_assert_cmpint (g_array_index (gaps, EpGap, 1).ms, ==, 200);
  g_assert_cmpint (ep_analyser_get_max_gap_ms (analyser), ==, 300);
  g_assert_cmpint (ep_analyser_get_first_audio_ms (analyser), ==, 0);
  g_assert_true (ep_analyser_heard_tone (analyser, 440));
}

/* ---- by hand ---- */

static void
push_tone (EpAnalyser *analyser, gint64 from_us, gint64 until_us, double amplitude)
{
  gint16 buffer[SAMPLES_PER_BUFFER];

  for (gint64 t = from_us; t < until_us; t += 10 * G_TIME_SPAN_MILLISECOND)
    {
      for (guint i = 0; i < SAMPLES_PER_BUFFER; i++)
        buffer[i] = (gint16) (amplitude * 32767 * sin (2 * G_PI * 440 * i / RATE));
      ep_analyser_push_samples (analyser, t, buffer, SAMPLES_PER_BUFFER);
    }
}

static void
test_first_audio_and_the_silence_at_the_end (void)
{
  g_autoptr (EpAnalyser) analyser = ep_analyser_new (EP_ANALYSER_CLOCK_STREAM);
  g_autoptr (GArray) gaps = NULL;

  ep_analyser_mark_start (analyser, 1 * G_USEC_PER_SEC);
  /* Quieter than -60 dBFS: silence. */
  push_tone (analyser, 1000 * G_TIME_SPAN_MILLISECOND, 1500 * G_TIME_SPAN_MILLISECOND, 0.0005);
  g_assert_cmpint (ep_analyser_get_first_audio_ms (analyser), ==, -1);
  g_assert_cmpint (ep_analyser_get_max_gap_ms (analyser), ==, -1);
  push_tone (analyser, 1500 * G_TIME_SPAN_MILLISECOND, 2000 * G_TIME_SPAN_MILLISECOND, 0.3);
  ep_analyser_finish (analyser, 3 * G_USEC_PER_SEC);
  /* Nothing counts after the end. */
  push_tone (analyser, 3000 * G_TIME_SPAN_MILLISECOND, 3100 * G_TIME_SPAN_MILLISECOND, 0.3);

  g_assert_cmpint (ep_analyser_get_first_audio_ms (analyser), ==, 500);
  gaps = ep_analyser_get_gaps (analyser);
  g_assert_cmpuint (gaps->len, ==, 1);
  g_assert_cmpint (g_array_index (gaps, EpGap, 0).at_ms, ==, 1000);
  g_assert_cmpint (g_array_index (gaps, EpGap, 0).ms, ==, 1000);
}

static void
push_peak (EpAnalyser *analyser, gint64 time_us, guint band)
{
  float magnitudes[1201];

  for (guint i = 0; i < G_N_ELEMENTS (magnitudes); i++)
    magnitudes[i] = -120;
  magnitudes[band - 1] = magnitudes[band + 1] = -25;
  magnitudes[band] = -20;
  ep_analyser_push_spectrum (analyser, time_us, magnitudes, G_N_ELEMENTS (magnitudes));
}

static void
test_the_tone_window_leaves_out_the_start (void)
{
  g_autoptr (EpAnalyser) analyser = ep_analyser_new (EP_ANALYSER_CLOCK_STREAM);
  g_autoptr (EpAnalyser) whole = ep_analyser_new (EP_ANALYSER_CLOCK_STREAM);

  ep_analyser_set_tone_window (analyser, 5 * G_USEC_PER_SEC);
  for (gint64 t = 0; t < 10 * G_USEC_PER_SEC; t += 100 * G_TIME_SPAN_MILLISECOND)
    {
      /* 880 Hz first, then 440 Hz */
      push_peak (analyser, t, t < 5 * G_USEC_PER_SEC ? 44 : 22);
      push_peak (whole, t, t < 5 * G_USEC_PER_SEC ? 44 : 22);
    }
  g_assert_true (ep_analyser_heard_tone (analyser, 440));
  g_assert_false (ep_analyser_heard_tone (analyser, 880));
  g_assert_true (ep_analyser_heard_tone (whole, 440));
  g_assert_true (ep_analyser_heard_tone (whole, 880));
}

static JsonObject *
report (EpAnalyser *analyser)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  ep_analyser_add_to_report (analyser, builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_object_ref (json_node_get_object (root));
}

static void
test_report (void)
{
  g_autoptr (EpAnalyser) analyser = ep_analyser_new (EP_ANALYSER_CLOCK_STREAM);
  g_autoptr (JsonObject) before = NULL;
  g_autoptr (JsonObject) after = NULL;
  const double present[] = { 440 };
  JsonArray *tones;

  ep_analyser_set_expected (analyser, present, 1, NULL, 0);
  before = report (analyser);
  g_assert_true (json_object_get_null_member (before, "time_to_first_audio_ms"));
  g_assert_true (json_object_get_null_member (before, "max_gap_ms"));
  g_assert_true (json_object_get_null_member (before, "last_audio_ms"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (before, "tones")), ==, 0);
  g_assert_false (json_object_get_boolean_member (before, "expect_tones_ok"));
  g_assert_true (json_object_get_boolean_member (before, "expect_absent_ok"));

  push_tone (analyser, 0, 200 * G_TIME_SPAN_MILLISECOND, 0.3);
  for (gint64 t = 0; t < 200 * G_TIME_SPAN_MILLISECOND; t += 100 * G_TIME_SPAN_MILLISECOND)
    push_peak (analyser, t, 22);
  after = report (analyser);
  g_assert_cmpint (json_object_get_int_member (after, "time_to_first_audio_ms"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (after, "max_gap_ms"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (after, "last_audio_ms"), ==, 200);
  tones = json_object_get_array_member (after, "tones");
  g_assert_cmpuint (json_array_get_length (tones), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (tones, 0), "hz"), ==,
                   440);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (after, "gaps")), ==, 0);
  g_assert_true (json_object_get_boolean_member (after, "expect_tones_ok"));
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/endpoint/analyser/two-tones", test_two_tones_are_heard_and_a_third_is_not);
  g_test_add_func ("/endpoint/analyser/between-bands", test_tone_between_bands);
  g_test_add_func ("/endpoint/analyser/gaps", test_silence_and_missing_audio_are_gaps);
  g_test_add_func ("/endpoint/analyser/first-audio", test_first_audio_and_the_silence_at_the_end);
  g_test_add_func ("/endpoint/analyser/tone-window", test_the_tone_window_leaves_out_the_start);
  g_test_add_func ("/endpoint/analyser/report", test_report);
  return g_test_run ();
}
