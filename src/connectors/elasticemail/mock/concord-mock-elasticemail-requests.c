/* concord-mock-elasticemail-requests.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The simulated Elastic Email's endpoints (see concord-mock-elasticemail.c):
 * each request's parsing and answer, the contacts, lists and unsubscribes
 * handlers, access checks and routing, and the framework's callbacks (server
 * thread).
 */

#define G_LOG_DOMAIN "concord-mock-elasticemail"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include "concord-mock-elasticemail.h"
#include "concord-mock-server.h"
#include "concord-mock-elasticemail-private.h"

/* ------------------------------------------------------------------------- */
/* Requests                                                                  */
/* ------------------------------------------------------------------------- */

typedef struct
{
  ConcordMockElasticEmail *self;
  ConcordMockRequest      *request;     /* (unowned) */
  SoupServerMessage       *msg;
  const char              *method;
  char                   **segments;    /* (owned): decoded path segments after /v4 */
  guint                    n_segments;
  GPtrArray               *query;       /* (unowned): decoded "key", "value" pairs */
  guint                    status;
  char                    *body;        /* (owned) (nullable) */
} Request;

static void
request_clear (Request *req)
{
  g_strfreev (req->segments);
  g_free (req->body);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Request, request_clear)

static void
respond_json (Request *req,
              guint    status,
              char    *body)
{
  req->status = status;
  g_free (req->body);
  req->body = body;
}

static void
respond_builder (Request     *req,
                 guint        status,
                 JsonBuilder *builder)
{
  respond_json (req, status, _concord_mock_elasticemail_builder_to_string (builder));
}

static void
respond_error (Request    *req,
               guint       status,
               const char *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  _concord_mock_elasticemail_add_string (builder, "Error", message);
  json_builder_end_object (builder);
  respond_builder (req, status, builder);
}

static const char *
query_get (Request    *req,
           const char *name)
{
  return concord_mock_request_get_query_param (req->request, name);
}

/* limit/offset: absent or unreadable values fall back to the default. */
static guint
query_get_uint (Request    *req,
                const char *name,
                guint       fallback)
{
  const char *text = query_get (req, name);
  guint64 value;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT32, &value, NULL))
    return fallback;

  return value;
}

static JsonNode *
parse_body (Request *req)
{
  GBytes *bytes = concord_mock_request_get_body (req->request);
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  if (length == 0 || !json_parser_load_from_data (parser, data, length, NULL))
    {
      respond_error (req, SOUP_STATUS_BAD_REQUEST, "The request body is not valid JSON.");
      return NULL;
    }

  return json_node_ref (json_parser_get_root (parser));
}

static void
respond_contact_page (Request   *req,
                      GPtrArray *contacts,
                      guint      offset,
                      guint      limit)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  for (guint i = offset; i < contacts->len && i - offset < limit; i++)
    _concord_mock_elasticemail_build_contact (builder, g_ptr_array_index (contacts, i));
  json_builder_end_array (builder);
  respond_builder (req, SOUP_STATUS_OK, builder);
}

static guint
page_limit (Request *req,
            guint    fallback)
{
  return MIN (query_get_uint (req, "limit", fallback), req->self->max_page_size);
}

/* GET /contacts: insertion order; the server caps the page at max_page_size
 * whatever the client asks for. Unknown parameters (rule, …) are ignored. */
static void
handle_contacts_get (Request *req)
{
  ConcordMockElasticEmail *self = req->self;

  respond_contact_page (req, self->contacts, query_get_uint (req, "offset", 0),
                        page_limit (req, DEFAULT_PAGE_SIZE));
}

/* Collects the Emails of an EmailsPayload; Rule "All" selects every
 * contact, any other rule is beyond the mock. */
