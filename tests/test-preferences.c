/* test-preferences.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The preferences window's rows, with accessible names, and "Start at
 * login": the switch writes and removes the autostart entry (natively)
 * before the setting follows, goes back with a toast saying why when that
 * fails, and shows what the entry says when the window opens. The
 * Accounts page: the custom fields of Elastic Email accounts that no
 * contact uses yet, stored when applied.
 * (tests/test-window.c covers the other rows' bindings.)
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "concord-apps.h"
#include "concord-background.h"
#include "concord-engine.h"
#include "concord-preferences-window.h"
#include "concord-store.h"
#include "concord-resources.h"
#include "concord-test-utils.h"

#define TEST_APP_ID "io.github.concordsync.Concord.Test"

static GApplication *app;

static GObject *
template_child (gpointer    widget,
                const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (widget), CONCORD_TYPE_PREFERENCES_WINDOW,
                                                  name);

  g_assert_nonnull (child);
  return child;
}

static GtkWidget *
find_by_type (GtkWidget *root,
              GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        return child;
      found = find_by_type (child, type);
      if (found != NULL)
        return found;
    }

  return NULL;
}

static void
assert_label (GtkWidget  *widget,
              const char *expected)
{
  g_autofree char *problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (widget),
                                                                 GTK_ACCESSIBLE_PROPERTY_LABEL, expected);

  if (problem != NULL)
    g_error ("accessible label: %s", problem);
}

static AdwActionRow *
row_of (GtkWidget *widget)
{
  GtkWidget *row = gtk_widget_get_ancestor (widget, ADW_TYPE_ACTION_ROW);

  g_assert_nonnull (row);
  return ADW_ACTION_ROW (row);
}

static void
assert_row (GtkWidget  *widget,
            const char *title)
{
  AdwActionRow *row = row_of (widget);
  const char *subtitle = adw_action_row_get_subtitle (row);

  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, title);
  g_assert_nonnull (subtitle);
  g_assert_cmpuint (strlen (subtitle), >, 10);
  g_assert_true (adw_action_row_get_activatable_widget (row) == widget);
}

static gboolean
label_contains (GtkWidget  *root,
                const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child) && strstr (gtk_label_get_label (GTK_LABEL (child)), text) != NULL)
        return TRUE;
      if (label_contains (child, text))
        return TRUE;
    }

  return FALSE;
}

static gboolean
widget_is_sensitive (gpointer data)
{
  return gtk_widget_get_sensitive (GTK_WIDGET (data));
}

static gboolean
window_is_gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static void
close_window (GtkWindow *window)
{
  gpointer weak = window;

  g_object_add_weak_pointer (G_OBJECT (window), &weak);
  gtk_window_destroy (window);
  g_assert_true (concord_test_wait_until (window_is_gone, &weak, 10));
}

/* Flips the switch as a click would, and waits for the request to end. */
static void
flip (GtkSwitch *toggle,
      gboolean   active)
{
  gtk_switch_set_active (toggle, active);
  g_assert_true (concord_test_wait_until (widget_is_sensitive, toggle, 10));
}

static void
test_rows (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.concordsync.Concord");
  ConcordPreferencesWindow *window = concord_preferences_window_new (settings);
  GtkWidget *background = GTK_WIDGET (template_child (window, "background_switch"));
  GtkWidget *notify = GTK_WIDGET (template_child (window, "notify_switch"));
  GtkWidget *start = GTK_WIDGET (template_child (window, "start_at_login_switch"));

  /* Each connection has its own schedule: no global interval here. */
  g_assert_null (find_by_type (GTK_WIDGET (window), GTK_TYPE_SPIN_BUTTON));
  assert_row (background, "Run in _Background");
  assert_label (background, "Run in background");
  assert_row (notify, "_Notify About Problems");
  assert_label (notify, "Notify about problems");
  assert_row (start, "_Start at Login");
  assert_label (start, "Start at login");

  g_assert_false (gtk_switch_get_active (GTK_SWITCH (start)));

  close_window (GTK_WINDOW (window));
}

