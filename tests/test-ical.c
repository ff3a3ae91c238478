/* test-ical.c: the iCalendar feed (sched-ical.c), read back with libical. */
#include "config.h"

#include <string.h>

#include <glib.h>
#include <libical/ical.h>

#include "libhoinghi/hn-error.h"
#include "scheduler/sched-ical.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (icalcomponent, icalcomponent_free)

#define TZID "Asia/Ho_Chi_Minh"

/* a title with Vietnamese diacritics, a comma, a semicolon, a newline and a
 * backslash, long enough that its line must be folded */
static const char tricky_summary[] = "Họp báo về tình hình dịch COVID-19, tiêm chủng; "
                                     "phân bổ vắc-xin\nđợt 2 cho các quận, huyện \\ thành phố "
                                     "Thủ Đức";

static gint64
utc (int year, int month, int day, int hour, int minute)
{
  g_autoptr (GDateTime) dt = g_date_time_new_utc (year, month, day, hour, minute, 0);

  return g_date_time_to_unix (dt);
}

static void
fill_events (SchedIcalEvent events[3])
{
  memset (events, 0, 3 * sizeof (SchedIcalEvent));
  events[0] = (SchedIcalEvent){
    .uid = "meeting-1@hoinghi",
    .summary = "Giao ban COVID-19 hằng ngày",
    .description = "Báo cáo tình hình: số ca mắc mới, tử vong.",
    .location = "Phòng họp số 1, UBND tỉnh",
    .categories = "Y tế, Họp báo",
    .start_utc = utc (2021, 8, 1, 9, 0),
    .end_utc = utc (2021, 8, 1, 10, 0),
    .sequence = 0,
    .last_modified_utc = utc (2021, 7, 30, 2, 0),
  };
  events[1] = (SchedIcalEvent){
    .uid = "meeting-2@hoinghi",
    .summary = tricky_summary,
    .start_utc = utc (2021, 8, 2, 1, 30),
    .end_utc = utc (2021, 8, 2, 3, 0),
    .sequence = 3,
    .last_modified_utc = utc (2021, 8, 1, 12, 0),
  };
  events[2] = (SchedIcalEvent){
    .uid = "meeting-3@hoinghi",
    .summary = "Họp Ban chỉ đạo (hoãn)",
    .location = "Hội trường A",
    .start_utc = utc (2021, 9, 2, 2, 0),
    .end_utc = utc (2021, 9, 2, 4, 0),
    .cancelled = TRUE,
    .sequence = 1,
    .last_modified_utc = utc (2021, 8, 30, 8, 15),
  };
}

static char *
build (void)
{
  SchedIcalEvent events[3];
  g_autoptr (GError) error = NULL;
  char *feed;

  fill_events (events);
  feed = sched_ical_build_feed ("Lịch họp UBND tỉnh, 2021", TZID, events, 3, &error);
  g_assert_no_error (error);
  g_assert_nonnull (feed);
  return feed;
}

static void
test_lines (void)
{
  g_autofree char *feed = build ();
  gsize n_lines = 0;

  g_assert_true (g_utf8_validate (feed, -1, NULL));
  g_assert_true (g_str_has_prefix (feed, "BEGIN:VCALENDAR\r\n"));
  g_assert_true (g_str_has_suffix (feed, "END:VCALENDAR\r\n"));
  for (const char *line = feed; *line != '\0'; n_lines++)
    {
      const char *lf = strchr (line, '\n');

      g_assert_nonnull (lf);
      g_assert_cmpint (lf - line, >=, 1);
      g_assert_cmpint (lf[-1], ==, '\r');
      /* at most 75 octets, the CRLF excluded (RFC 5545 3.1) */
      g_assert_cmpint (lf - 1 - line, <=, 75);
      g_assert_null (memchr (line, '\r', lf - 1 - line));
      line = lf + 1;
    }
  g_assert_cmpuint (n_lines, >, 30);

  /* the tricky title is long enough to need folding */
  g_assert_nonnull (strstr (feed, "\r\n "));
  g_assert_nonnull (strstr (feed, "PRODID:-//hoinghi//hoinghi 0.1.0//VI\r\n"));
  g_assert_nonnull (strstr (feed, "VERSION:2.0\r\n"));
  g_assert_nonnull (strstr (feed, "CALSCALE:GREGORIAN\r\n"));
  g_assert_nonnull (strstr (feed, "METHOD:PUBLISH\r\n"));
  g_assert_nonnull (strstr (feed, "X-WR-TIMEZONE:" TZID "\r\n"));
  g_assert_nonnull (strstr (feed, "DTSTART;TZID=" TZID ":20210801T160000\r\n"));
  g_assert_nonnull (strstr (feed, "DTSTAMP:20210730T020000Z\r\n"));
  g_assert_null (strstr (feed, "freeassociation"));
}

