/* concord-preferences-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Preferences: every control is bound to a GSettings key, so there is no
 * Apply button and no state of its own.
 *
 * "Start at login" is the exception that needs the system's say: turning
 * it on or off writes the autostart entry (natively) or asks the
 * Background portal (Flatpak), which may take a while or be refused. So
 * the switch only follows the setting, and a change by the user holds the
 * switch's state (GtkSwitch's delayed state) until the request is done;
 * then the setting is written, or the switch goes back with a toast
 * saying why.
 *
 * Accounts: every account with its app, the connections that use it and
 * its state ("Key refused" when an app refused its key in the last run of
 * one of them, see concord_engine_get_key_refused()), read again after
 * every run and whenever the connections change. Each has Replace Key…
 * (the key is checked with the app, a spinner showing, before it replaces
 * the old one; a refusal is said on the field and nothing changes),
 * Rename… and Remove (confirmed; refused while used, naming the
 * connections). Replace Key and Rename share one small dialog, which stays
 * open while the engine works so an error can be shown where it belongs.
 * The connections are matched to an account by its name, which is unique
 * and which the engine's connection states show.
 *
 * Below them, the custom fields of each Elastic Email account that no
 * contact uses yet (which reading its contacts cannot find), one entry row
 * per account, stored through the engine when applied. Those rows are
 * made once per listing the user caused, never while one may be edited.
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
#include "concord-preferences-window.h"

typedef enum
{
  ACCOUNT_DIALOG_REPLACE_KEY,
  ACCOUNT_DIALOG_RENAME,
} AccountDialogMode;

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
  AccountDialogMode     dialog_mode;
  GCancellable         *dialog_cancellable; /* (owned) (nullable): the dialog's request */
};

G_DEFINE_FINAL_TYPE (ConcordPreferencesWindow, concord_preferences_window,
                     ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------------- */
/* Start at login                                                            */
/* ------------------------------------------------------------------------- */

typedef struct
{
  ConcordPreferencesWindow *self;      /* (owned) */
  GSettings                *settings;  /* (owned) outlives the window's dispose */
  gboolean                  enable;
} StartAtLoginRequest;

static void
start_at_login_request_free (StartAtLoginRequest *request)
{
  g_clear_object (&request->self);
  g_clear_object (&request->settings);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StartAtLoginRequest, start_at_login_request_free)

static GApplication *
get_application (ConcordPreferencesWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return app != NULL ? G_APPLICATION (app) : g_application_get_default ();
}

static void
background_request_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(StartAtLoginRequest) request = user_data;
  ConcordPreferencesWindow *self = request->self;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = concord_background_request_finish (G_APPLICATION (object), result, &error);

  /* The entry changed (or not) whether or not this window is still open. */
  if (ok)
    g_settings_set_boolean (request->settings, "start-at-login", request->enable);

  if (self->settings == NULL)
    return;  /* disposed meanwhile */

  gtk_widget_set_sensitive (GTK_WIDGET (self->start_at_login_switch), TRUE);

  if (ok)
    {
      gtk_switch_set_state (self->start_at_login_switch, request->enable);
      return;
    }

  /* Back to what the setting says; on_start_at_login_switch_state_set_cb()
   * lets that through. */
  gtk_switch_set_active (self->start_at_login_switch, !request->enable);

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *escaped = g_markup_escape_text (error->message, -1);

      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (escaped));
    }
}

static gboolean
on_start_at_login_switch_state_set_cb (GtkSwitch                *self_switch,
                                       gboolean                  state,
                                       ConcordPreferencesWindow *self)
{
  StartAtLoginRequest *request;
  GApplication *app;

  /* Following the setting (the binding, or a change undone). */
  if (self->settings == NULL || state == g_settings_get_boolean (self->settings, "start-at-login"))
    return FALSE;

  app = get_application (self);
  if (app == NULL || g_application_get_application_id (app) == NULL)
    {
      g_critical ("Start at login needs the application");
      return FALSE;
    }

  request = g_new0 (StartAtLoginRequest, 1);
  request->self = g_object_ref (self);
  request->settings = g_object_ref (self->settings);
  request->enable = state;

  gtk_widget_set_sensitive (GTK_WIDGET (self_switch), FALSE);
  concord_background_request_async (app, GTK_WINDOW (self), state, NULL,
                                    background_request_cb, request);

  /* The state follows when the request is done. */
  return TRUE;
}

