/* concord-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The application object: one process, one main window, actions registered
 * on the application (app.*) and on the window (win.*). It owns the GSettings
 * that windows and dialogs share.
 */

#define G_LOG_DOMAIN "concord-application"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-application.h"
#include "concord-resources.h"
#include "concord-preferences-window.h"
#include "concord-window.h"

struct _ConcordApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;  /* (owned) */
};

G_DEFINE_FINAL_TYPE (ConcordApplication, concord_application, ADW_TYPE_APPLICATION)

/* ------------------------------------------------------------------------- */
/* Actions                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_application_quit_action (GSimpleAction *action,
                                 GVariant      *parameter,
                                 gpointer       user_data)
{
  ConcordApplication *self = user_data;
  GList *windows;

  /* Destroy windows first so they save their state. */
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (self))) != NULL)
    gtk_window_destroy (windows->data);

  g_application_quit (G_APPLICATION (self));
}

static void
concord_application_about_action (GSimpleAction *action,
                                  GVariant      *parameter,
                                  gpointer       user_data)
{
  ConcordApplication *self = user_data;
  static const char *developers[] = { "The Concord developers", NULL };
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (self));

  adw_show_about_window (window,
                         "application-name", PACKAGE_NAME,
                         "application-icon", APP_ID,
                         "developer-name", "The Concord developers",
                         "developers", developers,
                         "version", PACKAGE_VERSION,
                         "website", "https://github.com/concordsync/concord",
                         "issue-url", "https://github.com/concordsync/concord/issues",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "copyright", "© 2026 The Concord developers",
                         /* Translators: credit yourself here, one name per line */
                         "translator-credits", _("translator-credits"),
                         "comments", _("Keep contacts in sync between Elastic Email and "
                                       "the other apps your business uses, on your own machine."),
                         NULL);
}

static void
concord_application_preferences_action (GSimpleAction *action,
                                        GVariant      *parameter,
                                        gpointer       user_data)
{
  ConcordApplication *self = user_data;
  ConcordPreferencesWindow *preferences;
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  preferences = concord_preferences_window_new (self->settings);
  gtk_window_set_transient_for (GTK_WINDOW (preferences), window);
  gtk_window_present (GTK_WINDOW (preferences));
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = concord_application_quit_action },
  { .name = "about", .activate = concord_application_about_action },
  { .name = "preferences", .activate = concord_application_preferences_action },
};

static const struct
{
  const char *action;
  const char *accels[3];
} app_accels[] = {
  { "app.quit", { "<Control>q", NULL } },
  { "app.preferences", { "<Control>comma", NULL } },
  { "win.add-connection", { "<Control>n", NULL } },
  { "win.show-help-overlay", { "<Control>question", NULL } },
  { "window.close", { "<Control>w", NULL } },
};

/* ------------------------------------------------------------------------- */
/* GApplication                                                              */
/* ------------------------------------------------------------------------- */

static void
concord_application_startup (GApplication *application)
{
  ConcordApplication *self = CONCORD_APPLICATION (application);

  G_APPLICATION_CLASS (concord_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);

  for (guint i = 0; i < G_N_ELEMENTS (app_accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self),
                                           app_accels[i].action, app_accels[i].accels);

  gtk_window_set_default_icon_name (APP_ID);
}

static void
concord_application_activate (GApplication *application)
{
  ConcordApplication *self = CONCORD_APPLICATION (application);
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window == NULL)
    window = GTK_WINDOW (concord_window_new (self));

  gtk_window_present (window);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_application_dispose (GObject *object)
{
  ConcordApplication *self = CONCORD_APPLICATION (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (concord_application_parent_class)->dispose (object);
}

static void
concord_application_class_init (ConcordApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = concord_application_dispose;

  /* Before any template of ours is used. */
  concord_register_resource ();

  app_class->startup = concord_application_startup;
  app_class->activate = concord_application_activate;
}

static void
concord_application_init (ConcordApplication *self)
{
  /* The schema id is the app id without the .Devel suffix: both profiles
   * share settings. */
  self->settings = g_settings_new ("io.github.concordsync.Concord");
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

ConcordApplication *
concord_application_new (const char        *application_id,
                         GApplicationFlags  flags)
{
  g_return_val_if_fail (application_id != NULL, NULL);

  return g_object_new (CONCORD_TYPE_APPLICATION,
                       "application-id", application_id,
                       "flags", flags,
                       /* Same resources for both profiles. */
                       "resource-base-path", RESOURCE_BASE_PATH,
                       NULL);
}

/**
 * concord_application_get_settings:
 *
 * Returns: (transfer none): the application's settings
 */
GSettings *
concord_application_get_settings (ConcordApplication *self)
{
  g_return_val_if_fail (CONCORD_IS_APPLICATION (self), NULL);

  return self->settings;
}
