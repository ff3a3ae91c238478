/* test-mcu-tile-overlay.c: the names, talking frames and placeholders over
 * a room's composite, read back pixel by pixel from a grey 1280×720 I420
 * frame — and that names from the network cannot break it, that a change
 * redraws only its tile, and that set_tiles and blend may run at once. */
#include "config.h"

#include <string.h>

#include <pango/pangocairo.h>

#include "mcu-tile-overlay.h"

#define WIDTH 1280
#define HEIGHT 720
#define GREY 128

typedef struct
{
  int y, u, v;
} Yuv;

/* Limited range, with the luma weights @kr and @kb (BT.601: 0.299,
 * 0.114; BT.709: 0.2126, 0.0722). */
static Yuv
limited_yuv (guint32 rgb, double kr, double kb)
{
  double r = ((rgb >> 16) & 0xff) / 255.0;
  double g = ((rgb >> 8) & 0xff) / 255.0;
  double b = (rgb & 0xff) / 255.0;
  double luma = kr * r + (1 - kr - kb) * g + kb * b;

  return (Yuv){ (int) (16 + 219 * luma + 0.5),
                (int) (128 + 224 * (b - luma) / (2 * (1 - kb)) + 0.5),
                (int) (128 + 224 * (r - luma) / (2 * (1 - kr)) + 0.5) };
}

static gboolean
yuv_near (Yuv a, Yuv b, int tolerance)
{
  return ABS (a.y - b.y) <= tolerance && ABS (a.u - b.u) <= tolerance
         && ABS (a.v - b.v) <= tolerance;
}

static Yuv
pixel_at (const GstVideoFrame *frame, guint x, guint y)
{
  const guint8 *luma = GST_VIDEO_FRAME_COMP_DATA (frame, 0);
  const guint8 *u = GST_VIDEO_FRAME_COMP_DATA (frame, 1);
  const guint8 *v = GST_VIDEO_FRAME_COMP_DATA (frame, 2);

  return (Yuv){ luma[y * GST_VIDEO_FRAME_COMP_STRIDE (frame, 0) + x],
                u[y / 2 * GST_VIDEO_FRAME_COMP_STRIDE (frame, 1) + x / 2],
                v[y / 2 * GST_VIDEO_FRAME_COMP_STRIDE (frame, 2) + x / 2] };
}

static McuTileLabel
tile (guint x, guint y, guint width, guint height, const char *name, gboolean talking,
      gboolean has_video)
{
  return (McuTileLabel){ { x, y, width, height }, name, talking, has_video };
}

/* The 2×2 scene: a plain label, a talking label, a placeholder and a
 * talking placeholder. */
static void
grid_2x2 (McuTileLabel tiles[4])
{
  tiles[0] = tile (0, 0, 640, 360, "UBND huyện Tam Đảo", FALSE, TRUE);
  tiles[1] = tile (640, 0, 640, 360, "UBND xã Đạo Trù", TRUE, TRUE);
  tiles[2] = tile (0, 360, 640, 360, "Trường THPT Trần Phú", FALSE, FALSE);
  tiles[3] = tile (640, 360, 640, 360, "Bệnh viện Đa khoa tỉnh", TRUE, FALSE);
}

typedef struct
{
  McuTileOverlay *overlay;
  GstVideoInfo info;
  GstBuffer *buffer; /* mid grey */
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->overlay = mcu_tile_overlay_new (WIDTH, HEIGHT);
  gst_video_info_set_format (&f->info, GST_VIDEO_FORMAT_I420, WIDTH, HEIGHT);
  f->buffer = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&f->info), NULL);
  gst_buffer_memset (f->buffer, 0, GREY, GST_VIDEO_INFO_SIZE (&f->info));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  gst_buffer_unref (f->buffer);
  g_object_unref (f->overlay);
}

/* Blends onto the grey frame and maps it for reading. */
static void
blend_and_map (Fixture *f, GstVideoFrame *frame)
{
  g_assert_true (mcu_tile_overlay_blend (f->overlay, f->buffer, &f->info));
  g_assert_true (gst_video_frame_map (frame, &f->info, f->buffer, GST_MAP_READ));
}

/* ---- what the tiles look like ---- */

