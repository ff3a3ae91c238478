/* test-mcu-signalling.c: the sites' signalling (/ws) on a real
 * hoinghi-mcu: joining, the offer, what the room tells its sites, the
 * control API over sites (mute, kick), SIGTERM, and the hostile-input
 * table — every bad message gets its error, and the room and the site
 * already in it are untouched. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

#include "support/hn-test-socket.h"
#include "support/hn-test-mcu.h"
#include "support/hn-test.h"

#define KEY HN_TEST_MCU_KEY
#define WAIT_MS 10000

typedef struct
{
  HnTestMcu *mcu;
  char *token; /* room "r1", max 3 sites */
  char *ws_url;
} Fixture;

static HnTestResponse *
call (Fixture *f, const char *method, const char *path, const char *body)
{
  return hn_test_mcu_call (f->mcu, method, path, KEY, body);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->mcu = hn_test_mcu_start ("max-message-bytes=16384\n"
                              "max-messages-per-second=20\n"
                              "join-timeout=2\n"
                              "ice-addresses=127.0.0.1\n");
  f->token = hn_test_mcu_create_room (
      f->mcu, "{\"id\":\"r1\",\"name\":\"Giao ban\",\"max_participants\":3}");
  f->ws_url = hn_test_mcu_ws_url (f->mcu, "/ws");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  hn_test_mcu_free (f->mcu);
  g_free (f->token);
  g_free (f->ws_url);
}

static HnTestSocket *
connect_socket (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  HnTestSocket *socket = hn_test_socket_connect (f->ws_url, NULL, &error);

  g_assert_no_error (error);
  return socket;
}

static char *
join_message (Fixture *f, const char *name, const char *unit)
{
  return g_strdup_printf ("{\"type\":\"join\",\"room\":\"r1\",\"token\":\"%s\",\"name\":\"%s\","
                          "\"unit\":\"%s\"}",
                          f->token, name, unit);
}

/* A site that joined and got its offer; its id in @participant. */
static HnTestSocket *
join (Fixture *f, const char *name, const char *unit, char **participant)
{
  HnTestSocket *socket = connect_socket (f);
  g_autofree char *text = join_message (f, name, unit);
  g_autoptr (JsonObject) joined = NULL;
  g_autoptr (JsonObject) offer = NULL;

  hn_test_socket_send (socket, text);
  joined = hn_test_socket_expect (socket, "joined", WAIT_MS);
  if (joined == NULL)
    {
      g_autofree char *log = hn_test_daemon_get_log (f->mcu->daemon);

      g_test_message ("the mcu's log: %s", log);
    }
  g_assert_nonnull (joined);
  offer = hn_test_socket_expect (socket, "offer", WAIT_MS);
  g_assert_nonnull (offer);
  if (participant != NULL)
    *participant = g_strdup (json_object_get_string_member (joined, "participant"));
  return socket;
}

static guint
participant_count (Fixture *f)
{
  g_autoptr (HnTestResponse) r = call (f, "GET", "/api/v1/rooms/r1", NULL);
  g_autoptr (JsonObject) room = hn_test_json_object (r->body);

  g_assert_cmpuint (r->status, ==, 200);
  return json_array_get_length (json_object_get_array_member (room, "participants"));
}

/* The error a bad socket got, and that it was closed with 1008 and the
 * error's code (or stayed open when the error is not fatal). */
static void
assert_error (HnTestSocket *socket, const char *code, gboolean fatal)
{
  g_autoptr (JsonObject) error = hn_test_socket_expect (socket, "error", WAIT_MS);

  g_assert_nonnull (error);
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, code);
  g_assert_cmpuint (strlen (json_object_get_string_member (error, "message")), >, 0);
  if (fatal)
    {
      g_assert_true (hn_test_socket_wait_closed (socket, WAIT_MS));
      g_assert_cmpuint (hn_test_socket_get_close_code (socket), ==, 1008);
      g_assert_cmpstr (hn_test_socket_get_close_reason (socket), ==, code);
    }
  else
    {
      g_autoptr (JsonObject) pong = NULL;

      hn_test_socket_send (socket, "{\"type\":\"ping\"}");
      pong = hn_test_socket_expect (socket, "pong", WAIT_MS);
      g_assert_nonnull (pong);
    }
}

