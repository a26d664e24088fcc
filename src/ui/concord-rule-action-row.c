/* concord-rule-action-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * One action of a rule: set a field of the target contact (status, a
 * standard or a custom field), clear one, or add a member to / remove one
 * from a list or tag field; on creation only, or on every update too.
 *
 * Only what the engine can do is offered: a field the target computes, the
 * email address and lists are never "set"; a pick list offers the values
 * concord_action_new() accepts. build() hands the panel an action only
 * when concord_action_new() made it, and otherwise says why under the row.
 */

#define G_LOG_DOMAIN "concord-rule-action-row"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-fields.h"
#include "concord-rule-action-row.h"
#include "concord-rule-condition-row.h"
#include "concord-mapping-common.h"
#include "concord-reflow-box.h"
#include "concord-rule-value-editor.h"
#include "concord-word-order.h"

/* What the kind dropdown offers; CLEAR is a SET with an empty value. */
typedef enum
{
  KIND_SET,
  KIND_CLEAR,
  KIND_ADD,
  KIND_REMOVE,
  N_KINDS
} Kind;

struct _ConcordRuleActionRow
{
  GtkListBoxRow           parent_instance;

  GPtrArray              *fields;     /* (owned) of ConcordFieldSpec, shared */
  GHashTable             *values;     /* (owned) (nullable) field key → GStrv in use, shared */
  GArray                 *kinds;      /* (owned) of Kind offered */
  GPtrArray              *offered;    /* (owned) of ConcordFieldSpec (unowned) for the kind */
  char                  **choices;    /* (owned) (nullable) for a pick list */
  char                   *kept_field; /* (owned) (nullable) a stored action's field, offered even if
                                       * the app now says it cannot be written */
  Kind                    kept_kind;
  guint                   number;
  char                   *problem;    /* (owned) (nullable) */
  gboolean                updating;

  /* Template widgets */
  GtkDropDown            *kind_dropdown;
  GtkDropDown            *field_dropdown;
  GtkLabel               *to_label;
  ConcordRuleValueEditor *value_editor;
  GtkWidget              *spacer;
  GtkCheckButton         *update_check;
  GtkButton              *remove_button;
  GtkWidget              *hint_box;
  GtkImage               *hint_icon;
  GtkLabel               *hint_label;
};

G_DEFINE_FINAL_TYPE (ConcordRuleActionRow, concord_rule_action_row, GTK_TYPE_LIST_BOX_ROW)

enum {
  CHANGED,
  REMOVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void
set_accessible_label (gpointer    widget,
                      const char *text)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

static const char *
kind_label (Kind kind)
{
  switch (kind)
    {
    case KIND_SET:
      return C_("action", "Set");
    case KIND_CLEAR:
      return C_("action", "Clear");
    case KIND_ADD:
      return C_("action", "Add to");
    case KIND_REMOVE:
    default:
      return C_("action", "Remove from");
    }
}

/* Whether an action of @kind can write @spec at all. */
static gboolean
field_fits (const ConcordFieldSpec *spec,
            Kind                    kind)
{
  const ConcordFieldSpec *canonical = concord_fields_lookup (spec->key);

  if (spec->read_only || (canonical != NULL && canonical->read_only) ||
      g_strcmp0 (spec->key, CONCORD_FIELD_EMAIL) == 0)
    return FALSE;
  /* A standard field is written as its standard type. */
  if (canonical != NULL && canonical->type != spec->type)
    return FALSE;

  if (kind == KIND_ADD || kind == KIND_REMOVE)
    return spec->type == CONCORD_FIELD_TYPE_STRING_SET;
  return spec->type != CONCORD_FIELD_TYPE_STRING_SET;
}

static Kind
get_kind (ConcordRuleActionRow *self)
{
  guint selected = gtk_drop_down_get_selected (self->kind_dropdown);

  return selected < self->kinds->len ? g_array_index (self->kinds, Kind, selected) : KIND_SET;
}

static const ConcordFieldSpec *
get_field (ConcordRuleActionRow *self)
{
  guint selected = gtk_drop_down_get_selected (self->field_dropdown);

  return selected < self->offered->len ? g_ptr_array_index (self->offered, selected) : NULL;
}

/* @invalid: a value that is wrong (a warning), not one still missing */
static void
set_problem (ConcordRuleActionRow *self,
             const char           *problem,
             gboolean             invalid)
{
  g_free (self->problem);
  self->problem = g_strdup (problem);
  concord_rule_hint_show (self->hint_box, self->hint_icon, self->hint_label, problem, invalid);
}

static void
update_labels (ConcordRuleActionRow *self)
{
  /* Translators: part of accessible names ("Field of action 2"); %u is a number */
  g_autofree char *subject = g_strdup_printf (_("action %u"), self->number);
  /* Translators: an accessible name; %s is "action 2" */
  g_autofree char *kind = g_strdup_printf (_("What %s does"), subject);
  /* Translators: an accessible name; %s is "action 2" */
  g_autofree char *field = g_strdup_printf (_("Field of %s"), subject);
  /* Translators: an accessible name; %s is "action 2" */
  g_autofree char *update = g_strdup_printf (_("Apply %s on updates too"), subject);
  /* Translators: an accessible name; %u is a number */
  g_autofree char *remove = g_strdup_printf (_("Remove action %u"), self->number);

  set_accessible_label (self->kind_dropdown, kind);
  set_accessible_label (self->field_dropdown, field);
  set_accessible_label (self->update_check, update);
  set_accessible_label (self->remove_button, remove);
  set_accessible_label (self, subject);
  concord_rule_value_editor_set_subject (self->value_editor, subject);
}

/* The fields the kind can write, keeping @keep when it still fits. */
static void
fill_fields (ConcordRuleActionRow *self,
             const char           *keep)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  Kind kind = get_kind (self);
  guint selected = 0;

