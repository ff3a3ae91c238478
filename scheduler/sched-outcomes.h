/* sched-outcomes.h: how a meeting went (held in person, held online and
 * on what evidence, or not held). */
#pragma once

#include "sched-db.h"
#include "sched-request.h"

G_BEGIN_DECLS

gboolean sched_outcome_handle (SchedDb *db, SchedRequest *request, SchedResponse *response,
                               GError **error);

G_END_DECLS
