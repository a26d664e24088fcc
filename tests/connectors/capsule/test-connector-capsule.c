/* test-connector-capsule.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Capsule CRM from capsule.json alone (ConcordJsonConnector, no C for the
 * app) against its simulated API, on what is Capsule's own: a bearer
 * token; parties paged through Link headers, of which only persons are
 * contacts; writes wrapped in {"party": …}, a new party typed as a person
 * (the description's where); custom fields by definition id, a list field
 * by its options; since for the incremental listing; the 422's
 * errors[0].message as the refusal. (The rate limit is not timed here:
 * Capsule's X-RateLimit-Reset is a Unix time, which ConcordHttpClient
 * reads as seconds to wait, capped at a minute; the contract's 429 case
 * covers Retry-After.)
 *
 * Paths: /concord/capsule/<case>.
 */

#define G_LOG_DOMAIN "concord-test-connector-capsule"

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

#define DESCRIBED_APP "capsule"
#define QUIRKS        concord_mock_capsule_quirks
#define CONTACT_TYPE  "persons"
#define KEY           "capsule-test-token-d04c19"
#define ACCOUNT_OPTIONS(options) ((void) (options))

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

static void
test_verify (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(ConcordConnector) wrong = make_connector (f->mock, "not-the-key");
  g_autoptr(GError) error = NULL;

  g_assert_true (verify (f->connector, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (concord_mock_server_count_header (concord_mock_described_get_server (f->mock),
                                                      "Authorization", "Bearer " KEY), >=, 1);
  g_assert_false (verify (wrong, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
}

/* Link paging to the end: every person once, no organisation; then only
 * later changes by since. */
static void
test_parties (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordWriteResult) created = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *json = NULL;

  concord_mock_described_put_record_json (f->mock, "{\"type\": \"organisation\", \"name\": "
                                                   "\"Acme Ltd\", \"emailAddresses\": [{\"address\": "
                                                   "\"info@acme.example\"}]}", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 11; i++)
    {
      g_autofree char *person = g_strdup_printf ("{\"type\": \"person\", \"firstName\": \"Old\", "
                                                 "\"emailAddresses\": [{\"address\": "
                                                 "\"old%u@example.com\", \"type\": \"Work\"}], "
                                                 "\"updatedAt\": \"%s\"}", i,
                                                 i == 10 ? "2021-03-04T05:06:07Z"
                                                         : "2020-01-01T00:00:00Z");

      concord_mock_described_put_record_json (f->mock, person, &error);
      g_assert_no_error (error);
    }
  concord_mock_server_reset_log (concord_mock_described_get_server (f->mock));
  all = list_all (f, NULL, &cursor, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 11);
  g_assert_null (find_email (all, "info@acme.example"));
  g_assert_cmpuint (count_method (f, "GET"), >=, 3);

  created = create_one (f, new_person ("new@example.com", "New", NULL));
  g_assert_no_error (created->error);
  json = concord_mock_described_get_record_json (
    f->mock, g_ascii_strtoll (concord_record_get_remote_id (created->record), NULL, 10));
  g_assert_nonnull (strstr (json, "\"type\":\"person\""));
  changes = list_all (f, cursor, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (find_email (changes, "new@example.com"));
  g_assert_null (find_email (changes, "old0@example.com"));
  g_assert_cmpuint (changes->len, <=, 2);
}

/* Custom fields by definition id; a list field's options are its choices;
 * an update changes only what it is sent. */
static void
test_fields_and_update (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GPtrArray) specs = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordRecord) person = new_person ("ann@example.com", "Ann", "Okafor");
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  g_autoptr(ConcordWriteResult) created = NULL;
  g_autoptr(ConcordWriteResult) updated = NULL;
  g_autofree char *json = NULL;
  const ConcordFieldSpec *tier;
  ConcordRecord *listed;
  gint64 number;

  specs = concord_connector_load_schema_sync (f->connector, CONTACT_TYPE, NULL, &error);
  g_assert_no_error (error);
  tier = find_spec (specs, "custom:Tier");
  g_assert_nonnull (tier);
  g_assert_cmpint (tier->type, ==, CONCORD_FIELD_TYPE_ENUM);
  g_assert_nonnull (find_spec (specs, "custom:city"));

  concord_record_set_text (person, "custom:Tier", CONCORD_FIELD_TYPE_ENUM, "Silver");
  concord_record_set_text (person, CONCORD_FIELD_COMPANY, CONCORD_FIELD_TYPE_STRING, "Globex");
  created = create_one (f, concord_record_ref (person));
  g_assert_no_error (created->error);
  number = g_ascii_strtoll (concord_record_get_remote_id (created->record), NULL, 10);

  concord_record_set_text (set, "custom:city", CONCORD_FIELD_TYPE_STRING, "Lisbon");
  updated = update_one (f, concord_record_get_remote_id (created->record), set, NULL);
  g_assert_no_error (updated->error);
  json = concord_mock_described_get_record_json (f->mock, number);
  g_assert_nonnull (strstr (json, "Silver"));
  g_assert_nonnull (strstr (json, "Lisbon"));
  g_assert_nonnull (strstr (json, "Okafor"));

  all = list_all (f, NULL, NULL, &error);
  g_assert_no_error (error);
  listed = find_email (all, "ann@example.com");
  g_assert_nonnull (listed);
  g_assert_cmpstr (concord_record_get_text (listed, "custom:Tier"), ==, "Silver");
  g_assert_cmpstr (concord_record_get_text (listed, "custom:city"), ==, "Lisbon");
  g_assert_cmpstr (concord_record_get_text (listed, CONCORD_FIELD_COMPANY), ==, "Globex");
}

/* Capsule shows a party's custom values and tags only when asked to
 * embed them: a fetched party has its custom values too, so that they are
 * never taken for cleared. */
static void
test_fetch_embeds (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GPtrArray) fetched = NULL;
  g_autofree char *id = NULL;
  GAsyncResult *result = NULL;
  const char *ids[2] = { NULL, NULL };
  gint64 number;

  number = concord_mock_described_put_record_json (
    f->mock, "{\"type\": \"person\", \"firstName\": \"Tia\", \"emailAddresses\": "
             "[{\"address\": \"tia@example.com\"}], \"tags\": [{\"name\": \"VIP\"}], "
             "\"fields\": [{\"definition\": {\"id\": 502}, \"value\": \"Gold\"}]}", &error);
  g_assert_no_error (error);
  id = g_strdup_printf ("%" G_GINT64_FORMAT, number);
  ids[0] = id;
  concord_connector_fetch_async (f->connector, CONTACT_TYPE, ids, NULL,
                                 concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  fetched = concord_connector_fetch_finish (f->connector, done, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fetched->len, ==, 1);
  g_assert_cmpstr (concord_record_get_text (g_ptr_array_index (fetched, 0), "custom:Tier"), ==,
                   "Gold");
  g_assert_nonnull (concord_record_get (g_ptr_array_index (fetched, 0), CONCORD_FIELD_TAGS));
}

/* A new email address replaces the old one, as it does on the other side:
 * Capsule adds every nested item sent without an id, so the old address
 * must be deleted by its id, or it stays first and the change is lost. */
static void
test_email_change (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ConcordWriteResult) created = create_one (f, new_person ("ann@example.com", "Ann", NULL));
  g_autoptr(ConcordRecord) set = new_person ("ann@new.example", NULL, NULL);
  g_autoptr(ConcordWriteResult) updated = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  g_assert_no_error (created->error);
  updated = update_one (f, concord_record_get_remote_id (created->record), set, NULL);
  g_assert_no_error (updated->error);
  json = concord_mock_described_get_record_json (
    f->mock, g_ascii_strtoll (concord_record_get_remote_id (created->record), NULL, 10));
  g_test_message ("after the update: %s", json);
  g_assert_nonnull (strstr (json, "ann@new.example"));
  all = list_all (f, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 1);
  /* The description's items "id" and "delete": the old address went by
   * its id, the new one is the only one. */
  g_assert_cmpstr (concord_record_get_email (g_ptr_array_index (all, 0)), ==, "ann@new.example");
  g_assert_null (strstr (json, "ann@example.com"));
}

/* A 422 fails that person alone, with errors[0].message. */
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
  ADD ("parties", test_parties);
  ADD ("fields-and-update", test_fields_and_update);
  ADD ("fetch-embeds", test_fetch_embeds);
  ADD ("email-change", test_email_change);
  ADD ("refused", test_refused);
#undef ADD

  return g_test_run ();
}
