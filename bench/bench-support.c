/* bench-support.c: what the mcu benchmarks share (see bench-support.h).
 *
 * A BenchPeer is one site: a webrtcbin in the benchmark's pipeline and
 * its own WebSocket doing join → the mcu's offer → answer → trickle ICE,
 * as hoinghi-endpoint does.  webrtcbin calls back on its threads; what the
 * site must act on is handed to the main context, and nothing is once
 * its owner is stopping.
 */
#define G_LOG_DOMAIN "bench"
#define GST_USE_UNSTABLE_API

#include "config.h"

#include <gst/webrtc/webrtc.h>
#include <math.h>
#include <nice/agent.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench-support.h"

/* ---- clocks and statistics ---- */

double
bench_self_cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec
         + usage.ru_stime.tv_usec / 1e6;
}

/* utime + stime of a /proc stat file's text, in seconds */
static double
stat_cpu_seconds (const char *text)
{
  const char *after_name = strrchr (text, ')');
  g_auto (GStrv) fields = NULL;

  if (after_name == NULL)
    return 0;
  fields = g_strsplit (after_name + 2, " ", -1);
  /* utime and stime are fields 14 and 15 of stat, 12 and 13 after the name */
  if (g_strv_length (fields) < 13)
    return 0;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL))
         / sysconf (_SC_CLK_TCK);
}

/* CPU seconds a process has used (user + system, all its threads). */
double
bench_process_cpu_seconds (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *text = NULL;

  return g_file_get_contents (path, &text, NULL, NULL) ? stat_cpu_seconds (text) : 0;
}

/* CPU seconds of the threads of @pid whose name starts with @prefix. */
double
bench_threads_cpu_seconds (GPid pid, const char *prefix)
{
  g_autofree char *dir_path = g_strdup_printf ("/proc/%d/task", (int) pid);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *tid;
  double total = 0;

  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("%s/%s/stat", dir_path, tid);
      g_autofree char *text = NULL;
      const char *open_paren;

      if (g_file_get_contents (path, &text, NULL, NULL) && (open_paren = strchr (text, '(')) != NULL
          && strncmp (open_paren + 1, prefix, strlen (prefix)) == 0)
        total += stat_cpu_seconds (text);
    }
  return total;
}

/* CPU seconds the whole machine has been busy (all cores), from /proc/stat:
 * what is left after the mcu and the clients is someone else's load. */
double
bench_machine_busy_seconds (void)
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

/* @values sorted in place; NAN for none */
double
bench_percentile (GArray *values, double p)
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

/* Runs the main context until @done says so (or, with no @done, for
 * @timeout_ms); the sites' signalling lives there. */
