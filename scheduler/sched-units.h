/* sched-units.h: the administrative hierarchy, meeting rooms, and each
 * unit's calendar feed. */
#pragma once

#include "sched-db.h"
#include "sched-request.h"

G_BEGIN_DECLS

gboolean sched_units_handle_collection (SchedDb *db, SchedRequest *request, SchedResponse *response,
                                        GError **error);
gboolean sched_units_handle_item (SchedDb *db, SchedRequest *request, SchedResponse *response,
                                  GError **error);
gboolean sched_rooms_handle (SchedDb *db, SchedRequest *request, SchedResponse *response,
                             GError **error);
gboolean sched_calendar_handle (SchedDb *db, SchedRequest *request, SchedResponse *response,
                                GError **error);
gboolean sched_feed_token_handle (SchedDb *db, SchedRequest *request, SchedResponse *response,
                                  GError **error);

G_END_DECLS
