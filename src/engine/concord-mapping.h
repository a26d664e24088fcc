/* concord-mapping.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "concord-convert.h"
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

const char *concord_pair_flow_to_string   (ConcordPairFlow  flow);
gboolean    concord_pair_flow_from_string (const char      *name,
                                           ConcordPairFlow *flow);

/**
 * ConcordMappingPair:
 * @format: (nullable): the text form of the non-text side: a date format
 *   ("DD/MM/YYYY") or a set's delimiter
 * @values: values[X]: (nullable): what a value of side X becomes on the
 *   other side (a value map), built from the pair's value pairs
 * @identity: same types, no format, no value map: values pass unchanged
 */
typedef struct
{
  GQuark           key_a;
  GQuark           key_b;
  ConcordFieldType type_a;
  ConcordFieldType type_b;
  ConcordPairFlow  flow;
  char            *format;
  ConcordValueMap *values[2];
  gboolean         identity;

  /*< private >*/
  GPtrArray       *value_pairs;   /* a0, b0, a1, b1, … */
  char            *fallback[2];   /* fallback[X]: what an unmapped value becomes on X */
} ConcordMappingPair;

/**
 * ConcordUnmappedField:
 *
 * A field the automatic mapping left alone, and why.
 */
typedef struct
{
  ConcordSide  side;
  char        *key;
  char        *label;
  char        *reason;
} ConcordUnmappedField;

void concord_unmapped_field_free (ConcordUnmappedField *field);

typedef struct _ConcordMapping ConcordMapping;

ConcordMapping           *concord_mapping_new           (void);
ConcordMapping           *concord_mapping_new_default   (GPtrArray                *schema_a,
                                                         GPtrArray                *schema_b);
ConcordMapping           *concord_mapping_new_auto      (GPtrArray                *schema_a,
                                                         GPtrArray                *schema_b,
                                                         GPtrArray               **unmapped);
ConcordMapping           *concord_mapping_new_auto_sampled (GPtrArray             *schema_a,
                                                            GPtrArray             *schema_b,
                                                            GPtrArray             *sample_a,
                                                            GPtrArray             *sample_b,
                                                            GPtrArray            **unmapped);
ConcordMapping           *concord_mapping_copy          (const ConcordMapping     *self);
ConcordMapping           *concord_mapping_ref           (ConcordMapping           *self);
void                      concord_mapping_unref         (ConcordMapping           *self);

guint                     concord_mapping_add           (ConcordMapping           *self,
                                                         const char               *key_a,
                                                         ConcordFieldType          type_a,
                                                         const char               *key_b,
                                                         ConcordFieldType          type_b,
                                                         ConcordPairFlow           flow);
void                      concord_mapping_remove        (ConcordMapping           *self,
                                                         guint                     index);
void                      concord_mapping_set_flow      (ConcordMapping           *self,
                                                         guint                     index,
                                                         ConcordPairFlow           flow);
void                      concord_mapping_set_format    (ConcordMapping           *self,
                                                         guint                     index,
                                                         const char               *format);
void                      concord_mapping_add_value     (ConcordMapping           *self,
                                                         guint                     index,
                                                         const char               *value_a,
                                                         const char               *value_b);
void                      concord_mapping_clear_values  (ConcordMapping           *self,
                                                         guint                     index);
void                      concord_mapping_set_fallback  (ConcordMapping           *self,
                                                         guint                     index,
                                                         ConcordSide               side,
                                                         const char               *value);

guint                     concord_mapping_get_n_pairs   (const ConcordMapping     *self);
const ConcordMappingPair *concord_mapping_get_pair      (const ConcordMapping     *self,
                                                         guint                     index);
gint                      concord_mapping_find          (const ConcordMapping     *self,
                                                         ConcordSide               side,
                                                         const char               *key);
const GQuark             *concord_mapping_get_keys      (const ConcordMapping     *self,
                                                         ConcordSide               side,
                                                         guint                    *n_keys);
gboolean                  concord_mapping_is_identity   (const ConcordMapping     *self);

gboolean                  concord_mapping_pair_flows    (const ConcordMappingPair *pair,
                                                         ConcordSide               from);
guint                     concord_mapping_pair_get_n_values (const ConcordMappingPair *pair);
void                      concord_mapping_pair_get_value    (const ConcordMappingPair *pair,
                                                             guint                     index,
                                                             const char              **value_a,
                                                             const char              **value_b);
const char               *concord_mapping_pair_get_fallback (const ConcordMappingPair *pair,
                                                             ConcordSide               side);
gboolean                  concord_mapping_pair_convert  (const ConcordMappingPair *pair,
                                                         ConcordSide               from,
                                                         const ConcordValue       *in,
                                                         ConcordValue             *out,
                                                         GError                  **error);

gboolean                  concord_mapping_pair_agrees   (const ConcordMappingPair *pair,
                                                         const ConcordValue       *va,
                                                         const ConcordValue       *vb);

gboolean                  concord_field_types_convertible (ConcordFieldType        from,
                                                           ConcordFieldType        to);

gboolean                  concord_mapping_validate      (const ConcordMapping     *self,
                                                         const char               *path,
                                                         GPtrArray                *warnings,
                                                         GError                  **error);
JsonNode                 *concord_mapping_to_json       (const ConcordMapping     *self);
ConcordMapping           *concord_mapping_new_from_json (JsonNode                 *node,
                                                         const char               *path,
                                                         GError                  **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordMapping, concord_mapping_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordUnmappedField, concord_unmapped_field_free)

G_END_DECLS
