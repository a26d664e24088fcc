/* concord-rule-panel.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "concord-engine.h"
#include "concord-rules.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_RULE_PANEL (concord_rule_panel_get_type ())

G_DECLARE_FINAL_TYPE (ConcordRulePanel, concord_rule_panel, CONCORD, RULE_PANEL, GtkBox)

GtkWidget *concord_rule_panel_new      (ConcordEngine    *engine);
void       concord_rule_panel_set_engine (ConcordRulePanel *self,
                                          ConcordEngine    *engine);
void       concord_rule_panel_set_rules (ConcordRulePanel *self,
                                         gint64            connection_id,
                                         ConcordSide       source,
                                         ConcordRuleList  *list,
                                         GPtrArray        *source_fields,
                                         GPtrArray        *target_fields,
                                         const char       *source_name,
                                         const char       *target_name);
void       concord_rule_panel_set_source_account (ConcordRulePanel *self,
                                                  const char       *account_id,
                                                  const char       *type);
void       concord_rule_panel_set_not_applicable (ConcordRulePanel *self,
                                                  const char       *source_name,
                                                  const char       *target_name);
void       concord_rule_panel_clear    (ConcordRulePanel *self);

G_END_DECLS
