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

#include "concord-a11y.h"
#include "concord-application.h"
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

struct _ConcordApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;    /* (owned) */
  ConcordEngine  *engine;      /* (owned) */
  ConcordSandbox *sandbox;     /* (owned) (nullable) the sample apps, once started */
  GQueue          sandbox_starts;  /* (owned) GTask: starts asked for, the first running */
  ConcordNotifications *notifications;  /* (owned) */
  ConcordStatusIcon *status_icon;  /* (owned) the tray icon, where there is a tray */
  gboolean        background;  /* started with --background: no window */
  gboolean        held;        /* holding the app for background syncing */
  gboolean        opened;      /* the engine has loaded the connections */
  gboolean        loading_held;  /* holding the app until they are loaded */
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

static char *
data_dir (void)
{
  const char *dir = g_getenv ("CONCORD_DATA_DIR");

  return dir != NULL ? g_strdup (dir) : g_build_filename (g_get_user_data_dir (), "concord", NULL);
}

static char *
sandbox_dir (void)
{
  g_autofree char *dir = data_dir ();

  return g_build_filename (dir, "sandbox", NULL);
}

/* The sandbox's servers whose port was taken on this start: app id, old
 * and new base URL, three strings each. */
static GPtrArray *
sandbox_moves (ConcordSandbox *sandbox)
{
  GPtrArray *moves = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) apps = concord_sandbox_get_apps (sandbox);

  if (concord_sandbox_get_moved_from (sandbox) != NULL)
    {
      g_ptr_array_add (moves, g_strdup (concord_elasticemail_app.id));
      g_ptr_array_add (moves, g_strdup (concord_sandbox_get_moved_from (sandbox)));
      g_ptr_array_add (moves, g_strdup (concord_sandbox_get_elasticemail_url (sandbox)));
    }
  for (guint i = 0; apps[i] != NULL; i++)
    if (concord_sandbox_get_app_moved_from (sandbox, apps[i]) != NULL &&
        concord_sandbox_get_app_url (sandbox, apps[i]) != NULL)
      {
        g_ptr_array_add (moves, g_strdup (apps[i]));
        g_ptr_array_add (moves, g_strdup (concord_sandbox_get_app_moved_from (sandbox, apps[i])));
        g_ptr_array_add (moves, g_strdup (concord_sandbox_get_app_url (sandbox, apps[i])));
      }

  return moves;
}

typedef struct
{
  char      *app_id;   /* (owned) (nullable) */
  GPtrArray *moves;    /* (owned) (nullable): see sandbox_moves() */
} SandboxStart;

static void
sandbox_start_free (SandboxStart *start)
{
  g_free (start->app_id);
  g_clear_pointer (&start->moves, g_ptr_array_unref);
  g_free (start);
}

static void run_sandbox_start (ConcordApplication *self);

/* Returns the first start asked for (@error: %NULL for success), and runs
 * the next: one start at a time, since the sandbox is started on a worker
 * thread and nothing else of it may be touched meanwhile. */
static void
finish_sandbox_start (ConcordApplication *self,
                      GError             *error)
{
  g_autoptr(GTask) task = g_queue_pop_head (&self->sandbox_starts);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);

  if (!g_queue_is_empty (&self->sandbox_starts))
    run_sandbox_start (self);
}

static void move_next_server (ConcordApplication *self);

static void
sandbox_moved_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ConcordApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  guint n_moved = 0;

  /* The sandbox runs either way; accounts left behind fail with a clear
   * "could not reach" and can be added again. */
  if (!concord_engine_move_server_finish (CONCORD_ENGINE (object), result, &n_moved, &error))
    g_warning ("The sample accounts could not follow the sandbox to its new port: %s", error->message);
  else if (n_moved > 0)
    g_debug ("%u sample account(s) follow the sandbox to its new port", n_moved);
  move_next_server (self);
}

/* The stored accounts follow each server that moved, one after the
 * other, before any run. */
static void
move_next_server (ConcordApplication *self)
{
  GTask *task = g_queue_peek_head (&self->sandbox_starts);
  SandboxStart *start = g_task_get_task_data (task);
  g_autofree char *app_id = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;

  if (start->moves == NULL || start->moves->len < 3 || self->engine == NULL)
    {
      finish_sandbox_start (self, NULL);
      return;
    }

  app_id = g_ptr_array_steal_index (start->moves, 0);
  from = g_ptr_array_steal_index (start->moves, 0);
  to = g_ptr_array_steal_index (start->moves, 0);
  concord_engine_move_server_async (self->engine, app_id, from, to, NULL, sandbox_moved_cb,
                                    g_object_ref (self));
}

