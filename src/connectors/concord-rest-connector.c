/* concord-rest-connector.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The base of connectors whose app is a REST API: it implements list,
 * fetch, create, update and verify on a ConcordHttpClient and asks the
 * subclass only for shapes (ConcordRestConnectorClass).
 *
 * Listing. A listing is the pages from page_token NULL on. Each page's
 * request comes from build_list_request(), its answer goes to
 * parse_page(), which sets the next page through one of the paging
 * helpers (offset, page number, token + sync token, Link header). The
 * helpers refuse a token seen before in the listing and a listing longer
 * than max_pages: a server that pages for ever ends it with
 * CONCORD_ERROR_PROTOCOL instead. A new listing resets the client's retry
 * budget.
 *
 * Fetch by id: one request an id, all at once (the client's in-flight
 * limit queues them), 404 is absent. Create: inputs grouped by
 * create_group_key(), in chunks of max_batch; a 413 halves the chunk
 * until one record is left. Update: one request a change. Per-input
 * results go through a ConcordWriteBatch; a refused key or a cancellation
 * ends the whole call (concord_rest_error_is_fatal()).
 *
 * This file holds the helpers of the operations, verify, the GObject and
 * the setters; reading, writing and the helpers subclasses call are in
 * concord-rest-connector-read.c, -write.c and -helpers.c (see
 * concord-rest-connector-private.h).
 */

#define G_LOG_DOMAIN "concord-rest-connector"

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-rest-connector.h"
#include "concord-rest-connector-private.h"

void
_concord_rest_connector_listing_guard_init (ConcordRestListingGuard *guard)
{
  guard->n_pages = 0;
  guard->seen_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guard->previous_ids = NULL;
  guard->cursor = NULL;
}

void
_concord_rest_connector_listing_guard_clear (ConcordRestListingGuard *guard)
{
  g_clear_pointer (&guard->seen_tokens, g_hash_table_unref);
  g_clear_pointer (&guard->previous_ids, g_hash_table_unref);
  g_clear_pointer (&guard->cursor, g_free);
}

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (ConcordRestConnector, concord_rest_connector,
                                     CONCORD_TYPE_CONNECTOR)

/* See concord-rest-connector-private.h. */
ConcordRestConnectorPrivate *
_concord_rest_connector_get_priv (ConcordRestConnector *self)
{
  return concord_rest_connector_get_instance_private (self);
}

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

void
_concord_rest_connector_record_unref_nullable (gpointer record)
{
  if (record != NULL)
    concord_record_unref (record);
}

static void
op_state_free (ConcordRestOpState *state)
{
  g_free (state->contact_type);
  g_free (state->page_token);
  g_strfreev (state->ids);
  g_clear_pointer (&state->inputs, g_ptr_array_unref);
  g_clear_pointer (&state->records, g_ptr_array_unref);
  g_clear_error (&state->error);
  g_free (state);
}

ConcordRestOpState *
_concord_rest_connector_op_state_new (GTask      *task,
                                      const char *contact_type)
{
  ConcordRestOpState *state = g_new0 (ConcordRestOpState, 1);

  state->contact_type = g_strdup (contact_type);
  g_task_set_task_data (task, state, (GDestroyNotify) op_state_free);
  return state;
}

static void
on_prepared_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  ConcordRestOpState *state = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean prepared;

  /* Without prepare_finish(), the preparation is a GTask of a boolean. */
  if (KLASS (object)->prepare_finish != NULL)
    prepared = KLASS (object)->prepare_finish (CONCORD_REST_CONNECTOR (object), result, &error);
  else
    prepared = g_task_propagate_boolean (G_TASK (result), &error);
  if (!prepared)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  state->next (task);
}

/* Takes the reference on @task; runs the subclass's preparation first. */
void
_concord_rest_connector_prepare_then (GTask               *task,
                                      ConcordRestOperation operation,
                                      ConcordRestContinue  next)
{
  ConcordRestConnector *self = g_task_get_source_object (task);
  ConcordRestOpState *state = g_task_get_task_data (task);

  if (KLASS (self)->prepare_async == NULL)
    {
      next (task);
      return;
    }

  state->next = next;
  KLASS (self)->prepare_async (self, operation, state->page_token, state->inputs,
                               g_task_get_cancellable (task), on_prepared_cb, task);
}

gboolean
_concord_rest_connector_send_or_fail (ConcordRestConnector *self,
                                      GTask                *task,
                                      ConcordHttpRequest   *request,
                                      GError               *error,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data)
{
  if (request == NULL)
    {
      g_task_return_error (task, error != NULL ? error
                           : g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_FAILED,
                                                  "The connector has no request for this"));
      return FALSE;
    }

  concord_http_client_send_json_async (PRIV (self)->client, request,
                                       g_task_get_cancellable (task), callback, user_data);
  return TRUE;
}

