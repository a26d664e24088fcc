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
 */

#define G_LOG_DOMAIN "concord-mapping-editor"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-arrow.h"
#include "concord-convert.h"
#include "concord-mapping-common.h"
#include "concord-mapping-editor.h"
#include "concord-mapping-values-dialog.h"
#include "concord-reflow-box.h"

struct _ConcordMappingEditor
{
  AdwBin                   parent_instance;

  AdwToastOverlay         *toasts;
  GtkRevealer             *notice_revealer;
  GtkLabel                *notice_label;
  guint                    notice_timeout;
  GtkLabel                *mode_label;
  GtkButton               *reset_button;
  GtkLabel                *problem_label;
  AdwPreferencesGroup     *pairs_group;
  GtkListBox              *pairs_list;
  AdwPreferencesGroup     *group_a;
  AdwPreferencesGroup     *group_b;
  GtkListBox              *fields_a;
  GtkListBox              *fields_b;

  ConcordConnectionSetup  *setup;      /* borrowed */
  char                    *name[2];
  ConcordMapping          *automatic;  /* what the schemas map to by themselves */
  ConcordMapping          *undo;
  GtkWidget               *values_dialog;
  guint                    undo_serial;    /* which edit self->undo undoes */
  GtkSizeGroup            *field_sizes;    /* lines up the pairs' two columns */
  GtkSizeGroup            *extra_sizes;

  /* The field being dragged, for the hover feedback. */
  int                      drag_side;
  char                    *drag_key;
  GtkWidget               *drag_row;   /* kept alive until the drag ends */

  /* Rows are rebuilt after the signal that edited them has returned. */
  guint                    rebuild_source;
  char                    *rebuild_focus;
};

G_DEFINE_FINAL_TYPE (ConcordMappingEditor, concord_mapping_editor, ADW_TYPE_BIN)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char * const date_formats[] = {
  "YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY", "DD.MM.YYYY", NULL
};
static const char * const delimiters[] = { ", ", "; ", " | ", NULL };

static void rebuild          (ConcordMappingEditor *self,
                              const char           *focus_id);
static void schedule_rebuild (ConcordMappingEditor *self,
                              const char           *focus_id);

/* ------------------------------------------------------------------------- */
/* Fields                                                                    */
/* ------------------------------------------------------------------------- */

static ConcordMapping *
get_mapping (ConcordMappingEditor *self)
{
  return self->setup != NULL && self->setup->config != NULL ? self->setup->config->mapping : NULL;
}

static const ConcordFieldSpec *
lookup_spec (ConcordMappingEditor *self,
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

static const char *
field_label (ConcordMappingEditor *self,
             ConcordSide           side,
             const char           *key)
{
  const ConcordFieldSpec *spec = lookup_spec (self, side, key);

  return spec != NULL && spec->label != NULL ? concord_mapping_field_label (spec) : key;
}

static const char *
pair_key (const ConcordMappingPair *pair,
          ConcordSide               side)
{
  return g_quark_to_string (side == CONCORD_SIDE_A ? pair->key_a : pair->key_b);
}

static char *
pair_title (ConcordMappingEditor     *self,
            const ConcordMappingPair *pair)
{
  return concord_arrow_join (GTK_WIDGET (self),
                             field_label (self, CONCORD_SIDE_A, pair_key (pair, CONCORD_SIDE_A)),
                             CONCORD_ARROW_BOTH,
                             field_label (self, CONCORD_SIDE_B, pair_key (pair, CONCORD_SIDE_B)));
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
static gboolean
initial_flow (const ConcordFieldSpec  *spec_a,
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

static gboolean
flow_allowed (ConcordMappingEditor     *self,
              const ConcordMappingPair *pair,
              ConcordPairFlow           flow,
              char                    **reason)
{
  const ConcordFieldSpec *spec_a = lookup_spec (self, CONCORD_SIDE_A, pair_key (pair, CONCORD_SIDE_A));
  const ConcordFieldSpec *spec_b = lookup_spec (self, CONCORD_SIDE_B, pair_key (pair, CONCORD_SIDE_B));

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

static void
hide_notice (ConcordMappingEditor *self)
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

static void
show_problem (ConcordMappingEditor *self,
              const char           *message)
{
  gtk_label_set_label (self->problem_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->problem_label), message != NULL);
  if (message == NULL)
    hide_notice (self);
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
  ConcordMapping *mapping = get_mapping (self);
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

      show_problem (self, message);
      return FALSE;
    }

  g_clear_pointer (&self->undo, concord_mapping_unref);
  self->undo = concord_mapping_copy (mapping);
  self->undo_serial++;
  func (mapping, data);
  self->setup->automatic = FALSE;

  show_problem (self, NULL);
  schedule_rebuild (self, focus_id);

  if (toast_message != NULL)
    show_toast (self, toast_message, TRUE);

  g_signal_emit (self, signals[CHANGED], 0);
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
static gboolean
map_fields (ConcordMappingEditor *self,
            const char           *key_a,
            const char           *key_b)
{
  ConcordMapping *mapping = get_mapping (self);
  const ConcordFieldSpec *spec_a = lookup_spec (self, CONCORD_SIDE_A, key_a);
  const ConcordFieldSpec *spec_b = lookup_spec (self, CONCORD_SIDE_B, key_b);
  g_autofree char *reason = NULL;
  g_autofree char *replaced = NULL;
  g_autofree char *focus_id = NULL;
  MapEdit edit;
  gint ia, ib;

  if (mapping == NULL || spec_a == NULL || spec_b == NULL)
    return FALSE;

  if (!initial_flow (spec_a, spec_b, &edit.flow, &reason))
    {
      /* Translators: the first two %s are fields ("Phone"), the third says why */
      g_autofree char *message = g_strdup_printf (_("“%s” cannot be mapped to “%s”: %s."),
                                                  concord_mapping_field_label (spec_a),
                                                  concord_mapping_field_label (spec_b),
                                                  reason);

      show_problem (self, message);
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
      g_autofree char *title = pair_title (self, old);

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

static void
undo_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  ConcordMappingEditor *self = CONCORD_MAPPING_EDITOR (widget);

  if (self->undo == NULL || get_mapping (self) == NULL)
    return;
  if (parameter != NULL && g_variant_get_uint32 (parameter) != self->undo_serial)
    return;   /* a later edit came in between */

  /* The mapping object is replaced: a value-map dialog would edit the old one. */
  if (self->values_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->values_dialog));

  concord_mapping_unref (self->setup->config->mapping);
  self->setup->config->mapping = g_steal_pointer (&self->undo);
  self->setup->automatic = FALSE;
  show_problem (self, NULL);
  schedule_rebuild (self, NULL);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
on_reset_clicked (ConcordMappingEditor *self)
{
  if (get_mapping (self) == NULL || self->automatic == NULL)
    return;
  if (self->values_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->values_dialog));

  g_clear_pointer (&self->undo, concord_mapping_unref);
  self->undo = g_steal_pointer (&self->setup->config->mapping);
  self->undo_serial++;
  self->setup->config->mapping = concord_mapping_copy (self->automatic);
  self->setup->automatic = TRUE;
  show_problem (self, NULL);
  schedule_rebuild (self, NULL);
  show_toast (self, _("The mapping is automatic again"), TRUE);
  g_signal_emit (self, signals[CHANGED], 0);
}

/* ------------------------------------------------------------------------- */
/* Drag and drop                                                             */
/* ------------------------------------------------------------------------- */

/* What a drag carries: "<side>:<key>", side 0 (A) or 1 (B). */
static gboolean
parse_drag (const char  *text,
            ConcordSide *side,
            const char **key)
{
  if (text == NULL || (text[0] != '0' && text[0] != '1') || text[1] != ':' || text[2] == '\0')
    return FALSE;

  *side = text[0] == '0' ? CONCORD_SIDE_A : CONCORD_SIDE_B;
  *key = text + 2;
  return TRUE;
}

static GdkContentProvider *
on_drag_prepare (GtkDragSource        *source,
                 double                x,
                 double                y,
                 ConcordMappingEditor *self)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (source));
  ConcordSide side = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "side"));
  const char *key = g_object_get_data (G_OBJECT (row), "key");
  g_autofree char *text = g_strdup_printf ("%d:%s", side, key);

  g_free (self->drag_key);
  self->drag_key = g_strdup (key);
  self->drag_side = side;
  /* A drop rebuilds the lists: the source row must outlive it until the
   * drag ends. */
  g_set_object (&self->drag_row, row);

  return gdk_content_provider_new_typed (G_TYPE_STRING, text);
}

