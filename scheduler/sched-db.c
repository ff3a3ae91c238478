/* sched-db.c: SchedDb, the connection, its migrations and its worker.
 *
 * The worker commits in groups: the jobs that queued up while it was busy
 * run together inside one transaction, each in a SAVEPOINT of its own
 * (its BEGIN and COMMIT become SAVEPOINT and RELEASE), and one COMMIT
 * makes them all durable with one fsync and one write of the pages they
 * share.  No job's answer leaves before that COMMIT, so an acknowledged
 * booking is always on disk; a job that fails rolls back its savepoint
 * alone.  With one client at a time a group is a single job. */
#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#include "sched-csv.h"
#include "sched-db.h"
#include "sched-resources.h"
#include "sched-vfs.h"

#define RESOURCE_PREFIX "/vn/gov/vinhphuc/hoinghi/scheduler"
#define BUSY_TIMEOUT_MS 5000
/* the most jobs one group commit takes */
#define MAX_GROUP 32

struct _SchedDb
{
  GObject parent_instance;

  char *path;
  sqlite3 *handle;
  guint version;
  /* SQL text (static strings) -> prepared statement */
  GHashTable *statements;
  GThread *worker;
  GAsyncQueue *jobs;
  /* worker state: inside a group transaction, and whether the current
   * job's savepoint is open */
  gboolean in_group;
  gboolean savepoint_open;
};

G_DEFINE_FINAL_TYPE (SchedDb, sched_db, G_TYPE_OBJECT)

/**
 * sched_stmt_release:
 * @stmt: a cached statement
 *
 * Resets the statement for its next use; the cache keeps it.
 */
void
sched_stmt_release (SchedStmt *stmt)
{
  if (stmt == NULL)
    return;
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

/**
 * sched_db_set_error:
 * @self: a #SchedDb
 * @rc: what SQLite returned
 * @error: set from @rc and the connection's message
 *
 * SQLITE_BUSY becomes %HN_ERROR_UNAVAILABLE (a client may retry); every
 * other failure is a fault of ours.
 *
 * Returns: %FALSE, so a caller can `return sched_db_set_error (…)`.
 */
gboolean
sched_db_set_error (SchedDb *self, int rc, GError **error)
{
  int primary = rc & 0xff;

  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    g_set_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE,
                 _ ("The database is busy; try again in a moment."));
  else
    g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, "database %s: %s", self->path,
                 self->handle != NULL ? sqlite3_errmsg (self->handle) : sqlite3_errstr (rc));
  return FALSE;
}

/**
 * sched_db_prepare:
 * @self: a #SchedDb
 * @sql: a static SQL string: the cache is keyed by its address
 * @error: a syntax error (a bug)
 *
 * Returns: (transfer none) (nullable): the statement, ready to bind; hold
 *   it in a g_autoptr(SchedStmt) so it is reset after use.
 */
SchedStmt *
sched_db_prepare (SchedDb *self, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);
  int rc;

  if (stmt != NULL)
    return stmt;
  rc = sqlite3_prepare_v3 (self->handle, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      sched_db_set_error (self, rc, error);
      return NULL;
    }
  g_hash_table_insert (self->statements, (gpointer) sql, stmt);
  return stmt;
}

/**
 * sched_db_step_done:
 * @self: a #SchedDb
 * @stmt: a bound statement that returns no rows
 * @error: what failed
 *
 * Returns: whether the statement ran to completion.
 */
gboolean
sched_db_step_done (SchedDb *self, SchedStmt *stmt, GError **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    return sched_db_set_error (self, rc, error);
  return TRUE;
}

/**
 * sched_db_exec:
 * @self: a #SchedDb
 * @sql: SQL without parameters (schema, pragmas, transaction control)
 * @error: what failed
 *
 * Returns: whether it ran.
 */
