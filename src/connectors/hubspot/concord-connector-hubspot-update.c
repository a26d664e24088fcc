/* concord-connector-hubspot-update.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Updating and fetching HubSpot contacts (see concord-connector-hubspot.c):
 * batch/update in chunks, the read back of what was written, and fetch by
 * id through batch/read.
 */

#define G_LOG_DOMAIN "concord-connector-hubspot"

#include "config.h"

#include <string.h>
#include "concord-connector-hubspot.h"
#include "concord-connector-hubspot-private.h"
#include "concord-error.h"
#include "concord-json-private.h"
#include "concord-rest-connector.h"
#include "concord-write-batch.h"

/* ------------------------------------------------------------------------- */
/* Update (batch/update) and fetch (batch/read)                              */
/* ------------------------------------------------------------------------- */

typedef struct
{
  GTask             *task;      /* (owned) */
  ConcordWriteBatch *batch;     /* (unowned): one hold is this chunk's */
  GPtrArray         *changes;   /* (owned): ConcordRecordChange (unowned) */
  GArray            *indices;   /* (owned): guint, the changes' indices */
  GHashTable        *pending;   /* (owned) (nullable): indices not answered yet (+1) */
  GHashTable        *written;   /* (owned) (nullable): index (+1) → echo, to read again */
} UpdateChunk;

static void
update_chunk_free (UpdateChunk *chunk)
{
  g_clear_object (&chunk->task);
  g_ptr_array_unref (chunk->changes);
  g_array_unref (chunk->indices);
  g_clear_pointer (&chunk->pending, g_hash_table_unref);
  g_clear_pointer (&chunk->written, g_hash_table_unref);
  g_free (chunk);
}

/* The result of change @index: @record, and the fields its change could
 * not write. */
static void
set_updated (UpdateChunk   *chunk,
             guint          index,
             ConcordRecord *record)
{
  ConcordConnectorHubspot *self = g_task_get_source_object (chunk->task);
  const ConcordRecordChange *change = g_ptr_array_index (chunk->changes, index);
  g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
  ConcordWriteResult *written;

  /* The refusals of the body that was sent (built again: it is the same). */
  json_node_unref (_concord_hubspot_properties_body (self, change->set, (const char * const *) change->clear,
                                                     refused));
  written = concord_write_batch_set_ok (chunk->batch, index, record);
  for (guint i = 0; i + 1 < refused->len; i += 2)
    concord_write_result_add_refused (written, g_ptr_array_index (refused, i),
                                      g_ptr_array_index (refused, i + 1));
}

static UpdateChunk *
update_chunk_new (GTask             *task,
                  ConcordWriteBatch *batch,
                  GPtrArray         *changes)
{
  UpdateChunk *chunk = g_new0 (UpdateChunk, 1);

  chunk->task = g_object_ref (task);
  chunk->batch = batch;
  chunk->changes = g_ptr_array_ref (changes);
  chunk->indices = g_array_new (FALSE, FALSE, sizeof (guint));
  return chunk;
}

static void
on_updated_one (gpointer    data,
                guint       index,
                JsonObject *result,
                JsonObject *error)
{
  UpdateChunk *chunk = data;
  ConcordConnectorHubspot *self = g_task_get_source_object (chunk->task);
  const ConcordRecordChange *change = g_ptr_array_index (chunk->changes, index);

  if (!g_hash_table_remove (chunk->pending, GUINT_TO_POINTER (index + 1)))
    return;

  if (result != NULL)
    {
      ConcordRecord *record = _concord_hubspot_parse_contact (self, result);

      if (record == NULL || g_strcmp0 (concord_record_get_remote_id (record),
                                       change->remote_id) != 0)
        {
          g_autoptr(GError) parse = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                                         "POST " PATH_CONTACTS "/batch/update: "
                                                         "the answer holds no such contact");

          g_clear_pointer (&record, concord_record_unref);
          concord_write_batch_set_error (chunk->batch, index, parse);
          return;
        }
      /* HubSpot's echo holds only some properties: read again below. */
      g_hash_table_insert (chunk->written, GUINT_TO_POINTER (index + 1), record);
      return;
    }

  {
    g_autoptr(GError) failure = _concord_hubspot_error_from_object (error, "POST " PATH_CONTACTS "/batch/update");

    concord_write_batch_set_error (chunk->batch, index, failure);
  }
}

static void send_update_chunk (UpdateChunk *chunk);

/* The contacts just updated, read whole (batch/read is consistent at
 * once): their echoes hold only some properties, and what Concord keeps
 * of a write must be the contact as it now is. */