static GPtrArray *
get_emails_payload (Request *req)
{
  g_autoptr(JsonNode) root = parse_body (req);
  g_autoptr(GPtrArray) emails = g_ptr_array_new_with_free_func (g_free);
  JsonObject *object;
  JsonNode *node;
  const char *rule;

  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      respond_error (req, SOUP_STATUS_BAD_REQUEST, "Expected an object with Emails or Rule.");
      return NULL;
    }

  object = json_node_get_object (root);
  node = json_object_get_member (object, "Emails");
  rule = _concord_mock_elasticemail_get_string_member (object, "Rule");

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node) && rule == NULL)
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING)
            g_ptr_array_add (emails, g_strdup (json_node_get_string (item)));
        }
      return g_steal_pointer (&emails);
    }

  if (rule != NULL && node == NULL && g_ascii_strcasecmp (rule, "All") == 0)
    {
      for (guint i = 0; i < req->self->contacts->len; i++)
        {
          ConcordMockElasticEmailContact *contact = g_ptr_array_index (req->self->contacts, i);

          g_ptr_array_add (emails, g_strdup (contact->email));
        }
      return g_steal_pointer (&emails);
    }

  respond_error (req, SOUP_STATUS_BAD_REQUEST,
                 "Provide either Emails or Rule, not both (the mock understands only Rule \"All\").");
  return NULL;
}

/* The lists named by the listnames parameters, into @lists; FALSE (and
 * the answer sent) when one is not found. */
static gboolean
find_query_lists (Request   *req,
                  GPtrArray *lists)
{
  ConcordMockElasticEmail *self = req->self;

  for (guint i = 0; i + 1 < req->query->len; i += 2)
    {
      if (g_ascii_strcasecmp (g_ptr_array_index (req->query, i), "listnames") == 0)
        {
          ConcordMockElasticEmailList *list = _concord_mock_elasticemail_lookup_list (self, g_ptr_array_index (req->query, i + 1));

          if (list == NULL)
            {
              respond_error (req, SOUP_STATUS_PRECONDITION_FAILED, "List not found.");
              return FALSE;
            }
          g_ptr_array_add (lists, list);
        }
    }

  return TRUE;
}

/* Whether every item of @array is a contact that can be stored; FALSE
 * (and the answer sent) at the first that cannot. */
static gboolean
check_contact_objects (Request   *req,
                       JsonArray *array)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      JsonObject *object;
      const char *email;
      const char *status;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        {
          respond_error (req, SOUP_STATUS_BAD_REQUEST, "Every contact must be an object.");
          return FALSE;
        }

      object = json_node_get_object (item);
      email = _concord_mock_elasticemail_get_string_member (object, "Email");
      if (email == NULL || *email == '\0')
        {
          respond_error (req, SOUP_STATUS_BAD_REQUEST, "Email is required.");
          return FALSE;
        }
      if (!_concord_mock_elasticemail_is_valid_email (email))
        {
          respond_error (req, SOUP_STATUS_PRECONDITION_FAILED, "Invalid email address.");
          return FALSE;
        }

      status = _concord_mock_elasticemail_get_string_member (object, "Status");
      if (json_object_has_member (object, "Status") && !_concord_mock_elasticemail_is_known_status (status))
        {
          respond_error (req, SOUP_STATUS_BAD_REQUEST, "Invalid contact status.");
          return FALSE;
        }
    }

  return TRUE;
}

/* Creates or updates the contact of a checked Contact object, adds it to
 * @lists, and returns it. */
static ConcordMockElasticEmailContact *
store_posted_contact (ConcordMockElasticEmail *self,
                      JsonObject              *object,
                      GPtrArray               *lists,
                      const char              *remote_ip,
                      gint64                   now)
{
  const char *email = _concord_mock_elasticemail_get_string_member (object, "Email");
  const char *status = _concord_mock_elasticemail_get_string_member (object, "Status");
  gboolean created;
  ConcordMockElasticEmailContact *contact = _concord_mock_elasticemail_ensure_contact (self, email, &created);

  if (created)
    {
      contact->date_added = now;
      contact->status_change_date = now;
    }
  if (status != NULL)
    _concord_mock_elasticemail_set_status (contact, status, now);
  if (json_object_has_member (object, "FirstName"))
    _concord_mock_elasticemail_set_string (&contact->first_name,
                                           _concord_mock_elasticemail_get_string_member (object, "FirstName"));
  if (json_object_has_member (object, "LastName"))
    _concord_mock_elasticemail_set_string (&contact->last_name,
                                           _concord_mock_elasticemail_get_string_member (object, "LastName"));
  _concord_mock_elasticemail_apply_custom_fields (self, contact, object, TRUE);
  _concord_mock_elasticemail_apply_consent (contact, object, remote_ip, now);
  contact->date_updated = now;

  for (guint j = 0; j < lists->len; j++)
    _concord_mock_elasticemail_list_add_member (g_ptr_array_index (lists, j), contact);

  return contact;
}

