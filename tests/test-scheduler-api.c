/* test-scheduler-api.c: hoinghi-scheduler as a real process on a real
 * SQLite file: login, booking, conflicts (also under concurrency),
 * idempotency, If-Match, series, the role × endpoint matrix, hostile
 * input that must change nothing, the calendar feed, the OpenAPI file. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <libical/ical.h>
#include <signal.h>
#include <string.h>

#include "support/hn-test.h"

typedef struct
{
  HnTestDaemon *daemon;
  char *admin, *secretary, *district_secretary, *technician, *viewer;
} Fixture;

static const char *const english[] = { "LC_ALL=C.UTF-8", "LANGUAGE=", NULL };

static char *
url_of (Fixture *f, const char *path)
{
  return g_strconcat (hn_test_daemon_get_url (f->daemon), path, NULL);
}

/* One API call; @token may be NULL, @body NULL for none. */
static HnTestResponse *
call (Fixture *f, const char *method, const char *path, const char *token, const char *body,
      const char *const *extra)
{
  g_autofree char *url = url_of (f, path);
  g_autofree char *auth = token != NULL ? g_strconcat ("Bearer ", token, NULL) : NULL;
  const char *headers[12] = { NULL };
  guint n = 0;

  if (auth != NULL)
    {
      headers[n++] = "Authorization";
      headers[n++] = auth;
    }
  for (guint i = 0; extra != NULL && extra[i] != NULL && n < 10; i++)
    headers[n++] = extra[i];
  return hn_test_request (method, url, headers, body != NULL ? "application/json" : NULL, body, -1);
}

static JsonNode *
parse (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static gint64
member_int (const char *text, const char *name)
{
  g_autoptr (JsonNode) node = parse (text);

  return json_object_get_int_member (json_node_get_object (node), name);
}

static const char *
error_code (const char *text, char **owned)
{
  g_autoptr (JsonNode) node = parse (text);
  JsonObject *error = json_object_get_object_member (json_node_get_object (node), "error");

  *owned = g_strdup (json_object_get_string_member (error, "code"));
  return *owned;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->daemon = hn_test_daemon_start ("scheduler/hoinghi-scheduler", NULL, &error);
  g_assert_no_error (error);
  hn_test_scheduler_add_user (f->daemon, "admin", "admin", "26");
  hn_test_scheduler_add_user (f->daemon, "thuky-tinh", "secretary", "26");
  hn_test_scheduler_add_user (f->daemon, "thuky-tamdao", "secretary", "248");
  hn_test_scheduler_add_user (f->daemon, "kythuat-tamdao", "technician", "248");
  hn_test_scheduler_add_user (f->daemon, "xem", "viewer", "26");
  f->admin = hn_test_scheduler_login (f->daemon, "admin");
  f->secretary = hn_test_scheduler_login (f->daemon, "thuky-tinh");
  f->district_secretary = hn_test_scheduler_login (f->daemon, "thuky-tamdao");
  f->technician = hn_test_scheduler_login (f->daemon, "kythuat-tamdao");
  f->viewer = hn_test_scheduler_login (f->daemon, "xem");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (hn_test_daemon_stop (f->daemon, SIGTERM, 10000), ==, 0);
  hn_test_daemon_free (f->daemon);
  g_free (f->admin);
  g_free (f->secretary);
  g_free (f->district_secretary);
  g_free (f->technician);
  g_free (f->viewer);
}

static char *
meeting_body (const char *title, const char *chair, const char *participants, const char *start,
              const char *end, const char *mode)
{
  return g_strdup_printf (
      "{\"title\":\"%s\",\"category\":\"provincial-task\",\"chair_unit\":\"%s\","
      "\"participants\":[%s],\"starts_at\":\"%s\",\"ends_at\":\"%s\","
      "\"mode\":\"%s\"}",
      title, chair, participants, start, end, mode);
}

static char *
dump (Fixture *f)
{
  g_autofree char *path
      = g_build_filename (hn_test_daemon_get_data_dir (f->daemon), "scheduler.db", NULL);
  g_autofree char *out = NULL;
  const char *argv[] = { "/usr/bin/sqlite3", path, ".dump", NULL };

  g_assert_cmpint (hn_test_run (argv, NULL, &out, NULL), ==, 0);
  return g_steal_pointer (&out);
}

static void
test_login_logout (Fixture *f, gconstpointer data)
{
  g_autoptr (HnTestResponse) wrong = call (
      f, "POST", "/api/v1/login", NULL, "{\"login\":\"admin\",\"password\":\"sai-roi-123\"}", NULL);
  g_autoptr (HnTestResponse) unknown = call (
      f, "POST", "/api/v1/login", NULL, "{\"login\":\"ai-do\",\"password\":\"sai-roi-123\"}", NULL);
  g_autoptr (HnTestResponse) ok = call (f, "GET", "/api/v1/units", f->viewer, NULL, NULL);
  g_autoptr (HnTestResponse) out = call (f, "POST", "/api/v1/logout", f->viewer, NULL, NULL);
  g_autoptr (HnTestResponse) after = call (f, "GET", "/api/v1/units", f->viewer, NULL, NULL);
  g_autoptr (HnTestResponse) forged = call (f, "GET", "/api/v1/units", "forged-token", NULL, NULL);
  g_autoptr (HnTestResponse) none = call (f, "GET", "/api/v1/units", NULL, NULL, NULL);
  g_autofree char *code = NULL;

  g_assert_cmpuint (wrong->status, ==, 401);
  g_assert_cmpuint (unknown->status, ==, 401);
  /* the same answer whether the login exists or not */
  g_assert_cmpstr (wrong->body, ==, unknown->body);
  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_cmpuint (out->status, ==, 204);
  g_assert_cmpuint (after->status, ==, 401);
  g_assert_cmpuint (forged->status, ==, 401);
  g_assert_cmpuint (none->status, ==, 401);
  g_assert_cmpstr (error_code (none->body, &code), ==, "unauthorized");
}

static void
test_book_and_conflict (Fixture *f, gconstpointer data)
{
  g_autofree char *first
      = meeting_body ("Giao ban tuần", "26", "\"243\",\"248\"", "2026-12-01T08:00:00+07:00",
                      "2026-12-01T10:00:00+07:00", "online");
  g_autofree char *overlap = meeting_body ("Trùng giờ", "248", "", "2026-12-01T08:30:00+07:00",
                                           "2026-12-01T09:45:00+07:00", "hybrid");
  g_autofree char *adjacent = meeting_body ("Nối tiếp", "248", "", "2026-12-01T10:00:00+07:00",
                                            "2026-12-01T11:00:00+07:00", "online");
  g_autofree char *in_person
      = meeting_body ("Họp trực tiếp", "248", "", "2026-12-01T09:00:00+07:00",
                      "2026-12-01T09:30:00+07:00", "in-person");
  g_autoptr (HnTestResponse) created
      = call (f, "POST", "/api/v1/meetings", f->secretary, first, NULL);
  g_autoptr (HnTestResponse) conflict = NULL;
  g_autoptr (HnTestResponse) next = NULL;
  g_autoptr (HnTestResponse) person = NULL;
  g_autoptr (HnTestResponse) cancelled = NULL;
  g_autoptr (HnTestResponse) retry = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *cancel_path = NULL;
  JsonObject *meeting;
  JsonArray *conflicts;
  gint64 id;

  g_assert_cmpuint (created->status, ==, 201);
  node = parse (created->body);
  meeting = json_node_get_object (node);
  id = json_object_get_int_member (meeting, "id");
  g_assert_cmpstr (json_object_get_string_member (meeting, "status"), ==, "scheduled");
  g_assert_cmpint (json_object_get_int_member (meeting, "version"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (meeting, "starts_at"), ==,
                   "2026-12-01T08:00:00+07:00");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (meeting, "rooms")), ==, 3);
  g_assert_cmpstr (soup_message_headers_get_one (created->headers, "ETag"), ==, "\"1\"");
  {
    g_autofree char *location = g_strdup_printf ("/api/v1/meetings/%" G_GINT64_FORMAT, id);

    g_assert_cmpstr (soup_message_headers_get_one (created->headers, "Location"), ==, location);
  }

  /* Tam Đảo's room is taken from 08:00 to 10:00 */
  conflict = call (f, "POST", "/api/v1/meetings", f->district_secretary, overlap, NULL);
  g_assert_cmpuint (conflict->status, ==, 409);
  g_clear_pointer (&node, json_node_unref);
  node = parse (conflict->body);
  conflicts = json_object_get_array_member (
      json_object_get_object_member (json_node_get_object (node), "error"), "conflicts");
  g_assert_cmpuint (json_array_get_length (conflicts), ==, 1);
  g_assert_cmpint (
      json_object_get_int_member (json_array_get_object_element (conflicts, 0), "meeting_id"), ==,
      id);
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (conflicts, 0), "title"), ==,
      "Giao ban tuần");

  /* ends at 10:00, the next starts at 10:00: no overlap */
  next = call (f, "POST", "/api/v1/meetings", f->district_secretary, adjacent, NULL);
  g_assert_cmpuint (next->status, ==, 201);
  /* an in-person meeting holds no room */
  person = call (f, "POST", "/api/v1/meetings", f->district_secretary, in_person, NULL);
  g_assert_cmpuint (person->status, ==, 201);

  /* cancelling frees the rooms */
  cancel_path = g_strdup_printf ("/api/v1/meetings/%" G_GINT64_FORMAT "/cancel", id);
  cancelled = call (f, "POST", cancel_path, f->secretary, "{\"reason\":\"Hoãn\"}", NULL);
  g_assert_cmpuint (cancelled->status, ==, 200);
  g_clear_pointer (&node, json_node_unref);
  node = parse (cancelled->body);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "status"), ==,
                   "cancelled");
  retry = call (f, "POST", "/api/v1/meetings", f->district_secretary, overlap, NULL);
  g_assert_cmpuint (retry->status, ==, 201);
}

