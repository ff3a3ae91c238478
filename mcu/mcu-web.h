/* mcu-web.h: the browser page a site joins with (/join/{room}). */
#pragma once

#include "libhoinghi/hn-server.h"

G_BEGIN_DECLS

void mcu_web_register (HnServer *server);

G_END_DECLS