static void
on_read_written_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  UpdateChunk *chunk = user_data;
  ConcordConnectorHubspot *self = g_task_get_source_object (chunk->task);
  ConcordWriteBatch *batch = chunk->batch;
  g_autoptr(GHashTable) by_id = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                       (GDestroyNotify) concord_record_unref);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer key, value;
  JsonArray *array = NULL;

  root = concord_http_client_send_json_finish (self->client, result, NULL, NULL, &error);
  if (error == NULL)
    array = _concord_hubspot_results_array (root, "POST " PATH_CONTACTS "/batch/read", &error);
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      ConcordRecord *record = JSON_NODE_HOLDS_OBJECT (node)
                              ? _concord_hubspot_parse_contact (self, json_node_get_object (node)) : NULL;

      if (record != NULL)
        g_hash_table_replace (by_id, (gpointer) concord_record_get_remote_id (record), record);
    }

  if (error != NULL && concord_rest_error_is_fatal (error))
    concord_write_batch_fail (batch, g_steal_pointer (&error));
  else
    {
      /* Written, whatever the read gave: the contact read if it came, else
       * the echo (a failed read costs the next run a comparison, no more). */
      g_hash_table_iter_init (&iter, chunk->written);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          ConcordRecord *read = g_hash_table_lookup (by_id,
                                                     concord_record_get_remote_id (value));

          set_updated (chunk, GPOINTER_TO_UINT (key) - 1, read != NULL ? read : value);
        }
    }

  update_chunk_free (chunk);
  {
    g_autoptr(GTask) done = concord_write_batch_release (batch);
  }
}

/* Takes @chunk. */
static void
read_written (UpdateChunk *chunk)
{
  ConcordConnectorHubspot *self = g_task_get_source_object (chunk->task);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  ConcordHttpRequest *request;
  GHashTableIter iter;
  gpointer value;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "properties");
  json_builder_begin_array (builder);
  for (guint p = 0; self->properties != NULL && p < self->properties->len; p++)
    json_builder_add_string_value (builder,
                                   ((ConcordHubspotProperty *) g_ptr_array_index (self->properties, p))->name);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "inputs");
  json_builder_begin_array (builder);
  g_hash_table_iter_init (&iter, chunk->written);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, concord_record_get_remote_id (value));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  request = _concord_hubspot_new_request ("POST", PATH_CONTACTS "/batch/read", "POST " PATH_CONTACTS "/batch/read",
                                          body);
  concord_http_request_set_flags (request, CONCORD_HTTP_IDEMPOTENT);
  concord_http_client_send_json_async (self->client, request, g_task_get_cancellable (chunk->task),
                                       on_read_written_cb, chunk);
}

static void
on_update_chunk_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  UpdateChunk *chunk = user_data;
  ConcordConnectorHubspot *self = g_task_get_source_object (chunk->task);
  ConcordWriteBatch *batch = chunk->batch;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer key;
  guint status = 0;

  root = concord_http_client_send_json_finish (self->client, result, &status, NULL, &error);
  if (error != NULL && chunk->indices->len > 1 &&
      (status == SOUP_STATUS_BAD_REQUEST || status == SOUP_STATUS_CONFLICT || status == 422 ||
       status == SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE))
    {
      /* One change refused them all (or too many at once): each half
       * again, down to the refused change alone. */
      guint half = chunk->indices->len / 2;
      UpdateChunk *second = update_chunk_new (chunk->task, batch, chunk->changes);

      g_debug ("update: HTTP %u for %u changes, splitting", status, chunk->indices->len);
      g_array_append_vals (second->indices, &g_array_index (chunk->indices, guint, half),
                           chunk->indices->len - half);
      g_array_set_size (chunk->indices, half);
      g_clear_pointer (&chunk->pending, g_hash_table_unref);
      concord_write_batch_hold (batch);
      send_update_chunk (chunk);
      send_update_chunk (second);
      return;
    }

  if (error != NULL && concord_rest_error_is_fatal (error))
    concord_write_batch_fail (batch, g_steal_pointer (&error));
  else if (error != NULL)
    for (guint i = 0; i < chunk->indices->len; i++)
      concord_write_batch_set_error (batch, g_array_index (chunk->indices, guint, i), error);
  else
    {
      chunk->written = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                              (GDestroyNotify) concord_record_unref);
      _concord_hubspot_read_batch_answer (root, chunk->changes->len, on_updated_one, chunk);
      g_hash_table_iter_init (&iter, chunk->pending);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        {
          g_autoptr(GError) missing = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                                           "POST " PATH_CONTACTS "/batch/update: "
                                                           "the answer does not mention this "
                                                           "contact");

          concord_write_batch_set_error (batch, GPOINTER_TO_UINT (key) - 1, missing);
        }
      if (g_hash_table_size (chunk->written) > 0)
        {
          read_written (chunk);
          return;
        }
    }

  update_chunk_free (chunk);
  {
    g_autoptr(GTask) done = concord_write_batch_release (batch);
  }
}

