/* test-rule-editor.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The rule editor driven through its widgets, as a user would: picking
 * dropdown items, typing in entries, clicking add and remove buttons, over
 * a real engine and two in-memory apps with known contacts. What it writes
 * to the connection's setup is compared with the expected JSON; the live
 * count with what the test's own table of contacts says; incomplete
 * conditions are explained and never stored; groups nest; the rule turns
 * off; the controls are in the keyboard's focus chain and work from it;
 * every control has an accessible label.
 *
 * Suite 'ui': it needs a display. With CONCORD_SCREENSHOT_DIR set it saves
 * rule-editor.png and rule-editor-dark.png there.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "concord-app-registry.h"
#include "concord-connection-page.h"
#include "concord-engine-rules.h"
#include "concord-mock-elasticemail.h"
#include "concord-resources.h"
#include "concord-test-ui.h"
#include "concord-rule-action-row.h"
#include "concord-rule-condition-row.h"
#include "concord-rule-editor.h"
#include "concord-rule-test-data.h"

typedef struct
{
  char                   *dir;
  char                   *db_path;
  ConcordEngine          *engine;
  gint64                  id;
  ConcordConnectionSetup *setup;
  ConcordConnectionSetup *other_setup;
  GtkWidget              *window;
  GtkWidget              *editor;
  guint                   n_changed;
} Fixture;

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

/* Picks the item labelled @label, as a click in the dropdown's list does. */
static void
pick (GtkWidget  *dropdown,
      const char *label)
{
  GListModel *model = gtk_drop_down_get_model (GTK_DROP_DOWN (dropdown));

  g_assert_true (gtk_widget_is_sensitive (dropdown));
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (gtk_string_object_get_string (item), label) == 0)
        {
          gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), i);
          return;
        }
    }

  g_error ("the dropdown offers no “%s”", label);
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

  g_assert_true (GTK_IS_SWITCH (widget));
  g_assert_true (gtk_widget_activate (widget));
  g_assert_true (concord_test_wait_until (switch_is_not, args, 10));
}

typedef struct
{
  GtkWidget  *root;
  const char *name;
  guint       n;
} NamedWait;

static gboolean
has_n_named (gpointer data)
{
  NamedWait *wait = data;

  return concord_test_count_named (wait->root, wait->name) == wait->n;
}

/* Waits for a button pressed by keyboard: it clicks after showing it. */
static void
wait_n_named (GtkWidget  *root,
              const char *name,
              guint       n)
{
  NamedWait wait = { root, name, n };

  g_assert_true (concord_test_wait_until (has_n_named, &wait, 10));
}

static gboolean
offers (GtkWidget  *dropdown,
        const char *label)
{
  GListModel *model = gtk_drop_down_get_model (GTK_DROP_DOWN (dropdown));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (gtk_string_object_get_string (item), label) == 0)
        return TRUE;
    }

  return FALSE;
}

static void
type_into (GtkWidget  *entry,
           const char *text)
{
  g_assert_true (GTK_IS_EDITABLE (entry));
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  gtk_editable_insert_text (GTK_EDITABLE (entry), text, -1, &(int) { 0 });
}

static GtkWidget *
value_entry (GtkWidget *value_editor)
{
  GtkWidget *entry = concord_test_find_type (value_editor, GTK_TYPE_ENTRY);

  g_assert_nonnull (entry);
  return entry;
}

static GtkWidget *
value_dropdown (GtkWidget *value_editor)
{
  GtkWidget *dropdown = concord_test_find_type (value_editor, GTK_TYPE_DROP_DOWN);

  g_assert_nonnull (dropdown);
  return dropdown;
}

typedef struct
{
  GtkWidget  *label;
  const char *text;
  gboolean    whole;
} LabelWait;

static gboolean
label_says (gpointer data)
{
  LabelWait *wait = data;
  const char *label = gtk_label_get_label (GTK_LABEL (wait->label));

  return wait->whole ? g_str_equal (label, wait->text) : strstr (label, wait->text) != NULL;
}

static void
wait_label (GtkWidget  *label,
            const char *text,
            gboolean    whole)
{
  LabelWait wait = { label, text, whole };

  if (!concord_test_wait_until (label_says, &wait, 20))
    g_error ("the label never said “%s” (it says “%s”)", text, gtk_label_get_label (GTK_LABEL (label)));
}

static JsonNode *
parse (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

/* The first rule of a direction with the direction's switches, in the
 * shape version 1 gave a direction's one rule. */
static JsonNode *
first_rule_json (Fixture     *f,
                 ConcordSide  side)
{
  ConcordRuleList *list = f->setup->config->rules[side];
  JsonNode *node = concord_rule_to_json (concord_rule_list_get_rule (list, 0));
  JsonObject *object = json_node_get_object (node);

  json_object_remove_member (object, "sync");
  json_object_set_boolean_member (object, "enabled", concord_rule_list_get_enabled (list));
  json_object_set_boolean_member (object, "create", concord_rule_list_get_create (list));
  return node;
}

static ConcordRule *
first_rule (Fixture     *f,
            ConcordSide  side)
{
  return concord_rule_list_get_rule (f->setup->config->rules[side], 0);
}

static void
assert_rule (Fixture     *f,
             ConcordSide  side,
             const char  *expected)
{
  g_autoptr(JsonNode) have = first_rule_json (f, side);
  g_autoptr(JsonNode) want = parse (expected);

  if (!json_node_equal (have, want))
    {
      g_autofree char *have_text = json_to_string (have, TRUE);
      g_autofree char *want_text = json_to_string (want, TRUE);

      g_error ("the rule is\n%s\nnot\n%s", have_text, want_text);
    }
}

/* The whole document the page would save is one the engine reads back. */
static void
assert_config_valid (Fixture *f)
{
  g_autofree char *json = concord_connection_config_to_json (f->setup->config, NULL);
  g_autoptr(ConcordConnectionConfig) back = NULL;
  g_autoptr(GError) error = NULL;

  back = concord_connection_config_new_from_json (json, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  for (guint s = 0; s < 2; s++)
    {
      g_autoptr(JsonNode) a = concord_rule_list_to_json (back->rules[s]);
      g_autoptr(JsonNode) b = concord_rule_list_to_json (f->setup->config->rules[s]);

      g_assert_true (json_node_equal (a, b));
    }
}

static char *
count_text (guint n_matching)
{
  return g_strdup_printf ("%u of %u contacts match", n_matching, (guint) G_N_ELEMENTS (shop_people));
}

static void
screenshot (Fixture    *f,
            const char *file)
{
  concord_test_save_window (f->window, file, 500);
}

/* ------------------------------------------------------------------------- */
/* Fixture                                                                   */
/* ------------------------------------------------------------------------- */

static void
on_changed (GtkWidget *editor,
            Fixture   *f)
{
  f->n_changed++;
}

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  ConcordDirection direction = GPOINTER_TO_INT (data);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GtkWidget *header, *title, *box;

  f->dir = g_dir_make_tmp ("concord-rule-editor-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "state.sqlite", NULL);

  rule_make_sides ();
  f->engine = rule_open_engine (f->db_path);
  f->id = rule_add_connection (f->engine, direction, "");

  concord_engine_load_setup_async (f->engine, f->id, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  f->setup = concord_engine_load_setup_finish (f->engine, result, &error);
  g_assert_no_error (error);

  /* A window the size of the app's, with the page under a header bar. */
  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1280, 800);
  header = adw_header_bar_new ();
  title = adw_window_title_new ("Shop ↔ Newsletter", "Rules");
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), title);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (box), header);

  f->editor = concord_rule_editor_new (f->engine);
  gtk_widget_set_vexpand (f->editor, TRUE);
  g_signal_connect (f->editor, "changed", G_CALLBACK (on_changed), f);
  gtk_box_append (GTK_BOX (box), f->editor);
  gtk_window_set_child (GTK_WINDOW (f->window), box);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (concord_test_wait_until (is_mapped, f->window, 10));

  concord_rule_editor_set_setup (CONCORD_RULE_EDITOR (f->editor), f->setup, "Shop", "Newsletter");
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&f->setup, concord_connection_setup_free);
  g_clear_pointer (&f->other_setup, concord_connection_setup_free);
  rule_close_engine (&f->engine);

  concord_test_remove_dir (f->dir);
  g_free (f->db_path);
  g_free (f->dir);
}

