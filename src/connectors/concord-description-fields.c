/* concord-description-fields.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The description loader's fields of a contact type: a field (its path,
 * type, time format, choices and items) and the custom field definitions.
 */

#define G_LOG_DOMAIN "concord-description"

#include "config.h"

#include <string.h>

#include "concord-fields.h"

#include "concord-description-private.h"

static gboolean
read_items (JsonObject        *object,
            const char        *place,
            ConcordDescField  *field,
            GError           **error)
{
  static const char * const keys[] = { "value", "label", "primary", "labels", "default_label",
                                       "id", "delete", NULL };
  static const char * const concord_labels[] = { CONCORD_LABEL_WORK, CONCORD_LABEL_HOME,
                                                 CONCORD_LABEL_MOBILE, CONCORD_LABEL_OTHER,
                                                 NULL };
  JsonObject *items = _concord_description_get_object (object, "items", place, FALSE, error);
  g_autofree char *where = _concord_description_place_of (place, "items");
  ConcordDescItems *compiled;
  JsonObject *labels;
  GError *local_error = NULL;

  if (items == NULL)
    return error == NULL || *error == NULL;
  if (!_concord_description_check_keys (items, where, keys, error))
    return FALSE;

  compiled = g_new0 (ConcordDescItems, 1);
  field->items = compiled;
  compiled->labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  compiled->labels_back = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  compiled->value = _concord_description_get_path (items, "value", where, FALSE, &local_error);
  if (local_error == NULL)
    compiled->label = _concord_description_get_path (items, "label", where, FALSE, &local_error);
  if (local_error == NULL)
    compiled->primary = _concord_description_get_path (items, "primary", where, FALSE, &local_error);
  if (local_error == NULL)
    compiled->default_label = g_strdup (_concord_description_get_string (items, "default_label", where, FALSE,
                                                                         &local_error));
  if (local_error == NULL)
    compiled->id = _concord_description_get_path (items, "id", where, FALSE, &local_error);
  if (local_error == NULL)
    compiled->delete_flag = _concord_description_get_path (items, "delete", where, FALSE, &local_error);
  if (local_error == NULL &&
      (labels = _concord_description_get_object (items, "labels", where, FALSE, &local_error)) != NULL)
    {
      g_autoptr(GList) names = json_object_get_members (labels);

      for (GList *l = names; l != NULL && local_error == NULL; l = l->next)
        {
          g_autofree char *at = g_strdup_printf ("%s.labels.%s", where, (const char *) l->data);
          JsonNode *node = json_object_get_member (labels, l->data);
          const char *label = JSON_NODE_HOLDS_VALUE (node) &&
                              json_node_get_value_type (node) == G_TYPE_STRING
                              ? json_node_get_string (node) : NULL;

          if (label == NULL || !g_strv_contains (concord_labels, label))
            _concord_description_refuse (&local_error, at, "must be \"work\", \"home\", \"mobile\" or \"other\"");
          else
            {
              g_hash_table_insert (compiled->labels, g_strdup (l->data), g_strdup (label));
              if (!g_hash_table_contains (compiled->labels_back, label))
                g_hash_table_insert (compiled->labels_back, g_strdup (label),
                                     g_strdup (l->data));
            }
        }
    }
  if (local_error == NULL && compiled->label == NULL &&
      (g_hash_table_size (compiled->labels) > 0 || compiled->default_label != NULL))
    _concord_description_refuse (&local_error, where, "\"labels\" and \"default_label\" need \"label\"");
  if (local_error == NULL && compiled->value == NULL &&
      (compiled->label != NULL || compiled->primary != NULL))
    _concord_description_refuse (&local_error, where, "items with a \"label\" or \"primary\" need \"value\"");
  if (local_error == NULL && (compiled->id == NULL) != (compiled->delete_flag == NULL))
    _concord_description_refuse (&local_error, where, "\"id\" and \"delete\" go together");
  if (local_error == NULL && compiled->id != NULL && compiled->value == NULL)
    _concord_description_refuse (&local_error, where, "items with an \"id\" need \"value\"");
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_choices (JsonObject        *object,
              const char        *place,
              ConcordDescField  *field,
              GError           **error)
{
  JsonArray *choices = _concord_description_get_array (object, "choices", place, FALSE, error);
  g_autoptr(GPtrArray) values = NULL;
  g_autoptr(GPtrArray) labels = NULL;
  gboolean any_label = FALSE;

  if (choices == NULL)
    return error == NULL || *error == NULL;
  if (json_array_get_length (choices) == 0)
    {
      g_autofree char *where = _concord_description_place_of (place, "choices");

      return _concord_description_refuse (error, where, "must hold at least one choice");
    }

  values = g_ptr_array_new_with_free_func (g_free);
  labels = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (choices); i++)
    {
      g_autofree char *where = g_strdup_printf ("%s.choices[%u]", place, i);
      static const char * const keys[] = { "value", "label", NULL };
      JsonNode *node = json_array_get_element (choices, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          g_ptr_array_add (values, g_strdup (json_node_get_string (node)));
          g_ptr_array_add (labels, g_strdup (json_node_get_string (node)));
        }
      else if (JSON_NODE_HOLDS_OBJECT (node))
        {
          JsonObject *choice = json_node_get_object (node);
          const char *value, *label;

          if (!_concord_description_check_keys (choice, where, keys, error) ||
              (value = _concord_description_get_string (choice, "value", where, TRUE, error)) == NULL ||
              (label = _concord_description_get_string (choice, "label", where, TRUE, error)) == NULL)
            return FALSE;
          g_ptr_array_add (values, g_strdup (value));
          g_ptr_array_add (labels, g_strdup (label));
          any_label = TRUE;
        }
      else
        return _concord_description_refuse (error, where, "must be a string or an object {value, label}");
    }
  g_ptr_array_add (values, NULL);
  g_ptr_array_add (labels, NULL);
  field->choices = (char **) g_ptr_array_free (g_steal_pointer (&values), FALSE);
  if (any_label)
    field->choice_labels = (char **) g_ptr_array_free (g_steal_pointer (&labels), FALSE);
  return TRUE;
}

