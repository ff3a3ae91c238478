/* sched-stats.c: GET /api/v1/stats/online-ratio.
 *
 * What counts is defined here and in units_scope() of sched-meetings.c,
 * which files each meeting under its indicator (docs/STATISTICS.md says
 * it in words):
 *
 * - indicator "provincial" (the default): meetings in which the province
 *   and at least one district or commune unit take part, either side
 *   chairing, and no central-government unit;
 * - indicator "central": meetings in which a central-government unit and
 *   at least one unit of the province (province, district or commune)
 *   take part;
 * - of those, a meeting is *held* when its status is "held", and *held
 *   online* when its outcome says so (evidence "mcu" or "external");
 * - cancelled and missed meetings are not held: they are counted beside
 *   the ratio, as are meetings still waiting for an outcome.
 *
 * The ratio is online / held as an exact fraction, and its percentage
 * rounded half up to one decimal ("33.3", Vietnamese "33,3%").
 */
#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "config.h"

#include <string.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#include "sched-json.h"
#include "sched-stats.h"

/* A period longer than this is a typo (and a slow query). */
#define MAX_PERIOD_SECONDS (10 * 366 * 24 * 3600LL)
/* Local time is UTC+7 for every time the API accepts. */
#define LOCAL_OFFSET "'+7 hours'"

/* meetings.scope is kept by sched-meetings.c: the definition above,
 * decided whenever a meeting's units are written */
#define SCOPE                                                                                      \
  " FROM meetings m WHERE m.scope = ?7 AND m.starts_at >= ?1 AND m.starts_at < ?2 "                \
  "AND (?3 IS NULL OR m.category = ?3) AND (?4 IS NULL OR m.chair_unit = ?4) "                     \
  "AND (?5 IS NULL OR EXISTS (SELECT 1 FROM meeting_units mu JOIN unit_ancestors ua "              \
  "  ON ua.unit_code = mu.unit_code AND ua.ancestor_code = ?5 WHERE mu.meeting_id = m.id)) "       \
  "AND (?6 IS NULL OR EXISTS (SELECT 1 FROM meeting_units mu JOIN units u "                        \
  "  ON u.code = mu.unit_code WHERE mu.meeting_id = m.id AND u.level = ?6)) "

#define COUNTS                                                                                     \
  "count (*), "                                                                                    \
  "sum (m.status = 'held'), "                                                                      \
  "sum (m.status = 'held' AND m.held_online = 1), "                                                \
  "sum (m.status = 'held' AND m.held_online = 1 AND m.evidence = 'mcu'), "                         \
  "sum (m.status = 'held' AND m.held_online = 1 AND m.evidence = 'external'), "                    \
  "sum (m.status = 'held' AND coalesce (m.held_online, 0) = 0), "                                  \
  "sum (m.status = 'cancelled'), "                                                                 \
  "sum (m.status = 'missed'), "                                                                    \
  "sum (m.status IN ('scheduled', 'running'))"

/**
 * sched_stats_percent:
 * @numerator: meetings held online
 * @denominator: meetings held
 * @tenths: (out): the percentage in tenths, rounded half up (333 for
 *   286/859); 0 when nothing was held
 *
 * Integers only: no binary fraction can round 33.25 the wrong way.
 */
void
sched_stats_percent (gint64 numerator, gint64 denominator, gint64 *tenths)
{
  if (denominator <= 0)
    {
      *tenths = 0;
      return;
    }
  *tenths = (numerator * 2000 + denominator) / (2 * denominator);
}

/**
 * sched_stats_percent_text:
 * @tenths: a percentage in tenths
 * @vietnamese: "33,3%" rather than "33.3"
 *
 * Returns: (transfer full): the percentage as text.
 */
char *
sched_stats_percent_text (gint64 tenths, gboolean vietnamese)
{
  if (vietnamese)
    return g_strdup_printf ("%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT "%%", tenths / 10,
                            tenths % 10);
  return g_strdup_printf ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT, tenths / 10, tenths % 10);
}

#define N_COUNTS 9

static void
read_counts (sqlite3_stmt *stmt, int first, gint64 counts[N_COUNTS])
{
  for (int i = 0; i < N_COUNTS; i++)
    counts[i] = sqlite3_column_int64 (stmt, first + i);
}

