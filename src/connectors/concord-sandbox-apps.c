/* concord-sandbox-apps.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The sandbox's sample apps: samples of real apps (Pipedrive, HubSpot,
 * Mailchimp, ...), each run by its own mock server on this computer, their
 * state in sandbox.json, and the API that lists, adds and describes them.
 */

#define G_LOG_DOMAIN "concord-sandbox"

#include "config.h"

#include <errno.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "concord-app-registry.h"
#include "concord-connector-sample.h"
#include "concord-error.h"
#include "concord-json-private.h"
#include "concord-mock-server.h"

#include "concord-sandbox-private.h"

#define APP_SAMPLE_SIZE        250   /* contacts of a sample app's first start */
#define MAX_SAMPLE_APPS        32

/* Some mocks' headers declare them too. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wredundant-decls"
#define CONCORD_MOCK_APP(info) extern const ConcordMockAppInfo info;
#include "concord-mock-app-list.h"
#undef CONCORD_MOCK_APP
#pragma GCC diagnostic pop

static const ConcordMockAppInfo * const mock_apps[] = {
#define CONCORD_MOCK_APP(info) &info,
#include "concord-mock-app-list.h"
#undef CONCORD_MOCK_APP
  NULL,
};

void
_concord_sandbox_sample_app_stop (ConcordSandboxApp *app)
{
  g_clear_object (&app->mock);
  g_clear_pointer (&app->options_json, g_free);
}

void
_concord_sandbox_sample_app_free (ConcordSandboxApp *app)
{
  _concord_sandbox_sample_app_stop (app);
  g_free (app->key);
  g_free (app->moved_from);
  g_free (app);
}

/* The mock of @app_id that the sandbox can run: one that makes up its
 * data and keeps them in a file, of an app in the registry (not Elastic
 * Email, the sandbox's first side). */
static const ConcordMockAppInfo *
find_sample_mock (const char *app_id)
{
  const ConcordAppInfo *app;

  if (app_id == NULL || (app = concord_app_registry_lookup (app_id)) == NULL ||
      app == &concord_elasticemail_app)
    return NULL;

  for (guint i = 0; mock_apps[i] != NULL; i++)
    if (g_ascii_strcasecmp (mock_apps[i]->id, app->id) == 0)
      return mock_apps[i]->generate != NULL && mock_apps[i]->load_file != NULL &&
             mock_apps[i]->set_save_path != NULL ? mock_apps[i] : NULL;

  return NULL;
}

ConcordSandboxApp *
_concord_sandbox_find_app (ConcordSandbox *self,
                           const char     *app_id)
{
  for (guint i = 0; app_id != NULL && i < self->apps->len; i++)
    {
      ConcordSandboxApp *app = g_ptr_array_index (self->apps, i);

      if (g_ascii_strcasecmp (app->info->id, app_id) == 0)
        return app;
    }

  return NULL;
}

static char *
app_file (ConcordSandbox    *self,
          ConcordSandboxApp *app)
{
  g_autofree char *name = g_strconcat (app->info->id, ".json", NULL);

  return g_build_filename (self->dir, name, NULL);
}

/* The sample apps of sandbox.json, once: a damaged entry is skipped (its
 * app is offered again, with a new key, when asked for). */
void
_concord_sandbox_ensure_state_read (ConcordSandbox *self)
{
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  gsize length;
  JsonNode *node;
  JsonArray *apps;

  if (self->state_read)
    return;
  self->state_read = TRUE;

  path = g_build_filename (self->dir, CONCORD_SANDBOX_STATE_FILE, NULL);
  if (!g_file_get_contents (path, &text, &length, NULL) ||
      (root = concord_json_parse (text, (gssize) length, CONCORD_SANDBOX_MAX_STATE_FILE_BYTES, NULL)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (root) ||
      (node = json_object_get_member (json_node_get_object (root), "apps")) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (node))
    return;

  apps = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (apps) && self->apps->len < MAX_SAMPLE_APPS; i++)
    {
      JsonNode *element = json_array_get_element (apps, i);
      JsonObject *object = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
      const char *id = object != NULL ? json_object_get_string_member_with_default (object, "id", NULL) : NULL;
      const char *key = object != NULL ? json_object_get_string_member_with_default (object, "key", NULL) : NULL;
      JsonNode *port = object != NULL ? json_object_get_member (object, "port") : NULL;
      const ConcordMockAppInfo *info = find_sample_mock (id);
      ConcordSandboxApp *app;

      if (info == NULL || key == NULL || *key == '\0' || _concord_sandbox_find_app (self, id) != NULL)
        {
          g_debug ("Skipping the sandbox's app %u: unknown, damaged or twice", i);
          continue;
        }

      app = g_new0 (ConcordSandboxApp, 1);
      app->info = info;
      app->key = g_strdup (key);
      if (port != NULL && JSON_NODE_HOLDS_VALUE (port) && json_node_get_value_type (port) == G_TYPE_INT64)
        app->port = (guint) CLAMP (json_node_get_int (port), 0, G_MAXUINT16);
      g_ptr_array_add (self->apps, app);
    }
}

