/* concord-engine-activity.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-engine.h"

G_BEGIN_DECLS

/**
 * ConcordActivityKind:
 * @CONCORD_ACTIVITY_RUN: a sync run: when, how long, what it did
 * @CONCORD_ACTIVITY_CHANGE: a contact created, updated or paired
 * @CONCORD_ACTIVITY_CONFLICT: a field changed on both sides, and how it was settled
 * @CONCORD_ACTIVITY_ERROR: a write that failed, or a run that failed
 * @CONCORD_ACTIVITY_SKIPPED: a contact (or one field) left out, and why
 */
typedef enum
{
  CONCORD_ACTIVITY_RUN,
  CONCORD_ACTIVITY_CHANGE,
  CONCORD_ACTIVITY_CONFLICT,
  CONCORD_ACTIVITY_ERROR,
  CONCORD_ACTIVITY_SKIPPED,
} ConcordActivityKind;

/**
 * ConcordActivityRow:
 *
 * One row of a connection's activity, ready to show: every string is valid
 * UTF-8 and at most a few hundred characters long, whatever was stored.
 * @id: the id of the run, journal row or conflict (per @kind)
 * @target: the side written to (changes, errors, skips)
 * @op: "create", "update", "link", "skip", "unlink" (journal rows)
 * @field: (nullable): the field
 * @before, @after: (nullable): the field's values before and after
 * @by_person: a change made by "Use the other value", not by a run
 * @explanation, @fix: (nullable): for errors and skips, what happened and
 *   what to do, for people
 * @detail: (nullable): what the app said, for the curious
 * @duration: runs: seconds, or -1 when it did not finish
 * @status: runs: "ok", "partial", "failed", "aborted", or %NULL
 * @counts: runs: created, updated, failed, skipped, conflicts, linked
 * @value_a, @value_b: conflicts: what each side held
 * @winner: conflicts: the side whose value was kept
 * @chosen: (nullable): conflicts: the side a person chose afterwards
 * @can_flip: conflicts: "Use the other value" is possible
 */
typedef struct
{
  ConcordActivityKind  kind;
  gint64               id;
  gint64               run_id;
  gint64               time;
  char                *email;
  char                *name;
  ConcordSide          target;
  char                *op;
  char                *field;
  char                *before;
  char                *after;
  gboolean             by_person;
  char                *explanation;
  char                *fix;
  char                *detail;
  gint64               duration;
  char                *status;
  guint                created;
  guint                updated;
  guint                failed;
  guint                skipped;
  guint                conflicts;
  guint                linked;
  char                *value_a;
  char                *value_b;
  ConcordSide          winner;
  char                *chosen;
  gboolean             can_flip;
} ConcordActivityRow;

void concord_activity_row_free (ConcordActivityRow *row);

/**
 * ConcordHealthReason:
 * @explanation: what goes wrong, for people
 * @fix: what to do about it
 * @detail: (nullable): what the app said
 * @count: how many contacts; 0 when the whole connection fails
 */
typedef struct
{
  char   *explanation;
  char   *fix;
  char   *detail;
  gint64  count;
} ConcordHealthReason;

/**
 * ConcordHealth:
 * @in_sync: paired contacts kept equal (the pairs that stopped matching
 *   and are no longer updated are not)
 * @excluded: contacts left out on purpose (rules, no email, creation off)
 * @excluded_by_rules: of @excluded, those the rules or the create switch
 *   left out; the others cannot sync (no email address to match them by)
 * @unmatched_stopped: pairs that no longer match their direction's rules,
 *   where the user chose to stop updating them (the default)
 * @unmatched_kept: pairs that no longer match their direction's rules,
 *   where the user chose to keep updating them
 * @failing: contacts whose last write failed
 * @reasons: (element-type ConcordHealthReason): why, grouped
 * @waiting: ambiguous matches waiting for a person
 * @last_run: when the connection last synced (0: never)
 */
typedef struct
{
  gint64     in_sync;
  gint64     excluded;
  gint64     excluded_by_rules;
  gint64     unmatched_stopped;
  gint64     unmatched_kept;
  gint64     failing;
  GPtrArray *reasons;
  gint64     waiting;
  gint64     last_run;
} ConcordHealth;

void concord_health_free (ConcordHealth *health);

void concord_activity_explain (const char  *code,
                               const char  *app_name,
                               const char  *field,
                               char       **explanation,
                               char       **fix);
void concord_activity_explain_aborted (char **explanation,
                                       char **fix);
char *concord_activity_clean_text (const char *text,
                                   gsize       max_chars);

void        concord_engine_query_activity_async  (ConcordEngine        *self,
                                                  gint64                connection_id,
                                                  const char           *search,
                                                  guint                 offset,
                                                  guint                 limit,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GPtrArray  *concord_engine_query_activity_finish (ConcordEngine        *self,
                                                  GAsyncResult         *result,
                                                  guint                *total,
                                                  GError              **error);

void        concord_engine_flip_conflict_async   (ConcordEngine        *self,
                                                  gint64                connection_id,
                                                  gint64                conflict_id,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean    concord_engine_flip_conflict_finish  (ConcordEngine        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

void        concord_engine_get_health_async      (ConcordEngine        *self,
                                                  gint64                connection_id,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
ConcordHealth *concord_engine_get_health_finish  (ConcordEngine        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordActivityRow, concord_activity_row_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordHealth, concord_health_free)

G_END_DECLS
