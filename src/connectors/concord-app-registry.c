/* concord-app-registry.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The apps Concord can connect, each described once by a ConcordAppInfo in
 * a file of its own next to its connector (concord-<app>-app.c), and
 * registered by one line in concord-apps.list. The Add Connection flow,
 * the connection rows, Preferences → Accounts, `concord-cli account add`
 * and the engine's connector factory all read the descriptions; none of
 * them knows an app by its id.
 *
 * An account's options are a JSON object of strings, one per field of the
 * app's form except the secret (kept in the keyring, never an option).
 * They are checked in two ways:
 *  - as stored (concord_app_registry_check_options(), before every
 *    connector is made): only the app's fields, each a string its kind
 *    accepts, the required ones present; a path must be absolute but need
 *    not exist (a folder on a disk not mounted now is not a broken account);
 *  - as entered (concord_app_info_check_entry(), concord_app_field_validate(),
 *    for the form and `account add`): the same, and paths must exist and the
 *    secret must be usable.
 *
 * Ids are looked up without regard to ASCII case, never with the locale's
 * rules: in a Turkish locale "I" does not fold to "i".
 *
 * Registration (tests register apps of their own) happens before other
 * threads look apps up: the list is read without a lock.
 *
 * This file holds the registry and its apps; the options' parsing and
 * checks are in concord-app-registry-options.c (see
 * concord-app-registry-private.h).
 */

#define G_LOG_DOMAIN "concord-app-registry"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "concord-app-registry.h"
#include "concord-described-resources.h"
#include "concord-description.h"
#include "concord-error.h"
#include "concord-http.h"
#include "concord-json-connector.h"
#include "concord-json-private.h"
#include "concord-vcard.h"
#include "concord-app-registry-private.h"

/* The apps, in the order they are offered. */
static const ConcordAppInfo * const builtin_apps[] = {
#define CONCORD_APP(info) &info,
#include "concord-app-list.h"
#undef CONCORD_APP
};

static GPtrArray *apps;  /* (element-type ConcordAppInfo) (unowned elements) */

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

/* ------------------------------------------------------------------------- */
/* Apps made from descriptions                                               */
/* ------------------------------------------------------------------------- */

/* id → ConcordDescription, for the apps made from one (never freed: the
 * apps live as long as the process). */
static GHashTable *descriptions;

static ConcordConnector *
create_described (const ConcordAppInfo  *app,
                  JsonObject            *options,
                  const char            *secret,
                  GError               **error)
{
  ConcordDescription *description = g_hash_table_lookup (descriptions, app->id);

  g_return_val_if_fail (description != NULL, NULL);

  return CONCORD_CONNECTOR (concord_json_connector_new (description, options, secret, error));
}

/* The app a description makes: its form (with the server address every
 * described app has, last and advanced), its key link, its contact types
 * when they are fixed, and the JSON connector as its factory. */