static void
test_label_band (Fixture *f, gconstpointer data)
{
  McuTileLabel tiles[4];
  GstVideoFrame frame;
  guint dark = 0, white = 0, scanned = 0;

  grid_2x2 (tiles);
  mcu_tile_overlay_set_tiles (f->overlay, tiles, 4);
  blend_and_map (f, &frame);

  /* The bottom of tile 0: black at 0.6 over grey, and the white name. */
  for (guint y = 360 - 30; y < 360; y++)
    for (guint x = 0; x < 640; x++, scanned++)
      {
        Yuv p = pixel_at (&frame, x, y);

        if (p.y >= 50 && p.y <= 75)
          dark++;
        else if (p.y > 200)
          white++;
      }
  g_test_message ("label band: %u dark, %u white of %u", dark, white, scanned);
  g_assert_cmpuint (dark, >, scanned / 2);
  g_assert_cmpuint (white, >, 200);

  /* The picture above the band is untouched. */
  for (guint y = 60; y < 240; y++)
    for (guint x = 160; x < 480; x++)
      {
        Yuv p = pixel_at (&frame, x, y);

        g_assert_cmpint (p.y, ==, GREY);
        g_assert_cmpint (p.u, ==, GREY);
        g_assert_cmpint (p.v, ==, GREY);
      }
  gst_video_frame_unmap (&frame);
}

static void
test_placeholder (Fixture *f, gconstpointer data)
{
  /* BT.601 (the frame says BT.709, as 720p does, and is filled so: for
   * this slate the two differ by at most 1). */
  Yuv slate = limited_yuv (0x2b3a4a, 0.299, 0.114);
  McuTileLabel tiles[4];
  GstVideoFrame frame;
  guint matching = 0, white = 0, scanned = 0;

  grid_2x2 (tiles);
  mcu_tile_overlay_set_tiles (f->overlay, tiles, 4);
  blend_and_map (f, &frame);

  /* Tile 2's middle: slate but for the name. */
  for (guint y = 360 + 40; y < 720 - 40; y++)
    for (guint x = 40; x < 600; x++, scanned++)
      {
        Yuv p = pixel_at (&frame, x, y);

        if (yuv_near (p, slate, 3))
          matching++;
        else if (p.y > 200)
          white++;
      }
  g_test_message ("placeholder: %u slate, %u white of %u", matching, white, scanned);
  g_assert_cmpuint (matching, >, scanned * 8 / 10);
  g_assert_cmpuint (white, >, 200);
  g_assert_true (yuv_near (pixel_at (&frame, 20, 380), slate, 3));
  g_assert_true (yuv_near (pixel_at (&frame, 620, 700), slate, 3));
  gst_video_frame_unmap (&frame);
}

/* Whether every pixel of the 4-px border of @t is (or none is) green. */
static void
assert_frame (const GstVideoFrame *frame, const McuTileLabel *t, gboolean green_expected)
{
  /* BT.709, as 720p is and the frame says (BT.601 would differ by 40 in
   * V for this green). */
  Yuv green = limited_yuv (0x3ddc84, 0.2126, 0.0722);

  for (guint y = t->rect.y; y < t->rect.y + t->rect.height; y++)
    for (guint x = t->rect.x; x < t->rect.x + t->rect.width; x++)
      {
        gboolean border = x < t->rect.x + 4 || x >= t->rect.x + t->rect.width - 4
                          || y < t->rect.y + 4 || y >= t->rect.y + t->rect.height - 4;
        Yuv p;

        if (!border)
          continue;
        p = pixel_at (frame, x, y);
        if (green_expected && !yuv_near (p, green, 3))
          g_error ("%s: (%u, %u) is %d %d %d, not green %d %d %d", t->name, x, y, p.y, p.u, p.v,
                   green.y, green.u, green.v);
        if (!green_expected && yuv_near (p, green, 20))
          g_error ("%s: (%u, %u) is green", t->name, x, y);
      }
}

static void
test_talking_frame (Fixture *f, gconstpointer data)
{
  McuTileLabel tiles[4];
  GstVideoFrame frame;

  grid_2x2 (tiles);
  mcu_tile_overlay_set_tiles (f->overlay, tiles, 4);
  blend_and_map (f, &frame);
  for (guint i = 0; i < 4; i++)
    assert_frame (&frame, &tiles[i], tiles[i].talking);
  /* Just inside the talking tile's frame, its picture shows. */
  g_assert_cmpint (pixel_at (&frame, 960, 4 + 2).y, ==, GREY);
  gst_video_frame_unmap (&frame);
}

