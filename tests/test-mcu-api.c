/* test-mcu-api.c: the mcu's control API, event stream and metrics on a
 * real hoinghi-mcu: the API key, rooms with their join tokens, locks,
 * events over a WebSocket, hostile input. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

#include "libhoinghi/hn-http.h"
#include "support/hn-test-mcu.h"
#include "support/hn-test.h"

#define KEY HN_TEST_MCU_KEY

typedef struct
{
  HnTestMcu *mcu;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->mcu = hn_test_mcu_start (NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  hn_test_mcu_free (f->mcu);
}

static HnTestResponse *
call (Fixture *f, const char *method, const char *path, const char *key, const char *body)
{
  return hn_test_mcu_call (f->mcu, method, path, key, body);
}

static void
test_key_required (Fixture *f, gconstpointer data)
{
  const char *paths[] = { "/api/v1/rooms", "/api/v1/rooms/x", "/metrics" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr (HnTestResponse) none = call (f, "GET", paths[i], NULL, NULL);
      g_autoptr (HnTestResponse) wrong = call (f, "GET", paths[i], "wrong-key-0123456789", NULL);

      g_assert_cmpuint (none->status, ==, 401);
      g_assert_cmpuint (wrong->status, ==, 401);
    }
}

static void
test_rooms (Fixture *f, gconstpointer data)
{
  g_autoptr (HnTestResponse) created
      = call (f, "POST", "/api/v1/rooms", KEY,
              "{\"id\":\"giao-ban\",\"name\":\"Giao ban tỉnh\",\"max_participants\":20}");
  g_autoptr (HnTestResponse) other
      = call (f, "POST", "/api/v1/rooms", KEY, "{\"id\":\"hop-2\",\"name\":\"Họp 2\"}");
  g_autoptr (HnTestResponse) again
      = call (f, "POST", "/api/v1/rooms", KEY, "{\"id\":\"giao-ban\",\"name\":\"Lần nữa\"}");
  g_autoptr (HnTestResponse) list = call (f, "GET", "/api/v1/rooms", KEY, NULL);
  g_autoptr (HnTestResponse) one = call (f, "GET", "/api/v1/rooms/giao-ban", KEY, NULL);
  g_autoptr (HnTestResponse) lock
      = call (f, "POST", "/api/v1/rooms/giao-ban/lock", KEY, "{\"locked\":true}");
  g_autoptr (HnTestResponse) metrics = call (f, "GET", "/metrics", KEY, NULL);
  g_autoptr (HnTestResponse) gone = NULL;
  g_autoptr (HnTestResponse) after = NULL;
  g_autoptr (JsonObject) room = hn_test_json_object (created->body);
  g_autoptr (JsonObject) second = hn_test_json_object (other->body);
  g_autoptr (JsonObject) rooms = hn_test_json_object (list->body);
  g_autoptr (JsonObject) shown = hn_test_json_object (one->body);
  g_autoptr (JsonObject) locked = hn_test_json_object (lock->body);

  g_assert_cmpuint (created->status, ==, 201);
  g_assert_cmpstr (soup_message_headers_get_one (created->headers, "Location"), ==,
                   "/api/v1/rooms/giao-ban");
  g_assert_cmpstr (json_object_get_string_member (room, "name"), ==, "Giao ban tỉnh");
  g_assert_cmpint (json_object_get_int_member (room, "max_participants"), ==, 20);
  g_assert_cmpuint (strlen (json_object_get_string_member (room, "join_token")), >=, 32);
  /* each room its own token */
  g_assert_cmpstr (json_object_get_string_member (room, "join_token"), !=,
                   json_object_get_string_member (second, "join_token"));
  g_assert_cmpuint (again->status, ==, 409);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (rooms, "items")), ==, 2);
  /* the token is shown to its creator only */
  g_assert_false (json_object_has_member (shown, "join_token"));
  g_assert_true (json_object_get_boolean_member (locked, "locked"));
  g_assert_nonnull (strstr (metrics->body, "\nhoinghi_rooms 2\n"));
  g_assert_nonnull (strstr (metrics->body, "hoinghi_audio_encoders"));
  g_assert_nonnull (strstr (metrics->body, "\nhoinghi_audio_packets_dropped_total 0\n"));

  gone = call (f, "DELETE", "/api/v1/rooms/giao-ban", KEY, NULL);
  g_assert_cmpuint (gone->status, ==, 204);
  after = call (f, "GET", "/api/v1/rooms/giao-ban", KEY, NULL);
  g_assert_cmpuint (after->status, ==, 404);
}

