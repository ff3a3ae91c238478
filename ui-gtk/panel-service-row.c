/* panel-service-row.c: PanelServiceRow, a service's name, address and
 * state, refreshed from its /healthz without blocking the UI. */
#define G_LOG_DOMAIN "hoinghi-panel"

#include "config.h"

#include "libhoinghi/hn-health.h"
#include "libhoinghi/hn-i18n.h"

#include "panel-service-row.h"

struct _PanelServiceRow
{
  GtkBox parent_instance;

  char *url;
  PanelServiceState state;
  GtkLabel *title_label;
  GtkLabel *url_label;
  GtkLabel *state_label;
  GCancellable *cancellable;
};

enum
{
  PROP_0,
  PROP_TITLE,
  PROP_URL,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (PanelServiceRow, panel_service_row, GTK_TYPE_BOX)

static void
set_state (PanelServiceRow *self, PanelServiceState state, const char *detail)
{
  const char *text = _ ("checking…");

  switch (state)
    {
    case PANEL_SERVICE_UP:
      text = _ ("running");
      break;
    case PANEL_SERVICE_DOWN:
      text = _ ("not reachable");
      break;
    case PANEL_SERVICE_UNKNOWN:
      break;
    }
  gtk_label_set_text (self->state_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->state_label), detail);
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), "error");
  if (state == PANEL_SERVICE_UP)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "success");
  else if (state == PANEL_SERVICE_DOWN)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "error");

  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
}

static void
on_probed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) health = hn_health_probe_finish (result, &error);
  PanelServiceRow *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = PANEL_SERVICE_ROW (user_data);
  if (health == NULL)
    set_state (self, PANEL_SERVICE_DOWN, error->message);
  else
    {
      g_autofree char *detail = g_strdup_printf (
          "%s %s", json_object_get_string_member_with_default (health, "service", "?"),
          json_object_get_string_member_with_default (health, "version", "?"));

      set_state (self, PANEL_SERVICE_UP, detail);
    }
}

/**
 * panel_service_row_refresh:
 * @self: a #PanelServiceRow
 *
 * Asks the service again; the state changes when it answers.
 */
void
panel_service_row_refresh (PanelServiceRow *self)
{
  g_return_if_fail (PANEL_IS_SERVICE_ROW (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  hn_health_probe_async (self->url, 3, self->cancellable, on_probed, self);
}

static void
panel_service_row_dispose (GObject *object)
{
  PanelServiceRow *self = PANEL_SERVICE_ROW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (panel_service_row_parent_class)->dispose (object);
}

static void
panel_service_row_finalize (GObject *object)
{
  PanelServiceRow *self = PANEL_SERVICE_ROW (object);

  g_free (self->url);

  G_OBJECT_CLASS (panel_service_row_parent_class)->finalize (object);
}

static void
panel_service_row_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PanelServiceRow *self = PANEL_SERVICE_ROW (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, gtk_label_get_text (self->title_label));
      break;
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
panel_service_row_set_property (GObject *object, guint prop_id, const GValue *value,
                                GParamSpec *pspec)
{
  PanelServiceRow *self = PANEL_SERVICE_ROW (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      gtk_label_set_text (self->title_label, g_value_get_string (value));
      break;
    case PROP_URL:
      g_free (self->url);
      self->url = g_value_dup_string (value);
      gtk_label_set_text (self->url_label, self->url);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
panel_service_row_class_init (PanelServiceRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = panel_service_row_dispose;
  object_class->finalize = panel_service_row_finalize;
  object_class->get_property = panel_service_row_get_property;
  object_class->set_property = panel_service_row_set_property;

  properties[PROP_TITLE]
      = g_param_spec_string ("title", NULL, NULL, NULL,
                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_URL] = g_param_spec_string (
      "url", NULL, NULL, NULL, G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] = g_param_spec_int (
      "state", NULL, NULL, PANEL_SERVICE_UNKNOWN, PANEL_SERVICE_DOWN, PANEL_SERVICE_UNKNOWN,
      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
panel_service_row_init (PanelServiceRow *self)
{
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_HORIZONTAL);
  gtk_box_set_spacing (GTK_BOX (self), 12);
  gtk_widget_set_margin_start (GTK_WIDGET (self), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self), 12);
  gtk_widget_set_margin_top (GTK_WIDGET (self), 8);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self), 8);

  self->title_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->title_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->title_label), "heading");
  self->url_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->url_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->url_label), "dim-label");
  gtk_box_append (GTK_BOX (labels), GTK_WIDGET (self->title_label));
  gtk_box_append (GTK_BOX (labels), GTK_WIDGET (self->url_label));
  gtk_widget_set_hexpand (labels, TRUE);

  self->state_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_box_append (GTK_BOX (self), labels);
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->state_label));
  set_state (self, PANEL_SERVICE_UNKNOWN, NULL);
}

/**
 * panel_service_row_new:
 * @title: the service's translated name
 * @url: its base address
 *
 * Returns: (transfer floating): a new row, not yet refreshed.
 */
PanelServiceRow *
panel_service_row_new (const char *title, const char *url)
{
  return g_object_new (PANEL_TYPE_SERVICE_ROW, "title", title, "url", url, NULL);
}

/**
 * panel_service_row_get_url:
 * @self: a #PanelServiceRow
 *
 * Returns: (transfer none): the service's base address.
 */
const char *
panel_service_row_get_url (PanelServiceRow *self)
{
  g_return_val_if_fail (PANEL_IS_SERVICE_ROW (self), NULL);
  return self->url;
}

/**
 * panel_service_row_get_state:
 * @self: a #PanelServiceRow
 *
 * Returns: what the last probe found.
 */
PanelServiceState
panel_service_row_get_state (PanelServiceRow *self)
{
  g_return_val_if_fail (PANEL_IS_SERVICE_ROW (self), PANEL_SERVICE_UNKNOWN);
  return self->state;
}
