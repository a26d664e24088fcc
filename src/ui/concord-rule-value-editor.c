/* concord-rule-value-editor.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The value part of a condition or an action, in the shape that fits the
 * field's type and the operator: a text entry, a number entry, a number of
 * days, a day picked in a calendar, one of the field's allowed values, yes
 * or no, or several values as removable chips (for "is one of").
 *
 * It only edits text values; whether they are valid is for the row to
 * decide with the engine's own checks. Its children are made anew when the
 * kind changes, so it is built in code rather than from a template.
 * Every control it makes carries an accessible label naming its subject
 * ("Value of condition 2").
 */

#define G_LOG_DOMAIN "concord-rule-value-editor"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "concord-rule-value-editor-private.h"
#include "concord-mapping-common.h"

G_DEFINE_FINAL_TYPE (ConcordRuleValueEditor, concord_rule_value_editor, GTK_TYPE_BOX)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

void
concord_rule_value_editor_emit_changed (ConcordRuleValueEditor *self)
{
  if (!self->updating)
    g_signal_emit (self, signals[CHANGED], 0);
}

void
concord_rule_value_editor_label_widget (GtkWidget  *widget,
                                        const char *text)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

static void
clear_children (ConcordRuleValueEditor *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_box_remove (GTK_BOX (self), child);

  self->entry = self->spin = self->dropdown = NULL;
  self->date_button = self->calendar = self->chips = self->add_button = NULL;
  self->suggest_button = NULL;
  self->suggest_list = NULL;
}

void
concord_rule_value_editor_update_labels (ConcordRuleValueEditor *self)
{
  const char *subject = self->subject != NULL ? self->subject : "";
  g_autofree char *value = NULL;

  /* Translators: an accessible name; %s is "condition 2" or "action 1" */
  value = g_strdup_printf (_("Value of %s"), subject);

  if (self->entry != NULL && self->kind != CONCORD_RULE_VALUE_MULTI)
    concord_rule_value_editor_label_widget (self->entry, value);
  if (self->dropdown != NULL && self->kind != CONCORD_RULE_VALUE_MULTI)
    concord_rule_value_editor_label_widget (self->dropdown, value);
  if (self->spin != NULL)
    {
      /* Translators: an accessible name; %s is "condition 2" */
      g_autofree char *text = g_strdup_printf (_("Number of days of %s"), subject);

      concord_rule_value_editor_label_widget (self->spin, text);
    }
  if (self->date_button != NULL)
    {
      /* Translators: an accessible name; %s is "condition 2" */
      g_autofree char *text = g_strdup_printf (_("Date of %s"), subject);
      /* Translators: an accessible name; %s is "condition 2" */
      g_autofree char *calendar = g_strdup_printf (_("Calendar of %s"), subject);

      concord_rule_value_editor_label_widget (self->date_button, text);
      concord_rule_value_editor_label_widget (self->calendar, calendar);
    }
  if (self->suggest_button != NULL)
    {
      /* Translators: an accessible name; %s is "condition 2" */
      g_autofree char *text = g_strdup_printf (_("Values in use for %s"), subject);

      concord_rule_value_editor_label_widget (self->suggest_button, text);
      concord_rule_value_editor_label_widget (GTK_WIDGET (self->suggest_list), text);
    }
  if (self->kind == CONCORD_RULE_VALUE_MULTI)
    {
      /* Translators: an accessible name; %s is "condition 2" */
      g_autofree char *add = g_strdup_printf (_("Add value to %s"), subject);
      /* Translators: an accessible name; %s is "condition 2" */
      g_autofree char *next = g_strdup_printf (_("New value of %s"), subject);

      concord_rule_value_editor_label_widget (self->add_button, add);
      concord_rule_value_editor_label_widget (self->entry != NULL ? self->entry : self->dropdown, next);

      for (GtkWidget *chip = gtk_widget_get_first_child (self->chips); chip != NULL;
           chip = gtk_widget_get_next_sibling (chip))
        {
          GtkWidget *button = g_object_get_data (G_OBJECT (chip), "remove-button");
          const char *item = g_object_get_data (G_OBJECT (chip), "value");
          /* Translators: an accessible name; the first %s is a value, the second "condition 2" */
          g_autofree char *remove = g_strdup_printf (_("Remove “%s” from %s"), item, subject);

          concord_rule_value_editor_label_widget (button, remove);
        }
    }
}

/* ------------------------------------------------------------------------- */
/* Dates                                                                     */
/* ------------------------------------------------------------------------- */

