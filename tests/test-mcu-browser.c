/* test-mcu-browser.c: a real browser in a room — headless Chromium joins
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
#include "support/hn-test.h"

#define KEY "cle-de-test-0123456789abcdef"
#define RATE 48000

typedef struct
{
  HnTestDaemon *daemon;
  char *dir;
  char *token;
} Fixture;

static JsonObject *
parse_object (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, text, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  return root != NULL && JSON_NODE_HOLDS_OBJECT (root)
             ? json_object_ref (json_node_get_object (root))
             : NULL;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *key_file = NULL, *key_arg = NULL, *url = NULL;
  g_autoptr (HnTestResponse) created = NULL;
  g_autoptr (JsonObject) room = NULL;
  const char *headers[] = { "Authorization", "Bearer " KEY, NULL };

  f->dir = hn_test_make_tmpdir ("mcu-browser");
  key_file = g_build_filename (f->dir, "key", NULL);
  g_assert_true (g_file_set_contents (key_file, KEY "\n", -1, NULL));
  key_arg = g_strdup_printf ("--api-key-file=%s", key_file);
  {
    const char *args[] = { key_arg, NULL };

    f->daemon = hn_test_daemon_start ("mcu/hoinghi-mcu", args, &error);
  }
  g_assert_no_error (error);
  url = g_strconcat (hn_test_daemon_get_url (f->daemon), "/api/v1/rooms", NULL);
  created = hn_test_request ("POST", url, headers, "application/json",
                             "{\"id\":\"r1\",\"name\":\"Giao ban\"}", -1);
  g_assert_cmpuint (created->status, ==, 201);
  room = parse_object (created->body);
  f->token = g_strdup (json_object_get_string_member (room, "join_token"));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (hn_test_daemon_stop (f->daemon, SIGTERM, 10000), ==, 0);
  hn_test_daemon_free (f->daemon);
  hn_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->token);
}

/* A 16-bit mono WAV of @seconds of a sine at @hz, for the fake microphone. */
static char *
write_tone (Fixture *f, guint hz, guint seconds)
{
  g_autofree char *path = g_build_filename (f->dir, "tone.wav", NULL);
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

static HnTestProcess *
endpoint (Fixture *f, const char *name, guint tone, const char *expect)
{
  g_autofree char *mcu = g_strdup_printf ("--mcu=%s", hn_test_daemon_get_url (f->daemon));
  g_autofree char *token = g_strdup_printf ("--token=%s", f->token);
  g_autofree char *name_arg = g_strdup_printf ("--name=%s", name);
  g_autofree char *tone_arg = g_strdup_printf ("--test-tone=%u", tone);
  g_autofree char *expect_arg = g_strdup_printf ("--expect-tones=%s", expect);
  const char *argv[] = { "endpoints/hoinghi-endpoint",
                         mcu,
                         "--room=r1",
                         token,
                         name_arg,
                         "--unit=26",
                         "--check",
                         "--duration=12",
                         tone_arg,
                         expect_arg,
                         NULL };
  g_autoptr (GError) error = NULL;
  HnTestProcess *process = hn_test_process_start (argv, &error);

  g_assert_no_error (error);
  return process;
}

static gboolean
is_joined (const char *text, gpointer user_data)
{
  g_autoptr (JsonObject) status = parse_object (text);

  return status != NULL
         && g_strcmp0 (json_object_get_string_member_with_default (status, "state", ""), "joined")
                == 0;
}

/* The page has received and played audio from the natives. */
static gboolean
hears_audio (const char *text, gpointer user_data)
{
  g_autoptr (JsonObject) status = parse_object (text);

  return status != NULL
         && json_object_get_int_member_with_default (status, "packetsReceived", 0) > 100
         && json_object_get_double_member_with_default (status, "audioLevel", 0) > 0.01;
}

/* Both reports are logged before either is judged. */
static int
finish (HnTestProcess *process)
{
  g_assert_true (hn_test_process_wait (process, 90000));
  g_test_message ("endpoint said: %s", hn_test_process_get_stdout (process));
  if (hn_test_process_get_status (process) != 0)
    g_test_message ("endpoint's log: %s", hn_test_process_get_stderr (process));
  return hn_test_process_get_status (process);
}

static void
test_chromium_joins (Fixture *f, gconstpointer data)
{
  g_autofree char *wav = write_tone (f, 1000, 60);
  g_autofree char *url = g_strdup_printf (
      "%s/join/r1?token=%s&autojoin=1&processing=0&name=Tr%%C3%%ACnh%%20duy%%E1%%BB%%87t&unit=26",
      hn_test_daemon_get_url (f->daemon), f->token);
  g_autoptr (GError) error = NULL;
  g_autoptr (HnTestChromium) chromium = hn_test_chromium_start (url, wav, &error);
  g_autofree char *joined = NULL, *hearing = NULL;
  g_autoptr (HnTestProcess) a = NULL, b = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip ("Chromium is not installed");
      return;
    }
  g_assert_no_error (error);
  joined
      = hn_test_chromium_wait_for_line (chromium, HN_TEST_CHROMIUM_STATUS, 30000, is_joined, NULL);
  if (joined == NULL)
    {
      g_autofree char *log = hn_test_chromium_get_log (chromium);

      g_test_message ("%s", log);
    }
  g_assert_nonnull (joined);

  a = endpoint (f, "A", 440, "660,1000");
  b = endpoint (f, "B", 660, "440,1000");
  hearing = hn_test_chromium_wait_for_line (chromium, HN_TEST_CHROMIUM_STATUS, 30000, hears_audio,
                                            NULL);
  g_assert_nonnull (hearing);
  {
    g_autofree char *room_url
        = g_strconcat (hn_test_daemon_get_url (f->daemon), "/api/v1/rooms/r1", NULL);
    const char *headers[] = { "Authorization", "Bearer " KEY, NULL };
    g_autoptr (HnTestResponse) room = hn_test_request ("GET", room_url, headers, NULL, NULL, 0);

    /* what the mcu sees of each site, for a failure's log */
    g_test_message ("room: %s", room->body);
  }
  {
    int a_status = finish (a), b_status = finish (b);

    g_assert_cmpint (a_status, ==, 0);
    g_assert_cmpint (b_status, ==, 0);
  }
}

int
main (int argc, char **argv)
{
  hn_test_init (&argc, &argv);
  g_test_add ("/mcu-browser/chromium-joins", Fixture, NULL, fixture_set_up, test_chromium_joins,
              fixture_tear_down);
  return g_test_run ();
}
