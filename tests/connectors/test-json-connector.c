/* test-json-connector.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * ConcordJsonConnector made from descriptions, against small servers built
 * here on the mock server framework (the faithful per-app mocks are in
 * src/connectors/described/mock/): Copper's shipped description (headers,
 * POST search paging with short-page ends, unix times, custom fields with
 * the copper_custom_dates hook), and an inline description in Capsule's
 * shape (bearer, Link paging, "where", wrapped writes, full updates,
 * batches). Generic checks: paging to the end, incremental listing,
 * discovery, a malformed page fails, error message extraction, the key
 * only to the base URL's origin, hooks only when listed.
 *
 * Paths: /concord/json-connector/<case>.
 */

#define G_LOG_DOMAIN "concord-test-json-connector"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "concord-connector-elasticemail.h"
#include "concord-description.h"
#include "concord-error.h"
#include "concord-json-connector.h"
#include "concord-mock-elasticemail.h"
#include "concord-mock-server.h"
#include "concord-store.h"
#include "concord-sync-run.h"
#include "concord-test-connector.h"
#include "concord-test-utils.h"

#define KEY        "cu-test-key-7f3a9c1e5b2d"
#define USER_EMAIL "owner@example.com"
#define PEOPLE     "people"

/* ------------------------------------------------------------------------- */
/* A small Copper                                                            */
/* ------------------------------------------------------------------------- */

typedef struct
{
  GMutex             lock;
  ConcordMockServer *server;     /* (owned) */
  JsonArray         *people;     /* (owned): guarded by @lock */
  GPtrArray         *bodies;     /* (owned): "METHOD path body", guarded */
  gint64             next_id;
  gint64             clock;      /* date_modified of the next write */
  gboolean           malformed;  /* the next search answers a record without id */
  char              *bad_email;  /* (owned) (nullable): refused with 422 */
} Copper;

static char *
error_body (guint       status,
            const char *message,
            gpointer    user_data)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "success");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_set_member_name (builder, "status");
  json_builder_add_int_value (builder, status);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static gboolean
copper_authorised (ConcordMockRequest *request)
{
  if (concord_mock_request_check_header (request, "X-PW-AccessToken", KEY) &&
      concord_mock_request_check_header (request, "X-PW-Application", "developer_api") &&
      concord_mock_request_check_header (request, "X-PW-UserEmail", USER_EMAIL))
    return TRUE;
  concord_mock_request_respond_error (request, SOUP_STATUS_UNAUTHORIZED,
                                      "API key or user email is not valid");
  return FALSE;
}

static JsonNode *
request_json (ConcordMockRequest *request)
{
  GBytes *body = concord_mock_request_get_body (request);
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;

  return data != NULL && length > 0 ? json_from_string (data, NULL) : NULL;
}

static void
note_body (Copper             *copper,
           ConcordMockRequest *request)
{
  GBytes *body = concord_mock_request_get_body (request);
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;

  g_ptr_array_add (copper->bodies, g_strdup_printf ("%s %s %.*s",
                                                    concord_mock_request_get_method (request),
                                                    concord_mock_request_get_path (request),
                                                    (int) length, data != NULL ? data : ""));
}

static void
respond_node (ConcordMockRequest *request,
              guint               status,
              JsonNode           *node)
{
  concord_mock_request_respond (request, status, NULL, json_to_string (node, FALSE));
}

static void
handle_account (ConcordMockRequest *request,
                gpointer            user_data)
{
  if (!copper_authorised (request))
    return;
  concord_mock_request_respond (request, SOUP_STATUS_OK, NULL,
                                g_strdup ("{\"id\": 7, \"name\": \"Acme\"}"));
}

static void
handle_definitions (ConcordMockRequest *request,
                    gpointer            user_data)
{
  if (!copper_authorised (request))
    return;
  concord_mock_request_respond (request, SOUP_STATUS_OK, NULL, g_strdup (
    "[{\"id\": 101, \"name\": \"Birthday\", \"data_type\": \"Date\", \"available_on\": [\"person\"]},"
    " {\"id\": 102, \"name\": \"Tier\", \"data_type\": \"Dropdown\", \"available_on\": [\"person\", \"company\"],"
    "  \"options\": [{\"id\": 5, \"name\": \"Gold\", \"rank\": 1}, {\"id\": 6, \"name\": \"Silver\", \"rank\": 2}]},"
    " {\"id\": 103, \"name\": \"Account Manager\", \"data_type\": \"Connect\", \"available_on\": [\"person\"]},"
    " {\"id\": 104, \"name\": \"Revenue\", \"data_type\": \"Currency\", \"available_on\": [\"company\"]},"
    " {\"id\": 105, \"name\": \"Newsletter\", \"data_type\": \"Checkbox\", \"available_on\": [\"person\"]}]"));
}

static gint64
member_int (JsonObject *object,
            const char *name,
            gint64      fallback)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_int (node) : fallback;
}

static void
handle_search (ConcordMockRequest *request,
               gpointer            user_data)
{
  Copper *copper = user_data;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonArray) page = json_array_new ();
  g_autoptr(JsonNode) answer = NULL;
  JsonObject *query;
  gint64 size, number, since;
  guint start, matched = 0;

  if (!copper_authorised (request))
    return;
  body = request_json (request);
  query = body != NULL && JSON_NODE_HOLDS_OBJECT (body) ? json_node_get_object (body) : NULL;
  size = member_int (query, "page_size", 20);
  number = member_int (query, "page_number", 1);
  since = member_int (query, "minimum_modified_date", 0);
  if (size < 1 || size > 200 || number < 1 ||
      g_strcmp0 (json_object_get_string_member_with_default (query, "sort_by", NULL),
                 "date_modified") != 0)
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, "Invalid search");
      return;
    }

  g_mutex_lock (&copper->lock);
  note_body (copper, request);
  if (copper->malformed)
    {
      copper->malformed = FALSE;
      json_array_add_element (page, json_from_string ("{\"name\": \"No Id\"}", NULL));
    }
  start = (guint) ((number - 1) * size);
  for (guint i = 0; i < json_array_get_length (copper->people); i++)
    {
      JsonObject *person = json_array_get_object_element (copper->people, i);

      if (member_int (person, "date_modified", 0) < since)
        continue;
      if (matched >= start && matched < start + size)
        json_array_add_element (page, json_node_copy (json_array_get_element (copper->people, i)));
      matched++;
    }
  g_mutex_unlock (&copper->lock);

  answer = json_node_init_array (json_node_alloc (), page);
  respond_node (request, SOUP_STATUS_OK, answer);
}

static JsonObject *
find_person (Copper     *copper,
             const char *path)
{
  const char *id_text = strrchr (path, '/') + 1;
  gint64 id = g_ascii_strtoll (id_text, NULL, 10);

  for (guint i = 0; i < json_array_get_length (copper->people); i++)
    {
      JsonObject *person = json_array_get_object_element (copper->people, i);

      if (member_int (person, "id", -1) == id)
        return person;
    }
  return NULL;
}

static gboolean
refuse_email (Copper             *copper,
              ConcordMockRequest *request,
              JsonObject         *person)
{
  JsonArray *emails = json_object_has_member (person, "emails")
                      ? json_object_get_array_member (person, "emails") : NULL;

  for (guint i = 0; emails != NULL && i < json_array_get_length (emails); i++)
    if (g_strcmp0 (json_object_get_string_member_with_default (json_array_get_object_element (emails, i),
                                                               "email", NULL),
                   copper->bad_email) == 0)
      {
        concord_mock_request_respond_error (request, 422, "Email is invalid");
        return TRUE;
      }
  return FALSE;
}

static void
handle_people (ConcordMockRequest *request,
               gpointer            user_data)
{
  Copper *copper = user_data;
  const char *method = concord_mock_request_get_method (request);
  const char *path = concord_mock_request_get_path (request);
  g_autoptr(JsonNode) body = NULL;
  JsonObject *person;

  if (!copper_authorised (request))
    return;

  g_mutex_lock (&copper->lock);
  note_body (copper, request);
  if (g_str_equal (method, "POST") && g_str_equal (path, "/people"))
    {
      body = request_json (request);
      if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
        concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, "Bad JSON");
      else if (!refuse_email (copper, request, json_node_get_object (body)))
        {
          person = json_node_get_object (body);
          json_object_set_int_member (person, "id", copper->next_id++);
          json_object_set_int_member (person, "date_modified", copper->clock++);
          json_array_add_element (copper->people, json_node_copy (body));
          respond_node (request, SOUP_STATUS_OK, body);
        }
    }
  else if ((person = find_person (copper, path)) == NULL)
    concord_mock_request_respond_error (request, SOUP_STATUS_NOT_FOUND, "Resource not found");
  else if (g_str_equal (method, "GET"))
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), person);

      respond_node (request, SOUP_STATUS_OK, node);
    }
  else if (g_str_equal (method, "PUT"))
    {
      g_autoptr(GList) members = NULL;

      body = request_json (request);
      members = body != NULL && JSON_NODE_HOLDS_OBJECT (body)
                ? json_object_get_members (json_node_get_object (body)) : NULL;
      /* Only the fields sent change. */
      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (person, l->data,
                                json_node_copy (json_object_get_member (json_node_get_object (body),
                                                                        l->data)));
      json_object_set_int_member (person, "date_modified", copper->clock++);
      {
        g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), person);

        respond_node (request, SOUP_STATUS_OK, node);
      }
    }
  else
    concord_mock_request_respond_error (request, SOUP_STATUS_METHOD_NOT_ALLOWED, "No");
  g_mutex_unlock (&copper->lock);
}