/* The one rectangle blended over @t: its name. */
static GstVideoOverlayRectangle *
rectangle_of (GstVideoOverlayComposition *composition, const McuTileLabel *t)
{
  GstVideoOverlayRectangle *found = NULL;

  for (guint i = 0; i < gst_video_overlay_composition_n_rectangles (composition); i++)
    {
      GstVideoOverlayRectangle *rect = gst_video_overlay_composition_get_rectangle (composition, i);
      gint x, y;

      gst_video_overlay_rectangle_get_render_rectangle (rect, &x, &y, NULL, NULL);
      if ((guint) x >= t->rect.x && (guint) x < t->rect.x + t->rect.width && (guint) y >= t->rect.y
          && (guint) y < t->rect.y + t->rect.height)
        {
          g_assert_null (found);
          found = rect;
        }
    }
  g_assert_nonnull (found);
  return found;
}

static void
test_small_tile (Fixture *f, gconstpointer data)
{
  McuTileLabel small = tile (100, 100, 96, 54, "UBND xã Đạo Trù", FALSE, TRUE);
  g_autoptr (GstVideoOverlayComposition) quiet = NULL;
  g_autoptr (GstVideoOverlayComposition) talking = NULL;
  GstVideoFrame frame;

  /* Too small for a name: nothing at all... */
  mcu_tile_overlay_set_tiles (f->overlay, &small, 1);
  quiet = mcu_tile_overlay_ref_composition (f->overlay);
  g_assert_null (quiet);

  /* ... but the frame when talking, which is filled, not blended. */
  small.talking = TRUE;
  mcu_tile_overlay_set_tiles (f->overlay, &small, 1);
  talking = mcu_tile_overlay_ref_composition (f->overlay);
  g_assert_null (talking);

  blend_and_map (f, &frame);
  assert_frame (&frame, &small, TRUE);
  for (guint y = 104; y < 150; y++)
    for (guint x = 104; x < 192; x++)
      g_assert_cmpint (pixel_at (&frame, x, y).y, ==, GREY);
  gst_video_frame_unmap (&frame);
}

/* ---- names ---- */

static const char *const vietnamese[] = {
  "UBND huyện Tam Đảo",
  "UBND xã Đạo Trù",
  "Sở Giáo dục và Đào tạo tỉnh Vĩnh Phúc",
  "Phòng Tài nguyên – Môi trường",
  /* every vowel with every tone, both cases */
  "aàáảãạ ăằắẳẵặ âầấẩẫậ eèéẻẽẹ êềếểễệ iìíỉĩị oòóỏõọ ôồốổỗộ ơờớởỡợ uùúủũụ ưừứửữự yỳýỷỹỵ đ",
  "AÀÁẢÃẠ ĂẰẮẲẴẶ ÂẦẤẨẪẬ EÈÉẺẼẸ ÊỀẾỂỄỆ IÌÍỈĨỊ OÒÓỎÕỌ ÔỒỐỔỖỘ ƠỜỚỞỠỢ UÙÚỦŨỤ ƯỪỨỬỮỰ YỲÝỶỸỴ Đ",
};

static void
test_vietnamese_glyphs (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS (vietnamese); i++)
    {
      g_autofree char *shown = NULL;

      g_assert_cmpuint (mcu_tile_overlay_unknown_glyphs (f->overlay, vietnamese[i], &shown), ==, 0);
      g_assert_cmpstr (shown, ==, vietnamese[i]);
    }
  /* A name typed as base letters and combining marks (NFD) is shown
   * precomposed. */
  {
    g_autofree char *decomposed = g_utf8_normalize ("Tam Đảo", -1, G_NORMALIZE_NFD);
    g_autofree char *shown = NULL;

    g_assert_cmpstr (decomposed, !=, "Tam Đảo");
    g_assert_cmpuint (mcu_tile_overlay_unknown_glyphs (f->overlay, decomposed, &shown), ==, 0);
    g_assert_cmpstr (shown, ==, "Tam Đảo");
  }
  /* The check can fail: no font has U+0378, which Unicode leaves
   * unassigned. */
  g_assert_cmpuint (mcu_tile_overlay_unknown_glyphs (f->overlay, "x\xcd\xb8", NULL), ==, 1);
}

/* No fallback either: DejaVu Sans itself draws every Vietnamese letter
 * (with another font beside it the names would look patched). */
