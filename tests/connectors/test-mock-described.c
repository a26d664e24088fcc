/* test-mock-described.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The described mock serves what a description says, whatever the app:
 * here a made-up app ("bulkcrm", registered by the test) unlike the
 * shipped three — the key as a query parameter, a fixed header, offset
 * paging with answers under a member, batch creates of up to 4 with the
 * refused records left out, PATCH updates answered under their own path,
 * error messages at a nested path, rate-limit headers. Asked directly,
 * then through ConcordJsonConnector from the same description (batches
 * split to fit, each refused record failing alone); a second one with
 * cursor paging. An app the mock has no description of is refused by
 * name.
 *
 * Paths: /concord/mock-described/<case>.
 */

#define G_LOG_DOMAIN "concord-test-mock-described"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "concord-app-registry.h"
#include "concord-error.h"
#include "concord-json-connector.h"
#include "concord-mock-described.h"
#include "concord-test-connector.h"
#include "concord-test-utils.h"

#define KEY "bulk-key-6a0f"

static const char bulkcrm[] =
  "{ \"format\": 1, \"id\": \"bulkcrm\", \"name\": \"Bulk CRM\","
  "  \"icon\": \"concord-app-bulkcrm-symbolic\", \"key_url\": \"https://bulk.example/keys\","
  "  \"account\": [ { \"key\": \"api_key\", \"kind\": \"secret\", \"label\": \"API Key\" } ],"
  "  \"base_url\": \"https://api.bulk.example/v2\","
  "  \"auth\": { \"kind\": \"query\", \"name\": \"key\" },"
  "  \"headers\": { \"X-Client\": \"concord\" },"
  "  \"verify\": { \"method\": \"GET\", \"path\": \"/me\", \"expect\": \"account.id\" },"
  "  \"rate_limit\": { \"remaining\": \"RateLimit-Remaining\", \"requests\": 600,"
  "                  \"per_seconds\": 60 },"
  "  \"error\": { \"message\": [\"error.message\"] },"
  "  \"contact_types\": [ {"
  "    \"id\": \"people\", \"label\": \"People\","
  "    \"list\": { \"method\": \"GET\", \"path\": \"/people\", \"records\": \"data.people\","
  "                \"paging\": { \"style\": \"offset\", \"offset\": \"offset\", \"size\": \"limit\","
  "                              \"page_size\": 10 } },"
  "    \"record\": { \"id\": \"uid\", \"email\": { \"path\": \"mail\" },"
  "                  \"modified\": { \"path\": \"changed\", \"format\": \"unix\" } },"
  "    \"fields\": [ { \"key\": \"first_name\", \"path\": \"name.first\" } ],"
  "    \"fetch\": { \"method\": \"GET\", \"path\": \"/people/{id}\", \"answer\": \"person\" },"
  "    \"create\": { \"method\": \"POST\", \"path\": \"/people/bulk\", \"batch\": 4,"
  "                  \"records\": \"people\", \"answer\": \"created\" },"
  "    \"update\": { \"method\": \"PATCH\", \"path\": \"/people/{id}\", \"answer\": \"person\" }"
  "  } ] }";

/* A second made-up app: cursor paging, the next cursor deep in the answer. */
static const char cursorcrm[] =
  "{ \"format\": 1, \"id\": \"cursorcrm\", \"name\": \"Cursor CRM\","
  "  \"icon\": \"concord-app-cursorcrm-symbolic\", \"key_url\": \"https://cursor.example/keys\","
  "  \"account\": [ { \"key\": \"token\", \"kind\": \"secret\", \"label\": \"Token\" } ],"
  "  \"base_url\": \"https://api.cursor.example\","
  "  \"auth\": { \"kind\": \"bearer\" },"
  "  \"verify\": { \"method\": \"GET\", \"path\": \"/me\" },"
  "  \"contact_types\": [ {"
  "    \"id\": \"contacts\", \"label\": \"Contacts\","
  "    \"list\": { \"method\": \"GET\", \"path\": \"/contacts\", \"records\": \"results\","
  "                \"paging\": { \"style\": \"cursor\", \"cursor\": \"after\","
  "                              \"next\": \"paging.next.after\", \"size\": \"limit\","
  "                              \"page_size\": 5 } },"
  "    \"record\": { \"id\": \"id\", \"email\": { \"path\": \"email\" },"
  "                  \"modified\": { \"path\": \"updated\", \"format\": \"iso8601\" } },"
  "    \"fetch\": { \"method\": \"GET\", \"path\": \"/contacts/{id}\" },"
  "    \"create\": { \"method\": \"POST\", \"path\": \"/contacts\" },"
  "    \"update\": { \"method\": \"PATCH\", \"path\": \"/contacts/{id}\" }"
  "  } ] }";

typedef struct
{
  guint               status;
  JsonNode           *root;     /* (owned) (nullable) */
  SoupMessageHeaders *headers;  /* (owned) */
} Answer;

