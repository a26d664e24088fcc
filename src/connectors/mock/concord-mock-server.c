/* concord-mock-server.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The framework every simulated app server is built on: the Elastic Email
 * mock of src/connectors/elasticemail/mock/ and each new app's mock. An app
 * mock adds only its routes and its data; this file owns the rest.
 *
 * Why in src/: the sandbox demo ships a simulated Elastic Email, so the
 * mocks live beside their connectors, in a library of their own
 * (concord-mock) that only the sandbox, the tests and the benchmarks link.
 * tests/ holds only test code, and nothing under src/ links it.
 *
 * Threads: like GNOME Calendar's GcalSimpleServer, the SoupServer lives on a
 * thread of its own running a main loop on a context of its own, so a test
 * can drive its client on its own context. The server is created, used and
 * destroyed on that thread only. @mutex guards the request log, the armed
 * faults, the stall and the in-flight counters; handlers run without it
 * (an app mock guards its data with a mutex of its own).
 *
 * Faults are armed either for an absolute request number (counted over
 * every request the server has seen, so several can wait at once) or for a
 * route ("the 2nd POST /v4/contacts from now, twice"). A request number
 * wins over a route. "413 above N items" is a standing rule instead: a
 * request whose JSON body is an array of more than N elements answers 413
 * without reaching its route.
 *
 * The in-flight counter counts messages between their arrival and the end
 * of their answer (or their dropped connection); its maximum is kept, so a
 * test checks a client's concurrency limit from the server's side.
 */

#define G_LOG_DOMAIN "concord-mock-server"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "concord-mock-server.h"
#include "concord-mock-server-private.h"

G_DEFINE_FINAL_TYPE (ConcordMockServer, concord_mock_server, G_TYPE_OBJECT)

/* ------------------------------------------------------------------------- */
/* Server thread                                                             */
/* ------------------------------------------------------------------------- */

static gpointer
server_worker (gpointer data)
{
  ConcordMockServer *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autofree char *header = g_strdup_printf ("%s ", self->name);
  g_autoptr(GSList) uris = NULL;

  g_main_context_push_thread_default (self->context);

  self->server = soup_server_new ("server-header", header, NULL);
  soup_server_add_handler (self->server, NULL, _concord_mock_server_on_server_request_cb, self, NULL);
  address = g_inet_socket_address_new (loopback, self->port);

  if (soup_server_listen (self->server, address, 0, &error))
    {
      uris = soup_server_get_uris (self->server);
      g_assert (uris != NULL);
      self->port = g_uri_get_port (uris->data);
      self->origin = g_strdup_printf ("http://127.0.0.1:%u", self->port);
      g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
    }

  g_mutex_lock (&self->mutex);
  self->start_error = g_steal_pointer (&error);
  self->started = TRUE;
  g_cond_signal (&self->started_cond);
  g_mutex_unlock (&self->mutex);

  if (self->origin != NULL)
    g_main_loop_run (self->loop);

  /* Paused slow answers hold their messages: drop them before the server. */
  for (guint i = 0; i < self->slow_sources->len; i++)
    g_source_destroy (g_ptr_array_index (self->slow_sources, i));
  g_ptr_array_set_size (self->slow_sources, 0);
  {
    ConcordMockServerRelease release = { self, FALSE };

    _concord_mock_server_release_stalled_cb (&release);
  }

  soup_server_disconnect (self->server);
  g_clear_object (&self->server);

  /* Let the closed connections finish on this context. */
  while (g_main_context_iteration (self->context, FALSE))
    ;

  g_main_context_pop_thread_default (self->context);

  return NULL;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_mock_server_dispose (GObject *object)
{
  ConcordMockServer *self = CONCORD_MOCK_SERVER (object);

  if (self->thread != NULL)
    {
      g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, quit_loop,
                                  g_main_loop_ref (self->loop),
                                  (GDestroyNotify) g_main_loop_unref);
      g_thread_join (g_steal_pointer (&self->thread));
    }

  G_OBJECT_CLASS (concord_mock_server_parent_class)->dispose (object);
}

