/* sched-ical.c: building the iCalendar (RFC 5545) feed with libical.
 *
 * libical writes the feed: it escapes TEXT values, folds lines at 75 octets
 * without cutting a UTF-8 sequence, and ends them with CRLF.  What it gets
 * wrong or leaves to us is handled here: the TZID it gives its built-in
 * zones, carriage returns and control characters in text, and UTF-8
 * validity, which it never checks.
 */
#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "config.h"

#include <string.h>

#include <libical/ical.h>

#include "sched-ical.h"
#include "sched-recurrence.h"
#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (icalcomponent, icalcomponent_free)

#define SCHED_ICAL_PRODID "-//hoinghi//hoinghi 0.1.0//VI"

/* A copy of @text fit for a TEXT value: valid UTF-8 and no control
 * characters but tab and newline.  A CR or CRLF (as a browser sends from a
 * text area) becomes LF, since libical would silently drop the CR and glue
 * the lines of a lone-CR text together. */
static char *
clean_text (const char *text, const char *what, GError **error)
{
  g_autoptr (GString) clean = NULL;

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("The %s is not valid UTF-8."), what);
      return NULL;
    }

  clean = g_string_sized_new (strlen (text));
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\r')
        {
          if (p[1] != '\n')
            g_string_append_c (clean, '\n');
          continue;
        }
      if (((guchar) *p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
        {
          g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                       _ ("The %s contains a control character (code %d)."), what, *p);
          return NULL;
        }
      g_string_append_c (clean, *p);
    }
  return g_string_free (g_steal_pointer (&clean), FALSE);
}

/* The VTIMEZONE of @zone, with @tzid as its TZID.
 *
 * Debian's libical names its built-in zones
 * "/freeassociation.sourceforge.net/Asia/Ho_Chi_Minh"; clients accept that,
 * but the feed should say the plain Olson name that the rest of hoinghi
 * uses.  icaltimezone_set_tzid_prefix ("") would do it, but it is
 * process-wide state that only works if set before the first zone is
 * loaded, and it would change the TZIDs every other libical user in the
 * process sees.  Rewriting the TZID of a private copy of the component is
 * local and cannot race. */
static icalcomponent *
new_vtimezone (icaltimezone *zone, const char *tzid)
{
  icalcomponent *vtimezone = icalcomponent_new_clone (icaltimezone_get_component (zone));
  icalproperty *prop = icalcomponent_get_first_property (vtimezone, ICAL_TZID_PROPERTY);

  if (prop != NULL)
    icalproperty_set_tzid (prop, tzid);
  else
    icalcomponent_add_property (vtimezone, icalproperty_new_tzid (tzid));
  return vtimezone;
}

static struct icaltimetype
utc_time (gint64 unix_time)
{
  return icaltime_from_timet_with_zone ((time_t) unix_time, 0, icaltimezone_get_utc_timezone ());
}

/* DTSTART or DTEND: the local wall time with a TZID parameter, or a UTC
 * time when the feed's zone is UTC itself (which has no VTIMEZONE). */
static icalproperty *
new_zoned_time (icalproperty_kind kind, gint64 unix_time, icaltimezone *zone, const char *tzid)
{
  struct icaltimetype tt;
  icalproperty *prop;
  gboolean is_utc = zone == icaltimezone_get_utc_timezone ();

  if (is_utc)
    tt = utc_time (unix_time);
  else
    {
      /* icaltime_from_timet_with_zone() of libical 3.0.16 converts the
       * fields but leaves the result tagged as UTC; make it floating, the
       * TZID parameter below says which zone it is in. */
      tt = icaltime_from_timet_with_zone ((time_t) unix_time, 0, zone);
      tt.zone = NULL;
    }

  if (kind == ICAL_DTSTART_PROPERTY)
    prop = icalproperty_new_dtstart (tt);
  else
    prop = icalproperty_new_dtend (tt);
  if (!is_utc)
    icalproperty_add_parameter (prop, icalparameter_new_tzid (tzid));
  return prop;
}

/* The UID also names the event in error messages, so it is checked first
 * and must be printable. */
static gboolean
is_valid_uid (const char *uid)
{
  if (uid[0] == '\0' || !g_utf8_validate (uid, -1, NULL))
    return FALSE;
  for (const char *p = uid; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        return FALSE;
    }
  return TRUE;
}

