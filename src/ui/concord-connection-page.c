/* concord-connection-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * One connection, opened from the main window's list: its overview (the
 * health summary), its rules, its field mapping and its activity, as the
 * pages of a view switcher.
 *
 * Above them, a banner says why the connection fails, what to do, and
 * offers Try Again; it goes once a run succeeds. The header's menu renames
 * and removes the connection (the contacts stay in both apps: only what
 * Concord keeps of the connection goes), and on a connection to the sample
 * apps removes the sample data as a whole.
 *
 * The page owns the one ConcordConnectionSetup the editors share: both
 * edit its config in place and say "changed"; the page then offers Save
 * and Discard for the whole document, so that the rules and the mapping
 * are always stored together and never overwrite each other. Saving goes
 * through the engine, which refuses (with the place) what it would not
 * run; what is stored stays until a save succeeds.
 */

#define G_LOG_DOMAIN "concord-connection-page"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-connection-page-private.h"
#include "concord-activity-view.h"
#include "concord-app-registry.h"
#include "concord-arrow.h"
#include "concord-application.h"
#include "concord-engine-activity.h"
#include "concord-error.h"
#include "concord-health-view.h"
#include "concord-mapping-editor.h"
#include "concord-rule-editor.h"
#include "concord-schedule-row.h"
#include "concord-window.h"

G_DEFINE_FINAL_TYPE (ConcordConnectionPage, concord_connection_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DIRTY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------------- */
/* Title                                                                     */
/* ------------------------------------------------------------------------- */

static void
update_title (ConcordConnectionPage *self)
{
  g_autofree char *subtitle = NULL;
  ConcordArrow arrow;

  if (self->state == NULL)
    return;

  switch (concord_connection_state_get_direction (self->state))
    {
    case CONCORD_DIRECTION_A_TO_B:
      arrow = CONCORD_ARROW_FORWARD;
      break;
    case CONCORD_DIRECTION_B_TO_A:
      arrow = CONCORD_ARROW_BACK;
      break;
    case CONCORD_DIRECTION_BOTH:
    default:
      arrow = CONCORD_ARROW_BOTH;
      break;
    }

  /* Mirrored right to left: the arrow still points from the first account to the second. */
  subtitle = concord_arrow_join (GTK_WIDGET (self), concord_connection_state_get_account_a (self->state), arrow,
                                 concord_connection_state_get_account_b (self->state));
  adw_view_switcher_title_set_title (self->switcher_title, concord_connection_state_get_name (self->state));
  adw_view_switcher_title_set_subtitle (self->switcher_title, subtitle);
}

/* ------------------------------------------------------------------------- */
/* The failure banner                                                        */
/* ------------------------------------------------------------------------- */

static gboolean
is_demo_app (const char *app_id)
{
  const ConcordAppInfo *app = concord_app_registry_lookup (app_id);

  return app != NULL && app->demo;
}

/* A connection of the sandbox demo's apps: a demo app (the Sample CRM),
 * or an account of a sample app the sandbox runs (found asynchronously,
 * see find_sample_accounts()). */
static gboolean
is_sample (ConcordConnectionPage  *self,
           ConcordConnectionState *state)
{
  return is_demo_app (concord_connection_state_get_app_a (state)) ||
         is_demo_app (concord_connection_state_get_app_b (state)) ||
         self->sample_accounts;
}

static void update_banner (ConcordConnectionPage *self);

static void
sample_accounts_listed_cb (GObject      *object,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(ConcordConnectionPage) self = user_data;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GError) error = NULL;
  GApplication *application = g_application_get_default ();
  gboolean sample = FALSE;

  accounts = concord_engine_list_accounts_finish (CONCORD_ENGINE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->accounts_cancellable);
  if (accounts == NULL || self->state == NULL || !CONCORD_IS_APPLICATION (application))
    return;

  for (guint i = 0; i < accounts->len && !sample; i++)
    {
      ConcordAccountRow *row = g_ptr_array_index (accounts, i);

      /* The state names its accounts (names are unique). */
      sample = (g_strcmp0 (row->name, concord_connection_state_get_account_a (self->state)) == 0 ||
                g_strcmp0 (row->name, concord_connection_state_get_account_b (self->state)) == 0) &&
               concord_application_is_sample_account (CONCORD_APPLICATION (application), row->app_id,
                                                      row->options_json);
    }
  self->sample_accounts = sample;
  update_banner (self);
}

