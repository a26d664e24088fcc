/* concord-mock-server-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the parts of the mock server framework share: its routes, faults,
 * request log and the server and request structs; serving a request
 * (concord-mock-server-serve.c), the request's accessors
 * (-request.c), and the server's thread, object and public API
 * (concord-mock-server.c).
 */

#pragma once

#include "concord-mock-server.h"
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define NESTING_BOMB_DEPTH 100000

typedef struct
{
  char               *method;      /* (owned) (nullable): any */
  char               *prefix;      /* (owned) */
  ConcordMockHandler  handler;
  gpointer            user_data;
  GDestroyNotify      destroy;
} ConcordMockServerRoute;

typedef struct
{
  ConcordMockFault fault;
  guint            seconds;
} ConcordMockServerFault;

typedef struct
{
  char            *method;         /* (owned) (nullable) */
  char            *prefix;         /* (owned) (nullable): with @pattern instead */
  char            *pattern;        /* (owned) (nullable): glob over "METHOD /path" */
  guint            skip;           /* matching requests to let through first */
  guint            times;          /* matching requests to fail then */
  ConcordMockServerFault            fault;
} ConcordMockServerRouteFault;

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
} ConcordMockServerLogRecord;

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

/* What concord_mock_server_release_stalled() hands the server thread. */
typedef struct
{
  ConcordMockServer *self;
  gboolean           apply;
} ConcordMockServerRelease;

/* concord-mock-server-serve.c */
void                         _concord_mock_server_log_record_free       (gpointer data);
ConcordMockLogEntry         *_concord_mock_server_log_entry_new         (const ConcordMockServerLogRecord *record);
char                        *_concord_mock_server_log_record_get_header (const ConcordMockServerLogRecord *record,
                                                                         const char                       *name);
void                         _concord_mock_server_route_free            (gpointer data);
ConcordMockServerRouteFault *_concord_mock_server_route_fault_new       (guint            nth,
                                                                         guint            times,
                                                                         ConcordMockFault fault,
                                                                         guint            seconds);
void                         _concord_mock_server_add_route_fault       (ConcordMockServer           *self,
                                                                         ConcordMockServerRouteFault *route_fault);
void                         _concord_mock_server_route_fault_free      (gpointer data);
GPtrArray                   *_concord_mock_server_parse_query           (const char *query);
char                        *_concord_mock_server_default_error_body    (guint       status,
                                                                         const char *message,
                                                                         gpointer    user_data);
gboolean                     _concord_mock_server_release_stalled_cb    (gpointer data);
void                         _concord_mock_server_respond_fault_error   (ConcordMockServer  *self,
                                                                         ConcordMockRequest *request,
                                                                         guint               status,
                                                                         const char         *message);
void                         _concord_mock_server_on_server_request_cb  (SoupServer        *server,
                                                                         SoupServerMessage *msg,
                                                                         const char        *path,
                                                                         GHashTable        *query,
                                                                         gpointer           user_data);

G_END_DECLS
