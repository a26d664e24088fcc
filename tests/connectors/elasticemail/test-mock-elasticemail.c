/* test-mock-elasticemail.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The mock Elastic Email server, driven through a plain SoupSession on the
 * test's main context, as the connector will drive it.
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "concord-mock-elasticemail.h"
#include "concord-test-utils.h"

#define API_KEY "test-key"

typedef struct
{
  ConcordMockElasticEmail *mock;
  SoupSession             *session;
} Fixture;

typedef struct
{
  guint               status;
  GBytes             *body;     /* (nullable) */
  SoupMessageHeaders *headers;  /* (nullable) */
  GError             *error;    /* (nullable) */
} Reply;

static void
reply_free (Reply *reply)
{
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_clear_pointer (&reply->headers, soup_message_headers_unref);
  g_clear_error (&reply->error);
  g_free (reply);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->mock = concord_mock_elasticemail_new (API_KEY, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->mock);
  f->session = soup_session_new ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->session);
  g_clear_object (&f->mock);
}

/* Starts a request; @key NULL sends no key header. */
static SoupMessage *
start_request (Fixture       *f,
               SoupSession   *session,
               const char    *method,
               const char    *path,
               const char    *body,
               const char    *key,
               GAsyncResult **result)
{
  g_autofree char *uri = g_strconcat (concord_mock_elasticemail_get_base_url (f->mock), path, NULL);
  SoupMessage *msg = soup_message_new (method, uri);

  g_assert_nonnull (msg);
  if (key != NULL)
    soup_message_headers_append (soup_message_get_request_headers (msg),
                                 "X-ElasticEmail-ApiKey", key);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL,
                                    concord_test_store_result_cb, result);
  return msg;
}

static Reply *
finish_request (SoupSession   *session,
                SoupMessage   *msg,
                GAsyncResult **result_location)
{
  g_autoptr(GAsyncResult) result = concord_test_wait_for_result (result_location);
  Reply *reply = g_new0 (Reply, 1);

  reply->body = soup_session_send_and_read_finish (session, result, &reply->error);
  reply->status = soup_message_get_status (msg);
  reply->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));

  return reply;
}

static Reply *
call_with_key (Fixture    *f,
               const char *method,
               const char *path,
               const char *body,
               const char *key)
{
  GAsyncResult *result = NULL;
  g_autoptr(SoupMessage) msg = start_request (f, f->session, method, path, body, key, &result);

  return finish_request (f->session, msg, &result);
}

static Reply *
call (Fixture    *f,
      const char *method,
      const char *path,
      const char *body)
{
  return call_with_key (f, method, path, body, API_KEY);
}

static JsonNode *
reply_json (Reply *reply)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *data;

  g_assert_no_error (reply->error);
  g_assert_nonnull (reply->body);
  data = g_bytes_get_data (reply->body, &length);
  json_parser_load_from_data (parser, data, length, &error);
  g_assert_no_error (error);

  return json_node_ref (json_parser_get_root (parser));
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (text);
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);

  return json_node_ref (json_parser_get_root (parser));
}

static void
assert_error_reply (Reply      *reply,
                    guint       status,
                    const char *message)
{
  g_autoptr(JsonNode) root = reply_json (reply);
  JsonObject *object;

  g_assert_cmpuint (reply->status, ==, status);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  object = json_node_get_object (root);
  g_assert_true (json_object_has_member (object, "Error"));
  if (message != NULL)
    g_assert_cmpstr (json_object_get_string_member (object, "Error"), ==, message);
}

static guint
reply_array_length (Reply *reply)
{
  g_autoptr(JsonNode) root = reply_json (reply);

  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
  return json_array_get_length (json_node_get_array (root));
}

static JsonObject *
contact_object (ConcordMockElasticEmail *mock,
                const char              *email)
{
  g_autofree char *json = concord_mock_elasticemail_get_contact_json (mock, email);
  g_autoptr(JsonNode) root = NULL;

  if (json == NULL)
    return NULL;
  root = parse_json (json);
  return json_object_ref (json_node_get_object (root));
}

static gboolean
is_plain_date (const char *text)
{
  return text != NULL && g_regex_match_simple ("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d$", text,
                                                0, 0);
}

/* ------------------------------------------------------------------------- */

