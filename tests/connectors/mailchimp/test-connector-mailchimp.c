/* test-connector-mailchimp.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Mailchimp's quirks (the contract, ../test-contract.c, covers what every
 * connector does), against the mock of src/connectors/mailchimp/mock/ and,
 * for answers no real server would send, a bare mock server: the key's
 * data centre, audiences as contact types, subscriber-hash addressing
 * whatever the case of the address, the status table both ways, never
 * "subscribed" over an unsubscribed member, status_if_new, merge fields
 * and their types, tags, incremental listing, batches, the 10-connection
 * limit, hostile answers.
 *
 * Paths: /concord/mailchimp/<case>.
 */

#define G_LOG_DOMAIN "concord-test-connector-mailchimp"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "concord-app-registry.h"
#include "concord-connector-elasticemail.h"
#include "concord-connector-mailchimp.h"
#include "concord-error.h"
#include "concord-mapping.h"
#include "concord-mock-elasticemail.h"
#include "concord-mock-mailchimp.h"
#include "concord-test-connector.h"
#include "concord-test-utils.h"

#define KEY  "5f3a9c1e7b2d4f6a8c0e1b3d5f7a9c1e-us6"
#define LIST CONCORD_MOCK_MAILCHIMP_FIRST_LIST_ID

typedef struct
{
  ConcordMockMailchimp      *mock;       /* (owned) */
  ConcordMockServer         *server;     /* (unowned) */
  ConcordConnectorMailchimp *mailchimp;  /* (owned) */
  ConcordConnector          *connector;  /* (unowned): @mailchimp */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  static const char *plans[] = { "free", "pro", "team", NULL };

  f->mock = concord_mock_mailchimp_new (KEY, 0, &error);
  g_assert_no_error (error);
  g_free (concord_mock_mailchimp_add_list (f->mock, "Newsletter"));
  concord_mock_mailchimp_add_merge_field (f->mock, LIST, "COMPANY", "Company", "text", NULL);
  concord_mock_mailchimp_add_merge_field (f->mock, LIST, "CITY", "City", "text", NULL);
  concord_mock_mailchimp_add_merge_field (f->mock, LIST, "PLAN", "Plan", "dropdown", plans);
  concord_mock_mailchimp_add_merge_field (f->mock, LIST, "AGE", "Age", "number", NULL);
  concord_mock_mailchimp_add_merge_field (f->mock, LIST, "SINCE", "Customer since", "date", NULL);
  f->server = concord_mock_mailchimp_get_server (f->mock);
  f->mailchimp = concord_connector_mailchimp_new (concord_mock_mailchimp_get_base_url (f->mock),
                                                  KEY);
  concord_connector_mailchimp_set_retry_base_ms (f->mailchimp, 2);
  concord_connector_mailchimp_set_page_limit (f->mailchimp, 5);
  f->connector = CONCORD_CONNECTOR (f->mailchimp);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->mailchimp);
  g_clear_object (&f->mock);
}

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static ConcordRecord *
new_member (const char *email,
            const char *first_name,
            const char *status)
{
  ConcordRecord *record = concord_record_new (NULL);

  if (email != NULL)
    concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
  if (first_name != NULL)
    concord_record_set_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING,
                             first_name);
  if (status != NULL)
    concord_record_set_text (record, CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM, status);
  return record;
}

/* Writes @records (taken) and returns their results. */
static GPtrArray *
create_all (Fixture   *f,
            GPtrArray *records)
{
  g_autoptr(GPtrArray) owned = records;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  GPtrArray *results;

  concord_connector_create_async (f->connector, LIST, owned, NULL,
                                  concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  results = concord_connector_create_finish (f->connector, done, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, owned->len);
  return results;
}

static ConcordWriteResult *
create_one (Fixture       *f,
            ConcordRecord *record)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) results = NULL;

  g_ptr_array_add (records, record);
  results = create_all (f, records);
  return g_ptr_array_steal_index (results, 0);
}

