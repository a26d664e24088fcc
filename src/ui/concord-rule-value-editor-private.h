/* concord-rule-value-editor-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What the parts of a rule's value editor share: the editor itself
 * (concord-rule-value-editor.c: helpers, dates, building, GObject and
 * API) and its several values: the chips and the suggestions
 * (concord-rule-value-editor-chips.c). */

#pragma once

#include <gtk/gtk.h>

#include "concord-rule-value-editor.h"

G_BEGIN_DECLS

struct _ConcordRuleValueEditor
{
  GtkBox                parent_instance;

  ConcordRuleValueKind  kind;
  char                **choices;   /* (owned) (nullable) */
  char                 *subject;   /* (owned) "condition 2" */
  char                 *date;      /* (owned) (nullable) DATE: "YYYY-MM-DD" */
  GPtrArray            *items;     /* (owned) MULTI: the chips' values */
  char                **suggestions; /* (owned) (nullable) */
  gboolean              updating;

  /* (unowned) children of the current kind */
  GtkWidget            *entry;     /* TEXT, NUMBER, MULTI without choices */
  GtkWidget            *spin;      /* DAYS */
  GtkWidget            *dropdown;  /* CHOICE, BOOLEAN, MULTI with choices */
  GtkWidget            *date_button;
  GtkWidget            *calendar;
  GtkWidget            *chips;     /* MULTI */
  GtkWidget            *add_button;
  GtkWidget            *suggest_button; /* TEXT, MULTI without choices */
  GtkListBox           *suggest_list;
};

/* concord-rule-value-editor.c */
void     concord_rule_value_editor_emit_changed       (ConcordRuleValueEditor *self);
void     concord_rule_value_editor_label_widget       (GtkWidget  *widget,
                                                       const char *text);
void     concord_rule_value_editor_update_labels      (ConcordRuleValueEditor *self);

/* concord-rule-value-editor-chips.c */
void     concord_rule_value_editor_rebuild_chips      (ConcordRuleValueEditor *self);
gboolean concord_rule_value_editor_add_item           (ConcordRuleValueEditor *self,
                                                       const char             *text);
void     concord_rule_value_editor_on_add_clicked_cb  (GtkWidget              *widget,
                                                       ConcordRuleValueEditor *self);
void     concord_rule_value_editor_fill_suggestions   (ConcordRuleValueEditor *self);
void     concord_rule_value_editor_add_suggest_button (ConcordRuleValueEditor *self,
                                                       GtkWidget              *box);

G_END_DECLS
