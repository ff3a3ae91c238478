/* sched-auth.c: Argon2id passwords (libsodium), hashed bearer tokens,
 * roles and units. */
#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "config.h"

#include <string.h>

#include <sodium.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#include "sched-auth.h"

#define TOKEN_BYTES 32

static const char *const roles[] = { "admin", "secretary", "technician", "viewer", NULL };

/**
 * sched_auth_valid_role:
 * @role: a role name
 *
 * Returns: whether @role is admin, secretary, technician or viewer.
 */
gboolean
sched_auth_valid_role (const char *role)
{
  return role != NULL && g_strv_contains (roles, role);
}

/**
 * sched_auth_hash_password:
 * @password: the password
 * @error: a password that is too short or too long, or no memory
 *
 * Argon2id with libsodium's interactive limits (64 MiB, about a tenth of
 * a second): slow enough to make a stolen database costly to crack.
 *
 * Returns: (transfer full): the encoded hash.
 */
char *
sched_auth_hash_password (const char *password, GError **error)
{
  char hash[crypto_pwhash_STRBYTES];
  gsize length = strlen (password);

  if (length < 8 || length > 256)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("A password must have 8 to 256 characters."));
      return NULL;
    }
  if (crypto_pwhash_str (hash, password, length, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                         crypto_pwhash_MEMLIMIT_INTERACTIVE)
      != 0)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, "crypto_pwhash_str ran out of memory");
      return NULL;
    }
  return g_strdup (hash);
}

/**
 * sched_auth_verify_password:
 * @hash: an encoded hash, or %NULL for an unknown user
 * @password: what the user typed
 *
 * For an unknown user a hash of a random password is checked all the
 * same, so the answer takes as long and tells nothing about who exists.
 *
 * Returns: whether @password matches @hash.
 */
gboolean
sched_auth_verify_password (const char *hash, const char *password)
{
  static gsize dummy;

  if (g_once_init_enter (&dummy))
    {
      char random[33];

      randombytes_buf (random, 32);
      for (int i = 0; i < 32; i++)
        random[i] = 'a' + ((guchar) random[i] % 26);
      random[32] = '\0';
      g_once_init_leave (&dummy, (gsize) sched_auth_hash_password (random, NULL));
    }
  if (hash == NULL)
    {
      /* the answer is no whatever the dummy check says */
      if (crypto_pwhash_str_verify ((const char *) dummy, password, strlen (password)) == 0)
        g_debug ("a random password was guessed");
      return FALSE;
    }
  return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}

static gboolean
valid_login (const char *login)
{
  gsize length = strlen (login);

  if (length < 2 || length > 64)
    return FALSE;
  for (const char *p = login; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._-@", *p) == NULL)
      return FALSE;
  return TRUE;
}

/**
 * sched_auth_add_user:
 * @db: the database
 * @login: 2–64 characters of letters, digits and . _ - @
 * @role: admin, secretary, technician or viewer
 * @unit_code: the unit the user belongs to
 * @password: 8–256 characters
 * @now: the time of creation
 * @error: which of the above is wrong, or the login is taken
 *
 * Returns: whether the user was added.
 */
gboolean
sched_auth_add_user (SchedDb *db, const char *login, const char *role, const char *unit_code,
                     const char *password, gint64 now, GError **error)
{
  static const char *const unit_sql = "SELECT 1 FROM units WHERE code = ?1";
  static const char *const insert_sql
      = "INSERT INTO users (login, password_hash, role, unit_code, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5)";
  g_autofree char *hash = NULL;
  g_autoptr (SchedStmt) unit = NULL;
  g_autoptr (SchedStmt) insert = NULL;
  int rc;

  if (!valid_login (login))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("“%s” is not a login: use 2 to 64 letters, digits and . _ - @"), login);
      return FALSE;
    }
  if (!sched_auth_valid_role (role))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("“%s” is not a role: use admin, secretary, technician or viewer"), role);
      return FALSE;
    }
  unit = sched_db_prepare (db, unit_sql, error);
  if (unit == NULL)
    return FALSE;
  sqlite3_bind_text (unit, 1, unit_code, -1, SQLITE_STATIC);
  if (sqlite3_step (unit) != SQLITE_ROW)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("There is no unit with the code “%s”."),
                   unit_code);
      return FALSE;
    }
  hash = sched_auth_hash_password (password, error);
  if (hash == NULL)
    return FALSE;
  insert = sched_db_prepare (db, insert_sql, error);
  if (insert == NULL)
    return FALSE;
  sqlite3_bind_text (insert, 1, login, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 2, hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 3, role, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 4, unit_code, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (insert, 5, now);
  rc = sqlite3_step (insert);
  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFLICT, _ ("The login “%s” is taken."), login);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return sched_db_set_error (db, rc, error);
  return TRUE;
}

