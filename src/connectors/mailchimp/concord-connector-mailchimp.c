/* concord-connector-mailchimp.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Mailchimp's audience members, through the Marketing API 3.0
 * (specs/connectors-reference.md §3). ConcordRestConnector and
 * ConcordHttpClient do the requests: HTTP Basic with any user and the key
 * as the password, sent only to the key's data centre (or the server
 * address set for tests), at most MAX_IN_FLIGHT requests at once
 * (Mailchimp limits connections, not volume: 429 "Too Many Requests"
 * beyond 10), retries with backoff, bounded and repaired answers.
 *
 * Contact types. The audiences (lists), read from GET /lists with
 * count/offset paging by list_contact_types_async(); an audience id the
 * engine already holds is accepted without listing them first.
 *
 * Members. A member is addressed by its subscriber hash, the lower-case
 * hex MD5 of the lower-cased address (GChecksum): that is the remote id.
 * GET /lists/{id}/members pages by count (≤ 1000) and offset until
 * total_items; an incremental listing adds since_last_changed sorted by
 * last_changed ascending, and its cursor is the latest last_changed read
 * ("<since>;full=<Unix time>"), so the next listing overlaps by that
 * second. Archived members are not listed and no change listing shows a
 * deletion: a listing a day after the last full one is full again, the
 * only kind marked complete. Offsets move under a listing: a member
 * changed while an incremental listing pages may push another past a page
 * boundary, which the next full listing reads.
 *
 * Merge fields. GET /lists/{id}/merge-fields is read by a schema load,
 * before a listing's first page (unless a schema load just did), and
 * before the first fetch or write: FNAME, LNAME,
 * PHONE and COMPANY (by tag, or a field named "Company") are the
 * canonical names, phones and company; every other field is
 * "custom:<its name>", typed (text, number, date; dropdown and radio as
 * pick lists of their choices); address and birthday are read-only text.
 * Tags are the "tags" set.
 *
 * Status. subscribed → active, unsubscribed → unsubscribed, cleaned →
 * bounced, pending → not_confirmed, transactional → transactional,
 * archived → inactive. The rules engine never undoes an unsubscribe,
 * bounce or complaint; this side holds the same line on its own, for what
 * the engine cannot see:
 * - a new member gets its status only as status_if_new (the batch's
 *   members with update_existing false, which never reaches an existing
 *   member; one that exists, archived or added since the listing, is then
 *   upserted by PUT with status_if_new and without status: its fields are
 *   written, its status stays);
 *   a suppressed contact is created unsubscribed, one without a status
 *   transactional (never subscribed without saying so);
 * - an existing member is never sent status "subscribed" (Mailchimp's
 *   opt-in is the person's), and nothing but "unsubscribed" over an
 *   unsubscribed or cleaned member: the member is read first, and such a
 *   status is refused for that member alone, saying why;
 * - an unsubscribe, bounce or complaint is written as "unsubscribed"
 *   ("cleaned" cannot be written).
 *
 * Writes skip merge validation: an audience's required merge fields would
 * _concord_mailchimp_refuse every contact the other app has no value for.
 *
 * Writes. Creates go in batches of MAX_BATCH to POST /lists/{id}, whose
 * errors[] fail their members only; an update is PATCH by hash, with the
 * member read first when it _concord_mailchimp_changes status or tags, and tags written
 * through POST …/members/{hash}/tags (active and inactive). A new address
 * would be a new member id: only its case is written, another address is
 * refused for that field.
 *
 * Errors are problem+json: the title and detail make the message, the
 * title (and the status) the code.
 */

#define G_LOG_DOMAIN "concord-connector-mailchimp"

#include "config.h"

#include <string.h>

#include "concord-connector-mailchimp.h"
#include "concord-connector-mailchimp-private.h"
#include "concord-error.h"
#include "concord-json-private.h"
#include "concord-rest-connector.h"

G_DEFINE_FINAL_TYPE (ConcordConnectorMailchimp, concord_connector_mailchimp,
                     CONCORD_TYPE_REST_CONNECTOR)

