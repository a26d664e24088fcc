/* concord-preferences-window-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What the parts of Preferences share: the window itself
 * (concord-preferences-window.c: Start at login, GObject and API), its
 * Accounts page (concord-preferences-window-accounts.c) and the account
 * dialogs: Replace Key, Rename and Remove
 * (concord-preferences-window-dialog.c). */

#pragma once

#include <adwaita.h>

#include "concord-preferences-window.h"

G_BEGIN_DECLS

typedef enum
{
  CONCORD_ACCOUNT_DIALOG_REPLACE_KEY,
  CONCORD_ACCOUNT_DIALOG_RENAME,
} ConcordAccountDialogMode;

struct _ConcordPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;  /* (owned) */
  ConcordEngine        *engine;    /* (owned) (nullable) */
  GCancellable         *cancellable;  /* (owned): cancelled in dispose */

  /* Template widgets */
  GtkSwitch            *background_switch;
  GtkSwitch            *notify_switch;
  GtkSwitch            *status_icon_switch;
  GtkSwitch            *start_at_login_switch;
  AdwPreferencesPage   *accounts_page;
  AdwPreferencesGroup  *accounts_group;
  AdwPreferencesGroup  *accounts_list_group;
  AdwActionRow         *accounts_empty_row;
  AdwWindow            *account_dialog;
  AdwWindowTitle       *account_dialog_title;
  GtkLabel             *account_dialog_body;
  GtkButton            *account_apply_button;
  GtkButton            *account_cancel_button;
  GtkSpinner           *account_spinner;
  AdwEntryRow          *account_key_entry;
  AdwEntryRow          *account_name_entry;
  GtkLabel             *account_error_label;

  GHashTable           *account_rows;     /* (owned): account id → AdwActionRow (unowned) */
  GPtrArray            *accounts;         /* (owned) (nullable): ConcordAccountRow, last listed */
  GPtrArray            *custom_rows;      /* (owned): the custom-fields rows (unowned) */
  gboolean              custom_rows_made; /* made once, again only after the user's own changes */
  char                 *dialog_account;   /* (owned) (nullable): the account of the dialog */
  ConcordAccountDialogMode dialog_mode;
  GCancellable         *dialog_cancellable; /* (owned) (nullable): the dialog's request */
};


/* concord-preferences-window-accounts.c */
ConcordAccountRow *concord_preferences_window_find_account                        (ConcordPreferencesWindow *self,
                                                                                   const char               *account_id);
char              *concord_preferences_window_connections_of                      (ConcordPreferencesWindow *self,
                                                                                   ConcordAccountRow        *account,
                                                                                   guint                    *n);
void               concord_preferences_window_list_accounts                       (ConcordPreferencesWindow *self,
                                                                                   gboolean                  custom_fields);
void               concord_preferences_window_on_engine_run_finished_cb           (ConcordPreferencesWindow *self);
void               concord_preferences_window_on_connections_changed_cb           (ConcordPreferencesWindow *self);
void               concord_preferences_window_toast                               (ConcordPreferencesWindow *self,
                                                                                   const char               *text);

/* concord-preferences-window-dialog.c */
void               concord_preferences_window_on_account_cancel_button_clicked_cb (ConcordPreferencesWindow *self);
gboolean           concord_preferences_window_on_account_dialog_close_request_cb  (GtkWindow                *dialog,
                                                                                   ConcordPreferencesWindow *self);
void               concord_preferences_window_on_account_entry_changed_cb         (ConcordPreferencesWindow *self);
void               concord_preferences_window_on_keyring_kind_cb                  (ConcordPreferencesWindow *self);
void               concord_preferences_window_on_account_apply_button_clicked_cb  (ConcordPreferencesWindow *self);
void               concord_preferences_window_accounts_replace_key_action         (GtkWidget  *widget,
                                                                                   const char *action_name,
                                                                                   GVariant   *parameter);
void               concord_preferences_window_accounts_rename_action              (GtkWidget  *widget,
                                                                                   const char *action_name,
                                                                                   GVariant   *parameter);
void               concord_preferences_window_accounts_remove_action              (GtkWidget  *widget,
                                                                                   const char *action_name,
                                                                                   GVariant   *parameter);

G_END_DECLS
