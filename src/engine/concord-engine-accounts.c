/* concord-engine-accounts.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The facade's jobs on accounts: checking a key, adding, removing,
 * listing and renaming accounts, and replacing a key (which reruns the
 * connections it failed). Their options are in
 * concord-engine-account-options.c.
 */

#define G_LOG_DOMAIN "concord-engine"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-engine-private.h"
#include "concord-error.h"

static gboolean
verify (ConcordEngine     *self,
        ConcordEngineJob  *job,
        GError           **error)
{
  g_autoptr(ConcordConnector) connector = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  connector = self->create_connector (job->app_id, job->options_json, job->secret, error);
  if (connector == NULL)
    return FALSE;
  concord_connector_verify_async (connector, NULL, concord_engine_store_result_cb, &slot);
  result = concord_engine_wait_slot (&slot);
  return concord_connector_verify_finish (connector, result, error);
}

static void
verify_worker (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;

  if (verify (source_object, task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * concord_engine_verify_async:
 *
 * Checks an API key against its app, on the engine thread.
 */
void
concord_engine_verify_async (ConcordEngine       *self,
                             const char          *app_id,
                             const char          *options_json,
                             const char          *secret,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (app_id != NULL && secret != NULL);

  task = concord_engine_job_task (self, concord_engine_verify_async, cancellable, callback, user_data, &job);
  job->app_id = g_strdup (app_id);
  job->options_json = g_strdup (options_json);
  job->secret = g_strdup (secret);
  concord_worker_thread_queue (self->worker, task, verify_worker);
}

gboolean
concord_engine_verify_finish (ConcordEngine  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
add_account_worker (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  ConcordEngineJob *job = task_data;
  GError *error = NULL;
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *label = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  /* A name the store would refuse (or another account has) is refused
   * before the key goes anywhere. */
  if (!concord_store_check_name (job->name, &error) ||
      !concord_engine_ensure_store (self, &error) ||
      !concord_store_check_account_name (self->store, job->name, &error) ||
      !verify (self, job, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* The key goes to the keyring first: an account row never exists
   * without its key. */
  label = g_strdup_printf ("Concord: %s", job->name);
  concord_secret_store_store_async (self->secrets, id, job->app_id, label, job->secret, NULL,
                                    concord_engine_store_result_cb, &slot);
  result = concord_engine_wait_slot (&slot);
  if (!concord_secret_store_store_finish (self->secrets, result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (!concord_store_add_account (self->store, id, job->app_id, job->name, job->options_json, &error))
    {
      g_autoptr(GAsyncResult) cleared = NULL;

      /* No account, no key of it in the keyring. */
      slot = NULL;
      concord_secret_store_clear_async (self->secrets, id, NULL, concord_engine_store_result_cb, &slot);
      cleared = concord_engine_wait_slot (&slot);
      concord_secret_store_clear_finish (self->secrets, cleared, NULL);
      g_task_return_error (task, error);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&id), g_free);
}

/**
 * concord_engine_add_account_async:
 *
 * Checks the key, stores it in the keyring and adds the account.
 */
void
concord_engine_add_account_async (ConcordEngine       *self,
                                  const char          *app_id,
                                  const char          *name,
                                  const char          *options_json,
                                  const char          *secret,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (app_id != NULL && name != NULL && secret != NULL);

  task = concord_engine_job_task (self, concord_engine_add_account_async, cancellable, callback, user_data, &job);
  job->app_id = g_strdup (app_id);
  job->name = g_strdup (name);
  job->options_json = g_strdup (options_json);
  job->secret = g_strdup (secret);
  concord_worker_thread_queue (self->worker, task, add_account_worker);
}

/**
 * concord_engine_add_account_finish:
 *
 * Returns: (transfer full): the new account's id
 */
char *
concord_engine_add_account_finish (ConcordEngine  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
remove_account_worker (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  ConcordEngineJob *job = task_data;
  GError *error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  /* The row first (refused while a connection uses it), then the key. */
  if (!concord_engine_ensure_store (self, &error) || !concord_store_remove_account (self->store, job->account_id, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_hash_table_remove (self->connectors, job->account_id);

  /* FALSE without an error: there was no key to remove (fine). */
  concord_secret_store_clear_async (self->secrets, job->account_id, NULL, concord_engine_store_result_cb, &slot);
  result = concord_engine_wait_slot (&slot);
  if (!concord_secret_store_clear_finish (self->secrets, result, &error) && error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * concord_engine_remove_account_async:
 *
 * Removes an account no connection uses, and its key from the keyring.
 */
void
concord_engine_remove_account_async (ConcordEngine       *self,
                                     const char          *account_id,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (account_id != NULL);

  task = concord_engine_job_task (self, concord_engine_remove_account_async, cancellable, callback, user_data, &job);
  job->account_id = g_strdup (account_id);
  concord_worker_thread_queue (self->worker, task, remove_account_worker);
}

gboolean
concord_engine_remove_account_finish (ConcordEngine  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
list_accounts_worker (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  GPtrArray *accounts = NULL;
  GError *error = NULL;

  if (!concord_engine_ensure_store (self, &error) ||
      (accounts = concord_store_list_accounts (self->store, &error)) == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, accounts, (GDestroyNotify) g_ptr_array_unref);
}

/**
 * concord_engine_list_accounts_async:
 *
 * Reads the accounts (no secrets) on the engine thread.
 */
void
concord_engine_list_accounts_async (ConcordEngine       *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = concord_engine_job_task (self, concord_engine_list_accounts_async, cancellable,
                                  callback, user_data, &job);
  concord_worker_thread_queue (self->worker, task, list_accounts_worker);
}

/**
 * concord_engine_list_accounts_finish:
 *
 * Returns: (transfer container) (element-type ConcordAccountRow): the
 *   accounts, or %NULL with @error set
 */
GPtrArray *
concord_engine_list_accounts_finish (ConcordEngine  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * concord_engine_get_key_refused:
 * @account_id: an account
 *
 * Returns: whether an app refused the account's key in the last run of a
 *   connection that uses it (and it was not replaced since)
 */
gboolean
concord_engine_get_key_refused (ConcordEngine *self,
                                const char    *account_id)
{
  g_return_val_if_fail (CONCORD_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (account_id != NULL, FALSE);

  return g_hash_table_contains (self->refused, account_id);
}

/* The task of an account job whose result the UI thread acts on before
 * the caller hears of it: @done gets the job's result, with the caller's
 * task (tagged @tag) as its user data, and must complete that task. The
 * job itself is not cancellable: what the engine thread did is acted on
 * even when the caller is gone. */
static GTask *
account_job_task (ConcordEngine        *self,
                  gpointer              tag,
                  GCancellable         *cancellable,
                  GAsyncReadyCallback   callback,
                  gpointer              user_data,
                  GAsyncReadyCallback   done,
                  ConcordEngineJob    **job)
{
  GTask *outer = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (outer, tag);
  return concord_engine_job_task (self, tag, NULL, done, outer, job);
}

static void
replace_key_worker (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  ConcordEngineJob *job = task_data;   /* account_id, secret */
  GError *error = NULL;
  g_autoptr(ConcordAccountRow) account = NULL;
  g_autofree char *label = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  if (!concord_engine_ensure_store (self, &error) ||
      (account = concord_store_get_account (self->store, job->account_id, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* Checked with the account's app and options first: a key the app
   * refuses never replaces the one in the keyring. */
  job->app_id = g_strdup (account->app_id);
  job->options_json = g_strdup (account->options_json);
  if (!verify (self, job, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* The same attributes: the keyring replaces the old secret. */
  label = g_strdup_printf ("Concord: %s", account->name);
  concord_secret_store_store_async (self->secrets, account->id, account->app_id, label, job->secret,
                                    NULL, concord_engine_store_result_cb, &slot);
  result = concord_engine_wait_slot (&slot);
  if (!concord_secret_store_store_finish (self->secrets, result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* The next run makes its connector with the new key. */
  g_hash_table_remove (self->connectors, account->id);
  g_task_return_pointer (task, g_strdup (account->name), g_free);
}

/* On the UI thread, whether or not the caller is still there: the
 * connections of the account that were failing run again. */
static void
on_key_replaced_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  ConcordEngine *self = CONCORD_ENGINE (object);
  g_autoptr(GTask) outer = user_data;
  ConcordEngineJob *job = g_task_get_task_data (G_TASK (result));
  g_autofree char *name = NULL;
  GError *error = NULL;
  guint n;

  name = g_task_propagate_pointer (G_TASK (result), &error);
  if (name == NULL)
    {
      g_task_return_error (outer, error);
      return;
    }

  g_hash_table_remove (self->refused, job->account_id);

  /* Runs are jobs of the engine thread too, in order: one that started
   * with the old key has come back before this (and is failing now), one
   * queued or waiting for another process reads the new key when it
   * starts. */
  n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConcordConnectionState) state = g_list_model_get_item (G_LIST_MODEL (self->connections), i);

      if ((g_strcmp0 (state->account_a, name) == 0 || g_strcmp0 (state->account_b, name) == 0) &&
          state->enabled && state->n_failures > 0)
        concord_engine_queue_run (self, state->id);
    }

  g_task_return_boolean (outer, TRUE);
}

/**
 * concord_engine_replace_key_async:
 * @account_id: the account
 * @secret: its new API key
 *
 * Checks @secret with the account's app and options and, only when the app
 * accepts it, puts it in the keyring in place of the old key; then runs
 * again the connections of the account that were failing. A refused key
 * leaves the old one, with the app's error (e.g. %CONCORD_ERROR_AUTH_FAILED).
 */
void
concord_engine_replace_key_async (ConcordEngine       *self,
                                  const char          *account_id,
                                  const char          *secret,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (account_id != NULL && secret != NULL);

  /* A key that went to the keyring reruns the connections, whatever
   * becomes of the caller. */
  task = account_job_task (self, concord_engine_replace_key_async, cancellable, callback, user_data,
                           on_key_replaced_cb, &job);
  job->account_id = g_strdup (account_id);
  job->secret = g_strdup (secret);
  concord_worker_thread_queue (self->worker, task, replace_key_worker);
}

gboolean
concord_engine_replace_key_finish (ConcordEngine  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == concord_engine_replace_key_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
rename_account_worker (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  ConcordEngineJob *job = task_data;   /* account_id, name */
  g_autoptr(GPtrArray) rows = NULL;
  GPtrArray *snapshots;
  GError *error = NULL;

  if (!concord_engine_ensure_store (self, &error) ||
      !concord_store_rename_account (self->store, job->account_id, job->name, &error) ||
      (rows = concord_store_list_account_connections (self->store, job->account_id, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* The connections show their accounts by name. */
  snapshots = g_ptr_array_new_with_free_func (concord_engine_snapshot_free);
  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (snapshots, concord_engine_take_snapshot (self, g_steal_pointer (&rows->pdata[i])));
  g_task_return_pointer (task, snapshots, (GDestroyNotify) g_ptr_array_unref);
}

static void
on_account_renamed_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  ConcordEngine *self = CONCORD_ENGINE (object);
  g_autoptr(GTask) outer = user_data;
  g_autoptr(GPtrArray) snapshots = NULL;
  GError *error = NULL;

  snapshots = g_task_propagate_pointer (G_TASK (result), &error);
  if (snapshots == NULL)
    {
      g_task_return_error (outer, error);
      return;
    }

  for (guint i = 0; i < snapshots->len; i++)
    {
      ConcordEngineSnapshot *snapshot = g_ptr_array_index (snapshots, i);

      /* Only the names: a run going meanwhile says the rest. */
      if (concord_engine_lookup (self, snapshot->row->id) != NULL)
        {
          ConcordConnectionState *state = concord_engine_lookup (self, snapshot->row->id);

          concord_connection_state_set_string (state, &state->account_a, snapshot->account_a,
                                               CONCORD_STATE_PROP_ACCOUNT_A);
          concord_connection_state_set_string (state, &state->account_b, snapshot->account_b,
                                               CONCORD_STATE_PROP_ACCOUNT_B);
        }
    }

  g_task_return_boolean (outer, TRUE);
}

/**
 * concord_engine_rename_account_async:
 * @account_id: the account
 * @name: its new name
 *
 * Renames the account (concord_store_rename_account(): a name another
 * account has is a %CONCORD_ERROR_CONFLICT saying so), and the
 * connections that use it show the new name.
 */
void
concord_engine_rename_account_async (ConcordEngine       *self,
                                     const char          *account_id,
                                     const char          *name,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (account_id != NULL && name != NULL);

  task = account_job_task (self, concord_engine_rename_account_async, cancellable, callback, user_data,
                           on_account_renamed_cb, &job);
  job->account_id = g_strdup (account_id);
  job->name = g_strdup (name);
  concord_worker_thread_queue (self->worker, task, rename_account_worker);
}

gboolean
concord_engine_rename_account_finish (ConcordEngine  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == concord_engine_rename_account_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
