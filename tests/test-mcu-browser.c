/* test-mcu-browser.c: real browsers in a room — headless Chromium (and
 * then Firefox) joins
 * through the mcu's page (/join/r1?token=…) with a fake microphone playing
 * a 1000 Hz tone (far from the natives’ tones: the analyser tells tones apart from about 110 Hz),
 * alongside two native endpoints (440 and 660 Hz): the natives hear the browser, and the page
 * reports the audio it receives (from getStats). */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <signal.h>
#include <string.h>

#include "support/hn-test-process.h"
#include "support/hn-test-mcu.h"
#include "support/hn-test.h"

#define RATE 48000
/* the natives check until the test ends them, once they heard everyone:
 * how long a call takes to set up on a loaded machine is not what this
 * tests (CI once saw a native's first audio at 12.2 s, past a fixed 12 s
 * check) */
#define UNTIL_ENDED 120
#define HEAR_MS 30000

typedef struct
{
  HnTestMcu *mcu;
  char *token;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->mcu = hn_test_mcu_start (NULL);
  f->token = hn_test_mcu_create_room (f->mcu, "{\"id\":\"r1\",\"name\":\"Giao ban\"}");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  hn_test_mcu_free (f->mcu);
  g_free (f->token);
}

/* A 16-bit mono WAV of @seconds of a sine at @hz, for the fake microphone. */
static char *
write_tone (Fixture *f, guint hz, guint seconds)
{
  g_autofree char *path = g_build_filename (f->mcu->dir, "tone.wav", NULL);
  guint32 samples = RATE * seconds;
  g_autoptr (GByteArray) wav = g_byte_array_sized_new (44 + samples * 2);
  guint32 u32;
  guint16 u16;

#define PUT(bytes) g_byte_array_append (wav, (const guint8 *) (bytes), 4)
#define PUT32(v) (u32 = GUINT32_TO_LE (v), g_byte_array_append (wav, (guint8 *) &u32, 4))
#define PUT16(v) (u16 = GUINT16_TO_LE (v), g_byte_array_append (wav, (guint8 *) &u16, 2))
  PUT ("RIFF");
  PUT32 (36 + samples * 2);
  PUT ("WAVE");
  PUT ("fmt ");
  PUT32 (16);
  PUT16 (1); /* PCM */
  PUT16 (1); /* mono */
  PUT32 (RATE);
  PUT32 (RATE * 2);
  PUT16 (2);
  PUT16 (16);
  PUT ("data");
  PUT32 (samples * 2);
  for (guint32 i = 0; i < samples; i++)
    PUT16 ((guint16) (gint16) (0.3 * 32767 * sin (2 * G_PI * hz * i / (double) RATE)));
#undef PUT
#undef PUT32
#undef PUT16
  g_assert_true (g_file_set_contents (path, (const char *) wav->data, wav->len, NULL));
  return g_steal_pointer (&path);
}

static gboolean
is_joined (const char *text, gpointer user_data)
{
  g_autoptr (JsonObject) status = hn_test_json_object (text);

  return status != NULL
         && g_strcmp0 (json_object_get_string_member_with_default (status, "state", ""), "joined")
                == 0;
}

/* The page has received and played audio from the natives, and the
 * browser took the mcu's RTCP sender reports for it (the mcu sends them
 * itself, SRTCP of its own: mcu-opus-send.c). */
static gboolean
hears_audio (const char *text, gpointer user_data)
{
  g_autoptr (JsonObject) status = hn_test_json_object (text);

  return status != NULL
         && json_object_get_int_member_with_default (status, "packetsReceived", 0) > 100
         && json_object_get_double_member_with_default (status, "audioLevel", 0) > 0.01
         && json_object_get_int_member_with_default (status, "senderReports", 0) > 0;
}

/* The page sends its (fake) camera and shows the room's 720p picture. */
static gboolean
sees_video (const char *text, gpointer user_data)
{
  g_autoptr (JsonObject) status = hn_test_json_object (text);

  return status != NULL && json_object_get_boolean_member_with_default (status, "camera", FALSE)
         && json_object_get_int_member_with_default (status, "framesSent", 0) > 10
         && json_object_get_int_member_with_default (status, "framesDecoded", 0) > 10
         && json_object_get_int_member_with_default (status, "videoWidth", 0) == 1280
         && json_object_get_int_member_with_default (status, "videoHeight", 0) == 720;
}

