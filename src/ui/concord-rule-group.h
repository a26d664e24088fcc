/* concord-rule-group.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "concord-filter.h"

G_BEGIN_DECLS

/* How deep groups nest: the rule's own group is depth 0. */
#define CONCORD_RULE_GROUP_MAX_DEPTH 3

#define CONCORD_TYPE_RULE_GROUP (concord_rule_group_get_type ())

G_DECLARE_FINAL_TYPE (ConcordRuleGroup, concord_rule_group, CONCORD, RULE_GROUP, GtkBox)

GtkWidget     *concord_rule_group_new            (GPtrArray        *fields,
                                                  GHashTable       *values,
                                                  guint             depth);
void           concord_rule_group_refresh_suggestions (ConcordRuleGroup *self);
void           concord_rule_group_set_number     (ConcordRuleGroup *self,
                                                  const char       *number);
void           concord_rule_group_set_title      (ConcordRuleGroup *self,
                                                  const char       *title);
void           concord_rule_group_load           (ConcordRuleGroup *self,
                                                  JsonObject       *group);
ConcordFilter *concord_rule_group_build          (ConcordRuleGroup *self,
                                                  guint            *n_problems);
guint          concord_rule_group_get_n_children (ConcordRuleGroup *self);
GtkWidget     *concord_rule_group_add_condition  (ConcordRuleGroup *self);
GtkWidget     *concord_rule_group_add_group      (ConcordRuleGroup *self);
GtkBox        *concord_rule_group_get_footer     (ConcordRuleGroup *self);

G_END_DECLS