  g_ptr_array_set_size (self->offered, 0);
  for (guint i = 0; i < self->fields->len; i++)
    {
      ConcordFieldSpec *spec = g_ptr_array_index (self->fields, i);

      if (!field_fits (spec, kind) &&
          !(kind == self->kept_kind && g_strcmp0 (spec->key, self->kept_field) == 0))
        continue;
      if (g_strcmp0 (spec->key, keep) == 0)
        selected = self->offered->len;
      g_ptr_array_add (self->offered, spec);
      gtk_string_list_append (labels, concord_rule_field_label (spec));
    }

  self->updating = TRUE;
  gtk_drop_down_set_model (self->field_dropdown, G_LIST_MODEL (labels));
  gtk_drop_down_set_selected (self->field_dropdown, selected);
  self->updating = FALSE;
}

/* The values of a pick list the engine accepts for this field. */
static char **
accepted_choices (const ConcordFieldSpec *spec)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; spec->choices != NULL && spec->choices[i] != NULL; i++)
    {
      g_autoptr(ConcordAction) probe = concord_action_new (CONCORD_ACTION_SET, spec->key, spec->type,
                                                           spec->choices[i], FALSE, NULL);

      if (probe != NULL)
        g_strv_builder_add (builder, spec->choices[i]);
    }

  return g_strv_builder_end (builder);
}

static void
configure_value (ConcordRuleActionRow *self)
{
  const ConcordFieldSpec *spec = get_field (self);
  Kind kind = get_kind (self);
  g_autofree char *subject = g_strdup_printf (_("action %u"), self->number);
  ConcordRuleValueKind value_kind = CONCORD_RULE_VALUE_TEXT;

  g_clear_pointer (&self->choices, g_strfreev);

  if (spec == NULL || kind == KIND_CLEAR)
    value_kind = CONCORD_RULE_VALUE_NONE;
  else if ((kind == KIND_ADD || kind == KIND_REMOVE) && spec->choices != NULL && spec->choices[0] != NULL)
    {
      /* The app's own lists (Elastic Email only puts contacts on lists
       * that exist): picked, not typed. */
      self->choices = g_strdupv (spec->choices);
      value_kind = CONCORD_RULE_VALUE_CHOICE;
    }
  else if (kind == KIND_SET)
    switch (spec->type)
      {
      case CONCORD_FIELD_TYPE_NUMBER:
        value_kind = CONCORD_RULE_VALUE_NUMBER;
        break;
      case CONCORD_FIELD_TYPE_DATE:
      case CONCORD_FIELD_TYPE_DATETIME:
        value_kind = CONCORD_RULE_VALUE_DATE;
        break;
      case CONCORD_FIELD_TYPE_BOOLEAN:
        value_kind = CONCORD_RULE_VALUE_BOOLEAN;
        break;
      case CONCORD_FIELD_TYPE_ENUM:
        self->choices = accepted_choices (spec);
        if (self->choices[0] != NULL)
          value_kind = CONCORD_RULE_VALUE_CHOICE;
        break;
      case CONCORD_FIELD_TYPE_STRING:
      case CONCORD_FIELD_TYPE_EMAIL:
      case CONCORD_FIELD_TYPE_PHONE:
      case CONCORD_FIELD_TYPE_STRING_SET:
      default:
        break;
      }

  concord_rule_value_editor_configure (self->value_editor, value_kind,
                                       (const char * const *) self->choices, subject);
  gtk_widget_set_visible (GTK_WIDGET (self->to_label), kind == KIND_SET);
  gtk_widget_set_visible (self->spacer, value_kind == CONCORD_RULE_VALUE_NONE);
  concord_rule_action_row_refresh_suggestions (self);
}

