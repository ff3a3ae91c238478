/* hoinghi-endpoint: a site's software endpoint.
 *
 * With --room it joins a room of the mcu and stays in it until stopped:
 * the microphone (or a test tone) goes to the mcu, and the camera (or a
 * test colour) if asked; the room's mix goes to the speakers and its
 * video to a window (or, with --check, both to analysers whose findings
 * make one JSON report).
 * Without --room, or with --probe, it checks that the site can reach its
 * mcu, which is the first thing a technician asks when a site does not
 * connect.
 *
 * This file holds the options and the wiring; the signalling is in
 * ep-session.c, the media in ep-media.c and ep-video.c, the analysis in
 * ep-analyser.c and ep-video-analyser.c.
 */
#define G_LOG_DOMAIN "hoinghi-endpoint"

#include "config.h"

#include <stdio.h>

#include <glib-unix.h>
#include <signal.h>
#include <string.h>

#include "ep-analyser.h"
#include "ep-gst.h"
#include "ep-media.h"
#include "ep-session.h"
#include "ep-video-analyser.h"
#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-exit.h"
#include "libhoinghi/hn-health.h"
#include "libhoinghi/hn-i18n.h"

/* How long a check waits for the first audio after joining. */
#define FIRST_AUDIO_WAIT_S 30

#define DEFAULT_MCU_URL "http://127.0.0.1:8443"
#define NAME_MAX_CHARS 100
#define UNIT_MAX_CHARS 16

typedef struct
{
  char *mcu_url;
  int timeout;
  gboolean probe;
  char *room;
  char *token;
  char *name;
  char *unit;
  char *tier;

  char **ice_addresses;
  double test_tone;
  gboolean silent;
  gboolean check;
  int duration;
  char *expect_tones;
  char *expect_absent;
  char *test_color;
  gboolean camera;
  char *video_codec;
  char *expect_colors;
  char *snapshot;
  double simulate_loss; /* percent */
} Options;

static void
options_clear (Options *options)
{
  g_free (options->mcu_url);
  g_free (options->room);
  g_free (options->token);
  g_free (options->name);
  g_free (options->unit);
  g_free (options->tier);
  g_strfreev (options->ice_addresses);
  g_free (options->expect_tones);
  g_free (options->expect_absent);
  g_free (options->test_color);
  g_free (options->video_codec);
  g_free (options->expect_colors);
  g_free (options->snapshot);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

/* The state of a run, shared by the callbacks below. */
typedef struct
{
  GMainLoop *loop;
  EpSession *session;
  EpAnalyser *analyser;            /* --check only */
  EpVideoAnalyser *video_analyser; /* --check only */
  const Options *options;
  gboolean joined;
  gboolean join_timed_out;
  gboolean interrupted;
  gboolean ended;
  EpSessionEnd end;
  guint join_timer;
  guint audio_poll;
  gint64 audio_deadline;
  guint duration_timer;
} Run;

/* ---- the probe ---- */

static int
probe (const char *mcu_url, int timeout)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) health = NULL;

  health = hn_health_probe (mcu_url, timeout, &error);
  if (health == NULL)
    {
      g_printerr ("hoinghi-endpoint: %s\n", error->message);
      return HN_EXIT_FAILURE;
    }
  /* TRANSLATORS: "The mcu at http://… is up: hoinghi-mcu 0.1.0" */
  g_print (_ ("The mcu at %s is up: %s %s\n"), mcu_url,
           json_object_get_string_member_with_default (health, "service", "?"),
           json_object_get_string_member_with_default (health, "version", "?"));
  return HN_EXIT_OK;
}

/* ---- checking the command line ---- */

static gboolean
parse_frequencies (const char *option, const char *text, GArray *into, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *part = g_strstrip (parts[i]);
      char *end = NULL;
      double hz = g_ascii_strtod (part, &end);

      if (end == part || *end != '\0' || !(hz >= 20 && hz <= 20000))
        {
          /* TRANSLATORS: "--expect-tones takes frequencies from 20 to 20000 Hz separated by
           * commas, e.g. 440,660; “abc” is not one" */
          g_set_error (error, HN_ERROR, HN_ERROR_CONFIG,
                       _ ("%s takes frequencies from 20 to 20000 Hz separated by commas, e.g. "
                          "440,660; “%s” is not one"),
                       option, part);
          return FALSE;
        }
      g_array_append_val (into, hz);
    }
  return TRUE;
}

