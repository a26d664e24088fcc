/* concord-filter.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "concord-record.h"

G_BEGIN_DECLS

/**
 * ConcordFilterOp:
 *
 * What a condition tests. Which operators fit which field type is
 * concord_filter_op_fits(); text comparisons ignore case.
 */
typedef enum
{
  CONCORD_FILTER_IS,
  CONCORD_FILTER_IS_NOT,
  CONCORD_FILTER_CONTAINS,
  CONCORD_FILTER_NOT_CONTAINS,
  CONCORD_FILTER_STARTS_WITH,
  CONCORD_FILTER_IS_EMPTY,
  CONCORD_FILTER_IS_NOT_EMPTY,
  CONCORD_FILTER_IS_ONE_OF,
  CONCORD_FILTER_GREATER,
  CONCORD_FILTER_LESS,
  CONCORD_FILTER_BEFORE,
  CONCORD_FILTER_AFTER,
  CONCORD_FILTER_WITHIN_LAST_DAYS,
  CONCORD_FILTER_IS_TRUE,
  CONCORD_FILTER_IS_FALSE,
} ConcordFilterOp;

const char *concord_filter_op_to_string   (ConcordFilterOp   op);
gboolean    concord_filter_op_from_string (const char       *name,
                                           ConcordFilterOp  *op);
gboolean    concord_filter_op_fits        (ConcordFilterOp   op,
                                           ConcordFieldType  type);
int         concord_filter_op_arity       (ConcordFilterOp   op);

/**
 * ConcordFilter:
 *
 * A tree of conditions joined by all/any, each node negatable: which
 * records of a side a direction's rule takes in.
 */
typedef struct _ConcordFilter ConcordFilter;

ConcordFilter *concord_filter_new_group     (gboolean             any);
ConcordFilter *concord_filter_new_condition (const char          *field,
                                             ConcordFieldType     type,
                                             ConcordFilterOp      op,
                                             const char * const  *values);
ConcordFilter *concord_filter_ref           (ConcordFilter       *self);
void           concord_filter_unref         (ConcordFilter       *self);
void           concord_filter_add           (ConcordFilter       *group,
                                             ConcordFilter       *child);
void           concord_filter_set_negate    (ConcordFilter       *self,
                                             gboolean             negate);

gboolean       concord_filter_validate      (const ConcordFilter *self,
                                             GError             **error);
gboolean       concord_filter_matches       (const ConcordFilter *self,
                                             const ConcordRecord *record,
                                             gint64               now);
char          *concord_filter_explain       (const ConcordFilter *self,
                                             const ConcordRecord *record,
                                             gint64               now);

char          *concord_filter_describe      (const ConcordFilter *self);

gboolean       concord_filter_scope         (const ConcordRecord *record,
                                             gpointer             filter);

JsonNode      *concord_filter_to_json       (const ConcordFilter *self);
ConcordFilter *concord_filter_new_from_json (JsonNode            *node,
                                             const char          *path,
                                             GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordFilter, concord_filter_unref)

G_END_DECLS