static void
concord_mock_server_finalize (GObject *object)
{
  ConcordMockServer *self = CONCORD_MOCK_SERVER (object);

  g_free (self->name);
  g_free (self->origin);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->slow_sources, g_ptr_array_unref);
  g_clear_pointer (&self->stalled, g_ptr_array_unref);
  g_clear_pointer (&self->routes, g_ptr_array_unref);
  if (self->error_destroy != NULL)
    self->error_destroy (self->error_data);
  g_clear_pointer (&self->stall_patterns, g_strfreev);
  g_clear_error (&self->start_error);
  g_cond_clear (&self->started_cond);
  g_clear_pointer (&self->log, g_ptr_array_unref);
  g_clear_pointer (&self->faults, g_hash_table_unref);
  g_clear_pointer (&self->route_faults, g_ptr_array_unref);
  g_clear_pointer (&self->redirect_target, g_free);
  g_clear_pointer (&self->in_flight, g_hash_table_unref);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (concord_mock_server_parent_class)->finalize (object);
}

static void
concord_mock_server_class_init (ConcordMockServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = concord_mock_server_dispose;
  object_class->finalize = concord_mock_server_finalize;
}

static void
concord_mock_server_init (ConcordMockServer *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->started_cond);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->slow_sources = g_ptr_array_new_with_free_func ((GDestroyNotify) g_source_unref);
  self->stalled = g_ptr_array_new_with_free_func (g_object_unref);
  self->routes = g_ptr_array_new_with_free_func (_concord_mock_server_route_free);
  self->error_func = _concord_mock_server_default_error_body;
  self->log = g_ptr_array_new_with_free_func (_concord_mock_server_log_record_free);
  self->faults = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  self->route_faults = g_ptr_array_new_with_free_func (_concord_mock_server_route_fault_free);
  self->in_flight = g_hash_table_new (g_direct_hash, g_direct_equal);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_mock_server_new:
 * @name: the server's name (its thread, its Server header)
 * @port: the port on 127.0.0.1, or 0 for any free one
 * @error: where to put a listening error
 *
 * Starts an HTTP server with no routes on a thread of its own; add routes
 * before handing its origin to a client.
 *
 * Returns: (transfer full) (nullable): the running server
 */
ConcordMockServer *
concord_mock_server_new (const char  *name,
                         guint        port,
                         GError     **error)
{
  g_autoptr(ConcordMockServer) self = NULL;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (port <= G_MAXUINT16, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (CONCORD_TYPE_MOCK_SERVER, NULL);
  self->name = g_strdup (name);
  self->port = port;
  self->thread = g_thread_new (name, server_worker, self);

  g_mutex_lock (&self->mutex);
  while (!self->started)
    g_cond_wait (&self->started_cond, &self->mutex);
  g_mutex_unlock (&self->mutex);

  if (self->start_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->start_error));
      return NULL;
    }

  return g_steal_pointer (&self);
}

/**
 * concord_mock_server_get_origin:
 *
 * Returns: (transfer none): "http://127.0.0.1:PORT"
 */
const char *
concord_mock_server_get_origin (ConcordMockServer *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_SERVER (self), NULL);

  return self->origin;
}

guint
concord_mock_server_get_port (ConcordMockServer *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_SERVER (self), 0);

  return self->port;
}

/**
 * concord_mock_server_get_context:
 *
 * Returns: (transfer none): the server thread's main context, for an app
 *   mock's own sources (a delayed save)
 */
GMainContext *
concord_mock_server_get_context (ConcordMockServer *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_SERVER (self), NULL);

  return self->context;
}

/**
 * concord_mock_server_add_route:
 * @method: (nullable): "GET", "POST", …; %NULL for any
 * @path_prefix: e.g. "/v4/contacts"
 * @handler: called on the server thread for each matching request
 *
 * Adds a route. Call it before a client sends requests: routes are read on
 * the server thread without a lock.
 */
void
concord_mock_server_add_route (ConcordMockServer  *self,
                               const char         *method,
                               const char         *path_prefix,
                               ConcordMockHandler  handler,
                               gpointer            user_data,
                               GDestroyNotify      destroy)
{
  ConcordMockServerRoute *route;

  g_return_if_fail (CONCORD_IS_MOCK_SERVER (self));
  g_return_if_fail (path_prefix != NULL);
  g_return_if_fail (handler != NULL);

  route = g_new0 (ConcordMockServerRoute, 1);
  route->method = g_strdup (method);
  route->prefix = g_strdup (path_prefix);
  route->handler = handler;
  route->user_data = user_data;
  route->destroy = destroy;
  g_ptr_array_add (self->routes, route);
}

/**
 * concord_mock_server_set_error_body_func:
 *
 * Sets how faults (500, 429, 413) and concord_mock_request_respond_error()
 * word their bodies; the default is {"Error": message}. Call before use.
 */
