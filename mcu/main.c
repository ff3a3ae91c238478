/* hoinghi-mcu: the multipoint control unit.
 *
 * Carries audio and video among the sites of a meeting.  This file wires
 * the daemon's life: the room registry, the control API with its event
 * stream and metrics, and the API key.
 */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#include <glib/gstdio.h>

#include "libhoinghi/hn-daemon.h"
#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#include "mcu-api.h"
#include "mcu-rooms.h"

#define KEY_FILE "mcu-api-key"

typedef struct
{
  McuRooms *rooms;
  McuApi *api;
} Mcu;

static guint
setting (HnConfig *config, const char *key, guint fallback, guint max, GError **error)
{
  g_autofree char *text = hn_config_get_string (config, "mcu", key);
  guint64 value;

  if (text == NULL)
    return fallback;
  if (!g_ascii_string_to_unsigned (text, 10, 1, max, &value, NULL))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG,
                   _ ("%s must be a number from 1 to %u, not “%s”"), key, max, text);
      return 0;
    }
  return value;
}

/* The API key: from --api-key-file, or made on first start in the data
 * directory (mode 0600) so that the mcu is never open without one. */
static char *
load_api_key (HnConfig *config, GError **error)
{
  g_autofree char *file = hn_config_get_string (config, "mcu", "api-key-file");
  g_autofree char *contents = NULL;

  if (file == NULL)
    {
      file = g_build_filename (hn_config_get_data_dir (config), KEY_FILE, NULL);
      if (!g_file_test (file, G_FILE_TEST_EXISTS))
        {
          guint8 raw[32];
          g_autofree char *key = NULL;

          randombytes_buf (raw, sizeof raw);
          key = g_base64_encode (raw, sizeof raw);
          g_strdelimit (g_strdelimit (key, "+", '-'), "/", '_');
          g_strdelimit (key, "=", '\0');
          if (!g_file_set_contents_full (file, key, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                         error))
            return NULL;
          g_message ("made an API key in %s", file);
        }
    }
  if (!g_file_get_contents (file, &contents, NULL, error))
    {
      g_prefix_error (error, _ ("cannot read the API key: "));
      return NULL;
    }
  g_strstrip (contents);
  if (strlen (contents) < 16)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG,
                   _ ("the API key in %s is shorter than 16 characters"), file);
      return NULL;
    }
  return g_steal_pointer (&contents);
}

static void
on_stopping (HnDaemon *daemon, gpointer user_data)
{
  Mcu *mcu = user_data;

  mcu_api_close_events (mcu->api);
}

static gboolean
setup (HnDaemon *daemon, gpointer user_data, GError **error)
{
  Mcu *mcu = user_data;
  HnConfig *config = hn_daemon_get_config (daemon);
  g_autofree char *key = NULL;
  guint max_rooms, max_participants;

  max_rooms = setting (config, "max-rooms", 50, 10000, error);
  if (max_rooms == 0)
    return FALSE;
  max_participants = setting (config, "max-participants", 200, 100000, error);
  if (max_participants == 0)
    return FALSE;
  key = load_api_key (config, error);
  if (key == NULL)
    return FALSE;
  mcu->rooms = mcu_rooms_new (max_rooms, max_participants);
  mcu->api = mcu_api_new (hn_daemon_get_server (daemon), mcu->rooms, key);
  g_signal_connect (daemon, "stopping", G_CALLBACK (on_stopping), mcu);
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (HnDaemon) daemon = NULL;
  Mcu mcu = { 0 };
  int status;

  hn_i18n_init ();
  if (sodium_init () < 0)
    {
      g_printerr ("hoinghi-mcu: libsodium could not initialise\n");
      return HN_EXIT_FAILURE;
    }
  daemon = hn_daemon_new ("hoinghi-mcu",
                          _ ("The multipoint control unit: carries audio and video among the "
                             "sites of a meeting."),
                          "127.0.0.1:8443");
  hn_config_add_option (hn_daemon_get_config (daemon), "api-key-file", "mcu", "api-key-file",
                        N_ ("Read the control API's key from FILE (default: made in the data "
                            "directory)"),
                        N_ ("FILE"));
  hn_config_declare_key (hn_daemon_get_config (daemon), "mcu", "max-rooms");
  hn_config_declare_key (hn_daemon_get_config (daemon), "mcu", "max-participants");
  status = hn_daemon_run (daemon, argc, argv, setup, &mcu);
  g_clear_object (&mcu.api);
  g_clear_object (&mcu.rooms);
  return status;
}