/* Natively the autostart entry is the truth: someone may have removed it
 * or switched it off in another tool. Under Flatpak the portal keeps it
 * where we cannot see, and the setting is all we know. */
static void
sync_start_at_login (ConcordPreferencesWindow *self)
{
  GApplication *app = get_application (self);
  gboolean on;

  if (app == NULL || g_application_get_application_id (app) == NULL ||
      concord_background_is_flatpak ())
    return;

  on = concord_background_get_autostart (app);
  if (on != g_settings_get_boolean (self->settings, "start-at-login"))
    g_settings_set_boolean (self->settings, "start-at-login", on);
}

/* ------------------------------------------------------------------------- */
/* Accounts                                                                  */
/* ------------------------------------------------------------------------- */

/* The account's option @key, or "". */
static char *
option_of (const char *options_json,
           const char *key)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (options_json == NULL || !json_parser_load_from_data (parser, options_json, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return g_strdup ("");

  return g_strdup (json_object_get_string_member_with_default (json_node_get_object (root), key, ""));
}

static void
show_option_problem (GtkWidget             *row,
                     const ConcordAppField *field,
                     const GError          *error)
{
  GtkRoot *root = gtk_widget_get_root (row);

  if (ADW_IS_PREFERENCES_WINDOW (root))
    {
      /* Translators: the first %s is a field ("Custom Fields"), the second says why */
      g_autofree char *text = g_strdup_printf (_("%s could not be saved: %s"),
                                               concord_app_field_get_short_label (field),
                                               error->message);

      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), adw_toast_new (text));
    }
}

static void
on_option_saved_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GtkWidget) row = user_data;
  g_autoptr(GError) error = NULL;

  if (!concord_engine_set_option_finish (CONCORD_ENGINE (object), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  gtk_widget_set_sensitive (row, TRUE);
  if (error != NULL)
    show_option_problem (row, g_object_get_data (G_OBJECT (row), "field"), error);
}

static void
on_option_row_apply_cb (AdwEntryRow              *row,
                        ConcordPreferencesWindow *self)
{
  const char *account_id = g_object_get_data (G_OBJECT (row), "account-id");
  const ConcordAppField *field = g_object_get_data (G_OBJECT (row), "field");
  g_autofree char *value = concord_app_field_normalize (field, gtk_editable_get_text (GTK_EDITABLE (row)));
  g_autoptr(GError) error = NULL;

  if (!concord_app_field_validate (field, value, &error))
    {
      show_option_problem (GTK_WIDGET (row), field, error);
      return;
    }

  gtk_widget_set_sensitive (GTK_WIDGET (row), FALSE);
  concord_engine_set_option_async (self->engine, account_id, field->key, value, self->cancellable,
                                   on_option_saved_cb, g_object_ref (row));
}

static ConcordAccountRow *
find_account (ConcordPreferencesWindow *self,
              const char               *account_id)
{
  for (guint i = 0; self->accounts != NULL && i < self->accounts->len; i++)
    {
      ConcordAccountRow *account = g_ptr_array_index (self->accounts, i);

      if (g_str_equal (account->id, account_id))
        return account;
    }

  return NULL;
}

/* The names of the connections that use @account, quoted and joined as
 * people write a list ("“A”, “B”"); sets *@n to how many there are. */
static char *
connections_of (ConcordPreferencesWindow *self,
                ConcordAccountRow        *account,
                guint                    *n)
{
  GListModel *connections = concord_engine_get_connections (self->engine);
  g_autoptr(GString) names = g_string_new (NULL);
  guint n_items = g_list_model_get_n_items (connections);

  *n = 0;
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(ConcordConnectionState) state = g_list_model_get_item (connections, i);

      if (g_strcmp0 (concord_connection_state_get_account_a (state), account->name) != 0 &&
          g_strcmp0 (concord_connection_state_get_account_b (state), account->name) != 0)
        continue;

      if (*n > 0)
        /* Translators: between the items of a list, as in "VIP, Pro" (with its spaces) */
        g_string_append (names, C_("list separator", ", "));
      /* Translators: a connection's name in a list of them */
      g_string_append_printf (names, _("“%s”"), concord_connection_state_get_name (state));
      (*n)++;
    }

  return g_string_free (g_steal_pointer (&names), FALSE);
}

