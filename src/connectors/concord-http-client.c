/* concord-http-client.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The one HTTP client of the connectors, body-agnostic (JSON, XML, vCard).
 *
 * A client owns a SoupSession and a base URL; every request names a path
 * relative to it, so credentials can only go to the configured origin: a
 * built URL whose origin differs (a path starting with "@host") is refused
 * before it is sent, and redirects are never followed (concord-http.c).
 *
 * Each request waits for one of max_in_flight slots (a FIFO wait queue),
 * then is sent and its answer read, at most max_answer_bytes of it. A 429
 * is retried (the server did not act on it); a 5xx or a transport error
 * only for an idempotent request. Retries wait Retry-After (seconds or an
 * HTTP date) plus a little jitter, or an "equal jitter" exponential
 * backoff; a wait is a GSource beside a GCancellable source, so a
 * cancellation during backoff returns at once. A Retry-After above
 * CONCORD_HTTP_RETRY_AFTER_LIMIT_SECONDS, or waits beyond the retry budget
 * (reset by the connector for each listing), fail the request with
 * CONCORD_ERROR_RATE_LIMITED: the run stops and the schedule tries later.
 *
 * An app that counts writes apart (Pipedrive serialises writes from one
 * token) sets a write limit: a request other than GET or HEAD also waits
 * for one of max_writes_in_flight write slots, in a FIFO of its own. An
 * app that announces its window in headers (remaining requests, seconds
 * to the reset) sets their names: an answer saying nothing remains holds
 * every request not yet sent until the window resets (at most
 * RATE_HOLD_CAP_SECONDS), so the client keeps under the limit instead of
 * meeting 429s.
 *
 * Each attempt has a deadline for the whole exchange, sending to the last
 * byte of the answer (deadline_ms, CONCORD_HTTP_DEFAULT_DEADLINE_SECONDS;
 * the environment variable CONCORD_HTTP_DEADLINE_SECONDS overrides the
 * default, for tests). libsoup's "timeout" and "idle-timeout" measure
 * silence only: an answer dripped one byte a second never ends under
 * them. Past the deadline the attempt is cancelled (its own GCancellable,
 * chained to the caller's) and counts as a transport error: retried when
 * the request is idempotent, else CONCORD_ERROR_NETWORK "took longer
 * than N s".
 *
 * OAuth 2: on a 401 the refresh token is traded for a new access token
 * once (concurrent requests share one refresh) and the request goes again;
 * a failed refresh is CONCORD_ERROR_AUTH_EXPIRED.
 *
 * Secrets are wiped in finalize and never logged: g_debug() prints labels
 * and statuses only.
 *
 * The JSON variant repairs text before parsing: json-glib refuses invalid
 * UTF-8 and cuts a string at an escaped NUL ("A\u0000B" reads as "A"), and
 * either way the value would look like the user's. Each invalid byte
 * becomes REPAIR_MARK and each "\u0000" escape the escape of REPAIR_MARK:
 * U+FDD0, a noncharacter, which Unicode keeps for a program's internal
 * use. concord_http_repaired_text() turns each mark into U+FFFD and says
 * the value was repaired, so a connector can mark the field altered.
 */

#define G_LOG_DOMAIN "concord-http"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "concord-error.h"
#include "concord-http-client.h"
#include "concord-json-private.h"

#define READ_CHUNK           (64 * 1024)
#define MAX_ERROR_BODY_BYTES (64 * 1024)
#define REPAIR_MARK          "\xef\xb7\x90"
#define REPAIR_MARK_ESCAPE   "\\ufdd0"
/* The longest a window announced in headers holds requests. */
#define RATE_HOLD_CAP_SECONDS 60
/* A reset header's value from which it is a Unix time, not a delay */
#define RESET_IS_INSTANT_AFTER ((gint64) 1000000000)

typedef enum
{
  AUTH_NONE,
  AUTH_HEADER,
  AUTH_BEARER,
  AUTH_BASIC,
  AUTH_QUERY,
  AUTH_OAUTH2,
} AuthKind;

struct _ConcordHttpRequest
{
  char             *method;       /* (owned) */
  char             *path;         /* (owned): after the base URL, encoded */
  char             *label;        /* (owned): no personal data */
  GBytes           *body;         /* (owned) (nullable) */
  char             *content_type; /* (owned) (nullable) */
  GPtrArray        *headers;      /* (owned) (nullable): name, value, … */
  ConcordHttpFlags  flags;
};

struct _ConcordHttpClient
{
  GObject                 parent_instance;

  SoupSession            *session;        /* (owned): used on @context only */
  GMainContext           *context;        /* (owned): thread-default context at creation */
  char                   *base_url;       /* (owned): without a trailing slash */
  char                   *origin;         /* (owned): of @base_url */
  char                   *app_name;       /* (owned): for messages */

  AuthKind                auth;
  char                   *auth_name;      /* (owned) (nullable): header or parameter, user */
  char                   *auth_value;     /* (owned) (nullable): secret: key, token, password */
  char                   *token_url;      /* (owned) (nullable): OAuth 2 */
  char                   *client_id;      /* (owned) (nullable) */
  char                   *client_secret;  /* (owned) (nullable): secret */
  char                   *refresh_token;  /* (owned) (nullable): secret */
  guint                   token_generation;
  gboolean                refreshing;
  GQueue                  refresh_waiters;/* GTask (owned) of calls waiting for a refresh */

  guint                   max_in_flight;
  guint                   max_retries;
  guint                   retry_base_ms;
  guint64                 retry_budget_ms;
  guint64                 retry_waited_ms;
  gsize                   max_answer_bytes;
  guint                   deadline_ms;    /* 0: none */
  ConcordHttpRefineError  refine;
  gpointer                refine_data;

  guint                   n_in_flight;
  GQueue                  waiting;        /* GTask (owned) of calls waiting for a slot */