/* Takes the reference on @task when it fails it. */
gboolean
_concord_rest_connector_check_type_or_fail (ConcordRestConnector *self,
                                            GTask                *task,
                                            const char           *contact_type)
{
  GError *error = NULL;

  if (concord_rest_connector_check_contact_type (self, contact_type, &error))
    return TRUE;

  g_task_return_error (task, error);
  g_object_unref (task);
  return FALSE;
}

/* Offset and page-number tokens always grow, so a server that ignores
 * them is seen in the records: a page whose every record was on the page
 * before it would be followed for ever. (Records added during a listing
 * may shift one or two across a page boundary, never a whole page.) */
gboolean
_concord_rest_connector_check_not_repeated (ConcordRestConnector *self,
                                            ConcordPage          *page,
                                            const char           *page_token,
                                            GError              **error)
{
  ConcordRestListingGuard *guard = PRIV (self)->guard;
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint repeated = 0;

  for (guint i = 0; i < page->records->len; i++)
    {
      const char *id = concord_record_get_remote_id (g_ptr_array_index (page->records, i));

      if (id == NULL)
        continue;
      if (guard->previous_ids != NULL && g_hash_table_contains (guard->previous_ids, id))
        repeated++;
      g_hash_table_add (ids, g_strdup (id));
    }

  g_clear_pointer (&guard->previous_ids, g_hash_table_unref);
  if (page_token != NULL && page->records->len > 0 && repeated == page->records->len)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                   "%s: the page at %s repeats the page before it (the server ignores the "
                   "offset); the listing stops",
                   concord_connector_get_app_name (CONCORD_CONNECTOR (self)), page_token);
      return FALSE;
    }

  guard->previous_ids = g_steal_pointer (&ids);
  return TRUE;
}

gboolean
_concord_rest_connector_set_next_page (ConcordRestConnector *self,
                                       ConcordPage          *page,
                                       char                 *token,
                                       GError              **error)
{
  ConcordRestConnectorPrivate *priv = PRIV (self);
  ConcordRestListingGuard *guard = priv->guard;

  g_clear_pointer (&page->next_page, g_free);
  if (token == NULL)
    {
      page->complete = TRUE;
      return TRUE;
    }

  if (g_hash_table_contains (guard->seen_tokens, token) || guard->n_pages >= priv->max_pages)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                   g_hash_table_contains (guard->seen_tokens, token)
                   ? "%s sent a page it had sent before in this listing; the listing stops"
                   : "%s sent more than %u pages; the listing stops",
                   concord_connector_get_app_name (CONCORD_CONNECTOR (self)), priv->max_pages);
      g_free (token);
      return FALSE;
    }

  g_hash_table_add (guard->seen_tokens, g_strdup (token));
  page->next_page = token;
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Verify                                                                    */
/* ------------------------------------------------------------------------- */

