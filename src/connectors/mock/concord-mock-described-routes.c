/* concord-mock-described-routes.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The described mock's answers and routes (see concord-mock-described.c):
 * its JSON answers and error bodies, the rate limit and authentication,
 * fetches, creates (single and in batches), updates, deletes, the fields,
 * the routing of every request, and the app's quirks.
 */

#define G_LOG_DOMAIN "concord-mock-described"

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "concord-mock-described.h"
#include "concord-mock-described-api.h"
#include "concord-mock-described-private.h"

/* ------------------------------------------------------------------------- */
/* Answers                                                                   */
/* ------------------------------------------------------------------------- */

char *
_concord_mock_described_build_error_body (guint       status,
                                          const char *message,
                                          gpointer    user_data)
{
  ConcordMockDescribed *self = user_data;
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (self->quirks->error_body != NULL)
    return self->quirks->error_body (status, message);

  root = json_object_new ();
  concord_mock_described_set_path (root, self->api->error_path,
                                   json_node_init_string (json_node_alloc (), message));
  node = _concord_mock_described_object_node (g_steal_pointer (&root));
  return json_to_string (node, FALSE);
}

void
_concord_mock_described_respond_json (ConcordMockRequest *request,
                                      guint               status,
                                      JsonNode           *node)
{
  g_autoptr(JsonNode) owned = node;

  concord_mock_request_respond (request, status, "application/json",
                                json_to_string (owned, FALSE));
}

/* A record (or, for a batch, an array) as an answer shows it: at the
 * described answer path ({"party": …}), or as the whole answer. */
static void
respond_at (ConcordMockRequest *request,
            guint               status,
            const char         *answer_path,
            JsonNode           *value)
{
  JsonObject *wrapper;

  if (answer_path == NULL)
    {
      _concord_mock_described_respond_json (request, status, value);
      return;
    }
  wrapper = json_object_new ();
  concord_mock_described_set_path (wrapper, answer_path, value);
  _concord_mock_described_respond_json (request, status, _concord_mock_described_object_node (wrapper));
}

/* A record as this request sees it: as stored, or as the quirks _concord_mock_described_present
 * it (Capsule's members shown only when embedded). (transfer full) */
JsonObject *
_concord_mock_described_present (ConcordMockDescribed *self,
                                 ConcordMockRequest   *request,
                                 JsonObject           *record)
{
  if (self->quirks->present != NULL)
    return self->quirks->present (record, request);
  return json_object_ref (record);
}

static void
respond_record (ConcordMockDescribed *self,
                ConcordMockRequest   *request,
                guint                 status,
                const char           *answer_path,
                JsonObject           *record)
{
  respond_at (request, status, answer_path,
              _concord_mock_described_object_node (_concord_mock_described_present (self, request, record)));
}

