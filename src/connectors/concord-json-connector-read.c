/* concord-json-connector-read.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The described connector's helpers (the description's types and hooks,
 * JSON values read and templates filled, requests made) and its reading: an
 * answer's records, their fields, items and custom fields, into
 * ConcordRecords. See concord-json-connector.c for the rules.
 */

#define G_LOG_DOMAIN "concord-json-connector"

#include "config.h"

#include <string.h>

#include "concord-error.h"

#include "concord-json-connector-private.h"

#define MAX_VALUE_BYTES      (64 * 1024)
#define MAX_EMAIL_BYTES      254

#define MAX_ITEMS            100

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

void
_concord_json_connector_custom_def_free (ConcordJsonCustomDef *def)
{
  g_free (def->id);
  g_clear_pointer (&def->id_node, json_node_unref);
  g_free (def->key);
  g_free (def->name);
  g_clear_pointer (&def->values, g_ptr_array_unref);
  g_clear_pointer (&def->labels, g_ptr_array_unref);
  g_clear_pointer (&def->nodes, g_ptr_array_unref);
  g_free (def);
}

void
_concord_json_connector_custom_set_free (ConcordJsonCustomSet *set)
{
  g_ptr_array_unref (set->defs);
  g_hash_table_unref (set->by_id);
  g_hash_table_unref (set->by_key);
  g_free (set);
}

const ConcordDescContactType *
_concord_json_connector_find_type (ConcordJsonConnector *self,
                                   const char           *contact_type)
{
  return concord_description_find_type (self->description, contact_type);
}

const ConcordJsonHook *
_concord_json_connector_hook (ConcordJsonConnector *self,
                              const char           *name)
{
  return concord_description_uses_hook (self->description, name)
         ? concord_json_hooks_lookup (name) : NULL;
}

guint
_concord_json_connector_page_size_of (ConcordJsonConnector         *self,
                                      const ConcordDescContactType *type)
{
  return self->page_size > 0 ? MIN (self->page_size, type->page_size) : type->page_size;
}

/* The text of a JSON value (strings repaired and cut). */
char *
_concord_json_connector_node_text (JsonNode *node,
                                   gsize     max_bytes,
                                   gboolean *repaired)
{
  static const ConcordDescPath whole = { (char *) "", 0, NULL, NULL };

  return concord_desc_path_get_text (&whole, node, max_bytes, repaired);
}

gboolean
_concord_json_connector_matches_where (JsonObject *where,
                                       JsonNode   *node)
{
  g_autoptr(GList) members = NULL;

  if (where == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;

  members = json_object_get_members (where);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *want = json_object_get_member (where, l->data);
      JsonNode *have = json_object_get_member (json_node_get_object (node), l->data);
      g_autofree char *want_text = _concord_json_connector_node_text (want, MAX_VALUE_BYTES, NULL);
      gboolean found = FALSE;

      if (have != NULL && JSON_NODE_HOLDS_ARRAY (have))
        {
          JsonArray *array = json_node_get_array (have);

          for (guint i = 0; !found && i < json_array_get_length (array); i++)
            {
              g_autofree char *text = _concord_json_connector_node_text (json_array_get_element (array, i),
                                                                         MAX_VALUE_BYTES, NULL);

              found = g_strcmp0 (text, want_text) == 0;
            }
        }
      else if (have != NULL)
        {
          g_autofree char *text = _concord_json_connector_node_text (have, MAX_VALUE_BYTES, NULL);

          found = g_strcmp0 (text, want_text) == 0;
        }
      if (!found)
        return FALSE;
    }
  return TRUE;
}

/* A template's copy with its strings filled. */
JsonNode *
_concord_json_connector_fill_node (ConcordJsonConnector *self,
                                   JsonNode             *node,
                                   const char           *contact_type,
                                   GError              **error)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(JsonObject) copy = json_object_new ();
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *filled = _concord_json_connector_fill_node (self, json_object_get_member (object, l->data),
                                                                contact_type, error);

          if (filled == NULL)
            return NULL;
          json_object_set_member (copy, l->data, filled);
        }
      return json_node_init_object (json_node_alloc (), copy);
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      g_autoptr(JsonArray) copy = json_array_new ();

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *filled = _concord_json_connector_fill_node (self, json_array_get_element (array, i), contact_type,
                                                                error);

          if (filled == NULL)
            return NULL;
          json_array_add_element (copy, filled);
        }
      return json_node_init_array (json_node_alloc (), copy);
    }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_autofree char *text = concord_description_fill (self->description,
                                                        json_node_get_string (node),
                                                        self->values, NULL, contact_type, NULL,
                                                        FALSE, error);

      return text != NULL ? json_node_init_string (json_node_alloc (), text) : NULL;
    }
  return json_node_copy (node);
}