gboolean
sched_db_exec (SchedDb *self, const char *sql, GError **error)
{
  int rc = sqlite3_exec (self->handle, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return sched_db_set_error (self, rc, error);
  return TRUE;
}

/* Transaction control, from the statement cache: compiling "SAVEPOINT
 * job" anew for every job of a group was a tenth of a booking's time. */
static gboolean
run_cached (SchedDb *self, const char *sql, GError **error)
{
  g_autoptr (SchedStmt) stmt = sched_db_prepare (self, sql, error);

  return stmt != NULL && sched_db_step_done (self, stmt, error);
}

/**
 * sched_db_begin:
 * @self: a #SchedDb
 * @error: what failed
 *
 * BEGIN IMMEDIATE: the write lock is taken before the first read, so a
 * check that precedes a write sees what the write will see.
 *
 * Returns: whether the transaction began.
 */
gboolean
sched_db_begin (SchedDb *self, GError **error)
{
  if (self->in_group)
    {
      if (!run_cached (self, "SAVEPOINT job", error))
        return FALSE;
      self->savepoint_open = TRUE;
      return TRUE;
    }
  return run_cached (self, "BEGIN IMMEDIATE", error);
}

/**
 * sched_db_begin_read:
 * @self: a #SchedDb, usually a reader
 * @error: what failed
 *
 * One snapshot for several reads: they see the same commit, and take the
 * WAL's read lock once (a file lock each) instead of once a statement.
 * End with sched_db_end_read().
 *
 * Returns: whether the read transaction began.
 */
gboolean
sched_db_begin_read (SchedDb *self, GError **error)
{
  return run_cached (self, "BEGIN DEFERRED", error);
}

/**
 * sched_db_end_read:
 * @self: a #SchedDb in a read transaction
 *
 * Ends it; nothing was written, so nothing can fail to commit.
 */
void
sched_db_end_read (SchedDb *self)
{
  if (!sqlite3_get_autocommit (self->handle))
    run_cached (self, "COMMIT", NULL);
}

/**
 * sched_db_commit:
 * @self: a #SchedDb in a transaction
 * @error: what failed (the transaction is then rolled back)
 *
 * Returns: whether the transaction is durable (synchronous=FULL).
 */
gboolean
sched_db_commit (SchedDb *self, GError **error)
{
  /* in a group, durability comes with the group's COMMIT */
  if (self->in_group)
    {
      if (!run_cached (self, "RELEASE job", error))
        {
          sched_db_rollback (self);
          return FALSE;
        }
      self->savepoint_open = FALSE;
      return TRUE;
    }
  if (!run_cached (self, "COMMIT", error))
    {
      sched_db_rollback (self);
      return FALSE;
    }
  return TRUE;
}

/**
 * sched_db_rollback:
 * @self: a #SchedDb
 *
 * Rolls back the open transaction, if any.
 */
void
sched_db_rollback (SchedDb *self)
{
  if (self->in_group)
    {
      if (self->savepoint_open)
        sqlite3_exec (self->handle, "ROLLBACK TO job; RELEASE job", NULL, NULL, NULL);
      self->savepoint_open = FALSE;
      return;
    }
  if (!sqlite3_get_autocommit (self->handle))
    sqlite3_exec (self->handle, "ROLLBACK", NULL, NULL, NULL);
}

/**
 * sched_db_last_insert_id:
 * @self: a #SchedDb
 *
 * Returns: the rowid of the last row inserted on the connection.
 */
gint64
sched_db_last_insert_id (SchedDb *self)
{
  return sqlite3_last_insert_rowid (self->handle);
}

/* The resource is linked from a static library: nothing would pull its
 * constructor in, so it is registered by hand, once. */
static void
register_resources (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      sched_register_resource ();
      g_once_init_leave (&done, 1);
    }
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/**
 * sched_db_latest_version:
 *
 * Returns: the schema version this program writes (its last migration).
 */
guint
sched_db_latest_version (void)
{
  g_auto (GStrv) names = NULL;

  register_resources ();
  names = g_resources_enumerate_children (RESOURCE_PREFIX "/migrations/", 0, NULL);

  return names != NULL ? g_strv_length (names) : 0;
}

/* Whether every foreign key of the database finds its row. */
static gboolean
references_hold (SchedDb *self, GError **error)
{
  g_autoptr (SchedStmt) stmt = sched_db_prepare (self, "PRAGMA foreign_key_check", error);

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, "a row of %s refers to a missing row of %s",
                   (const char *) sqlite3_column_text (stmt, 0),
                   (const char *) sqlite3_column_text (stmt, 2));
      return FALSE;
    }
  return TRUE;
}

