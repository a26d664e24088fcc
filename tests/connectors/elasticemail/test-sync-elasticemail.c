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

#include <locale.h>
#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "concord-connector-elasticemail.h"
#include "concord-mock-elasticemail.h"
#include "concord-fields.h"
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
      /* strchr, not name + strlen (prefix): at -O3 GCC 12 checks the sum
       * against shorter constant names passed elsewhere (-Warray-bounds). */
      const char *field = strchr (name, '.') + 1;

      return custom != NULL && json_object_has_member (custom, field)
             ? g_strdup (json_object_get_string_member (custom, field)) : NULL;
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

/* Under tr_TR, lower-casing with the locale turned "Ida" into "ıda" on the
 * other app: emails must cross byte for byte, and match whatever their
 * case. */
static void
test_email_locale (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *saved = g_strdup (setlocale (LC_ALL, NULL));
  g_autoptr(GError) error = NULL;
  g_autofree char *ida = NULL, *jan = NULL, *kai_a = NULL, *kai_b = NULL;
  ConcordRunSummary summary;

  if (setlocale (LC_ALL, "tr_TR.UTF-8") == NULL && setlocale (LC_ALL, "tr_TR.utf8") == NULL)
    {
      g_test_skip ("the tr_TR.UTF-8 locale is not installed");
      return;
    }

  put (f->mock[0], "{\"Email\":\"Ida.Lind@Example.com\",\"FirstName\":\"Ida\",\"Status\":\"Active\"}");
  put (f->mock[1], "{\"Email\":\"Jan.IVERSEN@Example.org\",\"FirstName\":\"Jan\",\"Status\":\"Active\"}");
  /* The same person on both sides, written differently: one contact. */
  put (f->mock[0], "{\"Email\":\"KAI@example.com\",\"FirstName\":\"Kai\",\"Status\":\"Active\"}");
  put (f->mock[1], "{\"Email\":\"kai@Example.COM\",\"LastName\":\"Ito\",\"Status\":\"Active\"}");

  load_mapping (f);
  g_assert_true (run (f, &summary, &error));
  g_assert_no_error (error);
  concord_run_summary_clear (&summary);

  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock[0]), ==, 3);
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock[1]), ==, 3);
  ida = member (f->mock[1], "ida.lind@example.com", "Email");
  g_assert_cmpstr (ida, ==, "Ida.Lind@Example.com");
  jan = member (f->mock[0], "jan.iversen@example.org", "Email");
  g_assert_cmpstr (jan, ==, "Jan.IVERSEN@Example.org");
  kai_a = member (f->mock[0], "kai@example.com", "Email");
  kai_b = member (f->mock[1], "kai@example.com", "Email");
  g_assert_cmpstr (kai_a, ==, "KAI@example.com");
  g_assert_cmpstr (kai_b, ==, "kai@Example.COM");

  /* Settled: a case difference is no difference. */
  concord_mock_elasticemail_reset_requests (f->mock[0]);
  concord_mock_elasticemail_reset_requests (f->mock[1]);
  g_assert_true (run (f, &summary, &error));
  g_assert_no_error (error);
  concord_run_summary_clear (&summary);
  g_assert_cmpuint (writes_in (f->mock[0]) + writes_in (f->mock[1]), ==, 0);

  setlocale (LC_ALL, saved);
}

/* What the mock cannot hold: bytes that are not UTF-8 and escaped NULs.
 * A server on this thread plays side A's account, read-only. */
static const char broken_page[] =
  "[{\"Email\": \"bad\xff\xfe@example.com\", \"FirstName\": \"Bad\", \"Status\": \"Active\"},"
  " {\"Email\": \"nul\\u0000x@example.com\", \"FirstName\": \"Nul\", \"Status\": \"Active\"},"
  " {\"Email\": \"ren@example.com\", \"FirstName\": \"Ren\xe9\", \"LastName\": \"A\\u0000B\","
  "  \"Status\": \"Active\", \"CustomFields\": {\"plan\": \"gold\"}}]";

static void
on_broken_request_cb (SoupServer        *server,
                      SoupServerMessage *msg,
                      const char        *path,
                      GHashTable        *query,
                      gpointer           user_data)
{
  const char *offset = query != NULL ? g_hash_table_lookup (query, "offset") : NULL;
  const char *body = "[]";

  if (g_str_equal (path, "/v4/contacts") && g_strcmp0 (offset, "0") == 0)
    body = broken_page;

  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                    body, strlen (body));
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

