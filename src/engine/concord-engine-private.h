/* concord-engine-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/*
 * What the engine facade's own files share: the instance, the state of a
 * connection, and the helpers that run on each thread. Each file that adds
 * a part of the facade (concord-engine-*.c) queues its jobs with
 * concord_worker_thread_queue() and touches the store and the connectors
 * only from there:
 *
 *   concord-engine.c                   the instance, the helpers, opening
 *   concord-connection-state.c         ConcordConnectionState
 *   concord-engine-runs.c              runs and previews
 *   concord-engine-schedule.c          when runs start by themselves
 *   concord-engine-accounts.c          accounts and their keys
 *   concord-engine-account-options.c   accounts' options
 *   concord-engine-connections.c       connections
 *   concord-engine-setup.c             what the editors start from
 *   concord-engine-activity.c          a connection's activity and health
 *   concord-engine-activity-flip.c     "Use the other value" on a conflict
 *   concord-engine-rules.c             a connection's rules
 */

#include "concord-engine.h"
#include "concord-worker-thread.h"

G_BEGIN_DECLS

struct _ConcordEngine
{
  GObject              parent_instance;

  /* UI thread */
  GMainContext        *context;
  ConcordWorkerThread *worker;
  char                *db_path;
  ConcordSecretStore  *secrets;
  ConcordConnectorFactory create_connector;
  GListStore          *connections;
  GHashTable          *queued;       /* connection ids with a run queued or going */
  GHashTable          *waiting;      /* connection id → GSource: retrying while another process runs it */
  GCancellable        *cancellable;  /* cancelled by concord_engine_stop() */
  guint                interval;     /* every connection's schedule when not 0 */
  gboolean             scheduling;   /* runs start by themselves (concord_engine_start_schedule()) */
  double               clock_scale;  /* schedules run this many times faster (tests) */
  GHashTable          *timers;       /* connection id → GSource: its next scheduled run */
  GHashTable          *debounce;     /* connection id → GSource: an app reported a change */
  GHashTable          *again;        /* connection ids to run again when their run ends */
  GNetworkMonitor     *network;      /* (owned) (nullable) */
  gboolean             network_available;
  GDBusConnection     *system_bus;   /* (owned) (nullable): logind's */
  guint                sleep_watch;
  GHashTable          *refused;      /* account ids whose key an app refused in the last run */
  GHashTable          *runs;         /* connection id → GCancellable of its run queued or going */

  /* Engine thread only */
  ConcordStore        *store;
  GHashTable          *connectors;   /* account id → ConcordConnector */
  GHashTable          *choices;      /* "account␟type␟field" → the app's lists, for the editors */
};

struct _ConcordConnectionState
{
  GObject                  parent_instance;

  gint64                   id;
  char                    *name;
  char                    *app_a;
  char                    *app_b;
  char                    *account_a;
  char                    *account_b;
  ConcordDirection         direction;
  gboolean                 enabled;
  ConcordConnectionStatus  status;
  double                   fraction;
  char                    *progress;
  gint64                   last_sync;
  gint64                   n_linked;
  char                    *error;
  char                    *error_fix;   /* (nullable) what to do about @error */
  int                      error_code;  /* its ConcordError, or -1 */
  guint                    n_failures;
  guint                    schedule;   /* seconds, 0: automatic */
  guint                    cadence;    /* seconds of the automatic schedule */
  gint64                   next_sync;  /* monotonic µs of the next scheduled run; 0: none */
  gint64                   run_end;    /* monotonic µs of the end of the last run; 0: none yet */
};

/* The properties of a ConcordConnectionState. */
typedef enum
{
  CONCORD_STATE_PROP_0,
  CONCORD_STATE_PROP_ID,
  CONCORD_STATE_PROP_NAME,
  CONCORD_STATE_PROP_APP_A,
  CONCORD_STATE_PROP_APP_B,
  CONCORD_STATE_PROP_ACCOUNT_A,
  CONCORD_STATE_PROP_ACCOUNT_B,
  CONCORD_STATE_PROP_DIRECTION,
  CONCORD_STATE_PROP_ENABLED,
  CONCORD_STATE_PROP_STATUS,
  CONCORD_STATE_PROP_FRACTION,
  CONCORD_STATE_PROP_PROGRESS,
  CONCORD_STATE_PROP_LAST_SYNC,
  CONCORD_STATE_PROP_N_LINKED,
  CONCORD_STATE_PROP_ERROR,
  CONCORD_STATE_PROP_SCHEDULE,
  CONCORD_STATE_PROP_CADENCE,
  CONCORD_STATE_PROP_NEXT_SYNC,
  CONCORD_STATE_N_PROPS
} ConcordConnectionStateProp;

/* UI thread: what the facade's files change a state with. Each notifies
 * the property when its value changes. */
void              concord_connection_state_notify        (ConcordConnectionState     *self,
                                                          ConcordConnectionStateProp  prop);
void              concord_connection_state_set_string    (ConcordConnectionState     *self,
                                                          char                      **field,
                                                          const char                 *value,
                                                          ConcordConnectionStateProp  prop);
