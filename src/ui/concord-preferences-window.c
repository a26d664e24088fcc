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

#include "concord-preferences-window-private.h"
#include "concord-app-registry.h"
#include "concord-background.h"
#include "concord-error.h"
#include "concord-keyring-probe.h"

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
  gtk_widget_class_bind_template_callback_full (widget_class, "on_account_cancel_button_clicked_cb",
                                                G_CALLBACK (concord_preferences_window_on_account_cancel_button_clicked_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_account_apply_button_clicked_cb",
                                                G_CALLBACK (concord_preferences_window_on_account_apply_button_clicked_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_account_entry_changed_cb",
                                                G_CALLBACK (concord_preferences_window_on_account_entry_changed_cb));

  gtk_widget_class_install_action (widget_class, "accounts.replace-key", "s",
                                   concord_preferences_window_accounts_replace_key_action);
  gtk_widget_class_install_action (widget_class, "accounts.rename", "s",
                                   concord_preferences_window_accounts_rename_action);
  gtk_widget_class_install_action (widget_class, "accounts.remove", "s",
                                   concord_preferences_window_accounts_remove_action);
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
                           G_CALLBACK (concord_preferences_window_on_account_dialog_close_request_cb), self, 0);
  g_signal_connect_object (concord_keyring_probe_get_default (), "notify::kind",
                           G_CALLBACK (concord_preferences_window_on_keyring_kind_cb), self, G_CONNECT_SWAPPED);
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
  g_signal_connect_object (engine, "run-finished", G_CALLBACK (concord_preferences_window_on_engine_run_finished_cb),
                           self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (concord_engine_get_connections (engine), "items-changed",
                           G_CALLBACK (concord_preferences_window_on_connections_changed_cb), self, G_CONNECT_SWAPPED);
  concord_preferences_window_list_accounts (self, TRUE);
}
