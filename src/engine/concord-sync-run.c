/* concord-sync-run.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * One run of one connection: read both sides, plan, execute, commit.
 *
 * Reading streams pages from each connector and keeps only the records
 * whose content hash (over the mapped fields) differs from the one settled
 * in the store: after a run with no edits nothing is kept, nothing is
 * planned and nothing is written. A listing that fails fails the run before
 * anything is written; only a complete listing may show that a record is
 * gone. A listing is also bounded: more records than the growth bound
 * allows (concord_sync_config_max_listed(), relative to what the store
 * knew of the side) stop the run the same way, so a server that pages for
 * ever costs bounded time and memory.
 *
 * Executing writes creates first, then updates, each side in the app's
 * batch size. Before each batch its intents are committed to the store;
 * after it, in one transaction, the outcome: journal rows, links, baselines
 * (from what the server echoed) and index hashes, and the intents go. A
 * crash at any point therefore leaves a consistent store, and the next run
 * repairs what was in flight: a record created just before the crash is
 * found by its email and linked (never created twice), and a change whose
 * outcome was not committed is seen again and finished.
 *
 * A failed write affects only its record: its link keeps its old baseline
 * and its hash is not settled, so the next run tries again. When its
 * write to the other side went through, that batch's intent stays too, so
 * the next run takes the values written for the run's own.
 *
 * This function is synchronous and must run on the engine's thread, never
 * the UI's: it drives the connectors' async calls by iterating that
 * thread's default context (concord_sync_run_async() does this for the UI).
 *
 * This file holds the run itself: its passes, options and summary, and
 * the async wrapper. Its phases are each in their own file, sharing
 * concord-sync-run-private.h: concord-sync-run-read.c (the listings),
 * -recover.c (the intents of a run that died), -write.c (the batches) and
 * -commit.c (settling, committing items, the journal).
 */

#define G_LOG_DOMAIN "concord-sync-run"

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-fields.h"
#include "concord-sync-run-private.h"

/* ------------------------------------------------------------------------- */
/* Summary                                                                   */
/* ------------------------------------------------------------------------- */

/**
 * concord_sync_config_init_for_connection:
 * @config: (out caller-allocates): the configuration to fill; clear it
 *   with concord_sync_config_clear()
 * @row: the connection
 * @schema_a: (element-type ConcordFieldSpec): the fields of side A
 * @schema_b: (element-type ConcordFieldSpec): the fields of side B
 *
 * What a run of @row does: its direction and conflict policy, its stored
 * rules, and its stored field mapping or, when automatic, the automatic
 * mapping of both schemas as they are now.
 *
 * Returns: %FALSE when the stored document cannot be read (@config is then
 *   untouched)
 */
gboolean
concord_sync_config_init_for_connection (ConcordSyncConfig          *config,
                                         const ConcordConnectionRow *row,
                                         GPtrArray                  *schema_a,
                                         GPtrArray                  *schema_b,
                                         GError                    **error)
{
  g_autoptr(ConcordConnectionConfig) stored = NULL;
  g_autoptr(ConcordMapping) mapping = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (row != NULL, FALSE);

  stored = concord_connection_config_new_from_json (row->config_json, &local_error);
  if (stored == NULL)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "The rules of “%s” cannot be read: %s", row->name, local_error->message);
      return FALSE;
    }

  mapping = stored->mapping != NULL ? concord_mapping_ref (stored->mapping)
                                    : concord_mapping_new_auto (schema_a, schema_b, NULL);
  concord_sync_config_init (config, mapping);
  config->direction = row->direction;
  config->prefer = row->prefer == CONCORD_PREFER_B ? CONCORD_SIDE_B : CONCORD_SIDE_A;
  config->newest_wins = row->prefer == CONCORD_PREFER_NEWEST;
  concord_sync_config_set_rules (config, stored->rules[CONCORD_SIDE_A], stored->rules[CONCORD_SIDE_B]);

  return TRUE;
}

void
concord_run_summary_clear (ConcordRunSummary *summary)
{
  g_return_if_fail (summary != NULL);

  g_free (summary->plan_text);
  g_clear_pointer (&summary->preview, g_ptr_array_unref);
  memset (summary, 0, sizeof *summary);
}