static gboolean
apply_migrations (SchedDb *self, guint max_version, GError **error)
{
  g_auto (GStrv) names = g_resources_enumerate_children (RESOURCE_PREFIX "/migrations/", 0, NULL);
  guint latest = g_strv_length (names);
  g_autoptr (SchedStmt) stmt = NULL;

  stmt = sched_db_prepare (self, "PRAGMA user_version", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return sched_db_set_error (self, SQLITE_ERROR, error);
  self->version = sqlite3_column_int (stmt, 0);
  g_clear_pointer (&stmt, sched_stmt_release);

  if (self->version > latest)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG,
                   _ ("the database %s has schema version %u, newer than the %u this program "
                      "knows: run the newer hoinghi-scheduler that wrote it, or restore a backup"),
                   self->path, self->version, latest);
      return FALSE;
    }
  qsort (names, latest, sizeof (char *), compare_names);
  /* A migration may rebuild a table, SQLite's one way to change its
   * constraints: foreign keys are off meanwhile (dropping the old table
   * must not cascade), as SQLite's procedure asks, and every reference is
   * checked before the migration commits. */
  if (self->version < latest && !sched_db_exec (self, "PRAGMA foreign_keys = OFF", error))
    return FALSE;
  for (guint i = self->version; i < latest && (max_version == 0 || i < max_version); i++)
    {
      g_autofree char *resource = g_strconcat (RESOURCE_PREFIX "/migrations/", names[i], NULL);
      g_autoptr (GBytes) sql = g_resources_lookup_data (resource, 0, error);
      g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %u", i + 1);

      if (sql == NULL)
        return FALSE;
      /* a migration and its version number land together or not at all */
      if (!sched_db_begin (self, error)
          || !sched_db_exec (self, g_bytes_get_data (sql, NULL), error)
          || !references_hold (self, error) || !sched_db_exec (self, set_version, error)
          || !sched_db_commit (self, error))
        {
          sched_db_rollback (self);
          g_prefix_error (error, "migration %s: ", names[i]);
          return FALSE;
        }
      self->version = i + 1;
      g_info ("database %s migrated to schema %u (%s)", self->path, self->version, names[i]);
    }
  return sched_db_exec (self, "PRAGMA foreign_keys = ON", error);
}

static gboolean
insert_unit (SchedDb *self, GStrv fields, GError **error)
{
  static const char *const insert_sql
      = "INSERT INTO units (code, level, name, parent_code, code_source) "
        "VALUES (?1, ?2, ?3, NULLIF (?4, ''), ?5)";
  static const char *const room_sql
      = "INSERT INTO rooms (unit_code, name, join_identity, is_default) VALUES (?1, ?2, ?3, 1)";
  g_autoptr (SchedStmt) stmt = sched_db_prepare (self, insert_sql, error);
  g_autoptr (SchedStmt) room = NULL;
  g_autofree char *room_name = NULL;
  g_autofree char *identity = NULL;

  if (stmt == NULL)
    return FALSE;
  for (int i = 0; i < 5; i++)
    sqlite3_bind_text (stmt, i + 1, fields[i], -1, SQLITE_STATIC);
  if (!sched_db_step_done (self, stmt, error))
    return FALSE;

  /* Every unit starts with one meeting room (điểm cầu). */
  room = sched_db_prepare (self, room_sql, error);
  if (room == NULL)
    return FALSE;
  room_name = g_strdup_printf ("Điểm cầu %s", fields[2]);
  identity = g_strdup_printf ("room-%s", fields[0]);
  sqlite3_bind_text (room, 1, fields[0], -1, SQLITE_STATIC);
  sqlite3_bind_text (room, 2, room_name, -1, SQLITE_STATIC);
  sqlite3_bind_text (room, 3, identity, -1, SQLITE_STATIC);
  return sched_db_step_done (self, room, error);
}

/* Fills unit_ancestors from units: each unit with itself and every
 * ancestor, walked in SQL. */
static gboolean
rebuild_ancestors (SchedDb *self, GError **error)
{
  return sched_db_exec (
      self,
      "DELETE FROM unit_ancestors;"
      "WITH RECURSIVE up (unit_code, ancestor_code, depth) AS ("
      "  SELECT code, code, 0 FROM units"
      "  UNION ALL"
      "  SELECT up.unit_code, u.parent_code, up.depth + 1"
      "  FROM up JOIN units u ON u.code = up.ancestor_code"
      "  WHERE u.parent_code IS NOT NULL AND up.depth < 16)"
      "INSERT INTO unit_ancestors SELECT unit_code, ancestor_code, depth FROM up;",
      error);
}

