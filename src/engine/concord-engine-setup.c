/* concord-engine-setup.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the editors start from: an account's contact types, their fields
 * and sample records, and a connection's setup with the lists its
 * fields can hold (cached per account).
 */

#define G_LOG_DOMAIN "concord-engine"

#include "config.h"

#include "concord-engine-private.h"
#include "concord-error.h"

/* ------------------------------------------------------------------------- */
/* Types, fields and samples                                                 */
/* ------------------------------------------------------------------------- */

static void
list_types_worker (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  ConcordEngineJob *job = task_data;
  GError *error = NULL;
  g_autoptr(ConcordConnector) connector = NULL;
  GPtrArray *types;

  if (!concord_engine_ensure_store (self, &error) ||
      (connector = concord_engine_get_connector (self, job->account_id, &error)) == NULL ||
      (types = concord_connector_list_contact_types_sync (connector, cancellable, &error)) == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, types, (GDestroyNotify) g_ptr_array_unref);
}

void
concord_engine_list_types_async (ConcordEngine       *self,
                                 const char          *account_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = concord_engine_job_task (self, concord_engine_list_types_async, cancellable, callback, user_data, &job);
  job->account_id = g_strdup (account_id);
  concord_worker_thread_queue (self->worker, task, list_types_worker);
}

/**
 * concord_engine_list_types_finish:
 *
 * Returns: (transfer full) (element-type ConcordContactType): the account's
 *   contact types
 */
