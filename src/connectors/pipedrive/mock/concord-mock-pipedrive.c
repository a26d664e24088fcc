/* concord-mock-pipedrive.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A local stand-in for Pipedrive's persons API (specs/connectors-reference.md
 * §2): v2 persons and organisations, v1 person fields and users/me, for the
 * connector's tests, concord-mock and the end-to-end runs.
 *
 * Built on ConcordMockServer (src/connectors/mock/), which owns the thread,
 * the routing, the request log, faults and stalls; this file holds what is
 * Pipedrive's:
 *
 * - the token only in the x-api-token header; else 401 with the error
 *   envelope {success:false, error, errorCode, error_info};
 * - every answer in the envelope {success, data, additional_data};
 * - GET /api/v2/persons: limit ≤ 500 (400 above), an opaque cursor,
 *   next_cursor null at the end, updated_since (≥) and
 *   sort_by=update_time/id with sort_direction; only live persons;
 * - POST and PATCH /api/v2/persons: v2's strictness (ids are integers,
 *   booleans are booleans, dates are YYYY-MM-DD, numbers are not strings),
 *   a 400 per invalid value (an invalid email among them), PATCH changes
 *   only what it is sent, name split into first_name and last_name at the
 *   first space, custom fields under custom_fields{} keyed by hash,
 *   marketing_status changing only once away from a given value (a
 *   forbidden change silently ignored); email is not unique; first_name
 *   and last_name are also taken (they set the name), as v1 took them, so
 *   a test's driver can make a person with a last name only
 *   [unverified for v2; the connector writes only name];
 * - the burst limit: x-ratelimit-limit/-remaining/-reset on every answer,
 *   429 with Retry-After beyond the limit over a rolling 2 s, and after
 *   several 429s in a row a 403 Cloudflare HTML page.
 *
 * The account's data sit behind one mutex, taken by the handler for a
 * whole request and by the public API for each call. Persons are JSON
 * objects as the API shows them, in id order.
 *
 * For the sandbox demo the account can live in a file (state_to_string()
 * is its format: fields, organisations, labels, persons with the
 * marketing statuses they left, the id counter and the clock):
 * load_file() reads it back, and with a save path set every successful
 * request but a GET marks the data changed and the server thread writes
 * the file (atomically, under the mutex) SAVE_DELAY_MS after the first
 * such request; disposing the server writes what is still unsaved.
 */

#define G_LOG_DOMAIN "concord-mock-pipedrive"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "concord-mock-pipedrive.h"

#define MAX_LIMIT        500
#define DEFAULT_LIMIT    100
#define SAVE_DELAY_MS    250
#define STATE_VERSION    1
#define WINDOW_US        (2 * G_USEC_PER_SEC)
#define ERROR_INFO       "Please check developers.pipedrive.com for more information about " \
                         "Pipedrive API."
#define CLOUDFLARE_PAGE  "<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare" \
                         "</title></head><body><h1>Sorry, you have been blocked</h1></body></html>"

typedef struct
{
  JsonObject *object;      /* (owned): the person as the API shows it */
  GHashTable *left;        /* (owned): marketing statuses this person has left */
} Person;

typedef struct
{
  char       *key;         /* (owned) */
  char       *name;        /* (owned) */
  char       *field_type;  /* (owned) */
  GPtrArray  *options;     /* (owned) (nullable): labels; option id = index + 1 */
} Field;

struct _ConcordMockPipedrive
{
  GObject            parent_instance;

  ConcordMockServer *server;      /* (owned) */
  char              *base_url;    /* (owned): immutable */

  GMutex             mutex;
  char              *api_token;   /* (owned) */
  GPtrArray         *persons;     /* (owned): Person, id order */
  GHashTable        *by_id;       /* (owned): id → Person (unowned) */
  guint              next_id;
  GPtrArray         *orgs;        /* (owned): names; id = index + 1 */
  GPtrArray         *labels;      /* (owned): names; id = index + 1 */
  GPtrArray         *fields;      /* (owned): Field, custom ones */
  guint              burst_limit; /* 0: none */
  guint              cloudflare_after;
  GQueue             window;      /* arrival times (gint64 *, owned) in the last 2 s */
  guint              n_429;       /* 429s in a row */
  gboolean           blocked;     /* Cloudflare blocks every request */
  gint64             clock;       /* the last update_time given, Unix seconds */
  char              *save_path;   /* (owned) (nullable) */
  gboolean           unsaved;     /* changed since the last save */
  GSource           *save_source; /* (owned) (nullable): server thread only */
};

G_DEFINE_FINAL_TYPE (ConcordMockPipedrive, concord_mock_pipedrive, G_TYPE_OBJECT)

static const char *marketing_statuses[] = { "no_consent", "unsubscribed", "subscribed", "archived",
                                            NULL };

/* ------------------------------------------------------------------------- */
/* Data helpers (caller holds the mutex)                                     */
/* ------------------------------------------------------------------------- */

static void
person_free (Person *person)
{
  json_object_unref (person->object);
  g_hash_table_unref (person->left);
  g_free (person);
}

static void
field_free (Field *field)
{
  g_free (field->key);
  g_free (field->name);
  g_free (field->field_type);
  g_clear_pointer (&field->options, g_ptr_array_unref);
  g_free (field);
}

static Field *
find_field (ConcordMockPipedrive *self,
            const char           *key)
{
  for (guint i = 0; i < self->fields->len; i++)
    if (g_str_equal (((Field *) g_ptr_array_index (self->fields, i))->key, key))
      return g_ptr_array_index (self->fields, i);
  return NULL;
}

