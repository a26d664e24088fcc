/* concord-rule-editor.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "concord-engine.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_RULE_EDITOR (concord_rule_editor_get_type ())

G_DECLARE_FINAL_TYPE (ConcordRuleEditor, concord_rule_editor, CONCORD, RULE_EDITOR, AdwBin)

GtkWidget *concord_rule_editor_new       (ConcordEngine          *engine);
void       concord_rule_editor_set_setup (ConcordRuleEditor      *self,
                                          ConcordConnectionSetup *setup,
                                          const char             *name_a,
                                          const char             *name_b);

G_END_DECLS
