/* concord-convert.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-record.h"

G_BEGIN_DECLS

gboolean concord_value_convert (const ConcordValue  *in,
                                ConcordFieldType     to,
                                const char          *format,
                                ConcordValue        *out,
                                GError             **error);

/**
 * ConcordConversionLoss:
 * @CONCORD_CONVERSION_LOSSLESS: every value arrives, perhaps written
 *   differently (a number as text, a date as midnight)
 * @CONCORD_CONVERSION_LOSSY: some values arrive changed (a time of day
 *   dropped) or not at all (text that is not a number)
 * @CONCORD_CONVERSION_IMPOSSIBLE: no value converts; the mapping refuses
 *   such a pair
 *
 * How much of a field's values survive being written to a field of
 * another type.
 */
typedef enum
{
  CONCORD_CONVERSION_LOSSLESS,
  CONCORD_CONVERSION_LOSSY,
  CONCORD_CONVERSION_IMPOSSIBLE,
} ConcordConversionLoss;

ConcordConversionLoss concord_conversion_loss (ConcordFieldType   from,
                                               ConcordFieldType   to,
                                               const char       **reason);

/**
 * ConcordValueMap:
 *
 * Pairs of values between two pick-list fields ("Customer" ↔ "active"),
 * with what an unmapped value becomes.
 */
typedef struct _ConcordValueMap ConcordValueMap;

ConcordValueMap *concord_value_map_new           (const char             *fallback);
ConcordValueMap *concord_value_map_ref           (ConcordValueMap        *self);
void             concord_value_map_unref         (ConcordValueMap        *self);
void             concord_value_map_add           (ConcordValueMap        *self,
                                                  const char             *from,
                                                  const char             *to);
const char      *concord_value_map_apply         (const ConcordValueMap  *self,
                                                  const char             *from);
gboolean         concord_value_map_is_one_to_one (const ConcordValueMap  *self,
                                                  char                  **clash);
ConcordValueMap *concord_value_map_invert        (const ConcordValueMap  *self,
                                                  GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordValueMap, concord_value_map_unref)

G_END_DECLS
