/* concord-mock-mailchimp-requests.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The simulated Mailchimp's answers, reads and routing (see
 * concord-mock-mailchimp.c): its problem bodies, pages of audiences, merge
 * fields and members, the check of the key, and the request callback that
 * routes every request.
 */

#define G_LOG_DOMAIN "concord-mock-mailchimp"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include "concord-mock-mailchimp.h"
#include "concord-mock-mailchimp-private.h"

/* ------------------------------------------------------------------------- */
/* Answers                                                                   */
/* ------------------------------------------------------------------------- */

static const char *
title_of (guint status)
{
  switch (status)
    {
    case 400: return "Invalid Resource";
    case 401: return "API Key Invalid";
    case 403: return "Forbidden";
    case 404: return "Resource Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Request Too Large";
    case 429: return "Too Many Requests";
    default:  return "Internal Server Error";
    }
}

static char *
problem_body (guint       status,
              const char *title,
              const char *detail,
              const char *field)
{
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *instance = g_uuid_string_random ();

  json_object_set_string_member (root, "type", ERRORS_DOC);
  json_object_set_string_member (root, "title", title);
  json_object_set_int_member (root, "status", status);
  json_object_set_string_member (root, "detail", detail);
  json_object_set_string_member (root, "instance", instance);
  if (field != NULL)
    {
      JsonArray *errors = json_array_new ();
      JsonObject *error = json_object_new ();

      json_object_set_string_member (error, "field", field);
      json_object_set_string_member (error, "message", detail);
      json_array_add_object_element (errors, error);
      json_object_set_array_member (root, "errors", errors);
    }
  json_node_set_object (node, root);
  return json_to_string (node, FALSE);
}

char *
_concord_mock_mailchimp_build_error_body (guint       status,
                                          const char *message,
                                          gpointer    user_data)
{
  return problem_body (status, title_of (status), message, NULL);
}

void
_concord_mock_mailchimp_respond_problem (ConcordMockRequest *request,
                                         guint               status,
                                         const char         *title,
                                         const char         *detail,
                                         const char         *field)
{
  concord_mock_request_respond (request, status, "application/problem+json",
                                problem_body (status, title, detail, field));
}

void
_concord_mock_mailchimp_respond_object (ConcordMockRequest *request,
                                        guint               status,
                                        JsonObject         *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  concord_mock_request_respond (request, status, "application/json", json_to_string (node, FALSE));
}

JsonObject *
_concord_mock_mailchimp_request_body (ConcordMockRequest *request)
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

/* count: 1 … 1000, default 10; 0 when invalid. */
static guint
read_count (ConcordMockRequest *request)
{
  const char *text = concord_mock_request_get_query_param (request, "count");
  guint64 count;

  if (text == NULL)
    return DEFAULT_COUNT;
  if (!g_ascii_string_to_unsigned (text, 10, 1, MAX_COUNT, &count, NULL))
    return 0;
  return (guint) count;
}

static gboolean
read_offset (ConcordMockRequest *request,
             guint              *offset)
{
  const char *text = concord_mock_request_get_query_param (request, "offset");
  guint64 value = 0;

  if (text != NULL && !g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT, &value, NULL))
    return FALSE;
  *offset = (guint) value;
  return TRUE;
}

/* Members of a page of @all from the request's offset and count. */
static void
respond_page (ConcordMockRequest *request,
              GPtrArray          *all,
              const char         *member,
              JsonObject         *(*make) (gpointer item, gpointer data),
              gpointer            data,
              JsonObject         *extra)
{
  guint count = read_count (request);
  guint offset = 0;
  JsonArray *items;
  JsonObject *root = extra != NULL ? extra : json_object_new ();

  if (count == 0)
    {
      json_object_unref (root);
      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                          "count must be between 1 and 1000");
      return;
    }
  if (!read_offset (request, &offset))
    {
      json_object_unref (root);
      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                          "offset must be a whole number");
      return;
    }

  items = json_array_new ();
  for (guint i = offset; i < all->len && i < (guint64) offset + count; i++)
    json_array_add_object_element (items, make (g_ptr_array_index (all, i), data));
  json_object_set_array_member (root, member, items);
  json_object_set_int_member (root, "total_items", all->len);
  _concord_mock_mailchimp_respond_object (request, SOUP_STATUS_OK, root);
}

