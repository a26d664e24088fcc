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
 * Its menu renames a connection (a name another one has is refused on the
 * field) and removes it after asking (the contacts in both apps stay); on
 * a connection to the sample apps it removes the sample data as a whole,
 * which does not come back when Concord starts again. A failing run shows
 * a banner with the reason, the fix and Try Again, and a failed run in
 * Activity; Try Again once the app works again hides the banner.
 *
 * Suites 'ui' and 'keyring': the accounts' keys go to the session keyring.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "concord-application.h"
#include "concord-connection-item.h"
#include "concord-connection-page.h"
#include "concord-engine-activity.h"
#include "concord-error.h"
#include "concord-mock-elasticemail.h"
#include "concord-sandbox.h"
#include "concord-test-ui.h"
#include "concord-test-utils.h"
#include "concord-window.h"

static ConcordApplication *app;

static gboolean
switch_is_off (gpointer widget)
{
  return !gtk_switch_get_active (widget);
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

/* Opens the page through the row, and edits: no creating from B to A. */
static GtkWidget *
open_and_edit (GtkWidget *window,
               gint64     id)
{
  GtkWidget *page, *create;
  GtkWidget *list = GTK_WIDGET (gtk_widget_get_template_child (window, CONCORD_TYPE_WINDOW, "connection_list"));

  g_signal_emit_by_name (list, "row-activated", concord_test_connection_row (window, id));
  wait_leaflet (window, "connection");
  page = concord_test_named (window, "connection-page");
  concord_connection_page_show_section (CONCORD_CONNECTION_PAGE (page), "rules");
  CONCORD_TEST_WAIT_FOR (concord_test_rule_editors_shown (page, "rule-panel-b"));

  create = concord_test_named (concord_test_named (page, "rule-panel-b"), "rule-create");
  if (!gtk_switch_get_active (GTK_SWITCH (create)))
    return page;
  gtk_widget_activate (create);
  g_assert_true (concord_test_wait_until (switch_is_off, create, 10));
  g_assert_true (concord_test_wait_until (concord_test_page_is_dirty, page, 10));
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
  g_assert_true (concord_test_wait_until (concord_test_is_mapped, window, 10));

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
  g_assert_true (concord_test_wait_until (concord_test_has_connection_row, wait, 10));
  g_assert_cmpstr (leaflet_page (GTK_WIDGET (window)), ==, "list");

  /* Without edits, Back just goes back. */
  g_signal_emit_by_name (gtk_widget_get_template_child (GTK_WIDGET (window), CONCORD_TYPE_WINDOW,
                                                        "connection_list"),
                         "row-activated", concord_test_connection_row (GTK_WIDGET (window), id));
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
    g_autoptr(ConcordConnectionSetup) setup = concord_test_load_setup (engine, id);

    g_assert_true (concord_rule_list_get_create (setup->config->rules[1]));
  }

  /* Save stores them, then leaves. */
  page = open_and_edit (GTK_WIDGET (window), id);
  leave_and_answer (GTK_WIDGET (window), "save");
  wait_leaflet (GTK_WIDGET (window), "list");
  g_assert_false (concord_connection_page_get_dirty (CONCORD_CONNECTION_PAGE (page)));
  {
    g_autoptr(ConcordConnectionSetup) setup = concord_test_load_setup (engine, id);

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

/* ------------------------------------------------------------------------- */
/* Rename, remove, failures, the sample data                                 */
/* ------------------------------------------------------------------------- */

typedef struct
{
  ConcordMockElasticEmail *mock[2];
  char                    *account[2];
  gint64                   id;
} Pair;

static void
pair_clear (Pair *pair)
{
  ConcordEngine *engine = concord_application_get_engine (app);

  for (guint s = 0; s < 2; s++)
    {
      if (pair->account[s] != NULL)
        {
          g_autoptr(GAsyncResult) result = NULL;
          GAsyncResult *slot = NULL;

          /* Best effort: a connection may still use it in a failed test. */
          concord_engine_remove_account_async (engine, pair->account[s], NULL, concord_test_store_result_cb, &slot);
          result = concord_test_wait_for_result (&slot);
          concord_engine_remove_account_finish (engine, result, NULL);
        }
      g_clear_pointer (&pair->account[s], g_free);
      g_clear_object (&pair->mock[s]);
    }
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Pair, pair_clear)

/* Two Elastic Email look-alikes with the same 20 made-up people (their
 * details differ), their accounts, and a connection between them. */
static void
pair_init (Pair       *pair,
           const char *name,
           const char *prefix,
           gboolean    enabled)
{
  ConcordEngine *engine = concord_application_get_engine (app);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ConcordConnectionRow row = { 0 };
  GAsyncResult *slot = NULL;

  for (guint s = 0; s < 2; s++)
    {
      g_autofree char *key = g_strdup_printf ("key-%u", s);
      g_autofree char *options = NULL;
      g_autofree char *account = g_strdup_printf ("%s %c", prefix, s == 0 ? 'A' : 'B');

      pair->mock[s] = concord_mock_elasticemail_new (key, 0, &error);
      g_assert_no_error (error);
      concord_mock_elasticemail_generate (pair->mock[s], 20, s == 0 ? 1 : 2);
      options = g_strdup_printf ("{\"base_url\": \"%s\"}", concord_mock_elasticemail_get_base_url (pair->mock[s]));
      pair->account[s] = concord_test_add_account (engine, "elasticemail", account, options, key);
    }

  row.name = (char *) name;
  row.account_a = pair->account[0];
  row.type_a = (char *) "contacts";
  row.account_b = pair->account[1];
  row.type_b = (char *) "contacts";
  row.direction = CONCORD_DIRECTION_BOTH;
  row.enabled = enabled;
  concord_engine_add_connection_async (engine, &row, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  pair->id = concord_engine_add_connection_finish (engine, result, &error);
  g_assert_no_error (error);
}

static GtkWidget *
present_window (void)
{
  GtkWindow *window;

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_true (concord_test_wait_until (concord_test_is_mapped, window, 10));
  return GTK_WIDGET (window);
}

static GtkWidget *
open_page (GtkWidget *window,
           gint64     id)
{
  GtkWidget *list = GTK_WIDGET (gtk_widget_get_template_child (window, CONCORD_TYPE_WINDOW, "connection_list"));
  gpointer wait[2] = { window, GINT_TO_POINTER ((int) id) };

  g_assert_true (concord_test_wait_until (concord_test_has_connection_row, wait, 10));
  g_signal_emit_by_name (list, "row-activated", concord_test_connection_row (window, id));
  wait_leaflet (window, "connection");
  return concord_test_named (window, "connection-page");
}

static const char *
row_title (GtkWidget *window,
           gint64     id)
{
  GtkWidget *row = concord_test_connection_row (window, id);
  GObject *label;

  if (row == NULL)
    return NULL;
  label = gtk_widget_get_template_child (row, CONCORD_TYPE_CONNECTION_ITEM, "title_label");
  return gtk_label_get_label (GTK_LABEL (label));
}

static gboolean
has_synced (gpointer state)
{
  return concord_connection_state_get_last_sync (state) > 0 &&
         concord_connection_state_get_status (state) != CONCORD_CONNECTION_RUNNING;
}

static ConcordConnectionRow *
stored_connection (gint64   id,
                   GError **error)
{
  g_autofree char *path = g_build_filename (g_getenv ("CONCORD_DATA_DIR"), "state.sqlite", NULL);
  g_autoptr(ConcordStore) store = concord_store_new (path, error);

  return store != NULL ? concord_store_get_connection_by_id (store, id, error) : NULL;
}

static const char *
state_name (ConcordEngine *engine,
            gint64         id)
{
  ConcordConnectionState *state = concord_engine_lookup (engine, id);

  return state != NULL ? concord_connection_state_get_name (state) : NULL;
}

static void
test_rename_and_remove (void)
{
  ConcordEngine *engine = concord_application_get_engine (app);
  g_auto(Pair) pair = { 0 };
  g_auto(Pair) other = { 0 };
  g_autoptr(GError) error = NULL;
  GtkWidget *window, *page, *dialog, *entry, *error_label;
  ConcordConnectionState *state;
  guint n_contacts[2];

  pair_init (&pair, "Shop and Newsletter", "Rename", TRUE);
  pair_init (&other, "Leads", "Other", FALSE);
  window = present_window ();

  /* Synced once: its contacts are in both apps, and paired. */
  state = concord_engine_lookup (engine, pair.id);
  concord_engine_sync_now (engine, pair.id);
  g_assert_true (concord_test_wait_until (has_synced, state, 60));
  g_assert_null (concord_connection_state_get_error (state));
  for (guint s = 0; s < 2; s++)
    n_contacts[s] = concord_mock_elasticemail_get_n_contacts (pair.mock[s]);
  g_assert_cmpint (concord_connection_state_get_n_linked (state), ==, 20);

  page = open_page (window, pair.id);

  /* Rename: the name of another connection is refused on the field. */
  gtk_widget_activate_action (page, "page.rename", NULL);
  g_assert_true (concord_test_wait_until (message_dialog_shown, NULL, 10));
  dialog = message_dialog ();
  entry = concord_test_named (dialog, "rename-entry");
  error_label = concord_test_named (dialog, "rename-error");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "Shop and Newsletter");
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "rename"));

  gtk_editable_set_text (GTK_EDITABLE (entry), "Leads");
  g_assert_true (gtk_widget_get_visible (error_label));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (error_label)), ==, "Another connection is already called “Leads”");
  g_assert_true (gtk_widget_has_css_class (entry, "error"));
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "rename"));
  concord_test_save_window (dialog, "connection-rename-taken.png", 300);

  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (error_label)), ==, "Enter a name");
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "rename"));

  gtk_editable_set_text (GTK_EDITABLE (entry), "Customers");
  g_assert_false (gtk_widget_get_visible (error_label));
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "rename"));
  concord_test_save_window (dialog, "connection-rename.png", 300);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "rename");
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* The list and the page follow at once; the store has it. */
  CONCORD_TEST_WAIT_FOR (g_strcmp0 (state_name (engine, pair.id), "Customers") == 0);
  CONCORD_TEST_WAIT_FOR (g_strcmp0 (row_title (window, pair.id), "Customers") == 0);
  {
    g_autoptr(ConcordConnectionRow) row = stored_connection (pair.id, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (row->name, ==, "Customers");
  }

  /* Remove: it asks first, saying the contacts stay. */
  gtk_widget_activate_action (page, "page.remove", NULL);
  g_assert_true (concord_test_wait_until (message_dialog_shown, NULL, 10));
  dialog = message_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==, "Remove “Customers”?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)),
                            "Your contacts stay as they are in both apps"));
  concord_test_save_window (dialog, "connection-remove.png", 300);

  /* Cancel keeps it. */
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_nonnull (concord_engine_lookup (engine, pair.id));

  gtk_widget_activate_action (page, "page.remove", NULL);
  g_assert_true (concord_test_wait_until (message_dialog_shown, NULL, 10));
  dialog = message_dialog ();
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "remove");
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* Gone from the list and the store; back to the list; the contacts
   * stay in both apps; the other connection is untouched. */
  wait_leaflet (window, "list");
  CONCORD_TEST_WAIT_FOR (concord_engine_lookup (engine, pair.id) == NULL);
  g_assert_null (concord_test_connection_row (window, pair.id));
  {
    g_autoptr(ConcordConnectionRow) row = stored_connection (pair.id, &error);

    g_assert_null (row);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }
  for (guint s = 0; s < 2; s++)
    g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (pair.mock[s]), ==, n_contacts[s]);
  g_assert_cmpstr (state_name (engine, other.id), ==, "Leads");

  /* The other connection goes too, for the accounts to go. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    GAsyncResult *slot = NULL;

    concord_engine_remove_connection_async (engine, other.id, NULL, concord_test_store_result_cb, &slot);
    result = concord_test_wait_for_result (&slot);
    g_assert_true (concord_engine_remove_connection_finish (engine, result, &error));
    g_assert_no_error (error);
  }
  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
revealed (gpointer revealer)
{
  return gtk_revealer_get_reveal_child (revealer);
}

static gboolean
not_revealed (gpointer revealer)
{
  return !gtk_revealer_get_reveal_child (revealer);
}

static gboolean
not_running (gpointer state)
{
  return concord_connection_state_get_status (state) != CONCORD_CONNECTION_RUNNING;
}

static void
test_failure_banner (void)
{
  ConcordEngine *engine = concord_application_get_engine (app);
  g_auto(Pair) pair = { 0 };
  g_autoptr(GError) error = NULL;
  GtkWidget *window, *page, *try_again;
  GtkRevealer *banner;
  ConcordConnectionState *state;
  gboolean failed_run = FALSE;

  pair_init (&pair, "Shop and Newsletter", "Failing", TRUE);
  window = present_window ();
  state = concord_engine_lookup (engine, pair.id);
  page = open_page (window, pair.id);
  banner = GTK_REVEALER (gtk_widget_get_template_child (page, CONCORD_TYPE_CONNECTION_PAGE, "failure_revealer"));
  try_again = concord_test_named (page, "try-again-button");
  g_assert_false (gtk_revealer_get_reveal_child (banner));

  /* The key of side A loses its access: the fields cannot be read. */
  concord_mock_elasticemail_set_access (pair.mock[0], FALSE, FALSE);
  gtk_widget_activate_action (page, "page.try-again", NULL);
  g_assert_true (concord_test_wait_until (revealed, banner, 60));
  g_assert_true (concord_test_wait_until (not_running, state, 60));
  g_assert_cmpint (concord_connection_state_get_status (state), ==, CONCORD_CONNECTION_FAILING);
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (concord_test_named (page, "failure-title"))), ==,
                   "Failing A refused Concord’s API key");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (concord_test_named (page, "failure-fix"))), ==,
                   "Once the new key is in, this connection syncs again by itself.");
  g_assert_true (gtk_widget_get_visible (concord_test_named (page, "failure-preferences-button")));
  CONCORD_TEST_WAIT_FOR (gtk_widget_get_sensitive (try_again));

  /* The Overview counts it, as the row does: not "Failing 0". */
  CONCORD_TEST_WAIT_FOR (g_strcmp0 (gtk_label_get_label (GTK_LABEL (concord_test_named (page,
                                                        "health-failing-count"))), "All") == 0);

  /* The failed run is in Activity, with its reason in one line. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GPtrArray) rows = NULL;
    GAsyncResult *slot = NULL;
    guint total = 0;

    concord_engine_query_activity_async (engine, pair.id, NULL, 0, 50, NULL, concord_test_store_result_cb, &slot);
    result = concord_test_wait_for_result (&slot);
    rows = concord_engine_query_activity_finish (engine, result, &total, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < rows->len; i++)
      {
        ConcordActivityRow *row = g_ptr_array_index (rows, i);

        if (row->kind == CONCORD_ACTIVITY_ERROR && row->run_id != 0 && g_strcmp0 (row->status, "failed") == 0)
          {
            failed_run = TRUE;
            g_assert_cmpstr (row->explanation, ==, "Failing A refused Concord’s API key");
            g_assert_null (strchr (row->detail, '\n'));
          }
      }
    g_assert_true (failed_run);
  }
  concord_connection_page_show_section (CONCORD_CONNECTION_PAGE (page), "activity");
  CONCORD_TEST_WAIT_FOR (concord_test_find_text (page, "Failing A refused Concord’s API key") != NULL);

  concord_connection_page_show_section (CONCORD_CONNECTION_PAGE (page), "overview");
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
  concord_test_save_window (window, "connection-failure-banner.png", 500);
  /* As narrow as the window goes (360 px once every page allows it). */
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 640);
  concord_test_save_window (window, "connection-failure-banner-narrow.png", 500);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);

  /* Fixed: Try Again recovers, and the banner goes. */
  concord_mock_elasticemail_set_access (pair.mock[0], TRUE, TRUE);
  concord_test_click (try_again);
  g_assert_true (concord_test_wait_until (not_revealed, banner, 60));
  g_assert_true (concord_test_wait_until (not_running, state, 60));
  g_assert_null (concord_connection_state_get_error (state));
  g_assert_cmpint (concord_connection_state_get_status (state), ==, CONCORD_CONNECTION_IDLE);

  {
    g_autoptr(GAsyncResult) result = NULL;
    GAsyncResult *slot = NULL;

    concord_engine_remove_connection_async (engine, pair.id, NULL, concord_test_store_result_cb, &slot);
    result = concord_test_wait_for_result (&slot);
    g_assert_true (concord_engine_remove_connection_finish (engine, result, &error));
    g_assert_no_error (error);
  }
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The sandbox the application runs, its accounts and a connection: what
 * "Try with sample data" leaves behind. */
