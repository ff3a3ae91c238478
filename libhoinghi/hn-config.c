/* hn-config.c: HnConfig, the merged keyfile + command-line settings. */
#define G_LOG_DOMAIN "hoinghi"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "hn-config.h"
#include "hn-error.h"
#include "hn-i18n.h"

#define SERVER_GROUP "server"

struct _HnConfig
{
  GObject parent_instance;

  char *program;
  char *default_listen;
  char *config_file;

  /* "group\x1fkey" of every declared setting */
  GHashTable *declared;
  /* "--long-name" -> "group\x1fkey" for options added by the program */
  GHashTable *options;
  /* "group\x1fkey" -> value given on the command line */
  GHashTable *cli_values;
  GArray *extra_entries;

  GKeyFile *merged;

  char *data_dir;
  char *listen_host;
  guint16 listen_port;
  gboolean verbose;
  gsize max_body_bytes;
};

G_DEFINE_FINAL_TYPE (HnConfig, hn_config, G_TYPE_OBJECT)

static char *
setting_id (const char *group, const char *key)
{
  return g_strconcat (group, "\x1f", key, NULL);
}

static void
hn_config_finalize (GObject *object)
{
  HnConfig *self = HN_CONFIG (object);

  g_free (self->program);
  g_free (self->default_listen);
  g_free (self->config_file);
  g_hash_table_unref (self->declared);
  g_hash_table_unref (self->options);
  g_hash_table_unref (self->cli_values);
  for (guint i = 0; i < self->extra_entries->len; i++)
    {
      GOptionEntry *entry = &g_array_index (self->extra_entries, GOptionEntry, i);

      g_free ((char *) entry->long_name);
      g_free ((char *) entry->description);
      g_free ((char *) entry->arg_description);
    }
  g_array_unref (self->extra_entries);
  g_clear_pointer (&self->merged, g_key_file_unref);
  g_free (self->data_dir);
  g_free (self->listen_host);

  G_OBJECT_CLASS (hn_config_parent_class)->finalize (object);
}

static void
hn_config_class_init (HnConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hn_config_finalize;
}

static void
hn_config_init (HnConfig *self)
{
  self->declared = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->options = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->cli_values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->extra_entries = g_array_new (FALSE, TRUE, sizeof (GOptionEntry));
  self->max_body_bytes = HN_CONFIG_DEFAULT_MAX_BODY_BYTES;
}

/**
 * hn_config_new:
 * @program: the program's name, e.g. "hoinghi-mcu"
 * @default_listen: the HOST:PORT used when neither keyfile nor command
 *   line says otherwise
 *
 * Returns: (transfer full): a new configuration with the shared settings
 *   ([server] listen, data-dir, verbose, max-body-bytes) declared.
 */
HnConfig *
hn_config_new (const char *program, const char *default_listen)
{
  HnConfig *self;

  g_return_val_if_fail (program != NULL, NULL);
  g_return_val_if_fail (default_listen != NULL, NULL);

  self = g_object_new (HN_TYPE_CONFIG, NULL);
  self->program = g_strdup (program);
  self->default_listen = g_strdup (default_listen);
  hn_config_declare_key (self, SERVER_GROUP, "listen");
  hn_config_declare_key (self, SERVER_GROUP, "data-dir");
  hn_config_declare_key (self, SERVER_GROUP, "verbose");
  hn_config_declare_key (self, SERVER_GROUP, "max-body-bytes");
  return self;
}

/**
 * hn_config_declare_key:
 * @self: a #HnConfig
 * @group: the keyfile group
 * @key: the key
 *
 * Declares a setting that only the keyfile sets.
 */
void
hn_config_declare_key (HnConfig *self, const char *group, const char *key)
{
  g_return_if_fail (HN_IS_CONFIG (self));

  g_hash_table_add (self->declared, setting_id (group, key));
}

