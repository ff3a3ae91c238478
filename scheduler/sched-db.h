/* sched-db.h: the scheduler's SQLite database.
 *
 * One writing connection, owned by one worker thread: every request's
 * transaction runs there (sched_db_run_async), one after another, so the
 * main loop never waits for a disk and two requests never interleave
 * inside a transaction.  Opening applies the migrations compiled into the
 * program and, on first start, loads the hierarchy of Vĩnh Phúc.
 *
 * Beside it, a read-only connection for the main thread
 * (sched_db_open_reader): WAL lets it read the last commit while the
 * worker writes, so what a request needs checked before its transaction
 * (its token, the references in its body) costs the worker nothing.
 */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define SCHED_DB_FILE "scheduler.db"

/* A statement from the cache: g_autoptr resets it, it is never finalized. */
typedef sqlite3_stmt SchedStmt;
void sched_stmt_release (SchedStmt *stmt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SchedStmt, sched_stmt_release)

#define SCHED_TYPE_DB (sched_db_get_type ())
G_DECLARE_FINAL_TYPE (SchedDb, sched_db, SCHED, DB, GObject)

/**
 * SchedDbFunc:
 * @db: the database, used from its worker thread only
 * @data: the job's data
 * @error: what failed
 *
 * Returns: (transfer full) (nullable): the job's result; %NULL with
 *   @error set on failure.
 */
typedef gpointer (*SchedDbFunc) (SchedDb *db, gpointer data, GError **error);

SchedDb *sched_db_open (const char *path, guint max_version, GError **error);
SchedDb *sched_db_open_reader (SchedDb *writer, GError **error);
void sched_db_stop (SchedDb *self);
guint sched_db_latest_version (void);
guint sched_db_get_version (SchedDb *self);
const char *sched_db_get_path (SchedDb *self);

void sched_db_run_async (SchedDb *self, SchedDbFunc func, gpointer data, GDestroyNotify destroy,
                         GDestroyNotify result_destroy, GAsyncReadyCallback callback,
                         gpointer user_data);
gpointer sched_db_run_finish (SchedDb *self, GAsyncResult *result, GError **error);

SchedStmt *sched_db_prepare (SchedDb *self, const char *sql, GError **error);
gboolean sched_db_step_done (SchedDb *self, SchedStmt *stmt, GError **error);
gboolean sched_db_exec (SchedDb *self, const char *sql, GError **error);
gboolean sched_db_begin (SchedDb *self, GError **error);
gboolean sched_db_begin_read (SchedDb *self, GError **error);
void sched_db_end_read (SchedDb *self);
gboolean sched_db_commit (SchedDb *self, GError **error);
void sched_db_rollback (SchedDb *self);
gint64 sched_db_last_insert_id (SchedDb *self);
gboolean sched_db_set_error (SchedDb *self, int rc, GError **error);

gboolean sched_db_backup (SchedDb *self, const char *destination, GError **error);

G_END_DECLS
