/* mcu-mix-minus.c: the mix-minus mixer of a room.
 *
 * Every 20 ms, on the room's one clock, the frames of the sites that talk
 * (and are not muted) are summed once. A site that talks hears that sum
 * minus its own frame, through its own Opus encoder; every other site —
 * silent, muted or only listening — hears the whole sum, which is encoded
 * once and the same packet is pushed to all of them. The number of Opus
 * encoders is therefore the number of talkers plus one, whatever the
 * number of listeners. Sites below the talking threshold are left out of
 * the sum, so the background noise of a hundred listening rooms does not
 * add up in everyone's ears.
 *
 * Pads: `sink_N` takes site N's decoded audio (S16, 48 kHz, mono);
 * `listen_N` gives site N's Opus stream; `src` gives the whole mix as raw
 * audio (for recording and the panel's meters). Talking changes are posted
 * as element messages `mcu-talking` from the sink pad.
 *
 * With `sender-threads` 0 the listeners are fed from the aggregating
 * thread itself, so each listener pad must be followed by a leaky queue:
 * one site that cannot take its audio then loses its own packets instead
 * of holding up the room. With sender threads (the mcu runs one) the
 * packets go to the listeners from those (mcu-senders.c), each listener
 * keeping at most SEND_BACKLOG waiting: no queue is needed, and 150
 * listeners cost one thread wake-up a frame instead of 150.
 *
 * gst-launch-1.0 example (two tones, each listener hears the other):
 *   gst-launch-1.0 mcumixminus name=m ! fakesink \
 *     audiotestsrc freq=440 is-live=true ! audio/x-raw,rate=48000,channels=1 ! m.sink_0 \
 *     audiotestsrc freq=660 is-live=true ! audio/x-raw,rate=48000,channels=1 ! m.sink_1 \
 *     m.listen_0 ! opusdec ! autoaudiosink  m.listen_1 ! fakesink
 */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include "mcu-mix-minus.h"
#include "mcu-mix-dsp.h"
#include "mcu-mix-minus-pad.h"
#include "mcu-senders.h"

#include <opus.h>
#include <stdlib.h>

GST_DEBUG_CATEGORY_STATIC (mcu_mix_minus_debug);
#define GST_CAT_DEFAULT mcu_mix_minus_debug

#define RATE 48000
#define FRAME_DURATION (20 * GST_MSECOND)
#define MAX_PACKET 1275
/* How far past its time a frame may still go to the listeners. */
#define MAX_LATE (150 * GST_MSECOND)
/* Packets a listener may have waiting for its sender thread: 200 ms. */
#define SEND_BACKLOG 10
#define RAW_CAPS "audio/x-raw, format=S16LE, rate=48000, channels=1, layout=interleaved"
#define OPUS_CAPS "audio/x-opus, rate=48000, channels=1, channel-mapping-family=0"

/* One listener: its pad, its own encoder while it talks, and its queue
 * to a sender thread once it got a packet (with the encode lock). */
typedef struct
{
  guint index;
  OpusEncoder *own;
  McuSenderQueue *queue;
  gboolean released; /* with the encode lock: fed no more */
} Listener;

struct _McuMixMinus
{
  GstAudioAggregator parent_instance;

  /* Properties, with the object lock. */
  gboolean share_encoders;
  double talk_threshold;
  guint talk_hold_ms;
  gint bitrate;
  guint sender_threads;

  /* Held while the streaming thread encodes, so that a listener released
   * from another thread does not lose its encoder (or its sender queue)
   * under it. */
  GMutex encode_lock;
  /* Held by a listener's release while it waits for its sender thread,
   * and by whatever frees the threads: not the encode lock, which the
   * streaming thread must not wait for meanwhile. */
  GMutex release_lock;
  McuSenders *senders; /* between start and stop, with sender threads */
  gint send_dropped;   /* atomic: packets a listener's backlog had no room for */

  /* The streaming thread's own. */
  OpusEncoder *shared;
  gint32 *sum;
  gint16 *full; /* the whole mix, limited: the raw output and the shared encoder's input */
  gint16 *pcm;
  gsize frame_len;

