/* test-rest-connector.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * ConcordRestConnector through a small subclass against a SoupServer on
 * this thread: each paging helper to the end and its guard against a
 * server that pages for ever, fetch by id (404 is absent), chunked
 * creates with 413 halving and per-record results, updates.
 *
 * The server holds N_ITEMS items "item-0"… and answers:
 *   GET  /items?offset=&limit=   {"items": […]}                (offset)
 *   GET  /items?page=            {"items": […]}                (page number)
 *   GET  /items?after=           {"items": […], "next": "…"}   (token)
 *   GET  /items?page=            Link: <…>; rel="next"         (link)
 *   GET  /items/{id}             one item, or 404
 *   POST /items                  413 above MAX_CREATE, else the items
 *                                echoed with ids, but for "refused"
 *   PUT  /items/{id}             the item, or 404
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "concord-error.h"
#include "concord-rest-connector.h"
#include "concord-test-utils.h"

#define N_ITEMS    25
#define PAGE       10
#define MAX_CREATE 4

typedef enum
{
  PAGING_OFFSET,
  PAGING_NUMBER,
  PAGING_TOKEN,
  PAGING_LINK,
} Paging;

typedef struct
{
  SoupServer *server;
  char       *base;          /* (owned) */
  guint       n_requests;
  guint       n_creates;     /* POST requests, 413 included */
  gboolean    endless;       /* answer every page like the first */
  gboolean    link_elsewhere;
} Server;

/* ------------------------------------------------------------------------- */
/* The connector                                                             */
/* ------------------------------------------------------------------------- */

#define TEST_TYPE_REST (test_rest_get_type ())
G_DECLARE_FINAL_TYPE (TestRest, test_rest, TEST, REST, ConcordRestConnector)

struct _TestRest
{
  ConcordRestConnector parent_instance;
  Paging               paging;
  GPtrArray           *cursors;   /* (owned): the listing cursor each list request saw */
};

G_DEFINE_FINAL_TYPE (TestRest, test_rest, CONCORD_TYPE_REST_CONNECTOR)

static const ConcordRestAppTraits test_rest_traits = {
  .app_id = "test-rest",
  .app_name = "Test REST",
  .contact_type = "items",
  .contact_type_label = "Items",
  .flags = CONCORD_CONNECTOR_MODIFIED_TIMES,
  .page_size = PAGE,
};

static ConcordHttpRequest *
test_rest_build_list_request (ConcordRestConnector  *connector,
                              const char            *contact_type,
                              const char            *page_token,
                              GError               **error)
{
  TestRest *self = TEST_REST (connector);
  g_autofree char *path = NULL;
  const char *cursor = concord_rest_connector_get_listing_cursor (connector);

  g_ptr_array_add (self->cursors, g_strdup (cursor != NULL ? cursor : "(none)"));
  switch (self->paging)
    {
    case PAGING_OFFSET:
      path = g_strdup_printf ("/items?offset=%u&limit=%u",
                              concord_rest_page_token_number (page_token), PAGE);
      break;
    case PAGING_NUMBER:
      path = g_strdup_printf ("/items?page=%u", MAX (concord_rest_page_token_number (page_token), 1));
      break;
    case PAGING_TOKEN:
      path = g_strdup_printf ("/items?after=%s", page_token != NULL ? page_token : "");
      break;
    case PAGING_LINK:
    default:
      path = g_strdup (page_token != NULL ? page_token : "/items?page=1&link=1");
      break;
    }

  return concord_http_request_new ("GET", path, "GET /items");
}

static ConcordRecord *
test_rest_record_from_json (ConcordRestConnector *connector,
                            const char           *contact_type,
                            JsonNode             *node)
{
  JsonObject *object;
  ConcordRecord *record;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  object = json_node_get_object (node);
  if (!json_object_has_member (object, "id"))
    return NULL;

  record = concord_record_new (json_object_get_string_member (object, "id"));
  concord_record_set_text (record, "first_name", CONCORD_FIELD_TYPE_STRING,
                           json_object_get_string_member_with_default (object, "name", NULL));
  return record;
}

static gboolean
test_rest_parse_page (ConcordRestConnector  *connector,
                      const char            *contact_type,
                      const char            *page_token,
                      JsonNode              *root,
                      SoupMessageHeaders    *headers,
                      ConcordPage           *page,
                      GError               **error)
{
  TestRest *self = TEST_REST (connector);
  JsonObject *object = json_node_get_object (root);
  JsonArray *items = json_object_get_array_member (object, "items");
  guint n = json_array_get_length (items);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (page->records,
                     test_rest_record_from_json (connector, contact_type,
                                                 json_array_get_element (items, i)));

  switch (self->paging)
    {
    case PAGING_OFFSET:
      return concord_rest_page_next_offset (connector, page, page_token, n, error);
    case PAGING_NUMBER:
      return concord_rest_page_next_number (connector, page, page_token, n, error);
    case PAGING_TOKEN:
      return concord_rest_page_next_token (connector, page,
                                           json_object_get_string_member_with_default (object,
                                                                                       "next",
                                                                                       NULL),
                                           "sync-1", error);
    case PAGING_LINK:
    default:
      return concord_rest_page_next_link (connector, page, headers, error);
    }
}

