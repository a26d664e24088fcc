/* concord-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The main window: a header bar, a toast overlay and a stack of pages. With
 * no connection set up it shows the empty state, whose one button starts the
 * Add Connection flow (win.add-connection). Its size and maximized state are
 * kept in GSettings and restored on the next start.
 */

#define G_LOG_DOMAIN "concord-window"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-add-connection-dialog.h"
#include "concord-app-registry.h"
#include "concord-connection-item.h"
#include "concord-connection-page.h"
#include "concord-window.h"

struct _ConcordWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;  /* (owned) */
  ConcordEngine        *engine;    /* (owned) (nullable) */

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  GtkMenuButton        *primary_menu_button;
  GtkStack             *main_stack;
  AdwLeaflet           *leaflet;
  AdwBin               *connection_bin;
  GtkWidget            *connection_page;  /* (nullable): made with the engine */
  gboolean              leave_after_save;
  AdwStatusPage        *empty_page;
  GtkButton            *add_connection_button;
  GtkMenuButton        *sample_data_button;
  GtkListBox           *connection_list;
};

G_DEFINE_FINAL_TYPE (ConcordWindow, concord_window, ADW_TYPE_APPLICATION_WINDOW)

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void
restore_window_state (ConcordWindow *self)
{
  int width = g_settings_get_int (self->settings, "window-width");
  int height = g_settings_get_int (self->settings, "window-height");

  gtk_window_set_default_size (GTK_WINDOW (self), width, height);

  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
save_window_state (ConcordWindow *self)
{
  int width, height;

  /* The default size tracks the unmaximized size in GTK 4. */
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);

  g_settings_delay (self->settings);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
  if (width > 0 && height > 0)
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
  g_settings_apply (self->settings);
}

/* ------------------------------------------------------------------------- */
/* Actions                                                                   */
/* ------------------------------------------------------------------------- */

static void concord_window_show_row (ConcordWindow *self,
                                     gint64         connection_id);

static ConcordAddConnectionDialog *
open_add_connection (ConcordWindow *self)
{
  GtkWidget *dialog;

  if (self->engine == NULL)
    return NULL;

  dialog = concord_add_connection_dialog_new (GTK_WINDOW (self), self->engine);
  g_signal_connect_object (dialog, "connection-added", G_CALLBACK (concord_window_show_row), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
  return CONCORD_ADD_CONNECTION_DIALOG (dialog);
}

static void
concord_window_add_connection_action (GtkWidget  *widget,
                                      const char *action_name,
                                      GVariant   *parameter)
{
  open_add_connection (CONCORD_WINDOW (widget));
}

static void
set_sample_actions_enabled (ConcordWindow *self,
                            gboolean       enabled)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.try-sample-data", enabled);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.try-sample-app", enabled);
}

static void
sandbox_started_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ConcordWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *app_id = g_object_steal_data (G_OBJECT (self), "concord-sample-app");
  ConcordSandbox *sandbox;
  ConcordAddConnectionDialog *dialog;

  set_sample_actions_enabled (self, TRUE);

  sandbox = concord_application_start_sandbox_finish (CONCORD_APPLICATION (object), result, &error);
  if (sandbox == NULL)
    {
      /* Translators: %s says why (an error message) */
      g_autofree char *text = g_strdup_printf (_("The sample apps could not start: %s"), error->message);

      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
      return;
    }

  dialog = open_add_connection (self);
  if (dialog != NULL && app_id != NULL)
    concord_add_connection_dialog_set_sandbox_app (dialog, sandbox, app_id);
  else if (dialog != NULL)
    concord_add_connection_dialog_set_sandbox (dialog, sandbox);
}

/* The sandbox demo: two sample apps on this machine, then the real flow.
 * win.try-sample-app chooses the second (the menu of the empty page
 * offers each of concord_sandbox_list_apps()) and starts the flow with
 * both chosen; win.try-sample-data leaves the choice to the user. */
