/* cli-commands.c: each command parses its own options, calls the
 * scheduler, and prints Vietnamese (or the locale's) text. */
#define G_LOG_DOMAIN "hoinghi-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-exit.h"
#include "libhoinghi/hn-health.h"
#include "libhoinghi/hn-i18n.h"

#include "cli-commands.h"
#include "cli-format.h"

/* Parses @entries from @argv (argv[0] is the command's name); leaves the
 * positional arguments in @argv. */
static gboolean
parse (const char *parameters, const GOptionEntry *entries, int *argc, char ***argv, int *code)
{
  g_autoptr (GOptionContext) context = g_option_context_new (parameters);
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *code = cli_usage (error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
logged_in (CliClient *client, int *code)
{
  g_autoptr (GError) error = NULL;

  if (!cli_client_load_session (client, &error))
    {
      *code = cli_fail (error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_id (const char *text, gint64 *id)
{
  guint64 value;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, &value, NULL))
    return FALSE;
  *id = value;
  return TRUE;
}

/* ---- status, login, logout -------------------------------------------------- */

/**
 * cli_status:
 * @client: the client
 * @argc: arguments after the global options
 * @argv: (array length=argc): "status"
 *
 * Returns: the exit code.
 */
int
cli_status (CliClient *client, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) health = NULL;

  if (argc > 1)
    return cli_usage (_ ("“status” takes no arguments; see --help"));
  health = hn_health_probe (cli_client_get_server (client), 5, &error);
  if (health == NULL && g_error_matches (error, HN_ERROR, HN_ERROR_INVALID))
    return cli_usage (error->message);
  if (health == NULL)
    return cli_fail (error);
  /* TRANSLATORS: "The scheduler at http://… is up: hoinghi-scheduler 0.1.0, running for 42 s" */
  g_print (_ ("The scheduler at %s is up: %s %s, running for %lld s\n"),
           cli_client_get_server (client),
           json_object_get_string_member_with_default (health, "service", "?"),
           json_object_get_string_member_with_default (health, "version", "?"),
           (long long) json_object_get_int_member_with_default (health, "uptime_seconds", 0));
  return HN_EXIT_OK;
}

static char *
read_password (void)
{
  char buffer[1024];
  struct termios saved, quiet;
  gboolean terminal = isatty (STDIN_FILENO);

  if (terminal)
    {
      fputs (_ ("Password: "), stderr);
      tcgetattr (STDIN_FILENO, &saved);
      quiet = saved;
      quiet.c_lflag &= ~ECHO;
      tcsetattr (STDIN_FILENO, TCSANOW, &quiet);
    }
  if (fgets (buffer, sizeof buffer, stdin) == NULL)
    buffer[0] = '\0';
  if (terminal)
    {
      tcsetattr (STDIN_FILENO, TCSANOW, &saved);
      fputc ('\n', stderr);
    }
  buffer[strcspn (buffer, "\r\n")] = '\0';
  return g_strdup (buffer);
}

/**
 * cli_login:
 * @client: the client
 * @argc: arguments after the global options
 * @argv: (array length=argc): "login" [--user LOGIN]; the password is read
 *   from standard input (without echo on a terminal)
 *
 * Returns: the exit code.
 */
int
cli_login (CliClient *client, int argc, char **argv)
{
  g_autofree char *user = NULL;
  g_autofree char *password = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (JsonNode) answer = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *object;
  int code;
  const GOptionEntry entries[] = {
    { "user", 'u', 0, G_OPTION_ARG_STRING, &user, N_ ("Log in as LOGIN (default: $USER)"),
      N_ ("LOGIN") },
    { NULL },
  };

  if (!parse (NULL, entries, &argc, &argv, &code))
    return code;
  if (argc > 1)
    return cli_usage (_ ("“login” takes no arguments; see --help"));
  if (user == NULL)
    user = g_strdup (g_get_user_name ());
  password = read_password ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "login");
  json_builder_add_string_value (builder, user);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  memset (password, 0, strlen (password));
  answer = cli_client_call_json (client, "POST", "/api/v1/login", body, &error);
  if (answer == NULL)
    return cli_fail (error);
  object = json_node_get_object (answer);
  if (!cli_client_save_session (client, json_object_get_string_member (object, "token"), user,
                                &error))
    return cli_fail (error);
  {
    g_autofree char *until = cli_format_time (json_object_get_string_member (object, "expires_at"));

    g_print (_ ("Logged in to %s as %s until %s.\n"), cli_client_get_server (client), user, until);
  }
  return HN_EXIT_OK;
}

/**
 * cli_logout:
 * @client: the client
 * @argc: arguments after the global options
 * @argv: (array length=argc): "logout"
 *
 * Returns: the exit code.
 */
int
cli_logout (CliClient *client, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) answer = NULL;
  int code;

  if (argc > 1)
    return cli_usage (_ ("“logout” takes no arguments; see --help"));
  if (!logged_in (client, &code))
    return code;
  answer = cli_client_call_json (client, "POST", "/api/v1/logout", NULL, &error);
  if (answer == NULL && !g_error_matches (error, HN_ERROR, HN_ERROR_UNAUTHORIZED))
    return cli_fail (error);
  g_clear_error (&error);
  if (!cli_client_forget_session (client, &error))
    return cli_fail (error);
  g_print (_ ("Logged out of %s.\n"), cli_client_get_server (client));
  return HN_EXIT_OK;
}