static void
test_vietnamese_without_fallback (void)
{
  g_autoptr (PangoFontMap) font_map = pango_cairo_font_map_new ();
  PangoContext *context = pango_font_map_create_context (font_map); /* no autoptr in pango 1.50 */
  g_autoptr (PangoFontDescription) font = pango_font_description_from_string ("DejaVu Sans Bold");

  pango_font_description_set_absolute_size (font, 20 * PANGO_SCALE);
  for (guint i = 0; i < G_N_ELEMENTS (vietnamese); i++)
    {
      g_autoptr (PangoLayout) layout = pango_layout_new (context);
      PangoLayoutIter *iter;

      pango_layout_set_font_description (layout, font);
      pango_layout_set_text (layout, vietnamese[i], -1);
      iter = pango_layout_get_iter (layout);
      do
        {
          PangoLayoutRun *run = pango_layout_iter_get_run_readonly (iter);
          g_autoptr (PangoFontDescription) used = NULL;

          if (run == NULL)
            continue;
          used = pango_font_describe (run->item->analysis.font);
          g_assert_cmpstr (pango_font_description_get_family (used), ==, "DejaVu Sans");
          g_assert_cmpint (pango_font_description_get_weight (used), ==, PANGO_WEIGHT_BOLD);
        }
      while (pango_layout_iter_next_run (iter));
      pango_layout_iter_free (iter);
    }
  g_object_unref (context);
}

static void
test_hostile_names (Fixture *f, gconstpointer data)
{
  g_autofree char *long_name = NULL;
  g_autofree char *random_name = g_malloc (10001);
  g_autofree char *shown = NULL;
  GString *repeated = g_string_new (NULL);
  McuTileLabel tiles[4];
  GstVideoFrame frame;

  while (repeated->len < 10000)
    g_string_append (repeated, "Đảo ");
  long_name = g_string_free (repeated, FALSE);
  for (guint i = 0; i < 10000; i++)
    random_name[i] = (char) g_test_rand_int_range (1, 256);
  random_name[10000] = '\0';

  /* Each invalid byte becomes U+FFFD; lines and markup are only text. */
  g_assert_cmpuint (
      mcu_tile_overlay_unknown_glyphs (f->overlay, "UBND \xff\xc3 xã\xe1\xba", &shown), ==, 0);
  g_assert_true (g_utf8_validate (shown, -1, NULL));
  g_assert_cmpstr (shown, ==, "UBND \xef\xbf\xbd\xef\xbf\xbd xã\xef\xbf\xbd\xef\xbf\xbd");
  g_clear_pointer (&shown, g_free);
  mcu_tile_overlay_unknown_glyphs (f->overlay, "<b>Tam Đảo</b>\n&amp;\t\xe2\x80\xae", &shown);
  g_assert_cmpstr (shown, ==, "<b>Tam Đảo</b> &amp;");
  g_clear_pointer (&shown, g_free);

  /* Capped at 200 characters. */
  mcu_tile_overlay_unknown_glyphs (f->overlay, long_name, &shown);
  g_assert_cmpint (g_utf8_strlen (shown, -1), ==, 199); /* the last space is stripped */
  g_assert_true (g_str_has_prefix (long_name, shown));
  g_clear_pointer (&shown, g_free);
  mcu_tile_overlay_unknown_glyphs (f->overlay, random_name, &shown);
  g_assert_true (g_utf8_validate (shown, -1, NULL));
  g_assert_cmpint (g_utf8_strlen (shown, -1), <=, 200);

  grid_2x2 (tiles);
  tiles[0].name = long_name;
  tiles[1].name = random_name;
  tiles[2].name = "\xff\xfe\xfd";
  tiles[3].name = NULL;
  mcu_tile_overlay_set_tiles (f->overlay, tiles, 4);
  blend_and_map (f, &frame);
  /* The name stays inside its tile: the picture above the band is grey. */
  g_assert_cmpint (pixel_at (&frame, 320, 180).y, ==, GREY);
  gst_video_frame_unmap (&frame);
}

/* ---- drawing only what changed ---- */

static void
test_unmappable (Fixture *f, gconstpointer data)
{
  McuTileLabel tiles[4];
  g_autoptr (GstBuffer) short_buffer = gst_buffer_new_allocate (NULL, 100, NULL);

  grid_2x2 (tiles);
  mcu_tile_overlay_set_tiles (f->overlay, tiles, 4);
  g_assert_false (mcu_tile_overlay_blend (f->overlay, short_buffer, &f->info));
}