/* Now as update_time: strictly after the last one given, so a write
 * always moves a person past what a listing has seen (one second is
 * Pipedrive's resolution). */
static char *
next_time (ConcordMockPipedrive *self)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr(GDateTime) when = NULL;

  self->clock = MAX (now, self->clock);
  when = g_date_time_new_from_unix_utc (self->clock);
  return g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ");
}

static gboolean
email_is_valid (const char *email)
{
  const char *at = email != NULL ? strchr (email, '@') : NULL;

  return at != NULL && at > email && strchr (at + 1, '@') == NULL &&
         strchr (at + 1, '.') != NULL && at[1] != '.' && email[strlen (email) - 1] != '.' &&
         strpbrk (email, " \t\r\n,;<>") == NULL;
}

static gboolean
is_integer (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_INT64;
}

static void
split_name (JsonObject *object,
            const char *name)
{
  const char *space = strchr (name, ' ');

  json_object_set_string_member (object, "name", name);
  if (space == NULL)
    {
      json_object_set_string_member (object, "first_name", name);
      json_object_set_null_member (object, "last_name");
      return;
    }
  {
    g_autofree char *first = g_strndup (name, space - name);

    json_object_set_string_member (object, "first_name", first);
  }
  json_object_set_string_member (object, "last_name", space + 1);
}

/* emails / phones: an array of {value, primary, label}; NULL if valid. */
static char *
check_items (JsonNode   *node,
             const char *member)
{
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return g_strdup_printf ("%s must be an array", member);
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      JsonObject *object;
      JsonNode *value, *primary;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        return g_strdup_printf ("%s[%u] must be an object", member, i);
      object = json_node_get_object (item);
      value = json_object_get_member (object, "value");
      primary = json_object_get_member (object, "primary");
      if (value == NULL || !JSON_NODE_HOLDS_VALUE (value) ||
          json_node_get_value_type (value) != G_TYPE_STRING)
        return g_strdup_printf ("%s[%u].value must be a string", member, i);
      if (primary != NULL && (!JSON_NODE_HOLDS_VALUE (primary) ||
                              json_node_get_value_type (primary) != G_TYPE_BOOLEAN))
        return g_strdup_printf ("%s[%u].primary must be a boolean", member, i);
      if (g_str_equal (member, "emails") && !email_is_valid (json_node_get_string (value)))
        return g_strdup ("Invalid email address");
    }
  return NULL;
}

static char *
check_custom_value (ConcordMockPipedrive *self,
                    Field                *field,
                    JsonNode             *value)
{
  const char *type = field->field_type;

  if (JSON_NODE_HOLDS_NULL (value))
    return NULL;
  if (g_str_equal (type, "double"))
    {
      if (!JSON_NODE_HOLDS_VALUE (value) ||
          (json_node_get_value_type (value) != G_TYPE_DOUBLE &&
           json_node_get_value_type (value) != G_TYPE_INT64))
        return g_strdup_printf ("Custom field %s must be a number", field->key);
      return NULL;
    }
  if (g_str_equal (type, "enum"))
    {
      if (!is_integer (value) || json_node_get_int (value) < 1 ||
          (guint64) json_node_get_int (value) > field->options->len)
        return g_strdup_printf ("Custom field %s must be an option id", field->key);
      return NULL;
    }
  if (g_str_equal (type, "set"))
    {
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (value))
        return g_strdup_printf ("Custom field %s must be an array of option ids", field->key);
      array = json_node_get_array (value);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *id = json_array_get_element (array, i);

          if (!is_integer (id) || json_node_get_int (id) < 1 ||
              (guint64) json_node_get_int (id) > field->options->len)
            return g_strdup_printf ("Custom field %s must be an array of option ids",
                                    field->key);
        }
      return NULL;
    }
  if (g_str_equal (type, "monetary") || g_str_equal (type, "address") ||
      g_str_equal (type, "daterange") || g_str_equal (type, "timerange"))
    {
      if (!JSON_NODE_HOLDS_OBJECT (value))
        return g_strdup_printf ("Custom field %s must be an object", field->key);
      return NULL;
    }
  if (g_str_equal (type, "user") || g_str_equal (type, "org") || g_str_equal (type, "people"))
    return is_integer (value) ? NULL
                              : g_strdup_printf ("Custom field %s must be an id", field->key);
  if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
    return g_strdup_printf ("Custom field %s must be a string", field->key);
  if (g_str_equal (type, "date"))
    {
      const char *text = json_node_get_string (value);
      g_autoptr(GDateTime) when = NULL;
      g_autofree char *midnight = g_strconcat (text, "T00:00:00Z", NULL);

      if (strlen (text) != 10 || (when = g_date_time_new_from_iso8601 (midnight, NULL)) == NULL)
        return g_strdup_printf ("Custom field %s must be a date (YYYY-MM-DD)", field->key);
    }
  return NULL;
}

