/* cli-format.c: "16:00 28/11/2026", "1.009", and columns that line up. */
#define G_LOG_DOMAIN "hoinghi-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#include "cli-format.h"

/* Việt Nam keeps UTC+7 all year. */
#define LOCAL_OFFSET (7 * 3600)

/**
 * cli_format_time:
 * @iso: ISO 8601 with an offset, as the API writes it
 *
 * Returns: (transfer full): the time in Việt Nam written the Vietnamese
 *   way, "16:00 28/11/2026" (@iso itself when it does not parse).
 */
char *
cli_format_time (const char *iso)
{
  g_autoptr (GDateTime) time = g_date_time_new_from_iso8601 (iso, NULL);
  g_autoptr (GTimeZone) zone = g_time_zone_new_offset (LOCAL_OFFSET);
  g_autoptr (GDateTime) local = NULL;

  if (time == NULL)
    return g_strdup (iso);
  local = g_date_time_to_timezone (time, zone);
  return g_date_time_format (local, "%H:%M %d/%m/%Y");
}

/**
 * cli_format_number:
 * @value: a count
 *
 * Returns: (transfer full): @value with dots between thousands, "1.009".
 */
char *
cli_format_number (gint64 value)
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

/**
 * cli_parse_time:
 * @text: ISO 8601 with an offset, or "YYYY-MM-DD HH:MM" in Việt Nam's time
 * @error: what is wrong with it
 *
 * Returns: (transfer full) (nullable): the time as the API wants it.
 */
char *
cli_parse_time (const char *text, GError **error)
{
  g_autoptr (GTimeZone) zone = g_time_zone_new_offset (LOCAL_OFFSET);
  g_autoptr (GDateTime) time = g_date_time_new_from_iso8601 (text, zone);
  g_autofree char *with_t = NULL;

  if (time == NULL)
    {
      /* "2026-12-01 08:00": GLib wants the T and the seconds */
      with_t = g_strdelimit (g_strdup (text), " ", 'T');
      if (strlen (with_t) == 16 && with_t[10] == 'T' && with_t[13] == ':')
        {
          char *full = g_strconcat (with_t, ":00", NULL);

          g_free (with_t);
          with_t = full;
        }
      time = g_date_time_new_from_iso8601 (with_t, zone);
    }
  if (time == NULL)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("“%s” is not a time: write e.g. 2026-12-01 08:00 (Việt Nam time) or "
                      "2026-12-01T08:00:00+07:00."),
                   text);
      return NULL;
    }
  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%S%:z");
}

struct _CliTable
{
  guint columns;
  GPtrArray *rows; /* of GStrv */
};

/**
 * cli_table_new:
 * @columns: how many columns
 * @headings: (array length=columns): their headings
 *
 * Returns: (transfer full): a table with its heading row.
 */
CliTable *
cli_table_new (guint columns, const char *const *headings)
{
  CliTable *table = g_new0 (CliTable, 1);

  table->columns = columns;
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  cli_table_add (table, headings);
  return table;
}

/**
 * cli_table_add:
 * @table: a table
 * @cells: (array): one text per column; %NULL prints as empty
 */
void
cli_table_add (CliTable *table, const char *const *cells)
{
  GStrv row = g_new0 (char *, table->columns + 1);

  for (guint i = 0; i < table->columns; i++)
    row[i] = g_strdup (cells[i] != NULL ? cells[i] : "");
  g_ptr_array_add (table->rows, row);
}

/**
 * cli_table_print:
 * @table: a table
 *
 * Columns are as wide as their widest cell, counted in characters (the
 * text is NFC, so a Vietnamese letter with its marks is one character).
 */
void
cli_table_print (CliTable *table)
{
  g_autofree glong *widths = g_new0 (glong, table->columns);

  for (guint r = 0; r < table->rows->len; r++)
    for (guint c = 0; c < table->columns; c++)
      widths[c] = MAX (widths[c], g_utf8_strlen (((GStrv) table->rows->pdata[r])[c], -1));
  for (guint r = 0; r < table->rows->len; r++)
    {
      GStrv row = table->rows->pdata[r];

      for (guint c = 0; c < table->columns; c++)
        {
          glong pad = widths[c] - g_utf8_strlen (row[c], -1);
          /* counts line up on the right, words on the left */
          gboolean right = r > 0 && g_ascii_isdigit (row[c][0]) && c > 0;

          for (glong i = 0; right && i < pad; i++)
            fputc (' ', stdout);
          fputs (row[c], stdout);
          for (glong i = 0; !right && c + 1 < table->columns && i < pad; i++)
            fputc (' ', stdout);
          if (c + 1 < table->columns)
            fputs ("  ", stdout);
        }
      fputc ('\n', stdout);
    }
}

/**
 * cli_table_free:
 * @table: (nullable): a table
 */
void
cli_table_free (CliTable *table)
{
  if (table == NULL)
    return;
  g_ptr_array_unref (table->rows);
  g_free (table);
}
