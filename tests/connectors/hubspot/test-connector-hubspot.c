/* test-connector-hubspot.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * HubSpot's quirks (the contract, ../test-contract.c, covers what every
 * connector does), against the mock of src/connectors/hubspot/mock/ and,
 * for answers no real server would send, a bare mock server: bearer
 * token, after-paging, properties discovery with pick lists and read-only
 * ones, incremental search and its 10,000-result window (also when a whole
 * window holds one instant), the daily full listing that sees archived
 * contacts, 409 on a duplicate email taken as a match, batch writes with
 * per-record errors, the opt-out as a status, the ten-secondly window,
 * hostile answers.
 *
 * Paths: /concord/hubspot/<case>.
 */

#define G_LOG_DOMAIN "concord-test-connector-hubspot"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "concord-connector-hubspot.h"
#include "concord-error.h"
#include "concord-mock-hubspot.h"
#include "concord-test-connector.h"
#include "concord-test-utils.h"

#define TOKEN    "hs-test-token-pat-na1-7c2e9b41d35f"
#define CONTACTS CONCORD_HUBSPOT_CONTACTS

typedef struct
{
  ConcordMockHubspot      *mock;      /* (owned) */
  ConcordMockServer       *server;    /* (unowned) */
  ConcordConnectorHubspot *hubspot;   /* (owned) */
  ConcordConnector        *connector; /* (unowned): @hubspot */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->mock = concord_mock_hubspot_new (TOKEN, 0, &error);
  g_assert_no_error (error);
  concord_mock_hubspot_generate (f->mock, 0, 1);
  f->server = concord_mock_hubspot_get_server (f->mock);
  f->hubspot = concord_connector_hubspot_new (concord_mock_hubspot_get_base_url (f->mock), TOKEN);
  concord_connector_hubspot_set_retry_base_ms (f->hubspot, 2);
  concord_connector_hubspot_set_page_limit (f->hubspot, 5);
  f->connector = CONCORD_CONNECTOR (f->hubspot);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->hubspot);
  g_clear_object (&f->mock);
}

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static ConcordRecord *
new_contact (const char *email,
             const char *first_name)
{
  ConcordRecord *record = concord_record_new (NULL);

  if (email != NULL)
    concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
  if (first_name != NULL)
    concord_record_set_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING,
                             first_name);
  return record;
}