static void
test_no_tiles (Fixture *f, gconstpointer data)
{
  McuTileLabel tiles[4];
  g_autoptr (GstBuffer) before = gst_buffer_copy_deep (f->buffer);
  GstMapInfo a, b;

  g_assert_true (mcu_tile_overlay_blend (f->overlay, f->buffer, &f->info));

  grid_2x2 (tiles);
  mcu_tile_overlay_set_tiles (f->overlay, tiles, 4);
  mcu_tile_overlay_set_tiles (f->overlay, NULL, 0);
  g_assert_null (mcu_tile_overlay_ref_composition (f->overlay));
  g_assert_true (mcu_tile_overlay_blend (f->overlay, f->buffer, &f->info));

  gst_buffer_map (before, &a, GST_MAP_READ);
  gst_buffer_map (f->buffer, &b, GST_MAP_READ);
  g_assert_cmpmem (a.data, a.size, b.data, b.size);
  gst_buffer_unmap (f->buffer, &b);
  gst_buffer_unmap (before, &a);
}

static GstBuffer *
pixels_of (GstVideoOverlayComposition *composition, const McuTileLabel *t)
{
  return gst_video_overlay_rectangle_get_pixels_unscaled_argb (
      rectangle_of (composition, t), GST_VIDEO_OVERLAY_FORMAT_FLAG_PREMULTIPLIED_ALPHA);
}

static void
test_talking_redraws_one_tile (Fixture *f, gconstpointer data)
{
  McuTileLabel tiles[4];
  McuTileLabel moved[4];
  g_autoptr (GstVideoOverlayComposition) first = NULL;
  g_autoptr (GstVideoOverlayComposition) same = NULL;
  g_autoptr (GstVideoOverlayComposition) talking = NULL;
  g_autoptr (GstVideoOverlayComposition) swapped = NULL;
  guint width, height;

  grid_2x2 (tiles);
  for (guint i = 0; i < 4; i++)
    tiles[i].talking = FALSE;
  mcu_tile_overlay_set_tiles (f->overlay, tiles, 4);
  first = mcu_tile_overlay_ref_composition (f->overlay);
  g_assert_cmpuint (gst_video_overlay_composition_n_rectangles (first), ==, 4);

  /* Nothing changed: every rectangle is kept. */
  mcu_tile_overlay_set_tiles (f->overlay, tiles, 4);
  same = mcu_tile_overlay_ref_composition (f->overlay);
  for (guint i = 0; i < 4; i++)
    g_assert_true (rectangle_of (first, &tiles[i]) == rectangle_of (same, &tiles[i]));

  /* Tile 1 talks: only its rectangle is new, and it holds the name and
   * the dot, not the whole tile (the frame is filled). */
  tiles[1].talking = TRUE;
  mcu_tile_overlay_set_tiles (f->overlay, tiles, 4);
  talking = mcu_tile_overlay_ref_composition (f->overlay);
  for (guint i = 0; i < 4; i++)
    g_assert_true ((rectangle_of (first, &tiles[i]) == rectangle_of (talking, &tiles[i]))
                   == (i != 1));
  gst_video_overlay_rectangle_get_render_rectangle (rectangle_of (talking, &tiles[1]), NULL, NULL,
                                                    &width, &height);
  g_assert_cmpuint (width * height, <, 640 * 360 / 10);

  /* Two tiles of the same size trade places: moved, not drawn again. */
  memcpy (moved, tiles, sizeof tiles);
  moved[0].rect = tiles[3].rect;
  moved[3].rect = tiles[0].rect;
  mcu_tile_overlay_set_tiles (f->overlay, moved, 4);
  swapped = mcu_tile_overlay_ref_composition (f->overlay);
  g_assert_true (pixels_of (swapped, &moved[0]) == pixels_of (talking, &tiles[0]));
  g_assert_true (pixels_of (swapped, &moved[3]) == pixels_of (talking, &tiles[3]));
  g_assert_true (rectangle_of (swapped, &moved[1]) == rectangle_of (talking, &tiles[1]));
}

/* ---- threads ---- */

typedef struct
{
  McuTileOverlay *overlay;
  gint stop;
  gint updates;
} Updater;

