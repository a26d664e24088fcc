/* concord-connector-mailchimp-write.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Writing Mailchimp members (see concord-connector-mailchimp.c): merge
 * values, tags and new members as Mailchimp takes them, creates in batches
 * and their answers, and the upserts of members that already exist.
 */

#define G_LOG_DOMAIN "concord-connector-mailchimp"

#include "config.h"

#include <string.h>
#include "concord-connector-mailchimp.h"
#include "concord-connector-mailchimp-private.h"
#include "concord-error.h"
#include "concord-json-private.h"
#include "concord-rest-connector.h"

/* ------------------------------------------------------------------------- */
/* Writes                                                                    */
/* ------------------------------------------------------------------------- */

gboolean
_concord_mailchimp_clears (const char * const *clear,
                           const char         *key)
{
  return clear != NULL && g_strv_contains (clear, key);
}

void
_concord_mailchimp_refuse (GPtrArray  *refused,
                           const char *key,
                           char       *reason)
{
  g_ptr_array_add (refused, g_strdup (key));
  g_ptr_array_add (refused, reason);
}

/* One merge field's value as Mailchimp takes it, or FALSE with @reason. */
static gboolean
add_merge_value (JsonBuilder                 *builder,
                 ConcordMailchimpMergeField  *field,
                 const char                  *label,
                 const ConcordValue          *value,
                 char                       **reason)
{
  g_autofree char *text = concord_value_to_string (value);
  ConcordFieldType type = field != NULL ? field->type : CONCORD_FIELD_TYPE_STRING;

  if (field != NULL && field->read_only)
    {
      *reason = g_strdup_printf ("Mailchimp's merge field %s cannot be written by Concord (it "
                                 "holds an address or a birthday)", label);
      return FALSE;
    }

  if (type == CONCORD_FIELD_TYPE_ENUM && field->choices != NULL &&
      (text == NULL || !g_strv_contains ((const char * const *) field->choices, text)))
    {
      *reason = g_strdup_printf ("“%s” is not a choice of Mailchimp's merge field %s",
                                 text != NULL ? text : "", label);
      return FALSE;
    }

  if (type == CONCORD_FIELD_TYPE_NUMBER)
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
          *reason = g_strdup_printf ("Mailchimp's merge field %s takes a number", label);
          return FALSE;
        }
      json_builder_add_double_value (builder, number);
      return TRUE;
    }

  if (type == CONCORD_FIELD_TYPE_DATE)
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
          *reason = g_strdup_printf ("Mailchimp's merge field %s takes a date", label);
          return FALSE;
        }
      json_builder_add_string_value (builder, date);
      return TRUE;
    }

  json_builder_add_string_value (builder, text != NULL ? text : "");
  return TRUE;
}

/* merge_fields{} for @set and @clear; refusals as pairs in @refused.
 * Returns whether any member was added. */