  gint encoders;
};

enum
{
  PROP_0,
  PROP_SHARE_ENCODERS,
  PROP_TALK_THRESHOLD,
  PROP_TALK_HOLD,
  PROP_BITRATE,
  PROP_ENCODERS,
  PROP_SENDER_THREADS,
  PROP_SEND_DROPPED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink_%u", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS (RAW_CAPS));
static GstStaticPadTemplate src_template
    = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (RAW_CAPS));
static GstStaticPadTemplate listen_template = GST_STATIC_PAD_TEMPLATE (
    "listen_%u", GST_PAD_SRC, GST_PAD_REQUEST, GST_STATIC_CAPS (OPUS_CAPS));

static GQuark listener_quark;

G_DEFINE_FINAL_TYPE (McuMixMinus, mcu_mix_minus, GST_TYPE_AUDIO_AGGREGATOR)
GST_ELEMENT_REGISTER_DEFINE (mcumixminus, "mcumixminus", GST_RANK_NONE, MCU_TYPE_MIX_MINUS);

static OpusEncoder *
encoder_new (McuMixMinus *self)
{
  int error = 0;
  OpusEncoder *encoder = opus_encoder_create (RATE, 1, OPUS_APPLICATION_VOIP, &error);

  if (encoder == NULL)
    return NULL;
  GST_OBJECT_LOCK (self);
  opus_encoder_ctl (encoder, OPUS_SET_BITRATE (self->bitrate));
  GST_OBJECT_UNLOCK (self);
  /* In-band FEC lets a receiver rebuild a lost packet from the next one;
   * DTX makes a silent room cost almost nothing on the wire. */
  opus_encoder_ctl (encoder, OPUS_SET_INBAND_FEC (1));
  opus_encoder_ctl (encoder, OPUS_SET_PACKET_LOSS_PERC (5));
  opus_encoder_ctl (encoder, OPUS_SET_DTX (1));
  g_atomic_int_inc (&self->encoders);
  return encoder;
}

static void
encoder_free (McuMixMinus *self, OpusEncoder **encoder)
{
  if (*encoder == NULL)
    return;
  opus_encoder_destroy (*encoder);
  *encoder = NULL;
  g_atomic_int_add (&self->encoders, -1);
}

/* Encodes one frame; NULL for a frame that DTX says need not be sent. */
static gsize
encode (McuMixMinus *self, OpusEncoder *encoder, const gint16 *pcm, guchar *packet)
{
  opus_int32 size = opus_encode (encoder, pcm, (int) self->frame_len, packet, MAX_PACKET);

  if (size < 0)
    {
      GST_ELEMENT_ERROR (self, STREAM, ENCODE, ("Could not encode the room's audio."),
                         ("opus_encode: %s", opus_strerror (size)));
      return 0;
    }
  /* 1–2 bytes: a DTX frame, silence the decoder makes up by itself */
  return size <= 2 ? 0 : size;
}

/* The listeners of the shared packet share its one buffer (each gets a
 * ref).  With a thread per listener (the leaky queues, before the sender
 * threads) and rtpopuspay wrapping it, 150 buffers sharing one memory had
 * contended on its parent tracking; a room's one sender thread, reading
 * it in mcuopussend, does not (bench-mcu: 150 copies a frame were a sixth
 * of the mixer's thread). */
static GstBuffer *
packet_buffer (const guchar *packet, gsize size, GstBuffer *timing)
{
  GstBuffer *buffer = gst_buffer_new_memdup (packet, size);

  GST_BUFFER_PTS (buffer) = GST_BUFFER_PTS (timing);
  GST_BUFFER_DURATION (buffer) = GST_BUFFER_DURATION (timing);
  return buffer;
}

/* Whether the listener's stream has started: its pad holds the
 * stream-start.  Not a flag of ours: events pushed while the pad is not
 * yet active (a listener being added) are dropped, and deactivating it
 * clears them; data after that would flow without a stream. */
static gboolean
listener_started (GstPad *pad)
{
  GstEvent *start = gst_pad_get_sticky_event (pad, GST_EVENT_STREAM_START, 0);

  if (start == NULL)
    return FALSE;
  gst_event_unref (start);
  return TRUE;
}

