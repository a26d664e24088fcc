/* concord-rules-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/*
 * What the rules' files share: a rule (concord-rules.c), which a
 * direction's list of rules (concord-rules-list.c) reads to pick the one
 * that applies, and reading a rule's filter and actions from JSON, for
 * both versions of the document.
 */

#include "concord-rules.h"

G_BEGIN_DECLS

struct _ConcordRule
{
  gatomicrefcount  ref_count;
  char            *name;     /* (nullable) */
  gboolean         enabled;
  gboolean         sync;
  ConcordFilter   *filter;   /* (nullable) */
  GPtrArray       *actions;  /* of ConcordAction */
};

/* The filter and the actions of a rule (of either version) at @path. */
gboolean concord_rule_read_filter_and_actions (ConcordRule  *self,
                                               JsonObject   *object,
                                               const char   *path,
                                               GError      **error);

G_END_DECLS
