/* sched-meetings.c: /api/v1/meetings, and what series share with it.
 *
 * A meeting that is online or hybrid holds one room per taking-part unit
 * (the unit's default room unless the request names rooms).  Its room
 * bookings are copied into room_bookings with its times; every path that
 * writes a meeting checks them in the same BEGIN IMMEDIATE transaction as
 * the write, so two requests can never both take a room.
 */
#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "config.h"

#include <string.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#include "sched-audit.h"
#include "sched-auth.h"
#include "sched-idempotency.h"
#include "sched-json.h"
#include "sched-meetings.h"

#define MAX_PARTICIPANTS 300
#define MAX_CONFLICTS_LISTED 50

/* A meeting as the API shows it, written by SQLite as one JSON object:
 * the create, read and list paths need no JSON library of their own, and
 * the response, the audit entry and an idempotent replay share the text. */
#define MEETING_JSON                                                                               \
  "json_object ('id', m.id, 'uid', " SCHED_MEETING_UID ", 'title', m.title, "                      \
  "'category', m.category, 'chair_unit', m.chair_unit, "                                           \
  "'participants', json ((SELECT json_group_array (unit_code) FROM (SELECT unit_code "             \
  "  FROM meeting_units WHERE meeting_id = m.id AND role = 'participant' ORDER BY unit_code))), "  \
  "'rooms', json ((SELECT json_group_array (json_object ('id', r.id, 'name', r.name, "             \
  "  'unit', r.unit_code)) FROM room_bookings b JOIN rooms r ON r.id = b.room_id "                 \
  "  WHERE b.meeting_id = m.id)), "                                                                \
  "'starts_at', " SCHED_SQL_TIME ("m.starts_at") ", 'ends_at', " SCHED_SQL_TIME (                  \
      "m.ends_at") ", "                                                                            \
                   "'mode', m.mode, 'status', m.status, 'series_id', m.series_id, "                \
                   "'edited', json (iif (m.edited, 'true', 'false')), "                            \
                   "'outcome', json_object ('held_online', json (CASE WHEN m.held_online IS NULL " \
                   "THEN 'null' "                                                                  \
                   "  WHEN m.held_online THEN 'true' ELSE 'false' END), 'evidence', m.evidence, "  \
                   "  'external_platform', m.external_platform, "                                  \
                   "  'recorded_by', (SELECT login FROM users WHERE id = m.outcome_by), "          \
                   "  'recorded_at', " SCHED_SQL_TIME (                                            \
                       "m.outcome_at") "), "                                                       \
                                       "'cancel_reason', m.cancel_reason, 'notes', m.notes, "      \
                                       "'version', m.version, "                                    \
                                       "'created_by', (SELECT login FROM users WHERE id = "        \
                                       "m.created_by), "                                           \
                                       "'created_at', " SCHED_SQL_TIME (                           \
                                           "m.created_at") ", "                                    \
                                                           "'updated_at', " SCHED_SQL_TIME (       \
                                                               "m.updated_at") ")"

static const char *const writers[] = { "admin", "secretary", NULL };

/**
 * sched_meeting_draft_clear:
 * @draft: a draft
 *
 * Frees what the draft holds.
 */
void
sched_meeting_draft_clear (SchedMeetingDraft *draft)
{
  g_clear_pointer (&draft->title, g_free);
  g_clear_pointer (&draft->category, g_free);
  g_clear_pointer (&draft->chair_unit, g_free);
  g_clear_pointer (&draft->participants, g_strfreev);
  g_clear_pointer (&draft->mode, g_free);
  g_clear_pointer (&draft->notes, g_free);
  g_clear_pointer (&draft->rooms, g_array_unref);
}

static gboolean
row_exists (SchedDb *db, const char *sql, const char *key, gboolean *exists, GError **error)
{
  g_autoptr (SchedStmt) stmt = sched_db_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  *exists = sqlite3_step (stmt) == SQLITE_ROW;
  return TRUE;
}

static gboolean
check_unit (SchedDb *db, const char *code, const char *field, GError **error)
{
  gboolean exists = FALSE;

  if (!row_exists (db, "SELECT 1 FROM units WHERE code = ?1", code, &exists, error))
    return FALSE;
  if (!exists)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("There is no unit with the code “%s” (field “%s”)."), code, field);
      return FALSE;
    }
  return TRUE;
}

/* The chair first, then the participants: the units that take part. */
static GPtrArray *
taking_part (SchedMeetingDraft *draft)
{
  GPtrArray *units = g_ptr_array_new ();

  g_ptr_array_add (units, draft->chair_unit);
  for (guint i = 0; draft->participants != NULL && draft->participants[i] != NULL; i++)
    if (!g_str_equal (draft->participants[i], draft->chair_unit))
      g_ptr_array_add (units, draft->participants[i]);
  return units;
}

/**
 * sched_meeting_draft_check:
 * @db: the database
 * @draft: a complete draft
 * @error: the first thing wrong with it
 *
 * Returns: whether the draft names known things and sane times.
 */
gboolean
sched_meeting_draft_check (SchedDb *db, SchedMeetingDraft *draft, GError **error)
{
  static const char *const modes[] = { "online", "in-person", "hybrid", NULL };
  g_autoptr (GPtrArray) units = NULL;
  gboolean exists = FALSE;

  if (!g_strv_contains (modes, draft->mode))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("“%s” is not a mode: use online, in-person or hybrid."), draft->mode);
      return FALSE;
    }
  if (draft->ends_at <= draft->starts_at)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                           _ ("The meeting must end after it starts."));
      return FALSE;
    }
  if (draft->ends_at - draft->starts_at > SCHED_MAX_MEETING_SECONDS)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                           _ ("A meeting may last at most 24 hours."));
      return FALSE;
    }
  if (!row_exists (db, "SELECT 1 FROM categories WHERE name = ?1", draft->category, &exists, error))
    return FALSE;
  if (!exists)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("There is no category “%s”."),
                   draft->category);
      return FALSE;
    }
  if (!check_unit (db, draft->chair_unit, "chair_unit", error))
    return FALSE;
  units = taking_part (draft);
  for (guint i = 1; i < units->len; i++)
    if (!check_unit (db, units->pdata[i], "participants", error))
      return FALSE;
  return TRUE;
}

