/* test-scheduler-stats.c: outcomes, the online-meeting ratio, CSV import,
 * and the 2021 data set end to end, against a real hoinghi-scheduler. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

#include "sched-stats.h"
#include "support/hn-test.h"

typedef struct
{
  HnTestDaemon *daemon;
  char *admin, *technician, *secretary;
} Fixture;

#define YEAR_2021 "from=2021-01-01T00:00:00%2B07:00&to=2022-01-01T00:00:00%2B07:00"
#define HEADER_CRLF                                                                                \
  "key,title,category,chair_unit,participants,starts_at,ends_at,mode,status,outcome,platform,"     \
  "notes\r\n"
#define HEADER                                                                                     \
  "key,title,category,chair_unit,participants,starts_at,ends_at,mode,status,outcome,platform,"     \
  "notes\n"

static HnTestResponse *
call (Fixture *f, const char *method, const char *path, const char *token, const char *content_type,
      const char *body, gssize length)
{
  g_autofree char *url = g_strconcat (hn_test_daemon_get_url (f->daemon), path, NULL);
  g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
  const char *headers[] = { "Authorization", auth, NULL };

  return hn_test_request (method, url, headers, content_type, body, length);
}

static JsonObject *
object_of (HnTestResponse *r)
{
  g_autoptr (JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, r->body, -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->daemon = hn_test_daemon_start ("scheduler/hoinghi-scheduler", NULL, &error);
  g_assert_no_error (error);
  hn_test_scheduler_add_user (f->daemon, "admin", "admin", "26");
  hn_test_scheduler_add_user (f->daemon, "kythuat", "technician", "248");
  hn_test_scheduler_add_user (f->daemon, "thuky", "secretary", "26");
  f->admin = hn_test_scheduler_login (f->daemon, "admin");
  f->technician = hn_test_scheduler_login (f->daemon, "kythuat");
  f->secretary = hn_test_scheduler_login (f->daemon, "thuky");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (hn_test_daemon_stop (f->daemon, SIGTERM, 10000), ==, 0);
  hn_test_daemon_free (f->daemon);
  g_free (f->admin);
  g_free (f->technician);
  g_free (f->secretary);
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

static JsonObject *
ratio (Fixture *f, const char *query)
{
  g_autofree char *path = g_strconcat ("/api/v1/stats/online-ratio?", query, NULL);
  g_autoptr (HnTestResponse) r = call (f, "GET", path, f->secretary, NULL, NULL, 0);

  g_test_message ("GET %s → %u", path, r->status);
  g_assert_cmpuint (r->status, ==, 200);
  return object_of (r);
}

static gint64
count (JsonObject *o, const char *name)
{
  return json_object_get_int_member (o, name);
}

static void
test_percent (void)
{
  struct
  {
    gint64 n, d, tenths;
    const char *text, *vi;
  } cases[] = {
    { 286, 859, 333, "33.3", "33,3%" }, { 1, 8, 125, "12.5", "12,5%" },
    { 1, 16, 63, "6.3", "6,3%" },       { 1, 3, 333, "33.3", "33,3%" },
    { 2, 3, 667, "66.7", "66,7%" },     { 0, 0, 0, "0.0", "0,0%" },
    { 5, 5, 1000, "100.0", "100,0%" },  { 1, 2000, 1, "0.1", "0,1%" },
    { 1, 2001, 0, "0.0", "0,0%" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gint64 tenths;
      g_autofree char *text = NULL;
      g_autofree char *vi = NULL;

      sched_stats_percent (cases[i].n, cases[i].d, &tenths);
      g_assert_cmpint (tenths, ==, cases[i].tenths);
      text = sched_stats_percent_text (tenths, FALSE);
      vi = sched_stats_percent_text (tenths, TRUE);
      g_assert_cmpstr (text, ==, cases[i].text);
      g_assert_cmpstr (vi, ==, cases[i].vi);
    }
}

static char *
sample (void)
{
  g_autofree char *path = hn_test_source_path ("data/samples/2021-meetings.csv");
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static void
assert_groups_sum (JsonObject *report)
{
  JsonObject *totals = json_object_get_object_member (report, "totals");
  JsonArray *groups = json_object_get_array_member (report, "groups");
  gint64 held = 0, online = 0, cancelled = 0;

  for (guint i = 0; i < json_array_get_length (groups); i++)
    {
      JsonObject *g = json_array_get_object_element (groups, i);

      held += count (g, "held");
      online += count (g, "online");
      cancelled += count (g, "cancelled");
    }
  g_assert_cmpint (held, ==, count (totals, "held"));
  g_assert_cmpint (online, ==, count (totals, "online"));
  g_assert_cmpint (cancelled, ==, count (totals, "cancelled"));
}

static void
test_2021 (Fixture *f, gconstpointer data)
{
  g_autofree char *csv = sample ();
  g_autoptr (HnTestResponse) first
      = call (f, "POST", "/api/v1/import", f->admin, "text/csv", csv, -1);
  g_autoptr (HnTestResponse) again = NULL;
  g_autoptr (JsonObject) imported = NULL;
  g_autoptr (JsonObject) report = NULL;
  g_autoptr (JsonObject) central = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  const char *groupings[] = { "month", "quarter", "year", "category" };
  JsonObject *totals, *r;
  JsonArray *groups;

  g_assert_cmpuint (first->status, ==, 200);
  imported = object_of (first);
  g_assert_cmpint (count (imported, "created"), ==, 1009);

  /* the same file again creates nothing */
  before = dump (f);
  again = call (f, "POST", "/api/v1/import", f->admin, "text/csv", csv, -1);
  g_assert_cmpuint (again->status, ==, 200);
  g_clear_pointer (&imported, json_object_unref);
  imported = object_of (again);
  g_assert_cmpint (count (imported, "created"), ==, 0);
  g_assert_cmpint (count (imported, "unchanged"), ==, 1009);
  after = dump (f);
  g_assert_cmpstr (before, ==, after);

  report = ratio (f, YEAR_2021 "&group=category");
  totals = json_object_get_object_member (report, "totals");
  g_assert_cmpint (count (totals, "held"), ==, 859);
  g_assert_cmpint (count (totals, "online"), ==, 286);
  g_assert_cmpint (count (totals, "in_person"), ==, 573);
  g_assert_cmpint (count (totals, "cancelled"), ==, 14);
  g_assert_cmpint (count (totals, "missed"), ==, 6);
  g_assert_cmpint (count (json_object_get_object_member (totals, "online_by_evidence"), "external"),
                   ==, 3);
  r = json_object_get_object_member (totals, "ratio");
  g_assert_cmpint (count (r, "numerator"), ==, 286);
  g_assert_cmpint (count (r, "denominator"), ==, 859);
  g_assert_cmpstr (json_object_get_string_member (r, "percent_text"), ==, "33.3");
  g_assert_cmpstr (json_object_get_string_member (r, "percent_vi"), ==, "33,3%");

  /* 286 = 130 provincial tasks + 3 trainings on Zoom + 153 briefings */
  groups = json_object_get_array_member (report, "groups");
  for (guint i = 0; i < json_array_get_length (groups); i++)
    {
      JsonObject *g = json_array_get_object_element (groups, i);
      const char *key = json_object_get_string_member (g, "key");
      gint64 online = count (g, "online");

      if (g_str_equal (key, "provincial-task"))
        g_assert_cmpint (online, ==, 130);
      else if (g_str_equal (key, "training"))
        g_assert_cmpint (online, ==, 3);
      else if (g_str_equal (key, "covid-briefing"))
        g_assert_cmpint (online, ==, 153);
      else
        g_assert_cmpint (online, ==, 0);
    }
  for (guint i = 0; i < G_N_ELEMENTS (groupings); i++)
    {
      g_autofree char *query = g_strconcat (YEAR_2021 "&group=", groupings[i], NULL);
      g_autoptr (JsonObject) grouped = ratio (f, query);

      assert_groups_sum (grouped);
    }
  {
    g_autoptr (JsonObject) monthly = ratio (f, YEAR_2021 "&group=month");

    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (monthly, "groups")), ==,
                      12);
  }
  /* the statistics as CSV: a row per group, the total last */
  {
    g_autoptr (HnTestResponse) csv_stats
        = call (f, "GET", "/api/v1/stats/online-ratio?" YEAR_2021 "&group=quarter&format=csv",
                f->secretary, NULL, NULL, 0);
    g_auto (GStrv) lines = NULL;

    g_assert_cmpuint (csv_stats->status, ==, 200);
    lines = g_strsplit (csv_stats->body, "\r\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 7);
    g_assert_true (g_str_has_prefix (lines[0], "group,held,online,"));
    g_assert_true (g_str_has_prefix (lines[1], "2021-Q1,"));
    g_assert_cmpstr (lines[5], ==, "total,859,286,573,283,3,14,6,0,33.3");
  }
  /* the meetings of the year as CSV, in the import format: importing the
   * export changes nothing */
  {
    g_autoptr (HnTestResponse) exported
        = call (f, "GET", "/api/v1/export/meetings.csv?" YEAR_2021, f->secretary, NULL, NULL, 0);
    g_autoptr (HnTestResponse) reimported = NULL;
    g_autoptr (JsonObject) result = NULL;

    g_assert_cmpuint (exported->status, ==, 200);
    g_assert_true (g_str_has_prefix (exported->body, HEADER_CRLF));
    reimported = call (f, "POST", "/api/v1/import", f->admin, "text/csv", exported->body, -1);
    g_assert_cmpuint (reimported->status, ==, 200);
    result = object_of (reimported);
    g_assert_cmpint (count (result, "created"), ==, 0);
    g_assert_cmpint (count (result, "unchanged"), ==, 1009);
  }
  /* the central government's meetings are their own indicator */
  central = ratio (f, YEAR_2021 "&indicator=central");
  totals = json_object_get_object_member (central, "totals");
  g_assert_cmpint (count (totals, "held"), ==, 130);
  g_assert_cmpint (count (totals, "online"), ==, 130);
}