gboolean
bench_wait_until (BenchCondition done, gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint ticker = g_timeout_add (20, tick, NULL);
  gboolean ok = FALSE;

  while (!(ok = done != NULL && done (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (ticker);
  return ok;
}

/* Returns: (transfer floating): a bin with ghost pads, or aborts */
GstElement *
bench_parse_bin (const char *description)
{
  g_autoptr (GError) error = NULL;
  GstElement *bin = gst_parse_bin_from_description (description, TRUE, &error);

  if (bin == NULL)
    g_error ("cannot make \"%s\": %s", description, error->message);
  return bin;
}

/* @text: "N,M,…" room sizes from 1 to @max (or @fallback's); appended to
 * @sizes.  Returns: FALSE, said on stderr, for anything else */
gboolean
bench_parse_sizes (const char *text, const char *fallback, guint max, GArray *sizes)
{
  g_auto (GStrv) list = g_strsplit (text != NULL ? text : fallback, ",", -1);

  for (guint i = 0; list[i] != NULL; i++)
    {
      guint64 n;

      if (!g_ascii_string_to_unsigned (list[i], 10, 1, max, &n, NULL))
        {
          g_printerr ("%s: --sizes: \"%s\" is not a room size from 1 to %u\n", g_get_prgname (),
                      list[i], max);
          return FALSE;
        }
      g_array_append_val (sizes, n);
    }
  return sizes->len > 0;
}

/* ---- when things happened ---- */

void
bench_times_init (BenchTimes *times)
{
  g_mutex_init (&times->lock);
  times->times = g_array_new (FALSE, FALSE, sizeof (gint64));
}

void
bench_times_clear (BenchTimes *times)
{
  g_clear_pointer (&times->times, g_array_unref);
  g_mutex_clear (&times->lock);
}

/* any thread */
void
bench_times_add (BenchTimes *times, gint64 time)
{
  g_mutex_lock (&times->lock);
  g_array_append_val (times->times, time);
  g_mutex_unlock (&times->lock);
}

void
bench_times_reset (BenchTimes *times)
{
  g_mutex_lock (&times->lock);
  g_array_set_size (times->times, 0);
  g_mutex_unlock (&times->lock);
}

/**
 * bench_latency_pair:
 * @sent: when each event (a click, a flash) was made
 * @seen: when each was heard or seen
 * @max_us: longer than this is no pair
 * @what: "click", "flash": for the series printed on stderr
 *
 * Pairs each event seen with the last one sent before it.
 */
void
bench_latency_pair (BenchTimes *sent, BenchTimes *seen, gint64 max_us, const char *what,
                    BenchLatency *out)
{
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GString) series = g_string_new (NULL);
  guint j = 0;

  g_mutex_lock (&sent->lock);
  g_mutex_lock (&seen->lock);
  for (guint i = 0; i < seen->times->len; i++)
    {
      gint64 at = g_array_index (seen->times, gint64, i);
      double ms;

      while (j + 1 < sent->times->len && g_array_index (sent->times, gint64, j + 1) <= at)
        j++;
      if (sent->times->len == 0 || g_array_index (sent->times, gint64, j) > at)
        continue;
      ms = (at - g_array_index (sent->times, gint64, j)) / 1000.0;
      if (ms < max_us / 1000.0)
        {
          g_array_append_val (samples, ms);
          g_string_append_printf (series, " %.0f", ms);
        }
    }
  out->sent = sent->times->len;
  g_mutex_unlock (&seen->lock);
  g_mutex_unlock (&sent->lock);
  g_printerr ("%s: %s latencies in order, ms:%s\n", g_get_prgname (), what, series->str);
  out->seen = samples->len;
  out->p50 = bench_percentile (samples, 0.5);
  out->p95 = bench_percentile (samples, 0.95);
}

/* One row: p50, p95, what the mcu adds to @direct's, how many were seen. */
void
bench_latency_print (const char *label, const BenchLatency *latency, const BenchLatency *direct)
{
  g_print ("  %-44s %7.1f %7.1f %7.1f %7.1f %5u/%u\n", label, latency->p50, latency->p95,
           latency->p50 - direct->p50, latency->p95 - direct->p95, latency->seen, latency->sent);
}

/* ---- the benchmark's own pipeline ---- */

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) error = NULL;

      gst_message_parse_error (message, &error, NULL);
      g_printerr ("%s: %s: %s\n", g_get_prgname (), GST_MESSAGE_SRC_NAME (message), error->message);
    }
  return G_SOURCE_CONTINUE;
}

/* Says the pipeline's errors on stderr.  Returns: the bus watch */
guint
bench_watch_errors (GstElement *pipeline)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);

  return gst_bus_add_watch (bus, on_bus_message, NULL);
}

/* "audio", "video" or "" for a received stream's pad */
const char *
bench_pad_media (GstPad *pad)
{
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  const char *media;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (gst_caps_is_empty (caps))
    return "";
  media = gst_structure_get_string (gst_caps_get_structure (caps, 0), "media");
  return g_strcmp0 (media, "audio") == 0 ? "audio" : g_strcmp0 (media, "video") == 0 ? "video" : "";
}

