/* ep-video-analyser.c: what a site sees, measured on the decoded video.
 *
 * Every frame counts for the frame rate, the time to the first frame and
 * the freezes (a wait over EP_VIDEO_ANALYSER_FREEZE_MS between two
 * frames).  One frame every EP_VIDEO_ANALYSER_INTERVAL_MS is converted to
 * RGB, with the colorimetry its caps give (a decoder's I420 is not the
 * same matrix at 360p and at 720p), and each tile of the mcu's latest
 * layout gets its dominant colour: the mean of the pixels in the most
 * frequent bin of a 4-bit-a-channel histogram, over the tile without its
 * borders and without the bottom quarter, where the mcu writes the site's
 * name.
 *
 * Frames arrive on a streaming thread, layouts and reports on the main
 * thread: the state is under one lock.
 */
#define G_LOG_DOMAIN "hoinghi-endpoint"

#include "config.h"

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>

#include "ep-gst.h"
#include "ep-video-analyser.h"
#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

/* 4 bits a channel: codec noise stays within a bin or two, and the
 * colours of a room's sites stay apart. */
#define BIN_BITS 4
#define N_BINS (1 << (3 * BIN_BITS))
/* About this many pixels of a tile are looked at: a 720p frame of one
 * tile costs no more than a 4×4 layout. */
#define SAMPLES_PER_TILE 16384
#define LAYOUT_MAX_SIDE 16384
#define PARTICIPANT_MAX_CHARS 64
#define NAME_MAX_CHARS 100

struct _EpVideoAnalyser
{
  GObject parent_instance;

  GMutex lock;
  EpAnalyserClock clock;
  gint64 start_us;

  /* the frames */
  gboolean seen;
  gboolean finished;
  guint64 frames;
  gint64 first_us;
  gint64 last_us;
  gint64 end_us;
  guint freezes;
  gint64 longest_freeze_us;

  /* the current caps, and what converts their frames to RGB */
  GstCaps *caps;
  gboolean has_info;
  GstVideoInfo info;
  GstVideoInfo rgb_info;
  GstVideoConverter *converter;
  GstBuffer *rgb;

  /* the colours */
  guint32 *bin_counts; /* N_BINS */
  guint64 *bin_sums;   /* N_BINS × (r, g, b) */
  gboolean analysed;
  gint64 analysed_us;
  guint layout_width;
  guint layout_height;
  GPtrArray *layout;        /* EpVideoTile in the layout's pixels; NULL before the first */
  GPtrArray *tiles;         /* EpVideoTile of the last analysed frame */
  GArray *expected;         /* guint32 */
  GstSample *last_analysed; /* for a snapshot */
  GArray *colors_seen;      /* gboolean, per expected colour: in a tile of some analysed frame */
};

G_DEFINE_FINAL_TYPE (EpVideoAnalyser, ep_video_analyser, G_TYPE_OBJECT)

static void mark_seen_locked (EpVideoAnalyser *self);

/**
 * ep_video_tile_free:
 * @tile: (transfer full): a tile
 */
void
ep_video_tile_free (EpVideoTile *tile)
{
  if (tile == NULL)
    return;
  g_free (tile->participant);
  g_free (tile->name);
  g_free (tile);
}

static GPtrArray *
tile_array_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) ep_video_tile_free);
}

static void
ep_video_analyser_finalize (GObject *object)
{
  EpVideoAnalyser *self = EP_VIDEO_ANALYSER (object);

  gst_clear_caps (&self->caps);
  g_clear_pointer (&self->converter, gst_video_converter_free);
  gst_clear_buffer (&self->rgb);
  g_free (self->bin_counts);
  g_free (self->bin_sums);
  g_clear_pointer (&self->layout, g_ptr_array_unref);
  g_clear_pointer (&self->tiles, g_ptr_array_unref);
  g_clear_pointer (&self->expected, g_array_unref);
  g_clear_pointer (&self->colors_seen, g_array_unref);
  g_clear_pointer (&self->last_analysed, gst_sample_unref);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (ep_video_analyser_parent_class)->finalize (object);
}

static void
ep_video_analyser_class_init (EpVideoAnalyserClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ep_video_analyser_finalize;
}