static void
test_join_offer (Fixture *f, gconstpointer data)
{
  g_autoptr (HnTestSocket) socket = connect_socket (f);
  g_autofree char *text = join_message (f, "UBND huyện Tam Đảo", "248");
  g_autoptr (JsonObject) joined = NULL, offer = NULL, candidate = NULL;
  g_autoptr (HnTestResponse) r = NULL;
  g_autoptr (JsonObject) room = NULL;
  JsonObject *site;
  const char *sdp;

  hn_test_socket_send (socket, text);
  joined = hn_test_socket_expect (socket, "joined", WAIT_MS);
  g_assert_nonnull (joined);
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (joined, "room"), "name"), ==,
      "Giao ban");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (joined, "participants")),
                    ==, 0);
  offer = hn_test_socket_expect (socket, "offer", WAIT_MS);
  g_assert_nonnull (offer);
  sdp = json_object_get_string_member (offer, "sdp");
  /* audio first, video already there, one transport */
  g_assert_nonnull (strstr (sdp, "m=audio"));
  g_assert_nonnull (strstr (sdp, "m=video"));
  g_assert_true (strstr (sdp, "m=audio") < strstr (sdp, "m=video"));
  g_assert_nonnull (strstr (sdp, "a=group:BUNDLE"));
  g_assert_nonnull (strstr (sdp, "OPUS/48000"));
  g_assert_nonnull (strstr (sdp, "VP8/90000"));
  g_assert_nonnull (strstr (sdp, "H264/90000"));
  /* keyframe requests offered for both (browsers send none otherwise) */
  g_assert_nonnull (strstr (sdp, "a=rtcp-fb:96 nack pli"));
  g_assert_nonnull (strstr (sdp, "a=rtcp-fb:96 ccm fir"));
  g_assert_nonnull (strstr (sdp, "a=rtcp-fb:102 nack pli"));
  g_assert_nonnull (strstr (sdp, "a=rtcp-fb:102 ccm fir"));
  /* ICE offers loopback only */
  candidate = hn_test_socket_expect (socket, "candidate", WAIT_MS);
  g_assert_nonnull (candidate);
  g_assert_nonnull (strstr (json_object_get_string_member (candidate, "candidate"), "127.0.0.1"));

  r = call (f, "GET", "/api/v1/rooms/r1", NULL);
  room = hn_test_json_object (r->body);
  site = json_array_get_object_element (json_object_get_array_member (room, "participants"), 0);
  g_assert_cmpstr (json_object_get_string_member (site, "id"), ==,
                   json_object_get_string_member (joined, "participant"));
  g_assert_cmpstr (json_object_get_string_member (site, "name"), ==, "UBND huyện Tam Đảo");
  g_assert_cmpstr (json_object_get_string_member (site, "unit"), ==, "248");
  g_assert_false (json_object_get_boolean_member (site, "muted"));
  g_assert_true (json_object_has_member (site, "packets_lost"));
  g_assert_true (json_object_has_member (site, "jitter_ms"));
  g_assert_true (json_object_has_member (site, "audio_level_dbov"));
  g_assert_true (json_object_has_member (site, "connected_since"));

  /* leave: bye, closed normally, out of the room */
  hn_test_socket_send (socket, "{\"type\":\"leave\"}");
  {
    g_autoptr (JsonObject) bye = hn_test_socket_expect (socket, "bye", WAIT_MS);

    g_assert_nonnull (bye);
    g_assert_cmpstr (json_object_get_string_member (bye, "reason"), ==, "left");
  }
  g_assert_true (hn_test_socket_wait_closed (socket, WAIT_MS));
  g_assert_cmpuint (hn_test_socket_get_close_code (socket), ==, 1000);
  g_assert_cmpuint (participant_count (f), ==, 0);
}

