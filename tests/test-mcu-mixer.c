/* test-mcu-mixer.c: the mix-minus mixer, sample by sample and as an
 * element under GstHarness — each site hears all but itself, muted sites
 * drop out at once, listeners that add nothing share one encoder, the
 * limiter bends instead of wrapping, a site that stops sending does not
 * stop the room, and with sender threads each listener gets its packets in
 * order while one that cannot take them holds up only its own thread's,
 * and a listener's release waits for a push already on its way. */
#include "config.h"

#include <gst/check/gstharness.h>
#include <math.h>
#include <opus.h>

#include "mcu/gst/mcu-mix-dsp.h"
#include "mcu/gst/mcu-mix-minus-pad.h"
#include "mcu/gst/mcu-plugin.h"
#include "mcu/gst/mcu-webrtc-send.h"

#define FRAME 960
#define RAW_CAPS "audio/x-raw, format=S16LE, rate=48000, channels=1, layout=interleaved"

/* ---- the arithmetic ---- */

static void
test_limit_is_exact_below_the_knee (void)
{
  gint32 sum[4] = { 1000, -20000, 24000, 0 };
  gint16 own[4] = { 500, -10000, 4000, 0 };
  gint16 out[4];

  mcu_mix_limit (out, sum, own, 4);
  g_assert_cmpint (out[0], ==, 500);
  g_assert_cmpint (out[1], ==, -10000);
  g_assert_cmpint (out[2], ==, 20000);
  g_assert_cmpint (out[3], ==, 0);
}

static void
test_limit_bends_and_never_wraps (void)
{
  gint16 previous = 0;

  for (gint32 v = 0; v <= 200000; v += 97)
    {
      gint32 sum[2] = { v, -v };
      gint16 out[2];

      mcu_mix_limit (out, sum, NULL, 2);
      g_assert_cmpint (out[0], >=, previous);
      g_assert_cmpint (out[0], <=, 32767);
      g_assert_cmpint (out[1], ==, -out[0]);
      previous = out[0];
    }
  g_assert_cmpint (previous, >, 32000);
}

static void
test_level_of_silence_and_full_scale (void)
{
  gint16 frame[FRAME] = { 0 };

  g_assert_cmpfloat (mcu_mix_level_dbov (frame, FRAME), ==, MCU_MIX_SILENCE_DB);
  for (guint i = 0; i < FRAME; i++)
    frame[i] = (i % 2) ? 32767 : -32767;
  g_assert_cmpfloat (fabs (mcu_mix_level_dbov (frame, FRAME)), <, 0.01);
}

static void
test_talk_detector_holds_through_pauses (void)
{
  McuTalkDetector d = { 0 };

  g_assert_false (mcu_talk_detector_update (&d, -60, -50, 3));
  g_assert_true (mcu_talk_detector_update (&d, -30, -50, 3));
  g_assert_true (d.talking);
  /* Between the thresholds: still talking, however long. */
  for (guint i = 0; i < 10; i++)
    g_assert_false (mcu_talk_detector_update (&d, -53, -50, 3));
  g_assert_false (mcu_talk_detector_update (&d, -70, -50, 3));
  g_assert_false (mcu_talk_detector_update (&d, -70, -50, 3));
  g_assert_true (mcu_talk_detector_update (&d, -70, -50, 3));
  g_assert_false (d.talking);
}

/* ---- the element ---- */

typedef struct
{
  GstElement *mixer;
  GstBus *bus;
  GstHarness *raw;      /* sink_0 and the raw src */
  GstHarness *sinks[4]; /* sinks[0] == raw */
  GstHarness *listens[4];
  OpusDecoder *decoders[4];
  GArray *heard[4]; /* decoded samples per listener */
  guint n_sinks;
  guint frame_no;
  GstClockTime last_pts[4]; /* what each listener got last, with sender threads */
} Fixture;

