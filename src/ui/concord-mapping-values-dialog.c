/* concord-mapping-values-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The value map of one pair of fields, where at least one is a pick list:
 * rows "value in A ⇄ value in B" chosen from both fields' allowed values
 * (typed in where a field has no list of values), and what a value without
 * a pairing becomes on each side.
 *
 * Edits apply at once, like GNOME's preferences: each is tried on a copy of
 * the mapping and stored only when concord_mapping_validate() takes it. A
 * two-way map that is not one-to-one is allowed but the engine warns about
 * it, and so does the dialog.
 *
 * When the pair has no value map yet and both fields list their values,
 * the dialog fills in suggested pairings: equal names ignoring case first,
 * then similar ones (ignoring spaces and punctuation, or one starting with
 * the other).
 */

#define G_LOG_DOMAIN "concord-mapping-values"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-arrow.h"
#include "concord-mapping-common.h"
#include "concord-mapping-values-dialog.h"
#include "concord-reflow-box.h"

struct _ConcordMappingValuesDialog
{
  AdwWindow            parent_instance;

  AdwWindowTitle      *window_title;
  GtkWidget           *warning_box;
  GtkLabel            *warning_label;
  AdwPreferencesGroup *pairs_group;
  GtkListBox          *pairs_list;
  AdwPreferencesGroup *defaults_group;

  GtkWidget           *defaults[2];
  GtkSizeGroup        *value_sizes;
  ConcordMapping      *mapping;
  guint                index;
  GQuark               key_a;
  ConcordFieldSpec    *spec[2];
  char                *name[2];
  guint                n_rows;
  gboolean             loading;
};

G_DEFINE_FINAL_TYPE (ConcordMappingValuesDialog, concord_mapping_values_dialog, ADW_TYPE_WINDOW)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void store (ConcordMappingValuesDialog *self);

static gboolean
has_choices (const ConcordFieldSpec *spec)
{
  return spec->choices != NULL && spec->choices[0] != NULL;
}

/* ------------------------------------------------------------------------- */
/* Value widgets: a drop-down of the allowed values, or an entry            */
/* ------------------------------------------------------------------------- */

static void
on_value_changed (ConcordMappingValuesDialog *self)
{
  store (self);
}

static GtkWidget *
value_widget (ConcordMappingValuesDialog *self,
              ConcordSide                 side,
              const char                 *value,
              const char                 *a11y)
{
  const ConcordFieldSpec *spec = self->spec[side];
  GtkWidget *widget;

  if (has_choices (spec))
    {
      g_autoptr(GtkStringList) model = gtk_string_list_new ((const char * const *) spec->choices);
      guint selected = 0;
      gboolean found = FALSE;

      for (guint i = 0; value != NULL && spec->choices[i] != NULL; i++)
        if (g_str_equal (spec->choices[i], value))
          {
            selected = i;
            found = TRUE;
          }
      /* A stored value the field no longer lists stays shown. */
      if (value != NULL && !found)
        {
          gtk_string_list_append (model, value);
          selected = g_strv_length (spec->choices);
        }

      widget = gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&model)), NULL);
      concord_drop_down_set_searchable (GTK_DROP_DOWN (widget));
      gtk_drop_down_set_selected (GTK_DROP_DOWN (widget), selected);
      g_signal_connect_swapped (widget, "notify::selected", G_CALLBACK (on_value_changed), self);
    }
  else
    {
      widget = gtk_entry_new ();
      gtk_editable_set_text (GTK_EDITABLE (widget), value != NULL ? value : "");
      gtk_entry_set_placeholder_text (GTK_ENTRY (widget), _("Value"));
      g_signal_connect_swapped (widget, "changed", G_CALLBACK (on_value_changed), self);
    }

  gtk_widget_set_hexpand (widget, TRUE);
  gtk_widget_set_valign (widget, GTK_ALIGN_CENTER);
  gtk_size_group_add_widget (self->value_sizes, widget);
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  return widget;
}

static const char *
value_of (GtkWidget *widget)
{
  if (GTK_IS_DROP_DOWN (widget))
    {
      GtkStringObject *item = gtk_drop_down_get_selected_item (GTK_DROP_DOWN (widget));

      return item != NULL ? gtk_string_object_get_string (item) : NULL;
    }

  return gtk_editable_get_text (GTK_EDITABLE (widget));
}