typedef struct
{
  Fixture *fixture;
  const char *key; /* an Idempotency-Key all racers send, or NULL */
  GMutex lock;
  GCond go;
  gboolean started;
  guint created, conflicts, other;
  GHashTable *locations;
} Race;

static gpointer
racer (gpointer data)
{
  Race *race = data;
  g_autofree char *body = meeting_body ("Đua", "248", "", "2026-12-02T08:00:00+07:00",
                                        "2026-12-02T09:00:00+07:00", "online");
  g_autoptr (HnTestResponse) r = NULL;

  g_mutex_lock (&race->lock);
  while (!race->started)
    g_cond_wait (&race->go, &race->lock);
  g_mutex_unlock (&race->lock);

  {
    const char *key[] = { "Idempotency-Key", race->key, NULL };

    r = call (race->fixture, "POST", "/api/v1/meetings", race->fixture->district_secretary, body,
              race->key != NULL ? key : NULL);
  }
  g_mutex_lock (&race->lock);
  if (r->status == 201)
    {
      race->created++;
      g_hash_table_add (race->locations,
                        g_strdup (soup_message_headers_get_one (r->headers, "Location")));
    }
  else if (r->status == 409)
    race->conflicts++;
  else
    race->other++;
  g_mutex_unlock (&race->lock);
  return NULL;
}

static void
run_race (Race *race, guint racers)
{
  g_autofree GThread **threads = g_new0 (GThread *, racers);

  g_mutex_init (&race->lock);
  g_cond_init (&race->go);
  race->locations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < racers; i++)
    threads[i] = g_thread_new ("racer", racer, race);
  g_mutex_lock (&race->lock);
  race->started = TRUE;
  g_cond_broadcast (&race->go);
  g_mutex_unlock (&race->lock);
  for (guint i = 0; i < racers; i++)
    g_thread_join (threads[i]);
  g_mutex_clear (&race->lock);
  g_cond_clear (&race->go);
}