static gboolean
load_hierarchy (SchedDb *self, GError **error)
{
  g_autoptr (GBytes) csv_bytes = NULL;
  g_autoptr (SchedCsv) csv = NULL;
  g_autoptr (SchedStmt) count = sched_db_prepare (self, "SELECT count(*) FROM units", error);
  gsize length;
  const char *data;
  GStrv fields = NULL;
  guint line;
  gboolean header = TRUE;

  if (count == NULL)
    return FALSE;
  if (sqlite3_step (count) != SQLITE_ROW)
    return sched_db_set_error (self, SQLITE_ERROR, error);
  if (sqlite3_column_int (count, 0) > 0)
    return TRUE;
  g_clear_pointer (&count, sched_stmt_release);

  csv_bytes = g_resources_lookup_data (RESOURCE_PREFIX "/units/vinh-phuc-2021.csv", 0, error);
  if (csv_bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (csv_bytes, &length);
  csv = sched_csv_new (data, length, error);
  if (csv == NULL || !sched_db_begin (self, error))
    return FALSE;
  while (sched_csv_next (csv, &fields, &line, error))
    {
      g_auto (GStrv) owned = fields;

      if (header)
        {
          header = FALSE;
          continue;
        }
      if (g_strv_length (owned) != 5 || !insert_unit (self, owned, error))
        {
          sched_db_rollback (self);
          if (error != NULL && *error == NULL)
            g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, "units line %u: 5 fields expected",
                         line);
          return FALSE;
        }
    }
  if ((error != NULL && *error != NULL) || !rebuild_ancestors (self, error))
    {
      sched_db_rollback (self);
      return FALSE;
    }
  return sched_db_commit (self, error);
}

typedef struct
{
  gpointer result;
  GError *error;
} Outcome;

static void
run_one (SchedDb *self, GTask *task, Outcome *outcome)
{
  SchedDbFunc func = g_object_get_data (G_OBJECT (task), "func");

  outcome->result = func (self, g_task_get_task_data (task), &outcome->error);
  /* a job must never leave a transaction (or savepoint) open for the next */
  sched_db_rollback (self);
}

static void
deliver (GTask *task, Outcome *outcome)
{
  GDestroyNotify result_destroy = g_object_get_data (G_OBJECT (task), "result-destroy");

  if (outcome->error != NULL)
    g_task_return_error (task, outcome->error);
  else
    g_task_return_pointer (task, outcome->result, result_destroy);
}

/* Runs @tasks (at least two) in one transaction; see the top of the file. */
static void
run_group (SchedDb *self, GPtrArray *tasks, Outcome *outcomes)
{
  GError *error = NULL;

  if (!run_cached (self, "BEGIN IMMEDIATE", &error))
    {
      for (guint i = 0; i < tasks->len; i++)
        outcomes[i].error = g_error_copy (error);
      g_error_free (error);
      return;
    }
  self->in_group = TRUE;
  for (guint i = 0; i < tasks->len; i++)
    run_one (self, tasks->pdata[i], &outcomes[i]);
  self->in_group = FALSE;
  if (!sched_db_commit (self, &error))
    {
      /* nothing of the group is durable: no job may say otherwise */
      for (guint i = 0; i < tasks->len; i++)
        {
          GDestroyNotify result_destroy
              = g_object_get_data (G_OBJECT (tasks->pdata[i]), "result-destroy");

          if (outcomes[i].result != NULL && result_destroy != NULL)
            result_destroy (outcomes[i].result);
          outcomes[i].result = NULL;
          g_clear_error (&outcomes[i].error);
          outcomes[i].error = g_error_copy (error);
        }
      g_error_free (error);
    }
}

