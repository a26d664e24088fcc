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
 */

#define G_LOG_DOMAIN "concord-rest-connector"

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-rest-connector.h"

/* What stops a server from paging for ever, for one listing. */
typedef struct
{
  guint       n_pages;      /* pages read */
  GHashTable *seen_tokens;  /* (owned): page tokens seen */
  GHashTable *previous_ids; /* (owned) (nullable): remote ids of the page before */
  char       *cursor;       /* (owned) (nullable): what the listing started from */
} ListingGuard;

static void
listing_guard_init (ListingGuard *guard)
{
  guard->n_pages = 0;
  guard->seen_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guard->previous_ids = NULL;
  guard->cursor = NULL;
}

static void
listing_guard_clear (ListingGuard *guard)
{
  g_clear_pointer (&guard->seen_tokens, g_hash_table_unref);
  g_clear_pointer (&guard->previous_ids, g_hash_table_unref);
  g_clear_pointer (&guard->cursor, g_free);
}

typedef struct
{
  ConcordHttpClient *client;      /* (owned) (nullable) */
  guint              max_batch;
  guint              max_pages;
  gboolean           split_refused;   /* halve a create refused whole (400, 409, 422) */
  GHashTable        *custom_fields;/* (owned): names learnt or declared → NULL */
  ListingGuard       listing;     /* the current listing's */
  ListingGuard      *guard;       /* (unowned): &listing, or a sample's while it parses */
} ConcordRestConnectorPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (ConcordRestConnector, concord_rest_connector,
                                     CONCORD_TYPE_CONNECTOR)

#define PRIV(self) ((ConcordRestConnectorPrivate *) \
                    concord_rest_connector_get_instance_private (CONCORD_REST_CONNECTOR (self)))
#define KLASS(self) CONCORD_REST_CONNECTOR_GET_CLASS (self)

typedef void (*Continue) (GTask *task);

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

typedef struct
{
  char      *contact_type;  /* (owned) */
  char      *page_token;    /* (owned) (nullable) */
  GStrv      ids;           /* (owned) (nullable): fetch */
  GPtrArray *inputs;        /* (owned) (nullable): records or changes */
  GPtrArray *records;       /* (owned) (nullable): fetch results, one (nullable) an id */
  guint      pending;
  GError    *error;         /* (owned) (nullable): fetch's first error */
  Continue   next;
} OpState;

static void
record_unref_nullable (gpointer record)
{
  if (record != NULL)
    concord_record_unref (record);
}

static void
op_state_free (OpState *state)
{
  g_free (state->contact_type);
  g_free (state->page_token);
  g_strfreev (state->ids);
  g_clear_pointer (&state->inputs, g_ptr_array_unref);
  g_clear_pointer (&state->records, g_ptr_array_unref);
  g_clear_error (&state->error);
  g_free (state);
}

