/* test-connector-elasticemail.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The Elastic Email connector against the mock API server
 * (tests/mock/concord-mock-elasticemail.h), which runs on a thread of its
 * own; the connector runs on this thread's default main context.
 */

#define G_LOG_DOMAIN "concord-test-connector-elasticemail"

#include "config.h"

#include <string.h>

#include "concord-app-registry.h"
#include "concord-connector-elasticemail.h"
#include "concord-error.h"
#include "concord-mock-elasticemail.h"
#include "concord-test-connector.h"
#include "concord-test-utils.h"

#include <libsoup/soup.h>

#define TEST_KEY "ee-test-key-7f3a9c2b5d1e4f60a8b7c6d5e4f3a2b1"

typedef struct
{
  ConcordMockElasticEmail      *mock;
  ConcordConnectorElasticEmail *connector;
} Fixture;

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->mock = concord_mock_elasticemail_new (TEST_KEY, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->mock);

  fixture->connector =
    concord_connector_elasticemail_new (concord_mock_elasticemail_get_base_url (fixture->mock),
                                        TEST_KEY);
  concord_connector_elasticemail_set_retry_base_ms (fixture->connector, 2);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->connector);
  g_clear_object (&fixture->mock);
}

static gboolean
verify (ConcordConnectorElasticEmail  *connector,
        GError                       **error)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  concord_connector_verify_async (CONCORD_CONNECTOR (connector), NULL, concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);

  return concord_connector_verify_finish (CONCORD_CONNECTOR (connector), done, error);
}

static ConcordPage *
list_page (ConcordConnectorElasticEmail  *connector,
           const char                    *page_token,
           GError                       **error)
{
  return concord_test_list_page (CONCORD_CONNECTOR (connector), "contacts", page_token, error);
}

/* Lists every page; returns remote id → record (ref). Fails the test when
 * a remote id comes twice. */
static GHashTable *
list_all (ConcordConnectorElasticEmail  *connector,
          guint                         *n_pages,
          GError                       **error)
{
  g_autoptr(GHashTable) seen = NULL;
  g_autofree char *token = NULL;
  guint pages = 0;

  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                (GDestroyNotify) concord_record_unref);

  for (;;)
    {
      g_autoptr(ConcordPage) page = list_page (connector, token, error);

      if (page == NULL)
        return NULL;

      pages++;
      for (guint i = 0; i < page->records->len; i++)
        {
          ConcordRecord *record = g_ptr_array_index (page->records, i);
          const char *id = concord_record_get_remote_id (record);

          g_assert_nonnull (id);
          g_assert_false (g_hash_table_contains (seen, id));
          g_hash_table_insert (seen, g_strdup (id), concord_record_ref (record));
        }

      g_clear_pointer (&token, g_free);
      if (page->next_page == NULL)
        {
          g_assert_true (page->complete);
          break;
        }
      g_assert_false (page->complete);
      token = g_strdup (page->next_page);
      g_assert_cmpuint (pages, <, 10000);
    }

  if (n_pages != NULL)
    *n_pages = pages;

  return g_steal_pointer (&seen);
}

static GPtrArray *
fetch (ConcordConnectorElasticEmail  *connector,
       const char * const            *ids,
       GError                       **error)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  concord_connector_fetch_async (CONCORD_CONNECTOR (connector), "contacts", ids, NULL,
                                 concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);

  return concord_connector_fetch_finish (CONCORD_CONNECTOR (connector), done, error);
}

static GPtrArray *
create (ConcordConnectorElasticEmail  *connector,
        GPtrArray                     *records,
        GError                       **error)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  concord_connector_create_async (CONCORD_CONNECTOR (connector), "contacts", records, NULL,
                                  concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);

  return concord_connector_create_finish (CONCORD_CONNECTOR (connector), done, error);
}

static GPtrArray *
update (ConcordConnectorElasticEmail  *connector,
        GPtrArray                     *changes,
        GError                       **error)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  concord_connector_update_async (CONCORD_CONNECTOR (connector), "contacts", changes, NULL,
                                  concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);

  return concord_connector_update_finish (CONCORD_CONNECTOR (connector), done, error);
}

static ConcordRecord *
new_contact (const char *email,
             const char *first_name,
             const char *last_name)
{
  ConcordRecord *record = concord_record_new (NULL);

  concord_record_set_text (record, "email", CONCORD_FIELD_TYPE_EMAIL, email);
  concord_record_set_text (record, "first_name", CONCORD_FIELD_TYPE_STRING, first_name);
  concord_record_set_text (record, "last_name", CONCORD_FIELD_TYPE_STRING, last_name);

  return record;
}

static GPtrArray *
new_records (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
}

static GPtrArray *
new_changes (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);
}

static guint
count_requests (ConcordMockElasticEmail *mock,
                const char              *prefix)
{
  g_autoptr(GPtrArray) requests = concord_mock_elasticemail_get_requests (mock);
  guint n = 0;

  for (guint i = 0; i < requests->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (requests, i), prefix))
      n++;

  return n;
}

static void
put_contact (ConcordMockElasticEmail *mock,
             const char              *json)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (concord_mock_elasticemail_put_contact_json (mock, json, &error));
  g_assert_no_error (error);
}

static guint
closed_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port;

  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);

  return port;
}

/* ------------------------------------------------------------------------- */
/* Tests                                                                     */
/* ------------------------------------------------------------------------- */

