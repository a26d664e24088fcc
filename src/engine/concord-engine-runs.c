/* concord-engine-runs.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The facade's runs: a run of one connection queued on the engine thread,
 * its progress posted to the UI thread, its outcome on the connection's
 * state and in the engine's signals, waiting while another process runs
 * the same connection, and the dry run of a preview. See concord-engine.c.
 */

#define G_LOG_DOMAIN "concord-engine"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "concord-engine-private.h"
#include "concord-error.h"

typedef struct
{
  ConcordEngine         *engine;          /* (owned) */
  gint64                 id;
  gboolean               dry_run;
  gint64                 last_post;       /* engine thread: when progress was last sent */
  gboolean               ok;
  gboolean               busy;            /* another process runs the connection: try again later */
  ConcordRunSummary      summary;
  GError                *error;
  ConcordEngineSnapshot *snapshot;
  char                  *account_id[2];   /* (nullable) each side's account, once read */
  gboolean               refused[2];      /* the side's app refused its key */
  gboolean               summary_failed;  /* it failed for its failed writes */
  char                  *fix;             /* (nullable) what to do about @error, for people */
} RunJob;

static void
run_job_free (gpointer data)
{
  RunJob *job = data;

  g_clear_object (&job->engine);
  concord_run_summary_clear (&job->summary);
  g_clear_error (&job->error);
  g_clear_pointer (&job->snapshot, concord_engine_snapshot_free);
  g_free (job->account_id[0]);
  g_free (job->account_id[1]);
  g_free (job->fix);
  g_free (job);
}

typedef struct
{
  ConcordEngine  *engine;
  gint64          id;
  ConcordRunPhase phase;
  guint           done;
  guint           total;
} Progress;

static gboolean
post_progress_cb (gpointer data)
{
  Progress *progress = data;
  ConcordConnectionState *state = concord_engine_lookup (progress->engine, progress->id);
  g_autofree char *text = NULL;
  double fraction;

  if (state == NULL || state->status != CONCORD_CONNECTION_RUNNING)
    return G_SOURCE_REMOVE;

  if (progress->phase == CONCORD_RUN_READING)
    {
      /* How many there are is unknown until both sides are read. */
      text = progress->done == 0 ? g_strdup ("Reading contacts…")
                                 : g_strdup_printf ("%u contacts read", progress->done);
      fraction = 0;
    }
  else
    {
      text = g_strdup_printf ("%u of %u changes written", progress->done, progress->total);
      fraction = progress->total > 0 ? (double) progress->done / progress->total : 1;
    }

  concord_connection_state_set_string (state, &state->progress, text, CONCORD_STATE_PROP_PROGRESS);
  CONCORD_STATE_SET (state, fraction, fraction, CONCORD_STATE_PROP_FRACTION);
  return G_SOURCE_REMOVE;
}

static void
progress_free (gpointer data)
{
  Progress *progress = data;

  g_object_unref (progress->engine);
  g_free (progress);
}

/* On the engine thread: at most ten updates a second reach the UI. */
static void
on_run_progress (ConcordRunPhase phase,
                 guint           done,
                 guint           total,
                 gpointer        user_data)
{
  RunJob *job = user_data;
  gint64 now = g_get_monotonic_time ();
  Progress *progress;

  if (now - job->last_post < G_USEC_PER_SEC / 10 && !(phase == CONCORD_RUN_WRITING && done == total))
    return;
  job->last_post = now;

  progress = g_new0 (Progress, 1);
  progress->engine = g_object_ref (job->engine);
  progress->id = job->id;
  progress->phase = phase;
  progress->done = done;
  progress->total = total;
  g_main_context_invoke_full (job->engine->context, G_PRIORITY_DEFAULT, post_progress_cb, progress,
                              progress_free);
}

/* The one line a person reads in the window and the notification, and
 * what to do: made from the error's code and side, never from its
 * message. The technical detail goes to the log. */
