/* mcu-api.h: the mcu's control API, event stream and metrics. */
#pragma once

#include "libhoinghi/hn-server.h"

#include "mcu-rooms.h"

G_BEGIN_DECLS

#define MCU_TYPE_API (mcu_api_get_type ())
G_DECLARE_FINAL_TYPE (McuApi, mcu_api, MCU, API, GObject)

McuApi *mcu_api_new (HnServer *server, McuRooms *rooms, const char *api_key);
void mcu_api_close_events (McuApi *self);

G_END_DECLS