static void
test_start_at_login (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.concordsync.Concord");
  ConcordPreferencesWindow *window = concord_preferences_window_new (settings);
  GtkSwitch *start = GTK_SWITCH (template_child (window, "start_at_login_switch"));
  g_autofree char *path = concord_background_get_autostart_path (app);

  gtk_window_present (GTK_WINDOW (window));

  /* On: the entry first, then the setting and the switch's state. */
  flip (start, TRUE);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (concord_background_get_autostart (app));
  g_assert_true (g_settings_get_boolean (settings, "start-at-login"));
  g_assert_true (gtk_switch_get_active (start));
  g_assert_true (gtk_switch_get_state (start));

  /* Off: removed. */
  flip (start, FALSE);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (g_settings_get_boolean (settings, "start-at-login"));
  g_assert_false (gtk_switch_get_state (start));

  /* The setting changed elsewhere only moves the switch: no entry written
   * (the one who changed it is in charge of that). */
  g_settings_set_boolean (settings, "start-at-login", TRUE);
  g_assert_true (gtk_switch_get_active (start));
  g_assert_true (gtk_switch_get_state (start));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_settings_reset (settings, "start-at-login");
  g_assert_false (gtk_switch_get_active (start));

  close_window (GTK_WINDOW (window));
}

static void
test_start_at_login_fails (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.concordsync.Concord");
  g_autofree char *path = concord_background_get_autostart_path (app);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;
  ConcordPreferencesWindow *window;
  GtkSwitch *start;

  /* The autostart folder is a file: nothing can go in it. */
  g_rmdir (dir);
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_config_dir (), 0700), ==, 0);
  g_assert_true (g_file_set_contents (dir, "not a folder", -1, &error));
  g_assert_no_error (error);

  window = concord_preferences_window_new (settings);
  start = GTK_SWITCH (template_child (window, "start_at_login_switch"));
  gtk_window_present (GTK_WINDOW (window));

  flip (start, TRUE);
  g_assert_false (gtk_switch_get_active (start));
  g_assert_false (gtk_switch_get_state (start));
  g_assert_false (g_settings_get_boolean (settings, "start-at-login"));
  /* Said in a toast, naming the folder. */
  g_assert_true (label_contains (GTK_WIDGET (window), dir));

  close_window (GTK_WINDOW (window));
  g_assert_cmpint (g_unlink (dir), ==, 0);
}

static void
test_follows_entry (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.concordsync.Concord");
  g_autoptr(GError) error = NULL;
  ConcordPreferencesWindow *window;

  /* An entry written before (or by someone else) shows as on... */
  g_assert_true (concord_background_set_autostart (app, TRUE, &error));
  g_assert_no_error (error);
  window = concord_preferences_window_new (settings);
  g_assert_true (g_settings_get_boolean (settings, "start-at-login"));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (template_child (window, "start_at_login_switch"))));
  close_window (GTK_WINDOW (window));

  /* ...and one removed elsewhere as off. */
  g_assert_true (concord_background_set_autostart (app, FALSE, &error));
  g_assert_no_error (error);
  window = concord_preferences_window_new (settings);
  g_assert_false (g_settings_get_boolean (settings, "start-at-login"));
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (template_child (window, "start_at_login_switch"))));
  close_window (GTK_WINDOW (window));
}

static const ConcordEngineApps engine_apps = {
  concord_apps_create_connector,
  concord_apps_verify_async,
  concord_apps_verify_finish,
};

static gboolean
widget_is_visible (gpointer widget)
{
  return gtk_widget_get_visible (GTK_WIDGET (widget));
}

static gboolean
widget_is_sensitive_now (gpointer widget)
{
  return gtk_widget_get_sensitive (GTK_WIDGET (widget));
}

static guint
count_named (GtkWidget  *root,
             const char *name)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += (g_strcmp0 (gtk_widget_get_name (child), name) == 0) + count_named (child, name);

  return n;
}

