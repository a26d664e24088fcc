/* concord-test-utils.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void          concord_test_init                 (int            *argc,
                                                 char         ***argv);
void          concord_test_init_ui              (int            *argc,
                                                 char         ***argv);
GAsyncResult *concord_test_wait_for_result      (GAsyncResult  **result_location);
gboolean      concord_test_wait_until           (gboolean      (*condition) (gpointer data),
                                                 gpointer        data,
                                                 guint           timeout_seconds);
gboolean      concord_test_session_has_name     (const char     *name);

/* How long CONCORD_TEST_WAIT_FOR() waits before it fails the test:
 * generous, for the sanitizer builds on a loaded machine. */
#define CONCORD_TEST_WAIT_S 60

/* Spins the default main context until @expr holds; fails the test,
 * naming @expr and where, when it still does not after
 * CONCORD_TEST_WAIT_S seconds. @expr is evaluated again after each
 * iteration, so it must have no side effects. Wait for what a test is
 * about to assert, never for a number of milliseconds. */
#define CONCORD_TEST_WAIT_FOR(expr) \
  G_STMT_START { \
    gint64 concord_test_deadline_ = g_get_monotonic_time () + CONCORD_TEST_WAIT_S * G_USEC_PER_SEC; \
    while (!(expr)) \
      concord_test_wait_step (concord_test_deadline_, #expr, __FILE__, __LINE__); \
  } G_STMT_END
void          concord_test_wait_step            (gint64          deadline,
                                                 const char     *expr,
                                                 const char     *file,
                                                 int             line);

/* A GAsyncReadyCallback that stores the result in the GAsyncResult ** given as user data. */
/* Removes @dir and the files in it (a test's database and its journal
 * files); a missing folder is fine. */
void          concord_test_remove_dir           (const char     *dir);
void          concord_test_store_result_cb      (GObject        *object,
                                                 GAsyncResult   *result,
                                                 gpointer        user_data);

gboolean      concord_test_use_translation      (void);
void          concord_test_end_translation      (void);

G_END_DECLS