static guint64
put (Fixture    *f,
     const char *json)
{
  g_autoptr(GError) error = NULL;
  guint64 id = concord_mock_hubspot_put_contact_json (f->mock, json, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (id, >, 0);
  return id;
}

/* Writes @records (taken) and returns the results. */
static GPtrArray *
create (Fixture   *f,
        GPtrArray *records)
{
  g_autoptr(GPtrArray) owned = records;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  GPtrArray *results;

  concord_connector_create_async (f->connector, CONTACTS, owned, NULL,
                                  concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  results = concord_connector_create_finish (f->connector, done, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, owned->len);
  return results;
}

static ConcordWriteResult *
result_at (GPtrArray *results,
           guint      index)
{
  for (guint i = 0; i < results->len; i++)
    if (((ConcordWriteResult *) g_ptr_array_index (results, i))->index == index)
      return g_ptr_array_index (results, i);
  g_assert_not_reached ();
  return NULL;
}

static GPtrArray *
update (Fixture   *f,
        GPtrArray *changes)
{
  g_autoptr(GPtrArray) owned = changes;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  GPtrArray *results;

  concord_connector_update_async (f->connector, CONTACTS, owned, NULL,
                                  concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  results = concord_connector_update_finish (f->connector, done, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, owned->len);
  return results;
}

static GPtrArray *
one_change (const char    *remote_id,
            ConcordRecord *set)
{
  GPtrArray *changes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);

  g_ptr_array_add (changes, concord_record_change_new (remote_id, set, NULL));
  concord_record_unref (set);
  return changes;
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

      concord_connector_list_async (connector, CONTACTS, cursor, token, NULL,
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

/* Every id of @records appears once. */
static void
assert_unique (GPtrArray *records)
{
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < records->len; i++)
    g_assert_true (g_hash_table_add (ids, (gpointer) concord_record_get_remote_id (
                                       g_ptr_array_index (records, i))));
}

/* The properties of contact @id in the mock. */
static JsonObject *
mock_properties (Fixture *f,
                 guint64  id)
{
  g_autofree char *json = concord_mock_hubspot_get_contact_json (f->mock, id);
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_nonnull (json);
  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  return json_object_ref (json_object_get_object_member (
                            json_node_get_object (json_parser_get_root (parser)), "properties"));
}

static const char *
property (JsonObject *properties,
          const char *name)
{
  return json_object_get_string_member_with_default (properties, name, NULL);
}

static guint
count_requests (Fixture    *f,
                const char *method,
                const char *path)
{
  g_autoptr(GPtrArray) log = concord_mock_server_get_log (f->server);
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    {
      ConcordMockLogEntry *entry = g_ptr_array_index (log, i);

      n += g_str_equal (entry->method, method) && g_str_equal (entry->path, path);
    }
  return n;
}

static GPtrArray *
load_schema (Fixture *f)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *schema;

  concord_connector_load_schema_async (f->connector, CONTACTS, NULL,
                                       concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  schema = concord_connector_load_schema_finish (f->connector, done, &error);
  g_assert_no_error (error);
  return schema;
}

static ConcordFieldSpec *
find_spec (GPtrArray  *schema,
           const char *key)
{
  for (guint i = 0; i < schema->len; i++)
    if (g_str_equal (((ConcordFieldSpec *) g_ptr_array_index (schema, i))->key, key))
      return g_ptr_array_index (schema, i);
  return NULL;
}

/* ------------------------------------------------------------------------- */
/* Cases                                                                     */
/* ------------------------------------------------------------------------- */

/* The token goes as a bearer token; a wrong one is AUTH_FAILED, and its
 * message holds neither token. */
static void
test_verify (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(ConcordConnectorHubspot) wrong = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  concord_connector_verify_async (f->connector, NULL, concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  g_assert_true (concord_connector_verify_finish (f->connector, done, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (concord_mock_server_count_header (f->server, "Authorization",
                                                      "Bearer " TOKEN), >=, 1);

  wrong = concord_connector_hubspot_new (concord_mock_hubspot_get_base_url (f->mock),
                                         "pat-na1-revoked");
  g_clear_object (&done);
  concord_connector_verify_async (CONCORD_CONNECTOR (wrong), NULL, concord_test_store_result_cb,
                                  &result);
  done = concord_test_wait_for_result (&result);
  g_assert_false (concord_connector_verify_finish (CONCORD_CONNECTOR (wrong), done, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
  g_assert_null (strstr (error->message, "revoked"));
  g_assert_null (strstr (error->message, TOKEN));
}

/* after-paging: every contact once, pages of the limit asked, the
 * properties named; a full listing is complete. */
static void
test_after_paging (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cursor = NULL;
  gboolean complete = FALSE;
  guint pages = 0;

  concord_mock_hubspot_generate (f->mock, 12, 7);
  concord_mock_server_reset_log (f->server);
  all = list_all (f->connector, NULL, &cursor, &complete, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 12);
  assert_unique (all);
  g_assert_true (complete);
  g_assert_nonnull (cursor);

  log = concord_mock_server_get_log (f->server);
  for (guint i = 0; i < log->len; i++)
    {
      ConcordMockLogEntry *entry = g_ptr_array_index (log, i);

      if (!g_str_equal (entry->path, "/crm/v3/objects/contacts"))
        continue;
      pages++;
      g_assert_nonnull (strstr (entry->query, "limit=5"));
      g_assert_nonnull (strstr (entry->query, "properties="));
      g_assert_nonnull (strstr (entry->query, "lifecyclestage"));
    }
  g_assert_cmpuint (pages, ==, 3);
  /* Lifecycle stage arrives as the option's value. */
  g_assert_nonnull (concord_record_get_text (g_ptr_array_index (all, 0),
                                             "custom:Lifecycle Stage"));
}

/* Properties: custom ones by label, pick lists with values and labels,
 * lifecycle stage and lead status as pick lists, a checkbox as a set,
 * calculated ones read-only; a label written is taken for its value, a
 * value that is no option refused, that field only. */
static void
test_pick_lists (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) schema = load_schema (f);
  ConcordFieldSpec *spec;
  ConcordRecord *record;
  ConcordWriteResult *written;
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(JsonObject) stored = NULL;
  const char *lists[] = { "Newsletter", "Events", NULL };

  spec = find_spec (schema, "custom:Lifecycle Stage");
  g_assert_nonnull (spec);
  g_assert_cmpint (spec->type, ==, CONCORD_FIELD_TYPE_ENUM);
  g_assert_true (g_strv_contains ((const char * const *) spec->choices, "customer"));
  g_assert_nonnull (spec->choice_labels);
  g_assert_cmpstr (spec->choice_labels[0], ==, "Subscriber");
  spec = find_spec (schema, "custom:Lead Status");
  g_assert_nonnull (spec);
  g_assert_true (g_strv_contains ((const char * const *) spec->choices, "IN_PROGRESS"));
  spec = find_spec (schema, "custom:Tier");
  g_assert_nonnull (spec);
  g_assert_cmpstr (spec->choices[2], ==, "gold");
  g_assert_cmpstr (spec->choice_labels[2], ==, "Gold");
  spec = find_spec (schema, "custom:Lists");
  g_assert_nonnull (spec);
  g_assert_true (spec->multi);
  g_assert_cmpint (spec->type, ==, CONCORD_FIELD_TYPE_STRING_SET);
  spec = find_spec (schema, "custom:Engagement score");
  g_assert_nonnull (spec);
  g_assert_true (spec->read_only);
  g_assert_true (find_spec (schema, CONCORD_FIELD_CREATED_AT)->read_only);
  g_assert_nonnull (find_spec (schema, CONCORD_FIELD_STATUS));
  g_assert_nonnull (find_spec (schema, "custom:Home city"));
  /* HubSpot's own properties Concord does not map are left out. */
  g_assert_null (find_spec (schema, "custom:Number of Sales Activities"));

  record = new_contact ("pick@example.com", "Pick");
  concord_record_set_text (record, "custom:Tier", CONCORD_FIELD_TYPE_ENUM, "Gold");
  concord_record_set_text (record, "custom:Lifecycle Stage", CONCORD_FIELD_TYPE_ENUM, "lead");
  concord_record_set_text (record, "custom:Lead Status", CONCORD_FIELD_TYPE_ENUM, "Platinum");
  concord_record_set_set (record, "custom:Lists", lists);
  concord_record_set_number (record, "custom:Engagement score", 12);
  g_ptr_array_add (records, record);
  results = create (f, g_steal_pointer (&records));
  written = g_ptr_array_index (results, 0);
  g_assert_no_error (written->error);
  g_assert_nonnull (written->refused);
  g_assert_cmpuint (written->refused->len, ==, 2);

  stored = mock_properties (f, g_ascii_strtoull (concord_record_get_remote_id (written->record),
                                                 NULL, 10));
  g_assert_cmpstr (property (stored, "tier"), ==, "gold");
  g_assert_cmpstr (property (stored, "lifecyclestage"), ==, "lead");
  g_assert_cmpstr (property (stored, "lists"), ==, "Events;Newsletter");
  g_assert_null (property (stored, "hs_lead_status"));
  g_assert_null (property (stored, "engagement_score"));
  /* The echo reads the set back as a set. */
  g_assert_cmpuint (g_strv_length (concord_record_get (written->record, "custom:Lists")->v.set),
                    ==, 2);
}

/* Incremental: a search on lastmodifieddate ≥ the cursor (less a minute
 * of overlap), ascending; only the contacts changed since, not complete. */
static void
test_incremental (Fixture       *f,
                  gconstpointer  data)
{
  gint64 hour_ago = g_get_real_time () / 1000 - 3600 * 1000;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) changed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *next = NULL;
  gboolean complete = TRUE;
  guint64 moved = 0;

  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"email\": \"old%u@example.com\", "
                                               "\"lastmodifieddate\": \"%" G_GINT64_FORMAT "\"}",
                                               i, hour_ago + i * 120 * 1000);
      guint64 id = put (f, json);

      if (i == 3)
        moved = id;
    }
  all = list_all (f->connector, NULL, &cursor, &complete, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 8);
  g_assert_true (complete);

  /* One contact changes in HubSpot now. */
  {
    g_autofree char *moved_id = g_strdup_printf ("%" G_GUINT64_FORMAT, moved);
    g_autoptr(GPtrArray) results = update (f, one_change (moved_id, new_contact (NULL, "Moved")));

    g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, 0))->error);
  }
  concord_mock_server_reset_log (f->server);
  changed = list_all (f->connector, cursor, &next, &complete, &error);
  g_assert_no_error (error);
  /* The changed one only: the full listing's cursor is when it started. */
  g_assert_cmpuint (changed->len, ==, 1);
  g_assert_cmpstr (concord_record_get_text (find_email (changed, "old3@example.com"),
                                            CONCORD_FIELD_FIRST_NAME), ==, "Moved");
  g_assert_false (complete);
  g_assert_cmpuint (count_requests (f, "POST", "/crm/v3/objects/contacts/search"), ==, 1);
  g_assert_cmpuint (count_requests (f, "GET", "/crm/v3/objects/contacts"), ==, 0);
  g_assert_nonnull (next);
}

/* 30 changes, a search window of 10: the search starts again from the
 * latest instant seen, and every contact comes once; the pages keep to
 * search's 5 requests a second. */
static void
test_search_window (Fixture       *f,
                    gconstpointer  data)
{
  gint64 start = g_get_real_time () / 1000 - 3600 * 1000;
  g_autofree char *cursor = g_strdup_printf ("%" G_GINT64_FORMAT ";full=%" G_GINT64_FORMAT,
                                             start + 60 * 1000, g_get_real_time () / G_USEC_PER_SEC);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  gboolean complete = TRUE;

  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"email\": \"w%u@example.com\", "
                                               "\"lastmodifieddate\": \"%" G_GINT64_FORMAT "\"}",
                                               i, start + i * 1000);
      put (f, json);
    }
  concord_connector_hubspot_set_search_limit (f->hubspot, 4, 10);
  /* Search's own limit: its pages are paced, so none meets a 429. */
  concord_mock_hubspot_set_search_rate_limit (f->mock, 5);
  concord_mock_server_reset_log (f->server);
  all = list_all (f->connector, cursor, NULL, &complete, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 30);
  assert_unique (all);
  g_assert_false (complete);
  g_assert_cmpuint (concord_mock_hubspot_get_n_429 (f->mock), ==, 0);
  /* Windows of 10 less the repeated instant: more than 30 / 4 pages,
   * never a full listing. */
  g_assert_cmpuint (count_requests (f, "POST", "/crm/v3/objects/contacts/search"), >, 8);
  g_assert_cmpuint (count_requests (f, "GET", "/crm/v3/objects/contacts"), ==, 0);
}