static void
copper_add (Copper     *copper,
            const char *json)
{
  JsonNode *node = json_from_string (json, NULL);

  g_assert_nonnull (node);
  g_mutex_lock (&copper->lock);
  json_object_set_int_member (json_node_get_object (node), "id", copper->next_id++);
  if (!json_object_has_member (json_node_get_object (node), "date_modified"))
    json_object_set_int_member (json_node_get_object (node), "date_modified", copper->clock++);
  json_array_add_element (copper->people, node);
  g_mutex_unlock (&copper->lock);
}

static void
copper_add_many (Copper *copper,
                 guint   n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"first_name\": \"P%u\", \"emails\": "
                                               "[{\"email\": \"p%u@example.com\", "
                                               "\"category\": \"work\"}]}", i, i);

      copper_add (copper, json);
    }
}

typedef struct
{
  Copper                copper;
  ConcordDescription   *description;  /* (owned) */
  ConcordJsonConnector *json;         /* (owned) */
  ConcordConnector     *connector;    /* (unowned): @json */
} Fixture;

static ConcordDescription *
load_shipped (const char *id)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "src", "connectors",
                                                 "described", id, NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  ConcordDescription *description;

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  description = concord_description_load (contents, -1, &error);
  g_assert_no_error (error);
  return description;
}

