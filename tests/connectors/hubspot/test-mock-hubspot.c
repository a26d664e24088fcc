/* test-mock-hubspot.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The simulated HubSpot keeps HubSpot's rules, asked directly (no
 * connector): bearer auth and INVALID_AUTHENTICATION, after-paging and
 * its limit, the search filters, sort and 10,000-result cap, batch caps
 * and 207 partial batches, 409 with the existing id, addresses kept in
 * lower case, validation per value, the properties endpoint, archived listing, the ten-secondly
 * headers with the TEN_SECONDLY_ROLLING 429, save and load, and the same
 * generated account for the same seed.
 *
 * Paths: /concord/mock-hubspot/<case>.
 */

#define G_LOG_DOMAIN "concord-test-mock-hubspot"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "concord-mock-hubspot.h"
#include "concord-test-utils.h"

#define TOKEN "mock-hs-token-5d2a"

typedef struct
{
  guint               status;
  JsonNode           *root;     /* (owned) (nullable) */
  char               *body;     /* (owned) */
  SoupMessageHeaders *headers;  /* (owned) */
} Answer;

static void
answer_free (Answer *answer)
{
  g_clear_pointer (&answer->root, json_node_unref);
  g_free (answer->body);
  g_clear_pointer (&answer->headers, soup_message_headers_unref);
  g_free (answer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Answer, answer_free)

/* One request, synchronously, on a session of its own. */
static Answer *
ask (ConcordMockHubspot *mock,
     const char         *method,
     const char         *path,
     const char         *token,
     const char         *json)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *uri = g_strconcat (concord_mock_hubspot_get_base_url (mock), path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  Answer *answer = g_new0 (Answer, 1);

  if (token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    bearer);
    }
  if (json != NULL)
    {
      g_autoptr(GBytes) request = g_bytes_new (json, strlen (json));

      soup_message_set_request_body_from_bytes (msg, "application/json", request);
    }
  bytes = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  answer->status = soup_message_get_status (msg);
  answer->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  answer->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (answer->body == NULL)
    answer->body = g_strdup ("");
  if (*answer->body != '\0' && json_parser_load_from_data (parser, answer->body, -1, NULL))
    answer->root = json_node_ref (json_parser_get_root (parser));
  return answer;
}

static JsonObject *
root_object (Answer *answer)
{
  g_assert_nonnull (answer->root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (answer->root));
  return json_node_get_object (answer->root);
}

static guint
n_results (Answer *answer)
{
  return json_array_get_length (json_object_get_array_member (root_object (answer), "results"));
}

static ConcordMockHubspot *
new_mock (void)
{
  g_autoptr(GError) error = NULL;
  ConcordMockHubspot *mock = concord_mock_hubspot_new (TOKEN, 0, &error);

  g_assert_no_error (error);
  return mock;
}

/* ------------------------------------------------------------------------- */

static void
test_auth (void)
{
  g_autoptr(ConcordMockHubspot) mock = new_mock ();
  g_autoptr(Answer) none = ask (mock, "GET", "/crm/v3/objects/contacts", NULL, NULL);
  g_autoptr(Answer) wrong = ask (mock, "GET", "/crm/v3/objects/contacts", "other", NULL);
  g_autoptr(Answer) right = ask (mock, "GET", "/crm/v3/objects/contacts", TOKEN, NULL);

  g_assert_cmpuint (none->status, ==, 401);
  g_assert_cmpuint (wrong->status, ==, 401);
  g_assert_cmpstr (json_object_get_string_member (root_object (wrong), "category"), ==,
                   "INVALID_AUTHENTICATION");
  g_assert_cmpuint (right->status, ==, 200);
}

/* limit ≤ 100 (default 10), after, paging.next absent at the end, the
 * default properties and null for one named without a value. */