static void
update_account_row (ConcordPreferencesWindow *self,
                    AdwActionRow             *row,
                    ConcordAccountRow        *account)
{
  GtkWidget *replace = g_object_get_data (G_OBJECT (row), "replace-button");
  GtkWidget *menu = g_object_get_data (G_OBJECT (row), "menu-button");
  gboolean refused = concord_engine_get_key_refused (self->engine, account->id);
  g_autofree char *names = NULL;
  g_autofree char *used = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *menu_label = NULL;
  guint n;

  names = connections_of (self, account, &n);
  if (n == 0)
    used = g_strdup (_("No connection uses it"));
  else
    /* Translators: %s is a list of connection names, e.g. “Shop”, “Events” */
    used = g_strdup_printf (_("Used by %s"), names);

  /* Translators: the first %s is an app (Elastic Email), the second says which
   * connections use the account, the third the account's state */
  subtitle = g_strdup_printf (_("%s · %s\n%s"), concord_app_registry_get_name (account->app_id), used,
                              refused ? _("Key refused — replace it") : _("OK"));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), account->name);
  adw_action_row_set_subtitle (row, subtitle);
  gtk_widget_set_visible (replace, refused);
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (row), "refused-icon"), refused);

  /* Translators: %s is an account's name */
  menu_label = g_strdup_printf (_("Actions for %s"), account->name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (menu), GTK_ACCESSIBLE_PROPERTY_LABEL, menu_label, -1);
  {
    /* Translators: %s is an account's name */
    g_autofree char *replace_label = g_strdup_printf (_("Replace the key of %s"), account->name);

    gtk_accessible_update_property (GTK_ACCESSIBLE (replace), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    replace_label, -1);
  }
}

static AdwActionRow *
make_account_row (ConcordPreferencesWindow *self,
                  ConcordAccountRow        *account)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autofree char *replace_action = NULL;
  g_autofree char *rename_action = NULL;
  g_autofree char *remove_action = NULL;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *replace;
  GtkWidget *menu_button;
  GtkWidget *icon;

  gtk_widget_set_name (row, "account-row");
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);

  replace_action = g_action_print_detailed_name ("accounts.replace-key", g_variant_new_string (account->id));
  rename_action = g_action_print_detailed_name ("accounts.rename", g_variant_new_string (account->id));
  remove_action = g_action_print_detailed_name ("accounts.remove", g_variant_new_string (account->id));

  /* The state is in the subtitle; the icon makes a refused key stand out. */
  icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
  gtk_widget_add_css_class (icon, "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Key refused"), -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  g_object_set_data (G_OBJECT (row), "refused-icon", icon);

  replace = gtk_button_new_with_mnemonic (_("_Replace Key…"));
  gtk_widget_set_name (replace, "replace-key-button");
  gtk_widget_set_valign (replace, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (replace, "suggested-action");
  gtk_actionable_set_detailed_action_name (GTK_ACTIONABLE (replace), replace_action);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), replace);

  g_menu_append (menu, _("_Replace Key…"), replace_action);
  g_menu_append (menu, _("Re_name…"), rename_action);
  g_menu_append (menu, _("Re_move…"), remove_action);
  menu_button = gtk_menu_button_new ();
  gtk_widget_set_name (menu_button, "account-menu-button");
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu_button), "view-more-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (menu_button), G_MENU_MODEL (menu));
  gtk_widget_set_valign (menu_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (menu_button, "flat");
  gtk_widget_set_tooltip_text (menu_button, _("Account Actions"));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), menu_button);

  g_object_set_data (G_OBJECT (row), "replace-button", replace);
  g_object_set_data (G_OBJECT (row), "menu-button", menu_button);
  g_object_set_data_full (G_OBJECT (row), "account-id", g_strdup (account->id), g_free);

  return ADW_ACTION_ROW (row);
}