static const char *
text_property (icalcomponent *comp, icalproperty_kind kind)
{
  icalproperty *prop = icalcomponent_get_first_property (comp, kind);

  g_assert_nonnull (prop);
  return icalvalue_get_text (icalproperty_get_value (prop));
}

static gint64
zoned_time (icalcomponent *calendar, icalcomponent *vevent, icalproperty_kind kind)
{
  icalproperty *prop = icalcomponent_get_first_property (vevent, kind);
  icalparameter *param;
  icaltimezone *zone;
  struct icaltimetype tt;

  g_assert_nonnull (prop);
  param = icalproperty_get_first_parameter (prop, ICAL_TZID_PARAMETER);
  g_assert_nonnull (param);
  g_assert_cmpstr (icalparameter_get_tzid (param), ==, TZID);
  /* resolved through the feed's own VTIMEZONE, not libical's built-in one */
  zone = icalcomponent_get_timezone (calendar, TZID);
  g_assert_nonnull (zone);
  tt = icalvalue_get_datetime (icalproperty_get_value (prop));
  return icaltime_as_timet_with_zone (tt, zone);
}

static void
test_round_trip (void)
{
  g_autofree char *feed = build ();
  g_autoptr (icalcomponent) calendar = icalparser_parse_string (feed);
  SchedIcalEvent events[3];
  icalcomponent *vtimezone;
  icalcomponent *vevent;
  icalproperty *prop;
  guint n_events = 0;

  fill_events (events);
  g_assert_nonnull (calendar);
  g_assert_cmpint (icalcomponent_isa (calendar), ==, ICAL_VCALENDAR_COMPONENT);
  g_assert_cmpint (icalcomponent_count_components (calendar, ICAL_VTIMEZONE_COMPONENT), ==, 1);
  vtimezone = icalcomponent_get_first_component (calendar, ICAL_VTIMEZONE_COMPONENT);
  prop = icalcomponent_get_first_property (vtimezone, ICAL_TZID_PROPERTY);
  g_assert_cmpstr (icalproperty_get_tzid (prop), ==, TZID);
  g_assert_cmpint (icalcomponent_count_components (calendar, ICAL_VEVENT_COMPONENT), ==, 3);
  prop = icalcomponent_get_first_property (calendar, ICAL_X_PROPERTY);
  g_assert_cmpstr (icalproperty_get_x_name (prop), ==, "X-WR-CALNAME");
  g_assert_cmpstr (icalproperty_get_x (prop), ==, "Lịch họp UBND tỉnh, 2021");

  for (vevent = icalcomponent_get_first_component (calendar, ICAL_VEVENT_COMPONENT); vevent != NULL;
       vevent = icalcomponent_get_next_component (calendar, ICAL_VEVENT_COMPONENT))
    {
      const SchedIcalEvent *expected = &events[n_events++];

      g_assert_cmpstr (icalcomponent_get_uid (vevent), ==, expected->uid);
      g_assert_cmpstr (text_property (vevent, ICAL_SUMMARY_PROPERTY), ==, expected->summary);
      g_assert_cmpint (icalcomponent_get_status (vevent), ==,
                       expected->cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED);
      g_assert_cmpint (icalcomponent_get_sequence (vevent), ==, expected->sequence);
      g_assert_cmpint (zoned_time (calendar, vevent, ICAL_DTSTART_PROPERTY), ==,
                       expected->start_utc);
      g_assert_cmpint (zoned_time (calendar, vevent, ICAL_DTEND_PROPERTY), ==, expected->end_utc);
      g_assert_cmpint (icaltime_as_timet (icalcomponent_get_dtstamp (vevent)), ==,
                       expected->last_modified_utc);
      if (expected->location != NULL)
        g_assert_cmpstr (text_property (vevent, ICAL_LOCATION_PROPERTY), ==, expected->location);
      if (expected->description != NULL)
        g_assert_cmpstr (text_property (vevent, ICAL_DESCRIPTION_PROPERTY), ==,
                         expected->description);
    }
  g_assert_cmpuint (n_events, ==, 3);

  /* "Y tế, Họp báo" became two categories */
  vevent = icalcomponent_get_first_component (calendar, ICAL_VEVENT_COMPONENT);
  g_assert_cmpint (icalcomponent_count_properties (vevent, ICAL_CATEGORIES_PROPERTY), ==, 2);
  prop = icalcomponent_get_first_property (vevent, ICAL_CATEGORIES_PROPERTY);
  g_assert_cmpstr (icalproperty_get_categories (prop), ==, "Y tế");
  prop = icalcomponent_get_next_property (vevent, ICAL_CATEGORIES_PROPERTY);
  g_assert_cmpstr (icalproperty_get_categories (prop), ==, "Họp báo");
}

static void
test_stable (void)
{
  g_autofree char *first = build ();
  g_autofree char *second = build ();

  /* an unchanged calendar gives the same bytes, so its ETag holds */
  g_assert_cmpstr (first, ==, second);
}

