/* test-mcu-media.c: the audio conference end to end — a real hoinghi-mcu
 * and real hoinghi-endpoint processes sending test tones over WebRTC on
 * 127.0.0.1, each analysing what it hears: everyone but itself, a muted
 * site gone from the mix and back, a site killed without a goodbye
 * leaving no gap at the others. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

#include "support/hn-test-process.h"
#include "support/hn-test-socket.h"
#include "support/hn-test-mcu.h"
#include "support/hn-test.h"

#define KEY HN_TEST_MCU_KEY
#define WAIT_MS 10000

typedef struct
{
  HnTestMcu *mcu;
  char *token;
} Fixture;

static HnTestResponse *
call (Fixture *f, const char *method, const char *path, const char *body)
{
  return hn_test_mcu_call (f->mcu, method, path, KEY, body);
}

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

/* A site sending @tone (0: silence), listening @seconds for @expect and
 * not @absent (comma lists, or NULL). */
static HnTestProcess *
endpoint (Fixture *f, const char *name, guint tone, guint seconds, const char *expect,
          const char *absent)
{
  return hn_test_mcu_endpoint (f->mcu, f->token, name, tone, seconds, expect, absent);
}

/* Waits for the endpoint's report; asserts that its expectations held. */
static JsonObject *
report_of (Fixture *f, HnTestProcess *process)
{
  int status;
  JsonObject *report = hn_test_endpoint_report (f->mcu, process, &status);

  g_assert_cmpint (status, ==, 0);
  return report;
}

static guint
participant_count (Fixture *f)
{
  g_autoptr (HnTestResponse) r = call (f, "GET", "/api/v1/rooms/r1", NULL);
  g_autoptr (JsonObject) room = hn_test_json_object (r->body);

  return json_array_get_length (json_object_get_array_member (room, "participants"));
}

/* The site's id, once it is in room r1 (by its name). */
static char *
wait_for_site (Fixture *f, const char *name)
{
  return hn_test_mcu_wait_for_site (f->mcu, name, WAIT_MS);
}

static void
test_everyone_but_itself (Fixture *f, gconstpointer data)
{
  /* Tones far apart: no sum, difference or harmonic of the others up to
   * the fourth order comes within 130 Hz of one (the mix's limiter makes
   * such products: 440, 660 and 880 put 2·660 − 880 right on 440), and a
   * loaded machine's glitches, every 20 ms frame, put sidebands at
   * multiples of 50 Hz around each tone, which 690/860/1200 met (690 +
   * 150 = 840, heard where 860 must be absent). */
  g_autoptr (HnTestProcess) a = endpoint (f, "A", 520, 12, "1170,1950", "520");
  g_autoptr (HnTestProcess) b = endpoint (f, "B", 1170, 12, "520,1950", "1170");
  g_autoptr (HnTestProcess) c = endpoint (f, "C", 1950, 12, "520,1170", "1950");
  g_autoptr (JsonObject) ra = report_of (f, a);
  g_autoptr (JsonObject) rb = report_of (f, b);
  g_autoptr (JsonObject) rc = report_of (f, c);
  g_autoptr (HnTestResponse) metrics = call (f, "GET", "/metrics", NULL);

  g_assert_cmpint (json_object_get_int_member (ra, "time_to_first_audio_ms"), >, 0);
  g_assert_nonnull (strstr (metrics->body, "hoinghi_rtp_packets_received_total"));
}

static void
test_mute (Fixture *f, gconstpointer data)
{
  /* far apart (see everyone-but-itself) */
  g_autoptr (HnTestProcess) a = endpoint (f, "A", 520, 60, NULL, NULL);
  g_autoptr (HnTestProcess) c = endpoint (f, "C", 1950, 60, NULL, NULL);
  g_autofree char *c_id = wait_for_site (f, "C");
  g_autofree char *mute = g_strdup_printf ("/api/v1/rooms/r1/participants/%s/mute", c_id);

  /* muted: a listener hears A and not C */
  {
    g_autoptr (HnTestResponse) r = call (f, "POST", mute, "{\"audio\":true}");
    g_autoptr (HnTestProcess) listener = endpoint (f, "L1", 0, 10, "520", "1950");
    g_autoptr (JsonObject) report = NULL;

    g_assert_cmpuint (r->status, ==, 200);
    report = report_of (f, listener);
  }
  /* A and C, connected all along, get their audio straight from the mcu
   * (its own SRTP, not through webrtcbin: mcu-opus-send.c) */
  {
    g_autoptr (HnTestResponse) metrics = call (f, "GET", "/metrics", NULL);

    g_assert_nonnull (strstr (metrics->body, "\nhoinghi_audio_sites_direct 2\n"));
  }
  /* unmuted: C is back */
  {
    g_autoptr (HnTestResponse) r = call (f, "POST", mute, "{\"audio\":false}");
    g_autoptr (HnTestProcess) listener = endpoint (f, "L2", 0, 10, "520,1950", NULL);
    g_autoptr (JsonObject) report = NULL;

    g_assert_cmpuint (r->status, ==, 200);
    report = report_of (f, listener);
  }
}

/* Whether the site hears the tone @data (Hz) so far. */
static gboolean
hears_tone (JsonObject *report, gconstpointer data)
{
  JsonArray *tones = json_object_get_array_member (report, "tones");

  for (guint i = 0; i < json_array_get_length (tones); i++)
    if (ABS (json_object_get_int_member (json_array_get_object_element (tones, i), "hz")
             - (gint64) GPOINTER_TO_UINT (data))
        <= 30)
      return TRUE;
  return FALSE;
}

/* C is killed without a goodbye while B listens: B hears A throughout.
 * What B hears is judged from the kill on (by B's own clock: the end of
 * its audible audio just before), once B hears A: how long a site takes
 * to set up on a loaded machine is not what this tests. */
