/* test-connector-pipedrive.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Pipedrive's quirks (the contract, ../test-contract.c, covers what every
 * connector does), against the mock of src/connectors/pipedrive/mock/ and,
 * for answers no real server would send, a bare mock server: the token
 * header, cursor paging and its guard, incremental listing, person-field
 * discovery, labelled emails and phones, organisations, labels, the
 * marketing status's "changes once" rule, the burst window, Cloudflare's
 * 403, v2's strict types, email that is not unique, hostile answers.
 *
 * Paths: /concord/pipedrive/<case>.
 */

#define G_LOG_DOMAIN "concord-test-connector-pipedrive"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "concord-connector-pipedrive.h"
#include "concord-error.h"
#include "concord-mock-pipedrive.h"
#include "concord-test-connector.h"
#include "concord-test-utils.h"

#define TOKEN   "pd-test-token-3b9e1c7a5f2d4e6b8a0c"
#define PERSONS CONCORD_PIPEDRIVE_PERSONS

typedef struct
{
  ConcordMockPipedrive      *mock;      /* (owned) */
  ConcordMockServer         *server;    /* (unowned) */
  ConcordConnectorPipedrive *pipedrive; /* (owned) */
  ConcordConnector          *connector; /* (unowned): @pipedrive */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->mock = concord_mock_pipedrive_new (TOKEN, 0, &error);
  g_assert_no_error (error);
  f->server = concord_mock_pipedrive_get_server (f->mock);
  f->pipedrive = concord_connector_pipedrive_new (concord_mock_pipedrive_get_base_url (f->mock),
                                                  TOKEN);
  concord_connector_pipedrive_set_retry_base_ms (f->pipedrive, 2);
  concord_connector_pipedrive_set_page_limit (f->pipedrive, 5);
  f->connector = CONCORD_CONNECTOR (f->pipedrive);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->pipedrive);
  g_clear_object (&f->mock);
}

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

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

