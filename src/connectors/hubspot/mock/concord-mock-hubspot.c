/* concord-mock-hubspot.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A local stand-in for HubSpot's CRM v3 contacts API
 * (specs/connectors-reference.md §1 and the OpenAPI files beside it), for
 * the connector's tests, concord-mock and the end-to-end runs.
 *
 * Built on ConcordMockServer (src/connectors/mock/), which owns the thread,
 * the routing, the request log, faults and stalls; this file holds what is
 * HubSpot's:
 *
 * - the private-app token only as `Authorization: Bearer`; else 401 with
 *   category INVALID_AUTHENTICATION;
 * - GET /crm/v3/objects/contacts: limit 1…100 (default 10; above: 400), an
 *   opaque `after`, paging.next absent on the last page, `properties=`
 *   (unknown names ignored, named ones without a value null; without it
 *   firstname, lastname and email), `archived=true` lists only archived
 *   contacts (with archivedAt);
 * - GET/PATCH/DELETE /crm/v3/objects/contacts/{id}; POST …/contacts (201);
 *   PATCH overwrites what it is sent, "" clears; DELETE archives;
 * - POST …/batch/read, …/batch/create, …/batch/update: at most 100
 *   inputs (else 400); every input checked on its own: 200/201 when all
 *   are written (an update's echo holds the default properties and those
 *   written, as HubSpot's), 207 with results[], errors[] and numErrors
 *   otherwise, each
 *   error with its category, message and context (the input's
 *   objectWriteTraceId, the ids, the property name); or, as HubSpot is
 *   reported to answer some batches, all or nothing
 *   (concord_mock_hubspot_set_atomic_batches());
 * - email is unique (case-insensitive) and kept in lower case: a create
 *   with one that exists, or
 *   an update to one, is 409 CONFLICT "Contact already exists. Existing
 *   ID: N";
 * - values: all strings; an invalid email, an unknown or read-only
 *   property, an enumeration value that is not an option's value (";"
 *   between the values of a checkbox), a number or a bool that is not one,
 *   each refused (VALIDATION_ERROR);
 * - POST …/contacts/search: filterGroups (≤ 5, ≤ 6 filters each, ≤ 18 in
 *   all) of EQ, NEQ, GT, GTE, LT, LTE, HAS_PROPERTY on lastmodifieddate,
 *   createdate, hs_object_id (numbers: epoch ms for dates) or any property
 *   (text), one sort, limit ≤ 200, `after` an offset: after + limit past
 *   10,000 is 400; archived contacts never appear; exempt from the ten
 *   second limit;
 * - GET /crm/v3/properties/contacts: HubSpot's own properties (lifecycle
 *   stage and lead status with their options, read-only and calculated
 *   ones) and the account's custom ones;
 * - the ten-secondly limit: X-HubSpot-RateLimit-Max, -Remaining and
 *   -Interval-Milliseconds on every answer, and beyond the limit a 429
 *   with policyName TEN_SECONDLY_ROLLING (no Retry-After, as HubSpot);
 *   search's own limit of some requests a second, a 429 SECONDLY beyond.
 *
 * The account's data sit behind one mutex, taken by the handler for a
 * whole request and by the public API for each call.
 */

#define G_LOG_DOMAIN "concord-mock-hubspot"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "concord-mock-hubspot.h"

#define MAX_LIMIT         100
#define DEFAULT_LIMIT     10
#define MAX_SEARCH_LIMIT  200
#define MAX_BATCH         100
#define WINDOW_US         (10 * G_USEC_PER_SEC)
#define PATH_CONTACTS     "/crm/v3/objects/contacts"
#define PATH_PROPERTIES   "/crm/v3/properties/contacts"
#define FORMAT_VERSION    1

typedef struct
{
  char       *name;
  char       *label;
  char       *type;        /* string, number, date, datetime, enumeration, bool */
  char       *field_type;  /* text, select, radio, checkbox, booleancheckbox, … */
  GPtrArray  *options;     /* (owned) (nullable): label, value, label, value, … */
  gboolean    custom;
  gboolean    read_only;
  gboolean    calculated;
} Property;

typedef struct
{
  guint64     id;
  GHashTable *values;      /* (owned): name → value */
  gint64      created_ms;
  gint64      updated_ms;
  gint64      archived_ms; /* 0: live */
} Contact;

struct _ConcordMockHubspot
{
  GObject            parent_instance;

  ConcordMockServer *server;      /* (owned) */
  char              *base_url;    /* (owned): immutable */

  GMutex             mutex;
  char              *token;       /* (owned) */
  GPtrArray         *contacts;    /* (owned): Contact, id order */
  GHashTable        *by_id;       /* (owned): id → Contact (unowned) */
  GHashTable        *by_email;    /* (owned): lower-case email → live Contact (unowned) */
  GPtrArray         *properties;  /* (owned): Property */
  guint64            next_id;
  gint64             clock_ms;    /* the last lastmodifieddate given */
  gint64             frozen_ms;   /* 0: the real clock */
  guint              rate_max;    /* 0: none */
  GQueue             window;      /* arrival times (gint64 *, owned) */
  guint              n_429;
  guint              search_max;  /* searches a second (0: none) */
  GQueue             search_window; /* arrival times (gint64 *, owned) */
  gboolean           atomic;      /* a batch write with one bad input fails whole */
  char              *save_path;   /* (owned) (nullable) */
};

G_DEFINE_FINAL_TYPE (ConcordMockHubspot, concord_mock_hubspot, G_TYPE_OBJECT)

static void save_locked (ConcordMockHubspot *self);

/* ------------------------------------------------------------------------- */
/* Data helpers (caller holds the mutex)                                     */
/* ------------------------------------------------------------------------- */

static void
property_free (Property *property)
{
  g_free (property->name);
  g_free (property->label);
  g_free (property->type);
  g_free (property->field_type);
  g_clear_pointer (&property->options, g_ptr_array_unref);
  g_free (property);
}

static void
contact_free (Contact *contact)
{
  g_hash_table_unref (contact->values);
  g_free (contact);
}

static Property *
find_property (ConcordMockHubspot *self,
               const char         *name)
{
  for (guint i = 0; i < self->properties->len; i++)
    {
      Property *property = g_ptr_array_index (self->properties, i);

      if (g_str_equal (property->name, name))
        return property;
    }
  return NULL;
}

static Property *
add_property (ConcordMockHubspot *self,
              const char         *name,
              const char         *label,
              const char         *type,
              const char         *field_type,
              const char * const *options,
              gboolean            custom,
              gboolean            read_only,
              gboolean            calculated)
{
  Property *property = find_property (self, name);

  if (property == NULL)
    {
      property = g_new0 (Property, 1);
      g_ptr_array_add (self->properties, property);
    }
  else
    {
      g_free (property->name);
      g_free (property->label);
      g_free (property->type);
      g_free (property->field_type);
      g_clear_pointer (&property->options, g_ptr_array_unref);
    }
  property->name = g_strdup (name);
  property->label = g_strdup (label);
  property->type = g_strdup (type);
  property->field_type = g_strdup (field_type);
  property->custom = custom;
  property->read_only = read_only;
  property->calculated = calculated;
  if (g_str_equal (type, "enumeration"))
    {
      property->options = g_ptr_array_new_with_free_func (g_free);
      /* options: "value=Label" or "Label" (the value is the label). */
      for (guint i = 0; options != NULL && options[i] != NULL; i++)
        {
          const char *equals = strchr (options[i], '=');

          if (equals != NULL)
            {
              g_ptr_array_add (property->options, g_strdup (equals + 1));
              g_ptr_array_add (property->options, g_strndup (options[i], equals - options[i]));
            }
          else
            {
              g_ptr_array_add (property->options, g_strdup (options[i]));
              g_ptr_array_add (property->options, g_strdup (options[i]));
            }
        }
    }
  return property;
}

