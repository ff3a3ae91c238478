/* hn-test-process.h: a program run in the background by a test (an
 * endpoint, a browser), its output collected as it goes. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _HnTestProcess HnTestProcess;

HnTestProcess *hn_test_process_start (const char *const *argv, GError **error);
void hn_test_process_kill (HnTestProcess *process, int signal_number);
gboolean hn_test_process_wait (HnTestProcess *process, guint timeout_ms);
int hn_test_process_get_status (HnTestProcess *process);
const char *hn_test_process_get_stdout (HnTestProcess *process);
char *hn_test_process_read_line (HnTestProcess *process, guint timeout_ms);
const char *hn_test_process_get_stderr (HnTestProcess *process);
void hn_test_process_free (HnTestProcess *process);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HnTestProcess, hn_test_process_free)

G_END_DECLS
