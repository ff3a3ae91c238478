/* panel-application.h: the GTK application of the technician's panel. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PANEL_TYPE_APPLICATION (panel_application_get_type ())
G_DECLARE_FINAL_TYPE (PanelApplication, panel_application, PANEL, APPLICATION, GtkApplication)

PanelApplication *panel_application_new (void);
GtkWindow *panel_application_get_main_window (PanelApplication *self);

G_END_DECLS