static gint64
room_unit (SchedDb *db, gint64 room, char **unit, GError **error)
{
  g_autoptr (SchedStmt) stmt
      = sched_db_prepare (db, "SELECT unit_code FROM rooms WHERE id = ?1", error);

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, room);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return 0;
  *unit = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  return 1;
}

/**
 * sched_meeting_draft_rooms:
 * @db: the database
 * @draft: a checked draft
 * @rooms: (out) (transfer full): the room ids the meeting holds (none
 *   for an in-person meeting)
 * @error: a room that does not exist or belongs to no unit taking part
 *
 * Returns: whether the rooms could be settled.
 */
gboolean
sched_meeting_draft_rooms (SchedDb *db, SchedMeetingDraft *draft, GArray **rooms, GError **error)
{
  static const char *const default_sql
      = "SELECT id FROM rooms WHERE unit_code = ?1 AND is_default = 1";
  g_autoptr (GArray) result = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GPtrArray) units = taking_part (draft);
  g_autoptr (GHashTable) units_with_room
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (g_str_equal (draft->mode, "in-person"))
    {
      *rooms = g_steal_pointer (&result);
      return TRUE;
    }
  for (guint i = 0; draft->rooms != NULL && i < draft->rooms->len; i++)
    {
      gint64 room = g_array_index (draft->rooms, gint64, i);
      g_autofree char *unit = NULL;
      gint64 found = room_unit (db, room, &unit, error);
      gboolean member = FALSE;

      if (found < 0)
        return FALSE;
      for (guint j = 0; found > 0 && j < units->len; j++)
        member |= g_str_equal (units->pdata[j], unit);
      if (!member)
        {
          g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                       found == 0 ? _ ("There is no room %lld.")
                                  : _ ("Room %lld belongs to no unit taking part in the meeting."),
                       (long long) room);
          return FALSE;
        }
      g_array_append_val (result, room);
      g_hash_table_add (units_with_room, g_steal_pointer (&unit));
    }
  for (guint i = 0; i < units->len; i++)
    {
      g_autoptr (SchedStmt) stmt = NULL;
      gint64 room;

      if (g_hash_table_contains (units_with_room, units->pdata[i]))
        continue;
      stmt = sched_db_prepare (db, default_sql, error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, units->pdata[i], -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) != SQLITE_ROW)
        {
          g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("Unit %s has no meeting room."),
                       (const char *) units->pdata[i]);
          return FALSE;
        }
      room = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (result, room);
    }
  *rooms = g_steal_pointer (&result);
  return TRUE;
}

/**
 * sched_meeting_find_conflicts:
 * @db: the database, in the writing transaction
 * @rooms: the room ids to hold
 * @starts_at: from
 * @ends_at: to
 * @ignore_meeting: a meeting whose own bookings do not count (0: none)
 * @list: (nullable): a builder inside an array; each conflict is added
 * @count: (inout): incremented per conflicting booking
 * @error: a database failure
 *
 * Meetings last at most a day, so only bookings that start within a day
 * before @starts_at can overlap: one short index range per room.
 *
 * Returns: whether the check ran.
 */
gboolean
sched_meeting_find_conflicts (SchedDb *db, GArray *rooms, gint64 starts_at, gint64 ends_at,
                              gint64 ignore_meeting, JsonBuilder *list, guint *count,
                              GError **error)
{
  static const char *const sql
      = "SELECT b.meeting_id, m.title, m.starts_at, m.ends_at, r.id, r.name "
        "FROM room_bookings b JOIN meetings m ON m.id = b.meeting_id "
        "JOIN rooms r ON r.id = b.room_id "
        "WHERE b.room_id = ?1 AND b.starts_at > ?2 - ?5 AND b.starts_at < ?3 AND b.ends_at > ?2 "
        "AND b.meeting_id != ?4";

  for (guint i = 0; i < rooms->len; i++)
    {
      g_autoptr (SchedStmt) stmt = sched_db_prepare (db, sql, error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, g_array_index (rooms, gint64, i));
      sqlite3_bind_int64 (stmt, 2, starts_at);
      sqlite3_bind_int64 (stmt, 3, ends_at);
      sqlite3_bind_int64 (stmt, 4, ignore_meeting);
      sqlite3_bind_int64 (stmt, 5, SCHED_MAX_MEETING_SECONDS);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          if (list != NULL && *count < MAX_CONFLICTS_LISTED)
            {
              json_builder_begin_object (list);
              json_builder_set_member_name (list, "meeting_id");
              json_builder_add_int_value (list, sqlite3_column_int64 (stmt, 0));
              json_builder_set_member_name (list, "title");
              json_builder_add_string_value (list, (const char *) sqlite3_column_text (stmt, 1));
              sched_json_add_time (list, "starts_at", sqlite3_column_int64 (stmt, 2));
              sched_json_add_time (list, "ends_at", sqlite3_column_int64 (stmt, 3));
              json_builder_set_member_name (list, "room_id");
              json_builder_add_int_value (list, sqlite3_column_int64 (stmt, 4));
              json_builder_set_member_name (list, "room");
              json_builder_add_string_value (list, (const char *) sqlite3_column_text (stmt, 5));
              json_builder_end_object (list);
            }
          (*count)++;
        }
    }
  return TRUE;
}

/**
 * sched_response_set_conflict:
 * @response: the response
 * @message: one sentence
 * @list: a builder whose root is the array of conflicts
 *
 * A 409 in the shared error shape, with the meetings in the way under
 * "conflicts".
 */