/* ---- meetings ----------------------------------------------------------------- */

static const char *
status_text (const char *status)
{
  if (g_str_equal (status, "scheduled"))
    return _ ("scheduled");
  if (g_str_equal (status, "running"))
    return _ ("running");
  if (g_str_equal (status, "held"))
    return _ ("held");
  if (g_str_equal (status, "cancelled"))
    return _ ("cancelled");
  if (g_str_equal (status, "missed"))
    return _ ("not held");
  return status;
}

static const char *
mode_text (const char *mode)
{
  if (g_str_equal (mode, "online"))
    return _ ("online");
  if (g_str_equal (mode, "in-person"))
    return _ ("in person");
  if (g_str_equal (mode, "hybrid"))
    return _ ("hybrid");
  return mode;
}

static void
print_meetings (JsonArray *items)
{
  const char *headings[]
      = { _ ("ID"), _ ("Starts"), _ ("Ends"), _ ("Chair"), _ ("Mode"), _ ("Status"), _ ("Title") };
  g_autoptr (CliTable) table = cli_table_new (G_N_ELEMENTS (headings), headings);

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *m = json_array_get_object_element (items, i);
      g_autofree char *id
          = g_strdup_printf ("%lld", (long long) json_object_get_int_member (m, "id"));
      g_autofree char *starts = cli_format_time (json_object_get_string_member (m, "starts_at"));
      g_autofree char *ends = cli_format_time (json_object_get_string_member (m, "ends_at"));
      const char *cells[] = { id,
                              starts,
                              ends,
                              json_object_get_string_member (m, "chair_unit"),
                              mode_text (json_object_get_string_member (m, "mode")),
                              status_text (json_object_get_string_member (m, "status")),
                              json_object_get_string_member (m, "title") };

      cli_table_add (table, cells);
    }
  cli_table_print (table);
}

static void
print_meeting (JsonObject *m)
{
  g_autofree char *starts = cli_format_time (json_object_get_string_member (m, "starts_at"));
  g_autofree char *ends = cli_format_time (json_object_get_string_member (m, "ends_at"));
  JsonArray *participants = json_object_get_array_member (m, "participants");
  JsonObject *outcome = json_object_get_object_member (m, "outcome");
  g_autoptr (GString) units = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (participants); i++)
    g_string_append_printf (units, "%s%s", i > 0 ? ", " : "",
                            json_array_get_string_element (participants, i));
  g_print (_ ("Meeting %lld: %s\n"), (long long) json_object_get_int_member (m, "id"),
           json_object_get_string_member (m, "title"));
  g_print (_ ("  time:         %s – %s\n"), starts, ends);
  g_print (_ ("  chair:        %s\n"), json_object_get_string_member (m, "chair_unit"));
  g_print (_ ("  participants: %s\n"), units->str);
  g_print (_ ("  mode:         %s\n"), mode_text (json_object_get_string_member (m, "mode")));
  g_print (_ ("  status:       %s\n"), status_text (json_object_get_string_member (m, "status")));
  if (!json_object_get_null_member (outcome, "evidence"))
    g_print (_ ("  evidence:     %s\n"), json_object_get_string_member (outcome, "evidence"));
  g_print (_ ("  version:      %lld\n"), (long long) json_object_get_int_member (m, "version"));
}

static GStrv
split_units (const char *list)
{
  g_auto (GStrv) parts = g_strsplit_set (list != NULL ? list : "", ",;", -1);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    if (*g_strstrip (parts[i]) != '\0')
      g_strv_builder_add (builder, parts[i]);
  return g_strv_builder_end (builder);
}