static ConcordJsonConnector *
make_connector (ConcordDescription *description,
                const char         *base_url,
                const char         *key)
{
  g_autoptr(JsonObject) options = json_object_new ();
  g_autoptr(GError) error = NULL;
  ConcordJsonConnector *connector;

  json_object_set_string_member (options, "user_email", USER_EMAIL);
  json_object_set_string_member (options, "base_url", base_url);
  connector = concord_json_connector_new (description, options, key, &error);
  g_assert_no_error (error);
  concord_json_connector_set_retry_base_ms (connector, 2);
  return connector;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_mutex_init (&f->copper.lock);
  f->copper.people = json_array_new ();
  f->copper.bodies = g_ptr_array_new_with_free_func (g_free);
  f->copper.next_id = 1000;
  f->copper.clock = 1700000000;
  f->copper.server = concord_mock_server_new ("copper", 0, &error);
  g_assert_no_error (error);
  concord_mock_server_set_error_body_func (f->copper.server, error_body, NULL, NULL);
  concord_mock_server_add_route (f->copper.server, "GET", "/account", handle_account, NULL, NULL);
  concord_mock_server_add_route (f->copper.server, "GET", "/custom_field_definitions",
                                 handle_definitions, NULL, NULL);
  concord_mock_server_add_route (f->copper.server, "POST", "/people/search", handle_search,
                                 &f->copper, NULL);
  concord_mock_server_add_route (f->copper.server, NULL, "/people", handle_people, &f->copper,
                                 NULL);

  f->description = load_shipped ("copper.json");
  f->json = make_connector (f->description, concord_mock_server_get_origin (f->copper.server),
                            KEY);
  f->connector = CONCORD_CONNECTOR (f->json);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->json);
  g_clear_pointer (&f->description, concord_description_unref);
  g_clear_object (&f->copper.server);
  g_clear_pointer (&f->copper.people, json_array_unref);
  g_clear_pointer (&f->copper.bodies, g_ptr_array_unref);
  g_clear_pointer (&f->copper.bad_email, g_free);
  g_mutex_clear (&f->copper.lock);
}

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static GPtrArray *
list_all (ConcordConnector  *connector,
          const char        *contact_type,
          const char        *cursor,
          char             **next_cursor,
          gboolean          *complete,
          GError           **error)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autofree char *token = NULL;

  for (guint pages = 0; pages < 100; pages++)
    {
      g_autoptr(GAsyncResult) done = NULL;
      g_autoptr(ConcordPage) page = NULL;
      GAsyncResult *result = NULL;

      concord_connector_list_async (connector, contact_type, cursor, token, NULL,
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

static GPtrArray *
create_records (ConcordConnector *connector,
                const char       *contact_type,
                GPtrArray        *records)
{
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  GPtrArray *results;

  concord_connector_create_async (connector, contact_type, records, NULL,
                                  concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  results = concord_connector_create_finish (connector, done, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, records->len);
  return results;
}

static GPtrArray *
update_one (ConcordConnector   *connector,
            const char         *contact_type,
            const char         *remote_id,
            ConcordRecord      *set,
            const char * const *clear)
{
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  GPtrArray *results;

  g_ptr_array_add (changes, concord_record_change_new (remote_id, set, clear));
  concord_connector_update_async (connector, contact_type, changes, NULL,
                                  concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  results = concord_connector_update_finish (connector, done, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  return results;
}

static GPtrArray *
load_schema (ConcordConnector *connector,
             const char       *contact_type)
{
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  GPtrArray *specs;

  concord_connector_load_schema_async (connector, contact_type, NULL,
                                       concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  specs = concord_connector_load_schema_finish (connector, done, &error);
  g_assert_no_error (error);
  return specs;
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

static guint
count_requests (ConcordMockServer *server,
                const char        *method,
                const char        *path)
{
  g_autoptr(GPtrArray) log = concord_mock_server_get_log (server);
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    {
      ConcordMockLogEntry *entry = g_ptr_array_index (log, i);

      n += g_str_equal (entry->method, method) && g_str_equal (entry->path, path);
    }
  return n;
}

/* The last body of a request starting with @prefix and holding @part. */
static const char *
find_body (Fixture    *f,
           const char *prefix,
           const char *part)
{
  for (guint i = f->copper.bodies->len; i > 0; i--)
    {
      const char *body = g_ptr_array_index (f->copper.bodies, i - 1);

      if (g_str_has_prefix (body, prefix) && (part == NULL || strstr (body, part) != NULL))
        return body;
    }
  return NULL;
}

static const char *
last_body (Fixture    *f,
           const char *prefix)
{
  return find_body (f, prefix, NULL);
}

/* ------------------------------------------------------------------------- */
/* Copper                                                                    */
/* ------------------------------------------------------------------------- */

static void
test_verify (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordJsonConnector) wrong = NULL;
  g_autoptr(ConcordMockLogEntry) entry = NULL;
  g_autoptr(GPtrArray) log = NULL;

  g_assert_true (verify (f->connector, &error));
  g_assert_no_error (error);

  /* Every request carries the three headers. */
  log = concord_mock_server_get_log (f->copper.server);
  g_assert_cmpuint (log->len, ==, 1);
  entry = g_ptr_array_steal_index (log, 0);
  g_assert_cmpstr (soup_message_headers_get_one (entry->headers, "X-PW-AccessToken"), ==, KEY);
  g_assert_cmpstr (soup_message_headers_get_one (entry->headers, "X-PW-Application"), ==,
                   "developer_api");
  g_assert_cmpstr (soup_message_headers_get_one (entry->headers, "X-PW-UserEmail"), ==,
                   USER_EMAIL);

  /* A wrong key: refused, with Copper's own words, never the key. */
  wrong = make_connector (f->description, concord_mock_server_get_origin (f->copper.server),
                          "cu-wrong-key-000000");
  g_assert_false (verify (CONCORD_CONNECTOR (wrong), &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
  g_assert_nonnull (strstr (error->message, "API key or user email is not valid"));
  g_assert_null (strstr (error->message, "cu-wrong-key"));
}

static void
quote_key (ConcordMockRequest *request,
           gpointer            user_data)
{
  g_autofree char *body = g_strdup_printf ("{\"message\": \"Key %s is not valid\"}",
                                           concord_mock_request_get_header (request,
                                                                            "X-PW-AccessToken"));

  concord_mock_request_respond (request, SOUP_STATUS_UNAUTHORIZED, NULL, g_steal_pointer (&body));
}

static void
test_key_quoted (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordMockServer) server = concord_mock_server_new ("quote", 0, &error);
  g_autoptr(ConcordJsonConnector) connector = NULL;

  /* A short key an app quotes back (found by fuzz-described-answer). */
  g_assert_no_error (error);
  concord_mock_server_add_route (server, NULL, "/", quote_key, NULL, NULL);
  connector = make_connector (f->description, concord_mock_server_get_origin (server), "k-123");
  g_assert_false (verify (CONCORD_CONNECTOR (connector), &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
  g_assert_nonnull (strstr (error->message, "Key [redacted] is not valid"));
  g_assert_null (strstr (error->message, "k-123"));
}

static void
test_verify_wrong_server (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordMockServer) other = concord_mock_server_new ("other", 0, &error);
  g_autoptr(ConcordJsonConnector) connector = NULL;

  g_assert_no_error (error);
  concord_mock_server_add_route (other, "GET", "/account", handle_definitions, NULL, NULL);
  connector = make_connector (f->description, concord_mock_server_get_origin (other), KEY);
  /* 401 there (headers unknown to it) — answer 200 with something else. */
  g_assert_false (verify (CONCORD_CONNECTOR (connector), &error));
  g_assert_nonnull (error);
}

static void
test_paging_to_the_end (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autofree char *cursor = NULL;
  gboolean complete = FALSE;

  copper_add_many (&f->copper, 450);
  records = list_all (f->connector, PEOPLE, NULL, &cursor, &complete, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 450);
  g_assert_true (complete);
  /* 200 + 200 + 50: the short page ends it, no empty page asked for. */
  g_assert_cmpuint (count_requests (f->copper.server, "POST", "/people/search"), ==, 3);
  g_assert_cmpstr (concord_record_get_text (g_ptr_array_index (records, 449),
                                            CONCORD_FIELD_EMAIL), ==, "p449@example.com");
  g_assert_cmpstr (cursor, ==, "1700000449");
}

static void
test_paging_full_last_page (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = NULL;
  gboolean complete = FALSE;

  copper_add_many (&f->copper, 10);
  concord_json_connector_set_page_size (f->json, 5);
  records = list_all (f->connector, PEOPLE, NULL, NULL, &complete, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 10);
  g_assert_true (complete);
  /* 5 + 5 + an empty page. */
  g_assert_cmpuint (count_requests (f->copper.server, "POST", "/people/search"), ==, 3);
}

static void
test_incremental (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) changed = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *cursor2 = NULL;
  gboolean complete = TRUE;
  const char *body;

  copper_add_many (&f->copper, 30);
  first = list_all (f->connector, PEOPLE, NULL, &cursor, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->len, ==, 30);
  g_assert_cmpstr (cursor, ==, "1700000029");

  copper_add (&f->copper, "{\"first_name\": \"New\", \"emails\": [{\"email\": \"new@example.com\", "
                          "\"category\": \"work\"}]}");
  changed = list_all (f->connector, PEOPLE, cursor, &cursor2, &complete, &error);
  g_assert_no_error (error);
  /* From the cursor less the overlap (a second): the last two of before,
   * and the new. */
  g_assert_cmpuint (changed->len, ==, 3);
  g_assert_false (complete);
  g_assert_cmpstr (cursor2, ==, "1700000030");

  /* The search asked from the time less a second, sorted ascending by
   * modification, in the body. */
  body = last_body (f, "POST /people/search ");
  g_assert_nonnull (strstr (body, "\"minimum_modified_date\":1700000028"));
  g_assert_nonnull (strstr (body, "\"sort_by\":\"date_modified\""));
  g_assert_nonnull (strstr (body, "\"sort_direction\":\"asc\""));
  g_assert_nonnull (strstr (body, "\"page_size\":200"));
}

static void
test_discovery (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GPtrArray) specs = load_schema (f->connector, PEOPLE);
  const ConcordFieldSpec *tier = find_spec (specs, "custom:Tier");
  const ConcordFieldSpec *birthday = find_spec (specs, "custom:Birthday");
  const ConcordFieldSpec *newsletter = find_spec (specs, "custom:Newsletter");

  g_assert_nonnull (find_spec (specs, CONCORD_FIELD_EMAIL));
  g_assert_nonnull (find_spec (specs, CONCORD_FIELD_EMAILS));
  g_assert_nonnull (find_spec (specs, CONCORD_FIELD_PHONES));
  g_assert_true (find_spec (specs, CONCORD_FIELD_UPDATED_AT)->read_only);

  g_assert_nonnull (tier);
  g_assert_true (tier->custom);
  g_assert_cmpint (tier->type, ==, CONCORD_FIELD_TYPE_ENUM);
  g_assert_cmpstr (tier->choices[0], ==, "5");
  g_assert_cmpstr (tier->choice_labels[0], ==, "Gold");
  g_assert_cmpstr (tier->choices[1], ==, "6");
  g_assert_cmpstr (tier->choice_labels[1], ==, "Silver");
  g_assert_null (tier->choices[2]);
  g_assert_nonnull (birthday);
  g_assert_cmpint (birthday->type, ==, CONCORD_FIELD_TYPE_DATE);
  g_assert_nonnull (newsletter);
  g_assert_cmpint (newsletter->type, ==, CONCORD_FIELD_TYPE_BOOLEAN);
  /* A type the description does not map, and a company field: left out. */
  g_assert_null (find_spec (specs, "custom:Account Manager"));
  g_assert_null (find_spec (specs, "custom:Revenue"));
}

static void
test_read_record (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = NULL;
  ConcordRecord *record;
  const ConcordValue *emails;

  copper_add (&f->copper,
              "{\"first_name\": \"Ada\", \"last_name\": \"Lovelace\", \"company_name\": \"Engines\","
              " \"emails\": [{\"email\": \"ada@home.example\", \"category\": \"personal\"},"
              "              {\"email\": \"ada@work.example\", \"category\": \"work\"}],"
              " \"phone_numbers\": [{\"number\": \"+44 20 7946 0000\", \"category\": \"mobile\"}],"
              " \"address\": {\"city\": \"London\"}, \"tags\": [\"vip\", \"uk\"],"
              " \"date_created\": 1600000000,"
              " \"custom_fields\": [{\"custom_field_definition_id\": 101, \"value\": \"12/10/1815\"},"
              "                     {\"custom_field_definition_id\": 102, \"value\": 5},"
              "                     {\"custom_field_definition_id\": 105, \"value\": true},"
              "                     {\"custom_field_definition_id\": 999, \"value\": \"x\"}]}");
  records = list_all (f->connector, PEOPLE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 1);
  record = g_ptr_array_index (records, 0);

  g_assert_cmpstr (concord_record_get_remote_id (record), ==, "1000");
  g_assert_cmpstr (concord_record_get_text (record, CONCORD_FIELD_EMAIL), ==, "ada@home.example");
  emails = concord_record_get (record, CONCORD_FIELD_EMAILS);
  g_assert_nonnull (emails);
  g_assert_cmpuint (g_strv_length (emails->v.set), ==, 2);
  {
    g_autofree char *home = concord_labelled_format (CONCORD_LABEL_HOME, "ada@home.example");

    g_assert_true (g_strv_contains ((const char * const *) emails->v.set, home));
  }
  g_assert_cmpstr (concord_record_get_text (record, CONCORD_FIELD_PHONE), ==, "+442079460000");
  g_assert_cmpstr (concord_record_get_text (record, CONCORD_FIELD_COMPANY), ==, "Engines");
  g_assert_cmpstr (concord_record_get_text (record, CONCORD_FIELD_ADDRESS_CITY), ==, "London");
  g_assert_cmpuint (g_strv_length (concord_record_get (record, CONCORD_FIELD_TAGS)->v.set), ==, 2);
  g_assert_cmpint (concord_record_get (record, CONCORD_FIELD_CREATED_AT)->v.datetime, ==,
                   1600000000);
  g_assert_cmpint (concord_record_get_modified (record), ==, 1700000000);
  /* The hook made Copper's custom date ISO; the option is its id. */
  g_assert_cmpstr (concord_record_get_text (record, "custom:Birthday"), ==, "1815-12-10");
  g_assert_cmpstr (concord_record_get_text (record, "custom:Tier"), ==, "5");
  g_assert_true (concord_record_get (record, "custom:Newsletter")->v.boolean);
}

static void
test_hook_only_when_listed (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "src", "connectors",
                                                 "described", "copper.json", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *changed = NULL;
  g_autoptr(ConcordDescription) unhooked = NULL;
  g_autoptr(ConcordJsonConnector) connector = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  root = json_from_string (contents, NULL);
  json_object_remove_member (json_node_get_object (root), "hooks");
  changed = json_to_string (root, FALSE);
  unhooked = concord_description_load (changed, -1, &error);
  g_assert_no_error (error);
  connector = make_connector (unhooked, concord_mock_server_get_origin (f->copper.server), KEY);

  copper_add (&f->copper, "{\"emails\": [{\"email\": \"a@example.com\"}], \"custom_fields\": "
                          "[{\"custom_field_definition_id\": 101, \"value\": \"12/10/1815\"}]}");
  records = list_all (CONCORD_CONNECTOR (connector), PEOPLE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  /* Not listed, not called: mm/dd/yyyy is no Concord date, so nothing is
   * read (with the hook, test_read_record() reads 1815-12-10). */
  g_assert_cmpuint (records->len, ==, 1);
  g_assert_cmpstr (concord_record_get_email (g_ptr_array_index (records, 0)), ==, "a@example.com");
  g_assert_null (concord_record_get_text (g_ptr_array_index (records, 0), "custom:Birthday"));
}

static void
test_malformed_page (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = NULL;

  copper_add_many (&f->copper, 3);
  f->copper.malformed = TRUE;
  records = list_all (f->connector, PEOPLE, NULL, NULL, NULL, &error);
  g_assert_null (records);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "without a usable id"));
}

static void
not_a_list (ConcordMockRequest *request,
            gpointer            user_data)
{
  concord_mock_request_respond (request, SOUP_STATUS_OK, NULL, g_strdup ("{\"people\": []}"));
}

static void
test_malformed_answer (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordMockServer) server = concord_mock_server_new ("odd", 0, &error);
  g_autoptr(ConcordJsonConnector) connector = NULL;
  g_autoptr(GPtrArray) records = NULL;

  g_assert_no_error (error);
  concord_mock_server_add_route (server, NULL, "/", not_a_list, NULL, NULL);
  connector = make_connector (f->description, concord_mock_server_get_origin (server), KEY);
  records = list_all (CONCORD_CONNECTOR (connector), PEOPLE, NULL, NULL, NULL, &error);
  g_assert_null (records);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
}

static void
test_create_and_errors (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GPtrArray) specs = load_schema (f->connector, PEOPLE);
  ConcordRecord *good = concord_record_new (NULL);
  ConcordRecord *bad = concord_record_new (NULL);
  const char *emails[] = { "home\tgood@home.example", "work\tgood@work.example", NULL };
  ConcordWriteResult *ok_result, *bad_result;
  const char *body;

  concord_record_set_text (good, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, "good@work.example");
  concord_record_set_set (good, CONCORD_FIELD_EMAILS, emails);
  concord_record_set_text (good, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, "Grace");
  concord_record_set_text (good, "custom:Birthday", CONCORD_FIELD_TYPE_DATE, "1906-12-09");
  concord_record_set_text (good, "custom:Tier", CONCORD_FIELD_TYPE_ENUM, "6");
  concord_record_set_text (bad, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, "bad@@example");
  g_ptr_array_add (records, good);
  g_ptr_array_add (records, bad);
  f->copper.bad_email = g_strdup ("bad@@example");

  results = create_records (f->connector, PEOPLE, records);
  ok_result = g_ptr_array_index (results, 0);
  bad_result = g_ptr_array_index (results, 1);
  g_assert_no_error (ok_result->error);
  g_assert_cmpstr (concord_record_get_remote_id (ok_result->record), !=, NULL);
  g_assert_cmpstr (concord_record_get_text (ok_result->record, "custom:Birthday"), ==,
                   "1906-12-09");
  /* One refused, with Copper's words; the other created. */
  g_assert_error (bad_result->error, CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (bad_result->error->message, "Email is invalid"));

  /* The two were sent at once: Grace's is the one with her name. */
  body = find_body (f, "POST /people {", "Grace");
  g_assert_nonnull (body);
  /* The single email first, labels in Copper's words, the custom date as
   * mm/dd/yyyy, the option by its numeric id. */
  g_assert_nonnull (strstr (body, "\"emails\":[{\"email\":\"good@work.example\",\"category\":\"work\"},"
                                  "{\"email\":\"good@home.example\",\"category\":\"personal\"}]"));
  g_assert_nonnull (strstr (body, "{\"custom_field_definition_id\":101,\"value\":\"12/09/1906\"}"));
  g_assert_nonnull (strstr (body, "{\"custom_field_definition_id\":102,\"value\":6}"));
  /* copper_person_name: the name Copper requires, from the first name. */
  g_assert_nonnull (strstr (body, "\"name\":\"Grace\""));
}

static void
test_update_partial (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GPtrArray) results2 = NULL;
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  g_autoptr(ConcordRecord) set2 = concord_record_new (NULL);
  const char *clear[] = { CONCORD_FIELD_COMPANY, NULL };
  ConcordWriteResult *written;
  const ConcordValue *emails;
  const char *body;

  copper_add (&f->copper, "{\"first_name\": \"Ada\", \"company_name\": \"Engines\", \"emails\": "
                          "[{\"email\": \"old@example.com\", \"category\": \"work\"},"
                          " {\"email\": \"ada@home.example\", \"category\": \"personal\"}]}");

  /* A name and a clearing: only those are sent, no read first. */
  concord_record_set_text (set, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, "Augusta");
  results = update_one (f->connector, PEOPLE, "1000", set, clear);
  written = g_ptr_array_index (results, 0);
  g_assert_no_error (written->error);
  g_assert_cmpstr (concord_record_get_text (written->record, CONCORD_FIELD_FIRST_NAME), ==,
                   "Augusta");
  g_assert_null (concord_record_get (written->record, CONCORD_FIELD_COMPANY));
  body = last_body (f, "PUT /people/1000 ");
  g_assert_cmpstr (body, ==, "PUT /people/1000 {\"first_name\":\"Augusta\",\"company_name\":null}");
  g_assert_cmpuint (count_requests (f->copper.server, "GET", "/people/1000"), ==, 0);

  /* The single email alone: the record is read so the other is kept. */
  concord_record_set_text (set2, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, "new@example.com");
  results2 = update_one (f->connector, PEOPLE, "1000", set2, NULL);
  written = g_ptr_array_index (results2, 0);
  g_assert_no_error (written->error);
  g_assert_cmpuint (count_requests (f->copper.server, "GET", "/people/1000"), ==, 1);
  g_assert_cmpstr (concord_record_get_text (written->record, CONCORD_FIELD_EMAIL), ==,
                   "new@example.com");
  emails = concord_record_get (written->record, CONCORD_FIELD_EMAILS);
  g_assert_cmpuint (g_strv_length (emails->v.set), ==, 2);
}

static void
test_key_only_to_origin (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordMockServer) elsewhere = concord_mock_server_new ("elsewhere", 0, &error);

  g_assert_no_error (error);
  concord_mock_server_add_route (elsewhere, NULL, "/", handle_account, NULL, NULL);
  concord_mock_server_set_redirect_target (f->copper.server,
                                           concord_mock_server_get_origin (elsewhere));
  concord_mock_server_fail_request (f->copper.server, 1, CONCORD_MOCK_FAULT_REDIRECT, 0);

  g_assert_false (verify (f->connector, &error));
  g_assert_nonnull (error);
  g_assert_cmpuint (concord_mock_server_count_header (elsewhere, "X-PW-AccessToken", KEY), ==, 0);
}

static void
test_search_retried (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = NULL;

  /* The search is a POST, but only reads: a 500 is tried again. */
  copper_add_many (&f->copper, 3);
  concord_mock_server_fail_route (f->copper.server, "POST", "/people/search", 1, 1,
                                  CONCORD_MOCK_FAULT_500, 0);
  records = list_all (f->connector, PEOPLE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 3);
  g_assert_cmpuint (count_requests (f->copper.server, "POST", "/people/search"), ==, 2);
}

static void
test_flags_and_limits (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) types = concord_connector_list_contact_types (f->connector);

  g_assert_cmpstr (concord_connector_get_app_id (f->connector), ==, "copper");
  g_assert_cmpstr (concord_connector_get_app_name (f->connector), ==, "Copper");
  g_assert_cmpuint (types->len, ==, 1);
  g_assert_cmpstr (((ConcordContactType *) g_ptr_array_index (types, 0))->id, ==, PEOPLE);
  g_assert_true (concord_connector_get_flags (f->connector) & CONCORD_CONNECTOR_INCREMENTAL);
  g_assert_cmpuint (concord_connector_get_page_size (f->connector), ==, 200);
  g_assert_cmpuint (concord_connector_get_max_batch (f->connector), ==, 1);
  /* 180 a minute. */
  g_assert_cmpuint (concord_connector_get_rate_budget (f->connector), ==, 180 * 60);
}

