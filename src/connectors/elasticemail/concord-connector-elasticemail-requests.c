/* concord-connector-elasticemail-requests.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Elastic Email's requests (see concord-connector-elasticemail.c): listing,
 * fetch by id and chunked creates, and the steps of an update (the status
 * check, the unsubscribe, the profile PUT, the list changes and the echo).
 */

#define G_LOG_DOMAIN "concord-connector-elasticemail"

#include "config.h"

#include <string.h>
#include "concord-connector-elasticemail.h"
#include "concord-connector-elasticemail-private.h"
#include "concord-error.h"
#include "concord-json-private.h"
#include "concord-rest-connector.h"

/* ------------------------------------------------------------------------- */
/* List, fetch, create                                                       */
/* ------------------------------------------------------------------------- */

ConcordHttpRequest *
concord_connector_elasticemail_build_list_request (ConcordRestConnector  *connector,
                                                   const char            *contact_type,
                                                   const char            *page_token,
                                                   GError               **error)
{
  g_autofree char *path = NULL;
  guint64 offset = 0;

  if (page_token != NULL &&
      !g_ascii_string_to_unsigned (page_token, 10, 0, G_MAXINT32, &offset, NULL))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "Invalid page token for Elastic Email");
      return NULL;
    }

  path = g_strdup_printf ("/contacts?limit=%u&offset=%" G_GUINT64_FORMAT, PAGE_LIMIT, offset);
  return concord_http_request_new ("GET", path, "GET /contacts");
}

gboolean
concord_connector_elasticemail_parse_page (ConcordRestConnector  *connector,
                                           const char            *contact_type,
                                           const char            *page_token,
                                           JsonNode              *root,
                                           SoupMessageHeaders    *headers,
                                           ConcordPage           *page,
                                           GError               **error)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (connector);
  JsonArray *array = concord_rest_json_array (root, "GET /contacts", error);
  guint n;

  if (array == NULL)
    return FALSE;

  n = json_array_get_length (array);
  if (n > PAGE_LIMIT)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "GET /contacts failed: the server sent %u contacts for a page of %u; the "
                   "listing stops", n, PAGE_LIMIT);
      return FALSE;
    }

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      ConcordRecord *record = _concord_connector_elasticemail_parse_contact (self, node);
      JsonNode *email = NULL;
      g_autofree char *id = NULL;

      if (record != NULL)
        {
          g_ptr_array_add (page->records, record);
          continue;
        }

      /* Left out, as before; named for the activity: by its Email, which
       * is the contact's name in Elastic Email, else by its place. */
      if (JSON_NODE_HOLDS_OBJECT (node))
        email = json_object_get_member (json_node_get_object (node), "Email");
      if (email != NULL && JSON_NODE_HOLDS_VALUE (email) &&
          json_node_get_value_type (email) == G_TYPE_STRING &&
          *json_node_get_string (email) != '\0')
        {
          const char *text = json_node_get_string (email);

          id = concord_http_cut_text (text, MAX_EMAIL_BYTES);
          concord_page_add_refusal (page, id != NULL ? id : text,
                                    "its Email is not an email address");
        }
      else
        {
          id = g_strdup_printf ("contact %" G_GUINT64_FORMAT " of the listing",
                                (guint64) concord_rest_page_token_number (page_token) + i + 1);
          concord_page_add_refusal (page, id, JSON_NODE_HOLDS_OBJECT (node)
                                              ? "it has no Email"
                                              : "it is not a contact object");
        }
    }

  return concord_rest_page_next_offset (connector, page, page_token, n, error);
}

ConcordRecord *
concord_connector_elasticemail_record_from_json (ConcordRestConnector *connector,
                                                 const char           *contact_type,
                                                 JsonNode             *node)
{
  return _concord_connector_elasticemail_parse_contact (CONCORD_CONNECTOR_ELASTICEMAIL (connector), node);
}

ConcordHttpRequest *
concord_connector_elasticemail_build_fetch_request (ConcordRestConnector *connector,
                                                    const char           *contact_type,
                                                    const char           *remote_id)
{
  g_autofree char *escaped = _concord_elasticemail_escape_segment (remote_id);
  g_autofree char *path = g_strconcat ("/contacts/", escaped, NULL);

  return concord_http_request_new ("GET", path, "GET /contacts/{email}");
}