/* The same booking sent 16 times at once with one Idempotency-Key: one
 * meeting, and every sender gets its 201 (some replayed on the main
 * thread, some by the worker while the first was still in flight). */
static void
test_concurrent_retries (Fixture *f, gconstpointer data)
{
  Race race = { .fixture = f, .key = "gui-lai-16-lan" };
  g_autoptr (HnTestResponse) list = NULL;

  run_race (&race, 16);
  g_assert_cmpuint (race.created, ==, 16);
  g_assert_cmpuint (race.conflicts + race.other, ==, 0);
  g_assert_cmpuint (g_hash_table_size (race.locations), ==, 1);
  g_hash_table_unref (race.locations);
  list = call (f, "GET",
               "/api/v1/meetings?from=2026-12-02T00:00:00%2B07:00&to=2026-12-03T00:00:00%2B07:00",
               f->district_secretary, NULL, NULL);
  g_assert_cmpint (member_int (list->body, "total"), ==, 1);
}

static void
test_concurrent_conflicts (Fixture *f, gconstpointer data)
{
  Race race = { .fixture = f };

  run_race (&race, 16);
  g_assert_cmpuint (race.created, ==, 1);
  g_assert_cmpuint (race.conflicts, ==, 15);
  g_assert_cmpuint (race.other, ==, 0);
  g_hash_table_unref (race.locations);
}

static void
test_idempotency (Fixture *f, gconstpointer data)
{
  g_autofree char *body
      = meeting_body ("Một lần thôi", "26", "\"244\"", "2026-12-03T08:00:00+07:00",
                      "2026-12-03T09:00:00+07:00", "online");
  g_autofree char *other = meeting_body ("Khác", "26", "", "2026-12-04T08:00:00+07:00",
                                         "2026-12-04T09:00:00+07:00", "online");
  const char *key[] = { "Idempotency-Key", "dat-lich-42", NULL };
  g_autoptr (HnTestResponse) first = call (f, "POST", "/api/v1/meetings", f->secretary, body, key);
  g_autoptr (HnTestResponse) again = call (f, "POST", "/api/v1/meetings", f->secretary, body, key);
  g_autoptr (HnTestResponse) reused
      = call (f, "POST", "/api/v1/meetings", f->secretary, other, key);
  g_autoptr (HnTestResponse) list = call (
      f, "GET", "/api/v1/meetings?from=2026-12-03T00:00:00%2B07:00&to=2026-12-04T00:00:00%2B07:00",
      f->secretary, NULL, NULL);

  g_assert_cmpuint (first->status, ==, 201);
  g_assert_cmpuint (again->status, ==, 201);
  g_assert_cmpstr (again->body, ==, first->body);
  g_assert_cmpstr (soup_message_headers_get_one (again->headers, "Location"), ==,
                   soup_message_headers_get_one (first->headers, "Location"));
  g_assert_cmpuint (reused->status, ==, 409);
  g_assert_cmpuint (list->status, ==, 200);
  g_assert_cmpint (member_int (list->body, "total"), ==, 1);
}

static void
test_if_match (Fixture *f, gconstpointer data)
{
  g_autofree char *body = meeting_body ("Sửa đổi", "248", "", "2026-12-05T08:00:00+07:00",
                                        "2026-12-05T09:00:00+07:00", "online");
  g_autoptr (HnTestResponse) created
      = call (f, "POST", "/api/v1/meetings", f->district_secretary, body, NULL);
  g_autofree char *path
      = g_strdup_printf ("/api/v1/meetings/%" G_GINT64_FORMAT, member_int (created->body, "id"));
  const char *stale[] = { "If-Match", "\"7\"", NULL };
  const char *fresh[] = { "If-Match", "\"1\"", NULL };
  g_autoptr (HnTestResponse) refused = NULL;
  g_autoptr (HnTestResponse) accepted = NULL;
  g_autoptr (HnTestResponse) again = NULL;
  g_autoptr (HnTestResponse) stale_delete = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  before = dump (f);
  refused = call (f, "PATCH", path, f->district_secretary, "{\"title\":\"Mới\"}", stale);
  g_assert_cmpuint (refused->status, ==, 412);
  stale_delete = call (f, "DELETE", path, f->district_secretary, NULL, stale);
  g_assert_cmpuint (stale_delete->status, ==, 412);
  after = dump (f);
  g_assert_cmpstr (before, ==, after);

  accepted = call (f, "PATCH", path, f->district_secretary, "{\"title\":\"Mới\"}", fresh);
  g_assert_cmpuint (accepted->status, ==, 200);
  g_assert_cmpint (member_int (accepted->body, "version"), ==, 2);
  g_assert_cmpstr (soup_message_headers_get_one (accepted->headers, "ETag"), ==, "\"2\"");
  /* the same If-Match again is now stale */
  again = call (f, "PATCH", path, f->district_secretary, "{\"title\":\"Lần nữa\"}", fresh);
  g_assert_cmpuint (again->status, ==, 412);
}

static void
assert_occurrences (JsonObject *series, guint expected)
{
  JsonArray *meetings = json_object_get_array_member (series, "meetings");

  g_assert_cmpint (json_object_get_int_member (series, "occurrences"), ==, expected);
  for (guint i = 0; i < json_array_get_length (meetings); i++)
    {
      const char *start = json_object_get_string_member (
          json_array_get_object_element (meetings, i), "starts_at");

      /* 16:00 in Hà Nội is 09:00 UTC */
      g_assert_true (g_str_has_suffix (start, "T16:00:00+07:00"));
    }
}

#define BRIEFING                                                                                   \
  "{\"title\":\"Giao ban phòng chống dịch COVID-19\",\"category\":\"covid-briefing\","        \
  "\"chair_unit\":\"26\",\"participants\":[\"243\",\"244\",\"246\",\"247\",\"248\",\"249\","       \
  "\"251\",\"252\",\"253\"],\"dtstart\":\"2021-08-01T16:00:00+07:00\",\"duration_minutes\":60,"    \
  "\"rrule\":\"FREQ=DAILY;UNTIL=20211231T090000Z\",\"mode\":\"online\"%s}"