/* Whether the site heard every tone it expects, so far. */
static gboolean
hears_expected (JsonObject *report, gconstpointer data)
{
  return json_object_get_boolean_member_with_default (report, "expect_tones_ok", FALSE);
}

/* The browser @data (an HnTestBrowserKind) joins through the page with its
 * microphone sending 1000 Hz (Chromium's from a WAV, Firefox's own fake
 * tone is 1 kHz too) and its fake camera: it hears the others, sees the
 * room's picture, and its own picture reaches its tile. */
static void
test_browser_joins (Fixture *f, gconstpointer data)
{
  HnTestBrowserKind kind = GPOINTER_TO_INT (data);
  g_autofree char *wav = kind == HN_TEST_BROWSER_CHROMIUM ? write_tone (f, 1000, 60) : NULL;
  g_autofree char *url = g_strdup_printf (
      "%s/join/r1?token=%s&autojoin=1&processing=0&name=Tr%%C3%%ACnh%%20duy%%E1%%BB%%87t&unit=26",
      hn_test_daemon_get_url (f->mcu->daemon), f->token);
  g_autoptr (GError) error = NULL;
  g_autoptr (HnTestBrowser) browser = hn_test_browser_start (kind, url, wav, &error);
  g_autofree char *joined = NULL, *hearing = NULL, *seeing = NULL;
  g_autoptr (HnTestProcess) a = NULL, b = NULL;
  g_autoptr (JsonObject) ra = NULL, rb = NULL;
  int a_status, b_status;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);
  joined = hn_test_browser_wait_for_line (browser, HN_TEST_BROWSER_STATUS, 30000, is_joined, NULL);
  if (joined == NULL)
    {
      g_autofree char *log = hn_test_browser_get_log (browser);

      g_test_message ("%s", log);
    }
  g_assert_nonnull (joined);

  a = hn_test_mcu_endpoint (f->mcu, f->token, "A", 440, UNTIL_ENDED, "660,1000", NULL);
  b = hn_test_mcu_endpoint (f->mcu, f->token, "B", 660, UNTIL_ENDED, "440,1000", NULL);
  hearing
      = hn_test_browser_wait_for_line (browser, HN_TEST_BROWSER_STATUS, 30000, hears_audio, NULL);
  g_assert_nonnull (hearing);
  seeing = hn_test_browser_wait_for_line (browser, HN_TEST_BROWSER_STATUS, 30000, sees_video, NULL);
  g_assert_nonnull (seeing);
  /* its picture reaches its tile of the composite */
  g_assert_true (hn_test_mcu_wait_for_picture (f->mcu, "Trình duyệt", 20000));
  {
    g_autoptr (HnTestResponse) room
        = hn_test_mcu_call (f->mcu, "GET", "/api/v1/rooms/r1", HN_TEST_MCU_KEY, NULL);

    /* what the mcu sees of each site, for a failure's log */
    g_test_message ("room: %s", room->body);
  }
  /* the natives hear each other and the browser (a report that never
   * shows it is logged, and the final reports say what was missed) */
  {
    g_autoptr (JsonObject) heard_a = hn_test_endpoint_wait_for (a, hears_expected, NULL, HEAR_MS);
    g_autoptr (JsonObject) heard_b = hn_test_endpoint_wait_for (b, hears_expected, NULL, HEAR_MS);
  }
  hn_test_process_kill (a, SIGTERM);
  hn_test_process_kill (b, SIGTERM);
  /* both reports are logged before either is judged */
  ra = hn_test_endpoint_report (f->mcu, a, &a_status);
  rb = hn_test_endpoint_report (f->mcu, b, &b_status);
  g_assert_cmpint (a_status, ==, 0);
  g_assert_cmpint (b_status, ==, 0);
}

int
main (int argc, char **argv)
{
  hn_test_init (&argc, &argv);
  g_test_add ("/mcu-browser/chromium-joins", Fixture, GINT_TO_POINTER (HN_TEST_BROWSER_CHROMIUM),
              fixture_set_up, test_browser_joins, fixture_tear_down);
  g_test_add ("/mcu-browser/firefox-joins", Fixture, GINT_TO_POINTER (HN_TEST_BROWSER_FIREFOX),
              fixture_set_up, test_browser_joins, fixture_tear_down);
  return g_test_run ();
}
