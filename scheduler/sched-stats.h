/* sched-stats.h: the online-meeting ratio, computed from the records. */
#pragma once

#include "sched-db.h"
#include "sched-request.h"

G_BEGIN_DECLS

void sched_stats_percent (gint64 numerator, gint64 denominator, gint64 *tenths);
char *sched_stats_percent_text (gint64 tenths, gboolean vietnamese);
const char *sched_stats_definition (const char *indicator);
JsonNode *sched_stats_compute (SchedDb *db, SchedRequest *request, GError **error);
gboolean sched_stats_handle (SchedDb *db, SchedRequest *request, SchedResponse *response,
                             GError **error);

G_END_DECLS
