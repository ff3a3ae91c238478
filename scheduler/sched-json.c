/* sched-json.c: field-by-field reading of JSON bodies, and times. */
#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "config.h"

#include <string.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#include "sched-json.h"

/* 2000-01-01 to 2100-01-01: a booking outside is a typo. */
#define EARLIEST_TIME G_GINT64_CONSTANT (946684800)
#define LATEST_TIME G_GINT64_CONSTANT (4102444800)

/**
 * sched_json_require_object:
 * @node: a parsed body
 * @error: %HN_ERROR_INVALID unless @node is an object
 *
 * Returns: (transfer none) (nullable): the object.
 */
JsonObject *
sched_json_require_object (JsonNode *node, GError **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                           _ ("The request body must be a JSON object."));
      return NULL;
    }
  return json_node_get_object (node);
}

/**
 * sched_json_check_fields:
 * @object: a request body
 * @allowed: (array zero-terminated=1): the fields the resource takes
 * @error: names the first unknown field
 *
 * Unknown fields are refused rather than ignored: a misspelt "ends_at"
 * must not book a meeting with a default end.
 *
 * Returns: whether every field is known.
 */
gboolean
sched_json_check_fields (JsonObject *object, const char *const *allowed, GError **error)
{
  g_autoptr (GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (allowed, l->data))
      {
        g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("Unknown field “%s”."),
                     (const char *) l->data);
        return FALSE;
      }
  return TRUE;
}

static JsonNode *
member (JsonObject *object, const char *name, gboolean required, GError **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL && required)
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("The field “%s” is missing."), name);
  return node;
}

static gboolean
has_control_chars (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if ((guchar) *p < 0x20 && *p != '\n' && *p != '\t')
      return TRUE;
  return FALSE;
}

/**
 * sched_json_get_string:
 * @object: a request body
 * @name: the field
 * @required: whether a missing field is an error
 * @max_chars: the longest value allowed, in characters
 * @value: (out) (transfer full): the value; untouched when absent
 * @error: a wrong type, an empty or too long value, control characters
 *
 * Returns: whether the field is absent (and optional) or valid.
 */
gboolean
sched_json_get_string (JsonObject *object, const char *name, gboolean required, gsize max_chars,
                       char **value, GError **error)
{
  JsonNode *node = member (object, name, required, error);
  const char *text;

  if (node == NULL)
    return !required;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("The field “%s” must be a string."), name);
      return FALSE;
    }
  text = json_node_get_string (node);
  if (required && *text == '\0')
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("The field “%s” must not be empty."),
                   name);
      return FALSE;
    }
  if (g_utf8_strlen (text, -1) > (glong) max_chars)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("The field “%s” is longer than %lu characters."), name,
                   (unsigned long) max_chars);
      return FALSE;
    }
  if (has_control_chars (text))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("The field “%s” contains control characters."), name);
      return FALSE;
    }
  g_free (*value);
  *value = g_strdup (text);
  return TRUE;
}

/**
 * sched_json_get_int:
 * @object: a request body
 * @name: the field
 * @required: whether a missing field is an error
 * @min: the smallest value allowed
 * @max: the largest value allowed
 * @value: (out): the value; untouched when absent
 * @error: a wrong type or a value out of range
 *
 * Returns: whether the field is absent (and optional) or valid.
 */
gboolean
sched_json_get_int (JsonObject *object, const char *name, gboolean required, gint64 min, gint64 max,
                    gint64 *value, GError **error)
{
  JsonNode *node = member (object, name, required, error);
  gint64 v;

  if (node == NULL)
    return !required;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("The field “%s” must be an integer."),
                   name);
      return FALSE;
    }
  v = json_node_get_int (node);
  if (v < min || v > max)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("The field “%s” must be from %lld to %lld."), name, (long long) min,
                   (long long) max);
      return FALSE;
    }
  *value = v;
  return TRUE;
}

/**
 * sched_json_get_string_array:
 * @object: a request body
 * @name: the field
 * @required: whether a missing field is an error
 * @max_items: the most items allowed
 * @value: (out) (transfer full): the strings, duplicates removed, in order
 * @error: a wrong type, too many items, an item that is not a non-empty string
 *
 * Returns: whether the field is absent (and optional) or valid.
 */
gboolean
sched_json_get_string_array (JsonObject *object, const char *name, gboolean required,
                             guint max_items, GStrv *value, GError **error)
{
  JsonNode *node = member (object, name, required, error);
  g_autoptr (GStrvBuilder) builder = NULL;
  g_autoptr (GHashTable) seen = NULL;
  JsonArray *array;

  if (node == NULL)
    return !required;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("The field “%s” must be an array of strings."), name);
      return FALSE;
    }
  array = json_node_get_array (node);
  if (json_array_get_length (array) > max_items)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("The field “%s” has more than %u items."),
                   name, max_items);
      return FALSE;
    }
  builder = g_strv_builder_new ();
  seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      const char *text;

      if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING
          || *(text = json_node_get_string (item)) == '\0' || strlen (text) > 64)
        {
          g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                       _ ("Item %u of “%s” must be a non-empty string of at most 64 bytes."), i + 1,
                       name);
          return FALSE;
        }
      if (g_hash_table_add (seen, (gpointer) text))
        g_strv_builder_add (builder, text);
    }
  g_strfreev (*value);
  *value = g_strv_builder_end (builder);
  return TRUE;
}