static void
on_drag_begin (GtkDragSource        *source,
               GdkDrag              *drag,
               ConcordMappingEditor *self)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (source));
  g_autoptr(GdkPaintable) icon = gtk_widget_paintable_new (row);

  gtk_drag_source_set_icon (source, icon, 24, 24);
  gtk_widget_add_css_class (row, "drag-source");
}

static void
on_drag_end (GtkDragSource        *source,
             GdkDrag              *drag,
             gboolean              delete_data,
             ConcordMappingEditor *self)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (source));

  gtk_widget_remove_css_class (row, "drag-source");
  g_clear_pointer (&self->drag_key, g_free);
  g_clear_object (&self->drag_row);
}

/* The two keys a drop of @side:@key on @row would map, or FALSE. */
static gboolean
drop_keys (ConcordMappingEditor  *self,
           GtkWidget             *row,
           ConcordSide            side,
           const char            *key,
           const char           **keys)
{
  ConcordMapping *mapping = get_mapping (self);

  if (mapping == NULL)
    return FALSE;

  keys[side] = key;
  if (g_object_get_data (G_OBJECT (row), "pair") != NULL)
    {
      guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "index"));
      const ConcordMappingPair *pair;

      if (index >= concord_mapping_get_n_pairs (mapping))
        return FALSE;
      pair = concord_mapping_get_pair (mapping, index);
      keys[CONCORD_SIDE_OTHER (side)] = pair_key (pair, CONCORD_SIDE_OTHER (side));
    }
  else
    {
      if (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "side")) == (int) side)
        return FALSE;
      keys[CONCORD_SIDE_OTHER (side)] = g_object_get_data (G_OBJECT (row), "key");
    }

  return TRUE;
}

static GdkDragAction
on_drop_enter (GtkDropTarget        *target,
               double                x,
               double                y,
               ConcordMappingEditor *self)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  const char *keys[2];
  gboolean ok = TRUE;

  if (self->drag_key != NULL)
    {
      ok = drop_keys (self, row, self->drag_side, self->drag_key, keys);
      if (ok)
        {
          const ConcordFieldSpec *a = lookup_spec (self, CONCORD_SIDE_A, keys[0]);
          const ConcordFieldSpec *b = lookup_spec (self, CONCORD_SIDE_B, keys[1]);
          ConcordPairFlow flow;

          ok = a != NULL && b != NULL && initial_flow (a, b, &flow, NULL);
        }
    }

  gtk_widget_add_css_class (row, ok ? "drop-highlight" : "drop-refused");
  return GDK_ACTION_COPY;
}

static void
on_drop_leave (GtkDropTarget        *target,
               ConcordMappingEditor *self)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));

  gtk_widget_remove_css_class (row, "drop-highlight");
  gtk_widget_remove_css_class (row, "drop-refused");
}

static gboolean
on_drop (GtkDropTarget        *target,
         const GValue         *value,
         double                x,
         double                y,
         ConcordMappingEditor *self)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  const char *keys[2] = { NULL, NULL };
  const char *key;
  ConcordSide side;

  gtk_widget_remove_css_class (row, "drop-highlight");
  gtk_widget_remove_css_class (row, "drop-refused");

  if (!G_VALUE_HOLDS_STRING (value) || !parse_drag (g_value_get_string (value), &side, &key))
    return FALSE;

  if (!drop_keys (self, row, side, key, keys))
    {
      if (g_object_get_data (G_OBJECT (row), "pair") == NULL)
        show_problem (self, _("Drop a field on a field of the other app to map them."));
      return FALSE;
    }

  return map_fields (self, keys[0], keys[1]);
}

