/* mcu-room-video.c: McuRoomVideo, the composite picture of one room.
 *
 * Inside the room's pipeline, beside the audio mixer:
 *
 *   site N: (McuPeer: depayload, decode) ─ videoconvert ─ videoscale
 *           ─ I420 at its tile's size ─▶ compositor.sink_N
  *   compositor (live, 1280×720 I420 at a fixed rate) ─ names and marks ─ tee
 *     ─ queue ─ vp8enc ─ rtpvp8pay ─ tee ─▶ site N: queue ─ (McuPeer) webrtcbin
 *     ─ queue ─ x264enc ─ rtph264pay ─ tee ─▶ … (made when a site first wants H.264)

 *
 * Each picture is scaled once, to its tile (keeping its aspect, with black
 * borders), so the compositor only copies.  The output caps never change,
 * so joins and leaves never renegotiate what the sites receive.  The
  * composite is encoded once per codec and its packets are fanned out; a
 * keyframe asked for by any site (PLI/FIR, or a new site) is made at most
 * every KEYFRAME_INTERVAL for everyone on that codec.
 *
 * A site moved to another tier keeps one RTP stream: every tier of a codec
 * sends with the room's SSRC and timestamp base for it, and the site's own
 * branch renumbers the new tier's packets to follow the last one it sent
 * (receivers would otherwise wait seconds for the "new" stream).
 */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#include "mcu-room-video.h"
#include "mcu-tile-overlay.h"

#define WIDTH 1280
#define HEIGHT 720
#define FPS 15
#define VP8_PT 96
#define H264_PT 102

/* what the compositor waits beyond its inputs' latency for a late frame */
#define COMPOSITOR_SLACK (20 * GST_MSECOND)
/* each input's upstream latency (jitter buffer and decoder), said up front
 * so that a site arriving does not move the room's picture clock */
#define INPUT_LATENCY (60 * GST_MSECOND)
#define KEYFRAME_INTERVAL_US (500 * G_TIME_SPAN_MILLISECOND)
/* a site whose picture stopped this long ago shows its placeholder */
#define STALE_US (2 * G_USEC_PER_SEC)
#define WATCH_INTERVAL_MS 500

typedef enum
{
  CODEC_VP8,
  CODEC_H264,
  N_CODECS
} Codec;

static const struct
{
  const char *name;
  guint width, height, bitrate;
} tiers[MCU_VIDEO_N_TIERS] = {
  [MCU_VIDEO_TIER_720P] = { "720p", WIDTH, HEIGHT, 1500000 },
  [MCU_VIDEO_TIER_360P] = { "360p", 640, 360, 400000 },
};

/* The mcu's, all rooms since the start (for /metrics): the sites' keyframe
 * requests and the keyframes made for them (fewer: the rate limit) */
static guint keyframe_requests_total; /* atomic */
static guint keyframes_made_total;    /* atomic */

/* The composite in one tier and codec, encoded once, fanned out by its tee. */
typedef struct
{
  /* queue, videoscale, capsfilter, encoder, capsfilter, tee (for a recording), payloader,
   * capssetter */
  GstElement *elements[8];
  GstElement *tee;
  GstPad *raw_pad;           /* its branch of the raw composite */
  gint keyframe_pending;     /* atomic */
  gint64 last_keyframe_us;   /* under the room's lock */
  GstClockTime keyframe_pts; /* the last keyframe's; the encoder's thread only */
} Encoding;

/* Where a site's stream is in RTP sequence numbers. */
typedef struct
{
  gint next_seq; /* atomic: the number its next packet gets; -1 before the first */
} SiteSequence;

typedef struct
{
  GstElement *elements[3]; /* videoconvert, videoscale, capsfilter: the input */
  GstPad *mix_pad;
  GstElement *queue; /* the output */
  Codec codec;
  McuVideoTier tier;
  Encoding *encoding; /* shared, or its own when encoders are not shared */
  GstPad *tee_pad;
  SiteSequence *sequence; /* shared with its branch's probe */
  gboolean disabled;      /* by the technician: its placeholder shows */
  gint64 epoch_us;
  gint last_frame_ms; /* atomic, since epoch_us; 0 before the first frame */
} Site;

struct _McuRoomVideo
{
  GObject parent_instance;

  GstBin *room;
  GstElement *compositor;
  GstElement *raw_tee;
  McuTileOverlay *overlay;
  guint watch_source;

  GMutex lock;       /* sites, tiles, encodings: webrtcbin's threads add inputs */
  GHashTable *sites; /* index → Site */
  Encoding *encodings[N_CODECS][MCU_VIDEO_N_TIERS]; /* made when a site first wants one */
  GPtrArray *all_encodings; /* these and, without sharing, each site's own */
  gboolean share_encoders;  /* FALSE: one encoder per site (the benchmark's baseline) */
  guint encodings_made;     /* names them */
  GArray *tiles;            /* McuVideoTile, names owned */
  GArray *shown;            /* the has_video last given to the overlay, per tile */
  /* each codec's RTP stream, whatever the tier: SSRC, timestamp and first
   * sequence number */
  guint32 rtp_ssrc[N_CODECS];
  guint32 rtp_timestamp_offset[N_CODECS];
  guint16 rtp_seqnum_offset[N_CODECS];
};

G_DEFINE_FINAL_TYPE (McuRoomVideo, mcu_room_video, G_TYPE_OBJECT)

static void
site_free (gpointer data)
{
  Site *site = data;

  for (guint i = 0; i < G_N_ELEMENTS (site->elements); i++)
    gst_clear_object (&site->elements[i]);
  gst_clear_object (&site->mix_pad);
  gst_clear_object (&site->queue);
  gst_clear_object (&site->tee_pad);
  g_clear_pointer (&site->sequence, g_rc_box_release);
  g_free (site);
}

