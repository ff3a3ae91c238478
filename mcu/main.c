/* hoinghi-mcu: the multipoint control unit.
 *
 * Carries audio and video among the sites of a meeting.  This file wires
 * the daemon's life: the room registry, the sites' signalling, the
 * control API with its event stream and metrics, the browser page, the
 * API key and the limits.
 */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/gst.h>

#include "libhoinghi/hn-daemon.h"
#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

#include "gst/mcu-plugin.h"
#include "mcu-api.h"
#include "mcu-rooms.h"
#include "mcu-signalling.h"
#include "mcu-web.h"

#define KEY_FILE "mcu-api-key"
#define ROOMS_FILE "mcu-rooms.json"
#define RECORDINGS_DIR "recordings"

typedef struct
{
  McuRooms *rooms;
  McuApi *api;
  McuSignalling *signalling;
} Mcu;

static guint
setting (HnConfig *config, const char *key, guint fallback, guint max, GError **error)
{
  if (error != NULL && *error != NULL)
    return 0;

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

static gboolean
flag (HnConfig *config, const char *key, gboolean fallback, GError **error)
{
  g_autofree char *text = hn_config_get_string (config, "mcu", key);

  if (text == NULL || (error != NULL && *error != NULL))
    return fallback;
  if (!g_str_equal (text, "true") && !g_str_equal (text, "false"))
    g_set_error (error, HN_ERROR, HN_ERROR_CONFIG, _ ("%s must be true or false, not “%s”"), key,
                 text);
  return g_str_equal (text, "true");
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

  mcu_signalling_stop (mcu->signalling);
  mcu_api_close_events (mcu->api);
}

/* The addresses ICE may offer: production lists the interfaces the sites
 * reach; the embedded default keeps everything on loopback. */
static GStrv
ice_addresses (HnConfig *config, GError **error)
{
  g_autofree char *text = hn_config_get_string (config, "mcu", "ice-addresses");
  g_auto (GStrv) list = g_strsplit (text != NULL ? text : "127.0.0.1", ",", -1);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; list[i] != NULL; i++)
    {
      g_autoptr (GInetAddress) address = NULL;

      if (*g_strstrip (list[i]) == '\0' || g_str_equal (list[i], "all"))
        continue;
      address = g_inet_address_new_from_string (list[i]);
      if (address == NULL)
        {
          g_set_error (error, HN_ERROR, HN_ERROR_CONFIG,
                       _ ("ice-addresses: “%s” is not an IP address"), list[i]);
          return NULL;
        }
      g_strv_builder_add (builder, list[i]);
    }
  return g_strv_builder_end (builder);
}

/* [mcu] recordings-dir, by default "recordings" in the data directory;
 * made (0700: recordings are the meetings themselves). */
static char *
recordings_dir (HnConfig *config, GError **error)
{
  g_autofree char *dir = hn_config_get_string (config, "mcu", "recordings-dir");

  if (dir == NULL)
    dir = g_build_filename (hn_config_get_data_dir (config), RECORDINGS_DIR, NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG, _ ("recordings-dir: %s cannot be made: %s"),
                   dir, g_strerror (saved));
      return NULL;
    }
  return g_steal_pointer (&dir);
}

static gboolean
setup (HnDaemon *daemon, gpointer user_data, GError **error)
{
  Mcu *mcu = user_data;
  HnConfig *config = hn_daemon_get_config (daemon);
  g_autofree char *key = NULL;
  g_autofree char *rooms_file = NULL, *recordings = NULL;
  g_auto (GStrv) addresses = NULL;
  McuSignallingLimits limits = { 0 };
  McuMediaOptions media = { 0 };
  guint max_rooms, max_participants;

  max_rooms = setting (config, "max-rooms", 50, 10000, error);
  max_participants = setting (config, "max-participants", 200, 100000, error);
  limits.max_message_bytes = setting (config, "max-message-bytes", 65536, 1 << 24, error);
  limits.max_messages_per_second = setting (config, "max-messages-per-second", 50, 100000, error);
  limits.join_timeout_s = setting (config, "join-timeout", 10, 3600, error);
  media.jitter_ms = setting (config, "jitter-buffer-ms", 40, 2000, error);
  media.share_encoders = flag (config, "share-encoders", TRUE, error);
  media.share_video_encoders = flag (config, "share-video-encoders", TRUE, error);
  media.decode_fec = flag (config, "decode-fec", FALSE, error);
  if (error != NULL && *error != NULL)
    return FALSE;
  addresses = ice_addresses (config, error);
  if (addresses == NULL)
    return FALSE;
  key = load_api_key (config, error);
  if (key == NULL)
    return FALSE;
  recordings = recordings_dir (config, error);
  if (recordings == NULL)
    return FALSE;
  /* a recording over the file size limit fails by itself (EFBIG) and
   * stops; the signal would end the whole mcu */
  signal (SIGXFSZ, SIG_IGN);
  mcu_plugin_register ();
  mcu->rooms = mcu_rooms_new (max_rooms, max_participants);
  rooms_file = g_build_filename (hn_config_get_data_dir (config), ROOMS_FILE, NULL);
  if (!mcu_rooms_load (mcu->rooms, rooms_file, error))
    return FALSE;
  media.ice_addresses = addresses;
  mcu_rooms_set_media_options (mcu->rooms, &media);
  mcu_rooms_set_recordings_dir (mcu->rooms, recordings);
  mcu->api = mcu_api_new (hn_daemon_get_server (daemon), mcu->rooms, key);
  mcu->signalling = mcu_signalling_new (hn_daemon_get_server (daemon), mcu->rooms, &limits);
  mcu_signalling_set_monitor_key (mcu->signalling, key);
  mcu_web_register (hn_daemon_get_server (daemon));
  g_signal_connect (daemon, "stopping", G_CALLBACK (on_stopping), mcu);
  return TRUE;
}

/* The [mcu] keys of the configuration file; see docs/OPERATIONS.md. */
static const char *const config_keys[] = {
  "max-rooms",    "max-participants", "max-message-bytes",    "max-messages-per-second",
  "join-timeout", "jitter-buffer-ms", "ice-addresses",        "share-encoders",
  "decode-fec",   "recordings-dir",   "share-video-encoders",
};

int
main (int argc, char **argv)
{
  g_autoptr (HnDaemon) daemon = NULL;
  Mcu mcu = { 0 };
  int status;

  hn_i18n_init ();
  gst_init (NULL, NULL);
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
  for (guint i = 0; i < G_N_ELEMENTS (config_keys); i++)
    hn_config_declare_key (hn_daemon_get_config (daemon), "mcu", config_keys[i]);
  status = hn_daemon_run (daemon, argc, argv, setup, &mcu);
  g_clear_object (&mcu.signalling);
  g_clear_object (&mcu.api);
  g_clear_object (&mcu.rooms);
  return status;
}
