/* test-connection-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A connection's row in the main window, against a real engine over two
 * in-memory apps: what it shows (apps, direction, name, contacts in sync,
 * last sync, the error badge with its reason, progress) and what its
 * controls do (on/off, stored; sync now), with accessible names; and
 * every registered app's icon found in the icon theme, from the resource.
 */

#include "config.h"

#include <string.h>

#include "concord-app-registry.h"
#include "concord-connection-item.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-memory-connector.h"
#include "concord-resources.h"
#include "concord-schedule-row.h"
#include "concord-test-ui.h"
#include "concord-test-utils.h"

static ConcordMemoryConnector *sides[2];

static ConcordConnector *
test_create (const char  *app_id,
             const char  *options_json,
             const char  *secret,
             GError     **error)
{
  return g_object_ref (CONCORD_CONNECTOR (sides[strstr (options_json, "\"b\"") != NULL ? 1 : 0]));
}

static guint finished;

static void
on_run_finished (ConcordEngine *engine)
{
  finished++;
}

static gboolean
runs_at_least (gpointer data)
{
  return finished >= GPOINTER_TO_UINT (data);
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

static GtkWidget *
find_by_type (GtkWidget *root,
              GType      type,
              guint      nth)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type) && nth-- == 0)
        return child;
      found = find_by_type (child, type, nth);
      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
label_contains (GtkWidget  *root,
                const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child) && gtk_widget_get_visible (child) &&
          strstr (gtk_label_get_label (GTK_LABEL (child)), text) != NULL)
        return TRUE;
      if (label_contains (child, text))
        return TRUE;
    }

  return FALSE;
}

static gboolean
is_off (gpointer state)
{
  return !concord_connection_state_get_enabled (state);
}

/* The database of the last engine make_engine() made. */
static char *db_path;

/* An engine over two in-memory apps, the first with three people, and a
 * connection between them, off. */