/* The status follows from the other fields. */
void              concord_connection_state_update_status (ConcordConnectionState     *self,
                                                          gboolean                    running);

#define CONCORD_STATE_SET(self, field, value, prop) \
  G_STMT_START { \
    if ((self)->field != (value)) \
      { \
        (self)->field = (value); \
        concord_connection_state_notify ((self), (prop)); \
      } \
  } G_STMT_END

/* The engine's signals (see concord-engine.c). */
typedef enum
{
  CONCORD_ENGINE_SIGNAL_RUN_FINISHED,
  CONCORD_ENGINE_SIGNAL_CONNECTION_FAILING,
  CONCORD_ENGINE_SIGNAL_CONNECTION_RECOVERED,
  CONCORD_ENGINE_N_SIGNALS
} ConcordEngineSignal;

extern guint concord_engine_signals[CONCORD_ENGINE_N_SIGNALS];

/* The arguments of a job queued by the facade; free with
 * concord_engine_job_free(). */
typedef struct
{
  char                 *app_id;
  char                 *name;
  char                 *options_json;
  char                 *secret;       /* wiped when freed */
  char                 *account_id;
  char                 *type;
  gint64                connection_id;
  gboolean              flag;
  char                 *config_json;
  guint                 seconds;
  ConcordConnectionRow  row;
} ConcordEngineJob;

void              concord_engine_job_free         (gpointer              data);
GTask            *concord_engine_job_task         (ConcordEngine        *self,
                                                   gpointer              tag,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data,
                                                   ConcordEngineJob    **job);

/* Engine thread only. */
void              concord_engine_store_result_cb  (GObject              *object,
                                                   GAsyncResult         *result,
                                                   gpointer              user_data);
GAsyncResult     *concord_engine_wait_slot        (GAsyncResult        **slot);
gboolean          concord_engine_ensure_store     (ConcordEngine        *self,
                                                   GError              **error);
/* (transfer full): this thread runs other jobs while one waits
 * (concord_engine_wait_slot()), and one that replaces an account's key or
 * removes it drops the engine's own reference to its connector. */
ConcordConnector *concord_engine_get_connector    (ConcordEngine        *self,
                                                   const char           *account_id,
                                                   GError              **error);
GPtrArray        *concord_engine_load_schema_sync (ConcordConnector     *connector,
                                                   const char           *type,
                                                   GError              **error);

/* What the UI needs of one connection, read on the engine thread. */
typedef struct
{
  ConcordConnectionRow *row;
  char                 *app_a;
  char                 *app_b;
  char                 *account_a;
  char                 *account_b;
  gint64                last_sync;
  gint64                n_linked;
  gboolean              failed;
  gboolean              partial;   /* the last run failed to write some contacts */
  guint                 schedule;  /* seconds, 0: automatic */
  guint                 cadence;   /* the automatic schedule's seconds */
  gboolean              streak;    /* the last run failed, and the user was told */
  char                 *error;     /* (nullable) why the last run failed */
  char                 *code;      /* (nullable) its ConcordError nick */
  char                 *code_side; /* (nullable) "a" or "b" */
} ConcordEngineSnapshot;

void                   concord_engine_snapshot_free  (gpointer               data);
/* Engine thread. */
ConcordEngineSnapshot *concord_engine_take_snapshot  (ConcordEngine         *self,
                                                      ConcordConnectionRow  *row);
/* UI thread: the connection's state made from @snapshot (added when new). */
void                   concord_engine_apply_snapshot (ConcordEngine         *self,
                                                      ConcordEngineSnapshot *snapshot);

/* Each connector's "changed" handler holds one (concord_engine_get_connector()). */
typedef struct
{
  ConcordEngine *engine;      /* (unowned) it owns the connector */
  char          *account_id;  /* (owned) */
} ConcordEngineChangeWatch;

/* Engine thread: an app reported a change (concord-engine-schedule.c). */
void concord_engine_connector_changed_cb (ConcordConnector *connector,
                                          gpointer          user_data);

/* UI thread. */
void concord_engine_cancel_runs  (ConcordEngine          *self);
/* Queues a run of the connection unless one is queued or going. */
void concord_engine_queue_run    (ConcordEngine          *self,
                                  gint64                  connection_id);
/* Sets the timer of the connection's next run. */
void concord_engine_reschedule   (ConcordEngine          *self,
                                  ConcordConnectionState *state);
/* Frees the engine's cache of an account's lists (concord-engine-setup.c). */
void concord_engine_choices_free (gpointer                data);

/* The arguments of an activity job (concord-engine-activity*.c). */
typedef struct
{
  gint64  connection_id;
  gint64  conflict_id;
  char   *search;
  guint   offset;
  guint   limit;
  guint   total;
} ConcordEngineActivityJob;

/* The task of an activity job about @connection_id. */
GTask *concord_engine_activity_task (ConcordEngine             *self,
                                     gpointer                   tag,
                                     gint64                     connection_id,
                                     GCancellable              *cancellable,
                                     GAsyncReadyCallback        callback,
                                     gpointer                   user_data,
                                     ConcordEngineActivityJob **job);

G_END_DECLS
