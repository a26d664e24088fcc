/* concord-add-connection-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The Add Connection flow: one page per step in a GtkStack, Back and Next
 * (then Turn On) in the header bar, Cancel and Escape to leave.
 *
 *   1. authorize  both apps' accounts: two ConcordAddConnectionSide
 *   2. types      the kind of contacts on each side; skipped when both
 *                 apps have one kind only
 *   3. direction  one way or both, and per direction whether new contacts
 *                 are created and whether its rule is on
 *   4. rules      the rules in words (the editor comes later)
 *   5. mapping    the automatic field mapping of both schemas
 *   6. review     a dry run of the new connection, then Turn On
 *
 * Every page keeps its widgets, so going back loses nothing. Pages that
 * depend on earlier choices are rebuilt when they are entered, from those
 * choices.
 *
 * This file holds the dialog itself; the parts share
 * concord-add-connection-dialog-private.h: the types and direction pages
 * (-choices.c), going from page to page (-navigation.c), the rules and
 * fields pages (-mapping.c), the review and the disabled connection made
 * for its preview (-review.c), and the editors over the dialog (-edit.c).
 */

#define G_LOG_DOMAIN "concord-add-connection-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-add-connection-dialog-private.h"
#include "concord-connection-item.h"

G_DEFINE_FINAL_TYPE (ConcordAddConnectionDialog, concord_add_connection_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_ENGINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CONNECTION_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

const char *
_concord_add_connection_dialog_app_icon (ConcordAddConnectionDialog *self,
                                         ConcordSide                 side)
{
  const ConcordAppInfo *app = concord_add_connection_side_get_app (side_widget (self, side));

  return concord_app_info_get_icon_name (app);
}

gboolean
_concord_add_connection_dialog_both_verified (ConcordAddConnectionDialog *self)
{
  return concord_add_connection_side_get_verified (self->side_a) &&
         concord_add_connection_side_get_verified (self->side_b);
}

/* Whether an app of the connection has several kinds of contact. */
gboolean
_concord_add_connection_dialog_several_types (ConcordAddConnectionDialog *self)
{
  for (guint s = 0; s < 2; s++)
    {
      GPtrArray *types = concord_add_connection_side_get_types (side_widget (self, s));

      if (types != NULL && types->len > 1)
        return TRUE;
    }

  return FALSE;
}

/* Which pages this connection goes through: the types page when an app
 * has more than one kind of contact, to choose, or when the two apps
 * differ, to show what each side's contacts are (Pipedrive's persons,
 * HubSpot's contacts, a Mailchimp audience); not between two accounts of
 * one app with one kind. */
gboolean
_concord_add_connection_dialog_page_needed (ConcordAddConnectionDialog *self,
                                            Page                        page)
{
  const ConcordAppInfo *app_a, *app_b;

  if (page != PAGE_TYPES)
    return TRUE;

  if (_concord_add_connection_dialog_several_types (self))
    return TRUE;

  app_a = concord_add_connection_side_get_app (self->side_a);
  app_b = concord_add_connection_side_get_app (self->side_b);
  return app_a != NULL && app_b != NULL && app_a != app_b;
}

/* Keeps each side's chosen type among that account's types. */
void
_concord_add_connection_dialog_ensure_type_ids (ConcordAddConnectionDialog *self)
{
  for (guint s = 0; s < 2; s++)
    {
      GPtrArray *types = concord_add_connection_side_get_types (side_widget (self, s));
      gboolean found = FALSE;

      if (types == NULL || types->len == 0)
        {
          g_clear_pointer (&self->type_ids[s], g_free);
          continue;
        }

      for (guint i = 0; i < types->len && !found; i++)
        found = g_strcmp0 (((ConcordContactType *) g_ptr_array_index (types, i))->id,
                           self->type_ids[s]) == 0;
      if (!found)
        {
          g_free (self->type_ids[s]);
          self->type_ids[s] = g_strdup (((ConcordContactType *) g_ptr_array_index (types, 0))->id);
        }
    }
}

/* ------------------------------------------------------------------------- */
/* Leaving                                                                   */
/* ------------------------------------------------------------------------- */

/* The dialog goes: whatever is in flight is dropped, and a connection made
 * only to preview is removed. */
static void
abandon (ConcordAddConnectionDialog *self)
{
  if (self->closed)
    return;

  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);
  if (self->preview_cancellable != NULL)
    g_cancellable_cancel (self->preview_cancellable);
  /* (Being turned on, it stays.) Otherwise the preview connection goes,
   * then the accounts checked for it (the engine does both in order). */
  if (!self->turned_on && !self->turning_on)
    {
      _concord_add_connection_dialog_forget_connection (self);
      concord_add_connection_side_discard_account (self->side_a);
      concord_add_connection_side_discard_account (self->side_b);
    }
}

