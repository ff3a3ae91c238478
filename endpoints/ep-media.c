/* ep-media.c: one WebRTC media session of a site.
 *
 * The mcu offers (m-line 0 audio, m-line 1 video, BUNDLE); the site
 * answers.  After the remote description is set, webrtcbin holds one
 * transceiver per m-line; the sink pad "sink_N" requested then belongs to
 * the transceiver of m-line N, so the site's audio goes out on the
 * transceiver the offer made, with the offer's Opus payload type, and the
 * answer says sendrecv for it.  Video likewise, with the payload type the
 * offer gave the chosen codec, when the site sends video (a test colour or
 * its camera); otherwise the video transceiver answers recvonly.
 *
 *   audiotestsrc | autoaudiosrc ! audioconvert ! audioresample ! 48 kHz mono
 *     ! opusenc ! rtpopuspay pt=<offer's> ! webrtcbin.sink_0
 *   ep-video.c's send chain (pt=<offer's>) ! webrtcbin.sink_1
 *   webrtcbin.src_N (Opus) ! rtpopusdepay ! opusdec ! audioconvert
 *     ! audioresample ! autoaudiosink | the analyser's sink
 *   webrtcbin.src_N (VP8, H.264) ! ep-video.c's receive chain
 *     ! autovideosink | the video analyser's sink
 *   webrtcbin.src_N (anything else, or video nobody looks at) ! fakesink
 *
 * webrtcbin calls back on its own threads and on streaming threads; what
 * the session must hear of is passed to the main context in an idle, and
 * nothing is passed once the session stopped.
 */
#define G_LOG_DOMAIN "hoinghi-endpoint"
#define GST_USE_UNSTABLE_API

#include "config.h"

#include <agent.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "ep-gst.h"
#include "ep-media.h"
#include "ep-sdp.h"
#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#define RATE 48000
#define TEST_TONE_VOLUME 0.3
/* Mono voice: what the mcu sends back too. */
#define OPUS_BITRATE 32000
#define OPUS_FRAME_MS 20
/* FEC is only coded when the encoder expects loss. */
#define OPUS_EXPECTED_LOSS_PERCENT 10
/* The jitter buffer: 100 ms absorbs a provincial WAN's jitter and lets
 * Opus FEC recover a lost packet from the next; webrtcbin's 200 ms would
 * add 100 ms to every exchange between sites. */
#define JITTER_MS 100

enum
{
  SIGNAL_ANSWER,
  SIGNAL_ICE_CANDIDATE,
  SIGNAL_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _EpMedia
{
  GObject parent_instance;

  GMainContext *context;
  GStrv ice_addresses;
  double test_tone_hz;
  EpVideoSend video;
  gboolean show_video;
  EpAnalyser *analyser;
  EpVideoAnalyser *video_analyser;
  double receive_loss;

  GstElement *pipeline;
  GstElement *webrtc; /* owned by the pipeline */
  gboolean bus_watch;
  guint audio_mline;
  guint opus_pt;
  guint video_mline; /* when sending video */
  guint video_pt;

  /* main context only */
  gboolean stopped;
  gboolean failed;
  gboolean gathered;
};

G_DEFINE_FINAL_TYPE (EpMedia, ep_media, G_TYPE_OBJECT)

/* ---- passing work to the main context ---- */

typedef void (*MainFunc) (EpMedia *self, gpointer data);

typedef struct
{
  EpMedia *self;
  MainFunc func;
  gpointer data;
  GDestroyNotify free_data;
} MainCall;

static gboolean
run_main_call (gpointer user_data)
{
  MainCall *call = user_data;

  if (!call->self->stopped)
    call->func (call->self, call->data);
  return G_SOURCE_REMOVE;
}

static void
main_call_free (gpointer user_data)
{
  MainCall *call = user_data;

  if (call->free_data != NULL)
    call->free_data (call->data);
  g_object_unref (call->self);
  g_free (call);
}

static void
in_main (EpMedia *self, MainFunc func, gpointer data, GDestroyNotify free_data)
{
  g_autoptr (GSource) source = g_idle_source_new ();
  MainCall *call = g_new0 (MainCall, 1);

  call->self = g_object_ref (self);
  call->func = func;
  call->data = data;
  call->free_data = free_data;
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, run_main_call, call, main_call_free);
  g_source_attach (source, self->context);
}