/* Applies @set (taken) and @clear to @remote_id; its result. */
static ConcordWriteResult *
update_one (Fixture            *f,
            const char         *remote_id,
            ConcordRecord      *set,
            const char * const *clear)
{
  g_autoptr(ConcordRecord) owned = set;
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  g_ptr_array_add (changes, concord_record_change_new (remote_id, set, clear));
  concord_connector_update_async (f->connector, LIST, changes, NULL,
                                  concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  results = concord_connector_update_finish (f->connector, done, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  return g_ptr_array_steal_index (results, 0);
}

static GPtrArray *
list_all (ConcordConnector  *connector,
          const char        *list_id,
          const char        *cursor,
          char             **next_cursor,
          guint             *n_pages,
          GError           **error)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autofree char *token = NULL;

  for (guint pages = 1; pages < 1000; pages++)
    {
      GAsyncResult *result = NULL;
      g_autoptr(GAsyncResult) done = NULL;
      g_autoptr(ConcordPage) page = NULL;

      concord_connector_list_async (connector, list_id, cursor, token, NULL,
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
          if (n_pages != NULL)
            *n_pages = pages;
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
    if (g_ascii_strcasecmp (concord_record_get_email (g_ptr_array_index (records, i)), email) == 0)
      return g_ptr_array_index (records, i);
  return NULL;
}

static JsonObject *
mock_member (Fixture    *f,
             const char *email)
{
  g_autofree char *json = concord_mock_mailchimp_get_member_json (f->mock, LIST, email);
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_nonnull (json);
  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static const char *
mock_status (Fixture    *f,
             const char *email)
{
  static char status[32];
  g_autoptr(JsonObject) member = mock_member (f, email);

  g_strlcpy (status, json_object_get_string_member (member, "status"), sizeof status);
  return status;
}

static void
put_member (Fixture    *f,
            const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = concord_mock_mailchimp_put_member_json (f->mock, LIST, json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (hash);
}

static GPtrArray *
load_schema (Fixture  *f,
             GError  **error)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  concord_connector_load_schema_async (f->connector, LIST, NULL, concord_test_store_result_cb,
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
                const char *path_part)
{
  g_autoptr(GPtrArray) log = concord_mock_server_get_log (f->server);
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    {
      ConcordMockLogEntry *entry = g_ptr_array_index (log, i);

      if ((method == NULL || g_str_equal (entry->method, method)) &&
          strstr (entry->path, path_part) != NULL)
        n++;
    }
  return n;
}

/* ------------------------------------------------------------------------- */
/* Cases                                                                     */
/* ------------------------------------------------------------------------- */

/* Verify reads /ping with the key in Basic; a wrong key is AUTH_FAILED. */
static void
test_verify (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(ConcordConnectorMailchimp) wrong = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GAsyncResult) done_wrong = NULL;

  concord_connector_verify_async (f->connector, NULL, concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  g_assert_true (concord_connector_verify_finish (f->connector, done, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_requests (f, "GET", "/3.0/ping"), ==, 1);

  wrong = concord_connector_mailchimp_new (concord_mock_mailchimp_get_base_url (f->mock),
                                           "ffffffffffffffffffffffffffffffff-us6");
  concord_connector_verify_async (CONCORD_CONNECTOR (wrong), NULL, concord_test_store_result_cb,
                                  &result);
  done_wrong = concord_test_wait_for_result (&result);
  g_assert_false (concord_connector_verify_finish (CONCORD_CONNECTOR (wrong), done_wrong, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
  g_assert_null (strstr (error->message, "ffffffff"));
}

/* The key's suffix names the data centre and the server; a key without
 * one is refused at the form, with a message saying what to copy. */
static void
test_data_center (void)
{
  const ConcordAppInfo *app = concord_app_registry_lookup ("mailchimp");
  g_autoptr(GError) error = NULL;
  g_autofree char *dc = concord_connector_mailchimp_data_center ("abc123-us21", NULL);
  g_autofree char *url = concord_connector_mailchimp_base_url_for ("abc123-us6", NULL);
  g_autofree char *none = concord_connector_mailchimp_data_center ("abc123", NULL);
  g_autofree char *bad = concord_connector_mailchimp_data_center ("abc123-US6/..", NULL);
  g_autoptr(ConcordConnector) connector = NULL;

  g_assert_cmpstr (dc, ==, "us21");
  g_assert_cmpstr (url, ==, "https://us6.api.mailchimp.com/3.0");
  g_assert_null (none);
  g_assert_null (bad);

  g_assert_nonnull (app);
  g_assert_null (app->contact_types);
  g_assert_true (g_str_has_prefix (app->key_url, "https://admin.mailchimp.com/"));
  g_assert_false (concord_app_info_check_entry (app, "{}", "5f3a9c1e7b2d4f6a8c0e1b3d5f7a9c1e",
                                                &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "-us6"));
  g_clear_error (&error);
  g_assert_true (concord_app_info_check_entry (app, "{}", KEY, &error));
  g_assert_no_error (error);

  connector = concord_app_registry_create_connector ("mailchimp", "{}", KEY, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (concord_http_client_get_base_url (
                     concord_rest_connector_get_client (CONCORD_REST_CONNECTOR (connector))), ==,
                   "https://us6.api.mailchimp.com/3.0");
}

static void
on_types_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Audiences are the contact types, listed from GET /lists; an audience
 * the engine names works without a listing; one that does not exist is
 * NOT_FOUND. */
static void
test_audiences (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *second = concord_mock_mailchimp_add_list (f->mock, "Customers");
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(ConcordConnectorMailchimp) fresh = NULL;
  g_autoptr(GPtrArray) none = NULL;
  ConcordContactType *type;

  concord_connector_list_contact_types_async (f->connector, NULL, on_types_cb, &result);
  done = concord_test_wait_for_result (&result);
  types = concord_connector_list_contact_types_finish (f->connector, done, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (types->len, ==, 2);
  type = g_ptr_array_index (types, 0);
  g_assert_cmpstr (type->id, ==, LIST);
  g_assert_cmpstr (type->label, ==, "Newsletter");
  type = g_ptr_array_index (types, 1);
  g_assert_cmpstr (type->id, ==, second);
  g_assert_cmpstr (type->label, ==, "Customers");

  /* A connector that never listed them: the audience id is enough. */
  fresh = concord_connector_mailchimp_new (concord_mock_mailchimp_get_base_url (f->mock), KEY);
  concord_mock_mailchimp_generate (f->mock, 3, 1);
  {
    g_autoptr(GPtrArray) all = list_all (CONCORD_CONNECTOR (fresh), LIST, NULL, NULL, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (all->len, ==, 3);
  }
  none = list_all (CONCORD_CONNECTOR (fresh), "0000000000", NULL, NULL, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
}

/* The id is the MD5 of the lower-cased address, whatever case Mailchimp
 * or the other app writes it in; fetch and update address by it. */
static void
test_subscriber_hash (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *hash = concord_connector_mailchimp_subscriber_hash ("Ann.E2E@Example.COM");
  g_autofree char *lower = g_compute_checksum_for_string (G_CHECKSUM_MD5, "ann.e2e@example.com", -1);
  g_autoptr(ConcordWriteResult) created = NULL;
  g_autoptr(ConcordWriteResult) updated = NULL;
  g_autoptr(GPtrArray) fetched = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  const char *ids[] = { NULL, "not-a-hash", NULL };

  g_assert_cmpstr (hash, ==, lower);
  g_assert_cmpstr (hash, ==, "810a504d31681249d818c32948f25210");

  created = create_one (f, new_member ("Ann.E2E@Example.COM", "Ann", "active"));
  g_assert_no_error (created->error);
  g_assert_cmpstr (concord_record_get_remote_id (created->record), ==, hash);

  ids[0] = hash;
  concord_connector_fetch_async (f->connector, LIST, ids, NULL, concord_test_store_result_cb,
                                 &result);
  done = concord_test_wait_for_result (&result);
  fetched = concord_connector_fetch_finish (f->connector, done, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fetched->len, ==, 1);
  g_assert_cmpstr (concord_record_get_text (g_ptr_array_index (fetched, 0), CONCORD_FIELD_FIRST_NAME),
                   ==, "Ann");

  updated = update_one (f, hash, new_member ("ann.e2e@example.com", "Annie", NULL), NULL);
  g_assert_no_error (updated->error);
  /* Its case may change (the same member); another address would be
   * another member, refused for that field alone. */
  g_assert_false (result_refuses (updated, CONCORD_FIELD_EMAIL));
  g_assert_cmpstr (concord_record_get_remote_id (updated->record), ==, hash);
  {
    g_autoptr(ConcordWriteResult) moved = update_one (f, hash,
                                                      new_member ("ann.new@example.com", "Ann",
                                                                  NULL), NULL);

    g_assert_no_error (moved->error);
    g_assert_true (result_refuses (moved, CONCORD_FIELD_EMAIL));
    g_assert_cmpstr (concord_record_get_email (moved->record), ==, "ann.e2e@example.com");
  }
  {
    g_autoptr(JsonObject) member = mock_member (f, "ann.e2e@example.com");

    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (member,
                                                                                   "merge_fields"),
                                                    "FNAME"), ==, "Ann");
  }
}

/* Every Mailchimp status reads as its canonical one; every canonical one
 * is written to a new member as the nearest status, never "subscribed"
 * for a suppressed or status-less contact. */
static void
test_status_table (Fixture       *f,
                   gconstpointer  data)
{
  static const struct
  {
    const char *api;
    const char *canonical;
  } reads[] = {
    { "subscribed", "active" },
    { "unsubscribed", "unsubscribed" },
    { "cleaned", "bounced" },
    { "pending", "not_confirmed" },
    { "transactional", "transactional" },
    { "archived", "inactive" },
  };
  static const struct
  {
    const char *canonical;
    const char *api;
  } writes[] = {
    { "active", "subscribed" },
    { "engaged", "subscribed" },
    { "unsubscribed", "unsubscribed" },
    { "bounced", "unsubscribed" },
    { "abuse", "unsubscribed" },
    { "complained", "unsubscribed" },
    { "not_confirmed", "pending" },
    { "transactional", "transactional" },
    { "inactive", "transactional" },
    { NULL, "transactional" },
  };
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (reads); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"email_address\": \"read%u@example.com\", "
                                               "\"status\": \"%s\"}", i, reads[i].api);

      g_assert_cmpstr (concord_connector_mailchimp_status_to_canonical (reads[i].api), ==,
                       reads[i].canonical);
      put_member (f, json);
    }
  /* Archived members are not listed; the others read as the table says. */
  all = list_all (f->connector, LIST, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, G_N_ELEMENTS (reads) - 1);
  for (guint i = 0; i + 1 < G_N_ELEMENTS (reads); i++)
    {
      g_autofree char *email = g_strdup_printf ("read%u@example.com", i);

      g_assert_cmpstr (concord_record_get_text (find_email (all, email), CONCORD_FIELD_STATUS), ==,
                       reads[i].canonical);
    }

  for (guint i = 0; i < G_N_ELEMENTS (writes); i++)
    {
      g_autofree char *email = g_strdup_printf ("write%u@example.com", i);

      g_assert_cmpstr (concord_connector_mailchimp_status_for_new (writes[i].canonical), ==,
                       writes[i].api);
      g_ptr_array_add (records, new_member (email, "W", writes[i].canonical));
    }
  results = create_all (f, records);
  for (guint i = 0; i < G_N_ELEMENTS (writes); i++)
    {
      g_autofree char *email = g_strdup_printf ("write%u@example.com", i);

      g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, i))->error);
      g_assert_cmpstr (mock_status (f, email), ==, writes[i].api);
    }
}

/* An existing member is never sent "subscribed" and never re-subscribed:
 * a create of an address already in the audience upserts its fields and
 * leaves its status (but for an unsubscribe); an update to active over unsubscribed,
 * cleaned, pending or transactional is refused for the status alone
 * (the rest written), and the member keeps its status; an unsubscribe
 * goes through. */
static void
test_never_resubscribe (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(ConcordWriteResult) exists = NULL;
  g_autofree char *gone = concord_connector_mailchimp_subscriber_hash ("gone@example.com");
  g_autofree char *bounced = concord_connector_mailchimp_subscriber_hash ("bounced@example.com");
  g_autofree char *waiting = concord_connector_mailchimp_subscriber_hash ("waiting@example.com");
  g_autofree char *happy = concord_connector_mailchimp_subscriber_hash ("happy@example.com");

  put_member (f, "{\"email_address\": \"gone@example.com\", \"status\": \"unsubscribed\"}");
  put_member (f, "{\"email_address\": \"bounced@example.com\", \"status\": \"cleaned\"}");
  put_member (f, "{\"email_address\": \"waiting@example.com\", \"status\": \"pending\"}");
  put_member (f, "{\"email_address\": \"happy@example.com\", \"status\": \"subscribed\"}");

  /* A create of an address already there: upserted with status_if_new,
   * never status: the fields land, the status stays (and is refused). */
  exists = create_one (f, new_member ("GONE@example.com", "Back", "active"));
  g_assert_no_error (exists->error);
  g_assert_cmpstr (concord_record_get_remote_id (exists->record), ==, gone);
  g_assert_true (result_refuses (exists, CONCORD_FIELD_STATUS));
  g_assert_cmpstr (concord_record_get_text (exists->record, CONCORD_FIELD_FIRST_NAME), ==, "Back");
  g_assert_cmpstr (mock_status (f, "gone@example.com"), ==, "unsubscribed");
  g_assert_cmpuint (count_requests (f, "PUT", "/members/"), ==, 1);
  {
    /* An unsubscribe does reach a member that exists. */
    g_autoptr(ConcordWriteResult) unsubscribed = create_one (f, new_member ("happy@example.com",
                                                                            NULL, "bounced"));

    g_assert_no_error (unsubscribed->error);
    g_assert_false (result_refuses (unsubscribed, CONCORD_FIELD_STATUS));
    g_assert_cmpstr (mock_status (f, "happy@example.com"), ==, "unsubscribed");
    g_assert_true (concord_mock_mailchimp_set_status (f->mock, LIST, "happy@example.com",
                                                      "subscribed"));
  }

  {
    g_autoptr(ConcordWriteResult) result = update_one (f, gone, new_member (NULL, "Back", "active"),
                                                       NULL);
    g_autoptr(JsonObject) member = mock_member (f, "gone@example.com");

    g_assert_no_error (result->error);
    g_assert_true (result_refuses (result, CONCORD_FIELD_STATUS));
    g_assert_cmpstr (json_object_get_string_member (member, "status"), ==, "unsubscribed");
    /* The rest of the change was written. */
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (member,
                                                                                   "merge_fields"),
                                                    "FNAME"), ==, "Back");
  }
  {
    g_autoptr(ConcordWriteResult) result = update_one (f, bounced,
                                                       new_member (NULL, NULL, "transactional"), NULL);

    g_assert_true (result_refuses (result, CONCORD_FIELD_STATUS));
    g_assert_cmpstr (mock_status (f, "bounced@example.com"), ==, "cleaned");
  }
  {
    g_autoptr(ConcordWriteResult) result = update_one (f, waiting, new_member (NULL, NULL, "active"),
                                                       NULL);

    g_assert_true (result_refuses (result, CONCORD_FIELD_STATUS));
    g_assert_cmpstr (mock_status (f, "waiting@example.com"), ==, "pending");
  }
  {
    /* An unsubscribe (or a bounce, or a complaint) reaches Mailchimp. */
    g_autoptr(ConcordWriteResult) result = update_one (f, happy,
                                                       new_member (NULL, NULL, "abuse"), NULL);

    g_assert_no_error (result->error);
    g_assert_false (result_refuses (result, CONCORD_FIELD_STATUS));
    g_assert_cmpstr (mock_status (f, "happy@example.com"), ==, "unsubscribed");
    g_assert_cmpstr (concord_record_get_text (result->record, CONCORD_FIELD_STATUS), ==,
                     "unsubscribed");
  }
  {
    /* A later edit never re-subscribes. */
    g_autoptr(ConcordWriteResult) result = update_one (f, happy, new_member (NULL, "Later", NULL),
                                                       NULL);

    g_assert_no_error (result->error);
    g_assert_cmpstr (mock_status (f, "happy@example.com"), ==, "unsubscribed");
  }
}

/* Merge fields: canonical names for FNAME, LNAME, PHONE and Company;
 * others by name, typed; dropdowns as pick lists; values checked. */
static void
test_merge_fields (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) specs = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordWriteResult) created = NULL;
  g_autoptr(GPtrArray) all = NULL;
  const ConcordFieldSpec *spec;
  ConcordRecord *record = new_member ("merge@example.com", "Mia", "active");
  ConcordRecord *read;

  specs = load_schema (f, &error);
  g_assert_no_error (error);
  g_assert_nonnull (find_spec (specs, CONCORD_FIELD_FIRST_NAME));
  g_assert_nonnull (find_spec (specs, CONCORD_FIELD_LAST_NAME));
  g_assert_nonnull (find_spec (specs, CONCORD_FIELD_PHONE));
  g_assert_nonnull (find_spec (specs, CONCORD_FIELD_COMPANY));
  g_assert_nonnull (find_spec (specs, CONCORD_FIELD_TAGS));
  spec = find_spec (specs, CONCORD_FIELD_STATUS);
  g_assert_nonnull (spec);
  g_assert_true (g_strv_contains ((const char * const *) spec->choices, "unsubscribed"));
  spec = find_spec (specs, "custom:Plan");
  g_assert_nonnull (spec);
  g_assert_cmpint (spec->type, ==, CONCORD_FIELD_TYPE_ENUM);
  g_assert_cmpuint (g_strv_length (spec->choices), ==, 3);
  g_assert_cmpint (find_spec (specs, "custom:Age")->type, ==, CONCORD_FIELD_TYPE_NUMBER);
  g_assert_cmpint (find_spec (specs, "custom:Customer since")->type, ==, CONCORD_FIELD_TYPE_DATE);
  g_assert_cmpint (find_spec (specs, "custom:City")->type, ==, CONCORD_FIELD_TYPE_STRING);
  g_assert_true (find_spec (specs, "custom:Address")->read_only);
  g_assert_true (find_spec (specs, "custom:Birthday")->read_only);

  concord_record_set_text (record, CONCORD_FIELD_COMPANY, CONCORD_FIELD_TYPE_STRING, "Acme");
  concord_record_set_text (record, "custom:City", CONCORD_FIELD_TYPE_STRING, "Lisbon");
  concord_record_set_text (record, "custom:Plan", CONCORD_FIELD_TYPE_ENUM, "gold");
  concord_record_set_text (record, "custom:Age", CONCORD_FIELD_TYPE_STRING, "forty");
  concord_record_set_text (record, "custom:Customer since", CONCORD_FIELD_TYPE_STRING,
                           "2024-03-01");
  concord_record_set_text (record, "custom:No such", CONCORD_FIELD_TYPE_STRING, "x");
  created = create_one (f, record);
  g_assert_no_error (created->error);
  g_assert_true (result_refuses (created, "custom:Plan"));
  g_assert_true (result_refuses (created, "custom:Age"));
  g_assert_true (result_refuses (created, "custom:No such"));
  g_assert_false (result_refuses (created, "custom:City"));

  all = list_all (f->connector, LIST, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  read = find_email (all, "merge@example.com");
  g_assert_cmpstr (concord_record_get_text (read, CONCORD_FIELD_COMPANY), ==, "Acme");
  g_assert_cmpstr (concord_record_get_text (read, "custom:City"), ==, "Lisbon");
  g_assert_cmpstr (concord_record_get_text (read, "custom:Customer since"), ==, "2024-03-01");
  g_assert_null (concord_record_get (read, "custom:Plan"));

  {
    g_autoptr(ConcordRecord) set = concord_record_new (NULL);
    g_autoptr(ConcordWriteResult) result = NULL;
    const char *clear[] = { "custom:City", NULL };

    concord_record_set_text (set, "custom:Plan", CONCORD_FIELD_TYPE_ENUM, "pro");
    concord_record_set_number (set, "custom:Age", 41);
    result = update_one (f, concord_record_get_remote_id (read), g_steal_pointer (&set), clear);
    g_assert_no_error (result->error);
    g_assert_cmpstr (concord_record_get_text (result->record, "custom:Plan"), ==, "pro");
    g_assert_null (concord_record_get (result->record, "custom:City"));
    g_assert_cmpfloat (concord_record_get (result->record, "custom:Age")->v.number, ==, 41);
  }
}

/* An audience's required merge field does not refuse the contacts the
 * other app has no value for: writes skip merge validation. */
static void
test_required_merge_field (Fixture       *f,
                           gconstpointer  data)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(ConcordWriteResult) updated = NULL;
  g_autofree char *hash = concord_connector_mailchimp_subscriber_hash ("nocity@example.com");
  const char *clear[] = { "custom:City", NULL };

  concord_mock_mailchimp_set_merge_field_required (f->mock, LIST, "CITY", TRUE);
  g_ptr_array_add (records, new_member ("nocity@example.com", "Nell", "active"));
  results = create_all (f, records);
  g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, 0))->error);

  /* Upserted (already there) and updated alike. */
  {
    g_autoptr(ConcordWriteResult) again = create_one (f, new_member ("NoCity@example.com", "Nella",
                                                                     NULL));

    g_assert_no_error (again->error);
  }
  updated = update_one (f, hash, new_member (NULL, NULL, NULL), clear);
  g_assert_no_error (updated->error);
}

