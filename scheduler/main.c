/* hoinghi-scheduler: the meeting-booking service.
 *
 * Serves the booking API over the SQLite database in the data directory,
 * or runs one administrative job and exits: --add-user (the password comes
 * on standard input) or --backup FILE (a consistent copy made while the
 * service runs).
 */
#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "libhoinghi/hn-daemon.h"
#include "libhoinghi/hn-i18n.h"

#include "sched-api.h"
#include "sched-auth.h"
#include "sched-db.h"

typedef struct
{
  char *backup;
  char *add_user;
  char *role;
  char *unit;
  SchedDb *db;
  SchedApi *api;
} Scheduler;

static char *
database_path (HnDaemon *daemon)
{
  return g_build_filename (hn_config_get_data_dir (hn_daemon_get_config (daemon)), SCHED_DB_FILE,
                           NULL);
}

static int
fail (const char *message)
{
  g_printerr ("hoinghi-scheduler: %s\n", message);
  return HN_EXIT_FAILURE;
}

static int
run_backup (HnDaemon *daemon, Scheduler *scheduler)
{
  g_autofree char *path = database_path (daemon);
  g_autoptr (SchedDb) db = NULL;
  g_autoptr (GError) error = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *message
          = g_strdup_printf (_ ("there is no database at %s to back up"), path);

      return fail (message);
    }
  db = sched_db_open (path, 0, &error);
  if (db == NULL || !sched_db_backup (db, scheduler->backup, &error))
    return fail (error->message);
  g_print (_ ("backed up %s to %s\n"), path, scheduler->backup);
  return HN_EXIT_OK;
}

static char *
read_password (void)
{
  char buffer[1024];
  gsize length;

  if (fgets (buffer, sizeof buffer, stdin) == NULL)
    return NULL;
  length = strcspn (buffer, "\r\n");
  buffer[length] = '\0';
  return g_strdup (buffer);
}

static int
run_add_user (HnDaemon *daemon, Scheduler *scheduler)
{
  g_autofree char *path = database_path (daemon);
  g_autofree char *password = NULL;
  g_autoptr (SchedDb) db = NULL;
  g_autoptr (GError) error = NULL;

  if (scheduler->role == NULL || scheduler->unit == NULL)
    {
      g_printerr (_ ("hoinghi-scheduler: --add-user needs --role ROLE and --unit CODE\n"));
      return HN_EXIT_USAGE;
    }
  password = read_password ();
  if (password == NULL)
    return fail (_ ("no password on standard input"));
  if (!hn_config_ensure_data_dir (hn_daemon_get_config (daemon), &error))
    return fail (error->message);
  db = sched_db_open (path, 0, &error);
  if (db == NULL
      || !sched_auth_add_user (db, scheduler->add_user, scheduler->role, scheduler->unit, password,
                               g_get_real_time () / G_USEC_PER_SEC, &error))
    {
      memset (password, 0, strlen (password));
      return fail (error->message);
    }
  memset (password, 0, strlen (password));
  g_print (_ ("added %s (%s, unit %s)\n"), scheduler->add_user, scheduler->role, scheduler->unit);
  return HN_EXIT_OK;
}

static int
command (HnDaemon *daemon, gpointer user_data)
{
  Scheduler *scheduler = user_data;

  if (scheduler->backup != NULL && scheduler->add_user != NULL)
    {
      g_printerr (_ ("hoinghi-scheduler: give --backup or --add-user, not both\n"));
      return HN_EXIT_USAGE;
    }
  if (scheduler->backup != NULL)
    return run_backup (daemon, scheduler);
  if (scheduler->add_user != NULL)
    return run_add_user (daemon, scheduler);
  if (scheduler->role != NULL || scheduler->unit != NULL)
    {
      g_printerr (_ ("hoinghi-scheduler: --role and --unit go with --add-user\n"));
      return HN_EXIT_USAGE;
    }
  return -1;
}

static gboolean
setup (HnDaemon *daemon, gpointer user_data, GError **error)
{
  Scheduler *scheduler = user_data;
  g_autofree char *path = database_path (daemon);

  scheduler->db = sched_db_open (path, 0, error);
  if (scheduler->db == NULL)
    return FALSE;
  scheduler->api = sched_api_new (scheduler->db, hn_daemon_get_server (daemon), error);
  return scheduler->api != NULL;
}

int
main (int argc, char **argv)
{
  g_autoptr (HnDaemon) daemon = NULL;
  Scheduler scheduler = { 0 };
  const GOptionEntry entries[] = {
    { "backup", 0, 0, G_OPTION_ARG_FILENAME, &scheduler.backup,
      N_ ("Copy the database to FILE (safe while the service runs) and exit"), N_ ("FILE") },
    { "add-user", 0, 0, G_OPTION_ARG_STRING, &scheduler.add_user,
      N_ ("Add the user LOGIN (password on standard input) and exit"), N_ ("LOGIN") },
    { "role", 0, 0, G_OPTION_ARG_STRING, &scheduler.role,
      N_ ("With --add-user: admin, secretary, technician or viewer"), N_ ("ROLE") },
    { "unit", 0, 0, G_OPTION_ARG_STRING, &scheduler.unit,
      N_ ("With --add-user: the code of the user's unit"), N_ ("CODE") },
    { NULL },
  };
  int status;

  hn_i18n_init ();
  if (sodium_init () < 0)
    return fail ("libsodium could not initialise");
  daemon = hn_daemon_new ("hoinghi-scheduler",
                          _ ("The meeting scheduler: books meetings of the province, its districts "
                             "and communes."),
                          "127.0.0.1:8080");
  hn_daemon_add_entries (daemon, entries);
  hn_daemon_set_command (daemon, command, &scheduler);
  status = hn_daemon_run (daemon, argc, argv, setup, &scheduler);

  /* The worker ends first, so that the last reference is dropped here. */
  if (scheduler.db != NULL)
    sched_db_stop (scheduler.db);
  g_clear_object (&scheduler.api);
  g_clear_object (&scheduler.db);
  g_free (scheduler.backup);
  g_free (scheduler.add_user);
  g_free (scheduler.role);
  g_free (scheduler.unit);
  return status;
}