static gboolean
on_option (const char *option_name, const char *value, gpointer data, GError **error)
{
  HnConfig *self = HN_CONFIG (data);
  const char *id;

  if (g_str_equal (option_name, "--config") || g_str_equal (option_name, "-c"))
    {
      g_free (self->config_file);
      self->config_file = g_strdup (value);
      return TRUE;
    }
  if (g_str_equal (option_name, "--verbose") || g_str_equal (option_name, "-v"))
    {
      g_hash_table_insert (self->cli_values, setting_id (SERVER_GROUP, "verbose"),
                           g_strdup ("true"));
      return TRUE;
    }
  if (g_str_equal (option_name, "--data-dir") || g_str_equal (option_name, "-d"))
    id = SERVER_GROUP "\x1f"
                      "data-dir";
  else if (g_str_equal (option_name, "--listen") || g_str_equal (option_name, "-l"))
    id = SERVER_GROUP "\x1f"
                      "listen";
  else
    id = g_hash_table_lookup (self->options, option_name);

  g_assert (id != NULL);
  g_hash_table_insert (self->cli_values, g_strdup (id), g_strdup (value));
  return TRUE;
}

/**
 * hn_config_add_option:
 * @self: a #HnConfig
 * @long_name: the option without dashes, e.g. "api-key-file"
 * @group: the keyfile group of the setting
 * @key: the keyfile key of the setting
 * @description: (nullable): the translatable help text (untranslated;
 *   GOption translates it)
 * @arg_description: (nullable): the placeholder shown in --help
 *
 * Declares a string setting that both the keyfile and a command-line
 * option can set.  Call before hn_config_create_option_group().
 */
void
hn_config_add_option (HnConfig *self, const char *long_name, const char *group, const char *key,
                      const char *description, const char *arg_description)
{
  GOptionEntry entry = { 0 };

  g_return_if_fail (HN_IS_CONFIG (self));
  g_return_if_fail (long_name != NULL && group != NULL && key != NULL);

  hn_config_declare_key (self, group, key);
  g_hash_table_insert (self->options, g_strconcat ("--", long_name, NULL), setting_id (group, key));

  entry.long_name = g_strdup (long_name);
  entry.arg = G_OPTION_ARG_CALLBACK;
  entry.arg_data = (gpointer) on_option;
  entry.description = g_strdup (description);
  entry.arg_description = g_strdup (arg_description);
  g_array_append_val (self->extra_entries, entry);
}

/**
 * hn_config_create_option_group:
 * @self: a #HnConfig
 *
 * The group holds --config, --data-dir, --listen, --verbose and every
 * option added with hn_config_add_option().  Add it as the main group of
 * the program's #GOptionContext.
 *
 * Returns: (transfer full): a new option group writing into @self.
 */
GOptionGroup *
hn_config_create_option_group (HnConfig *self)
{
  const GOptionEntry shared[] = {
    { "config", 'c', 0, G_OPTION_ARG_CALLBACK, (gpointer) on_option,
      N_ ("Read settings from FILE (a keyfile); options given here win"), N_ ("FILE") },
    { "data-dir", 'd', 0, G_OPTION_ARG_CALLBACK, (gpointer) on_option,
      N_ ("Keep data (database, recordings) in DIR"), N_ ("DIR") },
    { "listen", 'l', 0, G_OPTION_ARG_CALLBACK, (gpointer) on_option,
      N_ ("Listen for HTTP on HOST:PORT"), N_ ("HOST:PORT") },
    { "verbose", 'v', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, (gpointer) on_option,
      N_ ("Log debug messages too"), NULL },
    { NULL },
  };
  GOptionGroup *group;

  g_return_val_if_fail (HN_IS_CONFIG (self), NULL);

  group = g_option_group_new (self->program, NULL, NULL, self, NULL);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_group_add_entries (group, shared);
  if (self->extra_entries->len > 0)
    {
      g_autoptr (GArray) entries = g_array_copy (self->extra_entries);
      GOptionEntry terminator = { NULL };

      g_array_append_val (entries, terminator);
      g_option_group_add_entries (group, (GOptionEntry *) (void *) entries->data);
    }
  return group;
}

/**
 * hn_parse_host_port:
 * @text: "HOST:PORT", where HOST is an IPv4 address, a bracketed IPv6
 *   address or "localhost", and PORT is 0–65535 (0: any free port)
 * @host: (out) (transfer full): the host as an IP address
 * @port: (out): the port
 * @error: the reason @text is wrong
 *
 * Returns: whether @text was valid.
 */