static void
test_series (Fixture *f, gconstpointer data)
{
  g_autofree char *plain = g_strdup_printf (BRIEFING, "");
  g_autoptr (HnTestResponse) created
      = call (f, "POST", "/api/v1/series", f->secretary, plain, NULL);
  g_autoptr (HnTestResponse) clash = NULL;
  g_autoptr (HnTestResponse) list = NULL;
  g_autoptr (JsonNode) node = NULL;

  g_assert_cmpuint (created->status, ==, 201);
  node = parse (created->body);
  assert_occurrences (json_node_get_object (node), 153);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_one (created->headers, "Location"),
                                   "/api/v1/series/"));
  /* the same series again takes the same rooms: refused, nothing written */
  clash = call (f, "POST", "/api/v1/series", f->secretary, plain, NULL);
  g_assert_cmpuint (clash->status, ==, 409);
  list = call (f, "GET", "/api/v1/meetings?category=covid-briefing&limit=1", f->viewer, NULL, NULL);
  g_assert_cmpint (member_int (list->body, "total"), ==, 153);
}

static void
test_series_exdate (Fixture *f, gconstpointer data)
{
  g_autofree char *body
      = g_strdup_printf (BRIEFING, ",\"exdates\":[\"2021-09-02T16:00:00+07:00\"]");
  g_autoptr (HnTestResponse) created = call (f, "POST", "/api/v1/series", f->secretary, body, NULL);
  g_autoptr (JsonNode) node = NULL;

  g_assert_cmpuint (created->status, ==, 201);
  node = parse (created->body);
  assert_occurrences (json_node_get_object (node), 152);
}

/* Edits a future series: a hand-edited occurrence survives a series edit. */
static void
test_series_edit (Fixture *f, gconstpointer data)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) start = g_date_time_add_days (now, -2);
  g_autofree char *dtstart = g_date_time_format (start, "%Y-%m-%dT02:00:00+00:00");
  g_autofree char *body
      = g_strdup_printf ("{\"title\":\"Họp sáng\",\"category\":\"other\",\"chair_unit\":\"248\","
                         "\"participants\":[],\"dtstart\":\"%s\",\"duration_minutes\":30,"
                         "\"rrule\":\"FREQ=DAILY;COUNT=7\",\"mode\":\"online\"}",
                         dtstart);
  g_autoptr (HnTestResponse) created
      = call (f, "POST", "/api/v1/series", f->district_secretary, body, NULL);
  g_autoptr (JsonNode) node = parse (created->body);
  JsonObject *series = json_node_get_object (node);
  JsonArray *meetings = json_object_get_array_member (series, "meetings");
  gint64 series_id = json_object_get_int_member (series, "id");
  gint64 past = json_object_get_int_member (json_array_get_object_element (meetings, 0), "id");
  gint64 edited = json_object_get_int_member (json_array_get_object_element (meetings, 5), "id");
  gint64 plain = json_object_get_int_member (json_array_get_object_element (meetings, 6), "id");
  g_autofree char *edited_path = g_strdup_printf ("/api/v1/meetings/%" G_GINT64_FORMAT, edited);
  g_autofree char *plain_path = g_strdup_printf ("/api/v1/meetings/%" G_GINT64_FORMAT, plain);
  g_autofree char *past_path = g_strdup_printf ("/api/v1/meetings/%" G_GINT64_FORMAT, past);
  g_autofree char *series_path = g_strdup_printf ("/api/v1/series/%" G_GINT64_FORMAT, series_id);
  g_autoptr (HnTestResponse) r = NULL;
  g_autoptr (JsonNode) m = NULL;

  g_assert_cmpuint (created->status, ==, 201);
  r = call (f, "PATCH", edited_path, f->district_secretary, "{\"title\":\"Đổi riêng buổi này\"}",
            NULL);
  g_assert_cmpuint (r->status, ==, 200);
  g_clear_pointer (&r, hn_test_response_free);
  r = call (f, "PATCH", series_path, f->district_secretary, "{\"title\":\"Họp sáng (mới)\"}", NULL);
  g_assert_cmpuint (r->status, ==, 200);
  g_clear_pointer (&r, hn_test_response_free);

  r = call (f, "GET", edited_path, f->viewer, NULL, NULL);
  m = parse (r->body);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (m), "title"), ==,
                   "Đổi riêng buổi này");
  g_clear_pointer (&r, hn_test_response_free);
  g_clear_pointer (&m, json_node_unref);
  r = call (f, "GET", plain_path, f->viewer, NULL, NULL);
  m = parse (r->body);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (m), "title"), ==,
                   "Họp sáng (mới)");
  g_clear_pointer (&r, hn_test_response_free);
  g_clear_pointer (&m, json_node_unref);
  /* the past is not re-planned */
  r = call (f, "GET", past_path, f->viewer, NULL, NULL);
  m = parse (r->body);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (m), "title"), ==,
                   "Họp sáng");
  g_clear_pointer (&r, hn_test_response_free);
  g_clear_pointer (&m, json_node_unref);

  /* deleting the series cancels the future and keeps the past */
  r = call (f, "DELETE", series_path, f->district_secretary, NULL, NULL);
  g_assert_cmpuint (r->status, ==, 200);
  g_clear_pointer (&r, hn_test_response_free);
  r = call (f, "GET", plain_path, f->viewer, NULL, NULL);
  m = parse (r->body);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (m), "status"), ==,
                   "cancelled");
  g_clear_pointer (&r, hn_test_response_free);
  g_clear_pointer (&m, json_node_unref);
  r = call (f, "GET", past_path, f->viewer, NULL, NULL);
  m = parse (r->body);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (m), "status"), ==,
                   "scheduled");
}

