/* sched-recurrence.c: expanding an RFC 5545 recurring series with libical.
 *
 * The series is expanded in the local wall time of its zone, as RFC 5545
 * requires: a weekly meeting at 09:00 in Berlin stays at 09:00 local when
 * daylight saving time starts, so its UTC hour moves.  libical 3.0 is given
 * floating (zone-less) local times only, and every conversion to and from
 * UTC is done here with the zone, because two of its shortcuts are wrong in
 * 3.0.16: see local_wall_time() and the handling of UNTIL below.
 */
#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "config.h"

#include <string.h>

#include <libical/ical.h>

#include "sched-recurrence.h"
#include "libhoinghi/hn-error.h"
#include "libhoinghi/hn-i18n.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (icalrecur_iterator, icalrecur_iterator_free)

/**
 * sched_zone_name_is_plausible:
 * @tzid: a time-zone name from a request
 *
 * An Olson name such as "Asia/Ho_Chi_Minh" or
 * "America/Argentina/Buenos_Aires".  Checked before libical sees it
 * because libical 3.0 falls back to opening /usr/share/zoneinfo/<name> for
 * names missing from zone.tab, and a name with ".." would make it read
 * files outside that folder.
 *
 * Returns: whether @tzid may be handed to libical.
 */
gboolean
sched_zone_name_is_plausible (const char *tzid)
{
  if (tzid[0] == '\0' || tzid[0] == '/' || strstr (tzid, "..") != NULL)
    return FALSE;
  for (const char *p = tzid; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && strchr ("/_+-", *p) == NULL)
        return FALSE;
    }
  return TRUE;
}

static icaltimezone *
find_zone (const char *tzid, GError **error)
{
  icaltimezone *zone = NULL;

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
  return zone;
}

/* The wall time in @zone of the instant @utc, as a floating time.
 * icaltime_from_timet_with_zone() of libical 3.0.16 converts the fields but
 * leaves the result tagged as UTC, so the zone is cleared by hand. */
static struct icaltimetype
local_wall_time (gint64 utc, icaltimezone *zone)
{
  struct icaltimetype tt = icaltime_from_timet_with_zone ((time_t) utc, 0, zone);

  tt.zone = NULL;
  return tt;
}

static gboolean
parse_rule (const char *rrule, struct icalrecurrencetype *rule, GError **error)
{
  g_autofree char *text = NULL;

  /* Accept a whole content line as pasted from a calendar, too. */
  if (g_ascii_strncasecmp (rrule, "RRULE:", strlen ("RRULE:")) == 0)
    rrule += strlen ("RRULE:");
  text = g_strstrip (g_strdup (rrule));

  if (text[0] == '\0')
    {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID, _ ("The recurrence rule is empty."));
      return FALSE;
    }

  /* libical reports a syntax error both through icalerrno and by returning
   * no frequency; an empty or unknown FREQ gives only the latter. */
  icalerror_clear_errno ();
  *rule = icalrecurrencetype_from_string (text);
  if (icalerrno != ICAL_NO_ERROR || rule->freq == ICAL_NO_RECURRENCE)
    {
      icalerror_clear_errno ();
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("“%s” is not a valid RFC 5545 recurrence rule."), text);
      return FALSE;
    }
  if (rule->count == 0 && icaltime_is_null_time (rule->until))
    {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("The recurrence rule “%s” never ends; a series must end: give UNTIL or "
                      "COUNT."),
                   text);
      return FALSE;
    }
  return TRUE;
}

/**
 * sched_recurrence_expand:
 * @rrule: the value of an RRULE, e.g. "FREQ=DAILY;UNTIL=20211231T090000Z"
 *   (an "RRULE:" prefix is accepted)
 * @dtstart_utc: the first start, in UTC Unix seconds
 * @tzid: the Olson name of the zone whose wall time the series keeps, e.g.
 *   "Asia/Ho_Chi_Minh"
 * @exdates: (array length=n_exdates) (nullable): starts to leave out, in UTC
 *   Unix seconds; each removes the occurrence starting at exactly that instant
 * @n_exdates: the length of @exdates
 * @max_occurrences: the most occurrences the rule may give before @exdates
 *   are removed, usually %SCHED_RECURRENCE_MAX_OCCURRENCES
 * @starts: (out) (transfer full) (element-type gint64): the starts of the
 *   occurrences, in UTC Unix seconds, ascending
 * @error: an %HN_ERROR_INVALID saying what is wrong with the series
 *
 * Expands the series in the wall time of @tzid, so it keeps its local hour
 * across daylight saving changes.  A UTC UNTIL is compared as an instant; a
 * date UNTIL includes the whole local day.  At most @max_occurrences + 1
 * occurrences are ever computed, so a rule such as FREQ=SECONDLY with an
 * UNTIL years away is refused at once.
 *
 * Returns: whether the series is valid and has at least one occurrence.
 */
