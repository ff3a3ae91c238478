/* test-http.c: HnServer and the JSON helpers over a real loopback server.
 *
 * The server runs in its own thread with its own main context, so the
 * test thread can use the blocking client.
 */
#include "config.h"

#include <string.h>

#include "libhoinghi/hn-http.h"
#include "libhoinghi/hn-server.h"
#include "support/hn-test.h"

#define LIMIT 4096

typedef struct
{
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  HnServer *server;
  char *url;
  GMutex lock;
  GCond ready;
} Fixture;

/* POST /echo: answers the JSON document it was sent. */
static void
handle_echo (HnServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
             gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    {
      hn_http_respond_method_not_allowed (msg, "POST");
      return;
    }
  node = hn_http_read_json (msg, &error);
  if (node == NULL)
    {
      hn_http_respond_error (msg, error);
      return;
    }
  hn_http_respond_json (msg, SOUP_STATUS_OK, node);
}

/* GET /whoami: answers the bearer token it was given. */
static void
handle_whoami (HnServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
               gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *token = NULL;
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_VALUE);

  if (!hn_http_get_bearer_token (msg, &token, &error))
    {
      hn_http_respond_error (msg, error);
      return;
    }
  json_node_set_string (node, token);
  hn_http_respond_json (msg, SOUP_STATUS_OK, node);
}

/* GET /fail: an error of a foreign domain must not leak its text. */
static void
handle_fail (HnServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
             gpointer user_data)
{
  g_autoptr (GError) error
      = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "secret internal detail");

  hn_http_respond_error (msg, error);
}

/* GET /forgetful: a handler that sets no status. */
static void
handle_forgetful (HnServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
                  gpointer user_data)
{
}

static gpointer
server_thread (gpointer data)
{
  Fixture *fixture = data;
  g_autoptr (GError) error = NULL;

  g_main_context_push_thread_default (fixture->context);
  fixture->server = hn_server_new ("test-http", LIMIT);
  hn_server_add_handler (fixture->server, "/echo", handle_echo, NULL, NULL);
  hn_server_add_handler (fixture->server, "/whoami", handle_whoami, NULL, NULL);
  hn_server_add_handler (fixture->server, "/fail", handle_fail, NULL, NULL);
  hn_server_add_handler (fixture->server, "/forgetful", handle_forgetful, NULL, NULL);
  hn_server_listen (fixture->server, "127.0.0.1", 0, &error);
  g_assert_no_error (error);

  g_mutex_lock (&fixture->lock);
  fixture->url = hn_server_get_url (fixture->server);
  g_cond_signal (&fixture->ready);
  g_mutex_unlock (&fixture->lock);

  g_main_loop_run (fixture->loop);
  g_clear_object (&fixture->server);
  g_main_context_pop_thread_default (fixture->context);
  return NULL;
}

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  g_mutex_init (&fixture->lock);
  g_cond_init (&fixture->ready);
  fixture->context = g_main_context_new ();
  fixture->loop = g_main_loop_new (fixture->context, FALSE);
  g_mutex_lock (&fixture->lock);
  fixture->thread = g_thread_new ("server", server_thread, fixture);
  while (fixture->url == NULL)
    g_cond_wait (&fixture->ready, &fixture->lock);
  g_mutex_unlock (&fixture->lock);
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  g_main_context_invoke (fixture->context, quit_loop, fixture->loop);
  g_thread_join (fixture->thread);
  g_main_loop_unref (fixture->loop);
  g_main_context_unref (fixture->context);
  g_free (fixture->url);
  g_mutex_clear (&fixture->lock);
  g_cond_clear (&fixture->ready);
}

static char *
url (Fixture *fixture, const char *path)
{
  return g_strconcat (fixture->url, path, NULL);
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* Asserts an error body of the shape {"error":{"code":…,"message":…}}. */
static void
assert_error_body (const char *body, const char *code)
{
  g_autoptr (JsonObject) root = parse_object (body);
  JsonObject *error = json_object_get_object_member (root, "error");

  g_assert_nonnull (error);
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, code);
  g_assert_cmpstr (json_object_get_string_member (error, "message"), !=, "");
}

static void
test_healthz (Fixture *fixture, gconstpointer data)
{
  g_autofree char *u = url (fixture, "/healthz");
  g_autofree char *body = NULL;
  g_autoptr (JsonObject) root = NULL;

  g_assert_cmpuint (hn_test_http ("GET", u, NULL, NULL, NULL, 0, &body), ==, 200);
  root = parse_object (body);
  g_assert_cmpstr (json_object_get_string_member (root, "status"), ==, "ok");
  g_assert_cmpstr (json_object_get_string_member (root, "service"), ==, "test-http");
  g_assert_cmpstr (json_object_get_string_member (root, "version"), ==, PACKAGE_VERSION);
  g_clear_pointer (&body, g_free);
  g_assert_cmpuint (hn_test_http ("DELETE", u, NULL, NULL, NULL, 0, &body), ==, 405);
  assert_error_body (body, "method-not-allowed");
}

