/* sched-series.c: /api/v1/series.
 *
 * Creating a series expands its rule (sched-recurrence.c) and writes one
 * meeting per occurrence in one transaction, after checking every
 * occurrence's rooms.  Editing a series re-plans only the future
 * occurrences nobody edited or cancelled by hand; they are updated in
 * place, so their ids and calendar UIDs stay.  Deleting a series cancels
 * its future occurrences and keeps the past ones.
 */
#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "config.h"

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#include "sched-audit.h"
#include "sched-auth.h"
#include "sched-idempotency.h"
#include "sched-json.h"
#include "sched-meetings.h"
#include "sched-recurrence.h"
#include "sched-series.h"

#define MAX_EXDATES 400

static const char *const writers[] = { "admin", "secretary", NULL };
static const char *const series_fields[]
    = { "title", "category", "chair_unit", "participants", "dtstart", "duration_minutes",
        "rrule", "exdates",  "mode",       "notes",        "tzid",    NULL };

typedef struct
{
  SchedMeetingDraft base; /* starts_at/ends_at unused */
  gint64 dtstart;
  gint64 duration_min;
  char *tzid;
  char *rrule;
  GArray *exdates;
} SeriesDraft;

static void
series_draft_clear (SeriesDraft *draft)
{
  sched_meeting_draft_clear (&draft->base);
  g_clear_pointer (&draft->tzid, g_free);
  g_clear_pointer (&draft->rrule, g_free);
  g_clear_pointer (&draft->exdates, g_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SeriesDraft, series_draft_clear)

static gboolean
read_series (JsonObject *object, SeriesDraft *draft, gboolean required, GError **error)
{
  GArray *exdates = NULL;

  if (!sched_json_get_string (object, "title", required, 200, &draft->base.title, error)
      || !sched_json_get_string (object, "category", required, 64, &draft->base.category, error)
      || !sched_json_get_string (object, "chair_unit", required, 64, &draft->base.chair_unit, error)
      || !sched_json_get_string_array (object, "participants", FALSE, 300,
                                       &draft->base.participants, error)
      || !sched_json_get_time (object, "dtstart", required, &draft->dtstart, error)
      || !sched_json_get_int (object, "duration_minutes", required, 1, 24 * 60,
                              &draft->duration_min, error)
      || !sched_json_get_string (object, "rrule", required, 1000, &draft->rrule, error)
      || !sched_json_get_time_array (object, "exdates", MAX_EXDATES, &exdates, error)
      || !sched_json_get_string (object, "mode", required, 16, &draft->base.mode, error)
      || !sched_json_get_string (object, "notes", FALSE, 4000, &draft->base.notes, error)
      || !sched_json_get_string (object, "tzid", FALSE, 64, &draft->tzid, error))
    return FALSE;
  if (exdates != NULL)
    {
      g_clear_pointer (&draft->exdates, g_array_unref);
      draft->exdates = exdates;
    }
  if (draft->tzid == NULL)
    draft->tzid = g_strdup (SCHED_TZID);
  if (draft->exdates == NULL)
    draft->exdates = g_array_new (FALSE, FALSE, sizeof (gint64));
  return TRUE;
}

static gboolean
check_series (SchedDb *db, SeriesDraft *draft, GArray **starts, GError **error)
{
  draft->base.starts_at = draft->dtstart;
  draft->base.ends_at = draft->dtstart + draft->duration_min * 60;
  if (!sched_meeting_draft_check (db, &draft->base, error))
    return FALSE;
  return sched_recurrence_expand (
      draft->rrule, draft->dtstart, draft->tzid, (const gint64 *) (void *) draft->exdates->data,
      draft->exdates->len, SCHED_RECURRENCE_MAX_OCCURRENCES, starts, error);
}

static char *
json_of_strv (GStrv strv)
{
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    json_builder_add_string_value (builder, strv[i]);
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static char *
json_of_times (GArray *times)
{
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; times != NULL && i < times->len; i++)
    {
      g_autofree char *text = sched_time_format (g_array_index (times, gint64, i));

      json_builder_add_string_value (builder, text);
    }
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static JsonNode *
series_to_json (SchedDb *db, gint64 id, gint64 *version, GError **error)
{
  static const char *const sql
      = "SELECT id, title, category, chair_unit, participants, mode, dtstart, duration_min, tzid, "
        "rrule, exdates, notes, version, cancelled_at, created_at, updated_at "
        "FROM series WHERE id = ?1";
  static const char *const meetings_sql
      = "SELECT id, starts_at, status, edited FROM meetings WHERE series_id = ?1 "
        "ORDER BY starts_at";
  g_autoptr (SchedStmt) stmt = sched_db_prepare (db, sql, error);
  g_autoptr (SchedStmt) meetings = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  gint64 active = 0;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, _ ("There is no series %lld."),
                   (long long) id);
      return NULL;
    }
  if (version != NULL)
    *version = sqlite3_column_int64 (stmt, 12);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, id);
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 1));
  json_builder_set_member_name (builder, "category");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 2));
  json_builder_set_member_name (builder, "chair_unit");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 3));
  sched_json_add_json_text (builder, "participants", (const char *) sqlite3_column_text (stmt, 4));
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 5));
  sched_json_add_time (builder, "dtstart", sqlite3_column_int64 (stmt, 6));
  json_builder_set_member_name (builder, "duration_minutes");
  json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 7));
  json_builder_set_member_name (builder, "tzid");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 8));
  json_builder_set_member_name (builder, "rrule");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 9));
  sched_json_add_json_text (builder, "exdates", (const char *) sqlite3_column_text (stmt, 10));
  json_builder_set_member_name (builder, "notes");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 11));
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 12));
  if (sqlite3_column_type (stmt, 13) == SQLITE_NULL)
    sched_json_add_nullable_string (builder, "cancelled_at", NULL);
  else
    sched_json_add_time (builder, "cancelled_at", sqlite3_column_int64 (stmt, 13));
  sched_json_add_time (builder, "created_at", sqlite3_column_int64 (stmt, 14));
  sched_json_add_time (builder, "updated_at", sqlite3_column_int64 (stmt, 15));

  meetings = sched_db_prepare (db, meetings_sql, error);
  if (meetings == NULL)
    return NULL;
  sqlite3_bind_int64 (meetings, 1, id);
  json_builder_set_member_name (builder, "meetings");
  json_builder_begin_array (builder);
  while (sqlite3_step (meetings) == SQLITE_ROW)
    {
      const char *status = (const char *) sqlite3_column_text (meetings, 2);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, sqlite3_column_int64 (meetings, 0));
      sched_json_add_time (builder, "starts_at", sqlite3_column_int64 (meetings, 1));
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, status);
      json_builder_set_member_name (builder, "edited");
      json_builder_add_boolean_value (builder, sqlite3_column_int (meetings, 3));
      json_builder_end_object (builder);
      active += !g_str_equal (status, "cancelled");
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "occurrences");
  json_builder_add_int_value (builder, active);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static gboolean
