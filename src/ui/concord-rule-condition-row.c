/* concord-rule-condition-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * One condition of a rule's filter: a field of the source side, an
 * operator that fits the field's type (concord_filter_op_fits(), the
 * engine's own rule), and a value editor that fits both.
 *
 * The row never holds an invalid condition for the rule: build() returns
 * a condition only when the engine validates it, and otherwise says why
 * under the row ("Enter a value: the condition is left out until then"),
 * so what the panel writes to the connection's configuration is always a
 * document the engine reads back.
 */

#define G_LOG_DOMAIN "concord-rule-condition-row"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "concord-fields.h"
#include "concord-rule-condition-row.h"
#include "concord-mapping-common.h"
#include "concord-reflow-box.h"
#include "concord-rule-value-editor.h"
#include "concord-word-order.h"

struct _ConcordRuleConditionRow
{
  GtkListBoxRow           parent_instance;

  GPtrArray              *fields;     /* (owned) of ConcordFieldSpec, shared */
  GHashTable             *values;     /* (owned) (nullable) field key → GStrv in use, shared */
  GArray                 *ops;        /* (owned) of ConcordFilterOp offered now */
  char                   *number;     /* (owned) "2", "3.1" */
  char                   *problem;    /* (owned) (nullable) why build() gave nothing */
  gboolean                typed;      /* a stored condition's type differs from its field's now */
  ConcordFieldType        stored_type;
  gboolean                updating;

  /* Template widgets */
  GtkToggleButton        *negate_button;
  GtkDropDown            *field_dropdown;
  GtkDropDown            *op_dropdown;
  ConcordRuleValueEditor *value_editor;
  GtkWidget              *spacer;
  GtkButton              *remove_button;
  GtkWidget              *hint_box;
  GtkImage               *hint_icon;
  GtkLabel               *hint_label;
};

G_DEFINE_FINAL_TYPE (ConcordRuleConditionRow, concord_rule_condition_row, GTK_TYPE_LIST_BOX_ROW)

