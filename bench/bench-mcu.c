/* bench-mcu.c: the whole mcu under load, and the latency it adds.
 *
 * A real hoinghi-mcu process runs one room of N sites (N = 10, 50, 150);
 * two of them talk (440 and 660 Hz tones), the rest are silent and send
 * Opus DTX.  The sites are webrtcbins in this process, each with its own
 * WebSocket doing join → offer → answer → trickle ICE as a site does,
 * ten at a time.  To keep the clients light, the silent sites share ONE
 * silent Opus stream, encoded once and fanned out with a tee, and once a
 * site works (RTP through its jitter buffer) what it receives is counted
 * and dropped as it comes off the socket.  For each N the room runs in
 * the shared-encoder mode and, with a fresh mcu, in the per-listener mode
 * of the same binary (the Janus AudioBridge design).  After the room
 * settles, a 10 s window gives the mcu's CPU (and its mixer thread's),
 * its encoder count from /metrics, the clients' own CPU, and the fraction
 * of the expected 50 packets a second each site received.
 *
 * Then the mouth-to-ear latency: a site A sends a quiet tone with a loud
 * click every 500 ms, a site B decodes what it hears and times each click;
 * through the mcu (a room of two, the same with a 10 ms jitter buffer,
 * and the 150-site room), and over a direct A→B webrtcbin link in this
 * process with the same encoder and jitter buffer.  The difference is
 * what the mcu adds.  Progress and the raw series go to stderr.
 */
#define G_LOG_DOMAIN "bench-mcu"
#define GST_USE_UNSTABLE_API

#include "config.h"

#include <gst/app/app.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <math.h>
#include <nice/agent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "support/hn-test.h"

#define KEY "cle-de-banc-0123456789abcdef"
#define OPUS_PT 111
#define RATE 48000
#define JITTER_MS 40       /* the sites' jitter buffer; the mcu's is its default, also 40 */
#define SHORT_JITTER_MS 10 /* the mcu's, to see what its jitter buffer adds */
#define BATCH 10           /* sites joining at once: DTLS set-up costs 0.1–0.2 CPU-s a peer */
#define BATCH_TIMEOUT_MS 60000
#define SETTLE_S 3      /* at least */
#define SETTLE_MAX_S 20 /* at most, for a mcu that cannot keep up */
#define WINDOW_S 10
#define PACKETS_PER_S 50 /* 20 ms Opus frames */

#define ENCODER                                                                                    \
  "opusenc bitrate=32000 frame-size=20 inband-fec=true packet-loss-percentage=10 dtx=true"
#define PAYLOADER                                                                                  \
  "rtpopuspay pt=111 dtx=true ! capsfilter caps=\"application/x-rtp, media=audio, "                \
  "encoding-name=OPUS, clock-rate=48000, payload=111\""
#define RAW_CAPS "audio/x-raw, format=S16LE, rate=48000, channels=1, layout=interleaved"

/* The click test: A's tone sits at -35 dBov, above the mixer's talk gate
 * (-50 dBov), so A is in the mix throughout; a 10 ms 3 kHz burst near full
 * scale every 500 ms.  B finds the click by the first difference of the
 * signal, which the talkers' low tones (0.3 each) never come near, so the
 * same detector works in the loaded room. */
#define CHUNK_MS 10
#define CHUNK_SAMPLES (RATE * CHUNK_MS / 1000)
#define TONE_AMPLITUDE 0.025 /* RMS -35 dBov */
#define TONE_HZ 500.0
#define CLICK_AMPLITUDE 0.9
#define CLICK_HZ 3000.0
#define CLICK_PERIOD_US (500 * 1000)
#define CLICKS 40
#define DETECT_STEP (0.1 * 32768) /* sample-to-sample step that only a click makes */
#define REFRACTORY_US (250 * 1000)

/* ---- small helpers ---- */

static double
self_cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec
         + usage.ru_stime.tv_usec / 1e6;
}

/* CPU seconds a process has used (user + system, all its threads). */
static double
process_cpu_seconds (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *text = NULL;
  g_auto (GStrv) fields = NULL;
  const char *after_name;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (after_name = strrchr (text, ')')) == NULL)
    return 0;
  fields = g_strsplit (after_name + 2, " ", -1);
  /* utime and stime are fields 14 and 15 of stat, 12 and 13 after the name */
  if (g_strv_length (fields) < 13)
    return 0;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL))
         / sysconf (_SC_CLK_TCK);
}

/* CPU seconds the whole machine has been busy (all cores), from /proc/stat:
 * what is left after the mcu and the clients is someone else's load. */
static double
machine_busy_seconds (void)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) fields = NULL;
  double busy = 0;

  if (!g_file_get_contents ("/proc/stat", &text, NULL, NULL) || !g_str_has_prefix (text, "cpu "))
    return 0;
  *strchr (text, '\n') = '\0';
  fields = g_strsplit_set (text + 4, " ", -1);
  /* user nice system idle iowait irq softirq steal: all but idle and iowait */
  for (guint i = 0, column = 0; fields[i] != NULL && column < 8; i++)
    {
      if (*fields[i] == '\0')
        continue;
      if (column != 3 && column != 4)
        busy += g_ascii_strtod (fields[i], NULL);
      column++;
    }
  return busy / sysconf (_SC_CLK_TCK);
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *values, double p)
{
  if (values->len == 0)
    return NAN;
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, (guint) lrint ((values->len - 1) * p));
}

static gboolean
tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

typedef gboolean (*Condition) (gpointer data);

/* Runs the main context until @done says so (or, with no @done, for
 * @timeout_ms); the sites' signalling lives there. */