/* The parent class, for the parts' chained-up calls. */
gpointer
_concord_mailchimp_parent_class (void)
{
  return concord_connector_mailchimp_parent_class;
}

/* Mailchimp's statuses and the canonical ones. */
static const struct
{
  const char *api;
  const char *canonical;
} status_names[] = {
  { "subscribed", "active" },
  { "unsubscribed", "unsubscribed" },
  { "cleaned", "bounced" },
  { "pending", "not_confirmed" },
  { "transactional", "transactional" },
  { "archived", "inactive" },
};

/* A new member's status (status_if_new) for a canonical one. */
static const struct
{
  const char *canonical;
  const char *api;
} status_new[] = {
  { "active", "subscribed" },
  { "engaged", "subscribed" },
  { "not_confirmed", "pending" },
  { "transactional", "transactional" },
  { "unsubscribed", "unsubscribed" },
  { "bounced", "unsubscribed" },
  { "abuse", "unsubscribed" },
  { "complained", "unsubscribed" },
  { "inactive", "transactional" },
  { "stale", "transactional" },
};

static const char *status_choices[] = { "active", "unsubscribed", "bounced", "not_confirmed",
                                        "transactional", "inactive", NULL };

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

void
_concord_mailchimp_merge_field_free (ConcordMailchimpMergeField *field)
{
  g_free (field->tag);
  g_free (field->key);
  g_free (field->label);
  g_strfreev (field->choices);
  g_free (field);
}

char *
_concord_mailchimp_member_text (JsonObject *object,
                                const char *name)
{
  return concord_rest_json_text (object, name, MAX_VALUE_BYTES, NULL);
}

char *
_concord_mailchimp_format_time (gint64 unix_time)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (unix_time);

  return when != NULL ? g_date_time_format (when, "%Y-%m-%dT%H:%M:%S+00:00") : NULL;
}

gboolean
_concord_mailchimp_is_suppressed_api (const char *api)
{
  return g_strcmp0 (api, "unsubscribed") == 0 || g_strcmp0 (api, "cleaned") == 0;
}

gboolean
_concord_mailchimp_is_hash (const char *text)
{
  if (text == NULL || strlen (text) != HASH_LENGTH)
    return FALSE;
  for (const char *c = text; *c != '\0'; c++)
    if (!g_ascii_isxdigit (*c) || g_ascii_isupper (*c))
      return FALSE;
  return TRUE;
}

/* An audience id as Mailchimp gives them (ten hex digits), or any short
 * run of letters, digits, '-' and '_': safe in a path. */
gboolean
_concord_mailchimp_is_list_id (const char *text)
{
  gsize length = text != NULL ? strlen (text) : 0;

  if (length == 0 || length > 64)
    return FALSE;
  for (const char *c = text; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && *c != '-' && *c != '_')
      return FALSE;
  return TRUE;
}

ConcordHttpRequest *
_concord_mailchimp_new_request (const char *method,
                                const char *path,
                                const char *label,
                                JsonNode   *body)
{
  ConcordHttpRequest *request = concord_http_request_new (method, path, label);

  if (body != NULL)
    concord_http_request_set_json (request, body);
  return request;
}

JsonObject *
_concord_mailchimp_root_object (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* total_items of a page, or -1 when it has none that is a count. */
gint64
_concord_mailchimp_read_total (JsonObject *answer)
{
  JsonNode *node = answer != NULL ? json_object_get_member (answer, "total_items") : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) < 0)
    return -1;
  return json_node_get_int (node);
}

/* Whether a page of @n items at @offset, asked for @limit, has one after
 * it: a full page, unless total_items says there is no more (a page
 * without a total is not the last because it says nothing). */
gboolean
_concord_mailchimp_has_next_page (guint  offset,
                                  guint  n,
                                  guint  limit,
                                  gint64 total)
{
  return n > 0 && n >= limit && (total < 0 || (gint64) offset + n < total);
}

/* ------------------------------------------------------------------------- */
/* Errors                                                                    */
/* ------------------------------------------------------------------------- */

/* Mailchimp's problem+json error bodies (ConcordHttpRefineError):
 * {type, title, status, detail, instance, errors?:[{field, message}]}. */
