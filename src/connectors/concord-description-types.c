/* concord-description-types.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The description loader's contact types: their fields (with items and
 * choices), custom field definitions, paging, incremental listing and the
 * record's id, modification time and where filter.
 */

#define G_LOG_DOMAIN "concord-description"

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-fields.h"
#include "concord-http-client.h"
#include "concord-json-hooks.h"
#include "concord-json-private.h"

#include "concord-description-private.h"

#define MAX_PAGE_SIZE         1000
#define MAX_BATCH             1000

static const char * const time_formats[] = { "unix", "unix_ms", "iso8601", NULL };

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

/* A field object: static (with "key") or the record's email (@key given). */
static ConcordDescField *
read_field (JsonObject  *object,
            const char  *place,
            const char  *key,
            GError     **error)
{
  static const char * const field_keys[] = { "key", "path", "type", "format", "read_only",
                                             "choices", "items", NULL };
  static const char * const email_keys[] = { "path", "items", NULL };
  g_autoptr(GError) local_error = NULL;
  ConcordDescField *field;
  const ConcordFieldSpec *canonical;
  const char *type_name;
  gint format = 0;

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
    {
      field->has_format = TRUE;
      if (_concord_description_get_enum (object, "format", place, "time format", time_formats, TRUE, &format,
                                         &local_error))
        field->format = (ConcordDescTime) format;
      if (local_error == NULL && field->type != CONCORD_FIELD_TYPE_DATE &&
          field->type != CONCORD_FIELD_TYPE_DATETIME)
        {
          g_autofree char *where = _concord_description_place_of (place, "format");

          _concord_description_refuse (&local_error, where, "only a date or datetime field has a time format");
        }
    }
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

static gboolean
read_custom (ConcordDescription      *description,
             ConcordDescContactType  *type,
             JsonObject              *object,
             const char              *place,
             GError                 **error)
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

static gboolean
read_paging (ConcordDescContactType  *type,
             JsonObject              *object,
             const char              *place,
             GError                 **error)
{
  static const char * const styles[] = { "offset", "page_number", "cursor", "link", NULL };
  static const char * const offset_keys[] = { "style", "offset", "size", "page_size", "ends",
                                              NULL };
  static const char * const number_keys[] = { "style", "page", "size", "page_size", "first",
                                              "ends", NULL };
  static const char * const cursor_keys[] = { "style", "cursor", "next", "size", "page_size",
                                              NULL };
  static const char * const link_keys[] = { "style", "size", "page_size", NULL };
  static const char * const * const keys[] = { offset_keys, number_keys, cursor_keys,
                                               link_keys };
  static const char * const param_names[] = { "offset", "page", "cursor", NULL };
  static const char * const ends[] = { "short_page", "empty_page", NULL };
  gint style = 0;
  gint end = 0;
  const char *text;
  GError *local_error = NULL;

  if (!_concord_description_get_enum (object, "style", place, "style", styles, TRUE, &style, error) ||
      !_concord_description_check_keys (object, place, keys[style], error))
    return FALSE;
  type->paging = (ConcordDescPaging) style;

  if (type->paging != CONCORD_DESC_PAGING_LINK)
    {
      text = _concord_description_get_string (object, param_names[style], place, TRUE, error);
      if (text == NULL)
        return FALSE;
      type->page_param = g_strdup (text);
    }
  text = _concord_description_get_string (object, "size", place, FALSE, &local_error);
  type->size_param = g_strdup (text);
  if (local_error == NULL && !json_object_has_member (object, "page_size"))
    _concord_description_refuse (&local_error, place, "\"page_size\" is missing");
  if (local_error == NULL)
    _concord_description_get_uint (object, "page_size", place, 1, MAX_PAGE_SIZE, &type->page_size, &local_error);
  type->first_page = 1;
  if (local_error == NULL)
    _concord_description_get_uint (object, "first", place, 0, 1, &type->first_page, &local_error);
  if (local_error == NULL)
    _concord_description_get_enum (object, "ends", place, "end", ends, FALSE, &end, &local_error);
  type->short_page_ends = end == 0;
  if (local_error == NULL && type->paging == CONCORD_DESC_PAGING_CURSOR)
    type->next = _concord_description_get_path (object, "next", place, TRUE, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_incremental (ConcordDescContactType  *type,
                  JsonObject              *object,
                  const char              *place,
                  GError                 **error)
{
  static const char * const styles[] = { "modified_since", "sync_token", NULL };
  static const char * const since_keys[] = { "style", "parameter", "format", "overlap", NULL };
  static const char * const token_keys[] = { "style", "parameter", "token", NULL };
  gint style = 0;
  gint format = 0;
  const char *parameter;

  if (!_concord_description_get_enum (object, "style", place, "style", styles, TRUE, &style, error) ||
      !_concord_description_check_keys (object, place, style == 0 ? since_keys : token_keys, error) ||
      (parameter = _concord_description_get_string (object, "parameter", place, TRUE, error)) == NULL)
    return FALSE;
  type->since_param = g_strdup (parameter);
  if (style == 0)
    {
      type->incremental = CONCORD_DESC_INCREMENTAL_MODIFIED_SINCE;
      type->overlap = 1;
      if (!_concord_description_get_enum (object, "format", place, "time format", time_formats, TRUE, &format, error) ||
          !_concord_description_get_uint (object, "overlap", place, 0, 86400, &type->overlap, error))
        return FALSE;
      type->since_format = (ConcordDescTime) format;
      return TRUE;
    }

  type->incremental = CONCORD_DESC_INCREMENTAL_SYNC_TOKEN;
  type->sync_token = _concord_description_get_path (object, "token", place, TRUE, error);
  return type->sync_token != NULL;
}

static gboolean
read_record (ConcordDescContactType  *type,
             JsonObject              *object,
             const char              *place,
             GError                 **error)
{
  static const char * const keys[] = { "id", "email", "modified", "where", NULL };
  static const char * const modified_keys[] = { "path", "format", NULL };
  g_autofree char *email_place = _concord_description_place_of (place, "email");
  g_autofree char *modified_place = _concord_description_place_of (place, "modified");
  JsonObject *email, *modified;
  GError *local_error = NULL;
  gint format = 0;

  if (!_concord_description_check_keys (object, place, keys, error) ||
      (type->record_id = _concord_description_get_path (object, "id", place, TRUE, error)) == NULL ||
      (email = _concord_description_get_object (object, "email", place, TRUE, error)) == NULL ||
      (type->email = read_field (email, email_place, CONCORD_FIELD_EMAIL, error)) == NULL)
    return FALSE;
  if (type->record_id->n_steps == 0)
    {
      g_autofree char *where = _concord_description_place_of (place, "id");

      return _concord_description_refuse (error, where, "cannot be empty");
    }

  modified = _concord_description_get_object (object, "modified", place, FALSE, &local_error);
  if (local_error == NULL && modified != NULL)
    {
      if (_concord_description_check_keys (modified, modified_place, modified_keys, &local_error) &&
          (type->modified = _concord_description_get_path (modified, "path", modified_place, TRUE,
                                                           &local_error)) != NULL &&
          _concord_description_get_enum (modified, "format", modified_place, "time format", time_formats, TRUE,
                                         &format, &local_error))
        type->modified_format = (ConcordDescTime) format;
    }
  if (local_error == NULL)
    type->where = _concord_description_read_where (object, place, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

gboolean
_concord_description_read_contact_type (ConcordDescription *description,
                                        JsonObject         *object,
                                        guint               index,
                                        GError            **error)
{
  static const char * const keys[] = { "id", "label", "discover", "list", "record", "fields",
                                       "custom_fields", "fetch", "create", "update", NULL };
  static const char * const discover_keys[] = { "records", "id", "name", NULL };
  static const char * const list_keys[] = { "records", "parameters", "paging", "incremental",
                                            NULL };
  static const char * const create_keys[] = { "batch", "wrap", "records", NULL };
  static const char * const update_keys[] = { "shape", "wrap", "id_member", NULL };
  static const char * const where_params[] = { "query", "body", NULL };
  static const char * const shapes[] = { "partial", "full", NULL };
  g_autofree char *place = g_strdup_printf ("contact_types[%u]", index);
  g_autofree char *list_place = _concord_description_place_of (place, "list");
  g_autofree char *create_place = _concord_description_place_of (place, "create");
  g_autofree char *update_place = _concord_description_place_of (place, "update");
  ConcordDescContactType *type;
  JsonObject *member;
  JsonArray *fields;
  GError *local_error = NULL;
  gint params = 0;
  gint shape = 0;
  const char *text;

  if (!_concord_description_check_keys (object, place, keys, error))
    return FALSE;

  type = g_new0 (ConcordDescContactType, 1);
  g_ptr_array_add (description->contact_types, type);
  type->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_description_field_free);
  type->batch = 1;

  /* Fixed, or discovered. */
  if (json_object_has_member (object, "discover"))
    {
      g_autofree char *where = _concord_description_place_of (place, "discover");

      if (json_object_has_member (object, "id") || json_object_has_member (object, "label"))
        return _concord_description_refuse (error, place, "\"id\" and \"label\", or \"discover\", not both");
      if ((member = _concord_description_get_object (object, "discover", place, TRUE, error)) == NULL ||
          (type->discover = _concord_description_read_request (description, member, where, discover_keys, 0,
                                                               error)) == NULL ||
          (type->discover_records = _concord_description_get_path (member, "records", where, TRUE, error)) == NULL ||
          (type->discover_id = _concord_description_get_path (member, "id", where, TRUE, error)) == NULL ||
          (type->discover_name = _concord_description_get_path (member, "name", where, TRUE, error)) == NULL)
        return FALSE;
    }
  else
    {
      if ((text = _concord_description_get_string (object, "id", place, TRUE, error)) == NULL)
        return FALSE;
      if (*text == '\0' || strpbrk (text, "/{}?#% ") != NULL)
        {
          g_autofree char *where = _concord_description_place_of (place, "id");

          return _concord_description_refuse (error, where, "\"%s\" is not an id", text);
        }
      for (guint i = 0; i + 1 < description->contact_types->len; i++)
        if (g_strcmp0 (((ConcordDescContactType *)
                        g_ptr_array_index (description->contact_types, i))->id, text) == 0)
          {
            g_autofree char *where = _concord_description_place_of (place, "id");

            return _concord_description_refuse (error, where, "\"%s\" is used twice", text);
          }
      type->id = g_strdup (text);
      if ((text = _concord_description_get_string (object, "label", place, TRUE, error)) == NULL)
        return FALSE;
      type->label = g_strdup (text);
    }

  /* The listing. */
  if ((member = _concord_description_get_object (object, "list", place, TRUE, error)) == NULL ||
      (type->list = _concord_description_read_request (description, member, list_place, list_keys,
                                                       CONCORD_DESC_FILL_CONTACT_TYPE, error)) == NULL ||
      (type->list_records = _concord_description_get_path (member, "records", list_place, TRUE, error)) == NULL ||
      !_concord_description_get_enum (member, "parameters", list_place, "place", where_params, FALSE, &params, error))
    return FALSE;
  type->params_in_body = params == 1;
  if (type->params_in_body && g_str_equal (type->list->method, "GET"))
    return _concord_description_refuse (error, list_place, "a GET has no body for \"parameters\": \"body\"");
  {
    g_autofree char *paging_place = _concord_description_place_of (list_place, "paging");
    g_autofree char *incremental_place = _concord_description_place_of (list_place, "incremental");
    JsonObject *paging = _concord_description_get_object (member, "paging", list_place, TRUE, error);
    JsonObject *incremental;

    if (paging == NULL || !read_paging (type, paging, paging_place, error))
      return FALSE;
    incremental = _concord_description_get_object (member, "incremental", list_place, FALSE, &local_error);
    if (local_error != NULL)
      {
        g_propagate_error (error, local_error);
        return FALSE;
      }
    if (incremental != NULL && !read_incremental (type, incremental, incremental_place, error))
      return FALSE;
  }

  /* Records. */
  {
    g_autofree char *where = _concord_description_place_of (place, "record");

    if ((member = _concord_description_get_object (object, "record", place, TRUE, error)) == NULL ||
        !read_record (type, member, where, error))
      return FALSE;
  }
  if (type->incremental == CONCORD_DESC_INCREMENTAL_MODIFIED_SINCE && type->modified == NULL)
    {
      g_autofree char *where = g_strdup_printf ("%s.record.modified", place);

      return _concord_description_refuse (error, where, "missing, and the listing is incremental by modification "
                                          "time");
    }

  fields = _concord_description_get_array (object, "fields", place, FALSE, &local_error);
  for (guint i = 0; local_error == NULL && fields != NULL && i < json_array_get_length (fields);
       i++)
    {
      g_autofree char *where = g_strdup_printf ("%s.fields[%u]", place, i);
      JsonNode *node = json_array_get_element (fields, i);
      ConcordDescField *field;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return _concord_description_refuse (error, where, "must be an object");
      field = read_field (json_node_get_object (node), where, NULL, error);
      if (field == NULL)
        return FALSE;
      g_ptr_array_add (type->fields, field);
      if (g_str_equal (field->key, CONCORD_FIELD_EMAIL))
        return _concord_description_refuse (error, where, "the email is \"record.email\"");
      for (guint j = 0; j + 1 < type->fields->len; j++)
        if (g_str_equal (((ConcordDescField *) g_ptr_array_index (type->fields, j))->key,
                         field->key))
          return _concord_description_refuse (error, where, "\"%s\" is declared twice", field->key);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (json_object_has_member (object, "custom_fields"))
    {
      g_autofree char *where = _concord_description_place_of (place, "custom_fields");

      if ((member = _concord_description_get_object (object, "custom_fields", place, TRUE, error)) == NULL ||
          !read_custom (description, type, member, where, error))
        return FALSE;
    }

  /* Fetch, create, update. */
  {
    g_autofree char *where = _concord_description_place_of (place, "fetch");

    if ((member = _concord_description_get_object (object, "fetch", place, TRUE, error)) == NULL ||
        (type->fetch = _concord_description_read_request (description, member, where, NULL,
                                                          CONCORD_DESC_FILL_CONTACT_TYPE | CONCORD_DESC_FILL_ID, error)) == NULL)
      return FALSE;
    if (strstr (type->fetch->path, "{id}") == NULL)
      {
        g_autofree char *at = _concord_description_place_of (where, "path");

        return _concord_description_refuse (error, at, "does not name the record ({id})");
      }
  }

  if ((member = _concord_description_get_object (object, "create", place, TRUE, error)) == NULL ||
      (type->create = _concord_description_read_request (description, member, create_place, create_keys,
                                                         CONCORD_DESC_FILL_CONTACT_TYPE, error)) == NULL ||
      !_concord_description_get_uint (member, "batch", create_place, 1, MAX_BATCH, &type->batch, error))
    return FALSE;
  type->create_wrap = g_strdup (_concord_description_get_string (member, "wrap", create_place, FALSE, &local_error));
  if (local_error == NULL)
    type->create_records = g_strdup (_concord_description_get_string (member, "records", create_place, FALSE,
                                                                      &local_error));
  if (local_error == NULL && (type->batch > 1) != (type->create_records != NULL))
    _concord_description_refuse (&local_error, create_place, type->batch > 1
                                 ? "a batch above 1 needs \"records\", the member of the body that holds them"
                                 : "\"records\" is only for a batch above 1");
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if ((member = _concord_description_get_object (object, "update", place, TRUE, error)) == NULL ||
      (type->update = _concord_description_read_request (description, member, update_place, update_keys,
                                                         CONCORD_DESC_FILL_CONTACT_TYPE | CONCORD_DESC_FILL_ID, error)) == NULL ||
      !_concord_description_get_enum (member, "shape", update_place, "shape", shapes, FALSE, &shape, error))
    return FALSE;
  type->update_full = shape == 1;
  type->update_wrap = g_strdup (_concord_description_get_string (member, "wrap", update_place, FALSE, &local_error));
  if (local_error == NULL)
    type->id_member = g_strdup (_concord_description_get_string (member, "id_member", update_place, FALSE,
                                                                 &local_error));
  if (local_error == NULL && type->id_member == NULL &&
      strstr (type->update->path, "{id}") == NULL)
    _concord_description_refuse (&local_error, update_place, "names the record neither in its path ({id}) nor "
                                 "with \"id_member\"");
  if (local_error == NULL && g_str_equal (type->update->method, "GET"))
    _concord_description_refuse (&local_error, update_place, "an update cannot be a GET");
  if (local_error == NULL && g_str_equal (type->create->method, "GET"))
    _concord_description_refuse (&local_error, create_place, "a create cannot be a GET");
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}
