/* test-sync-elasticemail.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Whole sync runs between two Elastic Email accounts (two mock servers),
 * through the real connector, store and engine: the first sync, edits on
 * both sides, and a truncated answer in the middle of a run.
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "concord-connector-elasticemail.h"
#include "concord-mock-elasticemail.h"
#include "concord-store.h"
#include "concord-sync-run.h"
#include "concord-test-utils.h"

typedef struct
{
  ConcordMockElasticEmail      *mock[2];
  ConcordConnectorElasticEmail *connector[2];
  ConcordStore                 *store;
  gint64                        connection_id;
  ConcordMapping               *mapping;
  ConcordSyncConfig             config;
} Fixture;

static const char * const keys[] = { "key-side-a-7f3e", "key-side-b-9c1d" };

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "state.sqlite", NULL);
  GPtrArray *schema[2] = { NULL, NULL };
  ConcordConnectionRow row = {
    .name = (char *) "ee", .account_a = (char *) "a", .type_a = (char *) "contacts",
    .account_b = (char *) "b", .type_b = (char *) "contacts", .enabled = TRUE,
  };

  for (guint s = 0; s < 2; s++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      GAsyncResult *slot = NULL;

      f->mock[s] = concord_mock_elasticemail_new (keys[s], 0, &error);
      g_assert_no_error (error);
      concord_mock_elasticemail_add_custom_field (f->mock[s], "plan");
      concord_mock_elasticemail_add_list (f->mock[s], "Newsletter");
      f->connector[s] = concord_connector_elasticemail_new (concord_mock_elasticemail_get_base_url (f->mock[s]),
                                                            keys[s]);
      concord_connector_elasticemail_set_retry_base_ms (f->connector[s], 1);

      concord_connector_load_schema_async (CONCORD_CONNECTOR (f->connector[s]), "contacts", NULL,
                                           concord_test_store_result_cb, &slot);
      result = concord_test_wait_for_result (&slot);
      schema[s] = concord_connector_load_schema_finish (CONCORD_CONNECTOR (f->connector[s]), result, &error);
      g_assert_no_error (error);
    }

  f->store = concord_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_true (concord_store_add_account (f->store, "a", "elasticemail", "A", NULL, &error));
  g_assert_true (concord_store_add_account (f->store, "b", "elasticemail", "B", NULL, &error));
  f->connection_id = concord_store_add_connection (f->store, &row, &error);
  g_assert_no_error (error);

  f->mapping = concord_mapping_new_default (schema[0], schema[1]);
  concord_sync_config_init (&f->config, f->mapping);
  g_ptr_array_unref (schema[0]);
  g_ptr_array_unref (schema[1]);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  concord_sync_config_clear (&f->config);
  g_clear_pointer (&f->mapping, concord_mapping_unref);
  g_clear_object (&f->store);
  for (guint s = 0; s < 2; s++)
    {
      g_clear_object (&f->connector[s]);
      g_clear_object (&f->mock[s]);
    }
}

static void
put (ConcordMockElasticEmail *mock,
     const char              *json)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (concord_mock_elasticemail_put_contact_json (mock, json, &error));
  g_assert_no_error (error);
}

static char *
member (ConcordMockElasticEmail *mock,
        const char              *email,
        const char              *name)
{
  g_autofree char *json = concord_mock_elasticemail_get_contact_json (mock, email);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL))
    return NULL;
  object = json_node_get_object (json_parser_get_root (parser));
  if (g_str_has_prefix (name, "CustomFields."))
    {
      JsonObject *custom = json_object_get_object_member (object, "CustomFields");

      name += strlen ("CustomFields.");
      return custom != NULL && json_object_has_member (custom, name)
             ? g_strdup (json_object_get_string_member (custom, name)) : NULL;
    }
  return json_object_has_member (object, name) && !json_object_get_null_member (object, name)
         ? g_strdup (json_object_get_string_member (object, name)) : NULL;
}

static void
load_mapping (Fixture *f)
{
  GPtrArray *schema[2];

  for (guint s = 0; s < 2; s++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      GAsyncResult *slot = NULL;

      concord_connector_load_schema_async (CONCORD_CONNECTOR (f->connector[s]), "contacts", NULL,
                                           concord_test_store_result_cb, &slot);
      result = concord_test_wait_for_result (&slot);
      schema[s] = concord_connector_load_schema_finish (CONCORD_CONNECTOR (f->connector[s]), result, &error);
      g_assert_no_error (error);
    }

  concord_sync_config_clear (&f->config);
  g_clear_pointer (&f->mapping, concord_mapping_unref);
  f->mapping = concord_mapping_new_default (schema[0], schema[1]);
  concord_sync_config_init (&f->config, f->mapping);
  g_ptr_array_unref (schema[0]);
  g_ptr_array_unref (schema[1]);
}

static gboolean
run (Fixture            *f,
     ConcordRunSummary  *summary,
     GError            **error)
{
  return concord_sync_run (f->store, f->connection_id, &f->config,
                           CONCORD_CONNECTOR (f->connector[0]), "contacts",
                           CONCORD_CONNECTOR (f->connector[1]), "contacts",
                           NULL, NULL, summary, error);
}

static guint
writes_in (ConcordMockElasticEmail *mock)
{
  g_autoptr(GPtrArray) requests = concord_mock_elasticemail_get_requests (mock);
  guint n = 0;

  for (guint i = 0; i < requests->len; i++)
    if (!g_str_has_prefix (g_ptr_array_index (requests, i), "GET "))
      n++;
  return n;
}

static void
test_both_ways (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ConcordRunSummary summary;
  g_autofree char *first = NULL, *last = NULL, *plan = NULL, *same = NULL;

  put (f->mock[0], "{\"Email\":\"ann+shop@Example.com\",\"FirstName\":\"Ann\",\"Status\":\"Active\","
                   "\"CustomFields\":{\"plan\":\"gold\"}}");
  put (f->mock[0], "{\"Email\":\"bob@example.com\",\"FirstName\":\"Bob\",\"Status\":\"Active\"}");
  put (f->mock[1], "{\"Email\":\"BOB@example.com\",\"LastName\":\"Builder\",\"Status\":\"Active\"}");
  /* (v4 lists no custom fields: the connector learns them from contacts) */
  put (f->mock[1], "{\"Email\":\"cy@example.com\",\"FirstName\":\"Cy\",\"Status\":\"Active\","
                   "\"CustomFields\":{\"plan\":\"bronze\"}}");

  /* First sync: matched by email (case aside), merged, the rest created. */
  load_mapping (f);
  g_assert_true (run (f, &summary, &error));
  g_assert_no_error (error);
  concord_run_summary_clear (&summary);
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock[0]), ==, 3);
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock[1]), ==, 3);
  last = member (f->mock[0], "bob@example.com", "LastName");
  g_assert_cmpstr (last, ==, "Builder");
  plan = member (f->mock[1], "ann+shop@example.com", "CustomFields.plan");
  g_assert_cmpstr (plan, ==, "gold");

  /* No change: no write. */
  concord_mock_elasticemail_reset_requests (f->mock[0]);
  concord_mock_elasticemail_reset_requests (f->mock[1]);
  g_assert_true (run (f, &summary, &error));
  concord_run_summary_clear (&summary);
  g_assert_cmpuint (writes_in (f->mock[0]) + writes_in (f->mock[1]), ==, 0);

  /* Edits on both sides, different fields: both arrive. */
  put (f->mock[0], "{\"Email\":\"cy@example.com\",\"FirstName\":\"Cyrus\"}");
  put (f->mock[1], "{\"Email\":\"ann+shop@example.com\",\"CustomFields\":{\"plan\":\"silver\"}}");
  g_assert_true (run (f, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.updated[0] + summary.updated[1], ==, 2);
  concord_run_summary_clear (&summary);

  first = member (f->mock[1], "cy@example.com", "FirstName");
  g_assert_cmpstr (first, ==, "Cyrus");
  g_clear_pointer (&plan, g_free);
  plan = member (f->mock[0], "ann+shop@example.com", "CustomFields.plan");
  g_assert_cmpstr (plan, ==, "silver");

  /* And settled: the next run writes nothing. */
  concord_mock_elasticemail_reset_requests (f->mock[0]);
  concord_mock_elasticemail_reset_requests (f->mock[1]);
  g_assert_true (run (f, &summary, &error));
  concord_run_summary_clear (&summary);
  g_assert_cmpuint (writes_in (f->mock[0]) + writes_in (f->mock[1]), ==, 0);
  same = member (f->mock[1], "cy@example.com", "FirstName");
  g_assert_cmpstr (same, ==, "Cyrus");
}

