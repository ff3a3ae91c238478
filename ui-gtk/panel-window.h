/* panel-window.h: the technician's main window. */
#pragma once

#include <gtk/gtk.h>

#include "panel-service-row.h"

G_BEGIN_DECLS

#define PANEL_TYPE_WINDOW (panel_window_get_type ())
G_DECLARE_FINAL_TYPE (PanelWindow, panel_window, PANEL, WINDOW, GtkApplicationWindow)

PanelWindow *panel_window_new (GtkApplication *application, const char *scheduler_url,
                               const char *mcu_url);
PanelServiceRow *panel_window_get_scheduler_row (PanelWindow *self);
PanelServiceRow *panel_window_get_mcu_row (PanelWindow *self);

G_END_DECLS
