/* concord-rule-panel-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What the parts of a rule panel share: the panel itself
 * (concord-rule-panel.c: its callbacks, fields, GObject and API), its
 * counting and the values in use (concord-rule-panel-count.c) and its
 * list of rules and the rule being written (concord-rule-panel-rules.c). */

#pragma once

#include <adwaita.h>

#include "concord-rule-group.h"
#include "concord-rule-panel.h"
#include "concord-rule-row.h"

G_BEGIN_DECLS

/* How long after the last change a count starts. */
#define CONCORD_RULE_PANEL_COUNT_DELAY_MS 300

struct _ConcordRulePanel
{
  GtkBox            parent_instance;

  ConcordEngine    *engine;         /* (owned) */
  ConcordRuleList  *list;           /* (owned) (nullable) borrowed from the setup, referenced */
  ConcordRule      *rule;           /* (owned) (nullable) the rule of @list being edited */
  GCancellable     *rows_cancellable; /* (owned) (nullable) the counts of the rows */
  gint64            connection_id;
  char             *account_id;   /* (owned) (nullable): counted when connection_id is 0 */
  char             *type;         /* (owned) (nullable) */
  ConcordSide       source;
  GPtrArray        *source_fields;  /* (owned) (nullable) */
  GPtrArray        *target_fields;  /* (owned) (nullable) */
  char             *source_name;    /* (owned) */
  char             *target_name;    /* (owned) */
  ConcordRuleGroup *root;           /* (unowned) (nullable) */
  char             *counted;        /* (owned) (nullable) the filter last counted, as JSON */
  GCancellable     *count_cancellable; /* (owned) (nullable) */
  GHashTable       *values[2];      /* (owned) (nullable) per side: field key → GStrv in use */
  GCancellable     *values_cancellable; /* (owned) (nullable) */
  guint             count_id;
  gboolean          loading;

  /* Template widgets */
  GtkLabel         *title_label;
  GtkLabel         *subtitle_label;
  GtkStack         *stack;
  GtkSwitch        *enabled_switch;
  GtkWidget        *create_box;
  GtkSwitch        *create_switch;
  AdwPreferencesGroup *settings_group;
  AdwComboRow      *unmatched_row;
  AdwPreferencesGroup *rules_group;
  GtkListBox       *rules_list;
  GtkButton        *add_rule_button;
  AdwPreferencesGroup *name_group;
  AdwEntryRow      *name_row;
  AdwPreferencesGroup *if_group;
  GtkBox           *filter_box;
  GtkWidget        *count_box;
  GtkWidget        *count_box_ref;  /* (owned) it moves into the rule's group */
  GtkStack         *count_icon_stack;
  GtkSpinner       *count_spinner;
  GtkLabel         *count_label;
  GtkLabel         *sample_label;
  AdwPreferencesGroup *then_group;
  GtkListBox       *actions_list;
  GtkButton        *add_action_button;
  GtkLabel         *not_applicable_label;
};

/* concord-rule-panel.c */
void            concord_rule_panel_emit_changed         (ConcordRulePanel *self);
void            concord_rule_panel_load_rule            (ConcordRulePanel *self,
                                                         int               index);

/* concord-rule-panel-count.c */
void            concord_rule_panel_set_accessible_label (gpointer    widget,
                                                         const char *text);
char           *concord_rule_panel_rule_json            (ConcordRuleList *list);
void            concord_rule_panel_clear_actions        (ConcordRulePanel *self);
void            concord_rule_panel_renumber_actions     (ConcordRulePanel *self);
void            concord_rule_panel_update_sensitivity   (ConcordRulePanel *self);
void            concord_rule_panel_show_count_busy      (ConcordRulePanel *self,
                                                         gboolean          busy);
void            concord_rule_panel_count_source         (ConcordRulePanel    *self,
                                                         ConcordFilter       *filter,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             data);
void            concord_rule_panel_start_count          (ConcordRulePanel *self);
void            concord_rule_panel_queue_count          (ConcordRulePanel *self);
void            concord_rule_panel_request_values       (ConcordRulePanel *self);

/* concord-rule-panel-rules.c */
ConcordRuleRow *concord_rule_panel_row_of_rule          (ConcordRulePanel *self,
                                                         ConcordRule      *rule);
char           *concord_rule_panel_count_text           (guint    n_matching,
                                                         guint    n_total,
                                                         gboolean everyone);
void            concord_rule_panel_count_rows           (ConcordRulePanel *self);
void            concord_rule_panel_clear_rows           (ConcordRulePanel *self);
void            concord_rule_panel_rebuild_rows         (ConcordRulePanel *self);
void            concord_rule_panel_on_add_rule_clicked  (ConcordRulePanel *self);
void            concord_rule_panel_on_unmatched_changed (ConcordRulePanel *self);
void            concord_rule_panel_on_name_changed      (ConcordRulePanel *self);
void            concord_rule_panel_commit               (ConcordRulePanel *self);

G_END_DECLS