  guint                   max_writes;     /* 0: writes share the slots only */
  guint                   n_writes;       /* write slots taken */
  GQueue                  waiting_writes; /* GTask (owned) of writes waiting for a write slot */

  char                   *rate_remaining; /* (owned) (nullable): header names */
  char                   *rate_reset;     /* (owned) (nullable) */
  gboolean                rate_reset_ms;  /* rate_reset holds milliseconds */
  guint                   rate_reserve;   /* hold when this many or fewer remain */
  gint64                  hold_until_us;  /* monotonic: nothing is sent before */
};

G_DEFINE_FINAL_TYPE (ConcordHttpClient, concord_http_client, G_TYPE_OBJECT)

enum {
  SIGNAL_REFRESH_TOKEN_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  ConcordHttpRequest *request;       /* (owned) */
  gboolean            json;
  guint               attempt;
  guint               status;
  guint               generation;    /* the token generation it was sent with */
  gboolean            refreshed;     /* a 401 already led to a refresh */
  gboolean            write_slot;    /* holds one of max_writes */
  SoupMessageHeaders *headers;       /* (owned) (nullable): of the answer */
  GBytes             *body;          /* (owned) (nullable): the answer */
  JsonNode           *root;          /* (owned) (nullable): the answer, parsed */
  GSource            *retry_source;  /* (owned) (nullable) */
  GSource            *cancel_source; /* (owned) (nullable) */
  GCancellable       *exchange;      /* (owned) (nullable): the attempt in progress */
  gulong              attempt_link;  /* handler on the task's cancellable */
  GSource            *deadline_source; /* (owned) (nullable) */
  gboolean            deadline_hit;  /* the attempt was cancelled by its deadline */
} Call;

static void call_start (GTask *task);
static void call_send  (GTask *task);

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void
wipe_string (char **text)
{
  if (*text != NULL)
    explicit_bzero (*text, strlen (*text));
  g_clear_pointer (text, g_free);
}

static void
call_clear_sources (Call *call)
{
  if (call->retry_source != NULL)
    {
      g_source_destroy (call->retry_source);
      g_clear_pointer (&call->retry_source, g_source_unref);
    }
  if (call->cancel_source != NULL)
    {
      g_source_destroy (call->cancel_source);
      g_clear_pointer (&call->cancel_source, g_source_unref);
    }
}

/* Ends the attempt in progress, if any; whether its deadline cancelled it. */
static gboolean
call_attempt_end (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  gboolean hit = call->deadline_hit;

  if (call->deadline_source != NULL)
    {
      g_source_destroy (call->deadline_source);
      g_clear_pointer (&call->deadline_source, g_source_unref);
    }
  if (call->attempt_link != 0)
    g_cancellable_disconnect (g_task_get_cancellable (task), call->attempt_link);
  call->attempt_link = 0;
  g_clear_object (&call->exchange);
  call->deadline_hit = FALSE;
  return hit;
}

