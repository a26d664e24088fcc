/* concord-json-connector-write.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The described connector's writing: a record or a change into the JSON
 * object the app takes, its fields, items and custom fields (with the
 * definitions' ids), wrapped as the description says.
 */

#define G_LOG_DOMAIN "concord-json-connector"

#include "config.h"

#include <string.h>

#include "concord-json-connector-private.h"

/* ------------------------------------------------------------------------- */
/* Writing records                                                           */
/* ------------------------------------------------------------------------- */

/* A node of a new empty array (json_node_init_array() takes a reference). */
static JsonNode *
empty_array_node (void)
{
  g_autoptr(JsonArray) array = json_array_new ();

  return json_node_init_array (json_node_alloc (), array);
}

static gboolean
clears (const char * const *clear,
        const char         *key)
{
  return clear != NULL && g_strv_contains (clear, key);
}

static JsonNode *
value_node (const ConcordValue *value,
            ConcordFieldType    type,
            gboolean            has_format,
            ConcordDescTime     format)
{
  switch (value->type)
    {
    case CONCORD_FIELD_TYPE_NUMBER:
      if (value->v.number == (double) (gint64) value->v.number &&
          value->v.number > -1e15 && value->v.number < 1e15)
        return json_node_init_int (json_node_alloc (), (gint64) value->v.number);
      return json_node_init_double (json_node_alloc (), value->v.number);
    case CONCORD_FIELD_TYPE_BOOLEAN:
      return json_node_init_boolean (json_node_alloc (), value->v.boolean);
    case CONCORD_FIELD_TYPE_DATETIME:
      if (has_format && format != CONCORD_DESC_TIME_ISO8601)
        return json_node_init_int (json_node_alloc (),
                                   format == CONCORD_DESC_TIME_UNIX_MS ? value->v.datetime * 1000
                                                                       : value->v.datetime);
      {
        g_autofree char *text = concord_desc_format_time (value->v.datetime,
                                                          CONCORD_DESC_TIME_ISO8601);

        return json_node_init_string (json_node_alloc (), text);
      }
    case CONCORD_FIELD_TYPE_STRING_SET:
      {
        g_autoptr(JsonArray) array = json_array_new ();

        for (guint i = 0; value->v.set[i] != NULL; i++)
          json_array_add_string_element (array, value->v.set[i]);
        return json_node_init_array (json_node_alloc (), array);
      }
    default:
      break;
    }

  if (type == CONCORD_FIELD_TYPE_DATE && has_format)
    {
      gint64 when = concord_rest_parse_datetime (value->v.text);

      if (when != -1)
        {
          if (format == CONCORD_DESC_TIME_ISO8601)
            {
              g_autofree char *text = concord_desc_format_time (when, format);

              return json_node_init_string (json_node_alloc (), text);
            }
          return json_node_init_int (json_node_alloc (), format == CONCORD_DESC_TIME_UNIX_MS
                                                         ? when * 1000 : when);
        }
    }
  return json_node_init_string (json_node_alloc (), value->v.text);
}

/* An email or phone array: the set when @values has it, else the single
 * value alone; the single value first and primary. */