static void
test_paging (void)
{
  g_autoptr(ConcordMockHubspot) mock = new_mock ();
  g_autoptr(Answer) too_big = NULL;
  g_autoptr(Answer) first = NULL;
  g_autoptr(Answer) named = NULL;
  g_autofree char *path = NULL;
  JsonObject *properties;
  guint seen = 0;
  const char *after = NULL;

  concord_mock_hubspot_generate (mock, 25, 4);
  too_big = ask (mock, "GET", "/crm/v3/objects/contacts?limit=101", TOKEN, NULL);
  g_assert_cmpuint (too_big->status, ==, 400);

  first = ask (mock, "GET", "/crm/v3/objects/contacts", TOKEN, NULL);
  g_assert_cmpuint (n_results (first), ==, 10);
  properties = json_object_get_object_member (
    json_array_get_object_element (json_object_get_array_member (root_object (first), "results"),
                                   0), "properties");
  g_assert_true (json_object_has_member (properties, "email"));
  g_assert_false (json_object_has_member (properties, "company"));

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(Answer) page = NULL;
      JsonObject *paging;

      g_free (path);
      path = g_strdup_printf ("/crm/v3/objects/contacts?limit=10%s%s", after ? "&after=" : "",
                              after ? after : "");
      page = ask (mock, "GET", path, TOKEN, NULL);
      g_assert_cmpuint (page->status, ==, 200);
      seen += n_results (page);
      paging = json_object_has_member (root_object (page), "paging")
               ? json_object_get_object_member (root_object (page), "paging") : NULL;
      if (paging == NULL)
        break;
      after = g_intern_string (json_object_get_string_member (
                                 json_object_get_object_member (paging, "next"), "after"));
    }
  g_assert_cmpuint (seen, ==, 25);

  named = ask (mock, "GET", "/crm/v3/objects/contacts?limit=1&properties=phone,nosuch", TOKEN,
               NULL);
  properties = json_object_get_object_member (
    json_array_get_object_element (json_object_get_array_member (root_object (named), "results"),
                                   0), "properties");
  g_assert_true (json_object_has_member (properties, "phone"));
  g_assert_true (json_object_get_null_member (properties, "phone"));
  g_assert_false (json_object_has_member (properties, "nosuch"));
}

/* Search: GTE on lastmodifieddate, ascending, limit ≤ 200, total; past
 * 10,000 results a 400; archived contacts never. */
static void
test_search (void)
{
  g_autoptr(ConcordMockHubspot) mock = new_mock ();
  g_autoptr(Answer) found = NULL;
  g_autoptr(Answer) past = NULL;
  g_autoptr(Answer) big = NULL;
  g_autoptr(Answer) sorts = NULL;
  g_autofree char *body = NULL;
  guint64 archived;

  concord_mock_hubspot_put_contact_json (mock, "{\"email\": \"a@example.com\", "
                                         "\"lastmodifieddate\": \"1000\"}", NULL);
  concord_mock_hubspot_put_contact_json (mock, "{\"email\": \"c@example.com\", "
                                         "\"lastmodifieddate\": \"3000\"}", NULL);
  concord_mock_hubspot_put_contact_json (mock, "{\"email\": \"b@example.com\", "
                                         "\"lastmodifieddate\": \"2000\"}", NULL);
  archived = concord_mock_hubspot_put_contact_json (mock, "{\"email\": \"d@example.com\", "
                                                    "\"lastmodifieddate\": \"2500\"}", NULL);
  concord_mock_hubspot_archive (mock, archived);

  body = g_strdup ("{\"filterGroups\": [{\"filters\": [{\"propertyName\": \"lastmodifieddate\", "
                   "\"operator\": \"GTE\", \"value\": \"2000\"}]}], \"sorts\": [{\"propertyName\": "
                   "\"lastmodifieddate\", \"direction\": \"ASCENDING\"}], \"properties\": "
                   "[\"email\"], \"limit\": 200, \"after\": \"0\"}");
  found = ask (mock, "POST", "/crm/v3/objects/contacts/search", TOKEN, body);
  g_assert_cmpuint (found->status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (root_object (found), "total"), ==, 2);
  {
    JsonArray *results = json_object_get_array_member (root_object (found), "results");

    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                       json_array_get_object_element (results, 0), "properties"), "email"), ==,
                     "b@example.com");
  }

  past = ask (mock, "POST", "/crm/v3/objects/contacts/search", TOKEN,
              "{\"limit\": 100, \"after\": \"9950\"}");
  g_assert_cmpuint (past->status, ==, 400);
  big = ask (mock, "POST", "/crm/v3/objects/contacts/search", TOKEN, "{\"limit\": 201}");
  g_assert_cmpuint (big->status, ==, 400);
  sorts = ask (mock, "POST", "/crm/v3/objects/contacts/search", TOKEN,
               "{\"sorts\": [{\"propertyName\": \"email\"}, {\"propertyName\": \"firstname\"}]}");
  g_assert_cmpuint (sorts->status, ==, 400);
}

