/* concord-engine.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The engine's facade for the UI.
 *
 * A ConcordEngine lives on the thread that made it (the UI thread) and owns
 * the engine thread (a ConcordWorkerThread with its own main context). The
 * store, the connectors and every run are touched on the engine thread
 * only: each call of the facade queues a job there and comes back as a
 * GTask result, a property change or a signal on the UI thread's context.
 * No network call, SQLite statement or merge ever runs on the UI thread.
 *
 * One run per connection, across processes: the store's lock (see
 * concord_store_begin_run()) refuses a run while concord-cli or another
 * instance runs the same connection. The engine then waits: the state
 * stays "running", says it is waiting, and the run is tried again every
 * few seconds, asking the apps nothing until the other run is over.
 *
 * A run that completed but could not write some contacts is a failure for
 * the window and the notifications: the state says how many, and the next
 * run retries them.
 *
 * An account whose key an app refused in a connection's last run is
 * remembered (concord_engine_get_key_refused()) until a run that uses it
 * succeeds or its key is replaced; replacing the key runs again at once
 * the connections of the account that were failing, so they recover with
 * no other action.
 * Schedules. Each connection runs by itself, on a timer counted from the
 * end of its last run: its own schedule (stored, see
 * concord_store_get_schedule()), or when "automatic" the cadence the cost
 * of reading its apps allows (concord_sync_cadence(), computed after each
 * run from the store's record counts and the connectors' page sizes and
 * budgets). A run that fails backs off: the delay doubles with each
 * failure in a row, up to an hour, and the schedule resumes after a
 * success. Runs also start at once when the network comes back, when the
 * computer wakes from suspend (logind's PrepareForSleep (false)), and a
 * few seconds after an app reports a change (ConcordConnector::changed;
 * a change during a run runs it again after). The timers are on the UI
 * thread's context; the state says when the next run is due
 * (next-sync, monotonic time).
 *
 * Signals (on the UI thread):
 *   run-finished (state, ok)        after every run
 *   connection-failing (state, why) the first failure of a streak
 *   connection-recovered (state)    the first success after failures
 *
 * This file holds the instance, the helpers each thread's code shares
 * and opening; the rest of the facade is in concord-engine-*.c and
 * concord-connection-state.c (see concord-engine-private.h).
 */

#define G_LOG_DOMAIN "concord-engine"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-engine-activity.h"
#include "concord-engine-private.h"
#include "concord-error.h"
#include "concord-schedule.h"
#include "concord-worker-thread.h"

/* A connector whose page size is unknown yet (before the first run). */
#define UNKNOWN_PAGE_SIZE 100

/* ------------------------------------------------------------------------- */
/* ConcordEngine                                                             */
/* ------------------------------------------------------------------------- */

G_DEFINE_FINAL_TYPE (ConcordEngine, concord_engine, G_TYPE_OBJECT)

guint concord_engine_signals[CONCORD_ENGINE_N_SIGNALS];

static void
destroy_source (gpointer data)
{
  g_source_destroy (data);
  g_source_unref (data);
}

/* Each run has a cancellable of its own, so that removing a connection
 * stops its run only. */
void
concord_engine_cancel_runs (ConcordEngine *self)
{
  GHashTableIter iter;
  GCancellable *cancellable;

  g_hash_table_iter_init (&iter, self->runs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &cancellable))
    g_cancellable_cancel (cancellable);
  g_hash_table_remove_all (self->runs);
}

static void
concord_engine_dispose (GObject *object)
{
  ConcordEngine *self = CONCORD_ENGINE (object);

  if (self->waiting != NULL)
    g_hash_table_remove_all (self->waiting);
  if (self->timers != NULL)
    g_hash_table_remove_all (self->timers);
  if (self->debounce != NULL)
    g_hash_table_remove_all (self->debounce);
  if (self->network != NULL)
    g_signal_handlers_disconnect_by_data (self->network, self);
  g_clear_object (&self->network);
  if (self->sleep_watch != 0)
    g_dbus_connection_signal_unsubscribe (self->system_bus, self->sleep_watch);
  self->sleep_watch = 0;
  g_clear_object (&self->system_bus);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->runs != NULL)
    concord_engine_cancel_runs (self);
  /* Joins the engine thread once its queued jobs, which hold references
   * to the engine, are gone. */
  g_clear_object (&self->worker);

  G_OBJECT_CLASS (concord_engine_parent_class)->dispose (object);
}