static void
add_string_array (JsonBuilder *builder, const char *name, GStrv values)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; values[i] != NULL; i++)
    json_builder_add_string_value (builder, values[i]);
  json_builder_end_array (builder);
}

static void
add_member (JsonBuilder *builder, const char *name, const char *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static int
meetings_list (CliClient *client, int argc, char **argv)
{
  g_autofree char *from = NULL, *to = NULL, *unit = NULL, *status = NULL, *category = NULL;
  gboolean needs_outcome = FALSE;
  int limit = 100, code;
  g_autoptr (GString) path = g_string_new ("/api/v1/meetings?");
  g_autoptr (JsonNode) answer = NULL;
  g_autoptr (GError) error = NULL;
  const GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_STRING, &from, N_ ("From TIME"), N_ ("TIME") },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to, N_ ("Until TIME"), N_ ("TIME") },
    { "unit", 0, 0, G_OPTION_ARG_STRING, &unit, N_ ("Of unit CODE and the units below it"),
      N_ ("CODE") },
    { "status", 0, 0, G_OPTION_ARG_STRING, &status, N_ ("With STATUS"), N_ ("STATUS") },
    { "category", 0, 0, G_OPTION_ARG_STRING, &category, N_ ("Of CATEGORY"), N_ ("CATEGORY") },
    { "needs-outcome", 0, 0, G_OPTION_ARG_NONE, &needs_outcome,
      N_ ("Only those over with no outcome recorded"), NULL },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_ ("At most N (default 100)"), N_ ("N") },
    { NULL },
  };
  const struct
  {
    const char *name;
    char **value;
    gboolean time;
  } params[] = { { "from", &from, TRUE },
                 { "to", &to, TRUE },
                 { "unit", &unit, FALSE },
                 { "status", &status, FALSE },
                 { "category", &category, FALSE } };

  if (!parse (NULL, entries, &argc, &argv, &code))
    return code;
  if (argc > 1)
    return cli_usage (_ ("“meetings list” takes no arguments; see --help"));
  if (!logged_in (client, &code))
    return code;
  for (guint i = 0; i < G_N_ELEMENTS (params); i++)
    {
      g_autofree char *value = NULL;
      g_autofree char *escaped = NULL;

      if (*params[i].value == NULL)
        continue;
      value = params[i].time ? cli_parse_time (*params[i].value, &error)
                             : g_strdup (*params[i].value);
      if (value == NULL)
        return cli_usage (error->message);
      escaped = g_uri_escape_string (value, NULL, FALSE);
      g_string_append_printf (path, "%s=%s&", params[i].name, escaped);
    }
  if (needs_outcome)
    g_string_append (path, "needs_outcome=true&");
  g_string_append_printf (path, "limit=%d", limit);
  answer = cli_client_call_json (client, "GET", path->str, NULL, &error);
  if (answer == NULL)
    return cli_fail (error);
  print_meetings (json_object_get_array_member (json_node_get_object (answer), "items"));
  {
    g_autofree char *total
        = cli_format_number (json_object_get_int_member (json_node_get_object (answer), "total"));

    g_print (_ ("%s meetings in all.\n"), total);
  }
  return HN_EXIT_OK;
}

static int
meetings_show (CliClient *client, int argc, char **argv)
{
  g_autoptr (JsonNode) answer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  gint64 id;
  int code;

  if (argc != 2 || !parse_id (argv[1], &id))
    return cli_usage (_ ("say which meeting: hoinghi meetings show ID"));
  if (!logged_in (client, &code))
    return code;
  path = g_strdup_printf ("/api/v1/meetings/%lld", (long long) id);
  answer = cli_client_call_json (client, "GET", path, NULL, &error);
  if (answer == NULL)
    return cli_fail (error);
  print_meeting (json_node_get_object (answer));
  return HN_EXIT_OK;
}

