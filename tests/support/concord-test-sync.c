/* concord-test-sync.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The fixture of whole sync runs between two connectors (the
 * test-sync-<app> tests): a store with an account on each side and one
 * connection between them, both schemas loaded, the default mapping, and
 * a run waited for.
 */

#include "config.h"

#include "concord-test-sync.h"
#include "concord-test-utils.h"

/**
 * concord_test_load_schema:
 *
 * @connector's schema of @contact_type, waited for; fails the test on an
 * error.
 *
 * Returns: (transfer full): the field specs
 */
GPtrArray *
concord_test_load_schema (ConcordConnector *connector,
                          const char       *contact_type)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *schema;

  concord_connector_load_schema_async (connector, contact_type, NULL, concord_test_store_result_cb,
                                       &slot);
  result = concord_test_wait_for_result (&slot);
  schema = concord_connector_load_schema_finish (connector, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (schema);
  return schema;
}

/**
 * concord_test_sync_new:
 * @a: side A's connector (a reference is taken)
 * @app_a: the app id of account "a"
 * @type_a: side A's contact type
 * @b: side B's connector (a reference is taken)
 * @app_b: the app id of account "b"
 * @type_b: side B's contact type
 *
 * Opens the store at $XDG_DATA_HOME/state.sqlite (concord_test_init()
 * gives each test its own), adds accounts "a" and "b" and an enabled
 * connection between @type_a and @type_b, loads both schemas and sets up
 * a configuration with the default mapping between them.
 *
 * Returns: (transfer full): the fixture
 */
ConcordTestSync *
concord_test_sync_new (ConcordConnector *a,
                       const char       *app_a,
                       const char       *type_a,
                       ConcordConnector *b,
                       const char       *app_b,
                       const char       *type_b)
{
  ConcordTestSync *sync = g_new0 (ConcordTestSync, 1);
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "state.sqlite", NULL);
  g_autofree char *name = g_strdup_printf ("%s-%s", app_a, app_b);
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordMapping) mapping = NULL;
  ConcordConnectionRow row = {
    .name = name, .account_a = (char *) "a", .type_a = (char *) type_a,
    .account_b = (char *) "b", .type_b = (char *) type_b, .enabled = TRUE,
  };

  sync->a = g_object_ref (a);
  sync->b = g_object_ref (b);
  sync->type_a = g_strdup (type_a);
  sync->type_b = g_strdup (type_b);

  sync->store = concord_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_true (concord_store_add_account (sync->store, "a", app_a, "A", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (concord_store_add_account (sync->store, "b", app_b, "B", NULL, &error));
  g_assert_no_error (error);
  sync->connection_id = concord_store_add_connection (sync->store, &row, &error);
  g_assert_no_error (error);

  sync->schema_a = concord_test_load_schema (a, type_a);
  sync->schema_b = concord_test_load_schema (b, type_b);
  mapping = concord_mapping_new_default (sync->schema_a, sync->schema_b);
  concord_test_sync_set_mapping (sync, mapping);
  return sync;
}

/**
 * concord_test_sync_set_mapping:
 *
 * Runs @sync with @mapping (a reference is taken) instead of the default
 * one, with a fresh configuration.
 */
void
concord_test_sync_set_mapping (ConcordTestSync *sync,
                               ConcordMapping  *mapping)
{
  g_return_if_fail (mapping != NULL);

  concord_mapping_ref (mapping);
  if (sync->mapping != NULL)
    concord_sync_config_clear (&sync->config);
  g_clear_pointer (&sync->mapping, concord_mapping_unref);
  sync->mapping = mapping;
  concord_sync_config_init (&sync->config, sync->mapping);
}

/**
 * concord_test_sync_run:
 * @summary: (out caller-allocates): the run's summary; clear it with
 *   concord_run_summary_clear()
 *
 * One whole run of the connection; fails the test on an error.
 */
void
concord_test_sync_run (ConcordTestSync   *sync,
                       ConcordRunSummary *summary)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (concord_sync_run (sync->store, sync->connection_id, &sync->config,
                                   sync->a, sync->type_a, sync->b, sync->type_b,
                                   NULL, NULL, summary, &error));
  g_assert_no_error (error);
}

void
concord_test_sync_free (ConcordTestSync *sync)
{
  if (sync == NULL)
    return;

  concord_sync_config_clear (&sync->config);
  g_clear_pointer (&sync->mapping, concord_mapping_unref);
  g_clear_pointer (&sync->schema_a, g_ptr_array_unref);
  g_clear_pointer (&sync->schema_b, g_ptr_array_unref);
  g_clear_object (&sync->store);
  g_clear_object (&sync->a);
  g_clear_object (&sync->b);
  g_free (sync->type_a);
  g_free (sync->type_b);
  g_free (sync);
}
