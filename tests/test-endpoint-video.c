/* test-endpoint-video.c: the video side of `hoinghi-endpoint`.
 *
 * The video analyser fed frames made in memory — the dominant colour of
 * each tile of a layout, on the composite and on a smaller tier, layouts
 * that are not (refused, changing nothing), expected colours, freezes and
 * the frame rate — and fed by a real pipeline: the endpoint's own test
 * colour, encoded and decoded (VP8 and H.264), so that a colour-space
 * mistake anywhere shows.  And the mcu's keyframe requests, upstream
 * force-key-unit events, reach the encoders through the send chains. */
#include "config.h"

#include <gst/gst.h>
#include <gst/video/video.h>

#include "endpoints/ep-video-analyser.h"
#include "endpoints/ep-video.h"
#include "libhoinghi/hn-error.h"

#define MS G_TIME_SPAN_MILLISECOND

/* Colours a room's sites could send, far enough apart. */
#define RED 0xc03030
#define GREEN 0x30a040
#define BLUE 0x3060c0
#define YELLOW 0xe0c020
#define WHITE 0xffffff
#define BLACK 0x000000

static const guint32 quadrant_colors[] = { RED, GREEN, BLUE, YELLOW };

/* ---- frames made in memory ---- */

static void
fill (GstVideoFrame *frame, guint x, guint y, guint width, guint height, guint32 rgb)
{
  guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);

  for (guint row = y; row < y + height; row++)
    for (guint column = x; column < x + width; column++)
      {
        guint8 *p = data + row * stride + 3 * column;

        p[0] = rgb >> 16;
        p[1] = (rgb >> 8) & 0xff;
        p[2] = rgb & 0xff;
      }
}

/* A 2×2 composite as the mcu draws it: each quadrant a site's colour
 * (@colors), a white name band over its bottom fifth and a black ball
 * (3 % of it). */
static GstSample *
make_composite (guint width, guint height, const char *format, const guint32 colors[4])
{
  g_autoptr (GstCaps) rgb_caps = NULL;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstBuffer) rgb = NULL;
  g_autoptr (GstBuffer) out = NULL;
  GstVideoInfo rgb_info, info;
  GstVideoFrame rgb_frame, out_frame;
  GstVideoConverter *converter;
  guint w = width / 2, h = height / 2;

  rgb_caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGB", "width",
                                  G_TYPE_INT, width, "height", G_TYPE_INT, height, "framerate",
                                  GST_TYPE_FRACTION, 15, 1, NULL);
  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, format, "width", G_TYPE_INT,
                              width, "height", G_TYPE_INT, height, "framerate", GST_TYPE_FRACTION,
                              15, 1, NULL);
  g_assert_true (gst_video_info_from_caps (&rgb_info, rgb_caps));
  g_assert_true (gst_video_info_from_caps (&info, caps));
  rgb = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&rgb_info), NULL);
  g_assert_true (gst_video_frame_map (&rgb_frame, &rgb_info, rgb, GST_MAP_WRITE));
  for (guint i = 0; i < 4; i++)
    {
      guint x = (i % 2) * w, y = (i / 2) * h;

      fill (&rgb_frame, x, y, w, h, colors[i]);
      fill (&rgb_frame, x, y + h - h / 5, w, h / 5, WHITE);
      fill (&rgb_frame, x + w / 3, y + h / 3, w / 6, h / 6, BLACK);
    }
  out = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  g_assert_true (gst_video_frame_map (&out_frame, &info, out, GST_MAP_WRITE));
  converter = gst_video_converter_new (&rgb_info, &info, NULL);
  gst_video_converter_frame (converter, &rgb_frame, &out_frame);
  gst_video_converter_free (converter);
  gst_video_frame_unmap (&rgb_frame);
  gst_video_frame_unmap (&out_frame);
  return gst_sample_new (out, caps, NULL, NULL);
}

