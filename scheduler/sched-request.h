/* sched-request.h: a request as the database worker sees it, and its answer.
 *
 * The HTTP handler copies what the API needs out of the SoupServerMessage
 * (which must stay on the main thread) into a SchedRequest; the worker
 * fills a SchedResponse; the main thread writes it back.  Nothing else
 * crosses between the threads.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  gint64 id;
  char *login;
  char *role;
  char *unit_code;
} SchedUser;

typedef struct
{
  char *method;
  char *path;
  GHashTable *query;
  GBytes *body;
  char *content_type;
  char *authorization;
  char *idempotency_key;
  char *if_match;
  gint64 now;
  /* the body parsed as JSON on the main thread (sched_request_parse_body),
   * or why it is not JSON */
  gboolean body_parsed;
  JsonNode *body_json;
  GError *body_error;

  /* filled by the router */
  SchedUser *user;
  GStrv args;
  /* what the route's preparation checked on the main thread, for its
   * handler on the worker */
  gpointer prepared;
  GDestroyNotify prepared_free;
} SchedRequest;

/* Turns gathered data into the body, off the database worker. */
typedef char *(*SchedRenderFunc) (JsonNode *data, const char *format, gsize *length,
                                  GError **error);

typedef struct
{
  guint status;
  char *content_type;
  char *body;
  gsize length;
  char *location;
  char *etag;
  /* set when the body must still be drawn (reports) */
  SchedRenderFunc render;
  JsonNode *render_data;
  char *render_format;
} SchedResponse;

void sched_user_free (SchedUser *user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SchedUser, sched_user_free)

void sched_request_free (SchedRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SchedRequest, sched_request_free)
void sched_request_parse_body (SchedRequest *request);
void sched_request_set_prepared (SchedRequest *request, gpointer prepared,
                                 GDestroyNotify prepared_free);
const char *sched_request_query (SchedRequest *request, const char *name);
gboolean sched_request_check_query (SchedRequest *request, const char *const *allowed,
                                    GError **error);
JsonObject *sched_request_read_object (SchedRequest *request, const char *const *allowed,
                                       JsonNode **root, GError **error);
gboolean sched_request_check_if_match (SchedRequest *request, gint64 version, GError **error);

SchedResponse *sched_response_new (void);
void sched_response_free (SchedResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SchedResponse, sched_response_free)
void sched_response_set_json (SchedResponse *response, guint status, JsonNode *node);
void sched_response_take_json_text (SchedResponse *response, guint status, char *text);
void sched_response_set_error (SchedResponse *response, const GError *error);
void sched_response_set_etag (SchedResponse *response, gint64 version);

G_END_DECLS
