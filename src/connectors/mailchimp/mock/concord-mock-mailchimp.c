/* concord-mock-mailchimp.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A local stand-in for Mailchimp's Marketing API 3.0
 * (specs/connectors-reference.md §3): audiences, their members, merge
 * fields and tags, for the connector's tests, concord-mock and the
 * end-to-end runs. The base URL is the server's origin with /3.0.
 *
 * Built on ConcordMockServer (src/connectors/mock/), which owns the thread,
 * the routing, the request log, faults and stalls; this file holds what is
 * Mailchimp's:
 *
 * - HTTP Basic with any user and the key as the password (or Bearer with
 *   the key); else 401 problem+json "API Key Invalid". A request whose
 *   Host is a data centre's (usNN.api.mailchimp.com) must come with a key
 *   of that data centre; any other host (this computer, when a base URL
 *   points an account here) takes the key whatever its suffix;
 * - errors as application/problem+json {type, title, status, detail,
 *   instance, errors?};
 * - more than 10 requests in flight: 429 "Too Many Requests" (Mailchimp
 *   limits connections, not volume; no rate-limit headers);
 * - GET /lists (count/offset), GET /lists/{id}/merge-fields;
 * - GET /lists/{id}/members: count ≤ 1000 (400 above), offset,
 *   total_items, status=, since_last_changed (strictly after),
 *   sort_field=last_changed with sort_dir; archived members only with
 *   status=archived;
 * - members addressed by subscriber hash (MD5 of the lower-cased address;
 *   a hash that is not the address's is refused on PUT): GET, PUT (upsert:
 *   email_address and status_if_new required for a new member; status
 *   changes an existing one), PATCH, DELETE (archives), POST …/tags;
 * - compliance: an unsubscribed or cleaned member is never re-subscribed
 *   by the API (400 "Member In Compliance State"); "cleaned" and
 *   "archived" cannot be written;
 * - POST /lists/{id}/members: 400 "Member Exists" for an existing member;
 * - POST /lists/{id} (batch subscribe): members ≤ 500, update_existing,
 *   per-member errors[] ("… is already a list member", fake or invalid
 *   addresses, merge field values) and new_members / updated_members;
 * - merge field values checked by type (number, date, dropdown and radio
 *   choices), required ones on new members unless skip_merge_validation
 *   (a query parameter, or the batch's member); a fake address (at a
 *   .invalid domain, or not an address) is "Invalid Resource".
 *
 * The account's data sit behind one mutex, taken by the handler for a
 * whole request and by the public API for each call.
 */

#define G_LOG_DOMAIN "concord-mock-mailchimp"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "concord-mock-mailchimp.h"

#define API_PREFIX      "/3.0"
#define MAX_COUNT       1000
#define DEFAULT_COUNT   10
#define MAX_BATCH       500
#define ERRORS_DOC      "https://mailchimp.com/developer/marketing/docs/errors/"

typedef struct
{
  char  *tag;      /* (owned) */
  char  *name;     /* (owned) */
  char  *type;     /* (owned) */
  char **choices;  /* (owned) (nullable) */
  guint  merge_id;
  gboolean required;
} MField;

typedef struct
{
  char       *id;       /* (owned) */
  char       *name;     /* (owned) */
  GPtrArray  *members;  /* (owned): JsonObject, as the API shows them, in order of addition */
  GHashTable *by_hash;  /* (owned): hash → JsonObject (unowned) */
  GPtrArray  *fields;   /* (owned): MField */
} List;

struct _ConcordMockMailchimp
{
  GObject            parent_instance;

  ConcordMockServer *server;      /* (owned) */
  char              *base_url;    /* (owned): immutable */

  GMutex             mutex;
  char              *api_key;     /* (owned) */
  GPtrArray         *lists;       /* (owned): List */
  guint              max_connections;
  gint64             clock;       /* the last last_changed given, Unix seconds */
  guint              next_list;
  char              *save_path;   /* (owned) (nullable) */
};

G_DEFINE_FINAL_TYPE (ConcordMockMailchimp, concord_mock_mailchimp, G_TYPE_OBJECT)

static const char *writable_statuses[] = { "subscribed", "unsubscribed", "pending",
                                           "transactional", NULL };

/* ------------------------------------------------------------------------- */
/* Data helpers (caller holds the mutex)                                     */
/* ------------------------------------------------------------------------- */

static void
mfield_free (MField *field)
{
  g_free (field->tag);
  g_free (field->name);
  g_free (field->type);
  g_strfreev (field->choices);
  g_free (field);
}

static void
list_free (List *list)
{
  g_free (list->id);
  g_free (list->name);
  g_hash_table_unref (list->by_hash);
  g_ptr_array_unref (list->members);
  g_ptr_array_unref (list->fields);
  g_free (list);
}

static char *
hash_of (const char *email)
{
  g_autofree char *lower = g_ascii_strdown (email != NULL ? email : "", -1);

  g_strstrip (lower);
  return g_compute_checksum_for_string (G_CHECKSUM_MD5, lower, -1);
}

static List *
find_list (ConcordMockMailchimp *self,
           const char           *id)
{
  for (guint i = 0; id != NULL && i < self->lists->len; i++)
    if (g_str_equal (((List *) g_ptr_array_index (self->lists, i))->id, id))
      return g_ptr_array_index (self->lists, i);
  return NULL;
}

static MField *
find_field (List       *list,
            const char *tag)
{
  for (guint i = 0; i < list->fields->len; i++)
    if (g_ascii_strcasecmp (((MField *) g_ptr_array_index (list->fields, i))->tag, tag) == 0)
      return g_ptr_array_index (list->fields, i);
  return NULL;
}

/* Now as last_changed: never before the last one given. */
static char *
next_time (ConcordMockMailchimp *self)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr(GDateTime) when = NULL;

  self->clock = MAX (now, self->clock);
  when = g_date_time_new_from_unix_utc (self->clock);
  return g_date_time_format (when, "%Y-%m-%dT%H:%M:%S+00:00");
}

static gint64
parse_time (const char *text)
{
  g_autoptr(GDateTime) when = NULL;

  if (text == NULL)
    return -1;
  when = g_date_time_new_from_iso8601 (text, g_time_zone_new_utc ());
  return when != NULL ? g_date_time_to_unix (when) : -1;
}

static gboolean
email_is_valid (const char *email)
{
  const char *at = email != NULL ? strchr (email, '@') : NULL;

  return at != NULL && at > email && strchr (at + 1, '@') == NULL &&
         strchr (at + 1, '.') != NULL && at[1] != '.' && email[strlen (email) - 1] != '.' &&
         strpbrk (email, " \t\r\n,;<>") == NULL && g_utf8_validate (email, -1, NULL);
}

/* Mailchimp refuses addresses it thinks fake: here, those at .invalid. */
static gboolean
email_is_fake (const char *email)
{
  return !email_is_valid (email) || g_str_has_suffix (email, ".invalid");
}