static int
meetings_book (CliClient *client, int argc, char **argv)
{
  g_autofree char *title = NULL, *category = NULL, *chair = NULL, *participants = NULL;
  g_autofree char *start = NULL, *end = NULL, *mode = NULL, *notes = NULL;
  g_autofree char *start_iso = NULL, *end_iso = NULL;
  g_auto (GStrv) units = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (JsonNode) answer = NULL;
  g_autoptr (GError) error = NULL;
  int code;
  const GOptionEntry entries[] = {
    { "title", 0, 0, G_OPTION_ARG_STRING, &title, N_ ("The meeting's title"), N_ ("TEXT") },
    { "category", 0, 0, G_OPTION_ARG_STRING, &category, N_ ("Its category"), N_ ("CATEGORY") },
    { "chair", 0, 0, G_OPTION_ARG_STRING, &chair, N_ ("The chairing unit"), N_ ("CODE") },
    { "participants", 0, 0, G_OPTION_ARG_STRING, &participants,
      N_ ("The taking-part units, e.g. 243,248"), N_ ("CODES") },
    { "start", 0, 0, G_OPTION_ARG_STRING, &start, N_ ("When it starts"), N_ ("TIME") },
    { "end", 0, 0, G_OPTION_ARG_STRING, &end, N_ ("When it ends"), N_ ("TIME") },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode, N_ ("online, in-person or hybrid"), N_ ("MODE") },
    { "notes", 0, 0, G_OPTION_ARG_STRING, &notes, N_ ("Notes"), N_ ("TEXT") },
    { NULL },
  };

  if (!parse (NULL, entries, &argc, &argv, &code))
    return code;
  if (argc > 1 || title == NULL || category == NULL || chair == NULL || start == NULL || end == NULL
      || mode == NULL)
    return cli_usage (
        _ ("a booking needs --title, --category, --chair, --start, --end and --mode"));
  start_iso = cli_parse_time (start, &error);
  end_iso = start_iso != NULL ? cli_parse_time (end, &error) : NULL;
  if (end_iso == NULL)
    return cli_usage (error->message);
  if (!logged_in (client, &code))
    return code;
  units = split_units (participants);
  json_builder_begin_object (builder);
  add_member (builder, "title", title);
  add_member (builder, "category", category);
  add_member (builder, "chair_unit", chair);
  add_string_array (builder, "participants", units);
  add_member (builder, "starts_at", start_iso);
  add_member (builder, "ends_at", end_iso);
  add_member (builder, "mode", mode);
  add_member (builder, "notes", notes);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  answer = cli_client_call_json (client, "POST", "/api/v1/meetings", body, &error);
  if (answer == NULL)
    return cli_fail (error);
  print_meeting (json_node_get_object (answer));
  return HN_EXIT_OK;
}

static int
post_reason (CliClient *client, const char *path, const char *reason, GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (JsonNode) answer = NULL;

  json_builder_begin_object (builder);
  add_member (builder, "reason", reason);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  answer = cli_client_call_json (client, "POST", path, body, error);
  return answer != NULL;
}

static int
meetings_cancel (CliClient *client, int argc, char **argv)
{
  g_autofree char *reason = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  gint64 id;
  int code;
  const GOptionEntry entries[] = {
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason, N_ ("Why it is cancelled"), N_ ("TEXT") },
    { NULL },
  };

  if (!parse (NULL, entries, &argc, &argv, &code))
    return code;
  if (argc != 2 || !parse_id (argv[1], &id) || reason == NULL)
    return cli_usage (_ ("say which meeting and why: hoinghi meetings cancel ID --reason TEXT"));
  if (!logged_in (client, &code))
    return code;
  path = g_strdup_printf ("/api/v1/meetings/%lld/cancel", (long long) id);
  if (!post_reason (client, path, reason, &error))
    return cli_fail (error);
  g_print (_ ("Meeting %lld is cancelled.\n"), (long long) id);
  return HN_EXIT_OK;
}

/**
 * cli_meetings:
 * @client: the client
 * @argc: arguments after the global options
 * @argv: (array length=argc): "meetings" list|show|book|cancel …
 *
 * Returns: the exit code.
 */
int
cli_meetings (CliClient *client, int argc, char **argv)
{
  if (argc < 2)
    return cli_usage (_ ("say what to do: hoinghi meetings list|show|book|cancel"));
  if (g_str_equal (argv[1], "list"))
    return meetings_list (client, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "show"))
    return meetings_show (client, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "book"))
    return meetings_book (client, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "cancel"))
    return meetings_cancel (client, argc - 1, argv + 1);
  {
    g_autofree char *message = g_strdup_printf (
        _ ("unknown meetings command “%s”: use list, show, book or cancel"), argv[1]);

    return cli_usage (message);
  }
}

/* ---- series ------------------------------------------------------------------ */

