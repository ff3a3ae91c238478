/* mcu-tile-overlay.c: McuTileOverlay, the site names, talking marks and
 * placeholders drawn over a room's composite.
 *
 * A site's name (and the talking dot before it) is drawn once with pango
 * and cairo into a small ARGB image, premultiplied as cairo draws, wrapped
 * in a GstVideoOverlayRectangle and blended with
 * gst_video_overlay_composition_blend().  That blend costs 10 to 20 ns
 * for every pixel a rectangle covers, clear or not: drawn as images, a
 * 1280×720 placeholder took 19 ms a frame and the talking frame round a
 * 1280×720 tile 6 ms.  So whatever is one flat colour is not an image but
 * a patch that blend writes into the planes itself: a placeholder's slate
 * and the four sides of the green frame (filled), the band under a name
 * (darkened).  Images cover only the text.
 *
 * set_tiles, on the main thread, keeps each tile's drawing by what it
 * shows (name, size, talking, has video), so that a change redraws only
 * the tiles it touches, then swaps in a new scene: the patches and the
 * composition.  blend, on the compositor's streaming thread, only refs
 * the scene under the lock and draws it, with no pango work.
 */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include <string.h>

#include <pango/pangocairo.h>

#include "mcu-tile-overlay.h"

#define FONT_FAMILY "DejaVu Sans Bold"
/* Names come from the network; a longer one would not fit a tile anyway. */
#define MAX_NAME_CHARS 200
/* Below this a name would cover most of the picture. */
#define MIN_LABEL_TILE_HEIGHT 64
#define FRAME_WIDTH 4
#define BAND_ALPHA 153 /* 0.6 */
#define BAND_RGB 0x000000
#define TALKING_RGB 0x3ddc84
#define PLACEHOLDER_RGB 0x2b3a4a

/* A flat colour over part of the composite (or of a tile, in a Drawing). */
typedef struct
{
  McuRect rect;
  guint32 rgb;
  guint8 alpha; /* 255: the colour replaces the picture */
} Patch;

/* A placeholder's slate or a band, and the four sides of a frame */
#define MAX_PATCHES 5

/* One tile's drawing, kept while some tile shows the same thing. */
typedef struct
{
  Patch patches[MAX_PATCHES]; /* in the tile's coordinates, in drawing order */
  guint n_patches;
  McuRect name_area;              /* within the tile */
  GstBuffer *name;                /* ARGB with GstVideoMeta, name_area's size; nullable */
  GstVideoOverlayRectangle *rect; /* the name where it was last placed */
  guint generation;               /* of the last set_tiles that used it */
} Drawing;

/* What blend draws: never changed once made, shared by reference. */
typedef struct
{
  GArray *patches;                         /* Patch, under the composition */
  GstVideoOverlayComposition *composition; /* the names; nullable */
} Scene;

struct _McuTileOverlay
{
  GObject parent_instance;

  guint width;
  guint height;

  /* Not taken by blend: the drawings and pango, which is not thread-safe,
   * are used by one set_tiles (or unknown_glyphs) at a time. */
  GMutex render_lock;
  PangoFontMap *font_map;
  PangoContext *pango;
  GHashTable *drawings; /* key (see drawing_key) -> Drawing */
  guint generation;

  /* Taken by both threads, only to swap or ref the scene. */
  GMutex lock;
  Scene *scene; /* NULL: nothing to draw */
};

G_DEFINE_FINAL_TYPE (McuTileOverlay, mcu_tile_overlay, G_TYPE_OBJECT)

static void
scene_clear (gpointer data)
{
  Scene *scene = data;

  g_array_unref (scene->patches);
  g_clear_pointer (&scene->composition, gst_video_overlay_composition_unref);
}

static void
scene_unref (Scene *scene)
{
  g_atomic_rc_box_release_full (scene, scene_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Scene, scene_unref)

static void
drawing_free (gpointer data)
{
  Drawing *drawing = data;

  g_clear_pointer (&drawing->rect, gst_video_overlay_rectangle_unref);
  gst_clear_buffer (&drawing->name);
  g_free (drawing);
}

static void
mcu_tile_overlay_finalize (GObject *object)
{
  McuTileOverlay *self = MCU_TILE_OVERLAY (object);

  g_clear_pointer (&self->scene, scene_unref);
  g_hash_table_unref (self->drawings);
  g_clear_object (&self->pango);
  g_clear_object (&self->font_map);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->render_lock);

  G_OBJECT_CLASS (mcu_tile_overlay_parent_class)->finalize (object);
}

