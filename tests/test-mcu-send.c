/* test-mcu-send.c: how a site's audio leaves the mcu — the SRTP of the
 * mcu's own against RFC 3711's vectors and against libsrtp2 (GStreamer's
 * srtpdec) reading every packet, through a sequence number's wrap; bad
 * input changing nothing; and mcuopussend under GstHarness: nothing before
 * it is told where to send, RTP as rtpopuspay made it when it forwards,
 * and SRTP over a real ICE pair on 127.0.0.1 when it sends directly. */
#include "config.h"

#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtcpbuffer.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <string.h>

#include "mcu/gst/mcu-opus-send.h"
#include "mcu/gst/mcu-plugin.h"
#include "mcu/gst/mcu-srtp.h"

#define OPUS_CAPS "audio/x-opus, rate=48000, channels=1, channel-mapping-family=0"
#define FRAME_NS (20 * GST_MSECOND)
#define WAIT_MS 10000

static void
hex_to_bytes (const char *hex, guint8 *out, gsize len)
{
  g_assert_cmpuint (strlen (hex), ==, 2 * len);
  for (gsize i = 0; i < len; i++)
    out[i] = (guint8) ((g_ascii_xdigit_value (hex[2 * i]) << 4)
                       | g_ascii_xdigit_value (hex[2 * i + 1]));
}

static void
assert_bytes (const guint8 *got, const char *hex)
{
  gsize len = strlen (hex) / 2;
  g_autofree guint8 *want = g_malloc (len);

  hex_to_bytes (hex, want, len);
  g_assert_cmpmem (got, len, want, len);
}

/* ---- SRTP ---- */

static void
test_srtp_key_derivation (void)
{
  /* RFC 3711 B.3 */
  guint8 master[MCU_SRTP_MASTER_LEN];
  guint8 key[16], auth[20], salt[14];

  hex_to_bytes ("E1F97A0D3E018BE0D64FA32C06DE4139"
                "0EC675AD498AFEEBB6960B3AABE6",
                master, sizeof master);
  g_assert_true (mcu_srtp_derive (master, MCU_SRTP_LABEL_RTP_ENCRYPTION, key, sizeof key));
  g_assert_true (mcu_srtp_derive (master, MCU_SRTP_LABEL_RTP_AUTH, auth, sizeof auth));
  g_assert_true (mcu_srtp_derive (master, MCU_SRTP_LABEL_RTP_SALT, salt, sizeof salt));
  assert_bytes (key, "C61E7A93744F39EE10734AFE3FF7A087");
  assert_bytes (salt, "30CBBC08863D8C85D49DB34A9AE1");
  assert_bytes (auth, "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4");
}

/* An RTP packet of @payload_len bytes (payload i, i+1, …) at @packet. */
static gsize
make_rtp (guint8 *packet, guint16 seq, guint32 ssrc, guint8 first, gsize payload_len)
{
  packet[0] = 0x80;
  packet[1] = 111;
  GST_WRITE_UINT16_BE (packet + 2, seq);
  GST_WRITE_UINT32_BE (packet + 4, 0);
  GST_WRITE_UINT32_BE (packet + 8, ssrc);
  for (gsize i = 0; i < payload_len; i++)
    packet[12 + i] = (guint8) (first + i);
  return 12 + payload_len;
}

/* libsrtp2 reading what the mcu protects, keyed as DTLS-SRTP keys both:
 * its RTP (@rtcp false) or its RTCP, whose tags are always 80 bits. */
