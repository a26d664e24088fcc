/* concord-rule-action-row.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "concord-rules.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_RULE_ACTION_ROW (concord_rule_action_row_get_type ())

G_DECLARE_FINAL_TYPE (ConcordRuleActionRow, concord_rule_action_row, CONCORD, RULE_ACTION_ROW, GtkListBoxRow)

gboolean       concord_rule_action_row_can_act     (GPtrArray            *fields);
GtkWidget     *concord_rule_action_row_new         (GPtrArray            *fields,
                                                    GHashTable           *values);
void           concord_rule_action_row_refresh_suggestions (ConcordRuleActionRow *self);
void           concord_rule_action_row_set_number  (ConcordRuleActionRow *self,
                                                    guint                 number);
gboolean       concord_rule_action_row_load        (ConcordRuleActionRow *self,
                                                    const ConcordAction  *action);
ConcordAction *concord_rule_action_row_build       (ConcordRuleActionRow *self);
const char    *concord_rule_action_row_get_problem (ConcordRuleActionRow *self);

G_END_DECLS
