/* concord-mapping-editor.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The field mapping of one connection: the mapped pairs first (the ones the
 * automatic mapping would make on top), each with its direction, format and
 * value map, then the fields of each side left unmapped.
 *
 * A field is mapped by dragging it onto a field (or a pair) of the other
 * side, or with its “Map to…” button, which lists the fields of the other
 * side with the ones that cannot be mapped explained. Every edit is tried
 * on a copy first and only stored when concord_mapping_validate() takes it,
 * so setup->config->mapping is always what the engine accepts; what is
 * refused is explained above the pairs.
 *
 * This file holds the editor and how it builds its rows; its edits are in
 * concord-mapping-editor-edits.c, its drag and drop in
 * concord-mapping-editor-dnd.c, its “Map to…” popover in
 * concord-mapping-editor-map-to.c, and its rows are classes of their own
 * (concord-mapping-pair-row.c, concord-mapping-field-row.c,
 * concord-mapping-candidate-row.c).
 */

#define G_LOG_DOMAIN "concord-mapping-editor"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-arrow.h"
#include "concord-mapping-common.h"
#include "concord-mapping-editor-private.h"
#include "concord-mapping-field-row.h"
#include "concord-mapping-pair-row.h"
#include "concord-mapping-values-dialog.h"
#include "concord-reflow-box.h"

G_DEFINE_FINAL_TYPE (ConcordMappingEditor, concord_mapping_editor, ADW_TYPE_BIN)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void rebuild          (ConcordMappingEditor *self,
                              const char           *focus_id);

/* ------------------------------------------------------------------------- */
/* Fields                                                                    */
/* ------------------------------------------------------------------------- */

ConcordMapping *
concord_mapping_editor_get_mapping (ConcordMappingEditor *self)
{
  return self->setup != NULL && self->setup->config != NULL ? self->setup->config->mapping : NULL;
}

const ConcordFieldSpec *
concord_mapping_editor_lookup_spec (ConcordMappingEditor *self,
                                    ConcordSide           side,
                                    const char           *key)
{
  GPtrArray *fields = self->setup != NULL ? self->setup->fields[side] : NULL;

  for (guint i = 0; fields != NULL && i < fields->len; i++)
    {
      const ConcordFieldSpec *spec = g_ptr_array_index (fields, i);

      if (g_strcmp0 (spec->key, key) == 0)
        return spec;
    }

  return NULL;
}

const char *
concord_mapping_editor_field_label (ConcordMappingEditor *self,
                                    ConcordSide           side,
                                    const char           *key)
{
  const ConcordFieldSpec *spec = concord_mapping_editor_lookup_spec (self, side, key);

  return spec != NULL && spec->label != NULL ? concord_mapping_field_label (spec) : key;
}

const char *
concord_mapping_pair_key (const ConcordMappingPair *pair,
                          ConcordSide               side)
{
  return g_quark_to_string (side == CONCORD_SIDE_A ? pair->key_a : pair->key_b);
}

char *
concord_mapping_editor_pair_title (ConcordMappingEditor     *self,
                                   const ConcordMappingPair *pair)
{
  const char *key_a = concord_mapping_pair_key (pair, CONCORD_SIDE_A);
  const char *key_b = concord_mapping_pair_key (pair, CONCORD_SIDE_B);

  return concord_arrow_join (GTK_WIDGET (self),
                             concord_mapping_editor_field_label (self, CONCORD_SIDE_A, key_a),
                             CONCORD_ARROW_BOTH,
                             concord_mapping_editor_field_label (self, CONCORD_SIDE_B, key_b));
}

/* Whether values may flow from @from_spec to @to_spec; if not, why. */
static gboolean
can_flow (const ConcordFieldSpec  *from_spec,
          const ConcordFieldSpec  *to_spec,
          char                   **reason)
{
  if (to_spec->read_only)
    {
      if (reason != NULL)
        /* Translators: %s is a field ("Phone") */
        *reason = g_strdup_printf (_("“%s” is read-only"), concord_mapping_field_label (to_spec));
      return FALSE;
    }
  if (!concord_field_types_convertible (from_spec->type, to_spec->type))
    {
      if (reason != NULL)
        {
          /* Translators: the first %s is a kind of value ("a date"), the second a field ("Phone") */
          g_autofree char *sentence = g_strdup_printf (_("%s cannot be written to %s"),
                                                       concord_mapping_type_noun (from_spec->type),
                                                       concord_mapping_type_noun (to_spec->type));

          /* "a date cannot…" → "A date cannot…" */
          *reason = g_strdup_printf ("%C%s", g_unichar_toupper (g_utf8_get_char (sentence)),
                                     g_utf8_next_char (sentence));
        }
      return FALSE;
    }

  return TRUE;
}

