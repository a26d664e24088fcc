/* concord-add-connection-side-check.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * One side of Add Connection's first step: the check. Check validates the
 * form, adds the account through the engine (which verifies the key with
 * the app and keeps it in the keyring), then reads the account's contact
 * types; it gives up after CHECK_TIMEOUT_SECONDS. Network and keyring
 * failures are said in words. An existing account of the app (from
 * another connection) can be chosen instead: its contact types are read,
 * and it is never removed from here.
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

/* Anything edited after a check: that account is not the one on screen. */
static void
account_removed_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!concord_engine_remove_account_finish (CONCORD_ENGINE (object), result, &error))
    g_message ("An account checked but not used could not be removed: %s", error->message);
}

/**
 * concord_add_connection_side_discard_account:
 *
 * Removes the account this side checked (and its key), when it is not
 * going to be used.
 */
void
concord_add_connection_side_discard_account (ConcordAddConnectionSide *self)
{
  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self));

  if (self->engine != NULL && self->account_id != NULL && !self->reused)
    concord_engine_remove_account_async (self->engine, self->account_id, NULL, account_removed_cb, NULL);
}

void
concord_add_connection_side_forget_account (ConcordAddConnectionSide *self)
{
  gboolean was_verified = concord_add_connection_side_get_verified (self);

  /* Not the account on screen any more: it goes, with its key. */
  concord_add_connection_side_discard_account (self);
  g_clear_pointer (&self->account_id, g_free);
  g_clear_pointer (&self->account_name, g_free);
  g_clear_pointer (&self->types, g_ptr_array_unref);
  self->reused = FALSE;

  if (was_verified)
    concord_add_connection_side_notify_verified (self);
}

/* The options of the form: one member per field with a value; NULL
 * when none has one. */
char *
concord_add_connection_side_options_json (ConcordAddConnectionSide *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  guint n = 0;

  json_builder_begin_object (builder);
  for (guint i = 0; i < self->field_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->field_rows, i);
      const ConcordAppField *field = g_object_get_data (G_OBJECT (row), "concord-field");
      g_autofree char *value = concord_add_connection_side_row_value (row);

      if (value == NULL)
        continue;
      json_builder_set_member_name (builder, field->key);
      json_builder_add_string_value (builder, value);
      n++;
    }
  json_builder_end_object (builder);
  if (n == 0)
    return NULL;

  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* Checks every field as the app says; on the first refused, shows why on
 * its row (opening the advanced fields when it is one) and returns FALSE. */
static gboolean
validate_form (ConcordAddConnectionSide *self)
{
  const ConcordAppField *secret = concord_app_info_get_secret_field (self->app);
  g_autoptr(GError) error = NULL;
  GtkWidget *bad = NULL;

  if (secret != NULL && !concord_app_field_validate (secret, concord_add_connection_side_text_of (self->key_row),
                                                     &error))
    bad = GTK_WIDGET (self->key_row);

  for (guint i = 0; bad == NULL && i < self->field_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->field_rows, i);
      g_autofree char *value = concord_add_connection_side_row_value (row);

      if (!concord_app_field_validate (g_object_get_data (G_OBJECT (row), "concord-field"), value, &error))
        bad = row;
    }

  if (bad == NULL)
    return TRUE;

  if (gtk_widget_get_ancestor (bad, ADW_TYPE_EXPANDER_ROW) != NULL)
    adw_expander_row_set_expanded (self->advanced_expander, TRUE);
  self->problem_row = bad;
  concord_add_connection_side_set_status (self, CONCORD_SIDE_STATUS_ERROR, error->message);
  gtk_widget_grab_focus (bad);
  concord_add_connection_scroll_to (GTK_WIDGET (self->status_box));
  return FALSE;
}

/* What went wrong, in the user's language, from the error's code (never
 * from its English message, which stays in the debug log). */
static char *
error_detail (ConcordAddConnectionSide *self,
              const GError             *error)
{
  g_autofree char *fix = NULL;
  char *title = NULL;

  concord_error_explain (concord_error_code_of (error), concord_app_info_get_name (self->app),
                         NULL, &title, &fix);
  return title;
}