static void
test_auth (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(Reply) ok = NULL;
  g_autoptr(Reply) lower = NULL;
  g_autoptr(Reply) wrong = NULL;
  g_autoptr(Reply) missing = NULL;
  g_autoptr(Reply) no_view = NULL;
  g_autoptr(Reply) write_ok = NULL;
  g_autoptr(Reply) no_modify = NULL;
  g_autoptr(Reply) read_ok = NULL;
  GAsyncResult *result = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  concord_mock_elasticemail_generate (f->mock, 3, 1);

  ok = call (f, "GET", "/contacts", NULL);
  g_assert_cmpuint (reply_array_length (ok), ==, 3);

  /* The header name is case-insensitive. */
  {
    g_autofree char *uri = g_strconcat (concord_mock_elasticemail_get_base_url (f->mock),
                                        "/contacts", NULL);

    msg = soup_message_new ("GET", uri);
    soup_message_headers_append (soup_message_get_request_headers (msg),
                                 "x-elasticemail-apikey", API_KEY);
    soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL,
                                      concord_test_store_result_cb, &result);
    lower = finish_request (f->session, msg, &result);
    g_assert_cmpuint (reply_array_length (lower), ==, 3);
  }

  /* The v4 API answers 400, not 401. */
  wrong = call_with_key (f, "GET", "/contacts", NULL, "not-the-key");
  assert_error_reply (wrong, 400, "APIKey Expired");
  missing = call_with_key (f, "GET", "/contacts", NULL, NULL);
  assert_error_reply (missing, 400, "APIKey Expired");

  concord_mock_elasticemail_set_access (f->mock, FALSE, TRUE);
  no_view = call (f, "GET", "/contacts", NULL);
  assert_error_reply (no_view, 400, "Access Denied.");
  write_ok = call (f, "POST", "/contacts", "[{\"Email\": \"new@example.com\"}]");
  g_assert_cmpuint (reply_array_length (write_ok), ==, 1);

  concord_mock_elasticemail_set_access (f->mock, TRUE, FALSE);
  no_modify = call (f, "POST", "/contacts", "[{\"Email\": \"other@example.com\"}]");
  assert_error_reply (no_modify, 400, "Access Denied.");
  read_ok = call (f, "GET", "/contacts/new@example.com", NULL);
  g_assert_cmpuint (read_ok->status, ==, 200);

  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock), ==, 4);
}

static void
test_paging (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(Reply) first = NULL;
  g_autoptr(Reply) capped = NULL;
  g_autoptr(Reply) unknown = NULL;
  g_autoptr(Reply) small_cap = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint offset = 0;
  guint n_pages = 0;

  concord_mock_elasticemail_generate (f->mock, 250, 7);

  /* Default page size 20; the server caps what a client asks for. */
  first = call (f, "GET", "/contacts", NULL);
  g_assert_cmpuint (reply_array_length (first), ==, 20);
  capped = call (f, "GET", "/contacts?limit=500", NULL);
  g_assert_cmpuint (reply_array_length (capped), ==, 100);
  unknown = call (f, "GET", "/contacts?rule=Status%20%3D%20Active&limit=5&foo=bar", NULL);
  g_assert_cmpuint (reply_array_length (unknown), ==, 5);

  /* Walking by what came back returns every contact once, in insertion order. */
  while (TRUE)
    {
      g_autofree char *path = g_strdup_printf ("/contacts?limit=500&offset=%u", offset);
      g_autoptr(Reply) page = call (f, "GET", path, NULL);
      g_autoptr(JsonNode) root = reply_json (page);
      JsonArray *array = json_node_get_array (root);
      guint n = json_array_get_length (array);

      for (guint i = 0; i < n; i++)
        {
          JsonObject *contact = json_array_get_object_element (array, i);
          const char *email = json_object_get_string_member (contact, "Email");
          g_autofree char *expected = g_strdup_printf ("person%u@example.com", offset + i);

          g_assert_cmpstr (email, ==, expected);
          g_assert_true (g_hash_table_add (seen, g_strdup (email)));
        }

      n_pages++;
      offset += n;
      if (n == 0)
        break;
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 250);
  g_assert_cmpuint (n_pages, ==, 4);

  concord_mock_elasticemail_set_max_page_size (f->mock, 30);
  small_cap = call (f, "GET", "/contacts?limit=100&offset=240", NULL);
  g_assert_cmpuint (reply_array_length (small_cap), ==, 10);
}