static void
on_task_cancelled_cb (GCancellable *cancellable,
                      gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static gboolean
on_deadline_cb (gpointer user_data)
{
  Call *call = user_data;

  call->deadline_hit = TRUE;
  g_cancellable_cancel (call->exchange);
  return G_SOURCE_REMOVE;
}

/* Starts an attempt: a cancellable of its own, cancelled by the caller's
 * and by the client's deadline. Returns it (owned by the call). */
static GCancellable *
call_attempt_begin (GTask *task)
{
  ConcordHttpClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  call_attempt_end (task);
  call->exchange = g_cancellable_new ();
  if (cancellable != NULL)
    call->attempt_link = g_cancellable_connect (cancellable, G_CALLBACK (on_task_cancelled_cb),
                                                g_object_ref (call->exchange), g_object_unref);
  if (self->deadline_ms > 0)
    {
      call->deadline_source = g_timeout_source_new (self->deadline_ms);
      g_source_set_callback (call->deadline_source, on_deadline_cb, call, NULL);
      g_source_attach (call->deadline_source, g_task_get_context (task));
    }
  return call->exchange;
}

/* "120 s", "0.3 s" */
static char *
deadline_text (guint deadline_ms)
{
  if (deadline_ms % 1000 == 0)
    return g_strdup_printf ("%u s", deadline_ms / 1000);
  return g_strdup_printf ("%u.%u s", deadline_ms / 1000, (deadline_ms % 1000) / 100);
}

static void
call_free (Call *call)
{
  if (call->deadline_source != NULL)
    {
      g_source_destroy (call->deadline_source);
      g_clear_pointer (&call->deadline_source, g_source_unref);
    }
  g_clear_object (&call->exchange);
  call_clear_sources (call);
  g_clear_pointer (&call->request, concord_http_request_free);
  g_clear_pointer (&call->headers, soup_message_headers_unref);
  g_clear_pointer (&call->body, g_bytes_unref);
  g_clear_pointer (&call->root, json_node_unref);
  g_free (call);
}

static gboolean
is_write (ConcordHttpRequest *request)
{
  return g_strcmp0 (request->method, "GET") != 0 && g_strcmp0 (request->method, "HEAD") != 0;
}

static gboolean
is_idempotent (ConcordHttpRequest *request)
{
  static const char *methods[] = { "GET", "HEAD", "PUT", "DELETE", "OPTIONS", NULL };

  return (request->flags & CONCORD_HTTP_IDEMPOTENT) != 0 ||
         g_strv_contains (methods, request->method);
}

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
static void
send_and_read_bounded_async (SoupSession         *session,
                             SoupMessage         *msg,
                             gsize                max,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task = g_task_new (session, cancellable, callback, user_data);
  BoundedRead *reader = g_new0 (BoundedRead, 1);

  reader->msg = g_object_ref (msg);
  reader->data = g_byte_array_new ();
  reader->max = max;
  g_task_set_source_tag (task, send_and_read_bounded_async);
  g_task_set_task_data (task, reader, (GDestroyNotify) bounded_read_free);

  soup_session_send_async (session, msg, G_PRIORITY_DEFAULT, cancellable,
                           on_bounded_sent_cb, task);
}

static GBytes *
send_and_read_bounded_finish (GAsyncResult  *result,
                              SoupMessage  **msg,
                              GError       **error)
{
  BoundedRead *reader = g_task_get_task_data (G_TASK (result));

  g_assert (g_task_get_source_tag (G_TASK (result)) == send_and_read_bounded_async);

  *msg = reader->msg;
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------- */
/* Slots and retries                                                         */
/* ------------------------------------------------------------------------- */

static void
release_slot (ConcordHttpClient *self)
{
  GTask *next;

  g_assert (self->n_in_flight > 0);
  self->n_in_flight--;

  next = g_queue_pop_head (&self->waiting);
  if (next != NULL)
    call_send (next);
}

/* Gives back the write slot of @task's call, if it holds one. */
static void
release_write_slot (GTask *task)
{
  ConcordHttpClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  GTask *next;

  if (!call->write_slot)
    return;

  call->write_slot = FALSE;
  g_assert (self->n_writes > 0);
  self->n_writes--;

  next = g_queue_pop_head (&self->waiting_writes);
  if (next != NULL)
    call_start (next);
}

/* Takes the caller's reference on @task. */
static void
call_start (GTask *task)
{
  ConcordHttpClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);

  if (self->max_writes > 0 && !call->write_slot && is_write (call->request))
    {
      if (self->n_writes >= self->max_writes)
        {
          g_queue_push_tail (&self->waiting_writes, task);
          return;
        }
      self->n_writes++;
      call->write_slot = TRUE;
    }

  if (self->n_in_flight >= self->max_in_flight)
    g_queue_push_tail (&self->waiting, task);
  else
    call_send (task);
}

/* The window announced by the answer's headers: when nothing remains of
 * it, nothing more is sent until it resets. */
static void
note_rate_headers (ConcordHttpClient  *self,
                   SoupMessageHeaders *headers)
{
  const char *remaining, *reset;
  gint64 n_remaining, seconds;

  if (self->rate_remaining == NULL || headers == NULL)
    return;

  remaining = soup_message_headers_get_one (headers, self->rate_remaining);
  reset = self->rate_reset != NULL ? soup_message_headers_get_one (headers, self->rate_reset)
                                   : NULL;
  if (remaining == NULL ||
      !g_ascii_string_to_signed (remaining, 10, G_MININT64, G_MAXINT64, &n_remaining, NULL) ||
      n_remaining > (gint64) self->rate_reserve)
    return;

  /* An unreadable reset: the smallest window any app announces, 1 s. */
  if (reset == NULL || !g_ascii_string_to_signed (reset, 10, 0, G_MAXINT64, &seconds, NULL))
    seconds = 1;
  else if (self->rate_reset_ms)
    seconds = (seconds + 999) / 1000;
  /* Some apps (Capsule, GitHub) give the instant the window resets, in
   * Unix time, not the seconds until it does: no app's window is 30 years
   * long, so a value past 2001 is an instant. */
  if (seconds >= RESET_IS_INSTANT_AFTER)
    seconds -= g_get_real_time () / G_USEC_PER_SEC;
  seconds = CLAMP (seconds, 1, RATE_HOLD_CAP_SECONDS);
  self->hold_until_us = MAX (self->hold_until_us,
                             g_get_monotonic_time () + seconds * G_USEC_PER_SEC);
  g_debug ("%s announced an empty rate window: holding requests %" G_GINT64_FORMAT " s",
           self->app_name, seconds);
}

static gboolean
on_hold_over_cb (gpointer user_data)
{
  /* Back in line for a slot (a write keeps its write slot). */
  call_start (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
on_retry_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);

  g_object_ref (task);
  call_clear_sources (call);
  call_start (task);

  return G_SOURCE_REMOVE;
}

static gboolean
on_retry_cancelled_cb (GCancellable *cancellable,
                       gpointer      user_data)
{
  GTask *task = g_object_ref (user_data);
  Call *call = g_task_get_task_data (task);

  call_clear_sources (call);
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);

  return G_SOURCE_REMOVE;
}

/* Takes the caller's reference on @task. */
static void
call_retry_later (GTask  *task,
                  gint64  retry_after_seconds)
{
  ConcordHttpClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  guint64 delay_ms;

  /* A server asking for a long pause is not waited for: the run fails at
   * once and the schedule tries again later. */
  if (retry_after_seconds > CONCORD_HTTP_RETRY_AFTER_LIMIT_SECONDS)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_RATE_LIMITED,
                               "%s failed: %s is rate limiting and asked to wait "
                               "%" G_GINT64_FORMAT " s; the sync stops and will retry later",
                               call->request->label, self->app_name, retry_after_seconds);
      g_object_unref (task);
      return;
    }

  if (retry_after_seconds >= 0)
    {
      /* The server's wish, plus a little jitter so clients spread out. */
      delay_ms = (guint64) retry_after_seconds * 1000 +
                 (guint64) g_random_int_range (0, (gint32) MAX (self->retry_base_ms, 1));
    }
  else
    {
      guint64 ceiling = (guint64) self->retry_base_ms << MIN (call->attempt, 16u);

      ceiling = MIN (ceiling, (guint64) CONCORD_HTTP_RETRY_CAP_MS);
      ceiling = MAX (ceiling, 1);
      /* "Equal jitter": between half and all of the exponential delay. */
      delay_ms = ceiling / 2 + (guint64) g_random_int_range (0, (gint32) (ceiling / 2 + 1));
    }

  if (self->retry_waited_ms + delay_ms > self->retry_budget_ms)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_RATE_LIMITED,
                               "%s failed: %s kept failing or rate limiting after "
                               "%" G_GUINT64_FORMAT " s of retries; the sync stops and will "
                               "retry later", call->request->label, self->app_name,
                               self->retry_waited_ms / 1000);
      g_object_unref (task);
      return;
    }
  self->retry_waited_ms += delay_ms;

  call->attempt++;
  g_debug ("%s: retry %u in %" G_GUINT64_FORMAT " ms", call->request->label, call->attempt,
           delay_ms);

  call->retry_source = g_timeout_source_new ((guint) MIN (delay_ms, G_MAXUINT));
  g_source_set_callback (call->retry_source, on_retry_timeout_cb, task, g_object_unref);
  g_source_attach (call->retry_source, g_task_get_context (task));

  if (cancellable != NULL)
    {
      call->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (call->cancel_source, G_SOURCE_FUNC (on_retry_cancelled_cb),
                             g_object_ref (task), g_object_unref);
      g_source_attach (call->cancel_source, g_task_get_context (task));
    }
}

