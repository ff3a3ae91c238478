/* mcu-room-media.c: McuRoomMedia, the media of one room.
 *
 * One GstPipeline per room, made when the first site joins and dropped
 * when the last one leaves, so that an empty room costs nothing. It holds
 * the room's composite picture (McuRoomVideo), the room's mix-minus mixer, running live on the
 * pipeline's clock in 20 ms frames whether or not anyone sends (a late joiner hears the room at
 * once, a silent site holds nobody up), and one McuPeer per site. The mixer's talking messages come
 * back through the bus as ::talking.
 */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#include "mcu-room-media.h"

/* The threads that push the mixer's packets to the sites (see
 * mcu-senders.c): one a room.  Protecting a packet (libsrtp2 on NSS, as
 * Debian builds it) makes a context under NSS's one slot lock, so a
 * second thread of the same room waits on the first: bench-mcu, 150
 * sites, 0.76 core with one, 0.85 with two.  Rooms run side by side. */
#define SENDER_THREADS 1

/* What the mixer waits for beyond its inputs' own latency (the jitter
 * buffer's), for a packet that comes a little late. */
#define MIXER_SLACK (10 * GST_MSECOND)
/* opusdec reports this much more latency when it decodes in-band FEC */
#define FEC_LATENCY_MS 120

struct _McuRoomMedia
{
  GObject parent_instance;

  const McuMediaOptions *options; /* the registry's, which outlives the room */
  GstPipeline *pipeline;
  GstElement *mixer;
  McuRoomVideo *video;
  guint bus_watch;
  guint next_index;
};

enum
{
  SIGNAL_TALKING,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (McuRoomMedia, mcu_room_media, G_TYPE_OBJECT)

static guint
pad_index (GstObject *pad)
{
  const char *name = GST_OBJECT_NAME (pad);
  guint64 index;

  if (!g_str_has_prefix (name, "sink_")
      || !g_ascii_string_to_unsigned (name + 5, 10, 0, G_MAXUINT - 1, &index, NULL))
    return G_MAXUINT;
  return index;
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  McuRoomMedia *self = MCU_ROOM_MEDIA (user_data);
  const GstStructure *s = gst_message_get_structure (message);

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ELEMENT:
      if (gst_structure_has_name (s, "mcu-talking"))
        {
          gboolean talking = FALSE;
          guint index = pad_index (GST_MESSAGE_SRC (message));

          gst_structure_get_boolean (s, "talking", &talking);
          if (index != G_MAXUINT)
            g_signal_emit (self, signals[SIGNAL_TALKING], 0, index, talking);
        }
      break;
    case GST_MESSAGE_ERROR:
      {
        g_autoptr (GError) error = NULL;
        g_autofree char *debug = NULL;

        /* One site's element failing (a broken DTLS handshake, say) is that
         * site's problem: the room goes on, and the site's session ends when
         * its ICE or socket does. */
        gst_message_parse_error (message, &error, &debug);
        g_message ("media error in %s: %s (%s)", GST_MESSAGE_SRC_NAME (message), error->message,
                   debug != NULL ? debug : "");
      }
      break;
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

/* Each jitter buffer drops what comes later than its latency: without it,
 * a site that went quiet (DTX) and lost a packet can stall. */
static void
on_deep_element_added (GstBin *bin, GstBin *sub_bin, GstElement *element, gpointer user_data)
{
  GstElementFactory *factory = gst_element_get_factory (element);

  if (factory != NULL
      && g_str_equal (gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (factory)),
                      "rtpjitterbuffer"))
    g_object_set (element, "drop-on-latency", TRUE, NULL);
}

/* What the mixers of closed rooms had dropped, for /metrics' counter. */
static gint closed_rooms_send_dropped;

static void
mcu_room_media_finalize (GObject *object)
{
  McuRoomMedia *self = MCU_ROOM_MEDIA (object);

  g_clear_handle_id (&self->bus_watch, g_source_remove);
  gst_element_set_state (GST_ELEMENT (self->pipeline), GST_STATE_NULL);
  if (self->mixer != NULL)
    g_atomic_int_add (&closed_rooms_send_dropped, (gint) mcu_room_media_get_send_dropped (self));
  g_clear_object (&self->video);
  gst_clear_object (&self->mixer);
  gst_clear_object (&self->pipeline);

  G_OBJECT_CLASS (mcu_room_media_parent_class)->finalize (object);
}

static void
mcu_room_media_class_init (McuRoomMediaClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mcu_room_media_finalize;

  /**
   * McuRoomMedia::talking:
   * @index: the site's number in the mixer
   * @talking: whether it started (or stopped) talking
   */
  signals[SIGNAL_TALKING]
      = g_signal_new ("talking", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                      G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_BOOLEAN);
}

static void
mcu_room_media_init (McuRoomMedia *self)
{
}

/**
 * mcu_room_media_new:
 * @room_id: the room's id (names the pipeline in logs)
 * @options: the mcu's media settings, kept by reference (they outlive rooms)
 * @error: the mixer could not start
 *
 * Returns: (transfer full) (nullable): the room's running media
 */
McuRoomMedia *
mcu_room_media_new (const char *room_id, const McuMediaOptions *options, GError **error)
{
  g_autoptr (McuRoomMedia) self = g_object_new (MCU_TYPE_ROOM_MEDIA, NULL);
  g_autofree char *name = g_strdup_printf ("room-%s", room_id);
  g_autoptr (GstBus) bus = NULL;
  GstElement *sink;
  /* what each input's upstream will say once linked: said now, so that
   * the first site's arrival does not move the room's clock (a gap for
   * everyone) */
  guint64 upstream_latency
      = (options->jitter_ms + (options->decode_fec ? FEC_LATENCY_MS : 0)) * GST_MSECOND;

  self->options = options;
  self->pipeline = GST_PIPELINE (gst_object_ref_sink (gst_pipeline_new (name)));
  /* force-live: the room's clock ticks from the start, before any site
   * sends, so nobody waits for anybody */
  self->mixer = gst_element_factory_make_full (
      "mcumixminus", "force-live", TRUE, "ignore-inactive-pads", TRUE, "latency",
      (guint64) MIXER_SLACK, "min-upstream-latency", upstream_latency, "share-encoders",
      options->share_encoders, "sender-threads", SENDER_THREADS, NULL);
  if (self->mixer == NULL)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INTERNAL,
                           _ ("The room's mixer could not be made."));
      return NULL;
    }
  gst_object_ref_sink (self->mixer);
  sink = gst_element_factory_make_full ("fakesink", "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add_many (GST_BIN (self->pipeline), self->mixer, sink, NULL);
  gst_element_link (self->mixer, sink);
  self->video = mcu_room_video_new (GST_BIN (self->pipeline), options->share_video_encoders, error);
  if (self->video == NULL)
    return NULL;
  g_signal_connect (self->pipeline, "deep-element-added", G_CALLBACK (on_deep_element_added), NULL);
  bus = gst_pipeline_get_bus (self->pipeline);
  self->bus_watch = gst_bus_add_watch (bus, on_bus_message, self);
  if (gst_element_set_state (GST_ELEMENT (self->pipeline), GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INTERNAL,
                           _ ("The room's mixer could not start."));
      return NULL;
    }
  return g_steal_pointer (&self);
}