static void
test_post_batch (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(Reply) reply = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_auto(GStrv) members_a = NULL;
  g_auto(GStrv) members_b = NULL;
  g_autoptr(JsonObject) stored = NULL;
  JsonObject *first;
  JsonObject *fields;
  JsonObject *consent;

  concord_mock_elasticemail_add_list (f->mock, "Alpha");
  concord_mock_elasticemail_add_list (f->mock, "Beta list");
  concord_mock_elasticemail_add_custom_field (f->mock, "city");

  reply = call (f, "POST", "/contacts?listnames=Alpha&listnames=Beta%20list",
                "[{\"Email\": \"Ann@Example.com\", \"Status\": \"Active\", \"FirstName\": \"Ann\","
                "  \"CustomFields\": {\"city\": \"Porto\", \"shoe_size\": \"38\"},"
                "  \"Consent\": {\"ConsentTracking\": \"Allow\"}},"
                " {\"Email\": \"bob@example.com\", \"LastName\": \"Ng\"}]");
  root = reply_json (reply);
  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (root)), ==, 2);

  first = json_array_get_object_element (json_node_get_array (root), 0);
  g_assert_cmpstr (json_object_get_string_member (first, "Email"), ==, "Ann@Example.com");
  g_assert_cmpstr (json_object_get_string_member (first, "Status"), ==, "Active");
  g_assert_cmpstr (json_object_get_string_member (first, "FirstName"), ==, "Ann");
  g_assert_cmpstr (json_object_get_string_member (first, "Source"), ==, "ContactApi");
  g_assert_true (is_plain_date (json_object_get_string_member (first, "DateAdded")));
  g_assert_true (is_plain_date (json_object_get_string_member (first, "DateUpdated")));
  fields = json_object_get_object_member (first, "CustomFields");
  g_assert_cmpstr (json_object_get_string_member (fields, "city"), ==, "Porto");
  g_assert_false (json_object_has_member (fields, "shoe_size"));  /* not defined: dropped */
  consent = json_object_get_object_member (first, "Consent");
  g_assert_cmpstr (json_object_get_string_member (consent, "ConsentTracking"), ==, "Allow");
  g_assert_cmpstr (json_object_get_string_member (consent, "ConsentIP"), ==, "127.0.0.1");
  g_assert_true (json_object_has_member (first, "Activity"));

  stored = contact_object (f->mock, "bob@example.com");
  g_assert_nonnull (stored);
  g_assert_cmpstr (json_object_get_string_member (stored, "Status"), ==, "Transactional");
  g_assert_cmpstr (json_object_get_string_member (stored, "LastName"), ==, "Ng");

  members_a = concord_mock_elasticemail_get_list_members (f->mock, "Alpha");
  members_b = concord_mock_elasticemail_get_list_members (f->mock, "beta LIST");
  g_assert_cmpuint (g_strv_length (members_a), ==, 2);
  g_assert_cmpstr (members_a[0], ==, "Ann@Example.com");
  g_assert_cmpstr (members_a[1], ==, "bob@example.com");
  g_assert_cmpuint (g_strv_length (members_b), ==, 2);
  g_assert_null (concord_mock_elasticemail_get_list_members (f->mock, "Gamma"));
}

static void
test_post_errors (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GString) big = g_string_new ("[");
  g_autoptr(Reply) too_many = NULL;
  g_autoptr(Reply) exactly = NULL;
  g_autoptr(Reply) bad_json = NULL;
  g_autoptr(Reply) not_array = NULL;
  g_autoptr(Reply) no_email = NULL;
  g_autoptr(Reply) bad_email = NULL;
  g_autoptr(Reply) bad_status = NULL;
  g_autoptr(Reply) no_list = NULL;

  for (guint i = 0; i < 1001; i++)
    g_string_append_printf (big, "%s{\"Email\": \"bulk%u@example.com\"}", i > 0 ? "," : "", i);
  g_string_append (big, "]");

  too_many = call (f, "POST", "/contacts", big->str);
  assert_error_reply (too_many, 413, NULL);
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock), ==, 0);

  bad_json = call (f, "POST", "/contacts", "[{\"Email\": ");
  assert_error_reply (bad_json, 400, NULL);
  not_array = call (f, "POST", "/contacts", "{\"Email\": \"a@example.com\"}");
  assert_error_reply (not_array, 400, NULL);
  no_email = call (f, "POST", "/contacts", "[{\"Email\": \"a@example.com\"}, {\"FirstName\": \"X\"}]");
  assert_error_reply (no_email, 400, "Email is required.");
  bad_email = call (f, "POST", "/contacts", "[{\"Email\": \"not-an-address\"}]");
  assert_error_reply (bad_email, 412, NULL);
  bad_status = call (f, "POST", "/contacts", "[{\"Email\": \"a@example.com\", \"Status\": \"Happy\"}]");
  assert_error_reply (bad_status, 400, NULL);
  no_list = call (f, "POST", "/contacts?listnames=Nope", "[{\"Email\": \"a@example.com\"}]");
  assert_error_reply (no_list, 412, NULL);

  /* A rejected batch changes nothing. */
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock), ==, 0);

  /* 1000 is allowed. */
  g_string_truncate (big, 0);
  g_string_append (big, "[");
  for (guint i = 0; i < 1000; i++)
    g_string_append_printf (big, "%s{\"Email\": \"bulk%u@example.com\"}", i > 0 ? "," : "", i);
  g_string_append (big, "]");
  exactly = call (f, "POST", "/contacts", big->str);
  g_assert_cmpuint (reply_array_length (exactly), ==, 1000);
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock), ==, 1000);
}