static ConcordHttpRequest *
test_rest_build_fetch_request (ConcordRestConnector *connector,
                               const char           *contact_type,
                               const char           *remote_id)
{
  g_autofree char *path = g_strconcat ("/items/", remote_id, NULL);

  return concord_http_request_new ("GET", path, "GET /items/{id}");
}

static ConcordHttpRequest *
test_rest_build_create_request (ConcordRestConnector *connector,
                                const char           *contact_type,
                                GPtrArray            *records,
                                const guint          *indices,
                                guint                 n_indices)
{
  ConcordHttpRequest *request = concord_http_request_new ("POST", "/items", "POST /items");
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i < n_indices; i++)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder,
                                     concord_record_get_text (g_ptr_array_index (records,
                                                                                 indices[i]),
                                                              "first_name"));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  concord_http_request_set_json (request, root);

  return request;
}

static void
test_rest_match_created (ConcordRestConnector *connector,
                         const char           *contact_type,
                         GPtrArray            *records,
                         const guint          *indices,
                         guint                 n_indices,
                         JsonNode             *answer,
                         ConcordWriteBatch    *batch)
{
  JsonArray *echoed = json_node_get_array (answer);

  for (guint i = 0; i < n_indices; i++)
    {
      const char *name = concord_record_get_text (g_ptr_array_index (records, indices[i]),
                                                  "first_name");

      for (guint e = 0; e < json_array_get_length (echoed); e++)
        {
          JsonNode *node = json_array_get_element (echoed, e);
          JsonObject *object = json_node_get_object (node);

          if (g_strcmp0 (json_object_get_string_member (object, "name"), name) == 0)
            {
              g_autoptr(ConcordRecord) record = test_rest_record_from_json (connector,
                                                                            contact_type, node);

              concord_write_batch_set_ok (batch, indices[i], record);
            }
        }
    }
}

static ConcordHttpRequest *
test_rest_build_update_request (ConcordRestConnector       *connector,
                                const char                 *contact_type,
                                const ConcordRecordChange  *change,
                                GError                    **error)
{
  g_autofree char *path = g_strconcat ("/items/", change->remote_id, NULL);
  ConcordHttpRequest *request = concord_http_request_new ("PUT", path, "PUT /items/{id}");
  g_autoptr(GBytes) body = g_bytes_new_static ("{}", 2);

  concord_http_request_set_body (request, body, "application/json");
  return request;
}

/* Several requests a change (installed by test_update_steps()): a GET of a
 * missing item whose 404 is shrugged off, then the PUT, whose answer is the
 * echo; "bad" fails before any request. */
static ConcordHttpRequest *
test_rest_update_step (ConcordRestConnector  *connector,
                       ConcordRestUpdate     *update,
                       JsonNode              *answer,
                       GError               **error)
{
  if (g_str_equal (update->change->remote_id, "bad"))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "bad change");
      return NULL;
    }

  switch (update->step++)
    {
    case 0:
      return concord_http_request_new ("GET", "/items/item-404", "GET /items/{id}");
    case 1:
      g_assert_error (update->failure, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
      g_assert_null (answer);
      concord_rest_update_refuse (update, "status", g_strdup ("not through this API"));
      return test_rest_build_update_request (connector, update->contact_type, update->change,
                                             error);
    default:
      return NULL;
    }
}

/* A preparation without prepare_finish() (installed by test_prepare()):
 * notes what it is called before, and refuses fetches. */
static ConcordRestOperation prepared_operation;
static guint prepared_inputs;

static void
test_rest_prepare_async (ConcordRestConnector *connector,
                         ConcordRestOperation  operation,
                         const char           *page_token,
                         GPtrArray            *inputs,
                         GCancellable         *cancellable,
                         GAsyncReadyCallback   callback,
                         gpointer              user_data)
{
  g_autoptr(GTask) task = g_task_new (connector, cancellable, callback, user_data);

  prepared_operation = operation;
  prepared_inputs = inputs != NULL ? inputs->len : 0;
  if (operation == CONCORD_REST_FETCH)
    g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_INVALID, "not prepared");
  else
    g_task_return_boolean (task, TRUE);
}

static ConcordHttpRequest *
test_rest_build_verify_request (ConcordRestConnector *connector)
{
  return concord_http_request_new ("GET", "/items?limit=1", "GET /items");
}

static void
test_rest_finalize (GObject *object)
{
  g_clear_pointer (&TEST_REST (object)->cursors, g_ptr_array_unref);

  G_OBJECT_CLASS (test_rest_parent_class)->finalize (object);
}