static OpState *
op_state_new (GTask      *task,
              const char *contact_type)
{
  OpState *state = g_new0 (OpState, 1);

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
  OpState *state = g_task_get_task_data (task);
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
static void
prepare_then (GTask                *task,
              ConcordRestOperation  operation,
              Continue              next)
{
  ConcordRestConnector *self = g_task_get_source_object (task);
  OpState *state = g_task_get_task_data (task);

  if (KLASS (self)->prepare_async == NULL)
    {
      next (task);
      return;
    }

  state->next = next;
  KLASS (self)->prepare_async (self, operation, state->page_token, state->inputs,
                               g_task_get_cancellable (task), on_prepared_cb, task);
}

static gboolean
send_or_fail (ConcordRestConnector *self,
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
static gboolean
check_contact_type (ConcordRestConnector *self,
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
static gboolean
check_not_repeated (ConcordRestConnector  *self,
                    ConcordPage           *page,
                    const char            *page_token,
                    GError               **error)
{
  ListingGuard *guard = PRIV (self)->guard;
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

static gboolean
set_next_page (ConcordRestConnector  *self,
               ConcordPage           *page,
               char                  *token,
               GError               **error)
{
  ConcordRestConnectorPrivate *priv = PRIV (self);
  ListingGuard *guard = priv->guard;

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
/* List                                                                      */
/* ------------------------------------------------------------------------- */

static void
on_list_page_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordRestConnector *self = g_task_get_source_object (task);
  OpState *state = g_task_get_task_data (task);
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(ConcordPage) page = NULL;
  g_autoptr(GError) error = NULL;

  root = concord_http_client_send_json_finish (CONCORD_HTTP_CLIENT (object), result, NULL,
                                               &headers, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  PRIV (self)->guard->n_pages++;
  page = concord_page_new ();
  if (!KLASS (self)->parse_page (self, state->contact_type, state->page_token, root, headers,
                                 page, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&page), (GDestroyNotify) concord_page_free);
}

static void
list_request_page (GTask *task)
{
  ConcordRestConnector *self = g_task_get_source_object (task);
  OpState *state = g_task_get_task_data (task);
  GError *error = NULL;
  ConcordHttpRequest *request;

  request = KLASS (self)->build_list_request (self, state->contact_type, state->page_token,
                                              &error);
  send_or_fail (self, task, request, error, on_list_page_cb, task);
  if (request == NULL)
    g_object_unref (task);
}

static void
concord_rest_connector_list_async (ConcordConnector    *connector,
                                   const char          *contact_type,
                                   const char          *cursor,
                                   const char          *page_token,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  ConcordRestConnector *self = CONCORD_REST_CONNECTOR (connector);
  ConcordRestConnectorPrivate *priv = PRIV (self);
  GTask *task;
  OpState *state;

  task = concord_connector_task_new (connector, concord_rest_connector_list_async, cancellable,
                                     callback, user_data);
  if (!check_contact_type (self, task, contact_type))
    return;
  state = op_state_new (task, contact_type);
  state->page_token = g_strdup (page_token);

  /* A new listing (a new run): a fresh retry budget and no page seen. */
  if (page_token == NULL)
    {
      concord_http_client_reset_retry_budget (priv->client);
      listing_guard_clear (&priv->listing);
      listing_guard_init (&priv->listing);
      priv->listing.cursor = g_strdup (cursor);
    }

  prepare_then (task, CONCORD_REST_LIST, list_request_page);
}

/* ------------------------------------------------------------------------- */
/* Sample                                                                    */
/* ------------------------------------------------------------------------- */

typedef struct
{
  char         *contact_type; /* (owned) */
  char         *page_token;   /* (owned) (nullable): the next page's */
  guint         max_pages;
  ListingGuard  guard;        /* the sample's own: a listing may be under way */
} SampleState;

static void
sample_state_free (SampleState *state)
{
  g_free (state->contact_type);
  g_free (state->page_token);
  listing_guard_clear (&state->guard);
  g_free (state);
}

static void on_sample_page_cb (GObject      *object,
                               GAsyncResult *result,
                               gpointer      user_data);

/* Takes the reference on @task. */
static void
sample_request_page (GTask *task)
{
  ConcordRestConnector *self = g_task_get_source_object (task);
  SampleState *state = g_task_get_task_data (task);
  GError *error = NULL;
  ConcordHttpRequest *request;

  /* A sample reads everything: no listing's cursor while it builds. */
  PRIV (self)->guard = &state->guard;
  request = KLASS (self)->build_list_request (self, state->contact_type, state->page_token,
                                              &error);
  PRIV (self)->guard = &PRIV (self)->listing;
  if (!send_or_fail (self, task, request, error, on_sample_page_cb, task))
    g_object_unref (task);
}

static void
on_sample_page_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordRestConnector *self = g_task_get_source_object (task);
  ConcordRestConnectorPrivate *priv = PRIV (self);
  SampleState *state = g_task_get_task_data (task);
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(ConcordPage) page = concord_page_new ();
  g_autoptr(GError) error = NULL;
  gboolean parsed;

  root = concord_http_client_send_json_finish (CONCORD_HTTP_CLIENT (object), result, NULL,
                                               &headers, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* parse_page() runs here and now: the sample's guards stand in for the
   * listing's only while it does. */
  state->guard.n_pages++;
  priv->guard = &state->guard;
  parsed = KLASS (self)->parse_page (self, state->contact_type, state->page_token, root, headers,
                                     page, &error);
  priv->guard = &priv->listing;

  /* A server paging for ever has nothing more to teach. */
  if (!parsed && state->guard.n_pages > 1 &&
      g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL))
    g_clear_error (&error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!parsed || page->next_page == NULL || state->guard.n_pages >= state->max_pages)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_free (state->page_token);
  state->page_token = g_steal_pointer (&page->next_page);
  sample_request_page (g_steal_pointer (&task));
}

/**
 * concord_rest_connector_sample_async:
 * @contact_type: the contact type to list
 * @max_pages: the most pages read, at least 1
 *
 * Reads a listing's first pages through build_list_request() and
 * parse_page() for what parsing them teaches the connector (custom fields
 * an app cannot list, say), and drops the records. No preparation runs,
 * and the sample has guards of its own, so a listing under way is not
 * disturbed; a page the guards refuse after the first ends it quietly.
 */
void
concord_rest_connector_sample_async (ConcordRestConnector *self,
                                     const char           *contact_type,
                                     guint                 max_pages,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data)
{
  GTask *task;
  SampleState *state;

  g_return_if_fail (CONCORD_IS_REST_CONNECTOR (self));
  g_return_if_fail (max_pages > 0);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_rest_connector_sample_async);
  if (!check_contact_type (self, task, contact_type))
    return;

  state = g_new0 (SampleState, 1);
  state->contact_type = g_strdup (contact_type);
  state->max_pages = max_pages;
  listing_guard_init (&state->guard);
  g_task_set_task_data (task, state, (GDestroyNotify) sample_state_free);
  sample_request_page (task);
}

gboolean
concord_rest_connector_sample_finish (ConcordRestConnector  *self,
                                      GAsyncResult          *result,
                                      GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, concord_rest_connector_sample_async),
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------------- */
/* Reading a whole collection                                                */
/* ------------------------------------------------------------------------- */

typedef struct
{
  char      *path;       /* (owned): without limit and offset */
  char      *label;      /* (owned) */
  char      *noun;       /* (owned): what the elements are, for messages */
  char      *key_member; /* (owned) (nullable) */
  guint      limit;
  guint      max_items;
  ConcordRestReadPage each;
  gpointer   each_data;
  guint      n_read;
  char      *first_key;  /* (owned) (nullable): of the page before */
  gboolean   repeated;
} CollectionState;

static void
collection_state_free (CollectionState *state)
{
  g_free (state->path);
  g_free (state->label);
  g_free (state->noun);
  g_free (state->key_member);
  g_free (state->first_key);
  g_free (state);
}

static void on_collection_page_cb (GObject      *object,
                                   GAsyncResult *result,
                                   gpointer      user_data);

/* Takes the reference on @task. */
static void
collection_request_page (GTask *task)
{
  ConcordRestConnector *self = g_task_get_source_object (task);
  CollectionState *state = g_task_get_task_data (task);
  g_autofree char *path = g_strdup_printf ("%s%climit=%u&offset=%u", state->path,
                                           strchr (state->path, '?') != NULL ? '&' : '?',
                                           state->limit, state->n_read);
  ConcordHttpRequest *request = concord_http_request_new ("GET", path, state->label);

  concord_http_client_send_json_async (PRIV (self)->client, request,
                                       g_task_get_cancellable (task), on_collection_page_cb,
                                       task);
}

static void
on_collection_page_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CollectionState *state = g_task_get_task_data (task);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  JsonArray *array = NULL;
  guint n = 0;

  root = concord_http_client_send_json_finish (CONCORD_HTTP_CLIENT (object), result, NULL, NULL,
                                               &error);
  if (error == NULL && (array = concord_rest_json_array (root, state->label, &error)) != NULL)
    n = json_array_get_length (array);
  /* Counted by what was read: a server that sends pages of things that
   * are not elements for ever is stopped too. */
  if (error == NULL && (n > state->limit || state->n_read + n > state->max_items))
    g_set_error (&error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                 "%s failed: the server sent %u %s for a page of %u (at most %u %s are read); "
                 "the listing stops", state->label, n, state->noun, state->limit,
                 state->max_items, state->noun);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (n > 0 && state->key_member != NULL &&
      JSON_NODE_HOLDS_OBJECT (json_array_get_element (array, 0)))
    first = concord_rest_json_text (json_node_get_object (json_array_get_element (array, 0)),
                                    state->key_member, G_MAXSIZE, NULL);
  state->repeated = state->n_read > 0 && first != NULL &&
                    g_strcmp0 (first, state->first_key) == 0;
  if (n == 0 || state->repeated)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* Page by page: a list of a million members is never held at once. */
  state->each (array, state->each_data);
  state->n_read += n;
  g_free (state->first_key);
  state->first_key = g_steal_pointer (&first);
  collection_request_page (g_steal_pointer (&task));
}

/**
 * concord_rest_connector_read_all_async:
 * @path: the collection's path and query, without limit and offset
 * @label: the endpoint, for messages
 * @noun: what its elements are, for messages ("lists")
 * @limit: the page size asked for
 * @max_items: the most elements read, all pages together
 * @key_member: (nullable): the member naming an element
 * @each: (scope call): called with each page's elements, in order
 * @each_data: data for @each, which must last until the reading ends
 *
 * Reads a collection paged with limit and offset (an app's lists, tags,
 * groups, a list's members) to the first empty page. A page longer than
 * @limit or more than @max_items elements fail it (CONCORD_ERROR_PARSE).
 * A page whose first element's @key_member is that of the page before
 * means the server ignores the offset: the reading ends there, which
 * _finish() tells.
 */
void
concord_rest_connector_read_all_async (ConcordRestConnector *self,
                                       const char           *path,
                                       const char           *label,
                                       const char           *noun,
                                       guint                 limit,
                                       guint                 max_items,
                                       const char           *key_member,
                                       ConcordRestReadPage   each,
                                       gpointer              each_data,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data)
{
  GTask *task;
  CollectionState *state;

  g_return_if_fail (CONCORD_IS_REST_CONNECTOR (self));
  g_return_if_fail (path != NULL && label != NULL && noun != NULL && limit > 0 && each != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_rest_connector_read_all_async);
  state = g_new0 (CollectionState, 1);
  state->path = g_strdup (path);
  state->label = g_strdup (label);
  state->noun = g_strdup (noun);
  state->key_member = g_strdup (key_member);
  state->limit = limit;
  state->max_items = max_items;
  state->each = each;
  state->each_data = each_data;
  g_task_set_task_data (task, state, (GDestroyNotify) collection_state_free);
  collection_request_page (task);
}

/**
 * concord_rest_connector_read_all_finish:
 * @n_read: (out) (optional): set to the number of elements given to @each
 * @repeated: (out) (optional): set to whether the server ignored the offset
 *
 * Returns: %TRUE when the collection was read; %FALSE with @error set
 */
gboolean
concord_rest_connector_read_all_finish (ConcordRestConnector  *self,
                                        GAsyncResult          *result,
                                        guint                 *n_read,
                                        gboolean              *repeated,
                                        GError               **error)
{
  CollectionState *state;

  g_return_val_if_fail (g_async_result_is_tagged (result, concord_rest_connector_read_all_async),
                        FALSE);

  state = g_task_get_task_data (G_TASK (result));
  if (n_read != NULL)
    *n_read = state->n_read;
  if (repeated != NULL)
    *repeated = state->repeated;
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * concord_rest_json_array:
 * @label: the request, for messages
 *
 * Returns: (transfer none): the array @node holds; %NULL with @error
 *   (CONCORD_ERROR_PARSE) when it holds something else
 */
JsonArray *
concord_rest_json_array (JsonNode    *node,
                         const char  *label,
                         GError     **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s failed: the answer is not a JSON array", label);
      return NULL;
    }

  return json_node_get_array (node);
}

/* ------------------------------------------------------------------------- */
/* Fetch                                                                     */
/* ------------------------------------------------------------------------- */

typedef struct
{
  GTask *task;   /* (owned) */
  guint  index;
} FetchItem;

static void
fetch_done (GTask *task)
{
  OpState *state = g_task_get_task_data (task);
  GPtrArray *records;

  if (--state->pending > 0)
    return;

  if (state->error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&state->error));
      return;
    }

  records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  for (guint i = 0; i < state->records->len; i++)
    {
      ConcordRecord *record = g_ptr_array_index (state->records, i);

      if (record != NULL)
        g_ptr_array_add (records, concord_record_ref (record));
    }

  g_task_return_pointer (task, records, (GDestroyNotify) g_ptr_array_unref);
}

