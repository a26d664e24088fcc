/* concord-sandbox.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The sandbox demo ("Try with sample data"): two apps on this computer,
 * filled with a few hundred made-up contacts that overlap and disagree, so
 * a person can walk through the real Add Connection flow and watch a real
 * sync without an account anywhere.
 *
 *  - Elastic Email is the mock server of src/connectors/elasticemail/mock/ (a SoupServer on a
 *    thread of its own, on 127.0.0.1), with the key "sandbox";
 *  - the second app is the Sample CRM (concord-connector-sample.c), a JSON
 *    file, with the key CONCORD_SAMPLE_CRM_KEY;
 *  - or, asked for with concord_sandbox_add_app(), a sample of a real app
 *    (Pipedrive, HubSpot, Mailchimp, …): the app's own mock server (any
 *    app whose ConcordMockAppInfo is in concord-mock-app-list.h and can
 *    generate its data and keep them in a file), on a thread of its own on
 *    127.0.0.1, filled with generate (APP_SAMPLE_SIZE, CONCORD_SANDBOX_SEED) on its
 *    first start, with a key made up for it (what the user's account holds,
 *    in the keyring, like any other key).
 *
 * Everything lives in one folder:
 *
 *   elasticemail.json  the mock's account, in its seed file format; the
 *                      mock saves it after every request that changes it,
 *                      and it is loaded back on the next start
 *   sample-crm.json    the Sample CRM's file
 *   APP.json           each sample app's account, in its mock's own file
 *                      format (load_file/set_save_path), saved by the mock
 *   sandbox.json       {"port": N, "apps": [{"id": APP, "port": M,
 *                      "key": KEY}…]}: the ports of the last start, and
 *                      the sample apps asked for with their keys (0600,
 *                      like the data: a made-up key to made-up data on
 *                      this computer only)
 *
 * Each data file is seeded when it is missing (so on the first start, and
 * again after a person deletes it to start over), deterministically (see
 * concord-sandbox-seed.c). After that both apps keep their state across
 * restarts, as real apps would.
 *
 * Removing the sample data (concord_sandbox_remove()) stops the server and
 * deletes the folder: the next start of Concord finds no sandbox.json and
 * starts no sandbox, and a later "Try with sample data" seeds anew.
 * concord_sandbox_owns_account() tells the caller which stored accounts
 * are the sandbox's, to remove them with their connections.
 *
 * Port. The first start takes any free port; later starts ask for the same
 * one again, because the Elastic Email account Concord stores holds the
 * base URL. When that port is taken the server takes another, and the
 * account's base_url must be updated from
 * concord_sandbox_get_elasticemail_options_json() (the caller compares).
 * Each sample app's server does the same (concord_sandbox_get_app_moved_from()).
 *
 * This file holds the sandbox, its helpers and Elastic Email's side; the
 * sample apps are in concord-sandbox-apps.c (see
 * concord-sandbox-private.h).
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
#include "concord-mock-app.h"
#include "concord-mock-elasticemail.h"
#include "concord-mock-server.h"
#include "concord-sandbox.h"
#include "concord-sandbox-private.h"

#define ELASTICEMAIL_FILE  "elasticemail.json"
#define CRM_FILE           "sample-crm.json"

/* Far more than the demo holds; beyond is treated as damaged. */
#define MAX_ACCOUNT_FILE_BYTES (64 * 1024 * 1024)

G_DEFINE_FINAL_TYPE (ConcordSandbox, concord_sandbox, G_TYPE_OBJECT)

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

char *
_concord_sandbox_json_object_text (const char *member,
                                   const char *value)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, value);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  return json_to_string (root, FALSE);
}

gboolean
_concord_sandbox_write_file (const char *path,
                             const char *text,
                             GError    **error)
{
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/* The port of the last start, or 0. */
static guint
read_port (const char *path)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  gsize length;
  JsonNode *node;

  if (!g_file_get_contents (path, &text, &length, NULL) ||
      (root = concord_json_parse (text, (gssize) length, CONCORD_SANDBOX_MAX_STATE_FILE_BYTES, NULL)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (root))
    return 0;

  node = json_object_get_member (json_node_get_object (root), "port");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;

  return (guint) CLAMP (json_node_get_int (node), 0, G_MAXUINT16);
}

guint
_concord_sandbox_port_of (const char *base_url)
{
  g_autoptr(GUri) uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);

  return uri != NULL && g_uri_get_port (uri) > 0 ? (guint) g_uri_get_port (uri) : 0;
}

