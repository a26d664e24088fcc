/* concord-rule-panel.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The rules of one direction of a connection: the direction's on/off,
 * whether it creates contacts and what happens to paired contacts that
 * stop matching; the list of its rules (a ConcordRuleRow each: name, "If …
 * then …", a live count, its sync and on/off switches, move and remove);
 * and, below the list, the rule being edited: its name, IF (a group of
 * conditions on the source side's fields, with nested groups) and THEN
 * (actions on the target side's fields), with a live count of the source
 * contacts the conditions take in.
 *
 * The widgets are what the user edits; the ConcordRuleList (borrowed from
 * the connection's setup, and referenced) is written from them after
 * every edit, with only what the engine validated: an incomplete condition
 * or action is explained under its row and left out, so the rules are at
 * every moment ones the engine would read back from JSON. ::changed is
 * emitted when their JSON actually changed.
 *
 * The count is asked of the engine (concord_engine_count_matching_async(),
 * on its thread) 300 ms after the last change of the filter, cancelling
 * the count before it; each rule of the list is counted the same way when
 * the list is shown or changes (the engine reuses the side's listing, so
 * this asks the app nothing more). The lists and tags in use on each side
 * are asked once per direction shown, and offered beside the rows' values
 * as they come.
 */

#define G_LOG_DOMAIN "concord-rule-panel"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "concord-rule-panel-private.h"
#include "concord-engine-rules.h"
#include "concord-fields.h"
#include "concord-rule-action-row.h"
#include "concord-rule-condition-row.h"
#include "concord-rule-group.h"
#include "concord-rule-row.h"

G_DEFINE_FINAL_TYPE (ConcordRulePanel, concord_rule_panel, GTK_TYPE_BOX)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------------- */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------- */

static void
on_filter_changed_cb (ConcordRulePanel *self)
{
  concord_rule_panel_commit (self);
}

static void
on_enabled_changed (ConcordRulePanel *self)
{
  concord_rule_panel_update_sensitivity (self);
  concord_rule_panel_commit (self);
}

static void
on_create_changed (ConcordRulePanel *self)
{
  concord_rule_panel_commit (self);
}

static void
on_action_changed_cb (ConcordRulePanel *self)
{
  concord_rule_panel_commit (self);
}

static void
on_action_remove_cb (GtkWidget        *row,
                     ConcordRulePanel *self)
{
  gtk_list_box_remove (self->actions_list, row);
  concord_rule_panel_renumber_actions (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->add_action_button));
  concord_rule_panel_commit (self);
}

static GtkWidget *
append_action (ConcordRulePanel *self)
{
  GtkWidget *row = concord_rule_action_row_new (self->target_fields,
                                                self->values[CONCORD_SIDE_OTHER (self->source)]);

  g_signal_connect_swapped (row, "changed", G_CALLBACK (on_action_changed_cb), self);
  g_signal_connect (row, "remove", G_CALLBACK (on_action_remove_cb), self);
  gtk_list_box_append (self->actions_list, row);
  concord_rule_panel_renumber_actions (self);
  return row;
}

static void
on_add_action_clicked (ConcordRulePanel *self)
{
  GtkWidget *row = append_action (self);

  gtk_widget_child_focus (row, GTK_DIR_TAB_FORWARD);
  concord_rule_panel_commit (self);
}

/* ------------------------------------------------------------------------- */
/* Fields                                                                    */
/* ------------------------------------------------------------------------- */

static gboolean
has_field (GPtrArray  *fields,
           const char *key)
{
  for (guint i = 0; i < fields->len; i++)
    if (g_strcmp0 (((ConcordFieldSpec *) g_ptr_array_index (fields, i))->key, key) == 0)
      return TRUE;

  return FALSE;
}

/* A field the rule uses that the app no longer lists: kept, and said so. */
static void
add_missing_field (GPtrArray        *fields,
                   const char       *key,
                   ConcordFieldType  type)
{
  const ConcordFieldSpec *canonical;
  g_autofree char *label = NULL;
  ConcordFieldSpec *spec;

  if (key == NULL || has_field (fields, key))
    return;

  canonical = concord_fields_lookup (key);
  /* Translators: %s is a field's name */
  label = g_strdup_printf (_("%s (not in this app)"),
                           canonical != NULL ? _(canonical->label)
                           : concord_field_is_custom (key) ? key + strlen (CONCORD_FIELD_CUSTOM_PREFIX) : key);
  spec = concord_field_spec_new (key, label, type, FALSE);
  spec->custom = TRUE;  /* its label is already what to show */
  g_ptr_array_add (fields, spec);
}