/* Tags: given to a new member; an update adds and removes through the
 * tags endpoint, after reading what the member has. */
static void
test_tags (Fixture       *f,
           gconstpointer  data)
{
  ConcordRecord *record = new_member ("tags@example.com", "Tia", "active");
  const char *first[] = { "Customer", "VIP", NULL };
  const char *second[] = { "Customer", "Lead", NULL };
  g_autoptr(ConcordWriteResult) created = NULL;
  g_autoptr(ConcordWriteResult) updated = NULL;
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  const ConcordValue *tags;

  concord_record_set_set (record, CONCORD_FIELD_TAGS, first);
  created = create_one (f, record);
  g_assert_no_error (created->error);
  tags = concord_record_get (created->record, CONCORD_FIELD_TAGS);
  g_assert_nonnull (tags);
  g_assert_cmpuint (g_strv_length (tags->v.set), ==, 2);

  concord_record_set_set (set, CONCORD_FIELD_TAGS, second);
  updated = update_one (f, concord_record_get_remote_id (created->record), g_steal_pointer (&set),
                        NULL);
  g_assert_no_error (updated->error);
  tags = concord_record_get (updated->record, CONCORD_FIELD_TAGS);
  g_assert_true (g_strv_contains ((const char * const *) tags->v.set, "Lead"));
  g_assert_true (g_strv_contains ((const char * const *) tags->v.set, "Customer"));
  g_assert_false (g_strv_contains ((const char * const *) tags->v.set, "VIP"));
  g_assert_cmpuint (count_requests (f, "POST", "/tags"), ==, 1);
}

