/* concord-connector-pipedrive-write.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Writing Pipedrive persons (see concord-connector-pipedrive.c): their
 * values as Pipedrive's (items, option ids, custom fields), the bodies of
 * creates, and the steps of an update.
 */

#define G_LOG_DOMAIN "concord-connector-pipedrive"

#include "config.h"

#include <string.h>
#include "concord-connector-pipedrive.h"
#include "concord-connector-pipedrive-private.h"
#include "concord-error.h"
#include "concord-json-private.h"
#include "concord-rest-connector.h"

/* ------------------------------------------------------------------------- */
/* Writes                                                                    */
/* ------------------------------------------------------------------------- */

gboolean
_concord_pipedrive_clears (const char * const *clear,
                           const char         *key)
{
  return clear != NULL && g_strv_contains (clear, key);
}

static void
refuse (GPtrArray  *refused,
        const char *key,
        char       *reason)
{
  g_ptr_array_add (refused, g_strdup (key));
  g_ptr_array_add (refused, reason);
}

/* emails / phones as Pipedrive's array: the labelled set when the change
 * has it, else the single value alone; the single value is the primary. */
static void
add_items (JsonBuilder         *builder,
           const char          *member,
           const ConcordRecord *set,
           const char          *single_key,
           const char          *set_key)
{
  const ConcordValue *items = set != NULL ? concord_record_get (set, set_key) : NULL;
  const char *single = set != NULL ? concord_record_get_text (set, single_key) : NULL;
  gboolean phone = g_str_equal (member, "phones");
  gboolean primary_done = FALSE;

  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  if (items != NULL && items->type == CONCORD_FIELD_TYPE_STRING_SET)
    {
      for (guint i = 0; items->v.set != NULL && items->v.set[i] != NULL; i++)
        {
          g_autofree char *label = NULL;
          g_autofree char *value = NULL;
          gboolean primary;

          if (!concord_labelled_parse (items->v.set[i], &label, &value))
            continue;
          primary = !primary_done && (single == NULL || g_strcmp0 (value, single) == 0);
          primary_done |= primary;
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "value");
          json_builder_add_string_value (builder, value);
          json_builder_set_member_name (builder, "primary");
          json_builder_add_boolean_value (builder, primary);
          json_builder_set_member_name (builder, "label");
          json_builder_add_string_value (builder, _concord_pipedrive_label_to_api (label, phone));
          json_builder_end_object (builder);
        }
    }
  if (!primary_done && single != NULL)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "value");
      json_builder_add_string_value (builder, single);
      json_builder_set_member_name (builder, "primary");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_set_member_name (builder, "label");
      json_builder_add_string_value (builder, "work");
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

/* The option id of @label in @field, or NULL. */
static const char *
option_id (ConcordPipedrivePersonField *field,
           const char                  *label)
{
  GHashTableIter iter;
  gpointer id, value;

  if (field->options == NULL || label == NULL)
    return NULL;
  g_hash_table_iter_init (&iter, field->options);
  while (g_hash_table_iter_next (&iter, &id, &value))
    if (g_str_equal (value, label))
      return id;
  return NULL;
}

static void
add_id (JsonBuilder *builder,
        const char  *id)
{
  json_builder_add_int_value (builder, g_ascii_strtoll (id, NULL, 10));
}

/* One custom value in v2's strict types; FALSE (with @reason) when it
 * cannot be written. */