static gpointer
update_tiles (gpointer data)
{
  Updater *updater = data;
  McuTileLabel tiles[4];

  grid_2x2 (tiles);
  while (!g_atomic_int_get (&updater->stop))
    {
      guint n = (guint) g_atomic_int_get (&updater->updates);
      g_autofree char *name = g_strdup_printf ("UBND xã số %u", n % 7);

      /* Talking, video, a name and the number of tiles all change. */
      tiles[n % 4].talking = !tiles[n % 4].talking;
      tiles[(n / 4) % 4].has_video = !tiles[(n / 4) % 4].has_video;
      tiles[2].name = name;
      mcu_tile_overlay_set_tiles (updater->overlay, tiles, 1 + n % 4);
      g_atomic_int_inc (&updater->updates);
    }
  return NULL;
}

static void
test_set_tiles_while_blending (Fixture *f, gconstpointer data)
{
  Updater updater = { f->overlay, FALSE, 0 };
  GThread *thread;
  gint before, during;
  guint blends;

  thread = g_thread_new ("set-tiles", update_tiles, &updater);
  while (g_atomic_int_get (&updater.updates) == 0)
    g_thread_yield ();
  before = g_atomic_int_get (&updater.updates);
  /* A few hundred frames, across some fifty new scenes. */
  for (blends = 0; blends < 300 || g_atomic_int_get (&updater.updates) - before < 50; blends++)
    g_assert_true (mcu_tile_overlay_blend (f->overlay, f->buffer, &f->info));
  during = g_atomic_int_get (&updater.updates) - before;
  g_atomic_int_set (&updater.stop, TRUE);
  g_thread_join (thread);

  g_test_message ("%u blends beside %d set_tiles", blends, during);
}

/* ---- cost ---- */

static double
time_blends (Fixture *f, guint n)
{
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++)
    g_assert_true (mcu_tile_overlay_blend (f->overlay, f->buffer, &f->info));
  return (g_get_monotonic_time () - start) / 1000.0;
}

static void
test_cost (Fixture *f, gconstpointer data)
{
  /* 1+5 with five sites: four labels and a placeholder. */
  McuTileLabel tiles[5] = {
    tile (0, 0, 852, 480, "UBND huyện Tam Đảo", FALSE, TRUE),
    tile (852, 0, 426, 240, "UBND xã Đạo Trù", FALSE, TRUE),
    tile (852, 240, 426, 240, "UBND xã Hồ Sơn", FALSE, TRUE),
    tile (0, 480, 426, 240, "UBND xã Tam Quan", FALSE, TRUE),
    tile (426, 480, 426, 240, "UBND xã Đại Đình", FALSE, FALSE),
  };
  gint64 start;
  double ms;

  start = g_get_monotonic_time ();
  mcu_tile_overlay_set_tiles (f->overlay, tiles, 5);
  g_test_message ("set_tiles, 5 tiles drawn: %.2f ms", (g_get_monotonic_time () - start) / 1000.0);
  ms = time_blends (f, 500);
  g_test_message ("500 blends, 4 labels + 1 placeholder, nobody talking: %.1f ms, %.3f ms a frame",
                  ms, ms / 500);

  tiles[0].talking = TRUE;
  start = g_get_monotonic_time ();
  mcu_tile_overlay_set_tiles (f->overlay, tiles, 5);
  g_test_message ("set_tiles, one tile drawn again: %.2f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  ms = time_blends (f, 500);
  g_test_message ("500 blends, the same with the large tile talking: %.1f ms, %.3f ms a frame", ms,
                  ms / 500);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/mcu/tile-overlay/label-band", test_label_band);
  ADD ("/mcu/tile-overlay/placeholder", test_placeholder);
  ADD ("/mcu/tile-overlay/talking-frame", test_talking_frame);
  ADD ("/mcu/tile-overlay/small-tile", test_small_tile);
  ADD ("/mcu/tile-overlay/vietnamese-glyphs", test_vietnamese_glyphs);
  g_test_add_func ("/mcu/tile-overlay/vietnamese-without-fallback",
                   test_vietnamese_without_fallback);
  ADD ("/mcu/tile-overlay/hostile-names", test_hostile_names);
  ADD ("/mcu/tile-overlay/unmappable", test_unmappable);
  ADD ("/mcu/tile-overlay/no-tiles", test_no_tiles);
  ADD ("/mcu/tile-overlay/talking-redraws-one-tile", test_talking_redraws_one_tile);
  ADD ("/mcu/tile-overlay/set-tiles-while-blending", test_set_tiles_while_blending);
  ADD ("/mcu/tile-overlay/cost", test_cost);
#undef ADD

  return g_test_run ();
}