static void
concord_engine_finalize (GObject *object)
{
  ConcordEngine *self = CONCORD_ENGINE (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->connectors, g_hash_table_unref);
  g_clear_pointer (&self->choices, g_hash_table_unref);
  g_clear_object (&self->connections);
  g_clear_pointer (&self->queued, g_hash_table_unref);
  g_clear_pointer (&self->waiting, g_hash_table_unref);
  g_clear_pointer (&self->refused, g_hash_table_unref);
  g_clear_pointer (&self->timers, g_hash_table_unref);
  g_clear_pointer (&self->debounce, g_hash_table_unref);
  g_clear_pointer (&self->again, g_hash_table_unref);
  g_clear_pointer (&self->runs, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->secrets);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->db_path);

  G_OBJECT_CLASS (concord_engine_parent_class)->finalize (object);
}

static void
concord_engine_class_init (ConcordEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = concord_engine_dispose;
  object_class->finalize = concord_engine_finalize;

  concord_engine_signals[CONCORD_ENGINE_SIGNAL_RUN_FINISHED] =
    g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, CONCORD_TYPE_CONNECTION_STATE, G_TYPE_BOOLEAN);
  concord_engine_signals[CONCORD_ENGINE_SIGNAL_CONNECTION_FAILING] =
    g_signal_new ("connection-failing", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, CONCORD_TYPE_CONNECTION_STATE, G_TYPE_STRING);
  concord_engine_signals[CONCORD_ENGINE_SIGNAL_CONNECTION_RECOVERED] =
    g_signal_new ("connection-recovered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, CONCORD_TYPE_CONNECTION_STATE);
}

static void
concord_engine_init (ConcordEngine *self)
{
  self->connections = g_list_store_new (CONCORD_TYPE_CONNECTION_STATE);
  self->queued = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->waiting = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, destroy_source);
  self->refused = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->timers = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, destroy_source);
  self->debounce = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, destroy_source);
  self->again = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->clock_scale = 1.0;
  self->cancellable = g_cancellable_new ();
  self->runs = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  self->connectors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->choices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, concord_engine_choices_free);
}

/**
 * concord_engine_new:
 * @db_path: the state store
 * @secrets: where the API keys are
 * @create_connector: how to make connectors (the app registry's factory)
 *
 * Returns: (transfer full): the engine; call concord_engine_open_async()
 */
ConcordEngine *
concord_engine_new (const char              *db_path,
                    ConcordSecretStore      *secrets,
                    ConcordConnectorFactory  create_connector)
{
  ConcordEngine *self;

  g_return_val_if_fail (db_path != NULL, NULL);
  g_return_val_if_fail (CONCORD_IS_SECRET_STORE (secrets), NULL);
  g_return_val_if_fail (create_connector != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_ENGINE, NULL);
  self->db_path = g_strdup (db_path);
  self->secrets = g_object_ref (secrets);
  self->create_connector = create_connector;
  self->context = g_main_context_ref_thread_default ();
  self->worker = concord_worker_thread_new ("concord-engine");

  return self;
}

ConcordWorkerThread *
concord_engine_get_worker (ConcordEngine *self)
{
  g_return_val_if_fail (CONCORD_IS_ENGINE (self), NULL);

  return self->worker;
}

/* ------------------------------------------------------------------------- */
/* Engine thread helpers                                                     */
/* ------------------------------------------------------------------------- */