static void
sandbox_started_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ConcordApplication) self = user_data;
  ConcordSandbox *sandbox = CONCORD_SANDBOX (object);
  GTask *task = g_queue_peek_head (&self->sandbox_starts);
  SandboxStart *start = g_task_get_task_data (task);
  GError *error = NULL;

  if (!concord_sandbox_start_finish (sandbox, result, &error))
    {
      finish_sandbox_start (self, error);
      return;
    }

  start->moves = sandbox_moves (sandbox);
  move_next_server (self);
}

static void
run_sandbox_start (ConcordApplication *self)
{
  GTask *task = g_queue_peek_head (&self->sandbox_starts);
  SandboxStart *start = g_task_get_task_data (task);
  GError *error = NULL;

  if (self->sandbox == NULL)
    {
      g_autofree char *dir = sandbox_dir ();

      self->sandbox = concord_sandbox_new (dir);
    }
  if (start->app_id != NULL && !concord_sandbox_add_app (self->sandbox, start->app_id, &error))
    {
      finish_sandbox_start (self, error);
      return;
    }
  if (concord_sandbox_is_running (self->sandbox) &&
      (start->app_id == NULL || concord_sandbox_get_app_options_json (self->sandbox, start->app_id) != NULL))
    {
      finish_sandbox_start (self, NULL);
      return;
    }
  concord_sandbox_start_async (self->sandbox, g_task_get_cancellable (task), sandbox_started_cb,
                               g_object_ref (self));
}

/**
 * concord_application_start_sandbox_async:
 *
 * Starts the sample apps of the demo (an Elastic Email and a Sample CRM
 * on this machine, with sample contacts, and the sample apps asked for
 * before), once.
 */
void
concord_application_start_sandbox_async (ConcordApplication  *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  concord_application_start_sandbox_app_async (self, NULL, cancellable, callback, user_data);
}

/**
 * concord_application_start_sandbox_app_async:
 * @app_id: (nullable): the second side of the demo: one of
 *   concord_sandbox_list_apps(); %NULL: the Sample CRM
 *
 * Starts the sandbox (see concord_application_start_sandbox_async()) with
 * a sample of @app_id too, after the starts asked for before. Finish with
 * concord_application_start_sandbox_finish().
 */
void
concord_application_start_sandbox_app_async (ConcordApplication  *self,
                                             const char          *app_id,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  GTask *task;
  SandboxStart *start;

  g_return_if_fail (CONCORD_IS_APPLICATION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_application_start_sandbox_async);
  start = g_new0 (SandboxStart, 1);
  start->app_id = g_strdup (app_id);
  g_task_set_task_data (task, start, (GDestroyNotify) sandbox_start_free);

  g_queue_push_tail (&self->sandbox_starts, task);
  if (g_queue_get_length (&self->sandbox_starts) == 1)
    run_sandbox_start (self);
}

/**
 * concord_application_is_sample_account:
 * @app_id: an account's app
 * @options_json: (nullable): the account's options
 *
 * Returns: whether the account is one of the sandbox demo's (see
 *   concord_sandbox_owns_account()), running or not
 */
gboolean
concord_application_is_sample_account (ConcordApplication *self,
                                       const char         *app_id,
                                       const char         *options_json)
{
  g_return_val_if_fail (CONCORD_IS_APPLICATION (self), FALSE);

  /* A sandbox that is not running still knows its ports: its folder. */
  if (self->sandbox == NULL)
    {
      g_autofree char *dir = sandbox_dir ();

      self->sandbox = concord_sandbox_new (dir);
    }

  return concord_sandbox_owns_account (self->sandbox, app_id, options_json);
}

/**
 * concord_application_start_sandbox_finish:
 *
 * Returns: (transfer none): the running sandbox, or %NULL with @error set
 */
ConcordSandbox *
concord_application_start_sandbox_finish (ConcordApplication  *self,
                                          GAsyncResult        *result,
                                          GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  return self->sandbox;
}

/* Removing the sample data: the sandbox's connections, then its accounts
 * (and their keys), then its apps. The engine thread does the jobs in the
 * order they are queued, so they are all queued at once. */