void
concord_mock_server_set_error_body_func (ConcordMockServer        *self,
                                         ConcordMockErrorBodyFunc  func,
                                         gpointer                  user_data,
                                         GDestroyNotify            destroy)
{
  g_return_if_fail (CONCORD_IS_MOCK_SERVER (self));

  if (self->error_destroy != NULL)
    self->error_destroy (self->error_data);
  self->error_func = func ?: _concord_mock_server_default_error_body;
  self->error_data = user_data;
  self->error_destroy = destroy;
}

/**
 * concord_mock_server_fail_request:
 * @nth: which request from now, 1 being the next
 * @fault: what goes wrong
 * @seconds: the Retry-After of a 429, the delay of a slow answer
 *
 * Arms a fault for one request number; arming the same number again
 * replaces its fault.
 */
void
concord_mock_server_fail_request (ConcordMockServer *self,
                                  guint              nth,
                                  ConcordMockFault   fault,
                                  guint              seconds)
{
  ConcordMockServerFault *value;

  g_return_if_fail (CONCORD_IS_MOCK_SERVER (self));
  g_return_if_fail (nth > 0);
  g_return_if_fail (fault <= CONCORD_MOCK_FAULT_LAST);

  value = g_new (ConcordMockServerFault, 1);
  value->fault = fault;
  value->seconds = seconds;

  g_mutex_lock (&self->mutex);
  g_hash_table_replace (self->faults, GUINT_TO_POINTER (self->n_seen + nth), value);
  g_mutex_unlock (&self->mutex);
}

/**
 * concord_mock_server_fail_route:
 * @method: (nullable): the method, %NULL for any
 * @path_prefix: the path prefix
 * @nth: which matching request from now fails first, 1 being the next
 * @times: how many matching requests in a row fail from there
 * @fault: what goes wrong
 * @seconds: the Retry-After of a 429, the delay of a slow answer
 *
 * Arms a fault for the requests to one route, wherever they fall in the
 * sequence: "the 3rd list request answers 429 with Retry-After: 1".
 */
void
concord_mock_server_fail_route (ConcordMockServer *self,
                                const char        *method,
                                const char        *path_prefix,
                                guint              nth,
                                guint              times,
                                ConcordMockFault   fault,
                                guint              seconds)
{
  ConcordMockServerRouteFault *route_fault;

  g_return_if_fail (CONCORD_IS_MOCK_SERVER (self));
  g_return_if_fail (path_prefix != NULL);
  g_return_if_fail (nth > 0 && times > 0);
  g_return_if_fail (fault <= CONCORD_MOCK_FAULT_LAST);

  route_fault = _concord_mock_server_route_fault_new (nth, times, fault, seconds);
  route_fault->method = g_strdup (method);
  route_fault->prefix = g_strdup (path_prefix);
  _concord_mock_server_add_route_fault (self, route_fault);
}

/**
 * concord_mock_server_fail_matching:
 * @pattern: a glob over "METHOD /path" (no query), as for stalls:
 *   "GET /v3/objects/contacts*"
 * @nth: which matching request from now fails first, 1 being the next
 * @times: how many matching requests in a row fail from there
 * @fault: what goes wrong
 * @seconds: the Retry-After of a 429, the delay of a slow answer
 *
 * Arms a fault like concord_mock_server_fail_route(), for the requests a
 * glob matches: what a person driving `concord-mock --control` names
 * without knowing the app's routes.
 */
void
concord_mock_server_fail_matching (ConcordMockServer *self,
                                   const char        *pattern,
                                   guint              nth,
                                   guint              times,
                                   ConcordMockFault   fault,
                                   guint              seconds)
{
  ConcordMockServerRouteFault *route_fault;

  g_return_if_fail (CONCORD_IS_MOCK_SERVER (self));
  g_return_if_fail (pattern != NULL);
  g_return_if_fail (nth > 0 && times > 0);
  g_return_if_fail (fault <= CONCORD_MOCK_FAULT_LAST);

  route_fault = _concord_mock_server_route_fault_new (nth, times, fault, seconds);
  route_fault->pattern = g_strdup (pattern);
  _concord_mock_server_add_route_fault (self, route_fault);
}

/**
 * concord_mock_server_clear_faults:
 *
 * Disarms every fault armed by number or by route, and the 413 rule.
 */
