/* concord-http-client-send.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The HTTP client's exchange: the answer read to a bound, the request sent
 * (its URL, its authentication), the answer checked and read (a 401's
 * refresh, a retry, an error), the public send functions, and JSON parsed
 * with its text repaired.
 */

#define G_LOG_DOMAIN "concord-http"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "concord-error.h"
#include "concord-json-private.h"

#include "concord-http-client-private.h"

#define READ_CHUNK           (64 * 1024)
#define REPAIR_MARK          "\xef\xb7\x90"
#define REPAIR_MARK_ESCAPE   "\\ufdd0"

/* Whether the backslash at @p (after @start) begins an escape, i.e. is
 * preceded by an even number of backslashes. */
static gboolean
starts_escape (const char *start,
               const char *p)
{
  gsize n = 0;

  while (p > start && p[-1] == '\\')
    {
      p--;
      n++;
    }

  return n % 2 == 0;
}

/* Returns: (transfer full) (nullable): @data with its repairs, or NULL
 * when it needs none. */
static GBytes *
repair_body (const char *data,
             gsize       length)
{
  gboolean valid = g_utf8_validate_len (data, length, NULL);
  /* A valid body has no NUL byte, so g_strstr_len() sees all of it. */
  gboolean has_nul = !valid || g_strstr_len (data, (gssize) length, "\\u0000") != NULL;
  const char *p = data;
  const char *end = data + length;
  GString *out;

  if (valid && !has_nul)
    return NULL;

  out = g_string_sized_new (length + 16);
  while (p < end)
    {
      gsize n = MIN ((gsize) g_utf8_skip[(guchar) *p], (gsize) (end - p));

      if (*p == '\\' && end - p >= 6 && memcmp (p, "\\u0000", 6) == 0 && starts_escape (data, p))
        {
          g_string_append (out, REPAIR_MARK_ESCAPE);
          p += 6;
        }
      else if (*p == '\0' || !g_utf8_validate_len (p, n, NULL))
        {
          /* A byte that starts no character (a cut one at the end too). */
          g_string_append (out, REPAIR_MARK);
          p++;
        }
      else
        {
          g_string_append_len (out, p, (gssize) n);
          p += n;
        }
    }

  return g_string_free_to_bytes (out);
}

/* ------------------------------------------------------------------------- */
/* Bounded read                                                              */
/* ------------------------------------------------------------------------- */

typedef struct
{
  SoupMessage  *msg;      /* (owned) */
  GInputStream *stream;   /* (owned) (nullable) */
  GByteArray   *data;     /* (owned) */
  gsize         max;
} BoundedRead;

static void
bounded_read_free (BoundedRead *reader)
{
  g_clear_object (&reader->msg);
  g_clear_object (&reader->stream);
  g_clear_pointer (&reader->data, g_byte_array_unref);
  g_free (reader);
}

static void on_bounded_chunk_cb (GObject      *object,
                                 GAsyncResult *result,
                                 gpointer      user_data);

static void
bounded_read_next (GTask *task)
{
  BoundedRead *reader = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (reader->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), on_bounded_chunk_cb, task);
}

static void
on_bounded_chunk_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BoundedRead *reader = g_task_get_task_data (task);
  g_autoptr(GBytes) chunk = NULL;
  g_autoptr(GError) error = NULL;
  gsize size;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (chunk == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  size = g_bytes_get_size (chunk);
  if (size == 0)
    {
      g_input_stream_close (reader->stream, NULL, NULL);
      g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&reader->data)),
                             (GDestroyNotify) g_bytes_unref);
      return;
    }

  if (reader->data->len + size > reader->max)
    {
      g_input_stream_close (reader->stream, NULL, NULL);
      if (reader->max >= 1024 * 1024)
        g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                 "the answer is larger than %" G_GSIZE_FORMAT " MiB",
                                 reader->max >> 20);
      else
        g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                 "the answer is larger than %" G_GSIZE_FORMAT " bytes",
                                 reader->max);
      return;
    }

  g_byte_array_append (reader->data, g_bytes_get_data (chunk, NULL), size);
  bounded_read_next (g_steal_pointer (&task));
}

static void
on_bounded_sent_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BoundedRead *reader = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  reader->stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (reader->stream == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  bounded_read_next (g_steal_pointer (&task));
}