static void
on_verify_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordRestConnector *self = g_task_get_source_object (task);
  g_autoptr(JsonNode) root = NULL;
  GError *error = NULL;

  root = concord_http_client_send_json_finish (CONCORD_HTTP_CLIENT (object), result, NULL, NULL,
                                               &error);
  if (error == NULL && KLASS (self)->check_verify_answer != NULL)
    KLASS (self)->check_verify_answer (self, root, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
concord_rest_connector_verify_async (ConcordConnector    *connector,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  ConcordRestConnector *self = CONCORD_REST_CONNECTOR (connector);
  GTask *task;
  ConcordHttpRequest *request;

  task = concord_connector_task_new (connector, concord_rest_connector_verify_async, cancellable,
                                     callback, user_data);
  concord_http_client_reset_retry_budget (PRIV (self)->client);
  request = KLASS (self)->build_verify_request (self);
  if (_concord_rest_connector_send_or_fail (self, task, request, NULL, on_verify_cb, task))
    return;
  g_object_unref (task);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_rest_connector_dispose (GObject *object)
{
  ConcordRestConnectorPrivate *priv = PRIV (object);

  g_clear_object (&priv->client);

  G_OBJECT_CLASS (concord_rest_connector_parent_class)->dispose (object);
}

static void
concord_rest_connector_finalize (GObject *object)
{
  ConcordRestConnectorPrivate *priv = PRIV (object);

  _concord_rest_connector_listing_guard_clear (&priv->listing);
  g_clear_pointer (&priv->custom_fields, g_hash_table_unref);

  G_OBJECT_CLASS (concord_rest_connector_parent_class)->finalize (object);
}

static guint
concord_rest_connector_get_max_batch (ConcordConnector *connector)
{
  return PRIV (connector)->max_batch;
}

#define TRAITS(self) (KLASS (self)->traits)
#define PARENT_CLASS CONCORD_CONNECTOR_CLASS (concord_rest_connector_parent_class)

static const char *
concord_rest_connector_get_app_id (ConcordConnector *connector)
{
  return TRAITS (connector) != NULL ? TRAITS (connector)->app_id : NULL;
}

static const char *
concord_rest_connector_get_app_name (ConcordConnector *connector)
{
  if (TRAITS (connector) == NULL)
    return PARENT_CLASS->get_app_name (connector);
  return TRAITS (connector)->app_name;
}

static ConcordConnectorFlags
concord_rest_connector_get_flags (ConcordConnector *connector)
{
  if (TRAITS (connector) == NULL)
    return PARENT_CLASS->get_flags (connector);
  return TRAITS (connector)->flags;
}

static guint
concord_rest_connector_get_page_size (ConcordConnector *connector)
{
  if (TRAITS (connector) == NULL || TRAITS (connector)->page_size == 0)
    return PARENT_CLASS->get_page_size (connector);
  return TRAITS (connector)->page_size;
}

static guint
concord_rest_connector_get_rate_budget (ConcordConnector *connector)
{
  if (TRAITS (connector) == NULL || TRAITS (connector)->rate_budget == 0)
    return PARENT_CLASS->get_rate_budget (connector);
  return TRAITS (connector)->rate_budget;
}

static GPtrArray *
concord_rest_connector_list_contact_types (ConcordConnector *connector)
{
  GPtrArray *types = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);

  if (TRAITS (connector) != NULL && TRAITS (connector)->contact_type != NULL)
    g_ptr_array_add (types, concord_contact_type_new (TRAITS (connector)->contact_type,
                                                      TRAITS (connector)->contact_type_label));
  return types;
}

static void
concord_rest_connector_class_init (ConcordRestConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ConcordConnectorClass *connector_class = CONCORD_CONNECTOR_CLASS (klass);

  object_class->dispose = concord_rest_connector_dispose;
  object_class->finalize = concord_rest_connector_finalize;

  connector_class->get_app_id = concord_rest_connector_get_app_id;
  connector_class->get_app_name = concord_rest_connector_get_app_name;
  connector_class->get_flags = concord_rest_connector_get_flags;
  connector_class->get_page_size = concord_rest_connector_get_page_size;
  connector_class->get_rate_budget = concord_rest_connector_get_rate_budget;
  connector_class->list_contact_types = concord_rest_connector_list_contact_types;
  connector_class->get_max_batch = concord_rest_connector_get_max_batch;
  connector_class->list_async = _concord_rest_connector_list_async;
  connector_class->fetch_async = _concord_rest_connector_fetch_async;
  connector_class->create_async = _concord_rest_connector_create_async;
  connector_class->update_async = _concord_rest_connector_update_async;
  connector_class->verify_async = concord_rest_connector_verify_async;
}

static void
concord_rest_connector_init (ConcordRestConnector *self)
{
  ConcordRestConnectorPrivate *priv = PRIV (self);

  priv->max_batch = 100;
  priv->max_pages = CONCORD_REST_DEFAULT_MAX_PAGES;
  _concord_rest_connector_listing_guard_init (&priv->listing);
  priv->guard = &priv->listing;
  priv->custom_fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_rest_connector_get_client:
 *
 * Returns: (transfer none): the client every request goes through
 */
ConcordHttpClient *
concord_rest_connector_get_client (ConcordRestConnector *self)
{
  g_return_val_if_fail (CONCORD_IS_REST_CONNECTOR (self), NULL);

  return PRIV (self)->client;
}

/**
 * concord_rest_connector_set_client:
 * @client: (transfer none): the client for the app's API, with its
 *   authentication, limits and error hook
 *
 * A subclass sets it once, when it is made.
 */
void
concord_rest_connector_set_client (ConcordRestConnector *self,
                                   ConcordHttpClient    *client)
{
  g_return_if_fail (CONCORD_IS_REST_CONNECTOR (self));
  g_return_if_fail (CONCORD_IS_HTTP_CLIENT (client));

  g_set_object (&PRIV (self)->client, client);
}

/**
 * concord_rest_connector_set_max_batch:
 * @max_batch: records per create request, at least 1 (also what
 *   concord_connector_get_max_batch() says)
 */
void
concord_rest_connector_set_max_batch (ConcordRestConnector *self,
                                      guint                 max_batch)
{
  g_return_if_fail (CONCORD_IS_REST_CONNECTOR (self));
  g_return_if_fail (max_batch > 0);

  PRIV (self)->max_batch = max_batch;
}

/**
 * concord_rest_connector_set_split_refused:
 * @split: whether a create request of several records that the app
 *   refuses whole (400, 409, 422: one record's fault fails them all) is
 *   halved and sent again, as a 413 is, until the refused record is alone
 */
void
concord_rest_connector_set_split_refused (ConcordRestConnector *self,
                                          gboolean              split)
{
  g_return_if_fail (CONCORD_IS_REST_CONNECTOR (self));

  PRIV (self)->split_refused = split;
}

/**
 * concord_rest_connector_set_max_pages:
 * @max_pages: the most pages one listing reads, at least 1
 */
void
concord_rest_connector_set_max_pages (ConcordRestConnector *self,
                                      guint                 max_pages)
{
  g_return_if_fail (CONCORD_IS_REST_CONNECTOR (self));
  g_return_if_fail (max_pages > 0);

  PRIV (self)->max_pages = max_pages;
}