void
concord_engine_store_result_cb (GObject      *object,
                                GAsyncResult *result,
                                gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Iterates the engine thread's context until @slot is filled. */
GAsyncResult *
concord_engine_wait_slot (GAsyncResult **slot)
{
  GMainContext *context = g_main_context_get_thread_default ();

  while (*slot == NULL)
    g_main_context_iteration (context, TRUE);

  return *slot;
}

gboolean
concord_engine_ensure_store (ConcordEngine  *self,
                             GError        **error)
{
  g_assert (concord_worker_thread_is_current (self->worker));

  if (self->store == NULL)
    self->store = concord_store_new (self->db_path, error);

  return self->store != NULL;
}

static char *
lookup_secret (ConcordEngine  *self,
               const char     *account_id,
               GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  concord_secret_store_lookup_async (self->secrets, account_id, NULL, concord_engine_store_result_cb, &slot);
  result = concord_engine_wait_slot (&slot);
  return concord_secret_store_lookup_finish (self->secrets, result, error);
}

static void
change_watch_free (gpointer  data,
                   GClosure *closure)
{
  ConcordEngineChangeWatch *watch = data;

  g_free (watch->account_id);
  g_free (watch);
}

ConcordConnector *
concord_engine_get_connector (ConcordEngine  *self,
                              const char     *account_id,
                              GError        **error)
{
  ConcordConnector *connector = g_hash_table_lookup (self->connectors, account_id);
  g_autoptr(ConcordAccountRow) account = NULL;
  g_auto(ConcordSecretString) secret = NULL;

  if (connector != NULL)
    return g_object_ref (connector);

  if ((account = concord_store_get_account (self->store, account_id, error)) == NULL ||
      (secret = lookup_secret (self, account_id, error)) == NULL ||
      (connector = self->create_connector (account->app_id, account->options_json, secret, error)) == NULL)
    return NULL;

  g_hash_table_insert (self->connectors, g_strdup (account_id), connector);

  /* An app that can tell when its records change gets a run soon after. */
  {
    ConcordEngineChangeWatch *watch = g_new0 (ConcordEngineChangeWatch, 1);

    watch->engine = self;
    watch->account_id = g_strdup (account_id);
    g_signal_connect_data (connector, "changed", G_CALLBACK (concord_engine_connector_changed_cb), watch,
                           change_watch_free, 0);
    concord_connector_watch_changes (connector);
  }
  return g_object_ref (connector);
}

GPtrArray *
concord_engine_load_schema_sync (ConcordConnector  *connector,
                                 const char        *type,
                                 GError           **error)
{
  return concord_connector_load_schema_sync (connector, type, NULL, error);
}

void
concord_engine_snapshot_free (gpointer data)
{
  ConcordEngineSnapshot *snapshot = data;

  concord_connection_row_free (snapshot->row);
  g_free (snapshot->app_a);
  g_free (snapshot->app_b);
  g_free (snapshot->account_a);
  g_free (snapshot->account_b);
  g_free (snapshot->error);
  g_free (snapshot->code);
  g_free (snapshot->code_side);
  g_free (snapshot);
}

/* What reading each side costs, from the store's counts and the
 * connectors (known once a run has made them). */
static guint
estimate_cadence (ConcordEngine        *self,
                  ConcordConnectionRow *row)
{
  ConcordSideCost cost[2];

  for (guint side = 0; side < 2; side++)
    {
      const char *account = side == CONCORD_SIDE_A ? row->account_a : row->account_b;
      ConcordConnector *connector = g_hash_table_lookup (self->connectors, account);

      cost[side].n_records = MAX (concord_store_count_records (self->store, row->id, side, NULL), 0);
      cost[side].page_size = connector != NULL ? concord_connector_get_page_size (connector) : UNKNOWN_PAGE_SIZE;
      cost[side].budget_per_hour = connector != NULL ? concord_connector_get_rate_budget (connector) : 0;
    }

  return concord_sync_cadence (&cost[CONCORD_SIDE_A], &cost[CONCORD_SIDE_B]);
}

/* Whether a stored run was cancelled, by its code (schema 6). */
static gboolean
is_cancelled_run (const ConcordRunRow *run)
{
  return g_strcmp0 (run->code, concord_error_to_nick (CONCORD_ERROR_CANCELLED)) == 0;
}

ConcordEngineSnapshot *
concord_engine_take_snapshot (ConcordEngine        *self,
                              ConcordConnectionRow *row)
{
  ConcordEngineSnapshot *snapshot = g_new0 (ConcordEngineSnapshot, 1);
  g_autoptr(ConcordAccountRow) a = concord_store_get_account (self->store, row->account_a, NULL);
  g_autoptr(ConcordAccountRow) b = concord_store_get_account (self->store, row->account_b, NULL);
  g_autoptr(GPtrArray) runs = concord_store_list_runs (self->store, row->id, 20, NULL);

  snapshot->row = row;
  snapshot->app_a = g_strdup (a != NULL ? a->app_id : "");
  snapshot->app_b = g_strdup (b != NULL ? b->app_id : "");
  snapshot->account_a = g_strdup (a != NULL ? a->name : row->account_a);
  snapshot->account_b = g_strdup (b != NULL ? b->name : row->account_b);
  snapshot->n_linked = concord_store_count_links (self->store, row->id, NULL);
  if (!concord_store_get_schedule (self->store, row->id, &snapshot->schedule, NULL))
    snapshot->schedule = 0;
  snapshot->cadence = estimate_cadence (self, row);

  /* The newest real run says when it last synced and whether it failed;
   * a run cancelled (Concord quit, the connection was switched off) is
   * no outcome. */
  for (guint i = 0; runs != NULL && i < runs->len; i++)
    {
      ConcordRunRow *run = g_ptr_array_index (runs, i);

      if (run->dry_run || is_cancelled_run (run))
        continue;
      snapshot->last_sync = run->finished != 0 ? run->finished : run->started;
      snapshot->failed = g_strcmp0 (run->status, "ok") != 0;
      snapshot->partial = g_strcmp0 (run->status, "partial") == 0;
      /* An interrupted run (its process died) was never reported. */
      snapshot->streak = snapshot->partial || g_strcmp0 (run->status, "failed") == 0 ||
                         g_strcmp0 (run->status, "aborted") == 0;
      snapshot->error = g_strdup (run->error);
      snapshot->code = g_strdup (run->code);
      snapshot->code_side = g_strdup (run->code_side);
      break;
    }

  return snapshot;
}

/* ------------------------------------------------------------------------- */
/* UI thread helpers                                                         */
/* ------------------------------------------------------------------------- */

ConcordConnectionState *
concord_engine_lookup (ConcordEngine *self,
                       gint64         connection_id)
{
  guint n;

  g_return_val_if_fail (CONCORD_IS_ENGINE (self), NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConcordConnectionState) state = g_list_model_get_item (G_LIST_MODEL (self->connections), i);

      if (state->id == connection_id)
        return state;  /* the store keeps it alive */
    }

  return NULL;
}

