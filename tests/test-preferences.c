/* test-preferences.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The preferences window's rows, with accessible names, and "Start at
 * login": the switch writes and removes the autostart entry (natively)
 * before the setting follows, goes back with a toast saying why when that
 * fails, and shows what the entry says when the window opens. The
 * Accounts page: every account with its app, connections and state; a
 * key the app revoked replaced there (a wrong one refused on the field,
 * the old key kept) and the failing connection recovering with no other
 * action; rename (a duplicate said on the field), remove (refused while
 * used, naming the connection; confirmed otherwise); the empty state; and
 * the custom fields of Elastic Email accounts that no contact uses yet,
 * stored when applied.
 * (tests/test-window.c covers the other rows' bindings.)
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "concord-app-registry.h"
#include "concord-background.h"
#include "concord-engine.h"
#include "concord-error.h"
#include "concord-mock-elasticemail.h"
#include "concord-preferences-window.h"
#include "concord-store.h"
#include "concord-resources.h"
#include "concord-test-ui.h"
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

/* A row's switch is named by the row's title alone (the relation the row
 * sets), not by a label of its own too: GTK 4.8 would read both. */
static void
assert_named_by_row (GtkWidget *widget)
{
  g_assert_false (gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL));
  g_assert_true (gtk_test_accessible_has_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY));
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
  assert_named_by_row (background);
  assert_row (notify, "_Notify About Problems");
  assert_named_by_row (notify);
  assert_row (start, "_Start at Login");
  assert_named_by_row (start);

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
  engine = concord_engine_new (path, secrets, concord_app_registry_create_connector);
  concord_engine_open_async (engine, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_open_finish (engine, result, &error));
  g_assert_no_error (error);

  window = concord_preferences_window_new (settings);
  page = GTK_WIDGET (template_child (window, "accounts_page"));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (template_child (window, "accounts_group"))));
  concord_preferences_window_set_engine (window, engine);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (concord_test_wait_until (widget_is_visible, template_child (window, "accounts_group"), 10));

  /* The group says what its rows are, from the app's description. */
  {
    AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (template_child (window, "accounts_group"));

    g_assert_cmpstr (adw_preferences_group_get_title (group), ==, "Elastic Email Custom Fields");
    g_assert_nonnull (strstr (adw_preferences_group_get_description (group), "cannot list"));
  }

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


/* An app of the test's own with two options that can be changed later:
 * Preferences → Accounts makes a row for each from the app's description,
 * refuses a value the field refuses (saying so in a toast, storing
 * nothing) and stores one it accepts. */
static const ConcordAppField editable_fields[] = {
  { .key = "key", .kind = CONCORD_APP_FIELD_SECRET, .label = "Key", .required = TRUE },
  { .key = "server", .kind = CONCORD_APP_FIELD_URL, .label = "Server", .editable = TRUE },
  { .key = "label_prefix", .kind = CONCORD_APP_FIELD_TEXT, .label = "Label Prefix", .editable = TRUE },
  { .key = "fixed", .kind = CONCORD_APP_FIELD_TEXT, .label = "Fixed" },
  { NULL }
};

static ConcordConnector *
editable_create (const ConcordAppInfo  *info,
                 JsonObject            *options,
                 const char            *secret,
                 GError               **error)
{
  g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_FAILED, "not needed here");
  return NULL;
}

static const ConcordAppInfo editable_app = {
  .id = "test-editable",
  .name = "Editable",
  .auth = CONCORD_APP_AUTH_KEY,
  .fields = editable_fields,
  .create = editable_create,
};