/* A row for an option of @account that can be changed after it was
 * added (a field of its app's form marked editable). */
static void
add_option_row (ConcordPreferencesWindow *self,
                ConcordAccountRow        *account,
                const ConcordAppField    *field)
{
  g_autofree char *value = option_of (account->options_json, field->key);
  g_autofree char *label = NULL;
  g_autofree char *name = NULL;
  GtkWidget *row = adw_entry_row_new ();

  /* "custom_fields" → "custom-fields-entry" */
  name = g_strdelimit (g_strconcat (field->key, "-entry", NULL), "_", '-');
  gtk_widget_set_name (row, name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), account->name);
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (row), value);
  /* Translators: the first %s is a field ("Custom Fields No Contact Uses Yet"), the second an
   * account's name */
  label = g_strdup_printf (_("%s of %s"), concord_app_field_get_label (field), account->name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_object_set_data_full (G_OBJECT (row), "account-id", g_strdup (account->id), g_free);
  g_object_set_data (G_OBJECT (row), "field", (gpointer) field);
  g_signal_connect (row, "apply", G_CALLBACK (on_option_row_apply_cb), self);
  adw_preferences_group_add (self->accounts_group, row);
  g_ptr_array_add (self->custom_rows, row);
}

/* The group's title and description say what its rows are: one app's
 * option ("Elastic Email Custom Fields", and why it is asked), or options
 * of several. */
static void
update_options_group (ConcordPreferencesWindow *self,
                      const ConcordAppInfo     *app,
                      const ConcordAppField    *field)
{
  g_autofree char *title = NULL;

  if (field != NULL)
    /* Translators: an app and one of its account options, "Elastic Email Custom Fields" */
    title = g_strdup_printf (_("%s %s"), concord_app_info_get_name (app),
                             concord_app_field_get_short_label (field));
  else
    title = g_strdup (_("Account Options"));

  adw_preferences_group_set_title (self->accounts_group, title);
  adw_preferences_group_set_description (self->accounts_group,
                                         field != NULL && field->description != NULL
                                           ? g_dgettext (GETTEXT_PACKAGE, field->description) : NULL);
}

/* Shows the accounts last listed: rows are kept (an open menu stays open)
 * and updated; those of accounts gone are removed. */
