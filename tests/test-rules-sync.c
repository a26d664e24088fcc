/* test-rules-sync.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Several rules per direction, end to end, as a PieSync user builds them:
 * in the real application's window, on a connection between two Elastic
 * Email look-alikes (concord-mock processes), "everyone syncs; active Pro
 * customers also go to the VIP list" is built with two rules in the
 * editor (rule 1: everyone → sync; rule 2: IF status is active AND the
 * custom field plan is Pro THEN add to the list VIP), saved, checked in
 * the stored document, then synced: every contact reaches the newsletter,
 * and only the active Pro ones are on its VIP list.
 *
 * Suites 'ui' and 'keyring': the accounts' keys go to the session keyring.
 */

#include "config.h"

#include <adwaita.h>
#include <signal.h>
#include <string.h>

#include "concord-application.h"
#include "concord-connection-item.h"
#include "concord-connection-page.h"
#include "concord-connector-elasticemail.h"
#include "concord-engine.h"
#include "concord-test-connector.h"
#include "concord-test-ui.h"
#include "concord-test-utils.h"
#include "concord-window.h"

#define KEY_A "key-shop-rules"
#define KEY_B "key-news-rules"
#define N_CONTACTS 60

static ConcordApplication *app;

/* ------------------------------------------------------------------------- */
/* Widgets                                                                   */
/* ------------------------------------------------------------------------- */


/* Picks the item labelled @label (without regard to case), as a click in
 * the dropdown's list does. */
static void
pick (GtkWidget  *dropdown,
      const char *label)
{
  GListModel *model = gtk_drop_down_get_model (GTK_DROP_DOWN (dropdown));
  g_autoptr(GString) offered = g_string_new (NULL);

  g_assert_true (gtk_widget_is_sensitive (dropdown));
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);
      const char *text = gtk_string_object_get_string (item);

      if (g_ascii_strcasecmp (text, label) == 0)
        {
          gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), i);
          return;
        }
      g_string_append_printf (offered, " “%s”", text);
    }

  g_error ("the dropdown offers no “%s”, only%s", label, offered->str);
}

static void
type_into (GtkWidget  *entry,
           const char *text)
{
  g_assert_true (GTK_IS_EDITABLE (entry));
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  gtk_editable_insert_text (GTK_EDITABLE (entry), text, -1, &(int) { 0 });
}

static gboolean
switch_is_not (gpointer data)
{
  gpointer *args = data;

  return gtk_switch_get_active (args[0]) != GPOINTER_TO_INT (args[1]);
}

/* Presses a switch as the keyboard does (it may animate before it turns). */
static void
press_switch (GtkWidget *widget)
{
  gpointer args[2] = { widget, GINT_TO_POINTER (gtk_switch_get_active (GTK_SWITCH (widget))) };

  g_assert_true (gtk_widget_activate (widget));
  g_assert_true (concord_test_wait_until (switch_is_not, args, 10));
}

/* ------------------------------------------------------------------------- */
/* The window                                                                */
/* ------------------------------------------------------------------------- */

static gboolean
is_clean (gpointer page)
{
  return !concord_connection_page_get_dirty (page);
}

/* ------------------------------------------------------------------------- */
/* The apps                                                                  */
/* ------------------------------------------------------------------------- */

/* Every contact of an app, by email. */
static GHashTable *
list_all (const char *base_url,
          const char *key)
{
  g_autoptr(ConcordConnectorElasticEmail) connector = concord_connector_elasticemail_new (base_url, key);
  GHashTable *all = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) concord_record_unref);
  g_autofree char *token = NULL;

  do
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConcordPage) page = concord_test_list_page (CONCORD_CONNECTOR (connector), "contacts", token,
                                                            &error);

      g_assert_no_error (error);
      for (guint i = 0; i < page->records->len; i++)
        {
          ConcordRecord *record = g_ptr_array_index (page->records, i);

          g_hash_table_replace (all, g_ascii_strdown (concord_record_get_email (record), -1),
                                concord_record_ref (record));
        }
      g_free (token);
      token = g_strdup (page->next_page);
    }
  while (token != NULL);

  return all;
}

static gboolean
in_list (ConcordRecord *record,
         const char    *list)
{
  const ConcordValue *lists = concord_record_get (record, "lists");

  return lists != NULL && lists->type == CONCORD_FIELD_TYPE_STRING_SET &&
         g_strv_contains ((const char * const *) lists->v.set, list);
}

static gboolean
active_pro (ConcordRecord *record)
{
  return g_strcmp0 (concord_record_get_text (record, "status"), "active") == 0 &&
         g_ascii_strcasecmp (concord_record_get_text (record, "custom:plan") != NULL
                               ? concord_record_get_text (record, "custom:plan") : "", "pro") == 0;
}

typedef struct
{
  gint64   id;
  guint    finished;
  gboolean ok;
} Runs;

static void
on_run_finished (ConcordEngine          *engine,
                 ConcordConnectionState *state,
                 gboolean                ok,
                 Runs                   *runs)
{
  if (concord_connection_state_get_id (state) != runs->id)
    return;
  runs->finished++;
  runs->ok = ok;
}