static void
set_up (Fixture *f, guint n_sinks, guint sender_threads)
{
  f->mixer = gst_element_factory_make ("mcumixminus", NULL);
  g_assert_nonnull (f->mixer);
  g_object_set (f->mixer, "sender-threads", sender_threads, NULL);
  f->bus = gst_bus_new ();
  gst_element_set_bus (f->mixer, f->bus);
  f->n_sinks = n_sinks;
  for (guint i = 0; i < n_sinks; i++)
    {
      g_autofree char *name = g_strdup_printf ("sink_%u", i);
      f->sinks[i] = gst_harness_new_with_element (f->mixer, name, i == 0 ? "src" : NULL);
      gst_harness_set_live (f->sinks[i], FALSE);
      gst_harness_set_src_caps_str (f->sinks[i], RAW_CAPS);
    }
  f->raw = f->sinks[0];
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("listen_%u", i);
      int error;
      f->listens[i] = gst_harness_new_with_element (f->mixer, NULL, name);
      f->decoders[i] = opus_decoder_create (48000, 1, &error);
      f->heard[i] = g_array_new (FALSE, TRUE, sizeof (gint16));
    }
  gst_harness_play (f->raw);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  set_up (f, GPOINTER_TO_UINT (data), 0);
}

/* Three talking sites, four listeners and two sender threads. */
static void
fixture_set_up_senders (Fixture *f, gconstpointer data)
{
  (void) data;
  set_up (f, 3, 2);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  (void) data;
  for (guint i = 0; i < 4; i++)
    {
      gst_harness_teardown (f->listens[i]);
      opus_decoder_destroy (f->decoders[i]);
      g_array_unref (f->heard[i]);
    }
  for (guint i = f->n_sinks; i-- > 0;)
    gst_harness_teardown (f->sinks[i]);
  gst_bus_set_flushing (f->bus, TRUE);
  gst_object_unref (f->bus);
  gst_object_unref (f->mixer);
}

static GstBuffer *
tone_frame (double hz, double amplitude, guint frame_no)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, FRAME * sizeof (gint16), NULL);
  GstMapInfo map;

  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  gint16 *s = (gint16 *) map.data;
  for (guint i = 0; i < FRAME; i++)
    s[i] = (gint16) lrint (amplitude * sin (2 * G_PI * hz * (frame_no * FRAME + i) / 48000.0));
  gst_buffer_unmap (buffer, &map);
  GST_BUFFER_PTS (buffer) = frame_no * 20 * GST_MSECOND;
  GST_BUFFER_DURATION (buffer) = 20 * GST_MSECOND;
  return buffer;
}

/* Decodes whatever each listener got; a frame DTX left out is silence. */
static void
drain_listeners (Fixture *f, guint frames)
{
  for (guint i = 0; i < 4; i++)
    {
      GstBuffer *packet;
      guint got = 0;

      while ((packet = gst_harness_try_pull (f->listens[i])) != NULL)
        {
          GstMapInfo map;
          gint16 pcm[FRAME];

          gst_buffer_map (packet, &map, GST_MAP_READ);
          int n = opus_decode (f->decoders[i], map.data, (opus_int32) map.size, pcm, FRAME, 0);
          gst_buffer_unmap (packet, &map);
          gst_buffer_unref (packet);
          g_assert_cmpint (n, ==, FRAME);
          g_array_append_vals (f->heard[i], pcm, FRAME);
          got++;
        }
      g_array_set_size (f->heard[i], f->heard[i]->len + (frames - got) * FRAME);
    }
}

/* Pushes one frame on every sink (a tone or, for hz 0, silence) and waits
 * for the mix, so that what happens between frames is well ordered. */
static GstBuffer *
step (Fixture *f, const double *hz, double amplitude)
{
  for (guint i = 0; i < f->n_sinks; i++)
    g_assert_cmpint (
        gst_harness_push (f->sinks[i], tone_frame (hz[i], hz[i] > 0 ? amplitude : 0, f->frame_no)),
        ==, GST_FLOW_OK);
  f->frame_no++;
  GstBuffer *mix = gst_harness_pull (f->raw);
  g_assert_nonnull (mix);
  drain_listeners (f, 1);
  return mix;
}

static void
run (Fixture *f, const double *hz, guint frames)
{
  for (guint i = 0; i < frames; i++)
    gst_buffer_unref (step (f, hz, 3000));
}

