/* test-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Starts the real application under a display (xvfb-run in CI), presents
 * the main window and checks what a new user sees: the empty state with its
 * Add Connection button, the primary menu, the actions and shortcuts, the
 * preferences bound to GSettings, and the window size kept across starts.
 */

#include "config.h"

#include <adwaita.h>

#include "concord-add-connection-dialog.h"
#include "concord-add-connection-side.h"
#include "concord-application.h"
#include "concord-preferences-window.h"
#include "concord-test-utils.h"
#include "concord-window.h"

static ConcordApplication *app;

static gboolean
widget_is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

static gboolean
window_is_gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static ConcordWindow *
present_main_window (void)
{
  GtkWindow *window;

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_true (CONCORD_IS_WINDOW (window));
  g_assert_true (concord_test_wait_until (widget_is_mapped, window, 10));

  return CONCORD_WINDOW (window);
}

static void
close_window (GtkWindow *window)
{
  gpointer weak = window;

  g_object_add_weak_pointer (G_OBJECT (window), &weak);
  gtk_window_close (window);
  g_assert_true (concord_test_wait_until (window_is_gone, &weak, 10));
}

static GObject *
template_child (gpointer    widget,
                GType       type,
                const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  g_assert_nonnull (child);
  return child;
}

static void
test_empty_state (void)
{
  ConcordWindow *window = present_main_window ();
  GtkStack *stack = GTK_STACK (template_child (window, CONCORD_TYPE_WINDOW, "main_stack"));
  AdwStatusPage *empty = ADW_STATUS_PAGE (template_child (window, CONCORD_TYPE_WINDOW, "empty_page"));
  GtkButton *button = GTK_BUTTON (template_child (window, CONCORD_TYPE_WINDOW, "add_connection_button"));

  g_assert_true (ADW_IS_APPLICATION_WINDOW (window));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Concord");

  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (empty)));
  g_assert_cmpstr (adw_status_page_get_title (empty), ==, "No connections yet");

  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (button)));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (button)));
  g_assert_cmpstr (gtk_button_get_label (button), ==, "_Add Connection");
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==,
                   "win.add-connection");
  /* The button really reaches an installed, enabled action. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (button), "win.add-connection", NULL));

  close_window (GTK_WINDOW (window));
}

static GtkWindow *
add_connection_dialog (void)
{
  g_autoptr(GList) windows = gtk_window_list_toplevels ();

  for (GList *l = windows; l != NULL; l = l->next)
    if (CONCORD_IS_ADD_CONNECTION_DIALOG (l->data) && gtk_widget_get_mapped (l->data))
      return l->data;

  return NULL;
}

static gboolean
has_add_connection_dialog (gpointer data)
{
  return add_connection_dialog () != NULL;
}

/* "Try with Sample Data" offers each app the sandbox can run as the second
 * side; choosing one opens Add Connection with both apps chosen. */
static void
test_sample_data_menu (void)
{
  ConcordWindow *window = present_main_window ();
  GtkMenuButton *button = GTK_MENU_BUTTON (template_child (window, CONCORD_TYPE_WINDOW, "sample_data_button"));
  GMenuModel *menu = gtk_menu_button_get_menu_model (button);
  g_auto(GStrv) apps = concord_sandbox_list_apps ();
  GtkWindow *dialog;
  GtkWidget *side_b;
  gboolean pipedrive = FALSE;

  g_assert_cmpstr (gtk_menu_button_get_label (button), ==, "_Try with Sample Data");
  g_assert_nonnull (menu);
  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, g_strv_length (apps));
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *label = NULL;
      g_autofree char *action = NULL;
      g_autoptr(GVariant) target = g_menu_model_get_item_attribute_value (menu, i, G_MENU_ATTRIBUTE_TARGET,
                                                                          G_VARIANT_TYPE_STRING);

      g_assert_true (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label));
      g_assert_true (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &action));
      g_assert_cmpstr (action, ==, "win.try-sample-app");
      g_assert_nonnull (target);
      g_assert_cmpstr (g_variant_get_string (target, NULL), ==, apps[i]);
      if (g_str_equal (apps[i], "sample-crm"))
        g_assert_cmpstr (label, ==, "Sample CRM");
      else if (g_str_equal (apps[i], "pipedrive"))
        {
          g_assert_cmpstr (label, ==, "Sample Pipedrive");
          pipedrive = TRUE;
        }
    }
  g_assert_true (pipedrive);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.try-sample-app", "s", "pipedrive"));
  g_assert_true (concord_test_wait_until (has_add_connection_dialog, NULL, 60));
  dialog = add_connection_dialog ();
  side_b = GTK_WIDGET (template_child (dialog, CONCORD_TYPE_ADD_CONNECTION_DIALOG, "side_b"));
  g_assert_cmpstr (concord_add_connection_side_get_app (CONCORD_ADD_CONNECTION_SIDE (side_b))->id, ==, "pipedrive");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (template_child (side_b, CONCORD_TYPE_ADD_CONNECTION_SIDE,
                                                                        "key_row"))), !=, "");

  close_window (dialog);
  close_window (GTK_WINDOW (window));
}