static JsonNode *
parse (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

#define LAYOUT_2X2                                                                                 \
  "{\"type\":\"layout\",\"layout\":\"2x2\",\"width\":1280,\"height\":720,\"tiles\":["              \
  "{\"x\":0,\"y\":0,\"width\":640,\"height\":360,\"participant\":\"p-1\","                         \
  "\"name\":\"UBND huyện Tam Đảo\"},"                                                         \
  "{\"x\":640,\"y\":0,\"width\":640,\"height\":360,\"participant\":\"p-2\",\"name\":\"Site 2\"},"  \
  "{\"x\":0,\"y\":360,\"width\":640,\"height\":360,\"participant\":\"p-3\",\"name\":\"Site 3\"},"  \
  "{\"x\":640,\"y\":360,\"width\":640,\"height\":360,\"participant\":\"p-4\",\"name\":\"Site 4\"}" \
  "]}"

static void
set_layout (EpVideoAnalyser *analyser, const char *text)
{
  g_autoptr (JsonNode) message = parse (text);
  g_autoptr (GError) error = NULL;

  g_assert_true (ep_video_analyser_set_layout (analyser, message, &error));
  g_assert_no_error (error);
}

static void
assert_color_near (guint32 color, guint32 expected, int tolerance)
{
  for (guint shift = 0; shift <= 16; shift += 8)
    if (ABS ((int) ((color >> shift) & 0xff) - (int) ((expected >> shift) & 0xff)) > tolerance)
      g_error ("colour %06x is not within %d of %06x", color, tolerance, expected);
}

/* Asserts the four tiles of LAYOUT_2X2 on a frame of @width × @height. */
static void
assert_quadrants (EpVideoAnalyser *analyser, guint width, guint height)
{
  g_autoptr (GPtrArray) tiles = ep_video_analyser_get_tiles (analyser);

  g_assert_cmpuint (tiles->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      const EpVideoTile *tile = g_ptr_array_index (tiles, i);
      g_autofree char *participant = g_strdup_printf ("p-%u", i + 1);

      g_assert_cmpuint (tile->x, ==, (i % 2) * width / 2);
      g_assert_cmpuint (tile->y, ==, (i / 2) * height / 2);
      g_assert_cmpuint (tile->width, ==, width / 2);
      g_assert_cmpuint (tile->height, ==, height / 2);
      g_assert_cmpstr (tile->participant, ==, participant);
      /* Converted to 4:2:0 and back: chroma loses a little. */
      assert_color_near (tile->color, quadrant_colors[i], 8);
    }
  g_assert_cmpstr (((EpVideoTile *) g_ptr_array_index (tiles, 0))->name, ==, "UBND huyện Tam Đảo");
}

static void
test_dominant_color_of_each_tile (void)
{
  g_autoptr (EpVideoAnalyser) analyser = ep_video_analyser_new (EP_ANALYSER_CLOCK_STREAM);
  g_autoptr (GstSample) frame = make_composite (1280, 720, "I420", quadrant_colors);

  set_layout (analyser, LAYOUT_2X2);
  ep_video_analyser_push_sample (analyser, 0, frame);
  assert_quadrants (analyser, 1280, 720);
}

static void
test_tiles_scale_to_a_smaller_tier (void)
{
  g_autoptr (EpVideoAnalyser) analyser = ep_video_analyser_new (EP_ANALYSER_CLOCK_STREAM);
  g_autoptr (GstSample) small = make_composite (640, 360, "I420", quadrant_colors);
  g_autoptr (GstSample) rgb = make_composite (320, 180, "RGB", quadrant_colors);

  set_layout (analyser, LAYOUT_2X2);
  ep_video_analyser_push_sample (analyser, 0, small);
  assert_quadrants (analyser, 640, 360);
  /* New caps on the way (another format, another size). */
  ep_video_analyser_push_sample (analyser, 250 * MS, rgb);
  assert_quadrants (analyser, 320, 180);
}

static void
test_without_a_layout_the_frame_is_one_tile (void)
{
  g_autoptr (EpVideoAnalyser) analyser = ep_video_analyser_new (EP_ANALYSER_CLOCK_STREAM);
  const guint32 blue[] = { BLUE, BLUE, BLUE, BLUE };
  g_autoptr (GstSample) frame = make_composite (640, 360, "I420", blue);
  g_autoptr (GPtrArray) tiles = NULL;
  const EpVideoTile *tile;

  ep_video_analyser_push_sample (analyser, 0, frame);
  tiles = ep_video_analyser_get_tiles (analyser);
  g_assert_cmpuint (tiles->len, ==, 1);
  tile = g_ptr_array_index (tiles, 0);
  g_assert_cmpuint (tile->x, ==, 0);
  g_assert_cmpuint (tile->y, ==, 0);
  g_assert_cmpuint (tile->width, ==, 640);
  g_assert_cmpuint (tile->height, ==, 360);
  g_assert_null (tile->participant);
  g_assert_null (tile->name);
  assert_color_near (tile->color, BLUE, 8);
}

static void
test_bad_layouts_change_nothing (void)
{
  g_autoptr (EpVideoAnalyser) analyser = ep_video_analyser_new (EP_ANALYSER_CLOCK_STREAM);
  g_autoptr (GstSample) frame = make_composite (1280, 720, "I420", quadrant_colors);
  g_autoptr (GString) many = g_string_new ("{\"width\":1280,\"height\":720,\"tiles\":[");
  g_autofree char *long_name = NULL;
  g_autofree char *too_many = NULL;
  const char *const bad[] = {
    "[1,2]",
    "\"layout\"",
    "{}",
    "{\"width\":1280,\"height\":720}",
    "{\"width\":1280,\"height\":720,\"tiles\":{}}",
    "{\"width\":-1280,\"height\":720,\"tiles\":[]}",
    "{\"width\":0,\"height\":720,\"tiles\":[]}",
    "{\"width\":99999999999,\"height\":720,\"tiles\":[]}",
    "{\"width\":1280.5,\"height\":720,\"tiles\":[]}",
    "{\"width\":\"1280\",\"height\":720,\"tiles\":[]}",
    "{\"width\":1280,\"height\":720,\"tiles\":[7]}",
    "{\"width\":1280,\"height\":720,\"tiles\":[{\"x\":-1,\"y\":0,\"width\":640,\"height\":360,"
    "\"participant\":\"p-1\",\"name\":\"A\"}]}",
    "{\"width\":1280,\"height\":720,\"tiles\":[{\"x\":1000,\"y\":0,\"width\":640,\"height\":360,"
    "\"participant\":\"p-1\",\"name\":\"A\"}]}",
    "{\"width\":1280,\"height\":720,\"tiles\":[{\"x\":0,\"y\":720,\"width\":640,\"height\":1,"
    "\"participant\":\"p-1\",\"name\":\"A\"}]}",
    "{\"width\":1280,\"height\":720,\"tiles\":[{\"x\":0,\"y\":0,\"width\":9223372036854775807,"
    "\"height\":360,\"participant\":\"p-1\",\"name\":\"A\"}]}",
    "{\"width\":1280,\"height\":720,\"tiles\":[{\"x\":0,\"y\":0,\"width\":0,\"height\":360,"
    "\"participant\":\"p-1\",\"name\":\"A\"}]}",
    "{\"width\":1280,\"height\":720,\"tiles\":[{\"x\":0,\"y\":0,\"width\":640,"
    "\"participant\":\"p-1\",\"name\":\"A\"}]}",
    "{\"width\":1280,\"height\":720,\"tiles\":[{\"x\":0,\"y\":0,\"width\":640,\"height\":360,"
    "\"name\":\"A\"}]}",
    "{\"width\":1280,\"height\":720,\"tiles\":[{\"x\":0,\"y\":0,\"width\":640,\"height\":360,"
    "\"participant\":\"p-1\"}]}",
    "{\"width\":1280,\"height\":720,\"tiles\":[{\"x\":0,\"y\":0,\"width\":640,\"height\":360,"
    "\"participant\":1,\"name\":\"A\"}]}",
    "{\"width\":1280,\"height\":720,\"tiles\":[{\"x\":0,\"y\":0,\"width\":640,\"height\":360,"
    "\"participant\":\"p-1\",\"name\":null}]}",
  };

  for (guint i = 0; i < 10000; i++)
    g_string_append_printf (many,
                            "%s{\"x\":0,\"y\":0,\"width\":2,\"height\":2,\"participant\":\"p-%u\","
                            "\"name\":\"A\"}",
                            i > 0 ? "," : "", i);
  g_string_append (many, "]}");
  too_many = g_string_free (g_steal_pointer (&many), FALSE);
  long_name = g_strdup_printf ("{\"width\":1280,\"height\":720,\"tiles\":[{\"x\":0,\"y\":0,"
                               "\"width\":640,\"height\":360,\"participant\":\"p-1\","
                               "\"name\":\"%0101d\"}]}",
                               0);

  set_layout (analyser, LAYOUT_2X2);
  for (guint i = 0; i < G_N_ELEMENTS (bad) + 2; i++)
    {
      const char *text = i < G_N_ELEMENTS (bad)    ? bad[i]
                         : i == G_N_ELEMENTS (bad) ? too_many
                                                   : long_name;
      g_autoptr (JsonNode) message = parse (text);
      g_autoptr (GError) error = NULL;

      g_test_message ("%.80s", text);
      g_assert_false (ep_video_analyser_set_layout (analyser, message, &error));
      g_assert_error (error, HN_ERROR, HN_ERROR_INVALID);
    }
  /* Still the 2×2 of before. */
  ep_video_analyser_push_sample (analyser, 0, frame);
  assert_quadrants (analyser, 1280, 720);
}

static void
test_expected_colors (void)
{
  g_autoptr (EpVideoAnalyser) analyser = ep_video_analyser_new (EP_ANALYSER_CLOCK_STREAM);
  g_autoptr (GstSample) frame = make_composite (1280, 720, "I420", quadrant_colors);
  /* Each channel within 40 of a tile's, or one channel 80 off. */
  const guint32 near[] = { RED + 0x280000, BLUE - 0x000028, YELLOW };
  const guint32 far[] = { RED, 0x808080 };
  const guint32 one_channel_off[] = { GREEN + 0x005000 };

  g_assert_true (ep_video_analyser_expected_colors_seen (analyser));
  ep_video_analyser_set_expected_colors (analyser, near, G_N_ELEMENTS (near));
  /* No frame: nothing was seen. */
  g_assert_false (ep_video_analyser_expected_colors_seen (analyser));

  set_layout (analyser, LAYOUT_2X2);
  ep_video_analyser_push_sample (analyser, 0, frame);
  g_assert_true (ep_video_analyser_expected_colors_seen (analyser));
  ep_video_analyser_set_expected_colors (analyser, far, G_N_ELEMENTS (far));
  g_assert_false (ep_video_analyser_expected_colors_seen (analyser));
  ep_video_analyser_set_expected_colors (analyser, one_channel_off, 1);
  g_assert_false (ep_video_analyser_expected_colors_seen (analyser));
  ep_video_analyser_set_expected_colors (analyser, NULL, 0);
  g_assert_true (ep_video_analyser_expected_colors_seen (analyser));
}

static JsonObject *
report (EpVideoAnalyser *analyser)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  ep_video_analyser_add_to_report (analyser, builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_object_ref (json_object_get_object_member (json_node_get_object (root), "video"));
}

/* A frame every @period_us from @from_us until before @until_us. */
static void
push_frames (EpVideoAnalyser *analyser, GstSample *frame, gint64 from_us, gint64 until_us,
             gint64 period_us)
{
  for (gint64 t = from_us; t < until_us; t += period_us)
    ep_video_analyser_push_sample (analyser, t, frame);
}

static void
test_freezes_and_frame_rate (void)
{
  g_autoptr (EpVideoAnalyser) analyser = ep_video_analyser_new (EP_ANALYSER_CLOCK_STREAM);
  g_autoptr (GstSample) frame = make_composite (64, 36, "I420", quadrant_colors);
  g_autoptr (JsonObject) before = NULL;
  g_autoptr (JsonObject) after = NULL;

  ep_video_analyser_mark_start (analyser, 1000 * MS);
  before = report (analyser);
  g_assert_cmpint (json_object_get_int_member (before, "frames"), ==, 0);
  g_assert_cmpfloat (json_object_get_double_member (before, "fps"), ==, 0);
  g_assert_true (json_object_get_null_member (before, "first_frame_ms"));
  g_assert_cmpint (json_object_get_int_member (before, "width"), ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (before, "tiles")), ==, 0);
  g_assert_false (json_object_has_member (before, "expected_colors_seen"));

  /* 20 fps from 1.5 s: 1 s of frames, a 200 ms wait (no freeze), 1 s of
   * frames, a 600 ms wait (a freeze), 0.5 s of frames, and the end 300
   * ms after the last (a freeze). */
  push_frames (analyser, frame, 1500 * MS, 2500 * MS, 50 * MS);
  push_frames (analyser, frame, 2650 * MS, 3650 * MS, 50 * MS);
  push_frames (analyser, frame, 4200 * MS, 4700 * MS, 50 * MS);
  ep_video_analyser_finish (analyser, 4950 * MS);
  /* Nothing counts after the end. */
  push_frames (analyser, frame, 5000 * MS, 6000 * MS, 50 * MS);

  after = report (analyser);
  g_assert_cmpint (json_object_get_int_member (after, "frames"), ==, 50);
  /* 50 frames in 3.45 s */
  g_assert_cmpfloat (json_object_get_double_member (after, "fps"), ==, 14.5);
  g_assert_cmpint (json_object_get_int_member (after, "first_frame_ms"), ==, 500);
  g_assert_cmpint (json_object_get_int_member (after, "freezes"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (after, "longest_freeze_ms"), ==, 600);
  g_assert_cmpint (json_object_get_int_member (after, "width"), ==, 64);
  g_assert_cmpint (json_object_get_int_member (after, "height"), ==, 36);
}

static void
test_report_tiles (void)
{
  g_autoptr (EpVideoAnalyser) analyser = ep_video_analyser_new (EP_ANALYSER_CLOCK_STREAM);
  g_autoptr (GstSample) frame = make_composite (1280, 720, "I420", quadrant_colors);
  g_autoptr (JsonObject) video = NULL;
  const guint32 expected[] = { GREEN };
  JsonArray *tiles;
  JsonObject *tile;

  set_layout (analyser, LAYOUT_2X2);
  ep_video_analyser_set_expected_colors (analyser, expected, 1);
  ep_video_analyser_push_sample (analyser, 0, frame);
  video = report (analyser);
  g_assert_true (json_object_get_boolean_member (video, "expected_colors_seen"));
  tiles = json_object_get_array_member (video, "tiles");
  g_assert_cmpuint (json_array_get_length (tiles), ==, 4);
  tile = json_array_get_object_element (tiles, 3);
  g_assert_cmpint (json_object_get_int_member (tile, "x"), ==, 640);
  g_assert_cmpint (json_object_get_int_member (tile, "y"), ==, 360);
  g_assert_cmpint (json_object_get_int_member (tile, "width"), ==, 640);
  g_assert_cmpint (json_object_get_int_member (tile, "height"), ==, 360);
  g_assert_cmpstr (json_object_get_string_member (tile, "participant"), ==, "p-4");
  g_assert_cmpstr (json_object_get_string_member (tile, "name"), ==, "Site 4");
  g_assert_cmpuint (strlen (json_object_get_string_member (tile, "color")), ==, 6);
  assert_color_near (g_ascii_strtoull (json_object_get_string_member (tile, "color"), NULL, 16),
                     YELLOW, 8);
}

/* ---- through GStreamer ---- */

static gint64
frames_so_far (EpVideoAnalyser *analyser)
{
  g_autoptr (JsonObject) video = report (analyser);

  return json_object_get_int_member (video, "frames");
}

/* The test colour, encoded, payloaded, depayloaded, decoded, analysed. */
static void
test_colour_through_codec (gconstpointer data)
{
  EpVideoCodec codec = GPOINTER_TO_INT (data);
  g_autoptr (EpVideoAnalyser) analyser = ep_video_analyser_new (EP_ANALYSER_CLOCK_STREAM);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_pipeline_new (NULL);
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GPtrArray) tiles = NULL;
  g_autoptr (JsonObject) video = NULL;
  EpVideoSend send
      = { EP_VIDEO_SOURCE_TEST_COLOR, codec == EP_VIDEO_CODEC_VP8 ? BLUE : YELLOW, codec };
  GstElement *sender, *receiver, *sink;
  gint64 deadline = g_get_monotonic_time () + 8 * G_USEC_PER_SEC;

  sender = ep_video_make_send_chain (&send, 96, &error);
  g_assert_no_error (error);
  sink = ep_video_analyser_create_sink (analyser, &error);
  g_assert_no_error (error);
  receiver = ep_video_make_receive_chain (codec, sink, &error);
  g_assert_no_error (error);
  gst_bin_add_many (GST_BIN (pipeline), sender, receiver, NULL);
  g_assert_true (gst_element_link (sender, receiver));
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  /* 15 frames: a second of the live source, four colour measures. */
  while (frames_so_far (analyser) < 15 && g_get_monotonic_time () < deadline)
    {
      message = gst_bus_timed_pop_filtered (bus, 20 * GST_MSECOND, GST_MESSAGE_ERROR);
      if (message != NULL)
        {
          gst_message_parse_error (message, &error, NULL);
          g_error ("%s", error->message);
        }
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);

  video = report (analyser);
  g_assert_cmpint (json_object_get_int_member (video, "frames"), >=, 15);
  g_assert_cmpint (json_object_get_int_member (video, "width"), ==, EP_VIDEO_WIDTH);
  g_assert_cmpint (json_object_get_int_member (video, "height"), ==, EP_VIDEO_HEIGHT);
  tiles = ep_video_analyser_get_tiles (analyser);
  g_assert_cmpuint (tiles->len, ==, 1);
  g_test_message ("sent %06x, received %06x", send.test_color,
                  ((EpVideoTile *) g_ptr_array_index (tiles, 0))->color);
  /* What --expect-colors allows; in fact much closer. */
  assert_color_near (((EpVideoTile *) g_ptr_array_index (tiles, 0))->color, send.test_color,
                     EP_VIDEO_ANALYSER_COLOR_TOLERANCE / 3);
}

