/* cli-client.h: the CLI's connection to the scheduler, and its saved
 * session. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Exit codes of the hoinghi command (see man/hoinghi.1). */
#define CLI_EXIT_REFUSED 3 /* the server refused the request (4xx) */
#define CLI_EXIT_DENIED 4  /* not logged in, or not allowed (401, 403) */

typedef struct _CliClient CliClient;

CliClient *cli_client_new (const char *server);
void cli_client_free (CliClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliClient, cli_client_free)

const char *cli_client_get_server (CliClient *client);
gboolean cli_client_load_session (CliClient *client, GError **error);
gboolean cli_client_save_session (CliClient *client, const char *token, const char *login,
                                  GError **error);
gboolean cli_client_forget_session (CliClient *client, GError **error);
char *cli_client_session_path (void);

GBytes *cli_client_call (CliClient *client, const char *method, const char *path,
                         const char *content_type, GBytes *body, GError **error);
JsonNode *cli_client_call_json (CliClient *client, const char *method, const char *path,
                                JsonNode *body, GError **error);
int cli_exit_code (const GError *error);
int cli_usage (const char *message);
int cli_fail (const GError *error);

G_END_DECLS
