/* test-connection-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A connection's page in the real application's window, over the sandbox's
 * two sample apps: activating a connection's row opens its page; leaving
 * with edits that are not saved asks first (Cancel stays, Discard leaves
 * and drops them, Save stores them and then leaves); and the
 * app.show-connection action of a notification opens the page too.
 *
 * Suites 'ui' and 'keyring': the accounts' keys go to the session keyring.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "concord-application.h"
#include "concord-connection-item.h"
#include "concord-connection-page.h"
#include "concord-sandbox.h"
#include "concord-test-ui.h"
#include "concord-test-utils.h"
#include "concord-window.h"

static ConcordApplication *app;

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

static gboolean
switch_is_off (gpointer widget)
{
  return !gtk_switch_get_active (widget);
}

static gboolean
is_dirty (gpointer page)
{
  return concord_connection_page_get_dirty (page);
}

static const char *
leaflet_page (GtkWidget *window)
{
  AdwLeaflet *leaflet = ADW_LEAFLET (gtk_widget_get_template_child (window, CONCORD_TYPE_WINDOW, "leaflet"));

  return adw_leaflet_get_visible_child_name (leaflet);
}

typedef struct
{
  GtkWidget  *window;
  const char *name;
} LeafletWait;

static gboolean
leaflet_is (gpointer data)
{
  LeafletWait *wait = data;

  return g_strcmp0 (leaflet_page (wait->window), wait->name) == 0;
}

static void
wait_leaflet (GtkWidget  *window,
              const char *name)
{
  LeafletWait wait = { window, name };

  if (!concord_test_wait_until (leaflet_is, &wait, 10))
    g_error ("the window shows “%s”, not “%s”", leaflet_page (window), name);
}

static GtkWidget *
message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (window))
        return window;
    }

  return NULL;
}

static gboolean
message_dialog_shown (gpointer data)
{
  return message_dialog () != NULL;
}

/* The stored rules are in the editors: the page's load is done (after a
 * Discard it reloads, and an edit made meanwhile would be undone). */
static gboolean
editors_shown (gpointer page)
{
  GtkStack *stack = GTK_STACK (gtk_widget_get_template_child (page, CONCORD_TYPE_CONNECTION_PAGE,
                                                              "rules_stack"));

  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), "editor") == 0 &&
         !gtk_stack_get_transition_running (stack) &&
         concord_test_find_named (page, "rule-panel-b") != NULL &&
         gtk_widget_get_mapped (concord_test_find_named (page, "rule-panel-b"));
}

