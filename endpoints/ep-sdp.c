/* ep-sdp.c: what the endpoint reads in the SDP of the mcu's offer (which
 * m-line carries a codec, with which payload type) and of webrtcbin's
 * answer (whether it sends). */
#define G_LOG_DOMAIN "hoinghi-endpoint"

#include "config.h"

#include <string.h>

#include "ep-sdp.h"

/* Whether @media's format parameters for @pt include @parameter. */
static gboolean
has_format_parameter (const GstSDPMedia *media, guint64 pt, const char *parameter)
{
  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++)
    {
      const GstSDPAttribute *attribute = gst_sdp_media_get_attribute (media, i);
      g_auto (GStrv) parameters = NULL;
      char *end = NULL;

      if (g_strcmp0 (attribute->key, "fmtp") != 0 || attribute->value == NULL
          || g_ascii_strtoull (attribute->value, &end, 10) != pt || end == attribute->value)
        continue;
      parameters = g_strsplit (end, ";", -1);
      for (guint j = 0; parameters[j] != NULL; j++)
        if (g_str_equal (g_strstrip (parameters[j]), parameter))
          return TRUE;
    }
  return FALSE;
}

/**
 * ep_sdp_find_codec:
 * @sdp: an offer
 * @kind: "audio" or "video"
 * @encoding: an RTP encoding name, e.g. "OPUS", any case
 * @mline_index: (out): the first m-line of @kind that offers @encoding
 * @pt: (out): @encoding's payload type there
 *
 * H.264 counts only in packetization mode 1: rtph264pay fragments large
 * frames, which mode 0 does not allow.
 *
 * Returns: %TRUE if @sdp offers @encoding.
 */
gboolean
ep_sdp_find_codec (const GstSDPMessage *sdp, const char *kind, const char *encoding,
                   guint *mline_index, guint *pt)
{
  gsize length;

  g_return_val_if_fail (sdp != NULL && kind != NULL && encoding != NULL, FALSE);
  g_return_val_if_fail (mline_index != NULL && pt != NULL, FALSE);

  length = strlen (encoding);
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);

      if (g_strcmp0 (gst_sdp_media_get_media (media), kind) != 0)
        continue;
      for (guint j = 0; j < gst_sdp_media_attributes_len (media); j++)
        {
          const GstSDPAttribute *attribute = gst_sdp_media_get_attribute (media, j);
          const char *value = attribute->value;
          char *end = NULL;
          guint64 number;

          if (g_strcmp0 (attribute->key, "rtpmap") != 0 || value == NULL)
            continue;
          number = g_ascii_strtoull (value, &end, 10);
          if (end == value || number > 127)
            continue;
          while (*end == ' ')
            end++;
          if (g_ascii_strncasecmp (end, encoding, length) != 0 || end[length] != '/')
            continue;
          if (g_ascii_strcasecmp (encoding, "H264") == 0
              && !has_format_parameter (media, number, "packetization-mode=1"))
            continue;
          *mline_index = i;
          *pt = (guint) number;
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * ep_sdp_sends:
 * @sdp: an answer
 * @mline_index: an m-line
 *
 * Returns: %TRUE if @sdp's m-line @mline_index is sendrecv.
 */
gboolean
ep_sdp_sends (const GstSDPMessage *sdp, guint mline_index)
{
  g_return_val_if_fail (sdp != NULL, FALSE);

  return mline_index < gst_sdp_message_medias_len (sdp)
         && gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (sdp, mline_index),
                                             "sendrecv")
                != NULL;
}
