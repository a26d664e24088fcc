/* concord-add-connection-side-form.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * One side of Add Connection's first step: the app and its form. The
 * searchable list of apps, and the chosen app's form, made from the app
 * registry: an entry for text and URLs, an entry with a chooser button
 * for files and folders, a combo row for a choice, the advanced fields in
 * an expander; in the sandbox, its options filled in.
 */

#define G_LOG_DOMAIN "concord-add-connection-side"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "concord-add-connection-side-private.h"
#include "concord-app-registry.h"
#include "concord-error.h"
#include "concord-keyring-probe.h"

/* ------------------------------------------------------------------------- */
/* The app's form                                                            */
/* ------------------------------------------------------------------------- */

/* The accessible names say which side a field is on: both have the same. */
void
concord_add_connection_side_update_field_labels (ConcordAddConnectionSide *self)
{
  const char *title = gtk_label_get_label (self->title_label);
  const ConcordAppField *secret = self->app != NULL ? concord_app_info_get_secret_field (self->app) : NULL;
  g_autofree char *key = NULL;

  if (secret != NULL)
    /* Translators: the first %s is a field ("API Key"), the second "First App" or "Second App" */
    key = g_strdup_printf (_("%s of the %s"), concord_app_field_get_label (secret), title);
  else
    /* Translators: %s is "First App" or "Second App" */
    key = g_strdup_printf (_("API key of the %s"), title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->key_row), GTK_ACCESSIBLE_PROPERTY_LABEL, key, -1);

  for (guint i = 0; i < self->field_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->field_rows, i);
      const ConcordAppField *field = g_object_get_data (G_OBJECT (row), "concord-field");
      GtkWidget *button = g_object_get_data (G_OBJECT (row), "concord-choose-button");
      /* Translators: the first %s is a field ("Server Address"), the second "First App" or
       * "Second App" */
      g_autofree char *label = g_strdup_printf (_("%s of the %s"), concord_app_field_get_label (field),
                                                title);

      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      if (button != NULL)
        {
          /* Translators: %s is a field and the side, "File of the First App" */
          g_autofree char *choose = g_strdup_printf (_("Choose the %s"), label);

          gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          choose, -1);
        }
    }
}

static void
on_file_chooser_response_cb (GtkNativeDialog *dialog,
                             int              response,
                             gpointer         user_data)
{
  g_autoptr(GtkWidget) row = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        gtk_editable_set_text (GTK_EDITABLE (row), path);
    }
  g_object_unref (dialog);
}

/* The button of a file or folder row: the desktop's chooser (GTK 4.8 has
 * no GtkFileDialog), which fills in the row. */
