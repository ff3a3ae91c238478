/* sched-outcomes.c: POST /api/v1/meetings/{id}/outcome.
 *
 * The outcome is what the online-meeting ratio counts, so it says who
 * recorded it and when, and every correction is kept in the audit log
 * with the record before and after.  Evidence is "mcu" (the mcu saw the
 * sites connected), "external" (a person recorded another platform, named)
 * or "none" (held in person, or not held).
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
#include "sched-outcomes.h"

typedef struct
{
  const char *result;
  const char *status;
  int held_online; /* -1: NULL */
  const char *evidence;
} Result;

/* The one table of what a recorded result means. */
static const Result results[] = {
  { "held-in-person", "held", 0, "none" },
  { "held-online-external", "held", 1, "external" },
  { "held-online-mcu", "held", 1, "mcu" },
  { "missed", "missed", -1, "none" },
};

static const Result *
find_result (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    if (g_str_equal (results[i].result, name))
      return &results[i];
  return NULL;
}

static gboolean
may_record (SchedDb *db, SchedUser *user, gint64 id, GError **error)
{
  static const char *const recorders[] = { "admin", "technician", NULL };

  if (!sched_auth_require_role (user, recorders, error))
    return FALSE;
  return g_str_equal (user->role, "admin") || sched_meeting_involves_unit (db, user, id, error);
}

/**
 * sched_outcome_handle:
 * @db: the database
 * @request: POST /api/v1/meetings/{id}/outcome
 *   {"result": "held-in-person" | "held-online-external" | "held-online-mcu" | "missed",
 *    "platform": "Zoom"}
 * @response: the meeting with its outcome
 * @error: what is wrong
 *
 * Technicians of a unit taking part, and admins.  "held-online-mcu" is
 * for admins (the mcu's own evidence arrives through the service account);
 * "held-online-external" needs the platform's name.
 *
 * Returns: whether @response was filled.
 */
gboolean
sched_outcome_handle (SchedDb *db, SchedRequest *request, SchedResponse *response, GError **error)
{
  static const char *const fields[] = { "result", "platform", NULL };
  static const char *const status_sql
      = "SELECT status, starts_at, version FROM meetings WHERE id = ?1";
  static const char *const update_sql
      = "UPDATE meetings SET status = ?2, held_online = ?3, evidence = ?4, external_platform = ?5, "
        "outcome_by = ?6, outcome_at = ?7, version = version + 1, updated_at = ?7 WHERE id = ?1";
  static const char *const free_sql = "DELETE FROM room_bookings WHERE meeting_id = ?1";
  g_autoptr (JsonNode) body = NULL;
  g_autofree char *before = NULL;
  char *after;
  g_autoptr (SchedStmt) stmt = NULL;
  g_autoptr (SchedStmt) update = NULL;
  g_autofree char *result_name = NULL;
  g_autofree char *platform = NULL;
  g_autofree char *status = NULL;
  const Result *result;
  JsonObject *object;
  guint64 id;
  gint64 version;

  if (!g_ascii_string_to_unsigned (request->args[0], 10, 1, G_MAXINT64, &id, NULL))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, _ ("There is no meeting “%s”."),
                   request->args[0]);
      return FALSE;
    }
  object = sched_request_read_object (request, fields, &body, error);
  if (object == NULL || !sched_json_get_string (object, "result", TRUE, 32, &result_name, error)
      || !sched_json_get_string (object, "platform", FALSE, 100, &platform, error))
    return FALSE;
  result = find_result (result_name);
  if (result == NULL)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("“%s” is not a result: use held-in-person, held-online-external, "
                      "held-online-mcu or missed."),
                   result_name);
      return FALSE;
    }
  if (g_str_equal (result->evidence, "external") && (platform == NULL || *platform == '\0'))
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                           _ ("A meeting held online on another platform needs the platform's "
                              "name in “platform”, e.g. Zoom."));
      return FALSE;
    }
  if (!g_str_equal (result->evidence, "external") && platform != NULL)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                           _ ("“platform” goes only with held-online-external."));
      return FALSE;
    }
  if (g_str_equal (result->evidence, "mcu") && !g_str_equal (request->user->role, "admin"))
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_FORBIDDEN,
                           _ ("Only the mcu's evidence (an admin account) can record "
                              "held-online-mcu."));
      return FALSE;
    }

  if (!sched_db_begin (db, error) || !may_record (db, request->user, id, error))
    return FALSE;
  stmt = sched_db_prepare (db, status_sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, _ ("There is no meeting %lld."),
                   (long long) id);
      return FALSE;
    }
  status = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  if (g_str_equal (status, "cancelled"))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFLICT,
                   _ ("Meeting %lld was cancelled; it has no outcome."), (long long) id);
      return FALSE;
    }
  if (sqlite3_column_int64 (stmt, 1) > request->now)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFLICT,
                   _ ("Meeting %lld has not started yet; record its outcome afterwards."),
                   (long long) id);
      return FALSE;
    }
  version = sqlite3_column_int64 (stmt, 2);
  g_clear_pointer (&stmt, sched_stmt_release);
  if (!sched_request_check_if_match (request, version, error))
    return FALSE;

  before = sched_meeting_render (db, id, NULL, error);
  update = sched_db_prepare (db, update_sql, error);
  if (before == NULL || update == NULL)
    return FALSE;
  sqlite3_bind_int64 (update, 1, id);
  sqlite3_bind_text (update, 2, result->status, -1, SQLITE_STATIC);
  if (result->held_online >= 0)
    sqlite3_bind_int (update, 3, result->held_online);
  sqlite3_bind_text (update, 4, result->evidence, -1, SQLITE_STATIC);
  sqlite3_bind_text (update, 5, platform, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (update, 6, request->user->id);
  sqlite3_bind_int64 (update, 7, request->now);
  if (!sched_db_step_done (db, update, error))
    return FALSE;
  /* a meeting that did not take place holds no room */
  if (g_str_equal (result->status, "missed"))
    {
      g_autoptr (SchedStmt) release = sched_db_prepare (db, free_sql, error);

      if (release == NULL)
        return FALSE;
      sqlite3_bind_int64 (release, 1, id);
      if (!sched_db_step_done (db, release, error))
        return FALSE;
    }
  after = sched_meeting_render (db, id, &version, error);
  if (after == NULL)
    return FALSE;
  sched_response_take_json_text (response, 200, after);
  if (!sched_audit_append_text (db, request, "outcome", "meeting", id, before, after, error))
    return FALSE;
  sched_response_set_etag (response, version);
  return sched_idempotency_commit (db, request, response, error);
}
