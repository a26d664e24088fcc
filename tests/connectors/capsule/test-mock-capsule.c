/* test-mock-capsule.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The simulated Capsule CRM keeps Capsule's rules, asked directly (no
 * connector): a bearer token and the 401 body, the /api/v2 base path,
 * Link-header paging (perPage ≤ 100), since, persons among parties (an
 * organisation is no contact), fields and tags only when embedded, wrapped writes with 201 and 422
 * {message, errors[]}, custom fields by definition id, and the
 * X-RateLimit headers with a 429 that says Retry-After.
 *
 * Paths: /concord/mock-capsule/<case>.
 */

#define G_LOG_DOMAIN "concord-test-mock-capsule"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "concord-mock-described-apps.h"
#include "concord-test-utils.h"

#define TOKEN "mock-capsule-token-31bd"
#define BEARER "Bearer " TOKEN

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

/* One request, with @authorization as the Authorization header (NULL:
 * none). */
static Answer *
ask_as (ConcordMockDescribed *mock,
        const char           *method,
        const char           *path,
        const char           *authorization,
        const char           *json)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *uri = g_str_has_prefix (path, "http")
                         ? g_strdup (path)
                         : g_strconcat (concord_mock_described_get_base_url (mock), path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  Answer *answer = g_new0 (Answer, 1);

  if (authorization != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                  authorization);
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

static Answer *
ask (ConcordMockDescribed *mock,
     const char           *method,
     const char           *path,
     const char           *json)
{
  return ask_as (mock, method, path, BEARER, json);
}

static ConcordMockDescribed *
new_mock (void)
{
  g_autoptr(GError) error = NULL;
  ConcordMockDescribed *mock = concord_mock_described_new ("capsule", &concord_mock_capsule_quirks,
                                                           TOKEN, 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (mock);
  return mock;
}

/* The URL of a Link: <…>; rel="next" header, or NULL. */
static char *
next_link (Answer *answer)
{
  const char *link = soup_message_headers_get_one (answer->headers, "Link");
  const char *start, *end;

  if (link == NULL || strstr (link, "rel=\"next\"") == NULL)
    return NULL;
  start = strchr (link, '<');
  end = strchr (link, '>');
  g_assert_nonnull (start);
  g_assert_nonnull (end);
  return g_strndup (start + 1, end - start - 1);
}

static void
test_auth (void)
{
  g_autoptr(ConcordMockDescribed) mock = new_mock ();
  g_autoptr(Answer) ok = ask (mock, "GET", "/users/current", NULL);
  g_autoptr(Answer) none = ask_as (mock, "GET", "/users/current", NULL, NULL);
  g_autoptr(Answer) wrong = ask_as (mock, "GET", "/users/current", "Bearer nope", NULL);
  g_autoptr(Answer) basic = ask_as (mock, "GET", "/users/current", "Basic " TOKEN, NULL);

  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_true (json_object_has_member (json_object_get_object_member (object_of (ok), "user"),
                                         "id"));
  g_assert_true (g_str_has_suffix (concord_mock_described_get_base_url (mock), "/api/v2"));
  g_assert_cmpuint (none->status, ==, 401);
  g_assert_cmpuint (wrong->status, ==, 401);
  g_assert_cmpuint (basic->status, ==, 401);
  g_assert_nonnull (json_object_get_string_member (object_of (wrong), "message"));
}

/* Link paging to the end: persons only, each once; perPage above 100 is a
 * 400; since keeps parties changed since. */
static void
test_paging (void)
{
  g_autoptr(ConcordMockDescribed) mock = new_mock ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr(GError) error = NULL;
  g_autoptr(Answer) too_big = NULL;
  g_autoptr(Answer) since = NULL;
  g_autoptr(Answer) org = NULL;
  g_autofree char *url = g_strdup ("/parties?perPage=5&embed=fields");
  g_autofree char *org_path = NULL;
  guint pages = 0;
  gint64 org_id;

  org_id = concord_mock_described_put_record_json (mock, "{\"type\": \"organisation\", "
                                                         "\"name\": \"Acme Ltd\"}", &error);
  g_assert_no_error (error);
  concord_mock_described_generate (mock, 12, 9);
  concord_mock_described_put_record_json (mock, "{\"type\": \"organisation\", "
                                                "\"name\": \"Globex\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (concord_mock_described_get_n_records (mock), ==, 14);

  while (url != NULL)
    {
      g_autoptr(Answer) answer = ask (mock, "GET", url, NULL);
      JsonArray *parties;

      g_assert_cmpuint (answer->status, ==, 200);
      parties = json_object_get_array_member (object_of (answer), "parties");
      g_assert_cmpuint (json_array_get_length (parties), <=, 5);
      for (guint i = 0; i < json_array_get_length (parties); i++)
        {
          JsonObject *party = json_array_get_object_element (parties, i);

          g_assert_cmpstr (json_object_get_string_member (party, "type"), ==, "person");
          /* Embedded on request only: fields asked, tags not. */
          g_assert_true (json_object_has_member (party, "fields"));
          g_assert_false (json_object_has_member (party, "tags"));
          g_assert_true (g_hash_table_add (seen, GINT_TO_POINTER (json_object_get_int_member (
            party, "id"))));
        }
      g_free (url);
      url = next_link (answer);
      g_assert_true (url == NULL || g_str_has_prefix (url, concord_mock_described_get_base_url (mock)));
      g_assert_cmpuint (++pages, <=, 3);
    }
  g_assert_cmpuint (pages, ==, 3);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 12);

  too_big = ask (mock, "GET", "/parties?perPage=101", NULL);
  g_assert_cmpuint (too_big->status, ==, 400);
  since = ask (mock, "GET", "/parties?since=2100-01-01T00:00:00Z", NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object_of (since),
                                                                         "parties")), ==, 0);
  g_assert_null (soup_message_headers_get_one (since->headers, "Link"));
  org_path = g_strdup_printf ("/parties/%" G_GINT64_FORMAT, org_id);
  org = ask (mock, "GET", org_path, NULL);
  g_assert_cmpuint (org->status, ==, 404);
}