static gboolean
is_option (Property   *property,
           const char *value)
{
  for (guint i = 0; property->options != NULL && i + 1 < property->options->len; i += 2)
    if (g_str_equal (g_ptr_array_index (property->options, i + 1), value))
      return TRUE;
  return FALSE;
}

/* Now in epoch ms, strictly after the last one given (unless frozen). */
static gint64
next_ms (ConcordMockHubspot *self)
{
  if (self->frozen_ms > 0)
    return self->frozen_ms;
  self->clock_ms = MAX (g_get_real_time () / 1000, self->clock_ms + 1);
  return self->clock_ms;
}

static char *
format_ms (gint64 ms)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (ms / 1000);
  g_autofree char *seconds = when != NULL ? g_date_time_format (when, "%Y-%m-%dT%H:%M:%S")
                                          : g_strdup ("1970-01-01T00:00:00");

  return g_strdup_printf ("%s.%03dZ", seconds, (int) (ms % 1000));
}

static gboolean
email_is_valid (const char *email)
{
  const char *at = email != NULL ? strchr (email, '@') : NULL;

  return at != NULL && at > email && strchr (at + 1, '@') == NULL &&
         strchr (at + 1, '.') != NULL && at[1] != '.' && email[strlen (email) - 1] != '.' &&
         strpbrk (email, " \t\r\n,;<>") == NULL && g_utf8_validate (email, -1, NULL);
}

static Contact *
find_email (ConcordMockHubspot *self,
            const char         *email,
            Contact            *except)
{
  g_autofree char *key = NULL;
  Contact *contact;

  if (email == NULL || *email == '\0')
    return NULL;
  key = g_ascii_strdown (email, -1);
  contact = g_hash_table_lookup (self->by_email, key);
  if (contact != NULL && contact != except)
    return contact;
  if (contact == NULL)
    return NULL;

  /* The index holds one contact an email; a test may have stored two. */
  for (guint i = 0; i < self->contacts->len; i++)
    {
      Contact *other = g_ptr_array_index (self->contacts, i);
      const char *value = g_hash_table_lookup (other->values, "email");

      if (other != except && other->archived_ms == 0 && value != NULL &&
          g_ascii_strcasecmp (value, email) == 0)
        return other;
    }
  return NULL;
}

/* Keeps by_email right after @contact's email changed from @old (or it
 * was archived). */
static void
index_email (ConcordMockHubspot *self,
             Contact            *contact,
             const char         *old)
{
  const char *email = contact->archived_ms == 0
                      ? g_hash_table_lookup (contact->values, "email") : NULL;

  if (old != NULL)
    {
      g_autofree char *key = g_ascii_strdown (old, -1);

      if (g_hash_table_lookup (self->by_email, key) == contact)
        {
          g_hash_table_remove (self->by_email, key);
          /* Another live contact of that email (a test's) takes it. */
          for (guint i = 0; i < self->contacts->len; i++)
            {
              Contact *other = g_ptr_array_index (self->contacts, i);
              const char *value = g_hash_table_lookup (other->values, "email");

              if (other != contact && other->archived_ms == 0 && value != NULL &&
                  g_ascii_strcasecmp (value, old) == 0)
                {
                  g_hash_table_insert (self->by_email, g_steal_pointer (&key), other);
                  break;
                }
            }
        }
    }
  if (email != NULL && *email != '\0')
    {
      g_autofree char *key = g_ascii_strdown (email, -1);

      if (!g_hash_table_contains (self->by_email, key))
        g_hash_table_insert (self->by_email, g_steal_pointer (&key), contact);
    }
}

static Contact *
new_contact (ConcordMockHubspot *self)
{
  Contact *contact = g_new0 (Contact, 1);

  contact->id = self->next_id++;
  contact->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  contact->created_ms = next_ms (self);
  contact->updated_ms = contact->created_ms;
  g_ptr_array_add (self->contacts, contact);
  g_hash_table_insert (self->by_id, &contact->id, contact);
  return contact;
}

/* What a property of @contact holds, HubSpot's own ones included. */
static char *
contact_value (Contact    *contact,
               const char *name)
{
  if (g_str_equal (name, "hs_object_id"))
    return g_strdup_printf ("%" G_GUINT64_FORMAT, contact->id);
  if (g_str_equal (name, "lastmodifieddate") || g_str_equal (name, "hs_lastmodifieddate"))
    return format_ms (contact->updated_ms);
  if (g_str_equal (name, "createdate"))
    return format_ms (contact->created_ms);
  return g_strdup (g_hash_table_lookup (contact->values, name));
}

/* A property's value as a number for search filters and sorts (dates as
 * epoch ms); FALSE when it is none. */
static gboolean
contact_number (Contact    *contact,
                const char *name,
                gint64     *number)
{
  g_autofree char *text = NULL;

  if (g_str_equal (name, "hs_object_id"))
    *number = (gint64) contact->id;
  else if (g_str_equal (name, "lastmodifieddate") || g_str_equal (name, "hs_lastmodifieddate"))
    *number = contact->updated_ms;
  else if (g_str_equal (name, "createdate"))
    *number = contact->created_ms;
  else
    {
      text = contact_value (contact, name);
      return text != NULL && g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, number,
                                                       NULL);
    }
  return TRUE;
}

static JsonObject *
contact_object (ConcordMockHubspot *self,
                Contact            *contact,
                const char * const *names)
{
  static const char *defaults[] = { "firstname", "lastname", "email", NULL };
  JsonObject *object = json_object_new ();
  JsonObject *properties = json_object_new ();
  g_autofree char *id = g_strdup_printf ("%" G_GUINT64_FORMAT, contact->id);
  g_autofree char *created = format_ms (contact->created_ms);
  g_autofree char *updated = format_ms (contact->updated_ms);

  if (names == NULL)
    names = defaults;
  json_object_set_string_member (properties, "createdate", created);
  json_object_set_string_member (properties, "lastmodifieddate", updated);
  json_object_set_string_member (properties, "hs_object_id", id);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *value = NULL;

      /* Unknown names are ignored; known ones without a value are null. */
      if (find_property (self, names[i]) == NULL)
        continue;
      value = contact_value (contact, names[i]);
      if (value != NULL)
        json_object_set_string_member (properties, names[i], value);
      else
        json_object_set_null_member (properties, names[i]);
    }

  json_object_set_string_member (object, "id", id);
  json_object_set_object_member (object, "properties", properties);
  json_object_set_string_member (object, "createdAt", created);
  json_object_set_string_member (object, "updatedAt", updated);
  json_object_set_boolean_member (object, "archived", contact->archived_ms != 0);
  if (contact->archived_ms != 0)
    {
      g_autofree char *archived = format_ms (contact->archived_ms);

      json_object_set_string_member (object, "archivedAt", archived);
    }
  return object;
}

/* ------------------------------------------------------------------------- */
/* Errors                                                                    */
/* ------------------------------------------------------------------------- */

static char *
correlation_id (void)
{
  return g_uuid_string_random ();
}

