/* hn-health.h: asking a hoinghi service whether it is up (GET /healthz). */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

JsonObject *hn_health_probe (const char *base_url, guint timeout_seconds, GError **error);
void hn_health_probe_async (const char *base_url, guint timeout_seconds, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data);
JsonObject *hn_health_probe_finish (GAsyncResult *result, GError **error);

G_END_DECLS