static void
on_choose_clicked_cb (GtkButton *button,
                      GtkWidget *row)
{
  const ConcordAppField *field = g_object_get_data (G_OBJECT (row), "concord-field");
  gboolean folder = field->kind == CONCORD_APP_FIELD_FOLDER;
  GtkRoot *root = gtk_widget_get_root (row);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (concord_app_field_get_label (field),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                                : GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Choose"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_file_chooser_response_cb), g_object_ref (row));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* "base_url" → "base-url-entry" */
char *
concord_add_connection_side_row_name (const ConcordAppField *field,
                                      const char            *suffix)
{
  return g_strdelimit (g_strconcat (field->key, suffix, NULL), "_", '-');
}

static GtkWidget *
make_field_row (ConcordAddConnectionSide *self,
                const ConcordAppField    *field)
{
  g_autofree char *title = NULL;
  g_autofree char *name = NULL;
  GtkWidget *row;

  if (field->help != NULL)
    /* Translators: a field and a hint, "Server Address (empty: the app’s own)" */
    title = g_strdup_printf (_("%s (%s)"), concord_app_field_get_label (field),
                             g_dgettext (GETTEXT_PACKAGE, field->help));
  else
    title = g_strdup (concord_app_field_get_label (field));

  if (field->kind == CONCORD_APP_FIELD_CHOICE)
    {
      g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
      GPtrArray *choices = concord_app_field_get_choices (field);

      /* An optional choice starts with "None": item i is choice i - 1. */
      if (!field->required)
        gtk_string_list_append (labels, _("None"));
      for (guint i = 0; i < choices->len; i++)
        {
          const ConcordAppChoice *choice = g_ptr_array_index (choices, i);

          gtk_string_list_append (labels, g_dgettext (GETTEXT_PACKAGE, choice->label));
        }

      row = adw_combo_row_new ();
      name = concord_add_connection_side_row_name (field, "-choice");
      adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (labels));
      g_object_set_data_full (G_OBJECT (row), "concord-choices", choices, (GDestroyNotify) g_ptr_array_unref);
      g_signal_connect_swapped (row, "notify::selected", G_CALLBACK (concord_add_connection_side_on_input_changed),
                                self);
    }
  else
    {
      row = adw_entry_row_new ();
      name = concord_add_connection_side_row_name (field, "-entry");
      if (field->kind == CONCORD_APP_FIELD_URL)
        g_object_set (row, "input-purpose", GTK_INPUT_PURPOSE_URL, NULL);
      g_signal_connect_swapped (row, "changed", G_CALLBACK (concord_add_connection_side_on_input_changed), self);
      g_signal_connect_swapped (row, "entry-activated", G_CALLBACK (concord_add_connection_side_on_entry_activated),
                                self);

      if (field->kind == CONCORD_APP_FIELD_FILE || field->kind == CONCORD_APP_FIELD_FOLDER)
        {
          GtkWidget *button = gtk_button_new_from_icon_name (field->kind == CONCORD_APP_FIELD_FOLDER
                                                               ? "folder-open-symbolic"
                                                               : "document-open-symbolic");
          g_autofree char *button_name = concord_add_connection_side_row_name (field, "-choose-button");

          gtk_widget_set_name (button, button_name);
          gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
          gtk_widget_add_css_class (button, "flat");
          gtk_widget_set_tooltip_text (button, field->kind == CONCORD_APP_FIELD_FOLDER
                                                 ? _("Choose a Folder…") : _("Choose a File…"));
          g_signal_connect (button, "clicked", G_CALLBACK (on_choose_clicked_cb), row);
          adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), button);
          g_object_set_data (G_OBJECT (row), "concord-choose-button", button);
        }
    }

  gtk_widget_set_name (row, name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  g_object_set_data (G_OBJECT (row), "concord-field", (gpointer) field);
  return row;
}

static void
clear_form (ConcordAddConnectionSide *self)
{
  for (guint i = 0; i < self->field_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->field_rows, i);

      if (gtk_widget_get_ancestor (row, ADW_TYPE_EXPANDER_ROW) != NULL)
        adw_expander_row_remove (self->advanced_expander, row);
      else
        adw_preferences_group_remove (self->fields_group, row);
    }
  g_ptr_array_set_size (self->field_rows, 0);
  self->problem_row = NULL;
}

/* Check sits in the secret's row; an app without a secret (a local file,
 * an address book) has it in a row of its own. */
static void
place_check (ConcordAddConnectionSide *self,
             gboolean                  in_key_row)
{
  GtkWidget *widgets[] = {
    GTK_WIDGET (self->spinner), GTK_WIDGET (self->checked_icon), GTK_WIDGET (self->check_button),
  };
  GtkWidget *row = in_key_row ? GTK_WIDGET (self->key_row) : GTK_WIDGET (self->check_row);

  if (gtk_widget_is_ancestor (widgets[0], row))
    return;

  for (guint i = 0; i < G_N_ELEMENTS (widgets); i++)
    {
      g_object_ref (widgets[i]);
      if (in_key_row)
        {
          adw_action_row_remove (self->check_row, widgets[i]);
          adw_entry_row_add_suffix (ADW_ENTRY_ROW (self->key_row), widgets[i]);
        }
      else
        {
          adw_entry_row_remove (ADW_ENTRY_ROW (self->key_row), widgets[i]);
          adw_action_row_add_suffix (self->check_row, widgets[i]);
        }
      g_object_unref (widgets[i]);
    }
}

/* The sandbox's options for an account of @app, when it runs one
 * (Elastic Email, the Sample CRM, a sample app). */
