/* cli-report.c: hoinghi report, the online-meeting ratio as text, CSV,
 * JSON or the PDF report. */
#define G_LOG_DOMAIN "hoinghi-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-exit.h"
#include "libhoinghi/hn-i18n.h"

#include "cli-commands.h"
#include "cli-format.h"

static void
print_groups (const char *heading, JsonArray *groups)
{
  const char *headings[] = { heading, _ ("Held"), _ ("Online"), _ ("In person"), _ ("Ratio") };
  g_autoptr (CliTable) table = cli_table_new (G_N_ELEMENTS (headings), headings);

  for (guint i = 0; i < json_array_get_length (groups); i++)
    {
      JsonObject *g = json_array_get_object_element (groups, i);
      g_autofree char *held = cli_format_number (json_object_get_int_member (g, "held"));
      g_autofree char *online = cli_format_number (json_object_get_int_member (g, "online"));
      g_autofree char *in_person = cli_format_number (json_object_get_int_member (g, "in_person"));
      const char *cells[] = { json_object_get_string_member (g, "key"), held, online, in_person,
                              json_object_get_string_member (
                                  json_object_get_object_member (g, "ratio"), "percent_vi") };

      cli_table_add (table, cells);
    }
  g_print ("\n");
  cli_table_print (table);
}

static JsonObject *
fetch (CliClient *client, const char *period, const char *group, GError **error)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/stats/online-ratio?%s&group=%s", period, group);
  g_autoptr (JsonNode) answer = cli_client_call_json (client, "GET", path, NULL, error);

  return answer != NULL ? json_object_ref (json_node_get_object (answer)) : NULL;
}

static int
print_text (CliClient *client, const char *period, const char *title)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) by_category = fetch (client, period, "category", &error);
  g_autoptr (JsonObject) by_month = NULL;
  JsonObject *totals, *evidence;
  g_autofree char *held = NULL, *online = NULL, *in_person = NULL, *cancelled = NULL,
                  *missed = NULL, *pending = NULL, *mcu = NULL, *external = NULL;

  if (by_category == NULL || (by_month = fetch (client, period, "month", &error)) == NULL)
    return cli_fail (error);
  totals = json_object_get_object_member (by_category, "totals");
  evidence = json_object_get_object_member (totals, "online_by_evidence");
  held = cli_format_number (json_object_get_int_member (totals, "held"));
  online = cli_format_number (json_object_get_int_member (totals, "online"));
  in_person = cli_format_number (json_object_get_int_member (totals, "in_person"));
  cancelled = cli_format_number (json_object_get_int_member (totals, "cancelled"));
  missed = cli_format_number (json_object_get_int_member (totals, "missed"));
  pending = cli_format_number (json_object_get_int_member (totals, "pending"));
  mcu = cli_format_number (json_object_get_int_member (evidence, "mcu"));
  external = cli_format_number (json_object_get_int_member (evidence, "external"));

  g_print ("%s\n", title);
  g_print (_ ("Meetings held between the province and its districts and communes: %s\n"), held);
  g_print (_ ("  online:    %s (%s through the mcu, %s on other platforms)\n"), online, mcu,
           external);
  g_print (_ ("  in person: %s\n"), in_person);
  g_print (_ ("  ratio:     %s/%s = %s\n"), online, held,
           json_object_get_string_member (json_object_get_object_member (totals, "ratio"),
                                          "percent_vi"));
  g_print (_ ("Not counted: %s cancelled, %s not held, %s without an outcome yet.\n"), cancelled,
           missed, pending);
  print_groups (_ ("Category"), json_object_get_array_member (by_category, "groups"));
  print_groups (_ ("Month"), json_object_get_array_member (by_month, "groups"));
  return HN_EXIT_OK;
}

static gboolean
write_out (const char *output, GBytes *bytes, GError **error)
{
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  if (output == NULL || g_str_equal (output, "-"))
    return fwrite (data, 1, length, stdout) == length;
  return g_file_set_contents (output, data, length, error);
}

