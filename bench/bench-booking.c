/* bench-booking.c: booking throughput and latency over HTTP, against the
 * ceiling of plain SQLite INSERT transactions with the same durability.
 *
 * The database first receives ten years of meetings (about 9,000, spread
 * over working days, plus a daily series a year), so the conflict check
 * and the month listing run against a realistic index.  Then a real
 * hoinghi-scheduler process takes bookings from 1 and from 8 concurrent
 * clients (conflict checking on, every booking fsynced), and in the same
 * run the same number of bare INSERT transactions (WAL, synchronous=FULL)
 * give the ceiling.  Last, the listing of one month for a district and
 * its communes; and the online-meeting ratio of one year grouped by month,
 * against counting the same by scanning every meeting row.
 */
#define G_LOG_DOMAIN "bench-booking"

#include "config.h"

#include <json-glib/json-glib.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sched-auth.h"
#include "sched-db.h"
#include "sched-meetings.h"
#include "support/hn-test.h"

#define BOOKINGS 800
/* each measure taken this many times, interleaved, and the median kept:
 * a fsync's cost on a shared machine swings by half from one second to
 * the next, so each round's bookings are also set against that round's
 * ceiling */
#define ROUNDS 7
#define LISTINGS 400
#define YEARS 10

static const char *const districts[]
    = { "243", "244", "246", "247", "248", "249", "251", "252", "253" };

static int
compare (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *values, double p)
{
  g_array_sort (values, compare);
  return g_array_index (values, double, (guint) ((values->len - 1) * p));
}

/* Ten years of meetings, written through the scheduler's own code. */
static void
seed (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SchedDb) db = sched_db_open (path, 0, &error);
  SchedRequest request = { .now = 1 };
  guint n = 0;

  g_assert_no_error (error);
  g_assert_true (sched_auth_add_user (db, "bench", "admin", "26", HN_TEST_PASSWORD, 1, &error));
  g_assert_true (sched_db_begin (db, &error));
  for (int year = 2016; year < 2016 + YEARS; year++)
    for (int day = 0; day < 365; day++)
      {
        g_autoptr (GDateTime) date = g_date_time_new_utc (year, 1, 1, 1, 0, 0);
        g_autoptr (GDateTime) when = g_date_time_add_days (date, day);
        int weekday = g_date_time_get_day_of_week (when);
        /* ~3.6 meetings a working day: about 900 a year */
        int count = weekday >= 6 ? 0 : 3 + (day % 5 == 0);

        for (int k = 0; k <= count; k++)
          {
            g_auto (SchedMeetingDraft) draft = { 0 };
            g_autoptr (GArray) rooms = NULL;
            const char *participants[] = { districts[(day + k) % 9], NULL };
            gboolean daily = k == count; /* the daily briefing */

            const char *with_province[] = { "26", NULL };

            draft.title = g_strdup (daily ? "Giao ban hằng ngày" : "Họp chuyên đề");
            draft.category = g_strdup (daily ? "covid-briefing" : "provincial-task");
            draft.chair_unit = g_strdup (daily ? "26" : districts[(day + k + 3) % 9]);
            draft.participants = g_strdupv ((GStrv) (daily ? participants : with_province));
            draft.starts_at = g_date_time_to_unix (when) + (daily ? 8 : k) * 3600;
            draft.ends_at = draft.starts_at + 3600;
            draft.mode = g_strdup (k % 3 == 0 ? "in-person" : "online");
            if (!daily && weekday >= 6)
              continue;
            g_assert_true (sched_meeting_draft_rooms (db, &draft, &rooms, &error));
            g_assert_cmpint (sched_meeting_insert (db, &request, &draft, rooms, &error), >, 0);
            n++;
          }
      }
  /* every one of them took place, online as planned or in the room */
  g_assert_true (sched_db_exec (db,
                                "UPDATE meetings SET status = 'held', "
                                "held_online = (mode != 'in-person'), "
                                "evidence = CASE mode WHEN 'in-person' THEN 'none' ELSE 'mcu' END",
                                &error));
  g_assert_true (sched_db_commit (db, &error));
  g_print ("seeded %u meetings over %d years\n", n, YEARS);
}