static gboolean
wait_until (Condition done, gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint ticker = g_timeout_add (20, tick, NULL);
  gboolean ok = FALSE;

  while (!(ok = done != NULL && done (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (ticker);
  return ok;
}

static GstElement *
parse_bin (const char *description)
{
  g_autoptr (GError) error = NULL;
  GstElement *bin = gst_parse_bin_from_description (description, TRUE, &error);

  if (bin == NULL)
    g_error ("cannot make \"%s\": %s", description, error->message);
  return bin;
}

/* ---- the click source: A's microphone ---- */

/* Pushes 10 ms chunks in real time, like a sound card: a chunk goes out
 * when its last sample has been "spoken".  A click's time is the monotonic
 * time of its first sample. */
typedef struct
{
  GstElement *bin; /* appsrc ! encoder ! payloader, ghost "src" */
  GstAppSrc *appsrc;
  GThread *thread;
  gint stop;     /* atomic */
  gint clicking; /* atomic */
  GMutex lock;
  GArray *times; /* gint64 µs */
} ClickSource;

static gpointer
click_source_run (gpointer data)
{
  ClickSource *self = data;
  gint64 next = g_get_monotonic_time ();
  gint64 next_click = 0;
  guint64 sample = 0;

  while (!g_atomic_int_get (&self->stop))
    {
      gint64 chunk_start = next;
      GstBuffer *buffer = gst_buffer_new_allocate (NULL, CHUNK_SAMPLES * sizeof (gint16), NULL);
      gboolean click = FALSE;
      GstMapInfo map;
      gint64 now;

      next += CHUNK_MS * 1000;
      now = g_get_monotonic_time ();
      if (next > now)
        g_usleep (next - now);
      if (g_atomic_int_get (&self->clicking) && chunk_start >= next_click)
        {
          click = TRUE;
          next_click = chunk_start + CLICK_PERIOD_US;
        }
      gst_buffer_map (buffer, &map, GST_MAP_WRITE);
      for (guint i = 0; i < CHUNK_SAMPLES; i++, sample++)
        {
          double v = click ? CLICK_AMPLITUDE * sin (2 * G_PI * CLICK_HZ * i / RATE)
                           : TONE_AMPLITUDE * G_SQRT2 * sin (2 * G_PI * TONE_HZ * sample / RATE);
          ((gint16 *) map.data)[i] = (gint16) lrint (v * 32767);
        }
      gst_buffer_unmap (buffer, &map);
      if (click)
        {
          g_mutex_lock (&self->lock);
          g_array_append_val (self->times, chunk_start);
          g_mutex_unlock (&self->lock);
        }
      gst_app_src_push_buffer (self->appsrc, buffer);
    }
  return NULL;
}

static ClickSource *
click_source_new (void)
{
  ClickSource *self = g_new0 (ClickSource, 1);
  g_autoptr (GstCaps) caps = gst_caps_from_string (RAW_CAPS);

  /* Leaky and short, so that the stream starts cleanly when the connection
   * is up, as a browser's does: a backlog sent in a burst moved where the
   * mcu's jitter buffer put the stream, by up to 20 ms for the whole call. */
  self->bin = gst_object_ref_sink (
      parse_bin ("appsrc name=mouth is-live=true format=time do-timestamp=true "
                 "max-time=40000000 leaky-type=downstream ! " ENCODER " ! " PAYLOADER));
  self->appsrc = GST_APP_SRC (gst_bin_get_by_name (GST_BIN (self->bin), "mouth"));
  g_object_set (self->appsrc, "caps", caps, NULL);
  g_mutex_init (&self->lock);
  self->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->thread = g_thread_new ("mouth", click_source_run, self);
  return self;
}

static void
click_source_free (ClickSource *self)
{
  g_atomic_int_set (&self->stop, 1);
  g_thread_join (self->thread);
  gst_object_unref (self->appsrc);
  gst_object_unref (self->bin);
  g_array_unref (self->times);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* ---- the click detector: B's ear ---- */

typedef struct
{
  GMutex lock;
  GArray *times; /* gint64 µs: when each click would be heard */
  gint64 last;
  gint16 previous;
} ClickDetector;

/* On the streaming thread.  A decoded buffer could start playing when it
 * arrives; a click at sample k of it is heard k/48000 s later. */
static GstFlowReturn
click_detector_on_sample (GstAppSink *sink, gpointer data)
{
  ClickDetector *self = data;
  gint64 arrival = g_get_monotonic_time ();
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer = sample != NULL ? gst_sample_get_buffer (sample) : NULL;
  GstMapInfo map;

  if (buffer == NULL || !gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_FLOW_OK;
  g_mutex_lock (&self->lock);
  for (gsize i = 0; i < map.size / sizeof (gint16); i++)
    {
      gint16 s = ((const gint16 *) map.data)[i];
      gint64 heard = arrival + (gint64) i * G_USEC_PER_SEC / RATE;

      if (abs (s - self->previous) > DETECT_STEP && heard - self->last > REFRACTORY_US)
        {
          g_array_append_val (self->times, heard);
          self->last = heard;
        }
      self->previous = s;
    }
  g_mutex_unlock (&self->lock);
  gst_buffer_unmap (buffer, &map);
  return GST_FLOW_OK;
}

static ClickDetector *
click_detector_new (void)
{
  ClickDetector *self = g_new0 (ClickDetector, 1);

  g_mutex_init (&self->lock);
  self->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  return self;
}

/* Returns: (transfer floating): depay ! decode ! appsink, ghost "sink" */
static GstElement *
click_detector_make_sink (ClickDetector *self)
{
  GstElement *bin = parse_bin ("rtpopusdepay ! opusdec plc=true ! audioconvert ! appsink name=ear "
                               "sync=false async=false caps=\"" RAW_CAPS "\"");
  g_autoptr (GstElement) ear = gst_bin_get_by_name (GST_BIN (bin), "ear");
  GstAppSinkCallbacks callbacks = { .new_sample = click_detector_on_sample };

  gst_app_sink_set_callbacks (GST_APP_SINK (ear), &callbacks, self, NULL);
  return bin;
}

static void
click_detector_free (ClickDetector *self)
{
  g_array_unref (self->times);
  g_mutex_clear (&self->lock);
  g_free (self);
}

typedef struct
{
  double p50, p95;
  guint sent, heard;
} Latency;

/* Each click heard is paired with the last click sent before it. */
static void
pair_clicks (ClickSource *source, ClickDetector *detector, Latency *out)
{
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GString) series = g_string_new (NULL);
  guint j = 0;

  g_mutex_lock (&source->lock);
  g_mutex_lock (&detector->lock);
  for (guint i = 0; i < detector->times->len; i++)
    {
      gint64 heard = g_array_index (detector->times, gint64, i);
      double ms;

      while (j + 1 < source->times->len && g_array_index (source->times, gint64, j + 1) <= heard)
        j++;
      if (source->times->len == 0 || g_array_index (source->times, gint64, j) > heard)
        continue;
      ms = (heard - g_array_index (source->times, gint64, j)) / 1000.0;
      if (ms < CLICK_PERIOD_US / 1000.0)
        {
          g_array_append_val (samples, ms);
          g_string_append_printf (series, " %.0f", ms);
        }
    }
  out->sent = source->times->len;
  g_mutex_unlock (&detector->lock);
  g_mutex_unlock (&source->lock);
  g_printerr ("bench-mcu: click latencies in order, ms:%s\n", series->str);
  out->heard = samples->len;
  out->p50 = percentile (samples, 0.5);
  out->p95 = percentile (samples, 0.95);
}

/* Clicks for a while, then pairs what was heard. */
static void
run_clicks (ClickSource *source, ClickDetector *detector, Latency *out)
{
  g_mutex_lock (&detector->lock);
  g_array_set_size (detector->times, 0);
  g_mutex_unlock (&detector->lock);
  g_atomic_int_set (&source->clicking, 1);
  wait_until (NULL, NULL, CLICKS * CLICK_PERIOD_US / 1000);
  g_atomic_int_set (&source->clicking, 0);
  wait_until (NULL, NULL, 600); /* the last click's way through */
  pair_clicks (source, detector, out);
}

/* ---- the sites ---- */

typedef enum
{
  SEND_SILENCE, /* the shared silent DTX stream */
  SEND_TONE,    /* a talker: its own tone and encoder */
  SEND_CLICKS,  /* A of the latency test */
} SendKind;

typedef struct _Site Site;

/* All the sites of this process, in one pipeline. */
typedef struct
{
  GstElement *pipeline;
  GstElement *silence; /* tee of the one silent Opus stream */
  SoupSession *session;
  char *ws_url, *room, *token;
  GPtrArray *sites;
  gboolean stopping;
  guint bus_watch;
} Host;

struct _Site
{
  Host *host;
  guint index;
  SendKind send;
  double freq;
  ClickSource *clicks;     /* SEND_CLICKS */
  ClickDetector *detector; /* B: decodes and times clicks */
  Site *peer;              /* the direct link: candidates go straight to it */
  GstElement *webrtc;
  GstElement *sender; /* in the pipeline once linked */
  SoupWebsocketConnection *ws;
  gint connected; /* atomic */
  gint packets;   /* atomic: RTP packets received on the audio m-line */
  char *failure;
};

static void
site_fail (Site *site, const char *why)
{
  if (site->failure == NULL && !site->host->stopping)
    site->failure = g_strdup (why);
}

/* What webrtcbin's threads hand to the main context. */
typedef struct
{
  Site *site;
  void (*func) (Site *site, guint mline, const char *text);
  guint mline;
  char *text;
} SiteCall;

static gboolean
site_call_run (gpointer data)
{
  SiteCall *call = data;

  if (!call->site->host->stopping)
    call->func (call->site, call->mline, call->text);
  return G_SOURCE_REMOVE;
}

static void
site_call_free (gpointer data)
{
  SiteCall *call = data;

  g_free (call->text);
  g_free (call);
}

static void
in_main (Site *site, void (*func) (Site *, guint, const char *), guint mline, const char *text)
{
  SiteCall *call = g_new0 (SiteCall, 1);

  call->site = site;
  call->func = func;
  call->mline = mline;
  call->text = g_strdup (text);
  g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, site_call_run, call, site_call_free);
}

static void
site_send_json (Site *site, JsonBuilder *builder)
{
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = json_to_string (root, FALSE);

  if (site->ws != NULL
      && soup_websocket_connection_get_state (site->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (site->ws, text);
}

static void
send_candidate (Site *site, guint mline, const char *candidate)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "candidate");
  json_builder_set_member_name (b, "candidate");
  json_builder_add_string_value (b, candidate);
  json_builder_set_member_name (b, "sdpMLineIndex");
  json_builder_add_int_value (b, mline);
  json_builder_end_object (b);
  site_send_json (site, b);
}

static void
send_answer (Site *site, guint mline, const char *sdp)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "answer");
  json_builder_set_member_name (b, "sdp");
  json_builder_add_string_value (b, sdp);
  json_builder_end_object (b);
  site_send_json (site, b);
}

static void
fail_in_main (Site *site, guint mline, const char *why)
{
  site_fail (site, why);
}

/* On webrtcbin's thread. */
static void
on_ice_candidate (GstElement *webrtc, guint mline, const char *candidate, gpointer user_data)
{
  Site *site = user_data;

  if (site->peer != NULL)
    g_signal_emit_by_name (site->peer->webrtc, "add-ice-candidate", mline, candidate);
  else
    in_main (site, send_candidate, mline, candidate);
}

static void
on_ice_state (GstElement *webrtc, GParamSpec *pspec, gpointer user_data)
{
  Site *site = user_data;
  GstWebRTCICEConnectionState state;

  g_object_get (webrtc, "ice-connection-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED
      || state == GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED)
    g_atomic_int_set (&site->connected, 1);
  else if (state == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED)
    in_main (site, fail_in_main, 0, "ICE failed");
}

static GstPadProbeReturn
count_packets (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Site *site = user_data;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    g_atomic_int_add (&site->packets,
                      (gint) gst_buffer_list_length (GST_PAD_PROBE_INFO_BUFFER_LIST (info)));
  else
    g_atomic_int_inc (&site->packets);
  return GST_PAD_PROBE_OK;
}

/* Once a site works (ICE, DTLS, RTP through its jitter buffer), what it
 * receives is counted and dropped as it comes off the socket: SRTP
 * decryption, the jitter buffer and their two thread hops a packet were
 * half the clients' CPU, which the mcu needs on this machine.  The mcu
 * does the same work either way. */
static gboolean
is_opus_rtp (GstBuffer *buffer)
{
  guint8 header[2];

  return gst_buffer_extract (buffer, 0, header, 2) == 2 && (header[0] & 0xc0) == 0x80
         && (header[1] & 0x7f) == OPUS_PT;
}

static gboolean
count_in_list (GstBuffer **buffer, guint index, gpointer user_data)
{
  if (is_opus_rtp (*buffer))
    g_atomic_int_inc ((gint *) user_data);
  return TRUE;
}

static GstPadProbeReturn
count_and_drop (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Site *site = user_data;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info), count_in_list, &site->packets);
  else if (is_opus_rtp (GST_PAD_PROBE_INFO_BUFFER (info)))
    g_atomic_int_inc (&site->packets);
  return GST_PAD_PROBE_DROP;
}