/* ------------------------------------------------------------------------- */
/* A Capsule-shaped description                                              */
/* ------------------------------------------------------------------------- */

static const char capsule_like[] =
  "{\"format\": 1, \"id\": \"capsule-like\", \"name\": \"Capsule Like\","
  " \"icon\": \"concord-app-capsule-like-symbolic\", \"key_url\": \"https://example.com/key\","
  " \"account\": [{\"key\": \"token\", \"kind\": \"secret\", \"label\": \"Token\"}],"
  " \"base_url\": \"https://api.example.com/api/v2\","
  " \"auth\": {\"kind\": \"bearer\"},"
  " \"verify\": {\"method\": \"GET\", \"path\": \"/users/current\", \"expect\": \"user.id\"},"
  " \"rate_limit\": {\"remaining\": \"X-RateLimit-Remaining\", \"reset\": \"X-RateLimit-Reset\","
  "                  \"requests\": 4000, \"per_seconds\": 3600},"
  " \"error\": {\"message\": [\"message\"]},"
  " \"contact_types\": [{\"id\": \"persons\", \"label\": \"Persons\","
  "   \"list\": {\"method\": \"GET\", \"path\": \"/parties\", \"records\": \"parties\","
  "     \"paging\": {\"style\": \"link\", \"size\": \"perPage\", \"page_size\": 2},"
  "     \"incremental\": {\"style\": \"modified_since\", \"parameter\": \"since\", \"format\": \"iso8601\"}},"
  "   \"record\": {\"id\": \"id\", \"where\": {\"type\": \"person\"},"
  "     \"modified\": {\"path\": \"updatedAt\", \"format\": \"iso8601\"},"
  "     \"email\": {\"path\": \"emailAddresses\", \"items\": {\"value\": \"address\", \"label\": \"type\"}}},"
  "   \"fields\": [{\"key\": \"first_name\", \"path\": \"firstName\"},"
  "                {\"key\": \"company\", \"path\": \"organisation.name\"}],"
  "   \"fetch\": {\"method\": \"GET\", \"path\": \"/parties/{id}\", \"answer\": \"party\"},"
  "   \"create\": {\"method\": \"POST\", \"path\": \"/parties\", \"wrap\": \"party\", \"answer\": \"party\"},"
  "   \"update\": {\"method\": \"PUT\", \"path\": \"/parties/{id}\", \"wrap\": \"party\", \"answer\": \"party\","
  "                \"shape\": \"full\"}}]}";