/* ------------------------------------------------------------------------- */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------- */

static void
on_kind_selected (ConcordRuleActionRow *self)
{
  const ConcordFieldSpec *spec;

  if (self->updating)
    return;

  spec = get_field (self);
  fill_fields (self, spec != NULL ? spec->key : NULL);
  configure_value (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
on_field_selected (ConcordRuleActionRow *self)
{
  if (self->updating)
    return;

  configure_value (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
on_value_changed (ConcordRuleActionRow *self)
{
  if (!self->updating)
    g_signal_emit (self, signals[CHANGED], 0);
}

static void
on_remove_clicked (ConcordRuleActionRow *self)
{
  g_signal_emit (self, signals[REMOVE], 0);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_rule_action_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CONCORD_TYPE_RULE_ACTION_ROW);

  G_OBJECT_CLASS (concord_rule_action_row_parent_class)->dispose (object);
}

static void
concord_rule_action_row_finalize (GObject *object)
{
  ConcordRuleActionRow *self = CONCORD_RULE_ACTION_ROW (object);

  g_clear_pointer (&self->fields, g_ptr_array_unref);
  g_clear_pointer (&self->values, g_hash_table_unref);
  g_array_unref (self->kinds);
  g_ptr_array_unref (self->offered);
  g_strfreev (self->choices);
  g_free (self->kept_field);
  g_free (self->problem);

  G_OBJECT_CLASS (concord_rule_action_row_parent_class)->finalize (object);
}

static void
concord_rule_action_row_class_init (ConcordRuleActionRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  g_type_ensure (CONCORD_TYPE_REFLOW_BOX);
  object_class->dispose = concord_rule_action_row_dispose;
  object_class->finalize = concord_rule_action_row_finalize;

  /**
   * ConcordRuleActionRow::changed:
   *
   * The user changed the action.
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * ConcordRuleActionRow::remove:
   *
   * The user asked to remove the action.
   */
  signals[REMOVE] =
    g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  g_type_ensure (CONCORD_TYPE_RULE_VALUE_EDITOR);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/concordsync/Concord/ui/concord-rule-action-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleActionRow, kind_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleActionRow, field_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleActionRow, to_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleActionRow, value_editor);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleActionRow, spacer);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleActionRow, update_check);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleActionRow, remove_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleActionRow, hint_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleActionRow, hint_icon);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleActionRow, hint_label);
  gtk_widget_class_bind_template_callback (widget_class, on_kind_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_field_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_value_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_clicked);
}

