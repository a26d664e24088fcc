/* concord-apps.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The apps Concord can connect, and how to make a connector for an account
 * of one: its options (JSON, from the store; never secrets) and its secret
 * (from the keyring, handed over here and kept only by the connector).
 */

#define G_LOG_DOMAIN "concord-apps"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "concord-apps.h"
#include "concord-connector-elasticemail.h"
#include "concord-connector-sample.h"
#include "concord-error.h"
#include "concord-http.h"
#include "concord-json-private.h"

/* Options are a few short strings; beyond this they are not read. */
#define MAX_OPTIONS_BYTES (64 * 1024)

static const ConcordAppInfo apps[] = {
  { "elasticemail", "Elastic Email", "https://app.elasticemail.com/api/settings/create-api",
    FALSE },
  /* Its key is shown on the sandbox page (see concord-sandbox.h). */
  { CONCORD_SAMPLE_CRM_APP_ID, CONCORD_SAMPLE_CRM_APP_NAME, NULL, TRUE },
};

const ConcordAppInfo *
concord_apps_get_all (guint *n_apps)
{
  g_return_val_if_fail (n_apps != NULL, NULL);

  *n_apps = G_N_ELEMENTS (apps);
  return apps;
}

const ConcordAppInfo *
concord_apps_lookup (const char *app_id)
{
  for (guint i = 0; app_id != NULL && i < G_N_ELEMENTS (apps); i++)
    if (g_str_equal (apps[i].id, app_id))
      return &apps[i];

  return NULL;
}

/* What each app takes as options (stored in clear in the store, so never
 * a secret). */
static const char * const elasticemail_options[] = { "base_url", "custom_fields", NULL };
static const char * const sample_crm_options[] = { "path", NULL };

static const char * const *
allowed_options (const char *app_id)
{
  if (g_strcmp0 (app_id, "elasticemail") == 0)
    return elasticemail_options;
  if (g_strcmp0 (app_id, CONCORD_SAMPLE_CRM_APP_ID) == 0)
    return sample_crm_options;
  return NULL;
}

/* Whether @name looks like it would hold a credential ("api_key", "apikey",
 * "X-ElasticEmail-ApiKey", "token", …): the refusal then says where keys go. */
static gboolean
is_key_like (const char *name)
{
  static const char * const words[] = { "key", "token", "secret", "password", "passwd", "auth",
                                        "bearer", "credential", NULL };
  g_autoptr(GString) folded = g_string_new (NULL);

  for (const char *p = name; *p != '\0'; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (folded, g_ascii_tolower (*p));

  for (guint i = 0; words[i] != NULL; i++)
    if (strstr (folded->str, words[i]) != NULL)
      return TRUE;

  return FALSE;
}

/* The options as a JSON object whose members are all strings, or NULL
 * with @error set. NULL or "" is no option at all. */
static JsonNode *
parse_options (const char  *options_json,
               GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (options_json == NULL || *options_json == '\0')
    return json_node_init_object (json_node_alloc (), json_object_new ());

  root = concord_json_parse (options_json, -1, MAX_OPTIONS_BYTES, &local_error);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   _("The account’s options are unreadable: %s"),
                   local_error != NULL ? local_error->message : _("not a JSON object"));
      return NULL;
    }

  json_object_iter_init (&iter, json_node_get_object (root));
  while (json_object_iter_next (&iter, &name, &value))
    if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
      {
        g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                     _("The option “%s” must be text"), name);
        return NULL;
      }

  return g_steal_pointer (&root);
}

/**
 * concord_apps_check_options:
 * @app_id: the app's id
 * @options_json: (nullable): an account's options, as given by the user
 *   (`--option KEY=VALUE`, Add Connection) or as stored
 *
 * The one check of an account's options, for the CLI, the engine and the
 * app alike: only the options the app takes (a key given as an option
 * would be stored in clear; keys are read from standard input or asked
 * for, and kept in the keyring), each a string, and a base URL a key may
 * be sent to (concord_http_check_base_url()).
 *
 * Returns: %TRUE when the options are usable, otherwise %FALSE with @error
 *   set (%CONCORD_ERROR_INVALID) saying which options the app takes
 */
gboolean
concord_apps_check_options (const char  *app_id,
                            const char  *options_json,
                            GError     **error)
{
  const ConcordAppInfo *app = concord_apps_lookup (app_id);
  const char * const *allowed = allowed_options (app_id);
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *list = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (app == NULL || allowed == NULL)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, _("Unknown app “%s”"), app_id);
      return FALSE;
    }

  if ((root = parse_options (options_json, error)) == NULL)
    return FALSE;

  list = g_strjoinv (", ", (char **) allowed);
  json_object_iter_init (&iter, json_node_get_object (root));
  while (json_object_iter_next (&iter, &name, &value))
    {
      if (g_strv_contains (allowed, name))
        continue;

      if (is_key_like (name))
        g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                     /* Translators: %s are an option's name, an app's name and the list of
                      * the options it takes, e.g. "base_url, custom_fields" */
                     _("“%s” is not an option of %s (it takes: %s). An API key is never "
                       "given as an option: it is read from standard input and kept in the "
                       "keyring."), name, app->name, list);
      else
        g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                     /* Translators: %s are an option's name, an app's name and the list of
                      * the options it takes, e.g. "base_url, custom_fields" */
                     _("“%s” is not an option of %s (it takes: %s)"), name, app->name, list);
      return FALSE;
    }

  if (g_strcmp0 (app_id, "elasticemail") == 0)
    {
      const char *base_url = json_object_get_string_member_with_default (
        json_node_get_object (root), "base_url", NULL);

      if (base_url != NULL && !concord_http_check_base_url (base_url, error))
        return FALSE;
    }
  else if (g_strcmp0 (app_id, CONCORD_SAMPLE_CRM_APP_ID) == 0)
    {
      const char *path = json_object_get_string_member_with_default (
        json_node_get_object (root), "path", NULL);

      if (path == NULL || !g_path_is_absolute (path))
        {
          g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                               _("The Sample CRM needs the absolute path of its file "
                                 "(option “path”)"));
          return FALSE;
        }
    }

  return TRUE;
}

/**
 * concord_apps_create_connector:
 * @options_json: (nullable): the account's options, e.g. {"base_url": "…",
 *   "custom_fields": "A,B"} for Elastic Email (both optional; the custom
 *   fields its contacts do not use yet), {"path": "/…/sample-crm.json"} for
 *   the Sample CRM (required); checked by concord_apps_check_options()
 * @secret: the account's API key or token
 *
 * Returns: (transfer full) (nullable): the connector, or %NULL with
 *   @error set for an unknown app or unusable options
 */
ConcordConnector *
concord_apps_create_connector (const char  *app_id,
                               const char  *options_json,
                               const char  *secret,
                               GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *options;

  g_return_val_if_fail (secret != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!concord_apps_check_options (app_id, options_json, error) ||
      (root = parse_options (options_json, error)) == NULL)
    return NULL;
  options = json_node_get_object (root);

  if (g_strcmp0 (app_id, "elasticemail") == 0)
    {
      ConcordConnectorElasticEmail *connector = concord_connector_elasticemail_new (
        json_object_get_string_member_with_default (options, "base_url", NULL), secret);

      concord_connector_elasticemail_declare_custom_fields (
        connector, json_object_get_string_member_with_default (options, "custom_fields", NULL));
      return CONCORD_CONNECTOR (connector);
    }

  return CONCORD_CONNECTOR (concord_connector_sample_new (
    json_object_get_string_member_with_default (options, "path", NULL), secret));
}