/* A value Concord had to repair never reaches the other app as the
 * user's: a contact whose email was repaired is skipped, saying why;
 * another repaired field stays behind while the rest of its record syncs. */
static void
test_repaired_values (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  g_autoslist(GUri) uris = NULL;
  g_autofree char *url = NULL;
  g_autofree char *first = NULL, *last = NULL, *plan = NULL;
  ConcordRunSummary summary;
  guint repaired_skips = 0;

  soup_server_add_handler (server, "/v4", on_broken_request_cb, NULL, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("http://127.0.0.1:%d/v4", g_uri_get_port (uris->data));
  g_clear_object (&f->connector[0]);
  f->connector[0] = concord_connector_elasticemail_new (url, keys[0]);
  concord_connector_elasticemail_set_retry_base_ms (f->connector[0], 1);

  /* (B's connector learns "plan" from a contact using it) */
  put (f->mock[1], "{\"Email\":\"zed@example.com\",\"Status\":\"Active\","
                   "\"CustomFields\":{\"plan\":\"tin\"}}");
  load_mapping (f);
  f->config.may_create[CONCORD_SIDE_A] = FALSE;
  g_assert_true (run (f, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.created[1], ==, 1);
  g_assert_cmpuint (summary.skipped, >=, 2);
  concord_run_summary_clear (&summary);

  /* Only the contact with a sound email, without its repaired fields. */
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock[1]), ==, 2);
  first = member (f->mock[1], "ren@example.com", "FirstName");
  last = member (f->mock[1], "ren@example.com", "LastName");
  plan = member (f->mock[1], "ren@example.com", "CustomFields.plan");
  g_assert_null (first);
  g_assert_null (last);
  g_assert_cmpstr (plan, ==, "gold");

  /* Each skip says why, in the activity. */
  journal = concord_store_list_journal (f->store, f->connection_id, 0, 100, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < journal->len; i++)
    {
      ConcordJournalRow *row = g_ptr_array_index (journal, i);

      if (g_strcmp0 (row->outcome, "skipped") == 0 && row->error != NULL &&
          strstr (row->error, "repaired") != NULL)
        repaired_skips++;
    }
  g_assert_cmpuint (repaired_skips, >=, 2);
}

/* Under AddressSanitizer a run is many times slower: fewer contacts, the
 * fields still first used after the first page. */
#ifdef __SANITIZE_ADDRESS__
#define N_CUSTOM_CONTACTS 400
#else
#define N_CUSTOM_CONTACTS 2000
#endif

/* 2,000 contacts whose two custom fields are first used after the first
 * page, towards an account that has the fields but no contact using them
 * (declared by the user): every value crosses. */
