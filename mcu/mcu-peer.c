/* mcu-peer.c: McuPeer, one site's WebRTC session in its room's pipeline.
 *
 * The data path of a site N, all inside the room's one pipeline:
 *
 *   webrtcbin ─ rtpopusdepay ─ opusdec (PLC, FEC) ─ audioconvert ─ audioresample
 *             ─ S16/48 kHz/mono ─▶ mixer.sink_N
 *   mixer.listen_N (from a sender thread) ─ mcuopussend ─▶ the site's ICE pair
 *                                  (SRTP of its own; to webrtcbin where it cannot)
 *   webrtcbin ─ rtpvp8depay ─ vp8dec | rtph264depay ─ avdec_h264 ─▶ the room's video
 *   the room's video (the composite, VP8, fanned out) ─▶ webrtcbin
 *
 * The mcu offers audio (Opus, sendrecv) on m-line 0 and video (VP8 or
 * H.264 from the site, VP8 to it) on m-line 1. webrtcbin works on its own threads; everything the
 * session must hear of (the offer, candidates, a failure) is handed to the main context the peer
 * was made in, and dropped once the peer is removed.
 */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include <string.h>

#include <gst/sdp/sdp.h>
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>
#include <nice/agent.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#include "gst/mcu-webrtc-send.h"
#include "mcu-peer.h"

#define OPUS_PT 111
#define AUDIO_CAPS                                                                                 \
  "application/x-rtp, media=audio, encoding-name=OPUS, payload=111, clock-rate=48000, "            \
  "encoding-params=(string)2, minptime=(string)10, useinbandfec=(string)1"
/* rtcp-fb: both ends send keyframe requests (PLI, FIR) only for what the
 * SDP offers; without them a lost packet freezes the picture until the
 * encoder's next keyframe of its own. */
#define VIDEO_FEEDBACK "rtcp-fb-nack-pli=(boolean)true, rtcp-fb-ccm-fir=(boolean)true"
#define VIDEO_CAPS                                                                                 \
  "application/x-rtp, media=video, encoding-name=VP8, payload=96, "                                \
  "clock-rate=90000, " VIDEO_FEEDBACK "; "                                                         \
  "application/x-rtp, media=video, encoding-name=H264, payload=102, clock-rate=90000, "            \
  "packetization-mode=(string)1, profile-level-id=(string)42e01f, " VIDEO_FEEDBACK
#define MIX_CAPS "audio/x-raw, format=S16LE, rate=48000, channels=1, layout=interleaved"
#define STATS_INTERVAL_S 2
#define MAX_CANDIDATE 1024

struct _McuPeer
{
  GObject parent_instance;

  GMainContext *context;
  GstBin *room;
  GstElement *mixer;
  McuRoomVideo *video;
  guint index;
  gboolean monitor; /* a preview: it only receives */
  gboolean decode_fec;
  GstElement *webrtc;
  GstPad *listen_pad;
  GstPad *video_sink;     /* webrtcbin's, for the composite once the answer says which codec */
  McuOpusSend *audio_out; /* the site's audio (one of the elements) */
  char *video_encoding;   /* the codec the site's answer chose for video */
  McuVideoTier tier;      /* the size of the composite it receives */
  gboolean sending_video;

  guint stats_source;
  gint connected; /* atomic: DTLS is up, the site's audio may flow */

  /* Guards what webrtcbin's threads touch too. */
  GMutex lock;
  gboolean removed;
  GPtrArray *elements; /* ours in the room's bin, in the order they were added */
  GstPad *mix_pad;     /* mixer.sink_N, once the site's audio arrives */
  gboolean receiving_video;
  gboolean muted;
  McuPeerStats stats;
  guint64 bytes_received;
  gint64 stats_time;
};

