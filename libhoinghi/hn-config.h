/* hn-config.h: settings from a keyfile and the command line.
 *
 * Every setting has a keyfile home (group + key).  The command line can
 * set any setting that has an option; the command line wins over the
 * keyfile, the keyfile over the built-in default.  Keys nobody declared
 * are refused, so a typo in a config file is an error, not a silent
 * default.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HN_CONFIG_DEFAULT_MAX_BODY_BYTES (1024 * 1024)

#define HN_TYPE_CONFIG (hn_config_get_type ())
G_DECLARE_FINAL_TYPE (HnConfig, hn_config, HN, CONFIG, GObject)

HnConfig *hn_config_new (const char *program, const char *default_listen);

void hn_config_add_option (HnConfig *self, const char *long_name, const char *group,
                           const char *key, const char *description, const char *arg_description);
void hn_config_declare_key (HnConfig *self, const char *group, const char *key);
GOptionGroup *hn_config_create_option_group (HnConfig *self);

gboolean hn_config_load (HnConfig *self, GError **error);
gboolean hn_config_ensure_data_dir (HnConfig *self, GError **error);

const char *hn_config_get_program (HnConfig *self);
const char *hn_config_get_data_dir (HnConfig *self);
const char *hn_config_get_listen_host (HnConfig *self);
guint16 hn_config_get_listen_port (HnConfig *self);
gboolean hn_config_get_verbose (HnConfig *self);
gsize hn_config_get_max_body_bytes (HnConfig *self);
char *hn_config_get_string (HnConfig *self, const char *group, const char *key);

gboolean hn_parse_host_port (const char *text, char **host, guint16 *port, GError **error);

G_END_DECLS
