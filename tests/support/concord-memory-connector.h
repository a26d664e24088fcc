/* concord-memory-connector.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-connector.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_MEMORY_CONNECTOR (concord_memory_connector_get_type ())

G_DECLARE_FINAL_TYPE (ConcordMemoryConnector, concord_memory_connector,
                      CONCORD, MEMORY_CONNECTOR, ConcordConnector)

/**
 * ConcordMemoryRewriteFunc:
 * @record: a copy of the record being stored, which the function may change
 * @user_data: data given with the function
 *
 * Lets a test play a server that normalises what it is sent (reformats a
 * phone number, title-cases a name) before storing and echoing it.
 */
typedef void (*ConcordMemoryRewriteFunc) (ConcordRecord *record,
                                          gpointer       user_data);

/**
 * ConcordMemoryFailFunc:
 * @record: the record (create) or the change's values (update), with the
 *   remote id set for updates
 * @user_data: data given with the function
 *
 * Returns: %TRUE to make the write of this one record fail (the rest of the
 *   batch goes on)
 */
typedef gboolean (*ConcordMemoryFailFunc) (const ConcordRecord *record,
                                           gpointer             user_data);

ConcordMemoryConnector *concord_memory_connector_new              (const char             *app_id,
                                                                   ConcordConnectorFlags   flags);

/* The "server side": what a user does in the app itself. */
ConcordRecord          *concord_memory_connector_insert           (ConcordMemoryConnector *self,
                                                                   ConcordRecord          *record);
gboolean                concord_memory_connector_replace          (ConcordMemoryConnector *self,
                                                                   ConcordRecord          *record);
void                    concord_memory_connector_set_report_deletions (ConcordMemoryConnector *self,
                                                                        gboolean                report);
void                    concord_memory_connector_set_unreadable   (ConcordMemoryConnector *self,
                                                                   const char             *remote_id,
                                                                   const char             *reason);
gboolean                concord_memory_connector_remove           (ConcordMemoryConnector *self,
                                                                   const char             *remote_id);
ConcordRecord          *concord_memory_connector_lookup           (ConcordMemoryConnector *self,
                                                                   const char             *remote_id);
GPtrArray              *concord_memory_connector_get_all          (ConcordMemoryConnector *self);
guint                   concord_memory_connector_get_n_records    (ConcordMemoryConnector *self);
gsize                   concord_memory_connector_get_allocated_size (ConcordMemoryConnector *self);

/* Time: modification times are this clock (seconds); each write advances it. */
void                    concord_memory_connector_set_now          (ConcordMemoryConnector *self,
                                                                   gint64                  unix_seconds);
gint64                  concord_memory_connector_get_now          (ConcordMemoryConnector *self);

/* Shape of the API */
void                    concord_memory_connector_set_page_size    (ConcordMemoryConnector *self,
                                                                   guint                   page_size);
void                    concord_memory_connector_set_max_batch    (ConcordMemoryConnector *self,
                                                                   guint                   max_batch);
void                    concord_memory_connector_set_schema       (ConcordMemoryConnector *self,
                                                                   GPtrArray              *specs);

/* Counters of what the engine did through the API */
guint                   concord_memory_connector_get_n_created    (ConcordMemoryConnector *self);
guint                   concord_memory_connector_get_n_updated    (ConcordMemoryConnector *self);
guint                   concord_memory_connector_get_n_write_calls (ConcordMemoryConnector *self);
guint                   concord_memory_connector_get_n_list_calls (ConcordMemoryConnector *self);
void                    concord_memory_connector_reset_counters   (ConcordMemoryConnector *self);

/* Faults, each on demand */
void                    concord_memory_connector_set_rewrite_func (ConcordMemoryConnector   *self,
                                                                   ConcordMemoryRewriteFunc  func,
                                                                   gpointer                  user_data);
void                    concord_memory_connector_set_fail_func    (ConcordMemoryConnector   *self,
                                                                   ConcordMemoryFailFunc     func,
                                                                   gpointer                  user_data);
void                    concord_memory_connector_fail_list_at_page (ConcordMemoryConnector  *self,
                                                                   int                       page,
                                                                   const GError             *error);
void                    concord_memory_connector_fail_next_write_calls (ConcordMemoryConnector *self,
                                                                   guint                     n_calls,
                                                                   const GError             *error);
void                    concord_memory_connector_set_store_then_fail (ConcordMemoryConnector *self,
                                                                   guint                     n_calls);

G_END_DECLS
