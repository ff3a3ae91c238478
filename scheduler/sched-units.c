/* sched-units.c: /api/v1/units, /api/v1/rooms, calendar feeds. */
#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "config.h"

#include <string.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#include "sched-audit.h"
#include "sched-auth.h"
#include "sched-ical.h"
#include "sched-idempotency.h"
#include "sched-json.h"
#include "sched-meetings.h"
#include "sched-units.h"

/* A feed covers a year back and two ahead: what a calendar client shows. */
#define FEED_PAST_SECONDS (366 * 24 * 3600)
#define FEED_FUTURE_SECONDS (2 * 366 * 24 * 3600)
#define FEED_MAX_EVENTS 5000

static void
add_unit (JsonBuilder *builder, sqlite3_stmt *stmt)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 0));
  json_builder_set_member_name (builder, "level");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 1));
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 2));
  sched_json_add_nullable_string (builder, "parent_code",
                                  (const char *) sqlite3_column_text (stmt, 3));
  json_builder_set_member_name (builder, "code_source");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 4));
  json_builder_end_object (builder);
}

static gboolean
list_units (SchedDb *db, SchedRequest *request, SchedResponse *response, GError **error)
{
  static const char *const params[] = { "level", "parent", NULL };
  static const char *const sql
      = "SELECT code, level, name, parent_code, code_source FROM units "
        "WHERE (?1 IS NULL OR level = ?1) AND (?2 IS NULL OR parent_code = ?2) "
        "ORDER BY CASE level WHEN 'central' THEN 0 WHEN 'province' THEN 1 "
        "WHEN 'district' THEN 2 ELSE 3 END, code";
  g_autoptr (SchedStmt) stmt = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) root = NULL;

  if (!sched_request_check_query (request, params, error))
    return FALSE;
  stmt = sched_db_prepare (db, sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sched_request_query (request, "level"), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, sched_request_query (request, "parent"), -1, SQLITE_STATIC);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "items");
  json_builder_begin_array (builder);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    add_unit (builder, stmt);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  sched_response_set_json (response, 200, root);
  return TRUE;
}

static JsonNode *
unit_to_json (SchedDb *db, const char *code, GError **error)
{
  static const char *const sql
      = "SELECT code, level, name, parent_code, code_source FROM units WHERE code = ?1";
  static const char *const children_sql
      = "SELECT code, level, name, parent_code, code_source FROM units WHERE parent_code = ?1 "
        "ORDER BY code";
  static const char *const rooms_sql
      = "SELECT id, name, join_identity, is_default FROM rooms WHERE unit_code = ?1 ORDER BY id";
  g_autoptr (SchedStmt) stmt = sched_db_prepare (db, sql, error);
  g_autoptr (SchedStmt) children = NULL;
  g_autoptr (SchedStmt) rooms = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) unit = NULL;
  JsonObject *object;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, code, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, _ ("There is no unit with the code “%s”."),
                   code);
      return NULL;
    }
  add_unit (builder, stmt);
  unit = json_builder_get_root (builder);
  object = json_node_get_object (unit);

  children = sched_db_prepare (db, children_sql, error);
  rooms = sched_db_prepare (db, rooms_sql, error);
  if (children == NULL || rooms == NULL)
    return NULL;
  json_builder_reset (builder);
  json_builder_begin_array (builder);
  sqlite3_bind_text (children, 1, code, -1, SQLITE_STATIC);
  while (sqlite3_step (children) == SQLITE_ROW)
    add_unit (builder, children);
  json_builder_end_array (builder);
  json_object_set_member (object, "children", json_builder_get_root (builder));

  json_builder_reset (builder);
  json_builder_begin_array (builder);
  sqlite3_bind_text (rooms, 1, code, -1, SQLITE_STATIC);
  while (sqlite3_step (rooms) == SQLITE_ROW)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, sqlite3_column_int64 (rooms, 0));
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (rooms, 1));
      json_builder_set_member_name (builder, "join_identity");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (rooms, 2));
      json_builder_set_member_name (builder, "default");
      json_builder_add_boolean_value (builder, sqlite3_column_int (rooms, 3));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_object_set_member (object, "rooms", json_builder_get_root (builder));
  return g_steal_pointer (&unit);
}