static void
test_rest_class_init (TestRestClass *klass)
{
  ConcordRestConnectorClass *rest_class = CONCORD_REST_CONNECTOR_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_rest_finalize;
  rest_class->traits = &test_rest_traits;
  rest_class->build_list_request = test_rest_build_list_request;
  rest_class->parse_page = test_rest_parse_page;
  rest_class->record_from_json = test_rest_record_from_json;
  rest_class->build_fetch_request = test_rest_build_fetch_request;
  rest_class->build_create_request = test_rest_build_create_request;
  rest_class->match_created = test_rest_match_created;
  rest_class->build_update_request = test_rest_build_update_request;
  rest_class->build_verify_request = test_rest_build_verify_request;
}

static void
test_rest_init (TestRest *self)
{
  self->cursors = g_ptr_array_new_with_free_func (g_free);
}

/* ------------------------------------------------------------------------- */
/* The server                                                                */
/* ------------------------------------------------------------------------- */

static void
add_item (JsonBuilder *builder,
          guint        i)
{
  g_autofree char *id = g_strdup_printf ("item-%u", i);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, id);
  json_builder_end_object (builder);
}

static void
answer_json (SoupServerMessage *msg,
             guint              status,
             JsonBuilder       *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = json_to_string (root, FALSE);

  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, text,
                                    strlen (text));
  soup_server_message_set_status (msg, status, NULL);
}

static guint
query_number (GHashTable *query,
              const char *name)
{
  const char *value = query != NULL ? g_hash_table_lookup (query, name) : NULL;

  return value != NULL ? (guint) g_ascii_strtoull (value, NULL, 10) : 0;
}

static void
answer_list (Server            *server,
             SoupServerMessage *msg,
             GHashTable        *query)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const char *after = query != NULL ? g_hash_table_lookup (query, "after") : NULL;
  guint start;

  if (query != NULL && g_hash_table_contains (query, "offset"))
    start = query_number (query, "offset");
  else if (after != NULL)
    start = *after != '\0' ? (guint) g_ascii_strtoull (after + strlen ("item-"), NULL, 10) + 1 : 0;
  else
    start = (MAX (query_number (query, "page"), 1) - 1) * PAGE;

  if (server->endless)
    start = 0;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "items");
  json_builder_begin_array (builder);
  for (guint i = start; i < MIN (start + PAGE, N_ITEMS); i++)
    add_item (builder, i);
  json_builder_end_array (builder);
  if (start + PAGE < N_ITEMS)
    {
      g_autofree char *next = g_strdup_printf ("item-%u", start + PAGE - 1);

      json_builder_set_member_name (builder, "next");
      json_builder_add_string_value (builder, next);
    }
  json_builder_end_object (builder);

  if (query != NULL && g_hash_table_contains (query, "link") && start < N_ITEMS)
    {
      g_autofree char *link = NULL;

      link = g_strdup_printf ("<%s/items?page=%u&link=1>; rel=\"next\", <%s/items?page=1>; "
                              "rel=\"first\"",
                              server->link_elsewhere ? "http://elsewhere.invalid" : server->base,
                              server->endless ? 1 : start / PAGE + 2, server->base);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Link", link);
    }

  answer_json (msg, SOUP_STATUS_OK, builder);
}

static void
on_request_cb (SoupServer        *soup_server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  Server *server = user_data;
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  server->n_requests++;

  if (g_str_equal (path, "/api/items") && g_str_equal (method, "GET"))
    {
      answer_list (server, msg, query);
      return;
    }

  /* A bare array paged by offset, PAGE a page whatever the limit. */
  if (g_str_equal (path, "/api/tags"))
    {
      guint offset = server->endless ? 0 : atoi (g_hash_table_lookup (query, "offset"));
      guint limit = PAGE;

      json_builder_begin_array (builder);
      for (guint i = offset; i < N_ITEMS && i < offset + limit; i++)
        add_item (builder, i);
      json_builder_end_array (builder);
      answer_json (msg, SOUP_STATUS_OK, builder);
      return;
    }

  if (g_str_equal (path, "/api/items") && g_str_equal (method, "POST"))
    {
      SoupMessageBody *body = soup_server_message_get_request_body (msg);
      g_autoptr(JsonNode) root = json_from_string (body->data, NULL);
      JsonArray *array = json_node_get_array (root);

      server->n_creates++;
      if (json_array_get_length (array) > MAX_CREATE)
        {
          soup_server_message_set_status (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, NULL);
          return;
        }

      json_builder_begin_array (builder);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          const char *name = json_object_get_string_member (
            json_array_get_object_element (array, i), "name");
          g_autofree char *id = g_strconcat ("new-", name, NULL);

          if (g_str_equal (name, "refused"))
            continue;
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "id");
          json_builder_add_string_value (builder, id);
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, name);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      answer_json (msg, SOUP_STATUS_CREATED, builder);
      return;
    }

  if (g_str_has_prefix (path, "/api/items/item-"))
    {
      guint i = (guint) g_ascii_strtoull (path + strlen ("/api/items/item-"), NULL, 10);

      if (i < N_ITEMS)
        {
          add_item (builder, i);
          answer_json (msg, SOUP_STATUS_OK, builder);
          return;
        }
    }

  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static Server *