/* ------------------------------------------------------------------------- */
/* OAuth 2 refresh                                                           */
/* ------------------------------------------------------------------------- */

static void
refresh_done (ConcordHttpClient *self,
              const GError      *error)
{
  GTask *task;

  self->refreshing = FALSE;
  while ((task = g_queue_pop_head (&self->refresh_waiters)) != NULL)
    {
      if (error != NULL)
        {
          g_task_return_error (task, g_error_copy (error));
          g_object_unref (task);
        }
      else
        call_start (task);
    }
}

static gboolean
read_token_answer (ConcordHttpClient  *self,
                   GBytes             *body,
                   guint               status,
                   GError            **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;
  const char *access;
  const char *refresh;

  if (status < 200 || status >= 300)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_EXPIRED,
                   "%s refused to renew the access (HTTP %u); sign in again",
                   self->app_name, status);
      return FALSE;
    }

  root = concord_http_parse_json (body, "POST token", MAX_ERROR_BODY_BYTES, NULL);
  object = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  access = object != NULL ? json_object_get_string_member_with_default (object, "access_token",
                                                                          NULL) : NULL;
  if (access == NULL || *access == '\0')
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_EXPIRED,
                   "%s sent no new access token; sign in again", self->app_name);
      return FALSE;
    }

  wipe_string (&self->auth_value);
  self->auth_value = g_strdup (access);
  refresh = json_object_get_string_member_with_default (object, "refresh_token", NULL);
  self->token_generation++;
  if (refresh != NULL && *refresh != '\0' && g_strcmp0 (refresh, self->refresh_token) != 0)
    {
      wipe_string (&self->refresh_token);
      self->refresh_token = g_strdup (refresh);
      g_signal_emit (self, signals[SIGNAL_REFRESH_TOKEN_CHANGED], 0);
    }
  return TRUE;
}

static void
on_refresh_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ConcordHttpClient) self = user_data;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessage *msg = NULL;

  body = send_and_read_bounded_finish (result, &msg, &error);
  if (body == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *redacted = concord_http_redact (error->message);

          g_clear_error (&error);
          g_set_error (&error, CONCORD_ERROR, CONCORD_ERROR_NETWORK,
                       "renewing the access to %s failed: %s", self->app_name, redacted);
        }
    }
  else
    {
      g_debug ("POST token: HTTP %u", soup_message_get_status (msg));
      read_token_answer (self, body, soup_message_get_status (msg), &error);
    }

  refresh_done (self, error);
}

/* Takes the caller's reference on @task, which goes again once the
 * refresh has succeeded. */
static void
call_refresh (GTask *task)
{
  ConcordHttpClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  char *form;

  call->refreshed = TRUE;
  if (call->generation != self->token_generation)
    {
      /* Another request renewed the token since this one went. */
      call_start (task);
      return;
    }

  g_queue_push_tail (&self->refresh_waiters, task);
  if (self->refreshing)
    return;

  msg = soup_message_new ("POST", self->token_url);
  if (msg == NULL || self->refresh_token == NULL)
    {
      g_autoptr(GError) error = g_error_new (CONCORD_ERROR, CONCORD_ERROR_AUTH_EXPIRED,
                                             "the access to %s expired; sign in again",
                                             self->app_name);

      refresh_done (self, error);
      return;
    }

  form = self->client_secret != NULL
         ? soup_form_encode ("grant_type", "refresh_token", "refresh_token", self->refresh_token,
                             "client_id", self->client_id != NULL ? self->client_id : "",
                             "client_secret", self->client_secret, NULL)
         : soup_form_encode ("grant_type", "refresh_token", "refresh_token", self->refresh_token,
                             "client_id", self->client_id != NULL ? self->client_id : "", NULL);
  body = g_bytes_new (form, strlen (form));
  explicit_bzero (form, strlen (form));
  g_free (form);

  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", body);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept",
                                "application/json");
  self->refreshing = TRUE;
  send_and_read_bounded_async (self->session, msg, MAX_ERROR_BODY_BYTES, NULL, on_refresh_cb,
                               g_object_ref (self));
}

/* ------------------------------------------------------------------------- */
/* Sending                                                                   */
/* ------------------------------------------------------------------------- */

static gboolean
check_answer (ConcordHttpClient  *self,
              Call               *call,
              SoupMessage        *msg,
              GError            **error)
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

