/* concord-connector-elasticemail.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Elastic Email, through its REST API v4 (see
 * specs/elasticemail-v4-contacts.md for the facts and their uncertainties),
 * on ConcordRestConnector and ConcordHttpClient, which do the requests
 * (the key only as the X-ElasticEmail-ApiKey header, MAX_IN_FLIGHT at once,
 * retries, bounded and repaired answers), the listing loop, fetch by id,
 * chunked creates with 413 halving, the requests of a multi-step update,
 * offset-paged collections, schema samples and custom fields. What is left
 * here is Elastic Email's: its field tables, its error bodies, its list
 * membership, the steps of its update.
 *
 * Errors. v4 answers 400 for a refused key and for a key without the
 * needed access level, so a 400 is told apart by its {"Error": …} body;
 * 412 is a refusal of the account (plan limits) or the data, not a
 * conflict (refine_error()). Labels name endpoints with placeholders
 * ("PUT /contacts/{email}"), never an address.
 *
 * Listing. GET /contacts has only limit/offset, no order guarantee, no
 * total and an undocumented maximum limit: we ask for PAGE_LIMIT, advance
 * the offset by what actually came back, and stop at the first empty page,
 * which is the only page marked complete. There is no "changed since"
 * filter, so every listing is a full one. A page longer than asked, or one
 * whose contacts were all on the page before (a server that ignores the
 * offset: ConcordRestConnector), ends the listing with an error instead of
 * paging for ever.
 *
 * Lists. A contact does not say which lists it is on; the first page of a
 * listing reads GET /lists and every list's members and keeps the map
 * email → list names for the pages that follow (and for fetch and update
 * echoes). GET /lists/{name}/contacts has been reported to ignore its
 * offset: a page starting with the same email as the page before gives it
 * away, and the list is then read once more as a single huge page (all
 * that can still work). There are at most MAX_LISTS lists and
 * MAX_MEMBERSHIPS memberships, and no page may be longer than asked.
 * Lists are never created here: POST /lists with no Emails may put every
 * contact on the new list [unverified], so a missing list is an error.
 *
 * Custom fields. v4 has no endpoint that lists an account's custom fields;
 * they are learnt from the contacts read: the first schema load reads
 * every page up to MAX_SCHEMA_PAGES, later loads the first page, and every
 * page listed adds what it uses. A field no contact uses yet is declared
 * by the user (the option "custom_fields"). POST /contacts silently drops
 * custom fields the account does not have, so a write compares what it
 * sent with what was echoed and fails the record, naming the field.
 *
 * Status. ContactUpdatePayload has no Status: the one status change the API
 * allows is to unsubscribe, through POST /suppressions/unsubscribes. Any
 * other status change (and any consent change) is refused for that field
 * alone (concord_write_result_add_refused()). An unsubscribe goes out
 * before the profile PUT, so a process killed between the two never
 * leaves a contact renamed but still subscribed.
 */

#define G_LOG_DOMAIN "concord-connector-elasticemail"

#include "config.h"

#include <string.h>

#include "concord-connector-elasticemail.h"
#include "concord-connector-elasticemail-private.h"
#include "concord-error.h"
#include "concord-json-private.h"
#include "concord-rest-connector.h"

G_DEFINE_FINAL_TYPE (ConcordConnectorElasticEmail, concord_connector_elasticemail,
                     CONCORD_TYPE_REST_CONNECTOR)

const ConcordElasticEmailTextMember _concord_elasticemail_text_members[CONCORD_ELASTICEMAIL_N_TEXT_MEMBERS] = {
  { CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, "FirstName", TRUE },
  { CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING, "LastName", TRUE },
  { CONCORD_FIELD_SOURCE, CONCORD_FIELD_TYPE_ENUM, "Source", FALSE },
};

/* The API's ContactStatus names and ours. */
static const struct
{
  const char *api;
  const char *canonical;
} status_names[] = {
  { "Transactional", "transactional" },
  { "Engaged", "engaged" },
  { "Active", "active" },
  { "Bounced", "bounced" },
  { "Unsubscribed", "unsubscribed" },
  { "Abuse", "abuse" },
  { "Inactive", "inactive" },
  { "Stale", "stale" },
  { "NotConfirmed", "not_confirmed" },
};