/* Writes wrap the party; 201; a refusal is 422 with errors[]. */
static void
test_writes (void)
{
  g_autoptr(ConcordMockDescribed) mock = new_mock ();
  g_autoptr(Answer) created = NULL;
  g_autoptr(Answer) unwrapped = NULL;
  g_autoptr(Answer) untyped = NULL;
  g_autoptr(Answer) bad_email = NULL;
  g_autoptr(Answer) bad_option = NULL;
  g_autoptr(Answer) updated = NULL;
  g_autofree char *path = NULL;
  JsonObject *party;
  JsonObject *refusal;

  created = ask (mock, "POST", "/parties",
                 "{\"party\": {\"type\": \"person\", \"firstName\": \"Ann\", "
                 "\"emailAddresses\": [{\"address\": \"ann@example.com\", \"type\": \"Work\"}], "
                 "\"fields\": [{\"definition\": {\"id\": 502}, \"value\": \"Gold\"}]}}");
  g_assert_cmpuint (created->status, ==, 201);
  party = json_object_get_object_member (object_of (created), "party");
  g_assert_cmpint (json_object_get_int_member (party, "id"), >, 0);
  g_assert_nonnull (json_object_get_string_member (party, "updatedAt"));

  unwrapped = ask (mock, "POST", "/parties", "{\"type\": \"person\", \"firstName\": \"B\"}");
  g_assert_cmpuint (unwrapped->status, ==, 400);
  untyped = ask (mock, "POST", "/parties", "{\"party\": {\"firstName\": \"B\"}}");
  g_assert_cmpuint (untyped->status, ==, 422);
  bad_email = ask (mock, "POST", "/parties",
                   "{\"party\": {\"type\": \"person\", \"firstName\": \"C\", "
                   "\"emailAddresses\": [{\"address\": \"c-at-example.com\"}]}}");
  g_assert_cmpuint (bad_email->status, ==, 422);
  refusal = object_of (bad_email);
  g_assert_cmpstr (json_object_get_string_member (refusal, "message"), ==, "validation failed");
  g_assert_nonnull (json_object_get_string_member (
    json_array_get_object_element (json_object_get_array_member (refusal, "errors"), 0),
    "message"));
  bad_option = ask (mock, "POST", "/parties",
                    "{\"party\": {\"type\": \"person\", \"firstName\": \"D\", "
                    "\"fields\": [{\"definition\": {\"id\": 502}, \"value\": \"Platinum\"}]}}");
  g_assert_cmpuint (bad_option->status, ==, 422);

  path = g_strdup_printf ("/parties/%" G_GINT64_FORMAT, json_object_get_int_member (party, "id"));
  updated = ask (mock, "PUT", path, "{\"party\": {\"jobTitle\": \"CEO\"}}");
  g_assert_cmpuint (updated->status, ==, 200);
  party = json_object_get_object_member (object_of (updated), "party");
  g_assert_cmpstr (json_object_get_string_member (party, "jobTitle"), ==, "CEO");
  g_assert_cmpstr (json_object_get_string_member (party, "firstName"), ==, "Ann");
  g_assert_cmpuint (concord_mock_described_get_n_records (mock), ==, 1);
}

/* X-RateLimit-Limit/-Remaining/-Reset on every answer (Reset a Unix
 * time); beyond the limit 429 with Retry-After. */
