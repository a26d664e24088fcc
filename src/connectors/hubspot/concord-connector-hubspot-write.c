/* concord-connector-hubspot-write.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Writing HubSpot contacts (see concord-connector-hubspot.c): values as
 * HubSpot's strings, the bodies of batch requests and their answers, and
 * creates, where a duplicate email is a match that is updated instead.
 */

#define G_LOG_DOMAIN "concord-connector-hubspot"

#include "config.h"

#include <string.h>
#include "concord-connector-hubspot.h"
#include "concord-connector-hubspot-private.h"
#include "concord-error.h"
#include "concord-json-private.h"
#include "concord-rest-connector.h"
#include "concord-write-batch.h"

/* Canonical statuses written as hs_email_optout. */
static const struct
{
  const char *canonical;
  const char *api;
} status_writes[] = {
  { "active", "false" },
  { "engaged", "false" },
  { "unsubscribed", "true" },
  { "bounced", "true" },
  { "abuse", "true" },
  { "complained", "true" },
};

/* ------------------------------------------------------------------------- */
/* Write bodies                                                              */
/* ------------------------------------------------------------------------- */

static void
refuse (GPtrArray  *refused,
        const char *key,
        char       *reason)
{
  g_ptr_array_add (refused, g_strdup (key));
  g_ptr_array_add (refused, reason);
}

/* A value of a checkbox property: its options joined by ";"; NULL (with
 * @reason) when one is not an option. */
static char *
multi_value (ConcordHubspotProperty  *property,
             const ConcordValue      *value,
             const char              *text,
             char                   **reason)
{
  g_autoptr(GString) joined = g_string_new (NULL);
  const char * const *items = value->type == CONCORD_FIELD_TYPE_STRING_SET
                              ? (const char * const *) value->v.set : NULL;
  const char *single[] = { text, NULL };

  if (items == NULL)
    items = single;
  for (guint i = 0; items[i] != NULL; i++)
    {
      const char *option = _concord_hubspot_option_value (property, items[i]);

      if (option == NULL)
        {
          *reason = g_strdup_printf ("“%s” is not an option of HubSpot's property %s",
                                     items[i], property->label);
          return NULL;
        }
      if (joined->len > 0)
        g_string_append_c (joined, ';');
      g_string_append (joined, option);
    }
  return g_string_free (g_steal_pointer (&joined), FALSE);
}

/* One value as HubSpot's string; NULL (with @reason) when it cannot be. */
static char *
api_value (ConcordHubspotProperty  *property,
           const ConcordValue      *value,
           char                   **reason)
{
  g_autofree char *text = concord_value_to_string (value);

  if (g_str_equal (property->key, CONCORD_FIELD_STATUS))
    {
      for (guint i = 0; text != NULL && i < G_N_ELEMENTS (status_writes); i++)
        if (g_ascii_strcasecmp (status_writes[i].canonical, text) == 0)
          return g_strdup (status_writes[i].api);
      *reason = g_strdup_printf ("HubSpot holds only whether a contact opted out of email, not "
                                 "“%s”", text != NULL ? text : "");
      return NULL;
    }

  if (property->multi)
    return multi_value (property, value, text, reason);

  if (property->type == CONCORD_FIELD_TYPE_ENUM && property->options != NULL)
    {
      const char *option = _concord_hubspot_option_value (property, text);

      if (option == NULL)
        {
          *reason = g_strdup_printf ("“%s” is not an option of HubSpot's property %s",
                                     text != NULL ? text : "", property->label);
          return NULL;
        }
      return g_strdup (option);
    }

  switch (property->type)
    {
    case CONCORD_FIELD_TYPE_NUMBER:
      {
        double number;
        char *end = NULL;
        char buffer[G_ASCII_DTOSTR_BUF_SIZE];

        if (value->type == CONCORD_FIELD_TYPE_NUMBER)
          number = value->v.number;
        else if (text != NULL && (number = g_ascii_strtod (text, &end), end != text) &&
                 *end == '\0')
          ;
        else
          {
            *reason = g_strdup_printf ("HubSpot's property %s takes a number", property->label);
            return NULL;
          }
        return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, number));
      }

    case CONCORD_FIELD_TYPE_BOOLEAN:
      if (value->type == CONCORD_FIELD_TYPE_BOOLEAN)
        return g_strdup (value->v.boolean ? "true" : "false");
      if (text != NULL && (g_ascii_strcasecmp (text, "true") == 0 ||
                           g_ascii_strcasecmp (text, "false") == 0))
        return g_ascii_strdown (text, -1);
      *reason = g_strdup_printf ("HubSpot's property %s takes true or false", property->label);
      return NULL;

    case CONCORD_FIELD_TYPE_DATE:
    case CONCORD_FIELD_TYPE_DATETIME:
      {
        gint64 seconds = value->type == CONCORD_FIELD_TYPE_DATETIME
                         ? value->v.datetime : concord_rest_parse_datetime (text);
        g_autoptr(GDateTime) when = seconds >= 0 ? g_date_time_new_from_unix_utc (seconds) : NULL;

        if (when == NULL)
          {
            *reason = g_strdup_printf ("HubSpot's property %s takes a date", property->label);
            return NULL;
          }
        if (property->type == CONCORD_FIELD_TYPE_DATE)
          return g_date_time_format (when, "%Y-%m-%d");
        return g_strdup_printf ("%" G_GINT64_FORMAT, seconds * 1000);
      }

    default:
      return g_strdup (text != NULL ? text : "");
    }
}