static void
add_filter_fields (GPtrArray  *fields,
                   JsonObject *node)
{
  JsonArray *conditions;

  if (node == NULL)
    return;

  if (json_object_has_member (node, "field"))
    {
      ConcordFieldType type = CONCORD_FIELD_TYPE_STRING;

      concord_field_type_from_string (json_object_get_string_member_with_default (node, "type", "string"),
                                      &type);
      add_missing_field (fields, json_object_get_string_member (node, "field"), type);
      return;
    }

  conditions = json_object_has_member (node, "conditions")
               ? json_object_get_array_member (node, "conditions") : NULL;
  for (guint i = 0; conditions != NULL && i < json_array_get_length (conditions); i++)
    add_filter_fields (fields, json_array_get_object_element (conditions, i));
}

static GPtrArray *
copy_fields (GPtrArray *fields)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

  for (guint i = 0; fields != NULL && i < fields->len; i++)
    g_ptr_array_add (copy, concord_field_spec_copy (g_ptr_array_index (fields, i)));

  return copy;
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

void
concord_rule_panel_emit_changed (ConcordRulePanel *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
concord_rule_panel_dispose (GObject *object)
{
  ConcordRulePanel *self = CONCORD_RULE_PANEL (object);

  g_clear_handle_id (&self->count_id, g_source_remove);
  g_cancellable_cancel (self->count_cancellable);
  g_clear_object (&self->count_cancellable);
  g_cancellable_cancel (self->values_cancellable);
  g_clear_object (&self->values_cancellable);
  g_clear_pointer (&self->values[0], g_hash_table_unref);
  g_clear_pointer (&self->values[1], g_hash_table_unref);
  if (self->count_box_ref != NULL && gtk_widget_get_parent (self->count_box_ref) != NULL)
    gtk_box_remove (GTK_BOX (gtk_widget_get_parent (self->count_box_ref)), self->count_box_ref);
  gtk_widget_dispose_template (GTK_WIDGET (object), CONCORD_TYPE_RULE_PANEL);
  g_clear_object (&self->count_box_ref);
  g_cancellable_cancel (self->rows_cancellable);
  g_clear_object (&self->rows_cancellable);
  g_clear_pointer (&self->rule, concord_rule_unref);
  g_clear_pointer (&self->list, concord_rule_list_unref);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (concord_rule_panel_parent_class)->dispose (object);
}

static void
concord_rule_panel_finalize (GObject *object)
{
  ConcordRulePanel *self = CONCORD_RULE_PANEL (object);

  g_clear_pointer (&self->source_fields, g_ptr_array_unref);
  g_clear_pointer (&self->target_fields, g_ptr_array_unref);
  g_free (self->source_name);
  g_free (self->target_name);
  g_free (self->counted);
  g_free (self->account_id);
  g_free (self->type);

  G_OBJECT_CLASS (concord_rule_panel_parent_class)->finalize (object);
}

static void
concord_rule_panel_class_init (ConcordRulePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = concord_rule_panel_dispose;
  object_class->finalize = concord_rule_panel_finalize;

  /**
   * ConcordRulePanel::changed:
   *
   * The rule changed by the user's hand.
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/concordsync/Concord/ui/concord-rule-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, title_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, stack);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, enabled_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, create_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, create_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, settings_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, unmatched_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, rules_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, rules_list);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, add_rule_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, name_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, name_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, if_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, filter_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, count_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, count_icon_stack);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, count_spinner);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, count_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, sample_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, then_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, actions_list);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, add_action_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, not_applicable_label);
  gtk_widget_class_bind_template_callback (widget_class, on_enabled_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_create_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_add_action_clicked);
  gtk_widget_class_bind_template_callback_full (widget_class, "on_add_rule_clicked",
                                                G_CALLBACK (concord_rule_panel_on_add_rule_clicked));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_unmatched_changed",
                                                G_CALLBACK (concord_rule_panel_on_unmatched_changed));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_name_changed",
                                                G_CALLBACK (concord_rule_panel_on_name_changed));
}

static void
concord_rule_panel_init (ConcordRulePanel *self)
{
  self->source_name = g_strdup ("");
  self->target_name = g_strdup ("");
  gtk_widget_init_template (GTK_WIDGET (self));
  self->count_box_ref = g_object_ref_sink (self->count_box);
  /* Homogeneous in width only, a stack measures its hidden page's width
   * for that page's height at its narrowest: wrapped text asked to fit
   * in so few lines wants the width of one line (over 2000 px in a long
   * language), and the whole page could not be narrower. */
  gtk_stack_set_hhomogeneous (self->stack, FALSE);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

GtkWidget *
concord_rule_panel_new (ConcordEngine *engine)
{
  ConcordRulePanel *self;

  g_return_val_if_fail (CONCORD_IS_ENGINE (engine), NULL);

  self = g_object_new (CONCORD_TYPE_RULE_PANEL, NULL);
  self->engine = g_object_ref (engine);
  return GTK_WIDGET (self);
}

/**
 * concord_rule_panel_set_engine:
 *
 * Sets the engine that counts (for a panel made from a template).
 */
void
concord_rule_panel_set_engine (ConcordRulePanel *self,
                               ConcordEngine    *engine)
{
  g_return_if_fail (CONCORD_IS_RULE_PANEL (self));
  g_return_if_fail (CONCORD_IS_ENGINE (engine));

  g_set_object (&self->engine, engine);
}

static void
set_names (ConcordRulePanel *self,
           const char       *source_name,
           const char       *target_name)
{
  /* Translators: a direction of a connection, "Shop → Newsletter"; the arrow
   * points from the first account to the second: in a right-to-left
   * language, use "←". */
  g_autofree char *title = g_strdup_printf (_("%s → %s"), source_name, target_name);

  g_free (self->source_name);
  self->source_name = g_strdup (source_name);
  g_free (self->target_name);
  self->target_name = g_strdup (target_name);
  gtk_label_set_label (self->title_label, title);
  concord_rule_panel_set_accessible_label (self, title);
}

void
concord_rule_panel_clear (ConcordRulePanel *self)
{
  g_return_if_fail (CONCORD_IS_RULE_PANEL (self));

  g_clear_handle_id (&self->count_id, g_source_remove);
  g_cancellable_cancel (self->count_cancellable);
  g_clear_object (&self->count_cancellable);
  g_clear_pointer (&self->counted, g_free);
  g_cancellable_cancel (self->values_cancellable);
  g_clear_object (&self->values_cancellable);
  g_clear_pointer (&self->values[0], g_hash_table_unref);
  g_clear_pointer (&self->values[1], g_hash_table_unref);
  g_clear_pointer (&self->rule, concord_rule_unref);
  g_clear_pointer (&self->list, concord_rule_list_unref);
  g_cancellable_cancel (self->rows_cancellable);
  g_clear_object (&self->rows_cancellable);
  concord_rule_panel_clear_rows (self);
  if (gtk_widget_get_parent (self->count_box) != NULL)
    gtk_box_remove (GTK_BOX (gtk_widget_get_parent (self->count_box)), self->count_box);
  if (self->root != NULL)
    gtk_box_remove (self->filter_box, GTK_WIDGET (self->root));
  self->root = NULL;
  concord_rule_panel_clear_actions (self);
  gtk_label_set_label (self->count_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->sample_label), FALSE);
  concord_rule_panel_show_count_busy (self, FALSE);
}

/**
 * concord_rule_panel_set_not_applicable:
 *
 * Shows that contacts do not flow from @source_name to @target_name (a
 * one-way connection), with nothing to edit.
 */
void
concord_rule_panel_set_not_applicable (ConcordRulePanel *self,
                                       const char       *source_name,
                                       const char       *target_name)
{
  g_autofree char *text = NULL;

  g_return_if_fail (CONCORD_IS_RULE_PANEL (self));

  concord_rule_panel_clear (self);
  set_names (self, source_name, target_name);
  /* Translators: the names of both sides of a connection */
  text = g_strdup_printf (_("Contacts do not go from %s to %s: the connection is one-way. "
                            "Make it two-way to give this direction a rule."),
                          source_name, target_name);
  gtk_label_set_label (self->not_applicable_label, text);
  gtk_label_set_label (self->subtitle_label, _("Not applicable"));
  gtk_widget_set_visible (GTK_WIDGET (self->enabled_switch), FALSE);
  gtk_stack_set_visible_child_name (self->stack, "not-applicable");
}

/* Shows the rule at @index of the list below it, to edit; -1: none. */
void
concord_rule_panel_load_rule (ConcordRulePanel *self,
                              int               index)
{
  g_autofree char *text = NULL;
  g_autofree char *label = NULL;
  ConcordFilter *filter;
  ConcordRule *rule;
  GtkListBoxRow *row;

  self->loading = TRUE;
  g_clear_handle_id (&self->count_id, g_source_remove);
  g_cancellable_cancel (self->count_cancellable);
  g_clear_pointer (&self->counted, g_free);
  if (gtk_widget_get_parent (self->count_box) != NULL)
    gtk_box_remove (GTK_BOX (gtk_widget_get_parent (self->count_box)), self->count_box);
  if (self->root != NULL)
    gtk_box_remove (self->filter_box, GTK_WIDGET (self->root));
  self->root = NULL;
  concord_rule_panel_clear_actions (self);
  gtk_label_set_label (self->count_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->sample_label), FALSE);
  concord_rule_panel_show_count_busy (self, FALSE);
  g_clear_pointer (&self->rule, concord_rule_unref);

  for (guint i = 0; (row = gtk_list_box_get_row_at_index (self->rules_list, i)) != NULL; i++)
    concord_rule_row_set_editing (CONCORD_RULE_ROW (row), (int) i == index);

  if (index < 0 || (guint) index >= concord_rule_list_get_n_rules (self->list))
    {
      self->loading = FALSE;
      concord_rule_panel_update_sensitivity (self);
      return;
    }

  rule = concord_rule_list_get_rule (self->list, index);
  self->rule = concord_rule_ref (rule);
  filter = concord_rule_get_filter (rule);

  label = concord_rule_get_name (rule) != NULL ? g_strdup (concord_rule_get_name (rule))
          /* Translators: a rule without a name; %u is its place in the list */
          : g_strdup_printf (_("Rule %u"), index + 1);
  /* Translators: the heading of the rule being edited; %s is its name or "Rule 2" */
  text = g_strdup_printf (_("Editing %s"), label);
  adw_preferences_group_set_title (self->name_group, text);
  g_clear_pointer (&text, g_free);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row),
                         concord_rule_get_name (rule) != NULL ? concord_rule_get_name (rule) : "");

  self->root = CONCORD_RULE_GROUP (concord_rule_group_new (self->source_fields, self->values[self->source], 0));
  /* Translators: followed by "all", "any"… and "of these conditions"; %s is an account's name */
  text = g_strdup_printf (_("If a contact of %s matches"), self->source_name);
  concord_rule_group_set_title (self->root, text);
  g_clear_pointer (&text, g_free);
  g_signal_connect_swapped (self->root, "changed", G_CALLBACK (on_filter_changed_cb), self);
  gtk_box_append (self->filter_box, GTK_WIDGET (self->root));
  gtk_box_append (concord_rule_group_get_footer (self->root), self->count_box);
  if (filter != NULL)
    {
      g_autoptr(JsonNode) node = concord_filter_to_json (filter);
      JsonObject *object = json_node_get_object (node);

      if (json_object_has_member (object, "conditions"))
        concord_rule_group_load (self->root, object);
      else
        {
          /* A lone condition: shown in the rule's "all" group. */
          g_autoptr(JsonNode) wrapper = json_node_new (JSON_NODE_OBJECT);
          JsonObject *group = json_object_new ();
          JsonArray *conditions = json_array_new ();

          json_array_add_element (conditions, json_node_copy (node));
          json_object_set_string_member (group, "match", "all");
          json_object_set_array_member (group, "conditions", conditions);
          json_node_take_object (wrapper, group);
          concord_rule_group_load (self->root, group);
        }
    }

  for (guint i = 0; i < concord_rule_get_n_actions (rule); i++)
    {
      GtkWidget *action_row = append_action (self);

      if (!concord_rule_action_row_load (CONCORD_RULE_ACTION_ROW (action_row), concord_rule_get_action (rule, i)))
        gtk_list_box_remove (self->actions_list, action_row);
    }
  concord_rule_panel_renumber_actions (self);

  self->loading = FALSE;
  concord_rule_panel_update_sensitivity (self);
  concord_rule_panel_start_count (self);
}

