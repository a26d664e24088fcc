/* concord-sync-run.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-connector.h"
#include "concord-planner.h"
#include "concord-preview.h"
#include "concord-store.h"
#include "concord-worker-thread.h"

G_BEGIN_DECLS

typedef enum
{
  CONCORD_RUN_READING,
  CONCORD_RUN_WRITING,
} ConcordRunPhase;

/**
 * ConcordRunProgressFunc:
 * @phase: what the run is doing
 * @done: records read so far (READING), or records written so far (WRITING)
 * @total: 0 while reading (the apps do not say how many there are); the
 *   records to write while writing
 *
 * Called on the thread the run runs on, after every page read and every
 * batch written.
 */
typedef void (*ConcordRunProgressFunc) (ConcordRunPhase phase,
                                        guint           done,
                                        guint           total,
                                        gpointer        user_data);

/**
 * ConcordRunOptions:
 * @dry_run: plan only: nothing is written, neither to the apps nor the store
 * @crash_after_writes: for tests: stop dead, as if the process were killed,
 *   right after this many write calls returned (0: never)
 * @progress: (nullable): told how far the run is
 * @progress_data: data for @progress (it must outlive the run)
 */
typedef struct
{
  gboolean               dry_run;
  guint                  crash_after_writes;
  ConcordRunProgressFunc progress;
  gpointer               progress_data;
} ConcordRunOptions;

/**
 * ConcordRunSummary:
 *
 * What a run did, per side (index 0 is A, 1 is B).
 */
typedef struct
{
  gint64    run_id;
  guint     listed[2];
  guint     changed[2];
  guint     created[2];
  guint     updated[2];
  guint     failed[2];
  guint     fields_written[2];
  guint     write_calls[2];
  guint     linked;
  guint     unlinked;
  guint     skipped;
  guint     conflicts;
  guint     ambiguous;
  gboolean  tripped;
  char     *plan_text;  /* (nullable) a dry run's plan */
  GPtrArray *preview;   /* (nullable) (element-type ConcordPreviewContact) a dry run's plan per contact */
  guint     excluded;   /* a dry run: of @skipped, the contacts left out on purpose */
} ConcordRunSummary;

void      concord_run_summary_clear   (ConcordRunSummary        *summary);

gboolean  concord_sync_config_init_for_connection (ConcordSyncConfig          *config,
                                                   const ConcordConnectionRow *row,
                                                   GPtrArray                  *schema_a,
                                                   GPtrArray                  *schema_b,
                                                   GError                    **error);
char     *concord_run_summary_to_json (const ConcordRunSummary  *summary);

gboolean  concord_sync_run            (ConcordStore             *store,
                                       gint64                    connection_id,
                                       const ConcordSyncConfig  *config,
                                       ConcordConnector         *connector_a,
                                       const char               *type_a,
                                       ConcordConnector         *connector_b,
                                       const char               *type_b,
                                       const ConcordRunOptions  *options,
                                       GCancellable             *cancellable,
                                       ConcordRunSummary        *summary,
                                       GError                  **error);

gboolean  concord_sync_run_connection (ConcordStore               *store,
                                       const ConcordConnectionRow *row,
                                       const ConcordSyncConfig    *config,
                                       ConcordConnector           *connector_a,
                                       ConcordConnector           *connector_b,
                                       const ConcordRunOptions    *options,
                                       GCancellable               *cancellable,
                                       ConcordRunSummary          *summary,
                                       GError                    **error);
void      concord_run_summary_add     (ConcordRunSummary        *summary,
                                       const ConcordRunSummary  *more);

void      concord_sync_run_async      (ConcordWorkerThread      *worker,
                                       ConcordStore             *store,
                                       gint64                    connection_id,
                                       const ConcordSyncConfig  *config,
                                       ConcordConnector         *connector_a,
                                       const char               *type_a,
                                       ConcordConnector         *connector_b,
                                       const char               *type_b,
                                       const ConcordRunOptions  *options,
                                       GCancellable             *cancellable,
                                       GAsyncReadyCallback       callback,
                                       gpointer                  user_data);
gboolean  concord_sync_run_finish     (GAsyncResult             *result,
                                       ConcordRunSummary        *summary,
                                       GError                  **error);

G_END_DECLS
