/* test-mock-copper.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The simulated Copper keeps Copper's rules, asked directly (no
 * connector): all three X-PW headers and the 401 body, the base path,
 * POST /people/search paging with a short last page and its strict body,
 * minimum_modified_date, X-PW-TOTAL, custom dates as mm/dd/yyyy, 422 per
 * refused person, PUT changing only what it is sent, the rolling rate
 * limit without headers, and the described mock's own generate and
 * save/load.
 *
 * Paths: /concord/mock-copper/<case>.
 */

#define G_LOG_DOMAIN "concord-test-mock-copper"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "concord-mock-described-apps.h"
#include "concord-test-utils.h"

#define TOKEN "mock-copper-token-5a2e"
#define OWNER "owner@example.com"

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

/* One request with Copper's three headers (NULL: left out). */
static Answer *
ask_with (ConcordMockDescribed *mock,
          const char           *method,
          const char           *path,
          const char           *token,
          const char           *application,
          const char           *email,
          const char           *json)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *uri = g_strconcat (concord_mock_described_get_base_url (mock), path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  Answer *answer = g_new0 (Answer, 1);

  if (token != NULL)
    soup_message_headers_replace (headers, "X-PW-AccessToken", token);
  if (application != NULL)
    soup_message_headers_replace (headers, "X-PW-Application", application);
  if (email != NULL)
    soup_message_headers_replace (headers, "X-PW-UserEmail", email);
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

static Answer *
ask (ConcordMockDescribed *mock,
     const char           *method,
     const char           *path,
     const char           *json)
{
  return ask_with (mock, method, path, TOKEN, "developer_api", OWNER, json);
}

static JsonObject *
object_of (Answer *answer)
{
  g_assert_nonnull (answer->root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (answer->root));
  return json_node_get_object (answer->root);
}

static JsonArray *
array_of (Answer *answer)
{
  g_assert_nonnull (answer->root);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (answer->root));
  return json_node_get_array (answer->root);
}

