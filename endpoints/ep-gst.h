/* ep-gst.h: making GStreamer elements with an error a technician can act
 * on, and linking them into bins. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

GstElement *ep_gst_make (const char *factory, const char *name, GError **error);
gboolean ep_gst_check_elements (const char *const *factories, GError **error);
GstElement *ep_gst_make_chain (const char *const *factories, GstElement *last,
                               GstElement **elements, GError **error);
void ep_gst_add_ghost_pad (GstElement *bin, GstElement *element, const char *name);

G_END_DECLS