static GstHarness *
srtp_reader_of (const guint8 *master, guint32 ssrc, const char *auth, gboolean rtcp)
{
  GstHarness *h = rtcp ? gst_harness_new_with_padnames ("srtpdec", "rtcp_sink", "rtcp_src")
                       : gst_harness_new_with_padnames ("srtpdec", "rtp_sink", "rtp_src");
  g_autoptr (GstBuffer) key = gst_buffer_new_memdup (master, MCU_SRTP_MASTER_LEN);
  g_autoptr (GstCaps) caps = NULL;

  caps = gst_caps_new_simple (rtcp ? "application/x-srtcp" : "application/x-srtp", "payload",
                              G_TYPE_INT, 111, "ssrc", G_TYPE_UINT, ssrc, "srtp-key",
                              GST_TYPE_BUFFER, key, "srtp-cipher", G_TYPE_STRING, "aes-128-icm",
                              "srtp-auth", G_TYPE_STRING, auth, "srtcp-cipher", G_TYPE_STRING,
                              "aes-128-icm", "srtcp-auth", G_TYPE_STRING, "hmac-sha1-80", NULL);
  gst_harness_set_src_caps (h, g_steal_pointer (&caps));
  return h;
}

static GstHarness *
srtp_reader (const guint8 *master, guint32 ssrc, const char *auth)
{
  return srtp_reader_of (master, ssrc, auth, FALSE);
}

/* A sender report of @ssrc with @count as its packet count at @packet. */
static gsize
make_sr (guint8 *packet, guint32 ssrc, guint32 count)
{
  memset (packet, 0, 28);
  packet[0] = 0x80;
  packet[1] = 200;
  packet[3] = 6;
  GST_WRITE_UINT32_BE (packet + 4, ssrc);
  GST_WRITE_UINT32_BE (packet + 20, count);
  return 28;
}

/* Whether @h gives back exactly @plain for @packet. */
static gboolean
reads_back (GstHarness *h, const guint8 *packet, gsize len, const guint8 *plain, gsize plain_len)
{
  g_autoptr (GstBuffer) out = NULL;
  GstMapInfo map;
  gboolean same;

  gst_harness_push (h, gst_buffer_new_memdup (packet, len));
  out = gst_harness_try_pull (h);
  if (out == NULL)
    return FALSE;
  gst_buffer_map (out, &map, GST_MAP_READ);
  same = map.size == plain_len && memcmp (map.data, plain, plain_len) == 0;
  gst_buffer_unmap (out, &map);
  return same;
}

/* A context on a random master key and salt, written to @master. */
typedef gboolean (*ProtectFunc) (McuSrtp *srtp, guint8 *packet, gsize len, gsize size,
                                 gsize *out_len);

/* Protects @plain, changes one bit at @at and checks that @h (libsrtp2)
 * refuses it: the tag covers the packet. */
static void
assert_change_refused (GstHarness *h, McuSrtp *srtp, ProtectFunc protect, const guint8 *plain,
                       gsize len, gsize at)
{
  guint8 packet[128];
  gsize protected_len = 0;

  g_assert_cmpuint (len, <=, sizeof packet - MCU_SRTCP_TRAILER_LEN);
  memcpy (packet, plain, len);
  g_assert_true (protect (srtp, packet, len, sizeof packet, &protected_len));
  packet[at] ^= 0x01;
  g_assert_false (reads_back (h, packet, protected_len, plain, len));
}

static McuSrtp *
random_srtp (guint8 *master, guint tag_len)
{
  g_autoptr (GError) error = NULL;
  McuSrtp *srtp;

  for (guint i = 0; i < MCU_SRTP_MASTER_LEN; i++)
    master[i] = (guint8) g_random_int ();
  srtp = mcu_srtp_new (master, MCU_SRTP_MASTER_LEN, tag_len, &error);
  g_assert_no_error (error);
  return srtp;
}

