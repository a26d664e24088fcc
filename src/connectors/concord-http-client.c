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
 *
 * This file holds the GObject, the requests and the public API; a call's
 * life (slots, retries, the refresh) and the exchange (sending, the
 * bounded read, the answer) are in concord-http-client-call.c and
 * -send.c (see concord-http-client-private.h).
 */

#define G_LOG_DOMAIN "concord-http"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "concord-error.h"
#include "concord-http-client.h"
#include "concord-json-private.h"
#include "concord-http-client-private.h"

G_DEFINE_FINAL_TYPE (ConcordHttpClient, concord_http_client, G_TYPE_OBJECT)

/* See concord-http-client-private.h. */
guint _concord_http_client_signals[CONCORD_HTTP_CLIENT_N_SIGNALS];

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

  _concord_http_client_wipe_string (&self->auth_value);
  _concord_http_client_wipe_string (&self->client_secret);
  _concord_http_client_wipe_string (&self->refresh_token);
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
  _concord_http_client_signals[CONCORD_HTTP_CLIENT_SIGNAL_REFRESH_TOKEN_CHANGED] =
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
set_auth (ConcordHttpClient  *self,
          ConcordHttpAuthKind kind,
          const char         *name,
          const char         *value)
{
  _concord_http_client_wipe_string (&self->auth_value);
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

  set_auth (self, CONCORD_HTTP_AUTH_HEADER, name, value);
}

void
concord_http_client_set_auth_bearer (ConcordHttpClient *self,
                                     const char        *token)
{
  g_return_if_fail (CONCORD_IS_HTTP_CLIENT (self));
  g_return_if_fail (token != NULL);

  set_auth (self, CONCORD_HTTP_AUTH_BEARER, NULL, token);
}

void
concord_http_client_set_auth_basic (ConcordHttpClient *self,
                                    const char        *user,
                                    const char        *password)
{
  g_return_if_fail (CONCORD_IS_HTTP_CLIENT (self));
  g_return_if_fail (user != NULL && password != NULL);

  set_auth (self, CONCORD_HTTP_AUTH_BASIC, user, password);
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

  set_auth (self, CONCORD_HTTP_AUTH_QUERY, parameter, value);
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

  set_auth (self, CONCORD_HTTP_AUTH_OAUTH2, NULL, access_token);
  g_free (self->token_url);
  self->token_url = g_strdup (token_url);
  g_free (self->client_id);
  self->client_id = g_strdup (client_id);
  _concord_http_client_wipe_string (&self->client_secret);
  self->client_secret = g_strdup (client_secret);
  _concord_http_client_wipe_string (&self->refresh_token);
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
  if (self->auth == CONCORD_HTTP_AUTH_BASIC)
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

  if (body != NULL && g_bytes_get_size (body) > CONCORD_HTTP_MAX_ERROR_BODY_BYTES)
    error_body = g_bytes_new_from_bytes (body, 0, CONCORD_HTTP_MAX_ERROR_BODY_BYTES);
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
