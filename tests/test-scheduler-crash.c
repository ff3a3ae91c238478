/* test-scheduler-crash.c: acknowledged bookings survive kill -9.
 *
 * A client books meeting after meeting, each with its own Idempotency-Key,
 * retrying a request until it gets an answer; meanwhile the daemon is
 * killed with SIGKILL at random moments and restarted on the same data.
 * Afterwards every booking that was answered 201 is there, and none is
 * there twice. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

#include "support/hn-test.h"

#define KILLS 6

typedef struct
{
  HnTestDaemon *daemon;
  char *token;
  gint stop;
  GMutex lock;
  GHashTable *acknowledged; /* index -> meeting id */
  guint attempts;
} Booker;

static char *
booking (guint index)
{
  /* one hour each, two hours apart, in one room: no two ever conflict */
  g_autoptr (GDateTime) base = g_date_time_new_utc (2027, 1, 1, 0, 0, 0);
  g_autoptr (GDateTime) start = g_date_time_add_hours (base, 2 * index);
  g_autoptr (GDateTime) end = g_date_time_add_hours (start, 1);
  g_autofree char *s = g_date_time_format (start, "%Y-%m-%dT%H:%M:%S+00:00");
  g_autofree char *e = g_date_time_format (end, "%Y-%m-%dT%H:%M:%S+00:00");

  return g_strdup_printf ("{\"title\":\"Đặt lịch #%u\",\"category\":\"other\",\"chair_unit\":"
                          "\"248\",\"starts_at\":\"%s\",\"ends_at\":\"%s\",\"mode\":\"online\"}",
                          index, s, e);
}

