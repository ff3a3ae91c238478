/* test-scheduler-store.c: the scheduler's database on real SQLite files:
 * first start, upgrade in place, a newer schema refused, the online
 * backup, the CSV reader, a meeting as SQLite writes its JSON, the
 * read-only connection. */
#include "config.h"

#include <string.h>

#include "libhoinghi/hn-error.h"
#include "sched-auth.h"
#include "sched-csv.h"
#include "sched-db.h"
#include "sched-json.h"
#include "sched-meetings.h"
#include "support/hn-test.h"

static gint64
count (const char *path, const char *sql)
{
  sqlite3 *handle = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n = -1;

  g_assert_cmpint (sqlite3_open_v2 (path, &handle, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (handle, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (handle);
  return n;
}

static char *
text (const char *path, const char *sql)
{
  sqlite3 *handle = NULL;
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &handle, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (handle, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (handle);
  return value;
}

static void
test_first_start (void)
{
  g_autofree char *dir = hn_test_make_tmpdir ("store");
  g_autofree char *path = g_build_filename (dir, "scheduler.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SchedDb) db = sched_db_open (path, 0, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (sched_db_get_version (db), ==, sched_db_latest_version ());
  g_assert_cmpuint (sched_db_latest_version (), >=, 2);
  g_clear_object (&db);

  /* the hierarchy of Vĩnh Phúc, 2021: central, the province, 9 districts, 136 communes */
  g_assert_cmpint (count (path, "SELECT count(*) FROM units"), ==, 147);
  g_assert_cmpint (count (path, "SELECT count(*) FROM units WHERE level = 'district'"), ==, 9);
  g_assert_cmpint (count (path, "SELECT count(*) FROM units WHERE level = 'commune'"), ==, 136);
  g_assert_cmpint (count (path, "SELECT count(*) FROM units WHERE code IN "
                                "('243','244','246','247','248','249','251','252','253') "
                                "AND parent_code = '26'"),
                   ==, 9);
  /* every commune lies below the province */
  g_assert_cmpint (count (path, "SELECT count(*) FROM unit_ancestors ua JOIN units u "
                                "ON u.code = ua.unit_code WHERE ua.ancestor_code = '26' "
                                "AND u.level = 'commune'"),
                   ==, 136);
  g_assert_cmpint (count (path, "SELECT count(*) FROM rooms WHERE is_default = 1"), ==, 147);
  {
    g_autofree char *mode = text (path, "PRAGMA journal_mode");

    g_assert_cmpstr (mode, ==, "wal");
  }

  /* a second start loads nothing twice */
  db = sched_db_open (path, 0, &error);
  g_assert_no_error (error);
  g_clear_object (&db);
  g_assert_cmpint (count (path, "SELECT count(*) FROM units"), ==, 147);
  hn_test_remove_tree (dir);
}

static void
test_upgrade_in_place (void)
{
  g_autofree char *dir = hn_test_make_tmpdir ("store");
  g_autofree char *path = g_build_filename (dir, "scheduler.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SchedDb) db = sched_db_open (path, 1, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (sched_db_get_version (db), ==, 1);
  g_assert_true (sched_auth_add_user (db, "old-user", "viewer", "248", "mat-khau-cu", 1, &error));
  g_assert_no_error (error);
  g_clear_object (&db);
  g_assert_cmpint (count (path, "SELECT count(*) FROM sqlite_master WHERE name = 'meetings'"), ==,
                   0);

  db = sched_db_open (path, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sched_db_get_version (db), ==, sched_db_latest_version ());
  g_clear_object (&db);
  g_assert_cmpint (count (path, "SELECT count(*) FROM users WHERE login = 'old-user'"), ==, 1);
  g_assert_cmpint (count (path, "SELECT count(*) FROM sqlite_master WHERE name = 'meetings'"), ==,
                   1);
  hn_test_remove_tree (dir);
}

static void
test_newer_refused (void)
{
  g_autofree char *dir = hn_test_make_tmpdir ("store");
  g_autofree char *path = g_build_filename (dir, "scheduler.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SchedDb) db = NULL;
  sqlite3 *handle = NULL;

  g_assert_cmpint (sqlite3_open (path, &handle), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (handle, "PRAGMA user_version = 99", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  sqlite3_close (handle);

  db = sched_db_open (path, 0, &error);
  g_assert_null (db);
  g_assert_error (error, HN_ERROR, HN_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "newer"));
  /* nothing was written into it */
  g_assert_cmpint (count (path, "SELECT count(*) FROM sqlite_master"), ==, 0);
  hn_test_remove_tree (dir);
}

static void
test_backup (void)
{
  g_autofree char *dir = hn_test_make_tmpdir ("store");
  g_autofree char *path = g_build_filename (dir, "scheduler.db", NULL);
  g_autofree char *copy = g_build_filename (dir, "copy.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SchedDb) db = sched_db_open (path, 0, &error);

  g_assert_no_error (error);
  g_assert_true (sched_auth_add_user (db, "thu-ky", "secretary", "26", "mat-khau-dai", 1, &error));
  g_assert_true (sched_db_backup (db, copy, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count (copy, "SELECT count(*) FROM users WHERE login = 'thu-ky'"), ==, 1);
  g_assert_cmpint (count (copy, "SELECT count(*) FROM units"), ==, 147);
  g_assert_false (sched_db_backup (db, "/nonexistent/dir/copy.db", &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_CONFIG);
  hn_test_remove_tree (dir);
}

static void
test_add_user_refusals (void)
{
  g_autofree char *dir = hn_test_make_tmpdir ("store");
  g_autofree char *path = g_build_filename (dir, "scheduler.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SchedDb) db = sched_db_open (path, 0, &error);
  struct
  {
    const char *login, *role, *unit, *password;
    int code;
  } cases[] = {
    { "a", "viewer", "26", "long-enough", HN_ERROR_INVALID },
    { "bad login", "viewer", "26", "long-enough", HN_ERROR_INVALID },
    { "ok", "emperor", "26", "long-enough", HN_ERROR_INVALID },
    { "ok", "viewer", "99999", "long-enough", HN_ERROR_INVALID },
    { "ok", "viewer", "26", "short", HN_ERROR_INVALID },
  };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) local_error = NULL;

      g_assert_false (sched_auth_add_user (db, cases[i].login, cases[i].role, cases[i].unit,
                                           cases[i].password, 1, &local_error));
      g_assert_error (local_error, HN_ERROR, cases[i].code);
    }
  g_assert_true (sched_auth_add_user (db, "ok", "viewer", "26", "long-enough", 1, &error));
  g_assert_false (sched_auth_add_user (db, "ok", "viewer", "26", "long-enough", 1, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_CONFLICT);
  g_clear_object (&db);
  g_assert_cmpint (count (path, "SELECT count(*) FROM users"), ==, 1);
  g_assert_cmpint (
      count (path, "SELECT count(*) FROM users WHERE password_hash LIKE '$argon2id$%'"), ==, 1);
  hn_test_remove_tree (dir);
}

static GPtrArray *
read_all (const char *text, gssize length, GError **error)
{
  g_autoptr (SchedCsv) csv
      = sched_csv_new (text, length < 0 ? strlen (text) : (gsize) length, error);
  g_autoptr (GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  GStrv fields;
  guint line;

  if (csv == NULL)
    return NULL;
  while (sched_csv_next (csv, &fields, &line, error))
    g_ptr_array_add (records, fields);
  if (error != NULL && *error != NULL)
    return NULL;
  return g_steal_pointer (&records);
}

static void
test_csv (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) records = NULL;
  GStrv r;

  records = read_all ("\xef\xbb\xbf"
                      "a,b,c\r\n"
                      "\"x, y\",\"say \"\"hi\"\"\",\r\n"
                      "\n"
                      "\"two\nlines\",Tam Đảo,\"\"\n",
                      -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 3);
  r = records->pdata[0];
  g_assert_cmpstr (r[0], ==, "a");
  g_assert_cmpuint (g_strv_length (r), ==, 3);
  r = records->pdata[1];
  g_assert_cmpstr (r[0], ==, "x, y");
  g_assert_cmpstr (r[1], ==, "say \"hi\"");
  g_assert_cmpstr (r[2], ==, "");
  r = records->pdata[2];
  g_assert_cmpstr (r[0], ==, "two\nlines");
  g_assert_cmpstr (r[1], ==, "Tam Đảo");

  g_clear_pointer (&records, g_ptr_array_unref);
  records = read_all ("a\n\"open\nstill open", -1, &error);
  g_assert_null (records);
  g_assert_error (error, HN_ERROR, HN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "line 2"));
  g_clear_error (&error);

  records = read_all ("a\n\"closed\"junk\n", -1, &error);
  g_assert_error (error, HN_ERROR, HN_ERROR_INVALID);
  g_clear_error (&error);

  records = read_all ("ok\nok\n\xff\xfe\n", -1, &error);
  g_assert_error (error, HN_ERROR, HN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "line 3"));
}

/* A database file in a directory of its own, removed with it when the
 * test's variables go (declared first, it goes after the database). */
typedef struct
{
  char *dir;
  char *path;
} Scratch;

static Scratch
scratch_new (void)
{
  char *dir = hn_test_make_tmpdir ("store");

  return (Scratch){ .dir = dir, .path = g_build_filename (dir, "scheduler.db", NULL) };
}

static void
scratch_clear (Scratch *scratch)
{
  hn_test_remove_tree (scratch->dir);
  g_free (scratch->dir);
  g_free (scratch->path);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Scratch, scratch_clear)

/* Books a meeting through the scheduler's own code; returns its id. */
static gint64
book (SchedDb *db, SchedRequest *request, gint64 starts_at, const char *mode)
{
  g_autoptr (GError) error = NULL;
  g_auto (SchedMeetingDraft) draft = { 0 };
  g_autoptr (GArray) rooms = NULL;
  const char *participants[] = { "248", "243", NULL };
  gint64 id;

  draft.title = g_strdup ("Giao ban \"tuần\" / Họp");
  draft.category = g_strdup ("provincial-task");
  draft.chair_unit = g_strdup ("26");
  draft.participants = g_strdupv ((GStrv) participants);
  draft.starts_at = starts_at;
  draft.ends_at = starts_at + 3600;
  draft.mode = g_strdup (mode);
  g_assert_true (sched_db_begin (db, &error));
  g_assert_true (sched_meeting_draft_rooms (db, &draft, &rooms, &error));
  id = sched_meeting_insert (db, request, &draft, rooms, &error);
  g_assert_no_error (error);
  g_assert_true (sched_db_commit (db, &error));
  return id;
}

/* The JSON SQLite writes for a meeting has the API's shape and its times
 * say what sched_time_format() says, across a local midnight and a new
 * year. */
static void
test_meeting_json (void)
{
  g_auto (Scratch) scratch = scratch_new ();
  const char *path = scratch.path;
  g_autoptr (GError) error = NULL;
  g_autoptr (SchedDb) db = sched_db_open (path, 0, &error);
  /* 2030-12-31T17:30:00Z is half past midnight of 2031 in Hà Nội */
  const gint64 starts[] = { 1627808400, 1924968600, 946684800 };
  SchedRequest request = { .now = 1924970000 };

  g_assert_no_error (error);
  g_assert_true (sched_auth_add_user (db, "thuky", "secretary", "26", HN_TEST_PASSWORD, 1, &error));
  for (guint i = 0; i < G_N_ELEMENTS (starts); i++)
    {
      gint64 id = book (db, &request, starts[i], i == 2 ? "in-person" : "online");
      gint64 version = 0;
      g_autofree char *text = sched_meeting_render (db, id, &version, &error);
      g_autoptr (JsonNode) node = json_from_string (text, &error);
      JsonObject *meeting, *outcome;
      JsonArray *participants, *rooms;
      g_autofree char *starts_at = sched_time_format (starts[i]);
      g_autofree char *ends_at = sched_time_format (starts[i] + 3600);
      g_autofree char *created_at = sched_time_format (request.now);

      g_assert_no_error (error);
      meeting = json_node_get_object (node);
      g_assert_cmpint (json_object_get_int_member (meeting, "id"), ==, id);
      g_assert_cmpint (version, ==, 1);
      g_assert_cmpint (json_object_get_int_member (meeting, "version"), ==, 1);
      g_assert_cmpstr (json_object_get_string_member (meeting, "title"), ==,
                       "Giao ban \"tuần\" / Họp");
      g_assert_cmpstr (json_object_get_string_member (meeting, "starts_at"), ==, starts_at);
      g_assert_cmpstr (json_object_get_string_member (meeting, "ends_at"), ==, ends_at);
      g_assert_cmpstr (json_object_get_string_member (meeting, "created_at"), ==, created_at);
      g_assert_cmpstr (json_object_get_string_member (meeting, "status"), ==, "scheduled");
      g_assert_true (json_object_get_null_member (meeting, "series_id"));
      g_assert_false (json_object_get_boolean_member (meeting, "edited"));
      g_assert_true (g_str_has_prefix (json_object_get_string_member (meeting, "uid"), "meeting-"));
      participants = json_object_get_array_member (meeting, "participants");
      g_assert_cmpuint (json_array_get_length (participants), ==, 2);
      g_assert_cmpstr (json_array_get_string_element (participants, 0), ==, "243");
      g_assert_cmpstr (json_array_get_string_element (participants, 1), ==, "248");
      rooms = json_object_get_array_member (meeting, "rooms");
      g_assert_cmpuint (json_array_get_length (rooms), ==, i == 2 ? 0 : 3);
      if (i < 2)
        g_assert_nonnull (
            json_object_get_string_member (json_array_get_object_element (rooms, 0), "name"));
      outcome = json_object_get_object_member (meeting, "outcome");
      g_assert_true (json_object_get_null_member (outcome, "held_online"));
      g_assert_true (json_object_get_null_member (outcome, "recorded_at"));
      g_assert_true (json_object_get_null_member (meeting, "cancel_reason"));
    }
  g_assert_cmpint (count (path, "SELECT count(*) FROM meetings WHERE scope = 'provincial'"), ==, 3);
}

/* Migration 4 rebuilds the meetings table: every meeting, with its units,
 * room bookings and audit entries, comes through, each reference holds,
 * and the constraints still refuse what they refused. */
static void
test_upgrade_keeps_meetings (void)
{
  g_auto (Scratch) scratch = scratch_new ();
  const char *path = scratch.path;
  g_autoptr (GError) error = NULL;
  g_autoptr (SchedDb) db = sched_db_open (path, 3, &error);
  SchedRequest request = { .now = 1924970000 };
  sqlite3 *handle = NULL;
  const char *const counted[] = { "meetings", "meeting_units", "room_bookings", "audit", "users" };
  gint64 before[G_N_ELEMENTS (counted)];

  g_assert_no_error (error);
  g_assert_true (sched_auth_add_user (db, "thuky", "secretary", "26", HN_TEST_PASSWORD, 1, &error));
  for (int i = 0; i < 5; i++)
    book (db, &request, 1924968600 + i * 7200, i == 4 ? "in-person" : "online");
  g_assert_true (sched_db_exec (db,
                                "INSERT INTO audit (at, login, action, entity, entity_id) "
                                "VALUES (1, 'thuky', 'create', 'meeting', '1')",
                                &error));
  g_clear_object (&db);
  for (guint i = 0; i < G_N_ELEMENTS (counted); i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", counted[i]);

      before[i] = count (path, sql);
      g_assert_cmpint (before[i], >, 0);
    }

  db = sched_db_open (path, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sched_db_get_version (db), ==, sched_db_latest_version ());
  /* the next meeting takes the next id */
  g_assert_cmpint (book (db, &request, 1924968600 + 10 * 7200, "online"), ==, 6);
  g_clear_object (&db);
  for (guint i = 0; i < G_N_ELEMENTS (counted); i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", counted[i]);

      g_assert_cmpint (count (path, sql), ==, before[i] + (i < 3 ? (i == 0 ? 1 : 3) : 0));
    }
  g_assert_cmpint (count (path, "SELECT count(*) FROM pragma_foreign_key_check"), ==, 0);
  g_assert_cmpint (count (path, "SELECT count(*) FROM sqlite_master WHERE name IN "
                                "('meetings_start', 'meetings_scope_start', 'meetings_new')"),
                   ==, 2);
  g_assert_cmpint (sqlite3_open (path, &handle), ==, SQLITE_OK);
  g_assert_cmpint (
      sqlite3_exec (handle, "UPDATE meetings SET mode = 'webinar' WHERE id = 1", NULL, NULL, NULL),
      ==, SQLITE_CONSTRAINT);
  g_assert_cmpint (sqlite3_exec (handle, "UPDATE meetings SET status = 'postponed' WHERE id = 1",
                                 NULL, NULL, NULL),
                   ==, SQLITE_CONSTRAINT);
  g_assert_cmpint (sqlite3_exec (handle, "UPDATE meetings SET evidence = 'rumour' WHERE id = 1",
                                 NULL, NULL, NULL),
                   ==, SQLITE_CONSTRAINT);
  g_assert_cmpint (sqlite3_exec (handle,
                                 "UPDATE meetings SET status = 'held', evidence = 'mcu' "
                                 "WHERE id = 1",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (handle);
}

/* The database's VFS gathers the WAL's writes: whatever the synchronous
 * setting (NORMAL does not sync at commit, so only the barrier behind
 * which a commit is published flushes them), another connection sees
 * every commit, and a transaction larger than the buffer lands whole. */
static void
test_wal_batch (void)
{
  g_auto (Scratch) scratch = scratch_new ();
  const char *path = scratch.path;
  g_autoptr (GError) error = NULL;
  g_autoptr (SchedDb) db = sched_db_open (path, 0, &error);
  SchedRequest request = { .now = 1924970000 };

  g_assert_no_error (error);
  g_assert_true (sched_db_exec (db, "PRAGMA synchronous = NORMAL", &error));
  for (int i = 0; i < 40; i++)
    {
      book (db, &request, 1924968600 + i * 7200, "online");
      g_assert_cmpint (count (path, "SELECT count(*) FROM meetings"), ==, i + 1);
    }
  g_assert_true (sched_db_exec (db, "PRAGMA synchronous = FULL", &error));
  /* one transaction of about 200 pages: the buffer fills many times */
  g_assert_true (sched_db_exec (db,
                                "BEGIN IMMEDIATE;"
                                "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                                "WHERE i < 3000) "
                                "INSERT INTO audit (at, login, action, entity, entity_id, after) "
                                "SELECT i, 'he-thong', 'test', 'meeting', i, "
                                "printf ('%.*c', 200, 'x') FROM n;"
                                "COMMIT",
                                &error));
  g_assert_cmpint (count (path, "SELECT count(*) FROM audit"), ==, 3000);
  g_assert_cmpint (count (path, "SELECT sum (length (after)) FROM audit"), ==, 600000);
  g_clear_object (&db);
  {
    g_autofree char *check = text (path, "PRAGMA integrity_check");

    g_assert_cmpstr (check, ==, "ok");
  }
}

/* The main thread's reader sees each commit of the writer, one snapshot
 * in a read transaction, and can write nothing. */
static void
test_reader (void)
{
  g_auto (Scratch) scratch = scratch_new ();
  const char *path = scratch.path;
  g_autoptr (GError) error = NULL;
  g_autoptr (SchedDb) db = sched_db_open (path, 0, &error);
  g_autoptr (SchedDb) reader = NULL;
  SchedRequest request = { .now = 1924970000 };
  gint64 id;
  g_autofree char *seen = NULL;

  g_assert_no_error (error);
  reader = sched_db_open_reader (db, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sched_db_get_version (reader), ==, sched_db_get_version (db));
  id = book (db, &request, 1924968600, "online");
  seen = sched_meeting_render (reader, id, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (seen, "\"starts_at\":\"2031-01-01T00:30:00+07:00\""));
  g_assert_false (sched_db_exec (reader, "DELETE FROM meetings", &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_INTERNAL);
  g_clear_error (&error);
  g_assert_cmpint (count (path, "SELECT count(*) FROM meetings"), ==, 1);

  /* a read transaction is one snapshot: a commit made meanwhile shows
   * after it ends */
  g_assert_true (sched_db_begin_read (reader, &error));
  g_free (sched_meeting_render (reader, id, NULL, &error));
  g_assert_no_error (error);
  id = book (db, &request, 1924968600 + 7200, "online");
  g_assert_null (sched_meeting_render (reader, id, NULL, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_NOT_FOUND);
  g_clear_error (&error);
  sched_db_end_read (reader);
  g_free (sched_meeting_render (reader, id, NULL, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  hn_test_init (&argc, &argv);
  g_test_add_func ("/scheduler-store/first-start", test_first_start);
  g_test_add_func ("/scheduler-store/upgrade-in-place", test_upgrade_in_place);
  g_test_add_func ("/scheduler-store/newer-refused", test_newer_refused);
  g_test_add_func ("/scheduler-store/backup", test_backup);
  g_test_add_func ("/scheduler-store/add-user-refusals", test_add_user_refusals);
  g_test_add_func ("/scheduler-store/csv", test_csv);
  g_test_add_func ("/scheduler-store/meeting-json", test_meeting_json);
  g_test_add_func ("/scheduler-store/reader", test_reader);
  g_test_add_func ("/scheduler-store/wal-batch", test_wal_batch);
  g_test_add_func ("/scheduler-store/upgrade-keeps-meetings", test_upgrade_keeps_meetings);
  return g_test_run ();
}