/* Batches: more than 100 inputs is 400; a partial batch is 207 with an
 * error per failed input naming its objectWriteTraceId; a duplicate
 * email is 409 CONFLICT with the existing id. */
static void
test_batches (void)
{
  g_autoptr(ConcordMockHubspot) mock = new_mock ();
  g_autoptr(GString) huge = g_string_new ("{\"inputs\": [");
  g_autoptr(Answer) too_many = NULL;
  g_autoptr(Answer) partial = NULL;
  g_autoptr(Answer) conflict = NULL;
  g_autoptr(Answer) read = NULL;
  g_autofree char *read_body = NULL;
  guint64 ann;
  JsonArray *errors;

  for (guint i = 0; i < 101; i++)
    g_string_append_printf (huge, "%s{\"properties\": {}}", i > 0 ? "," : "");
  g_string_append (huge, "]}");
  too_many = ask (mock, "POST", "/crm/v3/objects/contacts/batch/create", TOKEN, huge->str);
  g_assert_cmpuint (too_many->status, ==, 400);

  partial = ask (mock, "POST", "/crm/v3/objects/contacts/batch/create", TOKEN,
                 "{\"inputs\": [{\"objectWriteTraceId\": \"0\", \"properties\": {\"email\": "
                 "\"ann@example.com\"}}, {\"objectWriteTraceId\": \"1\", \"properties\": "
                 "{\"email\": \"not an email\"}}, {\"objectWriteTraceId\": \"2\", \"properties\": "
                 "{\"tier\": \"x\"}}]}");
  g_assert_cmpuint (partial->status, ==, 207);
  g_assert_cmpuint (n_results (partial), ==, 1);
  errors = json_object_get_array_member (root_object (partial), "errors");
  g_assert_cmpuint (json_array_get_length (errors), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (
                     json_object_get_object_member (json_array_get_object_element (errors, 0),
                                                    "context"), "objectWriteTraceId"), 0), ==, "1");

  ann = concord_mock_hubspot_find_email (mock, "ANN@example.com");
  g_assert_cmpuint (ann, >, 0);
  conflict = ask (mock, "POST", "/crm/v3/objects/contacts", TOKEN,
                  "{\"properties\": {\"email\": \"Ann@Example.com\"}}");
  g_assert_cmpuint (conflict->status, ==, 409);
  {
    g_autofree char *expected = g_strdup_printf ("Contact already exists. Existing ID: %"
                                                 G_GUINT64_FORMAT, ann);

    g_assert_cmpstr (json_object_get_string_member (root_object (conflict), "message"), ==,
                     expected);
    g_assert_cmpstr (json_object_get_string_member (root_object (conflict), "category"), ==,
                     "CONFLICT");
  }

  /* An address is kept in lower case. */
  {
    g_autoptr(Answer) zed = ask (mock, "POST", "/crm/v3/objects/contacts", TOKEN,
                                 "{\"properties\": {\"email\": \"Zed@Example.COM\"}}");

    g_assert_cmpuint (zed->status, ==, 201);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                       root_object (zed), "properties"), "email"), ==, "zed@example.com");
  }

  read_body = g_strdup_printf ("{\"properties\": [\"email\"], \"inputs\": [{\"id\": \"%"
                               G_GUINT64_FORMAT "\"}, {\"id\": \"77777\"}]}", ann);
  read = ask (mock, "POST", "/crm/v3/objects/contacts/batch/read", TOKEN, read_body);
  g_assert_cmpuint (read->status, ==, 207);
  g_assert_cmpuint (n_results (read), ==, 1);
}

