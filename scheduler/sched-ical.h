/* sched-ical.h: the iCalendar (RFC 5545) feed of the meetings. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * SchedIcalEvent:
 * @uid: the stable identifier of the event, e.g. "meeting-42@hoinghi"
 * @summary: the title, UTF-8
 * @description: (nullable): a longer text, UTF-8
 * @location: (nullable): where it takes place, e.g. the room names
 * @categories: (nullable): a comma-separated list of categories; each item
 *   becomes one CATEGORIES property, so an item cannot itself hold a comma
 * @start_utc: the start, in UTC Unix seconds
 * @end_utc: the end, in UTC Unix seconds, not before @start_utc
 * @cancelled: whether STATUS is CANCELLED rather than CONFIRMED
 * @sequence: the revision number (SEQUENCE), raised on each change clients must see
 * @last_modified_utc: the last change, in UTC Unix seconds, written as both
 *   LAST-MODIFIED and DTSTAMP so that an unchanged event gives the same bytes
 *
 * One event of a feed.  The strings are borrowed for the call.
 */
typedef struct
{
  const char *uid;
  const char *summary;
  const char *description;
  const char *location;
  const char *categories;
  gint64 start_utc, end_utc;
  gboolean cancelled;
  gint sequence;
  gint64 last_modified_utc;
} SchedIcalEvent;

char *sched_ical_build_feed (const char *calendar_name, const char *tzid,
                             const SchedIcalEvent *events, gsize n_events, GError **error);

G_END_DECLS