static void
test_identity (Fixture       *fixture,
               gconstpointer  data)
{
  ConcordConnector *connector = CONCORD_CONNECTOR (fixture->connector);
  g_autoptr(GPtrArray) types = concord_connector_list_contact_types (connector);
  ConcordContactType *type;

  g_assert_cmpstr (concord_connector_get_app_id (connector), ==, "elasticemail");
  g_assert_cmpstr (concord_connector_get_app_name (connector), ==, "Elastic Email");
  g_assert_cmpuint (concord_connector_get_flags (connector), ==, CONCORD_CONNECTOR_MODIFIED_TIMES);
  g_assert_cmpuint (concord_connector_get_max_batch (connector), ==, 1000);
  g_assert_cmpuint (types->len, ==, 1);
  type = g_ptr_array_index (types, 0);
  g_assert_cmpstr (type->id, ==, "contacts");
  g_assert_cmpstr (type->label, ==, "Contacts");
}

static void
test_verify_ok (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (verify (fixture->connector, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_requests (fixture->mock, "GET /v4/contacts"), ==, 1);
}

static void
test_verify_wrong_key (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(ConcordConnectorElasticEmail) connector = NULL;
  g_autoptr(GError) error = NULL;

  connector = concord_connector_elasticemail_new (
    concord_mock_elasticemail_get_base_url (fixture->mock), "not-the-key");
  concord_connector_elasticemail_set_retry_base_ms (connector, 2);

  g_assert_false (verify (connector, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
  g_assert_nonnull (strstr (error->message, "refused the API key"));
  g_assert_null (strstr (error->message, "not-the-key"));
}

static void
test_verify_no_access (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  concord_mock_elasticemail_set_access (fixture->mock, FALSE, FALSE);
  g_assert_false (verify (fixture->connector, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
  g_assert_nonnull (strstr (error->message, "lacks the contacts permission"));
}

static void
test_verify_no_server (void)
{
  g_autoptr(ConcordConnectorElasticEmail) connector = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/v4", closed_port ());

  connector = concord_connector_elasticemail_new (url, TEST_KEY);
  concord_connector_elasticemail_set_retry_base_ms (connector, 1);

  g_assert_false (verify (connector, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NETWORK);
  g_assert_null (strstr (error->message, TEST_KEY));
}

static void
test_paging (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GError) error = NULL;
  guint n_pages = 0;

  /* The server gives at most 7 per page although the connector asks for
   * more (its maximum is undocumented): the offset advances by what came,
   * to the first empty page. Listing to the end is the contract's. */
  concord_mock_elasticemail_generate (fixture->mock, 253, 42);
  concord_mock_elasticemail_set_max_page_size (fixture->mock, 7);

  seen = list_all (fixture->connector, &n_pages, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 253);
  g_assert_cmpuint (n_pages, ==, (253 + 6) / 7 + 1);
}

static void
test_schema (Fixture       *fixture,
             gconstpointer  data)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GPtrArray) specs = NULL;
  g_autoptr(GError) error = NULL;
  gboolean has_custom = FALSE;
  gboolean has_status = FALSE;
  gboolean has_lists = FALSE;

  concord_mock_elasticemail_add_custom_field (fixture->mock, "Plan");
  put_contact (fixture->mock,
               "{\"Email\": \"ana@example.com\", \"FirstName\": \"Ana\", "
               "\"CustomFields\": {\"Plan\": \"gold\"}}");

  concord_connector_load_schema_async (CONCORD_CONNECTOR (fixture->connector), "contacts", NULL,
                                       concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  specs = concord_connector_load_schema_finish (CONCORD_CONNECTOR (fixture->connector), done,
                                                &error);
  g_assert_no_error (error);
  g_assert_nonnull (specs);

  for (guint i = 0; i < specs->len; i++)
    {
      ConcordFieldSpec *spec = g_ptr_array_index (specs, i);

      if (g_str_equal (spec->key, "custom:Plan"))
        {
          has_custom = TRUE;
          g_assert_cmpint (spec->type, ==, CONCORD_FIELD_TYPE_STRING);
          g_assert_true (spec->custom);
        }
      else if (g_str_equal (spec->key, "status"))
        {
          has_status = TRUE;
          g_assert_cmpint (spec->type, ==, CONCORD_FIELD_TYPE_ENUM);
          g_assert_true (g_strv_contains ((const char * const *) spec->choices, "not_confirmed"));
        }
      else if (g_str_equal (spec->key, "lists"))
        {
          has_lists = TRUE;
          g_assert_cmpint (spec->type, ==, CONCORD_FIELD_TYPE_STRING_SET);
        }
      else if (g_str_equal (spec->key, "source") || g_str_equal (spec->key, "created_at") ||
               g_str_equal (spec->key, "updated_at"))
        g_assert_true (spec->read_only);
    }

  g_assert_true (has_custom);
  g_assert_true (has_status);
  g_assert_true (has_lists);
}

static void
test_tolerant_parsing (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GError) error = NULL;
  ConcordRecord *record;

  put_contact (fixture->mock,
               "{\"Email\": \"Odd.Status@Example.com\", \"Status\": \"SomethingNew\", "
               "\"DateAdded\": \"2024-03-01T10:00:00\", \"DateUpdated\": \"2024-03-02T10:00:00Z\", "
               "\"StatusChangeDate\": \"2024-03-05T12:00:00\"}");
  put_contact (fixture->mock,
               "{\"Email\": \"number@example.com\", \"Status\": 30, "
               "\"DateUpdated\": \"not a date\"}");
  put_contact (fixture->mock,
               "{\"Email\": \"plain@example.com\", \"Status\": \"NotConfirmed\", "
               "\"FirstName\": null, \"DateUpdated\": \"2024-03-02T10:00:00+02:00\", "
               "\"Consent\": {\"ConsentTracking\": \"Allow\"}}");

  seen = list_all (fixture->connector, NULL, &error);
  g_assert_no_error (error);

  record = g_hash_table_lookup (seen, "odd.status@example.com");
  g_assert_nonnull (record);
  /* The email as the server gave it; the remote id is its folded form. */
  g_assert_cmpstr (concord_record_get_text (record, "email"), ==, "Odd.Status@Example.com");
  g_assert_cmpstr (concord_record_get_text (record, "status"), ==, "SomethingNew");
  g_assert_null (concord_record_get (record, "first_name"));
  /* 2024-03-05T12:00:00 UTC, the later of DateUpdated and StatusChangeDate */
  g_assert_cmpint (concord_record_get_modified (record), ==, 1709640000);
  g_assert_cmpint (concord_record_get (record, "created_at")->v.datetime, ==, 1709287200);

  record = g_hash_table_lookup (seen, "number@example.com");
  g_assert_nonnull (record);
  /* The mock may store the number as given or as text; either way it is kept. */
  g_assert_nonnull (concord_record_get_text (record, "status"));
  g_assert_null (concord_record_get (record, "updated_at"));

  record = g_hash_table_lookup (seen, "plain@example.com");
  g_assert_nonnull (record);
  g_assert_cmpstr (concord_record_get_text (record, "status"), ==, "not_confirmed");
  g_assert_cmpstr (concord_record_get_text (record, "consent"), ==, "allow");
  g_assert_cmpint (concord_record_get (record, "updated_at")->v.datetime, ==, 1709366400);
}

/* A contact whose Email is not an address is left out, as before, and
 * named (by that Email) with why in the page's refused, for the activity;
 * the others are listed. */
static void
test_refused_contact (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *token = NULL;
  g_autoptr(GHashTable) refused = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  guint n_records = 0;

  put_contact (fixture->mock, "{\"Email\": \"fine@example.com\"}");
  put_contact (fixture->mock, "{\"Email\": \"not-an-address\", \"FirstName\": \"Nobody\"}");

  for (guint n = 0; n < 100; n++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConcordPage) page = concord_test_list_page (CONCORD_CONNECTOR (fixture->connector),
                                                            "contacts", token, &error);

      g_assert_no_error (error);
      n_records += page->records->len;
      for (guint i = 0; i < page->refused->len; i++)
        {
          ConcordRefusal *refusal = g_ptr_array_index (page->refused, i);

          g_hash_table_insert (refused, g_strdup (refusal->id), g_strdup (refusal->reason));
        }
      g_free (token);
      token = g_strdup (page->next_page);
      if (token == NULL)
        break;
    }

  g_assert_null (token);
  g_assert_cmpuint (n_records, ==, 1);
  g_assert_cmpuint (g_hash_table_size (refused), ==, 1);
  g_assert_cmpstr (g_hash_table_lookup (refused, "not-an-address"), ==,
                   "its Email is not an email address");
}

static void
create_with_lists (Fixture *fixture,
                   guint    n)
{
  g_autoptr(GPtrArray) records = new_records ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;

  concord_mock_elasticemail_add_list (fixture->mock, "Alpha");
  concord_mock_elasticemail_add_list (fixture->mock, "Beta");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *email = g_strdup_printf ("member%03u@example.com", i);
      ConcordRecord *record = new_contact (email, "M", NULL);
      const char *alpha[] = { "Alpha", NULL };
      const char *both[] = { "Alpha", "Beta", NULL };

      if (i % 3 == 1)
        concord_record_set_set (record, "lists", alpha);
      else if (i % 3 == 2)
        concord_record_set_set (record, "lists", both);
      g_ptr_array_add (records, record);
    }

  results = create (fixture->connector, records, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      ConcordWriteResult *result = g_ptr_array_index (results, i);

      g_assert_no_error (result->error);
      g_assert_cmpuint (result->index, ==, i);
    }
}

static void
test_list_membership (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) alpha = NULL;

  create_with_lists (fixture, 30);
  alpha = concord_mock_elasticemail_get_list_members (fixture->mock, "Alpha");
  g_assert_cmpuint (g_strv_length (alpha), ==, 20);

  concord_mock_elasticemail_set_max_page_size (fixture->mock, 4);
  seen = list_all (fixture->connector, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 30);

  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *email = g_strdup_printf ("member%03u@example.com", i);
      ConcordRecord *record = g_hash_table_lookup (seen, email);
      const ConcordValue *lists;

      g_assert_nonnull (record);
      lists = concord_record_get (record, "lists");
      if (i % 3 == 0)
        g_assert_null (lists);
      else
        {
          g_assert_nonnull (lists);
          g_assert_cmpuint (g_strv_length (lists->v.set), ==, i % 3);
          g_assert_cmpstr (lists->v.set[0], ==, "Alpha");
        }
    }
}