enum
{
  SIGNAL_OFFER,
  SIGNAL_CANDIDATE,
  SIGNAL_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (McuPeer, mcu_peer, G_TYPE_OBJECT)

/* What webrtcbin's threads have to say, on its way to the main context. */
typedef struct
{
  McuPeer *peer;
  guint signal;
  guint mline;
  char *text;
} Emission;

static gboolean
emit_on_main (gpointer data)
{
  Emission *emission = data;
  McuPeer *self = emission->peer;
  gboolean removed;

  g_mutex_lock (&self->lock);
  removed = self->removed;
  g_mutex_unlock (&self->lock);
  if (removed)
    return G_SOURCE_REMOVE;
  if (emission->signal == SIGNAL_CANDIDATE)
    g_signal_emit (self, signals[SIGNAL_CANDIDATE], 0, emission->mline, emission->text);
  else
    g_signal_emit (self, signals[emission->signal], 0, emission->text);
  return G_SOURCE_REMOVE;
}

static void
emission_free (gpointer data)
{
  Emission *emission = data;

  g_object_unref (emission->peer);
  g_free (emission->text);
  g_free (emission);
}

static void
emit_later (McuPeer *self, guint signal, guint mline, const char *text)
{
  Emission *emission = g_new0 (Emission, 1);

  emission->peer = g_object_ref (self);
  emission->signal = signal;
  emission->mline = mline;
  emission->text = g_strdup (text);
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_on_main, emission,
                              emission_free);
}

static void
on_offer_created (GstPromise *promise, gpointer user_data)
{
  McuPeer *self = MCU_PEER (user_data);
  const GstStructure *reply = gst_promise_get_reply (promise);
  GstWebRTCSessionDescription *offer = NULL;
  g_autofree char *text = NULL;
  gboolean removed;

  if (reply == NULL
      || !gst_structure_get (reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL))
    {
      emit_later (self, SIGNAL_FAILED, 0, _ ("The mcu could not make its offer."));
      gst_promise_unref (promise);
      return;
    }
  gst_promise_unref (promise);
  /* webrtcbin 1.22 leaks the description it is given once it is closing:
   * a site gone meanwhile gets none */
  g_mutex_lock (&self->lock);
  removed = self->removed;
  g_mutex_unlock (&self->lock);
  if (!removed)
    {
      g_signal_emit_by_name (self->webrtc, "set-local-description", offer, NULL);
      text = gst_sdp_message_as_text (offer->sdp);
      emit_later (self, SIGNAL_OFFER, 0, text);
    }
  gst_webrtc_session_description_free (offer);
}

static void
on_ice_candidate (GstElement *webrtc, guint mline, const char *candidate, gpointer user_data)
{
  emit_later (MCU_PEER (user_data), SIGNAL_CANDIDATE, mline, candidate);
}

/* DTLS is up: the site's audio goes straight to it from now on, or
 * through webrtcbin where the key or the ICE stream cannot be had. */
static void
send_audio (McuPeer *self)
{
  g_autoptr (GError) error = NULL;

  if (mcu_webrtc_send_go_direct (self->webrtc, self->audio_out, &error))
    return;
  g_message ("site %u: its audio goes through webrtcbin: %s", self->index,
             error != NULL ? error->message : "?");
  mcu_opus_send_go_forward (self->audio_out);
}

static void
on_connection_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  McuPeer *self = MCU_PEER (user_data);
  GstWebRTCPeerConnectionState state;

  g_object_get (webrtc, "connection-state", &state, NULL);
  g_atomic_int_set (&self->connected, state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED);
  if (state != GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED)
    return;
  send_audio (self);
  /* the site's picture starts with a keyframe, not a wait for the next one */
  mcu_room_video_request_keyframe (self->video);
}

/* webrtcbin holds RTP back until DTLS is up: a packet pushed meanwhile
 * would wait there and go out hundreds of milliseconds late.  So the
 * room's picture is dropped until the connection is up, and its first
 * frame is the room as it is now (the audio: mcu-opus-send.c). */
static GstPadProbeReturn
hold_until_connected (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  McuPeer *self = MCU_PEER (user_data);

  return g_atomic_int_get (&self->connected) ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

static void
on_ice_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  GstWebRTCICEConnectionState state;

  g_object_get (webrtc, "ice-connection-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED)
    emit_later (MCU_PEER (user_data), SIGNAL_FAILED, 0,
                _ ("No network path to the site was found (ICE failed)."));
}

/* Adds @element to the room under the lock; the caller holds it. */
static GstElement *
add_element (McuPeer *self, const char *factory)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  g_assert (element != NULL);
  gst_bin_add (self->room, element);
  g_ptr_array_add (self->elements, gst_object_ref (element));
  return element;
}

/* Elements added to a running pipeline are set to PLAYING one by one,
 * downstream first (sync_state_with_parent leaves some of them PAUSED). */