static GtkWidget *
panel (Fixture    *f,
       ConcordSide side)
{
  return concord_test_named (f->editor, side == CONCORD_SIDE_A ? "rule-panel-a" : "rule-panel-b");
}

/* ------------------------------------------------------------------------- */
/* Driving                                                                   */
/* ------------------------------------------------------------------------- */

/* Adds a condition to the rule's own group (whose button comes last). */
static guint
add_condition (GtkWidget *p)
{
  concord_test_click (concord_test_nth_named (p, "add-condition-button", -1));
  return concord_test_count_named (p, "condition-field") - 1;
}

static void
set_condition (GtkWidget  *p,
               guint       index,
               const char *field,
               const char *op)
{
  pick (concord_test_nth_named (p, "condition-field", index), field);
  if (op != NULL)
    pick (concord_test_nth_named (p, "condition-op", index), op);
}

static GtkWidget *
condition_value (GtkWidget *p,
                 guint      index)
{
  return concord_test_nth_named (p, "condition-value", index);
}

static guint
add_action (GtkWidget  *p,
            const char *kind,
            const char *field)
{
  guint index;

  concord_test_click (concord_test_named (p, "add-action-button"));
  index = concord_test_count_named (p, "action-kind") - 1;
  pick (concord_test_nth_named (p, "action-kind", index), kind);
  pick (concord_test_nth_named (p, "action-field", index), field);
  return index;
}

/* Status is active, Score > 10, and the two actions. */
static void
build_rule (Fixture *f)
{
  GtkWidget *p = panel (f, CONCORD_SIDE_A);
  guint i, a;

  i = add_condition (p);
  set_condition (p, i, "Status", "is");
  pick (value_dropdown (condition_value (p, i)), "active");

  i = add_condition (p);
  set_condition (p, i, "Score", "is greater than");
  type_into (value_entry (condition_value (p, i)), "10");

  a = add_action (p, "Set", "Type");
  type_into (value_entry (concord_test_nth_named (p, "action-value", a)), "customer");

  a = add_action (p, "Add to", "Lists");
  type_into (value_entry (concord_test_nth_named (p, "action-value", a)), "From Shop");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (concord_test_nth_named (p, "action-on-update", a)), TRUE);
}

static guint
expect_count (gboolean (*pred) (const RulePerson *p, gconstpointer data),
              gconstpointer data)
{
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (shop_people); i++)
    if (pred (&shop_people[i], data))
      n++;
  return n;
}

static gboolean
active_above (const RulePerson *p,
              gconstpointer     data)
{
  return g_str_equal (p->status, "active") && p->score > *(const double *) data;
}

static gboolean
active_and_vip_or_pro (const RulePerson *p,
                       gconstpointer     data)
{
  return g_str_equal (p->status, "active") &&
         (rule_person_has_tag (p, "vip") || g_strcmp0 (p->plan, "Pro") == 0);
}

/* ------------------------------------------------------------------------- */
/* Tests                                                                     */
/* ------------------------------------------------------------------------- */

static void
test_build (Fixture       *f,
            gconstpointer  data)
{
  GtkWidget *p = panel (f, CONCORD_SIDE_A);
  double ten = 10, thirty = 30;
  g_autofree char *first = NULL, *second = NULL;
  const RulePerson *first_match = NULL;

  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (concord_test_named (p, "panel-title"))), ==, "Shop → Newsletter");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (concord_test_named (panel (f, CONCORD_SIDE_B), "panel-title"))), ==,
                   "Newsletter → Shop");

  /* Before any edit: everyone, counted. */
  {
    g_autofree char *all = g_strdup_printf ("All %u contacts of Shop take part", (guint) G_N_ELEMENTS (shop_people));

    wait_label (concord_test_named (p, "count-label"), all, TRUE);
  }
  g_assert_cmpuint (f->n_changed, ==, 0);

  /* Custom fields and status are offered for conditions; the target's for actions. */
  add_condition (p);
  g_assert_true (offers (concord_test_nth_named (p, "condition-field", 0), "Score"));
  g_assert_true (offers (concord_test_nth_named (p, "condition-field", 0), "Status"));
  g_assert_false (offers (concord_test_nth_named (p, "condition-field", 0), "Type"));
  concord_test_click (concord_test_nth_named (p, "condition-remove", 0));

  build_rule (f);
  assert_rule (f, CONCORD_SIDE_A,
               "{\"enabled\": true, \"create\": true,"
               " \"filter\": {\"match\": \"all\", \"conditions\": ["
               "   {\"field\": \"status\", \"type\": \"enum\", \"op\": \"is\", \"values\": [\"active\"]},"
               "   {\"field\": \"custom:Score\", \"type\": \"number\", \"op\": \"greater-than\", \"values\": [\"10\"]}]},"
               " \"actions\": ["
               "   {\"action\": \"set\", \"field\": \"custom:Type\", \"type\": \"string\", \"value\": \"customer\", \"on_update\": false},"
               "   {\"action\": \"add\", \"field\": \"lists\", \"value\": \"From Shop\", \"on_update\": true}]}");
  /* The other direction is untouched. */
  assert_rule (f, CONCORD_SIDE_B, "{\"enabled\": true, \"create\": true, \"filter\": null, \"actions\": []}");
  assert_config_valid (f);
  g_assert_cmpuint (f->n_changed, >=, 4);

  /* The count follows, from the engine; the sample shows who. */
  first = count_text (expect_count (active_above, &ten));
  wait_label (concord_test_named (p, "count-label"), first, TRUE);
  for (guint i = 0; first_match == NULL && i < G_N_ELEMENTS (shop_people); i++)
    if (active_above (&shop_people[i], &ten))
      first_match = &shop_people[i];
  wait_label (concord_test_named (p, "sample-label"), first_match->email, FALSE);

  /* A changed condition counts again. */
  type_into (value_entry (condition_value (p, 1)), "30");
  second = count_text (expect_count (active_above, &thirty));
  g_assert_cmpstr (first, !=, second);
  wait_label (concord_test_named (p, "count-label"), second, TRUE);

  /* Removing an action writes the rule without it. */
  {
    guint before = f->n_changed;

    concord_test_click (concord_test_nth_named (p, "action-remove", 0));
    g_assert_cmpuint (f->n_changed, ==, before + 1);
    g_assert_cmpuint (concord_rule_get_n_actions (first_rule (f, CONCORD_SIDE_A)), ==, 1);
    g_assert_cmpstr (concord_rule_get_action (first_rule (f, CONCORD_SIDE_A), 0)->field, ==, "lists");
  }

  /* Shown again from the setup, the rule reads the same. */
  {
    g_autoptr(JsonNode) before = first_rule_json (f, CONCORD_SIDE_A);
    g_autoptr(JsonNode) after = NULL;

    concord_rule_editor_set_setup (CONCORD_RULE_EDITOR (f->editor), f->setup, "Shop", "Newsletter");
    p = panel (f, CONCORD_SIDE_A);
    g_assert_cmpuint (concord_test_count_named (p, "condition-field"), ==, 2);
    g_assert_cmpuint (concord_test_count_named (p, "action-kind"), ==, 1);
    g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (concord_test_nth_named (p, "action-on-update", 0))));
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (value_entry (condition_value (p, 1)))), ==, "30");
    after = first_rule_json (f, CONCORD_SIDE_A);
    g_assert_true (json_node_equal (before, after));
  }
}