/* soup_session_send_and_read_async(), at most @max bytes. */
void
_concord_http_client_send_and_read_bounded_async (SoupSession        *session,
                                                  SoupMessage        *msg,
                                                  gsize               max,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data)
{
  GTask *task = g_task_new (session, cancellable, callback, user_data);
  BoundedRead *reader = g_new0 (BoundedRead, 1);

  reader->msg = g_object_ref (msg);
  reader->data = g_byte_array_new ();
  reader->max = max;
  g_task_set_source_tag (task, _concord_http_client_send_and_read_bounded_async);
  g_task_set_task_data (task, reader, (GDestroyNotify) bounded_read_free);

  soup_session_send_async (session, msg, G_PRIORITY_DEFAULT, cancellable,
                           on_bounded_sent_cb, task);
}

GBytes *
_concord_http_client_send_and_read_bounded_finish (GAsyncResult *result,
                                                   SoupMessage **msg,
                                                   GError      **error)
{
  BoundedRead *reader = g_task_get_task_data (G_TASK (result));

  g_assert (g_task_get_source_tag (G_TASK (result)) == _concord_http_client_send_and_read_bounded_async);

  *msg = reader->msg;
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------- */
/* Sending                                                                   */
/* ------------------------------------------------------------------------- */

static gboolean
check_answer (ConcordHttpClient *self,
              ConcordHttpCall   *call,
              SoupMessage       *msg,
              GError           **error)
{
  const char *label = call->request->label;
  g_autoptr(GError) redirect_error = NULL;

  if (!concord_http_check_redirect (msg, &redirect_error))
    {
      /* Same origin, and the caller follows it (CardDAV's well-known
       * address): an answer. */
      if ((call->request->flags & CONCORD_HTTP_SAME_ORIGIN_REDIRECT) != 0 &&
          g_error_matches (redirect_error, CONCORD_ERROR, CONCORD_ERROR_INVALID))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&redirect_error));
      g_prefix_error (error, "%s: ", label);
      return FALSE;
    }

  if (call->status == SOUP_STATUS_NOT_FOUND &&
      (call->request->flags & CONCORD_HTTP_NOT_FOUND_IS_EMPTY) != 0)
    {
      g_clear_pointer (&call->body, g_bytes_unref);
      return TRUE;
    }

  return concord_http_client_check_answer (self, call->status, call->body, label, error);
}

/* The exchange brought no answer: the caller cancelled, the answer was
 * too large, or a transport error, retried when the request may be.
 * Takes @owned_task and @owned_error. */
static void
call_failed (GTask    *owned_task,
             GError   *owned_error,
             gboolean  may_retry)
{
  g_autoptr(GTask) task = owned_task;
  g_autoptr(GError) error = owned_error;
  ConcordHttpCall *call = g_task_get_task_data (task);
  g_autofree char *redacted = concord_http_redact (error->message);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* An answer too large is not retried. */
  if (g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_PARSE))
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                               "%s failed: %s", call->request->label, error->message);
      return;
    }

  g_debug ("%s: transport error: %s", call->request->label, redacted);
  if (may_retry && _concord_http_client_is_idempotent (call->request) && !g_task_return_error_if_cancelled (task))
    {
      _concord_http_client_call_retry_later (g_steal_pointer (&task), -1);
      return;
    }

  if (!g_task_had_error (task))
    g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_NETWORK,
                             "%s failed: %s", call->request->label, redacted);
}