static void
on_call_read_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordHttpClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  ConcordHttpFlags flags = call->request->flags;
  gboolean may_retry = call->attempt < self->max_retries && (flags & CONCORD_HTTP_NO_RETRY) == 0;
  SoupMessage *msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  gboolean deadline_hit;

  body = send_and_read_bounded_finish (result, &msg, &error);
  deadline_hit = call_attempt_end (task);
  if (body == NULL && deadline_hit && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      !g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      g_autofree char *limit = deadline_text (self->deadline_ms);

      /* The whole exchange took too long (an answer trickling in): a
       * transport error like a timeout. */
      g_clear_error (&error);
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "the server took longer than %s to answer completely", limit);
    }
  /* The window first: a request waiting for this slot must see it. */
  if (body != NULL)
    note_rate_headers (self, soup_message_get_response_headers (msg));
  release_slot (self);
  release_write_slot (task);

  if (body == NULL)
    {
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
      if (may_retry && is_idempotent (call->request) && !g_task_return_error_if_cancelled (task))
        {
          call_retry_later (g_steal_pointer (&task), -1);
          return;
        }

      if (!g_task_had_error (task))
        g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_NETWORK,
                                 "%s failed: %s", call->request->label, redacted);
      return;
    }

  call->status = soup_message_get_status (msg);
  g_clear_pointer (&call->headers, soup_message_headers_unref);
  call->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  g_debug ("%s: HTTP %u", call->request->label, call->status);

  if (may_retry &&
      (call->status == 429 ||
       (call->status >= 500 && call->status < 600 && is_idempotent (call->request))))
    {
      gint64 retry_after = -1;

      if (call->status == 429 || call->status == SOUP_STATUS_SERVICE_UNAVAILABLE)
        retry_after = concord_http_parse_retry_after (
          soup_message_headers_get_one (call->headers, "Retry-After"), NULL);

      if (!g_task_return_error_if_cancelled (task))
        call_retry_later (g_steal_pointer (&task), retry_after);
      return;
    }

  if (call->status == SOUP_STATUS_UNAUTHORIZED && self->auth == AUTH_OAUTH2)
    {
      if (!call->refreshed)
        {
          if (!g_task_return_error_if_cancelled (task))
            call_refresh (g_steal_pointer (&task));
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

  if (self->auth != AUTH_QUERY)
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
    case AUTH_HEADER:
      soup_message_headers_replace (headers, self->auth_name, self->auth_value);
      break;

    case AUTH_BEARER:
    case AUTH_OAUTH2:
      if (self->auth_value != NULL)
        {
          value = g_strconcat ("Bearer ", self->auth_value, NULL);
          soup_message_headers_replace (headers, "Authorization", value);
        }
      break;

    case AUTH_BASIC:
      {
        g_autofree char *pair = g_strconcat (self->auth_name, ":", self->auth_value, NULL);
        g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));

        value = g_strconcat ("Basic ", encoded, NULL);
        soup_message_headers_replace (headers, "Authorization", value);
        explicit_bzero (pair, strlen (pair));
        explicit_bzero (encoded, strlen (encoded));
      }
      break;

    case AUTH_NONE:
    case AUTH_QUERY:
    default:
      break;
    }

  if (value != NULL)
    explicit_bzero (value, strlen (value));
}

/* Takes the caller's reference on @task. */
static void
call_send (GTask *task)
{
  ConcordHttpClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  ConcordHttpRequest *request = call->request;
  SoupMessageHeaders *headers;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *origin = NULL;

  if (g_task_return_error_if_cancelled (task))
    {
      release_write_slot (task);
      g_object_unref (task);
      return;
    }

  /* The app's window is spent: wait, holding no slot, until it resets. */
  if (self->hold_until_us > g_get_monotonic_time ())
    {
      guint delay_ms = (guint) ((self->hold_until_us - g_get_monotonic_time ()) / 1000) + 1;
      g_autoptr(GSource) source = g_timeout_source_new (delay_ms);

      g_source_set_callback (source, on_hold_over_cb, task, NULL);
      g_source_attach (source, g_task_get_context (task));
      return;
    }

  uri = build_uri (self, request);
  msg = soup_message_new (request->method, uri);
  if (self->auth == AUTH_QUERY)
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
      release_write_slot (task);
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
  send_and_read_bounded_async (self->session, msg, self->max_answer_bytes,
                               call_attempt_begin (task), on_call_read_cb, task);
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
  Call *call;

  /* The session belongs to the context the client was made on. */
  g_warn_if_fail ((context != NULL ? context : g_main_context_default ()) == self->context);

  call = g_new0 (Call, 1);
  call->request = request;
  call->json = json;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  call_start (task);
}

