/* concord-rest-connector-write.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The REST connector base's writing: creates (grouped, in chunks of
 * max_batch, halved on 413) and updates (one request a change, or the
 * subclass's steps), each input's result through a ConcordWriteBatch.
 */

#define G_LOG_DOMAIN "concord-rest-connector"

#include "config.h"

#include <string.h>

#include "concord-error.h"

#include "concord-rest-connector-private.h"

/* ------------------------------------------------------------------------- */
/* Create                                                                    */
/* ------------------------------------------------------------------------- */

typedef struct
{
  ConcordWriteBatch *batch;    /* (unowned): one hold is this chunk's */
  GTask             *task;     /* (owned) */
  GArray            *indices;  /* (owned): guint */
} CreateChunk;

static void
create_chunk_free (CreateChunk *chunk)
{
  g_clear_object (&chunk->task);
  g_clear_pointer (&chunk->indices, g_array_unref);
  g_free (chunk);
}

static void create_send_chunk (CreateChunk *chunk);

static void
release (ConcordWriteBatch *batch)
{
  g_autoptr(GTask) done = concord_write_batch_release (batch);
}

static void
on_create_chunk_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  CreateChunk *chunk = user_data;
  ConcordRestConnector *self = g_task_get_source_object (chunk->task);
  ConcordRestOpState *state = g_task_get_task_data (chunk->task);
  ConcordWriteBatch *batch = chunk->batch;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  guint status = 0;

  root = concord_http_client_send_json_finish (CONCORD_HTTP_CLIENT (object), result, &status,
                                               NULL, &error);

  if ((status == SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE ||
       (PRIV (self)->split_refused &&
        (status == SOUP_STATUS_BAD_REQUEST || status == SOUP_STATUS_CONFLICT || status == 422))) &&
      chunk->indices->len > 1)
    {
      /* Too many at once, or one record refused the whole request: try
       * each half, down to the record refused alone. */
      guint half = chunk->indices->len / 2;
      CreateChunk *second = g_new0 (CreateChunk, 1);

      g_debug ("create: HTTP %u for %u records, splitting", status, chunk->indices->len);
      second->batch = batch;
      second->task = g_object_ref (chunk->task);
      second->indices = g_array_new (FALSE, FALSE, sizeof (guint));
      g_array_append_vals (second->indices, &g_array_index (chunk->indices, guint, half),
                           chunk->indices->len - half);
      g_array_set_size (chunk->indices, half);

      concord_write_batch_hold (batch);
      create_send_chunk (chunk);
      create_send_chunk (second);
      return;
    }

  if (error != NULL && concord_rest_error_is_fatal (error))
    concord_write_batch_fail (batch, g_steal_pointer (&error));
  else if (error != NULL)
    for (guint i = 0; i < chunk->indices->len; i++)
      concord_write_batch_set_error (batch, g_array_index (chunk->indices, guint, i), error);
  else
    KLASS (self)->match_created (self, state->contact_type, state->inputs,
                                 (const guint *) (gpointer) chunk->indices->data,
                                 chunk->indices->len, root, batch);

  create_chunk_free (chunk);
  release (batch);
}

static void
create_send_chunk (CreateChunk *chunk)
{
  ConcordRestConnector *self = g_task_get_source_object (chunk->task);
  ConcordRestOpState *state = g_task_get_task_data (chunk->task);
  ConcordHttpRequest *request;

  request = KLASS (self)->build_create_request (self, state->contact_type, state->inputs,
                                                (const guint *) (gpointer) chunk->indices->data,
                                                chunk->indices->len);
  concord_http_client_send_json_async (PRIV (self)->client, request,
                                       g_task_get_cancellable (chunk->task), on_create_chunk_cb,
                                       chunk);
}