void
sched_response_set_conflict (SchedResponse *response, const char *message, JsonBuilder *list)
{
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, hn_error_code_name_for (HN_ERROR_CONFLICT));
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_set_member_name (builder, "conflicts");
  json_builder_add_value (builder, json_builder_get_root (list));
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  sched_response_set_json (response, 409, root);
}

/* Adds @rooms' bookings of a meeting that has none. */
static gboolean
add_bookings (SchedDb *db, gint64 meeting_id, GArray *rooms, gint64 starts_at, gint64 ends_at,
              GError **error)
{
  static const char *const sql
      = "INSERT OR IGNORE INTO room_bookings (room_id, meeting_id, starts_at, ends_at) "
        "VALUES (?1, ?2, ?3, ?4)";

  for (guint i = 0; rooms != NULL && i < rooms->len; i++)
    {
      g_autoptr (SchedStmt) insert = sched_db_prepare (db, sql, error);

      if (insert == NULL)
        return FALSE;
      sqlite3_bind_int64 (insert, 1, g_array_index (rooms, gint64, i));
      sqlite3_bind_int64 (insert, 2, meeting_id);
      sqlite3_bind_int64 (insert, 3, starts_at);
      sqlite3_bind_int64 (insert, 4, ends_at);
      if (!sched_db_step_done (db, insert, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * sched_meeting_book_rooms:
 * @db: the database, in the writing transaction
 * @meeting_id: the meeting
 * @rooms: the rooms it holds
 * @starts_at: from
 * @ends_at: to
 * @error: a database failure
 *
 * Replaces the meeting's bookings with @rooms.
 *
 * Returns: whether the bookings were written.
 */
gboolean
sched_meeting_book_rooms (SchedDb *db, gint64 meeting_id, GArray *rooms, gint64 starts_at,
                          gint64 ends_at, GError **error)
{
  g_autoptr (SchedStmt) clear
      = sched_db_prepare (db, "DELETE FROM room_bookings WHERE meeting_id = ?1", error);

  if (clear == NULL)
    return FALSE;
  sqlite3_bind_int64 (clear, 1, meeting_id);
  return sched_db_step_done (db, clear, error)
         && add_bookings (db, meeting_id, rooms, starts_at, ends_at, error);
}

/* The indicator a meeting counts in (docs/STATISTICS.md, sched-stats.c),
 * from the levels of the units taking part, decided whenever they are
 * written so that the statistics read it from an index: "central" (a
 * central unit with one of the province's), "provincial" (the province
 * with a district or commune, nobody central), or NULL. */
static gboolean
units_scope (SchedDb *db, GPtrArray *units, const char **scope, GError **error)
{
  guint central = 0, province = 0, local = 0;

  for (guint i = 0; i < units->len; i++)
    {
      g_autoptr (SchedStmt) stmt
          = sched_db_prepare (db, "SELECT level FROM units WHERE code = ?1", error);
      const char *level;

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, units->pdata[i], -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) != SQLITE_ROW)
        continue; /* the foreign key refuses it on writing */
      level = (const char *) sqlite3_column_text (stmt, 0);
      central += g_str_equal (level, "central");
      province += g_str_equal (level, "province");
      local += g_str_equal (level, "district") || g_str_equal (level, "commune");
    }
  if (central > 0 && central < units->len)
    *scope = "central";
  else if (central == 0 && province > 0 && local > 0)
    *scope = "provincial";
  else
    *scope = NULL;
  return TRUE;
}

/* Adds @units (the chair first) to a meeting that has none. */
static gboolean
add_units (SchedDb *db, gint64 meeting_id, GPtrArray *units, GError **error)
{
  static const char *const sql
      = "INSERT INTO meeting_units (meeting_id, unit_code, role) VALUES (?1, ?2, ?3)";

  for (guint i = 0; i < units->len; i++)
    {
      g_autoptr (SchedStmt) insert = sched_db_prepare (db, sql, error);

      if (insert == NULL)
        return FALSE;
      sqlite3_bind_int64 (insert, 1, meeting_id);
      sqlite3_bind_text (insert, 2, units->pdata[i], -1, SQLITE_STATIC);
      sqlite3_bind_text (insert, 3, i == 0 ? "chair" : "participant", -1, SQLITE_STATIC);
      if (!sched_db_step_done (db, insert, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * sched_meeting_write_units:
 * @db: the database, in the writing transaction
 * @meeting_id: the meeting
 * @draft: its chair and participants
 * @error: a database failure
 *
 * Replaces the meeting's units (the chair with role "chair") and files it
 * under its indicator.
 *
 * Returns: whether the units were written.
 */
gboolean
sched_meeting_write_units (SchedDb *db, gint64 meeting_id, SchedMeetingDraft *draft, GError **error)
{
  g_autoptr (GPtrArray) units = taking_part (draft);
  g_autoptr (SchedStmt) clear
      = sched_db_prepare (db, "DELETE FROM meeting_units WHERE meeting_id = ?1", error);
  g_autoptr (SchedStmt) update = NULL;
  const char *scope;

  if (clear == NULL)
    return FALSE;
  sqlite3_bind_int64 (clear, 1, meeting_id);
  if (!sched_db_step_done (db, clear, error) || !add_units (db, meeting_id, units, error)
      || !units_scope (db, units, &scope, error))
    return FALSE;
  g_clear_pointer (&clear, sched_stmt_release);
  update = sched_db_prepare (db, "UPDATE meetings SET scope = ?2 WHERE id = ?1", error);
  if (update == NULL)
    return FALSE;
  sqlite3_bind_int64 (update, 1, meeting_id);
  sqlite3_bind_text (update, 2, scope, -1, SQLITE_STATIC);
  return sched_db_step_done (db, update, error);
}

/**
 * sched_meeting_insert:
 * @db: the database, in the writing transaction, conflicts checked
 * @request: the creating request (user, time)
 * @draft: a checked draft
 * @rooms: the rooms it holds
 * @error: a database failure
 *
 * Returns: the new meeting's id, or 0 on failure.
 */
gint64
sched_meeting_insert (SchedDb *db, SchedRequest *request, SchedMeetingDraft *draft, GArray *rooms,
                      GError **error)
{
  static const char *const sql
      = "INSERT INTO meetings (title, category, chair_unit, starts_at, ends_at, mode, "
        "series_id, recurrence_start, notes, created_by, created_at, updated_at, scope) "
        "VALUES (?2, ?3, ?4, ?5, ?6, ?7, NULLIF (?8, 0), NULLIF (?9, 0), ?10, ?11, ?12, ?12, ?13)";
  g_autoptr (GPtrArray) units = taking_part (draft);
  g_autoptr (SchedStmt) stmt = NULL;
  const char *scope;
  gint64 id;

  if (!units_scope (db, units, &scope, error) || (stmt = sched_db_prepare (db, sql, error)) == NULL)
    return 0;
  sqlite3_bind_text (stmt, 2, draft->title, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, draft->category, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, draft->chair_unit, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, draft->starts_at);
  sqlite3_bind_int64 (stmt, 6, draft->ends_at);
  sqlite3_bind_text (stmt, 7, draft->mode, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 8, draft->series_id);
  sqlite3_bind_int64 (stmt, 9, draft->recurrence_start);
  sqlite3_bind_text (stmt, 10, draft->notes != NULL ? draft->notes : "", -1, SQLITE_STATIC);
  if (request->user != NULL)
    sqlite3_bind_int64 (stmt, 11, request->user->id);
  sqlite3_bind_int64 (stmt, 12, request->now);
  sqlite3_bind_text (stmt, 13, scope, -1, SQLITE_STATIC);
  if (!sched_db_step_done (db, stmt, error))
    return 0;
  id = sched_db_last_insert_id (db);
  if (!add_units (db, id, units, error)
      || !add_bookings (db, id, rooms, draft->starts_at, draft->ends_at, error))
    return 0;
  return id;
}

/**
 * sched_meeting_render:
 * @db: the database
 * @id: a meeting id
 * @version: (out) (optional): its version
 * @error: %HN_ERROR_NOT_FOUND for an unknown id
 *
 * Returns: (transfer full) (nullable): the meeting as the API shows it,
 *   as JSON text.
 */
char *
sched_meeting_render (SchedDb *db, gint64 id, gint64 *version, GError **error)
{
  static const char *const sql
      = "SELECT " MEETING_JSON ", m.version FROM meetings m WHERE m.id = ?1";
  g_autoptr (SchedStmt) stmt = sched_db_prepare (db, sql, error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, _ ("There is no meeting %lld."),
                   (long long) id);
      return NULL;
    }
  if (version != NULL)
    *version = sqlite3_column_int64 (stmt, 1);
  return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
}

static gboolean
parse_limit (SchedRequest *request, const char *name, guint64 min, guint64 max, guint64 *value,
             GError **error)
{
  const char *text = sched_request_query (request, name);

  if (text != NULL && !g_ascii_string_to_unsigned (text, 10, min, max, value, NULL))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("%s must be a whole number from %llu to %llu."), name,
                   (unsigned long long) min, (unsigned long long) max);
      return FALSE;
    }
  return TRUE;
}

static gboolean
list_meetings (SchedDb *db, SchedRequest *request, SchedResponse *response, GError **error)
{
  static const char *const params[] = { "from",   "to",    "unit",   "status",        "category",
                                        "series", "limit", "offset", "needs_outcome", NULL };
  static const char *const statuses[]
      = { "scheduled", "running", "held", "cancelled", "missed", NULL };
  /* from/to default to the whole range the API accepts, so the
   * starts_at index always bounds the scan */
  static const char *const where
      = " FROM meetings m WHERE m.starts_at >= ?1 AND m.starts_at < ?2 "
        "AND (?3 IS NULL OR EXISTS (SELECT 1 FROM meeting_units mu "
        "  JOIN unit_ancestors ua ON ua.unit_code = mu.unit_code AND ua.ancestor_code = ?3 "
        "  WHERE mu.meeting_id = m.id)) "
        "AND (?4 IS NULL OR m.status = ?4) AND (?5 IS NULL OR m.category = ?5) "
        "AND (?6 IS NULL OR m.series_id = ?6) "
        /* needs an outcome: over, and nobody said how it went */
        "AND (?9 IS NULL OR (m.ends_at <= ?9 AND m.status IN ('scheduled', 'running'))) ";
  static char *list_sql, *count_sql;
  g_autoptr (SchedStmt) list = NULL;
  g_autoptr (SchedStmt) count = NULL;
  GString *body;
  gint64 from = 946684800, to = G_GINT64_CONSTANT (4102444800);
  guint64 limit = 100, offset = 0, series = 0;
  const char *unit = sched_request_query (request, "unit");
  const char *status = sched_request_query (request, "status");
  const char *text;
  gboolean exists = TRUE;
  gboolean needs_outcome = FALSE;

  if (!sched_request_check_query (request, params, error))
    return FALSE;
  if ((text = sched_request_query (request, "from")) != NULL
      && !sched_time_parse (text, "from", &from, error))
    return FALSE;
  if ((text = sched_request_query (request, "to")) != NULL
      && !sched_time_parse (text, "to", &to, error))
    return FALSE;
  if (from > to)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID, _ ("“from” is after “to”."));
      return FALSE;
    }
  if (status != NULL && !g_strv_contains (statuses, status))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("“%s” is not a meeting status."), status);
      return FALSE;
    }
  if (unit != NULL && !row_exists (db, "SELECT 1 FROM units WHERE code = ?1", unit, &exists, error))
    return FALSE;
  if (!exists)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("There is no unit with the code “%s”."),
                   unit);
      return FALSE;
    }
  if ((text = sched_request_query (request, "needs_outcome")) != NULL)
    {
      if (!g_str_equal (text, "true") && !g_str_equal (text, "false"))
        {
          g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                               _ ("needs_outcome must be true or false."));
          return FALSE;
        }
      needs_outcome = g_str_equal (text, "true");
    }
  if (!parse_limit (request, "limit", 1, 1000, &limit, error)
      || !parse_limit (request, "offset", 0, G_MAXINT32, &offset, error)
      || !parse_limit (request, "series", 1, G_MAXINT64, &series, error))
    return FALSE;

  /* built once; the statement cache is keyed by these addresses */
  if (g_once_init_enter (&list_sql))
    g_once_init_leave (&list_sql,
                       g_strconcat ("SELECT " MEETING_JSON, where,
                                    "ORDER BY m.starts_at, m.id LIMIT ?7 OFFSET ?8", NULL));
  if (g_once_init_enter (&count_sql))
    g_once_init_leave (&count_sql, g_strconcat ("SELECT count(*)", where, NULL));

  list = sched_db_prepare (db, list_sql, error);
  count = sched_db_prepare (db, count_sql, error);
  if (list == NULL || count == NULL)
    return FALSE;
  for (int i = 0; i < 2; i++)
    {
      sqlite3_stmt *stmt = i == 0 ? list : count;

      sqlite3_bind_int64 (stmt, 1, from);
      sqlite3_bind_int64 (stmt, 2, to);
      sqlite3_bind_text (stmt, 3, unit, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, status, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 5, sched_request_query (request, "category"), -1, SQLITE_STATIC);
      if (series > 0)
        sqlite3_bind_int64 (stmt, 6, series);
      if (needs_outcome)
        sqlite3_bind_int64 (stmt, 9, request->now);
    }
  sqlite3_bind_int64 (list, 7, limit);
  sqlite3_bind_int64 (list, 8, offset);

  /* the items are SQLite's own JSON text, joined */
  body = g_string_new ("{\"items\":[");
  while (sqlite3_step (list) == SQLITE_ROW)
    {
      if (body->str[body->len - 1] != '[')
        g_string_append_c (body, ',');
      g_string_append (body, (const char *) sqlite3_column_text (list, 0));
    }
  g_string_append_printf (
      body,
      "],\"total\":%" G_GINT64_FORMAT ",\"limit\":%" G_GUINT64_FORMAT
      ",\"offset\":%" G_GUINT64_FORMAT "}",
      (gint64) (sqlite3_step (count) == SQLITE_ROW ? sqlite3_column_int64 (count, 0) : 0), limit,
      offset);
  sched_response_take_json_text (response, 200, g_string_free (body, FALSE));
  return TRUE;
}

