/* concord-json-connector-change.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The described connector's creates (the request, matching the created
 * records) and updates ("partial" or "full", the record read first when
 * needed, the items left over deleted).
 */

#define G_LOG_DOMAIN "concord-json-connector"

#include "config.h"

#include <string.h>

#include "concord-error.h"

#include "concord-json-connector-private.h"

/* ------------------------------------------------------------------------- */
/* Create                                                                    */
/* ------------------------------------------------------------------------- */

ConcordHttpRequest *
_concord_json_connector_build_create_request (ConcordRestConnector *connector,
                                              const char           *contact_type,
                                              GPtrArray            *records,
                                              const guint          *indices,
                                              guint                 n_indices)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  const ConcordDescContactType *type = _concord_json_connector_find_type (self, contact_type);
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GError) error = NULL;
  ConcordHttpRequest *request;

  for (guint i = 0; i < n_indices; i++)
    {
      const ConcordRecord *record = g_ptr_array_index (records, indices[i]);
      g_autoptr(JsonObject) object = _concord_json_connector_record_object (self, contact_type, type, type->create, NULL,
                                                                            record, NULL, NULL, &error);

      if (object == NULL)
        break;
      if (type->batch <= 1)
        body = _concord_json_connector_wrap (type->create_wrap, object);
      else
        json_array_add_element (array, _concord_json_connector_wrap (type->create_wrap, object));
    }
  if (error == NULL && type->batch > 1)
    {
      g_autoptr(JsonObject) outer = json_object_new ();

      json_object_set_array_member (outer, type->create_records, json_array_ref (array));
      body = json_node_init_object (json_node_alloc (), outer);
    }
  /* The body is the records; the template is in it already. */
  request = error == NULL ? _concord_json_connector_make_request (self, type->create, contact_type, NULL, NULL, FALSE,
                                                                  body, &error)
                          : NULL;
  if (request == NULL)
    {
      /* Not a request the base can send: an empty POST the app refuses
       * is wrong; say why instead, on a request that cannot reach it. */
      g_warning ("%s: %s", self->description->id, error->message);
      return concord_http_request_new ("POST", "/", "POST (unfillable)");
    }
  return request;
}

void
_concord_json_connector_match_created (ConcordRestConnector *connector,
                                       const char           *contact_type,
                                       GPtrArray            *records,
                                       const guint          *indices,
                                       guint                 n_indices,
                                       JsonNode             *answer,
                                       ConcordWriteBatch    *batch)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  const ConcordDescContactType *type = _concord_json_connector_find_type (self, contact_type);
  JsonNode *created = answer != NULL ? concord_desc_path_get (type->create->answer, answer) : NULL;
  g_autoptr(GPtrArray) echoes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);

  if (type->batch <= 1)
    {
      g_autoptr(ConcordRecord) record = created != NULL
                                        ? _concord_json_connector_parse_record (self, contact_type, type, created, NULL)
                                        : NULL;

      if (record == NULL)
        concord_write_batch_set_error (batch, indices[0],
                                       g_error_new (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                                    "%s %s: the answer holds no record",
                                                    type->create->method, type->create->path));
      else
        concord_write_batch_set_ok (batch, indices[0], record);
      return;
    }

  /* A batch: the created records, matched to the inputs by email. */
  if (created != NULL && JSON_NODE_HOLDS_ARRAY (created))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (created)); i++)
      {
        ConcordRecord *record = _concord_json_connector_parse_record (self, contact_type, type,
                                                                      json_array_get_element (json_node_get_array (created),
                                                                                              i),
                                                                      NULL);

        if (record != NULL)
          g_ptr_array_add (echoes, record);
      }

  for (guint i = 0; i < n_indices; i++)
    {
      const ConcordRecord *input = g_ptr_array_index (records, indices[i]);
      const char *email = concord_record_get_text (input, CONCORD_FIELD_EMAIL);
      ConcordRecord *match = NULL;

      for (guint e = 0; email != NULL && match == NULL && e < echoes->len; e++)
        {
          const char *echoed = concord_record_get_text (g_ptr_array_index (echoes, e),
                                                        CONCORD_FIELD_EMAIL);

          if (echoed != NULL && g_ascii_strcasecmp (echoed, email) == 0)
            match = g_ptr_array_index (echoes, e);
        }
      if (match != NULL)
        concord_write_batch_set_ok (batch, indices[i], match);
      else
        concord_write_batch_set_error (batch, indices[i],
                                       g_error_new (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                                    "%s %s: the answer does not hold this "
                                                    "record", type->create->method,
                                                    type->create->path));
    }
}

/* ------------------------------------------------------------------------- */
/* Update                                                                    */
/* ------------------------------------------------------------------------- */

typedef enum
{
  STEP_START,
  STEP_READ,
  STEP_WRITE,
} UpdateStep;