static void
handle_parties (ConcordMockRequest *request,
                gpointer            user_data)
{
  guint *n_pages = user_data;
  const char *page = concord_mock_request_get_query_param (request, "page");
  g_autofree char *base = NULL;

  if (!concord_mock_request_check_bearer (request, KEY))
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_UNAUTHORIZED, "bad token");
      return;
    }
  (*n_pages)++;
  base = g_strdup (concord_mock_server_get_origin (concord_mock_request_get_server (request)));
  if (page == NULL)
    {
      g_autofree char *link = g_strdup_printf ("<%s/api/v2/parties?page=2&perPage=2>; rel=\"next\"",
                                               base);

      concord_mock_request_set_response_header (request, "Link", link);
      concord_mock_request_respond (request, SOUP_STATUS_OK, NULL, g_strdup (
        "{\"parties\": [{\"id\": 1, \"type\": \"person\", \"firstName\": \"A\","
        "  \"updatedAt\": \"2026-01-01T00:00:00Z\","
        "  \"emailAddresses\": [{\"address\": \"a@example.com\", \"type\": \"Work\"}],"
        "  \"organisation\": {\"name\": \"Org\"}},"
        " {\"id\": 2, \"type\": \"organisation\", \"name\": \"Org\"}]}"));
    }
  else
    concord_mock_request_respond (request, SOUP_STATUS_OK, NULL, g_strdup (
      "{\"parties\": [{\"id\": 3, \"type\": \"person\", \"firstName\": \"C\","
      "  \"updatedAt\": \"2026-02-01T00:00:00Z\", \"emailAddresses\": []}]}"));
}

static void
test_capsule_like (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordDescription) description = concord_description_load (capsule_like, -1, &error);
  g_autoptr(ConcordMockServer) server = NULL;
  g_autoptr(ConcordJsonConnector) connector = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *base_url = NULL;
  gboolean complete = FALSE;
  guint n_pages = 0;

  g_assert_no_error (error);
  server = concord_mock_server_new ("capsule-like", 0, &error);
  g_assert_no_error (error);
  concord_mock_server_add_route (server, "GET", "/api/v2/parties", handle_parties, &n_pages, NULL);
  base_url = g_strdup_printf ("%s/api/v2", concord_mock_server_get_origin (server));
  connector = make_connector (description, base_url, KEY);

  records = list_all (CONCORD_CONNECTOR (connector), "persons", NULL, &cursor, &complete, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_pages, ==, 2);
  /* The organisation is not a contact. */
  g_assert_cmpuint (records->len, ==, 2);
  g_assert_cmpstr (concord_record_get_text (g_ptr_array_index (records, 0),
                                            CONCORD_FIELD_COMPANY), ==, "Org");
  g_assert_cmpstr (concord_record_get_text (g_ptr_array_index (records, 0),
                                            CONCORD_FIELD_EMAIL), ==, "a@example.com");
  g_assert_true (complete);
  g_assert_cmpstr (cursor, ==, "1769904000");
  g_assert_cmpuint (concord_connector_get_rate_budget (CONCORD_CONNECTOR (connector)), ==, 4000);
}

static void
link_elsewhere (ConcordMockRequest *request,
                gpointer            user_data)
{
  concord_mock_request_set_response_header (request, "Link",
                                            "<https://evil.example/api/v2/parties?page=2>; rel=\"next\"");
  concord_mock_request_respond (request, SOUP_STATUS_OK, NULL, g_strdup ("{\"parties\": []}"));
}

static void
test_link_elsewhere (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordDescription) description = concord_description_load (capsule_like, -1, &error);
  g_autoptr(ConcordMockServer) server = concord_mock_server_new ("link", 0, &error);
  g_autoptr(ConcordJsonConnector) connector = NULL;
  g_autoptr(GPtrArray) records = NULL;

  g_assert_no_error (error);
  concord_mock_server_add_route (server, NULL, "/", link_elsewhere, NULL, NULL);
  connector = make_connector (description, concord_mock_server_get_origin (server), KEY);
  records = list_all (CONCORD_CONNECTOR (connector), "persons", NULL, NULL, NULL, &error);
  g_assert_null (records);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL);
}

/* ------------------------------------------------------------------------- */
/* An Insightly-shaped description: basic auth, offset paging, full updates  */
/* ------------------------------------------------------------------------- */

static const char insightly_like[] =
  "{\"format\": 1, \"id\": \"insightly-like\", \"name\": \"Insightly Like\","
  " \"icon\": \"concord-app-insightly-like-symbolic\", \"key_url\": \"https://example.com/key\","
  " \"account\": [{\"key\": \"api_key\", \"kind\": \"secret\", \"label\": \"Key\"},"
  "               {\"key\": \"pod\", \"kind\": \"text\", \"label\": \"Pod\", \"default\": \"na1\"}],"
  " \"base_url\": \"https://api.{pod}.example.com/v3.1\","
  " \"auth\": {\"kind\": \"basic\"},"
  " \"verify\": {\"method\": \"GET\", \"path\": \"/Users/Me\"},"
  " \"contact_types\": [{\"id\": \"contacts\", \"label\": \"Contacts\","
  "   \"list\": {\"method\": \"GET\", \"path\": \"/Contacts\", \"query\": {\"brief\": \"false\"}, \"records\": \"\","
  "     \"paging\": {\"style\": \"offset\", \"offset\": \"skip\", \"size\": \"top\", \"page_size\": 500},"
  "     \"incremental\": {\"style\": \"modified_since\", \"parameter\": \"updated_after_utc\", \"format\": \"iso8601\"}},"
  "   \"record\": {\"id\": \"CONTACT_ID\", \"email\": {\"path\": \"EMAIL_ADDRESS\"},"
  "     \"modified\": {\"path\": \"DATE_UPDATED_UTC\", \"format\": \"iso8601\"}},"
  "   \"fields\": [{\"key\": \"first_name\", \"path\": \"FIRST_NAME\"},"
  "                {\"key\": \"last_name\", \"path\": \"LAST_NAME\"}],"
  "   \"custom_fields\": {\"definitions\": {\"method\": \"GET\", \"path\": \"/CustomFields/Contacts\","
  "       \"records\": \"\", \"id\": \"FIELD_NAME\", \"name\": \"FIELD_LABEL\", \"type\": \"FIELD_TYPE\"},"
  "     \"types\": {\"TEXT\": \"string\"},"
  "     \"values\": {\"path\": \"CUSTOMFIELDS\", \"id\": \"FIELD_NAME\", \"value\": \"FIELD_VALUE\"}},"
  "   \"fetch\": {\"method\": \"GET\", \"path\": \"/Contacts/{id}\"},"
  "   \"create\": {\"method\": \"POST\", \"path\": \"/Contacts\"},"
  "   \"update\": {\"method\": \"PUT\", \"path\": \"/Contacts\", \"shape\": \"full\", \"id_member\": \"CONTACT_ID\"}}]}";

typedef struct
{
  GMutex     lock;
  GPtrArray *queries;  /* "skip top updated_after_utc" */
  char      *put;      /* the last PUT's body */
} Insightly;