static void
test_hostile (Fixture *f, gconstpointer data)
{
  struct
  {
    const char *method, *path, *body;
    guint status;
  } cases[] = {
    { "POST", "/api/v1/rooms", "{\"id\":", 400 },
    { "POST", "/api/v1/rooms", "[]", 400 },
    { "POST", "/api/v1/rooms", "{\"id\":\"a b\",\"name\":\"x\"}", 400 },
    { "POST", "/api/v1/rooms", "{\"id\":\"a\",\"name\":\"\"}", 400 },
    { "POST", "/api/v1/rooms", "{\"id\":\"a\"}", 400 },
    { "POST", "/api/v1/rooms", "{\"id\":\"a\",\"name\":\"x\",\"colour\":1}", 400 },
    { "POST", "/api/v1/rooms", "{\"id\":\"a\",\"name\":\"x\",\"max_participants\":0}", 400 },
    { "POST", "/api/v1/rooms", "{\"id\":\"a\",\"name\":\"x\",\"max_participants\":99999999}", 400 },
    { "POST", "/api/v1/rooms/none/lock", "{\"locked\":true}", 404 },
    { "POST", "/api/v1/rooms/none/lock", "{\"locked\":\"yes\"}", 400 },
    { "DELETE", "/api/v1/rooms/none", NULL, 404 },
    { "GET", "/api/v1/rooms/a/b/c", NULL, 404 },
    { "PUT", "/api/v1/rooms", "{}", 405 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (HnTestResponse) r = call (f, cases[i].method, cases[i].path, KEY, cases[i].body);
      g_autoptr (JsonObject) answer = hn_test_json_object (r->body);

      g_test_message ("%s %s %s → %u", cases[i].method, cases[i].path,
                      cases[i].body != NULL ? cases[i].body : "", r->status);
      g_assert_cmpuint (r->status, ==, cases[i].status);
      g_assert_true (json_object_has_member (answer, "error"));
    }
  {
    g_autoptr (HnTestResponse) list = call (f, "GET", "/api/v1/rooms", KEY, NULL);
    g_autoptr (JsonObject) rooms = hn_test_json_object (list->body);

    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (rooms, "items")), ==, 0);
  }
}

/* A room's layout: set, refused when wrong (and unchanged), kept over a
 * restart. */
static void
test_layout (Fixture *f, gconstpointer data)
{
  g_autoptr (HnTestResponse) created
      = call (f, "POST", "/api/v1/rooms", KEY, "{\"id\":\"r1\",\"name\":\"Giao ban\"}");
  g_autoptr (HnTestResponse) set
      = call (f, "PUT", "/api/v1/rooms/r1/layout", KEY, "{\"layout\":\"1+7\",\"lecture\":true}");
  g_autoptr (JsonObject) room = hn_test_json_object (set->body);
  JsonObject *layout;
  struct
  {
    const char *method, *path, *body;
    guint status;
  } bad[] = {
    { "PUT", "/api/v1/rooms/r1/layout", "{\"layout\":\"5x5\"}", 400 },
    { "PUT", "/api/v1/rooms/r1/layout", "{\"layout\":7}", 400 },
    { "PUT", "/api/v1/rooms/r1/layout", "{}", 400 },
    { "PUT", "/api/v1/rooms/r1/layout", "[\"2x2\"]", 400 },
    { "PUT", "/api/v1/rooms/r1/layout", "{\"layout\":\"2x2\",\"lecture\":\"yes\"}", 400 },
    { "PUT", "/api/v1/rooms/r1/layout", "{\"layout\":\"2x2\",\"pinned\":5}", 400 },
    { "PUT", "/api/v1/rooms/r1/layout", "{\"layout\":\"2x2\",\"zoom\":1}", 400 },
    { "PUT", "/api/v1/rooms/r1/layout", "{\"layout\":\"2x2\",\"pinned\":\"p-absent\"}", 404 },
    { "PUT", "/api/v1/rooms/none/layout", "{\"layout\":\"2x2\"}", 404 },
    { "POST", "/api/v1/rooms/r1/layout", "{\"layout\":\"2x2\"}", 405 },
  };

  g_assert_cmpuint (created->status, ==, 201);
  g_assert_cmpuint (set->status, ==, 200);
  layout = json_object_get_object_member (room, "layout");
  g_assert_cmpstr (json_object_get_string_member (layout, "layout"), ==, "1+7");
  g_assert_true (json_object_get_boolean_member (layout, "lecture"));
  g_assert_true (json_object_get_null_member (layout, "pinned"));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (HnTestResponse) r = call (f, bad[i].method, bad[i].path, KEY, bad[i].body);

      g_test_message ("%s %s %s → %u", bad[i].method, bad[i].path, bad[i].body, r->status);
      g_assert_cmpuint (r->status, ==, bad[i].status);
    }
  /* killed: acknowledged means written */
  hn_test_daemon_stop (f->mcu->daemon, SIGKILL, 10000);
  g_assert_true (hn_test_daemon_restart (f->mcu->daemon, NULL));
  {
    g_autoptr (HnTestResponse) r = call (f, "GET", "/api/v1/rooms/r1", KEY, NULL);
    g_autoptr (JsonObject) kept = hn_test_json_object (r->body);

    layout = json_object_get_object_member (kept, "layout");
    g_assert_cmpstr (json_object_get_string_member (layout, "layout"), ==, "1+7");
    g_assert_true (json_object_get_boolean_member (layout, "lecture"));
  }
}