/* ------------------------------------------------------------------------- */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------- */

static void
on_side_verified (ConcordAddConnectionDialog *self,
                  GParamSpec                 *pspec,
                  ConcordAddConnectionSide   *side)
{
  if (_concord_add_connection_dialog_both_verified (self))
    _concord_add_connection_dialog_ensure_type_ids (self);
  _concord_add_connection_dialog_update_buttons (self);

  /* A key accepted: on to the other app, or to Next. */
  if (self->page == PAGE_AUTHORIZE && concord_add_connection_side_get_verified (side))
    _concord_add_connection_dialog_focus_page (self);
}

static void
on_direction_toggled (ConcordAddConnectionDialog *self,
                      GtkToggleButton            *button)
{
  if (gtk_toggle_button_get_active (button))
    _concord_add_connection_dialog_update_direction_page (self);
}

static void
on_rule_switch_changed (ConcordAddConnectionDialog *self)
{
  _concord_add_connection_dialog_update_direction_page (self);
}

static void
on_mapping_retry_clicked (ConcordAddConnectionDialog *self)
{
  _concord_add_connection_dialog_reload_schemas (self);
}

static void
on_review_retry_clicked (ConcordAddConnectionDialog *self)
{
  _concord_add_connection_dialog_retry_preview (self);
}

/* ------------------------------------------------------------------------- */
/* GtkWindow                                                                 */
/* ------------------------------------------------------------------------- */