static void
sandbox_started_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
sandbox_dir_exists (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("CONCORD_DATA_DIR"), "sandbox", NULL);

  return g_file_test (dir, G_FILE_TEST_EXISTS);
}

static GPtrArray *
list_accounts (ConcordEngine *engine)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *accounts;

  concord_engine_list_accounts_async (engine, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  accounts = concord_engine_list_accounts_finish (engine, result, &error);
  g_assert_no_error (error);
  return accounts;
}

static void
test_remove_sample_data (void)
{
  ConcordEngine *engine = concord_application_get_engine (app);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autofree char *ee = NULL;
  g_autofree char *crm = NULL;
  g_autofree char *base_url = NULL;
  g_auto(Pair) own = { 0 };
  ConcordConnectionRow row = { 0 };
  ConcordSandbox *sandbox;
  GAsyncResult *slot = NULL;
  GtkWidget *window, *page, *dialog;
  gint64 id;

  /* The user's own connection stays (off: the second start below would
   * run it while this one removes it). */
  pair_init (&own, "My own", "Own", FALSE);

  concord_application_start_sandbox_async (app, NULL, sandbox_started_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  sandbox = concord_application_start_sandbox_finish (app, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  base_url = g_strdup (concord_sandbox_get_elasticemail_url (sandbox));
  g_assert_true (sandbox_dir_exists ());

  ee = concord_test_add_account (engine, "elasticemail", "Sample Newsletter",
                                 concord_sandbox_get_elasticemail_options_json (sandbox),
                                 concord_sandbox_get_elasticemail_key (sandbox));
  crm = concord_test_add_account (engine, "sample-crm", "Sample Sales", concord_sandbox_get_crm_options_json (sandbox),
                                  concord_sandbox_get_crm_key (sandbox));
  row.name = (char *) "Sample Newsletter and Sales";
  row.account_a = ee;
  row.type_a = (char *) "contacts";
  row.account_b = crm;
  row.type_b = (char *) "people";
  row.direction = CONCORD_DIRECTION_BOTH;
  concord_engine_add_connection_async (engine, &row, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  id = concord_engine_add_connection_finish (engine, result, &error);
  g_assert_no_error (error);

  window = present_window ();
  page = open_page (window, id);

  /* Offered on the sample connection's page, plainly. */
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (concord_test_named (page, "sample-banner"))));
  concord_test_save_window (window, "connection-sample-data.png", 500);
  g_assert_true (gtk_widget_is_sensitive (concord_test_named (page, "remove-sample-button")));
  gtk_widget_activate_action (page, "page.remove-sample-data", NULL);
  g_assert_true (concord_test_wait_until (message_dialog_shown, NULL, 10));
  dialog = message_dialog ();
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)),
                            "Your own connections and accounts are not touched"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "remove");
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* Its connection, its accounts (and keys), its apps: gone. */
  wait_leaflet (window, "list");
  CONCORD_TEST_WAIT_FOR (concord_engine_lookup (engine, id) == NULL);
  CONCORD_TEST_WAIT_FOR (!sandbox_dir_exists ());
  g_assert_false (concord_sandbox_is_running (sandbox));
  accounts = list_accounts (engine);
  g_assert_cmpuint (accounts->len, ==, 2);
  for (guint i = 0; i < accounts->len; i++)
    {
      ConcordAccountRow *account = g_ptr_array_index (accounts, i);

      g_assert_true (g_str_has_prefix (account->name, "Own "));
    }
  g_assert_nonnull (concord_engine_lookup (engine, own.id));
  {
    g_autoptr(ConcordSecretStore) secrets = concord_secret_store_new ();
    g_autoptr(GAsyncResult) lookup = NULL;
    g_auto(ConcordSecretString) secret = NULL;

    slot = NULL;
    concord_secret_store_lookup_async (secrets, crm, NULL, concord_test_store_result_cb, &slot);
    lookup = concord_test_wait_for_result (&slot);
    secret = concord_secret_store_lookup_finish (secrets, lookup, &error);
    g_assert_null (secret);
    g_clear_error (&error);
  }
  {
    /* Nothing answers at its address any more. */
    g_autoptr(GSocketClient) client = g_socket_client_new ();
    g_autoptr(GUri) uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
    g_autoptr(GSocketConnection) connection = NULL;

    connection = g_socket_client_connect_to_host (client, "127.0.0.1", g_uri_get_port (uri), NULL, &error);
    g_assert_null (connection);
    g_clear_error (&error);
  }
  gtk_window_destroy (GTK_WINDOW (window));

  /* Concord started again (a new application on the same data): no sample
   * connection, no sample account, no sample apps. */
  {
    g_autoptr(GApplication) again = G_APPLICATION (concord_application_new (APP_ID ".ConnectionWindowAgain",
                                                                            G_APPLICATION_NON_UNIQUE));
    ConcordEngine *engine_again;
    g_autoptr(GPtrArray) accounts_again = NULL;

    g_application_register (again, NULL, &error);
    g_assert_no_error (error);
    engine_again = concord_application_get_engine (CONCORD_APPLICATION (again));
    g_assert_nonnull (engine_again);
    /* Queued after the load: once it answers, the connections are in. */
    accounts_again = list_accounts (engine_again);
    g_assert_cmpuint (accounts_again->len, ==, 2);
    CONCORD_TEST_WAIT_FOR (g_list_model_get_n_items (concord_engine_get_connections (engine_again)) == 1);
    g_assert_null (concord_engine_lookup (engine_again, id));
    g_assert_false (sandbox_dir_exists ());
    g_application_quit (again);
  }

  {
    g_autoptr(GAsyncResult) removed = NULL;

    slot = NULL;
    concord_engine_remove_connection_async (engine, own.id, NULL, concord_test_store_result_cb, &slot);
    removed = concord_test_wait_for_result (&slot);
    g_assert_true (concord_engine_remove_connection_finish (engine, removed, &error));
    g_assert_no_error (error);
  }
}