write_series_row (SchedDb *db, SchedRequest *request, SeriesDraft *draft, gint64 id, gint64 *new_id,
                  GError **error)
{
  static const char *const insert_sql
      = "INSERT INTO series (title, category, chair_unit, mode, dtstart, duration_min, tzid, "
        "rrule, exdates, participants, notes, created_by, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)";
  static const char *const update_sql
      = "UPDATE series SET title = ?1, category = ?2, chair_unit = ?3, mode = ?4, dtstart = ?5, "
        "duration_min = ?6, tzid = ?7, rrule = ?8, exdates = ?9, participants = ?10, notes = ?11, "
        "version = version + 1, updated_at = ?13 WHERE id = ?14";
  g_autoptr (SchedStmt) stmt = sched_db_prepare (db, id == 0 ? insert_sql : update_sql, error);
  g_autofree char *exdates = json_of_times (draft->exdates);
  g_autofree char *participants = json_of_strv (draft->base.participants);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, draft->base.title, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, draft->base.category, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, draft->base.chair_unit, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, draft->base.mode, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, draft->dtstart);
  sqlite3_bind_int64 (stmt, 6, draft->duration_min);
  sqlite3_bind_text (stmt, 7, draft->tzid, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, draft->rrule, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 9, exdates, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 10, participants, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 11, draft->base.notes != NULL ? draft->base.notes : "", -1,
                     SQLITE_STATIC);
  if (id == 0 && request->user != NULL)
    sqlite3_bind_int64 (stmt, 12, request->user->id);
  sqlite3_bind_int64 (stmt, 13, request->now);
  if (id != 0)
    sqlite3_bind_int64 (stmt, 14, id);
  if (!sched_db_step_done (db, stmt, error))
    return FALSE;
  *new_id = id == 0 ? sched_db_last_insert_id (db) : id;
  return TRUE;
}