/* The properties object of a write: @set's fields HubSpot has, and ""
 * for each of @clear; what cannot be written in @refused (key, reason). */
JsonNode *
_concord_hubspot_properties_body (ConcordConnectorHubspot *self,
                                  const ConcordRecord     *set,
                                  const char * const      *clear,
                                  GPtrArray               *refused)
{
  g_autoptr(JsonObject) object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  guint n = set != NULL ? concord_record_get_n_fields (set) : 0;
  guint n_clear = clear != NULL ? g_strv_length ((char **) clear) : 0;

  for (guint i = 0; i < n + n_clear; i++)
    {
      const char *key = NULL;
      const ConcordValue *value = i < n ? concord_record_get_field_at (set, i, &key) : NULL;
      ConcordHubspotProperty *property;
      g_autofree char *text = NULL;
      char *reason = NULL;

      if (i >= n)
        key = clear[i - n];
      if (key == NULL)
        continue;
      property = self->by_key != NULL ? g_hash_table_lookup (self->by_key, key) : NULL;
      if (property == NULL)
        {
          /* Only a field of the schema is refused; the rest were never HubSpot's. */
          if (concord_field_is_custom (key))
            refuse (refused, key, g_strdup_printf ("HubSpot has no contact property named %s",
                                                   key + strlen (CONCORD_FIELD_CUSTOM_PREFIX)));
          continue;
        }
      if (property->read_only)
        {
          if (property->custom || g_str_has_prefix (property->key, CONCORD_FIELD_CUSTOM_PREFIX))
            refuse (refused, key, g_strdup_printf ("HubSpot computes the property %s; Concord "
                                                   "cannot write it", property->label));
          continue;
        }
      if (value == NULL)
        {
          json_object_set_string_member (object, property->name, "");
          continue;
        }
      text = api_value (property, value, &reason);
      if (text == NULL)
        {
          refuse (refused, key, reason);
          continue;
        }
      json_object_set_string_member (object, property->name, text);
    }

  json_node_set_object (node, object);
  return node;
}

JsonNode *
_concord_hubspot_inputs_body (JsonArray *inputs)
{
  g_autoptr(JsonObject) root = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_array_member (root, "inputs", inputs);
  json_node_set_object (node, root);
  return node;
}

void
_concord_hubspot_read_batch_answer (JsonNode                 *answer,
                                    guint                     n_inputs,
                                    ConcordHubspotEachResult  each,
                                    gpointer                  data)
{
  JsonObject *root = answer != NULL && JSON_NODE_HOLDS_OBJECT (answer)
                     ? json_node_get_object (answer) : NULL;
  const char *members[] = { "results", "errors" };

  for (guint m = 0; root != NULL && m < G_N_ELEMENTS (members); m++)
    {
      JsonNode *node = json_object_get_member (root, members[m]);
      JsonArray *array = node != NULL && JSON_NODE_HOLDS_ARRAY (node)
                         ? json_node_get_array (node) : NULL;

      for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);
          JsonObject *object = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
          g_autofree char *trace = NULL;
          guint64 index;

          if (object == NULL)
            continue;
          trace = m == 0 ? _concord_hubspot_member_text (object, "objectWriteTraceId")
                         : _concord_hubspot_context_value (object, "objectWriteTraceId");
          if (trace == NULL ||
              !g_ascii_string_to_unsigned (trace, 10, 0, n_inputs - 1, &index, NULL))
            continue;
          each (data, (guint) index, m == 0 ? object : NULL, m == 1 ? object : NULL);
        }
    }
}