gboolean
_concord_mailchimp_add_merge_fields (ConcordConnectorMailchimp *self,
                                     JsonBuilder               *builder,
                                     const ConcordRecord       *set,
                                     const char * const        *clear,
                                     GPtrArray                 *refused)
{
  guint n = set != NULL ? concord_record_get_n_fields (set) : 0;
  guint n_clear = clear != NULL ? g_strv_length ((char **) clear) : 0;
  gboolean open = FALSE;

  for (guint i = 0; i < n + n_clear; i++)
    {
      const char *key = NULL;
      const ConcordValue *value = i < n ? concord_record_get_field_at (set, i, &key) : NULL;
      ConcordMailchimpMergeField *field = NULL;
      const char *tag;
      char *reason = NULL;

      if (i >= n)
        key = clear[i - n];
      if (key == NULL || g_str_equal (key, CONCORD_FIELD_EMAIL) ||
          g_str_equal (key, CONCORD_FIELD_STATUS) || g_str_equal (key, CONCORD_FIELD_TAGS) ||
          g_str_equal (key, CONCORD_FIELD_CREATED_AT) || g_str_equal (key, CONCORD_FIELD_UPDATED_AT))
        continue;

      tag = _concord_mailchimp_tag_of_key (self, key, &field);
      if (tag == NULL)
        {
          if (concord_field_is_custom (key))
            _concord_mailchimp_refuse (refused, key, g_strdup_printf ("The Mailchimp audience has no merge field "
                                                                      "named %s",
                                                                      key + strlen (CONCORD_FIELD_CUSTOM_PREFIX)));
          else
            _concord_mailchimp_refuse (refused, key, g_strdup ("The Mailchimp audience has no merge field for it"));
          continue;
        }

      if (!open)
        {
          json_builder_set_member_name (builder, "merge_fields");
          json_builder_begin_object (builder);
          open = TRUE;
        }
      if (value == NULL)
        {
          /* Mailchimp empties a merge field with "". */
          if (field != NULL && field->read_only)
            _concord_mailchimp_refuse (refused, key, g_strdup_printf ("Mailchimp's merge field %s cannot be written "
                                                                      "by Concord", field->label));
          else
            {
              json_builder_set_member_name (builder, tag);
              json_builder_add_string_value (builder, "");
            }
          continue;
        }

      /* Built aside: a refused value must leave no member behind. */
      {
        g_autoptr(JsonBuilder) one = json_builder_new ();
        g_autoptr(JsonNode) node = NULL;

        json_builder_begin_array (one);
        if (!add_merge_value (one, field, field != NULL ? field->label : tag, value, &reason))
          {
            _concord_mailchimp_refuse (refused, key, reason);
            continue;
          }
        json_builder_end_array (one);
        node = json_builder_get_root (one);
        json_builder_set_member_name (builder, tag);
        json_builder_add_value (builder,
                                json_node_copy (json_array_get_element (json_node_get_array (node),
                                                                        0)));
      }
    }
  if (open)
    json_builder_end_object (builder);
  return open;
}

static void
add_tag_names (JsonBuilder        *builder,
               const ConcordValue *tags)
{
  json_builder_set_member_name (builder, "tags");
  json_builder_begin_array (builder);
  for (guint i = 0; tags != NULL && tags->type == CONCORD_FIELD_TYPE_STRING_SET &&
                    tags->v.set != NULL && tags->v.set[i] != NULL; i++)
    json_builder_add_string_value (builder, tags->v.set[i]);
  json_builder_end_array (builder);
}

/* One member of the batch: status only as a new member's (the batch runs
 * with update_existing false, so it never reaches an existing member). */
static void
add_new_member (ConcordConnectorMailchimp *self,
                JsonBuilder               *builder,
                const ConcordRecord       *record,
                GPtrArray                 *refused)
{
  const char *email = concord_record_get_text (record, CONCORD_FIELD_EMAIL);
  const char *status = concord_record_get_text (record, CONCORD_FIELD_STATUS);
  const ConcordValue *tags = concord_record_get (record, CONCORD_FIELD_TAGS);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "email_address");
  json_builder_add_string_value (builder, email != NULL ? email : "");
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, concord_connector_mailchimp_status_for_new (status));
  _concord_mailchimp_add_merge_fields (self, builder, record, NULL, refused);
  if (tags != NULL && tags->type == CONCORD_FIELD_TYPE_STRING_SET)
    add_tag_names (builder, tags);
  json_builder_end_object (builder);
}

char *
concord_connector_mailchimp_create_group_key (ConcordRestConnector  *connector,
                                              const ConcordRecord   *record,
                                              GError               **error)
{
  const char *email = concord_record_get_text (record, CONCORD_FIELD_EMAIL);

  if (email == NULL || *email == '\0' || strchr (email, '@') == NULL)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA,
                           "Mailchimp needs an email address for every member");
      concord_error_set_field (*error, CONCORD_FIELD_EMAIL);
      return NULL;
    }
  return g_strdup ("members");
}

ConcordHttpRequest *
concord_connector_mailchimp_build_create_request (ConcordRestConnector *connector,
                                                  const char           *contact_type,
                                                  GPtrArray            *records,
                                                  const guint          *indices,
                                                  guint                 n_indices)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (connector);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = g_strdup_printf ("/lists/%s", contact_type);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "members");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_indices; i++)
    add_new_member (self, builder, g_ptr_array_index (records, indices[i]), refused);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "update_existing");
  json_builder_add_boolean_value (builder, FALSE);
  /* An audience's required merge fields would _concord_mailchimp_refuse every contact the
   * other app has no value for. */
  json_builder_set_member_name (builder, "skip_merge_validation");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  return _concord_mailchimp_new_request ("POST", path, "POST /lists/{id}", body);
}

