/* concord-add-connection-side-status.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * One side of Add Connection's first step: what it says and lets be done.
 * The status line under the form (busy, checked, or what went wrong, on
 * the row it is about), the account name's problem, where the key will
 * be kept (the keyring probe), and which controls are sensitive and
 * shown. Also the small helpers the other parts share: a row's text and
 * value, and scrolling a row into view.
 */

#define G_LOG_DOMAIN "concord-add-connection-side"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "concord-add-connection-side-private.h"
#include "concord-app-registry.h"
#include "concord-error.h"
#include "concord-keyring-probe.h"

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

/* Scrolling to what the user needs to see.
 *
 * What was just shown (the account's fields once an app is chosen, an
 * error) is laid out only in the next frame, so the scroll is made from a
 * tick callback, again each frame until the widget stayed in view for two
 * frames: a scroll made at once would use the old layout. The last request
 * for a scrolled window wins. */
#define SCROLL_MARGIN    12
#define SCROLL_MAX_TICKS 120

typedef struct
{
  guint ticks;
  guint settled;
} ScrollWait;

/* Returns whether @widget is inside its scrolled window's visible area,
 * and scrolls it there when not. */
static gboolean
scroll_into_view (GtkWidget *widget)
{
  GtkWidget *scrolled = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adjustment;
  graphene_rect_t bounds;
  double value, page, top, bottom;

  if (scrolled == NULL || !gtk_widget_get_mapped (widget) ||
      !gtk_widget_compute_bounds (widget, scrolled, &bounds))
    return FALSE;

  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  value = gtk_adjustment_get_value (adjustment);
  page = gtk_widget_get_height (scrolled);
  top = bounds.origin.y;
  bottom = bounds.origin.y + bounds.size.height;

  if (top >= 0 && bottom <= page)
    return TRUE;

  /* Taller than the window: its top. */
  if (top < 0 || bottom - top + 2 * SCROLL_MARGIN > page)
    gtk_adjustment_set_value (adjustment, value + top - SCROLL_MARGIN);
  else
    gtk_adjustment_set_value (adjustment, value + bottom - page + SCROLL_MARGIN);
  return FALSE;
}

static gboolean
scroll_tick_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  ScrollWait *wait = user_data;
  GtkWidget *scrolled = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);

  if (scrolled == NULL || g_object_get_data (G_OBJECT (scrolled), "concord-scroll-target") != widget)
    return G_SOURCE_REMOVE;

  if (scroll_into_view (widget))
    wait->settled++;
  else
    wait->settled = 0;

  if (wait->settled >= 2 || ++wait->ticks >= SCROLL_MAX_TICKS)
    {
      g_object_set_data (G_OBJECT (scrolled), "concord-scroll-target", NULL);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/**
 * concord_add_connection_scroll_to:
 * @widget: a widget in a #GtkScrolledWindow
 *
 * Scrolls @widget into view once it is laid out (it may have just been
 * shown), and keeps it there while the layout settles.
 */
void
concord_add_connection_scroll_to (GtkWidget *widget)
{
  GtkWidget *scrolled;

  g_return_if_fail (GTK_IS_WIDGET (widget));

  scrolled = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  if (scrolled == NULL)
    return;

  g_object_set_data (G_OBJECT (scrolled), "concord-scroll-target", widget);
  gtk_widget_add_tick_callback (widget, scroll_tick_cb, g_new0 (ScrollWait, 1), g_free);
}

const char *
concord_add_connection_side_text_of (gpointer editable)
{
  return gtk_editable_get_text (GTK_EDITABLE (editable));
}

char *
concord_add_connection_side_stripped_text (gpointer editable)
{
  return g_strstrip (g_strdup (concord_add_connection_side_text_of (editable)));
}

/* Marks @row as refused, with @problem as its description, or clears it. */
static void
mark_row (GtkWidget  *row,
          const char *problem)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  problem != NULL ? problem : "", -1);
  if (problem != NULL)
    {
      gtk_widget_add_css_class (row, "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_STATE_INVALID,
                                   GTK_ACCESSIBLE_INVALID_TRUE, -1);
    }
  else
    {
      gtk_widget_remove_css_class (row, "error");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_STATE_INVALID);
    }
}