GPtrArray *
concord_engine_list_types_finish (ConcordEngine  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
load_schema_worker (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  ConcordEngineJob *job = task_data;
  GError *error = NULL;
  g_autoptr(ConcordConnector) connector = NULL;
  GPtrArray *schema;

  if (!concord_engine_ensure_store (self, &error) ||
      (connector = concord_engine_get_connector (self, job->account_id, &error)) == NULL ||
      (schema = concord_engine_load_schema_sync (connector, job->type, &error)) == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, schema, (GDestroyNotify) g_ptr_array_unref);
}

void
concord_engine_load_schema_async (ConcordEngine       *self,
                                  const char          *account_id,
                                  const char          *type,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = concord_engine_job_task (self, concord_engine_load_schema_async, cancellable, callback, user_data, &job);
  job->account_id = g_strdup (account_id);
  job->type = g_strdup (type);
  concord_worker_thread_queue (self->worker, task, load_schema_worker);
}

/**
 * concord_engine_load_schema_finish:
 *
 * Returns: (transfer full) (element-type ConcordFieldSpec): the fields
 */
GPtrArray *
concord_engine_load_schema_finish (ConcordEngine  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_sample_listed_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
load_sample_worker (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  ConcordEngineJob *job = task_data;
  GError *error = NULL;
  g_autoptr(ConcordConnector) connector = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  ConcordPage *page;
  GPtrArray *records;

  if (!concord_engine_ensure_store (self, &error) ||
      (connector = concord_engine_get_connector (self, job->account_id, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  concord_connector_list_async (connector, job->type, NULL, NULL, cancellable, on_sample_listed_cb, &result);
  while (result == NULL)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);

  if ((page = concord_connector_list_finish (connector, result, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  records = g_steal_pointer (&page->records);
  concord_page_free (page);
  g_task_return_pointer (task, records != NULL ? records : g_ptr_array_new (),
                         (GDestroyNotify) g_ptr_array_unref);
}

/**
 * concord_engine_load_sample_async:
 *
 * Reads the first page of contacts of @account_id's contact type @type:
 * a sample of the values its fields hold, for the automatic mapping
 * (concord_mapping_new_auto_sampled()).
 */
void
concord_engine_load_sample_async (ConcordEngine       *self,
                                  const char          *account_id,
                                  const char          *type,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = concord_engine_job_task (self, concord_engine_load_sample_async, cancellable, callback, user_data, &job);
  job->account_id = g_strdup (account_id);
  job->type = g_strdup (type);
  concord_worker_thread_queue (self->worker, task, load_sample_worker);
}

/**
 * concord_engine_load_sample_finish:
 *
 * Returns: (transfer full) (element-type ConcordRecord): the contacts
 */
GPtrArray *
concord_engine_load_sample_finish (ConcordEngine  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------- */
/* What the editors start from                                               */
/* ------------------------------------------------------------------------- */

typedef struct
{
  char   **values;   /* (owned) (nullable): NULL for a field that takes any value */
  gint64   read_at;  /* monotonic */
} Choices;

void
concord_engine_choices_free (gpointer data)
{
  Choices *choices = data;

  g_strfreev (choices->values);
  g_free (choices);
}

void
concord_connection_setup_free (ConcordConnectionSetup *setup)
{
  if (setup == NULL)
    return;

  for (guint i = 0; i < 2; i++)
    {
      g_free (setup->app_id[i]);
      g_free (setup->account_id[i]);
      g_free (setup->type[i]);
      g_clear_pointer (&setup->fields[i], g_ptr_array_unref);
    }
  g_clear_pointer (&setup->config, concord_connection_config_free);
  g_free (setup);
}

/* What a list or tag field of an account can hold, as the editors offer
 * it: read through the connector at most once every CHOICES_MAX_AGE (a
 * list made in the app meanwhile shows up after that), per account. */
#define CHOICES_MAX_AGE (5 * 60 * G_USEC_PER_SEC)

static const char * const *
cached_choices (ConcordEngine    *self,
                const char       *account_id,
                ConcordConnector *connector,
                const char       *type,
                const char       *field)
{
  g_autofree char *key = g_strjoin ("\x1f", account_id, type, field, NULL);
  Choices *choices = g_hash_table_lookup (self->choices, key);
  g_autoptr(GError) error = NULL;
  char **values;

  if (choices != NULL && g_get_monotonic_time () - choices->read_at < CHOICES_MAX_AGE)
    return (const char * const *) choices->values;

  values = concord_connector_list_choices_sync (connector, type, field, NULL, &error);
  if (error != NULL)
    {
      /* The editors then take free text, as for an app without lists. */
      g_debug ("The values of %s could not be read: %s", field, error->message);
      return NULL;
    }

  choices = g_new0 (Choices, 1);
  choices->values = values;
  choices->read_at = g_get_monotonic_time ();
  g_hash_table_replace (self->choices, g_steal_pointer (&key), choices);
  return (const char * const *) choices->values;
}

/* Gives the list and tag fields of @fields the values the app allows, when
 * it allows only those: the editors then offer a picker. */
static void
add_choices (ConcordEngine    *self,
             const char       *account_id,
             ConcordConnector *connector,
             const char       *type,
             GPtrArray        *fields)
{
  for (guint i = 0; i < fields->len; i++)
    {
      ConcordFieldSpec *spec = g_ptr_array_index (fields, i);
      const char * const *values;

      if (spec->type != CONCORD_FIELD_TYPE_STRING_SET || spec->choices != NULL || spec->read_only)
        continue;
      values = cached_choices (self, account_id, connector, type, spec->key);
      if (values != NULL)
        spec->choices = g_strdupv ((char **) values);
    }
}

static ConcordConnectionSetup *
load_setup (ConcordEngine  *self,
            gint64          connection_id,
            GError        **error)
{
  g_autoptr(ConcordConnectionSetup) setup = g_new0 (ConcordConnectionSetup, 1);
  g_autoptr(ConcordConnectionRow) row = NULL;
  const char *accounts[2];
  const char *types[2];

  if (!concord_engine_ensure_store (self, error) ||
      (row = concord_store_get_connection_by_id (self->store, connection_id, error)) == NULL ||
      (setup->config = concord_connection_config_new_from_json (row->config_json, error)) == NULL)
    return NULL;

  setup->connection_id = connection_id;
  setup->direction = row->direction;
  accounts[0] = row->account_a;
  accounts[1] = row->account_b;
  types[0] = row->type_a;
  types[1] = row->type_b;

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(ConcordAccountRow) account = NULL;
      g_autoptr(ConcordConnector) connector = NULL;

      if ((account = concord_store_get_account (self->store, accounts[i], error)) == NULL ||
          (connector = concord_engine_get_connector (self, accounts[i], error)) == NULL ||
          (setup->fields[i] = concord_engine_load_schema_sync (connector, types[i], error)) == NULL)
        return NULL;
      add_choices (self, accounts[i], connector, types[i], setup->fields[i]);

      setup->app_id[i] = g_strdup (account->app_id);
      setup->account_id[i] = g_strdup (accounts[i]);
      setup->type[i] = g_strdup (types[i]);
    }

  if (setup->config->mapping == NULL)
    {
      setup->automatic = TRUE;
      setup->config->mapping = concord_mapping_new_auto (setup->fields[0], setup->fields[1], NULL);
    }

  return g_steal_pointer (&setup);
}

static void
load_setup_worker (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  ConcordEngineJob *job = task_data;
  GError *error = NULL;
  ConcordConnectionSetup *setup;

  if ((setup = load_setup (source_object, job->connection_id, &error)) == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, setup, (GDestroyNotify) concord_connection_setup_free);
}

/**
 * concord_engine_load_setup_async:
 *
 * Reads a connection's rules, mapping and both schemas on the engine
 * thread, for the editors.
 */
void
concord_engine_load_setup_async (ConcordEngine       *self,
                                 gint64               connection_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConcordEngineJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = concord_engine_job_task (self, concord_engine_load_setup_async, cancellable,
                                  callback, user_data, &job);
  job->connection_id = connection_id;
  concord_worker_thread_queue (self->worker, task, load_setup_worker);
}

/**
 * concord_engine_load_setup_finish:
 *
 * Returns: (transfer full): what the editors start from
 */
ConcordConnectionSetup *
concord_engine_load_setup_finish (ConcordEngine  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
