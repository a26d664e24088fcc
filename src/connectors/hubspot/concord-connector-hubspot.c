/* concord-connector-hubspot.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * HubSpot's contacts, through CRM v3 (specs/connectors-reference.md §1).
 * ConcordRestConnector and ConcordHttpClient do the requests: the
 * private-app token only as a bearer token to HubSpot's origin, reads
 * MAX_IN_FLIGHT at once, the X-HubSpot-RateLimit-* window honoured before a
 * 429 comes (Remaining down to what the requests in flight may still take
 * holds every request for the announced Interval-Milliseconds), retries,
 * bounded and repaired answers.
 *
 * Properties. GET /crm/v3/properties/contacts is read before a listing's
 * first page, a schema load, and any fetch or write before the first.
 * HubSpot's own properties Concord knows become its canonical fields
 * (email, firstname, phone, company, city, …); lifecycle stage, lead
 * status and every custom property (hubspotDefined false) become
 * "custom:<label>" fields (two of one label get their internal name
 * after it). An enumeration is a pick list: its option values are the
 * choices, its labels the choice labels, and a label written is taken for
 * its value; a checkbox enumeration holds several (";" on the wire). A
 * property HubSpot calculates or marks readOnlyValue is read-only.
 *
 * Status. hs_email_optout "true" is unsubscribed, "false" active; no
 * value, no status. Bounced, complained and abuse are written as opted
 * out; a status HubSpot cannot hold (transactional, inactive) is refused
 * for that contact, saying why.
 *
 * Search has a limit of its own, 5 requests a second: its pages are paced.
 *
 * Listing. A full listing pages GET /crm/v3/objects/contacts by `after`
 * (limit 100), the only kind marked complete. An incremental one (a
 * cursor "<epoch ms>;full=<Unix time of the last full listing>") is a
 * search, POST …/contacts/search, lastmodifieddate GTE the cursor less an
 * overlap (search is eventually consistent), sorted ascending. A search
 * reaches 10,000 results at most: when the next page would pass that, the
 * search starts again from the largest lastmodifieddate seen, and the
 * contacts of the listing already given are not given again; when the
 * whole window holds one instant (a bulk import), the listing reads every
 * contact instead, as it does when the account has more properties than
 * a search body (3,000 characters) can name. Search never shows archived
 * contacts, so a listing
 * more than FULL_SCAN_SECONDS after the last full one is a full one: an
 * archived contact is then absent from a complete listing, which the
 * engine takes for a deletion.
 *
 * Writes. batch/create, batch/update and batch/read of at most 100, each
 * input tagged with its index as objectWriteTraceId, so the results and
 * errors of a 207 are matched to their inputs. A batch refused whole for
 * one input (400, 409) is halved and sent again down to that input. A
 * create whose email HubSpot already has (409, "Contact already exists.
 * Existing ID: N") is a match, not an error: the input is written onto
 * that contact with a batch update, and the result is that contact.
 *
 * Errors. HubSpot's bodies {status, message, category, errors[{message,
 * context}]} give the message (redacted, cut); INVALID_AUTHENTICATION and
 * MISSING_SCOPES are refused keys.
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

G_DEFINE_FINAL_TYPE (ConcordConnectorHubspot, concord_connector_hubspot,
                     CONCORD_TYPE_REST_CONNECTOR)

/* The parent class, for the parts' chained-up calls. */
gpointer
_concord_hubspot_parent_class (void)
{
  return concord_connector_hubspot_parent_class;
}

static const char *status_choices[] = { "active", "unsubscribed", NULL };
/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

void
_concord_hubspot_property_free (ConcordHubspotProperty *property)
{
  g_free (property->name);
  g_free (property->key);
  g_free (property->label);
  g_clear_pointer (&property->options, g_ptr_array_unref);
  g_free (property);
}

char *
_concord_hubspot_member_text (JsonObject *object,
                              const char *name)
{
  return concord_rest_json_text (object, name, MAX_VALUE_BYTES, NULL);
}

gboolean
_concord_hubspot_is_id (const char *text)
{
  return text != NULL && g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, NULL, NULL);
}