/* Returns: whether the listener's stream is started (else its pad cannot
 * take anything yet) */
static gboolean
listener_start (McuMixMinus *self, GstPad *pad)
{
  GstAggregatorPad *srcpad = GST_AGGREGATOR_PAD (GST_AGGREGATOR_SRC_PAD (self));
  g_autofree char *stream_id = NULL;
  g_autoptr (GstCaps) caps = NULL;
  GstSegment segment;

  if (listener_started (pad))
    return TRUE;
  /* gst_pad_create_stream_id() wants one sink pad; a mixer has many. */
  stream_id = g_strdup_printf ("%s/%s", GST_OBJECT_NAME (self), GST_OBJECT_NAME (pad));
  caps = gst_static_pad_template_get_caps (&listen_template);
  /* (a sender thread's copy: the aggregator changes it under this lock) */
  GST_OBJECT_LOCK (self);
  segment = srcpad->segment;
  GST_OBJECT_UNLOCK (self);
  gst_pad_push_event (pad, gst_event_new_stream_start (stream_id));
  gst_pad_push_event (pad, gst_event_new_caps (caps));
  gst_pad_push_event (pad, gst_event_new_segment (&segment));
  return listener_started (pad);
}

static void
listener_push (McuMixMinus *self, GstPad *pad, GstBuffer *buffer)
{
  if (!listener_start (self, pad))
    {
      gst_buffer_unref (buffer);
      return;
    }
  /* A listener that is gone or slow is its own problem: the flow result is
   * not passed on, so it never stops the room. */
  GstFlowReturn ret = gst_pad_push (pad, buffer);
  if (ret != GST_FLOW_OK)
    GST_LOG_OBJECT (pad, "push: %s", gst_flow_get_name (ret));
}

/* On a sender thread. */
static void
send_to_listener (GstPad *pad, GstBuffer *buffer, gpointer user_data)
{
  listener_push (MCU_MIX_MINUS (user_data), pad, buffer);
}

/* The packet to the listener: through its sender thread if there are
 * any, else at once. The caller holds the encode lock. */
static void
deliver (McuMixMinus *self, GstPad *pad, Listener *listener, GstBuffer *buffer)
{
  if (self->senders == NULL)
    {
      listener_push (self, pad, buffer);
      return;
    }
  if (listener->queue == NULL)
    listener->queue = mcu_senders_add (self->senders, pad);
  mcu_senders_queue (self->senders, listener->queue, buffer);
}

static gboolean
mcu_mix_minus_aggregate_one_buffer (GstAudioAggregator *aagg, GstAudioAggregatorPad *aggpad,
                                    GstBuffer *inbuf, guint in_offset, GstBuffer *outbuf,
                                    guint out_offset, guint num_frames)
{
  McuMixMinusPad *pad = MCU_MIX_MINUS_PAD (aggpad);
  gsize frame_len = gst_buffer_get_size (outbuf) / sizeof (gint16);
  gint16 *frame = mcu_mix_minus_pad_frame (pad, frame_len);
  GstMapInfo map;

  g_assert (out_offset + num_frames <= frame_len);
  if (!gst_buffer_map (inbuf, &map, GST_MAP_READ))
    return FALSE;
  memcpy (frame + out_offset, (const gint16 *) map.data + in_offset, num_frames * sizeof (gint16));
  gst_buffer_unmap (inbuf, &map);
  (void) aagg;
  return TRUE;
}

/* The contributing pads' indices and frames for this output buffer. */
typedef struct
{
  guint index;
  const gint16 *frame;
} Contribution;

static const gint16 *
find_own (GArray *contributions, guint index)
{
  for (guint i = 0; i < contributions->len; i++)
    if (g_array_index (contributions, Contribution, i).index == index)
      return g_array_index (contributions, Contribution, i).frame;
  return NULL;
}