static void
site_go_light (Site *site)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (site->webrtc));
  GValue item = G_VALUE_INIT;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *element = g_value_get_object (&item);
      GstElementFactory *factory = gst_element_get_factory (element);

      if (factory != NULL && g_str_equal (GST_OBJECT_NAME (factory), "nicesrc"))
        {
          g_autoptr (GstPad) src = gst_element_get_static_pad (element, "src");

          gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                             count_and_drop, site, NULL);
        }
      g_value_reset (&item);
    }
  gst_iterator_free (it);
}

/* On a streaming thread: what the site receives goes to a fakesink
 * (nothing decoded), except B's audio, which the click detector decodes. */
static void
on_pad_added (GstElement *webrtc, GstPad *pad, gpointer user_data)
{
  Site *site = user_data;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstPad) sink_pad = NULL;
  gboolean audio = FALSE;
  GstElement *sink;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (!gst_caps_is_empty (caps))
    audio
        = g_strcmp0 (gst_structure_get_string (gst_caps_get_structure (caps, 0), "media"), "audio")
          == 0;
  if (audio && site->detector != NULL)
    sink = click_detector_make_sink (site->detector);
  else
    sink = gst_element_factory_make_full ("fakesink", "sync", FALSE, "async", FALSE, NULL);
  if (audio)
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                       count_packets, site, NULL);
  gst_bin_add (GST_BIN (site->host->pipeline), sink);
  /* PLAYING explicitly, before linking (see MEDIA-NOTES) */
  gst_element_set_state (sink, GST_STATE_PLAYING);
  sink_pad = gst_element_get_static_pad (sink, "sink");
  if (gst_pad_link (pad, sink_pad) != GST_PAD_LINK_OK)
    in_main (site, fail_in_main, 0, "cannot link a received stream");
}

/* libnice leaves out 127.0.0.1 unless told; told, it uses only that.
 * No UPnP port mapping: it multicasts SSDP on every interface and costs
 * a GUPnP context per agent. */
static void
restrict_to_loopback (GstElement *webrtc)
{
  g_autoptr (GObject) ice = NULL;
  g_autoptr (GObject) agent = NULL;
  NiceAddress address;

  g_object_get (webrtc, "ice-agent", &ice, NULL);
  g_object_get (ice, "agent", &agent, NULL);
  g_object_set (agent, "upnp", FALSE, NULL);
  nice_address_init (&address);
  nice_address_set_from_string (&address, "127.0.0.1");
  nice_agent_add_local_address (NICE_AGENT (agent), &address);
}

static Site *
site_new (Host *host, SendKind send, double freq, gboolean detect)
{
  Site *site = g_new0 (Site, 1);

  site->host = host;
  site->index = host->sites->len;
  site->send = send;
  site->freq = freq;
  if (send == SEND_CLICKS)
    site->clicks = click_source_new ();
  if (detect)
    site->detector = click_detector_new ();
  site->webrtc = gst_element_factory_make_full ("webrtcbin", "bundle-policy",
                                                GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency",
                                                JITTER_MS, NULL);
  g_assert (site->webrtc != NULL);
  restrict_to_loopback (site->webrtc);
  g_signal_connect (site->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), site);
  g_signal_connect (site->webrtc, "notify::ice-connection-state", G_CALLBACK (on_ice_state), site);
  g_signal_connect (site->webrtc, "pad-added", G_CALLBACK (on_pad_added), site);
  gst_bin_add (GST_BIN (host->pipeline), site->webrtc);
  gst_element_set_state (site->webrtc, GST_STATE_PLAYING);
  g_ptr_array_add (host->sites, site);
  return site;
}