/* POST /contacts?listnames=…: validates the whole batch first, so a bad
 * request changes nothing.
 *
 * An email that exists already is updated in place (upsert, compared without
 * case): what the real API does is not documented [unverified]. Only the
 * fields present in the payload change. Unknown custom fields are dropped
 * silently, as the real API does. An unknown list name answers 412: the
 * error docs cover "adding contacts to a list that does not exist" with 412,
 * but the exact code is [unverified]. Created contacts get Source
 * "ContactApi" [unverified] and the Transactional status (the enum's
 * default) when none is given. */
/* POST /contacts?listnames=…: validates the whole batch first, so a bad
 * request changes nothing.
 *
 * An email that exists already is updated in place (upsert, compared without
 * case): what the real API does is not documented [unverified]. Only the
 * fields present in the payload change. Unknown custom fields are dropped
 * silently, as the real API does. An unknown list name answers 412: the
 * error docs cover "adding contacts to a list that does not exist" with 412,
 * but the exact code is [unverified]. Created contacts get Source
 * "ContactApi" [unverified] and the Transactional status (the enum's
 * default) when none is given. */
static void
handle_contacts_post (Request *req)
{
  ConcordMockElasticEmail *self = req->self;
  g_autoptr(JsonNode) root = parse_body (req);
  g_autoptr(GPtrArray) lists = g_ptr_array_new ();
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const char *remote_ip = soup_server_message_get_remote_host (req->msg);
  gint64 now = _concord_mock_elasticemail_now_seconds ();
  JsonArray *array;

  if (root == NULL)
    return;
  if (!JSON_NODE_HOLDS_ARRAY (root))
    {
      respond_error (req, SOUP_STATUS_BAD_REQUEST, "Expected an array of contacts.");
      return;
    }

  array = json_node_get_array (root);
  if (json_array_get_length (array) > MAX_BATCH)
    {
      respond_error (req, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                     "Too many contacts in one request: at most 1000, use the import instead.");
      return;
    }

  if (!find_query_lists (req, lists) || !check_contact_objects (req, array))
    return;

  json_builder_begin_array (builder);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);

      _concord_mock_elasticemail_build_contact (builder,
                                                store_posted_contact (self, object, lists, remote_ip, now));
    }
  json_builder_end_array (builder);
  respond_builder (req, SOUP_STATUS_OK, builder);
}

/* POST /contacts/delete with an EmailsPayload; unknown emails are skipped. */
static void
handle_contacts_delete_post (Request *req)
{
  g_autoptr(GPtrArray) emails = get_emails_payload (req);

  if (emails == NULL)
    return;

  for (guint i = 0; i < emails->len; i++)
    {
      ConcordMockElasticEmailContact *contact = _concord_mock_elasticemail_lookup_contact (req->self, g_ptr_array_index (emails, i));

      if (contact != NULL)
        _concord_mock_elasticemail_remove_contact (req->self, contact);
    }
  respond_json (req, SOUP_STATUS_OK, NULL);
}

static void
handle_contact (Request    *req,
                const char *email)
{
  ConcordMockElasticEmail *self = req->self;
  ConcordMockElasticEmailContact *contact = _concord_mock_elasticemail_lookup_contact (self, email);

  if (contact == NULL)
    {
      respond_error (req, SOUP_STATUS_NOT_FOUND, "Contact not found.");
      return;
    }

  if (g_str_equal (req->method, "GET"))
    {
      respond_json (req, SOUP_STATUS_OK, _concord_mock_elasticemail_contact_to_string (contact));
    }
  else if (g_str_equal (req->method, "DELETE"))
    {
      _concord_mock_elasticemail_remove_contact (self, contact);
      respond_json (req, SOUP_STATUS_OK, NULL);
    }
  else if (g_str_equal (req->method, "PUT"))
    {
      /* ContactUpdatePayload: FirstName, LastName, CustomFields; anything
       * else (Email, Status, Consent) is ignored. */
      g_autoptr(JsonNode) root = parse_body (req);
      JsonObject *object;

      if (root == NULL)
        return;
      if (!JSON_NODE_HOLDS_OBJECT (root))
        {
          respond_error (req, SOUP_STATUS_BAD_REQUEST, "Expected a contact object.");
          return;
        }

      object = json_node_get_object (root);
      if (json_object_has_member (object, "FirstName"))
        _concord_mock_elasticemail_set_string (&contact->first_name,
                                               _concord_mock_elasticemail_get_string_member (object, "FirstName"));
      if (json_object_has_member (object, "LastName"))
        _concord_mock_elasticemail_set_string (&contact->last_name,
                                               _concord_mock_elasticemail_get_string_member (object, "LastName"));
      _concord_mock_elasticemail_apply_custom_fields (self, contact, object, TRUE);
      contact->date_updated = _concord_mock_elasticemail_now_seconds ();
      respond_json (req, SOUP_STATUS_OK, _concord_mock_elasticemail_contact_to_string (contact));
    }
  else
    {
      respond_error (req, SOUP_STATUS_NOT_FOUND, "Not found.");
    }
}

