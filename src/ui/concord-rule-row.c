/* concord-rule-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * One rule in a direction's list: its name (or "Rule N"), a one-line
 * "If … then …" summary with a live count of the contacts it matches, its
 * "sync these contacts" and on/off switches, and a menu to move it up or
 * down or remove it. Activating the row opens the rule in the editor
 * below the list (::edit). The switches write the rule (referenced) and
 * emit ::changed; moving and removing are the panel's to do.
 */

#define G_LOG_DOMAIN "concord-rule-row"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-rule-row.h"

struct _ConcordRuleRow
{
  AdwActionRow  parent_instance;

  ConcordRule  *rule;       /* (owned) */
  char         *summary;    /* (owned) (nullable) */
  char         *count;      /* (owned) (nullable) */
  gboolean      loading;

  /* Template widgets */
  GtkImage     *editing_icon;
  GtkSwitch    *sync_switch;
  GtkSwitch    *enabled_switch;
  GtkMenuButton *menu_button;
  GtkButton    *up_button;
  GtkButton    *down_button;
  GtkButton    *remove_button;
};

G_DEFINE_FINAL_TYPE (ConcordRuleRow, concord_rule_row, ADW_TYPE_ACTION_ROW)

enum {
  EDIT,
  CHANGED,
  MOVE,
  REMOVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void
set_accessible_label (gpointer    widget,
                      const char *text)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

static void
show_subtitle (ConcordRuleRow *self)
{
  g_autofree char *text = NULL;

  if (self->count != NULL && *self->count != '\0')
    text = g_strdup_printf ("%s\n%s", self->summary != NULL ? self->summary : "", self->count);
  else
    text = g_strdup (self->summary != NULL ? self->summary : "");
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), text);
}

/* ------------------------------------------------------------------------- */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------- */

