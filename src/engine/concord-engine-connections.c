/* concord-engine-connections.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The facade's jobs on connections: adding, removing, renaming,
 * switching on and off, and changing their schedule and setup; each ends
 * with the connection's snapshot for the UI thread.
 */

#define G_LOG_DOMAIN "concord-engine"

#include "config.h"

#include "concord-engine-private.h"
#include "concord-error.h"

/* Ends a job that changed a connection: its snapshot, for the UI. */
static void
return_snapshot (ConcordEngine *self,
                 GTask         *task,
                 gint64         connection_id)
{
  GError *error = NULL;
  ConcordConnectionRow *row = concord_store_get_connection_by_id (self->store, connection_id, &error);

  if (row == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, concord_engine_take_snapshot (self, row), concord_engine_snapshot_free);
}

static void
add_connection_worker (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  ConcordEngineJob *job = task_data;
  GError *error = NULL;
  gint64 id;

  if (!concord_engine_ensure_store (self, &error) || (id = concord_store_add_connection (self->store, &job->row, &error)) == 0)
    g_task_return_error (task, error);
  else
    return_snapshot (self, task, id);
}

/**
 * concord_engine_add_connection_async:
 * @row: the connection (its id is ignored)
 */
void
concord_engine_add_connection_async (ConcordEngine              *self,
                                     const ConcordConnectionRow *row,
                                     GCancellable               *cancellable,
                                     GAsyncReadyCallback         callback,
                                     gpointer                    user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (row != NULL && row->name != NULL);

  task = concord_engine_job_task (self, concord_engine_add_connection_async, cancellable, callback, user_data, &job);
  job->row = *row;
  job->row.name = g_strdup (row->name);
  job->row.account_a = g_strdup (row->account_a);
  job->row.type_a = g_strdup (row->type_a);
  job->row.account_b = g_strdup (row->account_b);
  job->row.type_b = g_strdup (row->type_b);
  job->row.config_json = g_strdup (row->config_json);
  concord_worker_thread_queue (self->worker, task, add_connection_worker);
}

/**
 * concord_engine_add_connection_finish:
 *
 * Returns: the new connection's id (it is in the list of connections), or 0
 */
gint64
concord_engine_add_connection_finish (ConcordEngine  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  ConcordEngineSnapshot *snapshot;
  gint64 id;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  snapshot = g_task_propagate_pointer (G_TASK (result), error);
  if (snapshot == NULL)
    return 0;

  id = snapshot->row->id;
  concord_engine_apply_snapshot (self, snapshot);
  concord_engine_snapshot_free (snapshot);
  return id;
}