server_new (void)
{
  Server *server = g_new0 (Server, 1);
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  server->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server->server, NULL, on_request_cb, server, NULL);
  g_assert_true (soup_server_listen_local (server->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY,
                                           &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server->server);
  server->base = g_strdup_printf ("http://127.0.0.1:%d/api", g_uri_get_port (uris->data));

  return server;
}

static void
server_free (Server *server)
{
  soup_server_disconnect (server->server);
  g_clear_object (&server->server);
  g_free (server->base);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Server, server_free)

static TestRest *
connector_new (Server *server,
               Paging  paging)
{
  TestRest *self = g_object_new (TEST_TYPE_REST, NULL);
  g_autoptr(ConcordHttpClient) client = concord_http_client_new (server->base, "Test REST");

  concord_http_client_set_limits (client, 3, 2, 1);
  concord_rest_connector_set_client (CONCORD_REST_CONNECTOR (self), client);
  self->paging = paging;

  return self;
}

/* ------------------------------------------------------------------------- */
/* Tests                                                                     */
/* ------------------------------------------------------------------------- */

static ConcordPage *
list_page (TestRest    *self,
           const char  *page_token,
           GError     **error)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  concord_connector_list_async (CONCORD_CONNECTOR (self), "items", NULL, page_token, NULL,
                                concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);

  return concord_connector_list_finish (CONCORD_CONNECTOR (self), done, error);
}

/* Lists to the end; returns the records read, or fails with @error. */
static guint
list_all (TestRest    *self,
          gboolean     in_order,
          char       **cursor,
          GError     **error)
{
  g_autofree char *token = NULL;
  guint n = 0;

  for (guint pages = 0; pages < 100; pages++)
    {
      g_autoptr(ConcordPage) page = list_page (self, token, error);

      if (page == NULL)
        return n;

      for (guint i = 0; in_order && i < page->records->len; i++)
        {
          g_autofree char *id = g_strdup_printf ("item-%u", n + i);

          g_assert_cmpstr (concord_record_get_remote_id (g_ptr_array_index (page->records, i)),
                           ==, id);
        }
      n += page->records->len;

      if (page->next_page == NULL)
        {
          g_assert_true (page->complete);
          if (cursor != NULL)
            *cursor = g_strdup (page->cursor);
          return n;
        }
      g_free (token);
      token = g_strdup (page->next_page);
    }

  g_assert_not_reached ();
}

static void
test_traits (void)
{
  g_autoptr(Server) server = server_new ();
  g_autoptr(TestRest) self = connector_new (server, PAGING_OFFSET);
  ConcordConnector *connector = CONCORD_CONNECTOR (self);
  g_autoptr(GPtrArray) types = concord_connector_list_contact_types (connector);
  g_autoptr(GError) error = NULL;

  /* The getters read the subclass's table; a 0 there is the default. */
  g_assert_cmpstr (concord_connector_get_app_id (connector), ==, "test-rest");
  g_assert_cmpstr (concord_connector_get_app_name (connector), ==, "Test REST");
  g_assert_cmpint (concord_connector_get_flags (connector), ==, CONCORD_CONNECTOR_MODIFIED_TIMES);
  g_assert_cmpuint (concord_connector_get_page_size (connector), ==, PAGE);
  g_assert_cmpuint (concord_connector_get_rate_budget (connector), >, 0);
  g_assert_cmpuint (types->len, ==, 1);
  g_assert_cmpstr (((ConcordContactType *) g_ptr_array_index (types, 0))->id, ==, "items");
  g_assert_true (concord_rest_connector_check_contact_type (CONCORD_REST_CONNECTOR (self),
                                                            "items", &error));
  g_assert_false (concord_rest_connector_check_contact_type (CONCORD_REST_CONNECTOR (self),
                                                             "other", &error));
  g_assert_nonnull (error);
}