static void
on_call_read_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordHttpClient *self = g_task_get_source_object (task);
  ConcordHttpCall *call = g_task_get_task_data (task);
  ConcordHttpFlags flags = call->request->flags;
  gboolean may_retry = call->attempt < self->max_retries && (flags & CONCORD_HTTP_NO_RETRY) == 0;
  SoupMessage *msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  gboolean deadline_hit;

  body = _concord_http_client_send_and_read_bounded_finish (result, &msg, &error);
  deadline_hit = _concord_http_client_call_attempt_end (task);
  if (body == NULL && deadline_hit && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      !g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      g_autofree char *limit = _concord_http_client_deadline_text (self->deadline_ms);

      /* The whole exchange took too long (an answer trickling in): a
       * transport error like a timeout. */
      g_clear_error (&error);
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "the server took longer than %s to answer completely", limit);
    }
  /* The window first: a request waiting for this slot must see it. */
  if (body != NULL)
    _concord_http_client_note_rate_headers (self, soup_message_get_response_headers (msg));
  _concord_http_client_release_slot (self);
  _concord_http_client_release_write_slot (task);

  if (body == NULL)
    {
      call_failed (g_steal_pointer (&task), g_steal_pointer (&error), may_retry);
      return;
    }

  call->status = soup_message_get_status (msg);
  g_clear_pointer (&call->headers, soup_message_headers_unref);
  call->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  g_debug ("%s: HTTP %u", call->request->label, call->status);

  if (may_retry &&
      (call->status == 429 ||
       (call->status >= 500 && call->status < 600 && _concord_http_client_is_idempotent (call->request))))
    {
      gint64 retry_after = -1;

      if (call->status == 429 || call->status == SOUP_STATUS_SERVICE_UNAVAILABLE)
        retry_after = concord_http_parse_retry_after (
          soup_message_headers_get_one (call->headers, "Retry-After"), NULL);

      if (!g_task_return_error_if_cancelled (task))
        _concord_http_client_call_retry_later (g_steal_pointer (&task), retry_after);
      return;
    }

  if (call->status == SOUP_STATUS_UNAUTHORIZED && self->auth == CONCORD_HTTP_AUTH_OAUTH2)
    {
      if (!call->refreshed)
        {
          if (!g_task_return_error_if_cancelled (task))
            _concord_http_client_call_refresh (g_steal_pointer (&task));
          return;
        }
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_AUTH_EXPIRED,
                               "%s failed: %s refused the renewed access; sign in again",
                               call->request->label, self->app_name);
      return;
    }

  call->body = g_steal_pointer (&body);
  if (!check_answer (self, call, msg, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (call->json && call->body != NULL)
    {
      call->root = concord_http_parse_json (call->body, call->request->label,
                                            self->max_answer_bytes, &error);
      if (error != NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  g_task_return_boolean (task, TRUE);
}

static char *
build_uri (ConcordHttpClient  *self,
           ConcordHttpRequest *request)
{
  g_autofree char *escaped = NULL;

  if (self->auth != CONCORD_HTTP_AUTH_QUERY)
    return g_strconcat (self->base_url, request->path, NULL);

  escaped = g_uri_escape_string (self->auth_value, NULL, FALSE);
  return g_strconcat (self->base_url, request->path,
                      strchr (request->path, '?') != NULL ? "&" : "?",
                      self->auth_name, "=", escaped, NULL);
}

static void
add_auth (ConcordHttpClient  *self,
          SoupMessageHeaders *headers)
{
  g_autofree char *value = NULL;

  switch (self->auth)
    {
    case CONCORD_HTTP_AUTH_HEADER:
      soup_message_headers_replace (headers, self->auth_name, self->auth_value);
      break;

    case CONCORD_HTTP_AUTH_BEARER:
    case CONCORD_HTTP_AUTH_OAUTH2:
      if (self->auth_value != NULL)
        {
          value = g_strconcat ("Bearer ", self->auth_value, NULL);
          soup_message_headers_replace (headers, "Authorization", value);
        }
      break;

    case CONCORD_HTTP_AUTH_BASIC:
      {
        g_autofree char *pair = g_strconcat (self->auth_name, ":", self->auth_value, NULL);
        g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));

        value = g_strconcat ("Basic ", encoded, NULL);
        soup_message_headers_replace (headers, "Authorization", value);
        explicit_bzero (pair, strlen (pair));
        explicit_bzero (encoded, strlen (encoded));
      }
      break;

    case CONCORD_HTTP_AUTH_NONE:
    case CONCORD_HTTP_AUTH_QUERY:
    default:
      break;
    }

  if (value != NULL)
    explicit_bzero (value, strlen (value));
}

/* Takes the caller's reference on @task. */
void
_concord_http_client_call_send (GTask *task)
{
  ConcordHttpClient *self = g_task_get_source_object (task);
  ConcordHttpCall *call = g_task_get_task_data (task);
  ConcordHttpRequest *request = call->request;
  SoupMessageHeaders *headers;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *origin = NULL;

  if (g_task_return_error_if_cancelled (task))
    {
      _concord_http_client_release_write_slot (task);
      g_object_unref (task);
      return;
    }

  /* The app's window is spent: wait, holding no slot, until it resets. */
  if (self->hold_until_us > g_get_monotonic_time ())
    {
      guint delay_ms = (guint) ((self->hold_until_us - g_get_monotonic_time ()) / 1000) + 1;
      g_autoptr(GSource) source = g_timeout_source_new (delay_ms);

      g_source_set_callback (source, _concord_http_client_on_hold_over_cb, task, NULL);
      g_source_attach (source, g_task_get_context (task));
      return;
    }

  uri = build_uri (self, request);
  msg = soup_message_new (request->method, uri);
  if (self->auth == CONCORD_HTTP_AUTH_QUERY)
    explicit_bzero (uri, strlen (uri));
  if (msg != NULL)
    origin = concord_http_origin (soup_message_get_uri (msg));
  if (msg == NULL || g_strcmp0 (origin, self->origin) != 0)
    {
      /* A path that would take the request, and its credentials,
       * elsewhere ("@evil.example/") is not sent. */
      g_task_return_new_error (task, CONCORD_ERROR,
                               msg == NULL ? CONCORD_ERROR_INVALID : CONCORD_ERROR_PROTOCOL,
                               "%s failed: invalid URL", request->label);
      _concord_http_client_release_write_slot (task);
      g_object_unref (task);
      return;
    }

  /* The credentials go to the configured origin only: no redirect is
   * followed (concord_http_check_redirect()). */
  concord_http_message_prepare (msg);
  headers = soup_message_get_request_headers (msg);
  if (call->json)
    soup_message_headers_replace (headers, "Accept", "application/json");
  for (guint i = 0; request->headers != NULL && i + 1 < request->headers->len; i += 2)
    soup_message_headers_replace (headers, g_ptr_array_index (request->headers, i),
                                  g_ptr_array_index (request->headers, i + 1));
  add_auth (self, headers);
  call->generation = self->token_generation;
  if (request->body != NULL)
    soup_message_set_request_body_from_bytes (msg, request->content_type, request->body);

  self->n_in_flight++;
  _concord_http_client_send_and_read_bounded_async (self->session, msg, self->max_answer_bytes,
                                                    _concord_http_client_call_attempt_begin (task), on_call_read_cb, task);
}

static void
send_common (ConcordHttpClient   *self,
             ConcordHttpRequest  *request,
             gboolean             json,
             gpointer             source_tag,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GMainContext *context = g_main_context_get_thread_default ();
  GTask *task;
  ConcordHttpCall *call;

  /* The session belongs to the context the client was made on. */
  g_warn_if_fail ((context != NULL ? context : g_main_context_default ()) == self->context);

  call = g_new0 (ConcordHttpCall, 1);
  call->request = request;
  call->json = json;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, call, (GDestroyNotify) _concord_http_client_call_free);

  _concord_http_client_call_start (task);
}