static JsonObject *
new_member (ConcordMockMailchimp *self,
            List                 *list,
            const char           *email)
{
  JsonObject *member = json_object_new ();
  g_autofree char *hash = hash_of (email);
  g_autofree char *now = next_time (self);
  g_autofree char *unique = g_strndup (hash + 8, 10);
  JsonObject *merge = json_object_new ();

  json_object_set_string_member (member, "id", hash);
  json_object_set_string_member (member, "email_address", email);
  json_object_set_string_member (member, "unique_email_id", unique);
  json_object_set_string_member (member, "email_type", "html");
  json_object_set_string_member (member, "status", "subscribed");
  for (guint i = 0; i < list->fields->len; i++)
    json_object_set_string_member (merge, ((MField *) g_ptr_array_index (list->fields, i))->tag,
                                   "");
  json_object_set_object_member (member, "merge_fields", merge);
  json_object_set_array_member (member, "tags", json_array_new ());
  json_object_set_int_member (member, "tags_count", 0);
  json_object_set_string_member (member, "timestamp_signup", now);
  json_object_set_string_member (member, "timestamp_opt", now);
  json_object_set_string_member (member, "last_changed", now);
  json_object_set_string_member (member, "list_id", list->id);

  g_ptr_array_add (list->members, member);
  g_hash_table_replace (list->by_hash, g_strdup (hash), member);
  return member;
}

/* A merge field's value: NULL if valid, else why not. */
static char *
check_merge_value (MField   *field,
                   JsonNode *value)
{
  if (JSON_NODE_HOLDS_OBJECT (value))
    return g_strcmp0 (field->type, "address") == 0
           ? NULL : g_strdup_printf ("%s: an object is not a %s value", field->tag, field->type);
  if (!JSON_NODE_HOLDS_VALUE (value))
    return g_strdup_printf ("%s: not a value", field->tag);

  if (g_strcmp0 (field->type, "number") == 0)
    {
      GType type = json_node_get_value_type (value);

      if (type == G_TYPE_DOUBLE || type == G_TYPE_INT64)
        return NULL;
      if (type == G_TYPE_STRING)
        {
          const char *text = json_node_get_string (value);
          char *end = NULL;

          if (*text == '\0')
            return NULL;
          g_ascii_strtod (text, &end);
          if (*end == '\0')
            return NULL;
        }
      return g_strdup_printf ("%s: Please enter a number", field->tag);
    }

  if (json_node_get_value_type (value) != G_TYPE_STRING)
    return g_strdup_printf ("%s: Please enter a text value", field->tag);

  if (g_strcmp0 (field->type, "date") == 0)
    {
      const char *text = json_node_get_string (value);
      g_autofree char *midnight = g_strdup_printf ("%sT00:00:00Z", text);

      if (*text != '\0' && parse_time (midnight) < 0)
        return g_strdup_printf ("%s: Please enter the date", field->tag);
    }
  if ((g_strcmp0 (field->type, "dropdown") == 0 || g_strcmp0 (field->type, "radio") == 0) &&
      *json_node_get_string (value) != '\0' &&
      (field->choices == NULL ||
       !g_strv_contains ((const char * const *) field->choices, json_node_get_string (value))))
    return g_strdup_printf ("%s: the value must be one of the choices", field->tag);
  return NULL;
}

/* A member body (PUT, PATCH, POST or a batch's member): NULL if valid,
 * else the detail of the 400. @field is set to the offending member. */
static char *
check_body (List        *list,
            JsonObject  *body,
            JsonObject  *existing,
            const char **field)
{
  JsonNode *node;
  const char *status = NULL;

  *field = NULL;
  node = json_object_get_member (body, "email_address");
  if (node != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          *field = "email_address";
          return g_strdup ("email_address must be a string");
        }
      if (email_is_fake (json_node_get_string (node)))
        {
          *field = "email_address";
          return g_strdup_printf ("%s looks fake or invalid, please enter a real email address.",
                                  json_node_get_string (node));
        }
    }

  node = json_object_get_member (body, "status");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    status = json_node_get_string (node);
  if (node != NULL && (status == NULL || !g_strv_contains (writable_statuses, status)))
    {
      *field = "status";
      return g_strdup ("The status must be subscribed, unsubscribed, pending or transactional");
    }
  node = json_object_get_member (body, "status_if_new");
  if (node != NULL && (!JSON_NODE_HOLDS_VALUE (node) ||
                       json_node_get_value_type (node) != G_TYPE_STRING ||
                       !g_strv_contains (writable_statuses, json_node_get_string (node))))
    {
      *field = "status_if_new";
      return g_strdup ("The status_if_new must be subscribed, unsubscribed, pending or "
                       "transactional");
    }

  node = json_object_get_member (body, "merge_fields");
  if (node != NULL)
    {
      JsonObjectIter iter;
      const char *tag;
      JsonNode *value;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          *field = "merge_fields";
          return g_strdup ("merge_fields must be an object");
        }
      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &tag, &value))
        {
          MField *merge = find_field (list, tag);
          char *problem;

          if (merge == NULL)
            continue;
          if ((problem = check_merge_value (merge, value)) != NULL)
            {
              *field = "merge_fields";
              return problem;
            }
        }
    }

  node = json_object_get_member (body, "tags");
  if (node != NULL && !JSON_NODE_HOLDS_ARRAY (node))
    {
      *field = "tags";
      return g_strdup ("tags must be an array");
    }
  return NULL;
}

/* A new member's body without a required merge field: its tag, or NULL
 * (unless the write skips merge validation). */
static const char *
missing_required (List       *list,
                  JsonObject *body,
                  gboolean    skip)
{
  JsonObject *merge = json_object_has_member (body, "merge_fields") &&
                      JSON_NODE_HOLDS_OBJECT (json_object_get_member (body, "merge_fields"))
                      ? json_object_get_object_member (body, "merge_fields") : NULL;

  for (guint i = 0; !skip && i < list->fields->len; i++)
    {
      MField *field = g_ptr_array_index (list->fields, i);
      JsonNode *value = merge != NULL ? json_object_get_member (merge, field->tag) : NULL;

      if (field->required &&
          (value == NULL || JSON_NODE_HOLDS_NULL (value) ||
           (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING &&
            *json_node_get_string (value) == '\0')))
        return field->tag;
    }
  return NULL;
}