static void
handle_lists_get (Request *req)
{
  ConcordMockElasticEmail *self = req->self;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  guint offset = query_get_uint (req, "offset", 0);
  guint limit = query_get_uint (req, "limit", DEFAULT_LIST_PAGE);

  json_builder_begin_array (builder);
  for (guint i = offset; i < self->lists->len && i - offset < limit; i++)
    _concord_mock_elasticemail_build_list (builder, g_ptr_array_index (self->lists, i));
  json_builder_end_array (builder);
  respond_builder (req, SOUP_STATUS_OK, builder);
}

/* POST /lists: ListPayload. The spec says an empty Emails means "all
 * contacts" [unverified]; the mock creates an empty list unless Emails
 * names contacts (unknown ones are skipped). */
static void
handle_lists_post (Request *req)
{
  ConcordMockElasticEmail *self = req->self;
  g_autoptr(JsonNode) root = parse_body (req);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  JsonObject *object;
  JsonNode *emails;
  const char *name;
  gboolean created;
  ConcordMockElasticEmailList *list;

  if (root == NULL)
    return;
  if (!JSON_NODE_HOLDS_OBJECT (root) ||
      (name = _concord_mock_elasticemail_get_string_member (json_node_get_object (root), "ListName")) == NULL ||
      *name == '\0')
    {
      respond_error (req, SOUP_STATUS_BAD_REQUEST, "ListName is required.");
      return;
    }

  object = json_node_get_object (root);
  list = _concord_mock_elasticemail_ensure_list (self, name, _concord_mock_elasticemail_now_seconds (), &created);
  if (!created)
    {
      respond_error (req, SOUP_STATUS_BAD_REQUEST, "A list with the given name already exists.");
      return;
    }

  if (json_object_has_member (object, "AllowUnsubscribe"))
    list->allow_unsubscribe = json_object_get_boolean_member (object, "AllowUnsubscribe");

  emails = json_object_get_member (object, "Emails");
  if (emails != NULL && JSON_NODE_HOLDS_ARRAY (emails))
    {
      JsonArray *array = json_node_get_array (emails);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          const char *email = json_array_get_string_element (array, i);
          ConcordMockElasticEmailContact *contact = email != NULL ? _concord_mock_elasticemail_lookup_contact (self, email) : NULL;

          if (contact != NULL)
            _concord_mock_elasticemail_list_add_member (list, contact);
        }
    }

  _concord_mock_elasticemail_build_list (builder, list);
  respond_builder (req, SOUP_STATUS_CREATED, builder);
}