static void
test_rate_limit (void)
{
  g_autoptr(ConcordMockDescribed) mock = new_mock ();
  g_autoptr(Answer) first = NULL;
  g_autoptr(Answer) second = NULL;
  g_autoptr(Answer) over = NULL;
  gint64 reset;

  concord_mock_described_set_rate_limit (mock, 2, 3600);
  first = ask (mock, "GET", "/users/current", NULL);
  second = ask (mock, "GET", "/users/current", NULL);
  over = ask (mock, "GET", "/users/current", NULL);
  g_assert_cmpstr (soup_message_headers_get_one (first->headers, "X-RateLimit-Limit"), ==, "2");
  g_assert_cmpstr (soup_message_headers_get_one (first->headers, "X-RateLimit-Remaining"), ==, "1");
  g_assert_cmpstr (soup_message_headers_get_one (second->headers, "X-RateLimit-Remaining"), ==, "0");
  reset = g_ascii_strtoll (soup_message_headers_get_one (first->headers, "X-RateLimit-Reset"),
                           NULL, 10);
  g_assert_cmpint (reset, >, g_get_real_time () / G_USEC_PER_SEC);
  g_assert_cmpuint (over->status, ==, 429);
  g_assert_nonnull (soup_message_headers_get_one (over->headers, "Retry-After"));
  g_assert_cmpint (g_ascii_strtoll (soup_message_headers_get_one (over->headers, "Retry-After"),
                                    NULL, 10), >=, 1);
}

/* Nested items: a PUT adds those without an id, updates those with one,
 * deletes those with _delete; it never replaces the list. */
static void
test_nested_items (void)
{
  g_autoptr(ConcordMockDescribed) mock = new_mock ();
  g_autoptr(Answer) created = NULL;
  g_autoptr(Answer) added = NULL;
  g_autoptr(Answer) replaced = NULL;
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;
  JsonArray *emails;
  gint64 first_id;

  created = ask (mock, "POST", "/parties",
                 "{\"party\": {\"type\": \"person\", \"firstName\": \"Ann\", "
                 "\"emailAddresses\": [{\"address\": \"ann@example.com\", \"type\": \"Work\"}]}}");
  g_assert_cmpuint (created->status, ==, 201);
  emails = json_object_get_array_member (json_object_get_object_member (object_of (created),
                                                                        "party"),
                                         "emailAddresses");
  first_id = json_object_get_int_member (json_array_get_object_element (emails, 0), "id");
  g_assert_cmpint (first_id, >, 0);
  path = g_strdup_printf ("/parties/%" G_GINT64_FORMAT,
                          json_object_get_int_member (json_object_get_object_member (
                            object_of (created), "party"), "id"));

  added = ask (mock, "PUT", path, "{\"party\": {\"emailAddresses\": [{\"address\": "
                                  "\"ann@new.example\", \"type\": \"Work\"}]}}");
  g_assert_cmpuint (added->status, ==, 200);
  emails = json_object_get_array_member (json_object_get_object_member (object_of (added), "party"),
                                         "emailAddresses");
  g_assert_cmpuint (json_array_get_length (emails), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (emails, 0),
                                                  "address"), ==, "ann@example.com");

  body = g_strdup_printf ("{\"party\": {\"emailAddresses\": [{\"id\": %" G_GINT64_FORMAT
                          ", \"_delete\": true}]}}", first_id);
  replaced = ask (mock, "PUT", path, body);
  g_assert_cmpuint (replaced->status, ==, 200);
  emails = json_object_get_array_member (json_object_get_object_member (object_of (replaced),
                                                                        "party"),
                                         "emailAddresses");
  g_assert_cmpuint (json_array_get_length (emails), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (emails, 0),
                                                  "address"), ==, "ann@new.example");
}

/* As concord-mock serves it: organisations among the parties, none of
 * them listed as a contact; generate() adds persons. */
static void
test_info (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) object = concord_mock_capsule_info.create (TOKEN, 0, &error);
  ConcordMockDescribed *mock = CONCORD_MOCK_DESCRIBED (object);
  g_autoptr(Answer) before = NULL;
  g_autoptr(Answer) after = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (concord_mock_described_get_n_records (mock), ==, 2);
  before = ask (mock, "GET", "/parties", NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object_of (before),
                                                                         "parties")), ==, 0);
  concord_mock_capsule_info.generate (object, 3, 1);
  after = ask (mock, "GET", "/parties", NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object_of (after),
                                                                         "parties")), ==, 3);
  g_assert_cmpstr (concord_mock_capsule_info.get_base_url (object), ==,
                   concord_mock_described_get_base_url (mock));
}

int
main (int   argc,
      char *argv[])
{
  /* The isolated test dirs hold no schemas for GNOME's proxy resolver. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/mock-capsule/auth", test_auth);
  g_test_add_func ("/concord/mock-capsule/paging", test_paging);
  g_test_add_func ("/concord/mock-capsule/writes", test_writes);
  g_test_add_func ("/concord/mock-capsule/rate-limit", test_rate_limit);
  g_test_add_func ("/concord/mock-capsule/nested-items", test_nested_items);
  g_test_add_func ("/concord/mock-capsule/info", test_info);

  return g_test_run ();
}