static GError *
batch_error (JsonObject *item)
{
  g_autofree char *code = _concord_mailchimp_member_text (item, "error_code");
  g_autofree char *text = _concord_mailchimp_member_text (item, "error");
  g_autofree char *field = _concord_mailchimp_member_text (item, "field");
  g_autofree char *redacted = concord_http_redact (text != NULL ? text : "refused");
  GError *error;

  if (g_utf8_strlen (redacted, -1) > 200)
    {
      g_autofree char *cut = g_utf8_substring (redacted, 0, 200);

      g_free (redacted);
      redacted = g_steal_pointer (&cut);
    }

  if (g_strcmp0 (code, "ERROR_CONTACT_EXISTS") == 0)
    {
      error = g_error_new (CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                           "POST /lists/{id}: the address is already in the audience, and "
                           "Concord never overwrites an existing member's status (%s)", redacted);
      concord_error_set_field (error, CONCORD_FIELD_EMAIL);
      return error;
    }
  error = g_error_new (CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA,
                       "POST /lists/{id}: Mailchimp refused the member: %s", redacted);
  if (field == NULL || g_strcmp0 (field, "email_address") == 0)
    concord_error_set_field (error, CONCORD_FIELD_EMAIL);
  return error;
}

static GHashTable *
index_by_email (JsonObject *answer,
                const char *member)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonNode *node = answer != NULL ? json_object_get_member (answer, member) : NULL;
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return table;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      g_autofree char *email = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        continue;
      email = _concord_mailchimp_member_text (json_node_get_object (item), "email_address");
      if (email != NULL)
        {
          g_autofree char *lower = g_ascii_strdown (g_strstrip (email), -1);

          if (!g_hash_table_contains (table, lower))
            g_hash_table_insert (table, g_steal_pointer (&lower), json_node_get_object (item));
        }
    }
  return table;
}

void
concord_connector_mailchimp_match_created (ConcordRestConnector *connector,
                                           const char           *contact_type,
                                           GPtrArray            *records,
                                           const guint          *indices,
                                           guint                 n_indices,
                                           JsonNode             *answer,
                                           ConcordWriteBatch    *batch)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (connector);
  JsonObject *object = _concord_mailchimp_root_object (answer);
  g_autoptr(GHashTable) created = index_by_email (object, "new_members");
  g_autoptr(GHashTable) failed = index_by_email (object, "errors");
  g_autoptr(GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < n_indices; i++)
    {
      const ConcordRecord *input = g_ptr_array_index (records, indices[i]);
      const char *email = concord_record_get_text (input, CONCORD_FIELD_EMAIL);
      g_autofree char *lower = g_ascii_strdown (email != NULL ? email : "", -1);
      g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
      JsonObject *member;
      JsonObject *error_item;

      g_strstrip (lower);
      member = g_hash_table_lookup (created, lower);
      error_item = g_hash_table_lookup (failed, lower);

      /* Two inputs of one address: the first is the new member. */
      if (member != NULL && !g_hash_table_add (taken, g_strdup (lower)))
        {
          GError *error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                                               "POST /lists/{id}: another contact of the batch "
                                               "has the same address");

          concord_error_set_field (error, CONCORD_FIELD_EMAIL);
          concord_write_batch_set_error (batch, indices[i], error);
          continue;
        }

      if (member != NULL)
        {
          g_autoptr(ConcordRecord) record = _concord_mailchimp_parse_member (self, member);
          ConcordWriteResult *result;

          if (record == NULL)
            {
              concord_write_batch_set_error (batch, indices[i],
                                             g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                                                  "POST /lists/{id}: the answer's "
                                                                  "member is unreadable"));
              continue;
            }
          /* The refusals of the member that was sent (built again: the same). */
          {
            g_autoptr(JsonBuilder) builder = json_builder_new ();
            g_autoptr(JsonNode) unused = NULL;

            json_builder_begin_array (builder);
            add_new_member (self, builder, input, refused);
            json_builder_end_array (builder);
            unused = json_builder_get_root (builder);
          }
          result = concord_write_batch_set_ok (batch, indices[i], record);
          for (guint r = 0; r + 1 < refused->len; r += 2)
            concord_write_result_add_refused (result, g_ptr_array_index (refused, r),
                                              g_ptr_array_index (refused, r + 1));
        }
      else if (error_item != NULL)
        {
          g_autofree char *code = _concord_mailchimp_member_text (error_item, "error_code");

          /* Upserted after the batch (concord_connector_mailchimp_create_async()). */
          if (g_strcmp0 (code, "ERROR_CONTACT_EXISTS") == 0)
            g_hash_table_add (self->existing, GUINT_TO_POINTER (indices[i] + 1));
          concord_write_batch_set_error (batch, indices[i], batch_error (error_item));
        }
      else
        concord_write_batch_set_error (batch, indices[i],
                                       g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                                            "POST /lists/{id}: the answer does "
                                                            "not say what became of the member"));
    }
}