/* The lists there are, for the editors' picker: every page of GET /lists,
 * sorted; another field has no closed set of values. */
static void
test_list_choices (Fixture       *fixture,
                   gconstpointer  data)
{
  const char *names[] = { "VIP", "Customers", "Alpha", "Newsletter", "Pro", NULL };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) choices = NULL;
  g_autofree char *joined = NULL;
  GAsyncResult *slot = NULL;

  for (guint i = 0; names[i] != NULL; i++)
    concord_mock_elasticemail_add_list (fixture->mock, names[i]);
  concord_mock_elasticemail_set_max_page_size (fixture->mock, 2);

  concord_connector_list_choices_async (CONCORD_CONNECTOR (fixture->connector), "contacts", "lists", NULL,
                                        concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  choices = concord_connector_list_choices_finish (CONCORD_CONNECTOR (fixture->connector), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (choices);
  joined = g_strjoinv (", ", choices);
  g_assert_cmpstr (joined, ==, "Alpha, Customers, Newsletter, Pro, VIP");

  g_clear_object (&result);
  slot = NULL;
  concord_connector_list_choices_async (CONCORD_CONNECTOR (fixture->connector), "contacts", "first_name", NULL,
                                        concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_null (concord_connector_list_choices_finish (CONCORD_CONNECTOR (fixture->connector), result, &error));
  g_assert_no_error (error);
}

static void
test_list_ignored_offset (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GError) error = NULL;
  guint n_with_lists = 0;
  GHashTableIter iter;
  gpointer value;

  create_with_lists (fixture, 30);
  concord_mock_elasticemail_set_max_page_size (fixture->mock, 4);
  concord_mock_elasticemail_set_ignore_list_offset (fixture->mock, TRUE);
  concord_mock_elasticemail_reset_requests (fixture->mock);

  /* The listing ends and lists every contact once, however the lists page. */
  seen = list_all (fixture->connector, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 30);

  g_hash_table_iter_init (&iter, seen);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (concord_record_get (value, "lists") != NULL)
      n_with_lists++;

  /* Only each list's first page could be read: 4 of Alpha, maybe others of Beta. */
  g_assert_cmpuint (n_with_lists, >=, 4);
  g_assert_cmpuint (n_with_lists, <=, 8);
  /* Three pages of each list: the first, the repeat that gave the bug
   * away, and one asking for the whole list at once (which this server
   * caps too). */
  g_assert_cmpuint (count_requests (fixture->mock, "GET /v4/lists/Alpha/contacts"), ==, 3);
  g_assert_cmpuint (count_requests (fixture->mock, "GET /v4/lists/Beta/contacts"), ==, 3);
}

static void
test_create_many (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) records = new_records ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 2500; i++)
    {
      g_autofree char *email = g_strdup_printf ("bulk%04u@example.com", i);

      g_ptr_array_add (records, new_contact (email, "Bulk", NULL));
    }

  results = create (fixture->connector, records, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 2500);
  for (guint i = 0; i < results->len; i++)
    {
      ConcordWriteResult *result = g_ptr_array_index (results, i);
      g_autofree char *email = g_strdup_printf ("bulk%04u@example.com", i);

      g_assert_cmpuint (result->index, ==, i);
      g_assert_no_error (result->error);
      g_assert_cmpstr (concord_record_get_remote_id (result->record), ==, email);
      g_assert_cmpstr (concord_record_get_text (result->record, "first_name"), ==, "Bulk");
    }

  g_assert_cmpuint (count_requests (fixture->mock, "POST /v4/contacts"), ==, 3);
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (fixture->mock), ==, 2500);
}

