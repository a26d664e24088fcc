/* concord-add-connection-dialog-navigation.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Add Connection's navigation: which pages are needed and valid, the
 * hint under Next, the buttons, where the focus goes on each page, and
 * going from page to page (Next, Back, Turn On). See
 * concord-add-connection-dialog.c for the flow.
 */

#define G_LOG_DOMAIN "concord-add-connection-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-add-connection-dialog-private.h"
#include "concord-connection-item.h"

static const char * const page_names[N_PAGES] = {
  "authorize", "types", "direction", "rules", "mapping", "review",
};

/* ------------------------------------------------------------------------- */
/* Navigation                                                                */
/* ------------------------------------------------------------------------- */

static gboolean
page_valid (ConcordAddConnectionDialog *self,
            Page                        page)
{
  switch (page)
    {
    case PAGE_AUTHORIZE:
      return _concord_add_connection_dialog_both_verified (self) &&
             !concord_add_connection_side_same_account (self->side_a, self->side_b);
    case PAGE_TYPES:
      return self->type_ids[0] != NULL && self->type_ids[1] != NULL;
    case PAGE_MAPPING:
      return _concord_add_connection_dialog_mapping_ready (self);
    case PAGE_REVIEW:
      return _concord_add_connection_dialog_preview_ready (self) && !self->turning_on;
    case PAGE_DIRECTION:
    case PAGE_RULES:
    case N_PAGES:
    default:
      return TRUE;
    }
}

/* Next is never off without a reason on screen: under the apps, and on
 * the field it is about (the second app's key for the same account). */
static void
update_next_hint (ConcordAddConnectionDialog *self)
{
  gboolean same = _concord_add_connection_dialog_both_verified (self) &&
                  concord_add_connection_side_same_account (self->side_a, self->side_b);
  const char *hint = NULL;
  const char *same_text = _("Both apps use the same account. Syncing an account with itself "
                            "changes nothing: choose another account for the second app.");

  if (self->page == PAGE_AUTHORIZE)
    {
      if (same)
        hint = same_text;
      else if (!concord_add_connection_side_get_verified (self->side_a))
        hint = _("To go on, choose the first app and check its account.");
      else if (!concord_add_connection_side_get_verified (self->side_b))
        hint = _("To go on, choose the second app and check its account.");
    }

  concord_add_connection_side_show_problem (self->side_b, same ? same_text : NULL);

  gtk_widget_set_visible (GTK_WIDGET (self->next_hint_label), hint != NULL);
  gtk_label_set_label (self->next_hint_label, hint != NULL ? hint : "");
  if (same)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->next_hint_label), "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (self->next_hint_label), "error");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->next_hint_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->next_hint_label), "dim-label");
    }
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->next_button), hint);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->next_button),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, hint != NULL ? hint : "", -1);
}

void
_concord_add_connection_dialog_update_buttons (ConcordAddConnectionDialog *self)
{
  gboolean last = self->page == PAGE_REVIEW;
  guint n_steps = 0, step = 0;
  g_autofree char *subtitle = NULL;
  GtkStackPage *stack_page;

  if (self->closed)
    return;

  /* Counted from the steps every connection goes through, so that the
   * count never changes on the way: the contact types, shown only once
   * the apps are known to have several kinds, belong to the first step. */
  for (Page p = 0; p < N_PAGES; p++)
    if (p != PAGE_TYPES)
      {
        n_steps++;
        if (p <= self->page)
          step = n_steps;
      }

  stack_page = gtk_stack_get_page (self->stack, gtk_stack_get_visible_child (self->stack));
  /* Translators: the window's subtitle: "Step 2 of 5: Direction" */
  subtitle = g_strdup_printf (_("Step %u of %u: %s"), step, n_steps,
                              gtk_stack_page_get_title (stack_page));
  adw_window_title_set_subtitle (self->window_title, subtitle);

  gtk_widget_set_visible (GTK_WIDGET (self->back_button), self->page != PAGE_AUTHORIZE);
  gtk_widget_set_visible (GTK_WIDGET (self->next_button), !last);
  gtk_widget_set_visible (GTK_WIDGET (self->turn_on_button), last);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "flow.back",
                                 self->page != PAGE_AUTHORIZE && !self->turning_on);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "flow.next", !last && page_valid (self, self->page));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "flow.turn-on", last && page_valid (self, self->page));
  gtk_window_set_default_widget (GTK_WINDOW (self),
                                 GTK_WIDGET (last ? self->turn_on_button : self->next_button));

  update_next_hint (self);

  /* The editors need both apps' fields. */
  {
    gboolean fields = _concord_add_connection_dialog_mapping_ready (self) &&
                      self->schemas[0] != NULL && self->schemas[1] != NULL;

    gtk_widget_set_sensitive (GTK_WIDGET (self->rules_edit_button), fields);
    gtk_widget_set_sensitive (GTK_WIDGET (self->mapping_edit_button), fields);
  }
}

