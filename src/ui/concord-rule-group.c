/* concord-rule-group.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A group of conditions joined by all / any, optionally inverted ("none",
 * "not all"), as a boxed list of condition rows and nested groups. The
 * rule's filter is the group at depth 0; groups nest up to
 * CONCORD_RULE_GROUP_MAX_DEPTH, each in a row of its parent's list.
 *
 * Rows are numbered by where they are ("3.1": the first condition of the
 * third item), which is how their accessible names tell them apart.
 * build() gives the group with its complete conditions only; an empty
 * nested group is left out, so the filter never holds a group that would
 * surprise (an empty "any" group takes in nobody).
 */

#define G_LOG_DOMAIN "concord-rule-group"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "concord-reflow-box.h"
#include "concord-rule-condition-row.h"
#include "concord-rule-group.h"

struct _ConcordRuleGroup
{
  GtkBox       parent_instance;

  GPtrArray   *fields;  /* (owned) of ConcordFieldSpec, shared */
  GHashTable  *values;  /* (owned) (nullable) values in use, shared */
  guint        depth;
  char        *number;  /* (owned) "" for the rule's group */
  char        *title;   /* (owned) (nullable) the rule's group's heading */
  gboolean     updating;

  /* Template widgets */
  GtkLabel    *title_label;
  GtkDropDown *match_dropdown;
  GtkLabel    *tail_label;
  GtkButton   *remove_button;
  GtkListBox  *list;
  GtkLabel    *placeholder_label;
  GtkButton   *add_condition_button;
  GtkButton   *add_group_button;
  GtkBox      *footer;
};

G_DEFINE_FINAL_TYPE (ConcordRuleGroup, concord_rule_group, GTK_TYPE_BOX)

enum {
  CHANGED,
  REMOVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The match dropdown's items. */
enum {
  MATCH_ALL,
  MATCH_ANY,
  MATCH_NONE,
  MATCH_NOT_ALL,
};

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void
emit_changed (ConcordRuleGroup *self)
{
  if (!self->updating)
    g_signal_emit (self, signals[CHANGED], 0);
}

static void
label_widget (gpointer    widget,
              const char *text)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

/* The nested group a row of the list holds, or NULL for a condition. */
static ConcordRuleGroup *
row_group (GtkListBoxRow *row)
{
  return g_object_get_data (G_OBJECT (row), "group");
}

static void
renumber (ConcordRuleGroup *self)
{
  GtkListBoxRow *row;
  guint n = 0;

  for (guint i = 0; (row = gtk_list_box_get_row_at_index (self->list, i)) != NULL; i++)
    {
      g_autofree char *number = *self->number != '\0'
                                ? g_strdup_printf ("%s.%u", self->number, i + 1)
                                : g_strdup_printf ("%u", i + 1);

      if (row_group (row) != NULL)
        concord_rule_group_set_number (row_group (row), number);
      else
        concord_rule_condition_row_set_number (CONCORD_RULE_CONDITION_ROW (row), number);
      n++;
    }
}

static void
update_labels (ConcordRuleGroup *self)
{
  g_autofree char *match = NULL, *add = NULL, *add_group = NULL, *remove = NULL;

  if (*self->number == '\0')
    {
      match = g_strdup (_("Which conditions contacts must match"));
      add = g_strdup (_("Add condition"));
      add_group = g_strdup (_("Add group of conditions"));
      gtk_label_set_label (self->title_label, self->title != NULL ? self->title : _("Contacts that match"));
      gtk_label_set_label (self->placeholder_label,
                           _("No conditions: every contact takes part. Add a condition to choose which ones do."));
    }
  else
    {
      /* Translators: %s is a number such as 3 or 3.1 */
      g_autofree char *title = g_strdup_printf (_("Group %s: match"), self->number);

      /* Translators: an accessible name; %s is a number such as 3 or 3.1 */
      match = g_strdup_printf (_("Match of group %s"), self->number);
      /* Translators: an accessible name; %s is a number such as 3 or 3.1 */
      add = g_strdup_printf (_("Add condition to group %s"), self->number);
      /* Translators: an accessible name; %s is a number such as 3 or 3.1 */
      add_group = g_strdup_printf (_("Add group to group %s"), self->number);
      /* Translators: an accessible name; %s is a number such as 3 or 3.1 */
      remove = g_strdup_printf (_("Remove group %s"), self->number);
      gtk_label_set_label (self->title_label, title);
      gtk_label_set_label (self->placeholder_label, _("An empty group is left out. Add a condition to it."));
      label_widget (self->remove_button, remove);
    }

  label_widget (self->match_dropdown, match);
  label_widget (self->add_condition_button, add);
  label_widget (self->add_group_button, add_group);
}

static void on_child_changed_cb (ConcordRuleGroup *self);
static void on_child_remove_cb  (GtkWidget        *child,
                                 ConcordRuleGroup *self);

static GtkWidget *
append_condition (ConcordRuleGroup *self)
{
  GtkWidget *row = concord_rule_condition_row_new (self->fields, self->values);

  g_signal_connect_swapped (row, "changed", G_CALLBACK (on_child_changed_cb), self);
  g_signal_connect (row, "remove", G_CALLBACK (on_child_remove_cb), self);
  gtk_list_box_append (self->list, row);
  return row;
}

static ConcordRuleGroup *
append_group (ConcordRuleGroup *self)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *group = concord_rule_group_new (self->fields, self->values, self->depth + 1);

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_focusable (row, FALSE);
  gtk_widget_add_css_class (row, "rule-group-row");
  gtk_widget_set_margin_top (group, 10);
  gtk_widget_set_margin_bottom (group, 12);
  gtk_widget_set_margin_start (group, 12);
  gtk_widget_set_margin_end (group, 12);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), group);
  g_object_set_data (G_OBJECT (row), "group", group);
  g_signal_connect_swapped (group, "changed", G_CALLBACK (on_child_changed_cb), self);
  g_signal_connect (group, "remove", G_CALLBACK (on_child_remove_cb), self);
  gtk_list_box_append (self->list, row);
  return CONCORD_RULE_GROUP (group);
}