static gboolean
add_custom_value (JsonBuilder                  *builder,
                  ConcordPipedrivePersonField  *field,
                  const ConcordValue           *value,
                  char                        **reason)
{
  g_autofree char *text = concord_value_to_string (value);

  if (field->read_only)
    {
      *reason = g_strdup_printf ("Pipedrive's field %s cannot be written by Concord (its type "
                                 "holds more than one value)", field->label);
      return FALSE;
    }

  if (field->multi)
    {
      g_autoptr(GPtrArray) ids = g_ptr_array_new ();
      const char * const *labels = value->type == CONCORD_FIELD_TYPE_STRING_SET
                                   ? (const char * const *) value->v.set : NULL;
      const char *single[] = { text, NULL };

      if (labels == NULL)
        labels = single;
      for (guint i = 0; labels[i] != NULL; i++)
        {
          const char *id = option_id (field, labels[i]);

          if (id == NULL)
            {
              *reason = g_strdup_printf ("“%s” is not an option of Pipedrive's field %s",
                                         labels[i], field->label);
              return FALSE;
            }
          g_ptr_array_add (ids, (gpointer) id);
        }
      json_builder_begin_array (builder);
      for (guint i = 0; i < ids->len; i++)
        add_id (builder, g_ptr_array_index (ids, i));
      json_builder_end_array (builder);
      return TRUE;
    }

  if (field->type == CONCORD_FIELD_TYPE_ENUM)
    {
      const char *id = option_id (field, text);

      if (id == NULL)
        {
          *reason = g_strdup_printf ("“%s” is not an option of Pipedrive's field %s",
                                     text != NULL ? text : "", field->label);
          return FALSE;
        }
      add_id (builder, id);
      return TRUE;
    }

  if (field->type == CONCORD_FIELD_TYPE_NUMBER)
    {
      double number;
      char *end = NULL;

      if (value->type == CONCORD_FIELD_TYPE_NUMBER)
        number = value->v.number;
      else if (text != NULL && (number = g_ascii_strtod (text, &end), end != text) &&
               *g_strstrip (end) == '\0')
        ;
      else
        {
          *reason = g_strdup_printf ("Pipedrive's field %s takes a number", field->label);
          return FALSE;
        }
      json_builder_add_double_value (builder, number);
      return TRUE;
    }

  if (field->type == CONCORD_FIELD_TYPE_DATE)
    {
      g_autofree char *date = NULL;

      if (value->type == CONCORD_FIELD_TYPE_DATETIME)
        {
          g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (value->v.datetime);

          date = when != NULL ? g_date_time_format (when, "%Y-%m-%d") : NULL;
        }
      else if (text != NULL && concord_rest_parse_datetime (text) >= 0)
        date = g_strndup (text, 10);
      if (date == NULL)
        {
          *reason = g_strdup_printf ("Pipedrive's field %s takes a date", field->label);
          return FALSE;
        }
      json_builder_add_string_value (builder, date);
      return TRUE;
    }

  json_builder_add_string_value (builder, text != NULL ? text : "");
  return TRUE;
}

static void
add_custom_fields (ConcordConnectorPipedrive *self,
                   JsonBuilder               *builder,
                   const ConcordRecord       *set,
                   const char * const        *clear,
                   GPtrArray                 *refused)
{
  guint n = set != NULL ? concord_record_get_n_fields (set) : 0;
  gboolean open = FALSE;

  for (guint i = 0; i < n + (clear != NULL ? g_strv_length ((char **) clear) : 0); i++)
    {
      const char *key = NULL;
      const ConcordValue *value = i < n ? concord_record_get_field_at (set, i, &key) : NULL;
      ConcordPipedrivePersonField *field;
      char *reason = NULL;

      if (i >= n)
        key = clear[i - n];
      if (key == NULL || !concord_field_is_custom (key))
        continue;

      field = self->fields_by_name != NULL ? g_hash_table_lookup (self->fields_by_name, key)
                                           : NULL;
      if (field == NULL)
        {
          refuse (refused, key, g_strdup_printf ("Pipedrive has no person field named %s",
                                                 key + strlen (CONCORD_FIELD_CUSTOM_PREFIX)));
          continue;
        }
      if (field->read_only)
        {
          refuse (refused, key, g_strdup_printf ("Pipedrive's field %s cannot be written by "
                                                 "Concord", field->label));
          continue;
        }

      if (!open)
        {
          json_builder_set_member_name (builder, "custom_fields");
          json_builder_begin_object (builder);
          open = TRUE;
        }
      if (value == NULL)
        {
          json_builder_set_member_name (builder, field->key);
          json_builder_add_null_value (builder);
          continue;
        }

      /* Built aside: a refused value must leave no member behind. */
      {
        g_autoptr(JsonBuilder) one = json_builder_new ();
        g_autoptr(JsonNode) node = NULL;

        json_builder_begin_array (one);
        if (!add_custom_value (one, field, value, &reason))
          {
            refuse (refused, key, reason);
            continue;
          }
        json_builder_end_array (one);
        node = json_builder_get_root (one);
        json_builder_set_member_name (builder, field->key);
        json_builder_add_value (builder,
                                json_node_copy (json_array_get_element (json_node_get_array (node),
                                                                        0)));
      }
    }
  if (open)
    json_builder_end_object (builder);
}