static int
series_create (CliClient *client, int argc, char **argv)
{
  g_autofree char *title = NULL, *category = NULL, *chair = NULL, *participants = NULL;
  g_autofree char *start = NULL, *rrule = NULL, *mode = NULL, *start_iso = NULL;
  int duration = 60, code;
  g_auto (GStrv) units = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (JsonNode) answer = NULL;
  g_autoptr (GError) error = NULL;
  const GOptionEntry entries[] = {
    { "title", 0, 0, G_OPTION_ARG_STRING, &title, N_ ("The meetings' title"), N_ ("TEXT") },
    { "category", 0, 0, G_OPTION_ARG_STRING, &category, N_ ("Their category"), N_ ("CATEGORY") },
    { "chair", 0, 0, G_OPTION_ARG_STRING, &chair, N_ ("The chairing unit"), N_ ("CODE") },
    { "participants", 0, 0, G_OPTION_ARG_STRING, &participants,
      N_ ("The taking-part units, e.g. 243,248"), N_ ("CODES") },
    { "start", 0, 0, G_OPTION_ARG_STRING, &start, N_ ("When the first one starts"), N_ ("TIME") },
    { "duration", 0, 0, G_OPTION_ARG_INT, &duration, N_ ("How long each lasts (default 60)"),
      N_ ("MINUTES") },
    { "rrule", 0, 0, G_OPTION_ARG_STRING, &rrule, N_ ("How they recur (RFC 5545)"), N_ ("RULE") },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode, N_ ("online, in-person or hybrid"), N_ ("MODE") },
    { NULL },
  };

  if (!parse (NULL, entries, &argc, &argv, &code))
    return code;
  if (argc > 1 || title == NULL || category == NULL || chair == NULL || start == NULL
      || rrule == NULL || mode == NULL)
    return cli_usage (
        _ ("a series needs --title, --category, --chair, --start, --rrule and --mode"));
  start_iso = cli_parse_time (start, &error);
  if (start_iso == NULL)
    return cli_usage (error->message);
  if (!logged_in (client, &code))
    return code;
  units = split_units (participants);
  json_builder_begin_object (builder);
  add_member (builder, "title", title);
  add_member (builder, "category", category);
  add_member (builder, "chair_unit", chair);
  add_string_array (builder, "participants", units);
  add_member (builder, "dtstart", start_iso);
  json_builder_set_member_name (builder, "duration_minutes");
  json_builder_add_int_value (builder, duration);
  add_member (builder, "rrule", rrule);
  add_member (builder, "mode", mode);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  answer = cli_client_call_json (client, "POST", "/api/v1/series", body, &error);
  if (answer == NULL)
    return cli_fail (error);
  g_print (_ ("Series %lld: %lld meetings booked.\n"),
           (long long) json_object_get_int_member (json_node_get_object (answer), "id"),
           (long long) json_object_get_int_member (json_node_get_object (answer), "occurrences"));
  return HN_EXIT_OK;
}

static int
series_list (CliClient *client, int argc, char **argv)
{
  const char *headings[] = { _ ("ID"), _ ("First"), _ ("Meetings"), _ ("Rule"), _ ("Title") };
  g_autoptr (CliTable) table = cli_table_new (G_N_ELEMENTS (headings), headings);
  g_autoptr (JsonNode) answer = NULL;
  g_autoptr (GError) error = NULL;
  JsonArray *items;
  int code;

  if (argc > 1)
    return cli_usage (_ ("“series list” takes no arguments; see --help"));
  if (!logged_in (client, &code))
    return code;
  answer = cli_client_call_json (client, "GET", "/api/v1/series", NULL, &error);
  if (answer == NULL)
    return cli_fail (error);
  items = json_object_get_array_member (json_node_get_object (answer), "items");
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *s = json_array_get_object_element (items, i);
      g_autofree char *id
          = g_strdup_printf ("%lld", (long long) json_object_get_int_member (s, "id"));
      g_autofree char *first = cli_format_time (json_object_get_string_member (s, "dtstart"));
      g_autofree char *count = cli_format_number (json_object_get_int_member (s, "occurrences"));
      const char *cells[] = { id, first, count, json_object_get_string_member (s, "rrule"),
                              json_object_get_string_member (s, "title") };

      cli_table_add (table, cells);
    }
  cli_table_print (table);
  return HN_EXIT_OK;
}