static void
test_custom_fields_any_page (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ConcordRunSummary summary;
  guint n_values = 0;
  guint n_crossed = 0;

  for (guint s = 0; s < 2; s++)
    {
      concord_mock_elasticemail_add_custom_field (f->mock[s], "score");
      concord_mock_elasticemail_add_custom_field (f->mock[s], "region");
    }

  for (guint i = 0; i < N_CUSTOM_CONTACTS; i++)
    {
      g_autofree char *json = NULL;
      gboolean region = i >= N_CUSTOM_CONTACTS * 3 / 4;

      if (i >= 150 && i % 5 != 0)
        {
          json = g_strdup_printf ("{\"Email\":\"p%u@example.com\",\"Status\":\"Active\","
                                  "\"CustomFields\":{\"score\":\"%u\"%s}}",
                                  i, i, region ? ",\"region\":\"north\"" : "");
          n_values += region ? 2 : 1;
        }
      else
        json = g_strdup_printf ("{\"Email\":\"p%u@example.com\",\"Status\":\"Active\"}", i);
      put (f->mock[0], json);
    }

  /* Connectors as a new process makes them (those of setup() read the
   * accounts empty). B's fields exist on its account, but no contact of B
   * uses them: declared. */
  for (guint s = 0; s < 2; s++)
    {
      g_clear_object (&f->connector[s]);
      f->connector[s] = concord_connector_elasticemail_new (concord_mock_elasticemail_get_base_url (f->mock[s]),
                                                            keys[s]);
    }
  concord_rest_connector_declare_custom_fields (CONCORD_REST_CONNECTOR (f->connector[1]),
                                                " score ,region,");
  load_mapping (f);
  g_assert_true (run (f, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.created[1], ==, N_CUSTOM_CONTACTS);
  g_assert_cmpuint (summary.failed[1], ==, 0);
  concord_run_summary_clear (&summary);

  for (guint i = 0; i < N_CUSTOM_CONTACTS; i++)
    {
      g_autofree char *email = g_strdup_printf ("p%u@example.com", i);
      g_autofree char *score = member (f->mock[1], email, "CustomFields.score");
      g_autofree char *region = member (f->mock[1], email, "CustomFields.region");

      n_crossed += (score != NULL) + (region != NULL);
    }
  g_assert_cmpuint (n_values, ==, N_CUSTOM_CONTACTS == 2000 ? 1880 : 280);
  g_assert_cmpuint (n_crossed, ==, n_values);
}

/* A custom field first used past what the schema load reads (here: its
 * first page) is learnt by the run's listing, and the same sync runs once
 * more with it mapped: its values cross now, not never. */
static void
test_custom_fields_learnt_in_run (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnectionRow) row = NULL;
  g_autoptr(GPtrArray) schema_a = NULL;
  g_autoptr(GPtrArray) schema_b = NULL;
  ConcordSyncConfig config;
  ConcordRunSummary summary = { 0 };
  g_autofree char *score_key = NULL;
  guint n_values = 0;
  guint n_crossed = 0;

  for (guint s = 0; s < 2; s++)
    concord_mock_elasticemail_add_custom_field (f->mock[s], "score");
  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *json = NULL;

      if (i >= 250)
        {
          json = g_strdup_printf ("{\"Email\":\"p%u@example.com\",\"Status\":\"Active\","
                                  "\"CustomFields\":{\"score\":\"%u\"}}", i, i);
          n_values++;
        }
      else
        json = g_strdup_printf ("{\"Email\":\"p%u@example.com\",\"Status\":\"Active\"}", i);
      put (f->mock[0], json);
    }

  for (guint s = 0; s < 2; s++)
    {
      g_clear_object (&f->connector[s]);
      f->connector[s] = concord_connector_elasticemail_new (concord_mock_elasticemail_get_base_url (f->mock[s]),
                                                            keys[s]);
    }
  concord_connector_elasticemail_set_max_schema_pages (f->connector[0], 1);
  concord_rest_connector_declare_custom_fields (CONCORD_REST_CONNECTOR (f->connector[1]),
                                                "score");

  row = concord_store_get_connection_by_id (f->store, f->connection_id, &error);
  g_assert_no_error (error);
  schema_a = concord_connector_load_schema_sync (CONCORD_CONNECTOR (f->connector[0]), "contacts", NULL,
                                                 &error);
  g_assert_no_error (error);
  schema_b = concord_connector_load_schema_sync (CONCORD_CONNECTOR (f->connector[1]), "contacts", NULL,
                                                 &error);
  g_assert_no_error (error);
  g_assert_true (concord_sync_config_init_for_connection (&config, row, schema_a, schema_b, &error));
  g_assert_no_error (error);
  /* The schema read before the run does not know the field yet. */
  score_key = concord_field_custom_key ("score");
  g_assert_cmpint (concord_mapping_find (config.mapping, CONCORD_SIDE_A, score_key), <, 0);

  g_assert_true (concord_sync_run_connection (f->store, row, &config,
                                              CONCORD_CONNECTOR (f->connector[0]),
                                              CONCORD_CONNECTOR (f->connector[1]),
                                              NULL, NULL, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.created[1], ==, 300);
  g_assert_cmpuint (summary.failed[1], ==, 0);
  concord_run_summary_clear (&summary);

  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *email = g_strdup_printf ("p%u@example.com", i);
      g_autofree char *score = member (f->mock[1], email, "CustomFields.score");

      n_crossed += score != NULL;
    }
  g_assert_cmpuint (n_values, ==, 50);
  g_assert_cmpuint (n_crossed, ==, n_values);
  concord_sync_config_clear (&config);
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

static void
on_stalled_cancel_cb (ConcordMockElasticEmail *mock,
                      const char              *request,
                      gpointer                 user_data)
{
  g_cancellable_cancel (user_data);
}

/* Runs until @pattern's first request on @side is held, then stops dead
 * there (as a kill would: nothing of the run is committed after the
 * request was sent), and drops the request unapplied. */