/* Offset paging to total_items; an incremental listing asks
 * since_last_changed (one second back from the latest change read) and
 * gets only what changed since. */
static void
test_incremental (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) changed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *next = NULL;
  guint n_pages = 0;

  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"email_address\": \"old%u@example.com\", "
                                               "\"status\": \"subscribed\", \"last_changed\": "
                                               "\"2024-05-01T10:00:%02u+00:00\", "
                                               "\"timestamp_signup\": \"2024-04-01T10:00:00+00:00\"}",
                                               i, i);

      put_member (f, json);
    }

  all = list_all (f->connector, LIST, NULL, &cursor, &n_pages, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 12);
  g_assert_cmpuint (n_pages, ==, 3);
  g_assert_nonnull (cursor);
  /* The latest change, one second back: the next listing overlaps it. */
  g_assert_true (g_str_has_prefix (cursor, "2024-05-01T10:00:10"));

  g_assert_true (concord_mock_mailchimp_set_status (f->mock, LIST, "old7@example.com",
                                                    "unsubscribed"));
  concord_mock_server_reset_log (f->server);
  changed = list_all (f->connector, LIST, cursor, &next, NULL, &error);
  g_assert_no_error (error);
  /* The one changed, and the one of the overlapping second. */
  g_assert_cmpuint (changed->len, ==, 2);
  g_assert_nonnull (find_email (changed, "old11@example.com"));
  g_assert_cmpstr (concord_record_get_text (find_email (changed, "old7@example.com"),
                                            CONCORD_FIELD_STATUS), ==, "unsubscribed");
  g_assert_cmpuint (count_requests (f, "GET", "/members"), ==, 1);
}

