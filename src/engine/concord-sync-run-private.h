/* concord-sync-run-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Shared between the parts of a sync run: the run's state and the
 * functions one phase calls in another. concord-sync-run.c holds the run
 * itself; concord-sync-run-read.c the listings, -recover.c the intents of
 * a run that died, -write.c the batches, -commit.c the store's side of
 * the outcome and the journal.
 */

#pragma once

#include "concord-sync-run.h"

G_BEGIN_DECLS

/* One plan item being written */
typedef struct
{
  ConcordPlanItem *item;
  ConcordRecord   *echo[2];       /* (owned) (nullable) */
  guint            pending;       /* writes not yet answered */
  guint            failed : 1;
  guint            refused : 1;   /* failed for good: settled, not retried */
  /* The batch that wrote each side, as 1 + its index in
   * ConcordRun.batch_intents, or 0: 32 bits, so a state stays 40 bytes
   * (one per contact written). */
  guint32          batch[2];
} ConcordRunItemState;

/* One run, all passes */
typedef struct
{
  ConcordStore            *store;
  gint64                   connection_id;
  const ConcordSyncConfig *config;
  ConcordConnector        *connectors[2];
  const char              *types[2];
  const ConcordRunOptions *options;
  GCancellable            *cancellable;
  ConcordRunSummary       *summary;
  GMainContext            *context;
  gint64                   run_id;
  guint                    write_calls;
  gboolean                 crashed;      /* crash_after_writes was reached */
  const GQuark            *keys[2];
  guint                    n_keys[2];
  ConcordRunItemState     *states;
  guint                    n_states;
  char                    *cursors[2];
  guint64                  fingerprint;   /* of the configuration, folded into record hashes */
  guint                    n_read;        /* for progress */
  guint                    n_to_write;
  guint                    n_written;
  gboolean                 any_failed;
  gboolean                 rescan;        /* a write moved a record across a rule's scope */
  GPtrArray               *old_intents;   /* (owned) (nullable) left by a run that died */
  GHashTable              *force[2];      /* (owned) remote ids to read as changed */
  GHashTable              *links[2];      /* (owned) (nullable) link id → remote id, for intents */
  GArray                  *intents;       /* (owned) of gint64: this run's, removed at its end */
  GArray                  *batch_intents; /* (owned) of gint64: each batch's intent, in order */
  ConcordPlanInput        *input;
  GPtrArray               *refused[2];    /* (owned) ConcordRefusal: records a listing could not
                                           * read, not yet in the journal */
  GHashTable              *refusals_seen[2]; /* (owned) ids named in this run (any pass) */
  guint                    n_refusals_shown[2];
  guint                    n_refusals_more[2]; /* refused beyond the rows shown
                                                * (CONCORD_SYNC_RUN_MAX_REFUSAL_ROWS),
                                                * not yet told */
} ConcordRun;

/* The most refused records a run names one by one, a side; the others are
 * counted in one row ("and N more"), so a broken address book of 10,000
 * cards does not bury the activity. */
#define CONCORD_SYNC_RUN_MAX_REFUSAL_ROWS 20

/* concord-sync-run.c: driving the connectors' async calls */
void           concord_sync_run_on_result_cb           (GObject                *object,
                                                        GAsyncResult           *result,
                                                        gpointer                user_data);
GAsyncResult  *concord_sync_run_wait_result            (ConcordRun             *run,
                                                        GAsyncResult          **slot);

/* concord-sync-run-read.c */
guint64        concord_sync_run_record_hash            (ConcordRun             *run,
                                                        ConcordSide             side,
                                                        const ConcordRecord    *record,
                                                        gboolean                in_scope);
gboolean       concord_sync_run_read                   (ConcordRun             *run,
                                                        ConcordPlanInput       *input,
                                                        GError                **error);

/* concord-sync-run-recover.c */
gboolean       concord_sync_run_load_intents           (ConcordRun             *run,
                                                        GError                **error);
void           concord_sync_run_append_intended        (GString                *payload,
                                                        const char             *remote_id,
                                                        const ConcordRecord    *set,
                                                        const char * const     *clear,
                                                        const ConcordRecord    *partner,
                                                        const GQuark           *partner_keys,
                                                        guint                   n_partner_keys);
void           concord_sync_run_collect_intent_records (ConcordRun             *run,
                                                        ConcordPlanInput      *input);
void           concord_sync_run_apply_intents          (ConcordRun             *run,
                                                        ConcordPlanInput       *input,
                                                        GPtrArray              *intents);

/* concord-sync-run-commit.c */
void           concord_sync_run_journal_contact        (ConcordRun             *run,
                                                        const ConcordPlanItem  *item,
                                                        const char             *email,
                                                        gint64                  link_id,
                                                        ConcordSide             target,
                                                        const char             *remote_id,
                                                        const char             *op,
                                                        const char             *field,
                                                        const char             *before,
                                                        const char             *after,
                                                        const char             *outcome,
                                                        const char             *code,
                                                        const GError           *failure,
                                                        const char             *error_text);
void           concord_sync_run_journal_failure        (ConcordRun             *run,
                                                        const ConcordPlanItem  *item,
                                                        ConcordSide             target,
                                                        const char             *op,
                                                        const char             *outcome,
                                                        const GError           *failure);
gboolean       concord_sync_run_commit_item            (ConcordRun             *run,
                                                        ConcordRunItemState    *state,
                                                        GError                **error);
gboolean       concord_sync_run_settle                 (ConcordRun             *run,
                                                        ConcordPlan            *plan,
                                                        GError                **error);

/* concord-sync-run-write.c */
gboolean       concord_sync_run_write                  (ConcordRun             *run,
                                                        GError                **error);
gboolean       concord_sync_run_finish_writes          (ConcordRun             *run,
                                                        GError                **error);

G_END_DECLS