static JsonObject *
sandbox_options (ConcordAddConnectionSide *self,
                 JsonParser               *parser)
{
  const char *options;

  if (self->sandbox == NULL)
    return NULL;

  options = concord_sandbox_get_app_options_json (self->sandbox, self->app->id);
  if (options != NULL &&
      concord_sandbox_owns_account (self->sandbox, self->app->id, options) &&
      json_parser_load_from_data (parser, options, -1, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return json_node_get_object (json_parser_get_root (parser));

  return NULL;
}

/* The sandbox's key for its account of the app on screen, filled in (the
 * sample apps' keys are made up, long and random); a key filled in for
 * another app goes. A key the user typed stays. */
static void
fill_sandbox_key (ConcordAddConnectionSide *self,
                  gboolean                  sandbox_account)
{
  const char *key = sandbox_account ? concord_sandbox_get_app_key (self->sandbox, self->app->id) : NULL;
  const char *text = concord_add_connection_side_text_of (self->key_row);

  if (*text != '\0' && (self->filled_key == NULL || !g_str_equal (text, self->filled_key)))
    key = NULL;
  else if (key == NULL && self->filled_key != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->key_row), "");

  g_clear_pointer (&self->filled_key, g_free);
  if (key != NULL)
    {
      self->filled_key = g_strdup (key);
      gtk_editable_set_text (GTK_EDITABLE (self->key_row), key);
    }
}

/* The rows of the chosen app's form. */
void
concord_add_connection_side_build_form (ConcordAddConnectionSide *self)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GString) advanced = g_string_new (NULL);
  const ConcordAppField *secret;
  JsonObject *preset;
  gboolean any_shown = FALSE;

  clear_form (self);
  preset = sandbox_options (self, parser);
  fill_sandbox_key (self, preset != NULL && concord_app_info_get_secret_field (self->app) != NULL);

  secret = concord_app_info_get_secret_field (self->app);
  gtk_widget_set_visible (GTK_WIDGET (self->key_row), secret != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->check_row), secret == NULL);
  place_check (self, secret != NULL);
  if (secret != NULL)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->key_row), concord_app_field_get_label (secret));

  for (const ConcordAppField *field = self->app->fields; field->key != NULL; field++)
    {
      GtkWidget *row;
      const char *value;

      if (field->kind == CONCORD_APP_FIELD_SECRET)
        continue;

      row = make_field_row (self, field);
      g_ptr_array_add (self->field_rows, row);
      value = preset != NULL ? json_object_get_string_member_with_default (preset, field->key, NULL) : NULL;
      if (value != NULL && GTK_IS_EDITABLE (row))
        gtk_editable_set_text (GTK_EDITABLE (row), value);
      /* A demo app's fields are the sandbox's business. */
      gtk_widget_set_visible (row, !self->app->demo || value == NULL);

      if (field->advanced)
        {
          adw_expander_row_add_row (self->advanced_expander, row);
          if (gtk_widget_get_visible (row))
            g_string_append_printf (advanced, "%s%s",
                                    advanced->len > 0
                                    /* Translators: between the items of a list, as in "VIP, Pro" (with its spaces) */
                                    ? C_("list separator", ", ") : "",
                                    concord_app_field_get_short_label (field));
        }
      else
        {
          adw_preferences_group_add (self->fields_group, row);
          any_shown |= gtk_widget_get_visible (row);
        }
    }

  gtk_widget_set_visible (GTK_WIDGET (self->fields_group), any_shown);
  gtk_widget_set_visible (GTK_WIDGET (self->advanced_expander), advanced->len > 0);
  if (advanced->len > 0)
    {
      /* Translators: %s is a list of fields, "Server Address, Custom Fields" */
      g_autofree char *title = g_strdup_printf (_("Advanced: %s"), advanced->str);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->advanced_expander), title);
    }
  concord_add_connection_side_update_field_labels (self);
}

/* ------------------------------------------------------------------------- */
/* Choosing the app                                                          */
/* ------------------------------------------------------------------------- */

