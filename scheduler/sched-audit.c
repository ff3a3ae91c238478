/* sched-audit.c: who changed what, when, with the before and after.
 *
 * Rows are written in the same transaction as the change they describe;
 * triggers in the schema refuse every UPDATE and DELETE of them, and the
 * API has no call that could try.
 */
#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "config.h"

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#include "sched-audit.h"
#include "sched-auth.h"
#include "sched-json.h"

/**
 * sched_audit_append_text:
 * @db: the database, in the change's transaction
 * @request: the request making the change (its user and time)
 * @action: e.g. "create", "update", "cancel"
 * @entity: e.g. "meeting", "series", "unit"
 * @entity_id: the entity's id
 * @before: (nullable): the entity before, JSON text
 * @after: (nullable): the entity after, JSON text
 * @error: a database failure
 *
 * Returns: whether the entry was written.
 */
gboolean
sched_audit_append_text (SchedDb *db, SchedRequest *request, const char *action, const char *entity,
                         gint64 entity_id, const char *before, const char *after, GError **error)
{
  static const char *const sql
      = "INSERT INTO audit (at, user_id, login, action, entity, entity_id, before, after) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
  g_autoptr (SchedStmt) stmt = sched_db_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, request->now);
  if (request->user != NULL)
    sqlite3_bind_int64 (stmt, 2, request->user->id);
  sqlite3_bind_text (stmt, 3, request->user != NULL ? request->user->login : "system", -1,
                     SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, action, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, entity, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, g_strdup_printf ("%" G_GINT64_FORMAT, entity_id), -1, g_free);
  sqlite3_bind_text (stmt, 7, before, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, after, -1, SQLITE_STATIC);
  return sched_db_step_done (db, stmt, error);
}

/**
 * sched_audit_append:
 * @db: the database, in the change's transaction
 * @request: the request making the change (its user and time)
 * @action: e.g. "create", "update", "cancel"
 * @entity: e.g. "meeting", "series", "unit"
 * @entity_id: the entity's id
 * @before: (nullable): the entity before
 * @after: (nullable): the entity after
 * @error: a database failure
 *
 * Returns: whether the entry was written.
 */
gboolean
sched_audit_append (SchedDb *db, SchedRequest *request, const char *action, const char *entity,
                    gint64 entity_id, JsonNode *before, JsonNode *after, GError **error)
{
  g_autofree char *before_text = before != NULL ? json_to_string (before, FALSE) : NULL;
  g_autofree char *after_text = after != NULL ? json_to_string (after, FALSE) : NULL;

  return sched_audit_append_text (db, request, action, entity, entity_id, before_text, after_text,
                                  error);
}

/**
 * sched_audit_handle:
 * @db: the database
 * @request: GET /api/v1/audit[?entity=&entity_id=&limit=&offset=]
 * @response: the entries, newest first
 * @error: what is wrong
 *
 * Admins only.
 *
 * Returns: whether @response was filled.
 */
gboolean
sched_audit_handle (SchedDb *db, SchedRequest *request, SchedResponse *response, GError **error)
{
  static const char *const admin_only[] = { "admin", NULL };
  static const char *const params[] = { "entity", "entity_id", "limit", "offset", NULL };
  static const char *const sql
      = "SELECT id, at, login, action, entity, entity_id, before, after FROM audit "
        "WHERE (?1 IS NULL OR entity = ?1) AND (?2 IS NULL OR entity_id = ?2) "
        "ORDER BY id DESC LIMIT ?3 OFFSET ?4";
  g_autoptr (SchedStmt) stmt = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) root = NULL;
  guint64 limit = 100, offset = 0;
  const char *text;

  if (!sched_auth_require_role (request->user, admin_only, error)
      || !sched_request_check_query (request, params, error))
    return FALSE;
  if ((text = sched_request_query (request, "limit")) != NULL
      && !g_ascii_string_to_unsigned (text, 10, 1, 1000, &limit, NULL))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("limit must be from 1 to 1000."));
      return FALSE;
    }
  if ((text = sched_request_query (request, "offset")) != NULL
      && !g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT32, &offset, NULL))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("offset must be a whole number."));
      return FALSE;
    }
  stmt = sched_db_prepare (db, sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sched_request_query (request, "entity"), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, sched_request_query (request, "entity_id"), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, limit);
  sqlite3_bind_int64 (stmt, 4, offset);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "items");
  json_builder_begin_array (builder);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 0));
      sched_json_add_time (builder, "at", sqlite3_column_int64 (stmt, 1));
      json_builder_set_member_name (builder, "login");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 2));
      json_builder_set_member_name (builder, "action");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 3));
      json_builder_set_member_name (builder, "entity");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 4));
      json_builder_set_member_name (builder, "entity_id");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 5));
      sched_json_add_json_text (builder, "before", (const char *) sqlite3_column_text (stmt, 6));
      sched_json_add_json_text (builder, "after", (const char *) sqlite3_column_text (stmt, 7));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "limit");
  json_builder_add_int_value (builder, limit);
  json_builder_set_member_name (builder, "offset");
  json_builder_add_int_value (builder, offset);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  sched_response_set_json (response, 200, root);
  return TRUE;
}