static gboolean
valid_code (const char *code)
{
  gsize length = strlen (code);

  if (length == 0 || length > 16)
    return FALSE;
  for (const char *p = code; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-')
      return FALSE;
  return TRUE;
}

static gboolean
create_unit (SchedDb *db, SchedRequest *request, SchedResponse *response, GError **error)
{
  static const char *const admin_only[] = { "admin", NULL };
  static const char *const fields[] = { "code", "level", "name", "parent_code", NULL };
  static const char *const levels[] = { "central", "province", "district", "commune", NULL };
  static const char *const parent_sql = "SELECT level FROM units WHERE code = ?1";
  static const char *const insert_sql
      = "INSERT INTO units (code, level, name, parent_code, code_source) "
        "VALUES (?1, ?2, ?3, ?4, 'project')";
  static const char *const ancestors_sql
      = "INSERT INTO unit_ancestors (unit_code, ancestor_code, depth) "
        "SELECT ?1, ?1, 0 UNION ALL "
        "SELECT ?1, ancestor_code, depth + 1 FROM unit_ancestors WHERE unit_code = ?2";
  static const char *const room_sql
      = "INSERT INTO rooms (unit_code, name, join_identity, is_default) VALUES (?1, ?2, ?3, 1)";
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (JsonNode) created = NULL;
  g_autoptr (SchedStmt) parent = NULL;
  g_autoptr (SchedStmt) insert = NULL;
  g_autoptr (SchedStmt) ancestors = NULL;
  g_autoptr (SchedStmt) room = NULL;
  g_autofree char *code = NULL, *level = NULL, *name = NULL, *parent_code = NULL;
  g_autofree char *room_name = NULL, *identity = NULL;
  JsonObject *object;
  guint level_index;
  int rc;

  if (!sched_auth_require_role (request->user, admin_only, error))
    return FALSE;
  object = sched_request_read_object (request, fields, &body, error);
  if (object == NULL || !sched_json_get_string (object, "code", TRUE, 16, &code, error)
      || !sched_json_get_string (object, "level", TRUE, 16, &level, error)
      || !sched_json_get_string (object, "name", TRUE, 200, &name, error)
      || !sched_json_get_string (object, "parent_code", FALSE, 16, &parent_code, error))
    return FALSE;
  if (!valid_code (code))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("“%s” is not a unit code: use up to 16 letters, digits and -."), code);
      return FALSE;
    }
  for (level_index = 0; levels[level_index] != NULL; level_index++)
    if (g_str_equal (levels[level_index], level))
      break;
  if (levels[level_index] == NULL)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("“%s” is not a level: use central, province, district or commune."), level);
      return FALSE;
    }
  if (!sched_db_begin (db, error))
    return FALSE;
  /* a district sits under a province, a commune under a district */
  if (level_index >= 2)
    {
      parent = sched_db_prepare (db, parent_sql, error);
      if (parent == NULL)
        return FALSE;
      sqlite3_bind_text (parent, 1, parent_code, -1, SQLITE_STATIC);
      if (parent_code == NULL || sqlite3_step (parent) != SQLITE_ROW
          || !g_str_equal ((const char *) sqlite3_column_text (parent, 0), levels[level_index - 1]))
        {
          g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                       _ ("A %s needs a parent_code naming a %s."), level, levels[level_index - 1]);
          return FALSE;
        }
    }
  else if (parent_code != NULL)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("A %s has no parent."), level);
      return FALSE;
    }
  insert = sched_db_prepare (db, insert_sql, error);
  if (insert == NULL)
    return FALSE;
  sqlite3_bind_text (insert, 1, code, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 2, level, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 3, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 4, parent_code, -1, SQLITE_STATIC);
  rc = sqlite3_step (insert);
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFLICT, _ ("The unit code “%s” is taken."), code);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return sched_db_set_error (db, rc, error);
  ancestors = sched_db_prepare (db, ancestors_sql, error);
  room = sched_db_prepare (db, room_sql, error);
  if (ancestors == NULL || room == NULL)
    return FALSE;
  sqlite3_bind_text (ancestors, 1, code, -1, SQLITE_STATIC);
  sqlite3_bind_text (ancestors, 2, parent_code, -1, SQLITE_STATIC);
  room_name = g_strdup_printf ("Điểm cầu %s", name);
  identity = g_strdup_printf ("room-%s", code);
  sqlite3_bind_text (room, 1, code, -1, SQLITE_STATIC);
  sqlite3_bind_text (room, 2, room_name, -1, SQLITE_STATIC);
  sqlite3_bind_text (room, 3, identity, -1, SQLITE_STATIC);
  if (!sched_db_step_done (db, ancestors, error) || !sched_db_step_done (db, room, error))
    return FALSE;
  created = unit_to_json (db, code, error);
  if (created == NULL
      || !sched_audit_append (db, request, "create", "unit", 0, NULL, created, error))
    return FALSE;
  sched_response_set_json (response, 201, created);
  response->location = g_strdup_printf ("/api/v1/units/%s", code);
  return sched_idempotency_commit (db, request, response, error);
}