/* Elastic Email takes at most 1000 contacts a POST /contacts (the mock
 * answers 413 above): 1500 go in two requests, none refused. The halving
 * after a 413 is the contract's (413-split). */
static void
test_create_1000_limit (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GPtrArray) records = new_records ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (concord_connector_get_max_batch (CONCORD_CONNECTOR (fixture->connector)), ==,
                    1000);
  for (guint i = 0; i < 1500; i++)
    {
      g_autofree char *email = g_strdup_printf ("split%04u@example.com", i);

      g_ptr_array_add (records, new_contact (email, NULL, "Split"));
    }

  results = create (fixture->connector, records, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1500);
  for (guint i = 0; i < results->len; i++)
    g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, i))->error);

  g_assert_cmpuint (count_requests (fixture->mock, "POST /v4/contacts"), ==, 2);
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (fixture->mock), ==, 1500);
}

static void
test_reset_mid_paging (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(ConcordPage) first = NULL;
  g_autoptr(ConcordPage) second = NULL;
  g_autoptr(ConcordPage) again = NULL;
  g_autoptr(GError) error = NULL;

  concord_mock_elasticemail_generate (fixture->mock, 30, 3);
  concord_mock_elasticemail_set_max_page_size (fixture->mock, 10);

  first = list_page (fixture->connector, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->records->len, ==, 10);
  g_assert_nonnull (first->next_page);

  /* One reset: the connector retries and the page arrives. */
  concord_mock_elasticemail_fail_request (fixture->mock, 1, CONCORD_MOCK_FAULT_RESET, 0);
  second = list_page (fixture->connector, first->next_page, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->records->len, ==, 10);
  g_assert_false (second->complete);

  /* Resets past the retries (libsoup itself may resend once on a reused
   * connection, so arm plenty): the listing fails, nothing marked complete. */
  for (guint n = 1; n <= 20; n++)
    concord_mock_elasticemail_fail_request (fixture->mock, n, CONCORD_MOCK_FAULT_RESET, 0);
  again = list_page (fixture->connector, second->next_page, &error);
  g_assert_null (again);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NETWORK);
}