/* An id member (a string of digits, or a JSON integer) as text, or NULL. */
char *
_concord_hubspot_node_id (JsonNode *node)
{
  guint64 number;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node) > 0
           ? g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node)) : NULL;
  if (json_node_get_value_type (node) != G_TYPE_STRING ||
      !g_ascii_string_to_unsigned (json_node_get_string (node), 10, 1, G_MAXINT64, &number, NULL))
    return NULL;
  return g_strdup_printf ("%" G_GUINT64_FORMAT, number);
}

/* An ISO 8601 date-time or epoch milliseconds as epoch milliseconds, -1. */
gint64
_concord_hubspot_parse_ms (const char *text)
{
  g_autoptr(GDateTime) when = NULL;
  gint64 ms;

  if (text == NULL || *text == '\0')
    return -1;
  if (g_ascii_string_to_signed (text, 10, 0, G_MAXINT64 / 2, &ms, NULL))
    return ms;
  when = g_date_time_new_from_iso8601 (text, NULL);
  if (when == NULL)
    {
      g_autofree char *utc = g_strconcat (text, "Z", NULL);

      when = g_date_time_new_from_iso8601 (utc, NULL);
    }
  if (when == NULL)
    return -1;
  return g_date_time_to_unix (when) * 1000 + g_date_time_get_microsecond (when) / 1000;
}

/* The option value of @text, an option's value or (any case) its label. */
const char *
_concord_hubspot_option_value (ConcordHubspotProperty *property,
                               const char             *text)
{
  if (text == NULL)
    return NULL;
  for (guint i = 0; property->options != NULL && i + 1 < property->options->len; i += 2)
    if (g_str_equal (g_ptr_array_index (property->options, i), text))
      return g_ptr_array_index (property->options, i);
  for (guint i = 0; property->options != NULL && i + 1 < property->options->len; i += 2)
    if (g_utf8_collate (g_ptr_array_index (property->options, i + 1), text) == 0 ||
        g_ascii_strcasecmp (g_ptr_array_index (property->options, i + 1), text) == 0)
      return g_ptr_array_index (property->options, i);
  return NULL;
}

/* ------------------------------------------------------------------------- */
/* Errors and requests                                                       */
/* ------------------------------------------------------------------------- */

/* A HubSpot message, redacted (it may quote what was sent) and cut. */
static char *
clean_message (const char *message)
{
  g_autofree char *redacted = concord_http_redact (message);

  if (g_utf8_strlen (redacted, -1) > 200)
    return g_utf8_substring (redacted, 0, 200);
  return g_steal_pointer (&redacted);
}

/* The message of an error object: its own, and the first detail's. */
static char *
error_message (JsonObject *object)
{
  g_autofree char *message = _concord_hubspot_member_text (object, "message");
  JsonNode *errors = object != NULL ? json_object_get_member (object, "errors") : NULL;
  g_autofree char *detail = NULL;

  if (errors != NULL && JSON_NODE_HOLDS_ARRAY (errors) &&
      json_array_get_length (json_node_get_array (errors)) > 0)
    {
      JsonNode *first = json_array_get_element (json_node_get_array (errors), 0);

      if (JSON_NODE_HOLDS_OBJECT (first))
        detail = _concord_hubspot_member_text (json_node_get_object (first), "message");
    }
  if (message == NULL)
    message = g_steal_pointer (&detail);
  if (message == NULL)
    return NULL;
  if (detail != NULL && strstr (message, detail) == NULL)
    {
      g_autofree char *joined = g_strdup_printf ("%s (%s)", message, detail);

      return clean_message (joined);
    }
  return clean_message (message);
}

/* The first value of context.@key of an error object, or NULL. */
char *
_concord_hubspot_context_value (JsonObject *object,
                                const char *key)
{
  JsonObject *context = concord_rest_json_object (object, "context");
  JsonNode *node = context != NULL ? json_object_get_member (context, key) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (json_node_get_array (node)) == 0)
    return NULL;
  node = json_array_get_element (json_node_get_array (node), 0);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return concord_http_repaired_text (json_node_get_string (node), 256, NULL);
}

/* "Contact already exists. Existing ID: 123" → "123". */
char *
_concord_hubspot_existing_id_in (const char *message)
{
  const char *mark = message != NULL ? strstr (message, "Existing ID:") : NULL;
  g_autofree char *digits = NULL;
  gsize n = 0;

  if (mark == NULL)
    return NULL;
  mark += strlen ("Existing ID:");
  while (*mark == ' ')
    mark++;
  while (g_ascii_isdigit (mark[n]))
    n++;
  digits = g_strndup (mark, n);
  return _concord_hubspot_is_id (digits) ? g_steal_pointer (&digits) : NULL;
}