typedef struct
{
  GMutex lock;
  guint frames;
  guint keyframes;
} Encoded;

static GstPadProbeReturn
count_encoded (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Encoded *encoded = user_data;
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&encoded->lock);

  encoded->frames++;
  if (!GST_BUFFER_FLAG_IS_SET (GST_PAD_PROBE_INFO_BUFFER (info), GST_BUFFER_FLAG_DELTA_UNIT))
    encoded->keyframes++;
  return GST_PAD_PROBE_OK;
}

static guint
encoded_get (Encoded *encoded, guint *keyframes)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&encoded->lock);

  *keyframes = encoded->keyframes;
  return encoded->frames;
}

/* Waits up to 5 s for the @frames-th frame out of the encoder. */
static void
wait_for_frames (Encoded *encoded, guint frames)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  guint keyframes;

  while (encoded_get (encoded, &keyframes) < frames && g_get_monotonic_time () < deadline)
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (encoded_get (encoded, &keyframes), >=, frames);
}

/* webrtcbin turns a PLI or FIR into an upstream force-key-unit event on
 * the pad the send chain feeds: it must reach the encoder. */
static void
test_keyframe_requests_reach_the_encoder (gconstpointer data)
{
  EpVideoCodec codec = GPOINTER_TO_INT (data);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_pipeline_new (NULL);
  g_autoptr (GstElement) encoder = NULL;
  g_autoptr (GstPad) encoded_pad = NULL;
  g_autoptr (GstPad) sink_pad = NULL;
  g_auto (GValue) found = G_VALUE_INIT;
  g_autoptr (GstIterator) iterator = NULL;
  EpVideoSend send = { EP_VIDEO_SOURCE_TEST_COLOR, GREEN, codec };
  Encoded encoded = { 0 };
  GstElement *sender, *sink;
  guint keyframes, requested_at;

  g_mutex_init (&encoded.lock);
  sender = ep_video_make_send_chain (&send, 102, &error);
  g_assert_no_error (error);
  sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (sink, "sync", FALSE, NULL);
  gst_bin_add_many (GST_BIN (pipeline), sender, sink, NULL);
  g_assert_true (gst_element_link (sender, sink));
  iterator = gst_bin_iterate_all_by_element_factory_name (
      GST_BIN (sender), codec == EP_VIDEO_CODEC_VP8 ? "vp8enc" : "x264enc");
  g_assert_cmpint (gst_iterator_next (iterator, &found), ==, GST_ITERATOR_OK);
  encoder = g_value_dup_object (&found);
  encoded_pad = gst_element_get_static_pad (encoder, "src");
  gst_pad_add_probe (encoded_pad, GST_PAD_PROBE_TYPE_BUFFER, count_encoded, &encoded, NULL);

  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  wait_for_frames (&encoded, 5);
  requested_at = encoded_get (&encoded, &keyframes);
  g_assert_cmpuint (keyframes, ==, 1);
  sink_pad = gst_element_get_static_pad (sink, "sink");
  g_assert_true (gst_pad_push_event (
      sink_pad, gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 1)));
  /* Well before the next keyframe of the encoder's own (60 frames). */
  wait_for_frames (&encoded, requested_at + 5);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  encoded_get (&encoded, &keyframes);
  g_assert_cmpuint (keyframes, >=, 2);
  g_mutex_clear (&encoded.lock);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/endpoint/video/tile-colors", test_dominant_color_of_each_tile);
  g_test_add_func ("/endpoint/video/smaller-tier", test_tiles_scale_to_a_smaller_tier);
  g_test_add_func ("/endpoint/video/no-layout", test_without_a_layout_the_frame_is_one_tile);
  g_test_add_func ("/endpoint/video/bad-layouts", test_bad_layouts_change_nothing);
  g_test_add_func ("/endpoint/video/expected-colors", test_expected_colors);
  g_test_add_func ("/endpoint/video/freezes", test_freezes_and_frame_rate);
  g_test_add_func ("/endpoint/video/report", test_report_tiles);
  g_test_add_data_func ("/endpoint/video/pipeline/vp8", GINT_TO_POINTER (EP_VIDEO_CODEC_VP8),
                        test_colour_through_codec);
  g_test_add_data_func ("/endpoint/video/pipeline/h264", GINT_TO_POINTER (EP_VIDEO_CODEC_H264),
                        test_colour_through_codec);
  g_test_add_data_func ("/endpoint/video/keyframe-request/vp8",
                        GINT_TO_POINTER (EP_VIDEO_CODEC_VP8),
                        test_keyframe_requests_reach_the_encoder);
  g_test_add_data_func ("/endpoint/video/keyframe-request/h264",
                        GINT_TO_POINTER (EP_VIDEO_CODEC_H264),
                        test_keyframe_requests_reach_the_encoder);
  return g_test_run ();
}
