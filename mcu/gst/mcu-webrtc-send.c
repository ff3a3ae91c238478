/* mcu-webrtc-send.c: how the mcu's webrtcbins send.
 *
 * webrtcbin puts a clocksync in front of each stream it sends, which holds
 * every buffer until its running time.  The room's sender thread pushes
 * every site's audio in turn (mcu-senders.c): a site whose clocksync
 * waited held the whole room.  Measured before this: each of a new site's
 * first ~90 packets held the thread ~20 ms; in the sanitizer build on a
 * loaded machine a push took up to 1.4 s, and the room lost a median 47
 * packets a test to full backlogs (1.5 since).  The mixer and the
 * compositor already run on the pipeline clock, so nothing the mcu sends
 * needs the wait.
 */
#include "config.h"

#include "mcu-webrtc-send.h"

static void
on_deep_element_added (GstBin *bin, GstBin *sub_bin, GstElement *element, gpointer user_data)
{
  GstElementFactory *factory = gst_element_get_factory (element);

  if (factory != NULL
      && g_str_equal (gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (factory)), "clocksync"))
    g_object_set (element, "sync", FALSE, NULL);
}

/**
 * mcu_webrtc_send_unsynced:
 * @webrtcbin: a webrtcbin not yet negotiated
 *
 * Makes @webrtcbin send what it is given at once: every clocksync it
 * creates (with a stream, once it knows the stream's caps) stops syncing
 * to the clock.
 */
void
mcu_webrtc_send_unsynced (GstElement *webrtcbin)
{
  g_return_if_fail (GST_IS_BIN (webrtcbin));

  g_signal_connect (webrtcbin, "deep-element-added", G_CALLBACK (on_deep_element_added), NULL);
}
