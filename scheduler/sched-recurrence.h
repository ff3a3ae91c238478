/* sched-recurrence.h: expanding an RFC 5545 recurring series into its occurrences. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The most occurrences one series may have: a daily meeting for a year and a month. */
#define SCHED_RECURRENCE_MAX_OCCURRENCES 400

gboolean sched_recurrence_expand (const char *rrule, gint64 dtstart_utc, const char *tzid,
                                  const gint64 *exdates, gsize n_exdates, guint max_occurrences,
                                  GArray **starts, GError **error);

gboolean sched_zone_name_is_plausible (const char *tzid);

G_END_DECLS