static SchedUser *
user_from_row (sqlite3_stmt *stmt, int first)
{
  SchedUser *user = g_new0 (SchedUser, 1);

  user->id = sqlite3_column_int64 (stmt, first);
  user->login = g_strdup ((const char *) sqlite3_column_text (stmt, first + 1));
  user->role = g_strdup ((const char *) sqlite3_column_text (stmt, first + 2));
  user->unit_code = g_strdup ((const char *) sqlite3_column_text (stmt, first + 3));
  return user;
}

/**
 * sched_auth_lookup_login:
 * @db: the database
 * @login: a login
 * @password_hash: (out) (transfer full): the user's hash
 * @error: a database failure
 *
 * Returns: (transfer full) (nullable): the user, or %NULL (error unset)
 *   when no such login exists.
 */
SchedUser *
sched_auth_lookup_login (SchedDb *db, const char *login, char **password_hash, GError **error)
{
  static const char *const sql
      = "SELECT password_hash, id, login, role, unit_code FROM users WHERE login = ?1";
  g_autoptr (SchedStmt) stmt = sched_db_prepare (db, sql, error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, login, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  *password_hash = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  return user_from_row (stmt, 1);
}

static void
hash_token (const char *token, guchar out[crypto_generichash_BYTES])
{
  crypto_generichash (out, crypto_generichash_BYTES, (const guchar *) token, strlen (token), NULL,
                      0);
}

static char *
new_token (guchar hash[crypto_generichash_BYTES])
{
  guchar raw[TOKEN_BYTES];
  char encoded[sodium_base64_ENCODED_LEN (TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

  randombytes_buf (raw, sizeof raw);
  sodium_bin2base64 (encoded, sizeof encoded, raw, sizeof raw,
                     sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  hash_token (encoded, hash);
  return g_strdup (encoded);
}

/**
 * sched_auth_create_session:
 * @db: the database
 * @user_id: who logged in
 * @now: the time of login
 * @expires_at: (out): when the token stops working
 * @error: a database failure
 *
 * Only the token's BLAKE2b hash is stored: a copy of the database gives
 * nobody a working token.  Expired sessions are swept on the way.
 *
 * Returns: (transfer full): the bearer token.
 */
char *
sched_auth_create_session (SchedDb *db, gint64 user_id, gint64 now, gint64 *expires_at,
                           GError **error)
{
  static const char *const sweep_sql = "DELETE FROM sessions WHERE expires_at <= ?1";
  static const char *const insert_sql = "INSERT INTO sessions (token_hash, user_id, created_at, "
                                        "expires_at) VALUES (?1, ?2, ?3, ?4)";
  guchar hash[crypto_generichash_BYTES];
  g_autofree char *token = new_token (hash);
  g_autoptr (SchedStmt) sweep = NULL;
  g_autoptr (SchedStmt) insert = NULL;

  if (!sched_db_begin (db, error))
    return NULL;
  sweep = sched_db_prepare (db, sweep_sql, error);
  if (sweep == NULL)
    return NULL;
  sqlite3_bind_int64 (sweep, 1, now);
  if (!sched_db_step_done (db, sweep, error))
    return NULL;
  insert = sched_db_prepare (db, insert_sql, error);
  if (insert == NULL)
    return NULL;
  *expires_at = now + SCHED_SESSION_SECONDS;
  sqlite3_bind_blob (insert, 1, hash, sizeof hash, SQLITE_STATIC);
  sqlite3_bind_int64 (insert, 2, user_id);
  sqlite3_bind_int64 (insert, 3, now);
  sqlite3_bind_int64 (insert, 4, *expires_at);
  if (!sched_db_step_done (db, insert, error) || !sched_db_commit (db, error))
    return NULL;
  return g_steal_pointer (&token);
}

static gboolean
bearer_token (const char *authorization, const char **token, GError **error)
{
  if (authorization == NULL)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_UNAUTHORIZED,
                           _ ("This call needs a token: log in at /api/v1/login and send "
                              "“Authorization: Bearer TOKEN”."));
      return FALSE;
    }
  if (g_ascii_strncasecmp (authorization, "Bearer ", 7) != 0)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_UNAUTHORIZED,
                           _ ("The Authorization header must use the Bearer scheme."));
      return FALSE;
    }
  *token = authorization + 7;
  while (**token == ' ')
    (*token)++;
  if (**token == '\0' || strlen (*token) > 512)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_UNAUTHORIZED,
                           _ ("The bearer token is empty or too long."));
      return FALSE;
    }
  return TRUE;
}