JsonNode *
_concord_mock_described_request_json (ConcordMockRequest *request)
{
  GBytes *bytes = concord_mock_request_get_body (request);
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize length = 0;
  const char *data = bytes != NULL ? g_bytes_get_data (bytes, &length) : NULL;
  JsonNode *root;

  if (data == NULL || length == 0 || !json_parser_load_from_data (parser, data, (gssize) length, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  return root != NULL ? json_node_copy (root) : NULL;
}

/* ------------------------------------------------------------------------- */
/* Rate limit and authentication                                             */
/* ------------------------------------------------------------------------- */

void
_concord_mock_described_set_rate_header (ConcordMockRequest *request,
                                         const char         *name,
                                         gint64              value)
{
  g_autofree char *text = NULL;

  if (name == NULL)
    return;
  text = g_strdup_printf ("%" G_GINT64_FORMAT, value);
  concord_mock_request_set_response_header (request, name, text);
}

/* The rolling window: FALSE when this request is over the limit (answered). */
static gboolean
take_window (ConcordMockDescribed *self,
             ConcordMockRequest   *request)
{
  gint64 now = g_get_monotonic_time ();
  gint64 *oldest;
  gint64 reset;
  guint used;

  if (self->rate_limit == 0)
    return TRUE;

  while ((oldest = g_queue_peek_head (&self->window)) != NULL && *oldest + self->window_us <= now)
    g_free (g_queue_pop_head (&self->window));
  oldest = g_queue_peek_head (&self->window);
  reset = oldest != NULL ? (*oldest + self->window_us - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC
                         : self->window_us / G_USEC_PER_SEC;
  used = g_queue_get_length (&self->window);

  _concord_mock_described_set_rate_header (request, self->api->limit_header, self->rate_limit);
  if (self->api->reset_header != NULL)
    _concord_mock_described_set_rate_header (request, self->api->reset_header,
                                             self->api->reset_is_epoch ? g_get_real_time () / G_USEC_PER_SEC + reset : reset);
  if (used >= self->rate_limit)
    {
      _concord_mock_described_set_rate_header (request, self->api->remaining_header, 0);
      if (self->api->retry_after)
        _concord_mock_described_set_rate_header (request, "Retry-After", MAX (reset, 1));
      concord_mock_request_respond_error (request, 429, "Too many requests");
      return FALSE;
    }
  g_queue_push_tail (&self->window, g_memdup2 (&now, sizeof now));
  _concord_mock_described_set_rate_header (request, self->api->remaining_header, self->rate_limit - used - 1);
  return TRUE;
}

static gboolean
check_auth (ConcordMockDescribed *self,
            ConcordMockRequest   *request)
{
  ConcordMockDescribedApi *api = self->api;

  switch (api->auth_kind)
    {
    case CONCORD_MOCK_DESCRIBED_AUTH_HEADER:
      if (!concord_mock_request_check_header (request, api->auth_name, self->secret))
        return FALSE;
      break;
    case CONCORD_MOCK_DESCRIBED_AUTH_BEARER:
      if (!concord_mock_request_check_bearer (request, self->secret))
        return FALSE;
      break;
    case CONCORD_MOCK_DESCRIBED_AUTH_BASIC:
      if (!concord_mock_request_check_basic (request, self->secret, ""))
        return FALSE;
      break;
    case CONCORD_MOCK_DESCRIBED_AUTH_QUERY:
    default:
      if (!concord_mock_request_check_query_key (request, api->auth_name, self->secret))
        return FALSE;
      break;
    }

  /* The fixed headers the description names ("X-PW-Application:
   * developer_api"); those that carry an account field are the quirks'. */
  for (guint i = 0; api->fixed_headers != NULL && api->fixed_headers[i] != NULL; i += 2)
    if (!concord_mock_request_check_header (request, api->fixed_headers[i],
                                            api->fixed_headers[i + 1]))
      return FALSE;
  for (guint i = 0; api->account_headers != NULL && api->account_headers[i] != NULL; i++)
    {
      const char *value = concord_mock_request_get_header (request, api->account_headers[i]);

      if (value == NULL || *value == '\0')
        return FALSE;
    }
  return TRUE;
}

/* The id of "/people/123" against "/people/{id}"; 0 when it does not match. */
static gint64
match_template (const char *template,
                const char *path)
{
  const char *hole = template != NULL ? strstr (template, "{id}") : NULL;
  g_autofree char *tail = NULL;
  gsize head;
  guint64 id;

  if (hole == NULL)
    return 0;
  head = hole - template;
  if (strncmp (path, template, head) != 0)
    return 0;
  path += head;
  tail = g_strdup (hole + strlen ("{id}"));
  if (*tail != '\0')
    {
      if (!g_str_has_suffix (path, tail))
        return 0;
      {
        g_autofree char *digits = g_strndup (path, strlen (path) - strlen (tail));

        if (!g_ascii_string_to_unsigned (digits, 10, 1, G_MAXINT64, &id, NULL))
          return 0;
      }
      return (gint64) id;
    }
  if (!g_ascii_string_to_unsigned (path, 10, 1, G_MAXINT64, &id, NULL))
    return 0;
  return (gint64) id;
}

static JsonObject *
lookup (ConcordMockDescribed *self,
        gint64                id)
{
  JsonObject *record = g_hash_table_lookup (self->by_id, GINT_TO_POINTER (id));

  return record != NULL && _concord_mock_described_is_contact (self, record) ? record : NULL;
}

/* The record in a written body (or batch element): unwrapped as
 * described; NULL when it is not there. */
static JsonObject *
unwrap (ConcordMockDescribed *self,
        JsonNode             *node)
{
  JsonObject *body;
  JsonNode *inner;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  body = json_node_get_object (node);
  if (self->api->body_wrapper == NULL)
    return body;
  inner = json_object_get_member (body, self->api->body_wrapper);
  return inner != NULL && JSON_NODE_HOLDS_OBJECT (inner) ? json_node_get_object (inner) : NULL;
}

static guint
invalid_status (ConcordMockDescribed *self)
{
  return self->quirks->invalid_status != 0 ? self->quirks->invalid_status
                                           : SOUP_STATUS_BAD_REQUEST;
}

/* A batch create: {"<records>": [record…]}, at most the described batch
 * size (400 above); each valid record created, each refused one left out
 * of the answer (the array of those created). */
static void
create_batch (ConcordMockDescribed *self,
              ConcordMockRequest   *request)
{
  g_autoptr(JsonNode) node = _concord_mock_described_request_json (request);
  JsonNode *member = node != NULL && JSON_NODE_HOLDS_OBJECT (node)
                     ? json_object_get_member (json_node_get_object (node),
                                               self->api->create_records)
                     : NULL;
  JsonArray *records;
  JsonArray *created;
  JsonNode *answer;

  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
    {
      g_autofree char *message = g_strdup_printf ("The body must be {\"%s\": [records]}",
                                                  self->api->create_records);

      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, message);
      return;
    }
  records = json_node_get_array (member);
  if (json_array_get_length (records) > self->api->create_batch)
    {
      g_autofree char *message = g_strdup_printf ("At most %u records a request",
                                                  self->api->create_batch);

      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, message);
      return;
    }

  created = json_array_new ();
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *body = unwrap (self, json_array_get_element (records, i));
      g_autofree char *problem = NULL;
      JsonObject *record;

      if (body == NULL || (problem = _concord_mock_described_check_record (self, body)) != NULL ||
          (self->quirks->check_record != NULL &&
           (problem = self->quirks->check_record (body, TRUE)) != NULL))
        continue;
      record = _concord_mock_described_new_record (self);
      _concord_mock_described_apply_record (self, record, body, TRUE, FALSE);
      json_array_add_object_element (created, _concord_mock_described_present (self, request, record));
    }
  _concord_mock_described_save (self);
  answer = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (answer, created);
  respond_at (request, self->api->create_status, self->api->create_answer, answer);
}