static char *
human_error (const GError  *error,
             const char    *account_a,
             const char    *account_b,
             char         **fix)
{
  int side = concord_error_get_side (error);
  char *title = NULL;

  concord_error_explain (concord_error_code_of (error),
                         side == CONCORD_SIDE_A ? account_a : side == CONCORD_SIDE_B ? account_b : NULL,
                         NULL, &title, fix);

  return title;
}

/* On the engine thread: a run that failed before it began. */
static void
record_failed_run (ConcordEngine *self,
                   gint64         connection_id,
                   const GError  *failure)
{
  g_autoptr(GError) error = NULL;
  gint64 run_id;

  if ((run_id = concord_store_begin_run (self->store, connection_id, FALSE, &error)) == 0 &&
      g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_BUSY))
    return;  /* another process runs it now: its run is the news */

  if (run_id == 0 ||
      !concord_store_finish_run (self->store, run_id, "failed", NULL, &error) ||
      !concord_store_set_run_error (self->store, run_id, failure, &error))
    g_warning ("Could not record the failed run of connection %" G_GINT64_FORMAT ": %s",
               connection_id, error->message);
}

/* Reads the connection and both sides' fields, then runs it (unless
 * another process runs it: @job is busy then). Returns whether the run
 * itself started; @row is the connection when it could be read. */
static gboolean
read_and_run (ConcordEngine         *self,
              RunJob                *job,
              GCancellable          *cancellable,
              ConcordConnectionRow **row)
{
  g_autoptr(GPtrArray) schema_a = NULL;
  g_autoptr(GPtrArray) schema_b = NULL;
  g_autoptr(ConcordConnector) a = NULL;
  g_autoptr(ConcordConnector) b = NULL;
  ConcordSyncConfig config;
  gboolean started = FALSE;
  ConcordRunOptions options = {
    .dry_run = job->dry_run,
    .progress = on_run_progress,
    .progress_data = job,
  };

  if (!concord_engine_ensure_store (self, &job->error) ||
      (*row = concord_store_get_connection_by_id (self->store, job->id, &job->error)) == NULL)
    job->ok = FALSE;
  /* Another process runs it: wait, without asking the apps for anything. */
  else if (!job->dry_run && concord_store_is_run_going (self->store, (*row)->id))
    {
      job->busy = TRUE;
      job->ok = FALSE;
    }
  /* Which side failed says whom to name to the user. */
  else if ((a = concord_engine_get_connector (self, (*row)->account_a, &job->error)) == NULL ||
           (schema_a = concord_engine_load_schema_sync (a, (*row)->type_a, &job->error)) == NULL)
    {
      concord_error_tag_side (&job->error, CONCORD_SIDE_A);
      g_prefix_error (&job->error, "Reading side a failed: ");
      job->ok = FALSE;
    }
  else if ((b = concord_engine_get_connector (self, (*row)->account_b, &job->error)) == NULL ||
           (schema_b = concord_engine_load_schema_sync (b, (*row)->type_b, &job->error)) == NULL)
    {
      concord_error_tag_side (&job->error, CONCORD_SIDE_B);
      g_prefix_error (&job->error, "Reading side b failed: ");
      job->ok = FALSE;
    }
  else if (!concord_sync_config_init_for_connection (&config, *row, schema_a, schema_b, &job->error))
    job->ok = FALSE;
  else
    {
      started = TRUE;
      job->ok = concord_sync_run_connection (self->store, *row, &config, a, b, &options, cancellable,
                                             &job->summary, &job->error);
      concord_sync_config_clear (&config);
      job->busy = g_error_matches (job->error, CONCORD_ERROR, CONCORD_ERROR_BUSY);
    }

  return started;
}

/* Failed writes fail the run for the person too (the journal has each
 * one's reason); the next run retries them. */
static void
fail_for_failed_writes (RunJob *job)
{
  guint n = job->summary.failed[0] + job->summary.failed[1];

  if (!job->ok || job->dry_run || n == 0)
    return;

  job->ok = FALSE;
  job->summary_failed = TRUE;
  job->error = g_error_new (CONCORD_ERROR, CONCORD_ERROR_FAILED,
                            /* Translators: %u is a number of contacts */
                            ngettext ("%u contact could not be written; Concord will try again",
                                      "%u contacts could not be written; Concord will try again",
                                      n), n);
}

