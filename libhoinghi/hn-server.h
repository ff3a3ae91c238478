/* hn-server.h: the HTTP server every hoinghi daemon runs.
 *
 * A SoupServer with what every daemon needs and nothing per-program:
 * /healthz, a request-body limit (413 before the body is kept), JSON 404
 * for unknown paths, and one access-log record per request.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define HN_TYPE_SERVER (hn_server_get_type ())
G_DECLARE_FINAL_TYPE (HnServer, hn_server, HN, SERVER, GObject)

/**
 * HnRequestFunc:
 * @server: the #HnServer
 * @msg: the request; the handler must set a status (or pause @msg)
 * @path: the request's path
 * @query: (nullable): the decoded query parameters
 * @user_data: what was given to hn_server_add_handler()
 */
typedef void (*HnRequestFunc) (HnServer *server, SoupServerMessage *msg, const char *path,
                               GHashTable *query, gpointer user_data);

HnServer *hn_server_new (const char *service, gsize max_body_bytes);

void hn_server_add_handler (HnServer *self, const char *path, HnRequestFunc func,
                            gpointer user_data, GDestroyNotify destroy);
void hn_server_pause (SoupServerMessage *msg);
gboolean hn_server_message_is_finished (SoupServerMessage *msg);
gboolean hn_server_listen (HnServer *self, const char *host, guint16 port, GError **error);
void hn_server_disconnect (HnServer *self);

SoupServer *hn_server_get_soup_server (HnServer *self);
guint16 hn_server_get_port (HnServer *self);
char *hn_server_get_url (HnServer *self);
gsize hn_server_get_max_body_bytes (HnServer *self);

G_END_DECLS
