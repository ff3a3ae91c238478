/* hn-test-mcu.h: an mcu for a test — started with a known API key and an
 * optional [mcu] configuration — and the calls every mcu test makes. */
#pragma once

#include <json-glib/json-glib.h>

#include "hn-test-process.h"
#include "hn-test.h"

G_BEGIN_DECLS

/* The control API's key of every test mcu. */
#define HN_TEST_MCU_KEY "cle-de-test-0123456789abcdef"

typedef struct
{
  HnTestDaemon *daemon;
  char *dir; /* the key and configuration files */
} HnTestMcu;

HnTestMcu *hn_test_mcu_start (const char *mcu_settings);
void hn_test_mcu_free (HnTestMcu *mcu);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HnTestMcu, hn_test_mcu_free)

HnTestResponse *hn_test_mcu_call (HnTestMcu *mcu, const char *method, const char *path,
                                  const char *key, const char *body);
char *hn_test_mcu_create_room (HnTestMcu *mcu, const char *body);
char *hn_test_mcu_ws_url (HnTestMcu *mcu, const char *path);
JsonObject *hn_test_json_object (const char *text);

HnTestProcess *hn_test_mcu_endpoint (HnTestMcu *mcu, const char *token, const char *name,
                                     guint tone, guint seconds, const char *expect,
                                     const char *absent);
HnTestProcess *hn_test_mcu_endpoint_with (HnTestMcu *mcu, const char *token, const char *name,
                                          const char *const *extra);
JsonObject *hn_test_endpoint_report (HnTestMcu *mcu, HnTestProcess *endpoint, int *status);
typedef gboolean (*HnTestReportCheck) (JsonObject *report, gconstpointer data);
gboolean hn_test_report_any (JsonObject *report, gconstpointer data);
JsonObject *hn_test_endpoint_wait_for (HnTestProcess *endpoint, HnTestReportCheck check,
                                       gconstpointer data, guint timeout_ms);
char *hn_test_mcu_wait_for_site (HnTestMcu *mcu, const char *name, guint timeout_ms);
gboolean hn_test_mcu_wait_for_picture (HnTestMcu *mcu, const char *name, guint timeout_ms);

G_END_DECLS
