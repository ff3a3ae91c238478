/* sched-idempotency.c: Idempotency-Key for POSTs.
 *
 * A POST that carries a key stores its answer in the same transaction as
 * its writes; a retry with the same key (and the same request) gets that
 * answer back and creates nothing.  The same key with a different request
 * is a client bug and is refused.
 */
#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "config.h"

#include <string.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#include "sched-idempotency.h"

static char *
fingerprint (SchedRequest *request)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);

  g_checksum_update (checksum, (const guchar *) request->method, -1);
  g_checksum_update (checksum, (const guchar *) " ", 1);
  g_checksum_update (checksum, (const guchar *) request->path, -1);
  g_checksum_update (checksum, (const guchar *) "\n", 1);
  if (request->body != NULL)
    g_checksum_update (checksum, g_bytes_get_data (request->body, NULL),
                       g_bytes_get_size (request->body));
  return g_strdup (g_checksum_get_string (checksum));
}

static gboolean
key_is_usable (SchedRequest *request, GError **error)
{
  gsize length = strlen (request->idempotency_key);

  if (length == 0 || length > 200)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("An Idempotency-Key must have 1 to 200 characters."));
      return FALSE;
    }
  return TRUE;
}

/**
 * sched_idempotency_replay:
 * @db: the database
 * @request: an authenticated POST
 * @response: filled with the first answer when this is a retry
 * @replayed: (out): whether @response was filled
 * @error: a key reused for another request, or a database failure
 *
 * Returns: whether the question could be answered.
 */
gboolean
sched_idempotency_replay (SchedDb *db, SchedRequest *request, SchedResponse *response,
                          gboolean *replayed, GError **error)
{
  static const char *const sql
      = "SELECT request, status, body, location FROM idempotency WHERE user_id = ?1 AND key = ?2";
  g_autoptr (SchedStmt) stmt = NULL;
  g_autofree char *print = NULL;

  *replayed = FALSE;
  if (request->idempotency_key == NULL || request->user == NULL)
    return TRUE;
  if (!key_is_usable (request, error))
    return FALSE;
  stmt = sched_db_prepare (db, sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, request->user->id);
  sqlite3_bind_text (stmt, 2, request->idempotency_key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return TRUE;
  print = fingerprint (request);
  if (g_strcmp0 (print, (const char *) sqlite3_column_text (stmt, 0)) != 0)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFLICT,
                   _ ("This Idempotency-Key was used for a different request; use a new key."));
      return FALSE;
    }
  response->status = sqlite3_column_int (stmt, 1);
  g_free (response->content_type);
  response->content_type = g_strdup ("application/json; charset=utf-8");
  g_free (response->body);
  response->body = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  response->length = strlen (response->body);
  g_free (response->location);
  response->location = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  *replayed = TRUE;
  return TRUE;
}

/**
 * sched_idempotency_commit:
 * @db: the database, in the request's transaction
 * @request: the request
 * @response: its answer, stored when the request carried a key
 * @error: a database failure (the transaction is rolled back)
 *
 * Every writing handler ends with this instead of sched_db_commit().
 *
 * Returns: whether the writes and the stored answer are durable.
 */
gboolean
sched_idempotency_commit (SchedDb *db, SchedRequest *request, SchedResponse *response,
                          GError **error)
{
  static const char *const sql
      = "INSERT INTO idempotency (user_id, key, request, status, body, location, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

  if (request->idempotency_key != NULL && request->user != NULL
      && g_str_equal (request->method, "POST"))
    {
      g_autoptr (SchedStmt) stmt = sched_db_prepare (db, sql, error);
      g_autofree char *print = fingerprint (request);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, request->user->id);
      sqlite3_bind_text (stmt, 2, request->idempotency_key, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, print, -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 4, response->status);
      sqlite3_bind_text (stmt, 5, response->body != NULL ? response->body : "", -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 6, response->location, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 7, request->now);
      if (!sched_db_step_done (db, stmt, error))
        return FALSE;
    }
  return sched_db_commit (db, error);
}
