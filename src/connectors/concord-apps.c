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

#include <json-glib/json-glib.h>

#include "concord-apps.h"
#include "concord-connector-elasticemail.h"
#include "concord-connector-sample.h"
#include "concord-error.h"

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

static char *
option (const char *options_json,
        const char *key)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;
  JsonObject *object;

  if (options_json == NULL || *options_json == '\0')
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, options_json, -1, NULL))
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  object = json_node_get_object (root);
  if (!json_object_has_member (object, key))
    return NULL;

  return g_strdup (json_object_get_string_member_with_default (object, key, NULL));
}

/**
 * concord_apps_create_connector:
 * @options_json: (nullable): the account's options, e.g. {"base_url": "…",
 *   "custom_fields": "A,B"} for Elastic Email (both optional; the custom
 *   fields its contacts do not use yet), {"path": "/…/sample-crm.json"} for
 *   the Sample CRM (required)
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
  g_return_val_if_fail (secret != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_strcmp0 (app_id, "elasticemail") == 0)
    {
      g_autofree char *base_url = option (options_json, "base_url");

      if (base_url != NULL && !g_str_has_prefix (base_url, "https://") &&
          !g_str_has_prefix (base_url, "http://127.0.0.1") &&
          !g_str_has_prefix (base_url, "http://localhost"))
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                       "The base URL must use https (plain http only to this computer)");
          return NULL;
        }

      {
        ConcordConnectorElasticEmail *connector = concord_connector_elasticemail_new (base_url, secret);
        g_autofree char *custom_fields = option (options_json, "custom_fields");

        concord_connector_elasticemail_declare_custom_fields (connector, custom_fields);
        return CONCORD_CONNECTOR (connector);
      }
    }

  if (g_strcmp0 (app_id, CONCORD_SAMPLE_CRM_APP_ID) == 0)
    {
      g_autofree char *path = option (options_json, "path");

      if (path == NULL || !g_path_is_absolute (path))
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                       "The Sample CRM needs the absolute path of its file (option “path”)");
          return NULL;
        }

      return CONCORD_CONNECTOR (concord_connector_sample_new (path, secret));
    }

  g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "Unknown app “%s”", app_id);
  return NULL;
}

static void
on_verified_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gboolean ok;

  if (CONCORD_IS_CONNECTOR_SAMPLE (object))
    ok = concord_connector_sample_verify_finish (CONCORD_CONNECTOR_SAMPLE (object), result, &error);
  else
    ok = concord_connector_elasticemail_verify_finish (CONCORD_CONNECTOR_ELASTICEMAIL (object),
                                                       result, &error);

  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * concord_apps_verify_async:
 *
 * Checks the connector's credentials against its app with a cheap call.
 */
void
concord_apps_verify_async (ConcordConnector    *connector,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CONCORD_IS_CONNECTOR (connector));

  task = g_task_new (connector, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_apps_verify_async);

  if (CONCORD_IS_CONNECTOR_ELASTICEMAIL (connector))
    concord_connector_elasticemail_verify_async (CONCORD_CONNECTOR_ELASTICEMAIL (connector),
                                                 cancellable, on_verified_cb,
                                                 g_steal_pointer (&task));
  else if (CONCORD_IS_CONNECTOR_SAMPLE (connector))
    concord_connector_sample_verify_async (CONCORD_CONNECTOR_SAMPLE (connector),
                                           cancellable, on_verified_cb, g_steal_pointer (&task));
  else
    g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                             "This app cannot check its key");
}

gboolean
concord_apps_verify_finish (ConcordConnector  *connector,
                            GAsyncResult      *result,
                            GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connector), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
