/* concord-http-client-call.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The HTTP client's calls: an attempt and its deadline, the slots a call
 * waits for (and the write slots), retries with their waits and the window
 * an app announces in headers, and the OAuth 2 refresh.
 */

#define G_LOG_DOMAIN "concord-http"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "concord-error.h"

#include "concord-http-client-private.h"

/* The longest a window announced in headers holds requests. */
#define RATE_HOLD_CAP_SECONDS 60
/* A reset header's value from which it is a Unix time, not a delay */
#define RESET_IS_INSTANT_AFTER ((gint64) 1000000000)

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

void
_concord_http_client_wipe_string (char **text)
{
  if (*text != NULL)
    explicit_bzero (*text, strlen (*text));
  g_clear_pointer (text, g_free);
}

static void
call_clear_sources (ConcordHttpCall *call)
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
gboolean
_concord_http_client_call_attempt_end (GTask *task)
{
  ConcordHttpCall *call = g_task_get_task_data (task);
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
  ConcordHttpCall *call = user_data;

  call->deadline_hit = TRUE;
  g_cancellable_cancel (call->exchange);
  return G_SOURCE_REMOVE;
}

/* Starts an attempt: a cancellable of its own, cancelled by the caller's
 * and by the client's deadline. Returns it (owned by the call). */
GCancellable *
_concord_http_client_call_attempt_begin (GTask *task)
{
  ConcordHttpClient *self = g_task_get_source_object (task);
  ConcordHttpCall *call = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  _concord_http_client_call_attempt_end (task);
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
char *
_concord_http_client_deadline_text (guint deadline_ms)
{
  if (deadline_ms % 1000 == 0)
    return g_strdup_printf ("%u s", deadline_ms / 1000);
  return g_strdup_printf ("%u.%u s", deadline_ms / 1000, (deadline_ms % 1000) / 100);
}

void
_concord_http_client_call_free (ConcordHttpCall *call)
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

gboolean
_concord_http_client_is_idempotent (ConcordHttpRequest *request)
{
  static const char *methods[] = { "GET", "HEAD", "PUT", "DELETE", "OPTIONS", NULL };

  return (request->flags & CONCORD_HTTP_IDEMPOTENT) != 0 ||
         g_strv_contains (methods, request->method);
}

/* ------------------------------------------------------------------------- */
/* Slots and retries                                                         */
/* ------------------------------------------------------------------------- */

void
_concord_http_client_release_slot (ConcordHttpClient *self)
{
  GTask *next;

  g_assert (self->n_in_flight > 0);
  self->n_in_flight--;

  next = g_queue_pop_head (&self->waiting);
  if (next != NULL)
    _concord_http_client_call_send (next);
}

/* Gives back the write slot of @task's call, if it holds one. */
void
_concord_http_client_release_write_slot (GTask *task)
{
  ConcordHttpClient *self = g_task_get_source_object (task);
  ConcordHttpCall *call = g_task_get_task_data (task);
  GTask *next;

  if (!call->write_slot)
    return;

  call->write_slot = FALSE;
  g_assert (self->n_writes > 0);
  self->n_writes--;

  next = g_queue_pop_head (&self->waiting_writes);
  if (next != NULL)
    _concord_http_client_call_start (next);
}

/* Takes the caller's reference on @task. */
void
_concord_http_client_call_start (GTask *task)
{
  ConcordHttpClient *self = g_task_get_source_object (task);
  ConcordHttpCall *call = g_task_get_task_data (task);

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
    _concord_http_client_call_send (task);
}

/* The window announced by the answer's headers: when nothing remains of
 * it, nothing more is sent until it resets. */
void
_concord_http_client_note_rate_headers (ConcordHttpClient  *self,
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

gboolean
_concord_http_client_on_hold_over_cb (gpointer user_data)
{
  /* Back in line for a slot (a write keeps its write slot). */
  _concord_http_client_call_start (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
on_retry_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  ConcordHttpCall *call = g_task_get_task_data (task);

  g_object_ref (task);
  call_clear_sources (call);
  _concord_http_client_call_start (task);

  return G_SOURCE_REMOVE;
}

static gboolean
on_retry_cancelled_cb (GCancellable *cancellable,
                       gpointer      user_data)
{
  GTask *task = g_object_ref (user_data);
  ConcordHttpCall *call = g_task_get_task_data (task);

  call_clear_sources (call);
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);

  return G_SOURCE_REMOVE;
}

/* Takes the caller's reference on @task. */
void
_concord_http_client_call_retry_later (GTask *task,
                                       gint64 retry_after_seconds)
{
  ConcordHttpClient *self = g_task_get_source_object (task);
  ConcordHttpCall *call = g_task_get_task_data (task);
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
        _concord_http_client_call_start (task);
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

  root = concord_http_parse_json (body, "POST token", CONCORD_HTTP_MAX_ERROR_BODY_BYTES, NULL);
  object = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  access = object != NULL ? json_object_get_string_member_with_default (object, "access_token",
                                                                          NULL) : NULL;
  if (access == NULL || *access == '\0')
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_EXPIRED,
                   "%s sent no new access token; sign in again", self->app_name);
      return FALSE;
    }

  _concord_http_client_wipe_string (&self->auth_value);
  self->auth_value = g_strdup (access);
  refresh = json_object_get_string_member_with_default (object, "refresh_token", NULL);
  self->token_generation++;
  if (refresh != NULL && *refresh != '\0' && g_strcmp0 (refresh, self->refresh_token) != 0)
    {
      _concord_http_client_wipe_string (&self->refresh_token);
      self->refresh_token = g_strdup (refresh);
      g_signal_emit (self, _concord_http_client_signals[CONCORD_HTTP_CLIENT_SIGNAL_REFRESH_TOKEN_CHANGED], 0);
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

  body = _concord_http_client_send_and_read_bounded_finish (result, &msg, &error);
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
void
_concord_http_client_call_refresh (GTask *task)
{
  ConcordHttpClient *self = g_task_get_source_object (task);
  ConcordHttpCall *call = g_task_get_task_data (task);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  char *form;

  call->refreshed = TRUE;
  if (call->generation != self->token_generation)
    {
      /* Another request renewed the token since this one went. */
      _concord_http_client_call_start (task);
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
  _concord_http_client_send_and_read_bounded_async (self->session, msg, CONCORD_HTTP_MAX_ERROR_BODY_BYTES, NULL, on_refresh_cb,
                                                    g_object_ref (self));
}