static ConcordHttpCall *
finish_common (ConcordHttpClient   *self,
               GAsyncResult        *result,
               gpointer             source_tag,
               guint               *status,
               SoupMessageHeaders **headers,
               GError             **error)
{
  ConcordHttpCall *call;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  call = g_task_get_task_data (G_TASK (result));
  if (status != NULL)
    *status = call->status;
  if (headers != NULL)
    *headers = call->headers != NULL ? soup_message_headers_ref (call->headers) : NULL;

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;

  return call;
}

/**
 * concord_http_client_send_async:
 * @request: (transfer full): what to send
 *
 * Sends @request within the client's limits, retrying as described at the
 * top of this file.
 */
void
concord_http_client_send_async (ConcordHttpClient   *self,
                                ConcordHttpRequest  *request,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (CONCORD_IS_HTTP_CLIENT (self));
  g_return_if_fail (request != NULL);

  send_common (self, request, FALSE, concord_http_client_send_async, cancellable, callback,
               user_data);
}

/**
 * concord_http_client_send_finish:
 * @status: (out) (optional): the last HTTP status, 0 when none came
 * @headers: (out) (optional) (transfer full) (nullable): the answer's headers
 *
 * Returns: (transfer full) (nullable): the body of a successful answer (an
 *   empty one for a 404 with %CONCORD_HTTP_NOT_FOUND_IS_EMPTY); %NULL with
 *   @error set otherwise
 */
GBytes *
concord_http_client_send_finish (ConcordHttpClient   *self,
                                 GAsyncResult        *result,
                                 guint               *status,
                                 SoupMessageHeaders **headers,
                                 GError             **error)
{
  ConcordHttpCall *call = finish_common (self, result, concord_http_client_send_async, status, headers,
                                         error);

  if (call == NULL)
    return NULL;

  return call->body != NULL ? g_bytes_ref (call->body) : g_bytes_new (NULL, 0);
}

/**
 * concord_http_client_send_json_async:
 * @request: (transfer full): what to send
 *
 * Like concord_http_client_send_async(), asking for JSON, and parsing the
 * answer with its text repaired (see the top of this file) and its size
 * and nesting bounded.
 */
void
concord_http_client_send_json_async (ConcordHttpClient   *self,
                                     ConcordHttpRequest  *request,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (CONCORD_IS_HTTP_CLIENT (self));
  g_return_if_fail (request != NULL);

  send_common (self, request, TRUE, concord_http_client_send_json_async, cancellable, callback,
               user_data);
}