/* A StandardError / error body. @context: pairs of key and value, NULL-ended. */
static JsonObject *
error_object (const char         *category,
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

static char *
object_text (JsonObject *object)
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

static char *
build_error_body (guint       status,
                  const char *message,
                  gpointer    user_data)
{
  return object_text (error_object (status_category (status), message, NULL));
}

static void
respond_error (ConcordMockRequest *request,
               guint               status,
               const char         *category,
               const char         *message)
{
  concord_mock_request_respond (request, status, "application/json",
                                object_text (error_object (category, message, NULL)));
}

static void
respond_object (ConcordMockRequest *request,
                guint               status,
                JsonObject         *object)
{
  concord_mock_request_respond (request, status, "application/json", object_text (object));
}

/* ------------------------------------------------------------------------- */
/* Writes                                                                    */
/* ------------------------------------------------------------------------- */

typedef struct
{
  char   *category;
  char   *message;
  char   *context_key;    /* (nullable) */
  char   *context_value;  /* (nullable) */
  guint64 existing;       /* CONFLICT: the contact that has the email */
} Problem;

static void
problem_free (Problem *problem)
{
  g_free (problem->category);
  g_free (problem->message);
  g_free (problem->context_key);
  g_free (problem->context_value);
  g_free (problem);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Problem, problem_free)

static Problem *
problem_new (const char *category,
             const char *context_key,
             const char *context_value,
             char       *message)
{
  Problem *problem = g_new0 (Problem, 1);

  problem->category = g_strdup (category);
  problem->message = message;
  problem->context_key = g_strdup (context_key);
  problem->context_value = g_strdup (context_value);
  return problem;
}

/* Checks one value; NULL when it is valid. */
static Problem *
check_value (ConcordMockHubspot *self,
             const char         *name,
             JsonNode           *node)
{
  Property *property = find_property (self, name);
  const char *value;

  if (property == NULL)
    return problem_new ("VALIDATION_ERROR", "propertyName", name,
                        g_strdup_printf ("Property \"%s\" does not exist", name));
  if (property->read_only || property->calculated)
    return problem_new ("VALIDATION_ERROR", "propertyName", name,
                        g_strdup_printf ("\"%s\" is a read only property; its value cannot be "
                                         "set.", name));
  if (JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return problem_new ("VALIDATION_ERROR", "propertyName", name,
                        g_strdup_printf ("Property values must be strings: %s", name));
  value = json_node_get_string (node);
  if (*value == '\0')
    return NULL;
  if (!g_utf8_validate (value, -1, NULL))
    return problem_new ("VALIDATION_ERROR", "propertyName", name,
                        g_strdup_printf ("Property %s is not valid text", name));

  if (g_str_equal (name, "email") && !email_is_valid (value))
    return problem_new ("VALIDATION_ERROR", "propertyName", name,
                        g_strdup_printf ("Property values were not valid: INVALID_EMAIL: Email "
                                         "address %s is invalid", value));
  if (g_str_equal (property->type, "number"))
    {
      char *end = NULL;

      g_ascii_strtod (value, &end);
      if (end == value || *end != '\0')
        return problem_new ("VALIDATION_ERROR", "propertyName", name,
                            g_strdup_printf ("Property values were not valid: INVALID_DOUBLE: "
                                             "%s is not a number", name));
    }
  else if (g_str_equal (property->type, "bool"))
    {
      if (!g_str_equal (value, "true") && !g_str_equal (value, "false"))
        return problem_new ("VALIDATION_ERROR", "propertyName", name,
                            g_strdup_printf ("Property values were not valid: INVALID_BOOLEAN: "
                                             "%s takes true or false", name));
    }
  else if (g_str_equal (property->type, "enumeration"))
    {
      g_auto(GStrv) parts = g_strsplit (value, ";", -1);

      for (guint i = 0; parts[i] != NULL; i++)
        if ((!g_str_equal (property->field_type, "checkbox") && i > 0) ||
            !is_option (property, parts[i]))
          return problem_new ("VALIDATION_ERROR", "propertyName", name,
                              g_strdup_printf ("Property values were not valid: INVALID_OPTION: "
                                               "%s was not one of the allowed options for %s",
                                               parts[i], name));
    }
  else if (g_str_equal (property->type, "date") || g_str_equal (property->type, "datetime"))
    {
      g_autoptr(GDateTime) when = NULL;
      g_autofree char *midnight = g_strconcat (value, "T00:00:00Z", NULL);

      if (!g_ascii_string_to_signed (value, 10, G_MININT64, G_MAXINT64, NULL, NULL) &&
          (when = g_date_time_new_from_iso8601 (value, NULL)) == NULL &&
          (when = g_date_time_new_from_iso8601 (midnight, NULL)) == NULL)
        return problem_new ("VALIDATION_ERROR", "propertyName", name,
                            g_strdup_printf ("Property values were not valid: INVALID_DATE: %s",
                                             name));
    }
  return NULL;
}

/* Checks a properties object for @contact (NULL: a new one). */
static Problem *
check_properties (ConcordMockHubspot *self,
                  JsonNode           *node,
                  Contact            *contact)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  JsonNode *email;
  Contact *other;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return problem_new ("VALIDATION_ERROR", NULL, NULL,
                        g_strdup ("Invalid input JSON: properties must be an object"));
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &name, &value))
    {
      Problem *problem = check_value (self, name, value);

      if (problem != NULL)
        return problem;
    }

  email = json_object_get_member (json_node_get_object (node), "email");
  if (email != NULL && JSON_NODE_HOLDS_VALUE (email) &&
      (other = find_email (self, json_node_get_string (email), contact)) != NULL)
    {
      g_autofree char *id = g_strdup_printf ("%" G_GUINT64_FORMAT, other->id);
      Problem *problem = problem_new ("CONFLICT", "existingId", id,
                                      g_strdup_printf ("Contact already exists. Existing ID: %s",
                                                       id));

      problem->existing = other->id;
      return problem;
    }
  return NULL;
}

static void
apply_properties (ConcordMockHubspot *self,
                  Contact            *contact,
                  JsonObject         *properties)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  g_autofree char *old_email = g_strdup (g_hash_table_lookup (contact->values, "email"));

  json_object_iter_init (&iter, properties);
  while (json_object_iter_next (&iter, &name, &value))
    {
      const char *text = JSON_NODE_HOLDS_VALUE (value) &&
                         json_node_get_value_type (value) == G_TYPE_STRING
                         ? json_node_get_string (value) : NULL;

      if (text == NULL || *text == '\0')
        g_hash_table_remove (contact->values, name);
      else if (g_str_equal (name, "email"))
        /* HubSpot keeps an address in lower case, whatever it was sent. */
        g_hash_table_replace (contact->values, g_strdup (name), g_utf8_strdown (text, -1));
      else
        g_hash_table_replace (contact->values, g_strdup (name), g_strdup (text));
    }
  contact->updated_ms = next_ms (self);
  index_email (self, contact, old_email);
}

static JsonObject *
request_object (ConcordMockRequest *request)
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
respond_problem (ConcordMockRequest *request,
                 Problem            *problem)
{
  const char *context[] = { problem->context_key, problem->context_value, NULL };

  concord_mock_request_respond (request,
                                g_str_equal (problem->category, "CONFLICT") ? SOUP_STATUS_CONFLICT
                                                                           : SOUP_STATUS_BAD_REQUEST,
                                "application/json",
                                object_text (error_object (problem->category, problem->message,
                                                           problem->context_key != NULL
                                                           ? context : NULL)));
}

/* The names of a request's properties (query "a,b" or a JSON array). */
static char **
names_of_query (const char *text)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  if (text == NULL)
    return NULL;
  parts = g_strsplit (text, ",", 1000);
  for (guint i = 0; parts[i] != NULL; i++)
    if (*g_strstrip (parts[i]) != '\0')
      g_ptr_array_add (names, g_strdup (parts[i]));
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

static char **
names_of_array (JsonNode *node)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array) && i < 1000; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
        g_ptr_array_add (names, g_strdup (json_node_get_string (element)));
    }
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

static Contact *
contact_of_text (ConcordMockHubspot *self,
                 const char         *text)
{
  guint64 id;
  Contact *contact;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT64, &id, NULL))
    return NULL;
  contact = g_hash_table_lookup (self->by_id, &id);
  return contact != NULL && contact->archived_ms == 0 ? contact : NULL;
}

static void
write_one (ConcordMockHubspot *self,
           ConcordMockRequest *request,
           Contact            *contact)
{
  g_autoptr(JsonObject) body = request_object (request);
  g_autoptr(Problem) problem = NULL;
  JsonNode *properties = body != NULL ? json_object_get_member (body, "properties") : NULL;
  gboolean creating = contact == NULL;

  if ((problem = check_properties (self, properties, contact)) != NULL)
    {
      respond_problem (request, problem);
      return;
    }
  if (contact == NULL)
    contact = new_contact (self);
  apply_properties (self, contact, json_node_get_object (properties));
  {
    g_autoptr(GPtrArray) names = g_ptr_array_new ();

    for (guint i = 0; i < self->properties->len; i++)
      g_ptr_array_add (names, ((Property *) g_ptr_array_index (self->properties, i))->name);
    g_ptr_array_add (names, NULL);
    respond_object (request, creating ? SOUP_STATUS_CREATED : SOUP_STATUS_OK,
                    contact_object (self, contact, (const char * const *) names->pdata));
  }
  save_locked (self);
}

