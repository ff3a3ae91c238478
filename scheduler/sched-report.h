/* sched-report.h: the online-meeting ratio as an A4 PDF report and as a
 * chart (SVG, PNG), drawn with cairo and pango. */
#pragma once

#include "sched-db.h"
#include "sched-request.h"

G_BEGIN_DECLS

gboolean sched_report_handle (SchedDb *db, SchedRequest *request, SchedResponse *response,
                              GError **error);
char *sched_report_render (JsonNode *data, const char *format, gsize *length, GError **error);

G_END_DECLS