static void
concord_rule_action_row_init (ConcordRuleActionRow *self)
{
  self->kinds = g_array_new (FALSE, FALSE, sizeof (Kind));
  self->offered = g_ptr_array_new ();
  self->number = 1;
  gtk_widget_init_template (GTK_WIDGET (self));

  {
    GtkWidget *parts[] = { GTK_WIDGET (self->kind_dropdown), GTK_WIDGET (self->field_dropdown),
                           GTK_WIDGET (self->to_label), GTK_WIDGET (self->value_editor) };

    /* Translators: the order of the parts of a rule's action, a sentence
     * such as "Set Status to Active": %1$s is what it does ("Set", "Add
     * to"), %2$s the field, %3$s the word "to" (context "set a field"; it
     * may be translated as empty), %4$s the value. Put them in the order
     * your language says it (for "Status to Active Set", "%2$s %3$s %4$s
     * %1$s"); write nothing else. */
    concord_word_order_apply (C_("action order", "%1$s %2$s %3$s %4$s"), NULL, parts, G_N_ELEMENTS (parts));
  }
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_rule_action_row_can_act:
 * @fields: the target side's fields
 *
 * Returns: whether any action can write one of @fields
 */
gboolean
concord_rule_action_row_can_act (GPtrArray *fields)
{
  for (guint i = 0; fields != NULL && i < fields->len; i++)
    for (Kind kind = 0; kind < N_KINDS; kind++)
      if (field_fits (g_ptr_array_index (fields, i), kind))
        return TRUE;

  return FALSE;
}

/**
 * concord_rule_action_row_new:
 * @fields: (transfer none): the target side's fields; for a new action,
 *   one at least must be writable (concord_rule_action_row_can_act()), a
 *   stored one is shown by concord_rule_action_row_load() in any case
 * @values: (transfer none) (nullable): the values in use of the target's
 *   list and tag fields (key → GStrv), shared, filled as they come
 *
 * Returns: (transfer floating): a "Set" action on the first field it can
 *   set, with no value yet
 */
GtkWidget *
concord_rule_action_row_new (GPtrArray  *fields,
                             GHashTable *values)
{
  ConcordRuleActionRow *self;
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);

  g_return_val_if_fail (fields != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_RULE_ACTION_ROW, NULL);
  self->fields = g_ptr_array_ref (fields);
  self->values = values != NULL ? g_hash_table_ref (values) : NULL;

  for (Kind kind = 0; kind < N_KINDS; kind++)
    for (guint i = 0; i < fields->len; i++)
      if (field_fits (g_ptr_array_index (fields, i), kind))
        {
          g_array_append_val (self->kinds, kind);
          gtk_string_list_append (labels, kind_label (kind));
          break;
        }

  self->updating = TRUE;
  gtk_drop_down_set_model (self->kind_dropdown, G_LIST_MODEL (labels));
  gtk_drop_down_set_selected (self->kind_dropdown, 0);
  concord_drop_down_set_searchable (self->field_dropdown);
  self->updating = FALSE;

  fill_fields (self, NULL);
  configure_value (self);
  update_labels (self);

  return GTK_WIDGET (self);
}

void
concord_rule_action_row_set_number (ConcordRuleActionRow *self,
                                    guint                 number)
{
  g_return_if_fail (CONCORD_IS_RULE_ACTION_ROW (self));

  self->number = number;
  update_labels (self);
}

/**
 * concord_rule_action_row_load:
 *
 * Shows a stored action without emitting ::changed.
 *
 * Returns: whether the row can show it (its field is one of the row's)
 */
gboolean
concord_rule_action_row_load (ConcordRuleActionRow *self,
                              const ConcordAction  *action)
{
  Kind kind;
  guint kind_index = GTK_INVALID_LIST_POSITION;
  const ConcordFieldSpec *spec;
  const char *values[] = { action->value, NULL };

  g_return_val_if_fail (CONCORD_IS_RULE_ACTION_ROW (self), FALSE);

  kind = action->kind == CONCORD_ACTION_ADD ? KIND_ADD
       : action->kind == CONCORD_ACTION_REMOVE ? KIND_REMOVE
       : *action->value == '\0' ? KIND_CLEAR : KIND_SET;
  for (guint i = 0; i < self->kinds->len; i++)
    if (g_array_index (self->kinds, Kind, i) == kind)
      kind_index = i;

  /* What the engine holds stays as it is, even if the app now says the
   * field cannot be written that way: the user decides, not the editor. */
  g_free (self->kept_field);
  self->kept_field = g_strdup (action->field);
  self->kept_kind = kind;
  if (kind_index == GTK_INVALID_LIST_POSITION)
    {
      GtkStringList *labels = GTK_STRING_LIST (gtk_drop_down_get_model (self->kind_dropdown));

      g_array_append_val (self->kinds, kind);
      self->updating = TRUE;
      gtk_string_list_append (labels, kind_label (kind));
      self->updating = FALSE;
      kind_index = self->kinds->len - 1;
    }

  self->updating = TRUE;
  gtk_drop_down_set_selected (self->kind_dropdown, kind_index);
  self->updating = FALSE;
  fill_fields (self, action->field);
  spec = get_field (self);
  if (spec == NULL || g_strcmp0 (spec->key, action->field) != 0)
    return FALSE;

  configure_value (self);
  concord_rule_value_editor_set_values (self->value_editor, values);
  self->updating = TRUE;
  gtk_check_button_set_active (self->update_check, action->on_update);
  self->updating = FALSE;

  return TRUE;
}