static void
play (GstElement *const *elements, guint count)
{
  for (guint i = count; i > 0; i--)
    gst_element_set_state (elements[i - 1], GST_STATE_PLAYING);
}

static void
receive_audio (McuPeer *self, GstPad *pad)
{
  g_autoptr (GstCaps) caps = gst_caps_from_string (MIX_CAPS);
  g_autofree char *name = g_strdup_printf ("sink_%u", self->index);
  GstElement *chain[6];
  g_autoptr (GstPad) sink = NULL;

  chain[0] = add_element (self, "rtpopusdepay");
  chain[1] = add_element (self, "opusdec");
  chain[2] = add_element (self, "audioconvert");
  chain[3] = add_element (self, "audioresample");
  chain[4] = add_element (self, "capsfilter");
  g_object_set (chain[1], "plc", TRUE, "use-inband-fec", self->decode_fec, NULL);
  g_object_set (chain[4], "caps", caps, NULL);
  gst_element_link_many (chain[0], chain[1], chain[2], chain[3], chain[4], NULL);
  self->mix_pad = gst_element_request_pad_simple (self->mixer, name);
  g_object_set (self->mix_pad, "muted", self->muted, NULL);
  sink = gst_element_get_static_pad (chain[4], "src");
  gst_pad_link (sink, self->mix_pad);
  play (chain, 5);
  g_clear_object (&sink);
  sink = gst_element_get_static_pad (chain[0], "sink");
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    g_message ("site %u: its audio could not be linked to the mixer", self->index);
}

static void
discard (McuPeer *self, GstPad *pad)
{
  GstElement *sink = add_element (self, "fakesink");
  g_autoptr (GstPad) sink_pad = gst_element_get_static_pad (sink, "sink");

  g_object_set (sink, "async", FALSE, "sync", FALSE, NULL);
  gst_element_set_state (sink, GST_STATE_PLAYING);
  gst_pad_link (pad, sink_pad);
}

/* The site's video, decoded once, into its tile of the composite. */
static void
receive_video (McuPeer *self, GstPad *pad, const char *encoding)
{
  gboolean h264 = g_strcmp0 (encoding, "H264") == 0;
  g_autoptr (GstElementFactory) decoder = gst_element_factory_find (h264 ? "avdec_h264" : "vp8dec");
  GstElement *chain[2];
  g_autoptr (GstPad) depay_sink = NULL, decoder_src = NULL, tile = NULL;

  /* no decoder (gstreamer1.0-libav for H.264): the site shows its placeholder */
  if (decoder == NULL)
    {
      g_message ("site %u: no decoder for its %s video", self->index, encoding);
      discard (self, pad);
      return;
    }

  chain[0] = add_element (self, h264 ? "rtph264depay" : "rtpvp8depay");
  chain[1] = add_element (self, h264 ? "avdec_h264" : "vp8dec");
  /* a lost packet becomes a keyframe request to the site, not a smear */
  if (!h264)
    g_object_set (chain[0], "wait-for-keyframe", TRUE, NULL);
  g_object_set (chain[0], "request-keyframe", TRUE, NULL);
  gst_element_link (chain[0], chain[1]);
  tile = mcu_room_video_add_input (self->video, self->index);
  decoder_src = gst_element_get_static_pad (chain[1], "src");
  gst_pad_link (decoder_src, tile);
  play (chain, 2);
  depay_sink = gst_element_get_static_pad (chain[0], "sink");
  if (gst_pad_link (pad, depay_sink) != GST_PAD_LINK_OK)
    g_message ("site %u: its video could not be linked to the composite", self->index);
  self->receiving_video = TRUE;
}

/* On webrtcbin's streaming thread: a stream from the site begins. */
static void
on_pad_added (GstElement *webrtc, GstPad *pad, gpointer user_data)
{
  McuPeer *self = MCU_PEER (user_data);
  g_autoptr (GstCaps) caps = NULL;
  const char *media = NULL, *encoding = NULL;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (!gst_caps_is_empty (caps))
    {
      media = gst_structure_get_string (gst_caps_get_structure (caps, 0), "media");
      encoding = gst_structure_get_string (gst_caps_get_structure (caps, 0), "encoding-name");
    }

  g_mutex_lock (&self->lock);
  if (!self->removed)
    {
      if (self->monitor)
        discard (self, pad);
      else if (g_strcmp0 (media, "audio") == 0 && self->mix_pad == NULL)
        receive_audio (self, pad);
      else if (g_strcmp0 (media, "video") == 0 && !self->receiving_video
               && (g_strcmp0 (encoding, "VP8") == 0 || g_strcmp0 (encoding, "H264") == 0))
        receive_video (self, pad, encoding);
      else
        discard (self, pad);
    }
  g_mutex_unlock (&self->lock);
}

