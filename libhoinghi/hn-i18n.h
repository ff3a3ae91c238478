/* hn-i18n.h: gettext set-up shared by every program. */
#pragma once

#include <glib.h>
#include <glib/gi18n.h>

G_BEGIN_DECLS

void hn_i18n_init (void);
const char *hn_i18n_localedir (void);

G_END_DECLS
