/* concord-json-connector-schema.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The described connector's custom field definitions (read before a
 * listing, a schema load and the first fetch or write), its schema, and the
 * contact types it lists or discovers.
 */

#define G_LOG_DOMAIN "concord-json-connector"

#include "config.h"

#include <string.h>

#include "concord-error.h"

#include "concord-json-connector-private.h"

#define MAX_CONTACT_TYPES    1000

/* ------------------------------------------------------------------------- */
/* Custom field definitions, discovered contact types                        */
/* ------------------------------------------------------------------------- */

/* The options of a choice field's definition: their values (as text and
 * as the app wrote them) and their labels. */
static void
read_options (const ConcordDescCustom *custom,
              ConcordJsonCustomDef    *def,
              JsonNode                *node)
{
  JsonNode *options = concord_desc_path_get (custom->options, node);
  JsonArray *list = options != NULL && JSON_NODE_HOLDS_ARRAY (options)
                    ? json_node_get_array (options) : NULL;

  for (guint o = 0; list != NULL && o < json_array_get_length (list) && o < 10000; o++)
    {
      JsonNode *option = json_array_get_element (list, o);
      JsonNode *value_node_ = custom->option_value != NULL
                              ? concord_desc_path_get (custom->option_value, option)
                              : option;
      g_autofree char *value = value_node_ != NULL
                               ? _concord_json_connector_node_text (value_node_, 1024, NULL) : NULL;
      g_autofree char *label = custom->option_label != NULL
                               ? concord_desc_path_get_text (custom->option_label,
                                                             option, 1024, NULL)
                               : g_strdup (value);

      if (value == NULL || label == NULL)
        continue;
      if (def->values == NULL)
        {
          def->values = g_ptr_array_new_with_free_func (g_free);
          def->labels = g_ptr_array_new_with_free_func (g_free);
          def->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
        }
      g_ptr_array_add (def->values, g_steal_pointer (&value));
      g_ptr_array_add (def->labels, g_steal_pointer (&label));
      g_ptr_array_add (def->nodes, json_node_copy (value_node_));
    }
}

ConcordJsonCustomSet *
_concord_json_connector_parse_definitions (ConcordJsonConnector         *self,
                                           const ConcordDescContactType *type,
                                           JsonNode                     *root,
                                           GError                      **error)
{
  const ConcordDescCustom *custom = type->custom;
  JsonNode *records = concord_desc_path_get (custom->records,
                                             concord_desc_path_get (custom->request->answer, root));
  ConcordJsonCustomSet *set;
  JsonArray            *array;

  if (records == NULL || !JSON_NODE_HOLDS_ARRAY (records))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s %s failed: the answer holds no list of field definitions",
                   custom->request->method, custom->request->path);
      return NULL;
    }
  array = json_node_get_array (records);

  set = g_new0 (ConcordJsonCustomSet, 1);
  set->defs = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_json_connector_custom_def_free);
  set->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  set->by_key = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < json_array_get_length (array) && i < CONCORD_JSON_MAX_CUSTOM_FIELDS; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonNode *id_node = concord_desc_path_get (custom->id, node);
      gboolean bad_name = FALSE;
      g_autofree char *id = concord_desc_path_get_text (custom->id, node, 1024, NULL);
      g_autofree char *name = concord_desc_path_get_text (custom->name, node, 1024, &bad_name);
      g_autofree char *type_name = concord_desc_path_get_text (custom->type, node, 256, NULL);
      gpointer mapped = type_name != NULL ? g_hash_table_lookup (custom->types, type_name) : NULL;
      ConcordJsonCustomDef *def;

      if (!JSON_NODE_HOLDS_OBJECT (node) || !_concord_json_connector_matches_where (custom->where, node) ||
          id == NULL || *id == '\0' || name == NULL || *g_strstrip (name) == '\0' || bad_name ||
          mapped == NULL || g_hash_table_contains (set->by_id, id))
        continue;

      def = g_new0 (ConcordJsonCustomDef, 1);
      def->id = g_steal_pointer (&id);
      def->id_node = json_node_copy (id_node);
      def->name = g_steal_pointer (&name);
      def->type = (ConcordFieldType) (GPOINTER_TO_INT (mapped) - 1);
      def->key = concord_field_custom_key (def->name);
      if (g_hash_table_contains (set->by_key, def->key))
        {
          /* Two fields of one name: the second keeps its id, so that
           * neither pairs with a field of that name by mistake. */
          g_autofree char *name_id = g_strdup_printf ("%s (%s)", def->name, def->id);

          g_free (def->key);
          def->key = concord_field_custom_key (name_id);
        }
      if (custom->read_only != NULL)
        {
          JsonNode *flag = concord_desc_path_get (custom->read_only, node);

          def->read_only = flag != NULL && JSON_NODE_HOLDS_VALUE (flag) &&
                           json_node_get_value_type (flag) == G_TYPE_BOOLEAN &&
                           json_node_get_boolean (flag);
        }
      if (custom->options != NULL)
        read_options (custom, def, node);
      g_ptr_array_add (set->defs, def);
      g_hash_table_insert (set->by_id, def->id, def);
      g_hash_table_insert (set->by_key, def->key, def);
    }
  return set;
}

