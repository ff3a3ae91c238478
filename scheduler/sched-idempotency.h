/* sched-idempotency.h: replaying the answer to a retried POST. */
#pragma once

#include "sched-db.h"
#include "sched-request.h"

G_BEGIN_DECLS

gboolean sched_idempotency_replay (SchedDb *db, SchedRequest *request, SchedResponse *response,
                                   gboolean *replayed, GError **error);
gboolean sched_idempotency_commit (SchedDb *db, SchedRequest *request, SchedResponse *response,
                                   GError **error);

G_END_DECLS
