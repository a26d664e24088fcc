/* concord-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The application object: one process, one main window, actions registered
 * on the application (app.*) and on the window (win.*). It owns the GSettings
 * that windows and dialogs share.
 *
 * Started with --background (at login, see concord-background.c) it opens
 * no window. GApplication ends its process when nothing holds it, and the
 * engine loads the connections asynchronously: so a hold is taken before
 * the load and let go only once it is done, when update_hold() has taken
 * the lasting hold if a connection is on (and background syncing is
 * allowed). With nothing to run the process then ends by itself; otherwise
 * it syncs until the user quits or turns the last connection off. Where a
 * tray shows the status icon (concord-status-icon.c), the icon holds it
 * too: it stays until the user quits.
 */

#define G_LOG_DOMAIN "concord-application"

#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>

#include "concord-application-private.h"
#include "concord-a11y.h"
#include "concord-keyring-probe.h"
#include "concord-app-registry.h"
#include "concord-background.h"
#include "concord-engine.h"
#include "concord-error.h"
#include "concord-notifications.h"
#include "concord-sandbox.h"
#include "concord-icon-resources.h"
#include "concord-resources.h"
#include "concord-preferences-window.h"
#include "concord-status-icon.h"
#include "concord-window.h"

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
  if (self->engine != NULL)
    concord_preferences_window_set_engine (preferences, self->engine);
  gtk_window_set_transient_for (GTK_WINDOW (preferences), window);
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
concord_application_show_connection_action (GSimpleAction *action,
                                            GVariant      *parameter,
                                            gpointer       user_data)
{
  ConcordApplication *self = user_data;
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window == NULL)
    window = GTK_WINDOW (concord_window_new (self));
  gtk_window_present (window);
  concord_window_show_connection (CONCORD_WINDOW (window), g_variant_get_int64 (parameter), NULL);
}

/* The status icon's menu: Open Concord, Sync All Now, Pause All. */
static void
concord_application_open_action (GSimpleAction *action,
                                 GVariant      *parameter,
                                 gpointer       user_data)
{
  g_application_activate (G_APPLICATION (user_data));
}

static void
concord_application_sync_all_action (GSimpleAction *action,
                                     GVariant      *parameter,
                                     gpointer       user_data)
{
  ConcordApplication *self = user_data;

  if (self->engine != NULL)
    concord_engine_sync_all (self->engine);
}

static void
pause_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!concord_engine_set_enabled_finish (CONCORD_ENGINE (object), result, &error))
    g_warning ("Could not pause a connection: %s", error->message);
}

/* Pausing is the connections' own switch (see concord-connection-item.c):
 * every connection that is on is turned off, as the user would, one by
 * one, and stays off after a restart. */
static void
concord_application_pause_all_action (GSimpleAction *action,
                                      GVariant      *parameter,
                                      gpointer       user_data)
{
  ConcordApplication *self = user_data;
  GListModel *connections;

  if (self->engine == NULL)
    return;

  connections = concord_engine_get_connections (self->engine);
  for (guint i = 0; i < g_list_model_get_n_items (connections); i++)
    {
      g_autoptr(ConcordConnectionState) state = g_list_model_get_item (connections, i);

      if (concord_connection_state_get_enabled (state))
        concord_engine_set_enabled_async (self->engine, concord_connection_state_get_id (state), FALSE,
                                          NULL, pause_done_cb, NULL);
    }
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = concord_application_quit_action },
  { .name = "open", .activate = concord_application_open_action },
  { .name = "sync-all", .activate = concord_application_sync_all_action },
  { .name = "pause-all", .activate = concord_application_pause_all_action },
  { .name = "show-connection", .activate = concord_application_show_connection_action, .parameter_type = "x" },
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

/* ------------------------------------------------------------------------- */
/* The engine                                                                */
/* ------------------------------------------------------------------------- */

/* With a connection on and background syncing allowed, the app stays
 * alive when its last window closes; so it does while a tray shows its
 * status icon, which the user quits it from (Pause All there must not
 * make the icon vanish). */
static void
update_hold (ConcordApplication *self)
{
  gboolean hold = g_settings_get_boolean (self->settings, "background-sync") &&
                  self->engine != NULL &&
                  (concord_engine_has_enabled (self->engine) ||
                   (self->status_icon != NULL && concord_status_icon_get_registered (self->status_icon)));

  if (hold == self->held)
    return;

  self->held = hold;
  if (hold)
    g_application_hold (G_APPLICATION (self));
  else
    g_application_release (G_APPLICATION (self));
}

