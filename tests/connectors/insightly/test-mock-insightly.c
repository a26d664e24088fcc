/* test-mock-insightly.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The simulated Insightly keeps Insightly's rules, asked directly (no
 * connector): HTTP Basic with the key as user and an empty password, the
 * /v3.1 base path, top/skip paging (top ≤ 500), updated_after_utc against
 * DATE_UPDATED_UTC and its zone-less times on /Contacts/Search only, a PUT /Contacts that carries
 * CONTACT_ID and clears what it omits, one EMAIL_ADDRESS, CUSTOMFIELDS by
 * FIELD_NAME checked by FIELD_TYPE, and the per-second throttle.
 *
 * Paths: /concord/mock-insightly/<case>.
 */

#define G_LOG_DOMAIN "concord-test-mock-insightly"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "concord-mock-described-apps.h"
#include "concord-test-utils.h"

#define KEY "mock-insightly-key-77c1"

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

static JsonArray *
array_of (Answer *answer)
{
  g_assert_nonnull (answer->root);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (answer->root));
  return json_node_get_array (answer->root);
}

static char *
basic (const char *user,
       const char *password)
{
  g_autofree char *pair = g_strdup_printf ("%s:%s", user, password);
  g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));

  return g_strdup_printf ("Basic %s", encoded);
}

static Answer *
ask (ConcordMockDescribed *mock,
     const char           *method,
     const char           *path,
     const char           *json)
{
  g_autofree char *authorization = basic (KEY, "");

  return ask_as (mock, method, path, authorization, json);
}

static ConcordMockDescribed *
new_mock (void)
{
  g_autoptr(GError) error = NULL;
  ConcordMockDescribed *mock = concord_mock_described_new ("insightly",
                                                           &concord_mock_insightly_quirks,
                                                           KEY, 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (mock);
  return mock;
}

/* The key as the user, an empty password; anything else is 401 with
 * ASP.NET's {"Message": …}. */
static void
test_auth (void)
{
  g_autoptr(ConcordMockDescribed) mock = new_mock ();
  g_autofree char *with_password = basic (KEY, KEY);
  g_autofree char *as_password = basic ("", KEY);
  g_autofree char *bearer = g_strconcat ("Bearer ", KEY, NULL);
  g_autoptr(Answer) ok = ask (mock, "GET", "/Users/Me", NULL);
  g_autoptr(Answer) none = ask_as (mock, "GET", "/Users/Me", NULL, NULL);
  g_autoptr(Answer) password = ask_as (mock, "GET", "/Users/Me", with_password, NULL);
  g_autoptr(Answer) swapped = ask_as (mock, "GET", "/Users/Me", as_password, NULL);
  g_autoptr(Answer) token = ask_as (mock, "GET", "/Users/Me", bearer, NULL);
  Answer *refused[] = { none, password, swapped, token };

  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_true (json_object_has_member (object_of (ok), "USER_ID"));
  g_assert_true (g_str_has_suffix (concord_mock_described_get_base_url (mock), "/v3.1"));
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_assert_cmpuint (refused[i]->status, ==, 401);
      g_assert_cmpstr (json_object_get_string_member (object_of (refused[i]), "Message"), ==,
                       "Authorization has been denied for this request.");
    }
}

/* top/skip: pages of top until a short one; top above 500 is a 400;
 * updated_after_utc keeps contacts changed since. */