/**
 * sched_auth_authenticate:
 * @db: the database
 * @authorization: (nullable): the Authorization header
 * @now: the time of the request
 * @error: %HN_ERROR_UNAUTHORIZED for a missing, unknown or expired token
 *
 * Returns: (transfer full) (nullable): who sent the request.
 */
SchedUser *
sched_auth_authenticate (SchedDb *db, const char *authorization, gint64 now, GError **error)
{
  static const char *const sql
      = "SELECT s.expires_at, u.id, u.login, u.role, u.unit_code "
        "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1";
  guchar hash[crypto_generichash_BYTES];
  g_autoptr (SchedStmt) stmt = NULL;
  const char *token;

  if (!bearer_token (authorization, &token, error))
    return NULL;
  hash_token (token, hash);
  stmt = sched_db_prepare (db, sql, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_blob (stmt, 1, hash, sizeof hash, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_UNAUTHORIZED,
                           _ ("The token is not valid (logged out, or never issued); log in "
                              "again."));
      return NULL;
    }
  if (sqlite3_column_int64 (stmt, 0) <= now)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_UNAUTHORIZED,
                           _ ("The token has expired; log in again."));
      return NULL;
    }
  return user_from_row (stmt, 1);
}

/**
 * sched_auth_revoke:
 * @db: the database
 * @authorization: the Authorization header of the logout request
 * @error: a database failure
 *
 * Returns: whether the token no longer works.
 */
gboolean
sched_auth_revoke (SchedDb *db, const char *authorization, GError **error)
{
  static const char *const sql = "DELETE FROM sessions WHERE token_hash = ?1";
  guchar hash[crypto_generichash_BYTES];
  g_autoptr (SchedStmt) stmt = NULL;
  const char *token;

  if (!bearer_token (authorization, &token, error))
    return FALSE;
  hash_token (token, hash);
  stmt = sched_db_prepare (db, sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, hash, sizeof hash, SQLITE_STATIC);
  return sched_db_step_done (db, stmt, error);
}

/**
 * sched_auth_new_feed_token:
 * @db: the database
 * @user_id: the user
 * @error: a database failure
 *
 * Calendar clients cannot send headers, so a feed URL carries a token of
 * its own; it reads calendars and nothing else, and a new one replaces
 * the old.
 *
 * Returns: (transfer full): the feed token.
 */
