/* concord-json-connector-list.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The described connector's listing (the request of each page, the page's
 * records and cursor), fetch by id and the account check.
 */

#define G_LOG_DOMAIN "concord-json-connector"

#include "config.h"

#include "concord-error.h"

#include "concord-json-connector-private.h"

/* ------------------------------------------------------------------------- */
/* List                                                                      */
/* ------------------------------------------------------------------------- */

ConcordHttpRequest *
_concord_json_connector_build_list_request (ConcordRestConnector *connector,
                                            const char           *contact_type,
                                            const char           *page_token,
                                            GError              **error)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  const ConcordDescContactType *type = _concord_json_connector_find_type (self, contact_type);
  const char *cursor = concord_rest_connector_get_listing_cursor (connector);
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_json_connector_param_free);
  guint size = _concord_json_connector_page_size_of (self, type);
  ConcordHttpRequest *request;

  if (page_token == NULL)
    self->max_modified = -1;

  switch (type->paging)
    {
    case CONCORD_DESC_PAGING_OFFSET:
      _concord_json_connector_add_param_int (params, type->page_param, concord_rest_page_token_number (page_token));
      break;
    case CONCORD_DESC_PAGING_PAGE_NUMBER:
      /* Tokens count pages from 1; the app's first may be 0. */
      _concord_json_connector_add_param_int (params, type->page_param,
                                             (gint64) MAX (concord_rest_page_token_number (page_token), 1) - 1 +
                                             type->first_page);
      break;
    case CONCORD_DESC_PAGING_CURSOR:
      if (page_token != NULL)
        _concord_json_connector_add_param_text (params, type->page_param, page_token);
      break;
    case CONCORD_DESC_PAGING_LINK:
      if (page_token != NULL)
        {
          /* The app's own next-page address, under the base URL
           * (concord_rest_page_next_link() checked it). */
          g_autofree char *label = g_strdup_printf ("%s %s (next page)", type->list->method,
                                                    type->list->path);
          request = concord_http_request_new (type->list->method, page_token, label);
          concord_http_request_set_flags (request, CONCORD_HTTP_IDEMPOTENT);

          for (guint i = 0; i < self->description->header_names->len; i++)
            {
              g_autofree char *value = concord_description_fill (self->description,
                                                                 g_ptr_array_index (self->description->header_values, i),
                                                                 self->values, NULL,
                                                                 contact_type, NULL, FALSE,
                                                                 error);

              if (value == NULL)
                {
                  concord_http_request_free (request);
                  return NULL;
                }
              concord_http_request_add_header (request,
                                               g_ptr_array_index (self->description->header_names, i),
                                               value);
            }
          return request;
        }
      break;
    default:
      g_assert_not_reached ();
    }
  if (type->size_param != NULL)
    _concord_json_connector_add_param_int (params, type->size_param, size);

  if (cursor != NULL && type->incremental == CONCORD_DESC_INCREMENTAL_MODIFIED_SINCE)
    {
      guint64 since = 0;

      if (!g_ascii_string_to_unsigned (cursor, 10, 0, G_MAXINT64 / 2, &since, NULL))
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                       "%s: the listing's cursor \"%s\" is not a time", self->description->name,
                       cursor);
          return NULL;
        }
      since = since > type->overlap ? since - type->overlap : 0;
      if (type->since_format == CONCORD_DESC_TIME_ISO8601)
        {
          g_autofree char *text = concord_desc_format_time ((gint64) since, type->since_format);

          _concord_json_connector_add_param_text (params, type->since_param, text);
        }
      else
        _concord_json_connector_add_param_int (params, type->since_param,
                                               type->since_format == CONCORD_DESC_TIME_UNIX_MS ? (gint64) since * 1000
                                                                                               : (gint64) since);
    }
  else if (cursor != NULL && type->incremental == CONCORD_DESC_INCREMENTAL_SYNC_TOKEN)
    _concord_json_connector_add_param_text (params, type->since_param, cursor);

  request = _concord_json_connector_make_request (self, type->list, contact_type, NULL, params, type->params_in_body,
                                                  NULL, error);
  /* A listing only reads, even as a POST (Copper's search): it may be
   * repeated after a 5xx or a reset. */
  if (request != NULL)
    concord_http_request_set_flags (request, CONCORD_HTTP_IDEMPOTENT);
  return request;
}

