/* concord-rule-row.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "concord-rules.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_RULE_ROW (concord_rule_row_get_type ())

G_DECLARE_FINAL_TYPE (ConcordRuleRow, concord_rule_row, CONCORD, RULE_ROW, AdwActionRow)

GtkWidget   *concord_rule_row_new         (ConcordRule    *rule);
ConcordRule *concord_rule_row_get_rule    (ConcordRuleRow *self);
void         concord_rule_row_update      (ConcordRuleRow *self,
                                           guint           index,
                                           guint           n_rules,
                                           const char     *summary);
void         concord_rule_row_set_count   (ConcordRuleRow *self,
                                           const char     *text);
void         concord_rule_row_set_editing (ConcordRuleRow *self,
                                           gboolean        editing);

G_END_DECLS