char *
_concord_hubspot_existing_id (JsonObject *object)
{
  g_autofree char *message = _concord_hubspot_member_text (object, "message");

  return _concord_hubspot_existing_id_in (message);
}

/* An error object (a batch's errors[] or a whole answer) as a GError. */
GError *
_concord_hubspot_error_from_object (JsonObject *object,
                                    const char *label)
{
  g_autofree char *category = _concord_hubspot_member_text (object, "category");
  g_autofree char *message = error_message (object);
  const char *text = message != NULL ? message : "no reason given";
  GError *error;

  if (g_strcmp0 (category, "CONFLICT") == 0)
    error = g_error_new (CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                         "%s failed: HubSpot already has a contact with this email: %s", label,
                         text);
  else if (g_strcmp0 (category, "OBJECT_NOT_FOUND") == 0)
    error = g_error_new (CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                         "%s failed: HubSpot has no such contact: %s", label, text);
  else
    {
      g_autofree char *field = _concord_hubspot_context_value (object, "propertyName");

      error = g_error_new (CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA,
                           "%s failed: HubSpot refused the data: %s", label, text);
      if (g_strcmp0 (field, "email") == 0)
        concord_error_set_field (error, CONCORD_FIELD_EMAIL);
    }
  return error;
}

/* HubSpot's error bodies (ConcordHttpRefineError). */
static gboolean
refine_error (guint        status,
              GBytes      *body,
              const char  *label,
              GError     **error,
              gpointer     user_data)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *message = NULL;
  g_autofree char *category = NULL;
  JsonObject *object;
  gconstpointer data;
  gsize length = 0;

  data = body != NULL ? g_bytes_get_data (body, &length) : NULL;
  if (data != NULL && length > 0)
    root = concord_json_parse (data, (gssize) length, MAX_ERROR_BODY_BYTES, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  object = json_node_get_object (root);
  message = error_message (object);
  category = _concord_hubspot_member_text (object, "category");
  if (message == NULL)
    return FALSE;

  if (status == SOUP_STATUS_UNAUTHORIZED || g_strcmp0 (category, "INVALID_AUTHENTICATION") == 0)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                 "%s failed: HubSpot refused the private app token (%s)", label, message);
  else if (status == SOUP_STATUS_FORBIDDEN)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                 "%s failed: HubSpot's private app lacks a scope Concord needs "
                 "(crm.objects.contacts.read and .write): %s", label, message);
  else if (status == SOUP_STATUS_BAD_REQUEST || status == SOUP_STATUS_CONFLICT ||
           status == 422)
    {
      g_autoptr(GError) refined = _concord_hubspot_error_from_object (object, label);

      g_propagate_error (error, g_steal_pointer (&refined));
    }
  else
    return FALSE;

  return TRUE;
}

ConcordHttpRequest *
_concord_hubspot_new_request (const char *method,
                              const char *path,
                              const char *label,
                              JsonNode   *body)
{
  ConcordHttpRequest *request = concord_http_request_new (method, path, label);

  if (body != NULL)
    concord_http_request_set_json (request, body);
  return request;
}

/* The results[] of an answer. */
JsonArray *
_concord_hubspot_results_array (JsonNode    *root,
                                const char  *label,
                                GError     **error)
{
  JsonNode *results;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s failed: the answer is not a HubSpot answer", label);
      return NULL;
    }
  results = json_object_get_member (json_node_get_object (root), "results");
  if (results == NULL || !JSON_NODE_HOLDS_ARRAY (results))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s failed: the answer has no results list", label);
      return NULL;
    }
  return json_node_get_array (results);
}

/* ------------------------------------------------------------------------- */
/* Schema                                                                    */
/* ------------------------------------------------------------------------- */