static void
add_drop_target (ConcordMappingEditor *self,
                 GtkWidget            *row)
{
  GtkDropTarget *target = gtk_drop_target_new (G_TYPE_STRING, GDK_ACTION_COPY);

  g_signal_connect (target, "enter", G_CALLBACK (on_drop_enter), self);
  g_signal_connect (target, "leave", G_CALLBACK (on_drop_leave), self);
  g_signal_connect (target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (target));
}

/* ------------------------------------------------------------------------- */
/* Pair rows                                                                 */
/* ------------------------------------------------------------------------- */

static GtkWidget *
field_box (ConcordMappingEditor *self,
           ConcordSide           side,
           const char           *key,
           ConcordFieldType      type)
{
  const ConcordFieldSpec *spec = lookup_spec (self, side, key);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *icon = gtk_image_new_from_icon_name (concord_mapping_type_icon (type));
  GtkWidget *title = gtk_label_new (field_label (self, side, key));
  g_autofree char *caption_text = NULL;
  GtkWidget *caption;

  if (spec == NULL)
    /* Translators: the first %s is a kind of field ("Text"), the second the name of an account. "·"
     * separates the two parts */
    caption_text = g_strdup_printf (_("%s · not in %s any more"), concord_mapping_type_name (type),
                                    self->name[side]);
  else if (spec->read_only)
    /* Translators: %s is a kind of field ("Text"). "·" separates the two parts */
    caption_text = g_strdup_printf (_("%s · read-only"), concord_mapping_type_name (type));
  else
    caption_text = g_strdup (concord_mapping_type_name (type));
  caption = gtk_label_new (caption_text);

  gtk_widget_add_css_class (box, side == CONCORD_SIDE_A ? "mapping-side-a" : "mapping-side-b");
  gtk_widget_set_hexpand (box, TRUE);
  gtk_size_group_add_widget (self->field_sizes, box);
  gtk_widget_set_size_request (box, 180, -1);
  gtk_widget_add_css_class (icon, "mapping-field-icon");
  gtk_widget_set_valign (icon, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (icon, concord_mapping_type_name (type));
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  concord_mapping_type_name (type), -1);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (title, "mapping-field-title");
  gtk_label_set_xalign (GTK_LABEL (caption), 0);
  gtk_label_set_ellipsize (GTK_LABEL (caption), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (caption, "caption");
  gtk_widget_add_css_class (caption, "dim-label");
  gtk_widget_set_valign (texts, GTK_ALIGN_CENTER);

  gtk_box_append (GTK_BOX (texts), title);
  gtk_box_append (GTK_BOX (texts), caption);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), texts);

  return box;
}

static const char *
flow_icon (ConcordPairFlow flow)
{
  switch (flow)
    {
    case CONCORD_PAIR_FLOW_A_TO_B: return "go-next-symbolic";
    case CONCORD_PAIR_FLOW_B_TO_A: return "go-previous-symbolic";
    case CONCORD_PAIR_FLOW_OFF:    return "action-unavailable-symbolic";
    case CONCORD_PAIR_FLOW_BOTH:
    default:                       return "media-playlist-repeat-symbolic";
    }
}

static char *
flow_description (ConcordMappingEditor *self,
                  ConcordPairFlow       flow)
{
  switch (flow)
    {
    case CONCORD_PAIR_FLOW_A_TO_B:
      /* Translators: the direction of a pair of fields; each %s is the name of an account */
      return g_strdup_printf (_("only from %s to %s"), self->name[0], self->name[1]);
    case CONCORD_PAIR_FLOW_B_TO_A:
      return g_strdup_printf (_("only from %s to %s"), self->name[1], self->name[0]);
    case CONCORD_PAIR_FLOW_OFF:
      return g_strdup (_("off"));
    case CONCORD_PAIR_FLOW_BOTH:
    default:
      return g_strdup (_("both ways"));
    }
}

static void
on_flow_toggled (GtkCheckButton       *check,
                 ConcordMappingEditor *self)
{
  ConcordMapping *mapping = get_mapping (self);
  PairEdit edit;
  GtkWidget *popover;
  const ConcordMappingPair *pair;
  g_autofree char *reason = NULL;
  g_autofree char *focus_id = NULL;

  if (!gtk_check_button_get_active (check) || mapping == NULL)
    return;

  edit.index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (check), "index"));
  edit.flow = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (check), "flow"));
  if (edit.index >= concord_mapping_get_n_pairs (mapping))
    return;
  pair = concord_mapping_get_pair (mapping, edit.index);
  if (pair->flow == edit.flow)
    return;

  popover = gtk_widget_get_ancestor (GTK_WIDGET (check), GTK_TYPE_POPOVER);
  if (popover != NULL)
    gtk_popover_popdown (GTK_POPOVER (popover));

  focus_id = g_strdup_printf ("direction:%s", pair_key (pair, CONCORD_SIDE_A));
  if (!flow_allowed (self, pair, edit.flow, &reason))
    {
      g_autofree char *title = pair_title (self, pair);
      /* Translators: the first %s names a pair of fields ("Phone ⇄ Mobile"), the second says why */
      g_autofree char *message = g_strdup_printf (_("%s cannot sync that way: %s."), title, reason);

      show_problem (self, message);
      schedule_rebuild (self, focus_id);
      return;
    }

  apply_edit (self, do_flow, &edit, NULL, focus_id);
}

