/* concord-test-sync.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-connector.h"
#include "concord-mapping.h"
#include "concord-planner.h"
#include "concord-store.h"
#include "concord-sync-run.h"

G_BEGIN_DECLS

/**
 * ConcordTestSync:
 * @store: the state database ($XDG_DATA_HOME/state.sqlite of the test)
 * @connection_id: the connection between account "a" and account "b"
 * @a: side A's connector
 * @b: side B's connector
 * @type_a: side A's contact type
 * @type_b: side B's contact type
 * @schema_a: side A's schema, loaded from @a
 * @schema_b: side B's schema, loaded from @b
 * @mapping: the mapping @config runs with
 * @config: the run's configuration (concord_sync_config_init() of @mapping)
 *
 * Whole sync runs between two connectors, through the real store and
 * engine: what the test-sync-<app> tests share.
 */
typedef struct
{
  ConcordStore      *store;
  gint64             connection_id;
  ConcordConnector  *a;
  ConcordConnector  *b;
  char              *type_a;
  char              *type_b;
  GPtrArray         *schema_a;
  GPtrArray         *schema_b;
  ConcordMapping    *mapping;
  ConcordSyncConfig  config;
} ConcordTestSync;

GPtrArray       *concord_test_load_schema      (ConcordConnector  *connector,
                                                const char        *contact_type);
ConcordTestSync *concord_test_sync_new         (ConcordConnector  *a,
                                                const char        *app_a,
                                                const char        *type_a,
                                                ConcordConnector  *b,
                                                const char        *app_b,
                                                const char        *type_b);
void             concord_test_sync_set_mapping (ConcordTestSync   *sync,
                                                ConcordMapping    *mapping);
void             concord_test_sync_run         (ConcordTestSync   *sync,
                                                ConcordRunSummary *summary);
void             concord_test_sync_free        (ConcordTestSync   *sync);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordTestSync, concord_test_sync_free)

G_END_DECLS