static gpointer
worker_main (gpointer data)
{
  SchedDb *self = data;

  for (;;)
    {
      g_autoptr (GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
      g_autofree Outcome *outcomes = NULL;
      gpointer task = g_async_queue_pop (self->jobs);

      /* the queue itself is the stop signal */
      if (task == (gpointer) self)
        return NULL;
      g_ptr_array_add (tasks, task);
      while (tasks->len < MAX_GROUP && (task = g_async_queue_try_pop (self->jobs)) != NULL)
        {
          if (task == (gpointer) self)
            {
              g_async_queue_push_front (self->jobs, self);
              break;
            }
          g_ptr_array_add (tasks, task);
        }
      outcomes = g_new0 (Outcome, tasks->len);
      if (tasks->len == 1)
        run_one (self, tasks->pdata[0], &outcomes[0]);
      else
        run_group (self, tasks, outcomes);
      for (guint i = 0; i < tasks->len; i++)
        deliver (tasks->pdata[i], &outcomes[i]);
    }
}

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

/**
 * sched_db_stop:
 * @self: the database
 *
 * Lets the worker finish the jobs already queued and waits for it to end.
 * The owner calls this before its last unref: otherwise a job still held by
 * the worker could drop the last reference there, and the worker would
 * have to wait for itself. Safe to call more than once.
 */
void
sched_db_stop (SchedDb *self)
{
  g_return_if_fail (SCHED_IS_DB (self));
  g_return_if_fail (self->worker == NULL || g_thread_self () != self->worker);

  if (self->worker == NULL)
    return;
  g_async_queue_push (self->jobs, self);
  g_thread_join (g_steal_pointer (&self->worker));
}

static void
sched_db_finalize (GObject *object)
{
  SchedDb *self = SCHED_DB (object);

  sched_db_stop (self);
  g_clear_pointer (&self->jobs, g_async_queue_unref);
  g_hash_table_unref (self->statements);
  if (self->handle != NULL)
    sqlite3_close_v2 (self->handle);
  g_free (self->path);

  G_OBJECT_CLASS (sched_db_parent_class)->finalize (object);
}

static void
sched_db_class_init (SchedDbClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sched_db_finalize;
}

static void
sched_db_init (SchedDb *self)
{
  self->statements
      = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, finalize_statement);
}

/* Opens @self's connection to @path: extended result codes, the busy
 * timeout. */
static gboolean
open_handle (SchedDb *self, const char *path, int flags, const char *vfs, GError **error)
{
  int rc;

  self->path = g_strdup (path);
  rc = sqlite3_open_v2 (path, &self->handle, flags, vfs);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG, _ ("cannot open the database %s: %s"), path,
                   self->handle != NULL ? sqlite3_errmsg (self->handle) : sqlite3_errstr (rc));
      return FALSE;
    }
  sqlite3_extended_result_codes (self->handle, 1);
  sqlite3_busy_timeout (self->handle, BUSY_TIMEOUT_MS);
  return TRUE;
}

/**
 * sched_db_open:
 * @path: the database file (created when missing)
 * @max_version: migrate no further than this schema (0: the latest); for
 *   the tests of upgrades
 * @error: what failed, in one sentence
 *
 * WAL journal, foreign keys on, synchronous=FULL (an acknowledged booking
 * survives a power cut), temporary journals in memory, a busy timeout for
 * a backup running beside it.
 *
 * Returns: (transfer full) (nullable): the open, migrated database.
 */
SchedDb *
sched_db_open (const char *path, guint max_version, GError **error)
{
  g_autoptr (SchedDb) self = g_object_new (SCHED_TYPE_DB, NULL);

  g_return_val_if_fail (path != NULL, NULL);

  register_resources ();
  /* SQLite's memory statistics take a global mutex at every allocation;
   * nothing reads them.  Only possible before SQLite's first use in the
   * process (later it says SQLITE_MISUSE and keeps them). */
  sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);
  if (!open_handle (self, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                    sched_vfs_name (), error))
    return NULL;
  if (!sched_db_exec (self,
                      "PRAGMA journal_mode = WAL;"
                      "PRAGMA synchronous = FULL;"
                      "PRAGMA foreign_keys = ON;"
                      /* A group commit runs each job in a savepoint, whose
                       * journal of the pages it changes spilled into a
                       * temporary file: writes inside every insert.  A
                       * transaction here is one request: memory is plenty. */
                      "PRAGMA temp_store = MEMORY;",
                      error))
    {
      g_prefix_error (error, _ ("cannot use the database %s: "), path);
      return NULL;
    }
  if (!apply_migrations (self, max_version, error))
    return NULL;
  if (self->version >= 1
      && (!sched_db_exec (self,
                          "INSERT OR IGNORE INTO settings (key, value) "
                          "VALUES ('installation', lower (hex (randomblob (6))))",
                          error)
          || !load_hierarchy (self, error)))
    return NULL;
  self->jobs = g_async_queue_new ();
  self->worker = g_thread_new ("sched-db", worker_main, self);
  return g_steal_pointer (&self);
}