static void
test_srtp_read_by_libsrtp (gconstpointer data)
{
  guint tag_len = GPOINTER_TO_UINT (data);
  const guint32 ssrc = 0x1234abcd;
  guint8 master[MCU_SRTP_MASTER_LEN];
  g_autoptr (McuSrtp) srtp = random_srtp (master, tag_len);
  GstHarness *h;

  h = srtp_reader (master, ssrc, tag_len == 10 ? "hmac-sha1-80" : "hmac-sha1-32");

  /* across the wrap of the sequence number: the rollover counter */
  for (guint n = 0; n < 40; n++)
    {
      guint16 seq = (guint16) (65520 + n);
      guint8 plain[300], packet[300 + MCU_SRTP_MAX_TAG_LEN];
      gsize len = make_rtp (plain, seq, ssrc, (guint8) n, 20 + 5 * n);
      gsize protected_len = 0;

      memcpy (packet, plain, len);
      g_assert_true (mcu_srtp_protect (srtp, packet, len, sizeof packet, &protected_len));
      g_assert_cmpuint (protected_len, ==, len + tag_len);
      g_assert_true (memcmp (packet + 12, plain + 12, len - 12) != 0);
      g_assert_true (reads_back (h, packet, protected_len, plain, len));
    }
  /* one bit changed: libsrtp2 refuses it */
  {
    guint8 plain[100];
    gsize len = make_rtp (plain, 20, ssrc, 1, 60);

    assert_change_refused (h, srtp, mcu_srtp_protect, plain, len, 30);
  }
  gst_harness_teardown (h);
}

static void
test_srtcp_read_by_libsrtp (void)
{
  const guint32 ssrc = 0x0badcafe;
  guint8 master[MCU_SRTP_MASTER_LEN];
  /* an RTP tag of 32 bits; SRTCP's stays 80 */
  g_autoptr (McuSrtp) srtp = random_srtp (master, 4);
  GstHarness *h;

  h = srtp_reader_of (master, ssrc, "hmac-sha1-32", TRUE);
  for (guint n = 0; n < 5; n++)
    {
      guint8 plain[28], packet[28 + MCU_SRTCP_TRAILER_LEN];
      gsize len = make_sr (plain, ssrc, n), protected_len = 0;

      memcpy (packet, plain, len);
      g_assert_true (mcu_srtp_protect_rtcp (srtp, packet, len, sizeof packet, &protected_len));
      g_assert_cmpuint (protected_len, ==, len + 14);
      /* the E flag and the index, in the clear */
      g_assert_cmpuint (packet[len], ==, 0x80);
      g_assert_cmpuint (packet[len + 3], ==, n);
      g_assert_true (memcmp (packet + 8, plain + 8, len - 8) != 0);
      g_assert_true (reads_back (h, packet, protected_len, plain, len));
    }
  /* one bit changed: refused */
  {
    guint8 plain[28];
    gsize len = make_sr (plain, ssrc, 9);

    assert_change_refused (h, srtp, mcu_srtp_protect_rtcp, plain, len, 12);
  }
  gst_harness_teardown (h);
}

