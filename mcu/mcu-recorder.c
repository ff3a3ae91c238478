/* mcu-recorder.c: McuRecorder, the recording of one room.
 *
 * The recording runs in a pipeline of its own, so that a full or slow disk
 * stops the recording and never the meeting:
 *
 *   room: the 720p VP8 composite's tee ─ fakesink (tapped)
 *         mixer.listen_R (the full mix in Opus: R is nobody's) ─ fakesink (tapped)
 *   own:  appsrc (video) ─┐
 *         appsrc (audio) ─┴ webmmux ─ filesink
 *
 * The taps copy nothing: they hand each buffer (a reference) to the
 * appsrcs, timed from the start of the recording.  The video starts at a
 * keyframe (one is asked for).  Stopping ends both streams and waits for
 * the muxer to write its index, so the file is playable and seekable.
 */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include <gst/app/app.h>
#include <gst/video/video.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#include "mcu-recorder.h"

/* what the appsrcs hold while the disk is slow; beyond it, old data goes */
#define MAX_QUEUED_BYTES (8 * 1024 * 1024)
#define STOP_TIMEOUT (5 * GST_SECOND)
#define KEYFRAME_RETRY_US (500 * G_TIME_SPAN_MILLISECOND)

typedef struct
{
  McuRecorder *recorder; /* not a reference */
  GstElement *appsrc;
  GstElement *sink;  /* the tap in the room */
  GstPad *tee_pad;   /* what feeds the tap */
  GstElement *owner; /* the element the tee pad belongs to */
  gboolean video;
  gboolean started;         /* the video has had its keyframe */
  gint64 keyframe_asked_at; /* monotonic µs */
  gboolean caps_set;
} Tap;

struct _McuRecorder
{
  GObject parent_instance;

  GstBin *room;
  GstPipeline *pipeline;
  guint bus_watch;
  Tap taps[2];
  char *path;
  gint64 started_at;  /* Unix seconds */
  GstClockTime start; /* the room's running time when it started */
  gint last_pts_ms;   /* atomic: the latest video written, from the start */
  gboolean stopped;
};

enum
{
  SIGNAL_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (McuRecorder, mcu_recorder, G_TYPE_OBJECT)

/* The file starts at a keyframe: until one comes, the encoder is asked
 * for one (the one asked for at the start may have been spent on the
 * encoder's very first frame, before the recording's start), at most every
 * KEYFRAME_RETRY. */
static void
ask_keyframe (Tap *tap, GstPad *pad)
{
  gint64 now = g_get_monotonic_time ();

  if (tap->keyframe_asked_at != 0 && now - tap->keyframe_asked_at < KEYFRAME_RETRY_US)
    return;
  tap->keyframe_asked_at = now;
  gst_pad_push_event (pad,
                      gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
}

/* On the room's streaming threads: a buffer for the file. */
static GstPadProbeReturn
on_tapped (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Tap *tap = user_data;
  McuRecorder *self = tap->recorder;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  g_autoptr (GstEvent) event = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  const GstSegment *segment;
  guint64 running;

  if (event == NULL || !GST_BUFFER_PTS_IS_VALID (buffer))
    return GST_PAD_PROBE_OK;
  gst_event_parse_segment (event, &segment);
  running = gst_segment_to_running_time (segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));

  if (!GST_CLOCK_TIME_IS_VALID (running) || running < self->start)
    return GST_PAD_PROBE_OK;
  if (tap->video && !tap->started)
    {
      if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
        {
          ask_keyframe (tap, pad);
          return GST_PAD_PROBE_OK;
        }
      tap->started = TRUE;
    }
  if (!tap->caps_set)
    {
      g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);

      gst_app_src_set_caps (GST_APP_SRC (tap->appsrc), caps);
      tap->caps_set = TRUE;
    }
  buffer = gst_buffer_copy (buffer); /* the metadata only: the memory is shared */
  GST_BUFFER_PTS (buffer) = running - self->start;
  GST_BUFFER_DTS (buffer) = GST_CLOCK_TIME_NONE;
  if (tap->video)
    g_atomic_int_set (&self->last_pts_ms, GST_BUFFER_PTS (buffer) / GST_MSECOND);
  gst_app_src_push_buffer (GST_APP_SRC (tap->appsrc), buffer);
  return GST_PAD_PROBE_OK;
}