char *
concord_run_summary_to_json (const ConcordRunSummary *summary)
{
  GString *out = g_string_new ("{");

  g_return_val_if_fail (summary != NULL, NULL);

  for (guint s = 0; s < 2; s++)
    g_string_append_printf (out,
                            "\"%s\":{\"listed\":%u,\"changed\":%u,\"created\":%u,\"updated\":%u,"
                            "\"failed\":%u,\"fields_written\":%u,\"write_calls\":%u},",
                            CONCORD_SIDE_NAME (s), summary->listed[s], summary->changed[s],
                            summary->created[s], summary->updated[s], summary->failed[s],
                            summary->fields_written[s], summary->write_calls[s]);
  g_string_append_printf (out,
                          "\"linked\":%u,\"unlinked\":%u,\"skipped\":%u,\"conflicts\":%u,"
                          "\"ambiguous\":%u,\"tripped\":%s}",
                          summary->linked, summary->unlinked, summary->skipped,
                          summary->conflicts, summary->ambiguous,
                          summary->tripped ? "true" : "false");

  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------- */
/* Driving async calls                                                       */
/* ------------------------------------------------------------------------- */

void
concord_sync_run_on_result_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

GAsyncResult *
concord_sync_run_wait_result (ConcordRun    *run,
                              GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (run->context, TRUE);

  return g_steal_pointer (slot);
}

/* ------------------------------------------------------------------------- */
/* The run                                                                   */
/* ------------------------------------------------------------------------- */

/* The plan's items, each with the writes it waits for. */
static void
prepare_states (ConcordRun  *run,
                ConcordPlan *plan)
{
  run->n_states = plan->items->len;
  run->states = g_new0 (ConcordRunItemState, run->n_states);
  for (guint i = 0; i < run->n_states; i++)
    {
      ConcordPlanItem *item = g_ptr_array_index (plan->items, i);

      run->states[i].item = item;
      for (guint s = 0; s < 2; s++)
        if (concord_plan_item_writes (item, s))
          run->states[i].pending++;
      run->n_to_write += run->states[i].pending;
    }
}

/* The intents that explain nothing any more go, once the writes are done. */
static gboolean
remove_intents (ConcordRun  *run,
                GError     **error)
{
  /* What a dead run left in flight is settled once a run went through
   * without a failure; until then it still explains the apps' values. */
  for (guint i = 0; !run->any_failed && run->old_intents != NULL && i < run->old_intents->len; i++)
    {
      gint64 id = ((ConcordIntentRow *) g_ptr_array_index (run->old_intents, i))->id;

      g_array_append_val (run->intents, id);
    }

  /* An item whose write to one side went through and to the other failed
   * settled nothing: the intent of the batch that went through stays, so
   * that the next run knows the written side's values for the run's own
   * (not people's changes, which would hold back on-update actions or
   * undo the other side's edits). */
  {
    g_autoptr(GHashTable) keep = g_hash_table_new (g_int64_hash, g_int64_equal);

    for (guint i = 0; i < run->n_states; i++)
      if (run->states[i].failed && !run->states[i].refused)
        for (guint s = 0; s < 2; s++)
          if (run->states[i].batch[s] != 0)
            g_hash_table_add (keep, &g_array_index (run->batch_intents, gint64,
                                                    run->states[i].batch[s] - 1));

    for (guint i = run->intents->len; i-- > 0;)
      if (g_hash_table_contains (keep, &g_array_index (run->intents, gint64, i)))
        g_array_remove_index_fast (run->intents, i);
  }

  if (run->intents->len > 0)
    {
      if (!concord_store_begin (run->store, error))
        return FALSE;
      for (guint i = 0; i < run->intents->len; i++)
        if (!concord_store_remove_intent (run->store, g_array_index (run->intents, gint64, i), error))
          {
            concord_store_rollback (run->store);
            return FALSE;
          }
      if (!concord_store_commit (run->store, error))
        return FALSE;
      g_array_set_size (run->intents, 0);
    }

  return TRUE;
}

static gboolean
execute (ConcordRun        *run,
         ConcordPlanInput  *input,
         GError           **error)
{
  g_autoptr(ConcordPlan) plan = NULL;

  for (guint s = 0; s < 2; s++)
    {
      input->index[s] = concord_store_load_index (run->store, run->connection_id, s, error);
      if (input->index[s] == NULL)
        return FALSE;
    }

  if (!concord_sync_run_load_intents (run, error))
    return FALSE;

  /* Both records of a pair a dead run was writing are read as changed:
   * what each holds now is compared with what the run meant to write. */
  concord_sync_run_collect_intent_records (run, input);

  if (!concord_sync_run_read (run, input, error))
    return FALSE;

  concord_sync_run_apply_intents (run, input, run->old_intents);

  plan = concord_planner_plan (input);

  run->summary->conflicts += plan->n_conflicts;
  run->summary->ambiguous += plan->ambiguous->len;

  if (run->options->dry_run)
    {
      run->summary->plan_text = concord_plan_to_string (plan, run->config, 50);
      g_clear_pointer (&run->summary->preview, g_ptr_array_unref);
      run->summary->preview = concord_preview_new (plan, input, run->config, 200, &run->summary->excluded);
      run->summary->tripped = plan->tripped;
      run->summary->skipped = plan->skips->len;
      return TRUE;
    }

  if (plan->tripped)
    {
      run->summary->tripped = TRUE;
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                   "Stopped to protect your contacts: %s", plan->trip_reason);
      return FALSE;
    }

  prepare_states (run, plan);

  if (!concord_sync_run_settle (run, plan, error) ||
      !concord_sync_run_write (run, error) ||
      !remove_intents (run, error))
    return FALSE;

  /* An incremental cursor moves on only when every change was settled;
   * otherwise the failed records would never be listed again. */
  for (guint s = 0; s < 2; s++)
    if (run->cursors[s] != NULL && !run->any_failed &&
        !concord_store_set_cursor (run->store, run->connection_id, s, run->cursors[s], error))
      return FALSE;

  return TRUE;
}