static const char *const meeting_fields[]
    = { "title",   "category", "chair_unit", "participants", "starts_at",
        "ends_at", "mode",     "notes",      "rooms",        NULL };

/* Reads the fields of @object that are present into @draft. */
static gboolean
read_draft (JsonObject *object, SchedMeetingDraft *draft, gboolean required, GError **error)
{
  if (!sched_json_get_string (object, "title", required, 200, &draft->title, error)
      || !sched_json_get_string (object, "category", required, 64, &draft->category, error)
      || !sched_json_get_string (object, "chair_unit", required, 64, &draft->chair_unit, error)
      || !sched_json_get_string_array (object, "participants", FALSE, MAX_PARTICIPANTS,
                                       &draft->participants, error)
      || !sched_json_get_time (object, "starts_at", required, &draft->starts_at, error)
      || !sched_json_get_time (object, "ends_at", required, &draft->ends_at, error)
      || !sched_json_get_string (object, "mode", required, 16, &draft->mode, error)
      || !sched_json_get_string (object, "notes", FALSE, 4000, &draft->notes, error))
    return FALSE;
  if (json_object_has_member (object, "title") && *draft->title == '\0')
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                           _ ("The field “title” must not be empty."));
      return FALSE;
    }
  if (json_object_has_member (object, "rooms"))
    {
      JsonNode *node = json_object_get_member (object, "rooms");
      JsonArray *array = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

      if (array == NULL || json_array_get_length (array) > MAX_PARTICIPANTS)
        {
          g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                               _ ("The field “rooms” must be an array of room ids."));
          return FALSE;
        }
      g_clear_pointer (&draft->rooms, g_array_unref);
      draft->rooms = g_array_new (FALSE, FALSE, sizeof (gint64));
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);
          gint64 room;

          if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_INT64)
            {
              g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                                   _ ("The field “rooms” must be an array of room ids."));
              return FALSE;
            }
          room = json_node_get_int (item);
          g_array_append_val (draft->rooms, room);
        }
    }
  return TRUE;
}