static double
number (const GstStructure *s, const char *field)
{
  const GValue *value = gst_structure_get_value (s, field);
  GValue as_double = G_VALUE_INIT;
  double result = 0;

  if (value == NULL)
    return 0;
  g_value_init (&as_double, G_TYPE_DOUBLE);
  if (g_value_transform (value, &as_double))
    result = g_value_get_double (&as_double);
  g_value_unset (&as_double);
  return result;
}

static gboolean
read_stats (GQuark field, const GValue *value, gpointer user_data)
{
  McuPeer *self = MCU_PEER (user_data);
  const GstStructure *s;
  GstWebRTCStatsType type;
  gint64 now = g_get_monotonic_time ();

  if (!GST_VALUE_HOLDS_STRUCTURE (value))
    return TRUE;
  s = gst_value_get_structure (value);
  if (!gst_structure_get (s, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, NULL))
    return TRUE;
  if (type == GST_WEBRTC_STATS_INBOUND_RTP)
    {
      guint64 bytes = number (s, "bytes-received");

      self->stats.packets_received = number (s, "packets-received");
      self->stats.packets_lost = number (s, "packets-lost");
      self->stats.jitter_ms = number (s, "jitter") * 1000;
      if (self->stats_time != 0 && now > self->stats_time && bytes >= self->bytes_received)
        self->stats.bitrate_kbps
            = (bytes - self->bytes_received) * 8.0 / 1000 / ((now - self->stats_time) / 1e6);
      self->bytes_received = bytes;
      self->stats_time = now;
    }
  else if (type == GST_WEBRTC_STATS_OUTBOUND_RTP)
    self->stats.packets_sent += number (s, "packets-sent");
  return TRUE;
}

static void
on_stats (GstPromise *promise, gpointer user_data)
{
  McuPeer *self = MCU_PEER (user_data);
  const GstStructure *reply = gst_promise_get_reply (promise);

  g_mutex_lock (&self->lock);
  if (reply != NULL)
    {
      guint64 direct = 0;

      /* webrtcbin's streams (video, and audio it forwards), and the audio
       * sent past it (mcu-opus-send.c) */
      if (mcu_opus_send_is_direct (self->audio_out))
        mcu_opus_send_get_sent (self->audio_out, &direct, NULL);
      self->stats.packets_sent = direct;
      gst_structure_foreach (reply, read_stats, self);
    }
  g_mutex_unlock (&self->lock);
  gst_promise_unref (promise);
}

static gboolean
ask_stats (gpointer user_data)
{
  McuPeer *self = MCU_PEER (user_data);
  GstPromise *promise
      = gst_promise_new_with_change_func (on_stats, g_object_ref (self), g_object_unref);

  g_signal_emit_by_name (self->webrtc, "get-stats", NULL, promise);
  return G_SOURCE_CONTINUE;
}

static void
mcu_peer_finalize (GObject *object)
{
  McuPeer *self = MCU_PEER (object);

  g_assert (self->stats_source == 0);
  g_ptr_array_unref (self->elements);
  g_clear_object (&self->listen_pad);
  g_clear_object (&self->video_sink);
  g_free (self->video_encoding);
  g_clear_object (&self->mix_pad);
  g_clear_object (&self->webrtc);
  g_clear_object (&self->mixer);
  g_clear_object (&self->video);
  g_clear_object (&self->room);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (mcu_peer_parent_class)->finalize (object);
}