static void
set_tags (JsonObject *member,
          JsonArray  *names,
          gboolean    add)
{
  JsonArray *tags = json_object_get_array_member (member, "tags");
  g_autoptr(JsonArray) kept = json_array_new ();

  for (guint i = 0; i < json_array_get_length (names); i++)
    {
      JsonNode *item = json_array_get_element (names, i);
      const char *name = NULL;
      gboolean active = TRUE;
      gboolean found = FALSE;

      if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING)
        name = json_node_get_string (item);
      else if (JSON_NODE_HOLDS_OBJECT (item))
        {
          JsonObject *object = json_node_get_object (item);

          name = json_object_get_string_member_with_default (object, "name", NULL);
          active = g_strcmp0 (json_object_get_string_member_with_default (object, "status",
                                                                          "active"),
                              "inactive") != 0;
        }
      if (name == NULL || *name == '\0')
        continue;

      for (guint j = 0; j < json_array_get_length (tags); j++)
        if (g_str_equal (json_object_get_string_member (json_array_get_object_element (tags, j),
                                                        "name"), name))
          {
            found = TRUE;
            if (!active)
              json_array_remove_element (tags, j);
            break;
          }
      if (!found && active)
        {
          JsonObject *tag = json_object_new ();

          json_object_set_int_member (tag, "id", (gint64) (g_str_hash (name) & 0xffffff));
          json_object_set_string_member (tag, "name", name);
          json_array_add_object_element (tags, tag);
        }
    }
  json_object_set_int_member (member, "tags_count", json_array_get_length (tags));
}

/* Applies a checked body; @is_new: status_if_new applies. */
static void
apply_body (ConcordMockMailchimp *self,
            List                 *list,
            JsonObject           *member,
            JsonObject           *body,
            gboolean              is_new)
{
  JsonNode *node;
  g_autofree char *now = next_time (self);

  if (is_new && json_object_has_member (body, "status_if_new"))
    json_object_set_string_member (member, "status",
                                   json_object_get_string_member (body, "status_if_new"));
  if (json_object_has_member (body, "status"))
    json_object_set_string_member (member, "status", json_object_get_string_member (body, "status"));

  node = json_object_get_member (body, "email_address");
  if (node != NULL && !is_new)
    {
      const char *email = json_node_get_string (node);
      g_autofree char *old = g_strdup (json_object_get_string_member (member, "id"));
      g_autofree char *hash = hash_of (email);

      /* A new address is a new hash. */
      json_object_set_string_member (member, "email_address", email);
      json_object_set_string_member (member, "id", hash);
      g_hash_table_remove (list->by_hash, old);
      g_hash_table_replace (list->by_hash, g_strdup (hash), member);
    }

  node = json_object_get_member (body, "merge_fields");
  if (node != NULL)
    {
      JsonObject *merge = json_object_get_object_member (member, "merge_fields");
      JsonObjectIter iter;
      const char *tag;
      JsonNode *value;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &tag, &value))
        {
          MField *field = find_field (list, tag);

          if (field != NULL)
            json_object_set_member (merge, field->tag, json_node_copy (value));
        }
    }

  node = json_object_get_member (body, "tags");
  if (node != NULL && is_new)
    set_tags (member, json_node_get_array (node), TRUE);

  json_object_set_string_member (member, "last_changed", now);
}

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

static char *
build_error_body (guint       status,
                  const char *message,
                  gpointer    user_data)
{
  return problem_body (status, title_of (status), message, NULL);
}

static void
respond_problem (ConcordMockRequest *request,
                 guint               status,
                 const char         *title,
                 const char         *detail,
                 const char         *field)
{
  concord_mock_request_respond (request, status, "application/problem+json",
                                problem_body (status, title, detail, field));
}

static void
respond_object (ConcordMockRequest *request,
                guint               status,
                JsonObject         *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  concord_mock_request_respond (request, status, "application/json", json_to_string (node, FALSE));
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
  respond_object (request, SOUP_STATUS_OK, root);
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
  List *list = item;
  JsonObject *object = json_object_new ();
  JsonObject *stats = json_object_new ();

  json_object_set_string_member (object, "id", list->id);
  json_object_set_string_member (object, "name", list->name);
  json_object_set_int_member (stats, "member_count", list->members->len);
  json_object_set_object_member (object, "stats", stats);
  return object;
}

