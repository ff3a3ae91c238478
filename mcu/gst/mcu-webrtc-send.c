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
 *
 * A site's audio leaves without webrtcbin once its DTLS is up
 * (mcu-opus-send.c): the SRTP key and the ICE stream are read off the
 * elements webrtcbin made for the site's one (BUNDLE) transport, by their
 * properties: dtlsenc's encoder key and profile, nicesink's agent, stream
 * and component, and rtpbin's CNAME.
 */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include "mcu-webrtc-send.h"

/* GstDtlsSrtpCipher and GstDtlsSrtpAuth (the dtls plugin's, not installed) */
#define DTLS_SRTP_CIPHER_AES_128_ICM 1
#define DTLS_SRTP_AUTH_HMAC_SHA1_32 1
#define DTLS_SRTP_AUTH_HMAC_SHA1_80 2

static GQuark
webrtc_send_error_quark (void)
{
  return g_quark_from_static_string ("mcu-webrtc-send-error");
}

static gboolean
is_made_by (GstElement *element, const char *factory_name)
{
  GstElementFactory *factory = gst_element_get_factory (element);

  return factory != NULL
         && g_str_equal (gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (factory)), factory_name);
}

static void
on_deep_element_added (GstBin *bin, GstBin *sub_bin, GstElement *element, gpointer user_data)
{
  if (is_made_by (element, "clocksync"))
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

/* The one element of @factory_name in @bin, at any depth, that
 * @accept takes (NULL: any); NULL when there is none or more than one. */
static GstElement *
find_one (GstBin *bin, const char *factory_name, gboolean (*accept) (GstElement *element))
{
  GstIterator *children = gst_bin_iterate_recurse (bin);
  GValue item = G_VALUE_INIT;
  GstElement *found = NULL;
  gboolean several = FALSE;
  GstIteratorResult result;

  while ((result = gst_iterator_next (children, &item)) != GST_ITERATOR_DONE)
    {
      if (result == GST_ITERATOR_RESYNC)
        {
          gst_clear_object (&found);
          several = FALSE;
          gst_iterator_resync (children);
          continue;
        }
      if (result == GST_ITERATOR_ERROR)
        break;
      GstElement *element = g_value_get_object (&item);
      if (is_made_by (element, factory_name) && (accept == NULL || accept (element)))
        {
          several = found != NULL;
          if (found == NULL)
            found = gst_object_ref (element);
        }
      g_value_reset (&item);
    }
  g_value_unset (&item);
  gst_iterator_free (children);
  if (several)
    gst_clear_object (&found);
  return found;
}

/* RTP's component (with rtcp-mux the only one used) */
static gboolean
sends_rtp (GstElement *nicesink)
{
  guint component = 0;

  g_object_get (nicesink, "component", &component, NULL);
  return component == NICE_COMPONENT_TYPE_RTP;
}

/**
 * mcu_webrtc_send_go_direct:
 * @webrtcbin: a site's webrtcbin, its DTLS connected
 * @audio: the site's audio sender
 * @error: the key or the ICE stream could not be had (then @audio is left
 *   as it was)
 *
 * Hands @audio what it needs to send straight to the site: the SRTP
 * context for what the mcu sends, the ICE stream of the site's one
 * transport and the CNAME of webrtcbin's RTP session.
 *
 * Returns: whether @audio now sends directly
 */
gboolean
mcu_webrtc_send_go_direct (GstElement *webrtcbin, McuOpusSend *audio, GError **error)
{
  g_autoptr (GstElement) dtlsenc = NULL, nicesink = NULL, rtpbin = NULL;
  g_autoptr (GstStructure) sdes = NULL;
  g_autofree char *fallback_cname = NULL;
  const char *cname;
  g_autoptr (GstBuffer) key = NULL;
  g_autoptr (GObject) agent = NULL;
  g_autoptr (McuSrtp) srtp = NULL;
  guint cipher = 0, auth = 0, stream = 0;
  GstMapInfo map;

  g_return_val_if_fail (GST_IS_BIN (webrtcbin), FALSE);
  g_return_val_if_fail (MCU_IS_OPUS_SEND (audio), FALSE);

  dtlsenc = find_one (GST_BIN (webrtcbin), "dtlsenc", NULL);
  nicesink = find_one (GST_BIN (webrtcbin), "nicesink", sends_rtp);
  if (dtlsenc == NULL || nicesink == NULL)
    {
      g_set_error_literal (error, webrtc_send_error_quark (), 0,
                           "webrtcbin has not one DTLS encoder and one ICE sink (no BUNDLE?)");
      return FALSE;
    }
  g_object_get (dtlsenc, "encoder-key", &key, "srtp-cipher", &cipher, "srtp-auth", &auth, NULL);
  g_object_get (nicesink, "agent", &agent, "stream", &stream, NULL);
  if (key == NULL || cipher != DTLS_SRTP_CIPHER_AES_128_ICM
      || (auth != DTLS_SRTP_AUTH_HMAC_SHA1_80 && auth != DTLS_SRTP_AUTH_HMAC_SHA1_32))
    {
      g_set_error (error, webrtc_send_error_quark (), 0,
                   "DTLS gave no key or a profile not sent directly (cipher %u, auth %u)", cipher,
                   auth);
      return FALSE;
    }
  if (!NICE_IS_AGENT (agent) || stream == 0)
    {
      g_set_error_literal (error, webrtc_send_error_quark (), 0,
                           "webrtcbin's ICE sink has no agent or stream");
      return FALSE;
    }
  if (!gst_buffer_map (key, &map, GST_MAP_READ))
    {
      g_set_error_literal (error, webrtc_send_error_quark (), 0, "the DTLS key cannot be read");
      return FALSE;
    }
  srtp = mcu_srtp_new (map.data, map.size, auth == DTLS_SRTP_AUTH_HMAC_SHA1_80 ? 10 : 4, error);
  gst_buffer_unmap (key, &map);
  if (srtp == NULL)
    return FALSE;
  rtpbin = find_one (GST_BIN (webrtcbin), "rtpbin", NULL);
  if (rtpbin != NULL)
    g_object_get (rtpbin, "sdes", &sdes, NULL);
  cname = sdes != NULL ? gst_structure_get_string (sdes, "cname") : NULL;
  if (cname == NULL)
    cname = fallback_cname = g_strdup_printf ("hoinghi-%08x", g_random_int ());
  mcu_opus_send_go_direct (audio, NICE_AGENT (agent), stream, NICE_COMPONENT_TYPE_RTP,
                           g_steal_pointer (&srtp), cname);
  return mcu_opus_send_is_direct (audio);
}
