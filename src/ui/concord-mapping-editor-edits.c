/* concord-mapping-editor-edits.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The mapping editor's edits: each is tried on a copy of the mapping and
 * only stored when concord_mapping_validate() takes it; what is refused
 * is explained above the pairs and in a notice at the bottom. An edit can
 * be undone from its toast. Also what the pair rows ask for: a direction,
 * a format, the value map, unmapping.
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

/* ------------------------------------------------------------------------- */
/* Edits                                                                     */
/* ------------------------------------------------------------------------- */

/* Toasts queue in AdwToastOverlay; an Undo of one whose edit is no
 * longer the last does nothing (its serial is stale). Toasts are never
 * dismissed from here: libadwaita 1.2 can crash dismissing a toast that is
 * still animating. */
static void
show_toast (ConcordMappingEditor *self,
            const char           *message,
            gboolean              undo)
{
  AdwToast *toast = adw_toast_new (message);

  if (undo)
    {
      adw_toast_set_button_label (toast, _("_Undo"));
      adw_toast_set_action_name (toast, "mapping-editor.undo");
      adw_toast_set_action_target_value (toast, g_variant_new_uint32 (self->undo_serial));
    }
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (self->toasts, toast);
}

void
concord_mapping_editor_hide_notice (ConcordMappingEditor *self)
{
  g_clear_handle_id (&self->notice_timeout, g_source_remove);
  gtk_revealer_set_reveal_child (self->notice_revealer, FALSE);
}

static gboolean
notice_timeout_cb (gpointer data)
{
  ConcordMappingEditor *self = data;

  self->notice_timeout = 0;
  gtk_revealer_set_reveal_child (self->notice_revealer, FALSE);
  return G_SOURCE_REMOVE;
}

/* Why an edit was refused, at the bottom where drops happen; replaced by
 * the next one, gone after a while (the same text stays above the pairs). */
static void
show_notice (ConcordMappingEditor *self,
             const char           *message)
{
  gtk_label_set_label (self->notice_label, message);
  gtk_revealer_set_reveal_child (self->notice_revealer, TRUE);
  g_clear_handle_id (&self->notice_timeout, g_source_remove);
  self->notice_timeout = g_timeout_add_seconds (6, notice_timeout_cb, self);
}

void
concord_mapping_editor_show_problem (ConcordMappingEditor *self,
                                     const char           *message)
{
  gtk_label_set_label (self->problem_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->problem_label), message != NULL);
  if (message == NULL)
    concord_mapping_editor_hide_notice (self);
  else
    {
      show_notice (self, message);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->problem_label),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message, -1);
    }
}

typedef void (*EditFunc) (ConcordMapping *mapping,
                          gpointer        data);

/* Runs @func on a copy, validates the copy with the engine's rules, and
 * only then on the stored mapping. */
static gboolean
apply_edit (ConcordMappingEditor *self,
            EditFunc              func,
            gpointer              data,
            const char           *toast_message,
            const char           *focus_id)
{
  ConcordMapping *mapping = concord_mapping_editor_get_mapping (self);
  g_autoptr(ConcordMapping) copy = NULL;
  g_autoptr(GError) error = NULL;

  if (mapping == NULL)
    return FALSE;

  copy = concord_mapping_copy (mapping);
  func (copy, data);
  if (!concord_mapping_validate (copy, "mapping", NULL, &error))
    {
      /* Translators: %s says why (a validation message) */
      g_autofree char *message = g_strdup_printf (_("Concord cannot store this mapping: %s"), error->message);

      concord_mapping_editor_show_problem (self, message);
      return FALSE;
    }

  g_clear_pointer (&self->undo, concord_mapping_unref);
  self->undo = concord_mapping_copy (mapping);
  self->undo_serial++;
  func (mapping, data);
  self->setup->automatic = FALSE;

  concord_mapping_editor_show_problem (self, NULL);
  concord_mapping_editor_schedule_rebuild (self, focus_id);

  if (toast_message != NULL)
    show_toast (self, toast_message, TRUE);

  concord_mapping_editor_emit_changed (self);
  return TRUE;
}

