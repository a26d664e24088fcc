/* concord-rule-panel-rules.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A rule panel's list of rules: a row for each, with its summary and
 * count, to open, move, switch off or remove; and the rule being edited,
 * written back into the list after every change.
 */

#define G_LOG_DOMAIN "concord-rule-panel"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "concord-engine-rules.h"
#include "concord-fields.h"
#include "concord-rule-action-row.h"
#include "concord-rule-condition-row.h"
#include "concord-rule-group.h"
#include "concord-rule-panel-private.h"
#include "concord-rule-row.h"

/* ------------------------------------------------------------------------- */
/* The list of rules                                                         */
/* ------------------------------------------------------------------------- */

static const ConcordFieldSpec *
find_field (GPtrArray  *fields,
            const char *key)
{
  for (guint i = 0; fields != NULL && i < fields->len; i++)
    if (g_strcmp0 (((ConcordFieldSpec *) g_ptr_array_index (fields, i))->key, key) == 0)
      return g_ptr_array_index (fields, i);

  return concord_fields_lookup (key);
}

static const char *
field_label (GPtrArray  *fields,
             const char *key)
{
  const ConcordFieldSpec *spec = find_field (fields, key);

  if (spec != NULL)
    return concord_rule_field_label (spec);
  return concord_field_is_custom (key) ? key + strlen (CONCORD_FIELD_CUSTOM_PREFIX) : key;
}

/* A filter (as JSON) for people: "Status is “active” and Plan is “Pro”". */
static void
describe_filter (ConcordRulePanel *self,
                 JsonObject       *node,
                 gboolean          nested,
                 GString          *out)
{
  gboolean negate = json_object_get_boolean_member_with_default (node, "negate", FALSE);

  if (negate)
    /* Translators: before a condition or a group of them, in a rule's summary */
    g_string_append_printf (out, "%s ", C_("rule summary", "not"));

  if (json_object_has_member (node, "conditions"))
    {
      JsonArray *conditions = json_object_get_array_member (node, "conditions");
      gboolean any = g_strcmp0 (json_object_get_string_member_with_default (node, "match", "all"), "any") == 0;
      guint n = json_array_get_length (conditions);
      gboolean paren = (nested || negate) && n > 1;

      if (paren)
        g_string_append_c (out, '(');
      for (guint i = 0; i < n; i++)
        {
          if (i > 0)
            g_string_append_printf (out, " %s ", any ? C_("rule summary", "or") : C_("rule summary", "and"));
          describe_filter (self, json_array_get_object_element (conditions, i), TRUE, out);
        }
      if (paren)
        g_string_append_c (out, ')');
      return;
    }

  {
    const char *key = json_object_get_string_member_with_default (node, "field", "");
    const ConcordFieldSpec *spec = find_field (self->source_fields, key);
    ConcordFieldType type = spec != NULL ? spec->type : CONCORD_FIELD_TYPE_STRING;
    ConcordFilterOp op = CONCORD_FILTER_IS;
    JsonArray *values = json_object_has_member (node, "values") ? json_object_get_array_member (node, "values")
                                                               : NULL;

    concord_filter_op_from_string (json_object_get_string_member_with_default (node, "op", "is"), &op);
    g_string_append_printf (out, "%s %s", field_label (self->source_fields, key), concord_rule_op_label (op, type));
    for (guint i = 0; values != NULL && i < json_array_get_length (values); i++)
      g_string_append_printf (out, "%s“%s”", i == 0 ? " " : ", ", json_array_get_string_element (values, i));
  }
}

static char *
describe_action (ConcordRulePanel    *self,
                 const ConcordAction *action)
{
  const char *label = field_label (self->target_fields, action->field);

  switch (action->kind)
    {
    case CONCORD_ACTION_ADD:
      /* Translators: an action in a rule's summary: add “VIP” to Lists */
      return g_strdup_printf (_("add “%s” to %s"), action->value, label);
    case CONCORD_ACTION_REMOVE:
      /* Translators: an action in a rule's summary: remove “VIP” from Lists */
      return g_strdup_printf (_("remove “%s” from %s"), action->value, label);
    case CONCORD_ACTION_SET:
    default:
      if (action->value[0] == '\0')
        /* Translators: an action in a rule's summary: clear Company */
        return g_strdup_printf (_("clear %s"), label);
      /* Translators: an action in a rule's summary: set Status to “active” */
      return g_strdup_printf (_("set %s to “%s”"), label, action->value);
    }
}

