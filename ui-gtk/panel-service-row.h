/* panel-service-row.h: one service (scheduler or mcu) and whether it is up. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum
{
  PANEL_SERVICE_UNKNOWN,
  PANEL_SERVICE_UP,
  PANEL_SERVICE_DOWN,
} PanelServiceState;

#define PANEL_TYPE_SERVICE_ROW (panel_service_row_get_type ())
G_DECLARE_FINAL_TYPE (PanelServiceRow, panel_service_row, PANEL, SERVICE_ROW, GtkBox)

PanelServiceRow *panel_service_row_new (const char *title, const char *url);
const char *panel_service_row_get_url (PanelServiceRow *self);
PanelServiceState panel_service_row_get_state (PanelServiceRow *self);
void panel_service_row_refresh (PanelServiceRow *self);

G_END_DECLS
