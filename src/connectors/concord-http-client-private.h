/* concord-http-client-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the parts of the HTTP client share: the client and a request
 * (concord-http-client.c: the GObject, requests, the public API), a call's
 * life (concord-http-client-call.c: attempts and deadlines, slots, retries,
 * the OAuth 2 refresh) and the exchange (concord-http-client-send.c: the
 * bounded read, sending, checking and reading the answer, JSON parsed and
 * text repaired). See concord-http-client.c for what the client does.
 */

#pragma once

#include "concord-http-client.h"

G_BEGIN_DECLS

/* The most of an error answer (or a token answer) that is read. */
#define CONCORD_HTTP_MAX_ERROR_BODY_BYTES (64 * 1024)

/* How the client authenticates. */
typedef enum
{
  CONCORD_HTTP_AUTH_NONE,
  CONCORD_HTTP_AUTH_HEADER,
  CONCORD_HTTP_AUTH_BEARER,
  CONCORD_HTTP_AUTH_BASIC,
  CONCORD_HTTP_AUTH_QUERY,
  CONCORD_HTTP_AUTH_OAUTH2,
} ConcordHttpAuthKind;

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

  ConcordHttpAuthKind     auth;
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

enum {
  CONCORD_HTTP_CLIENT_SIGNAL_REFRESH_TOKEN_CHANGED,
  CONCORD_HTTP_CLIENT_N_SIGNALS
};

/* The client's signals (concord-http-client.c), emitted by the refresh. */
extern guint _concord_http_client_signals[CONCORD_HTTP_CLIENT_N_SIGNALS];

/* One call: a request on its way, through its attempts (a GTask's data). */
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
} ConcordHttpCall;

/* concord-http-client-call.c */

void _concord_http_client_wipe_string (char **text);

gboolean _concord_http_client_call_attempt_end (GTask *task);

GCancellable *_concord_http_client_call_attempt_begin (GTask *task);

char *_concord_http_client_deadline_text (guint deadline_ms);

void _concord_http_client_call_free (ConcordHttpCall *call);

gboolean _concord_http_client_is_idempotent (ConcordHttpRequest *request);

/* concord-http-client-send.c */

void _concord_http_client_send_and_read_bounded_async (SoupSession        *session,
                                                       SoupMessage        *msg,
                                                       gsize               max,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);

GBytes *_concord_http_client_send_and_read_bounded_finish (GAsyncResult *result,
                                                           SoupMessage **msg,
                                                           GError      **error);

/* concord-http-client-call.c */

void _concord_http_client_release_slot (ConcordHttpClient *self);

void _concord_http_client_release_write_slot (GTask *task);

void _concord_http_client_call_start (GTask *task);

void _concord_http_client_note_rate_headers (ConcordHttpClient  *self,
                                             SoupMessageHeaders *headers);

gboolean _concord_http_client_on_hold_over_cb (gpointer user_data);

void _concord_http_client_call_retry_later (GTask *task,
                                            gint64 retry_after_seconds);

void _concord_http_client_call_refresh (GTask *task);

/* concord-http-client-send.c */

void _concord_http_client_call_send (GTask *task);

G_END_DECLS