static void
test_site_killed (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *events_url = hn_test_mcu_ws_url (f->mcu, "/api/v1/events");
  g_autoptr (HnTestSocket) events = hn_test_socket_connect (events_url, KEY, &error);
  g_autoptr (HnTestProcess) a = endpoint (f, "A", 440, 120, NULL, NULL);
  g_autoptr (HnTestProcess) c = endpoint (f, "C", 880, 120, NULL, NULL);
  g_autofree char *a_id = wait_for_site (f, "A");
  g_autofree char *c_id = wait_for_site (f, "C");
  g_autoptr (HnTestProcess) b = endpoint (f, "B", 660, 120, "440", NULL);
  g_autofree char *b_id = wait_for_site (f, "B");
  g_autoptr (JsonObject) heard = NULL, before = NULL, rb = NULL, left = NULL;
  gint64 killed_at;
  JsonArray *gaps;
  HnTestCpuMark cpu;
  double idle;

  g_assert_no_error (error);
  heard = hn_test_endpoint_wait_for (b, hears_tone, GUINT_TO_POINTER (440), 30000);
  g_assert_nonnull (heard);
  g_usleep (G_USEC_PER_SEC);
  before = hn_test_endpoint_wait_for (b, hn_test_report_any, NULL, WAIT_MS);
  g_assert_nonnull (before);
  killed_at = json_object_get_int_member (before, "last_audio_ms");
  cpu = hn_test_cpu_mark ();
  hn_test_process_kill (c, SIGKILL);
  do
    {
      g_clear_pointer (&left, json_object_unref);
      left = hn_test_socket_expect (events, "participant-left", WAIT_MS);
      g_assert_nonnull (left);
    }
  while (!g_str_equal (
      json_object_get_string_member (json_object_get_object_member (left, "participant"), "id"),
      c_id));
  g_assert_cmpstr (json_object_get_string_member (left, "reason"), ==, "disconnected");
  /* B listens on after the mcu has let C go */
  g_usleep (3 * G_USEC_PER_SEC);
  hn_test_process_kill (b, SIGTERM);
  rb = report_of (f, b);
  idle = hn_test_cpu_idle_since (&cpu);
  g_test_message ("the machine %.0f %% idle from the kill on", 100 * idle);
  {
    /* for a failure's log: audio the mcu lost behind its sender thread */
    g_autoptr (HnTestResponse) metrics = call (f, "GET", "/metrics", NULL);
    const char *dropped = strstr (metrics->body, "\nhoinghi_audio_packets_dropped_total ");

    g_test_message ("%.*s", dropped != NULL ? (int) strcspn (dropped + 1, "\n") : 0,
                    dropped != NULL ? dropped + 1 : "");
  }
  /* and A's audio still flowed at the end */
  g_assert_cmpint (json_object_get_int_member (rb, "last_audio_ms"), >, killed_at + 2500);
  /* A is still in (B left at its end, C is gone) */
  g_assert_cmpuint (participant_count (f), ==, 1);
  /* a saturated machine delays B's own audio, whatever the mcu does (a
   * stress run of the sanitizer build beside a CPU hog: gaps every
   * ~340 ms in B, from before the kill on); the mcu's part, a leaving
   * site holding nobody, is /mcu/mixer/senders/release-waits-for-push */
  if (idle < HN_TEST_SATURATED_IDLE)
    {
      g_autofree char *why = g_strdup_printf (
          "the machine was saturated (%.0f %% idle from the kill on): B's gaps are not judged",
          100 * idle);

      g_test_skip (why);
      return;
    }
  gaps = json_object_get_array_member (rb, "gaps");
  for (guint i = 0; i < json_array_get_length (gaps); i++)
    {
      JsonObject *gap = json_array_get_object_element (gaps, i);

      /* one from the mark itself was already under way when B reported:
       * what B heard of A after the kill was mixed before it, so a gap
       * the kill made starts later (seen once in a stress run: a 96 ms
       * glitch at the mark, on the sanitizer build beside a CPU hog) */
      g_assert_cmpint (json_object_get_int_member (gap, "at_ms"), <=, killed_at);
    }
}

/* The mcu restarted under the sites: they reconnect by themselves with the
 * tokens they have and hear each other again. */
static void
test_mcu_restarts (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HnTestProcess) a = endpoint (f, "A", 440, 20, "660", NULL);
  g_autoptr (HnTestProcess) b = endpoint (f, "B", 660, 20, "440", NULL);
  g_autofree char *a_id = wait_for_site (f, "A");
  g_autofree char *b_id = wait_for_site (f, "B");
  g_autoptr (JsonObject) ra = NULL, rb = NULL;

  g_usleep (2 * G_USEC_PER_SEC);
  g_assert_cmpint (hn_test_daemon_stop (f->mcu->daemon, SIGTERM, 10000), ==, 0);
  g_assert_true (hn_test_daemon_restart (f->mcu->daemon, &error));
  g_assert_no_error (error);
  ra = report_of (f, a);
  rb = report_of (f, b);
  g_assert_cmpint (json_object_get_int_member (ra, "reconnects"), >=, 1);
  g_assert_cmpint (json_object_get_int_member (rb, "reconnects"), >=, 1);
}

#define ADD(name, func)                                                                            \
  g_test_add ("/mcu-media/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int argc, char **argv)
{
  hn_test_init (&argc, &argv);
  ADD ("everyone-but-itself", test_everyone_but_itself);
  ADD ("mute", test_mute);
  ADD ("site-killed", test_site_killed);
  ADD ("mcu-restarts", test_mcu_restarts);
  return g_test_run ();
}