/* A POST's meeting, checked on the reader before its transaction. */
typedef struct
{
  SchedMeetingDraft draft;
  GArray *rooms;
} Booking;

static void
booking_free (gpointer data)
{
  Booking *booking = data;

  sched_meeting_draft_clear (&booking->draft);
  g_clear_pointer (&booking->rooms, g_array_unref);
  g_free (booking);
}

/**
 * sched_meetings_prepare:
 * @reader: the main thread's read-only connection
 * @request: GET or POST /api/v1/meetings, its user authenticated
 * @error: what is wrong with the booking
 *
 * A POST's body is read and its references checked here, off the worker:
 * the role, the fields, the category, the units and whether the user may
 * manage the chair, the rooms.  They only change by an admin's hand, and
 * the foreign keys still hold them when the meeting is written; what two
 * bookings can race for, the rooms' time, is checked in the transaction.
 *
 * Returns: whether the request may go on to the worker.
 */
gboolean
sched_meetings_prepare (SchedDb *reader, SchedRequest *request, GError **error)
{
  g_autoptr (JsonNode) body = NULL;
  Booking *booking;
  JsonObject *object;

  if (!g_str_equal (request->method, "POST"))
    return TRUE;
  if (!sched_auth_require_role (request->user, writers, error))
    return FALSE;
  object = sched_request_read_object (request, meeting_fields, &body, error);
  if (object == NULL)
    return FALSE;
  booking = g_new0 (Booking, 1);
  if (!read_draft (object, &booking->draft, TRUE, error)
      || !sched_meeting_draft_check (reader, &booking->draft, error)
      || !sched_auth_may_manage_unit (reader, request->user, booking->draft.chair_unit, error)
      || !sched_meeting_draft_rooms (reader, &booking->draft, &booking->rooms, error))
    {
      booking_free (booking);
      return FALSE;
    }
  sched_request_set_prepared (request, booking, booking_free);
  return TRUE;
}