static const char *status_choices[] = {
  "active", "engaged", "inactive", "not_confirmed", "transactional",
  "unsubscribed", "bounced", "abuse", "stale", NULL
};
static const char *source_choices[] = {
  "DeliveryApi", "ManualInput", "FileUpload", "WebForm", "ContactApi", "VerificationApi",
  "FileVerificationApi", "PilotBillingPlan", "PaidNewsletter", NULL
};
static const char *consent_choices[] = { "unknown", "allow", "deny", NULL };

/* 412 messages known to carry no contact data; any other is left out. */
static const char *safe_412_messages[] = {
  "Too many contacts for current billing plan.",
  "List not found.",
  "Invalid email address.",
  NULL
};

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

char *
_concord_elasticemail_escape_segment (const char *text)
{
  /* No reserved character allowed: '+' becomes %2B, '@' %40, '/' %2F. */
  return g_uri_escape_string (text, NULL, FALSE);
}

const char *
_concord_elasticemail_status_to_canonical (const char *api)
{
  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
    if (g_ascii_strcasecmp (status_names[i].api, api) == 0 ||
        g_ascii_strcasecmp (status_names[i].canonical, api) == 0)
      return status_names[i].canonical;

  return NULL;
}

const char *
_concord_elasticemail_status_to_api (const char *canonical)
{
  const char *known = _concord_elasticemail_status_to_canonical (canonical);

  for (guint i = 0; known != NULL && i < G_N_ELEMENTS (status_names); i++)
    if (g_str_equal (status_names[i].canonical, known))
      return status_names[i].api;

  return NULL;
}

const char *
_concord_elasticemail_consent_to_api (const char *canonical)
{
  static const char *names[] = { "Allow", "Deny", "Unknown" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (canonical, names[i]) == 0)
      return names[i];

  return NULL;
}

/* The text of a member: see concord_rest_json_text(). */
char *
_concord_elasticemail_member_text (JsonObject *object,
                                   const char *name)
{
  return concord_rest_json_text (object, name, MAX_VALUE_BYTES, NULL);
}

/* The folded email of the Contact object at @node, or NULL. */
char *
_concord_elasticemail_node_email (JsonNode *node)
{
  g_autofree char *text = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  text = _concord_elasticemail_member_text (json_node_get_object (node), "Email");
  return concord_email_fold (text);
}

void
_concord_elasticemail_membership_add (GHashTable *membership,
                                      const char *email,
                                      const char *list_name)
{
  GHashTable *lists = g_hash_table_lookup (membership, email);

  if (lists == NULL)
    {
      lists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_insert (membership, g_strdup (email), lists);
    }

  g_hash_table_add (lists, g_strdup (list_name));
}

static void
set_lists_field (ConcordRecord *record,
                 GHashTable    *lists)
{
  g_autofree const char **names = NULL;

  if (lists == NULL || g_hash_table_size (lists) == 0)
    {
      concord_record_remove (record, CONCORD_FIELD_LISTS);
      return;
    }

  names = (const char **) g_hash_table_get_keys_as_array (lists, NULL);
  concord_record_set_set (record, CONCORD_FIELD_LISTS, names);

  /* A list name read with a repair is not the user's. */
  for (guint i = 0; names[i] != NULL; i++)
    if (strstr (names[i], "\xef\xbf\xbd") != NULL)
      concord_record_mark_altered (record, CONCORD_FIELD_LISTS);
}

/* A Contact object as a record; NULL when it has no email. The email is
 * kept as the server gave it (the remote id is its folded form); a field
 * whose value had to be repaired is marked altered, so it is never
 * written across, and a repaired email never matches nor creates. */
