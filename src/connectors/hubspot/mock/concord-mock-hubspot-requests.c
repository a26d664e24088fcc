/* concord-mock-hubspot-requests.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Reads and routing of the simulated HubSpot (see concord-mock-hubspot.c):
 * its error bodies, listing, search with its filters and sorts, the
 * properties, the rate limits, and the request callback that routes every
 * request.
 */

#define G_LOG_DOMAIN "concord-mock-hubspot"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include "concord-mock-hubspot.h"
#include "concord-mock-hubspot-private.h"

/* ------------------------------------------------------------------------- */
/* Errors                                                                    */
/* ------------------------------------------------------------------------- */

static char *
correlation_id (void)
{
  return g_uuid_string_random ();
}

/* A StandardError / error body. @context: pairs of key and value, NULL-ended. */
JsonObject *
_concord_mock_hubspot_error_object (const char         *category,
                                    const char         *message,
                                    const char * const *context)
{
  JsonObject *root = json_object_new ();
  JsonObject *ctx = json_object_new ();
  g_autofree char *correlation = correlation_id ();

  json_object_set_string_member (root, "status", "error");
  json_object_set_string_member (root, "message", message);
  json_object_set_string_member (root, "correlationId", correlation);
  json_object_set_string_member (root, "category", category);
  for (guint i = 0; context != NULL && context[i] != NULL && context[i + 1] != NULL; i += 2)
    {
      JsonArray *values = json_array_new ();

      json_array_add_string_element (values, context[i + 1]);
      json_object_set_array_member (ctx, context[i], values);
    }
  json_object_set_object_member (root, "context", ctx);
  json_object_set_array_member (root, "errors", json_array_new ());
  json_object_set_object_member (root, "links", json_object_new ());
  return root;
}

char *
_concord_mock_hubspot_object_text (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return json_to_string (node, FALSE);
}

static const char *
status_category (guint status)
{
  switch (status)
    {
    case SOUP_STATUS_UNAUTHORIZED:
      return "INVALID_AUTHENTICATION";
    case SOUP_STATUS_NOT_FOUND:
      return "OBJECT_NOT_FOUND";
    case SOUP_STATUS_CONFLICT:
      return "CONFLICT";
    case 429:
      return "RATE_LIMITS";
    case SOUP_STATUS_BAD_REQUEST:
      return "VALIDATION_ERROR";
    default:
      return "INTERNAL_ERROR";
    }
}

char *
_concord_mock_hubspot_build_error_body (guint       status,
                                        const char *message,
                                        gpointer    user_data)
{
  return _concord_mock_hubspot_object_text (_concord_mock_hubspot_error_object (status_category (status), message, NULL));
}

void
_concord_mock_hubspot_respond_error (ConcordMockRequest *request,
                                     guint               status,
                                     const char         *category,
                                     const char         *message)
{
  concord_mock_request_respond (request, status, "application/json",
                                _concord_mock_hubspot_object_text (_concord_mock_hubspot_error_object (category, message, NULL)));
}

void
_concord_mock_hubspot_respond_object (ConcordMockRequest *request,
                                      guint               status,
                                      JsonObject         *object)
{
  concord_mock_request_respond (request, status, "application/json", _concord_mock_hubspot_object_text (object));
}

/* ------------------------------------------------------------------------- */
/* Listing and search                                                        */
/* ------------------------------------------------------------------------- */