/* Whether one of the connection's accounts is on a sample app's server. */
static void
find_sample_accounts (ConcordConnectionPage *self)
{
  if (self->accounts_cancellable != NULL)
    g_cancellable_cancel (self->accounts_cancellable);
  g_clear_object (&self->accounts_cancellable);
  self->sample_accounts = FALSE;
  if (self->state == NULL)
    return;

  self->accounts_cancellable = g_cancellable_new ();
  concord_engine_list_accounts_async (self->engine, self->accounts_cancellable, sample_accounts_listed_cb,
                                      g_object_ref (self));
}

/* The reason in plain words, what to do, and Try Again; gone once a run
 * succeeds (the state's error is cleared then). While the run that was
 * asked for goes, the banner stays, its button insensitive. */
static void
update_banner (ConcordConnectionPage *self)
{
  const char *error = self->state != NULL ? concord_connection_state_get_error (self->state) : NULL;
  gboolean running = self->state != NULL &&
                     concord_connection_state_get_status (self->state) == CONCORD_CONNECTION_RUNNING;

  if (error != NULL)
    {
      g_autofree char *fix = g_strdup (concord_connection_state_get_error_fix (self->state));
      g_autofree char *accessible = NULL;
      int code = concord_connection_state_get_error_code (self->state);
      gboolean key = code >= 0 && concord_error_is_key_problem ((ConcordError) code);

      /* The engine's own line, made from the error's code, names the app;
       * for a refused key, replacing it runs the failing connections
       * again. */
      gtk_label_set_label (self->failure_title, error);
      if (key)
        {
          g_free (fix);
          fix = g_strdup (_("Once the new key is in, this connection syncs again by itself."));
        }
      else if (fix == NULL)
        fix = g_strdup (_("Concord will try again on the next sync."));
      gtk_label_set_label (self->failure_fix, fix);
      gtk_widget_set_visible (self->preferences_button, key);
      gtk_widget_set_sensitive (self->try_again_button, !running);
      accessible = g_strdup_printf ("%s. %s", error, fix);
      gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_revealer_get_child (self->failure_revealer)),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, accessible, -1);
    }
  gtk_revealer_set_reveal_child (self->failure_revealer, error != NULL);

  gtk_revealer_set_reveal_child (self->sample_revealer, self->state != NULL && is_sample (self, self->state));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.remove-sample-data",
                                 self->state != NULL && is_sample (self, self->state));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.rename", self->state != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.remove", self->state != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.try-again", self->state != NULL && !running);
}

static void
concord_connection_page_try_again_action (GtkWidget  *widget,
                                          const char *action_name,
                                          GVariant   *parameter)
{
  ConcordConnectionPage *self = CONCORD_CONNECTION_PAGE (widget);

  if (self->state != NULL)
    concord_engine_sync_now (self->engine, concord_connection_state_get_id (self->state));
}

/* Editing                                                                   */
/* ------------------------------------------------------------------------- */

static void
set_dirty (ConcordConnectionPage *self,
           gboolean               dirty)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->save_label), "error");
  gtk_label_set_label (self->save_label,
                       _("The rules or the field mapping have changes that are not saved"));
  gtk_revealer_set_reveal_child (self->save_revealer, dirty);

  if (self->dirty == dirty)
    return;

  self->dirty = dirty;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRTY]);
}

static void
on_editor_changed (ConcordConnectionPage *self)
{
  set_dirty (self, TRUE);
}