static gpointer
book_continuously (gpointer data)
{
  Booker *booker = data;
  g_autofree char *url
      = g_strconcat (hn_test_daemon_get_url (booker->daemon), "/api/v1/meetings", NULL);
  g_autofree char *auth = g_strconcat ("Bearer ", booker->token, NULL);

  for (guint index = 0; !g_atomic_int_get (&booker->stop); index++)
    {
      g_autofree char *body = booking (index);
      g_autofree char *key = g_strdup_printf ("crash-%u", index);
      const char *headers[] = { "Authorization", auth, "Idempotency-Key", key, NULL };

      /* the same request, with the same key, until the service answers */
      for (;;)
        {
          g_autoptr (HnTestResponse) r
              = hn_test_request ("POST", url, headers, "application/json", body, -1);
          g_autoptr (JsonParser) parser = NULL;

          g_mutex_lock (&booker->lock);
          booker->attempts++;
          g_mutex_unlock (&booker->lock);
          if (r->status == 201)
            {
              gint64 id = 0;

              /* the id is checked when the answer arrived whole; a 201 is
               * an acknowledgement either way */
              parser = json_parser_new ();
              if (json_parser_load_from_data (parser, r->body, r->length, NULL)
                  && json_parser_get_root (parser) != NULL
                  && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
                id = json_object_get_int_member (
                    json_node_get_object (json_parser_get_root (parser)), "id");
              else
                g_test_message (
                    "a 201 whose body did not parse (%zu bytes, Content-Length %s)", r->length,
                    r->headers != NULL ? soup_message_headers_get_one (r->headers, "Content-Length")
                                       : "?");
              g_mutex_lock (&booker->lock);
              g_hash_table_insert (booker->acknowledged, GUINT_TO_POINTER (index + 1),
                                   GSIZE_TO_POINTER (id));
              g_mutex_unlock (&booker->lock);
              break;
            }
          /* 0: the daemon is down; 503: busy while it starts */
          g_assert_true (r->status == 0 || r->status == 503);
          if (g_atomic_int_get (&booker->stop))
            return NULL;
          g_usleep (10 * 1000);
        }
    }
  return NULL;
}

static void
test_kill_nine (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HnTestDaemon) daemon
      = hn_test_daemon_start ("scheduler/hoinghi-scheduler", NULL, &error);
  g_autofree char *data = NULL;
  g_autofree char *list_url = NULL;
  g_autofree char *auth = NULL;
  g_autoptr (HnTestResponse) login = NULL;
  g_autoptr (HnTestResponse) list = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GRand) rand = g_rand_new ();
  Booker booker = { 0 };
  GThread *thread;
  JsonArray *items;
  GHashTableIter iter;
  gpointer key, value;

  g_assert_no_error (error);
  data = g_strdup_printf ("--data-dir=%s", hn_test_daemon_get_data_dir (daemon));
  {
    const char *argv[] = { "scheduler/hoinghi-scheduler",
                           data,
                           "--add-user",
                           "thuky",
                           "--role",
                           "secretary",
                           "--unit",
                           "248",
                           NULL };

    g_assert_cmpint (hn_test_run_with_input (argv, NULL, "mat-khau-123\n", NULL, NULL), ==, 0);
  }
  {
    g_autofree char *url = g_strconcat (hn_test_daemon_get_url (daemon), "/api/v1/login", NULL);

    login = hn_test_request ("POST", url, NULL, "application/json",
                             "{\"login\":\"thuky\",\"password\":\"mat-khau-123\"}", -1);
  }
  g_assert_cmpuint (login->status, ==, 200);
  g_assert_true (json_parser_load_from_data (parser, login->body, -1, NULL));
  booker.daemon = daemon;
  booker.token = g_strdup (json_object_get_string_member (
      json_node_get_object (json_parser_get_root (parser)), "token"));
  booker.acknowledged = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_mutex_init (&booker.lock);
  thread = g_thread_new ("booker", book_continuously, &booker);

  for (int i = 0; i < KILLS; i++)
    {
      g_usleep (g_rand_int_range (rand, 100, 600) * 1000);
      g_assert_cmpint (hn_test_daemon_stop (daemon, SIGKILL, 10000), ==, 128 + SIGKILL);
      g_assert_true (hn_test_daemon_restart (daemon, &error));
      g_assert_no_error (error);
    }
  g_usleep (200 * 1000);
  g_atomic_int_set (&booker.stop, 1);
  g_thread_join (thread);
  g_test_message ("%u bookings acknowledged in %u attempts across %d kills",
                  g_hash_table_size (booker.acknowledged), booker.attempts, KILLS);
  g_assert_cmpuint (g_hash_table_size (booker.acknowledged), >, 0);

  auth = g_strconcat ("Bearer ", booker.token, NULL);
  /* every meeting, page by page; none twice */
  for (guint offset = 0;; offset += 1000)
    {
      const char *headers[] = { "Authorization", auth, NULL };

      g_free (list_url);
      list_url = g_strdup_printf ("%s/api/v1/meetings?limit=1000&offset=%u",
                                  hn_test_daemon_get_url (daemon), offset);
      g_clear_pointer (&list, hn_test_response_free);
      list = hn_test_request ("GET", list_url, headers, NULL, NULL, 0);
      g_assert_cmpuint (list->status, ==, 200);
      g_assert_true (json_parser_load_from_data (parser, list->body, -1, NULL));
      items = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                            "items");
      if (json_array_get_length (items) == 0)
        break;
      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          JsonObject *m = json_array_get_object_element (items, i);

          g_assert_true (
              g_hash_table_insert (seen, g_strdup (json_object_get_string_member (m, "title")),
                                   GSIZE_TO_POINTER (json_object_get_int_member (m, "id"))));
        }
    }
  /* every acknowledged one, with the id it was acknowledged with */
  g_hash_table_iter_init (&iter, booker.acknowledged);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autofree char *title = g_strdup_printf ("Đặt lịch #%u", GPOINTER_TO_UINT (key) - 1);

      g_assert_true (g_hash_table_contains (seen, title));
      if (GPOINTER_TO_SIZE (value) != 0)
        g_assert_cmpint (GPOINTER_TO_SIZE (g_hash_table_lookup (seen, title)), ==,
                         GPOINTER_TO_SIZE (value));
    }
  g_hash_table_unref (booker.acknowledged);
  g_mutex_clear (&booker.lock);
  g_free (booker.token);
  g_assert_cmpint (hn_test_daemon_stop (daemon, SIGTERM, 10000), ==, 0);
}

int
main (int argc, char **argv)
{
  hn_test_init (&argc, &argv);
  g_test_add_func ("/scheduler-crash/kill-nine", test_kill_nine);
  return g_test_run ();
}