static icalcomponent *
new_vevent (const SchedIcalEvent *event, icaltimezone *zone, const char *tzid, GError **error)
{
  g_autoptr (icalcomponent) vevent = NULL;
  const char *uid;
  g_autofree char *summary_what = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *description = NULL;
  g_autofree char *location = NULL;
  g_autofree char *categories = NULL;

  if (!is_valid_uid (event->uid))
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                           _ ("An event has a UID that is empty, not valid UTF-8 or holds a "
                              "control character."));
      return NULL;
    }
  uid = event->uid;
  summary_what = g_strdup_printf (_ ("title of event “%s”"), uid);
  summary = clean_text (event->summary, summary_what, error);
  if (summary == NULL)
    return NULL;
  if (event->description != NULL)
    {
      g_autofree char *what = g_strdup_printf (_ ("description of event “%s”"), uid);

      description = clean_text (event->description, what, error);
      if (description == NULL)
        return NULL;
    }
  if (event->location != NULL)
    {
      g_autofree char *what = g_strdup_printf (_ ("location of event “%s”"), uid);

      location = clean_text (event->location, what, error);
      if (location == NULL)
        return NULL;
    }
  if (event->categories != NULL)
    {
      g_autofree char *what = g_strdup_printf (_ ("categories of event “%s”"), uid);

      categories = clean_text (event->categories, what, error);
      if (categories == NULL)
        return NULL;
    }
  if (event->end_utc < event->start_utc)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID, _ ("Event “%s” ends before it starts."), uid);
      return NULL;
    }

  vevent = icalcomponent_new_vevent ();
  icalcomponent_add_property (vevent, icalproperty_new_uid (uid));
  /* DTSTAMP is the last change too, not the time of the request, so that
   * an unchanged feed is byte for byte the same and its ETag holds. */
  icalcomponent_add_property (vevent,
                              icalproperty_new_dtstamp (utc_time (event->last_modified_utc)));
  icalcomponent_add_property (vevent,
                              icalproperty_new_lastmodified (utc_time (event->last_modified_utc)));
  icalcomponent_add_property (vevent, icalproperty_new_sequence (event->sequence));
  icalcomponent_add_property (vevent,
                              new_zoned_time (ICAL_DTSTART_PROPERTY, event->start_utc, zone, tzid));
  icalcomponent_add_property (vevent,
                              new_zoned_time (ICAL_DTEND_PROPERTY, event->end_utc, zone, tzid));
  icalcomponent_add_property (vevent, icalproperty_new_summary (summary));
  if (description != NULL)
    icalcomponent_add_property (vevent, icalproperty_new_description (description));
  if (location != NULL)
    icalcomponent_add_property (vevent, icalproperty_new_location (location));
  if (categories != NULL)
    {
      /* libical writes a CATEGORIES value as is, commas included, which
       * readers take as separators; one property per item says the same
       * thing without relying on that. */
      g_auto (GStrv) items = g_strsplit (categories, ",", -1);

      for (gsize i = 0; items[i] != NULL; i++)
        {
          g_strstrip (items[i]);
          if (items[i][0] != '\0')
            icalcomponent_add_property (vevent, icalproperty_new_categories (items[i]));
        }
    }
  icalcomponent_add_property (
      vevent,
      icalproperty_new_status (event->cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
  return g_steal_pointer (&vevent);
}

static icalproperty *
new_x_property (const char *name, const char *value)
{
  icalproperty *prop = icalproperty_new_x (value);

  icalproperty_set_x_name (prop, name);
  return prop;
}

/**
 * sched_ical_build_feed:
 * @calendar_name: the name clients show for the calendar (X-WR-CALNAME)
 * @tzid: the Olson name of the zone the times are written in, e.g.
 *   "Asia/Ho_Chi_Minh"
 * @events: (array length=n_events) (nullable): the events
 * @n_events: the length of @events
 * @error: an %HN_ERROR_INVALID saying which zone or which event is wrong
 *
 * Builds a whole VCALENDAR published for subscription (METHOD:PUBLISH):
 * one VTIMEZONE for @tzid, whose TZID is the plain Olson name, and one
 * VEVENT per event with DTSTART and DTEND in local time with TZID=@tzid
 * (in UTC, with no VTIMEZONE, when @tzid is "UTC").  Lines end with CRLF
 * and are folded at 75 octets.  The output depends only on the arguments.
 *
 * Returns: (transfer full): the feed, or %NULL with @error set.
 */
char *
sched_ical_build_feed (const char *calendar_name, const char *tzid, const SchedIcalEvent *events,
                       gsize n_events, GError **error)
{
  icaltimezone *zone = NULL;
  g_autoptr (icalcomponent) calendar = NULL;
  g_autofree char *name = NULL;
  char *text;
  char *feed;

  g_return_val_if_fail (calendar_name != NULL, NULL);
  g_return_val_if_fail (tzid != NULL, NULL);
  g_return_val_if_fail (events != NULL || n_events == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (sched_zone_name_is_plausible (tzid))
    zone = icaltimezone_get_builtin_timezone (tzid);
  if (zone == NULL && tzid[0] == '\0')
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID,
                           _ ("No time zone was given; give an Olson name such as "
                              "“Asia/Ho_Chi_Minh”."));
      return NULL;
    }
  if (zone == NULL)
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("“%s” is not a known time zone; give an Olson name such as "
                      "“Asia/Ho_Chi_Minh”."),
                   tzid);
      return NULL;
    }
  name = clean_text (calendar_name, _ ("calendar name"), error);
  if (name == NULL)
    return NULL;

  calendar = icalcomponent_new_vcalendar ();
  icalcomponent_add_property (calendar, icalproperty_new_prodid (SCHED_ICAL_PRODID));
  icalcomponent_add_property (calendar, icalproperty_new_version ("2.0"));
  icalcomponent_add_property (calendar, icalproperty_new_calscale ("GREGORIAN"));
  icalcomponent_add_property (calendar, icalproperty_new_method (ICAL_METHOD_PUBLISH));
  icalcomponent_add_property (calendar, new_x_property ("X-WR-CALNAME", name));
  icalcomponent_add_property (calendar, new_x_property ("X-WR-TIMEZONE", tzid));
  if (zone != icaltimezone_get_utc_timezone ())
    icalcomponent_add_component (calendar, new_vtimezone (zone, tzid));

  for (gsize i = 0; i < n_events; i++)
    {
      icalcomponent *vevent;

      g_return_val_if_fail (events[i].uid != NULL && events[i].summary != NULL, NULL);
      vevent = new_vevent (&events[i], zone, tzid, error);
      if (vevent == NULL)
        return NULL;
      icalcomponent_add_component (calendar, vevent);
    }

  /* libical allocates with malloc(); hand back GLib memory. */
  text = icalcomponent_as_ical_string_r (calendar);
  feed = g_strdup (text);
  icalmemory_free_buffer (text);
  return feed;
}