void
concord_engine_apply_snapshot (ConcordEngine         *self,
                               ConcordEngineSnapshot *snapshot)
{
  ConcordConnectionState *state = concord_engine_lookup (self, snapshot->row->id);
  gboolean added = state == NULL;

  if (added)
    {
      state = g_object_new (CONCORD_TYPE_CONNECTION_STATE, NULL);
      state->id = snapshot->row->id;
    }

  g_object_freeze_notify (G_OBJECT (state));
  concord_connection_state_set_string (state, &state->name, snapshot->row->name, CONCORD_STATE_PROP_NAME);
  concord_connection_state_set_string (state, &state->app_a, snapshot->app_a, CONCORD_STATE_PROP_APP_A);
  concord_connection_state_set_string (state, &state->app_b, snapshot->app_b, CONCORD_STATE_PROP_APP_B);
  concord_connection_state_set_string (state, &state->account_a, snapshot->account_a, CONCORD_STATE_PROP_ACCOUNT_A);
  concord_connection_state_set_string (state, &state->account_b, snapshot->account_b, CONCORD_STATE_PROP_ACCOUNT_B);
  CONCORD_STATE_SET (state, direction, snapshot->row->direction, CONCORD_STATE_PROP_DIRECTION);
  CONCORD_STATE_SET (state, enabled, snapshot->row->enabled, CONCORD_STATE_PROP_ENABLED);
  CONCORD_STATE_SET (state, last_sync, snapshot->last_sync, CONCORD_STATE_PROP_LAST_SYNC);
  CONCORD_STATE_SET (state, n_linked, snapshot->n_linked, CONCORD_STATE_PROP_N_LINKED);
  CONCORD_STATE_SET (state, schedule, snapshot->schedule, CONCORD_STATE_PROP_SCHEDULE);
  CONCORD_STATE_SET (state, cadence, snapshot->cadence, CONCORD_STATE_PROP_CADENCE);
  /* Failing since before this process started: the same failure streak
   * goes on, and is not reported again (see run_done_cb()). */
  if (added && snapshot->failed)
    {
      g_autofree char *explanation = NULL;
      g_autofree char *fix = NULL;
      ConcordError code;

      state->error_code = -1;
      if (snapshot->partial)
        explanation = g_strdup (_("Some contacts could not be written; Concord will try again"));
      else if (snapshot->streak && concord_error_from_nick (snapshot->code, &code))
        {
          const char *who = g_strcmp0 (snapshot->code_side, "a") == 0 ? snapshot->account_a
                          : g_strcmp0 (snapshot->code_side, "b") == 0 ? snapshot->account_b : NULL;

          concord_error_explain (code, who, NULL, &explanation, &fix);
          state->error_code = code;
        }
      /* Stored by an older Concord: its words as they are. */
      else if (snapshot->streak && snapshot->error != NULL)
        explanation = concord_activity_clean_text (snapshot->error, 200);
      else
        explanation = g_strdup (_("The last sync did not finish"));
      g_free (state->error_fix);
      state->error_fix = g_steal_pointer (&fix);
      concord_connection_state_set_string (state, &state->error, explanation, CONCORD_STATE_PROP_ERROR);
      state->n_failures = snapshot->streak ? 1 : 0;
    }
  concord_connection_state_update_status (state, g_hash_table_contains (self->queued, &state->id));
  g_object_thaw_notify (G_OBJECT (state));

  if (added)
    {
      g_list_store_append (self->connections, state);
      g_object_unref (state);
    }
  concord_engine_reschedule (self, state);
}