static void
mcu_peer_class_init (McuPeerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mcu_peer_finalize;

  /**
   * McuPeer::offer:
   * @sdp: the mcu's offer, to send to the site
   */
  signals[SIGNAL_OFFER] = g_signal_new ("offer", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * McuPeer::candidate:
   * @mline: the m-line index
   * @candidate: a local ICE candidate, to send to the site
   */
  signals[SIGNAL_CANDIDATE]
      = g_signal_new ("candidate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
  /**
   * McuPeer::failed:
   * @message: what went wrong, for the site and the log
   *
   * The session cannot go on (no offer, ICE failed, the answer refused).
   */
  signals[SIGNAL_FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
mcu_peer_init (McuPeer *self)
{
  g_mutex_init (&self->lock);
  self->elements = g_ptr_array_new_with_free_func (gst_object_unref);
  self->context = g_main_context_ref_thread_default ();
}

static gboolean
add_ice_addresses (GstElement *webrtc, const char *const *addresses, GError **error)
{
  g_autoptr (GObject) ice = NULL;
  g_autoptr (GObject) agent = NULL;

  g_object_get (webrtc, "ice-agent", &ice, NULL);
  g_object_get (ice, "agent", &agent, NULL);
  /* sites reach the mcu directly: no UPnP port mapping (nor its multicast) */
  g_object_set (agent, "upnp", FALSE, NULL);
  /* libnice leaves out 127.0.0.1 by itself; given addresses, it uses only those */
  for (guint i = 0; addresses != NULL && addresses[i] != NULL; i++)
    {
      NiceAddress address;

      nice_address_init (&address);
      if (!nice_address_set_from_string (&address, addresses[i]))
        {
          g_set_error (error, HN_ERROR, HN_ERROR_CONFIG, _ ("“%s” is not an IP address for ICE."),
                       addresses[i]);
          return FALSE;
        }
      nice_agent_add_local_address (NICE_AGENT (agent), &address);
    }
  return TRUE;
}

/* The send side: the site's listener pad to its mcuopussend (the mixer's
 * sender threads keep a slow site's backlog, in place of a queue), which
 * sends past webrtcbin or, where it cannot, to the transceiver on m-line
 * 0; the room's composite to the one on m-line 1.  Neither flows before
 * DTLS is up. */
static void
build_send (McuPeer *self)
{
  g_autofree char *name = g_strdup_printf ("listen_%u", self->index);
  g_autoptr (GstCaps) audio_caps = gst_caps_from_string (AUDIO_CAPS);
  g_autoptr (GstCaps) video_caps = gst_caps_from_string (VIDEO_CAPS);
  g_autoptr (GstPad) out_sink = NULL, out_src = NULL, audio_sink = NULL;
  g_autoptr (GstWebRTCRTPTransceiver) audio = NULL, video = NULL;
  /* a preview only receives */
  GstWebRTCRTPTransceiverDirection direction = self->monitor
                                                   ? GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY
                                                   : GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV;
  GstElement *out;

  out = add_element (self, "mcuopussend");
  g_object_set (out, "pt", OPUS_PT, NULL);
  self->audio_out = MCU_OPUS_SEND (out);

  audio_sink = gst_element_request_pad_simple (self->webrtc, "sink_%u");
  g_object_get (audio_sink, "transceiver", &audio, NULL);
  g_object_set (audio, "codec-preferences", audio_caps, "direction", direction, NULL);
  out_src = gst_element_get_static_pad (out, "src");
  gst_pad_link (out_src, audio_sink);

  /* linked once the answer says which of the offered codecs the site
   * takes: the offer must list them all */
  self->video_sink = gst_element_request_pad_simple (self->webrtc, "sink_%u");
  g_object_get (self->video_sink, "transceiver", &video, NULL);
  g_object_set (video, "codec-preferences", video_caps, "direction", direction, NULL);

  self->listen_pad = gst_element_request_pad_simple (self->mixer, name);
  out_sink = gst_element_get_static_pad (out, "sink");
  gst_pad_link (self->listen_pad, out_sink);
}

/**
 * mcu_peer_new:
 * @room: the room's pipeline, running
 * @mixer: the room's mcumixminus
 * @video: the room's composite
 * @monitor: a preview, which only receives (the full mix, the composite)
 * @index: the site's number in the mixer (`sink_N`, `listen_N`), unused by others
 * @options: ICE addresses, jitter buffer, FEC
 * @error: bad ICE addresses
 *
 * Builds the site's session and starts making the offer (the ::offer
 * signal follows on the calling thread's main context).
 *
 * Returns: (transfer full) (nullable): the peer; mcu_peer_remove() takes it
 *   out of the room
 */
McuPeer *
mcu_peer_new (GstBin *room, GstElement *mixer, McuRoomVideo *video, guint index, gboolean monitor,
              const McuMediaOptions *options, GError **error)
{
  g_autoptr (McuPeer) self = g_object_new (MCU_TYPE_PEER, NULL);
  GstPromise *promise;

  g_return_val_if_fail (GST_IS_BIN (room), NULL);

  self->room = gst_object_ref (room);
  self->mixer = gst_object_ref (mixer);
  self->video = g_object_ref (video);
  self->index = index;
  self->monitor = monitor;
  self->webrtc = gst_element_factory_make ("webrtcbin", NULL);
  if (self->webrtc != NULL)
    gst_object_ref_sink (self->webrtc);
  if (self->webrtc == NULL)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INTERNAL,
                           _ ("GStreamer's webrtcbin is missing (gstreamer1.0-plugins-bad)."));
      return NULL;
    }
  g_object_set (self->webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency",
                options->jitter_ms, NULL);
  self->decode_fec = options->decode_fec;
  if (!add_ice_addresses (self->webrtc, (const char *const *) options->ice_addresses, error))
    return NULL;
  /* the room's sender thread must never wait in a site (mcu-webrtc-send.c) */
  mcu_webrtc_send_unsynced (self->webrtc);
  g_signal_connect_object (self->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), self,
                           0);
  g_signal_connect_object (self->webrtc, "pad-added", G_CALLBACK (on_pad_added), self, 0);
  g_signal_connect_object (self->webrtc, "notify::ice-connection-state", G_CALLBACK (on_ice_state),
                           self, 0);
  g_signal_connect_object (self->webrtc, "notify::connection-state",
                           G_CALLBACK (on_connection_state), self, 0);

  g_mutex_lock (&self->lock);
  gst_bin_add (room, self->webrtc);
  g_ptr_array_add (self->elements, gst_object_ref (self->webrtc));
  build_send (self);
  g_mutex_unlock (&self->lock);
  play ((GstElement *const *) self->elements->pdata, self->elements->len);

  promise
      = gst_promise_new_with_change_func (on_offer_created, g_object_ref (self), g_object_unref);
  g_signal_emit_by_name (self->webrtc, "create-offer", NULL, promise);
  self->stats_source = g_timeout_add_seconds (STATS_INTERVAL_S, ask_stats, self);
  return g_steal_pointer (&self);
}

/* The room's composite, in the codec the site chose, to its video
 * transceiver; not before DTLS is up. */
static void
send_video (McuPeer *self)
{
  g_autoptr (GstPad) composite = NULL;

  g_mutex_lock (&self->lock);
  if (!self->removed && self->video_encoding != NULL && !self->sending_video)
    composite
        = mcu_room_video_add_output (self->video, self->index, self->video_encoding, self->tier);
  self->sending_video = composite != NULL;
  g_mutex_unlock (&self->lock);
  if (composite == NULL)
    return;
  /* the payloaders push a frame's packets as one list: held too (a list
   * that reached webrtcbin while it was still setting up its transport
   * could be answered FLUSHING, which stopped the site's queue for good) */
  gst_pad_add_probe (composite, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     hold_until_connected, self, NULL);
  if (gst_pad_link (composite, self->video_sink) != GST_PAD_LINK_OK)
    g_message ("site %u: the composite could not be linked to its session", self->index);
}

/* The codec the answer put first for video (m-line 1), or NULL when the
 * site takes no video (the m-line refused, inactive or sendonly: a phone,
 * an audio-only site). */
static char *
answered_video_encoding (const GstSDPMessage *answer)
{
  const GstSDPMedia *media;
  g_autoptr (GstCaps) caps = NULL;
  const char *encoding;
  guint64 pt;

  if (gst_sdp_message_medias_len (answer) < 2)
    return NULL;
  media = gst_sdp_message_get_media (answer, 1);
  if (g_strcmp0 (gst_sdp_media_get_media (media), "video") != 0
      || gst_sdp_media_get_port (media) == 0
      || gst_sdp_media_get_attribute_val (media, "inactive") != NULL
      || gst_sdp_media_get_attribute_val (media, "sendonly") != NULL
      || gst_sdp_media_formats_len (media) == 0
      || !g_ascii_string_to_unsigned (gst_sdp_media_get_format (media, 0), 10, 0, 127, &pt, NULL))
    return NULL;
  caps = gst_sdp_media_get_caps_from_media (media, pt);
  if (caps == NULL || gst_caps_is_empty (caps))
    return NULL;
  encoding = gst_structure_get_string (gst_caps_get_structure (caps, 0), "encoding-name");
  return encoding != NULL ? g_ascii_strup (encoding, -1) : NULL;
}

static void
on_answer_set (GstPromise *promise, gpointer user_data)
{
  McuPeer *self = MCU_PEER (user_data);
  const GstStructure *reply = gst_promise_get_reply (promise);
  GError *error = NULL;

  if (reply != NULL && gst_structure_has_field (reply, "error"))
    {
      gst_structure_get (reply, "error", G_TYPE_ERROR, &error, NULL);
      g_message ("site %u: its answer was refused: %s", self->index,
                 error != NULL ? error->message : "?");
      emit_later (self, SIGNAL_FAILED, 0, _ ("The answer does not answer the mcu's offer."));
      g_clear_error (&error);
    }
  else
    send_video (self);
  gst_promise_unref (promise);
}

/**
 * mcu_peer_set_answer:
 * @self: the peer
 * @sdp: the site's answer
 * @error: not SDP at all
 *
 * Hands the answer to webrtcbin; an answer that parses but does not fit the
 * offer is reported later through ::failed.
 *
 * Returns: whether the answer parsed
 */
gboolean
mcu_peer_set_answer (McuPeer *self, const char *sdp, GError **error)
{
  GstSDPMessage *message = NULL;
  GstWebRTCSessionDescription *answer;
  GstPromise *promise;

  g_return_val_if_fail (MCU_IS_PEER (self), FALSE);

  gst_sdp_message_new (&message);
  if (!g_str_has_prefix (sdp, "v=0")
      || gst_sdp_message_parse_buffer ((const guint8 *) sdp, strlen (sdp), message) != GST_SDP_OK
      || gst_sdp_message_medias_len (message) == 0)
    {
      gst_sdp_message_free (message);
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                           _ ("The answer is not a session description (SDP)."));
      return FALSE;
    }
  g_mutex_lock (&self->lock);
  g_free (self->video_encoding);
  self->video_encoding = answered_video_encoding (message);
  g_mutex_unlock (&self->lock);
  answer = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_ANSWER, message);
  promise = gst_promise_new_with_change_func (on_answer_set, g_object_ref (self), g_object_unref);
  g_signal_emit_by_name (self->webrtc, "set-remote-description", answer, promise);
  gst_webrtc_session_description_free (answer);
  return TRUE;
}