static Call *
finish_common (ConcordHttpClient   *self,
               GAsyncResult        *result,
               gpointer             source_tag,
               guint               *status,
               SoupMessageHeaders **headers,
               GError             **error)
{
  Call *call;

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

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_http_client_dispose (GObject *object)
{
  ConcordHttpClient *self = CONCORD_HTTP_CLIENT (object);

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (concord_http_client_parent_class)->dispose (object);
}

static void
concord_http_client_finalize (GObject *object)
{
  ConcordHttpClient *self = CONCORD_HTTP_CLIENT (object);

  g_assert (g_queue_is_empty (&self->waiting));
  g_assert (g_queue_is_empty (&self->waiting_writes));
  g_assert (g_queue_is_empty (&self->refresh_waiters));

  wipe_string (&self->auth_value);
  wipe_string (&self->client_secret);
  wipe_string (&self->refresh_token);
  g_clear_pointer (&self->auth_name, g_free);
  g_clear_pointer (&self->token_url, g_free);
  g_clear_pointer (&self->client_id, g_free);
  g_clear_pointer (&self->base_url, g_free);
  g_clear_pointer (&self->origin, g_free);
  g_clear_pointer (&self->app_name, g_free);
  g_clear_pointer (&self->rate_remaining, g_free);
  g_clear_pointer (&self->rate_reset, g_free);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (concord_http_client_parent_class)->finalize (object);
}

static void
concord_http_client_class_init (ConcordHttpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = concord_http_client_dispose;
  object_class->finalize = concord_http_client_finalize;

  /**
   * ConcordHttpClient::refresh-token-changed:
   *
   * The OAuth 2 server sent a new refresh token with a renewed access:
   * store it (concord_http_client_dup_refresh_token()), the old one may
   * no longer work.
   */
  signals[SIGNAL_REFRESH_TOKEN_CHANGED] =
    g_signal_new ("refresh-token-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
concord_http_client_init (ConcordHttpClient *self)
{
  self->session = concord_http_session_new ();
  self->context = g_main_context_ref_thread_default ();
  self->max_in_flight = CONCORD_HTTP_DEFAULT_MAX_IN_FLIGHT;
  self->max_retries = CONCORD_HTTP_DEFAULT_MAX_RETRIES;
  self->retry_base_ms = CONCORD_HTTP_DEFAULT_RETRY_BASE_MS;
  self->retry_budget_ms = (guint64) CONCORD_HTTP_RETRY_BUDGET_SECONDS * 1000;
  self->max_answer_bytes = CONCORD_HTTP_DEFAULT_MAX_ANSWER_BYTES;
  self->deadline_ms = CONCORD_HTTP_DEFAULT_DEADLINE_SECONDS * 1000;
  {
    const char *text = g_getenv ("CONCORD_HTTP_DEADLINE_SECONDS");
    guint64 seconds;

    /* For tests: a shorter (or longer) whole-answer deadline. */
    if (text != NULL && g_ascii_string_to_unsigned (text, 10, 1, 24 * 3600, &seconds, NULL))
      self->deadline_ms = (guint) seconds * 1000;
  }
  g_queue_init (&self->waiting);
  g_queue_init (&self->waiting_writes);
  g_queue_init (&self->refresh_waiters);
}

/* ------------------------------------------------------------------------- */
/* Requests                                                                  */
/* ------------------------------------------------------------------------- */

/**
 * concord_http_request_new:
 * @method: "GET", "POST", …
 * @path: path and query after the client's base URL, already encoded
 * @label: the request for messages and logs, e.g. "GET /contacts/{email}";
 *   never personal data
 *
 * Returns: (transfer full): a new request
 */
ConcordHttpRequest *
concord_http_request_new (const char *method,
                          const char *path,
                          const char *label)
{
  ConcordHttpRequest *request;

  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  request = g_new0 (ConcordHttpRequest, 1);
  request->method = g_strdup (method);
  request->path = g_strdup (path);
  request->label = g_strdup (label != NULL ? label : method);

  return request;
}

void
concord_http_request_free (ConcordHttpRequest *request)
{
  if (request == NULL)
    return;

  g_free (request->method);
  g_free (request->path);
  g_free (request->label);
  g_free (request->content_type);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_clear_pointer (&request->headers, g_ptr_array_unref);
  g_free (request);
}

/**
 * concord_http_request_set_body:
 * @body: (nullable): the bytes to send
 * @content_type: (nullable): their type
 */
void
concord_http_request_set_body (ConcordHttpRequest *request,
                               GBytes             *body,
                               const char         *content_type)
{
  g_return_if_fail (request != NULL);

  g_clear_pointer (&request->body, g_bytes_unref);
  g_clear_pointer (&request->content_type, g_free);
  request->body = body != NULL ? g_bytes_ref (body) : NULL;
  request->content_type = g_strdup (content_type);
}

/**
 * concord_http_request_set_json:
 * @node: the JSON to send
 */
void
concord_http_request_set_json (ConcordHttpRequest *request,
                               JsonNode           *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(GBytes) body = NULL;
  gsize length;
  char *data;

  g_return_if_fail (request != NULL);
  g_return_if_fail (node != NULL);

  json_generator_set_root (generator, node);
  data = json_generator_to_data (generator, &length);
  body = g_bytes_new_take (data, length);
  concord_http_request_set_body (request, body, "application/json");
}

void
concord_http_request_add_header (ConcordHttpRequest *request,
                                 const char         *name,
                                 const char         *value)
{
  g_return_if_fail (request != NULL);
  g_return_if_fail (name != NULL && value != NULL);

  if (request->headers == NULL)
    request->headers = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (request->headers, g_strdup (name));
  g_ptr_array_add (request->headers, g_strdup (value));
}

void
concord_http_request_set_flags (ConcordHttpRequest *request,
                                ConcordHttpFlags    flags)
{
  g_return_if_fail (request != NULL);

  request->flags = flags;
}

const char *
concord_http_request_get_label (ConcordHttpRequest *request)
{
  g_return_val_if_fail (request != NULL, NULL);

  return request->label;
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_http_client_new:
 * @base_url: the API's base URL, checked by the caller
 *   (concord_http_check_base_url())
 * @app_name: the app's name, for messages
 *
 * Makes a client for the thread-default main context of the caller, the
 * only context it may be used on.
 *
 * Returns: (transfer full): a new client, with no authentication
 */
ConcordHttpClient *
concord_http_client_new (const char *base_url,
                         const char *app_name)
{
  ConcordHttpClient *self;
  g_autoptr(GUri) uri = NULL;
  gsize length;

  g_return_val_if_fail (base_url != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_HTTP_CLIENT, NULL);
  self->base_url = g_strdup (base_url);
  length = strlen (self->base_url);
  while (length > 0 && self->base_url[length - 1] == '/')
    self->base_url[--length] = '\0';
  self->app_name = g_strdup (app_name != NULL ? app_name : "The app");

  uri = g_uri_parse (self->base_url, G_URI_FLAGS_NONE, NULL);
  self->origin = uri != NULL ? concord_http_origin (uri) : g_strdup ("");

  return self;
}

const char *
concord_http_client_get_base_url (ConcordHttpClient *self)
{
  g_return_val_if_fail (CONCORD_IS_HTTP_CLIENT (self), NULL);

  return self->base_url;
}

static void
set_auth (ConcordHttpClient *self,
          AuthKind           kind,
          const char        *name,
          const char        *value)
{
  wipe_string (&self->auth_value);
  g_clear_pointer (&self->auth_name, g_free);
  self->auth = kind;
  self->auth_name = g_strdup (name);
  self->auth_value = g_strdup (value);
  self->token_generation++;
}

/**
 * concord_http_client_set_auth_header:
 * @name: the header, e.g. "X-ElasticEmail-ApiKey"
 * @value: the key
 */
void
concord_http_client_set_auth_header (ConcordHttpClient *self,
                                     const char        *name,
                                     const char        *value)
{
  g_return_if_fail (CONCORD_IS_HTTP_CLIENT (self));
  g_return_if_fail (name != NULL && value != NULL);

  set_auth (self, AUTH_HEADER, name, value);
}

void
concord_http_client_set_auth_bearer (ConcordHttpClient *self,
                                     const char        *token)
{
  g_return_if_fail (CONCORD_IS_HTTP_CLIENT (self));
  g_return_if_fail (token != NULL);

  set_auth (self, AUTH_BEARER, NULL, token);
}

void
concord_http_client_set_auth_basic (ConcordHttpClient *self,
                                    const char        *user,
                                    const char        *password)
{
  g_return_if_fail (CONCORD_IS_HTTP_CLIENT (self));
  g_return_if_fail (user != NULL && password != NULL);

  set_auth (self, AUTH_BASIC, user, password);
}

/**
 * concord_http_client_set_auth_query:
 * @parameter: the query parameter, e.g. "apikey"
 * @value: the key, escaped when sent
 */
void
concord_http_client_set_auth_query (ConcordHttpClient *self,
                                    const char        *parameter,
                                    const char        *value)
{
  g_return_if_fail (CONCORD_IS_HTTP_CLIENT (self));
  g_return_if_fail (parameter != NULL && value != NULL);

  set_auth (self, AUTH_QUERY, parameter, value);
}

/**
 * concord_http_client_set_auth_oauth2:
 * @token_url: the token endpoint, where @refresh_token is traded
 * @client_id: the app's OAuth client id
 * @client_secret: (nullable): its secret, if it has one
 * @access_token: (nullable): the current access token, if any
 * @refresh_token: the refresh token
 *
 * Sends the access token as a bearer token; on a 401, trades the refresh
 * token for a new one once and sends the request again. A refused refresh
 * is %CONCORD_ERROR_AUTH_EXPIRED. The server may send a new refresh token:
 * #ConcordHttpClient::refresh-token-changed says so, and
 * concord_http_client_dup_refresh_token() gives it, to store.
 */
void
concord_http_client_set_auth_oauth2 (ConcordHttpClient *self,
                                     const char        *token_url,
                                     const char        *client_id,
                                     const char        *client_secret,
                                     const char        *access_token,
                                     const char        *refresh_token)
{
  g_return_if_fail (CONCORD_IS_HTTP_CLIENT (self));
  g_return_if_fail (token_url != NULL && refresh_token != NULL);

  set_auth (self, AUTH_OAUTH2, NULL, access_token);
  g_free (self->token_url);
  self->token_url = g_strdup (token_url);
  g_free (self->client_id);
  self->client_id = g_strdup (client_id);
  wipe_string (&self->client_secret);
  self->client_secret = g_strdup (client_secret);
  wipe_string (&self->refresh_token);
  self->refresh_token = g_strdup (refresh_token);
}

/**
 * concord_http_client_dup_refresh_token:
 *
 * Returns: (transfer full) (nullable): the current OAuth 2 refresh token,
 *   for the keyring; wipe it after use
 */
char *
concord_http_client_dup_refresh_token (ConcordHttpClient *self)
{
  g_return_val_if_fail (CONCORD_IS_HTTP_CLIENT (self), NULL);

  return g_strdup (self->refresh_token);
}

/**
 * concord_http_client_set_limits:
 * @max_in_flight: requests sent at once, at least 1; others wait in order
 * @max_retries: retries of one request
 * @retry_base_ms: the first retry's delay, doubled for each further one
 */
void
concord_http_client_set_limits (ConcordHttpClient *self,
                                guint              max_in_flight,
                                guint              max_retries,
                                guint              retry_base_ms)
{
  g_return_if_fail (CONCORD_IS_HTTP_CLIENT (self));
  g_return_if_fail (max_in_flight > 0);

  self->max_in_flight = max_in_flight;
  self->max_retries = max_retries;
  self->retry_base_ms = retry_base_ms;
}

/**
 * concord_http_client_set_max_writes_in_flight:
 * @max_writes: requests other than GET and HEAD sent at once, 0 for no
 *   limit of their own (they still share the in-flight slots)
 *
 * For apps that serialise writes (1): reads still go in parallel.
 */
void
concord_http_client_set_max_writes_in_flight (ConcordHttpClient *self,
                                              guint              max_writes)
{
  g_return_if_fail (CONCORD_IS_HTTP_CLIENT (self));

  self->max_writes = max_writes;
}

/**
 * concord_http_client_set_rate_limit_headers:
 * @remaining: (nullable): the header with the requests left in the
 *   app's window (%NULL: none is read)
 * @reset: (nullable): the header with the seconds until it resets
 *
 * An answer whose @remaining is 0 holds every later request until the
 * window resets (1 s when @reset is missing, at most a minute).
 */
void
concord_http_client_set_rate_limit_headers (ConcordHttpClient *self,
                                            const char        *remaining,
                                            const char        *reset)
{
  g_return_if_fail (CONCORD_IS_HTTP_CLIENT (self));

  g_free (self->rate_remaining);
  self->rate_remaining = g_strdup (remaining);
  g_free (self->rate_reset);
  self->rate_reset = g_strdup (reset);
}

/**
 * concord_http_client_set_rate_limit_reset_ms:
 * @milliseconds: whether the reset header of
 *   concord_http_client_set_rate_limit_headers() counts milliseconds (a
 *   rolling window's length, HubSpot's X-HubSpot-RateLimit-Interval-Milliseconds)
 *   instead of seconds
 */
void
concord_http_client_set_rate_limit_reset_ms (ConcordHttpClient *self,
                                             gboolean           milliseconds)
{
  g_return_if_fail (CONCORD_IS_HTTP_CLIENT (self));

  self->rate_reset_ms = milliseconds;
}

/**
 * concord_http_client_set_rate_limit_reserve:
 * @reserve: requests of the window left unused
 *
 * Holds later requests as soon as an answer says @reserve or fewer remain
 * in the window, instead of none: the requests already in flight (up to
 * the in-flight limit less one) then still fit in it, and no 429 comes.
 */
void
concord_http_client_set_rate_limit_reserve (ConcordHttpClient *self,
                                            guint              reserve)
{
  g_return_if_fail (CONCORD_IS_HTTP_CLIENT (self));

  self->rate_reserve = reserve;
}

guint
concord_http_client_get_max_in_flight (ConcordHttpClient *self)
{
  g_return_val_if_fail (CONCORD_IS_HTTP_CLIENT (self), 1);

  return self->max_in_flight;
}

/**
 * concord_http_client_set_retry_budget_ms:
 * @budget_ms: the most all requests wait on retries together, until
 *   concord_http_client_reset_retry_budget()
 */
void
concord_http_client_set_retry_budget_ms (ConcordHttpClient *self,
                                         guint64            budget_ms)
{
  g_return_if_fail (CONCORD_IS_HTTP_CLIENT (self));

  self->retry_budget_ms = budget_ms;
}

/**
 * concord_http_client_reset_retry_budget:
 *
 * Starts a new retry budget: a connector calls it when a listing (a run)
 * begins.
 */
void
concord_http_client_reset_retry_budget (ConcordHttpClient *self)
{
  g_return_if_fail (CONCORD_IS_HTTP_CLIENT (self));

  self->retry_waited_ms = 0;
}

void
concord_http_client_set_max_answer_bytes (ConcordHttpClient *self,
                                          gsize              max_bytes)
{
  g_return_if_fail (CONCORD_IS_HTTP_CLIENT (self));
  g_return_if_fail (max_bytes > 0);

  self->max_answer_bytes = max_bytes;
}

/**
 * concord_http_client_set_deadline_ms:
 * @self: a #ConcordHttpClient
 * @deadline_ms: the longest one attempt (request and its whole answer) may
 *   take, in milliseconds; 0 for none
 *
 * Past it the attempt is cancelled and counts as a transport error (retried
 * when the request is idempotent). The default is
 * %CONCORD_HTTP_DEFAULT_DEADLINE_SECONDS, or CONCORD_HTTP_DEADLINE_SECONDS
 * from the environment.
 */
void
concord_http_client_set_deadline_ms (ConcordHttpClient *self,
                                     guint              deadline_ms)
{
  g_return_if_fail (CONCORD_IS_HTTP_CLIENT (self));

  self->deadline_ms = deadline_ms;
}

/* Replaces each of @secret's occurrences in @message with "[redacted]". */
static void
scrub_one (char       **message,
           const char  *secret)
{
  g_auto(GStrv) parts = NULL;

  /* A secret this short would be found in ordinary words: keys, tokens
   * and passwords an app accepts are longer. */
  if (secret == NULL || strlen (secret) < 6 || strstr (*message, secret) == NULL)
    return;
  parts = g_strsplit (*message, secret, -1);
  explicit_bzero (*message, strlen (*message));
  g_free (*message);
  *message = g_strjoinv ("[redacted]", parts);
}

/* An app may quote the key it refused in its error body ("Invalid API key
 * 'abc…'"), and the app's hook copies its message into the error: the
 * credentials never reach a message, whatever the hook did. The generic
 * concord_http_redact() cannot know a short key is one. */
static void
scrub_secrets (ConcordHttpClient *self,
               GError            *error)
{
  if (error == NULL || error->message == NULL)
    return;
  scrub_one (&error->message, self->auth_value);
  scrub_one (&error->message, self->client_secret);
  scrub_one (&error->message, self->refresh_token);
  /* Basic authentication with the key as the user name (Insightly). */
  if (self->auth == AUTH_BASIC)
    scrub_one (&error->message, self->auth_name);
}

/**
 * concord_http_client_check_answer:
 * @status: an answer's HTTP status
 * @body: (nullable): its body
 * @label: the request, for messages
 *
 * How the client judges an answer's status: a 2xx passes; otherwise the
 * app's hook (concord_http_client_set_refine_error()) reads the start of
 * the body, and concord_http_check_status() gives the error it did not.
 * The fuzz targets call it with any bytes.
 *
 * Returns: %TRUE for a success; %FALSE with @error set otherwise
 */
gboolean
concord_http_client_check_answer (ConcordHttpClient  *self,
                                  guint               status,
                                  GBytes             *body,
                                  const char         *label,
                                  GError            **error)
{
  g_autoptr(GBytes) error_body = NULL;

  g_return_val_if_fail (CONCORD_IS_HTTP_CLIENT (self), FALSE);

  if (status >= 200 && status < 300)
    return TRUE;

  if (body != NULL && g_bytes_get_size (body) > MAX_ERROR_BODY_BYTES)
    error_body = g_bytes_new_from_bytes (body, 0, MAX_ERROR_BODY_BYTES);
  else if (body != NULL)
    error_body = g_bytes_ref (body);

  if (self->refine != NULL &&
      self->refine (status, error_body, label, error, self->refine_data))
    {
      g_assert (error == NULL || *error != NULL);
      if (error != NULL)
        scrub_secrets (self, *error);
      return FALSE;
    }

  return concord_http_check_status (status, label, error);
}

/**
 * concord_http_client_set_refine_error:
 * @refine: (nullable): the app's reading of its error bodies
 * @user_data: data for @refine, which must outlive the client
 */
void
concord_http_client_set_refine_error (ConcordHttpClient      *self,
                                      ConcordHttpRefineError  refine,
                                      gpointer                user_data)
{
  g_return_if_fail (CONCORD_IS_HTTP_CLIENT (self));

  self->refine = refine;
  self->refine_data = user_data;
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
  Call *call = finish_common (self, result, concord_http_client_send_async, status, headers,
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
  Call *call = finish_common (self, result, concord_http_client_send_json_async, status,
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