gboolean
sched_recurrence_expand (const char *rrule, gint64 dtstart_utc, const char *tzid,
                         const gint64 *exdates, gsize n_exdates, guint max_occurrences,
                         GArray **starts, GError **error)
{
  icaltimezone *zone;
  struct icalrecurrencetype rule;
  struct icaltimetype until;
  gboolean until_is_instant = FALSE;
  gint64 until_utc = 0;
  guint n_generated = 0;
  g_autoptr (icalrecur_iterator) iter = NULL;
  g_autoptr (GHashTable) excluded = NULL;
  g_autoptr (GArray) result = NULL;

  g_return_val_if_fail (rrule != NULL, FALSE);
  g_return_val_if_fail (tzid != NULL, FALSE);
  g_return_val_if_fail (exdates != NULL || n_exdates == 0, FALSE);
  g_return_val_if_fail (max_occurrences > 0, FALSE);
  g_return_val_if_fail (starts != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  zone = find_zone (tzid, error);
  if (zone == NULL)
    return FALSE;
  if (!parse_rule (rrule, &rule, error))
    return FALSE;

  /* libical compares UNTIL with the occurrences field by field, ignoring
   * that a UTC UNTIL and a local occurrence are in different zones: in
   * Ho Chi Minh City UNTIL=20211231T090000Z would end the series at
   * 2021-12-31 09:00 local and lose that day's 16:00 occurrence.  So a UTC
   * UNTIL is checked here, exactly, on the UTC starts; libical gets the
   * same bound in local time a day later, only so that it stops on its own
   * soon after (a day covers any DST shift and its ambiguous hour). */
  until = rule.until;
  if (!icaltime_is_null_time (until))
    {
      if (until.is_date)
        {
          /* A date UNTIL includes that whole local day (RFC 5545 3.3.10). */
          rule.until.is_date = 0;
          rule.until.hour = 23;
          rule.until.minute = 59;
          rule.until.second = 59;
        }
      else if (icaltime_is_utc (until))
        {
          until_is_instant = TRUE;
          until_utc = icaltime_as_timet (until);
          rule.until = local_wall_time (until_utc, zone);
          icaltime_adjust (&rule.until, 1, 0, 0, 0);
        }
      rule.until.zone = NULL;
    }

  icalerror_clear_errno ();
  iter = icalrecur_iterator_new (rule, local_wall_time (dtstart_utc, zone));
  if (iter == NULL)
    {
      icalerror_clear_errno ();
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                   _ ("The recurrence rule “%s” cannot be expanded; check its BY parts."), rrule);
      return FALSE;
    }

  excluded = g_hash_table_new (g_int64_hash, g_int64_equal);
  for (gsize i = 0; i < n_exdates; i++)
    g_hash_table_add (excluded, (gpointer) &exdates[i]);

  result = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (;;)
    {
      struct icaltimetype next = icalrecur_iterator_next (iter);
      gint64 start;

      if (icaltime_is_null_time (next))
        break;
      start = icaltime_as_timet_with_zone (next, zone);
      if (until_is_instant && start > until_utc)
        break;
      if (++n_generated > max_occurrences)
        {
          g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                       _ ("The recurrence rule “%s” gives more than %u occurrences, the most a "
                          "series may have."),
                       rrule, max_occurrences);
          return FALSE;
        }
      if (!g_hash_table_contains (excluded, &start))
        g_array_append_val (result, start);
    }

  if (result->len == 0)
    {
      if (n_generated == 0)
        g_set_error (error, HN_ERROR, HN_ERROR_INVALID,
                     _ ("The recurrence rule “%s” gives no occurrence from the start of the "
                        "series."),
                     rrule);
      else
        g_set_error_literal (
            error, HN_ERROR, HN_ERROR_INVALID,
            _ ("Every occurrence of the series is excluded, so it has none left."));
      return FALSE;
    }

  *starts = g_steal_pointer (&result);
  return TRUE;
}