/**
 * mcu_peer_add_candidate:
 * @self: the peer
 * @mline: the m-line the candidate is for
 * @candidate: the site's candidate ("candidate:…"); "" ends them
 * @error: a candidate that cannot be one
 *
 * Returns: whether the candidate was taken
 */
gboolean
mcu_peer_add_candidate (McuPeer *self, guint mline, const char *candidate, GError **error)
{
  g_return_val_if_fail (MCU_IS_PEER (self), FALSE);

  if (*candidate == '\0')
    return TRUE;
  if (mline > 1 || strlen (candidate) > MAX_CANDIDATE || !g_str_has_prefix (candidate, "candidate:")
      || strchr (candidate, '\n') != NULL)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                           _ ("That is not an ICE candidate for this session."));
      return FALSE;
    }
  g_signal_emit_by_name (self->webrtc, "add-ice-candidate", mline, candidate);
  return TRUE;
}

/**
 * mcu_peer_set_muted:
 * @self: the peer
 * @muted: whether the site is left out of everyone's mix
 */
void
mcu_peer_set_muted (McuPeer *self, gboolean muted)
{
  g_return_if_fail (MCU_IS_PEER (self));

  g_mutex_lock (&self->lock);
  self->muted = muted;
  if (self->mix_pad != NULL)
    g_object_set (self->mix_pad, "muted", muted, NULL);
  g_mutex_unlock (&self->lock);
}

