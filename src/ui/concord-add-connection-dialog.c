/* concord-add-connection-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The Add Connection flow: one page per step in a GtkStack, Back and Next
 * (then Turn On) in the header bar, Cancel and Escape to leave.
 *
 *   1. authorize  both apps' accounts: two ConcordAddConnectionSide
 *   2. types      the kind of contacts on each side; skipped when both
 *                 apps have one kind only
 *   3. direction  one way or both, and per direction whether new contacts
 *                 are created and whether its rule is on
 *   4. rules      the rules in words (the editor comes later)
 *   5. mapping    the automatic field mapping of both schemas
 *   6. review     a dry run of the new connection, then Turn On
 *
 * Every page keeps its widgets, so going back loses nothing. Pages that
 * depend on earlier choices are rebuilt when they are entered, from those
 * choices.
 *
 * The rules, fields and review pages, and the disabled connection made
 * for the preview, are in concord-add-connection-dialog-review.c.
 */

#define G_LOG_DOMAIN "concord-add-connection-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-add-connection-dialog-private.h"
#include "concord-connection-item.h"

static const char * const page_names[N_PAGES] = {
  "authorize", "types", "direction", "rules", "mapping", "review",
};

static void enter_page (ConcordAddConnectionDialog *self);

G_DEFINE_FINAL_TYPE (ConcordAddConnectionDialog, concord_add_connection_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_ENGINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CONNECTION_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static const char *
app_icon (ConcordAddConnectionDialog *self,
          ConcordSide                 side)
{
  const ConcordAppInfo *app = concord_add_connection_side_get_app (side_widget (self, side));

  return concord_app_info_get_icon_name (app);
}

static gboolean
both_verified (ConcordAddConnectionDialog *self)
{
  return concord_add_connection_side_get_verified (self->side_a) &&
         concord_add_connection_side_get_verified (self->side_b);
}

/* Whether an app of the connection has several kinds of contact. */
static gboolean
several_types (ConcordAddConnectionDialog *self)
{
  for (guint s = 0; s < 2; s++)
    {
      GPtrArray *types = concord_add_connection_side_get_types (side_widget (self, s));

      if (types != NULL && types->len > 1)
        return TRUE;
    }

  return FALSE;
}

/* Which pages this connection goes through: the types page when an app
 * has more than one kind of contact, to choose, or when the two apps
 * differ, to show what each side's contacts are (Pipedrive's persons,
 * HubSpot's contacts, a Mailchimp audience); not between two accounts of
 * one app with one kind. */
static gboolean
page_needed (ConcordAddConnectionDialog *self,
             Page                        page)
{
  const ConcordAppInfo *app_a, *app_b;

  if (page != PAGE_TYPES)
    return TRUE;

  if (several_types (self))
    return TRUE;

  app_a = concord_add_connection_side_get_app (self->side_a);
  app_b = concord_add_connection_side_get_app (self->side_b);
  return app_a != NULL && app_b != NULL && app_a != app_b;
}

/* Keeps each side's chosen type among that account's types. */
static void
ensure_type_ids (ConcordAddConnectionDialog *self)
{
  for (guint s = 0; s < 2; s++)
    {
      GPtrArray *types = concord_add_connection_side_get_types (side_widget (self, s));
      gboolean found = FALSE;

      if (types == NULL || types->len == 0)
        {
          g_clear_pointer (&self->type_ids[s], g_free);
          continue;
        }

      for (guint i = 0; i < types->len && !found; i++)
        found = g_strcmp0 (((ConcordContactType *) g_ptr_array_index (types, i))->id,
                           self->type_ids[s]) == 0;
      if (!found)
        {
          g_free (self->type_ids[s]);
          self->type_ids[s] = g_strdup (((ConcordContactType *) g_ptr_array_index (types, 0))->id);
        }
    }
}

/* ------------------------------------------------------------------------- */
/* Leaving                                                                   */
/* ------------------------------------------------------------------------- */

/* The dialog goes: whatever is in flight is dropped, and a connection made
 * only to preview is removed. */
static void
abandon (ConcordAddConnectionDialog *self)
{
  if (self->closed)
    return;

  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);
  if (self->preview_cancellable != NULL)
    g_cancellable_cancel (self->preview_cancellable);
  /* (Being turned on, it stays.) Otherwise the preview connection goes,
   * then the accounts checked for it (the engine does both in order). */
  if (!self->turned_on && !self->turning_on)
    {
      _concord_add_connection_dialog_forget_connection (self);
      concord_add_connection_side_discard_account (self->side_a);
      concord_add_connection_side_discard_account (self->side_b);
    }
}