static void
add_counts (JsonBuilder *builder, const gint64 counts[N_COUNTS])
{
  static const char *const names[]
      = { "meetings", "held", "online", NULL, NULL, "in_person", "cancelled", "missed", "pending" };
  gint64 tenths;
  g_autofree char *text = NULL;
  g_autofree char *text_vi = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (names[i] != NULL)
      {
        json_builder_set_member_name (builder, names[i]);
        json_builder_add_int_value (builder, counts[i]);
      }
  json_builder_set_member_name (builder, "online_by_evidence");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "mcu");
  json_builder_add_int_value (builder, counts[3]);
  json_builder_set_member_name (builder, "external");
  json_builder_add_int_value (builder, counts[4]);
  json_builder_end_object (builder);

  sched_stats_percent (counts[2], counts[1], &tenths);
  text = sched_stats_percent_text (tenths, FALSE);
  text_vi = sched_stats_percent_text (tenths, TRUE);
  json_builder_set_member_name (builder, "ratio");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "numerator");
  json_builder_add_int_value (builder, counts[2]);
  json_builder_set_member_name (builder, "denominator");
  json_builder_add_int_value (builder, counts[1]);
  json_builder_set_member_name (builder, "percent");
  json_builder_add_double_value (builder, tenths / 10.0);
  json_builder_set_member_name (builder, "percent_text");
  json_builder_add_string_value (builder, text);
  json_builder_set_member_name (builder, "percent_vi");
  json_builder_add_string_value (builder, text_vi);
  json_builder_end_object (builder);
}

/* The GROUP BY key of each grouping, in local time. */
static const char *
group_key (const char *group)
{
  if (g_str_equal (group, "month"))
    return "strftime ('%Y-%m', m.starts_at, 'unixepoch', " LOCAL_OFFSET ")";
  if (g_str_equal (group, "quarter"))
    return "strftime ('%Y', m.starts_at, 'unixepoch', " LOCAL_OFFSET ") || '-Q' || "
           "((CAST (strftime ('%m', m.starts_at, 'unixepoch', " LOCAL_OFFSET ") AS INTEGER) + 2) "
           "/ 3)";
  if (g_str_equal (group, "year"))
    return "strftime ('%Y', m.starts_at, 'unixepoch', " LOCAL_OFFSET ")";
  if (g_str_equal (group, "category"))
    return "m.category";
  return NULL;
}

static void
bind_filters (sqlite3_stmt *stmt, SchedRequest *request, gint64 from, gint64 to,
              const char *indicator)
{
  sqlite3_bind_int64 (stmt, 1, from);
  sqlite3_bind_int64 (stmt, 2, to);
  sqlite3_bind_text (stmt, 3, sched_request_query (request, "category"), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, sched_request_query (request, "chair_unit"), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, sched_request_query (request, "unit"), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, sched_request_query (request, "level"), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, indicator, -1, SQLITE_STATIC);
}

static gboolean
check_params (SchedDb *db, SchedRequest *request, gint64 *from, gint64 *to, GError **error)
{
  static const char *const params[] = { "from", "to",    "level",     "category", "chair_unit",
                                        "unit", "group", "indicator", "format",   NULL };
  static const char *const levels[] = { "district", "commune", NULL };
  static const char *const groups[] = { "month", "quarter", "year", "category", "unit", NULL };
  static const char *const indicators[] = { "provincial", "central", NULL };
  const char *from_text = sched_request_query (request, "from");
  const char *to_text = sched_request_query (request, "to");
  const char *value;

  if (!sched_request_check_query (request, params, error))
    return FALSE;
  if (from_text == NULL || to_text == NULL)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                           _ ("Give the period as ?from=…&to=… (ISO 8601 with an offset)."));
      return FALSE;
    }
  if (!sched_time_parse (from_text, "from", from, error)
      || !sched_time_parse (to_text, "to", to, error))
    return FALSE;
  if (*from >= *to)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID, _ ("“from” must be before “to”."));
      return FALSE;
    }
  if (*to - *from > MAX_PERIOD_SECONDS)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                           _ ("The period may span at most 10 years."));
      return FALSE;
    }
  if ((value = sched_request_query (request, "level")) != NULL && !g_strv_contains (levels, value))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("“%s” is not a level here: use district or commune."), value);
      return FALSE;
    }
  if ((value = sched_request_query (request, "group")) != NULL && !g_strv_contains (groups, value))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("“%s” is not a grouping: use month, quarter, year, category or unit."),
                   value);
      return FALSE;
    }
  if ((value = sched_request_query (request, "indicator")) != NULL
      && !g_strv_contains (indicators, value))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("“%s” is not an indicator: use provincial or central."), value);
      return FALSE;
    }
  for (guint i = 0; i < 2; i++)
    {
      const char *name = i == 0 ? "unit" : "chair_unit";
      g_autoptr (SchedStmt) stmt = NULL;

      if ((value = sched_request_query (request, name)) == NULL)
        continue;
      stmt = sched_db_prepare (db, "SELECT 1 FROM units WHERE code = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, value, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) != SQLITE_ROW)
        {
          g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                       _ ("There is no unit with the code “%s” (parameter “%s”)."), value, name);
          return FALSE;
        }
    }
  return TRUE;
}