static gboolean
is_network_error (const GError *error)
{
  return g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_NETWORK) ||
         error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR ||
         error->domain == G_TLS_ERROR;
}

/* One human sentence for what went wrong while checking. The engine's
 * messages are English for logs; only the transport detail is shown. */
static char *
describe_error (ConcordAddConnectionSide *self,
                const char               *name,
                const GError             *error)
{
  const char *app = concord_app_info_get_name (self->app);

  if (self->timed_out)
    /* Translators: %s is an app ("Elastic Email") */
    return g_strdup_printf (_("%s did not answer. Check your internet connection, then try again."),
                            app);

  /* The resolver's or the socket's own words say nothing to a person. */
  if (is_network_error (error))
    /* Translators: %s is an app ("Elastic Email") */
    return g_strdup_printf (_("Could not reach %s. Check your internet connection, then try again."),
                            app);

  if (error->domain != CONCORD_ERROR)
    /* Translators: %s is why (English) */
    return g_strdup_printf (_("The key could not be checked: %s"), error->message);

  switch ((ConcordError) error->code)
    {
    case CONCORD_ERROR_AUTH_FAILED:
    case CONCORD_ERROR_AUTH_REQUIRED:
      if (self->app->auth == CONCORD_APP_AUTH_USER_PASSWORD)
        /* Translators: %s is an app ("CardDAV Address Book") */
        return g_strdup_printf (_("%s refused this user name or password. Check both; some "
                                  "servers want an app password rather than your own."), app);
      /* Translators: %s is an app ("Elastic Email") */
      return g_strdup_printf (_("%s refused this API key. Copy it again from the app; it may "
                                "lack access to contacts."), app);
    case CONCORD_ERROR_RATE_LIMITED:
      /* Translators: %s is an app */
      return g_strdup_printf (_("%s asks Concord to slow down. Try again in a minute."), app);
    case CONCORD_ERROR_SERVER:
      /* Translators: %s is an app */
      return g_strdup_printf (_("%s had a problem on its side. Try again later."), app);
    case CONCORD_ERROR_PARSE:
      /* Translators: %s is an app */
      return g_strdup_printf (_("%s answered with something Concord cannot read. Check the "
                                "server address."), app);
    case CONCORD_ERROR_INVALID:
      return g_strdup (_("This server address cannot be used: it must start with https://"));
    case CONCORD_ERROR_CONFLICT:
      /* Translators: %s is the account name the user typed */
      return g_strdup_printf (_("An account named “%s” already exists. Choose another name."),
                              name);
    case CONCORD_ERROR_KEYRING:
      return g_strdup (_("The key could not be saved: the system keyring is missing or locked."));
    case CONCORD_ERROR_NETWORK:
    case CONCORD_ERROR_FAILED:
    case CONCORD_ERROR_NOT_FOUND:
    default:
      /* Translators: %s is why (English) */
      return g_strdup_printf (_("The key could not be checked: %s"), error->message);
    }
}

void
concord_add_connection_side_stop_check_timeout (ConcordAddConnectionSide *self)
{
  g_clear_handle_id (&self->check_timeout_id, g_source_remove);
}

static void
finish_check (ConcordAddConnectionSide *self,
              ConcordSideStatus         status,
              const char               *text)
{
  self->checking = FALSE;
  concord_add_connection_side_stop_check_timeout (self);
  g_clear_object (&self->check_cancellable);
  concord_add_connection_side_set_status (self, status, text);
  concord_add_connection_side_update_sensitivity (self);
  if (status == CONCORD_SIDE_STATUS_OK)
    concord_add_connection_side_notify_verified (self);
  else if (status == CONCORD_SIDE_STATUS_ERROR)
    concord_add_connection_scroll_to (GTK_WIDGET (self->status_box));
}

static void update_existing_checks (ConcordAddConnectionSide *self);

/* No answer in time: the check stops and says so now; whatever it still
 * returns is dropped (an account made late is removed). */
