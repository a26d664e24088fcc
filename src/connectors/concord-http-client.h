/* concord-http-client.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "concord-http.h"

G_BEGIN_DECLS

/* Defaults of a client's limits (concord_http_client_set_limits()). */
#define CONCORD_HTTP_DEFAULT_MAX_IN_FLIGHT   4
#define CONCORD_HTTP_DEFAULT_MAX_RETRIES     5
#define CONCORD_HTTP_DEFAULT_RETRY_BASE_MS   500
#define CONCORD_HTTP_RETRY_CAP_MS            30000
/* The most of an answer that is read: a page of 100 contacts is some
 * 200 KB; parsed, 16 MiB of JSON take some 150 MB. */
#define CONCORD_HTTP_DEFAULT_MAX_ANSWER_BYTES (16 * 1024 * 1024)
/* The longest one request and its whole answer may take (libsoup's own
 * timeouts measure silence only); CONCORD_HTTP_DEADLINE_SECONDS in the
 * environment overrides it. */
#define CONCORD_HTTP_DEFAULT_DEADLINE_SECONDS 120

/**
 * ConcordHttpFlags:
 * @CONCORD_HTTP_NONE: no flag
 * @CONCORD_HTTP_NO_RETRY: never retried, whatever the answer
 * @CONCORD_HTTP_NOT_FOUND_IS_EMPTY: a 404 is an empty success (status 404)
 * @CONCORD_HTTP_IDEMPOTENT: the request may be repeated after a transport
 *   error or a 5xx (GET, HEAD, PUT and DELETE are, without the flag); any
 *   request is repeated after a 429, which the server did not act on
 * @CONCORD_HTTP_SAME_ORIGIN_REDIRECT: a 3xx whose Location is on the
 *   client's origin is an answer (its status and headers), for the caller
 *   to follow with a new request; one to another origin stays an error
 *   (the credentials never go there)
 */
typedef enum
{
  CONCORD_HTTP_NONE               = 0,
  CONCORD_HTTP_NO_RETRY           = 1 << 0,
  CONCORD_HTTP_NOT_FOUND_IS_EMPTY = 1 << 1,
  CONCORD_HTTP_IDEMPOTENT         = 1 << 2,
  CONCORD_HTTP_SAME_ORIGIN_REDIRECT = 1 << 3,
} ConcordHttpFlags;

/* One request: the path is relative to the client's base URL and already
 * encoded; the label ("GET /contacts/{email}") names it in messages and
 * logs and never holds personal data. */
typedef struct _ConcordHttpRequest ConcordHttpRequest;

ConcordHttpRequest *concord_http_request_new         (const char          *method,
                                                      const char          *path,
                                                      const char          *label);
void                concord_http_request_free        (ConcordHttpRequest  *request);
void                concord_http_request_set_body    (ConcordHttpRequest  *request,
                                                      GBytes              *body,
                                                      const char          *content_type);
void                concord_http_request_set_json    (ConcordHttpRequest  *request,
                                                      JsonNode            *node);
void                concord_http_request_add_header  (ConcordHttpRequest  *request,
                                                      const char          *name,
                                                      const char          *value);
void                concord_http_request_set_flags   (ConcordHttpRequest  *request,
                                                      ConcordHttpFlags     flags);
const char         *concord_http_request_get_label   (ConcordHttpRequest  *request);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordHttpRequest, concord_http_request_free)

/**
 * ConcordHttpRefineError:
 * @status: the HTTP status of an answer that is not a success
 * @body: (nullable): its body, bounded
 * @label: the request's label
 * @error: return location: set it to say better what went wrong
 * @user_data: the data given with the hook
 *
 * An app's reading of its error bodies (a 400 that means a refused key,
 * a 412 that means a plan limit). Return %TRUE with @error set to replace
 * the status mapping of concord_http_check_status(), %FALSE to keep it.
 */
typedef gboolean (*ConcordHttpRefineError) (guint        status,
                                            GBytes      *body,
                                            const char  *label,
                                            GError     **error,
                                            gpointer     user_data);

#define CONCORD_TYPE_HTTP_CLIENT (concord_http_client_get_type ())

G_DECLARE_FINAL_TYPE (ConcordHttpClient, concord_http_client, CONCORD, HTTP_CLIENT, GObject)