static ConcordAppInfo *
described_app_new (ConcordDescription *description)
{
  ConcordAppInfo *app = g_new0 (ConcordAppInfo, 1);
  ConcordAppField *fields = g_new0 (ConcordAppField, description->account->len + 2);
  ConcordAppChoice *types = g_new0 (ConcordAppChoice, description->contact_types->len + 1);
  gboolean all_fixed = TRUE;
  guint n = 0;

  for (guint i = 0; i < description->account->len; i++)
    {
      ConcordDescAccountField *field = g_ptr_array_index (description->account, i);
      ConcordAppField *app_field = &fields[n++];

      app_field->key = field->key;
      app_field->label = field->label;
      app_field->help = field->help;
      /* A field with a default is never missing: left empty, it is the
       * default. */
      app_field->required = field->required && field->default_value == NULL;
      app_field->advanced = field->advanced;
      app_field->editable = field->editable;
      app_field->pattern = field->check != NULL ? g_regex_get_pattern (field->check) : NULL;
      app_field->pattern_message = field->check_message;
      switch (field->kind)
        {
        case CONCORD_DESC_FIELD_SECRET:
          app_field->kind = CONCORD_APP_FIELD_SECRET;
          break;
        case CONCORD_DESC_FIELD_URL:
          app_field->kind = CONCORD_APP_FIELD_URL;
          break;
        case CONCORD_DESC_FIELD_CHOICE:
          {
            ConcordAppChoice *choices = g_new0 (ConcordAppChoice, field->choice_values->len + 1);

            app_field->kind = CONCORD_APP_FIELD_CHOICE;
            for (guint c = 0; c < field->choice_values->len; c++)
              {
                choices[c].value = g_ptr_array_index (field->choice_values, c);
                choices[c].label = g_ptr_array_index (field->choice_labels, c);
              }
            app_field->choices = choices;
          }
          break;
        case CONCORD_DESC_FIELD_TEXT:
        default:
          app_field->kind = CONCORD_APP_FIELD_TEXT;
          break;
        }
    }
  fields[n].key = "base_url";
  fields[n].kind = CONCORD_APP_FIELD_URL;
  fields[n].label = N_("Server Address");
  fields[n].help = N_("empty: the app’s own");
  fields[n].advanced = TRUE;
  fields[n].editable = TRUE;

  for (guint i = 0; i < description->contact_types->len; i++)
    {
      const ConcordDescContactType *type = g_ptr_array_index (description->contact_types, i);

      all_fixed &= type->id != NULL;
      types[i].value = type->id;
      types[i].label = type->label;
    }

  app->id = description->id;
  app->name = description->name;
  app->icon_name = description->icon;
  app->key_url = description->key_url;
  app->key_help = description->key_help;
  app->auth = CONCORD_APP_AUTH_KEY;
  app->fields = fields;
  app->create = create_described;
  if (all_fixed)
    app->contact_types = types;
  else
    g_free (types);
  return app;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Adds the app @bytes describes to @list; @name is its file's name. */
static gboolean
add_described (GPtrArray   *list,
               const char  *name,
               GBytes      *bytes,
               GError     **error)
{
  g_autofree char *id = g_str_has_suffix (name, ".json")
                        ? g_strndup (name, strlen (name) - strlen (".json")) : g_strdup (name);
  ConcordDescription *description;
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);

  description = concord_description_load (data != NULL ? data : "", (gssize) length, error);
  if (description == NULL)
    return FALSE;
  if (!g_str_equal (description->id, id))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "id: \"%s\" is not the file's name", description->id);
      concord_description_unref (description);
      return FALSE;
    }
  for (guint a = 0; a < list->len; a++)
    if (g_ascii_strcasecmp (((ConcordAppInfo *) g_ptr_array_index (list, a))->id,
                            description->id) == 0)
      {
        g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                     "id: an app \"%s\" is registered already", description->id);
        concord_description_unref (description);
        return FALSE;
      }

  g_hash_table_insert (descriptions, description->id, description);
  g_ptr_array_add (list, described_app_new (description));
  return TRUE;
}

/* Every description in the resource, after the built-in apps: one that
 * does not load is skipped, saying where and why. */
static void
add_described_apps (GPtrArray *list)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;

  concord_described_register_resource ();
  descriptions = g_hash_table_new (g_str_hash, g_str_equal);
  names = g_resources_enumerate_children (CONCORD_DESCRIPTION_RESOURCE_PATH,
                                          G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (names == NULL)
    return;
  qsort (names, g_strv_length (names), sizeof (char *), compare_strings);

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/%s", CONCORD_DESCRIPTION_RESOURCE_PATH,
                                               names[i]);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) load_error = NULL;

      if (!g_str_has_suffix (names[i], ".json"))
        continue;
      bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, &load_error);
      if (bytes == NULL || !add_described (list, names[i], bytes, &load_error))
        g_warning ("The connector description %s is skipped: %s", names[i], load_error->message);
    }
}