static void
clear_tiles (GArray *tiles)
{
  for (guint i = 0; i < tiles->len; i++)
    g_free ((char *) g_array_index (tiles, McuVideoTile, i).name);
  g_array_set_size (tiles, 0);
}

static Site *
site_for (McuRoomVideo *self, guint index)
{
  Site *site = g_hash_table_lookup (self->sites, GUINT_TO_POINTER (index));

  if (site == NULL)
    {
      site = g_new0 (Site, 1);
      site->epoch_us = g_get_monotonic_time () - G_TIME_SPAN_MILLISECOND;
      g_hash_table_insert (self->sites, GUINT_TO_POINTER (index), site);
    }
  return site;
}

static const McuVideoTile *
tile_for (McuRoomVideo *self, guint index)
{
  for (guint i = 0; i < self->tiles->len; i++)
    if (g_array_index (self->tiles, McuVideoTile, i).index == index)
      return &g_array_index (self->tiles, McuVideoTile, i);
  return NULL;
}

/* Puts a site's picture in its tile, or hides it; the lock is held. */
static void
place (McuRoomVideo *self, guint index, Site *site)
{
  const McuVideoTile *tile = tile_for (self, index);
  g_autoptr (GstCaps) caps = NULL;

  if (site->mix_pad == NULL)
    return;
  if (tile == NULL || site->disabled)
    {
      g_object_set (site->mix_pad, "alpha", 0.0, NULL);
      return;
    }
  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT,
                              tile->rect.width, "height", G_TYPE_INT, tile->rect.height,
                              "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
  g_object_set (site->elements[2], "caps", caps, NULL);
  g_object_set (site->mix_pad, "xpos", (gint) tile->rect.x, "ypos", (gint) tile->rect.y, "width",
                (gint) tile->rect.width, "height", (gint) tile->rect.height, "alpha", 1.0, NULL);
}

static gboolean
has_video (McuRoomVideo *self, guint index, gint64 now)
{
  Site *site = g_hash_table_lookup (self->sites, GUINT_TO_POINTER (index));
  gint last_ms;

  if (site == NULL || site->mix_pad == NULL || site->disabled)
    return FALSE;
  last_ms = g_atomic_int_get (&site->last_frame_ms);
  return last_ms != 0 && now - (site->epoch_us + last_ms * G_TIME_SPAN_MILLISECOND) < STALE_US;
}

static void
label_clear (gpointer data)
{
  g_free ((char *) ((McuTileLabel *) data)->name);
}

/* What the overlay should show now, or NULL when @only_if_changed and no
 * site's picture came or went.  The lock is held; the overlay is given the
 * labels after it is let go (rendering names takes a while, and the
 * compositor's thread waits for the lock). */
static GArray *
labels_now (McuRoomVideo *self, gboolean only_if_changed)
{
  g_autoptr (GArray) labels = g_array_new (FALSE, FALSE, sizeof (McuTileLabel));
  gint64 now = g_get_monotonic_time ();
  gboolean changed = self->shown->len != self->tiles->len;

  g_array_set_clear_func (labels, label_clear);
  g_array_set_size (self->shown, self->tiles->len);
  for (guint i = 0; i < self->tiles->len; i++)
    {
      const McuVideoTile *tile = &g_array_index (self->tiles, McuVideoTile, i);
      McuTileLabel label = { tile->rect, g_strdup (tile->name), tile->talking,
                             has_video (self, tile->index, now) };

      if (g_array_index (self->shown, gboolean, i) != label.has_video)
        changed = TRUE;
      g_array_index (self->shown, gboolean, i) = label.has_video;
      g_array_append_val (labels, label);
    }
  return changed || !only_if_changed ? g_steal_pointer (&labels) : NULL;
}

static void
show_labels (McuRoomVideo *self, GArray *labels)
{
  if (labels != NULL)
    mcu_tile_overlay_set_tiles (self->overlay, (const McuTileLabel *) labels->data, labels->len);
}

static gboolean
watch_pictures (gpointer user_data)
{
  McuRoomVideo *self = MCU_ROOM_VIDEO (user_data);

  g_autoptr (GArray) labels = NULL;

  g_mutex_lock (&self->lock);
  labels = labels_now (self, TRUE);
  g_mutex_unlock (&self->lock);
  show_labels (self, labels);
  return G_SOURCE_CONTINUE;
}

/* The compositor's thread, once a frame: names and marks go on, and a
 * keyframe held back by the rate limit is asked for when it is due. */
