/* mcu-opus-send.c: McuOpusSend, a site's audio from the mixer to the site.
 *
 *   mixer.listen_N ─▶ mcuopussend ┬─ RTP, SRTP ─▶ the site's ICE pair (direct)
 *                                 └─ RTP ─▶ webrtcbin (forward)
 *
 * The room's sender thread pushes every site's packet in turn.  Through
 * rtpopuspay and webrtcbin a packet took ~14 pad pushes and libsrtp2's
 * per-packet NSS context: the sending was three quarters of the mcu's CPU
 * at 150 sites (bench-mcu), and a new site's caps held the thread for up
 * to 316 ms while webrtcbin set up its transport.  Once the site's DTLS
 * is up, the mcu hands this element the session's SRTP key and ICE
 * stream (mcu-webrtc-send.c) and a packet goes straight out: an RTP
 * header, SRTP (mcu-srtp.c) and one nice_agent_send(), which does not
 * wait.  Where the key or the stream cannot be had, it forwards RTP to
 * webrtcbin as rtpopuspay did.  Before either, it drops: webrtcbin holds
 * RTP back until DTLS is up, and a site's first packet should be the room
 * as it is then.
 *
 * webrtcbin does not see the packets sent directly, so the element sends
 * the stream's RTCP sender reports itself (SRTCP, every 5 s on average as
 * RFC 3550 has it, under the CNAME webrtcbin uses): a receiver needs them
 * to play it in sync with the picture and to measure the round trip.
 */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include <string.h>

#include "mcu-opus-send.h"

#define RTP_HEADER_LEN 12
#define OPUS_RATE 48000
#define OPUS_FRAME_SAMPLES 960
/* the largest Opus packet (RFC 6716 3.4: 1275 bytes a frame, 2 frames) */
#define MAX_PAYLOAD 2560
#define DEFAULT_PT 111
#define RTCP_SR 200
#define RTCP_SDES 202
#define SDES_CNAME 1
#define SR_LEN 28
#define MAX_CNAME 64
/* RFC 3550 6.2: at least 5 s between reports, each wait drawn from half
 * to one and a half of that so that the sites' reports do not bunch */
#define REPORT_INTERVAL_US (5 * G_USEC_PER_SEC)
/* seconds from the NTP epoch (1900) to the Unix one */
#define NTP_UNIX_OFFSET G_GUINT64_CONSTANT (2208988800)

typedef enum
{
  MODE_DROP,
  MODE_DIRECT,
  MODE_FORWARD,
} Mode;

struct _McuOpusSend
{
  GstElement parent_instance;

  GstPad *sinkpad;
  GstPad *srcpad;
  guint pt;

  /* set once, with the object lock; the streaming thread reads the mode
   * under it and then uses the rest alone */
  Mode mode;
  NiceAgent *agent;
  guint stream_id;
  guint component_id;
  McuSrtp *srtp;
  char *cname;

  /* the streaming thread's */
  GstSegment segment;
  guint32 ssrc;
  guint16 seq;
  guint32 ts_base;
  guint32 last_ts;
  gboolean sent_any;
  gboolean src_started;
  gint64 next_report; /* monotonic µs; 0: with the first packet */
  /* what went out (atomic, pointer-sized: the peer's statistics read them) */
  gsize packets_sent;
  gsize octets_sent; /* RTP payload, as RTCP counts it */
};

