/* concord-sync-run-write.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The writing phase of a sync run (see concord-sync-run.c): the batches
 * of creates and updates to each side, each with its intent committed
 * before the call and its outcome after.
 */

#define G_LOG_DOMAIN "concord-sync-run"

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-fields.h"
#include "concord-sync-run-private.h"

/* ------------------------------------------------------------------------- */
/* Writing                                                                   */
/* ------------------------------------------------------------------------- */

typedef enum
{
  WRITE_CREATE,
  WRITE_UPDATE,
} WriteKind;

/* The app took an update but for some fields, for good: each is journaled
 * as skipped with the reason and taken out of the item, so the journal
 * says only what was written. The pair's baselines then hold what each
 * side has (the echo keeps the app's old value): the refused value is not
 * tried again until one side changes it. */
static void
refuse_fields (ConcordRun      *run,
               ConcordPlanItem *item,
               ConcordSide      side,
               GPtrArray       *refused)
{
  for (guint i = 0; i < refused->len; i++)
    {
      const ConcordFieldRefusal *refusal = g_ptr_array_index (refused, i);
      const ConcordValue *wanted = NULL;
      const ConcordValue *had = NULL;
      g_autofree char *before = NULL;
      g_autofree char *after = NULL;
      g_autoptr(GError) refused_error = NULL;

      if (item->set[side] != NULL)
        wanted = concord_record_get (item->set[side], refusal->key);
      if (wanted == NULL)
        continue;

      if (item->views[side] != NULL)
        had = concord_record_get (item->views[side], refusal->key);
      before = had != NULL ? concord_value_to_string (had) : NULL;
      after = concord_value_to_string (wanted);
      run->summary->skipped++;
      refused_error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_REFUSED,
                                           refusal->reason != NULL ? refusal->reason : "");
      concord_error_set_side (refused_error, side);
      concord_error_set_field (refused_error, refusal->key);
      concord_sync_run_journal_contact (run, item, NULL, item->link_id, side, item->ids[side],
                                        "update", refusal->key, before, after, "skipped", NULL,
                                        refused_error, NULL);
      concord_record_remove (item->set[side], refusal->key);
    }
}

/* 1. The intent, committed before the call: one row for the batch,
 * naming every record in it (emails for creates, ids for updates). */
static gboolean
add_intent (ConcordRun   *run,
            ConcordSide   side,
            WriteKind     kind,
            GPtrArray    *states,
            GPtrArray    *inputs,
            GArray       *intents,
            GError      **error)
{
  g_autoptr(GString) keys = g_string_new (NULL);
  g_autoptr(GString) payload = g_string_new (NULL);
  gint64 intent;

  for (guint i = 0; i < states->len; i++)
    {
      ConcordRunItemState *state = g_ptr_array_index (states, i);
      ConcordPlanItem *item = state->item;

      if (kind == WRITE_CREATE)
        {
          ConcordRecord *values = concord_plan_item_build_create (item, run->config);
          g_autofree char *email = concord_normalize_email (concord_record_get_email (values));

          g_string_append_printf (keys, "%s%s", i > 0 ? "\n" : "", email ? email : "");
          g_ptr_array_add (inputs, values);
        }
      else
        {
          g_autoptr(ConcordRecord) empty = concord_record_new (item->ids[side]);
          g_autoptr(GStrvBuilder) clear = g_strv_builder_new ();
          g_auto(GStrv) clear_keys = NULL;

          for (guint c = 0; item->clear[side] != NULL && c < item->clear[side]->len; c++)
            g_strv_builder_add (clear, g_ptr_array_index (item->clear[side], c));
          clear_keys = g_strv_builder_end (clear);

          g_string_append_printf (keys, "%s%s", i > 0 ? "\n" : "", item->ids[side]);
          /* Only a pair with a baseline can use it (a first match has none). */
          if (item->kind == CONCORD_PLAN_LINKED)
            concord_sync_run_append_intended (payload, item->ids[side], item->set[side],
                                              (const char * const *) clear_keys,
                                              item->views[CONCORD_SIDE_OTHER (side)],
                                              run->keys[CONCORD_SIDE_OTHER (side)],
                                              run->n_keys[CONCORD_SIDE_OTHER (side)]);
          g_ptr_array_add (inputs,
                           concord_record_change_new (item->ids[side],
                                                      item->set[side] != NULL ? item->set[side] : empty,
                                                      (const char * const *) clear_keys));
        }
    }

  intent = concord_store_add_intent (run->store, run->connection_id, run->run_id, side,
                                     kind == WRITE_CREATE ? "create" : "update",
                                     keys->str, payload->len > 0 ? payload->str : NULL, error);
  if (intent == 0)
    {
      concord_store_rollback (run->store);
      return FALSE;
    }
  g_array_append_val (intents, intent);
  g_array_append_val (run->batch_intents, intent);
  for (guint i = 0; i < states->len; i++)
    ((ConcordRunItemState *) g_ptr_array_index (states, i))->batch[side] = run->batch_intents->len;

  /* One commit for the previous batch's outcome and this intent: half
   * the commits, and the intent is durable before the call as ever. */
  if (concord_store_in_transaction (run->store) && !concord_store_commit (run->store, error))
    return FALSE;

  return TRUE;
}