/* The members of a person's body for @set and @clear (the name is the
 * caller's); refusals as pairs of key and reason in @refused. */
static void
add_person_members (ConcordConnectorPipedrive *self,
                    JsonBuilder               *builder,
                    const ConcordRecord       *set,
                    const char * const        *clear,
                    GPtrArray                 *refused)
{
  const char *company = set != NULL ? concord_record_get_text (set, CONCORD_FIELD_COMPANY) : NULL;
  const char *status = set != NULL ? concord_record_get_text (set, CONCORD_FIELD_STATUS) : NULL;
  const ConcordValue *tags = set != NULL ? concord_record_get (set, CONCORD_FIELD_TAGS) : NULL;

  if ((set != NULL && (concord_record_get (set, CONCORD_FIELD_EMAIL) != NULL ||
                       concord_record_get (set, CONCORD_FIELD_EMAILS) != NULL)) ||
      _concord_pipedrive_clears (clear, CONCORD_FIELD_EMAIL) || _concord_pipedrive_clears (clear, CONCORD_FIELD_EMAILS))
    add_items (builder, "emails", set, CONCORD_FIELD_EMAIL, CONCORD_FIELD_EMAILS);
  if ((set != NULL && (concord_record_get (set, CONCORD_FIELD_PHONE) != NULL ||
                       concord_record_get (set, CONCORD_FIELD_PHONES) != NULL)) ||
      _concord_pipedrive_clears (clear, CONCORD_FIELD_PHONE) || _concord_pipedrive_clears (clear, CONCORD_FIELD_PHONES))
    add_items (builder, "phones", set, CONCORD_FIELD_PHONE, CONCORD_FIELD_PHONES);

  if (company != NULL && *company != '\0')
    {
      const char *org_id = self->org_ids != NULL ? g_hash_table_lookup (self->org_ids, company)
                                                 : NULL;

      if (org_id == NULL)
        refuse (refused, CONCORD_FIELD_COMPANY,
                g_strdup ("Pipedrive did not create the organisation of that name"));
      else
        {
          json_builder_set_member_name (builder, "org_id");
          add_id (builder, org_id);
        }
    }
  else if (_concord_pipedrive_clears (clear, CONCORD_FIELD_COMPANY) || (company != NULL && *company == '\0'))
    {
      json_builder_set_member_name (builder, "org_id");
      json_builder_add_null_value (builder);
    }

  if ((tags != NULL && tags->type == CONCORD_FIELD_TYPE_STRING_SET) ||
      _concord_pipedrive_clears (clear, CONCORD_FIELD_TAGS))
    {
      g_autoptr(GPtrArray) ids = g_ptr_array_new ();
      const char *missing = NULL;

      for (guint i = 0; tags != NULL && tags->v.set != NULL && tags->v.set[i] != NULL; i++)
        {
          const char *id = NULL;
          GHashTableIter iter;
          gpointer key, value;

          if (self->labels != NULL)
            {
              g_hash_table_iter_init (&iter, self->labels);
              while (id == NULL && g_hash_table_iter_next (&iter, &key, &value))
                if (g_str_equal (value, tags->v.set[i]))
                  id = key;
            }
          if (id == NULL)
            missing = tags->v.set[i];
          else
            g_ptr_array_add (ids, (gpointer) id);
        }
      if (missing != NULL)
        refuse (refused, CONCORD_FIELD_TAGS,
                g_strdup_printf ("Pipedrive has no person label named “%s”; labels are made in "
                                 "Pipedrive's settings", missing));
      else
        {
          json_builder_set_member_name (builder, "label_ids");
          json_builder_begin_array (builder);
          for (guint i = 0; i < ids->len; i++)
            add_id (builder, g_ptr_array_index (ids, i));
          json_builder_end_array (builder);
        }
    }

  if (status != NULL && _concord_pipedrive_status_to_api (status) == NULL)
    refuse (refused, CONCORD_FIELD_STATUS,
            g_strdup_printf ("Pipedrive has no marketing status for “%s”", status));
  else if (status != NULL)
    {
      json_builder_set_member_name (builder, "marketing_status");
      json_builder_add_string_value (builder, _concord_pipedrive_status_to_api (status));
    }

  add_custom_fields (self, builder, set, clear, refused);
}

