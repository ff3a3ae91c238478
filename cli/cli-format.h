/* cli-format.h: the Vietnamese way of writing times and numbers, and
 * aligned tables. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *cli_format_time (const char *iso);
char *cli_format_number (gint64 value);
char *cli_parse_time (const char *text, GError **error);

typedef struct _CliTable CliTable;

CliTable *cli_table_new (guint columns, const char *const *headings);
void cli_table_add (CliTable *table, const char *const *cells);
void cli_table_print (CliTable *table);
void cli_table_free (CliTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliTable, cli_table_free)

G_END_DECLS