/* Amplitude of @hz in the last @frames frames a listener heard (Goertzel). */
static double
tone_amplitude (Fixture *f, guint listener, double hz, guint frames)
{
  GArray *a = f->heard[listener];
  guint n = frames * FRAME;
  const gint16 *s = (const gint16 *) a->data + (a->len - n);
  double k = 2 * cos (2 * G_PI * hz / 48000.0), s1 = 0, s2 = 0;

  g_assert_cmpuint (a->len, >=, n);
  for (guint i = 0; i < n; i++)
    {
      double s0 = s[i] + k * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
  double power = s1 * s1 + s2 * s2 - k * s1 * s2;
  return 2 * sqrt (MAX (power, 0)) / n;
}

static guint
encoders (Fixture *f)
{
  guint n;
  g_object_get (f->mixer, "encoders", &n, NULL);
  return n;
}

#define HEARD(f, l, hz) g_assert_cmpfloat (tone_amplitude (f, l, hz, 10), >, 1500)
#define NOT_HEARD(f, l, hz) g_assert_cmpfloat (tone_amplitude (f, l, hz, 10), <, 150)

/* Sites 0, 1 and 2 sending 440, 660 and 880 Hz: each heard the other two
 * and not itself; listen_3 has no sink: it only listens, and hears everyone. */
static void
assert_all_but_itself (Fixture *f)
{
  const double hz[3] = { 440, 660, 880 };

  for (guint l = 0; l < 4; l++)
    for (guint site = 0; site < 3; site++)
      {
        if (site == l)
          NOT_HEARD (f, l, hz[site]);
        else
          HEARD (f, l, hz[site]);
      }
}

static void
test_each_hears_all_but_itself (Fixture *f, gconstpointer data)
{
  const double hz[3] = { 440, 660, 880 };

  (void) data;
  run (f, hz, 40);
  assert_all_but_itself (f);
  /* Three talkers with their own encoder, one shared for the listener. */
  g_assert_cmpuint (encoders (f), ==, 4);
}

static void
test_listeners_share_one_encoder (Fixture *f, gconstpointer data)
{
  const double one_talker[3] = { 440, 0, 0 };

  (void) data;
  run (f, one_talker, 40);
  g_assert_cmpuint (encoders (f), ==, 2);
  HEARD (f, 1, 440);
  HEARD (f, 2, 440);
  HEARD (f, 3, 440);
  NOT_HEARD (f, 0, 440);
  /* The silent sites got the very same packets as the listener. */
  GArray *a = f->heard[1];
  for (guint l = 2; l < 4; l++)
    g_assert_cmpmem (a->data, a->len * 2, f->heard[l]->data, f->heard[l]->len * 2);

  /* The per-listener design, for the benchmark: one encoder a listener. */
  g_object_set (f->mixer, "share-encoders", FALSE, NULL);
  run (f, one_talker, 2);
  g_assert_cmpuint (encoders (f), ==, 4 + 1);
}

/* A listener's pad that is not active when the mix reaches it (a site
 * being added or taken down, on another thread) gets nothing; once active
 * again, its stream starts over before any data (GStreamer warns of data
 * without a stream-start, and the suite makes warnings fatal). */
static void
test_listener_pad_reactivated (Fixture *f, gconstpointer data)
{
  const double one_talker[3] = { 440, 0, 0 };
  g_autoptr (GstPad) pad = gst_element_get_static_pad (f->mixer, "listen_3");

  (void) data;
  g_assert_true (gst_pad_set_active (pad, FALSE));
  run (f, one_talker, 5);
  g_assert_true (gst_pad_set_active (pad, TRUE));
  run (f, one_talker, 40);
  HEARD (f, 3, 440);
}

static void
test_mute_drops_a_site_at_once (Fixture *f, gconstpointer data)
{
  const double hz[3] = { 440, 660, 880 };
  g_autoptr (GstPad) pad = gst_element_get_static_pad (f->mixer, "sink_1");

  (void) data;
  run (f, hz, 30);
  HEARD (f, 0, 660);
  g_object_set (pad, "muted", TRUE, NULL);
  run (f, hz, 15);
  /* The next frame already left it out; Opus adds a few ms of delay. */
  NOT_HEARD (f, 0, 660);
  NOT_HEARD (f, 2, 660);
  NOT_HEARD (f, 3, 660);
  HEARD (f, 0, 880);
  HEARD (f, 1, 440);
  HEARD (f, 1, 880);
  g_assert_true (mcu_mix_minus_pad_get_talking (MCU_MIX_MINUS_PAD (pad)));
  g_object_set (pad, "muted", FALSE, NULL);
  run (f, hz, 15);
  HEARD (f, 0, 660);
  HEARD (f, 3, 660);
}

static void
test_loud_sum_is_limited_not_wrapped (Fixture *f, gconstpointer data)
{
  const double hz[2] = { 440, 440 };

  (void) data;
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr (GstBuffer) mix = step (f, hz, 30000);
      GstMapInfo map;
      gst_buffer_map (mix, &map, GST_MAP_READ);
      const gint16 *s = (const gint16 *) map.data;
      gint peak = 0;
      for (guint j = 0; j < FRAME; j++)
        {
          double sum = 2 * 30000 * sin (2 * G_PI * 440 * ((f->frame_no - 1) * FRAME + j) / 48000.0);
          /* Same sign as the true sum (a wrap flips it), and bent only
           * where the sum leaves the linear range. */
          if (fabs (sum) > 200)
            g_assert_cmpint ((s[j] > 0), ==, (sum > 0));
          if (fabs (sum) < 24000)
            g_assert_cmpint (abs (s[j] - (gint) lrint (sum)), <=, 1);
          peak = MAX (peak, abs (s[j]));
        }
      gst_buffer_unmap (mix, &map);
      g_assert_cmpint (peak, >, 30000);
    }
}

