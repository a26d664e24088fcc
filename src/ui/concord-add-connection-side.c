/* concord-add-connection-side.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * One side of the Add Connection flow's first step: pick an app from a
 * searchable list, name the account, fill in its form, and Check.
 *
 * The app and its form come from the app registry: the secret is the
 * template's password row, every other field a row made when the app is
 * chosen (an entry for text and URLs, an entry with a chooser button for
 * files and folders, a combo row for a choice), the advanced ones in an
 * expander. Check first validates each field as the registry says and
 * shows what is wrong under the form, on the field's row. In the sandbox
 * the sandbox's own options are filled in; a demo app's rows are hidden.
 *
 * Check adds the account through the engine, which verifies the key with
 * the app on the engine thread and keeps it in the keyring; then the
 * account's contact types are read. Only then is the side "verified". The
 * form is insensitive while a check runs, so a result always belongs to
 * what is on screen. Editing anything after a successful check makes the
 * side unverified again: the next Check makes a new account (the engine
 * facade has no way to change or remove one).
 *
 * When the app already has accounts (from other connections), they are
 * offered first: choosing one skips the key (it is in the keyring) and
 * only reads the account's contact types; "Add Another Account" shows the
 * name and key. Such an account is never removed by this side.
 *
 * A check gives up after CHECK_TIMEOUT_SECONDS without an answer and says
 * to check the internet connection; the user can stop it sooner. Network
 * errors are said in words, never as the resolver's text.
 *
 * The key stays in the password row (libadwaita keeps it in non-pageable
 * memory and wipes it when freed) so that nothing is lost when the user
 * comes back to this step; it is wiped on dispose.
 *
 * Where the key would go is known before it is typed (the keyring probe):
 * with no keyring (or, in Flatpak, no Secret portal) the key's group says
 * so and what to do, and the message goes when one starts. A save that
 * fails anyway (no keyring, or a locked one whose prompt was dismissed)
 * looks again and says which; the key stays, and Check tries again.
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

G_DEFINE_FINAL_TYPE (ConcordAddConnectionSide, concord_add_connection_side, GTK_TYPE_BOX)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_VERIFIED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------------- */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------- */

static void
on_search_changed (ConcordAddConnectionSide *self)
{
  gtk_list_box_invalidate_filter (self->app_list);
  /* The results are where the user looks next. */
  concord_add_connection_scroll_to (GTK_WIDGET (self->chooser_box));
}

/* Enter in the search chooses the first app that matches. */
static void
on_search_activate (ConcordAddConnectionSide *self)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->app_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (GTK_IS_LIST_BOX_ROW (row) && gtk_widget_get_child_visible (row) &&
        g_object_get_data (G_OBJECT (row), "concord-app") != NULL)
      {
        concord_add_connection_side_set_app (self, g_object_get_data (G_OBJECT (row), "concord-app"));
        return;
      }
}

/* Escape clears the search, and on an empty search closes the window, as
 * Escape does everywhere else in it. */