char *
sched_auth_new_feed_token (SchedDb *db, gint64 user_id, GError **error)
{
  static const char *const sql = "UPDATE users SET feed_token_hash = ?1 WHERE id = ?2";
  guchar hash[crypto_generichash_BYTES];
  g_autofree char *token = new_token (hash);
  g_autoptr (SchedStmt) stmt = sched_db_prepare (db, sql, error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_blob (stmt, 1, hash, sizeof hash, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, user_id);
  if (!sched_db_step_done (db, stmt, error))
    return NULL;
  return g_steal_pointer (&token);
}

/**
 * sched_auth_feed_user:
 * @db: the database
 * @token: a feed token from a calendar URL
 * @error: %HN_ERROR_UNAUTHORIZED for an unknown token
 *
 * Returns: (transfer full) (nullable): the token's user.
 */
SchedUser *
sched_auth_feed_user (SchedDb *db, const char *token, GError **error)
{
  static const char *const sql
      = "SELECT id, login, role, unit_code FROM users WHERE feed_token_hash = ?1";
  guchar hash[crypto_generichash_BYTES];
  g_autoptr (SchedStmt) stmt = NULL;

  if (strlen (token) > 512)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_UNAUTHORIZED,
                           _ ("The calendar token is not valid."));
      return NULL;
    }
  hash_token (token, hash);
  stmt = sched_db_prepare (db, sql, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_blob (stmt, 1, hash, sizeof hash, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_UNAUTHORIZED,
                           _ ("The calendar token is not valid."));
      return NULL;
    }
  return user_from_row (stmt, 0);
}

/**
 * sched_auth_require_role:
 * @user: who asks
 * @allowed: (array zero-terminated=1): the roles that may
 * @error: %HN_ERROR_FORBIDDEN otherwise
 *
 * Returns: whether @user has one of @allowed.
 */
gboolean
sched_auth_require_role (SchedUser *user, const char *const *allowed, GError **error)
{
  if (g_strv_contains (allowed, user->role))
    return TRUE;
  g_set_error (error, HN_ERROR, HN_ERROR_FORBIDDEN, _ ("The role “%s” may not do this."),
               user->role);
  return FALSE;
}

/**
 * sched_unit_within:
 * @db: the database
 * @unit: a unit code
 * @ancestor: another unit code
 * @within: (out): whether @unit is @ancestor or lies below it
 * @error: a database failure
 *
 * Returns: whether the question could be answered.
 */
gboolean
sched_unit_within (SchedDb *db, const char *unit, const char *ancestor, gboolean *within,
                   GError **error)
{
  static const char *const sql
      = "SELECT 1 FROM unit_ancestors WHERE ancestor_code = ?1 AND unit_code = ?2";
  g_autoptr (SchedStmt) stmt = sched_db_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, ancestor, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, unit, -1, SQLITE_STATIC);
  *within = sqlite3_step (stmt) == SQLITE_ROW;
  return TRUE;
}

/**
 * sched_auth_may_manage_unit:
 * @db: the database
 * @user: who asks
 * @unit: the unit whose meeting is touched (its chair)
 * @error: %HN_ERROR_FORBIDDEN when @user's unit is not @unit or above it
 *
 * An admin manages every unit; anyone else only their own unit and the
 * units below it.
 *
 * Returns: whether @user may.
 */
gboolean
sched_auth_may_manage_unit (SchedDb *db, SchedUser *user, const char *unit, GError **error)
{
  gboolean within = FALSE;

  if (g_str_equal (user->role, "admin"))
    return TRUE;
  if (!sched_unit_within (db, unit, user->unit_code, &within, error))
    return FALSE;
  if (!within)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_FORBIDDEN,
                   _ ("Your unit (%s) is not unit %s or above it."), user->unit_code, unit);
      return FALSE;
    }
  return TRUE;
}