static void
show_setup (ConcordConnectionPage *self)
{
  const char *name_a = concord_connection_state_get_account_a (self->state);
  const char *name_b = concord_connection_state_get_account_b (self->state);

  concord_rule_editor_set_setup (CONCORD_RULE_EDITOR (self->rule_editor), self->setup, name_a, name_b);
  concord_mapping_editor_set_setup (CONCORD_MAPPING_EDITOR (self->mapping_editor), self->setup, name_a, name_b);
  gtk_stack_set_visible_child_name (self->rules_stack, "editor");
  gtk_stack_set_visible_child_name (self->mapping_stack, "editor");
}

static void
clear_setup (ConcordConnectionPage *self)
{
  /* The editors let go before the setup they point into goes. */
  concord_rule_editor_set_setup (CONCORD_RULE_EDITOR (self->rule_editor), NULL, NULL, NULL);
  concord_mapping_editor_set_setup (CONCORD_MAPPING_EDITOR (self->mapping_editor), NULL, NULL, NULL);
  g_clear_pointer (&self->setup, concord_connection_setup_free);
}

static void
load_setup_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ConcordConnectionPage) self = user_data;
  g_autoptr(GError) error = NULL;
  ConcordConnectionSetup *setup;

  setup = concord_engine_load_setup_finish (CONCORD_ENGINE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);

  if (setup == NULL)
    {
      adw_status_page_set_description (self->rules_error_page, error->message);
      adw_status_page_set_description (self->mapping_error_page, error->message);
      gtk_stack_set_visible_child_name (self->rules_stack, "error");
      gtk_stack_set_visible_child_name (self->mapping_stack, "error");
      return;
    }

  clear_setup (self);
  self->setup = setup;
  set_dirty (self, FALSE);
  show_setup (self);
}

static void
load_setup (ConcordConnectionPage *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->state == NULL)
    return;

  self->cancellable = g_cancellable_new ();
  gtk_stack_set_visible_child_name (self->rules_stack, "loading");
  gtk_stack_set_visible_child_name (self->mapping_stack, "loading");
  concord_engine_load_setup_async (self->engine, concord_connection_state_get_id (self->state),
                                   self->cancellable, load_setup_cb, g_object_ref (self));
}

static void
on_retry_clicked (ConcordConnectionPage *self)
{
  load_setup (self);
}

static void
on_sync_clicked (ConcordConnectionPage *self)
{
  if (self->state != NULL)
    concord_engine_sync_now (self->engine, concord_connection_state_get_id (self->state));
}

static void
save_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(ConcordConnectionPage) self = user_data;
  g_autoptr(GError) error = NULL;
  GtkRoot *root;

  self->saving = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->discard_button), TRUE);

  if (!concord_engine_set_config_finish (CONCORD_ENGINE (object), result, &error))
    {
      /* Translators: %s says why the connection's settings were not saved */
      g_autofree char *text = g_strdup_printf (_("Not saved: %s"), error->message);

      gtk_label_set_label (self->save_label, text);
      gtk_widget_add_css_class (GTK_WIDGET (self->save_label), "error");
      g_signal_emit (self, signals[SIGNAL_SAVED], 0, FALSE);
      return;
    }

  if (self->setup != NULL)
    self->setup->automatic = FALSE;
  set_dirty (self, FALSE);

  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (CONCORD_IS_WINDOW (root))
    concord_window_add_toast (CONCORD_WINDOW (root),
                              adw_toast_new (_("Saved; the next sync follows the new rules and mapping")));
  g_signal_emit (self, signals[SIGNAL_SAVED], 0, TRUE);
}

/**
 * concord_connection_page_save:
 *
 * Stores the rules and the mapping as the editors left them.
 */