/* 2. The call: the app's answer for each record, or @call_error. */
static GPtrArray *
call_batch (ConcordRun   *run,
            ConcordSide   side,
            WriteKind     kind,
            GPtrArray    *states,
            GPtrArray    *inputs,
            GError      **call_error)
{
  ConcordConnector *connector = run->connectors[side];
  g_autoptr(GAsyncResult) result = NULL;
  GPtrArray *results;
  GAsyncResult *slot = NULL;

  if (kind == WRITE_CREATE)
    concord_connector_create_async (connector, run->types[side], inputs, run->cancellable,
                                    concord_sync_run_on_result_cb, &slot);
  else
    concord_connector_update_async (connector, run->types[side], inputs, run->cancellable,
                                    concord_sync_run_on_result_cb, &slot);
  result = concord_sync_run_wait_result (run, &slot);
  if (kind == WRITE_CREATE)
    results = concord_connector_create_finish (connector, result, call_error);
  else
    results = concord_connector_update_finish (connector, result, call_error);

  run->write_calls++;
  run->summary->write_calls[side]++;
  run->n_written += states->len;
  if (run->options->progress != NULL)
    run->options->progress (CONCORD_RUN_WRITING, MIN (run->n_written, run->n_to_write), run->n_to_write,
                            run->options->progress_data);

  return results;
}

/* 3. The outcome for one record the app answered for. */
static void
take_result (ConcordRun          *run,
             ConcordSide          side,
             WriteKind            kind,
             ConcordRunItemState *state,
             ConcordWriteResult  *write,
             gboolean            *batch_failed)
{
  if (write->error == NULL && write->record != NULL && concord_record_get_remote_id (write->record) != NULL)
    {
      g_clear_pointer (&state->echo[side], concord_record_unref);
      state->echo[side] = concord_record_ref (write->record);
      if (kind == WRITE_CREATE)
        {
          g_free (state->item->ids[side]);
          state->item->ids[side] = g_strdup (concord_record_get_remote_id (write->record));
          run->summary->created[side]++;
        }
      else
        run->summary->updated[side]++;
      if (kind == WRITE_UPDATE && write->refused != NULL)
        refuse_fields (run, state->item, side, write->refused);
      if (kind == WRITE_CREATE)
        run->summary->fields_written[side] += concord_record_get_n_fields (write->record);
      else
        run->summary->fields_written[side] +=
          (state->item->set[side] != NULL ? concord_record_get_n_fields (state->item->set[side]) : 0) +
          (state->item->clear[side] != NULL ? state->item->clear[side]->len : 0);
    }
  else if (write->error != NULL && !concord_error_is_transient (write->error) &&
           !g_error_matches (write->error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND))
    {
      /* The app refuses this write for good (a status it does not let
       * an API set, a field the account lacks): journaled as skipped
       * with the reason, and the records settled as they are, so it is
       * tried again only when one of them changes — never forever. */
      state->failed = TRUE;
      state->refused = TRUE;
      run->summary->skipped++;
      concord_sync_run_journal_failure (run, state->item, side,
                                        kind == WRITE_CREATE ? "create" : "update", "skipped",
                                        write->error);
    }
  else
    {
      g_autoptr(GError) unanswered = write->error == NULL
        ? g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_FAILED, "no record echoed") : NULL;

      state->failed = TRUE;
      *batch_failed = TRUE;
      run->any_failed = TRUE;
      run->summary->failed[side]++;
      concord_sync_run_journal_failure (run, state->item, side,
                                        kind == WRITE_CREATE ? "create" : "update", "failed",
                                        write->error != NULL ? write->error : unanswered);
    }
}