static void
test_account_options (void)
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
  GtkWidget *page, *server, *prefix;

  g_assert_no_error (error);
  g_assert_true (concord_app_registry_register (&editable_app, &error));
  g_assert_no_error (error);
  {
    g_autoptr(ConcordStore) store = concord_store_new (path, &error);

    g_assert_no_error (error);
    g_assert_true (concord_store_add_account (store, "ed", "test-editable", "Edits",
                                              "{\"server\": \"https://a.example\", \"fixed\": \"x\"}",
                                              &error));
    g_assert_no_error (error);
  }
  engine = concord_engine_new (path, secrets, concord_app_registry_create_connector);
  concord_engine_open_async (engine, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_open_finish (engine, result, &error));
  g_assert_no_error (error);

  window = concord_preferences_window_new (settings);
  page = GTK_WIDGET (template_child (window, "accounts_page"));
  concord_preferences_window_set_engine (window, engine);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (concord_test_wait_until (widget_is_visible, template_child (window, "accounts_group"), 10));

  /* Options of two kinds: the group names neither. */
  g_assert_cmpstr (adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (template_child (window, "accounts_group"))),
                   ==, "Account Options");

  /* A row per editable field, none for the others nor the secret. */
  server = find_named (page, "server-entry");
  prefix = find_named (page, "label-prefix-entry");
  g_assert_nonnull (server);
  g_assert_nonnull (prefix);
  g_assert_null (find_named (page, "fixed-entry"));
  g_assert_null (find_named (page, "key-entry"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (server)), ==, "https://a.example");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (prefix)), ==, "");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (server)), ==, "Edits");

  /* Refused as the field says: plain http to another computer. */
  gtk_editable_set_text (GTK_EDITABLE (server), "http://b.example");
  g_signal_emit_by_name (server, "apply");
  g_assert_true (gtk_widget_get_sensitive (server));

  gtk_editable_set_text (GTK_EDITABLE (prefix), "  VIP  ");
  g_signal_emit_by_name (prefix, "apply");
  g_assert_true (concord_test_wait_until (widget_is_sensitive_now, prefix, 10));

  {
    g_autoptr(ConcordStore) store = concord_store_new (path, &error);

    g_assert_no_error (error);
    stored = concord_store_get_account (store, "ed", &error);
    g_assert_no_error (error);
    g_test_message ("options: %s", stored->options_json);
    g_assert_nonnull (strstr (stored->options_json, "\"label_prefix\":\"VIP\""));
    g_assert_nonnull (strstr (stored->options_json, "\"server\":\"https://a.example\""));
    g_assert_nonnull (strstr (stored->options_json, "\"fixed\":\"x\""));
  }

  close_window (GTK_WINDOW (window));
  concord_app_registry_unregister (&editable_app);
  concord_test_remove_dir (dir);
}

/* ------------------------------------------------------------------------- */
/* Accounts                                                                  */
/* ------------------------------------------------------------------------- */

static ConcordEngine *
open_engine (const char         *path,
             ConcordSecretStore *secrets)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  ConcordEngine *engine = concord_engine_new (path, secrets, concord_app_registry_create_connector);

  concord_engine_open_async (engine, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_open_finish (engine, result, &error));
  g_assert_no_error (error);
  return engine;
}

/* A preferences window on @engine, showing the Accounts page. */
static ConcordPreferencesWindow *
open_accounts (ConcordEngine *engine,
               GSettings     *settings)
{
  ConcordPreferencesWindow *window = concord_preferences_window_new (settings);

  concord_preferences_window_set_engine (window, engine);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (window), "accounts-page");
  return window;
}

/* The row of the account called @name on the Accounts page, or NULL. */
static GtkWidget *
account_row (GtkWidget  *root,
             const char *name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (g_strcmp0 (gtk_widget_get_name (child), "account-row") == 0 &&
          gtk_widget_get_visible (child) &&
          g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child)), name) == 0)
        return child;
      found = account_row (child, name);
      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
row_subtitle_has (GtkWidget  *root,
                  const char *name,
                  const char *text)
{
  GtkWidget *row = account_row (root, name);

  return row != NULL && strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), text) != NULL;
}

static gboolean
is_in_sync (ConcordConnectionState *state)
{
  return concord_connection_state_get_status (state) == CONCORD_CONNECTION_IDLE &&
         concord_connection_state_get_n_failures (state) == 0 &&
         concord_connection_state_get_last_sync (state) > 0;
}

static GtkWidget *
toplevel_named (const char *name)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* (transfer none) */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (g_strcmp0 (gtk_widget_get_name (window), name) == 0 && gtk_widget_get_visible (window))
        return window;
    }

  return NULL;
}

/* The Accounts page and the Replace Key dialog at 360 px wide (a phone,
 * or a tiled window): both fit, with nothing cut or scrolled sideways. */
