/* mcu-senders.c: the mixer's packets to its listeners, from a few threads.
 *
 * Every 20 ms the mixer has a packet for each site. A queue element per
 * site (a thread each) kept a slow site from holding up the room, but at
 * 150 sites those threads are woken 7,500 times a second, a quarter of
 * the mcu's CPU (bench-mcu). Here a few threads (the mcu uses one a room)
 * share the sites: each site is pinned to one thread, so its packets stay
 * in order; the mixer queues one frame's packets and wakes each thread
 * once. A site keeps at most `backlog` packets waiting and loses
 * its oldest beyond that, as the leaky queue did. A site's send path does
 * not block (one non-blocking UDP send: mcu-opus-send.c; through
 * webrtcbin, its clock wait off: mcu-webrtc-send.c); if one did, only the
 * sites of its thread would wait, each losing its own oldest packets.
 * It does block while the site's elements stop (a sink between PAUSED and
 * READY holds its caller): a listener's release therefore waits for a
 * push already on its way, and only then are its elements stopped.
 */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include "mcu-senders.h"

typedef struct
{
  GstPad *pad;
  GstBuffer *buffer;
} Item;

typedef struct
{
  McuSenders *senders;
  GThread *thread;
  GMutex lock;
  GCond wake;
  gboolean stopping;
  gboolean ready; /* packets came since the thread last looked */
  GList *queues;  /* McuSenderQueue, with the lock */
  guint n_queues;
  GArray *work; /* Item: the thread's own */
  /* with the lock: the batches of packets taken and those pushed, and who
   * waits for one (counted per batch: a mark per packet, shared with the
   * mixer's thread, cost more than all of this) */
  guint64 taken;
  guint64 pushed;
  guint waiters;
  GCond batch_pushed;
} Lane;

struct _McuSenderQueue
{
  Lane *lane;
  GstPad *pad;
  GQueue pending; /* GstBuffer, with the lane's lock */
};

struct _McuSenders
{
  Lane *lanes;
  guint n_lanes;
  guint backlog;
  McuSendFunc send;
  gpointer user_data;
  gint *dropped;
};

static void
take_pending (Lane *lane)
{
  for (GList *l = lane->queues; l != NULL; l = l->next)
    {
      McuSenderQueue *queue = l->data;
      GstBuffer *buffer;

      while ((buffer = g_queue_pop_head (&queue->pending)) != NULL)
        {
          Item item = { gst_object_ref (queue->pad), buffer };

          g_array_append_val (lane->work, item);
        }
    }
}

static gpointer
run_lane (gpointer data)
{
  Lane *lane = data;

  for (;;)
    {
      g_mutex_lock (&lane->lock);
      lane->pushed = lane->taken;
      if (lane->waiters > 0)
        g_cond_broadcast (&lane->batch_pushed);
      while (!lane->stopping && !lane->ready)
        g_cond_wait (&lane->wake, &lane->lock);
      if (lane->stopping)
        {
          g_mutex_unlock (&lane->lock);
          return NULL;
        }
      lane->ready = FALSE;
      take_pending (lane);
      lane->taken++;
      g_mutex_unlock (&lane->lock);

      /* outside the lock: a site released meanwhile answers FLUSHING */
      for (guint i = 0; i < lane->work->len; i++)
        {
          Item *item = &g_array_index (lane->work, Item, i);

          lane->senders->send (item->pad, item->buffer, lane->senders->user_data);
          gst_object_unref (item->pad);
        }
      g_array_set_size (lane->work, 0);
    }
}

/**
 * mcu_senders_new:
 * @n_threads: how many threads (at least one)
 * @backlog: how many packets a site may have waiting
 * @send: what pushes a packet
 * @user_data: for @send
 * @dropped: (nullable): where to count (atomically) the packets dropped
 *   for a full backlog
 *
 * Returns: (transfer full): the running threads; mcu_senders_free() stops them
 */
McuSenders *
mcu_senders_new (guint n_threads, guint backlog, McuSendFunc send, gpointer user_data,
                 gint *dropped)
{
  McuSenders *senders = g_new0 (McuSenders, 1);

  g_return_val_if_fail (n_threads > 0 && backlog > 0 && send != NULL, NULL);

  senders->n_lanes = n_threads;
  senders->backlog = backlog;
  senders->send = send;
  senders->user_data = user_data;
  senders->dropped = dropped;
  senders->lanes = g_new0 (Lane, n_threads);
  for (guint i = 0; i < n_threads; i++)
    {
      Lane *lane = &senders->lanes[i];
      g_autofree char *name = g_strdup_printf ("mcu-send-%u", i);

      lane->senders = senders;
      g_mutex_init (&lane->lock);
      g_cond_init (&lane->wake);
      g_cond_init (&lane->batch_pushed);
      lane->work = g_array_new (FALSE, FALSE, sizeof (Item));
      lane->thread = g_thread_new (name, run_lane, lane);
    }
  return senders;
}

static void
queue_free (McuSenderQueue *queue)
{
  g_queue_clear_full (&queue->pending, (GDestroyNotify) gst_buffer_unref);
  gst_object_unref (queue->pad);
  g_free (queue);
}

/**
 * mcu_senders_free:
 * @senders: (transfer full): the threads
 *
 * Stops the threads (a packet being pushed is pushed first) and drops
 * what is waiting, with every queue not removed yet.
 */