static void
on_fetch_one_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  FetchItem *item = user_data;
  g_autoptr(GTask) task = g_steal_pointer (&item->task);
  ConcordRestConnector *self = g_task_get_source_object (task);
  OpState *state = g_task_get_task_data (task);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;

  root = concord_http_client_send_json_finish (CONCORD_HTTP_CLIENT (object), result, NULL, NULL,
                                               &error);
  if (error != NULL)
    {
      if (!g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND) && state->error == NULL)
        state->error = g_steal_pointer (&error);
    }
  else if (root != NULL)
    {
      ConcordRecord *record = KLASS (self)->record_from_json (self, state->contact_type, root);

      g_ptr_array_index (state->records, item->index) = record;
    }

  g_free (item);
  fetch_done (task);
}

static void
fetch_start (GTask *task)
{
  ConcordRestConnector *self = g_task_get_source_object (task);
  OpState *state = g_task_get_task_data (task);

  state->pending = 1;
  for (guint i = 0; state->ids[i] != NULL; i++)
    {
      ConcordHttpRequest *request;
      FetchItem *item;

      request = KLASS (self)->build_fetch_request (self, state->contact_type, state->ids[i]);
      if (request == NULL)
        continue;

      concord_http_request_set_flags (request, CONCORD_HTTP_NOT_FOUND_IS_EMPTY);
      item = g_new0 (FetchItem, 1);
      item->task = g_object_ref (task);
      item->index = i;
      state->pending++;
      concord_http_client_send_json_async (PRIV (self)->client, request,
                                           g_task_get_cancellable (task), on_fetch_one_cb, item);
    }

  fetch_done (task);
  g_object_unref (task);
}

