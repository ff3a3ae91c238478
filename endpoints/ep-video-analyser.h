/* ep-video-analyser.h: what a site sees — the frames of the room's video,
 * its freezes, and the dominant colour of each tile of the mcu's layout,
 * for `hoinghi-endpoint --check`. */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "ep-analyser.h"

G_BEGIN_DECLS

/* A longer wait between two frames is a freeze. */
#define EP_VIDEO_ANALYSER_FREEZE_MS 200
/* The colours are measured on one frame in this many milliseconds. */
#define EP_VIDEO_ANALYSER_INTERVAL_MS 250
/* How far (per channel, 0–255) a tile's colour may be from an expected
 * one: VP8 and 4:2:0 chroma shift colours (pure green comes back from two
 * VP8 encodes at 0xce–0xd2 in its own channel). */
#define EP_VIDEO_ANALYSER_COLOR_TOLERANCE 64
/* A layout with more tiles is refused (the mcu's largest has 16). */
#define EP_VIDEO_ANALYSER_MAX_TILES 64

/**
 * EpVideoTile:
 * @x: the tile's left edge, in pixels of the analysed frame
 * @y: its top edge
 * @width: its width
 * @height: its height
 * @participant: (nullable): the site the layout put there, or %NULL for
 *   the whole frame when no layout arrived
 * @name: (nullable): the site's name, likewise
 * @color: the tile's dominant colour, 0xRRGGBB
 */
typedef struct
{
  guint x;
  guint y;
  guint width;
  guint height;
  char *participant;
  char *name;
  guint32 color;
} EpVideoTile;

void ep_video_tile_free (EpVideoTile *tile);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpVideoTile, ep_video_tile_free)

#define EP_TYPE_VIDEO_ANALYSER (ep_video_analyser_get_type ())
G_DECLARE_FINAL_TYPE (EpVideoAnalyser, ep_video_analyser, EP, VIDEO_ANALYSER, GObject)

EpVideoAnalyser *ep_video_analyser_new (EpAnalyserClock clock);

GstElement *ep_video_analyser_create_sink (EpVideoAnalyser *self, GError **error);

void ep_video_analyser_mark_start (EpVideoAnalyser *self, gint64 time_us);
gboolean ep_video_analyser_set_layout (EpVideoAnalyser *self, JsonNode *message, GError **error);
void ep_video_analyser_set_expected_colors (EpVideoAnalyser *self, const guint32 *colors,
                                            guint n_colors);

void ep_video_analyser_push_sample (EpVideoAnalyser *self, gint64 time_us, GstSample *sample);
void ep_video_analyser_finish (EpVideoAnalyser *self, gint64 end_us);

gboolean ep_video_analyser_has_frames (EpVideoAnalyser *self);
gboolean ep_video_analyser_save_snapshot (EpVideoAnalyser *self, const char *path, GError **error);
GPtrArray *ep_video_analyser_get_tiles (EpVideoAnalyser *self);
gboolean ep_video_analyser_expected_colors_seen (EpVideoAnalyser *self);

void ep_video_analyser_add_to_report (EpVideoAnalyser *self, JsonBuilder *builder);

G_END_DECLS