/* "First Last", from the change and, for what it leaves alone, @current. */
static char *
compose_name (const ConcordRecord *set,
              const char * const  *clear,
              const ConcordRecord *current)
{
  const char *first = set != NULL ? concord_record_get_text (set, CONCORD_FIELD_FIRST_NAME) : NULL;
  const char *last = set != NULL ? concord_record_get_text (set, CONCORD_FIELD_LAST_NAME) : NULL;

  if (first == NULL && !_concord_pipedrive_clears (clear, CONCORD_FIELD_FIRST_NAME) && current != NULL)
    first = concord_record_get_text (current, CONCORD_FIELD_FIRST_NAME);
  if (last == NULL && !_concord_pipedrive_clears (clear, CONCORD_FIELD_LAST_NAME) && current != NULL)
    last = concord_record_get_text (current, CONCORD_FIELD_LAST_NAME);

  if (first != NULL && *first != '\0' && last != NULL && *last != '\0')
    return g_strdup_printf ("%s %s", first, last);
  if (first != NULL && *first != '\0')
    return g_strdup (first);
  if (last != NULL && *last != '\0')
    return g_strdup (last);
  return NULL;
}

static JsonNode *
create_body (ConcordConnectorPipedrive *self,
             const ConcordRecord       *record,
             GPtrArray                 *refused)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *name = compose_name (record, NULL, NULL);
  const char *email = concord_record_get_text (record, CONCORD_FIELD_EMAIL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  /* name is required: the address stands in for a person without one. */
  json_builder_add_string_value (builder, name != NULL ? name : email != NULL ? email : "—");
  add_person_members (self, builder, record, NULL, refused);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

ConcordHttpRequest *
concord_connector_pipedrive_build_create_request (ConcordRestConnector *connector,
                                                  const char           *contact_type,
                                                  GPtrArray            *records,
                                                  const guint          *indices,
                                                  guint                 n_indices)
{
  ConcordConnectorPipedrive *self = CONCORD_CONNECTOR_PIPEDRIVE (connector);
  g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonNode) body = NULL;

  /* No batch endpoint: max_batch is 1. */
  g_assert (n_indices == 1);
  body = create_body (self, g_ptr_array_index (records, indices[0]), refused);
  return _concord_pipedrive_new_request ("POST", "/api/v2/persons", "POST /api/v2/persons", body);
}

void
concord_connector_pipedrive_match_created (ConcordRestConnector *connector,
                                           const char           *contact_type,
                                           GPtrArray            *records,
                                           const guint          *indices,
                                           guint                 n_indices,
                                           JsonNode             *answer,
                                           ConcordWriteBatch    *batch)
{
  ConcordConnectorPipedrive *self = CONCORD_CONNECTOR_PIPEDRIVE (connector);
  const ConcordRecord *input = g_ptr_array_index (records, indices[0]);
  g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(ConcordRecord) record = _concord_pipedrive_parse_person (self, _concord_pipedrive_unwrap (answer));
  ConcordWriteResult *result;

  /* The refusals of the body that was sent (built again: it is the same). */
  json_node_unref (create_body (self, input, refused));

  if (record == NULL)
    {
      concord_write_batch_set_error (batch, indices[0],
                                     g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                                          "POST /api/v2/persons: the answer "
                                                          "holds no person"));
      return;
    }

  result = concord_write_batch_set_ok (batch, indices[0], record);
  for (guint i = 0; i + 1 < refused->len; i += 2)
    concord_write_result_add_refused (result, g_ptr_array_index (refused, i),
                                      g_ptr_array_index (refused, i + 1));
}

typedef enum
{
  STEP_READ,
  STEP_PATCH,
  STEP_DONE,
} UpdateStep;

static gboolean
needs_current (const ConcordRecordChange *change)
{
  const ConcordRecord *set = change->set;
  gboolean first = (set != NULL && concord_record_get (set, CONCORD_FIELD_FIRST_NAME) != NULL) ||
                   _concord_pipedrive_clears ((const char * const *) change->clear, CONCORD_FIELD_FIRST_NAME);
  gboolean last = (set != NULL && concord_record_get (set, CONCORD_FIELD_LAST_NAME) != NULL) ||
                  _concord_pipedrive_clears ((const char * const *) change->clear, CONCORD_FIELD_LAST_NAME);

  return first != last;
}