static void
test_incomplete (Fixture       *f,
                 gconstpointer  data)
{
  GtkWidget *p = panel (f, CONCORD_SIDE_A);
  const char *empty_rule = "{\"enabled\": true, \"create\": true, \"filter\": null, \"actions\": []}";
  guint i, a;

  i = add_condition (p);
  set_condition (p, i, "Score", "is greater than");
  g_assert_true (gtk_widget_is_visible (concord_test_nth_named (p, "condition-hint", i)));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (concord_test_nth_named (p, "condition-hint", i))),
                            "Enter a value"));
  assert_rule (f, CONCORD_SIDE_A, empty_rule);

  type_into (value_entry (condition_value (p, i)), "lots");
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (concord_test_nth_named (p, "condition-hint", i))),
                            "not a number"));
  assert_rule (f, CONCORD_SIDE_A, empty_rule);
  assert_config_valid (f);

  /* As people type decimals, stored as the engine reads them. */
  type_into (value_entry (condition_value (p, i)), "2,5");
  g_assert_false (gtk_widget_is_visible (concord_test_nth_named (p, "condition-hint", i)));
  assert_rule (f, CONCORD_SIDE_A,
               "{\"enabled\": true, \"create\": true,"
               " \"filter\": {\"match\": \"all\", \"conditions\": ["
               "   {\"field\": \"custom:Score\", \"type\": \"number\", \"op\": \"greater-than\", \"values\": [\"2.5\"]}]},"
               " \"actions\": []}");

  /* A date condition waits for its date; an operator without a value needs none. */
  i = add_condition (p);
  set_condition (p, i, "Joined", "is before");
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (concord_test_nth_named (p, "condition-hint", i))),
                            "Pick a date"));
  g_assert_nonnull (concord_test_find_type (condition_value (p, i), GTK_TYPE_MENU_BUTTON));
  pick (concord_test_nth_named (p, "condition-op", i), "is empty");
  g_assert_false (gtk_widget_get_visible (condition_value (p, i)));
  g_assert_false (gtk_widget_is_visible (concord_test_nth_named (p, "condition-hint", i)));
  g_assert_cmpuint (f->n_changed, >, 0);

  /* An action without a value is explained and left out. */
  a = add_action (p, "Set", "Points");
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (concord_test_nth_named (p, "action-hint", a))), "Enter a value"));
  g_assert_cmpuint (concord_rule_get_n_actions (first_rule (f, CONCORD_SIDE_A)), ==, 0);
  type_into (value_entry (concord_test_nth_named (p, "action-value", a)), "ten");
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (concord_test_nth_named (p, "action-hint", a))), "not a number"));
  g_assert_cmpuint (concord_rule_get_n_actions (first_rule (f, CONCORD_SIDE_A)), ==, 0);
  type_into (value_entry (concord_test_nth_named (p, "action-value", a)), "10");
  g_assert_cmpuint (concord_rule_get_n_actions (first_rule (f, CONCORD_SIDE_A)), ==, 1);

  /* Only what an action can write is offered: no email, no read-only field, lists only added to. */
  g_assert_false (offers (concord_test_nth_named (p, "action-field", a), "Email"));
  g_assert_false (offers (concord_test_nth_named (p, "action-field", a), "Lists"));
  pick (concord_test_nth_named (p, "action-kind", a), "Add to");
  g_assert_true (offers (concord_test_nth_named (p, "action-field", a), "Lists"));
  g_assert_false (offers (concord_test_nth_named (p, "action-field", a), "Type"));

  assert_config_valid (f);
}

static void
test_nesting (Fixture       *f,
              gconstpointer  data)
{
  GtkWidget *p = panel (f, CONCORD_SIDE_A);
  g_autofree char *expected = NULL;
  guint i;

  i = add_condition (p);
  set_condition (p, i, "Status", "is");
  pick (value_dropdown (condition_value (p, i)), "active");

  /* A group comes with one condition and matches any. */
  concord_test_click (concord_test_nth_named (p, "add-group-button", -1));
  g_assert_cmpuint (concord_test_count_named (p, "group-match"), ==, 1);
  g_assert_cmpuint (concord_test_count_named (p, "condition-field"), ==, 2);
  set_condition (p, 1, "Tags", "includes");
  type_into (value_entry (condition_value (p, 1)), "vip");

  /* The nested group's own add button comes first in the tree. */
  concord_test_click (concord_test_nth_named (p, "add-condition-button", 0));
  set_condition (p, 2, "Plan", "is");
  pick (value_dropdown (condition_value (p, 2)), "Pro");

  assert_rule (f, CONCORD_SIDE_A,
               "{\"enabled\": true, \"create\": true,"
               " \"filter\": {\"match\": \"all\", \"conditions\": ["
               "   {\"field\": \"status\", \"type\": \"enum\", \"op\": \"is\", \"values\": [\"active\"]},"
               "   {\"match\": \"any\", \"conditions\": ["
               "     {\"field\": \"tags\", \"type\": \"string-set\", \"op\": \"contains\", \"values\": [\"vip\"]},"
               "     {\"field\": \"custom:Plan\", \"type\": \"enum\", \"op\": \"is\", \"values\": [\"Pro\"]}]}]},"
               " \"actions\": []}");
  assert_config_valid (f);

  expected = count_text (expect_count (active_and_vip_or_pro, NULL));
  wait_label (concord_test_named (p, "count-label"), expected, TRUE);

  /* "none" inverts the group. */
  pick (concord_test_named (p, "group-match"), "none");
  {
    g_autoptr(JsonNode) rule = first_rule_json (f, CONCORD_SIDE_A);
    JsonObject *group = json_array_get_object_element (
      json_object_get_array_member (json_object_get_object_member (json_node_get_object (rule), "filter"),
                                    "conditions"), 1);

    g_assert_cmpstr (json_object_get_string_member (group, "match"), ==, "any");
    g_assert_true (json_object_get_boolean_member (group, "negate"));
  }

  /* Groups nest deeper, and go as a whole. */
  concord_test_click (concord_test_nth_named (p, "add-group-button", 0));
  g_assert_cmpuint (concord_test_count_named (p, "group-match"), ==, 2);
  concord_test_click (concord_test_nth_named (p, "group-remove", 0));
  g_assert_cmpuint (concord_test_count_named (p, "group-match"), ==, 0);
  g_assert_cmpuint (concord_test_count_named (p, "condition-field"), ==, 1);
  assert_rule (f, CONCORD_SIDE_A,
               "{\"enabled\": true, \"create\": true,"
               " \"filter\": {\"match\": \"all\", \"conditions\": ["
               "   {\"field\": \"status\", \"type\": \"enum\", \"op\": \"is\", \"values\": [\"active\"]}]},"
               " \"actions\": []}");
}

static void
test_disable (Fixture       *f,
              gconstpointer  data)
{
  GtkWidget *p = panel (f, CONCORD_SIDE_A);
  g_autofree char *all = g_strdup_printf ("All %u contacts of Shop take part", (guint) G_N_ELEMENTS (shop_people));
  double ten = 10;
  g_autofree char *some = count_text (expect_count (active_above, &ten));

  build_rule (f);
  wait_label (concord_test_named (p, "count-label"), some, TRUE);

  /* Off: the rule is kept but holds nothing back; its parts cannot be edited. */
  press_switch (concord_test_named (p, "rule-enabled"));
  g_assert_false (concord_rule_list_get_enabled (f->setup->config->rules[0]));
  g_assert_nonnull (concord_rule_get_filter (first_rule (f, CONCORD_SIDE_A)));
  g_assert_false (gtk_widget_is_sensitive (concord_test_named (p, "add-condition-button")));
  g_assert_false (gtk_widget_is_sensitive (concord_test_named (p, "rule-create")));
  g_assert_false (gtk_widget_is_sensitive (concord_test_named (p, "add-action-button")));
  wait_label (concord_test_named (p, "count-label"), all, TRUE);
  assert_config_valid (f);
  screenshot (f, "rule-editor-off.png");

  press_switch (concord_test_named (p, "rule-enabled"));
  g_assert_true (concord_rule_list_get_enabled (f->setup->config->rules[0]));
  wait_label (concord_test_named (p, "count-label"), some, TRUE);

  /* Creating contacts is a switch of its own. */
  press_switch (concord_test_named (p, "rule-create"));
  g_assert_false (concord_rule_list_get_create (f->setup->config->rules[0]));
  assert_config_valid (f);
}

