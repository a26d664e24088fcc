/* concord-json-connector.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * An app made from a connector description (docs/connector-descriptions.md),
 * no C of its own: ConcordRestConnector does the listing with its guards,
 * parallel fetch by id, chunked creates with 413 halving and per-record
 * results; ConcordHttpClient the authentication (only to the base URL's
 * origin), the in-flight limit, retries with Retry-After, the rate-limit
 * headers and bounded, repaired answers. This file turns the description
 * into requests and reads answers through its compiled paths.
 *
 * Reading. A page's records are the array at list.records; an element that
 * is not an object, or has no id, fails the page (a listing with a record
 * Concord cannot read is not complete, and absence would be taken for a
 * deletion). Records the "where" filter leaves out are not contacts and
 * are skipped. Text is repaired and cut (marked altered, so it is never
 * written across or matched); an email longer than any address is cut and
 * marked. Emails and phones with "items" become the single field (the
 * primary, else the first) and the labelled set.
 *
 * Incremental listings (modified_since): the cursor is the latest
 * modification time seen, in Unix seconds; the next listing asks from it
 * less the overlap. With sync_token, the cursor is the app's token.
 *
 * Custom fields are read from the definitions endpoint before a listing's
 * first page, a schema load, and the first fetch or write; they are named
 * "custom:<name>" (a second field of one name gets its id after it), typed
 * by the description's map (other types are left out), with options as
 * choices and their labels as choice labels. Values are written back with
 * the definition's id as the app wrote it.
 *
 * Updates. "partial": only the fields of the change; but a change of the
 * email or phone alone, where the app holds an array of them, reads the
 * record first so that the other items are kept. "full": the record is
 * read first and sent whole, the change applied to it.
 *
 * Hooks are called only when the description lists them.
 *
 * This file holds the errors, the GObject and the public API; the reading,
 * writing, custom field definitions and schema, listing, creates and
 * updates are in concord-json-connector-read.c, -write.c, -schema.c,
 * -list.c and -change.c (see concord-json-connector-private.h).
 */

#define G_LOG_DOMAIN "concord-json-connector"

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-json-connector.h"
#include "concord-json-connector-private.h"
#include "concord-json-hooks.h"
#include "concord-json-private.h"

#define MAX_ERROR_BODY_BYTES (64 * 1024)
#define MAX_ERROR_CHARS      200

G_DEFINE_FINAL_TYPE (ConcordJsonConnector, concord_json_connector, CONCORD_TYPE_REST_CONNECTOR)

/* ------------------------------------------------------------------------- */
/* Errors                                                                    */
/* ------------------------------------------------------------------------- */

/* The app's message in an error body, at the description's paths: appended
 * to what the status says (redacted and cut); a 400 or 422 with one is the
 * app refusing the data of that record. */
static gboolean
refine_error (guint        status,
              GBytes      *body,
              const char  *label,
              GError     **error,
              gpointer     user_data)
{
  ConcordJsonConnector *self = user_data;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *message = NULL;
  g_autofree char *redacted = NULL;
  g_autoptr(GError) status_error = NULL;
  gconstpointer data;
  gsize length = 0;

  data = body != NULL ? g_bytes_get_data (body, &length) : NULL;
  if (data != NULL && length > 0)
    root = concord_json_parse (data, (gssize) length, MAX_ERROR_BODY_BYTES, NULL);
  for (guint i = 0; root != NULL && message == NULL && i < self->description->error_paths->len;
       i++)
    {
      message = concord_desc_path_get_text (g_ptr_array_index (self->description->error_paths,
                                                               i),
                                            root, 4096, NULL);
      if (message != NULL && *g_strstrip (message) == '\0')
        g_clear_pointer (&message, g_free);
    }
  if (message == NULL)
    return FALSE;

  /* An app may quote the key it refused: never into a message. */
  if (self->secret != NULL && *self->secret != '\0' && strstr (message, self->secret) != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (message, self->secret, -1);

      g_free (message);
      message = g_strjoinv ("[redacted]", parts);
    }
  redacted = concord_http_redact (message);
  if (g_utf8_strlen (redacted, -1) > MAX_ERROR_CHARS)
    {
      g_autofree char *cut = g_utf8_substring (redacted, 0, MAX_ERROR_CHARS);

      g_free (redacted);
      redacted = g_strconcat (cut, "…", NULL);
    }

  concord_http_check_status (status, label, &status_error);
  if (status == SOUP_STATUS_BAD_REQUEST || status == 422)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA, "%s: %s refused the data: %s",
                 status_error->message, self->description->name, redacted);
  else
    g_set_error (error, status_error->domain, status_error->code, "%s: %s says: %s",
                 status_error->message, self->description->name, redacted);
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