static void
test_paging (void)
{
  g_autoptr(ConcordMockDescribed) mock = new_mock ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr(GError) error = NULL;
  g_autoptr(Answer) too_big = NULL;
  g_autoptr(Answer) fine = NULL;
  g_autoptr(Answer) since = NULL;
  g_autoptr(Answer) unset = NULL;
  guint sizes[] = { 5, 5, 2 };
  gint64 old_id;

  concord_mock_described_generate (mock, 12, 4);
  for (guint page = 0; page < 3; page++)
    {
      g_autofree char *path = g_strdup_printf ("/Contacts/Search?top=5&skip=%u&brief=false",
                                               page * 5);
      g_autoptr(Answer) answer = ask (mock, "GET", path, NULL);
      JsonArray *contacts = array_of (answer);

      g_assert_cmpuint (answer->status, ==, 200);
      g_assert_cmpuint (json_array_get_length (contacts), ==, sizes[page]);
      for (guint i = 0; i < json_array_get_length (contacts); i++)
        {
          JsonObject *contact = json_array_get_object_element (contacts, i);
          const char *updated = json_object_get_string_member (contact, "DATE_UPDATED_UTC");

          /* "yyyy-mm-dd hh:mm:ss", no zone */
          g_assert_cmpuint (strlen (updated), ==, 19);
          g_assert_cmpint (updated[10], ==, ' ');
          g_assert_true (JSON_NODE_HOLDS_VALUE (json_object_get_member (contact, "EMAIL_ADDRESS")));
          g_assert_true (g_hash_table_add (seen, GINT_TO_POINTER (json_object_get_int_member (
            contact, "CONTACT_ID"))));
        }
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 12);
  unset = ask (mock, "GET", "/Contacts", NULL);
  g_assert_cmpuint (json_array_get_length (array_of (unset)), ==, 12);
  too_big = ask (mock, "GET", "/Contacts?top=501", NULL);
  g_assert_cmpuint (too_big->status, ==, 400);
  g_assert_nonnull (json_object_get_string_member (object_of (too_big), "Message"));
  fine = ask (mock, "GET", "/Contacts?top=500", NULL);
  g_assert_cmpuint (fine->status, ==, 200);

  old_id = concord_mock_described_put_record_json (
    mock, "{\"FIRST_NAME\": \"Old\", \"EMAIL_ADDRESS\": \"old@example.com\", "
          "\"DATE_UPDATED_UTC\": \"2001-01-01 00:00:00\"}", &error);
  g_assert_no_error (error);
  since = ask (mock, "GET", "/Contacts/Search?updated_after_utc=2010-01-01T00:00:00Z", NULL);
  g_assert_cmpuint (json_array_get_length (array_of (since)), ==, 12);
  {
    g_autoptr(Answer) all = ask (mock, "GET",
                                 "/Contacts/Search?updated_after_utc=2000-01-01T00:00:00Z", NULL);
    g_autoptr(Answer) plain = ask (mock, "GET", "/Contacts?updated_after_utc=2010-01-01T00:00:00Z",
                                   NULL);
    g_autoptr(Answer) half = ask (mock, "GET", "/Contacts/Search?field_name=EMAIL_ADDRESS", NULL);

    g_assert_cmpuint (json_array_get_length (array_of (all)), ==, 13);
    /* GET /Contacts takes no updated_after_utc: everything comes back. */
    g_assert_cmpuint (json_array_get_length (array_of (plain)), ==, 13);
    g_assert_cmpuint (half->status, ==, 400);
  }
  g_assert_cmpint (old_id, ==, 13);
}

/* PUT /Contacts carries CONTACT_ID and replaces the contact: what it
 * omits is cleared. */
static void
test_put_replaces (void)
{
  g_autoptr(ConcordMockDescribed) mock = new_mock ();
  g_autoptr(Answer) created = NULL;
  g_autoptr(Answer) replaced = NULL;
  g_autoptr(Answer) no_id = NULL;
  g_autoptr(Answer) missing = NULL;
  g_autoptr(Answer) fetched = NULL;
  g_autofree char *put = NULL;
  g_autofree char *path = NULL;
  JsonObject *contact;
  gint64 id;

  created = ask (mock, "POST", "/Contacts",
                 "{\"FIRST_NAME\": \"Ann\", \"LAST_NAME\": \"Okafor\", \"EMAIL_ADDRESS\": "
                 "\"ann@example.com\", \"CUSTOMFIELDS\": [{\"FIELD_NAME\": \"city__c\", "
                 "\"FIELD_VALUE\": \"Lisbon\"}]}");
  g_assert_cmpuint (created->status, ==, 201);
  contact = object_of (created);
  id = json_object_get_int_member (contact, "CONTACT_ID");
  g_assert_cmpint (id, >, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (contact, "CUSTOMFIELDS")),
                    ==, 1);

  put = g_strdup_printf ("{\"CONTACT_ID\": %" G_GINT64_FORMAT ", \"FIRST_NAME\": \"Annie\", "
                         "\"EMAIL_ADDRESS\": \"ann@example.com\"}", id);
  replaced = ask (mock, "PUT", "/Contacts", put);
  g_assert_cmpuint (replaced->status, ==, 200);
  path = g_strdup_printf ("/Contacts/%" G_GINT64_FORMAT, id);
  fetched = ask (mock, "GET", path, NULL);
  contact = object_of (fetched);
  g_assert_cmpstr (json_object_get_string_member (contact, "FIRST_NAME"), ==, "Annie");
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (contact, "LAST_NAME")));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (contact, "CUSTOMFIELDS")),
                    ==, 0);
  g_assert_cmpint (json_object_get_int_member (contact, "CONTACT_ID"), ==, id);
  g_assert_nonnull (json_object_get_string_member (contact, "DATE_CREATED_UTC"));

  no_id = ask (mock, "PUT", "/Contacts", "{\"FIRST_NAME\": \"Nobody\"}");
  g_assert_cmpuint (no_id->status, ==, 400);
  missing = ask (mock, "PUT", "/Contacts", "{\"CONTACT_ID\": 999, \"FIRST_NAME\": \"X\"}");
  g_assert_cmpuint (missing->status, ==, 404);
}

