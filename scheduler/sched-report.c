/* sched-report.c: /api/v1/reports/online-ratio.pdf and the chart.
 *
 * The database worker only gathers the figures (through
 * sched_stats_compute(), so the report can never count differently from
 * the API); the drawing runs afterwards on another thread
 * (SchedResponse.render), so a report never holds up the bookings.
 */
#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "config.h"

#include <locale.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <string.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#include "sched-json.h"
#include "sched-report.h"
#include "sched-stats.h"

#define A4_WIDTH 595.0
#define A4_HEIGHT 842.0
#define MARGIN 56.0
#define FONT "DejaVu Sans"
#define CHART_WIDTH 800.0
#define CHART_HEIGHT 420.0

/* ---- gathering, on the database worker ------------------------------------ */

static JsonNode *
stats (SchedDb *db, SchedRequest *request, const char *group, GError **error)
{
  g_hash_table_replace (request->query, g_strdup ("group"), g_strdup (group));
  return sched_stats_compute (db, request, error);
}

static JsonNode *
names (SchedDb *db, const char *sql, GError **error)
{
  g_autoptr (SchedStmt) stmt = sched_db_prepare (db, sql, error);
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();

  if (stmt == NULL)
    return NULL;
  json_builder_begin_object (builder);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      json_builder_set_member_name (builder, (const char *) sqlite3_column_text (stmt, 0));
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 1));
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/**
 * sched_report_handle:
 * @db: the database
 * @request: GET /api/v1/reports/online-ratio.pdf (or online-ratio-chart.svg,
 *   online-ratio-chart.png) with ?year=YYYY or ?from=…&to=…
 * @response: the figures, with the renderer that draws them
 * @error: what is wrong
 *
 * Returns: whether @response was filled.
 */
gboolean
sched_report_handle (SchedDb *db, SchedRequest *request, SchedResponse *response, GError **error)
{
  static const char *const params[] = { "year", "from", "to", "lang", NULL };
  const char *lang = sched_request_query (request, "lang");
  const char *file = request->args[0];
  g_autofree char *year = g_strdup (sched_request_query (request, "year"));
  const char *format;
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (GHashTable) original = NULL;
  JsonNode *monthly, *categories, *districts, *district_names, *labels;

  if (g_str_equal (file, "online-ratio.pdf"))
    format = "pdf";
  else if (g_str_equal (file, "online-ratio-chart.svg"))
    format = "svg";
  else if (g_str_equal (file, "online-ratio-chart.png"))
    format = "png";
  else
    {
      g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, _ ("There is no report “%s”."), file);
      return FALSE;
    }
  if (!sched_request_check_query (request, params, error))
    return FALSE;
  if (lang != NULL && !g_str_equal (lang, "vi") && !g_str_equal (lang, "en"))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("“%s” is not a language: use vi or en."),
                   lang);
      return FALSE;
    }
  lang = g_intern_string (lang != NULL ? lang : "vi");
  g_hash_table_remove (request->query, "lang");
  if (year != NULL)
    {
      guint64 y;

      if (sched_request_query (request, "from") != NULL
          || sched_request_query (request, "to") != NULL
          || !g_ascii_string_to_unsigned (year, 10, 2000, 2099, &y, NULL))
        {
          g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                               _ ("Give either ?year=YYYY (2000–2099) or ?from=…&to=…."));
          return FALSE;
        }
      g_hash_table_replace (request->query, g_strdup ("from"),
                            g_strdup_printf ("%04u-01-01T00:00:00+07:00", (guint) y));
      g_hash_table_replace (request->query, g_strdup ("to"),
                            g_strdup_printf ("%04u-01-01T00:00:00+07:00", (guint) y + 1));
      g_hash_table_remove (request->query, "year");
    }

  monthly = stats (db, request, "month", error);
  if (monthly == NULL)
    return FALSE;
  categories = stats (db, request, "category", error);
  districts = categories != NULL ? stats (db, request, "unit", error) : NULL;
  district_names = districts != NULL
                       ? names (db, "SELECT code, name FROM units WHERE level = 'district'", error)
                       : NULL;
  labels = district_names != NULL ? names (db, "SELECT name, label FROM categories", error) : NULL;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "lang");
  json_builder_add_string_value (builder, lang);
  json_builder_set_member_name (builder, "year");
  if (year != NULL)
    json_builder_add_string_value (builder, year);
  else
    json_builder_add_null_value (builder);
  sched_json_add_time (builder, "generated_at", request->now);
  json_builder_set_member_name (builder, "monthly");
  json_builder_add_value (builder, monthly);
  json_builder_set_member_name (builder, "categories");
  json_builder_add_value (builder,
                          categories != NULL ? categories : json_node_new (JSON_NODE_NULL));
  json_builder_set_member_name (builder, "districts");
  json_builder_add_value (builder, districts != NULL ? districts : json_node_new (JSON_NODE_NULL));
  json_builder_set_member_name (builder, "district_names");
  json_builder_add_value (builder,
                          district_names != NULL ? district_names : json_node_new (JSON_NODE_NULL));
  json_builder_set_member_name (builder, "category_labels");
  json_builder_add_value (builder, labels != NULL ? labels : json_node_new (JSON_NODE_NULL));
  json_builder_end_object (builder);
  if (labels == NULL)
    return FALSE;

  response->status = 200;
  response->render = sched_report_render;
  response->render_data = json_builder_get_root (builder);
  response->render_format = g_strdup (format);
  return TRUE;
}

