/* test-mock-mailchimp.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The simulated Mailchimp's own rules, through plain HTTP: the key in
 * Basic (any user) and the data centre of a host, problem+json errors,
 * count ≤ 1000, subscriber-hash paths, PUT's status_if_new, compliance
 * state, Member Exists, the batch's limits and errors[], more than 10
 * connections at once, and a saved account loaded back.
 *
 * Paths: /concord/mock-mailchimp/<case>.
 */

#define G_LOG_DOMAIN "concord-test-mock-mailchimp"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "concord-mock-mailchimp.h"
#include "concord-test-utils.h"

#define KEY "0123456789abcdef0123456789abcdef-us6"

typedef struct
{
  guint       status;
  JsonObject *object;   /* (owned) (nullable) */
  char       *body;     /* (owned) */
  char       *type;     /* (owned) (nullable): Content-Type */
} Answer;

static void
answer_free (Answer *answer)
{
  g_clear_pointer (&answer->object, json_object_unref);
  g_free (answer->body);
  g_free (answer->type);
  g_free (answer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Answer, answer_free)

static char *
hash_of (const char *email)
{
  g_autofree char *lower = g_ascii_strdown (email, -1);

  return g_compute_checksum_for_string (G_CHECKSUM_MD5, lower, -1);
}

/* One request, synchronously, on a session of its own; @auth is the whole
 * Authorization header, NULL for Basic with KEY. */
static Answer *
ask_full (ConcordMockMailchimp *mock,
          const char           *method,
          const char           *path,
          const char           *auth,
          const char           *host,
          const char           *json)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *uri = g_strconcat (concord_mock_mailchimp_get_base_url (mock), path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *basic = NULL;
  Answer *answer = g_new0 (Answer, 1);

  if (auth == NULL)
    {
      g_autofree char *pair = g_strdup_printf ("anystring:%s", KEY);
      g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));

      basic = g_strdup_printf ("Basic %s", encoded);
      auth = basic;
    }
  if (*auth != '\0')
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  if (host != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Host", host);
  if (json != NULL)
    {
      g_autoptr(GBytes) request = g_bytes_new (json, strlen (json));

      soup_message_set_request_body_from_bytes (msg, "application/json", request);
    }
  bytes = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  answer->status = soup_message_get_status (msg);
  answer->type = g_strdup (soup_message_headers_get_content_type (
                             soup_message_get_response_headers (msg), NULL));
  answer->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (json_parser_load_from_data (parser, answer->body, -1, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    answer->object = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  return answer;
}

static Answer *
ask (ConcordMockMailchimp *mock,
     const char           *method,
     const char           *path,
     const char           *json)
{
  return ask_full (mock, method, path, NULL, NULL, json);
}

static const char *
title (Answer *answer)
{
  return answer->object != NULL
         ? json_object_get_string_member_with_default (answer->object, "title", NULL) : NULL;
}

static ConcordMockMailchimp *
new_mock (char **list_id)
{
  g_autoptr(GError) error = NULL;
  ConcordMockMailchimp *mock = concord_mock_mailchimp_new (KEY, 0, &error);

  g_assert_no_error (error);
  *list_id = concord_mock_mailchimp_add_list (mock, "Test");
  g_assert_cmpstr (*list_id, ==, CONCORD_MOCK_MAILCHIMP_FIRST_LIST_ID);
  return mock;
}

/* Basic with any user and the key; Bearer; anything else 401 problem+json;
 * a data centre's host wants a key of that data centre. */
static void
test_auth (void)
{
  g_autofree char *list_id = NULL;
  g_autoptr(ConcordMockMailchimp) mock = new_mock (&list_id);
  g_autoptr(Answer) ok = ask (mock, "GET", "/ping", NULL);
  g_autoptr(Answer) bearer = ask_full (mock, "GET", "/ping", "Bearer " KEY, NULL, NULL);
  g_autoptr(Answer) none = ask_full (mock, "GET", "/ping", "", NULL, NULL);
  g_autoptr(Answer) wrong = ask_full (mock, "GET", "/ping", "Bearer not-the-key-us6", NULL, NULL);
  g_autoptr(Answer) right_dc = ask_full (mock, "GET", "/ping", NULL, "us6.api.mailchimp.com", NULL);
  g_autoptr(Answer) wrong_dc = ask_full (mock, "GET", "/ping", NULL, "us9.api.mailchimp.com", NULL);

  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (ok->object, "health_status"), ==,
                   "Everything's Chimpy!");
  g_assert_cmpuint (bearer->status, ==, 200);
  g_assert_cmpuint (none->status, ==, 401);
  g_assert_cmpuint (wrong->status, ==, 401);
  g_assert_cmpstr (title (wrong), ==, "API Key Invalid");
  g_assert_cmpstr (wrong->type, ==, "application/problem+json");
  g_assert_cmpuint (right_dc->status, ==, 200);
  g_assert_cmpuint (wrong_dc->status, ==, 401);
  g_assert_nonnull (strstr (json_object_get_string_member (wrong_dc->object, "detail"),
                            "datacenter"));
}

/* count ≤ 1000, offset, total_items; since_last_changed is "after". */
static void
test_members_paging (void)
{
  g_autofree char *list_id = NULL;
  g_autoptr(ConcordMockMailchimp) mock = new_mock (&list_id);
  g_autofree char *path = NULL;
  g_autofree char *big = NULL;
  g_autofree char *since = NULL;

  concord_mock_mailchimp_generate (mock, 12, 3);
  path = g_strdup_printf ("/lists/%s/members?count=5&offset=10", list_id);
  {
    g_autoptr(Answer) page = ask (mock, "GET", path, NULL);

    g_assert_cmpuint (page->status, ==, 200);
    g_assert_cmpint (json_object_get_int_member (page->object, "total_items"), ==, 12);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (page->object,
                                                                           "members")), ==, 2);
  }
  big = g_strdup_printf ("/lists/%s/members?count=1001", list_id);
  {
    g_autoptr(Answer) refused = ask (mock, "GET", big, NULL);

    g_assert_cmpuint (refused->status, ==, 400);
  }
  since = g_strdup_printf ("/lists/%s/members?since_last_changed=2999-01-01T00:00:00%%2B00:00",
                           list_id);
  {
    g_autoptr(Answer) none = ask (mock, "GET", since, NULL);

    g_assert_cmpint (json_object_get_int_member (none->object, "total_items"), ==, 0);
  }
}