/* A create: the batch (the base's), then, for each member Mailchimp said
 * already exists (archived, or added since the listing), a PUT upsert by
 * hash with status_if_new and never status, so the contact's fields land
 * and the member's status stays as it is. */
typedef struct
{
  GPtrArray *records;   /* (owned): the inputs */
  GPtrArray *results;   /* (owned): the batch's, replaced as upserts answer */
  GArray    *pending;   /* (owned): guint input indices to upsert */
  guint      next;
  GPtrArray *refused;   /* (owned): of the upsert being sent, key and reason pairs */
} CreateState;

static void
create_state_free (CreateState *state)
{
  g_ptr_array_unref (state->records);
  g_clear_pointer (&state->results, g_ptr_array_unref);
  g_array_unref (state->pending);
  g_clear_pointer (&state->refused, g_ptr_array_unref);
  g_free (state);
}

static void upsert_next (GTask *task);

static void
replace_result (CreateState        *state,
                guint               index,
                ConcordWriteResult *result)
{
  for (guint i = 0; i < state->results->len; i++)
    if (((ConcordWriteResult *) g_ptr_array_index (state->results, i))->index == index)
      {
        concord_write_result_free (g_ptr_array_index (state->results, i));
        state->results->pdata[i] = result;
        return;
      }
  g_ptr_array_add (state->results, result);
}