static void
on_search_stop (ConcordAddConnectionSide *self)
{
  if (*concord_add_connection_side_text_of (self->search_entry) != '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  else
    gtk_widget_activate_action (GTK_WIDGET (self), "window.close", NULL);
}

static void
on_app_row_activated (ConcordAddConnectionSide *self,
                      GtkListBoxRow            *row)
{
  const ConcordAppInfo *app = g_object_get_data (G_OBJECT (row), "concord-app");

  if (app != NULL)
    concord_add_connection_side_set_app (self, app);
}

static void
on_change_app_clicked (ConcordAddConnectionSide *self)
{
  if (self->checking)
    return;

  gtk_widget_set_visible (GTK_WIDGET (self->chooser_box), TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

void
concord_add_connection_side_on_input_changed (ConcordAddConnectionSide *self)
{
  if (self->checking)
    return;

  if (self->account_id != NULL)
    {
      concord_add_connection_side_forget_account (self);
      concord_add_connection_side_set_status (self, CONCORD_SIDE_STATUS_NONE, NULL);
    }
  else if (gtk_widget_get_visible (GTK_WIDGET (self->status_box)))
    concord_add_connection_side_set_status (self, CONCORD_SIDE_STATUS_NONE, NULL);
  concord_add_connection_side_set_name_problem (self, NULL);

  concord_add_connection_side_update_sensitivity (self);
}

/* Enter in a field checks once everything is filled in. */
void
concord_add_connection_side_on_entry_activated (ConcordAddConnectionSide *self)
{
  concord_add_connection_side_check (self);
}

static void
on_check_clicked (ConcordAddConnectionSide *self)
{
  concord_add_connection_side_check (self);
}

/* The app's page where it shows API keys, in the browser. */
static gboolean
on_key_help_activate_link (ConcordAddConnectionSide *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->app != NULL && self->app->key_url != NULL)
    gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->app->key_url,
                  GDK_CURRENT_TIME);

  return TRUE;
}

/* A keyring started (or stopped): the note follows, and a failed save's
 * "no keyring" is not true any more. */
static void
on_keyring_kind_cb (ConcordAddConnectionSide *self)
{
  if (self->keyring_failed && concord_keyring_probe_can_store (self->keyring))
    {
      self->keyring_failed = FALSE;
      concord_add_connection_side_set_status (self, CONCORD_SIDE_STATUS_NONE, NULL);
    }
  concord_add_connection_side_update_keyring (self);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_add_connection_side_dispose (GObject *object)
{
  ConcordAddConnectionSide *self = CONCORD_ADD_CONNECTION_SIDE (object);

  g_cancellable_cancel (self->cancellable);
  if (self->check_cancellable != NULL)
    g_cancellable_cancel (self->check_cancellable);
  concord_add_connection_side_stop_check_timeout (self);

  /* Wipes the key (the row's buffer is non-pageable and erased), without
   * telling this side: an edited key forgets the account it checked, and
   * the dialog closing (a connection turned on with it) is no edit. */
  if (self->key_row != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->key_row, self);
      gtk_editable_set_text (GTK_EDITABLE (self->key_row), "");
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), CONCORD_TYPE_ADD_CONNECTION_SIDE);
  g_clear_weak_pointer (&self->other);
  g_clear_object (&self->engine);
  g_clear_object (&self->sandbox);
  if (self->keyring != NULL)
    g_signal_handlers_disconnect_by_data (self->keyring, self);
  g_clear_object (&self->keyring);
  g_clear_pointer (&self->filled_key, g_free);
  g_clear_pointer (&self->suggested_name, g_free);

  G_OBJECT_CLASS (concord_add_connection_side_parent_class)->dispose (object);
}

static void
concord_add_connection_side_finalize (GObject *object)
{
  ConcordAddConnectionSide *self = CONCORD_ADD_CONNECTION_SIDE (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->check_cancellable);
  g_free (self->account_id);
  g_free (self->account_name);
  g_clear_pointer (&self->field_rows, g_ptr_array_unref);
  g_clear_pointer (&self->types, g_ptr_array_unref);

  G_OBJECT_CLASS (concord_add_connection_side_parent_class)->finalize (object);
}

static void
concord_add_connection_side_get_property (GObject    *object,
                                          guint       prop_id,
                                          GValue     *value,
                                          GParamSpec *pspec)
{
  ConcordAddConnectionSide *self = CONCORD_ADD_CONNECTION_SIDE (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, gtk_label_get_label (self->title_label));
      break;

    case PROP_VERIFIED:
      g_value_set_boolean (value, concord_add_connection_side_get_verified (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* For the check (concord-add-connection-side-check.c). */
void
concord_add_connection_side_notify_verified (ConcordAddConnectionSide *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERIFIED]);
}

static void
set_title (ConcordAddConnectionSide *self,
           const char               *title)
{
  g_autofree char *search = NULL;
  g_autofree char *name = NULL;

  gtk_label_set_label (self->title_label, title);

  /* Both sides have the same fields: their accessible names say which. */
  /* Translators: %s is "First App" or "Second App" */
  search = g_strdup_printf (_("Search apps for the %s"), title);
  /* Translators: %s is "First App" or "Second App" */
  name = g_strdup_printf (_("Account name of the %s"), title);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, search, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->app_list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->name_row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  concord_add_connection_side_update_field_labels (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

static void
concord_add_connection_side_set_property (GObject      *object,
                                          guint         prop_id,
                                          const GValue *value,
                                          GParamSpec   *pspec)
{
  ConcordAddConnectionSide *self = CONCORD_ADD_CONNECTION_SIDE (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      set_title (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_add_connection_side_class_init (ConcordAddConnectionSideClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = concord_add_connection_side_dispose;
  object_class->finalize = concord_add_connection_side_finalize;
  object_class->get_property = concord_add_connection_side_get_property;
  object_class->set_property = concord_add_connection_side_set_property;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VERIFIED] =
    g_param_spec_boolean ("verified", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/concord-add-connection-side.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, title_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, chooser_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, search_entry);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, app_list);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, account_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, existing_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, existing_list);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, another_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, another_check);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, name_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, key_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, name_status_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, name_status_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, cancel_check_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, app_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, app_icon);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, change_app_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, name_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, key_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, spinner);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, checked_icon);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, check_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, key_help_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, fields_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, advanced_expander);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, check_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, status_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, status_icon);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, status_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, keyring_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, keyring_label);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_search_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_search_stop);
  gtk_widget_class_bind_template_callback (widget_class, on_app_row_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_change_app_clicked);
  gtk_widget_class_bind_template_callback_full (widget_class, "on_input_changed",
                                                G_CALLBACK (concord_add_connection_side_on_input_changed));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_entry_activated",
                                                G_CALLBACK (concord_add_connection_side_on_entry_activated));
  gtk_widget_class_bind_template_callback (widget_class, on_check_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_key_help_activate_link);
  gtk_widget_class_bind_template_callback_full (widget_class, "on_existing_row_activated",
                                                G_CALLBACK (concord_add_connection_side_on_existing_row_activated));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_cancel_check_clicked",
                                                G_CALLBACK (concord_add_connection_side_on_cancel_check_clicked));
}