static gboolean
concord_add_connection_dialog_close_request (GtkWindow *window)
{
  ConcordAddConnectionDialog *self = CONCORD_ADD_CONNECTION_DIALOG (window);

  /* Turning on takes a moment; the connection must not be half there. */
  if (self->turning_on)
    return TRUE;

  abandon (self);

  return GTK_WINDOW_CLASS (concord_add_connection_dialog_parent_class)->close_request (window);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_add_connection_dialog_constructed (GObject *object)
{
  ConcordAddConnectionDialog *self = CONCORD_ADD_CONNECTION_DIALOG (object);

  G_OBJECT_CLASS (concord_add_connection_dialog_parent_class)->constructed (object);

  g_assert (self->engine != NULL);

  concord_add_connection_side_set_engine (self->side_a, self->engine);
  concord_add_connection_side_set_engine (self->side_b, self->engine);
  concord_add_connection_side_set_other (self->side_a, self->side_b);
  concord_add_connection_side_set_other (self->side_b, self->side_a);
  _concord_add_connection_dialog_update_buttons (self);
  _concord_add_connection_dialog_focus_page (self);
}

static void
concord_add_connection_dialog_dispose (GObject *object)
{
  ConcordAddConnectionDialog *self = CONCORD_ADD_CONNECTION_DIALOG (object);

  if (self->engine != NULL)
    abandon (self);

  gtk_widget_dispose_template (GTK_WIDGET (self), CONCORD_TYPE_ADD_CONNECTION_DIALOG);
  g_clear_object (&self->engine);
  g_clear_object (&self->preview_cancellable);

  G_OBJECT_CLASS (concord_add_connection_dialog_parent_class)->dispose (object);
}

static void
on_rules_edit_clicked (ConcordAddConnectionDialog *self)
{
  _concord_add_connection_dialog_edit (self, FALSE);
}

static void
on_mapping_edit_clicked (ConcordAddConnectionDialog *self)
{
  _concord_add_connection_dialog_edit (self, TRUE);
}

static void
concord_add_connection_dialog_finalize (GObject *object)
{
  ConcordAddConnectionDialog *self = CONCORD_ADD_CONNECTION_DIALOG (object);

  g_clear_pointer (&self->edited, concord_connection_config_free);

  g_clear_object (&self->cancellable);
  for (guint s = 0; s < 2; s++)
    {
      g_free (self->type_ids[s]);
      g_free (self->types_for[s]);
      g_ptr_array_unref (self->type_rows[s]);
      g_clear_pointer (&self->schemas[s], g_ptr_array_unref);
      g_clear_pointer (&self->samples[s], g_ptr_array_unref);
    }
  g_clear_pointer (&self->automap_rows, g_ptr_array_unref);
  g_clear_pointer (&self->automap_left_rows, g_ptr_array_unref);
  g_clear_pointer (&self->automap, concord_mapping_unref);
  g_clear_pointer (&self->automap_unmapped, g_ptr_array_unref);
  g_free (self->schemas_for);
  g_free (self->schemas_loading);
  g_clear_error (&self->schema_error);
  g_ptr_array_unref (self->pair_rows);
  g_ptr_array_unref (self->unmapped_rows);
  g_ptr_array_unref (self->rule_rows);
  g_ptr_array_unref (self->change_rows);
  g_free (self->connection_key);
  g_free (self->adding_key);
  g_free (self->preview_key);

  G_OBJECT_CLASS (concord_add_connection_dialog_parent_class)->finalize (object);
}

static void
concord_add_connection_dialog_get_property (GObject    *object,
                                            guint       prop_id,
                                            GValue     *value,
                                            GParamSpec *pspec)
{
  ConcordAddConnectionDialog *self = CONCORD_ADD_CONNECTION_DIALOG (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_add_connection_dialog_set_property (GObject      *object,
                                            guint         prop_id,
                                            const GValue *value,
                                            GParamSpec   *pspec)
{
  ConcordAddConnectionDialog *self = CONCORD_ADD_CONNECTION_DIALOG (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      self->engine = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Over 100 lines: one line per template child. */
static void
concord_add_connection_dialog_class_init (ConcordAddConnectionDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = concord_add_connection_dialog_constructed;
  object_class->dispose = concord_add_connection_dialog_dispose;
  object_class->finalize = concord_add_connection_dialog_finalize;
  object_class->get_property = concord_add_connection_dialog_get_property;
  object_class->set_property = concord_add_connection_dialog_set_property;

  window_class->close_request = concord_add_connection_dialog_close_request;

  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL,
                         CONCORD_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ConcordAddConnectionDialog::connection-added:
   * @connection_id: the new connection, switched on
   *
   * Emitted once the new connection is on, just before the dialog closes.
   */
  signals[CONNECTION_ADDED] =
    g_signal_new ("connection-added",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);

  g_type_ensure (CONCORD_TYPE_ADD_CONNECTION_SIDE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/concord-add-connection-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, next_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, turn_on_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, back_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, sandbox_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, types_title);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, types_description);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, side_a);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, side_b);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, next_hint_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, types_group_a);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, types_group_b);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, direction_icon_a);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, direction_icon_b);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, direction_name_a);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, direction_name_b);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, a_to_b_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, both_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, b_to_a_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, direction_caption);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, a_to_b_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, create_a_to_b_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, create_a_to_b_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, rule_a_to_b_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, b_to_a_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, create_b_to_a_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, create_b_to_a_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, rule_b_to_a_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, rule_a_to_b_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, rule_b_to_a_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, rules_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, conflict_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, mapping_loading_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, mapping_spinner);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, mapping_status_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, mapping_retry_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, pairs_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, unmapped_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, review_loading_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, review_spinner);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, review_status_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, review_retry_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, review_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, tripped_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, listed_a_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, listed_a_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, listed_b_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, listed_b_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, matched_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, create_a_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, create_a_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, create_b_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, create_b_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, update_a_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, update_a_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, update_b_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, update_b_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, conflicts_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, skipped_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, changes_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, excluded_label);
  gtk_widget_class_bind_template_callback (widget_class, on_side_verified);
  gtk_widget_class_bind_template_callback (widget_class, on_direction_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_rule_switch_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_mapping_retry_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_rules_edit_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_mapping_edit_clicked);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, rules_edit_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionDialog, mapping_edit_button);
  gtk_widget_class_bind_template_callback (widget_class, on_review_retry_clicked);

  gtk_widget_class_install_action (widget_class, "flow.next", NULL,
                                   concord_add_connection_dialog_next_action);
  gtk_widget_class_install_action (widget_class, "flow.back", NULL,
                                   concord_add_connection_dialog_back_action);
  gtk_widget_class_install_action (widget_class, "flow.turn-on", NULL,
                                   concord_add_connection_dialog_turn_on_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "flow.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, GDK_ALT_MASK, "flow.next", NULL);
}