/* More properties than a search body can name: a change listing reads
 * every contact (with them all) rather than contacts missing some. */
static void
test_many_properties (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *cursor = g_strdup_printf ("%" G_GINT64_FORMAT ";full=%" G_GINT64_FORMAT,
                                             g_get_real_time () / 1000,
                                             g_get_real_time () / G_USEC_PER_SEC);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  gboolean complete = FALSE;

  for (guint i = 0; i < 120; i++)
    {
      g_autofree char *name = g_strdup_printf ("custom_property_with_a_long_name_%03u", i);
      g_autofree char *label = g_strdup_printf ("Property %03u", i);

      concord_mock_hubspot_add_property (f->mock, name, label, "string", "text", NULL);
    }
  put (f, "{\"email\": \"many@example.com\", \"custom_property_with_a_long_name_119\": \"x\"}");
  concord_mock_server_reset_log (f->server);
  all = list_all (f->connector, cursor, NULL, &complete, &error);
  g_assert_no_error (error);
  g_assert_true (complete);
  g_assert_cmpuint (count_requests (f, "POST", "/crm/v3/objects/contacts/search"), ==, 0);
  g_assert_cmpstr (concord_record_get_text (find_email (all, "many@example.com"),
                                            "custom:Property 119"), ==, "x");
}