static void
ep_video_analyser_init (EpVideoAnalyser *self)
{
  g_mutex_init (&self->lock);
  self->bin_counts = g_new0 (guint32, N_BINS);
  self->bin_sums = g_new0 (guint64, 3 * N_BINS);
  self->tiles = tile_array_new ();
  self->expected = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->colors_seen = g_array_new (FALSE, TRUE, sizeof (gboolean));
}

/**
 * ep_video_analyser_new:
 * @clock: how received frames are stamped
 *
 * Returns: (transfer full): a new analyser.
 */
EpVideoAnalyser *
ep_video_analyser_new (EpAnalyserClock clock)
{
  EpVideoAnalyser *self = g_object_new (EP_TYPE_VIDEO_ANALYSER, NULL);

  self->clock = clock;
  return self;
}

/* ---- the sink ---- */

/* On a streaming thread. */
static GstFlowReturn
on_new_sample (GstAppSink *sink, gpointer user_data)
{
  EpVideoAnalyser *self = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer;

  if (sample == NULL)
    return GST_FLOW_OK;
  if (self->clock == EP_ANALYSER_CLOCK_WALL)
    {
      ep_video_analyser_push_sample (self, g_get_monotonic_time (), sample);
      return GST_FLOW_OK;
    }
  buffer = gst_sample_get_buffer (sample);
  if (buffer != NULL && GST_BUFFER_PTS_IS_VALID (buffer))
    ep_video_analyser_push_sample (self, GST_TIME_AS_USECONDS (GST_BUFFER_PTS (buffer)), sample);
  return GST_FLOW_OK;
}

/**
 * ep_video_analyser_create_sink:
 * @self: the analyser
 * @error: which GStreamer element is missing
 *
 * A bin with one "sink" pad that takes raw video of any format and feeds
 * this analyser.  One bin per pipeline; a new pipeline (a reconnection)
 * takes a new bin and the measurements go on.
 *
 * Returns: (transfer floating) (nullable): the bin.
 */
GstElement *
ep_video_analyser_create_sink (EpVideoAnalyser *self, GError **error)
{
  static const char *const factories[] = { "queue", "appsink", NULL };
  GstAppSinkCallbacks callbacks = { .new_sample = on_new_sample };
  GstElement *e[G_N_ELEMENTS (factories) - 1];
  g_autoptr (GstCaps) caps = gst_caps_new_empty_simple ("video/x-raw");
  GstElement *bin;

  g_return_val_if_fail (EP_IS_VIDEO_ANALYSER (self), NULL);

  bin = ep_gst_make_chain (factories, NULL, e, error);
  if (bin == NULL)
    return NULL;
  /* A frame counts when it is decoded, not when a window would show it:
   * a sink that keeps time turns a change of the pipeline's latency (e.g.
   * when the audio's chain joins, a moment after the video's) into a
   * wait, 0.5–0.75 s measured, that is no freeze of the mcu's video. */
  g_object_set (e[1], "caps", caps, "sync", FALSE, "async", FALSE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (e[1]), &callbacks, g_object_ref (self), g_object_unref);
  ep_gst_add_ghost_pad (bin, e[0], "sink");
  return bin;
}

/* ---- settings ---- */

/**
 * ep_video_analyser_mark_start:
 * @self: the analyser
 * @time_us: when the site sent its join, on the analyser's clock
 *
 * The origin of the time to the first frame; later marks replace it
 * until the first frame arrives.  Without a mark the origin is 0.
 */
void
ep_video_analyser_mark_start (EpVideoAnalyser *self, gint64 time_us)
{
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_if_fail (EP_IS_VIDEO_ANALYSER (self));

  locker = g_mutex_locker_new (&self->lock);
  if (!self->seen)
    self->start_us = time_us;
}

static gboolean
get_int (JsonObject *object, const char *member, gint64 min, gint64 max, gint64 *value,
         GError **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, "“%s” is missing or not an integer", member);
      return FALSE;
    }
  *value = json_node_get_int (node);
  if (*value < min || *value > max)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   "“%s” is %" G_GINT64_FORMAT ", not from %" G_GINT64_FORMAT
                   " to %" G_GINT64_FORMAT,
                   member, *value, min, max);
      return FALSE;
    }
  return TRUE;
}

