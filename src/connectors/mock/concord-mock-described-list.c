/* concord-mock-described-list.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The described mock's listing (see concord-mock-described.c): its
 * parameters from the query or a POSTed body, cursors, filters on the
 * modification time, and pages in the description's envelope.
 */

#define G_LOG_DOMAIN "concord-mock-described"

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "concord-mock-described.h"
#include "concord-mock-described-api.h"
#include "concord-mock-described-private.h"

/* ------------------------------------------------------------------------- */
/* Routes                                                                    */
/* ------------------------------------------------------------------------- */

/* A parameter of the listing, from the query or from a POSTed body. */
static JsonNode *
list_param (ConcordMockDescribed *self,
            ConcordMockRequest   *request,
            JsonObject           *body,
            const char           *name)
{
  const char *text;

  if (name == NULL)
    return NULL;
  if (body != NULL)
    {
      JsonNode *node = json_object_get_member (body, name);

      return node != NULL ? json_node_copy (node) : NULL;
    }
  text = concord_mock_request_get_query_param (request, name);
  return text != NULL ? json_node_init_string (json_node_alloc (), text) : NULL;
}

static gboolean
param_number (JsonNode *node,
              gint64    min,
              gint64    max,
              gint64   *number)
{
  if (node == NULL)
    return FALSE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    *number = json_node_get_int (node);
  else if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
           !g_ascii_string_to_signed (json_node_get_string (node), 10, min, max, number, NULL))
    return FALSE;
  return *number >= min && *number <= max;
}

static int
compare_modified (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  ConcordMockDescribed *self = user_data;
  JsonObject *ra = *(JsonObject * const *) a;
  JsonObject *rb = *(JsonObject * const *) b;
  gint64 ta = 0, tb = 0;

  _concord_mock_described_parse_time (concord_mock_described_get_path (ra, self->api->modified_path), &ta);
  _concord_mock_described_parse_time (concord_mock_described_get_path (rb, self->api->modified_path), &tb);
  if (ta != tb)
    return ta < tb ? -1 : 1;
  return _concord_mock_described_record_id (self, ra) < _concord_mock_described_record_id (self, rb) ? -1 : 1;
}

/* A cursor: the offset of the next record, opaque to clients. */
static JsonNode *
make_cursor (gint64 offset)
{
  g_autofree char *text = g_strdup_printf ("offset:%" G_GINT64_FORMAT, offset);
  g_autofree char *encoded = g_base64_encode ((const guchar *) text, strlen (text));

  return json_node_init_string (json_node_alloc (), encoded);
}

static gboolean
read_cursor (JsonNode *node,
             gint64   *offset)
{
  g_autofree guchar *decoded = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  guint64 number;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  decoded = g_base64_decode (json_node_get_string (node), &length);
  text = g_strndup ((const char *) decoded, length);
  if (!g_str_has_prefix (text, "offset:") ||
      !g_ascii_string_to_unsigned (text + strlen ("offset:"), 10, 0, G_MAXINT32, &number, NULL))
    return FALSE;
  *offset = (gint64) number;
  return TRUE;
}

/* The JSON object of a POSTed listing, into @body_node; FALSE (answered)
 * when it is not one, or its quirks refuse it. */
static gboolean
read_list_body (ConcordMockDescribed  *self,
                ConcordMockRequest    *request,
                JsonNode             **body_node)
{
  g_autofree char *problem = NULL;

  *body_node = _concord_mock_described_request_json (request);
  if (*body_node == NULL || !JSON_NODE_HOLDS_OBJECT (*body_node))
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                          "The body must be a JSON object");
      return FALSE;
    }
  if (self->quirks->check_list_body != NULL &&
      (problem = self->quirks->check_list_body (json_node_get_object (*body_node))) != NULL)
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, problem);
      return FALSE;
    }
  return TRUE;
}

/* The contacts a listing gives, modified at @since or later when
 * @filtered, by id or (when asked) by modification time. */
static GPtrArray *
select_records (ConcordMockDescribed *self,
                ConcordMockRequest   *request,
                JsonObject           *body,
                gint64                since,
                gboolean              filtered)
{
  ConcordMockDescribedApi *api = self->api;
  GPtrArray *selected = g_ptr_array_new ();

  for (guint i = 0; i < self->records->len; i++)
    {
      JsonObject *record = g_ptr_array_index (self->records, i);
      gint64 modified = 0;

      if (!_concord_mock_described_is_contact (self, record))
        continue;
      if (filtered &&
          (!_concord_mock_described_parse_time (concord_mock_described_get_path (record, api->modified_path),
                                                &modified) ||
           modified < since))
        continue;
      g_ptr_array_add (selected, record);
    }
  /* By modification time when asked (Copper's sort_by), else by id. */
  if (api->sort_param != NULL)
    {
      g_autoptr(JsonNode) sort = list_param (self, request, body, api->sort_param);

      if (sort != NULL && JSON_NODE_HOLDS_VALUE (sort) &&
          json_node_get_value_type (sort) == G_TYPE_STRING &&
          g_strcmp0 (json_node_get_string (sort), api->sort_value) == 0)
        g_ptr_array_sort_with_data (selected, compare_modified, self);
    }

  return selected;
}

/* The Link header of the next page: the request's own query, the page
 * moved on (and the size said): what the client asked (embed, since, …)
 * holds on every page. */