static void
test_room_news (Fixture *f, gconstpointer data)
{
  g_autofree char *a_id = NULL, *b_id = NULL;
  g_autoptr (HnTestSocket) a = join (f, "UBND tỉnh", "26", &a_id);
  g_autoptr (HnTestSocket) b = join (f, "UBND huyện Sông Lô", "253", &b_id);
  g_autoptr (JsonObject) joined = NULL, muted = NULL, own = NULL, left = NULL, bye = NULL;
  g_autofree char *mute_path = g_strdup_printf ("/api/v1/rooms/r1/participants/%s/mute", b_id);
  g_autofree char *kick_path = g_strdup_printf ("/api/v1/rooms/r1/participants/%s/kick", b_id);

  joined = hn_test_socket_expect (a, "participant-joined", WAIT_MS);
  g_assert_nonnull (joined);
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (joined, "participant"), "id"),
      ==, b_id);

  /* the operator mutes b: everyone hears of it, b cannot unmute itself */
  {
    g_autoptr (HnTestResponse) r = call (f, "POST", mute_path, "{\"audio\":true}");
    g_autoptr (JsonObject) site = hn_test_json_object (r->body);

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_true (json_object_get_boolean_member (site, "muted"));
    g_assert_true (json_object_get_boolean_member (site, "muted_by_operator"));
  }
  muted = hn_test_socket_expect (a, "muted", WAIT_MS);
  own = hn_test_socket_expect (b, "muted", WAIT_MS);
  g_assert_nonnull (muted);
  g_assert_nonnull (own);
  g_assert_cmpstr (json_object_get_string_member (muted, "participant"), ==, b_id);
  g_assert_true (json_object_get_boolean_member (muted, "audio"));
  g_assert_cmpstr (json_object_get_string_member (own, "by"), ==, "operator");
  hn_test_socket_send (b, "{\"type\":\"mute\",\"audio\":false}");
  assert_error (b, "muted-by-operator", FALSE);

  /* kicked: b is told and closed, a hears b left */
  {
    g_autoptr (HnTestResponse) r = call (f, "POST", kick_path, NULL);

    g_assert_cmpuint (r->status, ==, 204);
  }
  bye = hn_test_socket_expect (b, "bye", WAIT_MS);
  g_assert_nonnull (bye);
  g_assert_cmpstr (json_object_get_string_member (bye, "reason"), ==, "kicked");
  g_assert_true (hn_test_socket_wait_closed (b, WAIT_MS));
  left = hn_test_socket_expect (a, "participant-left", WAIT_MS);
  g_assert_nonnull (left);
  g_assert_cmpstr (json_object_get_string_member (left, "reason"), ==, "kicked");
  g_assert_cmpuint (participant_count (f), ==, 1);

  /* a site that vanishes without a goodbye is taken out */
  {
    g_autofree char *c_id = NULL;
    HnTestSocket *c = join (f, "UBND xã Đại Đình", "09103", &c_id);
    g_autoptr (JsonObject) gone = NULL;

    hn_test_socket_free (c);
    gone = hn_test_socket_expect (a, "participant-left", WAIT_MS);
    g_assert_nonnull (gone);
    g_assert_cmpstr (json_object_get_string_member (gone, "participant"), ==, c_id);
    g_assert_cmpstr (json_object_get_string_member (gone, "reason"), ==, "disconnected");
  }

  /* the room closed: a is told */
  {
    g_autoptr (HnTestResponse) r = call (f, "DELETE", "/api/v1/rooms/r1", NULL);
    g_autoptr (JsonObject) closed = NULL;

    g_assert_cmpuint (r->status, ==, 204);
    closed = hn_test_socket_expect (a, "bye", WAIT_MS);
    g_assert_nonnull (closed);
    g_assert_cmpstr (json_object_get_string_member (closed, "reason"), ==, "room-closed");
  }
}