static const char *
get_string (JsonObject *object, const char *member, glong max_chars, GError **error)
{
  JsonNode *node = json_object_get_member (object, member);
  const char *value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, "“%s” is missing or not a string", member);
      return NULL;
    }
  value = json_node_get_string (node);
  if (g_utf8_strlen (value, -1) > max_chars)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, "“%s” is longer than %ld characters", member,
                   max_chars);
      return NULL;
    }
  return value;
}

static EpVideoTile *
parse_tile (JsonNode *node, gint64 layout_width, gint64 layout_height, GError **error)
{
  g_autoptr (EpVideoTile) tile = g_new0 (EpVideoTile, 1);
  JsonObject *object;
  const char *participant, *name;
  gint64 x, y, width, height;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID, "a tile is not an object");
      return NULL;
    }
  object = json_node_get_object (node);
  /* Inside the composite, with at least one pixel. */
  if (!get_int (object, "x", 0, layout_width - 1, &x, error)
      || !get_int (object, "y", 0, layout_height - 1, &y, error)
      || !get_int (object, "width", 1, layout_width - x, &width, error)
      || !get_int (object, "height", 1, layout_height - y, &height, error)
      || (participant = get_string (object, "participant", PARTICIPANT_MAX_CHARS, error)) == NULL
      || (name = get_string (object, "name", NAME_MAX_CHARS, error)) == NULL)
    return NULL;
  tile->x = x;
  tile->y = y;
  tile->width = width;
  tile->height = height;
  tile->participant = g_strdup (participant);
  tile->name = g_strdup (name);
  return g_steal_pointer (&tile);
}

/**
 * ep_video_analyser_set_layout:
 * @self: the analyser
 * @message: the mcu's `layout` message: {"width", "height", "tiles":
 *   [{"x", "y", "width", "height", "participant", "name"}, …]}, the
 *   tiles in pixels of the composite at width × height
 * @error: what is wrong with @message
 *
 * Makes @message the layout the next frames are measured with.  A message
 * that is not a layout (a member missing or of the wrong type, a tile
 * outside the composite, more than %EP_VIDEO_ANALYSER_MAX_TILES tiles)
 * changes nothing.
 *
 * Returns: %TRUE if @message was taken.
 */
gboolean
ep_video_analyser_set_layout (EpVideoAnalyser *self, JsonNode *message, GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autoptr (GPtrArray) layout = NULL;
  JsonObject *object;
  JsonNode *tiles;
  JsonArray *array;
  gint64 width, height;

  g_return_val_if_fail (EP_IS_VIDEO_ANALYSER (self), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  if (!JSON_NODE_HOLDS_OBJECT (message))
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID, "a layout is not an object");
      return FALSE;
    }
  object = json_node_get_object (message);
  if (!get_int (object, "width", 1, LAYOUT_MAX_SIDE, &width, error)
      || !get_int (object, "height", 1, LAYOUT_MAX_SIDE, &height, error))
    return FALSE;
  tiles = json_object_get_member (object, "tiles");
  if (tiles == NULL || !JSON_NODE_HOLDS_ARRAY (tiles))
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID, "“tiles” is missing or not an array");
      return FALSE;
    }
  array = json_node_get_array (tiles);
  if (json_array_get_length (array) > EP_VIDEO_ANALYSER_MAX_TILES)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, "more than %d tiles",
                   EP_VIDEO_ANALYSER_MAX_TILES);
      return FALSE;
    }
  layout = tile_array_new ();
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      EpVideoTile *tile = parse_tile (json_array_get_element (array, i), width, height, error);

      if (tile == NULL)
        {
          g_prefix_error (error, "tile %u: ", i);
          return FALSE;
        }
      g_ptr_array_add (layout, tile);
    }

  locker = g_mutex_locker_new (&self->lock);
  g_clear_pointer (&self->layout, g_ptr_array_unref);
  self->layout = g_steal_pointer (&layout);
  self->layout_width = width;
  self->layout_height = height;
  return TRUE;
}

/**
 * ep_video_analyser_set_expected_colors:
 * @self: the analyser
 * @colors: (array length=n_colors) (nullable): colours, 0xRRGGBB, that
 *   some tile must show
 * @n_colors: how many
 */
