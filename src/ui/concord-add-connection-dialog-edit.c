/* concord-add-connection-dialog-edit.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The Edit buttons of the Rules and Field Mapping steps: the same editors
 * as a connection's page, in a window over the dialog, on a copy of what
 * the dialog would store. Done keeps the copy (the dialog then stores it,
 * with the direction step's switches, which the rules' own switches
 * follow); Cancel drops it.
 */

#define G_LOG_DOMAIN "concord-add-connection-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-add-connection-dialog-private.h"
#include "concord-mapping-editor.h"
#include "concord-rule-editor.h"

/**
 * _concord_add_connection_dialog_current_config:
 *
 * What the dialog would store: the edited rules and mapping (or the
 * defaults and the automatic mapping), with the direction step's switches.
 *
 * Returns: (transfer full): a config
 */
ConcordConnectionConfig *
_concord_add_connection_dialog_current_config (ConcordAddConnectionDialog *self)
{
  ConcordConnectionConfig *config = NULL;

  if (self->edited != NULL)
    {
      g_autofree char *json = concord_connection_config_to_json (self->edited, NULL);
      g_autoptr(GError) error = NULL;

      /* Checked by the editors: a copy always reads back. */
      config = concord_connection_config_new_from_json (json, &error);
      if (config == NULL)
        g_critical ("The edited rules do not read back: %s", error->message);
    }
  if (config == NULL)
    config = concord_connection_config_new ();

  /* rules[X] is the rule of the direction from X. */
  for (guint s = 0; s < 2; s++)
    {
      concord_rule_list_set_enabled (config->rules[s], gtk_switch_get_active (rule_switch (self, s)));
      concord_rule_list_set_create (config->rules[s], gtk_switch_get_active (create_switch (self, s)));
    }

  return config;
}

void
_concord_add_connection_dialog_forget_edits (ConcordAddConnectionDialog *self)
{
  g_clear_pointer (&self->edited, concord_connection_config_free);
}

/* ------------------------------------------------------------------------- */

typedef struct
{
  ConcordAddConnectionDialog *dialog;   /* (owned) */
  ConcordConnectionSetup     *setup;    /* (owned) */
  GtkWidget                  *window;   /* (unowned) */
  GtkWidget                  *editor;   /* (unowned) */
} Editing;

static void
editing_free (Editing *editing)
{
  g_clear_object (&editing->dialog);
  g_clear_pointer (&editing->setup, concord_connection_setup_free);
  g_free (editing);
}

static void
detach_editor (Editing *editing)
{
  /* The editor lets go of the setup before the setup goes. */
  if (CONCORD_IS_RULE_EDITOR (editing->editor))
    concord_rule_editor_set_setup (CONCORD_RULE_EDITOR (editing->editor), NULL, NULL, NULL);
  else
    concord_mapping_editor_set_setup (CONCORD_MAPPING_EDITOR (editing->editor), NULL, NULL, NULL);
}

static void
on_done_clicked (GtkButton *button,
                 Editing   *editing)
{
  ConcordAddConnectionDialog *self = editing->dialog;

  detach_editor (editing);
  g_clear_pointer (&self->edited, concord_connection_config_free);
  self->edited = g_steal_pointer (&editing->setup->config);
  if (self->edited->mapping != NULL && editing->setup->automatic &&
      CONCORD_IS_RULE_EDITOR (editing->editor))
    /* Only the rules were edited: the mapping stays automatic. */
    g_clear_pointer (&self->edited->mapping, concord_mapping_unref);

  /* The direction step's switches follow the rules' own. */
  for (guint s = 0; s < 2; s++)
    {
      gtk_switch_set_active (rule_switch (self, s), concord_rule_list_get_enabled (self->edited->rules[s]));
      gtk_switch_set_active (create_switch (self, s), concord_rule_list_get_create (self->edited->rules[s]));
    }

  _concord_add_connection_dialog_build_rules_page (self);
  _concord_add_connection_dialog_show_mapping (self);
  gtk_window_destroy (GTK_WINDOW (editing->window));
}

static void
on_cancel_clicked (GtkButton *button,
                   Editing   *editing)
{
  detach_editor (editing);
  gtk_window_destroy (GTK_WINDOW (editing->window));
}