static ConcordConnectionSetup *
stored (ConcordEngine *engine,
        gint64         id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  ConcordConnectionSetup *setup;

  concord_engine_load_setup_async (engine, id, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  setup = concord_engine_load_setup_finish (engine, result, &error);
  g_assert_no_error (error);
  return setup;
}

static GtkWidget *
row_of (GtkWidget *window,
        gint64     id)
{
  GtkWidget *list = GTK_WIDGET (gtk_widget_get_template_child (window, CONCORD_TYPE_WINDOW, "connection_list"));

  for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (CONCORD_IS_CONNECTION_ITEM (child) &&
        concord_connection_state_get_id (concord_connection_item_get_state (CONCORD_CONNECTION_ITEM (child))) == id)
      return child;

  return NULL;
}

static gboolean
has_row (gpointer data)
{
  return row_of (((gpointer *) data)[0], GPOINTER_TO_INT (((gpointer *) data)[1])) != NULL;
}

/* Opens the page through the row, and edits: no creating from B to A. */
static GtkWidget *
open_and_edit (GtkWidget *window,
               gint64     id)
{
  GtkWidget *page, *create;
  GtkWidget *list = GTK_WIDGET (gtk_widget_get_template_child (window, CONCORD_TYPE_WINDOW, "connection_list"));

  g_signal_emit_by_name (list, "row-activated", row_of (window, id));
  wait_leaflet (window, "connection");
  page = concord_test_named (window, "connection-page");
  concord_connection_page_show_section (CONCORD_CONNECTION_PAGE (page), "rules");
  g_assert_true (concord_test_wait_until (editors_shown, page, 30));

  create = concord_test_named (concord_test_named (page, "rule-panel-b"), "rule-create");
  if (!gtk_switch_get_active (GTK_SWITCH (create)))
    return page;
  gtk_widget_activate (create);
  g_assert_true (concord_test_wait_until (switch_is_off, create, 10));
  g_assert_true (concord_test_wait_until (is_dirty, page, 10));
  return page;
}

static void
leave_and_answer (GtkWidget  *window,
                  const char *response)
{
  GtkWidget *dialog;

  gtk_widget_activate_action (window, "win.show-connections", NULL);
  g_assert_true (concord_test_wait_until (message_dialog_shown, NULL, 10));
  dialog = message_dialog ();
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), response);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_leave_with_edits (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "sandbox-apps", NULL);
  g_autoptr(ConcordSandbox) sandbox = concord_sandbox_new (dir);
  ConcordEngine *engine = concord_application_get_engine (app);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ee = NULL;
  g_autofree char *crm = NULL;
  ConcordConnectionRow row = { 0 };
  GAsyncResult *slot = NULL;
  GtkWindow *window;
  GtkWidget *page;
  gpointer wait[2];
  gint64 id;

  g_assert_true (concord_sandbox_start (sandbox, &error));
  g_assert_no_error (error);

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_true (concord_test_wait_until (is_mapped, window, 10));

  ee = concord_test_add_account (engine, "elasticemail", "Newsletter",
                                 concord_sandbox_get_elasticemail_options_json (sandbox),
                                 concord_sandbox_get_elasticemail_key (sandbox));
  crm = concord_test_add_account (engine, "sample-crm", "Sales", concord_sandbox_get_crm_options_json (sandbox),
                                  concord_sandbox_get_crm_key (sandbox));
  row.name = (char *) "Newsletter and Sales";
  row.account_a = ee;
  row.type_a = (char *) "contacts";
  row.account_b = crm;
  row.type_b = (char *) "people";
  row.direction = CONCORD_DIRECTION_BOTH;
  concord_engine_add_connection_async (engine, &row, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  id = concord_engine_add_connection_finish (engine, result, &error);
  g_assert_no_error (error);
  wait[0] = window;
  wait[1] = GINT_TO_POINTER ((int) id);
  g_assert_true (concord_test_wait_until (has_row, wait, 10));
  g_assert_cmpstr (leaflet_page (GTK_WIDGET (window)), ==, "list");

  /* Without edits, Back just goes back. */
  g_signal_emit_by_name (gtk_widget_get_template_child (GTK_WIDGET (window), CONCORD_TYPE_WINDOW,
                                                        "connection_list"),
                         "row-activated", row_of (GTK_WIDGET (window), id));
  wait_leaflet (GTK_WIDGET (window), "connection");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-connections", NULL);
  wait_leaflet (GTK_WIDGET (window), "list");
  g_assert_null (message_dialog ());

  /* Cancel stays with the edits. */
  page = open_and_edit (GTK_WIDGET (window), id);
  leave_and_answer (GTK_WIDGET (window), "cancel");
  g_assert_cmpstr (leaflet_page (GTK_WIDGET (window)), ==, "connection");
  g_assert_true (concord_connection_page_get_dirty (CONCORD_CONNECTION_PAGE (page)));

  /* Discard leaves without them. */
  leave_and_answer (GTK_WIDGET (window), "discard");
  wait_leaflet (GTK_WIDGET (window), "list");
  {
    g_autoptr(ConcordConnectionSetup) setup = stored (engine, id);

    g_assert_true (concord_rule_list_get_create (setup->config->rules[1]));
  }

  /* Save stores them, then leaves. */
  page = open_and_edit (GTK_WIDGET (window), id);
  leave_and_answer (GTK_WIDGET (window), "save");
  wait_leaflet (GTK_WIDGET (window), "list");
  g_assert_false (concord_connection_page_get_dirty (CONCORD_CONNECTION_PAGE (page)));
  {
    g_autoptr(ConcordConnectionSetup) setup = stored (engine, id);

    g_assert_false (concord_rule_list_get_create (setup->config->rules[1]));
  }

  /* A notification's Open: the page, on its overview. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "show-connection", g_variant_new_int64 (id));
  wait_leaflet (GTK_WIDGET (window), "connection");
  {
    AdwViewStack *stack = ADW_VIEW_STACK (gtk_widget_get_template_child (page, CONCORD_TYPE_CONNECTION_PAGE,
                                                                       "view_stack"));

    g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "overview");
  }

  /* Removed while shown: back to the list. */
  g_clear_object (&result);
  slot = NULL;
  concord_engine_remove_connection_async (engine, id, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_remove_connection_finish (engine, result, &error));
  g_assert_no_error (error);
  wait_leaflet (GTK_WIDGET (window), "list");

  for (guint i = 0; i < 2; i++)
    {
      g_clear_object (&result);
      slot = NULL;
      concord_engine_remove_account_async (engine, i == 0 ? ee : crm, NULL, concord_test_store_result_cb, &slot);
      result = concord_test_wait_for_result (&slot);
      g_assert_true (concord_engine_remove_account_finish (engine, result, &error));
      g_assert_no_error (error);
    }

  gtk_window_destroy (window);
  concord_sandbox_stop (sandbox);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  app = CONCORD_APPLICATION (concord_test_app_start (&argc, &argv, "ConnectionWindow"));
  if (app == NULL)
    return 77;

  g_test_add_func ("/concord/ui/connection-window/leave-with-edits", test_leave_with_edits);
  ret = g_test_run ();

  concord_test_app_stop (G_APPLICATION (g_steal_pointer (&app)));
  return ret;
}
