/* mcu-srtp.c: SRTP protection (RFC 3711) of one RTP stream the mcu sends.
 *
 * Why not libsrtp2 (through GStreamer's srtpenc, as webrtcbin does):
 * Debian builds it on NSS, which creates and destroys a PK11 context for
 * every packet; with the ~14 pad pushes a packet takes through webrtcbin
 * that was the larger part of the mcu's CPU at 150 sites (bench-mcu).
 * Here one OpenSSL cipher and one HMAC context live as long as the
 * stream, and a packet only sets the cipher's IV.  Only what DTLS-SRTP
 * negotiates with GStreamer is done: AES-128 in counter mode with
 * HMAC-SHA1 cut to 80 or 32 bits, key derivation rate 0, one SSRC, the
 * sender's side, its RTP and its RTCP (the sender reports).  libsrtp2
 * checks every packet in the tests.
 */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include <string.h>

#include <gst/gst.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "mcu-srtp.h"

#define AUTH_KEY_LEN 20
#define RTP_HEADER_LEN 12
/* what SRTCP leaves in the clear: the first header and its SSRC */
#define RTCP_HEADER_LEN 8
#define SRTCP_TAG_LEN 10

static GQuark
mcu_srtp_error_quark (void)
{
  return g_quark_from_static_string ("mcu-srtp-error");
}

/* The session keys of one kind of packet (RTP or RTCP). */
typedef struct
{
  EVP_CIPHER_CTX *cipher; /* keyed with the session key */
  EVP_MAC_CTX *mac;       /* keyed with the session authentication key */
  guint8 salt[MCU_SRTP_MASTER_SALT_LEN];
} Keys;

struct _McuSrtp
{
  Keys rtp;
  Keys rtcp;
  guint tag_len; /* RTP's; SRTCP's is always 80 bits */
  /* the packet index: the rollover counter and the last sequence number */
  gboolean started;
  guint32 roc;
  guint16 last_seq;
  guint32 srtcp_index; /* the next SRTCP packet's (31 bits) */
};

/* AES in counter mode from a 16-byte IV, over @len bytes in place. */
static gboolean
ctr_crypt (EVP_CIPHER_CTX *ctx, const guint8 *iv, guint8 *data, gsize len)
{
  int out_len = 0;

  return EVP_EncryptInit_ex (ctx, NULL, NULL, NULL, iv) == 1
         && EVP_EncryptUpdate (ctx, data, &out_len, data, (int) len) == 1 && (gsize) out_len == len;
}

/**
 * mcu_srtp_derive:
 * @master: the master key then the master salt (#MCU_SRTP_MASTER_LEN bytes)
 * @label: which session key
 * @out: where it goes
 * @len: how long it is (16 for the key, 20 for HMAC-SHA1's, 14 for the salt)
 *
 * The AES-CM key derivation of RFC 3711 (4.3.3), with a derivation rate
 * of 0 as DTLS-SRTP uses.
 *
 * Returns: whether OpenSSL could do it
 */
gboolean
mcu_srtp_derive (const guint8 *master, McuSrtpLabel label, guint8 *out, gsize len)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  guint8 iv[16] = { 0 };
  gboolean ok;

  /* x = the label at byte 7 XOR the salt, shifted left by 16 bits */
  memcpy (iv, master + MCU_SRTP_MASTER_KEY_LEN, MCU_SRTP_MASTER_SALT_LEN);
  iv[7] ^= (guint8) label;
  memset (out, 0, len);
  ok = ctx != NULL && EVP_EncryptInit_ex (ctx, EVP_aes_128_ctr (), NULL, master, iv) == 1
       && ctr_crypt (ctx, iv, out, len);
  EVP_CIPHER_CTX_free (ctx);
  return ok;
}

/* The session keys derived from labels @first (encryption), @first + 1
 * (authentication) and @first + 2 (salt). */
