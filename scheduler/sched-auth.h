/* sched-auth.h: users, passwords, bearer tokens and what each role may do. */
#pragma once

#include "sched-db.h"
#include "sched-request.h"

G_BEGIN_DECLS

#define SCHED_SESSION_SECONDS (12 * 3600)

gboolean sched_auth_valid_role (const char *role);
char *sched_auth_hash_password (const char *password, GError **error);
gboolean sched_auth_verify_password (const char *hash, const char *password);
gboolean sched_auth_add_user (SchedDb *db, const char *login, const char *role,
                              const char *unit_code, const char *password, gint64 now,
                              GError **error);

SchedUser *sched_auth_lookup_login (SchedDb *db, const char *login, char **password_hash,
                                    GError **error);
char *sched_auth_create_session (SchedDb *db, gint64 user_id, gint64 now, gint64 *expires_at,
                                 GError **error);
SchedUser *sched_auth_authenticate (SchedDb *db, const char *authorization, gint64 now,
                                    GError **error);
gboolean sched_auth_revoke (SchedDb *db, const char *authorization, GError **error);
char *sched_auth_new_feed_token (SchedDb *db, gint64 user_id, GError **error);
SchedUser *sched_auth_feed_user (SchedDb *db, const char *token, GError **error);

gboolean sched_auth_require_role (SchedUser *user, const char *const *roles, GError **error);
gboolean sched_unit_within (SchedDb *db, const char *unit, const char *ancestor, gboolean *within,
                            GError **error);
gboolean sched_auth_may_manage_unit (SchedDb *db, SchedUser *user, const char *unit,
                                     GError **error);

G_END_DECLS