static void
concord_window_try_sample_data_action (GtkWidget  *widget,
                                       const char *action_name,
                                       GVariant   *parameter)
{
  ConcordWindow *self = CONCORD_WINDOW (widget);
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));
  const char *app_id = parameter != NULL ? g_variant_get_string (parameter, NULL) : NULL;

  if (!CONCORD_IS_APPLICATION (application))
    return;

  set_sample_actions_enabled (self, FALSE);
  g_object_set_data_full (G_OBJECT (self), "concord-sample-app", g_strdup (app_id), g_free);
  concord_application_start_sandbox_app_async (CONCORD_APPLICATION (application),
                                               app_id != NULL && g_strcmp0 (app_id, concord_sample_app.id) != 0
                                                 ? app_id : NULL,
                                               NULL, sandbox_started_cb, g_object_ref (self));
}

/* A menu button's label wraps, centred, rather than widen the window: a
 * long translation of "Try with Sample Data" is wider than a phone
 * (360 px). GtkMenuButton makes its label itself, from its "label" (a
 * child of our own would lose its name to screen readers), and in GTK 4.8
 * it does not trade height for width: it is as tall as its label at its
 * natural width. So that natural width is kept short enough for 360 px,
 * at most 24 characters a line. */
static void
wrap_labels (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      /* Not its menu's items. */
      if (GTK_IS_POPOVER (child))
        continue;
      if (GTK_IS_LABEL (child))
        {
          gtk_label_set_wrap (GTK_LABEL (child), TRUE);
          gtk_label_set_wrap_mode (GTK_LABEL (child), PANGO_WRAP_WORD);
          gtk_label_set_max_width_chars (GTK_LABEL (child), 24);
          gtk_label_set_justify (GTK_LABEL (child), GTK_JUSTIFY_CENTER);
        }
      else
        wrap_labels (child);
    }
}

/* The empty page's "Try with Sample Data" menu: each app the sandbox can
 * run as the second side. */
static GMenuModel *
sample_apps_menu (void)
{
  GMenu *menu = g_menu_new ();
  g_auto(GStrv) apps = concord_sandbox_list_apps ();

  for (guint i = 0; apps[i] != NULL; i++)
    {
      g_autoptr(GMenuItem) item = NULL;
      g_autofree char *label = NULL;

      if (g_str_equal (apps[i], concord_sample_app.id))
        label = g_strdup (concord_app_registry_get_name (apps[i]));
      else
        /* Translators: a menu item: the sandbox demo with a made-up account of
         * the app %s ("Pipedrive") */
        label = g_strdup_printf (_("Sample %s"), concord_app_registry_get_name (apps[i]));
      item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target_value (item, "win.try-sample-app", g_variant_new_string (apps[i]));
      g_menu_append_item (menu, item);
    }

  return G_MENU_MODEL (menu);
}

/* ------------------------------------------------------------------------- */
/* GtkWindow                                                                 */
/* ------------------------------------------------------------------------- */

static gboolean
concord_window_close_request (GtkWindow *window)
{
  save_window_state (CONCORD_WINDOW (window));

  return GTK_WINDOW_CLASS (concord_window_parent_class)->close_request (window);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  ConcordWindow *self = user_data;

  return concord_connection_item_new (self->engine, item);
}

static void
update_page (ConcordWindow *self)
{
  GListModel *connections = self->engine != NULL ? concord_engine_get_connections (self->engine) : NULL;
  gboolean any = connections != NULL && g_list_model_get_n_items (connections) > 0;

  gtk_stack_set_visible_child_name (self->main_stack, any ? "connections" : "empty");
}

/* Back to the list when the connection shown is removed. */
static void
on_connections_changed (ConcordWindow *self)
{
  ConcordConnectionState *shown = NULL;

  if (self->connection_page != NULL)
    shown = concord_connection_page_get_state (CONCORD_CONNECTION_PAGE (self->connection_page));
  if (shown != NULL &&
      concord_engine_lookup (self->engine, concord_connection_state_get_id (shown)) == NULL)
    {
      adw_leaflet_set_visible_child_name (self->leaflet, "list");
      concord_connection_page_set_state (CONCORD_CONNECTION_PAGE (self->connection_page), NULL);
    }

  update_page (self);
}

/* ------------------------------------------------------------------------- */
/* A connection's page                                                       */
/* ------------------------------------------------------------------------- */