static void
mcu_tile_overlay_class_init (McuTileOverlayClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mcu_tile_overlay_finalize;
}

static void
mcu_tile_overlay_init (McuTileOverlay *self)
{
  cairo_font_options_t *options = cairo_font_options_create ();

  g_mutex_init (&self->lock);
  g_mutex_init (&self->render_lock);
  self->drawings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, drawing_free);

  /* A font map of our own: the default one belongs to the thread that
   * first asked for it, and set_tiles may run on any thread. */
  self->font_map = pango_cairo_font_map_new ();
  self->pango = pango_font_map_create_context (self->font_map);
  /* Grey antialiasing: subpixel colour fringes would show once the
   * picture is encoded. */
  cairo_font_options_set_antialias (options, CAIRO_ANTIALIAS_GRAY);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_SLIGHT);
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  pango_cairo_context_set_font_options (self->pango, options);
  cairo_font_options_destroy (options);
}

/**
 * mcu_tile_overlay_new:
 * @width: the composite's width in pixels
 * @height: the composite's height in pixels
 *
 * Returns: (transfer full): an overlay that draws nothing until
 *   mcu_tile_overlay_set_tiles() is called.
 */
McuTileOverlay *
mcu_tile_overlay_new (guint width, guint height)
{
  McuTileOverlay *self;

  g_return_val_if_fail (width > 0 && height > 0, NULL);

  self = g_object_new (MCU_TYPE_TILE_OVERLAY, NULL);
  self->width = width;
  self->height = height;
  return self;
}

/* ---- names ---- */

/* Valid UTF-8 in NFC (a name typed as base letters and combining marks
 * draws like the precomposed one), at most MAX_NAME_CHARS characters, on
 * one line, without the format characters that could reorder it. */
static char *
clean_name (const char *name)
{
  /* 4 bytes a character at most: nothing past this can be shown. */
  gssize length = name ? (gssize) strnlen (name, MAX_NAME_CHARS * 4) : 0;
  g_autofree char *valid = g_utf8_make_valid (name ? name : "", length);
  g_autofree char *normal = g_utf8_normalize (valid, -1, G_NORMALIZE_NFC);
  GString *clean = g_string_sized_new (strlen (normal));
  guint n_chars = 0;

  for (const char *p = normal; *p != '\0' && n_chars < MAX_NAME_CHARS; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      GUnicodeType type = g_unichar_type (c);

      if (type == G_UNICODE_FORMAT)
        continue;
      if (type == G_UNICODE_CONTROL || type == G_UNICODE_LINE_SEPARATOR
          || type == G_UNICODE_PARAGRAPH_SEPARATOR)
        c = ' ';
      g_string_append_unichar (clean, c);
      n_chars++;
    }
  return g_strstrip (g_string_free (clean, FALSE));
}

/* @width 0: not limited; @max_lines 1: one line, else wrapped and
 * centred. */
static PangoLayout *
make_layout (McuTileOverlay *self, const char *text, int px, int width, int max_lines)
{
  PangoLayout *layout = pango_layout_new (self->pango);
  g_autoptr (PangoFontDescription) font = pango_font_description_from_string (FONT_FAMILY);

  pango_font_description_set_absolute_size (font, px * PANGO_SCALE);
  pango_layout_set_font_description (layout, font);
  /* Plain text, never markup: a name is whatever a site sent. */
  pango_layout_set_text (layout, text, -1);
  if (width > 0)
    {
      pango_layout_set_width (layout, width * PANGO_SCALE);
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
    }
  if (max_lines > 1)
    {
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
      pango_layout_set_height (layout, -max_lines);
      pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
    }
  else
    pango_layout_set_single_paragraph_mode (layout, TRUE);

  if (pango_layout_get_unknown_glyphs_count (layout) > 0)
    g_debug ("“%s” has characters that %s lacks", text, FONT_FAMILY);
  return layout;
}