/* ------------------------------------------------------------------------- */
/* Page 3: direction                                                         */
/* ------------------------------------------------------------------------- */

static void
update_direction_page (ConcordAddConnectionDialog *self)
{
  ConcordDirection direction = get_direction (self);
  const char *name_a = account_name (self, CONCORD_SIDE_A);
  const char *name_b = account_name (self, CONCORD_SIDE_B);
  g_autofree char *caption = NULL;

  gtk_image_set_from_icon_name (self->direction_icon_a, app_icon (self, CONCORD_SIDE_A));
  gtk_image_set_from_icon_name (self->direction_icon_b, app_icon (self, CONCORD_SIDE_B));
  gtk_label_set_label (self->direction_name_a, name_a);
  gtk_label_set_label (self->direction_name_b, name_b);

  {
    /* Translators: a toggle button "→"; %s are account names */
    g_autofree char *a_to_b = g_strdup_printf (_("Only from %s to %s"), name_a, name_b);
    /* Translators: a toggle button "←"; %s are account names */
    g_autofree char *b_to_a = g_strdup_printf (_("Only from %s to %s"), name_b, name_a);
    /* Translators: a toggle button "⇄"; %s are account names */
    g_autofree char *both = g_strdup_printf (_("Both ways between %s and %s"), name_a, name_b);

    set_accessible_label (self->a_to_b_button, a_to_b);
    set_accessible_label (self->b_to_a_button, b_to_a);
    set_accessible_label (self->both_button, both);
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->a_to_b_button), a_to_b);
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->b_to_a_button), b_to_a);
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->both_button), both);
  }

  switch (direction)
    {
    case CONCORD_DIRECTION_A_TO_B:
      /* Translators: %s are account names */
      caption = g_strdup_printf (_("Contacts flow only from %s to %s. Nothing in %s is changed."),
                                 name_a, name_b, name_a);
      break;
    case CONCORD_DIRECTION_B_TO_A:
      /* Translators: %s are account names */
      caption = g_strdup_printf (_("Contacts flow only from %s to %s. Nothing in %s is changed."),
                                 name_b, name_a, name_b);
      break;
    case CONCORD_DIRECTION_BOTH:
    default:
      {
        gboolean sending_a = gtk_switch_get_active (rule_switch (self, CONCORD_SIDE_A));
        gboolean sending_b = gtk_switch_get_active (rule_switch (self, CONCORD_SIDE_B));

        /* Both ways, a side not sending: changes still flow both ways,
         * contacts only the other way. */
        if (sending_a && sending_b)
          caption = g_strdup (_("Contacts and their changes flow both ways."));
        else if (sending_a || sending_b)
          /* Translators: %s are account names */
          caption = g_strdup_printf (_("Changes to contacts in both apps flow both ways; other contacts go "
                                       "only from %s to %s."),
                                     sending_a ? name_a : name_b, sending_a ? name_b : name_a);
        else
          caption = g_strdup (_("Only changes to contacts already in both apps flow, both ways."));
      }
      break;
    }
  gtk_label_set_label (self->direction_caption, caption);

  for (guint s = 0; s < 2; s++)
    {
      AdwPreferencesGroup *group = s == CONCORD_SIDE_A ? self->a_to_b_group : self->b_to_a_group;
      AdwActionRow *create_row = s == CONCORD_SIDE_A ? self->create_a_to_b_row : self->create_b_to_a_row;
      AdwActionRow *send_row = s == CONCORD_SIDE_A ? self->rule_a_to_b_row : self->rule_b_to_a_row;
      GtkSwitch *create = create_switch (self, s);
      gboolean sending = gtk_switch_get_active (rule_switch (self, s));
      const char *from = account_name (self, s);
      const char *to = account_name (self, CONCORD_SIDE_OTHER (s));
      /* Translators: a group of settings; %s are account names */
      g_autofree char *title = g_strdup_printf (_("From %s to %s"), from, to);
      /* Translators: %s is an account name */
      g_autofree char *create_title = g_strdup_printf (_("Create New Contacts in %s"), to);
      g_autofree char *create_subtitle = NULL;
      g_autofree char *send_subtitle = NULL;
      /* Translators: %s are account names */
      g_autofree char *send = g_strdup_printf (_("Send contacts from %s to %s"), from, to);

      /* A switch that cannot be used shows what happens: not sending, no
       * contact is created. What it was comes back with sending. */
      if (!sending && gtk_switch_get_active (create))
        {
          self->create_wanted[s] = TRUE;
          gtk_switch_set_active (create, FALSE);
        }
      else if (sending && self->create_wanted[s])
        {
          self->create_wanted[s] = FALSE;
          gtk_switch_set_active (create, TRUE);
        }

      if (!sending)
        /* Translators: %s is an account name */
        create_subtitle = g_strdup_printf (_("Nothing new is created in %s while contacts are not "
                                             "sent there."), to);
      else if (gtk_switch_get_active (create))
        /* Translators: %s are account names */
        create_subtitle = g_strdup_printf (_("A contact of %s that is not in %s yet is added there."),
                                           from, to);
      else
        /* Translators: %s is an account name */
        create_subtitle = g_strdup_printf (_("Only contacts already in %s are updated."), to);

      if (sending)
        /* Translators: %s are account names */
        send_subtitle = g_strdup_printf (_("Contacts of %s and their changes go to %s. The next step "
                                           "shows which ones."), from, to);
      else
        /* Translators: %s are account names */
        send_subtitle = g_strdup_printf (_("Nothing goes from %s to %s except changes to contacts "
                                           "already in both apps."), from, to);

      gtk_widget_set_visible (GTK_WIDGET (group), concord_direction_flows (direction, s));
      adw_preferences_group_set_title (group, title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (create_row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (create_row), create_title);
      adw_action_row_set_subtitle (create_row, create_subtitle);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (send_row), FALSE);
      adw_action_row_set_subtitle (send_row, send_subtitle);
      set_accessible_label (create, create_title);
      set_accessible_label (rule_switch (self, s), send);
      gtk_widget_set_sensitive (GTK_WIDGET (create_row), sending);
    }
}