/* Writes @record (taken) and returns its result, asserting no call error. */
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
  concord_connector_create_async (f->connector, PERSONS, records, NULL,
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
  concord_connector_update_async (f->connector, PERSONS, changes, NULL,
                                  concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  results = concord_connector_update_finish (f->connector, done, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  return g_ptr_array_steal_index (results, 0);
}

/* Every record of a listing from @cursor; sets @next_cursor and @complete. */
static GPtrArray *
list_all (ConcordConnector  *connector,
          const char        *cursor,
          char             **next_cursor,
          gboolean          *complete,
          GError           **error)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autofree char *token = NULL;

  for (guint pages = 0; pages < 1000; pages++)
    {
      GAsyncResult *result = NULL;
      g_autoptr(GAsyncResult) done = NULL;
      g_autoptr(ConcordPage) page = NULL;

      concord_connector_list_async (connector, PERSONS, cursor, token, NULL,
                                    concord_test_store_result_cb, &result);
      done = concord_test_wait_for_result (&result);
      page = concord_connector_list_finish (connector, done, error);
      if (page == NULL)
        return NULL;
      for (guint i = 0; i < page->records->len; i++)
        g_ptr_array_add (all, concord_record_ref (g_ptr_array_index (page->records, i)));
      g_free (token);
      token = g_strdup (page->next_page);
      if (token == NULL)
        {
          if (next_cursor != NULL)
            *next_cursor = g_strdup (page->cursor);
          if (complete != NULL)
            *complete = page->complete;
          return g_steal_pointer (&all);
        }
    }
  g_assert_not_reached ();
  return NULL;
}

static ConcordRecord *
find_email (GPtrArray  *records,
            const char *email)
{
  for (guint i = 0; records != NULL && i < records->len; i++)
    if (g_strcmp0 (concord_record_get_email (g_ptr_array_index (records, i)), email) == 0)
      return g_ptr_array_index (records, i);
  return NULL;
}

static JsonObject *
mock_person (Fixture    *f,
             const char *remote_id)
{
  g_autofree char *json = concord_mock_pipedrive_get_person_json (f->mock,
                                                                  (guint) g_ascii_strtoull (remote_id, NULL, 10));
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_nonnull (json);
  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static GPtrArray *
load_schema (Fixture  *f,
             GError  **error)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  concord_connector_load_schema_async (f->connector, PERSONS, NULL, concord_test_store_result_cb,
                                       &result);
  done = concord_test_wait_for_result (&result);
  return concord_connector_load_schema_finish (f->connector, done, error);
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

static gboolean
result_refuses (ConcordWriteResult *result,
                const char         *key)
{
  for (guint i = 0; result->refused != NULL && i < result->refused->len; i++)
    if (g_str_equal (((ConcordFieldRefusal *) g_ptr_array_index (result->refused, i))->key, key))
      return TRUE;
  return FALSE;
}

static guint
count_requests (Fixture    *f,
                const char *method,
                const char *path_prefix)
{
  g_autoptr(GPtrArray) log = concord_mock_server_get_log (f->server);
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    {
      ConcordMockLogEntry *entry = g_ptr_array_index (log, i);

      if ((method == NULL || g_str_equal (entry->method, method)) &&
          g_str_has_prefix (entry->path, path_prefix))
        n++;
    }
  return n;
}

/* ------------------------------------------------------------------------- */
/* Cases                                                                     */
/* ------------------------------------------------------------------------- */

/* Verify reads /v1/users/me with the token in x-api-token only; a wrong
 * token is AUTH_FAILED. */
static void
test_verify (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(ConcordConnectorPipedrive) wrong = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GAsyncResult) done_wrong = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) log = NULL;
  GAsyncResult *result = NULL;

  concord_connector_verify_async (f->connector, NULL, concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  g_assert_true (concord_connector_verify_finish (f->connector, done, &error));
  g_assert_no_error (error);

  log = concord_mock_server_get_log (f->server);
  g_assert_cmpuint (log->len, ==, 1);
  g_assert_cmpstr (((ConcordMockLogEntry *) g_ptr_array_index (log, 0))->path, ==, "/v1/users/me");
  g_assert_cmpuint (concord_mock_server_count_header (f->server, "x-api-token", TOKEN), ==, 1);

  wrong = concord_connector_pipedrive_new (concord_mock_pipedrive_get_base_url (f->mock),
                                           TOKEN "x");
  concord_connector_verify_async (CONCORD_CONNECTOR (wrong), NULL, concord_test_store_result_cb,
                                  &result);
  done_wrong = concord_test_wait_for_result (&result);
  g_assert_false (concord_connector_verify_finish (CONCORD_CONNECTOR (wrong), done_wrong, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
  g_assert_null (strstr (error->message, TOKEN));
}

/* The company domain gives the base URL; anything else is refused. */
static void
test_company_domain (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a = concord_connector_pipedrive_base_url_for ("acme", &error);
  g_autofree char *b = concord_connector_pipedrive_base_url_for ("https://Acme-2.pipedrive.com/",
                                                                  &error);
  g_autofree char *c = concord_connector_pipedrive_base_url_for (NULL, &error);
  g_autofree char *d = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (a, ==, "https://acme.pipedrive.com");
  g_assert_cmpstr (b, ==, "https://acme-2.pipedrive.com");
  g_assert_cmpstr (c, ==, CONCORD_PIPEDRIVE_DEFAULT_BASE_URL);
  d = concord_connector_pipedrive_base_url_for ("evil.example/@x", &error);
  g_assert_null (d);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
}

/* Cursor paging over v2 persons: every person once, 5 a page, limit and
 * include_fields sent, never a v1 persons endpoint. */
static void
test_cursor_paging (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  gboolean complete = FALSE;

  concord_mock_pipedrive_generate (f->mock, 23, 7);
  all = list_all (f->connector, NULL, NULL, &complete, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 23);
  g_assert_true (complete);
  g_assert_cmpuint (count_requests (f, "GET", "/api/v2/persons"), ==, 5);
  g_assert_cmpuint (count_requests (f, NULL, "/v1/persons"), ==, 0);
  {
    g_autoptr(GPtrArray) log = concord_mock_server_get_log (f->server);

    for (guint i = 0; i < log->len; i++)
      {
        ConcordMockLogEntry *entry = g_ptr_array_index (log, i);

        if (g_str_equal (entry->path, "/api/v2/persons"))
          {
            g_assert_nonnull (strstr (entry->query, "limit=5"));
            g_assert_nonnull (strstr (entry->query, "include_fields=marketing_status"));
          }
      }
  }
}

/* Incremental: updated_since (≥) sorted by update_time; the cursor is the
 * latest update_time read; such a listing is not complete. */
static void
test_incremental (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) full = NULL;
  g_autoptr(GPtrArray) changed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordWriteResult) written = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *cursor2 = NULL;
  gboolean complete = TRUE;
  guint id;

  id = concord_mock_pipedrive_put_person_json (f->mock,
                                               "{\"name\": \"Old Timer\", \"emails\": [{\"value\": "
                                               "\"old@example.com\", \"primary\": true}], "
                                               "\"update_time\": \"2020-01-01T00:00:00Z\"}",
                                               &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, >, 0);
  written = create_one (f, new_person ("new@example.com", "New", "Comer"));
  g_assert_no_error (written->error);

  full = list_all (f->connector, NULL, &cursor, &complete, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (full->len, ==, 2);
  g_assert_true (complete);
  g_assert_nonnull (cursor);
  {
    g_auto(GStrv) parts = g_strsplit (cursor, ";", 2);

    /* "<latest update_time>;full=<when this full listing was>" */
    g_assert_cmpint (concord_rest_parse_datetime (parts[0]), >=,
                     concord_record_get_modified (written->record));
    g_assert_true (g_str_has_prefix (parts[1], "full="));
  }

  concord_mock_server_reset_log (f->server);
  changed = list_all (f->connector, cursor, &cursor2, &complete, &error);
  g_assert_no_error (error);
  g_assert_false (complete);
  /* The overlap: the person of the cursor's second again, the old one not. */
  g_assert_nonnull (find_email (changed, "new@example.com"));
  g_assert_null (find_email (changed, "old@example.com"));
  g_assert_nonnull (cursor2);
  {
    g_autoptr(GPtrArray) log = concord_mock_server_get_log (f->server);
    gboolean seen = FALSE;

    for (guint i = 0; i < log->len; i++)
      {
        ConcordMockLogEntry *entry = g_ptr_array_index (log, i);

        if (g_str_equal (entry->path, "/api/v2/persons"))
          {
            g_assert_nonnull (strstr (entry->query, "updated_since="));
            g_assert_nonnull (strstr (entry->query, "sort_by=update_time"));
            g_assert_nonnull (strstr (entry->query, "sort_direction=asc"));
            seen = TRUE;
          }
      }
    g_assert_true (seen);
  }
}

/* A change listing whose last full listing is a day old is a full one,
 * complete, so deletions show; within the day it lists changes only; a
 * cursor that is not one is refused. */
static void
test_daily_full_listing (Fixture       *f,
                         gconstpointer  data)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *stale = g_strdup_printf ("2030-01-01T00:00:00Z;full=%" G_GINT64_FORMAT,
                                            now - 25 * 3600);
  g_autofree char *fresh = g_strdup_printf ("2030-01-01T00:00:00Z;full=%" G_GINT64_FORMAT,
                                            now - 3600);
  g_autofree char *next = NULL;
  g_autoptr(GPtrArray) full = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(GPtrArray) refused = NULL;
  g_autoptr(GError) error = NULL;
  gboolean complete = FALSE;

  concord_mock_pipedrive_generate (f->mock, 7, 2);

  full = list_all (f->connector, stale, &next, &complete, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (full->len, ==, 7);
  g_assert_true (complete);
  {
    g_auto(GStrv) parts = g_strsplit (next, ";full=", 2);

    g_assert_cmpint (g_ascii_strtoll (parts[1], NULL, 10), >=, now);
  }

  /* Within the day: changes since 2030 only, none; not complete. */
  changes = list_all (f->connector, fresh, NULL, &complete, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (changes->len, ==, 0);
  g_assert_false (complete);

  refused = list_all (f->connector, "yesterday;full=x", NULL, NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
}

/* Custom fields are discovered by hash and shown by name, with types,
 * options and read-only flags; two of one name stay apart and say so;
 * values go out as v2 wants them (option ids, numbers, dates) and come
 * back as labels. */
static void
test_person_fields (Fixture       *f,
                    gconstpointer  data)
{
  static const char *tiers[] = { "Bronze", "Silver", "Gold", NULL };
  static const char *topics[] = { "News", "Offers", "Events", NULL };
  g_autofree char *industry = concord_mock_pipedrive_add_field (f->mock, "Industry", "varchar", NULL);
  g_autofree char *tier = concord_mock_pipedrive_add_field (f->mock, "Tier", "enum", tiers);
  g_autofree char *topic = concord_mock_pipedrive_add_field (f->mock, "Topics", "set", topics);
  g_autofree char *score = concord_mock_pipedrive_add_field (f->mock, "Score", "double", NULL);
  g_autofree char *renewal = concord_mock_pipedrive_add_field (f->mock, "Renewal", "date", NULL);
  g_autofree char *budget = concord_mock_pipedrive_add_field (f->mock, "Budget", "monetary", NULL);
  g_autofree char *region1 = concord_mock_pipedrive_add_field (f->mock, "Region", "varchar", NULL);
  g_autofree char *region2 = concord_mock_pipedrive_add_field (f->mock, "Region", "varchar", NULL);
  g_autofree char *region1_key = NULL;
  g_autofree char *region2_key = NULL;
  g_autoptr(GPtrArray) specs = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordWriteResult) written = NULL;
  g_autoptr(JsonObject) stored = NULL;
  g_autoptr(GPtrArray) all = NULL;
  const ConcordFieldSpec *spec;
  ConcordRecord *record;
  JsonObject *custom;
  const char *wanted_topics[] = { "Events", "News", NULL };

  specs = load_schema (f, &error);
  g_assert_no_error (error);
  g_assert_nonnull (find_spec (specs, CONCORD_FIELD_EMAILS));
  g_assert_nonnull (find_spec (specs, CONCORD_FIELD_COMPANY));
  spec = find_spec (specs, "custom:Industry");
  g_assert_nonnull (spec);
  g_assert_cmpint (spec->type, ==, CONCORD_FIELD_TYPE_STRING);
  g_assert_true (spec->custom);
  spec = find_spec (specs, "custom:Tier");
  g_assert_cmpint (spec->type, ==, CONCORD_FIELD_TYPE_ENUM);
  g_assert_cmpuint (g_strv_length (spec->choices), ==, 3);
  g_assert_true (g_strv_contains ((const char * const *) spec->choices, "Silver"));
  spec = find_spec (specs, "custom:Topics");
  g_assert_true (spec->multi);
  g_assert_cmpint (find_spec (specs, "custom:Score")->type, ==, CONCORD_FIELD_TYPE_NUMBER);
  g_assert_cmpint (find_spec (specs, "custom:Renewal")->type, ==, CONCORD_FIELD_TYPE_DATE);
  g_assert_true (find_spec (specs, "custom:Budget")->read_only);
  g_assert_false (find_spec (specs, "custom:Industry")->read_only);

  /* Two fields named Region: neither is plain "Region". */
  g_assert_null (find_spec (specs, "custom:Region"));
  region1_key = g_strdup_printf ("custom:Region (%.6s)", region1);
  region2_key = g_strdup_printf ("custom:Region (%.6s)", region2);
  g_assert_nonnull (find_spec (specs, region1_key));
  g_assert_nonnull (find_spec (specs, region2_key));

  record = new_person ("fields@example.com", "Fiona", "Fields");
  concord_record_set_text (record, "custom:Industry", CONCORD_FIELD_TYPE_STRING, "Retail");
  concord_record_set_text (record, "custom:Tier", CONCORD_FIELD_TYPE_ENUM, "Silver");
  concord_record_set_set (record, "custom:Topics", wanted_topics);
  concord_record_set_number (record, "custom:Score", 4.5);
  concord_record_set_text (record, "custom:Renewal", CONCORD_FIELD_TYPE_DATE, "2027-03-01");
  concord_record_set_text (record, "custom:Budget", CONCORD_FIELD_TYPE_STRING, "100 EUR");
  concord_record_set_text (record, region2_key, CONCORD_FIELD_TYPE_STRING, "North");
  written = create_one (f, record);
  g_assert_no_error (written->error);
  /* The read-only field is refused, the rest written. */
  g_assert_true (result_refuses (written, "custom:Budget"));

  stored = mock_person (f, concord_record_get_remote_id (written->record));
  custom = json_object_get_object_member (stored, "custom_fields");
  g_assert_cmpstr (json_object_get_string_member (custom, industry), ==, "Retail");
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (custom, tier)), ==, G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (custom, tier), ==, 2);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (custom, topic)), ==, 2);
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (custom, score)), ==, G_TYPE_DOUBLE);
  g_assert_cmpstr (json_object_get_string_member (custom, renewal), ==, "2027-03-01");
  g_assert_false (json_object_has_member (custom, budget));
  g_assert_cmpstr (json_object_get_string_member (custom, region2), ==, "North");
  g_assert_false (json_object_has_member (custom, region1));

  all = list_all (f->connector, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  record = find_email (all, "fields@example.com");
  g_assert_nonnull (record);
  g_assert_cmpstr (concord_record_get_text (record, "custom:Tier"), ==, "Silver");
  g_assert_cmpstr (concord_record_get_text (record, region2_key), ==, "North");
  g_assert_true (concord_value_equal (concord_record_get (record, "custom:Topics"),
                                      concord_record_get (written->record, "custom:Topics")));
  g_assert_cmpfloat (concord_record_get (record, "custom:Score")->v.number, ==, 4.5);

  /* An option the field does not have: that field refused, with why. */
  {
    g_autoptr(ConcordWriteResult) refused = NULL;
    g_autoptr(ConcordRecord) set = concord_record_new (NULL);

    concord_record_set_text (set, "custom:Tier", CONCORD_FIELD_TYPE_ENUM, "Platinum");
    concord_record_set_text (set, "custom:Industry", CONCORD_FIELD_TYPE_STRING, "Food");
    refused = update_one (f, concord_record_get_remote_id (written->record), set, NULL);
    g_assert_no_error (refused->error);
    g_assert_true (result_refuses (refused, "custom:Tier"));
    g_assert_cmpstr (concord_record_get_text (refused->record, "custom:Industry"), ==, "Food");
    g_assert_cmpstr (concord_record_get_text (refused->record, "custom:Tier"), ==, "Silver");
  }
}