static int
series_cancel (CliClient *client, int argc, char **argv)
{
  g_autoptr (JsonNode) answer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  gint64 id;
  int code;

  if (argc != 2 || !parse_id (argv[1], &id))
    return cli_usage (_ ("say which series: hoinghi series cancel ID"));
  if (!logged_in (client, &code))
    return code;
  path = g_strdup_printf ("/api/v1/series/%lld", (long long) id);
  answer = cli_client_call_json (client, "DELETE", path, NULL, &error);
  if (answer == NULL)
    return cli_fail (error);
  g_print (_ ("The future meetings of series %lld are cancelled; the past ones stay.\n"),
           (long long) id);
  return HN_EXIT_OK;
}

/**
 * cli_series:
 * @client: the client
 * @argc: arguments after the global options
 * @argv: (array length=argc): "series" create|list|cancel …
 *
 * Returns: the exit code.
 */
int
cli_series (CliClient *client, int argc, char **argv)
{
  if (argc < 2)
    return cli_usage (_ ("say what to do: hoinghi series create|list|cancel"));
  if (g_str_equal (argv[1], "create"))
    return series_create (client, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "list"))
    return series_list (client, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "cancel"))
    return series_cancel (client, argc - 1, argv + 1);
  {
    g_autofree char *message
        = g_strdup_printf (_ ("unknown series command “%s”: use create, list or cancel"), argv[1]);

    return cli_usage (message);
  }
}

/* ---- outcome, import -------------------------------------------------------- */

/**
 * cli_outcome:
 * @client: the client
 * @argc: arguments after the global options
 * @argv: (array length=argc): "outcome" ID --in-person|--online-external
 *   PLATFORM|--missed
 *
 * Returns: the exit code.
 */
int
cli_outcome (CliClient *client, int argc, char **argv)
{
  gboolean in_person = FALSE, missed = FALSE;
  g_autofree char *platform = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (JsonNode) answer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  gint64 id;
  int code;
  const GOptionEntry entries[] = {
    { "in-person", 0, 0, G_OPTION_ARG_NONE, &in_person, N_ ("It was held in person"), NULL },
    { "online-external", 0, 0, G_OPTION_ARG_STRING, &platform,
      N_ ("It was held online on PLATFORM, e.g. Zoom"), N_ ("PLATFORM") },
    { "missed", 0, 0, G_OPTION_ARG_NONE, &missed, N_ ("It did not take place"), NULL },
    { NULL },
  };

  if (!parse (_ ("ID"), entries, &argc, &argv, &code))
    return code;
  if (argc != 2 || !parse_id (argv[1], &id) || in_person + missed + (platform != NULL) != 1)
    return cli_usage (_ ("say which meeting and one outcome: hoinghi outcome ID --in-person | "
                         "--online-external PLATFORM | --missed"));
  if (!logged_in (client, &code))
    return code;
  json_builder_begin_object (builder);
  add_member (builder, "result",
              in_person ? "held-in-person"
              : missed  ? "missed"
                        : "held-online-external");
  add_member (builder, "platform", platform);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  path = g_strdup_printf ("/api/v1/meetings/%lld/outcome", (long long) id);
  answer = cli_client_call_json (client, "POST", path, body, &error);
  if (answer == NULL)
    return cli_fail (error);
  print_meeting (json_node_get_object (answer));
  return HN_EXIT_OK;
}

/**
 * cli_import:
 * @client: the client
 * @argc: arguments after the global options
 * @argv: (array length=argc): "import" FILE
 *
 * Returns: the exit code.
 */
int
cli_import (CliClient *client, int argc, char **argv)
{
  g_autofree char *text = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GBytes) answer = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize length;
  int code;

  if (argc != 2)
    return cli_usage (_ ("say which file: hoinghi import FILE"));
  if (!g_file_get_contents (argv[1], &text, &length, &error))
    {
      g_printerr ("hoinghi: %s\n", error->message);
      return HN_EXIT_USAGE;
    }
  if (!logged_in (client, &code))
    return code;
  body = g_bytes_new_take (g_steal_pointer (&text), length);
  answer = cli_client_call (client, "POST", "/api/v1/import", "text/csv", body, &error);
  if (answer == NULL)
    return cli_fail (error);
  if (json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL),
                                  g_bytes_get_size (answer), NULL))
    {
      JsonObject *result = json_node_get_object (json_parser_get_root (parser));
      g_autofree char *created = cli_format_number (json_object_get_int_member (result, "created"));
      g_autofree char *unchanged
          = cli_format_number (json_object_get_int_member (result, "unchanged"));

      g_print (_ ("Imported %s: %s meetings created, %s already there.\n"), argv[1], created,
               unchanged);
    }
  return HN_EXIT_OK;
}
