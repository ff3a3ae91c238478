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
 * sender's side.  libsrtp2 checks every packet in the tests.
 */
#define G_LOG_DOMAIN "hoinghi-mcu"

#include "config.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "mcu-srtp.h"

#define AUTH_KEY_LEN 20
#define RTP_HEADER_LEN 12

static GQuark
mcu_srtp_error_quark (void)
{
  return g_quark_from_static_string ("mcu-srtp-error");
}

struct _McuSrtp
{
  EVP_CIPHER_CTX *cipher; /* keyed with the session key */
  EVP_MAC_CTX *mac;       /* keyed with the session authentication key */
  guint8 salt[MCU_SRTP_MASTER_SALT_LEN];
  guint tag_len;
  /* the packet index: the rollover counter and the last sequence number */
  gboolean started;
  guint32 roc;
  guint16 last_seq;
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
  guint8 key[MCU_SRTP_MASTER_KEY_LEN];
  guint8 auth_key[AUTH_KEY_LEN];
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST, (char *) "SHA1", 0),
    OSSL_PARAM_construct_end (),
  };
  EVP_MAC *hmac;
  gboolean ok;

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
  self->cipher = EVP_CIPHER_CTX_new ();
  hmac = EVP_MAC_fetch (NULL, "HMAC", NULL);
  self->mac = hmac != NULL ? EVP_MAC_CTX_new (hmac) : NULL;
  EVP_MAC_free (hmac);
  ok = self->cipher != NULL && self->mac != NULL
       && mcu_srtp_derive (master, MCU_SRTP_LABEL_RTP_ENCRYPTION, key, sizeof key)
       && mcu_srtp_derive (master, MCU_SRTP_LABEL_RTP_AUTH, auth_key, sizeof auth_key)
       && mcu_srtp_derive (master, MCU_SRTP_LABEL_RTP_SALT, self->salt, sizeof self->salt)
       && EVP_EncryptInit_ex (self->cipher, EVP_aes_128_ctr (), NULL, key, NULL) == 1
       && EVP_MAC_init (self->mac, auth_key, sizeof auth_key, params) == 1;
  OPENSSL_cleanse (key, sizeof key);
  OPENSSL_cleanse (auth_key, sizeof auth_key);
  if (!ok)
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
  EVP_CIPHER_CTX_free (self->cipher);
  EVP_MAC_CTX_free (self->mac);
  OPENSSL_cleanse (self->salt, sizeof self->salt);
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
      header += 4 + 4 * (((gsize) packet[header + 2] << 8) | packet[header + 3]);
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
  guint8 iv[16] = { 0 };
  guint8 tag[EVP_MAX_MD_SIZE];
  guint8 roc_be[4];
  size_t tag_full = 0;
  guint16 seq;
  guint64 index;

  if (header == 0 || size < len + self->tag_len)
    return FALSE;
  seq = (guint16) ((packet[2] << 8) | packet[3]);
  /* a sequence number far below the last one has wrapped */
  if (self->started && seq < self->last_seq && self->last_seq - seq > 0x8000)
    self->roc++;
  self->started = TRUE;
  self->last_seq = seq;
  index = ((guint64) self->roc << 16) | seq;

  /* IV = salt * 2^16 XOR SSRC * 2^64 XOR index * 2^16 (RFC 3711 4.1.1) */
  memcpy (iv, self->salt, sizeof self->salt);
  for (guint i = 0; i < 4; i++)
    iv[4 + i] ^= packet[8 + i];
  for (guint i = 0; i < 6; i++)
    iv[8 + i] ^= (guint8) (index >> (40 - 8 * i));
  if (!ctr_crypt (self->cipher, iv, packet + header, len - header))
    return FALSE;

  /* the tag covers the packet and the rollover counter (4.2) */
  roc_be[0] = (guint8) (self->roc >> 24);
  roc_be[1] = (guint8) (self->roc >> 16);
  roc_be[2] = (guint8) (self->roc >> 8);
  roc_be[3] = (guint8) self->roc;
  if (EVP_MAC_init (self->mac, NULL, 0, NULL) != 1 || EVP_MAC_update (self->mac, packet, len) != 1
      || EVP_MAC_update (self->mac, roc_be, sizeof roc_be) != 1
      || EVP_MAC_final (self->mac, tag, &tag_full, sizeof tag) != 1 || tag_full < self->tag_len)
    return FALSE;
  memcpy (packet + len, tag, self->tag_len);
  *out_len = len + self->tag_len;
  return TRUE;
}