/* emails and phones: labelled arrays with a primary, both ways. */
static void
test_emails_phones (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(ConcordWriteResult) written = NULL;
  g_autoptr(JsonObject) stored = NULL;
  ConcordRecord *record;
  const ConcordValue *emails;
  const char *items[] = { "home\tann@home.example", "work\tann@work.example", NULL };
  JsonArray *array;

  concord_mock_pipedrive_put_person_json (f->mock,
    "{\"name\": \"Bo Lund\", \"emails\": [{\"value\": \"bo@work.example\", \"primary\": false, "
    "\"label\": \"work\"}, {\"value\": \"bo@home.example\", \"primary\": true, \"label\": "
    "\"home\"}], \"phones\": [{\"value\": \"+46 8 123\", \"primary\": true, \"label\": "
    "\"mobile\"}]}", &error);
  g_assert_no_error (error);
  all = list_all (f->connector, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  record = find_email (all, "bo@home.example");
  g_assert_nonnull (record);
  emails = concord_record_get (record, CONCORD_FIELD_EMAILS);
  g_assert_nonnull (emails);
  g_assert_cmpuint (g_strv_length (emails->v.set), ==, 2);
  g_assert_true (g_strv_contains ((const char * const *) emails->v.set, "work\tbo@work.example"));
  g_assert_cmpstr (concord_record_get_text (record, CONCORD_FIELD_PHONE), ==, "+468123");
  g_assert_cmpstr (concord_record_get_text (record, CONCORD_FIELD_FIRST_NAME), ==, "Bo");
  g_assert_cmpstr (concord_record_get_text (record, CONCORD_FIELD_LAST_NAME), ==, "Lund");

  record = new_person ("ann@work.example", "Ann", "Berg");
  concord_record_set_set (record, CONCORD_FIELD_EMAILS, items);
  written = create_one (f, record);
  g_assert_no_error (written->error);
  stored = mock_person (f, concord_record_get_remote_id (written->record));
  array = json_object_get_array_member (stored, "emails");
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);
      gboolean work = g_str_equal (json_object_get_string_member (item, "value"),
                                   "ann@work.example");

      g_assert_true (json_object_get_boolean_member (item, "primary") == work);
      g_assert_cmpstr (json_object_get_string_member (item, "label"), ==, work ? "work" : "home");
    }
  g_assert_cmpstr (concord_record_get_email (written->record), ==, "ann@work.example");
}

