/* concord-planner-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Shared between the parts of the planner (concord-planner*.c): the state
 * of one planning run and the helpers one part lends another.
 */

#pragma once

#include "concord-planner.h"

G_BEGIN_DECLS

/* Marks an email present more than once on one side. */
extern const char concord_planner_ambiguous_marker[];
#define CONCORD_PLANNER_AMBIGUOUS ((gpointer) concord_planner_ambiguous_marker)

typedef struct
{
  ConcordPlanInput *input;
  ConcordPlan      *plan;
  GHashTable       *done[2];  /* remote ids already in an item */
} ConcordPlanner;

/* concord-planner.c */
void
concord_planner_plan_conflict_free (gpointer data);

void
concord_planner_plan_item_free (gpointer data);

void
concord_planner_plan_skip_free (gpointer data);

void
concord_planner_plan_ambiguous_free (gpointer data);

void
concord_planner_record_email_keys (ConcordPlanInput    *input,
                                   const ConcordRecord *record,
                                   GPtrArray           *out);

void
concord_planner_keys_of (ConcordPlanInput *input,
                         ConcordSide       side,
                         const char       *remote_id,
                         GPtrArray        *out);

void
concord_planner_remove_email (ConcordPlanInput *input,
                              ConcordSide       side,
                              const char       *email,
                              const char       *remote_id);

void
concord_planner_add_emails (ConcordPlanInput *input,
                            ConcordSide       side,
                            GPtrArray        *keys,
                            const char       *remote_id);

gint64
concord_planner_linked_id (ConcordPlanInput *input,
                           ConcordSide       side,
                           const char       *remote_id);

const char *
concord_planner_partner_id (ConcordPlanInput *input,
                            ConcordSide       side,
                            gint64            link_id);

ConcordRecord *
concord_planner_current_record (ConcordPlanInput *input,
                                ConcordSide       side,
                                const char       *remote_id);

/* concord-planner-fields.c */
gboolean
concord_planner_in_scope (ConcordPlanner      *planner,
                          ConcordSide          side,
                          const ConcordRecord *record);

gboolean
concord_planner_entered_scope (ConcordPlanner      *planner,
                               ConcordSide          side,
                               const char          *remote_id,
                               const ConcordRecord *record);

gboolean
concord_planner_is_set (const ConcordValue *value);

ConcordRecord *
concord_planner_planned_record (const ConcordPlanItem *item,
                                ConcordSide            side);

void
concord_planner_keep_primaries (ConcordPlanner        *planner,
                                ConcordPlanItem       *item,
                                const ConcordBaseline *baseline,
                                ConcordSide            side);

ConcordValue *
concord_planner_merge_sets (const ConcordValue *a,
                            const ConcordValue *b,
                            const ConcordValue *base_a,
                            const ConcordValue *base_b,
                            gboolean            labelled,
                            gboolean            source_a,
                            ConcordValue       *out);

char *
concord_planner_value_text (const ConcordValue *value);

void
concord_planner_plan_write (ConcordPlanner     *planner,
                            ConcordPlanItem    *item,
                            ConcordSide         target,
                            GQuark              key,
                            const ConcordValue *before,
                            const ConcordValue *after);

gboolean
concord_planner_suppressed_side (const ConcordMappingPair *pair,
                                 const ConcordValue       *own_a,
                                 const ConcordValue       *own_b,
                                 ConcordSide              *side);

ConcordSide
concord_planner_decide_winner (ConcordPlanner      *planner,
                               const ConcordRecord *a,
                               const ConcordRecord *b);

void
concord_planner_add_conflict (ConcordPlanItem    *item,
                              GQuark              key,
                              const ConcordValue *va,
                              const ConcordValue *vb,
                              ConcordSide         winner);

ConcordPlanConflict *
concord_planner_mark_suppressed (ConcordPlanItem *item);

void
concord_planner_add_field_skip (ConcordPlanner           *planner,
                                ConcordPlanItem          *item,
                                const ConcordMappingPair *pair,
                                ConcordSide               from,
                                const char               *message);

const ConcordValue *
concord_planner_bring (const ConcordMappingPair  *pair,
                       ConcordSide                space,
                       ConcordSide                side,
                       const ConcordValue        *value,
                       ConcordValue              *slot,
                       GError                   **error);

void
concord_planner_write_pair (ConcordPlanner           *planner,
                            ConcordPlanItem          *item,
                            const ConcordMappingPair *pair,
                            ConcordSide               space,
                            ConcordSide               target,
                            const ConcordValue       *before,
                            const ConcordValue       *value);

/* concord-planner-merge.c */
void
concord_planner_add_action_note (ConcordPlanItem     *item,
                                 ConcordSide          target,
                                 const ConcordAction *action,
                                 const char          *label);

gboolean
concord_planner_item_flows (const ConcordPlanItem *item,
                            ConcordSide            side);

char *
concord_planner_left_out_reason (const ConcordSyncConfig *config,
                                 ConcordSide              side,
                                 const ConcordRecord     *record);

void
concord_planner_merge_item (ConcordPlanner        *planner,
                            ConcordPlanItem       *item,
                            const ConcordBaseline *baseline);

/* concord-planner-items.c */
ConcordRecord *
concord_planner_build_create (const ConcordSyncConfig *config,
                              ConcordSide              side,
                              const ConcordRecord     *record,
                              GPtrArray               *skips);

/* concord-planner-plan.c */
void
concord_planner_refresh_emails (ConcordPlanner *planner);

G_END_DECLS