static void
test_one_way (Fixture       *f,
              gconstpointer  data)
{
  GtkWidget *b = panel (f, CONCORD_SIDE_B);
  GtkWidget *label = concord_test_named (b, "not-applicable-label");

  g_assert_true (gtk_widget_get_mapped (label));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (label)), "one-way"));
  g_assert_cmpuint (concord_test_count_named (b, "add-condition-button"), ==, 0);
  g_assert_true (gtk_widget_get_mapped (concord_test_named (panel (f, CONCORD_SIDE_A), "add-condition-button")));
  {
    GtkScrolledWindow *scrolled = GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (b, GTK_TYPE_SCROLLED_WINDOW));
    GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (scrolled);

    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
    screenshot (f, "rule-editor-one-way.png");
  }

  /* NULL clears the editor. */
  concord_rule_editor_set_setup (CONCORD_RULE_EDITOR (f->editor), NULL, NULL, NULL);
  g_assert_false (gtk_widget_get_mapped (concord_test_named (f->editor, "rule-panel-a")));
}

static void
test_count_error (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) broken = g_error_new (CONCORD_ERROR, CONCORD_ERROR_NETWORK, "The app could not be reached");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  double ten = 10;
  g_autofree char *some = count_text (expect_count (active_above, &ten));
  gint64 id;
  GtkWidget *p;

  /* Another connection, whose listing was never counted, fails to list. */
  id = rule_add_connection (f->engine, CONCORD_DIRECTION_BOTH, " 2");
  concord_engine_load_setup_async (f->engine, id, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  f->other_setup = concord_engine_load_setup_finish (f->engine, result, &error);
  g_assert_no_error (error);

  concord_memory_connector_fail_list_at_page (rule_sides[0], 0, broken);
  concord_rule_editor_set_setup (CONCORD_RULE_EDITOR (f->editor), f->other_setup, "Shop", "Newsletter");
  p = panel (f, CONCORD_SIDE_A);
  wait_label (concord_test_named (p, "count-label"), "Could not count: The app could not be reached", TRUE);
  g_assert_true (gtk_widget_has_css_class (concord_test_named (p, "count-label"), "error"));

  /* The next edit counts again, and this time the app answers. */
  build_rule (f);
  wait_label (concord_test_named (p, "count-label"), some, TRUE);
  g_assert_false (gtk_widget_has_css_class (concord_test_named (p, "count-label"), "error"));
  g_assert_cmpint (f->other_setup->connection_id, ==, id);
}

static gboolean
is_visible_widget (gpointer widget)
{
  return gtk_widget_get_visible (widget);
}

/* Picks @value in the menu of values in use beside a value editor. */
static void
pick_suggestion (GtkWidget  *value_editor,
                 const char *value)
{
  GtkWidget *button = concord_test_named (value_editor, "value-suggestions");
  GtkWidget *popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  g_assert_true (concord_test_wait_until (is_visible_widget, button, 10));
  concord_test_collect_named (popover, "value-suggestion", rows);
  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (rows, i);

      if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "value"), value) == 0)
        {
          g_signal_emit_by_name (gtk_widget_get_parent (row), "row-activated", row);
          return;
        }
    }

  g_error ("“%s” is not offered", value);
}

static void
test_suggestions (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *p = panel (f, CONCORD_SIDE_A);
  g_autoptr(GPtrArray) offered = g_ptr_array_new ();
  guint i, j;

  /* The tags in use on Shop, offered beside "includes". */
  i = add_condition (p);
  set_condition (p, i, "Tags", "includes");
  pick_suggestion (condition_value (p, i), "press");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (value_entry (condition_value (p, i)))), ==, "press");
  concord_test_collect_named (GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (concord_test_named (condition_value (p, i), "value-suggestions")))),
                 "value-suggestion", offered);
  for (guint k = 0; k < G_N_ELEMENTS (shop_people); k++)
    if (shop_people[k].tags != NULL)
      {
        g_auto(GStrv) tags = g_strsplit (shop_people[k].tags, ",", -1);

        for (guint t = 0; tags[t] != NULL; t++)
          {
            gboolean found = FALSE;

            for (guint r = 0; r < offered->len; r++)
              found |= g_strcmp0 (g_object_get_data (g_ptr_array_index (offered, r), "value"), tags[t]) == 0;
            g_assert_true (found);
          }
      }

  /* And as chips for "includes any of". */
  j = add_condition (p);
  set_condition (p, j, "Tags", "includes any of");
  pick_suggestion (condition_value (p, j), "vip");
  pick_suggestion (condition_value (p, j), "press");

  assert_rule (f, CONCORD_SIDE_A,
               "{\"enabled\": true, \"create\": true,"
               " \"filter\": {\"match\": \"all\", \"conditions\": ["
               "   {\"field\": \"tags\", \"type\": \"string-set\", \"op\": \"contains\", \"values\": [\"press\"]},"
               "   {\"field\": \"tags\", \"type\": \"string-set\", \"op\": \"is-one-of\", \"values\": [\"vip\", \"press\"]}]},"
               " \"actions\": []}");

  /* A field with nothing in use offers nothing. */
  set_condition (p, i, "First name", "is");
  g_assert_false (gtk_widget_get_visible (concord_test_named (condition_value (p, i), "value-suggestions")));
}

/* A stored rule, with what the editor must keep as it is: a value the
 * field no longer lists, a field the app no longer has, an inverted
 * condition, nested groups, a cleared field. */
static void
test_load (Fixture       *f,
           gconstpointer  data)
{
  const char *stored =
    "{\"enabled\": true, \"create\": false,"
    " \"filter\": {\"match\": \"any\", \"conditions\": ["
    "   {\"field\": \"status\", \"type\": \"enum\", \"op\": \"is\", \"values\": [\"stale\"]},"
    "   {\"field\": \"custom:Gone\", \"type\": \"number\", \"op\": \"less-than\", \"values\": [\"3\"]},"
    "   {\"field\": \"custom:Score\", \"type\": \"string\", \"op\": \"starts-with\", \"values\": [\"4\"]},"
    "   {\"field\": \"first_name\", \"type\": \"string\", \"op\": \"starts-with\", \"values\": [\"A\"], \"negate\": true},"
    "   {\"match\": \"all\", \"negate\": true, \"conditions\": ["
    "     {\"field\": \"custom:Joined\", \"type\": \"date\", \"op\": \"within-last-days\", \"values\": [\"90\"]},"
    "     {\"match\": \"any\", \"conditions\": ["
    "       {\"field\": \"custom:Plan\", \"type\": \"enum\", \"op\": \"is-one-of\", \"values\": [\"Free\", \"Team\"]}]}]}]},"
    " \"actions\": ["
    "   {\"action\": \"set\", \"field\": \"custom:Points\", \"type\": \"number\", \"value\": \"\", \"on_update\": true},"
    "   {\"action\": \"remove\", \"field\": \"lists\", \"value\": \"Old\", \"on_update\": false},"
    "   {\"action\": \"set\", \"field\": \"custom:Tier\", \"type\": \"enum\", \"value\": \"Gold\", \"on_update\": false},"
    "   {\"action\": \"set\", \"field\": \"custom:Code\", \"type\": \"string\", \"value\": \"X1\", \"on_update\": false}]}";
  g_autofree char *document = g_strdup_printf ("{\"version\": 1, \"rules\": {\"a_to_b\": %s}}", stored);
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnectionConfig) config = concord_connection_config_new_from_json (document, &error);
  GtkWidget *p;

  g_assert_no_error (error);
  concord_rule_list_unref (f->setup->config->rules[0]);
  f->setup->config->rules[0] = concord_rule_list_ref (config->rules[0]);
  concord_rule_editor_set_setup (CONCORD_RULE_EDITOR (f->editor), f->setup, "Shop", "Newsletter");
  p = panel (f, CONCORD_SIDE_A);

  g_assert_cmpuint (concord_test_count_named (p, "condition-field"), ==, 6);
  g_assert_cmpuint (concord_test_count_named (p, "group-match"), ==, 2);
  g_assert_cmpuint (concord_test_count_named (p, "action-kind"), ==, 4);
  g_assert_true (gtk_widget_get_visible (concord_test_nth_named (p, "condition-negate", 3)));
  /* Code is read-only in the app now: kept, but not offered to new actions. */
  g_assert_true (offers (concord_test_nth_named (p, "action-field", 3), "Code"));
  g_assert_false (offers (concord_test_nth_named (p, "action-field", 2), "Code"));
  g_assert_true (offers (concord_test_nth_named (p, "condition-field", 1), "Gone (not in this app)"));

  /* Edits elsewhere write the rest back as it was. */
  press_switch (concord_test_named (p, "rule-create"));
  press_switch (concord_test_named (p, "rule-create"));
  assert_rule (f, CONCORD_SIDE_A, stored);
  assert_config_valid (f);
  g_assert_cmpuint (f->n_changed, ==, 2);

  /* Undoing the inversion is one click. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (concord_test_nth_named (p, "condition-negate", 3)), FALSE);
  g_assert_false (gtk_widget_get_visible (concord_test_nth_named (p, "condition-negate", 3)));
  {
    g_autoptr(JsonNode) have = first_rule_json (f, CONCORD_SIDE_A);
    g_autofree char *text = json_to_string (have, FALSE);

    g_assert_null (strstr (text, "\"values\":[\"A\"],\"negate\":true"));
    g_assert_nonnull (strstr (text, "\"starts-with\",\"values\":[\"A\"]}"));
  }
}

/* Tab through the window; the focused widgets in order. */
static GPtrArray *
focus_chain (Fixture *f)
{
  GPtrArray *chain = g_ptr_array_new ();
  GtkWidget *first = NULL;

  gtk_window_set_focus (GTK_WINDOW (f->window), NULL);
  for (guint i = 0; i < 400; i++)
    {
      GtkWidget *focus;

      if (!gtk_widget_child_focus (f->window, GTK_DIR_TAB_FORWARD))
        break;
      focus = gtk_window_get_focus (GTK_WINDOW (f->window));
      if (focus == NULL || focus == first)
        break;
      if (first == NULL)
        first = focus;
      g_ptr_array_add (chain, focus);
    }

  return chain;
}