static void
concord_add_connection_side_init (ConcordAddConnectionSide *self)
{
  self->field_rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->keyring = g_object_ref (concord_keyring_probe_get_default ());
  g_signal_connect_object (self->keyring, "notify::kind", G_CALLBACK (on_keyring_kind_cb), self,
                           G_CONNECT_SWAPPED);
  concord_add_connection_side_add_app_rows (self);
  concord_add_connection_side_update_sensitivity (self);
}

/* ------------------------------------------------------------------------- */
/* API (for ConcordAddConnectionDialog)                                      */
/* ------------------------------------------------------------------------- */

void
concord_add_connection_side_set_engine (ConcordAddConnectionSide *self,
                                        ConcordEngine            *engine)
{
  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self));
  g_return_if_fail (CONCORD_IS_ENGINE (engine));

  g_set_object (&self->engine, engine);
}

/**
 * concord_add_connection_side_get_verified:
 *
 * Returns: whether the key on screen was checked, the account made and its
 *   contact types read
 */
gboolean
concord_add_connection_side_get_verified (ConcordAddConnectionSide *self)
{
  g_return_val_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self), FALSE);

  return self->account_id != NULL && self->types != NULL;
}

const ConcordAppInfo *
concord_add_connection_side_get_app (ConcordAddConnectionSide *self)
{
  g_return_val_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self), NULL);

  return self->app;
}

const char *
concord_add_connection_side_get_account_id (ConcordAddConnectionSide *self)
{
  g_return_val_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self), NULL);

  return concord_add_connection_side_get_verified (self) ? self->account_id : NULL;
}

/**
 * concord_add_connection_side_get_name:
 *
 * Returns: (nullable): the name of the verified account
 */
const char *
concord_add_connection_side_get_name (ConcordAddConnectionSide *self)
{
  g_return_val_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self), NULL);

  return concord_add_connection_side_get_verified (self) ? self->account_name : NULL;
}

/**
 * concord_add_connection_side_get_types:
 *
 * Returns: (transfer none) (nullable) (element-type ConcordContactType): the
 *   verified account's contact types
 */
GPtrArray *
concord_add_connection_side_get_types (ConcordAddConnectionSide *self)
{
  g_return_val_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self), NULL);

  return concord_add_connection_side_get_verified (self) ? self->types : NULL;
}

/**
 * concord_add_connection_side_same_account:
 *
 * Returns: whether both sides hold the same key of the same app at the
 *   same server: syncing an account with itself does nothing useful
 */
gboolean
concord_add_connection_side_same_account (ConcordAddConnectionSide *self,
                                          ConcordAddConnectionSide *other)
{
  g_autofree char *options = NULL;
  g_autofree char *other_options = NULL;

  g_return_val_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self), FALSE);
  g_return_val_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (other), FALSE);

  if (self->app == NULL || self->app != other->app)
    return FALSE;

  /* The same existing account chosen twice, or one chosen and one made. */
  if (self->account_id != NULL && g_strcmp0 (self->account_id, other->account_id) == 0)
    return TRUE;
  if (self->reused || other->reused)
    return FALSE;

  options = concord_add_connection_side_options_json (self);
  other_options = concord_add_connection_side_options_json (other);
  return g_strcmp0 (options, other_options) == 0 &&
         g_str_equal (concord_add_connection_side_text_of (self->key_row),
                      concord_add_connection_side_text_of (other->key_row));
}

/* Focus where the user most likely goes next on this side. */
void
concord_add_connection_side_focus (ConcordAddConnectionSide *self)
{
  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self));

  GtkWidget *focus;

  if (self->app == NULL)
    focus = GTK_WIDGET (self->search_entry);
  else if (!concord_add_connection_side_asks_key (self))
    focus = gtk_widget_get_first_child (GTK_WIDGET (self->existing_list));
  else if (*concord_add_connection_side_text_of (self->name_row) == '\0')
    focus = GTK_WIDGET (self->name_row);
  else if (gtk_widget_get_visible (GTK_WIDGET (self->key_row)))
    focus = GTK_WIDGET (self->key_row);
  else
    focus = GTK_WIDGET (self->check_button);

  gtk_widget_grab_focus (focus);
  /* An error under the fields is what to read first; it is just below. */
  if (gtk_widget_get_visible (GTK_WIDGET (self->status_box)) &&
      gtk_widget_has_css_class (GTK_WIDGET (self->status_label), "error"))
    concord_add_connection_scroll_to (GTK_WIDGET (self->status_box));
  else
    concord_add_connection_scroll_to (focus);
}