static void
handle_insightly (ConcordMockRequest *request,
                  gpointer            user_data)
{
  Insightly *insightly = user_data;
  const char *path = concord_mock_request_get_path (request);
  const char *method = concord_mock_request_get_method (request);

  if (!concord_mock_request_check_basic (request, KEY, ""))
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_UNAUTHORIZED, "Unauthorized");
      return;
    }
  if (g_str_equal (path, "/v3.1/CustomFields/Contacts"))
    concord_mock_request_respond (request, SOUP_STATUS_OK, NULL, g_strdup (
      "[{\"FIELD_NAME\": \"Region__c\", \"FIELD_LABEL\": \"Region\", \"FIELD_TYPE\": \"TEXT\"}]"));
  else if (g_str_equal (path, "/v3.1/Contacts") && g_str_equal (method, "GET"))
    {
      guint skip = (guint) g_ascii_strtoull (concord_mock_request_get_query_param (request, "skip") ?: "0",
                                             NULL, 10);
      guint top = (guint) g_ascii_strtoull (concord_mock_request_get_query_param (request, "top") ?: "100",
                                            NULL, 10);
      g_autoptr(GString) page = g_string_new ("[");

      g_mutex_lock (&insightly->lock);
      g_ptr_array_add (insightly->queries,
                       g_strdup_printf ("%u %u %s %s", skip, top,
                                        concord_mock_request_get_query_param (request, "updated_after_utc") ?: "-",
                                        concord_mock_request_get_query_param (request, "brief") ?: "-"));
      g_mutex_unlock (&insightly->lock);
      for (guint i = skip; i < 7 && i < skip + top; i++)
        g_string_append_printf (page, "%s{\"CONTACT_ID\": %u, \"FIRST_NAME\": \"F%u\", \"LAST_NAME\": \"L%u\","
                                " \"EMAIL_ADDRESS\": \"c%u@example.com\", \"DATE_UPDATED_UTC\": \"2026-03-0%u 10:00:00\","
                                " \"CUSTOMFIELDS\": [{\"FIELD_NAME\": \"Region__c\", \"FIELD_VALUE\": \"R%u\"}]}",
                                i > skip ? "," : "", i + 1, i, i, i, i + 1, i);
      g_string_append (page, "]");
      concord_mock_request_respond (request, SOUP_STATUS_OK, NULL, g_string_free (g_steal_pointer (&page), FALSE));
    }
  else if (g_str_equal (path, "/v3.1/Contacts/3") && g_str_equal (method, "GET"))
    concord_mock_request_respond (request, SOUP_STATUS_OK, NULL, g_strdup (
      "{\"CONTACT_ID\": 3, \"FIRST_NAME\": \"F2\", \"LAST_NAME\": \"L2\", \"EMAIL_ADDRESS\": \"c2@example.com\","
      " \"BACKGROUND\": \"kept\", \"CUSTOMFIELDS\": [{\"FIELD_NAME\": \"Region__c\", \"FIELD_VALUE\": \"R2\"},"
      " {\"FIELD_NAME\": \"Other__c\", \"FIELD_VALUE\": \"O2\"}]}"));
  else if (g_str_equal (path, "/v3.1/Contacts") && g_str_equal (method, "PUT"))
    {
      GBytes *body = concord_mock_request_get_body (request);
      gsize length = 0;
      const char *data = g_bytes_get_data (body, &length);

      g_mutex_lock (&insightly->lock);
      g_free (insightly->put);
      insightly->put = g_strndup (data, length);
      g_mutex_unlock (&insightly->lock);
      concord_mock_request_respond (request, SOUP_STATUS_OK, NULL, g_strndup (data, length));
    }
  else
    concord_mock_request_respond_error (request, SOUP_STATUS_NOT_FOUND, "Not found");
}

static void
test_insightly_like (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordDescription) description = concord_description_load (insightly_like, -1, &error);
  g_autoptr(ConcordMockServer) server = NULL;
  g_autoptr(ConcordJsonConnector) connector = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GPtrArray) changed = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autofree char *base_url = NULL;
  g_autofree char *cursor = NULL;
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  ConcordWriteResult *written;
  Insightly insightly = { 0 };

  g_assert_no_error (error);
  g_mutex_init (&insightly.lock);
  insightly.queries = g_ptr_array_new_with_free_func (g_free);
  server = concord_mock_server_new ("insightly-like", 0, &error);
  g_assert_no_error (error);
  concord_mock_server_add_route (server, NULL, "/v3.1/", handle_insightly, &insightly, NULL);
  base_url = g_strdup_printf ("%s/v3.1", concord_mock_server_get_origin (server));
  connector = make_connector (description, base_url, KEY);
  concord_json_connector_set_page_size (connector, 3);

  /* 3 + 3 + 1: skip and top, the short page ends it. */
  records = list_all (CONCORD_CONNECTOR (connector), "contacts", NULL, &cursor, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 7);
  g_assert_cmpuint (insightly.queries->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (insightly.queries, 0), ==, "0 3 - false");
  g_assert_cmpstr (g_ptr_array_index (insightly.queries, 1), ==, "3 3 - false");
  g_assert_cmpstr (g_ptr_array_index (insightly.queries, 2), ==, "6 3 - false");
  g_assert_cmpstr (concord_record_get_text (g_ptr_array_index (records, 2), "custom:Region"), ==,
                   "R2");
  /* Insightly's times have no zone: UTC. */
  g_assert_cmpstr (cursor, ==, "1772877600");

  changed = list_all (CONCORD_CONNECTOR (connector), "contacts", cursor, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_ptr_array_index (insightly.queries, 3), ==,
                   "0 3 2026-03-07T09:59:59Z false");

  /* A full update: read, then the whole record with the change and the id. */
  concord_record_set_text (set, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, "Changed");
  results = update_one (CONCORD_CONNECTOR (connector), "contacts", "3", set, NULL);
  written = g_ptr_array_index (results, 0);
  g_assert_no_error (written->error);
  g_assert_cmpstr (concord_record_get_text (written->record, CONCORD_FIELD_FIRST_NAME), ==,
                   "Changed");
  g_assert_nonnull (strstr (insightly.put, "\"CONTACT_ID\":3"));
  g_assert_nonnull (strstr (insightly.put, "\"FIRST_NAME\":\"Changed\""));
  g_assert_nonnull (strstr (insightly.put, "\"LAST_NAME\":\"L2\""));
  g_assert_nonnull (strstr (insightly.put, "\"BACKGROUND\":\"kept\""));
  g_assert_nonnull (strstr (insightly.put, "\"FIELD_VALUE\":\"R2\""));

  /* A custom field changed: the others of the record as read stay. */
  {
    g_autoptr(GPtrArray) results2 = NULL;
    g_autoptr(ConcordRecord) set2 = concord_record_new (NULL);

    concord_record_set_text (set2, "custom:Region", CONCORD_FIELD_TYPE_STRING, "R9");
    results2 = update_one (CONCORD_CONNECTOR (connector), "contacts", "3", set2, NULL);
    g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results2, 0))->error);
    g_assert_nonnull (strstr (insightly.put, "{\"FIELD_NAME\":\"Other__c\",\"FIELD_VALUE\":\"O2\"}"));
    g_assert_nonnull (strstr (insightly.put, "{\"FIELD_NAME\":\"Region__c\",\"FIELD_VALUE\":\"R9\"}"));
    g_assert_null (strstr (insightly.put, "\"R2\""));
  }

  g_clear_object (&connector);
  g_clear_object (&server);
  g_ptr_array_unref (insightly.queries);
  g_free (insightly.put);
  g_mutex_clear (&insightly.lock);
}

/* ------------------------------------------------------------------------- */
/* Discovered types, cursor paging, a sync token, batch creates              */
/* ------------------------------------------------------------------------- */

static const char lists_like[] =
  "{\"format\": 1, \"id\": \"lists-like\", \"name\": \"Lists Like\","
  " \"icon\": \"concord-app-lists-like-symbolic\", \"key_url\": \"https://example.com/key\","
  " \"account\": [{\"key\": \"api_key\", \"kind\": \"secret\", \"label\": \"Key\"}],"
  " \"derive\": {\"dc\": {\"from\": \"secret\", \"regex\": \"-([a-z]+[0-9]+)$\"}},"
  " \"base_url\": \"https://{dc}.api.example.com/3.0\","
  " \"auth\": {\"kind\": \"header\", \"name\": \"Authorization\", \"value\": \"apikey {secret}\"},"
  " \"verify\": {\"method\": \"GET\", \"path\": \"/ping\"},"
  " \"contact_types\": [{\"discover\": {\"method\": \"GET\", \"path\": \"/lists\", \"records\": \"lists\","
  "                                   \"id\": \"id\", \"name\": \"name\"},"
  "   \"list\": {\"method\": \"GET\", \"path\": \"/lists/{contact_type}/members\", \"records\": \"members\","
  "     \"paging\": {\"style\": \"cursor\", \"cursor\": \"after\", \"next\": \"paging.next\", \"size\": \"count\","
  "                  \"page_size\": 2},"
  "     \"incremental\": {\"style\": \"sync_token\", \"parameter\": \"sync\", \"token\": \"sync_token\"}},"
  "   \"record\": {\"id\": \"id\", \"email\": {\"path\": \"email_address\"}},"
  "   \"fields\": [{\"key\": \"tags\", \"path\": \"tags\", \"items\": {\"value\": \"name\"}}],"
  "   \"custom_fields\": {\"definitions\": {\"method\": \"GET\", \"path\": \"/lists/{contact_type}/merge-fields\","
  "       \"records\": \"merge_fields\", \"id\": \"tag\", \"name\": \"name\", \"type\": \"type\"},"
  "     \"types\": {\"text\": \"string\"}, \"values\": {\"object\": \"merge_fields\"}},"
  "   \"fetch\": {\"method\": \"GET\", \"path\": \"/lists/{contact_type}/members/{id}\"},"
  "   \"create\": {\"method\": \"POST\", \"path\": \"/lists/{contact_type}/batch\", \"batch\": 2,"
  "                \"records\": \"members\", \"answer\": \"created\"},"
  "   \"update\": {\"method\": \"PATCH\", \"path\": \"/lists/{contact_type}/members/{id}\"}}]}";

typedef struct
{
  GMutex     lock;
  GPtrArray *lines;  /* "METHOD path?query body" */
} Lists;