static void
site_free (Site *site)
{
  g_clear_object (&site->ws);
  g_clear_pointer (&site->clicks, click_source_free);
  g_clear_pointer (&site->detector, click_detector_free);
  g_free (site->failure);
  g_free (site);
}

/* The send side, on m-line 0's transceiver ("sink_0"): a branch of the
 * shared silent stream, or the site's own encoder. */
static gboolean
site_link_sender (Site *site)
{
  g_autoptr (GstPad) webrtc_sink = gst_element_request_pad_simple (site->webrtc, "sink_0");
  g_autoptr (GstPad) src = NULL;

  switch (site->send)
    {
    case SEND_SILENCE:
      /* a leaky queue, so that one site not yet connected holds nobody up */
      site->sender = parse_bin ("queue leaky=downstream max-size-buffers=8 max-size-bytes=0 "
                                "max-size-time=0 ! " PAYLOADER);
      break;
    case SEND_TONE:
      {
        g_autofree char *description
            = g_strdup_printf ("audiotestsrc is-live=true wave=sine freq=%.0f volume=0.3 "
                               "samplesperbuffer=960 ! " RAW_CAPS " ! " ENCODER " ! " PAYLOADER,
                               site->freq);
        site->sender = parse_bin (description);
      }
      break;
    case SEND_CLICKS:
      site->sender = gst_object_ref (site->clicks->bin);
      break;
    }
  if (site->send != SEND_CLICKS)
    gst_object_ref_sink (site->sender);
  gst_bin_add (GST_BIN (site->host->pipeline), site->sender);
  src = gst_element_get_static_pad (site->sender, "src");
  if (webrtc_sink == NULL || gst_pad_link (src, webrtc_sink) != GST_PAD_LINK_OK)
    return FALSE;
  if (site->send == SEND_SILENCE)
    {
      g_autoptr (GstPad) tee_src = gst_element_request_pad_simple (site->host->silence, "src_%u");
      g_autoptr (GstPad) sink = gst_element_get_static_pad (site->sender, "sink");

      gst_pad_link (tee_src, sink);
    }
  /* linked first: a live source that starts unlinked stops with an error */
  gst_element_set_state (site->sender, GST_STATE_PLAYING);
  gst_object_unref (site->sender);
  return TRUE;
}

/* The sites of the audio benchmark take no video: webrtcbin 1.22 makes
 * the video transceiver of the offer only when it answers (recvonly by
 * itself); one that exists already is told inactive, so that the mcu
 * sends it no composite. */
static void
set_directions (GstElement *webrtc)
{
  GArray *transceivers = NULL;

  g_signal_emit_by_name (webrtc, "get-transceivers", &transceivers);
  for (guint i = 0; transceivers != NULL && i < transceivers->len; i++)
    {
      GstWebRTCRTPTransceiver *t = g_array_index (transceivers, GstWebRTCRTPTransceiver *, i);
      guint mline = G_MAXUINT;

      g_object_get (t, "mlineindex", &mline, NULL);
      g_object_set (t, "direction",
                    mline == 0 ? GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV
                               : GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_INACTIVE,
                    NULL);
    }
  g_clear_pointer (&transceivers, g_array_unref);
}

/* The answer's video m-line said inactive (webrtcbin answers recvonly for
 * a transceiver it made from the offer): the mcu sends such a site no
 * composite, as to an audio-only room system. */
static void
answer_without_video (GstSDPMessage *sdp)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (sdp, i);

      if (g_strcmp0 (gst_sdp_media_get_media (media), "video") != 0)
        continue;
      for (guint j = 0; j < gst_sdp_media_attributes_len (media); j++)
        {
          const GstSDPAttribute *attribute = gst_sdp_media_get_attribute (media, j);

          if (g_str_equal (attribute->key, "recvonly") || g_str_equal (attribute->key, "sendrecv"))
            {
              GstSDPAttribute inactive;

              gst_sdp_attribute_set (&inactive, "inactive", NULL);
              gst_sdp_media_replace_attribute (media, j, &inactive);
            }
        }
    }
}

/* On webrtcbin's thread. */
static void
on_answer_created (GstPromise *promise, gpointer user_data)
{
  Site *site = user_data;
  const GstStructure *reply = gst_promise_get_reply (promise);
  GstWebRTCSessionDescription *answer = NULL;
  g_autofree char *text = NULL;

  if (reply != NULL)
    gst_structure_get (reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
  gst_promise_unref (promise);
  if (answer == NULL)
    {
      in_main (site, fail_in_main, 0, "webrtcbin made no answer");
      return;
    }
  answer_without_video (answer->sdp);
  /* queued before the local description starts the candidates */
  text = gst_sdp_message_as_text (answer->sdp);
  in_main (site, send_answer, 0, text);
  g_signal_emit_by_name (site->webrtc, "set-local-description", answer, NULL);
  gst_webrtc_session_description_free (answer);
}

static void
answer_offer (Site *site, guint mline, const char *unused)
{
  if (!site_link_sender (site))
    {
      site_fail (site, "cannot link the sender to m-line 0");
      return;
    }
  set_directions (site->webrtc);
  g_signal_emit_by_name (site->webrtc, "create-answer", NULL,
                         gst_promise_new_with_change_func (on_answer_created, site, NULL));
}

/* On webrtcbin's thread. */
static void
on_offer_set (GstPromise *promise, gpointer user_data)
{
  Site *site = user_data;
  const GstStructure *reply = gst_promise_get_reply (promise);

  if (reply != NULL && gst_structure_has_field (reply, "error"))
    in_main (site, fail_in_main, 0, "the mcu's offer was refused");
  else
    in_main (site, answer_offer, 0, NULL);
  gst_promise_unref (promise);
}

static void
take_offer (Site *site, const char *text)
{
  GstSDPMessage *sdp = NULL;
  GstWebRTCSessionDescription *offer;

  if (gst_sdp_message_new_from_text (text, &sdp) != GST_SDP_OK)
    {
      site_fail (site, "the offer is not SDP");
      return;
    }
  offer = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  g_signal_emit_by_name (site->webrtc, "set-remote-description", offer,
                         gst_promise_new_with_change_func (on_offer_set, site, NULL));
  gst_webrtc_session_description_free (offer);
}

static void
on_ws_message (SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer user_data)
{
  Site *site = user_data;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *object;
  const char *kind;
  gsize size;
  const char *data = g_bytes_get_data (message, &size);

  if (!json_parser_load_from_data (parser, data, size, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return;
  object = json_node_get_object (json_parser_get_root (parser));
  kind = json_object_get_string_member_with_default (object, "type", "");
  if (g_str_equal (kind, "offer"))
    take_offer (site, json_object_get_string_member_with_default (object, "sdp", ""));
  else if (g_str_equal (kind, "candidate"))
    {
      const char *candidate = json_object_get_string_member_with_default (object, "candidate", "");

      if (*candidate != '\0')
        g_signal_emit_by_name (
            site->webrtc, "add-ice-candidate",
            (guint) json_object_get_int_member_with_default (object, "sdpMLineIndex", 0),
            candidate);
    }
  else if (g_str_equal (kind, "error") || g_str_equal (kind, "bye"))
    {
      g_autofree char *why = g_strdup_printf (
          "%s: %s %s", kind, json_object_get_string_member_with_default (object, "code", ""),
          json_object_get_string_member_with_default (
              object, "message",
              json_object_get_string_member_with_default (object, "reason", "")));
      site_fail (site, why);
    }
}

static void
on_ws_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  site_fail (user_data, "the mcu closed the WebSocket");
}

static void
on_ws_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Site *site = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *name = NULL;

  site->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (site->ws == NULL)
    {
      site_fail (site, error->message);
      return;
    }
  g_signal_connect (site->ws, "message", G_CALLBACK (on_ws_message), site);
  g_signal_connect (site->ws, "closed", G_CALLBACK (on_ws_closed), site);
  name = g_strdup_printf ("Điểm cầu %u", site->index + 1);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "join");
  json_builder_set_member_name (b, "room");
  json_builder_add_string_value (b, site->host->room);
  json_builder_set_member_name (b, "token");
  json_builder_add_string_value (b, site->host->token);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  json_builder_end_object (b);
  site_send_json (site, b);
}