typedef struct
{
  const char       *key_a;
  const char       *key_b;
  ConcordFieldType  type_a;
  ConcordFieldType  type_b;
  ConcordPairFlow   flow;
} MapEdit;

static void
do_map (ConcordMapping *mapping,
        gpointer        data)
{
  MapEdit *edit = data;
  GQuark qa = g_quark_from_string (edit->key_a);
  GQuark qb = g_quark_from_string (edit->key_b);

  for (guint i = concord_mapping_get_n_pairs (mapping); i-- > 0;)
    {
      const ConcordMappingPair *pair = concord_mapping_get_pair (mapping, i);

      if (pair->key_a == qa || pair->key_b == qb)
        concord_mapping_remove (mapping, i);
    }

  concord_mapping_add (mapping, edit->key_a, edit->type_a, edit->key_b, edit->type_b, edit->flow);
}

/* Maps field @key_a of side A to @key_b of side B, replacing the pairs
 * either was in. Explains and returns FALSE when they cannot be mapped. */
gboolean
concord_mapping_editor_map_fields (ConcordMappingEditor *self,
                                   const char           *key_a,
                                   const char           *key_b)
{
  ConcordMapping *mapping = concord_mapping_editor_get_mapping (self);
  const ConcordFieldSpec *spec_a = concord_mapping_editor_lookup_spec (self, CONCORD_SIDE_A, key_a);
  const ConcordFieldSpec *spec_b = concord_mapping_editor_lookup_spec (self, CONCORD_SIDE_B, key_b);
  g_autofree char *reason = NULL;
  g_autofree char *replaced = NULL;
  g_autofree char *focus_id = NULL;
  MapEdit edit;
  gint ia, ib;

  if (mapping == NULL || spec_a == NULL || spec_b == NULL)
    return FALSE;

  if (!concord_mapping_initial_flow (spec_a, spec_b, &edit.flow, &reason))
    {
      /* Translators: the first two %s are fields ("Phone"), the third says why */
      g_autofree char *message = g_strdup_printf (_("“%s” cannot be mapped to “%s”: %s."),
                                                  concord_mapping_field_label (spec_a),
                                                  concord_mapping_field_label (spec_b),
                                                  reason);

      concord_mapping_editor_show_problem (self, message);
      return FALSE;
    }

  ia = concord_mapping_find (mapping, CONCORD_SIDE_A, key_a);
  ib = concord_mapping_find (mapping, CONCORD_SIDE_B, key_b);
  if (ia >= 0 && ia == ib)
    return FALSE;   /* already this pair */

  /* Say what was given up, with a way back. */
  if (ia >= 0 || ib >= 0)
    {
      const ConcordMappingPair *old = concord_mapping_get_pair (mapping, ia >= 0 ? ia : ib);
      g_autofree char *title = concord_mapping_editor_pair_title (self, old);

      /* Translators: each %s is a field; the last %s names the pair that was replaced ("Phone ⇄ Mobile") */
      replaced = g_strdup_printf (_("Mapped %s ⇄ %s, replacing %s"),
                                  concord_mapping_field_label (spec_a),
                                  concord_mapping_field_label (spec_b),
                                  title);
    }

  edit.key_a = spec_a->key;
  edit.key_b = spec_b->key;
  edit.type_a = spec_a->type;
  edit.type_b = spec_b->type;
  focus_id = g_strdup_printf ("direction:%s", spec_a->key);

  return apply_edit (self, do_map, &edit, replaced, focus_id);
}

typedef struct
{
  guint           index;
  ConcordPairFlow flow;
  const char     *format;
} PairEdit;

static void
do_remove (ConcordMapping *mapping,
           gpointer        data)
{
  concord_mapping_remove (mapping, ((PairEdit *) data)->index);
}

static void
do_flow (ConcordMapping *mapping,
         gpointer        data)
{
  PairEdit *edit = data;

  concord_mapping_set_flow (mapping, edit->index, edit->flow);
}

static void
do_format (ConcordMapping *mapping,
           gpointer        data)
{
  PairEdit *edit = data;

  concord_mapping_set_format (mapping, edit->index, edit->format);
}

