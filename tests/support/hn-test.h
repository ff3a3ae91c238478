/* hn-test.h: the test harness of hoinghi's integration tests.
 *
 * Temporary data directories, free loopback ports, our daemons started
 * and waited for (by polling /healthz), programs run to completion, a
 * small HTTP client, and an Xvfb display for GTK tests.  Every process a
 * test starts dies with the test process (PR_SET_PDEATHSIG), so a failed
 * assertion never leaves a daemon behind; what it wrote stays under
 * tests/tmp/ in the build tree for a look.
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

void hn_test_init (int *argc, char ***argv);

char *hn_test_build_path (const char *relative);
char *hn_test_source_path (const char *relative);
char *hn_test_make_tmpdir (const char *label);
void hn_test_remove_tree (const char *path);
guint16 hn_test_free_port (void);

/* The machine's CPU time (all cores, from /proc/stat): idle and in all. */
typedef struct
{
  guint64 idle, total;
} HnTestCpuMark;

/* Below this share of idle time the machine was saturated: real-time
 * bounds (freezes, gaps) then say nothing about the program measured. */
#define HN_TEST_SATURATED_IDLE 0.05

HnTestCpuMark hn_test_cpu_mark (void);
double hn_test_cpu_idle_since (const HnTestCpuMark *mark);

typedef struct _HnTestDaemon HnTestDaemon;

HnTestDaemon *hn_test_daemon_start (const char *program, const char *const *extra_args,
                                    GError **error);
gboolean hn_test_daemon_restart (HnTestDaemon *daemon, GError **error);
const char *hn_test_daemon_get_url (HnTestDaemon *daemon);
const char *hn_test_daemon_get_data_dir (HnTestDaemon *daemon);
guint16 hn_test_daemon_get_port (HnTestDaemon *daemon);
GPid hn_test_daemon_get_pid (HnTestDaemon *daemon);
char *hn_test_daemon_get_log (HnTestDaemon *daemon);
int hn_test_daemon_stop (HnTestDaemon *daemon, int signal_number, guint timeout_ms);
void hn_test_daemon_free (HnTestDaemon *daemon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HnTestDaemon, hn_test_daemon_free)

int hn_test_run (const char *const *argv, const char *const *env_overrides, char **standard_output,
                 char **standard_error);

int hn_test_run_with_input (const char *const *argv, const char *const *env_overrides,
                            const char *input, char **standard_output, char **standard_error);

typedef struct
{
  guint status;
  char *body; /* NUL-terminated, and binary-safe with length */
  gsize length;
  SoupMessageHeaders *headers;
} HnTestResponse;

HnTestResponse *hn_test_request (const char *method, const char *url, const char *const *headers,
                                 const char *content_type, const char *body, gssize body_length);
void hn_test_response_free (HnTestResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HnTestResponse, hn_test_response_free)

guint hn_test_http (const char *method, const char *url, const char *const *headers,
                    const char *content_type, const char *body, gssize body_length,
                    char **response_body);

/* Scheduler users made for tests all have this password. */
#define HN_TEST_PASSWORD "mat-khau-123"

void hn_test_scheduler_add_user (HnTestDaemon *daemon, const char *login, const char *role,
                                 const char *unit);
char *hn_test_scheduler_login (HnTestDaemon *daemon, const char *login);

typedef struct _HnTestXvfb HnTestXvfb;

HnTestXvfb *hn_test_xvfb_start (GError **error);
void hn_test_xvfb_free (HnTestXvfb *xvfb);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HnTestXvfb, hn_test_xvfb_free)

/* Headless Chromium or Firefox as a real WebRTC client.  The join page (data/web/join.js)
 * logs one console line a second: this prefix and a JSON object. */
#define HN_TEST_BROWSER_STATUS "HOINGHI-STATUS"

typedef struct _HnTestBrowser HnTestBrowser;

/* Whether a console message (the text after the prefix) is the one awaited. */
typedef gboolean (*HnTestBrowserAccept) (const char *text, gpointer user_data);

typedef enum
{
  HN_TEST_BROWSER_CHROMIUM,
  HN_TEST_BROWSER_FIREFOX,
} HnTestBrowserKind;

HnTestBrowser *hn_test_browser_start (HnTestBrowserKind kind, const char *url,
                                      const char *fake_audio, GError **error);
char *hn_test_browser_wait_for_line (HnTestBrowser *browser, const char *prefix, guint timeout_ms,
                                     HnTestBrowserAccept accept, gpointer user_data);
char *hn_test_browser_get_log (HnTestBrowser *browser);
void hn_test_browser_free (HnTestBrowser *browser);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HnTestBrowser, hn_test_browser_free)

G_END_DECLS
