/* concord-rest-connector-read.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The REST connector base's reading: the listing (page after page, with
 * its guards), a sample of a contact type, a whole collection, and fetch by
 * id.
 */

#define G_LOG_DOMAIN "concord-rest-connector"

#include "config.h"

#include <string.h>

#include "concord-error.h"

#include "concord-rest-connector-private.h"

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
  ConcordRestOpState *state = g_task_get_task_data (task);
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
  ConcordRestOpState *state = g_task_get_task_data (task);
  GError *error = NULL;
  ConcordHttpRequest *request;

  request = KLASS (self)->build_list_request (self, state->contact_type, state->page_token,
                                              &error);
  _concord_rest_connector_send_or_fail (self, task, request, error, on_list_page_cb, task);
  if (request == NULL)
    g_object_unref (task);
}

void
_concord_rest_connector_list_async (ConcordConnector   *connector,
                                    const char         *contact_type,
                                    const char         *cursor,
                                    const char         *page_token,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data)
{
  ConcordRestConnector *self = CONCORD_REST_CONNECTOR (connector);
  ConcordRestConnectorPrivate *priv = PRIV (self);
  GTask *task;
  ConcordRestOpState *state;

  task = concord_connector_task_new (connector, _concord_rest_connector_list_async, cancellable,
                                     callback, user_data);
  if (!_concord_rest_connector_check_type_or_fail (self, task, contact_type))
    return;
  state = _concord_rest_connector_op_state_new (task, contact_type);
  state->page_token = g_strdup (page_token);

  /* A new listing (a new run): a fresh retry budget and no page seen. */
  if (page_token == NULL)
    {
      concord_http_client_reset_retry_budget (priv->client);
      _concord_rest_connector_listing_guard_clear (&priv->listing);
      _concord_rest_connector_listing_guard_init (&priv->listing);
      priv->listing.cursor = g_strdup (cursor);
    }

  _concord_rest_connector_prepare_then (task, CONCORD_REST_LIST, list_request_page);
}

/* ------------------------------------------------------------------------- */
/* Sample                                                                    */
/* ------------------------------------------------------------------------- */

typedef struct
{
  char                   *contact_type; /* (owned) */
  char                   *page_token;   /* (owned) (nullable): the next page's */
  guint                   max_pages;
  ConcordRestListingGuard guard;        /* the sample's own: a listing may be under way */
} SampleState;

static void
sample_state_free (SampleState *state)
{
  g_free (state->contact_type);
  g_free (state->page_token);
  _concord_rest_connector_listing_guard_clear (&state->guard);
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
  if (!_concord_rest_connector_send_or_fail (self, task, request, error, on_sample_page_cb, task))
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
  if (!_concord_rest_connector_check_type_or_fail (self, task, contact_type))
    return;

  state = g_new0 (SampleState, 1);
  state->contact_type = g_strdup (contact_type);
  state->max_pages = max_pages;
  _concord_rest_connector_listing_guard_init (&state->guard);
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
  ConcordRestOpState *state = g_task_get_task_data (task);
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
  ConcordRestOpState *state = g_task_get_task_data (task);
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
  ConcordRestOpState *state = g_task_get_task_data (task);

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

void
_concord_rest_connector_fetch_async (ConcordConnector   *connector,
                                     const char         *contact_type,
                                     const char * const *remote_ids,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data)
{
  GTask *task;
  ConcordRestOpState *state;

  task = concord_connector_task_new (connector, _concord_rest_connector_fetch_async, cancellable,
                                     callback, user_data);
  if (!_concord_rest_connector_check_type_or_fail (CONCORD_REST_CONNECTOR (connector), task, contact_type))
    return;
  state = _concord_rest_connector_op_state_new (task, contact_type);
  state->ids = remote_ids != NULL ? g_strdupv ((char **) remote_ids) : g_new0 (char *, 1);
  state->records = g_ptr_array_new_with_free_func (_concord_rest_connector_record_unref_nullable);
  g_ptr_array_set_size (state->records, g_strv_length (state->ids));

  if (state->ids[0] == NULL)
    fetch_start (task);
  else
    _concord_rest_connector_prepare_then (task, CONCORD_REST_FETCH, fetch_start);
}