/* The user's country, from the locale, for phone numbers written without
 * one; NULL when the locale names none. Set once, before any sync. */
static char *phone_region;

/* The engine's phone comparison (concord_set_phone_equal_func()): a
 * national and an international form of one number are equal when the
 * country is known. Only reached when the two texts differ. */
static gboolean
phone_equal (const char *a,
             const char *b)
{
  g_autofree char *ea = NULL;
  g_autofree char *eb = NULL;

  if (phone_region == NULL && (a[0] != '+' || b[0] != '+'))
    return FALSE;
  ea = concord_vcard_phone_e164 (a, phone_region);
  eb = ea != NULL ? concord_vcard_phone_e164 (b, phone_region) : NULL;
  return eb != NULL && g_str_equal (ea, eb);
}

static GPtrArray *
get_apps (void)
{
  if (g_once_init_enter (&apps))
    {
      GPtrArray *list = g_ptr_array_new ();

      /* Everything that makes connectors comes here first: the place to
       * give the engine a numbering plan. */
      phone_region = concord_vcard_default_region ();
      concord_set_phone_equal_func (phone_equal);

      for (guint i = 0; i < G_N_ELEMENTS (builtin_apps); i++)
        g_ptr_array_add (list, (gpointer) builtin_apps[i]);
      add_described_apps (list);
      g_once_init_leave (&apps, list);
    }
  return apps;
}

/**
 * concord_app_registry_register_description:
 * @name: the description's file name, "<id>.json"
 * @bytes: its JSON
 *
 * Adds the app a description makes, after the others (the shipped ones
 * are added at start; tests add their own). Call before any other thread
 * looks apps up.
 *
 * Returns: %TRUE, or %FALSE with @error set: the description's refusal
 *   ("<place>: <reason>"), or an id that is not the file's name or is taken
 */
gboolean
concord_app_registry_register_description (const char  *name,
                                           GBytes      *bytes,
                                           GError     **error)
{
  g_return_val_if_fail (name != NULL && bytes != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return add_described (get_apps (), name, bytes, error);
}

/**
 * concord_app_registry_get_description:
 * @app_id: an app's id
 *
 * Returns: (transfer none) (nullable): the description the app is made
 *   from, %NULL for an app with C of its own (or none)
 */
ConcordDescription *
concord_app_registry_get_description (const char *app_id)
{
  get_apps ();
  return app_id != NULL ? g_hash_table_lookup (descriptions, app_id) : NULL;
}

static gboolean
unknown_app (const char  *app_id,
             GError     **error)
{
  /* Translators: %s is the identifier of an app ("hubspot") */
  g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, _("Unknown app “%s”"),
               app_id != NULL ? app_id : "");
  return FALSE;
}

/* ------------------------------------------------------------------------- */
/* The registry                                                              */
/* ------------------------------------------------------------------------- */

/**
 * concord_app_registry_lookup:
 * @app_id: (nullable): an app's id, in any ASCII case
 *
 * Returns: (nullable): the app, or %NULL when none has that id
 */
const ConcordAppInfo *
concord_app_registry_lookup (const char *app_id)
{
  GPtrArray *list = get_apps ();

  if (app_id == NULL)
    return NULL;

  for (guint i = 0; i < list->len; i++)
    {
      const ConcordAppInfo *app = g_ptr_array_index (list, i);

      if (g_ascii_strcasecmp (app->id, app_id) == 0)
        return app;
    }

  return NULL;
}

/**
 * concord_app_registry_list:
 * @n_apps: (out): how many there are
 *
 * Returns: (array length=n_apps) (transfer none): the apps in the order
 *   they are offered, the built-in ones first; valid until the next
 *   registration
 */
const ConcordAppInfo **
concord_app_registry_list (guint *n_apps)
{
  GPtrArray *list = get_apps ();

  g_return_val_if_fail (n_apps != NULL, NULL);

  *n_apps = list->len;
  return (const ConcordAppInfo **) list->pdata;
}