static void
show_accounts (ConcordPreferencesWindow *self)
{
  g_autoptr(GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer id, row;
  guint n_custom = 0;

  for (guint i = 0; i < self->accounts->len; i++)
    {
      ConcordAccountRow *account = g_ptr_array_index (self->accounts, i);
      AdwActionRow *account_row = g_hash_table_lookup (self->account_rows, account->id);

      if (account_row == NULL)
        {
          account_row = make_account_row (self, account);
          adw_preferences_group_add (self->accounts_list_group, GTK_WIDGET (account_row));
          g_hash_table_insert (self->account_rows, g_strdup (account->id), account_row);
        }
      update_account_row (self, account_row, account);
      g_hash_table_add (listed, account->id);
    }

  g_hash_table_iter_init (&iter, self->account_rows);
  while (g_hash_table_iter_next (&iter, &id, &row))
    if (!g_hash_table_contains (listed, id))
      {
        adw_preferences_group_remove (self->accounts_list_group, row);
        g_hash_table_iter_remove (&iter);
      }

  gtk_widget_set_visible (GTK_WIDGET (self->accounts_empty_row), self->accounts->len == 0);

  if (!self->custom_rows_made)
    {
      for (guint i = 0; i < self->custom_rows->len; i++)
        adw_preferences_group_remove (self->accounts_group, g_ptr_array_index (self->custom_rows, i));
      g_ptr_array_set_size (self->custom_rows, 0);

      const ConcordAppInfo *only_app = NULL;
      const ConcordAppField *only_field = NULL;
      gboolean several = FALSE;

      for (guint i = 0; i < self->accounts->len; i++)
        {
          ConcordAccountRow *account = g_ptr_array_index (self->accounts, i);
          const ConcordAppInfo *app = concord_app_registry_lookup (account->app_id);

          for (const ConcordAppField *field = app != NULL ? app->fields : NULL;
               field != NULL && field->key != NULL; field++)
            if (field->editable)
              {
                add_option_row (self, account, field);
                n_custom++;
                several |= only_field != NULL && only_field != field;
                only_field = field;
                only_app = app;
              }
        }
      update_options_group (self, several ? NULL : only_app, several ? NULL : only_field);
      gtk_widget_set_visible (GTK_WIDGET (self->accounts_group), n_custom > 0);
      self->custom_rows_made = TRUE;
    }
}

static void
on_accounts_listed_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(ConcordPreferencesWindow) self = user_data;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GError) error = NULL;

  accounts = concord_engine_list_accounts_finish (CONCORD_ENGINE (object), result, &error);
  if (accounts == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not read the accounts: %s", error->message);
      return;
    }

  g_clear_pointer (&self->accounts, g_ptr_array_unref);
  self->accounts = g_steal_pointer (&accounts);
  show_accounts (self);
}

/* Reads the accounts again; with @custom_fields, the custom-fields rows
 * are made again too (after the user's own change of an account). */
static void
list_accounts (ConcordPreferencesWindow *self,
               gboolean                  custom_fields)
{
  if (custom_fields)
    self->custom_rows_made = FALSE;
  concord_engine_list_accounts_async (self->engine, self->cancellable, on_accounts_listed_cb,
                                      g_object_ref (self));
}

static void
on_engine_run_finished_cb (ConcordPreferencesWindow *self)
{
  list_accounts (self, FALSE);
}

static void
on_connections_changed_cb (ConcordPreferencesWindow *self)
{
  if (self->accounts != NULL)
    show_accounts (self);
}

static void
toast (ConcordPreferencesWindow *self,
       const char               *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (escaped));
}

/* ------------------------------------------------------------------------- */
/* Replace Key and Rename                                                    */
/* ------------------------------------------------------------------------- */

static void
set_dialog_busy (ConcordPreferencesWindow *self,
                 gboolean                  busy)
{
  AdwEntryRow *entry = self->dialog_mode == ACCOUNT_DIALOG_REPLACE_KEY ? self->account_key_entry
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
  AdwEntryRow *entry = self->dialog_mode == ACCOUNT_DIALOG_REPLACE_KEY ? self->account_key_entry
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

static void
on_account_cancel_button_clicked_cb (ConcordPreferencesWindow *self)
{
  close_dialog (self);
}

static gboolean
on_account_dialog_close_request_cb (GtkWindow                *dialog,
                                    ConcordPreferencesWindow *self)
{
  close_dialog (self);
  return TRUE;
}

static void
on_account_entry_changed_cb (ConcordPreferencesWindow *self)
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
static void
on_keyring_kind_cb (ConcordPreferencesWindow *self)
{
  ConcordAccountRow *account;
  g_autofree char *body = NULL;

  if (self->dialog_mode != ACCOUNT_DIALOG_REPLACE_KEY || self->dialog_account == NULL ||
      !gtk_widget_get_visible (GTK_WIDGET (self->account_dialog)) ||
      (account = find_account (self, self->dialog_account)) == NULL)
    return;

  body = replace_key_body (account);
  gtk_label_set_text (self->account_dialog_body, body);
}

static void
open_dialog (ConcordPreferencesWindow *self,
             AccountDialogMode         mode,
             ConcordAccountRow        *account)
{
  g_autofree char *body = NULL;
  gboolean key = mode == ACCOUNT_DIALOG_REPLACE_KEY;

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
      account = find_account (self, self->dialog_account);
      text = refusal_text (error, account != NULL ? concord_app_registry_get_name (account->app_id)
                                                  : _("The app"));
      show_dialog_error (self, text);
      return;
    }

  close_dialog (self);
  toast (self, _("Key replaced; the connections that failed sync again"));
  list_accounts (self, FALSE);
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
  list_accounts (self, TRUE);
}

