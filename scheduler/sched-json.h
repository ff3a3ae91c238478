/* sched-json.h: strict reading of request bodies and the API's time format.
 *
 * Every getter names the field in its error, checks the type, and refuses
 * what a field cannot hold, so a client learns exactly what is wrong.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The zone in which the API speaks (Việt Nam has had no DST since 1975). */
#define SCHED_TZID "Asia/Ho_Chi_Minh"

/* sched_time_format() in SQL, for JSON that SQLite writes itself: a fixed
 * +07:00 is that zone's offset for every time the API accepts (2000-2099). */
#define SCHED_SQL_TIME(seconds)                                                                    \
  "strftime ('%Y-%m-%dT%H:%M:%S+07:00', " seconds " + 25200, 'unixepoch')"

JsonObject *sched_json_require_object (JsonNode *node, GError **error);
gboolean sched_json_check_fields (JsonObject *object, const char *const *allowed, GError **error);
gboolean sched_json_get_string (JsonObject *object, const char *name, gboolean required,
                                gsize max_chars, char **value, GError **error);
gboolean sched_json_get_int (JsonObject *object, const char *name, gboolean required, gint64 min,
                             gint64 max, gint64 *value, GError **error);
gboolean sched_json_get_string_array (JsonObject *object, const char *name, gboolean required,
                                      guint max_items, GStrv *value, GError **error);
gboolean sched_json_get_time (JsonObject *object, const char *name, gboolean required,
                              gint64 *value, GError **error);
gboolean sched_json_get_time_array (JsonObject *object, const char *name, guint max_items,
                                    GArray **value, GError **error);

gboolean sched_time_parse (const char *text, const char *what, gint64 *value, GError **error);
char *sched_time_format (gint64 utc);
void sched_json_add_time (JsonBuilder *builder, const char *name, gint64 utc);
void sched_json_add_json_text (JsonBuilder *builder, const char *name, const char *text);
void sched_json_add_nullable_string (JsonBuilder *builder, const char *name, const char *value);

G_END_DECLS