/* The page's next page token, as the contact type pages: @n records were
 * read of a page of @size. */
static gboolean
next_page (ConcordRestConnector          *connector,
           const ConcordDescContactType  *type,
           const char                    *page_token,
           JsonNode                      *root,
           SoupMessageHeaders            *headers,
           guint                          n,
           guint                          size,
           ConcordPage                   *page,
           GError                       **error)
{
  gboolean ok;

  switch (type->paging)
    {
    case CONCORD_DESC_PAGING_OFFSET:
      if (type->short_page_ends && n < size)
        ok = concord_rest_page_next_token (connector, page, NULL, NULL, error);
      else
        ok = concord_rest_page_next_offset (connector, page, page_token, n, error);
      break;
    case CONCORD_DESC_PAGING_PAGE_NUMBER:
      if (type->short_page_ends && n < size)
        ok = concord_rest_page_next_token (connector, page, NULL, NULL, error);
      else
        ok = concord_rest_page_next_number (connector, page, page_token, n, error);
      break;
    case CONCORD_DESC_PAGING_CURSOR:
      {
        g_autofree char *next = concord_desc_path_get_text (type->next, root, 4096, NULL);

        ok = concord_rest_page_next_token (connector, page, next, NULL, error);
      }
      break;
    case CONCORD_DESC_PAGING_LINK:
      ok = concord_rest_page_next_link (connector, page, headers, error);
      break;
    default:
      g_assert_not_reached ();
    }
  return ok;
}

/* The last page of a listing: the cursor of the next one, and whether
 * this one was complete. */
static void
end_listing (ConcordJsonConnector         *self,
             const ConcordDescContactType *type,
             const char                   *cursor,
             JsonNode                     *root,
             ConcordPage                  *page)
{
  g_clear_pointer (&page->cursor, g_free);
  if (type->incremental == CONCORD_DESC_INCREMENTAL_MODIFIED_SINCE)
    {
      guint64 before = 0;

      if (cursor != NULL)
        g_ascii_string_to_unsigned (cursor, 10, 0, G_MAXINT64 / 2, &before, NULL);
      if (self->max_modified > 0 || before > 0)
        page->cursor = g_strdup_printf ("%" G_GINT64_FORMAT,
                                        MAX (self->max_modified, (gint64) before));
    }
  else if (type->incremental == CONCORD_DESC_INCREMENTAL_SYNC_TOKEN)
    page->cursor = concord_desc_path_get_text (type->sync_token, root, 4096, NULL);
  /* Only a full listing tells what was deleted. */
  page->complete = cursor == NULL;
}

