/* mcu-web.c: the browser page at /join/{room}?token=… and its assets.
 *
 * The page (data/web/, compiled into the program) is plain HTML, CSS and
 * JavaScript with no external address, so a commune's browser needs
 * nothing but the mcu.  The join token travels in the page's address and
 * is checked by the signalling when the page joins, not here: the page
 * itself holds no secret.
 */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include <string.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-http.h"
#include "libhoinghi/hn-i18n.h"

#include "mcu-resources.h"
#include "mcu-web.h"

#define RESOURCE_PREFIX "/vn/gov/vinhphuc/hoinghi/mcu/web/"
#define ASSETS "/join/assets/"

static void
serve (SoupServerMessage *msg, const char *file, const char *content_type)
{
  g_autofree char *resource = g_strconcat (RESOURCE_PREFIX, file, NULL);
  g_autoptr (GBytes) bytes = g_resources_lookup_data (resource, 0, NULL);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  if (bytes == NULL)
    {
      hn_http_respond_error_literal (msg, HN_ERROR_NOT_FOUND, _ ("There is no such file."));
      return;
    }
  /* the page may only talk to the mcu it came from ('self' covers its
   * ws:/wss: address too) */
  soup_message_headers_replace (headers, "Content-Security-Policy",
                                "default-src 'self'; connect-src 'self'; "
                                "media-src 'self' blob: mediastream:; frame-ancestors 'none'");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY,
                                    g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
handle_join (HnServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
             gpointer user_data)
{
  const char *method = soup_server_message_get_method (msg);
  const char *room = path + strlen ("/join/");

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    hn_http_respond_method_not_allowed (msg, "GET, HEAD");
  else if (g_str_equal (path, ASSETS "join.js"))
    serve (msg, "join.js", "text/javascript; charset=utf-8");
  else if (g_str_equal (path, ASSETS "join.css"))
    serve (msg, "join.css", "text/css; charset=utf-8");
  else if (g_str_has_prefix (path, "/join/") && *room != '\0' && strchr (room, '/') == NULL)
    serve (msg, "join.html", "text/html; charset=utf-8");
  else
    hn_http_respond_error_literal (msg, HN_ERROR_NOT_FOUND, _ ("There is no such file."));
}

/**
 * mcu_web_register:
 * @server: the mcu's HTTP server
 *
 * Serves the join page and its assets under /join/.
 */
void
mcu_web_register (HnServer *server)
{
  mcu_register_resource ();
  hn_server_add_handler (server, "/join", handle_join, NULL, NULL);
}
