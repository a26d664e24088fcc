/* concord-preferences-window-accounts.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Preferences: the Accounts page. Every account with its app, the
 * connections that use it and its state ("Key refused" when an app
 * refused its key in the last run of one of them), read again after every
 * run and whenever the connections change; below them, the custom fields
 * of each Elastic Email account that no contact uses yet, one entry row
 * per account, made once per listing the user caused.
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

ConcordAccountRow *
concord_preferences_window_find_account (ConcordPreferencesWindow *self,
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
char *
concord_preferences_window_connections_of (ConcordPreferencesWindow *self,
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

  names = concord_preferences_window_connections_of (self, account, &n);
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
void
concord_preferences_window_list_accounts (ConcordPreferencesWindow *self,
                                          gboolean                  custom_fields)
{
  if (custom_fields)
    self->custom_rows_made = FALSE;
  concord_engine_list_accounts_async (self->engine, self->cancellable, on_accounts_listed_cb,
                                      g_object_ref (self));
}

void
concord_preferences_window_on_engine_run_finished_cb (ConcordPreferencesWindow *self)
{
  concord_preferences_window_list_accounts (self, FALSE);
}

void
concord_preferences_window_on_connections_changed_cb (ConcordPreferencesWindow *self)
{
  if (self->accounts != NULL)
    show_accounts (self);
}

void
concord_preferences_window_toast (ConcordPreferencesWindow *self,
                                  const char               *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (escaped));
}