void
concord_connection_page_save (ConcordConnectionPage *self)
{
  g_autofree char *json = NULL;

  g_return_if_fail (CONCORD_IS_CONNECTION_PAGE (self));

  if (self->setup == NULL || self->state == NULL || !self->dirty || self->saving)
    return;

  self->saving = TRUE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->discard_button), FALSE);
  json = concord_connection_config_to_json (self->setup->config, NULL);
  concord_engine_set_config_async (self->engine, concord_connection_state_get_id (self->state), json,
                                   NULL, save_cb, g_object_ref (self));
}

/**
 * concord_connection_page_discard:
 *
 * Forgets the editors' changes: the stored rules and mapping come back.
 */
void
concord_connection_page_discard (ConcordConnectionPage *self)
{
  g_return_if_fail (CONCORD_IS_CONNECTION_PAGE (self));

  if (self->saving)
    return;

  set_dirty (self, FALSE);
  load_setup (self);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_connection_page_dispose (GObject *object)
{
  ConcordConnectionPage *self = CONCORD_CONNECTION_PAGE (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->accounts_cancellable != NULL)
    g_cancellable_cancel (self->accounts_cancellable);
  g_clear_object (&self->accounts_cancellable);
  if (self->rule_editor != NULL)
    clear_setup (self);
  if (self->state != NULL)
    g_signal_handlers_disconnect_by_data (self->state, self);
  g_clear_object (&self->state);

  gtk_widget_dispose_template (GTK_WIDGET (self), CONCORD_TYPE_CONNECTION_PAGE);
  self->rule_editor = NULL;
  self->mapping_editor = NULL;
  self->health_view = NULL;
  self->activity_view = NULL;
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (concord_connection_page_parent_class)->dispose (object);
}

static void
concord_connection_page_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  ConcordConnectionPage *self = CONCORD_CONNECTION_PAGE (object);

  switch (prop_id)
    {
    case PROP_DIRTY:
      g_value_set_boolean (value, self->dirty);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_connection_page_class_init (ConcordConnectionPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = concord_connection_page_dispose;
  object_class->get_property = concord_connection_page_get_property;

  /**
   * ConcordConnectionPage:dirty:
   *
   * Whether the editors hold changes that are not stored.
   */
  properties[PROP_DIRTY] =
    g_param_spec_boolean ("dirty", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ConcordConnectionPage::saved:
   * @ok: whether the engine stored the document; when not, the page says why
   *
   * A save asked for with concord_connection_page_save() ended.
   */
  signals[SIGNAL_SAVED] =
    g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/concord-connection-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionPage, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionPage, view_stack);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionPage, overview_bin);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionPage, rules_bin);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionPage, mapping_bin);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionPage, activity_bin);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionPage, rules_stack);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionPage, mapping_stack);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionPage, rules_error_page);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionPage, mapping_error_page);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionPage, save_revealer);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionPage, save_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionPage, save_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionPage, discard_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionPage, failure_revealer);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionPage, failure_title);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionPage, failure_fix);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionPage, preferences_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionPage, try_again_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordConnectionPage, sample_revealer);
  gtk_widget_class_bind_template_callback (widget_class, on_sync_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_retry_clicked);
  gtk_widget_class_bind_template_callback (widget_class, concord_connection_page_save);
  gtk_widget_class_bind_template_callback (widget_class, concord_connection_page_discard);

  gtk_widget_class_install_action (widget_class, "page.rename", NULL, concord_connection_page_rename_action);
  gtk_widget_class_install_action (widget_class, "page.remove", NULL, concord_connection_page_remove_action);
  gtk_widget_class_install_action (widget_class, "page.remove-sample-data", NULL,
                                   concord_connection_page_remove_sample_data_action);
  gtk_widget_class_install_action (widget_class, "page.try-again", NULL,
                                   concord_connection_page_try_again_action);

  /* Ctrl+S saves, as in every editor. */
  gtk_widget_class_add_binding (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                (GtkShortcutFunc) concord_connection_page_save, NULL);
}

