/* concord-mapping-editor-dnd.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The mapping editor's drag and drop: a field row is dragged onto a field
 * row of the other side, or onto a pair (whose field of the other side it
 * replaces). While it hovers, the row under it says whether the drop would
 * be taken; a drop maps the two fields, or says why not.
 */

#define G_LOG_DOMAIN "concord-mapping-editor"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-mapping-editor-private.h"
#include "concord-mapping-field-row.h"
#include "concord-mapping-pair-row.h"

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
  ConcordSide side = concord_mapping_field_row_get_side (CONCORD_MAPPING_FIELD_ROW (row));
  const char *key = concord_mapping_field_row_get_key (CONCORD_MAPPING_FIELD_ROW (row));
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
  ConcordMapping *mapping = concord_mapping_editor_get_mapping (self);

  if (mapping == NULL)
    return FALSE;

  keys[side] = key;
  if (CONCORD_IS_MAPPING_PAIR_ROW (row))
    {
      guint index = concord_mapping_pair_row_get_index (CONCORD_MAPPING_PAIR_ROW (row));
      const ConcordMappingPair *pair;

      if (index >= concord_mapping_get_n_pairs (mapping))
        return FALSE;
      pair = concord_mapping_get_pair (mapping, index);
      keys[CONCORD_SIDE_OTHER (side)] = concord_mapping_pair_key (pair, CONCORD_SIDE_OTHER (side));
    }
  else
    {
      ConcordMappingFieldRow *field = CONCORD_MAPPING_FIELD_ROW (row);

      if (concord_mapping_field_row_get_side (field) == side)
        return FALSE;
      keys[CONCORD_SIDE_OTHER (side)] = concord_mapping_field_row_get_key (field);
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
          const ConcordFieldSpec *a = concord_mapping_editor_lookup_spec (self, CONCORD_SIDE_A, keys[0]);
          const ConcordFieldSpec *b = concord_mapping_editor_lookup_spec (self, CONCORD_SIDE_B, keys[1]);
          ConcordPairFlow flow;

          ok = a != NULL && b != NULL && concord_mapping_initial_flow (a, b, &flow, NULL);
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
      if (!CONCORD_IS_MAPPING_PAIR_ROW (row))
        concord_mapping_editor_show_problem (self, _("Drop a field on a field of the other app to map them."));
      return FALSE;
    }

  return concord_mapping_editor_map_fields (self, keys[0], keys[1]);
}

/* Maps the fields dropped on @row: a pair row or a field row. */
void
concord_mapping_editor_add_drop_target (ConcordMappingEditor *self,
                                        GtkWidget            *row)
{
  GtkDropTarget *target = gtk_drop_target_new (G_TYPE_STRING, GDK_ACTION_COPY);

  g_signal_connect (target, "enter", G_CALLBACK (on_drop_enter), self);
  g_signal_connect (target, "leave", G_CALLBACK (on_drop_leave), self);
  g_signal_connect (target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (target));
}

/* Makes a field row draggable onto a field (or a pair) of the other side. */
void
concord_mapping_editor_add_drag_source (ConcordMappingEditor *self,
                                        GtkWidget            *row)
{
  GtkDragSource *source = gtk_drag_source_new ();

  gtk_drag_source_set_actions (source, GDK_ACTION_COPY);
  g_signal_connect (source, "prepare", G_CALLBACK (on_drag_prepare), self);
  g_signal_connect (source, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (source, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (source));
}