static void
test_talking_is_posted (Fixture *f, gconstpointer data)
{
  const double talk[2] = { 440, 0 };
  const double quiet[2] = { 0, 0 };
  guint started = 0, stopped = 0;

  (void) data;
  run (f, talk, 5);
  run (f, quiet, 45); /* 0.9 s of quiet ends the 0.8 s hold */
  GstMessage *m;
  while ((m = gst_bus_pop_filtered (f->bus, GST_MESSAGE_ELEMENT)) != NULL)
    {
      const GstStructure *s = gst_message_get_structure (m);
      gboolean talking;
      g_assert_true (gst_structure_has_name (s, "mcu-talking"));
      g_assert_cmpstr (GST_OBJECT_NAME (GST_MESSAGE_SRC (m)), ==, "sink_0");
      g_assert_true (gst_structure_get_boolean (s, "talking", &talking));
      talking ? started++ : stopped++;
      gst_message_unref (m);
    }
  g_assert_cmpuint (started, ==, 1);
  g_assert_cmpuint (stopped, ==, 1);
  /* Nobody talks: the own encoder is gone, and DTX sends (almost) nothing. */
  g_assert_cmpuint (encoders (f), ==, 1);
}

static void
test_end_reaches_every_listener (Fixture *f, gconstpointer data)
{
  const double hz[2] = { 440, 0 };

  (void) data;
  run (f, hz, 3);
  for (guint i = 0; i < f->n_sinks; i++)
    g_assert_true (gst_harness_push_event (f->sinks[i], gst_event_new_eos ()));
  /* The listener that talked and the ones that shared all see the end. */
  for (guint l = 0; l < 4; l++)
    {
      gboolean eos = FALSE;
      GstEvent *event;
      while (!eos && (event = gst_harness_pull_event (f->listens[l])) != NULL)
        {
          eos = GST_EVENT_TYPE (event) == GST_EVENT_EOS;
          gst_event_unref (event);
        }
      g_assert_true (eos);
    }
}

/* ---- sender threads ---- */

/* Waits for listener @l's next packet (from a sender thread); its time
 * must follow the one before. */
static void
receive (Fixture *f, guint l)
{
  GstBuffer *packet = gst_harness_pull (f->listens[l]);
  GstMapInfo map;
  gint16 pcm[FRAME];

  g_assert_nonnull (packet);
  if (f->last_pts[l] != 0)
    g_assert_cmpuint (GST_BUFFER_PTS (packet), >, f->last_pts[l]);
  f->last_pts[l] = GST_BUFFER_PTS (packet);
  gst_buffer_map (packet, &map, GST_MAP_READ);
  g_assert_cmpint (opus_decode (f->decoders[l], map.data, (opus_int32) map.size, pcm, FRAME, 0), ==,
                   FRAME);
  gst_buffer_unmap (packet, &map);
  gst_buffer_unref (packet);
  g_array_append_vals (f->heard[l], pcm, FRAME);
}

/* One frame of three tones; the mix comes out on this thread, the
 * listeners' packets on the sender threads. */
static void
push_frame (Fixture *f)
{
  const double hz[3] = { 440, 660, 880 };

  for (guint i = 0; i < f->n_sinks; i++)
    g_assert_cmpint (gst_harness_push (f->sinks[i], tone_frame (hz[i], 3000, f->frame_no)), ==,
                     GST_FLOW_OK);
  f->frame_no++;
  gst_buffer_unref (gst_harness_pull (f->raw));
}