static void
answer_free (Answer *answer)
{
  g_clear_pointer (&answer->root, json_node_unref);
  g_clear_pointer (&answer->headers, soup_message_headers_unref);
  g_free (answer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Answer, answer_free)

static Answer *
ask (ConcordMockDescribed *mock,
     const char           *method,
     const char           *path,
     const char           *json)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *uri = g_strconcat (concord_mock_described_get_base_url (mock), path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  Answer *answer = g_new0 (Answer, 1);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Client", "concord");
  if (json != NULL)
    {
      g_autoptr(GBytes) request = g_bytes_new (json, strlen (json));

      soup_message_set_request_body_from_bytes (msg, "application/json", request);
    }
  bytes = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  answer->status = soup_message_get_status (msg);
  answer->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  if (json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                  (gssize) g_bytes_get_size (bytes), NULL))
    answer->root = json_node_ref (json_parser_get_root (parser));
  return answer;
}

static JsonObject *
object_of (Answer *answer)
{
  g_assert_nonnull (answer->root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (answer->root));
  return json_node_get_object (answer->root);
}

static ConcordMockDescribed *
new_mock (void)
{
  static const ConcordMockDescribedQuirks quirks = { .default_page_size = 10 };
  g_autoptr(GError) error = NULL;
  ConcordMockDescribed *mock = concord_mock_described_new ("bulkcrm", &quirks, KEY, 0, &error);

  g_assert_no_error (error);
  return mock;
}

/* The key as the query parameter, the fixed header, the base path. */
static void
test_auth (void)
{
  g_autoptr(ConcordMockDescribed) mock = new_mock ();
  g_autoptr(Answer) ok = ask (mock, "GET", "/me?key=" KEY, NULL);
  g_autoptr(Answer) wrong = ask (mock, "GET", "/me?key=nope", NULL);
  g_autoptr(Answer) none = ask (mock, "GET", "/me", NULL);
  JsonObject *error;

  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_true (json_object_has_member (json_object_get_object_member (object_of (ok), "account"),
                                         "id"));
  g_assert_true (g_str_has_suffix (concord_mock_described_get_base_url (mock), "/v2"));
  g_assert_cmpuint (wrong->status, ==, 401);
  g_assert_cmpuint (none->status, ==, 401);
  /* The message where the description says errors keep it. */
  error = json_object_get_object_member (object_of (wrong), "error");
  g_assert_nonnull (error);
  g_assert_nonnull (json_object_get_string_member (error, "message"));
}

/* A batch: at most 4, each refused record left out of the answer. */
static void
test_batch (void)
{
  g_autoptr(ConcordMockDescribed) mock = new_mock ();
  g_autoptr(Answer) created = ask (mock, "POST", "/people/bulk?key=" KEY,
                                   "{\"people\": [{\"mail\": \"a@example.com\"},"
                                   " {\"mail\": \"not-an-address\"},"
                                   " {\"mail\": \"c@example.com\", \"name\": {\"first\": \"C\"}}]}");
  g_autoptr(Answer) too_many = ask (mock, "POST", "/people/bulk?key=" KEY,
                                    "{\"people\": [{}, {}, {}, {}, {}]}");
  g_autoptr(Answer) unbatched = ask (mock, "POST", "/people/bulk?key=" KEY,
                                     "{\"mail\": \"d@example.com\"}");
  g_autoptr(Answer) patched = NULL;
  g_autoptr(Answer) page = NULL;
  JsonArray *array;

  g_assert_cmpuint (created->status, ==, 200);
  array = json_object_get_array_member (object_of (created), "created");
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 1), "mail"),
                   ==, "c@example.com");
  g_assert_cmpuint (too_many->status, ==, 400);
  g_assert_cmpuint (unbatched->status, ==, 400);
  g_assert_cmpuint (concord_mock_described_get_n_records (mock), ==, 2);

  patched = ask (mock, "PATCH", "/people/2?key=" KEY, "{\"name\": {\"first\": \"Cy\"}}");
  g_assert_cmpuint (patched->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (
                       json_object_get_object_member (object_of (patched), "person"), "name"),
                     "first"), ==, "Cy");
  page = ask (mock, "GET", "/people?key=" KEY "&offset=1&limit=10", NULL);
  array = json_object_get_array_member (json_object_get_object_member (object_of (page), "data"),
                                        "people");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
}

/* Through ConcordJsonConnector: 10 records in batches of 4 (3 requests),
 * the refused ones failing alone; then listed back in pages. */