static GtkWidget *
direction_button (ConcordMappingEditor     *self,
                  const ConcordMappingPair *pair,
                  guint                     index)
{
  GtkWidget *button = gtk_menu_button_new ();
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *heading = gtk_label_new (_("Sync this pair"));
  g_autofree char *title = pair_title (self, pair);
  g_autofree char *description = flow_description (self, pair->flow);
  /* Translators: the name a screen reader gives a choice; the first %s names a pair of fields, the
   * second is a direction ("only from Elastic Email to HubSpot") */
  g_autofree char *a11y = g_strdup_printf (_("Direction of %s: %s"), title, description);
  GtkCheckButton *group = NULL;
  const ConcordPairFlow flows[] = {
    CONCORD_PAIR_FLOW_BOTH, CONCORD_PAIR_FLOW_A_TO_B, CONCORD_PAIR_FLOW_B_TO_A, CONCORD_PAIR_FLOW_OFF,
  };

  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), flow_icon (pair->flow));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "mapping-arrow");
  gtk_widget_add_css_class (button, "circular");
  gtk_widget_set_tooltip_text (button, a11y);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  g_object_set_data_full (G_OBJECT (button), "focus-id",
                          g_strdup_printf ("direction:%s", pair_key (pair, CONCORD_SIDE_A)), g_free);

  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "heading");
  gtk_widget_set_margin_bottom (heading, 6);
  gtk_widget_set_margin_start (heading, 6);
  gtk_box_append (GTK_BOX (box), heading);

  for (guint i = 0; i < G_N_ELEMENTS (flows); i++)
    {
      g_autofree char *label = NULL;
      g_autofree char *reason = NULL;
      GtkWidget *check;

      switch (flows[i])
        {
        case CONCORD_PAIR_FLOW_A_TO_B:
          /* Translators: a direction of a pair of fields; each %s is the name of an account */
          label = g_strdup_printf (_("From %s to %s only"), self->name[0], self->name[1]);
          break;
        case CONCORD_PAIR_FLOW_B_TO_A:
          label = g_strdup_printf (_("From %s to %s only"), self->name[1], self->name[0]);
          break;
        case CONCORD_PAIR_FLOW_OFF:
          label = g_strdup (_("Off: keep the pair, sync nothing"));
          break;
        case CONCORD_PAIR_FLOW_BOTH:
        default:
          label = g_strdup (_("Both ways"));
          break;
        }

      check = gtk_check_button_new_with_label (label);
      if (group != NULL)
        gtk_check_button_set_group (GTK_CHECK_BUTTON (check), group);
      else
        group = GTK_CHECK_BUTTON (check);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check), flows[i] == pair->flow);
      gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      if (!flow_allowed (self, pair, flows[i], &reason))
        {
          gtk_widget_set_sensitive (check, flows[i] == pair->flow);
          gtk_widget_set_tooltip_text (check, reason);
        }
      g_object_set_data (G_OBJECT (check), "index", GUINT_TO_POINTER (index));
      g_object_set_data (G_OBJECT (check), "flow", GUINT_TO_POINTER (flows[i]));
      g_signal_connect (check, "toggled", G_CALLBACK (on_flow_toggled), self);
      gtk_box_append (GTK_BOX (box), check);
    }

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_popover_set_child (GTK_POPOVER (popover), box);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (button), popover);

  return button;
}

static gboolean
is_date (ConcordFieldType type)
{
  return type == CONCORD_FIELD_TYPE_DATE || type == CONCORD_FIELD_TYPE_DATETIME;
}

static void
on_format_selected (GtkDropDown          *drop_down,
                    GParamSpec           *pspec,
                    ConcordMappingEditor *self)
{
  ConcordMapping *mapping = get_mapping (self);
  const char * const *formats = g_object_get_data (G_OBJECT (drop_down), "formats");
  guint selected = gtk_drop_down_get_selected (drop_down);
  const ConcordMappingPair *pair;
  g_autofree char *focus_id = NULL;
  PairEdit edit;

  if (mapping == NULL || selected == GTK_INVALID_LIST_POSITION)
    return;

  edit.index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (drop_down), "index"));
  if (edit.index >= concord_mapping_get_n_pairs (mapping))
    return;
  pair = concord_mapping_get_pair (mapping, edit.index);
  if (selected < g_strv_length ((char **) formats))
    /* The first entry is what the engine does without a format. */
    edit.format = selected == 0 ? NULL : formats[selected];
  else
    edit.format = pair->format;   /* the stored, unlisted one */
  if (g_strcmp0 (edit.format, pair->format) == 0)
    return;

  focus_id = g_strdup_printf ("format:%s", pair_key (pair, CONCORD_SIDE_A));
  apply_edit (self, do_format, &edit, NULL, focus_id);
}