static void
detach (McuRecorder *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->taps); i++)
    {
      Tap *tap = &self->taps[i];
      GstPad *peer;

      if (tap->sink == NULL)
        continue;
      peer = gst_pad_get_peer (tap->tee_pad);
      if (peer != NULL)
        {
          gst_pad_unlink (tap->tee_pad, peer);
          gst_object_unref (peer);
        }
      gst_element_release_request_pad (tap->owner, tap->tee_pad);
      gst_element_set_state (tap->sink, GST_STATE_NULL);
      gst_bin_remove (self->room, tap->sink);
      gst_clear_object (&tap->sink);
      gst_clear_object (&tap->tee_pad);
      gst_clear_object (&tap->owner);
    }
}

static void
finish (McuRecorder *self)
{
  self->stopped = TRUE;
  detach (self);
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  gst_element_set_state (GST_ELEMENT (self->pipeline), GST_STATE_NULL);
}

/* A write that failed (the disk is full): the recording ends here, what
 * was written stays, the meeting goes on. */
static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  McuRecorder *self = MCU_RECORDER (user_data);
  g_autoptr (GError) error = NULL;
  g_autofree char *debug = NULL;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR)
    return G_SOURCE_CONTINUE;
  gst_message_parse_error (message, &error, &debug);
  g_message ("the recording %s stopped: %s (%s)", self->path, error->message,
             debug != NULL ? debug : "");
  self->bus_watch = 0;
  finish (self);
  g_signal_emit (self, signals[SIGNAL_FAILED], 0, error);
  return G_SOURCE_REMOVE;
}

static void
mcu_recorder_dispose (GObject *object)
{
  McuRecorder *self = MCU_RECORDER (object);

  if (self->pipeline != NULL && !self->stopped)
    mcu_recorder_stop (self, NULL);
  G_OBJECT_CLASS (mcu_recorder_parent_class)->dispose (object);
}

static void
mcu_recorder_finalize (GObject *object)
{
  McuRecorder *self = MCU_RECORDER (object);

  for (guint i = 0; i < G_N_ELEMENTS (self->taps); i++)
    gst_clear_object (&self->taps[i].appsrc); /* the pipeline has them, or they float */
  gst_clear_object (&self->pipeline);
  gst_clear_object (&self->room);
  g_free (self->path);
  G_OBJECT_CLASS (mcu_recorder_parent_class)->finalize (object);
}

