/* sched-vfs.h: the scheduler's SQLite VFS (the WAL's writes gathered). */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

const char *sched_vfs_name (void);

G_END_DECLS