/* ------------------------------------------------------------------------- */
/* Create                                                                    */
/* ------------------------------------------------------------------------- */

ConcordHttpRequest *
concord_connector_hubspot_build_create_request (ConcordRestConnector *connector,
                                                const char           *contact_type,
                                                GPtrArray            *records,
                                                const guint          *indices,
                                                guint                 n_indices)
{
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (connector);
  JsonArray *inputs = json_array_new ();
  g_autoptr(JsonNode) body = NULL;

  for (guint i = 0; i < n_indices; i++)
    {
      g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
      JsonObject *input = json_object_new ();
      g_autofree char *trace = g_strdup_printf ("%u", indices[i]);

      json_object_set_member (input, "properties",
                              _concord_hubspot_properties_body (self, g_ptr_array_index (records, indices[i]),
                                                                NULL, refused));
      json_object_set_string_member (input, "objectWriteTraceId", trace);
      json_array_add_object_element (inputs, input);
    }
  body = _concord_hubspot_inputs_body (inputs);
  return _concord_hubspot_new_request ("POST", PATH_CONTACTS "/batch/create", "POST " PATH_CONTACTS "/batch/create",
                                       body);
}

typedef struct
{
  ConcordConnectorHubspot *self;
  GPtrArray               *records;
  ConcordWriteBatch       *batch;
  GHashTable              *done;    /* indices answered */
} CreateMatch;

static void
on_created_one (gpointer    data,
                guint       index,
                JsonObject *result,
                JsonObject *error)
{
  CreateMatch *match = data;
  ConcordConnectorHubspot *self = match->self;
  const ConcordRecord *input;

  if (!g_hash_table_contains (match->done, GUINT_TO_POINTER (index + 1)) ||
      index >= match->records->len)
    return;
  g_hash_table_remove (match->done, GUINT_TO_POINTER (index + 1));
  input = g_ptr_array_index (match->records, index);

  if (result != NULL)
    {
      g_autoptr(ConcordRecord) record = _concord_hubspot_parse_contact (self, result);
      g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
      ConcordWriteResult *written;

      if (record == NULL)
        {
          g_autoptr(GError) parse = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                                         "POST " PATH_CONTACTS "/batch/create: "
                                                         "the answer holds no contact");

          concord_write_batch_set_error (match->batch, index, parse);
          return;
        }
      /* The refusals of the body that was sent (built again: it is the same). */
      json_node_unref (_concord_hubspot_properties_body (self, input, NULL, refused));
      written = concord_write_batch_set_ok (match->batch, index, record);
      for (guint i = 0; i + 1 < refused->len; i += 2)
        concord_write_result_add_refused (written, g_ptr_array_index (refused, i),
                                          g_ptr_array_index (refused, i + 1));
      return;
    }

  {
    g_autoptr(GError) failure = _concord_hubspot_error_from_object (error, "POST " PATH_CONTACTS "/batch/create");
    g_autofree char *id = NULL;

    /* The email is HubSpot's already: a match, written by the caller. */
    if (g_error_matches (failure, CONCORD_ERROR, CONCORD_ERROR_CONFLICT) &&
        (id = _concord_hubspot_existing_id (error)) != NULL)
      g_hash_table_replace (self->conflicts, (gpointer) input, g_steal_pointer (&id));
    concord_write_batch_set_error (match->batch, index, failure);
  }
}

void
concord_connector_hubspot_match_created (ConcordRestConnector *connector,
                                         const char           *contact_type,
                                         GPtrArray            *records,
                                         const guint          *indices,
                                         guint                 n_indices,
                                         JsonNode             *answer,
                                         ConcordWriteBatch    *batch)
{
  CreateMatch match = { CONCORD_CONNECTOR_HUBSPOT (connector), records, batch, NULL };
  GHashTableIter iter;
  gpointer key;

  match.done = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (guint i = 0; i < n_indices; i++)
    g_hash_table_add (match.done, GUINT_TO_POINTER (indices[i] + 1));
  _concord_hubspot_read_batch_answer (answer, records->len, on_created_one, &match);

  /* What the answer does not mention was not created, as far as it says. */
  g_hash_table_iter_init (&iter, match.done);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autoptr(GError) missing = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                                       "POST " PATH_CONTACTS "/batch/create: "
                                                       "the answer does not mention this contact");

      concord_write_batch_set_error (batch, GPOINTER_TO_UINT (key) - 1, missing);
    }
  g_hash_table_unref (match.done);
}