static gboolean
on_check_timeout_cb (gpointer user_data)
{
  ConcordAddConnectionSide *self = user_data;
  g_autofree char *text = NULL;

  self->check_timeout_id = 0;
  self->timed_out = TRUE;
  g_cancellable_cancel (self->check_cancellable);
  if (self->reused)
    concord_add_connection_side_forget_account (self);
  text = describe_error (self, NULL, NULL);
  finish_check (self, CONCORD_SIDE_STATUS_ERROR, text);
  update_existing_checks (self);
  return G_SOURCE_REMOVE;
}

/* A check's result, unless it was stopped by the user (nothing to say) or
 * by the timeout (then it says so). Returns whether to go on. */
static gboolean
check_result_wanted (ConcordAddConnectionSide *self,
                     GCancellable             *cancellable,
                     const GError             *error)
{
  if (g_cancellable_is_cancelled (self->cancellable))
    return FALSE;  /* the side is going */
  if (cancellable != self->check_cancellable)
    return FALSE;  /* an older, stopped or timed out check */
  return !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

typedef struct
{
  ConcordAddConnectionSide *self;          /* (owned) */
  GCancellable             *cancellable;   /* (owned) the check's */
} CheckCall;

static CheckCall *
check_call_new (ConcordAddConnectionSide *self)
{
  CheckCall *call = g_new0 (CheckCall, 1);

  call->self = g_object_ref (self);
  call->cancellable = g_object_ref (self->check_cancellable);
  return call;
}

static void
check_call_free (CheckCall *call)
{
  g_object_unref (call->self);
  g_object_unref (call->cancellable);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CheckCall, check_call_free)

/* The account's contact types are known (or could not be read): the
 * check ends. */
static void
show_types (ConcordAddConnectionSide *self,
            GPtrArray                *types,
            const GError             *error)
{
  if (types == NULL || types->len == 0)
    {
      g_autofree char *text = NULL;

      if (error != NULL && is_network_error (error))
        text = describe_error (self, NULL, error);
      else if (error != NULL)
        {
          g_autofree char *detail = error_detail (self, error);

          /* Translators: the first %s is an app, the second why */
          text = g_strdup_printf (_("The kinds of contacts in %s could not be read: %s"),
                                  concord_app_info_get_name (self->app), detail);
        }
      else if (self->app->no_types != NULL)
        text = g_strdup (g_dgettext (GETTEXT_PACKAGE, self->app->no_types));
      else
        /* Translators: %s is an app */
        text = g_strdup_printf (_("%s has no contacts Concord can sync."),
                                concord_app_info_get_name (self->app));
      g_debug ("Reading the contact types failed: %s", error != NULL ? error->message : "none");
      finish_check (self, CONCORD_SIDE_STATUS_ERROR, text);
      return;
    }

  self->types = g_ptr_array_ref (types);
  if (self->reused)
    {
      /* Translators: %s is an account name */
      g_autofree char *text = g_strdup_printf (_("Concord uses “%s” with the key it already has."),
                                               self->account_name);

      finish_check (self, CONCORD_SIDE_STATUS_OK, text);
    }
  else
    finish_check (self, CONCORD_SIDE_STATUS_OK, concord_add_connection_side_accepted_text (self));
}

static void
on_types_listed_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(CheckCall) call = user_data;
  ConcordAddConnectionSide *self = call->self;
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(GError) error = NULL;

  types = concord_engine_list_types_finish (CONCORD_ENGINE (object), result, &error);
  if (!check_result_wanted (self, call->cancellable, error))
    return;

  show_types (self, types, error);
}