static int
label_px (guint tile_height)
{
  return CLAMP ((int) tile_height / 14, 11, 28);
}

static int
placeholder_px (guint tile_height)
{
  return CLAMP ((int) tile_height / 9, 12, 44);
}

/* ---- drawing a tile ---- */

/* Where a tile's name goes, in the tile's coordinates. */
typedef struct
{
  PangoLayout *layout; /* nullable */
  int x;
  int y;
  int dot; /* the talking dot's diameter, left of the name; 0: none */
  int dot_x;
  int dot_y; /* its centre */
} Name;

static void
name_clear (Name *name)
{
  g_clear_object (&name->layout);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Name, name_clear)

static void
add_patch (Drawing *drawing, guint x, guint y, guint width, guint height, guint32 rgb, guint8 alpha)
{
  g_assert (drawing->n_patches < MAX_PATCHES);
  if (width > 0 && height > 0)
    drawing->patches[drawing->n_patches++] = (Patch){ { x, y, width, height }, rgb, alpha };
}

/* The name on a darkened band along the bottom, after a dot when
 * talking, ellipsized to the tile's width. */
static void
plan_label (McuTileOverlay *self, Drawing *drawing, Name *name, const char *text, guint width,
            guint height, gboolean talking)
{
  int px = label_px (height);
  int padding = MAX (FRAME_WIDTH + 4, px / 2);
  int band_padding = MAX (FRAME_WIDTH + 2, px / 3);
  int dot = talking ? px * 3 / 5 : 0;
  int text_x = padding + (dot > 0 ? dot + px * 2 / 5 : 0);
  int text_width = (int) width - text_x - padding;
  int text_height;
  guint band_height;

  name->layout = make_layout (self, text, px, MAX (text_width, 1), 1);
  pango_layout_get_pixel_size (name->layout, NULL, &text_height);
  /* Even, for I420's chroma rows. */
  band_height = MIN ((guint) (text_height + 2 * band_padding + 1) & ~1u, height);
  add_patch (drawing, 0, height - band_height, width, band_height, BAND_RGB, BAND_ALPHA);

  name->x = text_x;
  name->y = (int) (height - band_height) + ((int) band_height - text_height) / 2;
  name->dot = dot;
  name->dot_x = padding;
  name->dot_y = (int) (height - band_height / 2);
  if (text_width < px)
    g_clear_object (&name->layout);
}

/* A placeholder: slate, and the name larger in the middle on at most two
 * lines. */
static void
plan_placeholder (McuTileOverlay *self, Drawing *drawing, Name *name, const char *text, guint width,
                  guint height, gboolean named)
{
  int px = placeholder_px (height);
  int padding = MAX (FRAME_WIDTH + 4, px / 2);
  int text_width = (int) width - 2 * padding;
  int text_height;

  add_patch (drawing, 0, 0, width, height, PLACEHOLDER_RGB, 255);
  if (!named || text_width < px)
    return;
  name->layout = make_layout (self, text, px, text_width, 2);
  pango_layout_get_pixel_size (name->layout, NULL, &text_height);
  name->x = padding;
  name->y = ((int) height - text_height) / 2;
}

static void
plan_frame (Drawing *drawing, guint width, guint height)
{
  guint side = MIN (FRAME_WIDTH, MIN (width, height) / 2);

  add_patch (drawing, 0, 0, width, side, TALKING_RGB, 255);
  add_patch (drawing, 0, height - side, width, side, TALKING_RGB, 255);
  add_patch (drawing, 0, side, side, height - 2 * side, TALKING_RGB, 255);
  add_patch (drawing, width - side, side, side, height - 2 * side, TALKING_RGB, 255);
}

/* The part of the tile that the name and the dot cover, with a pixel to
 * spare for antialiasing, on even pixels for I420's chroma. */