/* A refused key may have been replaced in the keyring: read it again.
 * Which side's key it was is the error's side. */
static void
forget_refused_keys (ConcordEngine        *self,
                     RunJob               *job,
                     ConcordConnectionRow *row)
{
  int side;
  gboolean side_a, side_b;

  if (job->ok || job->error == NULL ||
      !concord_error_is_key_problem (concord_error_code_of (job->error)))
    return;

  side = concord_error_get_side (job->error);
  side_a = side == CONCORD_SIDE_A;
  side_b = side == CONCORD_SIDE_B;
  job->refused[0] = side_a || !side_b;
  job->refused[1] = side_b || !side_a;
  g_hash_table_remove (self->connectors, row->account_a);
  g_hash_table_remove (self->connectors, row->account_b);
}

/* The error of a failed run in words for people, and what to do. */
static void
explain_failure (RunJob *job)
{
  g_autofree char *human = NULL;

  if (job->ok || job->error == NULL || job->snapshot == NULL)
    return;

  /* Failed writes: the activity has each one's reason. */
  if (job->summary_failed)
    job->fix = g_strdup (_("The connection’s activity lists each contact and why."));
  else
    human = human_error (job->error, job->snapshot->account_a, job->snapshot->account_b, &job->fix);

  g_info ("Connection %" G_GINT64_FORMAT ": %s", job->id, job->error->message);
  if (human != NULL)
    {
      g_free (job->error->message);
      job->error->message = g_steal_pointer (&human);
    }
}

