/* sched-api.c: SchedApi, from an HTTP request to a database job and back.
 *
 * The main thread copies the request into a SchedRequest, parses its
 * body, finds its route and authenticates it on the read-only connection
 * (a request without a valid token never reaches the worker), lets the
 * route check what it can before the transaction, and pauses the message;
 * the database worker replays an Idempotency-Key or runs the resource's
 * handler; the main thread writes the SchedResponse and unpauses.  Login
 * is the one exception: its Argon2id check runs on GLib's thread pool so
 * it never holds up the bookings.
 */
#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "config.h"

#include <string.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-http.h"
#include "libhoinghi/hn-i18n.h"

#include "sched-api.h"
#include "sched-audit.h"
#include "sched-auth.h"
#include "sched-idempotency.h"
#include "sched-json.h"
#include "sched-import.h"
#include "sched-meetings.h"
#include "sched-outcomes.h"
#include "sched-report.h"
#include "sched-series.h"
#include "sched-stats.h"
#include "sched-units.h"

#define API_PREFIX "/api/v1"

typedef gboolean (*RouteFunc) (SchedDb *db, SchedRequest *request, SchedResponse *response,
                               GError **error);

typedef enum
{
  AUTH_USER,     /* a bearer token */
  AUTH_OPTIONAL, /* a bearer token or the handler's own (calendar feeds) */
  AUTH_NONE,
} AuthKind;

/* Runs on the main thread with the reader, before the request queues. */
typedef gboolean (*RoutePrepareFunc) (SchedDb *reader, SchedRequest *request, GError **error);

typedef struct
{
  const char *pattern; /* below /api/v1/, "*" matches one segment */
  const char *methods; /* "GET, POST" */
  AuthKind auth;
  RouteFunc func;
  RoutePrepareFunc prepare;
} Route;

static gboolean handle_logout (SchedDb *db, SchedRequest *request, SchedResponse *response,
                               GError **error);

static const Route routes[] = {
  { "login", "POST", AUTH_NONE, NULL },
  { "logout", "POST", AUTH_USER, handle_logout },
  { "units", "GET, POST", AUTH_USER, sched_units_handle_collection },
  { "units/*", "GET", AUTH_USER, sched_units_handle_item },
  { "units/*/calendar.ics", "GET", AUTH_OPTIONAL, sched_calendar_handle },
  { "rooms", "GET", AUTH_USER, sched_rooms_handle },
  { "meetings", "GET, POST", AUTH_USER, sched_meetings_handle, sched_meetings_prepare },
  { "meetings/*", "GET, PATCH, DELETE", AUTH_USER, sched_meeting_handle },
  { "meetings/*/cancel", "POST", AUTH_USER, sched_meeting_handle_cancel },
  { "meetings/*/outcome", "POST", AUTH_USER, sched_outcome_handle },
  { "series", "GET, POST", AUTH_USER, sched_series_handle_collection },
  { "series/*", "GET, PATCH, DELETE", AUTH_USER, sched_series_handle_item },
  { "audit", "GET", AUTH_USER, sched_audit_handle },
  { "stats/online-ratio", "GET", AUTH_USER, sched_stats_handle },
  { "import", "POST", AUTH_USER, sched_import_handle },
  { "export/meetings.csv", "GET", AUTH_USER, sched_export_handle },
  { "reports/*", "GET", AUTH_USER, sched_report_handle },
  { "feed-token", "POST", AUTH_USER, sched_feed_token_handle },
};

/* Argon2id takes 64 MiB and a tenth of a second a check: at most one
 * check per core at once, and a bounded queue, so a flood of logins is
 * answered 429 instead of eating the machine. */
#define VERIFIERS 2
#define MAX_WAITING_LOGINS 64

struct _SchedApi
{
  GObject parent_instance;

  SchedDb *db;
  SchedDb *reader;
  GThreadPool *verifier;
};

G_DEFINE_FINAL_TYPE (SchedApi, sched_api, G_TYPE_OBJECT)

static gboolean
handle_logout (SchedDb *db, SchedRequest *request, SchedResponse *response, GError **error)
{
  if (!sched_auth_revoke (db, request->authorization, error))
    return FALSE;
  response->status = 204;
  return TRUE;
}