/* A lean HTTP/1.1 client for the load: connect, write the request, read
 * until the server closes (it answers Connection: close).  A SoupSession
 * per request cost the clients more CPU than the server spends on a
 * booking, on the same two cores; the requests are written before the
 * clock starts. */
static guint
post_raw (GSocketAddress *address, const char *request)
{
  g_autoptr (GSocket) socket = NULL;
  char answer[4096];
  gsize got = 0;
  gssize n;
  guint status = 0;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  if (socket == NULL || !g_socket_connect (socket, address, NULL, NULL))
    return 0;
  if (g_socket_send (socket, request, strlen (request), NULL, NULL) < 0)
    return 0;
  while ((n = g_socket_receive (socket, answer + got, sizeof answer - 1 - got, NULL, NULL)) > 0)
    {
      got += n;
      if (got >= sizeof answer - 1)
        got = 16; /* keep the status line; the rest does not matter */
    }
  answer[got] = '\0';
  if (g_str_has_prefix (answer, "HTTP/1.1 "))
    status = (guint) g_ascii_strtoull (answer + 9, NULL, 10);
  return status;
}

/* The booking of slot @i (two hours apart from 2030 on), as sent. */
static char *
booking_request (const char *auth, guint i)
{
  g_autoptr (GDateTime) base = g_date_time_new_utc (2030, 1, 1, 0, 0, 0);
  g_autoptr (GDateTime) start = g_date_time_add_hours (base, 2 * i);
  g_autoptr (GDateTime) end = g_date_time_add_hours (start, 1);
  g_autofree char *s = g_date_time_format (start, "%Y-%m-%dT%H:%M:%S+00:00");
  g_autofree char *e = g_date_time_format (end, "%Y-%m-%dT%H:%M:%S+00:00");
  g_autofree char *body = g_strdup_printf (
      "{\"title\":\"Đo tải %u\",\"category\":\"provincial-task\",\"chair_unit\":\"26\","
      "\"participants\":[\"243\",\"248\"],\"starts_at\":\"%s\",\"ends_at\":\"%s\","
      "\"mode\":\"online\"}",
      i, s, e);

  return g_strdup_printf ("POST /api/v1/meetings HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Authorization: %s\r\nContent-Type: application/json\r\n"
                          "Content-Length: %zu\r\n\r\n%s",
                          auth, strlen (body), body);
}

typedef struct
{
  GSocketAddress *address;
  GPtrArray *requests;
  GArray *latencies;
  guint failures;
} Client;

static gpointer
run_client (gpointer data)
{
  Client *client = data;

  for (guint i = 0; i < client->requests->len; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      guint status = post_raw (client->address, client->requests->pdata[i]);
      double ms = (g_get_monotonic_time () - t0) / 1000.0;

      if (status != 201)
        client->failures++;
      g_array_append_val (client->latencies, ms);
    }
  return NULL;
}

/* CPU seconds a process has used (user + system). */
static double
cpu_seconds (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *text = NULL;
  g_auto (GStrv) fields = NULL;
  const char *after_name;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (after_name = strrchr (text, ')')) == NULL)
    return 0;
  fields = g_strsplit (after_name + 2, " ", -1);
  /* utime and stime are fields 14 and 15 of stat, 12 and 13 after the name */
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL))
         / sysconf (_SC_CLK_TCK);
}

typedef struct
{
  double rate, p50, p99, server_ms, client_ms;
  double ratio; /* rate / the same round's ceiling */
} Measure;

/* BOOKINGS bookings from @clients clients at once, slots from @offset on;
 * the CPU of the server (@server) and of this process counted while they
 * run. */