static gboolean
write_batch (ConcordRun   *run,
             ConcordSide   side,
             WriteKind     kind,
             GPtrArray    *states,
             GError      **error)
{
  g_autoptr(GPtrArray) inputs = NULL;
  g_autoptr(GArray) intents = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) call_error = NULL;
  g_autofree gboolean *answered = NULL;
  gboolean batch_failed = FALSE;

  if (kind == WRITE_CREATE)
    inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  else
    inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);

  if (!add_intent (run, side, kind, states, inputs, intents, error))
    return FALSE;

  results = call_batch (run, side, kind, states, inputs, &call_error);

  if (g_error_matches (call_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&call_error));
      return FALSE;
    }

  if (run->options->crash_after_writes > 0 && run->write_calls >= run->options->crash_after_writes)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                   "Simulated crash after %u write calls", run->write_calls);
      run->crashed = TRUE;
      return FALSE;
    }

  /* 3. The outcome, in one transaction. */
  answered = g_new0 (gboolean, states->len);
  batch_failed = call_error != NULL;

  if (!concord_store_begin (run->store, error))
    return FALSE;

  for (guint r = 0; results != NULL && r < results->len; r++)
    {
      ConcordWriteResult *write = g_ptr_array_index (results, r);
      ConcordRunItemState *state;

      if (write->index >= states->len || answered[write->index])
        continue;

      answered[write->index] = TRUE;
      state = g_ptr_array_index (states, write->index);

      take_result (run, side, kind, state, write, &batch_failed);
    }

  for (guint i = 0; i < states->len; i++)
    {
      ConcordRunItemState *state = g_ptr_array_index (states, i);

      if (!answered[i])
        {
          /* The whole call failed, or the app said nothing of this record. */
          state->failed = TRUE;
          batch_failed = TRUE;
          run->any_failed = TRUE;
          run->summary->failed[side]++;
          g_autoptr(GError) unanswered = call_error == NULL
            ? g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_FAILED,
                                   "the app did not answer for this contact") : NULL;

          concord_sync_run_journal_failure (run, state->item, side,
                                            kind == WRITE_CREATE ? "create" : "update", "failed",
                                            call_error != NULL ? call_error : unanswered);
        }

      g_assert (state->pending > 0);
      if (--state->pending == 0 && !concord_sync_run_commit_item (run, state, error))
        goto fail;
    }

  /* The intent stays until every item of the run is committed (an item
   * writing to both sides commits after its second batch); the intent of
   * a batch with a failed record stays for the runs that retry it. */
  if (!batch_failed)
    g_array_append_vals (run->intents, intents->data, intents->len);

  /* Left open: committed with the next batch's intent, or by
   * concord_sync_run_finish_writes(). A process that dies meanwhile loses
   * only what the intents let the next run recover. */
  return TRUE;

fail:
  concord_store_rollback (run->store);
  return FALSE;
}

/* Commits the outcome of the last batch, left open by write_batch(). */
gboolean
concord_sync_run_finish_writes (ConcordRun  *run,
                                GError     **error)
{
  if (!concord_store_in_transaction (run->store))
    return TRUE;

  if (concord_store_commit (run->store, error))
    return TRUE;

  concord_store_rollback (run->store);
  return FALSE;
}

static gboolean
write_side (ConcordRun   *run,
            ConcordSide   side,
            WriteKind     kind,
            GError      **error)
{
  guint batch = MAX (1, concord_connector_get_max_batch (run->connectors[side]));
  g_autoptr(GPtrArray) states = g_ptr_array_new ();

  for (guint i = 0; i <= run->n_states; i++)
    {
      if (i < run->n_states)
        {
          ConcordRunItemState *state = &run->states[i];
          ConcordPlanItem *item = state->item;
          gboolean is_create = item->kind == CONCORD_PLAN_CREATE;

          if (!concord_plan_item_writes (item, side) || is_create != (kind == WRITE_CREATE))
            continue;

          g_ptr_array_add (states, state);
        }

      if (states->len == batch || (i == run->n_states && states->len > 0))
        {
          if (!write_batch (run, side, kind, states, error))
            return FALSE;
          g_ptr_array_set_size (states, 0);

          if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
            return FALSE;
        }
    }

  return TRUE;
}

/* Creates first, then updates, each side in the app's batch size; then
 * the outcome of the last batch is committed. */
gboolean
concord_sync_run_write (ConcordRun  *run,
                        GError     **error)
{
  for (guint s = 0; s < 2; s++)
    if (!write_side (run, s, WRITE_CREATE, error))
      return FALSE;

  for (guint s = 0; s < 2; s++)
    if (!write_side (run, s, WRITE_UPDATE, error))
      return FALSE;

  return concord_sync_run_finish_writes (run, error);
}
