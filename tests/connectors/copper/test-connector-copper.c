/* test-connector-copper.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Copper from copper.json alone (ConcordJsonConnector, no C for the app
 * but the description's listed hook) against its simulated API, on what
 * is Copper's own: the three X-PW headers; POST /people/search paging
 * with a strict body and the incremental minimum_modified_date; custom
 * dates as mm/dd/yyyy read and written through copper_custom_dates; a
 * truncated search page (a POST, which the contract's GET faults miss)
 * failing the listing; a 429 without any header still waited out.
 *
 * Paths: /concord/copper/<case>.
 */

#define G_LOG_DOMAIN "concord-test-connector-copper"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "concord-app-registry.h"
#include "concord-description.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-json-connector.h"
#include "concord-mock-described-apps.h"
#include "concord-test-utils.h"

#define DESCRIBED_APP "copper"
#define QUIRKS        concord_mock_copper_quirks
#define CONTACT_TYPE  "people"
#define KEY           "copper-test-token-3f81aa"
#define OWNER         "owner@example.com"
#define ACCOUNT_OPTIONS(options) json_object_set_string_member ((options), "user_email", OWNER)

typedef struct
{
  ConcordMockDescribed *mock;       /* (owned) */
  ConcordConnector     *connector;  /* (owned) */
} Fixture;

static ConcordConnector *
make_connector (ConcordMockDescribed *mock,
                const char           *key)
{
  ConcordDescription *description =
    concord_app_registry_get_description (concord_mock_described_get_app_id (mock));
  g_autoptr(JsonObject) options = json_object_new ();
  g_autoptr(GError) error = NULL;
  ConcordJsonConnector *connector;
  /* The very description the registry made the app from. */
  g_assert_nonnull (description);
  json_object_set_string_member (options, "base_url", concord_mock_described_get_base_url (mock));
  ACCOUNT_OPTIONS (options);
  connector = concord_json_connector_new (description, options, key, &error);
  g_assert_no_error (error);
  concord_json_connector_set_retry_base_ms (connector, 2);
  concord_json_connector_set_page_size (connector, 5);
  return CONCORD_CONNECTOR (connector);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->mock = concord_mock_described_new (DESCRIBED_APP, &QUIRKS, KEY, 0, &error);
  g_assert_no_error (error);
  f->connector = make_connector (f->mock, KEY);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->connector);
  g_clear_object (&f->mock);
}

static ConcordRecord *
new_person (const char *email,
            const char *first_name,
            const char *last_name)
{
  ConcordRecord *record = concord_record_new (NULL);

  if (email != NULL)
    concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
  if (first_name != NULL)
    concord_record_set_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING,
                             first_name);
  if (last_name != NULL)
    concord_record_set_text (record, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING,
                             last_name);
  return record;
}