static void
run_killed_at (Fixture     *f,
               ConcordSide  side,
               const char  *pattern)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  const char *patterns[] = { pattern, NULL };
  ConcordRunSummary summary;

  concord_mock_elasticemail_stall_request (f->mock[side], patterns, 1,
                                           on_stalled_cancel_cb, cancellable);
  g_assert_false (concord_sync_run (f->store, f->connection_id, &f->config,
                                    CONCORD_CONNECTOR (f->connector[0]), "contacts",
                                    CONCORD_CONNECTOR (f->connector[1]), "contacts",
                                    NULL, cancellable, &summary, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  concord_run_summary_clear (&summary);
  concord_mock_elasticemail_release_stalled (f->mock[side], FALSE);
}

/* Issue 13: a run killed between the profile PUT and the unsubscribe made
 * the other copy look newer; the unsubscribe then lost under "newest" and
 * was never sent. @data: bit 0, whether the pair was linked before; bit 1,
 * killed at the PUT rather than at the unsubscribe. */
static void
test_unsubscribe_survives_kill (Fixture       *f,
                                gconstpointer  data)
{
  gboolean linked = GPOINTER_TO_UINT (data) & 1;
  const char *pattern = (GPOINTER_TO_UINT (data) & 2) ? "PUT /v4/contacts/*"
                                                      : "POST /v4/suppressions/unsubscribes";
  g_autoptr(GError) error = NULL;
  ConcordRunSummary summary;
  g_autofree char *status_a = NULL, *status_b = NULL, *last_b = NULL;

  put (f->mock[0], "{\"Email\":\"dee@example.com\",\"FirstName\":\"Dee\",\"Status\":\"Active\","
                   "\"DateUpdated\":\"2019-01-02T03:04:05\"}");
  put (f->mock[1], "{\"Email\":\"dee@example.com\",\"FirstName\":\"Dee\",\"Status\":\"Active\","
                   "\"DateUpdated\":\"2019-01-02T03:04:05\"}");
  load_mapping (f);
  f->config.newest_wins = TRUE;
  if (linked)
    {
      g_assert_true (run (f, &summary, &error));
      g_assert_no_error (error);
      concord_run_summary_clear (&summary);
    }

  /* Dee unsubscribes on A (and gets a last name there), a while ago. */
  put (f->mock[0], "{\"Email\":\"dee@example.com\",\"LastName\":\"Doe\",\"Status\":\"Unsubscribed\","
                   "\"DateUpdated\":\"2020-01-02T03:04:05\"}");

  /* The run dies at one request of B's update. The unsubscribe goes
   * first: B is never left renamed but still subscribed. */
  run_killed_at (f, CONCORD_SIDE_B, pattern);
  if (!(GPOINTER_TO_UINT (data) & 2))
    {
      g_autofree char *early = member (f->mock[1], "dee@example.com", "LastName");

      g_assert_null (early);
    }

  for (guint i = 0; i < 2; i++)
    {
      g_assert_true (run (f, &summary, &error));
      g_assert_no_error (error);
      concord_run_summary_clear (&summary);
    }

  status_a = member (f->mock[0], "dee@example.com", "Status");
  status_b = member (f->mock[1], "dee@example.com", "Status");
  last_b = member (f->mock[1], "dee@example.com", "LastName");
  g_assert_cmpstr (status_a, ==, "Unsubscribed");
  g_assert_cmpstr (status_b, ==, "Unsubscribed");
  g_assert_cmpstr (last_b, ==, "Doe");
}

/* Issue 13: a status Elastic Email cannot take (only unsubscribing is
 * allowed) blocked the whole update, so 129 shared contacts kept B's
 * names. The status is refused alone, journaled once, never retried. */
static void
test_refused_status_alone (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  ConcordRunSummary summary;
  guint n_status_skips = 0;
  const guint n = 129;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"Email\":\"p%u@example.com\",\"FirstName\":\"P%u\","
                                               "\"Status\":\"Active\"}", i, i);

      put (f->mock[0], json);
    }
  load_mapping (f);
  g_assert_true (run (f, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.created[1], ==, n);
  concord_run_summary_clear (&summary);

  /* Renamed on A, and bounced there: B can take the name, not the bounce. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"Email\":\"p%u@example.com\","
                                               "\"FirstName\":\"Renamed %u\",\"Status\":\"Bounced\"}",
                                               i, i);

      put (f->mock[0], json);
    }
  f->config.force = TRUE;  /* every contact changed: the breaker would ask */
  g_assert_true (run (f, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.updated[1], ==, n);
  g_assert_cmpuint (summary.failed[1], ==, 0);
  g_assert_cmpuint (summary.skipped, ==, n);
  concord_run_summary_clear (&summary);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *email = g_strdup_printf ("p%u@example.com", i);
      g_autofree char *want = g_strdup_printf ("Renamed %u", i);
      g_autofree char *first = member (f->mock[1], email, "FirstName");
      g_autofree char *status = member (f->mock[1], email, "Status");

      g_assert_cmpstr (first, ==, want);
      g_assert_cmpstr (status, ==, "Active");
    }

  /* Each refusal is journaled as skipped, for the status alone. */
  journal = concord_store_list_journal (f->store, f->connection_id, 0, 10000, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < journal->len; i++)
    {
      ConcordJournalRow *row = g_ptr_array_index (journal, i);

      if (g_strcmp0 (row->outcome, "skipped") == 0)
        {
          g_assert_cmpstr (row->field, ==, "status");
          g_assert_nonnull (strstr (row->error, "status to bounced"));
          n_status_skips++;
        }
      else if (g_strcmp0 (row->op, "update") == 0)
        g_assert_cmpstr (row->field, !=, "status");
    }
  g_assert_cmpuint (n_status_skips, ==, n);

  /* Not tried again. */
  concord_mock_elasticemail_reset_requests (f->mock[1]);
  g_assert_true (run (f, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.skipped, ==, 0);
  concord_run_summary_clear (&summary);
  g_assert_cmpuint (writes_in (f->mock[1]), ==, 0);
}

/* The field set of a CRM as a connector that does not translate its
 * fields would offer it: the email as the standard email (it is how
 * contacts are matched), everything else as custom fields with their
 * labels. */
static GPtrArray *
crm_schema_from_hubspot (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "hubspot", "contact-properties.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  GPtrArray *schema = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);
  JsonArray *results;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  g_assert_no_error (error);
  results = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "results");

  for (guint i = 0; i < json_array_get_length (results); i++)
    {
      JsonObject *property = json_array_get_object_element (results, i);
      const char *name = json_object_get_string_member (property, "name");
      const char *type = json_object_get_string_member (property, "type");
      gboolean read_only = json_object_get_boolean_member (json_object_get_object_member (property,
                                                             "modificationMetadata"), "readOnlyValue");
      ConcordFieldType field_type = CONCORD_FIELD_TYPE_STRING;
      g_autofree char *key = NULL;

      if (g_str_equal (name, "email"))
        {
          g_ptr_array_add (schema, concord_field_spec_new ("email", "Email", CONCORD_FIELD_TYPE_EMAIL, FALSE));
          continue;
        }

      if (g_str_equal (type, "number"))
        field_type = CONCORD_FIELD_TYPE_NUMBER;
      else if (g_str_equal (type, "bool"))
        field_type = CONCORD_FIELD_TYPE_BOOLEAN;
      else if (g_str_equal (type, "date"))
        field_type = CONCORD_FIELD_TYPE_DATE;
      else if (g_str_equal (type, "datetime"))
        field_type = CONCORD_FIELD_TYPE_DATETIME;
      else if (g_str_equal (type, "enumeration"))
        field_type = g_str_equal (json_object_get_string_member (property, "fieldType"), "checkbox")
                     ? CONCORD_FIELD_TYPE_STRING_SET : CONCORD_FIELD_TYPE_ENUM;

      key = concord_field_custom_key (name);
      g_ptr_array_add (schema, concord_field_spec_new (key, json_object_get_string_member (property, "label"),
                                                       field_type, read_only));
    }

  return schema;
}