static gboolean
keys_init (Keys *keys, const guint8 *master, McuSrtpLabel first)
{
  guint8 key[MCU_SRTP_MASTER_KEY_LEN];
  guint8 auth_key[AUTH_KEY_LEN];
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST, (char *) "SHA1", 0),
    OSSL_PARAM_construct_end (),
  };
  EVP_MAC *hmac = EVP_MAC_fetch (NULL, "HMAC", NULL);
  gboolean ok;

  keys->cipher = EVP_CIPHER_CTX_new ();
  keys->mac = hmac != NULL ? EVP_MAC_CTX_new (hmac) : NULL;
  EVP_MAC_free (hmac);
  ok = keys->cipher != NULL && keys->mac != NULL && mcu_srtp_derive (master, first, key, sizeof key)
       && mcu_srtp_derive (master, first + 1, auth_key, sizeof auth_key)
       && mcu_srtp_derive (master, first + 2, keys->salt, sizeof keys->salt)
       && EVP_EncryptInit_ex (keys->cipher, EVP_aes_128_ctr (), NULL, key, NULL) == 1
       && EVP_MAC_init (keys->mac, auth_key, sizeof auth_key, params) == 1;
  OPENSSL_cleanse (key, sizeof key);
  OPENSSL_cleanse (auth_key, sizeof auth_key);
  return ok;
}

static void
keys_clear (Keys *keys)
{
  EVP_CIPHER_CTX_free (keys->cipher);
  EVP_MAC_CTX_free (keys->mac);
  OPENSSL_cleanse (keys->salt, sizeof keys->salt);
}

/* The IV of a packet (RFC 3711 4.1.1): salt * 2^16 XOR SSRC * 2^64 XOR
 * index * 2^16, the index 48 bits (RTP) or 31 (RTCP). */
static void
packet_iv (const Keys *keys, const guint8 *ssrc, guint64 index, guint8 iv[16])
{
  memset (iv, 0, 16);
  memcpy (iv, keys->salt, sizeof keys->salt);
  for (guint i = 0; i < 4; i++)
    iv[4 + i] ^= ssrc[i];
  for (guint i = 0; i < 6; i++)
    iv[8 + i] ^= (guint8) (index >> (40 - 8 * i));
}

/* HMAC-SHA1 of @data then @trailer (4 bytes), cut to @tag_len at @tag. */
static gboolean
authenticate (Keys *keys, const guint8 *data, gsize len, const guint8 *trailer, guint8 *tag,
              gsize tag_len)
{
  guint8 full[EVP_MAX_MD_SIZE];
  size_t full_len = 0;

  if (EVP_MAC_init (keys->mac, NULL, 0, NULL) != 1 || EVP_MAC_update (keys->mac, data, len) != 1
      || EVP_MAC_update (keys->mac, trailer, 4) != 1
      || EVP_MAC_final (keys->mac, full, &full_len, sizeof full) != 1 || full_len < tag_len)
    return FALSE;
  memcpy (tag, full, tag_len);
  return TRUE;
}

/**
 * mcu_srtp_new:
 * @master: (array length=master_len): the master key then the master salt,
 *   as DTLS gives them (its encoder key)
 * @master_len: #MCU_SRTP_MASTER_LEN
 * @tag_len: 10 (HMAC-SHA1-80) or 4 (HMAC-SHA1-32)
 * @error: a key of the wrong size, a tag length not in SRTP
 *
 * Returns: (transfer full) (nullable): the context of one stream to send
 */
McuSrtp *
mcu_srtp_new (const guint8 *master, gsize master_len, guint tag_len, GError **error)
{
  g_autoptr (McuSrtp) self = NULL;

  if (master == NULL || master_len != MCU_SRTP_MASTER_LEN)
    {
      g_set_error (error, mcu_srtp_error_quark (), 0,
                   "An SRTP master key and salt are %d bytes, not %" G_GSIZE_FORMAT ".",
                   MCU_SRTP_MASTER_LEN, master_len);
      return NULL;
    }
  if (tag_len != 10 && tag_len != 4)
    {
      g_set_error (error, mcu_srtp_error_quark (), 0,
                   "SRTP's HMAC-SHA1 tags are 80 or 32 bits, not %u bytes.", tag_len);
      return NULL;
    }
  self = g_new0 (McuSrtp, 1);
  self->tag_len = tag_len;
  if (!keys_init (&self->rtp, master, MCU_SRTP_LABEL_RTP_ENCRYPTION)
      || !keys_init (&self->rtcp, master, MCU_SRTP_LABEL_RTCP_ENCRYPTION))
    {
      g_set_error_literal (error, mcu_srtp_error_quark (), 0,
                           "OpenSSL could not set up AES-128-CTR and HMAC-SHA1.");
      return NULL;
    }
  return g_steal_pointer (&self);
}