ConcordHttpRequest *
concord_connector_elasticemail_build_verify_request (ConcordRestConnector *connector)
{
  return concord_http_request_new ("GET", "/contacts?limit=1", "GET /contacts");
}

gboolean
concord_connector_elasticemail_check_verify_answer (ConcordRestConnector  *connector,
                                                    JsonNode              *root,
                                                    GError               **error)
{
  return concord_rest_json_array (root, "GET /contacts", error) != NULL;
}

static GStrv
record_lists (const ConcordRecord *record)
{
  const ConcordValue *value = concord_record_get (record, CONCORD_FIELD_LISTS);

  if (value == NULL || value->type != CONCORD_FIELD_TYPE_STRING_SET || value->v.set == NULL ||
      value->v.set[0] == NULL)
    return NULL;

  return g_strdupv (value->v.set);
}

/* Creates are grouped by list set: listnames applies to a whole request. */
char *
concord_connector_elasticemail_create_group_key (ConcordRestConnector  *connector,
                                                 const ConcordRecord   *record,
                                                 GError               **error)
{
  const char *email = concord_record_get_text (record, CONCORD_FIELD_EMAIL);
  g_auto(GStrv) lists = record_lists (record);

  if (email == NULL || !concord_email_is_valid (email))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "Elastic Email needs a valid email address for a contact");
      return NULL;
    }

  /* Sets are sorted and distinct: equal sets join to equal keys. */
  return lists != NULL ? g_strjoinv ("\x1f", lists) : g_strdup ("");
}

static void
add_member (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  if (value == NULL)
    return;

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

ConcordHttpRequest *
concord_connector_elasticemail_build_create_request (ConcordRestConnector *connector,
                                                     const char           *contact_type,
                                                     GPtrArray            *records,
                                                     const guint          *indices,
                                                     guint                 n_indices)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GString) path = g_string_new ("/contacts");
  g_auto(GStrv) lists = record_lists (g_ptr_array_index (records, indices[0]));
  ConcordHttpRequest *request;

  for (guint l = 0; lists != NULL && lists[l] != NULL; l++)
    {
      g_autofree char *escaped = _concord_elasticemail_escape_segment (lists[l]);

      g_string_append_printf (path, "%slistnames=%s", l == 0 ? "?" : "&", escaped);
    }

  json_builder_begin_array (builder);
  for (guint i = 0; i < n_indices; i++)
    {
      const ConcordRecord *record = g_ptr_array_index (records, indices[i]);
      const char *status = concord_record_get_text (record, CONCORD_FIELD_STATUS);
      const char *consent = concord_record_get_text (record, CONCORD_FIELD_CONSENT);

      json_builder_begin_object (builder);
      add_member (builder, "Email", concord_record_get_text (record, CONCORD_FIELD_EMAIL));
      for (guint t = 0; t < G_N_ELEMENTS (_concord_elasticemail_text_members); t++)
        if (_concord_elasticemail_text_members[t].writable)
          add_member (builder, _concord_elasticemail_text_members[t].member,
                      concord_record_get_text (record, _concord_elasticemail_text_members[t].key));
      add_member (builder, "Status", status != NULL ? _concord_elasticemail_status_to_api (status) : NULL);
      if (consent != NULL && _concord_elasticemail_consent_to_api (consent) != NULL)
        {
          json_builder_set_member_name (builder, "Consent");
          json_builder_begin_object (builder);
          add_member (builder, "ConsentTracking", _concord_elasticemail_consent_to_api (consent));
          json_builder_end_object (builder);
        }
      concord_rest_json_add_custom_fields (builder, "CustomFields", record, NULL);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  request = concord_http_request_new ("POST", path->str, "POST /contacts");
  concord_http_request_set_flags (request, CONCORD_HTTP_IDEMPOTENT);
  concord_http_request_set_json (request, root);
  return request;
}