static McuRect
name_area (const Name *name, guint width, guint height)
{
  PangoRectangle ink, logical;
  int left, top, right, bottom;

  pango_layout_get_pixel_extents (name->layout, &ink, &logical);
  left = name->x + MIN (ink.x, logical.x) - 1;
  right = name->x + MAX (ink.x + ink.width, logical.x + logical.width) + 1;
  top = name->y + MIN (ink.y, logical.y) - 1;
  bottom = name->y + MAX (ink.y + ink.height, logical.y + logical.height) + 1;
  if (name->dot > 0)
    {
      left = MIN (left, name->dot_x - 1);
      top = MIN (top, name->dot_y - name->dot / 2 - 1);
      bottom = MAX (bottom, name->dot_y + name->dot / 2 + 1);
    }
  left = CLAMP (left, 0, (int) width) & ~1;
  top = CLAMP (top, 0, (int) height) & ~1;
  right = MIN ((right + 1) & ~1, (int) width);
  bottom = MIN ((bottom + 1) & ~1, (int) height);
  return (McuRect){ left, top, MAX (right - left, 0), MAX (bottom - top, 0) };
}

/* The name (and dot) as an ARGB image of @area. */
static GstBuffer *
paint_name (const Name *name, const McuRect *area)
{
  g_autoptr (GstBuffer) pixels = NULL;
  GstMapInfo map;
  cairo_surface_t *surface;
  cairo_t *cr;

  pixels = gst_buffer_new_allocate (NULL, (gsize) area->width * area->height * 4, NULL);
  if (!gst_buffer_map (pixels, &map, GST_MAP_WRITE))
    return NULL;
  memset (map.data, 0, map.size);
  surface = cairo_image_surface_create_for_data (map.data, CAIRO_FORMAT_ARGB32, area->width,
                                                 area->height, area->width * 4);
  cr = cairo_create (surface);
  cairo_translate (cr, -(double) area->x, -(double) area->y);
  if (name->dot > 0)
    {
      /* Drawn, not a glyph: no font needs to have one. */
      cairo_set_source_rgb (cr, ((TALKING_RGB >> 16) & 0xff) / 255.0,
                            ((TALKING_RGB >> 8) & 0xff) / 255.0, (TALKING_RGB & 0xff) / 255.0);
      cairo_arc (cr, name->dot_x + name->dot / 2.0, name->dot_y, name->dot / 2.0, 0, 2 * G_PI);
      cairo_fill (cr);
    }
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_move_to (cr, name->x, name->y);
  pango_cairo_show_layout (cr, name->layout);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  gst_buffer_unmap (pixels, &map);

  /* GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB is cairo's ARGB32: 32-bit
   * words, blue in the low byte, on either endianness. */
  gst_buffer_add_video_meta (pixels, GST_VIDEO_FRAME_FLAG_NONE,
                             GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB, area->width, area->height);
  return g_steal_pointer (&pixels);
}

/* Draws what a tile shows over its picture; NULL when that is nothing
 * (a small tile with video, not talking). */
static Drawing *
draw_tile (McuTileOverlay *self, const char *text, guint width, guint height, gboolean talking,
           gboolean has_video)
{
  gboolean named = height >= MIN_LABEL_TILE_HEIGHT && text[0] != '\0';
  g_auto (Name) name = { NULL };
  Drawing *drawing;

  if (has_video && !named && !talking)
    return NULL;

  drawing = g_new0 (Drawing, 1);
  if (!has_video)
    plan_placeholder (self, drawing, &name, text, width, height, named);
  else if (named)
    plan_label (self, drawing, &name, text, width, height, talking);
  /* After the band, which it crosses. */
  if (talking)
    plan_frame (drawing, width, height);

  if (name.layout != NULL)
    {
      drawing->name_area = name_area (&name, width, height);
      if (drawing->name_area.width > 0 && drawing->name_area.height > 0)
        drawing->name = paint_name (&name, &drawing->name_area);
    }
  return drawing;
}

static char *
drawing_key (const char *name, guint width, guint height, gboolean talking, gboolean has_video)
{
  return g_strdup_printf ("%ux%u %c%c %s", width, height, talking ? 'T' : '-',
                          has_video ? 'V' : '-', name);
}

/* The name's rectangle for a tile at (@x, @y): the one kept if it was
 * there already, so that an unchanged tile keeps its rectangle. */