/**
 * concord_app_registry_list_ids:
 *
 * Returns: (transfer full): the apps' ids, "elasticemail, sample-crm", for
 *   a usage text
 */
char *
concord_app_registry_list_ids (void)
{
  g_autoptr(GString) ids = g_string_new (NULL);
  GPtrArray *list = get_apps ();

  for (guint i = 0; i < list->len; i++)
    g_string_append_printf (ids, "%s%s", i > 0 ? ", " : "",
                            ((const ConcordAppInfo *) g_ptr_array_index (list, i))->id);
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

/**
 * concord_app_registry_get_name:
 * @app_id: (nullable): an app's id
 *
 * Returns: the app's name, translated; @app_id itself for an app Concord
 *   does not know (an account of a newer version's app)
 */
const char *
concord_app_registry_get_name (const char *app_id)
{
  const ConcordAppInfo *app = concord_app_registry_lookup (app_id);

  return app != NULL ? concord_app_info_get_name (app) : app_id;
}

/**
 * concord_app_registry_get_icon_name:
 * @app_id: (nullable): an app's id
 *
 * Returns: the icon of the app's rows (a generic one for an app Concord
 *   does not know)
 */
const char *
concord_app_registry_get_icon_name (const char *app_id)
{
  return concord_app_info_get_icon_name (concord_app_registry_lookup (app_id));
}

/**
 * concord_app_registry_register:
 * @app: (transfer none): an app description that outlives its registration
 *
 * Adds an app after the built-in ones (tests add apps of their own). Call
 * before any other thread looks apps up.
 *
 * Returns: %TRUE, or %FALSE with @error set for an id that is not lower-case
 *   ASCII letters, digits and '-', or that is taken, or a description
 *   without a factory or with two secrets
 */
gboolean
concord_app_registry_register (const ConcordAppInfo  *app,
                               GError               **error)
{
  guint n_secrets = 0;

  g_return_val_if_fail (app != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_concord_app_registry_is_valid_id (app->id) || app->name == NULL || app->create == NULL || app->fields == NULL)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "An app needs an id of lower-case letters, digits and '-', a name, "
                   "fields and a factory");
      return FALSE;
    }
  if (concord_app_registry_lookup (app->id) != NULL)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT, "An app “%s” is registered already",
                   app->id);
      return FALSE;
    }
  for (const ConcordAppField *field = app->fields; field->key != NULL; field++)
    n_secrets += field->kind == CONCORD_APP_FIELD_SECRET;
  if (n_secrets > 1)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "The app “%s” has more than one secret",
                   app->id);
      return FALSE;
    }

  g_ptr_array_add (get_apps (), (gpointer) app);
  return TRUE;
}

/**
 * concord_app_registry_unregister:
 * @app: an app added by concord_app_registry_register()
 *
 * Removes it (a test's own app, at the end of the test).
 */
void
concord_app_registry_unregister (const ConcordAppInfo *app)
{
  g_return_if_fail (app != NULL);

  for (guint i = 0; i < G_N_ELEMENTS (builtin_apps); i++)
    g_return_if_fail (builtin_apps[i] != app);
  g_ptr_array_remove (get_apps (), (gpointer) app);
}

/**
 * concord_app_registry_check_options:
 * @app_id: the app's id
 * @options_json: (nullable): an account's options, as stored
 *
 * The one check of an account's stored options, for the CLI, the engine
 * and the app alike: only the fields the app takes (a key given as an
 * option would be stored in clear; keys are read from standard input or
 * asked for, and kept in the keyring), each a string its kind accepts, the
 * required ones present. Files and folders need not exist (see
 * concord_app_info_check_entry()).
 *
 * Returns: %TRUE when the options are usable, otherwise %FALSE with @error
 *   set (%CONCORD_ERROR_INVALID) saying which options the app takes
 */