static gboolean
refine_error (guint        status,
              GBytes      *body,
              const char  *label,
              GError     **error,
              gpointer     user_data)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *title = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *field = NULL;
  g_autofree char *message = NULL;
  g_autofree char *redacted = NULL;
  JsonObject *object;
  JsonNode *errors;
  gconstpointer data;
  gsize length = 0;

  if (status == 429 || status >= 500)
    return FALSE;

  data = body != NULL ? g_bytes_get_data (body, &length) : NULL;
  if (data != NULL && length > 0)
    root = concord_json_parse (data, (gssize) length, MAX_ERROR_BODY_BYTES, NULL);
  object = _concord_mailchimp_root_object (root);
  if (object == NULL)
    return FALSE;

  title = _concord_mailchimp_member_text (object, "title");
  detail = _concord_mailchimp_member_text (object, "detail");
  errors = json_object_get_member (object, "errors");
  if (errors != NULL && JSON_NODE_HOLDS_ARRAY (errors) &&
      json_array_get_length (json_node_get_array (errors)) > 0 &&
      JSON_NODE_HOLDS_OBJECT (json_array_get_element (json_node_get_array (errors), 0)))
    {
      JsonObject *first = json_node_get_object (json_array_get_element (json_node_get_array (errors),
                                                                        0));
      g_autofree char *text = _concord_mailchimp_member_text (first, "message");

      field = _concord_mailchimp_member_text (first, "field");
      if (text != NULL)
        {
          g_autofree char *joined = g_strdup_printf ("%s%s%s", detail != NULL ? detail : "",
                                                     detail != NULL ? " " : "", text);

          g_free (detail);
          detail = g_steal_pointer (&joined);
        }
    }
  if (title == NULL && detail == NULL)
    return FALSE;

  message = g_strdup_printf ("%s%s%s", title != NULL ? title : "",
                             title != NULL && detail != NULL ? ": " : "",
                             detail != NULL ? detail : "");
  /* The detail may quote what was sent: redacted, cut. */
  redacted = concord_http_redact (message);
  if (g_utf8_strlen (redacted, -1) > 200)
    {
      g_autofree char *cut = g_utf8_substring (redacted, 0, 200);

      g_free (redacted);
      redacted = g_steal_pointer (&cut);
    }

  if (status == SOUP_STATUS_UNAUTHORIZED || g_strcmp0 (title, "API Key Invalid") == 0)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                 "%s failed: Mailchimp refused the API key (%s)", label, redacted);
  else if (status == SOUP_STATUS_FORBIDDEN)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                 "%s failed: Mailchimp does not allow this key to do that (%s)", label, redacted);
  else if (status == SOUP_STATUS_NOT_FOUND)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                 "%s failed: Mailchimp has no such audience or member (%s)", label, redacted);
  else if (g_strcmp0 (title, "Member Exists") == 0)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                   "%s failed: the address is already in the audience (%s)", label, redacted);
      concord_error_set_field (*error, CONCORD_FIELD_EMAIL);
    }
  else if (g_strcmp0 (title, "Member In Compliance State") == 0 ||
           g_strcmp0 (title, "Forgotten Email Not Subscribed") == 0)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_REFUSED,
                   "%s failed: Mailchimp keeps this address unsubscribed (%s)", label, redacted);
      concord_error_set_field (*error, CONCORD_FIELD_STATUS);
    }
  else if (status == SOUP_STATUS_BAD_REQUEST || status == 422)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA,
                   "%s failed: Mailchimp refused the data: %s", label, redacted);
      if (g_strcmp0 (field, "email_address") == 0)
        concord_error_set_field (*error, CONCORD_FIELD_EMAIL);
    }
  else
    return FALSE;

  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Schema                                                                    */
/* ------------------------------------------------------------------------- */

