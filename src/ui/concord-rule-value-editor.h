/* concord-rule-value-editor.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * ConcordRuleValueKind:
 * @CONCORD_RULE_VALUE_NONE: no value (e.g. "is empty")
 * @CONCORD_RULE_VALUE_TEXT: free text
 * @CONCORD_RULE_VALUE_NUMBER: a number, typed
 * @CONCORD_RULE_VALUE_DAYS: a whole number of days
 * @CONCORD_RULE_VALUE_DATE: a day, picked in a calendar ("YYYY-MM-DD")
 * @CONCORD_RULE_VALUE_CHOICE: one of the field's allowed values
 * @CONCORD_RULE_VALUE_BOOLEAN: yes or no ("true" / "false")
 * @CONCORD_RULE_VALUE_MULTI: one value or more, as removable chips
 *
 * Which editor fits a field's type and an operator or action.
 */
typedef enum
{
  CONCORD_RULE_VALUE_NONE,
  CONCORD_RULE_VALUE_TEXT,
  CONCORD_RULE_VALUE_NUMBER,
  CONCORD_RULE_VALUE_DAYS,
  CONCORD_RULE_VALUE_DATE,
  CONCORD_RULE_VALUE_CHOICE,
  CONCORD_RULE_VALUE_BOOLEAN,
  CONCORD_RULE_VALUE_MULTI,
} ConcordRuleValueKind;

#define CONCORD_TYPE_RULE_VALUE_EDITOR (concord_rule_value_editor_get_type ())

G_DECLARE_FINAL_TYPE (ConcordRuleValueEditor, concord_rule_value_editor, CONCORD, RULE_VALUE_EDITOR, GtkBox)

GtkWidget            *concord_rule_value_editor_new         (void);
void                  concord_rule_value_editor_configure   (ConcordRuleValueEditor *self,
                                                             ConcordRuleValueKind    kind,
                                                             const char * const     *choices,
                                                             const char             *subject);
ConcordRuleValueKind  concord_rule_value_editor_get_kind    (ConcordRuleValueEditor *self);
void                  concord_rule_value_editor_set_subject (ConcordRuleValueEditor *self,
                                                             const char             *subject);
void                  concord_rule_value_editor_set_values  (ConcordRuleValueEditor *self,
                                                             const char * const     *values);
char                **concord_rule_value_editor_get_values  (ConcordRuleValueEditor *self);
void                  concord_rule_value_editor_set_suggestions (ConcordRuleValueEditor *self,
                                                                 const char * const     *values);

/* The hint under a rule's row: why it is incomplete (quiet, with an
 * information icon) or invalid (a warning); hidden for %NULL. */
void                  concord_rule_hint_show                (GtkWidget              *box,
                                                             GtkImage               *icon,
                                                             GtkLabel               *label,
                                                             const char             *problem,
                                                             gboolean                invalid);

G_END_DECLS