/* ------------------------------------------------------------------------- */
/* Page 2: contact types                                                     */
/* ------------------------------------------------------------------------- */

static void
on_type_toggled (GtkCheckButton             *button,
                 ConcordAddConnectionDialog *self)
{
  ConcordSide side = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "concord-side"));

  if (!gtk_check_button_get_active (button))
    return;

  g_free (self->type_ids[side]);
  self->type_ids[side] = g_strdup (g_object_get_data (G_OBJECT (button), "concord-type"));
}

static void
build_types_page (ConcordAddConnectionDialog *self)
{
  /* Nothing to choose: the page says what syncs. */
  if (several_types (self))
    {
      gtk_label_set_label (self->types_title, _("Choose What to Sync"));
      gtk_label_set_label (self->types_description,
                           _("The contacts Concord syncs in each app. Where an app keeps several kinds, "
                             "such as audiences or lists, pick the one to sync."));
    }
  else
    {
      gtk_label_set_label (self->types_title, _("What Syncs"));
      gtk_label_set_label (self->types_description,
                           _("The contacts Concord syncs in each app. Each app here keeps one kind."));
    }

  for (guint s = 0; s < 2; s++)
    {
      AdwPreferencesGroup *group = s == CONCORD_SIDE_A ? self->types_group_a : self->types_group_b;
      ConcordAddConnectionSide *side = side_widget (self, s);
      const char *account = concord_add_connection_side_get_account_id (side);
      GPtrArray *types = concord_add_connection_side_get_types (side);
      GtkCheckButton *first = NULL;
      g_autofree char *title = NULL;

      /* A side with one kind of contacts has nothing to choose: shown
       * only when no side has (the page then says what each syncs). */
      gtk_widget_set_visible (GTK_WIDGET (group),
                              types != NULL && (types->len > 1 || (types->len == 1 && !several_types (self))));
      if (g_strcmp0 (self->types_for[s], account) == 0)
        continue;

      remove_rows (group, self->type_rows[s]);
      g_free (self->types_for[s]);
      self->types_for[s] = g_strdup (account);

      /* Translators: %s is an account name */
      title = g_strdup_printf (_("Contacts in %s"), account_name (self, s));
      adw_preferences_group_set_title (group, title);

      /* One kind: said, with the app's icon, nothing to choose. */
      if (types != NULL && types->len == 1)
        {
          const ConcordContactType *type = g_ptr_array_index (types, 0);
          const ConcordAppInfo *app = concord_add_connection_side_get_app (side);
          /* Translators: %s is an app ("Pipedrive"); the kind may be the
           * account's own (a Mailchimp audience) */
          g_autofree char *subtitle = g_strdup_printf (_("The only kind of contact in this %s account"),
                                                       concord_app_info_get_name (app));
          GtkWidget *row = add_row (group, self->type_rows[s], type->label, subtitle);
          GtkWidget *icon = gtk_image_new_from_icon_name (app_icon (self, s));
          g_autofree char *name = g_strdup_printf ("type-%s-%s", CONCORD_SIDE_NAME (s), type->id);
          g_autofree char *label = g_strdup_printf ("%s. %s", type->label, subtitle);

          gtk_widget_set_name (row, name);
          gtk_image_set_pixel_size (GTK_IMAGE (icon), 32);
          gtk_widget_add_css_class (icon, "app-icon");
          gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          concord_app_info_get_name (app), -1);
          adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
          set_accessible_label (row, label);
          continue;
        }

      for (guint i = 0; types != NULL && i < types->len; i++)
        {
          const ConcordContactType *type = g_ptr_array_index (types, i);
          GtkWidget *row = add_row (group, self->type_rows[s], type->label, NULL);
          GtkWidget *check = gtk_check_button_new ();
          g_autofree char *name = g_strdup_printf ("type-%s-%s", CONCORD_SIDE_NAME (s), type->id);

          gtk_widget_set_name (check, name);
          gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
          if (first != NULL)
            gtk_check_button_set_group (GTK_CHECK_BUTTON (check), first);
          else
            first = GTK_CHECK_BUTTON (check);
          g_object_set_data (G_OBJECT (check), "concord-side", GUINT_TO_POINTER (s));
          g_object_set_data_full (G_OBJECT (check), "concord-type", g_strdup (type->id), g_free);
          gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                                       g_strcmp0 (type->id, self->type_ids[s]) == 0);
          g_signal_connect (check, "toggled", G_CALLBACK (on_type_toggled), self);
          set_accessible_label (check, type->label);
          adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
          adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
          /* libadwaita 1.2 also labels the check by the row's title, and
           * GTK 4.8 reads both ("People People"): the label says it. Done
           * here, not by concord-a11y.c, as the rows are remade while their
           * page is hidden, when nothing is realized or mapped. */
          gtk_accessible_reset_relation (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
        }
    }
}

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
      return both_verified (self) &&
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
  gboolean same = both_verified (self) &&
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