static void
mcu_recorder_class_init (McuRecorderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mcu_recorder_dispose;
  object_class->finalize = mcu_recorder_finalize;

  /**
   * McuRecorder::failed:
   * @error: why the recording stopped by itself (a write failed)
   */
  signals[SIGNAL_FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
mcu_recorder_init (McuRecorder *self)
{
}

/* The tap in the room: @pad (a tee's or the mixer's) into a fakesink whose
 * probe feeds @tap's appsrc. */
static void
attach (McuRecorder *self, Tap *tap, GstElement *owner, GstPad *pad)
{
  g_autoptr (GstPad) sink_pad = NULL;

  tap->owner = gst_object_ref (owner);
  tap->tee_pad = pad;
  tap->sink = gst_object_ref (
      gst_element_factory_make_full ("fakesink", "sync", FALSE, "async", FALSE, NULL));
  gst_bin_add (self->room, tap->sink);
  sink_pad = gst_element_get_static_pad (tap->sink, "sink");
  gst_pad_add_probe (sink_pad, GST_PAD_PROBE_TYPE_BUFFER, on_tapped, tap, NULL);
  gst_element_set_state (tap->sink, GST_STATE_PLAYING);
  gst_pad_link (pad, sink_pad);
}

static GstElement *
make_appsrc (void)
{
  return gst_element_factory_make_full ("appsrc", "format", GST_FORMAT_TIME, "is-live", FALSE,
                                        "max-bytes", (guint64) MAX_QUEUED_BYTES, "block", FALSE,
                                        "leaky-type", 2 /* downstream: the oldest goes */, NULL);
}

/**
 * mcu_recorder_start:
 * @room: the room's pipeline, playing
 * @video_tee: the tee of the room's encoded 720p composite (VP8)
 * @mixer: the room's mixer
 * @listen_index: a listener number no site has (its pad carries the full mix)
 * @path: the file to write (made; it must not exist)
 * @error: the file cannot be made, or an element is missing
 *
 * Returns: (transfer full) (nullable): the running recording
 */
McuRecorder *
mcu_recorder_start (GstBin *room, GstElement *video_tee, GstElement *mixer, guint listen_index,
                    const char *path, GError **error)
{
  g_autoptr (McuRecorder) self = g_object_new (MCU_TYPE_RECORDER, NULL);
  g_autofree char *listen_name = g_strdup_printf ("listen_%u", listen_index);
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstClock) clock = NULL;
  GstElement *mux, *sink;

  self->room = gst_object_ref (room);
  self->path = g_strdup (path);
  self->pipeline = GST_PIPELINE (gst_object_ref_sink (gst_pipeline_new ("recorder")));
  mux = gst_element_factory_make ("webmmux", NULL);
  sink = gst_element_factory_make_full ("filesink", "location", path, "async", FALSE, NULL);
  self->taps[0].appsrc = make_appsrc ();
  self->taps[1].appsrc = make_appsrc ();
  if (mux == NULL || sink == NULL || self->taps[0].appsrc == NULL || self->taps[1].appsrc == NULL)
    {
      g_set_error_literal (
          error, HN_ERROR, HN_ERROR_INTERNAL,
          _ ("The recording could not be set up: a GStreamer element is missing."));
      /* nothing started: nothing to finish */
      self->stopped = TRUE;
      g_clear_pointer (&mux, gst_object_unref);
      g_clear_pointer (&sink, gst_object_unref);
      return NULL;
    }
  gst_object_ref (self->taps[0].appsrc);
  gst_object_ref (self->taps[1].appsrc);
  gst_bin_add_many (GST_BIN (self->pipeline), self->taps[0].appsrc, self->taps[1].appsrc, mux, sink,
                    NULL);
  if (!gst_element_link_pads (self->taps[0].appsrc, "src", mux, "video_%u")
      || !gst_element_link_pads (self->taps[1].appsrc, "src", mux, "audio_%u")
      || !gst_element_link (mux, sink))
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INTERNAL,
                           _ ("The recording could not be set up."));
      self->stopped = TRUE;
      return NULL;
    }
  if (gst_element_set_state (GST_ELEMENT (self->pipeline), GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, _ ("The recording %s could not be made."),
                   path);
      gst_element_set_state (GST_ELEMENT (self->pipeline), GST_STATE_NULL);
      self->stopped = TRUE;
      return NULL;
    }
  bus = gst_pipeline_get_bus (self->pipeline);
  self->bus_watch = gst_bus_add_watch (bus, on_bus_message, self);

  clock = gst_element_get_clock (GST_ELEMENT (room));
  self->start = clock != NULL
                    ? gst_clock_get_time (clock) - gst_element_get_base_time (GST_ELEMENT (room))
                    : 0;
  self->started_at = g_get_real_time () / G_USEC_PER_SEC;
  for (guint i = 0; i < G_N_ELEMENTS (self->taps); i++)
    {
      self->taps[i].recorder = self;
      self->taps[i].video = i == 0;
    }
  attach (self, &self->taps[0], video_tee, gst_element_request_pad_simple (video_tee, "src_%u"));
  attach (self, &self->taps[1], mixer, gst_element_request_pad_simple (mixer, listen_name));
  return g_steal_pointer (&self);
}

/**
 * mcu_recorder_stop:
 * @self: a recording
 * @error: the file could not be finished
 *
 * Ends the recording and waits (up to 5 s) for the file to be complete.
 *
 * Returns: whether the file was finished
 */
gboolean
mcu_recorder_stop (McuRecorder *self, GError **error)
{
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) message = NULL;

  g_return_val_if_fail (MCU_IS_RECORDER (self), FALSE);

  if (self->stopped)
    return TRUE;
  detach (self);
  for (guint i = 0; i < G_N_ELEMENTS (self->taps); i++)
    gst_app_src_end_of_stream (GST_APP_SRC (self->taps[i].appsrc));
  bus = gst_pipeline_get_bus (self->pipeline);
  message = gst_bus_timed_pop_filtered (bus, STOP_TIMEOUT, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  finish (self);
  if (message == NULL || GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) cause = NULL;

      if (message != NULL)
        gst_message_parse_error (message, &cause, NULL);
      g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL,
                   _ ("The recording %s could not be finished: %s"), self->path,
                   cause != NULL ? cause->message : _ ("it took too long"));
      return FALSE;
    }
  return TRUE;
}

const char *
mcu_recorder_get_path (McuRecorder *self)
{
  return self->path;
}

gint64
mcu_recorder_get_started_at (McuRecorder *self)
{
  return self->started_at;
}

/**
 * mcu_recorder_get_duration:
 * @self: a recording
 *
 * Returns: the seconds of video written so far
 */
double
mcu_recorder_get_duration (McuRecorder *self)
{
  return g_atomic_int_get (&self->last_pts_ms) / 1000.0;
}