/* A site of the mcu's room: its webrtcbin waits for the offer. */
static Site *
site_join (Host *host, SendKind send, double freq, gboolean detect)
{
  Site *site = site_new (host, send, freq, detect);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", host->ws_url);

  soup_session_websocket_connect_async (host->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_ws_connected, site);
  return site;
}

/* ---- the host: this process's sites ---- */

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) error = NULL;

      gst_message_parse_error (message, &error, NULL);
      g_printerr ("bench-mcu: %s: %s\n", GST_MESSAGE_SRC_NAME (message), error->message);
    }
  return G_SOURCE_CONTINUE;
}

/* DTX frames (1–2 bytes) are never sent; dropping them before the tee
 * spares 150 branches 50 wake-ups a second for nothing. */
static GstPadProbeReturn
drop_dtx (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  return gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info)) <= 2 ? GST_PAD_PROBE_DROP
                                                                     : GST_PAD_PROBE_OK;
}

static Host *
host_new (const char *mcu_url, const char *room, const char *token)
{
  Host *host = g_new0 (Host, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) encoder = NULL;
  g_autoptr (GstPad) encoded = NULL;
  g_autoptr (GstBus) bus = NULL;

  host->pipeline = gst_object_ref_sink (gst_parse_launch (
      "audiotestsrc is-live=true wave=silence samplesperbuffer=960 ! " RAW_CAPS " ! " ENCODER
      " name=silent-encoder ! tee name=silence allow-not-linked=true",
      &error));
  g_assert_no_error (error);
  host->silence = gst_bin_get_by_name (GST_BIN (host->pipeline), "silence");
  encoder = gst_bin_get_by_name (GST_BIN (host->pipeline), "silent-encoder");
  encoded = gst_element_get_static_pad (encoder, "src");
  gst_pad_add_probe (encoded, GST_PAD_PROBE_TYPE_BUFFER, drop_dtx, NULL, NULL);
  bus = gst_element_get_bus (host->pipeline);
  host->bus_watch = gst_bus_add_watch (bus, on_bus_message, host);
  gst_element_set_state (host->pipeline, GST_STATE_PLAYING);
  host->sites = g_ptr_array_new ();
  if (mcu_url != NULL)
    {
      g_autofree char *ws = g_strdup_printf ("ws%s/ws", mcu_url + strlen ("http"));

      host->ws_url = g_steal_pointer (&ws);
      host->room = g_strdup (room);
      host->token = g_strdup (token);
      host->session = soup_session_new_with_options ("max-conns", 1000, "max-conns-per-host", 1000,
                                                     "timeout", 60, NULL);
    }
  return host;
}

/* Stops all media (joining webrtcbin's threads), then what they left for
 * the main context runs and finds the host stopping. */