/* ------------------------------------------------------------------------- */
/* Rows                                                                      */
/* ------------------------------------------------------------------------- */

static void
on_remove_clicked (GtkWidget                  *button,
                   ConcordMappingValuesDialog *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (button, GTK_TYPE_LIST_BOX_ROW);

  if (row == NULL)
    return;

  gtk_list_box_remove (self->pairs_list, row);
  store (self);
  gtk_widget_grab_focus (GTK_WIDGET (gtk_widget_get_first_child (GTK_WIDGET (self->pairs_list))) != NULL
                         ? gtk_widget_get_first_child (GTK_WIDGET (self->pairs_list))
                         : GTK_WIDGET (self->pairs_group));
}

static GtkWidget *
add_row (ConcordMappingValuesDialog *self,
         const char                 *value_a,
         const char                 *value_b)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  /* The two values in a line, or one under the other when narrow. */
  GtkWidget *values = concord_reflow_box_new (12);
  GtkWidget *arrow = gtk_image_new_from_icon_name ("media-playlist-repeat-symbolic");
  GtkWidget *remove = gtk_button_new_from_icon_name ("list-remove-symbolic");
  GtkWidget *widgets[2];
  guint number = ++self->n_rows;

  for (guint s = 0; s < 2; s++)
    {
      /* Translators: the name a screen reader gives a drop-down; %s is the name of an account, %u
       * the number of the pairing */
      g_autofree char *a11y = g_strdup_printf (_("Value in %s, pairing %u"), self->name[s], number);

      widgets[s] = value_widget (self, s, s == 0 ? value_a : value_b, a11y);
    }

  {
    /* Translators: the name a screen reader gives a button; %u is the number of the pairing */
    g_autofree char *a11y = g_strdup_printf (_("Remove pairing %u"), number);

    gtk_widget_add_css_class (remove, "flat");
    gtk_widget_add_css_class (remove, "circular");
    gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
    gtk_widget_set_tooltip_text (remove, _("Remove this pairing"));
    gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
    g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_clicked), self);
  }
  gtk_widget_add_css_class (arrow, "dim-label");
  gtk_accessible_update_property (GTK_ACCESSIBLE (arrow), GTK_ACCESSIBLE_PROPERTY_LABEL, _("becomes, both ways"), -1);

  gtk_widget_set_hexpand (values, TRUE);
  gtk_widget_set_halign (arrow, GTK_ALIGN_START);
  concord_reflow_box_append (CONCORD_REFLOW_BOX (values), widgets[0]);
  concord_reflow_box_append (CONCORD_REFLOW_BOX (values), arrow);
  concord_reflow_box_append (CONCORD_REFLOW_BOX (values), widgets[1]);
  gtk_box_append (GTK_BOX (box), values);
  gtk_box_append (GTK_BOX (box), remove);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_focusable (row, FALSE);
  gtk_widget_add_css_class (row, "value-pair-row");
  g_object_set_data (G_OBJECT (row), "value-a", widgets[0]);
  g_object_set_data (G_OBJECT (row), "value-b", widgets[1]);

  gtk_list_box_append (self->pairs_list, row);
  return row;
}

/* A value of @side not in any pairing yet, or the first one. */
static const char *
first_unpaired (ConcordMappingValuesDialog *self,
                ConcordSide                 side)
{
  char **choices = self->spec[side]->choices;

  if (!has_choices (self->spec[side]))
    return NULL;

  for (guint i = 0; choices[i] != NULL; i++)
    {
      gboolean used = FALSE;

      for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->pairs_list)); row != NULL && !used;
           row = gtk_widget_get_next_sibling (row))
        {
          GtkWidget *widget = g_object_get_data (G_OBJECT (row), side == 0 ? "value-a" : "value-b");

          used = widget != NULL && g_strcmp0 (value_of (widget), choices[i]) == 0;
        }
      if (!used)
        return choices[i];
    }

  return choices[0];
}

static void
on_add_clicked (ConcordMappingValuesDialog *self)
{
  GtkWidget *row = add_row (self, first_unpaired (self, CONCORD_SIDE_A), first_unpaired (self, CONCORD_SIDE_B));

  store (self);
  gtk_widget_grab_focus (g_object_get_data (G_OBJECT (row), "value-a"));
}

