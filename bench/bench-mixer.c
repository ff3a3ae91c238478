/* bench-mixer.c: the mix-minus mixer's cost for one room of N sites, two of
 * them talking, in the shared-encoder design against one encoder per
 * listener (the Janus AudioBridge design) measured in the same run.
 *
 * The sites' decoded audio comes from audiotestsrc (two tones, the rest
 * silence), and the mixer runs as fast as it can on 10 s of audio; the
 * sources' own cost is measured alone and taken off. What this leaves out
 * (RTP, SRTP, ICE, decoding the talkers) is the same in both designs. */
#include "config.h"

#include <gst/gst.h>
#include <sys/resource.h>

#include "mcu/gst/mcu-plugin.h"

#define FRAMES 500 /* 20 ms each: 10 s of audio */
#define RAW_CAPS "audio/x-raw, format=S16LE, rate=48000, channels=1, layout=interleaved"

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec
         + usage.ru_stime.tv_usec / 1e6;
}

static GstElement *
site_source (guint i)
{
  g_autofree char *description = g_strdup_printf (
      "audiotestsrc num-buffers=%u samplesperbuffer=960 wave=%s freq=%u volume=0.2 "
      "! capsfilter caps=\"" RAW_CAPS "\"",
      FRAMES, i < 2 ? "sine" : "silence", 440 + 220 * i);
  g_autoptr (GError) error = NULL;
  GstElement *bin = gst_parse_bin_from_description (description, TRUE, &error);

  g_assert_no_error (error);
  return bin;
}

/* Runs the pipeline to its end; returns CPU seconds, and the most encoders
 * seen in use when there is a mixer. */
static double
run (GstElement *pipeline, GstElement *mixer, guint *max_encoders)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  double start = cpu_seconds ();

  *max_encoders = 0;
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (;;)
    {
      g_autoptr (GstMessage) m
          = gst_bus_timed_pop_filtered (bus, 5 * GST_MSECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
      if (mixer != NULL)
        {
          guint n;
          g_object_get (mixer, "encoders", &n, NULL);
          *max_encoders = MAX (*max_encoders, n);
        }
      if (m == NULL)
        continue;
      if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR)
        {
          g_autoptr (GError) error = NULL;
          gst_message_parse_error (m, &error, NULL);
          g_error ("pipeline: %s", error->message);
        }
      break;
    }
  double used = cpu_seconds () - start;
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return used;
}

static double
sources_alone (guint n)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new (NULL);
  guint unused;

  for (guint i = 0; i < n; i++)
    {
      GstElement *source = site_source (i);
      GstElement *sink = gst_element_factory_make ("fakesink", NULL);
      g_object_set (sink, "sync", FALSE, NULL);
      gst_bin_add_many (GST_BIN (pipeline), source, sink, NULL);
      gst_element_link (source, sink);
    }
  return run (pipeline, NULL, &unused);
}

static double
room (guint n, gboolean share, guint *encoders)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new (NULL);
  GstElement *mixer = gst_element_factory_make ("mcumixminus", NULL);
  GstElement *mix_sink = gst_element_factory_make ("fakesink", NULL);

  g_object_set (mixer, "share-encoders", share, NULL);
  g_object_set (mix_sink, "sync", FALSE, NULL);
  gst_bin_add_many (GST_BIN (pipeline), mixer, mix_sink, NULL);
  gst_element_link (mixer, mix_sink);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *sink_name = g_strdup_printf ("sink_%u", i);
      g_autofree char *listen_name = g_strdup_printf ("listen_%u", i);
      GstElement *source = site_source (i);
      GstElement *ear = gst_element_factory_make ("fakesink", NULL);

      /* Straight from the mixer's thread: this measures the mixing and
       * encoding (faster than real time, sender threads would drop what
       * falls behind; bench-mcu has them). */
      g_object_set (ear, "sync", FALSE, NULL);
      gst_bin_add_many (GST_BIN (pipeline), source, ear, NULL);
      g_assert_true (gst_element_link_pads (source, NULL, mixer, sink_name));
      g_assert_true (gst_element_link_pads (mixer, listen_name, ear, NULL));
    }
  return run (pipeline, mixer, encoders);
}

int
main (int argc, char **argv)
{
  const guint sizes[] = { 10, 50, 150 };
  const double audio_seconds = FRAMES * 0.020;

  gst_init (&argc, &argv);
  mcu_plugin_register ();

  g_print ("mix-minus mixer, one room, 2 of N sites talking, %.0f s of audio a run\n",
           audio_seconds);
  g_print ("CPU-seconds per second of audio (the sources' own cost taken off)\n");
  g_print ("%8s %12s %9s %14s %9s %8s\n", "sites", "shared", "encoders", "per-listener", "encoders",
           "ratio");
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      guint n = sizes[s], shared_encoders, own_encoders;
      double base = sources_alone (n);
      double shared = MAX (0, room (n, TRUE, &shared_encoders) - base) / audio_seconds;
      double own = MAX (0, room (n, FALSE, &own_encoders) - base) / audio_seconds;

      g_print ("%8u %12.4f %9u %14.4f %9u %7.1fx\n", n, shared, shared_encoders, own, own_encoders,
               shared > 0 ? own / shared : 0);
    }
  return 0;
}