static void
host_free (Host *host)
{
  host->stopping = TRUE;
  g_source_remove (host->bus_watch);
  for (guint i = 0; i < host->sites->len; i++)
    {
      Site *site = host->sites->pdata[i];

      if (site->clicks != NULL)
        g_atomic_int_set (&site->clicks->stop, 1);
      if (site->ws != NULL)
        {
          g_signal_handlers_disconnect_by_data (site->ws, site);
          if (soup_websocket_connection_get_state (site->ws) == SOUP_WEBSOCKET_STATE_OPEN)
            soup_websocket_connection_close (site->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
        }
    }
  gst_element_set_state (host->pipeline, GST_STATE_NULL);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  for (guint i = 0; i < host->sites->len; i++)
    site_free (host->sites->pdata[i]);
  g_ptr_array_unref (host->sites);
  gst_object_unref (host->silence);
  gst_object_unref (host->pipeline);
  g_clear_object (&host->session);
  g_free (host->ws_url);
  g_free (host->room);
  g_free (host->token);
  g_free (host);
}

static guint
host_packets (Host *host)
{
  guint total = 0;

  for (guint i = 0; i < host->sites->len; i++)
    total += g_atomic_int_get (&((Site *) host->sites->pdata[i])->packets);
  return total;
}

typedef struct
{
  Host *host;
  guint first, last;
} Range;

static gboolean
site_ready (Site *site)
{
  /* A in the idle room hears only B's silence: connected is enough */
  return g_atomic_int_get (&site->connected)
         && (site->send == SEND_CLICKS || g_atomic_int_get (&site->packets) > 0);
}

/* Every site of the range connected and receiving, or one failed. */
static gboolean
range_settled (gpointer data)
{
  Range *range = data;
  gboolean all = TRUE;

  for (guint i = range->first; i < range->last; i++)
    {
      Site *site = range->host->sites->pdata[i];

      if (site->failure != NULL)
        return TRUE;
      all = all && site_ready (site);
    }
  return all;
}

static gboolean
range_ready (Host *host, guint first, guint last)
{
  Range range = { host, first, last };

  if (!wait_until (range_settled, &range, BATCH_TIMEOUT_MS))
    {
      for (guint i = first; i < last; i++)
        {
          Site *site = host->sites->pdata[i];

          if (!site_ready (site))
            g_printerr ("bench-mcu: site %u: %s, %d packets\n", site->index,
                        g_atomic_int_get (&site->connected) ? "ICE connected" : "no ICE",
                        g_atomic_int_get (&site->packets));
        }
      return FALSE;
    }
  for (guint i = first; i < last; i++)
    {
      Site *site = host->sites->pdata[i];

      if (site->failure != NULL)
        {
          g_printerr ("bench-mcu: site %u could not join: %s\n", site->index, site->failure);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- the mcu ---- */

typedef struct
{
  HnTestDaemon *daemon;
  char *dir;
  char *token;
} Mcu;

static void
mcu_free (Mcu *mcu)
{
  if (mcu->daemon != NULL)
    {
      hn_test_daemon_stop (mcu->daemon, SIGTERM, 20000);
      hn_test_daemon_free (mcu->daemon);
    }
  if (mcu->dir != NULL)
    hn_test_remove_tree (mcu->dir);
  g_free (mcu->dir);
  g_free (mcu->token);
  g_free (mcu);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Mcu, mcu_free)

static HnTestResponse *
mcu_call (Mcu *mcu, const char *method, const char *path, const char *body)
{
  g_autofree char *url = g_strconcat (hn_test_daemon_get_url (mcu->daemon), path, NULL);
  const char *headers[] = { "Authorization", "Bearer " KEY, NULL };

  return hn_test_request (method, url, headers, body != NULL ? "application/json" : NULL, body, -1);
}

/* A fresh mcu with one room "bench". */
static Mcu *
mcu_start (gboolean share, guint jitter_ms)
{
  g_autoptr (Mcu) mcu = g_new0 (Mcu, 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *key_file = NULL, *config_file = NULL, *config = NULL;
  g_autofree char *key_arg = NULL, *config_arg = NULL;
  g_autoptr (HnTestResponse) created = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();

  mcu->dir = hn_test_make_tmpdir ("bench-mcu");
  key_file = g_build_filename (mcu->dir, "key", NULL);
  config_file = g_build_filename (mcu->dir, "mcu.conf", NULL);
  config = g_strdup_printf ("[mcu]\nshare-encoders=%s\nice-addresses=127.0.0.1\n"
                            "max-participants=200\nmax-messages-per-second=1000\n"
                            "jitter-buffer-ms=%u\n",
                            share ? "true" : "false", jitter_ms);
  g_assert_true (g_file_set_contents (key_file, KEY "\n", -1, NULL));
  g_assert_true (g_file_set_contents (config_file, config, -1, NULL));
  key_arg = g_strdup_printf ("--api-key-file=%s", key_file);
  config_arg = g_strdup_printf ("--config=%s", config_file);
  {
    const char *args[] = { config_arg, key_arg, NULL };

    mcu->daemon = hn_test_daemon_start ("mcu/hoinghi-mcu", args, &error);
  }
  if (mcu->daemon == NULL)
    g_error ("the mcu did not start: %s", error->message);
  created = mcu_call (mcu, "POST", "/api/v1/rooms",
                      "{\"id\":\"bench\",\"name\":\"Đo tải\",\"max_participants\":200}");
  if (created->status != 201 || !json_parser_load_from_data (parser, created->body, -1, NULL))
    g_error ("the room was not made (%u): %s", created->status, created->body);
  mcu->token = g_strdup (json_object_get_string_member (
      json_node_get_object (json_parser_get_root (parser)), "join_token"));
  return g_steal_pointer (&mcu);
}

static double
mcu_metric (Mcu *mcu, const char *name)
{
  g_autoptr (HnTestResponse) r = mcu_call (mcu, "GET", "/metrics", NULL);
  g_auto (GStrv) lines = g_strsplit (r->body, "\n", -1);
  gsize len = strlen (name);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], name) && lines[i][len] == ' ')
      return g_ascii_strtod (lines[i] + len + 1, NULL);
  return -1;
}

static void
print_mcu_log (Mcu *mcu)
{
  g_autofree char *log = hn_test_daemon_get_log (mcu->daemon);
  gsize len = strlen (log);

  g_printerr ("bench-mcu: the mcu's log ends with:\n%s\n", log + (len > 3000 ? len - 3000 : 0));
}

/* Warnings the mcu logged, if any: a bench that runs into one says so. */
static void
report_mcu_warnings (Mcu *mcu, const char *what)
{
  g_autofree char *log = hn_test_daemon_get_log (mcu->daemon);
  g_auto (GStrv) lines = g_strsplit (log, "\n", -1);
  guint shown = 0, count = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], "WARNING") != NULL || strstr (lines[i], "CRITICAL") != NULL
        || strstr (lines[i], "ERROR") != NULL || strstr (lines[i], "media error") != NULL)
      {
        if (shown++ < 5)
          g_printerr ("bench-mcu: the mcu (%s) logged: %s\n", what, lines[i]);
        count++;
      }
  if (count > 5)
    g_printerr ("bench-mcu: ... and %u more such lines\n", count - 5);
}

/* CPU seconds of the mcu's threads whose name starts with @prefix (the
 * mixer's streaming thread is "mcumixminus0:src"). */
static double
threads_cpu_seconds (GPid pid, const char *prefix)
{
  g_autofree char *dir_path = g_strdup_printf ("/proc/%d/task", (int) pid);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *tid;
  double total = 0;

  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("%s/%s/stat", dir_path, tid);
      g_autofree char *text = NULL;
      const char *open_paren, *close_paren;
      g_auto (GStrv) fields = NULL;

      if (!g_file_get_contents (path, &text, NULL, NULL)
          || (open_paren = strchr (text, '(')) == NULL
          || (close_paren = strrchr (text, ')')) == NULL
          || strncmp (open_paren + 1, prefix, strlen (prefix)) != 0)
        continue;
      fields = g_strsplit (close_paren + 2, " ", -1);
      if (g_strv_length (fields) >= 13)
        total += (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL))
                 / sysconf (_SC_CLK_TCK);
    }
  return total;
}

/* ---- the load ---- */

typedef struct
{
  double mcu_cpu;    /* CPU-seconds per second */
  double client_cpu; /* this process */
  guint encoders;
  double realtime;  /* packets received / expected */
  double mixer_cpu; /* the mixer's one streaming thread */
  double other_cpu; /* the rest of the machine */
} Load;

/* Joins @n sites in batches; the first two talk. */
static gboolean
join_sites (Host *host, Mcu *mcu, guint n)
{
  for (guint first = 0; first < n; first += BATCH)
    {
      guint last = MIN (n, first + BATCH);

      for (guint i = first; i < last; i++)
        site_join (host, i < 2 ? SEND_TONE : SEND_SILENCE, i == 0 ? 440 : 660, FALSE);
      if (!range_ready (host, first, last))
        {
          print_mcu_log (mcu);
          return FALSE;
        }
      for (guint i = first; i < last; i++)
        site_go_light (host->sites->pdata[i]);
    }
  return TRUE;
}

/* Packets received in one second, as a fraction of 50 a site. */
static double
second_rate (Host *host, guint n)
{
  guint before = host_packets (host);
  gint64 t0 = g_get_monotonic_time ();

  wait_until (NULL, NULL, 1000);
  return (host_packets (host) - before) / ((double) n * PACKETS_PER_S)
         / ((g_get_monotonic_time () - t0) / 1e6);
}

/* Settles until a second of real time brings a second of audio: after the
 * joins (DTLS is dear), a mixer that fell behind catches up in a burst,
 * which would count as more than real time in the window. */
static void
settle (Host *host, guint n)
{
  g_autoptr (GString) rates = g_string_new (NULL);

  for (guint s = 0; s < SETTLE_MAX_S; s++)
    {
      double rate = second_rate (host, n);

      g_string_append_printf (rates, " %.2f", rate);
      if (s + 1 >= SETTLE_S && fabs (rate - 1) < 0.02)
        break;
    }
  g_printerr ("bench-mcu: settling, packets a second / expected:%s\n", rates->str);
}