gboolean
concord_app_registry_check_options (const char  *app_id,
                                    const char  *options_json,
                                    GError     **error)
{
  const ConcordAppInfo *app = concord_app_registry_lookup (app_id);
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (app == NULL)
    return unknown_app (app_id, error);

  root = _concord_app_registry_check_options (app, options_json, FALSE, error);
  return root != NULL;
}

/**
 * concord_app_registry_create_connector:
 * @app_id: the app's id
 * @options_json: (nullable): the account's options; checked by
 *   concord_app_registry_check_options()
 * @secret: the account's key, token or password ("" when it has none)
 *
 * The factory the engine, the CLI and the app make every connector with.
 *
 * Returns: (transfer full) (nullable): the connector, or %NULL with
 *   @error set for an unknown app or unusable options
 */
ConcordConnector *
concord_app_registry_create_connector (const char  *app_id,
                                       const char  *options_json,
                                       const char  *secret,
                                       GError     **error)
{
  const ConcordAppInfo *app = concord_app_registry_lookup (app_id);
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (secret != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (app == NULL)
    return (unknown_app (app_id, error), NULL);

  if ((root = _concord_app_registry_check_options (app, options_json, FALSE, error)) == NULL)
    return NULL;

  return app->create (app, json_node_get_object (root), secret, error);
}

/* ------------------------------------------------------------------------- */
/* An app                                                                    */
/* ------------------------------------------------------------------------- */

/**
 * concord_app_info_get_name:
 *
 * Returns: the app's name, translated
 */
const char *
concord_app_info_get_name (const ConcordAppInfo *app)
{
  g_return_val_if_fail (app != NULL, NULL);

  return g_dgettext (GETTEXT_PACKAGE, app->name);
}

/**
 * concord_app_info_get_icon_name:
 *
 * Returns: the icon of the app's rows (a generic one when it has none)
 */
const char *
concord_app_info_get_icon_name (const ConcordAppInfo *app)
{
  if (app == NULL || app->icon_name == NULL)
    return "application-x-addon-symbolic";
  return app->icon_name;
}

/**
 * concord_app_info_find_field:
 * @key: an option's name
 *
 * Returns: (nullable): the field of @app's form with that key
 */
const ConcordAppField *
concord_app_info_find_field (const ConcordAppInfo *app,
                             const char           *key)
{
  g_return_val_if_fail (app != NULL, NULL);

  for (const ConcordAppField *field = app->fields; key != NULL && field->key != NULL; field++)
    if (g_str_equal (field->key, key))
      return field;
  return NULL;
}

/**
 * concord_app_info_get_secret_field:
 *
 * Returns: (nullable): the field of @app's form that holds its secret
 */
const ConcordAppField *
concord_app_info_get_secret_field (const ConcordAppInfo *app)
{
  g_return_val_if_fail (app != NULL, NULL);

  for (const ConcordAppField *field = app->fields; field->key != NULL; field++)
    if (field->kind == CONCORD_APP_FIELD_SECRET)
      return field;
  return NULL;
}

/**
 * concord_app_info_check_entry:
 * @options_json: (nullable): the options entered
 * @secret: (nullable): the secret entered; %NULL: not asked yet, not checked
 *
 * The check of a new account's options and secret as the user entered
 * them: concord_app_registry_check_options()'s, and files and folders
 * must exist, and the secret must be usable.
 *
 * Returns: %TRUE, or %FALSE with @error set (%CONCORD_ERROR_INVALID)
 */
gboolean
concord_app_info_check_entry (const ConcordAppInfo  *app,
                              const char            *options_json,
                              const char            *secret,
                              GError               **error)
{
  const ConcordAppField *secret_field;
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (app != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((root = _concord_app_registry_check_options (app, options_json, TRUE, error)) == NULL)
    return FALSE;

  secret_field = concord_app_info_get_secret_field (app);
  return secret_field == NULL || secret == NULL || _concord_app_registry_validate_field (secret_field, secret, TRUE, error);
}