/* What must be read before an operation: the custom field definitions of
 * its contact type, again before each new listing. */
static void
prepare_async (ConcordRestConnector *connector,
               ConcordRestOperation  operation,
               const char           *page_token,
               GPtrArray            *inputs,
               GCancellable         *cancellable,
               GAsyncReadyCallback   callback,
               gpointer              user_data)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  gboolean new_listing = operation == CONCORD_REST_LIST && page_token == NULL;

  _concord_json_connector_load_definitions_async (self, self->operation_type, new_listing, cancellable, callback,
                                                  user_data);
}

static gboolean
prepare_finish (ConcordRestConnector  *connector,
                GAsyncResult          *result,
                GError               **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The base does not tell prepare_async() the contact type: each operation
 * notes it on its way in. */
static ConcordConnectorClass *rest_connector_class;

/* Notes the operation's type; a type a discovered entry may hold (an
 * audience) is taken as one until the app says otherwise (404), so that a
 * connector made for a sync need not list the types first. */
void
_concord_json_connector_note_type (ConcordJsonConnector *self,
                                   const char           *contact_type)
{
  gboolean known = FALSE;

  if (contact_type != NULL && _concord_json_connector_discovered_entry (self) != NULL &&
      concord_description_find_type (self->description, contact_type)->id == NULL &&
      strpbrk (contact_type, "/?#") == NULL && *contact_type != '\0')
    {
      for (guint i = 0; self->types != NULL && i < self->types->len; i++)
        known |= g_str_equal (((ConcordContactType *) g_ptr_array_index (self->types, i))->id,
                              contact_type);
      if (!known)
        {
          if (self->types == NULL)
            self->types = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);
          g_ptr_array_add (self->types, concord_contact_type_new (contact_type, contact_type));
        }
    }
  if (g_strcmp0 (self->operation_type, contact_type) == 0)
    return;
  g_free (self->operation_type);
  self->operation_type = g_strdup (contact_type);
}

static void
concord_json_connector_list_async (ConcordConnector    *connector,
                                   const char          *contact_type,
                                   const char          *cursor,
                                   const char          *page_token,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  _concord_json_connector_note_type (CONCORD_JSON_CONNECTOR (connector), contact_type);
  rest_connector_class->list_async (connector, contact_type, cursor, page_token, cancellable,
                                    callback, user_data);
}

static void
concord_json_connector_fetch_async (ConcordConnector    *connector,
                                    const char          *contact_type,
                                    const char * const  *remote_ids,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  _concord_json_connector_note_type (CONCORD_JSON_CONNECTOR (connector), contact_type);
  rest_connector_class->fetch_async (connector, contact_type, remote_ids, cancellable, callback,
                                     user_data);
}

static void
concord_json_connector_create_async (ConcordConnector    *connector,
                                     const char          *contact_type,
                                     GPtrArray           *records,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  _concord_json_connector_note_type (CONCORD_JSON_CONNECTOR (connector), contact_type);
  rest_connector_class->create_async (connector, contact_type, records, cancellable, callback,
                                      user_data);
}

