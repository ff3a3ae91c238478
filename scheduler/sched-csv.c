/* sched-csv.c: SchedCsv, reading CSV records one at a time. */
#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "config.h"

#include <string.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#include "sched-csv.h"

/* A field longer than this is a mistake or an attack, not data. */
#define MAX_FIELD_BYTES (64 * 1024)

struct _SchedCsv
{
  const char *data;
  gsize length;
  gsize pos;
  guint line;
};

/**
 * sched_csv_new:
 * @data: (array length=length): UTF-8 text, kept by the caller while read
 * @length: its length
 * @error: why the text cannot be read as CSV
 *
 * A leading UTF-8 byte-order mark is skipped.
 *
 * Returns: (transfer full) (nullable): a reader at the first record.
 */
SchedCsv *
sched_csv_new (const char *data, gsize length, GError **error)
{
  SchedCsv *self;
  const char *end;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (!g_utf8_validate_len (data, length, &end))
    {
      g_autofree char *before = g_strndup (data, end - data);
      guint line = 1;

      for (const char *p = before; *p != '\0'; p++)
        line += *p == '\n';
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("line %u: the text is not valid UTF-8"),
                   line);
      return NULL;
    }
  self = g_new0 (SchedCsv, 1);
  self->data = data;
  self->length = length;
  self->line = 1;
  if (length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    self->pos = 3;
  return self;
}

/**
 * sched_csv_next:
 * @self: a #SchedCsv
 * @fields: (out) (transfer full): the record's fields
 * @line: (out): the line the record starts on
 * @error: a malformed record (unclosed quote, text after a closing quote,
 *   a field over 64 KiB), with its line
 *
 * Blank lines are skipped.  Quoted fields may hold commas, quotes ("")
 * and line breaks.
 *
 * Returns: %TRUE with a record; %FALSE at the end (@error unset) or on a
 *   malformed record (@error set).
 */
gboolean
sched_csv_next (SchedCsv *self, GStrv *fields, guint *line, GError **error)
{
  g_autoptr (GPtrArray) record = NULL;
  g_autoptr (GString) field = NULL;
  gboolean quoted = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);

  while (self->pos < self->length
         && (self->data[self->pos] == '\n' || self->data[self->pos] == '\r'))
    {
      self->line += self->data[self->pos] == '\n';
      self->pos++;
    }
  if (self->pos >= self->length)
    return FALSE;

  record = g_ptr_array_new_with_free_func (g_free);
  field = g_string_new (NULL);
  *line = self->line;
  for (;;)
    {
      char c = self->pos < self->length ? self->data[self->pos] : '\0';
      gboolean at_end = self->pos >= self->length;

      if (quoted)
        {
          if (at_end)
            {
              g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                           _ ("line %u: a quoted field is never closed"), *line);
              return FALSE;
            }
          self->pos++;
          if (c == '"')
            {
              if (self->pos < self->length && self->data[self->pos] == '"')
                {
                  g_string_append_c (field, '"');
                  self->pos++;
                }
              else
                {
                  char next = self->pos < self->length ? self->data[self->pos] : '\n';

                  quoted = FALSE;
                  if (next != ',' && next != '\n' && next != '\r')
                    {
                      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                                   _ ("line %u: text follows a closing quote"), self->line);
                      return FALSE;
                    }
                }
            }
          else
            {
              self->line += c == '\n';
              g_string_append_c (field, c);
            }
        }
      else if (at_end || c == '\n' || c == '\r' || c == ',')
        {
          g_ptr_array_add (record, g_string_free (g_steal_pointer (&field), FALSE));
          field = g_string_new (NULL);
          if (at_end || c != ',')
            {
              if (c == '\r' && self->pos + 1 < self->length && self->data[self->pos + 1] == '\n')
                self->pos++;
              if (!at_end)
                {
                  self->pos++;
                  self->line++;
                }
              break;
            }
          self->pos++;
        }
      else if (c == '"' && field->len == 0)
        {
          quoted = TRUE;
          self->pos++;
        }
      else
        {
          g_string_append_c (field, c);
          self->pos++;
        }

      if (field->len > MAX_FIELD_BYTES)
        {
          g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                       _ ("line %u: a field is longer than %u bytes"), *line,
                       (guint) MAX_FIELD_BYTES);
          return FALSE;
        }
    }
  g_ptr_array_add (record, NULL);
  *fields = (GStrv) g_ptr_array_free (g_steal_pointer (&record), FALSE);
  return TRUE;
}

/**
 * sched_csv_free:
 * @self: (nullable): a #SchedCsv
 */
void
sched_csv_free (SchedCsv *self)
{
  g_free (self);
}