static JsonObject *
make_field (gpointer item,
            gpointer data)
{
  MField *field = item;
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
list_members (ConcordMockMailchimp *self,
              ConcordMockRequest   *request,
              List                 *list)
{
  const char *status = concord_mock_request_get_query_param (request, "status");
  const char *since_text = concord_mock_request_get_query_param (request, "since_last_changed");
  const char *sort_field = concord_mock_request_get_query_param (request, "sort_field");
  const char *sort_dir = concord_mock_request_get_query_param (request, "sort_dir");
  g_autoptr(GPtrArray) chosen = g_ptr_array_new ();
  JsonObject *extra = json_object_new ();
  gint64 since = -1;

  if (since_text != NULL && (since = parse_time (since_text)) < 0)
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
      if (since >= 0 && parse_time (json_object_get_string_member (member, "last_changed")) <= since)
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

/* PUT (upsert), PATCH, POST of one member. */
static void
write_member (ConcordMockMailchimp *self,
              ConcordMockRequest   *request,
              List                 *list,
              const char           *hash,
              const char           *method)
{
  g_autoptr(JsonObject) body = request_body (request);
  g_autofree char *problem = NULL;
  JsonObject *member = hash != NULL ? g_hash_table_lookup (list->by_hash, hash) : NULL;
  const char *email;
  const char *field = NULL;
  const char *wanted;
  g_autofree char *new_hash = NULL;
  gboolean is_new;

  if (body == NULL)
    {
      respond_problem (request, 400, "JSON Parse Error",
                       "We encountered an unspecified JSON parsing error.", NULL);
      return;
    }
  if ((problem = check_body (list, body, member, &field)) != NULL)
    {
      respond_problem (request, 400, "Invalid Resource", problem, field);
      return;
    }
  email = json_object_get_string_member_with_default (body, "email_address", NULL);

  if (g_str_equal (method, "PATCH") && member == NULL)
    {
      respond_problem (request, 404, "Resource Not Found",
                       "The requested resource could not be found.", NULL);
      return;
    }
  if (g_str_equal (method, "POST") || g_str_equal (method, "PUT"))
    {
      g_autofree char *expected = NULL;

      if (email == NULL)
        {
          respond_problem (request, 400, "Invalid Resource",
                           "The resource submitted could not be validated.", "email_address");
          return;
        }
      expected = hash_of (email);
      if (g_str_equal (method, "PUT") && g_strcmp0 (expected, hash) != 0)
        {
          respond_problem (request, 400, "Invalid Resource",
                           "The subscriber hash is not the hash of the email address.",
                           "email_address");
          return;
        }
      member = g_hash_table_lookup (list->by_hash, expected);
      if (g_str_equal (method, "POST") && member != NULL)
        {
          g_autofree char *detail = g_strdup_printf ("%s is already a list member. Use PUT to "
                                                     "insert or update list members.", email);

          respond_problem (request, 400, "Member Exists", detail, NULL);
          return;
        }
      if (member == NULL && g_str_equal (method, "PUT") &&
          !json_object_has_member (body, "status_if_new") && !json_object_has_member (body, "status"))
        {
          respond_problem (request, 400, "Invalid Resource",
                           "The resource submitted could not be validated.", "status_if_new");
          return;
        }
      if (member == NULL && g_str_equal (method, "POST") && !json_object_has_member (body, "status"))
        {
          respond_problem (request, 400, "Invalid Resource",
                           "The resource submitted could not be validated.", "status");
          return;
        }
    }

  is_new = member == NULL;
  if (is_new && (field = missing_required (list, body,
                                           g_strcmp0 (concord_mock_request_get_query_param (
                                                        request, "skip_merge_validation"),
                                                      "true") == 0)) != NULL)
    {
      g_autofree char *detail = g_strdup_printf ("Your merge fields were invalid. %s is required.",
                                                 field);

      respond_problem (request, 400, "Invalid Resource", detail, field);
      return;
    }
  wanted = json_object_get_string_member_with_default (body, "status", NULL);
  if (!is_new && wanted != NULL && g_str_equal (wanted, "subscribed") &&
      (g_strcmp0 (json_object_get_string_member (member, "status"), "unsubscribed") == 0 ||
       g_strcmp0 (json_object_get_string_member (member, "status"), "cleaned") == 0))
    {
      g_autofree char *detail = g_strdup_printf ("%s is in a compliance state due to "
                                                 "unsubscribe, bounce, or compliance review and "
                                                 "cannot be subscribed.",
                                                 json_object_get_string_member (member,
                                                                                "email_address"));

      respond_problem (request, 400, "Member In Compliance State", detail, NULL);
      return;
    }
  if (!is_new && email != NULL && g_strcmp0 (json_object_get_string_member (member, "id"),
                                              (new_hash = hash_of (email))) != 0 &&
      g_hash_table_contains (list->by_hash, new_hash))
    {
      respond_problem (request, 400, "Member Exists",
                       "Another member of the list has that address.", NULL);
      return;
    }

  if (is_new)
    member = new_member (self, list, email);
  apply_body (self, list, member, body, is_new);
  respond_object (request, SOUP_STATUS_OK, json_object_ref (member));
}

static JsonObject *
batch_error (const char *email,
             const char *error,
             const char *code,
             const char *field)
{
  JsonObject *item = json_object_new ();

  json_object_set_string_member (item, "email_address", email != NULL ? email : "");
  json_object_set_string_member (item, "error", error);
  json_object_set_string_member (item, "error_code", code);
  json_object_set_string_member (item, "field", field != NULL ? field : "");
  json_object_set_string_member (item, "field_message", "");
  return item;
}

/* POST /lists/{id}: the synchronous batch subscribe. */
static void
batch_subscribe (ConcordMockMailchimp *self,
                 ConcordMockRequest   *request,
                 List                 *list,
                 guint                 max_items)
{
  g_autoptr(JsonObject) body = request_body (request);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonObject *answer;
  JsonArray *created, *updated, *errors;
  JsonArray *members;
  gboolean update_existing;
  gboolean skip_merge;

  if (body == NULL || !json_object_has_member (body, "members") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (body, "members")))
    {
      respond_problem (request, 400, "Invalid Resource",
                       "The resource submitted could not be validated.", "members");
      return;
    }
  members = json_object_get_array_member (body, "members");
  if (max_items > 0 && json_array_get_length (members) > max_items)
    {
      respond_problem (request, 413, "Request Too Large", "The request is too large.", NULL);
      return;
    }
  if (json_array_get_length (members) > MAX_BATCH)
    {
      respond_problem (request, 400, "Invalid Resource",
                       "members: Cannot exceed 500 items per batch.", "members");
      return;
    }
  update_existing = json_object_get_boolean_member_with_default (body, "update_existing", FALSE);
  skip_merge = json_object_get_boolean_member_with_default (body, "skip_merge_validation", FALSE);

  answer = json_object_new ();
  created = json_array_new ();
  updated = json_array_new ();
  errors = json_array_new ();

  for (guint i = 0; i < json_array_get_length (members); i++)
    {
      JsonNode *node = json_array_get_element (members, i);
      JsonObject *item = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *email = item != NULL
                          ? json_object_get_string_member_with_default (item, "email_address", NULL)
                          : NULL;
      g_autofree char *problem = NULL;
      g_autofree char *hash = NULL;
      g_autofree char *lower = NULL;
      const char *field = NULL;
      const char *status;
      JsonObject *member;

      if (item == NULL || email == NULL)
        {
          json_array_add_object_element (errors, batch_error (NULL, "The email address is "
                                                              "required.", "ERROR_GENERIC",
                                                              "email_address"));
          continue;
        }
      if ((problem = check_body (list, item, NULL, &field)) != NULL)
        {
          json_array_add_object_element (errors, batch_error (email, problem, "ERROR_GENERIC",
                                                              field));
          continue;
        }
      status = json_object_get_string_member_with_default (item, "status", NULL);
      if (status == NULL)
        {
          json_array_add_object_element (errors, batch_error (email, "The status is required.",
                                                              "ERROR_GENERIC", "status"));
          continue;
        }
      lower = g_ascii_strdown (email, -1);
      if (!g_hash_table_add (seen, g_strdup (lower)))
        {
          json_array_add_object_element (errors, batch_error (email, "This email address is "
                                                              "already in this batch.",
                                                              "ERROR_GENERIC", "email_address"));
          continue;
        }

      hash = hash_of (email);
      member = g_hash_table_lookup (list->by_hash, hash);
      if (member != NULL && !update_existing)
        {
          g_autofree char *text = g_strdup_printf ("%s is already a list member, do you want to "
                                                   "update? please provide update_existing:true "
                                                   "in the request body", email);

          json_array_add_object_element (errors, batch_error (email, text, "ERROR_CONTACT_EXISTS",
                                                              "email_address"));
          continue;
        }
      if (member != NULL && g_str_equal (status, "subscribed") &&
          (g_strcmp0 (json_object_get_string_member (member, "status"), "unsubscribed") == 0 ||
           g_strcmp0 (json_object_get_string_member (member, "status"), "cleaned") == 0))
        {
          json_array_add_object_element (errors, batch_error (email, "Member In Compliance State",
                                                              "ERROR_GENERIC", "status"));
          continue;
        }
      if (member == NULL && (field = missing_required (list, item, skip_merge)) != NULL)
        {
          g_autofree char *text = g_strdup_printf ("Your merge fields were invalid. %s is "
                                                   "required.", field);

          json_array_add_object_element (errors, batch_error (email, text, "ERROR_GENERIC",
                                                              field));
          continue;
        }
      if (member == NULL)
        {
          member = new_member (self, list, email);
          apply_body (self, list, member, item, TRUE);
          json_array_add_object_element (created, json_object_ref (member));
        }
      else
        {
          apply_body (self, list, member, item, FALSE);
          json_array_add_object_element (updated, json_object_ref (member));
        }
    }

  json_object_set_int_member (answer, "total_created", json_array_get_length (created));
  json_object_set_int_member (answer, "total_updated", json_array_get_length (updated));
  json_object_set_int_member (answer, "error_count", json_array_get_length (errors));
  json_object_set_array_member (answer, "new_members", created);
  json_object_set_array_member (answer, "updated_members", updated);
  json_object_set_array_member (answer, "errors", errors);
  respond_object (request, SOUP_STATUS_OK, answer);
}

static void
write_tags (ConcordMockMailchimp *self,
            ConcordMockRequest   *request,
            JsonObject           *member)
{
  g_autoptr(JsonObject) body = request_body (request);
  g_autofree char *now = NULL;

  if (body == NULL || !json_object_has_member (body, "tags") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (body, "tags")))
    {
      respond_problem (request, 400, "Invalid Resource",
                       "The resource submitted could not be validated.", "tags");
      return;
    }
  set_tags (member, json_object_get_array_member (body, "tags"), TRUE);
  now = next_time (self);
  json_object_set_string_member (member, "last_changed", now);
  concord_mock_request_respond (request, SOUP_STATUS_NO_CONTENT, NULL, NULL);
}