static void
test_plus_and_case (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) records = new_records ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GPtrArray) fetched = NULL;
  g_autoptr(GError) error = NULL;
  ConcordWriteResult *result;
  const char *ids[] = { "jo+news@example.com", "nobody@example.com", "mixed+case@example.com",
                        NULL };
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GPtrArray) changes = new_changes ();
  g_autoptr(GPtrArray) updated = NULL;
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  g_autofree char *stored = NULL;
  g_auto(GStrv) members = NULL;
  const char *lists[] = { "Friends+Family & Co=1", NULL };

  put_contact (fixture->mock, "{\"Email\": \"Mixed+Case@Example.COM\", \"FirstName\": \"Mix\"}");

  /* A list name that breaks a query string unless every reserved
   * character is escaped. */
  concord_mock_elasticemail_add_list (fixture->mock, lists[0]);
  g_ptr_array_add (records, new_contact ("Jo+News@Example.COM", "Jo", "Plus"));
  concord_record_set_set (g_ptr_array_index (records, 0), "lists", lists);
  results = create (fixture->connector, records, &error);
  g_assert_no_error (error);
  result = g_ptr_array_index (results, 0);
  g_assert_no_error (result->error);
  g_assert_cmpstr (concord_record_get_remote_id (result->record), ==, "jo+news@example.com");
  members = concord_mock_elasticemail_get_list_members (fixture->mock, lists[0]);
  g_assert_nonnull (members);
  /* Written as the user wrote it; identified by its folded form. */
  g_assert_true (g_strv_contains ((const char * const *) members, "Jo+News@Example.COM"));

  seen = list_all (fixture->connector, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_hash_table_contains (seen, "mixed+case@example.com"));
  g_assert_true (g_hash_table_contains (seen, "jo+news@example.com"));

  concord_mock_elasticemail_reset_requests (fixture->mock);
  fetched = fetch (fixture->connector, ids, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fetched->len, ==, 2);
  g_assert_cmpstr (concord_record_get_remote_id (g_ptr_array_index (fetched, 1)), ==,
                   "mixed+case@example.com");
  g_assert_cmpstr (concord_record_get_text (g_ptr_array_index (fetched, 1), "first_name"), ==,
                   "Mix");
  g_assert_cmpstr (concord_record_get_remote_id (g_ptr_array_index (fetched, 0)), ==,
                   "jo+news@example.com");
  g_assert_cmpstr (concord_record_get_text (g_ptr_array_index (fetched, 0), "last_name"), ==,
                   "Plus");


  concord_record_set_text (set, "last_name", CONCORD_FIELD_TYPE_STRING, "Cased");
  g_ptr_array_add (changes, concord_record_change_new ("mixed+case@example.com", set, NULL));
  updated = update (fixture->connector, changes, &error);
  g_assert_no_error (error);
  g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (updated, 0))->error);
  stored = concord_mock_elasticemail_get_contact_json (fixture->mock, "mixed+case@example.com");
  g_assert_nonnull (stored);
  g_assert_nonnull (strstr (stored, "Cased"));
}

/* A field no contact uses cannot be learnt: declared with the account's
 * option "custom_fields", it is in the schema and is written; a declared
 * name the account lacks fails its writes, named (the echo shows it). */
static void
test_declared_custom_fields (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(ConcordConnector) connector = NULL;
  g_autoptr(GPtrArray) records = new_records ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GPtrArray) specs = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *options = NULL;
  GAsyncResult *slot = NULL;
  ConcordRecord *record;
  ConcordWriteResult *result;
  guint n_declared = 0;

  concord_mock_elasticemail_add_custom_field (fixture->mock, "Tier");
  options = g_strdup_printf ("{\"base_url\": \"%s\", \"custom_fields\": \"Tier, Nope,,\"}",
                             concord_mock_elasticemail_get_base_url (fixture->mock));
  connector = concord_app_registry_create_connector ("elasticemail", options, TEST_KEY, &error);
  g_assert_no_error (error);

  concord_connector_load_schema_async (connector, "contacts", NULL, concord_test_store_result_cb, &slot);
  done = concord_test_wait_for_result (&slot);
  specs = concord_connector_load_schema_finish (connector, done, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < specs->len; i++)
    {
      ConcordFieldSpec *spec = g_ptr_array_index (specs, i);

      if (g_str_equal (spec->key, "custom:Tier") || g_str_equal (spec->key, "custom:Nope"))
        {
          g_assert_true (spec->custom);
          n_declared++;
        }
      g_assert_cmpstr (spec->key, !=, "custom:");
    }
  g_assert_cmpuint (n_declared, ==, 2);

  record = new_contact ("tiered@example.com", "Tia", NULL);
  concord_record_set_text (record, "custom:Tier", CONCORD_FIELD_TYPE_STRING, "gold");
  g_ptr_array_add (records, record);
  record = new_contact ("nope@example.com", "Noe", NULL);
  concord_record_set_text (record, "custom:Nope", CONCORD_FIELD_TYPE_STRING, "x");
  g_ptr_array_add (records, record);

  results = create (CONCORD_CONNECTOR_ELASTICEMAIL (connector), records, &error);
  g_assert_no_error (error);
  result = g_ptr_array_index (results, 0);
  g_assert_no_error (result->error);
  g_assert_cmpstr (concord_record_get_text (result->record, "custom:Tier"), ==, "gold");
  result = g_ptr_array_index (results, 1);
  g_assert_error (result->error, CONCORD_ERROR, CONCORD_ERROR_FAILED);
  g_assert_nonnull (strstr (result->error->message, "has no custom field Nope"));
}