static void
background_request_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(ConcordApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  /* Refused by the user or the system: syncing stops with the window,
   * and the preference says so. */
  if (!concord_background_request_finish (G_APPLICATION (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("Running in the background was not allowed: %s", error->message);
      g_settings_set_boolean (self->settings, "background-sync", FALSE);
    }
}

/* Under Flatpak, syncing with no window open needs the Background
 * portal's permission: asked when the user turns it on. */
static void
on_background_sync_changed (ConcordApplication *self)
{
  if (concord_background_is_flatpak () && g_settings_get_boolean (self->settings, "background-sync"))
    concord_background_request_async (G_APPLICATION (self),
                                      gtk_application_get_active_window (GTK_APPLICATION (self)),
                                      g_settings_get_boolean (self->settings, "start-at-login"), NULL,
                                      background_request_cb, g_object_ref (self));
  update_hold (self);
}

/* Each connection syncs on its own schedule (stored with it, chosen on
 * its page). For tests: CONCORD_SYNC_INTERVAL_SECONDS gives every
 * connection one schedule, and CONCORD_SYNC_CLOCK_SCALE makes every
 * schedule pass that many times faster (60: an automatic minute in one
 * second). */
static void
start_schedules (ConcordApplication *self)
{
  const char *interval = g_getenv ("CONCORD_SYNC_INTERVAL_SECONDS");
  const char *scale = g_getenv ("CONCORD_SYNC_CLOCK_SCALE");
  guint64 seconds = 0;
  guint64 factor = 1;

  if (interval != NULL && g_ascii_string_to_unsigned (interval, 10, 1, G_MAXUINT, &seconds, NULL))
    concord_engine_set_interval (self->engine, (guint) seconds);
  if (scale != NULL && g_ascii_string_to_unsigned (scale, 10, 1, 10000, &factor, NULL))
    concord_engine_set_clock_scale (self->engine, (double) factor);
  concord_engine_start_schedule (self->engine);
}

/* Sync at once when the network comes back and when the computer wakes
 * up. Without a system bus (or logind on it) only the network counts. */
static void
system_bus_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ConcordApplication) self = user_data;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;

  bus = g_bus_get_finish (result, &error);
  if (bus == NULL)
    g_debug ("No system bus, so no sync on resume: %s", error->message);
  else if (self->engine != NULL)
    concord_engine_watch_sleep (self->engine, bus);
}

static void
watch_system (ConcordApplication *self)
{
  concord_engine_watch_network (self->engine, g_network_monitor_get_default ());
  g_bus_get (G_BUS_TYPE_SYSTEM, NULL, system_bus_cb, g_object_ref (self));
}

/* The connections are loaded (or could not be): from now on update_hold()
 * alone decides whether the process stays. */
static void
release_loading_hold (ConcordApplication *self)
{
  self->opened = TRUE;
  update_hold (self);
  if (self->loading_held)
    {
      self->loading_held = FALSE;
      g_application_release (G_APPLICATION (self));
    }
}

static void
on_state_enabled (ConcordApplication *self)
{
  update_hold (self);
}

static void
on_connections_changed (GListModel         *connections,
                        guint               position,
                        guint               removed,
                        guint               added,
                        ConcordApplication *self)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(GObject) state = g_list_model_get_item (connections, i);

      g_signal_connect_object (state, "notify::enabled", G_CALLBACK (on_state_enabled), self,
                               G_CONNECT_SWAPPED);
    }
  update_hold (self);
}

static void
on_run_finished (ConcordApplication     *self,
                 ConcordConnectionState *state,
                 gboolean                ok)
{
  if (ok)
    g_settings_set_int64 (self->settings, "last-sync", g_get_real_time () / G_USEC_PER_SEC);
}

/* GNOME Shell shows apps running with no window under Background Apps,
 * with this line: what Concord is doing. */
static void
on_status_line_changed (ConcordApplication *self)
{
  concord_background_set_status (G_APPLICATION (self),
                                 concord_status_icon_get_status_line (self->status_icon));
}

static void
sandbox_then_sync_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  ConcordApplication *self = CONCORD_APPLICATION (object);
  g_autoptr(GError) error = NULL;

  if (concord_application_start_sandbox_finish (self, result, &error) == NULL)
    g_warning ("Could not start the sample apps: %s", error->message);
  concord_engine_sync_all (self->engine);
}

static void
engine_opened_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ConcordApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!concord_engine_open_finish (CONCORD_ENGINE (object), result, &error))
    {
      g_warning ("Could not open Concord's data: %s", error->message);
      release_loading_hold (self);
      return;
    }

  start_schedules (self);
  watch_system (self);
  release_loading_hold (self);

  /* Connections to the sample apps need them running: start the sandbox
   * first when it was used, then catch up on what changed while Concord
   * was not running. */
  {
    g_autofree char *dir = concord_application_sandbox_dir ();
    g_autofree char *marker = g_build_filename (dir, "sandbox.json", NULL);

    if (g_file_test (marker, G_FILE_TEST_EXISTS))
      {
        concord_application_start_sandbox_async (self, NULL, sandbox_then_sync_cb, NULL);
        return;
      }
  }
  concord_engine_sync_all (self->engine);
}