/* Matches @path against @pattern, collecting the "*" segments. */
static gboolean
match (const char *pattern, GStrv segments, GStrv *args)
{
  g_auto (GStrv) parts = g_strsplit (pattern, "/", -1);
  g_autoptr (GStrvBuilder) captured = g_strv_builder_new ();

  if (g_strv_length (parts) != g_strv_length (segments))
    return FALSE;
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (g_str_equal (parts[i], "*"))
        {
          if (*segments[i] == '\0')
            return FALSE;
          g_strv_builder_add (captured, segments[i]);
        }
      else if (!g_str_equal (parts[i], segments[i]))
        return FALSE;
    }
  *args = g_strv_builder_end (captured);
  return TRUE;
}

static gboolean
method_listed (const char *methods, const char *method)
{
  g_auto (GStrv) list = g_strsplit (methods, ", ", -1);

  return g_strv_contains ((const char *const *) list, method);
}

static const Route *
find_route (SchedRequest *request, GError **error)
{
  const char *rest = request->path + strlen (API_PREFIX);
  g_auto (GStrv) segments = NULL;

  if (*rest == '/')
    rest++;
  segments = g_strsplit (rest, "/", -1);
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      GStrv args = NULL;

      if (!match (routes[i].pattern, segments, &args))
        continue;
      g_strfreev (request->args);
      request->args = args;
      if (!method_listed (routes[i].methods, request->method))
        {
          g_set_error (error, HN_ERROR, HN_ERROR_METHOD_NOT_ALLOWED,
                       _ ("This resource does not take %s; it takes %s."), request->method,
                       routes[i].methods);
          return NULL;
        }
      return &routes[i];
    }
  g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, _ ("There is no resource at %s."),
               request->path);
  return NULL;
}

/* A bearer token where the route asks for one (or, optional, brings one). */
static gboolean
authenticate (SchedApi *self, const Route *route, SchedRequest *request, GError **error)
{
  if (route->auth == AUTH_NONE || (route->auth == AUTH_OPTIONAL && request->authorization == NULL))
    return TRUE;
  request->user
      = sched_auth_authenticate (self->reader, request->authorization, request->now, error);
  return request->user != NULL;
}

/* Runs on the main thread: what a request must pass before it queues,
 * read from one snapshot.  A retried POST whose first answer is stored
 * gets it back in @replay, as it was, without being checked again; the
 * worker looks once more, for a first request still in flight. */
static const Route *
admit (SchedApi *self, SchedRequest *request, SchedResponse **replay, GError **error)
{
  const Route *route = find_route (request, error);
  g_autoptr (SchedResponse) response = sched_response_new ();
  gboolean admitted, replayed = FALSE;

  if (route == NULL || !sched_db_begin_read (self->reader, error))
    return NULL;
  admitted
      = authenticate (self, route, request, error)
        && (!g_str_equal (request->method, "POST")
            || sched_idempotency_replay (self->reader, request, response, &replayed, error))
        && (replayed || route->prepare == NULL || route->prepare (self->reader, request, error));
  sched_db_end_read (self->reader);
  if (admitted && replayed)
    *replay = g_steal_pointer (&response);
  return admitted ? route : NULL;
}

typedef struct
{
  const Route *route;
  SchedRequest *request;
} Job;

static void
job_free (Job *job)
{
  sched_request_free (job->request);
  g_free (job);
}

/* Runs on the database worker. */
static gpointer
route_job (SchedDb *db, gpointer data, GError **error)
{
  Job *job = data;
  SchedRequest *request = job->request;
  g_autoptr (SchedResponse) response = sched_response_new ();
  g_autoptr (GError) local_error = NULL;
  gboolean replayed = FALSE;

  if (g_str_equal (request->method, "POST")
      && !sched_idempotency_replay (db, request, response, &replayed, &local_error))
    sched_response_set_error (response, local_error);
  else if (!replayed && !job->route->func (db, request, response, &local_error))
    {
      g_assert (local_error != NULL);
      sched_response_set_error (response, local_error);
    }
  return g_steal_pointer (&response);
}

typedef struct
{
  SchedApi *api;
  SoupServerMessage *msg;
  SchedRequest *request;
  SchedUser *user;
  char *login;
  char *password;
  char *hash;
  gboolean verified;
} Call;

static void
call_free (Call *call)
{
  g_object_unref (call->api);
  g_object_unref (call->msg);
  sched_request_free (call->request);
  sched_user_free (call->user);
  g_free (call->login);
  if (call->password != NULL)
    memset (call->password, 0, strlen (call->password));
  g_free (call->password);
  g_free (call->hash);
  g_free (call);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

static void
write_response (SoupServerMessage *msg, SchedResponse *response)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  /* the client hung up while the answer was being made */
  if (hn_server_message_is_finished (msg))
    return;
  soup_server_message_set_status (msg, response->status, NULL);
  if (response->location != NULL)
    soup_message_headers_replace (headers, "Location", response->location);
  if (response->etag != NULL)
    soup_message_headers_replace (headers, "ETag", response->etag);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  if (response->body != NULL && response->status != 204)
    {
      soup_server_message_set_response (msg, response->content_type, SOUP_MEMORY_TAKE,
                                        g_steal_pointer (&response->body), response->length);
    }
  soup_server_message_unpause (msg);
}