static void
run_worker (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  RunJob *job = task_data;
  g_autoptr(ConcordConnectionRow) row = NULL;
  gboolean started;

  /* Out of the queue: say it has started. */
  if (!job->dry_run)
    on_run_progress (CONCORD_RUN_READING, 0, 0, job);

  started = read_and_run (self, job, cancellable, &row);
  if (job->busy)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* Failed before a run could start (a refused key, an app out of reach
   * while reading the fields): still a failed run for the activity, the
   * health summary and the next start. */
  if (!job->ok && !started && !job->dry_run && row != NULL && job->error != NULL &&
      !g_error_matches (job->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    record_failed_run (self, row->id, job->error);

  fail_for_failed_writes (job);

  if (row != NULL)
    {
      job->account_id[0] = g_strdup (row->account_a);
      job->account_id[1] = g_strdup (row->account_b);
      forget_refused_keys (self, job, row);
    }

  if (!job->dry_run && row != NULL)
    job->snapshot = concord_engine_take_snapshot (self, g_steal_pointer (&row));

  explain_failure (job);

  g_task_return_boolean (task, TRUE);
}

static void wait_for_other_run (ConcordEngine *self,
                                gint64         connection_id);

static void
run_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  ConcordEngine *self = CONCORD_ENGINE (object);
  RunJob *job = g_task_get_task_data (G_TASK (result));
  ConcordConnectionState *state;
  gboolean was_failing;

  if (job->busy && !g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))) &&
      (state = concord_engine_lookup (self, job->id)) != NULL)
    {
      /* Still queued and "running": it runs once the other one is over. */
      concord_connection_state_set_string (state, &state->progress,
                        _("Waiting for another sync of this connection to finish…"),
                        CONCORD_STATE_PROP_PROGRESS);
      wait_for_other_run (self, job->id);
      return;
    }

  g_hash_table_remove (self->queued, &job->id);
  if (g_hash_table_lookup (self->runs, &job->id) == g_task_get_cancellable (G_TASK (result)))
    g_hash_table_remove (self->runs, &job->id);

  state = concord_engine_lookup (self, job->id);
  if (state == NULL)
    return;  /* removed meanwhile */

  /* Stopped while it waited for another process's run: it never ran. */
  if (job->busy)
    {
      concord_connection_state_set_string (state, &state->progress, NULL, CONCORD_STATE_PROP_PROGRESS);
      concord_connection_state_update_status (state, FALSE);
      return;
    }

  g_object_ref (state);
  g_object_freeze_notify (G_OBJECT (state));
  state->run_end = g_get_monotonic_time ();
  was_failing = state->n_failures > 0;
  if (job->snapshot != NULL)
    concord_engine_apply_snapshot (self, job->snapshot);

  /* What the accounts' keys did in this run. */
  for (guint i = 0; i < 2; i++)
    if (job->account_id[i] != NULL && job->ok)
      g_hash_table_remove (self->refused, job->account_id[i]);
    else if (job->account_id[i] != NULL && job->refused[i])
      g_hash_table_add (self->refused, g_strdup (job->account_id[i]));

  if (job->ok)
    {
      state->n_failures = 0;
      state->error_code = -1;
      g_clear_pointer (&state->error_fix, g_free);
      concord_connection_state_set_string (state, &state->error, NULL, CONCORD_STATE_PROP_ERROR);
    }
  else if (!g_error_matches (job->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      state->n_failures++;
      state->error_code = job->error != NULL && !job->summary_failed
                          ? (int) concord_error_code_of (job->error) : -1;
      g_free (state->error_fix);
      state->error_fix = g_strdup (job->fix);
      concord_connection_state_set_string (state, &state->error,
                                           job->error != NULL ? job->error->message : "The sync failed",
                                           CONCORD_STATE_PROP_ERROR);
    }
  concord_connection_state_set_string (state, &state->progress, NULL, CONCORD_STATE_PROP_PROGRESS);
  CONCORD_STATE_SET (state, fraction, 0.0, CONCORD_STATE_PROP_FRACTION);
  concord_connection_state_update_status (state, FALSE);
  g_object_thaw_notify (G_OBJECT (state));

  g_signal_emit (self, concord_engine_signals[CONCORD_ENGINE_SIGNAL_RUN_FINISHED], 0, state, job->ok);
  if (!job->ok && state->n_failures == 1)
    g_signal_emit (self, concord_engine_signals[CONCORD_ENGINE_SIGNAL_CONNECTION_FAILING], 0, state, state->error);
  else if (job->ok && was_failing)
    g_signal_emit (self, concord_engine_signals[CONCORD_ENGINE_SIGNAL_CONNECTION_RECOVERED], 0, state);

  /* An app reported a change while it ran: what the run read may be
   * older than it, so run again; otherwise the next one is scheduled. */
  if (g_hash_table_remove (self->again, &job->id) && state->enabled &&
      concord_engine_lookup (self, job->id) != NULL)
    concord_engine_queue_run (self, job->id);
  else
    concord_engine_reschedule (self, state);
  g_object_unref (state);
}

static void
start_run (ConcordEngine *self,
           gint64         connection_id)
{
  g_autoptr(GTask) task = NULL;
  GCancellable *cancellable;
  RunJob *job;

  job = g_new0 (RunJob, 1);
  job->engine = g_object_ref (self);
  job->id = connection_id;

  cancellable = g_cancellable_new ();
  g_hash_table_replace (self->runs, g_memdup2 (&connection_id, sizeof connection_id), cancellable);
  if (g_cancellable_is_cancelled (self->cancellable))
    g_cancellable_cancel (cancellable);

  task = g_task_new (self, cancellable, run_done_cb, NULL);
  g_task_set_source_tag (task, start_run);
  g_task_set_task_data (task, job, run_job_free);
  concord_worker_thread_queue (self->worker, task, run_worker);
}

typedef struct
{
  ConcordEngine *engine;  /* (unowned) the engine destroys the source first */
  gint64         id;
} Waiting;

