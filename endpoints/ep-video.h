/* ep-video.h: the video chains of a site — the picture it sends (a test
 * colour or the camera), encoded for the mcu, and the decoding of what the
 * mcu sends back. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* What a site sends: small, for the mcu shrinks every site to a tile. */
#define EP_VIDEO_WIDTH 640
#define EP_VIDEO_HEIGHT 360
#define EP_VIDEO_FPS 15
#define EP_VIDEO_BITRATE_KBPS 600
/* A keyframe at least every 4 s: a lost one is not waited for long. */
#define EP_VIDEO_KEYFRAME_MAX_FRAMES 60

/**
 * EpVideoSource:
 * @EP_VIDEO_SOURCE_NONE: the site sends no video (it answers recvonly)
 * @EP_VIDEO_SOURCE_TEST_COLOR: a test picture of one colour
 * @EP_VIDEO_SOURCE_CAMERA: the camera
 */
typedef enum
{
  EP_VIDEO_SOURCE_NONE,
  EP_VIDEO_SOURCE_TEST_COLOR,
  EP_VIDEO_SOURCE_CAMERA,
} EpVideoSource;

/**
 * EpVideoCodec:
 * @EP_VIDEO_CODEC_VP8: VP8
 * @EP_VIDEO_CODEC_H264: H.264, constrained baseline, packetization-mode 1
 */
typedef enum
{
  EP_VIDEO_CODEC_VP8,
  EP_VIDEO_CODEC_H264,
} EpVideoCodec;

/**
 * EpVideoSend:
 * @source: what the site sends
 * @test_color: the colour of %EP_VIDEO_SOURCE_TEST_COLOR, 0xRRGGBB
 * @codec: how it is encoded
 */
typedef struct
{
  EpVideoSource source;
  guint32 test_color;
  EpVideoCodec codec;
} EpVideoSend;

const char *ep_video_codec_encoding_name (EpVideoCodec codec);
gboolean ep_video_codec_from_encoding_name (const char *encoding_name, EpVideoCodec *codec);

GstElement *ep_video_make_send_chain (const EpVideoSend *send, guint pt, GError **error);
GstElement *ep_video_make_receive_chain (EpVideoCodec codec, GstElement *sink, GError **error);

G_END_DECLS