enum {
  CHANGED,
  REMOVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Operators in the order people look for them. */
static const ConcordFilterOp all_ops[] = {
  CONCORD_FILTER_IS, CONCORD_FILTER_IS_NOT, CONCORD_FILTER_CONTAINS, CONCORD_FILTER_NOT_CONTAINS,
  CONCORD_FILTER_STARTS_WITH, CONCORD_FILTER_IS_ONE_OF, CONCORD_FILTER_GREATER, CONCORD_FILTER_LESS,
  CONCORD_FILTER_BEFORE, CONCORD_FILTER_AFTER, CONCORD_FILTER_WITHIN_LAST_DAYS,
  CONCORD_FILTER_IS_TRUE, CONCORD_FILTER_IS_FALSE, CONCORD_FILTER_IS_EMPTY, CONCORD_FILTER_IS_NOT_EMPTY,
};

/* ------------------------------------------------------------------------- */
/* Shared helpers                                                            */
/* ------------------------------------------------------------------------- */

/**
 * concord_rule_field_label:
 *
 * Returns: (transfer none): what the user sees of @spec: the translated
 *   label of a standard field, an app's own name for a custom one
 */
const char *
concord_rule_field_label (const ConcordFieldSpec *spec)
{
  if (spec->custom || spec->label == NULL)
    return spec->label != NULL ? spec->label : spec->key;
  return _(spec->label);
}

const char *
concord_rule_op_label (ConcordFilterOp  op,
                       ConcordFieldType type)
{
  gboolean set = type == CONCORD_FIELD_TYPE_STRING_SET;
  gboolean date = type == CONCORD_FIELD_TYPE_DATE || type == CONCORD_FIELD_TYPE_DATETIME;

  switch (op)
    {
    case CONCORD_FILTER_IS:
      return date ? C_("condition", "is on") : C_("condition", "is");
    case CONCORD_FILTER_IS_NOT:
      return C_("condition", "is not");
    case CONCORD_FILTER_CONTAINS:
      return set ? C_("condition", "includes") : C_("condition", "contains");
    case CONCORD_FILTER_NOT_CONTAINS:
      return set ? C_("condition", "does not include") : C_("condition", "does not contain");
    case CONCORD_FILTER_STARTS_WITH:
      return C_("condition", "starts with");
    case CONCORD_FILTER_IS_EMPTY:
      return C_("condition", "is empty");
    case CONCORD_FILTER_IS_NOT_EMPTY:
      return C_("condition", "is not empty");
    case CONCORD_FILTER_IS_ONE_OF:
      return set ? C_("condition", "includes any of") : C_("condition", "is one of");
    case CONCORD_FILTER_GREATER:
      return C_("condition", "is greater than");
    case CONCORD_FILTER_LESS:
      return C_("condition", "is less than");
    case CONCORD_FILTER_BEFORE:
      return C_("condition", "is before");
    case CONCORD_FILTER_AFTER:
      return C_("condition", "is after");
    case CONCORD_FILTER_WITHIN_LAST_DAYS:
      return C_("condition", "is within the last");
    case CONCORD_FILTER_IS_TRUE:
      return C_("condition", "is yes");
    case CONCORD_FILTER_IS_FALSE:
      return C_("condition", "is no");
    default:
      return concord_filter_op_to_string (op);
    }
}

/**
 * concord_rule_parse_number:
 * @normalized: (out) (optional): the number as the engine takes it
 *
 * Reads a number as people type it: "2.5" or "2,5", spaces around.
 */
gboolean
concord_rule_parse_number (const char  *text,
                           char       **normalized)
{
  g_autofree char *copy = g_strstrip (g_strdup (text != NULL ? text : ""));
  char *end = NULL;
  double value;

  if (*copy == '\0')
    return FALSE;
  if (strchr (copy, '.') == NULL)
    g_strdelimit (copy, ",", '.');

  value = g_ascii_strtod (copy, &end);
  if (end == NULL || *end != '\0' || !isfinite (value))
    return FALSE;

  if (normalized != NULL)
    *normalized = g_steal_pointer (&copy);
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void
set_accessible_label (gpointer    widget,
                      const char *text)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

static const ConcordFieldSpec *
get_field (ConcordRuleConditionRow *self)
{
  guint selected = gtk_drop_down_get_selected (self->field_dropdown);

  return selected < self->fields->len ? g_ptr_array_index (self->fields, selected) : NULL;
}

/* The type the condition compares as: its field's, or, for a stored
 * condition whose field changed type in the app since, the stored one
 * (until the user picks a field), so it reads back as it was. */
static ConcordFieldType
field_type (ConcordRuleConditionRow *self)
{
  const ConcordFieldSpec *spec = get_field (self);

  if (self->typed || spec == NULL)
    return self->stored_type;
  return spec->type;
}

static ConcordFilterOp
get_op (ConcordRuleConditionRow *self)
{
  guint selected = gtk_drop_down_get_selected (self->op_dropdown);

  return selected < self->ops->len ? g_array_index (self->ops, ConcordFilterOp, selected)
                                   : CONCORD_FILTER_IS_NOT_EMPTY;
}

static ConcordRuleValueKind
value_kind (const ConcordFieldSpec *spec,
            ConcordFieldType        type,
            ConcordFilterOp         op)
{
  if (concord_filter_op_arity (op) == 0)
    return CONCORD_RULE_VALUE_NONE;
  if (op == CONCORD_FILTER_WITHIN_LAST_DAYS)
    return CONCORD_RULE_VALUE_DAYS;
  if (op == CONCORD_FILTER_IS_ONE_OF)
    return CONCORD_RULE_VALUE_MULTI;

  switch (type)
    {
    case CONCORD_FIELD_TYPE_NUMBER:
      return CONCORD_RULE_VALUE_NUMBER;
    case CONCORD_FIELD_TYPE_DATE:
    case CONCORD_FIELD_TYPE_DATETIME:
      return CONCORD_RULE_VALUE_DATE;
    case CONCORD_FIELD_TYPE_ENUM:
      if (spec->choices != NULL && spec->choices[0] != NULL &&
          (op == CONCORD_FILTER_IS || op == CONCORD_FILTER_IS_NOT))
        return CONCORD_RULE_VALUE_CHOICE;
      return CONCORD_RULE_VALUE_TEXT;
    case CONCORD_FIELD_TYPE_STRING_SET:
      /* The app's own lists or tags, when it has a closed set of them. */
      if (spec->choices != NULL && spec->choices[0] != NULL)
        return CONCORD_RULE_VALUE_CHOICE;
      return CONCORD_RULE_VALUE_TEXT;
    case CONCORD_FIELD_TYPE_STRING:
    case CONCORD_FIELD_TYPE_EMAIL:
    case CONCORD_FIELD_TYPE_PHONE:
    case CONCORD_FIELD_TYPE_BOOLEAN:
    default:
      return CONCORD_RULE_VALUE_TEXT;
    }
}

static void
update_labels (ConcordRuleConditionRow *self)
{
  /* Translators: part of accessible names ("Field of condition 2"); %s is a number such as 2 or 3.1 */
  g_autofree char *subject = g_strdup_printf (_("condition %s"), self->number);
  g_autofree char *field = NULL, *op = NULL, *remove = NULL, *negate = NULL;

  /* Translators: an accessible name; %s is "condition 2" */
  field = g_strdup_printf (_("Field of %s"), subject);
  /* Translators: an accessible name; %s is "condition 2" */
  op = g_strdup_printf (_("Operator of %s"), subject);
  /* Translators: an accessible name; %s is a number such as 2 or 3.1 */
  remove = g_strdup_printf (_("Remove condition %s"), self->number);
  /* Translators: an accessible name; %s is a number such as 2 or 3.1 */
  negate = g_strdup_printf (_("Invert condition %s"), self->number);

  set_accessible_label (self->field_dropdown, field);
  set_accessible_label (self->op_dropdown, op);
  set_accessible_label (self->remove_button, remove);
  set_accessible_label (self->negate_button, negate);
  set_accessible_label (self, subject);
  concord_rule_value_editor_set_subject (self->value_editor, subject);
}

/* The operators that fit the field's type, keeping @keep when it fits. */
static void
fill_ops (ConcordRuleConditionRow *self,
          ConcordFilterOp          keep)
{
  const ConcordFieldSpec *spec = get_field (self);
  ConcordFieldType type = field_type (self);
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  guint selected = 0;

  g_array_set_size (self->ops, 0);
  for (guint i = 0; spec != NULL && i < G_N_ELEMENTS (all_ops); i++)
    if (concord_filter_op_fits (all_ops[i], type))
      {
        if (all_ops[i] == keep)
          selected = self->ops->len;
        g_array_append_val (self->ops, all_ops[i]);
        gtk_string_list_append (labels, concord_rule_op_label (all_ops[i], type));
      }

  self->updating = TRUE;
  gtk_drop_down_set_model (self->op_dropdown, G_LIST_MODEL (labels));
  gtk_drop_down_set_selected (self->op_dropdown, selected);
  self->updating = FALSE;
}

static void
configure_value (ConcordRuleConditionRow *self)
{
  const ConcordFieldSpec *spec = get_field (self);
  g_autofree char *subject = g_strdup_printf (_("condition %s"), self->number);
  ConcordRuleValueKind kind;

  if (spec == NULL)
    return;

  kind = value_kind (spec, field_type (self), get_op (self));
  concord_rule_value_editor_configure (self->value_editor, kind,
                                       (const char * const *) spec->choices, subject);
  gtk_widget_set_visible (self->spacer, kind == CONCORD_RULE_VALUE_NONE);
  concord_rule_condition_row_refresh_suggestions (self);
}

/* @invalid: a value that is wrong (a warning), not one still missing */
static void
set_problem (ConcordRuleConditionRow *self,
             const char              *problem,
             gboolean                invalid)
{
  g_free (self->problem);
  self->problem = g_strdup (problem);
  concord_rule_hint_show (self->hint_box, self->hint_icon, self->hint_label, problem, invalid);
}

/* ------------------------------------------------------------------------- */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------- */

static void
on_field_selected (ConcordRuleConditionRow *self)
{
  if (self->updating)
    return;

  self->typed = FALSE;
  fill_ops (self, get_op (self));
  configure_value (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
on_op_selected (ConcordRuleConditionRow *self)
{
  if (self->updating)
    return;

  configure_value (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
on_value_changed (ConcordRuleConditionRow *self)
{
  if (!self->updating)
    g_signal_emit (self, signals[CHANGED], 0);
}

static void
on_negate_toggled (ConcordRuleConditionRow *self)
{
  /* Shown only for a condition that came inverted: once undone, it goes. */
  if (!gtk_toggle_button_get_active (self->negate_button))
    gtk_widget_set_visible (GTK_WIDGET (self->negate_button), FALSE);
  if (!self->updating)
    g_signal_emit (self, signals[CHANGED], 0);
}

static void
on_remove_clicked (ConcordRuleConditionRow *self)
{
  g_signal_emit (self, signals[REMOVE], 0);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_rule_condition_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CONCORD_TYPE_RULE_CONDITION_ROW);

  G_OBJECT_CLASS (concord_rule_condition_row_parent_class)->dispose (object);
}

static void
concord_rule_condition_row_finalize (GObject *object)
{
  ConcordRuleConditionRow *self = CONCORD_RULE_CONDITION_ROW (object);

  g_clear_pointer (&self->fields, g_ptr_array_unref);
  g_clear_pointer (&self->values, g_hash_table_unref);
  g_array_unref (self->ops);
  g_free (self->number);
  g_free (self->problem);

  G_OBJECT_CLASS (concord_rule_condition_row_parent_class)->finalize (object);
}

static void
concord_rule_condition_row_class_init (ConcordRuleConditionRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  g_type_ensure (CONCORD_TYPE_REFLOW_BOX);
  object_class->dispose = concord_rule_condition_row_dispose;
  object_class->finalize = concord_rule_condition_row_finalize;

  /**
   * ConcordRuleConditionRow::changed:
   *
   * The user changed the condition.
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * ConcordRuleConditionRow::remove:
   *
   * The user asked to remove the condition.
   */
  signals[REMOVE] =
    g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  g_type_ensure (CONCORD_TYPE_RULE_VALUE_EDITOR);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/concordsync/Concord/ui/concord-rule-condition-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleConditionRow, negate_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleConditionRow, field_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleConditionRow, op_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleConditionRow, value_editor);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleConditionRow, spacer);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleConditionRow, remove_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleConditionRow, hint_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleConditionRow, hint_icon);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleConditionRow, hint_label);
  gtk_widget_class_bind_template_callback (widget_class, on_field_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_op_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_value_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_negate_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_clicked);
}

static void
concord_rule_condition_row_init (ConcordRuleConditionRow *self)
{
  self->ops = g_array_new (FALSE, FALSE, sizeof (ConcordFilterOp));
  self->number = g_strdup ("1");
  gtk_widget_init_template (GTK_WIDGET (self));

  {
    GtkWidget *parts[] = { GTK_WIDGET (self->field_dropdown), GTK_WIDGET (self->op_dropdown),
                           GTK_WIDGET (self->value_editor) };

    /* Translators: the order of the parts of a rule's condition, a sentence
     * such as "Country is Germany": %1$s is the field, %2$s the comparison
     * ("is", "contains", "is before"), %3$s the value. Put them in the order
     * your language says it (for "Germany is Country", "%3$s %2$s %1$s");
     * write nothing else. */
    concord_word_order_apply (C_("condition order", "%1$s %2$s %3$s"),
                              GTK_WIDGET (self->negate_button), parts, G_N_ELEMENTS (parts));
  }
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_rule_condition_row_new:
 * @fields: (transfer none): the source side's fields (ConcordFieldSpec),
 *   shared by the panel's rows; not empty
 * @values: (transfer none) (nullable): the values in use of the source
 *   side's list and tag fields (key → GStrv), shared, filled as they come
 *
 * Returns: (transfer floating): a condition on the first field, with its
 *   first operator and no value yet
 */
GtkWidget *
concord_rule_condition_row_new (GPtrArray  *fields,
                                GHashTable *values)
{
  ConcordRuleConditionRow *self;
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);

  g_return_val_if_fail (fields != NULL && fields->len > 0, NULL);

  self = g_object_new (CONCORD_TYPE_RULE_CONDITION_ROW, NULL);
  self->fields = g_ptr_array_ref (fields);
  self->values = values != NULL ? g_hash_table_ref (values) : NULL;

  for (guint i = 0; i < fields->len; i++)
    gtk_string_list_append (labels, concord_rule_field_label (g_ptr_array_index (fields, i)));
  self->updating = TRUE;
  concord_drop_down_set_searchable (self->field_dropdown);
  gtk_drop_down_set_model (self->field_dropdown, G_LIST_MODEL (labels));
  gtk_drop_down_set_selected (self->field_dropdown, 0);
  self->updating = FALSE;

  fill_ops (self, CONCORD_FILTER_IS);
  configure_value (self);
  update_labels (self);

  return GTK_WIDGET (self);
}

/**
 * concord_rule_condition_row_set_number:
 * @number: where the row is, for accessible names ("2", "3.1")
 */
void
concord_rule_condition_row_set_number (ConcordRuleConditionRow *self,
                                       const char              *number)
{
  g_return_if_fail (CONCORD_IS_RULE_CONDITION_ROW (self));

  g_free (self->number);
  self->number = g_strdup (number);
  update_labels (self);
}

/**
 * concord_rule_condition_row_load:
 * @condition: a condition as concord_filter_to_json() writes it
 *
 * Shows a stored condition without emitting ::changed.
 *
 * Returns: whether its field is one of the row's fields
 */
gboolean
concord_rule_condition_row_load (ConcordRuleConditionRow *self,
                                 JsonObject              *condition)
{
  const char *field = json_object_get_string_member_with_default (condition, "field", "");
  const char *op_name = json_object_get_string_member_with_default (condition, "op", "");
  JsonArray *values = json_object_has_member (condition, "values")
                      ? json_object_get_array_member (condition, "values") : NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;
  ConcordFilterOp op = CONCORD_FILTER_IS;
  guint index = GTK_INVALID_LIST_POSITION;

  g_return_val_if_fail (CONCORD_IS_RULE_CONDITION_ROW (self), FALSE);

  for (guint i = 0; i < self->fields->len; i++)
    if (g_strcmp0 (((ConcordFieldSpec *) g_ptr_array_index (self->fields, i))->key, field) == 0)
      index = i;
  if (index == GTK_INVALID_LIST_POSITION)
    return FALSE;

  concord_filter_op_from_string (op_name, &op);
  {
    ConcordFieldType type = ((ConcordFieldSpec *) g_ptr_array_index (self->fields, index))->type;

    if (concord_field_type_from_string (json_object_get_string_member_with_default (condition, "type", ""),
                                        &type))
      {
        self->stored_type = type;
        self->typed = type != ((ConcordFieldSpec *) g_ptr_array_index (self->fields, index))->type;
      }
  }
  for (guint i = 0; values != NULL && i < json_array_get_length (values); i++)
    g_strv_builder_add (builder, json_array_get_string_element (values, i));
  strv = g_strv_builder_end (builder);

  self->updating = TRUE;
  gtk_drop_down_set_selected (self->field_dropdown, index);
  self->updating = FALSE;
  fill_ops (self, op);
  configure_value (self);
  concord_rule_value_editor_set_values (self->value_editor, (const char * const *) strv);

  self->updating = TRUE;
  if (json_object_get_boolean_member_with_default (condition, "negate", FALSE))
    {
      gtk_widget_set_visible (GTK_WIDGET (self->negate_button), TRUE);
      gtk_toggle_button_set_active (self->negate_button, TRUE);
    }
  self->updating = FALSE;

  return TRUE;
}

/**
 * concord_rule_condition_row_build:
 *
 * Returns: (transfer full) (nullable): the condition, validated by the
 *   engine; %NULL when it is not complete or not valid, with the reason
 *   shown under the row (and in get_problem())
 */
ConcordFilter *
concord_rule_condition_row_build (ConcordRuleConditionRow *self)
{
  const ConcordFieldSpec *spec;
  ConcordFilterOp op;
  g_auto(GStrv) values = NULL;
  g_autoptr(ConcordFilter) condition = NULL;
  g_autoptr(GError) error = NULL;
  int arity;

  g_return_val_if_fail (CONCORD_IS_RULE_CONDITION_ROW (self), NULL);

  spec = get_field (self);
  op = get_op (self);
  values = concord_rule_value_editor_get_values (self->value_editor);
  arity = concord_filter_op_arity (op);

  if (spec == NULL)
    {
      set_problem (self, _("Choose a field: the condition is left out until then"), FALSE);
      return NULL;
    }

  if (arity != 0 && values[0] == NULL)
    {
      ConcordRuleValueKind kind = concord_rule_value_editor_get_kind (self->value_editor);

      set_problem (self, kind == CONCORD_RULE_VALUE_DATE
                         ? _("Pick a date: the condition is left out until then")
                         : kind == CONCORD_RULE_VALUE_MULTI
                         ? _("Add at least one value: the condition is left out until then")
                         : _("Enter a value: the condition is left out until then"), FALSE);
      return NULL;
    }

  if (field_type (self) == CONCORD_FIELD_TYPE_NUMBER && op != CONCORD_FILTER_WITHIN_LAST_DAYS)
    for (guint i = 0; values[i] != NULL; i++)
      {
        g_autofree char *normalized = NULL;

        if (!concord_rule_parse_number (values[i], &normalized))
          {
            /* Translators: %s is what the user typed */
            g_autofree char *text = g_strdup_printf (_("“%s” is not a number: the condition is left out until it is"),
                                                     values[i]);
            set_problem (self, text, TRUE);
            return NULL;
          }
        g_free (values[i]);
        values[i] = g_steal_pointer (&normalized);
      }

  condition = concord_filter_new_condition (spec->key, field_type (self), op, (const char * const *) values);
  concord_filter_set_negate (condition, gtk_toggle_button_get_active (self->negate_button));

  /* The engine's own check has the last word. */
  if (!concord_filter_validate (condition, &error))
    {
      /* Translators: %s is the engine's reason, in English */
      g_autofree char *text = g_strdup_printf (_("Concord cannot use this condition (%s): it is left out"),
                                               error->message);
      set_problem (self, text, TRUE);
      return NULL;
    }

  set_problem (self, NULL, FALSE);
  return g_steal_pointer (&condition);
}

/**
 * concord_rule_condition_row_get_problem:
 *
 * Returns: (nullable): why the last build() gave nothing
 */
const char *
concord_rule_condition_row_get_problem (ConcordRuleConditionRow *self)
{
  g_return_val_if_fail (CONCORD_IS_RULE_CONDITION_ROW (self), NULL);

  return self->problem;
}

/**
 * concord_rule_condition_row_refresh_suggestions:
 *
 * Offers the values in use of a list, tag or free pick-list field, as far
 * as they are known now.
 */
void
concord_rule_condition_row_refresh_suggestions (ConcordRuleConditionRow *self)
{
  const ConcordFieldSpec *spec;
  const char * const *values = NULL;

  g_return_if_fail (CONCORD_IS_RULE_CONDITION_ROW (self));

  spec = get_field (self);
  if (spec != NULL && self->values != NULL &&
      (field_type (self) == CONCORD_FIELD_TYPE_STRING_SET ||
       (field_type (self) == CONCORD_FIELD_TYPE_ENUM && (spec->choices == NULL || spec->choices[0] == NULL))))
    values = g_hash_table_lookup (self->values, spec->key);

  concord_rule_value_editor_set_suggestions (self->value_editor, values);
}