static JsonObject *
make_member (gpointer item,
             gpointer data)
{
  return json_object_ref (item);
}

static JsonObject *
make_list (gpointer item,
           gpointer data)
{
  ConcordMockMailchimpList *list = item;
  JsonObject *object = json_object_new ();
  JsonObject *stats = json_object_new ();

  json_object_set_string_member (object, "id", list->id);
  json_object_set_string_member (object, "name", list->name);
  json_object_set_int_member (stats, "member_count", list->members->len);
  json_object_set_object_member (object, "stats", stats);
  return object;
}

JsonObject *
_concord_mock_mailchimp_make_field (gpointer item,
                                    gpointer data)
{
  ConcordMockMailchimpMergeField *field = item;
  JsonObject *object = json_object_new ();
  JsonObject *options = json_object_new ();

  json_object_set_int_member (object, "merge_id", field->merge_id);
  json_object_set_string_member (object, "tag", field->tag);
  json_object_set_string_member (object, "name", field->name);
  json_object_set_string_member (object, "type", field->type);
  json_object_set_boolean_member (object, "required", field->required);
  json_object_set_string_member (object, "default_value", "");
  json_object_set_boolean_member (object, "public", TRUE);
  if (field->choices != NULL)
    {
      JsonArray *choices = json_array_new ();

      for (guint i = 0; field->choices[i] != NULL; i++)
        json_array_add_string_element (choices, field->choices[i]);
      json_object_set_array_member (options, "choices", choices);
    }
  json_object_set_object_member (object, "options", options);
  json_object_set_string_member (object, "list_id", data);
  return object;
}

static int
compare_changed (gconstpointer a,
                 gconstpointer b)
{
  const char *ta = json_object_get_string_member (*(JsonObject * const *) a, "last_changed");
  const char *tb = json_object_get_string_member (*(JsonObject * const *) b, "last_changed");

  return g_strcmp0 (ta, tb);
}

static void
list_members (ConcordMockMailchimp     *self,
              ConcordMockRequest       *request,
              ConcordMockMailchimpList *list)
{
  const char *status = concord_mock_request_get_query_param (request, "status");
  const char *since_text = concord_mock_request_get_query_param (request, "since_last_changed");
  const char *sort_field = concord_mock_request_get_query_param (request, "sort_field");
  const char *sort_dir = concord_mock_request_get_query_param (request, "sort_dir");
  g_autoptr(GPtrArray) chosen = g_ptr_array_new ();
  JsonObject *extra = json_object_new ();
  gint64 since = -1;

  if (since_text != NULL && (since = _concord_mock_mailchimp_parse_time (since_text)) < 0)
    {
      json_object_unref (extra);
      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                          "since_last_changed must be an ISO 8601 time");
      return;
    }

  for (guint i = 0; i < list->members->len; i++)
    {
      JsonObject *member = g_ptr_array_index (list->members, i);
      const char *member_status = json_object_get_string_member (member, "status");

      if (status != NULL ? g_strcmp0 (status, member_status) != 0
                         : g_strcmp0 (member_status, "archived") == 0)
        continue;
      if (since >= 0 && _concord_mock_mailchimp_parse_time (json_object_get_string_member (member, "last_changed")) <= since)
        continue;
      g_ptr_array_add (chosen, member);
    }
  if (g_strcmp0 (sort_field, "last_changed") == 0)
    {
      g_ptr_array_sort (chosen, compare_changed);
      if (g_ascii_strcasecmp (sort_dir != NULL ? sort_dir : "ASC", "DESC") == 0)
        for (guint i = 0; i < chosen->len / 2; i++)
          {
            gpointer swap = chosen->pdata[i];

            chosen->pdata[i] = chosen->pdata[chosen->len - 1 - i];
            chosen->pdata[chosen->len - 1 - i] = swap;
          }
    }

  json_object_set_string_member (extra, "list_id", list->id);
  respond_page (request, chosen, "members", make_member, NULL, extra);
}

/* Whether the key of the request is the account's: Basic with any user,
 * or Bearer; and, on a data centre's host, of that data centre. */