static void
test_srtp_bad_input (void)
{
  guint8 master[MCU_SRTP_MASTER_LEN] = { 1, 2, 3 };
  g_autoptr (McuSrtp) srtp = NULL;
  guint8 packet[64] = { 0 }, before[64];
  gsize out_len = 12345;
  g_autoptr (GError) error = NULL;

  g_assert_null (mcu_srtp_new (master, sizeof master - 1, 10, &error));
  g_assert_nonnull (strstr (error->message, "30 bytes"));
  g_clear_error (&error);
  g_assert_null (mcu_srtp_new (NULL, 0, 10, &error));
  g_clear_error (&error);
  g_assert_null (mcu_srtp_new (master, sizeof master, 8, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  srtp = mcu_srtp_new (master, sizeof master, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mcu_srtp_get_tag_len (srtp), ==, 10);

  /* nothing changes on a refusal */
  make_rtp (packet, 1, 42, 0, 40);
  memcpy (before, packet, sizeof packet);
  /* shorter than a header */
  g_assert_false (mcu_srtp_protect (srtp, packet, 11, sizeof packet, &out_len));
  /* not version 2 */
  packet[0] = 0x40;
  g_assert_false (mcu_srtp_protect (srtp, packet, 52, sizeof packet, &out_len));
  packet[0] = 0x80;
  /* CSRCs beyond the packet */
  packet[0] = 0x8f;
  g_assert_false (mcu_srtp_protect (srtp, packet, 52, sizeof packet, &out_len));
  /* an extension header longer than the packet */
  packet[0] = 0x90;
  packet[14] = 0xff;
  g_assert_false (mcu_srtp_protect (srtp, packet, 52, sizeof packet, &out_len));
  packet[0] = 0x80;
  packet[14] = before[14];
  /* no room for the tag */
  g_assert_false (mcu_srtp_protect (srtp, packet, 52, 60, &out_len));
  g_assert_cmpmem (packet, sizeof packet, before, sizeof before);
  g_assert_cmpuint (out_len, ==, 12345);

  /* RTCP: not RTCP (an RTP payload type), shorter than its header, no
   * room for the trailer */
  make_sr (packet, 42, 0);
  memcpy (before, packet, sizeof packet);
  packet[1] = 111;
  g_assert_false (mcu_srtp_protect_rtcp (srtp, packet, 28, sizeof packet, &out_len));
  packet[1] = 200;
  g_assert_false (mcu_srtp_protect_rtcp (srtp, packet, 7, sizeof packet, &out_len));
  g_assert_false (mcu_srtp_protect_rtcp (srtp, packet, 28, 28 + 13, &out_len));
  g_assert_cmpmem (packet, sizeof packet, before, sizeof before);
  g_assert_cmpuint (out_len, ==, 12345);
}

/* ---- mcuopussend ---- */

static GstHarness *
opus_send (void)
{
  GstHarness *h = gst_harness_new ("mcuopussend");

  gst_harness_set_src_caps_str (h, OPUS_CAPS);
  return h;
}

static GstBuffer *
opus_frame (guint n, gsize size)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, size, NULL);

  gst_buffer_memset (buffer, 0, (guint8) n, size);
  GST_BUFFER_PTS (buffer) = n * FRAME_NS;
  GST_BUFFER_DURATION (buffer) = FRAME_NS;
  return buffer;
}

static void
test_opus_send_drops_until_told (void)
{
  GstHarness *h = opus_send ();

  for (guint n = 0; n < 5; n++)
    g_assert_cmpint (gst_harness_push (h, opus_frame (n, 40)), ==, GST_FLOW_OK);
  g_assert_cmpuint (gst_harness_buffers_received (h), ==, 0);
  g_assert_false (mcu_opus_send_is_direct (MCU_OPUS_SEND (h->element)));
  gst_harness_teardown (h);
}

static void
test_opus_send_forwards_rtp (void)
{
  GstHarness *h = opus_send ();
  McuOpusSend *send = MCU_OPUS_SEND (h->element);
  guint32 ssrc = mcu_opus_send_get_ssrc (send), first_ts = 0;
  guint16 first_seq = 0;
  g_autoptr (GstCaps) caps = NULL;
  guint caps_ssrc = 0;

  mcu_opus_send_go_forward (send);
  for (guint n = 0; n < 6; n++)
    g_assert_cmpint (gst_harness_push (h, opus_frame (n, 30 + n)), ==, GST_FLOW_OK);
  /* nothing empty, nothing bigger than Opus makes: dropped, no number used */
  gst_harness_push (h, opus_frame (6, 0));
  gst_harness_push (h, opus_frame (7, 4000));
  gst_harness_push (h, opus_frame (8, 50));
  g_assert_cmpuint (gst_harness_buffers_received (h), ==, 7);
  {
    guint64 packets = 0, octets = 0;

    /* RTCP's counts: the payload, 30…35 and 50 bytes */
    mcu_opus_send_get_sent (send, &packets, &octets);
    g_assert_cmpuint (packets, ==, 7);
    g_assert_cmpuint (octets, ==, 30 + 31 + 32 + 33 + 34 + 35 + 50);
  }

  caps = gst_pad_get_current_caps (h->sinkpad);
  g_assert_true (gst_structure_get_uint (gst_caps_get_structure (caps, 0), "ssrc", &caps_ssrc));
  g_assert_cmpuint (caps_ssrc, ==, ssrc);
  for (guint i = 0; i < 7; i++)
    {
      g_autoptr (GstBuffer) out = gst_harness_pull (h);
      GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
      guint n = i < 6 ? i : 8;

      g_assert_true (gst_rtp_buffer_map (out, GST_MAP_READ, &rtp));
      if (i == 0)
        {
          first_seq = gst_rtp_buffer_get_seq (&rtp);
          first_ts = gst_rtp_buffer_get_timestamp (&rtp);
        }
      g_assert_cmpuint (gst_rtp_buffer_get_payload_type (&rtp), ==, 111);
      g_assert_cmpuint (gst_rtp_buffer_get_ssrc (&rtp), ==, ssrc);
      g_assert_cmpuint (gst_rtp_buffer_get_seq (&rtp), ==, (guint16) (first_seq + i));
      /* the timestamp follows the frame's time at 48 kHz, gaps included */
      g_assert_cmpuint (gst_rtp_buffer_get_timestamp (&rtp) - first_ts, ==, 960 * n);
      g_assert_cmpint (gst_rtp_buffer_get_marker (&rtp), ==, i == 0);
      g_assert_cmpuint (gst_rtp_buffer_get_payload_len (&rtp), ==, n < 6 ? 30 + n : 50);
      g_assert_cmpuint (((guint8 *) gst_rtp_buffer_get_payload (&rtp))[0], ==, n);
      gst_rtp_buffer_unmap (&rtp);
    }
  gst_harness_teardown (h);
}