static gboolean
unref_idle (gpointer user_data)
{
  g_object_unref (user_data);
  return G_SOURCE_REMOVE;
}

/* A promise may be the last holder of the session; its last unref must not
 * run on webrtcbin's thread, which stopping the pipeline would join. */
static void
unref_in_main (gpointer user_data)
{
  EpMedia *self = user_data;
  g_autoptr (GSource) source = g_idle_source_new ();

  g_source_set_callback (source, unref_idle, self, NULL);
  g_source_attach (source, self->context);
}

static void
emit_failed (EpMedia *self, gpointer data)
{
  if (self->failed)
    return;
  self->failed = TRUE;
  g_signal_emit (self, signals[SIGNAL_FAILED], 0, (const char *) data);
}

static void
fail (EpMedia *self, const char *message)
{
  in_main (self, emit_failed, g_strdup (message), g_free);
}

/* ---- the object ---- */

static void
ep_media_dispose (GObject *object)
{
  EpMedia *self = EP_MEDIA (object);

  ep_media_stop (self);
  g_clear_object (&self->analyser);
  g_clear_object (&self->video_analyser);
  G_OBJECT_CLASS (ep_media_parent_class)->dispose (object);
}

static void
ep_media_finalize (GObject *object)
{
  EpMedia *self = EP_MEDIA (object);

  g_strfreev (self->ice_addresses);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (ep_media_parent_class)->finalize (object);
}