static void
focus_page (ConcordAddConnectionDialog *self)
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

static void
enter_page (ConcordAddConnectionDialog *self)
{
  switch (self->page)
    {
    case PAGE_TYPES:
      build_types_page (self);
      break;
    case PAGE_DIRECTION:
      update_direction_page (self);
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
    ensure_type_ids (self);

  self->page = page;
  gtk_stack_set_transition_type (self->stack, forward ? GTK_STACK_TRANSITION_TYPE_SLIDE_LEFT
                                                      : GTK_STACK_TRANSITION_TYPE_SLIDE_RIGHT);
  gtk_stack_set_visible_child_name (self->stack, page_names[page]);
  enter_page (self);
  _concord_add_connection_dialog_update_buttons (self);
  focus_page (self);
}

static void
concord_add_connection_dialog_next_action (GtkWidget  *widget,
                                           const char *action_name,
                                           GVariant   *parameter)
{
  ConcordAddConnectionDialog *self = CONCORD_ADD_CONNECTION_DIALOG (widget);

  if (!page_valid (self, self->page))
    return;

  for (Page p = self->page + 1; p < N_PAGES; p++)
    if (page_needed (self, p))
      {
        go_to (self, p);
        return;
      }
}

static void
concord_add_connection_dialog_back_action (GtkWidget  *widget,
                                           const char *action_name,
                                           GVariant   *parameter)
{
  ConcordAddConnectionDialog *self = CONCORD_ADD_CONNECTION_DIALOG (widget);

  for (int p = (int) self->page - 1; p >= 0; p--)
    if (page_needed (self, p))
      {
        go_to (self, p);
        return;
      }
}

static void
concord_add_connection_dialog_turn_on_action (GtkWidget  *widget,
                                              const char *action_name,
                                              GVariant   *parameter)
{
  ConcordAddConnectionDialog *self = CONCORD_ADD_CONNECTION_DIALOG (widget);

  if (self->page == PAGE_REVIEW && page_valid (self, PAGE_REVIEW))
    _concord_add_connection_dialog_turn_on (self);
}

/* ------------------------------------------------------------------------- */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------- */

static void
on_side_verified (ConcordAddConnectionDialog *self,
                  GParamSpec                 *pspec,
                  ConcordAddConnectionSide   *side)
{
  if (both_verified (self))
    ensure_type_ids (self);
  _concord_add_connection_dialog_update_buttons (self);

  /* A key accepted: on to the other app, or to Next. */
  if (self->page == PAGE_AUTHORIZE && concord_add_connection_side_get_verified (side))
    focus_page (self);
}

static void
on_direction_toggled (ConcordAddConnectionDialog *self,
                      GtkToggleButton            *button)
{
  if (gtk_toggle_button_get_active (button))
    update_direction_page (self);
}

static void
on_rule_switch_changed (ConcordAddConnectionDialog *self)
{
  update_direction_page (self);
}

static void
on_mapping_retry_clicked (ConcordAddConnectionDialog *self)
{
  _concord_add_connection_dialog_reload_schemas (self);
}

static void
on_review_retry_clicked (ConcordAddConnectionDialog *self)
{
  _concord_add_connection_dialog_retry_preview (self);
}

/* ------------------------------------------------------------------------- */
/* GtkWindow                                                                 */
/* ------------------------------------------------------------------------- */

static gboolean
concord_add_connection_dialog_close_request (GtkWindow *window)
{
  ConcordAddConnectionDialog *self = CONCORD_ADD_CONNECTION_DIALOG (window);

  /* Turning on takes a moment; the connection must not be half there. */
  if (self->turning_on)
    return TRUE;

  abandon (self);

  return GTK_WINDOW_CLASS (concord_add_connection_dialog_parent_class)->close_request (window);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_add_connection_dialog_constructed (GObject *object)
{
  ConcordAddConnectionDialog *self = CONCORD_ADD_CONNECTION_DIALOG (object);

  G_OBJECT_CLASS (concord_add_connection_dialog_parent_class)->constructed (object);

  g_assert (self->engine != NULL);

  concord_add_connection_side_set_engine (self->side_a, self->engine);
  concord_add_connection_side_set_engine (self->side_b, self->engine);
  concord_add_connection_side_set_other (self->side_a, self->side_b);
  concord_add_connection_side_set_other (self->side_b, self->side_a);
  _concord_add_connection_dialog_update_buttons (self);
  focus_page (self);
}

static void
concord_add_connection_dialog_dispose (GObject *object)
{
  ConcordAddConnectionDialog *self = CONCORD_ADD_CONNECTION_DIALOG (object);

  if (self->engine != NULL)
    abandon (self);

  gtk_widget_dispose_template (GTK_WIDGET (self), CONCORD_TYPE_ADD_CONNECTION_DIALOG);
  g_clear_object (&self->engine);
  g_clear_object (&self->preview_cancellable);

  G_OBJECT_CLASS (concord_add_connection_dialog_parent_class)->dispose (object);
}

static void
on_rules_edit_clicked (ConcordAddConnectionDialog *self)
{
  _concord_add_connection_dialog_edit (self, FALSE);
}

static void
on_mapping_edit_clicked (ConcordAddConnectionDialog *self)
{
  _concord_add_connection_dialog_edit (self, TRUE);
}

static void
concord_add_connection_dialog_finalize (GObject *object)
{
  ConcordAddConnectionDialog *self = CONCORD_ADD_CONNECTION_DIALOG (object);

  g_clear_pointer (&self->edited, concord_connection_config_free);

  g_clear_object (&self->cancellable);
  for (guint s = 0; s < 2; s++)
    {
      g_free (self->type_ids[s]);
      g_free (self->types_for[s]);
      g_ptr_array_unref (self->type_rows[s]);
      g_clear_pointer (&self->schemas[s], g_ptr_array_unref);
      g_clear_pointer (&self->samples[s], g_ptr_array_unref);
    }
  g_clear_pointer (&self->automap_rows, g_ptr_array_unref);
  g_clear_pointer (&self->automap_left_rows, g_ptr_array_unref);
  g_clear_pointer (&self->automap, concord_mapping_unref);
  g_clear_pointer (&self->automap_unmapped, g_ptr_array_unref);
  g_free (self->schemas_for);
  g_free (self->schemas_loading);
  g_clear_error (&self->schema_error);
  g_ptr_array_unref (self->pair_rows);
  g_ptr_array_unref (self->unmapped_rows);
  g_ptr_array_unref (self->rule_rows);
  g_ptr_array_unref (self->change_rows);
  g_free (self->connection_key);
  g_free (self->adding_key);
  g_free (self->preview_key);

  G_OBJECT_CLASS (concord_add_connection_dialog_parent_class)->finalize (object);
}

static void
concord_add_connection_dialog_get_property (GObject    *object,
                                            guint       prop_id,
                                            GValue     *value,
                                            GParamSpec *pspec)
{
  ConcordAddConnectionDialog *self = CONCORD_ADD_CONNECTION_DIALOG (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_add_connection_dialog_set_property (GObject      *object,
                                            guint         prop_id,
                                            const GValue *value,
                                            GParamSpec   *pspec)
{
  ConcordAddConnectionDialog *self = CONCORD_ADD_CONNECTION_DIALOG (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      self->engine = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_add_connection_dialog_class_init (ConcordAddConnectionDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = concord_add_connection_dialog_constructed;
  object_class->dispose = concord_add_connection_dialog_dispose;
  object_class->finalize = concord_add_connection_dialog_finalize;
  object_class->get_property = concord_add_connection_dialog_get_property;
  object_class->set_property = concord_add_connection_dialog_set_property;

  window_class->close_request = concord_add_connection_dialog_close_request;

  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL,
                         CONCORD_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ConcordAddConnectionDialog::connection-added:
   * @connection_id: the new connection, switched on
   *
   * Emitted once the new connection is on, just before the dialog closes.
   */
  signals[CONNECTION_ADDED] =
    g_signal_new ("connection-added",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);

  g_type_ensure (CONCORD_TYPE_ADD_CONNECTION_SIDE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/concord-add-connection-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, next_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, turn_on_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, back_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, sandbox_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, types_title);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, types_description);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, side_a);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, side_b);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, next_hint_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, types_group_a);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, types_group_b);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, direction_icon_a);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, direction_icon_b);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, direction_name_a);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, direction_name_b);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, a_to_b_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, both_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, b_to_a_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, direction_caption);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, a_to_b_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, create_a_to_b_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, create_a_to_b_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, rule_a_to_b_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, b_to_a_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, create_b_to_a_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, create_b_to_a_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, rule_b_to_a_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, rule_a_to_b_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, rule_b_to_a_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, rules_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, conflict_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, mapping_loading_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, mapping_spinner);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, mapping_status_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, mapping_retry_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, pairs_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, unmapped_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, review_loading_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, review_spinner);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, review_status_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, review_retry_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, review_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, tripped_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, listed_a_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, listed_a_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, listed_b_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, listed_b_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, matched_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, create_a_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, create_a_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, create_b_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, create_b_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, update_a_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, update_a_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, update_b_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, update_b_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, conflicts_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, skipped_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, changes_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, excluded_label);
  gtk_widget_class_bind_template_callback (widget_class, on_side_verified);
  gtk_widget_class_bind_template_callback (widget_class, on_direction_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_rule_switch_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_mapping_retry_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_rules_edit_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_mapping_edit_clicked);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, rules_edit_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, mapping_edit_button);
  gtk_widget_class_bind_template_callback (widget_class, on_review_retry_clicked);

  gtk_widget_class_install_action (widget_class, "flow.next", NULL,
                                   concord_add_connection_dialog_next_action);
  gtk_widget_class_install_action (widget_class, "flow.back", NULL,
                                   concord_add_connection_dialog_back_action);
  gtk_widget_class_install_action (widget_class, "flow.turn-on", NULL,
                                   concord_add_connection_dialog_turn_on_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "flow.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, GDK_ALT_MASK, "flow.next", NULL);
}

