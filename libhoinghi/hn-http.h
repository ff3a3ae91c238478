/* hn-http.h: JSON requests and responses over a libsoup 3 server. */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "hn-error.h"

G_BEGIN_DECLS

/* JSON nested deeper than this is refused before it reaches the parser. */
#define HN_HTTP_MAX_JSON_DEPTH 64

JsonNode *hn_http_read_json (SoupServerMessage *msg, GError **error);
JsonNode *hn_json_parse_body (const char *content_type, GBytes *body, GError **error);
gboolean hn_json_check_depth (const char *data, gsize length, guint max_depth, GError **error);

void hn_http_respond_json (SoupServerMessage *msg, guint status, JsonNode *node);
void hn_http_respond_error (SoupServerMessage *msg, const GError *error);
void hn_http_respond_error_literal (SoupServerMessage *msg, HnError code, const char *message);
void hn_http_respond_method_not_allowed (SoupServerMessage *msg, const char *allowed);

SoupSession *hn_http_session_new (guint timeout_seconds);

gboolean hn_http_get_bearer_token (SoupServerMessage *msg, char **token, GError **error);

JsonBuilder *hn_json_message_begin (const char *type);
void hn_websocket_send_message (SoupWebsocketConnection *ws, JsonBuilder *message);

G_END_DECLS