/* ------------------------------------------------------------------------- */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------- */

static void
on_child_changed_cb (ConcordRuleGroup *self)
{
  emit_changed (self);
}

static void
on_child_remove_cb (GtkWidget        *child,
                    ConcordRuleGroup *self)
{
  GtkWidget *row = child;

  while (row != NULL && !GTK_IS_LIST_BOX_ROW (row))
    row = gtk_widget_get_parent (row);
  g_return_if_fail (row != NULL);

  gtk_list_box_remove (self->list, row);
  renumber (self);
  /* The focus was on the removed row's button: keep it nearby. */
  gtk_widget_grab_focus (GTK_WIDGET (self->add_condition_button));
  emit_changed (self);
}

static void
on_match_selected (ConcordRuleGroup *self)
{
  emit_changed (self);
}

static void
on_remove_clicked (ConcordRuleGroup *self)
{
  g_signal_emit (self, signals[REMOVE], 0);
}

static void
on_add_condition_clicked (ConcordRuleGroup *self)
{
  GtkWidget *row = concord_rule_group_add_condition (self);

  gtk_widget_child_focus (row, GTK_DIR_TAB_FORWARD);
  emit_changed (self);
}

static void
on_add_group_clicked (ConcordRuleGroup *self)
{
  GtkWidget *group = concord_rule_group_add_group (self);

  gtk_widget_child_focus (group, GTK_DIR_TAB_FORWARD);
  emit_changed (self);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_rule_group_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CONCORD_TYPE_RULE_GROUP);

  G_OBJECT_CLASS (concord_rule_group_parent_class)->dispose (object);
}

static void
concord_rule_group_finalize (GObject *object)
{
  ConcordRuleGroup *self = CONCORD_RULE_GROUP (object);

  g_clear_pointer (&self->fields, g_ptr_array_unref);
  g_clear_pointer (&self->values, g_hash_table_unref);
  g_free (self->number);
  g_free (self->title);

  G_OBJECT_CLASS (concord_rule_group_parent_class)->finalize (object);
}