static void
concord_rest_connector_fetch_async (ConcordConnector    *connector,
                                    const char          *contact_type,
                                    const char * const  *remote_ids,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;
  OpState *state;

  task = concord_connector_task_new (connector, concord_rest_connector_fetch_async, cancellable,
                                     callback, user_data);
  if (!check_contact_type (CONCORD_REST_CONNECTOR (connector), task, contact_type))
    return;
  state = op_state_new (task, contact_type);
  state->ids = remote_ids != NULL ? g_strdupv ((char **) remote_ids) : g_new0 (char *, 1);
  state->records = g_ptr_array_new_with_free_func (record_unref_nullable);
  g_ptr_array_set_size (state->records, g_strv_length (state->ids));

  if (state->ids[0] == NULL)
    fetch_start (task);
  else
    prepare_then (task, CONCORD_REST_FETCH, fetch_start);
}

/* ------------------------------------------------------------------------- */
/* Create                                                                    */
/* ------------------------------------------------------------------------- */

typedef struct
{
  ConcordWriteBatch *batch;    /* (unowned): one hold is this chunk's */
  GTask             *task;     /* (owned) */
  GArray            *indices;  /* (owned): guint */
} CreateChunk;

static void
create_chunk_free (CreateChunk *chunk)
{
  g_clear_object (&chunk->task);
  g_clear_pointer (&chunk->indices, g_array_unref);
  g_free (chunk);
}

static void create_send_chunk (CreateChunk *chunk);

static void
release (ConcordWriteBatch *batch)
{
  g_autoptr(GTask) done = concord_write_batch_release (batch);
}

static void
on_create_chunk_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  CreateChunk *chunk = user_data;
  ConcordRestConnector *self = g_task_get_source_object (chunk->task);
  OpState *state = g_task_get_task_data (chunk->task);
  ConcordWriteBatch *batch = chunk->batch;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  guint status = 0;

  root = concord_http_client_send_json_finish (CONCORD_HTTP_CLIENT (object), result, &status,
                                               NULL, &error);

  if ((status == SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE ||
       (PRIV (self)->split_refused &&
        (status == SOUP_STATUS_BAD_REQUEST || status == SOUP_STATUS_CONFLICT || status == 422))) &&
      chunk->indices->len > 1)
    {
      /* Too many at once, or one record refused the whole request: try
       * each half, down to the record refused alone. */
      guint half = chunk->indices->len / 2;
      CreateChunk *second = g_new0 (CreateChunk, 1);

      g_debug ("create: HTTP %u for %u records, splitting", status, chunk->indices->len);
      second->batch = batch;
      second->task = g_object_ref (chunk->task);
      second->indices = g_array_new (FALSE, FALSE, sizeof (guint));
      g_array_append_vals (second->indices, &g_array_index (chunk->indices, guint, half),
                           chunk->indices->len - half);
      g_array_set_size (chunk->indices, half);

      concord_write_batch_hold (batch);
      create_send_chunk (chunk);
      create_send_chunk (second);
      return;
    }

  if (error != NULL && concord_rest_error_is_fatal (error))
    concord_write_batch_fail (batch, g_steal_pointer (&error));
  else if (error != NULL)
    for (guint i = 0; i < chunk->indices->len; i++)
      concord_write_batch_set_error (batch, g_array_index (chunk->indices, guint, i), error);
  else
    KLASS (self)->match_created (self, state->contact_type, state->inputs,
                                 (const guint *) (gpointer) chunk->indices->data,
                                 chunk->indices->len, root, batch);

  create_chunk_free (chunk);
  release (batch);
}

static void
create_send_chunk (CreateChunk *chunk)
{
  ConcordRestConnector *self = g_task_get_source_object (chunk->task);
  OpState *state = g_task_get_task_data (chunk->task);
  ConcordHttpRequest *request;

  request = KLASS (self)->build_create_request (self, state->contact_type, state->inputs,
                                                (const guint *) (gpointer) chunk->indices->data,
                                                chunk->indices->len);
  concord_http_client_send_json_async (PRIV (self)->client, request,
                                       g_task_get_cancellable (chunk->task), on_create_chunk_cb,
                                       chunk);
}

static void
create_start (GTask *task)
{
  ConcordRestConnector *self = g_task_get_source_object (task);
  OpState *state = g_task_get_task_data (task);
  ConcordWriteBatch *batch = concord_write_batch_new (task, state->inputs->len);
  g_autoptr(GHashTable) groups = NULL;
  g_autoptr(GPtrArray) order = NULL;
  guint max_batch = MAX (PRIV (self)->max_batch, 1);

  /* Grouped by key, in the order of the inputs. */
  groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  order = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < state->inputs->len; i++)
    {
      const ConcordRecord *record = g_ptr_array_index (state->inputs, i);
      g_autoptr(GError) error = NULL;
      g_autofree char *key = KLASS (self)->create_group_key != NULL
                             ? KLASS (self)->create_group_key (self, record, &error)
                             : g_strdup ("");
      GArray *indices;

      if (key == NULL)
        {
          concord_write_batch_set_error (batch, i, error);
          continue;
        }

      indices = g_hash_table_lookup (groups, key);
      if (indices == NULL)
        {
          indices = g_array_new (FALSE, FALSE, sizeof (guint));
          g_hash_table_insert (groups, g_strdup (key), indices);
          g_ptr_array_add (order, g_strdup (key));
        }
      g_array_append_val (indices, i);
    }

  for (guint g = 0; g < order->len; g++)
    {
      GArray *indices = g_hash_table_lookup (groups, g_ptr_array_index (order, g));

      for (guint start = 0; start < indices->len; start += max_batch)
        {
          CreateChunk *chunk = g_new0 (CreateChunk, 1);
          guint n = MIN (max_batch, indices->len - start);

          chunk->batch = batch;
          chunk->task = g_object_ref (task);
          chunk->indices = g_array_new (FALSE, FALSE, sizeof (guint));
          g_array_append_vals (chunk->indices, &g_array_index (indices, guint, start), n);
          concord_write_batch_hold (batch);
          create_send_chunk (chunk);
        }
    }

  g_object_unref (task);
  release (batch);
}