/* The company: the organisation's name, read; written by org_id, the
 * organisation created once when missing; cleared with null. */
static void
test_organisations (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordWriteResult) first = NULL;
  g_autoptr(ConcordWriteResult) second = NULL;
  g_autoptr(ConcordWriteResult) cleared = NULL;
  g_autoptr(JsonObject) stored = NULL;
  g_autoptr(GPtrArray) all = NULL;
  ConcordRecord *record;
  const char *clear[] = { CONCORD_FIELD_COMPANY, NULL };

  concord_mock_pipedrive_add_org (f->mock, "Existing AB");
  record = new_person ("a@example.com", "A", "One");
  concord_record_set_text (record, CONCORD_FIELD_COMPANY, CONCORD_FIELD_TYPE_STRING, "Newco");
  first = create_one (f, record);
  g_assert_no_error (first->error);
  g_assert_cmpuint (concord_mock_pipedrive_get_n_orgs (f->mock), ==, 2);
  g_assert_cmpstr (concord_record_get_text (first->record, CONCORD_FIELD_COMPANY), ==, "Newco");

  record = new_person ("b@example.com", "B", "Two");
  concord_record_set_text (record, CONCORD_FIELD_COMPANY, CONCORD_FIELD_TYPE_STRING, "Existing AB");
  second = create_one (f, record);
  g_assert_no_error (second->error);
  g_assert_cmpuint (concord_mock_pipedrive_get_n_orgs (f->mock), ==, 2);
  stored = mock_person (f, concord_record_get_remote_id (second->record));
  g_assert_cmpint (json_object_get_int_member (stored, "org_id"), ==, 1);

  all = list_all (f->connector, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (concord_record_get_text (find_email (all, "a@example.com"),
                                            CONCORD_FIELD_COMPANY), ==, "Newco");

  cleared = update_one (f, concord_record_get_remote_id (first->record), NULL, clear);
  g_assert_no_error (cleared->error);
  g_assert_null (concord_record_get (cleared->record, CONCORD_FIELD_COMPANY));
}