static gboolean
answer_series (SchedDb *db, SchedRequest *request, SchedResponse *response, gint64 id, guint status,
               const char *action, JsonNode *before, GError **error)
{
  g_autoptr (JsonNode) after = NULL;
  gint64 version;

  after = series_to_json (db, id, &version, error);
  if (after == NULL
      || !sched_audit_append (db, request, action, "series", id, before, after, error))
    return FALSE;
  sched_response_set_json (response, status, after);
  sched_response_set_etag (response, version);
  if (status == 201)
    response->location = g_strdup_printf ("/api/v1/series/%" G_GINT64_FORMAT, id);
  return sched_idempotency_commit (db, request, response, error);
}

static gboolean
create_series (SchedDb *db, SchedRequest *request, SchedResponse *response, GError **error)
{
  g_auto (SeriesDraft) draft = { 0 };
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (GArray) starts = NULL;
  g_autoptr (GArray) rooms = NULL;
  g_autoptr (JsonBuilder) conflicts = json_builder_new_immutable ();
  JsonObject *object;
  guint n_conflicts = 0;
  gint64 id;

  if (!sched_auth_require_role (request->user, writers, error))
    return FALSE;
  object = sched_request_read_object (request, series_fields, &body, error);
  if (object == NULL || !read_series (object, &draft, TRUE, error)
      || !check_series (db, &draft, &starts, error)
      || !sched_auth_may_manage_unit (db, request->user, draft.base.chair_unit, error)
      || !sched_meeting_draft_rooms (db, &draft.base, &rooms, error))
    return FALSE;

  if (!sched_db_begin (db, error))
    return FALSE;
  json_builder_begin_array (conflicts);
  for (guint i = 0; i < starts->len; i++)
    {
      gint64 start = g_array_index (starts, gint64, i);

      if (!sched_meeting_find_conflicts (db, rooms, start, start + draft.duration_min * 60, 0,
                                         conflicts, &n_conflicts, error))
        return FALSE;
    }
  json_builder_end_array (conflicts);
  if (n_conflicts > 0)
    {
      g_autofree char *message = g_strdup_printf (
          _ ("%u occurrences would take a room that is already booked; see “conflicts”."),
          n_conflicts);

      sched_response_set_conflict (response, message, conflicts);
      return TRUE;
    }
  if (!write_series_row (db, request, &draft, 0, &id, error))
    return FALSE;
  draft.base.series_id = id;
  for (guint i = 0; i < starts->len; i++)
    {
      draft.base.starts_at = draft.base.recurrence_start = g_array_index (starts, gint64, i);
      draft.base.ends_at = draft.base.starts_at + draft.duration_min * 60;
      if (sched_meeting_insert (db, request, &draft.base, rooms, error) == 0)
        return FALSE;
    }
  return answer_series (db, request, response, id, 201, "create", NULL, error);
}

static gboolean
list_series (SchedDb *db, SchedRequest *request, SchedResponse *response, GError **error)
{
  static const char *const sql
      = "SELECT s.id, s.title, s.category, s.chair_unit, s.rrule, s.dtstart, s.cancelled_at, "
        "(SELECT count(*) FROM meetings m WHERE m.series_id = s.id AND m.status != 'cancelled') "
        "FROM series s ORDER BY s.id";
  static const char *const params[] = { NULL };
  g_autoptr (SchedStmt) stmt = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) root = NULL;

  if (!sched_request_check_query (request, params, error))
    return FALSE;
  stmt = sched_db_prepare (db, sql, error);
  if (stmt == NULL)
    return FALSE;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "items");
  json_builder_begin_array (builder);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 0));
      json_builder_set_member_name (builder, "title");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 1));
      json_builder_set_member_name (builder, "category");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 2));
      json_builder_set_member_name (builder, "chair_unit");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 3));
      json_builder_set_member_name (builder, "rrule");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 4));
      sched_json_add_time (builder, "dtstart", sqlite3_column_int64 (stmt, 5));
      json_builder_set_member_name (builder, "cancelled");
      json_builder_add_boolean_value (builder, sqlite3_column_type (stmt, 6) != SQLITE_NULL);
      json_builder_set_member_name (builder, "occurrences");
      json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 7));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  sched_response_set_json (response, 200, root);
  return TRUE;
}