void
ep_video_analyser_set_expected_colors (EpVideoAnalyser *self, const guint32 *colors, guint n_colors)
{
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_if_fail (EP_IS_VIDEO_ANALYSER (self));
  g_return_if_fail (colors != NULL || n_colors == 0);

  locker = g_mutex_locker_new (&self->lock);
  g_array_set_size (self->expected, 0);
  if (n_colors > 0)
    g_array_append_vals (self->expected, colors, n_colors);
  g_array_set_size (self->colors_seen, 0);
  g_array_set_size (self->colors_seen, n_colors);
}

/* ---- measuring ---- */

static void
note_interval (EpVideoAnalyser *self, gint64 from_us, gint64 until_us)
{
  gint64 interval = until_us - from_us;

  if (interval <= EP_VIDEO_ANALYSER_FREEZE_MS * G_TIME_SPAN_MILLISECOND)
    return;
  g_debug ("video: no frame for %" G_GINT64_FORMAT " ms from %" G_GINT64_FORMAT " ms on",
           interval / G_TIME_SPAN_MILLISECOND,
           (from_us - self->start_us) / G_TIME_SPAN_MILLISECOND);
  self->freezes++;
  self->longest_freeze_us = MAX (self->longest_freeze_us, interval);
}

static void
take_caps_locked (EpVideoAnalyser *self, GstCaps *caps)
{
  if (caps == NULL || caps == self->caps
      || (self->caps != NULL && gst_caps_is_equal (caps, self->caps)))
    return;
  gst_caps_replace (&self->caps, caps);
  self->has_info = gst_video_info_from_caps (&self->info, caps);
  g_clear_pointer (&self->converter, gst_video_converter_free);
  gst_clear_buffer (&self->rgb);
}

static guint
scale (guint value, guint to, guint from)
{
  return (guint) ((guint64) value * to / from);
}

static guint32
dominant_color_locked (EpVideoAnalyser *self, const GstVideoFrame *rgb, const EpVideoTile *tile)
{
  const guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (rgb, 0);
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (rgb, 0);
  guint left = tile->x + tile->width / 10;
  guint right = tile->x + tile->width - tile->width / 10;
  guint top = tile->y + tile->height / 10;
  guint bottom = tile->y + tile->height - tile->height / 4;
  guint step = MAX (1, (guint) sqrt ((double) (right - left) * (bottom - top) / SAMPLES_PER_TILE));
  guint best = 0;
  guint64 n;

  memset (self->bin_counts, 0, N_BINS * sizeof (guint32));
  memset (self->bin_sums, 0, 3 * N_BINS * sizeof (guint64));
  for (guint y = top; y < bottom; y += step)
    for (guint x = left; x < right; x += step)
      {
        const guint8 *p = data + (gsize) y * stride + 3 * x;
        guint bin = (p[0] >> (8 - BIN_BITS)) << (2 * BIN_BITS)
                    | (p[1] >> (8 - BIN_BITS)) << BIN_BITS | p[2] >> (8 - BIN_BITS);

        self->bin_counts[bin]++;
        for (guint c = 0; c < 3; c++)
          self->bin_sums[3 * bin + c] += p[c];
      }
  for (guint bin = 1; bin < N_BINS; bin++)
    if (self->bin_counts[bin] > self->bin_counts[best])
      best = bin;
  n = self->bin_counts[best];
  g_assert (n > 0);
  return (guint32) ((self->bin_sums[3 * best] + n / 2) / n) << 16
         | (guint32) ((self->bin_sums[3 * best + 1] + n / 2) / n) << 8
         | (guint32) ((self->bin_sums[3 * best + 2] + n / 2) / n);
}

/* The layout's tiles on a frame of @rgb's size (or the whole frame). */
static GPtrArray *
measure_tiles_locked (EpVideoAnalyser *self, const GstVideoFrame *rgb)
{
  guint width = GST_VIDEO_FRAME_WIDTH (rgb), height = GST_VIDEO_FRAME_HEIGHT (rgb);
  GPtrArray *tiles = tile_array_new ();

  if (self->layout == NULL)
    {
      EpVideoTile *tile = g_new0 (EpVideoTile, 1);

      tile->width = width;
      tile->height = height;
      tile->color = dominant_color_locked (self, rgb, tile);
      g_ptr_array_add (tiles, tile);
      return tiles;
    }
  for (guint i = 0; i < self->layout->len; i++)
    {
      const EpVideoTile *in = g_ptr_array_index (self->layout, i);
      EpVideoTile *tile = g_new0 (EpVideoTile, 1);

      /* A smaller tier of the composite: the same layout, scaled.  The
       * layout keeps tiles inside it, so they stay inside the frame. */
      tile->x = scale (in->x, width, self->layout_width);
      tile->y = scale (in->y, height, self->layout_height);
      tile->width = MAX (scale (in->x + in->width, width, self->layout_width) - tile->x, 1);
      tile->height = MAX (scale (in->y + in->height, height, self->layout_height) - tile->y, 1);
      tile->participant = g_strdup (in->participant);
      tile->name = g_strdup (in->name);
      tile->color = dominant_color_locked (self, rgb, tile);
      g_ptr_array_add (tiles, tile);
    }
  return tiles;
}