static void
list_contacts (ConcordMockHubspot *self,
               ConcordMockRequest *request)
{
  const char *limit_text = concord_mock_request_get_query_param (request, "limit");
  const char *after_text = concord_mock_request_get_query_param (request, "after");
  gboolean archived = g_strcmp0 (concord_mock_request_get_query_param (request, "archived"),
                                 "true") == 0;
  g_auto(GStrv) names = _concord_mock_hubspot_names_of_query (concord_mock_request_get_query_param (request,
                                                                                                    "properties"));
  guint64 limit = DEFAULT_LIMIT;
  guint64 after = 0;
  JsonObject *root;
  JsonArray *results;
  guint64 last = 0;
  gboolean more = FALSE;

  if (limit_text != NULL &&
      !g_ascii_string_to_unsigned (limit_text, 10, 1, MAX_LIMIT, &limit, NULL))
    {
      _concord_mock_hubspot_respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                                           "limit must be between 1 and 100");
      return;
    }
  if (after_text != NULL &&
      !g_ascii_string_to_unsigned (after_text, 10, 0, G_MAXUINT64, &after, NULL))
    {
      _concord_mock_hubspot_respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                                           "after is not a valid paging cursor");
      return;
    }

  /* after: the id from which the page starts. */
  results = json_array_new ();
  for (guint i = 0; i < self->contacts->len; i++)
    {
      ConcordMockHubspotContact *contact = g_ptr_array_index (self->contacts, i);

      if (contact->id < after || (contact->archived_ms != 0) != archived)
        continue;
      if (json_array_get_length (results) == limit)
        {
          more = TRUE;
          last = contact->id;
          break;
        }
      json_array_add_object_element (results,
                                     _concord_mock_hubspot_contact_object (self, contact, (const char * const *) names));
    }

  root = json_object_new ();
  json_object_set_array_member (root, "results", results);
  if (more)
    {
      JsonObject *paging = json_object_new ();
      JsonObject *next = json_object_new ();
      g_autofree char *cursor = g_strdup_printf ("%" G_GUINT64_FORMAT, last);
      g_autofree char *link = g_strdup_printf ("%s%s?after=%s", self->base_url, PATH_CONTACTS,
                                               cursor);

      json_object_set_string_member (next, "after", cursor);
      json_object_set_string_member (next, "link", link);
      json_object_set_object_member (paging, "next", next);
      json_object_set_object_member (root, "paging", paging);
    }
  _concord_mock_hubspot_respond_object (request, SOUP_STATUS_OK, root);
}

typedef struct
{
  char   *property;
  char   *op;
  char   *value;
} Filter;

static gboolean
filter_matches (ConcordMockHubspotContact *contact,
                const Filter              *filter)
{
  g_autofree char *text = _concord_mock_hubspot_contact_value (contact, filter->property);
  gint64 have, want;
  int order;

  if (g_str_equal (filter->op, "HAS_PROPERTY"))
    return text != NULL;
  if (g_str_equal (filter->op, "NOT_HAS_PROPERTY"))
    return text == NULL;
  if (text == NULL || filter->value == NULL)
    return FALSE;

  if (_concord_mock_hubspot_contact_number (contact, filter->property, &have) &&
      g_ascii_string_to_signed (filter->value, 10, G_MININT64, G_MAXINT64, &want, NULL))
    order = have < want ? -1 : have > want ? 1 : 0;
  else
    order = g_ascii_strcasecmp (text, filter->value);

  if (g_str_equal (filter->op, "EQ"))
    return order == 0;
  if (g_str_equal (filter->op, "NEQ"))
    return order != 0;
  if (g_str_equal (filter->op, "GT"))
    return order > 0;
  if (g_str_equal (filter->op, "GTE"))
    return order >= 0;
  if (g_str_equal (filter->op, "LT"))
    return order < 0;
  if (g_str_equal (filter->op, "LTE"))
    return order <= 0;
  return FALSE;
}

typedef struct
{
  const char *property;
  gboolean    descending;
} Sort;

static int
compare_sorted (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  const Sort *sort = user_data;
  ConcordMockHubspotContact *ca = *(ConcordMockHubspotContact * const *) a;
  ConcordMockHubspotContact *cb = *(ConcordMockHubspotContact * const *) b;
  gint64 na = 0, nb = 0;
  int order;

  if (_concord_mock_hubspot_contact_number (ca, sort->property, &na) & _concord_mock_hubspot_contact_number (cb, sort->property, &nb))
    order = na < nb ? -1 : na > nb ? 1 : 0;
  else
    {
      g_autofree char *ta = _concord_mock_hubspot_contact_value (ca, sort->property);
      g_autofree char *tb = _concord_mock_hubspot_contact_value (cb, sort->property);

      order = g_strcmp0 (ta, tb);
    }
  if (order == 0)
    order = ca->id < cb->id ? -1 : ca->id > cb->id ? 1 : 0;
  return sort->descending ? -order : order;
}