static void
handle_list (Request    *req,
             const char *name)
{
  ConcordMockElasticEmail *self = req->self;
  ConcordMockElasticEmailList *list = _concord_mock_elasticemail_lookup_list (self, name);
  const char *what = req->n_segments > 2 ? req->segments[2] : NULL;
  const char *what2 = req->n_segments > 3 ? req->segments[3] : NULL;
  gboolean get = g_str_equal (req->method, "GET");
  gboolean post = g_str_equal (req->method, "POST");

  if (list == NULL)
    {
      respond_error (req, SOUP_STATUS_NOT_FOUND, "List not found.");
      return;
    }

  if (what == NULL && get)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      _concord_mock_elasticemail_build_list (builder, list);
      respond_builder (req, SOUP_STATUS_OK, builder);
    }
  else if (what == NULL && g_str_equal (req->method, "DELETE"))
    {
      g_autofree char *key = g_ascii_strdown (list->name, -1);

      g_hash_table_remove (self->lists_by_key, key);
      g_ptr_array_remove (self->lists, list);
      respond_json (req, SOUP_STATUS_OK, NULL);
    }
  else if (g_strcmp0 (what, "contacts") == 0 && what2 == NULL && get)
    {
      /* The reported bug (elasticemail-php#8): offset ignored, always the
       * first page. */
      guint offset = self->ignore_list_offset ? 0 : query_get_uint (req, "offset", 0);

      respond_contact_page (req, list->members, offset, page_limit (req, DEFAULT_PAGE_SIZE));
    }
  else if (g_strcmp0 (what, "contacts") == 0 && post &&
           (what2 == NULL || g_str_equal (what2, "remove")) &&
           req->n_segments <= 4)
    {
      /* Contacts must exist already; unknown emails are skipped [unverified]. */
      g_autoptr(GPtrArray) emails = get_emails_payload (req);

      if (emails == NULL)
        return;

      for (guint i = 0; i < emails->len; i++)
        {
          ConcordMockElasticEmailContact *contact = _concord_mock_elasticemail_lookup_contact (self, g_ptr_array_index (emails, i));

          if (contact == NULL)
            continue;
          if (what2 == NULL)
            _concord_mock_elasticemail_list_add_member (list, contact);
          else if (g_hash_table_remove (list->member_set, contact))
            g_ptr_array_remove (list->members, contact);
        }

      if (what2 == NULL)
        {
          g_autoptr(JsonBuilder) builder = json_builder_new ();

          _concord_mock_elasticemail_build_list (builder, list);
          respond_builder (req, SOUP_STATUS_OK, builder);
        }
      else
        {
          respond_json (req, SOUP_STATUS_OK, NULL);
        }
    }
  else
    {
      respond_error (req, SOUP_STATUS_NOT_FOUND, "Not found.");
    }
}

/* POST /suppressions/unsubscribes: an array of emails. Known contacts become
 * Unsubscribed; every address is answered as a Suppression, as the real
 * suppression list takes addresses that are not contacts. */
static void
handle_unsubscribes_post (Request *req)
{
  ConcordMockElasticEmail *self = req->self;
  g_autoptr(JsonNode) root = parse_body (req);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gint64 now = _concord_mock_elasticemail_now_seconds ();
  JsonArray *array;

  if (root == NULL)
    return;
  if (!JSON_NODE_HOLDS_ARRAY (root))
    {
      respond_error (req, SOUP_STATUS_BAD_REQUEST, "Expected an array of emails.");
      return;
    }

  array = json_node_get_array (root);
  if (json_array_get_length (array) > MAX_BATCH)
    {
      respond_error (req, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                     "Too many emails in one request: at most 1000.");
      return;
    }

  json_builder_begin_array (builder);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      const char *email;
      ConcordMockElasticEmailContact *contact;

      if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
        continue;

      email = json_node_get_string (item);
      contact = _concord_mock_elasticemail_lookup_contact (self, email);
      if (contact != NULL)
        {
          _concord_mock_elasticemail_set_status (contact, "Unsubscribed", now);
          contact->date_updated = now;
        }

      json_builder_begin_object (builder);
      _concord_mock_elasticemail_add_string (builder, "Email", email);
      _concord_mock_elasticemail_add_string (builder, "FriendlyErrorMessage", "");
      json_builder_set_member_name (builder, "ErrorCode");
      json_builder_add_null_value (builder);
      _concord_mock_elasticemail_add_date (builder, "DateUpdated", now);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  respond_builder (req, SOUP_STATUS_CREATED, builder);
}

static gboolean
check_access (Request *req)
{
  ConcordMockElasticEmail *self = req->self;
  gboolean read = g_str_equal (req->method, "GET");

  /* The v4 API answers 400, never 401/403. (The caller holds the mutex,
   * which guards the key.) */
  if (!concord_mock_request_check_header (req->request, "X-ElasticEmail-ApiKey", self->api_key))
    {
      respond_error (req, SOUP_STATUS_BAD_REQUEST, "APIKey Expired");
      return FALSE;
    }

  if ((read && !self->view_contacts) || (!read && !self->modify_contacts))
    {
      respond_error (req, SOUP_STATUS_BAD_REQUEST, "Access Denied.");
      return FALSE;
    }

  return TRUE;
}