static gboolean
analyse_locked (EpVideoAnalyser *self, GstBuffer *buffer)
{
  GstVideoFrame in, rgb;

  if (self->converter == NULL)
    {
      /* The converter only converts pixels: frame rate and interlacing
       * stay as they are. */
      gst_video_info_set_interlaced_format (
          &self->rgb_info, GST_VIDEO_FORMAT_RGB, GST_VIDEO_INFO_INTERLACE_MODE (&self->info),
          GST_VIDEO_INFO_WIDTH (&self->info), GST_VIDEO_INFO_HEIGHT (&self->info));
      GST_VIDEO_INFO_FPS_N (&self->rgb_info) = GST_VIDEO_INFO_FPS_N (&self->info);
      GST_VIDEO_INFO_FPS_D (&self->rgb_info) = GST_VIDEO_INFO_FPS_D (&self->info);
      self->converter = gst_video_converter_new (&self->info, &self->rgb_info, NULL);
      self->rgb = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&self->rgb_info), NULL);
    }
  if (!gst_video_frame_map (&in, &self->info, buffer, GST_MAP_READ))
    return FALSE;
  if (!gst_video_frame_map (&rgb, &self->rgb_info, self->rgb, GST_MAP_WRITE))
    {
      gst_video_frame_unmap (&in);
      return FALSE;
    }
  gst_video_converter_frame (self->converter, &in, &rgb);
  gst_video_frame_unmap (&in);
  g_ptr_array_unref (self->tiles);
  self->tiles = measure_tiles_locked (self, &rgb);
  gst_video_frame_unmap (&rgb);
  mark_seen_locked (self);
  return TRUE;
}

/**
 * ep_video_analyser_push_sample:
 * @self: the analyser
 * @time_us: when the frame arrived (or its timestamp), on the analyser's clock
 * @sample: a decoded frame and its caps (raw video of any format)
 *
 * Counts the frame, and measures the tiles' colours on it if the last
 * measure is %EP_VIDEO_ANALYSER_INTERVAL_MS old.  Thread-safe.
 */
void
ep_video_analyser_push_sample (EpVideoAnalyser *self, gint64 time_us, GstSample *sample)
{
  g_autoptr (GMutexLocker) locker = NULL;
  GstBuffer *buffer;

  g_return_if_fail (EP_IS_VIDEO_ANALYSER (self));
  g_return_if_fail (GST_IS_SAMPLE (sample));

  locker = g_mutex_locker_new (&self->lock);
  if (self->finished)
    return;
  if (!self->seen)
    {
      self->seen = TRUE;
      self->first_us = self->last_us = time_us;
    }
  else
    note_interval (self, self->last_us, time_us);
  self->last_us = MAX (self->last_us, time_us);
  self->frames++;

  take_caps_locked (self, gst_sample_get_caps (sample));
  buffer = gst_sample_get_buffer (sample);
  if (!self->has_info || buffer == NULL
      || (self->analysed
          && time_us - self->analysed_us < EP_VIDEO_ANALYSER_INTERVAL_MS * G_TIME_SPAN_MILLISECOND))
    return;
  if (analyse_locked (self, buffer))
    {
      self->analysed = TRUE;
      self->analysed_us = time_us;
      g_clear_pointer (&self->last_analysed, gst_sample_unref);
      self->last_analysed = gst_sample_ref (sample);
    }
}

/**
 * ep_video_analyser_finish:
 * @self: the analyser
 * @end_us: the end of the run, on the analyser's clock
 *
 * Closes the measurement: the wait from the last frame to @end_us may be
 * a freeze, the frame rate is taken up to @end_us, and nothing that
 * arrives later counts.
 */