/* The flow a new pair starts with: both ways where it can, else the one
 * way that works; FALSE (with why) when neither does. */
gboolean
concord_mapping_initial_flow (const ConcordFieldSpec  *spec_a,
                              const ConcordFieldSpec  *spec_b,
                              ConcordPairFlow         *flow,
                              char                   **reason)
{
  g_autofree char *why_ab = NULL, *why_ba = NULL;
  gboolean ab = can_flow (spec_a, spec_b, &why_ab);
  gboolean ba = can_flow (spec_b, spec_a, &why_ba);

  if (ab && ba)
    *flow = CONCORD_PAIR_FLOW_BOTH;
  else if (ab)
    *flow = CONCORD_PAIR_FLOW_A_TO_B;
  else if (ba)
    *flow = CONCORD_PAIR_FLOW_B_TO_A;
  else
    {
      if (reason != NULL)
        {
          if (spec_a->read_only && spec_b->read_only)
            /* Translators: each %s is a field ("Phone") */
            *reason = g_strdup_printf (_("“%s” and “%s” are both read-only"),
                                       concord_mapping_field_label (spec_a),
                                       concord_mapping_field_label (spec_b));
          else
            *reason = g_strdup (why_ab);
        }
      return FALSE;
    }

  return TRUE;
}

gboolean
concord_mapping_editor_flow_allowed (ConcordMappingEditor     *self,
                                     const ConcordMappingPair *pair,
                                     ConcordPairFlow           flow,
                                     char                    **reason)
{
  const char *key_a = concord_mapping_pair_key (pair, CONCORD_SIDE_A);
  const char *key_b = concord_mapping_pair_key (pair, CONCORD_SIDE_B);
  const ConcordFieldSpec *spec_a = concord_mapping_editor_lookup_spec (self, CONCORD_SIDE_A, key_a);
  const ConcordFieldSpec *spec_b = concord_mapping_editor_lookup_spec (self, CONCORD_SIDE_B, key_b);

  /* A field the schema no longer has: the engine's own check decides. */
  if (spec_a == NULL || spec_b == NULL)
    return TRUE;
  if ((flow == CONCORD_PAIR_FLOW_BOTH || flow == CONCORD_PAIR_FLOW_A_TO_B) &&
      !can_flow (spec_a, spec_b, reason))
    return FALSE;
  if ((flow == CONCORD_PAIR_FLOW_BOTH || flow == CONCORD_PAIR_FLOW_B_TO_A) &&
      !can_flow (spec_b, spec_a, reason))
    return FALSE;

  return TRUE;
}

static GtkWidget *
placeholder_row (const char *text)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), text);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_focusable (row, FALSE);
  gtk_widget_add_css_class (row, "dim-label");
  return row;
}

/* ------------------------------------------------------------------------- */
/* Building                                                                  */
/* ------------------------------------------------------------------------- */

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

/**
 * concord_mapping_editor_find_control:
 * @focus_id: what names a control of a row: "direction:<key a>",
 *   "format:<key a>" or "values:<key a>" of a pair, "map:<side>:<key>" of
 *   an unmapped field
 *
 * Returns: (transfer none) (nullable): the control, if a row has it
 */
GtkWidget *
concord_mapping_editor_find_control (ConcordMappingEditor *self,
                                     const char           *focus_id)
{
  GtkListBox *lists[] = { self->pairs_list, self->fields_a, self->fields_b };

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (lists[i])); row != NULL;
         row = gtk_widget_get_next_sibling (row))
      {
        GtkWidget *found = NULL;

        if (CONCORD_IS_MAPPING_PAIR_ROW (row))
          found = concord_mapping_pair_row_get_control (CONCORD_MAPPING_PAIR_ROW (row), focus_id);
        else if (CONCORD_IS_MAPPING_FIELD_ROW (row))
          found = concord_mapping_field_row_get_control (CONCORD_MAPPING_FIELD_ROW (row), focus_id);
        if (found != NULL)
          return found;
      }

  return NULL;
}

static gboolean
is_automatic_pair (ConcordMappingEditor     *self,
                   const ConcordMappingPair *pair)
{
  gint index;

  if (self->automatic == NULL)
    return FALSE;
  index = concord_mapping_find (self->automatic, CONCORD_SIDE_A, concord_mapping_pair_key (pair, CONCORD_SIDE_A));
  return index >= 0 && concord_mapping_get_pair (self->automatic, index)->key_b == pair->key_b;
}

