/* sched-import.h: importing meetings from CSV (e.g. a year of records). */
#pragma once

#include "sched-db.h"
#include "sched-request.h"

G_BEGIN_DECLS

gboolean sched_import_handle (SchedDb *db, SchedRequest *request, SchedResponse *response,
                              GError **error);

gboolean sched_export_handle (SchedDb *db, SchedRequest *request, SchedResponse *response,
                              GError **error);

G_END_DECLS