void
_concord_json_connector_param_free (ConcordJsonParam *param)
{
  g_free (param->name);
  json_node_unref (param->value);
  g_free (param);
}

static void
add_param (GPtrArray  *params,
           const char *name,
           JsonNode   *value)
{
  ConcordJsonParam *param = g_new0 (ConcordJsonParam, 1);

  param->name = g_strdup (name);
  param->value = value;
  g_ptr_array_add (params, param);
}

void
_concord_json_connector_add_param_text (GPtrArray  *params,
                                        const char *name,
                                        const char *text)
{
  add_param (params, name, json_node_init_string (json_node_alloc (), text));
}

void
_concord_json_connector_add_param_int (GPtrArray  *params,
                                       const char *name,
                                       gint64      number)
{
  add_param (params, name, json_node_init_int (json_node_alloc (), number));
}

static void
append_query (GString    *path,
              const char *name,
              JsonNode   *value)
{
  g_autofree char *text = _concord_json_connector_node_text (value, MAX_VALUE_BYTES, NULL);

  g_string_append_c (path, strchr (path->str, '?') != NULL ? '&' : '?');
  g_string_append_uri_escaped (path, name, NULL, FALSE);
  g_string_append_c (path, '=');
  g_string_append_uri_escaped (path, text != NULL ? text : "", NULL, FALSE);
}

/* A request of the description: its path filled (@id escaped in it), its
 * query and body templates filled, @params added to the query or (with
 * @params_in_body) the body, @body_extra's members added to the body. The
 * label is the method and the path as written: never personal data. */
ConcordHttpRequest *
_concord_json_connector_make_request (ConcordJsonConnector     *self,
                                      const ConcordDescRequest *template,
                                      const char               *contact_type,
                                      const char               *id,
                                      GPtrArray                *params,
                                      gboolean                  params_in_body,
                                      JsonNode                 *body_override,
                                      GError                  **error)
{
  g_autofree char *label = g_strdup_printf ("%s %s", template->method, template->path);
  g_autofree char *filled = NULL;
  g_autoptr(GString) path = NULL;
  g_autoptr(JsonObject) body = NULL;
  ConcordHttpRequest *request;

  filled = concord_description_fill (self->description, template->path, self->values, NULL,
                                     contact_type, id, TRUE, error);
  if (filled == NULL)
    return NULL;
  path = g_string_new (filled);

  if (template->query != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (template->query);

      for (GList *l = members; l != NULL; l = l->next)
        {
          g_autoptr(JsonNode) value = _concord_json_connector_fill_node (self, json_object_get_member (template->query,
                                                                                                       l->data),
                                                 contact_type, error);

          if (value == NULL)
            return NULL;
          append_query (path, l->data, value);
        }
    }

  if (body_override != NULL)
    body = json_object_ref (json_node_get_object (body_override));
  else if (template->body != NULL || (params_in_body && params != NULL))
    {
      if (template->body != NULL)
        {
          g_autoptr(JsonNode) template_node = json_node_init_object (json_node_alloc (),
                                                                     template->body);
          g_autoptr(JsonNode) copy = _concord_json_connector_fill_node (self, template_node, contact_type, error);

          if (copy == NULL)
            return NULL;
          body = json_object_ref (json_node_get_object (copy));
        }
      else
        body = json_object_new ();
    }

  for (guint i = 0; params != NULL && i < params->len; i++)
    {
      ConcordJsonParam *param = g_ptr_array_index (params, i);

      if (params_in_body)
        json_object_set_member (body, param->name, json_node_copy (param->value));
      else
        append_query (path, param->name, param->value);
    }

  request = concord_http_request_new (template->method, path->str, label);
  if (body != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), body);

      concord_http_request_set_json (request, node);
    }
  for (guint i = 0; i < self->description->header_names->len; i++)
    {
      g_autofree char *value = concord_description_fill (self->description,
                                                         g_ptr_array_index (self->description->header_values, i),
                                                         self->values, NULL, contact_type, NULL,
                                                         FALSE, error);

      if (value == NULL)
        {
          concord_http_request_free (request);
          return NULL;
        }
      concord_http_request_add_header (request,
                                       g_ptr_array_index (self->description->header_names, i),
                                       value);
    }
  return request;
}

