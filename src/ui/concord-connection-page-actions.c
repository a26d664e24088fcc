/* concord-connection-page-actions.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What a connection's page does to the connection from its menu: rename
 * it, remove it (the contacts stay in both apps: only what Concord keeps
 * of the connection goes), or remove the sample data as a whole; each
 * confirmed, and said in a toast.
 */

#define G_LOG_DOMAIN "concord-connection-page"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-activity-view.h"
#include "concord-app-registry.h"
#include "concord-application.h"
#include "concord-arrow.h"
#include "concord-connection-page-private.h"
#include "concord-engine-activity.h"
#include "concord-error.h"
#include "concord-health-view.h"
#include "concord-mapping-editor.h"
#include "concord-rule-editor.h"
#include "concord-schedule-row.h"
#include "concord-window.h"

/* ------------------------------------------------------------------------- */
/* Rename and remove                                                         */
/* ------------------------------------------------------------------------- */

static void
add_toast (ConcordConnectionPage *self,
           const char            *text)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (CONCORD_IS_WINDOW (root))
    {
      g_autofree char *escaped = g_markup_escape_text (text, -1);

      concord_window_add_toast (CONCORD_WINDOW (root), adw_toast_new (escaped));
    }
}

static GtkWindow *
dialog_parent (ConcordConnectionPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

/* Why @name cannot be the connection's new name, or NULL when it can. */
static char *
check_new_name (ConcordConnectionPage *self,
                const char            *name)
{
  GListModel *connections = concord_engine_get_connections (self->engine);
  guint n = g_list_model_get_n_items (connections);

  if (!concord_store_check_name (name, NULL))
    {
      if (name == NULL || *name == '\0')
        return g_strdup (_("Enter a name"));
      return g_strdup (_("A name cannot contain a line break, a tab or another control character"));
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConcordConnectionState) other = g_list_model_get_item (connections, i);

      if (other != self->state && g_strcmp0 (concord_connection_state_get_name (other), name) == 0)
        /* Translators: %s is a connection's name */
        return g_strdup_printf (_("Another connection is already called “%s”"), name);
    }

  return NULL;
}

static void
on_rename_entry_changed (GtkEditable *entry,
                         gpointer     user_data)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (user_data);
  ConcordConnectionPage *self = g_object_get_data (G_OBJECT (dialog), "page");
  GtkLabel *error_label = g_object_get_data (G_OBJECT (dialog), "error-label");
  const char *name = gtk_editable_get_text (entry);
  g_autofree char *problem = NULL;
  gboolean same;

  if (self == NULL || self->state == NULL)
    return;

  same = g_strcmp0 (name, concord_connection_state_get_name (self->state)) == 0;
  problem = same ? NULL : check_new_name (self, name);

  gtk_label_set_label (error_label, problem != NULL ? problem : "");
  gtk_widget_set_visible (GTK_WIDGET (error_label), problem != NULL);
  if (problem != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  problem != NULL ? problem : "", -1);
  adw_message_dialog_set_response_enabled (dialog, "rename", problem == NULL && !same);
}

static void
rename_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ConcordConnectionPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!concord_engine_rename_connection_finish (CONCORD_ENGINE (object), result, &error))
    {
      /* Translators: %s is why, e.g. "Another connection is called …" */
      g_autofree char *text = g_strdup_printf (_("Not renamed: %s"), error->message);

      add_toast (self, text);
    }
}

static void
on_rename_response (AdwMessageDialog      *dialog,
                    const char            *response,
                    ConcordConnectionPage *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");

  if (g_strcmp0 (response, "rename") != 0 || self->state == NULL)
    return;

  concord_engine_rename_connection_async (self->engine, concord_connection_state_get_id (self->state),
                                          gtk_editable_get_text (entry), NULL, rename_cb,
                                          g_object_ref (self));
}

static void
on_rename_entry_activate (GtkEntry         *entry,
                          AdwMessageDialog *dialog)
{
  if (adw_message_dialog_get_response_enabled (dialog, "rename"))
    {
      adw_message_dialog_response (dialog, "rename");
      gtk_window_close (GTK_WINDOW (dialog));
    }
}