typedef struct
{
  GMainLoop *loop;
  SoupWebsocketConnection *ws;
  GPtrArray *events;
  GError *error;
} Listener;

static void
on_message (SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer user_data)
{
  Listener *listener = user_data;
  g_autoptr (JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (message, NULL),
                                             g_bytes_get_size (message), NULL));
  g_ptr_array_add (listener->events,
                   g_strdup (json_object_get_string_member (
                       json_node_get_object (json_parser_get_root (parser)), "type")));
  if (listener->events->len == 3)
    g_main_loop_quit (listener->loop);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Listener *listener = user_data;

  listener->ws
      = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &listener->error);
  g_main_loop_quit (listener->loop);
}

static gboolean
give_up (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_events (Fixture *f, gconstpointer data)
{
  g_autoptr (SoupSession) session = hn_http_session_new (30);
  g_autofree char *url = g_strdup_printf ("ws://127.0.0.1:%u/api/v1/events",
                                          hn_test_daemon_get_port (f->mcu->daemon));
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr (SoupMessage) refused_msg = soup_message_new ("GET", url);
  Listener listener
      = { g_main_loop_new (NULL, FALSE), NULL, g_ptr_array_new_with_free_func (g_free), NULL };
  Listener refused = { listener.loop, NULL, NULL, NULL };
  guint timeout;

  /* no key, no stream */
  soup_session_websocket_connect_async (session, refused_msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_connected, &refused);
  g_main_loop_run (listener.loop);
  g_assert_null (refused.ws);
  g_assert_nonnull (refused.error);
  g_clear_error (&refused.error);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                "Bearer " KEY);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_connected, &listener);
  g_main_loop_run (listener.loop);
  g_assert_no_error (listener.error);
  g_assert_nonnull (listener.ws);
  g_signal_connect (listener.ws, "message", G_CALLBACK (on_message), &listener);

  {
    g_autoptr (HnTestResponse) a
        = call (f, "POST", "/api/v1/rooms", KEY, "{\"id\":\"su-kien\",\"name\":\"Sự kiện\"}");
    g_autoptr (HnTestResponse) b
        = call (f, "POST", "/api/v1/rooms/su-kien/lock", KEY, "{\"locked\":true}");
    g_autoptr (HnTestResponse) c = call (f, "DELETE", "/api/v1/rooms/su-kien", KEY, NULL);

    g_assert_cmpuint (a->status, ==, 201);
    g_assert_cmpuint (b->status, ==, 200);
    g_assert_cmpuint (c->status, ==, 204);
  }
  timeout = g_timeout_add_seconds (20, give_up, listener.loop);
  g_main_loop_run (listener.loop);
  g_source_remove (timeout);
  g_assert_cmpuint (listener.events->len, ==, 3);
  g_assert_cmpstr (listener.events->pdata[0], ==, "room-created");
  g_assert_cmpstr (listener.events->pdata[1], ==, "room-locked");
  g_assert_cmpstr (listener.events->pdata[2], ==, "room-closed");

  soup_websocket_connection_close (listener.ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&listener.ws);
  g_ptr_array_unref (listener.events);
  g_main_loop_unref (listener.loop);
}

#define ADD(name, func)                                                                            \
  g_test_add ("/mcu-api/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int argc, char **argv)
{
  hn_test_init (&argc, &argv);
  ADD ("key-required", test_key_required);
  ADD ("rooms", test_rooms);
  ADD ("hostile", test_hostile);
  ADD ("events", test_events);
  ADD ("layout", test_layout);
  return g_test_run ();
}