static GstVideoOverlayRectangle *
place_name (McuTileOverlay *self, Drawing *drawing, guint x, guint y)
{
  GstVideoOverlayRectangle *rect;
  gint rect_x, rect_y;

  x += drawing->name_area.x;
  y += drawing->name_area.y;
  if (drawing->rect != NULL)
    {
      gst_video_overlay_rectangle_get_render_rectangle (drawing->rect, &rect_x, &rect_y, NULL,
                                                        NULL);
      if ((guint) rect_x == x && (guint) rect_y == y)
        return gst_video_overlay_rectangle_ref (drawing->rect);
    }

  /* cairo draws premultiplied alpha; blending must know it. */
  rect = gst_video_overlay_rectangle_new_raw (drawing->name, x, y, drawing->name_area.width,
                                              drawing->name_area.height,
                                              GST_VIDEO_OVERLAY_FORMAT_FLAG_PREMULTIPLIED_ALPHA);
  /* A second tile showing the same thing elsewhere gets a rectangle of its
   * own but leaves the kept one to the first. */
  if (drawing->generation != self->generation || drawing->rect == NULL)
    {
      g_clear_pointer (&drawing->rect, gst_video_overlay_rectangle_unref);
      drawing->rect = gst_video_overlay_rectangle_ref (rect);
    }
  return rect;
}

static gboolean
drawing_is_stale (gpointer key, gpointer value, gpointer user_data)
{
  McuTileOverlay *self = user_data;
  Drawing *drawing = value;

  return drawing->generation != self->generation;
}

/**
 * mcu_tile_overlay_set_tiles:
 * @self: the overlay
 * @tiles: (array length=n_tiles) (nullable): what each tile shows; copied
 * @n_tiles: how many; 0 draws nothing
 *
 * Redraws the tiles whose name, size, talking or video changed and makes
 * what mcu_tile_overlay_blend() draws from now on.  Called from the main
 * thread (calls from several threads are serialised); a tile is clipped
 * to the composite.
 */
void
mcu_tile_overlay_set_tiles (McuTileOverlay *self, const McuTileLabel *tiles, guint n_tiles)
{
  g_autoptr (GMutexLocker) render_locker = NULL;
  g_autoptr (GArray) patches = NULL;
  g_autoptr (GstVideoOverlayComposition) composition = NULL;
  g_autoptr (Scene) old = NULL;
  Scene *scene = NULL;

  g_return_if_fail (MCU_IS_TILE_OVERLAY (self));
  g_return_if_fail (tiles != NULL || n_tiles == 0);

  render_locker = g_mutex_locker_new (&self->render_lock);
  self->generation++;
  patches = g_array_new (FALSE, FALSE, sizeof (Patch));

  for (guint i = 0; i < n_tiles; i++)
    {
      McuRect tile = tiles[i].rect;
      g_autofree char *name = NULL;
      g_autofree char *key = NULL;
      Drawing *drawing;

      tile.width = tile.x < self->width ? MIN (tile.width, self->width - tile.x) : 0;
      tile.height = tile.y < self->height ? MIN (tile.height, self->height - tile.y) : 0;
      if (tile.width == 0 || tile.height == 0)
        continue;
      name = clean_name (tiles[i].name);
      key = drawing_key (name, tile.width, tile.height, tiles[i].talking, tiles[i].has_video);
      drawing = g_hash_table_lookup (self->drawings, key);
      if (drawing == NULL)
        {
          drawing = draw_tile (self, name, tile.width, tile.height, tiles[i].talking,
                               tiles[i].has_video);
          if (drawing == NULL)
            continue;
          g_hash_table_insert (self->drawings, g_steal_pointer (&key), drawing);
        }

      for (guint p = 0; p < drawing->n_patches; p++)
        {
          Patch patch = drawing->patches[p];

          patch.rect.x += tile.x;
          patch.rect.y += tile.y;
          g_array_append_val (patches, patch);
        }
      if (drawing->name != NULL)
        {
          g_autoptr (GstVideoOverlayRectangle) rect = place_name (self, drawing, tile.x, tile.y);

          if (composition == NULL)
            composition = gst_video_overlay_composition_new (rect);
          else
            gst_video_overlay_composition_add_rectangle (composition, rect);
        }
      drawing->generation = self->generation;
    }
  g_hash_table_foreach_remove (self->drawings, drawing_is_stale, self);

  if (patches->len > 0 || composition != NULL)
    {
      scene = g_atomic_rc_box_new0 (Scene);
      scene->patches = g_steal_pointer (&patches);
      scene->composition = g_steal_pointer (&composition);
    }
  {
    g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

    old = g_steal_pointer (&self->scene);
    self->scene = scene;
  }
  /* The old scene goes once the lock is let go (and, if a frame is being
   * drawn with it, once that frame is done). */
}