static gboolean
measure_window (Host *host, Mcu *mcu, guint n, Load *out)
{
  GPid pid = hn_test_daemon_get_pid (mcu->daemon);
  g_autoptr (GString) rates = g_string_new (NULL);
  gint64 t0, t1;
  double mcu0, self0, mixer0, machine0;
  guint packets0, packets;

  settle (host, n);
  t0 = g_get_monotonic_time ();
  mcu0 = process_cpu_seconds (pid);
  mixer0 = threads_cpu_seconds (pid, "mcumixminus");
  machine0 = machine_busy_seconds ();
  self0 = self_cpu_seconds ();
  packets0 = host_packets (host);
  for (guint s = 0; s < WINDOW_S; s++)
    {
      g_string_append_printf (rates, " %.2f", second_rate (host, n));
      if (s == WINDOW_S / 2)
        out->encoders = (guint) mcu_metric (mcu, "hoinghi_audio_encoders");
    }
  t1 = g_get_monotonic_time ();
  out->mcu_cpu = (process_cpu_seconds (pid) - mcu0) / ((t1 - t0) / 1e6);
  out->mixer_cpu = (threads_cpu_seconds (pid, "mcumixminus") - mixer0) / ((t1 - t0) / 1e6);
  out->client_cpu = (self_cpu_seconds () - self0) / ((t1 - t0) / 1e6);
  out->other_cpu = MAX (0, (machine_busy_seconds () - machine0) / ((t1 - t0) / 1e6) - out->mcu_cpu
                               - out->client_cpu);
  packets = host_packets (host) - packets0;
  out->realtime = packets / ((double) n * PACKETS_PER_S * (t1 - t0) / 1e6);
  g_printerr ("bench-mcu: window, packets a second / expected:%s; mcu %.3f (mixer thread "
              "%.3f), clients %.3f, rest of the machine %.3f CPU-s/s\n",
              rates->str, out->mcu_cpu, out->mixer_cpu, out->client_cpu, out->other_cpu);
  if (packets == 0)
    {
      g_printerr ("bench-mcu: no packets in the window\n");
      return FALSE;
    }
  return TRUE;
}

/* A (clicks) and B (silent, times the clicks) join the host's room. */
static gboolean
latency_via_mcu (Host *host, Mcu *mcu, Latency *out)
{
  guint first = host->sites->len;
  Site *a = site_join (host, SEND_CLICKS, 0, FALSE);
  Site *b = site_join (host, SEND_SILENCE, 0, TRUE);

  if (!range_ready (host, first, first + 2))
    {
      print_mcu_log (mcu);
      return FALSE;
    }
  /* the mixer's talk gate takes A in; B's decoder settles */
  wait_until (NULL, NULL, 2000);
  run_clicks (a->clicks, b->detector, out);
  return TRUE;
}

/* One fresh mcu, @n sites, one window; and the latency in that room if
 * @latency is given. */
static gboolean
run_load (gboolean share, guint n, Load *out, Latency *latency)
{
  g_autoptr (Mcu) mcu = mcu_start (share, JITTER_MS);
  Host *host = host_new (hn_test_daemon_get_url (mcu->daemon), "bench", mcu->token);
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok;

  g_printerr ("bench-mcu: %s encoders, %u sites: joining (mcu pid %d)\n",
              share ? "shared" : "per-listener", n, (int) hn_test_daemon_get_pid (mcu->daemon));
  ok = join_sites (host, mcu, n);
  if (ok)
    g_printerr ("bench-mcu: joined in %.1f s; measuring\n", (g_get_monotonic_time () - t0) / 1e6);
  ok = ok && measure_window (host, mcu, n, out);
  if (ok && latency != NULL)
    g_printerr ("bench-mcu: clicks through the loaded room\n");
  ok = ok && (latency == NULL || latency_via_mcu (host, mcu, latency));
  report_mcu_warnings (mcu, share ? "shared" : "per-listener");

  host_free (host);
  return ok;
}

/* ---- the direct link ---- */