typedef struct
{
  char *contact_type;
} PrepareState;

static void
prepare_state_free (PrepareState *state)
{
  g_free (state->contact_type);
  g_free (state);
}

static void
on_definitions_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordJsonConnector *self = g_task_get_source_object (task);
  PrepareState *state = g_task_get_task_data (task);
  const ConcordDescContactType *type = _concord_json_connector_find_type (self, state->contact_type);
  g_autoptr(JsonNode) root = NULL;
  GError *error = NULL;
  ConcordJsonCustomSet *set;

  root = concord_http_client_send_json_finish (self->client, result, NULL, NULL, &error);
  if (root == NULL && error == NULL)
    error = g_error_new (CONCORD_ERROR, CONCORD_ERROR_PARSE, "%s %s failed: empty answer",
                         type->custom->request->method, type->custom->request->path);
  set = error == NULL ? _concord_json_connector_parse_definitions (self, type, root, &error) : NULL;
  if (set == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_hash_table_replace (self->customs, g_strdup (state->contact_type), set);
  g_task_return_boolean (task, TRUE);
}

/* Reads the custom field definitions of @contact_type when @again or not
 * read yet. */
void
_concord_json_connector_load_definitions_async (ConcordJsonConnector *self,
                                                const char           *contact_type,
                                                gboolean              again,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  const ConcordDescContactType *type = _concord_json_connector_find_type (self, contact_type);
  PrepareState *state = g_new0 (PrepareState, 1);
  ConcordHttpRequest *request;
  GError *error = NULL;

  g_task_set_source_tag (task, _concord_json_connector_load_definitions_async);
  state->contact_type = g_strdup (contact_type);
  g_task_set_task_data (task, state, (GDestroyNotify) prepare_state_free);

  if (type == NULL || type->custom == NULL ||
      (!again && g_hash_table_contains (self->customs, contact_type)))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  request = _concord_json_connector_make_request (self, type->custom->request, contact_type, NULL, NULL, FALSE, NULL,
                                                  &error);
  if (request == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  concord_http_client_send_json_async (self->client, request, cancellable, on_definitions_cb,
                                       task);
}

/* ------------------------------------------------------------------------- */
/* Schema                                                                    */
/* ------------------------------------------------------------------------- */

static void
add_spec (GPtrArray              *specs,
          const ConcordDescField *field)
{
  const ConcordFieldSpec *canonical = concord_fields_lookup (field->key);
  ConcordFieldSpec *spec;

  if (canonical != NULL)
    {
      spec = concord_field_spec_copy (canonical);
      spec->type = field->type;
      spec->multi = field->type == CONCORD_FIELD_TYPE_STRING_SET;
    }
  else
    {
      spec = concord_field_spec_new (field->key, field->key + strlen (CONCORD_FIELD_CUSTOM_PREFIX),
                                     field->type, field->read_only);
      spec->custom = TRUE;
      spec->multi = field->type == CONCORD_FIELD_TYPE_STRING_SET;
    }
  spec->read_only = field->read_only;
  if (field->choices != NULL)
    {
      g_strfreev (spec->choices);
      g_strfreev (spec->choice_labels);
      spec->choices = g_strdupv (field->choices);
      spec->choice_labels = g_strdupv (field->choice_labels);
    }
  g_ptr_array_add (specs, spec);

  if (field->items != NULL && _concord_json_connector_set_key_of (field->key) != NULL)
    concord_rest_add_field_spec (specs, _concord_json_connector_set_key_of (field->key), NULL, field->read_only);
}

static GPtrArray *
build_schema (ConcordJsonConnector *self,
              const char           *contact_type)
{
  const ConcordDescContactType *type = _concord_json_connector_find_type (self, contact_type);
  ConcordJsonCustomSet *customs = g_hash_table_lookup (self->customs, contact_type);
  GPtrArray *specs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

  add_spec (specs, type->email);
  for (guint i = 0; i < type->fields->len; i++)
    add_spec (specs, g_ptr_array_index (type->fields, i));

  for (guint i = 0; customs != NULL && i < customs->defs->len; i++)
    {
      ConcordJsonCustomDef *def = g_ptr_array_index (customs->defs, i);
      ConcordFieldSpec *spec = concord_field_spec_new (def->key,
                                                       def->key + strlen (CONCORD_FIELD_CUSTOM_PREFIX),
                                                       def->type, def->read_only);

      spec->custom = TRUE;
      spec->multi = def->type == CONCORD_FIELD_TYPE_STRING_SET;
      if (def->values != NULL)
        {
          g_ptr_array_add (def->values, NULL);
          g_ptr_array_add (def->labels, NULL);
          spec->choices = g_strdupv ((char **) def->values->pdata);
          spec->choice_labels = g_strdupv ((char **) def->labels->pdata);
          g_ptr_array_set_size (def->values, def->values->len - 1);
          g_ptr_array_set_size (def->labels, def->labels->len - 1);
        }
      g_ptr_array_add (specs, spec);
    }
  return specs;
}

static void
on_schema_definitions_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (object);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, build_schema (self, g_task_get_task_data (task)),
                         (GDestroyNotify) g_ptr_array_unref);
}