static void
on_account_apply_button_clicked_cb (ConcordPreferencesWindow *self)
{
  AdwEntryRow *entry = self->dialog_mode == ACCOUNT_DIALOG_REPLACE_KEY ? self->account_key_entry
                                                                       : self->account_name_entry;
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));

  if (self->dialog_account == NULL || self->dialog_cancellable != NULL || *text == '\0')
    return;

  show_dialog_error (self, NULL);
  self->dialog_cancellable = g_cancellable_new ();
  set_dialog_busy (self, TRUE);

  if (self->dialog_mode == ACCOUNT_DIALOG_REPLACE_KEY)
    concord_engine_replace_key_async (self->engine, self->dialog_account, text,
                                      self->dialog_cancellable, on_key_replaced_cb, g_object_ref (self));
  else
    concord_engine_rename_account_async (self->engine, self->dialog_account, text,
                                         self->dialog_cancellable, on_account_renamed_cb,
                                         g_object_ref (self));

  /* The key stays in the entry only while it is checked. */
  if (self->dialog_mode == ACCOUNT_DIALOG_REPLACE_KEY)
    memset (text, 0, strlen (text));
}

static void
accounts_replace_key_action (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  ConcordPreferencesWindow *self = CONCORD_PREFERENCES_WINDOW (widget);
  ConcordAccountRow *account = find_account (self, g_variant_get_string (parameter, NULL));

  if (account != NULL)
    open_dialog (self, ACCOUNT_DIALOG_REPLACE_KEY, account);
}

static void
accounts_rename_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  ConcordPreferencesWindow *self = CONCORD_PREFERENCES_WINDOW (widget);
  ConcordAccountRow *account = find_account (self, g_variant_get_string (parameter, NULL));

  if (account != NULL)
    open_dialog (self, ACCOUNT_DIALOG_RENAME, account);
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
      toast (self, text);
    }
  else
    toast (self, _("Account removed"));

  list_accounts (self, TRUE);
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

static void
accounts_remove_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  ConcordPreferencesWindow *self = CONCORD_PREFERENCES_WINDOW (widget);
  ConcordAccountRow *account = find_account (self, g_variant_get_string (parameter, NULL));
  g_autofree char *names = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;
  guint n;

  if (account == NULL)
    return;

  names = connections_of (self, account, &n);
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

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_preferences_window_constructed (GObject *object)
{
  ConcordPreferencesWindow *self = CONCORD_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (concord_preferences_window_parent_class)->constructed (object);

  g_assert (self->settings != NULL);

  /* How often each connection syncs is its own schedule, chosen on its
   * page (concord-schedule-row.c). */
  g_settings_bind (self->settings, "background-sync",
                   self->background_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "notify-errors",
                   self->notify_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "status-icon",
                   self->status_icon_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);

  /* Read only: the user's changes go through the request above. */
  sync_start_at_login (self);
  g_settings_bind (self->settings, "start-at-login",
                   self->start_at_login_switch, "active",
                   G_SETTINGS_BIND_GET);
}