static JsonObject *
batch_answer (JsonArray *results,
              JsonArray *errors)
{
  JsonObject *root = json_object_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *at = g_date_time_format_iso8601 (now);
  guint n_errors = json_array_get_length (errors);

  json_object_set_string_member (root, "status", "COMPLETE");
  json_object_set_array_member (root, "results", results);
  if (n_errors > 0)
    {
      json_object_set_int_member (root, "numErrors", n_errors);
      json_object_set_array_member (root, "errors", errors);
    }
  else
    json_array_unref (errors);
  json_object_set_string_member (root, "startedAt", at);
  json_object_set_string_member (root, "completedAt", at);
  return root;
}

static void
add_batch_error (JsonArray  *errors,
                 Problem    *problem,
                 const char *trace_id,
                 const char *id)
{
  const char *context[7] = { NULL };
  guint n = 0;

  if (problem->context_key != NULL)
    {
      context[n++] = problem->context_key;
      context[n++] = problem->context_value;
    }
  if (trace_id != NULL)
    {
      context[n++] = "objectWriteTraceId";
      context[n++] = trace_id;
    }
  if (id != NULL)
    {
      context[n++] = "ids";
      context[n++] = id;
    }
  json_array_add_object_element (errors, error_object (problem->category, problem->message,
                                                       context));
}

/* batch/read, batch/create, batch/update. */
static void
write_batch (ConcordMockHubspot *self,
             ConcordMockRequest *request,
             const char         *action)
{
  g_autoptr(JsonObject) body = request_object (request);
  JsonNode *inputs_node = body != NULL ? json_object_get_member (body, "inputs") : NULL;
  g_auto(GStrv) names = NULL;
  g_autoptr(GPtrArray) all_names = g_ptr_array_new ();
  JsonArray *inputs;
  JsonArray *results;
  JsonArray *errors;
  guint n;

  if (inputs_node == NULL || !JSON_NODE_HOLDS_ARRAY (inputs_node))
    {
      respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                     "Invalid input JSON: inputs must be an array");
      return;
    }
  inputs = json_node_get_array (inputs_node);
  n = json_array_get_length (inputs);
  /* The framework's request size limit (its own check sees bare arrays only). */
  if (concord_mock_server_get_max_items (self->server) > 0 &&
      n > concord_mock_server_get_max_items (self->server))
    {
      respond_error (request, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "VALIDATION_ERROR",
                     "Request entity too large");
      return;
    }
  if (n > MAX_BATCH)
    {
      g_autofree char *message = g_strdup_printf ("Batch input of %u is larger than the limit "
                                                  "of %d", n, MAX_BATCH);

      respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR", message);
      return;
    }

  names = names_of_array (json_object_get_member (body, "properties"));
  for (guint i = 0; i < self->properties->len; i++)
    g_ptr_array_add (all_names, ((Property *) g_ptr_array_index (self->properties, i))->name);
  g_ptr_array_add (all_names, NULL);

  /* All or nothing, as HubSpot is reported to answer some batches: the
   * first bad input's error for the whole request, nothing written. */
  if (self->atomic && !g_str_equal (action, "read"))
    for (guint i = 0; i < n; i++)
      {
        JsonNode *input_node = json_array_get_element (inputs, i);
        JsonObject *input = JSON_NODE_HOLDS_OBJECT (input_node)
                            ? json_node_get_object (input_node) : NULL;
        const char *id = input != NULL
                         ? json_object_get_string_member_with_default (input, "id", NULL) : NULL;
        Contact *contact = NULL;
        g_autoptr(Problem) problem = NULL;

        if (input == NULL)
          problem = problem_new ("VALIDATION_ERROR", NULL, NULL,
                                 g_strdup ("Invalid input JSON: an input is not an object"));
        else if (!g_str_equal (action, "create") &&
                 (contact = contact_of_text (self, id)) == NULL)
          problem = problem_new ("OBJECT_NOT_FOUND", NULL, NULL,
                                 g_strdup ("Could not get some CONTACT objects"));
        else
          problem = check_properties (self, json_object_get_member (input, "properties"),
                                      contact);
        /* Two inputs of the batch with one email: the second conflicts. */
        if (problem == NULL && input != NULL && g_str_equal (action, "create"))
          {
            JsonNode *properties = json_object_get_member (input, "properties");
            const char *email = json_object_get_string_member_with_default (
              json_node_get_object (properties), "email", NULL);

            for (guint j = 0; email != NULL && problem == NULL && j < i; j++)
              {
                JsonObject *other = json_array_get_object_element (inputs, j);
                JsonObject *other_properties = other != NULL
                                               ? json_object_get_object_member (other,
                                                                                "properties")
                                               : NULL;
                const char *other_email = other_properties != NULL
                                          ? json_object_get_string_member_with_default (
                                              other_properties, "email", NULL) : NULL;

                if (other_email != NULL && g_ascii_strcasecmp (other_email, email) == 0)
                  problem = problem_new ("VALIDATION_ERROR", "propertyName", "email",
                                         g_strdup ("Duplicate email in the batch"));
              }
          }
        if (problem != NULL)
          {
            if (g_str_equal (problem->category, "OBJECT_NOT_FOUND"))
              respond_error (request, SOUP_STATUS_NOT_FOUND, problem->category, problem->message);
            else
              respond_problem (request, problem);
            return;
          }
      }

  results = json_array_new ();
  errors = json_array_new ();
  for (guint i = 0; i < n; i++)
    {
      JsonNode *input_node = json_array_get_element (inputs, i);
      JsonObject *input = JSON_NODE_HOLDS_OBJECT (input_node) ? json_node_get_object (input_node)
                                                              : NULL;
      const char *trace = input != NULL
                          ? json_object_get_string_member_with_default (input,
                                                                         "objectWriteTraceId",
                                                                         NULL)
                          : NULL;
      const char *id = input != NULL ? json_object_get_string_member_with_default (input, "id",
                                                                                    NULL)
                                     : NULL;
      JsonNode *properties = input != NULL ? json_object_get_member (input, "properties") : NULL;
      Contact *contact = NULL;
      g_autoptr(Problem) problem = NULL;
      JsonObject *echo;

      if (input == NULL)
        problem = problem_new ("VALIDATION_ERROR", NULL, NULL,
                               g_strdup ("Invalid input JSON: an input is not an object"));
      else if (!g_str_equal (action, "create") &&
               (contact = contact_of_text (self, id)) == NULL)
        problem = problem_new ("OBJECT_NOT_FOUND", NULL, NULL,
                               g_strdup_printf ("Could not get some CONTACT objects, they may "
                                                "be deleted or not exist. Check that ids are "
                                                "valid."));
      else if (!g_str_equal (action, "read"))
        problem = check_properties (self, properties, contact);

      if (problem != NULL)
        {
          /* A batch read leaves out what it does not find, saying so. */
          add_batch_error (errors, problem, trace, id);
          continue;
        }

      if (g_str_equal (action, "create"))
        contact = new_contact (self);
      if (!g_str_equal (action, "read"))
        apply_properties (self, contact, json_node_get_object (properties));
      if (g_str_equal (action, "update") && names == NULL)
        {
          /* As HubSpot: the default properties and those just written. */
          g_autoptr(GPtrArray) written = g_ptr_array_new ();
          JsonObjectIter iter;
          const char *name;
          JsonNode *value;

          g_ptr_array_add (written, (gpointer) "firstname");
          g_ptr_array_add (written, (gpointer) "lastname");
          g_ptr_array_add (written, (gpointer) "email");
          json_object_iter_init (&iter, json_node_get_object (properties));
          while (json_object_iter_next (&iter, &name, &value))
            g_ptr_array_add (written, (gpointer) name);
          g_ptr_array_add (written, NULL);
          echo = contact_object (self, contact, (const char * const *) written->pdata);
        }
      else
        echo = contact_object (self, contact,
                               names != NULL ? (const char * const *) names
                                             : g_str_equal (action, "read")
                                               ? NULL : (const char * const *) all_names->pdata);
      if (trace != NULL)
        json_object_set_string_member (echo, "objectWriteTraceId", trace);
      json_array_add_object_element (results, echo);
    }

  {
    guint status = json_array_get_length (errors) > 0 ? 207
                   : g_str_equal (action, "create") ? SOUP_STATUS_CREATED : SOUP_STATUS_OK;

    respond_object (request, status, batch_answer (results, errors));
  }
  if (!g_str_equal (action, "read"))
    save_locked (self);
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
  g_auto(GStrv) names = names_of_query (concord_mock_request_get_query_param (request,
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
      respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                     "limit must be between 1 and 100");
      return;
    }
  if (after_text != NULL &&
      !g_ascii_string_to_unsigned (after_text, 10, 0, G_MAXUINT64, &after, NULL))
    {
      respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                     "after is not a valid paging cursor");
      return;
    }

  /* after: the id from which the page starts. */
  results = json_array_new ();
  for (guint i = 0; i < self->contacts->len; i++)
    {
      Contact *contact = g_ptr_array_index (self->contacts, i);

      if (contact->id < after || (contact->archived_ms != 0) != archived)
        continue;
      if (json_array_get_length (results) == limit)
        {
          more = TRUE;
          last = contact->id;
          break;
        }
      json_array_add_object_element (results,
                                     contact_object (self, contact, (const char * const *) names));
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
  respond_object (request, SOUP_STATUS_OK, root);
}

