/* mcu-plugin.c: registers the mcu's elements as a static plugin, so that
 * they are found by name like any other element without installing a
 * plugin file. */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include "mcu-plugin.h"
#include "mcu-mix-minus.h"
#include "mcu-opus-send.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  return GST_ELEMENT_REGISTER (mcumixminus, plugin) && GST_ELEMENT_REGISTER (mcuopussend, plugin);
}

/**
 * mcu_plugin_register:
 *
 * Makes the mcu's elements known to GStreamer; call after gst_init(). Safe
 * to call more than once.
 */
void
mcu_plugin_register (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      gst_plugin_register_static (GST_VERSION_MAJOR, GST_VERSION_MINOR, "hoinghi",
                                  "The hoinghi mcu's elements", plugin_init, PACKAGE_VERSION,
                                  "Proprietary", PACKAGE, PACKAGE_NAME, PACKAGE_NAME);
      g_once_init_leave (&registered, 1);
    }
}
