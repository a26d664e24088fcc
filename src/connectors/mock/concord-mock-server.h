/* concord-mock-server.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/**
 * ConcordMockFault:
 * @CONCORD_MOCK_FAULT_NONE: answer normally
 * @CONCORD_MOCK_FAULT_500: 500 with the server's error body
 * @CONCORD_MOCK_FAULT_429: 429 with a Retry-After header (seconds)
 * @CONCORD_MOCK_FAULT_RESET: close the connection without an answer
 * @CONCORD_MOCK_FAULT_TRUNCATE: 200 whose body is cut in the middle
 * @CONCORD_MOCK_FAULT_SLOW: answer normally after the given delay (seconds)
 * @CONCORD_MOCK_FAULT_REDIRECT: 302 to the redirect target (another
 *   origin), same path and query
 * @CONCORD_MOCK_FAULT_NESTING_BOMB: 200 whose JSON body nests arrays
 *   100,000 deep
 * @CONCORD_MOCK_FAULT_413: 413 Payload Too Large, without running the route
 */
typedef enum
{
  CONCORD_MOCK_FAULT_NONE,
  CONCORD_MOCK_FAULT_500,
  CONCORD_MOCK_FAULT_429,
  CONCORD_MOCK_FAULT_RESET,
  CONCORD_MOCK_FAULT_TRUNCATE,
  CONCORD_MOCK_FAULT_SLOW,
  CONCORD_MOCK_FAULT_REDIRECT,
  CONCORD_MOCK_FAULT_NESTING_BOMB,
  CONCORD_MOCK_FAULT_413,
} ConcordMockFault;

#define CONCORD_MOCK_FAULT_LAST CONCORD_MOCK_FAULT_413

/**
 * ConcordMockLogEntry:
 * @number: the request's number, 1 for the first the server ever saw
 * @method: "GET", "POST", …
 * @path: the path as libsoup hands it over (percent-decoded)
 * @query: (nullable): the query string as sent
 * @headers: the request's headers
 * @time_us: g_get_monotonic_time() when the request arrived
 *
 * One request as the server received it: enough to count requests, check
 * their authentication headers, and see when a retry came.
 */
typedef struct
{
  guint               number;
  char               *method;
  char               *path;
  char               *query;
  SoupMessageHeaders *headers;
  gint64              time_us;
} ConcordMockLogEntry;

void concord_mock_log_entry_free (ConcordMockLogEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordMockLogEntry, concord_mock_log_entry_free)

typedef struct _ConcordMockRequest ConcordMockRequest;

#define CONCORD_TYPE_MOCK_SERVER (concord_mock_server_get_type ())

G_DECLARE_FINAL_TYPE (ConcordMockServer, concord_mock_server, CONCORD, MOCK_SERVER, GObject)

/**
 * ConcordMockHandler:
 * @request: the request; answer it with concord_mock_request_respond()
 *
 * A route's handler, called on the server's thread.
 */
typedef void (*ConcordMockHandler) (ConcordMockRequest *request,
                                    gpointer            user_data);

/**
 * ConcordMockErrorBodyFunc:
 * @status: the HTTP status of the fault
 * @message: what went wrong, in English
 *
 * Builds an error body in the app's own format (server thread).
 *
 * Returns: (transfer full): the body, JSON
 */
typedef char *(*ConcordMockErrorBodyFunc) (guint       status,
                                           const char *message,
                                           gpointer    user_data);

/**
 * ConcordMockStallFunc:
 * @line: the held request, "METHOD /path?query"
 *
 * Called on the server's thread when a stalled request is reached.
 */
typedef void (*ConcordMockStallFunc) (ConcordMockServer *server,
                                      const char        *line,
                                      gpointer           user_data);

ConcordMockServer  *concord_mock_server_new                 (const char               *name,
                                                             guint                     port,
                                                             GError                  **error);
const char         *concord_mock_server_get_origin          (ConcordMockServer        *self);
guint               concord_mock_server_get_port            (ConcordMockServer        *self);
GMainContext       *concord_mock_server_get_context         (ConcordMockServer        *self);

/* Routes: the first one added whose method (NULL: any) and path prefix match */
void                concord_mock_server_add_route           (ConcordMockServer        *self,
                                                             const char               *method,
                                                             const char               *path_prefix,
                                                             ConcordMockHandler        handler,
                                                             gpointer                  user_data,
                                                             GDestroyNotify            destroy);