static void
concord_rest_connector_create_async (ConcordConnector    *connector,
                                     const char          *contact_type,
                                     GPtrArray           *records,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  GTask *task;
  OpState *state;

  task = concord_connector_task_new (connector, concord_rest_connector_create_async, cancellable,
                                     callback, user_data);
  if (!check_contact_type (CONCORD_REST_CONNECTOR (connector), task, contact_type))
    return;
  state = op_state_new (task, contact_type);
  state->inputs = g_ptr_array_ref (records);

  prepare_then (task, CONCORD_REST_CREATE, create_start);
}

/* ------------------------------------------------------------------------- */
/* Update                                                                    */
/* ------------------------------------------------------------------------- */

typedef struct
{
  ConcordRestUpdate  update;
  ConcordWriteBatch *batch;   /* (unowned): one hold is this item's */
  GTask             *task;    /* (owned) */
  guint              index;
} UpdateItem;

static void
update_item_free (UpdateItem *item)
{
  if (item->update.data_free != NULL)
    g_clear_pointer (&item->update.data, item->update.data_free);
  g_clear_pointer (&item->update.refused, g_ptr_array_unref);
  g_clear_error (&item->update.failure);
  g_clear_object (&item->task);
  g_free (item);
}

/* Without update_step(): one build_update_request() a change. */
static ConcordHttpRequest *
default_update_step (ConcordRestConnector  *self,
                     ConcordRestUpdate     *update,
                     JsonNode              *answer,
                     GError               **error)
{
  if (update->failure != NULL || update->step++ > 0)
    return NULL;

  return KLASS (self)->build_update_request (self, update->contact_type, update->change, error);
}

/* Sets the item's result from @error or the echo in @answer, and frees it. */
static void
update_item_finish (UpdateItem *item,
                    GError     *error,
                    JsonNode   *answer)
{
  ConcordRestConnector *self = g_task_get_source_object (item->task);
  ConcordWriteBatch *batch = item->batch;
  g_autoptr(ConcordRecord) record = NULL;

  if (error == NULL &&
      (answer == NULL ||
       (record = KLASS (self)->record_from_json (self, item->update.contact_type,
                                                 answer)) == NULL))
    error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                 "update: the answer holds no record");

  if (error != NULL && concord_rest_error_is_fatal (error))
    concord_write_batch_fail (batch, g_error_copy (error));
  if (error != NULL)
    concord_write_batch_set_error (batch, item->index, error);
  else
    {
      ConcordWriteResult *written = concord_write_batch_set_ok (batch, item->index, record);
      GPtrArray *refused = item->update.refused;

      for (guint i = 0; refused != NULL && i + 1 < refused->len; i += 2)
        concord_write_result_add_refused (written, g_ptr_array_index (refused, i),
                                          g_ptr_array_index (refused, i + 1));
    }

  g_clear_error (&error);
  update_item_free (item);
  release (batch);
}

static void on_update_step_cb (GObject      *object,
                               GAsyncResult *result,
                               gpointer      user_data);

/* Asks the subclass for the item's next request after @answer, and sends
 * it or finishes the item. */
static void
update_item_next (UpdateItem *item,
                  JsonNode   *answer)
{
  ConcordRestConnector *self = g_task_get_source_object (item->task);
  GError *error = NULL;
  ConcordHttpRequest *request;

  if (KLASS (self)->update_step != NULL)
    request = KLASS (self)->update_step (self, &item->update, answer, &error);
  else
    request = default_update_step (self, &item->update, answer, &error);

  if (request == NULL)
    {
      update_item_finish (item, error != NULL ? error : g_steal_pointer (&item->update.failure),
                          answer);
      return;
    }

  g_clear_error (&item->update.failure);
  concord_http_client_send_json_async (PRIV (self)->client, request,
                                       g_task_get_cancellable (item->task), on_update_step_cb,
                                       item);
}

static void
on_update_step_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  UpdateItem *item = user_data;
  g_autoptr(JsonNode) root = NULL;

  root = concord_http_client_send_json_finish (CONCORD_HTTP_CLIENT (object), result, NULL, NULL,
                                               &item->update.failure);
  update_item_next (item, root);
}

/* Takes the reference on @task. */
static void
update_start (GTask *task)
{
  OpState *state = g_task_get_task_data (task);
  ConcordWriteBatch *batch = concord_write_batch_new (task, state->inputs->len);

  for (guint i = 0; i < state->inputs->len; i++)
    {
      UpdateItem *item = g_new0 (UpdateItem, 1);

      item->update.contact_type = state->contact_type;
      item->update.change = g_ptr_array_index (state->inputs, i);
      item->batch = batch;
      item->task = g_object_ref (task);
      item->index = i;
      concord_write_batch_hold (batch);
      update_item_next (item, NULL);
    }

  g_object_unref (task);
  release (batch);
}