/* sandbox.json: Elastic Email's port and the sample apps. */
static void
write_state (ConcordSandbox *self,
             guint           port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *path = g_build_filename (self->dir, CONCORD_SANDBOX_STATE_FILE, NULL);
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "port");
  json_builder_add_int_value (builder, port);
  json_builder_set_member_name (builder, "apps");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->apps->len; i++)
    {
      ConcordSandboxApp *app = g_ptr_array_index (self->apps, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, app->info->id);
      json_builder_set_member_name (builder, "port");
      json_builder_add_int_value (builder, app->port);
      json_builder_set_member_name (builder, "key");
      json_builder_add_string_value (builder, app->key);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, TRUE);

  if (!_concord_sandbox_write_file (path, text, &error))
    g_warning ("Could not remember the sandbox's state: %s", error->message);
}

/**
 * concord_sandbox_make_key:
 * @app: an app of the registry
 *
 * A made-up key for a sample of @app: random, in a shape the app's form
 * accepts (a hex token, or Mailchimp's with its data centre after a dash).
 *
 * Returns: (transfer full): the key
 */
char *
concord_sandbox_make_key (const ConcordAppInfo *app)
{
  const ConcordAppField *field = concord_app_info_get_secret_field (app);
  g_autoptr(GString) hex = g_string_new (NULL);
  const char * const suffixes[] = { "", "-us1" };

  g_return_val_if_fail (app != NULL, NULL);

  for (guint i = 0; i < 10; i++)
    g_string_append_printf (hex, "%08x", g_random_int ());

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *key = g_strdup_printf ("%.*s%s", i == 0 ? 40 : 32, hex->str, suffixes[i]);

      if (field == NULL || concord_app_field_validate (field, key, NULL))
        return g_steal_pointer (&key);
    }

  return g_string_free (g_steal_pointer (&hex), FALSE);
}

/* Starts @app's server (on its last port when it is free), with its data
 * from its file, made up when there is none or it is damaged. */
static gboolean
start_app (ConcordSandbox    *self,
           ConcordSandboxApp *app,
           GError           **error)
{
  g_autoptr(GObject) mock = NULL;
  g_autoptr(GError) port_error = NULL;
  g_autoptr(GError) load_error = NULL;
  g_autofree char *path = app_file (self, app);
  const char *base_url;

  if (app->port != 0)
    {
      mock = app->info->create (app->key, app->port, &port_error);
      if (mock == NULL)
        g_message ("The sandbox's port %u is taken (%s); %s moves", app->port, port_error->message,
                   app->info->id);
    }
  if (mock == NULL && (mock = app->info->create (app->key, 0, error)) == NULL)
    return FALSE;

  if (g_file_test (path, G_FILE_TEST_EXISTS) &&
      (!_concord_sandbox_check_account_file (path, &load_error) || !app->info->load_file (mock, path, &load_error)))
    {
      g_autofree char *aside = g_strconcat (path, ".damaged", NULL);
      guint port = _concord_sandbox_port_of (app->info->get_base_url (mock));

      g_warning ("The sandbox's %s account could not be loaded (%s); it is set aside as %s and "
                 "made up again", app->info->id, load_error->message, aside);
      if (g_rename (path, aside) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                       "Could not set the damaged sandbox account aside: %s", g_strerror (saved_errno));
          return FALSE;
        }
      /* A new server (on the same port): the damaged file may have loaded
       * in part. */
      g_clear_object (&mock);
      if ((mock = app->info->create (app->key, port, NULL)) == NULL &&
          (mock = app->info->create (app->key, 0, error)) == NULL)
        return FALSE;
    }
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_debug ("Making up the sandbox's %s account", app->info->id);
      app->info->generate (mock, APP_SAMPLE_SIZE, CONCORD_SANDBOX_SEED);
    }
  app->info->set_save_path (mock, path);
  concord_mock_server_set_log_limit (app->info->get_server (mock), CONCORD_SANDBOX_LOG_LIMIT);

  base_url = app->info->get_base_url (mock);
  g_clear_pointer (&app->moved_from, g_free);
  if (app->port != 0 && _concord_sandbox_port_of (base_url) != app->port)
    {
      g_autoptr(GUri) uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
      g_autoptr(GUri) old = g_uri_build (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL,
                                         g_uri_get_host (uri), (gint) app->port, g_uri_get_path (uri),
                                         NULL, NULL);

      app->moved_from = g_uri_to_string (old);
    }
  app->port = _concord_sandbox_port_of (base_url);
  app->options_json = _concord_sandbox_json_object_text ("base_url", base_url);
  app->mock = g_steal_pointer (&mock);
  g_debug ("The sandbox runs %s on %s", app->info->id, base_url);

  return TRUE;
}

