/* concord-activity-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The Activity page of a connection: everything Concord did, newest
 * first, searchable by email or name.
 *
 * The list is a GtkListView over a ConcordActivityModel, which holds a few
 * pages of rows and reads the others from the engine thread as they come
 * into view: 100,000 rows scroll like 100. The search entry's own delay
 * debounces typing; each new search is a new query of the model. The view
 * reloads after every run of its connection ("run-finished"), and after
 * "Use the Other Value", which also starts a run so that both apps get
 * the value at once.
 */

#define G_LOG_DOMAIN "concord-activity-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "concord-activity-line.h"
#include "concord-activity-model.h"
#include "concord-activity-view.h"
#include "concord-engine-activity.h"

struct _ConcordActivityView
{
  GtkWidget             parent_instance;

  ConcordEngine        *engine;         /* (owned) */
  ConcordActivityModel *model;          /* (owned) */
  GCancellable         *cancellable;    /* (owned) cancelled on dispose */
  gint64                connection_id;
  gulong                run_finished_id;

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  GtkSearchEntry       *search_entry;
  GtkLabel             *count_label;
  GtkStack             *stack;
  GtkScrolledWindow    *scrolled;
  GtkListView          *list_view;
  GtkSpinner           *spinner;
  AdwStatusPage        *empty_page;
};

G_DEFINE_FINAL_TYPE (ConcordActivityView, concord_activity_view, GTK_TYPE_WIDGET)

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void
update_state (ConcordActivityView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  const char *search = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  gboolean searching = search != NULL && *search != '\0';
  g_autofree char *count = NULL;

  if (concord_activity_model_is_loading (self->model) && n == 0)
    {
      gtk_spinner_start (self->spinner);
      gtk_stack_set_visible_child_name (self->stack, "loading");
      gtk_label_set_text (self->count_label, "");
      return;
    }

  gtk_spinner_stop (self->spinner);

  if (n == 0)
    {
      if (searching)
        {
          adw_status_page_set_icon_name (self->empty_page, "edit-find-symbolic");
          adw_status_page_set_title (self->empty_page, _("No Results"));
          adw_status_page_set_description (self->empty_page,
                                           _("No activity about a contact with this email address or name"));
        }
      else
        {
          adw_status_page_set_icon_name (self->empty_page, "emblem-synchronizing-symbolic");
          adw_status_page_set_title (self->empty_page, _("No Activity Yet"));
          adw_status_page_set_description (self->empty_page,
                                           _("What Concord changes in your apps appears here after each sync"));
        }
      gtk_stack_set_visible_child_name (self->stack, "empty");
      gtk_label_set_text (self->count_label, "");
      return;
    }

  /* Translators: how many rows the activity has */
  count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u event", "%u events", n), n);
  gtk_label_set_text (self->count_label, count);
  gtk_stack_set_visible_child_name (self->stack, "list");
}

static void
account_names (ConcordActivityView  *self,
               const char          **name_a,
               const char          **name_b)
{
  ConcordConnectionState *state = self->connection_id != 0
                                  ? concord_engine_lookup (self->engine, self->connection_id)
                                  : NULL;

  *name_a = state != NULL ? concord_connection_state_get_account_a (state) : NULL;
  *name_b = state != NULL ? concord_connection_state_get_account_b (state) : NULL;
}

/* ------------------------------------------------------------------------- */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------- */

static void
on_search_changed_cb (ConcordActivityView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  concord_activity_model_set_query (self->model, self->connection_id, stripped);
  update_state (self);
}

static void
on_model_changed_cb (ConcordActivityView *self)
{
  update_state (self);
}

static void
on_run_finished_cb (ConcordEngine          *engine,
                    ConcordConnectionState *state,
                    gboolean                ok,
                    ConcordActivityView    *self)
{
  if (self->connection_id != 0 && concord_connection_state_get_id (state) == self->connection_id)
    concord_activity_model_reload (self->model);
}

typedef struct
{
  ConcordActivityView *view;  /* (owned) */
  gint64               connection_id;
} FlipData;

static void
on_flip_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  FlipData *data = user_data;
  ConcordActivityView *self = data->view;
  g_autoptr(GError) error = NULL;
  AdwToast *toast;

  if (!concord_engine_flip_conflict_finish (CONCORD_ENGINE (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          toast = adw_toast_new (error->message);
          adw_toast_set_timeout (toast, 6);
          adw_toast_overlay_add_toast (self->toast_overlay, toast);
          concord_activity_model_reload (self->model);
        }
    }
  else
    {
      toast = adw_toast_new (_("The other value is used now; syncing it to both apps"));
      adw_toast_overlay_add_toast (self->toast_overlay, toast);
      if (data->connection_id == self->connection_id)
        concord_activity_model_reload (self->model);
      concord_engine_sync_now (self->engine, data->connection_id);
    }

  g_object_unref (data->view);
  g_free (data);
}