static gboolean
create_meeting (SchedDb *db, SchedRequest *request, SchedResponse *response, GError **error)
{
  Booking *booking = request->prepared;
  g_autoptr (JsonBuilder) conflicts = json_builder_new_immutable ();
  char *created;
  guint n_conflicts = 0;
  gint64 id, version;

  g_return_val_if_fail (booking != NULL, FALSE);

  if (!sched_db_begin (db, error))
    return FALSE;
  json_builder_begin_array (conflicts);
  if (!sched_meeting_find_conflicts (db, booking->rooms, booking->draft.starts_at,
                                     booking->draft.ends_at, 0, conflicts, &n_conflicts, error))
    return FALSE;
  json_builder_end_array (conflicts);
  if (n_conflicts > 0)
    {
      sched_response_set_conflict (
          response, _ ("A room is already booked at that time; see “conflicts”."), conflicts);
      return TRUE;
    }
  id = sched_meeting_insert (db, request, &booking->draft, booking->rooms, error);
  if (id == 0)
    return FALSE;
  created = sched_meeting_render (db, id, &version, error);
  if (created == NULL)
    return FALSE;
  sched_response_take_json_text (response, 201, created);
  if (!sched_audit_append_text (db, request, "create", "meeting", id, NULL, created, error))
    return FALSE;
  sched_response_set_etag (response, version);
  response->location = g_strdup_printf ("/api/v1/meetings/%" G_GINT64_FORMAT, id);
  return sched_idempotency_commit (db, request, response, error);
}

/**
 * sched_meetings_handle:
 * @db: the database
 * @request: GET or POST /api/v1/meetings
 * @response: the list, or the created meeting (201)
 * @error: what is wrong
 *
 * Returns: whether @response was filled.
 */
gboolean
sched_meetings_handle (SchedDb *db, SchedRequest *request, SchedResponse *response, GError **error)
{
  if (g_str_equal (request->method, "GET"))
    return list_meetings (db, request, response, error);
  return create_meeting (db, request, response, error);
}

static gboolean
parse_id (const char *text, gint64 *id, GError **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, &value, NULL))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, _ ("There is no meeting “%s”."), text);
      return FALSE;
    }
  *id = value;
  return TRUE;
}

/* Fills @draft with the meeting as stored. */
static gboolean
load_draft (SchedDb *db, gint64 id, SchedMeetingDraft *draft, char **status, gint64 *version,
            GError **error)
{
  static const char *const sql
      = "SELECT title, category, chair_unit, starts_at, ends_at, mode, notes, status, version, "
        "series_id, recurrence_start FROM meetings WHERE id = ?1";
  static const char *const units_sql
      = "SELECT unit_code FROM meeting_units WHERE meeting_id = ?1 AND role = 'participant' "
        "ORDER BY unit_code";
  static const char *const rooms_sql = "SELECT room_id FROM room_bookings WHERE meeting_id = ?1";
  g_autoptr (SchedStmt) stmt = sched_db_prepare (db, sql, error);
  g_autoptr (SchedStmt) units = NULL;
  g_autoptr (SchedStmt) rooms = NULL;
  g_autoptr (GStrvBuilder) participants = g_strv_builder_new ();

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, _ ("There is no meeting %lld."),
                   (long long) id);
      return FALSE;
    }
  draft->title = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  draft->category = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  draft->chair_unit = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  draft->starts_at = sqlite3_column_int64 (stmt, 3);
  draft->ends_at = sqlite3_column_int64 (stmt, 4);
  draft->mode = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
  draft->notes = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
  *status = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
  *version = sqlite3_column_int64 (stmt, 8);
  draft->series_id = sqlite3_column_int64 (stmt, 9);
  draft->recurrence_start = sqlite3_column_int64 (stmt, 10);

  units = sched_db_prepare (db, units_sql, error);
  if (units == NULL)
    return FALSE;
  sqlite3_bind_int64 (units, 1, id);
  while (sqlite3_step (units) == SQLITE_ROW)
    g_strv_builder_add (participants, (const char *) sqlite3_column_text (units, 0));
  draft->participants = g_strv_builder_end (participants);

  rooms = sched_db_prepare (db, rooms_sql, error);
  if (rooms == NULL)
    return FALSE;
  sqlite3_bind_int64 (rooms, 1, id);
  draft->rooms = g_array_new (FALSE, FALSE, sizeof (gint64));
  while (sqlite3_step (rooms) == SQLITE_ROW)
    {
      gint64 room = sqlite3_column_int64 (rooms, 0);

      g_array_append_val (draft->rooms, room);
    }
  return TRUE;
}

/**
 * sched_meeting_involves_unit:
 * @db: the database
 * @user: a technician (or anyone whose unit matters)
 * @id: a meeting
 * @error: %HN_ERROR_FORBIDDEN when no unit of @user's (or below it) takes
 *   part in the meeting
 *
 * What a technician may touch: the meetings of their unit and below.
 *
 * Returns: whether one does.
 */