/**
 * sched_series_handle_collection:
 * @db: the database
 * @request: GET or POST /api/v1/series
 * @response: the list, or the created series (201) with its occurrences
 * @error: what is wrong
 *
 * Returns: whether @response was filled.
 */
gboolean
sched_series_handle_collection (SchedDb *db, SchedRequest *request, SchedResponse *response,
                                GError **error)
{
  if (g_str_equal (request->method, "GET"))
    return list_series (db, request, response, error);
  return create_series (db, request, response, error);
}

static gboolean
load_series (SchedDb *db, gint64 id, SeriesDraft *draft, gint64 *version, gboolean *cancelled,
             GError **error)
{
  static const char *const sql
      = "SELECT title, category, chair_unit, participants, mode, dtstart, duration_min, tzid, "
        "rrule, exdates, notes, version, cancelled_at FROM series WHERE id = ?1";
  g_autoptr (SchedStmt) stmt = sched_db_prepare (db, sql, error);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GStrvBuilder) participants = g_strv_builder_new ();
  JsonArray *array;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, _ ("There is no series %lld."),
                   (long long) id);
      return FALSE;
    }
  draft->base.title = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  draft->base.category = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  draft->base.chair_unit = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  if (json_parser_load_from_data (parser, (const char *) sqlite3_column_text (stmt, 3), -1, NULL))
    {
      array = json_node_get_array (json_parser_get_root (parser));
      for (guint i = 0; i < json_array_get_length (array); i++)
        g_strv_builder_add (participants, json_array_get_string_element (array, i));
    }
  draft->base.participants = g_strv_builder_end (participants);
  draft->base.mode = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  draft->dtstart = sqlite3_column_int64 (stmt, 5);
  draft->duration_min = sqlite3_column_int64 (stmt, 6);
  draft->tzid = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
  draft->rrule = g_strdup ((const char *) sqlite3_column_text (stmt, 8));
  draft->exdates = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (json_parser_load_from_data (parser, (const char *) sqlite3_column_text (stmt, 9), -1, NULL))
    {
      array = json_node_get_array (json_parser_get_root (parser));
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          gint64 t;

          if (sched_time_parse (json_array_get_string_element (array, i), "exdates", &t, NULL))
            g_array_append_val (draft->exdates, t);
        }
    }
  draft->base.notes = g_strdup ((const char *) sqlite3_column_text (stmt, 10));
  *version = sqlite3_column_int64 (stmt, 11);
  *cancelled = sqlite3_column_type (stmt, 12) != SQLITE_NULL;
  draft->base.series_id = id;
  return TRUE;
}

typedef struct
{
  gint64 id;
  gint64 recurrence_start;
} Occurrence;

/* The future occurrences nobody touched by hand: the ones a series edit
 * may move, change or remove. */
static GArray *
replannable (SchedDb *db, gint64 series_id, gint64 now, GHashTable *kept, GError **error)
{
  static const char *const sql
      = "SELECT id, recurrence_start, edited, status, starts_at FROM meetings "
        "WHERE series_id = ?1";
  g_autoptr (SchedStmt) stmt = sched_db_prepare (db, sql, error);
  g_autoptr (GArray) result = g_array_new (FALSE, FALSE, sizeof (Occurrence));

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, series_id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      Occurrence occurrence = { sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1) };
      gboolean untouched
          = !sqlite3_column_int (stmt, 2)
            && g_str_equal ((const char *) sqlite3_column_text (stmt, 3), "scheduled");

      if (untouched && sqlite3_column_int64 (stmt, 4) > now)
        g_array_append_val (result, occurrence);
      else
        g_hash_table_add (kept, g_memdup2 (&occurrence.recurrence_start, sizeof (gint64)));
    }
  return g_steal_pointer (&result);
}