typedef struct
{
  const char *method;
  const char *path;
  const char *body;
  guint admin, secretary, district_secretary, technician, viewer;
} Permission;

static void
test_role_matrix (Fixture *f, gconstpointer data)
{
  g_autofree char *province = meeting_body ("Tỉnh", "26", "\"243\"", "2026-12-10T08:00:00+07:00",
                                            "2026-12-10T09:00:00+07:00", "online");
  g_autoptr (HnTestResponse) seed = call (f, "POST", "/api/v1/meetings", f->admin, province, NULL);
  g_autofree char *district_body = meeting_body ("Huyện", "248", "", "2026-12-11T08:00:00+07:00",
                                                 "2026-12-11T09:00:00+07:00", "online");
  g_autoptr (HnTestResponse) district_seed
      = call (f, "POST", "/api/v1/meetings", f->admin, district_body, NULL);
  g_autofree char *doomed_body = meeting_body ("Hủy", "26", "", "2026-12-13T08:00:00+07:00",
                                               "2026-12-13T09:00:00+07:00", "online");
  g_autoptr (HnTestResponse) doomed
      = call (f, "POST", "/api/v1/meetings", f->admin, doomed_body, NULL);
  gint64 p = member_int (seed->body, "id"), d = member_int (district_seed->body, "id");
  g_autofree char *pp = g_strdup_printf ("/api/v1/meetings/%" G_GINT64_FORMAT, p);
  g_autofree char *dp = g_strdup_printf ("/api/v1/meetings/%" G_GINT64_FORMAT, d);
  g_autofree char *pc = g_strdup_printf ("/api/v1/meetings/%" G_GINT64_FORMAT "/cancel",
                                         member_int (doomed->body, "id"));
  const Permission table[] = {
    { "GET", "/api/v1/units", NULL, 200, 200, 200, 200, 200 },
    { "GET", "/api/v1/units/248", NULL, 200, 200, 200, 200, 200 },
    { "GET", "/api/v1/rooms?unit=248", NULL, 200, 200, 200, 200, 200 },
    { "GET", "/api/v1/meetings", NULL, 200, 200, 200, 200, 200 },
    { "GET", pp, NULL, 200, 200, 200, 200, 200 },
    { "GET", "/api/v1/series", NULL, 200, 200, 200, 200, 200 },
    { "GET", "/api/v1/audit", NULL, 200, 403, 403, 403, 403 },
    { "POST", "/api/v1/units",
      "{\"code\":\"X1\",\"level\":\"commune\",\"name\":\"Xã Mới\",\"parent_code\":\"248\"}", 201,
      403, 403, 403, 403 },
    /* a district secretary cannot touch a province meeting */
    { "PATCH", pp, "{\"notes\":\"ghi chú\"}", 200, 200, 403, 403, 403 },
    { "PATCH", dp, "{\"notes\":\"ghi chú\"}", 200, 200, 200, 403, 403 },
    /* a technician of Tam Đảo runs Tam Đảo's meeting, not Vĩnh Yên's */
    { "PATCH", dp, "{\"status\":\"running\"}", 200, 200, 200, 200, 403 },
    { "PATCH", pp, "{\"status\":\"scheduled\"}", 200, 200, 403, 403, 403 },
    { "POST", "/api/v1/meetings", "new-province", 201, 201, 403, 403, 403 },
    { "POST", "/api/v1/series",
      "{\"title\":\"S\",\"category\":\"other\",\"chair_unit\":\"26\",\"dtstart\":"
      "\"2027-0@M@-01T08:00:00+07:00\",\"duration_minutes\":30,\"rrule\":\"FREQ=DAILY;COUNT=2\","
      "\"mode\":\"in-person\"}",
      201, 201, 403, 403, 403 },
    { "POST", pc, "{\"reason\":\"thử\"}", 409, 409, 403, 403, 403 },
    { "POST", "/api/v1/feed-token", NULL, 201, 201, 201, 201, 201 },
  };
  const char *roles[] = { "admin", "secretary", "district secretary", "technician", "viewer" };
  char *tokens[] = { f->admin, f->secretary, f->district_secretary, f->technician, f->viewer };
  guint counter = 0;

  g_assert_cmpuint (seed->status, ==, 201);
  g_assert_cmpuint (district_seed->status, ==, 201);
  /* cancelled first: the cancel row shows the role check coming before
   * the state check (403 for those who may not, 409 for those who may) */
  {
    g_autoptr (HnTestResponse) r = call (f, "POST", pc, f->admin, "{\"reason\":\"trước\"}", NULL);

    g_assert_cmpuint (r->status, ==, 200);
  }
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      const guint expected[] = { table[i].admin, table[i].secretary, table[i].district_secretary,
                                 table[i].technician, table[i].viewer };

      for (guint j = 0; j < G_N_ELEMENTS (expected); j++)
        {
          g_autofree char *body = NULL;
          g_autoptr (HnTestResponse) r = NULL;

          counter++;
          if (table[i].body == NULL)
            body = NULL;
          else if (g_str_equal (table[i].body, "new-province"))
            {
              g_autofree char *start
                  = g_strdup_printf ("2026-12-12T%02u:00:00+07:00", counter % 20);
              g_autofree char *end = g_strdup_printf ("2026-12-12T%02u:30:00+07:00", counter % 20);

              body = meeting_body ("Mới", "26", "", start, end, "in-person");
            }
          else
            {
              g_autoptr (GString) text = g_string_new (table[i].body);
              g_autofree char *month = g_strdup_printf ("%u", j + 1);

              g_string_replace (text, "@M@", month, 0);
              body = g_string_free (g_steal_pointer (&text), FALSE);
            }
          r = call (f, table[i].method, table[i].path, tokens[j], body, NULL);
          g_test_message ("%s %s as %s: %u", table[i].method, table[i].path, roles[j], r->status);
          if (r->status != expected[j])
            g_test_message ("  body: %s", r->body);
          g_assert_cmpuint (r->status, ==, expected[j]);
        }
    }
}