static GstPadProbeReturn
on_composite (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  McuRoomVideo *self = MCU_ROOM_VIDEO (user_data);
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstVideoInfo video_info;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  gint64 now = g_get_monotonic_time ();

  if (caps != NULL && gst_video_info_from_caps (&video_info, caps))
    {
      buffer = gst_buffer_make_writable (buffer);
      GST_PAD_PROBE_INFO_DATA (info) = buffer;
      mcu_tile_overlay_blend (self->overlay, buffer, &video_info);
    }
  /* Never waited for: the lock is held while an encoder is made (at a
   * join or a tier move, tens of ms on a busy machine), and every site's
   * picture would wait with this frame.  A pending keyframe waits for the
   * next one instead. */
  if (!g_mutex_trylock (&self->lock))
    return GST_PAD_PROBE_OK;
  for (guint i = 0; i < self->all_encodings->len; i++)
    {
      Encoding *encoding = self->all_encodings->pdata[i];
      g_autoptr (GstPad) encoder_src = NULL;

      if (!g_atomic_int_get (&encoding->keyframe_pending)
          || now - encoding->last_keyframe_us < KEYFRAME_INTERVAL_US)
        continue;
      g_atomic_int_set (&encoding->keyframe_pending, FALSE);
      g_atomic_int_inc (&keyframes_made_total);
      encoding->last_keyframe_us = now;
      encoder_src = gst_element_get_static_pad (encoding->elements[3], "src");
      gst_pad_send_event (
          encoder_src, gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
    }
  g_mutex_unlock (&self->lock);
  return GST_PAD_PROBE_OK;
}

/* A site's keyframe request (PLI/FIR), on its way up from the fan-out: it
 * becomes a pending request, made by on_composite when the limit allows. */
static GstPadProbeReturn
on_keyframe_request (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Encoding *encoding = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

  if (!gst_video_event_is_force_key_unit (event))
    return GST_PAD_PROBE_OK;
  g_atomic_int_inc (&keyframe_requests_total);
  g_atomic_int_set (&encoding->keyframe_pending, TRUE);
  return GST_PAD_PROBE_DROP;
}

static void
encoding_free (gpointer data)
{
  Encoding *encoding = data;

  for (guint i = 0; i < G_N_ELEMENTS (encoding->elements); i++)
    gst_clear_object (&encoding->elements[i]);
  gst_clear_object (&encoding->tee);
  gst_clear_object (&encoding->raw_pad);
  g_free (encoding);
}

static void
mcu_room_video_finalize (GObject *object)
{
  McuRoomVideo *self = MCU_ROOM_VIDEO (object);

  g_clear_handle_id (&self->watch_source, g_source_remove);
  g_clear_pointer (&self->sites, g_hash_table_unref);
  g_clear_pointer (&self->all_encodings, g_ptr_array_unref);
  if (self->tiles != NULL)
    clear_tiles (self->tiles);
  g_clear_pointer (&self->tiles, g_array_unref);
  g_clear_pointer (&self->shown, g_array_unref);
  g_clear_object (&self->overlay);
  gst_clear_object (&self->compositor);
  gst_clear_object (&self->raw_tee);

  gst_clear_object (&self->room);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (mcu_room_video_parent_class)->finalize (object);
}

static void
mcu_room_video_class_init (McuRoomVideoClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mcu_room_video_finalize;
}

static void
mcu_room_video_init (McuRoomVideo *self)
{
  g_mutex_init (&self->lock);
  self->sites = g_hash_table_new_full (NULL, NULL, NULL, site_free);
  self->tiles = g_array_new (FALSE, FALSE, sizeof (McuVideoTile));
  self->shown = g_array_new (FALSE, TRUE, sizeof (gboolean));
  self->all_encodings = g_ptr_array_new_with_free_func (encoding_free);
  for (guint i = 0; i < N_CODECS; i++)
    {
      self->rtp_ssrc[i] = g_random_int ();
      self->rtp_timestamp_offset[i] = g_random_int ();
      self->rtp_seqnum_offset[i] = g_random_int_range (0, G_MAXUINT16 + 1);
    }
}

static GstElement *
make (McuRoomVideo *self, const char *factory, GError **error)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (element == NULL)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, _ ("The GStreamer element “%s” is missing."),
                   factory);
      return NULL;
    }
  gst_bin_add (self->room, element);
  return element;
}

/**
 * mcu_room_video_new:
 * @room: the room's pipeline, not yet playing
 * @share_encoders: one encoder per tier and codec (else one per site: the
 *   benchmark's baseline)
 * @error: an element is missing
 *
 * Adds the room's compositor and encoder to @room.
 *
 * Returns: (transfer full) (nullable): the room's video
 */
McuRoomVideo *
mcu_room_video_new (GstBin *room, gboolean share_encoders, GError **error)
{
  g_autoptr (McuRoomVideo) self = g_object_new (MCU_TYPE_ROOM_VIDEO, NULL);
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstPad) filter_src = NULL;
  GstElement *filter;

  self->room = gst_object_ref (room);
  self->share_encoders = share_encoders;
  self->compositor = gst_element_factory_make_full (
      "compositor", "force-live", TRUE, "ignore-inactive-pads", TRUE, "latency",
      (guint64) COMPOSITOR_SLACK, "min-upstream-latency", (guint64) INPUT_LATENCY, NULL);
  if (self->compositor == NULL)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, _ ("The GStreamer element “%s” is missing."),
                   "compositor");
      return NULL;
    }
  gst_util_set_object_arg (G_OBJECT (self->compositor), "background", "black");
  gst_bin_add (room, gst_object_ref (self->compositor));
  if ((filter = make (self, "capsfilter", error)) == NULL
      || (self->raw_tee = make (self, "tee", error)) == NULL)
    return NULL;
  gst_object_ref (self->raw_tee);
  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT,
                              WIDTH, "height", G_TYPE_INT, HEIGHT, "framerate", GST_TYPE_FRACTION,
                              FPS, 1, "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
  g_object_set (filter, "caps", caps, NULL);
  g_object_set (self->raw_tee, "allow-not-linked", TRUE, NULL);
  if (!gst_element_link_many (self->compositor, filter, self->raw_tee, NULL))
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INTERNAL,
                           _ ("The room's video could not be put together."));
      return NULL;
    }
  self->overlay = mcu_tile_overlay_new (WIDTH, HEIGHT);
  filter_src = gst_element_get_static_pad (filter, "src");
  gst_pad_add_probe (filter_src, GST_PAD_PROBE_TYPE_BUFFER, on_composite, self, NULL);
  self->watch_source = g_timeout_add (WATCH_INTERVAL_MS, watch_pictures, self);
  return g_steal_pointer (&self);
}