/* The sample apps that do not run yet (Elastic Email runs). */
gboolean
_concord_sandbox_start_apps (ConcordSandbox *self,
                             GError        **error)
{
  gboolean ok = TRUE;

  for (guint i = 0; ok && i < self->apps->len; i++)
    {
      ConcordSandboxApp *app = g_ptr_array_index (self->apps, i);
      guint port = app->port;

      if (app->mock != NULL)
        continue;
      ok = start_app (self, app, error);
      self->state_dirty |= app->port != port;
    }

  if (self->state_dirty)
    {
      write_state (self, _concord_sandbox_port_of (concord_mock_elasticemail_get_base_url (self->mock)));
      self->state_dirty = FALSE;
    }

  return ok;
}

/**
 * concord_sandbox_list_apps:
 *
 * The apps the sandbox offers as the second side, in the order of the
 * registry: the Sample CRM, then each app whose mock server it can run
 * (one that makes up its data and keeps them in a file). An app without
 * such a mock is not offered.
 *
 * Returns: (transfer full): app ids
 */
GStrv
concord_sandbox_list_apps (void)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const ConcordAppInfo **apps;
  guint n_apps;

  apps = concord_app_registry_list (&n_apps);
  for (guint i = 0; i < n_apps; i++)
    if (apps[i] == &concord_sample_app || find_sample_mock (apps[i]->id) != NULL)
      g_strv_builder_add (builder, apps[i]->id);

  return g_strv_builder_end (builder);
}

/**
 * concord_sandbox_add_app:
 * @app_id: one of concord_sandbox_list_apps()
 * @error: where to put why it is not offered
 *
 * Asks for a sample of @app_id as a second side: the next
 * concord_sandbox_start() starts its server (and every start after that,
 * until concord_sandbox_remove()), with a key made up for it now. The
 * Sample CRM is always there: adding it does nothing. Call it while no
 * start runs.
 *
 * Returns: whether @app_id is offered
 */
gboolean
concord_sandbox_add_app (ConcordSandbox  *self,
                         const char      *app_id,
                         GError         **error)
{
  const ConcordMockAppInfo *info;
  ConcordSandboxApp *app;

  g_return_val_if_fail (CONCORD_IS_SANDBOX (self), FALSE);
  g_return_val_if_fail (app_id != NULL, FALSE);

  if (g_ascii_strcasecmp (app_id, concord_sample_app.id) == 0)
    return TRUE;

  info = find_sample_mock (app_id);
  if (info == NULL)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "The sandbox has no sample of “%s”", app_id);
      return FALSE;
    }

  _concord_sandbox_ensure_state_read (self);
  if (_concord_sandbox_find_app (self, app_id) != NULL)
    return TRUE;

  app = g_new0 (ConcordSandboxApp, 1);
  app->info = info;
  app->key = concord_sandbox_make_key (concord_app_registry_lookup (info->id));
  g_ptr_array_add (self->apps, app);
  self->state_dirty = TRUE;

  return TRUE;
}