/* Checks a POST or PATCH body; NULL when it is valid. */
static char *
check_body (ConcordMockPipedrive *self,
            JsonObject           *body,
            gboolean              creating)
{
  JsonObjectIter iter;
  const char *member;
  JsonNode *value;

  if (creating && !json_object_has_member (body, "first_name") &&
      !json_object_has_member (body, "last_name"))
    {
      JsonNode *name = json_object_get_member (body, "name");

      if (name == NULL || !JSON_NODE_HOLDS_VALUE (name) ||
          json_node_get_value_type (name) != G_TYPE_STRING || *json_node_get_string (name) == '\0')
        return g_strdup ("Name must be given.");
    }

  json_object_iter_init (&iter, body);
  while (json_object_iter_next (&iter, &member, &value))
    {
      if (g_str_equal (member, "name"))
        {
          if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING ||
              *json_node_get_string (value) == '\0')
            return g_strdup ("Name must be a non-empty string.");
        }
      else if (g_str_equal (member, "first_name") || g_str_equal (member, "last_name"))
        {
          if (!JSON_NODE_HOLDS_NULL (value) &&
              (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING))
            return g_strdup_printf ("%s must be a string", member);
        }
      else if (g_str_equal (member, "emails") || g_str_equal (member, "phones"))
        {
          char *problem = check_items (value, member);

          if (problem != NULL)
            return problem;
        }
      else if (g_str_equal (member, "org_id") || g_str_equal (member, "owner_id"))
        {
          if (!JSON_NODE_HOLDS_NULL (value) &&
              (!is_integer (value) ||
               (g_str_equal (member, "org_id") &&
                (json_node_get_int (value) < 1 ||
                 (guint64) json_node_get_int (value) > self->orgs->len))))
            return g_strdup_printf ("%s must be the id of an existing item", member);
        }
      else if (g_str_equal (member, "label_ids"))
        {
          JsonArray *array;

          if (!JSON_NODE_HOLDS_ARRAY (value))
            return g_strdup ("label_ids must be an array of integers");
          array = json_node_get_array (value);
          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              JsonNode *id = json_array_get_element (array, i);

              if (!is_integer (id) || json_node_get_int (id) < 1 ||
                  (guint64) json_node_get_int (id) > self->labels->len)
                return g_strdup ("label_ids must hold ids of existing labels");
            }
        }
      else if (g_str_equal (member, "marketing_status"))
        {
          if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING ||
              !g_strv_contains (marketing_statuses, json_node_get_string (value)))
            return g_strdup ("marketing_status must be no_consent, unsubscribed, subscribed or "
                             "archived");
        }
      else if (g_str_equal (member, "visible_to"))
        {
          if (!is_integer (value))
            return g_strdup ("visible_to must be an integer");
        }
      else if (g_str_equal (member, "custom_fields"))
        {
          JsonObjectIter fields;
          const char *key;
          JsonNode *field_value;

          if (!JSON_NODE_HOLDS_OBJECT (value))
            return g_strdup ("custom_fields must be an object");
          json_object_iter_init (&fields, json_node_get_object (value));
          while (json_object_iter_next (&fields, &key, &field_value))
            {
              Field *field = find_field (self, key);
              char *problem;

              if (field == NULL)
                return g_strdup_printf ("Unknown custom field %s", key);
              if ((problem = check_custom_value (self, field, field_value)) != NULL)
                return problem;
            }
        }
      else
        return g_strdup_printf ("Unknown parameter %s", member);
    }

  return NULL;
}

/* Applies a checked body to @person (PATCH: only what it holds). */
static void
apply_body (ConcordMockPipedrive *self,
            Person               *person,
            JsonObject           *body)
{
  JsonObject *object = person->object;
  JsonObjectIter iter;
  const char *member;
  JsonNode *value;
  g_autofree char *now = next_time (self);

  json_object_iter_init (&iter, body);
  while (json_object_iter_next (&iter, &member, &value))
    {
      if (g_str_equal (member, "name"))
        split_name (object, json_node_get_string (value));
      else if (g_str_equal (member, "first_name") || g_str_equal (member, "last_name"))
        {
          const char *first, *last;
          g_autofree char *name = NULL;

          json_object_set_member (object, member, json_node_copy (value));
          first = json_object_get_string_member_with_default (object, "first_name", NULL);
          last = json_object_get_string_member_with_default (object, "last_name", NULL);
          name = g_strjoin (first != NULL && last != NULL ? " " : "", first != NULL ? first : "",
                            last != NULL ? last : "", NULL);
          json_object_set_string_member (object, "name", name);
        }
      else if (g_str_equal (member, "marketing_status"))
        {
          const char *current = json_object_get_string_member_with_default (object,
                                                                            "marketing_status",
                                                                            "no_consent");
          const char *wanted = json_node_get_string (value);

          /* Once away from a value, never again: ignored, not refused. */
          if (g_str_equal (current, wanted) || g_hash_table_contains (person->left, current))
            continue;
          g_hash_table_add (person->left, g_strdup (current));
          json_object_set_string_member (object, "marketing_status", wanted);
        }
      else if (g_str_equal (member, "custom_fields"))
        {
          JsonObject *custom = json_object_get_object_member (object, "custom_fields");
          JsonObjectIter fields;
          const char *key;
          JsonNode *field_value;

          json_object_iter_init (&fields, json_node_get_object (value));
          while (json_object_iter_next (&fields, &key, &field_value))
            json_object_set_member (custom, key, json_node_copy (field_value));
        }
      else if (g_str_equal (member, "emails") || g_str_equal (member, "phones"))
        {
          JsonArray *items = json_node_get_array (value);
          gboolean primary = FALSE;

          /* Each item gets a label and a primary flag; one is primary. */
          for (guint i = 0; i < json_array_get_length (items); i++)
            {
              JsonObject *item = json_array_get_object_element (items, i);

              if (!json_object_has_member (item, "label"))
                json_object_set_string_member (item, "label", "work");
              if (json_object_get_boolean_member_with_default (item, "primary", FALSE) && !primary)
                primary = TRUE;
              else
                json_object_set_boolean_member (item, "primary", FALSE);
            }
          if (!primary && json_array_get_length (items) > 0)
            json_object_set_boolean_member (json_array_get_object_element (items, 0), "primary",
                                            TRUE);
          json_object_set_member (object, member, json_node_copy (value));
        }
      else
        json_object_set_member (object, member, json_node_copy (value));
    }
  json_object_set_string_member (object, "update_time", now);
}