/* ---- drawing, on a rendering thread ---------------------------------------- */

/* 1009 → "1.009": Vietnamese groups thousands with dots. */
static char *
number_vi (gint64 value)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GINT64_FORMAT, value);
  g_autoptr (GString) out = g_string_new (NULL);
  gsize length = strlen (digits);

  for (gsize i = 0; i < length; i++)
    {
      if (i > 0 && (length - i) % 3 == 0 && digits[i - 1] != '-')
        g_string_append_c (out, '.');
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The font map of one rendering, kept on the cairo context: each render
 * makes and drops its own, so no thread keeps fonts it no longer needs. */
static const cairo_user_data_key_t context_key;

static void
text_at (cairo_t *cr, double x, double y, double width, const char *font, const char *text,
         PangoAlignment align, double *height)
{
  PangoContext *context = cairo_get_user_data (cr, &context_key);
  g_autoptr (PangoLayout) layout = NULL;
  PangoFontDescription *description = pango_font_description_from_string (font);
  int w, h;

  pango_cairo_update_context (cr, context);
  layout = pango_layout_new (context);
  pango_layout_set_font_description (layout, description);
  pango_font_description_free (description);
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD);
  pango_layout_set_alignment (layout, align);
  pango_layout_set_text (layout, text, -1);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
  pango_layout_get_size (layout, &w, &h);
  if (height != NULL)
    *height = (double) h / PANGO_SCALE;
}

static JsonObject *
member_object (JsonObject *object, const char *name)
{
  return object != NULL && json_object_has_member (object, name)
             ? json_object_get_object_member (object, name)
             : NULL;
}

/* Bars of meetings per month, online on top of in person, and the
 * month's online ratio as a line against the right-hand axis. */
