/* concord-mock-pipedrive-requests.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The simulated Pipedrive's endpoints (see concord-mock-pipedrive.c): its
 * answers and error bodies, persons (list, get, create, update, delete),
 * person fields, organisations, the burst limit and the routing of every
 * request.
 */

#define G_LOG_DOMAIN "concord-mock-pipedrive"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include "concord-mock-pipedrive.h"
#include "concord-mock-pipedrive-private.h"

/* ------------------------------------------------------------------------- */
/* Answers                                                                   */
/* ------------------------------------------------------------------------- */

char *
_concord_mock_pipedrive_envelope (JsonNode   *data,
                                  JsonObject *additional)
{
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_boolean_member (root, "success", TRUE);
  json_object_set_member (root, "data", data != NULL ? data : json_node_new (JSON_NODE_NULL));
  if (additional != NULL)
    json_object_set_object_member (root, "additional_data", additional);
  else
    json_object_set_null_member (root, "additional_data");
  json_node_set_object (node, root);
  return json_to_string (node, FALSE);
}

char *
_concord_mock_pipedrive_build_error_body (guint       status,
                                          const char *message,
                                          gpointer    user_data)
{
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_boolean_member (root, "success", FALSE);
  json_object_set_string_member (root, "error", message);
  json_object_set_int_member (root, "errorCode", status);
  json_object_set_string_member (root, "error_info", ERROR_INFO);
  json_object_set_null_member (root, "data");
  json_object_set_null_member (root, "additional_data");
  json_node_set_object (node, root);
  return json_to_string (node, FALSE);
}

static void
respond_ok (ConcordMockRequest *request,
            guint               status,
            JsonNode           *data,
            JsonObject         *additional)
{
  concord_mock_request_respond (request, status, "application/json",
                                _concord_mock_pipedrive_envelope (data, additional));
}

JsonNode *
_concord_mock_pipedrive_object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return node;
}

static JsonNode *
array_node (JsonArray *array)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, array);
  return node;
}

/* A cursor: the offset of the next item, opaque to clients. */
static char *
make_cursor (guint offset)
{
  g_autofree char *text = g_strdup_printf ("offset:%u", offset);

  return g_base64_encode ((const guchar *) text, strlen (text));
}

static gboolean
read_cursor (const char *cursor,
             guint      *offset)
{
  g_autofree guchar *text = NULL;
  g_autofree char *string = NULL;
  gsize length = 0;
  guint64 number;

  if (cursor == NULL)
    {
      *offset = 0;
      return TRUE;
    }
  text = g_base64_decode (cursor, &length);
  string = g_strndup ((const char *) text, length);
  if (!g_str_has_prefix (string, "offset:") ||
      !g_ascii_string_to_unsigned (string + 7, 10, 0, G_MAXUINT, &number, NULL))
    return FALSE;
  *offset = (guint) number;
  return TRUE;
}

/* limit: 1 … 500, default 100; 0 when invalid. */
static guint
read_limit (ConcordMockRequest *request)
{
  const char *text = concord_mock_request_get_query_param (request, "limit");
  guint64 limit;

  if (text == NULL)
    return DEFAULT_LIMIT;
  if (!g_ascii_string_to_unsigned (text, 10, 1, MAX_LIMIT, &limit, NULL))
    return 0;
  return (guint) limit;
}

static int
compare_update_time (gconstpointer a,
                     gconstpointer b)
{
  JsonObject *pa = (*(ConcordMockPipedrivePerson * const *) a)->object;
  JsonObject *pb = (*(ConcordMockPipedrivePerson * const *) b)->object;
  int order = g_strcmp0 (json_object_get_string_member (pa, "update_time"),
                         json_object_get_string_member (pb, "update_time"));

  if (order != 0)
    return order;
  return (int) (json_object_get_int_member (pa, "id") - json_object_get_int_member (pb, "id"));
}

