/* ep-gst.h: making GStreamer elements with an error a technician can act on. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

GstElement *ep_gst_make (const char *factory, const char *name, GError **error);
gboolean ep_gst_check_elements (const char *const *factories, GError **error);

G_END_DECLS