static gboolean
ran_once (gpointer data)
{
  return ((Runs *) data)->finished > 0;
}

/* ------------------------------------------------------------------------- */
/* The test                                                                  */
/* ------------------------------------------------------------------------- */

static void
test_two_rules (void)
{
  ConcordEngine *engine = concord_application_get_engine (app);
  g_autoptr(GSubprocess) mock_a = NULL;
  g_autoptr(GSubprocess) mock_b = NULL;
  g_autofree char *url_a = NULL, *url_b = NULL, *options_a = NULL, *options_b = NULL;
  g_autofree char *account_a = NULL, *account_b = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) shop = NULL;
  g_autoptr(GHashTable) newsletter = NULL;
  ConcordConnectionRow row = { 0 };
  GAsyncResult *slot = NULL;
  Runs runs = { 0 };
  GtkWindow *window;
  GtkWidget *page, *p, *list;
  gpointer wait[2];
  guint i, a, n_vip = 0, n_active_pro = 0, n_vip_before = 0;
  gulong handler;
  GHashTableIter iter;
  gpointer email, record;

  mock_a = concord_test_spawn_mock (KEY_A, N_CONTACTS, &url_a);
  mock_b = concord_test_spawn_mock (KEY_B, 0, &url_b);

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_nonnull (window);
  gtk_window_set_default_size (window, 1280, 800);
  g_assert_true (concord_test_wait_until (concord_test_is_mapped, window, 60));

  options_a = g_strdup_printf ("{\"base_url\": \"%s\"}", url_a);
  options_b = g_strdup_printf ("{\"base_url\": \"%s\"}", url_b);
  account_a = concord_test_add_account (engine, "elasticemail", "Shop", options_a, KEY_A);
  account_b = concord_test_add_account (engine, "elasticemail", "Newsletter", options_b, KEY_B);

  /* Off until its rules are saved: no run may come first. */
  row.name = (char *) "Shop and Newsletter";
  row.account_a = account_a;
  row.type_a = (char *) "contacts";
  row.account_b = account_b;
  row.type_b = (char *) "contacts";
  row.direction = CONCORD_DIRECTION_A_TO_B;
  row.enabled = FALSE;
  concord_engine_add_connection_async (engine, &row, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  runs.id = concord_engine_add_connection_finish (engine, result, &error);
  g_assert_no_error (error);
  wait[0] = window;
  wait[1] = GINT_TO_POINTER ((int) runs.id);
  g_assert_true (concord_test_wait_until (concord_test_has_connection_row, wait, 10));

  /* Its page, on the rules. */
  list = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window), CONCORD_TYPE_WINDOW, "connection_list"));
  g_signal_emit_by_name (list, "row-activated", concord_test_connection_row (GTK_WIDGET (window), runs.id));
  page = concord_test_named (GTK_WIDGET (window), "connection-page");
  g_assert_true (concord_test_wait_until (concord_test_is_mapped, page, 10));
  concord_connection_page_show_section (CONCORD_CONNECTION_PAGE (page), "rules");
  CONCORD_TEST_WAIT_FOR (concord_test_rule_editors_shown (page, "rule-panel-a"));
  p = concord_test_named (page, "rule-panel-a");

  /* Rule 1 is there: everyone → sync. */
  g_assert_cmpuint (concord_test_count_named (p, "rule-row"), ==, 1);

  /* Rule 2: IF status is active AND plan is Pro THEN add to the list VIP. */
  concord_test_click (concord_test_named (p, "add-rule-button"));
  g_assert_cmpuint (concord_test_count_named (p, "rule-row"), ==, 2);
  type_into (concord_test_named (p, "rule-name"), "VIP");
  press_switch (concord_test_named (concord_test_nth_named (p, "rule-row", 1), "rule-sync"));

  concord_test_click (concord_test_nth_named (p, "add-condition-button", -1));
  i = concord_test_count_named (p, "condition-field") - 1;
  pick (concord_test_nth_named (p, "condition-field", i), "Status");
  pick (concord_test_nth_named (p, "condition-op", i), "is");
  pick (concord_test_find_type (concord_test_nth_named (p, "condition-value", i), GTK_TYPE_DROP_DOWN), "active");

  concord_test_click (concord_test_nth_named (p, "add-condition-button", -1));
  i = concord_test_count_named (p, "condition-field") - 1;
  pick (concord_test_nth_named (p, "condition-field", i), "plan");
  pick (concord_test_nth_named (p, "condition-op", i), "is");
  type_into (concord_test_find_type (concord_test_nth_named (p, "condition-value", i), GTK_TYPE_ENTRY), "Pro");

  concord_test_click (concord_test_named (p, "add-action-button"));
  a = concord_test_count_named (p, "action-kind") - 1;
  pick (concord_test_nth_named (p, "action-kind", a), "Add to");
  pick (concord_test_nth_named (p, "action-field", a), "Lists");
  /* The target's lists are offered (Elastic Email adds only to a list
   * that exists), once the editor has read them. */
  CONCORD_TEST_WAIT_FOR (concord_test_find_type (concord_test_nth_named (p, "action-value", a), GTK_TYPE_DROP_DOWN) != NULL);
  pick (concord_test_find_type (concord_test_nth_named (p, "action-value", a), GTK_TYPE_DROP_DOWN), "VIP");
  g_assert_true (concord_test_wait_until (concord_test_page_is_dirty, page, 10));

  /* Saved: the stored document holds both rules, as version 2. */
  concord_connection_page_save (CONCORD_CONNECTION_PAGE (page));
  g_assert_true (concord_test_wait_until (is_clean, page, 30));
  {
    g_autoptr(ConcordConnectionSetup) setup = concord_test_load_setup (engine, runs.id);
    ConcordRuleList *rules = setup->config->rules[CONCORD_SIDE_A];
    g_autoptr(JsonNode) have = concord_rule_list_to_json (rules);
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autofree char *document = concord_connection_config_to_json (setup->config, NULL);

    g_assert_true (json_parser_load_from_data (
      parser,
      "{\"enabled\": true, \"create\": true, \"unmatched\": \"stop\", \"rules\": ["
      " {\"enabled\": true, \"sync\": true, \"filter\": null, \"actions\": []},"
      " {\"name\": \"VIP\", \"enabled\": true, \"sync\": false,"
      "  \"filter\": {\"match\": \"all\", \"conditions\": ["
      "   {\"field\": \"status\", \"type\": \"enum\", \"op\": \"is\", \"values\": [\"active\"]},"
      "   {\"field\": \"custom:plan\", \"type\": \"string\", \"op\": \"is\", \"values\": [\"Pro\"]}]},"
      "  \"actions\": [{\"action\": \"add\", \"field\": \"lists\", \"value\": \"VIP\", \"on_update\": false}]}]}",
      -1, NULL));
    if (!json_node_equal (have, json_parser_get_root (parser)))
      g_error ("the stored rules are\n%s", json_to_string (have, TRUE));
    g_assert_nonnull (strstr (document, "\"version\" : 2"));
  }
  concord_test_save_window (GTK_WIDGET (window), "rules-connection-page.png", 800);

  /* On, it syncs at once. */
  handler = g_signal_connect (engine, "run-finished", G_CALLBACK (on_run_finished), &runs);
  g_clear_object (&result);
  concord_engine_set_enabled_async (engine, runs.id, TRUE, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_set_enabled_finish (engine, result, &error));
  g_assert_no_error (error);
  concord_engine_sync_now (engine, runs.id);
  g_assert_true (concord_test_wait_until (ran_once, &runs, 300));
  g_assert_true (runs.ok);
  g_signal_handler_disconnect (engine, handler);

  /* Every contact of the shop is in the newsletter; only the active Pro
   * ones are on its VIP list, besides those the shop has on its own VIP
   * list (lists are mapped: they follow as they are). */
  shop = list_all (url_a, KEY_A);
  newsletter = list_all (url_b, KEY_B);
  g_assert_cmpuint (g_hash_table_size (shop), ==, N_CONTACTS);
  g_hash_table_iter_init (&iter, shop);
  while (g_hash_table_iter_next (&iter, &email, &record))
    {
      ConcordRecord *there = g_hash_table_lookup (newsletter, email);

      if (there == NULL)
        g_error ("%s did not reach the newsletter", (const char *) email);
      if (in_list (record, "VIP"))
        {
          g_assert_true (in_list (there, "VIP"));
          n_vip_before++;
          continue;
        }
      if (active_pro (record))
        n_active_pro++;
      if (in_list (there, "VIP"))
        n_vip++;
      if (active_pro (record) != in_list (there, "VIP"))
        g_error ("%s (status %s, plan %s) is%s on the VIP list", (const char *) email,
                 concord_record_get_text (record, "status"), concord_record_get_text (record, "custom:plan"),
                 in_list (there, "VIP") ? "" : " not");
    }
  g_assert_cmpuint (n_active_pro, >, 0);
  g_assert_cmpuint (n_vip, ==, n_active_pro);
  g_test_message ("%u contacts synced; the rule put %u active Pro ones on VIP (%u were on it already)",
                  N_CONTACTS, n_vip, n_vip_before);

  /* Leave no keys in the session keyring. */
  concord_test_remove_connection_and_accounts (engine, runs.id, account_a, account_b);

  g_subprocess_send_signal (mock_a, SIGTERM);
  g_subprocess_send_signal (mock_b, SIGTERM);
  gtk_window_destroy (window);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  app = CONCORD_APPLICATION (concord_test_app_start (&argc, &argv, "RulesSync"));
  if (app == NULL)
    return 77;

  g_test_add_func ("/concord/ui/rules-sync/two-rules", test_two_rules);
  ret = g_test_run ();

  concord_test_app_stop (G_APPLICATION (g_steal_pointer (&app)));
  return ret;
}