ConcordRecord *
_concord_connector_elasticemail_parse_contact (ConcordConnectorElasticEmail *self,
                                               JsonNode                     *node)
{
  g_autoptr(ConcordRecord) record = NULL;
  g_autofree char *email = NULL;
  g_autofree char *remote_id = NULL;
  g_autofree char *text = NULL;
  JsonObject *object;
  JsonNode *email_node;
  gboolean repaired = FALSE;
  gint64 modified = -1;
  static const char *dates[] = { "DateAdded", "DateUpdated", "StatusChangeDate" };

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  object = json_node_get_object (node);
  email_node = json_object_get_member (object, "Email");
  if (email_node == NULL || !JSON_NODE_HOLDS_VALUE (email_node) ||
      json_node_get_value_type (email_node) != G_TYPE_STRING)
    return NULL;

  /* Anything with an @ is kept: a strict check would make real but odd
   * addresses vanish from a complete listing, i.e. look deleted. A
   * repaired one is kept too, marked: the planner skips it, saying why. */
  email = concord_http_repaired_text (json_node_get_string (email_node), MAX_VALUE_BYTES,
                                      &repaired);
  remote_id = concord_email_fold (email);
  if (remote_id == NULL || strchr (remote_id, '@') == NULL)
    return NULL;

  if (strlen (email) > MAX_EMAIL_BYTES)
    {
      /* Longer than any address can be (RFC 5321): kept cut and marked,
       * so it neither matches nor creates (its remote id stays whole, for
       * it is the app's name of the contact). */
      g_autofree char *cut = concord_http_cut_text (email, MAX_EMAIL_BYTES);

      g_free (email);
      email = g_steal_pointer (&cut);
      repaired = TRUE;
    }

  record = concord_record_new (remote_id);
  concord_rest_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email,
                                repaired);
  for (guint i = 0; i < G_N_ELEMENTS (_concord_elasticemail_text_members); i++)
    concord_rest_record_set_member (record, _concord_elasticemail_text_members[i].key, _concord_elasticemail_text_members[i].type, object,
                                    _concord_elasticemail_text_members[i].member, MAX_VALUE_BYTES);

  repaired = FALSE;
  text = concord_rest_json_text (object, "Status", MAX_VALUE_BYTES, &repaired);
  /* Unknown values (numbers too) are kept as given. */
  concord_rest_record_set_text (record, CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM,
            text != NULL && _concord_elasticemail_status_to_canonical (text) != NULL ? _concord_elasticemail_status_to_canonical (text) : text,
            repaired);
  g_clear_pointer (&text, g_free);

  repaired = FALSE;
  text = concord_rest_json_text (concord_rest_json_object (object, "Consent"), "ConsentTracking",
                                 MAX_VALUE_BYTES, &repaired);
  if (text == NULL)
    text = concord_rest_json_text (object, "ConsentTracking", MAX_VALUE_BYTES, &repaired);
  if (text != NULL)
    {
      const char *api = _concord_elasticemail_consent_to_api (text);
      g_autofree char *lower = api != NULL ? g_ascii_strdown (api, -1) : NULL;

      concord_rest_record_set_text (record, CONCORD_FIELD_CONSENT, CONCORD_FIELD_TYPE_ENUM,
                lower != NULL ? lower : text, repaired);
    }
  g_clear_pointer (&text, g_free);

  for (guint i = 0; i < G_N_ELEMENTS (dates); i++)
    {
      g_autofree char *date = _concord_elasticemail_member_text (object, dates[i]);
      gint64 when = concord_rest_parse_datetime (date);

      if (when >= 0 && i == 0)
        concord_record_set_datetime (record, CONCORD_FIELD_CREATED_AT, when);
      else if (when >= 0 && i == 1)
        concord_record_set_datetime (record, CONCORD_FIELD_UPDATED_AT, when);
      if (i > 0)
        modified = MAX (modified, when);
    }
  if (modified >= 0)
    concord_record_set_modified (record, modified);

  concord_rest_connector_read_custom_fields (CONCORD_REST_CONNECTOR (self), record,
                                             concord_rest_json_object (object, "CustomFields"),
                                             MAX_VALUE_BYTES);

  if (self->membership != NULL)
    set_lists_field (record, g_hash_table_lookup (self->membership, remote_id));

  return g_steal_pointer (&record);
}

gboolean
_concord_elasticemail_change_clears (const ConcordRecordChange *change,
                                     const char                *key)
{
  return change->clear != NULL && g_strv_contains ((const char * const *) change->clear, key);
}

gboolean
_concord_elasticemail_change_touches_lists (const ConcordRecordChange *change)
{
  return (change->set != NULL && concord_record_get (change->set, CONCORD_FIELD_LISTS) != NULL) ||
         _concord_elasticemail_change_clears (change, CONCORD_FIELD_LISTS);
}

/* ------------------------------------------------------------------------- */
/* Requests                                                                  */
/* ------------------------------------------------------------------------- */

/* Elastic Email's error bodies (ConcordHttpRefineError): its 400 carries
 * auth failures, and 412 is a refusal of the account or the data. */
