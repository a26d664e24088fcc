/* test-mock-pipedrive.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The simulated Pipedrive keeps Pipedrive's rules, asked directly (no
 * connector): the token header and the 401 envelope, the envelope and
 * cursor paging, v2's limits and strict types, PATCH partial updates, the
 * burst headers with 429 and Cloudflare's 403, v1 persons gone, and the
 * same generated account for the same seed.
 *
 * Paths: /concord/mock-pipedrive/<case>.
 */

#define G_LOG_DOMAIN "concord-test-mock-pipedrive"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "concord-mock-pipedrive.h"
#include "concord-test-utils.h"

#define TOKEN "mock-pd-token-8c1f"

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
ask (ConcordMockPipedrive *mock,
     const char           *method,
     const char           *path,
     const char           *token,
     const char           *json)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *uri = g_strconcat (concord_mock_pipedrive_get_base_url (mock), path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  Answer *answer = g_new0 (Answer, 1);

  if (token != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "x-api-token", token);
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
  if (json_parser_load_from_data (parser, answer->body, -1, NULL))
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

static ConcordMockPipedrive *
new_mock (void)
{
  g_autoptr(GError) error = NULL;
  ConcordMockPipedrive *mock = concord_mock_pipedrive_new (TOKEN, 0, &error);

  g_assert_no_error (error);
  return mock;
}

/* The token only in its header; a refusal is the error envelope. */
static void
test_auth (void)
{
  g_autoptr(ConcordMockPipedrive) mock = new_mock ();
  g_autoptr(Answer) ok = ask (mock, "GET", "/v1/users/me", TOKEN, NULL);
  g_autoptr(Answer) wrong = ask (mock, "GET", "/v1/users/me", "nope", NULL);
  g_autofree char *query_path = g_strconcat ("/v1/users/me?api_token=", TOKEN, NULL);
  g_autoptr(Answer) query = ask (mock, "GET", query_path, NULL, NULL);
  JsonObject *object;

  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_true (json_object_get_boolean_member (root_object (ok), "success"));
  g_assert_cmpuint (wrong->status, ==, 401);
  object = root_object (wrong);
  g_assert_false (json_object_get_boolean_member (object, "success"));
  g_assert_cmpstr (json_object_get_string_member (object, "error"), ==, "unauthorized access");
  g_assert_true (json_object_has_member (object, "error_info"));
  g_assert_cmpuint (query->status, ==, 401);
}

/* Cursor paging: next_cursor until null; a limit above 500 is a 400; v1
 * persons are gone. */
static void
test_paging (void)
{
  g_autoptr(ConcordMockPipedrive) mock = new_mock ();
  g_autoptr(Answer) too_big = NULL;
  g_autoptr(Answer) v1 = NULL;
  g_autofree char *cursor = NULL;
  guint n = 0;

  concord_mock_pipedrive_generate (mock, 12, 3);
  for (guint pages = 0; pages < 10; pages++)
    {
      g_autofree char *escaped = cursor != NULL ? g_uri_escape_string (cursor, NULL, FALSE) : NULL;
      g_autofree char *path = g_strdup_printf ("/api/v2/persons?limit=5%s%s",
                                               escaped != NULL ? "&cursor=" : "",
                                               escaped != NULL ? escaped : "");
      g_autoptr(Answer) page = ask (mock, "GET", path, TOKEN, NULL);
      JsonObject *additional;

      g_assert_cmpuint (page->status, ==, 200);
      n += json_array_get_length (json_object_get_array_member (root_object (page), "data"));
      additional = json_object_get_object_member (root_object (page), "additional_data");
      g_free (cursor);
      cursor = g_strdup (json_object_get_string_member_with_default (additional, "next_cursor",
                                                                     NULL));
      if (cursor == NULL)
        break;
    }
  g_assert_cmpuint (n, ==, 12);

  too_big = ask (mock, "GET", "/api/v2/persons?limit=501", TOKEN, NULL);
  g_assert_cmpuint (too_big->status, ==, 400);
  v1 = ask (mock, "GET", "/v1/persons", TOKEN, NULL);
  g_assert_cmpuint (v1->status, ==, 410);
}

/* v2 is strict: a string id, a number as text, a 1 for a boolean or an
 * invalid email are 400s; PATCH changes only what it is sent. */
static void
test_strict_and_patch (void)
{
  g_autoptr(ConcordMockPipedrive) mock = new_mock ();
  g_autofree char *score = concord_mock_pipedrive_add_field (mock, "Score", "double", NULL);
  g_autofree char *bad_number = g_strdup_printf ("{\"name\": \"N\", \"custom_fields\": "
                                                 "{\"%s\": \"4\"}}", score);
  g_autofree char *good_number = g_strdup_printf ("{\"name\": \"Nia Kim\", \"custom_fields\": "
                                                  "{\"%s\": 4}, \"emails\": [{\"value\": "
                                                  "\"nia@example.com\", \"primary\": true}]}",
                                                  score);
  static const char *refused[] = {
    "{\"name\": \"N\", \"org_id\": \"1\"}",
    "{\"name\": \"N\", \"emails\": [{\"value\": \"a@b.co\", \"primary\": 1}]}",
    "{\"name\": \"N\", \"emails\": [{\"value\": \"not-an-email\", \"primary\": true}]}",
    "{\"name\": \"N\", \"marketing_status\": \"maybe\"}",
    "{\"emails\": []}",
    "{\"name\": \"N\", \"unknown\": 1}",
  };
  g_autoptr(Answer) number = NULL;
  g_autoptr(Answer) created = NULL;
  g_autoptr(Answer) patched = NULL;
  g_autofree char *path = NULL;
  JsonObject *person;

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(Answer) answer = ask (mock, "POST", "/api/v2/persons", TOKEN, refused[i]);

      g_assert_cmpuint (answer->status, ==, 400);
      g_assert_false (json_object_get_boolean_member (root_object (answer), "success"));
    }
  number = ask (mock, "POST", "/api/v2/persons", TOKEN, bad_number);
  g_assert_cmpuint (number->status, ==, 400);
  g_assert_cmpuint (concord_mock_pipedrive_get_n_persons (mock), ==, 0);

  created = ask (mock, "POST", "/api/v2/persons", TOKEN, good_number);
  g_assert_cmpuint (created->status, ==, 200);
  person = json_object_get_object_member (root_object (created), "data");
  g_assert_cmpstr (json_object_get_string_member (person, "first_name"), ==, "Nia");
  g_assert_cmpstr (json_object_get_string_member (person, "last_name"), ==, "Kim");

  path = g_strdup_printf ("/api/v2/persons/%" G_GINT64_FORMAT,
                          json_object_get_int_member (person, "id"));
  patched = ask (mock, "PATCH", path, TOKEN, "{\"marketing_status\": \"subscribed\"}");
  g_assert_cmpuint (patched->status, ==, 200);
  person = json_object_get_object_member (root_object (patched), "data");
  g_assert_cmpstr (json_object_get_string_member (person, "name"), ==, "Nia Kim");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (person, "emails")), ==, 1);
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (person,
                                                                                   "custom_fields"),
                                                    score), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (person, "marketing_status"), ==, "subscribed");
}