static void
show_date (ConcordRuleValueEditor *self)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *with_time = NULL;

  if (self->date != NULL)
    {
      with_time = g_strconcat (self->date, "T00:00:00Z", NULL);
      dt = g_date_time_new_from_iso8601 (with_time, NULL);
    }

  if (dt != NULL)
    {
      /* Translators: a date a rule compares with, e.g. "12 Mar 2023"; a
       * g_date_time_format() format, in the order your language writes dates */
      g_autofree char *text = g_date_time_format (dt, _("%e %b %Y"));

      gtk_menu_button_set_label (GTK_MENU_BUTTON (self->date_button), g_strstrip (text));
      self->updating = TRUE;
      gtk_calendar_select_day (GTK_CALENDAR (self->calendar), dt);
      self->updating = FALSE;
    }
  else
    gtk_menu_button_set_label (GTK_MENU_BUTTON (self->date_button), _("Pick a Date"));
}

static void
on_day_selected_cb (GtkCalendar            *calendar,
                    ConcordRuleValueEditor *self)
{
  g_autoptr(GDateTime) dt = gtk_calendar_get_date (calendar);

  if (self->updating)
    return;

  g_free (self->date);
  self->date = g_date_time_format (dt, "%Y-%m-%d");
  show_date (self);
  gtk_menu_button_popdown (GTK_MENU_BUTTON (self->date_button));
  concord_rule_value_editor_emit_changed (self);
}

/* ------------------------------------------------------------------------- */
/* Building                                                                  */
/* ------------------------------------------------------------------------- */

static void
on_input_changed_cb (ConcordRuleValueEditor *self)
{
  concord_rule_value_editor_emit_changed (self);
}

static GtkWidget *
make_dropdown (ConcordRuleValueEditor *self,
               const char * const     *labels)
{
  GtkWidget *dropdown = gtk_drop_down_new_from_strings (labels);

  gtk_widget_set_valign (dropdown, GTK_ALIGN_CENTER);
  return dropdown;
}

static GtkWidget *
make_entry (ConcordRuleValueEditor *self,
            const char             *placeholder)
{
  GtkWidget *entry = gtk_entry_new ();

  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), placeholder);
  gtk_widget_set_hexpand (entry, TRUE);
  gtk_widget_set_valign (entry, GTK_ALIGN_CENTER);
  gtk_editable_set_width_chars (GTK_EDITABLE (entry), 10);
  return entry;
}

/* Text or a number: an entry; text also has its suggestions. */
static void
build_entry (ConcordRuleValueEditor *self)
{
  self->entry = make_entry (self, self->kind == CONCORD_RULE_VALUE_NUMBER ? _("Number") : _("Value"));
  if (self->kind == CONCORD_RULE_VALUE_NUMBER)
    gtk_entry_set_input_purpose (GTK_ENTRY (self->entry), GTK_INPUT_PURPOSE_NUMBER);
  g_signal_connect_swapped (self->entry, "changed", G_CALLBACK (on_input_changed_cb), self);
  if (self->kind == CONCORD_RULE_VALUE_TEXT)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);

      gtk_widget_add_css_class (box, "linked");
      gtk_widget_set_hexpand (box, TRUE);
      gtk_box_append (GTK_BOX (box), self->entry);
      concord_rule_value_editor_add_suggest_button (self, box);
      gtk_box_append (GTK_BOX (self), box);
    }
  else
    gtk_box_append (GTK_BOX (self), self->entry);
}

/* A date: a button showing it, with a calendar in its popover. */
static void
build_date (ConcordRuleValueEditor *self)
{
  GtkWidget *popover = gtk_popover_new ();

  self->calendar = gtk_calendar_new ();
  g_signal_connect (self->calendar, "day-selected", G_CALLBACK (on_day_selected_cb), self);
  gtk_popover_set_child (GTK_POPOVER (popover), self->calendar);
  self->date_button = gtk_menu_button_new ();
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (self->date_button), popover);
  gtk_widget_set_valign (self->date_button, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (self), self->date_button);
  show_date (self);
}

/* Several values: their chips above, then a drop-down of the app's
 * values (or an entry, with suggestions) and Add. */