/**
 * sched_time_parse:
 * @text: ISO 8601 with an offset, e.g. "2026-12-01T08:00:00+07:00"
 * @what: the field's name, for the error
 * @value: (out): seconds since 1970 UTC (fractions dropped)
 * @error: a time that does not parse, lacks an offset, or lies outside
 *   2000–2099
 *
 * Returns: whether @text is a usable time.
 */
gboolean
sched_time_parse (const char *text, const char *what, gint64 *value, GError **error)
{
  g_autoptr (GDateTime) time = NULL;
  gint64 unix_time;

  /* no default zone: a time without an offset is ambiguous, refuse it */
  time = g_date_time_new_from_iso8601 (text, NULL);
  if (time == NULL || strchr (text, 'T') == NULL)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("“%s” is not a time: write ISO 8601 with an offset, e.g. "
                      "2026-12-01T08:00:00+07:00 (field “%s”)."),
                   text, what);
      return FALSE;
    }
  unix_time = g_date_time_to_unix (time);
  if (unix_time < EARLIEST_TIME || unix_time >= LATEST_TIME)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("The time “%s” (field “%s”) is not between the years 2000 and 2099."), text,
                   what);
      return FALSE;
    }
  *value = unix_time;
  return TRUE;
}

/**
 * sched_json_get_time:
 * @object: a request body
 * @name: the field
 * @required: whether a missing field is an error
 * @value: (out): seconds since 1970 UTC; untouched when absent
 * @error: see sched_time_parse()
 *
 * Returns: whether the field is absent (and optional) or valid.
 */
gboolean
sched_json_get_time (JsonObject *object, const char *name, gboolean required, gint64 *value,
                     GError **error)
{
  g_autofree char *text = NULL;

  if (!sched_json_get_string (object, name, required, 64, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  return sched_time_parse (text, name, value, error);
}

/**
 * sched_json_get_time_array:
 * @object: a request body
 * @name: the field
 * @max_items: the most items allowed
 * @value: (out) (transfer full): the times (gint64), or %NULL when absent
 * @error: see sched_time_parse()
 *
 * Returns: whether the field is absent or valid.
 */
gboolean
sched_json_get_time_array (JsonObject *object, const char *name, guint max_items, GArray **value,
                           GError **error)
{
  g_auto (GStrv) texts = NULL;
  g_autoptr (GArray) times = NULL;

  if (!sched_json_get_string_array (object, name, FALSE, max_items, &texts, error))
    return FALSE;
  if (texts == NULL)
    return TRUE;
  times = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; texts[i] != NULL; i++)
    {
      gint64 t;

      if (!sched_time_parse (texts[i], name, &t, error))
        return FALSE;
      g_array_append_val (times, t);
    }
  *value = g_steal_pointer (&times);
  return TRUE;
}

/**
 * sched_time_format:
 * @utc: seconds since 1970 UTC
 *
 * Returns: (transfer full): the time in Asia/Ho_Chi_Minh, ISO 8601 with
 *   its offset, e.g. "2021-08-01T16:00:00+07:00".
 */
char *
sched_time_format (gint64 utc)
{
  static gsize zone;
  g_autoptr (GDateTime) time = g_date_time_new_from_unix_utc (utc);
  g_autoptr (GDateTime) local = NULL;

  /* Parsed once: GTimeZone is immutable and safe to share between
   * threads.  Without tzdata, the fixed +07:00 is still right for every
   * time the API accepts (Việt Nam has kept it since 1975). */
  if (g_once_init_enter (&zone))
    {
      GTimeZone *found = g_time_zone_new_identifier (SCHED_TZID);

      g_once_init_leave (&zone,
                         (gsize) (found != NULL ? found : g_time_zone_new_offset (7 * 3600)));
    }
  local = g_date_time_to_timezone (time, (GTimeZone *) zone);
  return g_date_time_format (local, "%Y-%m-%dT%H:%M:%S%:z");
}

/**
 * sched_json_add_time:
 * @builder: a builder inside an object
 * @name: the member's name
 * @utc: seconds since 1970 UTC
 *
 * Adds the member as formatted by sched_time_format().
 */
void
sched_json_add_time (JsonBuilder *builder, const char *name, gint64 utc)
{
  g_autofree char *text = sched_time_format (utc);

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, text);
}

/**
 * sched_json_add_nullable_string:
 * @builder: a builder inside an object
 * @name: the member's name
 * @value: (nullable): the value; %NULL is written as null
 */
void
sched_json_add_nullable_string (JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

/**
 * sched_json_add_json_text:
 * @builder: a builder inside an object
 * @name: the member's name
 * @text: (nullable): JSON text, e.g. from json_group_array() or a stored row
 *
 * Adds the parsed value; null when @text is %NULL or does not parse.
 */
void
sched_json_add_json_text (JsonBuilder *builder, const char *name, const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();

  json_builder_set_member_name (builder, name);
  if (text != NULL && json_parser_load_from_data (parser, text, -1, NULL)
      && json_parser_get_root (parser) != NULL)
    json_builder_add_value (builder, json_node_copy (json_parser_get_root (parser)));
  else
    json_builder_add_null_value (builder);
}
