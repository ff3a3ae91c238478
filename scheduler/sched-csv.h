/* sched-csv.h: an RFC 4180 CSV reader that knows its line numbers. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SchedCsv SchedCsv;

SchedCsv *sched_csv_new (const char *data, gsize length, GError **error);
gboolean sched_csv_next (SchedCsv *self, GStrv *fields, guint *line, GError **error);
void sched_csv_free (SchedCsv *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SchedCsv, sched_csv_free)

G_END_DECLS