static JsonNode *
items_node (const ConcordDescField *field,
            const ConcordRecord    *values)
{
  const ConcordDescItems *items = field->items;
  const char *single = concord_record_get_text (values, field->key);
  const ConcordValue *set = _concord_json_connector_set_key_of (field->key) != NULL
                            ? concord_record_get (values, _concord_json_connector_set_key_of (field->key)) : NULL;
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);

  if (set != NULL && set->type == CONCORD_FIELD_TYPE_STRING_SET)
    {
      /* The single value first: the primary. */
      for (guint pass = 0; pass < 2; pass++)
        for (guint i = 0; set->v.set[i] != NULL; i++)
          {
            g_autofree char *label = NULL;
            g_autofree char *value = NULL;
            gboolean is_single;

            if (!concord_labelled_parse (set->v.set[i], &label, &value))
              continue;
            is_single = single != NULL && g_strcmp0 (value, single) == 0;
            if ((pass == 0) != is_single)
              continue;
            g_ptr_array_add (pairs, g_steal_pointer (&label));
            g_ptr_array_add (pairs, g_steal_pointer (&value));
          }
    }
  for (guint i = 1; single != NULL && i < pairs->len; i += 2)
    if (g_str_equal (g_ptr_array_index (pairs, i), single))
      single = NULL;
  if (single != NULL)
    {
      g_ptr_array_insert (pairs, 0, g_strdup (single));
      g_ptr_array_insert (pairs, 0, NULL);
    }

  for (guint i = 0; i + 1 < pairs->len; i += 2)
    {
      const char *label = g_ptr_array_index (pairs, i);
      const char *value = g_ptr_array_index (pairs, i + 1);
      g_autoptr(JsonObject) item = json_object_new ();
      const char *app_label = NULL;

      if (items->value == NULL)
        {
          json_array_add_string_element (array, value);
          continue;
        }
      concord_desc_path_set (items->value, item, json_node_init_string (json_node_alloc (), value));
      if (items->label != NULL)
        {
          if (label != NULL)
            app_label = g_hash_table_lookup (items->labels_back, label);
          if (app_label == NULL && label != NULL && !g_str_equal (label, CONCORD_LABEL_OTHER))
            app_label = label;
          if (app_label == NULL)
            app_label = items->default_label != NULL ? items->default_label
                                                     : label != NULL ? label : CONCORD_LABEL_OTHER;
          concord_desc_path_set (items->label, item,
                                 json_node_init_string (json_node_alloc (), app_label));
        }
      if (items->primary != NULL)
        concord_desc_path_set (items->primary, item,
                               json_node_init_boolean (json_node_alloc (), i == 0));
      json_array_add_object_element (array, g_steal_pointer (&item));
    }
  return json_node_init_array (json_node_alloc (), array);
}

gboolean
_concord_json_connector_field_in_change (const ConcordDescField *field,
                                         const ConcordRecord    *set,
                                         const char * const     *clear)
{
  const char *set_key = field->items != NULL ? _concord_json_connector_set_key_of (field->key) : NULL;

  return (set != NULL && concord_record_get (set, field->key) != NULL) ||
         (set != NULL && set_key != NULL && concord_record_get (set, set_key) != NULL) ||
         clears (clear, field->key) || (set_key != NULL && clears (clear, set_key));
}

/* Writes one field of @values (or its clearing) into @object. */
static void
write_field (JsonObject             *object,
             const ConcordDescField *field,
             const ConcordRecord    *values)
{
  const ConcordValue *value;

  if (field->read_only)
    return;
  if (field->items != NULL)
    {
      if (_concord_json_connector_set_key_of (field->key) != NULL)
        {
          concord_desc_path_set (field->path, object, items_node (field, values));
          return;
        }
      value = concord_record_get (values, field->key);
      if (value != NULL && value->type == CONCORD_FIELD_TYPE_STRING_SET)
        {
          g_autoptr(JsonArray) array = json_array_new ();

          for (guint i = 0; value->v.set[i] != NULL; i++)
            {
              if (field->items->value != NULL)
                {
                  g_autoptr(JsonObject) item = json_object_new ();

                  concord_desc_path_set (field->items->value, item,
                                         json_node_init_string (json_node_alloc (),
                                                                value->v.set[i]));
                  json_array_add_object_element (array, g_steal_pointer (&item));
                }
              else
                json_array_add_string_element (array, value->v.set[i]);
            }
          concord_desc_path_set (field->path, object,
                                 json_node_init_array (json_node_alloc (), array));
        }
      else
        concord_desc_path_set (field->path, object,
                               empty_array_node ());
      return;
    }

  value = concord_record_get (values, field->key);
  if (value == NULL)
    {
      concord_desc_path_set (field->path, object,
                             field->type == CONCORD_FIELD_TYPE_STRING_SET
                             ? empty_array_node ()
                             : json_node_init_null (json_node_alloc ()));
      return;
    }
  concord_desc_path_set (field->path, object, value_node (value, field->type, field->has_format,
                                                          field->format));
}