static void
check_narrow (ConcordEngine *engine,
              GSettings     *settings)
{
  ConcordPreferencesWindow *narrow = open_accounts (engine, settings);
  GtkWidget *dialog = GTK_WIDGET (template_child (narrow, "account_dialog"));
  GtkWidget *shop_row;

  gtk_window_set_default_size (GTK_WINDOW (narrow), 360, 640);
  gtk_window_set_default_size (GTK_WINDOW (dialog), 360, -1);
  gtk_window_present (GTK_WINDOW (narrow));
  CONCORD_TEST_WAIT_FOR (row_subtitle_has (GTK_WIDGET (narrow), "Shop", "Key refused — replace it") &&
                         gtk_widget_get_mapped (GTK_WIDGET (narrow)));
  shop_row = account_row (GTK_WIDGET (narrow), "Shop");
  CONCORD_TEST_WAIT_FOR (gtk_widget_get_width (GTK_WIDGET (narrow)) > 0);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (narrow)), <=, 360);
  /* The row's buttons are inside the window, not cut off. */
  {
    graphene_rect_t bounds;

    g_assert_true (gtk_widget_compute_bounds (concord_test_named (shop_row, "account-menu-button"),
                                              GTK_WIDGET (narrow), &bounds));
    g_assert_cmpfloat (bounds.origin.x + bounds.size.width, <=, 360);
  }
  concord_test_save_window (GTK_WIDGET (narrow), "preferences-accounts-360.png", 300);

  gtk_widget_activate_action (GTK_WIDGET (narrow), "accounts.replace-key", "s",
                              g_object_get_data (G_OBJECT (shop_row), "account-id"));
  CONCORD_TEST_WAIT_FOR (gtk_widget_get_mapped (dialog) && gtk_widget_get_width (dialog) > 0);
  g_assert_cmpint (gtk_widget_get_width (dialog), <=, 360);
  concord_test_save_window (dialog, "preferences-replace-key-360.png", 300);

  close_window (GTK_WINDOW (narrow));
}

/* The app revokes the key: the connection fails, the account says "Key
 * refused"; Replace Key with a wrong key is refused on the field (the old
 * key stays); with the new key the connection recovers by itself. */