static void
test_upsert (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(Reply) created = NULL;
  g_autoptr(Reply) updated = NULL;
  g_autoptr(JsonObject) stored = NULL;
  JsonObject *fields;

  concord_mock_elasticemail_add_custom_field (f->mock, "City");

  created = call (f, "POST", "/contacts",
                  "[{\"Email\": \"Ann@Example.com\", \"FirstName\": \"Ann\", \"LastName\": \"Lee\","
                  "  \"CustomFields\": {\"city\": \"Porto\"}}]");
  g_assert_cmpuint (reply_array_length (created), ==, 1);
  stored = contact_object (f->mock, "ann@example.com");
  g_assert_cmpstr (json_object_get_string_member (stored, "Status"), ==, "Transactional");
  g_clear_pointer (&stored, json_object_unref);

  updated = call (f, "POST", "/contacts",
                  "[{\"Email\": \"ANN@example.com\", \"FirstName\": \"Anne\", \"Status\": \"Active\"}]");
  g_assert_cmpuint (reply_array_length (updated), ==, 1);

  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock), ==, 1);
  stored = contact_object (f->mock, "ann@EXAMPLE.com");
  g_assert_cmpstr (json_object_get_string_member (stored, "Email"), ==, "Ann@Example.com");
  g_assert_cmpstr (json_object_get_string_member (stored, "FirstName"), ==, "Anne");
  g_assert_cmpstr (json_object_get_string_member (stored, "LastName"), ==, "Lee");
  g_assert_cmpstr (json_object_get_string_member (stored, "Status"), ==, "Active");
  g_assert_true (is_plain_date (json_object_get_string_member (stored, "StatusChangeDate")));
  fields = json_object_get_object_member (stored, "CustomFields");
  /* Stored under the name the account defines. */
  g_assert_cmpstr (json_object_get_string_member (fields, "City"), ==, "Porto");
}

static void
test_get_put_delete (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Reply) got = NULL;
  g_autoptr(Reply) put = NULL;
  g_autoptr(Reply) missing = NULL;
  g_autoptr(Reply) put_missing = NULL;
  g_autoptr(Reply) deleted = NULL;
  g_autoptr(Reply) gone = NULL;
  g_autoptr(Reply) slash = NULL;
  g_autoptr(Reply) bulk_deleted = NULL;
  g_autoptr(JsonNode) got_root = NULL;
  g_autoptr(JsonNode) put_root = NULL;
  JsonObject *contact;
  JsonObject *fields;

  concord_mock_elasticemail_add_custom_field (f->mock, "city");
  g_assert_true (concord_mock_elasticemail_put_contact_json (
    f->mock,
    "{\"Email\": \"Jo+News@Example.com\", \"Status\": \"Active\", \"FirstName\": \"Jo\","
    " \"DateAdded\": \"2024-03-01T10:00:00\", \"DateUpdated\": \"2024-03-02T10:00:00Z\"}",
    &error));
  g_assert_no_error (error);

  got = call (f, "GET", "/contacts/jo%2Bnews%40example.com", NULL);
  g_assert_cmpuint (got->status, ==, 200);
  got_root = reply_json (got);
  contact = json_node_get_object (got_root);
  g_assert_cmpstr (json_object_get_string_member (contact, "Email"), ==, "Jo+News@Example.com");
  g_assert_cmpstr (json_object_get_string_member (contact, "DateAdded"), ==, "2024-03-01T10:00:00");
  g_assert_cmpstr (json_object_get_string_member (contact, "DateUpdated"), ==,
                   "2024-03-02T10:00:00");

  put = call (f, "PUT", "/contacts/JO%2BNEWS@EXAMPLE.COM",
              "{\"FirstName\": \"Joanna\", \"Status\": \"Bounced\", \"Email\": \"x@example.com\","
              " \"CustomFields\": {\"city\": \"Oslo\", \"nope\": \"1\"}}");
  g_assert_cmpuint (put->status, ==, 200);
  put_root = reply_json (put);
  contact = json_node_get_object (put_root);
  g_assert_cmpstr (json_object_get_string_member (contact, "Email"), ==, "Jo+News@Example.com");
  g_assert_cmpstr (json_object_get_string_member (contact, "FirstName"), ==, "Joanna");
  g_assert_cmpstr (json_object_get_string_member (contact, "Status"), ==, "Active");
  g_assert_cmpstr (json_object_get_string_member (contact, "DateUpdated"), !=,
                   "2024-03-02T10:00:00");
  g_assert_true (is_plain_date (json_object_get_string_member (contact, "DateUpdated")));
  fields = json_object_get_object_member (contact, "CustomFields");
  g_assert_cmpstr (json_object_get_string_member (fields, "city"), ==, "Oslo");
  g_assert_false (json_object_has_member (fields, "nope"));
  g_assert_null (concord_mock_elasticemail_get_contact_json (f->mock, "x@example.com"));

  missing = call (f, "GET", "/contacts/nobody%40example.com", NULL);
  assert_error_reply (missing, 404, "Contact not found.");
  put_missing = call (f, "PUT", "/contacts/nobody@example.com", "{\"FirstName\": \"N\"}");
  assert_error_reply (put_missing, 404, "Contact not found.");

  /* libsoup decodes %2F before routing: the rest of the path is the email. */
  g_assert_true (concord_mock_elasticemail_put_contact_json (f->mock,
                                                             "{\"Email\": \"a/b@example.com\"}",
                                                             &error));
  slash = call (f, "GET", "/contacts/a%2Fb%40example.com", NULL);
  g_assert_cmpuint (slash->status, ==, 200);

  deleted = call (f, "DELETE", "/contacts/jo%2Bnews@example.com", NULL);
  g_assert_cmpuint (deleted->status, ==, 200);
  gone = call (f, "GET", "/contacts/jo%2Bnews@example.com", NULL);
  assert_error_reply (gone, 404, "Contact not found.");
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock), ==, 1);

  bulk_deleted = call (f, "POST", "/contacts/delete",
                       "{\"Emails\": [\"A/B@example.com\", \"nobody@example.com\"]}");
  g_assert_cmpuint (bulk_deleted->status, ==, 200);
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock), ==, 0);
}