static ConcordEngine *
make_engine (gint64 *id)
{
  g_autofree char *dir = g_dir_make_tmp ("concord-row-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "state.sqlite", NULL);
  g_autoptr(ConcordSecretStore) secrets = concord_secret_store_new_in_memory ();
  ConcordEngine *engine = concord_engine_new (path, secrets, test_create);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *account_a = NULL, *account_b = NULL;
  ConcordConnectionRow row_data = { 0 };
  GAsyncResult *slot = NULL;

  g_free (db_path);
  db_path = g_strdup (path);
  finished = 0;
  for (guint s = 0; s < 2; s++)
    {
      g_autoptr(GPtrArray) schema = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

      g_ptr_array_add (schema, concord_field_spec_copy (concord_fields_lookup (CONCORD_FIELD_EMAIL)));
      g_ptr_array_add (schema, concord_field_spec_copy (concord_fields_lookup (CONCORD_FIELD_FIRST_NAME)));
      sides[s] = concord_memory_connector_new (s == 0 ? "a" : "b", CONCORD_CONNECTOR_NONE);
      concord_memory_connector_set_schema (sides[s], schema);
    }
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(ConcordRecord) record = concord_record_new (NULL);
      g_autofree char *email = g_strdup_printf ("p%u@example.com", i);

      concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
      concord_memory_connector_insert (sides[0], record);
    }

  g_signal_connect (engine, "run-finished", G_CALLBACK (on_run_finished), NULL);
  concord_engine_open_async (engine, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_open_finish (engine, result, &error));
  g_clear_object (&result);

  concord_engine_add_account_async (engine, "elasticemail", "Shop", "{\"side\": \"a\"}", "k", NULL,
                                    concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  account_a = concord_engine_add_account_finish (engine, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  concord_engine_add_account_async (engine, "sample-crm", "CRM", "{\"side\": \"b\"}", "k", NULL,
                                    concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  account_b = concord_engine_add_account_finish (engine, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  row_data.name = (char *) "Shop and CRM";
  row_data.account_a = account_a;
  row_data.type_a = (char *) "contacts";
  row_data.account_b = account_b;
  row_data.type_b = (char *) "contacts";
  row_data.direction = CONCORD_DIRECTION_A_TO_B;
  concord_engine_add_connection_async (engine, &row_data, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  *id = concord_engine_add_connection_finish (engine, result, &error);
  g_assert_no_error (error);

  return engine;
}

static void
test_row (void)
{
  gint64 id;
  g_autoptr(ConcordEngine) engine = make_engine (&id);
  ConcordConnectionState *state = concord_engine_lookup (engine, id);
  GtkWidget *window, *row, *toggle, *sync_button, *badge_holder;
  g_autoptr(GError) error = NULL;

  window = gtk_window_new ();
  row = concord_connection_item_new (engine, state);
  {
    GtkWidget *list = gtk_list_box_new ();

    gtk_list_box_append (GTK_LIST_BOX (list), row);
    gtk_window_set_child (GTK_WINDOW (window), list);
  }
  gtk_window_present (GTK_WINDOW (window));

  /* Each side's app icon, from the app's description in the registry. */
  {
    GObject *icon_a = gtk_widget_get_template_child (row, CONCORD_TYPE_CONNECTION_ITEM, "icon_a");
    GObject *icon_b = gtk_widget_get_template_child (row, CONCORD_TYPE_CONNECTION_ITEM, "icon_b");

    g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (icon_a)), ==, "concord-app-elasticemail-symbolic");
    g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (icon_b)), ==, "concord-app-sample-crm-symbolic");
  }

  /* Off at first: the name, the direction, "Off". */
  g_assert_true (label_contains (row, "Shop and CRM"));
  g_assert_true (label_contains (row, "→"));
  g_assert_true (label_contains (row, "Off"));
  g_assert_true (label_contains (row, "Never synced"));

  toggle = find_by_type (row, GTK_TYPE_SWITCH, 0);
  sync_button = find_by_type (row, GTK_TYPE_BUTTON, 0);
  g_assert_nonnull (toggle);
  g_assert_nonnull (sync_button);
  /* One control turns it on and off: the switch (no Pause beside it). */
  g_assert_null (find_by_type (row, GTK_TYPE_TOGGLE_BUTTON, 0));
  /* Every control says what it does, naming the connection. */
  assert_label (toggle, "Sync Shop and CRM");
  assert_label (sync_button, "Sync Shop and CRM now");

  /* Switched on: it runs, then shows the contacts in sync. */
  gtk_switch_set_active (GTK_SWITCH (toggle), TRUE);
  g_assert_true (concord_test_wait_until (runs_at_least, GUINT_TO_POINTER (1), 30));
  g_assert_true (concord_connection_state_get_enabled (state));
  g_assert_true (label_contains (row, "3 contacts in sync"));
  g_assert_true (label_contains (row, "Synced just now"));

  /* A failure: the badge and the reason in one line. */
  {
    g_autoptr(GError) broken = g_error_new (CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                                            "Elastic Email refused the API key");
    /* (the row shows the engine's one line: who refused, what to do) */

    concord_memory_connector_fail_list_at_page (sides[0], 0, broken);
  }
  g_signal_emit_by_name (sync_button, "clicked");
  g_assert_true (concord_test_wait_until (runs_at_least, GUINT_TO_POINTER (2), 30));
  badge_holder = row;
  g_assert_true (label_contains (badge_holder, "Failing"));
  /* (made from the error's code and side, not from its message) */
  g_assert_true (label_contains (row, "Shop refused Concord’s API key"));

  /* Sync now again: recovered, the badge goes. */
  g_signal_emit_by_name (sync_button, "clicked");
  g_assert_true (concord_test_wait_until (runs_at_least, GUINT_TO_POINTER (3), 30));
  g_assert_false (label_contains (row, "Failing"));

  /* Switched off: stored, so it stays off on the next start. */
  gtk_switch_set_active (GTK_SWITCH (toggle), FALSE);
  g_assert_true (concord_test_wait_until (is_off, state, 30));
  g_assert_true (label_contains (row, "Off"));
  {
    g_autoptr(ConcordStore) store = concord_store_new (db_path, &error);
    g_autoptr(ConcordConnectionRow) stored = NULL;

    g_assert_no_error (error);
    stored = concord_store_get_connection_by_id (store, id, &error);
    g_assert_no_error (error);
    g_assert_false (stored->enabled);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&sides[0]);
  g_clear_object (&sides[1]);
}

static gboolean
label_matches (GtkWidget  *root,
               const char *pattern)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child) && gtk_widget_get_visible (child) &&
          g_regex_match_simple (pattern, gtk_label_get_label (GTK_LABEL (child)), 0, 0))
        return TRUE;
      if (label_matches (child, pattern))
        return TRUE;
    }

  return FALSE;
}