/* The fields of @list's rules that the apps no longer list: kept, and
 * said so. */
static void
add_rule_fields (ConcordRulePanel *self,
                 ConcordRuleList  *list)
{
  for (guint r = 0; r < concord_rule_list_get_n_rules (list); r++)
    {
      ConcordRule *rule = concord_rule_list_get_rule (list, r);
      ConcordFilter *filter = concord_rule_get_filter (rule);

      if (filter != NULL)
        {
          g_autoptr(JsonNode) node = concord_filter_to_json (filter);

          add_filter_fields (self->source_fields, json_node_get_object (node));
        }
      for (guint i = 0; i < concord_rule_get_n_actions (rule); i++)
        {
          const ConcordAction *action = concord_rule_get_action (rule, i);

          add_missing_field (self->target_fields, action->field, action->type);
        }
    }
}

/**
 * concord_rule_panel_set_rules:
 * @list: (transfer none): the direction's rules to edit in place (referenced)
 * @source_fields: (transfer none): the source side's schema (copied)
 * @target_fields: (transfer none): the target side's schema (copied)
 *
 * Shows @list, its first rule open; edits are written to it.
 */
void
concord_rule_panel_set_rules (ConcordRulePanel *self,
                              gint64            connection_id,
                              ConcordSide       source,
                              ConcordRuleList  *list,
                              GPtrArray        *source_fields,
                              GPtrArray        *target_fields,
                              const char       *source_name,
                              const char       *target_name)
{
  g_autofree char *create = NULL;
  g_autofree char *text = NULL;

  g_return_if_fail (CONCORD_IS_RULE_PANEL (self));
  g_return_if_fail (list != NULL);

  concord_rule_panel_clear (self);
  self->loading = TRUE;

  set_names (self, source_name, target_name);
  self->connection_id = connection_id;
  self->source = source;
  self->list = concord_rule_list_ref (list);
  for (guint s = 0; s < 2; s++)
    self->values[s] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  self->values_cancellable = g_cancellable_new ();

  /* The source's fields, status among them, and any field a rule uses. */
  g_clear_pointer (&self->source_fields, g_ptr_array_unref);
  self->source_fields = copy_fields (source_fields);
  if (!has_field (self->source_fields, CONCORD_FIELD_STATUS))
    g_ptr_array_add (self->source_fields,
                     concord_field_spec_copy (concord_fields_lookup (CONCORD_FIELD_STATUS)));
  g_clear_pointer (&self->target_fields, g_ptr_array_unref);
  self->target_fields = copy_fields (target_fields);
  add_rule_fields (self, list);

  /* Translators: the names of both sides of a connection */
  text = g_strdup_printf (_("Contacts of %s without a match in %s are created there."), source_name, target_name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->create_box), text);
  g_clear_pointer (&text, g_free);
  /* Translators: an accessible name; %s is "Shop → Newsletter" */
  text = g_strdup_printf (_("Use the rules %s"), gtk_label_get_label (self->title_label));
  concord_rule_panel_set_accessible_label (self->enabled_switch, text);
  g_clear_pointer (&text, g_free);
  /* Translators: an accessible name; %s is an account's name */
  create = g_strdup_printf (_("Create new contacts in %s"), target_name);
  concord_rule_panel_set_accessible_label (self->create_switch, create);
  /* Translators: a heading; %s is an account's name */
  text = g_strdup_printf (_("Then in %s…"), target_name);
  adw_preferences_group_set_title (self->then_group, text);
  g_clear_pointer (&text, g_free);

  gtk_switch_set_active (self->enabled_switch, concord_rule_list_get_enabled (list));
  gtk_switch_set_active (self->create_switch, concord_rule_list_get_create (list));
  adw_combo_row_set_selected (self->unmatched_row,
                              concord_rule_list_get_unmatched (list) == CONCORD_UNMATCHED_KEEP ? 1 : 0);

  gtk_widget_set_visible (GTK_WIDGET (self->enabled_switch), TRUE);
  gtk_stack_set_visible_child_name (self->stack, "rule");
  self->loading = FALSE;

  /* The open rule is counted first, then each rule of the list. */
  concord_rule_panel_load_rule (self, concord_rule_list_get_n_rules (list) > 0 ? 0 : -1);
  concord_rule_panel_rebuild_rows (self);
  if (self->engine != NULL)
    concord_rule_panel_request_values (self);
}

/**
 * concord_rule_panel_set_source_account:
 *
 * For a rule of a connection not made yet (connection id 0): the account
 * and contact type whose contacts the live count counts. Call after
 * concord_rule_panel_set_rule().
 */
void
concord_rule_panel_set_source_account (ConcordRulePanel *self,
                                       const char       *account_id,
                                       const char       *type)
{
  g_return_if_fail (CONCORD_IS_RULE_PANEL (self));

  g_free (self->account_id);
  self->account_id = g_strdup (account_id);
  g_free (self->type);
  self->type = g_strdup (type);
  g_clear_pointer (&self->counted, g_free);
  concord_rule_panel_queue_count (self);
  concord_rule_panel_count_rows (self);
}