static void
concord_json_connector_update_async (ConcordConnector    *connector,
                                     const char          *contact_type,
                                     GPtrArray           *changes,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  _concord_json_connector_note_type (CONCORD_JSON_CONNECTOR (connector), contact_type);
  rest_connector_class->update_async (connector, contact_type, changes, cancellable, callback,
                                      user_data);
}

static guint
concord_json_connector_get_page_size (ConcordConnector *connector)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);

  return _concord_json_connector_page_size_of (self, g_ptr_array_index (self->description->contact_types, 0));
}

static guint
concord_json_connector_get_rate_budget (ConcordConnector *connector)
{
  ConcordDescription *description = CONCORD_JSON_CONNECTOR (connector)->description;

  if (description->rate_requests > 0)
    return (guint) MIN ((guint64) description->rate_requests * 3600 / description->rate_seconds,
                        G_MAXUINT);
  /* Nothing said but headers: a conservative figure. */
  return 3600;
}

static const char *
concord_json_connector_get_app_id (ConcordConnector *connector)
{
  return CONCORD_JSON_CONNECTOR (connector)->description->id;
}

static const char *
concord_json_connector_get_app_name (ConcordConnector *connector)
{
  return CONCORD_JSON_CONNECTOR (connector)->description->name;
}

static ConcordConnectorFlags
concord_json_connector_get_flags (ConcordConnector *connector)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  const ConcordDescContactType *type = g_ptr_array_index (self->description->contact_types, 0);
  ConcordConnectorFlags flags = CONCORD_CONNECTOR_NONE;

  if (type->incremental != CONCORD_DESC_INCREMENTAL_NONE)
    flags |= CONCORD_CONNECTOR_INCREMENTAL;
  if (type->modified != NULL)
    flags |= CONCORD_CONNECTOR_MODIFIED_TIMES;
  return flags;
}

static void
concord_json_connector_dispose (GObject *object)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (object);

  g_clear_object (&self->client);
  G_OBJECT_CLASS (concord_json_connector_parent_class)->dispose (object);
}

static void
concord_json_connector_finalize (GObject *object)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (object);

  g_clear_pointer (&self->description, concord_description_unref);
  g_clear_pointer (&self->values, json_object_unref);
  g_clear_pointer (&self->customs, g_hash_table_unref);
  g_clear_pointer (&self->types, g_ptr_array_unref);
  g_free (self->operation_type);
  if (self->secret != NULL)
    memset (self->secret, 0, strlen (self->secret));
  g_free (self->secret);
  G_OBJECT_CLASS (concord_json_connector_parent_class)->finalize (object);
}

static void
concord_json_connector_class_init (ConcordJsonConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ConcordConnectorClass *connector_class = CONCORD_CONNECTOR_CLASS (klass);
  ConcordRestConnectorClass *rest_class = CONCORD_REST_CONNECTOR_CLASS (klass);

  object_class->dispose = concord_json_connector_dispose;
  object_class->finalize = concord_json_connector_finalize;

  connector_class->get_app_id = concord_json_connector_get_app_id;
  connector_class->get_app_name = concord_json_connector_get_app_name;
  connector_class->get_flags = concord_json_connector_get_flags;
  connector_class->get_page_size = concord_json_connector_get_page_size;
  connector_class->get_rate_budget = concord_json_connector_get_rate_budget;
  connector_class->list_contact_types = _concord_json_connector_list_contact_types;
  connector_class->list_contact_types_async = _concord_json_connector_list_contact_types_async;
  connector_class->list_contact_types_finish = _concord_json_connector_list_contact_types_finish;
  connector_class->load_schema_async = _concord_json_connector_load_schema_async;

  rest_class->build_list_request = _concord_json_connector_build_list_request;
  rest_class->parse_page = _concord_json_connector_parse_page;
  rest_class->record_from_json = _concord_json_connector_record_from_json;
  rest_class->build_fetch_request = _concord_json_connector_build_fetch_request;
  rest_class->build_create_request = _concord_json_connector_build_create_request;
  rest_class->match_created = _concord_json_connector_match_created;
  rest_class->update_step = _concord_json_connector_update_step;
  rest_class->build_verify_request = _concord_json_connector_build_verify_request;
  rest_class->check_verify_answer = _concord_json_connector_check_verify_answer;
  rest_class->prepare_async = prepare_async;
  rest_class->prepare_finish = prepare_finish;

  rest_connector_class = g_type_class_peek_parent (klass);
  connector_class->list_async = concord_json_connector_list_async;
  connector_class->fetch_async = concord_json_connector_fetch_async;
  connector_class->create_async = concord_json_connector_create_async;
  connector_class->update_async = concord_json_connector_update_async;
}

