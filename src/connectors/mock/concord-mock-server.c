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

#define NESTING_BOMB_DEPTH 100000

typedef struct
{
  char               *method;      /* (owned) (nullable): any */
  char               *prefix;      /* (owned) */
  ConcordMockHandler  handler;
  gpointer            user_data;
  GDestroyNotify      destroy;
} Route;

typedef struct
{
  ConcordMockFault fault;
  guint            seconds;
} Fault;

typedef struct
{
  char            *method;         /* (owned) (nullable) */
  char            *prefix;         /* (owned) (nullable): with @pattern instead */
  char            *pattern;        /* (owned) (nullable): glob over "METHOD /path" */
  guint            skip;           /* matching requests to let through first */
  guint            times;          /* matching requests to fail then */
  Fault            fault;
} RouteFault;

/* A request as logged, compact: a long run (the sandbox, a benchmark) logs
 * thousands. ConcordMockLogEntry copies are built from it on demand. */
typedef struct
{
  guint   number;
  gint64  time_us;
  char   *line;                    /* (owned): "METHOD /path?query" */
  guint   method_len;
  guint   path_len;
  char   *headers;                 /* (owned): "Name: value\n" each */
} LogRecord;

struct _ConcordMockRequest
{
  ConcordMockServer *server;
  SoupServerMessage *msg;
  const char        *method;
  const char        *path;
  const char        *query;
  GPtrArray         *query_params; /* (owned) (nullable): decoded "key", "value" pairs */
  GBytes            *body;         /* (owned) (nullable): the request body, flattened lazily */
  guint              status;
  char              *response;     /* (owned) (nullable) */
  char              *content_type; /* (owned) (nullable) */
};

struct _ConcordMockServer
{
  GObject       parent_instance;

  char         *name;              /* (owned): thread name, Server header */
  char         *origin;            /* (owned): immutable once running */
  guint         port;

  /* Server thread only */
  GThread      *thread;            /* (owned) */
  GMainContext *context;           /* (owned) */
  GMainLoop    *loop;              /* (owned) */
  SoupServer   *server;            /* (owned) (nullable) */
  GPtrArray    *slow_sources;      /* (owned): GSource */
  GPtrArray    *stalled;           /* (owned): SoupServerMessage */
  GPtrArray    *routes;            /* (owned): Route; added before requests arrive */
  ConcordMockErrorBodyFunc error_func;
  gpointer      error_data;
  GDestroyNotify error_destroy;

  /* Start-up hand-over */
  GCond         started_cond;
  gboolean      started;
  GError       *start_error;       /* (owned) (nullable) */

  /* Everything below is guarded by @mutex */
  GMutex        mutex;
  GPtrArray    *log;               /* (owned): LogRecord */
  guint         n_seen;            /* every request ever */
  guint         n_logged;          /* requests since the log was reset */
  guint         log_limit;         /* entries the log keeps, 0 for all */
  GHashTable   *faults;            /* (owned): request number -> Fault */
  GPtrArray    *route_faults;      /* (owned): RouteFault */
  char         *redirect_target;   /* (owned) (nullable) */
  guint         max_items;         /* 0: no limit */
  GStrv         stall_patterns;    /* (owned) (nullable) */
  guint         stall_nth;
  guint         stall_seen;
  ConcordMockStallFunc stall_func;
  gpointer      stall_data;
  GHashTable   *in_flight;         /* (owned): SoupServerMessage (unowned) set */
  guint         max_in_flight;
};

G_DEFINE_FINAL_TYPE (ConcordMockServer, concord_mock_server, G_TYPE_OBJECT)

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

void
concord_mock_log_entry_free (ConcordMockLogEntry *entry)
{
  if (entry == NULL)
    return;

  g_free (entry->method);
  g_free (entry->path);
  g_free (entry->query);
  g_clear_pointer (&entry->headers, soup_message_headers_unref);
  g_free (entry);
}

