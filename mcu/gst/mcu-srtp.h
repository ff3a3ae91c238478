/* mcu-srtp.h: SRTP protection (RFC 3711) of one RTP stream the mcu sends. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* AES-128 key and 112-bit salt, as DTLS-SRTP hands them out (RFC 5764) */
#define MCU_SRTP_MASTER_KEY_LEN 16
#define MCU_SRTP_MASTER_SALT_LEN 14
#define MCU_SRTP_MASTER_LEN (MCU_SRTP_MASTER_KEY_LEN + MCU_SRTP_MASTER_SALT_LEN)
/* the longest tag: HMAC-SHA1 cut to 80 bits */
#define MCU_SRTP_MAX_TAG_LEN 10
/* what SRTCP appends: the E flag and index, then an 80-bit tag */
#define MCU_SRTCP_TRAILER_LEN (4 + 10)

/* The SRTP key derivation labels (RFC 3711 4.3.1). */
typedef enum
{
  MCU_SRTP_LABEL_RTP_ENCRYPTION = 0,
  MCU_SRTP_LABEL_RTP_AUTH = 1,
  MCU_SRTP_LABEL_RTP_SALT = 2,
  MCU_SRTP_LABEL_RTCP_ENCRYPTION = 3,
  MCU_SRTP_LABEL_RTCP_AUTH = 4,
  MCU_SRTP_LABEL_RTCP_SALT = 5,
} McuSrtpLabel;

typedef struct _McuSrtp McuSrtp;

gboolean mcu_srtp_derive (const guint8 *master, McuSrtpLabel label, guint8 *out, gsize len);
McuSrtp *mcu_srtp_new (const guint8 *master, gsize master_len, guint tag_len, GError **error);
void mcu_srtp_free (McuSrtp *srtp);
guint mcu_srtp_get_tag_len (const McuSrtp *srtp);
gboolean mcu_srtp_protect (McuSrtp *srtp, guint8 *packet, gsize len, gsize size, gsize *out_len);
gboolean mcu_srtp_protect_rtcp (McuSrtp *srtp, guint8 *packet, gsize len, gsize size,
                                gsize *out_len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (McuSrtp, mcu_srtp_free)

G_END_DECLS