static void
concord_add_connection_dialog_init (ConcordAddConnectionDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->type_rows[0] = g_ptr_array_new ();
  self->type_rows[1] = g_ptr_array_new ();
  self->pair_rows = g_ptr_array_new ();
  self->unmapped_rows = g_ptr_array_new ();
  self->rule_rows = g_ptr_array_new ();
  self->change_rows = g_ptr_array_new ();

  if (g_strcmp0 (PROFILE, "development") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_add_connection_dialog_new:
 * @parent: (nullable): the window the dialog is modal for
 * @engine: the engine the connection is added to
 *
 * Returns: (transfer floating): the Add Connection dialog; present it. It
 *   emits ::connection-added when the new connection is on.
 */
GtkWidget *
concord_add_connection_dialog_new (GtkWindow     *parent,
                                   ConcordEngine *engine)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CONCORD_IS_ENGINE (engine), NULL);

  return g_object_new (CONCORD_TYPE_ADD_CONNECTION_DIALOG,
                       "transient-for", parent,
                       "engine", engine,
                       NULL);
}

/**
 * concord_add_connection_dialog_set_sandbox:
 * @sandbox: the running sample apps
 *
 * Walks the user through the real flow with the sample apps: their keys
 * are shown on the first page, the Sample CRM is offered, and Elastic
 * Email's server address points at the sample one.
 */
void
concord_add_connection_dialog_set_sandbox (ConcordAddConnectionDialog *self,
                                           ConcordSandbox             *sandbox)
{
  g_autofree char *text = NULL;

  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_DIALOG (self));
  g_return_if_fail (CONCORD_IS_SANDBOX (sandbox));

  /* Translators: both %s are API keys of the sample apps, to be typed as they are */
  text = g_strdup_printf (_("Sample data: choose Elastic Email with the key “%s”, and Sample CRM with "
                            "the key “%s”. Both run on this computer with a few hundred sample "
                            "contacts; nothing leaves it."),
                          concord_sandbox_get_elasticemail_key (sandbox),
                          concord_sandbox_get_crm_key (sandbox));
  gtk_label_set_label (self->sandbox_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->sandbox_label), TRUE);

  concord_add_connection_side_set_sandbox (self->side_a, sandbox);
  concord_add_connection_side_set_sandbox (self->side_b, sandbox);
}

/**
 * concord_add_connection_dialog_set_sandbox_app:
 * @sandbox: the running sample apps
 * @app_id: the demo's second side, one of concord_sandbox_list_apps()
 *   that @sandbox runs
 *
 * Like concord_add_connection_dialog_set_sandbox(), with the demo's two
 * apps chosen already and their keys filled in: the user names the two
 * accounts and goes on through the real flow.
 */
void
concord_add_connection_dialog_set_sandbox_app (ConcordAddConnectionDialog *self,
                                               ConcordSandbox             *sandbox,
                                               const char                 *app_id)
{
  g_autofree char *text = NULL;
  const char *name;

  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_DIALOG (self));
  g_return_if_fail (CONCORD_IS_SANDBOX (sandbox));
  g_return_if_fail (concord_app_registry_lookup (app_id) != NULL);

  concord_add_connection_dialog_set_sandbox (self, sandbox);

  name = concord_app_registry_get_name (app_id);
  /* Translators: %s is an app, "Pipedrive" */
  text = g_strdup_printf (_("Sample data: Elastic Email and %s run on this computer with a few hundred "
                            "made-up contacts; their accounts are filled in, and nothing leaves this "
                            "computer. Check each account, then go on."),
                          name);
  gtk_label_set_label (self->sandbox_label, text);

  concord_add_connection_side_choose_app (self->side_a, concord_elasticemail_app.id);
  concord_add_connection_side_choose_app (self->side_b, app_id);
  {
    /* Translators: the name of the sandbox demo's account of an app, %s
     * ("Sample Pipedrive") */
    g_autofree char *name_a = g_strdup_printf (_("Sample %s"), concord_app_info_get_name (&concord_elasticemail_app));
    g_autofree char *name_b = g_strdup_printf (_("Sample %s"), name);

    concord_add_connection_side_suggest_name (self->side_a, name_a);
    concord_add_connection_side_suggest_name (self->side_b, name_b);
  }
  /* The first name to type, under what the page says. */
  concord_add_connection_side_focus (self->side_a);
  concord_add_connection_scroll_to (GTK_WIDGET (self->sandbox_label));
}