void
concord_connector_elasticemail_match_created (ConcordRestConnector *connector,
                                              const char           *contact_type,
                                              GPtrArray            *records,
                                              const guint          *indices,
                                              guint                 n_indices,
                                              JsonNode             *answer,
                                              ConcordWriteBatch    *batch)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (connector);
  g_autoptr(GHashTable) echoed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) lists = record_lists (g_ptr_array_index (records, indices[0]));
  g_autoptr(GError) error = NULL;
  JsonArray *array = concord_rest_json_array (answer, "POST /contacts", &error);

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      char *email = _concord_elasticemail_node_email (json_array_get_element (array, i));

      if (email != NULL)
        g_hash_table_replace (echoed, email, json_array_get_element (array, i));
    }

  for (guint i = 0; i < n_indices; i++)
    {
      const ConcordRecord *input = g_ptr_array_index (records, indices[i]);
      g_autofree char *key = concord_email_fold (concord_record_get_text (input,
                                                                          CONCORD_FIELD_EMAIL));
      JsonNode *node = key != NULL ? g_hash_table_lookup (echoed, key) : NULL;
      g_autoptr(ConcordRecord) record = NULL;
      g_autoptr(GError) refused = NULL;
      const char *dropped;

      if (error != NULL)
        refused = g_error_copy (error);
      else if (node == NULL)
        refused = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_FAILED,
                                       "POST /contacts: Elastic Email did not store the contact");
      else if ((dropped = concord_rest_find_dropped_custom_field (input, node,
                                                                  "CustomFields")) != NULL)
        refused = g_error_new (CONCORD_ERROR, CONCORD_ERROR_FAILED,
                               "POST /contacts: the account has no custom field %s", dropped);
      else if ((record = _concord_connector_elasticemail_parse_contact (self, node)) == NULL)
        refused = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                       "POST /contacts: the echoed contact has no email");
      if (refused != NULL)
        {
          concord_write_batch_set_error (batch, indices[i], refused);
          continue;
        }

      /* The server does not echo memberships; they are what we asked for. */
      for (guint l = 0; self->membership != NULL && lists != NULL && lists[l] != NULL; l++)
        _concord_elasticemail_membership_add (self->membership, key, lists[l]);
      if (lists != NULL)
        concord_record_set_set (record, CONCORD_FIELD_LISTS, (const char * const *) lists);
      else
        concord_record_remove (record, CONCORD_FIELD_LISTS);

      concord_write_batch_set_ok (batch, indices[i], record);
    }
}

/* ------------------------------------------------------------------------- */
/* Update                                                                    */
/* ------------------------------------------------------------------------- */

typedef enum
{
  STEP_CHECK_STATUS,
  STEP_UNSUBSCRIBE,
  STEP_PUT,
  STEP_LISTS,
  STEP_ECHO,
} UpdateStep;

/* One change's own state (ConcordRestUpdate.data); its step is update->step. */
typedef struct
{
  char      *email;        /* (owned): folded */
  char      *escaped;      /* (owned): @email for a path */
  char      *want_status;  /* (owned) (nullable): canonical */
  char      *want_consent; /* (owned) (nullable): canonical */
  GPtrArray *list_ops;     /* (owned) (nullable): "+name" / "-name" */
  guint      list_op;
} UpdateOp;

static void
update_op_free (UpdateOp *op)
{
  g_free (op->email);
  g_free (op->escaped);
  g_free (op->want_status);
  g_free (op->want_consent);
  g_clear_pointer (&op->list_ops, g_ptr_array_unref);
  g_free (op);
}

/* The PUT body, or NULL when the change touches no updatable field. */
static JsonNode *
update_payload (const ConcordRecordChange *change)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const ConcordRecord *set = change->set;
  gboolean any = FALSE;

  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (_concord_elasticemail_text_members); i++)
    {
      const char *key = _concord_elasticemail_text_members[i].key;
      const char *text = set != NULL ? concord_record_get_text (set, key) : NULL;

      if (_concord_elasticemail_text_members[i].writable && (text != NULL || _concord_elasticemail_change_clears (change, key)))
        {
          add_member (builder, _concord_elasticemail_text_members[i].member, text != NULL ? text : "");
          any = TRUE;
        }
    }
  any |= concord_rest_json_add_custom_fields (builder, "CustomFields", set,
                                              (const char * const *) change->clear);
  json_builder_end_object (builder);

  return any ? json_builder_get_root (builder) : NULL;
}

/* Status and consent cannot be written (but for unsubscribing): a change
 * is refused for that field alone unless the contact has the value. */