/* Sends the changes of @chunk (taken) in one batch/update. */
static void
send_update_chunk (UpdateChunk *chunk)
{
  ConcordConnectorHubspot *self = g_task_get_source_object (chunk->task);
  JsonArray *inputs = json_array_new ();
  g_autoptr(JsonNode) body = NULL;

  chunk->pending = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (guint i = 0; i < chunk->indices->len; i++)
    {
      guint index = g_array_index (chunk->indices, guint, i);
      const ConcordRecordChange *change = g_ptr_array_index (chunk->changes, index);
      g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
      JsonObject *input = json_object_new ();
      g_autofree char *trace = g_strdup_printf ("%u", index);

      json_object_set_string_member (input, "id", change->remote_id);
      json_object_set_string_member (input, "objectWriteTraceId", trace);
      json_object_set_member (input, "properties",
                              _concord_hubspot_properties_body (self, change->set,
                                                                (const char * const *) change->clear, refused));
      json_array_add_object_element (inputs, input);
      g_hash_table_add (chunk->pending, GUINT_TO_POINTER (index + 1));
    }
  body = _concord_hubspot_inputs_body (inputs);
  concord_http_client_send_json_async (self->client,
                                       _concord_hubspot_new_request ("POST", PATH_CONTACTS "/batch/update",
                                                                     "POST " PATH_CONTACTS "/batch/update", body),
                                                        g_task_get_cancellable (chunk->task), on_update_chunk_cb,
                                                        chunk);
}

/* Sends @changes in batches of MAX_BATCH; the results go to @task through
 * a ConcordWriteBatch. Takes the reference on @task. */
void
_concord_hubspot_update_changes (ConcordConnectorHubspot *self,
                                 GTask                   *task,
                                 GPtrArray               *changes)
{
  ConcordWriteBatch *batch = concord_write_batch_new (task, changes->len);
  UpdateChunk *chunk = NULL;

  for (guint i = 0; i <= changes->len; i++)
    {
      const ConcordRecordChange *change = i < changes->len ? g_ptr_array_index (changes, i) : NULL;

      if (chunk != NULL && (change == NULL || chunk->indices->len == MAX_BATCH))
        {
          concord_write_batch_hold (batch);
          send_update_chunk (g_steal_pointer (&chunk));
        }
      if (change == NULL)
        break;

      if (!_concord_hubspot_is_id (change->remote_id))
        {
          g_autoptr(GError) error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                                                         "POST " PATH_CONTACTS "/batch/update: "
                                                         "not a HubSpot contact id");

          concord_write_batch_set_error (batch, i, error);
          continue;
        }
      if (chunk == NULL)
        chunk = update_chunk_new (task, batch, changes);
      g_array_append_val (chunk->indices, i);
    }

  g_object_unref (task);
  {
    g_autoptr(GTask) done = concord_write_batch_release (batch);
  }
}

typedef struct
{
  GPtrArray *changes;   /* (owned) */
} UpdateState;

static void
update_state_free (UpdateState *state)
{
  g_ptr_array_unref (state->changes);
  g_free (state);
}

static void
on_update_properties_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  GTask *task = user_data;
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (object);
  UpdateState *state = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  _concord_hubspot_update_changes (self, task, state->changes);
}