static void
list_persons (ConcordMockPipedrive *self,
              ConcordMockRequest   *request)
{
  const char *since_text = concord_mock_request_get_query_param (request, "updated_since");
  const char *sort_by = concord_mock_request_get_query_param (request, "sort_by");
  const char *direction = concord_mock_request_get_query_param (request, "sort_direction");
  g_autoptr(GPtrArray) selected = g_ptr_array_new ();
  g_autoptr(GDateTime) since = NULL;
  JsonArray *data;
  JsonObject *additional;
  guint limit = read_limit (request);
  guint offset;

  if (limit == 0)
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                          "limit must be between 1 and 500");
      return;
    }
  if (!read_cursor (concord_mock_request_get_query_param (request, "cursor"), &offset))
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, "Invalid cursor");
      return;
    }
  if (since_text != NULL && (since = g_date_time_new_from_iso8601 (since_text, NULL)) == NULL)
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                          "updated_since must be an RFC 3339 date-time");
      return;
    }

  for (guint i = 0; i < self->persons->len; i++)
    {
      ConcordMockPipedrivePerson *person = g_ptr_array_index (self->persons, i);

      if (json_object_get_boolean_member (person->object, "is_deleted"))
        continue;
      if (since != NULL)
        {
          g_autoptr(GDateTime) updated = g_date_time_new_from_iso8601 (
            json_object_get_string_member (person->object, "update_time"), NULL);

          if (updated == NULL || g_date_time_compare (updated, since) < 0)
            continue;
        }
      g_ptr_array_add (selected, person);
    }
  if (g_strcmp0 (sort_by, "update_time") == 0)
    g_ptr_array_sort (selected, compare_update_time);
  if (g_strcmp0 (direction, "desc") == 0)
    for (guint i = 0; i < selected->len / 2; i++)
      {
        gpointer swap = selected->pdata[i];

        selected->pdata[i] = selected->pdata[selected->len - 1 - i];
        selected->pdata[selected->len - 1 - i] = swap;
      }

  data = json_array_new ();
  for (guint i = offset; i < selected->len && i < offset + limit; i++)
    json_array_add_object_element (data, json_object_ref (((ConcordMockPipedrivePerson *) selected->pdata[i])->object));

  additional = json_object_new ();
  if (offset + limit < selected->len)
    {
      g_autofree char *cursor = make_cursor (offset + limit);

      json_object_set_string_member (additional, "next_cursor", cursor);
    }
  else
    json_object_set_null_member (additional, "next_cursor");
  respond_ok (request, SOUP_STATUS_OK, array_node (data), additional);
}

static ConcordMockPipedrivePerson *
person_of_path (ConcordMockPipedrive *self,
                const char           *path)
{
  const char *tail = path + strlen ("/api/v2/persons/");
  guint64 id;
  ConcordMockPipedrivePerson *person;

  if (!g_ascii_string_to_unsigned (tail, 10, 1, G_MAXUINT, &id, NULL))
    return NULL;
  person = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER ((guint) id));
  if (person == NULL || json_object_get_boolean_member (person->object, "is_deleted"))
    return NULL;
  return person;
}

static JsonObject *
request_body (ConcordMockRequest *request)
{
  GBytes *bytes = concord_mock_request_get_body (request);
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize length = 0;
  const char *data = bytes != NULL ? g_bytes_get_data (bytes, &length) : NULL;
  JsonNode *root;

  if (data == NULL || !json_parser_load_from_data (parser, data, (gssize) length, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  return root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_object_ref (json_node_get_object (root))
                                                       : NULL;
}

static void
write_person (ConcordMockPipedrive       *self,
              ConcordMockRequest         *request,
              ConcordMockPipedrivePerson *person)
{
  g_autoptr(JsonObject) body = request_body (request);
  g_autofree char *problem = NULL;

  if (body == NULL)
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                          "The body must be a JSON object");
      return;
    }
  if ((problem = _concord_mock_pipedrive_check_body (self, body, person == NULL)) != NULL)
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, problem);
      return;
    }

  if (person == NULL)
    person = _concord_mock_pipedrive_new_person (self);
  _concord_mock_pipedrive_apply_body (self, person, body);
  respond_ok (request, SOUP_STATUS_OK, _concord_mock_pipedrive_object_node (json_object_ref (person->object)), NULL);
}

