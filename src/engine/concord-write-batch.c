/* concord-write-batch.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The per-input results of one create_async(), update_async() or
 * delete_async() call, gathered while its requests complete in any order.
 *
 * A write call answers with one #ConcordWriteResult per input, because a
 * batch can partly fail. Connectors that split a call into several requests
 * (chunks, one request a change, steps per record) need the same three
 * things: a slot per input, a count of the requests still out, and a fatal
 * error (a refused key, say) that ends the whole call. This is that, once.
 *
 * Holds: the batch starts with one hold, the caller's, so that the requests
 * it starts in a loop cannot complete the call before the loop ends. Each
 * request in flight takes one more (concord_write_batch_hold()) and gives it
 * back when it has set its inputs' results (concord_write_batch_release()).
 * When the last hold goes, the batch returns on its task either the fatal
 * error or the results, in input order; an input nobody answered gets a
 * "not written" error, so the engine never takes an unanswered input for a
 * success. The batch then frees itself and hands its reference on the task
 * back to that last caller, who drops it when done with the task's data.
 *
 * Freeing a batch (concord_write_batch_free(), g_autoptr) that still has
 * holds is the same as releasing them all: a connector that answers at once
 * can declare the batch with g_autoptr and never call release.
 */

#define G_LOG_DOMAIN "concord-write-batch"

#include "config.h"

#include "concord-error.h"
#include "concord-write-batch.h"

struct _ConcordWriteBatch
{
  GTask     *task;      /* (owned) */
  GPtrArray *results;   /* (owned): ConcordWriteResult (owned) (nullable) per input */
  GError    *fatal;     /* (owned) (nullable): ends the whole call */
  guint      holds;
};

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void
set_result (ConcordWriteBatch  *batch,
            guint               index,
            ConcordWriteResult *result)
{
  g_clear_pointer (&g_ptr_array_index (batch->results, index), concord_write_result_free);
  g_ptr_array_index (batch->results, index) = result;
}

static void
complete (ConcordWriteBatch *batch)
{
  g_autoptr(GPtrArray) out = NULL;

  if (batch->fatal != NULL)
    {
      g_task_return_error (batch->task, g_steal_pointer (&batch->fatal));
      return;
    }

  out = g_ptr_array_new_full (batch->results->len, (GDestroyNotify) concord_write_result_free);
  for (guint i = 0; i < batch->results->len; i++)
    {
      ConcordWriteResult *result = g_steal_pointer (&g_ptr_array_index (batch->results, i));

      if (result == NULL)
        result = concord_write_result_new_error (i, g_error_new_literal (CONCORD_ERROR,
                                                                         CONCORD_ERROR_FAILED,
                                                                         "The record was not written"));
      g_ptr_array_add (out, result);
    }

  g_task_return_pointer (batch->task, g_steal_pointer (&out), (GDestroyNotify) g_ptr_array_unref);
}

static void
batch_destroy (ConcordWriteBatch *batch)
{
  g_clear_pointer (&batch->results, g_ptr_array_unref);
  g_clear_error (&batch->fatal);
  g_free (batch);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_write_batch_new:
 * @task: the task of the write call; a reference is taken
 * @n_inputs: how many records, changes or ids the call has
 *
 * Starts gathering the results of a write call. The batch holds one hold,
 * the caller's: give it back with concord_write_batch_release() (or free
 * the batch) once every request of the call has been started.
 *
 * Returns: (transfer full): a new #ConcordWriteBatch
 */
ConcordWriteBatch *
concord_write_batch_new (GTask *task,
                         guint  n_inputs)
{
  ConcordWriteBatch *batch;

  g_return_val_if_fail (G_IS_TASK (task), NULL);

  batch = g_new0 (ConcordWriteBatch, 1);
  batch->task = g_object_ref (task);
  batch->results = g_ptr_array_new_full (n_inputs, (GDestroyNotify) concord_write_result_free);
  g_ptr_array_set_size (batch->results, n_inputs);
  batch->holds = 1;

  return batch;
}

/**
 * concord_write_batch_hold:
 * @batch: a #ConcordWriteBatch
 *
 * Keeps the call open for one more request in flight; give the hold back
 * with concord_write_batch_release() when that request has set its results.
 */
void
concord_write_batch_hold (ConcordWriteBatch *batch)
{
  g_return_if_fail (batch != NULL);
  g_return_if_fail (batch->holds > 0);

  batch->holds++;
}