static void
test_custom_fields (void)
{
  g_autoptr(Server) server = server_new ();
  g_autoptr(TestRest) self = connector_new (server, PAGING_OFFSET);
  ConcordRestConnector *rest = CONCORD_REST_CONNECTOR (self);
  g_autoptr(ConcordRecord) record = concord_record_new ("item-1");
  g_autoptr(GPtrArray) specs = NULL;
  g_autoptr(JsonObject) custom = json_object_new ();
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) built = NULL;
  g_autoptr(JsonNode) echo = NULL;
  g_autofree char *tier = concord_field_custom_key ("Tier");
  g_autofree char *note = concord_field_custom_key ("Note");
  const char *clear[] = { NULL, NULL };
  g_autofree char *json = NULL;

  json_object_set_string_member (custom, "Tier", "gold");
  json_object_set_string_member (custom, "Note", "longer than eight bytes");
  json_object_set_string_member (custom, "Much too long a name", "x");
  json_object_set_string_member (custom, "", "y");

  /* Declared (blanks skipped) and learnt from a record (a name that had
   * to be repaired, cut here, or an empty one skipped; a repaired value
   * altered). */
  concord_rest_connector_declare_custom_fields (rest, " Zone , ,Tier");
  concord_rest_connector_read_custom_fields (rest, record, custom, 8);
  g_assert_cmpstr (concord_record_get_text (record, tier), ==, "gold");
  g_assert_false (concord_record_is_altered (record, tier));
  g_assert_true (concord_record_is_altered (record, note));
  g_assert_cmpuint (concord_record_get_n_fields (record), ==, 2);

  specs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);
  concord_rest_connector_add_custom_specs (rest, specs);
  g_assert_cmpuint (specs->len, ==, 3);
  g_assert_cmpstr (((ConcordFieldSpec *) g_ptr_array_index (specs, 0))->label, ==, "Note");
  g_assert_cmpstr (((ConcordFieldSpec *) g_ptr_array_index (specs, 1))->label, ==, "Tier");
  g_assert_cmpstr (((ConcordFieldSpec *) g_ptr_array_index (specs, 2))->label, ==, "Zone");

  /* Written as strings, a cleared one as an empty string. */
  clear[0] = note;
  concord_record_remove (record, note);
  json_builder_begin_object (builder);
  g_assert_true (concord_rest_json_add_custom_fields (builder, "Custom", record, clear));
  json_builder_end_object (builder);
  built = json_builder_get_root (builder);
  json = json_to_string (built, FALSE);
  g_assert_cmpstr (json, ==, "{\"Custom\":{\"Tier\":\"gold\",\"Note\":\"\"}}");

  /* An echo that lacks a custom field sent names it. */
  echo = json_from_string ("{\"Custom\": {\"Other\": \"1\"}}", NULL);
  g_assert_cmpstr (concord_rest_find_dropped_custom_field (record, echo, "Custom"), ==, "Tier");
  g_assert_cmpstr (concord_rest_find_dropped_custom_field (record, built, "Custom"), ==, NULL);
}

static void
test_paging (void)
{
  for (Paging paging = PAGING_OFFSET; paging <= PAGING_LINK; paging++)
    {
      g_autoptr(Server) server = server_new ();
      g_autoptr(TestRest) self = connector_new (server, paging);
      g_autoptr(GError) error = NULL;
      g_autofree char *cursor = NULL;

      g_test_message ("paging %d", paging);
      g_assert_cmpuint (list_all (self, TRUE, &cursor, &error), ==, N_ITEMS);
      g_assert_no_error (error);
      if (paging == PAGING_TOKEN)
        g_assert_cmpstr (cursor, ==, "sync-1");

      /* A second listing starts afresh: its tokens are not "seen". */
      g_assert_cmpuint (list_all (self, TRUE, NULL, &error), ==, N_ITEMS);
      g_assert_no_error (error);
    }
}

static void
test_paging_guard (void)
{
  /* A server that sends the same page again and again: the token it
   * gives repeats (token and Link paging), or the page repeats the page
   * before (offset and page-number paging, whose tokens always grow). */
  for (Paging paging = PAGING_OFFSET; paging <= PAGING_LINK; paging++)
    {
      g_autoptr(Server) server = server_new ();
      g_autoptr(TestRest) self = connector_new (server, paging);
      g_autoptr(GError) error = NULL;

      g_test_message ("paging %d", paging);
      server->endless = TRUE;
      list_all (self, FALSE, NULL, &error);
      g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL);
      g_assert_cmpuint (server->n_requests, ==, 2);
    }

  /* A listing longer than its page limit ends too. */
  for (Paging paging = PAGING_OFFSET; paging <= PAGING_LINK; paging++)
    {
      g_autoptr(Server) server = server_new ();
      g_autoptr(TestRest) self = connector_new (server, paging);
      g_autoptr(GError) error = NULL;

      concord_rest_connector_set_max_pages (CONCORD_REST_CONNECTOR (self), 2);
      list_all (self, TRUE, NULL, &error);
      g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL);
      g_assert_cmpuint (server->n_requests, ==, 2);
    }

  /* A Link to another origin is not followed. */
  {
    g_autoptr(Server) server = server_new ();
    g_autoptr(TestRest) self = connector_new (server, PAGING_LINK);
    g_autoptr(GError) error = NULL;

    server->link_elsewhere = TRUE;
    g_assert_cmpuint (list_all (self, FALSE, NULL, &error), ==, 0);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL);
    g_assert_cmpuint (server->n_requests, ==, 1);
  }
}

static gboolean
sample (TestRest  *self,
        guint      max_pages,
        GError   **error)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  concord_rest_connector_sample_async (CONCORD_REST_CONNECTOR (self), "items", max_pages, NULL,
                                       concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);

  return concord_rest_connector_sample_finish (CONCORD_REST_CONNECTOR (self), done, error);
}

