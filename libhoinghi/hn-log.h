/* hn-log.h: structured logging for the daemons.
 *
 * Messages go to journald when stderr is connected to it (fields such as
 * HN_METHOD, HN_PATH, HN_STATUS become journal fields) and otherwise to
 * stderr as one line each: time, program, level, message, then the HN_*
 * fields as key=value.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void hn_log_init (const char *program, gboolean verbose);
gboolean hn_log_would_drop (GLogLevelFlags level, const char *domain);
char *hn_log_format_line (GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                          gint64 time_us);

G_END_DECLS