static ConcordConnectionSetup *
make_setup (ConcordAddConnectionDialog *self)
{
  ConcordConnectionSetup *setup = g_new0 (ConcordConnectionSetup, 1);

  for (guint s = 0; s < 2; s++)
    {
      setup->app_id[s] = g_strdup (concord_add_connection_side_get_app (side_widget (self, s))->id);
      setup->account_id[s] = g_strdup (concord_add_connection_side_get_account_id (side_widget (self, s)));
      setup->type[s] = g_strdup (self->type_ids[s]);
      setup->fields[s] = g_ptr_array_ref (self->schemas[s]);
    }
  /* No connection yet: the rule editor counts the accounts' contacts. */
  setup->connection_id = 0;
  setup->direction = get_direction (self);
  setup->config = _concord_add_connection_dialog_current_config (self);
  setup->automatic = setup->config->mapping == NULL;
  if (setup->config->mapping == NULL)
    setup->config->mapping = concord_mapping_new_auto_sampled (self->schemas[0], self->schemas[1],
                                                               self->samples[0], self->samples[1], NULL);

  return setup;
}

/**
 * _concord_add_connection_dialog_edit:
 * @mapping: %TRUE for the field mapping, %FALSE for the rules
 *
 * Opens an editor over the dialog. The apps' fields must be loaded.
 */
void
_concord_add_connection_dialog_edit (ConcordAddConnectionDialog *self,
                                     gboolean                    mapping)
{
  Editing *editing;
  GtkWidget *header, *box, *cancel, *done;
  const char *name_a = account_name (self, CONCORD_SIDE_A);
  const char *name_b = account_name (self, CONCORD_SIDE_B);

  if (self->schemas[0] == NULL || self->schemas[1] == NULL)
    return;

  editing = g_new0 (Editing, 1);
  editing->dialog = g_object_ref (self);
  editing->setup = make_setup (self);

  editing->window = adw_window_new ();
  gtk_widget_set_name (editing->window, mapping ? "mapping-editor-window" : "rules-editor-window");
  gtk_window_set_title (GTK_WINDOW (editing->window), mapping ? _("Edit Field Mapping") : _("Edit Rules"));
  gtk_window_set_modal (GTK_WINDOW (editing->window), TRUE);
  gtk_window_set_transient_for (GTK_WINDOW (editing->window), GTK_WINDOW (self));
  gtk_window_set_default_size (GTK_WINDOW (editing->window), 960, 720);
  g_object_set_data_full (G_OBJECT (editing->window), "concord-editing", editing,
                          (GDestroyNotify) editing_free);

  header = adw_header_bar_new ();
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  gtk_widget_set_name (cancel, "editor-cancel-button");
  g_signal_connect (cancel, "clicked", G_CALLBACK (on_cancel_clicked), editing);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  done = gtk_button_new_with_mnemonic (_("_Done"));
  gtk_widget_set_name (done, "editor-done-button");
  gtk_widget_add_css_class (done, "suggested-action");
  g_signal_connect (done, "clicked", G_CALLBACK (on_done_clicked), editing);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), done);

  if (mapping)
    {
      editing->editor = concord_mapping_editor_new ();
      concord_mapping_editor_set_setup (CONCORD_MAPPING_EDITOR (editing->editor), editing->setup,
                                        name_a, name_b);
    }
  else
    {
      editing->editor = concord_rule_editor_new (self->engine);
      concord_rule_editor_set_setup (CONCORD_RULE_EDITOR (editing->editor), editing->setup,
                                     name_a, name_b);
    }
  gtk_widget_set_vexpand (editing->editor, TRUE);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), editing->editor);
  adw_window_set_content (ADW_WINDOW (editing->window), box);

  /* Escape cancels, as in the dialog. */
  {
    GtkEventController *shortcuts = gtk_shortcut_controller_new ();

    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                            g_object_ref (gtk_activate_action_get ())));
    gtk_widget_add_controller (cancel, shortcuts);
    gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts), GTK_SHORTCUT_SCOPE_MANAGED);
  }
  gtk_window_set_default_widget (GTK_WINDOW (editing->window), done);
  gtk_window_present (GTK_WINDOW (editing->window));
  /* The keyboard starts in the editor, not on Cancel (where the first
   * Enter or Space would throw the editing away). */
  gtk_widget_child_focus (editing->editor, GTK_DIR_TAB_FORWARD);
}
