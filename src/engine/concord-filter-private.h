/* concord-filter-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/*
 * What the filter's files share: the tree itself and the parsing of the
 * values conditions compare with (concord-filter.c builds and reads
 * filters, concord-filter-eval.c evaluates them).
 */

#include "concord-filter.h"

G_BEGIN_DECLS

struct _ConcordFilter
{
  gatomicrefcount   ref_count;
  gboolean          negate;
  /* group */
  gboolean          is_group;
  gboolean          any;
  GPtrArray        *children;  /* (owned) (nullable) of ConcordFilter */
  /* condition */
  char             *field;
  GQuark            field_quark;
  ConcordFieldType  type;
  ConcordFilterOp   op;
  char            **values;    /* (owned) */
};

gboolean concord_filter_parse_number (const char *text,
                                      double     *number);
/* Unix seconds of "YYYY-MM-DD" (midnight UTC) or an ISO 8601 date-time. */
gboolean concord_filter_parse_time   (const char *text,
                                      gint64     *seconds);

G_END_DECLS
