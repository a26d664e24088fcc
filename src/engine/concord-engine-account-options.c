/* concord-engine-account-options.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The facade's jobs on an account's options: one option, the custom
 * fields, and every account of a server that moved.
 */

#define G_LOG_DOMAIN "concord-engine"

#include "config.h"

#include "concord-engine-private.h"
#include "concord-error.h"
#include "concord-json-private.h"

/* @options_json with @key set to @value (removed when NULL or empty);
 * NULL when @options_json is not a JSON object. */
static char *
options_with (const char *options_json,
              const char *key,
              const char *value)
{
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;

  if (options_json == NULL || *options_json == '\0')
    {
      /* json_node_init_object() would add a reference of its own. */
      root = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (root, json_object_new ());
    }
  else if ((root = concord_json_parse (options_json, -1, 64 * 1024, NULL)) == NULL ||
           !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  object = json_node_get_object (root);
  if (value == NULL || *value == '\0')
    json_object_remove_member (object, key);
  else
    json_object_set_string_member (object, key, value);

  generator = json_generator_new ();
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static void
set_option_worker (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  ConcordEngineJob *job = task_data;   /* account_id; type: the option's key; name: its value */
  g_autoptr(ConcordAccountRow) account = NULL;
  g_autofree char *options = NULL;
  GError *error = NULL;

  if (!concord_engine_ensure_store (self, &error) ||
      (account = concord_store_get_account (self->store, job->account_id, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  options = options_with (account->options_json, job->type, job->name);
  if (options == NULL)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                               "The options of the account cannot be read");
      return;
    }

  /* The caller checked the value with the app's form; the next connector
   * is made through the app's check of all its options. */
  if (!concord_store_set_account_options (self->store, job->account_id, options, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* The next run makes its connector with the new options. */
  g_hash_table_remove (self->connectors, job->account_id);
  g_task_return_boolean (task, TRUE);
}

/**
 * concord_engine_set_custom_fields_async:
 * @account_id: an account of an app whose custom fields cannot be listed
 *   (Elastic Email)
 * @names: (nullable): custom field names separated by commas; %NULL or
 *   empty for none
 *
 * Declares the custom fields of an account that no contact uses yet, which
 * reading its contacts cannot find: stored as the account's option
 * "custom_fields" (names trimmed, blanks dropped), on the engine thread.
 * The next run of a connection of the account maps them.
 */
void
concord_engine_set_custom_fields_async (ConcordEngine       *self,
                                        const char          *account_id,
                                        const char          *names,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_auto(GStrv) split = NULL;
  g_autoptr(GStrvBuilder) kept = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;
  ConcordEngineJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (account_id != NULL);

  split = g_strsplit (names != NULL ? names : "", ",", -1);
  for (guint i = 0; split[i] != NULL; i++)
    if (*g_strstrip (split[i]) != '\0')
      g_strv_builder_add (kept, split[i]);
  list = g_strv_builder_end (kept);

  task = concord_engine_job_task (self, concord_engine_set_custom_fields_async, cancellable,
                                  callback, user_data, &job);
  job->account_id = g_strdup (account_id);
  job->type = g_strdup ("custom_fields");
  job->name = g_strjoinv (",", list);
  concord_worker_thread_queue (self->worker, task, set_option_worker);
}

gboolean
concord_engine_set_custom_fields_finish (ConcordEngine  *self,
                                         GAsyncResult   *result,
                                         GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * concord_engine_set_option_async:
 * @account_id: an account
 * @key: one of its app's options (a field of the app's form that can be
 *   changed later, see the app registry)
 * @value: (nullable): its new value, as the app stores it; %NULL or empty
 *   removes it
 *
 * Changes one option of an account, on the engine thread. The next run of
 * a connection of the account makes its connector with it.
 */
void
concord_engine_set_option_async (ConcordEngine       *self,
                                 const char          *account_id,
                                 const char          *key,
                                 const char          *value,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (account_id != NULL);
  g_return_if_fail (key != NULL);

  task = concord_engine_job_task (self, concord_engine_set_option_async, cancellable,
                                  callback, user_data, &job);
  job->account_id = g_strdup (account_id);
  job->type = g_strdup (key);
  job->name = g_strdup (value);
  concord_worker_thread_queue (self->worker, task, set_option_worker);
}

gboolean
concord_engine_set_option_finish (ConcordEngine  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------------- */
/* A server that moved                                                       */
/* ------------------------------------------------------------------------- */

/* The options with base_url replaced, or NULL when they do not point at
 * @old_base_url. */
static char *
moved_options (const char *options_json,
               const char *old_base_url,
               const char *new_base_url)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;

  if (options_json == NULL ||
      (root = concord_json_parse (options_json, -1, 64 * 1024, NULL)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  object = json_node_get_object (root);
  if (!json_object_has_member (object, "base_url") ||
      g_strcmp0 (json_object_get_string_member_with_default (object, "base_url", NULL), old_base_url) != 0)
    return NULL;

  return options_with (options_json, "base_url", new_base_url);
}

static void
move_server_worker (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  ConcordEngineJob *job = task_data;   /* app_id; name: old URL; options_json: new URL */
  g_autoptr(GPtrArray) accounts = NULL;
  GError *error = NULL;
  guint n_moved = 0;

  if (!concord_engine_ensure_store (self, &error) ||
      (accounts = concord_store_list_accounts (self->store, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  for (guint i = 0; i < accounts->len; i++)
    {
      ConcordAccountRow *account = g_ptr_array_index (accounts, i);
      g_autofree char *options = NULL;

      if (g_strcmp0 (account->app_id, job->app_id) != 0 ||
          (options = moved_options (account->options_json, job->name, job->options_json)) == NULL)
        continue;

      if (!concord_store_set_account_options (self->store, account->id, options, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      /* The next run makes its connector with the new address. */
      g_hash_table_remove (self->connectors, account->id);
      n_moved++;
    }

  g_task_return_int (task, n_moved);
}

/**
 * concord_engine_move_server_async:
 * @app_id: the app whose accounts to look at
 * @old_base_url: the address the accounts point at
 * @new_base_url: where that server is now
 *
 * Points every account of @app_id whose base_url is @old_base_url at
 * @new_base_url, e.g. when the sandbox's server had to take another port.
 */
void
concord_engine_move_server_async (ConcordEngine       *self,
                                  const char          *app_id,
                                  const char          *old_base_url,
                                  const char          *new_base_url,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (app_id != NULL && old_base_url != NULL && new_base_url != NULL);

  task = concord_engine_job_task (self, concord_engine_move_server_async, cancellable,
                                  callback, user_data, &job);
  job->app_id = g_strdup (app_id);
  job->name = g_strdup (old_base_url);
  job->options_json = g_strdup (new_base_url);
  concord_worker_thread_queue (self->worker, task, move_server_worker);
}

gboolean
concord_engine_move_server_finish (ConcordEngine  *self,
                                   GAsyncResult   *result,
                                   guint          *n_moved,
                                   GError        **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  n = g_task_propagate_int (G_TASK (result), error);
  if (n < 0)
    return FALSE;
  if (n_moved != NULL)
    *n_moved = n;
  return TRUE;
}