/* ---- a real ICE pair on 127.0.0.1 ---- */

typedef struct
{
  GMainContext *context;
  NiceAgent *agent;
  guint stream;
  gboolean ready;
  GPtrArray *received; /* GBytes */
} Side;

static void
on_state (NiceAgent *agent, guint stream, guint component, guint state, gpointer data)
{
  Side *side = data;

  (void) agent;
  (void) stream;
  (void) component;
  if (state == NICE_COMPONENT_STATE_READY)
    side->ready = TRUE;
}

static void
on_receive (NiceAgent *agent, guint stream, guint component, guint len, gchar *buf, gpointer data)
{
  Side *side = data;

  (void) agent;
  (void) stream;
  (void) component;
  g_ptr_array_add (side->received, g_bytes_new (buf, len));
}

static void
side_init (Side *side, GMainContext *context, gboolean controlling)
{
  NiceAddress address;

  side->context = context;
  side->received = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  side->agent = nice_agent_new (context, NICE_COMPATIBILITY_RFC5245);
  g_object_set (side->agent, "controlling-mode", controlling, "upnp", FALSE, "ice-tcp", FALSE,
                NULL);
  nice_address_init (&address);
  g_assert_true (nice_address_set_from_string (&address, "127.0.0.1"));
  nice_agent_add_local_address (side->agent, &address);
  side->stream = nice_agent_add_stream (side->agent, 1);
  g_signal_connect (side->agent, "component-state-changed", G_CALLBACK (on_state), side);
  nice_agent_attach_recv (side->agent, side->stream, NICE_COMPONENT_TYPE_RTP, context, on_receive,
                          side);
}

static void
side_clear (Side *side)
{
  nice_agent_attach_recv (side->agent, side->stream, NICE_COMPONENT_TYPE_RTP, side->context, NULL,
                          NULL);
  g_clear_object (&side->agent);
  g_clear_pointer (&side->received, g_ptr_array_unref);
}