static void
update_op_check_status (ConcordConnectorElasticEmail *self,
                        ConcordRestUpdate            *update,
                        JsonNode                     *root)
{
  UpdateOp *op = update->data;
  g_autoptr(ConcordRecord) current = _concord_connector_elasticemail_parse_contact (self, root);
  const char *status = current != NULL ? concord_record_get_text (current, CONCORD_FIELD_STATUS)
                                       : NULL;
  const char *consent = current != NULL ? concord_record_get_text (current, CONCORD_FIELD_CONSENT)
                                        : NULL;

  /* ConsentTracking defaults to Unknown. */
  if (op->want_consent != NULL && g_strcmp0 (consent ?: "unknown", op->want_consent) != 0)
    concord_rest_update_refuse (update, CONCORD_FIELD_CONSENT,
                                g_strdup_printf ("Elastic Email does not allow changing the "
                                                 "consent to %s through its API",
                                                 op->want_consent));

  if (op->want_status != NULL && g_strcmp0 (status, op->want_status) != 0 &&
      g_strcmp0 (op->want_status, "unsubscribed") != 0)
    {
      concord_rest_update_refuse (update, CONCORD_FIELD_STATUS,
                                  g_strdup_printf ("Elastic Email does not allow changing the "
                                                   "status to %s through its API",
                                                   op->want_status));
      g_clear_pointer (&op->want_status, g_free);
    }
  if (g_strcmp0 (status, op->want_status) == 0)
    g_clear_pointer (&op->want_status, g_free);
  g_clear_pointer (&op->want_consent, g_free);
}

/* The request of the first step from update->step on that has work to do. */
static ConcordHttpRequest *
update_op_next (ConcordRestUpdate *update)
{
  UpdateOp *op = update->data;
  g_autofree char *path = g_strconcat ("/contacts/", op->escaped, NULL);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;

  if (update->step == STEP_CHECK_STATUS &&
      ((op->want_status != NULL && g_strcmp0 (op->want_status, "unsubscribed") != 0) ||
       op->want_consent != NULL))
    return _concord_elasticemail_new_request ("GET", path, "GET /contacts/{email}", NULL);

  if (update->step <= STEP_UNSUBSCRIBE && g_strcmp0 (op->want_status, "unsubscribed") == 0)
    {
      update->step = STEP_UNSUBSCRIBE;
      json_builder_begin_array (builder);
      json_builder_add_string_value (builder, op->email);
      json_builder_end_array (builder);
      body = json_builder_get_root (builder);
      return _concord_elasticemail_new_request ("POST", "/suppressions/unsubscribes",
                                                "POST /suppressions/unsubscribes", body);
    }

  if (update->step <= STEP_PUT && (body = update_payload (update->change)) != NULL)
    {
      update->step = STEP_PUT;
      return _concord_elasticemail_new_request ("PUT", path, "PUT /contacts/{email}", body);
    }

  if (update->step <= STEP_LISTS && op->list_ops != NULL && op->list_op < op->list_ops->len)
    {
      const char *op_text = g_ptr_array_index (op->list_ops, op->list_op);
      g_autofree char *escaped = _concord_elasticemail_escape_segment (op_text + 1);
      g_autofree char *list_path = g_strconcat ("/lists/", escaped, "/contacts",
                                                op_text[0] == '+' ? NULL : "/remove", NULL);

      update->step = STEP_LISTS;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "Emails");
      json_builder_begin_array (builder);
      json_builder_add_string_value (builder, op->email);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      body = json_builder_get_root (builder);
      return _concord_elasticemail_new_request ("POST", list_path,
                                                op_text[0] == '+' ? "POST /lists/{name}/contacts"
                                                                  : "POST /lists/{name}/contacts/remove",
                                                body);
    }

  update->step = STEP_ECHO;
  return _concord_elasticemail_new_request ("GET", path, "GET /contacts/{email}", NULL);
}