static GPtrArray *
build_schema (ConcordConnectorMailchimp *self)
{
  GPtrArray *specs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

  concord_rest_add_field_spec (specs, CONCORD_FIELD_EMAIL, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_TAGS, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_STATUS, status_choices, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_CREATED_AT, NULL, TRUE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_UPDATED_AT, NULL, TRUE);

  for (guint i = 0; self->fields != NULL && i < self->fields->len; i++)
    {
      ConcordMailchimpMergeField *field = g_ptr_array_index (self->fields, i);
      ConcordFieldSpec *spec;

      if (!field->custom)
        {
          concord_rest_add_field_spec (specs, field->key, NULL, FALSE);
          continue;
        }
      spec = concord_field_spec_new (field->key, field->label, field->type, field->read_only);
      spec->custom = TRUE;
      spec->choices = g_strdupv (field->choices);
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
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (object);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, build_schema (self), (GDestroyNotify) g_ptr_array_unref);
}

static void
concord_connector_mailchimp_load_schema_async (ConcordConnector    *connector,
                                               const char          *contact_type,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (connector);
  GTask *task = concord_connector_task_new (connector,
                                            concord_connector_mailchimp_load_schema_async,
                                            cancellable, callback, user_data);
  GError *error = NULL;

  _concord_mailchimp_accept_list (self, contact_type);
  if (!concord_rest_connector_check_contact_type (CONCORD_REST_CONNECTOR (self), contact_type,
                                                  &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  /* Fields as they are now: a schema load reads them again. */
  _concord_mailchimp_read_fields_async (self, TRUE, TRUE, cancellable, on_schema_prepared_cb, task);
}

/* ------------------------------------------------------------------------- */
/* ConcordConnector                                                          */
/* ------------------------------------------------------------------------- */

/* Each operation names its audience: accepted, and the one its requests
 * (and the merge fields read before them) are for. */
static void
concord_connector_mailchimp_list_async (ConcordConnector    *connector,
                                        const char          *contact_type,
                                        const char          *cursor,
                                        const char          *page_token,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  _concord_mailchimp_accept_list (CONCORD_CONNECTOR_MAILCHIMP (connector), contact_type);
  CONCORD_CONNECTOR_CLASS (concord_connector_mailchimp_parent_class)->list_async (
    connector, contact_type, cursor, page_token, cancellable, callback, user_data);
}

static void
concord_connector_mailchimp_fetch_async (ConcordConnector    *connector,
                                         const char          *contact_type,
                                         const char * const  *remote_ids,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  _concord_mailchimp_accept_list (CONCORD_CONNECTOR_MAILCHIMP (connector), contact_type);
  CONCORD_CONNECTOR_CLASS (concord_connector_mailchimp_parent_class)->fetch_async (
    connector, contact_type, remote_ids, cancellable, callback, user_data);
}

static const ConcordRestAppTraits traits = {
  .app_id = MC_APP_ID,
  .app_name = MC_APP_NAME,
  .contact_type = NULL,
  .contact_type_label = NULL,
  .flags = CONCORD_CONNECTOR_INCREMENTAL | CONCORD_CONNECTOR_MODIFIED_TIMES,
  .page_size = PAGE_LIMIT,
  .rate_budget = RATE_BUDGET,
};

static guint
concord_connector_mailchimp_get_page_size (ConcordConnector *connector)
{
  return CONCORD_CONNECTOR_MAILCHIMP (connector)->page_limit;
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_connector_mailchimp_dispose (GObject *object)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (object);

  g_clear_object (&self->client);
  g_clear_pointer (&self->fields_by_tag, g_hash_table_unref);
  g_clear_pointer (&self->fields_by_key, g_hash_table_unref);
  g_clear_pointer (&self->fields, g_ptr_array_unref);
  g_clear_pointer (&self->fields_list, g_free);
  g_clear_pointer (&self->audiences, g_ptr_array_unref);
  g_clear_pointer (&self->list_id, g_free);
  g_clear_pointer (&self->first_id, g_free);

  G_OBJECT_CLASS (concord_connector_mailchimp_parent_class)->dispose (object);
}

static void
concord_connector_mailchimp_finalize (GObject *object)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (object);

  g_hash_table_unref (self->accepted);
  g_hash_table_unref (self->existing);

  G_OBJECT_CLASS (concord_connector_mailchimp_parent_class)->finalize (object);
}

static void
concord_connector_mailchimp_class_init (ConcordConnectorMailchimpClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ConcordConnectorClass *connector_class = CONCORD_CONNECTOR_CLASS (klass);
  ConcordRestConnectorClass *rest_class = CONCORD_REST_CONNECTOR_CLASS (klass);

  object_class->dispose = concord_connector_mailchimp_dispose;
  object_class->finalize = concord_connector_mailchimp_finalize;

  connector_class->list_contact_types = concord_connector_mailchimp_list_contact_types;
  connector_class->list_contact_types_async = concord_connector_mailchimp_list_contact_types_async;
  connector_class->load_schema_async = concord_connector_mailchimp_load_schema_async;
  connector_class->get_page_size = concord_connector_mailchimp_get_page_size;
  connector_class->list_async = concord_connector_mailchimp_list_async;
  connector_class->fetch_async = concord_connector_mailchimp_fetch_async;
  connector_class->create_async = concord_connector_mailchimp_create_async;
  connector_class->update_async = concord_connector_mailchimp_update_async;

  rest_class->traits = &traits;
  rest_class->build_list_request = concord_connector_mailchimp_build_list_request;
  rest_class->parse_page = concord_connector_mailchimp_parse_page;
  rest_class->record_from_json = concord_connector_mailchimp_record_from_json;
  rest_class->build_fetch_request = concord_connector_mailchimp_build_fetch_request;
  rest_class->create_group_key = concord_connector_mailchimp_create_group_key;
  rest_class->build_create_request = concord_connector_mailchimp_build_create_request;
  rest_class->match_created = concord_connector_mailchimp_match_created;
  rest_class->update_step = concord_connector_mailchimp_update_step;
  rest_class->build_verify_request = concord_connector_mailchimp_build_verify_request;
  rest_class->check_verify_answer = concord_connector_mailchimp_check_verify_answer;
  rest_class->prepare_async = concord_connector_mailchimp_prepare_async;
}

static void
concord_connector_mailchimp_init (ConcordConnectorMailchimp *self)
{
  self->page_limit = PAGE_LIMIT;
  self->max_changed = -1;
  self->since = -1;
  self->accepted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->existing = g_hash_table_new (g_direct_hash, g_direct_equal);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_connector_mailchimp_new:
 * @base_url: the API's root (https://usNN.api.mailchimp.com/3.0, or a mock's)
 * @api_key: the API key; kept in memory only
 *
 * Makes a connector for the thread-default main context of the caller,
 * the only context it may be used on.
 *
 * Returns: (transfer full): a new connector
 */
ConcordConnectorMailchimp *
concord_connector_mailchimp_new (const char *base_url,
                                 const char *api_key)
{
  ConcordConnectorMailchimp *self;

  g_return_val_if_fail (base_url != NULL, NULL);
  g_return_val_if_fail (api_key != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_CONNECTOR_MAILCHIMP, NULL);
  self->client = concord_http_client_new (base_url, MC_APP_NAME);
  concord_http_client_set_auth_basic (self->client, BASIC_USER, api_key);
  concord_http_client_set_limits (self->client, MAX_IN_FLIGHT, CONCORD_HTTP_DEFAULT_MAX_RETRIES,
                                  CONCORD_HTTP_DEFAULT_RETRY_BASE_MS);
  concord_http_client_set_refine_error (self->client, refine_error, NULL);
  concord_rest_connector_set_client (CONCORD_REST_CONNECTOR (self), self->client);
  concord_rest_connector_set_max_batch (CONCORD_REST_CONNECTOR (self), MAX_BATCH);

  return self;
}

/**
 * concord_connector_mailchimp_data_center:
 * @api_key: (nullable): a Mailchimp API key, "<key>-us6"
 *
 * Returns: (transfer full) (nullable): the data centre the key's suffix
 *   names ("us6"), or %NULL with @error for a key without one
 */
char *
concord_connector_mailchimp_data_center (const char  *api_key,
                                         GError     **error)
{
  const char *dash = api_key != NULL ? strrchr (api_key, '-') : NULL;
  gsize length;

  if (dash == NULL || dash == api_key)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "A Mailchimp API key ends with its data centre, such as “-us6”");
      return NULL;
    }

  length = strlen (dash + 1);
  if (length < 2 || length > 10 || !g_ascii_islower (dash[1]))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "A Mailchimp API key ends with its data centre, such as “-us6”");
      return NULL;
    }
  for (const char *c = dash + 1; *c != '\0'; c++)
    if (!g_ascii_islower (*c) && !g_ascii_isdigit (*c))
      {
        g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                             "A Mailchimp data centre has only lower-case letters and digits");
        return NULL;
      }
  for (const char *c = api_key; c < dash; c++)
    if (g_ascii_isspace (*c) || !g_ascii_isprint (*c))
      {
        g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                             "A Mailchimp API key has no spaces");
        return NULL;
      }

  return g_strdup (dash + 1);
}

