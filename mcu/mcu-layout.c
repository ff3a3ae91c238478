/* mcu-layout.c: where each site's picture goes in a room's composite.
 *
 * Every layout is cut from an n×n grid of the composite, so tiles meet
 * without gaps; a "1+k" layout gives its main tile a block of cells.  Cell
 * edges are rounded to even pixels for I420.  Tile 0 is the main tile
 * (the speaker or the pinned site); the others follow in reading order.
 */
#include "config.h"

#include "mcu-layout.h"

typedef struct
{
  const char *name;
  guint grid;       /* the composite is cut into grid × grid cells */
  guint main_cells; /* the main tile's side in cells; 1 for a plain grid */
  guint main_col;   /* the main tile's first cell */
  guint main_row;
} LayoutShape;

static const LayoutShape shapes[] = {
  [MCU_LAYOUT_AUTO] = { "auto", 0, 1, 0, 0 }, [MCU_LAYOUT_1X1] = { "1x1", 1, 1, 0, 0 },
  [MCU_LAYOUT_2X2] = { "2x2", 2, 1, 0, 0 },   [MCU_LAYOUT_3X3] = { "3x3", 3, 1, 0, 0 },
  [MCU_LAYOUT_4X4] = { "4x4", 4, 1, 0, 0 },   [MCU_LAYOUT_1P5] = { "1+5", 3, 2, 0, 0 },
  [MCU_LAYOUT_1P7] = { "1+7", 4, 3, 0, 0 },   [MCU_LAYOUT_1P12] = { "1+12", 4, 2, 1, 1 },
};

/**
 * mcu_layout_parse:
 * @text: a layout's name ("auto", "2x2", "1+7", …)
 * @kind: (out): the layout
 *
 * Returns: whether @text names a layout
 */
gboolean
mcu_layout_parse (const char *text, McuLayoutKind *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    if (g_strcmp0 (text, shapes[i].name) == 0)
      {
        *kind = i;
        return TRUE;
      }
  return FALSE;
}

/**
 * mcu_layout_name:
 * @kind: a layout
 *
 * Returns: its name, as the API spells it
 */
const char *
mcu_layout_name (McuLayoutKind kind)
{
  g_return_val_if_fail (kind < G_N_ELEMENTS (shapes), "auto");
  return shapes[kind].name;
}

static guint
edge (guint index, guint cells, guint size)
{
  return (index * size / cells) & ~1u;
}

static McuRect
cell_block (guint col, guint row, guint span, guint grid, guint width, guint height)
{
  McuRect rect;

  rect.x = edge (col, grid, width);
  rect.y = edge (row, grid, height);
  rect.width = edge (col + span, grid, width) - rect.x;
  rect.height = edge (row + span, grid, height) - rect.y;
  return rect;
}

/* Two sites side by side, in the middle band of the picture. */
static guint
two_side_by_side (guint width, guint height, McuRect tiles[MCU_LAYOUT_MAX_TILES])
{
  guint half = (width / 2) & ~1u;
  guint tile_height = (half * height / width) & ~1u;
  guint top = ((height - tile_height) / 2) & ~1u;

  tiles[0] = (McuRect){ 0, top, half, tile_height };
  tiles[1] = (McuRect){ half, top, width - half, tile_height };
  return 2;
}

/**
 * mcu_layout_tiles:
 * @kind: the layout
 * @sites: how many sites show (only "auto" looks at it)
 * @width: the composite's width
 * @height: the composite's height
 * @tiles: (out caller-allocates): the tiles, the main one first
 *
 * Returns: how many tiles the layout has; sites beyond it do not show
 */
guint
mcu_layout_tiles (McuLayoutKind kind, guint sites, guint width, guint height,
                  McuRect tiles[MCU_LAYOUT_MAX_TILES])
{
  LayoutShape shape;
  guint count = 0;

  g_return_val_if_fail (kind < G_N_ELEMENTS (shapes), 0);

  shape = shapes[kind];
  if (kind == MCU_LAYOUT_AUTO)
    {
      if (sites == 2)
        return two_side_by_side (width, height, tiles);
      shape.grid = sites <= 1 ? 1 : sites <= 4 ? 2 : sites <= 9 ? 3 : 4;
    }
  if (shape.main_cells > 1)
    tiles[count++]
        = cell_block (shape.main_col, shape.main_row, shape.main_cells, shape.grid, width, height);
  for (guint row = 0; row < shape.grid; row++)
    for (guint col = 0; col < shape.grid; col++)
      {
        gboolean in_main = shape.main_cells > 1 && col >= shape.main_col
                           && col < shape.main_col + shape.main_cells && row >= shape.main_row
                           && row < shape.main_row + shape.main_cells;

        if (!in_main)
          tiles[count++] = cell_block (col, row, 1, shape.grid, width, height);
      }
  if (kind == MCU_LAYOUT_AUTO)
    count = MIN (count, MAX (sites, 1));
  return count;
}