static void
draw_chart (cairo_t *cr, double x0, double y0, double width, double height, JsonObject *monthly,
            const char *year)
{
  JsonArray *groups = json_object_get_array_member (monthly, "groups");
  gint64 online[12] = { 0 }, in_person[12] = { 0 }, top = 1;
  double plot_x = x0 + 40, plot_y = y0 + 30, plot_w = width - 90, plot_h = height - 80;
  double slot = plot_w / 12;
  double legend_y = y0 + height - 22;
  g_autofree char *title = NULL;

  for (guint i = 0; i < json_array_get_length (groups); i++)
    {
      JsonObject *g = json_array_get_object_element (groups, i);
      const char *key = json_object_get_string_member (g, "key");
      int month = (int) g_ascii_strtoll (key + 5, NULL, 10) - 1;

      if (month < 0 || month > 11)
        continue;
      online[month] += json_object_get_int_member (g, "online");
      in_person[month] += json_object_get_int_member (g, "in_person");
    }
  for (int m = 0; m < 12; m++)
    top = MAX (top, online[m] + in_person[m]);
  top = ((top + 9) / 10) * 10;

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_rectangle (cr, x0, y0, width, height);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  title = year != NULL ? g_strdup_printf (_ ("Meetings per month, %s"), year)
                       : g_strdup (_ ("Meetings per month"));
  text_at (cr, x0, y0 + 4, width, FONT " Bold 11", title, PANGO_ALIGN_CENTER, NULL);

  /* axes and grid */
  cairo_set_line_width (cr, 0.5);
  for (int i = 0; i <= 5; i++)
    {
      double y = plot_y + plot_h - plot_h * i / 5;
      g_autofree char *label = number_vi (top * i / 5);
      g_autofree char *percent = g_strdup_printf ("%d%%", i * 20);

      cairo_set_source_rgb (cr, 0.85, 0.85, 0.85);
      cairo_move_to (cr, plot_x, y);
      cairo_line_to (cr, plot_x + plot_w, y);
      cairo_stroke (cr);
      cairo_set_source_rgb (cr, 0.3, 0.3, 0.3);
      text_at (cr, x0, y - 6, 36, FONT " 7", label, PANGO_ALIGN_RIGHT, NULL);
      text_at (cr, plot_x + plot_w + 4, y - 6, 40, FONT " 7", percent, PANGO_ALIGN_LEFT, NULL);
    }

  for (int m = 0; m < 12; m++)
    {
      double bar_w = slot * 0.6, x = plot_x + slot * m + (slot - bar_w) / 2;
      double h_person = plot_h * in_person[m] / top, h_online = plot_h * online[m] / top;
      g_autofree char *label = g_strdup_printf (_ ("M%d"), m + 1);

      cairo_set_source_rgb (cr, 0.70, 0.76, 0.84);
      cairo_rectangle (cr, x, plot_y + plot_h - h_person, bar_w, h_person);
      cairo_fill (cr);
      cairo_set_source_rgb (cr, 0.05, 0.40, 0.75);
      cairo_rectangle (cr, x, plot_y + plot_h - h_person - h_online, bar_w, h_online);
      cairo_fill (cr);
      cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
      text_at (cr, plot_x + slot * m, plot_y + plot_h + 4, slot, FONT " 7", label,
               PANGO_ALIGN_CENTER, NULL);
    }

  /* the ratio line */
  cairo_set_source_rgb (cr, 0.85, 0.20, 0.15);
  cairo_set_line_width (cr, 2);
  for (int m = 0, started = 0; m < 12; m++)
    {
      gint64 held = online[m] + in_person[m], tenths;
      double x = plot_x + slot * m + slot / 2, y;

      if (held == 0)
        continue;
      sched_stats_percent (online[m], held, &tenths);
      y = plot_y + plot_h - plot_h * tenths / 1000.0;
      if (started++)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
    }
  cairo_stroke (cr);

  /* legend */
  {
    const struct
    {
      double r, g, b;
      const char *label;
    } keys[] = {
      { 0.05, 0.40, 0.75, N_ ("Online") },
      { 0.70, 0.76, 0.84, N_ ("In person") },
      { 0.85, 0.20, 0.15, N_ ("Online ratio (right axis)") },
    };

    for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
      {
        double x = plot_x + i * plot_w / 3;

        cairo_set_source_rgb (cr, keys[i].r, keys[i].g, keys[i].b);
        cairo_rectangle (cr, x, legend_y + 3, 10, 10);
        cairo_fill (cr);
        cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
        text_at (cr, x + 14, legend_y, plot_w / 3 - 16, FONT " 8", _ (keys[i].label),
                 PANGO_ALIGN_LEFT, NULL);
      }
  }
}

static double
table (cairo_t *cr, double y, const char *heading, JsonArray *groups, JsonObject *names)
{
  const double widths[] = { 223, 70, 70, 70, 50 };
  const char *head[] = { heading, _ ("Held"), _ ("Online"), _ ("In person"), _ ("Ratio") };
  double row_h = 15, x;

  cairo_set_line_width (cr, 0.5);
  for (guint r = 0; r <= json_array_get_length (groups); r++)
    {
      JsonObject *g = r > 0 ? json_array_get_object_element (groups, r - 1) : NULL;
      char *cells[5] = { NULL };

      if (g != NULL)
        {
          const char *key = json_object_get_string_member (g, "key");
          JsonObject *ratio = json_object_get_object_member (g, "ratio");

          cells[0] = g_strdup (names != NULL && json_object_has_member (names, key)
                                   ? json_object_get_string_member (names, key)
                                   : key);
          cells[1] = number_vi (json_object_get_int_member (g, "held"));
          cells[2] = number_vi (json_object_get_int_member (g, "online"));
          cells[3] = number_vi (json_object_get_int_member (g, "in_person"));
          cells[4] = g_strdup (json_object_get_string_member (ratio, "percent_vi"));
        }
      x = MARGIN;
      for (int c = 0; c < 5; c++)
        {
          cairo_set_source_rgb (cr, 0.6, 0.6, 0.6);
          cairo_rectangle (cr, x, y, widths[c], row_h);
          cairo_stroke (cr);
          cairo_set_source_rgb (cr, 0, 0, 0);
          text_at (cr, x + 3, y + 2, widths[c] - 6, r == 0 ? FONT " Bold 8" : FONT " 8",
                   r == 0 ? head[c] : cells[c], c == 0 ? PANGO_ALIGN_LEFT : PANGO_ALIGN_RIGHT,
                   NULL);
          x += widths[c];
        }
      for (int c = 0; c < 5; c++)
        g_free (cells[c]);
      y += row_h;
    }
  return y;
}