static void
start_check (ConcordAddConnectionSide *self,
             const char               *text)
{
  self->checking = TRUE;
  self->timed_out = FALSE;
  self->keyring_failed = FALSE;
  if (self->check_cancellable != NULL)
    g_cancellable_cancel (self->check_cancellable);
  g_clear_object (&self->check_cancellable);
  self->check_cancellable = g_cancellable_new ();
  concord_add_connection_side_stop_check_timeout (self);
  self->check_timeout_id = g_timeout_add_seconds (CHECK_TIMEOUT_SECONDS, on_check_timeout_cb, self);
  concord_add_connection_side_update_sensitivity (self);
  concord_add_connection_side_set_status (self, CONCORD_SIDE_STATUS_BUSY, text);
  concord_add_connection_scroll_to (GTK_WIDGET (self->status_box));
}

static void
list_types (ConcordAddConnectionSide *self)
{
  /* The app says which types its accounts have: nothing to ask. */
  if (self->app->contact_types != NULL)
    {
      g_autoptr(GPtrArray) types = NULL;

      types = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);
      for (const ConcordAppChoice *type = self->app->contact_types; type->value != NULL; type++)
        g_ptr_array_add (types, concord_contact_type_new (type->value,
                                                          g_dgettext (GETTEXT_PACKAGE, type->label)));
      show_types (self, types, NULL);
      return;
    }

  concord_engine_list_types_async (self->engine, self->account_id, self->check_cancellable,
                                   on_types_listed_cb, check_call_new (self));
}

static void
on_late_account_removed_cb (GObject      *object,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  concord_engine_remove_account_finish (CONCORD_ENGINE (object), result, NULL);
}

/* The keyring refused the key: look again, then say what to do. */
static void
on_keyring_rechecked_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(CheckCall) call = user_data;
  ConcordAddConnectionSide *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  concord_keyring_probe_check_finish (CONCORD_KEYRING_PROBE (object), result, &error);
  if (!check_result_wanted (self, call->cancellable, error))
    return;

  self->keyring_failed = !concord_keyring_probe_can_store (self->keyring);
  text = concord_add_connection_side_keyring_text (self, TRUE);
  finish_check (self, CONCORD_SIDE_STATUS_ERROR, text);
  gtk_widget_grab_focus (GTK_WIDGET (self->key_row));
}

static void
on_account_added_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(CheckCall) call = user_data;
  ConcordAddConnectionSide *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *name = concord_add_connection_side_stripped_text (self->name_row);

  id = concord_engine_add_account_finish (CONCORD_ENGINE (object), result, &error);

  /* Made although nobody waits for it any more: it goes. */
  if (id != NULL && (g_cancellable_is_cancelled (call->cancellable) ||
                     call->cancellable != self->check_cancellable))
    {
      concord_engine_remove_account_async (CONCORD_ENGINE (object), id, NULL,
                                           on_late_account_removed_cb, NULL);
      return;
    }
  if (!check_result_wanted (self, call->cancellable, error))
    return;

  if (id == NULL)
    {
      g_autofree char *text = describe_error (self, name, error);

      g_debug ("Checking the key failed: %s", error->message);
      /* The error goes where the problem is: a name that is taken under
       * the name, anything else under the key. */
      if (g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT))
        {
          finish_check (self, CONCORD_SIDE_STATUS_NONE, NULL);
          concord_add_connection_side_set_name_problem (self, text);
          gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
          /* The error under the name, which brings the name row just
           * above it into view too; scrolling to the whole group instead
           * could leave the error below the fold when the viewport's own
           * scroll to the focused row wins the race. */
          concord_add_connection_scroll_to (self->name_status_box);
          return;
        }
      if (g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_KEYRING))
        {
          concord_keyring_probe_check_async (self->keyring, call->cancellable, on_keyring_rechecked_cb,
                                             check_call_new (self));
          return;
        }
      finish_check (self, CONCORD_SIDE_STATUS_ERROR, text);
      gtk_widget_grab_focus (GTK_WIDGET (self->key_row));
      return;
    }

  self->account_id = g_steal_pointer (&id);
  self->account_name = g_steal_pointer (&name);
  list_types (self);
}