static void
on_line_flip_cb (ConcordActivityLine *line,
                 gint64               conflict_id,
                 ConcordActivityView *self)
{
  FlipData *data;

  if (self->connection_id == 0)
    return;

  gtk_widget_set_sensitive (GTK_WIDGET (line), FALSE);
  data = g_new0 (FlipData, 1);
  data->view = g_object_ref (self);
  data->connection_id = self->connection_id;
  concord_engine_flip_conflict_async (self->engine, self->connection_id, conflict_id,
                                      self->cancellable, on_flip_done_cb, data);
}

static void
on_factory_setup_cb (GtkSignalListItemFactory *factory,
                     GtkListItem              *list_item,
                     ConcordActivityView      *self)
{
  GtkWidget *line = concord_activity_line_new ();

  g_signal_connect_object (line, "flip", G_CALLBACK (on_line_flip_cb), self, 0);
  gtk_list_item_set_child (list_item, line);
  gtk_list_item_set_activatable (list_item, FALSE);
}

static void
on_factory_bind_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *list_item,
                    ConcordActivityView      *self)
{
  GtkWidget *line = gtk_list_item_get_child (list_item);
  const char *name_a, *name_b;

  account_names (self, &name_a, &name_b);
  gtk_widget_set_sensitive (line, TRUE);
  concord_activity_line_set_item (CONCORD_ACTIVITY_LINE (line),
                                  gtk_list_item_get_item (list_item), name_a, name_b);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_activity_view_dispose (GObject *object)
{
  ConcordActivityView *self = (ConcordActivityView *) object;

  g_cancellable_cancel (self->cancellable);
  if (self->engine != NULL)
    g_clear_signal_handler (&self->run_finished_id, self->engine);
  gtk_widget_dispose_template (GTK_WIDGET (self), CONCORD_TYPE_ACTIVITY_VIEW);
  g_clear_object (&self->model);
  g_clear_object (&self->engine);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (concord_activity_view_parent_class)->dispose (object);
}

static void
concord_activity_view_class_init (ConcordActivityViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = concord_activity_view_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/concord-activity-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordActivityView, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ConcordActivityView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, ConcordActivityView, count_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordActivityView, stack);
  gtk_widget_class_bind_template_child (widget_class, ConcordActivityView, scrolled);
  gtk_widget_class_bind_template_child (widget_class, ConcordActivityView, list_view);
  gtk_widget_class_bind_template_child (widget_class, ConcordActivityView, spinner);
  gtk_widget_class_bind_template_child (widget_class, ConcordActivityView, empty_page);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "activityview");
}

static void
concord_activity_view_init (ConcordActivityView *self)
{
  g_type_ensure (CONCORD_TYPE_ACTIVITY_LINE);
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_activity_view_new:
 * @engine: the engine
 *
 * Returns: (transfer floating): the activity page; show a connection with
 *   concord_activity_view_set_connection()
 */
GtkWidget *
concord_activity_view_new (ConcordEngine *engine)
{
  ConcordActivityView *self;
  g_autoptr(GtkListItemFactory) factory = NULL;
  g_autoptr(GtkNoSelection) selection = NULL;

  g_return_val_if_fail (CONCORD_IS_ENGINE (engine), NULL);

  self = g_object_new (CONCORD_TYPE_ACTIVITY_VIEW, NULL);
  self->engine = g_object_ref (engine);
  self->model = concord_activity_model_new (engine);
  self->run_finished_id = g_signal_connect (engine, "run-finished", G_CALLBACK (on_run_finished_cb), self);
  g_signal_connect_object (self->model, "items-changed", G_CALLBACK (on_model_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->model, "notify::loading", G_CALLBACK (on_model_changed_cb), self,
                           G_CONNECT_SWAPPED);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (on_factory_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (on_factory_bind_cb), self);
  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->model)));
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  gtk_list_view_set_show_separators (self->list_view, TRUE);

  update_state (self);
  return GTK_WIDGET (self);
}

/**
 * concord_activity_view_set_connection:
 * @connection_id: the connection to show, or 0 for none
 */
void
concord_activity_view_set_connection (ConcordActivityView *self,
                                      gint64               connection_id)
{
  g_return_if_fail (CONCORD_IS_ACTIVITY_VIEW (self));

  if (self->connection_id == connection_id)
    return;

  self->connection_id = connection_id;
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  concord_activity_model_set_query (self->model, connection_id, NULL);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scrolled), 0);
  update_state (self);
}

/**
 * concord_activity_view_get_model:
 *
 * Returns: (transfer none): the list the view shows (for tests)
 */
GListModel *
concord_activity_view_get_model (ConcordActivityView *self)
{
  g_return_val_if_fail (CONCORD_IS_ACTIVITY_VIEW (self), NULL);

  return G_LIST_MODEL (self->model);
}