static void
book (guint16 port, GPid server, const char *auth, guint clients, guint offset, Measure *m)
{
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr (GArray) all = g_array_new (FALSE, FALSE, sizeof (double));
  Client c[8] = { 0 };
  GThread *threads[8];
  gint64 t0;
  double server0, client0;
  guint failures = 0;

  for (guint i = 0; i < clients; i++)
    {
      c[i].address = address;
      c[i].requests = g_ptr_array_new_with_free_func (g_free);
      for (guint k = 0; k < BOOKINGS / clients; k++)
        g_ptr_array_add (c[i].requests,
                         booking_request (auth, offset + i * (BOOKINGS / clients) + k));
      c[i].latencies = g_array_new (FALSE, FALSE, sizeof (double));
    }
  server0 = cpu_seconds (server);
  client0 = cpu_seconds (getpid ());
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < clients; i++)
    threads[i] = g_thread_new ("client", run_client, &c[i]);
  for (guint i = 0; i < clients; i++)
    {
      g_thread_join (threads[i]);
      g_array_append_vals (all, c[i].latencies->data, c[i].latencies->len);
      failures += c[i].failures;
    }
  m->rate = BOOKINGS / ((g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC);
  m->server_ms = (cpu_seconds (server) - server0) * 1000 / BOOKINGS;
  m->client_ms = (cpu_seconds (getpid ()) - client0) * 1000 / BOOKINGS;
  for (guint i = 0; i < clients; i++)
    {
      g_ptr_array_unref (c[i].requests);
      g_array_unref (c[i].latencies);
    }
  g_assert_cmpuint (failures, ==, 0);
  m->p50 = percentile (all, 0.5);
  m->p99 = percentile (all, 0.99);
}