static void
test_truncated_answer (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ConcordRunSummary summary;

  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"Email\":\"p%u@example.com\",\"FirstName\":\"P%u\"}", i, i);

      put (f->mock[0], json);
    }

  load_mapping (f);

  /* B's listing answers with half a JSON document: the run fails cleanly,
   * before writing anything anywhere. */
  concord_mock_elasticemail_reset_requests (f->mock[0]);
  concord_mock_elasticemail_reset_requests (f->mock[1]);
  concord_mock_elasticemail_fail_request (f->mock[1], 2, CONCORD_MOCK_FAULT_TRUNCATE, 0);
  g_assert_false (run (f, &summary, &error));
  g_assert_nonnull (error);
  concord_run_summary_clear (&summary);
  g_clear_error (&error);
  g_assert_cmpuint (writes_in (f->mock[0]) + writes_in (f->mock[1]), ==, 0);
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock[1]), ==, 0);
  g_assert_cmpint (concord_store_count_links (f->store, f->connection_id, NULL), ==, 0);

  /* The next run completes the work. */
  g_assert_true (run (f, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.created[1], ==, 30);
  concord_run_summary_clear (&summary);
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock[1]), ==, 30);
}

static void
test_refused_write_not_retried (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ConcordRunSummary summary;

  put (f->mock[0], "{\"Email\":\"dee@example.com\",\"FirstName\":\"Dee\",\"Status\":\"Active\"}");
  load_mapping (f);
  g_assert_true (run (f, &summary, &error));
  concord_run_summary_clear (&summary);

  /* A bounce on A: Elastic Email lets no API set "bounced" on B. */
  put (f->mock[0], "{\"Email\":\"dee@example.com\",\"Status\":\"Bounced\"}");
  g_assert_true (run (f, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.failed[1], ==, 0);
  g_assert_cmpuint (summary.skipped, >=, 1);
  concord_run_summary_clear (&summary);
  g_assert_cmpint (concord_store_count_journal (f->store, f->connection_id, 0, "skipped", NULL), >=, 1);

  /* Journaled as skipped with the reason, and not tried again. */
  concord_mock_elasticemail_reset_requests (f->mock[1]);
  g_assert_true (run (f, &summary, &error));
  concord_run_summary_clear (&summary);
  g_assert_cmpuint (writes_in (f->mock[1]), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  /* No proxy lookup: the isolated test directories have no proxy schema. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

  g_test_add ("/concord/sync-elasticemail/both-ways", Fixture, NULL, setup, test_both_ways, teardown);
  g_test_add ("/concord/sync-elasticemail/truncated-answer", Fixture, NULL, setup,
              test_truncated_answer, teardown);
  g_test_add ("/concord/sync-elasticemail/refused-write-not-retried", Fixture, NULL, setup,
              test_refused_write_not_retried, teardown);

  return g_test_run ();
}