static GPtrArray *
build_schema (ConcordConnectorHubspot *self)
{
  GPtrArray *specs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

  for (guint i = 0; self->properties != NULL && i < self->properties->len; i++)
    {
      ConcordHubspotProperty *property = g_ptr_array_index (self->properties, i);
      ConcordFieldSpec *spec;

      if (!property->custom && !g_str_has_prefix (property->key, CONCORD_FIELD_CUSTOM_PREFIX))
        {
          concord_rest_add_field_spec (specs, property->key,
                                       g_str_equal (property->key, CONCORD_FIELD_STATUS)
                                       ? status_choices : NULL,
                                       property->read_only);
          continue;
        }

      spec = concord_field_spec_new (property->key,
                                     property->key + strlen (CONCORD_FIELD_CUSTOM_PREFIX),
                                     property->type, property->read_only);
      spec->custom = TRUE;
      spec->multi = property->multi;
      if (property->options != NULL)
        {
          guint n = property->options->len / 2;

          spec->choices = g_new0 (char *, n + 1);
          spec->choice_labels = g_new0 (char *, n + 1);
          for (guint o = 0; o < n; o++)
            {
              spec->choices[o] = g_strdup (g_ptr_array_index (property->options, 2 * o));
              spec->choice_labels[o] = g_strdup (g_ptr_array_index (property->options, 2 * o + 1));
            }
        }
      g_ptr_array_add (specs, spec);
    }

  return specs;
}

static void
on_schema_properties_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (object);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, build_schema (self), (GDestroyNotify) g_ptr_array_unref);
}