/* Tags are labels by name; a label Pipedrive lacks is refused, saying so. */
static void
test_labels (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(ConcordWriteResult) written = NULL;
  g_autoptr(ConcordWriteResult) unknown = NULL;
  g_autoptr(JsonObject) stored = NULL;
  ConcordRecord *record;
  g_autoptr(ConcordRecord) set = NULL;
  const char *tags[] = { "Customer", NULL };
  const char *other[] = { "VIP", NULL };

  concord_mock_pipedrive_add_label (f->mock, "Lead");
  concord_mock_pipedrive_add_label (f->mock, "Customer");
  record = new_person ("tags@example.com", "Tag", "Ged");
  concord_record_set_set (record, CONCORD_FIELD_TAGS, tags);
  written = create_one (f, record);
  g_assert_no_error (written->error);
  stored = mock_person (f, concord_record_get_remote_id (written->record));
  g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (stored, "label_ids"),
                                               0), ==, 2);
  g_assert_true (g_strv_contains ((const char * const *)
                                  concord_record_get (written->record, CONCORD_FIELD_TAGS)->v.set,
                                  "Customer"));

  set = concord_record_new (NULL);
  concord_record_set_set (set, CONCORD_FIELD_TAGS, other);
  unknown = update_one (f, concord_record_get_remote_id (written->record), set, NULL);
  g_assert_no_error (unknown->error);
  g_assert_true (result_refuses (unknown, CONCORD_FIELD_TAGS));
}