static void save_locked (ConcordMockMailchimp *self);

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

static void
on_request_cb (ConcordMockRequest *request,
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
  List *list = NULL;
  guint n_parts;
  gboolean wrote = FALSE;

  /* Connections, not volume: the 11th at once is refused. */
  if (concord_mock_server_get_in_flight (server) > self->max_connections)
    {
      respond_problem (request, 429, "Too Many Requests",
                       "You have exceeded the limit of 10 simultaneous connections.", NULL);
      return;
    }

  locker = g_mutex_locker_new (&self->mutex);
  if (!g_str_has_prefix (full_path, API_PREFIX "/") )
    {
      respond_problem (request, 404, "Resource Not Found",
                       "The requested resource could not be found.", NULL);
      return;
    }
  if (!check_key (self, request, &detail))
    {
      respond_problem (request, 401, "API Key Invalid", detail, NULL);
      return;
    }

  path = full_path + strlen (API_PREFIX);
  parts = g_strsplit (path + 1, "/", 6);
  n_parts = g_strv_length (parts);

  if (g_str_equal (path, "/ping") && g_str_equal (method, "GET"))
    {
      JsonObject *ping = json_object_new ();

      json_object_set_string_member (ping, "health_status", "Everything's Chimpy!");
      respond_object (request, SOUP_STATUS_OK, ping);
      return;
    }
  if (n_parts == 0 || !g_str_equal (parts[0], "lists"))
    {
      respond_problem (request, 404, "Resource Not Found",
                       "The requested resource could not be found.", NULL);
      return;
    }
  if (n_parts == 1 || (n_parts == 2 && *parts[1] == '\0'))
    {
      if (g_str_equal (method, "GET"))
        respond_page (request, self->lists, "lists", make_list, NULL, NULL);
      else
        respond_problem (request, 405, "Method Not Allowed",
                         "The requested method and resource are not compatible.", NULL);
      return;
    }

  list = find_list (self, parts[1]);
  if (list == NULL)
    {
      respond_problem (request, 404, "Resource Not Found",
                       "The requested resource could not be found.", NULL);
      return;
    }

  if (n_parts == 2)
    {
      if (g_str_equal (method, "GET"))
        respond_object (request, SOUP_STATUS_OK, make_list (list, NULL));
      else if (g_str_equal (method, "POST"))
        {
          /* The framework's 413 counts a top-level array; the batch is an
           * object, whose members are counted here. */
          batch_subscribe (self, request, list, concord_mock_server_get_max_items (server));
          wrote = TRUE;
        }
      else
        respond_problem (request, 405, "Method Not Allowed",
                         "The requested method and resource are not compatible.", NULL);
    }
  else if (n_parts == 3 && g_str_equal (parts[2], "merge-fields") && g_str_equal (method, "GET"))
    respond_page (request, list->fields, "merge_fields", make_field, list->id, NULL);
  else if (n_parts == 3 && g_str_equal (parts[2], "members"))
    {
      if (g_str_equal (method, "GET"))
        list_members (self, request, list);
      else if (g_str_equal (method, "POST"))
        {
          write_member (self, request, list, NULL, "POST");
          wrote = TRUE;
        }
      else
        respond_problem (request, 405, "Method Not Allowed",
                         "The requested method and resource are not compatible.", NULL);
    }
  else if ((n_parts == 4 || n_parts == 5) && g_str_equal (parts[2], "members"))
    {
      g_autofree char *hash = g_ascii_strdown (parts[3], -1);
      JsonObject *member = g_hash_table_lookup (list->by_hash, hash);

      if (n_parts == 5 && g_str_equal (parts[4], "tags") && g_str_equal (method, "POST"))
        {
          if (member == NULL)
            respond_problem (request, 404, "Resource Not Found",
                             "The requested resource could not be found.", NULL);
          else
            {
              write_tags (self, request, member);
              wrote = TRUE;
            }
        }
      else if (n_parts == 5)
        respond_problem (request, 404, "Resource Not Found",
                         "The requested resource could not be found.", NULL);
      else if (g_str_equal (method, "GET"))
        {
          if (member == NULL)
            respond_problem (request, 404, "Resource Not Found",
                             "The requested resource could not be found.", NULL);
          else
            respond_object (request, SOUP_STATUS_OK, json_object_ref (member));
        }
      else if (g_str_equal (method, "PUT") || g_str_equal (method, "PATCH"))
        {
          write_member (self, request, list, hash, method);
          wrote = TRUE;
        }
      else if (g_str_equal (method, "DELETE"))
        {
          if (member == NULL)
            respond_problem (request, 404, "Resource Not Found",
                             "The requested resource could not be found.", NULL);
          else
            {
              g_autofree char *now = next_time (self);

              json_object_set_string_member (member, "status", "archived");
              json_object_set_string_member (member, "last_changed", now);
              concord_mock_request_respond (request, SOUP_STATUS_NO_CONTENT, NULL, NULL);
              wrote = TRUE;
            }
        }
      else
        respond_problem (request, 405, "Method Not Allowed",
                         "The requested method and resource are not compatible.", NULL);
    }
  else
    respond_problem (request, 404, "Resource Not Found",
                     "The requested resource could not be found.", NULL);

  if (wrote)
    save_locked (self);
}

/* ------------------------------------------------------------------------- */
/* Files (the sandbox)                                                       */
/* ------------------------------------------------------------------------- */

