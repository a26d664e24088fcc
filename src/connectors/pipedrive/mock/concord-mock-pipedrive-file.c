/* concord-mock-pipedrive-file.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The simulated Pipedrive's account as a file (see
 * concord-mock-pipedrive.c): writing it, loading it back all or nothing,
 * and saving it a moment after a change (caller holds the mutex).
 */

#define G_LOG_DOMAIN "concord-mock-pipedrive"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include "concord-mock-pipedrive.h"
#include "concord-mock-pipedrive-private.h"

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

char *
_concord_mock_pipedrive_state_to_string (ConcordMockPipedrive *self)
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
      const ConcordMockPipedriveField *field = g_ptr_array_index (self->fields, i);
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
      const ConcordMockPipedrivePerson *person = g_ptr_array_index (self->persons, i);
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

/* The fields of the file's @object, into @fields. */
static gboolean
load_fields (JsonObject  *object,
             GPtrArray   *fields,
             GError     **error)
{
  JsonArray *array;

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
      ConcordMockPipedriveField *field;

      if (key == NULL || name == NULL || type == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "fields[%u]: key, name, field_type", i);
          return FALSE;
        }
      field = g_new0 (ConcordMockPipedriveField, 1);
      g_ptr_array_add (fields, field);
      field->key = g_strdup (key);
      field->name = g_strdup (name);
      field->field_type = g_strdup (type);
      if (json_object_has_member (one, "options") &&
          (field->options = read_strings (one, "options", error)) == NULL)
        return FALSE;
    }

  return TRUE;
}

/* The persons of the file's @object, into @persons and @by_id; their
 * ids below @next_id. */
static gboolean
load_persons (JsonObject  *object,
              gint64       next_id,
              GPtrArray   *persons,
              GHashTable  *by_id,
              GError     **error)
{
  JsonArray *array;

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
      ConcordMockPipedrivePerson *person;
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

      person = g_new0 (ConcordMockPipedrivePerson, 1);
      person->object = json_object_ref (json_node_get_object (data));
      person->left = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (guint j = 0; j < left->len; j++)
        g_hash_table_add (person->left, g_strdup (g_ptr_array_index (left, j)));
      g_ptr_array_add (persons, person);
      g_hash_table_insert (by_id, GUINT_TO_POINTER ((guint) id), person);
    }

  return TRUE;
}

/* Replaces the account with the file's @root, all or nothing. */
gboolean
_concord_mock_pipedrive_state_load (ConcordMockPipedrive  *self,
                                    JsonNode              *root,
                                    GError               **error)
{
  g_autoptr(GPtrArray) orgs = NULL;
  g_autoptr(GPtrArray) labels = NULL;
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_mock_pipedrive_field_free);
  g_autoptr(GPtrArray) persons = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_mock_pipedrive_person_free);
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_direct_hash, g_direct_equal);
  JsonObject *object;
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

  if (!load_fields (object, fields, error) ||
      !load_persons (object, next_id, persons, by_id, error))
    return FALSE;

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

void
_concord_mock_pipedrive_save_if_unsaved (ConcordMockPipedrive *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!self->unsaved || self->save_path == NULL)
    return;

  self->unsaved = FALSE;
  text = _concord_mock_pipedrive_state_to_string (self);
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
  _concord_mock_pipedrive_save_if_unsaved (self);
  g_mutex_unlock (&self->mutex);

  g_clear_pointer (&self->save_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* Server thread. */
void
_concord_mock_pipedrive_schedule_save (ConcordMockPipedrive *self)
{
  self->unsaved = TRUE;
  if (self->save_source != NULL)
    return;

  self->save_source = g_timeout_source_new (SAVE_DELAY_MS);
  g_source_set_callback (self->save_source, on_save_timeout_cb, self, NULL);
  g_source_attach (self->save_source, concord_mock_server_get_context (self->server));
}