static char *
date_vi (const char *iso)
{
  g_autoptr (GDateTime) time = g_date_time_new_from_iso8601 (iso, NULL);

  /* TRANSLATORS: the place and date line of an official report */
  return g_strdup_printf (_ ("Vĩnh Phúc, day %d month %d year %d"),
                          g_date_time_get_day_of_month (time), g_date_time_get_month (time),
                          g_date_time_get_year (time));
}

static void
draw_report (cairo_t *cr, JsonObject *data)
{
  JsonObject *monthly = member_object (data, "monthly");
  JsonObject *totals = member_object (monthly, "totals");
  JsonObject *ratio = member_object (totals, "ratio");
  const char *year = json_object_get_null_member (data, "year")
                         ? NULL
                         : json_object_get_string_member (data, "year");
  g_autofree char *date = date_vi (json_object_get_string_member (data, "generated_at"));
  g_autofree char *title = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *held = number_vi (json_object_get_int_member (totals, "held"));
  g_autofree char *online = number_vi (json_object_get_int_member (totals, "online"));
  g_autofree char *in_person = number_vi (json_object_get_int_member (totals, "in_person"));
  g_autofree char *cancelled = number_vi (json_object_get_int_member (totals, "cancelled"));
  g_autofree char *missed = number_vi (json_object_get_int_member (totals, "missed"));
  double y = MARGIN, h;
  /* the motto block is the wider one, as on a real letter */
  double left_w = (A4_WIDTH - 2 * MARGIN) * 0.42, right_w = (A4_WIDTH - 2 * MARGIN) - left_w;

  double left, right;

  /* the heading of an official letter: the issuing body on the left, the
   * national motto on the right, each block as tall as its text */
  cairo_set_source_rgb (cr, 0, 0, 0);
  text_at (cr, MARGIN, y, left_w, FONT " 9", _ ("PEOPLE'S COMMITTEE OF VĨNH PHÚC PROVINCE"),
           PANGO_ALIGN_CENTER, &h);
  left = y + h;
  text_at (cr, MARGIN, left, left_w, FONT " Bold 9", _ ("OFFICE"), PANGO_ALIGN_CENTER, &h);
  left += h;
  text_at (cr, MARGIN + left_w, y, right_w, FONT " Bold 9", _ ("SOCIALIST REPUBLIC OF VIỆT NAM"),
           PANGO_ALIGN_CENTER, &h);
  right = y + h;
  text_at (cr, MARGIN + left_w, right, right_w, FONT " Bold 9",
           _ ("Independence – Freedom – Happiness"), PANGO_ALIGN_CENTER, &h);
  right += h + 8;
  text_at (cr, MARGIN + left_w, right, right_w, FONT " Italic 9", date, PANGO_ALIGN_CENTER, &h);
  y = MAX (left, right + h) + 24;
  title = year != NULL ? g_strdup_printf (_ ("REPORT ON THE ONLINE-MEETING RATIO, YEAR %s"), year)
                       : g_strdup (_ ("REPORT ON THE ONLINE-MEETING RATIO"));
  text_at (cr, MARGIN, y, A4_WIDTH - 2 * MARGIN, FONT " Bold 13", title, PANGO_ALIGN_CENTER, &h);
  y += h + 16;

  summary = g_strdup_printf (
      _ ("Meetings held between the province and its districts and communes: %s; of them "
         "online: %s, that is %s; in person: %s. Cancelled: %s; not held: %s."),
      held, online, json_object_get_string_member (ratio, "percent_vi"), in_person, cancelled,
      missed);
  text_at (cr, MARGIN, y, A4_WIDTH - 2 * MARGIN, FONT " 10", summary, PANGO_ALIGN_LEFT, &h);
  y += h + 12;

  y = table (cr, y, _ ("By category"),
             json_object_get_array_member (member_object (data, "categories"), "groups"),
             member_object (data, "category_labels"));
  y += 10;
  y = table (cr, y, _ ("By district (with its communes)"),
             json_object_get_array_member (member_object (data, "districts"), "groups"),
             member_object (data, "district_names"));
  y += 12;

  cairo_save (cr);
  cairo_translate (cr, MARGIN, y);
  cairo_scale (cr, (A4_WIDTH - 2 * MARGIN) / CHART_WIDTH, (A4_WIDTH - 2 * MARGIN) / CHART_WIDTH);
  draw_chart (cr, 0, 0, CHART_WIDTH, CHART_HEIGHT, monthly, year);
  cairo_restore (cr);
  y += CHART_HEIGHT * (A4_WIDTH - 2 * MARGIN) / CHART_WIDTH + 10;

  cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
  text_at (cr, MARGIN, y, A4_WIDTH - 2 * MARGIN, FONT " Italic 8",
           sched_stats_definition (json_object_get_string_member (monthly, "indicator")),
           PANGO_ALIGN_LEFT, NULL);
}