static gboolean
chain_reaches (GPtrArray *chain,
               GtkWidget *widget)
{
  for (guint i = 0; i < chain->len; i++)
    {
      GtkWidget *focus = g_ptr_array_index (chain, i);

      if (focus == widget || gtk_widget_is_ancestor (focus, widget))
        return TRUE;
    }
  return FALSE;
}

static void
test_keyboard (Fixture       *f,
               gconstpointer  data)
{
  GtkWidget *p = panel (f, CONCORD_SIDE_A);
  g_autoptr(GPtrArray) chain = NULL;
  GtkWidget *add, *focus, *row;

  build_rule (f);
  concord_test_click (concord_test_nth_named (p, "add-group-button", -1));

  chain = focus_chain (f);
  g_assert_cmpuint (chain->len, >, 10);
  g_assert_true (chain_reaches (chain, concord_test_named (p, "rule-enabled")));
  g_assert_true (chain_reaches (chain, concord_test_named (p, "rule-create")));
  g_assert_true (chain_reaches (chain, concord_test_nth_named (p, "condition-field", 0)));
  g_assert_true (chain_reaches (chain, concord_test_nth_named (p, "condition-op", 1)));
  g_assert_true (chain_reaches (chain, value_entry (condition_value (p, 1))));
  g_assert_true (chain_reaches (chain, concord_test_nth_named (p, "condition-remove", 2)));
  g_assert_true (chain_reaches (chain, concord_test_named (p, "group-match")));
  g_assert_true (chain_reaches (chain, concord_test_named (p, "group-remove")));
  g_assert_true (chain_reaches (chain, concord_test_nth_named (p, "action-on-update", 1)));
  g_assert_true (chain_reaches (chain, concord_test_nth_named (p, "add-condition-button", -1)));
  g_assert_true (chain_reaches (chain, concord_test_named (p, "add-action-button")));

  /* Tab to "Add Condition" and press it: a row appears, focused. */
  add = concord_test_nth_named (p, "add-condition-button", -1);
  gtk_window_set_focus (GTK_WINDOW (f->window), NULL);
  for (guint i = 0; i < 400 && gtk_window_get_focus (GTK_WINDOW (f->window)) != add; i++)
    gtk_widget_child_focus (f->window, GTK_DIR_TAB_FORWARD);
  g_assert_true (gtk_window_get_focus (GTK_WINDOW (f->window)) == add);
  g_assert_true (gtk_widget_activate (add));
  wait_n_named (p, "condition-field", 4);
  row = gtk_widget_get_ancestor (concord_test_nth_named (p, "condition-field", 3), GTK_TYPE_LIST_BOX_ROW);
  focus = gtk_window_get_focus (GTK_WINDOW (f->window));
  g_assert_nonnull (focus);
  g_assert_true (gtk_widget_is_ancestor (focus, row));

  /* The remove button, reached by Tab and pressed, takes the row away. */
  for (guint i = 0; i < 20 && gtk_window_get_focus (GTK_WINDOW (f->window)) != concord_test_nth_named (p, "condition-remove", 3); i++)
    gtk_widget_child_focus (f->window, GTK_DIR_TAB_FORWARD);
  g_assert_true (gtk_window_get_focus (GTK_WINDOW (f->window)) == concord_test_nth_named (p, "condition-remove", 3));
  g_assert_true (gtk_widget_activate (concord_test_nth_named (p, "condition-remove", 3)));
  wait_n_named (p, "condition-field", 3);
  g_assert_nonnull (gtk_window_get_focus (GTK_WINDOW (f->window)));

  /* The rule switch, by keyboard. */
  gtk_widget_grab_focus (concord_test_named (p, "rule-enabled"));
  press_switch (gtk_window_get_focus (GTK_WINDOW (f->window)));
  g_assert_false (concord_rule_list_get_enabled (f->setup->config->rules[0]));
}

static gboolean
is_interactive (GtkWidget *widget)
{
  return GTK_IS_BUTTON (widget) || GTK_IS_CHECK_BUTTON (widget) || GTK_IS_DROP_DOWN (widget) ||
         GTK_IS_SWITCH (widget) || GTK_IS_ENTRY (widget) || GTK_IS_SPIN_BUTTON (widget) ||
         GTK_IS_MENU_BUTTON (widget) || GTK_IS_CALENDAR (widget) ||
         (GTK_IS_LIST_BOX_ROW (widget) && gtk_widget_get_focusable (widget) &&
          gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (widget)));
}

/* Every control a user can reach has an accessible name. A control's own
 * parts (a dropdown's button, an entry's text) are its own business. */
static void
walk_labels (GtkWidget *widget,
             GPtrArray *unlabelled,
             guint     *n_checked)
{
  if (!gtk_widget_get_visible (widget))
    return;

  if (is_interactive (widget))
    {
      (*n_checked)++;
      if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL) &&
          !gtk_test_accessible_has_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY))
        g_ptr_array_add (unlabelled, g_strdup_printf ("%s “%s”", G_OBJECT_TYPE_NAME (widget),
                                                      gtk_widget_get_name (widget)));
      if (!GTK_IS_LIST_BOX_ROW (widget))
        return;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    walk_labels (child, unlabelled, n_checked);
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