/* A change of the single email or phone without its set, where the app
 * holds an array: the other items must be read first to be kept. */
static gboolean
needs_current (const ConcordDescContactType *type,
               const ConcordRecordChange    *change)
{
  const ConcordDescField *item_fields[1 + 64];
  guint n = 0;

  if (type->update_full)
    return TRUE;
  item_fields[n++] = type->email;
  for (guint i = 0; i < type->fields->len && n < G_N_ELEMENTS (item_fields); i++)
    item_fields[n++] = g_ptr_array_index (type->fields, i);

  /* Items the app keeps unless deleted by id: their ids must be read. */
  for (guint i = 0; i < n; i++)
    {
      const ConcordDescField *field = item_fields[i];

      if (field != NULL && field->items != NULL && field->items->delete_flag != NULL &&
          _concord_json_connector_field_in_change (field, change->set, (const char * const *) change->clear))
        return TRUE;
    }
  n = 1;
  for (guint i = 0; i < type->fields->len && n < G_N_ELEMENTS (item_fields); i++)
    item_fields[n++] = g_ptr_array_index (type->fields, i);

  for (guint i = 0; i < n; i++)
    {
      const ConcordDescField *field = item_fields[i];
      const char *set_key = field->items != NULL ? _concord_json_connector_set_key_of (field->key) : NULL;

      if (set_key == NULL || change->set == NULL)
        continue;
      if (concord_record_get (change->set, field->key) != NULL &&
          concord_record_get (change->set, set_key) == NULL)
        return TRUE;
    }
  return FALSE;
}

/* The record after the change: @current with @change applied. */
static ConcordRecord *
apply_change (const ConcordRecord       *current,
              const ConcordRecordChange *change)
{
  ConcordRecord *merged = current != NULL ? concord_record_copy (current)
                                          : concord_record_new (change->remote_id);
  guint n = change->set != NULL ? concord_record_get_n_fields (change->set) : 0;

  for (guint i = 0; i < n; i++)
    {
      const char *key = NULL;
      const ConcordValue *value = concord_record_get_field_at (change->set, i, &key);

      concord_record_set_value (merged, key, value);
    }
  for (guint i = 0; change->clear != NULL && change->clear[i] != NULL; i++)
    concord_record_remove (merged, change->clear[i]);

  /* A new single email or phone replaces the old primary in the set. */
  for (guint k = 0; k < 2; k++)
    {
      const char *single_key = k == 0 ? CONCORD_FIELD_EMAIL : CONCORD_FIELD_PHONE;
      const char *set_key = _concord_json_connector_set_key_of (single_key);
      const char *old = current != NULL ? concord_record_get_text (current, single_key) : NULL;
      const char *new_value = change->set != NULL ? concord_record_get_text (change->set,
                                                                             single_key) : NULL;
      const ConcordValue *set = concord_record_get (merged, set_key);
      g_autoptr(GPtrArray) items = NULL;

      if (new_value == NULL || (change->set != NULL && concord_record_get (change->set,
                                                                           set_key) != NULL) ||
          set == NULL || set->type != CONCORD_FIELD_TYPE_STRING_SET)
        continue;
      items = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; set->v.set[i] != NULL; i++)
        {
          g_autofree char *label = NULL;
          g_autofree char *value = NULL;

          if (!concord_labelled_parse (set->v.set[i], &label, &value))
            continue;
          if (old != NULL && g_strcmp0 (value, old) == 0)
            g_ptr_array_add (items, concord_labelled_format (label, new_value));
          else
            g_ptr_array_add (items, g_strdup (set->v.set[i]));
        }
      g_ptr_array_add (items, NULL);
      concord_record_set_set (merged, set_key, (const char * const *) items->pdata);
    }
  return merged;
}

typedef struct
{
  JsonNode *current;  /* (owned) (nullable): the record as read */
} UpdateData;

static void
update_data_free (UpdateData *data)
{
  g_clear_pointer (&data->current, json_node_unref);
  g_free (data);
}

/* For an app that keeps the nested items an update leaves out and adds
 * those sent without an id (Capsule): each item of @field as read in
 * @current_node that @object does not send again by its id is sent
 * marked for deletion, so the array written replaces the one read. */
