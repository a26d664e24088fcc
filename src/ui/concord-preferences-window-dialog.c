/* concord-preferences-window-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Preferences: what is done to an account. Replace Key (checked with the
 * app before it replaces the old one; a refusal is said on the field) and
 * Rename share one small dialog, which stays open while the engine works
 * so that an error can be shown where it belongs; Remove is confirmed,
 * and refused while a connection uses the account.
 */

#define G_LOG_DOMAIN "concord-preferences-window"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "concord-app-registry.h"
#include "concord-background.h"
#include "concord-error.h"
#include "concord-keyring-probe.h"
#include "concord-preferences-window-private.h"

/* ------------------------------------------------------------------------- */
/* Replace Key and Rename                                                    */
/* ------------------------------------------------------------------------- */

static void
set_dialog_busy (ConcordPreferencesWindow *self,
                 gboolean                  busy)
{
  AdwEntryRow *entry = self->dialog_mode == CONCORD_ACCOUNT_DIALOG_REPLACE_KEY ? self->account_key_entry
                                                                       : self->account_name_entry;

  gtk_widget_set_visible (GTK_WIDGET (self->account_spinner), busy);
  gtk_spinner_set_spinning (self->account_spinner, busy);
  /* Read-only rather than insensitive: the field keeps the focus (a
   * focused text made insensitive misses its focus-out). */
  gtk_editable_set_editable (GTK_EDITABLE (entry), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->account_apply_button),
                            !busy && *gtk_editable_get_text (GTK_EDITABLE (entry)) != '\0');
}

/* The error where it belongs: on the field, said under it. */
static void
show_dialog_error (ConcordPreferencesWindow *self,
                   const char               *text)
{
  AdwEntryRow *entry = self->dialog_mode == CONCORD_ACCOUNT_DIALOG_REPLACE_KEY ? self->account_key_entry
                                                                       : self->account_name_entry;

  gtk_label_set_text (self->account_error_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->account_error_label), text != NULL);
  if (text != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
      gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      text, -1);
      gtk_widget_grab_focus (GTK_WIDGET (entry));
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
      gtk_accessible_reset_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
}

static void
close_dialog (ConcordPreferencesWindow *self)
{
  if (self->dialog_cancellable != NULL)
    g_cancellable_cancel (self->dialog_cancellable);
  g_clear_object (&self->dialog_cancellable);
  g_clear_pointer (&self->dialog_account, g_free);
  gtk_editable_set_text (GTK_EDITABLE (self->account_key_entry), "");
  gtk_widget_set_visible (GTK_WIDGET (self->account_dialog), FALSE);
}

void
concord_preferences_window_on_account_cancel_button_clicked_cb (ConcordPreferencesWindow *self)
{
  close_dialog (self);
}

gboolean
concord_preferences_window_on_account_dialog_close_request_cb (GtkWindow                *dialog,
                                                               ConcordPreferencesWindow *self)
{
  close_dialog (self);
  return TRUE;
}

void
concord_preferences_window_on_account_entry_changed_cb (ConcordPreferencesWindow *self)
{
  if (self->dialog_cancellable != NULL)
    return;  /* busy: the field is not sensitive */
  show_dialog_error (self, NULL);
  set_dialog_busy (self, FALSE);
}

/* What to do when the keyring cannot take a new key: before it is typed
 * (@failed FALSE) or after it was refused (@failed TRUE); NULL when a
 * keyring is there and nothing failed. */
static char *
keyring_text (gboolean failed)
{
  ConcordKeyringProbe *probe = concord_keyring_probe_get_default ();

  if (concord_keyring_probe_can_store (probe) && !failed)
    return NULL;
  if (concord_keyring_probe_can_store (probe))
    /* Translators: "Replace" is the dialog's button */
    return g_strdup (_("The key was not replaced: the keyring is locked, or unlocking it was "
                       "cancelled. Press Replace again and unlock the keyring when asked."));
  if (concord_keyring_probe_get_sandboxed (probe))
    /* Translators: "Replace" is the dialog's button; GNOME Keyring, KWallet and
     * xdg-desktop-portal are programs, the Secret portal is how Flatpak apps reach them */
    return g_strdup (_("Concord cannot save keys on this computer: the desktop offers Flatpak apps "
                       "no Secret portal. Install and start GNOME Keyring or KWallet with "
                       "xdg-desktop-portal, then press Replace again."));
  /* Translators: "Replace" is the dialog's button; GNOME Keyring and KeePassXC are programs,
   * "Secret Service integration" is KeePassXC's name for the setting */
  return g_strdup (_("Concord cannot save keys on this computer: no keyring is running. Install "
                     "and start GNOME Keyring or KeePassXC with its Secret Service integration, "
                     "then press Replace again."));
}

/* What Replace Key says above the key: what happens, and, when no keyring
 * can take the key, that too, as a paragraph of its own. */