static GtkWidget *
format_drop_down (ConcordMappingEditor     *self,
                  const ConcordMappingPair *pair,
                  guint                     index)
{
  gboolean dates = is_date (pair->type_a) != is_date (pair->type_b);
  gboolean sets = (pair->type_a == CONCORD_FIELD_TYPE_STRING_SET) !=
                  (pair->type_b == CONCORD_FIELD_TYPE_STRING_SET);
  const char * const *formats;
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);
  g_autofree char *title = pair_title (self, pair);
  g_autofree char *a11y = NULL;
  GtkWidget *drop_down;
  guint selected = 0;

  if (dates)
    {
      formats = date_formats;
      for (guint i = 0; formats[i] != NULL; i++)
        gtk_string_list_append (model, formats[i]);
      /* Translators: the name a screen reader gives a drop-down; %s names a pair of fields */
      a11y = g_strdup_printf (_("Date format of %s"), title);
    }
  else if (sets)
    {
      formats = delimiters;
      gtk_string_list_append (model, _("Comma"));
      gtk_string_list_append (model, _("Semicolon"));
      gtk_string_list_append (model, _("Vertical bar"));
      /* Translators: the name a screen reader gives a drop-down; %s names a pair of fields */
      a11y = g_strdup_printf (_("List separator of %s"), title);
    }
  else
    return NULL;

  if (pair->format != NULL)
    {
      selected = G_MAXUINT;
      for (guint i = 0; formats[i] != NULL; i++)
        if (g_str_equal (formats[i], pair->format))
          selected = i;
      if (selected == G_MAXUINT)
        {
          g_autofree char *quoted = g_strdup_printf ("“%s”", pair->format);

          selected = g_strv_length ((char **) formats);
          gtk_string_list_append (model, quoted);
        }
    }

  drop_down = gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&model)), NULL);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (drop_down), selected);
  gtk_widget_set_valign (drop_down, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (drop_down, a11y);
  gtk_accessible_update_property (GTK_ACCESSIBLE (drop_down), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  g_object_set_data (G_OBJECT (drop_down), "formats", (gpointer) formats);
  g_object_set_data (G_OBJECT (drop_down), "index", GUINT_TO_POINTER (index));
  g_object_set_data_full (G_OBJECT (drop_down), "focus-id",
                          g_strdup_printf ("format:%s", pair_key (pair, CONCORD_SIDE_A)), g_free);
  g_signal_connect (drop_down, "notify::selected", G_CALLBACK (on_format_selected), self);

  return drop_down;
}

static void
on_values_changed (ConcordMappingEditor *self)
{
  if (self->setup == NULL)
    return;

  self->setup->automatic = FALSE;
  schedule_rebuild (self, NULL);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
on_values_clicked (GtkButton            *button,
                   ConcordMappingEditor *self)
{
  ConcordMapping *mapping = get_mapping (self);
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "index"));
  const ConcordMappingPair *pair;
  const ConcordFieldSpec *spec_a, *spec_b;
  g_autoptr(ConcordFieldSpec) fake_a = NULL, fake_b = NULL;
  GtkRoot *root;

  if (mapping == NULL || index >= concord_mapping_get_n_pairs (mapping))
    return;

  pair = concord_mapping_get_pair (mapping, index);
  spec_a = lookup_spec (self, CONCORD_SIDE_A, pair_key (pair, CONCORD_SIDE_A));
  spec_b = lookup_spec (self, CONCORD_SIDE_B, pair_key (pair, CONCORD_SIDE_B));
  if (spec_a == NULL)
    spec_a = fake_a = concord_field_spec_new (pair_key (pair, CONCORD_SIDE_A), NULL, pair->type_a, FALSE);
  if (spec_b == NULL)
    spec_b = fake_b = concord_field_spec_new (pair_key (pair, CONCORD_SIDE_B), NULL, pair->type_b, FALSE);

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
on_unmap_clicked (GtkButton            *button,
                  ConcordMappingEditor *self)
{
  ConcordMapping *mapping = get_mapping (self);
  PairEdit edit = { 0 };
  g_autofree char *title = NULL;
  g_autofree char *message = NULL;

  edit.index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "index"));
  if (mapping == NULL || edit.index >= concord_mapping_get_n_pairs (mapping))
    return;

  title = pair_title (self, concord_mapping_get_pair (mapping, edit.index));
  /* Translators: a message after removing a pair of fields; %s names the pair ("Phone ⇄ Mobile") */
  message = g_strdup_printf (_("Unmapped %s"), title);
  /* The keyboard stays where the pair was: on the next pair, else the
   * one before (not back at the top of the list). */
  {
    guint n_pairs = concord_mapping_get_n_pairs (mapping);
    const ConcordMappingPair *near = edit.index + 1 < n_pairs ? concord_mapping_get_pair (mapping, edit.index + 1) :
                                     edit.index > 0 ? concord_mapping_get_pair (mapping, edit.index - 1) : NULL;
    g_autofree char *focus_id = near != NULL ? g_strdup_printf ("direction:%s", pair_key (near, CONCORD_SIDE_A))
                                             : g_strdup ("pairs");

    apply_edit (self, do_remove, &edit, message, focus_id);
  }
}

/* Why values of @pair are lost on the way, in the direction that loses
 * the most ("From Shop to CRM: only text that is a number…"), or NULL
 * when every value arrives. */
static char *
pair_loss (ConcordMappingEditor     *self,
           const ConcordMappingPair *pair)
{
  for (guint s = 0; s < 2; s++)
    {
      ConcordFieldType from = s == 0 ? pair->type_a : pair->type_b;
      ConcordFieldType to = s == 0 ? pair->type_b : pair->type_a;
      const char *reason = NULL;

      if (concord_mapping_pair_flows (pair, s) &&
          concord_conversion_loss (from, to, &reason) != CONCORD_CONVERSION_LOSSLESS)
        /* Translators: "From Shop to CRM: Only the day is written: …" */
        return g_strdup_printf (_("From %s to %s: %s"), self->name[s], self->name[1 - s], reason);
    }

  return NULL;
}

/* Adds @child to a pair's buttons: in a line, at the end, when they fit;
 * one under the other, at the end, when a translation is too long for a
 * narrow window. */
static void
append_extra (GtkWidget *extras,
              GtkWidget *child)
{
  gtk_widget_set_halign (child, GTK_ALIGN_END);
  concord_reflow_box_append (CONCORD_REFLOW_BOX (extras), child);
}