static void
log_record_free (gpointer data)
{
  LogRecord *record = data;

  g_free (record->line);
  g_free (record->headers);
  g_free (record);
}

static ConcordMockLogEntry *
log_entry_new (const LogRecord *record)
{
  ConcordMockLogEntry *entry = g_new0 (ConcordMockLogEntry, 1);
  const char *path = record->line + record->method_len + 1;
  g_auto(GStrv) lines = g_strsplit (record->headers, "\n", -1);

  entry->number = record->number;
  entry->method = g_strndup (record->line, record->method_len);
  entry->path = g_strndup (path, record->path_len);
  if (path[record->path_len] == '?')
    entry->query = g_strdup (path + record->path_len + 1);
  entry->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *colon = strstr (lines[i], ": ");
      g_autofree char *name = NULL;

      if (colon == NULL)
        continue;
      name = g_strndup (lines[i], colon - lines[i]);
      soup_message_headers_append (entry->headers, name, colon + 2);
    }
  entry->time_us = record->time_us;

  return entry;
}

/* The value of header @name in @record (the first), or %NULL. */
static char *
log_record_get_header (const LogRecord *record,
                       const char      *name)
{
  gsize name_len = strlen (name);
  const char *line = record->headers;

  while (*line != '\0')
    {
      const char *end = strchr (line, '\n');

      if (end == NULL)
        end = line + strlen (line);
      if ((gsize) (end - line) > name_len + 1 && g_ascii_strncasecmp (line, name, name_len) == 0 &&
          line[name_len] == ':' && line[name_len + 1] == ' ')
        return g_strndup (line + name_len + 2, end - line - name_len - 2);
      line = *end == '\n' ? end + 1 : end;
    }

  return NULL;
}

static void
route_free (gpointer data)
{
  Route *route = data;

  if (route->destroy != NULL)
    route->destroy (route->user_data);
  g_free (route->method);
  g_free (route->prefix);
  g_free (route);
}

static RouteFault *
route_fault_new (guint            nth,
                 guint            times,
                 ConcordMockFault fault,
                 guint            seconds)
{
  RouteFault *route_fault = g_new0 (RouteFault, 1);

  route_fault->skip = nth - 1;
  route_fault->times = times;
  route_fault->fault.fault = fault;
  route_fault->fault.seconds = seconds;
  return route_fault;
}

static void
add_route_fault (ConcordMockServer *self,
                 RouteFault        *route_fault)
{
  g_mutex_lock (&self->mutex);
  g_ptr_array_add (self->route_faults, route_fault);
  g_mutex_unlock (&self->mutex);
}

static void
route_fault_free (gpointer data)
{
  RouteFault *fault = data;

  g_free (fault->method);
  g_free (fault->prefix);
  g_free (fault->pattern);
  g_free (fault);
}

static gboolean
route_matches (const char *route_method,
               const char *route_prefix,
               const char *method,
               const char *path)
{
  return (route_method == NULL || g_str_equal (route_method, method)) &&
         g_str_has_prefix (path, route_prefix);
}

static char *
decode_query_part (const char *part,
                   gssize      length)
{
  g_autofree char *copy = length < 0 ? g_strdup (part) : g_strndup (part, length);

  g_strdelimit (copy, "+", ' ');
  return g_uri_unescape_string (copy, NULL) ?: g_strdup (copy);
}

static GPtrArray *
parse_query (const char *query)
{
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) pairs = NULL;

  if (query == NULL)
    return g_steal_pointer (&params);

  pairs = g_strsplit (query, "&", -1);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      const char *eq = strchr (pairs[i], '=');

      if (pairs[i][0] == '\0')
        continue;
      if (eq == NULL)
        {
          g_ptr_array_add (params, decode_query_part (pairs[i], -1));
          g_ptr_array_add (params, g_strdup (""));
        }
      else
        {
          g_ptr_array_add (params, decode_query_part (pairs[i], eq - pairs[i]));
          g_ptr_array_add (params, decode_query_part (eq + 1, -1));
        }
    }

  return g_steal_pointer (&params);
}