/* The filterGroups of a search body, into @groups (arrays of Filter);
 * FALSE (answered) when there are too many. */
static gboolean
read_filter_groups (ConcordMockRequest *request,
                    JsonObject         *body,
                    GPtrArray          *groups)
{
  guint n_filters = 0;
  JsonNode *node;

  node = json_object_get_member (body, "filterGroups");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      if (json_array_get_length (array) > 5)
        {
          _concord_mock_hubspot_respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                                               "A search has at most 5 filter groups");
          return FALSE;
        }
      for (guint g = 0; g < json_array_get_length (array); g++)
        {
          JsonNode *group = json_array_get_element (array, g);
          JsonNode *filters = JSON_NODE_HOLDS_OBJECT (group)
                              ? json_object_get_member (json_node_get_object (group), "filters")
                              : NULL;
          GArray *list = g_array_new (FALSE, TRUE, sizeof (Filter));

          g_ptr_array_add (groups, list);
          if (filters == NULL || !JSON_NODE_HOLDS_ARRAY (filters) ||
              json_array_get_length (json_node_get_array (filters)) > 6 ||
              (n_filters += json_array_get_length (json_node_get_array (filters))) > 18)
            {
              _concord_mock_hubspot_respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                                                   "A filter group has at most 6 filters, a search at most 18");
              return FALSE;
            }
          for (guint f = 0; f < json_array_get_length (json_node_get_array (filters)); f++)
            {
              JsonNode *filter_node = json_array_get_element (json_node_get_array (filters), f);
              JsonObject *object = JSON_NODE_HOLDS_OBJECT (filter_node)
                                   ? json_node_get_object (filter_node) : NULL;
              Filter filter = { 0 };

              if (object == NULL)
                continue;
              filter.property = (char *) json_object_get_string_member_with_default (object,
                                                                                    "propertyName",
                                                                                    "");
              filter.op = (char *) json_object_get_string_member_with_default (object, "operator",
                                                                              "EQ");
              filter.value = (char *) json_object_get_string_member_with_default (object, "value",
                                                                                 NULL);
              g_array_append_val (list, filter);
            }
        }
    }

  return TRUE;
}

/* The sorts of a search body, into @sort; FALSE (answered) when there
 * is more than one. */
static gboolean
read_sort (ConcordMockRequest *request,
           JsonObject         *body,
           Sort               *sort)
{
  JsonNode *node;

  node = json_object_get_member (body, "sorts");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) > 0)
    {
      JsonNode *first = json_array_get_element (json_node_get_array (node), 0);

      if (json_array_get_length (json_node_get_array (node)) > 1)
        {
          _concord_mock_hubspot_respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                                               "A search takes one sort");
          return FALSE;
        }
      if (JSON_NODE_HOLDS_OBJECT (first))
        {
          JsonObject *object = json_node_get_object (first);

          sort->property = json_object_get_string_member_with_default (object, "propertyName",
                                                                      "hs_object_id");
          sort->descending = g_strcmp0 (json_object_get_string_member_with_default (object,
                                                                                   "direction",
                                                                                   "ASCENDING"),
                                       "DESCENDING") == 0;
        }
    }

  return TRUE;
}

/* The live contacts that match any of @groups (all when there is none),
 * into @selected. */
static void
select_contacts (ConcordMockHubspot *self,
                 GPtrArray          *groups,
                 GPtrArray          *selected)
{
  for (guint i = 0; i < self->contacts->len; i++)
    {
      ConcordMockHubspotContact *contact = g_ptr_array_index (self->contacts, i);
      gboolean any = groups->len == 0;

      if (contact->archived_ms != 0)
        continue;
      for (guint g = 0; !any && g < groups->len; g++)
        {
          GArray *list = g_ptr_array_index (groups, g);
          gboolean all = TRUE;

          for (guint f = 0; all && f < list->len; f++)
            all = filter_matches (contact, &g_array_index (list, Filter, f));
          any = all;
        }
      if (any)
        g_ptr_array_add (selected, contact);
    }
}