gboolean
sched_meeting_involves_unit (SchedDb *db, SchedUser *user, gint64 id, GError **error)
{
  static const char *const sql
      = "SELECT 1 FROM meeting_units mu JOIN unit_ancestors ua ON ua.unit_code = mu.unit_code "
        "WHERE mu.meeting_id = ?1 AND ua.ancestor_code = ?2";
  g_autoptr (SchedStmt) stmt = sched_db_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_text (stmt, 2, user->unit_code, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_FORBIDDEN,
                   _ ("No unit of yours (%s or below) takes part in meeting %lld."),
                   user->unit_code, (long long) id);
      return FALSE;
    }
  return TRUE;
}

static gboolean
bump (SchedDb *db, SchedRequest *request, gint64 id, SchedMeetingDraft *draft, const char *status,
      gboolean edited, const char *cancel_reason, GError **error)
{
  static const char *const sql
      = "UPDATE meetings SET title = ?2, category = ?3, chair_unit = ?4, starts_at = ?5, "
        "ends_at = ?6, mode = ?7, notes = ?8, status = ?9, "
        "edited = CASE WHEN series_id IS NOT NULL AND ?10 THEN 1 ELSE edited END, "
        "cancel_reason = coalesce (?11, cancel_reason), version = version + 1, updated_at = ?12 "
        "WHERE id = ?1";
  g_autoptr (SchedStmt) stmt = sched_db_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_text (stmt, 2, draft->title, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, draft->category, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, draft->chair_unit, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, draft->starts_at);
  sqlite3_bind_int64 (stmt, 6, draft->ends_at);
  sqlite3_bind_text (stmt, 7, draft->mode, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, draft->notes != NULL ? draft->notes : "", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 9, status, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 10, edited);
  sqlite3_bind_text (stmt, 11, cancel_reason, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 12, request->now);
  return sched_db_step_done (db, stmt, error);
}

/* After a PATCH without "rooms", the rooms already booked stay booked for
 * the units that still take part; other units get their default room. */
static gboolean
keep_rooms_of_units (SchedDb *db, SchedMeetingDraft *draft, GError **error)
{
  g_autoptr (GPtrArray) units = taking_part (draft);
  g_autoptr (GArray) kept = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; draft->rooms != NULL && i < draft->rooms->len; i++)
    {
      gint64 room = g_array_index (draft->rooms, gint64, i);
      g_autofree char *unit = NULL;

      if (room_unit (db, room, &unit, error) < 0)
        return FALSE;
      for (guint j = 0; unit != NULL && j < units->len; j++)
        if (g_str_equal (units->pdata[j], unit))
          {
            g_array_append_val (kept, room);
            break;
          }
    }
  g_clear_pointer (&draft->rooms, g_array_unref);
  draft->rooms = g_steal_pointer (&kept);
  return TRUE;
}

static gboolean
holds_rooms (const char *status)
{
  return g_str_equal (status, "scheduled") || g_str_equal (status, "running")
         || g_str_equal (status, "held");
}

static gboolean
answer_meeting (SchedDb *db, SchedRequest *request, SchedResponse *response, gint64 id,
                const char *action, const char *before, GError **error)
{
  char *after;
  gint64 version;

  after = sched_meeting_render (db, id, &version, error);
  if (after == NULL)
    return FALSE;
  sched_response_take_json_text (response, 200, after);
  if (!sched_audit_append_text (db, request, action, "meeting", id, before, after, error))
    return FALSE;
  sched_response_set_etag (response, version);
  return sched_idempotency_commit (db, request, response, error);
}

static gboolean
patch_meeting (SchedDb *db, SchedRequest *request, SchedResponse *response, gint64 id,
               GError **error)
{
  static const char *const fields[]
      = { "title", "category", "chair_unit", "participants", "starts_at", "ends_at",
          "mode",  "notes",    "rooms",      "status",       NULL };
  static const char *const run_statuses[] = { "scheduled", "running", "held", NULL };
  g_auto (SchedMeetingDraft) draft = { 0 };
  g_autoptr (JsonNode) body = NULL;
  g_autofree char *before = NULL;
  g_autoptr (GArray) rooms = NULL;
  g_autoptr (JsonBuilder) conflicts = json_builder_new_immutable ();
  g_autofree char *status = NULL;
  g_autofree char *new_status = NULL;
  g_autofree char *old_chair = NULL;
  JsonObject *object;
  gint64 version;
  guint n_conflicts = 0;
  gboolean content_changes;

  object = sched_request_read_object (request, fields, &body, error);
  if (object == NULL)
    return FALSE;
  content_changes
      = json_object_get_size (object) > (json_object_has_member (object, "status") ? 1u : 0u);
  if (!sched_db_begin (db, error) || !load_draft (db, id, &draft, &status, &version, error))
    return FALSE;
  old_chair = g_strdup (draft.chair_unit);

  if (g_str_equal (request->user->role, "technician"))
    {
      if (content_changes)
        {
          g_set_error_literal (error, HN_ERROR, HN_ERROR_FORBIDDEN,
                               _ ("A technician may only change a meeting's status."));
          return FALSE;
        }
      if (!sched_meeting_involves_unit (db, request->user, id, error))
        return FALSE;
    }
  else if (!sched_auth_require_role (request->user, writers, error)
           || !sched_auth_may_manage_unit (db, request->user, old_chair, error))
    return FALSE;

  if (!sched_request_check_if_match (request, version, error))
    return FALSE;
  if (!sched_json_get_string (object, "status", FALSE, 16, &new_status, error))
    return FALSE;
  if (new_status != NULL && !g_strv_contains (run_statuses, new_status))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("The status can be set to scheduled, running or held here, not “%s”; cancel "
                      "with POST …/cancel."),
                   new_status);
      return FALSE;
    }
  if (!holds_rooms (status))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFLICT,
                   _ ("Meeting %lld is %s and can no longer be changed."), (long long) id, status);
      return FALSE;
    }
  if (!read_draft (object, &draft, FALSE, error) || !sched_meeting_draft_check (db, &draft, error))
    return FALSE;
  if (!json_object_has_member (object, "rooms") && !keep_rooms_of_units (db, &draft, error))
    return FALSE;
  if (!g_str_equal (old_chair, draft.chair_unit)
      && !sched_auth_may_manage_unit (db, request->user, draft.chair_unit, error))
    return FALSE;
  before = sched_meeting_render (db, id, NULL, error);
  if (before == NULL || !sched_meeting_draft_rooms (db, &draft, &rooms, error))
    return FALSE;

  json_builder_begin_array (conflicts);
  if (!sched_meeting_find_conflicts (db, rooms, draft.starts_at, draft.ends_at, id, conflicts,
                                     &n_conflicts, error))
    return FALSE;
  json_builder_end_array (conflicts);
  if (n_conflicts > 0)
    {
      sched_response_set_conflict (
          response, _ ("A room is already booked at that time; see “conflicts”."), conflicts);
      return TRUE;
    }
  if (!bump (db, request, id, &draft, new_status != NULL ? new_status : status, content_changes,
             NULL, error)
      || !sched_meeting_write_units (db, id, &draft, error)
      || !sched_meeting_book_rooms (db, id, rooms, draft.starts_at, draft.ends_at, error))
    return FALSE;
  return answer_meeting (db, request, response, id, "update", before, error);
}

