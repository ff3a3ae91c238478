/* hn-test-socket.h: a WebSocket client speaking JSON, for tests of the
 * mcu's signalling and event stream. */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _HnTestSocket HnTestSocket;

HnTestSocket *hn_test_socket_connect (const char *url, const char *bearer, GError **error);
void hn_test_socket_send (HnTestSocket *socket, const char *text);
void hn_test_socket_send_bytes (HnTestSocket *socket, SoupWebsocketDataType type, const void *data,
                                gsize length);
JsonObject *hn_test_socket_expect (HnTestSocket *socket, const char *type, guint timeout_ms);
gboolean hn_test_socket_wait_closed (HnTestSocket *socket, guint timeout_ms);
gushort hn_test_socket_get_close_code (HnTestSocket *socket);
const char *hn_test_socket_get_close_reason (HnTestSocket *socket);
guint hn_test_socket_count (HnTestSocket *socket, const char *type);
void hn_test_socket_free (HnTestSocket *socket);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HnTestSocket, hn_test_socket_free)

G_END_DECLS