/* Prepares one change; FALSE (with @error) when it cannot be made at all. */
static gboolean
update_op_prepare (ConcordConnectorElasticEmail  *self,
                   ConcordRestUpdate             *update,
                   GError                       **error)
{
  UpdateOp *op = g_new0 (UpdateOp, 1);
  const ConcordRecord *set = update->change->set;
  const char *text;
  const ConcordValue *lists_value;

  update->data = op;
  update->data_free = (GDestroyNotify) update_op_free;
  op->email = concord_email_fold (update->change->remote_id);
  if (op->email == NULL)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "The change has no remote id");
      return FALSE;
    }
  op->escaped = _concord_elasticemail_escape_segment (op->email);

  if (set != NULL && (text = concord_record_get_text (set, CONCORD_FIELD_EMAIL)) != NULL &&
      !concord_value_equal (concord_record_get (set, CONCORD_FIELD_EMAIL),
                            &(ConcordValue) { .type = CONCORD_FIELD_TYPE_EMAIL,
                                              .v.text = op->email }))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                           "Elastic Email does not allow changing a contact's email address");
      return FALSE;
    }

  if (set != NULL && (text = concord_record_get_text (set, CONCORD_FIELD_STATUS)) != NULL)
    op->want_status = g_strdup (_concord_elasticemail_status_to_canonical (text) != NULL ? _concord_elasticemail_status_to_canonical (text)
                                                                    : text);

  if (set != NULL && (text = concord_record_get_text (set, CONCORD_FIELD_CONSENT)) != NULL)
    op->want_consent = g_ascii_strdown (text, -1);

  lists_value = set != NULL ? concord_record_get (set, CONCORD_FIELD_LISTS) : NULL;
  if (_concord_elasticemail_change_touches_lists (update->change))
    {
      GHashTable *current = self->membership != NULL
                            ? g_hash_table_lookup (self->membership, op->email) : NULL;
      const char * const *wanted = (lists_value != NULL &&
                                    lists_value->type == CONCORD_FIELD_TYPE_STRING_SET)
                                   ? (const char * const *) lists_value->v.set : NULL;
      GHashTableIter iter;
      gpointer name;

      op->list_ops = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; wanted != NULL && wanted[i] != NULL; i++)
        if (current == NULL || !g_hash_table_contains (current, wanted[i]))
          g_ptr_array_add (op->list_ops, g_strconcat ("+", wanted[i], NULL));

      if (current != NULL)
        {
          g_hash_table_iter_init (&iter, current);
          while (g_hash_table_iter_next (&iter, &name, NULL))
            if (wanted == NULL || !g_strv_contains (wanted, name))
              g_ptr_array_add (op->list_ops, g_strconcat ("-", (const char *) name, NULL));
        }
    }

  return TRUE;
}

/* ConcordRestConnector's update, a few requests per change: the status
 * check, the unsubscribe, the PUT, each membership change, the echo. */
ConcordHttpRequest *
concord_connector_elasticemail_update_step (ConcordRestConnector  *connector,
                                            ConcordRestUpdate     *update,
                                            JsonNode              *answer,
                                            GError               **error)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (connector);
  UpdateOp *op = update->data;
  const char *dropped;

  if (op == NULL)
    return update_op_prepare (self, update, error) ? update_op_next (update) : NULL;

  if (g_error_matches (update->failure, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND) &&
      update->step == STEP_LISTS)
    {
      /* This endpoint skips unknown contacts; a 404 is about the list,
       * which must not read as "the record is gone". */
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                           "POST /lists/{name}/contacts failed: Elastic Email has no "
                           "such list (lists are not created automatically)");
      return NULL;
    }
  if (update->failure != NULL)
    return NULL;

  switch ((UpdateStep) update->step)
    {
    case STEP_CHECK_STATUS:
      update_op_check_status (self, update, answer);
      update->step = STEP_UNSUBSCRIBE;
      break;

    case STEP_UNSUBSCRIBE:
      update->step = STEP_PUT;
      break;

    case STEP_PUT:
      if ((dropped = concord_rest_find_dropped_custom_field (update->change->set, answer,
                                                          "CustomFields")) != NULL)
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                       "PUT /contacts/{email}: the account has no custom field %s", dropped);
          return NULL;
        }
      update->step = STEP_LISTS;
      break;

    case STEP_LISTS:
      {
        const char *op_text = g_ptr_array_index (op->list_ops, op->list_op++);
        GHashTable *lists = self->membership != NULL
                            ? g_hash_table_lookup (self->membership, op->email) : NULL;

        if (op_text[0] == '+' && self->membership != NULL)
          _concord_elasticemail_membership_add (self->membership, op->email, op_text + 1);
        else if (lists != NULL)
          g_hash_table_remove (lists, op_text + 1);
      }
      break;

    case STEP_ECHO:
    default:
      return NULL;
    }

  return update_op_next (update);
}