static gboolean
refine_error (guint        status,
              GBytes      *body,
              const char  *label,
              GError     **error,
              gpointer     user_data)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *message = NULL;
  g_autofree char *folded = NULL;
  gconstpointer data;
  gsize length;

  data = body != NULL ? g_bytes_get_data (body, &length) : NULL;
  if (data != NULL && length > 0 &&
      (root = concord_json_parse (data, (gssize) length, MAX_ERROR_BODY_BYTES, NULL)) != NULL &&
      JSON_NODE_HOLDS_OBJECT (root))
    message = _concord_elasticemail_member_text (json_node_get_object (root), "Error");
  folded = message != NULL ? g_utf8_casefold (message, -1) : NULL;

  if (status == SOUP_STATUS_BAD_REQUEST && folded != NULL &&
      strstr (folded, "access denied") != NULL)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                 "%s failed: the API key lacks the contacts permission (Access Denied)", label);
  else if (status == SOUP_STATUS_BAD_REQUEST && folded != NULL &&
           (strstr (folded, "apikey") != NULL || strstr (folded, "api key") != NULL ||
            strstr (folded, "api-key") != NULL))
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                 "%s failed: Elastic Email refused the API key", label);
  else if (status == SOUP_STATUS_PRECONDITION_FAILED)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED, "%s failed: HTTP 412: %s", label,
                 message != NULL && g_strv_contains (safe_412_messages, message)
                 ? message
                 : "Elastic Email refused the data or the account's limits were reached");
  else
    return FALSE;

  return TRUE;
}

/*
 * _concord_elasticemail_new_request:
 * @path: path and query after the base URL, already encoded
 * @label: the endpoint for messages, without personal data
 * @body: (nullable): JSON to send
 *
 * Every Elastic Email request may be repeated: POST /contacts is an
 * upsert, and list and suppression changes are set operations.
 */
ConcordHttpRequest *
_concord_elasticemail_new_request (const char *method,
                                   const char *path,
                                   const char *label,
                                   JsonNode   *body)
{
  ConcordHttpRequest *request = concord_http_request_new (method, path, label);

  concord_http_request_set_flags (request, CONCORD_HTTP_IDEMPOTENT);
  if (body != NULL)
    concord_http_request_set_json (request, body);
  return request;
}

/* ------------------------------------------------------------------------- */
/* Schema                                                                    */
/* ------------------------------------------------------------------------- */

static GPtrArray *
build_schema (ConcordConnectorElasticEmail *self)
{
  GPtrArray *specs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

  concord_rest_add_field_spec (specs, CONCORD_FIELD_EMAIL, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_FIRST_NAME, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_LAST_NAME, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_STATUS, status_choices, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_SOURCE, source_choices, TRUE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_CONSENT, consent_choices, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_CREATED_AT, NULL, TRUE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_UPDATED_AT, NULL, TRUE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_LISTS, NULL, FALSE);

  concord_rest_connector_add_custom_specs (CONCORD_REST_CONNECTOR (self), specs);

  return specs;
}

static void
on_schema_sampled_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorElasticEmail *self = g_task_get_source_object (task);
  GError *error = NULL;

  /* Parsing the contacts recorded their custom fields. */
  if (!concord_rest_connector_sample_finish (CONCORD_REST_CONNECTOR (self), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* The task data: whether this load read every page it could. */
  if (g_task_get_task_data (task) != NULL)
    self->schema_read = TRUE;
  g_task_return_pointer (task, build_schema (self), (GDestroyNotify) g_ptr_array_unref);
}

static void
concord_connector_elasticemail_load_schema_async (ConcordConnector    *connector,
                                                  const char          *contact_type,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (connector);
  GTask *task;
  guint max_pages = self->schema_read ? 1 : self->max_schema_pages;

  task = concord_connector_task_new (connector, concord_connector_elasticemail_load_schema_async,
                                     cancellable, callback, user_data);
  g_task_set_task_data (task, GUINT_TO_POINTER (!self->schema_read), NULL);
  concord_rest_connector_sample_async (CONCORD_REST_CONNECTOR (self), contact_type, max_pages,
                                       cancellable, on_schema_sampled_cb, task);
}

/* ------------------------------------------------------------------------- */
/* ConcordConnector                                                          */
/* ------------------------------------------------------------------------- */

static const ConcordRestAppTraits traits = {
  .app_id = EE_APP_ID,
  .app_name = EE_APP_NAME,
  .contact_type = CONTACT_TYPE_ID,
  .contact_type_label = CONTACT_TYPE_LABEL,
  .flags = CONCORD_CONNECTOR_MODIFIED_TIMES,
  .page_size = PAGE_LIMIT,
  .rate_budget = RATE_BUDGET,
};

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_connector_elasticemail_dispose (GObject *object)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (object);

  g_clear_object (&self->client);
  g_clear_pointer (&self->membership, g_hash_table_unref);

  G_OBJECT_CLASS (concord_connector_elasticemail_parent_class)->dispose (object);
}