ConcordHttpClient *concord_http_client_new             (const char              *base_url,
                                                        const char              *app_name);
const char        *concord_http_client_get_base_url    (ConcordHttpClient       *self);

/* Authentication: one kind per client, sent only to the base URL's origin. */
void     concord_http_client_set_auth_header           (ConcordHttpClient       *self,
                                                        const char              *name,
                                                        const char              *value);
void     concord_http_client_set_auth_bearer           (ConcordHttpClient       *self,
                                                        const char              *token);
void     concord_http_client_set_auth_basic            (ConcordHttpClient       *self,
                                                        const char              *user,
                                                        const char              *password);
void     concord_http_client_set_auth_query            (ConcordHttpClient       *self,
                                                        const char              *parameter,
                                                        const char              *value);
void     concord_http_client_set_auth_oauth2           (ConcordHttpClient       *self,
                                                        const char              *token_url,
                                                        const char              *client_id,
                                                        const char              *client_secret,
                                                        const char              *access_token,
                                                        const char              *refresh_token);
char    *concord_http_client_dup_refresh_token         (ConcordHttpClient       *self);

void     concord_http_client_set_limits                (ConcordHttpClient       *self,
                                                        guint                    max_in_flight,
                                                        guint                    max_retries,
                                                        guint                    retry_base_ms);
void     concord_http_client_set_max_writes_in_flight  (ConcordHttpClient       *self,
                                                        guint                    max_writes);
void     concord_http_client_set_rate_limit_headers    (ConcordHttpClient       *self,
                                                        const char              *remaining,
                                                        const char              *reset);
void     concord_http_client_set_rate_limit_reset_ms   (ConcordHttpClient       *self,
                                                        gboolean                 milliseconds);
void     concord_http_client_set_rate_limit_reserve    (ConcordHttpClient       *self,
                                                        guint                    reserve);
void     concord_http_client_set_retry_budget_ms       (ConcordHttpClient       *self,
                                                        guint64                  budget_ms);
void     concord_http_client_reset_retry_budget        (ConcordHttpClient       *self);
void     concord_http_client_set_max_answer_bytes      (ConcordHttpClient       *self,
                                                        gsize                    max_bytes);
void     concord_http_client_set_deadline_ms           (ConcordHttpClient       *self,
                                                        guint                    deadline_ms);
void     concord_http_client_set_refine_error          (ConcordHttpClient       *self,
                                                        ConcordHttpRefineError   refine,
                                                        gpointer                 user_data);
gboolean concord_http_client_check_answer              (ConcordHttpClient       *self,
                                                        guint                    status,
                                                        GBytes                  *body,
                                                        const char              *label,
                                                        GError                 **error);
guint    concord_http_client_get_max_in_flight         (ConcordHttpClient       *self);

void     concord_http_client_send_async                (ConcordHttpClient       *self,
                                                        ConcordHttpRequest      *request,
                                                        GCancellable            *cancellable,
                                                        GAsyncReadyCallback      callback,
                                                        gpointer                 user_data);
GBytes  *concord_http_client_send_finish               (ConcordHttpClient       *self,
                                                        GAsyncResult            *result,
                                                        guint                   *status,
                                                        SoupMessageHeaders     **headers,
                                                        GError                 **error);
void     concord_http_client_send_json_async           (ConcordHttpClient       *self,
                                                        ConcordHttpRequest      *request,
                                                        GCancellable            *cancellable,
                                                        GAsyncReadyCallback      callback,
                                                        gpointer                 user_data);
JsonNode *concord_http_client_send_json_finish         (ConcordHttpClient       *self,
                                                        GAsyncResult            *result,
                                                        guint                   *status,
                                                        SoupMessageHeaders     **headers,
                                                        GError                 **error);

/* Reading answers outside a request (the fuzz targets use them). */
JsonNode *concord_http_parse_json                      (GBytes                  *body,
                                                        const char              *label,
                                                        gsize                    max_bytes,
                                                        GError                 **error);
char     *concord_http_repaired_text                   (const char              *raw,
                                                        gsize                    max_bytes,
                                                        gboolean                *repaired);
char     *concord_http_cut_text                        (const char              *text,
                                                        gsize                    max_bytes);

G_END_DECLS