/* The labels (label_ids) as GET /v1/personFields shows them. */
static JsonObject *
labels_field (ConcordMockPipedrive *self)
{
  JsonObject *field = json_object_new ();
  JsonArray *options = json_array_new ();

  json_object_set_int_member (field, "id", 100);
  json_object_set_string_member (field, "key", "label_ids");
  json_object_set_string_member (field, "name", "Labels");
  json_object_set_string_member (field, "field_type", "set");
  json_object_set_boolean_member (field, "edit_flag", FALSE);
  for (guint i = 0; i < self->labels->len; i++)
    {
      JsonObject *option = json_object_new ();

      json_object_set_int_member (option, "id", i + 1);
      json_object_set_string_member (option, "label", g_ptr_array_index (self->labels, i));
      json_array_add_object_element (options, option);
    }
  json_object_set_array_member (field, "options", options);
  return field;
}

/* The custom fields as GET /v1/personFields shows them, into @all. */
static void
add_custom_fields (ConcordMockPipedrive *self,
                   GPtrArray            *all)
{
  for (guint i = 0; i < self->fields->len; i++)
    {
      ConcordMockPipedriveField *custom = g_ptr_array_index (self->fields, i);
      JsonObject *field = json_object_new ();

      json_object_set_int_member (field, "id", 1000 + i);
      json_object_set_string_member (field, "key", custom->key);
      json_object_set_string_member (field, "name", custom->name);
      json_object_set_string_member (field, "field_type", custom->field_type);
      json_object_set_boolean_member (field, "edit_flag", TRUE);
      if (custom->options != NULL)
        {
          JsonArray *options = json_array_new ();

          for (guint o = 0; o < custom->options->len; o++)
            {
              JsonObject *option = json_object_new ();

              json_object_set_int_member (option, "id", o + 1);
              json_object_set_string_member (option, "label", g_ptr_array_index (custom->options, o));
              json_array_add_object_element (options, option);
            }
          json_object_set_array_member (field, "options", options);
        }
      g_ptr_array_add (all, field);
    }
}

static void
list_fields (ConcordMockPipedrive *self,
             ConcordMockRequest   *request)
{
  const char *start_text = concord_mock_request_get_query_param (request, "start");
  guint limit = read_limit (request);
  guint64 start = 0;
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  JsonArray *data = json_array_new ();
  JsonObject *additional = json_object_new ();
  JsonObject *pagination = json_object_new ();
  static const struct { const char *key, *name, *type; } standard[] = {
    { "name", "Name", "varchar" },
    { "first_name", "First name", "varchar" },
    { "last_name", "Last name", "varchar" },
    { "email", "Email", "varchar" },
    { "phone", "Phone", "phone" },
    { "org_id", "Organization", "org" },
    { "owner_id", "Owner", "user" },
    { "marketing_status", "Marketing status", "enum" },
    { "add_time", "Person created", "date" },
    { "update_time", "Update time", "date" },
  };

  if (start_text != NULL && !g_ascii_string_to_unsigned (start_text, 10, 0, G_MAXUINT, &start,
                                                         NULL))
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, "Invalid start");
      json_array_unref (data);
      json_object_unref (additional);
      json_object_unref (pagination);
      return;
    }
  if (limit == 0)
    limit = MAX_LIMIT;

  for (guint i = 0; i < G_N_ELEMENTS (standard); i++)
    {
      JsonObject *field = json_object_new ();

      json_object_set_int_member (field, "id", i + 1);
      json_object_set_string_member (field, "key", standard[i].key);
      json_object_set_string_member (field, "name", standard[i].name);
      json_object_set_string_member (field, "field_type", standard[i].type);
      json_object_set_boolean_member (field, "edit_flag", FALSE);
      g_ptr_array_add (all, field);
    }
  g_ptr_array_add (all, labels_field (self));
  add_custom_fields (self, all);

  for (guint i = (guint) start; i < all->len && i < start + limit; i++)
    json_array_add_object_element (data, json_object_ref (g_ptr_array_index (all, i)));
  json_object_set_int_member (pagination, "start", (gint64) start);
  json_object_set_int_member (pagination, "limit", limit);
  json_object_set_boolean_member (pagination, "more_items_in_collection", start + limit < all->len);
  if (start + limit < all->len)
    json_object_set_int_member (pagination, "next_start", (gint64) (start + limit));
  json_object_set_object_member (additional, "pagination", pagination);
  respond_ok (request, SOUP_STATUS_OK, array_node (data), additional);
}