static gboolean
delete_meeting (SchedDb *db, SchedRequest *request, SchedResponse *response, gint64 id,
                GError **error)
{
  static const char *const sql = "DELETE FROM meetings WHERE id = ?1";
  g_auto (SchedMeetingDraft) draft = { 0 };
  g_autofree char *before = NULL;
  g_autoptr (SchedStmt) stmt = NULL;
  g_autofree char *status = NULL;
  gint64 version;

  if (!sched_auth_require_role (request->user, writers, error) || !sched_db_begin (db, error)
      || !load_draft (db, id, &draft, &status, &version, error)
      || !sched_auth_may_manage_unit (db, request->user, draft.chair_unit, error)
      || !sched_request_check_if_match (request, version, error))
    return FALSE;
  if (draft.series_id != 0)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFLICT,
                   _ ("Meeting %lld belongs to series %lld: cancel it, or change the series."),
                   (long long) id, (long long) draft.series_id);
      return FALSE;
    }
  if (!g_str_equal (status, "scheduled") && !g_str_equal (status, "cancelled"))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFLICT,
                   _ ("Meeting %lld is %s: it is part of the record and cannot be deleted."),
                   (long long) id, status);
      return FALSE;
    }
  before = sched_meeting_render (db, id, NULL, error);
  stmt = sched_db_prepare (db, sql, error);
  if (before == NULL || stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!sched_db_step_done (db, stmt, error)
      || !sched_audit_append_text (db, request, "delete", "meeting", id, before, NULL, error))
    return FALSE;
  response->status = 204;
  return sched_idempotency_commit (db, request, response, error);
}

/**
 * sched_meeting_handle:
 * @db: the database
 * @request: GET, PATCH or DELETE /api/v1/meetings/{id}
 * @response: the meeting (with its ETag), or 204 after a delete
 * @error: what is wrong
 *
 * Returns: whether @response was filled.
 */
gboolean
sched_meeting_handle (SchedDb *db, SchedRequest *request, SchedResponse *response, GError **error)
{
  char *meeting;
  gint64 id, version;

  if (!parse_id (request->args[0], &id, error))
    return FALSE;
  if (g_str_equal (request->method, "PATCH"))
    return patch_meeting (db, request, response, id, error);
  if (g_str_equal (request->method, "DELETE"))
    return delete_meeting (db, request, response, id, error);
  meeting = sched_meeting_render (db, id, &version, error);
  if (meeting == NULL)
    return FALSE;
  sched_response_take_json_text (response, 200, meeting);
  sched_response_set_etag (response, version);
  return TRUE;
}

/**
 * sched_meeting_handle_cancel:
 * @db: the database
 * @request: POST /api/v1/meetings/{id}/cancel {"reason": "…"}
 * @response: the cancelled meeting
 * @error: what is wrong
 *
 * The meeting keeps its row (it counts as cancelled in the statistics)
 * and frees its rooms.
 *
 * Returns: whether @response was filled.
 */
gboolean
sched_meeting_handle_cancel (SchedDb *db, SchedRequest *request, SchedResponse *response,
                             GError **error)
{
  static const char *const fields[] = { "reason", NULL };
  g_auto (SchedMeetingDraft) draft = { 0 };
  g_autoptr (JsonNode) body = NULL;
  g_autofree char *before = NULL;
  g_autofree char *status = NULL;
  g_autofree char *reason = NULL;
  JsonObject *object;
  gint64 id, version;

  if (!parse_id (request->args[0], &id, error)
      || !sched_auth_require_role (request->user, writers, error))
    return FALSE;
  object = sched_request_read_object (request, fields, &body, error);
  if (object == NULL || !sched_json_get_string (object, "reason", TRUE, 500, &reason, error))
    return FALSE;
  if (!sched_db_begin (db, error) || !load_draft (db, id, &draft, &status, &version, error)
      || !sched_auth_may_manage_unit (db, request->user, draft.chair_unit, error)
      || !sched_request_check_if_match (request, version, error))
    return FALSE;
  if (!g_str_equal (status, "scheduled") && !g_str_equal (status, "running"))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFLICT,
                   _ ("Meeting %lld is %s and cannot be cancelled."), (long long) id, status);
      return FALSE;
    }
  before = sched_meeting_render (db, id, NULL, error);
  if (before == NULL || !bump (db, request, id, &draft, "cancelled", TRUE, reason, error)
      || !sched_meeting_book_rooms (db, id, NULL, 0, 0, error))
    return FALSE;
  return answer_meeting (db, request, response, id, "cancel", before, error);
}