static void
test_accounts_replace_key (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.concordsync.Concord");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("concord-preferences-db-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "state.sqlite", NULL);
  g_autoptr(ConcordSecretStore) secrets = concord_secret_store_new_in_memory ();
  g_autoptr(ConcordMockElasticEmail) mock_a = concord_mock_elasticemail_new ("old-key-a", 0, &error);
  g_autoptr(ConcordMockElasticEmail) mock_b = concord_mock_elasticemail_new ("key-b", 0, &error);
  g_autoptr(ConcordEngine) engine = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *options_a = NULL;
  g_autofree char *options_b = NULL;
  g_autofree char *shop = NULL;
  g_autofree char *news = NULL;
  g_auto(ConcordSecretString) kept = NULL;
  ConcordConnectionRow row = { 0 };
  ConcordConnectionState *state;
  ConcordPreferencesWindow *window;
  GtkWidget *shop_row;
  GtkWidget *replace;
  GtkWidget *dialog;
  GtkWidget *entry;
  GtkWidget *apply;
  GtkWidget *error_label;
  GAsyncResult *slot = NULL;
  gint64 id;

  g_assert_no_error (error);
  concord_mock_elasticemail_generate (mock_a, 20, 7);
  options_a = g_strdup_printf ("{\"base_url\": \"%s\"}", concord_mock_elasticemail_get_base_url (mock_a));
  options_b = g_strdup_printf ("{\"base_url\": \"%s\"}", concord_mock_elasticemail_get_base_url (mock_b));

  engine = open_engine (path, secrets);
  shop = concord_test_add_account (engine, "elasticemail", "Shop", options_a, "old-key-a");
  news = concord_test_add_account (engine, "elasticemail", "Newsletter", options_b, "key-b");
  row.name = (char *) "Shop and Newsletter";
  row.account_a = shop;
  row.type_a = (char *) "contacts";
  row.account_b = news;
  row.type_b = (char *) "contacts";
  row.direction = CONCORD_DIRECTION_BOTH;
  row.enabled = TRUE;
  concord_engine_add_connection_async (engine, &row, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  id = concord_engine_add_connection_finish (engine, result, &error);
  g_assert_no_error (error);
  CONCORD_TEST_WAIT_FOR ((state = concord_engine_lookup (engine, id)) != NULL);

  concord_engine_sync_now (engine, id);
  CONCORD_TEST_WAIT_FOR (is_in_sync (state));
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (mock_b), >, 0);

  /* The app revokes the key: the next run fails on it. */
  concord_mock_elasticemail_set_api_key (mock_a, "new-key-a");
  concord_engine_sync_now (engine, id);
  CONCORD_TEST_WAIT_FOR (concord_connection_state_get_status (state) == CONCORD_CONNECTION_FAILING);
  /* (the line names the app; its fix, made from the code, the place) */
  g_assert_nonnull (strstr (concord_connection_state_get_error_fix (state), "Preferences → Accounts → Replace Key"));
  g_assert_true (concord_engine_get_key_refused (engine, shop));
  g_assert_false (concord_engine_get_key_refused (engine, news));

  window = open_accounts (engine, settings);
  gtk_window_present (GTK_WINDOW (window));

  /* Each account with its app, its connection and its state. */
  CONCORD_TEST_WAIT_FOR (row_subtitle_has (GTK_WIDGET (window), "Shop", "Key refused — replace it"));
  g_assert_true (row_subtitle_has (GTK_WIDGET (window), "Shop", "Elastic Email"));
  g_assert_true (row_subtitle_has (GTK_WIDGET (window), "Shop", "“Shop and Newsletter”"));
  g_assert_true (row_subtitle_has (GTK_WIDGET (window), "Newsletter", "OK"));
  g_assert_false (gtk_widget_get_visible (concord_test_named (GTK_WIDGET (window), "accounts-empty")));
  shop_row = account_row (GTK_WIDGET (window), "Shop");
  replace = concord_test_named (shop_row, "replace-key-button");
  g_assert_true (gtk_widget_get_visible (replace));
  assert_label (replace, "Replace the key of Shop");
  assert_label (concord_test_named (shop_row, "account-menu-button"), "Actions for Shop");
  g_assert_false (gtk_widget_get_visible (
    concord_test_named (account_row (GTK_WIDGET (window), "Newsletter"), "replace-key-button")));
  concord_test_save_window (GTK_WIDGET (window), "preferences-accounts.png", 300);
  check_narrow (engine, settings);

  concord_test_click (replace);
  dialog = GTK_WIDGET (template_child (window, "account_dialog"));
  CONCORD_TEST_WAIT_FOR (gtk_widget_get_mapped (dialog));
  entry = GTK_WIDGET (template_child (window, "account_key_entry"));
  apply = GTK_WIDGET (template_child (window, "account_apply_button"));
  error_label = GTK_WIDGET (template_child (window, "account_error_label"));
  g_assert_true (gtk_widget_get_visible (entry));
  g_assert_false (gtk_widget_get_sensitive (apply));  /* nothing typed yet */
  concord_test_save_window (dialog, "preferences-replace-key.png", 300);

  /* A key the app refuses: said on the field, the old key stays. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "not-the-key");
  concord_test_click (apply);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (template_child (window, "account_spinner"))));
  g_assert_false (gtk_widget_get_sensitive (apply));
  CONCORD_TEST_WAIT_FOR (gtk_widget_get_visible (error_label));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (error_label)), "Elastic Email refused this key; the old one was kept"));
  g_assert_true (gtk_widget_has_css_class (entry, "error"));
  g_assert_true (gtk_widget_get_visible (dialog));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (template_child (window, "account_spinner"))));
  concord_secret_store_lookup_async (secrets, shop, NULL, concord_test_store_result_cb, &slot);
  g_clear_object (&result);
  result = concord_test_wait_for_result (&slot);
  kept = concord_secret_store_lookup_finish (secrets, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kept, ==, "old-key-a");
  g_assert_cmpint (concord_connection_state_get_status (state), ==, CONCORD_CONNECTION_FAILING);
  concord_test_save_window (dialog, "preferences-replace-key-refused.png", 300);

  /* Typing again clears the error. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "new-key-");
  g_assert_false (gtk_widget_get_visible (error_label));
  g_assert_false (gtk_widget_has_css_class (entry, "error"));

  /* The new key: the dialog closes, and the connection recovers by itself
   * (no Sync Now here). */
  gtk_editable_set_text (GTK_EDITABLE (entry), "new-key-a");
  concord_test_click (apply);
  CONCORD_TEST_WAIT_FOR (!gtk_widget_get_visible (dialog));
  CONCORD_TEST_WAIT_FOR (is_in_sync (state));
  g_assert_null (concord_connection_state_get_error (state));
  g_assert_false (concord_engine_get_key_refused (engine, shop));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  CONCORD_TEST_WAIT_FOR (row_subtitle_has (GTK_WIDGET (window), "Shop", "OK"));
  g_assert_false (gtk_widget_get_visible (replace));

  close_window (GTK_WINDOW (window));
  concord_engine_stop (engine);
  g_clear_object (&engine);
  concord_test_remove_dir (dir);
}

