/* cli-client.c: HTTP to the scheduler with the saved bearer token; the
 * server's JSON errors become one sentence and an exit code. */
#define G_LOG_DOMAIN "hoinghi-cli"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-exit.h"
#include "libhoinghi/hn-http.h"
#include "libhoinghi/hn-i18n.h"

#include "cli-client.h"

struct _CliClient
{
  char *server;
  char *token;
  SoupSession *session;
};

/**
 * cli_client_new:
 * @server: the scheduler's base address
 *
 * Returns: (transfer full): a client, not logged in yet.
 */
CliClient *
cli_client_new (const char *server)
{
  CliClient *client = g_new0 (CliClient, 1);

  client->server = g_strdup (server);
  client->session = hn_http_session_new (120);
  return client;
}

/**
 * cli_client_free:
 * @client: (nullable): a client
 */
void
cli_client_free (CliClient *client)
{
  if (client == NULL)
    return;
  g_free (client->server);
  g_free (client->token);
  g_clear_object (&client->session);
  g_free (client);
}

/**
 * cli_client_get_server:
 * @client: a client
 *
 * Returns: (transfer none): the scheduler's base address.
 */
const char *
cli_client_get_server (CliClient *client)
{
  return client->server;
}

/**
 * cli_client_session_path:
 *
 * Returns: (transfer full): where the session is kept:
 *   $XDG_CONFIG_HOME/hoinghi/session (mode 0600).
 */
char *
cli_client_session_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "hoinghi", "session", NULL);
}

/**
 * cli_client_load_session:
 * @client: a client
 * @error: %HN_ERROR_UNAUTHORIZED when nobody logged in to this server
 *
 * Returns: whether a token for the client's server was found.
 */
gboolean
cli_client_load_session (CliClient *client, GError **error)
{
  g_autofree char *path = cli_client_session_path ();
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autofree char *token = NULL;

  if (g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, NULL))
    token = g_key_file_get_string (file, client->server, "token", NULL);
  if (token == NULL)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_UNAUTHORIZED,
                   _ ("You are not logged in to %s: run “hoinghi login” first."), client->server);
      return FALSE;
    }
  g_free (client->token);
  client->token = g_steal_pointer (&token);
  return TRUE;
}

/**
 * cli_client_save_session:
 * @client: a client
 * @token: the bearer token the server gave
 * @login: who logged in
 * @error: the file could not be written
 *
 * The file is created with mode 0600 before the token is written into it.
 *
 * Returns: whether the session is saved.
 */