static void
test_accessible (Fixture       *f,
                 gconstpointer  data)
{
  GtkWidget *p = panel (f, CONCORD_SIDE_A);
  g_autoptr(GPtrArray) unlabelled = g_ptr_array_new_with_free_func (g_free);
  guint n_checked = 0;
  guint i, a;

  /* One of every editor. */
  build_rule (f);
  i = add_condition (p);
  set_condition (p, i, "First name", "starts with");
  type_into (value_entry (condition_value (p, i)), "A");
  i = add_condition (p);
  set_condition (p, i, "Joined", "is within the last");
  i = add_condition (p);
  set_condition (p, i, "Joined", "is after");
  {
    GtkWidget *calendar = concord_test_find_type (condition_value (p, i), GTK_TYPE_CALENDAR);
    g_autoptr(GDateTime) day = g_date_time_new_utc (2024, 1, 15, 0, 0, 0);

    g_assert_nonnull (calendar);
    gtk_calendar_select_day (GTK_CALENDAR (calendar), day);
    g_signal_emit_by_name (calendar, "day-selected");
  }
  i = add_condition (p);
  set_condition (p, i, "Plan", "is one of");
  pick (value_dropdown (condition_value (p, i)), "Free");
  concord_test_click (concord_test_named (condition_value (p, i), "value-add"));
  pick (value_dropdown (condition_value (p, i)), "Team");
  concord_test_click (concord_test_named (condition_value (p, i), "value-add"));
  concord_test_click (concord_test_nth_named (p, "add-group-button", -1));
  a = add_action (p, "Set", "Since");
  a = add_action (p, "Set", "Tier");
  a = add_action (p, "Set", "Opted in");
  a = add_action (p, "Clear", "Points");
  a = add_action (p, "Remove from", "Lists");
  type_into (value_entry (concord_test_nth_named (p, "action-value", a)), "Old list");

  {
    g_autoptr(JsonNode) rule = first_rule_json (f, CONCORD_SIDE_A);
    g_autofree char *text = json_to_string (rule, FALSE);

    /* The date came through the calendar, the chips through their button. */
    g_assert_nonnull (strstr (text, "\"after\",\"values\":[\"2024-01-15\"]"));
    g_assert_nonnull (strstr (text, "\"values\":[\"Free\",\"Team\"]"));
    g_assert_nonnull (strstr (text, "\"within-last-days\",\"values\":[\"30\"]"));
  }
  assert_config_valid (f);

  gtk_window_set_focus (GTK_WINDOW (f->window), NULL);
  screenshot (f, "rule-editor-every-editor.png");

  walk_labels (f->editor, unlabelled, &n_checked);
  if (unlabelled->len > 0)
    {
      g_ptr_array_add (unlabelled, NULL);
      g_error ("%u controls without an accessible name: %s", unlabelled->len - 1,
               g_strjoinv (", ", (char **) unlabelled->pdata));
    }
  g_assert_cmpuint (n_checked, >, 40);

  /* Names say which row they belong to. */
  assert_label (concord_test_nth_named (p, "condition-field", 1), "Field of condition 2");
  assert_label (concord_test_nth_named (p, "condition-remove", 1), "Remove condition 2");
  assert_label (value_entry (condition_value (p, 1)), "Value of condition 2");
  assert_label (concord_test_nth_named (p, "condition-field", 6), "Field of condition 7.1");
  assert_label (concord_test_named (p, "group-remove"), "Remove group 7");
  assert_label (concord_test_nth_named (p, "action-field", 0), "Field of action 1");
  assert_label (concord_test_nth_named (p, "action-remove", 1), "Remove action 2");
  assert_label (concord_test_named (p, "rule-create"), "Create new contacts in Newsletter");
}

static void
test_screenshots (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *p = panel (f, CONCORD_SIDE_A);
  g_autofree char *expected = NULL;
  AdwStyleManager *style = adw_style_manager_get_default ();

  /* The rule of the screenshots: two conditions, a nested group, two actions. */
  build_rule (f);
  concord_test_click (concord_test_nth_named (p, "add-group-button", -1));
  set_condition (p, 2, "Tags", "includes");
  type_into (value_entry (condition_value (p, 2)), "vip");
  concord_test_click (concord_test_nth_named (p, "add-condition-button", 0));
  set_condition (p, 3, "Plan", "is");
  pick (value_dropdown (condition_value (p, 3)), "Pro");

  {
    guint n = 0;

    for (guint i = 0; i < G_N_ELEMENTS (shop_people); i++)
      if (g_str_equal (shop_people[i].status, "active") && shop_people[i].score > 10 &&
          (rule_person_has_tag (&shop_people[i], "vip") || g_strcmp0 (shop_people[i].plan, "Pro") == 0))
        n++;
    expected = count_text (n);
  }
  wait_label (concord_test_named (p, "count-label"), expected, TRUE);
  gtk_window_set_focus (GTK_WINDOW (f->window), NULL);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  screenshot (f, "rule-editor.png");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  screenshot (f, "rule-editor-dark.png");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
}

typedef struct
{
  GtkWidget  *row;
  const char *text;
} SubtitleWait;

static gboolean
subtitle_says (gpointer data)
{
  SubtitleWait *wait = data;
  const char *subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (wait->row));

  return subtitle != NULL && strstr (subtitle, wait->text) != NULL;
}

static void
wait_subtitle (GtkWidget  *row,
               const char *text)
{
  SubtitleWait wait = { row, text };

  if (!concord_test_wait_until (subtitle_says, &wait, 20))
    g_error ("the row never said “%s” (it says “%s”)", text, adw_action_row_get_subtitle (ADW_ACTION_ROW (row)));
}

static gboolean
active_pro (const RulePerson *p,
            gconstpointer     data)
{
  return g_str_equal (p->status, "active") && g_strcmp0 (p->plan, "Pro") == 0;
}