/* The ceiling: the same number of one-row transactions, same settings. */
static double
bare_inserts (const char *dir, guint round)
{
  g_autofree char *name = g_strdup_printf ("ceiling-%u.db", round);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  sqlite3 *handle = NULL;
  sqlite3_stmt *insert = NULL;
  gint64 t0;

  g_assert_cmpint (sqlite3_open (path, &handle), ==, SQLITE_OK);
  sqlite3_exec (handle,
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                "CREATE TABLE t (id INTEGER PRIMARY KEY, title TEXT, starts_at INTEGER)",
                NULL, NULL, NULL);
  sqlite3_prepare_v2 (handle, "INSERT INTO t (title, starts_at) VALUES (?1, ?2)", -1, &insert,
                      NULL);
  t0 = g_get_monotonic_time ();
  for (int i = 0; i < BOOKINGS; i++)
    {
      sqlite3_exec (handle, "BEGIN IMMEDIATE", NULL, NULL, NULL);
      sqlite3_bind_text (insert, 1, "Đo tải", -1, SQLITE_STATIC);
      sqlite3_bind_int64 (insert, 2, i);
      g_assert_cmpint (sqlite3_step (insert), ==, SQLITE_DONE);
      sqlite3_reset (insert);
      sqlite3_exec (handle, "COMMIT", NULL, NULL, NULL);
    }
  sqlite3_finalize (insert);
  sqlite3_close (handle);
  return BOOKINGS / ((g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC);
}

static int
compare_rates (gconstpointer a, gconstpointer b)
{
  return compare (&((const Measure *) a)->rate, &((const Measure *) b)->rate);
}

static int
compare_ratios (gconstpointer a, gconstpointer b)
{
  return compare (&((const Measure *) a)->ratio, &((const Measure *) b)->ratio);
}

/* The round with the median rate, its latencies and CPU with it; and the
 * median of the rounds' ratios to their ceilings. */
static Measure
median_of (const Measure *rounds)
{
  Measure sorted[ROUNDS], median;

  memcpy (sorted, rounds, sizeof sorted);
  qsort (sorted, ROUNDS, sizeof (Measure), compare_ratios);
  median.ratio = sorted[ROUNDS / 2].ratio;
  qsort (sorted, ROUNDS, sizeof (Measure), compare_rates);
  median = (Measure){ .rate = sorted[ROUNDS / 2].rate,
                      .p50 = sorted[ROUNDS / 2].p50,
                      .p99 = sorted[ROUNDS / 2].p99,
                      .server_ms = sorted[ROUNDS / 2].server_ms,
                      .client_ms = sorted[ROUNDS / 2].client_ms,
                      .ratio = median.ratio };
  return median;
}

/* The baseline: every meeting row read and counted in C, no index used. */
static void
ratio_by_scanning (const char *path, gint64 from, gint64 to, gint64 held[12], gint64 online[12])
{
  sqlite3 *handle = NULL;
  sqlite3_stmt *stmt = NULL;

  memset (held, 0, 12 * sizeof (gint64));
  memset (online, 0, 12 * sizeof (gint64));
  g_assert_cmpint (sqlite3_open_v2 (path, &handle, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (handle,
                                       "SELECT m.starts_at, m.status, m.held_online, "
                                       "(SELECT group_concat (u.level) FROM meeting_units mu "
                                       "JOIN units u ON u.code = mu.unit_code "
                                       "WHERE mu.meeting_id = m.id) FROM meetings m",
                                       -1, &stmt, NULL),
                   ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 start = sqlite3_column_int64 (stmt, 0);
      const char *levels = (const char *) sqlite3_column_text (stmt, 3);
      g_autoptr (GDateTime) local = NULL;
      int month;

      if (start < from || start >= to || levels == NULL || strstr (levels, "province") == NULL
          || (strstr (levels, "district") == NULL && strstr (levels, "commune") == NULL)
          || strstr (levels, "central") != NULL
          || !g_str_equal ((const char *) sqlite3_column_text (stmt, 1), "held"))
        continue;
      local = g_date_time_new_from_unix_utc (start + 7 * 3600);
      month = g_date_time_get_month (local) - 1;
      held[month]++;
      online[month] += sqlite3_column_int (stmt, 2) == 1;
    }
  sqlite3_finalize (stmt);
  sqlite3_close (handle);
}

static void
ratio (const char *base_url, const char *auth, const char *db_path)
{
  g_autofree char *url = g_strconcat (base_url,
                                      "/api/v1/stats/online-ratio?from=2024-01-01T00:00:00%2B07:00"
                                      "&to=2025-01-01T00:00:00%2B07:00&group=month",
                                      NULL);
  g_autoptr (GArray) indexed = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) scanned = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GDateTime) from = g_date_time_new_utc (2023, 12, 31, 17, 0, 0);
  g_autoptr (GDateTime) to = g_date_time_new_utc (2024, 12, 31, 17, 0, 0);
  const char *headers[] = { "Authorization", auth, NULL };
  gint64 held[12], online[12], total_held = 0, total_online = 0;
  double i50, i99, s50, s99;

  for (int i = 0; i < LISTINGS; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr (HnTestResponse) r = hn_test_request ("GET", url, headers, NULL, NULL, 0);
      double ms = (g_get_monotonic_time () - t0) / 1000.0;

      g_assert_cmpuint (r->status, ==, 200);
      g_array_append_val (indexed, ms);
    }
  for (int i = 0; i < LISTINGS / 10; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      double ms;

      ratio_by_scanning (db_path, g_date_time_to_unix (from), g_date_time_to_unix (to), held,
                         online);
      ms = (g_get_monotonic_time () - t0) / 1000.0;
      g_array_append_val (scanned, ms);
    }
  for (int m = 0; m < 12; m++)
    total_held += held[m], total_online += online[m];
  i50 = percentile (indexed, 0.5);
  i99 = percentile (indexed, 0.99);
  s50 = percentile (scanned, 0.5);
  s99 = percentile (scanned, 0.99);
  g_print ("online-meeting ratio of 2024 by month (%" G_GINT64_FORMAT " held, %" G_GINT64_FORMAT
           " online)\n",
           total_held, total_online);
  g_print ("  over HTTP, indexed:          p50 %.2f ms, p99 %.2f ms\n", i50, i99);
  g_print ("  scanning every row (in-process baseline): p50 %.2f ms, p99 %.2f ms\n", s50, s99);
  g_print ("  baseline / indexed at p50: %.1f\n", s50 / i50);
}