static void
set_next_link (ConcordMockDescribed *self,
               ConcordMockRequest   *request,
               gint64                position,
               gint64                size)
{
  ConcordMockDescribedApi *api = self->api;
  GPtrArray *params = concord_mock_request_get_query_params (request);
  g_autoptr(GString) next = g_string_new (self->base_url);
  g_autofree char *link = NULL;

  g_string_append_printf (next, "%s?%s=%" G_GINT64_FORMAT, api->list_path, api->page_param,
                          position + 1);
  if (api->size_param != NULL)
    g_string_append_printf (next, "&%s=%" G_GINT64_FORMAT, api->size_param, size);
  for (guint i = 0; i + 1 < params->len; i += 2)
    {
      const char *name = g_ptr_array_index (params, i);
      g_autofree char *escaped_name = NULL;
      g_autofree char *escaped_value = NULL;

      if (g_str_equal (name, api->page_param) || g_strcmp0 (name, api->size_param) == 0)
        continue;
      escaped_name = g_uri_escape_string (name, NULL, FALSE);
      escaped_value = g_uri_escape_string (g_ptr_array_index (params, i + 1), NULL, FALSE);
      g_string_append_printf (next, "&%s=%s", escaped_name, escaped_value);
    }
  link = g_strdup_printf ("<%s>; rel=\"next\"", next->str);
  concord_mock_request_set_response_header (request, "Link", link);
}

/* Answers with @page (taken), in the description's envelope when it has
 * one, with the next page's cursor when there is one. */
static void
respond_page (ConcordMockDescribed *self,
              ConcordMockRequest   *request,
              JsonArray            *page,
              gint64                start,
              gint64                size,
              guint                 n_selected)
{
  ConcordMockDescribedApi *api = self->api;

  if (api->records_path != NULL)
    {
      JsonObject *wrapper = json_object_new ();
      JsonNode *array = json_node_new (JSON_NODE_ARRAY);

      json_node_take_array (array, page);
      concord_mock_described_set_path (wrapper, api->records_path, array);
      if (api->paging == CONCORD_MOCK_DESCRIBED_PAGING_CURSOR && api->next_path != NULL &&
          start + size < (gint64) n_selected)
        concord_mock_described_set_path (wrapper, api->next_path, make_cursor (start + size));
      _concord_mock_described_respond_json (request, SOUP_STATUS_OK, _concord_mock_described_object_node (wrapper));
    }
  else
    {
      JsonNode *array = json_node_new (JSON_NODE_ARRAY);

      json_node_take_array (array, page);
      _concord_mock_described_respond_json (request, SOUP_STATUS_OK, array);
    }
}

/* @plain: the app's other listing, which takes no incremental filter
 * (Insightly's GET /Contacts beside /Contacts/Search): the parameter is
 * ignored there, as the app ignores it. */
void
_concord_mock_described_list_records (ConcordMockDescribed *self,
                                      ConcordMockRequest   *request,
                                      gboolean              plain)
{
  ConcordMockDescribedApi *api = self->api;
  g_autoptr(JsonNode) body_node = NULL;
  g_autoptr(JsonNode) size_node = NULL;
  g_autoptr(JsonNode) page_node = NULL;
  g_autoptr(JsonNode) since_node = NULL;
  g_autoptr(GPtrArray) selected = NULL;
  JsonObject *body = NULL;
  JsonArray *page;
  gint64 size = api->default_page_size;
  gboolean by_page = api->paging == CONCORD_MOCK_DESCRIBED_PAGING_PAGE ||
                     api->paging == CONCORD_MOCK_DESCRIBED_PAGING_LINK;
  gint64 position = by_page ? 1 : 0;
  gint64 since = 0;
  gint64 start;
  gboolean filtered = FALSE;

  if (g_str_equal (concord_mock_request_get_method (request), "POST"))
    {
      if (!read_list_body (self, request, &body_node))
        return;
      body = json_node_get_object (body_node);
    }

  size_node = list_param (self, request, body, api->size_param);
  if (size_node != NULL && !param_number (size_node, 1, api->max_page_size, &size))
    {
      g_autofree char *message = g_strdup_printf ("%s must be between 1 and %u", api->size_param,
                                                  api->max_page_size);

      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, message);
      return;
    }
  page_node = list_param (self, request, body, api->page_param);
  if (api->paging == CONCORD_MOCK_DESCRIBED_PAGING_CURSOR)
    {
      /* An opaque cursor: the offset of the next record, encoded. */
      if (page_node != NULL && !read_cursor (page_node, &position))
        {
          concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, "Invalid cursor");
          return;
        }
    }
  else if (page_node != NULL &&
           !param_number (page_node, by_page ? 1 : 0, G_MAXINT32, &position))
    {
      g_autofree char *message = g_strdup_printf ("Invalid %s", api->page_param);

      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, message);
      return;
    }
  if (body == NULL && self->quirks->check_list_query != NULL && !plain)
    {
      g_autofree char *problem = self->quirks->check_list_query (request);

      if (problem != NULL)
        {
          concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, problem);
          return;
        }
    }
  since_node = plain ? NULL : list_param (self, request, body, api->since_param);
  if (since_node != NULL)
    {
      if (!_concord_mock_described_parse_time (since_node, &since))
        {
          g_autofree char *message = g_strdup_printf ("Invalid %s", api->since_param);

          concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, message);
          return;
        }
      filtered = TRUE;
    }

  selected = select_records (self, request, body, since, filtered);

  start = by_page ? (position - 1) * size : position;
  page = json_array_new ();
  for (gint64 i = start; i >= 0 && i < (gint64) selected->len && i < start + size; i++)
    json_array_add_object_element (page,
                                   _concord_mock_described_present (self, request, g_ptr_array_index (selected, i)));

  if (api->total_header != NULL)
    _concord_mock_described_set_rate_header (request, api->total_header, selected->len);
  if (api->paging == CONCORD_MOCK_DESCRIBED_PAGING_LINK && start + size < (gint64) selected->len)
    set_next_link (self, request, position, size);

  respond_page (self, request, page, start, size, selected->len);
}