static void
test_menu_and_actions (void)
{
  ConcordWindow *window = present_main_window ();
  GtkMenuButton *menu_button;
  GMenuModel *menu;
  g_autoptr(GPtrArray) actions = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) quit_accels = NULL;
  g_auto(GStrv) help_accels = NULL;
  GMenuModel *section;

  menu_button = GTK_MENU_BUTTON (template_child (window, CONCORD_TYPE_WINDOW, "primary_menu_button"));
  g_assert_true (gtk_menu_button_get_primary (menu_button));
  menu = gtk_menu_button_get_menu_model (menu_button);
  g_assert_nonnull (menu);

  /* Collect every action the primary menu points at. */
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);
      for (int j = 0; section != NULL && j < g_menu_model_get_n_items (section); j++)
        {
          char *action = NULL;

          if (g_menu_model_get_item_attribute (section, j, G_MENU_ATTRIBUTE_ACTION, "s", &action))
            g_ptr_array_add (actions, action);
        }
      g_clear_object (&section);
    }
  g_ptr_array_add (actions, NULL);
  g_assert_cmpstrv ((const char * const *) actions->pdata,
                    ((const char * const[]) { "app.preferences", "win.show-help-overlay",
                                              "app.about", NULL }));

  /* Application actions, registered the GNOME way. */
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "quit"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "about"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "preferences"));

  quit_accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.quit");
  g_assert_true (g_strv_contains ((const char * const *) quit_accels, "<Control>q"));
  help_accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.show-help-overlay");
  g_assert_true (g_strv_contains ((const char * const *) help_accels, "<Control>question"));

  /* The Keyboard Shortcuts window comes from the resource. */
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));

  /* About opens an AdwAboutWindow. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  {
    gboolean found = FALSE;

    for (GList *l = gtk_window_list_toplevels (); l != NULL; l = g_list_delete_link (l, l))
      if (ADW_IS_ABOUT_WINDOW (l->data))
        {
          g_assert_cmpstr (adw_about_window_get_application_name (l->data), ==, PACKAGE_NAME);
          g_assert_cmpstr (adw_about_window_get_version (l->data), ==, PACKAGE_VERSION);
          gtk_window_destroy (l->data);
          found = TRUE;
        }
    g_assert_true (found);
  }

  close_window (GTK_WINDOW (window));
}

static void
test_preferences (void)
{
  ConcordWindow *window = present_main_window ();
  GSettings *settings = concord_application_get_settings (app);
  ConcordPreferencesWindow *preferences = NULL;
  GtkSwitch *background;
  GtkSwitch *notify;

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  for (GList *l = gtk_window_list_toplevels (); l != NULL; l = g_list_delete_link (l, l))
    if (CONCORD_IS_PREFERENCES_WINDOW (l->data))
      preferences = l->data;
  g_assert_nonnull (preferences);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (preferences)) == GTK_WINDOW (window));

  background = GTK_SWITCH (template_child (preferences, CONCORD_TYPE_PREFERENCES_WINDOW,
                                           "background_switch"));
  notify = GTK_SWITCH (template_child (preferences, CONCORD_TYPE_PREFERENCES_WINDOW,
                                       "notify_switch"));

  /* Values follow the settings both ways. */
  g_assert_cmpint (gtk_switch_get_active (background), ==,
                   g_settings_get_boolean (settings, "background-sync"));
  gtk_switch_set_active (background, FALSE);
  g_assert_false (g_settings_get_boolean (settings, "background-sync"));

  g_settings_set_boolean (settings, "notify-errors", FALSE);
  g_assert_false (gtk_switch_get_active (notify));

  g_settings_reset (settings, "background-sync");
  g_settings_reset (settings, "notify-errors");

  close_window (GTK_WINDOW (preferences));
  close_window (GTK_WINDOW (window));
}

static void
test_window_size_remembered (void)
{
  GSettings *settings = concord_application_get_settings (app);
  ConcordWindow *window;
  int width, height;

  window = present_main_window ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1010, 707);
  close_window (GTK_WINDOW (window));

  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 1010);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 707);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));

  window = present_main_window ();
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 1010);
  g_assert_cmpint (height, ==, 707);
  close_window (GTK_WINDOW (window));

  g_settings_reset (settings, "window-width");
  g_settings_reset (settings, "window-height");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = NULL;
  int ret;

  concord_test_init_ui (&argc, &argv);

  /* The app's engine opens its store here, not in the user's data. */
  data_dir = g_dir_make_tmp ("concord-window-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("CONCORD_DATA_DIR", data_dir, TRUE);

  /* A test instance of the app: non-unique, so it never talks to a running
   * Concord, and with its own id. */
  app = concord_application_new (APP_ID ".Test", G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  /* Keep the application alive between windows. */
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/concord/window/empty-state", test_empty_state);
  g_test_add_func ("/concord/window/menu-and-actions", test_menu_and_actions);
  g_test_add_func ("/concord/window/sample-data-menu", test_sample_data_menu);
  g_test_add_func ("/concord/window/preferences", test_preferences);
  g_test_add_func ("/concord/window/size-remembered", test_window_size_remembered);

  ret = g_test_run ();

  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);

  return ret;
}