/* ------------------------------------------------------------------------- */
/* Storing                                                                   */
/* ------------------------------------------------------------------------- */

static const char *
default_of (ConcordMappingValuesDialog *self,
            ConcordSide                 side)
{
  GtkWidget *widget = self->defaults[side];

  if (ADW_IS_COMBO_ROW (widget))
    {
      guint selected = adw_combo_row_get_selected (ADW_COMBO_ROW (widget));
      GtkStringObject *item = adw_combo_row_get_selected_item (ADW_COMBO_ROW (widget));

      /* The first entry keeps such values as they are. */
      return selected == 0 || item == NULL ? NULL : gtk_string_object_get_string (item);
    }
  else
    {
      const char *text = gtk_editable_get_text (GTK_EDITABLE (widget));

      return text != NULL && *text != '\0' ? text : NULL;
    }
}

static void
apply_values (ConcordMappingValuesDialog *self,
              ConcordMapping             *mapping)
{
  concord_mapping_clear_values (mapping, self->index);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->pairs_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      const char *a = value_of (g_object_get_data (G_OBJECT (row), "value-a"));
      const char *b = value_of (g_object_get_data (G_OBJECT (row), "value-b"));

      if (a != NULL && *a != '\0' && b != NULL && *b != '\0')
        concord_mapping_add_value (mapping, self->index, a, b);
    }

  for (guint s = 0; s < 2; s++)
    if (default_of (self, s) != NULL)
      concord_mapping_set_fallback (mapping, self->index, s, default_of (self, s));
}

/* The pair still is the one the dialog opened on. */
static gboolean
pair_still_there (ConcordMappingValuesDialog *self)
{
  return self->index < concord_mapping_get_n_pairs (self->mapping) &&
         concord_mapping_get_pair (self->mapping, self->index)->key_a == self->key_a;
}

static void
show_warnings (ConcordMappingValuesDialog *self,
               GPtrArray                  *warnings,
               const char                 *error)
{
  g_autofree char *prefix = g_strdup_printf ("mapping.pairs[%u].values: ", self->index);
  g_autoptr(GString) text = g_string_new (NULL);

  if (error != NULL)
    g_string_append (text, error);

  for (guint i = 0; warnings != NULL && i < warnings->len; i++)
    {
      const char *warning = g_ptr_array_index (warnings, i);
      g_autofree char *clash = NULL;
      const char *end;

      if (!g_str_has_prefix (warning, prefix))
        continue;
      clash = g_strdup (warning + strlen (prefix));
      end = strstr (clash, "; written back");
      if (end != NULL)
        clash[end - clash] = '\0';

      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append_printf (text,
                              /* Translators: both %s are the same value of a field */
                              _("This map is not one-to-one: two values become “%s”. Written back the "
                                "other way, “%s” becomes the first of them."), clash, clash);
    }

  gtk_label_set_label (self->warning_label, text->str);
  gtk_widget_set_visible (self->warning_box, text->len > 0);
  if (text->len > 0)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->warning_box),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text->str, -1);
}

static void
store (ConcordMappingValuesDialog *self)
{
  g_autoptr(ConcordMapping) copy = NULL;
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  if (self->loading || self->mapping == NULL)
    return;

  if (!pair_still_there (self))
    {
      show_warnings (self, NULL, _("This pair is no longer mapped; close this window."));
      return;
    }

  copy = concord_mapping_copy (self->mapping);
  apply_values (self, copy);
  if (!concord_mapping_validate (copy, "mapping", warnings, &error))
    {
      /* Translators: %s says why (a validation message) */
      g_autofree char *message = g_strdup_printf (_("Concord cannot store this value map: %s"), error->message);

      show_warnings (self, NULL, message);
      return;
    }

  apply_values (self, self->mapping);
  show_warnings (self, warnings, NULL);
  g_signal_emit (self, signals[CHANGED], 0);
}

/* ------------------------------------------------------------------------- */
/* Suggestions                                                               */
/* ------------------------------------------------------------------------- */

static char *
simplify (const char *value)
{
  g_autofree char *folded = g_utf8_casefold (value, -1);
  GString *out = g_string_new (NULL);

  for (const char *p = folded; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isalnum (c))
        g_string_append_unichar (out, c);
    }

  return g_string_free (out, FALSE);
}