/**
 * concord_rule_action_row_build:
 *
 * Returns: (transfer full) (nullable): the action as concord_action_new()
 *   made it; %NULL when it is not complete or the engine refuses it, with
 *   the reason shown under the row
 */
ConcordAction *
concord_rule_action_row_build (ConcordRuleActionRow *self)
{
  const ConcordFieldSpec *spec;
  Kind kind;
  g_auto(GStrv) values = NULL;
  g_autofree char *value = NULL;
  g_autoptr(GError) error = NULL;
  ConcordAction *action;
  ConcordActionKind engine_kind;

  g_return_val_if_fail (CONCORD_IS_RULE_ACTION_ROW (self), NULL);

  spec = get_field (self);
  kind = get_kind (self);
  values = concord_rule_value_editor_get_values (self->value_editor);

  if (spec == NULL)
    {
      set_problem (self, _("Choose a field: the action is left out until then"), FALSE);
      return NULL;
    }

  if (kind == KIND_CLEAR)
    value = g_strdup ("");
  else if (values[0] == NULL)
    {
      set_problem (self, concord_rule_value_editor_get_kind (self->value_editor) == CONCORD_RULE_VALUE_DATE
                         ? _("Pick a date: the action is left out until then")
                         : _("Enter a value: the action is left out until then"), FALSE);
      return NULL;
    }
  else if (kind == KIND_SET && spec->type == CONCORD_FIELD_TYPE_NUMBER)
    {
      if (!concord_rule_parse_number (values[0], &value))
        {
          /* Translators: %s is what the user typed */
          g_autofree char *text = g_strdup_printf (_("“%s” is not a number: the action is left out until it is"),
                                                   values[0]);
          set_problem (self, text, TRUE);
          return NULL;
        }
    }
  else
    value = g_strdup (values[0]);

  engine_kind = kind == KIND_ADD ? CONCORD_ACTION_ADD
              : kind == KIND_REMOVE ? CONCORD_ACTION_REMOVE : CONCORD_ACTION_SET;
  action = concord_action_new (engine_kind, spec->key, spec->type, value,
                               gtk_check_button_get_active (self->update_check), &error);
  if (action == NULL)
    {
      /* Translators: %s is the engine's reason, in English */
      g_autofree char *text = g_strdup_printf (_("Concord cannot do this (%s): the action is left out"),
                                               error->message);
      set_problem (self, text, TRUE);
      return NULL;
    }

  set_problem (self, NULL, FALSE);
  return action;
}

/**
 * concord_rule_action_row_get_problem:
 *
 * Returns: (nullable): why the last build() gave nothing
 */
const char *
concord_rule_action_row_get_problem (ConcordRuleActionRow *self)
{
  g_return_val_if_fail (CONCORD_IS_RULE_ACTION_ROW (self), NULL);

  return self->problem;
}

/**
 * concord_rule_action_row_refresh_suggestions:
 *
 * Offers the members in use of the list or tag field an action adds to
 * or removes from, as far as they are known now.
 */
void
concord_rule_action_row_refresh_suggestions (ConcordRuleActionRow *self)
{
  const ConcordFieldSpec *spec;
  const char * const *values = NULL;
  Kind kind;

  g_return_if_fail (CONCORD_IS_RULE_ACTION_ROW (self));

  spec = get_field (self);
  kind = get_kind (self);
  if (spec != NULL && self->values != NULL && (kind == KIND_ADD || kind == KIND_REMOVE))
    values = g_hash_table_lookup (self->values, spec->key);

  concord_rule_value_editor_set_suggestions (self->value_editor, values);
}