/* ------------------------------------------------------------------------- */
/* Reading records                                                           */
/* ------------------------------------------------------------------------- */

static char *
date_from_unix (gint64 unix_time)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (unix_time);

  return when != NULL ? g_date_time_format (when, "%Y-%m-%d") : NULL;
}

/* A string-set value: the array's texts (repaired and cut). */
static void
set_string_set (ConcordRecord *record,
                const char    *key,
                JsonArray     *array)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  gboolean any_repaired = FALSE;

  for (guint i = 0; i < json_array_get_length (array) && i < MAX_ITEMS; i++)
    {
      gboolean item_repaired = FALSE;
      char *text = _concord_json_connector_node_text (json_array_get_element (array, i), MAX_VALUE_BYTES,
                                                      &item_repaired);

      if (text == NULL)
        continue;
      any_repaired |= item_repaired;
      g_ptr_array_add (items, text);
    }
  g_ptr_array_add (items, NULL);
  concord_record_set_set (record, key, (const char * const *) items->pdata);
  if (any_repaired)
    concord_record_mark_altered (record, key);
}

/* A text value: a date in the description's format, else the node's text
 * (repaired and cut), through the read hook, an email cut to an address's
 * length. */
static void
set_text (ConcordRecord         *record,
          const char            *key,
          ConcordFieldType       type,
          gboolean               has_format,
          ConcordDescTime        format,
          JsonNode              *node,
          const ConcordJsonHook *read_hook)
{
  gboolean repaired = FALSE;
  gint64 when;
  g_autofree char *text = NULL;

  if (type == CONCORD_FIELD_TYPE_DATE && has_format &&
      concord_desc_parse_time (node, format, &when))
    text = date_from_unix (when);
  else
    text = _concord_json_connector_node_text (node, MAX_VALUE_BYTES, &repaired);

  if (text != NULL && read_hook != NULL && read_hook->read_custom != NULL && !repaired)
    {
      char *converted = read_hook->read_custom (type, text);

      if (converted != NULL)
        {
          g_free (text);
          text = converted;
        }
    }
  if (text != NULL && type == CONCORD_FIELD_TYPE_EMAIL && strlen (text) > MAX_EMAIL_BYTES)
    {
      char *cut = concord_http_cut_text (text, MAX_EMAIL_BYTES);

      g_free (text);
      text = cut;
      repaired = TRUE;
    }
  concord_rest_record_set_text (record, key, type, text, repaired);
}

/* One value of a field, read from @node, into @record as @key. */
static void
set_value (ConcordRecord       *record,
           const char          *key,
           ConcordFieldType     type,
           gboolean             has_format,
           ConcordDescTime      format,
           JsonNode            *node,
           const ConcordJsonHook *read_hook)
{
  gint64 when;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return;

  switch (type)
    {
    case CONCORD_FIELD_TYPE_DATETIME:
      if (concord_desc_parse_time (node, has_format ? format : CONCORD_DESC_TIME_ISO8601, &when))
        concord_record_set_datetime (record, key, when);
      return;

    case CONCORD_FIELD_TYPE_NUMBER:
      if (JSON_NODE_HOLDS_VALUE (node) && (json_node_get_value_type (node) == G_TYPE_INT64 ||
                                           json_node_get_value_type (node) == G_TYPE_DOUBLE))
        concord_record_set_number (record, key, json_node_get_double (node));
      else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          char *end = NULL;
          double number = g_ascii_strtod (json_node_get_string (node), &end);

          if (end != NULL && end != json_node_get_string (node) && *end == '\0')
            concord_record_set_number (record, key, number);
        }
      return;

    case CONCORD_FIELD_TYPE_BOOLEAN:
      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
        concord_record_set_boolean (record, key, json_node_get_boolean (node));
      else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          const char *text = json_node_get_string (node);

          if (g_ascii_strcasecmp (text, "true") == 0 || g_str_equal (text, "1"))
            concord_record_set_boolean (record, key, TRUE);
          else if (g_ascii_strcasecmp (text, "false") == 0 || g_str_equal (text, "0"))
            concord_record_set_boolean (record, key, FALSE);
        }
      return;

    case CONCORD_FIELD_TYPE_STRING_SET:
      if (JSON_NODE_HOLDS_ARRAY (node))
        set_string_set (record, key, json_node_get_array (node));
      return;

    default:
      break;
    }

  /* Text types. */
  set_text (record, key, type, has_format, format, node, read_hook);
}