static void
rebuild (ConcordMappingEditor *self,
         const char           *focus_id)
{
  ConcordMapping *mapping = concord_mapping_editor_get_mapping (self);
  GtkWidget *focus = NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  gboolean had_focus = FALSE;
  guint n_pairs;

  if (root != NULL)
    {
      GtkWidget *current = gtk_root_get_focus (root);

      had_focus = current != NULL && gtk_widget_is_ancestor (current, GTK_WIDGET (self));
    }

  clear_list (self->pairs_list);
  clear_list (self->fields_a);
  clear_list (self->fields_b);

  gtk_widget_set_sensitive (GTK_WIDGET (self->reset_button), mapping != NULL && !self->setup->automatic);
  if (mapping == NULL)
    {
      gtk_label_set_label (self->mode_label, _("No connection"));
      adw_preferences_group_set_title (self->group_a, "");
      adw_preferences_group_set_title (self->group_b, "");
      return;
    }

  n_pairs = concord_mapping_get_n_pairs (mapping);
  gtk_label_set_label (self->mode_label,
                       self->setup->automatic ? _("Automatic mapping: fields with matching names")
                                              : _("Custom mapping"));
  {
    g_autofree char *description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                                 /* Translators: %u is a number of pairs,
                                                                  * each %s the name of an account */
                                                                 "%u pair of fields between %s and %s",
                                                                 "%u pairs of fields between %s and %s",
                                                                 n_pairs),
                                                    n_pairs, self->name[0], self->name[1]);

    adw_preferences_group_set_description (self->pairs_group, description);
  }

  /* The automatic pairs on top, the others after them, each in order. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n_pairs; i++)
      {
        const ConcordMappingPair *pair = concord_mapping_get_pair (mapping, i);
        gboolean automatic = is_automatic_pair (self, pair);

        if (automatic == (pass == 0))
          gtk_list_box_append (self->pairs_list, concord_mapping_editor_pair_row (self, pair, i, automatic));
      }
  if (n_pairs == 0)
    gtk_list_box_append (self->pairs_list,
                         placeholder_row (_("No fields are mapped: drag a field onto a field of the other app")));

  for (guint s = 0; s < 2; s++)
    {
      GtkListBox *list = s == 0 ? self->fields_a : self->fields_b;
      AdwPreferencesGroup *group = s == 0 ? self->group_a : self->group_b;
      GPtrArray *fields = self->setup->fields[s];
      /* Translators: the title of a list of fields; %s is the name of an account */
      g_autofree char *title = g_strdup_printf (_("Unmapped in %s"), self->name[s]);
      guint n = 0;

      adw_preferences_group_set_title (group, title);
      gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
      for (guint i = 0; fields != NULL && i < fields->len; i++)
        {
          const ConcordFieldSpec *spec = g_ptr_array_index (fields, i);

          if (concord_mapping_find (mapping, s, spec->key) >= 0)
            continue;
          gtk_list_box_append (list, concord_mapping_field_row_new (self, s, spec));
          n++;
        }
      if (n == 0)
        gtk_list_box_append (list, placeholder_row (_("Every field is mapped")));
    }

  if (focus_id != NULL)
    {
      focus = concord_mapping_editor_find_control (self, focus_id);
      if (focus == NULL)
        focus = gtk_widget_get_first_child (GTK_WIDGET (self->pairs_list));
    }
  if (had_focus && focus != NULL)
    gtk_widget_grab_focus (focus);
  else if (had_focus)
    gtk_widget_grab_focus (GTK_WIDGET (self->reset_button));
}

static gboolean
rebuild_cb (gpointer data)
{
  ConcordMappingEditor *self = data;
  g_autofree char *focus_id = g_steal_pointer (&self->rebuild_focus);

  self->rebuild_source = 0;
  rebuild (self, focus_id);
  return G_SOURCE_REMOVE;
}

/* Edits come from signals of the rows' own controls (a drop target, a
 * drop-down, a button): the rows are replaced once those have returned. */
void
concord_mapping_editor_schedule_rebuild (ConcordMappingEditor *self,
                                         const char           *focus_id)
{
  if (focus_id != NULL || self->rebuild_source == 0)
    {
      g_free (self->rebuild_focus);
      self->rebuild_focus = g_strdup (focus_id);
    }
  if (self->rebuild_source == 0)
    /* Before the next frame is laid out, so that it never shows stale rows. */
    self->rebuild_source = g_idle_add_full (G_PRIORITY_DEFAULT, rebuild_cb, self, NULL);
}