/**
 * sched_db_open_reader:
 * @writer: the open, migrated database
 * @error: what failed
 *
 * A read-only connection to the same file, for one thread (the caller's)
 * to read from directly: it has no worker, and refuses every write.
 *
 * Returns: (transfer full) (nullable): the reader.
 */
SchedDb *
sched_db_open_reader (SchedDb *writer, GError **error)
{
  g_autoptr (SchedDb) self = g_object_new (SCHED_TYPE_DB, NULL);

  g_return_val_if_fail (SCHED_IS_DB (writer), NULL);

  self->version = writer->version;
  if (!open_handle (self, writer->path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * sched_db_get_version:
 * @self: a #SchedDb
 *
 * Returns: the schema version of the open database.
 */
guint
sched_db_get_version (SchedDb *self)
{
  g_return_val_if_fail (SCHED_IS_DB (self), 0);
  return self->version;
}

/**
 * sched_db_get_path:
 * @self: a #SchedDb
 *
 * Returns: (transfer none): the database file.
 */
const char *
sched_db_get_path (SchedDb *self)
{
  g_return_val_if_fail (SCHED_IS_DB (self), NULL);
  return self->path;
}

/**
 * sched_db_run_async:
 * @self: a #SchedDb
 * @func: the job, run on the database's worker thread
 * @data: (transfer full): the job's data
 * @destroy: (nullable): frees @data
 * @result_destroy: (nullable): frees a result nobody collected
 * @callback: called in the caller's main context
 * @user_data: for @callback
 *
 * Jobs run one at a time in the order queued, those queued together in
 * one group commit; an open transaction left by a failed job is rolled
 * back before the next.
 */
void
sched_db_run_async (SchedDb *self, SchedDbFunc func, gpointer data, GDestroyNotify destroy,
                    GDestroyNotify result_destroy, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (SCHED_IS_DB (self));
  g_return_if_fail (self->jobs != NULL);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, sched_db_run_async);
  g_task_set_task_data (task, data, destroy);
  g_object_set_data (G_OBJECT (task), "func", func);
  g_object_set_data (G_OBJECT (task), "result-destroy", result_destroy);
  g_async_queue_push (self->jobs, task);
}

/**
 * sched_db_run_finish:
 * @self: a #SchedDb
 * @result: the result given to the callback
 * @error: the job's error
 *
 * Returns: (transfer full) (nullable): the job's result.
 */
gpointer
sched_db_run_finish (SchedDb *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * sched_db_backup:
 * @self: a #SchedDb
 * @destination: the file to write (replaced)
 * @error: what failed
 *
 * SQLite's online-backup API copies a consistent snapshot while the
 * service goes on writing (WAL lets a reader and a writer run together).
 *
 * Returns: whether the copy is complete.
 */
gboolean
sched_db_backup (SchedDb *self, const char *destination, GError **error)
{
  sqlite3 *target = NULL;
  sqlite3_backup *backup;
  int rc;

  g_return_val_if_fail (SCHED_IS_DB (self), FALSE);

  rc = sqlite3_open_v2 (destination, &target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG, _ ("cannot write the backup %s: %s"),
                   destination, target != NULL ? sqlite3_errmsg (target) : sqlite3_errstr (rc));
      sqlite3_close_v2 (target);
      return FALSE;
    }
  backup = sqlite3_backup_init (target, "main", self->handle, "main");
  if (backup == NULL)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG, _ ("cannot write the backup %s: %s"),
                   destination, sqlite3_errmsg (target));
      sqlite3_close_v2 (target);
      return FALSE;
    }
  do
    {
      rc = sqlite3_backup_step (backup, 256);
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        sqlite3_sleep (20);
    }
  while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish (backup);
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG, _ ("cannot write the backup %s: %s"),
                   destination, sqlite3_errstr (rc));
      sqlite3_close_v2 (target);
      return FALSE;
    }
  rc = sqlite3_close_v2 (target);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG, _ ("cannot write the backup %s: %s"),
                   destination, sqlite3_errstr (rc));
      return FALSE;
    }
  return TRUE;
}