static void
test_unknown_path (Fixture *fixture, gconstpointer data)
{
  g_autofree char *u = url (fixture, "/no/such/thing");
  g_autofree char *body = NULL;

  g_assert_cmpuint (hn_test_http ("GET", u, NULL, NULL, NULL, 0, &body), ==, 404);
  assert_error_body (body, "not-found");
}

static void
test_echo (Fixture *fixture, gconstpointer data)
{
  g_autofree char *u = url (fixture, "/echo");
  g_autofree char *body = NULL;
  g_autoptr (JsonObject) root = NULL;
  const char *sent = "{\"title\":\"Giao ban tuần\",\"units\":[\"243\",\"248\"]}";

  g_assert_cmpuint (hn_test_http ("POST", u, NULL, "application/json", sent, -1, &body), ==, 200);
  root = parse_object (body);
  g_assert_cmpstr (json_object_get_string_member (root, "title"), ==, "Giao ban tuần");
  g_clear_pointer (&body, g_free);
  /* a charset parameter is fine */
  g_assert_cmpuint (
      hn_test_http ("POST", u, NULL, "application/json; charset=utf-8", sent, -1, &body), ==, 200);
}

static void
test_bad_bodies (Fixture *fixture, gconstpointer data)
{
  g_autofree char *u = url (fixture, "/echo");
  g_autofree char *deep = NULL;
  g_autofree char *deep_in_string = NULL;
  g_autoptr (GString) nested = g_string_new (NULL);
  struct
  {
    const char *content_type;
    const char *body;
    gssize length;
    guint status;
    const char *code;
  } cases[] = {
    { "application/json", "{\"a\":", -1, 400, "invalid-json" },
    { "application/json", "", 0, 400, "invalid-json" },
    { "application/json", "   ", -1, 400, "invalid-json" },
    { "application/json", "{\"a\":\"\xff\xfe\"}", -1, 400, "invalid-json" },
    { "application/json", "{\"a\":1}garbage", -1, 400, "invalid-json" },
    { "application/json", "{\"a\":\"\0\"}", 9, 400, "invalid-json" },
    { "text/plain", "{}", -1, 415, "unsupported-media-type" },
    { "application/x-www-form-urlencoded", "a=1", -1, 415, "unsupported-media-type" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *body = NULL;

      g_test_message ("case %u", i);
      g_assert_cmpuint (hn_test_http ("POST", u, NULL, cases[i].content_type, cases[i].body,
                                      cases[i].length, &body),
                        ==, cases[i].status);
      assert_error_body (body, cases[i].code);
    }

  /* 65 levels of nesting: refused before the recursive parser sees it */
  for (int i = 0; i < 65; i++)
    g_string_append_c (nested, '[');
  for (int i = 0; i < 65; i++)
    g_string_append_c (nested, ']');
  deep = g_string_free (g_steal_pointer (&nested), FALSE);
  {
    g_autofree char *body = NULL;

    g_assert_cmpuint (hn_test_http ("POST", u, NULL, "application/json", deep, -1, &body), ==, 400);
    assert_error_body (body, "invalid-json");
  }
  /* brackets inside a string are not nesting */
  deep_in_string = g_strdup_printf ("{\"s\":\"%s\\\"[[\"}", deep);
  {
    g_autofree char *body = NULL;

    g_assert_cmpuint (hn_test_http ("POST", u, NULL, "application/json", deep_in_string, -1, &body),
                      ==, 200);
  }
}

static void
test_body_limit (Fixture *fixture, gconstpointer data)
{
  g_autofree char *u = url (fixture, "/echo");
  g_autofree char *big = g_malloc (LIMIT * 64);
  g_autofree char *at_limit = NULL;

  /* Content-Length over the limit: 413 before the handler runs */
  memset (big, ' ', LIMIT * 64);
  big[0] = '[';
  big[LIMIT * 64 - 1] = ']';
  {
    g_autofree char *body = NULL;

    g_assert_cmpuint (hn_test_http ("POST", u, NULL, "application/json", big, LIMIT * 64, &body),
                      ==, 413);
    assert_error_body (body, "payload-too-large");
  }
  /* exactly the limit is accepted */
  at_limit = g_malloc (LIMIT + 1);
  memset (at_limit, ' ', LIMIT);
  at_limit[0] = '[';
  at_limit[LIMIT - 1] = ']';
  at_limit[LIMIT] = '\0';
  {
    g_autofree char *body = NULL;

    g_assert_cmpuint (hn_test_http ("POST", u, NULL, "application/json", at_limit, LIMIT, &body),
                      ==, 200);
  }
  /* the server still serves afterwards */
  {
    g_autofree char *health = url (fixture, "/healthz");

    g_assert_cmpuint (hn_test_http ("GET", health, NULL, NULL, NULL, 0, NULL), ==, 200);
  }
}

/* A chunked body has no Content-Length; the limit holds all the same. */
static void
test_body_limit_chunked (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) request = g_string_new (NULL);
  g_autoptr (GUri) uri = g_uri_parse (fixture->url, G_URI_FLAGS_NONE, NULL);
  char answer[256] = { 0 };
  gsize got = 0;
  GOutputStream *out;
  GInputStream *in;

  g_socket_client_set_enable_proxy (client, FALSE);
  connection
      = g_socket_client_connect_to_host (client, "127.0.0.1", g_uri_get_port (uri), NULL, &error);
  g_assert_no_error (error);
  g_string_append (request, "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            "Content-Type: application/json\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n");
  for (int i = 0; i < 32; i++)
    {
      g_string_append_printf (request, "%x\r\n", 1024);
      for (int j = 0; j < 1024; j++)
        g_string_append_c (request, ' ');
      g_string_append (request, "\r\n");
    }
  g_string_append (request, "0\r\n\r\n");
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  g_output_stream_write_all (out, request->str, request->len, NULL, NULL, &error);
  g_assert_no_error (error);
  g_input_stream_read_all (in, answer, sizeof answer - 1, &got, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 413"));
}

static void
test_bearer (Fixture *fixture, gconstpointer data)
{
  g_autofree char *u = url (fixture, "/whoami");
  struct
  {
    const char *header;
    guint status;
  } cases[] = {
    { NULL, 401 },
    { "Basic dXNlcjpwYXNz", 401 },
    { "Bearer", 401 },
    { "Bearer ", 401 },
    { "Bearer abc def", 401 },
    { "Bearer abc\"def", 401 },
    { "Bearer abc-DEF_123.x~y+z/w==", 200 },
    { "bearer   lower-case-scheme  ", 200 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *body = NULL;
      const char *headers[] = { "Authorization", cases[i].header, NULL };

      g_test_message ("Authorization: %s", cases[i].header);
      g_assert_cmpuint (
          hn_test_http ("GET", u, cases[i].header != NULL ? headers : NULL, NULL, NULL, 0, &body),
          ==, cases[i].status);
      if (cases[i].status == 401)
        assert_error_body (body, "unauthorized");
    }
  {
    g_autofree char *long_token = g_strnfill (600, 'a');
    g_autofree char *header = g_strconcat ("Bearer ", long_token, NULL);
    const char *headers[] = { "Authorization", header, NULL };

    g_assert_cmpuint (hn_test_http ("GET", u, headers, NULL, NULL, 0, NULL), ==, 401);
  }
}

static void
test_internal_errors (Fixture *fixture, gconstpointer data)
{
  g_autofree char *fail = url (fixture, "/fail");
  g_autofree char *forgetful = url (fixture, "/forgetful");
  g_autofree char *body = NULL;

  g_assert_cmpuint (hn_test_http ("GET", fail, NULL, NULL, NULL, 0, &body), ==, 500);
  assert_error_body (body, "internal");
  g_assert_null (strstr (body, "secret internal detail"));
  g_clear_pointer (&body, g_free);
  g_assert_cmpuint (hn_test_http ("GET", forgetful, NULL, NULL, NULL, 0, &body), ==, 500);
  assert_error_body (body, "internal");
}

static void
test_depth_scanner (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (hn_json_check_depth ("[[1]]", 5, 2, &error));
  g_assert_false (hn_json_check_depth ("[[[1]]]", 7, 2, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_JSON);
  g_clear_error (&error);
  g_assert_true (hn_json_check_depth ("[\"[[[[\\\"[[[\"]", 13, 1, &error));
  g_assert_true (hn_json_check_depth ("]]]][", 5, 1, &error));
}

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int argc, char **argv)
{
  hn_test_init (&argc, &argv);
  ADD ("/http/healthz", test_healthz);
  ADD ("/http/unknown-path", test_unknown_path);
  ADD ("/http/echo", test_echo);
  ADD ("/http/bad-bodies", test_bad_bodies);
  ADD ("/http/body-limit", test_body_limit);
  ADD ("/http/body-limit-chunked", test_body_limit_chunked);
  ADD ("/http/bearer", test_bearer);
  ADD ("/http/internal-errors", test_internal_errors);
  g_test_add_func ("/http/depth-scanner", test_depth_scanner);
  return g_test_run ();
}