typedef struct
{
  char   *property;
  char   *op;
  char   *value;
} Filter;

static gboolean
filter_matches (Contact      *contact,
                const Filter *filter)
{
  g_autofree char *text = contact_value (contact, filter->property);
  gint64 have, want;
  int order;

  if (g_str_equal (filter->op, "HAS_PROPERTY"))
    return text != NULL;
  if (g_str_equal (filter->op, "NOT_HAS_PROPERTY"))
    return text == NULL;
  if (text == NULL || filter->value == NULL)
    return FALSE;

  if (contact_number (contact, filter->property, &have) &&
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
  Contact *ca = *(Contact * const *) a;
  Contact *cb = *(Contact * const *) b;
  gint64 na = 0, nb = 0;
  int order;

  if (contact_number (ca, sort->property, &na) & contact_number (cb, sort->property, &nb))
    order = na < nb ? -1 : na > nb ? 1 : 0;
  else
    {
      g_autofree char *ta = contact_value (ca, sort->property);
      g_autofree char *tb = contact_value (cb, sort->property);

      order = g_strcmp0 (ta, tb);
    }
  if (order == 0)
    order = ca->id < cb->id ? -1 : ca->id > cb->id ? 1 : 0;
  return sort->descending ? -order : order;
}

static void
search_contacts (ConcordMockHubspot *self,
                 ConcordMockRequest *request)
{
  g_autoptr(JsonObject) body = request_object (request);
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr(GPtrArray) selected = g_ptr_array_new ();
  g_auto(GStrv) names = NULL;
  JsonNode *node;
  Sort sort = { "hs_object_id", FALSE };
  gint64 limit = 10, after = 0;
  guint n_filters = 0;
  JsonObject *root;
  JsonArray *results;
  GBytes *raw = concord_mock_request_get_body (request);

  if (body == NULL)
    {
      respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                     "Invalid input JSON: the body must be an object");
      return;
    }
  if (raw != NULL && g_bytes_get_size (raw) > 3000)
    {
      respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                     "The request body is longer than 3000 characters");
      return;
    }

  node = json_object_get_member (body, "limit");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_INT64)
    limit = json_node_get_int (node);
  if (limit < 1 || limit > MAX_SEARCH_LIMIT)
    {
      respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
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
          respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                         "after is not a valid paging cursor");
          return;
        }
    }
  if (after + limit > CONCORD_MOCK_HUBSPOT_SEARCH_WINDOW)
    {
      respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                     "The search query can return at most 10000 results; narrow the query "
                     "to page further");
      return;
    }

  node = json_object_get_member (body, "filterGroups");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      if (json_array_get_length (array) > 5)
        {
          respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                         "A search has at most 5 filter groups");
          return;
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
              respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                             "A filter group has at most 6 filters, a search at most 18");
              return;
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

  node = json_object_get_member (body, "sorts");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) > 0)
    {
      JsonNode *first = json_array_get_element (json_node_get_array (node), 0);

      if (json_array_get_length (json_node_get_array (node)) > 1)
        {
          respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                         "A search takes one sort");
          return;
        }
      if (JSON_NODE_HOLDS_OBJECT (first))
        {
          JsonObject *object = json_node_get_object (first);

          sort.property = json_object_get_string_member_with_default (object, "propertyName",
                                                                      "hs_object_id");
          sort.descending = g_strcmp0 (json_object_get_string_member_with_default (object,
                                                                                   "direction",
                                                                                   "ASCENDING"),
                                       "DESCENDING") == 0;
        }
    }
  names = names_of_array (json_object_get_member (body, "properties"));

  for (guint i = 0; i < self->contacts->len; i++)
    {
      Contact *contact = g_ptr_array_index (self->contacts, i);
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
  g_ptr_array_sort_with_data (selected, compare_sorted, &sort);

  results = json_array_new ();
  for (guint i = (guint) after; i < selected->len && i < after + limit; i++)
    json_array_add_object_element (results,
                                   contact_object (self, g_ptr_array_index (selected, i),
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
  respond_object (request, SOUP_STATUS_OK, root);
}

static void
list_properties (ConcordMockHubspot *self,
                 ConcordMockRequest *request)
{
  JsonObject *root = json_object_new ();
  JsonArray *results = json_array_new ();

  for (guint i = 0; i < self->properties->len; i++)
    {
      Property *property = g_ptr_array_index (self->properties, i);
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
  respond_object (request, SOUP_STATUS_OK, root);
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
      respond_object (request, 429, body);
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
      respond_object (request, 429, body);
      return FALSE;
    }
  g_queue_push_tail (&self->search_window, g_memdup2 (&now, sizeof now));
  return TRUE;
}

static void
on_request_cb (ConcordMockRequest *request,
               gpointer            user_data)
{
  ConcordMockHubspot *self = user_data;
  const char *method = concord_mock_request_get_method (request);
  const char *path = concord_mock_request_get_path (request);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  gboolean search = g_str_equal (path, PATH_CONTACTS "/search");

  if (!concord_mock_request_check_bearer (request, self->token))
    {
      respond_error (request, SOUP_STATUS_UNAUTHORIZED, "INVALID_AUTHENTICATION",
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
    write_one (self, request, NULL);
  else if (g_str_equal (method, "POST") && search)
    search_contacts (self, request);
  else if (g_str_equal (method, "POST") && g_str_equal (path, PATH_CONTACTS "/batch/read"))
    write_batch (self, request, "read");
  else if (g_str_equal (method, "POST") && g_str_equal (path, PATH_CONTACTS "/batch/create"))
    write_batch (self, request, "create");
  else if (g_str_equal (method, "POST") && g_str_equal (path, PATH_CONTACTS "/batch/update"))
    write_batch (self, request, "update");
  else if (g_str_has_prefix (path, PATH_CONTACTS "/") &&
           strchr (path + strlen (PATH_CONTACTS "/"), '/') == NULL)
    {
      Contact *contact = contact_of_text (self, path + strlen (PATH_CONTACTS "/"));
      g_auto(GStrv) names = names_of_query (concord_mock_request_get_query_param (request,
                                                                                  "properties"));

      if (contact == NULL && g_str_equal (method, "DELETE"))
        concord_mock_request_respond (request, SOUP_STATUS_NO_CONTENT, NULL, g_strdup (""));
      else if (contact == NULL)
        respond_error (request, SOUP_STATUS_NOT_FOUND, "OBJECT_NOT_FOUND",
                       "resource not found");
      else if (g_str_equal (method, "PATCH"))
        write_one (self, request, contact);
      else if (g_str_equal (method, "DELETE"))
        {
          contact->archived_ms = next_ms (self);
          index_email (self, contact, g_hash_table_lookup (contact->values, "email"));
          concord_mock_request_respond (request, SOUP_STATUS_NO_CONTENT, NULL, g_strdup (""));
          save_locked (self);
        }
      else if (g_str_equal (method, "GET"))
        respond_object (request, SOUP_STATUS_OK,
                        contact_object (self, contact, (const char * const *) names));
      else
        respond_error (request, SOUP_STATUS_METHOD_NOT_ALLOWED, "VALIDATION_ERROR",
                       "Method not allowed");
    }
  else
    respond_error (request, SOUP_STATUS_NOT_FOUND, "OBJECT_NOT_FOUND",
                   "No route matches this request");
}

/* ------------------------------------------------------------------------- */
/* Saving and loading                                                        */
/* ------------------------------------------------------------------------- */

static JsonNode *
state_to_json (ConcordMockHubspot *self)
{
  JsonObject *root = json_object_new ();
  JsonArray *properties = json_array_new ();
  JsonArray *contacts = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (root, "format", "concord-mock-hubspot");
  json_object_set_int_member (root, "version", FORMAT_VERSION);
  json_object_set_int_member (root, "next_id", (gint64) self->next_id);
  for (guint i = 0; i < self->properties->len; i++)
    {
      Property *property = g_ptr_array_index (self->properties, i);
      JsonObject *object;
      JsonArray *options;

      if (!property->custom)
        continue;
      object = json_object_new ();
      options = json_array_new ();
      json_object_set_string_member (object, "name", property->name);
      json_object_set_string_member (object, "label", property->label);
      json_object_set_string_member (object, "type", property->type);
      json_object_set_string_member (object, "fieldType", property->field_type);
      for (guint o = 0; property->options != NULL && o + 1 < property->options->len; o += 2)
        {
          g_autofree char *option = g_strdup_printf ("%s=%s",
                                                     (char *) g_ptr_array_index (property->options,
                                                                                 o + 1),
                                                     (char *) g_ptr_array_index (property->options,
                                                                                 o));

          json_array_add_string_element (options, option);
        }
      json_object_set_array_member (object, "options", options);
      json_array_add_object_element (properties, object);
    }
  for (guint i = 0; i < self->contacts->len; i++)
    {
      Contact *contact = g_ptr_array_index (self->contacts, i);
      JsonObject *object = json_object_new ();
      JsonObject *values = json_object_new ();
      GHashTableIter iter;
      gpointer key, value;

      json_object_set_int_member (object, "id", (gint64) contact->id);
      json_object_set_int_member (object, "created_ms", contact->created_ms);
      json_object_set_int_member (object, "updated_ms", contact->updated_ms);
      json_object_set_int_member (object, "archived_ms", contact->archived_ms);
      g_hash_table_iter_init (&iter, contact->values);
      while (g_hash_table_iter_next (&iter, &key, &value))
        json_object_set_string_member (values, key, value);
      json_object_set_object_member (object, "properties", values);
      json_array_add_object_element (contacts, object);
    }
  json_object_set_array_member (root, "properties", properties);
  json_object_set_array_member (root, "contacts", contacts);
  json_node_take_object (node, root);
  return node;
}

static void
save_locked (ConcordMockHubspot *self)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  if (self->save_path == NULL)
    return;
  node = state_to_json (self);
  text = json_to_string (node, FALSE);
  /* For this user only: a sandbox's account is someone's sample data. */
  if (!g_file_set_contents_full (self->save_path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                 &error))
    g_warning ("Could not save the simulated HubSpot account: %s", error->message);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_mock_hubspot_dispose (GObject *object)
{
  ConcordMockHubspot *self = CONCORD_MOCK_HUBSPOT (object);

  /* The server first: no handler runs on the data after this. */
  g_clear_object (&self->server);

  G_OBJECT_CLASS (concord_mock_hubspot_parent_class)->dispose (object);
}

static void
concord_mock_hubspot_finalize (GObject *object)
{
  ConcordMockHubspot *self = CONCORD_MOCK_HUBSPOT (object);

  g_free (self->base_url);
  g_free (self->token);
  g_free (self->save_path);
  g_hash_table_unref (self->by_id);
  g_hash_table_unref (self->by_email);
  g_ptr_array_unref (self->contacts);
  g_ptr_array_unref (self->properties);
  g_queue_clear_full (&self->window, g_free);
  g_queue_clear_full (&self->search_window, g_free);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (concord_mock_hubspot_parent_class)->finalize (object);
}

static void
concord_mock_hubspot_class_init (ConcordMockHubspotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = concord_mock_hubspot_dispose;
  object_class->finalize = concord_mock_hubspot_finalize;
}

static void
add_standard_properties (ConcordMockHubspot *self)
{
  static const char *lifecycle[] = {
    "subscriber=Subscriber", "lead=Lead", "marketingqualifiedlead=Marketing Qualified Lead",
    "salesqualifiedlead=Sales Qualified Lead", "opportunity=Opportunity", "customer=Customer",
    "evangelist=Evangelist", "other=Other", NULL
  };
  static const char *lead_status[] = {
    "NEW=New", "OPEN=Open", "IN_PROGRESS=In Progress", "OPEN_DEAL=Open Deal",
    "UNQUALIFIED=Unqualified", "ATTEMPTED_TO_CONTACT=Attempted to Contact",
    "CONNECTED=Connected", "BAD_TIMING=Bad Timing", NULL
  };
  static const struct
  {
    const char *name, *label, *type, *field_type;
  } texts[] = {
    { "email", "Email", "string", "text" },
    { "firstname", "First Name", "string", "text" },
    { "lastname", "Last Name", "string", "text" },
    { "phone", "Phone Number", "string", "phonenumber" },
    { "mobilephone", "Mobile Phone Number", "string", "phonenumber" },
    { "company", "Company Name", "string", "text" },
    { "jobtitle", "Job Title", "string", "text" },
    { "website", "Website URL", "string", "text" },
    { "address", "Street Address", "string", "text" },
    { "city", "City", "string", "text" },
    { "state", "State/Region", "string", "text" },
    { "zip", "Postal Code", "string", "text" },
    { "country", "Country/Region", "string", "text" },
    { "date_of_birth", "Date of birth", "string", "text" },
    { "hs_email_optout", "Unsubscribed from all email", "bool", "booleancheckbox" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    add_property (self, texts[i].name, texts[i].label, texts[i].type, texts[i].field_type, NULL,
                  FALSE, FALSE, FALSE);
  add_property (self, "lifecyclestage", "Lifecycle Stage", "enumeration", "radio", lifecycle,
                FALSE, FALSE, FALSE);
  add_property (self, "hs_lead_status", "Lead Status", "enumeration", "radio", lead_status,
                FALSE, FALSE, FALSE);
  add_property (self, "createdate", "Create Date", "datetime", "date", NULL, FALSE, TRUE, FALSE);
  add_property (self, "lastmodifieddate", "Last Modified Date", "datetime", "date", NULL, FALSE,
                TRUE, FALSE);
  add_property (self, "hs_object_id", "Record ID", "number", "number", NULL, FALSE, TRUE, FALSE);
  add_property (self, "num_notes", "Number of Sales Activities", "number", "number", NULL, FALSE,
                FALSE, TRUE);
}

static void
concord_mock_hubspot_init (ConcordMockHubspot *self)
{
  g_mutex_init (&self->mutex);
  self->contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) contact_free);
  self->by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->by_email = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->properties = g_ptr_array_new_with_free_func ((GDestroyNotify) property_free);
  self->next_id = 101;
  g_queue_init (&self->window);
  g_queue_init (&self->search_window);
  add_standard_properties (self);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_mock_hubspot_new:
 * @token: the only private-app token accepted
 * @port: 0 for any free port on 127.0.0.1
 *
 * Returns: (transfer full): a running mock with an empty account (HubSpot's
 *   own properties only) and no rate limit
 */
ConcordMockHubspot *
concord_mock_hubspot_new (const char  *token,
                          guint        port,
                          GError     **error)
{
  g_autoptr(ConcordMockHubspot) self = NULL;

  g_return_val_if_fail (token != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_MOCK_HUBSPOT, NULL);
  self->token = g_strdup (token);
  self->server = concord_mock_server_new ("concord-mock-hubspot", port, error);
  if (self->server == NULL)
    return NULL;
  concord_mock_server_set_error_body_func (self->server, build_error_body, self, NULL);
  concord_mock_server_add_route (self->server, NULL, "/", on_request_cb, self, NULL);
  self->base_url = g_strdup (concord_mock_server_get_origin (self->server));

  return g_steal_pointer (&self);
}

const char *
concord_mock_hubspot_get_base_url (ConcordMockHubspot *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_HUBSPOT (self), NULL);

  return self->base_url;
}

ConcordMockServer *
concord_mock_hubspot_get_server (ConcordMockHubspot *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_HUBSPOT (self), NULL);

  return self->server;
}

void
concord_mock_hubspot_set_token (ConcordMockHubspot *self,
                                const char         *token)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_HUBSPOT (self));
  g_return_if_fail (token != NULL);

  locker = g_mutex_locker_new (&self->mutex);
  g_free (self->token);
  self->token = g_strdup (token);
}

/**
 * concord_mock_hubspot_add_property:
 * @type: string, number, date, datetime, enumeration or bool
 * @field_type: text, select, radio, checkbox (several values, ";"), …
 * @options: (nullable): an enumeration's options, "value=Label" or "Label"
 *
 * Adds a custom property (or replaces one of that name).
 */
void
concord_mock_hubspot_add_property (ConcordMockHubspot *self,
                                   const char         *name,
                                   const char         *label,
                                   const char         *type,
                                   const char         *field_type,
                                   const char * const *options)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_HUBSPOT (self));

  locker = g_mutex_locker_new (&self->mutex);
  add_property (self, name, label, type, field_type, options, TRUE, FALSE, FALSE);
}