/* marketing_status ↔ status; a change Pipedrive ignores (once away from
 * a value) is refused for the status, the rest written. */
static void
test_marketing_status (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(ConcordWriteResult) written = NULL;
  ConcordRecord *record = new_person ("status@example.com", "Stat", "Us");
  const char *steps[] = { "unsubscribed", "active", "unsubscribed" };
  const char *id;

  concord_record_set_text (record, CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM, "active");
  written = create_one (f, record);
  g_assert_no_error (written->error);
  g_assert_cmpstr (concord_record_get_text (written->record, CONCORD_FIELD_STATUS), ==, "active");
  id = concord_record_get_remote_id (written->record);

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(ConcordWriteResult) result = NULL;
      g_autoptr(ConcordRecord) set = concord_record_new (NULL);

      concord_record_set_text (set, CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM, steps[i]);
      concord_record_set_text (set, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, "Stat");
      concord_record_set_text (set, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING, "Us");
      result = update_one (f, id, set, NULL);
      g_assert_no_error (result->error);
      /* subscribed → unsubscribed → subscribed are allowed; leaving
       * subscribed a second time is ignored by Pipedrive. */
      g_assert_true (result_refuses (result, CONCORD_FIELD_STATUS) == (i == 2));
      g_assert_cmpstr (concord_record_get_text (result->record, CONCORD_FIELD_STATUS), ==,
                       i == 2 ? "active" : steps[i]);
    }
}

/* A change of the last name alone keeps the first: the person is read,
 * then one name is written. */
static void
test_name_change (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ConcordWriteResult) written = NULL;
  g_autoptr(ConcordWriteResult) renamed = NULL;
  g_autoptr(JsonObject) stored = NULL;
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);

  written = create_one (f, new_person ("name@example.com", "Maria", "Lopez"));
  g_assert_no_error (written->error);
  concord_record_set_text (set, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING, "Garcia");
  renamed = update_one (f, concord_record_get_remote_id (written->record), set, NULL);
  g_assert_no_error (renamed->error);
  stored = mock_person (f, concord_record_get_remote_id (written->record));
  g_assert_cmpstr (json_object_get_string_member (stored, "name"), ==, "Maria Garcia");
  g_assert_cmpstr (concord_record_get_text (renamed->record, CONCORD_FIELD_FIRST_NAME), ==,
                   "Maria");
}

/* Email is not unique: two persons with one address are both listed
 * (the engine takes them to review), never merged or dropped. */
static void
test_duplicate_email (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  guint n = 0;

  for (guint i = 0; i < 2; i++)
    concord_mock_pipedrive_put_person_json (f->mock,
      "{\"name\": \"Twin\", \"emails\": [{\"value\": \"twin@example.com\", \"primary\": true}]}",
      &error);
  g_assert_no_error (error);
  all = list_all (f->connector, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < all->len; i++)
    n += g_strcmp0 (concord_record_get_email (g_ptr_array_index (all, i)), "twin@example.com") == 0;
  g_assert_cmpuint (n, ==, 2);
}

/* The burst window: with 6 requests per 2 s, 20 writes and their
 * preparation never draw a 429 (the x-ratelimit headers are honoured),
 * and never are two writes in flight. */