static void
post_talking (McuMixMinus *self, McuMixMinusPad *pad)
{
  gboolean talking = mcu_mix_minus_pad_get_talking (pad);
  GstStructure *s = gst_structure_new ("mcu-talking", "talking", G_TYPE_BOOLEAN, talking, "level",
                                       G_TYPE_DOUBLE, mcu_mix_minus_pad_get_level (pad), NULL);

  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (pad), s));
}

static void
ensure_frame (McuMixMinus *self, gsize frame_len)
{
  if (self->frame_len == frame_len)
    return;
  g_free (self->sum);
  g_free (self->full);
  g_free (self->pcm);
  self->sum = g_new0 (gint32, frame_len);
  self->full = g_new0 (gint16, frame_len);
  self->pcm = g_new0 (gint16, frame_len);
  self->frame_len = frame_len;
}

/* Sums the talkers, writes the whole mix into @outbuf and returns the
 * contributions for the listeners. */
static GArray *
mix_sinks (McuMixMinus *self, GstBuffer *outbuf, GPtrArray *sinks)
{
  g_autoptr (GArray) contributions = g_array_new (FALSE, FALSE, sizeof (Contribution));
  double threshold;
  guint hold_frames;

  GST_OBJECT_LOCK (self);
  threshold = self->talk_threshold;
  hold_frames = MAX (1, self->talk_hold_ms / (FRAME_DURATION / GST_MSECOND));
  GST_OBJECT_UNLOCK (self);

  memset (self->sum, 0, self->frame_len * sizeof (gint32));
  for (guint i = 0; i < sinks->len; i++)
    {
      McuMixMinusPad *pad = g_ptr_array_index (sinks, i);
      gboolean changed = FALSE;

      if (mcu_mix_minus_pad_analyse (pad, self->frame_len, threshold, hold_frames, &changed))
        {
          Contribution c = { mcu_mix_minus_pad_get_index (pad),
                             mcu_mix_minus_pad_frame (pad, self->frame_len) };
          mcu_mix_add (self->sum, c.frame, self->frame_len);
          g_array_append_val (contributions, c);
        }
      if (changed)
        post_talking (self, pad);
    }

  mcu_mix_limit (self->full, self->sum, NULL, self->frame_len);
  GstMapInfo map;
  if (gst_buffer_map (outbuf, &map, GST_MAP_WRITE))
    {
      memcpy (map.data, self->full, MIN (map.size, self->frame_len * sizeof (gint16)));
      gst_buffer_unmap (outbuf, &map);
      if (contributions->len > 0)
        GST_BUFFER_FLAG_UNSET (outbuf, GST_BUFFER_FLAG_GAP);
    }
  return g_steal_pointer (&contributions);
}

static void
feed_listeners (McuMixMinus *self, GstBuffer *timing, GArray *contributions, GPtrArray *listeners)
{
  guchar shared_packet[MAX_PACKET], own_packet[MAX_PACKET];
  gsize shared_size = 0;
  gboolean shared_done = FALSE;
  g_autoptr (GstBuffer) shared_buffer = NULL;
  gboolean share;

  GST_OBJECT_LOCK (self);
  share = self->share_encoders;
  GST_OBJECT_UNLOCK (self);

  for (guint i = 0; i < listeners->len; i++)
    {
      GstPad *pad = g_ptr_array_index (listeners, i);
      Listener *listener = g_object_get_qdata (G_OBJECT (pad), listener_quark);
      const gint16 *own = find_own (contributions, listener->index);
      gsize size;

      /* released since the frame's snapshot of the pads: no new encoder
       * or queue for it */
      if (listener->released)
        continue;
      if (own != NULL || !share)
        {
          if (listener->own == NULL && (listener->own = encoder_new (self)) == NULL)
            continue;
          mcu_mix_limit (self->pcm, self->sum, own, self->frame_len);
          size = encode (self, listener->own, self->pcm, own_packet);
          if (size > 0)
            deliver (self, pad, listener, packet_buffer (own_packet, size, timing));
        }
      else
        {
          /* Back to the shared stream: the own encoder is freed at once so
           * the count follows the talkers. */
          encoder_free (self, &listener->own);
          if (!shared_done)
            {
              if (self->shared == NULL)
                self->shared = encoder_new (self);
              if (self->shared != NULL)
                shared_size = encode (self, self->shared, self->full, shared_packet);
              if (shared_size > 0)
                shared_buffer = packet_buffer (shared_packet, shared_size, timing);
              shared_done = TRUE;
            }
          if (shared_buffer != NULL)
            deliver (self, pad, listener, gst_buffer_ref (shared_buffer));
        }
    }
  if (self->senders != NULL)
    mcu_senders_kick (self->senders);
}