static void
concord_add_connection_dialog_init (ConcordAddConnectionDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->type_rows[0] = g_ptr_array_new ();
  self->type_rows[1] = g_ptr_array_new ();
  self->pair_rows = g_ptr_array_new ();
  self->unmapped_rows = g_ptr_array_new ();
  self->rule_rows = g_ptr_array_new ();
  self->change_rows = g_ptr_array_new ();

  if (g_strcmp0 (PROFILE, "development") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_add_connection_dialog_new:
 * @parent: (nullable): the window the dialog is modal for
 * @engine: the engine the connection is added to
 *
 * Returns: (transfer floating): the Add Connection dialog; present it. It
 *   emits ::connection-added when the new connection is on.
 */
GtkWidget *
concord_add_connection_dialog_new (GtkWindow     *parent,
                                   ConcordEngine *engine)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CONCORD_IS_ENGINE (engine), NULL);

  return g_object_new (CONCORD_TYPE_ADD_CONNECTION_DIALOG,
                       "transient-for", parent,
                       "engine", engine,
                       NULL);
}

/**
 * concord_add_connection_dialog_set_sandbox:
 * @sandbox: the running sample apps
 *
 * Walks the user through the real flow with the sample apps: their keys
 * are shown on the first page, the Sample CRM is offered, and Elastic
 * Email's server address points at the sample one.
 */