/* Tells @to what @from is. */
static void
introduce (Side *from, Side *to)
{
  g_autofree char *ufrag = NULL, *pwd = NULL;
  GSList *candidates;

  g_assert_true (nice_agent_get_local_credentials (from->agent, from->stream, &ufrag, &pwd));
  g_assert_true (nice_agent_set_remote_credentials (to->agent, to->stream, ufrag, pwd));
  candidates = nice_agent_get_local_candidates (from->agent, from->stream, NICE_COMPONENT_TYPE_RTP);
  g_assert_cmpint (
      nice_agent_set_remote_candidates (to->agent, to->stream, NICE_COMPONENT_TYPE_RTP, candidates),
      >, 0);
  g_slist_free_full (candidates, (GDestroyNotify) nice_candidate_free);
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs @context until both flags (NULL: no matter) are set and @received
 * (NULL: no matter) holds @count packets, or WAIT_MS have passed. */
static gboolean
iterate_until (GMainContext *context, gboolean *flag1, gboolean *flag2, GPtrArray *received,
               guint count)
{
  g_autoptr (GSource) deadline = g_timeout_source_new (WAIT_MS);
  gboolean expired = FALSE, done;

  g_source_set_callback (deadline, set_flag, &expired, NULL);
  g_source_attach (deadline, context);
  while (!(done = (flag1 == NULL || *flag1) && (flag2 == NULL || *flag2)
                  && (received == NULL || received->len >= count))
         && !expired)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (deadline);
  return done;
}

/* @bytes, read back by libsrtp2, is the SR of what @send had sent
 * (@packets packets, 40 bytes of payload) then its SDES with the CNAME. */
static void
assert_sender_report (const guint8 *master, McuOpusSend *send, GBytes *bytes, guint packets)
{
  guint32 ssrc = mcu_opus_send_get_ssrc (send), sr_ssrc = 0, packet_count = 0, octet_count = 0;
  GstHarness *reader = srtp_reader_of (master, ssrc, "hmac-sha1-80", TRUE);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  g_autoptr (GstBuffer) plain = NULL;
  GstRTCPPacket packet;
  GstRTCPSDESType type = GST_RTCP_SDES_INVALID;
  guint64 ntp = 0;
  guint8 len = 0;
  guint8 *data = NULL;
  gsize size;
  const guint8 *protected = g_bytes_get_data (bytes, &size);
  gint64 seconds_now = g_get_real_time () / G_USEC_PER_SEC + G_GINT64_CONSTANT (2208988800);

  gst_harness_push (reader, gst_buffer_new_memdup (protected, size));
  plain = gst_harness_pull (reader);
  g_assert_true (gst_rtcp_buffer_validate (plain));
  g_assert_true (gst_rtcp_buffer_map (plain, GST_MAP_READ, &rtcp));
  g_assert_true (gst_rtcp_buffer_get_first_packet (&rtcp, &packet));
  g_assert_cmpint (gst_rtcp_packet_get_type (&packet), ==, GST_RTCP_TYPE_SR);
  gst_rtcp_packet_sr_get_sender_info (&packet, &sr_ssrc, &ntp, NULL, &packet_count, &octet_count);
  g_assert_cmpuint (sr_ssrc, ==, ssrc);
  g_assert_cmpuint (packet_count, ==, packets);
  g_assert_cmpuint (octet_count, ==, 40);
  /* NTP time: seconds since 1900, now */
  g_assert_cmpint (ABS ((gint64) (ntp >> 32) - seconds_now), <, 60);
  g_assert_true (gst_rtcp_packet_move_to_next (&packet));
  g_assert_cmpint (gst_rtcp_packet_get_type (&packet), ==, GST_RTCP_TYPE_SDES);
  g_assert_true (gst_rtcp_packet_sdes_first_entry (&packet));
  g_assert_true (gst_rtcp_packet_sdes_get_entry (&packet, &type, &len, &data));
  g_assert_cmpint (type, ==, GST_RTCP_SDES_CNAME);
  g_assert_cmpmem (data, len, "mcu@test", 8);
  gst_rtcp_buffer_unmap (&rtcp);
  gst_harness_teardown (reader);
}

static void
test_opus_send_direct_over_ice (void)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  Side mcu = { 0 }, site = { 0 };
  guint8 master[MCU_SRTP_MASTER_LEN];
  GstHarness *h, *reader;
  g_autoptr (GBytes) report = NULL;
  McuOpusSend *send;
  gboolean gathered;

  g_main_context_push_thread_default (context);
  side_init (&mcu, context, TRUE);
  side_init (&site, context, FALSE);
  gathered = nice_agent_gather_candidates (mcu.agent, mcu.stream)
             && nice_agent_gather_candidates (site.agent, site.stream);
  g_assert_true (gathered);
  introduce (&mcu, &site);
  introduce (&site, &mcu);
  g_assert_true (iterate_until (context, &mcu.ready, &site.ready, NULL, 0));

  h = opus_send ();
  send = MCU_OPUS_SEND (h->element);
  mcu_opus_send_go_direct (send, mcu.agent, mcu.stream, NICE_COMPONENT_TYPE_RTP,
                           random_srtp (master, 10), "mcu@test");
  g_assert_true (mcu_opus_send_is_direct (send));
  /* once only: a later forward is ignored */
  mcu_opus_send_go_forward (send);
  g_assert_true (mcu_opus_send_is_direct (send));

  for (guint n = 0; n < 10; n++)
    g_assert_cmpint (gst_harness_push (h, opus_frame (n, 40 + n)), ==, GST_FLOW_OK);
  /* nothing through GStreamer: all of it over the ICE pair, as SRTP */
  g_assert_cmpuint (gst_harness_buffers_received (h), ==, 0);
  /* ten RTP packets and, with the first, the first sender report */
  g_assert_true (iterate_until (context, NULL, NULL, site.received, 11));
  g_assert_cmpuint (site.received->len, ==, 11);
  {
    guint64 packets = 0;

    mcu_opus_send_get_sent (send, &packets, NULL);
    g_assert_cmpuint (packets, ==, 10);
  }
  for (guint i = 0; i < site.received->len; i++)
    {
      const guint8 *packet = g_bytes_get_data (g_ptr_array_index (site.received, i), NULL);

      /* RFC 5761: RTCP's packet types are 192-223 */
      if (packet[1] >= 192 && packet[1] <= 223)
        report = g_ptr_array_steal_index (site.received, i--);
    }
  g_assert_nonnull (report);
  assert_sender_report (master, send, report, 1);

  reader = srtp_reader (master, mcu_opus_send_get_ssrc (send), "hmac-sha1-80");
  for (guint n = 0; n < 10; n++)
    {
      GBytes *bytes = g_ptr_array_index (site.received, n);
      gsize len;
      const guint8 *packet = g_bytes_get_data (bytes, &len);
      g_autoptr (GstBuffer) out = NULL;
      GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

      g_assert_cmpuint (len, ==, 12 + 40 + n + 10);
      gst_harness_push (reader, gst_buffer_new_memdup (packet, len));
      out = gst_harness_pull (reader);
      g_assert_true (gst_rtp_buffer_map (out, GST_MAP_READ, &rtp));
      g_assert_cmpuint (gst_rtp_buffer_get_payload_len (&rtp), ==, 40 + n);
      g_assert_cmpuint (((guint8 *) gst_rtp_buffer_get_payload (&rtp))[0], ==, n);
      gst_rtp_buffer_unmap (&rtp);
    }
  gst_harness_teardown (reader);
  gst_harness_teardown (h);
  side_clear (&mcu);
  side_clear (&site);
  g_main_context_pop_thread_default (context);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  mcu_plugin_register ();

  g_test_add_func ("/mcu/srtp/key-derivation", test_srtp_key_derivation);
  g_test_add_data_func ("/mcu/srtp/read-by-libsrtp/80", GUINT_TO_POINTER (10),
                        test_srtp_read_by_libsrtp);
  g_test_add_data_func ("/mcu/srtp/read-by-libsrtp/32", GUINT_TO_POINTER (4),
                        test_srtp_read_by_libsrtp);
  g_test_add_func ("/mcu/srtp/rtcp-read-by-libsrtp", test_srtcp_read_by_libsrtp);
  g_test_add_func ("/mcu/srtp/bad-input", test_srtp_bad_input);
  g_test_add_func ("/mcu/opus-send/drops-until-told", test_opus_send_drops_until_told);
  g_test_add_func ("/mcu/opus-send/forwards-rtp", test_opus_send_forwards_rtp);
  g_test_add_func ("/mcu/opus-send/direct-over-ice", test_opus_send_direct_over_ice);
  return g_test_run ();
}