static ConcordMockDescribed *
new_mock (void)
{
  g_autoptr(GError) error = NULL;
  ConcordMockDescribed *mock = concord_mock_described_new ("copper", &concord_mock_copper_quirks,
                                                           TOKEN, 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (mock);
  return mock;
}

/* Copper's 401 body: {"success": false, "status": 401, "message": …}. */
static void
assert_refused (Answer *answer)
{
  JsonObject *object;

  g_assert_cmpuint (answer->status, ==, 401);
  object = object_of (answer);
  g_assert_false (json_object_get_boolean_member (object, "success"));
  g_assert_cmpint (json_object_get_int_member (object, "status"), ==, 401);
  g_assert_nonnull (json_object_get_string_member (object, "message"));
}

/* All three X-PW headers, each checked; the base path is part of the API. */
static void
test_auth (void)
{
  g_autoptr(ConcordMockDescribed) mock = new_mock ();
  g_autoptr(Answer) ok = ask (mock, "GET", "/account", NULL);
  g_autoptr(Answer) no_token = ask_with (mock, "GET", "/account", NULL, "developer_api", OWNER, NULL);
  g_autoptr(Answer) wrong = ask_with (mock, "GET", "/account", "nope", "developer_api", OWNER, NULL);
  g_autoptr(Answer) no_app = ask_with (mock, "GET", "/account", TOKEN, NULL, OWNER, NULL);
  g_autoptr(Answer) other_app = ask_with (mock, "GET", "/account", TOKEN, "api", OWNER, NULL);
  g_autoptr(Answer) no_email = ask_with (mock, "GET", "/account", TOKEN, "developer_api", NULL,
                                         NULL);
  g_autoptr(Answer) bad_email = ask_with (mock, "GET", "/account", TOKEN, "developer_api",
                                          "owner", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *outside = g_strconcat (
    concord_mock_server_get_origin (concord_mock_described_get_server (mock)), "/account", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", outside);
  g_autoptr(GBytes) bytes = NULL;

  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_true (json_object_has_member (object_of (ok), "id"));
  g_assert_true (g_str_has_suffix (concord_mock_described_get_base_url (mock),
                                   "/developer_api/v1"));
  assert_refused (no_token);
  assert_refused (wrong);
  assert_refused (no_app);
  assert_refused (other_app);
  assert_refused (no_email);
  assert_refused (bad_email);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-PW-AccessToken", TOKEN);
  bytes = soup_session_send_and_read (session, msg, NULL, NULL);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 404);
}

/* Pages of page_size until a short one; X-PW-TOTAL; page_size 1–200 (400
 * beyond); the search body is checked. */
static void
test_search_paging (void)
{
  g_autoptr(ConcordMockDescribed) mock = new_mock ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr(Answer) too_big = NULL;
  g_autoptr(Answer) unknown = NULL;
  g_autoptr(Answer) bad_sort = NULL;
  g_autoptr(Answer) text_size = NULL;
  g_autoptr(Answer) default_size = NULL;
  guint sizes[] = { 20, 20, 5 };

  concord_mock_described_generate (mock, 45, 7);
  for (guint page = 1; page <= 3; page++)
    {
      g_autofree char *body = g_strdup_printf ("{\"page_size\": 20, \"page_number\": %u, "
                                               "\"sort_by\": \"date_modified\", "
                                               "\"sort_direction\": \"asc\"}", page);
      g_autoptr(Answer) answer = ask (mock, "POST", "/people/search", body);
      JsonArray *people = array_of (answer);

      g_assert_cmpuint (answer->status, ==, 200);
      g_assert_cmpuint (json_array_get_length (people), ==, sizes[page - 1]);
      g_assert_cmpstr (soup_message_headers_get_one (answer->headers, "X-PW-TOTAL"), ==, "45");
      for (guint i = 0; i < json_array_get_length (people); i++)
        g_assert_true (g_hash_table_add (seen, GINT_TO_POINTER (json_object_get_int_member (
          json_array_get_object_element (people, i), "id"))));
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 45);

  default_size = ask (mock, "POST", "/people/search", "{}");
  g_assert_cmpuint (json_array_get_length (array_of (default_size)), ==, 20);
  too_big = ask (mock, "POST", "/people/search", "{\"page_size\": 201}");
  g_assert_cmpuint (too_big->status, ==, 400);
  g_assert_false (json_object_get_boolean_member (object_of (too_big), "success"));
  unknown = ask (mock, "POST", "/people/search", "{\"pagesize\": 20}");
  g_assert_cmpuint (unknown->status, ==, 400);
  bad_sort = ask (mock, "POST", "/people/search", "{\"sort_by\": \"modified\"}");
  g_assert_cmpuint (bad_sort->status, ==, 400);
  text_size = ask (mock, "POST", "/people/search", "{\"page_size\": \"20\"}");
  g_assert_cmpuint (text_size->status, ==, 400);
}

/* minimum_modified_date (Unix seconds) keeps people changed at or after
 * it; sorted by date_modified, a changed person comes last. */
static void
test_incremental (void)
{
  g_autoptr(ConcordMockDescribed) mock = new_mock ();
  g_autoptr(GError) error = NULL;
  g_autoptr(Answer) changed = NULL;
  g_autoptr(Answer) since = NULL;
  g_autoptr(Answer) sorted = NULL;
  gint64 old_id, new_id;
  JsonArray *people;

  old_id = concord_mock_described_put_record_json (
    mock, "{\"first_name\": \"Old\", \"emails\": [{\"email\": \"old@example.com\", "
          "\"category\": \"work\"}], \"date_modified\": 1000000000}", &error);
  g_assert_no_error (error);
  new_id = concord_mock_described_put_record_json (
    mock, "{\"first_name\": \"New\", \"emails\": [{\"email\": \"new@example.com\", "
          "\"category\": \"work\"}], \"date_modified\": 1600000000}", &error);
  g_assert_no_error (error);

  since = ask (mock, "POST", "/people/search", "{\"minimum_modified_date\": 1500000000}");
  people = array_of (since);
  g_assert_cmpuint (json_array_get_length (people), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (people, 0), "id"),
                   ==, new_id);

  {
    g_autofree char *path = g_strdup_printf ("/people/%" G_GINT64_FORMAT, old_id);

    changed = ask (mock, "PUT", path, "{\"title\": \"CEO\"}");
    g_assert_cmpuint (changed->status, ==, 200);
  }
  sorted = ask (mock, "POST", "/people/search",
                "{\"sort_by\": \"date_modified\", \"sort_direction\": \"asc\"}");
  people = array_of (sorted);
  g_assert_cmpuint (json_array_get_length (people), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (people, 1), "id"),
                   ==, old_id);
}