static void
dispatch (Request *req)
{
  const char *first = req->n_segments > 0 ? req->segments[0] : "";
  gboolean get = g_str_equal (req->method, "GET");
  gboolean post = g_str_equal (req->method, "POST");

  if (!check_access (req))
    return;

  if (g_str_equal (first, "contacts") && req->n_segments == 1 && get)
    handle_contacts_get (req);
  else if (g_str_equal (first, "contacts") && req->n_segments == 1 && post)
    handle_contacts_post (req);
  else if (g_str_equal (first, "contacts") && req->n_segments == 2 && post &&
           g_str_equal (req->segments[1], "delete"))
    handle_contacts_delete_post (req);
  else if (g_str_equal (first, "contacts") && req->n_segments == 2)
    handle_contact (req, req->segments[1]);
  else if (g_str_equal (first, "lists") && req->n_segments == 1 && get)
    handle_lists_get (req);
  else if (g_str_equal (first, "lists") && req->n_segments == 1 && post)
    handle_lists_post (req);
  else if (g_str_equal (first, "lists") && req->n_segments >= 2)
    handle_list (req, req->segments[1]);
  else if (g_str_equal (first, "suppressions") && req->n_segments == 2 && post &&
           g_str_equal (req->segments[1], "unsubscribes"))
    handle_unsubscribes_post (req);
  else
    respond_error (req, SOUP_STATUS_NOT_FOUND, "Not found.");
}

/* libsoup's server hands over the path already percent-decoded (%2B, %40
 * and even %2F arrive as +, @ and /), so it is split here without a second
 * decoding. An email is the whole rest of the path after "contacts/", so one
 * with a slash in it still works; list names cannot contain one. */
static gboolean
parse_path (Request    *req,
            const char *path)
{
  g_autoptr(GPtrArray) segments = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) parts = NULL;
  const char *rest;

  if (!g_str_has_prefix (path, "/v4/"))
    return FALSE;

  rest = path + strlen ("/v4/");
  if (g_str_has_prefix (rest, "contacts/") && rest[strlen ("contacts/")] != '\0')
    {
      g_ptr_array_add (segments, g_strdup ("contacts"));
      g_ptr_array_add (segments, g_strdup (rest + strlen ("contacts/")));
    }
  else
    {
      parts = g_strsplit (rest, "/", -1);
      for (guint i = 0; parts[i] != NULL; i++)
        {
          if (parts[i][0] == '\0' && parts[i + 1] == NULL)
            break;  /* trailing slash */
          g_ptr_array_add (segments, g_strdup (parts[i]));
        }
    }

  req->n_segments = segments->len;
  g_ptr_array_add (segments, NULL);
  req->segments = (char **) g_ptr_array_free (g_steal_pointer (&segments), FALSE);

  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Callbacks (server thread)                                                 */
/* ------------------------------------------------------------------------- */

/* Routes @req and runs its handler (caller holds the mutex). */
static void
serve (Request *req)
{
  ConcordMockElasticEmail *self = req->self;

  req->query = concord_mock_request_get_query_params (req->request);
  if (parse_path (req, concord_mock_request_get_path (req->request)))
    dispatch (req);
  else
    respond_error (req, SOUP_STATUS_NOT_FOUND, "Not found.");

  if (self->save_path != NULL && !g_str_equal (req->method, "GET") &&
      SOUP_STATUS_IS_SUCCESSFUL (req->status))
    _concord_mock_elasticemail_schedule_save (self);
}

/* The framework's route for everything under /v4. */
void
_concord_mock_elasticemail_on_v4_request_cb (ConcordMockRequest *request,
                                             gpointer            user_data)
{
  ConcordMockElasticEmail *self = user_data;
  g_auto(Request) req = { .self = self, .request = request };

  req.msg = concord_mock_request_get_message (request);
  req.method = concord_mock_request_get_method (request);

  g_mutex_lock (&self->mutex);
  serve (&req);
  g_mutex_unlock (&self->mutex);

  concord_mock_request_respond (request, req.status, NULL, g_steal_pointer (&req.body));
}