/* The set key of an item field: "emails" for "email", "phones" for "phone". */
const char *
_concord_json_connector_set_key_of (const char *key)
{
  if (g_str_equal (key, CONCORD_FIELD_EMAIL))
    return CONCORD_FIELD_EMAILS;
  if (g_str_equal (key, CONCORD_FIELD_PHONE))
    return CONCORD_FIELD_PHONES;
  return NULL;
}

/* The items of a field whose key is no labelled set: a string-set of
 * their values. */
static void
read_item_values (ConcordRecord          *record,
                  const ConcordDescField *field,
                  JsonArray              *array)
{
  const ConcordDescItems *items = field->items;
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  gboolean any_repaired = FALSE;

  for (guint i = 0; i < json_array_get_length (array) && i < MAX_ITEMS; i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      gboolean repaired = FALSE;
      char *text = items->value != NULL
                   ? concord_desc_path_get_text (items->value, item, MAX_VALUE_BYTES,
                                                 &repaired)
                   : _concord_json_connector_node_text (item, MAX_VALUE_BYTES, &repaired);

      if (text == NULL)
        continue;
      any_repaired |= repaired;
      g_ptr_array_add (values, text);
    }
  g_ptr_array_add (values, NULL);
  concord_record_set_set (record, field->key, (const char * const *) values->pdata);
  if (any_repaired)
    concord_record_mark_altered (record, field->key);
}

static void
read_items (ConcordRecord          *record,
            const ConcordDescField *field,
            JsonNode               *node)
{
  const ConcordDescItems *items = field->items;
  const char *set_key = _concord_json_connector_set_key_of (field->key);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *primary = NULL;
  g_autofree char *first = NULL;
  gboolean primary_repaired = FALSE, first_repaired = FALSE, any_repaired = FALSE;
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return;
  array = json_node_get_array (node);

  if (set_key == NULL)
    {
      /* Another key: a string-set of the items' values. */
      read_item_values (record, field, array);
      return;
    }

  for (guint i = 0; i < json_array_get_length (array) && i < MAX_ITEMS; i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      gboolean repaired = FALSE;
      g_autofree char *value = items->value != NULL
                               ? concord_desc_path_get_text (items->value, item, MAX_VALUE_BYTES,
                                                             &repaired)
                               : _concord_json_connector_node_text (item, MAX_VALUE_BYTES, &repaired);
      g_autofree char *label = items->label != NULL
                               ? concord_desc_path_get_text (items->label, item, 256, NULL)
                               : NULL;
      const char *mapped;
      g_autofree char *folded = NULL;

      if (value == NULL || *g_strstrip (value) == '\0')
        continue;
      if (field->type == CONCORD_FIELD_TYPE_EMAIL && strlen (value) > MAX_EMAIL_BYTES)
        {
          char *cut = concord_http_cut_text (value, MAX_EMAIL_BYTES);

          g_free (value);
          value = cut;
          repaired = TRUE;
        }
      mapped = label != NULL ? g_hash_table_lookup (items->labels, label) : NULL;
      folded = concord_label_normalize (mapped != NULL ? mapped
                                        : label != NULL && *label != '\0' ? label
                                        : CONCORD_LABEL_OTHER);
      if (primary == NULL && items->primary != NULL)
        {
          JsonNode *flag = concord_desc_path_get (items->primary, item);

          if (flag != NULL && JSON_NODE_HOLDS_VALUE (flag) &&
              json_node_get_value_type (flag) == G_TYPE_BOOLEAN && json_node_get_boolean (flag))
            {
              primary = g_strdup (value);
              primary_repaired = repaired;
            }
        }
      if (first == NULL)
        {
          first = g_strdup (value);
          first_repaired = repaired;
        }
      any_repaired |= repaired;
      g_ptr_array_add (values, concord_labelled_format (folded, value));
    }

  if (values->len == 0)
    return;
  if (primary == NULL)
    {
      primary = g_steal_pointer (&first);
      primary_repaired = first_repaired;
    }
  concord_rest_record_set_text (record, field->key, field->type, primary, primary_repaired);
  g_ptr_array_add (values, NULL);
  concord_record_set_set (record, set_key, (const char * const *) values->pdata);
  if (any_repaired)
    concord_record_mark_altered (record, set_key);
}