/* Writes: 422 with Copper's body for a refused person, custom dates as
 * mm/dd/yyyy, dropdowns by option id, PUT changes only what it is sent. */
static void
test_writes (void)
{
  g_autoptr(ConcordMockDescribed) mock = new_mock ();
  g_autoptr(Answer) created = NULL;
  g_autoptr(Answer) bad_email = NULL;
  g_autoptr(Answer) iso_date = NULL;
  g_autoptr(Answer) no_name = NULL;
  g_autoptr(Answer) bad_option = NULL;
  g_autoptr(Answer) unknown_field = NULL;
  g_autoptr(Answer) updated = NULL;
  g_autofree char *path = NULL;
  JsonObject *person;
  JsonArray *custom;

  created = ask (mock, "POST", "/people",
                 "{\"first_name\": \"Ann\", \"last_name\": \"Okafor\", \"emails\": [{\"email\": "
                 "\"ann@example.com\", \"category\": \"work\"}], \"custom_fields\": ["
                 "{\"custom_field_definition_id\": 100203, \"value\": \"12/31/2027\"},"
                 "{\"custom_field_definition_id\": 100202, \"value\": 7002}]}");
  g_assert_cmpuint (created->status, ==, 200);
  person = object_of (created);
  g_assert_cmpstr (json_object_get_string_member (person, "name"), ==, "Ann Okafor");
  g_assert_true (JSON_NODE_HOLDS_VALUE (json_object_get_member (person, "date_modified")));
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (person, "date_modified")),
                   ==, G_TYPE_INT64);

  bad_email = ask (mock, "POST", "/people", "{\"name\": \"Bad\", \"emails\": [{\"email\": "
                                            "\"bad-at-example.com\", \"category\": \"work\"}]}");
  g_assert_cmpuint (bad_email->status, ==, 422);
  g_assert_cmpint (json_object_get_int_member (object_of (bad_email), "status"), ==, 422);
  g_assert_false (json_object_get_boolean_member (object_of (bad_email), "success"));
  iso_date = ask (mock, "POST", "/people", "{\"name\": \"Iso\", \"custom_fields\": ["
                                           "{\"custom_field_definition_id\": 100203, "
                                           "\"value\": \"2027-12-31\"}]}");
  g_assert_cmpuint (iso_date->status, ==, 422);
  g_assert_nonnull (strstr (json_object_get_string_member (object_of (iso_date), "message"),
                            "mm/dd/yyyy"));
  no_name = ask (mock, "POST", "/people", "{\"emails\": [{\"email\": \"x@example.com\", "
                                          "\"category\": \"work\"}]}");
  g_assert_cmpuint (no_name->status, ==, 422);
  bad_option = ask (mock, "POST", "/people", "{\"name\": \"Opt\", \"custom_fields\": ["
                                             "{\"custom_field_definition_id\": 100202, "
                                             "\"value\": 1}]}");
  g_assert_cmpuint (bad_option->status, ==, 422);
  unknown_field = ask (mock, "POST", "/people", "{\"name\": \"Unk\", \"custom_fields\": ["
                                                "{\"custom_field_definition_id\": 1, "
                                                "\"value\": \"x\"}]}");
  g_assert_cmpuint (unknown_field->status, ==, 422);
  g_assert_cmpuint (concord_mock_described_get_n_records (mock), ==, 1);

  path = g_strdup_printf ("/people/%" G_GINT64_FORMAT,
                          json_object_get_int_member (person, "id"));
  updated = ask (mock, "PUT", path, "{\"title\": \"CTO\", \"custom_fields\": ["
                                    "{\"custom_field_definition_id\": 100201, "
                                    "\"value\": \"Lisbon\"}]}");
  g_assert_cmpuint (updated->status, ==, 200);
  person = object_of (updated);
  g_assert_cmpstr (json_object_get_string_member (person, "title"), ==, "CTO");
  g_assert_cmpstr (json_object_get_string_member (person, "first_name"), ==, "Ann");
  custom = json_object_get_array_member (person, "custom_fields");
  g_assert_cmpuint (json_array_get_length (custom), ==, 3);
}