/* ------------------------------------------------------------------------- */
/* Opening                                                                   */
/* ------------------------------------------------------------------------- */

static void
open_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  GPtrArray *snapshots;

  if (!concord_engine_ensure_store (self, &error) ||
      (rows = concord_store_list_connections (self->store, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  snapshots = g_ptr_array_new_with_free_func (concord_engine_snapshot_free);
  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (snapshots, concord_engine_take_snapshot (self, g_steal_pointer (&rows->pdata[i])));

  g_task_return_pointer (task, snapshots, (GDestroyNotify) g_ptr_array_unref);
}

/**
 * concord_engine_open_async:
 *
 * Opens the store on the engine thread and fills the list of connections.
 */
void
concord_engine_open_async (ConcordEngine       *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_engine_open_async);
  concord_worker_thread_queue (self->worker, task, open_worker);
}

gboolean
concord_engine_open_finish (ConcordEngine  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_autoptr(GPtrArray) snapshots = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  snapshots = g_task_propagate_pointer (G_TASK (result), error);
  if (snapshots == NULL)
    return FALSE;

  for (guint i = 0; i < snapshots->len; i++)
    concord_engine_apply_snapshot (self, g_ptr_array_index (snapshots, i));

  return TRUE;
}

GListModel *
concord_engine_get_connections (ConcordEngine *self)
{
  g_return_val_if_fail (CONCORD_IS_ENGINE (self), NULL);

  return G_LIST_MODEL (self->connections);
}

gboolean
concord_engine_has_enabled (ConcordEngine *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConcordConnectionState) state = g_list_model_get_item (G_LIST_MODEL (self->connections), i);

      if (state->enabled)
        return TRUE;
    }

  return FALSE;
}

/* ------------------------------------------------------------------------- */
/* Jobs                                                                      */
/* ------------------------------------------------------------------------- */

void
concord_engine_job_free (gpointer data)
{
  ConcordEngineJob *job = data;

  g_free (job->app_id);
  g_free (job->name);
  g_free (job->options_json);
  concord_secret_free (job->secret);
  g_free (job->account_id);
  g_free (job->type);
  g_free (job->config_json);
  g_free (job->row.name);
  g_free (job->row.account_a);
  g_free (job->row.type_a);
  g_free (job->row.account_b);
  g_free (job->row.type_b);
  g_free (job->row.config_json);
  g_free (job);
}

GTask *
concord_engine_job_task (ConcordEngine       *self,
                         gpointer             tag,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data,
                         ConcordEngineJob   **job)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  *job = g_new0 (ConcordEngineJob, 1);
  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, *job, concord_engine_job_free);
  return task;
}