static void
search_contacts (ConcordMockHubspot *self,
                 ConcordMockRequest *request)
{
  g_autoptr(JsonObject) body = _concord_mock_hubspot_request_object (request);
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr(GPtrArray) selected = g_ptr_array_new ();
  g_auto(GStrv) names = NULL;
  JsonNode *node;
  Sort sort = { "hs_object_id", FALSE };
  gint64 limit = 10, after = 0;
  JsonObject *root;
  JsonArray *results;
  GBytes *raw = concord_mock_request_get_body (request);

  if (body == NULL)
    {
      _concord_mock_hubspot_respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                                           "Invalid input JSON: the body must be an object");
      return;
    }
  if (raw != NULL && g_bytes_get_size (raw) > 3000)
    {
      _concord_mock_hubspot_respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                                           "The request body is longer than 3000 characters");
      return;
    }

  node = json_object_get_member (body, "limit");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_INT64)
    limit = json_node_get_int (node);
  if (limit < 1 || limit > MAX_SEARCH_LIMIT)
    {
      _concord_mock_hubspot_respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                                           "limit must be between 1 and 200");
      return;
    }
  node = json_object_get_member (body, "after");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
    {
      g_autofree char *text = json_node_get_value_type (node) == G_TYPE_STRING
                              ? g_strdup (json_node_get_string (node))
                              : g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));

      if (!g_ascii_string_to_signed (text, 10, 0, G_MAXINT64, &after, NULL))
        {
          _concord_mock_hubspot_respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                                               "after is not a valid paging cursor");
          return;
        }
    }
  if (after + limit > CONCORD_MOCK_HUBSPOT_SEARCH_WINDOW)
    {
      _concord_mock_hubspot_respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                                           "The search query can return at most 10000 results; narrow the query "
                                           "to page further");
      return;
    }

  if (!read_filter_groups (request, body, groups) || !read_sort (request, body, &sort))
    return;
  names = _concord_mock_hubspot_names_of_array (json_object_get_member (body, "properties"));

  select_contacts (self, groups, selected);
  g_ptr_array_sort_with_data (selected, compare_sorted, &sort);

  results = json_array_new ();
  for (guint i = (guint) after; i < selected->len && i < after + limit; i++)
    json_array_add_object_element (results,
                                   _concord_mock_hubspot_contact_object (self, g_ptr_array_index (selected, i),
                                                                         (const char * const *) names));
  root = json_object_new ();
  json_object_set_int_member (root, "total", selected->len);
  json_object_set_array_member (root, "results", results);
  if (after + limit < selected->len)
    {
      JsonObject *paging = json_object_new ();
      JsonObject *next = json_object_new ();
      g_autofree char *cursor = g_strdup_printf ("%" G_GINT64_FORMAT, after + limit);

      json_object_set_string_member (next, "after", cursor);
      json_object_set_object_member (paging, "next", next);
      json_object_set_object_member (root, "paging", paging);
    }
  _concord_mock_hubspot_respond_object (request, SOUP_STATUS_OK, root);
}

static void
list_properties (ConcordMockHubspot *self,
                 ConcordMockRequest *request)
{
  JsonObject *root = json_object_new ();
  JsonArray *results = json_array_new ();

  for (guint i = 0; i < self->properties->len; i++)
    {
      ConcordMockHubspotProperty *property = g_ptr_array_index (self->properties, i);
      JsonObject *object = json_object_new ();
      JsonObject *metadata = json_object_new ();
      JsonArray *options = json_array_new ();

      json_object_set_string_member (object, "name", property->name);
      json_object_set_string_member (object, "label", property->label);
      json_object_set_string_member (object, "type", property->type);
      json_object_set_string_member (object, "fieldType", property->field_type);
      json_object_set_string_member (object, "groupName", "contactinformation");
      json_object_set_string_member (object, "description", "");
      for (guint o = 0; property->options != NULL && o + 1 < property->options->len; o += 2)
        {
          JsonObject *option = json_object_new ();

          json_object_set_string_member (option, "label", g_ptr_array_index (property->options, o));
          json_object_set_string_member (option, "value",
                                         g_ptr_array_index (property->options, o + 1));
          json_object_set_int_member (option, "displayOrder", o / 2);
          json_object_set_boolean_member (option, "hidden", FALSE);
          json_array_add_object_element (options, option);
        }
      json_object_set_array_member (object, "options", options);
      if (!property->custom)
        json_object_set_boolean_member (object, "hubspotDefined", TRUE);
      json_object_set_boolean_member (object, "calculated", property->calculated);
      json_object_set_boolean_member (object, "hasUniqueValue", g_str_equal (property->name,
                                                                              "email"));
      json_object_set_boolean_member (metadata, "readOnlyValue", property->read_only);
      json_object_set_boolean_member (metadata, "readOnlyDefinition", !property->custom);
      json_object_set_boolean_member (metadata, "archivable", property->custom);
      json_object_set_object_member (object, "modificationMetadata", metadata);
      json_array_add_object_element (results, object);
    }
  json_object_set_array_member (root, "results", results);
  _concord_mock_hubspot_respond_object (request, SOUP_STATUS_OK, root);
}