static GPtrArray *
member_page (Fixture    *f,
             const char *path)
{
  g_autoptr(Reply) reply = call (f, "GET", path, NULL);
  g_autoptr(JsonNode) root = reply_json (reply);
  JsonArray *array = json_node_get_array (root);
  GPtrArray *emails = g_ptr_array_new_with_free_func (g_free);

  g_assert_cmpuint (reply->status, ==, 200);
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_ptr_array_add (emails, g_strdup (json_object_get_string_member (
      json_array_get_object_element (array, i), "Email")));

  return emails;
}

static void
test_lists (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(Reply) lists = NULL;
  g_autoptr(Reply) created = NULL;
  g_autoptr(Reply) duplicate = NULL;
  g_autoptr(Reply) added = NULL;
  g_autoptr(Reply) removed = NULL;
  g_autoptr(Reply) unknown = NULL;
  g_autoptr(Reply) unknown_add = NULL;
  g_autoptr(JsonNode) lists_root = NULL;
  g_autoptr(JsonNode) created_root = NULL;
  g_autoptr(GPtrArray) page0 = NULL;
  g_autoptr(GPtrArray) page1 = NULL;
  g_autoptr(GPtrArray) page2 = NULL;
  g_autoptr(GPtrArray) buggy = NULL;
  g_auto(GStrv) members = NULL;
  JsonObject *list;

  concord_mock_elasticemail_generate (f->mock, 10, 3);

  lists = call (f, "GET", "/lists", NULL);
  lists_root = reply_json (lists);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (lists_root)), ==, 3);
  list = json_array_get_object_element (json_node_get_array (lists_root), 0);
  g_assert_cmpstr (json_object_get_string_member (list, "ListName"), ==, "Newsletter");
  g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (list, "PublicListID")));
  g_assert_true (is_plain_date (json_object_get_string_member (list, "DateAdded")));
  g_assert_true (json_object_has_member (list, "AllowUnsubscribe"));

  created = call (f, "POST", "/lists", "{\"ListName\": \"Fresh\", \"AllowUnsubscribe\": true}");
  g_assert_cmpuint (created->status, ==, 201);
  created_root = reply_json (created);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (created_root), "ListName"),
                   ==, "Fresh");
  g_assert_true (json_object_get_boolean_member (json_node_get_object (created_root),
                                                 "AllowUnsubscribe"));
  duplicate = call (f, "POST", "/lists", "{\"ListName\": \"Fresh\"}");
  assert_error_reply (duplicate, 400, "A list with the given name already exists.");

  added = call (f, "POST", "/lists/Fresh/contacts",
                "{\"Emails\": [\"person0@example.com\", \"PERSON1@example.com\","
                " \"person2@example.com\", \"person3@example.com\", \"person4@example.com\","
                " \"ghost@example.com\"]}");
  g_assert_cmpuint (added->status, ==, 200);
  members = concord_mock_elasticemail_get_list_members (f->mock, "Fresh");
  g_assert_cmpuint (g_strv_length (members), ==, 5);

  page0 = member_page (f, "/lists/Fresh/contacts?limit=2&offset=0");
  page1 = member_page (f, "/lists/Fresh/contacts?limit=2&offset=2");
  page2 = member_page (f, "/lists/Fresh/contacts?limit=2&offset=4");
  g_assert_cmpuint (page0->len, ==, 2);
  g_assert_cmpuint (page1->len, ==, 2);
  g_assert_cmpuint (page2->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (page0, 0), ==, "person0@example.com");
  g_assert_cmpstr (g_ptr_array_index (page1, 0), ==, "person2@example.com");
  g_assert_cmpstr (g_ptr_array_index (page2, 0), ==, "person4@example.com");

  /* The reported bug: offset ignored, always the first page. */
  concord_mock_elasticemail_set_ignore_list_offset (f->mock, TRUE);
  buggy = member_page (f, "/lists/Fresh/contacts?limit=2&offset=2");
  g_assert_cmpuint (buggy->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (buggy, 0), ==, "person0@example.com");
  g_assert_cmpstr (g_ptr_array_index (buggy, 1), ==, "person1@example.com");

  removed = call (f, "POST", "/lists/fresh/contacts/remove",
                  "{\"Emails\": [\"person1@example.com\", \"person3@example.com\"]}");
  g_assert_cmpuint (removed->status, ==, 200);
  g_clear_pointer (&members, g_strfreev);
  members = concord_mock_elasticemail_get_list_members (f->mock, "Fresh");
  g_assert_cmpuint (g_strv_length (members), ==, 3);
  g_assert_cmpstr (members[1], ==, "person2@example.com");
  /* Contacts survive. */
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock), ==, 10);

  unknown = call (f, "GET", "/lists/Nope/contacts", NULL);
  assert_error_reply (unknown, 404, "List not found.");
  unknown_add = call (f, "POST", "/lists/Nope/contacts", "{\"Emails\": [\"person0@example.com\"]}");
  assert_error_reply (unknown_add, 404, "List not found.");
}