static GtkWidget *
find_named (GtkWidget  *root,
            const char *name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (g_strcmp0 (gtk_widget_get_name (child), name) == 0)
        return child;
      found = find_named (child, name);
      if (found != NULL)
        return found;
    }

  return NULL;
}

/* One row per Elastic Email account, with what is stored; applying one
 * stores the names through the engine. */
static void
test_custom_fields (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.concordsync.Concord");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("concord-preferences-db-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "state.sqlite", NULL);
  g_autoptr(ConcordSecretStore) secrets = concord_secret_store_new_in_memory ();
  g_autoptr(ConcordEngine) engine = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(ConcordAccountRow) stored = NULL;
  GAsyncResult *slot = NULL;
  ConcordPreferencesWindow *window;
  GtkWidget *page;
  GtkWidget *row;

  g_assert_no_error (error);
  {
    g_autoptr(ConcordStore) store = concord_store_new (path, &error);

    g_assert_no_error (error);
    g_assert_true (concord_store_add_account (store, "ee", "elasticemail", "Newsletter",
                                              "{\"custom_fields\": \"Tier\"}", &error));
    g_assert_true (concord_store_add_account (store, "crm", "sample-crm", "CRM",
                                              "{\"path\": \"/nonexistent.json\"}", &error));
    g_assert_no_error (error);
  }
  engine = concord_engine_new (path, secrets, &engine_apps);
  concord_engine_open_async (engine, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_open_finish (engine, result, &error));
  g_assert_no_error (error);

  window = concord_preferences_window_new (settings);
  page = GTK_WIDGET (template_child (window, "accounts_page"));
  g_assert_false (gtk_widget_get_visible (page));
  concord_preferences_window_set_engine (window, engine);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (concord_test_wait_until (widget_is_visible, page, 10));

  /* The Elastic Email account only. */
  row = find_named (page, "custom-fields-entry");
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Newsletter");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "Tier");
  g_assert_cmpuint (count_named (page, "custom-fields-entry"), ==, 1);

  gtk_editable_set_text (GTK_EDITABLE (row), "Tier, Shoe size,");
  g_signal_emit_by_name (row, "apply");
  g_assert_false (gtk_widget_get_sensitive (row));
  g_assert_true (concord_test_wait_until (widget_is_sensitive_now, row, 10));

  {
    g_autoptr(ConcordStore) store = concord_store_new (path, &error);

    g_assert_no_error (error);
    stored = concord_store_get_account (store, "ee", &error);
    g_assert_no_error (error);
    g_assert_nonnull (strstr (stored->options_json, "\"custom_fields\":\"Tier,Shoe size\""));
  }

  close_window (GTK_WINDOW (window));
  concord_test_remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config_dir = NULL;
  int ret;

  /* The autostart entry goes to a folder of our own, set before anything
   * reads (and caches) the user's config folder. UI tests keep the other
   * XDG folders (see concord_test_init_ui()). */
  config_dir = g_dir_make_tmp ("concord-preferences-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("XDG_CONFIG_HOME", config_dir, TRUE);

  concord_test_init_ui (&argc, &argv);
  adw_init ();
  concord_register_resource ();

  /* The preferences find the application by default: its id names the
   * entry. */
  app = g_application_new (TEST_APP_ID, G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_get_default () == app);

  g_test_add_func ("/concord/preferences/rows", test_rows);
  g_test_add_func ("/concord/preferences/start-at-login", test_start_at_login);
  g_test_add_func ("/concord/preferences/start-at-login-fails", test_start_at_login_fails);
  g_test_add_func ("/concord/preferences/follows-entry", test_follows_entry);
  g_test_add_func ("/concord/preferences/custom-fields", test_custom_fields);

  ret = g_test_run ();

  g_clear_object (&app);
  {
    g_autofree char *autostart = g_build_filename (config_dir, "autostart", NULL);

    g_rmdir (autostart);
    g_rmdir (config_dir);
  }

  return ret;
}