static gboolean
similar (const char *a,
         const char *b)
{
  g_autofree char *sa = simplify (a);
  g_autofree char *sb = simplify (b);
  gsize la = strlen (sa), lb = strlen (sb);

  if (la == 0 || lb == 0)
    return FALSE;
  if (g_str_equal (sa, sb))
    return TRUE;
  /* "Pro" and "Professional", "Active" and "Active contact" */
  return MIN (la, lb) >= 3 && (g_str_has_prefix (sa, sb) || g_str_has_prefix (sb, sa));
}

static guint
suggest (ConcordMappingValuesDialog *self)
{
  char **choices_a = self->spec[0]->choices;
  char **choices_b = self->spec[1]->choices;
  guint n_b = g_strv_length (choices_b);
  g_autofree gboolean *taken = g_new0 (gboolean, n_b + 1);
  g_autofree int *match = NULL;
  guint n_a = g_strv_length (choices_a);
  guint n = 0;

  match = g_new (int, n_a + 1);
  for (guint i = 0; i < n_a; i++)
    match[i] = -1;

  /* Equal names first, so that a similar one never takes their place. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n_a; i++)
      for (guint j = 0; match[i] < 0 && j < n_b; j++)
        {
          gboolean ok;

          if (taken[j])
            continue;
          if (pass == 0)
            {
              g_autofree char *fa = g_utf8_casefold (choices_a[i], -1);
              g_autofree char *fb = g_utf8_casefold (choices_b[j], -1);

              ok = g_str_equal (fa, fb);
            }
          else
            ok = similar (choices_a[i], choices_b[j]);

          if (ok)
            {
              match[i] = j;
              taken[j] = TRUE;
            }
        }

  for (guint i = 0; i < n_a; i++)
    if (match[i] >= 0)
      {
        add_row (self, choices_a[i], choices_b[match[i]]);
        n++;
      }

  return n;
}

/* ------------------------------------------------------------------------- */
/* Building                                                                  */
/* ------------------------------------------------------------------------- */

static void
on_default_changed (ConcordMappingValuesDialog *self)
{
  store (self);
}

static GtkWidget *
default_widget (ConcordMappingValuesDialog *self,
                ConcordSide                 side,
                const char                 *value)
{
  const ConcordFieldSpec *spec = self->spec[side];
  ConcordSide other = CONCORD_SIDE_OTHER (side);
  /* Translators: %s is the name of an account */
  g_autofree char *title = g_strdup_printf (_("Other values written to %s"), self->name[side]);
  /* Translators: each %s is a field ("Phone") */
  g_autofree char *subtitle = g_strdup_printf (_("A value of “%s” without a pairing, written to “%s”"),
                                               concord_mapping_field_label (self->spec[other]),
                                               concord_mapping_field_label (spec));
  GtkWidget *row;

  if (has_choices (spec))
    {
      g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);
      guint selected = 0;

      gtk_string_list_append (model, _("Stay as they are"));
      for (guint i = 0; spec->choices[i] != NULL; i++)
        {
          gtk_string_list_append (model, spec->choices[i]);
          if (g_strcmp0 (value, spec->choices[i]) == 0)
            selected = i + 1;
        }
      if (value != NULL && selected == 0)
        {
          gtk_string_list_append (model, value);
          selected = g_strv_length (spec->choices) + 1;
        }

      row = adw_combo_row_new ();
      adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
      adw_combo_row_set_selected (ADW_COMBO_ROW (row), selected);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      g_signal_connect_swapped (row, "notify::selected", G_CALLBACK (on_default_changed), self);
    }
  else
    {
      row = adw_entry_row_new ();
      gtk_editable_set_text (GTK_EDITABLE (row), value != NULL ? value : "");
      g_signal_connect_swapped (row, "changed", G_CALLBACK (on_default_changed), self);
    }

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  return row;
}

static void
concord_mapping_values_dialog_finalize (GObject *object)
{
  ConcordMappingValuesDialog *self = CONCORD_MAPPING_VALUES_DIALOG (object);

  g_clear_pointer (&self->mapping, concord_mapping_unref);
  g_clear_object (&self->value_sizes);
  g_clear_pointer (&self->spec[0], concord_field_spec_free);
  g_clear_pointer (&self->spec[1], concord_field_spec_free);
  g_free (self->name[0]);
  g_free (self->name[1]);

  G_OBJECT_CLASS (concord_mapping_values_dialog_parent_class)->finalize (object);
}