enum
{
  PROP_0,
  PROP_PT,
  PROP_SSRC,
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("audio/x-opus, rate=48000"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtp, media=audio, clock-rate=48000, encoding-name=OPUS"));

G_DEFINE_FINAL_TYPE (McuOpusSend, mcu_opus_send, GST_TYPE_ELEMENT)
GST_ELEMENT_REGISTER_DEFINE (mcuopussend, "mcuopussend", GST_RANK_NONE, MCU_TYPE_OPUS_SEND);

/* The RTP timestamp of a running time: the stream's clock is the pipeline's. */
static guint32
rtp_time (McuOpusSend *self, GstClockTime running)
{
  return self->ts_base + (guint32) gst_util_uint64_scale_round (running, OPUS_RATE, GST_SECOND);
}

/* The RTP timestamp of @buffer: its running time, or the frame after the
 * last one when it has no time. */
static guint32
rtp_timestamp (McuOpusSend *self, GstBuffer *buffer)
{
  GstClockTime running = GST_CLOCK_TIME_NONE;

  if (GST_BUFFER_PTS_IS_VALID (buffer) && self->segment.format == GST_FORMAT_TIME)
    running
        = gst_segment_to_running_time (&self->segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
  if (GST_CLOCK_TIME_IS_VALID (running))
    return rtp_time (self, running);
  return self->sent_any ? self->last_ts + OPUS_FRAME_SAMPLES : self->ts_base;
}

/* Writes the RTP header and payload at @packet; returns the length, 0 for
 * a buffer too big for one packet. */
static gsize
packetize (McuOpusSend *self, GstBuffer *buffer, guint8 *packet)
{
  gsize payload = gst_buffer_get_size (buffer);
  guint32 ts;

  if (payload == 0 || payload > MAX_PAYLOAD)
    return 0;
  ts = rtp_timestamp (self, buffer);
  packet[0] = 0x80; /* version 2, no padding, extension or CSRC */
  /* the marker begins the stream (RFC 7587 4.2: a talkspurt) */
  packet[1] = (guint8) (self->pt | (self->sent_any ? 0 : 0x80));
  GST_WRITE_UINT16_BE (packet + 2, self->seq);
  GST_WRITE_UINT32_BE (packet + 4, ts);
  GST_WRITE_UINT32_BE (packet + 8, self->ssrc);
  gst_buffer_extract (buffer, 0, packet + RTP_HEADER_LEN, payload);
  self->seq++;
  self->last_ts = ts;
  self->sent_any = TRUE;
  return RTP_HEADER_LEN + payload;
}

static void
count_sent (McuOpusSend *self, gsize len)
{
  g_atomic_pointer_add (&self->packets_sent, 1);
  g_atomic_pointer_add (&self->octets_sent, len - RTP_HEADER_LEN);
}

/* The stream's sticky events on the src pad, before the first forwarded packet. */
static void
start_src (McuOpusSend *self)
{
  g_autofree char *stream_id = NULL;
  g_autoptr (GstCaps) caps = NULL;

  if (self->src_started)
    return;
  self->src_started = TRUE;
  stream_id = gst_pad_create_stream_id (self->srcpad, GST_ELEMENT (self), NULL);
  caps = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "audio", "clock-rate",
                              G_TYPE_INT, OPUS_RATE, "encoding-name", G_TYPE_STRING, "OPUS",
                              "payload", G_TYPE_INT, (int) self->pt, "ssrc", G_TYPE_UINT,
                              self->ssrc, NULL);
  gst_pad_push_event (self->srcpad, gst_event_new_stream_start (stream_id));
  gst_pad_push_event (self->srcpad, gst_event_new_caps (caps));
  gst_pad_push_event (self->srcpad, gst_event_new_segment (&self->segment));
}

/* The RTP timestamp of now on the pipeline's clock (that of the last
 * packet without a clock), as the packets' timestamps are their running
 * times. */
static guint32
rtp_timestamp_now (McuOpusSend *self)
{
  g_autoptr (GstClock) clock = gst_element_get_clock (GST_ELEMENT (self));
  GstClockTime base = gst_element_get_base_time (GST_ELEMENT (self));
  GstClockTime now;

  if (clock == NULL)
    return self->last_ts;
  now = gst_clock_get_time (clock);
  if (now < base)
    return self->last_ts;
  return rtp_time (self, now - base);
}

/* A sender report and the SDES with the CNAME (RFC 3550 6.4.1, 6.5) at
 * @packet; returns the length. */
static gsize
make_report (McuOpusSend *self, guint8 *packet)
{
  gint64 real = g_get_real_time ();
  guint64 seconds = (guint64) real / G_USEC_PER_SEC + NTP_UNIX_OFFSET;
  guint64 fraction = (((guint64) real % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;
  gsize cname_len = MIN (strlen (self->cname), MAX_CNAME);
  guint8 *sdes = packet + SR_LEN;
  gsize sdes_len;

  packet[0] = 0x80; /* version 2, no report blocks */
  packet[1] = RTCP_SR;
  packet[2] = 0;
  packet[3] = SR_LEN / 4 - 1;
  GST_WRITE_UINT32_BE (packet + 4, self->ssrc);
  GST_WRITE_UINT32_BE (packet + 8, (guint32) seconds);
  GST_WRITE_UINT32_BE (packet + 12, (guint32) fraction);
  GST_WRITE_UINT32_BE (packet + 16, rtp_timestamp_now (self));
  GST_WRITE_UINT32_BE (packet + 20, (guint32) g_atomic_pointer_get (&self->packets_sent));
  GST_WRITE_UINT32_BE (packet + 24, (guint32) g_atomic_pointer_get (&self->octets_sent));

  /* header, SSRC, CNAME item, the end of the list, padded to 32 bits */
  sdes_len = (4 + 4 + 2 + cname_len + 1 + 3) & ~(gsize) 3;
  memset (sdes, 0, sdes_len);
  sdes[0] = 0x81; /* version 2, one chunk */
  sdes[1] = RTCP_SDES;
  sdes[2] = 0;
  sdes[3] = (guint8) (sdes_len / 4 - 1);
  GST_WRITE_UINT32_BE (sdes + 4, self->ssrc);
  sdes[8] = SDES_CNAME;
  sdes[9] = (guint8) cname_len;
  memcpy (sdes + 10, self->cname, cname_len);
  return SR_LEN + sdes_len;
}

/* The sender report, when it is due. */
static void
report_if_due (McuOpusSend *self)
{
  guint8 packet[SR_LEN + 12 + MAX_CNAME + MCU_SRTCP_TRAILER_LEN];
  gint64 now = g_get_monotonic_time ();
  gsize len, protected_len = 0;

  if (now < self->next_report)
    return;
  self->next_report = now + g_random_int_range (REPORT_INTERVAL_US / 2, REPORT_INTERVAL_US * 3 / 2);
  len = make_report (self, packet);
  if (mcu_srtp_protect_rtcp (self->srtp, packet, len, sizeof packet, &protected_len))
    nice_agent_send (self->agent, self->stream_id, self->component_id, (guint) protected_len,
                     (const char *) packet);
}

static GstFlowReturn
mcu_opus_send_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  McuOpusSend *self = MCU_OPUS_SEND (parent);
  guint8 packet[RTP_HEADER_LEN + MAX_PAYLOAD + MCU_SRTP_MAX_TAG_LEN];
  gsize len, protected_len = 0;
  GstBuffer *out;
  Mode mode;

  (void) pad;
  GST_OBJECT_LOCK (self);
  mode = self->mode;
  GST_OBJECT_UNLOCK (self);
  if (mode == MODE_DROP || (len = packetize (self, buffer, packet)) == 0)
    {
      gst_buffer_unref (buffer);
      return GST_FLOW_OK;
    }
  if (mode == MODE_DIRECT)
    {
      gst_buffer_unref (buffer);
      /* a failed send (the pair gone, a full socket) loses this packet only */
      if (mcu_srtp_protect (self->srtp, packet, len, sizeof packet, &protected_len)
          && nice_agent_send (self->agent, self->stream_id, self->component_id,
                              (guint) protected_len, (const char *) packet)
                 >= 0)
        {
          count_sent (self, len);
          report_if_due (self);
        }
      return GST_FLOW_OK;
    }
  count_sent (self, len);
  start_src (self);
  out = gst_buffer_new_memdup (packet, len);
  gst_buffer_copy_into (out, buffer, GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
  gst_buffer_unref (buffer);
  return gst_pad_push (self->srcpad, out);
}

static gboolean
mcu_opus_send_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  McuOpusSend *self = MCU_OPUS_SEND (parent);

  (void) pad;
  switch (GST_EVENT_TYPE (event))
    {
    case GST_EVENT_SEGMENT:
      gst_event_copy_segment (event, &self->segment);
      break;
    case GST_EVENT_FLUSH_STOP:
      gst_segment_init (&self->segment, GST_FORMAT_TIME);
      break;
    default:
      break;
    }
  /* The stream's start, caps and segment are this element's own on the
   * src pad, pushed with the first forwarded packet (never into
   * webrtcbin on the sender thread while a site still negotiates); the
   * end and flushes follow a stream that has started. */
  if (self->src_started
      && (GST_EVENT_TYPE (event) == GST_EVENT_EOS || GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_START
          || GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP))
    return gst_pad_push_event (self->srcpad, event);
  gst_event_unref (event);
  return TRUE;
}

static gboolean
mcu_opus_send_src_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  /* nothing upstream (QoS, reconfigure) concerns the room's mixer */
  (void) pad;
  (void) parent;
  gst_event_unref (event);
  return TRUE;
}

static gboolean
mcu_opus_send_src_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  McuOpusSend *self = MCU_OPUS_SEND (parent);

  if (GST_QUERY_TYPE (query) == GST_QUERY_CAPS)
    {
      g_autoptr (GstCaps) caps = gst_caps_new_simple (
          "application/x-rtp", "media", G_TYPE_STRING, "audio", "clock-rate", G_TYPE_INT, OPUS_RATE,
          "encoding-name", G_TYPE_STRING, "OPUS", "payload", G_TYPE_INT, (int) self->pt, NULL);
      GstCaps *filter = NULL;

      gst_query_parse_caps (query, &filter);
      if (filter != NULL)
        {
          GstCaps *both = gst_caps_intersect (caps, filter);

          gst_caps_replace (&caps, both);
          gst_caps_unref (both);
        }
      gst_query_set_caps_result (query, caps);
      return TRUE;
    }
  return gst_pad_query_default (pad, parent, query);
}

/**
 * mcu_opus_send_go_direct:
 * @self: the element
 * @agent: the site's ICE agent
 * @stream_id: its stream (BUNDLE: the one stream)
 * @component_id: its RTP component
 * @srtp: (transfer full): the SRTP context made from the session's key for
 *   what the mcu sends
 * @cname: the CNAME of the mcu's other streams to the site (its sender
 *   reports carry it)
 *
 * From the next packet on, sends straight to the site.  Once only; a
 * second call (or one after mcu_opus_send_go_forward()) is ignored.
 */
void
mcu_opus_send_go_direct (McuOpusSend *self, NiceAgent *agent, guint stream_id, guint component_id,
                         McuSrtp *srtp, const char *cname)
{
  g_return_if_fail (MCU_IS_OPUS_SEND (self));
  g_return_if_fail (NICE_IS_AGENT (agent));
  g_return_if_fail (srtp != NULL);
  g_return_if_fail (cname != NULL);

  GST_OBJECT_LOCK (self);
  if (self->mode == MODE_DROP)
    {
      self->agent = g_object_ref (agent);
      self->stream_id = stream_id;
      self->component_id = component_id;
      self->srtp = g_steal_pointer (&srtp);
      self->cname = g_strdup (cname);
      self->mode = MODE_DIRECT;
    }
  GST_OBJECT_UNLOCK (self);
  mcu_srtp_free (srtp);
}

/**
 * mcu_opus_send_go_forward:
 * @self: the element
 *
 * From the next packet on, forwards RTP on the src pad (to webrtcbin);
 * ignored once the element sends directly.
 */
void
mcu_opus_send_go_forward (McuOpusSend *self)
{
  g_return_if_fail (MCU_IS_OPUS_SEND (self));

  GST_OBJECT_LOCK (self);
  if (self->mode == MODE_DROP)
    self->mode = MODE_FORWARD;
  GST_OBJECT_UNLOCK (self);
}

/**
 * mcu_opus_send_is_direct:
 * @self: the element
 *
 * Returns: whether it sends straight to the site
 */
gboolean
mcu_opus_send_is_direct (McuOpusSend *self)
{
  gboolean direct;

  g_return_val_if_fail (MCU_IS_OPUS_SEND (self), FALSE);

  GST_OBJECT_LOCK (self);
  direct = self->mode == MODE_DIRECT;
  GST_OBJECT_UNLOCK (self);
  return direct;
}

/**
 * mcu_opus_send_get_sent:
 * @self: the element
 * @packets: (out) (optional): RTP packets it sent, either way
 * @octets: (out) (optional): their payload bytes
 */
void
mcu_opus_send_get_sent (McuOpusSend *self, guint64 *packets, guint64 *octets)
{
  g_return_if_fail (MCU_IS_OPUS_SEND (self));

  if (packets != NULL)
    *packets = (guint64) g_atomic_pointer_get (&self->packets_sent);
  if (octets != NULL)
    *octets = (guint64) g_atomic_pointer_get (&self->octets_sent);
}

/**
 * mcu_opus_send_get_ssrc:
 * @self: the element
 *
 * Returns: the SSRC of what it sends
 */
guint32
mcu_opus_send_get_ssrc (McuOpusSend *self)
{
  g_return_val_if_fail (MCU_IS_OPUS_SEND (self), 0);

  return self->ssrc;
}

static void
mcu_opus_send_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  McuOpusSend *self = MCU_OPUS_SEND (object);