gboolean
hn_parse_host_port (const char *text, char **host, guint16 *port, GError **error)
{
  g_autofree char *host_part = NULL;
  g_autoptr (GInetAddress) address = NULL;
  const char *port_part;
  guint64 port_value;

  g_return_val_if_fail (text != NULL, FALSE);

  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');

      if (close == NULL || close[1] != ':')
        goto bad;
      host_part = g_strndup (text + 1, close - text - 1);
      port_part = close + 2;
    }
  else
    {
      const char *colon = strrchr (text, ':');

      if (colon == NULL || memchr (text, ':', colon - text) != NULL)
        goto bad;
      host_part = g_strndup (text, colon - text);
      port_part = colon + 1;
    }

  if (*port_part == '\0'
      || !g_ascii_string_to_unsigned (port_part, 10, 0, 65535, &port_value, NULL))
    goto bad;

  if (g_ascii_strcasecmp (host_part, "localhost") == 0)
    {
      g_free (host_part);
      host_part = g_strdup ("127.0.0.1");
    }
  address = g_inet_address_new_from_string (host_part);
  if (address == NULL)
    goto bad;

  *host = g_steal_pointer (&host_part);
  *port = (guint16) port_value;
  return TRUE;

bad:
  g_set_error (error, HN_ERROR, HN_ERROR_CONFIG,
               _ ("“%s” is not a listening address: write HOST:PORT with an IP address, e.g. "
                  "127.0.0.1:8080 or [::1]:8080"),
               text);
  return FALSE;
}

static gboolean
parse_bool (const char *value, gboolean *out)
{
  if (g_ascii_strcasecmp (value, "true") == 0 || g_str_equal (value, "1"))
    *out = TRUE;
  else if (g_ascii_strcasecmp (value, "false") == 0 || g_str_equal (value, "0"))
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

static gboolean
check_declared (HnConfig *self, GKeyFile *file, GError **error)
{
  g_auto (GStrv) groups = g_key_file_get_groups (file, NULL);

  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_auto (GStrv) keys = g_key_file_get_keys (file, groups[i], NULL, NULL);

      for (guint j = 0; keys != NULL && keys[j] != NULL; j++)
        {
          g_autofree char *id = setting_id (groups[i], keys[j]);

          if (!g_hash_table_contains (self->declared, id))
            {
              g_set_error (error, HN_ERROR, HN_ERROR_CONFIG,
                           _ ("%s: unknown setting “%s” in group [%s]; check its spelling"),
                           self->config_file, keys[j], groups[i]);
              return FALSE;
            }
        }
    }
  return TRUE;
}

static gboolean
apply_shared_settings (HnConfig *self, GError **error)
{
  g_autofree char *listen = g_key_file_get_string (self->merged, SERVER_GROUP, "listen", NULL);
  g_autofree char *data_dir = g_key_file_get_string (self->merged, SERVER_GROUP, "data-dir", NULL);
  g_autofree char *verbose = g_key_file_get_string (self->merged, SERVER_GROUP, "verbose", NULL);
  g_autofree char *max_body
      = g_key_file_get_string (self->merged, SERVER_GROUP, "max-body-bytes", NULL);

  if (!hn_parse_host_port (listen != NULL ? listen : self->default_listen, &self->listen_host,
                           &self->listen_port, error))
    return FALSE;

  if (data_dir == NULL || *data_dir == '\0')
    self->data_dir = g_build_filename (g_get_user_data_dir (), "hoinghi", NULL);
  else if (!g_path_is_absolute (data_dir))
    {
      g_autofree char *cwd = g_get_current_dir ();

      self->data_dir = g_build_filename (cwd, data_dir, NULL);
    }
  else
    self->data_dir = g_steal_pointer (&data_dir);

  if (verbose != NULL && !parse_bool (verbose, &self->verbose))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG, _ ("verbose must be true or false, not “%s”"),
                   verbose);
      return FALSE;
    }

  if (max_body != NULL)
    {
      guint64 value;

      if (!g_ascii_string_to_unsigned (max_body, 10, 1024, 64 * 1024 * 1024, &value, NULL))
        {
          g_set_error (error, HN_ERROR, HN_ERROR_CONFIG,
                       _ ("max-body-bytes must be a number from 1024 to 67108864, not “%s”"),
                       max_body);
          return FALSE;
        }
      self->max_body_bytes = value;
    }
  return TRUE;
}

/**
 * hn_config_load:
 * @self: a #HnConfig, after the command line was parsed
 * @error: what is wrong, in one sentence
 *
 * Reads the keyfile named by --config (if any), lays the command-line
 * values over it and checks the shared settings.
 *
 * Returns: whether the settings are usable.
 */