static JsonNode *
to_json_locked (ConcordMockMailchimp *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, "concord-mock-mailchimp");
  json_builder_set_member_name (builder, "lists");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->lists->len; i++)
    {
      List *list = g_ptr_array_index (self->lists, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, list->id);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, list->name);
      json_builder_set_member_name (builder, "merge_fields");
      json_builder_begin_array (builder);
      for (guint f = 0; f < list->fields->len; f++)
        {
          g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

          json_node_take_object (node, make_field (g_ptr_array_index (list->fields, f), list->id));
          json_builder_add_value (builder, json_node_copy (node));
        }
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "members");
      json_builder_begin_array (builder);
      for (guint m = 0; m < list->members->len; m++)
        {
          JsonNode *node = json_node_new (JSON_NODE_OBJECT);

          json_node_set_object (node, g_ptr_array_index (list->members, m));
          json_builder_add_value (builder, node);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static void
save_locked (ConcordMockMailchimp *self)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  if (self->save_path == NULL)
    return;
  root = to_json_locked (self);
  text = json_to_string (root, FALSE);
  if (!g_file_set_contents (self->save_path, text, -1, &error))
    g_warning ("Could not save the simulated Mailchimp account: %s", error->message);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_mock_mailchimp_dispose (GObject *object)
{
  ConcordMockMailchimp *self = CONCORD_MOCK_MAILCHIMP (object);

  /* The server first: no handler runs on the data after this. */
  g_clear_object (&self->server);

  G_OBJECT_CLASS (concord_mock_mailchimp_parent_class)->dispose (object);
}

static void
concord_mock_mailchimp_finalize (GObject *object)
{
  ConcordMockMailchimp *self = CONCORD_MOCK_MAILCHIMP (object);

  g_free (self->base_url);
  g_free (self->api_key);
  g_free (self->save_path);
  g_ptr_array_unref (self->lists);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (concord_mock_mailchimp_parent_class)->finalize (object);
}

static void
concord_mock_mailchimp_class_init (ConcordMockMailchimpClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = concord_mock_mailchimp_dispose;
  object_class->finalize = concord_mock_mailchimp_finalize;
}

static void
concord_mock_mailchimp_init (ConcordMockMailchimp *self)
{
  g_mutex_init (&self->mutex);
  self->lists = g_ptr_array_new_with_free_func ((GDestroyNotify) list_free);
  self->max_connections = CONCORD_MOCK_MAILCHIMP_MAX_CONNECTIONS;
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_mock_mailchimp_new:
 * @api_key: the only key accepted ("<hex>-us6")
 * @port: 0 for any free port on 127.0.0.1
 *
 * Returns: (transfer full): a running mock with an account without
 *   audiences
 */
ConcordMockMailchimp *
concord_mock_mailchimp_new (const char  *api_key,
                            guint        port,
                            GError     **error)
{
  g_autoptr(ConcordMockMailchimp) self = NULL;

  g_return_val_if_fail (api_key != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_MOCK_MAILCHIMP, NULL);
  self->api_key = g_strdup (api_key);
  self->server = concord_mock_server_new ("concord-mock-mailchimp", port, error);
  if (self->server == NULL)
    return NULL;
  concord_mock_server_set_error_body_func (self->server, build_error_body, self, NULL);
  concord_mock_server_add_route (self->server, NULL, "/", on_request_cb, self, NULL);
  self->base_url = g_strconcat (concord_mock_server_get_origin (self->server), API_PREFIX, NULL);

  return g_steal_pointer (&self);
}

const char *
concord_mock_mailchimp_get_base_url (ConcordMockMailchimp *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_MAILCHIMP (self), NULL);

  return self->base_url;
}

ConcordMockServer *
concord_mock_mailchimp_get_server (ConcordMockMailchimp *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_MAILCHIMP (self), NULL);

  return self->server;
}

void
concord_mock_mailchimp_set_api_key (ConcordMockMailchimp *self,
                                    const char           *api_key)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_MAILCHIMP (self));
  g_return_if_fail (api_key != NULL);

  locker = g_mutex_locker_new (&self->mutex);
  g_free (self->api_key);
  self->api_key = g_strdup (api_key);
}

static List *
add_list_locked (ConcordMockMailchimp *self,
                 const char           *id,
                 const char           *name)
{
  List *list = g_new0 (List, 1);

  if (id != NULL)
    list->id = g_strdup (id);
  else
    {
      /* The k-th audience's id is the same in every mock, the first one
       * CONCORD_MOCK_MAILCHIMP_FIRST_LIST_ID. */
      g_autofree char *seed = g_strdup_printf ("concord-mock-list-%u", self->next_list++);
      g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_MD5, seed, -1);

      list->id = g_strndup (sum, 10);
    }
  list->name = g_strdup (name);
  list->members = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  list->by_hash = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  list->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) mfield_free);
  g_ptr_array_add (self->lists, list);
  return list;
}

static void
add_field_locked (List               *list,
                  const char         *tag,
                  const char         *name,
                  const char         *type,
                  const char * const *choices)
{
  MField *field = g_new0 (MField, 1);

  field->tag = g_ascii_strup (tag, -1);
  field->name = g_strdup (name);
  field->type = g_strdup (type);
  field->choices = choices != NULL ? g_strdupv ((char **) choices) : NULL;
  field->merge_id = list->fields->len + 1;
  g_ptr_array_add (list->fields, field);
  for (guint i = 0; i < list->members->len; i++)
    {
      JsonObject *merge = json_object_get_object_member (g_ptr_array_index (list->members, i),
                                                         "merge_fields");

      if (!json_object_has_member (merge, field->tag))
        json_object_set_string_member (merge, field->tag, "");
    }
}

/**
 * concord_mock_mailchimp_add_list:
 *
 * Adds an audience with Mailchimp's default merge fields (FNAME, LNAME,
 * ADDRESS, PHONE, BIRTHDAY).
 *
 * Returns: (transfer full): its id
 */
char *
concord_mock_mailchimp_add_list (ConcordMockMailchimp *self,
                                 const char           *name)
{
  g_autoptr(GMutexLocker) locker = NULL;
  List *list;

  g_return_val_if_fail (CONCORD_IS_MOCK_MAILCHIMP (self), NULL);

  locker = g_mutex_locker_new (&self->mutex);
  list = add_list_locked (self, NULL, name);
  add_field_locked (list, "FNAME", "First Name", "text", NULL);
  add_field_locked (list, "LNAME", "Last Name", "text", NULL);
  add_field_locked (list, "ADDRESS", "Address", "address", NULL);
  add_field_locked (list, "PHONE", "Phone Number", "phone", NULL);
  add_field_locked (list, "BIRTHDAY", "Birthday", "birthday", NULL);
  return g_strdup (list->id);
}

/* Returns: (transfer full) (nullable): the id of the @index-th audience */
char *
concord_mock_mailchimp_dup_list_id (ConcordMockMailchimp *self,
                                    guint                 index)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  return index < self->lists->len
         ? g_strdup (((List *) g_ptr_array_index (self->lists, index))->id) : NULL;
}

/**
 * concord_mock_mailchimp_add_merge_field:
 * @type: text, number, date, dropdown, radio, phone, address, birthday, …
 * @choices: (nullable): a dropdown's or radio's choices
 */