static void
test_rule_list (Fixture       *f,
                gconstpointer  data)
{
  GtkWidget *p = panel (f, CONCORD_SIDE_A);
  ConcordRuleList *list = f->setup->config->rules[CONCORD_SIDE_A];
  g_autofree char *all = g_strdup_printf ("Matches all %u contacts", (guint) G_N_ELEMENTS (shop_people));
  g_autofree char *some = g_strdup_printf ("Matches %u of %u contacts", expect_count (active_pro, NULL),
                                           (guint) G_N_ELEMENTS (shop_people));
  guint i, a, changed;

  /* The default: one rule, everyone → sync, counted; the choice for
   * paired contacts that stop matching shows its default. */
  g_assert_cmpuint (concord_test_count_named (p, "rule-row"), ==, 1);
  wait_subtitle (concord_test_nth_named (p, "rule-row", 0), "Every contact: sync");
  wait_subtitle (concord_test_nth_named (p, "rule-row", 0), all);
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (concord_test_named (p, "rule-unmatched"))), ==, 0);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (concord_test_named (p, "rule-unmatched"))), ==,
                   "Stop updating them (the default)");
  g_assert_cmpuint (f->n_changed, ==, 0);

  /* A second rule, named, that only acts: active Pro customers → VIP. */
  concord_test_click (concord_test_named (p, "add-rule-button"));
  g_assert_cmpuint (concord_test_count_named (p, "rule-row"), ==, 2);
  g_assert_cmpuint (concord_rule_list_get_n_rules (list), ==, 2);
  g_assert_cmpuint (concord_test_count_named (p, "condition-field"), ==, 0);
  type_into (concord_test_named (p, "rule-name"), "VIP customers");
  press_switch (concord_test_named (concord_test_nth_named (p, "rule-row", 1), "rule-sync"));
  i = add_condition (p);
  set_condition (p, i, "Status", "is");
  pick (value_dropdown (condition_value (p, i)), "active");
  i = add_condition (p);
  set_condition (p, i, "Plan", "is");
  pick (value_dropdown (condition_value (p, i)), "Pro");
  a = add_action (p, "Add to", "Lists");
  type_into (value_entry (concord_test_nth_named (p, "action-value", a)), "VIP");

  {
    g_autoptr(JsonNode) have = concord_rule_list_to_json (list);
    g_autoptr(JsonNode) want = parse (
      "{\"enabled\": true, \"create\": true, \"unmatched\": \"stop\", \"rules\": ["
      " {\"enabled\": true, \"sync\": true, \"filter\": null, \"actions\": []},"
      " {\"name\": \"VIP customers\", \"enabled\": true, \"sync\": false,"
      "  \"filter\": {\"match\": \"all\", \"conditions\": ["
      "   {\"field\": \"status\", \"type\": \"enum\", \"op\": \"is\", \"values\": [\"active\"]},"
      "   {\"field\": \"custom:Plan\", \"type\": \"enum\", \"op\": \"is\", \"values\": [\"Pro\"]}]},"
      "  \"actions\": [{\"action\": \"add\", \"field\": \"lists\", \"value\": \"VIP\", \"on_update\": false}]}]}");

    if (!json_node_equal (have, want))
      g_error ("the rules are\n%s", json_to_string (have, TRUE));
  }
  assert_config_valid (f);

  /* Each row: its name, "If … then …", its own live count. */
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (concord_test_nth_named (p, "rule-row", 1))), ==,
                   "VIP customers");
  wait_subtitle (concord_test_nth_named (p, "rule-row", 1), "If Status is “active” and Plan is “Pro”, then add “VIP” to Lists");
  wait_subtitle (concord_test_nth_named (p, "rule-row", 1), some);
  wait_subtitle (concord_test_nth_named (p, "rule-row", 0), all);

  gtk_window_set_focus (GTK_WINDOW (f->window), NULL);
  concord_test_save_window (f->window, "rules-two-rules.png", 800);
  /* As narrow as it goes (360 asked; the condition and action rows stop
   * it wider). */
  gtk_window_set_default_size (GTK_WINDOW (f->window), 360, 800);
  concord_test_save_window (f->window, "rules-two-rules-narrow.png", 800);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1280, 800);

  /* Reordered: the second rule moves up, with the keyboard's button. */
  changed = f->n_changed;
  g_assert_false (gtk_widget_get_sensitive (concord_test_named (concord_test_nth_named (p, "rule-row", 0), "rule-up")));
  concord_test_click (concord_test_named (concord_test_nth_named (p, "rule-row", 1), "rule-up"));
  g_assert_cmpuint (f->n_changed, ==, changed + 1);
  g_assert_cmpstr (concord_rule_get_name (concord_rule_list_get_rule (list, 0)), ==, "VIP customers");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (concord_test_nth_named (p, "rule-row", 0))), ==,
                   "VIP customers");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (concord_test_nth_named (p, "rule-row", 1))), ==,
                   "Rule 2");
  g_assert_true (gtk_widget_has_focus (concord_test_nth_named (p, "rule-row", 0)));
  concord_test_click (concord_test_named (concord_test_nth_named (p, "rule-row", 0), "rule-down"));
  g_assert_null (concord_rule_get_name (concord_rule_list_get_rule (list, 0)));

  /* Activating a row opens its rule below the list. */
  g_signal_emit_by_name (concord_test_nth_named (p, "rule-row", 0), "activated");
  g_assert_cmpuint (concord_test_count_named (p, "condition-field"), ==, 0);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (concord_test_named (p, "rule-name"))), ==, "");
  g_signal_emit_by_name (concord_test_nth_named (p, "rule-row", 1), "activated");
  g_assert_cmpuint (concord_test_count_named (p, "condition-field"), ==, 2);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (concord_test_named (p, "rule-name"))), ==, "VIP customers");

  /* Turned off, a rule stays in the list and does nothing. */
  press_switch (concord_test_named (concord_test_nth_named (p, "rule-row", 1), "rule-on"));
  g_assert_false (concord_rule_get_enabled (concord_rule_list_get_rule (list, 1)));

  /* The choice for paired contacts that stop matching. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (concord_test_named (p, "rule-unmatched")), 1);
  g_assert_cmpint (concord_rule_list_get_unmatched (list), ==, CONCORD_UNMATCHED_KEEP);

  /* Removed: the list and the editor follow. */
  concord_test_click (concord_test_named (concord_test_nth_named (p, "rule-row", 1), "rule-remove"));
  g_assert_cmpuint (concord_test_count_named (p, "rule-row"), ==, 1);
  g_assert_cmpuint (concord_rule_list_get_n_rules (list), ==, 1);
  g_assert_cmpuint (concord_test_count_named (p, "condition-field"), ==, 0);
  concord_test_click (concord_test_named (concord_test_nth_named (p, "rule-row", 0), "rule-remove"));
  g_assert_cmpuint (concord_rule_list_get_n_rules (list), ==, 0);
  g_assert_false (gtk_widget_get_visible (concord_test_named (p, "rule-name")) && gtk_widget_get_mapped (concord_test_named (p, "rule-name")));
  assert_config_valid (f);

  /* Every control of a row has a name for screen readers. */
  concord_test_click (concord_test_named (p, "add-rule-button"));
  assert_label (concord_test_named (concord_test_nth_named (p, "rule-row", 0), "rule-sync"), "Sync the contacts Rule 1 matches");
  assert_label (concord_test_named (concord_test_nth_named (p, "rule-row", 0), "rule-on"), "Use Rule 1");
  assert_label (concord_test_named (concord_test_nth_named (p, "rule-row", 0), "rule-menu"), "Move or remove Rule 1");
}

/* ------------------------------------------------------------------------- */
/* Type-to-search in the field drop-downs                                    */
/* ------------------------------------------------------------------------- */


/* The names the drop-down's list offers after typing @text in its search. */
static char *
search_drop_down (GtkWidget  *dropdown,
                  const char *text)
{
  GtkWidget *entry = concord_test_find_type (dropdown, GTK_TYPE_SEARCH_ENTRY);
  GtkWidget *list = concord_test_find_type (dropdown, GTK_TYPE_LIST_VIEW);
  GListModel *model;
  GString *names = g_string_new (NULL);

  g_assert_nonnull (entry);
  g_assert_nonnull (list);
  g_assert_true (gtk_drop_down_get_enable_search (GTK_DROP_DOWN (dropdown)));
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  /* The search entry reports its change after a short delay. */
  g_signal_emit_by_name (entry, "search-changed");
  model = G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list)));
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", gtk_string_object_get_string (item));
    }

  return g_string_free (names, FALSE);
}

/* Typing in an open field drop-down keeps the fields whose name holds
 * the text, anywhere in the name and whatever the case. */
static void
test_field_search (void)
{
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *box = gtk_list_box_new ();
  GtkWidget *condition, *action;

  g_ptr_array_add (fields, concord_field_spec_new ("email", "Email", CONCORD_FIELD_TYPE_EMAIL, FALSE));
  g_ptr_array_add (fields, concord_field_spec_new ("first_name", "First name", CONCORD_FIELD_TYPE_STRING, FALSE));
  g_ptr_array_add (fields, concord_field_spec_new ("last_name", "Last name", CONCORD_FIELD_TYPE_STRING, FALSE));
  g_ptr_array_add (fields, concord_field_spec_new ("custom:City", "City", CONCORD_FIELD_TYPE_STRING, FALSE));
  g_ptr_array_add (fields, concord_field_spec_new ("custom:Company", "Company name", CONCORD_FIELD_TYPE_STRING,
                                                   FALSE));
  ((ConcordFieldSpec *) g_ptr_array_index (fields, 3))->custom = TRUE;
  ((ConcordFieldSpec *) g_ptr_array_index (fields, 4))->custom = TRUE;

  condition = concord_rule_condition_row_new (fields, NULL);
  action = concord_rule_action_row_new (fields, NULL);
  gtk_list_box_append (GTK_LIST_BOX (box), condition);
  gtk_list_box_append (GTK_LIST_BOX (box), action);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));

  {
    g_autofree char *all = search_drop_down (concord_test_named (condition, "condition-field"), "");
    g_autofree char *name = search_drop_down (concord_test_named (condition, "condition-field"), "name");
    g_autofree char *city = search_drop_down (concord_test_named (condition, "condition-field"), "CIT");
    g_autofree char *none = search_drop_down (concord_test_named (condition, "condition-field"), "zip");

    g_assert_cmpstr (all, ==, "Email, First name, Last name, City, Company name");
    g_assert_cmpstr (name, ==, "First name, Last name, Company name");
    g_assert_cmpstr (city, ==, "City");
    g_assert_cmpstr (none, ==, "");
  }
  {
    g_autofree char *name = search_drop_down (concord_test_named (action, "action-field"), "name");

    g_assert_cmpstr (name, ==, "First name, Last name, Company name");
  }

  gtk_window_destroy (GTK_WINDOW (window));
}

/* ------------------------------------------------------------------------- */
/* The picker of the app's lists                                             */
/* ------------------------------------------------------------------------- */

static char *
add_ee_account (ConcordEngine           *engine,
                const char              *name,
                ConcordMockElasticEmail *mock,
                const char              *key)
{
  g_autofree char *options = g_strdup_printf ("{\"base_url\": \"%s\"}", concord_mock_elasticemail_get_base_url (mock));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  char *id;

  concord_engine_add_account_async (engine, "elasticemail", name, options, key, NULL,
                                    concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  id = concord_engine_add_account_finish (engine, result, &error);
  g_assert_no_error (error);
  return id;
}

static gboolean
page_editors_shown (gpointer page)
{
  GtkStack *stack = GTK_STACK (gtk_widget_get_template_child (page, CONCORD_TYPE_CONNECTION_PAGE, "rules_stack"));

  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), "editor") == 0 &&
         concord_test_find_named (page, "rule-panel-b") != NULL;
}