/* The rule in one line: "If Status is “active”, then sync and add “VIP”
 * to Lists". */
static char *
rule_summary (ConcordRulePanel *self,
              ConcordRule      *rule)
{
  ConcordFilter *filter = concord_rule_get_filter (rule);
  g_autoptr(GString) then = g_string_new (NULL);
  g_autoptr(GString) conditions = g_string_new (NULL);

  if (concord_rule_get_sync (rule))
    g_string_append (then, C_("rule summary", "sync"));
  for (guint i = 0; i < concord_rule_get_n_actions (rule); i++)
    {
      g_autofree char *action = describe_action (self, concord_rule_get_action (rule, i));

      if (then->len > 0)
        g_string_append (then, i + 1 == concord_rule_get_n_actions (rule) ? _(" and ") : ", ");
      g_string_append (then, action);
    }
  if (then->len == 0)
    g_string_append (then, _("nothing: turn on Sync or add an action"));

  if (filter == NULL)
    /* Translators: a rule's summary without conditions; %s is what it does */
    return g_strdup_printf (_("Every contact: %s"), then->str);

  {
    g_autoptr(JsonNode) node = concord_filter_to_json (filter);

    describe_filter (self, json_node_get_object (node), FALSE, conditions);
  }
  /* Translators: a rule's summary: "If Status is “active”, then sync" */
  return g_strdup_printf (_("If %s, then %s"), conditions->str, then->str);
}

static int
rule_index (ConcordRulePanel *self,
            ConcordRule      *rule)
{
  for (guint i = 0; self->list != NULL && i < concord_rule_list_get_n_rules (self->list); i++)
    if (concord_rule_list_get_rule (self->list, i) == rule)
      return i;

  return -1;
}

ConcordRuleRow *
concord_rule_panel_row_of_rule (ConcordRulePanel *self,
                                ConcordRule      *rule)
{
  GtkListBoxRow *row;

  for (guint i = 0; (row = gtk_list_box_get_row_at_index (self->rules_list, i)) != NULL; i++)
    if (concord_rule_row_get_rule (CONCORD_RULE_ROW (row)) == rule)
      return CONCORD_RULE_ROW (row);

  return NULL;
}

char *
concord_rule_panel_count_text (guint    n_matching,
                               guint    n_total,
                               gboolean everyone)
{
  if (everyone)
    /* Translators: a rule's live count, when it has no conditions */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Matches the %u contact", "Matches all %u contacts",
                                         n_total), n_total);

  /* Translators: a rule's live count: "Matches 120 of 300 contacts" */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Matches %u of %u contact", "Matches %u of %u contacts",
                                       n_total), n_matching, n_total);
}

typedef struct
{
  ConcordRulePanel *panel;        /* (owned) */
  ConcordRule      *rule;         /* (owned) */
  gboolean          everyone;
  GCancellable     *cancellable;  /* (owned) */
} RowCount;

static void
row_count_free (RowCount *count)
{
  g_object_unref (count->panel);
  concord_rule_unref (count->rule);
  g_object_unref (count->cancellable);
  g_free (count);
}

static void
on_row_count_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  RowCount *count = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint n_matching = 0, n_total = 0;
  ConcordRuleRow *row;

  if (!concord_engine_count_matching_finish (CONCORD_ENGINE (object), result, &n_matching, &n_total, NULL,
                                             &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      row_count_free (count);
      return;
    }

  row = g_cancellable_is_cancelled (count->cancellable) ? NULL
                                                        : concord_rule_panel_row_of_rule (count->panel, count->rule);
  if (row != NULL)
    {
      if (error != NULL)
        /* Translators: %s is the reason, e.g. a network error */
        text = g_strdup_printf (_("Could not count: %s"), error->message);
      else
        text = concord_rule_panel_count_text (n_matching, n_total, count->everyone);
      concord_rule_row_set_count (row, text);
    }
  row_count_free (count);
}