static GPtrArray *
snapshot_pads (GList *pads, gboolean listeners)
{
  GPtrArray *array = g_ptr_array_new_with_free_func (gst_object_unref);

  for (GList *l = pads; l != NULL; l = l->next)
    if (!listeners || g_object_get_qdata (l->data, listener_quark) != NULL)
      g_ptr_array_add (array, gst_object_ref (l->data));
  return array;
}

/* A frame that would leave more than MAX_LATE after its time (the process
 * was starved, e.g. by many DTLS handshakes at once) is not sent to the
 * listeners: the room catches up at once instead of playing the backlog
 * at twice the speed into everyone's jitter buffer. */
static gboolean
too_late (McuMixMinus *self, GstBuffer *outbuf)
{
  GstAggregator *agg = GST_AGGREGATOR (self);
  g_autoptr (GstClock) clock = gst_element_get_clock (GST_ELEMENT (self));
  GstSegment *segment = &GST_AGGREGATOR_PAD (GST_AGGREGATOR_SRC_PAD (self))->segment;
  GstClockTime running, now, latency;

  if (clock == NULL || !GST_BUFFER_PTS_IS_VALID (outbuf))
    return FALSE;
  running = gst_segment_to_running_time (segment, GST_FORMAT_TIME, GST_BUFFER_PTS (outbuf));
  latency = gst_aggregator_get_latency (agg);
  now = gst_clock_get_time (clock);
  if (!GST_CLOCK_TIME_IS_VALID (running) || !GST_CLOCK_TIME_IS_VALID (latency)
      || now < gst_element_get_base_time (GST_ELEMENT (self)))
    return FALSE;
  now -= gst_element_get_base_time (GST_ELEMENT (self));
  return now > running + GST_BUFFER_DURATION (outbuf) + latency + MAX_LATE;
}

static GstFlowReturn
mcu_mix_minus_finish_buffer (GstAggregator *agg, GstBuffer *outbuf)
{
  McuMixMinus *self = MCU_MIX_MINUS (agg);
  g_autoptr (GPtrArray) sinks = NULL;
  g_autoptr (GPtrArray) listeners = NULL;
  g_autoptr (GArray) contributions = NULL;

  outbuf = gst_buffer_make_writable (outbuf);
  ensure_frame (self, gst_buffer_get_size (outbuf) / sizeof (gint16));

  GST_OBJECT_LOCK (self);
  sinks = snapshot_pads (GST_ELEMENT (self)->sinkpads, FALSE);
  listeners = snapshot_pads (GST_ELEMENT (self)->srcpads, TRUE);
  GST_OBJECT_UNLOCK (self);

  contributions = mix_sinks (self, outbuf, sinks);
  if (too_late (self, outbuf))
    GST_LOG_OBJECT (self, "frame at %" GST_TIME_FORMAT " too late for the listeners",
                    GST_TIME_ARGS (GST_BUFFER_PTS (outbuf)));
  else
    {
      g_mutex_lock (&self->encode_lock);
      feed_listeners (self, outbuf, contributions, listeners);
      g_mutex_unlock (&self->encode_lock);
    }
  for (guint i = 0; i < sinks->len; i++)
    mcu_mix_minus_pad_clear_frame (g_ptr_array_index (sinks, i), self->frame_len);

  return GST_AGGREGATOR_CLASS (mcu_mix_minus_parent_class)->finish_buffer (agg, outbuf);
}

/* The end of the stream and flushes on the whole mix are every listener's
 * too; the aggregator only sends them on its own src pad. */