static gboolean
check_key (ConcordMockMailchimp *self,
           ConcordMockRequest   *request,
           const char          **detail)
{
  const char *auth = concord_mock_request_get_header (request, "Authorization");
  const char *host = concord_mock_request_get_header (request, "Host");
  g_autofree char *given = NULL;
  const char *dash;

  *detail = "Your API key may be invalid, or you've attempted to access the wrong datacenter.";
  if (auth == NULL)
    {
      *detail = "You must specify an API key.";
      return FALSE;
    }
  if (g_ascii_strncasecmp (auth, "Basic ", 6) == 0)
    {
      gsize length = 0;
      g_autofree guchar *decoded = g_base64_decode (auth + 6, &length);
      g_autofree char *pair = g_strndup ((const char *) decoded, length);
      const char *colon = strchr (pair, ':');

      if (colon != NULL)
        given = g_strdup (colon + 1);
    }
  else if (g_ascii_strncasecmp (auth, "Bearer ", 7) == 0)
    given = g_strdup (auth + 7);

  if (given == NULL || g_strcmp0 (given, self->api_key) != 0)
    return FALSE;

  /* On a data centre's host, the key must be of it. */
  dash = strrchr (given, '-');
  if (host != NULL && strstr (host, ".api.mailchimp.com") != NULL)
    {
      g_autofree char *dc = g_strndup (host, strstr (host, ".api.mailchimp.com") - host);

      if (dash == NULL || g_strcmp0 (dash + 1, dc) != 0)
        return FALSE;
    }
  return TRUE;
}

/* /lists/{id}/members/{hash}[/tags]; TRUE when it wrote. */
static gboolean
serve_member (ConcordMockMailchimp      *self,
              ConcordMockRequest        *request,
              ConcordMockMailchimpList  *list,
              char                     **parts,
              guint                      n_parts,
              const char                *method)
{
  gboolean wrote = FALSE;
  g_autofree char *hash = g_ascii_strdown (parts[3], -1);
  JsonObject *member = g_hash_table_lookup (list->by_hash, hash);

  if (n_parts == 5 && g_str_equal (parts[4], "tags") && g_str_equal (method, "POST"))
    {
      if (member == NULL)
        _concord_mock_mailchimp_respond_problem (request, 404, "Resource Not Found",
                                                 "The requested resource could not be found.", NULL);
      else
        {
          _concord_mock_mailchimp_write_tags (self, request, member);
          wrote = TRUE;
        }
    }
  else if (n_parts == 5)
    _concord_mock_mailchimp_respond_problem (request, 404, "Resource Not Found",
                                             "The requested resource could not be found.", NULL);
  else if (g_str_equal (method, "GET"))
    {
      if (member == NULL)
        _concord_mock_mailchimp_respond_problem (request, 404, "Resource Not Found",
                                                 "The requested resource could not be found.", NULL);
      else
        _concord_mock_mailchimp_respond_object (request, SOUP_STATUS_OK, json_object_ref (member));
    }
  else if (g_str_equal (method, "PUT") || g_str_equal (method, "PATCH"))
    {
      _concord_mock_mailchimp_write_member (self, request, list, hash, method);
      wrote = TRUE;
    }
  else if (g_str_equal (method, "DELETE"))
    {
      if (member == NULL)
        _concord_mock_mailchimp_respond_problem (request, 404, "Resource Not Found",
                                                 "The requested resource could not be found.", NULL);
      else
        {
          g_autofree char *now = _concord_mock_mailchimp_next_time (self);

          json_object_set_string_member (member, "status", "archived");
          json_object_set_string_member (member, "last_changed", now);
          concord_mock_request_respond (request, SOUP_STATUS_NO_CONTENT, NULL, NULL);
          wrote = TRUE;
        }
    }
  else
    _concord_mock_mailchimp_respond_problem (request, 405, "Method Not Allowed",
                                             "The requested method and resource are not compatible.", NULL);

  return wrote;
}