static gboolean
update_occurrence (SchedDb *db, SchedRequest *request, gint64 id, SeriesDraft *draft, gint64 start,
                   GArray *rooms, GError **error)
{
  static const char *const sql
      = "UPDATE meetings SET title = ?2, category = ?3, chair_unit = ?4, starts_at = ?5, "
        "ends_at = ?6, mode = ?7, notes = ?8, version = version + 1, updated_at = ?9 "
        "WHERE id = ?1";
  g_autoptr (SchedStmt) stmt = sched_db_prepare (db, sql, error);
  gint64 end = start + draft->duration_min * 60;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_text (stmt, 2, draft->base.title, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, draft->base.category, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, draft->base.chair_unit, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, start);
  sqlite3_bind_int64 (stmt, 6, end);
  sqlite3_bind_text (stmt, 7, draft->base.mode, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, draft->base.notes != NULL ? draft->base.notes : "", -1,
                     SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 9, request->now);
  if (!sched_db_step_done (db, stmt, error))
    return FALSE;
  draft->base.starts_at = start;
  draft->base.ends_at = end;
  if (!sched_meeting_write_units (db, id, &draft->base, error))
    return FALSE;
  return sched_meeting_book_rooms (db, id, rooms, start, end, error);
}

static gboolean
delete_occurrence (SchedDb *db, gint64 id, GError **error)
{
  g_autoptr (SchedStmt) stmt = sched_db_prepare (db, "DELETE FROM meetings WHERE id = ?1", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  return sched_db_step_done (db, stmt, error);
}

static gboolean
patch_series (SchedDb *db, SchedRequest *request, SchedResponse *response, gint64 id,
              GError **error)
{
  g_auto (SeriesDraft) draft = { 0 };
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (JsonNode) before = NULL;
  g_autoptr (GArray) starts = NULL;
  g_autoptr (GArray) rooms = NULL;
  g_autoptr (GArray) movable = NULL;
  g_autoptr (GHashTable) kept = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr (GHashTable) planned = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr (JsonBuilder) conflicts = json_builder_new_immutable ();
  g_autofree char *old_chair = NULL;
  JsonObject *object;
  gint64 version;
  gboolean cancelled;
  guint n_conflicts = 0;

  if (!sched_auth_require_role (request->user, writers, error))
    return FALSE;
  object = sched_request_read_object (request, series_fields, &body, error);
  if (object == NULL || !sched_db_begin (db, error)
      || !load_series (db, id, &draft, &version, &cancelled, error))
    return FALSE;
  old_chair = g_strdup (draft.base.chair_unit);
  if (!sched_auth_may_manage_unit (db, request->user, old_chair, error)
      || !sched_request_check_if_match (request, version, error))
    return FALSE;
  if (cancelled)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFLICT,
                   _ ("Series %lld was deleted and can no longer be changed."), (long long) id);
      return FALSE;
    }
  if (!read_series (object, &draft, FALSE, error) || !check_series (db, &draft, &starts, error)
      || !sched_auth_may_manage_unit (db, request->user, draft.base.chair_unit, error)
      || !sched_meeting_draft_rooms (db, &draft.base, &rooms, error))
    return FALSE;
  before = series_to_json (db, id, NULL, error);
  movable = replannable (db, id, request->now, kept, error);
  if (before == NULL || movable == NULL)
    return FALSE;

  /* the movable occurrences free their rooms before the new plan is checked */
  for (guint i = 0; i < movable->len; i++)
    if (!sched_meeting_book_rooms (db, g_array_index (movable, Occurrence, i).id, NULL, 0, 0,
                                   error))
      return FALSE;
  json_builder_begin_array (conflicts);
  for (guint i = 0; i < starts->len; i++)
    {
      gint64 *start = &g_array_index (starts, gint64, i);

      if (*start <= request->now || g_hash_table_contains (kept, start))
        continue;
      g_hash_table_add (planned, start);
      if (!sched_meeting_find_conflicts (db, rooms, *start, *start + draft.duration_min * 60, 0,
                                         conflicts, &n_conflicts, error))
        return FALSE;
    }
  json_builder_end_array (conflicts);
  if (n_conflicts > 0)
    {
      g_autofree char *message = g_strdup_printf (
          _ ("%u occurrences would take a room that is already booked; see “conflicts”."),
          n_conflicts);

      sched_response_set_conflict (response, message, conflicts);
      return TRUE;
    }
  if (!write_series_row (db, request, &draft, id, &id, error))
    return FALSE;

  /* in place where the occurrence stays in the plan, so ids and UIDs live on */
  for (guint i = 0; i < movable->len; i++)
    {
      Occurrence *occurrence = &g_array_index (movable, Occurrence, i);

      if (g_hash_table_remove (planned, &occurrence->recurrence_start))
        {
          if (!update_occurrence (db, request, occurrence->id, &draft, occurrence->recurrence_start,
                                  rooms, error))
            return FALSE;
        }
      else if (!delete_occurrence (db, occurrence->id, error))
        return FALSE;
    }
  {
    GHashTableIter iter;
    gpointer start;

    g_hash_table_iter_init (&iter, planned);
    while (g_hash_table_iter_next (&iter, &start, NULL))
      {
        draft.base.starts_at = draft.base.recurrence_start = *(gint64 *) start;
        draft.base.ends_at = draft.base.starts_at + draft.duration_min * 60;
        if (sched_meeting_insert (db, request, &draft.base, rooms, error) == 0)
          return FALSE;
      }
  }
  return answer_series (db, request, response, id, 200, "update", before, error);
}