static JsonNode *
custom_value_node (ConcordJsonConnector *self,
                   ConcordJsonCustomDef *def,
                   const ConcordValue   *value)
{
  const ConcordJsonHook *date_hook = _concord_json_connector_hook (self, "copper_custom_dates");

  if (value == NULL)
    return json_node_init_null (json_node_alloc ());

  /* Options as the app wrote their values (ids may be numbers). */
  if (def->nodes != NULL && def->type == CONCORD_FIELD_TYPE_ENUM &&
      CONCORD_FIELD_TYPE_IS_TEXT (value->type))
    {
      guint index;

      if (g_ptr_array_find_with_equal_func (def->values, value->v.text, g_str_equal, &index))
        return json_node_copy (g_ptr_array_index (def->nodes, index));
    }
  if (def->nodes != NULL && value->type == CONCORD_FIELD_TYPE_STRING_SET)
    {
      g_autoptr(JsonArray) array = json_array_new ();

      for (guint i = 0; value->v.set[i] != NULL; i++)
        {
          guint index;

          if (g_ptr_array_find_with_equal_func (def->values, value->v.set[i], g_str_equal,
                                                &index))
            json_array_add_element (array, json_node_copy (g_ptr_array_index (def->nodes, index)));
          else
            json_array_add_string_element (array, value->v.set[i]);
        }
      return json_node_init_array (json_node_alloc (), array);
    }
  if (date_hook != NULL && date_hook->write_custom != NULL && CONCORD_FIELD_TYPE_IS_TEXT (value->type))
    {
      g_autofree char *converted = date_hook->write_custom (def->type, value->v.text);

      if (converted != NULL)
        return json_node_init_string (json_node_alloc (), converted);
    }
  return value_node (value, def->type, FALSE, CONCORD_DESC_TIME_ISO8601);
}

/* The custom fields of a change (or a record: @clear NULL) into @object. */
static void
write_customs (ConcordJsonConnector         *self,
               const char                   *contact_type,
               const ConcordDescContactType *type,
               JsonObject                   *object,
               const ConcordRecord          *set,
               const char * const           *clear)
{
  ConcordJsonCustomSet *customs = g_hash_table_lookup (self->customs, contact_type);
  g_autoptr(JsonArray) items = json_array_new ();
  g_autoptr(JsonObject) members = json_object_new ();
  g_autoptr(JsonNode) object_node = json_node_init_object (json_node_alloc (), object);
  guint n_set = set != NULL ? concord_record_get_n_fields (set) : 0;
  guint n_clear = clear != NULL ? g_strv_length ((char **) clear) : 0;
  gboolean any = FALSE;
  JsonNode *present;

  if (type->custom == NULL || customs == NULL)
    return;

  /* A full update's body is the record as read: its other values stay,
   * and the changed ones replace theirs. */
  present = concord_desc_path_get (type->custom->values, object_node);
  if (present != NULL && type->custom->values_object && JSON_NODE_HOLDS_OBJECT (present))
    {
      g_autoptr(GList) names = json_object_get_members (json_node_get_object (present));

      for (GList *l = names; l != NULL; l = l->next)
        json_object_set_member (members, l->data,
                                json_node_copy (json_object_get_member (json_node_get_object (present),
                                                                        l->data)));
    }
  else if (present != NULL && !type->custom->values_object && JSON_NODE_HOLDS_ARRAY (present))
    {
      JsonArray *array = json_node_get_array (present);

      for (guint i = 0; i < json_array_get_length (array); i++)
        json_array_add_element (items, json_node_copy (json_array_get_element (array, i)));
    }

  for (guint f = 0; f < n_set + n_clear; f++)
    {
      const char *key = f >= n_set ? clear[f - n_set] : NULL;
      const ConcordValue *value = f < n_set ? concord_record_get_field_at (set, f, &key) : NULL;
      ConcordJsonCustomDef *def = key != NULL ? g_hash_table_lookup (customs->by_key, key) : NULL;
      JsonNode *node;

      if (def == NULL || def->read_only)
        continue;
      node = custom_value_node (self, def, value);
      any = TRUE;
      if (type->custom->values_object)
        json_object_set_member (members, def->id, node);
      else
        {
          g_autoptr(JsonObject) item = json_object_new ();

          /* The value this one replaces, in a record as read. */
          for (guint i = json_array_get_length (items); i > 0; i--)
            {
              g_autofree char *id = concord_desc_path_get_text (type->custom->value_id,
                                                                json_array_get_element (items,
                                                                                        i - 1),
                                                                1024, NULL);

              if (g_strcmp0 (id, def->id) == 0)
                json_array_remove_element (items, i - 1);
            }
          concord_desc_path_set (type->custom->value_id, item, json_node_copy (def->id_node));
          concord_desc_path_set (type->custom->value_value, item, node);
          json_array_add_object_element (items, g_steal_pointer (&item));
        }
    }

  if (!any)
    return;
  if (type->custom->values_object)
    concord_desc_path_set (type->custom->values, object,
                           json_node_init_object (json_node_alloc (), members));
  else
    concord_desc_path_set (type->custom->values, object,
                           json_node_init_array (json_node_alloc (), items));
}