/* The row says when the next sync is, and the time counts down by itself:
 * minutes, then seconds in the last minute; nothing while off. */
static void
test_next_sync (void)
{
  gint64 id;
  g_autoptr(ConcordEngine) engine = make_engine (&id);
  ConcordConnectionState *state = concord_engine_lookup (engine, id);
  GtkWidget *window, *row;

  /* Every connection every 61 s: "2 min", then "1 min", then seconds. */
  concord_engine_set_interval (engine, 61);
  concord_engine_start_schedule (engine);

  window = gtk_window_new ();
  row = concord_connection_item_new (engine, state);
  {
    GtkWidget *list = gtk_list_box_new ();

    gtk_list_box_append (GTK_LIST_BOX (list), row);
    gtk_window_set_child (GTK_WINDOW (window), list);
  }
  gtk_window_present (GTK_WINDOW (window));
  g_assert_false (label_contains (row, "Next sync"));

  /* Switched on, it runs, and its next run is due. */
  gtk_switch_set_active (GTK_SWITCH (find_by_type (row, GTK_TYPE_SWITCH, 0)), TRUE);
  CONCORD_TEST_WAIT_FOR (finished >= 1);
  CONCORD_TEST_WAIT_FOR (concord_connection_state_get_next_sync (state) > 0);
  g_assert_true (label_contains (row, "Next sync in"));
  g_assert_true (label_matches (row, "Next sync in [12] min$"));

  /* Nothing happens to the state in the meantime: the row's own clock. */
  CONCORD_TEST_WAIT_FOR (label_matches (row, "Next sync in [0-9]+ s$"));
  g_assert_cmpuint (finished, ==, 1);

  /* Switched off: no next sync. */
  gtk_switch_set_active (GTK_SWITCH (find_by_type (row, GTK_TYPE_SWITCH, 0)), FALSE);
  CONCORD_TEST_WAIT_FOR (!concord_connection_state_get_enabled (state));
  g_assert_false (label_contains (row, "Next sync"));
  g_assert_true (label_contains (row, "Off"));

  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&sides[0]);
  g_clear_object (&sides[1]);
}

static guint
state_schedule (ConcordConnectionState *state)
{
  return concord_connection_state_get_schedule (state);
}

static const char *
choice (AdwComboRow *combo,
        guint        position)
{
  return gtk_string_list_get_string (GTK_STRING_LIST (adw_combo_row_get_model (combo)), position);
}

/* The connection page's schedule choice: automatic by default, showing the
 * engine's cadence; a choice is stored with the connection and moves its
 * next sync; a schedule set elsewhere shows. */