static void
listing (const char *base_url, const char *auth, double *p50, double *p99)
{
  g_autofree char *url = g_strconcat (base_url,
                                      "/api/v1/meetings?unit=248&from=2025-03-01T00:00:00%2B07:00"
                                      "&to=2025-04-01T00:00:00%2B07:00",
                                      NULL);
  g_autoptr (GArray) latencies = g_array_new (FALSE, FALSE, sizeof (double));
  const char *headers[] = { "Authorization", auth, NULL };

  for (int i = 0; i < LISTINGS; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr (HnTestResponse) r = hn_test_request ("GET", url, headers, NULL, NULL, 0);
      double ms = (g_get_monotonic_time () - t0) / 1000.0;

      g_assert_cmpuint (r->status, ==, 200);
      g_array_append_val (latencies, ms);
    }
  *p50 = percentile (latencies, 0.5);
  *p99 = percentile (latencies, 0.99);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HnTestDaemon) daemon = NULL;
  g_autofree char *dir = hn_test_make_tmpdir ("bench-booking");
  g_autofree char *data_dir = g_build_filename (dir, "data", NULL);
  g_autofree char *db_path = g_build_filename (data_dir, "scheduler.db", NULL);
  g_autofree char *data_arg = g_strdup_printf ("--data-dir=%s", data_dir);
  g_autofree char *auth = NULL;
  Measure measures[3][ROUNDS] = { 0 };
  double l50, l99;

  g_mkdir_with_parents (data_dir, 0750);
  seed (db_path);
  {
    /* the last --data-dir wins: the seeded one, not the harness's own */
    const char *args[] = { data_arg, NULL };

    daemon = hn_test_daemon_start ("scheduler/hoinghi-scheduler", args, &error);
    g_assert_no_error (error);
  }
  {
    g_autofree char *token = hn_test_scheduler_login (daemon, "bench");
    auth = g_strconcat ("Bearer ", token, NULL);
  }

  for (guint round = 0; round < ROUNDS; round++)
    {
      measures[0][round].rate = bare_inserts (dir, round);
      for (guint k = 1; k <= 2; k++)
        {
          Measure *m = &measures[k][round];

          book (hn_test_daemon_get_port (daemon), hn_test_daemon_get_pid (daemon), auth,
                k == 1 ? 1 : 8, (2 * round + k - 1) * BOOKINGS, m);
          m->ratio = m->rate / measures[0][round].rate;
        }
    }
  listing (hn_test_daemon_get_url (daemon), auth, &l50, &l99);

  g_print ("bookings over HTTP (conflict check on, synchronous=FULL), %d each; the median of %d "
           "interleaved rounds\n",
           BOOKINGS, ROUNDS);
  g_print ("  %-34s %8s %8s %8s %10s %14s\n", "", "per s", "p50 ms", "p99 ms", "/ ceiling",
           "CPU ms server");
  for (guint k = 0; k < 3; k++)
    {
      static const char *const names[]
          = { "bare INSERT transactions (ceiling)", "HTTP, 1 client", "HTTP, 8 clients" };
      Measure median = median_of (measures[k]);

      if (k == 0)
        {
          g_print ("  %-34s %8.0f %8s %8s %10s %14s\n", names[k], median.rate, "-", "-", "1.00",
                   "-");
        }
      else
        g_print ("  %-34s %8.0f %8.2f %8.2f %10.2f %8.2f (+%.2f in the clients)\n", names[k],
                 median.rate, median.p50, median.p99, median.ratio, median.server_ms,
                 median.client_ms);
    }
  {
    /* the ceiling waits on the disk, a booking on the CPU: what the CPU a
     * booking takes (server and load clients) allows on this machine's
     * cores, against the ceiling, says which of the two bounds a run */
    Measure eight = median_of (measures[2]);
    Measure ceiling = median_of (measures[0]);
    long cores = sysconf (_SC_NPROCESSORS_ONLN);
    double limit = cores * 1000.0 / (eight.server_ms + eight.client_ms);

    g_print ("  the CPU of a booking with 8 clients (%.2f + %.2f ms) allows at most %.0f/s on %ld "
             "cores: %.2f of the ceiling\n",
             eight.server_ms, eight.client_ms, limit, cores, limit / ceiling.rate);
  }
  g_print ("  rounds, per s (ceiling / 1 client / 8 clients):");
  for (guint round = 0; round < ROUNDS; round++)
    g_print (" %.0f/%.0f/%.0f", measures[0][round].rate, measures[1][round].rate,
             measures[2][round].rate);
  g_print ("\n  on %ld cores\n", sysconf (_SC_NPROCESSORS_ONLN));
  g_print ("listing one month of district 248 and its communes, %d requests\n", LISTINGS);
  g_print ("  p50 %.2f ms, p99 %.2f ms\n", l50, l99);
  ratio (hn_test_daemon_get_url (daemon), auth, db_path);
  hn_test_daemon_stop (daemon, SIGTERM, 10000);
  hn_test_remove_tree (dir);
  return 0;
}