static GtkWidget *
pair_row (ConcordMappingEditor     *self,
          const ConcordMappingPair *pair,
          guint                     index,
          gboolean                  automatic)
{
  GtkWidget *row = gtk_list_box_row_new ();
  /* Both sides and the arrow in a line, the buttons after them; when the
   * window is narrow, one under the other. */
  GtkWidget *box = concord_reflow_box_new (12);
  GtkWidget *fields = concord_reflow_box_new (12);
  GtkWidget *arrow;
  GtkWidget *extras = concord_reflow_box_new (6);
  GtkWidget *spacer = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *format, *unmap;
  g_autofree char *title = pair_title (self, pair);
  g_autofree char *a11y = NULL;
  g_autofree char *loss = pair_loss (self, pair);

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_focusable (row, FALSE);
  gtk_widget_add_css_class (row, "mapping-pair-row");
  if (pair->flow == CONCORD_PAIR_FLOW_OFF)
    gtk_widget_add_css_class (row, "mapping-flow-off");
  /* Translators: what a screen reader says of a pair of fields; %s names the pair ("Phone ⇄ Mobile") */
  a11y = automatic ? g_strdup_printf (_("%s, mapped automatically"), title) : g_strdup (title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  g_object_set_data (G_OBJECT (row), "pair", GINT_TO_POINTER (TRUE));
  g_object_set_data (G_OBJECT (row), "index", GUINT_TO_POINTER (index));
  g_object_set_data_full (G_OBJECT (row), "key-a", g_strdup (pair_key (pair, CONCORD_SIDE_A)), g_free);
  g_object_set_data_full (G_OBJECT (row), "key-b", g_strdup (pair_key (pair, CONCORD_SIDE_B)), g_free);

  gtk_widget_set_hexpand (fields, TRUE);
  concord_reflow_box_append (CONCORD_REFLOW_BOX (fields),
                             field_box (self, CONCORD_SIDE_A, pair_key (pair, CONCORD_SIDE_A), pair->type_a));
  arrow = direction_button (self, pair, index);
  gtk_widget_set_halign (arrow, GTK_ALIGN_START);
  concord_reflow_box_append (CONCORD_REFLOW_BOX (fields), arrow);
  concord_reflow_box_append (CONCORD_REFLOW_BOX (fields),
                             field_box (self, CONCORD_SIDE_B, pair_key (pair, CONCORD_SIDE_B), pair->type_b));
  concord_reflow_box_append (CONCORD_REFLOW_BOX (box), fields);

  /* Buttons on the right, however many there are. */
  gtk_widget_set_hexpand (spacer, TRUE);
  append_extra (extras, spacer);
  if (loss != NULL)
    {
      /* Accepted, but said: some values will not arrive as they were. */
      GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

      gtk_widget_set_name (icon, "pair-loss-icon");
      gtk_widget_add_css_class (icon, "warning");
      gtk_widget_set_valign (icon, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (icon, loss);
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Values may be lost"),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, loss,
                                      -1);
      append_extra (extras, icon);
    }
  if (automatic)
    {
      /* Translators: a tag on a pair of fields Concord mapped by itself */
      GtkWidget *tag = gtk_label_new (_("Automatic"));

      gtk_widget_add_css_class (tag, "mapping-auto-tag");
      gtk_widget_set_valign (tag, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (tag, _("Mapped automatically: the fields have matching names"));
      append_extra (extras, tag);
    }
  format = format_drop_down (self, pair, index);
  if (format != NULL)
    append_extra (extras, format);

  if ((pair->type_a == CONCORD_FIELD_TYPE_ENUM || pair->type_b == CONCORD_FIELD_TYPE_ENUM) &&
      pair->type_a != CONCORD_FIELD_TYPE_STRING_SET && pair->type_b != CONCORD_FIELD_TYPE_STRING_SET)
    {
      guint n = concord_mapping_pair_get_n_values (pair);
      /* Translators: a button that opens the value map; %u is a number of value pairs */
      g_autofree char *label = n > 0 ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u Value…", "%u Values…", n), n)
                                     : g_strdup (_("Values…"));
      /* Translators: the name a screen reader gives a button; %s names a pair of fields ("Phone ⇄ Mobile") */
      g_autofree char *values_a11y = g_strdup_printf (_("Value map of %s"), title);
      GtkWidget *values = gtk_button_new_with_label (label);

      gtk_widget_set_valign (values, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (values, _("Choose which value becomes which"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (values), GTK_ACCESSIBLE_PROPERTY_LABEL, values_a11y, -1);
      g_object_set_data (G_OBJECT (values), "index", GUINT_TO_POINTER (index));
      g_object_set_data_full (G_OBJECT (values), "focus-id",
                              g_strdup_printf ("values:%s", pair_key (pair, CONCORD_SIDE_A)), g_free);
      g_signal_connect (values, "clicked", G_CALLBACK (on_values_clicked), self);
      append_extra (extras, values);
    }

  unmap = gtk_button_new_from_icon_name ("list-remove-symbolic");
  {
    /* Translators: the name a screen reader gives a button; %s names a pair of fields ("Phone ⇄ Mobile") */
    g_autofree char *unmap_a11y = g_strdup_printf (_("Unmap %s"), title);

    gtk_widget_set_valign (unmap, GTK_ALIGN_CENTER);
    gtk_widget_add_css_class (unmap, "flat");
    gtk_widget_add_css_class (unmap, "circular");
    gtk_widget_set_tooltip_text (unmap, _("Unmap"));
    gtk_accessible_update_property (GTK_ACCESSIBLE (unmap), GTK_ACCESSIBLE_PROPERTY_LABEL, unmap_a11y, -1);
  }
  g_object_set_data (G_OBJECT (unmap), "index", GUINT_TO_POINTER (index));
  g_signal_connect (unmap, "clicked", G_CALLBACK (on_unmap_clicked), self);
  append_extra (extras, unmap);
  gtk_widget_set_valign (extras, GTK_ALIGN_CENTER);
  gtk_size_group_add_widget (self->extra_sizes, extras);
  concord_reflow_box_append (CONCORD_REFLOW_BOX (box), extras);

  if (loss != NULL)
    {
      GtkWidget *lines = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
      GtkWidget *label = gtk_label_new (loss);

      gtk_widget_set_name (label, "pair-loss-label");
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
      gtk_widget_add_css_class (label, "caption");
      gtk_widget_add_css_class (label, "mapping-loss");
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, loss, -1);
      gtk_box_append (GTK_BOX (lines), box);
      gtk_box_append (GTK_BOX (lines), label);
      box = lines;
    }
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  add_drop_target (self, row);

  return row;
}

/* ------------------------------------------------------------------------- */
/* Field rows and “Map to…”                                                  */
/* ------------------------------------------------------------------------- */

static gboolean
filter_candidates (GtkListBoxRow *row,
                   gpointer       data)
{
  GtkEditable *search = data;
  const char *text = gtk_editable_get_text (search);
  g_autofree char *needle = NULL;
  g_autofree char *haystack = NULL;

  if (text == NULL || *text == '\0')
    return TRUE;

  needle = g_utf8_casefold (text, -1);
  haystack = g_utf8_casefold (g_object_get_data (G_OBJECT (row), "haystack"), -1);
  return strstr (haystack, needle) != NULL;
}

static void
on_search_changed (GtkEditable *search,
                   GtkListBox  *list)
{
  gtk_list_box_invalidate_filter (list);
}

static void
map_to_row (ConcordMappingEditor *self,
            GtkWidget            *candidate)
{
  GtkWidget *popover = gtk_widget_get_ancestor (candidate, GTK_TYPE_POPOVER);
  ConcordSide side = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (candidate), "side"));
  g_autofree char *key = g_strdup (g_object_get_data (G_OBJECT (candidate), "key"));
  g_autofree char *other = g_strdup (g_object_get_data (G_OBJECT (candidate), "other-key"));

  if (popover != NULL)
    gtk_popover_popdown (GTK_POPOVER (popover));

  if (side == CONCORD_SIDE_A)
    map_fields (self, key, other);
  else
    map_fields (self, other, key);
}

static void
on_candidate_activated (GtkListBox           *list,
                        GtkListBoxRow        *row,
                        ConcordMappingEditor *self)
{
  map_to_row (self, GTK_WIDGET (row));
}

/* Enter in the search maps to the first field still shown. */
static void
on_search_activate (GtkEditable          *search,
                    ConcordMappingEditor *self)
{
  GtkWidget *list = g_object_get_data (G_OBJECT (search), "list");

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (gtk_widget_get_child_visible (row) && gtk_widget_get_sensitive (row) &&
        GTK_IS_LIST_BOX_ROW (row) && filter_candidates (GTK_LIST_BOX_ROW (row), search))
      {
        map_to_row (self, row);
        return;
      }
}

/* Down in the search goes to the first field it keeps, as in a list of
 * results (GTK would move to the scrolled window around the list, which
 * has no name and does nothing with Enter). */
static gboolean
on_search_key_pressed (GtkEventControllerKey *controller,
                       guint                  keyval,
                       guint                  keycode,
                       GdkModifierType        state,
                       GtkEditable           *search)
{
  GtkWidget *list = g_object_get_data (G_OBJECT (search), "list");

  if ((keyval != GDK_KEY_Down && keyval != GDK_KEY_KP_Down) ||
      (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return GDK_EVENT_PROPAGATE;

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (GTK_IS_LIST_BOX_ROW (row) && gtk_widget_get_child_visible (row) &&
        gtk_widget_get_sensitive (row) && filter_candidates (GTK_LIST_BOX_ROW (row), search))
      return gtk_widget_grab_focus (row) ? GDK_EVENT_STOP : GDK_EVENT_PROPAGATE;

  return GDK_EVENT_PROPAGATE;
}

static void
create_map_to_popover (GtkMenuButton *button,
                       gpointer       data)
{
  ConcordMappingEditor *self = data;
  ConcordMapping *mapping = get_mapping (self);
  ConcordSide side = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "side"));
  ConcordSide other = CONCORD_SIDE_OTHER (side);
  const ConcordFieldSpec *spec = lookup_spec (self, side, g_object_get_data (G_OBJECT (button), "key"));
  GtkWidget *popover, *box, *search, *scrolled, *list, *heading;
  g_autofree char *heading_text = NULL;
  g_autofree char *search_a11y = NULL;
  GPtrArray *fields;

  if (spec == NULL || mapping == NULL)
    return;

  popover = gtk_popover_new ();
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  /* Translators: %s in quotes is a field ("Phone"), the other %s the name of an account */
  heading_text = g_strdup_printf (_("Map “%s” to a field of %s"),
                                  concord_mapping_field_label (spec),
                                  self->name[other]);
  heading = gtk_label_new (heading_text);
  gtk_label_set_wrap (GTK_LABEL (heading), TRUE);
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_label_set_max_width_chars (GTK_LABEL (heading), 36);
  gtk_widget_add_css_class (heading, "heading");
  search = gtk_search_entry_new ();
  /* Translators: the name a screen reader gives a search field; %s is the name of an account */
  search_a11y = g_strdup_printf (_("Search the fields of %s"), self->name[other]);
  gtk_accessible_update_property (GTK_ACCESSIBLE (search), GTK_ACCESSIBLE_PROPERTY_LABEL, search_a11y, -1);
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 360);
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL, heading_text, -1);
  gtk_widget_set_size_request (list, 320, -1);

  /* Free fields first, then the ones already mapped (mapping replaces
   * their pair), then the ones that cannot be mapped, with why. */
  fields = self->setup->fields[other];
  for (guint pass = 0; pass < 3; pass++)
    for (guint i = 0; fields != NULL && i < fields->len; i++)
      {
        const ConcordFieldSpec *candidate = g_ptr_array_index (fields, i);
        const ConcordFieldSpec *spec_a = side == CONCORD_SIDE_A ? spec : candidate;
        const ConcordFieldSpec *spec_b = side == CONCORD_SIDE_A ? candidate : spec;
        g_autofree char *reason = NULL;
        g_autofree char *subtitle = NULL;
        ConcordPairFlow flow;
        gboolean ok = initial_flow (spec_a, spec_b, &flow, &reason);
        gint mapped = concord_mapping_find (mapping, other, candidate->key);
        guint want = !ok ? 2 : mapped >= 0 ? 1 : 0;
        GtkWidget *row, *icon;

        if (want != pass)
          continue;

        if (!ok)
          subtitle = g_strdup (reason);
        else if (mapped >= 0)
          {
            const ConcordMappingPair *pair = concord_mapping_get_pair (mapping, mapped);

            /* Translators: the first %s is a kind of field ("Text"), the second the field it is
             * mapped to. "·" separates the two parts */
            subtitle = g_strdup_printf (_("%s · now mapped to “%s”"),
                                        concord_mapping_type_name (candidate->type),
                                        field_label (self, side, pair_key (pair, side)));
          }
        else
          subtitle = g_strdup (concord_mapping_type_name (candidate->type));

        row = adw_action_row_new ();
        adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), concord_mapping_field_label (candidate));
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
        icon = gtk_image_new_from_icon_name (concord_mapping_type_icon (candidate->type));
        gtk_widget_add_css_class (icon, "mapping-field-icon");
        gtk_widget_set_valign (icon, GTK_ALIGN_CENTER);
        adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
        gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), ok);
        gtk_widget_set_sensitive (row, ok);
        gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                        GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        concord_mapping_field_label (candidate),
                                        GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, subtitle, -1);
        g_object_set_data (G_OBJECT (row), "side", GINT_TO_POINTER (side));
        g_object_set_data_full (G_OBJECT (row), "key", g_strdup (spec->key), g_free);
        g_object_set_data_full (G_OBJECT (row), "other-key", g_strdup (candidate->key), g_free);
        g_object_set_data_full (G_OBJECT (row), "haystack",
                                g_strdup_printf ("%s %s",
                                                 concord_mapping_field_label (candidate),
                                                 candidate->key), g_free);
        gtk_list_box_append (GTK_LIST_BOX (list), row);
      }

  gtk_list_box_set_filter_func (GTK_LIST_BOX (list), filter_candidates, search, NULL);
  g_object_set_data (G_OBJECT (search), "list", list);
  g_signal_connect (search, "changed", G_CALLBACK (on_search_changed), list);
  g_signal_connect (search, "activate", G_CALLBACK (on_search_activate), self);
  {
    GtkEventController *keys = gtk_event_controller_key_new ();

    gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
    g_signal_connect (keys, "key-pressed", G_CALLBACK (on_search_key_pressed), search);
    gtk_widget_add_controller (search, keys);
  }
  g_signal_connect (list, "row-activated", G_CALLBACK (on_candidate_activated), self);
  gtk_search_entry_set_key_capture_widget (GTK_SEARCH_ENTRY (search), list);

  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), list);
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), search);
  gtk_box_append (GTK_BOX (box), scrolled);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_popover_set_child (GTK_POPOVER (popover), box);
  gtk_popover_set_default_widget (GTK_POPOVER (popover), NULL);
  gtk_menu_button_set_popover (button, popover);
  g_signal_connect_swapped (popover, "show", G_CALLBACK (gtk_widget_grab_focus), search);
}