static void
play (GstElement *const *elements, guint count)
{
  for (guint i = count; i > 0; i--)
    gst_element_set_state (elements[i - 1], GST_STATE_PLAYING);
}

/* The encoder's thread: the time of its last keyframe, for the branches
 * that wait for one (the payloader and the fan-out run on this thread). */
static GstPadProbeReturn
note_keyframe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Encoding *encoding = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    encoding->keyframe_pts = GST_BUFFER_PTS (buffer);
  return GST_PAD_PROBE_OK;
}

/* The composite's branch for @codec in @tier, encoded for real time; the
 * lock is held. */
static Encoding *
make_encoding (McuRoomVideo *self, Codec codec, McuVideoTier tier)
{
  static const char *const factories[N_CODECS][8] = {
    [CODEC_VP8] = { "queue", "videoscale", "capsfilter", "vp8enc", "capsfilter", "tee", "rtpvp8pay",
                    "capssetter" },
    [CODEC_H264] = { "queue", "videoscale", "capsfilter", "x264enc", "capsfilter", "tee",
                     "rtph264pay", "capssetter" },
  };
  g_autoptr (GstPad) queue_sink = NULL, pay_src = NULL, encoder_src = NULL;
  g_autoptr (GstCaps) size = NULL, caps = NULL, rtp_caps = NULL;
  guint bitrate = tiers[tier].bitrate;
  /* its thread is then "enc-720p-N:src" in perf, top -H and the benchmark */
  g_autofree char *queue_name
      = g_strdup_printf ("enc-%s-%u", tiers[tier].name, self->encodings_made++);
  Encoding *encoding;
  GstElement **e;

  /* a missing encoder (gstreamer1.0-plugins-ugly for x264) means no
   * picture in that codec, not a broken room */
  for (guint i = 0; i < G_N_ELEMENTS (factories[codec]); i++)
    {
      g_autoptr (GstElementFactory) factory = gst_element_factory_find (factories[codec][i]);

      if (factory == NULL)
        {
          g_message ("no %s: the composite is not sent in that codec", factories[codec][i]);
          return NULL;
        }
    }
  encoding = g_new0 (Encoding, 1);
  encoding->keyframe_pts = GST_CLOCK_TIME_NONE;
  e = encoding->elements;

  for (guint i = 0; i < G_N_ELEMENTS (encoding->elements); i++)
    {
      e[i] = gst_object_ref (
          gst_element_factory_make (factories[codec][i], i == 0 ? queue_name : NULL));
      gst_bin_add (self->room, e[i]);
    }
  encoding->tee = gst_object_ref (gst_element_factory_make ("tee", NULL));
  gst_bin_add (self->room, encoding->tee);
  /* a frame or two between composing and encoding, never more */
  g_object_set (e[0], "max-size-buffers", 2, "max-size-bytes", 0, "max-size-time", (guint64) 0,
                "leaky", 2, NULL);
  /* the tier's size (at 720p the scaler passes frames through untouched) */
  gst_util_set_object_arg (G_OBJECT (e[1]), "method", "bilinear");
  size = gst_caps_new_simple ("video/x-raw", "width", G_TYPE_INT, tiers[tier].width, "height",
                              G_TYPE_INT, tiers[tier].height, NULL);
  g_object_set (e[2], "caps", size, NULL);
  if (codec == CODEC_VP8)
    {
      /* real time (the default deadline is not), no look-ahead, fixed speed */
      g_object_set (e[3], "deadline", (gint64) 1, "cpu-used", -6, "threads", 1, "lag-in-frames", 0,
                    "target-bitrate", bitrate, "keyframe-max-dist", FPS * 10, NULL);
      gst_util_set_object_arg (G_OBJECT (e[3]), "end-usage", "cbr");
      gst_util_set_object_arg (G_OBJECT (e[3]), "error-resilient", "default");
      caps = gst_caps_from_string ("video/x-vp8");
      rtp_caps = gst_caps_from_string ("application/x-rtp");
      g_object_set (e[6], "pt", VP8_PT, NULL);
      gst_util_set_object_arg (G_OBJECT (e[6]), "picture-id-mode", "15-bit");
    }
  else
    {
      /* what legacy room systems decode: constrained baseline, no B-frames */
      g_object_set (e[3], "threads", 1, "bitrate", bitrate / 1000, "key-int-max", FPS * 10, NULL);
      gst_util_set_object_arg (G_OBJECT (e[3]), "tune", "zerolatency");
      gst_util_set_object_arg (G_OBJECT (e[3]), "speed-preset", "ultrafast");
      caps = gst_caps_from_string ("video/x-h264, profile=constrained-baseline");
      /* x264 marks constrained baseline 42c0…, the offer says 42e01f: the
       * same profile (RFC 6184), but webrtcbin compares the strings */
      rtp_caps = gst_caps_from_string ("application/x-rtp, profile-level-id=(string)42e01f");
      g_object_set (e[6], "pt", H264_PT, "config-interval", -1, NULL);
      gst_util_set_object_arg (G_OBJECT (e[6]), "aggregate-mode", "zero-latency");
    }
  /* the same stream in every tier (the same caps too) */
  g_object_set (e[6], "ssrc", self->rtp_ssrc[codec], "timestamp-offset",
                self->rtp_timestamp_offset[codec], "seqnum-offset",
                (gint) self->rtp_seqnum_offset[codec], NULL);
  g_object_set (e[4], "caps", caps, NULL);
  g_object_set (encoding->tee, "allow-not-linked", TRUE, NULL);
  g_object_set (e[5], "allow-not-linked", TRUE, NULL);
  g_object_set (e[7], "caps", rtp_caps, NULL);
  gst_element_link_many (e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7], encoding->tee, NULL);
  encoder_src = gst_element_get_static_pad (e[3], "src");
  gst_pad_add_probe (encoder_src, GST_PAD_PROBE_TYPE_BUFFER, note_keyframe, encoding, NULL);
  pay_src = gst_element_get_static_pad (e[6], "src");
  gst_pad_add_probe (pay_src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_keyframe_request, encoding,
                     NULL);
  gst_element_set_state (encoding->tee, GST_STATE_PLAYING);
  play (e, G_N_ELEMENTS (encoding->elements));
  encoding->raw_pad = gst_element_request_pad_simple (self->raw_tee, "src_%u");
  queue_sink = gst_element_get_static_pad (e[0], "sink");
  gst_pad_link (encoding->raw_pad, queue_sink);
  g_ptr_array_add (self->all_encodings, encoding);
  return encoding;
}