void
concord_connector_hubspot_update_async (ConcordConnector    *connector,
                                        const char          *contact_type,
                                        GPtrArray           *changes,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (connector);
  GTask *task = concord_connector_task_new (connector, concord_connector_hubspot_update_async,
                                            cancellable, callback, user_data);
  UpdateState *state;
  GError *error = NULL;

  if (!concord_rest_connector_check_contact_type (CONCORD_REST_CONNECTOR (self), contact_type,
                                                  &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  state = g_new0 (UpdateState, 1);
  state->changes = g_ptr_array_ref (changes);
  g_task_set_task_data (task, state, (GDestroyNotify) update_state_free);
  _concord_hubspot_ensure_properties_async (self, FALSE, cancellable, on_update_properties_cb, task);
}

/* Fetch: batch/read of MAX_BATCH ids a request. */
typedef struct
{
  GPtrArray *records;   /* (owned): ConcordRecord */
  GError    *error;     /* (owned) (nullable): the first failure */
  guint      pending;
  char     **ids;       /* (owned) */
} FetchState;

static void
fetch_state_free (FetchState *state)
{
  g_ptr_array_unref (state->records);
  g_clear_error (&state->error);
  g_strfreev (state->ids);
  g_free (state);
}

static void
fetch_done (GTask *task)
{
  FetchState *state = g_task_get_task_data (task);

  if (--state->pending > 0)
    {
      g_object_unref (task);
      return;
    }
  if (state->error != NULL)
    g_task_return_error (task, g_steal_pointer (&state->error));
  else
    g_task_return_pointer (task, g_ptr_array_ref (state->records),
                           (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

static void
on_fetch_chunk_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  ConcordConnectorHubspot *self = g_task_get_source_object (task);
  FetchState *state = g_task_get_task_data (task);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *array;

  root = concord_http_client_send_json_finish (self->client, result, NULL, NULL, &error);
  if (error == NULL)
    array = _concord_hubspot_results_array (root, "POST " PATH_CONTACTS "/batch/read", &error);
  if (error != NULL)
    {
      if (state->error == NULL)
        state->error = g_steal_pointer (&error);
      fetch_done (task);
      return;
    }
  for (guint i = 0; i < json_array_get_length (array) && i < MAX_BATCH; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      ConcordRecord *record = JSON_NODE_HOLDS_OBJECT (node)
                              ? _concord_hubspot_parse_contact (self, json_node_get_object (node)) : NULL;

      /* Only what was asked for. */
      if (record != NULL && g_strv_contains ((const char * const *) state->ids,
                                             concord_record_get_remote_id (record)))
        g_ptr_array_add (state->records, record);
      else if (record != NULL)
        concord_record_unref (record);
    }
  fetch_done (task);
}

static void
fetch_start (GTask *task)
{
  ConcordConnectorHubspot *self = g_task_get_source_object (task);
  FetchState *state = g_task_get_task_data (task);
  JsonArray *inputs = NULL;
  guint n = 0;
  guint n_ids = g_strv_length (state->ids);
  /* At most 100 a request, spread over the requests in flight: a few ids
   * take as long as one. */
  guint chunk = CLAMP ((n_ids + MAX_IN_FLIGHT - 1) / MAX_IN_FLIGHT, 1, MAX_BATCH);

  state->pending = 1;
  for (guint i = 0; ; i++)
    {
      const char *id = state->ids[i];

      if (inputs != NULL && (id == NULL || n == chunk))
        {
          g_autoptr(JsonBuilder) builder = json_builder_new ();
          g_autoptr(JsonNode) body = NULL;
          g_autoptr(JsonNode) inputs_node = json_node_new (JSON_NODE_ARRAY);
          ConcordHttpRequest *request;

          json_node_take_array (inputs_node, g_steal_pointer (&inputs));
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "properties");
          json_builder_begin_array (builder);
          for (guint p = 0; self->properties != NULL && p < self->properties->len; p++)
            json_builder_add_string_value (builder,
                                           ((ConcordHubspotProperty *) g_ptr_array_index (self->properties,
                                                                                          p))->name);
          json_builder_end_array (builder);
          json_builder_set_member_name (builder, "inputs");
          json_builder_add_value (builder, g_steal_pointer (&inputs_node));
          json_builder_end_object (builder);
          body = json_builder_get_root (builder);
          request = _concord_hubspot_new_request ("POST", PATH_CONTACTS "/batch/read",
                                                  "POST " PATH_CONTACTS "/batch/read", body);
          /* A read: repeating it is harmless. */
          concord_http_request_set_flags (request, CONCORD_HTTP_IDEMPOTENT);
          state->pending++;
          concord_http_client_send_json_async (self->client, request,
                                               g_task_get_cancellable (task), on_fetch_chunk_cb,
                                               g_object_ref (task));
          n = 0;
        }
      if (id == NULL)
        break;
      if (!_concord_hubspot_is_id (id))
        continue;
      if (inputs == NULL)
        inputs = json_array_new ();
      {
        JsonObject *input = json_object_new ();

        json_object_set_string_member (input, "id", id);
        json_array_add_object_element (inputs, input);
        n++;
      }
    }
  fetch_done (task);
}

static void
on_fetch_properties_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  fetch_start (task);
}

void
concord_connector_hubspot_fetch_async (ConcordConnector    *connector,
                                       const char          *contact_type,
                                       const char * const  *remote_ids,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (connector);
  GTask *task = concord_connector_task_new (connector, concord_connector_hubspot_fetch_async,
                                            cancellable, callback, user_data);
  FetchState *state;
  GError *error = NULL;

  if (!concord_rest_connector_check_contact_type (CONCORD_REST_CONNECTOR (self), contact_type,
                                                  &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  state = g_new0 (FetchState, 1);
  state->records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  state->ids = remote_ids != NULL ? g_strdupv ((char **) remote_ids) : g_new0 (char *, 1);
  g_task_set_task_data (task, state, (GDestroyNotify) fetch_state_free);
  if (state->ids[0] == NULL)
    fetch_start (task);
  else
    _concord_hubspot_ensure_properties_async (self, FALSE, cancellable, on_fetch_properties_cb, task);
}
