/* test-connection-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A connection's page, over an engine with two in-memory apps: it loads
 * what the editors share, an edit in the rule editor offers Save and
 * Discard, Save stores the rules through the engine, Discard brings back
 * what is stored, and another connection shows its own.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "concord-connection-page.h"
#include "concord-resources.h"
#include "concord-test-ui.h"
#include "concord-test-utils.h"
#include "concord-rule-test-data.h"

typedef struct
{
  char          *dir;
  char          *db_path;
  ConcordEngine *engine;
  gint64         id;
  GtkWidget     *window;
  GtkWidget     *page;
} Fixture;

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

static gboolean
editors_shown (gpointer data)
{
  Fixture *f = data;
  GtkStack *stack = GTK_STACK (gtk_widget_get_template_child (f->page, CONCORD_TYPE_CONNECTION_PAGE,
                                                              "rules_stack"));

  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), "editor") == 0 &&
         !gtk_stack_get_transition_running (stack) &&
         concord_test_find_named (f->page, "rule-panel-b") != NULL;
}

static gboolean
is_dirty (gpointer page)
{
  return concord_connection_page_get_dirty (page);
}

static gboolean
is_clean (gpointer page)
{
  return !concord_connection_page_get_dirty (page);
}

static gboolean
switch_is_off (gpointer widget)
{
  return !gtk_switch_get_active (widget);
}

static ConcordConnectionSetup *
stored (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  ConcordConnectionSetup *setup;

  concord_engine_load_setup_async (f->engine, f->id, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  setup = concord_engine_load_setup_finish (f->engine, result, &error);
  g_assert_no_error (error);
  return setup;
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("concord-connection-page-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "state.sqlite", NULL);

  rule_make_sides ();
  f->engine = rule_open_engine (f->db_path);
  f->id = rule_add_connection (f->engine, CONCORD_DIRECTION_BOTH, "");

  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1280, 800);
  f->page = concord_connection_page_new (f->engine);
  gtk_window_set_child (GTK_WINDOW (f->window), f->page);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (concord_test_wait_until (is_mapped, f->window, 10));
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  rule_close_engine (&f->engine);
  g_unlink (f->db_path);
  g_rmdir (f->dir);
  g_free (f->db_path);
  g_free (f->dir);
}

/* ------------------------------------------------------------------------- */

static void
test_save_and_discard (Fixture       *f,
                       gconstpointer  data)
{
  ConcordConnectionState *state = concord_engine_lookup (f->engine, f->id);
  GtkWidget *create, *save, *discard;
  GtkRevealer *bar;
  AdwViewSwitcherTitle *title;

  g_assert_nonnull (state);
  concord_connection_page_set_state (CONCORD_CONNECTION_PAGE (f->page), state);
  concord_connection_page_show_section (CONCORD_CONNECTION_PAGE (f->page), "rules");
  g_assert_true (concord_test_wait_until (editors_shown, f, 30));

  title = ADW_VIEW_SWITCHER_TITLE (gtk_widget_get_template_child (f->page, CONCORD_TYPE_CONNECTION_PAGE,
                                                                  "switcher_title"));
  g_assert_cmpstr (adw_view_switcher_title_get_title (title), ==, concord_connection_state_get_name (state));
  g_assert_nonnull (strstr (adw_view_switcher_title_get_subtitle (title), "⇄"));

  bar = GTK_REVEALER (gtk_widget_get_template_child (f->page, CONCORD_TYPE_CONNECTION_PAGE, "save_revealer"));
  g_assert_false (gtk_revealer_get_reveal_child (bar));
  g_assert_false (concord_connection_page_get_dirty (CONCORD_CONNECTION_PAGE (f->page)));

  /* An edit through the rule editor: no more creating from B to A. */
  create = concord_test_named (concord_test_named (f->page, "rule-panel-b"), "rule-create");
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (create)));
  gtk_widget_activate (create);
  g_assert_true (concord_test_wait_until (switch_is_off, create, 10));
  g_assert_true (concord_test_wait_until (is_dirty, f->page, 10));
  g_assert_true (gtk_revealer_get_reveal_child (bar));

  /* Nothing is stored before Save. */
  {
    g_autoptr(ConcordConnectionSetup) before = stored (f);

    g_assert_true (concord_rule_list_get_create (before->config->rules[1]));
  }

  save = concord_test_named (f->page, "save-button");
  g_signal_emit_by_name (save, "clicked");
  g_assert_true (concord_test_wait_until (is_clean, f->page, 10));
  g_assert_false (gtk_revealer_get_reveal_child (bar));
  {
    g_autoptr(ConcordConnectionSetup) after = stored (f);

    g_assert_false (concord_rule_list_get_create (after->config->rules[1]));
    g_assert_true (concord_rule_list_get_create (after->config->rules[0]));
    /* The automatic mapping is stored with its pairs once saved. */
    g_assert_false (after->automatic);
  }

  /* Another edit, discarded: what is stored comes back in the editor. */
  create = concord_test_named (concord_test_named (f->page, "rule-panel-a"), "rule-create");
  gtk_widget_activate (create);
  g_assert_true (concord_test_wait_until (switch_is_off, create, 10));
  g_assert_true (concord_test_wait_until (is_dirty, f->page, 10));
  discard = concord_test_named (f->page, "discard-button");
  g_signal_emit_by_name (discard, "clicked");
  g_assert_true (concord_test_wait_until (is_clean, f->page, 10));
  g_assert_true (concord_test_wait_until (editors_shown, f, 30));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (concord_test_named (concord_test_named (f->page, "rule-panel-a"), "rule-create"))));
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (concord_test_named (concord_test_named (f->page, "rule-panel-b"), "rule-create"))));
  {
    g_autoptr(ConcordConnectionSetup) after = stored (f);

    g_assert_true (concord_rule_list_get_create (after->config->rules[0]));
  }

  /* Every section is there, and the header's buttons are named. */
  for (guint i = 0; i < 4; i++)
    {
      static const char * const sections[] = { "overview", "rules", "mapping", "activity" };
      AdwViewStack *stack = ADW_VIEW_STACK (gtk_widget_get_template_child (f->page, CONCORD_TYPE_CONNECTION_PAGE,
                                                                         "view_stack"));

      concord_connection_page_show_section (CONCORD_CONNECTION_PAGE (f->page), sections[i]);
      g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, sections[i]);
    }

  /* Leaving clears it. */
  concord_connection_page_set_state (CONCORD_CONNECTION_PAGE (f->page), NULL);
  g_assert_null (concord_connection_page_get_state (CONCORD_CONNECTION_PAGE (f->page)));
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init_ui (&argc, &argv);
  adw_init ();
  concord_test_register_resources ();

  g_test_add ("/concord/ui/connection-page/save-and-discard", Fixture, NULL, setup,
              test_save_and_discard, teardown);

  return g_test_run ();
}
