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
 */

#define G_LOG_DOMAIN "concord-preferences-window"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-background.h"
#include "concord-preferences-window.h"

struct _ConcordPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;  /* (owned) */

  /* Template widgets */
  GtkAdjustment        *sync_interval_adjustment;
  GtkSwitch            *background_switch;
  GtkSwitch            *notify_switch;
  GtkSwitch            *start_at_login_switch;
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
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_preferences_window_constructed (GObject *object)
{
  ConcordPreferencesWindow *self = CONCORD_PREFERENCES_WINDOW (object);
  g_autoptr(GSettingsSchemaKey) key = NULL;
  g_autoptr(GVariant) range = NULL;
  g_autoptr(GVariant) limits = NULL;
  const char *type;
  guint32 lower, upper;

  G_OBJECT_CLASS (concord_preferences_window_parent_class)->constructed (object);

  g_assert (self->settings != NULL);

  /* Take the spin button's limits from the schema, the one place they live. */
  {
    g_autoptr(GSettingsSchema) schema = NULL;

    g_object_get (self->settings, "settings-schema", &schema, NULL);
    key = g_settings_schema_get_key (schema, "sync-interval");
  }
  range = g_settings_schema_key_get_range (key);
  g_variant_get (range, "(&sv)", &type, &limits);
  if (g_strcmp0 (type, "range") == 0)
    {
      g_variant_get (limits, "(uu)", &lower, &upper);
      gtk_adjustment_set_lower (self->sync_interval_adjustment, lower);
      gtk_adjustment_set_upper (self->sync_interval_adjustment, upper);
    }

  g_settings_bind (self->settings, "sync-interval",
                   self->sync_interval_adjustment, "value",
                   G_SETTINGS_BIND_DEFAULT);
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

  gtk_widget_dispose_template (GTK_WIDGET (self), CONCORD_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

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
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, sync_interval_adjustment);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, background_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, notify_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordPreferencesWindow, start_at_login_switch);
  gtk_widget_class_bind_template_callback (widget_class, on_start_at_login_switch_state_set_cb);
}

static void
concord_preferences_window_init (ConcordPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
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