static void
test_burst_window (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *email = g_strdup_printf ("burst%u@example.com", i);

      g_ptr_array_add (records, new_person (email, "Burst", NULL));
    }
  concord_mock_pipedrive_set_burst_limit (f->mock, 6, 0);
  concord_mock_server_reset_max_in_flight (f->server);
  concord_connector_create_async (f->connector, PERSONS, records, NULL,
                                  concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  results = concord_connector_create_finish (f->connector, done, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < results->len; i++)
    g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, i))->error);
  g_assert_cmpuint (concord_mock_pipedrive_get_n_persons (f->mock), ==, 20);
  g_assert_cmpuint (concord_mock_server_get_max_in_flight (f->server), ==, 1);

  /* No request was a retry: as many as needed, no more (fields, orgs, 20). */
  log = concord_mock_server_get_log (f->server);
  g_assert_cmpuint (log->len, ==, 22);
  /* And no 2 s held more than 6 (as the mock saw them arrive). */
  for (guint i = 6; i < log->len; i++)
    g_assert_cmpint (((ConcordMockLogEntry *) g_ptr_array_index (log, i))->time_us -
                     ((ConcordMockLogEntry *) g_ptr_array_index (log, i - 6))->time_us, >=,
                     2 * G_USEC_PER_SEC - 50000);
}

/* A 429 with Retry-After from the burst limit is waited out; Cloudflare's
 * 403 page after a storm is RATE_LIMITED, never an authentication failure. */
static void
test_cloudflare_block (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;

  concord_mock_pipedrive_generate (f->mock, 3, 1);
  concord_mock_pipedrive_set_blocked (f->mock, TRUE);
  all = list_all (f->connector, NULL, NULL, NULL, &error);
  g_assert_null (all);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_RATE_LIMITED);

  concord_mock_pipedrive_set_blocked (f->mock, FALSE);
  g_clear_error (&error);
  concord_mock_server_fail_route (f->server, "GET", "/api/v2/persons", 1, 1,
                                  CONCORD_MOCK_FAULT_429, 1);
  all = list_all (f->connector, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 3);
}

/* v2's strictness and its 400s: an invalid email fails that person only,
 * with INVALID_DATA on the email; no write ever sends a number as text. */
static void
test_invalid_email (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(ConcordWriteResult) bad = create_one (f, new_person ("not-an-address", "Bad", NULL));
  g_autoptr(ConcordWriteResult) good = create_one (f, new_person ("good@example.com", "Good", NULL));

  g_assert_error (bad->error, CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA);
  g_assert_null (strstr (bad->error->message, "not-an-address"));
  g_assert_no_error (good->error);
  g_assert_cmpuint (concord_mock_pipedrive_get_n_persons (f->mock), ==, 1);
}

/* ------------------------------------------------------------------------- */
/* Hostile answers, from a bare server                                       */
/* ------------------------------------------------------------------------- */

typedef struct
{
  const char *persons;   /* the body every GET /api/v2/persons answers */
} Hostile;

static void
on_hostile_cb (ConcordMockRequest *request,
               gpointer            user_data)
{
  Hostile *hostile = user_data;
  const char *path = concord_mock_request_get_path (request);

  if (g_str_equal (path, "/api/v2/persons"))
    concord_mock_request_respond (request, 200, "application/json", g_strdup (hostile->persons));
  else
    concord_mock_request_respond (request, 200, "application/json",
                                  g_strdup ("{\"success\": true, \"data\": [], \"additional_data\": "
                                            "{\"next_cursor\": null}}"));
}

static GPtrArray *
list_hostile (const char  *persons,
              GError     **error)
{
  Hostile hostile = { persons };
  g_autoptr(ConcordMockServer) server = concord_mock_server_new ("hostile-pipedrive", 0, NULL);
  g_autoptr(ConcordConnectorPipedrive) connector = NULL;

  concord_mock_server_add_route (server, NULL, "/", on_hostile_cb, &hostile, NULL);
  connector = concord_connector_pipedrive_new (concord_mock_server_get_origin (server), TOKEN);
  concord_connector_pipedrive_set_retry_base_ms (connector, 2);
  return list_all (CONCORD_CONNECTOR (connector), NULL, NULL, NULL, error);
}

/* A cursor that repeats is PROTOCOL, not an endless listing. */
static void
test_repeated_cursor (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = list_hostile (
    "{\"success\": true, \"data\": [{\"id\": 1, \"name\": \"Loop\"}], "
    "\"additional_data\": {\"next_cursor\": \"same\"}}", &error);

  g_assert_null (all);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL);
}

/* Missing or broken members: that person skipped, the rest kept; a huge
 * email or value kept cut and marked altered (never matched, created or
 * written across). */