/* A change listing a day after the last full one is a full one again,
 * the only kind marked complete (archived members are not listed, and no
 * change listing shows them gone). */
static void
test_daily_full_listing (Fixture       *f,
                         gconstpointer  data)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *old_cursor = g_strdup_printf ("2024-05-01T10:00:00+00:00;full=%" G_GINT64_FORMAT,
                                                 now - 2 * 24 * 3600);
  g_autofree char *fresh_cursor = g_strdup_printf ("2024-05-01T10:00:00+00:00;full=%" G_GINT64_FORMAT,
                                                   now - 60);
  g_autoptr(GError) error = NULL;

  concord_mock_mailchimp_generate (f->mock, 3, 2);
  for (guint i = 0; i < 2; i++)
    {
      const char *cursor = i == 0 ? old_cursor : fresh_cursor;
      GAsyncResult *result = NULL;
      g_autoptr(GAsyncResult) done = NULL;
      g_autoptr(ConcordPage) page = NULL;

      concord_mock_server_reset_log (f->server);
      concord_connector_list_async (f->connector, LIST, cursor, NULL, NULL,
                                    concord_test_store_result_cb, &result);
      done = concord_test_wait_for_result (&result);
      page = concord_connector_list_finish (f->connector, done, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (page->records->len, ==, 3);
      g_assert_null (page->next_page);
      /* Full: no since_last_changed, complete, and a cursor that says so. */
      g_assert_true (page->complete == (i == 0));
      g_assert_cmpuint (count_requests (f, "GET", "/members"), ==, 1);
      {
        g_autoptr(GPtrArray) log = concord_mock_server_get_log (f->server);
        gboolean since = FALSE;

        for (guint r = 0; r < log->len; r++)
          {
            ConcordMockLogEntry *entry = g_ptr_array_index (log, r);

            since |= entry->query != NULL && strstr (entry->query, "since_last_changed") != NULL;
          }
        g_assert_true (since == (i == 1));
      }
      g_assert_nonnull (strstr (page->cursor, ";full="));
    }
}