typedef struct
{
  char *elasticemail;   /* (owned) (nullable) */
  char *crm;            /* (owned) (nullable) */
} Seed;

static void
seed_clear (Seed *seed)
{
  g_clear_pointer (&seed->elasticemail, g_free);
  g_clear_pointer (&seed->crm, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Seed, seed_clear)

/* The sample data, made when first needed. */
static Seed *
ensure_seed (Seed *seed)
{
  if (seed->elasticemail == NULL)
    _concord_sandbox_seed (CONCORD_SANDBOX_SEED, &seed->elasticemail, &seed->crm);

  return seed;
}

/* Writes the seed of a missing data file. */
static gboolean
seed_if_missing (const char  *path,
                 Seed        *seed,
                 gboolean     elasticemail,
                 GError     **error)
{
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;

  ensure_seed (seed);
  g_debug ("Seeding %s", path);
  return _concord_sandbox_write_file (path, elasticemail ? seed->elasticemail : seed->crm, error);
}

/* A damaged account file is set aside, for a person to look at, and the
 * account is seeded again: the demo always starts. */
static gboolean
set_aside (const char    *path,
           const GError  *why,
           Seed          *seed,
           GError       **error)
{
  g_autofree char *aside = g_strconcat (path, ".damaged", NULL);

  g_warning ("The sandbox's Elastic Email account could not be loaded (%s); "
             "it is set aside as %s and seeded again", why->message, aside);
  if (g_rename (path, aside) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                   "Could not set the damaged sandbox account aside: %s",
                   g_strerror (saved_errno));
      return FALSE;
    }

  return _concord_sandbox_write_file (path, ensure_seed (seed)->elasticemail, error);
}

/* The mock server parses its file with json-glib as it is: bounded here
 * first, so a nesting bomb in the file is set aside instead of crashing
 * the app at every start. */
gboolean
_concord_sandbox_check_account_file (const char *path,
                                     GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *text = NULL;
  gsize length;

  if (!g_file_get_contents (path, &text, &length, &local_error))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED, "%s", local_error->message);
      return FALSE;
    }

  return concord_json_check_bounds (text, length, MAX_ACCOUNT_FILE_BYTES, error);
}

/* The mock server on @port, or on any free port when @port is taken. */
static ConcordMockElasticEmail *
start_mock (guint    port,
            GError **error)
{
  g_autoptr(GError) port_error = NULL;
  ConcordMockElasticEmail *mock;

  if (port != 0)
    {
      mock = concord_mock_elasticemail_new (CONCORD_SANDBOX_ELASTICEMAIL_KEY, port, &port_error);
      if (mock != NULL)
        return mock;
      g_message ("The sandbox's port %u is taken (%s); it moves", port, port_error->message);
    }

  return concord_mock_elasticemail_new (CONCORD_SANDBOX_ELASTICEMAIL_KEY, 0, error);
}