/* Counts the contacts of the source each rule matches, off the UI thread. */
void
concord_rule_panel_count_rows (ConcordRulePanel *self)
{
  GtkListBoxRow *row;

  if (self->engine == NULL || self->rows_cancellable == NULL ||
      (self->connection_id == 0 && (self->account_id == NULL || self->type == NULL)))
    return;

  for (guint i = 0; (row = gtk_list_box_get_row_at_index (self->rules_list, i)) != NULL; i++)
    {
      RowCount *count = g_new0 (RowCount, 1);
      ConcordRule *rule = concord_rule_row_get_rule (CONCORD_RULE_ROW (row));
      ConcordFilter *filter = concord_rule_get_filter (rule);

      count->panel = g_object_ref (self);
      count->rule = concord_rule_ref (rule);
      count->everyone = filter == NULL;
      count->cancellable = g_object_ref (self->rows_cancellable);
      concord_rule_row_set_count (CONCORD_RULE_ROW (row), _("Counting contacts…"));
      concord_rule_panel_count_source (self, filter, self->rows_cancellable, on_row_count_cb, count);
    }
}

void
concord_rule_panel_clear_rows (ConcordRulePanel *self)
{
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (self->rules_list, 0)) != NULL)
    gtk_list_box_remove (self->rules_list, GTK_WIDGET (row));
}

/* Shows every rule as it is now, in order. */
static void
refresh_rows (ConcordRulePanel *self)
{
  guint n = self->list != NULL ? concord_rule_list_get_n_rules (self->list) : 0;
  GtkListBoxRow *row;

  for (guint i = 0; (row = gtk_list_box_get_row_at_index (self->rules_list, i)) != NULL; i++)
    {
      ConcordRule *rule = concord_rule_row_get_rule (CONCORD_RULE_ROW (row));
      g_autofree char *summary = rule_summary (self, rule);

      concord_rule_row_update (CONCORD_RULE_ROW (row), i, n, summary);
    }

  if (self->rule != NULL)
    {
      int index = rule_index (self, self->rule);
      const char *name = concord_rule_get_name (self->rule);
      g_autofree char *label = name != NULL ? g_strdup (name) : g_strdup_printf (_("Rule %u"), index + 1);
      g_autofree char *heading = g_strdup_printf (_("Editing %s"), label);

      adw_preferences_group_set_title (self->name_group, heading);
    }
}

static void
on_rule_edit_cb (ConcordRuleRow   *row,
                 ConcordRulePanel *self)
{
  concord_rule_panel_load_rule (self, rule_index (self, concord_rule_row_get_rule (row)));
  gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
}

static void
on_rule_changed_cb (ConcordRuleRow   *row,
                    ConcordRulePanel *self)
{
  refresh_rows (self);
  concord_rule_panel_emit_changed (self);
}

static void
on_rule_move_cb (ConcordRuleRow   *row,
                 int               delta,
                 ConcordRulePanel *self)
{
  ConcordRule *rule = concord_rule_row_get_rule (row);
  int from = rule_index (self, rule);
  int to = from + delta;
  ConcordRuleRow *moved;

  if (from < 0 || to < 0 || (guint) to >= concord_rule_list_get_n_rules (self->list))
    return;

  concord_rule_ref (rule);
  concord_rule_list_move (self->list, from, to);
  concord_rule_panel_rebuild_rows (self);
  moved = concord_rule_panel_row_of_rule (self, rule);
  if (moved != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (moved));
  concord_rule_unref (rule);
  concord_rule_panel_emit_changed (self);
}

static void
on_rule_remove_cb (ConcordRuleRow   *row,
                   ConcordRulePanel *self)
{
  int index = rule_index (self, concord_rule_row_get_rule (row));
  gboolean editing = concord_rule_row_get_rule (row) == self->rule;
  guint n;

  if (index < 0)
    return;

  concord_rule_list_remove (self->list, index);
  n = concord_rule_list_get_n_rules (self->list);
  concord_rule_panel_rebuild_rows (self);
  if (editing)
    concord_rule_panel_load_rule (self, n > 0 ? (int) MIN ((guint) index, n - 1) : -1);
  gtk_widget_grab_focus (GTK_WIDGET (self->add_rule_button));
  concord_rule_panel_emit_changed (self);
}