static void
test_what_counts (Fixture *f, gconstpointer data)
{
  const char *csv = HEADER "a1,Tỉnh với huyện,provincial-task,26,243,2022-03-01T08:00:00+07:00,"
                           "2022-03-01T09:00:00+07:00,online,held,online-mcu,,\n"
                           "a2,Huyện chủ trì,provincial-task,248,26,2022-03-02T08:00:00+07:00,"
                           "2022-03-02T09:00:00+07:00,in-person,held,in-person,,\n"
                           "a3,Tỉnh với xã,training,26,08707,2022-03-03T08:00:00+07:00,"
                           "2022-03-03T09:00:00+07:00,online,held,online-external,Zoom,\n"
                           "a4,Đã hủy,provincial-task,26,243,2022-03-04T08:00:00+07:00,"
                           "2022-03-04T09:00:00+07:00,online,cancelled,,,\n"
                           "a5,Không họp,provincial-task,26,243,2022-03-05T08:00:00+07:00,"
                           "2022-03-05T09:00:00+07:00,online,missed,,,\n"
                           "a6,Với Trung ương,central,central,26;243,2022-03-06T08:00:00+07:00,"
                           "2022-03-06T09:00:00+07:00,online,held,online-external,Chính phủ,\n"
                           "a7,Huyện với xã,other,248,08761,2022-03-07T08:00:00+07:00,"
                           "2022-03-07T09:00:00+07:00,online,held,online-mcu,,\n"
                           "a8,Chưa ghi kết quả,other,26,253,2022-03-08T08:00:00+07:00,"
                           "2022-03-08T09:00:00+07:00,online,scheduled,,,\n";
  g_autoptr (HnTestResponse) r = call (f, "POST", "/api/v1/import", f->admin, "text/csv", csv, -1);
  g_autoptr (JsonObject) report = NULL;
  g_autoptr (JsonObject) communes = NULL;
  g_autoptr (JsonObject) tam_dao = NULL;
  JsonObject *totals;

  g_assert_cmpuint (r->status, ==, 200);
  report = ratio (f, "from=2022-03-01T00:00:00%2B07:00&to=2022-04-01T00:00:00%2B07:00");
  totals = json_object_get_object_member (report, "totals");
  /* a1, a2 and a3 count; a4 cancelled and a5 missed apart; a6 is central;
   * a7 has no province; a8 waits for its outcome */
  g_assert_cmpint (count (totals, "held"), ==, 3);
  g_assert_cmpint (count (totals, "online"), ==, 2);
  g_assert_cmpint (count (totals, "cancelled"), ==, 1);
  g_assert_cmpint (count (totals, "missed"), ==, 1);
  g_assert_cmpint (count (totals, "pending"), ==, 1);
  communes = ratio (f, "from=2022-03-01T00:00:00%2B07:00&to=2022-04-01T00:00:00%2B07:00&level="
                       "commune");
  g_assert_cmpint (count (json_object_get_object_member (communes, "totals"), "held"), ==, 1);
  tam_dao = ratio (f, "from=2022-03-01T00:00:00%2B07:00&to=2022-04-01T00:00:00%2B07:00&unit=248");
  g_assert_cmpint (count (json_object_get_object_member (tam_dao, "totals"), "held"), ==, 1);
}

