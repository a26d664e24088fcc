/* concord-connector-sample-write.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The Sample CRM's writes (see concord-connector-sample.c): the record the
 * CRM stores for a create, with its new id, version and times, and the
 * changes of an update to a stored record, each batch written to the file
 * at its end.
 */

#define G_LOG_DOMAIN "concord-connector-sample"

#include "config.h"

#include <string.h>

#include "concord-connector-sample-private.h"
#include "concord-error.h"
#include "concord-write-batch.h"

/* The record the CRM would store for @input, or NULL with @error set. */
static ConcordRecord *
new_record_from (const ConcordRecord  *input,
                 GError              **error)
{
  g_autoptr(ConcordRecord) record = concord_record_new (NULL);
  guint n_fields = concord_record_get_n_fields (input);

  for (guint f = 0; f < n_fields; f++)
    {
      const char *key;
      const ConcordValue *value = concord_record_get_field_at (input, f, &key);
      const ConcordSampleField *field = _concord_sample_writable_field (key, error);

      if (field == NULL || !_concord_sample_set_field (record, field, value, error))
        return NULL;
    }

  if (!_concord_sample_has_valid_email (record))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "A contact needs a valid email address");
      return NULL;
    }

  return g_steal_pointer (&record);
}

void
concord_connector_sample_create_async (ConcordConnector    *connector,
                                       const char          *contact_type,
                                       GPtrArray           *records,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  ConcordConnectorSample *self = CONCORD_CONNECTOR_SAMPLE (connector);
  g_autoptr(GTask) task = NULL;
  g_autoptr(ConcordWriteBatch) batch = NULL;
  gboolean changed = FALSE;
  ConcordSampleBook *book;

  task = concord_connector_task_new (connector, concord_connector_sample_create_async,
                                     cancellable, callback, user_data);

  book = _concord_sample_begin_call (self, task, contact_type);
  if (book == NULL)
    return;

  if (records->len > MAX_BATCH)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                               "Batch too large: %u records, at most %u", records->len, MAX_BATCH);
      return;
    }

  batch = concord_write_batch_new (task, records->len);
  for (guint i = 0; i < records->len; i++)
    {
      GError *error = NULL;
      ConcordRecord *record = new_record_from (g_ptr_array_index (records, i), &error);
      g_autofree char *remote_id = NULL;
      gint64 now;

      if (record == NULL)
        {
          _concord_sample_set_error_result (batch, i, error);
          continue;
        }

      /* The CRM chooses the id; one asked for by the caller is ignored. */
      remote_id = _concord_sample_new_remote_id (self, _concord_sample_book_infos[book - self->books].id_prefix);
      concord_record_set_remote_id (record, remote_id);
      _concord_sample_stamp (self, record);
      now = concord_record_get_modified (record);
      concord_record_set_datetime (record, CONCORD_FIELD_CREATED_AT, now);

      _concord_sample_book_take (book, record);
      changed = TRUE;
      concord_write_batch_set_ok (batch, i, record);
    }

  _concord_sample_end_write_call (self, batch, changed);
}

/* @stored with @change applied, or NULL with @error set. */
static ConcordRecord *
changed_record (const ConcordRecord        *stored,
                const ConcordRecordChange  *change,
                GError                    **error)
{
  g_autoptr(ConcordRecord) record = concord_record_copy (stored);
  guint n_fields = change->set != NULL ? concord_record_get_n_fields (change->set) : 0;

  for (guint f = 0; f < n_fields; f++)
    {
      const char *key;
      const ConcordValue *value = concord_record_get_field_at (change->set, f, &key);
      const ConcordSampleField *field = _concord_sample_writable_field (key, error);

      if (field == NULL || !_concord_sample_set_field (record, field, value, error))
        return NULL;
    }

  for (guint c = 0; change->clear != NULL && change->clear[c] != NULL; c++)
    {
      if (_concord_sample_writable_field (change->clear[c], error) == NULL)
        return NULL;
      concord_record_remove (record, change->clear[c]);
    }

  if (!_concord_sample_has_valid_email (record))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "A contact needs a valid email address");
      return NULL;
    }

  return g_steal_pointer (&record);
}

void
concord_connector_sample_update_async (ConcordConnector    *connector,
                                       const char          *contact_type,
                                       GPtrArray           *changes,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  ConcordConnectorSample *self = CONCORD_CONNECTOR_SAMPLE (connector);
  g_autoptr(GTask) task = NULL;
  g_autoptr(ConcordWriteBatch) batch = NULL;
  gboolean changed = FALSE;
  ConcordSampleBook *book;

  task = concord_connector_task_new (connector, concord_connector_sample_update_async,
                                     cancellable, callback, user_data);

  book = _concord_sample_begin_call (self, task, contact_type);
  if (book == NULL)
    return;

  if (changes->len > MAX_BATCH)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                               "Batch too large: %u changes, at most %u", changes->len, MAX_BATCH);
      return;
    }

  batch = concord_write_batch_new (task, changes->len);
  for (guint i = 0; i < changes->len; i++)
    {
      const ConcordRecordChange *change = g_ptr_array_index (changes, i);
      gint index = _concord_sample_book_find (book, change->remote_id);
      ConcordRecord *stored;
      ConcordRecord *record;
      GError *error = NULL;

      if (index < 0)
        {
          _concord_sample_set_error_result (batch, i, g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                                                                             "No such contact"));
          continue;
        }

      stored = g_ptr_array_index (book->records, index);
      record = changed_record (stored, change, &error);
      if (record == NULL)
        {
          _concord_sample_set_error_result (batch, i, error);
          continue;
        }

      /* A write that changes nothing leaves the record, its time and its
       * version alone, as a server comparing before saving would. */
      if (concord_record_equal_fields (record, stored))
        {
          concord_record_unref (record);
          record = stored;
        }
      else
        {
          _concord_sample_stamp (self, record);
          _concord_sample_book_replace (book, index, record);
          changed = TRUE;
        }

      concord_write_batch_set_ok (batch, i, record);
    }

  _concord_sample_end_write_call (self, batch, changed);
}