/**
 * concord_mock_hubspot_put_contact_json:
 * @properties_json: a properties object ({"email": "…", …}), stored
 *   without the API's checks, so tests can hold what the API would refuse;
 *   "lastmodifieddate" (epoch ms, as text) dates it
 *
 * Returns: the new contact's id, 0 on error
 */
guint64
concord_mock_hubspot_put_contact_json (ConcordMockHubspot  *self,
                                       const char          *properties_json,
                                       GError             **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *properties;
  JsonNode *root;
  Contact *contact;
  const char *modified;
  gint64 ms;

  if (!json_parser_load_from_data (parser, properties_json, -1, error))
    return 0;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a JSON object");
      return 0;
    }
  properties = json_node_get_object (root);
  modified = json_object_get_string_member_with_default (properties, "lastmodifieddate", NULL);
  contact = new_contact (self);
  apply_properties (self, contact, properties);
  g_hash_table_remove (contact->values, "lastmodifieddate");
  if (modified != NULL && g_ascii_string_to_signed (modified, 10, 1, G_MAXINT64, &ms, NULL))
    contact->updated_ms = ms;
  save_locked (self);
  return contact->id;
}

/* Returns: (transfer full) (nullable): the contact as GET shows it, every
 * property named */
char *
concord_mock_hubspot_get_contact_json (ConcordMockHubspot *self,
                                       guint64             id)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  Contact *contact = g_hash_table_lookup (self->by_id, &id);

  if (contact == NULL)
    return NULL;
  for (guint i = 0; i < self->properties->len; i++)
    g_ptr_array_add (names, ((Property *) g_ptr_array_index (self->properties, i))->name);
  g_ptr_array_add (names, NULL);
  return object_text (contact_object (self, contact, (const char * const *) names->pdata));
}