static ConcordHttpRequest *
patch_request (ConcordConnectorPipedrive *self,
               ConcordRestUpdate         *update,
               const ConcordRecord       *current)
{
  const ConcordRecordChange *change = update->change;
  const char * const *clear = (const char * const *) change->clear;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = g_strdup_printf ("/api/v2/persons/%s?include_fields=marketing_status",
                                           change->remote_id);
  gboolean names = (change->set != NULL &&
                    (concord_record_get (change->set, CONCORD_FIELD_FIRST_NAME) != NULL ||
                     concord_record_get (change->set, CONCORD_FIELD_LAST_NAME) != NULL)) ||
                   _concord_pipedrive_clears (clear, CONCORD_FIELD_FIRST_NAME) ||
                   _concord_pipedrive_clears (clear, CONCORD_FIELD_LAST_NAME);

  json_builder_begin_object (builder);
  if (names)
    {
      g_autofree char *name = compose_name (change->set, clear, current);

      if (name != NULL)
        {
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, name);
        }
      else
        refuse (refused, CONCORD_FIELD_FIRST_NAME,
                g_strdup ("Pipedrive needs a name for every person"));
    }
  add_person_members (self, builder, change->set, clear, refused);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  for (guint i = 0; i + 1 < refused->len; i += 2)
    concord_rest_update_refuse (update, g_ptr_array_index (refused, i),
                                g_strdup (g_ptr_array_index (refused, i + 1)));

  update->step = STEP_PATCH;
  return _concord_pipedrive_new_request ("PATCH", path, "PATCH /api/v2/persons/{id}", body);
}

/* Pipedrive ignores a forbidden marketing_status change: the echo says. */
static void
check_status_echo (ConcordConnectorPipedrive *self,
                   ConcordRestUpdate         *update,
                   JsonNode                  *answer)
{
  const char *wanted = update->change->set != NULL
                       ? concord_record_get_text (update->change->set, CONCORD_FIELD_STATUS)
                       : NULL;
  g_autofree char *echoed = wanted != NULL ? _concord_pipedrive_member_text (_concord_pipedrive_unwrap (answer), "marketing_status")
                                           : NULL;

  if (wanted == NULL || _concord_pipedrive_status_to_api (wanted) == NULL)
    return;
  if (g_strcmp0 (echoed, _concord_pipedrive_status_to_api (wanted)) != 0)
    concord_rest_update_refuse (update, CONCORD_FIELD_STATUS,
                                g_strdup_printf ("Pipedrive changes a person's marketing status "
                                                 "only once away from a value, and kept %s",
                                                 echoed != NULL ? echoed : "none"));
}

ConcordHttpRequest *
concord_connector_pipedrive_update_step (ConcordRestConnector  *connector,
                                         ConcordRestUpdate     *update,
                                         JsonNode              *answer,
                                         GError               **error)
{
  ConcordConnectorPipedrive *self = CONCORD_CONNECTOR_PIPEDRIVE (connector);
  const ConcordRecordChange *change = update->change;

  if (update->failure != NULL)
    return NULL;

  if (answer == NULL && update->step == STEP_READ && update->data == NULL)
    {
      g_autofree char *path = NULL;

      if (!_concord_pipedrive_is_id (change->remote_id))
        {
          g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                               "PATCH /api/v2/persons/{id}: not a Pipedrive person id");
          return NULL;
        }
      if (!needs_current (change))
        return patch_request (self, update, NULL);

      /* Mark the read as sent. */
      update->data = GUINT_TO_POINTER (1);
      path = g_strdup_printf ("/api/v2/persons/%s", change->remote_id);
      return _concord_pipedrive_new_request ("GET", path, "GET /api/v2/persons/{id}", NULL);
    }

  if (update->step == STEP_READ)
    {
      g_autoptr(ConcordRecord) current = _concord_pipedrive_parse_person (self, _concord_pipedrive_unwrap (answer));

      if (current == NULL)
        {
          g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                               "GET /api/v2/persons/{id}: the person is gone");
          return NULL;
        }
      return patch_request (self, update, current);
    }

  check_status_echo (self, update, answer);
  update->step = STEP_DONE;
  return NULL;
}