/* Puts @sink (floating) in @pipeline and links a received stream to it. */
void
bench_link_received (GstElement *pipeline, GstPad *pad, GstElement *sink)
{
  g_autoptr (GstPad) sink_pad = NULL;

  gst_bin_add (GST_BIN (pipeline), sink);
  /* PLAYING explicitly, before linking (see MEDIA-NOTES) */
  gst_element_set_state (sink, GST_STATE_PLAYING);
  sink_pad = gst_element_get_static_pad (sink, "sink");
  if (gst_pad_link (pad, sink_pad) != GST_PAD_LINK_OK)
    g_warning ("cannot link a received stream");
}

/* ---- the mcu ---- */

void
bench_mcu_free (BenchMcu *mcu)
{
  hn_test_mcu_free (mcu->test);
  g_free (mcu->token);
  g_free (mcu);
}

HnTestResponse *
bench_mcu_call (BenchMcu *mcu, const char *method, const char *path, const char *body)
{
  return hn_test_mcu_call (mcu->test, method, path, HN_TEST_MCU_KEY, body);
}

/**
 * bench_mcu_start:
 * @config: lines of the `[mcu]` group beyond loopback ICE and the room
 *   limits
 *
 * Returns: a fresh mcu with one room "bench" of up to 200 sites
 */
BenchMcu *
bench_mcu_start (const char *config)
{
  BenchMcu *mcu = g_new0 (BenchMcu, 1);
  g_autofree char *settings = g_strdup_printf (
      "ice-addresses=127.0.0.1\nmax-participants=200\nmax-messages-per-second=1000\n%s", config);

  mcu->test = hn_test_mcu_start (settings);
  mcu->daemon = mcu->test->daemon;
  mcu->token = hn_test_mcu_create_room (
      mcu->test, "{\"id\":\"bench\",\"name\":\"Đo tải\",\"max_participants\":200}");
  return mcu;
}

/* A value of /metrics, -1 if it is not there. */
double
bench_mcu_metric (BenchMcu *mcu, const char *name)
{
  g_autoptr (HnTestResponse) r = bench_mcu_call (mcu, "GET", "/metrics", NULL);
  g_auto (GStrv) lines = g_strsplit (r->body, "\n", -1);
  gsize len = strlen (name);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], name) && lines[i][len] == ' ')
      return g_ascii_strtod (lines[i] + len + 1, NULL);
  return -1;
}

void
bench_mcu_print_log (BenchMcu *mcu)
{
  g_autofree char *log = hn_test_daemon_get_log (mcu->daemon);
  gsize len = strlen (log);

  g_printerr ("%s: the mcu's log ends with:\n%s\n", g_get_prgname (),
              log + (len > 3000 ? len - 3000 : 0));
}

/* Warnings the mcu logged, if any: a bench that runs into one says so. */
void
bench_mcu_report_warnings (BenchMcu *mcu, const char *what)
{
  g_autofree char *log = hn_test_daemon_get_log (mcu->daemon);
  g_auto (GStrv) lines = g_strsplit (log, "\n", -1);
  guint shown = 0, count = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], "WARNING") != NULL || strstr (lines[i], "CRITICAL") != NULL
        || strstr (lines[i], "ERROR") != NULL || strstr (lines[i], "media error") != NULL)
      {
        if (shown++ < 5)
          g_printerr ("%s: the mcu (%s) logged: %s\n", g_get_prgname (), what, lines[i]);
        count++;
      }
  if (count > 5)
    g_printerr ("%s: ... and %u more such lines\n", g_get_prgname (), count - 5);
}

/* ---- a site ---- */

void
bench_peer_fail (BenchPeer *peer, const char *why)
{
  if (peer->failure == NULL && !*peer->stopping)
    peer->failure = g_strdup (why);
}

