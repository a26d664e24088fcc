/* concord-rule-value-editor-chips.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A rule's value editor, its several values: each one a chip with a button
 * that removes it (for "is one of"), and the suggestions a text entry
 * offers, from the values the field has in use.
 */

#define G_LOG_DOMAIN "concord-rule-value-editor"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "concord-mapping-common.h"
#include "concord-rule-value-editor-private.h"

/* ------------------------------------------------------------------------- */
/* Chips                                                                     */
/* ------------------------------------------------------------------------- */

static void
on_chip_remove_clicked_cb (GtkButton              *button,
                           ConcordRuleValueEditor *self)
{
  const char *item = g_object_get_data (G_OBJECT (button), "value");

  for (guint i = 0; i < self->items->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->items, i), item) == 0)
      {
        g_ptr_array_remove_index (self->items, i);
        break;
      }

  concord_rule_value_editor_rebuild_chips (self);
  /* The focus was on the button just gone: keep it in the editor. */
  gtk_widget_grab_focus (self->entry != NULL ? self->entry : self->dropdown);
  concord_rule_value_editor_emit_changed (self);
}

void
concord_rule_value_editor_rebuild_chips (ConcordRuleValueEditor *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->chips)) != NULL)
    gtk_box_remove (GTK_BOX (self->chips), child);

  for (guint i = 0; i < self->items->len; i++)
    {
      const char *item = g_ptr_array_index (self->items, i);
      GtkWidget *chip = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 2);
      GtkWidget *label = gtk_label_new (item);
      GtkWidget *button = gtk_button_new_from_icon_name ("window-close-symbolic");

      gtk_widget_add_css_class (chip, "rule-chip");
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 18);
      gtk_widget_set_name (button, "value-remove");
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_add_css_class (button, "circular");
      gtk_widget_set_tooltip_text (button, _("Remove"));
      g_object_set_data_full (G_OBJECT (button), "value", g_strdup (item), g_free);
      g_object_set_data_full (G_OBJECT (chip), "value", g_strdup (item), g_free);
      g_object_set_data (G_OBJECT (chip), "remove-button", button);
      g_signal_connect (button, "clicked", G_CALLBACK (on_chip_remove_clicked_cb), self);
      gtk_box_append (GTK_BOX (chip), label);
      gtk_box_append (GTK_BOX (chip), button);
      gtk_box_append (GTK_BOX (self->chips), chip);
    }

  gtk_widget_set_visible (self->chips, self->items->len > 0);
  concord_rule_value_editor_update_labels (self);
}

gboolean
concord_rule_value_editor_add_item (ConcordRuleValueEditor *self,
                                    const char             *text)
{
  g_autofree char *item = g_strstrip (g_strdup (text != NULL ? text : ""));

  if (*item == '\0')
    return FALSE;
  for (guint i = 0; i < self->items->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->items, i), item) == 0)
      return FALSE;

  g_ptr_array_add (self->items, g_steal_pointer (&item));
  concord_rule_value_editor_rebuild_chips (self);
  return TRUE;
}

void
concord_rule_value_editor_on_add_clicked_cb (GtkWidget              *widget,
                                             ConcordRuleValueEditor *self)
{
  gboolean added;

  if (self->entry != NULL)
    {
      added = concord_rule_value_editor_add_item (self, gtk_editable_get_text (GTK_EDITABLE (self->entry)));
      self->updating = TRUE;
      gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
      self->updating = FALSE;
      gtk_widget_grab_focus (self->entry);
    }
  else
    {
      GtkStringObject *item = gtk_drop_down_get_selected_item (GTK_DROP_DOWN (self->dropdown));

      added = item != NULL && concord_rule_value_editor_add_item (self, gtk_string_object_get_string (item));
    }

  if (added)
    concord_rule_value_editor_emit_changed (self);
}

/* ------------------------------------------------------------------------- */
/* Suggestions                                                               */
/* ------------------------------------------------------------------------- */

static void
on_suggestion_activated_cb (GtkListBox             *list,
                            GtkListBoxRow          *row,
                            ConcordRuleValueEditor *self)
{
  const char *value = g_object_get_data (G_OBJECT (row), "value");

  gtk_menu_button_popdown (GTK_MENU_BUTTON (self->suggest_button));

  if (self->kind == CONCORD_RULE_VALUE_MULTI)
    {
      if (concord_rule_value_editor_add_item (self, value))
        concord_rule_value_editor_emit_changed (self);
    }
  else
    {
      /* The entry's ::changed tells the row. */
      gtk_editable_set_text (GTK_EDITABLE (self->entry), value);
      gtk_editable_set_position (GTK_EDITABLE (self->entry), -1);
    }
  gtk_widget_grab_focus (self->entry);
}

void
concord_rule_value_editor_fill_suggestions (ConcordRuleValueEditor *self)
{
  GtkListBoxRow *row;
  guint n = self->suggestions != NULL ? g_strv_length (self->suggestions) : 0;

  if (self->suggest_button == NULL)
    return;

  while ((row = gtk_list_box_get_row_at_index (self->suggest_list, 0)) != NULL)
    gtk_list_box_remove (self->suggest_list, GTK_WIDGET (row));

  for (guint i = 0; i < n; i++)
    {
      GtkWidget *item = gtk_list_box_row_new ();
      GtkWidget *label = gtk_label_new (self->suggestions[i]);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 32);
      gtk_widget_set_margin_start (label, 6);
      gtk_widget_set_margin_end (label, 6);
      gtk_widget_set_margin_top (label, 6);
      gtk_widget_set_margin_bottom (label, 6);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (item), label);
      g_object_set_data_full (G_OBJECT (item), "value", g_strdup (self->suggestions[i]), g_free);
      concord_rule_value_editor_label_widget (item, self->suggestions[i]);
      gtk_widget_set_name (item, "value-suggestion");
      gtk_list_box_append (self->suggest_list, item);
    }

  gtk_widget_set_visible (self->suggest_button, n > 0);
}

/* A menu of values in use, linked to the entry in @box. */
void
concord_rule_value_editor_add_suggest_button (ConcordRuleValueEditor *self,
                                              GtkWidget              *box)
{
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_list_box_set_activate_on_single_click (GTK_LIST_BOX (list), TRUE);
  gtk_widget_add_css_class (list, "navigation-sidebar");
  g_signal_connect (list, "row-activated", G_CALLBACK (on_suggestion_activated_cb), self);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 280);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), list);
  gtk_popover_set_child (GTK_POPOVER (popover), scrolled);

  self->suggest_button = gtk_menu_button_new ();
  gtk_widget_set_name (self->suggest_button, "value-suggestions");
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (self->suggest_button), "pan-down-symbolic");
  gtk_widget_set_tooltip_text (self->suggest_button, _("Values in Use"));
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (self->suggest_button), popover);
  self->suggest_list = GTK_LIST_BOX (list);
  gtk_box_append (GTK_BOX (box), self->suggest_button);
  concord_rule_value_editor_fill_suggestions (self);
}