gboolean
hn_config_load (HnConfig *self, GError **error)
{
  GHashTableIter iter;
  gpointer id, value;

  g_return_val_if_fail (HN_IS_CONFIG (self), FALSE);

  g_clear_pointer (&self->merged, g_key_file_unref);
  self->merged = g_key_file_new ();

  if (self->config_file != NULL)
    {
      g_autoptr (GError) local_error = NULL;

      if (!g_key_file_load_from_file (self->merged, self->config_file, G_KEY_FILE_NONE,
                                      &local_error))
        {
          g_set_error (error, HN_ERROR, HN_ERROR_CONFIG,
                       _ ("cannot read the configuration file %s: %s"), self->config_file,
                       local_error->message);
          return FALSE;
        }
      if (!check_declared (self, self->merged, error))
        return FALSE;
    }

  g_hash_table_iter_init (&iter, self->cli_values);
  while (g_hash_table_iter_next (&iter, &id, &value))
    {
      g_auto (GStrv) parts = g_strsplit (id, "\x1f", 2);

      g_key_file_set_string (self->merged, parts[0], parts[1], value);
    }

  return apply_shared_settings (self, error);
}

/**
 * hn_config_ensure_data_dir:
 * @self: a loaded #HnConfig
 * @error: what is wrong and what to do
 *
 * Creates the data directory (mode 0750) if it does not exist and checks
 * that it is a writable directory.
 *
 * Returns: whether the data directory is usable.
 */
gboolean
hn_config_ensure_data_dir (HnConfig *self, GError **error)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), FALSE);
  g_return_val_if_fail (self->data_dir != NULL, FALSE);

  if (g_mkdir_with_parents (self->data_dir, 0750) != 0)
    {
      int saved = errno;

      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG,
                   _ ("cannot create the data directory %s: %s; choose another with "
                      "--data-dir DIR or fix its permissions"),
                   self->data_dir, g_strerror (saved));
      return FALSE;
    }
  if (access (self->data_dir, W_OK | X_OK) != 0)
    {
      int saved = errno;

      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG,
                   _ ("the data directory %s is not writable: %s; choose another with "
                      "--data-dir DIR or fix its permissions"),
                   self->data_dir, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/**
 * hn_config_get_string:
 * @self: a loaded #HnConfig
 * @group: the keyfile group
 * @key: the key (declared)
 *
 * Returns: (transfer full) (nullable): the setting's value, command line
 *   first, then keyfile; %NULL when neither sets it.
 */
char *
hn_config_get_string (HnConfig *self, const char *group, const char *key)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), NULL);
  g_return_val_if_fail (self->merged != NULL, NULL);

  return g_key_file_get_string (self->merged, group, key, NULL);
}

/**
 * hn_config_get_program:
 * @self: a #HnConfig
 *
 * Returns: (transfer none): the program's name.
 */
const char *
hn_config_get_program (HnConfig *self)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), NULL);
  return self->program;
}

/**
 * hn_config_get_data_dir:
 * @self: a loaded #HnConfig
 *
 * Returns: (transfer none): the absolute path of the data directory.
 */
const char *
hn_config_get_data_dir (HnConfig *self)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), NULL);
  return self->data_dir;
}

/**
 * hn_config_get_listen_host:
 * @self: a loaded #HnConfig
 *
 * Returns: (transfer none): the IP address to listen on.
 */
const char *
hn_config_get_listen_host (HnConfig *self)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), NULL);
  return self->listen_host;
}

/**
 * hn_config_get_listen_port:
 * @self: a loaded #HnConfig
 *
 * Returns: the port to listen on; 0 means any free port.
 */
guint16
hn_config_get_listen_port (HnConfig *self)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), 0);
  return self->listen_port;
}

/**
 * hn_config_get_verbose:
 * @self: a loaded #HnConfig
 *
 * Returns: whether debug messages are logged.
 */
gboolean
hn_config_get_verbose (HnConfig *self)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), FALSE);
  return self->verbose;
}

/**
 * hn_config_get_max_body_bytes:
 * @self: a loaded #HnConfig
 *
 * Returns: the largest request body the HTTP server accepts.
 */
gsize
hn_config_get_max_body_bytes (HnConfig *self)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), HN_CONFIG_DEFAULT_MAX_BODY_BYTES);
  return self->max_body_bytes;
}
