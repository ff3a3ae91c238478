/* bench-http.c: what the shared HTTP layer costs per request.
 *
 * The same JSON echo is served twice in one run: by a bare SoupServer
 * handler (the baseline: libsoup + json-glib only) and through HnServer
 * (body limit, JSON checks, depth scan, access log, error mapping).  A
 * client in another thread sends N requests to each, keeping its
 * connection alive where the server allows: the bare server does,
 * HnServer closes after each answer (see hn-server.c), so its figure
 * includes a TCP handshake per request.
 */
#define G_LOG_DOMAIN "bench-http"

#include "config.h"

#include "libhoinghi/hn-http.h"
#include "libhoinghi/hn-server.h"

#define REQUESTS 5000
#define BODY "{\"title\":\"Giao ban tuần\",\"participants\":[\"243\",\"244\",\"246\",\"247\"]}"

typedef struct
{
  GMainContext *context;
  GMainLoop *loop;
  GMutex lock;
  GCond ready;
  char *url;
  gboolean use_hn;
  HnServer *hn;
  SoupServer *bare;
} Server;

static void
bare_echo (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
           gpointer user_data)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autofree char *text = NULL;
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  if (!json_parser_load_from_data (parser, data, length, NULL))
    {
      soup_server_message_set_status (msg, 400, NULL);
      return;
    }
  text = json_to_string (json_parser_get_root (parser), FALSE);
  length = strlen (text);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&text), length);
}

static void
hn_echo (HnServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
         gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = hn_http_read_json (msg, &error);

  if (node == NULL)
    hn_http_respond_error (msg, error);
  else
    hn_http_respond_json (msg, 200, node);
}

static gpointer
server_thread (gpointer data)
{
  Server *s = data;
  g_autoptr (GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (s->context);
  if (s->use_hn)
    {
      s->hn = hn_server_new ("bench", 1024 * 1024);
      hn_server_add_handler (s->hn, "/echo", hn_echo, NULL, NULL);
      hn_server_listen (s->hn, "127.0.0.1", 0, &error);
      g_assert_no_error (error);
      s->url = g_strdup_printf ("%s/echo", hn_server_get_url (s->hn));
    }
  else
    {
      s->bare = soup_server_new (NULL, NULL);
      soup_server_add_handler (s->bare, "/echo", bare_echo, NULL, NULL);
      soup_server_listen_local (s->bare, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
      g_assert_no_error (error);
      uris = soup_server_get_uris (s->bare);
      s->url = g_strdup_printf ("http://127.0.0.1:%d/echo", g_uri_get_port (uris->data));
      g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
    }
  g_mutex_lock (&s->lock);
  g_cond_signal (&s->ready);
  g_mutex_unlock (&s->lock);
  g_main_loop_run (s->loop);
  g_clear_object (&s->hn);
  g_clear_object (&s->bare);
  g_main_context_pop_thread_default (s->context);
  return NULL;
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static gboolean
quit (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

/* Returns requests per second; fills p50 and p99 in microseconds. */
static double
measure (gboolean use_hn, double *p50, double *p99)
{
  Server s = { 0 };
  g_autoptr (SoupSession) session = hn_http_session_new (30);
  g_autoptr (GBytes) body = g_bytes_new_static (BODY, strlen (BODY));
  g_autofree double *latencies = g_new (double, REQUESTS);
  GThread *thread;
  gint64 start;
  double elapsed;

  s.use_hn = use_hn;
  s.context = g_main_context_new ();
  s.loop = g_main_loop_new (s.context, FALSE);
  g_mutex_init (&s.lock);
  g_cond_init (&s.ready);
  g_mutex_lock (&s.lock);
  thread = g_thread_new ("server", server_thread, &s);
  while (s.url == NULL)
    g_cond_wait (&s.ready, &s.lock);
  g_mutex_unlock (&s.lock);

  start = g_get_monotonic_time ();
  for (int i = 0; i < REQUESTS; i++)
    {
      g_autoptr (SoupMessage) msg = soup_message_new ("POST", s.url);
      g_autoptr (GBytes) answer = NULL;
      gint64 t0 = g_get_monotonic_time ();

      soup_message_set_request_body_from_bytes (msg, "application/json", body);
      answer = soup_session_send_and_read (session, msg, NULL, NULL);
      g_assert (soup_message_get_status (msg) == 200);
      latencies[i] = (double) (g_get_monotonic_time () - t0);
    }
  elapsed = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

  g_main_context_invoke (s.context, quit, s.loop);
  g_thread_join (thread);
  g_main_loop_unref (s.loop);
  g_main_context_unref (s.context);
  g_free (s.url);

  qsort (latencies, REQUESTS, sizeof (double), compare_doubles);
  *p50 = latencies[REQUESTS / 2];
  *p99 = latencies[REQUESTS * 99 / 100];
  return REQUESTS / elapsed;
}

int
main (int argc, char **argv)
{
  double bare_p50, bare_p99, hn_p50, hn_p99;
  double bare_rate, hn_rate;

  /* warm-up run, so neither side pays for first-use costs */
  measure (FALSE, &bare_p50, &bare_p99);
  bare_rate = measure (FALSE, &bare_p50, &bare_p99);
  hn_rate = measure (TRUE, &hn_p50, &hn_p99);

  g_print ("JSON echo over HTTP/1.1 on loopback, %d requests each, one client\n", REQUESTS);
  g_print ("  %-28s %10s %10s %10s\n", "server", "req/s", "p50 us", "p99 us");
  g_print ("  %-28s %10.0f %10.0f %10.0f\n", "bare SoupServer (baseline)", bare_rate, bare_p50,
           bare_p99);
  g_print ("  %-28s %10.0f %10.0f %10.0f\n", "HnServer", hn_rate, hn_p50, hn_p99);
  g_print ("  HnServer / baseline throughput: %.2f\n", hn_rate / bare_rate);
  return 0;
}