/* /lists/{id} and what is under it; TRUE when it wrote. */
static gboolean
serve_list (ConcordMockMailchimp      *self,
            ConcordMockRequest        *request,
            ConcordMockMailchimpList  *list,
            char                     **parts,
            guint                      n_parts,
            const char                *method)
{
  ConcordMockServer *server = concord_mock_request_get_server (request);
  gboolean wrote = FALSE;

  if (n_parts == 2)
    {
      if (g_str_equal (method, "GET"))
        _concord_mock_mailchimp_respond_object (request, SOUP_STATUS_OK, make_list (list, NULL));
      else if (g_str_equal (method, "POST"))
        {
          /* The framework's 413 counts a top-level array; the batch is an
           * object, whose members are counted here. */
          _concord_mock_mailchimp_batch_subscribe (self, request, list, concord_mock_server_get_max_items (server));
          wrote = TRUE;
        }
      else
        _concord_mock_mailchimp_respond_problem (request, 405, "Method Not Allowed",
                                                 "The requested method and resource are not compatible.", NULL);
    }
  else if (n_parts == 3 && g_str_equal (parts[2], "merge-fields") && g_str_equal (method, "GET"))
    respond_page (request, list->fields, "merge_fields", _concord_mock_mailchimp_make_field, list->id, NULL);
  else if (n_parts == 3 && g_str_equal (parts[2], "members"))
    {
      if (g_str_equal (method, "GET"))
        list_members (self, request, list);
      else if (g_str_equal (method, "POST"))
        {
          _concord_mock_mailchimp_write_member (self, request, list, NULL, "POST");
          wrote = TRUE;
        }
      else
        _concord_mock_mailchimp_respond_problem (request, 405, "Method Not Allowed",
                                                 "The requested method and resource are not compatible.", NULL);
    }
  else if ((n_parts == 4 || n_parts == 5) && g_str_equal (parts[2], "members"))
    wrote = serve_member (self, request, list, parts, n_parts, method);
  else
    _concord_mock_mailchimp_respond_problem (request, 404, "Resource Not Found",
                                             "The requested resource could not be found.", NULL);

  return wrote;
}

void
_concord_mock_mailchimp_on_request_cb (ConcordMockRequest *request,
                                       gpointer            user_data)
{
  ConcordMockMailchimp *self = user_data;
  const char *method = concord_mock_request_get_method (request);
  const char *full_path = concord_mock_request_get_path (request);
  ConcordMockServer *server = concord_mock_request_get_server (request);
  g_autoptr(GMutexLocker) locker = NULL;
  g_auto(GStrv) parts = NULL;
  const char *path;
  const char *detail;
  ConcordMockMailchimpList *list = NULL;
  guint n_parts;
  gboolean wrote;

  /* Connections, not volume: the 11th at once is refused. */
  if (concord_mock_server_get_in_flight (server) > self->max_connections)
    {
      _concord_mock_mailchimp_respond_problem (request, 429, "Too Many Requests",
                                               "You have exceeded the limit of 10 simultaneous connections.", NULL);
      return;
    }

  locker = g_mutex_locker_new (&self->mutex);
  if (!g_str_has_prefix (full_path, API_PREFIX "/") )
    {
      _concord_mock_mailchimp_respond_problem (request, 404, "Resource Not Found",
                                               "The requested resource could not be found.", NULL);
      return;
    }
  if (!check_key (self, request, &detail))
    {
      _concord_mock_mailchimp_respond_problem (request, 401, "API Key Invalid", detail, NULL);
      return;
    }

  path = full_path + strlen (API_PREFIX);
  parts = g_strsplit (path + 1, "/", 6);
  n_parts = g_strv_length (parts);

  if (g_str_equal (path, "/ping") && g_str_equal (method, "GET"))
    {
      JsonObject *ping = json_object_new ();

      json_object_set_string_member (ping, "health_status", "Everything's Chimpy!");
      _concord_mock_mailchimp_respond_object (request, SOUP_STATUS_OK, ping);
      return;
    }
  if (n_parts == 0 || !g_str_equal (parts[0], "lists"))
    {
      _concord_mock_mailchimp_respond_problem (request, 404, "Resource Not Found",
                                               "The requested resource could not be found.", NULL);
      return;
    }
  if (n_parts == 1 || (n_parts == 2 && *parts[1] == '\0'))
    {
      if (g_str_equal (method, "GET"))
        respond_page (request, self->lists, "lists", make_list, NULL, NULL);
      else
        _concord_mock_mailchimp_respond_problem (request, 405, "Method Not Allowed",
                                                 "The requested method and resource are not compatible.", NULL);
      return;
    }

  list = _concord_mock_mailchimp_find_list (self, parts[1]);
  if (list == NULL)
    {
      _concord_mock_mailchimp_respond_problem (request, 404, "Resource Not Found",
                                               "The requested resource could not be found.", NULL);
      return;
    }

  wrote = serve_list (self, request, list, parts, n_parts, method);

  if (wrote)
    _concord_mock_mailchimp_save_locked (self);
}