/**
 * concord_http_client_send_json_finish:
 *
 * Returns: (transfer full) (nullable): the answer as JSON; %NULL with no
 *   error for an empty body
 */
JsonNode *
concord_http_client_send_json_finish (ConcordHttpClient   *self,
                                      GAsyncResult        *result,
                                      guint               *status,
                                      SoupMessageHeaders **headers,
                                      GError             **error)
{
  ConcordHttpCall *call = finish_common (self, result, concord_http_client_send_json_async, status,
                                         headers, error);

  if (call == NULL)
    return NULL;

  return g_steal_pointer (&call->root);
}

/**
 * concord_http_parse_json:
 * @body: an answer's body
 * @label: the request, for messages
 * @max_bytes: the largest body accepted
 *
 * Parses @body with its text repaired, bounded in size and depth; the
 * message of a refusal never quotes the body.
 *
 * Returns: (transfer full) (nullable): the answer as JSON; %NULL with no
 *   error for an empty body
 */
JsonNode *
concord_http_parse_json (GBytes      *body,
                         const char  *label,
                         gsize        max_bytes,
                         GError     **error)
{
  g_autoptr(GBytes) repaired = NULL;
  g_autoptr(GError) parse_error = NULL;
  const char *data;
  gsize length;
  JsonNode *root;

  g_return_val_if_fail (body != NULL, NULL);

  data = g_bytes_get_data (body, &length);
  if (length == 0)
    return NULL;

  /* Odd bytes in a name must not cost the whole page, nor pass for the
   * user's. A cut body stays invalid. */
  if ((repaired = repair_body (data, length)) != NULL)
    data = g_bytes_get_data (repaired, &length);

  /* Bounded first: a nesting bomb would overflow json-glib's stack. */
  root = concord_json_parse (data, (gssize) length, max_bytes, &parse_error);
  if (root == NULL)
    {
      /* json-glib's own message quotes the answer, which may be personal
       * data: only a refusal of the bounds (our words) is passed on. */
      if (!concord_json_check_bounds (data, length, max_bytes, NULL))
        g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                     "%s failed: %s", label, parse_error->message);
      else
        g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                     "%s failed: the answer is not valid JSON", label);
      return NULL;
    }

  return root;
}

/**
 * concord_http_cut_text:
 * @text: valid UTF-8
 * @max_bytes: the most kept
 *
 * Returns: (transfer full) (nullable): @text cut to at most @max_bytes on a
 *   character boundary and marked, as the journal marks what it cuts;
 *   %NULL when it is not longer than @max_bytes
 */
char *
concord_http_cut_text (const char *text,
                       gsize       max_bytes)
{
  gsize length = strlen (text);
  const char *end;

  if (length <= max_bytes)
    return NULL;

  end = text + max_bytes;
  while (end > text && ((guchar) *end & 0xC0) == 0x80)
    end--;

  return g_strdup_printf ("%.*s… [cut: %" G_GSIZE_FORMAT " bytes]",
                          (int) (end - text), text, length);
}

/**
 * concord_http_repaired_text:
 * @raw: (nullable): a string read with concord_http_parse_json()
 * @max_bytes: the longest value kept whole
 * @repaired: (out) (optional): set to %TRUE when the value had to be
 *   repaired or cut (left alone otherwise)
 *
 * Returns: (transfer full) (nullable): @raw with each repair mark as
 *   U+FFFD, cut to @max_bytes with a mark when longer
 */
char *
concord_http_repaired_text (const char *raw,
                            gsize       max_bytes,
                            gboolean   *repaired)
{
  g_autofree char *valid = NULL;
  g_autofree char *cut = NULL;
  GString *out;

  if (raw == NULL)
    return NULL;

  valid = g_utf8_make_valid (raw, -1);
  if ((cut = concord_http_cut_text (valid, max_bytes)) != NULL)
    {
      /* Stored cut, with a mark, and (being altered) never written
       * across: no person types a value this long. */
      if (repaired != NULL)
        *repaired = TRUE;
      g_free (valid);
      valid = g_steal_pointer (&cut);
    }

  if (strstr (valid, REPAIR_MARK) == NULL)
    return g_steal_pointer (&valid);

  if (repaired != NULL)
    *repaired = TRUE;
  out = g_string_new (valid);
  g_string_replace (out, REPAIR_MARK, "\xef\xbf\xbd", 0);
  return g_string_free (out, FALSE);
}