/* A bulk import stamps 30 contacts with one instant: no search can page
 * past a window of it, so the listing reads every contact instead (and
 * is then complete). */
static void
test_search_window_one_instant (Fixture       *f,
                                gconstpointer  data)
{
  gint64 instant = g_get_real_time () / 1000 - 3600 * 1000;
  g_autofree char *cursor = g_strdup_printf ("%" G_GINT64_FORMAT ";full=%" G_GINT64_FORMAT,
                                             instant, g_get_real_time () / G_USEC_PER_SEC);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  gboolean complete = FALSE;

  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"email\": \"bulk%u@example.com\", "
                                               "\"lastmodifieddate\": \"%" G_GINT64_FORMAT "\"}",
                                               i, instant);
      put (f, json);
    }
  concord_connector_hubspot_set_search_limit (f->hubspot, 4, 10);
  concord_mock_server_reset_log (f->server);
  all = list_all (f->connector, cursor, NULL, &complete, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 30);
  assert_unique (all);
  g_assert_true (complete);
  g_assert_cmpuint (count_requests (f, "GET", "/crm/v3/objects/contacts"), >=, 1);
}

/* Search never shows archived contacts: a day after the last full
 * listing, the listing is a full one again, and a contact archived since
 * is absent from it (complete: the engine takes it as deleted). */