static void
handle_lists (ConcordMockRequest *request,
              gpointer            user_data)
{
  Lists *lists = user_data;
  const char *path = concord_mock_request_get_path (request);
  const char *after = concord_mock_request_get_query_param (request, "after");
  GBytes *body = concord_mock_request_get_body (request);
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;

  if (!concord_mock_request_check_header (request, "Authorization", "apikey " KEY))
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_UNAUTHORIZED, "bad key");
      return;
    }
  g_mutex_lock (&lists->lock);
  g_ptr_array_add (lists->lines, g_strdup_printf ("%s %s?%s %.*s",
                                                  concord_mock_request_get_method (request), path,
                                                  concord_mock_request_get_query (request) ?: "",
                                                  (int) length, data != NULL ? data : ""));
  g_mutex_unlock (&lists->lock);

  if (g_str_equal (path, "/3.0/lists/a1/merge-fields"))
    concord_mock_request_respond (request, SOUP_STATUS_OK, NULL, g_strdup (
      "{\"merge_fields\": [{\"tag\": \"FNAME\", \"name\": \"First Name\", \"type\": \"text\"},"
      " {\"tag\": \"ADDR\", \"name\": \"Address\", \"type\": \"address\"}]}"));
  else if (g_str_equal (path, "/3.0/lists"))
    concord_mock_request_respond (request, SOUP_STATUS_OK, NULL, g_strdup (
      "{\"lists\": [{\"id\": \"a1\", \"name\": \"Newsletter\"}, {\"id\": \"b2\", \"name\": \"Customers\"}]}"));
  else if (g_str_equal (path, "/3.0/lists/a1/members") && after == NULL)
    concord_mock_request_respond (request, SOUP_STATUS_OK, NULL, g_strdup (
      "{\"members\": [{\"id\": \"m1\", \"email_address\": \"m1@example.com\", \"tags\": [{\"name\": \"vip\"}],"
      "                \"merge_fields\": {\"FNAME\": \"Mia\", \"ADDR\": {\"addr1\": \"x\"}}},"
      "               {\"id\": \"m2\", \"email_address\": \"m2@example.com\"}],"
      " \"paging\": {\"next\": \"c2\"}}"));
  else if (g_str_equal (path, "/3.0/lists/a1/members"))
    concord_mock_request_respond (request, SOUP_STATUS_OK, NULL, g_strdup (
      "{\"members\": [{\"id\": \"m3\", \"email_address\": \"m3@example.com\"}],"
      " \"paging\": {\"next\": null}, \"sync_token\": \"tok-9\"}"));
  else if (g_str_equal (path, "/3.0/lists/a1/batch"))
    {
      g_autoptr(JsonNode) root = json_from_string (data, NULL);
      JsonArray *members = json_object_get_array_member (json_node_get_object (root), "members");
      g_autoptr(GString) answer = g_string_new ("{\"created\": [");

      /* In reverse: matched by email, not by order. */
      for (guint i = json_array_get_length (members); i > 0; i--)
        g_string_append_printf (answer, "%s{\"id\": \"new%u\", \"email_address\": \"%s\"}",
                                i < json_array_get_length (members) ? "," : "", i,
                                json_object_get_string_member (json_array_get_object_element (members, i - 1),
                                                               "email_address"));
      g_string_append (answer, "]}");
      concord_mock_request_respond (request, SOUP_STATUS_OK, NULL,
                                    g_string_free (g_steal_pointer (&answer), FALSE));
    }
  else
    concord_mock_request_respond_error (request, SOUP_STATUS_NOT_FOUND, "Not found");
}

static void
test_lists_like (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordDescription) description = concord_description_load (lists_like, -1, &error);
  g_autoptr(ConcordMockServer) server = NULL;
  g_autoptr(ConcordJsonConnector) connector = NULL;
  g_autoptr(ConcordJsonConnector) fresh = NULL;
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(JsonObject) options = json_object_new ();
  g_autofree char *base_url = NULL;
  g_autofree char *cursor = NULL;
  GAsyncResult *result = NULL;
  gboolean complete = TRUE;
  guint batches = 0;
  Lists lists = { 0 };

  g_assert_no_error (error);
  g_mutex_init (&lists.lock);
  lists.lines = g_ptr_array_new_with_free_func (g_free);
  server = concord_mock_server_new ("lists-like", 0, &error);
  g_assert_no_error (error);
  concord_mock_server_add_route (server, NULL, "/3.0/", handle_lists, &lists, NULL);
  base_url = g_strdup_printf ("%s/3.0", concord_mock_server_get_origin (server));

  /* No base URL, and a key that does not name its data centre: refused. */
  g_assert_null (concord_json_connector_new (description, options, KEY, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_null (strstr (error->message, KEY));
  g_clear_error (&error);

  connector = make_connector (description, base_url, KEY);

  /* The types are the app's lists. */
  concord_connector_list_contact_types_async (CONCORD_CONNECTOR (connector), NULL,
                                              concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  types = concord_connector_list_contact_types_finish (CONCORD_CONNECTOR (connector), done, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (types->len, ==, 2);
  g_assert_cmpstr (((ConcordContactType *) g_ptr_array_index (types, 0))->id, ==, "a1");
  g_assert_cmpstr (((ConcordContactType *) g_ptr_array_index (types, 0))->label, ==, "Newsletter");

  /* A connector made for a sync lists a type it was not told of first. */
  fresh = make_connector (description, base_url, KEY);
  records = list_all (CONCORD_CONNECTOR (fresh), "a1", NULL, &cursor, &complete, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 3);
  g_assert_true (complete);
  g_assert_cmpstr (cursor, ==, "tok-9");
  g_assert_cmpstr (concord_record_get (g_ptr_array_index (records, 0), CONCORD_FIELD_TAGS)->v.set[0],
                   ==, "vip");
  /* Merge fields of that list, read from {contact_type}'s definitions, the
   * values an object keyed by tag; a type not mapped is left out. */
  g_assert_cmpstr (concord_record_get_text (g_ptr_array_index (records, 0), "custom:First Name"),
                   ==, "Mia");
  g_assert_null (concord_record_get (g_ptr_array_index (records, 0), "custom:Address"));
  again = list_all (CONCORD_CONNECTOR (fresh), "a1", cursor, NULL, &complete, &error);
  g_assert_no_error (error);
  g_assert_false (complete);

  /* Three records in batches of two, matched by email. */
  for (guint i = 0; i < 3; i++)
    {
      ConcordRecord *record = concord_record_new (NULL);
      g_autofree char *email = g_strdup_printf ("n%u@example.com", i);

      concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
      concord_record_set_text (record, "custom:First Name", CONCORD_FIELD_TYPE_STRING, "N");
      g_ptr_array_add (inputs, record);
    }
  results = create_records (CONCORD_CONNECTOR (fresh), "a1", inputs);
  for (guint i = 0; i < 3; i++)
    {
      ConcordWriteResult *written = g_ptr_array_index (results, i);
      g_autofree char *email = g_strdup_printf ("n%u@example.com", i);

      g_assert_no_error (written->error);
      g_assert_cmpstr (concord_record_get_email (written->record), ==, email);
    }

  for (guint i = 0; i < lists.lines->len; i++)
    {
      const char *line = g_ptr_array_index (lists.lines, i);

      batches += g_str_has_prefix (line, "POST /3.0/lists/a1/batch");
      if (g_str_has_prefix (line, "POST /3.0/lists/a1/batch"))
        g_assert_nonnull (strstr (line, "\"merge_fields\":{\"FNAME\":\"N\"}"));
      if (g_str_has_prefix (line, "GET /3.0/lists/a1/members?") && strstr (line, "sync=tok-9"))
        complete = TRUE;
    }
  g_assert_cmpuint (batches, ==, 2);
  /* The second listing sent the token. */
  g_assert_true (complete);

  g_clear_object (&connector);
  g_clear_object (&fresh);
  g_clear_object (&server);
  g_ptr_array_unref (lists.lines);
  g_mutex_clear (&lists.lock);
}

/* ------------------------------------------------------------------------- */
/* Whole runs: Elastic Email and Copper                                      */
/* ------------------------------------------------------------------------- */

#define EE_KEY "json-sync-ee-key-5c"

static guint
copper_writes (Fixture *f)
{
  g_autoptr(GPtrArray) log = concord_mock_server_get_log (f->copper.server);
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    {
      ConcordMockLogEntry *entry = g_ptr_array_index (log, i);

      n += !g_str_equal (entry->method, "GET") && !g_str_equal (entry->path, "/people/search");
    }
  return n;
}

static void
sync_run (ConcordStore      *store,
          gint64             connection_id,
          ConcordSyncConfig *config,
          ConcordConnector  *a,
          ConcordConnector  *b,
          ConcordRunSummary *summary)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (concord_sync_run (store, connection_id, config, a, "contacts", b, PEOPLE, NULL,
                                   NULL, summary, &error));
  g_assert_no_error (error);
}

static void
test_sync_with_elastic_email (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "state.sqlite", NULL);
  g_autoptr(ConcordMockElasticEmail) ee = concord_mock_elasticemail_new (EE_KEY, 0, &error);
  g_autoptr(ConcordConnectorElasticEmail) a = NULL;
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(GPtrArray) schema_a = NULL;
  g_autoptr(GPtrArray) schema_b = NULL;
  g_autoptr(ConcordMapping) mapping = NULL;
  ConcordSyncConfig config;
  ConcordRunSummary first = { 0, }, quiet = { 0, }, edited = { 0, };
  ConcordConnectionRow row = {
    .name = (char *) "copper", .account_a = (char *) "a", .type_a = (char *) "contacts",
    .account_b = (char *) "b", .type_b = (char *) PEOPLE, .enabled = TRUE,
  };
  gint64 connection_id;

  g_assert_no_error (error);
  a = concord_connector_elasticemail_new (concord_mock_elasticemail_get_base_url (ee), EE_KEY);
  concord_connector_elasticemail_set_retry_base_ms (a, 1);
  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_true (concord_store_add_account (store, "a", "elasticemail", "A", NULL, &error));
  g_assert_true (concord_store_add_account (store, "b", "copper", "B", NULL, &error));
  connection_id = concord_store_add_connection (store, &row, &error);
  g_assert_no_error (error);

  g_assert_true (concord_mock_elasticemail_put_contact_json (ee,
                 "{\"Email\":\"ann@example.com\",\"FirstName\":\"Ann\",\"LastName\":\"Lee\","
                 "\"Status\":\"Active\"}", &error));
  g_assert_true (concord_mock_elasticemail_put_contact_json (ee,
                 "{\"Email\":\"Ada@EXAMPLE.com\",\"FirstName\":\"Ada\",\"Status\":\"Active\"}",
                 &error));
  g_assert_no_error (error);
  copper_add (&f->copper, "{\"first_name\": \"Ada\", \"last_name\": \"Lovelace\", \"emails\": "
                          "[{\"email\": \"ada@example.com\", \"category\": \"work\"}],"
                          " \"phone_numbers\": [{\"number\": \"+44 20 7946 0000\", \"category\": \"work\"}]}");
  copper_add (&f->copper, "{\"first_name\": \"Bo\", \"last_name\": \"Berg\", \"emails\": "
                          "[{\"email\": \"bo@example.com\", \"category\": \"personal\"}]}");

  schema_a = load_schema (CONCORD_CONNECTOR (a), "contacts");
  schema_b = load_schema (f->connector, PEOPLE);
  mapping = concord_mapping_new_default (schema_a, schema_b);
  concord_sync_config_init (&config, mapping);

  /* Matched across case and merged; one created each way. */
  sync_run (store, connection_id, &config, CONCORD_CONNECTOR (a), f->connector, &first);
  g_assert_cmpuint (first.created[0], ==, 1);
  g_assert_cmpuint (first.created[1], ==, 1);
  g_assert_cmpuint (json_array_get_length (f->copper.people), ==, 3);
  {
    g_autofree char *bo = concord_mock_elasticemail_get_contact_json (ee, "bo@example.com");
    const char *created = find_body (f, "POST /people {", "ann@example.com");

    g_assert_nonnull (bo);
    g_assert_nonnull (strstr (bo, "Berg"));
    g_assert_nonnull (created);
    g_assert_nonnull (strstr (created, "\"name\":\"Ann Lee\""));
  }

  /* Nothing changed: no write on Copper, nothing created or updated. */
  concord_mock_server_reset_log (f->copper.server);
  sync_run (store, connection_id, &config, CONCORD_CONNECTOR (a), f->connector, &quiet);
  g_assert_cmpuint (copper_writes (f), ==, 0);
  g_assert_cmpuint (quiet.created[0] + quiet.created[1] + quiet.updated[0] + quiet.updated[1], ==, 0);

  /* An edit in Copper crosses to Elastic Email. */
  {
    g_autoptr(ConcordRecord) set = concord_record_new (NULL);
    g_autoptr(GPtrArray) results = NULL;

    concord_record_set_text (set, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING, "Bergman");
    results = update_one (f->connector, PEOPLE, "1001", set, NULL);
    g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, 0))->error);
  }
  sync_run (store, connection_id, &config, CONCORD_CONNECTOR (a), f->connector, &edited);
  {
    g_autofree char *bo = concord_mock_elasticemail_get_contact_json (ee, "bo@example.com");

    g_assert_nonnull (strstr (bo, "Bergman"));
  }

  concord_run_summary_clear (&first);
  concord_run_summary_clear (&quiet);
  concord_run_summary_clear (&edited);
  concord_sync_config_clear (&config);
}