/* @frames frames, each listener waited for each time. */
static void
run_senders (Fixture *f, guint frames)
{
  for (guint frame = 0; frame < frames; frame++)
    {
      push_frame (f);
      for (guint l = 0; l < 4; l++)
        receive (f, l);
    }
}

static guint
send_dropped (Fixture *f)
{
  guint dropped;

  g_object_get (f->mixer, "send-dropped", &dropped, NULL);
  return dropped;
}

static void
test_senders_all_but_itself (Fixture *f, gconstpointer data)
{
  (void) data;
  run_senders (f, 40);
  assert_all_but_itself (f);
  g_assert_cmpuint (send_dropped (f), ==, 0);
}

/* Blocks the pad (a BLOCK probe); says the thread is held. */
static GstPadProbeReturn
hold (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  g_atomic_int_set ((gint *) user_data, 1);
  return GST_PAD_PROBE_OK;
}

/* Listener 0 cannot take its packets: its thread waits, and listener 2,
 * on the same thread, with it; listeners 1 and 3, on the other, and the
 * mix go on.  The two waiting keep their last 10 packets each and lose
 * the older ones; once listener 0 takes again, both catch up. */
static void
test_senders_blocked_listener (Fixture *f, gconstpointer data)
{
  GstPad *blocked_pad = f->listens[0]->sinkpad;
  gint held = 0;
  gulong probe;

  (void) data;
  /* the first packets pin listeners 0 and 2 to one thread, 1 and 3 to
   * the other (each goes to the thread with fewer) */
  run_senders (f, 5);
  probe = gst_pad_add_probe (blocked_pad, GST_PAD_PROBE_TYPE_BLOCK | GST_PAD_PROBE_TYPE_BUFFER,
                             hold, &held, NULL);
  for (guint frame = 0; frame < 30; frame++)
    {
      push_frame (f);
      /* the thread holds the first frame's packets before the next come */
      for (guint waited = 0; frame == 0 && !g_atomic_int_get (&held) && waited < 5000; waited++)
        g_usleep (1000);
      g_assert_true (g_atomic_int_get (&held));
      receive (f, 1);
      receive (f, 3);
    }
  /* 30 frames: the first held at listener 0's pad (listener 2's went),
   * ten kept for each, the rest lost */
  g_assert_cmpuint (send_dropped (f), ==, 2 * (30 - 1 - 10));
  gst_pad_remove_probe (blocked_pad, probe);
  for (guint i = 0; i < 1 + 10; i++)
    {
      receive (f, 0);
      receive (f, 2);
    }
  run_senders (f, 5);
  HEARD (f, 0, 660);
  NOT_HEARD (f, 0, 440);
  HEARD (f, 2, 440);
  NOT_HEARD (f, 2, 880);
}

/* A listener's chain that can hold the sender thread inside it. */
typedef struct
{
  GMutex lock;
  GCond changed;
  gboolean hold;   /* a packet waits in the chain while set */
  gboolean inside; /* a sender thread is in the chain */
  guint packets;
  gboolean released; /* the listener's release has returned */
} Catcher;

static GstFlowReturn
catcher_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  Catcher *c = gst_pad_get_element_private (pad);

  (void) parent;
  g_mutex_lock (&c->lock);
  c->packets++;
  c->inside = TRUE;
  g_cond_broadcast (&c->changed);
  while (c->hold)
    g_cond_wait (&c->changed, &c->lock);
  c->inside = FALSE;
  g_mutex_unlock (&c->lock);
  gst_buffer_unref (buffer);
  return GST_FLOW_OK;
}

static gboolean
catcher_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  (void) pad;
  (void) parent;
  gst_event_unref (event);
  return TRUE;
}

typedef struct
{
  GstElement *mixer;
  GstPad *pad;
  Catcher *catcher;
} Release;

static gpointer
release_listener (gpointer data)
{
  Release *job = data;

  gst_element_release_request_pad (job->mixer, job->pad);
  g_mutex_lock (&job->catcher->lock);
  job->catcher->released = TRUE;
  g_cond_broadcast (&job->catcher->changed);
  g_mutex_unlock (&job->catcher->lock);
  return NULL;
}