static void
read_field (ConcordRecord          *record,
            const ConcordDescField *field,
            JsonNode               *node)
{
  JsonNode *value = concord_desc_path_get (field->path, node);

  if (field->items != NULL)
    read_items (record, field, value);
  else
    set_value (record, field->key, field->type, field->has_format, field->format, value, NULL);
}

static void
read_custom_value (ConcordJsonConnector *self,
                   ConcordRecord        *record,
                   ConcordJsonCustomDef *def,
                   JsonNode             *value)
{
  set_value (record, def->key, def->type, FALSE, CONCORD_DESC_TIME_ISO8601, value,
             _concord_json_connector_hook (self, "copper_custom_dates"));
}

static void
read_customs (ConcordJsonConnector         *self,
              const char                   *contact_type,
              const ConcordDescContactType *type,
              ConcordRecord                *record,
              JsonNode                     *node)
{
  ConcordJsonCustomSet *set = g_hash_table_lookup (self->customs, contact_type);
  JsonNode *values;

  if (type->custom == NULL || set == NULL)
    return;
  values = concord_desc_path_get (type->custom->values, node);
  if (values == NULL)
    return;

  if (type->custom->values_object)
    {
      g_autoptr(GList) members = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (values))
        return;
      members = json_object_get_members (json_node_get_object (values));
      for (GList *l = members; l != NULL; l = l->next)
        {
          ConcordJsonCustomDef *def = g_hash_table_lookup (set->by_id, l->data);

          if (def != NULL)
            read_custom_value (self, record, def,
                               json_object_get_member (json_node_get_object (values), l->data));
        }
      return;
    }

  if (!JSON_NODE_HOLDS_ARRAY (values))
    return;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (values)) &&
                    i < CONCORD_JSON_MAX_CUSTOM_FIELDS; i++)
    {
      JsonNode *item = json_array_get_element (json_node_get_array (values), i);
      g_autofree char *id = concord_desc_path_get_text (type->custom->value_id, item, 1024,
                                                        NULL);
      ConcordJsonCustomDef *def = id != NULL ? g_hash_table_lookup (set->by_id, id) : NULL;

      if (def != NULL)
        read_custom_value (self, record, def, concord_desc_path_get (type->custom->value_value,
                                                                     item));
    }
}

/* A record of the app, or %NULL with @error for one that cannot be read,
 * or %NULL without for one the "where" filter leaves out. */
ConcordRecord *
_concord_json_connector_parse_record (ConcordJsonConnector         *self,
                                      const char                   *contact_type,
                                      const ConcordDescContactType *type,
                                      JsonNode                     *node,
                                      GError                      **error)
{
  g_autoptr(ConcordRecord) record = NULL;
  g_autofree char *id = NULL;
  gboolean repaired = FALSE;
  gint64 modified;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s sent a record that is not a JSON object", self->description->name);
      return NULL;
    }
  if (!_concord_json_connector_matches_where (type->where, node))
    return NULL;

  id = concord_desc_path_get_text (type->record_id, node, 1024, &repaired);
  if (id == NULL || *id == '\0' || repaired)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s sent a record without a usable id (at \"%s\")", self->description->name,
                   type->record_id->text);
      return NULL;
    }

  record = concord_record_new (id);
  read_field (record, type->email, node);
  for (guint i = 0; i < type->fields->len; i++)
    read_field (record, g_ptr_array_index (type->fields, i), node);
  read_customs (self, contact_type, type, record, node);

  if (type->modified != NULL &&
      concord_desc_parse_time (concord_desc_path_get (type->modified, node),
                               type->modified_format, &modified))
    {
      g_autofree char *version = g_strdup_printf ("%" G_GINT64_FORMAT, modified);

      concord_record_set_modified (record, modified);
      concord_record_set_version (record, version);
    }
  return g_steal_pointer (&record);
}