static void
test_archived (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *old_cursor = g_strdup_printf ("%" G_GINT64_FORMAT ";full=%" G_GINT64_FORMAT,
                                                 g_get_real_time () / 1000,
                                                 g_get_real_time () / G_USEC_PER_SEC - 25 * 3600);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  gboolean complete = FALSE;
  guint64 gone = put (f, "{\"email\": \"gone@example.com\"}");

  put (f, "{\"email\": \"kept@example.com\"}");
  g_assert_true (concord_mock_hubspot_archive (f->mock, gone));
  concord_mock_server_reset_log (f->server);
  all = list_all (f->connector, old_cursor, NULL, &complete, &error);
  g_assert_no_error (error);
  g_assert_true (complete);
  g_assert_cmpuint (count_requests (f, "POST", "/crm/v3/objects/contacts/search"), ==, 0);
  g_assert_cmpuint (all->len, ==, 1);
  g_assert_nonnull (find_email (all, "kept@example.com"));
  g_assert_null (find_email (all, "gone@example.com"));
}

/* A create whose email HubSpot has (another case) is a match: the input
 * is written onto that contact, whose id is the result; the other inputs
 * of the batch are created. */
static void
test_conflict_is_match (Fixture       *f,
                        gconstpointer  data)
{
  guint64 ann = put (f, "{\"email\": \"ann@example.com\", \"firstname\": \"Ann\", "
                        "\"jobtitle\": \"CTO\"}");
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(JsonObject) stored = NULL;
  g_autofree char *ann_id = g_strdup_printf ("%" G_GUINT64_FORMAT, ann);
  ConcordRecord *record = new_contact ("Ann@Example.com", "Ann");
  ConcordWriteResult *matched;

  concord_record_set_text (record, CONCORD_FIELD_COMPANY, CONCORD_FIELD_TYPE_STRING, "Acme");
  g_ptr_array_add (records, new_contact ("new@example.com", "New"));
  g_ptr_array_add (records, record);
  concord_mock_server_reset_log (f->server);
  results = create (f, g_steal_pointer (&records));

  g_assert_no_error (result_at (results, 0)->error);
  matched = result_at (results, 1);
  g_assert_no_error (matched->error);
  g_assert_nonnull (matched->record);
  g_assert_cmpstr (concord_record_get_remote_id (matched->record), ==, ann_id);
  /* The contact as it now is, not the update's partial echo. */
  g_assert_cmpstr (concord_record_get_text (matched->record, CONCORD_FIELD_JOB_TITLE), ==, "CTO");
  g_assert_cmpstr (concord_record_get_text (matched->record, CONCORD_FIELD_COMPANY), ==, "Acme");
  stored = mock_properties (f, ann);
  g_assert_cmpstr (property (stored, "company"), ==, "Acme");
  g_assert_cmpuint (concord_mock_hubspot_get_n_contacts (f->mock), ==, 2);
  g_assert_cmpuint (count_requests (f, "POST", "/crm/v3/objects/contacts/batch/create"), ==, 1);
  g_assert_cmpuint (count_requests (f, "POST", "/crm/v3/objects/contacts/batch/update"), ==, 1);
}

/* Batches: 150 creates in two requests; updates in one request with a
 * per-record error for the invalid email, the rest written. */
static void
test_batches (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GPtrArray) updated = NULL;
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);

  for (guint i = 0; i < 150; i++)
    {
      g_autofree char *email = g_strdup_printf ("batch%03u@example.com", i);

      g_ptr_array_add (records, new_contact (email, "Batch"));
    }
  concord_mock_server_reset_log (f->server);
  results = create (f, g_steal_pointer (&records));
  g_assert_cmpuint (count_requests (f, "POST", "/crm/v3/objects/contacts/batch/create"), ==, 2);
  for (guint i = 0; i < results->len; i++)
    g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, i))->error);

  for (guint i = 0; i < 3; i++)
    {
      ConcordWriteResult *created = result_at (results, i);
      g_autoptr(ConcordRecord) set = new_contact (i == 1 ? "not-an-email" : NULL, "Changed");

      g_ptr_array_add (changes, concord_record_change_new (
                         concord_record_get_remote_id (created->record), set, NULL));
    }
  g_ptr_array_add (changes, concord_record_change_new ("999999", NULL, NULL));
  updated = update (f, g_steal_pointer (&changes));
  g_assert_cmpuint (count_requests (f, "POST", "/crm/v3/objects/contacts/batch/update"), ==, 1);
  g_assert_no_error (result_at (updated, 0)->error);
  g_assert_cmpstr (concord_record_get_text (result_at (updated, 0)->record,
                                            CONCORD_FIELD_FIRST_NAME), ==, "Changed");
  g_assert_error (result_at (updated, 1)->error, CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA);
  g_assert_no_error (result_at (updated, 2)->error);
  g_assert_error (result_at (updated, 3)->error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
}

