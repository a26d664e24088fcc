/* concord-connector-records.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The connector interface's calls on records: listing a page, fetching,
 * creating, updating and deleting (see concord-connector.c).
 */

#define G_LOG_DOMAIN "concord-connector"

#include "config.h"

#include "concord-connector-private.h"
#include "concord-error.h"

/* ------------------------------------------------------------------------- */
/* Records                                                                   */
/* ------------------------------------------------------------------------- */

/**
 * concord_connector_list_async:
 * @self: a #ConcordConnector
 * @contact_type: the id of a contact type
 * @cursor: (nullable): the cursor of an earlier listing, for only the later
 *   changes (incremental connectors); %NULL for a full listing
 * @page_token: (nullable): the @next_page of the previous page; %NULL for
 *   the first page
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Lists one page of records.
 */
void
concord_connector_list_async (ConcordConnector    *self,
                              const char          *contact_type,
                              const char          *cursor,
                              const char          *page_token,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  ConcordConnectorClass *klass;

  g_return_if_fail (CONCORD_IS_CONNECTOR (self));
  g_return_if_fail (contact_type != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  klass = CONCORD_CONNECTOR_GET_CLASS (self);
  if (klass->list_async == NULL || klass->list_finish == NULL)
    {
      concord_connector_report_not_supported (self, concord_connector_list_async, "listing",
                            callback, user_data);
      return;
    }

  klass->list_async (self, contact_type, cursor, page_token, cancellable, callback, user_data);
}

/**
 * concord_connector_list_finish:
 *
 * Returns: (transfer full): the page, or %NULL with @error set
 */
ConcordPage *
concord_connector_list_finish (ConcordConnector  *self,
                               GAsyncResult      *result,
                               GError           **error)
{
  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_async_result_is_tagged (result, concord_connector_list_async))
    return g_task_propagate_pointer (G_TASK (result), error);

  return CONCORD_CONNECTOR_GET_CLASS (self)->list_finish (self, result, error);
}

/**
 * concord_connector_fetch_async:
 * @self: a #ConcordConnector
 * @contact_type: the id of a contact type
 * @remote_ids: (array zero-terminated=1): the records to fetch
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Fetches records by remote id; ids that do not exist are left out of the
 * result.
 */
void
concord_connector_fetch_async (ConcordConnector    *self,
                               const char          *contact_type,
                               const char * const  *remote_ids,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  ConcordConnectorClass *klass;

  g_return_if_fail (CONCORD_IS_CONNECTOR (self));
  g_return_if_fail (contact_type != NULL);
  g_return_if_fail (remote_ids != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  klass = CONCORD_CONNECTOR_GET_CLASS (self);
  if (klass->fetch_async == NULL || klass->fetch_finish == NULL)
    {
      concord_connector_report_not_supported (self, concord_connector_fetch_async, "fetching records",
                            callback, user_data);
      return;
    }

  klass->fetch_async (self, contact_type, remote_ids, cancellable, callback, user_data);
}

/**
 * concord_connector_fetch_finish:
 *
 * Returns: (transfer full) (element-type ConcordRecord): the records found,
 *   or %NULL with @error set
 */
GPtrArray *
concord_connector_fetch_finish (ConcordConnector  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_async_result_is_tagged (result, concord_connector_fetch_async))
    return g_task_propagate_pointer (G_TASK (result), error);

  return CONCORD_CONNECTOR_GET_CLASS (self)->fetch_finish (self, result, error);
}

/**
 * concord_connector_create_async:
 * @self: a #ConcordConnector
 * @contact_type: the id of a contact type
 * @records: (element-type ConcordRecord): the records to create, at most
 *   concord_connector_get_max_batch()
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Creates records. The result has one #ConcordWriteResult per record.
 */
