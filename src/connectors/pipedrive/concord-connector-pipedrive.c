/* concord-connector-pipedrive.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Pipedrive's persons, through API v2 (specs/connectors-reference.md §2:
 * the v1 persons endpoints are out of support since 2026-08-01); v1 only
 * for /v1/personFields (the fields and their options) and /v1/users/me
 * (verify). ConcordRestConnector and ConcordHttpClient do the requests:
 * the token only in the x-api-token header, reads MAX_IN_FLIGHT at once
 * and writes one at a time (Pipedrive's burst limit counts a token's
 * requests over 2 s, and Concord serialises a token's writes), the
 * x-ratelimit-* window honoured before a 429 comes, retries with
 * Retry-After, bounded and repaired answers.
 *
 * Envelopes. Every answer is {success, data, additional_data}; an error is
 * {success:false, error, error_info}. A 403 that is not JSON is
 * Cloudflare's page for a client that kept going after 429s: that is
 * CONCORD_ERROR_RATE_LIMITED (the run stops, the schedule tries later),
 * never an authentication failure.
 *
 * Listing. GET /api/v2/persons pages by cursor (additional_data.next_cursor,
 * null at the end); a cursor seen before in a listing is
 * CONCORD_ERROR_PROTOCOL (the base's guard). An incremental listing adds
 * updated_since (≥, RFC 3339, second resolution) sorted by update_time
 * ascending; its next cursor is the largest update_time read, so the next
 * listing overlaps by the persons of that second. v2 lists live persons
 * only, and no change listing shows a deletion: the cursor also keeps
 * when the last full listing was ("<since>;full=<unix time>"), and a
 * listing more than FULL_SCAN_SECONDS after it is a full one, the only
 * kind marked complete (absence means deleted only there).
 *
 * Fields. /v1/personFields (start/limit paging) is read before a listing's
 * first page, a schema load, and any fetch or write before the first:
 * custom fields are keyed by a 40-character hash and shown by name
 * ("custom:<name>"); two fields with one name both get the start of their
 * key after it, so neither pairs with a field of that name by mistake.
 * enum and set values are option ids on the wire and labels here; a type
 * Concord cannot write back losslessly (monetary, address, ranges, users,
 * organisations) is read-only. The label_ids field's options are the
 * labels, which are the tags.
 *
 * Organisations. A person holds org_id; the names are read from
 * GET /api/v2/organizations (cursor paging) before a listing's first page.
 * Writing a company sets org_id to the organisation of exactly that name,
 * created (POST /api/v2/organizations) before the person's write when
 * there is none; an empty company _concord_pipedrive_clears org_id.
 *
 * Names. v2 writes one `name` and derives first_name and last_name from
 * it: a change of only one of them reads the person first, so the other
 * is kept.
 *
 * Emails and phones are labelled arrays with a primary: the primary is
 * "email" / "phone", the whole array "emails" / "phones". Email is not
 * unique in Pipedrive: two persons with one address are both listed, and
 * the engine's matching takes them to review (AMBIGUOUS), never picks one.
 *
 * Status. marketing_status subscribed → active, unsubscribed, no_consent →
 * transactional (only transactional mail may go to them), archived →
 * inactive. Pipedrive lets a status change only once away from a given
 * value and silently ignores a forbidden change: the echo is compared and
 * the status refused for that person, saying why.
 */

#define G_LOG_DOMAIN "concord-connector-pipedrive"

#include "config.h"

#include <string.h>

#include "concord-connector-pipedrive.h"
#include "concord-connector-pipedrive-private.h"
#include "concord-error.h"
#include "concord-json-private.h"
#include "concord-rest-connector.h"

G_DEFINE_FINAL_TYPE (ConcordConnectorPipedrive, concord_connector_pipedrive,
                     CONCORD_TYPE_REST_CONNECTOR)

/* marketing_status and the canonical status. */
static const struct
{
  const char *api;
  const char *canonical;
} status_names[] = {
  { "subscribed", "active" },
  { "unsubscribed", "unsubscribed" },
  { "no_consent", "transactional" },
  { "archived", "inactive" },
};

