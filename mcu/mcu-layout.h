/* mcu-layout.h: where each site's picture goes in a room's composite. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The most tiles any layout has (4x4, 1+12 has 13). */
#define MCU_LAYOUT_MAX_TILES 16

typedef enum
{
  MCU_LAYOUT_AUTO, /* a grid that fits the number of sites */
  MCU_LAYOUT_1X1,
  MCU_LAYOUT_2X2,
  MCU_LAYOUT_3X3,
  MCU_LAYOUT_4X4,
  MCU_LAYOUT_1P5, /* one large tile and five small */
  MCU_LAYOUT_1P7,
  MCU_LAYOUT_1P12,
} McuLayoutKind;

/* A tile in pixels of the composite; x, y, width and height are even
 * (I420 chroma). */
typedef struct
{
  guint x;
  guint y;
  guint width;
  guint height;
} McuRect;

gboolean mcu_layout_parse (const char *text, McuLayoutKind *kind);
const char *mcu_layout_name (McuLayoutKind kind);
guint mcu_layout_tiles (McuLayoutKind kind, guint sites, guint width, guint height,
                        McuRect tiles[MCU_LAYOUT_MAX_TILES]);

G_END_DECLS
