/* ep-gst.c: making GStreamer elements with an error a technician can act
 * on — a missing element names the Debian package that brings it. */
#define G_LOG_DOMAIN "hoinghi-endpoint"

#include "config.h"

#include "ep-gst.h"
#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

static const struct
{
  const char *factory;
  const char *package;
} packages[] = {
  { "webrtcbin", "gstreamer1.0-plugins-bad" },
  { "dtlssrtpenc", "gstreamer1.0-plugins-bad" },
  { "srtpenc", "gstreamer1.0-plugins-bad" },
  { "nicesrc", "gstreamer1.0-nice" },
  { "rtpbin", "gstreamer1.0-plugins-good" },
  { "rtpopuspay", "gstreamer1.0-plugins-good" },
  { "rtpopusdepay", "gstreamer1.0-plugins-good" },
  { "spectrum", "gstreamer1.0-plugins-good" },
  { "autoaudiosrc", "gstreamer1.0-plugins-good" },
  { "autoaudiosink", "gstreamer1.0-plugins-good" },
  { "opusenc", "gstreamer1.0-plugins-base" },
  { "opusdec", "gstreamer1.0-plugins-base" },
  { "audiotestsrc", "gstreamer1.0-plugins-base" },
  { "audioconvert", "gstreamer1.0-plugins-base" },
  { "audioresample", "gstreamer1.0-plugins-base" },
};

static const char *
package_of (const char *factory)
{
  for (guint i = 0; i < G_N_ELEMENTS (packages); i++)
    if (g_str_equal (packages[i].factory, factory))
      return packages[i].package;
  return "libgstreamer1.0-0";
}

static void
set_missing (GError **error, const char *factory)
{
  /* TRANSLATORS: "The GStreamer element “opusenc” is missing: apt-get install gstreamer1.0-…" */
  g_set_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE,
               _ ("The GStreamer element “%s” is missing: apt-get install %s"), factory,
               package_of (factory));
}

/**
 * ep_gst_make:
 * @factory: the element's factory name, e.g. "opusenc"
 * @name: (nullable): the element's name
 * @error: which package to install when the element is missing
 *
 * Returns: (transfer floating) (nullable): the new element.
 */
GstElement *
ep_gst_make (const char *factory, const char *name, GError **error)
{
  GstElement *element;

  g_return_val_if_fail (factory != NULL, NULL);

  element = gst_element_factory_make (factory, name);
  if (element == NULL)
    set_missing (error, factory);
  return element;
}

/**
 * ep_gst_check_elements:
 * @factories: (array zero-terminated=1): factory names
 * @error: the first element that is missing
 *
 * Checks at start-up what a session will need, so that a site learns of a
 * missing package at once and not when the mcu's offer arrives.
 *
 * Returns: %TRUE if every element can be made.
 */
gboolean
ep_gst_check_elements (const char *const *factories, GError **error)
{
  g_return_val_if_fail (factories != NULL, FALSE);

  for (guint i = 0; factories[i] != NULL; i++)
    {
      g_autoptr (GstElementFactory) found = gst_element_factory_find (factories[i]);

      if (found == NULL)
        {
          set_missing (error, factories[i]);
          return FALSE;
        }
    }
  return TRUE;
}
