/* sched-import.c: POST /api/v1/import (admins) and GET
 * /api/v1/export/meetings.csv, CSV in the format of docs/IMPORT.md: what
 * is exported can be imported elsewhere.
 *
 * The whole file is read and checked before anything is written; then
 * every row is written in one transaction, its rooms checked against
 * what is already booked.  Any bad row or conflict refuses the whole
 * file, with every problem listed by line.  Each row's key is stored: a
 * row whose key is already there is left alone, so importing the same
 * file twice creates nothing twice.
 */
#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "config.h"

#include <string.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#include "sched-audit.h"
#include "sched-auth.h"
#include "sched-csv.h"
#include "sched-idempotency.h"
#include "sched-import.h"
#include "sched-json.h"
#include "sched-meetings.h"

#define MAX_ROWS 20000
#define MAX_PROBLEMS 1000

static const char *const columns[]
    = { "key",  "title",  "category", "chair_unit", "participants", "starts_at", "ends_at",
        "mode", "status", "outcome",  "platform",   "notes",        NULL };
enum
{
  COL_KEY,
  COL_TITLE,
  COL_CATEGORY,
  COL_CHAIR,
  COL_PARTICIPANTS,
  COL_STARTS,
  COL_ENDS,
  COL_MODE,
  COL_STATUS,
  COL_OUTCOME,
  COL_PLATFORM,
  COL_NOTES,
  N_COLUMNS
};

typedef struct
{
  guint line;
  char *key;
  SchedMeetingDraft draft;
  char *status;
  int held_online; /* -1: unknown */
  const char *evidence;
  char *platform;
} Row;

static void
row_free (gpointer data)
{
  Row *row = data;

  g_free (row->key);
  sched_meeting_draft_clear (&row->draft);
  g_free (row->status);
  g_free (row->platform);
  g_free (row);
}

typedef struct
{
  JsonBuilder *list;
  guint count;
} Problems;

static void
problem (Problems *problems, guint line, const char *message)
{
  if (problems->count++ >= MAX_PROBLEMS)
    return;
  json_builder_begin_object (problems->list);
  json_builder_set_member_name (problems->list, "line");
  json_builder_add_int_value (problems->list, line);
  json_builder_set_member_name (problems->list, "message");
  json_builder_add_string_value (problems->list, message);
  json_builder_end_object (problems->list);
}