void
mcu_srtp_free (McuSrtp *self)
{
  if (self == NULL)
    return;
  keys_clear (&self->rtp);
  keys_clear (&self->rtcp);
  g_free (self);
}

guint
mcu_srtp_get_tag_len (const McuSrtp *self)
{
  return self->tag_len;
}

/* The RTP header's length with its CSRCs and extension, or 0 when @packet
 * is not a whole RTP version 2 header. */
static gsize
header_len (const guint8 *packet, gsize len)
{
  gsize header;

  if (len < RTP_HEADER_LEN || (packet[0] >> 6) != 2)
    return 0;
  header = RTP_HEADER_LEN + 4 * (packet[0] & 0x0f);
  if (packet[0] & 0x10)
    {
      if (len < header + 4)
        return 0;
      header += 4 + 4 * (gsize) GST_READ_UINT16_BE (packet + header + 2);
    }
  return header <= len ? header : 0;
}

/**
 * mcu_srtp_protect:
 * @self: the stream's context
 * @packet: an RTP packet, protected in place
 * @len: its length
 * @size: the room at @packet: at least @len plus the tag
 * @out_len: (out): the protected packet's length
 *
 * Encrypts the payload and appends the authentication tag.  Packets are
 * given in the order they are sent; the sequence number's wraps advance
 * the rollover counter.
 *
 * Returns: whether @packet was an RTP packet with room for the tag
 */
gboolean
mcu_srtp_protect (McuSrtp *self, guint8 *packet, gsize len, gsize size, gsize *out_len)
{
  gsize header = header_len (packet, len);
  guint8 iv[16], roc_be[4];
  guint16 seq;
  guint32 roc;

  if (header == 0 || size < len + self->tag_len)
    return FALSE;
  seq = GST_READ_UINT16_BE (packet + 2);
  /* a sequence number far below the last one has wrapped */
  roc = self->roc;
  if (self->started && seq < self->last_seq && self->last_seq - seq > 0x8000)
    roc++;
  packet_iv (&self->rtp, packet + 8, ((guint64) roc << 16) | seq, iv);
  GST_WRITE_UINT32_BE (roc_be, roc);
  /* the tag covers the packet and the rollover counter (4.2) */
  if (!ctr_crypt (self->rtp.cipher, iv, packet + header, len - header)
      || !authenticate (&self->rtp, packet, len, roc_be, packet + len, self->tag_len))
    return FALSE;
  self->started = TRUE;
  self->roc = roc;
  self->last_seq = seq;
  *out_len = len + self->tag_len;
  return TRUE;
}

/**
 * mcu_srtp_protect_rtcp:
 * @self: the stream's context
 * @packet: a compound RTCP packet, protected in place
 * @len: its length
 * @size: the room at @packet: at least @len plus #MCU_SRTCP_TRAILER_LEN
 * @out_len: (out): the protected packet's length
 *
 * Encrypts all but the first header and SSRC, then appends the E flag and
 * the SRTCP index and the 80-bit tag (RFC 3711 3.4; the tag is 80 bits
 * whatever RTP's, RFC 5764 4.1.2).
 *
 * Returns: whether @packet was an RTCP packet with room for the trailer
 */
gboolean
mcu_srtp_protect_rtcp (McuSrtp *self, guint8 *packet, gsize len, gsize size, gsize *out_len)
{
  guint8 iv[16], e_index[4];
  guint32 index = self->srtcp_index;

  if (len < RTCP_HEADER_LEN || (packet[0] >> 6) != 2 || packet[1] < 192 || packet[1] > 223
      || size < len + MCU_SRTCP_TRAILER_LEN)
    return FALSE;
  packet_iv (&self->rtcp, packet + 4, index, iv);
  GST_WRITE_UINT32_BE (e_index, 0x80000000 | index);
  if (!ctr_crypt (self->rtcp.cipher, iv, packet + RTCP_HEADER_LEN, len - RTCP_HEADER_LEN))
    return FALSE;
  memcpy (packet + len, e_index, sizeof e_index);
  if (!authenticate (&self->rtcp, packet, len, e_index, packet + len + 4, SRTCP_TAG_LEN))
    return FALSE;
  self->srtcp_index = (index + 1) & 0x7fffffff;
  *out_len = len + MCU_SRTCP_TRAILER_LEN;
  return TRUE;
}