static void
concord_rule_group_class_init (ConcordRuleGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = concord_rule_group_dispose;
  object_class->finalize = concord_rule_group_finalize;

  /**
   * ConcordRuleGroup::changed:
   *
   * The user changed the group or anything in it.
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * ConcordRuleGroup::remove:
   *
   * The user asked to remove this (nested) group.
   */
  signals[REMOVE] =
    g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  g_type_ensure (CONCORD_TYPE_REFLOW_BOX);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/concordsync/Concord/ui/concord-rule-group.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleGroup, title_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleGroup, match_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleGroup, tail_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleGroup, remove_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleGroup, list);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleGroup, placeholder_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleGroup, add_condition_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleGroup, add_group_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleGroup, footer);
  gtk_widget_class_bind_template_callback (widget_class, on_match_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_add_condition_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_add_group_clicked);
}

static void
concord_rule_group_init (ConcordRuleGroup *self)
{
  self->number = g_strdup ("");
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_rule_group_new:
 * @fields: (transfer none): the source side's fields, shared with the rows
 * @values: (transfer none) (nullable): values in use, shared with the rows
 * @depth: 0 for the rule's own group
 *
 * Returns: (transfer floating): an empty "all" group
 */
GtkWidget *
concord_rule_group_new (GPtrArray  *fields,
                        GHashTable *values,
                        guint       depth)
{
  ConcordRuleGroup *self;

  g_return_val_if_fail (fields != NULL && fields->len > 0, NULL);

  self = g_object_new (CONCORD_TYPE_RULE_GROUP, NULL);
  self->fields = g_ptr_array_ref (fields);
  self->values = values != NULL ? g_hash_table_ref (values) : NULL;
  self->depth = depth;
  gtk_widget_set_visible (GTK_WIDGET (self->remove_button), depth > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->add_group_button), depth < CONCORD_RULE_GROUP_MAX_DEPTH);
  if (depth == 0)
    {
      /* Named apart from the nested groups' controls. */
      gtk_widget_set_name (GTK_WIDGET (self->match_dropdown), "rule-match");
      gtk_widget_set_name (GTK_WIDGET (self->remove_button), "rule-group-remove");
    }
  else
    {
      gtk_widget_add_css_class (GTK_WIDGET (self), "rule-group");
      gtk_label_set_label (self->tail_label, _("of:"));
    }
  update_labels (self);

  return GTK_WIDGET (self);
}

void
concord_rule_group_set_number (ConcordRuleGroup *self,
                               const char       *number)
{
  g_return_if_fail (CONCORD_IS_RULE_GROUP (self));

  g_free (self->number);
  self->number = g_strdup (number != NULL ? number : "");
  update_labels (self);
  renumber (self);
}

/**
 * concord_rule_group_set_title:
 * @title: what the rule's group says before its match dropdown ("If a
 *   contact of Shop matches")
 */
void
concord_rule_group_set_title (ConcordRuleGroup *self,
                              const char       *title)
{
  g_return_if_fail (CONCORD_IS_RULE_GROUP (self));

  g_free (self->title);
  self->title = g_strdup (title);
  if (self->depth == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->title_label), "heading");
  update_labels (self);
}

/**
 * concord_rule_group_load:
 * @group: a group as concord_filter_to_json() writes it
 *
 * Shows a stored group without emitting ::changed. Conditions on a field
 * the rows do not offer are left out (the panel offers every field its
 * rule uses).
 */
void
concord_rule_group_load (ConcordRuleGroup *self,
                         JsonObject       *group)
{
  JsonArray *conditions;
  gboolean any, negate;
  guint match;

  g_return_if_fail (CONCORD_IS_RULE_GROUP (self));

  any = g_strcmp0 (json_object_get_string_member_with_default (group, "match", "all"), "any") == 0;
  negate = json_object_get_boolean_member_with_default (group, "negate", FALSE);
  match = any ? (negate ? MATCH_NONE : MATCH_ANY) : (negate ? MATCH_NOT_ALL : MATCH_ALL);

  self->updating = TRUE;
  gtk_drop_down_set_selected (self->match_dropdown, match);

  conditions = json_object_has_member (group, "conditions")
               ? json_object_get_array_member (group, "conditions") : NULL;
  for (guint i = 0; conditions != NULL && i < json_array_get_length (conditions); i++)
    {
      JsonObject *child = json_array_get_object_element (conditions, i);

      if (child == NULL)
        continue;

      if (json_object_has_member (child, "conditions") || json_object_has_member (child, "match"))
        {
          ConcordRuleGroup *nested = append_group (self);

          concord_rule_group_load (nested, child);
        }
      else
        {
          GtkWidget *row = append_condition (self);

          if (!concord_rule_condition_row_load (CONCORD_RULE_CONDITION_ROW (row), child))
            gtk_list_box_remove (self->list, row);
        }
    }

  renumber (self);
  self->updating = FALSE;
}