/* RRGGBB, as in HTML without the “#”. */
static gboolean
parse_color (const char *text, guint32 *rgb)
{
  if (strlen (text) != 6)
    return FALSE;
  for (guint i = 0; i < 6; i++)
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;
  *rgb = (guint32) g_ascii_strtoull (text, NULL, 16);
  return TRUE;
}

static gboolean
parse_colors (const char *text, GArray *into, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *part = g_strstrip (parts[i]);
      guint32 rgb;

      if (!parse_color (part, &rgb))
        {
          g_set_error (error, HN_ERROR, HN_ERROR_CONFIG,
                       _ ("--expect-colors takes colours as RRGGBB separated by commas, e.g. "
                          "3060c0,e0c020; “%s” is not one"),
                       part);
          return FALSE;
        }
      g_array_append_val (into, rgb);
    }
  return TRUE;
}

/* The video the options ask to send. */
static gboolean
video_send (const Options *o, EpVideoSend *send, GError **error)
{
  send->source = EP_VIDEO_SOURCE_NONE;
  send->codec = EP_VIDEO_CODEC_VP8;
  if (o->camera && o->test_color != NULL)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_CONFIG,
                           _ ("--camera and --test-color cannot go together"));
      return FALSE;
    }
  if (o->test_color != NULL)
    {
      if (!parse_color (o->test_color, &send->test_color))
        {
          g_set_error_literal (error, HN_ERROR, HN_ERROR_CONFIG,
                               _ ("--test-color takes a colour as RRGGBB, e.g. 3060c0"));
          return FALSE;
        }
      send->source = EP_VIDEO_SOURCE_TEST_COLOR;
    }
  else if (o->camera)
    send->source = EP_VIDEO_SOURCE_CAMERA;
  if (o->video_codec == NULL)
    return TRUE;
  if (send->source == EP_VIDEO_SOURCE_NONE)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_CONFIG,
                           _ ("--video-codec needs --test-color or --camera"));
      return FALSE;
    }
  if (g_ascii_strcasecmp (o->video_codec, "h264") == 0)
    send->codec = EP_VIDEO_CODEC_H264;
  else if (g_ascii_strcasecmp (o->video_codec, "vp8") != 0)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_CONFIG, _ ("--video-codec is vp8 or h264"));
      return FALSE;
    }
  return TRUE;
}

/* Whether a window can open.  Without a display autovideosink goes on to
 * the console's sinks, and dfbvideosink (GStreamer 1.22) crashes the
 * process there. */
static gboolean
has_display (void)
{
  const char *x11 = g_getenv ("DISPLAY");
  const char *wayland = g_getenv ("WAYLAND_DISPLAY");

  return (x11 != NULL && *x11 != '\0') || (wayland != NULL && *wayland != '\0');
}

static gboolean
is_unit_code (const char *unit)
{
  gsize length = strlen (unit);

  if (length < 1 || length > UNIT_MAX_CHARS)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (unit[i]) && unit[i] != '-')
      return FALSE;
  return TRUE;
}