static void
test_unsubscribes (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Reply) reply = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonObject) stored = NULL;

  g_assert_true (concord_mock_elasticemail_put_contact_json (
    f->mock,
    "{\"Email\": \"Una@example.com\", \"Status\": \"Active\","
    " \"StatusChangeDate\": \"2020-01-01T00:00:00\"}", &error));
  g_assert_no_error (error);

  reply = call (f, "POST", "/suppressions/unsubscribes",
                "[\"una@example.com\", \"stranger@example.com\"]");
  g_assert_cmpuint (reply->status, ==, 201);
  root = reply_json (reply);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (root)), ==, 2);

  stored = contact_object (f->mock, "una@example.com");
  g_assert_cmpstr (json_object_get_string_member (stored, "Status"), ==, "Unsubscribed");
  g_assert_cmpstr (json_object_get_string_member (stored, "StatusChangeDate"), !=,
                   "2020-01-01T00:00:00");
  g_assert_true (is_plain_date (json_object_get_string_member (stored, "StatusChangeDate")));
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock), ==, 1);
}

static void
test_fault_500_429 (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(Reply) r1 = NULL;
  g_autoptr(Reply) r2 = NULL;
  g_autoptr(Reply) r3 = NULL;
  g_autoptr(Reply) r4 = NULL;
  g_autoptr(JsonNode) root = NULL;

  concord_mock_elasticemail_generate (f->mock, 5, 1);

  /* Armed together, for different requests. */
  concord_mock_elasticemail_fail_request (f->mock, 1, CONCORD_MOCK_FAULT_429, 7);
  concord_mock_elasticemail_fail_request (f->mock, 3, CONCORD_MOCK_FAULT_500, 0);

  r1 = call (f, "GET", "/contacts", NULL);
  assert_error_reply (r1, 429, NULL);
  g_assert_cmpstr (soup_message_headers_get_one (r1->headers, "Retry-After"), ==, "7");

  r2 = call (f, "GET", "/contacts", NULL);
  g_assert_cmpuint (reply_array_length (r2), ==, 5);

  r3 = call (f, "GET", "/contacts", NULL);
  assert_error_reply (r3, 500, NULL);
  root = reply_json (r3);
  g_assert_nonnull (json_object_get_string_member (json_node_get_object (root), "ErrorData"));

  r4 = call (f, "GET", "/contacts", NULL);
  g_assert_cmpuint (reply_array_length (r4), ==, 5);
}

static void
test_fault_reset (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(Reply) reset = NULL;
  g_autoptr(Reply) after = NULL;

  concord_mock_elasticemail_generate (f->mock, 5, 1);
  concord_mock_elasticemail_fail_request (f->mock, 1, CONCORD_MOCK_FAULT_RESET, 0);

  /* The first request of a fresh session: libsoup would silently retry a
   * request that failed on a reused keep-alive connection. */
  reset = call (f, "GET", "/contacts", NULL);
  g_assert_nonnull (reset->error);
  g_assert_true (reset->error->domain == G_IO_ERROR);
  g_assert_null (reset->body);

  after = call (f, "GET", "/contacts", NULL);
  g_assert_cmpuint (reply_array_length (after), ==, 5);
  g_assert_cmpuint (concord_mock_elasticemail_get_n_requests (f->mock), ==, 2);
}

static void
test_fault_truncate (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(Reply) reply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *body;

  concord_mock_elasticemail_generate (f->mock, 5, 1);
  concord_mock_elasticemail_fail_request (f->mock, 1, CONCORD_MOCK_FAULT_TRUNCATE, 0);

  reply = call (f, "GET", "/contacts", NULL);
  g_assert_no_error (reply->error);
  g_assert_cmpuint (reply->status, ==, 200);
  body = g_bytes_get_data (reply->body, &length);
  g_assert_cmpuint (length, >, 10);
  g_assert_cmpint (soup_message_headers_get_content_length (reply->headers), ==, length);
  g_assert_false (json_parser_load_from_data (parser, body, length, &error));
  g_assert_nonnull (error);
}