void
concord_add_connection_dialog_set_sandbox (ConcordAddConnectionDialog *self,
                                           ConcordSandbox             *sandbox)
{
  g_autofree char *text = NULL;

  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_DIALOG (self));
  g_return_if_fail (CONCORD_IS_SANDBOX (sandbox));

  /* Translators: both %s are API keys of the sample apps, to be typed as they are */
  text = g_strdup_printf (_("Sample data: choose Elastic Email with the key “%s”, and Sample CRM with "
                            "the key “%s”. Both run on this computer with a few hundred sample "
                            "contacts; nothing leaves it."),
                          concord_sandbox_get_elasticemail_key (sandbox),
                          concord_sandbox_get_crm_key (sandbox));
  gtk_label_set_label (self->sandbox_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->sandbox_label), TRUE);

  concord_add_connection_side_set_sandbox (self->side_a, sandbox);
  concord_add_connection_side_set_sandbox (self->side_b, sandbox);
}

/**
 * concord_add_connection_dialog_set_sandbox_app:
 * @sandbox: the running sample apps
 * @app_id: the demo's second side, one of concord_sandbox_list_apps()
 *   that @sandbox runs
 *
 * Like concord_add_connection_dialog_set_sandbox(), with the demo's two
 * apps chosen already and their keys filled in: the user names the two
 * accounts and goes on through the real flow.
 */