static void
endless_pages (ConcordMockRequest *request,
               gpointer            user_data)
{
  guint *n = user_data;

  if (g_str_has_suffix (concord_mock_request_get_path (request), "/merge-fields"))
    {
      concord_mock_request_respond (request, SOUP_STATUS_OK, NULL,
                                    g_strdup ("{\"merge_fields\": []}"));
      return;
    }
  (*n)++;
  concord_mock_request_respond (request, SOUP_STATUS_OK, NULL, g_strdup_printf (
    "{\"members\": [{\"id\": \"m%u\", \"email_address\": \"m%u@example.com\"}],"
    " \"paging\": {\"next\": \"same\"}}", *n, *n));
}

static void
test_endless_cursor (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordDescription) description = concord_description_load (lists_like, -1, &error);
  g_autoptr(ConcordMockServer) server = concord_mock_server_new ("endless", 0, &error);
  g_autoptr(ConcordJsonConnector) connector = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autofree char *base_url = NULL;
  guint n = 0;

  g_assert_no_error (error);
  concord_mock_server_add_route (server, NULL, "/", endless_pages, &n, NULL);
  base_url = g_strdup_printf ("%s/3.0", concord_mock_server_get_origin (server));
  connector = make_connector (description, base_url, KEY);
  /* A server that hands out the same cursor for ever: stopped at once. */
  records = list_all (CONCORD_CONNECTOR (connector), "a1", NULL, NULL, NULL, &error);
  g_assert_null (records);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL);
  g_assert_cmpuint (n, ==, 2);
}

static void
hostile_search (ConcordMockRequest *request,
                gpointer            user_data)
{
  g_autofree char *local = g_strnfill (300, 'a');

  concord_mock_request_respond (request, SOUP_STATUS_OK, NULL, g_strdup_printf (
    "[{\"id\": 1, \"first_name\": \"Bad\xff\xfeName\", \"date_modified\": 5,"
    "  \"emails\": [{\"email\": \"%s@example.com\", \"category\": \"work\"}]},"
    " {\"id\": 2, \"first_name\": \"Fine\", \"date_modified\": 6,"
    "  \"emails\": [{\"email\": \"fine@example.com\", \"category\": \"work\"}]}]", local));
}

static void
test_hostile_values (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordMockServer) server = concord_mock_server_new ("hostile", 0, &error);
  g_autoptr(ConcordJsonConnector) connector = NULL;
  g_autoptr(GPtrArray) records = NULL;
  ConcordRecord *bad, *fine;

  g_assert_no_error (error);
  concord_mock_server_add_route (server, "GET", "/custom_field_definitions", handle_definitions,
                                 NULL, NULL);
  concord_mock_server_add_route (server, NULL, "/", hostile_search, NULL, NULL);
  connector = make_connector (f->description, concord_mock_server_get_origin (server), KEY);
  records = list_all (CONCORD_CONNECTOR (connector), PEOPLE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 2);
  bad = g_ptr_array_index (records, 0);
  fine = g_ptr_array_index (records, 1);
  /* Invalid UTF-8 repaired, an email longer than any cut: both kept but
   * marked, so they are never written across nor used to match. */
  g_assert_true (g_utf8_validate (concord_record_get_text (bad, CONCORD_FIELD_FIRST_NAME), -1,
                                  NULL));
  g_assert_true (concord_record_is_altered (bad, CONCORD_FIELD_FIRST_NAME));
  g_assert_nonnull (strstr (concord_record_get_text (bad, CONCORD_FIELD_EMAIL), "[cut: 312 bytes]"));
  g_assert_true (concord_record_is_altered (bad, CONCORD_FIELD_EMAIL));
  g_assert_false (concord_record_has_altered (fine));
}

int
main (int   argc,
      char *argv[])
{
  /* The isolated test dirs hold no schemas for GNOME's proxy resolver. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

#define ADD(name, func) \
  g_test_add ("/concord/json-connector/" name, Fixture, NULL, fixture_set_up, func, \
              fixture_tear_down)

  ADD ("verify", test_verify);
  ADD ("verify-wrong-server", test_verify_wrong_server);
  ADD ("key-quoted", test_key_quoted);
  ADD ("paging-to-the-end", test_paging_to_the_end);
  ADD ("paging-full-last-page", test_paging_full_last_page);
  ADD ("incremental", test_incremental);
  ADD ("discovery", test_discovery);
  ADD ("read-record", test_read_record);
  ADD ("hook-only-when-listed", test_hook_only_when_listed);
  ADD ("malformed-page", test_malformed_page);
  ADD ("malformed-answer", test_malformed_answer);
  ADD ("create-and-errors", test_create_and_errors);
  ADD ("update-partial", test_update_partial);
  ADD ("key-only-to-origin", test_key_only_to_origin);
  ADD ("search-retried", test_search_retried);
  ADD ("flags-and-limits", test_flags_and_limits);
  ADD ("sync-with-elastic-email", test_sync_with_elastic_email);
  ADD ("hostile-values", test_hostile_values);
#undef ADD
  g_test_add_func ("/concord/json-connector/capsule-like", test_capsule_like);
  g_test_add_func ("/concord/json-connector/link-elsewhere", test_link_elsewhere);
  g_test_add_func ("/concord/json-connector/insightly-like", test_insightly_like);
  g_test_add_func ("/concord/json-connector/lists-like", test_lists_like);
  g_test_add_func ("/concord/json-connector/endless-cursor", test_endless_cursor);

  return g_test_run ();
}