void
_concord_add_connection_dialog_focus_page (ConcordAddConnectionDialog *self)
{
  switch (self->page)
    {
    case PAGE_AUTHORIZE:
      if (!concord_add_connection_side_get_verified (self->side_a))
        concord_add_connection_side_focus (self->side_a);
      else if (!concord_add_connection_side_get_verified (self->side_b) ||
               concord_add_connection_side_same_account (self->side_a, self->side_b))
        concord_add_connection_side_focus (self->side_b);
      else
        gtk_widget_grab_focus (GTK_WIDGET (self->next_button));
      break;

    case PAGE_TYPES:
      /* The first app with a choice: a side with one kind is hidden, and
       * the focus in a hidden row would take every key with it (Tab,
       * Alt+←, Escape: nothing would move any more). */
      for (guint s = 0; s < 2; s++)
        if (self->type_rows[s]->len > 0 &&
            gtk_widget_get_visible (GTK_WIDGET (s == CONCORD_SIDE_A ? self->types_group_a : self->types_group_b)))
          {
            gtk_widget_grab_focus (g_ptr_array_index (self->type_rows[s], 0));
            return;
          }
      gtk_widget_grab_focus (GTK_WIDGET (self->next_button));
      break;

    case PAGE_DIRECTION:
      {
        ConcordDirection direction = get_direction (self);

        gtk_widget_grab_focus (GTK_WIDGET (direction == CONCORD_DIRECTION_A_TO_B ? self->a_to_b_button :
                                           direction == CONCORD_DIRECTION_B_TO_A ? self->b_to_a_button :
                                           self->both_button));
      }
      break;

    case PAGE_REVIEW:
      if (!gtk_widget_grab_focus (GTK_WIDGET (self->turn_on_button)))
        gtk_widget_grab_focus (GTK_WIDGET (self->back_button));
      break;

    case PAGE_RULES:
    case PAGE_MAPPING:
    case N_PAGES:
    default:
      gtk_widget_grab_focus (GTK_WIDGET (self->next_button));
      break;
    }
}

void
_concord_add_connection_dialog_enter_page (ConcordAddConnectionDialog *self)
{
  switch (self->page)
    {
    case PAGE_TYPES:
      _concord_add_connection_dialog_build_types_page (self);
      break;
    case PAGE_DIRECTION:
      _concord_add_connection_dialog_update_direction_page (self);
      break;
    case PAGE_RULES:
      _concord_add_connection_dialog_build_rules_page (self);
      /* For the rule editor's fields. */
      _concord_add_connection_dialog_load_schemas (self);
      break;
    case PAGE_MAPPING:
      _concord_add_connection_dialog_load_schemas (self);
      break;
    case PAGE_REVIEW:
      _concord_add_connection_dialog_ensure_preview (self);
      break;
    case PAGE_AUTHORIZE:
    case N_PAGES:
    default:
      break;
    }
}

static void
go_to (ConcordAddConnectionDialog *self,
       Page                        page)
{
  gboolean forward = page > self->page;

  /* A preview going is not wanted any more; its connection may be reused. */
  if (self->page == PAGE_REVIEW && self->preview_cancellable != NULL)
    g_cancellable_cancel (self->preview_cancellable);

  if (self->page == PAGE_AUTHORIZE)
    _concord_add_connection_dialog_ensure_type_ids (self);

  self->page = page;
  gtk_stack_set_transition_type (self->stack, forward ? GTK_STACK_TRANSITION_TYPE_SLIDE_LEFT
                                                      : GTK_STACK_TRANSITION_TYPE_SLIDE_RIGHT);
  gtk_stack_set_visible_child_name (self->stack, page_names[page]);
  _concord_add_connection_dialog_enter_page (self);
  _concord_add_connection_dialog_update_buttons (self);
  _concord_add_connection_dialog_focus_page (self);
}

void
concord_add_connection_dialog_next_action (GtkWidget  *widget,
                                           const char *action_name,
                                           GVariant   *parameter)
{
  ConcordAddConnectionDialog *self = CONCORD_ADD_CONNECTION_DIALOG (widget);

  if (!page_valid (self, self->page))
    return;

  for (Page p = self->page + 1; p < N_PAGES; p++)
    if (_concord_add_connection_dialog_page_needed (self, p))
      {
        go_to (self, p);
        return;
      }
}

void
concord_add_connection_dialog_back_action (GtkWidget  *widget,
                                           const char *action_name,
                                           GVariant   *parameter)
{
  ConcordAddConnectionDialog *self = CONCORD_ADD_CONNECTION_DIALOG (widget);

  for (int p = (int) self->page - 1; p >= 0; p--)
    if (_concord_add_connection_dialog_page_needed (self, p))
      {
        go_to (self, p);
        return;
      }
}

void
concord_add_connection_dialog_turn_on_action (GtkWidget  *widget,
                                              const char *action_name,
                                              GVariant   *parameter)
{
  ConcordAddConnectionDialog *self = CONCORD_ADD_CONNECTION_DIALOG (widget);

  if (self->page == PAGE_REVIEW && page_valid (self, PAGE_REVIEW))
    _concord_add_connection_dialog_turn_on (self);
}