static JsonObject *
org_object (ConcordMockPipedrive *self,
            guint                 index)
{
  JsonObject *org = json_object_new ();

  json_object_set_int_member (org, "id", index + 1);
  json_object_set_string_member (org, "name", g_ptr_array_index (self->orgs, index));
  json_object_set_int_member (org, "owner_id", 1);
  return org;
}

static void
list_orgs (ConcordMockPipedrive *self,
           ConcordMockRequest   *request)
{
  guint limit = read_limit (request);
  guint offset;
  JsonArray *data;
  JsonObject *additional;

  if (limit == 0 ||
      !read_cursor (concord_mock_request_get_query_param (request, "cursor"), &offset))
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                          "Invalid limit or cursor");
      return;
    }
  data = json_array_new ();
  for (guint i = offset; i < self->orgs->len && i < offset + limit; i++)
    json_array_add_object_element (data, org_object (self, i));
  additional = json_object_new ();
  if (offset + limit < self->orgs->len)
    {
      g_autofree char *cursor = make_cursor (offset + limit);

      json_object_set_string_member (additional, "next_cursor", cursor);
    }
  else
    json_object_set_null_member (additional, "next_cursor");
  respond_ok (request, SOUP_STATUS_OK, array_node (data), additional);
}

static void
create_org (ConcordMockPipedrive *self,
            ConcordMockRequest   *request)
{
  g_autoptr(JsonObject) body = request_body (request);
  const char *name = body != NULL ? json_object_get_string_member_with_default (body, "name", NULL)
                                  : NULL;

  if (name == NULL || *name == '\0')
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                          "Name must be given.");
      return;
    }
  g_ptr_array_add (self->orgs, g_strdup (name));
  respond_ok (request, SOUP_STATUS_OK,
              _concord_mock_pipedrive_object_node (org_object (self, self->orgs->len - 1)), NULL);
}

/* The burst window: FALSE when this request is over the limit (answered). */
static gboolean
take_burst (ConcordMockPipedrive *self,
            ConcordMockRequest   *request)
{
  gint64 now = g_get_monotonic_time ();
  gint64 *oldest;
  g_autofree char *limit = NULL;
  g_autofree char *remaining = NULL;
  g_autofree char *reset = NULL;

  if (self->burst_limit == 0)
    return TRUE;

  while ((oldest = g_queue_peek_head (&self->window)) != NULL && *oldest + WINDOW_US <= now)
    g_free (g_queue_pop_head (&self->window));

  oldest = g_queue_peek_head (&self->window);
  reset = g_strdup_printf ("%" G_GINT64_FORMAT,
                           oldest != NULL ? (*oldest + WINDOW_US - now + G_USEC_PER_SEC - 1) /
                                            G_USEC_PER_SEC
                                          : 2);
  limit = g_strdup_printf ("%u", self->burst_limit);

  if (g_queue_get_length (&self->window) >= self->burst_limit)
    {
      self->n_429++;
      concord_mock_request_set_response_header (request, "x-ratelimit-limit", limit);
      concord_mock_request_set_response_header (request, "x-ratelimit-remaining", "0");
      concord_mock_request_set_response_header (request, "x-ratelimit-reset", reset);
      if (self->cloudflare_after > 0 && self->n_429 > self->cloudflare_after)
        {
          self->blocked = TRUE;
          concord_mock_request_respond (request, SOUP_STATUS_FORBIDDEN, "text/html",
                                        g_strdup (CLOUDFLARE_PAGE));
          return FALSE;
        }
      concord_mock_request_set_response_header (request, "Retry-After", reset);
      concord_mock_request_respond_error (request, 429, "Rate limit has been exceeded");
      return FALSE;
    }

  self->n_429 = 0;
  g_queue_push_tail (&self->window, g_memdup2 (&now, sizeof now));
  remaining = g_strdup_printf ("%u", self->burst_limit - g_queue_get_length (&self->window));
  concord_mock_request_set_response_header (request, "x-ratelimit-limit", limit);
  concord_mock_request_set_response_header (request, "x-ratelimit-remaining", remaining);
  concord_mock_request_set_response_header (request, "x-ratelimit-reset", reset);
  return TRUE;
}