static Person *
new_person (ConcordMockPipedrive *self)
{
  Person *person = g_new0 (Person, 1);
  g_autofree char *now = next_time (self);
  JsonObject *object = json_object_new ();

  person->left = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  person->object = object;
  json_object_set_int_member (object, "id", self->next_id++);
  json_object_set_string_member (object, "name", "");
  json_object_set_null_member (object, "first_name");
  json_object_set_null_member (object, "last_name");
  json_object_set_int_member (object, "owner_id", 1);
  json_object_set_null_member (object, "org_id");
  json_object_set_string_member (object, "add_time", now);
  json_object_set_string_member (object, "update_time", now);
  json_object_set_array_member (object, "emails", json_array_new ());
  json_object_set_array_member (object, "phones", json_array_new ());
  json_object_set_boolean_member (object, "is_deleted", FALSE);
  json_object_set_int_member (object, "visible_to", 3);
  json_object_set_array_member (object, "label_ids", json_array_new ());
  json_object_set_null_member (object, "picture_id");
  json_object_set_object_member (object, "custom_fields", json_object_new ());
  json_object_set_string_member (object, "marketing_status", "no_consent");

  g_ptr_array_add (self->persons, person);
  g_hash_table_insert (self->by_id, GUINT_TO_POINTER (json_object_get_int_member (object, "id")),
                       person);
  return person;
}

/* ------------------------------------------------------------------------- */
/* The account as a file (caller holds the mutex)                            */
/* ------------------------------------------------------------------------- */

static JsonArray *
strings_array (GPtrArray *strings)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; strings != NULL && i < strings->len; i++)
    json_array_add_string_element (array, g_ptr_array_index (strings, i));
  return array;
}

static char *
state_to_string (ConcordMockPipedrive *self)
{
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) node = NULL;
  JsonArray *fields = json_array_new ();
  JsonArray *persons = json_array_new ();

  json_object_set_int_member (root, "version", STATE_VERSION);
  json_object_set_int_member (root, "next_id", self->next_id);
  json_object_set_int_member (root, "clock", self->clock);
  json_object_set_array_member (root, "orgs", strings_array (self->orgs));
  json_object_set_array_member (root, "labels", strings_array (self->labels));
  for (guint i = 0; i < self->fields->len; i++)
    {
      const Field *field = g_ptr_array_index (self->fields, i);
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "key", field->key);
      json_object_set_string_member (object, "name", field->name);
      json_object_set_string_member (object, "field_type", field->field_type);
      if (field->options != NULL)
        json_object_set_array_member (object, "options", strings_array (field->options));
      json_array_add_object_element (fields, object);
    }
  json_object_set_array_member (root, "fields", fields);
  for (guint i = 0; i < self->persons->len; i++)
    {
      const Person *person = g_ptr_array_index (self->persons, i);
      g_autoptr(GPtrArray) left = g_ptr_array_new ();
      JsonObject *object = json_object_new ();
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, person->left);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        g_ptr_array_add (left, key);

      g_ptr_array_sort (left, (GCompareFunc) g_strcmp0);
      json_object_set_object_member (object, "person", json_object_ref (person->object));
      json_object_set_array_member (object, "left", strings_array (left));
      json_array_add_object_element (persons, object);
    }
  json_object_set_array_member (root, "persons", persons);

  node = json_node_init_object (json_node_alloc (), root);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 1);
  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, NULL);
}

/* The strings of member @name of @object, or %NULL (with @error) when it
 * is not an array of strings. */
static GPtrArray *
read_strings (JsonObject  *object,
              const char  *name,
              GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    goto invalid;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        goto invalid;
      g_ptr_array_add (strings, g_strdup (json_node_get_string (element)));
    }
  return g_steal_pointer (&strings);

invalid:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: not a list of strings", name);
  return NULL;
}

static gboolean
is_integer_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64;
}

static gboolean
is_array_member (JsonObject *object,
                 const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node);
}

static gboolean
is_object_member (JsonObject *object,
                  const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node);
}

/* An array of objects (emails, phones). */
static gboolean
is_objects_member (JsonObject *object,
                   const char *name)
{
  JsonArray *array;

  if (!is_array_member (object, name))
    return FALSE;
  array = json_object_get_array_member (object, name);
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (!JSON_NODE_HOLDS_OBJECT (json_array_get_element (array, i)))
      return FALSE;
  return TRUE;
}