void                concord_mock_server_set_error_body_func (ConcordMockServer        *self,
                                                             ConcordMockErrorBodyFunc  func,
                                                             gpointer                  user_data,
                                                             GDestroyNotify            destroy);

/* Faults */
void                concord_mock_server_fail_request        (ConcordMockServer        *self,
                                                             guint                     nth,
                                                             ConcordMockFault          fault,
                                                             guint                     seconds);
void                concord_mock_server_fail_route          (ConcordMockServer        *self,
                                                             const char               *method,
                                                             const char               *path_prefix,
                                                             guint                     nth,
                                                             guint                     times,
                                                             ConcordMockFault          fault,
                                                             guint                     seconds);
void                concord_mock_server_fail_matching       (ConcordMockServer        *self,
                                                             const char               *pattern,
                                                             guint                     nth,
                                                             guint                     times,
                                                             ConcordMockFault          fault,
                                                             guint                     seconds);
void                concord_mock_server_clear_faults        (ConcordMockServer        *self);
void                concord_mock_server_set_redirect_target (ConcordMockServer        *self,
                                                             const char               *origin);
void                concord_mock_server_set_max_items       (ConcordMockServer        *self,
                                                             guint                     max_items);
guint               concord_mock_server_get_max_items       (ConcordMockServer        *self);

/* Stalls: the @nth request matching one of @patterns (globs over
 * "METHOD /path") is held unanswered and unapplied until released. */
void                concord_mock_server_stall_request       (ConcordMockServer        *self,
                                                             const char * const       *patterns,
                                                             guint                     nth,
                                                             ConcordMockStallFunc      func,
                                                             gpointer                  user_data);
void                concord_mock_server_release_stalled     (ConcordMockServer        *self,
                                                             gboolean                  apply);

/* What clients did */
guint               concord_mock_server_get_n_requests      (ConcordMockServer        *self);
GPtrArray          *concord_mock_server_get_requests        (ConcordMockServer        *self);
GPtrArray          *concord_mock_server_get_log             (ConcordMockServer        *self);
void                concord_mock_server_reset_log           (ConcordMockServer        *self);
void                concord_mock_server_set_log_limit       (ConcordMockServer        *self,
                                                             guint                     limit);
guint               concord_mock_server_get_in_flight       (ConcordMockServer        *self);
guint               concord_mock_server_get_max_in_flight   (ConcordMockServer        *self);
void                concord_mock_server_reset_max_in_flight (ConcordMockServer        *self);
guint               concord_mock_server_count_header        (ConcordMockServer        *self,
                                                             const char               *name,
                                                             const char               *value);

/* A request, inside a handler (server thread) */
ConcordMockServer  *concord_mock_request_get_server         (ConcordMockRequest       *request);
SoupServerMessage  *concord_mock_request_get_message        (ConcordMockRequest       *request);
const char         *concord_mock_request_get_method         (ConcordMockRequest       *request);
const char         *concord_mock_request_get_path           (ConcordMockRequest       *request);
const char         *concord_mock_request_get_query          (ConcordMockRequest       *request);
const char         *concord_mock_request_get_query_param    (ConcordMockRequest       *request,
                                                             const char               *name);
GPtrArray          *concord_mock_request_get_query_params   (ConcordMockRequest       *request);
const char         *concord_mock_request_get_header         (ConcordMockRequest       *request,
                                                             const char               *name);
GBytes             *concord_mock_request_get_body           (ConcordMockRequest       *request);
gboolean            concord_mock_request_check_header       (ConcordMockRequest       *request,
                                                             const char               *name,
                                                             const char               *expected);
gboolean            concord_mock_request_check_bearer       (ConcordMockRequest       *request,
                                                             const char               *token);
gboolean            concord_mock_request_check_basic        (ConcordMockRequest       *request,
                                                             const char               *user,
                                                             const char               *password);
gboolean            concord_mock_request_check_query_key    (ConcordMockRequest       *request,
                                                             const char               *name,
                                                             const char               *key);
void                concord_mock_request_respond            (ConcordMockRequest       *request,
                                                             guint                     status,
                                                             const char               *content_type,
                                                             char                     *body);
void                concord_mock_request_respond_error      (ConcordMockRequest       *request,
                                                             guint                     status,
                                                             const char               *message);
void                concord_mock_request_set_response_header (ConcordMockRequest      *request,
                                                             const char               *name,
                                                             const char               *value);
guint               concord_mock_request_get_status         (ConcordMockRequest       *request);

G_END_DECLS