static gboolean
delete_series (SchedDb *db, SchedRequest *request, SchedResponse *response, gint64 id,
               GError **error)
{
  static const char *const cancel_sql
      = "UPDATE meetings SET status = 'cancelled', cancel_reason = ?2, version = version + 1, "
        "updated_at = ?3 WHERE series_id = ?1 AND status = 'scheduled' AND starts_at > ?3";
  static const char *const free_sql
      = "DELETE FROM room_bookings WHERE meeting_id IN "
        "(SELECT id FROM meetings WHERE series_id = ?1 AND status = 'cancelled')";
  static const char *const end_sql
      = "UPDATE series SET cancelled_at = ?2, version = version + 1, updated_at = ?2 "
        "WHERE id = ?1";
  g_auto (SeriesDraft) draft = { 0 };
  g_autoptr (JsonNode) before = NULL;
  g_autoptr (SchedStmt) cancel = NULL;
  g_autoptr (SchedStmt) free_rooms = NULL;
  g_autoptr (SchedStmt) end = NULL;
  gint64 version;
  gboolean cancelled;

  if (!sched_auth_require_role (request->user, writers, error) || !sched_db_begin (db, error)
      || !load_series (db, id, &draft, &version, &cancelled, error)
      || !sched_auth_may_manage_unit (db, request->user, draft.base.chair_unit, error)
      || !sched_request_check_if_match (request, version, error))
    return FALSE;
  if (cancelled)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFLICT, _ ("Series %lld was already deleted."),
                   (long long) id);
      return FALSE;
    }
  before = series_to_json (db, id, NULL, error);
  cancel = sched_db_prepare (db, cancel_sql, error);
  if (before == NULL || cancel == NULL)
    return FALSE;
  sqlite3_bind_int64 (cancel, 1, id);
  sqlite3_bind_text (cancel, 2, _ ("The series was deleted."), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (cancel, 3, request->now);
  free_rooms = sched_db_prepare (db, free_sql, error);
  if (!sched_db_step_done (db, cancel, error) || free_rooms == NULL)
    return FALSE;
  sqlite3_bind_int64 (free_rooms, 1, id);
  end = sched_db_prepare (db, end_sql, error);
  if (!sched_db_step_done (db, free_rooms, error) || end == NULL)
    return FALSE;
  sqlite3_bind_int64 (end, 1, id);
  sqlite3_bind_int64 (end, 2, request->now);
  if (!sched_db_step_done (db, end, error))
    return FALSE;
  return answer_series (db, request, response, id, 200, "delete", before, error);
}

/**
 * sched_series_handle_item:
 * @db: the database
 * @request: GET, PATCH or DELETE /api/v1/series/{id}
 * @response: the series with its occurrences
 * @error: what is wrong
 *
 * Returns: whether @response was filled.
 */
gboolean
sched_series_handle_item (SchedDb *db, SchedRequest *request, SchedResponse *response,
                          GError **error)
{
  g_autoptr (JsonNode) series = NULL;
  guint64 id;
  gint64 version;

  if (!g_ascii_string_to_unsigned (request->args[0], 10, 1, G_MAXINT64, &id, NULL))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, _ ("There is no series “%s”."),
                   request->args[0]);
      return FALSE;
    }
  if (g_str_equal (request->method, "PATCH"))
    return patch_series (db, request, response, id, error);
  if (g_str_equal (request->method, "DELETE"))
    return delete_series (db, request, response, id, error);
  series = series_to_json (db, id, &version, error);
  if (series == NULL)
    return FALSE;
  sched_response_set_json (response, 200, series);
  sched_response_set_etag (response, version);
  return TRUE;
}