/* ---- drawing on the composite ---- */

/* Patches are written for the planar 8-bit YUV formats, I420 among them
 * (gst_video_blend() would take any raw format). */
static gboolean
is_planar_yuv8 (const GstVideoFormatInfo *finfo)
{
  if (!GST_VIDEO_FORMAT_INFO_IS_YUV (finfo) || GST_VIDEO_FORMAT_INFO_IS_COMPLEX (finfo)
      || GST_VIDEO_FORMAT_INFO_N_COMPONENTS (finfo) < 3)
    return FALSE;
  for (guint c = 0; c < 3; c++)
    if (GST_VIDEO_FORMAT_INFO_DEPTH (finfo, c) != 8
        || GST_VIDEO_FORMAT_INFO_PSTRIDE (finfo, c) != 1)
      return FALSE;
  return TRUE;
}

/* @rgb in the frame's own matrix and range; those of 720p (and of the
 * names gst_video_blend() draws) when the frame does not say. */
static void
frame_yuv (const GstVideoInfo *info, guint32 rgb, guint8 yuv[3])
{
  double r = ((rgb >> 16) & 0xff) / 255.0;
  double g = ((rgb >> 8) & 0xff) / 255.0;
  double b = (rgb & 0xff) / 255.0;
  GstVideoColorRange range = info->colorimetry.range;
  gint offset[GST_VIDEO_MAX_COMPONENTS], scale[GST_VIDEO_MAX_COMPONENTS];
  double kr, kb, luma;

  if (!gst_video_color_matrix_get_Kr_Kb (info->colorimetry.matrix, &kr, &kb))
    {
      kr = 0.2126;
      kb = 0.0722;
    }
  if (range == GST_VIDEO_COLOR_RANGE_UNKNOWN)
    range = GST_VIDEO_COLOR_RANGE_16_235;
  gst_video_color_range_offsets (range, info->finfo, offset, scale);
  luma = kr * r + (1 - kr - kb) * g + kb * b;
  yuv[0] = (guint8) CLAMP (offset[0] + scale[0] * luma + 0.5, 0, 255);
  yuv[1] = (guint8) CLAMP (offset[1] + scale[1] * (b - luma) / (2 * (1 - kb)) + 0.5, 0, 255);
  yuv[2] = (guint8) CLAMP (offset[2] + scale[2] * (r - luma) / (2 * (1 - kr)) + 0.5, 0, 255);
}

static void
draw_patch (GstVideoFrame *frame, const Patch *patch)
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  const McuRect *rect = &patch->rect;
  guint8 yuv[3];

  frame_yuv (&frame->info, patch->rgb, yuv);
  for (guint c = 0; c < 3; c++)
    {
      guint8 *data = GST_VIDEO_FRAME_COMP_DATA (frame, c);
      gsize stride = GST_VIDEO_FRAME_COMP_STRIDE (frame, c);
      guint width = GST_VIDEO_FRAME_COMP_WIDTH (frame, c);
      guint height = GST_VIDEO_FRAME_COMP_HEIGHT (frame, c);
      guint x0 = MIN ((guint) GST_VIDEO_FORMAT_INFO_SCALE_WIDTH (finfo, c, rect->x), width);
      guint x1 = MIN ((guint) GST_VIDEO_FORMAT_INFO_SCALE_WIDTH (finfo, c, rect->x + rect->width),
                      width);
      guint y0 = MIN ((guint) GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (finfo, c, rect->y), height);
      guint y1 = MIN ((guint) GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (finfo, c, rect->y + rect->height),
                      height);
      guint8 mixed[256];

      if (patch->alpha == 255)
        {
          for (guint y = y0; y < y1; y++)
            memset (data + y * stride + x0, yuv[c], x1 - x0);
          continue;
        }
      /* A table: a band is some 100 000 values a frame, a division each. */
      for (guint v = 0; v < 256; v++)
        mixed[v] = (v * (255 - patch->alpha) + yuv[c] * patch->alpha + 127) / 255;
      for (guint y = y0; y < y1; y++)
        {
          guint8 *row = data + y * stride;

          for (guint x = x0; x < x1; x++)
            row[x] = mixed[row[x]];
        }
    }
}