static void
concord_connection_page_init (ConcordConnectionPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_name (GTK_WIDGET (self), "connection-page");
  update_banner (self);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

GtkWidget *
concord_connection_page_new (ConcordEngine *engine)
{
  ConcordConnectionPage *self;

  g_return_val_if_fail (CONCORD_IS_ENGINE (engine), NULL);

  self = g_object_new (CONCORD_TYPE_CONNECTION_PAGE, NULL);
  self->engine = g_object_ref (engine);

  self->health_view = concord_health_view_new (engine);
  adw_bin_set_child (self->overview_bin, self->health_view);
  self->schedule_row = concord_schedule_row_new (engine);
  concord_health_view_add_group (CONCORD_HEALTH_VIEW (self->health_view),
                                 ADW_PREFERENCES_GROUP (self->schedule_row));
  self->rule_editor = concord_rule_editor_new (engine);
  adw_bin_set_child (self->rules_bin, self->rule_editor);
  g_signal_connect_object (self->rule_editor, "changed", G_CALLBACK (on_editor_changed), self,
                           G_CONNECT_SWAPPED);
  self->mapping_editor = concord_mapping_editor_new ();
  adw_bin_set_child (self->mapping_bin, self->mapping_editor);
  g_signal_connect_object (self->mapping_editor, "changed", G_CALLBACK (on_editor_changed), self,
                           G_CONNECT_SWAPPED);
  self->activity_view = concord_activity_view_new (engine);
  adw_bin_set_child (self->activity_bin, self->activity_view);

  return GTK_WIDGET (self);
}

/**
 * concord_connection_page_set_state:
 * @state: (nullable): the connection to show
 *
 * Shows a connection: loses unsaved changes of the one shown before (the
 * window asks first).
 */
void
concord_connection_page_set_state (ConcordConnectionPage  *self,
                                   ConcordConnectionState *state)
{
  gint64 id;

  g_return_if_fail (CONCORD_IS_CONNECTION_PAGE (self));
  g_return_if_fail (state == NULL || CONCORD_IS_CONNECTION_STATE (state));

  if (self->state == state)
    return;

  if (self->state != NULL)
    g_signal_handlers_disconnect_by_data (self->state, self);
  g_set_object (&self->state, state);
  /* A load for the connection shown before (it may be gone) ends here. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  clear_setup (self);
  set_dirty (self, FALSE);

  id = state != NULL ? concord_connection_state_get_id (state) : 0;
  concord_health_view_set_connection (CONCORD_HEALTH_VIEW (self->health_view), id);
  concord_activity_view_set_connection (CONCORD_ACTIVITY_VIEW (self->activity_view), id);
  concord_schedule_row_set_state (CONCORD_SCHEDULE_ROW (self->schedule_row), state);

  if (state != NULL)
    {
      g_signal_connect_object (state, "notify::name", G_CALLBACK (update_title), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (state, "notify::error", G_CALLBACK (update_banner), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (state, "notify::status", G_CALLBACK (update_banner), self, G_CONNECT_SWAPPED);
      update_title (self);
      load_setup (self);
    }
  find_sample_accounts (self);
  update_banner (self);
}

ConcordConnectionState *
concord_connection_page_get_state (ConcordConnectionPage *self)
{
  g_return_val_if_fail (CONCORD_IS_CONNECTION_PAGE (self), NULL);

  return self->state;
}

/**
 * concord_connection_page_show_section:
 * @name: "overview", "rules", "mapping" or "activity"
 */
void
concord_connection_page_show_section (ConcordConnectionPage *self,
                                      const char            *name)
{
  g_return_if_fail (CONCORD_IS_CONNECTION_PAGE (self));

  adw_view_stack_set_visible_child_name (self->view_stack, name);
}

gboolean
concord_connection_page_get_dirty (ConcordConnectionPage *self)
{
  g_return_val_if_fail (CONCORD_IS_CONNECTION_PAGE (self), FALSE);

  return self->dirty;
}