static void
write_error (SoupServerMessage *msg, const GError *error)
{
  g_autoptr (SchedResponse) response = sched_response_new ();

  sched_response_set_error (response, error);
  write_response (msg, response);
}

static const struct
{
  const char *format;
  const char *content_type;
} rendered_types[] = {
  { "pdf", "application/pdf" },
  { "svg", "image/svg+xml" },
  { "png", "image/png" },
};

static void
render_in_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  SchedResponse *response = data;
  GError *error = NULL;

  response->body = response->render (response->render_data, response->render_format,
                                     &response->length, &error);
  if (response->body == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_rendered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Call) call = user_data;
  SchedResponse *response = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      write_error (call->msg, error);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (rendered_types); i++)
    if (g_str_equal (rendered_types[i].format, response->render_format))
      response->content_type = g_strdup (rendered_types[i].content_type);
  write_response (call->msg, response);
}

static void
on_routed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Call) call = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (SchedResponse) response = sched_db_run_finish (SCHED_DB (source), result, &error);

  if (response == NULL)
    write_error (call->msg, error);
  else if (response->render != NULL)
    {
      /* drawing a report takes the worker no time: it runs on GLib's pool */
      g_autoptr (GTask) task = g_task_new (NULL, NULL, on_rendered, g_steal_pointer (&call));

      g_task_set_task_data (task, g_steal_pointer (&response),
                            (GDestroyNotify) sched_response_free);
      g_task_run_in_thread (task, render_in_thread);
    }
  else
    write_response (call->msg, response);
}

/* ---- login: look up, verify off the worker, create the session ---------- */

static gpointer
login_session_job (SchedDb *db, gpointer data, GError **error)
{
  Call *call = data;
  g_autoptr (SchedResponse) response = sched_response_new ();
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *token = NULL;
  gint64 expires_at;

  token = sched_auth_create_session (db, call->user->id, call->request->now, &expires_at, error);
  if (token == NULL)
    return NULL;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "token");
  json_builder_add_string_value (builder, token);
  sched_json_add_time (builder, "expires_at", expires_at);
  json_builder_set_member_name (builder, "user");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "login");
  json_builder_add_string_value (builder, call->user->login);
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, call->user->role);
  json_builder_set_member_name (builder, "unit");
  json_builder_add_string_value (builder, call->user->unit_code);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  sched_response_set_json (response, 200, root);
  return g_steal_pointer (&response);
}

static void
on_session (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Call *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (SchedResponse) response = sched_db_run_finish (SCHED_DB (source), result, &error);

  if (response == NULL)
    write_error (call->msg, error);
  else
    write_response (call->msg, response);
}

static gboolean
on_verified (gpointer data)
{
  Call *call = data;
  g_autoptr (GError) error = NULL;

  if (!call->verified || call->user == NULL)
    {
      g_set_error_literal (&error, HN_ERROR, HN_ERROR_UNAUTHORIZED,
                           _ ("The login or the password is wrong."));
      write_error (call->msg, error);
      call_free (call);
      return G_SOURCE_REMOVE;
    }
  sched_db_run_async (call->api->db, login_session_job, call, (GDestroyNotify) call_free,
                      (GDestroyNotify) sched_response_free, on_session, call);
  return G_SOURCE_REMOVE;
}

/* On a verifier thread; the answer goes back to the main context. */
static void
verify (gpointer data, gpointer user_data)
{
  Call *call = data;

  call->verified = sched_auth_verify_password (call->hash, call->password);
  g_main_context_invoke (NULL, on_verified, call);
}

static gpointer
login_lookup_job (SchedDb *db, gpointer data, GError **error)
{
  Call *call = data;

  call->user = sched_auth_lookup_login (db, call->login, &call->hash, error);
  if (call->user == NULL && error != NULL && *error != NULL)
    return NULL;
  return GINT_TO_POINTER (TRUE);
}