static void
test_empty_and_utc (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *empty = sched_ical_build_feed ("Trống", TZID, NULL, 0, &error);
  g_autofree char *in_utc = NULL;
  SchedIcalEvent events[3];

  g_assert_no_error (error);
  g_assert_nonnull (strstr (empty, "BEGIN:VTIMEZONE\r\n"));
  g_assert_null (strstr (empty, "BEGIN:VEVENT"));

  fill_events (events);
  in_utc = sched_ical_build_feed ("UTC", "UTC", events, 3, &error);
  g_assert_no_error (error);
  g_assert_null (strstr (in_utc, "BEGIN:VTIMEZONE"));
  g_assert_nonnull (strstr (in_utc, "DTSTART:20210801T090000Z\r\n"));
}

static void
test_carriage_return (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *feed = NULL;
  g_autoptr (icalcomponent) calendar = NULL;
  SchedIcalEvent events[3];

  fill_events (events);
  events[0].description = "dòng 1\r\ndòng 2\rdòng 3";
  feed = sched_ical_build_feed ("Lịch", TZID, events, 1, &error);
  g_assert_no_error (error);
  calendar = icalparser_parse_string (feed);
  g_assert_cmpstr (
      text_property (icalcomponent_get_first_component (calendar, ICAL_VEVENT_COMPONENT),
                     ICAL_DESCRIPTION_PROPERTY),
      ==, "dòng 1\ndòng 2\ndòng 3");
}

/* The feed's own VTIMEZONE must carry the DST rules: a summer and a winter
 * meeting at 09:00 in Berlin read back at 07:00 and 08:00 UTC. */
static void
test_dst_berlin (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *feed = NULL;
  g_autoptr (icalcomponent) calendar = NULL;
  icalcomponent *vevent;
  SchedIcalEvent events[2] = {
    { .uid = "summer@hoinghi",
      .summary = "Sommer",
      .start_utc = utc (2021, 7, 5, 7, 0),
      .end_utc = utc (2021, 7, 5, 8, 0) },
    { .uid = "winter@hoinghi",
      .summary = "Winter",
      .start_utc = utc (2021, 12, 6, 8, 0),
      .end_utc = utc (2021, 12, 6, 9, 0) },
  };

  feed = sched_ical_build_feed ("Berlin", "Europe/Berlin", events, 2, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (feed, "DTSTART;TZID=Europe/Berlin:20210705T090000\r\n"));
  g_assert_nonnull (strstr (feed, "DTSTART;TZID=Europe/Berlin:20211206T090000\r\n"));
  calendar = icalparser_parse_string (feed);
  vevent = icalcomponent_get_first_component (calendar, ICAL_VEVENT_COMPONENT);
  for (gsize i = 0; i < 2; i++)
    {
      icalproperty *prop = icalcomponent_get_first_property (vevent, ICAL_DTSTART_PROPERTY);
      icaltimezone *zone = icalcomponent_get_timezone (calendar, "Europe/Berlin");
      struct icaltimetype tt = icalvalue_get_datetime (icalproperty_get_value (prop));

      g_assert_nonnull (zone);
      g_assert_cmpint (icaltime_as_timet_with_zone (tt, zone), ==, events[i].start_utc);
      vevent = icalcomponent_get_next_component (calendar, ICAL_VEVENT_COMPONENT);
    }
}

static void
test_refused (void)
{
  SchedIcalEvent events[3];
  struct
  {
    const char *tzid;
    const char *uid;
    const char *summary;
    gint64 end_utc;
  } cases[] = {
    { "Mars/Olympus", NULL, NULL, 0 },
    { "../../../etc/passwd", NULL, NULL, 0 },
    { "", NULL, NULL, 0 },
    { TZID, "", NULL, 0 },
    { TZID, "bad\xff@hoinghi", NULL, 0 },
    { TZID, NULL, "H\xe1p", 0 },
    { TZID, NULL, "bell\a", 0 },
    { TZID, NULL, NULL, utc (2021, 8, 1, 8, 59) },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *feed = NULL;

      fill_events (events);
      if (cases[i].uid != NULL)
        events[0].uid = cases[i].uid;
      if (cases[i].summary != NULL)
        events[0].summary = cases[i].summary;
      if (cases[i].end_utc != 0)
        events[0].end_utc = cases[i].end_utc;
      feed = sched_ical_build_feed ("Lịch", cases[i].tzid, events, 3, &error);
      g_assert_error (error, HN_ERROR, HN_ERROR_INVALID);
      g_assert_null (feed);
      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, error->message);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ical/lines", test_lines);
  g_test_add_func ("/ical/round-trip", test_round_trip);
  g_test_add_func ("/ical/stable", test_stable);
  g_test_add_func ("/ical/empty-and-utc", test_empty_and_utc);
  g_test_add_func ("/ical/carriage-return", test_carriage_return);
  g_test_add_func ("/ical/dst-berlin", test_dst_berlin);
  g_test_add_func ("/ical/refused", test_refused);
  return g_test_run ();
}
