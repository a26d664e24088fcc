/* concord-bench-hubspot.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Syncs N contacts (default 20,000) of an Elastic Email account with a
 * HubSpot account holding H others (default 1,000) — both mock servers, in
 * this process, each on its own thread — both ways, through the real
 * connectors, store and engine with the automatic mapping; then runs again
 * with nothing changed:
 *
 *   bench-hubspot phase=first n=20000 h=1000 wall_s=… ee_requests=… ee_writes=… ee_min=…
 *     hs_requests=… hs_writes=… hs_min=… rss_mb=…
 *   bench-hubspot phase=unchanged … hs_writes=0 ee_writes=0 …
 *
 * *_requests counts every HTTP request the connectors made to that side
 * (writes: those that change something; HubSpot's search and batch/read
 * are reads by POST), *_min is the API's own minimum for what that side
 * read and was written: contacts ÷ page size for reads (Elastic Email 100
 * a page, and its lists' members 100 a page, the only way it tells a
 * contact's lists; HubSpot 100 a page listed and 200 a page searched),
 * contacts ÷ batch size for writes (Elastic Email 1,000, HubSpot 100). The run
 * without changes reads HubSpot's changes since the first run through its
 * search, which shows the N contacts the first run wrote there (its 10,000
 * window is restarted once on the way), paced at search's own limit of 5
 * requests a second. rss_mb is the process's peak, which includes both
 * mocks' copies of the contacts. --rate L puts the HubSpot mock under L
 * requests per 10 s (0, the default: none; 100 is the Free and Starter
 * limit) and search under 5 a second, as HubSpot does. Exits 1 unless every
 * contact arrived, the second run wrote nothing, and every side's
 * requests are within 10 % of its minimum.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sys/resource.h>

#include "concord-connector-elasticemail.h"
#include "concord-connector-hubspot.h"
#include "concord-mock-elasticemail.h"
#include "concord-mock-hubspot.h"
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

/* Requests that change something: not GET, and not a read by POST. */
static guint
count_writes (ConcordMockServer *server)
{
  g_autoptr(GPtrArray) log = concord_mock_server_get_log (server);
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    {
      ConcordMockLogEntry *entry = g_ptr_array_index (log, i);

      n += !g_str_equal (entry->method, "GET") && !g_str_has_suffix (entry->path, "/search") &&
           !g_str_has_suffix (entry->path, "/batch/read");
    }
  return n;
}