/* Caller holds the mutex. */
static void
serve (ConcordMockPipedrive *self,
       ConcordMockRequest   *request)
{
  const char *method = concord_mock_request_get_method (request);
  const char *path = concord_mock_request_get_path (request);

  if (self->blocked)
    {
      concord_mock_request_respond (request, SOUP_STATUS_FORBIDDEN, "text/html",
                                    g_strdup (CLOUDFLARE_PAGE));
      return;
    }
  if (!take_burst (self, request))
    return;

  if (!concord_mock_request_check_header (request, "x-api-token", self->api_token))
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_UNAUTHORIZED,
                                          "unauthorized access");
      return;
    }

  if (g_str_equal (method, "GET") && g_str_equal (path, "/v1/users/me"))
    {
      JsonObject *user = json_object_new ();

      json_object_set_int_member (user, "id", 1);
      json_object_set_string_member (user, "name", "Mock Owner");
      json_object_set_string_member (user, "company_domain", "mock");
      respond_ok (request, SOUP_STATUS_OK, _concord_mock_pipedrive_object_node (user), NULL);
    }
  else if (g_str_equal (method, "GET") && g_str_equal (path, "/v1/personFields"))
    list_fields (self, request);
  else if (g_str_equal (method, "GET") && g_str_equal (path, "/api/v2/persons"))
    list_persons (self, request);
  else if (g_str_equal (method, "POST") && g_str_equal (path, "/api/v2/persons"))
    write_person (self, request, NULL);
  else if (g_str_has_prefix (path, "/api/v2/persons/") &&
           (g_str_equal (method, "GET") || g_str_equal (method, "PATCH") ||
            g_str_equal (method, "DELETE")))
    {
      ConcordMockPipedrivePerson *person = person_of_path (self, path);

      if (person == NULL)
        concord_mock_request_respond_error (request, SOUP_STATUS_NOT_FOUND, "Person not found");
      else if (g_str_equal (method, "PATCH"))
        write_person (self, request, person);
      else if (g_str_equal (method, "DELETE"))
        {
          JsonObject *gone = json_object_new ();

          json_object_set_boolean_member (person->object, "is_deleted", TRUE);
          json_object_set_int_member (gone, "id", json_object_get_int_member (person->object, "id"));
          respond_ok (request, SOUP_STATUS_OK, _concord_mock_pipedrive_object_node (gone), NULL);
        }
      else
        respond_ok (request, SOUP_STATUS_OK,
                    _concord_mock_pipedrive_object_node (json_object_ref (person->object)), NULL);
    }
  else if (g_str_equal (method, "GET") && g_str_equal (path, "/api/v2/organizations"))
    list_orgs (self, request);
  else if (g_str_equal (method, "POST") && g_str_equal (path, "/api/v2/organizations"))
    create_org (self, request);
  else if (g_str_has_prefix (path, "/v1/persons"))
    concord_mock_request_respond_error (request, 410,
                                        "This endpoint is out of support; use API v2");
  else
    concord_mock_request_respond_error (request, SOUP_STATUS_NOT_FOUND, "Unknown method .");
}

void
_concord_mock_pipedrive_on_request_cb (ConcordMockRequest *request,
                                       gpointer            user_data)
{
  ConcordMockPipedrive *self = user_data;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  serve (self, request);
  if (self->save_path != NULL && !g_str_equal (concord_mock_request_get_method (request), "GET") &&
      SOUP_STATUS_IS_SUCCESSFUL (concord_mock_request_get_status (request)))
    _concord_mock_pipedrive_schedule_save (self);
}