void
concord_add_connection_side_check (ConcordAddConnectionSide *self)
{
  g_autofree char *name = concord_add_connection_side_stripped_text (self->name_row);
  g_autofree char *options = NULL;
  g_autofree char *text = NULL;

  if (self->engine == NULL || self->app == NULL || self->checking ||
      !gtk_widget_get_sensitive (GTK_WIDGET (self->check_button)))
    return;

  concord_add_connection_side_set_name_problem (self, NULL);
  if (self->account_id == NULL && !validate_form (self))
    return;
  if (self->app->auth == CONCORD_APP_AUTH_USER_PASSWORD)
    /* Translators: %s is an app ("CardDAV Address Book") */
    text = g_strdup_printf (_("Signing in to %s…"), concord_app_info_get_name (self->app));
  else if (concord_app_info_get_secret_field (self->app) != NULL)
    /* Translators: %s is an app ("Elastic Email") */
    text = g_strdup_printf (_("Checking the key with %s…"), concord_app_info_get_name (self->app));
  else
    /* Translators: %s is an app */
    text = g_strdup_printf (_("Checking the account with %s…"), concord_app_info_get_name (self->app));
  start_check (self, text);

  /* The account exists but its types could not be read: only retry that. */
  if (self->account_id != NULL)
    {
      list_types (self);
      return;
    }

  options = concord_add_connection_side_options_json (self);
  concord_engine_add_account_async (self->engine, self->app->id, name, options,
                                    concord_add_connection_side_text_of (self->key_row), self->check_cancellable,
                                    on_account_added_cb, check_call_new (self));
}

/* An existing account: no key to check, only its contact types to read. */
static void
use_existing (ConcordAddConnectionSide *self,
              const char               *account_id,
              const char               *name)
{
  g_autofree char *text = NULL;

  if (self->checking || g_strcmp0 (self->account_id, account_id) == 0)
    return;

  concord_add_connection_side_forget_account (self);
  self->adding_another = FALSE;
  self->account_id = g_strdup (account_id);
  self->account_name = g_strdup (name);
  self->reused = TRUE;

  /* Translators: %s is an account name */
  text = g_strdup_printf (_("Reading the contacts of “%s”…"), name);
  start_check (self, text);
  list_types (self);
}

/* ------------------------------------------------------------------------- */
/* Existing accounts                                                         */
/* ------------------------------------------------------------------------- */

void
concord_add_connection_side_clear_existing (ConcordAddConnectionSide *self)
{
  GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->existing_list));

  while (row != NULL)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (row);

      if (row != GTK_WIDGET (self->another_row))
        gtk_list_box_remove (self->existing_list, row);
      row = next;
    }
  self->n_existing = 0;
  self->adding_another = FALSE;
}

/* What tells an existing account apart in its row: its first address,
 * file or folder (a server, a file), or NULL. */
static char *
summary_of (const ConcordAppInfo *app,
            const char           *options_json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (options_json == NULL || !json_parser_load_from_data (parser, options_json, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  for (const ConcordAppField *field = app->fields; field->key != NULL; field++)
    if (field->kind == CONCORD_APP_FIELD_URL || field->kind == CONCORD_APP_FIELD_FILE ||
        field->kind == CONCORD_APP_FIELD_FOLDER)
      {
        const char *value = json_object_get_string_member_with_default (json_node_get_object (root),
                                                                        field->key, NULL);
        if (value != NULL)
          return g_strdup (value);
      }
  return NULL;
}

static void
update_existing_checks (ConcordAddConnectionSide *self)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->existing_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *check = g_object_get_data (G_OBJECT (row), "concord-check");
      const char *id = g_object_get_data (G_OBJECT (row), "concord-account-id");

      if (check != NULL)
        gtk_widget_set_visible (check, self->reused && g_strcmp0 (id, self->account_id) == 0);
    }
  gtk_widget_set_visible (self->another_check, self->adding_another);
}