static void
test_bad_queries (Fixture *f, gconstpointer data)
{
  const char *queries[] = {
    "",
    "from=2021-01-01T00:00:00%2B07:00",
    YEAR_2021 "&colour=red",
    "from=2022-01-01T00:00:00%2B07:00&to=2021-01-01T00:00:00%2B07:00",
    "from=2001-01-01T00:00:00%2B07:00&to=2021-01-01T00:00:00%2B07:00",
    YEAR_2021 "&group=week",
    YEAR_2021 "&level=province",
    YEAR_2021 "&unit=99999",
    YEAR_2021 "&indicator=world",
    "from=yesterday&to=today",
  };

  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      g_autofree char *path = g_strconcat ("/api/v1/stats/online-ratio?", queries[i], NULL);
      g_autoptr (HnTestResponse) r = call (f, "GET", path, f->secretary, NULL, NULL, 0);

      g_test_message ("%s → %u %s", queries[i], r->status, r->body);
      g_assert_cmpuint (r->status, ==, 400);
    }
}

typedef struct
{
  const char *body;
  gssize length;
  const char *content_type;
  guint status;
  guint line;
} BadFile;

static void
test_bad_imports (Fixture *f, gconstpointer data)
{
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *huge = g_malloc (100 * 1024 * 1024);
  const char *good = "k1,Họp,other,26,243,2022-05-02T08:00:00+07:00,2022-05-02T09:00:00+07:00,"
                     "online,held,online-mcu,,\n";
  const BadFile cases[] = {
    { HEADER "k1,Họp,other,26\n", -1, "text/csv", 400, 2 },
    { HEADER "k1,Họp,other,26,243,2022-05-32T08:00:00+07:00,2022-05-02T09:00:00+07:00,online,"
             "held,online-mcu,,\n",
      -1, "text/csv", 400, 2 },
    { HEADER "k1,Họp,other,26,777,2022-05-02T08:00:00+07:00,2022-05-02T09:00:00+07:00,online,"
             "held,online-mcu,,\n",
      -1, "text/csv", 400, 2 },
    { HEADER "k1,Họp,other,26,243,2022-05-02T08:00:00+07:00,2022-05-02T09:00:00+07:00,online,"
             "held,online-mcu,,\n"
             "k1,Họp lại,other,26,243,2022-05-03T08:00:00+07:00,2022-05-03T09:00:00+07:00,online,"
             "held,online-mcu,,\n",
      -1, "text/csv", 400, 3 },
    { HEADER "k1,H\xff\xfep,other,26,243,2022-05-02T08:00:00+07:00,2022-05-02T09:00:00+07:00,"
             "online,held,online-mcu,,\n",
      -1, "text/csv", 400, 0 },
    { "key,title\nk1,Họp\n", -1, "text/csv", 400, 1 },
    { HEADER "k1,Họp,other,26,243,2022-05-02T08:00:00+07:00,2022-05-02T09:00:00+07:00,online,"
             "held,,,\n",
      -1, "text/csv", 400, 2 },
    { HEADER "k1,Họp,other,26,243,2022-05-02T08:00:00+07:00,2022-05-02T09:00:00+07:00,online,"
             "held,online-external,,\n",
      -1, "text/csv", 400, 2 },
    { HEADER "k1,\"Họp, chưa đóng ngoặc,other\n", -1, "text/csv", 400, 0 },
    { "", 0, "text/csv", 400, 1 },
    { HEADER, -1, "application/json", 415, 0 },
    { NULL, 100 * 1024 * 1024, "text/csv", 413, 0 },
  };

  memset (huge, 'x', 100 * 1024 * 1024);
  before = dump (f);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (HnTestResponse) r
          = call (f, "POST", "/api/v1/import", f->admin, cases[i].content_type,
                  cases[i].body != NULL ? cases[i].body : huge, cases[i].length);
      g_autoptr (JsonObject) answer = object_of (r);
      JsonObject *error = json_object_get_object_member (answer, "error");

      g_test_message ("case %u → %u %s", i, r->status, r->status != 413 ? r->body : "");
      g_assert_cmpuint (r->status, ==, cases[i].status);
      g_assert_nonnull (error);
      if (cases[i].line > 0)
        {
          JsonArray *rows = json_object_get_array_member (error, "rows");

          g_assert_cmpint (
              json_object_get_int_member (json_array_get_object_element (rows, 0), "line"), ==,
              cases[i].line);
        }
    }
  after = dump (f);
  g_assert_cmpstr (before, ==, after);

  /* a row that would take a booked room: reported, nothing written */
  {
    g_autofree char *file = g_strconcat (HEADER, good, NULL);
    g_autofree char *clash = g_strconcat (
        HEADER,
        "k2,Trùng,other,26,248,2022-05-02T08:30:00+07:00,2022-05-02T09:30:00+07:00,online,"
        "held,online-mcu,,\n"
        "k3,Không trùng,other,26,249,2022-05-09T08:30:00+07:00,2022-05-09T09:30:00+07:00,online,"
        "held,online-mcu,,\n",
        NULL);
    g_autoptr (HnTestResponse) ok
        = call (f, "POST", "/api/v1/import", f->admin, "text/csv", file, -1);
    g_autoptr (HnTestResponse) refused = NULL;
    g_autoptr (JsonObject) answer = NULL;

    g_assert_cmpuint (ok->status, ==, 200);
    g_clear_pointer (&before, g_free);
    before = dump (f);
    refused = call (f, "POST", "/api/v1/import", f->admin, "text/csv", clash, -1);
    g_assert_cmpuint (refused->status, ==, 409);
    answer = object_of (refused);
    g_assert_cmpint (json_object_get_int_member (
                         json_array_get_object_element (
                             json_object_get_array_member (
                                 json_object_get_object_member (answer, "error"), "rows"),
                             0),
                         "line"),
                     ==, 2);
    g_clear_pointer (&after, g_free);
    after = dump (f);
    g_assert_cmpstr (before, ==, after);
  }
  /* only admins import */
  {
    g_autofree char *file = g_strconcat (HEADER, good, NULL);
    g_autoptr (HnTestResponse) r
        = call (f, "POST", "/api/v1/import", f->secretary, "text/csv", file, -1);

    g_assert_cmpuint (r->status, ==, 403);
  }
}