static cairo_status_t
write_to_array (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/**
 * sched_report_render:
 * @data: what sched_report_handle() gathered
 * @format: "pdf", "svg" or "png"
 * @length: (out): the length of the result
 * @error: a drawing failure
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): the bytes of the PDF report or of the chart.
 */
char *
sched_report_render (JsonNode *data, const char *format, gsize *length, GError **error)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  JsonObject *object = json_node_get_object (data);
  const char *language = json_object_get_string_member_with_default (object, "lang", "vi");
  /* The report speaks the language asked for (Vietnamese unless ?lang=en),
   * whatever the daemon's own locale: this thread alone switches. */
  locale_t wanted = newlocale (
      LC_ALL_MASK, g_str_equal (language, "vi") ? "vi_VN.UTF-8" : "C.UTF-8", (locale_t) 0);
  locale_t previous = wanted != (locale_t) 0 ? uselocale (wanted) : (locale_t) 0;
  cairo_surface_t *surface;
  cairo_status_t status;
  PangoFontMap *fonts;
  PangoContext *context;
  cairo_t *cr;

  if (g_str_equal (format, "pdf"))
    surface = cairo_pdf_surface_create_for_stream (write_to_array, bytes, A4_WIDTH, A4_HEIGHT);
  else if (g_str_equal (format, "svg"))
    surface
        = cairo_svg_surface_create_for_stream (write_to_array, bytes, CHART_WIDTH, CHART_HEIGHT);
  else
    surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, CHART_WIDTH, CHART_HEIGHT);

  if (g_str_equal (format, "pdf"))
    {
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE,
                                      _ ("Report on the online-meeting ratio"));
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "hoinghi " VERSION);
    }
  cr = cairo_create (surface);
  fonts = pango_cairo_font_map_new ();
  context = pango_font_map_create_context (fonts);
  cairo_set_user_data (cr, &context_key, context, NULL);
  if (g_str_equal (format, "pdf"))
    draw_report (cr, object);
  else
    draw_chart (cr, 0, 0, CHART_WIDTH, CHART_HEIGHT, member_object (object, "monthly"),
                json_object_get_null_member (object, "year")
                    ? NULL
                    : json_object_get_string_member (object, "year"));
  status = cairo_status (cr);
  cairo_destroy (cr);
  g_object_unref (context);
  g_object_unref (fonts);
  if (wanted != (locale_t) 0)
    {
      uselocale (previous);
      freelocale (wanted);
    }
  if (status == CAIRO_STATUS_SUCCESS && g_str_equal (format, "png"))
    status = cairo_surface_write_to_png_stream (surface, write_to_array, bytes);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, "drawing the report: %s",
                   cairo_status_to_string (status));
      return NULL;
    }
  *length = bytes->len;
  return (char *) g_byte_array_free (g_steal_pointer (&bytes), FALSE);
}