/* Cached SQL texts, built once per grouping (the statement cache is keyed
 * by address). */
static const char *
grouped_sql (const char *group)
{
  static GHashTable *texts;
  static GMutex lock;
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&lock);
  char *sql;

  if (texts == NULL)
    texts = g_hash_table_new (g_str_hash, g_str_equal);
  sql = g_hash_table_lookup (texts, group);
  if (sql != NULL)
    return sql;
  if (g_str_equal (group, "unit"))
    /* each district with its communes; a meeting of several districts
     * counts in each of them */
    sql = g_strconcat ("SELECT d.code, " COUNTS " FROM units d JOIN meetings m ON EXISTS ("
                       "SELECT 1 FROM meeting_units mu JOIN unit_ancestors ua "
                       "ON ua.unit_code = mu.unit_code AND ua.ancestor_code = d.code "
                       "WHERE mu.meeting_id = m.id) WHERE d.level = 'district' AND m.id IN "
                       "(SELECT m.id",
                       SCOPE, ") GROUP BY d.code ORDER BY d.code", NULL);
  else
    sql = g_strconcat ("SELECT ", group_key (group), " AS k, " COUNTS, SCOPE,
                       "GROUP BY k ORDER BY k", NULL);
  g_hash_table_insert (texts, (gpointer) g_intern_string (group), sql);
  return sql;
}

/**
 * sched_stats_definition:
 * @indicator: "provincial" or "central"
 *
 * Returns: (transfer none): what counts, in words, in the calling
 *   thread's language.
 */
const char *
sched_stats_definition (const char *indicator)
{
  if (g_strcmp0 (indicator, "central") == 0)
    return _ ("Meetings in which a central-government unit and a unit of the province take part. "
              "Held online: held, with evidence from the mcu or a recorded external platform. "
              "Cancelled and missed meetings are not held and are counted apart.");
  return _ ("Meetings in which the province and at least one district or commune take part, "
            "either side chairing, without a central-government unit. Held online: held, with "
            "evidence from the mcu or a recorded external platform. Cancelled and missed meetings "
            "are not held and are counted apart.");
}

/**
 * sched_stats_compute:
 * @db: the database
 * @request: a request whose query holds from, to and the optional level,
 *   category, chair_unit, unit, group, indicator
 * @error: what is wrong with the query
 *
 * Returns: (transfer full) (nullable): the counts, the ratio and the groups.
 */