void
concord_mock_mailchimp_add_merge_field (ConcordMockMailchimp *self,
                                        const char           *list_id,
                                        const char           *tag,
                                        const char           *name,
                                        const char           *type,
                                        const char * const   *choices)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  List *list = find_list (self, list_id);

  g_return_if_fail (list != NULL);
  add_field_locked (list, tag, name, type, choices);
}

/**
 * concord_mock_mailchimp_set_merge_field_required:
 *
 * A required merge field: a new member without it is refused, unless the
 * write skips merge validation (skip_merge_validation).
 */
void
concord_mock_mailchimp_set_merge_field_required (ConcordMockMailchimp *self,
                                                 const char           *list_id,
                                                 const char           *tag,
                                                 gboolean              required)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  List *list = find_list (self, list_id);
  MField *field = list != NULL ? find_field (list, tag) : NULL;

  g_return_if_fail (field != NULL);
  field->required = required;
}

/**
 * concord_mock_mailchimp_put_member_json:
 * @member_json: a member as the API shows it (email_address required),
 *   stored without the API's checks, so tests can store what it refuses
 *
 * Returns: (transfer full) (nullable): the member's hash
 */
char *
concord_mock_mailchimp_put_member_json (ConcordMockMailchimp  *self,
                                        const char            *list_id,
                                        const char            *member_json,
                                        GError               **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  g_autoptr(JsonParser) parser = json_parser_new ();
  List *list = find_list (self, list_id);
  JsonObject *body;
  JsonObject *member;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  const char *email;
  g_autofree char *hash = NULL;

  if (list == NULL || !json_parser_load_from_data (parser, member_json, -1, error))
    {
      if (list == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no such list");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) ||
      (email = json_object_get_string_member_with_default (
         json_node_get_object (json_parser_get_root (parser)), "email_address", NULL)) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no email_address");
      return NULL;
    }
  body = json_node_get_object (json_parser_get_root (parser));
  hash = hash_of (email);
  member = g_hash_table_lookup (list->by_hash, hash);
  if (member == NULL)
    member = new_member (self, list, email);

  json_object_iter_init (&iter, body);
  while (json_object_iter_next (&iter, &name, &value))
    if (g_str_equal (name, "merge_fields") && JSON_NODE_HOLDS_OBJECT (value))
      {
        JsonObjectIter fields;
        const char *tag;
        JsonNode *field_value;

        json_object_iter_init (&fields, json_node_get_object (value));
        while (json_object_iter_next (&fields, &tag, &field_value))
          json_object_set_member (json_object_get_object_member (member, "merge_fields"), tag,
                                  json_node_copy (field_value));
      }
    else if (g_str_equal (name, "tags") && JSON_NODE_HOLDS_ARRAY (value))
      set_tags (member, json_node_get_array (value), TRUE);
    else if (!g_str_equal (name, "id"))
      json_object_set_member (member, name, json_node_copy (value));
  return g_strdup (json_object_get_string_member (member, "id"));
}

/* Returns: (transfer full) (nullable): the member of that address as GET shows it */
char *
concord_mock_mailchimp_get_member_json (ConcordMockMailchimp *self,
                                        const char           *list_id,
                                        const char           *email)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  List *list = find_list (self, list_id);
  g_autofree char *hash = hash_of (email);
  JsonObject *member = list != NULL ? g_hash_table_lookup (list->by_hash, hash) : NULL;
  g_autoptr(JsonNode) node = NULL;

  if (member == NULL)
    return NULL;
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, member);
  return json_to_string (node, FALSE);
}

/**
 * concord_mock_mailchimp_set_status:
 *
 * What a person does in Mailchimp (an unsubscribe link, a bounce the
 * app cleans): any status, without the API's rules.
 *
 * Returns: whether the member exists
 */
gboolean
concord_mock_mailchimp_set_status (ConcordMockMailchimp *self,
                                   const char           *list_id,
                                   const char           *email,
                                   const char           *status)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  List *list = find_list (self, list_id);
  g_autofree char *hash = hash_of (email);
  JsonObject *member = list != NULL ? g_hash_table_lookup (list->by_hash, hash) : NULL;
  g_autofree char *now = NULL;

  if (member == NULL)
    return FALSE;
  now = next_time (self);
  json_object_set_string_member (member, "status", status);
  json_object_set_string_member (member, "last_changed", now);
  save_locked (self);
  return TRUE;
}

guint
concord_mock_mailchimp_get_n_members (ConcordMockMailchimp *self,
                                      const char           *list_id)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  List *list = find_list (self, list_id);

  return list != NULL ? list->members->len : 0;
}

/**
 * concord_mock_mailchimp_set_max_connections:
 * @max: requests in flight before a 429 (Mailchimp's is 10)
 */
void
concord_mock_mailchimp_set_max_connections (ConcordMockMailchimp *self,
                                            guint                 max)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  self->max_connections = max;
}

/**
 * concord_mock_mailchimp_generate:
 *
 * Adds @n made-up members, the same for the same @seed, to the first
 * audience, with what a small business's account has around them (made
 * on the first call): the audience "Newsletter", merge fields Company,
 * city, Plan (a dropdown) and Age, and tags; and an empty second audience,
 * "Customers".
 */