/* Canonical values written as the nearest marketing_status. */
static const struct
{
  const char *canonical;
  const char *api;
} status_writes[] = {
  { "active", "subscribed" },
  { "engaged", "subscribed" },
  { "unsubscribed", "unsubscribed" },
  { "bounced", "unsubscribed" },
  { "abuse", "unsubscribed" },
  { "complained", "unsubscribed" },
  { "transactional", "no_consent" },
  { "not_confirmed", "no_consent" },
  { "inactive", "archived" },
  { "stale", "archived" },
};

static const char *status_choices[] = { "active", "unsubscribed", "transactional", "inactive",
                                        NULL };

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

void
_concord_pipedrive_person_field_free (ConcordPipedrivePersonField *field)
{
  g_free (field->key);
  g_free (field->name);
  g_free (field->label);
  g_clear_pointer (&field->options, g_hash_table_unref);
  g_free (field);
}

const char *
_concord_pipedrive_status_to_canonical (const char *api)
{
  for (guint i = 0; api != NULL && i < G_N_ELEMENTS (status_names); i++)
    if (g_ascii_strcasecmp (status_names[i].api, api) == 0)
      return status_names[i].canonical;

  return NULL;
}

const char *
_concord_pipedrive_status_to_api (const char *canonical)
{
  for (guint i = 0; canonical != NULL && i < G_N_ELEMENTS (status_writes); i++)
    if (g_ascii_strcasecmp (status_writes[i].canonical, canonical) == 0)
      return status_writes[i].api;

  return NULL;
}

char *
_concord_pipedrive_member_text (JsonObject *object,
                                const char *name)
{
  return concord_rest_json_text (object, name, MAX_VALUE_BYTES, NULL);
}

/* An id member (a JSON integer, or digits) as text, or NULL. */
char *
_concord_pipedrive_node_id (JsonNode *node)
{
  g_autofree char *text = NULL;
  guint64 number;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node) > 0
           ? g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node)) : NULL;
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  text = g_strdup (json_node_get_string (node));
  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, &number, NULL))
    return NULL;
  return g_strdup_printf ("%" G_GUINT64_FORMAT, number);
}

gboolean
_concord_pipedrive_is_id (const char *text)
{
  return text != NULL && g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, NULL, NULL);
}

/* The person object of an answer: a bare object, or an envelope's data. */
JsonObject *
_concord_pipedrive_unwrap (JsonNode *node)
{
  JsonObject *object;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);
  if (json_object_has_member (object, "success") && json_object_has_member (object, "data"))
    return concord_rest_json_object (object, "data");
  return object;
}

char *
_concord_pipedrive_format_time (gint64 unix_time)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (unix_time);

  return when != NULL ? g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ") : NULL;
}

/* A Pipedrive item label for a Concord one. */
const char *
_concord_pipedrive_label_to_api (const char *label,
                                 gboolean    phone)
{
  if (g_strcmp0 (label, CONCORD_LABEL_WORK) == 0 || g_strcmp0 (label, CONCORD_LABEL_HOME) == 0)
    return label;
  if (phone && g_strcmp0 (label, CONCORD_LABEL_MOBILE) == 0)
    return label;
  return "other";
}

/* ------------------------------------------------------------------------- */
/* Errors and requests                                                       */
/* ------------------------------------------------------------------------- */

/* Pipedrive's error bodies (ConcordHttpRefineError): {success:false,
 * error, error_info}; a 403 that is not JSON is Cloudflare's block of a
 * client that kept going after 429s. */