/* A listener released while its sender thread is inside a push to it:
 * the release returns only after that push does, so whoever stops the
 * site's elements next stops none that a sender thread is in (a sink
 * between PAUSED and READY would hold the thread, and every site of it,
 * as long as the stop takes); later packets do not reach it. */
static void
test_senders_release_waits_for_push (Fixture *f, gconstpointer data)
{
  Catcher c = { .hold = TRUE };
  g_autoptr (GstPad) listener = gst_element_request_pad_simple (f->mixer, "listen_4");
  g_autoptr (GstPad) sink = gst_pad_new ("catcher", GST_PAD_SINK);
  Release job = { f->mixer, listener, &c };
  GThread *thread;
  gint64 deadline;
  guint packets;

  (void) data;
  g_mutex_init (&c.lock);
  g_cond_init (&c.changed);
  gst_pad_set_element_private (sink, &c);
  gst_pad_set_chain_function (sink, catcher_chain);
  gst_pad_set_event_function (sink, catcher_event);
  gst_pad_set_active (sink, TRUE);
  g_assert_cmpint (gst_pad_link (listener, sink), ==, GST_PAD_LINK_OK);
  for (guint frame = 0; frame < 50; frame++)
    {
      gboolean inside;

      push_frame (f);
      g_mutex_lock (&c.lock);
      if (!c.inside)
        g_cond_wait_until (&c.changed, &c.lock, g_get_monotonic_time () + G_TIME_SPAN_SECOND);
      inside = c.inside;
      g_mutex_unlock (&c.lock);
      if (inside)
        break;
    }
  g_assert_true (c.inside);
  thread = g_thread_new ("release", release_listener, &job);
  /* long enough for a release that does not wait to have returned */
  g_mutex_lock (&c.lock);
  deadline = g_get_monotonic_time () + 200 * G_TIME_SPAN_MILLISECOND;
  while (!c.released && g_cond_wait_until (&c.changed, &c.lock, deadline))
    ;
  g_assert_false (c.released);
  g_assert_true (c.inside);
  c.hold = FALSE;
  g_cond_broadcast (&c.changed);
  g_mutex_unlock (&c.lock);
  g_thread_join (thread);
  g_assert_true (c.released);
  packets = c.packets;
  for (guint frame = 0; frame < 5; frame++)
    push_frame (f);
  run_senders (f, 5);
  g_assert_cmpuint (c.packets, ==, packets);
  g_assert_null (gst_pad_get_peer (sink));
  g_cond_clear (&c.changed);
  g_mutex_clear (&c.lock);
}

/* ---- a live room whose one site stops sending ---- */

static GstBuffer *
pull_tone_frame (GstHarness *raw, guint frame_no)
{
  GstBuffer *mix = gst_harness_pull (raw);

  g_assert_nonnull (mix);
  g_assert_cmpuint (GST_BUFFER_PTS (mix), ==, frame_no * 20 * GST_MSECOND);
  return mix;
}

static void
test_silent_site_does_not_stall_the_room (void)
{
  GstElement *mixer = gst_element_factory_make ("mcumixminus", NULL);
  GstHarness *sink0 = gst_harness_new_with_element (mixer, "sink_0", "src");
  GstHarness *sink1 = gst_harness_new_with_element (mixer, "sink_1", NULL);
  GstHarness *listen1 = gst_harness_new_with_element (mixer, NULL, "listen_1");
  guint frame_no = 0, packets = 0;

  /* Live sources and the harness's test clock: a frame that does not come
   * is waited for until the clock says it is late, as in a real room. */
  gst_harness_use_testclock (sink0);
  gst_harness_set_src_caps_str (sink0, RAW_CAPS);
  gst_harness_set_src_caps_str (sink1, RAW_CAPS);
  gst_harness_play (sink0);

  for (; frame_no < 10; frame_no++)
    {
      gst_harness_push (sink0, tone_frame (440, 3000, frame_no));
      gst_harness_push (sink1, tone_frame (660, 3000, frame_no));
      gst_buffer_unref (pull_tone_frame (sink0, frame_no));
    }
  /* Site 1 stops sending: each frame of site 0 still comes out, in turn,
   * once the clock passes its deadline. */
  for (; frame_no < 40; frame_no++)
    {
      gst_harness_push (sink0, tone_frame (440, 3000, frame_no));
      g_assert_true (gst_harness_crank_single_clock_wait (sink0));
      gst_buffer_unref (pull_tone_frame (sink0, frame_no));
    }
  /* And listener 1 heard site 0 all along. */
  GstBuffer *packet;
  while ((packet = gst_harness_try_pull (listen1)) != NULL)
    {
      packets++;
      gst_buffer_unref (packet);
    }
  g_assert_cmpuint (packets, ==, 40);

  gst_harness_teardown (listen1);
  gst_harness_teardown (sink1);
  gst_harness_teardown (sink0);
  gst_object_unref (mixer);
}

