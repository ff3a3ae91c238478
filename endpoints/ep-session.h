/* ep-session.h: a site in a room — the mcu's signalling (docs/SIGNALLING.md)
 * over one WebSocket, the media session it sets up, and reconnection. */
#pragma once

#include <gio/gio.h>

#include "ep-media.h"

G_BEGIN_DECLS

/**
 * EpSessionEnd:
 * @EP_SESSION_END_LEFT: the site left (ep_session_leave())
 * @EP_SESSION_END_KICKED: the operator removed the site from the room
 * @EP_SESSION_END_ROOM_CLOSED: the room was closed
 * @EP_SESSION_END_REFUSED: the mcu refused the join for good (no such
 *   room, a wrong token, a locked or full room)
 *
 * Why a session ended; anything else makes it reconnect.
 */
typedef enum
{
  EP_SESSION_END_LEFT,
  EP_SESSION_END_KICKED,
  EP_SESSION_END_ROOM_CLOSED,
  EP_SESSION_END_REFUSED,
} EpSessionEnd;

/**
 * EpSessionConfig:
 * @mcu_url: the mcu's base address, http:// or https://
 * @room: the room's id
 * @token: the room's join token
 * @name: the site's name, 1–100 characters
 * @unit: (nullable): the unit's code
 * @tier: (nullable): the size of the composite to receive ("720p", "360p";
 *   %NULL: the mcu's default)
 * @media: the media sessions' configuration; its @ice_addresses %NULL:
 *   127.0.0.1 if the mcu is on loopback, else every interface
 * @connect_timeout: seconds a connection attempt may take
 *
 * The session hands the mcu's `layout` messages to @media's video analyser.
 */
typedef struct
{
  const char *mcu_url;
  const char *room;
  const char *token;
  const char *name;
  const char *unit;
  const char *tier;
  EpMediaConfig media;
  guint connect_timeout;
} EpSessionConfig;

#define EP_TYPE_SESSION (ep_session_get_type ())
G_DECLARE_FINAL_TYPE (EpSession, ep_session, EP, SESSION, GObject)

EpSession *ep_session_new (const EpSessionConfig *config, GError **error);
void ep_session_start (EpSession *self);
void ep_session_leave (EpSession *self);

const char *ep_session_get_participant (EpSession *self);
gboolean ep_session_has_joined (EpSession *self);
guint ep_session_get_reconnects (EpSession *self);

char *ep_session_websocket_uri (const char *mcu_url, GError **error);
gboolean ep_session_mcu_is_loopback (const char *mcu_url);

G_END_DECLS