static void
cancel_rebuild (ConcordMappingEditor *self)
{
  g_clear_handle_id (&self->rebuild_source, g_source_remove);
  g_clear_pointer (&self->rebuild_focus, g_free);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

/* After every edit (concord-mapping-editor-edits.c). */
void
concord_mapping_editor_emit_changed (ConcordMappingEditor *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
concord_mapping_editor_dispose (GObject *object)
{
  ConcordMappingEditor *self = CONCORD_MAPPING_EDITOR (object);

  if (self->values_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->values_dialog));
  cancel_rebuild (self);
  g_clear_handle_id (&self->notice_timeout, g_source_remove);
  self->setup = NULL;

  G_OBJECT_CLASS (concord_mapping_editor_parent_class)->dispose (object);
}

static void
concord_mapping_editor_finalize (GObject *object)
{
  ConcordMappingEditor *self = CONCORD_MAPPING_EDITOR (object);

  g_free (self->name[0]);
  g_free (self->name[1]);
  g_free (self->drag_key);
  g_clear_object (&self->drag_row);
  g_clear_object (&self->field_sizes);
  g_clear_object (&self->extra_sizes);
  g_clear_pointer (&self->automatic, concord_mapping_unref);
  g_clear_pointer (&self->undo, concord_mapping_unref);

  G_OBJECT_CLASS (concord_mapping_editor_parent_class)->finalize (object);
}

static void
concord_mapping_editor_class_init (ConcordMappingEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  g_type_ensure (CONCORD_TYPE_REFLOW_BOX);
  object_class->dispose = concord_mapping_editor_dispose;
  object_class->finalize = concord_mapping_editor_finalize;

  /**
   * ConcordMappingEditor::changed:
   *
   * After every edit that changed the setup's config.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/concordsync/Concord/ui/concord-mapping-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, toasts);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, notice_revealer);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, notice_label);
  gtk_widget_class_bind_template_callback_full (widget_class, "hide_notice",
                                                G_CALLBACK (concord_mapping_editor_hide_notice));
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, mode_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, reset_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, problem_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, pairs_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, pairs_list);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, group_a);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, group_b);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, fields_a);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, fields_b);
  gtk_widget_class_bind_template_callback_full (widget_class, "on_reset_clicked",
                                                G_CALLBACK (concord_mapping_editor_on_reset_clicked));

  gtk_widget_class_install_action (widget_class, "mapping-editor.undo", "u", concord_mapping_editor_undo_activated);
}

static void
concord_mapping_editor_init (ConcordMappingEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->field_sizes = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);
  self->extra_sizes = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);
  self->name[0] = g_strdup ("A");
  self->name[1] = g_strdup ("B");
  rebuild (self, NULL);
}

GtkWidget *
concord_mapping_editor_new (void)
{
  return g_object_new (CONCORD_TYPE_MAPPING_EDITOR, NULL);
}

/**
 * concord_mapping_editor_set_setup:
 * @setup: (nullable) (transfer none): what to edit; its config's mapping is
 *   edited in place. %NULL clears the editor.
 * @name_a: (nullable): what side A is called
 * @name_b: (nullable): what side B is called
 */
void
concord_mapping_editor_set_setup (ConcordMappingEditor   *self,
                                  ConcordConnectionSetup *setup,
                                  const char             *name_a,
                                  const char             *name_b)
{
  g_return_if_fail (CONCORD_IS_MAPPING_EDITOR (self));

  if (self->values_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->values_dialog));
  g_clear_pointer (&self->automatic, concord_mapping_unref);
  g_clear_pointer (&self->undo, concord_mapping_unref);
  g_clear_pointer (&self->drag_key, g_free);

  self->setup = setup;
  g_free (self->name[0]);
  g_free (self->name[1]);
  self->name[0] = g_strdup (name_a != NULL ? name_a : "A");
  self->name[1] = g_strdup (name_b != NULL ? name_b : "B");

  if (setup != NULL && setup->config != NULL && setup->config->mapping == NULL &&
      setup->fields[0] != NULL && setup->fields[1] != NULL)
    {
      /* Never NULL from the engine; spelled out if a caller left it so. */
      setup->config->mapping = concord_mapping_new_auto (setup->fields[0], setup->fields[1], NULL);
      setup->automatic = TRUE;
    }
  if (setup != NULL && setup->fields[0] != NULL && setup->fields[1] != NULL)
    self->automatic = concord_mapping_new_auto (setup->fields[0], setup->fields[1], NULL);

  concord_mapping_editor_show_problem (self, NULL);
  cancel_rebuild (self);
  rebuild (self, NULL);
}