static gboolean
refine_error (guint        status,
              GBytes      *body,
              const char  *label,
              GError     **error,
              gpointer     user_data)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *message = NULL;
  g_autofree char *redacted = NULL;
  g_autofree char *folded = NULL;
  gconstpointer data;
  gsize length = 0;

  data = body != NULL ? g_bytes_get_data (body, &length) : NULL;
  if (data != NULL && length > 0)
    root = concord_json_parse (data, (gssize) length, MAX_ERROR_BODY_BYTES, NULL);

  if (status == SOUP_STATUS_FORBIDDEN && (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_RATE_LIMITED,
                   "%s failed: Pipedrive's firewall is blocking requests after too many in a "
                   "short time; the sync stops and will retry later", label);
      return TRUE;
    }

  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    message = _concord_pipedrive_member_text (json_node_get_object (root), "error");
  if (message == NULL)
    return FALSE;

  /* The message may quote what was sent: redacted, cut. */
  redacted = concord_http_redact (message);
  if (g_utf8_strlen (redacted, -1) > 200)
    {
      g_autofree char *cut = g_utf8_substring (redacted, 0, 200);

      g_free (redacted);
      redacted = g_steal_pointer (&cut);
    }
  folded = g_utf8_casefold (redacted, -1);

  if (status == SOUP_STATUS_UNAUTHORIZED)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                 "%s failed: Pipedrive refused the API token (%s)", label, redacted);
  else if (status == SOUP_STATUS_BAD_REQUEST && strstr (folded, "email") != NULL)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA,
                   "%s failed: Pipedrive refused the email address: %s", label, redacted);
      concord_error_set_field (*error, CONCORD_FIELD_EMAIL);
    }
  else if (status == SOUP_STATUS_BAD_REQUEST || status == 422)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA,
                 "%s failed: Pipedrive refused the data: %s", label, redacted);
  else
    return FALSE;

  return TRUE;
}

ConcordHttpRequest *
_concord_pipedrive_new_request (const char *method,
                                const char *path,
                                const char *label,
                                JsonNode   *body)
{
  ConcordHttpRequest *request = concord_http_request_new (method, path, label);

  if (body != NULL)
    concord_http_request_set_json (request, body);
  return request;
}

/* The envelope's data array ("data": null is an empty page). */
JsonArray *
_concord_pipedrive_envelope_array (JsonNode    *root,
                                   const char  *label,
                                   gboolean    *empty,
                                   GError     **error)
{
  JsonObject *object;
  JsonNode *data;

  *empty = FALSE;
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s failed: the answer is not a Pipedrive envelope", label);
      return NULL;
    }
  object = json_node_get_object (root);
  if (!_concord_pipedrive_get_flag (object, "success"))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s failed: the answer does not say it succeeded", label);
      return NULL;
    }
  data = json_object_get_member (object, "data");
  if (data == NULL || JSON_NODE_HOLDS_NULL (data))
    {
      *empty = TRUE;
      return NULL;
    }
  if (!JSON_NODE_HOLDS_ARRAY (data))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s failed: the answer's data is not a list", label);
      return NULL;
    }
  return json_node_get_array (data);
}

/* ------------------------------------------------------------------------- */
/* Schema                                                                    */
/* ------------------------------------------------------------------------- */

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_utf8_collate (*(const char * const *) a, *(const char * const *) b);
}

static char **
sorted_values (GHashTable *table)
{
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer value;

  if (table == NULL)
    return NULL;
  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!g_ptr_array_find_with_equal_func (values, value, g_str_equal, NULL))
      g_ptr_array_add (values, g_strdup (value));
  g_ptr_array_sort (values, compare_names);
  g_ptr_array_add (values, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&values), FALSE);
}

static GPtrArray *
build_schema (ConcordConnectorPipedrive *self)
{
  GPtrArray *specs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);
  g_auto(GStrv) tags = sorted_values (self->labels);

  concord_rest_add_field_spec (specs, CONCORD_FIELD_EMAIL, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_EMAILS, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_FIRST_NAME, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_LAST_NAME, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_PHONE, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_PHONES, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_COMPANY, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_JOB_TITLE, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_TAGS, (const char * const *) tags, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_STATUS, status_choices, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_CREATED_AT, NULL, TRUE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_UPDATED_AT, NULL, TRUE);

  for (guint i = 0; self->fields != NULL && i < self->fields->len; i++)
    {
      ConcordPipedrivePersonField *field = g_ptr_array_index (self->fields, i);
      ConcordFieldSpec *spec = concord_field_spec_new (field->name,
                                                       field->name + strlen (CONCORD_FIELD_CUSTOM_PREFIX),
                                                       field->type, field->read_only);

      spec->custom = TRUE;
      spec->multi = field->multi;
      spec->choices = sorted_values (field->options);
      g_ptr_array_add (specs, spec);
    }

  return specs;
}