/**
 * sched_units_handle_collection:
 * @db: the database
 * @request: GET /api/v1/units[?level=&parent=] or POST (admins)
 * @response: the units, or the created unit (201)
 * @error: what is wrong
 *
 * Returns: whether @response was filled.
 */
gboolean
sched_units_handle_collection (SchedDb *db, SchedRequest *request, SchedResponse *response,
                               GError **error)
{
  if (g_str_equal (request->method, "GET"))
    return list_units (db, request, response, error);
  return create_unit (db, request, response, error);
}

/**
 * sched_units_handle_item:
 * @db: the database
 * @request: GET /api/v1/units/{code}
 * @response: the unit with its children and rooms
 * @error: what is wrong
 *
 * Returns: whether @response was filled.
 */
gboolean
sched_units_handle_item (SchedDb *db, SchedRequest *request, SchedResponse *response,
                         GError **error)
{
  g_autoptr (JsonNode) unit = unit_to_json (db, request->args[0], error);

  if (unit == NULL)
    return FALSE;
  sched_response_set_json (response, 200, unit);
  return TRUE;
}

/**
 * sched_rooms_handle:
 * @db: the database
 * @request: GET /api/v1/rooms[?unit=]
 * @response: the rooms (of a unit and the units below it)
 * @error: what is wrong
 *
 * Returns: whether @response was filled.
 */
gboolean
sched_rooms_handle (SchedDb *db, SchedRequest *request, SchedResponse *response, GError **error)
{
  static const char *const params[] = { "unit", NULL };
  static const char *const sql
      = "SELECT r.id, r.unit_code, r.name, r.join_identity, r.is_default FROM rooms r "
        "WHERE ?1 IS NULL OR r.unit_code IN "
        "(SELECT unit_code FROM unit_ancestors WHERE ancestor_code = ?1) ORDER BY r.id";
  g_autoptr (SchedStmt) stmt = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) root = NULL;

  if (!sched_request_check_query (request, params, error))
    return FALSE;
  stmt = sched_db_prepare (db, sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sched_request_query (request, "unit"), -1, SQLITE_STATIC);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "items");
  json_builder_begin_array (builder);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 0));
      json_builder_set_member_name (builder, "unit");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 1));
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 2));
      json_builder_set_member_name (builder, "join_identity");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 3));
      json_builder_set_member_name (builder, "default");
      json_builder_add_boolean_value (builder, sqlite3_column_int (stmt, 4));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  sched_response_set_json (response, 200, root);
  return TRUE;
}

/**
 * sched_feed_token_handle:
 * @db: the database
 * @request: POST /api/v1/feed-token
 * @response: {"token": "…", "path": "/api/v1/units/{unit}/calendar.ics?token=…"}
 * @error: what is wrong
 *
 * Returns: whether @response was filled.
 */
gboolean
sched_feed_token_handle (SchedDb *db, SchedRequest *request, SchedResponse *response,
                         GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *token = NULL;
  g_autofree char *path = NULL;

  if (!sched_db_begin (db, error))
    return FALSE;
  token = sched_auth_new_feed_token (db, request->user->id, error);
  if (token == NULL)
    return FALSE;
  path
      = g_strdup_printf ("/api/v1/units/%s/calendar.ics?token=%s", request->user->unit_code, token);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "token");
  json_builder_add_string_value (builder, token);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, path);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  sched_response_set_json (response, 201, root);
  return sched_idempotency_commit (db, request, response, error);
}

/**
 * sched_calendar_handle:
 * @db: the database
 * @request: GET /api/v1/units/{code}/calendar.ics, authenticated by a
 *   bearer token or by ?token= (a feed token: calendar clients send no
 *   headers)
 * @response: text/calendar with the meetings of the unit and below
 * @error: what is wrong
 *
 * Returns: whether @response was filled.
 */