static gboolean
valid_key (const char *key)
{
  gsize length = strlen (key);

  if (length == 0 || length > 64)
    return FALSE;
  for (const char *p = key; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._-", *p) == NULL)
      return FALSE;
  return TRUE;
}

/* Checks one record; a Row when it is good, else its problem is listed. */
static Row *
read_row (SchedDb *db, GStrv fields, guint line, GHashTable *keys, Problems *problems,
          GError **error)
{
  static const char *const statuses[] = { "scheduled", "held", "cancelled", "missed", NULL };
  g_autoptr (GError) local_error = NULL;
  Row *row = g_new0 (Row, 1);
  g_autofree char *message = NULL;

  row->line = line;
  row->held_online = -1;
  row->evidence = NULL;
  if (g_strv_length (fields) != N_COLUMNS)
    {
      message = g_strdup_printf (_ ("%u fields where %u are expected."), g_strv_length (fields),
                                 (guint) N_COLUMNS);
      goto bad;
    }
  if (!valid_key (fields[COL_KEY]))
    {
      message = g_strdup_printf (_ ("“%s” is not a key: use 1 to 64 letters, digits and . _ -"),
                                 fields[COL_KEY]);
      goto bad;
    }
  if (!g_hash_table_add (keys, g_strdup (fields[COL_KEY])))
    {
      message = g_strdup_printf (_ ("The key “%s” appears twice in the file."), fields[COL_KEY]);
      goto bad;
    }
  row->key = g_strdup (fields[COL_KEY]);
  if (*fields[COL_TITLE] == '\0' || g_utf8_strlen (fields[COL_TITLE], -1) > 200)
    {
      message = g_strdup (_ ("The title must have 1 to 200 characters."));
      goto bad;
    }
  row->draft.title = g_strdup (fields[COL_TITLE]);
  row->draft.category = g_strdup (fields[COL_CATEGORY]);
  row->draft.chair_unit = g_strdup (fields[COL_CHAIR]);
  row->draft.participants = *fields[COL_PARTICIPANTS] != '\0'
                                ? g_strsplit (fields[COL_PARTICIPANTS], ";", 300)
                                : g_new0 (char *, 1);
  row->draft.mode = g_strdup (fields[COL_MODE]);
  row->draft.notes = g_strdup (fields[COL_NOTES]);
  if (!sched_time_parse (fields[COL_STARTS], "starts_at", &row->draft.starts_at, &local_error)
      || !sched_time_parse (fields[COL_ENDS], "ends_at", &row->draft.ends_at, &local_error)
      || !sched_meeting_draft_check (db, &row->draft, &local_error))
    {
      if (!g_error_matches (local_error, HN_ERROR, HN_ERROR_INVALID))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          row_free (row);
          return NULL;
        }
      message = g_strdup (local_error->message);
      goto bad;
    }
  if (!g_strv_contains (statuses, fields[COL_STATUS]))
    {
      message = g_strdup_printf (_ ("“%s” is not a status: use scheduled, held, cancelled or "
                                    "missed."),
                                 fields[COL_STATUS]);
      goto bad;
    }
  row->status = g_strdup (fields[COL_STATUS]);
  if (g_str_equal (row->status, "held"))
    {
      if (g_str_equal (fields[COL_OUTCOME], "in-person"))
        row->held_online = 0, row->evidence = "none";
      else if (g_str_equal (fields[COL_OUTCOME], "online-mcu"))
        row->held_online = 1, row->evidence = "mcu";
      else if (g_str_equal (fields[COL_OUTCOME], "online-external"))
        row->held_online = 1, row->evidence = "external";
      else
        {
          message = g_strdup_printf (_ ("A held meeting needs an outcome: in-person, online-mcu "
                                        "or online-external, not “%s”."),
                                     fields[COL_OUTCOME]);
          goto bad;
        }
    }
  else if (*fields[COL_OUTCOME] != '\0')
    {
      message = g_strdup_printf (_ ("A %s meeting has no outcome."), row->status);
      goto bad;
    }
  if ((g_strcmp0 (row->evidence, "external") == 0) != (*fields[COL_PLATFORM] != '\0'))
    {
      message = g_strdup (_ ("A platform goes with online-external, and only there."));
      goto bad;
    }
  if (*fields[COL_PLATFORM] != '\0')
    row->platform = g_strdup (fields[COL_PLATFORM]);
  return row;

bad:
  problem (problems, line, message);
  row_free (row);
  return NULL;
}