void
_concord_json_connector_load_schema_async (ConcordConnector   *connector,
                                           const char         *contact_type,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  GTask *task = concord_connector_task_new (connector, _concord_json_connector_load_schema_async,
                                            cancellable, callback, user_data);
  GError *error = NULL;

  _concord_json_connector_note_type (self, contact_type);

  if (!concord_rest_connector_check_contact_type (CONCORD_REST_CONNECTOR (self), contact_type,
                                                  &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_task_set_task_data (task, g_strdup (contact_type), g_free);
  /* Fields as they are now: a schema load reads them again. */
  _concord_json_connector_load_definitions_async (self, contact_type, TRUE, cancellable, on_schema_definitions_cb, task);
}

/* ------------------------------------------------------------------------- */
/* Contact types                                                             */
/* ------------------------------------------------------------------------- */

GPtrArray *
_concord_json_connector_list_contact_types (ConcordConnector *connector)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  GPtrArray *types = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);

  for (guint i = 0; i < self->description->contact_types->len; i++)
    {
      const ConcordDescContactType *type = g_ptr_array_index (self->description->contact_types,
                                                              i);

      if (type->id != NULL)
        g_ptr_array_add (types, concord_contact_type_new (type->id, type->label));
    }
  for (guint i = 0; self->types != NULL && i < self->types->len; i++)
    {
      ConcordContactType *type = g_ptr_array_index (self->types, i);

      g_ptr_array_add (types, concord_contact_type_new (type->id, type->label));
    }
  return types;
}

const ConcordDescContactType *
_concord_json_connector_discovered_entry (ConcordJsonConnector *self)
{
  for (guint i = 0; i < self->description->contact_types->len; i++)
    {
      const ConcordDescContactType *type = g_ptr_array_index (self->description->contact_types,
                                                              i);

      if (type->discover != NULL)
        return type;
    }
  return NULL;
}

static void
on_discover_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordJsonConnector *self = g_task_get_source_object (task);
  const ConcordDescContactType *entry = _concord_json_connector_discovered_entry (self);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) found = NULL;
  GError *error = NULL;
  JsonNode *records;

  root = concord_http_client_send_json_finish (self->client, result, NULL, NULL, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  records = concord_desc_path_get (entry->discover_records,
                                   concord_desc_path_get (entry->discover->answer, root));
  if (records == NULL || !JSON_NODE_HOLDS_ARRAY (records))
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                               "%s %s failed: the answer holds no list of contact types",
                               entry->discover->method, entry->discover->path);
      return;
    }

  found = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (records)) &&
                    i < MAX_CONTACT_TYPES; i++)
    {
      JsonNode *node = json_array_get_element (json_node_get_array (records), i);
      gboolean repaired = FALSE;
      g_autofree char *id = concord_desc_path_get_text (entry->discover_id, node, 256, &repaired);
      g_autofree char *name = concord_desc_path_get_text (entry->discover_name, node, 1024, NULL);

      if (id == NULL || *id == '\0' || repaired)
        continue;
      g_ptr_array_add (found, concord_contact_type_new (id, name != NULL ? name : id));
    }
  g_clear_pointer (&self->types, g_ptr_array_unref);
  self->types = g_steal_pointer (&found);
  g_task_return_pointer (task, _concord_json_connector_list_contact_types (CONCORD_CONNECTOR (self)),
                         (GDestroyNotify) g_ptr_array_unref);
}

void
_concord_json_connector_list_contact_types_async (ConcordConnector   *connector,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  const ConcordDescContactType *entry = _concord_json_connector_discovered_entry (self);
  ConcordHttpRequest *request;
  GError *error = NULL;

  g_task_set_source_tag (task, _concord_json_connector_list_contact_types_async);
  if (entry == NULL)
    {
      g_task_return_pointer (task, _concord_json_connector_list_contact_types (connector),
                             (GDestroyNotify) g_ptr_array_unref);
      g_object_unref (task);
      return;
    }
  request = _concord_json_connector_make_request (self, entry->discover, NULL, NULL, NULL, FALSE, NULL, &error);
  if (request == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  concord_http_client_send_json_async (self->client, request, cancellable, on_discover_cb, task);
}

GPtrArray *
_concord_json_connector_list_contact_types_finish (ConcordConnector *connector,
                                                   GAsyncResult     *result,
                                                   GError          **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