static void
test_unknown_custom_field (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GPtrArray) records = new_records ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  ConcordRecord *record;
  ConcordWriteResult *result;

  concord_mock_elasticemail_add_custom_field (fixture->mock, "Plan");

  record = new_contact ("known@example.com", "Known", NULL);
  concord_record_set_text (record, "custom:Plan", CONCORD_FIELD_TYPE_STRING, "gold");
  g_ptr_array_add (records, record);

  record = new_contact ("unknown@example.com", "Unknown", NULL);
  concord_record_set_text (record, "custom:Shoe size", CONCORD_FIELD_TYPE_STRING, "secret-44");
  g_ptr_array_add (records, record);

  results = create (fixture->connector, records, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 2);

  result = g_ptr_array_index (results, 0);
  g_assert_no_error (result->error);
  g_assert_cmpstr (concord_record_get_text (result->record, "custom:Plan"), ==, "gold");

  result = g_ptr_array_index (results, 1);
  g_assert_error (result->error, CONCORD_ERROR, CONCORD_ERROR_FAILED);
  g_assert_nonnull (strstr (result->error->message, "has no custom field Shoe size"));
  g_assert_null (strstr (result->error->message, "secret-44"));
  g_assert_null (strstr (result->error->message, "unknown@example.com"));
}

static void
test_unknown_list (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) records = new_records ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GPtrArray) changes = new_changes ();
  g_autoptr(GPtrArray) updated = NULL;
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  g_autoptr(GError) error = NULL;
  const char *lists[] = { "Nowhere", NULL };
  ConcordWriteResult *result;

  g_ptr_array_add (records, new_contact ("listless@example.com", "No", "List"));
  concord_record_set_set (g_ptr_array_index (records, 0), "lists", lists);
  g_ptr_array_add (records, new_contact ("fine@example.com", "Fine", NULL));

  results = create (fixture->connector, records, &error);
  g_assert_no_error (error);
  result = g_ptr_array_index (results, 0);
  g_assert_error (result->error, CONCORD_ERROR, CONCORD_ERROR_FAILED);
  g_assert_nonnull (strstr (result->error->message, "List not found."));
  g_assert_null (strstr (result->error->message, "listless"));
  /* Another group of the same call is not affected. */
  g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, 1))->error);

  concord_record_set_set (set, "lists", lists);
  g_ptr_array_add (changes, concord_record_change_new ("fine@example.com", set, NULL));
  updated = update (fixture->connector, changes, &error);
  g_assert_no_error (error);
  result = g_ptr_array_index (updated, 0);
  /* Not NOT_FOUND: the contact is there, the list is not. */
  g_assert_error (result->error, CONCORD_ERROR, CONCORD_ERROR_FAILED);
}

static void
test_update (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GPtrArray) changes = new_changes ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  g_auto(GStrv) beta = NULL;
  const char *lists[] = { "Beta", NULL };
  const char *clear[] = { "last_name", NULL };
  ConcordWriteResult *result;
  const ConcordValue *value;

  create_with_lists (fixture, 3);   /* member001 is on Alpha */

  concord_record_set_text (set, "first_name", CONCORD_FIELD_TYPE_STRING, "Renamed");
  concord_record_set_set (set, "lists", lists);
  g_ptr_array_add (changes, concord_record_change_new ("member001@example.com", set, clear));

  results = update (fixture->connector, changes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  result = g_ptr_array_index (results, 0);
  g_assert_no_error (result->error);
  g_assert_cmpstr (concord_record_get_text (result->record, "first_name"), ==, "Renamed");
  value = concord_record_get (result->record, "lists");
  g_assert_nonnull (value);
  g_assert_cmpuint (g_strv_length (value->v.set), ==, 1);
  g_assert_cmpstr (value->v.set[0], ==, "Beta");

  beta = concord_mock_elasticemail_get_list_members (fixture->mock, "Beta");
  g_assert_true (g_strv_contains ((const char * const *) beta, "member001@example.com"));
}