void
mcu_senders_free (McuSenders *senders)
{
  for (guint i = 0; i < senders->n_lanes; i++)
    {
      Lane *lane = &senders->lanes[i];

      g_mutex_lock (&lane->lock);
      lane->stopping = TRUE;
      g_cond_signal (&lane->wake);
      g_mutex_unlock (&lane->lock);
      g_thread_join (lane->thread);
      g_list_free_full (lane->queues, (GDestroyNotify) queue_free);
      g_array_unref (lane->work);
      g_cond_clear (&lane->wake);
      g_cond_clear (&lane->batch_pushed);
      g_mutex_clear (&lane->lock);
    }
  g_free (senders->lanes);
  g_free (senders);
}

/**
 * mcu_senders_add:
 * @senders: the threads
 * @pad: a listener's pad
 *
 * Pins @pad to the thread with the fewest sites.
 *
 * Returns: (transfer none): its queue, valid until mcu_senders_remove()
 *   or mcu_senders_free()
 */
McuSenderQueue *
mcu_senders_add (McuSenders *senders, GstPad *pad)
{
  McuSenderQueue *queue = g_new0 (McuSenderQueue, 1);
  Lane *lane = &senders->lanes[0];

  for (guint i = 1; i < senders->n_lanes; i++)
    if (senders->lanes[i].n_queues < lane->n_queues)
      lane = &senders->lanes[i];
  queue->lane = lane;
  queue->pad = gst_object_ref (pad);
  g_queue_init (&queue->pending);
  g_mutex_lock (&lane->lock);
  lane->queues = g_list_prepend (lane->queues, queue);
  lane->n_queues++;
  g_mutex_unlock (&lane->lock);
  return queue;
}

/**
 * mcu_senders_remove:
 * @senders: the threads
 * @queue: (transfer full): a listener's queue
 *
 * What it still held is dropped; a packet its thread took already may
 * still reach the pad (deactivate the pad: it then answers FLUSHING; and
 * mcu_senders_wait_pushed() waits out one already past it).
 */
void
mcu_senders_remove (McuSenders *senders, McuSenderQueue *queue)
{
  Lane *lane = queue->lane;

  (void) senders;
  g_mutex_lock (&lane->lock);
  lane->queues = g_list_remove (lane->queues, queue);
  lane->n_queues--;
  g_mutex_unlock (&lane->lock);
  queue_free (queue);
}

/**
 * mcu_senders_wait_pushed:
 * @senders: the threads
 *
 * Waits until every packet the threads have taken so far is pushed (a
 * frame's worth at most). After a listener's queue is removed and its pad
 * deactivated, this is the moment none of its packets is on its way
 * through the site's chain any more, and the site's elements may stop (a
 * sink between PAUSED and READY would hold a thread inside it, and every
 * site of that thread with it); packets pushed later meet the
 * deactivated pad and return at once. Call it holding no lock the push
 * path takes.
 */
void
mcu_senders_wait_pushed (McuSenders *senders)
{
  for (guint i = 0; i < senders->n_lanes; i++)
    {
      Lane *lane = &senders->lanes[i];
      guint64 taken;

      g_mutex_lock (&lane->lock);
      taken = lane->taken;
      lane->waiters++;
      while (lane->pushed < taken)
        g_cond_wait (&lane->batch_pushed, &lane->lock);
      lane->waiters--;
      g_mutex_unlock (&lane->lock);
    }
}

/**
 * mcu_senders_queue:
 * @senders: the threads
 * @queue: a listener's queue
 * @buffer: (transfer full): its next packet
 *
 * Sent after the next mcu_senders_kick(); beyond the backlog the oldest
 * waiting packet is dropped.
 */
void
mcu_senders_queue (McuSenders *senders, McuSenderQueue *queue, GstBuffer *buffer)
{
  GstBuffer *oldest = NULL;

  g_mutex_lock (&queue->lane->lock);
  g_queue_push_tail (&queue->pending, buffer);
  if (queue->pending.length > senders->backlog)
    oldest = g_queue_pop_head (&queue->pending);
  g_mutex_unlock (&queue->lane->lock);
  if (oldest != NULL)
    {
      gst_buffer_unref (oldest);
      if (senders->dropped != NULL)
        g_atomic_int_inc (senders->dropped);
    }
}

/**
 * mcu_senders_kick:
 * @senders: the threads
 *
 * Wakes every thread to send what was queued: once a frame, after its
 * packets are all queued.
 */
void
mcu_senders_kick (McuSenders *senders)
{
  for (guint i = 0; i < senders->n_lanes; i++)
    {
      Lane *lane = &senders->lanes[i];

      g_mutex_lock (&lane->lock);
      if (lane->n_queues > 0)
        {
          lane->ready = TRUE;
          g_cond_signal (&lane->wake);
        }
      g_mutex_unlock (&lane->lock);
    }
}

/**
 * mcu_senders_drop_pending:
 * @senders: the threads
 *
 * Drops every packet not taken by its thread yet (a flush).
 */
void
mcu_senders_drop_pending (McuSenders *senders)
{
  for (guint i = 0; i < senders->n_lanes; i++)
    {
      Lane *lane = &senders->lanes[i];

      g_mutex_lock (&lane->lock);
      for (GList *l = lane->queues; l != NULL; l = l->next)
        g_queue_clear_full (&((McuSenderQueue *) l->data)->pending,
                            (GDestroyNotify) gst_buffer_unref);
      g_mutex_unlock (&lane->lock);
    }
}
