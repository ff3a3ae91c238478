/* mcu-senders.h: a few threads that push the mixer's packets to its
 * listeners, instead of one queue thread per listener. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _McuSenders McuSenders;
typedef struct _McuSenderQueue McuSenderQueue;

/**
 * McuSendFunc:
 * @pad: the listener's pad
 * @buffer: (transfer full): its next packet
 * @user_data: as given to mcu_senders_new()
 *
 * Pushes @buffer on @pad, on a sender thread.
 */
typedef void (*McuSendFunc) (GstPad *pad, GstBuffer *buffer, gpointer user_data);

McuSenders *mcu_senders_new (guint n_threads, guint backlog, McuSendFunc send, gpointer user_data,
                             gint *dropped);
void mcu_senders_free (McuSenders *senders);

McuSenderQueue *mcu_senders_add (McuSenders *senders, GstPad *pad);
void mcu_senders_remove (McuSenders *senders, McuSenderQueue *queue);
void mcu_senders_wait_pushed (McuSenders *senders);
void mcu_senders_queue (McuSenders *senders, McuSenderQueue *queue, GstBuffer *buffer);
void mcu_senders_kick (McuSenders *senders);
void mcu_senders_drop_pending (McuSenders *senders);

G_END_DECLS