static gint64
book (Fixture *f, const char *start, const char *end)
{
  g_autofree char *body = g_strdup_printf (
      "{\"title\":\"Họp\",\"category\":\"other\",\"chair_unit\":\"26\",\"participants\":"
      "[\"248\"],\"starts_at\":\"%s\",\"ends_at\":\"%s\",\"mode\":\"online\"}",
      start, end);
  g_autoptr (HnTestResponse) r
      = call (f, "POST", "/api/v1/meetings", f->admin, "application/json", body, -1);
  g_autoptr (JsonObject) o = NULL;

  g_assert_cmpuint (r->status, ==, 201);
  o = object_of (r);
  return json_object_get_int_member (o, "id");
}

static guint
record (Fixture *f, const char *token, gint64 id, const char *body)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/meetings/%" G_GINT64_FORMAT "/outcome", id);
  g_autoptr (HnTestResponse) r = call (f, "POST", path, token, "application/json", body, -1);

  g_test_message ("outcome %s → %u %s", body, r->status, r->body);
  return r->status;
}

static void
test_outcomes (Fixture *f, gconstpointer data)
{
  gint64 past = book (f, "2022-06-01T08:00:00+07:00", "2022-06-01T09:00:00+07:00");
  gint64 other = book (f, "2022-06-02T08:00:00+07:00", "2022-06-02T09:00:00+07:00");
  gint64 future = book (f, "2099-06-01T08:00:00+07:00", "2099-06-01T09:00:00+07:00");
  g_autoptr (HnTestResponse) pending = NULL;
  g_autoptr (HnTestResponse) audit = NULL;
  g_autoptr (JsonObject) list = NULL;
  g_autoptr (JsonObject) log = NULL;
  g_autofree char *audit_path = NULL;

  /* both meetings are over and nobody said how they went */
  pending = call (f, "GET", "/api/v1/meetings?needs_outcome=true", f->secretary, NULL, NULL, 0);
  list = object_of (pending);
  g_assert_cmpint (json_object_get_int_member (list, "total"), ==, 2);

  g_assert_cmpuint (record (f, f->technician, past, "{\"result\":\"held-online-external\"}"), ==,
                    400);
  g_assert_cmpuint (
      record (f, f->technician, past, "{\"result\":\"held-in-person\",\"platform\":\"Zoom\"}"), ==,
      400);
  g_assert_cmpuint (record (f, f->technician, past, "{\"result\":\"teleported\"}"), ==, 400);
  g_assert_cmpuint (record (f, f->technician, past, "{\"result\":\"held-online-mcu\"}"), ==, 403);
  g_assert_cmpuint (record (f, f->secretary, past, "{\"result\":\"held-in-person\"}"), ==, 403);
  g_assert_cmpuint (record (f, f->technician, future, "{\"result\":\"held-in-person\"}"), ==, 409);
  g_assert_cmpuint (record (f, f->technician, past, "{\"result\":\"held-in-person\"}"), ==, 200);
  /* a correction keeps the first record in the audit log */
  g_assert_cmpuint (record (f, f->technician, past,
                            "{\"result\":\"held-online-external\",\"platform\":\"Zoom\"}"),
                    ==, 200);
  g_assert_cmpuint (record (f, f->admin, other, "{\"result\":\"missed\"}"), ==, 200);

  g_clear_pointer (&pending, hn_test_response_free);
  g_clear_pointer (&list, json_object_unref);
  pending = call (f, "GET", "/api/v1/meetings?needs_outcome=true", f->secretary, NULL, NULL, 0);
  list = object_of (pending);
  g_assert_cmpint (json_object_get_int_member (list, "total"), ==, 0);

  audit_path = g_strdup_printf ("/api/v1/audit?entity=meeting&entity_id=%" G_GINT64_FORMAT, past);
  audit = call (f, "GET", audit_path, f->admin, NULL, NULL, 0);
  log = object_of (audit);
  {
    JsonArray *items = json_object_get_array_member (log, "items");
    JsonObject *latest = json_array_get_object_element (items, 0);
    JsonObject *earlier = json_array_get_object_element (items, 1);

    g_assert_cmpuint (json_array_get_length (items), ==, 3);
    g_assert_cmpstr (json_object_get_string_member (latest, "action"), ==, "outcome");
    g_assert_cmpstr (json_object_get_string_member (latest, "login"), ==, "kythuat");
    g_assert_cmpstr (json_object_get_string_member (
                         json_object_get_object_member (
                             json_object_get_object_member (latest, "after"), "outcome"),
                         "external_platform"),
                     ==, "Zoom");
    g_assert_cmpstr (json_object_get_string_member (
                         json_object_get_object_member (
                             json_object_get_object_member (earlier, "after"), "outcome"),
                         "evidence"),
                     ==, "none");
  }
}