static GstPadProbeReturn
forward_to_listeners (GstPad *srcpad, GstPadProbeInfo *info, gpointer user_data)
{
  McuMixMinus *self = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  g_autoptr (GPtrArray) listeners = NULL;

  (void) srcpad;
  if (GST_EVENT_TYPE (event) != GST_EVENT_EOS && GST_EVENT_TYPE (event) != GST_EVENT_FLUSH_START
      && GST_EVENT_TYPE (event) != GST_EVENT_FLUSH_STOP)
    return GST_PAD_PROBE_OK;
  /* what waits for the sender threads belongs before the flush */
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_START)
    {
      g_mutex_lock (&self->encode_lock);
      if (self->senders != NULL)
        mcu_senders_drop_pending (self->senders);
      g_mutex_unlock (&self->encode_lock);
    }
  GST_OBJECT_LOCK (self);
  listeners = snapshot_pads (GST_ELEMENT (self)->srcpads, TRUE);
  GST_OBJECT_UNLOCK (self);
  for (guint i = 0; i < listeners->len; i++)
    {
      GstPad *pad = g_ptr_array_index (listeners, i);

      /* A listener that got nothing yet gets its stream started first. */
      if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
        listener_start (self, pad);
      if (listener_started (pad))
        gst_pad_push_event (pad, gst_event_ref (event));
    }
  return GST_PAD_PROBE_OK;
}

static gboolean
listener_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  /* Upstream events from one listener (QoS, reconfigure, seeks) are not
   * the other sites' business. */
  (void) pad;
  (void) parent;
  gst_event_unref (event);
  return TRUE;
}

static gboolean
listener_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_CAPS)
    {
      g_autoptr (GstCaps) caps = gst_pad_get_pad_template_caps (pad);
      gst_query_set_caps_result (query, caps);
      return TRUE;
    }
  return gst_pad_query_default (pad, parent, query);
}

static void
listener_free (gpointer data)
{
  Listener *listener = data;

  /* The encoder is counted by the element, which may be gone; the pad
   * release path frees it first while the element is alive. */
  if (listener->own != NULL)
    opus_encoder_destroy (listener->own);
  g_free (listener);
}

static GstPad *
mcu_mix_minus_request_new_pad (GstElement *element, GstPadTemplate *templ, const char *name,
                               const GstCaps *caps)
{
  McuMixMinus *self = MCU_MIX_MINUS (element);

  if (templ->direction != GST_PAD_SRC)
    return GST_ELEMENT_CLASS (mcu_mix_minus_parent_class)
        ->request_new_pad (element, templ, name, caps);

  char *end = NULL;
  if (name == NULL || !g_str_has_prefix (name, "listen_"))
    {
      GST_WARNING_OBJECT (self, "listener pads are asked for by name, listen_N");
      return NULL;
    }
  guint64 index = g_ascii_strtoull (name + 7, &end, 10);
  if (end == name + 7 || *end != '\0' || index >= G_MAXUINT)
    {
      GST_WARNING_OBJECT (self, "not a listener pad name: %s", name);
      return NULL;
    }

  GstPad *pad = gst_pad_new_from_template (templ, name);
  Listener *listener = g_new0 (Listener, 1);
  listener->index = (guint) index;
  gst_pad_set_event_function (pad, listener_event);
  gst_pad_set_query_function (pad, listener_query);
  gst_pad_use_fixed_caps (pad);
  g_object_set_qdata_full (G_OBJECT (pad), listener_quark, listener, listener_free);
  if (!gst_element_add_pad (element, pad))
    return NULL;
  return pad;
}

static void
mcu_mix_minus_release_pad (GstElement *element, GstPad *pad)
{
  McuMixMinus *self = MCU_MIX_MINUS (element);
  Listener *listener = g_object_get_qdata (G_OBJECT (pad), listener_quark);
  McuSenders *senders;

  if (listener == NULL)
    {
      GST_ELEMENT_CLASS (mcu_mix_minus_parent_class)->release_pad (element, pad);
      return;
    }
  g_mutex_lock (&self->release_lock);
  g_mutex_lock (&self->encode_lock);
  listener->released = TRUE;
  encoder_free (self, &listener->own);
  senders = self->senders;
  if (listener->queue != NULL)
    mcu_senders_remove (senders, listener->queue);
  listener->queue = NULL;
  g_mutex_unlock (&self->encode_lock);
  /* A packet its sender thread holds already meets a flushing pad; one
   * already past it is waited for (the threads' batches in flight), so
   * that nothing of ours is inside the site's chain when its owner stops
   * it. */
  gst_pad_set_active (pad, FALSE);
  if (senders != NULL)
    mcu_senders_wait_pushed (senders);
  g_mutex_unlock (&self->release_lock);
  gst_element_remove_pad (element, pad);
}