static void
build_multi (ConcordRuleValueEditor *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  self->chips = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  gtk_widget_set_visible (self->chips, FALSE);
  gtk_box_append (GTK_BOX (self), self->chips);

  gtk_widget_add_css_class (box, "linked");
  if (self->choices != NULL && self->choices[0] != NULL)
    {
      self->dropdown = make_dropdown (self, (const char * const *) self->choices);
      concord_drop_down_set_searchable (GTK_DROP_DOWN (self->dropdown));
      gtk_widget_set_hexpand (self->dropdown, TRUE);
      gtk_box_append (GTK_BOX (box), self->dropdown);
    }
  else
    {
      self->entry = make_entry (self, _("Add a value"));
      g_signal_connect (self->entry, "activate", G_CALLBACK (concord_rule_value_editor_on_add_clicked_cb), self);
      g_signal_connect_swapped (self->entry, "changed", G_CALLBACK (on_input_changed_cb), self);
      gtk_box_append (GTK_BOX (box), self->entry);
      concord_rule_value_editor_add_suggest_button (self, box);
    }
  self->add_button = gtk_button_new_from_icon_name ("list-add-symbolic");
  gtk_widget_set_name (self->add_button, "value-add");
  gtk_widget_set_tooltip_text (self->add_button, _("Add Value"));
  g_signal_connect (self->add_button, "clicked", G_CALLBACK (concord_rule_value_editor_on_add_clicked_cb), self);
  gtk_box_append (GTK_BOX (box), self->add_button);
  gtk_box_append (GTK_BOX (self), box);
  concord_rule_value_editor_rebuild_chips (self);
}

static void
build (ConcordRuleValueEditor *self)
{
  static const char * const yes_no[] = { N_("Yes"), N_("No"), NULL };

  clear_children (self);

  switch (self->kind)
    {
    case CONCORD_RULE_VALUE_TEXT:
    case CONCORD_RULE_VALUE_NUMBER:
      build_entry (self);
      break;

    case CONCORD_RULE_VALUE_DAYS:
      self->spin = gtk_spin_button_new_with_range (0, 36500, 1);
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->spin), 30);
      gtk_widget_set_valign (self->spin, GTK_ALIGN_CENTER);
      g_signal_connect_swapped (self->spin, "value-changed", G_CALLBACK (on_input_changed_cb), self);
      gtk_box_append (GTK_BOX (self), self->spin);
      gtk_box_append (GTK_BOX (self), gtk_label_new (_("days")));
      break;

    case CONCORD_RULE_VALUE_DATE:
      build_date (self);
      break;

    case CONCORD_RULE_VALUE_CHOICE:
      self->dropdown = make_dropdown (self, (const char * const *) self->choices);
      /* The app's lists can be many: typing finds one. */
      concord_drop_down_set_searchable (GTK_DROP_DOWN (self->dropdown));
      g_signal_connect_swapped (self->dropdown, "notify::selected", G_CALLBACK (on_input_changed_cb), self);
      gtk_box_append (GTK_BOX (self), self->dropdown);
      break;

    case CONCORD_RULE_VALUE_BOOLEAN:
      {
        const char *labels[] = { _(yes_no[0]), _(yes_no[1]), NULL };

        self->dropdown = make_dropdown (self, labels);
        g_signal_connect_swapped (self->dropdown, "notify::selected", G_CALLBACK (on_input_changed_cb), self);
        gtk_box_append (GTK_BOX (self), self->dropdown);
      }
      break;

    case CONCORD_RULE_VALUE_MULTI:
      build_multi (self);
      break;

    case CONCORD_RULE_VALUE_NONE:
    default:
      break;
    }

  if (self->kind != CONCORD_RULE_VALUE_MULTI)
    gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_HORIZONTAL);
  gtk_widget_set_visible (GTK_WIDGET (self), self->kind != CONCORD_RULE_VALUE_NONE);
  concord_rule_value_editor_update_labels (self);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_rule_value_editor_finalize (GObject *object)
{
  ConcordRuleValueEditor *self = CONCORD_RULE_VALUE_EDITOR (object);

  g_strfreev (self->choices);
  g_strfreev (self->suggestions);
  g_free (self->subject);
  g_free (self->date);
  g_ptr_array_unref (self->items);

  G_OBJECT_CLASS (concord_rule_value_editor_parent_class)->finalize (object);
}