/* The run's row in the store, for a run that writes. */
static gboolean
begin_run (ConcordRun  *run,
           GError     **error)
{
  GPtrArray *conflicts;

  run->run_id = concord_store_begin_run (run->store, run->connection_id, FALSE, error);
  if (run->run_id == 0)
    return FALSE;
  run->summary->run_id = run->run_id;

  /* Ambiguities already waiting for review are not reported again. */
  conflicts = concord_store_list_conflicts (run->store, run->connection_id, 0, NULL);
  for (guint i = 0; conflicts != NULL && i < conflicts->len; i++)
    {
      ConcordConflictRow *row = g_ptr_array_index (conflicts, i);
      const char *email = row->value_a != NULL ? row->value_a : row->value_b;

      if (g_strcmp0 (row->kind, "ambiguous") == 0 && !row->resolved && email != NULL)
        g_hash_table_add (run->input->reported_ambiguous, g_strdup (email));
    }
  g_clear_pointer (&conflicts, g_ptr_array_unref);

  return TRUE;
}

/* What one pass held that the next does not need. */
static void
clear_pass (ConcordRun *run)
{
  for (guint i = 0; i < run->n_states; i++)
    for (guint s = 0; s < 2; s++)
      g_clear_pointer (&run->states[i].echo[s], concord_record_unref);
  g_clear_pointer (&run->states, g_free);
  run->n_states = 0;
  g_clear_pointer (&run->cursors[0], g_free);
  g_clear_pointer (&run->cursors[1], g_free);
  g_clear_pointer (&run->old_intents, g_ptr_array_unref);
}

static void
clear_run (ConcordRun *run)
{
  g_array_unref (run->intents);
  g_array_unref (run->batch_intents);
  g_hash_table_unref (run->force[0]);
  g_hash_table_unref (run->force[1]);
  for (guint s = 0; s < 2; s++)
    {
      g_ptr_array_unref (run->refused[s]);
      g_hash_table_unref (run->refusals_seen[s]);
    }
  g_clear_pointer (&run->links[0], g_hash_table_unref);
  g_clear_pointer (&run->links[1], g_hash_table_unref);
}

/* The run's row says how it ended, and why when it failed. */
static void
finish_run (ConcordRun   *run,
            gboolean      ok,
            const GError *run_error)
{
  g_autofree char *summary_json = concord_run_summary_to_json (run->summary);

  concord_store_finish_run (run->store, run->run_id,
                            ok ? (run->any_failed ? "partial" : "ok")
                               : (run->summary->tripped ? "aborted" : "failed"),
                            summary_json, NULL);
  /* Why, for the activity view. */
  if (!ok && run_error != NULL)
    concord_store_set_run_error (run->store, run->run_id, run_error, NULL);
}

/* The run's passes: one, and another when a write moved a record across
 * a rule's scope. */