/* Creates go in batches of at most 500, one request each. */
static void
test_batches (Fixture       *f,
              gconstpointer  data)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) results = NULL;

  for (guint i = 0; i < 620; i++)
    {
      g_autofree char *email = g_strdup_printf ("batch%04u@example.com", i);

      g_ptr_array_add (records, new_member (email, "B", "active"));
    }
  /* One refused before sending (no address), one by Mailchimp (fake). */
  g_ptr_array_add (records, new_member (NULL, "Nobody", "active"));
  g_ptr_array_add (records, new_member ("who@fake.invalid", "Fake", "active"));

  concord_mock_server_reset_log (f->server);
  results = create_all (f, records);
  g_assert_cmpuint (count_requests (f, "POST", "/lists/"), ==, 2);
  for (guint i = 0; i < 620; i++)
    g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, i))->error);
  g_assert_error (((ConcordWriteResult *) g_ptr_array_index (results, 620))->error,
                  CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA);
  g_assert_error (((ConcordWriteResult *) g_ptr_array_index (results, 621))->error,
                  CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA);
  g_assert_cmpuint (concord_mock_mailchimp_get_n_members (f->mock, LIST), ==, 620);
}

/* At most 10 requests in flight, and a 429 beyond the account's limit is
 * waited out: 30 slow fetches all arrive. */
static void
test_connection_limit (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) fetched = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  concord_mock_mailchimp_generate (f->mock, 30, 4);
  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *email = g_strdup_printf ("member%05u.4@example.com", i);

      g_ptr_array_add (ids, concord_connector_mailchimp_subscriber_hash (email));
    }
  g_ptr_array_add (ids, NULL);

  /* Fewer connections than the connector's 10: some are refused with 429
   * and tried again, after a backoff long enough for a slot to free. */
  concord_connector_mailchimp_set_retry_base_ms (f->mailchimp, 300);
  concord_mock_mailchimp_set_max_connections (f->mock, 6);
  concord_mock_server_reset_max_in_flight (f->server);
  concord_mock_server_fail_route (f->server, "GET", "/3.0/lists/" LIST "/members/", 1, 30,
                                  CONCORD_MOCK_FAULT_SLOW, 1);
  concord_connector_fetch_async (f->connector, LIST, (const char * const *) ids->pdata, NULL,
                                 concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  fetched = concord_connector_fetch_finish (f->connector, done, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fetched->len, ==, 30);
  g_assert_cmpuint (concord_mock_server_get_max_in_flight (f->server), <=, 10);
  g_assert_cmpuint (concord_mock_server_get_max_in_flight (f->server), >=, 7);
}