/* The burst window: headers on every answer, 429 with Retry-After beyond
 * the limit, and after a storm of 429s Cloudflare's 403 HTML page (then
 * every request is blocked). Requests are asked until each kind came,
 * whatever the machine's speed. */
static void
test_burst (void)
{
  g_autoptr(ConcordMockPipedrive) mock = new_mock ();
  guint n_ok = 0, n_429 = 0, n_403 = 0;

  concord_mock_pipedrive_set_burst_limit (mock, 3, 2);
  for (guint i = 0; i < 1000 && n_403 < 2; i++)
    {
      g_autoptr(Answer) answer = ask (mock, "GET", "/v1/users/me", TOKEN, NULL);

      if (answer->status == 200)
        {
          g_assert_cmpuint (n_403, ==, 0);
          n_ok++;
          g_assert_nonnull (soup_message_headers_get_one (answer->headers, "x-ratelimit-limit"));
          g_assert_nonnull (soup_message_headers_get_one (answer->headers, "x-ratelimit-remaining"));
          g_assert_nonnull (soup_message_headers_get_one (answer->headers, "x-ratelimit-reset"));
        }
      else if (answer->status == 429)
        {
          g_assert_cmpuint (n_403, ==, 0);
          n_429++;
          g_assert_cmpstr (soup_message_headers_get_one (answer->headers, "x-ratelimit-remaining"),
                           ==, "0");
          g_assert_nonnull (soup_message_headers_get_one (answer->headers, "Retry-After"));
          g_assert_false (json_object_get_boolean_member (root_object (answer), "success"));
        }
      else
        {
          g_assert_cmpuint (answer->status, ==, 403);
          g_assert_nonnull (strstr (answer->body, "Cloudflare"));
          g_assert_null (answer->root);
          n_403++;
        }
    }
  g_assert_cmpuint (n_ok, >=, 3);
  g_assert_cmpuint (n_429, >=, 2);
  g_assert_cmpuint (n_403, ==, 2);
}

/* The same seed, the same account. */
static void
test_generate (void)
{
  g_autoptr(ConcordMockPipedrive) a = new_mock ();
  g_autoptr(ConcordMockPipedrive) b = new_mock ();
  g_autoptr(Answer) first = NULL;
  g_autoptr(Answer) second = NULL;
  JsonArray *persons_a, *persons_b;

  concord_mock_pipedrive_generate (a, 10, 42);
  concord_mock_pipedrive_generate (b, 10, 42);
  g_assert_cmpuint (concord_mock_pipedrive_get_n_persons (a), ==, 10);
  first = ask (a, "GET", "/api/v2/persons?limit=10", TOKEN, NULL);
  second = ask (b, "GET", "/api/v2/persons?limit=10", TOKEN, NULL);
  persons_a = json_object_get_array_member (root_object (first), "data");
  persons_b = json_object_get_array_member (root_object (second), "data");
  for (guint i = 0; i < 10; i++)
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (persons_a, i),
                                                    "name"), ==,
                     json_object_get_string_member (json_array_get_object_element (persons_b, i),
                                                    "name"));
  g_assert_cmpstr (concord_mock_pipedrive_info.id, ==, "pipedrive");
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/mock-pipedrive/auth", test_auth);
  g_test_add_func ("/concord/mock-pipedrive/paging", test_paging);
  g_test_add_func ("/concord/mock-pipedrive/strict-and-patch", test_strict_and_patch);
  g_test_add_func ("/concord/mock-pipedrive/burst", test_burst);
  g_test_add_func ("/concord/mock-pipedrive/generate", test_generate);

  return g_test_run ();
}