void
concord_add_connection_side_on_accounts_listed_cb (GObject      *object,
                                                   GAsyncResult *result,
                                                   gpointer      user_data)
{
  g_autoptr(ConcordAddConnectionSide) self = user_data;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *first = NULL;
  gboolean typed;

  accounts = concord_engine_list_accounts_finish (CONCORD_ENGINE (object), result, &error);
  if (accounts == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("The existing accounts could not be listed: %s", error->message);
      return;
    }
  if (self->app == NULL || self->n_existing > 0 || g_cancellable_is_cancelled (self->cancellable))
    return;

  for (guint i = 0; i < accounts->len; i++)
    {
      const ConcordAccountRow *account = g_ptr_array_index (accounts, i);
      g_autofree char *server = NULL;
      g_autofree char *row_name = NULL;
      GtkWidget *row, *check;

      /* Not the one this side just made, nor the other side's. */
      if (g_strcmp0 (account->app_id, self->app->id) != 0 ||
          g_strcmp0 (account->id, self->account_id) == 0 ||
          (self->other != NULL && g_strcmp0 (account->id, self->other->account_id) == 0))
        continue;

      row = adw_action_row_new ();
      row_name = g_strdup_printf ("existing-%s", account->name);
      gtk_widget_set_name (row, row_name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), account->name);
      server = summary_of (self->app, account->options_json);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   server != NULL ? server : concord_app_info_get_name (self->app));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      check = gtk_image_new_from_icon_name ("object-select-symbolic");
      gtk_widget_set_visible (check, FALSE);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), check);
      g_object_set_data (G_OBJECT (row), "concord-check", check);
      g_object_set_data_full (G_OBJECT (row), "concord-account-id", g_strdup (account->id), g_free);
      g_object_set_data_full (G_OBJECT (row), "concord-account-name", g_strdup (account->name), g_free);
      gtk_list_box_insert (self->existing_list, row, (int) self->n_existing);
      self->n_existing++;
      if (first == NULL)
        first = row;
    }

  if (self->n_existing == 0)
    return;

  /* What was typed meanwhile stays on screen (not what was filled in for
   * the user: the sandbox's key, a suggested name). */
  typed = (*concord_add_connection_side_text_of (self->name_row) != '\0' &&
           g_strcmp0 (concord_add_connection_side_text_of (self->name_row), self->suggested_name) != 0) ||
          (*concord_add_connection_side_text_of (self->key_row) != '\0' &&
           g_strcmp0 (concord_add_connection_side_text_of (self->key_row), self->filled_key) != 0) ||
          self->account_id != NULL;
  self->adding_another = typed;
  concord_add_connection_side_update_sensitivity (self);
  update_existing_checks (self);
  if (!typed)
    {
      gtk_widget_grab_focus (first);
      concord_add_connection_scroll_to (GTK_WIDGET (self->existing_group));
    }
}

void
concord_add_connection_side_on_existing_row_activated (ConcordAddConnectionSide *self,
                                                       GtkListBoxRow            *row)
{
  if (self->checking)
    return;

  if (row == GTK_LIST_BOX_ROW (self->another_row))
    {
      if (self->reused)
        {
          concord_add_connection_side_forget_account (self);
          concord_add_connection_side_set_status (self, CONCORD_SIDE_STATUS_NONE, NULL);
        }
      self->adding_another = TRUE;
      concord_add_connection_side_update_sensitivity (self);
      update_existing_checks (self);
      gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
      concord_add_connection_scroll_to (GTK_WIDGET (self->name_row));
      return;
    }

  /* Another account made here before is not wanted any more. */
  if (self->account_id != NULL && !self->reused)
    concord_add_connection_side_forget_account (self);
  use_existing (self, g_object_get_data (G_OBJECT (row), "concord-account-id"),
                g_object_get_data (G_OBJECT (row), "concord-account-name"));
  concord_add_connection_side_update_sensitivity (self);
  update_existing_checks (self);
}

void
concord_add_connection_side_on_cancel_check_clicked (ConcordAddConnectionSide *self)
{
  if (!self->checking)
    return;

  g_cancellable_cancel (self->check_cancellable);
  /* An existing account whose contacts were not read is not chosen. */
  if (self->reused)
    concord_add_connection_side_forget_account (self);
  finish_check (self, CONCORD_SIDE_STATUS_NONE, NULL);
  update_existing_checks (self);
}