/* Whether @mapping pairs @a (Elastic Email's) with @b (Mailchimp's) both ways. */
static gboolean
pairs (ConcordMapping *mapping,
       const char     *a,
       const char     *b)
{
  gint i = concord_mapping_find (mapping, CONCORD_SIDE_A, a);
  const ConcordMappingPair *pair = i >= 0 ? concord_mapping_get_pair (mapping, i) : NULL;

  if (pair == NULL)
    g_test_message ("automap: %s is not paired", a);
  else
    g_test_message ("automap: %s = %s", a, g_quark_to_string (pair->key_b));
  return pair != NULL && g_str_equal (g_quark_to_string (pair->key_b), b) &&
         concord_mapping_pair_flows (pair, CONCORD_SIDE_A) &&
         concord_mapping_pair_flows (pair, CONCORD_SIDE_B);
}

/* The automatic mapping between Elastic Email and Mailchimp, from both
 * connectors' schemas and samples, with no help: name (FNAME, LNAME),
 * email, phone and company (Elastic Email's custom fields of those names),
 * status, lists onto tags, and custom fields onto the merge fields of the
 * same names (a dropdown too, its choices holding the values seen). */
static void
test_automap (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordMockElasticEmail) ee_mock = concord_mock_elasticemail_new ("ee-key", 0, &error);
  g_autoptr(ConcordConnectorElasticEmail) ee = NULL;
  g_autoptr(GPtrArray) schema_a = NULL;
  g_autoptr(GPtrArray) schema_b = NULL;
  g_autoptr(GPtrArray) sample_a = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) sample_b = NULL;
  g_autoptr(GPtrArray) unmapped = NULL;
  g_autoptr(ConcordMapping) mapping = NULL;
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  const char *lists[] = { "Customer", NULL };
  ConcordRecord *record;

  g_assert_no_error (error);
  ee = concord_connector_elasticemail_new (concord_mock_elasticemail_get_base_url (ee_mock), "ee-key");
  concord_rest_connector_declare_custom_fields (CONCORD_REST_CONNECTOR (ee), "City,Phone,company,Plan");
  concord_connector_load_schema_async (CONCORD_CONNECTOR (ee), "contacts", NULL,
                                       concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  schema_a = concord_connector_load_schema_finish (CONCORD_CONNECTOR (ee), done, &error);
  g_assert_no_error (error);

  record = new_member ("ann@example.com", "Ann", "active");
  concord_record_set_set (record, CONCORD_FIELD_LISTS, lists);
  concord_record_set_text (record, "custom:City", CONCORD_FIELD_TYPE_STRING, "Lisbon");
  concord_record_set_text (record, "custom:Phone", CONCORD_FIELD_TYPE_STRING, "+351 21 000 0000");
  concord_record_set_text (record, "custom:company", CONCORD_FIELD_TYPE_STRING, "Acme");
  concord_record_set_text (record, "custom:Plan", CONCORD_FIELD_TYPE_STRING, "pro");
  g_ptr_array_add (sample_a, record);

  put_member (f, "{\"email_address\": \"bob@example.com\", \"status\": \"subscribed\", "
                 "\"merge_fields\": {\"FNAME\": \"Bob\", \"CITY\": \"Osaka\", "
                 "\"COMPANY\": \"Globex\", \"PHONE\": \"+81 3 0000 0000\"}, "
                 "\"tags\": [\"Customer\"]}");
  schema_b = load_schema (f, &error);
  g_assert_no_error (error);
  sample_b = list_all (f->connector, LIST, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  mapping = concord_mapping_new_auto_sampled (schema_a, schema_b, sample_a, sample_b, &unmapped);
  g_assert_true (pairs (mapping, CONCORD_FIELD_EMAIL, CONCORD_FIELD_EMAIL));
  g_assert_true (pairs (mapping, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_FIRST_NAME));
  g_assert_true (pairs (mapping, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_LAST_NAME));
  g_assert_true (pairs (mapping, CONCORD_FIELD_STATUS, CONCORD_FIELD_STATUS));
  g_assert_true (pairs (mapping, CONCORD_FIELD_LISTS, CONCORD_FIELD_TAGS));
  g_assert_true (pairs (mapping, "custom:Phone", CONCORD_FIELD_PHONE));
  g_assert_true (pairs (mapping, "custom:company", CONCORD_FIELD_COMPANY));
  g_assert_true (pairs (mapping, "custom:City", "custom:City"));
  /* A dropdown whose choices hold the values seen. */
  g_assert_true (pairs (mapping, "custom:Plan", "custom:Plan"));
  g_assert_true (concord_mapping_validate (mapping, "mapping", NULL, &error));
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------------- */
/* Hostile answers                                                           */
/* ------------------------------------------------------------------------- */

typedef struct
{
  const char *members;
} Hostile;

static void
on_hostile_cb (ConcordMockRequest *request,
               gpointer            user_data)
{
  Hostile *hostile = user_data;
  const char *path = concord_mock_request_get_path (request);

  if (g_str_has_suffix (path, "/members"))
    concord_mock_request_respond (request, 200, "application/json", g_strdup (hostile->members));
  else
    concord_mock_request_respond (request, 200, "application/json",
                                  g_strdup ("{\"merge_fields\": [], \"total_items\": 0}"));
}

static GPtrArray *
list_hostile (const char  *members,
              GError     **error)
{
  Hostile hostile = { members };
  g_autoptr(ConcordMockServer) server = concord_mock_server_new ("hostile-mailchimp", 0, NULL);
  g_autoptr(ConcordConnectorMailchimp) connector = NULL;

  concord_mock_server_add_route (server, NULL, "/", on_hostile_cb, &hostile, NULL);
  connector = concord_connector_mailchimp_new (concord_mock_server_get_origin (server), KEY);
  concord_connector_mailchimp_set_retry_base_ms (connector, 2);
  concord_connector_mailchimp_set_page_limit (connector, 2);
  return list_all (CONCORD_CONNECTOR (connector), "abc123", NULL, NULL, NULL, error);
}

/* A server that ignores the offset (the same page for ever) is PROTOCOL;
 * a page longer than asked, or no members array, is PARSE. */
static void
test_hostile_paging (void)
{
  static const char *broken[] = {
    "{\"members\": {}, \"total_items\": 1}",
    "[]",
    "{\"members\": [{\"email_address\": \"a@example.com\"}, {\"email_address\": \"b@example.com\"},"
    " {\"email_address\": \"c@example.com\"}], \"total_items\": 3}",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) loop = list_hostile (
    "{\"members\": [{\"email_address\": \"a@example.com\"}, {\"email_address\": \"b@example.com\"}],"
    " \"total_items\": 1000000000}", &error);

  g_assert_null (loop);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL);
  g_clear_error (&error);

  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autoptr(GPtrArray) all = list_hostile (broken[i], &error);

      g_assert_null (all);
      g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
      g_clear_error (&error);
    }
}

