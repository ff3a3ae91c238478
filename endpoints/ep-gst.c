/* ep-gst.c: making GStreamer elements with an error a technician can act
 * on — a missing element names the Debian package that brings it — and
 * linking them into the bins the endpoint's pipeline is made of. */
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
  { "vp8enc", "gstreamer1.0-plugins-good" },
  { "vp8dec", "gstreamer1.0-plugins-good" },
  { "rtpvp8pay", "gstreamer1.0-plugins-good" },
  { "rtpvp8depay", "gstreamer1.0-plugins-good" },
  { "rtph264pay", "gstreamer1.0-plugins-good" },
  { "rtph264depay", "gstreamer1.0-plugins-good" },
  { "autovideosrc", "gstreamer1.0-plugins-good" },
  { "autovideosink", "gstreamer1.0-plugins-good" },
  { "x264enc", "gstreamer1.0-plugins-ugly" },
  { "avdec_h264", "gstreamer1.0-libav" },
  { "videotestsrc", "gstreamer1.0-plugins-base" },
  { "videoconvert", "gstreamer1.0-plugins-base" },
  { "videoscale", "gstreamer1.0-plugins-base" },
  { "videorate", "gstreamer1.0-plugins-base" },
  { "appsink", "gstreamer1.0-plugins-base" },
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

/* Drops a floating element that was never added anywhere. */
static GstElement *
discard (GstElement *element)
{
  gst_object_unref (gst_object_ref_sink (element));
  return NULL;
}

/**
 * ep_gst_make_chain:
 * @factories: (array zero-terminated=1): the factory names of the
 *   elements, upstream first
 * @last: (transfer floating) (nullable): an element to link after them
 * @elements: (out caller-allocates) (array): the elements made, in
 *   order, @last included; room for as many
 * @error: which element is missing or cannot be linked
 *
 * Links new elements of @factories (and @last) into a new bin, one after
 * the other; the caller sets their properties and ghosts the bin's pads.
 * @last is dropped on failure.
 *
 * Returns: (transfer floating) (nullable): the bin.
 */
GstElement *
ep_gst_make_chain (const char *const *factories, GstElement *last, GstElement **elements,
                   GError **error)
{
  GstElement *bin;
  guint n;

  g_return_val_if_fail (factories != NULL && elements != NULL, NULL);

  bin = gst_bin_new (NULL);
  for (n = 0; factories[n] != NULL || last != NULL; n++)
    {
      if (factories[n] != NULL)
        elements[n] = ep_gst_make (factories[n], NULL, error);
      else
        elements[n] = g_steal_pointer (&last);
      if (elements[n] == NULL)
        {
          if (last != NULL)
            discard (last);
          return discard (bin);
        }
      gst_bin_add (GST_BIN (bin), elements[n]);
      if (n > 0 && !gst_element_link (elements[n - 1], elements[n]))
        {
          g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, "cannot link %s to %s",
                       GST_OBJECT_NAME (elements[n - 1]), GST_OBJECT_NAME (elements[n]));
          if (last != NULL)
            discard (last);
          return discard (bin);
        }
      if (factories[n] == NULL)
        break;
    }
  return bin;
}

/**
 * ep_gst_add_ghost_pad:
 * @bin: a bin made by ep_gst_make_chain()
 * @element: an element of @bin
 * @name: the name of @element's static pad, and of the bin's new pad
 */
void
ep_gst_add_ghost_pad (GstElement *bin, GstElement *element, const char *name)
{
  g_autoptr (GstPad) target = NULL;

  g_return_if_fail (GST_IS_BIN (bin) && GST_IS_ELEMENT (element) && name != NULL);

  target = gst_element_get_static_pad (element, name);
  gst_element_add_pad (bin, gst_ghost_pad_new (name, target));
}