static void
create_start (GTask *task)
{
  ConcordRestConnector *self = g_task_get_source_object (task);
  ConcordRestOpState *state = g_task_get_task_data (task);
  ConcordWriteBatch *batch = concord_write_batch_new (task, state->inputs->len);
  g_autoptr(GHashTable) groups = NULL;
  g_autoptr(GPtrArray) order = NULL;
  guint max_batch = MAX (PRIV (self)->max_batch, 1);

  /* Grouped by key, in the order of the inputs. */
  groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  order = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < state->inputs->len; i++)
    {
      const ConcordRecord *record = g_ptr_array_index (state->inputs, i);
      g_autoptr(GError) error = NULL;
      g_autofree char *key = KLASS (self)->create_group_key != NULL
                             ? KLASS (self)->create_group_key (self, record, &error)
                             : g_strdup ("");
      GArray *indices;

      if (key == NULL)
        {
          concord_write_batch_set_error (batch, i, error);
          continue;
        }

      indices = g_hash_table_lookup (groups, key);
      if (indices == NULL)
        {
          indices = g_array_new (FALSE, FALSE, sizeof (guint));
          g_hash_table_insert (groups, g_strdup (key), indices);
          g_ptr_array_add (order, g_strdup (key));
        }
      g_array_append_val (indices, i);
    }

  for (guint g = 0; g < order->len; g++)
    {
      GArray *indices = g_hash_table_lookup (groups, g_ptr_array_index (order, g));

      for (guint start = 0; start < indices->len; start += max_batch)
        {
          CreateChunk *chunk = g_new0 (CreateChunk, 1);
          guint n = MIN (max_batch, indices->len - start);

          chunk->batch = batch;
          chunk->task = g_object_ref (task);
          chunk->indices = g_array_new (FALSE, FALSE, sizeof (guint));
          g_array_append_vals (chunk->indices, &g_array_index (indices, guint, start), n);
          concord_write_batch_hold (batch);
          create_send_chunk (chunk);
        }
    }

  g_object_unref (task);
  release (batch);
}

void
_concord_rest_connector_create_async (ConcordConnector   *connector,
                                      const char         *contact_type,
                                      GPtrArray          *records,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data)
{
  GTask *task;
  ConcordRestOpState *state;

  task = concord_connector_task_new (connector, _concord_rest_connector_create_async, cancellable,
                                     callback, user_data);
  if (!_concord_rest_connector_check_type_or_fail (CONCORD_REST_CONNECTOR (connector), task, contact_type))
    return;
  state = _concord_rest_connector_op_state_new (task, contact_type);
  state->inputs = g_ptr_array_ref (records);

  _concord_rest_connector_prepare_then (task, CONCORD_REST_CREATE, create_start);
}

/* ------------------------------------------------------------------------- */
/* Update                                                                    */
/* ------------------------------------------------------------------------- */

typedef struct
{
  ConcordRestUpdate  update;
  ConcordWriteBatch *batch;   /* (unowned): one hold is this item's */
  GTask             *task;    /* (owned) */
  guint              index;
} UpdateItem;

static void
update_item_free (UpdateItem *item)
{
  if (item->update.data_free != NULL)
    g_clear_pointer (&item->update.data, item->update.data_free);
  g_clear_pointer (&item->update.refused, g_ptr_array_unref);
  g_clear_error (&item->update.failure);
  g_clear_object (&item->task);
  g_free (item);
}

/* Without update_step(): one build_update_request() a change. */
static ConcordHttpRequest *
default_update_step (ConcordRestConnector  *self,
                     ConcordRestUpdate     *update,
                     JsonNode              *answer,
                     GError               **error)
{
  if (update->failure != NULL || update->step++ > 0)
    return NULL;

  return KLASS (self)->build_update_request (self, update->contact_type, update->change, error);
}

/* Sets the item's result from @error or the echo in @answer, and frees it. */
static void
update_item_finish (UpdateItem *item,
                    GError     *error,
                    JsonNode   *answer)
{
  ConcordRestConnector *self = g_task_get_source_object (item->task);
  ConcordWriteBatch *batch = item->batch;
  g_autoptr(ConcordRecord) record = NULL;

  if (error == NULL &&
      (answer == NULL ||
       (record = KLASS (self)->record_from_json (self, item->update.contact_type,
                                                 answer)) == NULL))
    error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                 "update: the answer holds no record");

  if (error != NULL && concord_rest_error_is_fatal (error))
    concord_write_batch_fail (batch, g_error_copy (error));
  if (error != NULL)
    concord_write_batch_set_error (batch, item->index, error);
  else
    {
      ConcordWriteResult *written = concord_write_batch_set_ok (batch, item->index, record);
      GPtrArray *refused = item->update.refused;

      for (guint i = 0; refused != NULL && i + 1 < refused->len; i += 2)
        concord_write_result_add_refused (written, g_ptr_array_index (refused, i),
                                          g_ptr_array_index (refused, i + 1));
    }

  g_clear_error (&error);
  update_item_free (item);
  release (batch);
}

