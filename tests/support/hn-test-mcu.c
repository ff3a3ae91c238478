/* hn-test-mcu.c: an mcu for a test and the calls every mcu test makes. */
#include "config.h"

#include <signal.h>

#include "hn-test-mcu.h"

/**
 * hn_test_mcu_start:
 * @mcu_settings: (nullable): lines of the [mcu] group, e.g.
 *   "join-timeout=2\n"
 *
 * Starts hoinghi-mcu on a free port with %HN_TEST_MCU_KEY; asserts that it
 * came up.
 *
 * Returns: (transfer full): the running mcu
 */
HnTestMcu *
hn_test_mcu_start (const char *mcu_settings)
{
  HnTestMcu *mcu = g_new0 (HnTestMcu, 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *key_file = NULL, *config_file = NULL, *config = NULL;
  g_autofree char *key_arg = NULL, *config_arg = NULL;

  mcu->dir = hn_test_make_tmpdir ("mcu-test");
  key_file = g_build_filename (mcu->dir, "key", NULL);
  config_file = g_build_filename (mcu->dir, "mcu.conf", NULL);
  config = g_strconcat ("[mcu]\n", mcu_settings != NULL ? mcu_settings : "", NULL);
  g_assert_true (g_file_set_contents (key_file, HN_TEST_MCU_KEY "\n", -1, NULL));
  g_assert_true (g_file_set_contents (config_file, config, -1, NULL));
  key_arg = g_strdup_printf ("--api-key-file=%s", key_file);
  config_arg = g_strdup_printf ("--config=%s", config_file);
  {
    const char *args[] = { key_arg, config_arg, NULL };

    mcu->daemon = hn_test_daemon_start ("mcu/hoinghi-mcu", args, &error);
  }
  g_assert_no_error (error);
  return mcu;
}

/**
 * hn_test_mcu_free:
 * @mcu: a test mcu
 *
 * Stops it with SIGTERM, asserting a clean exit (0), unless the test
 * stopped it already; removes its files.
 */
void
hn_test_mcu_free (HnTestMcu *mcu)
{
  g_assert_cmpint (hn_test_daemon_stop (mcu->daemon, SIGTERM, 10000), ==, 0);
  hn_test_daemon_free (mcu->daemon);
  hn_test_remove_tree (mcu->dir);
  g_free (mcu->dir);
  g_free (mcu);
}

/**
 * hn_test_mcu_call:
 * @mcu: a test mcu
 * @method: e.g. "POST"
 * @path: e.g. "/api/v1/rooms"
 * @key: (nullable): the bearer key to send, or %NULL for none
 * @body: (nullable): a JSON body
 *
 * Returns: (transfer full): the response
 */
HnTestResponse *
hn_test_mcu_call (HnTestMcu *mcu, const char *method, const char *path, const char *key,
                  const char *body)
{
  g_autofree char *url = g_strconcat (hn_test_daemon_get_url (mcu->daemon), path, NULL);
  g_autofree char *auth = key != NULL ? g_strconcat ("Bearer ", key, NULL) : NULL;
  const char *headers[] = { "Authorization", auth, NULL };
  HnTestResponse *response = hn_test_request (method, url, auth != NULL ? headers : NULL,
                                              body != NULL ? "application/json" : NULL, body, -1);

  /* no answer at all: the mcu died; what it said last is the clue */
  if (response->status == 0)
    {
      g_autofree char *log = hn_test_daemon_get_log (mcu->daemon);

      g_test_message ("the mcu did not answer; its log: %s", log);
    }
  return response;
}

/**
 * hn_test_mcu_create_room:
 * @mcu: a test mcu
 * @body: the room, e.g. {"id":"r1","name":"Giao ban"}
 *
 * Asserts 201.
 *
 * Returns: (transfer full): the room's join token
 */
char *
hn_test_mcu_create_room (HnTestMcu *mcu, const char *body)
{
  g_autoptr (HnTestResponse) created
      = hn_test_mcu_call (mcu, "POST", "/api/v1/rooms", HN_TEST_MCU_KEY, body);
  g_autoptr (JsonObject) room = NULL;

  g_assert_cmpuint (created->status, ==, 201);
  room = hn_test_json_object (created->body);
  g_assert_nonnull (room);
  return g_strdup (json_object_get_string_member (room, "join_token"));
}

/**
 * hn_test_mcu_ws_url:
 * @mcu: a test mcu
 * @path: e.g. "/ws"
 *
 * Returns: (transfer full): ws://127.0.0.1:PORT@path
 */
char *
hn_test_mcu_ws_url (HnTestMcu *mcu, const char *path)
{
  return g_strdup_printf ("ws://127.0.0.1:%u%s", hn_test_daemon_get_port (mcu->daemon), path);
}

/**
 * hn_test_json_object:
 * @text: JSON text
 *
 * Returns: (transfer full) (nullable): the object, or %NULL when @text is
 *   not one
 */
JsonObject *
hn_test_json_object (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (text == NULL || !json_parser_load_from_data (parser, text, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  return root != NULL && JSON_NODE_HOLDS_OBJECT (root)
             ? json_object_ref (json_node_get_object (root))
             : NULL;
}

/**
 * hn_test_mcu_endpoint:
 * @mcu: a test mcu with a room "r1"
 * @token: the room's join token
 * @name: the site's name
 * @tone: the test tone it sends, or 0 for silence
 * @seconds: how long it listens from its first audio
 * @expect: (nullable): the tones it must hear, e.g. "440,660"
 * @absent: (nullable): the tones it must not hear
 *
 * Starts hoinghi-endpoint --check as a site of room "r1" sending a tone (or silence).
 *
 * Returns: (transfer full): the running endpoint
 */
HnTestProcess *
hn_test_mcu_endpoint (HnTestMcu *mcu, const char *token, const char *name, guint tone,
                      guint seconds, const char *expect, const char *absent)
{
  g_autoptr (GPtrArray) extra = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (extra, g_strdup_printf ("--duration=%u", seconds));
  g_ptr_array_add (extra,
                   tone != 0 ? g_strdup_printf ("--test-tone=%u", tone) : g_strdup ("--silent"));
  if (expect != NULL)
    g_ptr_array_add (extra, g_strdup_printf ("--expect-tones=%s", expect));
  if (absent != NULL)
    g_ptr_array_add (extra, g_strdup_printf ("--expect-absent=%s", absent));
  g_ptr_array_add (extra, NULL);
  return hn_test_mcu_endpoint_with (mcu, token, name, (const char *const *) extra->pdata);
}

/**
 * hn_test_mcu_endpoint_with:
 * @mcu: a test mcu with a room "r1"
 * @token: the room's join token
 * @name: the site's name
 * @extra: (array zero-terminated=1): its other options (--duration, --test-color, …)
 *
 * Starts hoinghi-endpoint --check as a site of room "r1".
 *
 * Returns: (transfer full): the running endpoint
 */
HnTestProcess *
hn_test_mcu_endpoint_with (HnTestMcu *mcu, const char *token, const char *name,
                           const char *const *extra)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  HnTestProcess *process;

  g_ptr_array_add (args, g_strdup ("endpoints/hoinghi-endpoint"));
  g_ptr_array_add (args, g_strdup_printf ("--mcu=%s", hn_test_daemon_get_url (mcu->daemon)));
  g_ptr_array_add (args, g_strdup ("--room=r1"));
  g_ptr_array_add (args, g_strdup_printf ("--token=%s", token));
  g_ptr_array_add (args, g_strdup_printf ("--name=%s", name));
  g_ptr_array_add (args, g_strdup ("--unit=26"));
  g_ptr_array_add (args, g_strdup ("--check"));
  for (guint i = 0; extra[i] != NULL; i++)
    g_ptr_array_add (args, g_strdup (extra[i]));
  g_ptr_array_add (args, NULL);
  process = hn_test_process_start ((const char *const *) args->pdata, &error);
  g_assert_no_error (error);
  return process;
}

/**
 * hn_test_endpoint_report:
 * @mcu: the mcu it was in
 * @endpoint: an endpoint started with hn_test_mcu_endpoint()
 * @status: (out): its exit code (0: what it expected held)
 *
 * Waits for it to end and logs its report (and, when it failed, its log
 * and the mcu's: the clue is often on the mcu's side).
 *
 * Returns: (transfer full): its JSON report
 */
JsonObject *
hn_test_endpoint_report (HnTestMcu *mcu, HnTestProcess *endpoint, int *status)
{
  g_autofree char *last = NULL;
  JsonObject *report;

  g_assert_true (hn_test_process_wait (endpoint, 90000));
  *status = hn_test_process_get_status (endpoint);
  /* the final report is the last line (hn_test_endpoint_wait_for() asks
   * for others before it) */
  for (char *line; (line = hn_test_process_read_line (endpoint, 0)) != NULL;)
    {
      g_free (last);
      last = line;
    }
  g_test_message ("endpoint said: %s", last != NULL ? last : "");
  if (*status != 0)
    {
      g_autofree char *mcu_log = hn_test_daemon_get_log (mcu->daemon);

      g_test_message ("endpoint's log: %s", hn_test_process_get_stderr (endpoint));
      g_test_message ("the mcu's log: %s", mcu_log);
    }
  g_assert_nonnull (last);
  report = hn_test_json_object (last);
  g_assert_nonnull (report);
  return report;
}

/**
 * hn_test_report_any:
 * @report: a site's report
 * @data: unused
 *
 * A #HnTestReportCheck that any report passes: the site's report now.
 *
 * Returns: %TRUE
 */
gboolean
hn_test_report_any (JsonObject *report, gconstpointer data)
{
  return TRUE;
}

/**
 * hn_test_endpoint_wait_for:
 * @endpoint: an endpoint started with hn_test_mcu_endpoint() that is in
 *   the room (its report signal handled)
 * @check: what its report must show
 * @data: for @check
 * @timeout_ms: how long that may take
 *
 * Asks the endpoint for its report so far (SIGUSR1) until @check holds:
 * a test waits for what a site sees instead of sleeping for it.
 *
 * Returns: (transfer full) (nullable): the report that showed it, or NULL
 *   (the last report logged) when it did not come in time
 */
JsonObject *
hn_test_endpoint_wait_for (HnTestProcess *endpoint, HnTestReportCheck check, gconstpointer data,
                           guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * (gint64) 1000;
  g_autofree char *last = NULL;

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *line = NULL;
      g_autoptr (JsonObject) report = NULL;

      hn_test_process_kill (endpoint, SIGUSR1);
      line = hn_test_process_read_line (endpoint, 2000);
      if (line == NULL)
        continue;
      report = hn_test_json_object (line);
      g_assert_nonnull (report);
      if (check (report, data))
        return g_steal_pointer (&report);
      g_free (last);
      last = g_steal_pointer (&line);
      g_usleep (200 * 1000);
    }
  g_test_message ("what the endpoint saw last: %s", last != NULL ? last : "(no report)");
  return NULL;
}

/* Polls room r1 until a site named @name is in it (with its picture, if
 * @picture): its id, or NULL after @timeout_ms. */
static char *
poll_for_site (HnTestMcu *mcu, const char *name, gboolean picture, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * (gint64) 1000;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr (HnTestResponse) r
          = hn_test_mcu_call (mcu, "GET", "/api/v1/rooms/r1", HN_TEST_MCU_KEY, NULL);
      g_autoptr (JsonObject) room = hn_test_json_object (r->body);
      JsonArray *sites = json_object_get_array_member (room, "participants");

      for (guint i = 0; i < json_array_get_length (sites); i++)
        {
          JsonObject *site = json_array_get_object_element (sites, i);

          if (g_str_equal (json_object_get_string_member (site, "name"), name)
              && (!picture || json_object_get_boolean_member (site, "picture")))
            return g_strdup (json_object_get_string_member (site, "id"));
        }
      g_usleep (100000);
    }
  return NULL;
}