static void
concord_connector_elasticemail_class_init (ConcordConnectorElasticEmailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ConcordConnectorClass *connector_class = CONCORD_CONNECTOR_CLASS (klass);
  ConcordRestConnectorClass *rest_class = CONCORD_REST_CONNECTOR_CLASS (klass);

  object_class->dispose = concord_connector_elasticemail_dispose;

  connector_class->load_schema_async = concord_connector_elasticemail_load_schema_async;
  connector_class->list_choices_async = concord_connector_elasticemail_list_choices_async;

  rest_class->traits = &traits;
  rest_class->build_list_request = concord_connector_elasticemail_build_list_request;
  rest_class->parse_page = concord_connector_elasticemail_parse_page;
  rest_class->record_from_json = concord_connector_elasticemail_record_from_json;
  rest_class->build_fetch_request = concord_connector_elasticemail_build_fetch_request;
  rest_class->create_group_key = concord_connector_elasticemail_create_group_key;
  rest_class->build_create_request = concord_connector_elasticemail_build_create_request;
  rest_class->match_created = concord_connector_elasticemail_match_created;
  rest_class->update_step = concord_connector_elasticemail_update_step;
  rest_class->build_verify_request = concord_connector_elasticemail_build_verify_request;
  rest_class->check_verify_answer = concord_connector_elasticemail_check_verify_answer;
  rest_class->prepare_async = concord_connector_elasticemail_prepare_async;
}

static void
concord_connector_elasticemail_init (ConcordConnectorElasticEmail *self)
{
  self->max_schema_pages = MAX_SCHEMA_PAGES;
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_connector_elasticemail_new:
 * @base_url: (nullable): the API's base URL; %NULL for
 *   %CONCORD_ELASTICEMAIL_DEFAULT_BASE_URL
 * @api_key: the account's API key; kept in memory only
 *
 * Makes a connector for the thread-default main context of the caller,
 * the only context it may be used on.
 *
 * Returns: (transfer full): a new connector
 */
ConcordConnectorElasticEmail *
concord_connector_elasticemail_new (const char *base_url,
                                    const char *api_key)
{
  ConcordConnectorElasticEmail *self;

  g_return_val_if_fail (api_key != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_CONNECTOR_ELASTICEMAIL, NULL);
  self->client = concord_http_client_new (base_url != NULL ? base_url
                                                           : CONCORD_ELASTICEMAIL_DEFAULT_BASE_URL,
                                          EE_APP_NAME);
  concord_http_client_set_auth_header (self->client, API_KEY_HEADER, api_key);
  concord_http_client_set_limits (self->client, MAX_IN_FLIGHT, CONCORD_HTTP_DEFAULT_MAX_RETRIES,
                                  CONCORD_HTTP_DEFAULT_RETRY_BASE_MS);
  concord_http_client_set_refine_error (self->client, refine_error, NULL);
  concord_rest_connector_set_client (CONCORD_REST_CONNECTOR (self), self->client);
  concord_rest_connector_set_max_batch (CONCORD_REST_CONNECTOR (self), MAX_BATCH);

  return self;
}

/**
 * concord_connector_elasticemail_set_retry_base_ms:
 * @base_ms: the first retry's delay, doubled for each further retry
 *
 * For tests, so that retries do not take seconds.
 */
void
concord_connector_elasticemail_set_retry_base_ms (ConcordConnectorElasticEmail *self,
                                                  guint                         base_ms)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_ELASTICEMAIL (self));

  concord_http_client_set_limits (self->client, MAX_IN_FLIGHT, CONCORD_HTTP_DEFAULT_MAX_RETRIES,
                                  base_ms);
}

/**
 * concord_connector_elasticemail_set_max_schema_pages:
 * @n_pages: the most pages a first schema load reads, at least 1
 *
 * For tests: a field first used past what the schema load reads.
 */
void
concord_connector_elasticemail_set_max_schema_pages (ConcordConnectorElasticEmail *self,
                                                     guint                         n_pages)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_ELASTICEMAIL (self));
  g_return_if_fail (n_pages > 0);

  self->max_schema_pages = n_pages;
}
