/* concord-preferences-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Preferences: every control is bound to a GSettings key, so there is no
 * Apply button and no state of its own.
 */

#define G_LOG_DOMAIN "concord-preferences-window"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-preferences-window.h"

struct _ConcordPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;  /* (owned) */

  /* Template widgets */
  GtkAdjustment        *sync_interval_adjustment;
  GtkSwitch            *background_switch;
  GtkSwitch            *notify_switch;
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