/* Returns: the id of the live contact with @email (any case), 0: none */
guint64
concord_mock_hubspot_find_email (ConcordMockHubspot *self,
                                 const char         *email)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  Contact *contact = find_email (self, email, NULL);

  return contact != NULL ? contact->id : 0;
}

gboolean
concord_mock_hubspot_archive (ConcordMockHubspot *self,
                              guint64             id)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  Contact *contact = g_hash_table_lookup (self->by_id, &id);

  if (contact == NULL || contact->archived_ms != 0)
    return FALSE;
  contact->archived_ms = next_ms (self);
  index_email (self, contact, g_hash_table_lookup (contact->values, "email"));
  save_locked (self);
  return TRUE;
}

/* Returns: how many live (not archived) contacts the account holds */
guint
concord_mock_hubspot_get_n_contacts (ConcordMockHubspot *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  guint n = 0;

  for (guint i = 0; i < self->contacts->len; i++)
    n += ((Contact *) g_ptr_array_index (self->contacts, i))->archived_ms == 0;
  return n;
}

/**
 * concord_mock_hubspot_set_frozen_time:
 * @unix_ms: every write from now on is stamped with this lastmodifieddate
 *   (a bulk import); 0 for the real clock again
 */
void
concord_mock_hubspot_set_frozen_time (ConcordMockHubspot *self,
                                      gint64              unix_ms)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  self->frozen_ms = unix_ms;
}

void
concord_mock_hubspot_set_rate_limit (ConcordMockHubspot *self,
                                     guint               max)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  self->rate_max = max;
  g_queue_clear_full (&self->window, g_free);
}

/**
 * concord_mock_hubspot_set_search_rate_limit:
 * @max: searches per rolling second (0: no limit; HubSpot's is 5), beyond
 *   which a search is answered 429 with policyName SECONDLY
 */
void
concord_mock_hubspot_set_search_rate_limit (ConcordMockHubspot *self,
                                            guint               max)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  self->search_max = max;
  g_queue_clear_full (&self->search_window, g_free);
}

/**
 * concord_mock_hubspot_set_atomic_batches:
 * @atomic: whether a batch create or update with one bad input fails
 *   whole (409 or 400 for the first, nothing written) instead of 207
 */
void
concord_mock_hubspot_set_atomic_batches (ConcordMockHubspot *self,
                                         gboolean            atomic)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  self->atomic = atomic;
}

guint
concord_mock_hubspot_get_n_429 (ConcordMockHubspot *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  return self->n_429;
}

/**
 * concord_mock_hubspot_generate:
 *
 * Adds @n made-up contacts, the same for the same @seed, with what a small
 * business's account has around them (custom properties, created on the
 * first call): a text "Home city", an "Industry", a "Tier" pick list, a
 * "Lists" checkbox and a calculated "Engagement score".
 */