void
ep_video_analyser_finish (EpVideoAnalyser *self, gint64 end_us)
{
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_if_fail (EP_IS_VIDEO_ANALYSER (self));

  locker = g_mutex_locker_new (&self->lock);
  if (self->finished)
    return;
  self->finished = TRUE;
  self->end_us = end_us;
  if (self->seen)
    note_interval (self, self->last_us, end_us);
}

/* ---- results ---- */

static EpVideoTile *
tile_copy (const EpVideoTile *tile)
{
  EpVideoTile *copy = g_memdup2 (tile, sizeof (EpVideoTile));

  copy->participant = g_strdup (tile->participant);
  copy->name = g_strdup (tile->name);
  return copy;
}

/**
 * ep_video_analyser_get_tiles:
 * @self: the analyser
 *
 * Returns: (transfer full) (element-type EpVideoTile): the tiles of the
 *   last analysed frame with their colours; none before the first frame.
 */
GPtrArray *
ep_video_analyser_get_tiles (EpVideoAnalyser *self)
{
  g_autoptr (GMutexLocker) locker = NULL;
  GPtrArray *tiles;

  g_return_val_if_fail (EP_IS_VIDEO_ANALYSER (self), NULL);

  locker = g_mutex_locker_new (&self->lock);
  tiles = tile_array_new ();
  for (guint i = 0; i < self->tiles->len; i++)
    g_ptr_array_add (tiles, tile_copy (g_ptr_array_index (self->tiles, i)));
  return tiles;
}

static gboolean
colors_close (guint32 a, guint32 b)
{
  for (guint shift = 0; shift <= 16; shift += 8)
    if (ABS ((int) ((a >> shift) & 0xff) - (int) ((b >> shift) & 0xff))
        > EP_VIDEO_ANALYSER_COLOR_TOLERANCE)
      return FALSE;
  return TRUE;
}

/* The expected colours in a tile of the frame just analysed: a site
 * that leaves before the check ends was still seen. */
static void
mark_seen_locked (EpVideoAnalyser *self)
{
  for (guint i = 0; i < self->expected->len; i++)
    for (guint j = 0; j < self->tiles->len; j++)
      if (colors_close (g_array_index (self->expected, guint32, i),
                        ((EpVideoTile *) g_ptr_array_index (self->tiles, j))->color))
        g_array_index (self->colors_seen, gboolean, i) = TRUE;
}

static gboolean
expected_colors_seen_locked (EpVideoAnalyser *self)
{
  if (self->expected->len > 0 && !self->analysed)
    return FALSE;
  for (guint i = 0; i < self->colors_seen->len; i++)
    if (!g_array_index (self->colors_seen, gboolean, i))
      return FALSE;
  return TRUE;
}

/**
 * ep_video_analyser_expected_colors_seen:
 * @self: the analyser
 *
 * Returns: %TRUE if each colour of ep_video_analyser_set_expected_colors()
 *   was, within %EP_VIDEO_ANALYSER_COLOR_TOLERANCE, the colour of some tile
 *   of some analysed frame (%FALSE if none was analysed, %TRUE if nothing
 *   was expected).
 */
gboolean
ep_video_analyser_expected_colors_seen (EpVideoAnalyser *self)
{
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_val_if_fail (EP_IS_VIDEO_ANALYSER (self), FALSE);

  locker = g_mutex_locker_new (&self->lock);
  return expected_colors_seen_locked (self);
}

static void
add_int (JsonBuilder *builder, const char *member, gint64 value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_int_value (builder, value);
}