/**
 * mcu_tile_overlay_blend:
 * @self: the overlay
 * @buffer: a writable composite frame
 * @info: its format: planar 8-bit YUV (the compositor's I420)
 *
 * Draws the tiles' overlay on @buffer.  Called on the streaming thread for
 * every frame: it only draws what mcu_tile_overlay_set_tiles() made.
 *
 * Returns: %FALSE if @buffer could not be mapped for writing (it is left
 *   as it was).
 */
gboolean
mcu_tile_overlay_blend (McuTileOverlay *self, GstBuffer *buffer, const GstVideoInfo *info)
{
  g_autoptr (Scene) scene = NULL;
  GstVideoFrame frame;

  g_return_val_if_fail (MCU_IS_TILE_OVERLAY (self), FALSE);
  g_return_val_if_fail (GST_IS_BUFFER (buffer), FALSE);
  g_return_val_if_fail (info != NULL && is_planar_yuv8 (info->finfo), FALSE);

  {
    g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

    if (self->scene != NULL)
      scene = g_atomic_rc_box_acquire (self->scene);
  }
  if (scene == NULL)
    return TRUE;

  if (!gst_video_frame_map (&frame, info, buffer, GST_MAP_READWRITE))
    return FALSE;
  for (guint i = 0; i < scene->patches->len; i++)
    draw_patch (&frame, &g_array_index (scene->patches, Patch, i));
  if (scene->composition != NULL)
    gst_video_overlay_composition_blend (scene->composition, &frame);
  gst_video_frame_unmap (&frame);
  return TRUE;
}

/**
 * mcu_tile_overlay_ref_composition:
 * @self: the overlay
 *
 * For tests and diagnostics: the names (with their talking dots) that
 * mcu_tile_overlay_blend() blends now, one rectangle a tile; the flat
 * patches under them are not in it.  A tile whose drawing did not change
 * keeps the same rectangle from one composition to the next.
 *
 * Returns: (transfer full) (nullable): the composition, or %NULL when
 *   there is no name to blend.
 */
GstVideoOverlayComposition *
mcu_tile_overlay_ref_composition (McuTileOverlay *self)
{
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_val_if_fail (MCU_IS_TILE_OVERLAY (self), NULL);

  locker = g_mutex_locker_new (&self->lock);
  if (self->scene == NULL || self->scene->composition == NULL)
    return NULL;
  return gst_video_overlay_composition_ref (self->scene->composition);
}

/**
 * mcu_tile_overlay_unknown_glyphs:
 * @self: the overlay
 * @name: a site's name as it arrives (any bytes)
 * @shown: (out) (optional) (transfer full): the text a tile would show:
 *   valid UTF-8, capped, on one line
 *
 * For tests and diagnostics: whether the labels' font draws every
 * character of @name.
 *
 * Returns: how many characters of the shown text no font has (drawn as
 *   boxes); 0 for Vietnamese with DejaVu Sans.
 */
guint
mcu_tile_overlay_unknown_glyphs (McuTileOverlay *self, const char *name, char **shown)
{
  g_autoptr (GMutexLocker) render_locker = NULL;
  g_autofree char *clean = NULL;
  g_autoptr (PangoLayout) layout = NULL;
  guint unknown;

  g_return_val_if_fail (MCU_IS_TILE_OVERLAY (self), 0);

  render_locker = g_mutex_locker_new (&self->render_lock);
  clean = clean_name (name);
  layout = make_layout (self, clean, label_px (self->height), 0, 1);
  unknown = (guint) pango_layout_get_unknown_glyphs_count (layout);
  if (shown != NULL)
    *shown = g_steal_pointer (&clean);
  return unknown;
}
