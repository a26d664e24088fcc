/* concord-mock-server-serve.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Serving a request in the mock server framework (see
 * concord-mock-server.c), on the server thread: the helpers of the log,
 * routes, queries, faults and stalls (the caller holds the mutex), then a
 * request's routing, its armed fault or stall, and its answer.
 */

#define G_LOG_DOMAIN "concord-mock-server"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "concord-mock-server.h"
#include "concord-mock-server-private.h"

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

void
_concord_mock_server_log_record_free (gpointer data)
{
  ConcordMockServerLogRecord *record = data;

  g_free (record->line);
  g_free (record->headers);
  g_free (record);
}

ConcordMockLogEntry *
_concord_mock_server_log_entry_new (const ConcordMockServerLogRecord *record)
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
char *
_concord_mock_server_log_record_get_header (const ConcordMockServerLogRecord *record,
                                            const char                       *name)
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

void
_concord_mock_server_route_free (gpointer data)
{
  ConcordMockServerRoute *route = data;

  if (route->destroy != NULL)
    route->destroy (route->user_data);
  g_free (route->method);
  g_free (route->prefix);
  g_free (route);
}

ConcordMockServerRouteFault *
_concord_mock_server_route_fault_new (guint            nth,
                                      guint            times,
                                      ConcordMockFault fault,
                                      guint            seconds)
{
  ConcordMockServerRouteFault *route_fault = g_new0 (ConcordMockServerRouteFault, 1);

  route_fault->skip = nth - 1;
  route_fault->times = times;
  route_fault->fault.fault = fault;
  route_fault->fault.seconds = seconds;
  return route_fault;
}

void
_concord_mock_server_add_route_fault (ConcordMockServer           *self,
                                      ConcordMockServerRouteFault *route_fault)
{
  g_mutex_lock (&self->mutex);
  g_ptr_array_add (self->route_faults, route_fault);
  g_mutex_unlock (&self->mutex);
}

void
_concord_mock_server_route_fault_free (gpointer data)
{
  ConcordMockServerRouteFault *fault = data;

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

GPtrArray *
_concord_mock_server_parse_query (const char *query)
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

char *
_concord_mock_server_default_error_body (guint       status,
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
static ConcordMockServerFault
take_fault (ConcordMockServer *self,
            const char        *method,
            const char        *path)
{
  ConcordMockServerFault fault = { CONCORD_MOCK_FAULT_NONE, 0 };
  ConcordMockServerFault *armed = g_hash_table_lookup (self->faults, GUINT_TO_POINTER (self->n_seen));

  if (armed != NULL)
    {
      fault = *armed;
      g_hash_table_remove (self->faults, GUINT_TO_POINTER (self->n_seen));
      return fault;
    }

  for (guint i = 0; i < self->route_faults->len; i++)
    {
      ConcordMockServerRouteFault *route_fault = g_ptr_array_index (self->route_faults, i);

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
      ConcordMockServerRoute *route = g_ptr_array_index (self->routes, i);

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

gboolean
_concord_mock_server_release_stalled_cb (gpointer data)
{
  ConcordMockServerRelease *release = data;
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

void
_concord_mock_server_respond_fault_error (ConcordMockServer  *self,
                                          ConcordMockRequest *request,
                                          guint               status,
                                          const char         *message)
{
  concord_mock_request_respond (request, status, NULL,
                                self->error_func (status, message, self->error_data));
}

/* The log's record of @request (its number is given under the mutex). */
static ConcordMockServerLogRecord *
new_log_record (ConcordMockRequest *request,
                SoupServerMessage  *msg,
                const char         *line)
{
  ConcordMockServerLogRecord *record = g_new0 (ConcordMockServerLogRecord, 1);

  record->line = g_strdup (line);
  record->method_len = strlen (request->method);
  record->path_len = strlen (request->path);
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

  return record;
}

/* Answers @request as its armed @fault says (or routes it); FALSE when
 * the connection was dropped instead. */
static gboolean
answer_fault (ConcordMockServer      *self,
              ConcordMockRequest     *request,
              SoupServerMessage      *msg,
              ConcordMockServerFault *fault,
              const char             *redirect_target)
{
  switch (fault->fault)
    {
    case CONCORD_MOCK_FAULT_RESET:
      drop_connection (self, msg);
      return FALSE;

    case CONCORD_MOCK_FAULT_500:
      _concord_mock_server_respond_fault_error (self, request, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                                                "An unexpected error occurred.");
      break;

    case CONCORD_MOCK_FAULT_429:
      {
        SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
        g_autofree char *retry_after = g_strdup_printf ("%u", fault->seconds);

        soup_message_headers_replace (headers, "Retry-After", retry_after);
        _concord_mock_server_respond_fault_error (self, request, 429 /* Too Many Requests */, "Too many requests.");
      }
      break;

    case CONCORD_MOCK_FAULT_413:
      _concord_mock_server_respond_fault_error (self, request, 413 /* Payload Too Large */,
                                                "The request is too large.");
      break;

    case CONCORD_MOCK_FAULT_REDIRECT:
      {
        g_autofree char *location = g_strdup_printf ("%s%s%s%s",
                                                     redirect_target ?: "http://127.0.0.1:9",
                                                     request->path,
                                                     request->query != NULL ? "?" : "",
                                                     request->query ?: "");

        soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                      "Location", location);
        concord_mock_request_respond (request, SOUP_STATUS_FOUND, NULL, NULL);
      }
      break;

    case CONCORD_MOCK_FAULT_NESTING_BOMB:
      {
        char *bomb = g_malloc (2 * NESTING_BOMB_DEPTH + 1);

        memset (bomb, '[', NESTING_BOMB_DEPTH);
        memset (bomb + NESTING_BOMB_DEPTH, ']', NESTING_BOMB_DEPTH);
        bomb[2 * NESTING_BOMB_DEPTH] = '\0';
        concord_mock_request_respond (request, SOUP_STATUS_OK, NULL, bomb);
      }
      break;

    case CONCORD_MOCK_FAULT_TRUNCATE:
      route_request (self, request);
      if (request->response != NULL)
        request->response[strlen (request->response) / 2] = '\0';
      else
        request->response = g_strdup ("[{\"Email\": \"");
      request->status = SOUP_STATUS_OK;
      break;

    case CONCORD_MOCK_FAULT_NONE:
    case CONCORD_MOCK_FAULT_SLOW:
    default:
      route_request (self, request);
      break;
    }

  return TRUE;
}

void
_concord_mock_server_on_server_request_cb (SoupServer        *server,
                                           SoupServerMessage *msg,
                                           const char        *path,
                                           GHashTable        *query,
                                           gpointer           user_data)
{
  ConcordMockServer *self = user_data;
  g_auto(ConcordMockRequest) request = { 0 };
  ConcordMockServerLogRecord *record;
  ConcordMockServerFault fault;
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
  record = new_log_record (&request, msg, line);

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

  if (!answer_fault (self, &request, msg, &fault, redirect_target))
    return;

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