/* A date or datetime field's time format. */
static void
read_field_format (JsonObject        *object,
                   const char        *place,
                   ConcordDescField  *field,
                   GError           **error)
{
  gint format = 0;

  field->has_format = TRUE;
  if (_concord_description_get_enum (object, "format", place, "time format",
                                     _concord_description_time_formats, TRUE, &format, error))
    field->format = (ConcordDescTime) format;
  if (*error == NULL && field->type != CONCORD_FIELD_TYPE_DATE &&
      field->type != CONCORD_FIELD_TYPE_DATETIME)
    {
      g_autofree char *where = _concord_description_place_of (place, "format");

      _concord_description_refuse (error, where, "only a date or datetime field has a time format");
    }
}

/* A field object: static (with "key") or the record's email (@key given). */
ConcordDescField *
_concord_description_read_field (JsonObject *object,
                                 const char *place,
                                 const char *key,
                                 GError    **error)
{
  static const char * const field_keys[] = { "key", "path", "type", "format", "read_only",
                                             "choices", "items", NULL };
  static const char * const email_keys[] = { "path", "items", NULL };
  g_autoptr(GError) local_error = NULL;
  ConcordDescField *field;
  const ConcordFieldSpec *canonical;
  const char *type_name;

  if (!_concord_description_check_keys (object, place, key != NULL ? email_keys : field_keys, error))
    return NULL;
  if (key == NULL && (key = _concord_description_get_string (object, "key", place, TRUE, error)) == NULL)
    return NULL;

  canonical = concord_fields_lookup (key);
  if (canonical == NULL && !concord_field_is_custom (key))
    {
      g_autofree char *where = _concord_description_place_of (place, "key");

      _concord_description_refuse (error, where, "\"%s\" is not a Concord field nor \"custom:<name>\"", key);
      return NULL;
    }
  if (g_str_equal (key, CONCORD_FIELD_EMAILS) || g_str_equal (key, CONCORD_FIELD_PHONES))
    {
      g_autofree char *where = _concord_description_place_of (place, "key");

      _concord_description_refuse (error, where, "\"%s\" comes with \"%s\" and its \"items\"", key,
                                   g_str_equal (key, CONCORD_FIELD_EMAILS) ? "email" : "phone");
      return NULL;
    }

  field = g_new0 (ConcordDescField, 1);
  field->key = g_strdup (key);
  field->type = canonical != NULL ? canonical->type : CONCORD_FIELD_TYPE_STRING;
  field->path = _concord_description_get_path (object, "path", place, TRUE, &local_error);
  if (local_error == NULL && field->path->n_steps == 0)
    {
      g_autofree char *where = _concord_description_place_of (place, "path");

      _concord_description_refuse (&local_error, where, "a field's path cannot be empty");
    }
  if (local_error == NULL &&
      (type_name = _concord_description_get_string (object, "type", place, FALSE, &local_error)) != NULL &&
      !concord_field_type_from_string (type_name, &field->type))
    {
      g_autofree char *where = _concord_description_place_of (place, "type");

      _concord_description_refuse (&local_error, where, "unknown type \"%s\"", type_name);
    }
  if (local_error == NULL && json_object_has_member (object, "format"))
    read_field_format (object, place, field, &local_error);
  if (local_error == NULL)
    _concord_description_get_boolean (object, "read_only", place, &field->read_only, &local_error);
  if (local_error == NULL)
    read_choices (object, place, field, &local_error);
  if (local_error == NULL && field->choices != NULL && field->type != CONCORD_FIELD_TYPE_ENUM &&
      field->type != CONCORD_FIELD_TYPE_STRING_SET)
    {
      g_autofree char *where = _concord_description_place_of (place, "choices");

      _concord_description_refuse (&local_error, where, "only an enum or string-set field has choices");
    }
  if (local_error == NULL)
    read_items (object, place, field, &local_error);
  if (local_error == NULL && field->items != NULL &&
      field->type != CONCORD_FIELD_TYPE_EMAIL && field->type != CONCORD_FIELD_TYPE_PHONE &&
      !g_str_equal (key, CONCORD_FIELD_EMAIL) && !g_str_equal (key, CONCORD_FIELD_PHONE))
    field->type = CONCORD_FIELD_TYPE_STRING_SET;
  if (local_error == NULL && field->items != NULL && field->items->label != NULL &&
      !g_str_equal (key, CONCORD_FIELD_EMAIL) && !g_str_equal (key, CONCORD_FIELD_PHONE))
    {
      g_autofree char *where = g_strdup_printf ("%s.items.label", place);

      _concord_description_refuse (&local_error, where, "only email and phone items have labels");
    }

  if (local_error != NULL)
    {
      _concord_description_field_free (field);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return field;
}

gboolean
_concord_description_read_custom (ConcordDescription     *description,
                                  ConcordDescContactType *type,
                                  JsonObject             *object,
                                  const char             *place,
                                  GError                **error)
{
  static const char * const keys[] = { "definitions", "types", "values", NULL };
  static const char * const definition_keys[] = { "records", "where", "id", "name", "type",
                                                  "read_only", "options", NULL };
  static const char * const option_keys[] = { "path", "value", "label", NULL };
  static const char * const values_keys[] = { "path", "id", "value", "object", NULL };
  g_autofree char *defs_place = _concord_description_place_of (place, "definitions");
  g_autofree char *types_place = _concord_description_place_of (place, "types");
  g_autofree char *values_place = _concord_description_place_of (place, "values");
  ConcordDescCustom *custom;
  JsonObject *definitions, *types, *values, *options;
  g_autoptr(GList) type_names = NULL;
  GError *local_error = NULL;

  if (!_concord_description_check_keys (object, place, keys, error) ||
      (definitions = _concord_description_get_object (object, "definitions", place, TRUE, error)) == NULL ||
      (types = _concord_description_get_object (object, "types", place, TRUE, error)) == NULL ||
      (values = _concord_description_get_object (object, "values", place, TRUE, error)) == NULL)
    return FALSE;

  custom = g_new0 (ConcordDescCustom, 1);
  type->custom = custom;
  custom->request = _concord_description_read_request (description, definitions, defs_place, definition_keys,
                                                       CONCORD_DESC_FILL_CONTACT_TYPE, error);
  if (custom->request == NULL)
    return FALSE;
  if ((custom->records = _concord_description_get_path (definitions, "records", defs_place, TRUE, error)) == NULL ||
      (custom->id = _concord_description_get_path (definitions, "id", defs_place, TRUE, error)) == NULL ||
      (custom->name = _concord_description_get_path (definitions, "name", defs_place, TRUE, error)) == NULL ||
      (custom->type = _concord_description_get_path (definitions, "type", defs_place, TRUE, error)) == NULL)
    return FALSE;
  custom->read_only = _concord_description_get_path (definitions, "read_only", defs_place, FALSE, &local_error);
  if (local_error == NULL)
    custom->where = _concord_description_read_where (definitions, defs_place, &local_error);
  if (local_error == NULL &&
      (options = _concord_description_get_object (definitions, "options", defs_place, FALSE, &local_error)) != NULL)
    {
      g_autofree char *where = _concord_description_place_of (defs_place, "options");

      if (_concord_description_check_keys (options, where, option_keys, &local_error) &&
          (custom->options = _concord_description_get_path (options, "path", where, TRUE, &local_error)) != NULL)
        custom->option_value = _concord_description_get_path (options, "value", where, FALSE, &local_error);
      if (local_error == NULL && custom->options != NULL)
        custom->option_label = _concord_description_get_path (options, "label", where, FALSE, &local_error);
      if (local_error == NULL && (custom->option_value == NULL) != (custom->option_label == NULL))
        _concord_description_refuse (&local_error, where, "\"value\" and \"label\" go together");
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  type_names = json_object_get_members (types);
  if (type_names == NULL)
    return _concord_description_refuse (error, types_place, "must map at least one type");
  custom->types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (GList *l = type_names; l != NULL; l = l->next)
    {
      g_autofree char *where = _concord_description_place_of (types_place, l->data);
      JsonNode *node = json_object_get_member (types, l->data);
      ConcordFieldType field_type;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
          !concord_field_type_from_string (json_node_get_string (node), &field_type))
        return _concord_description_refuse (error, where, "unknown type \"%s\"",
                                            JSON_NODE_HOLDS_VALUE (node) &&
                                            json_node_get_value_type (node) == G_TYPE_STRING
                                            ? json_node_get_string (node) : "?");
      g_hash_table_insert (custom->types, g_strdup (l->data),
                           GINT_TO_POINTER ((gint) field_type + 1));
    }

  if (!_concord_description_check_keys (values, values_place, values_keys, error))
    return FALSE;
  if (json_object_has_member (values, "object"))
    {
      if (json_object_has_member (values, "path") || json_object_has_member (values, "id") ||
          json_object_has_member (values, "value"))
        return _concord_description_refuse (error, values_place, "\"object\" or \"path\", \"id\" and \"value\", "
                                            "not both");
      custom->values_object = TRUE;
      custom->values = _concord_description_get_path (values, "object", values_place, TRUE, error);
      return custom->values != NULL;
    }
  if ((custom->values = _concord_description_get_path (values, "path", values_place, TRUE, error)) == NULL ||
      (custom->value_id = _concord_description_get_path (values, "id", values_place, TRUE, error)) == NULL ||
      (custom->value_value = _concord_description_get_path (values, "value", values_place, TRUE, error)) == NULL)
    return FALSE;
  if (custom->values->n_steps == 0 || custom->value_id->n_steps == 0)
    return _concord_description_refuse (error, values_place, "\"path\" and \"id\" cannot be empty");
  return TRUE;
}