void
concord_add_connection_side_set_status (ConcordAddConnectionSide *self,
                                        ConcordSideStatus         status,
                                        const char               *text)
{
  GtkWidget *label = GTK_WIDGET (self->status_label);
  GtkWidget *icon = GTK_WIDGET (self->status_icon);

  gtk_widget_set_visible (GTK_WIDGET (self->status_box), status != CONCORD_SIDE_STATUS_NONE);
  gtk_label_set_label (self->status_label, text != NULL ? text : "");
  gtk_widget_set_visible (self->cancel_check_button, status == CONCORD_SIDE_STATUS_BUSY);

  gtk_widget_remove_css_class (label, "error");
  gtk_widget_remove_css_class (label, "success");
  gtk_widget_remove_css_class (label, "dim-label");
  gtk_widget_remove_css_class (icon, "error");
  gtk_widget_remove_css_class (icon, "success");

  switch (status)
    {
    case CONCORD_SIDE_STATUS_BUSY:
      gtk_image_set_from_icon_name (self->status_icon, "content-loading-symbolic");
      gtk_widget_add_css_class (label, "dim-label");
      break;
    case CONCORD_SIDE_STATUS_OK:
      gtk_image_set_from_icon_name (self->status_icon, "emblem-ok-symbolic");
      gtk_widget_add_css_class (label, "success");
      gtk_widget_add_css_class (icon, "success");
      break;
    case CONCORD_SIDE_STATUS_ERROR:
      gtk_image_set_from_icon_name (self->status_icon, "dialog-warning-symbolic");
      gtk_widget_add_css_class (label, "error");
      gtk_widget_add_css_class (icon, "error");
      break;
    case CONCORD_SIDE_STATUS_NONE:
    default:
      break;
    }

  /* Screen readers find the outcome with the field it is about: a field
   * the form refused, otherwise the key. */
  if (status != CONCORD_SIDE_STATUS_ERROR)
    self->problem_row = NULL;
  mark_row (GTK_WIDGET (self->key_row), NULL);
  for (guint i = 0; i < self->field_rows->len; i++)
    mark_row (g_ptr_array_index (self->field_rows, i), NULL);
  mark_row (self->problem_row != NULL ? self->problem_row : GTK_WIDGET (self->key_row),
            status == CONCORD_SIDE_STATUS_ERROR ? text : NULL);
  if (status != CONCORD_SIDE_STATUS_ERROR && text != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->key_row),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

/* A problem with the account's name, shown under the name. */
void
concord_add_connection_side_set_name_problem (ConcordAddConnectionSide *self,
                                              const char               *text)
{
  gtk_widget_set_visible (self->name_status_box, text != NULL);
  gtk_label_set_label (self->name_status_label, text != NULL ? text : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->name_row),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text != NULL ? text : "", -1);
  if (text != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->name_row), "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (self->name_row), GTK_ACCESSIBLE_STATE_INVALID,
                                   GTK_ACCESSIBLE_INVALID_TRUE, -1);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->name_row), "error");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (self->name_row), GTK_ACCESSIBLE_STATE_INVALID);
    }
}

/* The value of a field's row, as the app keeps it; NULL when empty. */
char *
concord_add_connection_side_row_value (GtkWidget *row)
{
  const ConcordAppField *field = g_object_get_data (G_OBJECT (row), "concord-field");
  g_autofree char *value = NULL;

  if (ADW_IS_COMBO_ROW (row))
    {
      GPtrArray *choices = g_object_get_data (G_OBJECT (row), "concord-choices");
      guint selected = adw_combo_row_get_selected (ADW_COMBO_ROW (row));
      const ConcordAppChoice *choice;

      /* An optional choice's first item is "None". */
      if (!field->required)
        selected = selected == 0 ? GTK_INVALID_LIST_POSITION : selected - 1;
      choice = selected < choices->len ? g_ptr_array_index (choices, selected) : NULL;
      return choice != NULL ? g_strdup (choice->value) : NULL;
    }

  value = concord_app_field_normalize (field, gtk_editable_get_text (GTK_EDITABLE (row)));
  return value != NULL && *value != '\0' ? g_steal_pointer (&value) : NULL;
}

/* What a successful check says: an app without a secret has no key. */
const char *
concord_add_connection_side_accepted_text (ConcordAddConnectionSide *self)
{
  if (self->app != NULL && concord_app_info_get_secret_field (self->app) == NULL)
    return _("Account checked.");
  if (self->app != NULL && self->app->auth == CONCORD_APP_AUTH_USER_PASSWORD)
    return _("Signed in. Concord keeps the password in your keyring.");
  return _("Key accepted. Concord keeps it in your keyring.");
}

/* Whether every required field has a value (whether each is right is
 * Check's to say). */
static gboolean
required_filled (ConcordAddConnectionSide *self)
{
  const ConcordAppField *secret;

  if (self->app == NULL)
    return FALSE;

  secret = concord_app_info_get_secret_field (self->app);
  if (secret != NULL && secret->required && *concord_add_connection_side_text_of (self->key_row) == '\0')
    return FALSE;

  for (guint i = 0; i < self->field_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->field_rows, i);
      const ConcordAppField *field = g_object_get_data (G_OBJECT (row), "concord-field");
      g_autofree char *value = concord_add_connection_side_row_value (row);

      if (field->required && value == NULL)
        return FALSE;
    }

  return TRUE;
}

/* Whether the name and key are asked: no existing account is offered, or
 * the user wants another one. */
gboolean
concord_add_connection_side_asks_key (ConcordAddConnectionSide *self)
{
  return self->n_existing == 0 || self->adding_another;
}