/* A batch refused whole for one input (409 for an email HubSpot has,
 * 400 for an invalid one) is halved down to that input: the others are
 * written, the duplicate is a match, the invalid one alone fails. */
static void
test_atomic_batches (Fixture       *f,
                     gconstpointer  data)
{
  guint64 ann = put (f, "{\"email\": \"ann@example.com\", \"firstname\": \"Ann\"}");
  g_autofree char *ann_id = g_strdup_printf ("%" G_GUINT64_FORMAT, ann);
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GPtrArray) updated = NULL;

  concord_mock_hubspot_set_atomic_batches (f->mock, TRUE);
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *email = g_strdup_printf ("whole%u@example.com", i);

      g_ptr_array_add (records, new_contact (i == 2 ? "ANN@example.com"
                                             : i == 5 ? "not-an-email" : email, "Whole"));
    }
  results = create (f, g_steal_pointer (&records));
  for (guint i = 0; i < 8; i++)
    {
      ConcordWriteResult *result = result_at (results, i);

      if (i == 5)
        {
          g_assert_error (result->error, CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA);
          continue;
        }
      g_assert_no_error (result->error);
      if (i == 2)
        g_assert_cmpstr (concord_record_get_remote_id (result->record), ==, ann_id);
    }
  /* Ann and the six others. */
  g_assert_cmpuint (concord_mock_hubspot_get_n_contacts (f->mock), ==, 7);

  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(ConcordRecord) set = new_contact (i == 1 ? "bad address" : NULL, "Again");

      g_ptr_array_add (changes, concord_record_change_new (
                         concord_record_get_remote_id (result_at (results, i)->record), set,
                         NULL));
    }
  updated = update (f, g_steal_pointer (&changes));
  g_assert_no_error (result_at (updated, 0)->error);
  g_assert_error (result_at (updated, 1)->error, CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA);
  g_assert_no_error (result_at (updated, 2)->error);
  g_assert_no_error (result_at (updated, 3)->error);
  g_assert_cmpstr (concord_record_get_text (result_at (updated, 3)->record,
                                            CONCORD_FIELD_FIRST_NAME), ==, "Again");
}

/* Fetch reads by batch/read; an id HubSpot does not have is left out. */
static void
test_fetch (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *a = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                        put (f, "{\"email\": \"a@example.com\"}"));
  g_autofree char *b = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                        put (f, "{\"email\": \"b@example.com\"}"));
  const char *ids[] = { a, "424242", b, "not-an-id", NULL };
  g_autoptr(GPtrArray) fetched = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  concord_mock_server_reset_log (f->server);
  concord_connector_fetch_async (f->connector, CONTACTS, ids, NULL, concord_test_store_result_cb,
                                 &result);
  done = concord_test_wait_for_result (&result);
  fetched = concord_connector_fetch_finish (f->connector, done, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fetched->len, ==, 2);
  g_assert_cmpuint (count_requests (f, "POST", "/crm/v3/objects/contacts/batch/read"), >=, 1);
  g_assert_cmpuint (count_requests (f, "GET", "/crm/v3/objects/contacts/424242"), ==, 0);
}

/* The opt-out is the status: read as unsubscribed or active; written for
 * what it can hold, refused (that field) for what it cannot. */
static void
test_status (Fixture       *f,
             gconstpointer  data)
{
  guint64 out = put (f, "{\"email\": \"out@example.com\", \"hs_email_optout\": \"true\"}");
  g_autofree char *out_id = g_strdup_printf ("%" G_GUINT64_FORMAT, out);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) stored = NULL;
  ConcordRecord *set = new_contact (NULL, NULL);
  ConcordRecord *other = new_contact (NULL, NULL);
  guint64 in = put (f, "{\"email\": \"in@example.com\"}");
  g_autofree char *in_id = g_strdup_printf ("%" G_GUINT64_FORMAT, in);
  GPtrArray *changes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);

  all = list_all (f->connector, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (concord_record_get_text (find_email (all, "out@example.com"),
                                            CONCORD_FIELD_STATUS), ==, "unsubscribed");
  g_assert_null (concord_record_get (find_email (all, "in@example.com"), CONCORD_FIELD_STATUS));

  concord_record_set_text (set, CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM, "complained");
  concord_record_set_text (other, CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM, "transactional");
  g_ptr_array_add (changes, concord_record_change_new (in_id, set, NULL));
  g_ptr_array_add (changes, concord_record_change_new (out_id, other, NULL));
  concord_record_unref (set);
  concord_record_unref (other);
  results = update (f, changes);
  stored = mock_properties (f, in);
  g_assert_cmpstr (property (stored, "hs_email_optout"), ==, "true");
  g_assert_no_error (result_at (results, 1)->error);
  g_assert_nonnull (result_at (results, 1)->refused);
  g_assert_cmpuint (result_at (results, 1)->refused->len, ==, 1);
}