/* Rename (a duplicate said on the field; the connection shows the new
 * name), remove refused while used (naming the connection) and confirmed
 * otherwise. No app is asked: the accounts are in the store already. */
static void
test_accounts_rename_remove (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.concordsync.Concord");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("concord-preferences-db-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "state.sqlite", NULL);
  g_autoptr(ConcordSecretStore) secrets = concord_secret_store_new_in_memory ();
  g_autoptr(ConcordEngine) engine = NULL;
  ConcordConnectionState *state;
  ConcordPreferencesWindow *window;
  GtkWidget *dialog;
  GtkWidget *entry;
  GtkWidget *apply;
  GtkWidget *error_label;
  GtkWidget *in_use;
  GtkWidget *confirm;
  gint64 id;

  g_assert_no_error (error);
  {
    g_autoptr(ConcordStore) store = concord_store_new (path, &error);
    ConcordConnectionRow row = {
      .name = (char *) "Shop ↔ News",
      .account_a = (char *) "shop",
      .type_a = (char *) "contacts",
      .account_b = (char *) "news",
      .type_b = (char *) "contacts",
      .direction = CONCORD_DIRECTION_BOTH,
      .enabled = FALSE,
    };

    g_assert_no_error (error);
    g_assert_true (concord_store_add_account (store, "shop", "elasticemail", "Shop", NULL, &error));
    g_assert_true (concord_store_add_account (store, "news", "elasticemail", "News", NULL, &error));
    g_assert_true (concord_store_add_account (store, "spare", "sample-crm", "Spare", NULL, &error));
    id = concord_store_add_connection (store, &row, &error);
    g_assert_no_error (error);
  }
  engine = open_engine (path, secrets);
  state = concord_engine_lookup (engine, id);
  g_assert_nonnull (state);

  window = open_accounts (engine, settings);
  gtk_window_present (GTK_WINDOW (window));
  CONCORD_TEST_WAIT_FOR (account_row (GTK_WIDGET (window), "Spare") != NULL);
  g_assert_true (row_subtitle_has (GTK_WIDGET (window), "Spare", "No connection uses it"));
  g_assert_true (row_subtitle_has (GTK_WIDGET (window), "News", "Used by “Shop ↔ News”"));

  dialog = GTK_WIDGET (template_child (window, "account_dialog"));
  entry = GTK_WIDGET (template_child (window, "account_name_entry"));
  apply = GTK_WIDGET (template_child (window, "account_apply_button"));
  error_label = GTK_WIDGET (template_child (window, "account_error_label"));

  /* A name in use: said on the field, nothing renamed. */
  gtk_widget_activate_action (GTK_WIDGET (window), "accounts.rename", "s", "spare");
  CONCORD_TEST_WAIT_FOR (gtk_widget_get_mapped (dialog));
  g_assert_true (gtk_widget_get_visible (entry));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (template_child (window, "account_key_entry"))));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "Spare");
  gtk_editable_set_text (GTK_EDITABLE (entry), "News");
  concord_test_click (apply);
  CONCORD_TEST_WAIT_FOR (gtk_widget_get_visible (error_label));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (error_label)), ==,
                   "Another account is already called “News”. Choose another name.");
  g_assert_null (strstr (gtk_label_get_text (GTK_LABEL (error_label)), "UNIQUE"));
  g_assert_true (gtk_widget_has_css_class (entry, "error"));
  g_assert_true (gtk_widget_get_visible (dialog));
  concord_test_click (GTK_WIDGET (template_child (window, "account_cancel_button")));
  CONCORD_TEST_WAIT_FOR (!gtk_widget_get_visible (dialog));
  g_assert_nonnull (account_row (GTK_WIDGET (window), "Spare"));

  /* A free name: the row and the connection show it. */
  gtk_widget_activate_action (GTK_WIDGET (window), "accounts.rename", "s", "shop");
  CONCORD_TEST_WAIT_FOR (gtk_widget_get_mapped (dialog));
  g_assert_false (gtk_widget_get_visible (error_label));
  gtk_editable_set_text (GTK_EDITABLE (entry), "Shop EU");
  concord_test_click (apply);
  CONCORD_TEST_WAIT_FOR (!gtk_widget_get_visible (dialog));
  CONCORD_TEST_WAIT_FOR (account_row (GTK_WIDGET (window), "Shop EU") != NULL);
  g_assert_cmpstr (concord_connection_state_get_account_a (state), ==, "Shop EU");
  g_assert_true (row_subtitle_has (GTK_WIDGET (window), "Shop EU", "Used by “Shop ↔ News”"));

  /* Remove while used: refused, naming the connection. */
  gtk_widget_activate_action (GTK_WIDGET (window), "accounts.remove", "s", "news");
  CONCORD_TEST_WAIT_FOR ((in_use = toplevel_named ("account-in-use-dialog")) != NULL);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (in_use)),
                            "The connection “Shop ↔ News” uses this account"));
  g_assert_false (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (in_use), "remove"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (in_use), "close");
  gtk_window_destroy (GTK_WINDOW (in_use));

  /* Remove an unused one: confirmed, then gone. */
  gtk_widget_activate_action (GTK_WIDGET (window), "accounts.remove", "s", "spare");
  CONCORD_TEST_WAIT_FOR ((confirm = toplevel_named ("account-remove-dialog")) != NULL);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (confirm)),
                            "no contact is deleted"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (confirm), "remove");
  gtk_window_destroy (GTK_WINDOW (confirm));
  CONCORD_TEST_WAIT_FOR (account_row (GTK_WIDGET (window), "Spare") == NULL);
  {
    g_autoptr(ConcordStore) store = concord_store_new (path, &error);
    g_autoptr(GPtrArray) accounts = concord_store_list_accounts (store, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (accounts->len, ==, 2);
  }

  close_window (GTK_WINDOW (window));
  g_clear_object (&engine);
  concord_test_remove_dir (dir);
}

