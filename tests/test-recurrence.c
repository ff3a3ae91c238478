/* test-recurrence.c: expanding recurring series (sched-recurrence.c). */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "libhoinghi/hn-error.h"
#include "scheduler/sched-recurrence.h"

static gint64
utc (int year, int month, int day, int hour, int minute)
{
  g_autoptr (GDateTime) dt = g_date_time_new_utc (year, month, day, hour, minute, 0);

  return g_date_time_to_unix (dt);
}

static void
assert_utc (gint64 unix_time, int year, int month, int day, int hour, int minute)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (unix_time);

  g_assert_cmpint (g_date_time_get_year (dt), ==, year);
  g_assert_cmpint (g_date_time_get_month (dt), ==, month);
  g_assert_cmpint (g_date_time_get_day_of_month (dt), ==, day);
  g_assert_cmpint (g_date_time_get_hour (dt), ==, hour);
  g_assert_cmpint (g_date_time_get_minute (dt), ==, minute);
  g_assert_cmpint (g_date_time_get_second (dt), ==, 0);
}

/* The province's daily COVID-19 briefing of 2021: 16:00 in Ho Chi Minh City
 * time, that is 09:00 UTC, from 1 August to 31 December inclusive. */
static void
test_daily_briefing (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) starts = NULL;

  g_assert_true (sched_recurrence_expand ("FREQ=DAILY;UNTIL=20211231T090000Z",
                                          utc (2021, 8, 1, 9, 0), "Asia/Ho_Chi_Minh", NULL, 0,
                                          SCHED_RECURRENCE_MAX_OCCURRENCES, &starts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (starts->len, ==, 153);
  for (guint i = 0; i < starts->len; i++)
    {
      gint64 start = g_array_index (starts, gint64, i);

      g_assert_cmpint (start % 86400, ==, 9 * 3600);
      if (i > 0)
        g_assert_cmpint (start - g_array_index (starts, gint64, i - 1), ==, 86400);
    }
  assert_utc (g_array_index (starts, gint64, 0), 2021, 8, 1, 9, 0);
  assert_utc (g_array_index (starts, gint64, starts->len - 1), 2021, 12, 31, 9, 0);
}

static void
test_exdate (void)
{
  gint64 national_day = utc (2021, 9, 2, 9, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) starts = NULL;

  /* the prefix is accepted whatever its case */
  g_assert_true (sched_recurrence_expand ("rrule:FREQ=DAILY;UNTIL=20211231T090000Z",
                                          utc (2021, 8, 1, 9, 0), "Asia/Ho_Chi_Minh", &national_day,
                                          1, SCHED_RECURRENCE_MAX_OCCURRENCES, &starts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (starts->len, ==, 152);
  for (guint i = 0; i < starts->len; i++)
    g_assert_cmpint (g_array_index (starts, gint64, i), !=, national_day);
  assert_utc (g_array_index (starts, gint64, 31), 2021, 9, 1, 9, 0);
  assert_utc (g_array_index (starts, gint64, 32), 2021, 9, 3, 9, 0);
}

static void
test_count (void)
{
  /* an exdate that matches no occurrence exactly removes nothing */
  gint64 off_by_a_minute = utc (2021, 8, 3, 9, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) starts = NULL;

  g_assert_true (sched_recurrence_expand ("FREQ=DAILY;COUNT=10", utc (2021, 8, 1, 9, 0),
                                          "Asia/Ho_Chi_Minh", &off_by_a_minute, 1,
                                          SCHED_RECURRENCE_MAX_OCCURRENCES, &starts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (starts->len, ==, 10);
  assert_utc (g_array_index (starts, gint64, 9), 2021, 8, 10, 9, 0);
}

static void
test_weekly_byday (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) starts = NULL;

  /* Monday 2 August 2021, 08:30 in Ho Chi Minh City */
  g_assert_true (sched_recurrence_expand ("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6",
                                          utc (2021, 8, 2, 1, 30), "Asia/Ho_Chi_Minh", NULL, 0,
                                          SCHED_RECURRENCE_MAX_OCCURRENCES, &starts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (starts->len, ==, 6);
  assert_utc (g_array_index (starts, gint64, 0), 2021, 8, 2, 1, 30);
  assert_utc (g_array_index (starts, gint64, 1), 2021, 8, 4, 1, 30);
  assert_utc (g_array_index (starts, gint64, 2), 2021, 8, 9, 1, 30);
  assert_utc (g_array_index (starts, gint64, 3), 2021, 8, 11, 1, 30);
  assert_utc (g_array_index (starts, gint64, 4), 2021, 8, 16, 1, 30);
  assert_utc (g_array_index (starts, gint64, 5), 2021, 8, 18, 1, 30);
}

/* Summer time starts in Berlin on 28 March 2021: 09:00 local is 08:00 UTC
 * before and 07:00 UTC after, and the meeting stays at 09:00 local. */
static void
test_dst_berlin (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) starts = NULL;
  g_autoptr (GArray) until_starts = NULL;

  g_assert_true (sched_recurrence_expand ("FREQ=WEEKLY;COUNT=4", utc (2021, 3, 15, 8, 0),
                                          "Europe/Berlin", NULL, 0,
                                          SCHED_RECURRENCE_MAX_OCCURRENCES, &starts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (starts->len, ==, 4);
  assert_utc (g_array_index (starts, gint64, 0), 2021, 3, 15, 8, 0);
  assert_utc (g_array_index (starts, gint64, 1), 2021, 3, 22, 8, 0);
  assert_utc (g_array_index (starts, gint64, 2), 2021, 3, 29, 7, 0);
  assert_utc (g_array_index (starts, gint64, 3), 2021, 4, 5, 7, 0);

  /* a UTC UNTIL on the last one, after the change, still includes it */
  g_assert_true (sched_recurrence_expand ("FREQ=WEEKLY;UNTIL=20210405T070000Z",
                                          utc (2021, 3, 15, 8, 0), "Europe/Berlin", NULL, 0,
                                          SCHED_RECURRENCE_MAX_OCCURRENCES, &until_starts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (until_starts->len, ==, 4);
  assert_utc (g_array_index (until_starts, gint64, 3), 2021, 4, 5, 7, 0);
}

static void
test_date_until (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) starts = NULL;

  /* a date UNTIL includes its whole local day */
  g_assert_true (sched_recurrence_expand ("FREQ=DAILY;UNTIL=20210805", utc (2021, 8, 1, 9, 0),
                                          "Asia/Ho_Chi_Minh", NULL, 0,
                                          SCHED_RECURRENCE_MAX_OCCURRENCES, &starts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (starts->len, ==, 5);
  assert_utc (g_array_index (starts, gint64, 4), 2021, 8, 5, 9, 0);
}

typedef struct
{
  const char *rrule;
  const char *tzid;
  guint max_occurrences;
  gboolean exclude_start;
} BadSeries;

static void
test_refused (void)
{
  static const BadSeries cases[] = {
    { "", "Asia/Ho_Chi_Minh", 400, FALSE },
    { "RRULE:", "Asia/Ho_Chi_Minh", 400, FALSE },
    { "FREQ=DAILY", "Asia/Ho_Chi_Minh", 400, FALSE },
    { "FREQ=DAILY;COUNT=401", "Asia/Ho_Chi_Minh", 400, FALSE },
    { "FREQ=SECONDLY;UNTIL=20300101T000000Z", "Asia/Ho_Chi_Minh", 400, FALSE },
    { "FREQ=SECONDLY;COUNT=1000000", "Asia/Ho_Chi_Minh", 400, FALSE },
    { "FREQ=FOO;COUNT=2", "Asia/Ho_Chi_Minh", 400, FALSE },
    { "garbage", "Asia/Ho_Chi_Minh", 400, FALSE },
    { "FREQ=DAILY;COUNT=2;UNTIL=20211231T090000Z", "Asia/Ho_Chi_Minh", 400, FALSE },
    { "FREQ=DAILY;BYHOUR=25;COUNT=3", "Asia/Ho_Chi_Minh", 400, FALSE },
    { "FREQ=DAILY;UNTIL=20210701T090000Z", "Asia/Ho_Chi_Minh", 400, FALSE },
    { "FREQ=DAILY;COUNT=1", "Asia/Ho_Chi_Minh", 400, TRUE },
    { "FREQ=DAILY;COUNT=2", "Mars/Olympus", 400, FALSE },
    { "FREQ=DAILY;COUNT=2", "../../../etc/passwd", 400, FALSE },
    { "FREQ=DAILY;COUNT=2", "", 400, FALSE },
  };
  gint64 dtstart = utc (2021, 8, 1, 9, 0);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GArray) starts = NULL;

      g_test_message ("refusing “%s” in “%s”", cases[i].rrule, cases[i].tzid);
      g_assert_false (sched_recurrence_expand (
          cases[i].rrule, dtstart, cases[i].tzid, cases[i].exclude_start ? &dtstart : NULL,
          cases[i].exclude_start ? 1 : 0, cases[i].max_occurrences, &starts, &error));
      g_assert_error (error, HN_ERROR, HN_ERROR_INVALID);
      g_assert_null (starts);
      g_test_message ("  %s", error->message);
    }
}

static void
test_cap_message (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) starts = NULL;

  g_assert_false (sched_recurrence_expand ("FREQ=DAILY;COUNT=401", utc (2021, 8, 1, 9, 0),
                                           "Asia/Ho_Chi_Minh", NULL, 0, 400, &starts, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "400"));
  g_clear_error (&error);

  /* exactly at the cap is fine */
  g_assert_true (sched_recurrence_expand ("FREQ=DAILY;COUNT=400", utc (2021, 8, 1, 9, 0),
                                          "Asia/Ho_Chi_Minh", NULL, 0, 400, &starts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (starts->len, ==, 400);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/recurrence/daily-briefing", test_daily_briefing);
  g_test_add_func ("/recurrence/exdate", test_exdate);
  g_test_add_func ("/recurrence/count", test_count);
  g_test_add_func ("/recurrence/weekly-byday", test_weekly_byday);
  g_test_add_func ("/recurrence/dst-berlin", test_dst_berlin);
  g_test_add_func ("/recurrence/date-until", test_date_until);
  g_test_add_func ("/recurrence/refused", test_refused);
  g_test_add_func ("/recurrence/cap-message", test_cap_message);
  return g_test_run ();
}