static void
test_join_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (HnTestSocket) inside = join (f, "UBND tỉnh", "26", NULL);
  struct
  {
    const char *message;
    const char *code;
  } cases[] = {
    { "{\"type\":\"join\",\"room\":\"r1\",\"token\":\"sai\",\"name\":\"X\"}", "bad-token" },
    { "{\"type\":\"join\",\"room\":\"khong-co\",\"token\":\"sai\",\"name\":\"X\"}", "bad-token" },
    { "{\"type\":\"join\",\"room\":\"r1\",\"token\":\"sai\"}", "bad-message" },
    { "{\"type\":\"join\",\"room\":\"r1\",\"token\":\"sai\",\"name\":\"\"}", "bad-message" },
    { "{\"type\":\"join\",\"room\":1,\"token\":\"sai\",\"name\":\"X\"}", "bad-message" },
    { "{\"type\":\"join\",\"room\":\"r1\",\"token\":\"sai\",\"name\":\"X\",\"admin\":true}",
      "bad-message" },
    { "{\"type\":\"join\",\"room\":\"r1\",\"token\":\"sai\",\"name\":\"X\",\"tier\":\"4k\"}",
      "bad-message" },
    { "{\"type\":\"join\",\"room\":\"r1\",\"token\":\"sai\",\"name\":\"X\",\"tier\":360}",
      "bad-message" },
    { "{\"type\":\"join\",\"room\":\"r1\",\"token\":\"sai\",\"name\":\"X\",\"unit\":\"2 6\"}",
      "bad-message" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (HnTestSocket) socket = connect_socket (f);

      hn_test_socket_send (socket, cases[i].message);
      assert_error (socket, cases[i].code, TRUE);
    }
  /* a name too long, with a control character */
  {
    g_autoptr (HnTestSocket) socket = connect_socket (f);
    g_autofree char *name = g_strnfill (101, 'a');
    g_autofree char *text = join_message (f, name, "26");

    hn_test_socket_send (socket, text);
    assert_error (socket, "bad-message", TRUE);
  }
  {
    g_autoptr (HnTestSocket) socket = connect_socket (f);
    g_autofree char *text = join_message (f, "A\\u0007B", "26");

    hn_test_socket_send (socket, text);
    assert_error (socket, "bad-message", TRUE);
  }
  /* locked, then full */
  {
    g_autoptr (HnTestResponse) lock
        = call (f, "POST", "/api/v1/rooms/r1/lock", "{\"locked\":true}");
    g_autoptr (HnTestSocket) socket = connect_socket (f);
    g_autofree char *text = join_message (f, "Muộn", "26");
    g_autoptr (HnTestResponse) unlock = NULL;

    g_assert_cmpuint (lock->status, ==, 200);
    hn_test_socket_send (socket, text);
    assert_error (socket, "room-locked", TRUE);
    unlock = call (f, "POST", "/api/v1/rooms/r1/lock", "{\"locked\":false}");
    g_assert_cmpuint (unlock->status, ==, 200);
  }
  {
    g_autoptr (HnTestSocket) two = join (f, "Hai", "243", NULL);
    g_autoptr (HnTestSocket) three = join (f, "Ba", "244", NULL);
    g_autoptr (HnTestSocket) four = connect_socket (f);
    g_autofree char *text = join_message (f, "Bốn", "246");

    hn_test_socket_send (four, text);
    assert_error (four, "room-full", TRUE);
    g_assert_cmpuint (participant_count (f), ==, 3);
  }
  /* the site inside never noticed */
  hn_test_socket_send (inside, "{\"type\":\"ping\"}");
  g_autoptr (JsonObject) pong = hn_test_socket_expect (inside, "pong", WAIT_MS);
  g_assert_nonnull (pong);
  g_assert_cmpuint (hn_test_socket_count (inside, "error"), ==, 0);
}