/* 180 a minute, rolling: beyond it 429, and Copper sends no rate header. */
static void
test_rate_limit (void)
{
  g_autoptr(ConcordMockDescribed) mock = new_mock ();
  g_autoptr(Answer) over = NULL;

  concord_mock_described_set_rate_limit (mock, 5, 60);
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(Answer) ok = ask (mock, "GET", "/account", NULL);

      g_assert_cmpuint (ok->status, ==, 200);
    }
  over = ask (mock, "GET", "/account", NULL);
  g_assert_cmpuint (over->status, ==, 429);
  g_assert_null (soup_message_headers_get_one (over->headers, "Retry-After"));
  g_assert_null (soup_message_headers_get_one (over->headers, "X-RateLimit-Remaining"));
  g_assert_false (json_object_get_boolean_member (object_of (over), "success"));
}

/* The same people for the same seed; a saved account loads back whole. */
static void
test_generate_and_save (void)
{
  g_autoptr(ConcordMockDescribed) one = new_mock ();
  g_autoptr(ConcordMockDescribed) two = new_mock ();
  g_autoptr(ConcordMockDescribed) loaded = new_mock ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("concord-mock-copper-XXXXXX", &error);
  g_autofree char *file = g_build_filename (dir, "copper.json", NULL);
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  g_autoptr(Answer) fields = NULL;

  g_assert_no_error (error);
  concord_mock_described_generate (one, 30, 5);
  concord_mock_described_generate (two, 30, 5);
  g_assert_cmpuint (concord_mock_described_get_n_records (one), ==, 30);
  a = concord_mock_described_get_record_json (one, 17);
  b = concord_mock_described_get_record_json (two, 17);
  g_assert_nonnull (strstr (a, "person00016.5@example.com"));
  /* Times differ between two runs; everything else is the same. */
  g_assert_cmpuint (strlen (a), ==, strlen (b));
  g_assert_cmpint (concord_mock_described_find_email (one, "PERSON00016.5@example.com"), ==, 17);

  concord_mock_described_set_save_path (one, file);
  g_assert_true (concord_mock_described_load_file (loaded, file, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (concord_mock_described_get_n_records (loaded), ==, 30);
  c = concord_mock_described_get_record_json (loaded, 17);
  g_assert_cmpstr (a, ==, c);
  fields = ask (loaded, "GET", "/custom_field_definitions", NULL);
  g_assert_cmpuint (json_array_get_length (array_of (fields)), ==, 4);

  g_assert_false (concord_mock_described_load_file (loaded, dir, &error));
  g_assert_nonnull (error);
  g_unlink (file);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  /* The isolated test dirs hold no schemas for GNOME's proxy resolver. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/mock-copper/auth", test_auth);
  g_test_add_func ("/concord/mock-copper/search-paging", test_search_paging);
  g_test_add_func ("/concord/mock-copper/incremental", test_incremental);
  g_test_add_func ("/concord/mock-copper/writes", test_writes);
  g_test_add_func ("/concord/mock-copper/rate-limit", test_rate_limit);
  g_test_add_func ("/concord/mock-copper/generate-and-save", test_generate_and_save);

  return g_test_run ();
}