/* The message's answer is over (or its connection gone): it no longer
 * counts as in flight. */
static void
end_in_flight (ConcordMockServer *self,
               SoupServerMessage *msg)
{
  g_mutex_lock (&self->mutex);
  g_hash_table_remove (self->in_flight, msg);
  g_mutex_unlock (&self->mutex);
}

static void
on_message_finished_cb (SoupServerMessage *msg,
                        gpointer           user_data)
{
  end_in_flight (user_data, msg);
}

static void
drop_connection (ConcordMockServer *self,
                 SoupServerMessage *msg)
{
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);

  end_in_flight (self, msg);
  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
}

static char *
default_error_body (guint       status,
                    const char *message,
                    gpointer    user_data)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "Error");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}

/* Whether @body is a JSON array of more than @max_items elements. */
static gboolean
body_exceeds (GBytes *body,
              guint   max_items)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize length;
  const char *data = g_bytes_get_data (body, &length);
  JsonNode *root;

  if (length == 0 || !json_parser_load_from_data (parser, data, length, NULL))
    return FALSE;

  root = json_parser_get_root (parser);
  return JSON_NODE_HOLDS_ARRAY (root) &&
         json_array_get_length (json_node_get_array (root)) > max_items;
}

/* Whether @method @path is the request to stall (caller holds the mutex). */
static gboolean
stall_matches (ConcordMockServer *self,
               const char        *method,
               const char        *path)
{
  g_autofree char *line = NULL;
  gboolean match = FALSE;

  if (self->stall_patterns == NULL)
    return FALSE;

  line = g_strdup_printf ("%s %s", method, path);
  for (guint i = 0; !match && self->stall_patterns[i] != NULL; i++)
    match = g_pattern_match_simple (self->stall_patterns[i], line);

  if (!match || ++self->stall_seen != self->stall_nth)
    return FALSE;

  g_clear_pointer (&self->stall_patterns, g_strfreev);
  return TRUE;
}

/* The fault armed for this request, by number or by route (caller holds the mutex). */
static Fault
take_fault (ConcordMockServer *self,
            const char        *method,
            const char        *path)
{
  Fault fault = { CONCORD_MOCK_FAULT_NONE, 0 };
  Fault *armed = g_hash_table_lookup (self->faults, GUINT_TO_POINTER (self->n_seen));

  if (armed != NULL)
    {
      fault = *armed;
      g_hash_table_remove (self->faults, GUINT_TO_POINTER (self->n_seen));
      return fault;
    }

  for (guint i = 0; i < self->route_faults->len; i++)
    {
      RouteFault *route_fault = g_ptr_array_index (self->route_faults, i);

      if (route_fault->pattern != NULL)
        {
          g_autofree char *line = g_strdup_printf ("%s %s", method, path);

          if (!g_pattern_match_simple (route_fault->pattern, line))
            continue;
        }
      else if (!route_matches (route_fault->method, route_fault->prefix, method, path))
        continue;
      if (route_fault->skip > 0)
        {
          route_fault->skip--;
          continue;
        }

      fault = route_fault->fault;
      if (--route_fault->times == 0)
        g_ptr_array_remove_index (self->route_faults, i);
      break;
    }

  return fault;
}

/* ------------------------------------------------------------------------- */
/* Serving (server thread)                                                   */
/* ------------------------------------------------------------------------- */