void
concord_mock_server_clear_faults (ConcordMockServer *self)
{
  g_return_if_fail (CONCORD_IS_MOCK_SERVER (self));

  g_mutex_lock (&self->mutex);
  g_hash_table_remove_all (self->faults);
  g_ptr_array_set_size (self->route_faults, 0);
  self->max_items = 0;
  g_mutex_unlock (&self->mutex);
}

/**
 * concord_mock_server_set_redirect_target:
 * @origin: (nullable): "http://HOST:PORT" a %CONCORD_MOCK_FAULT_REDIRECT
 *   sends the client to (the same path and query there)
 */
void
concord_mock_server_set_redirect_target (ConcordMockServer *self,
                                         const char        *origin)
{
  g_return_if_fail (CONCORD_IS_MOCK_SERVER (self));

  g_mutex_lock (&self->mutex);
  g_free (self->redirect_target);
  self->redirect_target = g_strdup (origin);
  g_mutex_unlock (&self->mutex);
}

/**
 * concord_mock_server_set_max_items:
 * @max_items: the most elements a JSON array body may have; 0 for no limit
 *
 * Above it, a request answers 413 without reaching its route.
 */
void
concord_mock_server_set_max_items (ConcordMockServer *self,
                                   guint              max_items)
{
  g_return_if_fail (CONCORD_IS_MOCK_SERVER (self));

  g_mutex_lock (&self->mutex);
  self->max_items = max_items;
  g_mutex_unlock (&self->mutex);
}

/**
 * concord_mock_server_get_max_items:
 *
 * For an app whose batches are a member of an object body (which the
 * framework does not count): its route answers 413 above it itself.
 *
 * Returns: the limit of concord_mock_server_set_max_items(), 0 for none
 */
guint
concord_mock_server_get_max_items (ConcordMockServer *self)
{
  guint max_items;

  g_return_val_if_fail (CONCORD_IS_MOCK_SERVER (self), 0);

  g_mutex_lock (&self->mutex);
  max_items = self->max_items;
  g_mutex_unlock (&self->mutex);
  return max_items;
}

/**
 * concord_mock_server_stall_request:
 * @patterns: (array zero-terminated=1): globs over "METHOD /path" (no
 *   query); a request matching any counts
 * @nth: which matching request from now to stall, 1 being the next
 * @func: (nullable): called on the server thread, with the request line,
 *   once the request is held
 * @user_data: data for @func
 *
 * Holds one request without routing or answering it, until
 * concord_mock_server_release_stalled(). Arming again replaces the stall.
 */
void
concord_mock_server_stall_request (ConcordMockServer    *self,
                                   const char * const   *patterns,
                                   guint                 nth,
                                   ConcordMockStallFunc  func,
                                   gpointer              user_data)
{
  g_return_if_fail (CONCORD_IS_MOCK_SERVER (self));
  g_return_if_fail (patterns != NULL && patterns[0] != NULL);
  g_return_if_fail (nth > 0);

  g_mutex_lock (&self->mutex);
  g_clear_pointer (&self->stall_patterns, g_strfreev);
  self->stall_patterns = g_strdupv ((char **) patterns);
  self->stall_nth = nth;
  self->stall_seen = 0;
  self->stall_func = func;
  self->stall_data = user_data;
  g_mutex_unlock (&self->mutex);
}

/**
 * concord_mock_server_release_stalled:
 * @apply: %TRUE to route and answer the held request (late), %FALSE to
 *   drop it: its connection closes and it reaches no route
 *
 * Lets go of the held request, if any; the server thread does it soon
 * after this returns.
 */
void
concord_mock_server_release_stalled (ConcordMockServer *self,
                                     gboolean           apply)
{
  ConcordMockServerRelease *release;

  g_return_if_fail (CONCORD_IS_MOCK_SERVER (self));

  release = g_new0 (ConcordMockServerRelease, 1);
  release->self = self;
  release->apply = !!apply;
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, _concord_mock_server_release_stalled_cb, release,
                              g_free);
}

guint
concord_mock_server_get_n_requests (ConcordMockServer *self)
{
  guint n;

  g_return_val_if_fail (CONCORD_IS_MOCK_SERVER (self), 0);

  g_mutex_lock (&self->mutex);
  n = self->n_logged;
  g_mutex_unlock (&self->mutex);

  return n;
}

/**
 * concord_mock_server_get_requests:
 *
 * Returns: (transfer full) (element-type utf8): the request lines since
 *   the last reset, "METHOD /path?query" with the path as received
 */