static gboolean
svg_parses (const char *text, gsize length)
{
  const GMarkupParser parser = { 0 };
  g_autoptr (GMarkupParseContext) context
      = g_markup_parse_context_new (&parser, G_MARKUP_DEFAULT_FLAGS, NULL, NULL);
  g_autoptr (GError) error = NULL;

  if (!g_markup_parse_context_parse (context, text, length, &error)
      || !g_markup_parse_context_end_parse (context, &error))
    {
      g_test_message ("SVG does not parse: %s", error->message);
      return FALSE;
    }
  return TRUE;
}

static void
test_report (Fixture *f, gconstpointer data)
{
  g_autofree char *csv = sample ();
  g_autoptr (HnTestResponse) imported
      = call (f, "POST", "/api/v1/import", f->admin, "text/csv", csv, -1);
  g_autoptr (HnTestResponse) pdf = NULL;
  g_autoptr (HnTestResponse) svg = NULL;
  g_autoptr (HnTestResponse) png = NULL;
  g_autofree char *dir = hn_test_make_tmpdir ("report");
  g_autofree char *pdf_path = g_build_filename (dir, "report.pdf", NULL);
  g_autofree char *page_prefix = g_build_filename (dir, "page", NULL);
  g_autofree char *page = g_build_filename (dir, "page-1.png", NULL);
  g_autofree char *text = NULL;
  const char *bad[]
      = { "/api/v1/reports/online-ratio.pdf?year=abc",
          "/api/v1/reports/online-ratio.pdf?year=2021&from=2021-01-01T00:00:00%2B07:00",
          "/api/v1/reports/online-ratio.pdf?year=2021&lang=fr", "/api/v1/reports/online-ratio.pdf",
          "/api/v1/reports/other.pdf" };

  g_assert_cmpuint (imported->status, ==, 200);
  pdf = call (f, "GET", "/api/v1/reports/online-ratio.pdf?year=2021", f->secretary, NULL, NULL, 0);
  g_assert_cmpuint (pdf->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (pdf->headers, NULL), ==,
                   "application/pdf");
  g_assert_true (g_str_has_prefix (pdf->body, "%PDF-"));
  g_assert_true (g_file_set_contents (
      pdf_path, pdf->body, soup_message_headers_get_content_length (pdf->headers), NULL));
  {
    const char *argv[] = { "/usr/bin/pdftotext", pdf_path, "-", NULL };

    g_assert_cmpint (hn_test_run (argv, NULL, &text, NULL), ==, 0);
  }
  g_assert_nonnull (strstr (text, "33,3%"));
  g_assert_nonnull (strstr (text, "Huyện Tam Đảo"));
  g_assert_nonnull (strstr (text, "Thành phố Vĩnh Yên"));
  g_assert_nonnull (strstr (text, "Huyện Sông Lô"));
  g_assert_nonnull (strstr (text, "859"));
  {
    const char *argv[] = { "/usr/bin/pdftoppm", "-png", "-r", "40", pdf_path, page_prefix, NULL };

    g_assert_cmpint (hn_test_run (argv, NULL, NULL, NULL), ==, 0);
    g_assert_true (g_file_test (page, G_FILE_TEST_IS_REGULAR));
  }

  svg = call (f, "GET", "/api/v1/reports/online-ratio-chart.svg?year=2021", f->secretary, NULL,
              NULL, 0);
  g_assert_cmpuint (svg->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (svg->headers, NULL), ==, "image/svg+xml");
  g_assert_nonnull (strstr (svg->body, "<svg"));
  g_assert_true (svg_parses (svg->body, strlen (svg->body)));
  png = call (f, "GET", "/api/v1/reports/online-ratio-chart.png?year=2021", f->secretary, NULL,
              NULL, 0);
  g_assert_cmpuint (png->status, ==, 200);
  g_assert_cmpint (memcmp (png->body, "\x89PNG\r\n\x1a\n", 8), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (HnTestResponse) r = call (f, "GET", bad[i], f->secretary, NULL, NULL, 0);

      g_test_message ("%s → %u", bad[i], r->status);
      g_assert_true (r->status == 400 || r->status == 404);
    }
  hn_test_remove_tree (dir);
}

/* data/samples/2021-meetings.csv is what its generator writes. */
static void
test_sample_reproducible (void)
{
  g_autofree char *out = NULL;
  g_autofree char *committed = sample ();
  const char *argv[] = { "data/samples/gen-2021-meetings", NULL };

  g_assert_cmpint (hn_test_run (argv, NULL, &out, NULL), ==, 0);
  g_assert_cmpstr (out, ==, committed);
}

#define ADD(name, func)                                                                            \
  g_test_add ("/scheduler-stats/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int argc, char **argv)
{
  hn_test_init (&argc, &argv);
  g_test_add_func ("/scheduler-stats/percent", test_percent);
  g_test_add_func ("/scheduler-stats/sample-reproducible", test_sample_reproducible);
  ADD ("2021", test_2021);
  ADD ("what-counts", test_what_counts);
  ADD ("bad-queries", test_bad_queries);
  ADD ("bad-imports", test_bad_imports);
  ADD ("outcomes", test_outcomes);
  ADD ("report", test_report);
  return g_test_run ();
}