static void
concord_preferences_window_dispose (GObject *object)
{
  ConcordPreferencesWindow *self = CONCORD_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->dialog_cancellable != NULL)
    g_cancellable_cancel (self->dialog_cancellable);
  g_clear_object (&self->dialog_cancellable);
  /* A window of its own: the template does not destroy it. */
  if (self->account_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->account_dialog));
  gtk_widget_dispose_template (GTK_WIDGET (self), CONCORD_TYPE_PREFERENCES_WINDOW);
  g_clear_pointer (&self->account_rows, g_hash_table_unref);
  g_clear_pointer (&self->accounts, g_ptr_array_unref);
  g_clear_pointer (&self->custom_rows, g_ptr_array_unref);
  g_clear_pointer (&self->dialog_account, g_free);
  g_clear_object (&self->settings);
  g_clear_object (&self->engine);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (concord_preferences_window_parent_class)->dispose (object);
}

static void
concord_preferences_window_set_property (GObject      *object,
                                         guint         prop_id,
                                         const GValue *value,
                                         GParamSpec   *pspec)
{
  ConcordPreferencesWindow *self = CONCORD_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_preferences_window_get_property (GObject    *object,
                                         guint       prop_id,
                                         GValue     *value,
                                         GParamSpec *pspec)
{
  ConcordPreferencesWindow *self = CONCORD_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_preferences_window_class_init (ConcordPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = concord_preferences_window_constructed;
  object_class->dispose = concord_preferences_window_dispose;
  object_class->get_property = concord_preferences_window_get_property;
  object_class->set_property = concord_preferences_window_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/concord-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, background_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, notify_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, status_icon_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, start_at_login_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, accounts_page);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, accounts_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, accounts_list_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, accounts_empty_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, account_dialog);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, account_dialog_title);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, account_dialog_body);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, account_apply_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, account_cancel_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, account_spinner);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, account_key_entry);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, account_name_entry);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, account_error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_start_at_login_switch_state_set_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_account_cancel_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_account_apply_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_account_entry_changed_cb);

  gtk_widget_class_install_action (widget_class, "accounts.replace-key", "s", accounts_replace_key_action);
  gtk_widget_class_install_action (widget_class, "accounts.rename", "s", accounts_rename_action);
  gtk_widget_class_install_action (widget_class, "accounts.remove", "s", accounts_remove_action);
}

static void
concord_preferences_window_init (ConcordPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->account_rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->custom_rows = g_ptr_array_new ();

  gtk_window_set_transient_for (GTK_WINDOW (self->account_dialog), GTK_WINDOW (self));
  g_signal_connect_object (self->account_dialog, "close-request",
                           G_CALLBACK (on_account_dialog_close_request_cb), self, 0);
  g_signal_connect_object (concord_keyring_probe_get_default (), "notify::kind",
                           G_CALLBACK (on_keyring_kind_cb), self, G_CONNECT_SWAPPED);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

ConcordPreferencesWindow *
concord_preferences_window_new (GSettings *settings)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (CONCORD_TYPE_PREFERENCES_WINDOW,
                       "settings", settings,
                       NULL);
}

/**
 * concord_preferences_window_set_engine:
 * @engine: the engine, which holds the accounts
 *
 * Fills the Accounts page, and keeps it current as runs finish and
 * connections come and go.
 */
void
concord_preferences_window_set_engine (ConcordPreferencesWindow *self,
                                       ConcordEngine            *engine)
{
  g_return_if_fail (CONCORD_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (CONCORD_IS_ENGINE (engine));
  g_return_if_fail (self->engine == NULL);

  self->engine = g_object_ref (engine);
  g_signal_connect_object (engine, "run-finished", G_CALLBACK (on_engine_run_finished_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (concord_engine_get_connections (engine), "items-changed",
                           G_CALLBACK (on_connections_changed_cb), self, G_CONNECT_SWAPPED);
  list_accounts (self, TRUE);
}