static gboolean
run_passes (ConcordRun        *run,
            ConcordPlanInput **input,
            GError           **error)
{
  gboolean ok = FALSE;

  /* A second pass, rarely, when a write moved a record across a rule's
   * scope: what the record now offers is synced in the same run. */
  for (guint pass = 0; pass < 3; pass++)
    {
      if (pass > 0)
        {
          g_autoptr(GHashTable) reported = g_hash_table_ref ((*input)->reported_ambiguous);

          g_clear_pointer (input, concord_plan_input_free);
          *input = concord_plan_input_new (run->config);
          g_hash_table_unref ((*input)->reported_ambiguous);
          (*input)->reported_ambiguous = g_steal_pointer (&reported);
          run->input = *input;
        }

      run->rescan = FALSE;
      ok = execute (run, *input, error);

      /* A run stopped between batches (cancelled, or a failure) still
       * keeps the outcome of the batches it finished. */
      if (!ok && !concord_sync_run_finish_writes (run, NULL))
        g_warning ("Could not keep the outcome of the last batch");

      clear_pass (run);

      if (!ok || !run->rescan || run->options->dry_run || run->any_failed)
        break;
    }

  return ok;
}

/**
 * concord_sync_run:
 * @store: the state store
 * @connection_id: the connection in @store
 * @config: how the connection syncs
 * @connector_a: the app of side A
 * @type_a: the contact type of side A
 * @connector_b: the app of side B
 * @type_b: the contact type of side B
 * @options: (nullable): dry run and test switches
 * @cancellable: (nullable): stops the run between batches
 * @summary: (out caller-allocates): what the run did; clear it with
 *   concord_run_summary_clear()
 * @error: return location for a #GError
 *
 * One sync run, synchronously: call it on the engine's thread only.
 * A run whose records partly failed to write still returns %TRUE; the
 * summary counts the failures, the journal says why, and the next run
 * retries them.
 *
 * Returns: %TRUE when the run completed
 */
gboolean
concord_sync_run (ConcordStore             *store,
                  gint64                    connection_id,
                  const ConcordSyncConfig  *config,
                  ConcordConnector         *connector_a,
                  const char               *type_a,
                  ConcordConnector         *connector_b,
                  const char               *type_b,
                  const ConcordRunOptions  *options,
                  GCancellable             *cancellable,
                  ConcordRunSummary        *summary,
                  GError                  **error)
{
  static const ConcordRunOptions default_options = { 0 };
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(ConcordPlanInput) input = NULL;
  g_autoptr(GError) local_error = NULL;
  ConcordRun run = { 0 };
  gboolean ok;

  g_return_val_if_fail (CONCORD_IS_STORE (store), FALSE);
  g_return_val_if_fail (config != NULL && config->mapping != NULL, FALSE);
  g_return_val_if_fail (CONCORD_IS_CONNECTOR (connector_a), FALSE);
  g_return_val_if_fail (CONCORD_IS_CONNECTOR (connector_b), FALSE);
  g_return_val_if_fail (summary != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (summary, 0, sizeof *summary);

  run.store = store;
  run.connection_id = connection_id;
  run.config = config;
  run.fingerprint = concord_sync_config_fingerprint (config);
  run.connectors[0] = connector_a;
  run.connectors[1] = connector_b;
  run.types[0] = type_a;
  run.types[1] = type_b;
  run.options = options != NULL ? options : &default_options;
  run.cancellable = cancellable;
  run.summary = summary;
  run.keys[0] = concord_mapping_get_keys (config->mapping, CONCORD_SIDE_A, &run.n_keys[0]);
  run.keys[1] = concord_mapping_get_keys (config->mapping, CONCORD_SIDE_B, &run.n_keys[1]);

  input = concord_plan_input_new (config);
  run.input = input;
  run.intents = g_array_new (FALSE, FALSE, sizeof (gint64));
  run.batch_intents = g_array_new (FALSE, FALSE, sizeof (gint64));
  run.force[0] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  run.force[1] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (!run.options->dry_run && !begin_run (&run, error))
    return FALSE;

  for (guint s = 0; s < 2; s++)
    {
      run.refused[s] = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_refusal_free);
      run.refusals_seen[s] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    }

  /* The connectors' async calls complete on the caller's thread-default
   * context (where connectors like Elastic Email's were made, with their
   * HTTP session): the run drives that context while it waits. */
  context = g_main_context_ref_thread_default ();
  run.context = context;

  ok = run_passes (&run, &input, &local_error);

  clear_run (&run);

  if (run.options->dry_run)
    {
      if (!ok)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return ok;
    }

  /* A simulated crash leaves the run unfinished, as a real one would. */
  if (!ok && run.crashed)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  finish_run (&run, ok, local_error);

  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));

  return ok;
}