static gboolean
on_wait_over_cb (gpointer data)
{
  Waiting *waiting = data;
  ConcordEngine *self = waiting->engine;
  gint64 id = waiting->id;
  gpointer key = NULL;
  gpointer source = NULL;

  /* Out of the table without destroying it: it is being dispatched. */
  if (g_hash_table_steal_extended (self->waiting, &id, &key, &source))
    {
      g_free (key);
      g_source_unref (source);
    }

  if (concord_engine_lookup (self, id) == NULL)
    g_hash_table_remove (self->queued, &id);  /* removed meanwhile */
  else
    start_run (self, id);

  return G_SOURCE_REMOVE;
}

/* Another process runs the connection: try again in a few seconds (the
 * run asks the store first, so a retry costs nothing while it waits). */
static void
wait_for_other_run (ConcordEngine *self,
                    gint64         connection_id)
{
  GSource *source = g_timeout_source_new_seconds (2);
  Waiting *waiting = g_new0 (Waiting, 1);

  waiting->engine = self;
  waiting->id = connection_id;
  g_source_set_callback (source, on_wait_over_cb, waiting, g_free);
  g_source_set_name (source, "[concord] waiting for another run");
  g_source_attach (source, self->context);
  g_hash_table_replace (self->waiting, g_memdup2 (&connection_id, sizeof connection_id), source);
}

void
concord_engine_queue_run (ConcordEngine *self,
                          gint64         connection_id)
{
  ConcordConnectionState *state = concord_engine_lookup (self, connection_id);

  if (state == NULL || g_hash_table_contains (self->queued, &connection_id))
    return;

  g_hash_table_add (self->queued, g_memdup2 (&connection_id, sizeof connection_id));
  g_hash_table_remove (self->timers, &connection_id);
  g_hash_table_remove (self->debounce, &connection_id);
  CONCORD_STATE_SET (state, next_sync, 0, CONCORD_STATE_PROP_NEXT_SYNC);
  concord_connection_state_set_string (state, &state->progress, "Waiting…", CONCORD_STATE_PROP_PROGRESS);
  concord_connection_state_update_status (state, TRUE);

  start_run (self, connection_id);
}

/**
 * concord_engine_sync_now:
 *
 * Queues a run of the connection, whether it is on or not (the user
 * asked); does nothing if one is queued or going.
 */
void
concord_engine_sync_now (ConcordEngine *self,
                         gint64         connection_id)
{
  g_return_if_fail (CONCORD_IS_ENGINE (self));

  concord_engine_queue_run (self, connection_id);
}

/**
 * concord_engine_sync_all:
 *
 * Queues a run of every connection that is on.
 */
void
concord_engine_sync_all (ConcordEngine *self)
{
  guint n;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConcordConnectionState) state = g_list_model_get_item (G_LIST_MODEL (self->connections), i);

      if (state->enabled)
        concord_engine_queue_run (self, state->id);
    }
}

/* ------------------------------------------------------------------------- */
/* Previews                                                                  */
/* ------------------------------------------------------------------------- */

/**
 * concord_engine_preview_async:
 *
 * A dry run of the connection on the engine thread: what a run would do,
 * writing nothing.
 */
void
concord_engine_preview_async (ConcordEngine       *self,
                              gint64               connection_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  RunJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  job = g_new0 (RunJob, 1);
  job->engine = g_object_ref (self);
  job->id = connection_id;
  job->dry_run = TRUE;
  job->last_post = G_MAXINT64;  /* no progress for a preview */

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_engine_preview_async);
  g_task_set_task_data (task, job, run_job_free);
  concord_worker_thread_queue (self->worker, task, run_worker);
}

/**
 * concord_engine_preview_finish:
 * @summary: (out caller-allocates): the plan's counts and text; clear it
 *   with concord_run_summary_clear()
 */
gboolean
concord_engine_preview_finish (ConcordEngine      *self,
                               GAsyncResult       *result,
                               ConcordRunSummary  *summary,
                               GError            **error)
{
  RunJob *job;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  job = g_task_get_task_data (G_TASK (result));
  if (!job->ok)
    {
      g_propagate_error (error, g_steal_pointer (&job->error));
      return FALSE;
    }

  *summary = job->summary;
  memset (&job->summary, 0, sizeof job->summary);
  return TRUE;
}