static void
write_record (ConcordMockDescribed *self,
              ConcordMockRequest   *request,
              gboolean              creating,
              gint64                path_id)
{
  g_autoptr(JsonNode) node = _concord_mock_described_request_json (request);
  g_autofree char *problem = NULL;
  JsonObject *body = unwrap (self, node);
  JsonObject *record = NULL;

  if (creating && self->api->create_batch > 1)
    {
      create_batch (self, request);
      return;
    }
  if (body == NULL)
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                          self->api->body_wrapper != NULL
                                          ? "The body must be a JSON object wrapping the record"
                                          : "The body must be a JSON object");
      return;
    }

  if (!creating)
    {
      gint64 id = path_id;

      /* An update without the id in its path carries it in the body
       * (Insightly's PUT /Contacts with CONTACT_ID). */
      if (id == 0 && !_concord_mock_described_node_id (concord_mock_described_get_path (body, self->api->id_path), &id))
        {
          g_autofree char *message = g_strdup_printf ("%s is required", self->api->id_path);

          concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, message);
          return;
        }
      record = lookup (self, id);
      if (record == NULL)
        {
          concord_mock_request_respond_error (request, SOUP_STATUS_NOT_FOUND, "Not found");
          return;
        }
    }

  if ((problem = _concord_mock_described_check_record (self, body)) != NULL ||
      (self->quirks->check_record != NULL &&
       (problem = self->quirks->check_record (body, creating)) != NULL))
    {
      concord_mock_request_respond_error (request, invalid_status (self), problem);
      return;
    }

  if (record == NULL)
    record = _concord_mock_described_new_record (self);
  _concord_mock_described_apply_record (self, record, body, creating, !creating && self->quirks->update_replaces);
  _concord_mock_described_save (self);
  respond_record (self, request, creating ? self->api->create_status : SOUP_STATUS_OK,
                  creating ? self->api->create_answer : self->api->update_answer, record);
}

static void
list_fields (ConcordMockDescribed *self,
             ConcordMockRequest   *request)
{
  JsonNode *array = json_node_new (JSON_NODE_ARRAY);

  json_node_set_array (array, self->fields);
  if (self->api->fields_selector != NULL)
    {
      JsonObject *wrapper = json_object_new ();

      concord_mock_described_set_path (wrapper, self->api->fields_selector, array);
      _concord_mock_described_respond_json (request, SOUP_STATUS_OK, _concord_mock_described_object_node (wrapper));
    }
  else
    _concord_mock_described_respond_json (request, SOUP_STATUS_OK, array);
}