static void
on_looked_up (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Call *call = user_data;
  g_autoptr (GError) error = NULL;

  if (sched_db_run_finish (SCHED_DB (source), result, &error) == NULL)
    {
      write_error (call->msg, error);
      call_free (call);
      return;
    }
  if (g_thread_pool_unprocessed (call->api->verifier) >= MAX_WAITING_LOGINS)
    {
      g_set_error_literal (&error, HN_ERROR, HN_ERROR_TOO_MANY_REQUESTS,
                           _ ("Too many logins at once; try again in a moment."));
      write_error (call->msg, error);
      call_free (call);
      return;
    }
  /* an unknown login is verified against a dummy hash all the same */
  g_thread_pool_push (call->api->verifier, call, NULL);
}

static void
start_login (SchedApi *self, Call *call)
{
  static const char *const fields[] = { "login", "password", NULL };
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *object;

  object = sched_request_read_object (call->request, fields, &body, &error);
  if (object == NULL || !sched_json_get_string (object, "login", TRUE, 64, &call->login, &error)
      || !sched_json_get_string (object, "password", TRUE, 256, &call->password, &error))
    {
      write_error (call->msg, error);
      call_free (call);
      return;
    }
  sched_db_run_async (self->db, login_lookup_job, call, NULL, NULL, on_looked_up, call);
}

/* ---- the HTTP side ---------------------------------------------------------- */

static GHashTable *
copy_query (GHashTable *query)
{
  GHashTable *copy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer key, value;

  if (query == NULL)
    return copy;
  g_hash_table_iter_init (&iter, query);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy, g_strdup (key), g_strdup (value));
  return copy;
}

static void
handle_api (HnServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
            gpointer user_data)
{
  SchedApi *self = SCHED_API (user_data);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  Call *call = g_new0 (Call, 1);
  SchedRequest *request = g_new0 (SchedRequest, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (SchedResponse) replay = NULL;
  const Route *route;
  Job *job;

  request->method = g_strdup (soup_server_message_get_method (msg));
  request->path = g_strdup (path);
  request->query = copy_query (query);
  request->body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  request->content_type = g_strdup (soup_message_headers_get_one (headers, "Content-Type"));
  request->authorization = g_strdup (soup_message_headers_get_one (headers, "Authorization"));
  request->idempotency_key = g_strdup (soup_message_headers_get_one (headers, "Idempotency-Key"));
  request->if_match = g_strdup (soup_message_headers_get_one (headers, "If-Match"));
  request->now = g_get_real_time () / G_USEC_PER_SEC;
  if (request->body != NULL && g_bytes_get_size (request->body) > 0
      && !g_str_equal (request->method, "GET"))
    sched_request_parse_body (request);

  call->api = g_object_ref (self);
  call->msg = g_object_ref (msg);
  call->request = request;
  hn_server_pause (msg);

  if (g_str_equal (path, API_PREFIX "/login") && g_str_equal (request->method, "POST"))
    {
      start_login (self, call);
      return;
    }
  route = admit (self, request, &replay, &error);
  if (route == NULL || replay != NULL)
    {
      if (replay != NULL)
        write_response (msg, replay);
      else
        write_error (msg, error);
      call_free (call);
      return;
    }
  job = g_new0 (Job, 1);
  job->route = route;
  job->request = g_steal_pointer (&call->request);
  sched_db_run_async (self->db, route_job, job, (GDestroyNotify) job_free,
                      (GDestroyNotify) sched_response_free, on_routed, call);
}

static void
sched_api_finalize (GObject *object)
{
  SchedApi *self = SCHED_API (object);

  g_thread_pool_free (self->verifier, FALSE, TRUE);
  g_clear_object (&self->reader);
  g_clear_object (&self->db);

  G_OBJECT_CLASS (sched_api_parent_class)->finalize (object);
}

static void
sched_api_class_init (SchedApiClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sched_api_finalize;
}

static void
sched_api_init (SchedApi *self)
{
  self->verifier = g_thread_pool_new (verify, NULL, VERIFIERS, FALSE, NULL);
}

/**
 * sched_api_new:
 * @db: the scheduler's database
 * @server: the daemon's HTTP server; /api/v1 is added to it
 * @error: the read-only connection could not be opened
 *
 * Returns: (transfer full) (nullable): the API, serving as long as
 *   @server does.
 */
SchedApi *
sched_api_new (SchedDb *db, HnServer *server, GError **error)
{
  g_autoptr (SchedApi) self = g_object_new (SCHED_TYPE_API, NULL);

  self->db = g_object_ref (db);
  self->reader = sched_db_open_reader (db, error);
  if (self->reader == NULL)
    return NULL;
  hn_server_add_handler (server, API_PREFIX, handle_api, g_object_ref (self), g_object_unref);
  return g_steal_pointer (&self);
}