/* ------------------------------------------------------------------------- */
/* Requests                                                                  */
/* ------------------------------------------------------------------------- */

/* The ten-secondly window: FALSE when this request is over it (answered). */
static gboolean
take_rate (ConcordMockHubspot *self,
           ConcordMockRequest *request,
           gboolean            exempt)
{
  gint64 now = g_get_monotonic_time ();
  gint64 *oldest;
  g_autofree char *max = NULL;
  g_autofree char *remaining = NULL;

  if (self->rate_max == 0 || exempt)
    return TRUE;

  while ((oldest = g_queue_peek_head (&self->window)) != NULL && *oldest + WINDOW_US <= now)
    g_free (g_queue_pop_head (&self->window));

  max = g_strdup_printf ("%u", self->rate_max);
  concord_mock_request_set_response_header (request, "X-HubSpot-RateLimit-Max", max);
  concord_mock_request_set_response_header (request, "X-HubSpot-RateLimit-Interval-Milliseconds",
                                            "10000");
  if (g_queue_get_length (&self->window) >= self->rate_max)
    {
      JsonObject *body = json_object_new ();
      g_autofree char *correlation = correlation_id ();

      self->n_429++;
      concord_mock_request_set_response_header (request, "X-HubSpot-RateLimit-Remaining", "0");
      json_object_set_string_member (body, "status", "error");
      json_object_set_string_member (body, "message",
                                     "You have reached your ten_secondly_rolling limit.");
      json_object_set_string_member (body, "errorType", "RATE_LIMIT");
      json_object_set_string_member (body, "correlationId", correlation);
      json_object_set_string_member (body, "policyName", "TEN_SECONDLY_ROLLING");
      _concord_mock_hubspot_respond_object (request, 429, body);
      return FALSE;
    }

  g_queue_push_tail (&self->window, g_memdup2 (&now, sizeof now));
  remaining = g_strdup_printf ("%u", self->rate_max - g_queue_get_length (&self->window));
  concord_mock_request_set_response_header (request, "X-HubSpot-RateLimit-Remaining", remaining);
  return TRUE;
}

/* Search's own limit, per second: FALSE when over it (answered). */
static gboolean
take_search_rate (ConcordMockHubspot *self,
                  ConcordMockRequest *request)
{
  gint64 now = g_get_monotonic_time ();
  gint64 *oldest;

  if (self->search_max == 0)
    return TRUE;
  while ((oldest = g_queue_peek_head (&self->search_window)) != NULL &&
         *oldest + G_USEC_PER_SEC <= now)
    g_free (g_queue_pop_head (&self->search_window));
  if (g_queue_get_length (&self->search_window) >= self->search_max)
    {
      JsonObject *body = json_object_new ();
      g_autofree char *correlation = correlation_id ();

      self->n_429++;
      json_object_set_string_member (body, "status", "error");
      json_object_set_string_member (body, "message", "You have reached your secondly limit.");
      json_object_set_string_member (body, "errorType", "RATE_LIMIT");
      json_object_set_string_member (body, "correlationId", correlation);
      json_object_set_string_member (body, "policyName", "SECONDLY");
      _concord_mock_hubspot_respond_object (request, 429, body);
      return FALSE;
    }
  g_queue_push_tail (&self->search_window, g_memdup2 (&now, sizeof now));
  return TRUE;
}