/**
 * concord_write_batch_release:
 * @batch: (transfer full): a #ConcordWriteBatch
 *
 * Gives back one hold. When it was the last, the call completes: the task
 * returns the fatal error of concord_write_batch_fail() if there was one,
 * otherwise one #ConcordWriteResult per input (those never set are "not
 * written" failures); and @batch is freed.
 *
 * Returns: (transfer full) (nullable): the batch's reference on the task
 *   when this was the last hold (the task has returned; drop the reference
 *   when done with its data), %NULL while holds remain
 */
GTask *
concord_write_batch_release (ConcordWriteBatch *batch)
{
  GTask *task;

  g_return_val_if_fail (batch != NULL, NULL);
  g_return_val_if_fail (batch->holds > 0, NULL);

  if (--batch->holds > 0)
    return NULL;

  complete (batch);
  task = g_steal_pointer (&batch->task);
  batch_destroy (batch);

  return task;
}

/**
 * concord_write_batch_set_ok:
 * @batch: a #ConcordWriteBatch
 * @index: the input the result is for
 * @echo: (nullable): the record as the app now holds it (with its remote
 *   id); a reference is taken. %NULL for a deletion.
 *
 * Notes that input @index was written, replacing any earlier result of it.
 *
 * Returns: (transfer none): the result, to name the fields the app
 *   refused with concord_write_result_add_refused()
 */
ConcordWriteResult *
concord_write_batch_set_ok (ConcordWriteBatch *batch,
                            guint              index,
                            ConcordRecord     *echo)
{
  ConcordWriteResult *result;

  g_return_val_if_fail (batch != NULL, NULL);
  g_return_val_if_fail (batch->holds > 0, NULL);
  g_return_val_if_fail (index < batch->results->len, NULL);

  result = concord_write_result_new_ok (index, echo);
  set_result (batch, index, result);

  return result;
}

/**
 * concord_write_batch_set_error:
 * @batch: a #ConcordWriteBatch
 * @index: the input the result is for
 * @error: why it was not written; copied
 *
 * Notes that input @index was not written, replacing any earlier result.
 */
void
concord_write_batch_set_error (ConcordWriteBatch *batch,
                               guint              index,
                               const GError      *error)
{
  g_return_if_fail (batch != NULL);
  g_return_if_fail (batch->holds > 0);
  g_return_if_fail (index < batch->results->len);
  g_return_if_fail (error != NULL);

  set_result (batch, index, concord_write_result_new_error (index, g_error_copy (error)));
}

/**
 * concord_write_batch_fail:
 * @batch: a #ConcordWriteBatch
 * @fatal: (transfer full): why the whole call failed
 *
 * Makes the whole call fail with @fatal instead of giving per-input
 * results (a refused key, an account over its quota: retrying another
 * input would fail the same way). The first fatal error wins; requests
 * still in flight finish and release their holds as usual.
 */
void
concord_write_batch_fail (ConcordWriteBatch *batch,
                          GError            *fatal)
{
  g_return_if_fail (batch != NULL);
  g_return_if_fail (fatal != NULL);

  if (batch->fatal != NULL)
    {
      g_error_free (fatal);
      return;
    }

  batch->fatal = fatal;
}

/**
 * concord_write_batch_get_n_inputs:
 *
 * Returns: the number of inputs of the call
 */
guint
concord_write_batch_get_n_inputs (ConcordWriteBatch *batch)
{
  g_return_val_if_fail (batch != NULL, 0);

  return batch->results->len;
}

/**
 * concord_write_batch_is_failed:
 *
 * Returns: %TRUE once concord_write_batch_fail() was called: requests not
 *   yet started need not be
 */
gboolean
concord_write_batch_is_failed (ConcordWriteBatch *batch)
{
  g_return_val_if_fail (batch != NULL, FALSE);

  return batch->fatal != NULL;
}

/**
 * concord_write_batch_free:
 * @batch: (transfer full) (nullable): a #ConcordWriteBatch
 *
 * Gives back every hold left: the call completes as in
 * concord_write_batch_release(), and @batch is freed.
 */
void
concord_write_batch_free (ConcordWriteBatch *batch)
{
  if (batch == NULL)
    return;

  complete (batch);
  g_clear_object (&batch->task);
  batch_destroy (batch);
}