typedef struct
{
  const char *method;
  const char *path;
  const char *content_type;
  const char *body;
  gssize length;
  guint status;
} Hostile;

static void
test_hostile_input (Fixture *f, gconstpointer data)
{
  g_autofree char *big = g_malloc (2 * 1024 * 1024 + 1);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  const Hostile table[] = {
    { "POST", "/api/v1/meetings", "application/json", "{\"title\":", -1, 400 },
    { "POST", "/api/v1/meetings", "application/json", "[]", -1, 400 },
    { "POST", "/api/v1/meetings", "text/plain", "{}", -1, 415 },
    { "POST", "/api/v1/meetings", "application/json", "{\"title\":\"\xff\"}", -1, 400 },
    { "POST", "/api/v1/meetings", "application/json", "{}", -1, 400 },
    { "POST", "/api/v1/meetings", "application/json",
      "{\"title\":\"A\",\"category\":\"other\",\"chair_unit\":\"26\",\"starts_at\":"
      "\"2026-12-20T08:00:00+07:00\",\"ends_at\":\"2026-12-20T09:00:00+07:00\",\"mode\":"
      "\"online\",\"colour\":\"red\"}",
      -1, 400 },
    { "POST", "/api/v1/meetings", "application/json",
      "{\"title\":42,\"category\":\"other\",\"chair_unit\":\"26\",\"starts_at\":"
      "\"2026-12-20T08:00:00+07:00\",\"ends_at\":\"2026-12-20T09:00:00+07:00\",\"mode\":"
      "\"online\"}",
      -1, 400 },
    { "POST", "/api/v1/meetings", "application/json",
      "{\"title\":\"A\",\"category\":\"other\",\"chair_unit\":\"26\",\"starts_at\":"
      "\"tomorrow\",\"ends_at\":\"2026-12-20T09:00:00+07:00\",\"mode\":\"online\"}",
      -1, 400 },
    { "POST", "/api/v1/meetings", "application/json",
      "{\"title\":\"A\",\"category\":\"other\",\"chair_unit\":\"26\",\"starts_at\":"
      "\"2026-12-20T08:00:00\",\"ends_at\":\"2026-12-20T09:00:00+07:00\",\"mode\":\"online\"}",
      -1, 400 },
    { "POST", "/api/v1/meetings", "application/json",
      "{\"title\":\"A\",\"category\":\"other\",\"chair_unit\":\"26\",\"starts_at\":"
      "\"2026-12-20T10:00:00+07:00\",\"ends_at\":\"2026-12-20T09:00:00+07:00\",\"mode\":"
      "\"online\"}",
      -1, 400 },
    { "POST", "/api/v1/meetings", "application/json",
      "{\"title\":\"A\",\"category\":\"other\",\"chair_unit\":\"26\",\"starts_at\":"
      "\"2026-12-20T08:00:00+07:00\",\"ends_at\":\"2026-12-21T09:00:00+07:00\",\"mode\":"
      "\"online\"}",
      -1, 400 },
    { "POST", "/api/v1/meetings", "application/json",
      "{\"title\":\"A\",\"category\":\"other\",\"chair_unit\":\"99999\",\"starts_at\":"
      "\"2026-12-20T08:00:00+07:00\",\"ends_at\":\"2026-12-20T09:00:00+07:00\",\"mode\":"
      "\"online\"}",
      -1, 400 },
    { "POST", "/api/v1/meetings", "application/json",
      "{\"title\":\"A\",\"category\":\"other\",\"chair_unit\":\"26\",\"participants\":[\"0\"],"
      "\"starts_at\":\"2026-12-20T08:00:00+07:00\",\"ends_at\":\"2026-12-20T09:00:00+07:00\","
      "\"mode\":\"online\"}",
      -1, 400 },
    { "POST", "/api/v1/meetings", "application/json",
      "{\"title\":\"A\",\"category\":\"other\",\"chair_unit\":\"26\",\"rooms\":[999999],"
      "\"starts_at\":\"2026-12-20T08:00:00+07:00\",\"ends_at\":\"2026-12-20T09:00:00+07:00\","
      "\"mode\":\"online\"}",
      -1, 400 },
    { "POST", "/api/v1/meetings", "application/json",
      "{\"title\":\"A\",\"category\":\"parade\",\"chair_unit\":\"26\",\"starts_at\":"
      "\"2026-12-20T08:00:00+07:00\",\"ends_at\":\"2026-12-20T09:00:00+07:00\",\"mode\":"
      "\"online\"}",
      -1, 400 },
    { "POST", "/api/v1/meetings", "application/json",
      "{\"title\":\"A\",\"category\":\"other\",\"chair_unit\":\"26\",\"starts_at\":"
      "\"2026-12-20T08:00:00+07:00\",\"ends_at\":\"2026-12-20T09:00:00+07:00\",\"mode\":"
      "\"telepathy\"}",
      -1, 400 },
    { "POST", "/api/v1/series", "application/json",
      "{\"title\":\"S\",\"category\":\"other\",\"chair_unit\":\"26\",\"dtstart\":"
      "\"2026-12-20T08:00:00+07:00\",\"duration_minutes\":30,\"rrule\":\"FREQ=DAILY\","
      "\"mode\":\"online\"}",
      -1, 400 },
    { "POST", "/api/v1/series", "application/json",
      "{\"title\":\"S\",\"category\":\"other\",\"chair_unit\":\"26\",\"dtstart\":"
      "\"2026-12-20T08:00:00+07:00\",\"duration_minutes\":30,\"rrule\":\"FREQ=DAILY;COUNT=500\","
      "\"mode\":\"online\"}",
      -1, 400 },
    { "POST", "/api/v1/series", "application/json",
      "{\"title\":\"S\",\"category\":\"other\",\"chair_unit\":\"26\",\"dtstart\":"
      "\"2026-12-20T08:00:00+07:00\",\"duration_minutes\":30,\"rrule\":\"FREQ=DAILY;COUNT=1\","
      "\"exdates\":[\"2026-12-20T08:00:00+07:00\"],\"mode\":\"online\"}",
      -1, 400 },
    { "POST", "/api/v1/series", "application/json",
      "{\"title\":\"S\",\"category\":\"other\",\"chair_unit\":\"26\",\"dtstart\":"
      "\"2026-12-20T08:00:00+07:00\",\"duration_minutes\":30,\"rrule\":\"NONSENSE\","
      "\"mode\":\"online\"}",
      -1, 400 },
    { "POST", "/api/v1/series", "application/json",
      "{\"title\":\"S\",\"category\":\"other\",\"chair_unit\":\"26\",\"dtstart\":"
      "\"2026-12-20T08:00:00+07:00\",\"duration_minutes\":0,\"rrule\":\"FREQ=DAILY;COUNT=2\","
      "\"mode\":\"online\"}",
      -1, 400 },
    { "PATCH", "/api/v1/meetings/999999", "application/json", "{\"title\":\"x\"}", -1, 404 },
    { "PATCH", "/api/v1/meetings/abc", "application/json", "{\"title\":\"x\"}", -1, 404 },
    { "DELETE", "/api/v1/series/999999", NULL, NULL, 0, 404 },
    { "GET", "/api/v1/meetings?from=2027-01-01T00:00:00%2B07:00&to=2026-01-01T00:00:00%2B07:00",
      NULL, NULL, 0, 400 },
    { "GET", "/api/v1/meetings?limit=0", NULL, NULL, 0, 400 },
    { "GET", "/api/v1/meetings?colour=red", NULL, NULL, 0, 400 },
    { "GET", "/api/v1/meetings?unit=99999", NULL, NULL, 0, 400 },
    { "PUT", "/api/v1/meetings", "application/json", "{}", -1, 405 },
    { "GET", "/api/v1/nothing-here", NULL, NULL, 0, 404 },
    { "POST", "/api/v1/meetings", "application/json", big, 2 * 1024 * 1024, 413 },
  };

  memset (big, ' ', 2 * 1024 * 1024);
  big[0] = '{';
  big[2 * 1024 * 1024 - 1] = '}';
  big[2 * 1024 * 1024] = '\0';
  before = dump (f);
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autofree char *url = url_of (f, table[i].path);
      g_autofree char *auth = g_strconcat ("Bearer ", f->admin, NULL);
      const char *headers[] = { "Authorization", auth, NULL };
      g_autoptr (HnTestResponse) r = hn_test_request (
          table[i].method, url, headers, table[i].content_type, table[i].body, table[i].length);
      g_autoptr (JsonNode) node = NULL;
      JsonObject *error;

      g_test_message ("%u: %s %s → %u", i, table[i].method, table[i].path, r->status);
      g_assert_cmpuint (r->status, ==, table[i].status);
      node = parse (r->body);
      error = json_object_get_object_member (json_node_get_object (node), "error");
      g_assert_nonnull (error);
      g_assert_cmpstr (json_object_get_string_member (error, "message"), !=, "");
      g_test_message ("   %s", json_object_get_string_member (error, "message"));
    }
  after = dump (f);
  g_assert_cmpstr (before, ==, after);
}