static gboolean
check_session_options (const Options *o, GError **error)
{
  if (o->token == NULL || o->name == NULL)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG, _ ("--room needs --token and --name as well"));
      return FALSE;
    }
  if (*o->room == '\0' || *o->token == '\0')
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG, _ ("--room and --token must not be empty"));
      return FALSE;
    }
  if (!g_utf8_validate (o->name, -1, NULL) || g_utf8_strlen (o->name, -1) < 1
      || g_utf8_strlen (o->name, -1) > NAME_MAX_CHARS)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG,
                   _ ("--name must be from 1 to %d characters of UTF-8"), NAME_MAX_CHARS);
      return FALSE;
    }
  if (o->tier != NULL && g_strcmp0 (o->tier, "720p") != 0 && g_strcmp0 (o->tier, "360p") != 0)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_CONFIG, _ ("--tier must be 720p or 360p"));
      return FALSE;
    }
  if (o->unit != NULL && !is_unit_code (o->unit))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG,
                   _ ("--unit must be from 1 to %d letters, digits or “-”"), UNIT_MAX_CHARS);
      return FALSE;
    }
  if (o->test_tone != 0 && !(o->test_tone >= 20 && o->test_tone <= 20000))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG, _ ("--test-tone must be from 20 to 20000 Hz"));
      return FALSE;
    }
  if (!(o->simulate_loss >= 0 && o->simulate_loss <= 50))
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_CONFIG,
                           _ ("--simulate-loss must be from 0 to 50 (percent)"));
      return FALSE;
    }
  if (o->silent && o->test_tone != 0)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_CONFIG,
                           _ ("--silent and --test-tone cannot go together"));
      return FALSE;
    }
  if (o->duration < 1 || o->duration > 86400)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG,
                   _ ("--duration must be from 1 to 86400 seconds"));
      return FALSE;
    }
  if (!o->check && (o->expect_tones != NULL || o->expect_absent != NULL))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFIG,
                   _ ("--expect-tones and --expect-absent need --check"));
      return FALSE;
    }
  if (!o->check && o->snapshot != NULL)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_CONFIG, _ ("--snapshot needs --check"));
      return FALSE;
    }
  if (!o->check && o->expect_colors != NULL)
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_CONFIG, _ ("--expect-colors needs --check"));
      return FALSE;
    }
  for (guint i = 0; o->ice_addresses != NULL && o->ice_addresses[i] != NULL; i++)
    {
      g_autoptr (GInetAddress) address = g_inet_address_new_from_string (o->ice_addresses[i]);

      if (address == NULL)
        {
          g_set_error (error, HN_ERROR, HN_ERROR_CONFIG,
                       _ ("--ice-address takes an IP address, not “%s”"), o->ice_addresses[i]);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- the session ---- */

static void
finish_analysis (Run *run)
{
  gint64 now = g_get_monotonic_time ();

  if (run->analyser == NULL)
    return;
  ep_analyser_finish (run->analyser, now);
  ep_video_analyser_finish (run->video_analyser, now);
  if (run->options->snapshot != NULL)
    {
      g_autoptr (GError) error = NULL;

      if (!ep_video_analyser_save_snapshot (run->video_analyser, run->options->snapshot, &error))
        g_printerr ("hoinghi-endpoint: %s: %s\n", run->options->snapshot, error->message);
    }
}

static gboolean
on_duration_done (gpointer user_data)
{
  Run *run = user_data;

  run->duration_timer = 0;
  /* Before the leave: the silence and the still picture that follow it
   * are no gap and no freeze. */
  finish_analysis (run);
  ep_session_leave (run->session);
  return G_SOURCE_REMOVE;
}

/* The check listens for --duration from the first audio or picture, so
 * that a slow set-up (a loaded machine, a long ICE) does not eat into what
 * is analysed; media that never comes ends the check after
 * FIRST_AUDIO_WAIT_S.  (A room where nobody talks may send no audio at
 * all: Opus DTX.) */
static gboolean
on_audio_poll (gpointer user_data)
{
  Run *run = user_data;
  gint64 now = g_get_monotonic_time ();

  if (ep_analyser_get_first_audio_ms (run->analyser) < 0
      && !ep_video_analyser_has_frames (run->video_analyser))
    {
      if (now < run->audio_deadline)
        return G_SOURCE_CONTINUE;
      run->audio_poll = 0;
      on_duration_done (run);
      return G_SOURCE_REMOVE;
    }
  run->audio_poll = 0;
  /* The tones count over the second half of the check: the first is the
   * time the mix needs to settle. */
  ep_analyser_set_tone_window (run->analyser, now + run->options->duration * G_USEC_PER_SEC / 2);
  run->duration_timer = g_timeout_add_seconds (run->options->duration, on_duration_done, run);
  return G_SOURCE_REMOVE;
}

static void
on_joined (EpSession *session, const char *participant, gpointer user_data)
{
  Run *run = user_data;
  gint64 now = g_get_monotonic_time ();

  if (!run->options->check)
    {
      /* TRANSLATORS: "Joined room “r1” as p-12." */
      g_print (_ ("Joined room “%s” as %s.\n"), run->options->room, participant);
      return;
    }
  if (run->joined)
    return;
  run->joined = TRUE;
  g_clear_handle_id (&run->join_timer, g_source_remove);
  run->audio_deadline = now + FIRST_AUDIO_WAIT_S * G_USEC_PER_SEC;
  run->audio_poll = g_timeout_add (100, on_audio_poll, run);
}

static gboolean
on_join_timeout (gpointer user_data)
{
  Run *run = user_data;

  run->join_timer = 0;
  run->join_timed_out = TRUE;
  g_printerr (_ ("hoinghi-endpoint: could not join room “%s” within %d s\n"), run->options->room,
              run->options->timeout);
  ep_session_leave (run->session);
  return G_SOURCE_REMOVE;
}

static void
on_mcu_error (EpSession *session, const char *code, const char *message, gpointer user_data)
{
  g_printerr ("hoinghi-endpoint: %s (%s)\n", message, code);
}

static void
on_problem (EpSession *session, const char *message, gpointer user_data)
{
  g_printerr ("hoinghi-endpoint: %s\n", message);
}

static void
on_ended (EpSession *session, int end, gpointer user_data)
{
  Run *run = user_data;

  run->ended = TRUE;
  run->end = end;
  finish_analysis (run);
  if (end == EP_SESSION_END_KICKED)
    g_printerr (_ ("hoinghi-endpoint: the operator removed this site from the room\n"));
  else if (end == EP_SESSION_END_ROOM_CLOSED)
    g_printerr (_ ("hoinghi-endpoint: the room was closed\n"));
  g_main_loop_quit (run->loop);
}

static gboolean
on_unix_signal (gpointer user_data)
{
  Run *run = user_data;

  /* A second signal does not wait for the mcu's bye. */
  if (run->interrupted)
    {
      g_main_loop_quit (run->loop);
      return G_SOURCE_CONTINUE;
    }
  run->interrupted = TRUE;
  finish_analysis (run);
  ep_session_leave (run->session);
  return G_SOURCE_CONTINUE;
}

static void
print_report (Run *run)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  const char *participant = ep_session_get_participant (run->session);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "joined");
  json_builder_add_boolean_value (builder, ep_session_has_joined (run->session));
  json_builder_set_member_name (builder, "participant");
  if (participant != NULL)
    json_builder_add_string_value (builder, participant);
  else
    json_builder_add_null_value (builder);
  ep_analyser_add_to_report (run->analyser, builder);
  ep_video_analyser_add_to_report (run->video_analyser, builder);
  json_builder_set_member_name (builder, "reconnects");
  json_builder_add_int_value (builder, ep_session_get_reconnects (run->session));
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  /* JSON is UTF-8 whatever the locale (g_print would convert the names) */
  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

/* SIGUSR1 in --check mode: the report so far, and the check goes on (a
 * supervisor or a test can watch what the site sees while it stays). */
static gboolean
on_report_signal (gpointer user_data)
{
  print_report (user_data);
  return G_SOURCE_CONTINUE;
}

static int
exit_status (Run *run)
{
  if (run->ended && run->end != EP_SESSION_END_LEFT)
    return HN_EXIT_FAILURE;
  if (!run->options->check)
    return HN_EXIT_OK;
  if (run->join_timed_out || !ep_session_has_joined (run->session))
    return HN_EXIT_FAILURE;
  return ep_analyser_expected_tones_heard (run->analyser)
                 && ep_analyser_absent_tones_unheard (run->analyser)
                 && ep_video_analyser_expected_colors_seen (run->video_analyser)
             ? HN_EXIT_OK
             : HN_EXIT_FAILURE;
}

static int
run_session (const Options *o)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (EpSession) session = NULL;
  g_autoptr (EpAnalyser) analyser = NULL;
  g_autoptr (EpVideoAnalyser) video_analyser = NULL;
  g_autoptr (GArray) present = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) absent = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) colors = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_auto (GStrv) required = NULL;
  EpSessionConfig config = { 0 };
  Run run = { 0 };
  guint sigint, sigterm, sigusr1 = 0;
  int status;

  if (!check_session_options (o, &error)
      || (o->expect_tones != NULL
          && !parse_frequencies ("--expect-tones", o->expect_tones, present, &error))
      || (o->expect_absent != NULL
          && !parse_frequencies ("--expect-absent", o->expect_absent, absent, &error))
      || !video_send (o, &config.media.video, &error)
      || (o->expect_colors != NULL && !parse_colors (o->expect_colors, colors, &error)))
    {
      g_printerr ("hoinghi-endpoint: %s\n", error->message);
      return HN_EXIT_USAGE;
    }

  config.mcu_url = o->mcu_url != NULL ? o->mcu_url : DEFAULT_MCU_URL;
  config.room = o->room;
  config.token = o->token;
  config.name = o->name;
  config.unit = o->unit;
  config.tier = o->tier;
  config.media.ice_addresses = (const char *const *) o->ice_addresses;
  config.media.test_tone_hz = o->silent ? EP_MEDIA_SILENCE : o->test_tone;
  config.connect_timeout = o->timeout;
  config.media.receive_loss = o->simulate_loss / 100;
  if (o->check)
    {
      analyser = ep_analyser_new (EP_ANALYSER_CLOCK_WALL);
      ep_analyser_set_expected (analyser, (const double *) present->data, present->len,
                                (const double *) absent->data, absent->len);
      config.media.analyser = analyser;
      video_analyser = ep_video_analyser_new (EP_ANALYSER_CLOCK_WALL);
      ep_video_analyser_set_expected_colors (video_analyser, (const guint32 *) colors->data,
                                             colors->len);
      config.media.video_analyser = video_analyser;
    }
  else if (has_display ())
    config.media.show_video = TRUE;
  else
    g_printerr (_ ("hoinghi-endpoint: no display (DISPLAY and WAYLAND_DISPLAY are not set): the "
                   "room's video is not shown\n"));
  session = ep_session_new (&config, &error);
  if (session == NULL)
    {
      g_printerr ("hoinghi-endpoint: %s\n", error->message);
      return HN_EXIT_USAGE;
    }

  gst_init (NULL, NULL);
  required = ep_media_required_elements (&config.media);
  if (!ep_gst_check_elements ((const char *const *) required, &error))
    {
      g_printerr ("hoinghi-endpoint: %s\n", error->message);
      return HN_EXIT_FAILURE;
    }

  loop = g_main_loop_new (NULL, FALSE);
  run.loop = loop;
  run.session = session;
  run.analyser = analyser;
  run.video_analyser = video_analyser;
  run.options = o;
  g_signal_connect (session, "joined", G_CALLBACK (on_joined), &run);
  g_signal_connect (session, "mcu-error", G_CALLBACK (on_mcu_error), &run);
  g_signal_connect (session, "problem", G_CALLBACK (on_problem), &run);
  g_signal_connect (session, "ended", G_CALLBACK (on_ended), &run);
  sigint = g_unix_signal_add (SIGINT, on_unix_signal, &run);
  sigterm = g_unix_signal_add (SIGTERM, on_unix_signal, &run);
  if (o->check)
    {
      run.join_timer = g_timeout_add_seconds (o->timeout, on_join_timeout, &run);
      sigusr1 = g_unix_signal_add (SIGUSR1, on_report_signal, &run);
    }

  ep_session_start (session);
  g_main_loop_run (loop);

  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_clear_handle_id (&sigusr1, g_source_remove);
  g_clear_handle_id (&run.join_timer, g_source_remove);
  g_clear_handle_id (&run.duration_timer, g_source_remove);
  g_clear_handle_id (&run.audio_poll, g_source_remove);
  g_signal_handlers_disconnect_by_data (session, &run);
  if (o->check)
    print_report (&run);
  status = exit_status (&run);

  /* Let the media session's last callbacks run before it goes. */
  g_clear_object (&session);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return status;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (Options) o = { 0 };
  gboolean show_version = FALSE;
  const GOptionEntry entries[] = {
    { "mcu", 'm', 0, G_OPTION_ARG_STRING, &o.mcu_url,
      N_ ("The mcu's base address (default http://127.0.0.1:8443)"), N_ ("URL") },
    { "timeout", 't', 0, G_OPTION_ARG_INT, &o.timeout,
      N_ ("Give up after SECONDS without an answer (default 5)"), N_ ("SECONDS") },
    { "probe", 0, 0, G_OPTION_ARG_NONE, &o.probe,
      N_ ("Only check that the mcu answers (the default without --room)"), NULL },
    { "room", 'r', 0, G_OPTION_ARG_STRING, &o.room, N_ ("Join the room with this id"), N_ ("ID") },
    { "token", 0, 0, G_OPTION_ARG_STRING, &o.token, N_ ("The room's join token"), N_ ("TOKEN") },
    { "name", 'n', 0, G_OPTION_ARG_STRING, &o.name, N_ ("The site's name as the room shows it"),
      N_ ("NAME") },
    { "unit", 'u', 0, G_OPTION_ARG_STRING, &o.unit, N_ ("The site's unit code"), N_ ("CODE") },
    { "tier", 0, 0, G_OPTION_ARG_STRING, &o.tier,
      N_ ("Receive the room's video at 720p (the default) or 360p (a weak link)"), N_ ("TIER") },
    { "ice-address", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.ice_addresses,
      N_ ("Let ICE use only this local address (repeatable; default 127.0.0.1 for an mcu on "
          "loopback, else every interface)"),
      N_ ("ADDRESS") },
    { "test-tone", 0, 0, G_OPTION_ARG_DOUBLE, &o.test_tone,
      N_ ("Send a sine of HZ instead of the microphone"), N_ ("HZ") },
    { "silent", 0, 0, G_OPTION_ARG_NONE, &o.silent,
      N_ ("Send silence instead of the microphone (a site that only listens)"), NULL },
    { "test-color", 0, 0, G_OPTION_ARG_STRING, &o.test_color,
      N_ ("Send video: a picture of this colour with a small moving ball"), N_ ("RRGGBB") },
    { "camera", 0, 0, G_OPTION_ARG_NONE, &o.camera, N_ ("Send video: the camera"), NULL },
    { "video-codec", 0, 0, G_OPTION_ARG_STRING, &o.video_codec,
      N_ ("Send the video as vp8 (the default) or h264"), N_ ("CODEC") },
    { "check", 0, 0, G_OPTION_ARG_NONE, &o.check,
      N_ ("Analyse the received audio and video instead of playing them and print a JSON "
          "report"),
      NULL },
    { "duration", 'd', 0, G_OPTION_ARG_INT, &o.duration,
      N_ ("With --check: listen SECONDS from the first audio (default 10)"), N_ ("SECONDS") },
    { "expect-tones", 0, 0, G_OPTION_ARG_STRING, &o.expect_tones,
      N_ ("With --check: fail unless these tones are heard"), N_ ("HZ,…") },
    { "expect-absent", 0, 0, G_OPTION_ARG_STRING, &o.expect_absent,
      N_ ("With --check: fail if any of these tones is heard"), N_ ("HZ,…") },
    { "snapshot", 0, 0, G_OPTION_ARG_FILENAME, &o.snapshot,
      N_ ("With --check: save the last picture received as a PNG"), N_ ("FILE") },
    { "expect-colors", 0, 0, G_OPTION_ARG_STRING, &o.expect_colors,
      N_ ("With --check: fail unless each of these colours fills a tile of the room's video"),
      N_ ("RRGGBB,…") },
    { "simulate-loss", 0, 0, G_OPTION_ARG_DOUBLE, &o.simulate_loss,
      N_ ("Lose PERCENT of the packets received, at random (to try a poor link)"), N_ ("PERCENT") },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &show_version, N_ ("Print the version and exit"),
      NULL },
    { NULL },
  };

  o.timeout = 5;
  o.duration = 10;
  hn_i18n_init ();
  /* Standard output carries the --check report and nothing else. */
  g_log_writer_default_set_use_stderr (TRUE);
  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                _ ("The software endpoint of a site: joins a room of the mcu "
                                   "with the site's microphone, speakers, camera and screen, or "
                                   "checks that the site can reach its mcu."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("hoinghi-endpoint: %s\n", error->message);
      return HN_EXIT_USAGE;
    }
  if (argc > 1)
    {
      g_printerr (_ ("hoinghi-endpoint: unexpected argument “%s”; see --help\n"), argv[1]);
      return HN_EXIT_USAGE;
    }
  if (show_version)
    {
      g_print ("hoinghi-endpoint %s\n", PACKAGE_VERSION);
      return HN_EXIT_OK;
    }
  if (o.timeout < 1 || o.timeout > 600)
    {
      g_printerr (_ ("hoinghi-endpoint: --timeout must be from 1 to 600 seconds\n"));
      return HN_EXIT_USAGE;
    }
  if (o.probe && o.room != NULL)
    {
      g_printerr (_ ("hoinghi-endpoint: --probe and --room exclude each other\n"));
      return HN_EXIT_USAGE;
    }
  if (o.room == NULL)
    {
      if (o.token != NULL || o.name != NULL || o.unit != NULL || o.ice_addresses != NULL
          || o.test_tone != 0 || o.check || o.expect_tones != NULL || o.expect_absent != NULL
          || o.test_color != NULL || o.camera || o.video_codec != NULL || o.expect_colors != NULL)
        {
          g_printerr (_ ("hoinghi-endpoint: these options need --room; see --help\n"));
          return HN_EXIT_USAGE;
        }
      return probe (o.mcu_url != NULL ? o.mcu_url : DEFAULT_MCU_URL, o.timeout);
    }
  return run_session (&o);
}