/**
 * concord_connector_mailchimp_base_url_for:
 * @api_key: a Mailchimp API key, "<key>-us6"
 *
 * Returns: (transfer full) (nullable): https://us6.api.mailchimp.com/3.0,
 *   or %NULL with @error for a key without a data centre
 */
char *
concord_connector_mailchimp_base_url_for (const char  *api_key,
                                          GError     **error)
{
  g_autofree char *dc = concord_connector_mailchimp_data_center (api_key, error);

  return dc != NULL ? g_strdup_printf (CONCORD_MAILCHIMP_BASE_URL_FORMAT, dc) : NULL;
}

/**
 * concord_connector_mailchimp_subscriber_hash:
 * @email: an address
 *
 * Returns: (transfer full): the lower-case hex MD5 of the address, lower
 *   case (ASCII only: the same in every locale) and without the spaces at
 *   its ends: the member's id in Mailchimp
 */
char *
concord_connector_mailchimp_subscriber_hash (const char *email)
{
  g_autofree char *lower = g_ascii_strdown (email != NULL ? email : "", -1);

  g_strstrip (lower);
  return g_compute_checksum_for_string (G_CHECKSUM_MD5, lower, -1);
}

/**
 * concord_connector_mailchimp_status_to_canonical:
 * @status: (nullable): a member's status in Mailchimp
 *
 * Returns: (nullable): the canonical status, %NULL for one Mailchimp does
 *   not have
 */
