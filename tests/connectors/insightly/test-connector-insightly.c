/* test-connector-insightly.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Insightly from insightly.json alone (ConcordJsonConnector, no C for the
 * app) against its simulated API, on what is Insightly's own: HTTP Basic
 * with the key as user and an empty password; a PUT /Contacts that clears
 * what it omits, so an update sends the whole contact (the description's
 * "shape": "full") with CONTACT_ID; zone-less times read as UTC for the
 * incremental cursor sent as updated_after_utc; CUSTOMFIELDS by
 * FIELD_NAME shown by FIELD_LABEL; Insightly's {"Message"} in errors.
 *
 * Paths: /concord/insightly/<case>.
 */

#define G_LOG_DOMAIN "concord-test-connector-insightly"

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

#define DESCRIBED_APP       "insightly"
#define QUIRKS       concord_mock_insightly_quirks
#define CONTACT_TYPE "contacts"
#define KEY          "insightly-test-key-0b9e44"
#define ACCOUNT_OPTIONS(options) json_object_set_string_member ((options), "pod", "na1")

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

/* The key as the user of HTTP Basic, an empty password; a wrong key is
 * CONCORD_ERROR_AUTH_FAILED. */
static void
test_verify (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(ConcordConnector) wrong = make_connector (f->mock, "not-the-key");
  g_autoptr(GError) error = NULL;
  g_autofree char *encoded = g_base64_encode ((const guchar *) KEY ":", strlen (KEY ":"));
  g_autofree char *expected = g_strconcat ("Basic ", encoded, NULL);

  g_assert_true (verify (f->connector, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (concord_mock_server_count_header (concord_mock_described_get_server (f->mock),
                                                      "Authorization", expected), >=, 1);
  g_assert_false (verify (wrong, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
  g_assert_null (strstr (error->message, KEY));
}

/* Changing one field keeps the others: the connector sends the whole
 * contact, since Insightly's PUT clears what it omits. */
static void
test_full_update (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ConcordRecord) person = new_person ("ann@example.com", "Ann", "Okafor");
  g_autoptr(ConcordWriteResult) created = NULL;
  g_autoptr(ConcordWriteResult) updated = NULL;
  g_autoptr(ConcordWriteResult) cleared = NULL;
  g_autoptr(ConcordRecord) set = new_person (NULL, "Annie", NULL);
  g_autofree char *json = NULL;
  const char *clear[] = { CONCORD_FIELD_LAST_NAME, NULL };
  const char *id;
  gint64 number;

  concord_record_set_text (person, "custom:city", CONCORD_FIELD_TYPE_STRING, "Lisbon");
  concord_record_set_text (person, CONCORD_FIELD_PHONE, CONCORD_FIELD_TYPE_PHONE, "+1 555 0100");
  created = create_one (f, concord_record_ref (person));
  g_assert_no_error (created->error);
  id = concord_record_get_remote_id (created->record);
  g_assert_nonnull (id);
  number = g_ascii_strtoll (id, NULL, 10);

  concord_mock_server_reset_log (concord_mock_described_get_server (f->mock));
  updated = update_one (f, id, set, NULL);
  g_assert_no_error (updated->error);
  g_assert_cmpuint (count_method (f, "PUT"), ==, 1);
  json = concord_mock_described_get_record_json (f->mock, number);
  g_assert_nonnull (strstr (json, "\"FIRST_NAME\":\"Annie\""));
  g_assert_nonnull (strstr (json, "\"LAST_NAME\":\"Okafor\""));
  g_assert_nonnull (strstr (json, "\"EMAIL_ADDRESS\":\"ann@example.com\""));
  g_assert_nonnull (strstr (json, "Lisbon"));
  g_assert_nonnull (strstr (json, "+15550100"));

  /* A cleared field is cleared, the rest kept. */
  g_clear_pointer (&json, g_free);
  {
    g_autoptr(ConcordRecord) nothing = concord_record_new (NULL);

    cleared = update_one (f, id, nothing, clear);
  }
  g_assert_no_error (cleared->error);
  json = concord_mock_described_get_record_json (f->mock, number);
  g_assert_null (strstr (json, "Okafor"));
  g_assert_nonnull (strstr (json, "\"FIRST_NAME\":\"Annie\""));
  g_assert_nonnull (strstr (json, "Lisbon"));
}

/* The cursor is the latest DATE_UPDATED_UTC seen ("yyyy-mm-dd hh:mm:ss",
 * UTC), sent back as updated_after_utc: only later changes are listed. */
static void
test_incremental (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordWriteResult) created = NULL;
  g_autofree char *cursor = NULL;
  g_autoptr(GPtrArray) log = NULL;
  gboolean filtered = FALSE;

  for (guint i = 0; i < 7; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"FIRST_NAME\": \"Old\", \"EMAIL_ADDRESS\": "
                                               "\"old%u@example.com\", \"DATE_UPDATED_UTC\": "
                                               "\"%s\"}", i, i == 6 ? "2021-03-04 05:06:07"
                                                                    : "2020-01-01 00:00:00");

      concord_mock_described_put_record_json (f->mock, json, &error);
      g_assert_no_error (error);
    }
  all = list_all (f, NULL, &cursor, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 7);
  g_assert_nonnull (cursor);

  created = create_one (f, new_person ("new@example.com", "New", NULL));
  g_assert_no_error (created->error);
  concord_mock_server_reset_log (concord_mock_described_get_server (f->mock));
  changes = list_all (f, cursor, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (find_email (changes, "new@example.com"));
  g_assert_null (find_email (changes, "old0@example.com"));
  g_assert_cmpuint (changes->len, <=, 2);

  log = concord_mock_server_get_log (concord_mock_described_get_server (f->mock));
  for (guint i = 0; i < log->len; i++)
    {
      ConcordMockLogEntry *entry = g_ptr_array_index (log, i);

      if (entry->query != NULL && strstr (entry->query, "updated_after_utc=2021-03-04T05") != NULL)
        filtered = TRUE;
    }
  g_assert_true (filtered);
}

/* Custom fields from /CustomFields/Contacts, shown by FIELD_LABEL; a
 * DROPDOWN's options are the choices; a type the description does not map
 * (AUTONUMBER) is left out. Values cross by FIELD_NAME. */
static void
test_custom_fields (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) specs = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordRecord) person = new_person ("tier@example.com", "Tia", NULL);
  g_autoptr(ConcordWriteResult) created = NULL;
  g_autoptr(GPtrArray) all = NULL;
  const ConcordFieldSpec *tier;
  g_autofree char *json = NULL;
  ConcordRecord *listed;

  specs = concord_connector_load_schema_sync (f->connector, CONTACT_TYPE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (find_spec (specs, "custom:city"));
  tier = find_spec (specs, "custom:Tier");
  g_assert_nonnull (tier);
  g_assert_cmpint (tier->type, ==, CONCORD_FIELD_TYPE_ENUM);
  g_assert_nonnull (find_spec (specs, "custom:Seats"));
  g_assert_cmpint (find_spec (specs, "custom:Seats")->type, ==, CONCORD_FIELD_TYPE_NUMBER);
  g_assert_null (find_spec (specs, "custom:Legacy ID"));

  concord_record_set_text (person, "custom:Tier", CONCORD_FIELD_TYPE_ENUM, "Gold");
  created = create_one (f, concord_record_ref (person));
  g_assert_no_error (created->error);
  json = concord_mock_described_get_record_json (
    f->mock, g_ascii_strtoll (concord_record_get_remote_id (created->record), NULL, 10));
  g_assert_nonnull (strstr (json, "\"FIELD_NAME\":\"Tier__c\""));
  all = list_all (f, NULL, NULL, &error);
  g_assert_no_error (error);
  listed = find_email (all, "tier@example.com");
  g_assert_nonnull (listed);
  g_assert_cmpstr (concord_record_get_text (listed, "custom:Tier"), ==, "Gold");
}

/* A refused contact fails alone, with Insightly's own message. */
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
  g_test_add ("/concord/" DESCRIBED_APP "/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("verify", test_verify);
  ADD ("full-update", test_full_update);
  ADD ("incremental", test_incremental);
  ADD ("custom-fields", test_custom_fields);
  ADD ("refused", test_refused);
#undef ADD

  return g_test_run ();
}