static void
test_missing_fields (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *huge = g_strnfill (300, 'x');
  g_autofree char *giant = g_strnfill (200 * 1024, 'y');
  g_autofree char *body = g_strdup_printf (
    "{\"success\": true, \"data\": ["
    "{\"name\": \"No id\"}, {\"id\": \"abc\"}, {\"id\": -4}, 7, null, "
    "{\"id\": 5, \"is_deleted\": true},"
    "{\"id\": 8, \"first_name\": 12, \"emails\": [{\"value\": \"%s@example.com\", \"primary\": true}]},"
    "{\"id\": 9, \"first_name\": \"Kept\", \"emails\": \"not a list\", \"label_ids\": {},"
    " \"custom_fields\": [], \"org_id\": \"x\", \"update_time\": \"yesterday\","
    " \"last_name\": \"%s\"}],"
    "\"additional_data\": {\"next_cursor\": null}}", huge, giant);
  g_autoptr(GPtrArray) all = list_hostile (body, &error);
  ConcordRecord *huge_one, *kept;

  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 2);
  huge_one = g_ptr_array_index (all, 0);
  kept = g_ptr_array_index (all, 1);
  g_assert_cmpstr (concord_record_get_remote_id (huge_one), ==, "8");
  g_assert_true (concord_record_is_altered (huge_one, CONCORD_FIELD_EMAIL));
  g_assert_cmpstr (concord_record_get_text (huge_one, CONCORD_FIELD_FIRST_NAME), ==, "12");
  g_assert_cmpstr (concord_record_get_text (kept, CONCORD_FIELD_FIRST_NAME), ==, "Kept");
  g_assert_null (concord_record_get (kept, CONCORD_FIELD_EMAIL));
  /* A 200 KiB value: kept cut, marked altered, never written across. */
  g_assert_cmpuint (strlen (concord_record_get_text (kept, CONCORD_FIELD_LAST_NAME)), <, 100 * 1024);
  g_assert_true (concord_record_is_altered (kept, CONCORD_FIELD_LAST_NAME));
}

/* Invalid UTF-8 is repaired and the field marked altered; a page longer
 * than asked, data that is not a list, or an answer without success are
 * PARSE errors before any record is taken. */
static void
test_broken_answers (void)
{
  static const char *broken[] = {
    "{\"success\": true, \"data\": {\"id\": 1}, \"additional_data\": null}",
    "{\"success\": false, \"data\": [], \"additional_data\": null}",
    "[]",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) repaired = NULL;
  g_autoptr(GString) long_page = g_string_new ("{\"success\": true, \"data\": [");

  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autoptr(GPtrArray) all = list_hostile (broken[i], &error);

      g_assert_null (all);
      g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
      g_clear_error (&error);
    }

  for (guint i = 1; i <= 501; i++)
    g_string_append_printf (long_page, "%s{\"id\": %u}", i > 1 ? "," : "", i);
  g_string_append (long_page, "], \"additional_data\": {\"next_cursor\": null}}");
  {
    g_autoptr(GPtrArray) all = list_hostile (long_page->str, &error);

    g_assert_null (all);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
    g_clear_error (&error);
  }

  repaired = list_hostile ("{\"success\": true, \"data\": [{\"id\": 3, \"first_name\": "
                           "\"Bj\xf6rn\"}], \"additional_data\": {\"next_cursor\": null}}", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (repaired->len, ==, 1);
  g_assert_true (concord_record_is_altered (g_ptr_array_index (repaired, 0),
                                            CONCORD_FIELD_FIRST_NAME));
}

/* ------------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  static const struct
  {
    const char *name;
    void      (*func) (Fixture *, gconstpointer);
  } cases[] = {
    { "verify", test_verify },
    { "cursor-paging", test_cursor_paging },
    { "incremental", test_incremental },
    { "daily-full-listing", test_daily_full_listing },
    { "person-fields", test_person_fields },
    { "emails-phones", test_emails_phones },
    { "organisations", test_organisations },
    { "labels", test_labels },
    { "marketing-status", test_marketing_status },
    { "name-change", test_name_change },
    { "duplicate-email", test_duplicate_email },
    { "burst-window", test_burst_window },
    { "cloudflare-block", test_cloudflare_block },
    { "invalid-email", test_invalid_email },
  };

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *path = g_strdup_printf ("/concord/pipedrive/%s", cases[c].name);

      g_test_add (path, Fixture, NULL, fixture_set_up, cases[c].func, fixture_tear_down);
    }
  g_test_add_func ("/concord/pipedrive/company-domain", test_company_domain);
  g_test_add_func ("/concord/pipedrive/repeated-cursor", test_repeated_cursor);
  g_test_add_func ("/concord/pipedrive/missing-fields", test_missing_fields);
  g_test_add_func ("/concord/pipedrive/broken-answers", test_broken_answers);

  return g_test_run ();
}