static void on_update_step_cb (GObject      *object,
                               GAsyncResult *result,
                               gpointer      user_data);

/* Asks the subclass for the item's next request after @answer, and sends
 * it or finishes the item. */
static void
update_item_next (UpdateItem *item,
                  JsonNode   *answer)
{
  ConcordRestConnector *self = g_task_get_source_object (item->task);
  GError *error = NULL;
  ConcordHttpRequest *request;

  if (KLASS (self)->update_step != NULL)
    request = KLASS (self)->update_step (self, &item->update, answer, &error);
  else
    request = default_update_step (self, &item->update, answer, &error);

  if (request == NULL)
    {
      update_item_finish (item, error != NULL ? error : g_steal_pointer (&item->update.failure),
                          answer);
      return;
    }

  g_clear_error (&item->update.failure);
  concord_http_client_send_json_async (PRIV (self)->client, request,
                                       g_task_get_cancellable (item->task), on_update_step_cb,
                                       item);
}

static void
on_update_step_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  UpdateItem *item = user_data;
  g_autoptr(JsonNode) root = NULL;

  root = concord_http_client_send_json_finish (CONCORD_HTTP_CLIENT (object), result, NULL, NULL,
                                               &item->update.failure);
  update_item_next (item, root);
}

/* Takes the reference on @task. */
static void
update_start (GTask *task)
{
  ConcordRestOpState *state = g_task_get_task_data (task);
  ConcordWriteBatch *batch = concord_write_batch_new (task, state->inputs->len);

  for (guint i = 0; i < state->inputs->len; i++)
    {
      UpdateItem *item = g_new0 (UpdateItem, 1);

      item->update.contact_type = state->contact_type;
      item->update.change = g_ptr_array_index (state->inputs, i);
      item->batch = batch;
      item->task = g_object_ref (task);
      item->index = i;
      concord_write_batch_hold (batch);
      update_item_next (item, NULL);
    }

  g_object_unref (task);
  release (batch);
}

void
_concord_rest_connector_update_async (ConcordConnector   *connector,
                                      const char         *contact_type,
                                      GPtrArray          *changes,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data)
{
  ConcordRestConnector *self = CONCORD_REST_CONNECTOR (connector);
  GTask *task;
  GError *error = NULL;
  ConcordRestOpState *state;

  task = concord_connector_task_new (connector, _concord_rest_connector_update_async, cancellable,
                                     callback, user_data);
  if (!concord_rest_connector_check_contact_type (self, contact_type, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  state = _concord_rest_connector_op_state_new (task, contact_type);
  state->inputs = g_ptr_array_ref (changes);
  _concord_rest_connector_prepare_then (task, CONCORD_REST_UPDATE, update_start);
}

/**
 * concord_rest_connector_get_listing_cursor:
 *
 * For build_list_request() and parse_page() of an incremental app: the
 * cursor the listing under way was started with (list_async()), on its
 * every page.
 *
 * Returns: (nullable): the cursor; %NULL for a full listing or a sample
 */
const char *
concord_rest_connector_get_listing_cursor (ConcordRestConnector *self)
{
  g_return_val_if_fail (CONCORD_IS_REST_CONNECTOR (self), NULL);

  return PRIV (self)->guard->cursor;
}

/**
 * concord_rest_update_refuse:
 * @key: a field of the change the app cannot set
 * @reason: (transfer full): why, for the user
 *
 * Notes that the change is written but for @key (concord_write_result_add_refused()).
 */
void
concord_rest_update_refuse (ConcordRestUpdate *update,
                            const char        *key,
                            char              *reason)
{
  g_return_if_fail (update != NULL && key != NULL && reason != NULL);

  if (update->refused == NULL)
    update->refused = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (update->refused, g_strdup (key));
  g_ptr_array_add (update->refused, reason);
}