/* What webrtcbin's threads hand to the main context. */
typedef struct
{
  BenchPeer *peer;
  void (*func) (BenchPeer *peer, guint mline, const char *text);
  guint mline;
  char *text;
} PeerCall;

static gboolean
peer_call_run (gpointer data)
{
  PeerCall *call = data;

  if (!*call->peer->stopping)
    call->func (call->peer, call->mline, call->text);
  return G_SOURCE_REMOVE;
}

static void
peer_call_free (gpointer data)
{
  PeerCall *call = data;

  g_free (call->text);
  g_free (call);
}

static void
in_main (BenchPeer *peer, void (*func) (BenchPeer *, guint, const char *), guint mline,
         const char *text)
{
  PeerCall *call = g_new0 (PeerCall, 1);

  call->peer = peer;
  call->func = func;
  call->mline = mline;
  call->text = g_strdup (text);
  g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, peer_call_run, call, peer_call_free);
}

static void
fail_in_main (BenchPeer *peer, guint mline, const char *why)
{
  bench_peer_fail (peer, why);
}

static void
send_json (BenchPeer *peer, JsonBuilder *builder)
{
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = json_to_string (root, FALSE);

  if (peer->ws != NULL
      && soup_websocket_connection_get_state (peer->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (peer->ws, text);
}

/* {"type": @type, @member: @value (, "sdpMLineIndex": @mline)} */
static void
send_message (BenchPeer *peer, const char *type, const char *member, const char *value, gint mline)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  json_builder_set_member_name (b, member);
  json_builder_add_string_value (b, value);
  if (mline >= 0)
    {
      json_builder_set_member_name (b, "sdpMLineIndex");
      json_builder_add_int_value (b, mline);
    }
  json_builder_end_object (b);
  send_json (peer, b);
}

static void
send_candidate (BenchPeer *peer, guint mline, const char *candidate)
{
  send_message (peer, "candidate", "candidate", candidate, (gint) mline);
}

static void
send_answer (BenchPeer *peer, guint mline, const char *sdp)
{
  send_message (peer, "answer", "sdp", sdp, -1);
}

/* On webrtcbin's thread. */
static void
on_ice_candidate (GstElement *webrtc, guint mline, const char *candidate, gpointer user_data)
{
  BenchPeer *peer = user_data;

  if (peer->direct != NULL)
    g_signal_emit_by_name (peer->direct->webrtc, "add-ice-candidate", mline, candidate);
  else
    in_main (peer, send_candidate, mline, candidate);
}

static void
on_ice_state (GstElement *webrtc, GParamSpec *pspec, gpointer user_data)
{
  BenchPeer *peer = user_data;
  GstWebRTCICEConnectionState state;

  g_object_get (webrtc, "ice-connection-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED
      || state == GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED)
    g_atomic_int_set (&peer->connected, 1);
  else if (state == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED)
    in_main (peer, fail_in_main, 0, "ICE failed");
}

static void
on_pad_added (GstElement *webrtc, GstPad *pad, gpointer user_data)
{
  BenchPeer *peer = user_data;

  if (GST_PAD_DIRECTION (pad) == GST_PAD_SRC && peer->hooks->pad_added != NULL)
    peer->hooks->pad_added (peer, pad);
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

/**
 * bench_peer_new:
 * @pipeline: where its webrtcbin goes (playing)
 * @jitter_ms: its jitter buffer
 * @hooks: what the benchmark's site does
 * @data: the benchmark's site
 * @stopping: its owner's flag: once set, nothing reaches the main context
 *
 * Returns: a site, not yet in a room
 */
BenchPeer *
bench_peer_new (GstBin *pipeline, guint jitter_ms, const BenchPeerHooks *hooks, gpointer data,
                const gboolean *stopping)
{
  BenchPeer *peer = g_new0 (BenchPeer, 1);

  peer->hooks = hooks;
  peer->data = data;
  peer->stopping = stopping;
  peer->webrtc = gst_element_factory_make_full ("webrtcbin", "bundle-policy",
                                                GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency",
                                                jitter_ms, NULL);
  g_assert (peer->webrtc != NULL);
  restrict_to_loopback (peer->webrtc);
  g_signal_connect (peer->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), peer);
  g_signal_connect (peer->webrtc, "notify::ice-connection-state", G_CALLBACK (on_ice_state), peer);
  g_signal_connect (peer->webrtc, "pad-added", G_CALLBACK (on_pad_added), peer);
  gst_bin_add (pipeline, peer->webrtc);
  gst_element_set_state (peer->webrtc, GST_STATE_PLAYING);
  return peer;
}

/* Once its pipeline stopped (webrtcbin's threads joined). */
void
bench_peer_free (BenchPeer *peer)
{
  g_clear_object (&peer->ws);
  g_free (peer->participant_id);
  g_free (peer->failure);
  g_free (peer);
}

/* Closes its WebSocket (the mcu sees the site leave). */
void
bench_peer_hang_up (BenchPeer *peer)
{
  if (peer->ws == NULL)
    return;
  g_signal_handlers_disconnect_by_data (peer->ws, peer);
  if (soup_websocket_connection_get_state (peer->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (peer->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

/* On webrtcbin's thread. */
static void
on_answer_created (GstPromise *promise, gpointer user_data)
{
  BenchPeer *peer = user_data;
  const GstStructure *reply = gst_promise_get_reply (promise);
  GstWebRTCSessionDescription *answer = NULL;
  g_autofree char *text = NULL;

  if (reply != NULL)
    gst_structure_get (reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
  gst_promise_unref (promise);
  if (answer == NULL)
    {
      in_main (peer, fail_in_main, 0, "webrtcbin made no answer");
      return;
    }
  if (peer->hooks->edit_answer != NULL)
    peer->hooks->edit_answer (peer, answer->sdp);
  /* queued before the local description starts the candidates */
  text = gst_sdp_message_as_text (answer->sdp);
  in_main (peer, send_answer, 0, text);
  g_signal_emit_by_name (peer->webrtc, "set-local-description", answer, NULL);
  gst_webrtc_session_description_free (answer);
}

static void
answer_offer (BenchPeer *peer, guint mline, const char *unused)
{
  if (peer->hooks->prepare_answer != NULL && !peer->hooks->prepare_answer (peer))
    {
      bench_peer_fail (peer, "cannot link what the site sends");
      return;
    }
  g_signal_emit_by_name (peer->webrtc, "create-answer", NULL,
                         gst_promise_new_with_change_func (on_answer_created, peer, NULL));
}

/* On webrtcbin's thread. */
static void
on_offer_set (GstPromise *promise, gpointer user_data)
{
  BenchPeer *peer = user_data;
  const GstStructure *reply = gst_promise_get_reply (promise);

  if (reply != NULL && gst_structure_has_field (reply, "error"))
    in_main (peer, fail_in_main, 0, "the mcu's offer was refused");
  else
    in_main (peer, answer_offer, 0, NULL);
  gst_promise_unref (promise);
}

static void
take_offer (BenchPeer *peer, const char *text)
{
  GstSDPMessage *sdp = NULL;
  GstWebRTCSessionDescription *offer;

  if (gst_sdp_message_new_from_text (text, &sdp) != GST_SDP_OK)
    {
      bench_peer_fail (peer, "the offer is not SDP");
      return;
    }
  offer = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  g_signal_emit_by_name (peer->webrtc, "set-remote-description", offer,
                         gst_promise_new_with_change_func (on_offer_set, peer, NULL));
  gst_webrtc_session_description_free (offer);
}

static void
on_ws_message (SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer user_data)
{
  BenchPeer *peer = user_data;
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
    take_offer (peer, json_object_get_string_member_with_default (object, "sdp", ""));
  else if (g_str_equal (kind, "candidate"))
    {
      const char *candidate = json_object_get_string_member_with_default (object, "candidate", "");

      if (*candidate != '\0')
        g_signal_emit_by_name (
            peer->webrtc, "add-ice-candidate",
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
      bench_peer_fail (peer, why);
    }
  else
    {
      if (g_str_equal (kind, "joined") && peer->participant_id == NULL)
        peer->participant_id
            = g_strdup (json_object_get_string_member_with_default (object, "participant", ""));
      if (peer->hooks->message != NULL)
        peer->hooks->message (peer, kind, object);
    }
}

static void
on_ws_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  bench_peer_fail (user_data, "the mcu closed the WebSocket");
}

typedef struct
{
  BenchPeer *peer;
  char *room, *token, *name, *tier;
} Join;

static void
join_free (Join *join)
{
  g_free (join->room);
  g_free (join->token);
  g_free (join->name);
  g_free (join->tier);
  g_free (join);
}

static void
on_ws_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Join *join = user_data;
  BenchPeer *peer = join->peer;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();

  peer->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (peer->ws == NULL)
    {
      bench_peer_fail (peer, error->message);
      join_free (join);
      return;
    }
  g_signal_connect (peer->ws, "message", G_CALLBACK (on_ws_message), peer);
  g_signal_connect (peer->ws, "closed", G_CALLBACK (on_ws_closed), peer);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "join");
  json_builder_set_member_name (b, "room");
  json_builder_add_string_value (b, join->room);
  json_builder_set_member_name (b, "token");
  json_builder_add_string_value (b, join->token);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, join->name);
  if (join->tier != NULL)
    {
      json_builder_set_member_name (b, "tier");
      json_builder_add_string_value (b, join->tier);
    }
  json_builder_end_object (b);
  send_json (peer, b);
  join_free (join);
}

/**
 * bench_peer_join:
 * @tier: (nullable): the video tier it asks for
 *
 * Connects to the mcu's /ws and joins @room as @name; the mcu's offer
 * follows.
 */
void
bench_peer_join (BenchPeer *peer, SoupSession *session, const char *ws_url, const char *room,
                 const char *token, const char *name, const char *tier)
{
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", ws_url);
  Join *join = g_new0 (Join, 1);

  join->peer = peer;
  join->room = g_strdup (room);
  join->token = g_strdup (token);
  join->name = g_strdup (name);
  join->tier = g_strdup (tier);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_ws_connected, join);
}

static GstPadProbeReturn
count_packets (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  BenchPeer *peer = user_data;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    g_atomic_int_add (&peer->packets,
                      (gint) gst_buffer_list_length (GST_PAD_PROBE_INFO_BUFFER_LIST (info)));
  else
    g_atomic_int_inc (&peer->packets);
  return GST_PAD_PROBE_OK;
}

/* Counts the packets of a received stream in @peer->packets. */
void
bench_peer_count (BenchPeer *peer, GstPad *pad)
{
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, count_packets,
                     peer, NULL);
}

static gboolean
peer_ready (BenchPeer *peer)
{
  return g_atomic_int_get (&peer->connected)
         && (peer->ready_when_connected || g_atomic_int_get (&peer->packets) > 0);
}

typedef struct
{
  GPtrArray *sites;
  guint first, last;
  BenchPeer *(*peer_of) (gpointer site);
} Range;

/* Every site of the range ready, or one failed. */
static gboolean
range_settled (gpointer data)
{
  Range *range = data;
  gboolean all = TRUE;

  for (guint i = range->first; i < range->last; i++)
    {
      BenchPeer *peer = range->peer_of (range->sites->pdata[i]);

      if (peer->failure != NULL)
        return TRUE;
      all = all && peer_ready (peer);
    }
  return all;
}

/**
 * bench_peers_ready:
 * @sites: the benchmark's sites
 * @peer_of: a site's peer
 *
 * Waits until the sites from @first to @last are connected and receive
 * (or only connected, if they say so).
 *
 * Returns: whether they are; what went wrong is said on stderr
 */
gboolean
bench_peers_ready (GPtrArray *sites, guint first, guint last, BenchPeer *(*peer_of) (gpointer site),
                   guint timeout_ms)
{
  Range range = { sites, first, last, peer_of };
  gboolean settled = bench_wait_until (range_settled, &range, timeout_ms);

  for (guint i = first; i < last; i++)
    {
      BenchPeer *peer = peer_of (sites->pdata[i]);

      if (peer->failure != NULL)
        {
          g_printerr ("%s: site %u could not join: %s\n", g_get_prgname (), i, peer->failure);
          return FALSE;
        }
      if (!settled && !peer_ready (peer))
        {
          g_printerr ("%s: site %u: %s, %d packets\n", g_get_prgname (), i,
                      g_atomic_int_get (&peer->connected) ? "ICE connected" : "no ICE",
                      g_atomic_int_get (&peer->packets));
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- a direct link, without the mcu ---- */

static void
on_direct_answer (GstPromise *promise, gpointer user_data)
{
  BenchPeer *b = user_data;
  const GstStructure *reply = gst_promise_get_reply (promise);
  GstWebRTCSessionDescription *answer = NULL;

  gst_structure_get (reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
  gst_promise_unref (promise);
  g_assert (answer != NULL);
  g_signal_emit_by_name (b->webrtc, "set-local-description", answer, NULL);
  g_signal_emit_by_name (b->direct->webrtc, "set-remote-description", answer, NULL);
  gst_webrtc_session_description_free (answer);
}

static void
on_direct_offer (GstPromise *promise, gpointer user_data)
{
  BenchPeer *a = user_data;
  const GstStructure *reply = gst_promise_get_reply (promise);
  GstWebRTCSessionDescription *offer = NULL;

  gst_structure_get (reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
  gst_promise_unref (promise);
  g_assert (offer != NULL);
  g_signal_emit_by_name (a->webrtc, "set-local-description", offer, NULL);
  /* B's operations run in order: the answer follows the offer */
  g_signal_emit_by_name (a->direct->webrtc, "set-remote-description", offer, NULL);
  g_signal_emit_by_name (a->direct->webrtc, "create-answer", NULL,
                         gst_promise_new_with_change_func (on_direct_answer, a->direct, NULL));
  gst_webrtc_session_description_free (offer);
}

/* @a (its sender linked already) offers to @b, in this process. */
void
bench_peer_link_directly (BenchPeer *a, BenchPeer *b)
{
  a->direct = b;
  b->direct = a;
  g_signal_emit_by_name (a->webrtc, "create-offer", NULL,
                         gst_promise_new_with_change_func (on_direct_offer, a, NULL));
}

/* ---- the benchmark's sites: one pipeline ---- */

static GstPadProbeReturn
count_shared (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  g_atomic_int_inc (&((BenchHost *) user_data)->shared_buffers);
  return GST_PAD_PROBE_OK;
}

/**
 * bench_host_new:
 * @description: the pipeline, with the tee "shared" of the stream many
 *   sites send
 * @mcu_url: (nullable): the mcu the sites join (room "bench"), or %NULL
 *   for sites linked directly
 * @token: (nullable): the room's join token
 *
 * Returns: the pipeline, playing, with no site yet
 */
BenchHost *
bench_host_new (const char *description, const char *mcu_url, const char *token)
{
  BenchHost *host = g_new0 (BenchHost, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstPad) shared_sink = NULL;

  host->pipeline = gst_object_ref_sink (gst_parse_launch (description, &error));
  g_assert_no_error (error);
  host->shared = gst_bin_get_by_name (GST_BIN (host->pipeline), "shared");
  g_assert (host->shared != NULL);
  shared_sink = gst_element_get_static_pad (host->shared, "sink");
  gst_pad_add_probe (shared_sink, GST_PAD_PROBE_TYPE_BUFFER, count_shared, host, NULL);
  host->bus_watch = bench_watch_errors (host->pipeline);
  gst_element_set_state (host->pipeline, GST_STATE_PLAYING);
  host->sites = g_ptr_array_new ();
  if (mcu_url != NULL)
    {
      host->ws_url = g_strdup_printf ("ws%s/ws", mcu_url + strlen ("http"));
      host->token = g_strdup (token);
      host->session = soup_session_new_with_options ("max-conns", 1000, "max-conns-per-host", 1000,
                                                     "timeout", 60, NULL);
    }
  return host;
}

/* @peer joins the room "bench" of the host's mcu as @name. */
void
bench_host_join (BenchHost *host, BenchPeer *peer, const char *name, const char *tier)
{
  bench_peer_join (peer, host->session, host->ws_url, "bench", host->token, name, tier);
}

/**
 * bench_host_free:
 * @stop_site: (nullable): stops what a site runs of its own (a thread)
 * @free_site: frees a site, once all media stopped
 *
 * Hangs every site up, stops all media (joining webrtcbin's threads), then
 * lets what they left for the main context run and find the host
 * stopping.
 */
void
bench_host_free (BenchHost *host, BenchPeer *(*peer_of) (gpointer site), GDestroyNotify stop_site,
                 GDestroyNotify free_site)
{
  host->stopping = TRUE;
  g_source_remove (host->bus_watch);
  for (guint i = 0; i < host->sites->len; i++)
    {
      if (stop_site != NULL)
        stop_site (host->sites->pdata[i]);
      bench_peer_hang_up (peer_of (host->sites->pdata[i]));
    }
  gst_element_set_state (host->pipeline, GST_STATE_NULL);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  for (guint i = 0; i < host->sites->len; i++)
    free_site (host->sites->pdata[i]);
  g_ptr_array_unref (host->sites);
  gst_object_unref (host->shared);
  gst_object_unref (host->pipeline);
  g_clear_object (&host->session);
  g_free (host->ws_url);
  g_free (host->token);
  g_free (host);
}

/* ---- light sites ---- */

typedef struct
{
  BenchPacketCounter count;
  gpointer data;
} Light;

static gboolean
count_in_list (GstBuffer **buffer, guint index, gpointer user_data)
{
  Light *light = user_data;
  guint8 header[12];
  gsize size = gst_buffer_extract (*buffer, 0, header, sizeof header);

  light->count (header, size, light->data);
  return TRUE;
}

static GstPadProbeReturn
count_and_drop (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info), count_in_list, user_data);
  else
    {
      GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

      count_in_list (&buffer, 0, user_data);
    }
  return GST_PAD_PROBE_DROP;
}

/**
 * bench_peer_go_light:
 * @count: sees each packet
 *
 * Once a site works (ICE, DTLS, RTP through its jitter buffer), what it
 * receives is counted and dropped as it comes off the socket: SRTP
 * decryption, the jitter buffer and their thread hops would otherwise
 * take the CPU the mcu needs on this machine.  The mcu does the same work
 * either way.
 */
void
bench_peer_go_light (BenchPeer *peer, BenchPacketCounter count, gpointer data)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (peer->webrtc));
  GValue item = G_VALUE_INIT;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *element = g_value_get_object (&item);
      GstElementFactory *factory = gst_element_get_factory (element);

      if (factory != NULL && g_str_equal (GST_OBJECT_NAME (factory), "nicesrc"))
        {
          g_autoptr (GstPad) src = gst_element_get_static_pad (element, "src");
          Light *light = g_new (Light, 1);

          light->count = count;
          light->data = data;
          gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                             count_and_drop, light, g_free);
        }
      g_value_reset (&item);
    }
  gst_iterator_free (it);
}