  switch (prop_id)
    {
    case PROP_PT:
      self->pt = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
mcu_opus_send_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  McuOpusSend *self = MCU_OPUS_SEND (object);

  switch (prop_id)
    {
    case PROP_PT:
      g_value_set_uint (value, self->pt);
      break;
    case PROP_SSRC:
      g_value_set_uint (value, self->ssrc);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
mcu_opus_send_finalize (GObject *object)
{
  McuOpusSend *self = MCU_OPUS_SEND (object);

  g_clear_object (&self->agent);
  g_clear_pointer (&self->srtp, mcu_srtp_free);
  g_free (self->cname);
  G_OBJECT_CLASS (mcu_opus_send_parent_class)->finalize (object);
}

static void
mcu_opus_send_class_init (McuOpusSendClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  object_class->set_property = mcu_opus_send_set_property;
  object_class->get_property = mcu_opus_send_get_property;
  object_class->finalize = mcu_opus_send_finalize;

  g_object_class_install_property (
      object_class, PROP_PT,
      g_param_spec_uint ("pt", "Payload type", "The RTP payload type the SDP gave Opus", 0, 127,
                         DEFAULT_PT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (
      object_class, PROP_SSRC,
      g_param_spec_uint ("ssrc", "SSRC", "The SSRC of what it sends (random)", 0, G_MAXUINT32, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (
      element_class, "hoinghi site audio out", "Codec/Payloader/Network/RTP",
      "Sends a site its Opus audio as SRTP straight over its ICE connection", "hoinghi");
}

static void
mcu_opus_send_init (McuOpusSend *self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, mcu_opus_send_chain);
  gst_pad_set_event_function (self->sinkpad, mcu_opus_send_sink_event);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_event_function (self->srcpad, mcu_opus_send_src_event);
  gst_pad_set_query_function (self->srcpad, mcu_opus_send_src_query);
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  gst_segment_init (&self->segment, GST_FORMAT_TIME);
  /* random starts (RFC 3550 5.1): a guess at neither tells anything */
  self->ssrc = g_random_int ();
  self->seq = (guint16) g_random_int_range (0, 0x8000);
  self->ts_base = g_random_int ();
}