/* Replaces the account with the file's @root, all or nothing. */
static gboolean
state_load (ConcordMockPipedrive  *self,
            JsonNode              *root,
            GError               **error)
{
  g_autoptr(GPtrArray) orgs = NULL;
  g_autoptr(GPtrArray) labels = NULL;
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func ((GDestroyNotify) field_free);
  g_autoptr(GPtrArray) persons = g_ptr_array_new_with_free_func ((GDestroyNotify) person_free);
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_direct_hash, g_direct_equal);
  JsonObject *object;
  JsonArray *array;
  gint64 next_id;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a JSON object");
      return FALSE;
    }
  object = json_node_get_object (root);
  if (!is_integer_member (object, "version") ||
      json_object_get_int_member (object, "version") != STATE_VERSION)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "version: not %d", STATE_VERSION);
      return FALSE;
    }
  if (!is_integer_member (object, "next_id") || !is_integer_member (object, "clock") ||
      (next_id = json_object_get_int_member (object, "next_id")) < 1 || next_id > G_MAXINT32)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "next_id, clock: not valid");
      return FALSE;
    }
  if ((orgs = read_strings (object, "orgs", error)) == NULL ||
      (labels = read_strings (object, "labels", error)) == NULL)
    return FALSE;

  if (!is_array_member (object, "fields"))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "fields: not a list");
      return FALSE;
    }
  array = json_object_get_array_member (object, "fields");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *one = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *key = one != NULL ? json_object_get_string_member_with_default (one, "key", NULL) : NULL;
      const char *name = one != NULL ? json_object_get_string_member_with_default (one, "name", NULL) : NULL;
      const char *type = one != NULL ? json_object_get_string_member_with_default (one, "field_type", NULL) : NULL;
      Field *field;

      if (key == NULL || name == NULL || type == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "fields[%u]: key, name, field_type", i);
          return FALSE;
        }
      field = g_new0 (Field, 1);
      g_ptr_array_add (fields, field);
      field->key = g_strdup (key);
      field->name = g_strdup (name);
      field->field_type = g_strdup (type);
      if (json_object_has_member (one, "options") &&
          (field->options = read_strings (one, "options", error)) == NULL)
        return FALSE;
    }

  if (!is_array_member (object, "persons"))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "persons: not a list");
      return FALSE;
    }
  array = json_object_get_array_member (object, "persons");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *one = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonNode *data = one != NULL ? json_object_get_member (one, "person") : NULL;
      g_autoptr(GPtrArray) left = NULL;
      Person *person;
      gint64 id;

      if (data == NULL || !JSON_NODE_HOLDS_OBJECT (data) ||
          !is_integer_member (json_node_get_object (data), "id") ||
          (id = json_object_get_int_member (json_node_get_object (data), "id")) < 1 ||
          id >= next_id || g_hash_table_contains (by_id, GUINT_TO_POINTER ((guint) id)) ||
          !is_objects_member (json_node_get_object (data), "emails") ||
          !is_objects_member (json_node_get_object (data), "phones") ||
          !is_array_member (json_node_get_object (data), "label_ids") ||
          !is_object_member (json_node_get_object (data), "custom_fields") ||
          json_object_get_string_member_with_default (json_node_get_object (data), "update_time", NULL) == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "persons[%u]: not a person (id, emails, phones, label_ids, custom_fields, update_time)", i);
          return FALSE;
        }
      if ((left = read_strings (one, "left", error)) == NULL)
        return FALSE;

      person = g_new0 (Person, 1);
      person->object = json_object_ref (json_node_get_object (data));
      person->left = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (guint j = 0; j < left->len; j++)
        g_hash_table_add (person->left, g_strdup (g_ptr_array_index (left, j)));
      g_ptr_array_add (persons, person);
      g_hash_table_insert (by_id, GUINT_TO_POINTER ((guint) id), person);
    }

  /* All read: the account is the file's. */
  g_ptr_array_unref (self->orgs);
  self->orgs = g_steal_pointer (&orgs);
  g_ptr_array_unref (self->labels);
  self->labels = g_steal_pointer (&labels);
  g_ptr_array_unref (self->fields);
  self->fields = g_steal_pointer (&fields);
  g_hash_table_unref (self->by_id);
  self->by_id = g_steal_pointer (&by_id);
  g_ptr_array_unref (self->persons);
  self->persons = g_steal_pointer (&persons);
  self->next_id = (guint) next_id;
  self->clock = json_object_get_int_member (object, "clock");

  return TRUE;
}

static void
save_if_unsaved (ConcordMockPipedrive *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!self->unsaved || self->save_path == NULL)
    return;

  self->unsaved = FALSE;
  text = state_to_string (self);
  if (!g_file_set_contents_full (self->save_path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                 &error))
    g_warning ("Could not save the account: %s", error->message);
}

