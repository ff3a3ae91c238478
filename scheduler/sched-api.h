/* sched-api.h: the scheduler's HTTP API under /api/v1. */
#pragma once

#include "libhoinghi/hn-server.h"

#include "sched-db.h"

G_BEGIN_DECLS

#define SCHED_TYPE_API (sched_api_get_type ())
G_DECLARE_FINAL_TYPE (SchedApi, sched_api, SCHED, API, GObject)

SchedApi *sched_api_new (SchedDb *db, HnServer *server, GError **error);

G_END_DECLS