void
concord_rule_panel_rebuild_rows (ConcordRulePanel *self)
{
  guint n = concord_rule_list_get_n_rules (self->list);

  g_cancellable_cancel (self->rows_cancellable);
  g_clear_object (&self->rows_cancellable);
  self->rows_cancellable = g_cancellable_new ();
  concord_rule_panel_clear_rows (self);

  for (guint i = 0; i < n; i++)
    {
      ConcordRule *rule = concord_rule_list_get_rule (self->list, i);
      GtkWidget *row = concord_rule_row_new (rule);

      g_signal_connect (row, "edit", G_CALLBACK (on_rule_edit_cb), self);
      g_signal_connect (row, "changed", G_CALLBACK (on_rule_changed_cb), self);
      g_signal_connect (row, "move", G_CALLBACK (on_rule_move_cb), self);
      g_signal_connect (row, "remove", G_CALLBACK (on_rule_remove_cb), self);
      gtk_list_box_append (self->rules_list, row);
      concord_rule_row_set_editing (CONCORD_RULE_ROW (row), rule == self->rule);
    }
  refresh_rows (self);
  concord_rule_panel_count_rows (self);
}

void
concord_rule_panel_on_add_rule_clicked (ConcordRulePanel *self)
{
  if (self->list == NULL)
    return;

  concord_rule_list_insert (self->list, -1, concord_rule_new ());
  concord_rule_panel_rebuild_rows (self);
  concord_rule_panel_load_rule (self, concord_rule_list_get_n_rules (self->list) - 1);
  gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
  concord_rule_panel_emit_changed (self);
}

void
concord_rule_panel_on_unmatched_changed (ConcordRulePanel *self)
{
  concord_rule_panel_commit (self);
}

void
concord_rule_panel_on_name_changed (ConcordRulePanel *self)
{
  concord_rule_panel_commit (self);
}

/* ------------------------------------------------------------------------- */
/* Writing the rule                                                          */
/* ------------------------------------------------------------------------- */

/* Writes the rules from the widgets: what the engine validated only. */
void
concord_rule_panel_commit (ConcordRulePanel *self)
{
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(ConcordFilter) filter = NULL;
  g_autoptr(GPtrArray) actions = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_action_free);
  GtkListBoxRow *row;
  guint n_problems = 0;

  if (self->list == NULL || self->loading)
    return;

  before = concord_rule_panel_rule_json (self->list);

  if (self->rule != NULL)
    {
      filter = concord_rule_group_build (self->root, &n_problems);
      if (filter != NULL && !concord_filter_validate (filter, NULL))
        {
          /* Every condition was validated: this cannot happen, but the
           * rule stays as it was rather than hold what the engine refuses. */
          g_warning ("The rule editor built a filter the engine refuses");
          return;
        }

      for (guint i = 0; (row = gtk_list_box_get_row_at_index (self->actions_list, i)) != NULL; i++)
        {
          ConcordAction *action = concord_rule_action_row_build (CONCORD_RULE_ACTION_ROW (row));

          if (action != NULL)
            g_ptr_array_add (actions, action);
        }

      concord_rule_set_name (self->rule, gtk_editable_get_text (GTK_EDITABLE (self->name_row)));
      concord_rule_set_filter (self->rule, filter);
      while (concord_rule_get_n_actions (self->rule) > 0)
        concord_rule_remove_action (self->rule, 0);
      for (guint i = 0; i < actions->len; i++)
        concord_rule_add_action (self->rule, concord_action_copy (g_ptr_array_index (actions, i)));
    }

  concord_rule_list_set_enabled (self->list, gtk_switch_get_active (self->enabled_switch));
  concord_rule_list_set_create (self->list, gtk_switch_get_active (self->create_switch));
  concord_rule_list_set_unmatched (self->list, adw_combo_row_get_selected (self->unmatched_row) == 1
                                                 ? CONCORD_UNMATCHED_KEEP : CONCORD_UNMATCHED_STOP);

  after = concord_rule_panel_rule_json (self->list);
  if (g_strcmp0 (before, after) != 0)
    {
      refresh_rows (self);
      concord_rule_panel_emit_changed (self);
    }

  concord_rule_panel_queue_count (self);
}