static GstPadProbeReturn
on_site_frame (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Site *site = user_data;

  g_atomic_int_set (&site->last_frame_ms,
                    (g_get_monotonic_time () - site->epoch_us) / G_TIME_SPAN_MILLISECOND);
  return GST_PAD_PROBE_OK;
}

/**
 * mcu_room_video_add_input:
 * @self: the room's video
 * @index: the site's number
 *
 * Makes the site's way into the composite (any thread).
 *
 * Returns: (transfer full): the pad to link the site's decoded video to
 */
GstPad *
mcu_room_video_add_input (McuRoomVideo *self, guint index)
{
  g_autofree char *name = g_strdup_printf ("sink_%u", index);
  g_autoptr (GstPad) filter_src = NULL;
  Site *site;
  GstPad *sink;

  g_return_val_if_fail (MCU_IS_ROOM_VIDEO (self), NULL);

  g_mutex_lock (&self->lock);
  site = site_for (self, index);
  g_assert (site->mix_pad == NULL);
  /* the scaler next to the tile's caps: when a relayout changes them, it
   * alone renegotiates (a converter between the two cannot make the new
   * size, answers NOT_NEGOTIATED, and the jitter buffer then stops the
   * site's whole transport: its sound too) */
  site->elements[0] = gst_object_ref (gst_element_factory_make ("videoconvert", NULL));
  site->elements[1] = gst_object_ref (gst_element_factory_make ("videoscale", NULL));
  site->elements[2] = gst_object_ref (gst_element_factory_make ("capsfilter", NULL));
  /* bilinear: a sharp enough picture at a fraction of the default's cost;
   * borders keep the site's aspect ratio in any tile */
  gst_util_set_object_arg (G_OBJECT (site->elements[1]), "method", "bilinear");
  g_object_set (site->elements[1], "add-borders", TRUE, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (site->elements); i++)
    gst_bin_add (self->room, site->elements[i]);
  gst_element_link_many (site->elements[0], site->elements[1], site->elements[2], NULL);
  site->mix_pad = gst_element_request_pad_simple (self->compositor, name);
  place (self, index, site);
  filter_src = gst_element_get_static_pad (site->elements[2], "src");
  gst_pad_link (filter_src, site->mix_pad);
  gst_pad_add_probe (filter_src, GST_PAD_PROBE_TYPE_BUFFER, on_site_frame, site, NULL);
  play (site->elements, G_N_ELEMENTS (site->elements));
  sink = gst_element_get_static_pad (site->elements[0], "sink");
  g_mutex_unlock (&self->lock);
  return sink;
}

static void
unlink_and_release (GstElement *element, GstPad *request_pad)
{
  GstPad *peer = gst_pad_get_peer (request_pad);

  if (peer != NULL)
    {
      if (GST_PAD_IS_SRC (peer))
        gst_pad_unlink (peer, request_pad);
      else
        gst_pad_unlink (request_pad, peer);
      gst_object_unref (peer);
    }
  gst_element_release_request_pad (element, request_pad);
}

static void
drop_element (GstBin *room, GstElement *element)
{
  gst_element_set_state (element, GST_STATE_NULL);
  gst_bin_remove (room, element);
}

/* What a site's session says of caps does not reach the shared encoder:
 * the encoding's caps are the mcu's, not one site's (a site's answer
 * naming another H.264 level would otherwise refuse them for all). */
static GstPadProbeReturn
answer_for_site (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);

  switch (GST_QUERY_TYPE (query))
    {
    case GST_QUERY_CAPS:
      {
        GstCaps *filter = NULL;
        g_autoptr (GstCaps) any = gst_caps_new_any ();

        gst_query_parse_caps (query, &filter);
        gst_query_set_caps_result (query, filter != NULL ? filter : any);
        return GST_PAD_PROBE_HANDLED;
      }
    case GST_QUERY_ACCEPT_CAPS:
      gst_query_set_accept_caps_result (query, TRUE);
      return GST_PAD_PROBE_HANDLED;
    default:
      return GST_PAD_PROBE_OK;
    }
}

/* One branch of an encoding's fan-out to a site: how far its packets'
 * numbers are moved to follow on from the site's last packet, and the
 * site's queue, whose trouble must stay its own. */
typedef struct
{
  SiteSequence *sequence;
  GstPad *queue_sink, *queue_src;
  const GstClockTime *keyframe_pts; /* its encoding's */
  gboolean await_keyframe;          /* a tier change: nothing before the new tier's keyframe */
  gboolean started;
  guint16 shift;
} Branch;

static void
branch_free (gpointer data)
{
  Branch *branch = data;

  g_rc_box_release (branch->sequence);
  gst_object_unref (branch->queue_sink);
  gst_object_unref (branch->queue_src);
  g_free (branch);
}