static void
concord_rest_connector_update_async (ConcordConnector    *connector,
                                     const char          *contact_type,
                                     GPtrArray           *changes,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  ConcordRestConnector *self = CONCORD_REST_CONNECTOR (connector);
  GTask *task;
  GError *error = NULL;
  OpState *state;

  task = concord_connector_task_new (connector, concord_rest_connector_update_async, cancellable,
                                     callback, user_data);
  if (!concord_rest_connector_check_contact_type (self, contact_type, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  state = op_state_new (task, contact_type);
  state->inputs = g_ptr_array_ref (changes);
  prepare_then (task, CONCORD_REST_UPDATE, update_start);
}

/**
 * concord_rest_connector_get_listing_cursor:
 *
 * For build_list_request() and parse_page() of an incremental app: the
 * cursor the listing under way was started with (list_async()), on its
 * every page.
 *
 * Returns: (nullable): the cursor; %NULL for a full listing or a sample
 */
const char *
concord_rest_connector_get_listing_cursor (ConcordRestConnector *self)
{
  g_return_val_if_fail (CONCORD_IS_REST_CONNECTOR (self), NULL);

  return PRIV (self)->guard->cursor;
}

/**
 * concord_rest_update_refuse:
 * @key: a field of the change the app cannot set
 * @reason: (transfer full): why, for the user
 *
 * Notes that the change is written but for @key (concord_write_result_add_refused()).
 */
void
concord_rest_update_refuse (ConcordRestUpdate *update,
                            const char        *key,
                            char              *reason)
{
  g_return_if_fail (update != NULL && key != NULL && reason != NULL);

  if (update->refused == NULL)
    update->refused = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (update->refused, g_strdup (key));
  g_ptr_array_add (update->refused, reason);
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
  if (send_or_fail (self, task, request, NULL, on_verify_cb, task))
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

  listing_guard_clear (&priv->listing);
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
  connector_class->list_async = concord_rest_connector_list_async;
  connector_class->fetch_async = concord_rest_connector_fetch_async;
  connector_class->create_async = concord_rest_connector_create_async;
  connector_class->update_async = concord_rest_connector_update_async;
  connector_class->verify_async = concord_rest_connector_verify_async;
}

static void
concord_rest_connector_init (ConcordRestConnector *self)
{
  ConcordRestConnectorPrivate *priv = PRIV (self);

  priv->max_batch = 100;
  priv->max_pages = CONCORD_REST_DEFAULT_MAX_PAGES;
  listing_guard_init (&priv->listing);
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

/**
 * concord_rest_error_is_fatal:
 *
 * Returns: whether @error ends a whole write call rather than one record:
 *   a cancellation or refused credentials
 */
gboolean
concord_rest_error_is_fatal (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
         g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED) ||
         g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_EXPIRED);
}

/**
 * concord_rest_connector_check_contact_type:
 *
 * Returns: %TRUE when the connector lists @contact_type, otherwise %FALSE
 *   with @error set (%CONCORD_ERROR_NOT_FOUND)
 */
gboolean
concord_rest_connector_check_contact_type (ConcordRestConnector  *self,
                                           const char            *contact_type,
                                           GError               **error)
{
  g_autoptr(GPtrArray) types = concord_connector_list_contact_types (CONCORD_CONNECTOR (self));

  for (guint i = 0; types != NULL && i < types->len; i++)
    if (g_strcmp0 (((ConcordContactType *) g_ptr_array_index (types, i))->id, contact_type) == 0)
      return TRUE;

  g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND, "%s has no contact type %s",
               concord_connector_get_app_name (CONCORD_CONNECTOR (self)), contact_type);
  return FALSE;
}

/**
 * concord_rest_json_text:
 * @object: (nullable): a JSON object
 * @name: a member
 * @max_bytes: the longest string kept whole
 * @repaired: (out) (optional): set to %TRUE when the value was repaired or cut
 *
 * Returns: (transfer full) (nullable): the text of member @name whatever
 *   its JSON type: strings repaired (concord_http_repaired_text()),
 *   numbers and booleans as text; %NULL for null, objects, arrays, absence
 */
char *
concord_rest_json_text (JsonObject *object,
                        const char *name,
                        gsize       max_bytes,
                        gboolean   *repaired)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return concord_http_repaired_text (json_node_get_string (node), max_bytes, repaired);
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, json_node_get_double (node)));
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    default:
      return NULL;
    }
}

/**
 * concord_rest_json_object:
 *
 * Returns: (transfer none) (nullable): member @name of @object when it is
 *   an object
 */