static gboolean
banner_revealed (gpointer page)
{
  return gtk_revealer_get_reveal_child (GTK_REVEALER (concord_test_named (page, "sample-banner")));
}

/* A connection with a sample of a real app (Pipedrive) is the sandbox's
 * too: the page offers to remove the sample data, which takes that app's
 * account, key, server and data with it. */
static void
test_remove_sample_app (void)
{
  ConcordEngine *engine = concord_application_get_engine (app);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autofree char *ee = NULL;
  g_autofree char *pipedrive = NULL;
  g_autofree char *app_url = NULL;
  ConcordConnectionRow row = { 0 };
  ConcordSandbox *sandbox;
  GAsyncResult *slot = NULL;
  GtkWidget *window, *page, *dialog;
  gint64 id;

  concord_application_start_sandbox_app_async (app, "pipedrive", NULL, sandbox_started_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  sandbox = concord_application_start_sandbox_finish (app, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  app_url = g_strdup (concord_sandbox_get_app_url (sandbox, "pipedrive"));
  g_assert_nonnull (app_url);

  ee = concord_test_add_account (engine, "elasticemail", "Sample Newsletter 2",
                                 concord_sandbox_get_app_options_json (sandbox, "elasticemail"),
                                 concord_sandbox_get_app_key (sandbox, "elasticemail"));
  pipedrive = concord_test_add_account (engine, "pipedrive", "Sample Sales 2",
                                        concord_sandbox_get_app_options_json (sandbox, "pipedrive"),
                                        concord_sandbox_get_app_key (sandbox, "pipedrive"));
  g_assert_true (concord_application_is_sample_account (app, "pipedrive",
                                                        concord_sandbox_get_app_options_json (sandbox, "pipedrive")));
  g_assert_false (concord_application_is_sample_account (app, "pipedrive", "{\"company_domain\": \"acme\"}"));
  row.name = (char *) "Sample Newsletter and Pipedrive";
  row.account_a = ee;
  row.type_a = (char *) "contacts";
  row.account_b = pipedrive;
  row.type_b = (char *) "persons";
  row.direction = CONCORD_DIRECTION_BOTH;
  concord_engine_add_connection_async (engine, &row, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  id = concord_engine_add_connection_finish (engine, result, &error);
  g_assert_no_error (error);

  window = present_window ();
  page = open_page (window, id);
  g_assert_true (concord_test_wait_until (banner_revealed, page, 10));
  gtk_widget_activate_action (page, "page.remove-sample-data", NULL);
  g_assert_true (concord_test_wait_until (message_dialog_shown, NULL, 10));
  dialog = message_dialog ();
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "remove");
  gtk_window_destroy (GTK_WINDOW (dialog));

  CONCORD_TEST_WAIT_FOR (concord_engine_lookup (engine, id) == NULL);
  CONCORD_TEST_WAIT_FOR (!sandbox_dir_exists ());
  accounts = list_accounts (engine);
  for (guint i = 0; i < accounts->len; i++)
    {
      ConcordAccountRow *account = g_ptr_array_index (accounts, i);

      g_assert_cmpstr (account->id, !=, pipedrive);
      g_assert_cmpstr (account->id, !=, ee);
    }
  {
    /* Nothing answers at the sample Pipedrive's address any more. */
    g_autoptr(GSocketClient) client = g_socket_client_new ();
    g_autoptr(GUri) uri = g_uri_parse (app_url, G_URI_FLAGS_NONE, NULL);
    g_autoptr(GSocketConnection) connection = NULL;

    connection = g_socket_client_connect_to_host (client, "127.0.0.1", g_uri_get_port (uri), NULL, &error);
    g_assert_null (connection);
    g_clear_error (&error);
  }
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  app = CONCORD_APPLICATION (concord_test_app_start (&argc, &argv, "ConnectionWindow"));
  if (app == NULL)
    return 77;
  /* No notification server here: failures are toasts or nothing, whether
   * the window has the focus or not. */
  g_settings_set_boolean (concord_application_get_settings (app), "notify-errors", FALSE);

  g_test_add_func ("/concord/ui/connection-window/leave-with-edits", test_leave_with_edits);
  g_test_add_func ("/concord/ui/connection-window/rename-and-remove", test_rename_and_remove);
  g_test_add_func ("/concord/ui/connection-window/failure-banner", test_failure_banner);
  g_test_add_func ("/concord/ui/connection-window/remove-sample-data", test_remove_sample_data);
  g_test_add_func ("/concord/ui/connection-window/remove-sample-app", test_remove_sample_app);
  ret = g_test_run ();

  concord_test_app_stop (G_APPLICATION (g_steal_pointer (&app)));
  return ret;
}