static void
request_clear (ConcordMockRequest *request)
{
  g_clear_pointer (&request->query_params, g_ptr_array_unref);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_clear_pointer (&request->response, g_free);
  g_clear_pointer (&request->content_type, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ConcordMockRequest, request_clear)

static void
request_init (ConcordMockRequest *request,
              ConcordMockServer  *self,
              SoupServerMessage  *msg)
{
  GUri *uri = soup_server_message_get_uri (msg);

  request->server = self;
  request->msg = msg;
  request->method = soup_server_message_get_method (msg);
  request->path = g_uri_get_path (uri);
  request->query = g_uri_get_query (uri);
}

static void
route_request (ConcordMockServer  *self,
               ConcordMockRequest *request)
{
  for (guint i = 0; i < self->routes->len; i++)
    {
      Route *route = g_ptr_array_index (self->routes, i);

      if (route_matches (route->method, route->prefix, request->method, request->path))
        {
          route->handler (request, route->user_data);
          return;
        }
    }

  concord_mock_request_respond_error (request, SOUP_STATUS_NOT_FOUND, "Not found.");
}

static void
send_answer (ConcordMockRequest *request)
{
  if (request->response != NULL)
    {
      gsize length = strlen (request->response);

      soup_server_message_set_response (request->msg,
                                        request->content_type ?: "application/json; charset=utf-8",
                                        SOUP_MEMORY_TAKE, g_steal_pointer (&request->response),
                                        length);
    }
  soup_server_message_set_status (request->msg, request->status ?: SOUP_STATUS_OK, NULL);
}

typedef struct
{
  ConcordMockServer *self;
  gboolean           apply;
} Release;

static gboolean
release_stalled_cb (gpointer data)
{
  Release *release = data;
  ConcordMockServer *self = release->self;
  g_autoptr(GPtrArray) stalled = g_steal_pointer (&self->stalled);

  self->stalled = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < stalled->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (stalled, i);

      if (release->apply)
        {
          g_auto(ConcordMockRequest) request = { 0 };

          request_init (&request, self, msg);
          route_request (self, &request);
          send_answer (&request);
          soup_server_message_unpause (msg);
        }
      else
        {
          drop_connection (self, msg);
        }
    }

  return G_SOURCE_REMOVE;
}

typedef struct
{
  ConcordMockServer *self;   /* (unowned): outlives the server thread */
  SoupServerMessage *msg;    /* (owned) */
  GSource           *source; /* (unowned) */
} SlowAnswer;

static void
slow_answer_free (gpointer data)
{
  SlowAnswer *answer = data;

  g_object_unref (answer->msg);
  g_free (answer);
}

static gboolean
on_slow_answer_timeout_cb (gpointer data)
{
  SlowAnswer *answer = data;

  soup_server_message_unpause (answer->msg);
  g_ptr_array_remove (answer->self->slow_sources, answer->source);

  return G_SOURCE_REMOVE;
}

static void
respond_fault_error (ConcordMockServer  *self,
                     ConcordMockRequest *request,
                     guint               status,
                     const char         *message)
{
  concord_mock_request_respond (request, status, NULL,
                                self->error_func (status, message, self->error_data));
}