/* Server thread. */
static gboolean
on_save_timeout_cb (gpointer data)
{
  ConcordMockPipedrive *self = data;

  g_mutex_lock (&self->mutex);
  save_if_unsaved (self);
  g_mutex_unlock (&self->mutex);

  g_clear_pointer (&self->save_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* Server thread. */
static void
schedule_save (ConcordMockPipedrive *self)
{
  self->unsaved = TRUE;
  if (self->save_source != NULL)
    return;

  self->save_source = g_timeout_source_new (SAVE_DELAY_MS);
  g_source_set_callback (self->save_source, on_save_timeout_cb, self, NULL);
  g_source_attach (self->save_source, concord_mock_server_get_context (self->server));
}

/* ------------------------------------------------------------------------- */
/* Answers                                                                   */
/* ------------------------------------------------------------------------- */

static char *
envelope (JsonNode   *data,
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

static char *
build_error_body (guint       status,
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
                                envelope (data, additional));
}

static JsonNode *
object_node (JsonObject *object)
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
  JsonObject *pa = (*(Person * const *) a)->object;
  JsonObject *pb = (*(Person * const *) b)->object;
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
      Person *person = g_ptr_array_index (self->persons, i);

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
    json_array_add_object_element (data, json_object_ref (((Person *) selected->pdata[i])->object));

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

static Person *
person_of_path (ConcordMockPipedrive *self,
                const char           *path)
{
  const char *tail = path + strlen ("/api/v2/persons/");
  guint64 id;
  Person *person;

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
write_person (ConcordMockPipedrive *self,
              ConcordMockRequest   *request,
              Person               *person)
{
  g_autoptr(JsonObject) body = request_body (request);
  g_autofree char *problem = NULL;

  if (body == NULL)
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                          "The body must be a JSON object");
      return;
    }
  if ((problem = check_body (self, body, person == NULL)) != NULL)
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, problem);
      return;
    }

  if (person == NULL)
    person = new_person (self);
  apply_body (self, person, body);
  respond_ok (request, SOUP_STATUS_OK, object_node (json_object_ref (person->object)), NULL);
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
    g_ptr_array_add (all, field);
  }
  for (guint i = 0; i < self->fields->len; i++)
    {
      Field *custom = g_ptr_array_index (self->fields, i);
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
  respond_ok (request, SOUP_STATUS_OK, object_node (org_object (self, self->orgs->len - 1)), NULL);
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
      respond_ok (request, SOUP_STATUS_OK, object_node (user), NULL);
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
      Person *person = person_of_path (self, path);

      if (person == NULL)
        concord_mock_request_respond_error (request, SOUP_STATUS_NOT_FOUND, "Person not found");
      else if (g_str_equal (method, "PATCH"))
        write_person (self, request, person);
      else if (g_str_equal (method, "DELETE"))
        {
          JsonObject *gone = json_object_new ();

          json_object_set_boolean_member (person->object, "is_deleted", TRUE);
          json_object_set_int_member (gone, "id", json_object_get_int_member (person->object, "id"));
          respond_ok (request, SOUP_STATUS_OK, object_node (gone), NULL);
        }
      else
        respond_ok (request, SOUP_STATUS_OK, object_node (json_object_ref (person->object)), NULL);
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

static void
on_request_cb (ConcordMockRequest *request,
               gpointer            user_data)
{
  ConcordMockPipedrive *self = user_data;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  serve (self, request);
  if (self->save_path != NULL && !g_str_equal (concord_mock_request_get_method (request), "GET") &&
      SOUP_STATUS_IS_SUCCESSFUL (concord_mock_request_get_status (request)))
    schedule_save (self);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_mock_pipedrive_dispose (GObject *object)
{
  ConcordMockPipedrive *self = CONCORD_MOCK_PIPEDRIVE (object);

  /* The server first: no handler runs on the data after this. */
  g_clear_object (&self->server);

  /* The server thread is gone: what it had not saved yet is saved now. */
  if (self->save_source != NULL)
    {
      g_source_destroy (self->save_source);
      g_clear_pointer (&self->save_source, g_source_unref);
    }
  g_mutex_lock (&self->mutex);
  save_if_unsaved (self);
  g_mutex_unlock (&self->mutex);

  G_OBJECT_CLASS (concord_mock_pipedrive_parent_class)->dispose (object);
}

static void
concord_mock_pipedrive_finalize (GObject *object)
{
  ConcordMockPipedrive *self = CONCORD_MOCK_PIPEDRIVE (object);

  g_free (self->base_url);
  g_free (self->api_token);
  g_free (self->save_path);
  g_hash_table_unref (self->by_id);
  g_ptr_array_unref (self->persons);
  g_ptr_array_unref (self->orgs);
  g_ptr_array_unref (self->labels);
  g_ptr_array_unref (self->fields);
  g_queue_clear_full (&self->window, g_free);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (concord_mock_pipedrive_parent_class)->finalize (object);
}

static void
concord_mock_pipedrive_class_init (ConcordMockPipedriveClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = concord_mock_pipedrive_dispose;
  object_class->finalize = concord_mock_pipedrive_finalize;
}

static void
concord_mock_pipedrive_init (ConcordMockPipedrive *self)
{
  g_mutex_init (&self->mutex);
  self->persons = g_ptr_array_new_with_free_func ((GDestroyNotify) person_free);
  self->by_id = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->next_id = 1;
  self->orgs = g_ptr_array_new_with_free_func (g_free);
  self->labels = g_ptr_array_new_with_free_func (g_free);
  self->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) field_free);
  g_queue_init (&self->window);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_mock_pipedrive_new:
 * @api_token: the only token accepted
 * @port: 0 for any free port on 127.0.0.1
 *
 * Returns: (transfer full): a running mock with an empty account, no
 *   burst limit
 */
ConcordMockPipedrive *
concord_mock_pipedrive_new (const char  *api_token,
                            guint        port,
                            GError     **error)
{
  g_autoptr(ConcordMockPipedrive) self = NULL;

  g_return_val_if_fail (api_token != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_MOCK_PIPEDRIVE, NULL);
  self->api_token = g_strdup (api_token);
  self->server = concord_mock_server_new ("concord-mock-pipedrive", port, error);
  if (self->server == NULL)
    return NULL;
  concord_mock_server_set_error_body_func (self->server, build_error_body, self, NULL);
  concord_mock_server_add_route (self->server, NULL, "/", on_request_cb, self, NULL);
  self->base_url = g_strdup (concord_mock_server_get_origin (self->server));

  return g_steal_pointer (&self);
}

const char *
concord_mock_pipedrive_get_base_url (ConcordMockPipedrive *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_PIPEDRIVE (self), NULL);

  return self->base_url;
}

ConcordMockServer *
concord_mock_pipedrive_get_server (ConcordMockPipedrive *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_PIPEDRIVE (self), NULL);

  return self->server;
}

