/* gen-2021-meetings: writes data/samples/2021-meetings.csv, a
 * reconstruction of the province's 2021 meetings shaped like the totals of
 * the office's 2021 report (see docs/STATISTICS.md).
 *
 * The report gives totals only; the individual meetings here are made up
 * with a fixed seed, so every run writes the same file:
 *   859 meetings held between the province and its districts/communes,
 *   286 of them online = 130 provincial-task meetings on the province's
 *   system + 3 training conferences on Zoom + 153 daily COVID-19 briefings
 *   (16:00 every day, 1 Aug - 31 Dec, province + all nine districts);
 *   the other 573 in person;
 *   beside them, 130 online meetings with the central government (a
 *   separate indicator), and 14 cancelled and 6 missed meetings that do
 *   not count.
 * Online meetings never share a room at the same time.
 *
 *   gen-2021-meetings > data/samples/2021-meetings.csv
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

static const char *const districts[]
    = { "243", "244", "246", "247", "248", "249", "251", "252", "253" };
/* two communes of each district (GSO codes), for meetings that reach them */
static const char *const communes[]
    = { "08707", "08710", "08734", "08737", "08761", "08764", "08869", "08872", "08908",
        "08911", "08935", "08936", "09025", "09028", "09076", "09079", "08773", "08776" };
static const char *const task_titles[] = { "Giao ban công tác tháng",
                                           "Triển khai kế hoạch chuyển đổi số",
                                           "Đôn đốc giải ngân vốn đầu tư công",
                                           "Rà soát công tác cải cách hành chính",
                                           "Triển khai nhiệm vụ phát triển kinh tế - xã hội",
                                           "Sơ kết công tác quý",
                                           "Phòng chống thiên tai và tìm kiếm cứu nạn",
                                           "Công tác giải phóng mặt bằng",
                                           "Xây dựng nông thôn mới",
                                           "Tiếp công dân và giải quyết khiếu nại" };
static const char *const training_titles[]
    = { "Tập huấn sử dụng phần mềm quản lý văn bản", "Tập huấn dịch vụ công trực tuyến",
        "Tập huấn chữ ký số" };
static const char *const central_titles[]
    = { "Hội nghị trực tuyến của Chính phủ với các địa phương",
        "Hội nghị trực tuyến toàn quốc về phòng chống dịch COVID-19",
        "Hội nghị trực tuyến triển khai nhiệm vụ của Bộ, ngành" };

typedef struct
{
  int day; /* day of 2021, 0-based */
  int slot;
} Slot;

static gboolean
is_holiday (GDate *date)
{
  int month = g_date_get_month (date), day = g_date_get_day (date);

  return (month == 1 && day == 1) || (month == 2 && day >= 10 && day <= 16)
         || (month == 4 && day == 21) || (month == 4 && day == 30)
         || (month == 9 && (day == 2 || day == 3));
}

static gboolean
is_working_day (int day)
{
  g_autoptr (GDate) date = g_date_new_dmy (1, 1, 2021);
  GDateWeekday weekday;

  g_date_add_days (date, day);
  weekday = g_date_get_weekday (date);
  return weekday != G_DATE_SATURDAY && weekday != G_DATE_SUNDAY && !is_holiday (date);
}

static char *
local_time (int day, int minutes)
{
  g_autoptr (GDateTime) base = g_date_time_new_utc (2021, 1, 1, 0, 0, 0);
  g_autoptr (GDateTime) at = g_date_time_add_minutes (base, day * 24 * 60 + minutes - 7 * 60);
  g_autoptr (GTimeZone) zone = g_time_zone_new_offset (7 * 3600);
  g_autoptr (GDateTime) local = g_date_time_to_timezone (at, zone);

  return g_date_time_format (local, "%Y-%m-%dT%H:%M:%S%:z");
}

static char *
pick_participants (GRand *rand, gboolean with_communes)
{
  g_autoptr (GString) list = g_string_new (NULL);
  int first = g_rand_int_range (rand, 0, 9);
  int count = g_rand_int_range (rand, 1, 10);

  for (int i = 0; i < count; i++)
    g_string_append_printf (list, "%s%s", i > 0 ? ";" : "", districts[(first + i) % 9]);
  if (with_communes)
    {
      int district = (first + g_rand_int_range (rand, 0, count)) % 9;

      g_string_append_printf (list, ";%s", communes[2 * district + g_rand_int_range (rand, 0, 2)]);
    }
  return g_string_free (g_steal_pointer (&list), FALSE);
}

/* RFC 4180: a field with a comma, a quote or a line break is quoted. */
static char *
field (const char *text)
{
  g_autoptr (GString) quoted = NULL;

  if (strpbrk (text, ",\"\r\n") == NULL)
    return g_strdup (text);
  quoted = g_string_new ("\"");
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (quoted, '"');
      g_string_append_c (quoted, *p);
    }
  g_string_append_c (quoted, '"');
  return g_string_free (g_steal_pointer (&quoted), FALSE);
}