static gboolean
key_known (SchedDb *db, const char *key, gboolean *known, GError **error)
{
  g_autoptr (SchedStmt) stmt
      = sched_db_prepare (db, "SELECT 1 FROM meetings WHERE import_key = ?1", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  *known = sqlite3_step (stmt) == SQLITE_ROW;
  return TRUE;
}

static gboolean
write_row (SchedDb *db, SchedRequest *request, Row *row, GArray *rooms, GError **error)
{
  static const char *const sql
      = "UPDATE meetings SET import_key = ?2, status = ?3, held_online = ?4, evidence = ?5, "
        "external_platform = ?6, outcome_by = CASE WHEN ?5 IS NULL THEN NULL ELSE ?7 END, "
        "outcome_at = CASE WHEN ?5 IS NULL THEN NULL ELSE ?8 END WHERE id = ?1";
  g_autoptr (SchedStmt) stmt = NULL;
  g_autofree char *after = NULL;
  gint64 id = sched_meeting_insert (db, request, &row->draft, rooms, error);

  if (id == 0)
    return FALSE;
  stmt = sched_db_prepare (db, sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_text (stmt, 2, row->key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, row->status, -1, SQLITE_STATIC);
  if (row->held_online >= 0)
    sqlite3_bind_int (stmt, 4, row->held_online);
  sqlite3_bind_text (stmt, 5, row->evidence, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, row->platform, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 7, request->user->id);
  sqlite3_bind_int64 (stmt, 8, request->now);
  if (!sched_db_step_done (db, stmt, error))
    return FALSE;
  after = sched_meeting_render (db, id, NULL, error);
  return after != NULL
         && sched_audit_append_text (db, request, "import", "meeting", id, NULL, after, error);
}

static void
answer_problems (SchedResponse *response, guint status, const char *message, Problems *problems)
{
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_end_array (problems->list);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (
      builder, hn_error_code_name_for (status == 409 ? HN_ERROR_CONFLICT : HN_ERROR_INVALID));
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_set_member_name (builder, "rows");
  json_builder_add_value (builder, json_builder_get_root (problems->list));
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  sched_response_set_json (response, status, root);
}

/**
 * sched_import_handle:
 * @db: the database
 * @request: POST /api/v1/import with a text/csv body
 * @response: {"created": N, "unchanged": M}, or every problem by line
 * @error: what is wrong with the request itself
 *
 * Returns: whether @response was filled.
 */
gboolean
sched_import_handle (SchedDb *db, SchedRequest *request, SchedResponse *response, GError **error)
{
  static const char *const admin_only[] = { "admin", NULL };
  g_autoptr (SchedCsv) csv = NULL;
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (row_free);
  g_autoptr (GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (JsonBuilder) list = json_builder_new_immutable ();
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) root = NULL;
  Problems problems = { list, 0 };
  const char *data;
  gsize length = 0;
  gboolean header_seen = FALSE;
  guint created = 0, unchanged = 0;
  GStrv fields = NULL;
  guint line;
  g_autoptr (GError) csv_error = NULL;

  if (!sched_auth_require_role (request->user, admin_only, error))
    return FALSE;
  if (request->content_type == NULL || !g_str_has_prefix (request->content_type, "text/csv"))
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_UNSUPPORTED_MEDIA_TYPE,
                           _ ("Send the file as Content-Type: text/csv."));
      return FALSE;
    }
  data = request->body != NULL ? g_bytes_get_data (request->body, &length) : NULL;
  csv = sched_csv_new (data != NULL ? data : "", length, error);
  if (csv == NULL)
    return FALSE;

  json_builder_begin_array (list);
  while (sched_csv_next (csv, &fields, &line, &csv_error))
    {
      g_auto (GStrv) owned = fields;
      Row *row;

      if (owned[0] != NULL && owned[0][0] == '#' && !header_seen)
        continue;
      if (!header_seen)
        {
          header_seen = TRUE;
          if (!g_strv_equal ((const char *const *) owned, columns))
            {
              g_autofree char *expected = g_strjoinv (",", (GStrv) columns);
              g_autofree char *message
                  = g_strdup_printf (_ ("The first row must name the columns: %s"), expected);

              problem (&problems, line, message);
              break;
            }
          continue;
        }
      if (rows->len + problems.count >= MAX_ROWS)
        {
          problem (&problems, line, _ ("The file has more than 20000 rows; split it."));
          break;
        }
      row = read_row (db, owned, line, keys, &problems, error);
      if (row != NULL)
        g_ptr_array_add (rows, row);
      else if (error != NULL && *error != NULL)
        return FALSE;
    }
  if (csv_error != NULL)
    {
      g_autofree char *message = g_strdup (csv_error->message);

      problem (&problems, 0, message);
    }
  if (!header_seen && problems.count == 0)
    problem (&problems, 1, _ ("The file is empty."));
  if (problems.count > 0)
    {
      answer_problems (response, 400, _ ("The file was not imported: see “rows”."), &problems);
      return TRUE;
    }

  if (!sched_db_begin (db, error))
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = rows->pdata[i];
      g_autoptr (GArray) rooms = NULL;
      g_autoptr (JsonBuilder) conflicts = json_builder_new_immutable ();
      gboolean known = FALSE;
      guint n_conflicts = 0;

      if (!key_known (db, row->key, &known, error))
        return FALSE;
      if (known)
        {
          unchanged++;
          continue;
        }
      if (g_str_equal (row->status, "cancelled") || g_str_equal (row->status, "missed"))
        rooms = g_array_new (FALSE, FALSE, sizeof (gint64));
      else if (!sched_meeting_draft_rooms (db, &row->draft, &rooms, error))
        return FALSE;
      json_builder_begin_array (conflicts);
      if (!sched_meeting_find_conflicts (db, rooms, row->draft.starts_at, row->draft.ends_at, 0,
                                         conflicts, &n_conflicts, error))
        return FALSE;
      json_builder_end_array (conflicts);
      if (n_conflicts > 0)
        {
          g_autoptr (JsonNode) first = json_builder_get_root (conflicts);
          JsonObject *clash = json_array_get_object_element (json_node_get_array (first), 0);
          g_autofree char *message
              = g_strdup_printf (_ ("%s is already booked at that time by meeting %lld (%s)."),
                                 json_object_get_string_member (clash, "room"),
                                 (long long) json_object_get_int_member (clash, "meeting_id"),
                                 json_object_get_string_member (clash, "title"));

          problem (&problems, row->line, message);
          continue;
        }
      if (!write_row (db, request, row, rooms, error))
        return FALSE;
      created++;
    }
  if (problems.count > 0)
    {
      sched_db_rollback (db);
      answer_problems (response, 409,
                       _ ("The file was not imported: rooms it books are already taken; see "
                          "“rows”."),
                       &problems);
      return TRUE;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "created");
  json_builder_add_int_value (builder, created);
  json_builder_set_member_name (builder, "unchanged");
  json_builder_add_int_value (builder, unchanged);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  sched_response_set_json (response, 200, root);
  return sched_idempotency_commit (db, request, response, error);
}