static char *
replace_key_body (ConcordAccountRow *account)
{
  g_autofree char *keyring = keyring_text (FALSE);
  /* Translators: the first %s is an account's name, the second its app */
  g_autofree char *body = g_strdup_printf (_("Paste the new API key of “%s” from %s. Concord checks it with the "
                                             "app first: the old key is replaced only if the app accepts the new "
                                             "one, and the connections that failed sync again at once."),
                                           account->name, concord_app_registry_get_name (account->app_id));

  if (keyring == NULL)
    return g_steal_pointer (&body);
  return g_strdup_printf ("%s\n\n%s", body, keyring);
}

/* A keyring started or stopped while Replace Key is open. */
void
concord_preferences_window_on_keyring_kind_cb (ConcordPreferencesWindow *self)
{
  ConcordAccountRow *account;
  g_autofree char *body = NULL;

  if (self->dialog_mode != CONCORD_ACCOUNT_DIALOG_REPLACE_KEY || self->dialog_account == NULL ||
      !gtk_widget_get_visible (GTK_WIDGET (self->account_dialog)) ||
      (account = concord_preferences_window_find_account (self, self->dialog_account)) == NULL)
    return;

  body = replace_key_body (account);
  gtk_label_set_text (self->account_dialog_body, body);
}

static void
open_dialog (ConcordPreferencesWindow *self,
             ConcordAccountDialogMode  mode,
             ConcordAccountRow        *account)
{
  g_autofree char *body = NULL;
  gboolean key = mode == CONCORD_ACCOUNT_DIALOG_REPLACE_KEY;

  close_dialog (self);
  self->dialog_mode = mode;
  self->dialog_account = g_strdup (account->id);

  adw_window_title_set_subtitle (self->account_dialog_title, account->name);
  if (key)
    {
      adw_window_title_set_title (self->account_dialog_title, _("Replace Key"));
      gtk_button_set_label (self->account_apply_button, _("_Replace"));
      body = replace_key_body (account);
    }
  else
    {
      adw_window_title_set_title (self->account_dialog_title, _("Rename Account"));
      gtk_button_set_label (self->account_apply_button, _("_Rename"));
      body = g_strdup (_("The connections that use the account keep it under its new name."));
      gtk_editable_set_text (GTK_EDITABLE (self->account_name_entry), account->name);
    }
  gtk_label_set_text (self->account_dialog_body, body);
  gtk_widget_set_visible (GTK_WIDGET (self->account_key_entry), key);
  gtk_widget_set_visible (GTK_WIDGET (self->account_name_entry), !key);
  show_dialog_error (self, NULL);
  set_dialog_busy (self, FALSE);

  gtk_window_present (GTK_WINDOW (self->account_dialog));
  gtk_widget_grab_focus (GTK_WIDGET (key ? self->account_key_entry : self->account_name_entry));
}

/* What the user reads when the app refused the new key: in words, the
 * app's own (technical) ones going to the debug log. */
static char *
refusal_text (const GError *error,
              const char   *app)
{
  if (g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED) ||
      g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_REQUIRED))
    {
      g_debug ("The new key was refused: %s", error->message);
      /* Translators: %s is an app's name, twice */
      return g_strdup_printf (_("%s refused this key; the old one was kept. Copy the key again "
                                "from %s’s settings: it needs access to contacts."), app, app);
    }

  if (g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_KEYRING))
    {
      g_debug ("The new key was not stored: %s", error->message);
      return keyring_text (TRUE);
    }

  if (g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_NETWORK))
    /* Translators: %s says why */
    return g_strdup_printf (_("Could not reach the app to check the key; the old one was kept. "
                              "Check your internet connection (%s)"), error->message);

  /* Translators: %s says why */
  return g_strdup_printf (_("The key was not replaced: %s"), error->message);
}

static void
on_key_replaced_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ConcordPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!concord_engine_replace_key_finish (CONCORD_ENGINE (object), result, &error))
    {
      g_autofree char *text = NULL;
      ConcordAccountRow *account;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_clear_object (&self->dialog_cancellable);
      set_dialog_busy (self, FALSE);
      account = concord_preferences_window_find_account (self, self->dialog_account);
      text = refusal_text (error, account != NULL ? concord_app_registry_get_name (account->app_id)
                                                  : _("The app"));
      show_dialog_error (self, text);
      return;
    }

  close_dialog (self);
  concord_preferences_window_toast (self, _("Key replaced; the connections that failed sync again"));
  concord_preferences_window_list_accounts (self, FALSE);
}

static void
on_account_renamed_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(ConcordPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!concord_engine_rename_account_finish (CONCORD_ENGINE (object), result, &error))
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_clear_object (&self->dialog_cancellable);
      set_dialog_busy (self, FALSE);
      if (g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT))
        /* Translators: %s is a name */
        text = g_strdup_printf (_("Another account is already called “%s”. Choose another name."),
                                gtk_editable_get_text (GTK_EDITABLE (self->account_name_entry)));
      else if (g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_INVALID))
        text = g_strdup (_("A name is one line of text, not empty."));
      else
        /* Translators: %s says why */
        text = g_strdup_printf (_("The account was not renamed: %s"), error->message);
      show_dialog_error (self, text);
      return;
    }

  close_dialog (self);
  concord_preferences_window_list_accounts (self, TRUE);
}