static void
on_switch_changed (ConcordRuleRow *self)
{
  if (self->loading)
    return;

  concord_rule_set_enabled (self->rule, gtk_switch_get_active (self->enabled_switch));
  concord_rule_set_sync (self->rule, gtk_switch_get_active (self->sync_switch));
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
on_up_clicked (ConcordRuleRow *self)
{
  gtk_menu_button_popdown (self->menu_button);
  g_signal_emit (self, signals[MOVE], 0, -1);
}

static void
on_down_clicked (ConcordRuleRow *self)
{
  gtk_menu_button_popdown (self->menu_button);
  g_signal_emit (self, signals[MOVE], 0, 1);
}

static void
on_remove_clicked (ConcordRuleRow *self)
{
  gtk_menu_button_popdown (self->menu_button);
  g_signal_emit (self, signals[REMOVE], 0);
}

static void
on_activated_cb (ConcordRuleRow *self)
{
  g_signal_emit (self, signals[EDIT], 0);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_rule_row_dispose (GObject *object)
{
  ConcordRuleRow *self = CONCORD_RULE_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (object), CONCORD_TYPE_RULE_ROW);
  g_clear_pointer (&self->rule, concord_rule_unref);

  G_OBJECT_CLASS (concord_rule_row_parent_class)->dispose (object);
}

static void
concord_rule_row_finalize (GObject *object)
{
  ConcordRuleRow *self = CONCORD_RULE_ROW (object);

  g_free (self->summary);
  g_free (self->count);

  G_OBJECT_CLASS (concord_rule_row_parent_class)->finalize (object);
}

static void
concord_rule_row_class_init (ConcordRuleRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = concord_rule_row_dispose;
  object_class->finalize = concord_rule_row_finalize;

  /**
   * ConcordRuleRow::edit:
   *
   * The user wants to edit the rule's conditions and actions.
   */
  signals[EDIT] = g_signal_new ("edit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                NULL, G_TYPE_NONE, 0);
  /**
   * ConcordRuleRow::changed:
   *
   * A switch of the rule changed; the rule holds it already.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 0);
  /**
   * ConcordRuleRow::move:
   * @delta: -1 (up) or 1 (down)
   */
  signals[MOVE] = g_signal_new ("move", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  /**
   * ConcordRuleRow::remove:
   */
  signals[REMOVE] = g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                  NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/concordsync/Concord/ui/concord-rule-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleRow, editing_icon);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleRow, sync_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleRow, enabled_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleRow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleRow, up_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleRow, down_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleRow, remove_button);
  gtk_widget_class_bind_template_callback (widget_class, on_switch_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_up_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_down_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_clicked);
}

static void
concord_rule_row_init (ConcordRuleRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "activated", G_CALLBACK (on_activated_cb), NULL);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_rule_row_new:
 * @rule: (transfer none): the rule (referenced); its switches are edited
 *   in place
 */
GtkWidget *
concord_rule_row_new (ConcordRule *rule)
{
  ConcordRuleRow *self;

  g_return_val_if_fail (rule != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_RULE_ROW, NULL);
  self->rule = concord_rule_ref (rule);
  return GTK_WIDGET (self);
}

ConcordRule *
concord_rule_row_get_rule (ConcordRuleRow *self)
{
  g_return_val_if_fail (CONCORD_IS_RULE_ROW (self), NULL);

  return self->rule;
}

/**
 * concord_rule_row_update:
 * @index: the rule's place in its list, from 0
 * @n_rules: how many rules the list has
 * @summary: the rule in one line, "If … then …"
 *
 * Shows the rule as it is now.
 */
void
concord_rule_row_update (ConcordRuleRow *self,
                         guint           index,
                         guint           n_rules,
                         const char     *summary)
{
  const char *name;
  g_autofree char *title = NULL;
  g_autofree char *text = NULL;

  g_return_if_fail (CONCORD_IS_RULE_ROW (self));

  name = concord_rule_get_name (self->rule);
  /* Translators: a rule without a name; %u is its place in the list */
  title = name != NULL ? g_strdup (name) : g_strdup_printf (_("Rule %u"), index + 1);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (self), FALSE);
  g_free (self->summary);
  self->summary = g_strdup (summary);
  show_subtitle (self);

  self->loading = TRUE;
  gtk_switch_set_active (self->sync_switch, concord_rule_get_sync (self->rule));
  gtk_switch_set_active (self->enabled_switch, concord_rule_get_enabled (self->rule));
  self->loading = FALSE;

  gtk_widget_set_sensitive (GTK_WIDGET (self->up_button), index > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->down_button), index + 1 < n_rules);

  /* Translators: an accessible name; %s is a rule's name or "Rule 2" */
  text = g_strdup_printf (_("Sync the contacts %s matches"), title);
  set_accessible_label (self->sync_switch, text);
  g_clear_pointer (&text, g_free);
  /* Translators: an accessible name; %s is a rule's name or "Rule 2" */
  text = g_strdup_printf (_("Use %s"), title);
  set_accessible_label (self->enabled_switch, text);
  g_clear_pointer (&text, g_free);
  /* Translators: an accessible name; %s is a rule's name or "Rule 2" */
  text = g_strdup_printf (_("Move or remove %s"), title);
  set_accessible_label (self->menu_button, text);
}

/**
 * concord_rule_row_set_count:
 * @text: (nullable): how many contacts the rule matches, for people
 */
void
concord_rule_row_set_count (ConcordRuleRow *self,
                            const char     *text)
{
  g_return_if_fail (CONCORD_IS_RULE_ROW (self));

  g_free (self->count);
  self->count = g_strdup (text);
  show_subtitle (self);
}

/**
 * concord_rule_row_set_editing:
 *
 * Marks the row whose rule the editor below shows.
 */
void
concord_rule_row_set_editing (ConcordRuleRow *self,
                              gboolean        editing)
{
  g_return_if_fail (CONCORD_IS_RULE_ROW (self));

  gtk_widget_set_opacity (GTK_WIDGET (self->editing_icon), editing ? 1.0 : 0.0);
  if (editing)
    gtk_widget_add_css_class (GTK_WIDGET (self), "editing");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "editing");
  gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_SELECTED, editing, -1);
}