void
concord_connector_create_async (ConcordConnector    *self,
                                const char          *contact_type,
                                GPtrArray           *records,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  ConcordConnectorClass *klass;

  g_return_if_fail (CONCORD_IS_CONNECTOR (self));
  g_return_if_fail (contact_type != NULL);
  g_return_if_fail (records != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  klass = CONCORD_CONNECTOR_GET_CLASS (self);
  if (klass->create_async == NULL || klass->create_finish == NULL)
    {
      concord_connector_report_not_supported (self, concord_connector_create_async, "creating records",
                            callback, user_data);
      return;
    }

  klass->create_async (self, contact_type, records, cancellable, callback, user_data);
}

/**
 * concord_connector_create_finish:
 *
 * Returns: (transfer full) (element-type ConcordWriteResult): one result per
 *   input, or %NULL with @error set when the whole call failed
 */
GPtrArray *
concord_connector_create_finish (ConcordConnector  *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_async_result_is_tagged (result, concord_connector_create_async))
    return g_task_propagate_pointer (G_TASK (result), error);

  return CONCORD_CONNECTOR_GET_CLASS (self)->create_finish (self, result, error);
}

/**
 * concord_connector_update_async:
 * @self: a #ConcordConnector
 * @contact_type: the id of a contact type
 * @changes: (element-type ConcordRecordChange): the changes, at most
 *   concord_connector_get_max_batch()
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Applies changes to existing records. The result has one
 * #ConcordWriteResult per change; a change the app took but for some
 * fields it refuses for good names them in its @refused list
 * (concord_write_result_add_refused()) rather than failing whole.
 */
void
concord_connector_update_async (ConcordConnector    *self,
                                const char          *contact_type,
                                GPtrArray           *changes,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  ConcordConnectorClass *klass;

  g_return_if_fail (CONCORD_IS_CONNECTOR (self));
  g_return_if_fail (contact_type != NULL);
  g_return_if_fail (changes != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  klass = CONCORD_CONNECTOR_GET_CLASS (self);
  if (klass->update_async == NULL || klass->update_finish == NULL)
    {
      concord_connector_report_not_supported (self, concord_connector_update_async, "updating records",
                            callback, user_data);
      return;
    }

  klass->update_async (self, contact_type, changes, cancellable, callback, user_data);
}

/**
 * concord_connector_update_finish:
 *
 * Returns: (transfer full) (element-type ConcordWriteResult): one result per
 *   change, or %NULL with @error set when the whole call failed
 */
GPtrArray *
concord_connector_update_finish (ConcordConnector  *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_async_result_is_tagged (result, concord_connector_update_async))
    return g_task_propagate_pointer (G_TASK (result), error);

  return CONCORD_CONNECTOR_GET_CLASS (self)->update_finish (self, result, error);
}

/**
 * concord_connector_delete_async:
 * @self: a #ConcordConnector
 * @contact_type: the id of a contact type
 * @remote_ids: (array zero-terminated=1): the records to delete
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Deletes records. Connectors without %CONCORD_CONNECTOR_CAN_DELETE answer
 * with a %CONCORD_ERROR_FAILED error.
 */
void
concord_connector_delete_async (ConcordConnector    *self,
                                const char          *contact_type,
                                const char * const  *remote_ids,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  ConcordConnectorClass *klass;

  g_return_if_fail (CONCORD_IS_CONNECTOR (self));
  g_return_if_fail (contact_type != NULL);
  g_return_if_fail (remote_ids != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  klass = CONCORD_CONNECTOR_GET_CLASS (self);
  if (klass->delete_async == NULL || klass->delete_finish == NULL)
    {
      concord_connector_report_not_supported (self, concord_connector_delete_async, "deleting records",
                            callback, user_data);
      return;
    }

  klass->delete_async (self, contact_type, remote_ids, cancellable, callback, user_data);
}

/**
 * concord_connector_delete_finish:
 *
 * Returns: (transfer full) (element-type ConcordWriteResult): one result per
 *   remote id, or %NULL with @error set when the whole call failed
 */
GPtrArray *
concord_connector_delete_finish (ConcordConnector  *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_async_result_is_tagged (result, concord_connector_delete_async))
    return g_task_propagate_pointer (G_TASK (result), error);

  return CONCORD_CONNECTOR_GET_CLASS (self)->delete_finish (self, result, error);
}