/* Creates @record; returns the write's result (transfer full). */
static ConcordWriteResult *
create_one (Fixture       *f,
            ConcordRecord *record)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  g_ptr_array_add (records, record);
  concord_connector_create_async (f->connector, CONTACT_TYPE, records, NULL,
                                  concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  results = concord_connector_create_finish (f->connector, done, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  return g_ptr_array_steal_index (results, 0);
}

static ConcordWriteResult *
update_one (Fixture            *f,
            const char         *remote_id,
            ConcordRecord      *set,
            const char * const *clear)
{
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  g_ptr_array_add (changes, concord_record_change_new (remote_id, set, clear));
  concord_connector_update_async (f->connector, CONTACT_TYPE, changes, NULL,
                                  concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  results = concord_connector_update_finish (f->connector, done, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  return g_ptr_array_steal_index (results, 0);
}

/* Every record of a listing from @cursor (NULL: all), in order; sets
 * @next_cursor (the incremental cursor of the last page) when given. */
static GPtrArray *
list_all (Fixture     *f,
          const char  *cursor,
          char       **next_cursor,
          GError     **error)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autofree char *token = NULL;
  guint pages = 0;

  do
    {
      g_autoptr(GAsyncResult) done = NULL;
      g_autoptr(ConcordPage) page = NULL;
      GAsyncResult *result = NULL;

      concord_connector_list_async (f->connector, CONTACT_TYPE, cursor, token, NULL,
                                    concord_test_store_result_cb, &result);
      done = concord_test_wait_for_result (&result);
      page = concord_connector_list_finish (f->connector, done, error);
      if (page == NULL)
        return NULL;
      g_assert_cmpuint (++pages, <, 1000);
      for (guint i = 0; i < page->records->len; i++)
        g_ptr_array_add (all, concord_record_ref (g_ptr_array_index (page->records, i)));
      g_free (token);
      token = g_strdup (page->next_page);
      if (token == NULL && next_cursor != NULL)
        *next_cursor = g_strdup (page->cursor);
    }
  while (token != NULL);

  return g_steal_pointer (&all);
}

static ConcordRecord *
find_email (GPtrArray  *records,
            const char *email)
{
  for (guint i = 0; i < records->len; i++)
    if (g_strcmp0 (concord_record_get_email (g_ptr_array_index (records, i)), email) == 0)
      return g_ptr_array_index (records, i);
  return NULL;
}

/* How many requests of @method the mock saw since its log was reset. */
static guint
count_method (Fixture    *f,
              const char *method)
{
  g_autoptr(GPtrArray) log = concord_mock_server_get_log (concord_mock_described_get_server (f->mock));
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    n += g_str_equal (((ConcordMockLogEntry *) g_ptr_array_index (log, i))->method, method);
  return n;
}

static gboolean
verify (ConcordConnector  *connector,
        GError           **error)
{
  g_autoptr(GAsyncResult) done = NULL;
  GAsyncResult *result = NULL;

  concord_connector_verify_async (connector, NULL, concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  return concord_connector_verify_finish (connector, done, error);
}

static const ConcordFieldSpec *
find_spec (GPtrArray  *specs,
           const char *key)
{
  for (guint i = 0; i < specs->len; i++)
    if (g_str_equal (((ConcordFieldSpec *) g_ptr_array_index (specs, i))->key, key))
      return g_ptr_array_index (specs, i);
  return NULL;
}

/* All three headers on every request; a wrong token is AUTH_FAILED. */
static void
test_verify (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(ConcordConnector) wrong = make_connector (f->mock, "not-the-key");
  ConcordMockServer *server = concord_mock_described_get_server (f->mock);
  g_autoptr(GError) error = NULL;

  g_assert_true (verify (f->connector, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (concord_mock_server_count_header (server, "X-PW-AccessToken", KEY), >=, 1);
  g_assert_cmpuint (concord_mock_server_count_header (server, "X-PW-Application", "developer_api"),
                    >=, 1);
  g_assert_cmpuint (concord_mock_server_count_header (server, "X-PW-UserEmail", OWNER), >=, 1);
  g_assert_false (verify (wrong, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
}

/* Pages of 5 until a short one, through the strict search body (the mock
 * answers 400 to a member or type Copper does not take); then only what
 * changed since the cursor, by minimum_modified_date. */
static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordWriteResult) created = NULL;
  g_autofree char *cursor = NULL;

  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"first_name\": \"Old\", \"emails\": [{\"email\": "
                                               "\"old%u@example.com\", \"category\": \"work\"}], "
                                               "\"date_modified\": %d}", i,
                                               i == 11 ? 1700000000 : 1600000000);

      concord_mock_described_put_record_json (f->mock, json, &error);
      g_assert_no_error (error);
    }
  concord_mock_server_reset_log (concord_mock_described_get_server (f->mock));
  all = list_all (f, NULL, &cursor, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 12);
  /* 5 + 5 + 2: three searches, the last one short. */
  g_assert_cmpuint (count_method (f, "POST"), ==, 3);
  g_assert_nonnull (cursor);

  created = create_one (f, new_person ("new@example.com", "New", NULL));
  g_assert_no_error (created->error);
  changes = list_all (f, cursor, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (find_email (changes, "new@example.com"));
  g_assert_null (find_email (changes, "old0@example.com"));
  g_assert_cmpuint (changes->len, <=, 2);
}

/* Custom dates: mm/dd/yyyy in Copper, yyyy-mm-dd in Concord, both ways
 * (the description's copper_custom_dates hook). */
static void
test_custom_dates (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) specs = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  g_autoptr(ConcordWriteResult) updated = NULL;
  g_autofree char *id = NULL;
  g_autofree char *json = NULL;
  ConcordRecord *listed;
  gint64 number;

  number = concord_mock_described_put_record_json (
    f->mock, "{\"first_name\": \"Dee\", \"emails\": [{\"email\": \"dee@example.com\", "
             "\"category\": \"work\"}], \"custom_fields\": [{\"custom_field_definition_id\": "
             "100203, \"value\": \"12/31/2027\"}]}", &error);
  g_assert_no_error (error);
  specs = concord_connector_load_schema_sync (f->connector, CONTACT_TYPE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (find_spec (specs, "custom:Renewal"));
  g_assert_cmpint (find_spec (specs, "custom:Renewal")->type, ==, CONCORD_FIELD_TYPE_DATE);
  /* Available on opportunities only: not a person's field. */
  g_assert_null (find_spec (specs, "custom:Deal size"));

  all = list_all (f, NULL, NULL, &error);
  g_assert_no_error (error);
  listed = find_email (all, "dee@example.com");
  g_assert_nonnull (listed);
  g_assert_cmpstr (concord_record_get_text (listed, "custom:Renewal"), ==, "2027-12-31");

  id = g_strdup_printf ("%" G_GINT64_FORMAT, number);
  concord_record_set_text (set, "custom:Renewal", CONCORD_FIELD_TYPE_DATE, "2028-01-15");
  updated = update_one (f, id, set, NULL);
  g_assert_no_error (updated->error);
  json = concord_mock_described_get_record_json (f->mock, number);
  g_assert_nonnull (strstr (json, "01/15/2028"));
}

/* The search is a POST: a page cut in the middle fails the listing with
 * CONCORD_ERROR_PARSE, as a GET's would. */
static void
test_truncated_search (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;

  concord_mock_described_generate (f->mock, 8, 1);
  concord_mock_server_fail_route (concord_mock_described_get_server (f->mock), "POST",
                                  "/developer_api/v1/people/search", 2, 10,
                                  CONCORD_MOCK_FAULT_TRUNCATE, 0);
  all = list_all (f, NULL, NULL, &error);
  g_assert_null (all);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
}

/* Copper's 429 says nothing of when to come back: the connector waits on
 * its own and the listing still ends (3 requests a second here). */
static void
test_rate_limit (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) log = NULL;
  ConcordMockLogEntry *first, *last;

  concord_mock_described_generate (f->mock, 24, 2);
  concord_mock_described_set_rate_limit (f->mock, 3, 1);
  /* Backing off from half a second, not the other tests' 2 ms. */
  concord_json_connector_set_retry_base_ms (CONCORD_JSON_CONNECTOR (f->connector), 500);
  concord_mock_server_reset_log (concord_mock_described_get_server (f->mock));
  all = list_all (f, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 24);

  log = concord_mock_server_get_log (concord_mock_described_get_server (f->mock));
  /* More requests than pages: some were refused and sent again. */
  g_assert_cmpuint (log->len, >, 5);
  first = g_ptr_array_index (log, 0);
  last = g_ptr_array_index (log, log->len - 1);
  g_assert_cmpint (last->time_us - first->time_us, >=, G_USEC_PER_SEC);
}

/* A refused person fails alone, 422, with Copper's message. */
static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(ConcordWriteResult) refused = create_one (f, new_person ("not-an-address", "X", NULL));

  g_assert_nonnull (refused->error);
  g_assert_true (refused->error->domain == CONCORD_ERROR);
  g_assert_nonnull (strstr (refused->error->message, "Invalid email address"));
  g_assert_cmpuint (concord_mock_described_get_n_records (f->mock), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  /* The isolated test dirs hold no schemas for GNOME's proxy resolver. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

#define ADD(name, func) \
  g_test_add ("/concord/" DESCRIBED_APP "/" name, Fixture, NULL, fixture_set_up, func, \
              fixture_tear_down)
  ADD ("verify", test_verify);
  ADD ("search", test_search);
  ADD ("custom-dates", test_custom_dates);
  ADD ("truncated-search", test_truncated_search);
  ADD ("rate-limit", test_rate_limit);
  ADD ("refused", test_refused);
#undef ADD

  return g_test_run ();
}