void
concord_mapping_editor_undo_activated (GtkWidget  *widget,
                                       const char *action_name,
                                       GVariant   *parameter)
{
  ConcordMappingEditor *self = CONCORD_MAPPING_EDITOR (widget);

  if (self->undo == NULL || concord_mapping_editor_get_mapping (self) == NULL)
    return;
  if (parameter != NULL && g_variant_get_uint32 (parameter) != self->undo_serial)
    return;   /* a later edit came in between */

  /* The mapping object is replaced: a value-map dialog would edit the old one. */
  if (self->values_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->values_dialog));

  concord_mapping_unref (self->setup->config->mapping);
  self->setup->config->mapping = g_steal_pointer (&self->undo);
  self->setup->automatic = FALSE;
  concord_mapping_editor_show_problem (self, NULL);
  concord_mapping_editor_schedule_rebuild (self, NULL);
  concord_mapping_editor_emit_changed (self);
}

void
concord_mapping_editor_on_reset_clicked (ConcordMappingEditor *self)
{
  if (concord_mapping_editor_get_mapping (self) == NULL || self->automatic == NULL)
    return;
  if (self->values_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->values_dialog));

  g_clear_pointer (&self->undo, concord_mapping_unref);
  self->undo = g_steal_pointer (&self->setup->config->mapping);
  self->undo_serial++;
  self->setup->config->mapping = concord_mapping_copy (self->automatic);
  self->setup->automatic = TRUE;
  concord_mapping_editor_show_problem (self, NULL);
  concord_mapping_editor_schedule_rebuild (self, NULL);
  show_toast (self, _("The mapping is automatic again"), TRUE);
  concord_mapping_editor_emit_changed (self);
}

/* ------------------------------------------------------------------------- */
/* What the pair rows ask for                                                */
/* ------------------------------------------------------------------------- */

static void
on_flow_chosen (ConcordMappingPairRow *row,
                guint                  flow,
                ConcordMappingEditor  *self)
{
  ConcordMapping *mapping = concord_mapping_editor_get_mapping (self);
  PairEdit edit;
  const ConcordMappingPair *pair;
  g_autofree char *reason = NULL;
  g_autofree char *focus_id = NULL;

  if (mapping == NULL)
    return;

  edit.index = concord_mapping_pair_row_get_index (row);
  edit.flow = flow;
  if (edit.index >= concord_mapping_get_n_pairs (mapping))
    return;
  pair = concord_mapping_get_pair (mapping, edit.index);
  if (pair->flow == edit.flow)
    return;

  focus_id = g_strdup_printf ("direction:%s", concord_mapping_pair_key (pair, CONCORD_SIDE_A));
  if (!concord_mapping_editor_flow_allowed (self, pair, edit.flow, &reason))
    {
      g_autofree char *title = concord_mapping_editor_pair_title (self, pair);
      /* Translators: the first %s names a pair of fields ("Phone ⇄ Mobile"), the second says why */
      g_autofree char *message = g_strdup_printf (_("%s cannot sync that way: %s."), title, reason);

      concord_mapping_editor_show_problem (self, message);
      concord_mapping_editor_schedule_rebuild (self, focus_id);
      return;
    }

  apply_edit (self, do_flow, &edit, NULL, focus_id);
}

static void
on_format_chosen (ConcordMappingPairRow *row,
                  const char            *format,
                  ConcordMappingEditor  *self)
{
  ConcordMapping *mapping = concord_mapping_editor_get_mapping (self);
  const ConcordMappingPair *pair;
  g_autofree char *focus_id = NULL;
  PairEdit edit;

  if (mapping == NULL)
    return;

  edit.index = concord_mapping_pair_row_get_index (row);
  if (edit.index >= concord_mapping_get_n_pairs (mapping))
    return;
  pair = concord_mapping_get_pair (mapping, edit.index);
  edit.format = format;
  if (g_strcmp0 (edit.format, pair->format) == 0)
    return;

  focus_id = g_strdup_printf ("format:%s", concord_mapping_pair_key (pair, CONCORD_SIDE_A));
  apply_edit (self, do_format, &edit, NULL, focus_id);
}

static void
on_values_changed (ConcordMappingEditor *self)
{
  if (self->setup == NULL)
    return;

  self->setup->automatic = FALSE;
  concord_mapping_editor_schedule_rebuild (self, NULL);
  concord_mapping_editor_emit_changed (self);
}