/* Properties: HubSpot's own with their options, the custom ones of the
 * generated account, read-only and calculated flags. */
static void
test_properties (void)
{
  g_autoptr(ConcordMockHubspot) mock = new_mock ();
  g_autoptr(Answer) answer = NULL;
  JsonArray *results;
  gboolean lifecycle = FALSE, custom = FALSE, calculated = FALSE;

  concord_mock_hubspot_generate (mock, 0, 1);
  answer = ask (mock, "GET", "/crm/v3/properties/contacts", TOKEN, NULL);
  g_assert_cmpuint (answer->status, ==, 200);
  results = json_object_get_array_member (root_object (answer), "results");
  for (guint i = 0; i < json_array_get_length (results); i++)
    {
      JsonObject *property = json_array_get_object_element (results, i);
      const char *name = json_object_get_string_member (property, "name");

      if (g_str_equal (name, "lifecyclestage"))
        lifecycle = json_array_get_length (json_object_get_array_member (property, "options")) == 8;
      if (g_str_equal (name, "tier"))
        custom = !json_object_has_member (property, "hubspotDefined");
      if (g_str_equal (name, "engagement_score"))
        calculated = json_object_get_boolean_member (property, "calculated");
    }
  g_assert_true (lifecycle);
  g_assert_true (custom);
  g_assert_true (calculated);
}

/* The ten-secondly window: headers on every answer, a 429 with its
 * policy past the limit; search is exempt, and has its own per second. */
static void
test_rate_limit (void)
{
  g_autoptr(ConcordMockHubspot) mock = new_mock ();
  g_autoptr(Answer) over = NULL;
  g_autoptr(Answer) search = NULL;

  concord_mock_hubspot_set_rate_limit (mock, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(Answer) ok = ask (mock, "GET", "/crm/v3/objects/contacts", TOKEN, NULL);
      g_autofree char *remaining = g_strdup_printf ("%u", 1 - i);

      g_assert_cmpuint (ok->status, ==, 200);
      g_assert_cmpstr (soup_message_headers_get_one (ok->headers, "X-HubSpot-RateLimit-Max"), ==,
                       "2");
      g_assert_cmpstr (soup_message_headers_get_one (ok->headers,
                                                     "X-HubSpot-RateLimit-Remaining"), ==,
                       remaining);
      g_assert_cmpstr (soup_message_headers_get_one (
                         ok->headers, "X-HubSpot-RateLimit-Interval-Milliseconds"), ==, "10000");
    }
  over = ask (mock, "GET", "/crm/v3/objects/contacts", TOKEN, NULL);
  g_assert_cmpuint (over->status, ==, 429);
  g_assert_cmpstr (json_object_get_string_member (root_object (over), "policyName"), ==,
                   "TEN_SECONDLY_ROLLING");
  search = ask (mock, "POST", "/crm/v3/objects/contacts/search", TOKEN, "{}");
  g_assert_cmpuint (search->status, ==, 200);
  g_assert_cmpuint (concord_mock_hubspot_get_n_429 (mock), ==, 1);

  /* Search's own limit, per second. */
  concord_mock_hubspot_set_search_rate_limit (mock, 1);
  {
    g_autoptr(Answer) first = ask (mock, "POST", "/crm/v3/objects/contacts/search", TOKEN, "{}");
    g_autoptr(Answer) second = ask (mock, "POST", "/crm/v3/objects/contacts/search", TOKEN, "{}");

    g_assert_cmpuint (first->status, ==, 200);
    g_assert_cmpuint (second->status, ==, 429);
    g_assert_cmpstr (json_object_get_string_member (root_object (second), "policyName"), ==,
                     "SECONDLY");
  }
}

/* Archiving: gone from the listing and the search, listed with
 * archived=true; save and load keep the account. */
