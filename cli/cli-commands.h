/* cli-commands.h: the commands of the hoinghi client. */
#pragma once

#include "cli-client.h"

G_BEGIN_DECLS

typedef int (*CliCommandFunc) (CliClient *client, int argc, char **argv);

int cli_status (CliClient *client, int argc, char **argv);
int cli_login (CliClient *client, int argc, char **argv);
int cli_logout (CliClient *client, int argc, char **argv);
int cli_meetings (CliClient *client, int argc, char **argv);
int cli_series (CliClient *client, int argc, char **argv);
int cli_outcome (CliClient *client, int argc, char **argv);
int cli_import (CliClient *client, int argc, char **argv);
int cli_report (CliClient *client, int argc, char **argv);

G_END_DECLS