static void
test_sample (void)
{
  g_autoptr(Server) server = server_new ();
  g_autoptr(TestRest) self = connector_new (server, PAGING_OFFSET);
  g_autoptr(ConcordPage) first = NULL;
  g_autoptr(ConcordPage) second = NULL;
  g_autoptr(GError) error = NULL;

  /* At most the pages asked for; to the end when there are fewer. */
  g_assert_true (sample (self, 2, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (server->n_requests, ==, 2);
  server->n_requests = 0;
  g_assert_true (sample (self, 100, &error));
  g_assert_cmpuint (server->n_requests, ==, N_ITEMS / PAGE + 2);

  /* A sample in the middle of a listing leaves its guards alone: the
   * neither takes the other's page tokens for repeats. */
  first = list_page (self, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (sample (self, 2, &error));
  g_assert_no_error (error);
  second = list_page (self, first->next_page, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->records->len, ==, PAGE);

  /* A server that sends the same page for ever ends the sample quietly. */
  server->endless = TRUE;
  server->n_requests = 0;
  g_assert_true (sample (self, 100, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (server->n_requests, ==, 2);
}

static void
keep_page (JsonArray *page,
           gpointer   user_data)
{
  for (guint i = 0; i < json_array_get_length (page); i++)
    g_ptr_array_add (user_data, json_array_dup_element (page, i));
}

/* The elements read, or NULL with @error. */
static GPtrArray *
read_all (TestRest  *self,
          guint      limit,
          guint      max_items,
          gboolean  *repeated,
          GError   **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  guint n_read = 0;

  concord_rest_connector_read_all_async (CONCORD_REST_CONNECTOR (self), "/tags", "GET /tags",
                                         "tags", limit, max_items, "id", keep_page, items, NULL,
                                         concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);

  if (!concord_rest_connector_read_all_finish (CONCORD_REST_CONNECTOR (self), done, &n_read,
                                               repeated, error))
    return NULL;
  g_assert_cmpuint (n_read, ==, items->len);
  return g_steal_pointer (&items);
}

/* An incremental listing's cursor reaches every page's request; a sample
 * and a full listing see none. */
static void
test_listing_cursor (void)
{
  g_autoptr(Server) server = server_new ();
  g_autoptr(TestRest) self = connector_new (server, PAGING_TOKEN);
  g_autofree char *token = NULL;
  g_autoptr(GError) error = NULL;

  for (guint pages = 0; pages < 100; pages++)
    {
      GAsyncResult *result = NULL;
      g_autoptr(GAsyncResult) done = NULL;
      g_autoptr(ConcordPage) page = NULL;

      concord_connector_list_async (CONCORD_CONNECTOR (self), "items", "since-42", token, NULL,
                                    concord_test_store_result_cb, &result);
      done = concord_test_wait_for_result (&result);
      page = concord_connector_list_finish (CONCORD_CONNECTOR (self), done, &error);
      g_assert_no_error (error);
      g_free (token);
      token = g_strdup (page->next_page);
      if (token == NULL)
        break;
    }
  g_assert_cmpuint (self->cursors->len, ==, N_ITEMS / PAGE + 1);
  for (guint i = 0; i < self->cursors->len; i++)
    g_assert_cmpstr (g_ptr_array_index (self->cursors, i), ==, "since-42");

  g_ptr_array_set_size (self->cursors, 0);
  g_assert_true (sample (self, 1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (list_all (self, TRUE, NULL, &error), ==, N_ITEMS);
  g_assert_cmpuint (self->cursors->len, >=, 2);
  for (guint i = 0; i < self->cursors->len; i++)
    g_assert_cmpstr (g_ptr_array_index (self->cursors, i), ==, "(none)");
}

static void
test_read_all (void)
{
  g_autoptr(Server) server = server_new ();
  g_autoptr(TestRest) self = connector_new (server, PAGING_OFFSET);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  gboolean repeated = TRUE;

  /* A server capping pages below what was asked is read to the end. */
  items = read_all (self, 2 * PAGE, 1000, &repeated, &error);
  g_assert_no_error (error);
  g_assert_false (repeated);
  g_assert_cmpuint (items->len, ==, N_ITEMS);
  for (guint i = 0; i < items->len; i++)
    {
      JsonObject *item = json_node_get_object (g_ptr_array_index (items, i));
      g_autofree char *id = g_strdup_printf ("item-%u", i);

      g_assert_cmpstr (json_object_get_string_member (item, "id"), ==, id);
    }
  g_clear_pointer (&items, g_ptr_array_unref);

  /* A page longer than asked, or more than the bound, fails. */
  g_assert_null (read_all (self, PAGE / 2, 1000, NULL, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "10 tags for a page of 5"));
  g_clear_error (&error);
  g_assert_null (read_all (self, PAGE, N_ITEMS - 1, NULL, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  g_clear_error (&error);

  /* A server ignoring the offset: the first page, and the reader is told. */
  server->endless = TRUE;
  server->n_requests = 0;
  items = read_all (self, PAGE, 1000, &repeated, &error);
  g_assert_no_error (error);
  g_assert_true (repeated);
  g_assert_cmpuint (items->len, ==, PAGE);
  g_assert_cmpuint (server->n_requests, ==, 2);
}

static void
test_fetch (void)
{
  g_autoptr(Server) server = server_new ();
  g_autoptr(TestRest) self = connector_new (server, PAGING_OFFSET);
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  const char *ids[] = { "item-3", "item-99", "item-7", "item-0", "item-12", "item-24", NULL };

  concord_connector_fetch_async (CONCORD_CONNECTOR (self), "items", ids, NULL,
                                 concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  records = concord_connector_fetch_finish (CONCORD_CONNECTOR (self), done, &error);
  g_assert_no_error (error);

  /* The absent one left out, the others in the order asked. */
  g_assert_cmpuint (records->len, ==, 5);
  g_assert_cmpstr (concord_record_get_remote_id (g_ptr_array_index (records, 0)), ==, "item-3");
  g_assert_cmpstr (concord_record_get_remote_id (g_ptr_array_index (records, 1)), ==, "item-7");
  g_assert_cmpstr (concord_record_get_remote_id (g_ptr_array_index (records, 4)), ==, "item-24");
  g_assert_cmpuint (server->n_requests, ==, 6);
}

static void
test_create (void)
{
  g_autoptr(Server) server = server_new ();
  g_autoptr(TestRest) self = connector_new (server, PAGING_OFFSET);
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  /* 10 records in one chunk, 413 above 4: 10 → 5+5 → 2+3+2+3. */
  concord_rest_connector_set_max_batch (CONCORD_REST_CONNECTOR (self), 10);
  for (guint i = 0; i < 10; i++)
    {
      ConcordRecord *record = concord_record_new (NULL);
      g_autofree char *name = i == 6 ? g_strdup ("refused") : g_strdup_printf ("n%u", i);

      concord_record_set_text (record, "first_name", CONCORD_FIELD_TYPE_STRING, name);
      g_ptr_array_add (inputs, record);
    }

  concord_connector_create_async (CONCORD_CONNECTOR (self), "items", inputs, NULL,
                                  concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  results = concord_connector_create_finish (CONCORD_CONNECTOR (self), done, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 10);
  g_assert_cmpuint (server->n_creates, ==, 7);

  for (guint i = 0; i < 10; i++)
    {
      ConcordWriteResult *written = g_ptr_array_index (results, i);

      g_assert_cmpuint (written->index, ==, i);
      if (i == 6)
        {
          /* Not echoed: not written, and said so. */
          g_assert_null (written->record);
          g_assert_error (written->error, CONCORD_ERROR, CONCORD_ERROR_FAILED);
        }
      else
        {
          g_autofree char *id = g_strdup_printf ("new-n%u", i);

          g_assert_no_error (written->error);
          g_assert_cmpstr (concord_record_get_remote_id (written->record), ==, id);
        }
    }
}

static void
test_update (void)
{
  g_autoptr(Server) server = server_new ();
  g_autoptr(TestRest) self = connector_new (server, PAGING_OFFSET);
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  ConcordWriteResult *written;

  g_ptr_array_add (changes, concord_record_change_new ("item-4", NULL, NULL));
  g_ptr_array_add (changes, concord_record_change_new ("item-404", NULL, NULL));

  concord_connector_update_async (CONCORD_CONNECTOR (self), "items", changes, NULL,
                                  concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  results = concord_connector_update_finish (CONCORD_CONNECTOR (self), done, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 2);

  written = g_ptr_array_index (results, 0);
  g_assert_no_error (written->error);
  g_assert_cmpstr (concord_record_get_remote_id (written->record), ==, "item-4");
  written = g_ptr_array_index (results, 1);
  g_assert_error (written->error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
}

static void
test_update_steps (void)
{
  g_autoptr(Server) server = server_new ();
  g_autoptr(TestRest) self = connector_new (server, PAGING_OFFSET);
  ConcordRestConnectorClass *rest_class = CONCORD_REST_CONNECTOR_GET_CLASS (self);
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  ConcordWriteResult *written;

  changes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);
  g_ptr_array_add (changes, concord_record_change_new ("item-4", NULL, NULL));
  g_ptr_array_add (changes, concord_record_change_new ("item-404", NULL, NULL));
  g_ptr_array_add (changes, concord_record_change_new ("bad", NULL, NULL));

  /* This test alone: the class is shared by every TestRest. */
  rest_class->update_step = test_rest_update_step;
  concord_connector_update_async (CONCORD_CONNECTOR (self), "items", changes, NULL,
                                  concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  results = concord_connector_update_finish (CONCORD_CONNECTOR (self), done, &error);
  rest_class->update_step = NULL;
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 3);

  /* Written after a recovered failure, but for the refused field. */
  written = g_ptr_array_index (results, 0);
  g_assert_no_error (written->error);
  g_assert_cmpstr (concord_record_get_remote_id (written->record), ==, "item-4");
  g_assert_nonnull (written->refused);
  g_assert_cmpuint (written->refused->len, ==, 1);
  /* The PUT's 404 is not recovered from: the change fails with it. */
  written = g_ptr_array_index (results, 1);
  g_assert_error (written->error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  written = g_ptr_array_index (results, 2);
  g_assert_error (written->error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_null (written->record);
  /* Two requests a change but for "bad". */
  g_assert_cmpuint (server->n_requests, ==, 4);
}

static void
test_prepare (void)
{
  g_autoptr(Server) server = server_new ();
  g_autoptr(TestRest) self = connector_new (server, PAGING_OFFSET);
  ConcordRestConnectorClass *rest_class = CONCORD_REST_CONNECTOR_GET_CLASS (self);
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(ConcordPage) page = NULL;
  g_autoptr(GError) error = NULL;
  const char *ids[] = { "item-1", NULL };
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GAsyncResult) fetched = NULL;

  /* This test alone: the class is shared by every TestRest. */
  rest_class->prepare_async = test_rest_prepare_async;

  page = list_page (self, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (prepared_operation, ==, CONCORD_REST_LIST);

  changes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);
  g_ptr_array_add (changes, concord_record_change_new ("item-4", NULL, NULL));
  g_ptr_array_add (changes, concord_record_change_new ("item-5", NULL, NULL));
  concord_connector_update_async (CONCORD_CONNECTOR (self), "items", changes, NULL,
                                  concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  results = concord_connector_update_finish (CONCORD_CONNECTOR (self), done, &error);
  g_assert_no_error (error);
  g_assert_cmpint (prepared_operation, ==, CONCORD_REST_UPDATE);
  g_assert_cmpuint (prepared_inputs, ==, 2);
  g_clear_pointer (&results, g_ptr_array_unref);

  /* A failed preparation fails the operation, with no request. */
  server->n_requests = 0;
  concord_connector_fetch_async (CONCORD_CONNECTOR (self), "items", ids, NULL,
                                 concord_test_store_result_cb, &result);
  fetched = concord_test_wait_for_result (&result);
  results = concord_connector_fetch_finish (CONCORD_CONNECTOR (self), fetched, &error);
  rest_class->prepare_async = NULL;
  g_assert_null (results);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_cmpuint (server->n_requests, ==, 0);
}

static void
test_field_spec (void)
{
  g_autoptr(GPtrArray) specs = NULL;
  const char *choices[] = { "a", "b", NULL };
  ConcordFieldSpec *spec;

  specs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_STATUS, choices, TRUE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_EMAIL, NULL, FALSE);
  g_assert_cmpuint (specs->len, ==, 2);

  spec = g_ptr_array_index (specs, 0);
  g_assert_cmpstr (spec->key, ==, CONCORD_FIELD_STATUS);
  g_assert_true (spec->read_only);
  g_assert_cmpstrv (spec->choices, choices);
  spec = g_ptr_array_index (specs, 1);
  g_assert_cmpstr (spec->key, ==, CONCORD_FIELD_EMAIL);
  g_assert_cmpint (spec->type, ==, CONCORD_FIELD_TYPE_EMAIL);
  g_assert_false (spec->read_only);
}

static void
test_verify (void)
{
  g_autoptr(Server) server = server_new ();
  g_autoptr(TestRest) self = connector_new (server, PAGING_OFFSET);
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  concord_connector_verify_async (CONCORD_CONNECTOR (self), NULL, concord_test_store_result_cb,
                                  &result);
  done = concord_test_wait_for_result (&result);
  g_assert_true (concord_connector_verify_finish (CONCORD_CONNECTOR (self), done, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (server->n_requests, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/rest-connector/traits", test_traits);
  g_test_add_func ("/concord/rest-connector/custom-fields", test_custom_fields);
  g_test_add_func ("/concord/rest-connector/paging", test_paging);
  g_test_add_func ("/concord/rest-connector/paging-guard", test_paging_guard);
  g_test_add_func ("/concord/rest-connector/listing-cursor", test_listing_cursor);
  g_test_add_func ("/concord/rest-connector/sample", test_sample);
  g_test_add_func ("/concord/rest-connector/read-all", test_read_all);
  g_test_add_func ("/concord/rest-connector/fetch", test_fetch);
  g_test_add_func ("/concord/rest-connector/create", test_create);
  g_test_add_func ("/concord/rest-connector/update", test_update);
  g_test_add_func ("/concord/rest-connector/update-steps", test_update_steps);
  g_test_add_func ("/concord/rest-connector/prepare", test_prepare);
  g_test_add_func ("/concord/rest-connector/field-spec", test_field_spec);
  g_test_add_func ("/concord/rest-connector/verify", test_verify);

  return g_test_run ();
}