gboolean
cli_client_save_session (CliClient *client, const char *token, const char *login, GError **error)
{
  g_autofree char *path = cli_client_session_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autofree char *text = NULL;
  gsize length;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("cannot create %s: %s"), dir,
                   g_strerror (saved));
      return FALSE;
    }
  g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, NULL);
  g_key_file_set_string (file, client->server, "token", token);
  g_key_file_set_string (file, client->server, "login", login);
  text = g_key_file_to_data (file, &length, NULL);
  /* the token is a password: nobody else may read the file */
  if (!g_file_set_contents_full (path, text, length, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return FALSE;
  g_free (client->token);
  client->token = g_strdup (token);
  return TRUE;
}

/**
 * cli_client_forget_session:
 * @client: a client
 * @error: the file could not be written
 *
 * Returns: whether the session of the client's server is gone.
 */
gboolean
cli_client_forget_session (CliClient *client, GError **error)
{
  g_autofree char *path = cli_client_session_path ();
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autofree char *text = NULL;
  gsize length;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, NULL))
    return TRUE;
  g_key_file_remove_group (file, client->server, NULL);
  text = g_key_file_to_data (file, &length, NULL);
  return g_file_set_contents_full (path, text, length, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static HnError
code_for_status (guint status)
{
  switch (status)
    {
    case 401:
      return HN_ERROR_UNAUTHORIZED;
    case 403:
      return HN_ERROR_FORBIDDEN;
    case 404:
      return HN_ERROR_NOT_FOUND;
    case 409:
      return HN_ERROR_CONFLICT;
    case 412:
      return HN_ERROR_PRECONDITION_FAILED;
    case 413:
      return HN_ERROR_PAYLOAD_TOO_LARGE;
    case 429:
      return HN_ERROR_TOO_MANY_REQUESTS;
    default:
      return status >= 500 ? HN_ERROR_UNAVAILABLE : HN_ERROR_INVALID;
    }
}

/* The server's sentence, plus the rows or conflicts it lists. */
static char *
server_message (GBytes *body)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GString) text = g_string_new (NULL);
  JsonObject *error;
  gsize length;
  const char *data = g_bytes_get_data (body, &length);

  if (!json_parser_load_from_data (parser, data, length, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))
      || (error = json_object_get_object_member (
              json_node_get_object (json_parser_get_root (parser)), "error"))
             == NULL)
    return NULL;
  g_string_append (text, json_object_get_string_member_with_default (error, "message", ""));
  if (json_object_has_member (error, "rows"))
    {
      JsonArray *rows = json_object_get_array_member (error, "rows");

      for (guint i = 0; i < json_array_get_length (rows); i++)
        {
          JsonObject *row = json_array_get_object_element (rows, i);

          g_string_append_printf (text, _ ("\n  line %lld: %s"),
                                  (long long) json_object_get_int_member (row, "line"),
                                  json_object_get_string_member (row, "message"));
        }
    }
  if (json_object_has_member (error, "conflicts"))
    {
      JsonArray *conflicts = json_object_get_array_member (error, "conflicts");

      for (guint i = 0; i < json_array_get_length (conflicts); i++)
        {
          JsonObject *c = json_array_get_object_element (conflicts, i);

          g_string_append_printf (text, _ ("\n  %s: meeting %lld “%s” from %s to %s"),
                                  json_object_get_string_member (c, "room"),
                                  (long long) json_object_get_int_member (c, "meeting_id"),
                                  json_object_get_string_member (c, "title"),
                                  json_object_get_string_member (c, "starts_at"),
                                  json_object_get_string_member (c, "ends_at"));
        }
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/**
 * cli_client_call:
 * @client: a client (logged in, for calls that need it)
 * @method: e.g. "GET"
 * @path: below the server, e.g. "/api/v1/meetings"
 * @content_type: (nullable): of @body
 * @body: (nullable): the request body
 * @error: the server's refusal in its words, or why it could not be asked
 *
 * Returns: (transfer full) (nullable): the body of a 2xx answer.
 */
GBytes *
cli_client_call (CliClient *client, const char *method, const char *path, const char *content_type,
                 GBytes *body, GError **error)
{
  g_autofree char *url = g_strconcat (client->server, path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  g_autoptr (GBytes) answer = NULL;
  g_autoptr (GError) local_error = NULL;
  guint status;

  if (msg == NULL)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("“%s” is not a service address: write e.g. http://127.0.0.1:8080"),
                   client->server);
      return NULL;
    }
  if (client->token != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", client->token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, content_type, body);
  answer = soup_session_send_and_read (client->session, msg, NULL, &local_error);
  if (answer == NULL)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE, _ ("Cannot reach %s: %s"), client->server,
                   local_error->message);
      return NULL;
    }
  status = soup_message_get_status (msg);
  if (status >= 200 && status < 300)
    return g_steal_pointer (&answer);
  {
    g_autofree char *message = server_message (answer);

    g_set_error (error, HN_ERROR, code_for_status (status), "%s",
                 message != NULL ? message : soup_message_get_reason_phrase (msg));
  }
  return NULL;
}

/**
 * cli_client_call_json:
 * @client: a client
 * @method: e.g. "POST"
 * @path: below the server
 * @body: (nullable): a JSON body
 * @error: see cli_client_call()
 *
 * Returns: (transfer full) (nullable): the answer's JSON (a null node
 *   for an empty answer).
 */
JsonNode *
cli_client_call_json (CliClient *client, const char *method, const char *path, JsonNode *body,
                      GError **error)
{
  g_autoptr (GBytes) request = NULL;
  g_autoptr (GBytes) answer = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize length;
  const char *data;

  if (body != NULL)
    {
      char *text = json_to_string (body, FALSE);

      request = g_bytes_new_take (text, strlen (text));
    }
  answer = cli_client_call (client, method, path, body != NULL ? "application/json" : NULL, request,
                            error);
  if (answer == NULL)
    return NULL;
  data = g_bytes_get_data (answer, &length);
  if (length == 0)
    return json_node_new (JSON_NODE_NULL);
  if (!json_parser_load_from_data (parser, data, length, error))
    return NULL;
  return json_node_copy (json_parser_get_root (parser));
}

/**
 * cli_exit_code:
 * @error: what went wrong
 *
 * Returns: 4 for not logged in or not allowed, 3 for another refusal, 1
 *   when the server could not answer.
 */
int
cli_exit_code (const GError *error)
{
  if (error->domain == HN_ERROR
      && (error->code == HN_ERROR_UNAUTHORIZED || error->code == HN_ERROR_FORBIDDEN))
    return CLI_EXIT_DENIED;
  if (error->domain == HN_ERROR && error->code != HN_ERROR_UNAVAILABLE
      && error->code != HN_ERROR_INTERNAL)
    return CLI_EXIT_REFUSED;
  return HN_EXIT_FAILURE;
}

/**
 * cli_usage:
 * @message: what is wrong with the command line
 *
 * Returns: %HN_EXIT_USAGE, after saying @message.
 */
int
cli_usage (const char *message)
{
  g_printerr ("hoinghi: %s\n", message);
  return HN_EXIT_USAGE;
}

/**
 * cli_fail:
 * @error: what went wrong
 *
 * Returns: the exit code for @error, after saying it.
 */
int
cli_fail (const GError *error)
{
  g_printerr ("hoinghi: %s\n", error->message);
  return cli_exit_code (error);
}