static void
test_calendar_feed (Fixture *f, gconstpointer data)
{
  g_autofree char *body
      = meeting_body ("Họp, có dấu; và \\\"ngoặc\\\"", "248", "\"08824\"",
                      "2026-12-15T08:00:00+07:00", "2026-12-15T09:00:00+07:00", "online");
  g_autoptr (HnTestResponse) created
      = call (f, "POST", "/api/v1/meetings", f->district_secretary, body, NULL);
  g_autoptr (HnTestResponse) token = call (f, "POST", "/api/v1/feed-token", f->viewer, NULL, NULL);
  g_autoptr (JsonNode) node = parse (token->body);
  const char *feed_token = json_object_get_string_member (json_node_get_object (node), "token");
  g_autofree char *path = g_strdup_printf ("/api/v1/units/26/calendar.ics?token=%s", feed_token);
  g_autoptr (HnTestResponse) feed = call (f, "GET", path, NULL, NULL, NULL);
  g_autoptr (HnTestResponse) refused
      = call (f, "GET", "/api/v1/units/26/calendar.ics?token=nope", NULL, NULL, NULL);
  icalcomponent *calendar;
  icalcomponent *event;
  guint events = 0;

  g_assert_cmpuint (created->status, ==, 201);
  g_assert_cmpuint (token->status, ==, 201);
  g_assert_cmpuint (feed->status, ==, 200);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_content_type (feed->headers, NULL),
                                   "text/calendar"));
  g_assert_cmpuint (refused->status, ==, 401);
  calendar = icalparser_parse_string (feed->body);
  g_assert_nonnull (calendar);
  g_assert_nonnull (icalcomponent_get_first_component (calendar, ICAL_VTIMEZONE_COMPONENT));
  for (event = icalcomponent_get_first_component (calendar, ICAL_VEVENT_COMPONENT); event != NULL;
       event = icalcomponent_get_next_component (calendar, ICAL_VEVENT_COMPONENT))
    {
      events++;
      g_assert_cmpstr (icalcomponent_get_summary (event), ==, "Họp, có dấu; và \"ngoặc\"");
      g_assert_true (g_str_has_suffix (icalcomponent_get_uid (event), "@hoinghi"));
    }
  g_assert_cmpuint (events, ==, 1);
  icalcomponent_free (calendar);
}