static void
open_connection (ConcordWindow          *self,
                 ConcordConnectionState *state,
                 const char             *section)
{
  ConcordConnectionPage *page = CONCORD_CONNECTION_PAGE (self->connection_page);

  if (page == NULL || state == NULL)
    return;

  /* Another connection's unsaved edits are not lost silently: its page
   * stays, and says why. */
  if (concord_connection_page_get_state (page) != state && concord_connection_page_get_dirty (page))
    {
      adw_leaflet_set_visible_child_name (self->leaflet, "connection");
      adw_toast_overlay_add_toast (self->toast_overlay,
                                   adw_toast_new (_("Save or discard the changes to this connection first")));
      return;
    }

  concord_connection_page_set_state (page, state);
  concord_connection_page_show_section (page, section != NULL ? section : "overview");
  adw_leaflet_set_visible_child_name (self->leaflet, "connection");
}

static void
on_row_activated (ConcordWindow *self,
                  GtkListBoxRow *row)
{
  if (CONCORD_IS_CONNECTION_ITEM (row))
    open_connection (self, concord_connection_item_get_state (CONCORD_CONNECTION_ITEM (row)), NULL);
}

static void
show_list (ConcordWindow *self)
{
  ConcordConnectionState *shown = concord_connection_page_get_state (CONCORD_CONNECTION_PAGE (self->connection_page));

  adw_leaflet_set_visible_child_name (self->leaflet, "list");
  if (shown != NULL)
    concord_window_show_row (self, concord_connection_state_get_id (shown));
}

static void
on_leave_response (AdwMessageDialog *dialog,
                   const char       *response,
                   ConcordWindow    *self)
{
  ConcordConnectionPage *page = CONCORD_CONNECTION_PAGE (self->connection_page);

  if (g_strcmp0 (response, "save") == 0)
    {
      /* Leaves once stored; a refusal keeps the page, saying why. */
      self->leave_after_save = TRUE;
      concord_connection_page_save (page);
      return;
    }
  if (g_strcmp0 (response, "discard") == 0)
    {
      concord_connection_page_discard (page);
      show_list (self);
    }
}

static void
on_page_saved (ConcordWindow *self,
               gboolean       ok)
{
  /* A save asked for by the leave dialog: back to the list once stored;
   * a refusal keeps the page, which says why. */
  if (!self->leave_after_save)
    return;
  self->leave_after_save = FALSE;
  if (ok)
    show_list (self);
}

static void
concord_window_show_connections_action (GtkWidget  *widget,
                                        const char *action_name,
                                        GVariant   *parameter)
{
  ConcordWindow *self = CONCORD_WINDOW (widget);
  AdwMessageDialog *dialog;

  if (self->connection_page == NULL ||
      !concord_connection_page_get_dirty (CONCORD_CONNECTION_PAGE (self->connection_page)))
    {
      if (self->connection_page != NULL)
        show_list (self);
      return;
    }

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Save Changes?"),
                                                       _("The rules or the field mapping of this connection "
                                                         "have changes that are not saved.")));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_leave_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* A problem or a recovery while the window is in front: a toast, not a
 * notification; a problem's Details opens the connection's page. */
static void
on_show_toast (ConcordWindow *self,
               const char    *text,
               gint64         connection_id)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  AdwToast *toast = adw_toast_new (escaped);

  if (connection_id != 0)
    {
      /* Translators: a button on a toast about a failing connection */
      adw_toast_set_button_label (toast, _("_Details"));
      adw_toast_set_action_name (toast, "app.show-connection");
      adw_toast_set_action_target_value (toast, g_variant_new_int64 (connection_id));
      adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
    }
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* "application" is not a construct property: the engine is bound once the
 * window has its application. */
