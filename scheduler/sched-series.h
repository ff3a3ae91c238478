/* sched-series.h: recurring series (RRULE + EXDATE) whose occurrences are
 * real meeting rows. */
#pragma once

#include "sched-db.h"
#include "sched-request.h"

G_BEGIN_DECLS

gboolean sched_series_handle_collection (SchedDb *db, SchedRequest *request,
                                         SchedResponse *response, GError **error);
gboolean sched_series_handle_item (SchedDb *db, SchedRequest *request, SchedResponse *response,
                                   GError **error);

G_END_DECLS