static void
concord_mapping_values_dialog_class_init (ConcordMappingValuesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = concord_mapping_values_dialog_finalize;

  /**
   * ConcordMappingValuesDialog::changed:
   *
   * After the pair's value map was stored.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/concordsync/Concord/ui/concord-mapping-values-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingValuesDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingValuesDialog, warning_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingValuesDialog, warning_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingValuesDialog, pairs_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingValuesDialog, pairs_list);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingValuesDialog, defaults_group);
  gtk_widget_class_bind_template_callback (widget_class, on_add_clicked);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
concord_mapping_values_dialog_init (ConcordMappingValuesDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->value_sizes = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);
}

/**
 * concord_mapping_values_dialog_new:
 * @mapping: the mapping, edited in place (the dialog holds a reference)
 * @index: the pair whose value map is edited
 * @spec_a: the field of side A, for its allowed values
 * @spec_b: the field of side B
 * @name_a: what side A is called
 * @name_b: what side B is called
 *
 * Returns: (transfer floating): the dialog; it emits "changed" after each
 *   stored edit
 */
GtkWidget *
concord_mapping_values_dialog_new (ConcordMapping         *mapping,
                                   guint                   index,
                                   const ConcordFieldSpec *spec_a,
                                   const ConcordFieldSpec *spec_b,
                                   const char             *name_a,
                                   const char             *name_b)
{
  ConcordMappingValuesDialog *self;
  const ConcordMappingPair *pair;
  g_autofree char *title = NULL;
  g_autofree char *description = NULL;
  guint n;

  g_return_val_if_fail (mapping != NULL, NULL);
  g_return_val_if_fail (index < concord_mapping_get_n_pairs (mapping), NULL);
  g_return_val_if_fail (spec_a != NULL && spec_b != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_MAPPING_VALUES_DIALOG, NULL);
  self->mapping = concord_mapping_ref (mapping);
  self->index = index;
  self->spec[0] = concord_field_spec_copy (spec_a);
  self->spec[1] = concord_field_spec_copy (spec_b);
  self->name[0] = g_strdup (name_a != NULL ? name_a : "A");
  self->name[1] = g_strdup (name_b != NULL ? name_b : "B");
  pair = concord_mapping_get_pair (mapping, index);
  self->key_a = pair->key_a;

  title = concord_arrow_join (GTK_WIDGET (self),
                              concord_mapping_field_label (spec_a),
                              CONCORD_ARROW_BOTH,
                              concord_mapping_field_label (spec_b));
  adw_window_title_set_subtitle (self->window_title, title);
  gtk_window_set_title (GTK_WINDOW (self), title);
  /* Translators: the first and third %s are fields ("Status"), the second and fourth the names of
   * their accounts */
  description = g_strdup_printf (_("Which value of “%s” in %s becomes which value of “%s” in %s"),
                                 concord_mapping_field_label (spec_a), self->name[0],
                                 concord_mapping_field_label (spec_b), self->name[1]);
  adw_preferences_group_set_description (self->pairs_group, description);

  self->loading = TRUE;
  n = concord_mapping_pair_get_n_values (pair);
  for (guint i = 0; i < n; i++)
    {
      const char *a, *b;

      concord_mapping_pair_get_value (pair, i, &a, &b);
      add_row (self, a, b);
    }
  for (guint s = 0; s < 2; s++)
    {
      self->defaults[s] = default_widget (self, s, concord_mapping_pair_get_fallback (pair, s));
      adw_preferences_group_add (self->defaults_group, self->defaults[s]);
    }
  self->loading = FALSE;

  if (n == 0 && concord_mapping_pair_get_fallback (pair, 0) == NULL &&
      concord_mapping_pair_get_fallback (pair, 1) == NULL &&
      has_choices (spec_a) && has_choices (spec_b) && suggest (self) > 0)
    store (self);
  else
    {
      g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);

      concord_mapping_validate (mapping, "mapping", warnings, NULL);
      show_warnings (self, warnings, NULL);
    }

  return GTK_WIDGET (self);
}