static void
concord_json_connector_init (ConcordJsonConnector *self)
{
  self->customs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) _concord_json_connector_custom_set_free);
  self->max_modified = -1;
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_json_connector_new:
 * @description: a loaded description
 * @options: (nullable): the account's options (strings); "base_url" wins
 *   over the description's
 * @secret: the account's key; the HTTP client sends it, the connector keeps it
 *   only to scrub it from the app's messages (wiped when finalized)
 *
 * Makes a connector for the thread-default main context of the caller,
 * the only context it may be used on.
 *
 * Returns: (transfer full) (nullable): a new connector, or %NULL with
 *   @error set when the options cannot fill the description (an empty
 *   field a placeholder needs, a key that does not name its data centre,
 *   a base URL that is not allowed)
 */
ConcordJsonConnector *
concord_json_connector_new (ConcordDescription  *description,
                            JsonObject          *options,
                            const char          *secret,
                            GError             **error)
{
  g_autoptr(ConcordJsonConnector) self = NULL;
  g_autofree char *base_url = NULL;
  g_autofree char *user = NULL;
  g_autofree char *password = NULL;
  g_autoptr(GList) members = NULL;

  g_return_val_if_fail (description != NULL, NULL);
  g_return_val_if_fail (secret != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_JSON_CONNECTOR, NULL);
  self->description = concord_description_ref (description);
  self->secret = g_strdup (secret);

  /* The options, and the derived values worked out now: templates are
   * filled from these, never from the secret. */
  self->values = json_object_new ();
  members = options != NULL ? json_object_get_members (options) : NULL;
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (options, l->data);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        json_object_set_string_member (self->values, l->data, json_node_get_string (node));
    }
  for (guint i = 0; description->derive != NULL && i < description->derive->len; i++)
    {
      ConcordDescDerive *derive = g_ptr_array_index (description->derive, i);
      g_autofree char *value = NULL;

      /* A base URL given (a mock) needs no data centre. */
      value = concord_description_derive (description, derive->name, self->values, secret,
                                          NULL);
      if (value != NULL)
        json_object_set_string_member (self->values, derive->name, value);
    }

  base_url = concord_description_base_url (description, self->values, secret, error);
  if (base_url == NULL || !concord_http_check_base_url (base_url, error))
    return NULL;

  self->client = concord_http_client_new (base_url, description->name);
  switch (description->auth)
    {
    case CONCORD_DESC_AUTH_HEADER:
      user = concord_description_fill (description, description->auth_value, self->values,
                                       secret, NULL, NULL, FALSE, error);
      if (user == NULL)
        return NULL;
      concord_http_client_set_auth_header (self->client, description->auth_name, user);
      break;
    case CONCORD_DESC_AUTH_BEARER:
      concord_http_client_set_auth_bearer (self->client, secret);
      break;
    case CONCORD_DESC_AUTH_BASIC:
      user = concord_description_fill (description, description->auth_value, self->values,
                                       secret, NULL, NULL, FALSE, error);
      password = user != NULL
                 ? concord_description_fill (description, description->auth_password,
                                             self->values, secret, NULL, NULL, FALSE, error)
                 : NULL;
      if (password == NULL)
        return NULL;
      concord_http_client_set_auth_basic (self->client, user, password);
      break;
    case CONCORD_DESC_AUTH_QUERY:
      concord_http_client_set_auth_query (self->client, description->auth_name, secret);
      break;
    default:
      g_assert_not_reached ();
    }
  if (user != NULL)
    memset (user, 0, strlen (user));
  if (password != NULL)
    memset (password, 0, strlen (password));

  concord_http_client_set_limits (self->client, description->max_in_flight,
                                  CONCORD_HTTP_DEFAULT_MAX_RETRIES,
                                  CONCORD_HTTP_DEFAULT_RETRY_BASE_MS);
  if (description->rate_remaining != NULL)
    concord_http_client_set_rate_limit_headers (self->client, description->rate_remaining,
                                                description->rate_reset);
  concord_http_client_set_refine_error (self->client, refine_error, self);
  concord_rest_connector_set_client (CONCORD_REST_CONNECTOR (self), self->client);
  concord_rest_connector_set_max_batch (CONCORD_REST_CONNECTOR (self),
                                        ((ConcordDescContactType *)
                                         g_ptr_array_index (description->contact_types, 0))->batch);

  return g_steal_pointer (&self);
}

