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

/* A GAsyncReadyCallback that stores the result in the GAsyncResult ** given as user data. */
/* Removes @dir and the files in it (a test's database and its journal
 * files); a missing folder is fine. */
void          concord_test_remove_dir           (const char     *dir);
void          concord_test_store_result_cb      (GObject        *object,
                                                 GAsyncResult   *result,
                                                 gpointer        user_data);

G_END_DECLS