void
concord_add_connection_dialog_set_sandbox_app (ConcordAddConnectionDialog *self,
                                               ConcordSandbox             *sandbox,
                                               const char                 *app_id)
{
  g_autofree char *text = NULL;
  const char *name;

  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_DIALOG (self));
  g_return_if_fail (CONCORD_IS_SANDBOX (sandbox));
  g_return_if_fail (concord_app_registry_lookup (app_id) != NULL);

  concord_add_connection_dialog_set_sandbox (self, sandbox);

  name = concord_app_registry_get_name (app_id);
  /* Translators: %s is an app, "Pipedrive" */
  text = g_strdup_printf (_("Sample data: Elastic Email and %s run on this computer with a few hundred "
                            "made-up contacts; their accounts are filled in, and nothing leaves this "
                            "computer. Check each account, then go on."),
                          name);
  gtk_label_set_label (self->sandbox_label, text);

  concord_add_connection_side_choose_app (self->side_a, concord_elasticemail_app.id);
  concord_add_connection_side_choose_app (self->side_b, app_id);
  {
    /* Translators: the name of the sandbox demo's account of an app, %s
     * ("Sample Pipedrive") */
    g_autofree char *name_a = g_strdup_printf (_("Sample %s"), concord_app_info_get_name (&concord_elasticemail_app));
    g_autofree char *name_b = g_strdup_printf (_("Sample %s"), name);

    concord_add_connection_side_suggest_name (self->side_a, name_a);
    concord_add_connection_side_suggest_name (self->side_b, name_b);
  }
  /* The first name to type, under what the page says. */
  concord_add_connection_side_focus (self->side_a);
  concord_add_connection_scroll_to (GTK_WIDGET (self->sandbox_label));
}