/* The tee stops the whole fan-out, and the encoder's thread with it, at
 * the first branch that answers FLUSHING or an error (a queue not yet
 * playing or being taken down, a session that failed): such a site's
 * packets are dropped instead, as the audio mixer ignores a listener's
 * flow result. */
static gboolean
branch_can_take (Branch *branch)
{
  return !GST_PAD_IS_FLUSHING (branch->queue_sink)
         && gst_pad_get_last_flow_return (branch->queue_src) > GST_FLOW_FLUSHING;
}

/* Numbers one packet of the branch (writable): on from the site's last. */
static gboolean
renumber (GstBuffer **buffer, guint idx, gpointer user_data)
{
  Branch *branch = user_data;
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint16 seq;

  if (branch->shift != 0)
    {
      *buffer = gst_buffer_make_writable (*buffer);
      if (!gst_rtp_buffer_map (*buffer, GST_MAP_READWRITE, &rtp))
        return TRUE;
      seq = gst_rtp_buffer_get_seq (&rtp) + branch->shift;
      gst_rtp_buffer_set_seq (&rtp, seq);
      gst_rtp_buffer_unmap (&rtp);
    }
  else
    {
      if (!gst_rtp_buffer_map (*buffer, GST_MAP_READ, &rtp))
        return TRUE;
      seq = gst_rtp_buffer_get_seq (&rtp);
      gst_rtp_buffer_unmap (&rtp);
    }
  g_atomic_int_set (&branch->sequence->next_seq, (guint16) (seq + 1));
  return TRUE;
}

/* The first packet of a branch that replaces another (a tier change)
 * sets the shift; the first branch of a site sends its numbers as they
 * are. */
static void
start_branch (Branch *branch, GstBuffer *first)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gint next = g_atomic_int_get (&branch->sequence->next_seq);

  branch->started = TRUE;
  if (next < 0 || !gst_rtp_buffer_map (first, GST_MAP_READ, &rtp))
    return;
  branch->shift = (guint16) (next - gst_rtp_buffer_get_seq (&rtp));
  gst_rtp_buffer_unmap (&rtp);
}

/* The first packet a branch is given: the buffer, or the first of a
 * frame's list (NULL for an empty list). */
static GstBuffer *
first_packet (GstPadProbeInfo *info)
{
  GstBufferList *list;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    return GST_PAD_PROBE_INFO_BUFFER (info);
  list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
  return gst_buffer_list_length (list) > 0 ? gst_buffer_list_get (list, 0) : NULL;
}

static GstPadProbeReturn
on_branch_packets (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Branch *branch = user_data;
  GstBuffer *first = first_packet (info);

  if (!branch_can_take (branch))
    return GST_PAD_PROBE_DROP;
  if (first == NULL)
    return GST_PAD_PROBE_OK;
  /* the new tier's frames before its keyframe would be decoded against
   * the old tier's pictures; the packets of a frame carry its time (this
   * runs on the encoder's thread, which notes it) */
  if (branch->await_keyframe)
    {
      if (!GST_BUFFER_PTS_IS_VALID (first) || GST_BUFFER_PTS (first) != *branch->keyframe_pts)
        return GST_PAD_PROBE_DROP;
      branch->await_keyframe = FALSE;
    }
  if (!branch->started)
    start_branch (branch, first);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    {
      GstBuffer *buffer = first;

      renumber (&buffer, 0, branch);
      GST_PAD_PROBE_INFO_DATA (info) = buffer;
    }
  else
    {
      GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);

      if (branch->shift != 0)
        list = gst_buffer_list_make_writable (list);
      gst_buffer_list_foreach (list, renumber, branch);
      GST_PAD_PROBE_INFO_DATA (info) = list;
    }
  return GST_PAD_PROBE_OK;
}

/* A new branch of @encoding's fan-out, for @site (its queue playing). */
static GstPad *
branch_for_site (Encoding *encoding, Site *site, gboolean after_another)
{
  GstPad *pad = gst_element_request_pad_simple (encoding->tee, "src_%u");
  Branch *branch = g_new0 (Branch, 1);

  branch->keyframe_pts = &encoding->keyframe_pts;
  branch->await_keyframe = after_another;
  branch->sequence = g_rc_box_acquire (site->sequence);
  branch->queue_sink = gst_element_get_static_pad (site->queue, "sink");
  branch->queue_src = gst_element_get_static_pad (site->queue, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM, answer_for_site, NULL, NULL);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     on_branch_packets, branch, branch_free);
  return pad;
}

static Encoding *
encoding_for (McuRoomVideo *self, Codec codec, McuVideoTier tier)
{
  if (self->encodings[codec][tier] == NULL)
    self->encodings[codec][tier] = make_encoding (self, codec, tier);
  return self->encodings[codec][tier];
}

/* The encoding a site receives: the tier's, shared; or its own. */
static Encoding *
encoding_for_site (McuRoomVideo *self, Codec codec, McuVideoTier tier)
{
  return self->share_encoders ? encoding_for (self, codec, tier)
                              : make_encoding (self, codec, tier);
}

/* A site's own encoding, no longer used: out of the room (the lock is
 * not held: stopping its elements waits for its thread). */
static void
drop_own_encoding (McuRoomVideo *self, Encoding *encoding)
{
  guint index;
  gboolean found;

  g_mutex_lock (&self->lock);
  /* taken out, not freed yet (the array frees what it removes) */
  found = g_ptr_array_find (self->all_encodings, encoding, &index);
  if (found)
    g_ptr_array_steal_index_fast (self->all_encodings, index);
  g_mutex_unlock (&self->lock);
  if (!found)
    return;
  unlink_and_release (self->raw_tee, encoding->raw_pad);
  for (guint i = 0; i < G_N_ELEMENTS (encoding->elements); i++)
    drop_element (self->room, encoding->elements[i]);
  drop_element (self->room, encoding->tee);
  encoding_free (encoding);
}

