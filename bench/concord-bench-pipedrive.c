/* concord-bench-pipedrive.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Syncs N persons (default 20,000) of a Pipedrive account — the mock
 * server, in this process, on its own thread — with an in-memory app
 * holding W other contacts (default 1,000), both ways, through the real
 * connector, store and engine; then runs again with nothing changed:
 *
 *   bench-pipedrive phase=first n=20000 w=1000 wall_s=… requests=… writes=… rss_mb=…
 *   bench-pipedrive phase=unchanged … requests=… writes=0 …
 *
 * requests counts every HTTP request the connector made to Pipedrive
 * (persons are read 500 a page; there is no batch endpoint, so each
 * person written is one request); rss_mb is the process's peak, which
 * includes the mock's own copy of the persons. --burst L sets the mock's
 * burst limit to L requests per 2 s (0, the default: none), as Pipedrive's
 * plans do, so the time the writes take under it shows. Exits 1 unless
 * every contact arrived and the second run wrote nothing.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sys/resource.h>

#include "concord-connector-pipedrive.h"
#include "concord-memory-connector.h"
#include "concord-mock-pipedrive.h"
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

static GPtrArray *
load_schema (ConcordConnector *connector,
             const char       *type)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *schema;

  concord_connector_load_schema_async (connector, type, NULL, on_result_cb, &slot);
  while (slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  result = slot;
  schema = concord_connector_load_schema_finish (connector, result, &error);
  g_assert_no_error (error);
  return schema;
}

static guint
count_writes (ConcordMockServer *server)
{
  g_autoptr(GPtrArray) log = concord_mock_server_get_log (server);
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    n += g_strcmp0 (((ConcordMockLogEntry *) g_ptr_array_index (log, i))->method, "GET") != 0;
  return n;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordMockPipedrive) mock = NULL;
  g_autoptr(ConcordConnectorPipedrive) pipedrive = NULL;
  g_autoptr(ConcordMemoryConnector) memory = NULL;
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(ConcordMapping) mapping = NULL;
  g_autoptr(GPtrArray) schema_a = NULL;
  g_autoptr(GPtrArray) schema_b = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  ConcordMockServer *server;
  ConcordConnectionRow row = { 0 };
  ConcordSyncConfig config;
  gint64 connection_id;
  gboolean ok = TRUE;
  int n = 20000, w = 1000, burst = 0;
  GOptionEntry entries[] = {
    { "n", 0, 0, G_OPTION_ARG_INT, &n, "Persons in the Pipedrive account (default 20000)", "N" },
    { "w", 0, 0, G_OPTION_ARG_INT, &w, "Contacts of the other side to write into Pipedrive (1000)", "W" },
    { "burst", 0, 0, G_OPTION_ARG_INT, &burst, "The mock's burst limit per 2 s (0: none)", "L" },
    { NULL }
  };

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  context = g_option_context_new ("- benchmark the Pipedrive connector");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || n < 0 || w < 0 || burst < 0)
    {
      g_printerr ("concord-bench-pipedrive: %s\n", error ? error->message : "negative count");
      return 2;
    }

  mock = concord_mock_pipedrive_new ("bench-token", 0, &error);
  g_assert_no_error (error);
  server = concord_mock_pipedrive_get_server (mock);
  concord_mock_pipedrive_generate (mock, n, 42);
  concord_mock_pipedrive_set_burst_limit (mock, burst, 0);
  g_print ("# the mock holds %u persons: rss_mb=%.0f before the sync\n",
           concord_mock_pipedrive_get_n_persons (mock), peak_rss_mb ());

  pipedrive = concord_connector_pipedrive_new (concord_mock_pipedrive_get_base_url (mock),
                                               "bench-token");
  memory = concord_memory_connector_new ("b", CONCORD_CONNECTOR_NONE);
  concord_memory_connector_set_max_batch (memory, 1000);
  for (int i = 0; i < w; i++)
    {
      g_autoptr(ConcordRecord) record = concord_record_new (NULL);
      g_autofree char *email = g_strdup_printf ("other%06d@example.org", i);

      concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
      concord_record_set_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, "Other");
      concord_record_set_text (record, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING, "Side");
      concord_memory_connector_insert (memory, record);
    }

  schema_a = load_schema (CONCORD_CONNECTOR (pipedrive), CONCORD_PIPEDRIVE_PERSONS);
  schema_b = load_schema (CONCORD_CONNECTOR (memory), "contacts");

  dir = g_dir_make_tmp ("concord-bench-pd-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "state.sqlite", NULL);
  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  concord_store_add_account (store, "a", "pipedrive", "A", NULL, NULL);
  concord_store_add_account (store, "b", "memory", "B", NULL, NULL);
  row.name = (char *) "bench";
  row.account_a = (char *) "a";
  row.type_a = (char *) CONCORD_PIPEDRIVE_PERSONS;
  row.account_b = (char *) "b";
  row.type_b = (char *) "contacts";
  connection_id = concord_store_add_connection (store, &row, &error);
  g_assert_no_error (error);
  mapping = concord_mapping_new_default (schema_a, schema_b);
  concord_sync_config_init (&config, mapping);

  for (guint phase = 0; phase < 2 && ok; phase++)
    {
      ConcordRunSummary summary;
      gint64 start;
      double wall;
      guint requests, writes;

      concord_mock_server_reset_log (server);
      start = g_get_monotonic_time ();
      if (!concord_sync_run (store, connection_id, &config, CONCORD_CONNECTOR (pipedrive),
                             CONCORD_PIPEDRIVE_PERSONS, CONCORD_CONNECTOR (memory), "contacts",
                             NULL, NULL, &summary, &error))
        {
          g_printerr ("concord-bench-pipedrive: the sync failed: %s\n", error->message);
          return 1;
        }
      wall = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
      requests = concord_mock_server_get_n_requests (server);
      writes = count_writes (server);

      g_print ("bench-pipedrive phase=%s n=%d w=%d burst=%d wall_s=%.2f requests=%u writes=%u "
               "rss_mb=%.0f created_a=%u created_b=%u\n",
               phase == 0 ? "first" : "unchanged", n, w, burst, wall, requests, writes,
               peak_rss_mb (), summary.created[0], summary.created[1]);
      if (phase == 0)
        ok = summary.created[0] == (guint) w && summary.created[1] == (guint) n;
      else
        ok = writes == 0 && summary.created[0] + summary.created[1] == 0;
      concord_run_summary_clear (&summary);
    }
  if (!ok)
    g_printerr ("concord-bench-pipedrive: not every contact arrived, or a run without changes "
                "wrote\n");

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
