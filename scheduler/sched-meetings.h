/* sched-meetings.h: meetings, their rooms, and the rule against double
 * booking. */
#pragma once

#include "sched-db.h"
#include "sched-request.h"

G_BEGIN_DECLS

/* A meeting's calendar UID, derived rather than stored (no random index
 * to write on every booking): stable, and unique across installations. */
#define SCHED_MEETING_UID                                                                          \
  "('meeting-' || m.id || '.' || (SELECT value FROM settings WHERE key = 'installation') "         \
  "|| '@hoinghi')"

/* A meeting longer than this is a typo, not a meeting. */
#define SCHED_MAX_MEETING_SECONDS (24 * 3600)

typedef struct
{
  char *title;
  char *category;
  char *chair_unit;
  GStrv participants;
  gint64 starts_at;
  gint64 ends_at;
  char *mode;
  char *notes;
  GArray *rooms; /* gint64 room ids asked for; NULL: each unit's default room */
  gint64 series_id;
  gint64 recurrence_start;
} SchedMeetingDraft;

void sched_meeting_draft_clear (SchedMeetingDraft *draft);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SchedMeetingDraft, sched_meeting_draft_clear)

gboolean sched_meeting_draft_check (SchedDb *db, SchedMeetingDraft *draft, GError **error);
gboolean sched_meeting_draft_rooms (SchedDb *db, SchedMeetingDraft *draft, GArray **rooms,
                                    GError **error);
gboolean sched_meeting_find_conflicts (SchedDb *db, GArray *rooms, gint64 starts_at, gint64 ends_at,
                                       gint64 ignore_meeting, JsonBuilder *list, guint *count,
                                       GError **error);
gint64 sched_meeting_insert (SchedDb *db, SchedRequest *request, SchedMeetingDraft *draft,
                             GArray *rooms, GError **error);
gboolean sched_meeting_write_units (SchedDb *db, gint64 meeting_id, SchedMeetingDraft *draft,
                                    GError **error);
gboolean sched_meeting_book_rooms (SchedDb *db, gint64 meeting_id, GArray *rooms, gint64 starts_at,
                                   gint64 ends_at, GError **error);
gboolean sched_meeting_involves_unit (SchedDb *db, SchedUser *user, gint64 id, GError **error);
char *sched_meeting_render (SchedDb *db, gint64 id, gint64 *version, GError **error);
void sched_response_set_conflict (SchedResponse *response, const char *message, JsonBuilder *list);

gboolean sched_meetings_prepare (SchedDb *reader, SchedRequest *request, GError **error);
gboolean sched_meetings_handle (SchedDb *db, SchedRequest *request, SchedResponse *response,
                                GError **error);
gboolean sched_meeting_handle (SchedDb *db, SchedRequest *request, SchedResponse *response,
                               GError **error);
gboolean sched_meeting_handle_cancel (SchedDb *db, SchedRequest *request, SchedResponse *response,
                                      GError **error);

G_END_DECLS