/* ---- how the mcu's webrtcbins send ---- */

#define OPUS_RTP_CAPS                                                                              \
  "application/x-rtp, media=audio, encoding-name=OPUS, payload=111, clock-rate=48000"

/* The session description a webrtcbin promise answered with. */
static gpointer
description_of (GstPromise *promise, const char *field)
{
  const GstStructure *reply;

  g_assert_cmpint (gst_promise_wait (promise), ==, GST_PROMISE_RESULT_REPLIED);
  reply = gst_promise_get_reply (promise);
  g_assert_true (gst_structure_has_field (reply, field));
  return g_value_dup_boxed (gst_structure_get_value (reply, field));
}

/* Sets @description on @webrtc (local or remote) and waits. */
static void
describe (GstElement *webrtc, const char *which, gpointer description)
{
  g_autoptr (GstPromise) promise = gst_promise_new ();

  g_signal_emit_by_name (webrtc, which, description, promise);
  g_assert_cmpint (gst_promise_wait (promise), ==, GST_PROMISE_RESULT_REPLIED);
}

/* No UPnP port mapping, as in the mcu and the endpoint (libnice's UPnP
 * leaks, and multicasts). */
static void
no_upnp (GstElement *webrtc)
{
  g_autoptr (GObject) ice = NULL;
  g_autoptr (GObject) agent = NULL;

  g_object_get (webrtc, "ice-agent", &ice, NULL);
  g_object_get (ice, "agent", &agent, NULL);
  g_object_set (agent, "upnp", FALSE, NULL);
}

/* The clocksyncs in @bin and the bins in it: how many, and how many sync. */
static void
count_clocksyncs (GstBin *bin, guint *all, guint *syncing)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_recurse (bin);
  GValue item = G_VALUE_INIT;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *element = g_value_get_object (&item);
      GstElementFactory *factory = gst_element_get_factory (element);
      gboolean sync = FALSE;

      if (factory != NULL
          && g_str_equal (gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (factory)), "clocksync"))
        {
          g_object_get (element, "sync", &sync, NULL);
          (*all)++;
          *syncing += sync;
        }
      g_value_reset (&item);
    }
}

/* An Opus stream offered by one webrtcbin and answered by another, as the
 * mcu and a site do (no ICE: the send path exists once offered);
 * @unsynced: whether the sender went through mcu_webrtc_send_unsynced().
 * The sender's clocksyncs: how many, and how many sync. */
static void
negotiate_and_count (gboolean unsynced, guint *all, guint *syncing)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new (NULL);
  GstElement *sender = gst_element_factory_make ("webrtcbin", NULL);
  GstElement *receiver = gst_element_factory_make ("webrtcbin", NULL);
  GstElement *source = gst_parse_bin_from_description (
      "audiotestsrc is-live=true ! opusenc ! rtpopuspay pt=111", TRUE, NULL);
  g_autoptr (GstPromise) offered = gst_promise_new ();
  g_autoptr (GstPromise) answered = gst_promise_new ();
  gpointer offer, answer;

  g_assert_nonnull (sender);
  g_assert_nonnull (source);
  no_upnp (sender);
  no_upnp (receiver);
  /* as the mcu's: one transport for everything */
  gst_util_set_object_arg (G_OBJECT (sender), "bundle-policy", "max-bundle");
  gst_util_set_object_arg (G_OBJECT (receiver), "bundle-policy", "max-bundle");
  if (unsynced)
    mcu_webrtc_send_unsynced (sender);
  gst_bin_add_many (GST_BIN (pipeline), source, sender, receiver, NULL);
  g_assert_true (gst_element_link (source, sender));
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  /* the stream's caps up front, as the mcu gives them: webrtcbin offers
   * (and builds) a stream once it knows them */
  {
    g_autoptr (GstPad) sink = gst_element_get_static_pad (sender, "sink_0");
    g_autoptr (GObject) transceiver = NULL;
    g_autoptr (GstCaps) caps = gst_caps_from_string (OPUS_RTP_CAPS);

    g_assert_nonnull (sink);
    g_object_get (sink, "transceiver", &transceiver, NULL);
    g_object_set (transceiver, "codec-preferences", caps, NULL);
  }
  g_signal_emit_by_name (sender, "create-offer", NULL, offered);
  offer = description_of (offered, "offer");
  describe (sender, "set-local-description", offer);
  describe (receiver, "set-remote-description", offer);
  g_signal_emit_by_name (receiver, "create-answer", NULL, answered);
  answer = description_of (answered, "answer");
  describe (receiver, "set-local-description", answer);
  describe (sender, "set-remote-description", answer);
  count_clocksyncs (GST_BIN (sender), all, syncing);
  g_boxed_free (g_type_from_name ("GstWebRTCSessionDescription"), offer);
  g_boxed_free (g_type_from_name ("GstWebRTCSessionDescription"), answer);
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

