/* ep-video.c: the video chains of a site.
 *
 *   videotestsrc pattern=ball (the colour, a small ball moving over it)
 *     | autovideosrc ! videoconvert ! videoscale ! videorate
 *     ! I420 640×360 15 fps
 *     ! vp8enc ! rtpvp8pay | x264enc ! constrained-baseline ! rtph264pay
 *     ! application/x-rtp with the offer's payload type
 *
 *   rtpvp8depay ! vp8dec | rtph264depay ! avdec_h264 ! videoconvert ! sink
 *
 * The mcu's keyframe requests (PLI, FIR) come out of webrtcbin as upstream
 * force-key-unit events; capsfilters and payloaders pass them on to the
 * encoder, so the send chain needs nothing of its own for them.
 */
#define G_LOG_DOMAIN "hoinghi-endpoint"

#include "config.h"

#include "ep-gst.h"
#include "ep-video.h"

#define CLOCK_RATE 90000
/* Colours brighter than this (BT.601 luma, 0–255) get a black ball. */
#define BRIGHT_LUMA 128

/**
 * ep_video_codec_encoding_name:
 * @codec: a codec
 *
 * Returns: its RTP encoding name, as in SDP ("VP8", "H264").
 */
const char *
ep_video_codec_encoding_name (EpVideoCodec codec)
{
  return codec == EP_VIDEO_CODEC_H264 ? "H264" : "VP8";
}

/**
 * ep_video_codec_from_encoding_name:
 * @encoding_name: (nullable): an RTP encoding name, any case
 * @codec: (out): the codec
 *
 * Returns: %TRUE if the endpoint decodes @encoding_name.
 */
gboolean
ep_video_codec_from_encoding_name (const char *encoding_name, EpVideoCodec *codec)
{
  g_return_val_if_fail (codec != NULL, FALSE);

  if (encoding_name == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (encoding_name, "VP8") == 0)
    *codec = EP_VIDEO_CODEC_VP8;
  else if (g_ascii_strcasecmp (encoding_name, "H264") == 0)
    *codec = EP_VIDEO_CODEC_H264;
  else
    return FALSE;
  return TRUE;
}

static void
set_test_color (GstElement *source, guint32 rgb)
{
  guint r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
  gboolean bright = (299 * r + 587 * g + 114 * b) / 1000 > BRIGHT_LUMA;

  /* videotestsrc's ball has a radius of 20 pixels, 0.6 % of the picture:
   * the colour stays dominant, and the encoder and the mcu see motion. */
  gst_util_set_object_arg (G_OBJECT (source), "pattern", "ball");
  g_object_set (source, "is-live", TRUE, "background-color", 0xff000000 | rgb, "foreground-color",
                bright ? 0xff000000 : 0xffffffff, NULL);
}

static void
set_vp8 (GstElement *encoder, GstElement *payloader, guint pt)
{
  /* Real time (deadline 1), cheap, and robust to loss: no lookahead,
   * frames that do not depend on lost partitions. */
  g_object_set (encoder, "deadline", (gint64) 1, "cpu-used", 8, "threads", 1, "target-bitrate",
                EP_VIDEO_BITRATE_KBPS * 1000, "keyframe-max-dist", EP_VIDEO_KEYFRAME_MAX_FRAMES,
                "lag-in-frames", 0, NULL);
  gst_util_set_object_arg (G_OBJECT (encoder), "end-usage", "cbr");
  gst_util_set_object_arg (G_OBJECT (encoder), "error-resilient", "default");
  /* Picture ids let a receiver tell a lost frame from a late one. */
  gst_util_set_object_arg (G_OBJECT (payloader), "picture-id-mode", "15-bit");
  g_object_set (payloader, "pt", pt, NULL);
}

static void
set_h264 (GstElement *encoder, GstElement *filter, GstElement *payloader, guint pt)
{
  g_autoptr (GstCaps) caps = gst_caps_new_simple ("video/x-h264", "profile", G_TYPE_STRING,
                                                  "constrained-baseline", NULL);

  gst_util_set_object_arg (G_OBJECT (encoder), "tune", "zerolatency");
  gst_util_set_object_arg (G_OBJECT (encoder), "speed-preset", "ultrafast");
  g_object_set (encoder, "threads", 1, "bitrate", EP_VIDEO_BITRATE_KBPS, "key-int-max",
                EP_VIDEO_KEYFRAME_MAX_FRAMES, NULL);
  g_object_set (filter, "caps", caps, NULL);
  /* SPS and PPS with every keyframe: a receiver that joins late or lost
   * them decodes from the next keyframe on. */
  g_object_set (payloader, "pt", pt, "config-interval", -1, NULL);
  gst_util_set_object_arg (G_OBJECT (payloader), "aggregate-mode", "zero-latency");
}