static void
concord_connector_hubspot_load_schema_async (ConcordConnector    *connector,
                                             const char          *contact_type,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (connector);
  GTask *task = concord_connector_task_new (connector,
                                            concord_connector_hubspot_load_schema_async,
                                            cancellable, callback, user_data);
  GError *error = NULL;

  if (!concord_rest_connector_check_contact_type (CONCORD_REST_CONNECTOR (self), contact_type,
                                                  &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  /* Properties as they are now: a schema load reads them again. */
  _concord_hubspot_ensure_properties_async (self, TRUE, cancellable, on_schema_properties_cb, task);
}

/* ------------------------------------------------------------------------- */
/* ConcordConnector                                                          */
/* ------------------------------------------------------------------------- */

static const ConcordRestAppTraits traits = {
  .app_id = HS_APP_ID,
  .app_name = HS_APP_NAME,
  .contact_type = CONCORD_HUBSPOT_CONTACTS,
  .contact_type_label = CONTACT_TYPE_LABEL,
  .flags = CONCORD_CONNECTOR_INCREMENTAL | CONCORD_CONNECTOR_MODIFIED_TIMES,
  .page_size = PAGE_LIMIT,
  .rate_budget = RATE_BUDGET,
};

static guint
concord_connector_hubspot_get_page_size (ConcordConnector *connector)
{
  return CONCORD_CONNECTOR_HUBSPOT (connector)->page_limit;
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_connector_hubspot_dispose (GObject *object)
{
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (object);

  g_clear_object (&self->client);
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->by_key, g_hash_table_unref);
  g_clear_pointer (&self->properties, g_ptr_array_unref);
  g_clear_pointer (&self->names, g_free);
  g_clear_pointer (&self->seen, g_hash_table_unref);
  g_clear_pointer (&self->conflicts, g_hash_table_unref);

  G_OBJECT_CLASS (concord_connector_hubspot_parent_class)->dispose (object);
}

static void
concord_connector_hubspot_class_init (ConcordConnectorHubspotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ConcordConnectorClass *connector_class = CONCORD_CONNECTOR_CLASS (klass);
  ConcordRestConnectorClass *rest_class = CONCORD_REST_CONNECTOR_CLASS (klass);

  object_class->dispose = concord_connector_hubspot_dispose;

  connector_class->load_schema_async = concord_connector_hubspot_load_schema_async;
  connector_class->get_page_size = concord_connector_hubspot_get_page_size;
  connector_class->list_async = concord_connector_hubspot_list_async;
  connector_class->fetch_async = concord_connector_hubspot_fetch_async;
  connector_class->create_async = concord_connector_hubspot_create_async;
  connector_class->update_async = concord_connector_hubspot_update_async;

  rest_class->traits = &traits;
  rest_class->build_list_request = concord_connector_hubspot_build_list_request;
  rest_class->parse_page = concord_connector_hubspot_parse_page;
  rest_class->record_from_json = concord_connector_hubspot_record_from_json;
  rest_class->build_fetch_request = concord_connector_hubspot_build_fetch_request;
  rest_class->build_create_request = concord_connector_hubspot_build_create_request;
  rest_class->match_created = concord_connector_hubspot_match_created;
  rest_class->build_verify_request = concord_connector_hubspot_build_verify_request;
  rest_class->check_verify_answer = concord_connector_hubspot_check_verify_answer;
  rest_class->prepare_async = concord_connector_hubspot_prepare_async;
}

static void
concord_connector_hubspot_init (ConcordConnectorHubspot *self)
{
  self->page_limit = PAGE_LIMIT;
  self->search_limit = SEARCH_LIMIT;
  self->search_window = SEARCH_WINDOW;
  self->since_ms = -1;
  self->max_ms = -1;
  self->conflicts = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_connector_hubspot_new:
 * @base_url: (nullable): the API's origin; %NULL for
 *   %CONCORD_HUBSPOT_DEFAULT_BASE_URL
 * @token: the private app's access token; kept in memory only
 *
 * Makes a connector for the thread-default main context of the caller,
 * the only context it may be used on.
 *
 * Returns: (transfer full): a new connector
 */
ConcordConnectorHubspot *
concord_connector_hubspot_new (const char *base_url,
                               const char *token)
{
  ConcordConnectorHubspot *self;

  g_return_val_if_fail (token != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_CONNECTOR_HUBSPOT, NULL);
  self->client = concord_http_client_new (base_url != NULL && *base_url != '\0'
                                          ? base_url : CONCORD_HUBSPOT_DEFAULT_BASE_URL,
                                          HS_APP_NAME);
  concord_http_client_set_auth_bearer (self->client, token);
  concord_http_client_set_limits (self->client, MAX_IN_FLIGHT, CONCORD_HTTP_DEFAULT_MAX_RETRIES,
                                  CONCORD_HTTP_DEFAULT_RETRY_BASE_MS);
  /* The ten-secondly window: Remaining 0 holds requests for the interval. */
  concord_http_client_set_rate_limit_headers (self->client, "X-HubSpot-RateLimit-Remaining",
                                              "X-HubSpot-RateLimit-Interval-Milliseconds");
  concord_http_client_set_rate_limit_reset_ms (self->client, TRUE);
  /* The requests in flight when the window runs low still fit in it. */
  concord_http_client_set_rate_limit_reserve (self->client, MAX_IN_FLIGHT - 1);
  concord_http_client_set_refine_error (self->client, refine_error, NULL);
  concord_rest_connector_set_client (CONCORD_REST_CONNECTOR (self), self->client);
  concord_rest_connector_set_max_batch (CONCORD_REST_CONNECTOR (self), MAX_BATCH);
  /* A create HubSpot refuses whole for one contact is halved down to it. */
  concord_rest_connector_set_split_refused (CONCORD_REST_CONNECTOR (self), TRUE);

  return self;
}

/**
 * concord_connector_hubspot_set_retry_base_ms:
 * @base_ms: the first retry's delay, doubled for each further retry
 *
 * For tests, so that retries do not take seconds.
 */
void
concord_connector_hubspot_set_retry_base_ms (ConcordConnectorHubspot *self,
                                             guint                    base_ms)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_HUBSPOT (self));

  concord_http_client_set_limits (self->client, MAX_IN_FLIGHT, CONCORD_HTTP_DEFAULT_MAX_RETRIES,
                                  base_ms);
}

/**
 * concord_connector_hubspot_set_page_limit:
 * @limit: contacts a page of a full listing, 1 to 100
 *
 * For tests: paging without hundreds of contacts.
 */
void
concord_connector_hubspot_set_page_limit (ConcordConnectorHubspot *self,
                                          guint                    limit)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_HUBSPOT (self));
  g_return_if_fail (limit > 0 && limit <= PAGE_LIMIT);

  self->page_limit = limit;
}

/**
 * concord_connector_hubspot_set_search_limit:
 * @limit: contacts a page of a search, 1 to 200
 * @window: the most results a search query reaches (HubSpot's 10,000);
 *   0 keeps it
 *
 * For tests: the search window without 10,000 contacts.
 */
void
concord_connector_hubspot_set_search_limit (ConcordConnectorHubspot *self,
                                            guint                    limit,
                                            guint                    window)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_HUBSPOT (self));
  g_return_if_fail (limit > 0 && limit <= SEARCH_LIMIT);

  self->search_limit = limit;
  if (window > 0)
    self->search_window = MIN (window, SEARCH_WINDOW);
}
