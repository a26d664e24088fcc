/* concord-bench-elasticemail.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Syncs N contacts (default 100,000) from an Elastic Email account — the
 * mock server, in this process, on its own thread — into an empty second
 * side (an in-memory app), through the real connector, store and engine:
 *
 *   bench-elasticemail n=100000 wall_s=… requests=… rss_mb=… created_b=…
 *
 * requests counts every HTTP request the connector made; rss_mb is the
 * process's peak, which includes the mock's own copy of the contacts.
 * Exits 1 unless every contact arrived.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sys/resource.h>

#include "concord-connector-elasticemail.h"
#include "concord-memory-connector.h"
#include "concord-mock-elasticemail.h"
#include "concord-store.h"
#include "concord-sync-run.h"

static double
peak_rss_mb (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

static void
on_result_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordMockElasticEmail) mock = NULL;
  g_autoptr(ConcordConnectorElasticEmail) ee = NULL;
  g_autoptr(ConcordMemoryConnector) memory = NULL;
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(ConcordMapping) mapping = NULL;
  g_autoptr(GPtrArray) schema_a = NULL;
  g_autoptr(GPtrArray) schema_b = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  GAsyncResult *slot = NULL;
  ConcordConnectionRow row = { 0 };
  ConcordSyncConfig config;
  ConcordRunSummary summary;
  gint64 connection_id, start;
  double wall;
  int n = 100000;
  gboolean ok;
  GOptionEntry entries[] = {
    { "n", 0, 0, G_OPTION_ARG_INT, &n, "Contacts in the Elastic Email account (default 100000)", "N" },
    { NULL }
  };

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);

  context = g_option_context_new ("- benchmark the Elastic Email connector");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || n < 1)
    {
      g_printerr ("concord-bench-elasticemail: %s\n", error ? error->message : "--n must be positive");
      return 2;
    }

  mock = concord_mock_elasticemail_new ("bench-key", 0, &error);
  g_assert_no_error (error);
  /* Count every request, keep only the last in the log (as the sandbox
   * does): rss_mb is the connector's memory, not the mock's log. */
  concord_mock_server_set_log_limit (concord_mock_elasticemail_get_server (mock), 1);
  concord_mock_elasticemail_generate (mock, n, 42);
  g_print ("# the mock holds %u contacts: rss_mb=%.0f before the sync\n",
           concord_mock_elasticemail_get_n_contacts (mock), peak_rss_mb ());

  ee = concord_connector_elasticemail_new (concord_mock_elasticemail_get_base_url (mock), "bench-key");
  memory = concord_memory_connector_new ("b", CONCORD_CONNECTOR_NONE);
  concord_memory_connector_set_max_batch (memory, 1000);

  concord_connector_load_schema_async (CONCORD_CONNECTOR (ee), "contacts", NULL, on_result_cb, &slot);
  while (slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  result = g_steal_pointer (&slot);
  schema_a = concord_connector_load_schema_finish (CONCORD_CONNECTOR (ee), result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  concord_connector_load_schema_async (CONCORD_CONNECTOR (memory), "contacts", NULL, on_result_cb, &slot);
  while (slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  result = g_steal_pointer (&slot);
  schema_b = concord_connector_load_schema_finish (CONCORD_CONNECTOR (memory), result, &error);
  g_assert_no_error (error);

  dir = g_dir_make_tmp ("concord-bench-ee-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "state.sqlite", NULL);
  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  concord_store_add_account (store, "a", "elasticemail", "A", NULL, NULL);
  concord_store_add_account (store, "b", "memory", "B", NULL, NULL);
  row.name = (char *) "bench";
  row.account_a = (char *) "a";
  row.type_a = (char *) "contacts";
  row.account_b = (char *) "b";
  row.type_b = (char *) "contacts";
  connection_id = concord_store_add_connection (store, &row, &error);
  g_assert_no_error (error);

  mapping = concord_mapping_new_default (schema_a, schema_b);
  concord_sync_config_init (&config, mapping);
  concord_mock_elasticemail_reset_requests (mock);

  start = g_get_monotonic_time ();
  ok = concord_sync_run (store, connection_id, &config, CONCORD_CONNECTOR (ee), "contacts",
                         CONCORD_CONNECTOR (memory), "contacts", NULL, NULL, &summary, &error);
  wall = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

  if (!ok)
    {
      g_printerr ("concord-bench-elasticemail: the sync failed: %s\n", error->message);
      return 1;
    }

  g_print ("bench-elasticemail n=%d wall_s=%.2f requests=%u rss_mb=%.0f created_b=%u\n",
           n, wall, concord_mock_elasticemail_get_n_requests (mock), peak_rss_mb (),
           summary.created[1]);
  g_print ("# %.0f contacts/s read from the API and written to the other side\n",
           summary.created[1] / MAX (wall, 1e-6));

  ok = summary.created[1] == (guint) n &&
       concord_memory_connector_get_n_records (memory) == (guint) n;
  if (!ok)
    g_printerr ("concord-bench-elasticemail: %u of %d contacts arrived\n", summary.created[1], n);

  concord_run_summary_clear (&summary);
  concord_sync_config_clear (&config);
  g_clear_object (&store);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (path);
    g_unlink (wal);
    g_unlink (shm);
    g_rmdir (dir);
  }

  return ok ? 0 : 1;
}