/**
 * concord_run_summary_add:
 * @summary: what a run did
 * @more: what a run that followed it did
 *
 * Adds @more's counts to @summary; the run id becomes @more's.
 */
void
concord_run_summary_add (ConcordRunSummary       *summary,
                         const ConcordRunSummary *more)
{
  g_return_if_fail (summary != NULL);
  g_return_if_fail (more != NULL);

  summary->run_id = more->run_id;
  for (guint s = 0; s < 2; s++)
    {
      summary->listed[s] = MAX (summary->listed[s], more->listed[s]);
      summary->changed[s] += more->changed[s];
      summary->created[s] += more->created[s];
      summary->updated[s] += more->updated[s];
      summary->failed[s] += more->failed[s];
      summary->fields_written[s] += more->fields_written[s];
      summary->write_calls[s] += more->write_calls[s];
    }
  summary->linked = more->linked;
  summary->unlinked = more->unlinked;
  summary->skipped += more->skipped;
  summary->conflicts += more->conflicts;
  summary->ambiguous = more->ambiguous;
  summary->tripped = summary->tripped || more->tripped;
}

/**
 * concord_sync_run_connection:
 * @row: the connection
 * @config: its configuration, from concord_sync_config_init_for_connection()
 *   with the schemas the connectors gave before the run
 *
 * concord_sync_run() for @row, and once more when the run taught a
 * connector fields it did not know before: Elastic Email cannot list an
 * account's custom fields and learns them from the contacts it reads, so
 * a field first used on a page its schema did not read only shows up in
 * the listing. When the schemas as they are after the run give @row
 * another configuration (an automatic mapping that now pairs the new
 * fields), a second run with it syncs those fields in this same sync,
 * instead of never (concord-cli makes new connectors for every sync) or a
 * schedule later. A run that failed, failed writes or was a dry run is not
 * followed.
 *
 * Returns: whether the run (and the second one, if any) succeeded;
 *   @summary holds both runs' counts
 */
gboolean
concord_sync_run_connection (ConcordStore               *store,
                             const ConcordConnectionRow *row,
                             const ConcordSyncConfig    *config,
                             ConcordConnector           *connector_a,
                             ConcordConnector           *connector_b,
                             const ConcordRunOptions    *options,
                             GCancellable               *cancellable,
                             ConcordRunSummary          *summary,
                             GError                    **error)
{
  g_autoptr(GPtrArray) schema_a = NULL;
  g_autoptr(GPtrArray) schema_b = NULL;
  g_autoptr(GError) local_error = NULL;
  ConcordSyncConfig fresh;
  ConcordRunSummary more = { 0 };
  gboolean ok;

  g_return_val_if_fail (row != NULL, FALSE);
  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (summary != NULL, FALSE);

  if (!concord_sync_run (store, row->id, config, connector_a, row->type_a, connector_b, row->type_b,
                         options, cancellable, summary, error))
    return FALSE;

  if ((options != NULL && options->dry_run) || summary->failed[0] + summary->failed[1] > 0 ||
      g_cancellable_is_cancelled (cancellable))
    return TRUE;

  /* The first run succeeded: what follows is a bonus, and its failure to
   * read a schema is not the run's. */
  if ((schema_a = concord_connector_load_schema_sync (connector_a, row->type_a, cancellable,
                                                      &local_error)) == NULL ||
      (schema_b = concord_connector_load_schema_sync (connector_b, row->type_b, cancellable,
                                                      &local_error)) == NULL ||
      !concord_sync_config_init_for_connection (&fresh, row, schema_a, schema_b, &local_error))
    {
      g_debug ("The fields after the run could not be read: %s", local_error->message);
      return TRUE;
    }

  if (concord_sync_config_fingerprint (&fresh) == concord_sync_config_fingerprint (config))
    {
      concord_sync_config_clear (&fresh);
      return TRUE;
    }

  /* The caller's tuning of the run stays. */
  fresh.breaker_min = config->breaker_min;
  fresh.breaker_fraction = config->breaker_fraction;
  fresh.growth_min = config->growth_min;
  fresh.growth_factor = config->growth_factor;
  fresh.first_max = config->first_max;
  fresh.force = config->force;

  g_debug ("Connection %" G_GINT64_FORMAT ": the run found new fields; syncing them now", row->id);
  ok = concord_sync_run (store, row->id, &fresh, connector_a, row->type_a, connector_b, row->type_b,
                         options, cancellable, &more, error);
  concord_run_summary_add (summary, &more);
  concord_run_summary_clear (&more);
  concord_sync_config_clear (&fresh);

  return ok;
}