void
concord_add_connection_side_set_app (ConcordAddConnectionSide *self,
                                     const ConcordAppInfo     *app)
{
  if (self->checking)
    return;

  if (app != self->app)
    {
      concord_add_connection_side_forget_account (self);
      self->app = app;
      concord_add_connection_side_set_status (self, CONCORD_SIDE_STATUS_NONE, NULL);
      concord_add_connection_side_build_form (self);
    }

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->app_row), concord_app_info_get_name (app));
  gtk_image_set_from_icon_name (self->app_icon, concord_app_info_get_icon_name (app));
  gtk_widget_set_visible (GTK_WIDGET (self->key_help_button), app->key_url != NULL);
  if (app->key_url != NULL)
    gtk_link_button_set_uri (self->key_help_button, app->key_url);
  if (concord_app_info_get_secret_field (app) != NULL)
    {
      /* Translators: a link to the app's page; %s is the name of the key's
       * field ("API Key", "API Token", "Private App Access Token") */
      g_autofree char *help = g_strdup_printf (_("Where do I find my %s?"),
                                               concord_app_field_get_label (concord_app_info_get_secret_field (app)));

      gtk_button_set_label (GTK_BUTTON (self->key_help_button), help);
    }
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->key_help_button),
                               app->key_help != NULL ? g_dgettext (GETTEXT_PACKAGE, app->key_help) : NULL);
  {
    /* Translators: %s is an app, in the tooltip of a button */
    g_autofree char *change = g_strdup_printf (_("Choose another app instead of %s"),
                                               concord_app_info_get_name (app));

    gtk_widget_set_tooltip_text (GTK_WIDGET (self->change_app_button), change);
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->change_app_button),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, change, -1);
  }

  /* Focus moves on before the list it was in goes; the field it moves to
   * is scrolled into view once laid out. */
  concord_add_connection_side_clear_existing (self);
  gtk_widget_set_visible (GTK_WIDGET (self->account_group), TRUE);
  concord_add_connection_side_update_sensitivity (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
  gtk_widget_set_visible (GTK_WIDGET (self->chooser_box), FALSE);
  concord_add_connection_scroll_to (GTK_WIDGET (self->name_row));

  if (self->engine != NULL)
    concord_engine_list_accounts_async (self->engine, self->cancellable,
                                        concord_add_connection_side_on_accounts_listed_cb,
                                        g_object_ref (self));
}

static gboolean
filter_app_row (GtkListBoxRow *row,
                gpointer       user_data)
{
  ConcordAddConnectionSide *self = user_data;
  const ConcordAppInfo *app = g_object_get_data (G_OBJECT (row), "concord-app");
  g_autofree char *query = g_utf8_casefold (concord_add_connection_side_text_of (self->search_entry), -1);
  g_autofree char *name = g_utf8_casefold (concord_app_info_get_name (app), -1);

  return strstr (name, g_strstrip (query)) != NULL;
}

void
concord_add_connection_side_add_app_rows (ConcordAddConnectionSide *self)
{
  const ConcordAppInfo **apps;
  guint n_apps;
  GtkWidget *placeholder;

  apps = concord_app_registry_list (&n_apps);
  for (guint i = 0; i < n_apps; i++)
    {
      GtkWidget *row, *icon;
      g_autofree char *name = NULL;

      /* The sandbox's apps are offered in the sandbox only. */
      if (apps[i]->demo && !self->show_demo)
        continue;

      row = adw_action_row_new ();
      name = g_strdup_printf ("app-%s", apps[i]->id);
      gtk_widget_set_name (row, name);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), concord_app_info_get_name (apps[i]));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data (G_OBJECT (row), "concord-app", (gpointer) apps[i]);

      icon = gtk_image_new_from_icon_name (concord_app_info_get_icon_name (apps[i]));
      gtk_image_set_pixel_size (GTK_IMAGE (icon), 32);
      gtk_widget_add_css_class (icon, "app-icon");
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));

      gtk_list_box_append (self->app_list, row);
    }

  placeholder = gtk_label_new (_("No app matches your search"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_list_box_set_placeholder (self->app_list, placeholder);
  gtk_list_box_set_filter_func (self->app_list, filter_app_row, self, NULL);
}