/**
 * concord_add_connection_side_set_sandbox:
 *
 * Offers the sandbox's apps too, and fills in the sandbox's options (its
 * server's address, its files) for accounts of its apps.
 */
void
concord_add_connection_side_set_sandbox (ConcordAddConnectionSide *self,
                                         ConcordSandbox           *sandbox)
{
  GtkWidget *child;

  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self));
  g_return_if_fail (CONCORD_IS_SANDBOX (sandbox));

  g_set_object (&self->sandbox, sandbox);
  self->show_demo = TRUE;
  if (self->app != NULL)
    concord_add_connection_side_build_form (self);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->app_list))) != NULL)
    gtk_list_box_remove (self->app_list, child);
  concord_add_connection_side_add_app_rows (self);
}

/**
 * concord_add_connection_side_choose_app:
 * @app_id: an app of the registry (a demo app only with a sandbox set)
 *
 * Chooses @app_id for the user, as a click on its row does: the sandbox
 * demo starts with its apps chosen.
 */
void
concord_add_connection_side_choose_app (ConcordAddConnectionSide *self,
                                        const char               *app_id)
{
  const ConcordAppInfo *app;

  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self));

  app = concord_app_registry_lookup (app_id);
  g_return_if_fail (app != NULL);
  g_return_if_fail (!app->demo || self->show_demo);

  concord_add_connection_side_set_app (self, app);
}

/**
 * concord_add_connection_side_suggest_name:
 * @name: a name for the new account
 *
 * Fills in @name as the new account's name when none is typed (the
 * sandbox demo's "Sample Pipedrive"). When the app's existing accounts
 * are offered, they still come first.
 */
void
concord_add_connection_side_suggest_name (ConcordAddConnectionSide *self,
                                          const char               *name)
{
  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self));
  g_return_if_fail (name != NULL);

  if (*concord_add_connection_side_text_of (self->name_row) != '\0')
    return;

  g_free (self->suggested_name);
  self->suggested_name = g_strdup (name);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);
}

/**
 * concord_add_connection_side_get_reused:
 *
 * Returns: whether the side's account is one that existed before: it is
 *   never removed by the dialog
 */
gboolean
concord_add_connection_side_get_reused (ConcordAddConnectionSide *self)
{
  g_return_val_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self), FALSE);

  return self->reused;
}

/**
 * concord_add_connection_side_show_problem:
 * @text: (nullable): what is wrong with the account on this side, or
 *   %NULL to show what the last check said
 *
 * Shows a problem found by the dialog (the same account on both sides)
 * where the user looks: under this side's key, scrolled into view.
 */
void
concord_add_connection_side_show_problem (ConcordAddConnectionSide *self,
                                          const char               *text)
{
  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self));

  if (self->checking)
    return;

  if (text != NULL)
    {
      if (g_strcmp0 (gtk_label_get_label (self->status_label), text) == 0 &&
          gtk_widget_get_visible (GTK_WIDGET (self->status_box)))
        return;
      concord_add_connection_side_set_status (self, CONCORD_SIDE_STATUS_ERROR, text);
      concord_add_connection_scroll_to (GTK_WIDGET (self->status_box));
    }
  else if (gtk_widget_has_css_class (GTK_WIDGET (self->status_label), "error") &&
           concord_add_connection_side_get_verified (self))
    {
      /* Translators: %s is an account name */
      g_autofree char *reused = g_strdup_printf (_("Concord uses “%s” with the key it already has."),
                                                 self->account_name);

      concord_add_connection_side_set_status (self, CONCORD_SIDE_STATUS_OK,
                                              self->reused ? reused : concord_add_connection_side_accepted_text (self));
    }
}

/**
 * concord_add_connection_side_set_other:
 * @other: the dialog's other side
 *
 * The other side's account is not offered on this one: syncing an account
 * with itself does nothing.
 */
void
concord_add_connection_side_set_other (ConcordAddConnectionSide *self,
                                       ConcordAddConnectionSide *other)
{
  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self));
  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (other));

  /* Weak: the two sides go with their dialog, in either order, and a
   * listing may finish after one of them is gone. */
  g_set_weak_pointer (&self->other, other);
}
