/* concord-rule-editor.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The Rules page of a connection: one ConcordRulePanel per direction
 * ("Shop → Newsletter", "Newsletter → Shop"). A direction a one-way
 * connection does not sync shows as not applicable, after the one it does.
 *
 * The editor edits the connection setup's rules in place (the setup is
 * borrowed: the connection page owns it, saves it and, after Discard,
 * hands a fresh one) and emits ::changed after every edit that changed
 * them. It never saves anything itself.
 */

#define G_LOG_DOMAIN "concord-rule-editor"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-rule-editor.h"
#include "concord-rule-panel.h"

struct _ConcordRuleEditor
{
  AdwBin            parent_instance;

  ConcordEngine    *engine;  /* (owned) */

  /* Template widgets */
  GtkStack         *stack;
  GtkBox           *panels;
  GtkWidget        *separator;
  ConcordRulePanel *panel_a;
  ConcordRulePanel *panel_b;
};

G_DEFINE_FINAL_TYPE (ConcordRuleEditor, concord_rule_editor, ADW_TYPE_BIN)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------------- */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------- */

static void
on_panel_changed (ConcordRuleEditor *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_rule_editor_dispose (GObject *object)
{
  ConcordRuleEditor *self = CONCORD_RULE_EDITOR (object);

  /* AdwBin drops its child (the template's stack) itself. */
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (concord_rule_editor_parent_class)->dispose (object);
}

static void
concord_rule_editor_class_init (ConcordRuleEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = concord_rule_editor_dispose;

  /**
   * ConcordRuleEditor::changed:
   *
   * Emitted after every edit that changed the setup's configuration.
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  g_type_ensure (CONCORD_TYPE_RULE_PANEL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/concordsync/Concord/ui/concord-rule-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleEditor, stack);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleEditor, panels);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleEditor, separator);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleEditor, panel_a);
  gtk_widget_class_bind_template_child (widget_class, ConcordRuleEditor, panel_b);
  gtk_widget_class_bind_template_callback (widget_class, on_panel_changed);
}

static void
concord_rule_editor_init (ConcordRuleEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_rule_editor_new:
 * @engine: the engine that counts the contacts a rule takes in
 *
 * Returns: (transfer floating): an editor showing no connection yet
 */
GtkWidget *
concord_rule_editor_new (ConcordEngine *engine)
{
  ConcordRuleEditor *self;

  g_return_val_if_fail (CONCORD_IS_ENGINE (engine), NULL);

  self = g_object_new (CONCORD_TYPE_RULE_EDITOR, NULL);
  self->engine = g_object_ref (engine);
  concord_rule_panel_set_engine (self->panel_a, engine);
  concord_rule_panel_set_engine (self->panel_b, engine);

  return GTK_WIDGET (self);
}

/**
 * concord_rule_editor_set_setup:
 * @setup: (nullable) (transfer none): the connection's setup, whose
 *   config->rules[] the editor changes in place; it must live until the
 *   next call. %NULL clears the editor
 * @name_a: (nullable): what side A is called ("Shop")
 * @name_b: (nullable): what side B is called ("Newsletter")
 */
void
concord_rule_editor_set_setup (ConcordRuleEditor      *self,
                               ConcordConnectionSetup *setup,
                               const char             *name_a,
                               const char             *name_b)
{
  ConcordRulePanel *panels[2];
  const char *names[2];
  GtkWidget *first, *second;

  g_return_if_fail (CONCORD_IS_RULE_EDITOR (self));

  if (setup == NULL || setup->config == NULL)
    {
      concord_rule_panel_clear (self->panel_a);
      concord_rule_panel_clear (self->panel_b);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  panels[0] = self->panel_a;
  panels[1] = self->panel_b;
  names[0] = name_a != NULL ? name_a : setup->app_id[0];
  names[1] = name_b != NULL ? name_b : setup->app_id[1];

  for (ConcordSide s = CONCORD_SIDE_A; s <= CONCORD_SIDE_B; s++)
    {
      ConcordSide t = CONCORD_SIDE_OTHER (s);

      if (concord_direction_flows (setup->direction, s) && setup->config->rules[s] != NULL)
        {
          concord_rule_panel_set_rules (panels[s], setup->connection_id, s, setup->config->rules[s],
                                       setup->fields[s], setup->fields[t], names[s], names[t]);
          if (setup->connection_id == 0)
            concord_rule_panel_set_source_account (panels[s], setup->account_id[s], setup->type[s]);
        }
      else
        concord_rule_panel_set_not_applicable (panels[s], names[s], names[t]);
    }

  /* The direction that syncs first. */
  first = GTK_WIDGET (setup->direction == CONCORD_DIRECTION_B_TO_A ? self->panel_b : self->panel_a);
  second = GTK_WIDGET (setup->direction == CONCORD_DIRECTION_B_TO_A ? self->panel_a : self->panel_b);
  gtk_box_reorder_child_after (self->panels, first, NULL);
  gtk_box_reorder_child_after (self->panels, self->separator, first);
  gtk_box_reorder_child_after (self->panels, second, self->separator);

  gtk_stack_set_visible_child_name (self->stack, "rules");
}