static void
delete_left_items (const ConcordDescField *field,
                   JsonNode               *current_node,
                   JsonObject             *object)
{
  g_autoptr(JsonNode) object_node = json_node_init_object (json_node_alloc (), object);
  JsonNode *read = concord_desc_path_get (field->path, current_node);
  JsonNode *sent = concord_desc_path_get (field->path, object_node);
  g_autoptr(JsonArray) items = json_array_new ();

  if (read == NULL || !JSON_NODE_HOLDS_ARRAY (read))
    return;
  if (sent != NULL && JSON_NODE_HOLDS_ARRAY (sent))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (sent)); i++)
      json_array_add_element (items, json_node_copy (json_array_get_element (json_node_get_array (sent), i)));

  for (guint i = 0; i < json_array_get_length (json_node_get_array (read)); i++)
    {
      JsonNode *item = json_array_get_element (json_node_get_array (read), i);
      JsonNode *id = concord_desc_path_get (field->items->id, item);
      g_autoptr(JsonObject) gone = NULL;
      gboolean kept = FALSE;

      if (id == NULL || !JSON_NODE_HOLDS_VALUE (id))
        continue;
      for (guint j = 0; j < json_array_get_length (items) && !kept; j++)
        {
          JsonNode *other = concord_desc_path_get (field->items->id,
                                                   json_array_get_element (items, j));

          kept = other != NULL && json_node_equal (other, id);
        }
      if (kept)
        continue;
      gone = json_object_new ();
      concord_desc_path_set (field->items->id, gone, json_node_copy (id));
      concord_desc_path_set (field->items->delete_flag, gone,
                             json_node_init_boolean (json_node_alloc (), TRUE));
      json_array_add_object_element (items, g_steal_pointer (&gone));
    }
  concord_desc_path_set (field->path, object, json_node_init_array (json_node_alloc (), items));
}

static ConcordHttpRequest *
write_request (ConcordJsonConnector         *self,
               const char                   *contact_type,
               const ConcordDescContactType *type,
               const ConcordRecordChange    *change,
               JsonNode                     *current_node,
               GError                      **error)
{
  g_autoptr(ConcordRecord) current = NULL;
  g_autoptr(ConcordRecord) merged = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) body = NULL;
  JsonObject *base = NULL;

  if (current_node != NULL)
    {
      current = _concord_json_connector_parse_record (self, contact_type, type, current_node, error);
      if (current == NULL)
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                         "%s %s: the record is not a contact of this type", type->fetch->method,
                         type->fetch->path);
          return NULL;
        }
      if (type->update_full)
        base = json_node_get_object (current_node);
    }
  merged = apply_change (current, change);

  object = _concord_json_connector_record_object (self, contact_type, type, type->update, base, merged, change->set,
                                                  (const char * const *) change->clear, error);
  if (object == NULL)
    return NULL;
  if (current_node != NULL)
    for (guint i = 0; i <= type->fields->len; i++)
      {
        const ConcordDescField *field = i == 0 ? type->email
                                               : g_ptr_array_index (type->fields, i - 1);

        if (field != NULL && field->items != NULL && field->items->delete_flag != NULL &&
            _concord_json_connector_field_in_change (field, change->set, (const char * const *) change->clear))
          delete_left_items (field, current_node, object);
      }
  if (type->id_member != NULL)
    {
      guint64 number;

      if (g_ascii_string_to_unsigned (change->remote_id, 10, 0, G_MAXINT64, &number, NULL))
        json_object_set_int_member (object, type->id_member, (gint64) number);
      else
        json_object_set_string_member (object, type->id_member, change->remote_id);
    }
  body = _concord_json_connector_wrap (type->update_wrap, object);
  return _concord_json_connector_make_request (self, type->update, contact_type, change->remote_id, NULL, FALSE, body,
                                               error);
}

ConcordHttpRequest *
_concord_json_connector_update_step (ConcordRestConnector *connector,
                                     ConcordRestUpdate    *update,
                                     JsonNode             *answer,
                                     GError              **error)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  const ConcordDescContactType *type = _concord_json_connector_find_type (self, update->contact_type);
  UpdateData *data = update->data;

  if (update->failure != NULL)
    return NULL;

  switch ((UpdateStep) update->step)
    {
    case STEP_START:
      data = g_new0 (UpdateData, 1);
      update->data = data;
      update->data_free = (GDestroyNotify) update_data_free;
      if (needs_current (type, update->change))
        {
          ConcordHttpRequest *request = _concord_json_connector_make_request (self, type->fetch, update->contact_type,
                                                                              update->change->remote_id, NULL, FALSE,
                                                                              NULL, error);

          update->step = STEP_READ;
          return request;
        }
      update->step = STEP_WRITE;
      return write_request (self, update->contact_type, type, update->change, NULL, error);

    case STEP_READ:
      {
        JsonNode *record = answer != NULL ? concord_desc_path_get (type->fetch->answer, answer)
                                          : NULL;

        if (record == NULL)
          {
            g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                         "%s %s: the answer holds no record", type->fetch->method,
                         type->fetch->path);
            return NULL;
          }
        data->current = json_node_copy (record);
        update->step = STEP_WRITE;
        return write_request (self, update->contact_type, type, update->change, data->current,
                              error);
      }

    case STEP_WRITE:
    default:
      return NULL;
    }
}
