/* mcu-plugin.h: the mcu's own GStreamer elements, registered in-process. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void mcu_plugin_register (void);

G_END_DECLS