static void
on_values_clicked (ConcordMappingPairRow *row,
                   ConcordMappingEditor  *self)
{
  ConcordMapping *mapping = concord_mapping_editor_get_mapping (self);
  guint index = concord_mapping_pair_row_get_index (row);
  const ConcordMappingPair *pair;
  const char *key_a, *key_b;
  const ConcordFieldSpec *spec_a, *spec_b;
  g_autoptr(ConcordFieldSpec) fake_a = NULL, fake_b = NULL;
  GtkRoot *root;

  if (mapping == NULL || index >= concord_mapping_get_n_pairs (mapping))
    return;

  pair = concord_mapping_get_pair (mapping, index);
  key_a = concord_mapping_pair_key (pair, CONCORD_SIDE_A);
  key_b = concord_mapping_pair_key (pair, CONCORD_SIDE_B);
  spec_a = concord_mapping_editor_lookup_spec (self, CONCORD_SIDE_A, key_a);
  spec_b = concord_mapping_editor_lookup_spec (self, CONCORD_SIDE_B, key_b);
  if (spec_a == NULL)
    spec_a = fake_a = concord_field_spec_new (key_a, NULL, pair->type_a, FALSE);
  if (spec_b == NULL)
    spec_b = fake_b = concord_field_spec_new (key_b, NULL, pair->type_b, FALSE);

  if (self->values_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->values_dialog));

  self->values_dialog = concord_mapping_values_dialog_new (mapping, index, spec_a, spec_b,
                                                           self->name[0], self->name[1]);
  g_object_add_weak_pointer (G_OBJECT (self->values_dialog), (gpointer *) &self->values_dialog);
  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (self->values_dialog), GTK_WINDOW (root));
  g_signal_connect_object (self->values_dialog, "changed", G_CALLBACK (on_values_changed), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (self->values_dialog));
}

static void
on_unmap_clicked (ConcordMappingPairRow *row,
                  ConcordMappingEditor  *self)
{
  ConcordMapping *mapping = concord_mapping_editor_get_mapping (self);
  PairEdit edit = { 0 };
  g_autofree char *title = NULL;
  g_autofree char *message = NULL;

  edit.index = concord_mapping_pair_row_get_index (row);
  if (mapping == NULL || edit.index >= concord_mapping_get_n_pairs (mapping))
    return;

  title = concord_mapping_editor_pair_title (self, concord_mapping_get_pair (mapping, edit.index));
  /* Translators: a message after removing a pair of fields; %s names the pair ("Phone ⇄ Mobile") */
  message = g_strdup_printf (_("Unmapped %s"), title);
  /* The keyboard stays where the pair was: on the next pair, else the
   * one before (not back at the top of the list). */
  {
    guint n_pairs = concord_mapping_get_n_pairs (mapping);
    const ConcordMappingPair *near = edit.index + 1 < n_pairs ? concord_mapping_get_pair (mapping, edit.index + 1) :
                                     edit.index > 0 ? concord_mapping_get_pair (mapping, edit.index - 1) : NULL;
    g_autofree char *focus_id = near != NULL ? g_strdup_printf ("direction:%s",
                                                                concord_mapping_pair_key (near, CONCORD_SIDE_A))
                                             : g_strdup ("pairs");

    apply_edit (self, do_remove, &edit, message, focus_id);
  }
}

GtkWidget *
concord_mapping_editor_pair_row (ConcordMappingEditor     *self,
                                 const ConcordMappingPair *pair,
                                 guint                     index,
                                 gboolean                  automatic)
{
  GtkWidget *row = concord_mapping_pair_row_new (self, pair, index, automatic);

  g_signal_connect (row, "flow-chosen", G_CALLBACK (on_flow_chosen), self);
  g_signal_connect (row, "format-chosen", G_CALLBACK (on_format_chosen), self);
  g_signal_connect (row, "values-clicked", G_CALLBACK (on_values_clicked), self);
  g_signal_connect (row, "unmap-clicked", G_CALLBACK (on_unmap_clicked), self);
  return row;
}