static void
concord_rule_value_editor_class_init (ConcordRuleValueEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = concord_rule_value_editor_finalize;

  /**
   * ConcordRuleValueEditor::changed:
   *
   * The values changed by the user's hand.
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "rulevalue");
}

static void
concord_rule_value_editor_init (ConcordRuleValueEditor *self)
{
  self->items = g_ptr_array_new_with_free_func (g_free);
  gtk_box_set_spacing (GTK_BOX (self), 6);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_valign (GTK_WIDGET (self), GTK_ALIGN_CENTER);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

GtkWidget *
concord_rule_value_editor_new (void)
{
  return g_object_new (CONCORD_TYPE_RULE_VALUE_EDITOR, NULL);
}

/**
 * concord_rule_value_editor_configure:
 * @kind: the editor that fits
 * @choices: (nullable): for CHOICE and MULTI, the values to pick from
 * @subject: what the controls' accessible labels name ("condition 2")
 *
 * Makes the editor of @kind. The values typed so far are kept where they
 * still fit (text to text); otherwise the editor starts empty (a choice
 * starts at the first one).
 */
void
concord_rule_value_editor_configure (ConcordRuleValueEditor *self,
                                     ConcordRuleValueKind    kind,
                                     const char * const     *choices,
                                     const char             *subject)
{
  g_auto(GStrv) old = NULL;
  gboolean same_choices;

  g_return_if_fail (CONCORD_IS_RULE_VALUE_EDITOR (self));

  same_choices = (choices == NULL && self->choices == NULL) ||
                 (choices != NULL && self->choices != NULL &&
                  g_strv_equal (choices, (const char * const *) self->choices));
  g_free (self->subject);
  self->subject = g_strdup (subject);
  if (kind == self->kind && same_choices)
    {
      concord_rule_value_editor_update_labels (self);
      return;
    }

  old = concord_rule_value_editor_get_values (self);
  g_strfreev (self->choices);
  self->choices = g_strdupv ((char **) choices);
  self->kind = kind;
  g_ptr_array_set_size (self->items, 0);
  g_clear_pointer (&self->date, g_free);
  build (self);

  /* Free text stays free text; anything else starts afresh. */
  if ((kind == CONCORD_RULE_VALUE_TEXT || kind == CONCORD_RULE_VALUE_MULTI) && old[0] != NULL)
    concord_rule_value_editor_set_values (self, (const char * const *) old);
}

ConcordRuleValueKind
concord_rule_value_editor_get_kind (ConcordRuleValueEditor *self)
{
  g_return_val_if_fail (CONCORD_IS_RULE_VALUE_EDITOR (self), CONCORD_RULE_VALUE_NONE);

  return self->kind;
}

void
concord_rule_value_editor_set_subject (ConcordRuleValueEditor *self,
                                       const char             *subject)
{
  g_return_if_fail (CONCORD_IS_RULE_VALUE_EDITOR (self));

  g_free (self->subject);
  self->subject = g_strdup (subject);
  concord_rule_value_editor_update_labels (self);
}

static guint
find_choice (ConcordRuleValueEditor *self,
             const char             *value)
{
  for (guint i = 0; self->choices != NULL && self->choices[i] != NULL; i++)
    if (g_ascii_strcasecmp (self->choices[i], value) == 0)
      return i;

  return GTK_INVALID_LIST_POSITION;
}

/**
 * concord_rule_value_editor_set_values:
 *
 * Shows @values (as the engine stores them) without emitting ::changed.
 */
void
concord_rule_value_editor_set_values (ConcordRuleValueEditor *self,
                                      const char * const     *values)
{
  const char *first;

  g_return_if_fail (CONCORD_IS_RULE_VALUE_EDITOR (self));

  first = values != NULL ? values[0] : NULL;
  self->updating = TRUE;

  switch (self->kind)
    {
    case CONCORD_RULE_VALUE_TEXT:
    case CONCORD_RULE_VALUE_NUMBER:
      gtk_editable_set_text (GTK_EDITABLE (self->entry), first != NULL ? first : "");
      break;

    case CONCORD_RULE_VALUE_DAYS:
      if (first != NULL)
        gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->spin), g_ascii_strtod (first, NULL));
      break;

    case CONCORD_RULE_VALUE_DATE:
      g_free (self->date);
      self->date = first != NULL && strlen (first) >= 10 ? g_strndup (first, 10) : NULL;
      show_date (self);
      break;

    case CONCORD_RULE_VALUE_CHOICE:
      if (first != NULL && find_choice (self, first) == GTK_INVALID_LIST_POSITION)
        {
          g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
          g_autoptr(GtkStringList) model = NULL;

          /* A stored value the field no longer lists stays what it is
           * rather than turn silently into the first choice. */
          g_strv_builder_addv (builder, (const char **) self->choices);
          g_strv_builder_add (builder, first);
          g_strfreev (self->choices);
          self->choices = g_strv_builder_end (builder);
          model = gtk_string_list_new ((const char * const *) self->choices);
          gtk_drop_down_set_model (GTK_DROP_DOWN (self->dropdown), G_LIST_MODEL (model));
        }
      if (first != NULL)
        gtk_drop_down_set_selected (GTK_DROP_DOWN (self->dropdown), find_choice (self, first));
      break;

    case CONCORD_RULE_VALUE_BOOLEAN:
      gtk_drop_down_set_selected (GTK_DROP_DOWN (self->dropdown),
                                  first != NULL && g_ascii_strcasecmp (first, "false") == 0 ? 1 : 0);
      break;

    case CONCORD_RULE_VALUE_MULTI:
      g_ptr_array_set_size (self->items, 0);
      for (guint i = 0; values != NULL && values[i] != NULL; i++)
        concord_rule_value_editor_add_item (self, values[i]);
      concord_rule_value_editor_rebuild_chips (self);
      break;

    case CONCORD_RULE_VALUE_NONE:
    default:
      break;
    }

  self->updating = FALSE;
}