static void
test_schedule_choice (void)
{
  gint64 id;
  g_autoptr(ConcordEngine) engine = make_engine (&id);
  ConcordConnectionState *state = concord_engine_lookup (engine, id);
  GtkWidget *window, *group;
  AdwComboRow *combo;

  window = gtk_window_new ();
  group = concord_schedule_row_new (engine);
  concord_schedule_row_set_state (CONCORD_SCHEDULE_ROW (group), state);
  gtk_window_set_child (GTK_WINDOW (window), group);
  gtk_window_present (GTK_WINDOW (window));
  combo = ADW_COMBO_ROW (concord_test_named (group, "schedule-combo"));
  assert_label (GTK_WIDGET (combo), "Sync schedule");

  g_assert_cmpuint (adw_combo_row_get_selected (combo), ==, 0);
  g_assert_cmpstr (choice (combo, 0), ==, "Automatic (every 1 min)");
  g_assert_cmpstr (choice (combo, 1), ==, "Every minute");
  g_assert_cmpstr (choice (combo, 2), ==, "Every 5 minutes");
  g_assert_cmpstr (choice (combo, 4), ==, "Every hour");

  /* Every 5 minutes: stored, and the next sync moves with it. */
  concord_engine_start_schedule (engine);
  adw_combo_row_set_selected (combo, 2);
  CONCORD_TEST_WAIT_FOR (state_schedule (state) == 300);
  g_assert_cmpint (concord_connection_state_get_next_sync (state), ==, 0);  /* still off */
  g_assert_cmpstr (choice (combo, adw_combo_row_get_selected (combo)), ==, "Every 5 minutes");

  /* Back to automatic. */
  adw_combo_row_set_selected (combo, 0);
  CONCORD_TEST_WAIT_FOR (state_schedule (state) == 0);

  /* Set elsewhere (the CLI): 2 hours is one more choice, selected. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    GAsyncResult *slot = NULL;

    concord_engine_set_schedule_async (engine, id, 7200, NULL, concord_test_store_result_cb, &slot);
    result = concord_test_wait_for_result (&slot);
    g_assert_true (concord_engine_set_schedule_finish (engine, result, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpstr (choice (combo, adw_combo_row_get_selected (combo)), ==, "Every 2 hours");

  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&sides[0]);
  g_clear_object (&sides[1]);
}

/* Every app in the registry has an icon of its own, compiled into the
 * application's resource (from the app's folder in src/connectors/): the
 * default icon theme finds it, as a symbolic icon, in the resource, not in
 * whatever icon theme the computer has installed. */
static void
test_app_icons (void)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());
  const ConcordAppInfo **apps;
  guint n_apps = 0;

  apps = concord_app_registry_list (&n_apps);
  g_assert_cmpuint (n_apps, >=, 2);
  for (guint i = 0; i < n_apps; i++)
    {
      const char *icon_name = concord_app_info_get_icon_name (apps[i]);
      g_autoptr(GtkIconPaintable) icon = NULL;
      g_autoptr(GFile) file = NULL;
      g_autofree char *uri = NULL;
      g_autofree char *expected = NULL;

      g_assert_nonnull (icon_name);
      g_test_message ("%s: %s", apps[i]->id, icon_name);
      g_assert_true (gtk_icon_theme_has_icon (theme, icon_name));

      icon = gtk_icon_theme_lookup_icon (theme, icon_name, NULL, 16, 1, GTK_TEXT_DIR_NONE, 0);
      g_assert_true (gtk_icon_paintable_is_symbolic (icon));
      file = gtk_icon_paintable_get_file (icon);
      g_assert_nonnull (file);
      uri = g_file_get_uri (file);
      expected = g_strdup_printf ("resource://" RESOURCE_BASE_PATH "/icons/scalable/actions/%s.svg",
                                  icon_name);
      g_assert_cmpstr (uri, ==, expected);
    }
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init_ui (&argc, &argv);
  adw_init ();
  concord_test_register_resources ();

  g_test_add_func ("/concord/ui/app-icons", test_app_icons);
  g_test_add_func ("/concord/ui/connection-row", test_row);
  g_test_add_func ("/concord/ui/connection-row/next-sync", test_next_sync);
  g_test_add_func ("/concord/ui/schedule-choice", test_schedule_choice);

  return g_test_run ();
}