static void
bind_engine (ConcordWindow *self)
{
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));
  ConcordEngine *engine = NULL;

  if (CONCORD_IS_APPLICATION (application))
    engine = concord_application_get_engine (CONCORD_APPLICATION (application));
  if (engine == NULL || engine == self->engine)
    return;

  g_set_object (&self->engine, engine);
  if (concord_application_get_notifications (CONCORD_APPLICATION (application)) != NULL)
    g_signal_connect_object (concord_application_get_notifications (CONCORD_APPLICATION (application)),
                             "show-toast", G_CALLBACK (on_show_toast), self, G_CONNECT_SWAPPED);
  gtk_list_box_bind_model (self->connection_list, concord_engine_get_connections (engine),
                           create_row, self, NULL);
  self->connection_page = concord_connection_page_new (engine);
  adw_bin_set_child (self->connection_bin, self->connection_page);
  g_signal_connect_object (self->connection_page, "saved", G_CALLBACK (on_page_saved), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (concord_engine_get_connections (engine), "items-changed",
                           G_CALLBACK (on_connections_changed), self, G_CONNECT_SWAPPED);
  update_page (self);
}

static void
concord_window_constructed (GObject *object)
{
  ConcordWindow *self = CONCORD_WINDOW (object);

  G_OBJECT_CLASS (concord_window_parent_class)->constructed (object);

  restore_window_state (self);
  g_signal_connect (self, "notify::application", G_CALLBACK (bind_engine), NULL);
  bind_engine (self);
  update_page (self);
}

static void
concord_window_dispose (GObject *object)
{
  ConcordWindow *self = CONCORD_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CONCORD_TYPE_WINDOW);
  g_clear_object (&self->settings);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (concord_window_parent_class)->dispose (object);
}

static void
concord_window_class_init (ConcordWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = concord_window_constructed;
  object_class->dispose = concord_window_dispose;

  window_class->close_request = concord_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/concord-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ConcordWindow, primary_menu_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, ConcordWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, ConcordWindow, add_connection_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordWindow, sample_data_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordWindow, connection_list);
  gtk_widget_class_bind_template_child (widget_class, ConcordWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, ConcordWindow, connection_bin);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);

  gtk_widget_class_install_action (widget_class, "win.add-connection", NULL,
                                   concord_window_add_connection_action);
  gtk_widget_class_install_action (widget_class, "win.try-sample-app", "s",
                                   concord_window_try_sample_data_action);
  gtk_widget_class_install_action (widget_class, "win.try-sample-data", NULL,
                                   concord_window_try_sample_data_action);
  gtk_widget_class_install_action (widget_class, "win.show-connections", NULL,
                                   concord_window_show_connections_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "win.show-connections", NULL);
}

static void
concord_window_init (ConcordWindow *self)
{
  g_autoptr(GMenuModel) sample_apps = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new ("io.github.concordsync.Concord");
  sample_apps = sample_apps_menu ();
  gtk_menu_button_set_menu_model (self->sample_data_button, sample_apps);
  wrap_labels (GTK_WIDGET (self->sample_data_button));

  if (g_strcmp0 (PROFILE, "development") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

ConcordWindow *
concord_window_new (ConcordApplication *application)
{
  g_return_val_if_fail (CONCORD_IS_APPLICATION (application), NULL);

  return g_object_new (CONCORD_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

/**
 * concord_window_add_toast:
 * @self: a #ConcordWindow
 * @toast: (transfer full): the toast to show
 */
void
concord_window_add_toast (ConcordWindow *self,
                          AdwToast      *toast)
{
  g_return_if_fail (CONCORD_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* Brings the row of a connection into view and focuses it. */
static void
concord_window_show_row (ConcordWindow *self,
                         gint64         connection_id)
{
  GtkWidget *child;

  for (child = gtk_widget_get_first_child (GTK_WIDGET (self->connection_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (CONCORD_IS_CONNECTION_ITEM (child) &&
        concord_connection_state_get_id (concord_connection_item_get_state (CONCORD_CONNECTION_ITEM (child))) ==
        connection_id)
      {
        gtk_widget_grab_focus (child);
        break;
      }
}

/**
 * concord_window_show_connection:
 * @section: (nullable): "overview" (the default), "rules", "mapping" or
 *   "activity"
 *
 * Opens a connection's page, e.g. from a notification.
 */
void
concord_window_show_connection (ConcordWindow *self,
                                gint64         connection_id,
                                const char    *section)
{
  g_return_if_fail (CONCORD_IS_WINDOW (self));

  if (self->engine != NULL)
    open_connection (self, concord_engine_lookup (self->engine, connection_id), section);
}