static void
on_server_request_cb (SoupServer        *server,
                      SoupServerMessage *msg,
                      const char        *path,
                      GHashTable        *query,
                      gpointer           user_data)
{
  ConcordMockServer *self = user_data;
  g_auto(ConcordMockRequest) request = { 0 };
  LogRecord *record;
  Fault fault;
  gboolean stall = FALSE;
  gboolean too_large = FALSE;
  guint max_items;
  g_autofree char *line = NULL;
  g_autofree char *redirect_target = NULL;
  ConcordMockStallFunc stall_func = NULL;
  gpointer stall_data = NULL;

  request_init (&request, self, msg);
  g_signal_connect (msg, "finished", G_CALLBACK (on_message_finished_cb), self);

  line = g_strdup_printf ("%s %s%s%s", request.method, request.path,
                          request.query != NULL ? "?" : "", request.query ?: "");
  record = g_new0 (LogRecord, 1);
  record->line = g_strdup (line);
  record->method_len = strlen (request.method);
  record->path_len = strlen (request.path);
  {
    g_autoptr(GString) headers = g_string_new (NULL);
    SoupMessageHeadersIter iter;
    const char *name, *value;

    soup_message_headers_iter_init (&iter, soup_server_message_get_request_headers (msg));
    while (soup_message_headers_iter_next (&iter, &name, &value))
      g_string_append_printf (headers, "%s: %s\n", name, value);
    record->headers = g_string_free (g_steal_pointer (&headers), FALSE);
  }
  record->time_us = g_get_monotonic_time ();

  g_mutex_lock (&self->mutex);
  record->number = ++self->n_seen;
  self->n_logged++;
  if (self->log_limit > 0 && self->log->len >= self->log_limit)
    g_ptr_array_remove_index (self->log, 0);
  g_ptr_array_add (self->log, record);
  g_hash_table_add (self->in_flight, msg);
  self->max_in_flight = MAX (self->max_in_flight, g_hash_table_size (self->in_flight));
  fault = take_fault (self, request.method, request.path);
  if (fault.fault == CONCORD_MOCK_FAULT_NONE)
    stall = stall_matches (self, request.method, request.path);
  if (stall)
    {
      stall_func = self->stall_func;
      stall_data = self->stall_data;
    }
  redirect_target = g_strdup (self->redirect_target);
  max_items = self->max_items;
  g_mutex_unlock (&self->mutex);

  if (fault.fault == CONCORD_MOCK_FAULT_NONE && !stall && max_items > 0)
    too_large = body_exceeds (concord_mock_request_get_body (&request), max_items);

  /* The sandbox ships this server: its log names no path or query, which
   * can hold a contact's address or, for some apps, the key. */
  g_debug ("request %u: %s", record->number, request.method);

  if (stall)
    {
      g_ptr_array_add (self->stalled, g_object_ref (msg));
      soup_server_message_pause (msg);
      if (stall_func != NULL)
        stall_func (self, line, stall_data);
      return;
    }

  if (too_large)
    fault.fault = CONCORD_MOCK_FAULT_413;

  switch (fault.fault)
    {
    case CONCORD_MOCK_FAULT_RESET:
      drop_connection (self, msg);
      return;

    case CONCORD_MOCK_FAULT_500:
      respond_fault_error (self, &request, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                           "An unexpected error occurred.");
      break;

    case CONCORD_MOCK_FAULT_429:
      {
        SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
        g_autofree char *retry_after = g_strdup_printf ("%u", fault.seconds);

        soup_message_headers_replace (headers, "Retry-After", retry_after);
        respond_fault_error (self, &request, 429 /* Too Many Requests */, "Too many requests.");
      }
      break;

    case CONCORD_MOCK_FAULT_413:
      respond_fault_error (self, &request, 413 /* Payload Too Large */,
                           "The request is too large.");
      break;

    case CONCORD_MOCK_FAULT_REDIRECT:
      {
        g_autofree char *location = g_strdup_printf ("%s%s%s%s",
                                                     redirect_target ?: "http://127.0.0.1:9",
                                                     request.path,
                                                     request.query != NULL ? "?" : "",
                                                     request.query ?: "");

        soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                      "Location", location);
        concord_mock_request_respond (&request, SOUP_STATUS_FOUND, NULL, NULL);
      }
      break;

    case CONCORD_MOCK_FAULT_NESTING_BOMB:
      {
        char *bomb = g_malloc (2 * NESTING_BOMB_DEPTH + 1);

        memset (bomb, '[', NESTING_BOMB_DEPTH);
        memset (bomb + NESTING_BOMB_DEPTH, ']', NESTING_BOMB_DEPTH);
        bomb[2 * NESTING_BOMB_DEPTH] = '\0';
        concord_mock_request_respond (&request, SOUP_STATUS_OK, NULL, bomb);
      }
      break;

    case CONCORD_MOCK_FAULT_TRUNCATE:
      route_request (self, &request);
      if (request.response != NULL)
        request.response[strlen (request.response) / 2] = '\0';
      else
        request.response = g_strdup ("[{\"Email\": \"");
      request.status = SOUP_STATUS_OK;
      break;

    case CONCORD_MOCK_FAULT_NONE:
    case CONCORD_MOCK_FAULT_SLOW:
    default:
      route_request (self, &request);
      break;
    }

  send_answer (&request);

  if (fault.fault == CONCORD_MOCK_FAULT_SLOW)
    {
      SlowAnswer *answer = g_new0 (SlowAnswer, 1);

      answer->self = self;
      answer->msg = g_object_ref (msg);
      answer->source = g_timeout_source_new (fault.seconds * 1000);
      g_source_set_callback (answer->source, on_slow_answer_timeout_cb, answer, slow_answer_free);
      g_ptr_array_add (self->slow_sources, answer->source);  /* takes the reference */
      soup_server_message_pause (msg);
      g_source_attach (answer->source, self->context);
    }
}

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
  soup_server_add_handler (self->server, NULL, on_server_request_cb, self, NULL);
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
    Release release = { self, FALSE };

    release_stalled_cb (&release);
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
  self->routes = g_ptr_array_new_with_free_func (route_free);
  self->error_func = default_error_body;
  self->log = g_ptr_array_new_with_free_func (log_record_free);
  self->faults = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  self->route_faults = g_ptr_array_new_with_free_func (route_fault_free);
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
  Route *route;

  g_return_if_fail (CONCORD_IS_MOCK_SERVER (self));
  g_return_if_fail (path_prefix != NULL);
  g_return_if_fail (handler != NULL);

  route = g_new0 (Route, 1);
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
  self->error_func = func ?: default_error_body;
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
  Fault *value;

  g_return_if_fail (CONCORD_IS_MOCK_SERVER (self));
  g_return_if_fail (nth > 0);
  g_return_if_fail (fault <= CONCORD_MOCK_FAULT_LAST);

  value = g_new (Fault, 1);
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
  RouteFault *route_fault;

  g_return_if_fail (CONCORD_IS_MOCK_SERVER (self));
  g_return_if_fail (path_prefix != NULL);
  g_return_if_fail (nth > 0 && times > 0);
  g_return_if_fail (fault <= CONCORD_MOCK_FAULT_LAST);

  route_fault = route_fault_new (nth, times, fault, seconds);
  route_fault->method = g_strdup (method);
  route_fault->prefix = g_strdup (path_prefix);
  add_route_fault (self, route_fault);
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
  RouteFault *route_fault;

  g_return_if_fail (CONCORD_IS_MOCK_SERVER (self));
  g_return_if_fail (pattern != NULL);
  g_return_if_fail (nth > 0 && times > 0);
  g_return_if_fail (fault <= CONCORD_MOCK_FAULT_LAST);

  route_fault = route_fault_new (nth, times, fault, seconds);
  route_fault->pattern = g_strdup (pattern);
  add_route_fault (self, route_fault);
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
  Release *release;

  g_return_if_fail (CONCORD_IS_MOCK_SERVER (self));

  release = g_new0 (Release, 1);
  release->self = self;
  release->apply = !!apply;
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, release_stalled_cb, release,
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
    g_ptr_array_add (copy, g_strdup (((LogRecord *) g_ptr_array_index (self->log, i))->line));
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
    g_ptr_array_add (copy, log_entry_new (g_ptr_array_index (self->log, i)));
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
      g_autofree char *found = log_record_get_header (g_ptr_array_index (self->log, i), name);

      if (found != NULL && (value == NULL || g_str_equal (found, value)))
        n++;
    }
  g_mutex_unlock (&self->mutex);

  return n;
}