static GPtrArray *
crm_schema_from_pipedrive (void)
{
  /* personFields: key, name, field_type (custom fields have hash keys). */
  static const struct { const char *key, *name; ConcordFieldType type; } fields[] = {
    { "name", "Name", CONCORD_FIELD_TYPE_STRING },
    { "first_name", "First name", CONCORD_FIELD_TYPE_STRING },
    { "last_name", "Last name", CONCORD_FIELD_TYPE_STRING },
    { "phone", "Phone", CONCORD_FIELD_TYPE_PHONE },
    { "org_id", "Organization", CONCORD_FIELD_TYPE_STRING },
    { "owner_id", "Owner", CONCORD_FIELD_TYPE_STRING },
    { "label", "Label", CONCORD_FIELD_TYPE_ENUM },
    { "8f2b6c0e1d7a4b3c9e5f0a1b2c3d4e5f6a7b8c9d", "Customer Type", CONCORD_FIELD_TYPE_ENUM },
    { "3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d", "Birthday", CONCORD_FIELD_TYPE_DATE },
  };
  GPtrArray *schema = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

  g_ptr_array_add (schema, concord_field_spec_new ("email", "Email", CONCORD_FIELD_TYPE_EMAIL, FALSE));
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autofree char *key = concord_field_custom_key (fields[i].key);

      g_ptr_array_add (schema, concord_field_spec_new (key, fields[i].name, fields[i].type, FALSE));
    }

  return schema;
}