static void
append_field (GString *csv, const char *text, gboolean last)
{
  if (text != NULL && strpbrk (text, ",\"\r\n") != NULL)
    {
      g_string_append_c (csv, '"');
      for (const char *p = text; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (csv, '"');
          g_string_append_c (csv, *p);
        }
      g_string_append_c (csv, '"');
    }
  else if (text != NULL)
    g_string_append (csv, text);
  g_string_append (csv, last ? "\r\n" : ",");
}

/**
 * sched_export_handle:
 * @db: the database
 * @request: GET /api/v1/export/meetings.csv?from=…&to=…
 * @response: the meetings starting in the period, in the import format
 * @error: what is wrong
 *
 * Returns: whether @response was filled.
 */
gboolean
sched_export_handle (SchedDb *db, SchedRequest *request, SchedResponse *response, GError **error)
{
  static const char *const params[] = { "from", "to", NULL };
  static const char *const sql
      = "SELECT coalesce (m.import_key, 'hoinghi-' || m.id), m.title, m.category, m.chair_unit, "
        "(SELECT group_concat (unit_code, ';') FROM (SELECT unit_code FROM meeting_units "
        "  WHERE meeting_id = m.id AND role = 'participant' ORDER BY unit_code)), "
        "m.starts_at, m.ends_at, m.mode, m.status, "
        "CASE WHEN m.status != 'held' THEN '' WHEN m.evidence = 'mcu' THEN 'online-mcu' "
        "WHEN m.evidence = 'external' THEN 'online-external' ELSE 'in-person' END, "
        "m.external_platform, m.notes "
        "FROM meetings m WHERE m.starts_at >= ?1 AND m.starts_at < ?2 ORDER BY m.starts_at, m.id";
  g_autoptr (SchedStmt) stmt = NULL;
  g_autoptr (GString) csv = NULL;
  const char *from_text = sched_request_query (request, "from");
  const char *to_text = sched_request_query (request, "to");
  gint64 from, to;

  if (!sched_request_check_query (request, params, error))
    return FALSE;
  if (from_text == NULL || to_text == NULL)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                           _ ("Give the period as ?from=…&to=… (ISO 8601 with an offset)."));
      return FALSE;
    }
  if (!sched_time_parse (from_text, "from", &from, error)
      || !sched_time_parse (to_text, "to", &to, error))
    return FALSE;
  if (from >= to)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID, _ ("“from” must be before “to”."));
      return FALSE;
    }
  stmt = sched_db_prepare (db, sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, from);
  sqlite3_bind_int64 (stmt, 2, to);
  csv = g_string_new (NULL);
  for (guint i = 0; columns[i] != NULL; i++)
    append_field (csv, columns[i], columns[i + 1] == NULL);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    for (int c = 0; c < N_COLUMNS; c++)
      {
        g_autofree char *time = NULL;
        const char *text = (const char *) sqlite3_column_text (stmt, c);

        if (c == COL_STARTS || c == COL_ENDS)
          text = time = sched_time_format (sqlite3_column_int64 (stmt, c));
        append_field (csv, text, c == N_COLUMNS - 1);
      }
  response->status = 200;
  response->content_type = g_strdup ("text/csv; charset=utf-8");
  response->length = csv->len;
  response->body = g_string_free (g_steal_pointer (&csv), FALSE);
  return TRUE;
}