/* ------------------------------------------------------------------------- */
/* Requests                                                                  */
/* ------------------------------------------------------------------------- */

ConcordMockServer *
concord_mock_request_get_server (ConcordMockRequest *request)
{
  return request->server;
}

SoupServerMessage *
concord_mock_request_get_message (ConcordMockRequest *request)
{
  return request->msg;
}

const char *
concord_mock_request_get_method (ConcordMockRequest *request)
{
  return request->method;
}

/* As libsoup hands it over: percent-decoded. */
const char *
concord_mock_request_get_path (ConcordMockRequest *request)
{
  return request->path;
}

/* As it was sent. */
const char *
concord_mock_request_get_query (ConcordMockRequest *request)
{
  return request->query;
}

/**
 * concord_mock_request_get_query_param:
 * @name: a parameter name, compared without case
 *
 * Returns: (nullable): the decoded value of the first parameter @name
 */
const char *
concord_mock_request_get_query_param (ConcordMockRequest *request,
                                      const char         *name)
{
  GPtrArray *params = concord_mock_request_get_query_params (request);

  for (guint i = 0; i + 1 < params->len; i += 2)
    if (g_ascii_strcasecmp (g_ptr_array_index (params, i), name) == 0)
      return g_ptr_array_index (params, i + 1);

  return NULL;
}