static void
test_connector (void)
{
  g_autoptr(ConcordMockDescribed) mock = new_mock ();
  ConcordDescription *description = concord_app_registry_get_description ("bulkcrm");
  g_autoptr(JsonObject) options = json_object_new ();
  g_autoptr(ConcordJsonConnector) connector = NULL;
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) log = NULL;
  g_autofree char *token = NULL;
  GAsyncResult *result = NULL;
  guint n_posts = 0;
  guint n_listed = 0;

  json_object_set_string_member (options, "base_url", concord_mock_described_get_base_url (mock));
  connector = concord_json_connector_new (description, options, KEY, &error);
  g_assert_no_error (error);
  concord_json_connector_set_retry_base_ms (connector, 2);
  g_assert_cmpuint (concord_connector_get_max_batch (CONCORD_CONNECTOR (connector)), ==, 4);

  for (guint i = 0; i < 10; i++)
    {
      ConcordRecord *record = concord_record_new (NULL);
      g_autofree char *email = i % 4 == 1 ? g_strdup_printf ("refused%u-at-example.com", i)
                                          : g_strdup_printf ("person%u@example.com", i);

      concord_record_set_text (record, "email", CONCORD_FIELD_TYPE_EMAIL, email);
      g_ptr_array_add (records, record);
    }
  concord_connector_create_async (CONCORD_CONNECTOR (connector), "people", records, NULL,
                                  concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  results = concord_connector_create_finish (CONCORD_CONNECTOR (connector), done, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 10);
  for (guint i = 0; i < results->len; i++)
    {
      ConcordWriteResult *written = g_ptr_array_index (results, i);

      if (written->index % 4 == 1)
        g_assert_nonnull (written->error);
      else
        g_assert_no_error (written->error);
    }
  log = concord_mock_server_get_log (concord_mock_described_get_server (mock));
  for (guint i = 0; i < log->len; i++)
    n_posts += g_str_equal (((ConcordMockLogEntry *) g_ptr_array_index (log, i))->method, "POST");
  g_assert_cmpuint (n_posts, ==, 3);
  g_assert_cmpuint (concord_mock_described_get_n_records (mock), ==, 7);

  do
    {
      g_autoptr(ConcordPage) page = concord_test_list_page (CONCORD_CONNECTOR (connector), "people",
                                                            token, &error);

      g_assert_no_error (error);
      n_listed += page->records->len;
      g_free (token);
      token = g_strdup (page->next_page);
    }
  while (token != NULL);
  g_assert_cmpuint (n_listed, ==, 7);
}

/* Cursor paging: the next cursor where the description says, none on
 * the last page; a cursor the mock never gave is a 400. Through the
 * connector, every contact once. */
static void
test_cursor (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordMockDescribed) mock = concord_mock_described_new ("cursorcrm", NULL, KEY, 0,
                                                                     &error);
  ConcordDescription *description = concord_app_registry_get_description ("cursorcrm");
  g_autoptr(JsonObject) options = json_object_new ();
  g_autoptr(ConcordJsonConnector) connector = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *token = NULL;
  g_autofree char *bad_url = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) bad = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint pages = 0;

  g_assert_no_error (error);
  concord_mock_described_generate (mock, 12, 2);
  json_object_set_string_member (options, "base_url", concord_mock_described_get_base_url (mock));
  connector = concord_json_connector_new (description, options, KEY, &error);
  g_assert_no_error (error);
  do
    {
      g_autoptr(ConcordPage) page = concord_test_list_page (CONCORD_CONNECTOR (connector),
                                                            "contacts", token, &error);

      g_assert_no_error (error);
      for (guint i = 0; i < page->records->len; i++)
        g_assert_true (g_hash_table_add (seen, g_strdup (concord_record_get_email (
          g_ptr_array_index (page->records, i)))));
      g_free (token);
      token = g_strdup (page->next_page);
      g_assert_cmpuint (++pages, <=, 3);
    }
  while (token != NULL);
  g_assert_cmpuint (pages, ==, 3);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 12);

  bad_url = g_strconcat (concord_mock_described_get_base_url (mock), "/contacts?after=bm9wZQ", NULL);
  bad = soup_message_new ("GET", bad_url);
  soup_message_headers_replace (soup_message_get_request_headers (bad), "Authorization",
                                "Bearer " KEY);
  bytes = soup_session_send_and_read (session, bad, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (bad), ==, 400);
}

/* A description the mock cannot serve: refused, saying what it lacks. */
static void
test_unknown_app (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordMockDescribed) mock = concord_mock_described_new ("nosuchapp", NULL, KEY, 0,
                                                                     &error);

  g_assert_null (mock);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "nosuchapp"));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (bulkcrm, strlen (bulkcrm));
  g_autoptr(GError) error = NULL;

  /* The isolated test dirs hold no schemas for GNOME's proxy resolver. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);
  if (!concord_app_registry_register_description ("bulkcrm.json", bytes, &error))
    g_error ("bulkcrm.json: %s", error->message);
  {
    g_autoptr(GBytes) cursor_bytes = g_bytes_new_static (cursorcrm, strlen (cursorcrm));

    if (!concord_app_registry_register_description ("cursorcrm.json", cursor_bytes, &error))
      g_error ("cursorcrm.json: %s", error->message);
  }

  g_test_add_func ("/concord/mock-described/auth", test_auth);
  g_test_add_func ("/concord/mock-described/batch", test_batch);
  g_test_add_func ("/concord/mock-described/connector", test_connector);
  g_test_add_func ("/concord/mock-described/cursor", test_cursor);
  g_test_add_func ("/concord/mock-described/unknown-app", test_unknown_app);

  return g_test_run ();
}