static void
ep_media_class_init (EpMediaClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ep_media_dispose;
  object_class->finalize = ep_media_finalize;

  /**
   * EpMedia::answer:
   * @sdp: the answer to send to the mcu
   */
  signals[SIGNAL_ANSWER] = g_signal_new ("answer", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * EpMedia::ice-candidate:
   * @mline_index: the m-line
   * @candidate: a local candidate, or "" after the last one
   */
  signals[SIGNAL_ICE_CANDIDATE]
      = g_signal_new ("ice-candidate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
  /**
   * EpMedia::failed:
   * @message: what went wrong, for the technician
   *
   * The media session cannot go on; emitted once.
   */
  signals[SIGNAL_FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
ep_media_init (EpMedia *self)
{
  self->context = g_main_context_ref_thread_default ();
}

/**
 * ep_media_new:
 * @config: what the session sends and where what it receives goes; copied
 *
 * Create it in the thread whose main context the signals are to be
 * emitted in.
 *
 * Returns: (transfer full): a media session that waits for the offer.
 */
EpMedia *
ep_media_new (const EpMediaConfig *config)
{
  EpMedia *self;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (config->analyser == NULL || EP_IS_ANALYSER (config->analyser), NULL);
  g_return_val_if_fail (
      config->video_analyser == NULL || EP_IS_VIDEO_ANALYSER (config->video_analyser), NULL);

  self = g_object_new (EP_TYPE_MEDIA, NULL);
  self->ice_addresses = g_strdupv ((char **) config->ice_addresses);
  self->test_tone_hz = config->test_tone_hz;
  self->video = config->video;
  self->show_video = config->show_video;
  self->receive_loss = config->receive_loss;
  self->analyser = config->analyser != NULL ? g_object_ref (config->analyser) : NULL;
  self->video_analyser
      = config->video_analyser != NULL ? g_object_ref (config->video_analyser) : NULL;
  return self;
}

/* Whether received video is decoded: shown or analysed. */
static gboolean
decodes_video (gboolean show_video, EpVideoAnalyser *video_analyser)
{
  return video_analyser != NULL || show_video;
}

/**
 * ep_media_required_elements:
 * @config: a session's configuration
 *
 * Returns: (transfer full): the GStreamer elements a session of @config
 *   will make, for ep_gst_check_elements().
 */
GStrv
ep_media_required_elements (const EpMediaConfig *config)
{
  static const char *const common[]
      = { "webrtcbin",     "nicesrc",    "dtlssrtpenc", "srtpenc",      "rtpbin",
          "opusenc",       "opusdec",    "rtpopuspay",  "rtpopusdepay", "audioconvert",
          "audioresample", "capsfilter", "queue",       "fakesink",     NULL };
  static const char *const decode_video[]
      = { "rtpvp8depay", "vp8dec", "rtph264depay", "avdec_h264", "videoconvert", NULL };
  static const char *const camera[]
      = { "autovideosrc", "videoconvert", "videoscale", "videorate", NULL };
  static const char *const vp8[] = { "vp8enc", "rtpvp8pay", NULL };
  static const char *const h264[] = { "x264enc", "rtph264pay", NULL };
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (config != NULL, NULL);

  g_strv_builder_addv (builder, (const char **) common);
  g_strv_builder_add (builder, config->test_tone_hz != 0 ? "audiotestsrc" : "autoaudiosrc");
  g_strv_builder_add (builder, config->analyser != NULL ? "spectrum" : "autoaudiosink");
  if (decodes_video (config->show_video, config->video_analyser))
    {
      g_strv_builder_addv (builder, (const char **) decode_video);
      g_strv_builder_add (builder, config->video_analyser != NULL ? "appsink" : "autovideosink");
    }
  if (config->video.source == EP_VIDEO_SOURCE_TEST_COLOR)
    g_strv_builder_add (builder, "videotestsrc");
  else if (config->video.source == EP_VIDEO_SOURCE_CAMERA)
    g_strv_builder_addv (builder, (const char **) camera);
  if (config->video.source != EP_VIDEO_SOURCE_NONE)
    g_strv_builder_addv (builder,
                         (const char **) (config->video.codec == EP_VIDEO_CODEC_VP8 ? vp8 : h264));
  return g_strv_builder_end (builder);
}

/* ---- the pipeline ---- */

static gboolean
sends_video (EpMedia *self)
{
  return self->video.source != EP_VIDEO_SOURCE_NONE;
}

/* Returns: (transfer floating) */
static GstElement *
make_send_chain (EpMedia *self, GError **error)
{
  const char *const factories[] = { self->test_tone_hz != 0 ? "audiotestsrc" : "autoaudiosrc",
                                    "audioconvert",
                                    "audioresample",
                                    "capsfilter",
                                    "opusenc",
                                    "rtpopuspay",
                                    "capsfilter",
                                    NULL };
  GstElement *e[G_N_ELEMENTS (factories) - 1];
  g_autoptr (GstCaps) raw = NULL;
  g_autoptr (GstCaps) rtp = NULL;
  GstElement *chain;

  chain = ep_gst_make_chain (factories, NULL, e, error);
  if (chain == NULL)
    return NULL;
  if (self->test_tone_hz > 0)
    {
      gst_util_set_object_arg (G_OBJECT (e[0]), "wave", "sine");
      g_object_set (e[0], "is-live", TRUE, "freq", self->test_tone_hz, "volume", TEST_TONE_VOLUME,
                    NULL);
    }
  else if (self->test_tone_hz == EP_MEDIA_SILENCE)
    {
      gst_util_set_object_arg (G_OBJECT (e[0]), "wave", "silence");
      g_object_set (e[0], "is-live", TRUE, NULL);
    }
  raw = gst_caps_new_simple ("audio/x-raw", "rate", G_TYPE_INT, RATE, "channels", G_TYPE_INT, 1,
                             NULL);
  g_object_set (e[3], "caps", raw, NULL);
  gst_util_set_object_arg (G_OBJECT (e[4]), "frame-size", G_STRINGIFY (OPUS_FRAME_MS));
  g_object_set (e[4], "bitrate", OPUS_BITRATE, "inband-fec", TRUE, "packet-loss-percentage",
                OPUS_EXPECTED_LOSS_PERCENT, "dtx", TRUE, NULL);
  g_object_set (e[5], "pt", self->opus_pt, "dtx", TRUE, NULL);
  rtp = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "audio", "encoding-name",
                             G_TYPE_STRING, "OPUS", "clock-rate", G_TYPE_INT, RATE, "payload",
                             G_TYPE_INT, (int) self->opus_pt, NULL);
  g_object_set (e[6], "caps", rtp, NULL);
  ep_gst_add_ghost_pad (chain, e[6], "src");
  return chain;
}

/* Returns: (transfer floating) */
static GstElement *
make_receive_chain (EpMedia *self, GError **error)
{
  const char *const factories[]
      = { "rtpopusdepay", "opusdec", "audioconvert", "audioresample", NULL };
  GstElement *e[G_N_ELEMENTS (factories)];
  GstElement *sink, *chain;

  if (self->analyser != NULL)
    sink = ep_analyser_create_sink (self->analyser, error);
  else
    sink = ep_gst_make ("autoaudiosink", NULL, error);
  if (sink == NULL)
    return NULL;
  chain = ep_gst_make_chain (factories, sink, e, error);
  if (chain == NULL)
    return NULL;
  /* Concealment, but no in-band FEC: opusdec reports 120 ms more latency
   * with it (the longest Opus packet), which every sink then waits for;
   * the jitter buffer's 100 ms already cover most of what FEC would. */
  g_object_set (e[1], "use-inband-fec", FALSE, "plc", TRUE, NULL);
  ep_gst_add_ghost_pad (chain, e[0], "sink");
  return chain;
}

/* What a webrtcbin source pad's packets go to. */
typedef enum
{
  OUTPUT_DISCARD,
  OUTPUT_AUDIO,
  OUTPUT_VIDEO,
} Output;

/* Returns: (transfer floating) (nullable): the chain for @pad's packets. */
static GstElement *
make_output (EpMedia *self, GstPad *pad, Output *output, GError **error)
{
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  const char *media = NULL, *encoding = NULL;
  EpVideoCodec codec;
  GstElement *sink;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (caps != NULL && !gst_caps_is_empty (caps))
    {
      const GstStructure *s = gst_caps_get_structure (caps, 0);

      media = gst_structure_get_string (s, "media");
      encoding = gst_structure_get_string (s, "encoding-name");
    }
  if (g_strcmp0 (media, "audio") == 0 && encoding != NULL
      && g_ascii_strcasecmp (encoding, "OPUS") == 0)
    {
      *output = OUTPUT_AUDIO;
      return make_receive_chain (self, error);
    }
  if (g_strcmp0 (media, "video") == 0 && ep_video_codec_from_encoding_name (encoding, &codec)
      && decodes_video (self->show_video, self->video_analyser))
    {
      *output = OUTPUT_VIDEO;
      if (self->video_analyser != NULL)
        sink = ep_video_analyser_create_sink (self->video_analyser, error);
      else
        sink = ep_gst_make ("autovideosink", NULL, error);
      return sink != NULL ? ep_video_make_receive_chain (codec, sink, error) : NULL;
    }
  *output = OUTPUT_DISCARD;
  sink = ep_gst_make ("fakesink", NULL, error);
  if (sink != NULL)
    g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  return sink;
}

typedef struct
{
  GstPad *pad;
  gulong probe;
} BlockedPad;

static void
blocked_pad_free (gpointer data)
{
  BlockedPad *blocked = data;

  gst_object_unref (blocked->pad);
  g_free (blocked);
}

static GstPadProbeReturn
hold_buffers (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  return GST_PAD_PROBE_OK;
}

static void
release_with_latency (EpMedia *self, gpointer data)
{
  BlockedPad *blocked = data;

  gst_bin_recalculate_latency (GST_BIN (self->pipeline));
  gst_pad_remove_probe (blocked->pad, blocked->probe);
}

/* A poor link, simulated: the packet is lost after the jitter buffer, as
 * one it gave up waiting for; the depayloader sees the gap (video asks the
 * mcu for a keyframe, Opus conceals it). */
static GstPadProbeReturn
lose_packets (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  EpMedia *self = user_data;

  return g_random_double () < self->receive_loss ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

/* On a streaming thread. */
static void
on_pad_added (GstElement *webrtc, GstPad *pad, gpointer user_data)
{
  EpMedia *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstPad) sink = NULL;
  GstElement *chain;
  Output output;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  chain = make_output (self, pad, &output, &error);
  g_debug ("webrtcbin: new pad %s (%s)", GST_PAD_NAME (pad),
           output == OUTPUT_AUDIO   ? "audio"
           : output == OUTPUT_VIDEO ? "video"
                                    : "discarded");
  if (chain == NULL)
    {
      fail (self, error->message);
      return;
    }
  gst_bin_add (GST_BIN (self->pipeline), chain);
  /* Explicitly, not by syncing with the parent: added from this path, the
   * chain may stay PAUSED and decode nothing (see MEDIA-NOTES).  Playing
   * before it is linked, so that the first packet meets no flushing pad. */
  if (gst_element_set_state (chain, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      fail (self, output == OUTPUT_VIDEO ? _ ("The video window cannot be opened.")
                                         : _ ("The audio output cannot be opened."));
      return;
    }
  sink = gst_element_get_static_pad (chain, "sink");
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    {
      fail (self, "cannot link a webrtcbin source pad");
      return;
    }
  if (output != OUTPUT_DISCARD)
    {
      BlockedPad *blocked = g_new0 (BlockedPad, 1);

      if (self->receive_loss > 0)
        gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, lose_packets, self, NULL);
      /* Audio and video wait until the new sink knows the pipeline's
       * latency: a sink that played its first buffers without it would
       * stop for as long as the latency once it learns of it. */
      blocked->pad = gst_object_ref (pad);
      blocked->probe = gst_pad_add_probe (pad,
                                          GST_PAD_PROBE_TYPE_BLOCK | GST_PAD_PROBE_TYPE_BUFFER
                                              | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                                          hold_buffers, NULL, NULL);
      in_main (self, release_with_latency, blocked, blocked_pad_free);
    }
}

typedef struct
{
  guint mline_index;
  char *candidate;
} Candidate;

static void
candidate_free (gpointer data)
{
  Candidate *candidate = data;

  g_free (candidate->candidate);
  g_free (candidate);
}

static void
emit_candidate (EpMedia *self, gpointer data)
{
  Candidate *candidate = data;

  g_signal_emit (self, signals[SIGNAL_ICE_CANDIDATE], 0, candidate->mline_index,
                 candidate->candidate);
}

/* On webrtcbin's thread. */
static void
on_ice_candidate (GstElement *webrtc, guint mline_index, char *text, gpointer user_data)
{
  EpMedia *self = user_data;
  Candidate *candidate = g_new0 (Candidate, 1);

  candidate->mline_index = mline_index;
  candidate->candidate = g_strdup (text);
  in_main (self, emit_candidate, candidate, candidate_free);
}

static void
emit_end_of_candidates (EpMedia *self, gpointer data)
{
  if (self->gathered)
    return;
  self->gathered = TRUE;
  /* BUNDLE: one transport, the one of the audio m-line. */
  g_signal_emit (self, signals[SIGNAL_ICE_CANDIDATE], 0, self->audio_mline, "");
}

/* On webrtcbin's thread. */
static void
on_ice_gathering_state (GstElement *webrtc, GParamSpec *pspec, gpointer user_data)
{
  EpMedia *self = user_data;
  GstWebRTCICEGatheringState state;

  g_object_get (webrtc, "ice-gathering-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    in_main (self, emit_end_of_candidates, NULL, NULL);
}

/* On webrtcbin's thread. */
static void
on_connection_state (GstElement *webrtc, GParamSpec *pspec, gpointer user_data)
{
  EpMedia *self = user_data;
  GstWebRTCICEConnectionState ice;
  GstWebRTCPeerConnectionState peer;

  g_object_get (webrtc, "ice-connection-state", &ice, "connection-state", &peer, NULL);
  g_debug ("webrtcbin: ICE %d, connection %d", ice, peer);
  if (ice == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED)
    fail (self, _ ("No network path to the mcu (ICE failed): check --ice-address and the "
                   "firewall."));
  else if (peer == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED)
    fail (self, _ ("The encrypted connection to the mcu failed (DTLS)."));
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  EpMedia *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *debug = NULL;
  g_autofree char *text = NULL;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (message, &error, &debug);
      g_debug ("%s: %s", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), debug);
      /* TRANSLATORS: "GStreamer: <element>: <what went wrong>" */
      text = g_strdup_printf (_ ("GStreamer: %s: %s"), GST_OBJECT_NAME (GST_MESSAGE_SRC (message)),
                              error->message);
      fail (self, text);
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (message, &error, &debug);
      g_debug ("%s: %s (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), error->message, debug);
      break;
    case GST_MESSAGE_LATENCY:
      g_debug ("latency changed (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)));
      gst_bin_recalculate_latency (GST_BIN (self->pipeline));
      break;
    case GST_MESSAGE_ELEMENT:
      if (self->analyser != NULL)
        ep_analyser_handle_message (self->analyser, message);
      break;
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

/* libnice leaves out 127.0.0.1 unless told; once told of any address, it
 * uses only the addresses it was told of.  UPnP is switched off: the mcu
 * is reached directly, and a site should not go asking its router to open
 * ports (nor send multicast during tests). */
static gboolean
restrict_ice_addresses (EpMedia *self, GError **error)
{
  g_autoptr (GObject) ice = NULL;
  g_autoptr (GObject) agent = NULL;

  g_object_get (self->webrtc, "ice-agent", &ice, NULL);
  if (ice == NULL || g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent") == NULL)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL,
                   "webrtcbin's ICE agent is not libnice's: cannot restrict its addresses");
      return FALSE;
    }
  g_object_get (ice, "agent", &agent, NULL);
  g_object_set (agent, "upnp", FALSE, NULL);
  for (guint i = 0; self->ice_addresses != NULL && self->ice_addresses[i] != NULL; i++)
    {
      NiceAddress address;

      nice_address_init (&address);
      if (!nice_address_set_from_string (&address, self->ice_addresses[i])
          || !nice_agent_add_local_address (NICE_AGENT (agent), &address))
        {
          g_set_error (error, HN_ERROR, HN_ERROR_CONFIG, _ ("“%s” is not a usable ICE address."),
                       self->ice_addresses[i]);
          return FALSE;
        }
    }
  return TRUE;
}

static void
emit_answer (EpMedia *self, gpointer data)
{
  g_signal_emit (self, signals[SIGNAL_ANSWER], 0, (const char *) data);
}

/* On webrtcbin's thread. */
static void
on_answer_created (GstPromise *promise, gpointer user_data)
{
  /* The caller's reference, handed over to this callback. */
  g_autoptr (GstPromise) owned = promise;
  EpMedia *self = user_data;
  const GstStructure *reply;
  GstWebRTCSessionDescription *answer = NULL;
  g_autoptr (GError) error = NULL;

  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED)
    return;
  reply = gst_promise_get_reply (promise);
  if (reply != NULL)
    gst_structure_get (reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
  if (answer == NULL)
    {
      g_autofree char *text = NULL;

      if (reply != NULL)
        gst_structure_get (reply, "error", G_TYPE_ERROR, &error, NULL);
      text = g_strdup_printf (_ ("Cannot answer the mcu's offer: %s"),
                              error != NULL ? error->message : "?");
      fail (self, text);
      return;
    }
  if (!ep_sdp_sends (answer->sdp, self->audio_mline)
      || (sends_video (self) && !ep_sdp_sends (answer->sdp, self->video_mline)))
    {
      fail (self, "webrtcbin's answer does not send what the site sends");
      gst_webrtc_session_description_free (answer);
      return;
    }
  /* webrtcbin 1.22 leaks the description it is given once it is closing:
   * a session stopping meanwhile (the mcu went away) gives it none */
  if (!self->stopped)
    {
      g_signal_emit_by_name (self->webrtc, "set-local-description", answer, NULL);
      in_main (self, emit_answer, gst_sdp_message_as_text (answer->sdp), g_free);
    }
  gst_webrtc_session_description_free (answer);
}

/* webrtcbin 1.22 makes the transceivers of a remote offer only when it
 * answers, except those a sink pad asked for: the one of "sink_N" belongs
 * to m-line N.  So the audio transceiver is ours, sendrecv, and so is the
 * video one when the site sends video; else the video one, made while
 * answering, answers recvonly since nothing sends on it.  Transceivers
 * that exist already (a newer webrtcbin) are told so. */
static void
set_directions (EpMedia *self)
{
  GArray *transceivers = NULL;

  g_signal_emit_by_name (self->webrtc, "get-transceivers", &transceivers);
  for (guint i = 0; transceivers != NULL && i < transceivers->len; i++)
    {
      GstWebRTCRTPTransceiver *transceiver
          = g_array_index (transceivers, GstWebRTCRTPTransceiver *, i);
      guint mline = G_MAXUINT;

      g_object_get (transceiver, "mlineindex", &mline, NULL);
      g_object_set (transceiver, "direction",
                    mline == self->audio_mline || (sends_video (self) && mline == self->video_mline)
                        ? GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV
                        : GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY,
                    NULL);
    }
  g_clear_pointer (&transceivers, g_array_unref);
}

/* Adds @chain (floating), links it to the transceiver of @mline and
 * starts it; @cannot_start is the error if it does not. */
static gboolean
link_source (EpMedia *self, GstElement *chain, guint mline, const char *cannot_start,
             GError **error)
{
  g_autofree char *name = g_strdup_printf ("sink_%u", mline);
  g_autoptr (GstPad) sink = NULL;
  g_autoptr (GstPad) src = NULL;
  g_autoptr (GstWebRTCRTPTransceiver) transceiver = NULL;
  guint transceiver_mline = G_MAXUINT;

  gst_bin_add (GST_BIN (self->pipeline), chain);
  sink = gst_element_request_pad_simple (self->webrtc, name);
  if (sink != NULL)
    g_object_get (sink, "transceiver", &transceiver, NULL);
  if (transceiver != NULL)
    g_object_get (transceiver, "mlineindex", &transceiver_mline, NULL);
  src = gst_element_get_static_pad (chain, "src");
  if (transceiver_mline != mline || gst_pad_link (src, sink) != GST_PAD_LINK_OK)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL,
                   "cannot link a source to the transceiver of m-line %u", mline);
      return FALSE;
    }
  /* Linked first: a live source that starts unlinked stops with an error. */
  if (gst_element_set_state (chain, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_UNAVAILABLE, cannot_start);
      return FALSE;
    }
  return TRUE;
}

static gboolean
link_sources (EpMedia *self, GError **error)
{
  GstElement *chain;

  chain = make_send_chain (self, error);
  if (chain == NULL
      || !link_source (self, chain, self->audio_mline,
                       self->test_tone_hz != 0 ? _ ("The test tone cannot be started.")
                                               : _ ("The microphone cannot be opened."),
                       error))
    return FALSE;
  if (!sends_video (self))
    return TRUE;
  chain = ep_video_make_send_chain (&self->video, self->video_pt, error);
  return chain != NULL
         && link_source (self, chain, self->video_mline,
                         self->video.source == EP_VIDEO_SOURCE_CAMERA
                             ? _ ("The camera cannot be opened.")
                             : _ ("The test picture cannot be started."),
                         error);
}

static void
answer_offer (EpMedia *self, gpointer data)
{
  g_autoptr (GError) error = NULL;

  if (!link_sources (self, &error))
    {
      emit_failed (self, error->message);
      return;
    }
  set_directions (self);
  g_signal_emit_by_name (
      self->webrtc, "create-answer", NULL,
      gst_promise_new_with_change_func (on_answer_created, g_object_ref (self), unref_in_main));
}

/* On webrtcbin's thread. */
static void
on_remote_description_set (GstPromise *promise, gpointer user_data)
{
  /* The caller's reference, handed over to this callback. */
  g_autoptr (GstPromise) owned = promise;
  EpMedia *self = user_data;
  const GstStructure *reply;
  g_autoptr (GError) error = NULL;

  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED)
    return;
  reply = gst_promise_get_reply (promise);
  if (reply != NULL && gst_structure_get (reply, "error", G_TYPE_ERROR, &error, NULL))
    {
      g_autofree char *text = g_strdup_printf (_ ("The mcu's offer was refused: %s"),
                                               error != NULL ? error->message : "?");

      fail (self, text);
      return;
    }
  in_main (self, answer_offer, NULL, NULL);
}

/**
 * ep_media_start:
 * @self: a media session that has not started
 * @offer_sdp: the mcu's offer
 * @error: why the offer cannot be answered
 *
 * Builds the pipeline and takes the offer; the answer and the local
 * candidates follow as signals.
 *
 * Returns: %TRUE if the offer is being answered.
 */
gboolean
ep_media_start (EpMedia *self, const char *offer_sdp, GError **error)
{
  g_autoptr (GstSDPMessage) sdp = NULL;
  g_autoptr (GstBus) bus = NULL;
  GstWebRTCSessionDescription *offer;

  g_return_val_if_fail (EP_IS_MEDIA (self), FALSE);
  g_return_val_if_fail (offer_sdp != NULL, FALSE);
  g_return_val_if_fail (self->pipeline == NULL && !self->stopped, FALSE);

  if (gst_sdp_message_new_from_text (offer_sdp, &sdp) != GST_SDP_OK
      || gst_sdp_message_medias_len (sdp) == 0)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("The mcu's offer is not SDP."));
      return FALSE;
    }
  if (!ep_sdp_find_codec (sdp, "audio", "OPUS", &self->audio_mline, &self->opus_pt))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("The mcu's offer has no Opus audio."));
      return FALSE;
    }
  g_debug ("offer: Opus on m-line %u, payload type %u", self->audio_mline, self->opus_pt);
  if (sends_video (self))
    {
      const char *encoding = ep_video_codec_encoding_name (self->video.codec);

      if (!ep_sdp_find_codec (sdp, "video", encoding, &self->video_mline, &self->video_pt))
        {
          /* TRANSLATORS: "The mcu's offer has no H264 video." */
          g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("The mcu's offer has no %s video."),
                       encoding);
          return FALSE;
        }
      g_debug ("offer: %s on m-line %u, payload type %u", encoding, self->video_mline,
               self->video_pt);
    }

  self->pipeline = g_object_ref_sink (gst_pipeline_new ("hoinghi-endpoint"));
  self->webrtc = ep_gst_make ("webrtcbin", "webrtc", error);
  if (self->webrtc == NULL)
    return FALSE;
  g_object_set (self->webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency",
                JITTER_MS, NULL);
  gst_bin_add (GST_BIN (self->pipeline), self->webrtc);
  if (!restrict_ice_addresses (self, error))
    return FALSE;
  g_signal_connect (self->webrtc, "pad-added", G_CALLBACK (on_pad_added), self);
  g_signal_connect (self->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), self);
  g_signal_connect (self->webrtc, "notify::ice-gathering-state",
                    G_CALLBACK (on_ice_gathering_state), self);
  g_signal_connect (self->webrtc, "notify::ice-connection-state", G_CALLBACK (on_connection_state),
                    self);
  g_signal_connect (self->webrtc, "notify::connection-state", G_CALLBACK (on_connection_state),
                    self);
  bus = gst_element_get_bus (self->pipeline);
  gst_bus_add_watch (bus, on_bus_message, self);
  self->bus_watch = TRUE;
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, "the pipeline does not start");
      return FALSE;
    }

  offer = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER, g_steal_pointer (&sdp));
  g_signal_emit_by_name (self->webrtc, "set-remote-description", offer,
                         gst_promise_new_with_change_func (on_remote_description_set,
                                                           g_object_ref (self), unref_in_main));
  gst_webrtc_session_description_free (offer);
  return TRUE;
}