/* ------------------------------------------------------------------------- */
/* Create: a duplicate email is a match                                      */
/* ------------------------------------------------------------------------- */

typedef struct
{
  GPtrArray *records;   /* (owned): the inputs */
  GPtrArray *results;   /* (owned) (nullable): the create's */
  GArray    *matched;   /* (owned): guint, inputs whose email HubSpot had */
} CreateState;

static void
create_state_free (CreateState *state)
{
  g_ptr_array_unref (state->records);
  g_clear_pointer (&state->results, g_ptr_array_unref);
  g_array_unref (state->matched);
  g_free (state);
}

static void
on_matched_updated_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  CreateState *state = g_task_get_task_data (task);
  g_autoptr(GPtrArray) updated = NULL;
  GError *error = NULL;

  updated = g_task_propagate_pointer (G_TASK (result), &error);
  if (updated == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  /* Each match's result is the update's, at the create's index. */
  for (guint i = 0; i < updated->len; i++)
    {
      ConcordWriteResult *from = g_ptr_array_index (updated, i);
      guint index = g_array_index (state->matched, guint, from->index);

      for (guint r = 0; r < state->results->len; r++)
        {
          ConcordWriteResult *to = g_ptr_array_index (state->results, r);

          if (to->index != index)
            continue;
          g_clear_error (&to->error);
          g_clear_pointer (&to->record, concord_record_unref);
          if (from->error != NULL)
            to->error = g_error_copy (from->error);
          if (from->record != NULL)
            to->record = concord_record_ref (from->record);
          for (guint f = 0; from->refused != NULL && f < from->refused->len; f++)
            {
              ConcordFieldRefusal *refusal = g_ptr_array_index (from->refused, f);

              concord_write_result_add_refused (to, refusal->key, g_strdup (refusal->reason));
            }
        }
    }
  g_task_return_pointer (task, g_steal_pointer (&state->results),
                         (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

static void
on_created_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (object);
  CreateState *state = g_task_get_task_data (task);
  g_autoptr(GPtrArray) changes = NULL;
  GError *error = NULL;

  state->results = g_task_propagate_pointer (G_TASK (result), &error);
  if (state->results == NULL)
    {
      g_hash_table_remove_all (self->conflicts);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  changes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);
  for (guint r = 0; r < state->results->len; r++)
    {
      ConcordWriteResult *created = g_ptr_array_index (state->results, r);
      const ConcordRecord *input = created->index < state->records->len
                                   ? g_ptr_array_index (state->records, created->index) : NULL;
      g_autofree char *id = NULL;

      if (input == NULL || created->error == NULL ||
          !g_error_matches (created->error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT))
        continue;
      /* From the batch's errors, or a create refused whole (409): its
       * message names the contact that has the email. */
      id = g_strdup (g_hash_table_lookup (self->conflicts, input));
      if (id == NULL)
        id = _concord_hubspot_existing_id_in (created->error->message);
      if (id == NULL)
        continue;
      g_debug ("create: HubSpot has that email already; writing onto the existing contact");
      g_ptr_array_add (changes, concord_record_change_new (id, (ConcordRecord *) input, NULL));
      g_array_append_val (state->matched, created->index);
    }
  g_hash_table_remove_all (self->conflicts);

  if (changes->len == 0)
    {
      g_task_return_pointer (task, g_steal_pointer (&state->results),
                             (GDestroyNotify) g_ptr_array_unref);
      g_object_unref (task);
      return;
    }

  {
    GTask *update = g_task_new (self, g_task_get_cancellable (task), on_matched_updated_cb, task);

    _concord_hubspot_update_changes (self, update, changes);
  }
}

void
concord_connector_hubspot_create_async (ConcordConnector    *connector,
                                        const char          *contact_type,
                                        GPtrArray           *records,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  GTask *task = concord_connector_task_new (connector, concord_connector_hubspot_create_async,
                                            cancellable, callback, user_data);
  CreateState *state = g_new0 (CreateState, 1);

  state->records = g_ptr_array_ref (records);
  state->matched = g_array_new (FALSE, FALSE, sizeof (guint));
  g_task_set_task_data (task, state, (GDestroyNotify) create_state_free);
  CONCORD_CONNECTOR_CLASS (_concord_hubspot_parent_class ())->create_async (
    connector, contact_type, records, cancellable, on_created_cb, task);
}