typedef struct
{
  guint   pending;
  GError *error;  /* (owned) (nullable) the first failure */
} Removal;

static void
removal_free (Removal *removal)
{
  g_clear_error (&removal->error);
  g_free (removal);
}

static void
removal_step_done (GTask  *task,
                   GError *error)
{
  ConcordApplication *self = g_task_get_source_object (task);
  Removal *removal = g_task_get_task_data (task);
  g_autoptr(GError) sandbox_error = NULL;

  if (error != NULL && removal->error == NULL)
    removal->error = g_error_copy (error);
  if (--removal->pending > 0)
    return;

  if (removal->error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&removal->error));
      return;
    }

  if (self->sandbox != NULL && !concord_sandbox_remove (self->sandbox, &sandbox_error))
    g_task_return_error (task, g_steal_pointer (&sandbox_error));
  else
    g_task_return_boolean (task, TRUE);
}

/* A connection or an account of the sandbox removed. */
static void
sandbox_part_removed_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (g_async_result_is_tagged (result, concord_engine_remove_connection_async))
    concord_engine_remove_connection_finish (CONCORD_ENGINE (object), result, &error);
  else
    concord_engine_remove_account_finish (CONCORD_ENGINE (object), result, &error);
  removal_step_done (task, error);
}

static void
sandbox_accounts_listed_cb (GObject      *object,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordApplication *self = g_task_get_source_object (task);
  Removal *removal = g_task_get_task_data (task);
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GPtrArray) owned = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GListModel *connections = concord_engine_get_connections (self->engine);

  accounts = concord_engine_list_accounts_finish (self->engine, result, &error);
  if (accounts == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  for (guint i = 0; i < accounts->len; i++)
    {
      ConcordAccountRow *account = g_ptr_array_index (accounts, i);

      if (concord_sandbox_owns_account (self->sandbox, account->app_id, account->options_json))
        g_ptr_array_add (owned, account);
    }

  /* One step more than the jobs: the last is this function's own. */
  removal->pending = 1;

  /* The states name their accounts, and names are unique. */
  for (guint i = 0; i < g_list_model_get_n_items (connections); i++)
    {
      g_autoptr(ConcordConnectionState) state = g_list_model_get_item (connections, i);

      for (guint j = 0; j < owned->len; j++)
        {
          ConcordAccountRow *account = g_ptr_array_index (owned, j);

          if (g_strcmp0 (concord_connection_state_get_account_a (state), account->name) == 0 ||
              g_strcmp0 (concord_connection_state_get_account_b (state), account->name) == 0)
            {
              removal->pending++;
              concord_engine_remove_connection_async (self->engine, concord_connection_state_get_id (state),
                                                      NULL, sandbox_part_removed_cb,
                                                      g_object_ref (task));
              break;
            }
        }
    }

  for (guint j = 0; j < owned->len; j++)
    {
      ConcordAccountRow *account = g_ptr_array_index (owned, j);

      removal->pending++;
      concord_engine_remove_account_async (self->engine, account->id, NULL, sandbox_part_removed_cb,
                                           g_object_ref (task));
    }

  removal_step_done (task, NULL);
}

/**
 * concord_application_remove_sandbox_async:
 *
 * Removes the sample data as a whole: the connections that use the
 * sample apps' accounts, those accounts with their keys, and the sample
 * apps themselves (stopped, their folder deleted, so that they do not
 * start again with Concord). Other connections and accounts stay.
 */
void
concord_application_remove_sandbox_async (ConcordApplication  *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CONCORD_IS_APPLICATION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_application_remove_sandbox_async);
  g_task_set_task_data (task, g_new0 (Removal, 1), (GDestroyNotify) removal_free);

  if (self->engine == NULL)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_FAILED, "Concord has not started");
      return;
    }

  /* Stopped or never started in this process: its folder still says
   * which accounts are its own. */
  if (self->sandbox == NULL)
    {
      g_autofree char *dir = sandbox_dir ();

      self->sandbox = concord_sandbox_new (dir);
    }
  concord_engine_list_accounts_async (self->engine, cancellable, sandbox_accounts_listed_cb,
                                      g_steal_pointer (&task));
}

gboolean
concord_application_remove_sandbox_finish (ConcordApplication  *self,
                                           GAsyncResult        *result,
                                           GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == concord_application_remove_sandbox_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
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
    g_autofree char *dir = sandbox_dir ();
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
  g_autofree char *dir = data_dir ();
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
