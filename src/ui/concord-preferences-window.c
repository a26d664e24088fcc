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
 * Accounts: the custom fields of each Elastic Email account that no
 * contact uses yet (which reading its contacts cannot find), one entry row
 * per account, stored through the engine when applied.
 */

#define G_LOG_DOMAIN "concord-preferences-window"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "concord-background.h"
#include "concord-preferences-window.h"

struct _ConcordPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;  /* (owned) */
  ConcordEngine        *engine;    /* (owned) (nullable) */
  GCancellable         *cancellable;  /* (owned): cancelled in dispose */

  /* Template widgets */
  GtkSwitch            *background_switch;
  GtkSwitch            *notify_switch;
  GtkSwitch            *start_at_login_switch;
  AdwPreferencesPage   *accounts_page;
  AdwPreferencesGroup  *accounts_group;
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

/* The account's option "custom_fields", or "". */
static char *
custom_fields_of (const char *options_json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (options_json == NULL || !json_parser_load_from_data (parser, options_json, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return g_strdup ("");

  return g_strdup (json_object_get_string_member_with_default (json_node_get_object (root),
                                                               "custom_fields", ""));
}

static void
on_custom_fields_saved_cb (GObject      *object,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(GtkWidget) row = user_data;
  g_autoptr(GError) error = NULL;
  GtkRoot *root;

  if (!concord_engine_set_custom_fields_finish (CONCORD_ENGINE (object), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  gtk_widget_set_sensitive (row, TRUE);
  root = gtk_widget_get_root (row);
  if (error != NULL && ADW_IS_PREFERENCES_WINDOW (root))
    {
      /* Translators: %s says why */
      g_autofree char *text = g_strdup_printf (_("The custom fields could not be saved: %s"),
                                               error->message);

      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), adw_toast_new (text));
    }
}

static void
on_custom_fields_row_apply_cb (AdwEntryRow              *row,
                               ConcordPreferencesWindow *self)
{
  const char *account_id = g_object_get_data (G_OBJECT (row), "account-id");

  gtk_widget_set_sensitive (GTK_WIDGET (row), FALSE);
  concord_engine_set_custom_fields_async (self->engine, account_id,
                                          gtk_editable_get_text (GTK_EDITABLE (row)),
                                          self->cancellable, on_custom_fields_saved_cb,
                                          g_object_ref (row));
}

static void
on_accounts_listed_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(ConcordPreferencesWindow) self = user_data;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GError) error = NULL;
  guint n_rows = 0;

  accounts = concord_engine_list_accounts_finish (CONCORD_ENGINE (object), result, &error);
  if (accounts == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not read the accounts: %s", error->message);
      return;
    }

  for (guint i = 0; i < accounts->len; i++)
    {
      ConcordAccountRow *account = g_ptr_array_index (accounts, i);
      g_autofree char *names = NULL;
      g_autofree char *label = NULL;
      GtkWidget *row;

      if (g_strcmp0 (account->app_id, "elasticemail") != 0)
        continue;

      names = custom_fields_of (account->options_json);
      row = adw_entry_row_new ();
      gtk_widget_set_name (row, "custom-fields-entry");
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), account->name);
      adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
      gtk_editable_set_text (GTK_EDITABLE (row), names);
      /* Translators: %s is an account's name */
      label = g_strdup_printf (_("Custom fields of %s that no contact uses yet"), account->name);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      g_object_set_data_full (G_OBJECT (row), "account-id", g_strdup (account->id), g_free);
      g_signal_connect (row, "apply", G_CALLBACK (on_custom_fields_row_apply_cb), self);
      adw_preferences_group_add (self->accounts_group, row);
      n_rows++;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->accounts_page), n_rows > 0);
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
  gtk_widget_dispose_template (GTK_WIDGET (self), CONCORD_TYPE_PREFERENCES_WINDOW);
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
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, start_at_login_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, accounts_page);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, accounts_group);
  gtk_widget_class_bind_template_callback (widget_class, on_start_at_login_switch_state_set_cb);
}

static void
concord_preferences_window_init (ConcordPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
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
 * Shows the Accounts page when there is an account to set up.
 */
void
concord_preferences_window_set_engine (ConcordPreferencesWindow *self,
                                       ConcordEngine            *engine)
{
  g_return_if_fail (CONCORD_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (CONCORD_IS_ENGINE (engine));
  g_return_if_fail (self->engine == NULL);

  self->engine = g_object_ref (engine);
  concord_engine_list_accounts_async (engine, self->cancellable, on_accounts_listed_cb,
                                      g_object_ref (self));
}