/**
 * hn_test_mcu_wait_for_site:
 * @mcu: a test mcu with a room "r1"
 * @name: a site's name
 * @timeout_ms: how long it may take to join
 *
 * Polls the control API until a site of that name is in the room; fails
 * the test if none comes in time.
 *
 * Returns: (transfer full): the site's id
 */
char *
hn_test_mcu_wait_for_site (HnTestMcu *mcu, const char *name, guint timeout_ms)
{
  char *id = poll_for_site (mcu, name, FALSE, timeout_ms);

  g_assert_nonnull (id);
  return id;
}

/**
 * hn_test_mcu_wait_for_picture:
 * @mcu: a test mcu with a room "r1"
 * @name: a site's name
 * @timeout_ms: how long its picture may take to reach the mcu
 *
 * Polls the control API until the site is in the room with its picture
 * (the mcu decodes its video); says what the mcu saw if it does not come.
 *
 * Returns: whether it came in time
 */
gboolean
hn_test_mcu_wait_for_picture (HnTestMcu *mcu, const char *name, guint timeout_ms)
{
  g_autofree char *id = poll_for_site (mcu, name, TRUE, timeout_ms);

  if (id == NULL)
    {
      g_autoptr (HnTestResponse) room
          = hn_test_mcu_call (mcu, "GET", "/api/v1/rooms/r1", HN_TEST_MCU_KEY, NULL);
      g_autofree char *log = hn_test_daemon_get_log (mcu->daemon);

      g_test_message ("no picture of %s; the room: %s", name, room->body);
      g_test_message ("the mcu's log: %s", log);
    }
  return id != NULL;
}