void
concord_mock_mailchimp_generate (ConcordMockMailchimp *self,
                                 guint                 n,
                                 guint32               seed)
{
  static const char *first_names[] = { "Ada", "Ben", "Chloé", "Dmitri", "Eva", "Farah", "Goran",
                                       "Hana", "Ivo", "Jun" };
  static const char *last_names[] = { "Lovelace", "Okafor", "Durand", "Petrov", "Novak", "Haddad",
                                      "Ilić", "Sato", "Costa", "Lee" };
  static const char *companies[] = { "Acme Ltd", "Globex", "Initech", "Umbrella Co", "Hooli" };
  static const char *cities[] = { "Lisbon", "Osaka", "Lagos", "Lyon", "Quito" };
  static const char *plans[] = { "free", "pro", "team", NULL };
  static const char *tags[] = { "Customer", "Lead", "VIP" };
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree char *list_id = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_MAILCHIMP (self));

  list_id = concord_mock_mailchimp_dup_list_id (self, 0);
  if (list_id == NULL)
    {
      list_id = concord_mock_mailchimp_add_list (self, "Newsletter");
      concord_mock_mailchimp_add_merge_field (self, list_id, "COMPANY", "Company", "text", NULL);
      concord_mock_mailchimp_add_merge_field (self, list_id, "CITY", "city", "text", NULL);
      concord_mock_mailchimp_add_merge_field (self, list_id, "PLAN", "Plan", "dropdown", plans);
      concord_mock_mailchimp_add_merge_field (self, list_id, "AGE", "Age", "number", NULL);
      /* A second, empty audience, as most accounts have, so that the
       * contact-type step shows a choice. */
      g_free (concord_mock_mailchimp_add_list (self, "Customers"));
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
      List *list = find_list (self, list_id);
      g_autofree char *email = g_strdup_printf ("member%05u.%u@example.com", i, seed);
      g_autofree char *hash = hash_of (email);
      JsonObject *member;
      JsonObject *merge;
      int roll = g_rand_int_range (rand, 0, 20);

      if (g_hash_table_contains (list->by_hash, hash))
        continue;
      member = new_member (self, list, email);
      merge = json_object_get_object_member (member, "merge_fields");
      json_object_set_string_member (merge, "FNAME",
                                     first_names[g_rand_int_range (rand, 0,
                                                                   G_N_ELEMENTS (first_names))]);
      json_object_set_string_member (merge, "LNAME",
                                     last_names[g_rand_int_range (rand, 0,
                                                                  G_N_ELEMENTS (last_names))]);
      if (find_field (list, "COMPANY") != NULL && g_rand_boolean (rand))
        json_object_set_string_member (merge, "COMPANY",
                                       companies[g_rand_int_range (rand, 0,
                                                                   G_N_ELEMENTS (companies))]);
      if (find_field (list, "CITY") != NULL && g_rand_boolean (rand))
        json_object_set_string_member (merge, "CITY",
                                       cities[g_rand_int_range (rand, 0, G_N_ELEMENTS (cities))]);
      if (find_field (list, "PLAN") != NULL)
        json_object_set_string_member (merge, "PLAN", i % 14 == 0 ? "pro" : "free");
      json_object_set_string_member (member, "status",
                                     roll == 0 ? "unsubscribed" : roll == 1 ? "cleaned"
                                     : roll == 2 ? "pending" : roll == 3 ? "transactional"
                                     : "subscribed");
      if (g_rand_int_range (rand, 0, 3) == 0)
        {
          g_autoptr(JsonArray) names = json_array_new ();

          json_array_add_string_element (names, tags[g_rand_int_range (rand, 0,
                                                                       G_N_ELEMENTS (tags))]);
          set_tags (member, names, TRUE);
        }
    }

  {
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

    save_locked (self);
  }
}

/**
 * concord_mock_mailchimp_load_file:
 *
 * Replaces the account's audiences with those of @path, as
 * concord_mock_mailchimp_set_save_path() saves them.
 */
gboolean
concord_mock_mailchimp_load_file (ConcordMockMailchimp  *self,
                                  const char            *path,
                                  GError               **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonArray *lists;

  if (!json_parser_load_from_file (parser, path, error))
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) ||
      g_strcmp0 (json_object_get_string_member_with_default (
                   json_node_get_object (json_parser_get_root (parser)), "format", NULL),
                 "concord-mock-mailchimp") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s is not a simulated Mailchimp account", path);
      return FALSE;
    }
  root = json_node_get_object (json_parser_get_root (parser));
  lists = json_object_get_array_member (root, "lists");

  g_ptr_array_set_size (self->lists, 0);
  for (guint i = 0; lists != NULL && i < json_array_get_length (lists); i++)
    {
      JsonObject *object = json_array_get_object_element (lists, i);
      JsonArray *fields = json_object_get_array_member (object, "merge_fields");
      JsonArray *members = json_object_get_array_member (object, "members");
      List *list = add_list_locked (self, json_object_get_string_member (object, "id"),
                                    json_object_get_string_member (object, "name"));

      for (guint f = 0; fields != NULL && f < json_array_get_length (fields); f++)
        {
          JsonObject *field = json_array_get_object_element (fields, f);
          JsonObject *options = json_object_get_object_member (field, "options");
          JsonArray *choices = options != NULL && json_object_has_member (options, "choices")
                               ? json_object_get_array_member (options, "choices") : NULL;
          g_autoptr(GPtrArray) values = g_ptr_array_new ();

          for (guint c = 0; choices != NULL && c < json_array_get_length (choices); c++)
            g_ptr_array_add (values, (gpointer) json_array_get_string_element (choices, c));
          g_ptr_array_add (values, NULL);
          add_field_locked (list, json_object_get_string_member (field, "tag"),
                            json_object_get_string_member (field, "name"),
                            json_object_get_string_member (field, "type"),
                            choices != NULL ? (const char * const *) values->pdata : NULL);
        }
      for (guint m = 0; members != NULL && m < json_array_get_length (members); m++)
        {
          JsonObject *member = json_object_ref (json_array_get_object_element (members, m));

          g_ptr_array_add (list->members, member);
          g_hash_table_replace (list->by_hash,
                                g_strdup (json_object_get_string_member (member, "id")), member);
        }
    }
  return TRUE;
}

/**
 * concord_mock_mailchimp_set_save_path:
 * @path: (nullable): where the account is saved after every change
 */
void
concord_mock_mailchimp_set_save_path (ConcordMockMailchimp *self,
                                      const char           *path)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  g_free (self->save_path);
  self->save_path = g_strdup (path);
  save_locked (self);
}

/* ------------------------------------------------------------------------- */
/* ConcordMockAppInfo                                                        */
/* ------------------------------------------------------------------------- */

static GObject *
info_create (const char  *secret,
             guint        port,
             GError     **error)
{
  ConcordMockMailchimp *mock = concord_mock_mailchimp_new (secret, port, error);

  /* An account with its audience and merge fields. */
  if (mock != NULL)
    concord_mock_mailchimp_generate (mock, 0, 1);
  return G_OBJECT (mock);
}

static ConcordMockServer *
info_get_server (GObject *mock)
{
  return concord_mock_mailchimp_get_server (CONCORD_MOCK_MAILCHIMP (mock));
}

static const char *
info_get_base_url (GObject *mock)
{
  return concord_mock_mailchimp_get_base_url (CONCORD_MOCK_MAILCHIMP (mock));
}

static void
info_set_secret (GObject    *mock,
                 const char *secret)
{
  concord_mock_mailchimp_set_api_key (CONCORD_MOCK_MAILCHIMP (mock), secret);
}

static void
info_generate (GObject *mock,
               guint    n,
               guint32  seed)
{
  concord_mock_mailchimp_generate (CONCORD_MOCK_MAILCHIMP (mock), n, seed);
}

static gboolean
info_load_file (GObject     *mock,
                const char  *path,
                GError     **error)
{
  return concord_mock_mailchimp_load_file (CONCORD_MOCK_MAILCHIMP (mock), path, error);
}

static void
info_set_save_path (GObject    *mock,
                    const char *path)
{
  concord_mock_mailchimp_set_save_path (CONCORD_MOCK_MAILCHIMP (mock), path);
}

const ConcordMockAppInfo concord_mock_mailchimp_info = {
  .id = "mailchimp",
  .create = info_create,
  .get_server = info_get_server,
  .get_base_url = info_get_base_url,
  .set_secret = info_set_secret,
  .generate = info_generate,
  .load_file = info_load_file,
  .set_save_path = info_set_save_path,
};