/* Wakes the test's context while it waits for the server thread. */
static gboolean
on_tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
test_fault_slow (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(SoupSession) other = soup_session_new ();
  g_autoptr(SoupMessage) slow_msg = NULL;
  g_autoptr(SoupMessage) fast_msg = NULL;
  g_autoptr(Reply) slow = NULL;
  g_autoptr(Reply) fast = NULL;
  GAsyncResult *slow_result = NULL;
  GAsyncResult *fast_result = NULL;
  gint64 start;
  guint tick;

  concord_mock_elasticemail_generate (f->mock, 5, 1);
  concord_mock_elasticemail_fail_request (f->mock, 1, CONCORD_MOCK_FAULT_SLOW, 1);

  start = g_get_monotonic_time ();
  slow_msg = start_request (f, f->session, "GET", "/contacts", NULL, API_KEY, &slow_result);

  /* Wait until the slow request reached the server, then another one is
   * served while the slow one waits: the server thread does not block. */
  tick = g_timeout_add (10, on_tick_cb, NULL);
  while (concord_mock_elasticemail_get_n_requests (f->mock) < 1)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  fast_msg = start_request (f, other, "GET", "/contacts?limit=2", NULL, API_KEY, &fast_result);
  fast = finish_request (other, fast_msg, &fast_result);
  g_assert_cmpuint (reply_array_length (fast), ==, 2);
  g_assert_null (slow_result);

  slow = finish_request (f->session, slow_msg, &slow_result);
  g_assert_cmpuint (reply_array_length (slow), ==, 5);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC - 10000);
}

/* Disposing stops the server even while an answer is held back. */
static void
test_dispose_while_slow (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(Reply) reply = NULL;
  GAsyncResult *result = NULL;
  gint64 start = g_get_monotonic_time ();
  guint tick;

  concord_mock_elasticemail_fail_request (f->mock, 1, CONCORD_MOCK_FAULT_SLOW, 30);
  msg = start_request (f, f->session, "GET", "/lists", NULL, API_KEY, &result);

  tick = g_timeout_add (10, on_tick_cb, NULL);
  while (concord_mock_elasticemail_get_n_requests (f->mock) < 1)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);

  g_clear_object (&f->mock);
  reply = finish_request (f->session, msg, &result);
  g_assert_nonnull (reply->error);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 30 * G_USEC_PER_SEC);
}

static void
test_request_log (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(Reply) r1 = NULL;
  g_autoptr(Reply) r2 = NULL;
  g_autoptr(Reply) r3 = NULL;
  g_autoptr(GPtrArray) log = NULL;

  r1 = call (f, "GET", "/lists", NULL);
  g_assert_cmpuint (r1->status, ==, 200);
  concord_mock_elasticemail_reset_requests (f->mock);
  g_assert_cmpuint (concord_mock_elasticemail_get_n_requests (f->mock), ==, 0);

  r2 = call (f, "GET", "/contacts?limit=5&offset=0", NULL);
  r3 = call (f, "PUT", "/contacts/a%2Bb%40example.com", "{}");
  g_assert_cmpuint (r3->status, ==, 404);

  log = concord_mock_elasticemail_get_requests (f->mock);
  g_assert_cmpuint (log->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (log, 0), ==, "GET /v4/contacts?limit=5&offset=0");
  /* libsoup's server decodes the path before the mock sees it. */
  g_assert_cmpstr (g_ptr_array_index (log, 1), ==, "PUT /v4/contacts/a+b@example.com");
  g_assert_cmpuint (concord_mock_elasticemail_get_n_requests (f->mock), ==, 2);
}