static void
on_schema_prepared_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorPipedrive *self = CONCORD_CONNECTOR_PIPEDRIVE (object);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, build_schema (self), (GDestroyNotify) g_ptr_array_unref);
}

static void
concord_connector_pipedrive_load_schema_async (ConcordConnector    *connector,
                                               const char          *contact_type,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data)
{
  ConcordConnectorPipedrive *self = CONCORD_CONNECTOR_PIPEDRIVE (connector);
  GTask *task = concord_connector_task_new (connector,
                                            concord_connector_pipedrive_load_schema_async,
                                            cancellable, callback, user_data);
  GError *error = NULL;

  if (!concord_rest_connector_check_contact_type (CONCORD_REST_CONNECTOR (self), contact_type,
                                                  &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  /* Fields as they are now: a schema load reads them again. */
  g_clear_pointer (&self->fields, g_ptr_array_unref);
  concord_connector_pipedrive_prepare_async (CONCORD_REST_CONNECTOR (self), CONCORD_REST_FETCH,
                                             NULL, NULL, cancellable, on_schema_prepared_cb,
                                             task);
}

/* ------------------------------------------------------------------------- */
/* ConcordConnector                                                          */
/* ------------------------------------------------------------------------- */

static const ConcordRestAppTraits traits = {
  .app_id = PD_APP_ID,
  .app_name = PD_APP_NAME,
  .contact_type = CONCORD_PIPEDRIVE_PERSONS,
  .contact_type_label = CONTACT_TYPE_LABEL,
  .flags = CONCORD_CONNECTOR_INCREMENTAL | CONCORD_CONNECTOR_MODIFIED_TIMES,
  .page_size = PAGE_LIMIT,
  .rate_budget = RATE_BUDGET,
};

static guint
concord_connector_pipedrive_get_page_size (ConcordConnector *connector)
{
  return CONCORD_CONNECTOR_PIPEDRIVE (connector)->page_limit;
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_connector_pipedrive_dispose (GObject *object)
{
  ConcordConnectorPipedrive *self = CONCORD_CONNECTOR_PIPEDRIVE (object);

  g_clear_object (&self->client);
  g_clear_pointer (&self->fields_by_key, g_hash_table_unref);
  g_clear_pointer (&self->fields_by_name, g_hash_table_unref);
  g_clear_pointer (&self->fields, g_ptr_array_unref);
  g_clear_pointer (&self->labels, g_hash_table_unref);
  g_clear_pointer (&self->orgs, g_hash_table_unref);
  g_clear_pointer (&self->org_ids, g_hash_table_unref);

  G_OBJECT_CLASS (concord_connector_pipedrive_parent_class)->dispose (object);
}

static void
concord_connector_pipedrive_class_init (ConcordConnectorPipedriveClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ConcordConnectorClass *connector_class = CONCORD_CONNECTOR_CLASS (klass);
  ConcordRestConnectorClass *rest_class = CONCORD_REST_CONNECTOR_CLASS (klass);

  object_class->dispose = concord_connector_pipedrive_dispose;

  connector_class->load_schema_async = concord_connector_pipedrive_load_schema_async;
  connector_class->get_page_size = concord_connector_pipedrive_get_page_size;

  rest_class->traits = &traits;
  rest_class->build_list_request = concord_connector_pipedrive_build_list_request;
  rest_class->parse_page = concord_connector_pipedrive_parse_page;
  rest_class->record_from_json = concord_connector_pipedrive_record_from_json;
  rest_class->build_fetch_request = concord_connector_pipedrive_build_fetch_request;
  rest_class->build_create_request = concord_connector_pipedrive_build_create_request;
  rest_class->match_created = concord_connector_pipedrive_match_created;
  rest_class->update_step = concord_connector_pipedrive_update_step;
  rest_class->build_verify_request = concord_connector_pipedrive_build_verify_request;
  rest_class->check_verify_answer = concord_connector_pipedrive_check_verify_answer;
  rest_class->prepare_async = concord_connector_pipedrive_prepare_async;
}

static void
concord_connector_pipedrive_init (ConcordConnectorPipedrive *self)
{
  self->page_limit = PAGE_LIMIT;
  self->max_update = -1;
  self->since = -1;
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_connector_pipedrive_new:
 * @base_url: (nullable): the API's origin; %NULL for
 *   %CONCORD_PIPEDRIVE_DEFAULT_BASE_URL
 * @api_token: the personal API token; kept in memory only
 *
 * Makes a connector for the thread-default main context of the caller,
 * the only context it may be used on.
 *
 * Returns: (transfer full): a new connector
 */
ConcordConnectorPipedrive *
concord_connector_pipedrive_new (const char *base_url,
                                 const char *api_token)
{
  ConcordConnectorPipedrive *self;

  g_return_val_if_fail (api_token != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_CONNECTOR_PIPEDRIVE, NULL);
  self->client = concord_http_client_new (base_url != NULL ? base_url
                                                           : CONCORD_PIPEDRIVE_DEFAULT_BASE_URL,
                                          PD_APP_NAME);
  concord_http_client_set_auth_header (self->client, TOKEN_HEADER, api_token);
  concord_http_client_set_limits (self->client, MAX_IN_FLIGHT, CONCORD_HTTP_DEFAULT_MAX_RETRIES,
                                  CONCORD_HTTP_DEFAULT_RETRY_BASE_MS);
  concord_http_client_set_max_writes_in_flight (self->client, MAX_WRITES_IN_FLIGHT);
  concord_http_client_set_rate_limit_headers (self->client, "x-ratelimit-remaining",
                                              "x-ratelimit-reset");
  concord_http_client_set_refine_error (self->client, refine_error, NULL);
  concord_rest_connector_set_client (CONCORD_REST_CONNECTOR (self), self->client);
  concord_rest_connector_set_max_batch (CONCORD_REST_CONNECTOR (self), 1);

  return self;
}

/**
 * concord_connector_pipedrive_base_url_for:
 * @company_domain: (nullable): the company's Pipedrive domain, "acme" or
 *   "acme.pipedrive.com"
 *
 * Returns: (transfer full) (nullable): https://<company>.pipedrive.com,
 *   the default origin for %NULL or empty, or %NULL with @error for a
 *   domain that is not one
 */
char *
concord_connector_pipedrive_base_url_for (const char  *company_domain,
                                          GError     **error)
{
  g_autofree char *domain = NULL;

  if (company_domain == NULL || *company_domain == '\0')
    return g_strdup (CONCORD_PIPEDRIVE_DEFAULT_BASE_URL);

  domain = g_ascii_strdown (company_domain, -1);
  g_strstrip (domain);
  if (g_str_has_prefix (domain, "https://"))
    memmove (domain, domain + 8, strlen (domain + 8) + 1);
  if (g_str_has_suffix (domain, "/"))
    domain[strlen (domain) - 1] = '\0';
  if (g_str_has_suffix (domain, ".pipedrive.com"))
    domain[strlen (domain) - strlen (".pipedrive.com")] = '\0';

  for (const char *c = domain; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && *c != '-')
      {
        g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                             "A Pipedrive company domain has only letters, digits and hyphens");
        return NULL;
      }
  if (*domain == '\0' || strlen (domain) > 63)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "Not a Pipedrive company domain");
      return NULL;
    }

  return g_strdup_printf ("https://%s.pipedrive.com", domain);
}

/**
 * concord_connector_pipedrive_set_retry_base_ms:
 * @base_ms: the first retry's delay, doubled for each further retry
 *
 * For tests, so that retries do not take seconds.
 */
void
concord_connector_pipedrive_set_retry_base_ms (ConcordConnectorPipedrive *self,
                                               guint                      base_ms)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_PIPEDRIVE (self));

  concord_http_client_set_limits (self->client, MAX_IN_FLIGHT, CONCORD_HTTP_DEFAULT_MAX_RETRIES,
                                  base_ms);
}

/**
 * concord_connector_pipedrive_set_page_limit:
 * @limit: persons a page, 1 to 500
 *
 * For tests: paging without hundreds of persons.
 */
void
concord_connector_pipedrive_set_page_limit (ConcordConnectorPipedrive *self,
                                            guint                      limit)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_PIPEDRIVE (self));
  g_return_if_fail (limit > 0 && limit <= PAGE_LIMIT);

  self->page_limit = limit;
}