static GPtrArray *
fetch_ids (Fixture            *f,
           const char * const *ids)
{
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  GPtrArray *fetched;

  concord_connector_fetch_async (f->connector, CONTACTS, ids, NULL, concord_test_store_result_cb,
                                 &result);
  done = concord_test_wait_for_result (&result);
  fetched = concord_connector_fetch_finish (f->connector, done, &error);
  g_assert_no_error (error);
  return fetched;
}

/* The ten-secondly window: once an answer says no more remain than the
 * requests that may be in flight, the next request waits for the
 * interval, so HubSpot answers no 429 even to requests sent four at a
 * time. */
static void
test_rate_window (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  g_autoptr(GPtrArray) log = NULL;
  ConcordMockLogEntry *last_of_window, *first_after;

  for (guint i = 0; i < 16; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"email\": \"rate%u@example.com\"}", i);

      g_ptr_array_add (ids, g_strdup_printf ("%" G_GUINT64_FORMAT, put (f, json)));
    }
  g_ptr_array_add (ids, NULL);
  concord_mock_hubspot_set_rate_limit (f->mock, 6);
  concord_mock_server_reset_log (f->server);

  /* The properties, then four reads of four at once: 1 of 6 remains. */
  first = fetch_ids (f, (const char * const *) ids->pdata);
  g_assert_cmpuint (first->len, ==, 16);
  /* Four more at once would pass the window: they wait for it. */
  second = fetch_ids (f, (const char * const *) ids->pdata);
  g_assert_cmpuint (second->len, ==, 16);
  g_assert_cmpuint (concord_mock_hubspot_get_n_429 (f->mock), ==, 0);

  log = concord_mock_server_get_log (f->server);
  g_assert_cmpuint (log->len, ==, 9);
  last_of_window = g_ptr_array_index (log, 4);
  first_after = g_ptr_array_index (log, 5);
  g_assert_cmpint (first_after->time_us - last_of_window->time_us, >=, 9 * G_USEC_PER_SEC);
}

/* ------------------------------------------------------------------------- */
/* Hostile answers (a bare server)                                           */
/* ------------------------------------------------------------------------- */

#define PROPERTIES_ANSWER \
  "{\"results\": [{\"name\": \"email\", \"label\": \"Email\", \"type\": \"string\", " \
  "\"fieldType\": \"text\", \"hubspotDefined\": true}, {\"name\": \"firstname\", \"label\": " \
  "\"First Name\", \"type\": \"string\", \"fieldType\": \"text\", \"hubspotDefined\": true}, " \
  "{\"name\": \"lastname\", \"label\": \"Last Name\", \"type\": \"string\", \"fieldType\": " \
  "\"text\", \"hubspotDefined\": true}]}"

typedef struct
{
  const char *contacts;   /* the body every GET …/contacts answers */
  const char *properties; /* (nullable): the properties answer, else PROPERTIES_ANSWER */
} Hostile;

static void
on_hostile_cb (ConcordMockRequest *request,
               gpointer            user_data)
{
  Hostile *hostile = user_data;
  const char *path = concord_mock_request_get_path (request);

  if (g_str_equal (path, "/crm/v3/properties/contacts"))
    concord_mock_request_respond (request, 200, "application/json",
                                  g_strdup (hostile->properties != NULL ? hostile->properties
                                                                        : PROPERTIES_ANSWER));
  else
    concord_mock_request_respond (request, 200, "application/json", g_strdup (hostile->contacts));
}

static GPtrArray *
list_hostile (const char  *contacts,
              const char  *properties,
              GError     **error)
{
  Hostile hostile = { contacts, properties };
  g_autoptr(ConcordMockServer) server = concord_mock_server_new ("hostile-hubspot", 0, NULL);
  g_autoptr(ConcordConnectorHubspot) connector = NULL;

  concord_mock_server_add_route (server, NULL, "/", on_hostile_cb, &hostile, NULL);
  connector = concord_connector_hubspot_new (concord_mock_server_get_origin (server), TOKEN);
  concord_connector_hubspot_set_retry_base_ms (connector, 2);
  return list_all (CONCORD_CONNECTOR (connector), NULL, NULL, NULL, error);
}