static void
test_generate (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordMockElasticEmail) twin = concord_mock_elasticemail_new ("k", 0, &error);
  g_autoptr(GHashTable) statuses = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto(GStrv) newsletter = NULL;
  g_auto(GStrv) vip = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  guint with_city = 0;

  g_assert_no_error (error);
  concord_mock_elasticemail_generate (f->mock, 1000, 42);
  concord_mock_elasticemail_generate (twin, 1000, 42);
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock), ==, 1000);

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *email = g_strdup_printf ("person%u@example.com", i);
      g_autoptr(JsonObject) contact = contact_object (f->mock, email);
      JsonObject *fields;

      g_assert_nonnull (contact);
      g_assert_cmpstr (json_object_get_string_member (contact, "Email"), ==, email);
      g_assert_nonnull (json_object_get_string_member (contact, "FirstName"));
      g_assert_nonnull (json_object_get_string_member (contact, "LastName"));
      g_assert_true (is_plain_date (json_object_get_string_member (contact, "DateAdded")));
      g_hash_table_add (statuses,
                        (gpointer) g_intern_string (json_object_get_string_member (contact, "Status")));
      fields = json_object_get_object_member (contact, "CustomFields");
      if (json_object_has_member (fields, "city"))
        with_city++;
    }

  g_assert_true (g_hash_table_contains (statuses, "Active"));
  g_assert_true (g_hash_table_contains (statuses, "Unsubscribed"));
  g_assert_true (g_hash_table_contains (statuses, "Bounced"));
  g_assert_cmpuint (with_city, >, 300);
  g_assert_cmpuint (with_city, <, 1000);

  newsletter = concord_mock_elasticemail_get_list_members (f->mock, "Newsletter");
  vip = concord_mock_elasticemail_get_list_members (f->mock, "VIP");
  g_assert_cmpuint (g_strv_length (newsletter), >, 300);
  g_assert_cmpuint (g_strv_length (newsletter), <, 700);
  g_assert_cmpuint (g_strv_length (vip), >, 0);
  g_assert_cmpuint (g_strv_length (vip), <, 150);

  /* Deterministic for a seed. */
  a = concord_mock_elasticemail_get_contact_json (f->mock, "person517@example.com");
  b = concord_mock_elasticemail_get_contact_json (twin, "person517@example.com");
  g_assert_cmpstr (a, ==, b);
}

static void
test_seed_file (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "elasticemail", "seed.json",
                                                 NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(Reply) plus = NULL;
  g_autoptr(Reply) page = NULL;
  g_autoptr(JsonNode) plus_root = NULL;
  g_autoptr(JsonNode) page_root = NULL;
  g_auto(GStrv) members = NULL;
  gboolean numeric_status = FALSE;
  JsonArray *array;

  g_assert_true (concord_mock_elasticemail_load_seed_file (f->mock, path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock), ==, 20);

  plus = call (f, "GET", "/contacts/maria.silva%2Bnews%40example.org", NULL);
  plus_root = reply_json (plus);
  g_assert_cmpuint (plus->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (plus_root), "Email"), ==,
                   "Maria.Silva+news@Example.org");

  members = concord_mock_elasticemail_get_list_members (f->mock, "Newsletter");
  g_assert_nonnull (members);
  g_assert_cmpuint (g_strv_length (members), >, 3);

  /* The unusual status values reach clients as they are. */
  page = call (f, "GET", "/contacts?limit=100", NULL);
  page_root = reply_json (page);
  array = json_node_get_array (page_root);
  g_assert_cmpuint (json_array_get_length (array), ==, 20);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *status = json_object_get_member (json_array_get_object_element (array, i),
                                                 "Status");

      if (json_node_get_value_type (status) == G_TYPE_INT64)
        numeric_status = TRUE;
    }
  g_assert_true (numeric_status);
}

static void
test_bad_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordMockElasticEmail) first = concord_mock_elasticemail_new ("k", 0, &error);
  g_autoptr(ConcordMockElasticEmail) second = NULL;
  g_autoptr(GUri) uri = NULL;

  g_assert_no_error (error);
  uri = g_uri_parse (concord_mock_elasticemail_get_base_url (first), G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_uri_get_host (uri), ==, "127.0.0.1");
  g_assert_cmpstr (g_uri_get_path (uri), ==, "/v4");
  g_assert_cmpint (g_uri_get_port (uri), >, 0);

  /* The same port twice cannot listen. */
  second = concord_mock_elasticemail_new ("k", g_uri_get_port (uri), &error);
  g_assert_null (second);
  g_assert_nonnull (error);
}

int
main (int   argc,
      char *argv[])
{
  /* The isolated XDG directories hide the system's GSettings schemas, which
   * GNOME's proxy resolver module needs; the mock is local anyway. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

#define ADD(name, func) \
  g_test_add ("/concord/mock-elasticemail/" name, Fixture, NULL, fixture_setup, func, \
              fixture_teardown)

  ADD ("auth", test_auth);
  ADD ("paging", test_paging);
  ADD ("post-batch", test_post_batch);
  ADD ("post-errors", test_post_errors);
  ADD ("upsert", test_upsert);
  ADD ("get-put-delete", test_get_put_delete);
  ADD ("lists", test_lists);
  ADD ("unsubscribes", test_unsubscribes);
  ADD ("fault-500-429", test_fault_500_429);
  ADD ("fault-reset", test_fault_reset);
  ADD ("fault-truncate", test_fault_truncate);
  ADD ("fault-slow", test_fault_slow);
  ADD ("dispose-while-slow", test_dispose_while_slow);
  ADD ("request-log", test_request_log);
  ADD ("generate", test_generate);
  ADD ("seed-file", test_seed_file);
  g_test_add_func ("/concord/mock-elasticemail/listen-error", test_bad_port);

#undef ADD

  return g_test_run ();
}