static GtkWidget *
field_row (ConcordMappingEditor   *self,
           ConcordSide             side,
           const ConcordFieldSpec *spec)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (concord_mapping_type_icon (spec->type));
  GtkWidget *button = gtk_menu_button_new ();
  GtkDragSource *source = gtk_drag_source_new ();
  g_autofree char *subtitle = NULL;
  /* Translators: the first %s is a field ("Phone"), the second the name of an account */
  g_autofree char *a11y = g_strdup_printf (_("Map %s of %s to…"),
                                           concord_mapping_field_label (spec),
                                           self->name[side]);

  subtitle = spec->read_only ? g_strdup_printf (_("%s · read-only"), concord_mapping_type_name (spec->type))
                             : g_strdup (concord_mapping_type_name (spec->type));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), concord_mapping_field_label (spec));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_add_css_class (icon, "mapping-field-icon");
  gtk_widget_set_valign (icon, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (icon, concord_mapping_type_name (spec->type));
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  concord_mapping_type_name (spec->type), -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_focusable (row, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  concord_mapping_field_label (spec),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, subtitle, -1);
  gtk_widget_set_tooltip_text (row, _("Drag onto a field of the other app to map them"));

  gtk_menu_button_set_label (GTK_MENU_BUTTON (button), _("Map to…"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  g_object_set_data (G_OBJECT (button), "side", GINT_TO_POINTER (side));
  g_object_set_data_full (G_OBJECT (button), "key", g_strdup (spec->key), g_free);
  g_object_set_data_full (G_OBJECT (button), "focus-id", g_strdup_printf ("map:%d:%s", side, spec->key), g_free);
  gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (button), create_map_to_popover, self, NULL);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);

  g_object_set_data (G_OBJECT (row), "side", GINT_TO_POINTER (side));
  g_object_set_data_full (G_OBJECT (row), "key", g_strdup (spec->key), g_free);

  gtk_drag_source_set_actions (source, GDK_ACTION_COPY);
  g_signal_connect (source, "prepare", G_CALLBACK (on_drag_prepare), self);
  g_signal_connect (source, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (source, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (source));
  add_drop_target (self, row);

  return row;
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

static GtkWidget *
find_focus_id (GtkWidget  *root,
               const char *focus_id)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (g_strcmp0 (g_object_get_data (G_OBJECT (child), "focus-id"), focus_id) == 0)
        return child;
      found = find_focus_id (child, focus_id);
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
  index = concord_mapping_find (self->automatic, CONCORD_SIDE_A, pair_key (pair, CONCORD_SIDE_A));
  return index >= 0 && concord_mapping_get_pair (self->automatic, index)->key_b == pair->key_b;
}

static void
rebuild (ConcordMappingEditor *self,
         const char           *focus_id)
{
  ConcordMapping *mapping = get_mapping (self);
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
          gtk_list_box_append (self->pairs_list, pair_row (self, pair, i, automatic));
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
          gtk_list_box_append (list, field_row (self, s, spec));
          n++;
        }
      if (n == 0)
        gtk_list_box_append (list, placeholder_row (_("Every field is mapped")));
    }

  if (focus_id != NULL)
    {
      focus = find_focus_id (GTK_WIDGET (self), focus_id);
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
static void
schedule_rebuild (ConcordMappingEditor *self,
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
  gtk_widget_class_bind_template_callback (widget_class, hide_notice);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, mode_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, reset_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, problem_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, pairs_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, pairs_list);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, group_a);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, group_b);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, fields_a);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingEditor, fields_b);
  gtk_widget_class_bind_template_callback (widget_class, on_reset_clicked);

  gtk_widget_class_install_action (widget_class, "mapping-editor.undo", "u", undo_activated);
}

static void
concord_mapping_editor_init (ConcordMappingEditor *self)
{
  concord_mapping_load_css ();
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

  show_problem (self, NULL);
  cancel_rebuild (self);
  rebuild (self, NULL);
}
