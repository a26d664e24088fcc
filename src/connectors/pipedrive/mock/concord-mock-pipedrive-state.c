/* concord-mock-pipedrive-state.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The simulated Pipedrive's account data (see concord-mock-pipedrive.c):
 * persons and fields with their helpers (the caller holds the mutex), and
 * the checks and application of a POST or PATCH body.
 */

#define G_LOG_DOMAIN "concord-mock-pipedrive"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include "concord-mock-pipedrive.h"
#include "concord-mock-pipedrive-private.h"

static const char *marketing_statuses[] = { "no_consent", "unsubscribed", "subscribed", "archived",
                                            NULL };

/* ------------------------------------------------------------------------- */
/* Data helpers (caller holds the mutex)                                     */
/* ------------------------------------------------------------------------- */

void
_concord_mock_pipedrive_person_free (ConcordMockPipedrivePerson *person)
{
  json_object_unref (person->object);
  g_hash_table_unref (person->left);
  g_free (person);
}

void
_concord_mock_pipedrive_field_free (ConcordMockPipedriveField *field)
{
  g_free (field->key);
  g_free (field->name);
  g_free (field->field_type);
  g_clear_pointer (&field->options, g_ptr_array_unref);
  g_free (field);
}

static ConcordMockPipedriveField *
find_field (ConcordMockPipedrive *self,
            const char           *key)
{
  for (guint i = 0; i < self->fields->len; i++)
    if (g_str_equal (((ConcordMockPipedriveField *) g_ptr_array_index (self->fields, i))->key, key))
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

void
_concord_mock_pipedrive_split_name (JsonObject *object,
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
check_custom_value (ConcordMockPipedrive      *self,
                    ConcordMockPipedriveField *field,
                    JsonNode                  *value)
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

/* Checks one member of a POST or PATCH body; NULL when it is valid. */
static char *
check_member (ConcordMockPipedrive *self,
              const char           *member,
              JsonNode             *value)
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
          ConcordMockPipedriveField *field = find_field (self, key);
          char *problem;

          if (field == NULL)
            return g_strdup_printf ("Unknown custom field %s", key);
          if ((problem = check_custom_value (self, field, field_value)) != NULL)
            return problem;
        }
    }
  else
    return g_strdup_printf ("Unknown parameter %s", member);

  return NULL;
}

/* Checks a POST or PATCH body; NULL when it is valid. */
char *
_concord_mock_pipedrive_check_body (ConcordMockPipedrive *self,
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
      char *problem = check_member (self, member, value);

      if (problem != NULL)
        return problem;
    }

  return NULL;
}

/* Applies a checked body to @person (PATCH: only what it holds). */
void
_concord_mock_pipedrive_apply_body (ConcordMockPipedrive       *self,
                                    ConcordMockPipedrivePerson *person,
                                    JsonObject                 *body)
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
        _concord_mock_pipedrive_split_name (object, json_node_get_string (value));
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

ConcordMockPipedrivePerson *
_concord_mock_pipedrive_new_person (ConcordMockPipedrive *self)
{
  ConcordMockPipedrivePerson *person = g_new0 (ConcordMockPipedrivePerson, 1);
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