/**
 * ep_media_add_ice_candidate:
 * @self: a started media session
 * @mline_index: the candidate's m-line
 * @candidate: a remote candidate; "" (the end of candidates) is ignored
 */
void
ep_media_add_ice_candidate (EpMedia *self, guint mline_index, const char *candidate)
{
  g_return_if_fail (EP_IS_MEDIA (self));
  g_return_if_fail (candidate != NULL);

  if (self->webrtc == NULL || candidate[0] == '\0')
    return;
  /* webrtcbin keeps candidates that come before the remote description
   * is applied, in order. */
  g_signal_emit_by_name (self->webrtc, "add-ice-candidate", mline_index, candidate);
}

/**
 * ep_media_stop:
 * @self: a media session
 *
 * Stops the pipeline (which joins webrtcbin's threads); no signal is
 * emitted afterwards.  Idempotent.
 */
void
ep_media_stop (EpMedia *self)
{
  g_return_if_fail (EP_IS_MEDIA (self));

  if (self->stopped)
    return;
  self->stopped = TRUE;
  if (self->pipeline == NULL)
    return;
  if (self->bus_watch)
    {
      g_autoptr (GstBus) bus = gst_element_get_bus (self->pipeline);

      gst_bus_remove_watch (bus);
      self->bus_watch = FALSE;
    }
  gst_element_set_state (self->pipeline, GST_STATE_NULL);
  if (self->webrtc != NULL)
    g_signal_handlers_disconnect_by_data (self->webrtc, self);
  self->webrtc = NULL;
  g_clear_object (&self->pipeline);
}