static void
start_engine (ConcordApplication *self)
{
  g_autofree char *dir = concord_application_data_dir ();
  g_autofree char *path = g_build_filename (dir, "state.sqlite", NULL);
  g_autoptr(ConcordSecretStore) secrets = concord_secret_store_new ();
  GListModel *connections;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    g_warning ("Could not create %s: %s", dir, g_strerror (errno));

  self->engine = concord_engine_new (path, secrets, concord_app_registry_create_connector);
  /* Whether keys can be stored is known before Add Connection asks for one. */
  concord_keyring_probe_get_default ();
  self->notifications = concord_notifications_new (G_APPLICATION (self), self->engine);
  self->status_icon = concord_status_icon_new (G_APPLICATION (self), self->engine);
  g_settings_bind (self->settings, "status-icon", self->status_icon, "enabled", G_SETTINGS_BIND_GET);
  g_signal_connect_object (self->status_icon, "notify::status-line", G_CALLBACK (on_status_line_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->status_icon, "notify::registered", G_CALLBACK (update_hold),
                           self, G_CONNECT_SWAPPED);
  on_status_line_changed (self);
  connections = concord_engine_get_connections (self->engine);
  g_signal_connect_object (connections, "items-changed", G_CALLBACK (on_connections_changed), self, 0);
  g_signal_connect_object (self->engine, "run-finished", G_CALLBACK (on_run_finished), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::background-sync", G_CALLBACK (on_background_sync_changed),
                           self, G_CONNECT_SWAPPED);
  concord_engine_open_async (self->engine, NULL, engine_opened_cb, g_object_ref (self));
}

static void
concord_application_startup (GApplication *application)
{
  ConcordApplication *self = CONCORD_APPLICATION (application);

  G_APPLICATION_CLASS (concord_application_parent_class)->startup (application);
  concord_a11y_init ();

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);

  for (guint i = 0; i < G_N_ELEMENTS (app_accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self),
                                           app_accels[i].action, app_accels[i].accels);

  gtk_window_set_default_icon_name (APP_ID);

  /* For screenshots and checks of both styles: CONCORD_COLOR_SCHEME=dark
   * or light overrides the desktop's choice. */
  if (g_strcmp0 (g_getenv ("CONCORD_COLOR_SCHEME"), "dark") == 0)
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  else if (g_strcmp0 (g_getenv ("CONCORD_COLOR_SCHEME"), "light") == 0)
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);

  start_engine (self);
}

static void
concord_application_shutdown (GApplication *application)
{
  ConcordApplication *self = CONCORD_APPLICATION (application);

  if (self->engine != NULL)
    concord_engine_stop (self->engine);
  /* Off the tray before the bus connection goes. */
  if (self->status_icon != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->status_icon, self);
      g_settings_unbind (self->status_icon, "enabled");
      concord_status_icon_set_enabled (self->status_icon, FALSE);
    }
  if (self->sandbox != NULL)
    concord_sandbox_stop (self->sandbox);

  G_APPLICATION_CLASS (concord_application_parent_class)->shutdown (application);
}

static int
concord_application_handle_local_options (GApplication *application,
                                          GVariantDict *options)
{
  ConcordApplication *self = CONCORD_APPLICATION (application);
  g_autoptr(GError) error = NULL;

  if (!g_variant_dict_contains (options, "background"))
    return -1;

  /* Activating a running Concord would open its window: at login, when
   * it already runs, there is nothing to start. */
  if (!g_application_register (application, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (g_application_get_is_remote (application))
    return 0;

  self->background = TRUE;
  return -1;
}

static void
concord_application_activate (GApplication *application)
{
  ConcordApplication *self = CONCORD_APPLICATION (application);
  GtkWindow *window;

  /* Started at login: sync in the background, no window. Stay at least
   * until the connections are loaded; update_hold() keeps the process
   * beyond that while one is on. */
  if (self->background)
    {
      self->background = FALSE;
      if (!self->opened && !self->loading_held)
        {
          self->loading_held = TRUE;
          g_application_hold (application);
        }
      return;
    }

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

  g_clear_object (&self->notifications);
  g_clear_object (&self->status_icon);
  g_clear_object (&self->engine);
  g_clear_object (&self->sandbox);
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
  concord_icons_register_resource ();

  app_class->startup = concord_application_startup;
  app_class->shutdown = concord_application_shutdown;
  app_class->activate = concord_application_activate;
  app_class->handle_local_options = concord_application_handle_local_options;
}

static void
concord_application_init (ConcordApplication *self)
{
  /* The schema id is the app id without the .Devel suffix: both profiles
   * share settings. */
  self->settings = g_settings_new ("io.github.concordsync.Concord");

  g_application_add_main_option (G_APPLICATION (self), "background", 0, G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_NONE,
                                 _("Start without a window and keep syncing in the background"), NULL);
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

/**
 * concord_application_get_engine:
 *
 * Returns: (transfer none) (nullable): the engine, once the application
 *   has started up
 */
ConcordEngine *
concord_application_get_engine (ConcordApplication *self)
{
  g_return_val_if_fail (CONCORD_IS_APPLICATION (self), NULL);

  return self->engine;
}

/**
 * concord_application_get_notifications:
 *
 * Returns: (transfer none) (nullable): what tells the user about failing
 *   connections, once the application has started up
 */
ConcordNotifications *
concord_application_get_notifications (ConcordApplication *self)
{
  g_return_val_if_fail (CONCORD_IS_APPLICATION (self), NULL);

  return self->notifications;
}