static void
start_worker (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GError *error = NULL;

  if (concord_sandbox_start (source_object, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_sandbox_dispose (GObject *object)
{
  ConcordSandbox *self = CONCORD_SANDBOX (object);

  concord_sandbox_stop (self);

  G_OBJECT_CLASS (concord_sandbox_parent_class)->dispose (object);
}

static void
concord_sandbox_finalize (GObject *object)
{
  ConcordSandbox *self = CONCORD_SANDBOX (object);

  g_clear_pointer (&self->dir, g_free);
  g_clear_pointer (&self->crm_options_json, g_free);
  g_clear_pointer (&self->ee_options_json, g_free);
  g_clear_pointer (&self->moved_from, g_free);
  g_clear_pointer (&self->apps, g_ptr_array_unref);

  G_OBJECT_CLASS (concord_sandbox_parent_class)->finalize (object);
}

static void
concord_sandbox_class_init (ConcordSandboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = concord_sandbox_dispose;
  object_class->finalize = concord_sandbox_finalize;
}

static void
concord_sandbox_init (ConcordSandbox *self)
{
  self->apps = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_sandbox_sample_app_free);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_sandbox_new:
 * @dir: the folder the sandbox keeps its apps' data in (created on start),
 *   e.g. $XDG_DATA_HOME/concord/sandbox
 *
 * Returns: (transfer full): a stopped sandbox
 */
ConcordSandbox *
concord_sandbox_new (const char *dir)
{
  ConcordSandbox *self;
  g_autofree char *crm_path = NULL;

  g_return_val_if_fail (dir != NULL && g_path_is_absolute (dir), NULL);

  self = g_object_new (CONCORD_TYPE_SANDBOX, NULL);
  self->dir = g_strdup (dir);
  crm_path = g_build_filename (dir, CRM_FILE, NULL);
  self->crm_options_json = _concord_sandbox_json_object_text ("path", crm_path);

  return self;
}

/**
 * concord_sandbox_start:
 * @self: a #ConcordSandbox
 * @error: where to put why it could not start
 *
 * Creates the folder, seeds the apps' data that are missing, and starts
 * the Elastic Email server on 127.0.0.1, and the server of each sample app
 * asked for (concord_sandbox_add_app(), now or on an earlier start). It
 * takes some milliseconds and writes files: call it on a worker thread (or
 * use concord_sandbox_start_async()), and call nothing else of @self
 * meanwhile. Starting a running sandbox starts only what does not run yet
 * (an app asked for since).
 *
 * Returns: whether the sandbox runs
 */
gboolean
concord_sandbox_start (ConcordSandbox  *self,
                       GError         **error)
{
  g_autoptr(ConcordMockElasticEmail) mock = NULL;
  g_autofree char *ee_path = NULL;
  g_autofree char *crm_path = NULL;
  g_autofree char *state_path = NULL;
  g_auto(Seed) seed = { NULL, NULL };
  const char *base_url;
  guint port;

  g_return_val_if_fail (CONCORD_IS_SANDBOX (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  _concord_sandbox_ensure_state_read (self);
  if (self->mock != NULL)
    return _concord_sandbox_start_apps (self, error);

  if (g_mkdir_with_parents (self->dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                   "Could not create the sandbox's folder: %s", g_strerror (saved_errno));
      return FALSE;
    }

  ee_path = g_build_filename (self->dir, ELASTICEMAIL_FILE, NULL);
  crm_path = g_build_filename (self->dir, CRM_FILE, NULL);
  state_path = g_build_filename (self->dir, CONCORD_SANDBOX_STATE_FILE, NULL);

  if (!seed_if_missing (ee_path, &seed, TRUE, error) ||
      !seed_if_missing (crm_path, &seed, FALSE, error))
    return FALSE;

  port = read_port (state_path);
  self->state_dirty = FALSE;
  for (guint attempt = 0; ; attempt++)
    {
      g_autoptr(GError) load_error = NULL;

      mock = start_mock (port, error);
      if (mock == NULL)
        return FALSE;

      if (_concord_sandbox_check_account_file (ee_path, &load_error) &&
          concord_mock_elasticemail_load_seed_file (mock, ee_path, &load_error))
        break;

      /* A new server: the damaged file may have loaded in part. */
      g_clear_object (&mock);
      if (attempt > 0)
        {
          g_propagate_error (error, g_steal_pointer (&load_error));
          return FALSE;
        }
      if (!set_aside (ee_path, load_error, &seed, error))
        return FALSE;
    }
  concord_mock_elasticemail_set_save_path (mock, ee_path);
  /* The sandbox serves for as long as Concord runs: its request log (kept
   * for tests) must not grow with every sync. */
  concord_mock_server_set_log_limit (concord_mock_elasticemail_get_server (mock), CONCORD_SANDBOX_LOG_LIMIT);

  base_url = concord_mock_elasticemail_get_base_url (mock);
  g_clear_pointer (&self->moved_from, g_free);
  if (_concord_sandbox_port_of (base_url) != port)
    {
      /* Taken by another program: the accounts must follow (the caller
       * moves them with concord_engine_move_server_async()). */
      if (port != 0)
        {
          g_autoptr(GUri) uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
          g_autoptr(GUri) old = g_uri_build (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL,
                                             g_uri_get_host (uri), port, g_uri_get_path (uri), NULL, NULL);

          self->moved_from = g_uri_to_string (old);
        }
      self->state_dirty = TRUE;
    }

  g_clear_pointer (&self->ee_options_json, g_free);
  self->ee_options_json = _concord_sandbox_json_object_text ("base_url", base_url);
  self->mock = g_steal_pointer (&mock);
  g_debug ("The sandbox runs Elastic Email on %s", base_url);

  return _concord_sandbox_start_apps (self, error);
}

/**
 * concord_sandbox_start_async:
 *
 * Starts the sandbox (see concord_sandbox_start()) on a worker thread.
 */
void
concord_sandbox_start_async (ConcordSandbox      *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CONCORD_IS_SANDBOX (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  /* Read here, so that the getters this thread calls meanwhile
   * (concord_sandbox_owns_account()) never read it at the same time. */
  _concord_sandbox_ensure_state_read (self);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_sandbox_start_async);
  g_task_run_in_thread (task, start_worker);
}

gboolean
concord_sandbox_start_finish (ConcordSandbox  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (CONCORD_IS_SANDBOX (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == concord_sandbox_start_async,
                        FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * concord_sandbox_stop:
 *
 * Stops the Elastic Email server and the sample apps' (their accounts
 * are saved as they stop). The Sample CRM needs nothing stopped: it is its
 * file.
 */
void
concord_sandbox_stop (ConcordSandbox *self)
{
  g_return_if_fail (CONCORD_IS_SANDBOX (self));

  g_clear_object (&self->mock);
  g_clear_pointer (&self->ee_options_json, g_free);
  for (guint i = 0; self->apps != NULL && i < self->apps->len; i++)
    _concord_sandbox_sample_app_stop (g_ptr_array_index (self->apps, i));
}

gboolean
concord_sandbox_is_running (ConcordSandbox *self)
{
  g_return_val_if_fail (CONCORD_IS_SANDBOX (self), FALSE);

  return self->mock != NULL;
}

const char *
concord_sandbox_get_dir (ConcordSandbox *self)
{
  g_return_val_if_fail (CONCORD_IS_SANDBOX (self), NULL);

  return self->dir;
}

/**
 * concord_sandbox_get_elasticemail_url:
 *
 * Returns: (nullable): the base URL of the Elastic Email server,
 *   "http://127.0.0.1:PORT/v4"; %NULL while stopped
 */
const char *
concord_sandbox_get_elasticemail_url (ConcordSandbox *self)
{
  g_return_val_if_fail (CONCORD_IS_SANDBOX (self), NULL);

  return self->mock != NULL ? concord_mock_elasticemail_get_base_url (self->mock) : NULL;
}

/**
 * concord_sandbox_get_elasticemail_key:
 *
 * Returns: the key of the sandbox's Elastic Email account, "sandbox"
 */
const char *
concord_sandbox_get_elasticemail_key (ConcordSandbox *self)
{
  g_return_val_if_fail (CONCORD_IS_SANDBOX (self), NULL);

  return CONCORD_SANDBOX_ELASTICEMAIL_KEY;
}

/**
 * concord_sandbox_get_elasticemail_options_json:
 *
 * The port is the same from start to start unless another program took it
 * meanwhile: compare these options with the stored account's and update
 * them after each start.
 *
 * Returns: (nullable): the options of an Elastic Email account on the
 *   sandbox, {"base_url": "http://127.0.0.1:PORT/v4"}; %NULL while stopped
 */
const char *
concord_sandbox_get_elasticemail_options_json (ConcordSandbox *self)
{
  g_return_val_if_fail (CONCORD_IS_SANDBOX (self), NULL);

  return self->ee_options_json;
}

/**
 * concord_sandbox_get_crm_options_json:
 *
 * Returns: the options of a Sample CRM account on the sandbox,
 *   {"path": "DIR/sample-crm.json"}
 */
const char *
concord_sandbox_get_crm_options_json (ConcordSandbox *self)
{
  g_return_val_if_fail (CONCORD_IS_SANDBOX (self), NULL);

  return self->crm_options_json;
}

/**
 * concord_sandbox_get_crm_key:
 *
 * Returns: the Sample CRM's key, %CONCORD_SAMPLE_CRM_KEY
 */
const char *
concord_sandbox_get_crm_key (ConcordSandbox *self)
{
  g_return_val_if_fail (CONCORD_IS_SANDBOX (self), NULL);

  return CONCORD_SAMPLE_CRM_KEY;
}

/**
 * concord_sandbox_get_moved_from:
 *
 * When the last start found the sandbox's port taken by another program,
 * the server took another: this is its address before, which stored
 * accounts still point at.
 *
 * Returns: (nullable): the Elastic Email server's former base URL
 */
const char *
concord_sandbox_get_moved_from (ConcordSandbox *self)
{
  g_return_val_if_fail (CONCORD_IS_SANDBOX (self), NULL);

  return self->moved_from;
}

/**
 * concord_sandbox_owns_account:
 * @app_id: an account's app
 * @options_json: (nullable): the account's options
 *
 * Whether an account is one of the sandbox's: a Sample CRM whose file is
 * in the sandbox's folder, or an Elastic Email or a sample app on this
 * computer at the sandbox's port for it (the running server's, or the
 * last start's when it is stopped).
 *
 * Returns: %TRUE for an account of the sample apps
 */
gboolean
concord_sandbox_owns_account (ConcordSandbox *self,
                              const char     *app_id,
                              const char     *options_json)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;
  ConcordSandboxApp *app;

  g_return_val_if_fail (CONCORD_IS_SANDBOX (self), FALSE);

  if (app_id == NULL || options_json == NULL ||
      (root = concord_json_parse (options_json, -1, CONCORD_SANDBOX_MAX_STATE_FILE_BYTES, NULL)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  object = json_node_get_object (root);

  if (g_str_equal (app_id, concord_sample_app.id))
    {
      const char *path = json_object_get_string_member_with_default (object, "path", NULL);
      g_autofree char *parent = path != NULL ? g_path_get_dirname (path) : NULL;

      return parent != NULL && g_str_equal (parent, self->dir);
    }

  if (g_str_equal (app_id, concord_elasticemail_app.id))
    {
      const char *base_url = json_object_get_string_member_with_default (object, "base_url", NULL);
      g_autoptr(GUri) uri = base_url != NULL ? g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL) : NULL;
      g_autofree char *state_path = g_build_filename (self->dir, CONCORD_SANDBOX_STATE_FILE, NULL);
      guint port;

      if (uri == NULL || g_strcmp0 (g_uri_get_host (uri), "127.0.0.1") != 0 || g_uri_get_port (uri) <= 0)
        return FALSE;
      port = self->mock != NULL ? _concord_sandbox_port_of (concord_mock_elasticemail_get_base_url (self->mock))
                                : read_port (state_path);
      return port != 0 && (guint) g_uri_get_port (uri) == port;
    }

  _concord_sandbox_ensure_state_read (self);
  if ((app = _concord_sandbox_find_app (self, app_id)) != NULL)
    {
      const char *base_url = json_object_get_string_member_with_default (object, "base_url", NULL);
      g_autoptr(GUri) uri = base_url != NULL ? g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL) : NULL;

      return uri != NULL && g_strcmp0 (g_uri_get_host (uri), "127.0.0.1") == 0 && app->port != 0 &&
             g_uri_get_port (uri) == (gint) app->port;
    }

  return FALSE;
}

/**
 * concord_sandbox_remove:
 * @error: where to put what could not be deleted
 *
 * Stops the sandbox and deletes its folder with the sample apps' data:
 * it will not start again on the next start of Concord. Starting it later
 * seeds the sample data anew. A folder that does not exist is fine.
 *
 * Returns: whether the folder is gone
 */
gboolean
concord_sandbox_remove (ConcordSandbox  *self,
                        GError         **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *name;

  g_return_val_if_fail (CONCORD_IS_SANDBOX (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  concord_sandbox_stop (self);
  g_ptr_array_set_size (self->apps, 0);
  self->state_read = TRUE;

  dir = g_dir_open (self->dir, 0, &local_error);
  if (dir == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED, "Could not read the sandbox's folder: %s",
                   local_error->message);
      return FALSE;
    }

  /* Only files of its own are in it (the apps' data, the state, files set
   * aside, the atomic writes' temporary files). */
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (self->dir, name, NULL);

      if (g_unlink (path) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED, "Could not delete %s: %s", name,
                       g_strerror (saved_errno));
          return FALSE;
        }
    }

  if (g_rmdir (self->dir) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED, "Could not delete the sandbox's folder: %s",
                   g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}