void
concord_connection_page_rename_action (GtkWidget  *widget,
                                       const char *action_name,
                                       GVariant   *parameter)
{
  ConcordConnectionPage *self = CONCORD_CONNECTION_PAGE (widget);
  AdwMessageDialog *dialog;
  GtkWidget *box, *entry, *error_label;

  if (self->state == NULL)
    return;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (dialog_parent (self), _("Rename Connection"),
                                                       _("The name is only used in Concord; the apps and "
                                                         "their contacts do not change.")));
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  entry = gtk_entry_new ();
  gtk_widget_set_name (entry, "rename-entry");
  gtk_editable_set_text (GTK_EDITABLE (entry), concord_connection_state_get_name (self->state));
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Connection name"), -1);
  error_label = gtk_label_new (NULL);
  gtk_widget_set_name (error_label, "rename-error");
  gtk_label_set_wrap (GTK_LABEL (error_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (error_label), 0);
  gtk_widget_add_css_class (error_label, "error");
  gtk_widget_add_css_class (error_label, "caption");
  gtk_widget_set_visible (error_label, FALSE);
  gtk_box_append (GTK_BOX (box), entry);
  gtk_box_append (GTK_BOX (box), error_label);
  adw_message_dialog_set_extra_child (dialog, box);

  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "rename", _("_Rename"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "rename", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (dialog, "rename", FALSE);
  adw_message_dialog_set_default_response (dialog, "rename");
  adw_message_dialog_set_close_response (dialog, "cancel");

  g_object_set_data_full (G_OBJECT (dialog), "page", g_object_ref (self), g_object_unref);
  g_object_set_data (G_OBJECT (dialog), "entry", entry);
  g_object_set_data (G_OBJECT (dialog), "error-label", error_label);
  g_signal_connect (entry, "changed", G_CALLBACK (on_rename_entry_changed), dialog);
  g_signal_connect (entry, "activate", G_CALLBACK (on_rename_entry_activate), dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_rename_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

typedef struct
{
  ConcordConnectionPage *page;  /* (owned) */
  char                  *name;  /* (owned) of the connection removed */
} Removal;

static void
removal_free (Removal *removal)
{
  g_object_unref (removal->page);
  g_free (removal->name);
  g_free (removal);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Removal, removal_free)

static void
remove_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Removal) removal = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!concord_engine_remove_connection_finish (CONCORD_ENGINE (object), result, &error))
    /* Translators: %s is why */
    text = g_strdup_printf (_("Not removed: %s"), error->message);
  else
    /* Translators: %s is a connection's name */
    text = g_strdup_printf (_("“%s” was removed; its contacts stay in both apps"), removal->name);
  add_toast (removal->page, text);
}

static void
on_remove_response (AdwMessageDialog      *dialog,
                    const char            *response,
                    ConcordConnectionPage *self)
{
  Removal *removal;

  if (g_strcmp0 (response, "remove") != 0 || self->state == NULL)
    return;

  removal = g_new0 (Removal, 1);
  removal->page = g_object_ref (self);
  removal->name = g_strdup (concord_connection_state_get_name (self->state));
  concord_engine_remove_connection_async (self->engine, concord_connection_state_get_id (self->state),
                                          NULL, remove_cb, removal);
}

void
concord_connection_page_remove_action (GtkWidget  *widget,
                                       const char *action_name,
                                       GVariant   *parameter)
{
  ConcordConnectionPage *self = CONCORD_CONNECTION_PAGE (widget);
  AdwMessageDialog *dialog;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;

  if (self->state == NULL)
    return;

  /* Translators: %s is a connection's name */
  heading = g_strdup_printf (_("Remove “%s”?"), concord_connection_state_get_name (self->state));
  /* Translators: the two %s are account names, e.g. "Shop" and "Newsletter" */
  body = g_strdup_printf (_("Concord stops syncing %s and %s. Your contacts stay as they are in both "
                            "apps: nothing is deleted there. Only what Concord keeps about this "
                            "connection goes: which contacts belong together, and its activity."),
                          concord_connection_state_get_account_a (self->state),
                          concord_connection_state_get_account_b (self->state));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (dialog_parent (self), heading, body));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
remove_sandbox_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ConcordConnectionPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!concord_application_remove_sandbox_finish (CONCORD_APPLICATION (object), result, &error))
    {
      /* Translators: %s is why */
      g_autofree char *text = g_strdup_printf (_("The sample data could not be removed: %s"), error->message);

      add_toast (self, text);
    }
  else
    add_toast (self, _("The sample data was removed"));
}

static void
on_remove_sample_response (AdwMessageDialog      *dialog,
                           const char            *response,
                           ConcordConnectionPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkApplication *application = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root)) : NULL;

  if (g_strcmp0 (response, "remove") != 0 || !CONCORD_IS_APPLICATION (application))
    return;

  concord_application_remove_sandbox_async (CONCORD_APPLICATION (application), NULL, remove_sandbox_cb,
                                            g_object_ref (self));
}

void
concord_connection_page_remove_sample_data_action (GtkWidget  *widget,
                                                   const char *action_name,
                                                   GVariant   *parameter)
{
  ConcordConnectionPage *self = CONCORD_CONNECTION_PAGE (widget);
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (dialog_parent (self), _("Remove the Sample Data?"),
                                                       _("This removes the sample connection, the two "
                                                         "sample accounts and the sample apps running on "
                                                         "this computer, with their made-up contacts. "
                                                         "Your own connections and accounts are not "
                                                         "touched.")));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove Sample Data"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_sample_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ------------------------------------------------------------------------- */