JsonObject *
concord_rest_json_object (JsonObject *object,
                          const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/**
 * concord_rest_parse_datetime:
 * @text: (nullable): an ISO 8601 date-time, with or without zone (none
 *   means UTC), or a bare date
 *
 * Returns: Unix time; -1 when unreadable
 */
gint64
concord_rest_parse_datetime (const char *text)
{
  g_autoptr(GTimeZone) utc = NULL;
  g_autoptr(GDateTime) when = NULL;

  if (text == NULL || *text == '\0')
    return -1;

  utc = g_time_zone_new_utc ();
  when = g_date_time_new_from_iso8601 (text, utc);
  if (when == NULL && strlen (text) == 10)
    {
      g_autofree char *midnight = g_strconcat (text, "T00:00:00", NULL);

      when = g_date_time_new_from_iso8601 (midnight, utc);
    }

  return when != NULL ? g_date_time_to_unix (when) : -1;
}

/**
 * concord_rest_page_token_number:
 * @page_token: (nullable): a token made by the offset or page-number helper
 *
 * Returns: its number; 0 for %NULL or a token that is not a number
 */
guint
concord_rest_page_token_number (const char *page_token)
{
  guint64 number = 0;

  if (page_token == NULL ||
      !g_ascii_string_to_unsigned (page_token, 10, 0, G_MAXINT32, &number, NULL))
    return 0;

  return (guint) number;
}

/**
 * concord_rest_page_next_offset:
 * @page_token: (nullable): this page's token: its offset (%NULL is 0)
 * @n_received: the items this page had
 *
 * Offset paging: the next page starts after what came; an empty page is
 * the last, and a page that repeats the page before ends the listing
 * (%CONCORD_ERROR_PROTOCOL).
 */
gboolean
concord_rest_page_next_offset (ConcordRestConnector  *self,
                               ConcordPage           *page,
                               const char            *page_token,
                               guint                  n_received,
                               GError               **error)
{
  guint64 next = (guint64) concord_rest_page_token_number (page_token) + n_received;

  g_return_val_if_fail (CONCORD_IS_REST_CONNECTOR (self), FALSE);

  if (!check_not_repeated (self, page, page_token, error))
    return FALSE;
  if (n_received == 0)
    return set_next_page (self, page, NULL, error);

  return set_next_page (self, page, g_strdup_printf ("%" G_GUINT64_FORMAT, next), error);
}

/**
 * concord_rest_page_next_number:
 * @page_token: (nullable): this page's number (%NULL is the first, 1)
 * @n_received: the items this page had
 *
 * Page-number paging: the next number; an empty page is the last.
 */
gboolean
concord_rest_page_next_number (ConcordRestConnector  *self,
                               ConcordPage           *page,
                               const char            *page_token,
                               guint                  n_received,
                               GError               **error)
{
  guint number = MAX (concord_rest_page_token_number (page_token), 1);

  g_return_val_if_fail (CONCORD_IS_REST_CONNECTOR (self), FALSE);

  if (!check_not_repeated (self, page, page_token, error))
    return FALSE;
  if (n_received == 0)
    return set_next_page (self, page, NULL, error);

  return set_next_page (self, page, g_strdup_printf ("%u", number + 1), error);
}

/**
 * concord_rest_page_next_token:
 * @next_token: (nullable): the server's cursor, "after" value or next-page
 *   token; %NULL or empty on the last page
 * @sync_token: (nullable): on the last page, the token for the next
 *   incremental listing (page->cursor)
 */
gboolean
concord_rest_page_next_token (ConcordRestConnector  *self,
                              ConcordPage           *page,
                              const char            *next_token,
                              const char            *sync_token,
                              GError               **error)
{
  g_return_val_if_fail (CONCORD_IS_REST_CONNECTOR (self), FALSE);

  if (next_token == NULL || *next_token == '\0')
    {
      g_free (page->cursor);
      page->cursor = g_strdup (sync_token);
      return set_next_page (self, page, NULL, error);
    }

  return set_next_page (self, page, g_strdup (next_token), error);
}

/**
 * concord_rest_page_next_link:
 * @headers: (nullable): the answer's headers
 *
 * Link header paging (RFC 8288): the next page is the target of
 * rel="next", kept as a path under the client's base URL. A target
 * elsewhere is refused (CONCORD_ERROR_PROTOCOL): the credentials would
 * follow it.
 */
gboolean
concord_rest_page_next_link (ConcordRestConnector  *self,
                             ConcordPage           *page,
                             SoupMessageHeaders    *headers,
                             GError               **error)
{
  const char *base = concord_http_client_get_base_url (PRIV (self)->client);
  const char *link = headers != NULL ? soup_message_headers_get_list (headers, "Link") : NULL;
  GSList *values;
  g_autofree char *target = NULL;

  g_return_val_if_fail (CONCORD_IS_REST_CONNECTOR (self), FALSE);

  values = link != NULL ? soup_header_parse_list (link) : NULL;
  for (GSList *l = values; l != NULL && target == NULL; l = l->next)
    {
      const char *value = l->data;
      const char *open = strchr (value, '<');
      const char *close = open != NULL ? strchr (open, '>') : NULL;
      g_autoptr(GHashTable) params = NULL;
      g_auto(GStrv) rels = NULL;

      if (close == NULL)
        continue;
      params = soup_header_parse_semi_param_list (close + 1);
      rels = g_strsplit (g_hash_table_lookup (params, "rel") ?: "", " ", -1);
      if (g_strv_contains ((const char * const *) rels, "next"))
        target = g_strndup (open + 1, (gsize) (close - open - 1));
    }
  soup_header_free_list (values);

  if (target == NULL)
    return set_next_page (self, page, NULL, error);

  if (!g_str_has_prefix (target, base) || (target[strlen (base)] != '/' &&
                                           target[strlen (base)] != '?'))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                   "%s linked its next page outside its API; the listing stops",
                   concord_connector_get_app_name (CONCORD_CONNECTOR (self)));
      return FALSE;
    }

  return set_next_page (self, page, g_strdup (target + strlen (base)), error);
}

/* ------------------------------------------------------------------------- */
/* Records and custom fields                                                 */
/* ------------------------------------------------------------------------- */

/**
 * concord_rest_record_set_text:
 * @repaired: whether @text had to be repaired (concord_rest_json_text())
 *
 * Sets field @key of @record to @text (nothing when %NULL), marked altered
 * when repaired: it is then never written across.
 */
void
concord_rest_record_set_text (ConcordRecord    *record,
                              const char       *key,
                              ConcordFieldType  type,
                              const char       *text,
                              gboolean          repaired)
{
  concord_record_set_text (record, key, type, text);
  if (repaired && text != NULL)
    concord_record_mark_altered (record, key);
}

/**
 * concord_rest_record_set_member:
 *
 * Sets field @key of @record to the text of member @name of @object, read
 * with concord_rest_json_text() and marked altered when repaired.
 */
void
concord_rest_record_set_member (ConcordRecord    *record,
                                const char       *key,
                                ConcordFieldType  type,
                                JsonObject       *object,
                                const char       *name,
                                gsize             max_bytes)
{
  gboolean repaired = FALSE;
  g_autofree char *text = concord_rest_json_text (object, name, max_bytes, &repaired);

  concord_rest_record_set_text (record, key, type, text, repaired);
}

/**
 * concord_rest_connector_declare_custom_fields:
 * @names: (nullable): custom field names separated by commas, e.g. an
 *   account's option
 *
 * Custom fields the account has but that reading records cannot find (no
 * record uses them yet, and the app cannot list them): they are in the
 * schema from now on (concord_rest_connector_add_custom_specs()). Blank
 * names are skipped, and so are names that are not text.
 */
void
concord_rest_connector_declare_custom_fields (ConcordRestConnector *self,
                                              const char           *names)
{
  g_auto(GStrv) split = NULL;

  g_return_if_fail (CONCORD_IS_REST_CONNECTOR (self));

  if (names == NULL)
    return;

  split = g_strsplit (names, ",", -1);
  for (guint i = 0; split[i] != NULL; i++)
    {
      char *name = g_strstrip (split[i]);

      if (*name != '\0' && g_utf8_validate (name, -1, NULL))
        g_hash_table_add (PRIV (self)->custom_fields, g_strdup (name));
    }
}

