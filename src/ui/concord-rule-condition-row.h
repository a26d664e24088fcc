/* concord-rule-condition-row.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "concord-fields.h"
#include "concord-filter.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_RULE_CONDITION_ROW (concord_rule_condition_row_get_type ())

G_DECLARE_FINAL_TYPE (ConcordRuleConditionRow, concord_rule_condition_row, CONCORD, RULE_CONDITION_ROW, GtkListBoxRow)

GtkWidget     *concord_rule_condition_row_new        (GPtrArray               *fields,
                                                      GHashTable              *values);
void           concord_rule_condition_row_refresh_suggestions (ConcordRuleConditionRow *self);
void           concord_rule_condition_row_set_number (ConcordRuleConditionRow *self,
                                                      const char              *number);
gboolean       concord_rule_condition_row_load       (ConcordRuleConditionRow *self,
                                                      JsonObject              *condition);
ConcordFilter *concord_rule_condition_row_build      (ConcordRuleConditionRow *self);
const char    *concord_rule_condition_row_get_problem (ConcordRuleConditionRow *self);

/* Shared with the action rows: how a field and an operator read. */
const char    *concord_rule_field_label              (const ConcordFieldSpec  *spec);
const char    *concord_rule_op_label                 (ConcordFilterOp          op,
                                                      ConcordFieldType         type);
gboolean       concord_rule_parse_number             (const char              *text,
                                                      char                   **normalized);

G_END_DECLS