/**
 * concord_json_connector_get_description:
 *
 * Returns: (transfer none): the description it was made from
 */
ConcordDescription *
concord_json_connector_get_description (ConcordJsonConnector *self)
{
  g_return_val_if_fail (CONCORD_IS_JSON_CONNECTOR (self), NULL);

  return self->description;
}

/**
 * concord_json_connector_set_retry_base_ms:
 * @base_ms: the first retry's delay, doubled for each further retry
 *
 * For tests, so that retries do not take seconds.
 */
void
concord_json_connector_set_retry_base_ms (ConcordJsonConnector *self,
                                          guint                 base_ms)
{
  g_return_if_fail (CONCORD_IS_JSON_CONNECTOR (self));

  concord_http_client_set_limits (self->client, self->description->max_in_flight,
                                  CONCORD_HTTP_DEFAULT_MAX_RETRIES, base_ms);
}

/**
 * concord_json_connector_set_page_size:
 * @page_size: records a page, at most the description's; 0 for the
 *   description's
 *
 * For tests: paging without hundreds of records.
 */
void
concord_json_connector_set_page_size (ConcordJsonConnector *self,
                                      guint                 page_size)
{
  g_return_if_fail (CONCORD_IS_JSON_CONNECTOR (self));

  self->page_size = page_size;
}

/* See concord-json-connector-private.h. */
guint
_concord_json_connector_read_answer (ConcordJsonConnector *self,
                                     const char           *contact_type,
                                     JsonNode             *root)
{
  const ConcordDescContactType *type = _concord_json_connector_find_type (self, contact_type);
  g_autoptr(ConcordPage) page = concord_page_new ();
  g_autoptr(ConcordRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  ConcordJsonCustomSet *set;

  g_return_val_if_fail (CONCORD_IS_JSON_CONNECTOR (self), 0);
  g_return_val_if_fail (type != NULL, 0);

  _concord_json_connector_note_type (self, contact_type);
  if (type->custom != NULL && (set = _concord_json_connector_parse_definitions (self, type, root, &error)) != NULL)
    g_hash_table_replace (self->customs, g_strdup (contact_type), set);
  g_clear_error (&error);

  if (!_concord_json_connector_parse_page (CONCORD_REST_CONNECTOR (self), contact_type, NULL, root,
                                           NULL, page, &error))
    g_assert_nonnull (error);
  record = _concord_json_connector_record_from_json (CONCORD_REST_CONNECTOR (self), contact_type,
                                                     root);
  return page->records->len;
}
