/* bench-support.h: what the mcu benchmarks share: CPU clocks, a main
 * context that waits, a real hoinghi-mcu to load, and WebRTC sites that
 * join it over /ws as a real site does (or link directly to each other). */
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "support/hn-test-mcu.h"

G_BEGIN_DECLS

/* ---- clocks and statistics ---- */

double bench_self_cpu_seconds (void);
double bench_process_cpu_seconds (GPid pid);
double bench_threads_cpu_seconds (GPid pid, const char *prefix);
double bench_machine_busy_seconds (void);
double bench_percentile (GArray *values, double p);

typedef gboolean (*BenchCondition) (gpointer data);
gboolean bench_wait_until (BenchCondition done, gpointer data, guint timeout_ms);

GstElement *bench_parse_bin (const char *description);
gboolean bench_parse_sizes (const char *text, const char *fallback, guint max, GArray *sizes);

/* ---- when things happened, and the latency from one series to another ---- */

typedef struct
{
  GMutex lock;
  GArray *times; /* gint64 µs, monotonic */
} BenchTimes;

void bench_times_init (BenchTimes *times);
void bench_times_clear (BenchTimes *times);
void bench_times_add (BenchTimes *times, gint64 time);
void bench_times_reset (BenchTimes *times);

typedef struct
{
  double p50, p95;
  guint sent, seen;
} BenchLatency;

void bench_latency_pair (BenchTimes *sent, BenchTimes *seen, gint64 max_us, const char *what,
                         BenchLatency *out);
void bench_latency_print (const char *label, const BenchLatency *latency,
                          const BenchLatency *direct);

/* ---- the benchmark's own pipeline ---- */

guint bench_watch_errors (GstElement *pipeline);
const char *bench_pad_media (GstPad *pad);
void bench_link_received (GstElement *pipeline, GstPad *pad, GstElement *sink);

/* ---- the mcu ---- */

typedef struct
{
  HnTestMcu *test;
  HnTestDaemon *daemon; /* its */
  char *token;          /* of the room "bench" */
} BenchMcu;

BenchMcu *bench_mcu_start (const char *config);
HnTestResponse *bench_mcu_call (BenchMcu *mcu, const char *method, const char *path,
                                const char *body);
double bench_mcu_metric (BenchMcu *mcu, const char *name);
void bench_mcu_print_log (BenchMcu *mcu);
void bench_mcu_report_warnings (BenchMcu *mcu, const char *what);
void bench_mcu_free (BenchMcu *mcu);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchMcu, bench_mcu_free)

/* ---- a site ---- */

typedef struct _BenchPeer BenchPeer;

/* What a benchmark's site does at each step; any may be NULL. */
typedef struct
{
  /* main context, the offer set: link what it sends, set directions */
  gboolean (*prepare_answer) (BenchPeer *peer);
  /* webrtcbin's thread: change the answer before it goes */
  void (*edit_answer) (BenchPeer *peer, GstSDPMessage *answer);
  /* a streaming thread: a received stream */
  void (*pad_added) (BenchPeer *peer, GstPad *pad);
  /* main context: any other message of the mcu ("joined", "layout", …) */
  void (*message) (BenchPeer *peer, const char *type, JsonObject *message);
} BenchPeerHooks;

struct _BenchPeer
{
  GstElement *webrtc;
  const BenchPeerHooks *hooks;
  gpointer data;            /* the benchmark's site */
  const gboolean *stopping; /* its owner's: nothing more reaches the main context */
  BenchPeer *direct;        /* a direct link: candidates go straight to it */
  SoupWebsocketConnection *ws;
  char *participant_id;          /* from "joined" */
  gint connected;                /* atomic: ICE connected */
  gint packets;                  /* atomic: RTP packets received on the streams it counts */
  gboolean ready_when_connected; /* else also when it receives */
  char *failure;
};

BenchPeer *bench_peer_new (GstBin *pipeline, guint jitter_ms, const BenchPeerHooks *hooks,
                           gpointer data, const gboolean *stopping);
void bench_peer_join (BenchPeer *peer, SoupSession *session, const char *ws_url, const char *room,
                      const char *token, const char *name, const char *tier);
void bench_peer_link_directly (BenchPeer *a, BenchPeer *b);
void bench_peer_fail (BenchPeer *peer, const char *why);
void bench_peer_hang_up (BenchPeer *peer);
void bench_peer_free (BenchPeer *peer);
void bench_peer_count (BenchPeer *peer, GstPad *pad);
gboolean bench_peers_ready (GPtrArray *sites, guint first, guint last,
                            BenchPeer *(*peer_of) (gpointer site), guint timeout_ms);

/* ---- the benchmark's sites: one pipeline ---- */

typedef struct
{
  GstElement *pipeline;
  GstElement *shared;   /* the tee named "shared": one stream many sites send */
  gint shared_buffers;  /* atomic: through it */
  SoupSession *session; /* NULL: sites linked directly, no mcu */
  char *ws_url, *token;
  GPtrArray *sites; /* the benchmark's */
  gboolean stopping;
  guint bus_watch;
} BenchHost;

BenchHost *bench_host_new (const char *description, const char *mcu_url, const char *token);
void bench_host_join (BenchHost *host, BenchPeer *peer, const char *name, const char *tier);
void bench_host_free (BenchHost *host, BenchPeer *(*peer_of) (gpointer site),
                      GDestroyNotify stop_site, GDestroyNotify free_site);

/* Sees the first bytes of each packet the site receives (SRTP keeps the
 * RTP header in the clear), on the socket's thread. */
typedef void (*BenchPacketCounter) (const guint8 *header, gsize size, gpointer data);
void bench_peer_go_light (BenchPeer *peer, BenchPacketCounter count, gpointer data);

G_END_DECLS