/**
 * ep_video_make_send_chain:
 * @send: what to send; not %EP_VIDEO_SOURCE_NONE
 * @pt: the payload type the offer gave the codec
 * @error: which GStreamer element is missing
 *
 * A bin with one "src" pad giving RTP packets of @send's picture, 640×360
 * at 15 fps.  A live source: link it before it plays.
 *
 * Returns: (transfer floating) (nullable): the bin.
 */
GstElement *
ep_video_make_send_chain (const EpVideoSend *send, guint pt, GError **error)
{
  g_autoptr (GPtrArray) factories = g_ptr_array_new ();
  g_autoptr (GstCaps) raw = NULL;
  g_autoptr (GstCaps) rtp = NULL;
  GstElement *e[12];
  GstElement *chain;
  guint encoder;

  g_return_val_if_fail (send != NULL && send->source != EP_VIDEO_SOURCE_NONE, NULL);
  g_return_val_if_fail (pt <= 127, NULL);

  if (send->source == EP_VIDEO_SOURCE_TEST_COLOR)
    g_ptr_array_add (factories, "videotestsrc");
  else
    {
      g_ptr_array_add (factories, "autovideosrc");
      g_ptr_array_add (factories, "videoconvert");
      g_ptr_array_add (factories, "videoscale");
      g_ptr_array_add (factories, "videorate");
    }
  g_ptr_array_add (factories, "capsfilter");
  encoder = factories->len;
  if (send->codec == EP_VIDEO_CODEC_VP8)
    {
      g_ptr_array_add (factories, "vp8enc");
      g_ptr_array_add (factories, "rtpvp8pay");
    }
  else
    {
      g_ptr_array_add (factories, "x264enc");
      g_ptr_array_add (factories, "capsfilter");
      g_ptr_array_add (factories, "rtph264pay");
    }
  g_ptr_array_add (factories, "capsfilter");
  g_ptr_array_add (factories, NULL);
  g_assert (factories->len <= G_N_ELEMENTS (e));

  chain = ep_gst_make_chain ((const char *const *) factories->pdata, NULL, e, error);
  if (chain == NULL)
    return NULL;
  if (send->source == EP_VIDEO_SOURCE_TEST_COLOR)
    set_test_color (e[0], send->test_color);
  raw = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT,
                             EP_VIDEO_WIDTH, "height", G_TYPE_INT, EP_VIDEO_HEIGHT, "framerate",
                             GST_TYPE_FRACTION, EP_VIDEO_FPS, 1, "pixel-aspect-ratio",
                             GST_TYPE_FRACTION, 1, 1, NULL);
  g_object_set (e[encoder - 1], "caps", raw, NULL);
  if (send->codec == EP_VIDEO_CODEC_VP8)
    set_vp8 (e[encoder], e[encoder + 1], pt);
  else
    set_h264 (e[encoder], e[encoder + 1], e[encoder + 2], pt);
  rtp = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "video", "encoding-name",
                             G_TYPE_STRING, ep_video_codec_encoding_name (send->codec),
                             "clock-rate", G_TYPE_INT, CLOCK_RATE, "payload", G_TYPE_INT, (int) pt,
                             NULL);
  g_object_set (e[factories->len - 2], "caps", rtp, NULL);
  ep_gst_add_ghost_pad (chain, e[factories->len - 2], "src");
  return chain;
}

/**
 * ep_video_make_receive_chain:
 * @codec: what the RTP packets carry
 * @sink: (transfer floating): where the decoded video goes
 * @error: which GStreamer element is missing
 *
 * A bin with one "sink" pad that takes RTP packets of @codec and feeds
 * @sink the decoded pictures, in the decoder's format.
 *
 * Returns: (transfer floating) (nullable): the bin.
 */
GstElement *
ep_video_make_receive_chain (EpVideoCodec codec, GstElement *sink, GError **error)
{
  static const char *const vp8[] = { "rtpvp8depay", "vp8dec", "videoconvert", NULL };
  static const char *const h264[] = { "rtph264depay", "avdec_h264", "videoconvert", NULL };
  GstElement *e[G_N_ELEMENTS (vp8)];
  GstElement *chain;

  g_return_val_if_fail (GST_IS_ELEMENT (sink), NULL);

  chain = ep_gst_make_chain (codec == EP_VIDEO_CODEC_VP8 ? vp8 : h264, sink, e, error);
  if (chain == NULL)
    return NULL;
  /* After a loss, nothing until the next keyframe (no smeared pictures),
   * and ask the mcu for one at once instead of waiting up to its
   * keyframe interval. */
  g_object_set (e[0], "wait-for-keyframe", TRUE, "request-keyframe", TRUE, NULL);
  if (codec == EP_VIDEO_CODEC_VP8)
    g_object_set (e[1], "threads", 1, NULL);
  ep_gst_add_ghost_pad (chain, e[0], "sink");
  return chain;
}