static void
on_direct_answer (GstPromise *promise, gpointer user_data)
{
  Site *b = user_data;
  const GstStructure *reply = gst_promise_get_reply (promise);
  GstWebRTCSessionDescription *answer = NULL;

  gst_structure_get (reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
  gst_promise_unref (promise);
  g_assert (answer != NULL);
  g_signal_emit_by_name (b->webrtc, "set-local-description", answer, NULL);
  g_signal_emit_by_name (b->peer->webrtc, "set-remote-description", answer, NULL);
  gst_webrtc_session_description_free (answer);
}

static void
on_direct_offer (GstPromise *promise, gpointer user_data)
{
  Site *a = user_data;
  const GstStructure *reply = gst_promise_get_reply (promise);
  GstWebRTCSessionDescription *offer = NULL;

  gst_structure_get (reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
  gst_promise_unref (promise);
  g_assert (offer != NULL);
  g_signal_emit_by_name (a->webrtc, "set-local-description", offer, NULL);
  /* B's operations run in order: the answer follows the offer */
  g_signal_emit_by_name (a->peer->webrtc, "set-remote-description", offer, NULL);
  g_signal_emit_by_name (a->peer->webrtc, "create-answer", NULL,
                         gst_promise_new_with_change_func (on_direct_answer, a->peer, NULL));
  gst_webrtc_session_description_free (offer);
}

static gboolean
b_hears (gpointer data)
{
  Site *b = data;

  return (g_atomic_int_get (&b->packets) > 0 && g_atomic_int_get (&b->connected))
         || b->failure != NULL;
}

/* A and B in this process, negotiated locally: A offers its clicks, B
 * answers recvonly; same encoder, same jitter buffer. */
static gboolean
latency_direct (Latency *out)
{
  Host *host = host_new (NULL, NULL, NULL);
  Site *a = site_new (host, SEND_CLICKS, 0, FALSE);
  Site *b = site_new (host, SEND_SILENCE, 0, TRUE);
  gboolean ok;

  a->peer = b;
  b->peer = a;
  ok = site_link_sender (a);
  g_signal_emit_by_name (a->webrtc, "create-offer", NULL,
                         gst_promise_new_with_change_func (on_direct_offer, a, NULL));
  ok = ok && wait_until (b_hears, b, BATCH_TIMEOUT_MS) && b->failure == NULL;
  if (ok)
    {
      wait_until (NULL, NULL, 2000);
      run_clicks (a->clicks, b->detector, out);
    }
  else
    g_printerr ("bench-mcu: the direct link did not connect\n");
  host_free (host);
  return ok;
}

/* ---- the report ---- */

/* A fresh mcu whose room holds only A and B. */
static gboolean
latency_idle_room (guint jitter_ms, Latency *out)
{
  g_autoptr (Mcu) mcu = mcu_start (TRUE, jitter_ms);
  Host *host = host_new (hn_test_daemon_get_url (mcu->daemon), "bench", mcu->token);
  gboolean ok;

  g_printerr ("bench-mcu: clicks through a room of 2, jitter-buffer-ms=%u\n", jitter_ms);
  ok = latency_via_mcu (host, mcu, out);
  report_mcu_warnings (mcu, "room of 2");
  host_free (host);
  return ok;
}

static void
print_latency (const char *label, const Latency *l, const Latency *direct)
{
  g_print ("  %-44s %7.1f %7.1f %7.1f %7.1f %5u/%u\n", label, l->p50, l->p95, l->p50 - direct->p50,
           l->p95 - direct->p95, l->heard, l->sent);
}

/* CPU-seconds per second of audio the sites actually got: a mcu that
 * cannot keep up delivers less than a second of audio a second. */
static double
per_audio_second (const Load *load)
{
  return load->realtime > 0 ? load->mcu_cpu / MIN (1.0, load->realtime) : NAN;
}

static void
print_load_table (GArray *sizes, GArray *shared, GArray *own)
{
  guint big = sizes->len - 1;
  Load *sh, *pl;

  g_print ("whole mcu, one room, 2 of N sites talking (the rest send Opus DTX silence), "
           "all on 127.0.0.1, %ld cores\n",
           sysconf (_SC_NPROCESSORS_ONLN));
  g_print ("CPU-seconds of hoinghi-mcu per second of audio; %d s window after %d-%d s settling\n",
           WINDOW_S, SETTLE_S, SETTLE_MAX_S);
  g_print ("       %-37s %-37s\n", "|-------- shared encoders ---------|",
           "|-------- per-listener (Janus) ----|");
  g_print ("%6s %8s %6s %6s %4s %6s   %8s %6s %6s %4s %6s %6s   %-13s %s\n", "sites", "CPU/s",
           "cores", "mixer", "enc", "r-t", "CPU/s", "cores", "mixer", "enc", "r-t", "ratio",
           "clients", "others");
  for (guint s = 0; s < sizes->len; s++)
    {
      sh = &g_array_index (shared, Load, s);
      pl = &g_array_index (own, Load, s);
      g_print ("%6u %8.4f %6.3f %6.3f %4u %6.3f   %8.4f %6.3f %6.3f %4u %6.3f %5.1fx   %.2f / %.2f "
               "  %.2f / %.2f\n",
               g_array_index (sizes, guint, s), per_audio_second (sh), sh->mcu_cpu, sh->mixer_cpu,
               sh->encoders, sh->realtime, per_audio_second (pl), pl->mcu_cpu, pl->mixer_cpu,
               pl->encoders, pl->realtime, per_audio_second (pl) / per_audio_second (sh),
               sh->client_cpu, pl->client_cpu, sh->other_cpu, pl->other_cpu);
    }
  g_print ("  CPU/s = cores / real-time (r-t: RTP packets the sites received / 50 a site a "
           "second); mixer = the mixer's one streaming thread;\n  enc = hoinghi_audio_encoders; "
           "clients = this process's cores, others = the rest of the machine's (shared / "
           "per-listener)\n");
  sh = &g_array_index (shared, Load, big);
  pl = &g_array_index (own, Load, big);
  g_print ("  targets at %u sites: real time %s (%.3f); mcu under one core %s (%.3f); "
           ">= 3x less CPU than per-listener %s (%.1fx)\n",
           g_array_index (sizes, guint, big), sh->realtime >= 0.99 ? "met" : "MISSED", sh->realtime,
           sh->mcu_cpu < 1 ? "met" : "MISSED", sh->mcu_cpu,
           per_audio_second (pl) >= 3 * per_audio_second (sh) ? "met" : "MISSED",
           per_audio_second (pl) / per_audio_second (sh));
}

static void
print_latency_block (guint loaded_sites, const Latency *direct, const Latency *idle,
                     const Latency *loaded, const Latency *short_jitter)
{
  g_autofree char *loaded_label
      = g_strdup_printf ("through the mcu, room of %u (shared encoders)", loaded_sites);
  g_autofree char *short_label
      = g_strdup_printf ("through the mcu, room of 2, jitter-buffer-ms=%d", SHORT_JITTER_MS);
  double per_ms = (idle->p50 - short_jitter->p50) / (JITTER_MS - SHORT_JITTER_MS);

  g_print ("mouth-to-ear latency of a click from site A to site B, ms (when B would play it: "
           "arrival of the decoded buffer + the click's place in it)\n");
  g_print ("  %-44s %7s %7s %7s %7s %7s\n", "", "p50", "p95", "+p50", "+p95", "clicks");
  print_latency ("direct A->B webrtcbin link (baseline)", direct, direct);
  print_latency ("through the mcu, room of 2", idle, direct);
  print_latency (loaded_label, loaded, direct);
  print_latency (short_label, short_jitter, direct);
  g_print ("  +p50/+p95: added by the mcu.  Target <= 80 ms added at p50: %s\n",
           idle->p50 - direct->p50 <= 80 && loaded->p50 - direct->p50 <= 80 ? "met" : "MISSED");
  g_print ("  the mcu's jitter buffer (jitter-buffer-ms, default %d) contributes %.1f ms at p50 "
           "(%.2f ms per ms, against the room of 2 at jitter-buffer-ms=%d);\n",
           JITTER_MS, per_ms * JITTER_MS, per_ms, SHORT_JITTER_MS);
  g_print ("  by design the mixer waits its inputs' latency (the jitter buffer, %d ms) + one "
           "20 ms frame + 10 ms slack = %d ms,\n  and re-encoding adds Opus's 6.5 ms "
           "look-ahead: %.1f ms in all.  A frame goes out early when every site happened to\n"
           "  send (a DTX update), hence the low clicks in the series on stderr\n",
           JITTER_MS, JITTER_MS + 20 + 10, JITTER_MS + 20 + 10 + 6.5);
}

static gboolean
parse_sizes (const char *text, GArray *sizes)
{
  g_auto (GStrv) list = g_strsplit (text != NULL ? text : "10,50,150", ",", -1);

  for (guint i = 0; list[i] != NULL; i++)
    {
      guint64 n;

      if (!g_ascii_string_to_unsigned (list[i], 10, 1, 198, &n, NULL))
        {
          g_printerr ("bench-mcu: --sizes: \"%s\" is not a room size from 1 to 198\n", list[i]);
          return FALSE;
        }
      g_array_append_val (sizes, n);
    }
  return sizes->len > 0;
}

int
main (int argc, char **argv)
{
  g_autofree char *sizes_text = NULL;
  gboolean no_latency = FALSE;
  GOptionEntry entries[] = {
    { "sizes", 0, 0, G_OPTION_ARG_STRING, &sizes_text, "Room sizes (default 10,50,150)", "N,..." },
    { "no-latency", 0, 0, G_OPTION_ARG_NONE, &no_latency, "Skip the latency measurements", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- the whole mcu under load");
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) sizes = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GArray) shared = g_array_new (FALSE, TRUE, sizeof (Load));
  g_autoptr (GArray) own = g_array_new (FALSE, TRUE, sizeof (Load));
  Latency direct = { NAN, NAN, 0, 0 }, idle = direct, short_jitter = direct, loaded = direct;
  guint big;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-mcu: %s\n", error->message);
      return 2;
    }
  if (!parse_sizes (sizes_text, sizes))
    return 2;
  big = sizes->len - 1;
  g_array_set_size (shared, sizes->len);
  g_array_set_size (own, sizes->len);

  for (guint s = 0; s < sizes->len; s++)
    {
      guint n = g_array_index (sizes, guint, s);

      if (!run_load (TRUE, n, &g_array_index (shared, Load, s),
                     s == big && !no_latency ? &loaded : NULL)
          || !run_load (FALSE, n, &g_array_index (own, Load, s), NULL))
        return 1;
    }
  if (!no_latency
      && (!latency_idle_room (JITTER_MS, &idle)
          || !latency_idle_room (SHORT_JITTER_MS, &short_jitter) || !latency_direct (&direct)))
    return 1;

  print_load_table (sizes, shared, own);
  if (!no_latency)
    print_latency_block (g_array_index (sizes, guint, big) + 2, &direct, &idle, &loaded,
                         &short_jitter);
  return 0;
}
