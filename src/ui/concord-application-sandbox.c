/* concord-application-sandbox.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The application's sample apps (the sandbox): their data folder, starting
 * their mock servers (one start at a time, queued; a server whose port was
 * taken moves, and the accounts that used it follow), telling their
 * accounts apart, and removing the sample data as a whole.
 */

#define G_LOG_DOMAIN "concord-application"

#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>

#include "concord-a11y.h"
#include "concord-app-registry.h"
#include "concord-application-private.h"
#include "concord-background.h"
#include "concord-engine.h"
#include "concord-error.h"
#include "concord-icon-resources.h"
#include "concord-keyring-probe.h"
#include "concord-notifications.h"
#include "concord-preferences-window.h"
#include "concord-resources.h"
#include "concord-sandbox.h"
#include "concord-status-icon.h"
#include "concord-window.h"

char *
concord_application_data_dir (void)
{
  const char *dir = g_getenv ("CONCORD_DATA_DIR");

  return dir != NULL ? g_strdup (dir) : g_build_filename (g_get_user_data_dir (), "concord", NULL);
}

char *
concord_application_sandbox_dir (void)
{
  g_autofree char *dir = concord_application_data_dir ();

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
      g_autofree char *dir = concord_application_sandbox_dir ();

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
      g_autofree char *dir = concord_application_sandbox_dir ();

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
      g_autofree char *dir = concord_application_sandbox_dir ();

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