/**
 * concord_rule_group_build:
 * @n_problems: (inout): incremented for each condition left out
 *
 * Returns: (transfer full) (nullable): the group with the conditions that
 *   are complete, or %NULL when none is (for the rule's group: no filter,
 *   every contact takes part)
 */
ConcordFilter *
concord_rule_group_build (ConcordRuleGroup *self,
                          guint            *n_problems)
{
  guint match = gtk_drop_down_get_selected (self->match_dropdown);
  g_autoptr(ConcordFilter) group = NULL;
  GtkListBoxRow *row;
  guint n = 0;

  g_return_val_if_fail (CONCORD_IS_RULE_GROUP (self), NULL);

  group = concord_filter_new_group (match == MATCH_ANY || match == MATCH_NONE);
  concord_filter_set_negate (group, match == MATCH_NONE || match == MATCH_NOT_ALL);

  for (guint i = 0; (row = gtk_list_box_get_row_at_index (self->list, i)) != NULL; i++)
    {
      g_autoptr(ConcordFilter) child = NULL;

      if (row_group (row) != NULL)
        child = concord_rule_group_build (row_group (row), n_problems);
      else if ((child = concord_rule_condition_row_build (CONCORD_RULE_CONDITION_ROW (row))) == NULL)
        (*n_problems)++;

      if (child != NULL)
        {
          concord_filter_add (group, child);
          n++;
        }
    }

  if (n == 0)
    return NULL;

  return g_steal_pointer (&group);
}

/**
 * concord_rule_group_get_n_children:
 *
 * Returns: how many conditions and groups the group shows
 */
guint
concord_rule_group_get_n_children (ConcordRuleGroup *self)
{
  guint n = 0;

  g_return_val_if_fail (CONCORD_IS_RULE_GROUP (self), 0);

  while (gtk_list_box_get_row_at_index (self->list, n) != NULL)
    n++;
  return n;
}

/**
 * concord_rule_group_add_condition:
 *
 * Returns: (transfer none): a new condition row at the end, not emitting
 *   ::changed (it has no value yet)
 */
GtkWidget *
concord_rule_group_add_condition (ConcordRuleGroup *self)
{
  GtkWidget *row;

  g_return_val_if_fail (CONCORD_IS_RULE_GROUP (self), NULL);

  row = append_condition (self);
  renumber (self);
  return row;
}

/**
 * concord_rule_group_add_group:
 *
 * Returns: (transfer none): a new nested group at the end, with one
 *   condition to start from
 */
GtkWidget *
concord_rule_group_add_group (ConcordRuleGroup *self)
{
  ConcordRuleGroup *group;

  g_return_val_if_fail (CONCORD_IS_RULE_GROUP (self), NULL);
  g_return_val_if_fail (self->depth < CONCORD_RULE_GROUP_MAX_DEPTH, NULL);

  group = append_group (self);
  gtk_drop_down_set_selected (group->match_dropdown, MATCH_ANY);
  append_condition (group);
  renumber (self);
  return GTK_WIDGET (group);
}

/**
 * concord_rule_group_get_footer:
 *
 * Returns: (transfer none): the row of the add buttons, where the panel
 *   shows what the conditions count
 */
GtkBox *
concord_rule_group_get_footer (ConcordRuleGroup *self)
{
  g_return_val_if_fail (CONCORD_IS_RULE_GROUP (self), NULL);

  return self->footer;
}

/**
 * concord_rule_group_refresh_suggestions:
 *
 * Has every condition, nested ones too, offer the values in use known now.
 */
void
concord_rule_group_refresh_suggestions (ConcordRuleGroup *self)
{
  GtkListBoxRow *row;

  g_return_if_fail (CONCORD_IS_RULE_GROUP (self));

  for (guint i = 0; (row = gtk_list_box_get_row_at_index (self->list, i)) != NULL; i++)
    {
      if (row_group (row) != NULL)
        concord_rule_group_refresh_suggestions (row_group (row));
      else
        concord_rule_condition_row_refresh_suggestions (CONCORD_RULE_CONDITION_ROW (row));
    }
}