static void
test_hostile (Fixture *f, gconstpointer data)
{
  g_autoptr (HnTestSocket) inside = join (f, "UBND tỉnh", "26", NULL);
  struct
  {
    const char *message;
    const char *code;
    gboolean fatal;
    gboolean join_first;
  } cases[] = {
    { "không phải JSON", "bad-json", TRUE, FALSE },
    { "[1,2,3]", "bad-json", TRUE, FALSE },
    { "{\"type\":", "bad-json", TRUE, FALSE },
    { "{\"no-type\":1}", "bad-message", TRUE, FALSE },
    { "{\"type\":{}}", "bad-message", TRUE, FALSE },
    { "{\"type\":[\"join\"]}", "bad-message", TRUE, FALSE },
    { "{\"type\":null}", "bad-message", TRUE, FALSE },
    { "{\"type\":\"join\",\"room\":{},\"token\":[],\"name\":null}", "bad-message", TRUE, FALSE },
    { "{\"type\":\"dance\"}", "unknown-type", FALSE, FALSE },
    { "{\"type\":\"answer\",\"sdp\":\"v=0\"}", "out-of-order", TRUE, FALSE },
    { "{\"type\":\"candidate\",\"candidate\":\"candidate:1\",\"sdpMLineIndex\":0}", "out-of-order",
      TRUE, FALSE },
    { "{\"type\":\"mute\",\"audio\":true}", "out-of-order", TRUE, FALSE },
    { "{\"type\":\"leave\"}", "out-of-order", TRUE, FALSE },
    /* after joining */
    { "{\"type\":\"answer\",\"sdp\":\"xin chào\"}", "bad-sdp", TRUE, TRUE },
    { "{\"type\":\"answer\",\"sdp\":42}", "bad-message", TRUE, TRUE },
    { "{\"type\":\"candidate\",\"candidate\":\"rác\",\"sdpMLineIndex\":0}", "bad-candidate", FALSE,
      TRUE },
    { "{\"type\":\"candidate\",\"candidate\":\"candidate:1 1 UDP 1 127.0.0.1 9 typ host\","
      "\"sdpMLineIndex\":7}",
      "bad-candidate", FALSE, TRUE },
    { "{\"type\":\"candidate\",\"candidate\":\"candidate:1\",\"sdpMLineIndex\":-1}", "bad-message",
      TRUE, TRUE },
    { "{\"type\":\"mute\",\"audio\":\"yes\"}", "bad-message", TRUE, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (HnTestSocket) socket
          = cases[i].join_first ? join (f, "Thử", "26", NULL) : connect_socket (f);

      g_test_message ("%s", cases[i].message);
      hn_test_socket_send (socket, cases[i].message);
      assert_error (socket, cases[i].code, cases[i].fatal);
    }
  /* a second join, and an answer twice */
  {
    g_autoptr (HnTestSocket) socket = join (f, "Lặp", "26", NULL);
    g_autofree char *again = join_message (f, "Lặp", "26");

    hn_test_socket_send (socket, again);
    assert_error (socket, "out-of-order", TRUE);
  }
  /* a binary frame */
  {
    g_autoptr (HnTestSocket) socket = connect_socket (f);
    const guint8 junk[] = { 0, 1, 2, 255 };

    hn_test_socket_send_bytes (socket, SOUP_WEBSOCKET_DATA_BINARY, junk, sizeof junk);
    assert_error (socket, "bad-json", TRUE);
  }
  /* oversized: the WebSocket layer sends 1009 and drops the connection at
   * once, so the client may not get to read the code */
  {
    g_autoptr (HnTestSocket) socket = connect_socket (f);
    g_autofree char *big = g_strnfill (20000, ' ');

    big[0] = '{';
    big[19999] = '}';
    hn_test_socket_send (socket, big);
    g_assert_true (hn_test_socket_wait_closed (socket, WAIT_MS));
    g_assert_cmpuint (hn_test_socket_count (socket, "pong"), ==, 0);
    g_assert_true (hn_test_socket_get_close_code (socket) == 1009
                   || hn_test_socket_get_close_code (socket) == 0);
  }
  /* a flood: 20 a second allowed, bursts of 40 */
  {
    g_autoptr (HnTestSocket) socket = connect_socket (f);

    /* how many pass depends on how fast the mcu reads (the bucket refills
     * meanwhile), so only the cut is asserted */
    for (guint i = 0; i < 1000; i++)
      hn_test_socket_send (socket, "{\"type\":\"ping\"}");
    assert_error (socket, "too-many-messages", TRUE);
    g_assert_cmpuint (hn_test_socket_count (socket, "pong"), <, 1000);
  }
  /* silence: no join in time */
  {
    g_autoptr (HnTestSocket) socket = connect_socket (f);

    assert_error (socket, "join-timeout", TRUE);
  }
  /* the site inside is still there and was told nothing wrong */
  g_assert_cmpuint (participant_count (f), ==, 1);
  g_assert_cmpuint (hn_test_socket_count (inside, "error"), ==, 0);
  g_assert_cmpuint (hn_test_socket_count (inside, "bye"), ==, 0);
}

static void
test_control_errors (Fixture *f, gconstpointer data)
{
  g_autofree char *id = NULL;
  g_autoptr (HnTestSocket) site = join (f, "UBND tỉnh", "26", &id);
  g_autofree char *mute = g_strdup_printf ("/api/v1/rooms/r1/participants/%s/mute", id);
  g_autofree char *url = g_strconcat (hn_test_daemon_get_url (f->mcu->daemon), mute, NULL);
  g_autofree char *video = g_strdup_printf ("/api/v1/rooms/r1/participants/%s/video", id);
  g_autofree char *tier = g_strdup_printf ("/api/v1/rooms/r1/participants/%s/tier", id);
  struct
  {
    const char *method;
    const char *path;
    const char *body;
    guint status;
  } cases[] = {
    { "POST", "/api/v1/rooms/r1/participants/p-khong-co/mute", "{\"audio\":true}", 404 },
    { "POST", "/api/v1/rooms/khong-co/participants/p-1/kick", NULL, 404 },
    { "POST", "/api/v1/rooms/r1/participants/p-khong-co/kick", NULL, 404 },
    { "POST", mute, "{\"audio\":1}", 400 },
    { "POST", mute, "{\"audio\":true,\"video\":true}", 400 },
    { "GET", mute, NULL, 405 },
    { "POST", "/api/v1/rooms/r1/participants/x/dance", NULL, 404 },
    { "POST", "/api/v1/rooms/r1/participants/p-khong-co/video", "{\"enabled\":false}", 404 },
    { "POST", "/api/v1/rooms/r1/participants/p-khong-co/tier", "{\"tier\":\"360p\"}", 404 },
    { "POST", video, "{\"enabled\":\"no\"}", 400 },
    { "POST", video, "{}", 400 },
    { "POST", tier, "{\"tier\":\"1080p\"}", 400 },
    { "POST", tier, "{\"tier\":360}", 400 },
    { "POST", tier, "{\"tier\":\"360p\",\"x\":1}", 400 },
    { "PUT", tier, "{\"tier\":\"360p\"}", 405 },
    { "POST", tier, "{\"tier\":\"360p\"}", 200 },
    { "POST", video, "{\"enabled\":false}", 200 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (HnTestResponse) r = call (f, cases[i].method, cases[i].path, cases[i].body);

      g_test_message ("%s %s", cases[i].method, cases[i].path);
      g_assert_cmpuint (r->status, ==, cases[i].status);
    }
  /* without the key */
  {
    g_autoptr (HnTestResponse) r
        = hn_test_request ("POST", url, NULL, "application/json", "{\"audio\":true}", -1);

    g_assert_cmpuint (r->status, ==, 401);
  }
  g_assert_cmpuint (hn_test_socket_count (site, "muted"), ==, 0);
  g_assert_cmpuint (participant_count (f), ==, 1);
}

/* A preview (the panel) joins with the API key, gets an offer with both
 * streams to receive, hears the room's news, and is no site. */
static void
test_monitor (Fixture *f, gconstpointer data)
{
  g_autoptr (HnTestSocket) site = join (f, "UBND tỉnh", "26", NULL);
  g_autoptr (HnTestSocket) wrong = connect_socket (f);
  g_autoptr (HnTestSocket) monitor = connect_socket (f);
  g_autoptr (JsonObject) joined = NULL, offer = NULL, layout = NULL, news = NULL;
  g_autoptr (HnTestResponse) r = NULL;
  g_autoptr (JsonObject) room = NULL;
  g_autoptr (HnTestSocket) late = NULL;
  const char *sdp;

  hn_test_socket_send (wrong, "{\"type\":\"monitor\",\"room\":\"r1\",\"key\":\"doan-sai\"}");
  assert_error (wrong, "bad-key", TRUE);
  hn_test_socket_send (monitor, "{\"type\":\"monitor\",\"room\":\"r1\",\"key\":\"" KEY
                                "\",\"name\":\"Bàn kỹ thuật\",\"tier\":\"360p\"}");
  joined = hn_test_socket_expect (monitor, "joined", WAIT_MS);
  g_assert_nonnull (joined);
  g_assert_true (json_object_get_boolean_member (joined, "monitor"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (joined, "participants")),
                    ==, 1);
  layout = hn_test_socket_expect (monitor, "layout", WAIT_MS);
  g_assert_nonnull (layout);
  offer = hn_test_socket_expect (monitor, "offer", WAIT_MS);
  g_assert_nonnull (offer);
  sdp = json_object_get_string_member (offer, "sdp");
  g_assert_nonnull (strstr (sdp, "a=sendonly"));
  g_assert_null (strstr (sdp, "a=sendrecv"));
  /* no site: not listed, no tile, nobody told */
  g_assert_cmpuint (participant_count (f), ==, 1);
  r = call (f, "GET", "/api/v1/rooms/r1", NULL);
  room = hn_test_json_object (r->body);
  g_assert_cmpint (json_object_get_int_member (room, "monitors"), ==, 1);
  g_assert_cmpuint (hn_test_socket_count (site, "participant-joined"), ==, 0);
  /* the room's news reach it */
  late = join (f, "UBND huyện Tam Đảo", "248", NULL);
  news = hn_test_socket_expect (monitor, "participant-joined", WAIT_MS);
  g_assert_nonnull (news);
  /* a second preview that leaves is told goodbye */
  {
    g_autoptr (HnTestSocket) other = connect_socket (f);
    g_autoptr (JsonObject) other_joined = NULL, other_bye = NULL;

    hn_test_socket_send (other, "{\"type\":\"monitor\",\"room\":\"r1\",\"key\":\"" KEY "\"}");
    other_joined = hn_test_socket_expect (other, "joined", WAIT_MS);
    g_assert_nonnull (other_joined);
    hn_test_socket_send (other, "{\"type\":\"leave\"}");
    other_bye = hn_test_socket_expect (other, "bye", WAIT_MS);
    g_assert_nonnull (other_bye);
    g_assert_cmpstr (json_object_get_string_member (other_bye, "reason"), ==, "left");
    g_assert_true (hn_test_socket_wait_closed (other, WAIT_MS));
  }
  /* a room that closes says goodbye to it */
  g_clear_pointer (&r, hn_test_response_free);
  r = call (f, "DELETE", "/api/v1/rooms/r1", NULL);
  g_assert_cmpuint (r->status, ==, 204);
  g_clear_pointer (&news, json_object_unref);
  news = hn_test_socket_expect (monitor, "bye", WAIT_MS);
  g_assert_nonnull (news);
  g_assert_cmpstr (json_object_get_string_member (news, "reason"), ==, "room-closed");
}

static void
test_sigterm (Fixture *f, gconstpointer data)
{
  g_autoptr (HnTestSocket) site = join (f, "UBND tỉnh", "26", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (HnTestSocket) events = NULL;
  g_autofree char *events_url = hn_test_mcu_ws_url (f->mcu, "/api/v1/events");
  g_autoptr (JsonObject) bye = NULL, left = NULL;

  events = hn_test_socket_connect (events_url, KEY, &error);
  g_assert_no_error (error);
  /* hn_test_daemon_stop waits for the exit; the goodbyes were sent before */
  g_assert_cmpint (hn_test_daemon_stop (f->mcu->daemon, SIGTERM, 10000), ==, 0);
  bye = hn_test_socket_expect (site, "bye", WAIT_MS);
  g_assert_nonnull (bye);
  g_assert_cmpstr (json_object_get_string_member (bye, "reason"), ==, "mcu-stopping");
  g_assert_true (hn_test_socket_wait_closed (site, WAIT_MS));
  g_assert_cmpuint (hn_test_socket_get_close_code (site), ==, 1001);
  left = hn_test_socket_expect (events, "participant-left", WAIT_MS);
  g_assert_nonnull (left);
  g_assert_cmpstr (json_object_get_string_member (left, "reason"), ==, "mcu-stopping");
}

/* Rooms are acknowledged once on disk: killed and restarted, the mcu
 * still has the room and takes its token. */
static void
test_rooms_survive (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HnTestResponse) locked
      = call (f, "POST", "/api/v1/rooms", "{\"id\":\"r2\",\"name\":\"Khóa\"}");
  g_autoptr (HnTestResponse) lock = call (f, "POST", "/api/v1/rooms/r2/lock", "{\"locked\":true}");
  g_autoptr (HnTestResponse) after = NULL;
  g_autoptr (JsonObject) room = NULL;
  g_autofree char *rooms_file
      = g_build_filename (hn_test_daemon_get_data_dir (f->mcu->daemon), "mcu-rooms.json", NULL);

  g_assert_cmpuint (locked->status, ==, 201);
  g_assert_cmpuint (lock->status, ==, 200);
  g_assert_cmpint (hn_test_daemon_stop (f->mcu->daemon, SIGKILL, 10000), ==, 128 + SIGKILL);
  g_assert_true (hn_test_daemon_restart (f->mcu->daemon, &error));
  g_assert_no_error (error);
  after = call (f, "GET", "/api/v1/rooms/r2", NULL);
  g_assert_cmpuint (after->status, ==, 200);
  room = hn_test_json_object (after->body);
  g_assert_true (json_object_get_boolean_member (room, "locked"));
  {
    g_autoptr (HnTestSocket) site = join (f, "UBND tỉnh", "26", NULL);
  }

  /* a damaged file: the mcu refuses to start and says why */
  g_assert_cmpint (hn_test_daemon_stop (f->mcu->daemon, SIGTERM, 10000), ==, 0);
  g_assert_true (g_file_set_contents (rooms_file, "[{\"id\":\"r1\"}]", -1, NULL));
  g_assert_false (hn_test_daemon_restart (f->mcu->daemon, &error));
  g_assert_nonnull (error);
  {
    g_autofree char *log = hn_test_daemon_get_log (f->mcu->daemon);

    g_assert_nonnull (strstr (log, "mcu-rooms.json"));
  }
  g_assert_true (g_file_set_contents (rooms_file, "[]", -1, NULL));
  g_clear_error (&error);
  g_assert_true (hn_test_daemon_restart (f->mcu->daemon, &error));
  g_assert_no_error (error);
}

#define ADD(name, func)                                                                            \
  g_test_add ("/mcu-signalling/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int argc, char **argv)
{
  hn_test_init (&argc, &argv);
  ADD ("join-offer", test_join_offer);
  ADD ("room-news", test_room_news);
  ADD ("join-refused", test_join_refused);
  ADD ("hostile", test_hostile);
  ADD ("control-errors", test_control_errors);
  ADD ("monitor", test_monitor);
  ADD ("sigterm", test_sigterm);
  ADD ("rooms-survive", test_rooms_survive);
  return g_test_run ();
}