/**
 * mcu_room_media_add_peer:
 * @self: the room's media
 * @monitor: a preview, which only receives (else a site)
 * @error: the session could not be made
 *
 * Returns: (transfer full) (nullable): the new site's session, making its offer
 */
McuPeer *
mcu_room_media_add_peer (McuRoomMedia *self, gboolean monitor, GError **error)
{
  g_return_val_if_fail (MCU_IS_ROOM_MEDIA (self), NULL);

  return mcu_peer_new (GST_BIN (self->pipeline), self->mixer, self->video, self->next_index++,
                       monitor, self->options, error);
}

/**
 * mcu_room_media_remove_peer:
 * @self: the room's media
 * @peer: a site's session made by mcu_room_media_add_peer()
 */
void
mcu_room_media_remove_peer (McuRoomMedia *self, McuPeer *peer)
{
  g_return_if_fail (MCU_IS_ROOM_MEDIA (self));

  mcu_peer_remove (peer);
}

/**
 * mcu_room_media_get_encoders:
 * @self: the room's media
 *
 * Returns: how many Opus encoders the room's mixer runs
 */
guint
mcu_room_media_get_encoders (McuRoomMedia *self)
{
  gint encoders = 0;

  g_return_val_if_fail (MCU_IS_ROOM_MEDIA (self), 0);

  g_object_get (self->mixer, "encoders", &encoders, NULL);
  return encoders;
}

/**
 * mcu_room_media_get_send_dropped:
 * @self: the room's media
 *
 * Returns: how many audio packets the room's sites lost because the
 *   mixer's sender thread fell behind them
 */
guint
mcu_room_media_get_send_dropped (McuRoomMedia *self)
{
  guint dropped = 0;

  g_return_val_if_fail (MCU_IS_ROOM_MEDIA (self), 0);

  g_object_get (self->mixer, "send-dropped", &dropped, NULL);
  return dropped;
}

/**
 * mcu_room_media_get_closed_send_dropped:
 *
 * Returns: mcu_room_media_get_send_dropped() of every room media gone
 */
guint
mcu_room_media_get_closed_send_dropped (void)
{
  return (guint) g_atomic_int_get (&closed_rooms_send_dropped);
}

/**
 * mcu_room_media_get_video:
 * @self: the room's media
 *
 * Returns: (transfer none): the room's composite picture
 */
McuRoomVideo *
mcu_room_media_get_video (McuRoomMedia *self)
{
  g_return_val_if_fail (MCU_IS_ROOM_MEDIA (self), NULL);

  return self->video;
}

/**
 * mcu_room_media_start_recording:
 * @self: the room's media
 * @path: the file to write
 * @error: it could not start
 *
 * Returns: (transfer full) (nullable): the recording of the composite and
 *   the full mix
 */
McuRecorder *
mcu_room_media_start_recording (McuRoomMedia *self, const char *path, GError **error)
{
  McuRecorder *recorder;
  GstElement *video_tee;

  g_return_val_if_fail (MCU_IS_ROOM_MEDIA (self), NULL);

  video_tee = mcu_room_video_get_recording_tee (self->video);
  if (video_tee == NULL)
    {
      g_set_error_literal (
          error, HN_ERROR, HN_ERROR_INTERNAL,
          _ ("The recording could not be set up: a GStreamer element is missing."));
      return NULL;
    }

  /* a listener number no site will have: its pad carries the full mix */
  recorder = mcu_recorder_start (GST_BIN (self->pipeline), video_tee, self->mixer,
                                 self->next_index++, path, error);
  if (recorder != NULL)
    mcu_room_video_request_keyframe (self->video);
  return recorder;
}