/**
 * mcu_room_video_add_output:
 * @self: the room's video
 * @index: the site's number
 * @encoding_name: the codec the site receives, as RTP names it ("VP8", "H264")
 * @tier: the size it receives
 *
 * Gives the site a branch of the encoded composite (any thread).
 *
 * Returns: (transfer full) (nullable): the pad its RTP comes out of, for
 *   webrtcbin; %NULL for a codec the mcu does not send
 */
GstPad *
mcu_room_video_add_output (McuRoomVideo *self, guint index, const char *encoding_name,
                           McuVideoTier tier)
{
  g_autoptr (GstPad) queue_sink = NULL;
  Codec codec;
  Site *site;
  GstPad *src;

  g_return_val_if_fail (MCU_IS_ROOM_VIDEO (self), NULL);
  g_return_val_if_fail (tier < MCU_VIDEO_N_TIERS, NULL);

  if (g_strcmp0 (encoding_name, "VP8") == 0)
    codec = CODEC_VP8;
  else if (g_strcmp0 (encoding_name, "H264") == 0)
    codec = CODEC_H264;
  else
    return NULL;
  g_mutex_lock (&self->lock);
  site = site_for (self, index);
  g_assert (site->queue == NULL);
  site->encoding = encoding_for_site (self, codec, tier);
  if (site->encoding == NULL)
    {
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  site->codec = codec;
  site->tier = tier;
  site->queue = gst_object_ref (gst_element_factory_make ("queue", NULL));
  /* a slow site loses its own packets (and asks for a keyframe), nobody
   * else's */
  g_object_set (site->queue, "leaky", 2, "max-size-buffers", 0, "max-size-bytes", 0,
                "max-size-time", (guint64) 200 * GST_MSECOND, NULL);
  gst_bin_add (self->room, site->queue);
  /* playing before it is linked: a push into a queue not yet active
   * answers FLUSHING */
  gst_element_set_state (site->queue, GST_STATE_PLAYING);
  site->sequence = g_rc_box_new (SiteSequence);
  site->sequence->next_seq = -1;
  site->tee_pad = branch_for_site (site->encoding, site, FALSE);
  queue_sink = gst_element_get_static_pad (site->queue, "sink");
  gst_pad_link (site->tee_pad, queue_sink);
  src = gst_element_get_static_pad (site->queue, "src");
  g_mutex_unlock (&self->lock);
  return src;
}

/**
 * mcu_room_video_remove_site:
 * @self: the room's video
 * @index: the site's number
 *
 * Takes the site's picture out of the composite and its branch off the
 * fan-out (main thread).  Idempotent.
 */
void
mcu_room_video_remove_site (McuRoomVideo *self, guint index)
{
  Site *site;

  g_return_if_fail (MCU_IS_ROOM_VIDEO (self));

  g_mutex_lock (&self->lock);
  if (!g_hash_table_steal_extended (self->sites, GUINT_TO_POINTER (index), NULL,
                                    (gpointer *) &site))
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  g_mutex_unlock (&self->lock);

  if (site->tee_pad != NULL)
    unlink_and_release (site->encoding->tee, site->tee_pad);
  if (site->queue != NULL)
    drop_element (self->room, site->queue);
  if (site->encoding != NULL && !self->share_encoders)
    drop_own_encoding (self, site->encoding);
  /* the input's elements stop first (deactivating waits for a frame in
   * flight), then its compositor pad goes */
  for (guint i = 0; i < G_N_ELEMENTS (site->elements); i++)
    if (site->elements[i] != NULL)
      drop_element (self->room, site->elements[i]);
  if (site->mix_pad != NULL)
    unlink_and_release (self->compositor, site->mix_pad);
  site_free (site);
}

/**
 * mcu_room_video_set_tiles:
 * @self: the room's video
 * @tiles: (array length=n_tiles): where each shown site goes, main tile first
 * @n_tiles: how many
 *
 * Sites without a tile are left out of the picture.
 */
void
mcu_room_video_set_tiles (McuRoomVideo *self, const McuVideoTile *tiles, guint n_tiles)
{
  GHashTableIter iter;
  gpointer key, value;
  g_autoptr (GArray) labels = NULL;

  g_return_if_fail (MCU_IS_ROOM_VIDEO (self));

  g_mutex_lock (&self->lock);
  clear_tiles (self->tiles);
  for (guint i = 0; i < n_tiles; i++)
    {
      McuVideoTile tile = tiles[i];

      tile.name = g_strdup (tiles[i].name != NULL ? tiles[i].name : "");
      g_array_append_val (self->tiles, tile);
    }
  g_hash_table_iter_init (&iter, self->sites);
  while (g_hash_table_iter_next (&iter, &key, &value))
    place (self, GPOINTER_TO_UINT (key), value);
  labels = labels_now (self, FALSE);
  g_mutex_unlock (&self->lock);
  show_labels (self, labels);
}

/**
 * mcu_room_video_request_keyframe:
 * @self: the room's video
 *
 * Asks for a keyframe on the composite, at once unless one was made in the
 * last half second (then when that is over).  Any thread.
 */
void
mcu_room_video_request_keyframe (McuRoomVideo *self)
{
  g_return_if_fail (MCU_IS_ROOM_VIDEO (self));

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->all_encodings->len; i++)
    g_atomic_int_set (&((Encoding *) self->all_encodings->pdata[i])->keyframe_pending, TRUE);
  g_mutex_unlock (&self->lock);
}

/**
 * mcu_room_video_get_size:
 * @self: the room's video
 * @width: (out): the composite's width
 * @height: (out): its height
 */