void
concord_mock_pipedrive_set_api_token (ConcordMockPipedrive *self,
                                      const char           *api_token)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_PIPEDRIVE (self));
  g_return_if_fail (api_token != NULL);

  locker = g_mutex_locker_new (&self->mutex);
  g_free (self->api_token);
  self->api_token = g_strdup (api_token);
}

/**
 * concord_mock_pipedrive_add_field:
 * @field_type: Pipedrive's field_type (varchar, double, enum, set, date, …)
 * @options: (nullable): the option labels of an enum or set
 *
 * Returns: (transfer full): the new field's 40-character key
 */
char *
concord_mock_pipedrive_add_field (ConcordMockPipedrive *self,
                                  const char           *name,
                                  const char           *field_type,
                                  const char * const   *options)
{
  g_autoptr(GMutexLocker) locker = NULL;
  Field *field;

  g_return_val_if_fail (CONCORD_IS_MOCK_PIPEDRIVE (self), NULL);

  locker = g_mutex_locker_new (&self->mutex);
  field = g_new0 (Field, 1);
  field->name = g_strdup (name);
  field->field_type = g_strdup (field_type);
  {
    g_autofree char *seed = g_strdup_printf ("%s/%u", name, self->fields->len);

    field->key = g_compute_checksum_for_string (G_CHECKSUM_SHA1, seed, -1);
  }
  if (options != NULL || g_str_equal (field_type, "enum") || g_str_equal (field_type, "set"))
    {
      field->options = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; options != NULL && options[i] != NULL; i++)
        g_ptr_array_add (field->options, g_strdup (options[i]));
    }
  g_ptr_array_add (self->fields, field);
  return g_strdup (field->key);
}

guint
concord_mock_pipedrive_add_label (ConcordMockPipedrive *self,
                                  const char           *name)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  g_ptr_array_add (self->labels, g_strdup (name));
  return self->labels->len;
}

guint
concord_mock_pipedrive_add_org (ConcordMockPipedrive *self,
                                const char           *name)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  g_ptr_array_add (self->orgs, g_strdup (name));
  return self->orgs->len;
}

/**
 * concord_mock_pipedrive_put_person_json:
 * @person_json: a v2 POST body (name required), applied without the
 *   strictness checks, so tests can store what the API would refuse
 *
 * Returns: the new person's id, 0 on error
 */
guint
concord_mock_pipedrive_put_person_json (ConcordMockPipedrive  *self,
                                        const char            *person_json,
                                        GError               **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  Person *person;

  if (!json_parser_load_from_data (parser, person_json, -1, error))
    return 0;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a JSON object");
      return 0;
    }
  person = new_person (self);
  apply_body (self, person, json_node_get_object (root));
  /* A test may date a person in the past. */
  if (json_object_has_member (json_node_get_object (root), "update_time"))
    json_object_set_member (person->object, "update_time",
                            json_node_copy (json_object_get_member (json_node_get_object (root),
                                                                    "update_time")));
  return (guint) json_object_get_int_member (person->object, "id");
}

/* Returns: (transfer full) (nullable): the person as GET shows it */
char *
concord_mock_pipedrive_get_person_json (ConcordMockPipedrive *self,
                                        guint                 id)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  Person *person = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));
  g_autoptr(JsonNode) node = NULL;

  if (person == NULL)
    return NULL;
  node = object_node (json_object_ref (person->object));
  return json_to_string (node, FALSE);
}

guint
concord_mock_pipedrive_get_n_persons (ConcordMockPipedrive *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  return self->persons->len;
}

guint
concord_mock_pipedrive_get_n_orgs (ConcordMockPipedrive *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  return self->orgs->len;
}

void
concord_mock_pipedrive_set_burst_limit (ConcordMockPipedrive *self,
                                        guint                 limit,
                                        guint                 n_429)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  self->burst_limit = limit;
  self->cloudflare_after = n_429;
  self->n_429 = 0;
  self->blocked = FALSE;
  g_queue_clear_full (&self->window, g_free);
}

/**
 * concord_mock_pipedrive_set_blocked:
 *
 * Cloudflare's block of a client that kept going after 429s: every
 * request gets a 403 HTML page until unblocked (or a new burst limit).
 */
void
concord_mock_pipedrive_set_blocked (ConcordMockPipedrive *self,
                                    gboolean              blocked)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  self->blocked = blocked;
  self->n_429 = 0;
}

/**
 * concord_mock_pipedrive_generate:
 *
 * Adds @n made-up persons, the same for the same @seed, with what a small
 * sales team's account has around them: a few organisations, labels and
 * custom fields (created on the first call).
 */