/**
 * concord_sandbox_get_apps:
 *
 * Returns: (transfer full): the ids of the sample apps asked for (on this
 *   start or an earlier one), whether they run or not, without the Sample
 *   CRM
 */
GStrv
concord_sandbox_get_apps (ConcordSandbox *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (CONCORD_IS_SANDBOX (self), NULL);

  _concord_sandbox_ensure_state_read (self);
  for (guint i = 0; i < self->apps->len; i++)
    g_strv_builder_add (builder, ((ConcordSandboxApp *) g_ptr_array_index (self->apps, i))->info->id);

  return g_strv_builder_end (builder);
}

/**
 * concord_sandbox_get_app_options_json:
 * @app_id: Elastic Email, the Sample CRM or a sample app asked for
 *
 * Returns: (nullable): the options of an account of @app_id on the
 *   sandbox; %NULL while its server is stopped, or for another app
 */
const char *
concord_sandbox_get_app_options_json (ConcordSandbox *self,
                                      const char     *app_id)
{
  ConcordSandboxApp *app;

  g_return_val_if_fail (CONCORD_IS_SANDBOX (self), NULL);

  if (app_id == NULL)
    return NULL;
  if (g_ascii_strcasecmp (app_id, concord_elasticemail_app.id) == 0)
    return self->ee_options_json;
  if (g_ascii_strcasecmp (app_id, concord_sample_app.id) == 0)
    return self->crm_options_json;

  app = _concord_sandbox_find_app (self, app_id);
  return app != NULL ? app->options_json : NULL;
}

/**
 * concord_sandbox_get_app_key:
 * @app_id: Elastic Email, the Sample CRM or a sample app asked for
 *
 * Returns: (nullable): the key of the sandbox's account of @app_id, what
 *   the user enters in the Add Connection flow; %NULL for another app
 */
const char *
concord_sandbox_get_app_key (ConcordSandbox *self,
                             const char     *app_id)
{
  ConcordSandboxApp *app;

  g_return_val_if_fail (CONCORD_IS_SANDBOX (self), NULL);

  if (app_id == NULL)
    return NULL;
  if (g_ascii_strcasecmp (app_id, concord_elasticemail_app.id) == 0)
    return CONCORD_SANDBOX_ELASTICEMAIL_KEY;
  if (g_ascii_strcasecmp (app_id, concord_sample_app.id) == 0)
    return CONCORD_SAMPLE_CRM_KEY;

  _concord_sandbox_ensure_state_read (self);
  app = _concord_sandbox_find_app (self, app_id);
  return app != NULL ? app->key : NULL;
}

/**
 * concord_sandbox_get_app_url:
 * @app_id: Elastic Email or a sample app asked for
 *
 * Returns: (nullable): the base URL of @app_id's server on this computer;
 *   %NULL while it is stopped, or for an app with no server
 */
const char *
concord_sandbox_get_app_url (ConcordSandbox *self,
                             const char     *app_id)
{
  ConcordSandboxApp *app;

  g_return_val_if_fail (CONCORD_IS_SANDBOX (self), NULL);

  if (app_id != NULL && g_ascii_strcasecmp (app_id, concord_elasticemail_app.id) == 0)
    return concord_sandbox_get_elasticemail_url (self);

  app = _concord_sandbox_find_app (self, app_id);
  return app != NULL && app->mock != NULL ? app->info->get_base_url (app->mock) : NULL;
}

/**
 * concord_sandbox_get_app_moved_from:
 * @app_id: Elastic Email or a sample app asked for
 *
 * Like concord_sandbox_get_moved_from(), for any of the sandbox's servers.
 *
 * Returns: (nullable): the server's former base URL, when the last start
 *   found its port taken
 */
const char *
concord_sandbox_get_app_moved_from (ConcordSandbox *self,
                                    const char     *app_id)
{
  ConcordSandboxApp *app;

  g_return_val_if_fail (CONCORD_IS_SANDBOX (self), NULL);

  if (app_id != NULL && g_ascii_strcasecmp (app_id, concord_elasticemail_app.id) == 0)
    return self->moved_from;

  app = _concord_sandbox_find_app (self, app_id);
  return app != NULL ? app->moved_from : NULL;
}