void
_concord_mock_hubspot_on_request_cb (ConcordMockRequest *request,
                                     gpointer            user_data)
{
  ConcordMockHubspot *self = user_data;
  const char *method = concord_mock_request_get_method (request);
  const char *path = concord_mock_request_get_path (request);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  gboolean search = g_str_equal (path, PATH_CONTACTS "/search");

  if (!concord_mock_request_check_bearer (request, self->token))
    {
      _concord_mock_hubspot_respond_error (request, SOUP_STATUS_UNAUTHORIZED, "INVALID_AUTHENTICATION",
                                           "Authentication credentials not found. This API supports OAuth 2.0 "
                                           "authentication and you can find more details at "
                                           "https://developers.hubspot.com/docs/methods/auth/oauth-overview");
      return;
    }
  /* Search has its own limit, not the ten-secondly one. */
  if (!take_rate (self, request, search) || (search && !take_search_rate (self, request)))
    return;

  if (g_str_equal (method, "GET") && g_str_equal (path, PATH_PROPERTIES))
    list_properties (self, request);
  else if (g_str_equal (method, "GET") && g_str_equal (path, PATH_CONTACTS))
    list_contacts (self, request);
  else if (g_str_equal (method, "POST") && g_str_equal (path, PATH_CONTACTS))
    _concord_mock_hubspot_write_one (self, request, NULL);
  else if (g_str_equal (method, "POST") && search)
    search_contacts (self, request);
  else if (g_str_equal (method, "POST") && g_str_equal (path, PATH_CONTACTS "/batch/read"))
    _concord_mock_hubspot_write_batch (self, request, "read");
  else if (g_str_equal (method, "POST") && g_str_equal (path, PATH_CONTACTS "/batch/create"))
    _concord_mock_hubspot_write_batch (self, request, "create");
  else if (g_str_equal (method, "POST") && g_str_equal (path, PATH_CONTACTS "/batch/update"))
    _concord_mock_hubspot_write_batch (self, request, "update");
  else if (g_str_has_prefix (path, PATH_CONTACTS "/") &&
           strchr (path + strlen (PATH_CONTACTS "/"), '/') == NULL)
    {
      ConcordMockHubspotContact *contact = _concord_mock_hubspot_contact_of_text (self, path + strlen (PATH_CONTACTS "/"));
      g_auto(GStrv) names = _concord_mock_hubspot_names_of_query (concord_mock_request_get_query_param (request,
                                                                                                        "properties"));

      if (contact == NULL && g_str_equal (method, "DELETE"))
        concord_mock_request_respond (request, SOUP_STATUS_NO_CONTENT, NULL, g_strdup (""));
      else if (contact == NULL)
        _concord_mock_hubspot_respond_error (request, SOUP_STATUS_NOT_FOUND, "OBJECT_NOT_FOUND",
                                             "resource not found");
      else if (g_str_equal (method, "PATCH"))
        _concord_mock_hubspot_write_one (self, request, contact);
      else if (g_str_equal (method, "DELETE"))
        {
          contact->archived_ms = _concord_mock_hubspot_next_ms (self);
          _concord_mock_hubspot_index_email (self, contact, g_hash_table_lookup (contact->values, "email"));
          concord_mock_request_respond (request, SOUP_STATUS_NO_CONTENT, NULL, g_strdup (""));
          _concord_mock_hubspot_save_locked (self);
        }
      else if (g_str_equal (method, "GET"))
        _concord_mock_hubspot_respond_object (request, SOUP_STATUS_OK,
                                              _concord_mock_hubspot_contact_object (self, contact, (const char * const *) names));
      else
        _concord_mock_hubspot_respond_error (request, SOUP_STATUS_METHOD_NOT_ALLOWED, "VALIDATION_ERROR",
                                             "Method not allowed");
    }
  else
    _concord_mock_hubspot_respond_error (request, SOUP_STATUS_NOT_FOUND, "OBJECT_NOT_FOUND",
                                         "No route matches this request");
}