static char *
drop_down_names (GtkDropDown *dropdown)
{
  GListModel *model = gtk_drop_down_get_model (dropdown);
  GString *names = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", gtk_string_object_get_string (item));
    }

  return g_string_free (names, FALSE);
}

static guint
drop_down_index (GtkDropDown *dropdown,
                 const char  *name)
{
  GListModel *model = gtk_drop_down_get_model (dropdown);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_str_equal (gtk_string_object_get_string (item), name))
        return i;
    }

  g_error ("“%s” is not offered", name);
}

/* "Add to" a list offers the lists of the Elastic Email account the
 * action writes to, read through the engine from the (mock) server; the
 * one chosen is what the stored action adds. A condition on the lists
 * offers them too. */
static void
test_list_picker (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordMockElasticEmail) mock_a = concord_mock_elasticemail_new ("key-a", 0, &error);
  g_autoptr(ConcordMockElasticEmail) mock_b = NULL;
  g_autoptr(ConcordSecretStore) secrets = concord_secret_store_new_in_memory ();
  g_autofree char *dir = g_dir_make_tmp ("concord-list-picker-XXXXXX", NULL);
  g_autofree char *db_path = g_build_filename (dir, "state.sqlite", NULL);
  g_autofree char *account_a = NULL, *account_b = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *names = NULL;
  ConcordConnectionRow row = { 0 };
  ConcordEngine *engine;
  GAsyncResult *slot = NULL;
  GtkWidget *window, *page, *panel, *action, *value;
  GtkDropDown *kind, *list;
  gint64 id;

  g_assert_no_error (error);
  mock_b = concord_mock_elasticemail_new ("key-b", 0, &error);
  g_assert_no_error (error);
  concord_mock_elasticemail_add_list (mock_a, "VIP");
  concord_mock_elasticemail_add_list (mock_a, "Customers");
  concord_mock_elasticemail_add_list (mock_a, "Pro");
  concord_mock_elasticemail_add_list (mock_b, "Weekly");

  engine = concord_engine_new (db_path, secrets, concord_app_registry_create_connector);
  concord_engine_open_async (engine, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_open_finish (engine, result, &error));
  g_assert_no_error (error);
  account_a = add_ee_account (engine, "Shop", mock_a, "key-a");
  account_b = add_ee_account (engine, "Newsletter", mock_b, "key-b");
  row.name = (char *) "Shop and Newsletter";
  row.account_a = account_a;
  row.type_a = (char *) "contacts";
  row.account_b = account_b;
  row.type_b = (char *) "contacts";
  row.direction = CONCORD_DIRECTION_BOTH;
  g_clear_object (&result);
  slot = NULL;
  concord_engine_add_connection_async (engine, &row, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  id = concord_engine_add_connection_finish (engine, result, &error);
  g_assert_no_error (error);

  window = gtk_window_new ();
  /* Tall enough for the second rule's actions, for the screenshot. */
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 1260);
  page = concord_connection_page_new (engine);
  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));
  concord_connection_page_set_state (CONCORD_CONNECTION_PAGE (page), concord_engine_lookup (engine, id));
  concord_connection_page_show_section (CONCORD_CONNECTION_PAGE (page), "rules");
  CONCORD_TEST_WAIT_FOR (page_editors_shown (page));

  /* From the newsletter to the shop: add to one of the shop's lists (not
   * the newsletter's). */
  panel = concord_test_named (page, "rule-panel-b");
  concord_test_click (concord_test_named (panel, "add-action-button"));
  CONCORD_TEST_WAIT_FOR (concord_test_find_named (panel, "action-kind") != NULL);
  action = gtk_widget_get_ancestor (concord_test_named (panel, "action-kind"), CONCORD_TYPE_RULE_ACTION_ROW);
  kind = GTK_DROP_DOWN (concord_test_named (action, "action-kind"));
  gtk_drop_down_set_selected (kind, drop_down_index (kind, "Add to"));
  g_assert_cmpstr (gtk_string_object_get_string (gtk_drop_down_get_selected_item (GTK_DROP_DOWN (
                     concord_test_named (action, "action-field")))), ==, "Lists");

  value = concord_test_named (action, "action-value");
  CONCORD_TEST_WAIT_FOR (concord_test_find_type (value, GTK_TYPE_DROP_DOWN) != NULL);
  list = GTK_DROP_DOWN (concord_test_find_type (value, GTK_TYPE_DROP_DOWN));
  names = drop_down_names (list);
  g_assert_cmpstr (names, ==, "Customers, Pro, VIP");
  g_assert_null (concord_test_find_type (value, GTK_TYPE_ENTRY));
  {
    g_autofree char *found = search_drop_down (GTK_WIDGET (list), "ip");

    g_assert_cmpstr (found, ==, "VIP");
    g_free (search_drop_down (GTK_WIDGET (list), ""));
  }
  gtk_drop_down_set_selected (list, drop_down_index (list, "VIP"));
  if (g_getenv ("CONCORD_SCREENSHOT_DIR") != NULL)
    {
      concord_test_save_window (window, "rules-list-picker.png", 800);
    }

  /* Saved: the action adds to VIP. */
  CONCORD_TEST_WAIT_FOR (concord_connection_page_get_dirty (CONCORD_CONNECTION_PAGE (page)));
  g_signal_emit_by_name (concord_test_named (page, "save-button"), "clicked");
  CONCORD_TEST_WAIT_FOR (!concord_connection_page_get_dirty (CONCORD_CONNECTION_PAGE (page)));
  {
    g_autoptr(ConcordConnectionSetup) setup = NULL;
    g_autoptr(JsonNode) node = NULL;
    JsonArray *actions;
    JsonObject *added;

    g_clear_object (&result);
    slot = NULL;
    concord_engine_load_setup_async (engine, id, NULL, concord_test_store_result_cb, &slot);
    result = concord_test_wait_for_result (&slot);
    setup = concord_engine_load_setup_finish (engine, result, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (concord_rule_list_get_n_rules (setup->config->rules[1]), ==, 1);
    node = concord_rule_to_json (concord_rule_list_get_rule (setup->config->rules[1], 0));
    actions = json_object_get_array_member (json_node_get_object (node), "actions");
    g_assert_cmpuint (json_array_get_length (actions), ==, 1);
    added = json_array_get_object_element (actions, 0);
    g_assert_cmpstr (json_object_get_string_member (added, "field"), ==, "lists");
    g_assert_cmpstr (json_object_get_string_member (added, "value"), ==, "VIP");
  }

  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  /* As test-add-connection: the real connectors' sessions may keep the
   * engine's thread a while; the test does not wait for it. */
  concord_engine_stop (engine);
  g_object_unref (engine);
  concord_test_remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init_ui (&argc, &argv);
  adw_init ();
  concord_test_register_resources ();
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);

#define ADD(path, fn, direction) \
  g_test_add ("/concord/ui/rule-editor/" path, Fixture, GINT_TO_POINTER (direction), setup, fn, teardown)
  ADD ("build", test_build, CONCORD_DIRECTION_BOTH);
  ADD ("incomplete", test_incomplete, CONCORD_DIRECTION_BOTH);
  ADD ("nesting", test_nesting, CONCORD_DIRECTION_BOTH);
  ADD ("disable", test_disable, CONCORD_DIRECTION_BOTH);
  ADD ("one-way", test_one_way, CONCORD_DIRECTION_A_TO_B);
  ADD ("count-error", test_count_error, CONCORD_DIRECTION_BOTH);
  ADD ("suggestions", test_suggestions, CONCORD_DIRECTION_BOTH);
  ADD ("load", test_load, CONCORD_DIRECTION_BOTH);
  ADD ("keyboard", test_keyboard, CONCORD_DIRECTION_BOTH);
  ADD ("accessible", test_accessible, CONCORD_DIRECTION_BOTH);
  ADD ("screenshots", test_screenshots, CONCORD_DIRECTION_BOTH);
  ADD ("rule-list", test_rule_list, CONCORD_DIRECTION_BOTH);
#undef ADD
  g_test_add_func ("/concord/ui/rule-editor/field-search", test_field_search);
  g_test_add_func ("/concord/ui/rule-editor/list-picker", test_list_picker);

  return g_test_run ();
}
