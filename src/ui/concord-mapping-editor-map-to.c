/* concord-mapping-editor-map-to.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The mapping editor's “Map to…” popover, the keyboard's way to map a
 * field: the fields of the other side, free ones first, then the ones
 * already mapped (mapping replaces their pair), then the ones that cannot
 * be mapped, with why; a search above them keeps the ones whose name
 * holds what is typed.
 */

#define G_LOG_DOMAIN "concord-mapping-editor"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "concord-mapping-candidate-row.h"
#include "concord-mapping-common.h"
#include "concord-mapping-editor-private.h"
#include "concord-mapping-field-row.h"

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
  haystack = g_utf8_casefold (concord_mapping_candidate_row_get_haystack (CONCORD_MAPPING_CANDIDATE_ROW (row)), -1);
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
            GtkWidget            *row)
{
  ConcordMappingCandidateRow *candidate = CONCORD_MAPPING_CANDIDATE_ROW (row);
  GtkWidget *popover = gtk_widget_get_ancestor (row, GTK_TYPE_POPOVER);
  ConcordSide side = concord_mapping_candidate_row_get_side (candidate);
  g_autofree char *key = g_strdup (concord_mapping_candidate_row_get_key (candidate));
  g_autofree char *other = g_strdup (concord_mapping_candidate_row_get_other_key (candidate));

  if (popover != NULL)
    gtk_popover_popdown (GTK_POPOVER (popover));

  if (side == CONCORD_SIDE_A)
    concord_mapping_editor_map_fields (self, key, other);
  else
    concord_mapping_editor_map_fields (self, other, key);
}

static void
on_candidate_activated (GtkListBox           *list,
                        GtkListBoxRow        *row,
                        ConcordMappingEditor *self)
{
  map_to_row (self, GTK_WIDGET (row));
}

/* The first field the search keeps, or NULL. */
static GtkWidget *
first_candidate (GtkEditable *search)
{
  GtkWidget *list = gtk_search_entry_get_key_capture_widget (GTK_SEARCH_ENTRY (search));

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (GTK_IS_LIST_BOX_ROW (row) && gtk_widget_get_child_visible (row) &&
        gtk_widget_get_sensitive (row) && filter_candidates (GTK_LIST_BOX_ROW (row), search))
      return row;

  return NULL;
}

/* Enter in the search maps to the first field still shown. */
static void
on_search_activate (GtkEditable          *search,
                    ConcordMappingEditor *self)
{
  GtkWidget *row = first_candidate (search);

  if (row != NULL)
    map_to_row (self, row);
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
  GtkWidget *row;

  if ((keyval != GDK_KEY_Down && keyval != GDK_KEY_KP_Down) ||
      (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return GDK_EVENT_PROPAGATE;

  row = first_candidate (search);
  if (row != NULL)
    return gtk_widget_grab_focus (row) ? GDK_EVENT_STOP : GDK_EVENT_PROPAGATE;

  return GDK_EVENT_PROPAGATE;
}

/* Where @candidate goes in the popover of field @spec of @side: 0 with
 * the free fields, 1 with the mapped ones, 2 with the ones it cannot be
 * mapped to; why not in @reason. */
static guint
candidate_pass (ConcordMappingEditor    *self,
                ConcordSide              side,
                const ConcordFieldSpec  *spec,
                const ConcordFieldSpec  *candidate,
                gint                    *mapped,
                char                   **reason)
{
  const ConcordFieldSpec *spec_a = side == CONCORD_SIDE_A ? spec : candidate;
  const ConcordFieldSpec *spec_b = side == CONCORD_SIDE_A ? candidate : spec;
  ConcordPairFlow flow;
  gboolean ok = concord_mapping_initial_flow (spec_a, spec_b, &flow, reason);

  *mapped = concord_mapping_find (concord_mapping_editor_get_mapping (self), CONCORD_SIDE_OTHER (side),
                                  candidate->key);
  return !ok ? 2 : *mapped >= 0 ? 1 : 0;
}

static GtkWidget *
candidate_row (ConcordMappingEditor   *self,
               ConcordSide             side,
               const ConcordFieldSpec *spec,
               const ConcordFieldSpec *candidate,
               guint                   pass,
               gint                    mapped,
               const char             *reason)
{
  ConcordMapping *mapping = concord_mapping_editor_get_mapping (self);
  g_autofree char *subtitle = NULL;

  if (pass == 2)
    subtitle = g_strdup (reason);
  else if (pass == 1)
    {
      const ConcordMappingPair *pair = concord_mapping_get_pair (mapping, mapped);

      /* Translators: the first %s is a kind of field ("Text"), the second the field it is
       * mapped to. "·" separates the two parts */
      subtitle = g_strdup_printf (_("%s · now mapped to “%s”"),
                                  concord_mapping_type_name (candidate->type),
                                  concord_mapping_editor_field_label (self, side,
                                                                      concord_mapping_pair_key (pair, side)));
    }
  else
    subtitle = g_strdup (concord_mapping_type_name (candidate->type));

  return concord_mapping_candidate_row_new (side, spec->key, candidate, subtitle, pass != 2);
}

/* The search's keys: typing filters, Enter maps to the first field kept,
 * Down goes to it. */
static void
connect_search (ConcordMappingEditor *self,
                GtkWidget            *search,
                GtkWidget            *list)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_list_box_set_filter_func (GTK_LIST_BOX (list), filter_candidates, search, NULL);
  g_signal_connect (search, "changed", G_CALLBACK (on_search_changed), list);
  g_signal_connect (search, "activate", G_CALLBACK (on_search_activate), self);
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_search_key_pressed), search);
  gtk_widget_add_controller (search, keys);
  g_signal_connect (list, "row-activated", G_CALLBACK (on_candidate_activated), self);
  gtk_search_entry_set_key_capture_widget (GTK_SEARCH_ENTRY (search), list);
}

/**
 * concord_mapping_editor_create_map_to:
 * @button: the “Map to…” button of a #ConcordMappingFieldRow
 * @data: the #ConcordMappingEditor
 *
 * A #GtkMenuButtonCreatePopupFunc: gives @button its popover, made again
 * each time it opens.
 */
void
concord_mapping_editor_create_map_to (GtkMenuButton *button,
                                      gpointer       data)
{
  ConcordMappingEditor *self = data;
  ConcordMapping *mapping = concord_mapping_editor_get_mapping (self);
  ConcordMappingFieldRow *row = CONCORD_MAPPING_FIELD_ROW (gtk_widget_get_ancestor (GTK_WIDGET (button),
                                                                                     CONCORD_TYPE_MAPPING_FIELD_ROW));
  ConcordSide side = concord_mapping_field_row_get_side (row);
  ConcordSide other = CONCORD_SIDE_OTHER (side);
  const ConcordFieldSpec *spec = concord_mapping_editor_lookup_spec (self, side,
                                                                     concord_mapping_field_row_get_key (row));
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
        g_autofree char *reason = NULL;
        gint mapped;

        if (candidate_pass (self, side, spec, candidate, &mapped, &reason) == pass)
          gtk_list_box_append (GTK_LIST_BOX (list),
                               candidate_row (self, side, spec, candidate, pass, mapped, reason));
      }

  connect_search (self, search, list);
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
