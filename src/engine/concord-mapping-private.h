/* concord-mapping-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/*
 * What the mapping's files share: the mapping itself (concord-mapping.c,
 * concord-mapping-json.c), and the automatic mapping's fields and the
 * helpers of its two files (concord-mapping-auto.c,
 * concord-mapping-auto-values.c).
 */

#include "concord-mapping.h"

G_BEGIN_DECLS

struct _ConcordMapping
{
  gatomicrefcount  ref_count;
  GArray          *pairs;    /* (owned) of ConcordMappingPair */
  GArray          *keys[2];  /* (owned) of GQuark, the keys of each side in pair order,
                              * then the companions (see rebuild_keys()) */
};

gboolean    concord_mapping_is_date_type   (ConcordFieldType        type);

/* The automatic mapping: one field of a side, its side, and the whole. */
typedef struct
{
  const ConcordFieldSpec *spec;
  char                   *names[2];   /* normalised key and label */
  gint                    synonym[2]; /* synonym group of each, or -1 */
  gboolean                mapped;
  char                   *reason;     /* why a candidate was refused */
  GHashTable             *options;    /* (owned) (nullable) normalised option value or label → index + 1 */
  GPtrArray              *seen;       /* (owned) (nullable) of ConcordValue*: the distinct values
                                       * of the sample, made on first use */
} ConcordMappingAutoField;

typedef struct
{
  GArray    *fields;  /* (owned) of ConcordMappingAutoField */
  GPtrArray *sample;  /* (nullable) (element-type ConcordRecord) */
} ConcordMappingAutoSide;

typedef struct
{
  ConcordMapping         *mapping;
  ConcordMappingAutoSide  sides[2];
} ConcordMappingAutoContext;

/* concord-mapping-auto.c */
/* Lower case, without accents, spaces, underscores, hyphens, dots or
 * slashes, the same in every locale. */
char       *concord_mapping_normalize_name (const char             *name);
/* Types the automatic mapping pairs without looking at values. */
gboolean    concord_mapping_types_safe     (ConcordFieldType        a,
                                            ConcordFieldType        b);
gboolean    concord_mapping_has_choices    (const ConcordFieldSpec *spec);

/* concord-mapping-auto-values.c */
/* Whether values flowing from @from onto @to arrive; adds the value map
 * they need to @value_pairs, as (a, b) pairs. */
gboolean    concord_mapping_direction_ok   (ConcordMappingAutoContext  *ctx,
                                            ConcordSide                 from_side,
                                            ConcordMappingAutoField    *from,
                                            ConcordMappingAutoField    *to,
                                            GPtrArray                  *value_pairs,
                                            char                      **reason);
/* The option of pick list @field that @text is; -1 if none. */
gint        concord_mapping_find_option    (ConcordMappingAutoField    *field,
                                            const char                 *text);
const char *concord_mapping_option_label   (const ConcordFieldSpec     *spec,
                                            guint                       index);

G_END_DECLS