/**
 * mcu_peer_get_stats:
 * @self: the peer
 * @stats: (out caller-allocates): the latest figures (refreshed every 2 s)
 */
void
mcu_peer_get_stats (McuPeer *self, McuPeerStats *stats)
{
  g_return_if_fail (MCU_IS_PEER (self));

  g_mutex_lock (&self->lock);
  *stats = self->stats;
  g_mutex_unlock (&self->lock);
}

/**
 * mcu_peer_get_level:
 * @self: the peer
 *
 * Returns: the site's audio level in dBov (-127 before any audio)
 */
double
mcu_peer_get_level (McuPeer *self)
{
  double level = -127;

  g_return_val_if_fail (MCU_IS_PEER (self), level);

  g_mutex_lock (&self->lock);
  if (self->mix_pad != NULL)
    g_object_get (self->mix_pad, "level", &level, NULL);
  g_mutex_unlock (&self->lock);
  return level;
}

/**
 * mcu_peer_get_index:
 * @self: the peer
 *
 * Returns: the site's number in the mixer
 */
guint
mcu_peer_get_index (McuPeer *self)
{
  g_return_val_if_fail (MCU_IS_PEER (self), 0);
  return self->index;
}

/**
 * mcu_peer_remove:
 * @self: the peer
 *
 * Takes the site out of the room: its mixer pads first, so that the room
 * no longer feeds it, then its elements.  Idempotent.
 */