void
concord_mock_pipedrive_generate (ConcordMockPipedrive *self,
                                 guint                 n,
                                 guint32               seed)
{
  static const char *first_names[] = { "Ada", "Ben", "Chloé", "Dmitri", "Eva", "Farah", "Goran",
                                       "Hana", "Ivo", "Jun" };
  static const char *last_names[] = { "Lovelace", "Okafor", "Durand", "Petrov", "Novak", "Haddad",
                                      "Ilić", "Sato", "Costa", "Lee" };
  static const char *companies[] = { "Acme Ltd", "Globex", "Initech", "Umbrella Co", "Hooli" };
  static const char *tiers[] = { "Bronze", "Silver", "Gold", NULL };
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree char *industry = NULL;
  g_autofree char *tier = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_PIPEDRIVE (self));

  if (self->fields->len == 0)
    {
      industry = concord_mock_pipedrive_add_field (self, "Industry", "varchar", NULL);
      tier = concord_mock_pipedrive_add_field (self, "Tier", "enum", tiers);
      g_free (concord_mock_pipedrive_add_field (self, "city", "varchar", NULL));
      for (guint i = 0; i < G_N_ELEMENTS (companies); i++)
        concord_mock_pipedrive_add_org (self, companies[i]);
      concord_mock_pipedrive_add_label (self, "Customer");
      concord_mock_pipedrive_add_label (self, "Lead");
    }
  else
    {
      industry = g_strdup (((Field *) g_ptr_array_index (self->fields, 0))->key);
      tier = self->fields->len > 1 ? g_strdup (((Field *) g_ptr_array_index (self->fields, 1))->key)
                                   : NULL;
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
      const char *first = first_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (first_names))];
      const char *last = last_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (last_names))];
      g_autofree char *name = g_strdup_printf ("%s %s", first, last);
      g_autofree char *email = g_strdup_printf ("person%05u.%u@example.com", i, seed);
      Person *person = new_person (self);
      JsonObject *object = person->object;
      JsonArray *emails = json_array_new ();
      JsonObject *item = json_object_new ();
      JsonObject *custom = json_object_get_object_member (object, "custom_fields");

      split_name (object, name);
      json_object_set_string_member (item, "value", email);
      json_object_set_boolean_member (item, "primary", TRUE);
      json_object_set_string_member (item, "label", "work");
      json_array_add_object_element (emails, item);
      json_object_set_array_member (object, "emails", emails);
      if (self->orgs->len > 0 && g_rand_boolean (rand))
        json_object_set_int_member (object, "org_id", g_rand_int_range (rand, 1,
                                                                        self->orgs->len + 1));
      json_object_set_string_member (object, "marketing_status",
                                     g_rand_int_range (rand, 0, 4) == 0 ? "no_consent"
                                                                         : "subscribed");
      if (industry != NULL && g_rand_boolean (rand))
        json_object_set_string_member (custom, industry, "Retail");
      if (tier != NULL && g_rand_int_range (rand, 0, 3) == 0)
        json_object_set_int_member (custom, tier, g_rand_int_range (rand, 1, 4));
    }
}

/**
 * concord_mock_pipedrive_load_file:
 * @path: a file written by the mock with a save path set
 *
 * Replaces the account (fields, organisations, labels, persons) with the
 * file's; on error the account is left as it was. The file is parsed as
 * it is: bound its size and nesting before (the sandbox does).
 *
 * Returns: whether it was loaded
 */
gboolean
concord_mock_pipedrive_load_file (ConcordMockPipedrive  *self,
                                  const char            *path,
                                  GError               **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (CONCORD_IS_MOCK_PIPEDRIVE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!json_parser_load_from_file (parser, path, error))
    return FALSE;

  locker = g_mutex_locker_new (&self->mutex);
  return state_load (self, json_parser_get_root (parser), error);
}

/**
 * concord_mock_pipedrive_set_save_path:
 * @path: (nullable): where to keep the account; %NULL to stop
 *
 * Writes the account to @path now, and again after every change a
 * request makes (see the top of this file).
 */
void
concord_mock_pipedrive_set_save_path (ConcordMockPipedrive *self,
                                      const char           *path)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_PIPEDRIVE (self));

  locker = g_mutex_locker_new (&self->mutex);
  g_free (self->save_path);
  self->save_path = g_strdup (path);
  self->unsaved = TRUE;
  save_if_unsaved (self);
}

/* ------------------------------------------------------------------------- */
/* ConcordMockAppInfo                                                        */
/* ------------------------------------------------------------------------- */

static GObject *
info_create (const char  *secret,
             guint        port,
             GError     **error)
{
  ConcordMockPipedrive *mock = concord_mock_pipedrive_new (secret, port, error);

  /* A burst limit between Growth's and Premium's, and Cloudflare after a
   * storm of 429s. */
  if (mock != NULL)
    {
      concord_mock_pipedrive_set_burst_limit (mock, 80, 20);
      /* A company's account: its custom fields, labels and organisations. */
      concord_mock_pipedrive_generate (mock, 0, 1);
    }
  return G_OBJECT (mock);
}

static ConcordMockServer *
info_get_server (GObject *mock)
{
  return concord_mock_pipedrive_get_server (CONCORD_MOCK_PIPEDRIVE (mock));
}

static const char *
info_get_base_url (GObject *mock)
{
  return concord_mock_pipedrive_get_base_url (CONCORD_MOCK_PIPEDRIVE (mock));
}

static void
info_set_secret (GObject    *mock,
                 const char *secret)
{
  concord_mock_pipedrive_set_api_token (CONCORD_MOCK_PIPEDRIVE (mock), secret);
}

static void
info_generate (GObject *mock,
               guint    n,
               guint32  seed)
{
  concord_mock_pipedrive_generate (CONCORD_MOCK_PIPEDRIVE (mock), n, seed);
}

static gboolean
info_load_file (GObject     *mock,
                const char  *path,
                GError     **error)
{
  return concord_mock_pipedrive_load_file (CONCORD_MOCK_PIPEDRIVE (mock), path, error);
}

static void
info_set_save_path (GObject    *mock,
                    const char *path)
{
  concord_mock_pipedrive_set_save_path (CONCORD_MOCK_PIPEDRIVE (mock), path);
}

const ConcordMockAppInfo concord_mock_pipedrive_info = {
  .id = "pipedrive",
  .create = info_create,
  .get_server = info_get_server,
  .get_base_url = info_get_base_url,
  .set_secret = info_set_secret,
  .generate = info_generate,
  .load_file = info_load_file,
  .set_save_path = info_set_save_path,
};
