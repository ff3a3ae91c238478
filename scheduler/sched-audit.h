/* sched-audit.h: the append-only log of every change. */
#pragma once

#include "sched-db.h"
#include "sched-request.h"

G_BEGIN_DECLS

gboolean sched_audit_append (SchedDb *db, SchedRequest *request, const char *action,
                             const char *entity, gint64 entity_id, JsonNode *before,
                             JsonNode *after, GError **error);
gboolean sched_audit_append_text (SchedDb *db, SchedRequest *request, const char *action,
                                  const char *entity, gint64 entity_id, const char *before,
                                  const char *after, GError **error);
gboolean sched_audit_handle (SchedDb *db, SchedRequest *request, SchedResponse *response,
                             GError **error);

G_END_DECLS