static gboolean
mcu_mix_minus_start (GstAggregator *agg)
{
  McuMixMinus *self = MCU_MIX_MINUS (agg);
  guint threads;

  GST_OBJECT_LOCK (self);
  threads = self->sender_threads;
  GST_OBJECT_UNLOCK (self);
  g_mutex_lock (&self->encode_lock);
  if (threads > 0 && self->senders == NULL)
    self->senders
        = mcu_senders_new (threads, SEND_BACKLOG, send_to_listener, self, &self->send_dropped);
  g_mutex_unlock (&self->encode_lock);
  return GST_AGGREGATOR_CLASS (mcu_mix_minus_parent_class)->start (agg);
}

/* Drops what the listeners hold while the mixer runs: their own encoders
 * and their queues, and stops the sender threads with what they hold
 * (they never wait for these locks: joining them under them is safe). */
static void
stop_listeners (McuMixMinus *self)
{
  g_mutex_lock (&self->release_lock);
  g_mutex_lock (&self->encode_lock);
  GST_OBJECT_LOCK (self);
  for (GList *l = GST_ELEMENT (self)->srcpads; l != NULL; l = l->next)
    {
      Listener *listener = g_object_get_qdata (l->data, listener_quark);

      if (listener != NULL)
        {
          encoder_free (self, &listener->own);
          listener->queue = NULL;
        }
    }
  GST_OBJECT_UNLOCK (self);
  g_clear_pointer (&self->senders, mcu_senders_free);
  g_mutex_unlock (&self->encode_lock);
  g_mutex_unlock (&self->release_lock);
}

static gboolean
mcu_mix_minus_stop (GstAggregator *agg)
{
  McuMixMinus *self = MCU_MIX_MINUS (agg);

  stop_listeners (self);
  encoder_free (self, &self->shared);
  return GST_AGGREGATOR_CLASS (mcu_mix_minus_parent_class)->stop (agg);
}

static void
mcu_mix_minus_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  McuMixMinus *self = MCU_MIX_MINUS (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id)
    {
    case PROP_SHARE_ENCODERS:
      g_value_set_boolean (value, self->share_encoders);
      break;
    case PROP_TALK_THRESHOLD:
      g_value_set_double (value, self->talk_threshold);
      break;
    case PROP_TALK_HOLD:
      g_value_set_uint (value, self->talk_hold_ms);
      break;
    case PROP_BITRATE:
      g_value_set_int (value, self->bitrate);
      break;
    case PROP_ENCODERS:
      g_value_set_uint (value, (guint) g_atomic_int_get (&self->encoders));
      break;
    case PROP_SENDER_THREADS:
      g_value_set_uint (value, self->sender_threads);
      break;
    case PROP_SEND_DROPPED:
      g_value_set_uint (value, (guint) g_atomic_int_get (&self->send_dropped));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  GST_OBJECT_UNLOCK (self);
}

static void
mcu_mix_minus_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  McuMixMinus *self = MCU_MIX_MINUS (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id)
    {
    case PROP_SHARE_ENCODERS:
      self->share_encoders = g_value_get_boolean (value);
      break;
    case PROP_TALK_THRESHOLD:
      self->talk_threshold = g_value_get_double (value);
      break;
    case PROP_TALK_HOLD:
      self->talk_hold_ms = g_value_get_uint (value);
      break;
    case PROP_BITRATE:
      self->bitrate = g_value_get_int (value);
      break;
    case PROP_SENDER_THREADS:
      self->sender_threads = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  GST_OBJECT_UNLOCK (self);
}