/**
 * cli_report:
 * @client: the client
 * @argc: arguments after the global options
 * @argv: (array length=argc): "report" --year Y | --from T --to T
 *   [--format text|csv|json|pdf] [-o FILE]
 *
 * Returns: the exit code.
 */
int
cli_report (CliClient *client, int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *from = NULL, *to = NULL, *format = NULL, *output = NULL;
  g_autofree char *period = NULL, *title = NULL;
  int year = 0;
  const GOptionEntry entries[] = {
    { "year", 'y', 0, G_OPTION_ARG_INT, &year, N_ ("The year to report"), N_ ("YEAR") },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from, N_ ("From TIME"), N_ ("TIME") },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to, N_ ("Until TIME"), N_ ("TIME") },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format, N_ ("text (default), csv, json or pdf"),
      N_ ("FORMAT") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_ ("Write to FILE instead of standard output"), N_ ("FILE") },
    { NULL },
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cli_usage (error->message);
  if (argc > 1)
    return cli_usage (_ ("“report” takes no arguments; see --help"));
  if (format == NULL)
    format = g_strdup ("text");
  if (!g_str_equal (format, "text") && !g_str_equal (format, "csv") && !g_str_equal (format, "json")
      && !g_str_equal (format, "pdf"))
    return cli_usage (_ ("--format must be text, csv, json or pdf"));
  if ((year != 0) == (from != NULL || to != NULL) || (year == 0 && (from == NULL || to == NULL)))
    return cli_usage (_ ("give --year YEAR, or --from TIME and --to TIME"));
  if (year != 0 && (year < 2000 || year > 2099))
    return cli_usage (_ ("--year must be from 2000 to 2099"));
  if (year != 0)
    {
      period = g_strdup_printf ("from=%04d-01-01T00:00:00%%2B07:00&to=%04d-01-01T00:00:00%%2B07:00",
                                year, year + 1);
      /* TRANSLATORS: the title of the text report */
      title = g_strdup_printf (_ ("Online-meeting ratio, year %d"), year);
    }
  else
    {
      g_autofree char *from_iso = cli_parse_time (from, &error);
      g_autofree char *to_iso = from_iso != NULL ? cli_parse_time (to, &error) : NULL;
      g_autofree char *from_q = NULL, *to_q = NULL, *from_vi = NULL, *to_vi = NULL;

      if (to_iso == NULL)
        return cli_usage (error->message);
      from_q = g_uri_escape_string (from_iso, NULL, FALSE);
      to_q = g_uri_escape_string (to_iso, NULL, FALSE);
      period = g_strdup_printf ("from=%s&to=%s", from_q, to_q);
      from_vi = cli_format_time (from_iso);
      to_vi = cli_format_time (to_iso);
      title = g_strdup_printf (_ ("Online-meeting ratio from %s to %s"), from_vi, to_vi);
    }
  {
    int code;
    g_autoptr (GError) session_error = NULL;

    if (!cli_client_load_session (client, &session_error))
      return cli_fail (session_error);
    (void) code;
  }

  if (g_str_equal (format, "text"))
    return print_text (client, period, title);
  {
    g_autofree char *path = NULL;
    g_autoptr (GBytes) bytes = NULL;

    if (g_str_equal (format, "pdf"))
      {
        if (output == NULL && isatty (STDOUT_FILENO))
          return cli_usage (_ ("a PDF goes to a file: add -o FILE"));
        path = year != 0 ? g_strdup_printf ("/api/v1/reports/online-ratio.pdf?year=%d", year)
                         : g_strdup_printf ("/api/v1/reports/online-ratio.pdf?%s", period);
      }
    else
      path
          = g_strdup_printf ("/api/v1/stats/online-ratio?%s&group=month&format=%s", period, format);
    bytes = cli_client_call (client, "GET", path, NULL, NULL, &error);
    if (bytes == NULL)
      return cli_fail (error);
    if (!write_out (output, bytes, &error))
      return cli_fail (error);
    if (output != NULL && !g_str_equal (output, "-"))
      g_print (_ ("Wrote %s.\n"), output);
  }
  return HN_EXIT_OK;
}