gboolean
sched_calendar_handle (SchedDb *db, SchedRequest *request, SchedResponse *response, GError **error)
{
  static const char *const params[] = { "token", NULL };
  static const char *const unit_sql = "SELECT name FROM units WHERE code = ?1";
  static const char *const sql
      = "SELECT " SCHED_MEETING_UID
        ", m.title, m.notes, m.category, m.starts_at, m.ends_at, m.status, m.version, "
        "m.updated_at, (SELECT group_concat (r.name, '; ') FROM room_bookings b "
        "  JOIN rooms r ON r.id = b.room_id WHERE b.meeting_id = m.id) "
        "FROM meetings m WHERE m.starts_at >= ?2 AND m.starts_at < ?3 AND EXISTS "
        "(SELECT 1 FROM meeting_units mu JOIN unit_ancestors ua ON ua.unit_code = mu.unit_code "
        " AND ua.ancestor_code = ?1 WHERE mu.meeting_id = m.id) "
        "ORDER BY m.starts_at, m.id LIMIT ?4";
  g_autoptr (SchedStmt) unit = NULL;
  g_autoptr (SchedStmt) stmt = NULL;
  g_autoptr (GArray) events = g_array_new (FALSE, TRUE, sizeof (SchedIcalEvent));
  g_autoptr (GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *calendar_name = NULL;
  const char *feed_token = sched_request_query (request, "token");
  char *text;

  if (!sched_request_check_query (request, params, error))
    return FALSE;
  if (request->user == NULL)
    {
      if (feed_token == NULL)
        {
          g_set_error_literal (error, HN_ERROR, HN_ERROR_UNAUTHORIZED,
                               _ ("This feed needs ?token= (see POST /api/v1/feed-token) or a "
                                  "bearer token."));
          return FALSE;
        }
      request->user = sched_auth_feed_user (db, feed_token, error);
      if (request->user == NULL)
        return FALSE;
    }
  unit = sched_db_prepare (db, unit_sql, error);
  if (unit == NULL)
    return FALSE;
  sqlite3_bind_text (unit, 1, request->args[0], -1, SQLITE_STATIC);
  if (sqlite3_step (unit) != SQLITE_ROW)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, _ ("There is no unit with the code “%s”."),
                   request->args[0]);
      return FALSE;
    }
  calendar_name = g_strdup_printf ("Lịch họp — %s", (const char *) sqlite3_column_text (unit, 0));

  stmt = sched_db_prepare (db, sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, request->args[0], -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, request->now - FEED_PAST_SECONDS);
  sqlite3_bind_int64 (stmt, 3, request->now + FEED_FUTURE_SECONDS);
  sqlite3_bind_int (stmt, 4, FEED_MAX_EVENTS);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      SchedIcalEvent event = { 0 };
      const char *status = (const char *) sqlite3_column_text (stmt, 6);

      /* the strings must outlive the statement's next step */
      for (int column = 0; column < 4; column++)
        g_ptr_array_add (strings, g_strdup ((const char *) sqlite3_column_text (stmt, column)));
      g_ptr_array_add (strings, g_strdup ((const char *) sqlite3_column_text (stmt, 9)));
      event.uid = strings->pdata[strings->len - 5];
      event.summary = strings->pdata[strings->len - 4];
      event.description = strings->pdata[strings->len - 3];
      event.categories = strings->pdata[strings->len - 2];
      event.location = strings->pdata[strings->len - 1];
      event.start_utc = sqlite3_column_int64 (stmt, 4);
      event.end_utc = sqlite3_column_int64 (stmt, 5);
      event.cancelled = g_str_equal (status, "cancelled") || g_str_equal (status, "missed");
      event.sequence = sqlite3_column_int (stmt, 7) - 1;
      event.last_modified_utc = sqlite3_column_int64 (stmt, 8);
      g_array_append_val (events, event);
    }
  text = sched_ical_build_feed (calendar_name, SCHED_TZID, (SchedIcalEvent *) (void *) events->data,
                                events->len, error);
  if (text == NULL)
    return FALSE;
  response->status = 200;
  response->content_type = g_strdup ("text/calendar; charset=utf-8");
  response->body = text;
  response->length = strlen (text);
  return TRUE;
}