static void
add_string_or_null (JsonBuilder *builder, const char *member, const char *value)
{
  json_builder_set_member_name (builder, member);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_tiles_locked (EpVideoAnalyser *self, JsonBuilder *builder)
{
  json_builder_set_member_name (builder, "tiles");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->tiles->len; i++)
    {
      const EpVideoTile *tile = g_ptr_array_index (self->tiles, i);
      g_autofree char *color = g_strdup_printf ("%06x", tile->color);

      json_builder_begin_object (builder);
      add_int (builder, "x", tile->x);
      add_int (builder, "y", tile->y);
      add_int (builder, "width", tile->width);
      add_int (builder, "height", tile->height);
      add_string_or_null (builder, "participant", tile->participant);
      add_string_or_null (builder, "name", tile->name);
      add_string_or_null (builder, "color", color);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

/**
 * ep_video_analyser_add_to_report:
 * @self: the analyser
 * @builder: a builder inside an object
 *
 * Adds the member "video": {frames, fps, width, height, first_frame_ms,
 * freezes, longest_freeze_ms, tiles, and expected_colors_seen if colours
 * were expected}.
 */
void
ep_video_analyser_add_to_report (EpVideoAnalyser *self, JsonBuilder *builder)
{
  g_autoptr (GMutexLocker) locker = NULL;
  gint64 end_us;
  double fps = 0;

  g_return_if_fail (EP_IS_VIDEO_ANALYSER (self));
  g_return_if_fail (JSON_IS_BUILDER (builder));

  locker = g_mutex_locker_new (&self->lock);
  end_us = self->finished ? self->end_us : self->last_us;
  if (self->seen && end_us > self->first_us)
    fps = self->frames * (double) G_USEC_PER_SEC / (end_us - self->first_us);

  json_builder_set_member_name (builder, "video");
  json_builder_begin_object (builder);
  add_int (builder, "frames", self->frames);
  json_builder_set_member_name (builder, "fps");
  /* Halves print exactly; tenths would not (json-glib writes %.17g). */
  json_builder_add_double_value (builder, round (fps * 2.0) / 2.0);
  add_int (builder, "width", self->has_info ? GST_VIDEO_INFO_WIDTH (&self->info) : 0);
  add_int (builder, "height", self->has_info ? GST_VIDEO_INFO_HEIGHT (&self->info) : 0);
  json_builder_set_member_name (builder, "first_frame_ms");
  if (self->seen)
    json_builder_add_int_value (builder,
                                (self->first_us - self->start_us) / G_TIME_SPAN_MILLISECOND);
  else
    json_builder_add_null_value (builder);
  add_int (builder, "freezes", self->freezes);
  add_int (builder, "longest_freeze_ms", self->longest_freeze_us / G_TIME_SPAN_MILLISECOND);
  add_tiles_locked (self, builder);
  if (self->expected->len > 0)
    {
      json_builder_set_member_name (builder, "expected_colors_seen");
      json_builder_add_boolean_value (builder, expected_colors_seen_locked (self));
    }
  json_builder_end_object (builder);
}

/**
 * ep_video_analyser_has_frames:
 * @self: the analyser
 *
 * Returns: whether a frame has arrived
 */
gboolean
ep_video_analyser_has_frames (EpVideoAnalyser *self)
{
  gboolean seen;

  g_return_val_if_fail (EP_IS_VIDEO_ANALYSER (self), FALSE);

  g_mutex_lock (&self->lock);
  seen = self->seen;
  g_mutex_unlock (&self->lock);
  return seen;
}

/**
 * ep_video_analyser_save_snapshot:
 * @self: the analyser
 * @path: a PNG file to write
 * @error: no frame was analysed, or it could not be written
 *
 * Writes the last analysed frame of the received video as a PNG (the
 * pictures of docs/LAYOUTS.md are made this way).
 *
 * Returns: whether the file was written
 */
gboolean
ep_video_analyser_save_snapshot (EpVideoAnalyser *self, const char *path, GError **error)
{
  g_autoptr (GstSample) sample = NULL, png = NULL;
  g_autoptr (GstCaps) caps = gst_caps_new_empty_simple ("image/png");
  GstMapInfo map;
  gboolean written;

  g_return_val_if_fail (EP_IS_VIDEO_ANALYSER (self), FALSE);

  g_mutex_lock (&self->lock);
  if (self->last_analysed != NULL)
    sample = gst_sample_ref (self->last_analysed);
  g_mutex_unlock (&self->lock);
  if (sample == NULL)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_UNAVAILABLE,
                           _ ("No video arrived: there is no picture to save."));
      return FALSE;
    }
  png = gst_video_convert_sample (sample, caps, 5 * GST_SECOND, error);
  if (png == NULL || !gst_buffer_map (gst_sample_get_buffer (png), &map, GST_MAP_READ))
    return FALSE;
  written = g_file_set_contents (path, (const char *) map.data, map.size, error);
  gst_buffer_unmap (gst_sample_get_buffer (png), &map);
  return written;
}