GPtrArray *
concord_mock_server_get_requests (ConcordMockServer *self)
{
  GPtrArray *copy;

  g_return_val_if_fail (CONCORD_IS_MOCK_SERVER (self), NULL);

  copy = g_ptr_array_new_with_free_func (g_free);
  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->log->len; i++)
    g_ptr_array_add (copy, g_strdup (((ConcordMockServerLogRecord *) g_ptr_array_index (self->log, i))->line));
  g_mutex_unlock (&self->mutex);

  return copy;
}

/**
 * concord_mock_server_get_log:
 *
 * Returns: (transfer full) (element-type ConcordMockLogEntry): the requests
 *   since the last reset, with their headers and arrival times
 */
GPtrArray *
concord_mock_server_get_log (ConcordMockServer *self)
{
  GPtrArray *copy;

  g_return_val_if_fail (CONCORD_IS_MOCK_SERVER (self), NULL);

  copy = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_mock_log_entry_free);
  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->log->len; i++)
    g_ptr_array_add (copy, _concord_mock_server_log_entry_new (g_ptr_array_index (self->log, i)));
  g_mutex_unlock (&self->mutex);

  return copy;
}

/**
 * concord_mock_server_reset_log:
 *
 * Empties the request log; armed faults keep counting from where they were.
 */
void
concord_mock_server_reset_log (ConcordMockServer *self)
{
  g_return_if_fail (CONCORD_IS_MOCK_SERVER (self));

  g_mutex_lock (&self->mutex);
  g_ptr_array_set_size (self->log, 0);
  self->n_logged = 0;
  g_mutex_unlock (&self->mutex);
}

/**
 * concord_mock_server_set_log_limit:
 * @limit: how many requests the log keeps, the latest; 0 keeps them all
 *
 * Bounds the request log. Tests keep every request (the default); the
 * sandbox, which serves for as long as Concord runs, and the benchmarks,
 * which measure the connector's memory, keep only the latest few.
 * concord_mock_server_get_n_requests() still counts every request.
 */
void
concord_mock_server_set_log_limit (ConcordMockServer *self,
                                   guint              limit)
{
  g_return_if_fail (CONCORD_IS_MOCK_SERVER (self));

  g_mutex_lock (&self->mutex);
  self->log_limit = limit;
  if (limit > 0 && self->log->len > limit)
    g_ptr_array_remove_range (self->log, 0, self->log->len - limit);
  g_mutex_unlock (&self->mutex);
}

guint
concord_mock_server_get_in_flight (ConcordMockServer *self)
{
  guint n;

  g_return_val_if_fail (CONCORD_IS_MOCK_SERVER (self), 0);

  g_mutex_lock (&self->mutex);
  n = g_hash_table_size (self->in_flight);
  g_mutex_unlock (&self->mutex);

  return n;
}

/**
 * concord_mock_server_get_max_in_flight:
 *
 * Returns: the most requests the server was answering at once since it
 *   started or since concord_mock_server_reset_max_in_flight()
 */
guint
concord_mock_server_get_max_in_flight (ConcordMockServer *self)
{
  guint n;

  g_return_val_if_fail (CONCORD_IS_MOCK_SERVER (self), 0);

  g_mutex_lock (&self->mutex);
  n = self->max_in_flight;
  g_mutex_unlock (&self->mutex);

  return n;
}

void
concord_mock_server_reset_max_in_flight (ConcordMockServer *self)
{
  g_return_if_fail (CONCORD_IS_MOCK_SERVER (self));

  g_mutex_lock (&self->mutex);
  self->max_in_flight = g_hash_table_size (self->in_flight);
  g_mutex_unlock (&self->mutex);
}

/**
 * concord_mock_server_count_header:
 * @name: a header name
 * @value: (nullable): the value to count; %NULL counts every request that
 *   has the header at all
 *
 * Returns: how many logged requests carry @name (with @value)
 */
guint
concord_mock_server_count_header (ConcordMockServer *self,
                                  const char        *name,
                                  const char        *value)
{
  guint n = 0;

  g_return_val_if_fail (CONCORD_IS_MOCK_SERVER (self), 0);
  g_return_val_if_fail (name != NULL, 0);

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->log->len; i++)
    {
      g_autofree char *found = _concord_mock_server_log_record_get_header (g_ptr_array_index (self->log, i), name);

      if (found != NULL && (value == NULL || g_str_equal (found, value)))
        n++;
    }
  g_mutex_unlock (&self->mutex);

  return n;
}