static void
row (int *key, const char *title, const char *category, const char *chair, const char *participants,
     int day, int start, int minutes, const char *mode, const char *status, const char *outcome,
     const char *platform)
{
  g_autofree char *starts = local_time (day, start);
  g_autofree char *ends = local_time (day, start + minutes);
  g_autofree char *title_field = field (title);
  g_autofree char *platform_field = field (platform);

  (*key)++;
  printf ("2021-%04d,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,\n", *key, title_field, category, chair,
          participants, starts, ends, mode, status, outcome, platform_field);
}

int
main (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (2021);
  g_autoptr (GArray) slots = g_array_new (FALSE, FALSE, sizeof (Slot));
  g_autoptr (GArray) working = g_array_new (FALSE, FALSE, sizeof (int));
  int key = 0;
  guint next_slot = 0;

  /* two morning and afternoon slots a working day for online meetings,
   * shuffled; the 16:00 hour belongs to the briefing */
  for (int day = 0; day < 365; day++)
    if (is_working_day (day))
      {
        g_array_append_val (working, day);
        for (int slot = 0; slot < 2; slot++)
          {
            Slot s = { day, slot };

            g_array_append_val (slots, s);
          }
      }
  for (guint i = slots->len - 1; i > 0; i--)
    {
      guint j = g_rand_int_range (rand, 0, i + 1);
      Slot t = g_array_index (slots, Slot, i);

      g_array_index (slots, Slot, i) = g_array_index (slots, Slot, j);
      g_array_index (slots, Slot, j) = t;
    }

  printf ("# hoinghi: a RECONSTRUCTION of the 2021 meetings between the province of Vinh Phuc "
          "and its districts/communes, shaped like the totals of the office's 2021 report "
          "(859 held, 286 online = 130 + 3 on Zoom + 153 briefings); the meetings themselves "
          "are invented with a fixed seed by data/samples/gen-2021-meetings.c. See "
          "docs/STATISTICS.md.\n");
  printf ("key,title,category,chair_unit,participants,starts_at,ends_at,mode,status,outcome,"
          "platform,notes\n");

  /* 153 daily COVID-19 briefings, 1 Aug - 31 Dec at 16:00 */
  for (int day = 212; day < 365; day++)
    row (&key, "Giao ban phòng chống dịch COVID-19", "covid-briefing", "26",
         "243;244;246;247;248;249;251;252;253", day, 16 * 60, 60, "online", "held", "online-mcu",
         "");

  /* 130 provincial-task meetings online, 3 trainings on Zoom, 130 with the centre */
  for (int i = 0; i < 130 + 3 + 130; i++)
    {
      Slot s = g_array_index (slots, Slot, next_slot++);
      int start = s.slot == 0 ? 8 * 60 : 14 * 60;
      g_autofree char *participants = pick_participants (rand, i % 4 == 0);

      if (i < 130)
        row (&key, task_titles[i % G_N_ELEMENTS (task_titles)], "provincial-task", "26",
             participants, s.day, start, 120, "online", "held", "online-mcu", "");
      else if (i < 133)
        row (&key, training_titles[i - 130], "training", "26", participants, s.day, start, 90,
             "online", "held", "online-external", "Zoom");
      else
        {
          g_autofree char *with_province = g_strconcat ("26;", participants, NULL);

          row (&key, central_titles[i % G_N_ELEMENTS (central_titles)], "central", "central",
               with_province, s.day, start, 120, "online", "held", "online-external",
               "Hệ thống hội nghị truyền hình Chính phủ");
        }
    }

  /* 573 in person, 14 cancelled, 6 missed: rooms are not held online */
  for (int i = 0; i < 573 + 14 + 6; i++)
    {
      int day = g_array_index (working, int, g_rand_int_range (rand, 0, working->len));
      int start = (g_rand_boolean (rand) ? 8 : 14) * 60 + 30 * g_rand_int_range (rand, 0, 3);
      gboolean district_chairs = g_rand_int_range (rand, 0, 5) == 0;
      g_autofree char *participants = pick_participants (rand, i % 3 == 0);
      g_autofree char *chair = g_strdup (district_chairs ? districts[i % 9] : "26");
      const char *category = i % 25 == 0 ? "training" : i % 7 == 0 ? "other" : "provincial-task";
      const char *status = i < 573 ? "held" : i < 587 ? "cancelled" : "missed";

      if (district_chairs)
        {
          g_free (participants);
          participants = g_strdup ("26");
        }
      row (&key,
           g_str_equal (category, "training") ? training_titles[i % 3]
                                              : task_titles[i % G_N_ELEMENTS (task_titles)],
           category, chair, participants, day, start, 90, "in-person", status,
           i < 573 ? "in-person" : "", "");
    }
  return 0;
}