static gboolean
has_pair (ConcordMapping *mapping,
          const char     *a,
          const char     *b,
          ConcordPairFlow flow)
{
  gint index = concord_mapping_find (mapping, CONCORD_SIDE_A, a);

  return index >= 0 &&
         g_str_equal (g_quark_to_string (concord_mapping_get_pair (mapping, index)->key_b), b) &&
         concord_mapping_get_pair (mapping, index)->flow == flow;
}

static const char *
left_out (GPtrArray   *unmapped,
          ConcordSide  side,
          const char  *key)
{
  for (guint i = 0; i < unmapped->len; i++)
    {
      const ConcordUnmappedField *field = g_ptr_array_index (unmapped, i);

      if (field->side == side && g_str_equal (field->key, key))
        return field->reason;
    }
  return NULL;
}

static void
test_auto_mapping_crm (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ee = NULL;
  g_autoptr(GPtrArray) hubspot = crm_schema_from_hubspot ();
  g_autoptr(GPtrArray) pipedrive = crm_schema_from_pipedrive ();
  g_autoptr(GPtrArray) unmapped = NULL;
  g_autoptr(ConcordMapping) mapping = NULL;
  GAsyncResult *slot = NULL;

  /* The Elastic Email field set as the connector reads it from an account
   * whose contacts use these custom fields. */
  put (f->mock[0], "{\"Email\":\"ann@example.com\",\"FirstName\":\"Ann\",\"Status\":\"Active\","
                   "\"CustomFields\":{\"company\":\"Acme\",\"city\":\"Lisbon\",\"Mobile\":\"+351 900\","
                   "\"Customer_Type\":\"retail\",\"Birthday\":\"1990-12-31\",\"Loyalty_Points\":\"12\"}}");
  concord_connector_load_schema_async (CONCORD_CONNECTOR (f->connector[0]), "contacts", NULL,
                                       concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  ee = concord_connector_load_schema_finish (CONCORD_CONNECTOR (f->connector[0]), result, &error);
  g_assert_no_error (error);

  /* Elastic Email ↔ HubSpot. */
  mapping = concord_mapping_new_auto (ee, hubspot, &unmapped);
  g_assert_true (concord_mapping_validate (mapping, "mapping", NULL, &error));
  g_assert_true (has_pair (mapping, "email", "email", CONCORD_PAIR_FLOW_BOTH));
  g_assert_true (has_pair (mapping, "first_name", "custom:firstname", CONCORD_PAIR_FLOW_BOTH));
  g_assert_true (has_pair (mapping, "last_name", "custom:lastname", CONCORD_PAIR_FLOW_BOTH));
  g_assert_true (has_pair (mapping, "custom:company", "custom:company", CONCORD_PAIR_FLOW_BOTH));
  g_assert_true (has_pair (mapping, "custom:city", "custom:city", CONCORD_PAIR_FLOW_BOTH));
  g_assert_true (has_pair (mapping, "custom:Mobile", "custom:mobilephone", CONCORD_PAIR_FLOW_BOTH));
  g_assert_true (has_pair (mapping, "custom:Customer_Type", "custom:customer_type", CONCORD_PAIR_FLOW_BOTH));
  g_assert_true (has_pair (mapping, "custom:Birthday", "custom:date_of_birth", CONCORD_PAIR_FLOW_BOTH));
  g_assert_cmpuint (concord_mapping_get_n_pairs (mapping), ==, 8);
  /* Left alone, with the reason. */
  g_assert_nonnull (strstr (left_out (unmapped, CONCORD_SIDE_A, "custom:Loyalty_Points"),
                            "is a number, this is a string"));
  /* HubSpot's subscription state is a yes or no: left alone, and said. */
  g_assert_nonnull (strstr (left_out (unmapped, CONCORD_SIDE_A, "status"), "is a yes or no, not a status"));
  g_assert_nonnull (left_out (unmapped, CONCORD_SIDE_A, "lists"));
  g_assert_nonnull (left_out (unmapped, CONCORD_SIDE_B, "custom:phone"));
  g_assert_nonnull (left_out (unmapped, CONCORD_SIDE_B, "custom:lifecyclestage"));
  g_assert_null (left_out (unmapped, CONCORD_SIDE_B, "custom:mobilephone"));
  g_clear_pointer (&mapping, concord_mapping_unref);
  g_clear_pointer (&unmapped, g_ptr_array_unref);

  /* Elastic Email ↔ Pipedrive: hash-keyed custom fields pair by label,
   * "Organization" with "company". */
  mapping = concord_mapping_new_auto (ee, pipedrive, &unmapped);
  g_assert_true (has_pair (mapping, "email", "email", CONCORD_PAIR_FLOW_BOTH));
  g_assert_true (has_pair (mapping, "first_name", "custom:first_name", CONCORD_PAIR_FLOW_BOTH));
  g_assert_true (has_pair (mapping, "custom:company", "custom:org_id", CONCORD_PAIR_FLOW_BOTH));
  g_assert_true (has_pair (mapping, "custom:Customer_Type", "custom:8f2b6c0e1d7a4b3c9e5f0a1b2c3d4e5f6a7b8c9d",
                           CONCORD_PAIR_FLOW_BOTH));
  g_assert_true (has_pair (mapping, "custom:Mobile", "custom:phone", CONCORD_PAIR_FLOW_BOTH));
  g_assert_nonnull (strstr (left_out (unmapped, CONCORD_SIDE_A, "custom:Birthday"), "map it by hand"));
}

int
main (int   argc,
      char *argv[])
{
  /* No proxy lookup: the isolated test directories have no proxy schema. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

  g_test_add ("/concord/sync-elasticemail/auto-mapping-crm", Fixture, NULL, setup, test_auto_mapping_crm, teardown);
  g_test_add ("/concord/sync-elasticemail/both-ways", Fixture, NULL, setup, test_both_ways, teardown);
  g_test_add ("/concord/sync-elasticemail/email-locale", Fixture, NULL, setup, test_email_locale,
              teardown);
  g_test_add ("/concord/sync-elasticemail/repaired-values", Fixture, NULL, setup,
              test_repaired_values, teardown);
  g_test_add ("/concord/sync-elasticemail/custom-fields-any-page", Fixture, NULL, setup,
              test_custom_fields_any_page, teardown);
  g_test_add ("/concord/sync-elasticemail/custom-fields-learnt-in-run", Fixture, NULL, setup,
              test_custom_fields_learnt_in_run, teardown);
  g_test_add ("/concord/sync-elasticemail/truncated-answer", Fixture, NULL, setup,
              test_truncated_answer, teardown);
  g_test_add ("/concord/sync-elasticemail/refused-write-not-retried", Fixture, NULL, setup,
              test_refused_write_not_retried, teardown);
  g_test_add ("/concord/sync-elasticemail/refused-status-alone", Fixture, NULL, setup,
              test_refused_status_alone, teardown);
  g_test_add ("/concord/sync-elasticemail/unsubscribe-survives-kill/linked", Fixture,
              GUINT_TO_POINTER (1), setup, test_unsubscribe_survives_kill, teardown);
  g_test_add ("/concord/sync-elasticemail/unsubscribe-survives-kill/first-match", Fixture,
              GUINT_TO_POINTER (0), setup, test_unsubscribe_survives_kill, teardown);
  g_test_add ("/concord/sync-elasticemail/unsubscribe-survives-kill/linked-at-put", Fixture,
              GUINT_TO_POINTER (3), setup, test_unsubscribe_survives_kill, teardown);
  g_test_add ("/concord/sync-elasticemail/unsubscribe-survives-kill/first-match-at-put", Fixture,
              GUINT_TO_POINTER (2), setup, test_unsubscribe_survives_kill, teardown);

  return g_test_run ();
}