static void
test_status_change (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) changes = new_changes ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordRecord) bounce = concord_record_new (NULL);
  g_autoptr(ConcordRecord) unsubscribe = concord_record_new (NULL);
  g_autoptr(ConcordRecord) deny = concord_record_new (NULL);
  const ConcordFieldRefusal *refusal;
  ConcordWriteResult *result;

  put_contact (fixture->mock, "{\"Email\": \"a@example.com\", \"Status\": \"Active\"}");
  put_contact (fixture->mock, "{\"Email\": \"b@example.com\", \"Status\": \"Active\"}");
  put_contact (fixture->mock, "{\"Email\": \"c@example.com\", \"Status\": \"Active\", "
                              "\"Consent\": {\"ConsentTracking\": \"Allow\"}}");

  concord_record_set_text (bounce, "status", CONCORD_FIELD_TYPE_ENUM, "bounced");
  g_ptr_array_add (changes, concord_record_change_new ("a@example.com", bounce, NULL));
  concord_record_set_text (unsubscribe, "status", CONCORD_FIELD_TYPE_ENUM, "unsubscribed");
  g_ptr_array_add (changes, concord_record_change_new ("b@example.com", unsubscribe, NULL));
  concord_record_set_text (deny, "consent", CONCORD_FIELD_TYPE_ENUM, "deny");
  concord_record_set_text (deny, "first_name", CONCORD_FIELD_TYPE_STRING, "Cee");
  g_ptr_array_add (changes, concord_record_change_new ("c@example.com", deny, NULL));

  results = update (fixture->connector, changes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 3);

  /* A value the API cannot set is refused alone, for good; the rest of
   * the change is written. */
  result = g_ptr_array_index (results, 2);
  g_assert_no_error (result->error);
  g_assert_nonnull (result->refused);
  g_assert_cmpuint (result->refused->len, ==, 1);
  refusal = g_ptr_array_index (result->refused, 0);
  g_assert_cmpstr (refusal->key, ==, "consent");
  g_assert_nonnull (strstr (refusal->reason, "consent"));
  g_assert_cmpstr (concord_record_get_text (result->record, "first_name"), ==, "Cee");

  result = g_ptr_array_index (results, 0);
  g_assert_no_error (result->error);
  g_assert_nonnull (result->refused);
  g_assert_cmpuint (result->refused->len, ==, 1);
  refusal = g_ptr_array_index (result->refused, 0);
  g_assert_cmpstr (refusal->key, ==, "status");
  g_assert_nonnull (strstr (refusal->reason, "does not allow changing the status to bounced"));
  g_assert_cmpstr (concord_record_get_text (result->record, "status"), ==, "active");

  result = g_ptr_array_index (results, 1);
  g_assert_no_error (result->error);
  g_assert_null (result->refused);
  g_assert_cmpuint (count_requests (fixture->mock, "POST /v4/suppressions/unsubscribes"), ==, 1);
  g_assert_cmpstr (concord_record_get_text (result->record, "status"), ==, "unsubscribed");
}

/* What the mock cannot send: bytes that are not UTF-8, odd types and odd
 * dates. A server on this thread answers with them. */
static const char odd_page[] =
  "[{\"Email\": \"bad\xff\xfe@example.com\", \"FirstName\": \"Ren\xe9\", "
  "  \"DateUpdated\": \"2024-03-01\"},"
  " {\"FirstName\": \"No email\"},"
  " 42, null, [\"x\"],"
  " {\"Email\": 17},"
  " {\"Email\": \"  Types@Example.com \", \"Status\": 30, \"Source\": 5, "
  "  \"FirstName\": {\"nested\": true}, \"LastName\": 1.5,"
  "  \"DateAdded\": \"2024-03-01T10:00:00.123\", \"DateUpdated\": \"yesterday\","
  "  \"StatusChangeDate\": null, \"Consent\": \"weird\","
  "  \"CustomFields\": {\"Age\": 34, \"Vip\": true, \"Empty\": null, \"Obj\": {}}}]";

static void
on_odd_request_cb (SoupServer        *server,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  const char *offset = query != NULL ? g_hash_table_lookup (query, "offset") : NULL;
  const char *body = "[]";

  if (g_str_equal (path, "/v4/contacts") && g_strcmp0 (offset, "0") == 0)
    body = user_data != NULL ? user_data : odd_page;
  /* A list whose name has a byte that is not UTF-8, with one member. */
  else if (g_str_equal (path, "/v4/lists") && g_strcmp0 (offset, "0") == 0)
    body = "[{\"ListName\": \"Bad\xffList\"}]";
  else if (g_str_has_prefix (path, "/v4/lists/Bad") && g_strcmp0 (offset, "0") == 0)
    body = "[{\"Email\": \"ok@example.com\"}]";

  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                    body, strlen (body));
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

/* A server on this thread whose first page of contacts is @page (the odd
 * page when NULL); returns its base URL. */