/* An `after` that repeats is PROTOCOL, not an endless listing. */
static void
test_endless_after (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = list_hostile (
    "{\"results\": [{\"id\": \"1\", \"properties\": {\"email\": \"loop@example.com\"}}], "
    "\"paging\": {\"next\": {\"after\": \"2\"}}}", NULL, &error);

  g_assert_null (all);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL);
}

/* Missing or broken members: that contact skipped, the rest kept; a huge
 * email or value kept cut and marked altered; invalid UTF-8 repaired and
 * marked altered. */
static void
test_hostile_values (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *huge = g_strnfill (300, 'x');
  g_autofree char *giant = g_strnfill (200 * 1024, 'y');
  g_autofree char *body = g_strdup_printf (
    "{\"results\": ["
    "{\"properties\": {\"email\": \"noid@example.com\"}}, {\"id\": \"abc\"}, {\"id\": -4}, 7, null,"
    "{\"id\": \"5\", \"archived\": true, \"properties\": {}},"
    "{\"id\": \"8\", \"properties\": {\"email\": \"%s@example.com\", \"firstname\": 12}},"
    "{\"id\": \"9\", \"properties\": {\"firstname\": \"Bj\xf6rn\", \"lastname\": \"%s\", "
    "\"email\": [\"not\", \"text\"], \"lastmodifieddate\": \"yesterday\"}},"
    "{\"id\": \"10\", \"properties\": \"not an object\"}"
    "]}", huge, giant);
  g_autoptr(GPtrArray) all = list_hostile (body, NULL, &error);
  ConcordRecord *huge_one, *kept;

  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 3);
  huge_one = g_ptr_array_index (all, 0);
  kept = g_ptr_array_index (all, 1);
  g_assert_cmpstr (concord_record_get_remote_id (huge_one), ==, "8");
  g_assert_true (concord_record_is_altered (huge_one, CONCORD_FIELD_EMAIL));
  g_assert_cmpstr (concord_record_get_text (huge_one, CONCORD_FIELD_FIRST_NAME), ==, "12");
  g_assert_true (concord_record_is_altered (kept, CONCORD_FIELD_FIRST_NAME));
  g_assert_cmpuint (strlen (concord_record_get_text (kept, CONCORD_FIELD_LAST_NAME)), <, 100 * 1024);
  g_assert_true (concord_record_is_altered (kept, CONCORD_FIELD_LAST_NAME));
  g_assert_null (concord_record_get (kept, CONCORD_FIELD_EMAIL));
}

/* A page longer than asked, results that are not a list, a nesting bomb
 * in the properties: PARSE before any record is taken. */
static void
test_broken_answers (void)
{
  static const char *broken[] = {
    "{\"results\": {\"id\": \"1\"}}",
    "{\"paging\": {}}",
    "[]",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) long_page = g_string_new ("{\"results\": [");
  g_autofree char *bomb = g_malloc (200001);

  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autoptr(GPtrArray) all = list_hostile (broken[i], NULL, &error);

      g_assert_null (all);
      g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
      g_clear_error (&error);
    }

  for (guint i = 1; i <= 101; i++)
    g_string_append_printf (long_page, "%s{\"id\": \"%u\"}", i > 1 ? "," : "", i);
  g_string_append (long_page, "]}");
  {
    g_autoptr(GPtrArray) all = list_hostile (long_page->str, NULL, &error);

    g_assert_null (all);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
    g_clear_error (&error);
  }

  memset (bomb, '[', 100000);
  memset (bomb + 100000, ']', 100000);
  bomb[200000] = '\0';
  {
    g_autoptr(GPtrArray) all = list_hostile ("{\"results\": []}", bomb, &error);

    g_assert_null (all);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  }
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
    { "after-paging", test_after_paging },
    { "pick-lists", test_pick_lists },
    { "incremental", test_incremental },
    { "search-window", test_search_window },
    { "search-window-one-instant", test_search_window_one_instant },
    { "many-properties", test_many_properties },
    { "archived", test_archived },
    { "conflict-is-match", test_conflict_is_match },
    { "batches", test_batches },
    { "atomic-batches", test_atomic_batches },
    { "fetch", test_fetch },
    { "status", test_status },
    { "rate-window", test_rate_window },
  };

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *path = g_strdup_printf ("/concord/hubspot/%s", cases[c].name);

      g_test_add (path, Fixture, NULL, fixture_set_up, cases[c].func, fixture_tear_down);
    }
  g_test_add_func ("/concord/hubspot/endless-after", test_endless_after);
  g_test_add_func ("/concord/hubspot/hostile-values", test_hostile_values);
  g_test_add_func ("/concord/hubspot/broken-answers", test_broken_answers);

  return g_test_run ();
}