/* Every path of docs/api/scheduler.yaml answers as a resource (not 404). */
static void
test_openapi_paths (Fixture *f, gconstpointer data)
{
  g_autofree char *spec_path = hn_test_source_path ("docs/api/scheduler.yaml");
  g_autofree char *spec = NULL;
  g_auto (GStrv) lines = NULL;
  guint checked = 0;

  g_assert_true (g_file_get_contents (spec_path, &spec, NULL, NULL));
  lines = g_strsplit (spec, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *path = NULL;
      g_autoptr (HnTestResponse) r = NULL;
      g_autoptr (GRegex) params = NULL;

      if (!g_str_has_prefix (lines[i], "  /") || !g_str_has_suffix (lines[i], ":"))
        continue;
      path = g_strndup (lines[i] + 2, strlen (lines[i]) - 3);
      params = g_regex_new ("\\{[a-z_]+\\}", 0, 0, NULL);
      {
        g_autofree char *concrete = g_regex_replace_literal (params, path, -1, 0, "26", 0, NULL);
        g_autofree char *full
            = g_str_has_prefix (concrete, "/api/v1") || g_str_equal (concrete, "/healthz")
                  ? g_strdup (concrete)
                  : g_strconcat ("/api/v1", concrete, NULL);

        r = call (f, "OPTIONS", full, f->admin, NULL, NULL);
        g_test_message ("%s → %u", full, r->status);
        /* an unknown path would be 404 with "There is no resource" */
        g_assert_false (r->status == 404 && strstr (r->body, "There is no resource") != NULL);
        checked++;
      }
    }
  g_assert_cmpuint (checked, >=, 12);
}

static void
test_backup_while_running (Fixture *f, gconstpointer user_data)
{
  g_autofree char *body = meeting_body ("Sao lưu", "26", "", "2026-12-16T08:00:00+07:00",
                                        "2026-12-16T09:00:00+07:00", "online");
  g_autoptr (HnTestResponse) created
      = call (f, "POST", "/api/v1/meetings", f->secretary, body, NULL);
  g_autofree char *data
      = g_strdup_printf ("--data-dir=%s", hn_test_daemon_get_data_dir (f->daemon));
  g_autofree char *copy
      = g_build_filename (hn_test_daemon_get_data_dir (f->daemon), "copy.db", NULL);
  g_autofree char *backup = g_strdup_printf ("--backup=%s", copy);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { "scheduler/hoinghi-scheduler", data, backup, NULL };
  const char *no_role[] = { "scheduler/hoinghi-scheduler", data, "--add-user", "x1", NULL };
  const char *both[] = { "scheduler/hoinghi-scheduler", data, backup, "--add-user", "x1", NULL };
  const char *query[] = { "/usr/bin/sqlite3", copy, "SELECT title FROM meetings", NULL };

  g_assert_cmpuint (created->status, ==, 201);
  g_assert_cmpint (hn_test_run (argv, english, &out, &err), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (hn_test_run (query, NULL, &out, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Sao lưu\n");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (hn_test_run_with_input (no_role, english, "mat-khau-123\n", NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "--role"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (hn_test_run (both, english, NULL, &err), ==, 2);
}

static gpointer
flood_login (gpointer data)
{
  Fixture *f = data;
  g_autoptr (HnTestResponse) r = call (f, "POST", "/api/v1/login", NULL,
                                       "{\"login\":\"xem\",\"password\":\"mat-khau-123\"}", NULL);

  return GUINT_TO_POINTER (r->status);
}

/* A burst of logins is served or told to wait (429); nothing else. */
static void
test_login_flood (Fixture *f, gconstpointer user_data)
{
  GThread *threads[100];
  guint served = 0;

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("login", flood_login, f);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      guint status = GPOINTER_TO_UINT (g_thread_join (threads[i]));

      if (status != 200 && status != 429)
        g_test_message ("login %u answered %u", i, status);
      g_assert_true (status == 200 || status == 429);
      served += status == 200;
    }
  g_test_message ("%u of %u logins served at once", served, (guint) G_N_ELEMENTS (threads));
  g_assert_cmpuint (served, >, 0);
}

/* Clients that hang up before their answer leave the service unharmed. */
static void
test_client_hangs_up (Fixture *f, gconstpointer user_data)
{
  g_autofree char *body = meeting_body ("Bỏ dở", "26", "", "2026-12-17T08:00:00+07:00",
                                        "2026-12-17T09:00:00+07:00", "online");
  g_autoptr (GSocketClient) client = g_socket_client_new ();

  g_socket_client_set_enable_proxy (client, FALSE);
  for (int i = 0; i < 20; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GSocketConnection) connection = g_socket_client_connect_to_host (
          client, "127.0.0.1", hn_test_daemon_get_port (f->daemon), NULL, &error);
      g_autofree char *request
          = g_strdup_printf ("POST /api/v1/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                             "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                             i % 2 ? "meetings" : "login", f->secretary, strlen (body), body);

      g_assert_no_error (error);
      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), request,
                                 strlen (request), NULL, NULL, &error);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    }
  {
    g_autoptr (HnTestResponse) r = call (f, "GET", "/healthz", NULL, NULL, NULL);

    g_assert_cmpuint (r->status, ==, 200);
  }
}

#define ADD(name, func)                                                                            \
  g_test_add ("/scheduler-api/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int argc, char **argv)
{
  hn_test_init (&argc, &argv);
  ADD ("login-logout", test_login_logout);
  ADD ("book-and-conflict", test_book_and_conflict);
  ADD ("concurrent-conflicts", test_concurrent_conflicts);
  ADD ("idempotency", test_idempotency);
  ADD ("concurrent-retries", test_concurrent_retries);
  ADD ("if-match", test_if_match);
  ADD ("series", test_series);
  ADD ("series-exdate", test_series_exdate);
  ADD ("series-edit", test_series_edit);
  ADD ("role-matrix", test_role_matrix);
  ADD ("hostile-input", test_hostile_input);
  ADD ("calendar-feed", test_calendar_feed);
  ADD ("openapi-paths", test_openapi_paths);
  ADD ("backup-while-running", test_backup_while_running);
  ADD ("login-flood", test_login_flood);
  ADD ("client-hangs-up", test_client_hangs_up);
  return g_test_run ();
}
