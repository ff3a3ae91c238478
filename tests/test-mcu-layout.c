/* test-mcu-layout.c: the tiles of every layout. */
#include "config.h"

#include "mcu-layout.h"

#define W 1280
#define H 720

static gboolean
overlap (const McuRect *a, const McuRect *b)
{
  return a->x < b->x + b->width && b->x < a->x + a->width && a->y < b->y + b->height
         && b->y < a->y + a->height;
}

/* Tiles are even, inside the picture and never overlap. */
static void
check_tiles (const McuRect *tiles, guint count)
{
  for (guint i = 0; i < count; i++)
    {
      g_assert_cmpuint (tiles[i].x % 2, ==, 0);
      g_assert_cmpuint (tiles[i].y % 2, ==, 0);
      g_assert_cmpuint (tiles[i].width % 2, ==, 0);
      g_assert_cmpuint (tiles[i].height % 2, ==, 0);
      g_assert_cmpuint (tiles[i].width, >, 0);
      g_assert_cmpuint (tiles[i].x + tiles[i].width, <=, W);
      g_assert_cmpuint (tiles[i].y + tiles[i].height, <=, H);
      for (guint j = 0; j < i; j++)
        g_assert_false (overlap (&tiles[i], &tiles[j]));
    }
}

static guint64
area (const McuRect *tiles, guint count)
{
  guint64 sum = 0;

  for (guint i = 0; i < count; i++)
    sum += (guint64) tiles[i].width * tiles[i].height;
  return sum;
}

static void
test_fixed_layouts (void)
{
  static const struct
  {
    const char *name;
    guint tiles;
  } cases[] = { { "1x1", 1 }, { "2x2", 4 }, { "3x3", 9 },  { "4x4", 16 },
                { "1+5", 6 }, { "1+7", 8 }, { "1+12", 13 } };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      McuLayoutKind kind;
      McuRect tiles[MCU_LAYOUT_MAX_TILES];
      guint count;

      g_assert_true (mcu_layout_parse (cases[i].name, &kind));
      g_assert_cmpstr (mcu_layout_name (kind), ==, cases[i].name);
      /* the site count does not change a fixed layout */
      count = mcu_layout_tiles (kind, 3, W, H, tiles);
      g_assert_cmpuint (count, ==, cases[i].tiles);
      check_tiles (tiles, count);
      /* grids cover the whole picture, up to the even rounding */
      g_assert_cmpuint (area (tiles, count), >=, (guint64) (W - 4) * (H - 4));
    }
}

static void
test_main_tiles (void)
{
  McuLayoutKind kind;
  McuRect tiles[MCU_LAYOUT_MAX_TILES];

  g_assert_true (mcu_layout_parse ("1+5", &kind));
  mcu_layout_tiles (kind, 0, W, H, tiles);
  g_assert_cmpuint (tiles[0].x, ==, 0);
  g_assert_cmpuint (tiles[0].width, ==, 852);
  g_assert_cmpuint (tiles[0].height, ==, 480);
  g_assert_cmpuint (tiles[1].x, ==, 852); /* right of the main tile */

  g_assert_true (mcu_layout_parse ("1+7", &kind));
  mcu_layout_tiles (kind, 0, W, H, tiles);
  g_assert_cmpuint (tiles[0].width, ==, 960);
  g_assert_cmpuint (tiles[0].height, ==, 540);

  /* 1+12: the main tile sits in the middle, twelve around it */
  g_assert_true (mcu_layout_parse ("1+12", &kind));
  mcu_layout_tiles (kind, 0, W, H, tiles);
  g_assert_cmpuint (tiles[0].x, ==, 320);
  g_assert_cmpuint (tiles[0].y, ==, 180);
  g_assert_cmpuint (tiles[0].width, ==, 640);
  g_assert_cmpuint (tiles[1].x, ==, 0);
  g_assert_cmpuint (tiles[1].y, ==, 0);
}

static void
test_auto (void)
{
  McuRect tiles[MCU_LAYOUT_MAX_TILES];
  static const guint expected[][2] = { { 0, 1 }, { 1, 1 }, { 2, 2 },   { 3, 3 },   { 4, 4 },
                                       { 5, 5 }, { 9, 9 }, { 10, 10 }, { 16, 16 }, { 40, 16 } };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      guint count = mcu_layout_tiles (MCU_LAYOUT_AUTO, expected[i][0], W, H, tiles);

      g_assert_cmpuint (count, ==, expected[i][1]);
      check_tiles (tiles, count);
    }
  /* one site fills the picture; two sit side by side at full 16:9 */
  mcu_layout_tiles (MCU_LAYOUT_AUTO, 1, W, H, tiles);
  g_assert_cmpuint (tiles[0].width, ==, W);
  g_assert_cmpuint (tiles[0].height, ==, H);
  mcu_layout_tiles (MCU_LAYOUT_AUTO, 2, W, H, tiles);
  g_assert_cmpuint (tiles[0].width, ==, 640);
  g_assert_cmpuint (tiles[0].height, ==, 360);
  g_assert_cmpuint (tiles[0].y, ==, 180);
  /* five sites take a 3×3 grid's cells */
  mcu_layout_tiles (MCU_LAYOUT_AUTO, 5, W, H, tiles);
  g_assert_cmpuint (tiles[4].x, ==, 426);
  g_assert_cmpuint (tiles[4].y, ==, 240);
}

static void
test_bad_names (void)
{
  static const char *const bad[] = { "", "5x5", "2X2", "1+6", "auto ", "grid", "1+7\n" };
  McuLayoutKind kind = MCU_LAYOUT_2X2;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (mcu_layout_parse (bad[i], &kind));
  g_assert_false (mcu_layout_parse (NULL, &kind));
  g_assert_cmpint (kind, ==, MCU_LAYOUT_2X2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mcu/layout/fixed", test_fixed_layouts);
  g_test_add_func ("/mcu/layout/main-tiles", test_main_tiles);
  g_test_add_func ("/mcu/layout/auto", test_auto);
  g_test_add_func ("/mcu/layout/bad-names", test_bad_names);
  return g_test_run ();
}