JsonNode *
sched_stats_compute (SchedDb *db, SchedRequest *request, GError **error)
{
  static const char *const total_sql = "SELECT " COUNTS SCOPE;
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonBuilder) groups = json_builder_new_immutable ();
  const char *indicator = sched_request_query (request, "indicator");
  const char *group = sched_request_query (request, "group");
  gint64 totals[N_COUNTS] = { 0 };
  gint64 from, to;

  if (!check_params (db, request, &from, &to, error))
    return NULL;
  if (indicator == NULL)
    indicator = "provincial";

  json_builder_begin_array (groups);
  if (group != NULL)
    {
      g_autoptr (SchedStmt) grouped = sched_db_prepare (db, grouped_sql (group), error);

      if (grouped == NULL)
        return NULL;
      bind_filters (grouped, request, from, to, indicator);
      while (sqlite3_step (grouped) == SQLITE_ROW)
        {
          gint64 counts[N_COUNTS];

          read_counts (grouped, 1, counts);
          /* these groupings partition the meetings: their sums are the totals */
          for (int i = 0; i < N_COUNTS; i++)
            totals[i] += counts[i];
          json_builder_begin_object (groups);
          json_builder_set_member_name (groups, "key");
          json_builder_add_string_value (groups, (const char *) sqlite3_column_text (grouped, 0));
          add_counts (groups, counts);
          json_builder_end_object (groups);
        }
    }
  json_builder_end_array (groups);
  /* units overlap (a meeting of two districts is in both): count apart */
  if (group == NULL || g_str_equal (group, "unit"))
    {
      g_autoptr (SchedStmt) total = sched_db_prepare (db, total_sql, error);

      if (total == NULL)
        return NULL;
      bind_filters (total, request, from, to, indicator);
      if (sqlite3_step (total) != SQLITE_ROW)
        {
          sched_db_set_error (db, SQLITE_ERROR, error);
          return NULL;
        }
      read_counts (total, 0, totals);
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "indicator");
  json_builder_add_string_value (builder, indicator);
  sched_json_add_time (builder, "from", from);
  sched_json_add_time (builder, "to", to);
  json_builder_set_member_name (builder, "totals");
  json_builder_begin_object (builder);
  add_counts (builder, totals);
  json_builder_end_object (builder);
  if (group != NULL)
    {
      json_builder_set_member_name (builder, "group");
      json_builder_add_string_value (builder, group);
      json_builder_set_member_name (builder, "groups");
      json_builder_add_value (builder, json_builder_get_root (groups));
    }
  json_builder_set_member_name (builder, "definition");
  json_builder_add_string_value (builder, sched_stats_definition (indicator));
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/**
 * sched_stats_handle:
 * @db: the database
 * @request: GET /api/v1/stats/online-ratio?from=&to=[&level=&category=
 *   &chair_unit=&unit=&group=&indicator=]
 * @response: the counts, the ratio, and the groups
 * @error: what is wrong
 *
 * Returns: whether @response was filled.
 */
static void
csv_row (GString *csv, const char *key, JsonObject *counts)
{
  JsonObject *evidence = json_object_get_object_member (counts, "online_by_evidence");
  JsonObject *ratio = json_object_get_object_member (counts, "ratio");

  g_string_append_printf (
      csv,
      "%s,%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT
      ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%s\r\n",
      key, json_object_get_int_member (counts, "held"),
      json_object_get_int_member (counts, "online"),
      json_object_get_int_member (counts, "in_person"),
      json_object_get_int_member (evidence, "mcu"),
      json_object_get_int_member (evidence, "external"),
      json_object_get_int_member (counts, "cancelled"),
      json_object_get_int_member (counts, "missed"), json_object_get_int_member (counts, "pending"),
      json_object_get_string_member (ratio, "percent_text"));
}

/**
 * sched_stats_handle:
 * @db: the database
 * @request: GET /api/v1/stats/online-ratio?from=&to=[&level=&category=
 *   &chair_unit=&unit=&group=&indicator=&format=json|csv]
 * @response: the counts, the ratio, and the groups (JSON, or CSV with one
 *   row per group and a last row "total")
 * @error: what is wrong
 *
 * Returns: whether @response was filled.
 */
gboolean
sched_stats_handle (SchedDb *db, SchedRequest *request, SchedResponse *response, GError **error)
{
  const char *format = sched_request_query (request, "format");
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GString) csv = NULL;
  JsonObject *object;

  if (format != NULL && !g_str_equal (format, "json") && !g_str_equal (format, "csv"))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("“%s” is not a format: use json or csv."),
                   format);
      return FALSE;
    }
  root = sched_stats_compute (db, request, error);
  if (root == NULL)
    return FALSE;
  if (format == NULL || g_str_equal (format, "json"))
    {
      sched_response_set_json (response, 200, root);
      return TRUE;
    }
  object = json_node_get_object (root);
  csv = g_string_new ("group,held,online,in_person,online_mcu,online_external,cancelled,missed,"
                      "pending,percent\r\n");
  if (json_object_has_member (object, "groups"))
    {
      JsonArray *groups = json_object_get_array_member (object, "groups");

      for (guint i = 0; i < json_array_get_length (groups); i++)
        {
          JsonObject *g = json_array_get_object_element (groups, i);

          csv_row (csv, json_object_get_string_member (g, "key"), g);
        }
    }
  csv_row (csv, "total", json_object_get_object_member (object, "totals"));
  response->status = 200;
  response->content_type = g_strdup ("text/csv; charset=utf-8");
  response->length = csv->len;
  response->body = g_string_free (g_steal_pointer (&csv), FALSE);
  return TRUE;
}