/**
 * concord_mock_request_get_query_params:
 *
 * Returns: (transfer none) (element-type utf8): the decoded query, name and
 *   value in turn, in the order sent (a name may come more than once)
 */
GPtrArray *
concord_mock_request_get_query_params (ConcordMockRequest *request)
{
  if (request->query_params == NULL)
    request->query_params = parse_query (request->query);

  return request->query_params;
}

const char *
concord_mock_request_get_header (ConcordMockRequest *request,
                                 const char         *name)
{
  return soup_message_headers_get_one (soup_server_message_get_request_headers (request->msg),
                                       name);
}

/**
 * concord_mock_request_get_body:
 *
 * Returns: (transfer none): the request body
 */
GBytes *
concord_mock_request_get_body (ConcordMockRequest *request)
{
  if (request->body == NULL)
    request->body = soup_message_body_flatten (soup_server_message_get_request_body (request->msg));

  return request->body;
}

/* Authentication helpers: whether the request carries the expected
 * credentials, the way an app's API looks for them. */
gboolean
concord_mock_request_check_header (ConcordMockRequest *request,
                                   const char         *name,
                                   const char         *expected)
{
  return g_strcmp0 (concord_mock_request_get_header (request, name), expected) == 0;
}

gboolean
concord_mock_request_check_bearer (ConcordMockRequest *request,
                                   const char         *token)
{
  g_autofree char *expected = g_strdup_printf ("Bearer %s", token);

  return concord_mock_request_check_header (request, "Authorization", expected);
}

gboolean
concord_mock_request_check_basic (ConcordMockRequest *request,
                                  const char         *user,
                                  const char         *password)
{
  g_autofree char *pair = g_strdup_printf ("%s:%s", user, password);
  g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));
  g_autofree char *expected = g_strdup_printf ("Basic %s", encoded);

  return concord_mock_request_check_header (request, "Authorization", expected);
}

gboolean
concord_mock_request_check_query_key (ConcordMockRequest *request,
                                      const char         *name,
                                      const char         *key)
{
  return g_strcmp0 (concord_mock_request_get_query_param (request, name), key) == 0;
}

/**
 * concord_mock_request_respond:
 * @status: the HTTP status
 * @content_type: (nullable): the body's type; %NULL for JSON in UTF-8
 * @body: (transfer full) (nullable): the body, a string
 */
void
concord_mock_request_respond (ConcordMockRequest *request,
                              guint               status,
                              const char         *content_type,
                              char               *body)
{
  request->status = status;
  g_free (request->response);
  request->response = body;
  g_free (request->content_type);
  request->content_type = g_strdup (content_type);
}

/* An error in the server's error body format. */
void
concord_mock_request_respond_error (ConcordMockRequest *request,
                                    guint               status,
                                    const char         *message)
{
  respond_fault_error (request->server, request, status, message);
}

void
concord_mock_request_set_response_header (ConcordMockRequest *request,
                                          const char         *name,
                                          const char         *value)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                name, value);
}

guint
concord_mock_request_get_status (ConcordMockRequest *request)
{
  return request->status;
}