static void
test_archive_save_load (void)
{
  g_autoptr(ConcordMockHubspot) mock = new_mock ();
  g_autoptr(ConcordMockHubspot) again = new_mock ();
  g_autofree char *dir = g_dir_make_tmp ("concord-mock-hs-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "hubspot.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(Answer) live = NULL;
  g_autoptr(Answer) gone = NULL;
  g_autoptr(Answer) deleted = NULL;
  guint64 id;

  concord_mock_hubspot_set_save_path (mock, path);
  concord_mock_hubspot_generate (mock, 3, 9);
  id = concord_mock_hubspot_find_email (mock, "contact00001.9@example.com");
  g_assert_cmpuint (id, >, 0);
  {
    g_autofree char *delete_path = g_strdup_printf ("/crm/v3/objects/contacts/%" G_GUINT64_FORMAT,
                                                    id);

    deleted = ask (mock, "DELETE", delete_path, TOKEN, NULL);
  }
  g_assert_cmpuint (deleted->status, ==, 204);
  live = ask (mock, "GET", "/crm/v3/objects/contacts", TOKEN, NULL);
  gone = ask (mock, "GET", "/crm/v3/objects/contacts?archived=true", TOKEN, NULL);
  g_assert_cmpuint (n_results (live), ==, 2);
  g_assert_cmpuint (n_results (gone), ==, 1);
  g_assert_true (json_object_has_member (json_array_get_object_element (
                   json_object_get_array_member (root_object (gone), "results"), 0), "archivedAt"));

  g_assert_true (concord_mock_hubspot_load_file (again, path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (concord_mock_hubspot_get_n_contacts (again), ==, 2);
  g_assert_cmpuint (concord_mock_hubspot_find_email (again, "contact00002.9@example.com"), >, 0);

  g_unlink (path);
  g_rmdir (dir);
}

/* The same seed, the same account. */
static void
test_generate (void)
{
  g_autoptr(ConcordMockHubspot) a = new_mock ();
  g_autoptr(ConcordMockHubspot) b = new_mock ();
  g_autofree char *ja = NULL;
  g_autofree char *jb = NULL;

  concord_mock_hubspot_generate (a, 20, 5);
  concord_mock_hubspot_generate (b, 20, 5);
  g_assert_cmpuint (concord_mock_hubspot_get_n_contacts (a), ==, 20);
  ja = concord_mock_hubspot_get_contact_json (a, concord_mock_hubspot_find_email (
                                                a, "contact00013.5@example.com"));
  jb = concord_mock_hubspot_get_contact_json (b, concord_mock_hubspot_find_email (
                                                b, "contact00013.5@example.com"));
  g_assert_nonnull (ja);
  /* Same values (the timestamps differ). */
  g_assert_cmpstr (strstr (ja, "\"firstname\""), !=, NULL);
  {
    g_autoptr(JsonParser) pa = json_parser_new ();
    g_autoptr(JsonParser) pb = json_parser_new ();
    JsonObject *oa, *ob;

    g_assert_true (json_parser_load_from_data (pa, ja, -1, NULL));
    g_assert_true (json_parser_load_from_data (pb, jb, -1, NULL));
    oa = json_object_get_object_member (json_node_get_object (json_parser_get_root (pa)),
                                        "properties");
    ob = json_object_get_object_member (json_node_get_object (json_parser_get_root (pb)),
                                        "properties");
    g_assert_cmpstr (json_object_get_string_member (oa, "firstname"), ==,
                     json_object_get_string_member (ob, "firstname"));
    g_assert_cmpstr (json_object_get_string_member (oa, "lastname"), ==,
                     json_object_get_string_member (ob, "lastname"));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/mock-hubspot/auth", test_auth);
  g_test_add_func ("/concord/mock-hubspot/paging", test_paging);
  g_test_add_func ("/concord/mock-hubspot/search", test_search);
  g_test_add_func ("/concord/mock-hubspot/batches", test_batches);
  g_test_add_func ("/concord/mock-hubspot/properties", test_properties);
  g_test_add_func ("/concord/mock-hubspot/rate-limit", test_rate_limit);
  g_test_add_func ("/concord/mock-hubspot/archive-save-load", test_archive_save_load);
  g_test_add_func ("/concord/mock-hubspot/generate", test_generate);

  return g_test_run ();
}