gboolean
_concord_json_connector_parse_page (ConcordRestConnector *connector,
                                    const char           *contact_type,
                                    const char           *page_token,
                                    JsonNode             *root,
                                    SoupMessageHeaders   *headers,
                                    ConcordPage          *page,
                                    GError              **error)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  const ConcordDescContactType *type = _concord_json_connector_find_type (self, contact_type);
  const char *cursor = concord_rest_connector_get_listing_cursor (connector);
  JsonNode *answer = concord_desc_path_get (type->list->answer, root);
  JsonNode *records = concord_desc_path_get (type->list_records, answer);
  guint size = _concord_json_connector_page_size_of (self, type);
  JsonArray *array;
  guint n;

  if (records == NULL || !JSON_NODE_HOLDS_ARRAY (records))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s %s failed: the answer holds no list of records%s%s%s",
                   type->list->method, type->list->path,
                   *type->list_records->text != '\0' ? " at \"" : "",
                   type->list_records->text, *type->list_records->text != '\0' ? "\"" : "");
      return FALSE;
    }
  array = json_node_get_array (records);
  n = json_array_get_length (array);
  if (type->size_param != NULL && n > size)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                   "%s %s failed: %s sent %u records for a page of %u; the listing stops",
                   type->list->method, type->list->path, self->description->name, n, size);
      return FALSE;
    }

  for (guint i = 0; i < n; i++)
    {
      GError *record_error = NULL;
      ConcordRecord *record = _concord_json_connector_parse_record (self, contact_type, type,
                                                                    json_array_get_element (array, i), &record_error);

      if (record_error != NULL)
        {
          g_propagate_prefixed_error (error, record_error, "%s %s failed: ", type->list->method,
                                      type->list->path);
          return FALSE;
        }
      if (record == NULL)
        continue;
      self->max_modified = MAX (self->max_modified, concord_record_get_modified (record));
      g_ptr_array_add (page->records, record);
    }

  if (!next_page (connector, type, page_token, root, headers, n, size, page, error))
    return FALSE;

  if (page->next_page == NULL)
    end_listing (self, type, cursor, root, page);
  return TRUE;
}

ConcordRecord *
_concord_json_connector_record_from_json (ConcordRestConnector *connector,
                                          const char           *contact_type,
                                          JsonNode             *node)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  const ConcordDescContactType *type = _concord_json_connector_find_type (self, contact_type);
  const ConcordDescRequest *requests[] = { type->fetch, type->update, type->create };

  /* The echo of a fetch, an update or a create: at that request's answer. */
  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      JsonNode *record_node = concord_desc_path_get (requests[i]->answer, node);
      ConcordRecord *record;

      if (record_node == NULL || !JSON_NODE_HOLDS_OBJECT (record_node))
        continue;
      record = _concord_json_connector_parse_record (self, contact_type, type, record_node, NULL);
      if (record != NULL)
        return record;
    }
  return NULL;
}

/* ------------------------------------------------------------------------- */
/* Fetch, verify                                                             */
/* ------------------------------------------------------------------------- */

ConcordHttpRequest *
_concord_json_connector_build_fetch_request (ConcordRestConnector *connector,
                                             const char           *contact_type,
                                             const char           *remote_id)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  const ConcordDescContactType *type = _concord_json_connector_find_type (self, contact_type);
  g_autoptr(GError) error = NULL;
  ConcordHttpRequest *request = _concord_json_connector_make_request (self, type->fetch, contact_type, remote_id, NULL,
                                                                      FALSE, NULL, &error);

  if (request == NULL)
    g_warning ("%s: %s", self->description->id, error->message);
  return request;
}

ConcordHttpRequest *
_concord_json_connector_build_verify_request (ConcordRestConnector *connector)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  g_autoptr(GError) error = NULL;
  ConcordHttpRequest *request = _concord_json_connector_make_request (self, self->description->verify, NULL, NULL, NULL,
                                                                      FALSE, NULL, &error);

  if (request == NULL)
    g_warning ("%s: %s", self->description->id, error->message);
  else
    concord_http_request_set_flags (request, CONCORD_HTTP_IDEMPOTENT);
  return request;
}

gboolean
_concord_json_connector_check_verify_answer (ConcordRestConnector *connector,
                                             JsonNode             *root,
                                             GError              **error)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  const ConcordDescription *description = self->description;
  JsonNode *answer = root != NULL ? concord_desc_path_get (description->verify->answer, root)
                                  : NULL;

  if (description->verify_expect == NULL ||
      (answer != NULL && concord_desc_path_get (description->verify_expect, answer) != NULL))
    return TRUE;

  g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
               "%s %s: the server answered, but not as %s does; check the server address",
               description->verify->method, description->verify->path, description->name);
  return FALSE;
}