/* PUT by hash: new members need status_if_new and get it; an existing
 * one keeps its status unless "status" is sent; the hash must be the
 * address's; subscribing an unsubscribed or cleaned member is refused. */
static void
test_put_and_compliance (void)
{
  g_autofree char *list_id = NULL;
  g_autoptr(ConcordMockMailchimp) mock = new_mock (&list_id);
  g_autofree char *hash = hash_of ("ann@example.com");
  g_autofree char *path = g_strdup_printf ("/lists/%s/members/%s", list_id, hash);
  g_autofree char *upper = g_ascii_strup (hash, -1);
  g_autofree char *upper_path = g_strdup_printf ("/lists/%s/members/%s", list_id, upper);
  g_autofree char *other = g_strdup_printf ("/lists/%s/members/%s", list_id,
                                            "0123456789abcdef0123456789abcdef");

  {
    g_autoptr(Answer) missing = ask (mock, "PUT", path, "{\"email_address\": \"Ann@Example.com\"}");

    g_assert_cmpuint (missing->status, ==, 400);
  }
  {
    g_autoptr(Answer) made = ask (mock, "PUT", path,
                                  "{\"email_address\": \"Ann@Example.com\", "
                                  "\"status_if_new\": \"unsubscribed\"}");

    g_assert_cmpuint (made->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (made->object, "id"), ==, hash);
    g_assert_cmpstr (json_object_get_string_member (made->object, "status"), ==, "unsubscribed");
  }
  {
    /* status_if_new is for new members only. */
    g_autoptr(Answer) again = ask (mock, "PUT", upper_path,
                                   "{\"email_address\": \"ann@example.com\", "
                                   "\"status_if_new\": \"subscribed\"}");

    g_assert_cmpuint (again->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (again->object, "status"), ==, "unsubscribed");
  }
  {
    g_autoptr(Answer) refused = ask (mock, "PUT", path,
                                     "{\"email_address\": \"ann@example.com\", "
                                     "\"status\": \"subscribed\"}");

    g_assert_cmpuint (refused->status, ==, 400);
    g_assert_cmpstr (title (refused), ==, "Member In Compliance State");
  }
  {
    g_autoptr(Answer) patch = ask (mock, "PATCH", path, "{\"status\": \"subscribed\"}");
    g_autoptr(Answer) cleaned = ask (mock, "PATCH", path, "{\"status\": \"cleaned\"}");
    g_autoptr(Answer) pending = ask (mock, "PATCH", path, "{\"status\": \"pending\"}");

    g_assert_cmpstr (title (patch), ==, "Member In Compliance State");
    g_assert_cmpuint (cleaned->status, ==, 400);
    /* Asking for opt-in again is allowed. */
    g_assert_cmpuint (pending->status, ==, 200);
  }
  {
    g_autoptr(Answer) mismatch = ask (mock, "PUT", other,
                                      "{\"email_address\": \"bob@example.com\", "
                                      "\"status_if_new\": \"subscribed\"}");

    g_assert_cmpuint (mismatch->status, ==, 400);
  }
  {
    g_autofree char *members = g_strdup_printf ("/lists/%s/members", list_id);
    g_autoptr(Answer) exists = ask (mock, "POST", members,
                                    "{\"email_address\": \"ANN@example.com\", "
                                    "\"status\": \"subscribed\"}");
    g_autoptr(Answer) fake = ask (mock, "POST", members,
                                  "{\"email_address\": \"x@fake.invalid\", "
                                  "\"status\": \"subscribed\"}");

    g_assert_cmpstr (title (exists), ==, "Member Exists");
    g_assert_cmpstr (title (fake), ==, "Invalid Resource");
  }
}