/* One email, a string; custom fields by FIELD_NAME, checked by type. */
static void
test_refusals (void)
{
  g_autoptr(ConcordMockDescribed) mock = new_mock ();
  const char *refused[] = {
    "{\"FIRST_NAME\": \"A\", \"EMAIL_ADDRESS\": \"not-an-email\"}",
    "{\"FIRST_NAME\": \"A\", \"EMAIL_ADDRESS\": [\"a@example.com\"]}",
    "{\"FIRST_NAME\": \"A\", \"CUSTOMFIELDS\": [{\"FIELD_NAME\": \"city\", "
    "\"FIELD_VALUE\": \"x\"}]}",
    "{\"FIRST_NAME\": \"A\", \"CUSTOMFIELDS\": [{\"FIELD_NAME\": \"Tier__c\", "
    "\"FIELD_VALUE\": \"Platinum\"}]}",
    "{\"FIRST_NAME\": \"A\", \"CUSTOMFIELDS\": [{\"FIELD_NAME\": \"Seats__c\", "
    "\"FIELD_VALUE\": \"ten\"}]}",
    "{\"FIRST_NAME\": \"A\", \"CUSTOMFIELDS\": [{\"FIELD_NAME\": \"Legacy_ID__c\", "
    "\"FIELD_VALUE\": \"7\"}]}",
  };
  g_autoptr(Answer) fields = ask (mock, "GET", "/CustomFields/Contacts", NULL);
  g_autoptr(Answer) accepted = ask (mock, "POST", "/Contacts",
                                    "{\"FIRST_NAME\": \"B\", \"CUSTOMFIELDS\": [{\"FIELD_NAME\": "
                                    "\"Tier__c\", \"FIELD_VALUE\": \"Gold\"}, {\"FIELD_NAME\": "
                                    "\"Seats__c\", \"FIELD_VALUE\": 12}]}");

  g_assert_cmpuint (json_array_get_length (array_of (fields)), ==, 4);
  g_assert_cmpuint (accepted->status, ==, 201);
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(Answer) answer = ask (mock, "POST", "/Contacts", refused[i]);

      g_test_message ("refused body %u", i);
      g_assert_cmpuint (answer->status, ==, 400);
      g_assert_nonnull (json_object_get_string_member (object_of (answer), "Message"));
    }
  g_assert_cmpuint (concord_mock_described_get_n_records (mock), ==, 1);
}

/* The per-second throttle: 429 beyond it, and the next second is fine. */
static void
test_throttle (void)
{
  g_autoptr(ConcordMockDescribed) mock = new_mock ();
  g_autoptr(Answer) over = NULL;
  g_autoptr(Answer) later = NULL;
  guint ok = 0;

  concord_mock_described_set_rate_limit (mock, 3, 1);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(Answer) answer = ask (mock, "GET", "/Users/Me", NULL);

      ok += answer->status == 200;
    }
  over = ask (mock, "GET", "/Users/Me", NULL);
  g_assert_cmpuint (ok, ==, 3);
  g_assert_cmpuint (over->status, ==, 429);
  g_usleep (1100 * 1000);
  later = ask (mock, "GET", "/Users/Me", NULL);
  g_assert_cmpuint (later->status, ==, 200);
}

int
main (int   argc,
      char *argv[])
{
  /* The isolated test dirs hold no schemas for GNOME's proxy resolver. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/mock-insightly/auth", test_auth);
  g_test_add_func ("/concord/mock-insightly/paging", test_paging);
  g_test_add_func ("/concord/mock-insightly/put-replaces", test_put_replaces);
  g_test_add_func ("/concord/mock-insightly/refusals", test_refusals);
  g_test_add_func ("/concord/mock-insightly/throttle", test_throttle);

  return g_test_run ();
}