/**
 * concord_rest_connector_read_custom_fields:
 * @custom: (nullable): the object of a record's custom fields, each a text
 *
 * Sets a custom field of @record (concord_field_custom_key()) for each
 * member of @custom, and learns its name for the schema. A field whose
 * name had to be repaired is skipped: it could not be written back.
 */
void
concord_rest_connector_read_custom_fields (ConcordRestConnector *self,
                                           ConcordRecord        *record,
                                           JsonObject           *custom,
                                           gsize                 max_bytes)
{
  g_autoptr(GList) names = custom != NULL ? json_object_get_members (custom) : NULL;

  for (const GList *l = names; l != NULL; l = l->next)
    {
      gboolean bad_name = FALSE;
      g_autofree char *name = concord_http_repaired_text (l->data, max_bytes, &bad_name);
      g_autofree char *key = NULL;

      if (*name == '\0' || bad_name)
        continue;

      if (!g_hash_table_contains (PRIV (self)->custom_fields, name))
        g_hash_table_add (PRIV (self)->custom_fields, g_strdup (name));

      key = concord_field_custom_key (name);
      concord_rest_record_set_member (record, key, CONCORD_FIELD_TYPE_STRING, custom, l->data,
                                      max_bytes);
    }
}

static int
compare_names (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/**
 * concord_rest_connector_add_custom_specs:
 *
 * Adds a text field to @specs for each custom field learnt or declared,
 * sorted by name.
 */
void
concord_rest_connector_add_custom_specs (ConcordRestConnector *self,
                                         GPtrArray            *specs)
{
  g_autofree const char **names = NULL;
  guint n_names;

  g_return_if_fail (CONCORD_IS_REST_CONNECTOR (self));

  names = (const char **) g_hash_table_get_keys_as_array (PRIV (self)->custom_fields, &n_names);
  g_qsort_with_data (names, (gint) n_names, sizeof (char *), compare_names, NULL);
  for (guint i = 0; i < n_names; i++)
    {
      g_autofree char *key = concord_field_custom_key (names[i]);

      g_ptr_array_add (specs, concord_field_spec_new (key, names[i],
                                                      CONCORD_FIELD_TYPE_STRING, FALSE));
    }
}

/**
 * concord_rest_json_add_custom_fields:
 * @member: the name of the object, e.g. "CustomFields"
 * @record: (nullable): whose custom fields are added
 * @clear: (nullable): custom fields to clear, added as empty strings
 *
 * Adds to @builder, inside an object, member @member: an object of the
 * custom fields as strings, when there are any.
 *
 * Returns: whether there were any
 */
gboolean
concord_rest_json_add_custom_fields (JsonBuilder         *builder,
                                     const char          *member,
                                     const ConcordRecord *record,
                                     const char * const  *clear)
{
  gboolean any = FALSE;
  guint n_set = record != NULL ? concord_record_get_n_fields (record) : 0;
  guint n_clear = clear != NULL ? g_strv_length ((char **) clear) : 0;

  for (guint f = 0; f < n_set + n_clear; f++)
    {
      const char *key = f >= n_set ? clear[f - n_set] : NULL;
      const ConcordValue *value = f < n_set ? concord_record_get_field_at (record, f, &key) : NULL;
      g_autofree char *string = value != NULL ? concord_value_to_string (value) : NULL;

      if (!concord_field_is_custom (key))
        continue;

      if (!any)
        {
          json_builder_set_member_name (builder, member);
          json_builder_begin_object (builder);
          any = TRUE;
        }

      json_builder_set_member_name (builder, key + strlen (CONCORD_FIELD_CUSTOM_PREFIX));
      json_builder_add_string_value (builder, string != NULL ? string : "");
    }

  if (any)
    json_builder_end_object (builder);
  return any;
}

/**
 * concord_rest_find_dropped_custom_field:
 * @sent: (nullable): the record written
 * @echoed: (nullable): the app's echo of it
 * @member: the name of the echo's custom fields object
 *
 * Some apps drop custom fields the account lacks without a word; the echo
 * tells.
 *
 * Returns: (nullable): the first custom field of @sent that @echoed lacks
 */
const char *
concord_rest_find_dropped_custom_field (const ConcordRecord *sent,
                                        JsonNode            *echoed,
                                        const char          *member)
{
  JsonObject *custom = NULL;

  if (echoed != NULL && JSON_NODE_HOLDS_OBJECT (echoed))
    custom = concord_rest_json_object (json_node_get_object (echoed), member);

  for (guint f = 0; sent != NULL && f < concord_record_get_n_fields (sent); f++)
    {
      const char *key;
      const char *name;

      concord_record_get_field_at (sent, f, &key);
      if (!concord_field_is_custom (key))
        continue;

      name = key + strlen (CONCORD_FIELD_CUSTOM_PREFIX);
      if (custom == NULL || !json_object_has_member (custom, name))
        return name;
    }

  return NULL;
}

/**
 * concord_rest_add_field_spec:
 * @key: a canonical field (concord_fields_lookup())
 * @choices: (nullable) (array zero-terminated=1): the values the app takes
 * @read_only: whether the app refuses writes to it
 *
 * Adds the canonical field @key, as the app has it, to a schema's @specs.
 */
void
concord_rest_add_field_spec (GPtrArray          *specs,
                             const char         *key,
                             const char * const *choices,
                             gboolean            read_only)
{
  ConcordFieldSpec *spec = concord_field_spec_copy (concord_fields_lookup (key));

  g_return_if_fail (spec != NULL);

  if (choices != NULL)
    {
      g_strfreev (spec->choices);
      spec->choices = g_strdupv ((char **) choices);
    }
  spec->read_only = read_only;
  g_ptr_array_add (specs, spec);
}
