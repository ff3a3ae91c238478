/* mcu-signalling.h: the sites' WebSocket signalling at /ws. */
#pragma once

#include "libhoinghi/hn-server.h"

#include "mcu-rooms.h"

G_BEGIN_DECLS

/* Limits on what one signalling socket may send. */
typedef struct
{
  gsize max_message_bytes;
  guint max_messages_per_second;
  guint join_timeout_s;
} McuSignallingLimits;

#define MCU_TYPE_SIGNALLING (mcu_signalling_get_type ())
G_DECLARE_FINAL_TYPE (McuSignalling, mcu_signalling, MCU, SIGNALLING, GObject)

McuSignalling *mcu_signalling_new (HnServer *server, McuRooms *rooms,
                                   const McuSignallingLimits *limits);
void mcu_signalling_set_monitor_key (McuSignalling *self, const char *key);
void mcu_signalling_stop (McuSignalling *self);

G_END_DECLS
