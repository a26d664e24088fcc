/* concord-test-ui.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "concord-engine.h"
#include "concord-test-connector.h"

G_BEGIN_DECLS

/* Widgets found by their name (gtk_widget_set_name() or the "name"
 * property of a template), depth first. */
GtkWidget *concord_test_find_named (GtkWidget  *root,
                                    const char *name);
GtkWidget *concord_test_named      (GtkWidget  *root,
                                    const char *name);
GtkWidget *concord_test_nth_named  (GtkWidget  *root,
                                    const char *name,
                                    int         nth);
guint      concord_test_count_named (GtkWidget  *root,
                                     const char *name);
void       concord_test_collect_named (GtkWidget  *root,
                                       const char *name,
                                       GPtrArray  *out);
/* The first widget of a type (or a subtype) under @root, depth first. */
GtkWidget *concord_test_find_type  (GtkWidget  *root,
                                    GType       type);

/* The first mapped widget under @root whose text holds @text: a label,
 * an inscription, or an activity line's drawn text. */
GtkWidget *concord_test_find_text  (GtkWidget  *root,
                                    const char *text);

/* What ConcordApplication gives a test without one: registers the
 * compiled-in resource and adds its icons (the apps' icons among them) to
 * the default display's icon theme, as GtkApplication does for its
 * resource base path. After adw_init(). */
void       concord_test_register_resources (void);

/* Runs the main loop for @ms milliseconds. */
void       concord_test_spin        (guint       ms);

/* Clicks @button as a user would: it must be visible and sensitive. */
void       concord_test_click       (GtkWidget  *button);

/* With CONCORD_SCREENSHOT_DIR set, lets @window settle for @settle_ms and
 * renders it to @file in that folder; without, does nothing. */
void       concord_test_save_window (GtkWidget  *window,
                                     const char *file,
                                     guint       settle_ms);

/* For tests of the whole application: parses the test options, then
 * registers and holds an application called APP_ID.@suffix on a fresh
 * data folder. Returns %NULL when no unlocked keyring is on the session
 * bus: the test should then exit 77 (skipped). */
GApplication *concord_test_app_start (int         *argc,
                                      char      ***argv,
                                      const char  *suffix);
void          concord_test_app_stop  (GApplication *app);

/* A concord-mock Elastic Email server in a process of its own, on a free
 * port of 127.0.0.1, with @n_generate made-up contacts; it dies with the
 * caller. Sets @base_url to its API's base URL. */
GSubprocess  *concord_test_spawn_mock (const char  *api_key,
                                       guint        n_generate,
                                       char       **base_url);

/* The application's screens */
gboolean      concord_test_is_mapped          (gpointer       widget);
gboolean      concord_test_page_is_dirty      (gpointer       page);
gboolean      concord_test_rule_editors_shown (GtkWidget     *page,
                                               const char    *panel_name);
GtkWidget    *concord_test_connection_row     (GtkWidget     *window,
                                               gint64         connection_id);
gboolean      concord_test_has_connection_row (gpointer       data);

G_END_DECLS