static void
mcu_mix_minus_finalize (GObject *object)
{
  McuMixMinus *self = MCU_MIX_MINUS (object);

  stop_listeners (self);
  encoder_free (self, &self->shared);
  g_mutex_clear (&self->encode_lock);
  g_mutex_clear (&self->release_lock);
  g_free (self->sum);
  g_free (self->full);
  g_free (self->pcm);
  G_OBJECT_CLASS (mcu_mix_minus_parent_class)->finalize (object);
}

static void
mcu_mix_minus_class_init (McuMixMinusClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAggregatorClass *agg_class = GST_AGGREGATOR_CLASS (klass);
  GstAudioAggregatorClass *aagg_class = GST_AUDIO_AGGREGATOR_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (mcu_mix_minus_debug, "mcumixminus", 0, "hoinghi mix-minus mixer");
  listener_quark = g_quark_from_static_string ("mcu-mix-minus-listener");

  object_class->get_property = mcu_mix_minus_get_property;
  object_class->set_property = mcu_mix_minus_set_property;
  object_class->finalize = mcu_mix_minus_finalize;
  element_class->request_new_pad = mcu_mix_minus_request_new_pad;
  element_class->release_pad = mcu_mix_minus_release_pad;
  agg_class->finish_buffer = mcu_mix_minus_finish_buffer;
  agg_class->start = mcu_mix_minus_start;
  agg_class->stop = mcu_mix_minus_stop;
  aagg_class->aggregate_one_buffer = mcu_mix_minus_aggregate_one_buffer;

  properties[PROP_SHARE_ENCODERS] = g_param_spec_boolean (
      "share-encoders", "Share encoders",
      "Whether listeners that add nothing share one encoder (FALSE: one encoder per listener, "
      "for comparison)",
      TRUE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  properties[PROP_TALK_THRESHOLD] = g_param_spec_double (
      "talk-threshold", "Talking threshold", "Level above which a site talks, in dBov", -90, 0, -50,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  properties[PROP_TALK_HOLD] = g_param_spec_uint (
      "talk-hold", "Talking hold", "Milliseconds of quiet that end a turn", 20, 10000, 800,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  properties[PROP_BITRATE]
      = g_param_spec_int ("bitrate", "Bitrate", "Opus bitrate in bit/s", 6000, 128000, 32000,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ENCODERS]
      = g_param_spec_uint ("encoders", "Encoders", "Opus encoders in use", 0, G_MAXUINT, 0,
                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SENDER_THREADS] = g_param_spec_uint (
      "sender-threads", "Sender threads",
      "Threads that push the packets to the listeners (0: the mixing thread itself, each "
      "listener followed by a leaky queue); set before the mixer starts",
      0, 64, 0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEND_DROPPED]
      = g_param_spec_uint ("send-dropped", "Packets dropped",
                           "Packets a listener lost because its sender thread fell behind", 0,
                           G_MAXUINT, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gst_element_class_add_static_pad_template_with_gtype (element_class, &sink_template,
                                                        MCU_TYPE_MIX_MINUS_PAD);
  gst_element_class_add_static_pad_template_with_gtype (element_class, &src_template,
                                                        GST_TYPE_AUDIO_AGGREGATOR_PAD);
  gst_element_class_add_static_pad_template (element_class, &listen_template);
  gst_element_class_set_static_metadata (element_class, "hoinghi mix-minus mixer", "Filter/Audio",
                                         "Mixes a room so that every site hears all but itself",
                                         "hoinghi developers");
}

static void
mcu_mix_minus_init (McuMixMinus *self)
{
  g_mutex_init (&self->encode_lock);
  g_mutex_init (&self->release_lock);
  self->share_encoders = TRUE;
  self->talk_threshold = -50;
  self->talk_hold_ms = 800;
  self->bitrate = 32000;
  g_object_set (self, "output-buffer-duration", (guint64) FRAME_DURATION, NULL);
  gst_aggregator_set_ignore_inactive_pads (GST_AGGREGATOR (self), TRUE);
  gst_pad_add_probe (GST_AGGREGATOR_SRC_PAD (self), GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                     forward_to_listeners, self, NULL);
}