void
mcu_room_video_get_size (McuRoomVideo *self, guint *width, guint *height)
{
  *width = WIDTH;
  *height = HEIGHT;
}

/**
 * mcu_room_video_set_tier:
 * @self: the room's video
 * @index: the site's number
 * @tier: the size it receives from now on
 *
 * Moves the site's branch to the tier's tee; the tier makes a keyframe so
 * that the site's picture goes on at once (main thread).
 */
void
mcu_room_video_set_tier (McuRoomVideo *self, guint index, McuVideoTier tier)
{
  Site *site;
  Encoding *old;
  g_autoptr (GstPad) queue_sink = NULL;

  g_return_if_fail (MCU_IS_ROOM_VIDEO (self));
  g_return_if_fail (tier < MCU_VIDEO_N_TIERS);

  g_mutex_lock (&self->lock);
  site = g_hash_table_lookup (self->sites, GUINT_TO_POINTER (index));
  if (site == NULL || site->queue == NULL || site->tier == tier)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  unlink_and_release (site->encoding->tee, site->tee_pad);
  gst_object_unref (site->tee_pad);
  old = site->encoding;
  site->tier = tier;
  site->encoding = encoding_for_site (self, site->codec, tier);
  g_assert (site->encoding != NULL); /* its codec's elements exist: it has one */
  site->tee_pad = branch_for_site (site->encoding, site, TRUE);
  queue_sink = gst_element_get_static_pad (site->queue, "sink");
  gst_pad_link (site->tee_pad, queue_sink);
  /* the site sees nothing until the keyframe: made at once, not held back
   * by the rate limit (a technician's move is rare) */
  site->encoding->last_keyframe_us = 0;
  g_atomic_int_set (&site->encoding->keyframe_pending, TRUE);
  g_mutex_unlock (&self->lock);
  if (!self->share_encoders)
    drop_own_encoding (self, old);
}

/**
 * mcu_video_tier_parse:
 * @text: a tier's name ("720p", "360p")
 * @tier: (out): the tier
 *
 * Returns: whether @text names a tier
 */
gboolean
mcu_video_tier_parse (const char *text, McuVideoTier *tier)
{
  for (guint i = 0; i < MCU_VIDEO_N_TIERS; i++)
    if (g_strcmp0 (text, tiers[i].name) == 0)
      {
        *tier = i;
        return TRUE;
      }
  return FALSE;
}

/**
 * mcu_video_tier_name:
 * @tier: a tier
 *
 * Returns: its name, as the API spells it
 */
const char *
mcu_video_tier_name (McuVideoTier tier)
{
  g_return_val_if_fail (tier < MCU_VIDEO_N_TIERS, "720p");
  return tiers[tier].name;
}

/**
 * mcu_room_video_set_enabled:
 * @self: the room's video
 * @index: the site's number
 * @enabled: whether its picture shows in its tile (else its placeholder)
 */
void
mcu_room_video_set_enabled (McuRoomVideo *self, guint index, gboolean enabled)
{
  g_autoptr (GArray) labels = NULL;
  Site *site;

  g_return_if_fail (MCU_IS_ROOM_VIDEO (self));

  g_mutex_lock (&self->lock);
  site = site_for (self, index);
  site->disabled = !enabled;
  place (self, index, site);
  labels = labels_now (self, TRUE);
  g_mutex_unlock (&self->lock);
  show_labels (self, labels);
}

/**
 * mcu_room_video_get_recording_tee:
 * @self: the room's video
 *
 * Returns: (transfer none) (nullable): the tee of the encoded 720p VP8
 *   composite (made if no site receives it), for a recording
 */
GstElement *
mcu_room_video_get_recording_tee (McuRoomVideo *self)
{
  Encoding *encoding;
  GstElement *tee;

  g_return_val_if_fail (MCU_IS_ROOM_VIDEO (self), NULL);

  g_mutex_lock (&self->lock);
  encoding = encoding_for (self, CODEC_VP8, MCU_VIDEO_TIER_720P);
  tee = encoding != NULL ? encoding->elements[5] : NULL;
  g_mutex_unlock (&self->lock);
  return tee;
}

/**
 * mcu_room_video_get_keyframe_totals:
 * @requests: (out): keyframe requests (PLI, FIR) the sites of every room
 *   sent since the mcu started
 * @made: (out): keyframes made on request (joins and tier moves included)
 */
void
mcu_room_video_get_keyframe_totals (guint *requests, guint *made)
{
  *requests = g_atomic_int_get (&keyframe_requests_total);
  *made = g_atomic_int_get (&keyframes_made_total);
}

/**
 * mcu_room_video_get_encoders:
 * @self: the room's video
 *
 * Returns: how many video encoders the room runs
 */
guint
mcu_room_video_get_encoders (McuRoomVideo *self)
{
  guint count;

  g_return_val_if_fail (MCU_IS_ROOM_VIDEO (self), 0);

  g_mutex_lock (&self->lock);
  count = self->all_encodings->len;
  g_mutex_unlock (&self->lock);
  return count;
}

/**
 * mcu_room_video_has_picture:
 * @self: the room's video
 * @index: the site's number
 *
 * Returns: whether the site's picture arrives (a frame in the last 2 s)
 *   and shows in its tile when it has one
 */
gboolean
mcu_room_video_has_picture (McuRoomVideo *self, guint index)
{
  gboolean picture;

  g_return_val_if_fail (MCU_IS_ROOM_VIDEO (self), FALSE);

  g_mutex_lock (&self->lock);
  picture = has_video (self, index, g_get_monotonic_time ());
  g_mutex_unlock (&self->lock);
  return picture;
}