static char *
start_page_server (SoupServer *server,
                   const char *page)
{
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  soup_server_add_handler (server, "/v4", on_odd_request_cb, (gpointer) page, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  return g_strdup_printf ("http://127.0.0.1:%d/v4", g_uri_get_port (uris->data));
}

static void
test_odd_values (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(ConcordConnectorElasticEmail) connector = NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = start_page_server (server, NULL);
  GHashTableIter iter;
  gpointer key;
  gpointer value;
  ConcordRecord *record = NULL;
  ConcordRecord *types;

  connector = concord_connector_elasticemail_new (url, TEST_KEY);
  seen = list_all (connector, NULL, &error);
  g_assert_no_error (error);

  /* The two contacts with a readable email, nothing else. */
  g_assert_cmpuint (g_hash_table_size (seen), ==, 2);

  types = g_hash_table_lookup (seen, "types@example.com");
  g_assert_nonnull (types);
  g_assert_cmpstr (concord_record_get_text (types, "status"), ==, "30");
  g_assert_cmpstr (concord_record_get_text (types, "source"), ==, "5");
  g_assert_null (concord_record_get (types, "first_name"));
  g_assert_cmpstr (concord_record_get_text (types, "last_name"), ==, "1.5");
  g_assert_cmpint (concord_record_get (types, "created_at")->v.datetime, ==, 1709287200);
  g_assert_null (concord_record_get (types, "updated_at"));
  g_assert_cmpstr (concord_record_get_text (types, "custom:Age"), ==, "34");
  g_assert_cmpstr (concord_record_get_text (types, "custom:Vip"), ==, "true");
  g_assert_null (concord_record_get (types, "custom:Empty"));

  g_hash_table_iter_init (&iter, seen);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (value != types)
      record = value;
  g_assert_nonnull (record);
  g_assert_true (g_utf8_validate (concord_record_get_remote_id (record), -1, NULL));
  g_assert_true (g_utf8_validate (concord_record_get_text (record, "first_name"), -1, NULL));
  /* Repaired, and said so: never written across, never matched. */
  g_assert_true (concord_record_is_altered (record, "email"));
  g_assert_true (concord_record_is_altered (record, "first_name"));
  g_assert_false (concord_record_is_altered (types, "email"));
  /* A bare date is midnight UTC. */
  g_assert_cmpint (concord_record_get_modified (record), ==, 1709251200);
}

/* Escaped NULs, and a U+FFFD the server really holds beside broken bytes. */
static const char nul_page[] =
  "[{\"Email\": \"nul\\u0000x@example.com\", \"FirstName\": \"Nul\"},"
  " {\"Email\": \"ok@example.com\", \"FirstName\": \"A\\u0000B\", \"LastName\": \"Lind\","
  "  \"CustomFields\": {\"Note\": \"x\\\\u0000y\", \"Bad\\u0000Name\": \"1\", \"Ok\": \"z\xff\"}},"
  " {\"Email\": \"fffd@example.com\", \"FirstName\": \"\xef\xbf\xbd\"}]";

static void
test_repaired_values (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(ConcordConnectorElasticEmail) connector = NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = start_page_server (server, nul_page);
  ConcordRecord *record;

  connector = concord_connector_elasticemail_new (url, TEST_KEY);
  seen = list_all (connector, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 3);

  /* "nul\u0000x@…" is not cut to "nul": kept whole, marked. */
  record = g_hash_table_lookup (seen, "nul\xef\xbf\xbdx@example.com");
  g_assert_nonnull (record);
  g_assert_true (concord_record_is_altered (record, "email"));
  g_assert_false (concord_record_is_altered (record, "first_name"));

  /* Per value: the repaired ones are marked, the rest of the record not. */
  record = g_hash_table_lookup (seen, "ok@example.com");
  g_assert_nonnull (record);
  g_assert_false (concord_record_is_altered (record, "email"));
  g_assert_cmpstr (concord_record_get_text (record, "first_name"), ==, "A\xef\xbf\xbd" "B");
  g_assert_true (concord_record_is_altered (record, "first_name"));
  g_assert_false (concord_record_is_altered (record, "last_name"));
  /* An escaped backslash before "u0000" is text, not a NUL. */
  g_assert_cmpstr (concord_record_get_text (record, "custom:Note"), ==, "x\\u0000y");
  g_assert_false (concord_record_is_altered (record, "custom:Note"));
  g_assert_true (concord_record_is_altered (record, "custom:Ok"));
  g_assert_nonnull (concord_record_get (record, "lists"));
  g_assert_true (concord_record_is_altered (record, "lists"));
  /* A field whose name was repaired cannot be written back: left out. */
  for (guint i = 0; i < concord_record_get_n_fields (record); i++)
    {
      const char *key;

      concord_record_get_field_at (record, i, &key);
      g_assert_null (strstr (key, "Bad"));
    }

  /* A U+FFFD the server sent as such is the user's. */
  record = g_hash_table_lookup (seen, "fffd@example.com");
  g_assert_nonnull (record);
  g_assert_false (concord_record_has_altered (record));
}

int
main (int    argc,
      char **argv)
{
  /* The mock is local; isolated XDG directories hide the system's proxy
   * settings schema, which GNOME's proxy resolver would abort on. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

#define ADD(name, func) \
  g_test_add ("/concord/connector-elasticemail/" name, Fixture, NULL, \
              fixture_set_up, func, fixture_tear_down)

  ADD ("identity", test_identity);
  ADD ("verify-ok", test_verify_ok);
  ADD ("verify-wrong-key", test_verify_wrong_key);
  ADD ("verify-no-access", test_verify_no_access);
  g_test_add_func ("/concord/connector-elasticemail/verify-no-server", test_verify_no_server);
  ADD ("paging", test_paging);
  ADD ("schema", test_schema);
  ADD ("tolerant-parsing", test_tolerant_parsing);
  ADD ("refused-contact", test_refused_contact);
  g_test_add_func ("/concord/connector-elasticemail/odd-values", test_odd_values);
  g_test_add_func ("/concord/connector-elasticemail/repaired-values", test_repaired_values);
  ADD ("list-membership", test_list_membership);
  ADD ("list-ignored-offset", test_list_ignored_offset);
  ADD ("list-choices", test_list_choices);
  ADD ("create-many", test_create_many);
  ADD ("create-1000-limit", test_create_1000_limit);
  ADD ("reset-mid-paging", test_reset_mid_paging);
  ADD ("plus-and-case", test_plus_and_case);
  ADD ("unknown-custom-field", test_unknown_custom_field);
  ADD ("declared-custom-fields", test_declared_custom_fields);
  ADD ("unknown-list", test_unknown_list);
  ADD ("update", test_update);
  ADD ("status-change", test_status_change);

#undef ADD

  return g_test_run ();
}