/* ------------------------------------------------------------------------- */
/* On the engine's thread                                                    */
/* ------------------------------------------------------------------------- */

typedef struct
{
  ConcordStore      *store;
  gint64             connection_id;
  ConcordSyncConfig  config;
  ConcordConnector  *connectors[2];
  char              *types[2];
  ConcordRunOptions  options;
  ConcordRunSummary  summary;
} RunData;

static void
run_data_free (gpointer data)
{
  RunData *run_data = data;

  g_clear_object (&run_data->store);
  concord_sync_config_clear (&run_data->config);
  for (guint s = 0; s < 2; s++)
    {
      g_clear_object (&run_data->connectors[s]);
      g_free (run_data->types[s]);
    }
  concord_run_summary_clear (&run_data->summary);
  g_free (run_data);
}

static void
sync_run_worker (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  RunData *run_data = task_data;
  GError *error = NULL;

  if (!concord_sync_run (run_data->store, run_data->connection_id, &run_data->config,
                         run_data->connectors[0], run_data->types[0],
                         run_data->connectors[1], run_data->types[1],
                         &run_data->options, cancellable, &run_data->summary, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * concord_sync_run_async:
 * @worker: the engine's thread
 * @options: (nullable): dry run and test switches
 * @callback: called on the caller's thread-default context when done
 *
 * concord_sync_run() on the engine's thread: the caller (the UI) never
 * waits on the network, SQLite or a merge. The store and the connectors
 * must only be used on @worker's thread; @config is copied, and its filter
 * data must stay valid until @callback runs.
 */
void
concord_sync_run_async (ConcordWorkerThread     *worker,
                        ConcordStore            *store,
                        gint64                   connection_id,
                        const ConcordSyncConfig *config,
                        ConcordConnector        *connector_a,
                        const char              *type_a,
                        ConcordConnector        *connector_b,
                        const char              *type_b,
                        const ConcordRunOptions *options,
                        GCancellable            *cancellable,
                        GAsyncReadyCallback      callback,
                        gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  RunData *run_data;

  g_return_if_fail (CONCORD_IS_WORKER_THREAD (worker));
  g_return_if_fail (CONCORD_IS_STORE (store));
  g_return_if_fail (config != NULL && config->mapping != NULL);
  g_return_if_fail (CONCORD_IS_CONNECTOR (connector_a));
  g_return_if_fail (CONCORD_IS_CONNECTOR (connector_b));

  run_data = g_new0 (RunData, 1);
  run_data->store = g_object_ref (store);
  run_data->connection_id = connection_id;
  run_data->config = *config;
  run_data->config.mapping = concord_mapping_ref (config->mapping);
  for (guint s = 0; s < 2; s++)
    if (config->rules[s] != NULL)
      concord_rule_list_ref (config->rules[s]);
  run_data->connectors[0] = g_object_ref (connector_a);
  run_data->connectors[1] = g_object_ref (connector_b);
  run_data->types[0] = g_strdup (type_a);
  run_data->types[1] = g_strdup (type_b);
  if (options != NULL)
    run_data->options = *options;

  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_sync_run_async);
  g_task_set_task_data (task, run_data, run_data_free);
  concord_worker_thread_queue (worker, task, sync_run_worker);
}

/**
 * concord_sync_run_finish:
 * @summary: (out caller-allocates) (optional): what the run did, also when
 *   it failed; clear it with concord_run_summary_clear()
 *
 * Returns: %TRUE when the run completed
 */
gboolean
concord_sync_run_finish (GAsyncResult       *result,
                         ConcordRunSummary  *summary,
                         GError            **error)
{
  RunData *run_data;

  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == concord_sync_run_async, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  run_data = g_task_get_task_data (G_TASK (result));
  if (summary != NULL)
    {
      *summary = run_data->summary;
      memset (&run_data->summary, 0, sizeof run_data->summary);
    }

  return g_task_propagate_boolean (G_TASK (result), error);
}
