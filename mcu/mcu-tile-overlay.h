/* mcu-tile-overlay.h: the site names, talking marks and placeholders drawn
 * over a room's composite. */
#pragma once

#include <gst/video/video.h>

#include "mcu-layout.h"

G_BEGIN_DECLS

/* What one tile shows besides the site's picture. */
typedef struct
{
  McuRect rect;
  const char *name; /* the site's display name, UTF-8 (Vietnamese) */
  gboolean talking;
  gboolean has_video; /* FALSE: a placeholder with the name covers the tile */
} McuTileLabel;

#define MCU_TYPE_TILE_OVERLAY (mcu_tile_overlay_get_type ())
G_DECLARE_FINAL_TYPE (McuTileOverlay, mcu_tile_overlay, MCU, TILE_OVERLAY, GObject)

McuTileOverlay *mcu_tile_overlay_new (guint width, guint height);
void mcu_tile_overlay_set_tiles (McuTileOverlay *self, const McuTileLabel *tiles, guint n_tiles);
gboolean mcu_tile_overlay_blend (McuTileOverlay *self, GstBuffer *buffer, const GstVideoInfo *info);
GstVideoOverlayComposition *mcu_tile_overlay_ref_composition (McuTileOverlay *self);

/* For tests and diagnostics. */
guint mcu_tile_overlay_unknown_glyphs (McuTileOverlay *self, const char *name, char **shown);

G_END_DECLS