/* A full page without total_items is not the last: absence is never
 * read from a listing cut short (the next, empty page ends it). */
static void
test_hostile_no_total (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = list_hostile (
    "{\"members\": [{\"email_address\": \"a@example.com\"}, {\"email_address\": \"b@example.com\"}],"
    " \"total_items\": \"many\"}", &error);

  /* The same two again on the next page: the guard stops it, not an end. */
  g_assert_null (all);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL);
}

/* Members without an address are skipped; the id is the address's hash
 * whatever "id" says; invalid UTF-8 and huge values are kept repaired or
 * cut and marked altered (never matched, created or written across). */
static void
test_hostile_members (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *huge = g_strnfill (300, 'x');
  g_autofree char *giant = g_strnfill (200 * 1024, 'y');
  g_autofree char *body = g_strdup_printf (
    "{\"members\": [{\"id\": \"x\", \"status\": \"subscribed\"}, 7, null,"
    "{\"id\": \"0123\", \"email_address\": \"Real@Example.com\", \"status\": 5,"
    " \"merge_fields\": {\"FNAME\": \"Bj\xf6rn\", \"LNAME\": \"%s\"}, \"tags\": {}},"
    "{\"email_address\": \"%s@example.com\", \"merge_fields\": [], \"tags\": [{\"name\": 3}, 4]}],"
    " \"total_items\": 5}", giant, huge);
  g_autoptr(GPtrArray) all = NULL;
  g_autofree char *hash = concord_connector_mailchimp_subscriber_hash ("real@example.com");
  ConcordRecord *real, *long_one;

  {
    /* A page of 2 that holds 5 is refused: read with a larger page. */
    Hostile hostile = { body };
    g_autoptr(ConcordMockServer) server = concord_mock_server_new ("hostile-mailchimp", 0, NULL);
    g_autoptr(ConcordConnectorMailchimp) connector = NULL;

    concord_mock_server_add_route (server, NULL, "/", on_hostile_cb, &hostile, NULL);
    connector = concord_connector_mailchimp_new (concord_mock_server_get_origin (server), KEY);
    all = list_all (CONCORD_CONNECTOR (connector), "abc123", NULL, NULL, NULL, &error);
  }
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 2);
  real = g_ptr_array_index (all, 0);
  long_one = g_ptr_array_index (all, 1);
  g_assert_cmpstr (concord_record_get_remote_id (real), ==, hash);
  g_assert_true (concord_record_is_altered (real, CONCORD_FIELD_FIRST_NAME));
  g_assert_cmpuint (strlen (concord_record_get_text (real, CONCORD_FIELD_LAST_NAME)), <, 100 * 1024);
  g_assert_true (concord_record_is_altered (real, CONCORD_FIELD_LAST_NAME));
  g_assert_true (concord_record_is_altered (long_one, CONCORD_FIELD_EMAIL));
  g_assert_cmpstr (concord_record_get_text (long_one, CONCORD_FIELD_STATUS), ==, NULL);
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
    { "audiences", test_audiences },
    { "subscriber-hash", test_subscriber_hash },
    { "status-table", test_status_table },
    { "never-resubscribe", test_never_resubscribe },
    { "merge-fields", test_merge_fields },
    { "tags", test_tags },
    { "required-merge-field", test_required_merge_field },
    { "incremental", test_incremental },
    { "daily-full-listing", test_daily_full_listing },
    { "batches", test_batches },
    { "connection-limit", test_connection_limit },
    { "automap", test_automap },
  };

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *path = g_strdup_printf ("/concord/mailchimp/%s", cases[c].name);

      g_test_add (path, Fixture, NULL, fixture_set_up, cases[c].func, fixture_tear_down);
    }
  g_test_add_func ("/concord/mailchimp/data-center", test_data_center);
  g_test_add_func ("/concord/mailchimp/hostile-paging", test_hostile_paging);
  g_test_add_func ("/concord/mailchimp/hostile-no-total", test_hostile_no_total);
  g_test_add_func ("/concord/mailchimp/hostile-members", test_hostile_members);

  return g_test_run ();
}