/* webrtcbin holds what it sends until its running time (a clocksync per
 * stream); the mcu's do not, or a site that waited would hold the room's
 * sender thread, and so everyone's audio. */
static void
test_webrtc_sends_unsynced (void)
{
  guint all = 0, syncing = 0;

  /* what makes it needed: GStreamer's own default */
  negotiate_and_count (FALSE, &all, &syncing);
  g_assert_cmpuint (all, >, 0);
  g_assert_cmpuint (syncing, >, 0);
  all = syncing = 0;
  negotiate_and_count (TRUE, &all, &syncing);
  g_assert_cmpuint (all, >, 0);
  g_assert_cmpuint (syncing, ==, 0);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  mcu_plugin_register ();

  g_test_add_func ("/mcu/mixer/dsp/limit-exact-below-knee", test_limit_is_exact_below_the_knee);
  g_test_add_func ("/mcu/mixer/dsp/limit-bends", test_limit_bends_and_never_wraps);
  g_test_add_func ("/mcu/mixer/dsp/level", test_level_of_silence_and_full_scale);
  g_test_add_func ("/mcu/mixer/dsp/talk-detector", test_talk_detector_holds_through_pauses);
  g_test_add ("/mcu/mixer/all-but-itself", Fixture, GUINT_TO_POINTER (3), fixture_set_up,
              test_each_hears_all_but_itself, fixture_tear_down);
  g_test_add ("/mcu/mixer/shared-encoder", Fixture, GUINT_TO_POINTER (3), fixture_set_up,
              test_listeners_share_one_encoder, fixture_tear_down);
  g_test_add ("/mcu/mixer/listener-reactivated", Fixture, GUINT_TO_POINTER (3), fixture_set_up,
              test_listener_pad_reactivated, fixture_tear_down);
  g_test_add ("/mcu/mixer/mute", Fixture, GUINT_TO_POINTER (3), fixture_set_up,
              test_mute_drops_a_site_at_once, fixture_tear_down);
  g_test_add ("/mcu/mixer/limiter", Fixture, GUINT_TO_POINTER (2), fixture_set_up,
              test_loud_sum_is_limited_not_wrapped, fixture_tear_down);
  g_test_add ("/mcu/mixer/talking-messages", Fixture, GUINT_TO_POINTER (2), fixture_set_up,
              test_talking_is_posted, fixture_tear_down);
  g_test_add ("/mcu/mixer/end-of-stream", Fixture, GUINT_TO_POINTER (2), fixture_set_up,
              test_end_reaches_every_listener, fixture_tear_down);
  g_test_add_func ("/mcu/mixer/silent-site", test_silent_site_does_not_stall_the_room);
  g_test_add ("/mcu/mixer/senders/all-but-itself", Fixture, NULL, fixture_set_up_senders,
              test_senders_all_but_itself, fixture_tear_down);
  g_test_add ("/mcu/mixer/senders/blocked-listener", Fixture, NULL, fixture_set_up_senders,
              test_senders_blocked_listener, fixture_tear_down);
  g_test_add ("/mcu/mixer/senders/release-waits-for-push", Fixture, NULL, fixture_set_up_senders,
              test_senders_release_waits_for_push, fixture_tear_down);
  g_test_add_func ("/mcu/webrtc/sends-unsynced", test_webrtc_sends_unsynced);
  return g_test_run ();
}
