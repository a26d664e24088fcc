/* concord-engine-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/*
 * What the engine facade's own files share: the instance and the helpers
 * that run on the engine thread. Each file that adds a part of the facade
 * (concord-engine-*.c) queues its jobs with concord_worker_thread_queue()
 * and touches the store and the connectors only from there.
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
} Job;

void              concord_engine_job_free         (gpointer              data);
GTask            *concord_engine_job_task         (ConcordEngine        *self,
                                                   gpointer              tag,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data,
                                                   Job                 **job);

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

G_END_DECLS