static guint
div_up (guint n,
        guint d)
{
  return (n + d - 1) / d;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordMockElasticEmail) ee_mock = NULL;
  g_autoptr(ConcordMockHubspot) hs_mock = NULL;
  g_autoptr(ConcordConnectorElasticEmail) ee = NULL;
  g_autoptr(ConcordConnectorHubspot) hubspot = NULL;
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(ConcordMapping) mapping = NULL;
  g_autoptr(GPtrArray) schema_a = NULL;
  g_autoptr(GPtrArray) schema_b = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  ConcordMockServer *ee_server, *hs_server;
  ConcordConnectionRow row = { 0 };
  ConcordSyncConfig config;
  gint64 connection_id;
  gboolean ok = TRUE;
  int n = 20000, h = 1000, rate = 0;
  guint member_pages = 0;
  GOptionEntry entries[] = {
    { "n", 0, 0, G_OPTION_ARG_INT, &n, "Contacts in the Elastic Email account (default 20000)", "N" },
    { "h", 0, 0, G_OPTION_ARG_INT, &h, "Other contacts in the HubSpot account (default 1000)", "H" },
    { "rate", 0, 0, G_OPTION_ARG_INT, &rate, "The HubSpot mock's limit per 10 s (0: none)", "L" },
    { NULL }
  };

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  context = g_option_context_new ("- benchmark Elastic Email ↔ HubSpot");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || n < 0 || h < 0 || rate < 0)
    {
      g_printerr ("concord-bench-hubspot: %s\n", error ? error->message : "negative count");
      return 2;
    }

  ee_mock = concord_mock_elasticemail_new ("bench-key", 0, &error);
  g_assert_no_error (error);
  ee_server = concord_mock_elasticemail_get_server (ee_mock);
  concord_mock_elasticemail_generate (ee_mock, n, 42);
  hs_mock = concord_mock_hubspot_new ("bench-token", 0, &error);
  g_assert_no_error (error);
  hs_server = concord_mock_hubspot_get_server (hs_mock);
  /* HubSpot's own contacts, last changed a day ago (as an account's are;
   * ones changed a minute before a run would be read again by the next
   * run's overlap). */
  concord_mock_hubspot_generate (hs_mock, 0, 7);
  for (int i = 0; i < h; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"email\": \"hs%06d@example.net\", "
                                               "\"firstname\": \"Hub\", \"lastname\": "
                                               "\"Spot\", \"lifecyclestage\": \"lead\", "
                                               "\"lastmodifieddate\": \"%" G_GINT64_FORMAT "\"}",
                                               i, g_get_real_time () / 1000 - 24 * 3600 * 1000);

      concord_mock_hubspot_put_contact_json (hs_mock, json, &error);
      g_assert_no_error (error);
    }
  concord_mock_hubspot_set_rate_limit (hs_mock, rate);
  /* With a limit, search's own too: 5 a second, as HubSpot's. */
  concord_mock_hubspot_set_search_rate_limit (hs_mock, rate > 0 ? 5 : 0);
  g_print ("# the mocks hold %u and %u contacts: rss_mb=%.0f before the sync\n",
           concord_mock_elasticemail_get_n_contacts (ee_mock),
           concord_mock_hubspot_get_n_contacts (hs_mock), peak_rss_mb ());

  ee = concord_connector_elasticemail_new (concord_mock_elasticemail_get_base_url (ee_mock),
                                           "bench-key");
  hubspot = concord_connector_hubspot_new (concord_mock_hubspot_get_base_url (hs_mock),
                                           "bench-token");
  schema_a = load_schema (CONCORD_CONNECTOR (ee), "contacts");
  schema_b = load_schema (CONCORD_CONNECTOR (hubspot), CONCORD_HUBSPOT_CONTACTS);

  dir = g_dir_make_tmp ("concord-bench-hs-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "state.sqlite", NULL);
  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  concord_store_add_account (store, "a", "elasticemail", "A", NULL, NULL);
  concord_store_add_account (store, "b", "hubspot", "B", NULL, NULL);
  row.name = (char *) "bench";
  row.account_a = (char *) "a";
  row.type_a = (char *) "contacts";
  row.account_b = (char *) "b";
  row.type_b = (char *) CONCORD_HUBSPOT_CONTACTS;
  connection_id = concord_store_add_connection (store, &row, &error);
  g_assert_no_error (error);
  mapping = concord_mapping_new_default (schema_a, schema_b);
  concord_sync_config_init (&config, mapping);

  /* Elastic Email says which lists a contact is on only by the lists'
   * members, read 100 a page after the lists themselves. */
  {
    const char *lists[] = { "Newsletter", "Customers", "VIP" };

    for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
      {
        g_auto(GStrv) members = concord_mock_elasticemail_get_list_members (ee_mock, lists[i]);

        member_pages += MAX (div_up (members != NULL ? g_strv_length (members) : 0, 100), 1);
      }
    member_pages += 1;
  }

  for (guint phase = 0; phase < 2; phase++)
    {
      ConcordRunSummary summary;
      gint64 start;
      double wall;
      guint ee_requests, ee_writes, hs_requests, hs_writes, ee_min, hs_min;

      concord_mock_server_reset_log (ee_server);
      concord_mock_server_reset_log (hs_server);
      start = g_get_monotonic_time ();
      if (!concord_sync_run (store, connection_id, &config, CONCORD_CONNECTOR (ee), "contacts",
                             CONCORD_CONNECTOR (hubspot), CONCORD_HUBSPOT_CONTACTS,
                             NULL, NULL, &summary, &error))
        {
          g_printerr ("concord-bench-hubspot: the sync failed: %s\n", error->message);
          return 1;
        }
      wall = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
      if (g_getenv ("CONCORD_BENCH_LOG") != NULL)
        {
          g_autoptr(GPtrArray) ee_lines = concord_mock_server_get_requests (ee_server);
          g_autoptr(GPtrArray) hs_lines = concord_mock_server_get_requests (hs_server);

          for (guint i = 0; i < ee_lines->len; i++)
            g_print ("# ee %s\n", (char *) g_ptr_array_index (ee_lines, i));
          for (guint i = 0; i < hs_lines->len; i++)
            g_print ("# hs %.100s\n", (char *) g_ptr_array_index (hs_lines, i));
        }
      ee_requests = concord_mock_server_get_n_requests (ee_server);
      hs_requests = concord_mock_server_get_n_requests (hs_server);
      ee_writes = count_writes (ee_server);
      hs_writes = count_writes (hs_server);

      if (phase == 0)
        {
          /* Elastic Email: its N read 100 a page, the H written 1,000 a
           * batch; HubSpot: its H listed 100 a page, the N written 100 a
           * batch. */
          ee_min = MAX (div_up (n, 100), 1) + member_pages + div_up (h, 1000);
          hs_min = MAX (div_up (h, 100), 1) + div_up (n, 100);
        }
      else
        {
          /* Elastic Email: its N + H read again; HubSpot: the N written by
           * the first run, searched 200 a page. */
          ee_min = MAX (div_up (n + h, 100), 1) + member_pages;
          hs_min = MAX (div_up (n, 200), 1);
        }

      g_print ("bench-hubspot phase=%s n=%d h=%d rate=%d wall_s=%.2f ee_requests=%u ee_writes=%u "
               "ee_min=%u hs_requests=%u hs_writes=%u hs_min=%u rss_mb=%.0f created_a=%u "
               "created_b=%u\n",
               phase == 0 ? "first" : "unchanged", n, h, rate, wall, ee_requests, ee_writes,
               ee_min, hs_requests, hs_writes, hs_min, peak_rss_mb (), summary.created[0],
               summary.created[1]);
      g_print ("# requests / minimum: Elastic Email %.3f, HubSpot %.3f; HubSpot 429s so far %u\n",
               ee_requests / (double) ee_min, hs_requests / (double) hs_min,
               concord_mock_hubspot_get_n_429 (hs_mock));

      if (phase == 0)
        ok &= summary.created[0] == (guint) h && summary.created[1] == (guint) n;
      else
        ok &= ee_writes == 0 && hs_writes == 0 && summary.created[0] + summary.created[1] == 0;
      ok &= ee_requests <= ee_min * 1.1 + 0.5 && hs_requests <= hs_min * 1.1 + 0.5;
      concord_run_summary_clear (&summary);
    }
  if (!ok)
    g_printerr ("concord-bench-hubspot: not every contact arrived, a run without changes wrote, "
                "or a side made more than 10 %% over its minimum of requests\n");

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