static void
remove_connection_worker (GTask        *task,
                          gpointer      source_object,
                          gpointer      task_data,
                          GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  ConcordEngineJob *job = task_data;
  GError *error = NULL;

  if (!concord_engine_ensure_store (self, &error) || !concord_store_remove_connection (self->store, job->connection_id, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * concord_engine_remove_connection_async:
 *
 * Removes a connection and what Concord keeps of it (which contacts are
 * paired, its activity); the contacts in the apps stay as they are. A
 * run of it going is cancelled and waited for first.
 */
void
concord_engine_remove_connection_async (ConcordEngine       *self,
                                        gint64               connection_id,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineJob *job;

  GCancellable *run;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  /* Its run stops between two batches (what it wrote is committed) and
   * the removal waits for it: the engine thread does one job at a time.
   * A run waiting for another process's run never starts. */
  if ((run = g_hash_table_lookup (self->runs, &connection_id)) != NULL)
    g_cancellable_cancel (run);
  if (g_hash_table_remove (self->waiting, &connection_id))
    g_hash_table_remove (self->queued, &connection_id);

  task = concord_engine_job_task (self, concord_engine_remove_connection_async, cancellable, callback, user_data, &job);
  job->connection_id = connection_id;
  concord_worker_thread_queue (self->worker, task, remove_connection_worker);
}

gboolean
concord_engine_remove_connection_finish (ConcordEngine  *self,
                                         GAsyncResult   *result,
                                         GError        **error)
{
  ConcordEngineJob *job;
  guint position;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  job = g_task_get_task_data (G_TASK (result));
  {
    ConcordConnectionState *state = concord_engine_lookup (self, job->connection_id);

    if (state != NULL && g_list_store_find (self->connections, state, &position))
      g_list_store_remove (self->connections, position);
  }
  return TRUE;
}

static void
rename_connection_worker (GTask        *task,
                          gpointer      source_object,
                          gpointer      task_data,
                          GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  ConcordEngineJob *job = task_data;
  GError *error = NULL;

  if (!concord_engine_ensure_store (self, &error) ||
      !concord_store_rename_connection (self->store, job->connection_id, job->name, &error))
    g_task_return_error (task, error);
  else
    return_snapshot (self, task, job->connection_id);
}

/**
 * concord_engine_rename_connection_async:
 * @name: the new name (see concord_store_check_name())
 *
 * Renames a connection; a name another connection has is refused with
 * %CONCORD_ERROR_CONFLICT. Its state's name changes once it is stored.
 */
void
concord_engine_rename_connection_async (ConcordEngine       *self,
                                        gint64               connection_id,
                                        const char          *name,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (name != NULL);

  task = concord_engine_job_task (self, concord_engine_rename_connection_async, cancellable, callback,
                                  user_data, &job);
  job->connection_id = connection_id;
  job->name = g_strdup (name);
  concord_worker_thread_queue (self->worker, task, rename_connection_worker);
}

gboolean
concord_engine_rename_connection_finish (ConcordEngine  *self,
                                         GAsyncResult   *result,
                                         GError        **error)
{
  ConcordEngineSnapshot *snapshot;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == concord_engine_rename_connection_async,
                        FALSE);

  snapshot = g_task_propagate_pointer (G_TASK (result), error);
  if (snapshot == NULL)
    return FALSE;

  concord_engine_apply_snapshot (self, snapshot);
  concord_engine_snapshot_free (snapshot);
  return TRUE;
}

static void
set_enabled_worker (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  ConcordEngineJob *job = task_data;
  GError *error = NULL;

  if (!concord_engine_ensure_store (self, &error) ||
      !concord_store_set_connection_enabled (self->store, job->connection_id, job->flag, &error))
    g_task_return_error (task, error);
  else
    return_snapshot (self, task, job->connection_id);
}

/**
 * concord_engine_set_enabled_async:
 *
 * Switches a connection on (it syncs at once) or off.
 */
void
concord_engine_set_enabled_async (ConcordEngine       *self,
                                  gint64               connection_id,
                                  gboolean             enabled,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = concord_engine_job_task (self, concord_engine_set_enabled_async, cancellable, callback, user_data, &job);
  job->connection_id = connection_id;
  job->flag = !!enabled;
  concord_worker_thread_queue (self->worker, task, set_enabled_worker);
}

gboolean
concord_engine_set_enabled_finish (ConcordEngine  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  ConcordEngineSnapshot *snapshot;
  gboolean enabled;
  gint64 id;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  snapshot = g_task_propagate_pointer (G_TASK (result), error);
  if (snapshot == NULL)
    return FALSE;

  enabled = snapshot->row->enabled;
  id = snapshot->row->id;
  concord_engine_apply_snapshot (self, snapshot);
  concord_engine_snapshot_free (snapshot);
  if (enabled)
    concord_engine_queue_run (self, id);
  return TRUE;
}

static void
set_schedule_worker (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  ConcordEngineJob *job = task_data;
  GError *error = NULL;

  if (!concord_engine_ensure_store (self, &error) ||
      !concord_store_set_schedule (self->store, job->connection_id, job->seconds, &error))
    g_task_return_error (task, error);
  else
    return_snapshot (self, task, job->connection_id);
}

/**
 * concord_engine_set_schedule_async:
 * @seconds: the time between the end of a run and the start of the next;
 *   0 for automatic (see concord_sync_cadence())
 *
 * Stores the connection's schedule; its next run moves to match.
 */
void
concord_engine_set_schedule_async (ConcordEngine       *self,
                                   gint64               connection_id,
                                   guint                seconds,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = concord_engine_job_task (self, concord_engine_set_schedule_async, cancellable, callback, user_data,
                                  &job);
  job->connection_id = connection_id;
  job->seconds = seconds;
  concord_worker_thread_queue (self->worker, task, set_schedule_worker);
}

gboolean
concord_engine_set_schedule_finish (ConcordEngine  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  ConcordEngineSnapshot *snapshot;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  snapshot = g_task_propagate_pointer (G_TASK (result), error);
  if (snapshot == NULL)
    return FALSE;

  concord_engine_apply_snapshot (self, snapshot);
  concord_engine_snapshot_free (snapshot);
  return TRUE;
}

static void
set_config_worker (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  ConcordEngineJob *job = task_data;
  g_autoptr(ConcordConnectionConfig) config = NULL;
  GError *error = NULL;

  /* Refused as a whole, naming the place: what is stored stays. */
  if ((config = concord_connection_config_new_from_json (job->config_json, &error)) == NULL ||
      !concord_engine_ensure_store (self, &error) ||
      !concord_store_set_connection_config (self->store, job->connection_id, job->config_json, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
concord_engine_set_config_async (ConcordEngine       *self,
                                 gint64               connection_id,
                                 const char          *config_json,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = concord_engine_job_task (self, concord_engine_set_config_async, cancellable, callback, user_data, &job);
  job->connection_id = connection_id;
  job->config_json = g_strdup (config_json);
  concord_worker_thread_queue (self->worker, task, set_config_worker);
}

gboolean
concord_engine_set_config_finish (ConcordEngine  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