void
mcu_peer_remove (McuPeer *self)
{
  g_autoptr (GPtrArray) elements = NULL;
  g_autoptr (GstPad) mix_pad = NULL;

  g_return_if_fail (MCU_IS_PEER (self));

  g_mutex_lock (&self->lock);
  if (self->removed)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->removed = TRUE;
  elements = g_steal_pointer (&self->elements);
  self->elements = g_ptr_array_new_with_free_func (gst_object_unref);
  mix_pad = g_steal_pointer (&self->mix_pad);
  g_mutex_unlock (&self->lock);

  g_clear_handle_id (&self->stats_source, g_source_remove);
  mcu_room_video_remove_site (self->video, self->index);
  /* The mixer's release waits for a packet of the room's sender thread
   * still on its way into this site: the elements below stop with none
   * in them (a stopping sink would hold that thread, and the room). */
  if (self->listen_pad != NULL)
    {
      GstPad *peer = gst_pad_get_peer (self->listen_pad);

      if (peer != NULL)
        {
          gst_pad_unlink (self->listen_pad, peer);
          gst_object_unref (peer);
        }
      gst_element_release_request_pad (self->mixer, self->listen_pad);
    }
  if (mix_pad != NULL)
    {
      GstPad *peer = gst_pad_get_peer (mix_pad);

      if (peer != NULL)
        {
          gst_pad_unlink (peer, mix_pad);
          gst_object_unref (peer);
        }
      gst_element_release_request_pad (self->mixer, mix_pad);
    }
  for (guint i = 0; i < elements->len; i++)
    {
      gst_element_set_state (elements->pdata[i], GST_STATE_NULL);
      gst_bin_remove (self->room, elements->pdata[i]);
    }
}

/**
 * mcu_peer_set_tier:
 * @self: the peer
 * @tier: the size of the composite the site receives
 */
void
mcu_peer_set_tier (McuPeer *self, McuVideoTier tier)
{
  gboolean sending;

  g_return_if_fail (MCU_IS_PEER (self));

  g_mutex_lock (&self->lock);
  self->tier = tier;
  sending = self->sending_video && !self->removed;
  g_mutex_unlock (&self->lock);
  if (sending)
    mcu_room_video_set_tier (self->video, self->index, tier);
}

/**
 * mcu_peer_has_picture:
 * @self: the peer
 *
 * Returns: whether the site's picture reaches the composite
 */
gboolean
mcu_peer_has_picture (McuPeer *self)
{
  g_return_val_if_fail (MCU_IS_PEER (self), FALSE);

  return mcu_room_video_has_picture (self->video, self->index);
}

/**
 * mcu_peer_sends_audio_direct:
 * @self: the peer
 *
 * Returns: whether the site's audio goes straight to it (SRTP of the
 *   mcu's own), not through webrtcbin or not yet
 */
gboolean
mcu_peer_sends_audio_direct (McuPeer *self)
{
  g_return_val_if_fail (MCU_IS_PEER (self), FALSE);

  return mcu_opus_send_is_direct (self->audio_out);
}