static void
write_where (const ConcordDescContactType *type,
             JsonObject                   *object)
{
  g_autoptr(GList) members = type->where != NULL ? json_object_get_members (type->where) : NULL;

  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (object, l->data,
                            json_node_copy (json_object_get_member (type->where, l->data)));
}

/* The record object for a create, or for an update of @change_set and
 * @clear (only those fields, from @values). */
JsonObject *
_concord_json_connector_record_object (ConcordJsonConnector         *self,
                                       const char                   *contact_type,
                                       const ConcordDescContactType *type,
                                       const ConcordDescRequest     *request,
                                       JsonObject                   *base,
                                       const ConcordRecord          *values,
                                       const ConcordRecord          *change_set,
                                       const char * const           *clear,
                                       GError                      **error)
{
  g_autoptr(JsonObject) object = NULL;
  gboolean create = change_set == NULL && clear == NULL;

  if (base != NULL)
    {
      g_autoptr(JsonNode) base_node = json_node_init_object (json_node_alloc (), base);
      g_autoptr(JsonNode) copy = json_node_copy (base_node);

      object = json_object_ref (json_node_get_object (copy));
    }
  else
    object = json_object_new ();

  if (request->body != NULL)
    {
      g_autoptr(JsonNode) template_node = json_node_init_object (json_node_alloc (), request->body);
      g_autoptr(JsonNode) filled = _concord_json_connector_fill_node (self, template_node, contact_type, error);
      g_autoptr(GList) members = NULL;

      if (filled == NULL)
        return NULL;
      members = json_object_get_members (json_node_get_object (filled));
      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (object, l->data,
                                json_node_copy (json_object_get_member (json_node_get_object (filled),
                                                                        l->data)));
    }

  if (create || _concord_json_connector_field_in_change (type->email, change_set, clear))
    {
      if (create && concord_record_get (values, CONCORD_FIELD_EMAIL) == NULL &&
          concord_record_get (values, CONCORD_FIELD_EMAILS) == NULL)
        ;
      else
        write_field (object, type->email, values);
    }
  for (guint i = 0; i < type->fields->len; i++)
    {
      const ConcordDescField *field = g_ptr_array_index (type->fields, i);

      if (create ? (concord_record_get (values, field->key) != NULL ||
                    (field->items != NULL && _concord_json_connector_set_key_of (field->key) != NULL &&
                     concord_record_get (values, _concord_json_connector_set_key_of (field->key)) != NULL))
                 : _concord_json_connector_field_in_change (field, change_set, clear))
        write_field (object, field, values);
    }
  write_customs (self, contact_type, type, object, create ? values : change_set, clear);
  write_where (type, object);
  if (create)
    for (guint i = 0; self->description->hooks[i] != NULL; i++)
      {
        const ConcordJsonHook *listed = _concord_json_connector_hook (self, self->description->hooks[i]);

        if (listed != NULL && listed->write_created != NULL)
          listed->write_created (object, values);
      }
  return g_steal_pointer (&object);
}

JsonNode *
_concord_json_connector_wrap (const char *member,
                              JsonObject *object)
{
  g_autoptr(JsonObject) outer = NULL;

  if (member == NULL)
    return json_node_init_object (json_node_alloc (), object);
  outer = json_object_new ();
  json_object_set_object_member (outer, member, json_object_ref (object));
  return json_node_init_object (json_node_alloc (), outer);
}