void
concord_mock_hubspot_generate (ConcordMockHubspot *self,
                               guint               n,
                               guint32             seed)
{
  static const char *first_names[] = { "Ada", "Ben", "Chloé", "Dmitri", "Eva", "Farah", "Goran",
                                       "Hana", "Ivo", "Jun" };
  static const char *last_names[] = { "Lovelace", "Okafor", "Durand", "Petrov", "Novak", "Haddad",
                                      "Ilić", "Sato", "Costa", "Lee" };
  static const char *companies[] = { "Acme Ltd", "Globex", "Initech", "Umbrella Co", "Hooli" };
  static const char *stages[] = { "subscriber", "lead", "customer" };
  static const char *tiers[] = { "bronze=Bronze", "silver=Silver", "gold=Gold", NULL };
  static const char *lists[] = { "Newsletter", "Customers", "Events", NULL };
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  g_return_if_fail (CONCORD_IS_MOCK_HUBSPOT (self));

  {
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

    if (find_property (self, "home_city") == NULL)
      {
        add_property (self, "home_city", "Home city", "string", "text", NULL, TRUE, FALSE, FALSE);
        add_property (self, "industry_segment", "Industry", "string", "text", NULL, TRUE, FALSE,
                      FALSE);
        add_property (self, "tier", "Tier", "enumeration", "select", tiers, TRUE, FALSE, FALSE);
        add_property (self, "lists", "Lists", "enumeration", "checkbox", lists, TRUE, FALSE,
                      FALSE);
        /* A custom property HubSpot computes (a calculation property). */
        add_property (self, "engagement_score", "Engagement score", "number", "calculation_equation",
                      NULL, TRUE, FALSE, TRUE);
      }
  }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
      Contact *contact = new_contact (self);
      GHashTable *values = contact->values;

      g_hash_table_replace (values, g_strdup ("email"),
                            g_strdup_printf ("contact%05u.%u@example.com", i, seed));
      g_hash_table_replace (values, g_strdup ("firstname"),
                            g_strdup (first_names[g_rand_int_range (rand, 0,
                                                                    G_N_ELEMENTS (first_names))]));
      g_hash_table_replace (values, g_strdup ("lastname"),
                            g_strdup (last_names[g_rand_int_range (rand, 0,
                                                                   G_N_ELEMENTS (last_names))]));
      if (g_rand_boolean (rand))
        g_hash_table_replace (values, g_strdup ("company"),
                              g_strdup (companies[g_rand_int_range (rand, 0,
                                                                    G_N_ELEMENTS (companies))]));
      g_hash_table_replace (values, g_strdup ("lifecyclestage"),
                            g_strdup (stages[g_rand_int_range (rand, 0, G_N_ELEMENTS (stages))]));
      if (g_rand_int_range (rand, 0, 5) == 0)
        g_hash_table_replace (values, g_strdup ("hs_email_optout"), g_strdup ("true"));
      if (g_rand_int_range (rand, 0, 3) == 0)
        g_hash_table_replace (values, g_strdup ("tier"),
                              g_strdup (g_rand_boolean (rand) ? "gold" : "silver"));
      if (g_rand_int_range (rand, 0, 3) == 0)
        g_hash_table_replace (values, g_strdup ("lists"), g_strdup ("Newsletter"));
      index_email (self, contact, NULL);
    }
  {
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

    save_locked (self);
  }
}

/**
 * concord_mock_hubspot_load_file:
 *
 * Replaces the account with the one saved at @path (the mock's own
 * format); a missing file is an empty account.
 */
gboolean
concord_mock_hubspot_load_file (ConcordMockHubspot  *self,
                                const char          *path,
                                GError             **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonArray *array;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (!json_parser_load_from_file (parser, path, error))
    return FALSE;
  if (json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) ||
      g_strcmp0 (json_object_get_string_member_with_default (
                   json_node_get_object (json_parser_get_root (parser)), "format", NULL),
                 "concord-mock-hubspot") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s is not a simulated HubSpot account", path);
      return FALSE;
    }
  root = json_node_get_object (json_parser_get_root (parser));

  g_hash_table_remove_all (self->by_id);
  g_hash_table_remove_all (self->by_email);
  g_ptr_array_set_size (self->contacts, 0);
  array = json_object_get_array_member (root, "properties");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);
      g_auto(GStrv) options = NULL;
      JsonArray *list;

      if (object == NULL)
        continue;
      list = json_object_get_array_member (object, "options");
      options = g_new0 (char *, (list != NULL ? json_array_get_length (list) : 0) + 1);
      for (guint o = 0; list != NULL && o < json_array_get_length (list); o++)
        options[o] = g_strdup (json_array_get_string_element (list, o));
      add_property (self, json_object_get_string_member_with_default (object, "name", "x"),
                    json_object_get_string_member_with_default (object, "label", "x"),
                    json_object_get_string_member_with_default (object, "type", "string"),
                    json_object_get_string_member_with_default (object, "fieldType", "text"),
                    (const char * const *) options, TRUE, FALSE, FALSE);
    }
  array = json_object_get_array_member (root, "contacts");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);
      JsonObject *values = object != NULL ? json_object_get_object_member (object, "properties")
                                          : NULL;
      Contact *contact;
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      if (values == NULL)
        continue;
      contact = g_new0 (Contact, 1);
      contact->id = (guint64) json_object_get_int_member_with_default (object, "id", 0);
      contact->created_ms = json_object_get_int_member_with_default (object, "created_ms", 0);
      contact->updated_ms = json_object_get_int_member_with_default (object, "updated_ms", 0);
      contact->archived_ms = json_object_get_int_member_with_default (object, "archived_ms", 0);
      contact->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      json_object_iter_init (&iter, values);
      while (json_object_iter_next (&iter, &name, &value))
        if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
          g_hash_table_replace (contact->values, g_strdup (name),
                                g_strdup (json_node_get_string (value)));
      if (contact->id == 0 || g_hash_table_contains (self->by_id, &contact->id))
        {
          contact_free (contact);
          continue;
        }
      g_ptr_array_add (self->contacts, contact);
      g_hash_table_insert (self->by_id, &contact->id, contact);
      index_email (self, contact, NULL);
      self->clock_ms = MAX (self->clock_ms, contact->updated_ms);
    }
  self->next_id = MAX ((guint64) json_object_get_int_member_with_default (root, "next_id", 101),
                       self->next_id);
  for (guint i = 0; i < self->contacts->len; i++)
    self->next_id = MAX (self->next_id, ((Contact *) g_ptr_array_index (self->contacts, i))->id + 1);
  return TRUE;
}

/**
 * concord_mock_hubspot_set_save_path:
 * @path: (nullable): where to keep the account; %NULL to stop
 *
 * Writes the account to @path now (only this user may read it), and
 * again after every change.
 */
void
concord_mock_hubspot_set_save_path (ConcordMockHubspot *self,
                                    const char         *path)
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
  ConcordMockHubspot *mock = concord_mock_hubspot_new (secret, port, error);

  if (mock != NULL)
    {
      /* The Free and Starter private-app limit, and the account's own
       * custom properties. */
      concord_mock_hubspot_set_rate_limit (mock, 100);
      concord_mock_hubspot_set_search_rate_limit (mock, 5);
      concord_mock_hubspot_generate (mock, 0, 1);
    }
  return G_OBJECT (mock);
}

static ConcordMockServer *
info_get_server (GObject *mock)
{
  return concord_mock_hubspot_get_server (CONCORD_MOCK_HUBSPOT (mock));
}

static const char *
info_get_base_url (GObject *mock)
{
  return concord_mock_hubspot_get_base_url (CONCORD_MOCK_HUBSPOT (mock));
}

static void
info_set_secret (GObject    *mock,
                 const char *secret)
{
  concord_mock_hubspot_set_token (CONCORD_MOCK_HUBSPOT (mock), secret);
}

static void
info_generate (GObject *mock,
               guint    n,
               guint32  seed)
{
  concord_mock_hubspot_generate (CONCORD_MOCK_HUBSPOT (mock), n, seed);
}

static gboolean
info_load_file (GObject     *mock,
                const char  *path,
                GError     **error)
{
  return concord_mock_hubspot_load_file (CONCORD_MOCK_HUBSPOT (mock), path, error);
}

static void
info_set_save_path (GObject    *mock,
                    const char *path)
{
  concord_mock_hubspot_set_save_path (CONCORD_MOCK_HUBSPOT (mock), path);
}

/* Reads by POST: not writes, for `concord-mock hubspot`'s count. */
static const char * const read_requests[] = {
  "POST " PATH_CONTACTS "/search",
  "POST " PATH_CONTACTS "/batch/read",
  NULL
};

const ConcordMockAppInfo concord_mock_hubspot_info = {
  .id = "hubspot",
  .create = info_create,
  .get_server = info_get_server,
  .get_base_url = info_get_base_url,
  .set_secret = info_set_secret,
  .generate = info_generate,
  .load_file = info_load_file,
  .set_save_path = info_set_save_path,
  .read_requests = read_requests,
};