/* The batch: ≤ 500, update_existing, per-member errors. */
static void
test_batch (void)
{
  g_autofree char *list_id = NULL;
  g_autoptr(ConcordMockMailchimp) mock = new_mock (&list_id);
  g_autofree char *path = g_strdup_printf ("/lists/%s", list_id);
  g_autoptr(GString) big = g_string_new ("{\"members\": [");

  {
    g_autoptr(Answer) answer = ask (mock, "POST", path,
      "{\"members\": ["
      "{\"email_address\": \"a@example.com\", \"status\": \"subscribed\", \"tags\": [\"VIP\"]},"
      "{\"email_address\": \"b@fake.invalid\", \"status\": \"subscribed\"},"
      "{\"email_address\": \"A@example.com\", \"status\": \"subscribed\"},"
      "{\"email_address\": \"c@example.com\", \"status\": \"nonsense\"}],"
      "\"update_existing\": false}");
    JsonArray *errors = json_object_get_array_member (answer->object, "errors");

    g_assert_cmpuint (answer->status, ==, 200);
    g_assert_cmpint (json_object_get_int_member (answer->object, "total_created"), ==, 1);
    g_assert_cmpuint (json_array_get_length (errors), ==, 3);
  }
  {
    g_autoptr(Answer) answer = ask (mock, "POST", path,
      "{\"members\": [{\"email_address\": \"a@example.com\", \"status\": \"unsubscribed\"}],"
      "\"update_existing\": false}");
    JsonObject *error = json_array_get_object_element (
      json_object_get_array_member (answer->object, "errors"), 0);

    g_assert_cmpstr (json_object_get_string_member (error, "error_code"), ==,
                     "ERROR_CONTACT_EXISTS");
  }
  /* A required merge field refuses a new member without it, unless the
   * write skips merge validation. */
  concord_mock_mailchimp_add_merge_field (mock, list_id, "CITY", "City", "text", NULL);
  concord_mock_mailchimp_set_merge_field_required (mock, list_id, "CITY", TRUE);
  {
    g_autoptr(Answer) refused = ask (mock, "POST", path,
      "{\"members\": [{\"email_address\": \"r@example.com\", \"status\": \"subscribed\"}]}");
    g_autoptr(Answer) skipped = ask (mock, "POST", path,
      "{\"members\": [{\"email_address\": \"r@example.com\", \"status\": \"subscribed\"}],"
      " \"skip_merge_validation\": true}");

    g_assert_cmpint (json_object_get_int_member (refused->object, "error_count"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (skipped->object, "total_created"), ==, 1);
  }
  for (guint i = 0; i < 501; i++)
    g_string_append_printf (big, "%s{\"email_address\": \"m%u@example.com\", \"status\": "
                            "\"subscribed\"}", i > 0 ? "," : "", i);
  g_string_append (big, "]}");
  {
    g_autoptr(Answer) too_many = ask (mock, "POST", path, big->str);

    g_assert_cmpuint (too_many->status, ==, 400);
  }
  g_assert_cmpuint (concord_mock_mailchimp_get_n_members (mock, list_id), ==, 2);
  {
    g_autofree char *json = concord_mock_mailchimp_get_member_json (mock, list_id, "A@EXAMPLE.COM");

    g_assert_nonnull (strstr (json, "\"VIP\""));
  }
}

/* More than 10 requests in flight: 429 Too Many Requests. */
static void
test_connections (void)
{
  g_autofree char *list_id = NULL;
  g_autoptr(ConcordMockMailchimp) mock = new_mock (&list_id);

  /* A limit of 0 shows the rule without 11 threads at once: the request
   * itself is one too many. */
  concord_mock_mailchimp_set_max_connections (mock, 0);
  {
    g_autoptr(Answer) refused = ask (mock, "GET", "/ping", NULL);

    g_assert_cmpuint (refused->status, ==, 429);
    g_assert_cmpstr (title (refused), ==, "Too Many Requests");
  }
  concord_mock_mailchimp_set_max_connections (mock, CONCORD_MOCK_MAILCHIMP_MAX_CONNECTIONS);
  {
    g_autoptr(Answer) ok = ask (mock, "GET", "/ping", NULL);

    g_assert_cmpuint (ok->status, ==, 200);
  }
}

/* Saved after each change; loaded back as it was. */
static void
test_save_load (void)
{
  g_autofree char *list_id = NULL;
  g_autoptr(ConcordMockMailchimp) mock = new_mock (&list_id);
  g_autoptr(ConcordMockMailchimp) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("concord-mock-mailchimp-XXXXXX", &error);
  g_autofree char *file = g_build_filename (dir, "account.json", NULL);
  g_autofree char *json = NULL;
  g_autofree char *path = NULL;
  g_autofree char *hash = hash_of ("member00001.9@example.com");

  g_assert_no_error (error);
  concord_mock_mailchimp_set_save_path (mock, file);
  concord_mock_mailchimp_generate (mock, 4, 9);
  path = g_strdup_printf ("/lists/%s/members/%s", list_id, hash);
  {
    g_autoptr(Answer) patched = ask (mock, "PATCH", path, "{\"merge_fields\": {\"FNAME\": \"Zed\"}}");

    g_assert_cmpuint (patched->status, ==, 200);
  }

  other = concord_mock_mailchimp_new (KEY, 0, &error);
  g_assert_no_error (error);
  g_assert_true (concord_mock_mailchimp_load_file (other, file, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (concord_mock_mailchimp_get_n_members (other, list_id), ==, 4);
  json = concord_mock_mailchimp_get_member_json (other, list_id, "member00001.9@example.com");
  g_assert_nonnull (strstr (json, "\"Zed\""));

  g_unlink (file);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/mock-mailchimp/auth", test_auth);
  g_test_add_func ("/concord/mock-mailchimp/members-paging", test_members_paging);
  g_test_add_func ("/concord/mock-mailchimp/put-and-compliance", test_put_and_compliance);
  g_test_add_func ("/concord/mock-mailchimp/batch", test_batch);
  g_test_add_func ("/concord/mock-mailchimp/connections", test_connections);
  g_test_add_func ("/concord/mock-mailchimp/save-load", test_save_load);

  return g_test_run ();
}