/**
 * concord_rule_value_editor_get_values:
 *
 * Returns: (transfer full): the values as the engine takes them (a date
 *   as "YYYY-MM-DD", yes/no as "true"/"false"); empty when nothing is
 *   entered. For MULTI, text typed but not added yet counts too.
 */
char **
concord_rule_value_editor_get_values (ConcordRuleValueEditor *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (CONCORD_IS_RULE_VALUE_EDITOR (self), NULL);

  switch (self->kind)
    {
    case CONCORD_RULE_VALUE_TEXT:
    case CONCORD_RULE_VALUE_NUMBER:
      {
        g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry))));

        if (*text != '\0')
          g_strv_builder_add (builder, text);
      }
      break;

    case CONCORD_RULE_VALUE_DAYS:
      {
        g_autofree char *text = g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->spin)));

        g_strv_builder_add (builder, text);
      }
      break;

    case CONCORD_RULE_VALUE_DATE:
      if (self->date != NULL)
        g_strv_builder_add (builder, self->date);
      break;

    case CONCORD_RULE_VALUE_CHOICE:
      {
        guint selected = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->dropdown));

        if (self->choices != NULL && selected < g_strv_length (self->choices))
          g_strv_builder_add (builder, self->choices[selected]);
      }
      break;

    case CONCORD_RULE_VALUE_BOOLEAN:
      g_strv_builder_add (builder, gtk_drop_down_get_selected (GTK_DROP_DOWN (self->dropdown)) == 1
                                   ? "false" : "true");
      break;

    case CONCORD_RULE_VALUE_MULTI:
      {
        g_autofree char *pending = NULL;

        for (guint i = 0; i < self->items->len; i++)
          g_strv_builder_add (builder, g_ptr_array_index (self->items, i));
        if (self->entry != NULL)
          pending = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry))));
        if (pending != NULL && *pending != '\0' &&
            !g_ptr_array_find_with_equal_func (self->items, pending, g_str_equal, NULL))
          g_strv_builder_add (builder, pending);
      }
      break;

    case CONCORD_RULE_VALUE_NONE:
    default:
      break;
    }

  return g_strv_builder_end (builder);
}

/**
 * concord_rule_value_editor_set_suggestions:
 * @values: (nullable): values to offer beside a text entry (the lists and
 *   tags in use); %NULL or empty: none
 */
void
concord_rule_value_editor_set_suggestions (ConcordRuleValueEditor *self,
                                           const char * const     *values)
{
  g_return_if_fail (CONCORD_IS_RULE_VALUE_EDITOR (self));

  if ((values == NULL && self->suggestions == NULL) ||
      (values != NULL && self->suggestions != NULL &&
       g_strv_equal (values, (const char * const *) self->suggestions)))
    return;

  g_strfreev (self->suggestions);
  self->suggestions = g_strdupv ((char **) values);
  concord_rule_value_editor_fill_suggestions (self);
  concord_rule_value_editor_update_labels (self);
}

/**
 * concord_rule_hint_show:
 * @box: the hint's box, shown only with a @problem
 * @icon: its icon
 * @label: its text
 * @problem: (nullable): what is wrong or missing
 * @invalid: a value that is wrong (a warning), not one still missing
 */
void
concord_rule_hint_show (GtkWidget  *box,
                        GtkImage   *icon,
                        GtkLabel   *label,
                        const char *problem,
                        gboolean    invalid)
{
  gtk_label_set_label (label, problem != NULL ? problem : "");
  gtk_widget_set_visible (box, problem != NULL);
  gtk_image_set_from_icon_name (icon, invalid ? "dialog-warning-symbolic" : "dialog-information-symbolic");
  gtk_widget_add_css_class (box, invalid ? "warning" : "dim-label");
  gtk_widget_remove_css_class (box, invalid ? "dim-label" : "warning");
}
