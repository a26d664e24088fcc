/* concord-mapping.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-fields.h"
#include "concord-types.h"

G_BEGIN_DECLS

/**
 * ConcordPairFlow:
 *
 * Which ways one mapped pair of fields flows. OFF keeps the pair in the
 * mapping (the user may switch it on again) without syncing it.
 */
typedef enum
{
  CONCORD_PAIR_FLOW_BOTH,
  CONCORD_PAIR_FLOW_A_TO_B,
  CONCORD_PAIR_FLOW_B_TO_A,
  CONCORD_PAIR_FLOW_OFF,
} ConcordPairFlow;

typedef struct
{
  GQuark           key_a;
  GQuark           key_b;
  ConcordFieldType type_a;
  ConcordFieldType type_b;
  ConcordPairFlow  flow;
} ConcordMappingPair;

typedef struct _ConcordMapping ConcordMapping;

ConcordMapping           *concord_mapping_new           (void);
ConcordMapping           *concord_mapping_new_default   (GPtrArray                *schema_a,
                                                         GPtrArray                *schema_b);
ConcordMapping           *concord_mapping_ref           (ConcordMapping           *self);
void                      concord_mapping_unref         (ConcordMapping           *self);

void                      concord_mapping_add           (ConcordMapping           *self,
                                                         const char               *key_a,
                                                         ConcordFieldType          type_a,
                                                         const char               *key_b,
                                                         ConcordFieldType          type_b,
                                                         ConcordPairFlow           flow);
guint                     concord_mapping_get_n_pairs   (const ConcordMapping     *self);
const ConcordMappingPair *concord_mapping_get_pair      (const ConcordMapping     *self,
                                                         guint                     index);
const GQuark             *concord_mapping_get_keys      (const ConcordMapping     *self,
                                                         ConcordSide               side,
                                                         guint                    *n_keys);
gboolean                  concord_mapping_pair_flows    (const ConcordMappingPair *pair,
                                                         ConcordSide               from);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordMapping, concord_mapping_unref)

G_END_DECLS