/* No account: a row says so and how accounts come. */
static void
test_accounts_empty (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.concordsync.Concord");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("concord-preferences-db-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "state.sqlite", NULL);
  g_autoptr(ConcordSecretStore) secrets = concord_secret_store_new_in_memory ();
  g_autoptr(ConcordEngine) engine = NULL;
  ConcordPreferencesWindow *window;
  GtkWidget *empty;

  g_assert_no_error (error);
  engine = open_engine (path, secrets);
  window = open_accounts (engine, settings);
  gtk_window_present (GTK_WINDOW (window));
  empty = concord_test_named (GTK_WIDGET (window), "accounts-empty");
  CONCORD_TEST_WAIT_FOR (gtk_widget_get_mapped (empty));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (empty)), ==, "No Accounts Yet");
  g_assert_null (account_row (GTK_WIDGET (window), "Shop"));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (template_child (window, "accounts_group"))));

  close_window (GTK_WINDOW (window));
  g_clear_object (&engine);
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
  concord_test_register_resources ();

  /* The preferences find the application by default: its id names the
   * entry. */
  app = g_application_new (TEST_APP_ID, G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_get_default () == app);

  g_test_add_func ("/concord/preferences/rows", test_rows);
  g_test_add_func ("/concord/preferences/start-at-login", test_start_at_login);
  g_test_add_func ("/concord/preferences/start-at-login-fails", test_start_at_login_fails);
  g_test_add_func ("/concord/preferences/follows-entry", test_follows_entry);
  g_test_add_func ("/concord/preferences/custom-fields", test_custom_fields);
  g_test_add_func ("/concord/preferences/account-options", test_account_options);
  g_test_add_func ("/concord/preferences/accounts-replace-key", test_accounts_replace_key);
  g_test_add_func ("/concord/preferences/accounts-rename-remove", test_accounts_rename_remove);
  g_test_add_func ("/concord/preferences/accounts-empty", test_accounts_empty);

  ret = g_test_run ();

  g_clear_object (&app);
  {
    g_autofree char *autostart = g_build_filename (config_dir, "autostart", NULL);

    g_rmdir (autostart);
    g_rmdir (config_dir);
  }

  return ret;
}