static void
on_upsert_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorMailchimp *self = g_task_get_source_object (task);
  CreateState *state = g_task_get_task_data (task);
  guint index = g_array_index (state->pending, guint, state->next);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(ConcordRecord) record = NULL;
  GError *error = NULL;

  root = concord_http_client_send_json_finish (self->client, result, NULL, NULL, &error);
  if (error == NULL && (record = _concord_mailchimp_parse_member (self, _concord_mailchimp_root_object (root))) == NULL)
    error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                 "PUT /lists/{id}/members/{hash}: the answer holds no member");
  if (error != NULL && concord_rest_error_is_fatal (error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (error != NULL)
    replace_result (state, index, concord_write_result_new_error (index, error));
  else
    {
      const char *wanted = concord_record_get_text (g_ptr_array_index (state->records, index),
                                                    CONCORD_FIELD_STATUS);
      const char *got = concord_record_get_text (record, CONCORD_FIELD_STATUS);
      ConcordWriteResult *written;

      if (wanted != NULL && g_strcmp0 (concord_connector_mailchimp_status_for_new (wanted),
                                       concord_connector_mailchimp_status_for_new (got)) != 0)
        _concord_mailchimp_refuse (state->refused, CONCORD_FIELD_STATUS,
                                   g_strdup ("The member was already in the audience; Concord changes an existing "
                                             "member's status only to unsubscribe it"));
      written = concord_write_result_new_ok (index, record);

      for (guint i = 0; i + 1 < state->refused->len; i += 2)
        concord_write_result_add_refused (written, g_ptr_array_index (state->refused, i),
                                          g_ptr_array_index (state->refused, i + 1));
      replace_result (state, index, written);
    }
  state->next++;
  upsert_next (g_steal_pointer (&task));
}

/* Takes the reference on @task. */
static void
upsert_next (GTask *task)
{
  ConcordConnectorMailchimp *self = g_task_get_source_object (task);
  CreateState *state = g_task_get_task_data (task);
  const ConcordRecord *record;
  const char *email;
  const char *status;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *path = NULL;

  if (state->next >= state->pending->len)
    {
      g_task_return_pointer (task, g_steal_pointer (&state->results),
                             (GDestroyNotify) g_ptr_array_unref);
      g_object_unref (task);
      return;
    }

  record = g_ptr_array_index (state->records, g_array_index (state->pending, guint, state->next));
  email = concord_record_get_text (record, CONCORD_FIELD_EMAIL);
  status = concord_record_get_text (record, CONCORD_FIELD_STATUS);
  hash = concord_connector_mailchimp_subscriber_hash (email);
  path = _concord_mailchimp_member_path (self->list_id, hash, "?skip_merge_validation=true");

  g_clear_pointer (&state->refused, g_ptr_array_unref);
  state->refused = g_ptr_array_new_with_free_func (g_free);
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "email_address");
  json_builder_add_string_value (builder, email);
  json_builder_set_member_name (builder, "status_if_new");
  json_builder_add_string_value (builder, concord_connector_mailchimp_status_for_new (status));
  /* An unsubscribe always reaches an existing member; nothing else does. */
  if (g_strcmp0 (concord_connector_mailchimp_status_for_new (status), "unsubscribed") == 0)
    {
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, "unsubscribed");
    }
  _concord_mailchimp_add_merge_fields (self, builder, record, NULL, state->refused);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  /* Tags go on new members only; this one is not. */
  if (concord_record_get (record, CONCORD_FIELD_TAGS) != NULL)
    _concord_mailchimp_refuse (state->refused, CONCORD_FIELD_TAGS,
                               g_strdup ("The member was already in the audience; Concord writes its tags on the "
                                         "next sync"));

  concord_http_client_send_json_async (self->client,
                                       _concord_mailchimp_new_request ("PUT", path, "PUT /lists/{id}/members/{hash}",
                                                                       body),
                                                          g_task_get_cancellable (task), on_upsert_cb, task);
}

static void
on_batch_created_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (object);
  CreateState *state = g_task_get_task_data (task);
  GError *error = NULL;
  GHashTableIter iter;
  gpointer key;

  state->results = g_task_propagate_pointer (G_TASK (result), &error);
  if (state->results == NULL)
    {
      g_hash_table_remove_all (self->existing);
      g_task_return_error (task, error);
      return;
    }

  g_hash_table_iter_init (&iter, self->existing);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      guint index = GPOINTER_TO_UINT (key) - 1;

      if (index < state->records->len)
        g_array_append_val (state->pending, index);
    }
  g_hash_table_remove_all (self->existing);
  upsert_next (g_steal_pointer (&task));
}

void
concord_connector_mailchimp_create_async (ConcordConnector    *connector,
                                          const char          *contact_type,
                                          GPtrArray           *records,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (connector);
  GTask *task = concord_connector_task_new (connector, concord_connector_mailchimp_create_async,
                                            cancellable, callback, user_data);
  CreateState *state = g_new0 (CreateState, 1);

  state->records = g_ptr_array_ref (records);
  state->pending = g_array_new (FALSE, FALSE, sizeof (guint));
  g_task_set_task_data (task, state, (GDestroyNotify) create_state_free);
  g_hash_table_remove_all (self->existing);

  _concord_mailchimp_accept_list (self, contact_type);
  CONCORD_CONNECTOR_CLASS (_concord_mailchimp_parent_class ())->create_async (
    connector, contact_type, records, cancellable, on_batch_created_cb, task);
}

void
concord_connector_mailchimp_update_async (ConcordConnector    *connector,
                                          const char          *contact_type,
                                          GPtrArray           *_concord_mailchimp_changes,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  _concord_mailchimp_accept_list (CONCORD_CONNECTOR_MAILCHIMP (connector), contact_type);
  CONCORD_CONNECTOR_CLASS (_concord_mailchimp_parent_class ())->update_async (
    connector, contact_type, _concord_mailchimp_changes, cancellable, callback, user_data);
}