const char *
concord_connector_mailchimp_status_to_canonical (const char *status)
{
  for (guint i = 0; status != NULL && i < G_N_ELEMENTS (status_names); i++)
    if (g_ascii_strcasecmp (status_names[i].api, status) == 0)
      return status_names[i].canonical;
  return NULL;
}

/**
 * concord_connector_mailchimp_status_for_new:
 * @canonical: (nullable): a canonical status
 *
 * Returns: the status a new member gets for it (status_if_new): never
 *   "subscribed" for a suppressed contact, nor without a status at all
 */
const char *
concord_connector_mailchimp_status_for_new (const char *canonical)
{
  for (guint i = 0; canonical != NULL && i < G_N_ELEMENTS (status_new); i++)
    if (g_ascii_strcasecmp (status_new[i].canonical, canonical) == 0)
      return status_new[i].api;
  return "transactional";
}

/**
 * concord_connector_mailchimp_set_retry_base_ms:
 * @base_ms: the first retry's delay, doubled for each further retry
 *
 * For tests, so that retries do not take seconds.
 */
void
concord_connector_mailchimp_set_retry_base_ms (ConcordConnectorMailchimp *self,
                                               guint                      base_ms)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_MAILCHIMP (self));

  concord_http_client_set_limits (self->client, MAX_IN_FLIGHT, CONCORD_HTTP_DEFAULT_MAX_RETRIES,
                                  base_ms);
}

/**
 * concord_connector_mailchimp_set_page_limit:
 * @limit: members a page, 1 to 1000
 *
 * For tests: paging without thousands of members.
 */
void
concord_connector_mailchimp_set_page_limit (ConcordConnectorMailchimp *self,
                                            guint                      limit)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_MAILCHIMP (self));
  g_return_if_fail (limit > 0 && limit <= PAGE_LIMIT);

  self->page_limit = limit;
}