void
concord_preferences_window_on_account_apply_button_clicked_cb (ConcordPreferencesWindow *self)
{
  AdwEntryRow *entry = self->dialog_mode == CONCORD_ACCOUNT_DIALOG_REPLACE_KEY ? self->account_key_entry
                                                                       : self->account_name_entry;
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));

  if (self->dialog_account == NULL || self->dialog_cancellable != NULL || *text == '\0')
    return;

  show_dialog_error (self, NULL);
  self->dialog_cancellable = g_cancellable_new ();
  set_dialog_busy (self, TRUE);

  if (self->dialog_mode == CONCORD_ACCOUNT_DIALOG_REPLACE_KEY)
    concord_engine_replace_key_async (self->engine, self->dialog_account, text,
                                      self->dialog_cancellable, on_key_replaced_cb, g_object_ref (self));
  else
    concord_engine_rename_account_async (self->engine, self->dialog_account, text,
                                         self->dialog_cancellable, on_account_renamed_cb,
                                         g_object_ref (self));

  /* The key stays in the entry only while it is checked. */
  if (self->dialog_mode == CONCORD_ACCOUNT_DIALOG_REPLACE_KEY)
    memset (text, 0, strlen (text));
}

void
concord_preferences_window_accounts_replace_key_action (GtkWidget  *widget,
                                                        const char *action_name,
                                                        GVariant   *parameter)
{
  ConcordPreferencesWindow *self = CONCORD_PREFERENCES_WINDOW (widget);
  ConcordAccountRow *account = concord_preferences_window_find_account (self, g_variant_get_string (parameter, NULL));

  if (account != NULL)
    open_dialog (self, CONCORD_ACCOUNT_DIALOG_REPLACE_KEY, account);
}

void
concord_preferences_window_accounts_rename_action (GtkWidget  *widget,
                                                   const char *action_name,
                                                   GVariant   *parameter)
{
  ConcordPreferencesWindow *self = CONCORD_PREFERENCES_WINDOW (widget);
  ConcordAccountRow *account = concord_preferences_window_find_account (self, g_variant_get_string (parameter, NULL));

  if (account != NULL)
    open_dialog (self, CONCORD_ACCOUNT_DIALOG_RENAME, account);
}

/* ------------------------------------------------------------------------- */
/* Remove                                                                    */
/* ------------------------------------------------------------------------- */

static void
on_account_removed_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(ConcordPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!concord_engine_remove_account_finish (CONCORD_ENGINE (object), result, &error))
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Translators: %s says why */
      text = g_strdup_printf (_("The account was not removed: %s"), error->message);
      concord_preferences_window_toast (self, text);
    }
  else
    concord_preferences_window_toast (self, _("Account removed"));

  concord_preferences_window_list_accounts (self, TRUE);
}

static void
on_remove_response_cb (AdwMessageDialog         *dialog,
                       const char               *response,
                       ConcordPreferencesWindow *self)
{
  const char *account_id = g_object_get_data (G_OBJECT (dialog), "account-id");

  if (g_strcmp0 (response, "remove") == 0 && self->engine != NULL)
    concord_engine_remove_account_async (self->engine, account_id, self->cancellable,
                                         on_account_removed_cb, g_object_ref (self));
}

void
concord_preferences_window_accounts_remove_action (GtkWidget  *widget,
                                                   const char *action_name,
                                                   GVariant   *parameter)
{
  ConcordPreferencesWindow *self = CONCORD_PREFERENCES_WINDOW (widget);
  ConcordAccountRow *account = concord_preferences_window_find_account (self, g_variant_get_string (parameter, NULL));
  g_autofree char *names = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;
  guint n;

  if (account == NULL)
    return;

  names = concord_preferences_window_connections_of (self, account, &n);
  if (n > 0)
    {
      /* Refused while used, saying by what and what to do. */
      /* Translators: %s is an account's name */
      heading = g_strdup_printf (_("“%s” Is in Use"), account->name);
      /* Translators: %s is a list of connection names */
      body = g_strdup_printf (ngettext ("The connection %s uses this account. Remove that connection "
                                        "first, then the account.",
                                        "The connections %s use this account. Remove those "
                                        "connections first, then the account.", n), names);
      dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
      gtk_widget_set_name (dialog, "account-in-use-dialog");
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
    }
  else
    {
      /* Translators: %s is an account's name */
      heading = g_strdup_printf (_("Remove “%s”?"), account->name);
      /* Translators: %s is an app's name */
      body = g_strdup_printf (_("Concord forgets the account and removes its key from the keyring. "
                                "Nothing changes in %s: no contact is deleted."),
                              concord_app_registry_get_name (account->app_id));
      dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
      gtk_widget_set_name (dialog, "account-remove-dialog");
      adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                        "cancel", _("_Cancel"),
                                        "remove", _("_Remove"),
                                        NULL);
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                                  ADW_RESPONSE_DESTRUCTIVE);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      g_object_set_data_full (G_OBJECT (dialog), "account-id", g_strdup (account->id), g_free);
      g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response_cb), self, 0);
    }

  gtk_window_present (GTK_WINDOW (dialog));
}