/* What to do when keys cannot be kept: before a check (@failed FALSE), or
 * after one whose key the keyring refused (@failed TRUE), as the probe
 * sees it now. */
char *
concord_add_connection_side_keyring_text (ConcordAddConnectionSide *self,
                                          gboolean                  failed)
{
  gboolean sandboxed = concord_keyring_probe_get_sandboxed (self->keyring);

  if (concord_keyring_probe_can_store (self->keyring))
    /* Translators: "Check" is the button beside the key */
    return g_strdup (_("The key was not saved: the keyring is locked, or unlocking it was "
                       "cancelled. Press Check again and unlock the keyring when asked; the key "
                       "you typed stays here."));
  if (sandboxed && failed)
    /* Translators: "Check" is the button beside the key; GNOME Keyring, KWallet and
     * xdg-desktop-portal are programs, the Secret portal is how Flatpak apps reach them */
    return g_strdup (_("The key was not saved: this desktop offers Flatpak apps no Secret portal. "
                       "Install and start GNOME Keyring or KWallet with xdg-desktop-portal, then "
                       "press Check again; the key you typed stays here."));
  if (sandboxed)
    /* Translators: "Check" is the button beside the key; GNOME Keyring, KWallet and
     * xdg-desktop-portal are programs, the Secret portal is how Flatpak apps reach them */
    return g_strdup (_("Concord cannot save keys on this computer: the desktop offers Flatpak apps "
                       "no Secret portal. Install and start GNOME Keyring or KWallet with "
                       "xdg-desktop-portal, then press Check again."));
  if (failed)
    /* Translators: "Check" is the button beside the key; GNOME Keyring and KeePassXC are
     * programs, "Secret Service integration" is KeePassXC's name for the setting */
    return g_strdup (_("The key was not saved: no keyring is running on this computer. Install and "
                       "start GNOME Keyring or KeePassXC with its Secret Service integration, then "
                       "press Check again; the key you typed stays here."));
  /* Translators: "Check" is the button beside the key; GNOME Keyring and KeePassXC are
   * programs, "Secret Service integration" is KeePassXC's name for the setting */
  return g_strdup (_("Concord cannot save keys on this computer: no keyring is running. Install "
                     "and start GNOME Keyring or KeePassXC with its Secret Service integration, "
                     "then press Check again."));
}

/* The "no keyring" note under the key: while a new account is asked for
 * and nothing can keep its key (a failed save says it in the status
 * instead). An app without a key too: the engine keeps an (empty) secret
 * for every account it adds. */
void
concord_add_connection_side_update_keyring (ConcordAddConnectionSide *self)
{
  gboolean shown = self->keyring != NULL && self->app != NULL &&
                   concord_add_connection_side_asks_key (self) && !self->keyring_failed &&
                   !concord_keyring_probe_can_store (self->keyring);

  if (shown)
    {
      g_autofree char *text = concord_add_connection_side_keyring_text (self, FALSE);

      gtk_label_set_label (self->keyring_label, text);
    }
  gtk_widget_set_visible (self->keyring_box, shown);
}

void
concord_add_connection_side_update_sensitivity (ConcordAddConnectionSide *self)
{
  g_autofree char *name = concord_add_connection_side_stripped_text (self->name_row);
  gboolean verified = concord_add_connection_side_get_verified (self);

  /* Read-only rather than insensitive while checking: a field that has the
   * focus keeps it (an insensitive one would drop it mid-typing). */
  gtk_editable_set_editable (GTK_EDITABLE (self->name_row), !self->checking);
  gtk_editable_set_editable (GTK_EDITABLE (self->key_row), !self->checking);
  for (guint i = 0; i < self->field_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->field_rows, i);
      GtkWidget *button = g_object_get_data (G_OBJECT (row), "concord-choose-button");

      if (GTK_IS_EDITABLE (row))
        gtk_editable_set_editable (GTK_EDITABLE (row), !self->checking);
      else
        gtk_widget_set_sensitive (row, !self->checking);
      if (button != NULL)
        gtk_widget_set_sensitive (button, !self->checking);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->check_button),
                            !self->checking && !verified && self->app != NULL &&
                            *name != '\0' && required_filled (self));
  gtk_widget_set_visible (GTK_WIDGET (self->check_button), !verified);
  gtk_widget_set_visible (GTK_WIDGET (self->checked_icon), verified);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), self->checking);
  gtk_spinner_set_spinning (self->spinner, self->checking);
  gtk_widget_set_visible (GTK_WIDGET (self->name_group), concord_add_connection_side_asks_key (self));
  gtk_widget_set_visible (GTK_WIDGET (self->key_group), concord_add_connection_side_asks_key (self));
  gtk_widget_set_visible (GTK_WIDGET (self->existing_group), self->n_existing > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->existing_list), !self->checking);
  gtk_widget_set_visible (self->another_check, self->adding_another);
  concord_add_connection_side_update_keyring (self);
}
