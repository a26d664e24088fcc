/* concord-add-connection-dialog-choices.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Add Connection, pages 2 and 3: what syncs (each app's contact type,
 * chosen where an app keeps several) and which way (the direction, and
 * whether each side sends its contacts and creates new ones). See
 * concord-add-connection-dialog.c for the flow.
 */

#define G_LOG_DOMAIN "concord-add-connection-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-add-connection-dialog-private.h"
#include "concord-connection-item.h"

/* ------------------------------------------------------------------------- */
/* Page 3: direction                                                         */
/* ------------------------------------------------------------------------- */

/* The direction buttons' names and tooltips, with both accounts' names. */
static void
label_direction_buttons (ConcordAddConnectionDialog *self,
                         const char                 *name_a,
                         const char                 *name_b)
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

/* What flows, said under the direction buttons. */
static char *
caption_of_direction (ConcordAddConnectionDialog *self,
                      ConcordDirection            direction,
                      const char                 *name_a,
                      const char                 *name_b)
{
  switch (direction)
    {
    case CONCORD_DIRECTION_A_TO_B:
      /* Translators: %s are account names */
      return g_strdup_printf (_("Contacts flow only from %s to %s. Nothing in %s is changed."),
                              name_a, name_b, name_a);
    case CONCORD_DIRECTION_B_TO_A:
      /* Translators: %s are account names */
      return g_strdup_printf (_("Contacts flow only from %s to %s. Nothing in %s is changed."),
                              name_b, name_a, name_b);
    case CONCORD_DIRECTION_BOTH:
    default:
      {
        gboolean sending_a = gtk_switch_get_active (rule_switch (self, CONCORD_SIDE_A));
        gboolean sending_b = gtk_switch_get_active (rule_switch (self, CONCORD_SIDE_B));

        /* Both ways, a side not sending: changes still flow both ways,
         * contacts only the other way. */
        if (sending_a && sending_b)
          return g_strdup (_("Contacts and their changes flow both ways."));
        else if (sending_a || sending_b)
          /* Translators: %s are account names */
          return g_strdup_printf (_("Changes to contacts in both apps flow both ways; other contacts go "
                                    "only from %s to %s."),
                                  sending_a ? name_a : name_b, sending_a ? name_b : name_a);
        else
          return g_strdup (_("Only changes to contacts already in both apps flow, both ways."));
      }
    }
}

/* The settings of the flow from side @s: its group, "Send contacts" and
 * "Create New Contacts". */
static void
update_direction_side (ConcordAddConnectionDialog *self,
                       ConcordDirection            direction,
                       ConcordSide                 s)
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

void
_concord_add_connection_dialog_update_direction_page (ConcordAddConnectionDialog *self)
{
  ConcordDirection direction = get_direction (self);
  const char *name_a = account_name (self, CONCORD_SIDE_A);
  const char *name_b = account_name (self, CONCORD_SIDE_B);
  g_autofree char *caption = caption_of_direction (self, direction, name_a, name_b);

  gtk_image_set_from_icon_name (self->direction_icon_a, _concord_add_connection_dialog_app_icon (self, CONCORD_SIDE_A));
  gtk_image_set_from_icon_name (self->direction_icon_b, _concord_add_connection_dialog_app_icon (self, CONCORD_SIDE_B));
  gtk_label_set_label (self->direction_name_a, name_a);
  gtk_label_set_label (self->direction_name_b, name_b);
  label_direction_buttons (self, name_a, name_b);
  gtk_label_set_label (self->direction_caption, caption);

  for (guint s = 0; s < 2; s++)
    update_direction_side (self, direction, s);
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

void
_concord_add_connection_dialog_build_types_page (ConcordAddConnectionDialog *self)
{
  /* Nothing to choose: the page says what syncs. */
  if (_concord_add_connection_dialog_several_types (self))
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
                              types != NULL && (types->len > 1 || (types->len == 1 &&
                                                                   !_concord_add_connection_dialog_several_types (self))));
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
          GtkWidget *icon = gtk_image_new_from_icon_name (_concord_add_connection_dialog_app_icon (self, s));
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