void
_concord_mock_described_on_request_cb (ConcordMockRequest *request,
                                       gpointer            user_data)
{
  ConcordMockDescribed *self = user_data;
  ConcordMockDescribedApi *api = self->api;
  const char *method = concord_mock_request_get_method (request);
  const char *full_path = concord_mock_request_get_path (request);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  const char *path;
  gint64 id;

  if (!take_window (self, request))
    return;

  if (!g_str_has_prefix (full_path, api->base_path) ||
      (full_path[strlen (api->base_path)] != '/' && full_path[strlen (api->base_path)] != '\0'))
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_NOT_FOUND, "Not found");
      return;
    }
  path = full_path + strlen (api->base_path);

  if (!check_auth (self, request))
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_UNAUTHORIZED, api->auth_message);
      return;
    }
  if (self->quirks->check_request != NULL && !self->quirks->check_request (self, request))
    return;

  if (api->verify_path != NULL && g_str_equal (method, api->verify_method) &&
      g_str_equal (path, api->verify_path))
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (!json_parser_load_from_data (parser, api->verify_answer, -1, NULL))
        g_assert_not_reached ();
      _concord_mock_described_respond_json (request, SOUP_STATUS_OK, json_node_copy (json_parser_get_root (parser)));
    }
  else if (api->fields_path != NULL && g_str_equal (method, "GET") &&
           g_str_equal (path, api->fields_path))
    list_fields (self, request);
  else if (g_str_equal (method, api->list_method) && g_str_equal (path, api->list_path))
    _concord_mock_described_list_records (self, request, FALSE);
  else if (self->quirks->plain_list_path != NULL && g_str_equal (method, "GET") &&
           g_str_equal (path, self->quirks->plain_list_path))
    _concord_mock_described_list_records (self, request, TRUE);
  else if (g_str_equal (method, api->create_method) && g_str_equal (path, api->create_path))
    write_record (self, request, TRUE, 0);
  else if (g_str_equal (method, api->update_method) && strstr (api->update_path, "{id}") == NULL &&
           g_str_equal (path, api->update_path))
    write_record (self, request, FALSE, 0);
  else if (g_str_equal (method, api->update_method) &&
           (id = match_template (api->update_path, path)) != 0)
    write_record (self, request, FALSE, id);
  else if ((g_str_equal (method, "GET") || g_str_equal (method, "DELETE")) &&
           (id = match_template (api->fetch_path, path)) != 0)
    {
      JsonObject *record = lookup (self, id);

      if (record == NULL)
        concord_mock_request_respond_error (request, SOUP_STATUS_NOT_FOUND, "Not found");
      else if (g_str_equal (method, "GET"))
        respond_record (self, request, SOUP_STATUS_OK, self->api->fetch_answer, record);
      else
        {
          g_hash_table_remove (self->by_id, GINT_TO_POINTER (id));
          g_ptr_array_remove (self->records, record);
          _concord_mock_described_save (self);
          concord_mock_request_respond (request, SOUP_STATUS_OK, "application/json",
                                        g_strdup ("{}"));
        }
    }
  else
    concord_mock_request_respond_error (request, SOUP_STATUS_NOT_FOUND, "Not found");
}

/* What the description cannot say about the server, from the quirks. */
void
_concord_mock_described_apply_quirks (ConcordMockDescribedApi          *api,
                                      const ConcordMockDescribedQuirks *quirks)
{
#define TAKE_STRING(member, value) \
  if ((value) != NULL) { g_free (api->member); api->member = g_strdup (value); }

  TAKE_STRING (auth_message, quirks->auth_message);
  TAKE_STRING (sort_param, quirks->sort_param);
  TAKE_STRING (sort_value, quirks->sort_value);
  TAKE_STRING (total_header, quirks->total_header);
  TAKE_STRING (limit_header, quirks->limit_header);
  TAKE_STRING (verify_answer, quirks->verify_answer);
  if (api->paging == CONCORD_MOCK_DESCRIBED_PAGING_LINK)
    TAKE_STRING (page_param, quirks->link_page_param);
#undef TAKE_STRING
  if (quirks->max_page_size > 0)
    api->max_page_size = quirks->max_page_size;
  if (quirks->default_page_size > 0)
    api->default_page_size = MIN (quirks->default_page_size, api->max_page_size);
  if (quirks->create_status > 0)
    api->create_status = quirks->create_status;
  api->reset_is_epoch = quirks->reset_is_epoch;
  api->retry_after = quirks->retry_after;
  if (quirks->spaced_times)
    api->modified_format = CONCORD_MOCK_DESCRIBED_TIME_SPACED;
}
