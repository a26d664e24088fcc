/* concord-engine.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The engine's facade for the UI.
 *
 * A ConcordEngine lives on the thread that made it (the UI thread) and owns
 * the engine thread (a ConcordWorkerThread with its own main context). The
 * store, the connectors and every run are touched on the engine thread
 * only: each call of the facade queues a job there and comes back as a
 * GTask result, a property change or a signal on the UI thread's context.
 * No network call, SQLite statement or merge ever runs on the UI thread.
 *
 * One run per connection, across processes: the store's lock (see
 * concord_store_begin_run()) refuses a run while concord-cli or another
 * instance runs the same connection. The engine then waits: the state
 * stays "running", says it is waiting, and the run is tried again every
 * few seconds, asking the apps nothing until the other run is over.
 *
 * A run that completed but could not write some contacts is a failure for
 * the window and the notifications: the state says how many, and the next
 * run retries them.
 *
 * An account whose key an app refused in a connection's last run is
 * remembered (concord_engine_get_key_refused()) until a run that uses it
 * succeeds or its key is replaced; replacing the key runs again at once
 * the connections of the account that were failing, so they recover with
 * no other action.
 * Schedules. Each connection runs by itself, on a timer counted from the
 * end of its last run: its own schedule (stored, see
 * concord_store_get_schedule()), or when "automatic" the cadence the cost
 * of reading its apps allows (concord_sync_cadence(), computed after each
 * run from the store's record counts and the connectors' page sizes and
 * budgets). A run that fails backs off: the delay doubles with each
 * failure in a row, up to an hour, and the schedule resumes after a
 * success. Runs also start at once when the network comes back, when the
 * computer wakes from suspend (logind's PrepareForSleep (false)), and a
 * few seconds after an app reports a change (ConcordConnector::changed;
 * a change during a run runs it again after). The timers are on the UI
 * thread's context; the state says when the next run is due
 * (next-sync, monotonic time).
 *
 * Signals (on the UI thread):
 *   run-finished (state, ok)        after every run
 *   connection-failing (state, why) the first failure of a streak
 *   connection-recovered (state)    the first success after failures
 */

#define G_LOG_DOMAIN "concord-engine"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "concord-engine-activity.h"
#include "concord-engine-private.h"
#include "concord-error.h"
#include "concord-json-private.h"
#include "concord-schedule.h"
#include "concord-worker-thread.h"

/* An app reported a change: run once it has been quiet this long. */
#define CHANGE_DELAY_SECONDS 3
/* A failing connection waits at most this long (unless its schedule is longer). */
#define MAX_BACKOFF_SECONDS 3600
/* A connector whose page size is unknown yet (before the first run). */
#define UNKNOWN_PAGE_SIZE 100

/* ------------------------------------------------------------------------- */
/* ConcordConnectionState                                                    */
/* ------------------------------------------------------------------------- */

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

typedef struct
{
  char   **values;   /* (owned) (nullable): NULL for a field that takes any value */
  gint64   read_at;  /* monotonic */
} Choices;

static void
choices_free (gpointer data)
{
  Choices *choices = data;

  g_strfreev (choices->values);
  g_free (choices);
}

G_DEFINE_FINAL_TYPE (ConcordConnectionState, concord_connection_state, G_TYPE_OBJECT)

enum {
  STATE_PROP_0,
  STATE_PROP_ID,
  STATE_PROP_NAME,
  STATE_PROP_APP_A,
  STATE_PROP_APP_B,
  STATE_PROP_ACCOUNT_A,
  STATE_PROP_ACCOUNT_B,
  STATE_PROP_DIRECTION,
  STATE_PROP_ENABLED,
  STATE_PROP_STATUS,
  STATE_PROP_FRACTION,
  STATE_PROP_PROGRESS,
  STATE_PROP_LAST_SYNC,
  STATE_PROP_N_LINKED,
  STATE_PROP_ERROR,
  STATE_PROP_SCHEDULE,
  STATE_PROP_CADENCE,
  STATE_PROP_NEXT_SYNC,
  N_STATE_PROPS
};

static GParamSpec *state_properties[N_STATE_PROPS];

static void
concord_connection_state_finalize (GObject *object)
{
  ConcordConnectionState *self = CONCORD_CONNECTION_STATE (object);

  g_free (self->name);
  g_free (self->app_a);
  g_free (self->app_b);
  g_free (self->account_a);
  g_free (self->account_b);
  g_free (self->error_fix);
  g_free (self->progress);
  g_free (self->error);

  G_OBJECT_CLASS (concord_connection_state_parent_class)->finalize (object);
}

static void
concord_connection_state_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  ConcordConnectionState *self = CONCORD_CONNECTION_STATE (object);

  switch (prop_id)
    {
    case STATE_PROP_ID:
      g_value_set_int64 (value, self->id);
      break;
    case STATE_PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case STATE_PROP_APP_A:
      g_value_set_string (value, self->app_a);
      break;
    case STATE_PROP_APP_B:
      g_value_set_string (value, self->app_b);
      break;
    case STATE_PROP_ACCOUNT_A:
      g_value_set_string (value, self->account_a);
      break;
    case STATE_PROP_ACCOUNT_B:
      g_value_set_string (value, self->account_b);
      break;
    case STATE_PROP_DIRECTION:
      g_value_set_int (value, self->direction);
      break;
    case STATE_PROP_ENABLED:
      g_value_set_boolean (value, self->enabled);
      break;
    case STATE_PROP_STATUS:
      g_value_set_int (value, self->status);
      break;
    case STATE_PROP_FRACTION:
      g_value_set_double (value, self->fraction);
      break;
    case STATE_PROP_PROGRESS:
      g_value_set_string (value, self->progress);
      break;
    case STATE_PROP_LAST_SYNC:
      g_value_set_int64 (value, self->last_sync);
      break;
    case STATE_PROP_N_LINKED:
      g_value_set_int64 (value, self->n_linked);
      break;
    case STATE_PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case STATE_PROP_SCHEDULE:
      g_value_set_uint (value, self->schedule);
      break;
    case STATE_PROP_CADENCE:
      g_value_set_uint (value, self->cadence);
      break;
    case STATE_PROP_NEXT_SYNC:
      g_value_set_int64 (value, self->next_sync);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_connection_state_class_init (ConcordConnectionStateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = concord_connection_state_finalize;
  object_class->get_property = concord_connection_state_get_property;

  state_properties[STATE_PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  state_properties[STATE_PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  state_properties[STATE_PROP_APP_A] = g_param_spec_string ("app-a", NULL, NULL, NULL, flags);
  state_properties[STATE_PROP_APP_B] = g_param_spec_string ("app-b", NULL, NULL, NULL, flags);
  state_properties[STATE_PROP_ACCOUNT_A] = g_param_spec_string ("account-a", NULL, NULL, NULL, flags);
  state_properties[STATE_PROP_ACCOUNT_B] = g_param_spec_string ("account-b", NULL, NULL, NULL, flags);
  state_properties[STATE_PROP_DIRECTION] = g_param_spec_int ("direction", NULL, NULL, 0, 2, 0, flags);
  state_properties[STATE_PROP_ENABLED] = g_param_spec_boolean ("enabled", NULL, NULL, FALSE, flags);
  state_properties[STATE_PROP_STATUS] = g_param_spec_int ("status", NULL, NULL, 0, CONCORD_CONNECTION_FAILING,
                                                          0, flags);
  state_properties[STATE_PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, 0, 1, 0, flags);
  state_properties[STATE_PROP_PROGRESS] = g_param_spec_string ("progress", NULL, NULL, NULL, flags);
  state_properties[STATE_PROP_LAST_SYNC] = g_param_spec_int64 ("last-sync", NULL, NULL, 0, G_MAXINT64, 0, flags);
  state_properties[STATE_PROP_N_LINKED] = g_param_spec_int64 ("n-linked", NULL, NULL, 0, G_MAXINT64, 0, flags);
  state_properties[STATE_PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, flags);
  state_properties[STATE_PROP_SCHEDULE] = g_param_spec_uint ("schedule", NULL, NULL, 0, G_MAXUINT, 0, flags);
  state_properties[STATE_PROP_CADENCE] = g_param_spec_uint ("cadence", NULL, NULL, 0, G_MAXUINT, 0, flags);
  state_properties[STATE_PROP_NEXT_SYNC] = g_param_spec_int64 ("next-sync", NULL, NULL, 0, G_MAXINT64, 0,
                                                               flags);

  g_object_class_install_properties (object_class, N_STATE_PROPS, state_properties);
}

static void
concord_connection_state_init (ConcordConnectionState *self)
{
  self->error_code = -1;
}

#define STATE_GETTER(type, name, field, fallback) \
  type \
  concord_connection_state_get_##name (ConcordConnectionState *self) \
  { \
    g_return_val_if_fail (CONCORD_IS_CONNECTION_STATE (self), fallback); \
    return self->field; \
  }

STATE_GETTER (gint64, id, id, 0)
STATE_GETTER (const char *, name, name, NULL)
STATE_GETTER (const char *, app_a, app_a, NULL)
STATE_GETTER (const char *, app_b, app_b, NULL)
STATE_GETTER (const char *, account_a, account_a, NULL)
STATE_GETTER (const char *, account_b, account_b, NULL)
STATE_GETTER (ConcordDirection, direction, direction, CONCORD_DIRECTION_BOTH)
STATE_GETTER (gboolean, enabled, enabled, FALSE)
STATE_GETTER (ConcordConnectionStatus, status, status, CONCORD_CONNECTION_OFF)
STATE_GETTER (double, fraction, fraction, 0)
STATE_GETTER (const char *, progress, progress, NULL)
STATE_GETTER (gint64, last_sync, last_sync, 0)
STATE_GETTER (gint64, n_linked, n_linked, 0)
STATE_GETTER (const char *, error, error, NULL)
STATE_GETTER (const char *, error_fix, error_fix, NULL)
STATE_GETTER (int, error_code, error_code, -1)
STATE_GETTER (guint, n_failures, n_failures, 0)
STATE_GETTER (guint, schedule, schedule, 0)
STATE_GETTER (guint, cadence, cadence, 0)
STATE_GETTER (gint64, next_sync, next_sync, 0)

#undef STATE_GETTER

static void
state_set_string (ConcordConnectionState *self,
                  char                  **field,
                  const char             *value,
                  guint                   prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), state_properties[prop]);
}

#define STATE_SET(self, field, value, prop) \
  G_STMT_START { \
    if ((self)->field != (value)) \
      { \
        (self)->field = (value); \
        g_object_notify_by_pspec (G_OBJECT (self), state_properties[prop]); \
      } \
  } G_STMT_END

/* The status follows from the other fields. */
static void
state_update_status (ConcordConnectionState *self,
                     gboolean                running)
{
  ConcordConnectionStatus status;

  if (running)
    status = CONCORD_CONNECTION_RUNNING;
  else if (!self->enabled)
    status = CONCORD_CONNECTION_OFF;
  else if (self->error != NULL)
    status = CONCORD_CONNECTION_FAILING;
  else
    status = CONCORD_CONNECTION_IDLE;

  STATE_SET (self, status, status, STATE_PROP_STATUS);
}

/* ------------------------------------------------------------------------- */
/* ConcordEngine                                                             */
/* ------------------------------------------------------------------------- */


G_DEFINE_FINAL_TYPE (ConcordEngine, concord_engine, G_TYPE_OBJECT)

enum {
  SIGNAL_RUN_FINISHED,
  SIGNAL_CONNECTION_FAILING,
  SIGNAL_CONNECTION_RECOVERED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
destroy_source (gpointer data)
{
  g_source_destroy (data);
  g_source_unref (data);
}

/* Each run has a cancellable of its own, so that removing a connection
 * stops its run only. */
static void
cancel_runs (ConcordEngine *self)
{
  GHashTableIter iter;
  GCancellable *cancellable;

  g_hash_table_iter_init (&iter, self->runs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &cancellable))
    g_cancellable_cancel (cancellable);
  g_hash_table_remove_all (self->runs);
}

static void
concord_engine_dispose (GObject *object)
{
  ConcordEngine *self = CONCORD_ENGINE (object);

  if (self->waiting != NULL)
    g_hash_table_remove_all (self->waiting);
  if (self->timers != NULL)
    g_hash_table_remove_all (self->timers);
  if (self->debounce != NULL)
    g_hash_table_remove_all (self->debounce);
  if (self->network != NULL)
    g_signal_handlers_disconnect_by_data (self->network, self);
  g_clear_object (&self->network);
  if (self->sleep_watch != 0)
    g_dbus_connection_signal_unsubscribe (self->system_bus, self->sleep_watch);
  self->sleep_watch = 0;
  g_clear_object (&self->system_bus);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->runs != NULL)
    cancel_runs (self);
  /* Joins the engine thread once its queued jobs, which hold references
   * to the engine, are gone. */
  g_clear_object (&self->worker);

  G_OBJECT_CLASS (concord_engine_parent_class)->dispose (object);
}

static void
concord_engine_finalize (GObject *object)
{
  ConcordEngine *self = CONCORD_ENGINE (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->connectors, g_hash_table_unref);
  g_clear_pointer (&self->choices, g_hash_table_unref);
  g_clear_object (&self->connections);
  g_clear_pointer (&self->queued, g_hash_table_unref);
  g_clear_pointer (&self->waiting, g_hash_table_unref);
  g_clear_pointer (&self->refused, g_hash_table_unref);
  g_clear_pointer (&self->timers, g_hash_table_unref);
  g_clear_pointer (&self->debounce, g_hash_table_unref);
  g_clear_pointer (&self->again, g_hash_table_unref);
  g_clear_pointer (&self->runs, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->secrets);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->db_path);

  G_OBJECT_CLASS (concord_engine_parent_class)->finalize (object);
}

static void
concord_engine_class_init (ConcordEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = concord_engine_dispose;
  object_class->finalize = concord_engine_finalize;

  signals[SIGNAL_RUN_FINISHED] =
    g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, CONCORD_TYPE_CONNECTION_STATE, G_TYPE_BOOLEAN);
  signals[SIGNAL_CONNECTION_FAILING] =
    g_signal_new ("connection-failing", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, CONCORD_TYPE_CONNECTION_STATE, G_TYPE_STRING);
  signals[SIGNAL_CONNECTION_RECOVERED] =
    g_signal_new ("connection-recovered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, CONCORD_TYPE_CONNECTION_STATE);
}

static void
concord_engine_init (ConcordEngine *self)
{
  self->connections = g_list_store_new (CONCORD_TYPE_CONNECTION_STATE);
  self->queued = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->waiting = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, destroy_source);
  self->refused = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->timers = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, destroy_source);
  self->debounce = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, destroy_source);
  self->again = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->clock_scale = 1.0;
  self->cancellable = g_cancellable_new ();
  self->runs = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  self->connectors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->choices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, choices_free);
}

/**
 * concord_engine_new:
 * @db_path: the state store
 * @secrets: where the API keys are
 * @create_connector: how to make connectors (the app registry's factory)
 *
 * Returns: (transfer full): the engine; call concord_engine_open_async()
 */
ConcordEngine *
concord_engine_new (const char              *db_path,
                    ConcordSecretStore      *secrets,
                    ConcordConnectorFactory  create_connector)
{
  ConcordEngine *self;

  g_return_val_if_fail (db_path != NULL, NULL);
  g_return_val_if_fail (CONCORD_IS_SECRET_STORE (secrets), NULL);
  g_return_val_if_fail (create_connector != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_ENGINE, NULL);
  self->db_path = g_strdup (db_path);
  self->secrets = g_object_ref (secrets);
  self->create_connector = create_connector;
  self->context = g_main_context_ref_thread_default ();
  self->worker = concord_worker_thread_new ("concord-engine");

  return self;
}

ConcordWorkerThread *
concord_engine_get_worker (ConcordEngine *self)
{
  g_return_val_if_fail (CONCORD_IS_ENGINE (self), NULL);

  return self->worker;
}

/* ------------------------------------------------------------------------- */
/* Engine thread helpers                                                     */
/* ------------------------------------------------------------------------- */

void
concord_engine_store_result_cb (GObject      *object,
                                GAsyncResult *result,
                                gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Iterates the engine thread's context until @slot is filled. */
GAsyncResult *
concord_engine_wait_slot (GAsyncResult **slot)
{
  GMainContext *context = g_main_context_get_thread_default ();

  while (*slot == NULL)
    g_main_context_iteration (context, TRUE);

  return *slot;
}

gboolean
concord_engine_ensure_store (ConcordEngine  *self,
                             GError        **error)
{
  g_assert (concord_worker_thread_is_current (self->worker));

  if (self->store == NULL)
    self->store = concord_store_new (self->db_path, error);

  return self->store != NULL;
}

static char *
lookup_secret (ConcordEngine  *self,
               const char     *account_id,
               GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  concord_secret_store_lookup_async (self->secrets, account_id, NULL, concord_engine_store_result_cb, &slot);
  result = concord_engine_wait_slot (&slot);
  return concord_secret_store_lookup_finish (self->secrets, result, error);
}

static void on_connector_changed_cb (ConcordConnector *connector,
                                     gpointer          user_data);

typedef struct
{
  ConcordEngine *engine;      /* (unowned) it owns the connector */
  char          *account_id;  /* (owned) */
} ChangeWatch;

static void
change_watch_free (gpointer  data,
                   GClosure *closure)
{
  ChangeWatch *watch = data;

  g_free (watch->account_id);
  g_free (watch);
}

ConcordConnector *
concord_engine_get_connector (ConcordEngine  *self,
                              const char     *account_id,
                              GError        **error)
{
  ConcordConnector *connector = g_hash_table_lookup (self->connectors, account_id);
  g_autoptr(ConcordAccountRow) account = NULL;
  g_auto(ConcordSecretString) secret = NULL;

  if (connector != NULL)
    return g_object_ref (connector);

  if ((account = concord_store_get_account (self->store, account_id, error)) == NULL ||
      (secret = lookup_secret (self, account_id, error)) == NULL ||
      (connector = self->create_connector (account->app_id, account->options_json, secret, error)) == NULL)
    return NULL;

  g_hash_table_insert (self->connectors, g_strdup (account_id), connector);

  /* An app that can tell when its records change gets a run soon after. */
  {
    ChangeWatch *watch = g_new0 (ChangeWatch, 1);

    watch->engine = self;
    watch->account_id = g_strdup (account_id);
    g_signal_connect_data (connector, "changed", G_CALLBACK (on_connector_changed_cb), watch,
                           change_watch_free, 0);
    concord_connector_watch_changes (connector);
  }
  return g_object_ref (connector);
}

GPtrArray *
concord_engine_load_schema_sync (ConcordConnector  *connector,
                                 const char        *type,
                                 GError           **error)
{
  return concord_connector_load_schema_sync (connector, type, NULL, error);
}

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
} Snapshot;

static void
snapshot_free (gpointer data)
{
  Snapshot *snapshot = data;

  concord_connection_row_free (snapshot->row);
  g_free (snapshot->app_a);
  g_free (snapshot->app_b);
  g_free (snapshot->account_a);
  g_free (snapshot->account_b);
  g_free (snapshot->error);
  g_free (snapshot->code);
  g_free (snapshot->code_side);
  g_free (snapshot);
}

/* What reading each side costs, from the store's counts and the
 * connectors (known once a run has made them). */
static guint
estimate_cadence (ConcordEngine        *self,
                  ConcordConnectionRow *row)
{
  ConcordSideCost cost[2];

  for (guint side = 0; side < 2; side++)
    {
      const char *account = side == CONCORD_SIDE_A ? row->account_a : row->account_b;
      ConcordConnector *connector = g_hash_table_lookup (self->connectors, account);

      cost[side].n_records = MAX (concord_store_count_records (self->store, row->id, side, NULL), 0);
      cost[side].page_size = connector != NULL ? concord_connector_get_page_size (connector) : UNKNOWN_PAGE_SIZE;
      cost[side].budget_per_hour = connector != NULL ? concord_connector_get_rate_budget (connector) : 0;
    }

  return concord_sync_cadence (&cost[CONCORD_SIDE_A], &cost[CONCORD_SIDE_B]);
}

/* Whether a stored run was cancelled, by its code (schema 6). */
static gboolean
is_cancelled_run (const ConcordRunRow *run)
{
  return g_strcmp0 (run->code, concord_error_to_nick (CONCORD_ERROR_CANCELLED)) == 0;
}

static Snapshot *
take_snapshot (ConcordEngine        *self,
               ConcordConnectionRow *row)
{
  Snapshot *snapshot = g_new0 (Snapshot, 1);
  g_autoptr(ConcordAccountRow) a = concord_store_get_account (self->store, row->account_a, NULL);
  g_autoptr(ConcordAccountRow) b = concord_store_get_account (self->store, row->account_b, NULL);
  g_autoptr(GPtrArray) runs = concord_store_list_runs (self->store, row->id, 20, NULL);

  snapshot->row = row;
  snapshot->app_a = g_strdup (a != NULL ? a->app_id : "");
  snapshot->app_b = g_strdup (b != NULL ? b->app_id : "");
  snapshot->account_a = g_strdup (a != NULL ? a->name : row->account_a);
  snapshot->account_b = g_strdup (b != NULL ? b->name : row->account_b);
  snapshot->n_linked = concord_store_count_links (self->store, row->id, NULL);
  if (!concord_store_get_schedule (self->store, row->id, &snapshot->schedule, NULL))
    snapshot->schedule = 0;
  snapshot->cadence = estimate_cadence (self, row);

  /* The newest real run says when it last synced and whether it failed;
   * a run cancelled (Concord quit, the connection was switched off) is
   * no outcome. */
  for (guint i = 0; runs != NULL && i < runs->len; i++)
    {
      ConcordRunRow *run = g_ptr_array_index (runs, i);

      if (run->dry_run || is_cancelled_run (run))
        continue;
      snapshot->last_sync = run->finished != 0 ? run->finished : run->started;
      snapshot->failed = g_strcmp0 (run->status, "ok") != 0;
      snapshot->partial = g_strcmp0 (run->status, "partial") == 0;
      /* An interrupted run (its process died) was never reported. */
      snapshot->streak = snapshot->partial || g_strcmp0 (run->status, "failed") == 0 ||
                         g_strcmp0 (run->status, "aborted") == 0;
      snapshot->error = g_strdup (run->error);
      snapshot->code = g_strdup (run->code);
      snapshot->code_side = g_strdup (run->code_side);
      break;
    }

  return snapshot;
}

/* ------------------------------------------------------------------------- */
/* UI thread helpers                                                         */
/* ------------------------------------------------------------------------- */

ConcordConnectionState *
concord_engine_lookup (ConcordEngine *self,
                       gint64         connection_id)
{
  guint n;

  g_return_val_if_fail (CONCORD_IS_ENGINE (self), NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConcordConnectionState) state = g_list_model_get_item (G_LIST_MODEL (self->connections), i);

      if (state->id == connection_id)
        return state;  /* the store keeps it alive */
    }

  return NULL;
}

static void reschedule (ConcordEngine          *self,
                        ConcordConnectionState *state);

static void
apply_snapshot (ConcordEngine *self,
                Snapshot      *snapshot)
{
  ConcordConnectionState *state = concord_engine_lookup (self, snapshot->row->id);
  gboolean added = state == NULL;

  if (added)
    {
      state = g_object_new (CONCORD_TYPE_CONNECTION_STATE, NULL);
      state->id = snapshot->row->id;
    }

  g_object_freeze_notify (G_OBJECT (state));
  state_set_string (state, &state->name, snapshot->row->name, STATE_PROP_NAME);
  state_set_string (state, &state->app_a, snapshot->app_a, STATE_PROP_APP_A);
  state_set_string (state, &state->app_b, snapshot->app_b, STATE_PROP_APP_B);
  state_set_string (state, &state->account_a, snapshot->account_a, STATE_PROP_ACCOUNT_A);
  state_set_string (state, &state->account_b, snapshot->account_b, STATE_PROP_ACCOUNT_B);
  STATE_SET (state, direction, snapshot->row->direction, STATE_PROP_DIRECTION);
  STATE_SET (state, enabled, snapshot->row->enabled, STATE_PROP_ENABLED);
  STATE_SET (state, last_sync, snapshot->last_sync, STATE_PROP_LAST_SYNC);
  STATE_SET (state, n_linked, snapshot->n_linked, STATE_PROP_N_LINKED);
  STATE_SET (state, schedule, snapshot->schedule, STATE_PROP_SCHEDULE);
  STATE_SET (state, cadence, snapshot->cadence, STATE_PROP_CADENCE);
  /* Failing since before this process started: the same failure streak
   * goes on, and is not reported again (see run_done_cb()). */
  if (added && snapshot->failed)
    {
      g_autofree char *explanation = NULL;
      g_autofree char *fix = NULL;
      ConcordError code;

      state->error_code = -1;
      if (snapshot->partial)
        explanation = g_strdup (_("Some contacts could not be written; Concord will try again"));
      else if (snapshot->streak && concord_error_from_nick (snapshot->code, &code))
        {
          const char *who = g_strcmp0 (snapshot->code_side, "a") == 0 ? snapshot->account_a
                          : g_strcmp0 (snapshot->code_side, "b") == 0 ? snapshot->account_b : NULL;

          concord_error_explain (code, who, NULL, &explanation, &fix);
          state->error_code = code;
        }
      /* Stored by an older Concord: its words as they are. */
      else if (snapshot->streak && snapshot->error != NULL)
        explanation = concord_activity_clean_text (snapshot->error, 200);
      else
        explanation = g_strdup (_("The last sync did not finish"));
      g_free (state->error_fix);
      state->error_fix = g_steal_pointer (&fix);
      state_set_string (state, &state->error, explanation, STATE_PROP_ERROR);
      state->n_failures = snapshot->streak ? 1 : 0;
    }
  state_update_status (state, g_hash_table_contains (self->queued, &state->id));
  g_object_thaw_notify (G_OBJECT (state));

  if (added)
    {
      g_list_store_append (self->connections, state);
      g_object_unref (state);
    }
  reschedule (self, state);
}

/* ------------------------------------------------------------------------- */
/* Opening                                                                   */
/* ------------------------------------------------------------------------- */

static void
open_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  GPtrArray *snapshots;

  if (!concord_engine_ensure_store (self, &error) ||
      (rows = concord_store_list_connections (self->store, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  snapshots = g_ptr_array_new_with_free_func (snapshot_free);
  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (snapshots, take_snapshot (self, g_steal_pointer (&rows->pdata[i])));

  g_task_return_pointer (task, snapshots, (GDestroyNotify) g_ptr_array_unref);
}

/**
 * concord_engine_open_async:
 *
 * Opens the store on the engine thread and fills the list of connections.
 */
void
concord_engine_open_async (ConcordEngine       *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_engine_open_async);
  concord_worker_thread_queue (self->worker, task, open_worker);
}

gboolean
concord_engine_open_finish (ConcordEngine  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_autoptr(GPtrArray) snapshots = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  snapshots = g_task_propagate_pointer (G_TASK (result), error);
  if (snapshots == NULL)
    return FALSE;

  for (guint i = 0; i < snapshots->len; i++)
    apply_snapshot (self, g_ptr_array_index (snapshots, i));

  return TRUE;
}

GListModel *
concord_engine_get_connections (ConcordEngine *self)
{
  g_return_val_if_fail (CONCORD_IS_ENGINE (self), NULL);

  return G_LIST_MODEL (self->connections);
}

gboolean
concord_engine_has_enabled (ConcordEngine *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConcordConnectionState) state = g_list_model_get_item (G_LIST_MODEL (self->connections), i);

      if (state->enabled)
        return TRUE;
    }

  return FALSE;
}

/* ------------------------------------------------------------------------- */
/* Runs                                                                      */
/* ------------------------------------------------------------------------- */

typedef struct
{
  ConcordEngine    *engine;     /* (owned) */
  gint64            id;
  gboolean          dry_run;
  gint64            last_post;  /* engine thread: when progress was last sent */
  gboolean          ok;
  gboolean          busy;       /* another process runs the connection: try again later */
  ConcordRunSummary summary;
  GError           *error;
  Snapshot         *snapshot;
  char             *account_id[2];  /* (nullable) each side's account, once read */
  gboolean          refused[2];     /* the side's app refused its key */
  gboolean          summary_failed; /* it failed for its failed writes */
  char             *fix;            /* (nullable) what to do about @error, for people */
} RunJob;

static void
run_job_free (gpointer data)
{
  RunJob *job = data;

  g_clear_object (&job->engine);
  concord_run_summary_clear (&job->summary);
  g_clear_error (&job->error);
  g_clear_pointer (&job->snapshot, snapshot_free);
  g_free (job->account_id[0]);
  g_free (job->account_id[1]);
  g_free (job->fix);
  g_free (job);
}

typedef struct
{
  ConcordEngine  *engine;
  gint64          id;
  ConcordRunPhase phase;
  guint           done;
  guint           total;
} Progress;

static gboolean
post_progress_cb (gpointer data)
{
  Progress *progress = data;
  ConcordConnectionState *state = concord_engine_lookup (progress->engine, progress->id);
  g_autofree char *text = NULL;
  double fraction;

  if (state == NULL || state->status != CONCORD_CONNECTION_RUNNING)
    return G_SOURCE_REMOVE;

  if (progress->phase == CONCORD_RUN_READING)
    {
      /* How many there are is unknown until both sides are read. */
      text = progress->done == 0 ? g_strdup ("Reading contacts…")
                                 : g_strdup_printf ("%u contacts read", progress->done);
      fraction = 0;
    }
  else
    {
      text = g_strdup_printf ("%u of %u changes written", progress->done, progress->total);
      fraction = progress->total > 0 ? (double) progress->done / progress->total : 1;
    }

  state_set_string (state, &state->progress, text, STATE_PROP_PROGRESS);
  STATE_SET (state, fraction, fraction, STATE_PROP_FRACTION);
  return G_SOURCE_REMOVE;
}

static void
progress_free (gpointer data)
{
  Progress *progress = data;

  g_object_unref (progress->engine);
  g_free (progress);
}

/* On the engine thread: at most ten updates a second reach the UI. */
static void
on_run_progress (ConcordRunPhase phase,
                 guint           done,
                 guint           total,
                 gpointer        user_data)
{
  RunJob *job = user_data;
  gint64 now = g_get_monotonic_time ();
  Progress *progress;

  if (now - job->last_post < G_USEC_PER_SEC / 10 && !(phase == CONCORD_RUN_WRITING && done == total))
    return;
  job->last_post = now;

  progress = g_new0 (Progress, 1);
  progress->engine = g_object_ref (job->engine);
  progress->id = job->id;
  progress->phase = phase;
  progress->done = done;
  progress->total = total;
  g_main_context_invoke_full (job->engine->context, G_PRIORITY_DEFAULT, post_progress_cb, progress,
                              progress_free);
}

/* The one line a person reads in the window and the notification, and
 * what to do: made from the error's code and side, never from its
 * message. The technical detail goes to the log. */
static char *
human_error (const GError  *error,
             const char    *account_a,
             const char    *account_b,
             char         **fix)
{
  int side = concord_error_get_side (error);
  char *title = NULL;

  concord_error_explain (concord_error_code_of (error),
                         side == CONCORD_SIDE_A ? account_a : side == CONCORD_SIDE_B ? account_b : NULL,
                         NULL, &title, fix);

  return title;
}

/* On the engine thread: a run that failed before it began. */
static void
record_failed_run (ConcordEngine *self,
                   gint64         connection_id,
                   const GError  *failure)
{
  g_autoptr(GError) error = NULL;
  gint64 run_id;

  if ((run_id = concord_store_begin_run (self->store, connection_id, FALSE, &error)) == 0 &&
      g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_BUSY))
    return;  /* another process runs it now: its run is the news */

  if (run_id == 0 ||
      !concord_store_finish_run (self->store, run_id, "failed", NULL, &error) ||
      !concord_store_set_run_error (self->store, run_id, failure, &error))
    g_warning ("Could not record the failed run of connection %" G_GINT64_FORMAT ": %s",
               connection_id, error->message);
}

static void
run_worker (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  RunJob *job = task_data;
  g_autoptr(ConcordConnectionRow) row = NULL;
  g_autoptr(GPtrArray) schema_a = NULL;
  g_autoptr(GPtrArray) schema_b = NULL;
  g_autoptr(ConcordConnector) a = NULL;
  g_autoptr(ConcordConnector) b = NULL;
  ConcordSyncConfig config;
  gboolean started = FALSE;
  ConcordRunOptions options = {
    .dry_run = job->dry_run,
    .progress = on_run_progress,
    .progress_data = job,
  };

  /* Out of the queue: say it has started. */
  if (!job->dry_run)
    on_run_progress (CONCORD_RUN_READING, 0, 0, job);

  if (!concord_engine_ensure_store (self, &job->error) ||
      (row = concord_store_get_connection_by_id (self->store, job->id, &job->error)) == NULL)
    job->ok = FALSE;
  /* Another process runs it: wait, without asking the apps for anything. */
  else if (!job->dry_run && concord_store_is_run_going (self->store, row->id))
    {
      job->busy = TRUE;
      job->ok = FALSE;
    }
  /* Which side failed says whom to name to the user. */
  else if ((a = concord_engine_get_connector (self, row->account_a, &job->error)) == NULL ||
           (schema_a = concord_engine_load_schema_sync (a, row->type_a, &job->error)) == NULL)
    {
      concord_error_tag_side (&job->error, CONCORD_SIDE_A);
      g_prefix_error (&job->error, "Reading side a failed: ");
      job->ok = FALSE;
    }
  else if ((b = concord_engine_get_connector (self, row->account_b, &job->error)) == NULL ||
           (schema_b = concord_engine_load_schema_sync (b, row->type_b, &job->error)) == NULL)
    {
      concord_error_tag_side (&job->error, CONCORD_SIDE_B);
      g_prefix_error (&job->error, "Reading side b failed: ");
      job->ok = FALSE;
    }
  else if (!concord_sync_config_init_for_connection (&config, row, schema_a, schema_b, &job->error))
    job->ok = FALSE;
  else
    {
      started = TRUE;
      job->ok = concord_sync_run_connection (self->store, row, &config, a, b, &options, cancellable,
                                             &job->summary, &job->error);
      concord_sync_config_clear (&config);
      job->busy = g_error_matches (job->error, CONCORD_ERROR, CONCORD_ERROR_BUSY);
    }

  if (job->busy)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* Failed before a run could start (a refused key, an app out of reach
   * while reading the fields): still a failed run for the activity, the
   * health summary and the next start. */
  if (!job->ok && !started && !job->dry_run && row != NULL && job->error != NULL &&
      !g_error_matches (job->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    record_failed_run (self, row->id, job->error);

  /* Failed writes fail the run for the person too (the journal has each
   * one's reason); the next run retries them. */
  if (job->ok && !job->dry_run && job->summary.failed[0] + job->summary.failed[1] > 0)
    {
      guint n = job->summary.failed[0] + job->summary.failed[1];

      job->ok = FALSE;
      job->summary_failed = TRUE;
      job->error = g_error_new (CONCORD_ERROR, CONCORD_ERROR_FAILED,
                                /* Translators: %u is a number of contacts */
                                ngettext ("%u contact could not be written; Concord will try again",
                                          "%u contacts could not be written; Concord will try again",
                                          n), n);
    }

  if (row != NULL)
    {
      job->account_id[0] = g_strdup (row->account_a);
      job->account_id[1] = g_strdup (row->account_b);
    }

  /* A refused key may have been replaced in the keyring: read it again.
   * Which side's key it was is the error's side. */
  if (!job->ok && row != NULL && job->error != NULL &&
      concord_error_is_key_problem (concord_error_code_of (job->error)))
    {
      int side = concord_error_get_side (job->error);
      gboolean side_a = side == CONCORD_SIDE_A;
      gboolean side_b = side == CONCORD_SIDE_B;

      job->refused[0] = side_a || !side_b;
      job->refused[1] = side_b || !side_a;
      g_hash_table_remove (self->connectors, row->account_a);
      g_hash_table_remove (self->connectors, row->account_b);
    }

  if (!job->dry_run && row != NULL)
    job->snapshot = take_snapshot (self, g_steal_pointer (&row));

  if (!job->ok && job->error != NULL && job->snapshot != NULL)
    {
      g_autofree char *human = NULL;

      /* Failed writes: the activity has each one's reason. */
      if (job->summary_failed)
        job->fix = g_strdup (_("The connection’s activity lists each contact and why."));
      else
        human = human_error (job->error, job->snapshot->account_a, job->snapshot->account_b, &job->fix);

      g_info ("Connection %" G_GINT64_FORMAT ": %s", job->id, job->error->message);
      if (human != NULL)
        {
          g_free (job->error->message);
          job->error->message = g_steal_pointer (&human);
        }
    }

  g_task_return_boolean (task, TRUE);
}

static void wait_for_other_run (ConcordEngine *self,
                                gint64         connection_id);
static void queue_run          (ConcordEngine *self,
                                gint64         connection_id);

static void
run_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  ConcordEngine *self = CONCORD_ENGINE (object);
  RunJob *job = g_task_get_task_data (G_TASK (result));
  ConcordConnectionState *state;
  gboolean was_failing;

  if (job->busy && !g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))) &&
      (state = concord_engine_lookup (self, job->id)) != NULL)
    {
      /* Still queued and "running": it runs once the other one is over. */
      state_set_string (state, &state->progress,
                        _("Waiting for another sync of this connection to finish…"),
                        STATE_PROP_PROGRESS);
      wait_for_other_run (self, job->id);
      return;
    }

  g_hash_table_remove (self->queued, &job->id);
  if (g_hash_table_lookup (self->runs, &job->id) == g_task_get_cancellable (G_TASK (result)))
    g_hash_table_remove (self->runs, &job->id);

  state = concord_engine_lookup (self, job->id);
  if (state == NULL)
    return;  /* removed meanwhile */

  /* Stopped while it waited for another process's run: it never ran. */
  if (job->busy)
    {
      state_set_string (state, &state->progress, NULL, STATE_PROP_PROGRESS);
      state_update_status (state, FALSE);
      return;
    }

  g_object_ref (state);
  g_object_freeze_notify (G_OBJECT (state));
  state->run_end = g_get_monotonic_time ();
  was_failing = state->n_failures > 0;
  if (job->snapshot != NULL)
    apply_snapshot (self, job->snapshot);

  /* What the accounts' keys did in this run. */
  for (guint i = 0; i < 2; i++)
    if (job->account_id[i] != NULL && job->ok)
      g_hash_table_remove (self->refused, job->account_id[i]);
    else if (job->account_id[i] != NULL && job->refused[i])
      g_hash_table_add (self->refused, g_strdup (job->account_id[i]));

  if (job->ok)
    {
      state->n_failures = 0;
      state->error_code = -1;
      g_clear_pointer (&state->error_fix, g_free);
      state_set_string (state, &state->error, NULL, STATE_PROP_ERROR);
    }
  else if (!g_error_matches (job->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      state->n_failures++;
      state->error_code = job->error != NULL && !job->summary_failed
                          ? (int) concord_error_code_of (job->error) : -1;
      g_free (state->error_fix);
      state->error_fix = g_strdup (job->fix);
      state_set_string (state, &state->error, job->error != NULL ? job->error->message : "The sync failed",
                        STATE_PROP_ERROR);
    }
  state_set_string (state, &state->progress, NULL, STATE_PROP_PROGRESS);
  STATE_SET (state, fraction, 0.0, STATE_PROP_FRACTION);
  state_update_status (state, FALSE);
  g_object_thaw_notify (G_OBJECT (state));

  g_signal_emit (self, signals[SIGNAL_RUN_FINISHED], 0, state, job->ok);
  if (!job->ok && state->n_failures == 1)
    g_signal_emit (self, signals[SIGNAL_CONNECTION_FAILING], 0, state, state->error);
  else if (job->ok && was_failing)
    g_signal_emit (self, signals[SIGNAL_CONNECTION_RECOVERED], 0, state);

  /* An app reported a change while it ran: what the run read may be
   * older than it, so run again; otherwise the next one is scheduled. */
  if (g_hash_table_remove (self->again, &job->id) && state->enabled &&
      concord_engine_lookup (self, job->id) != NULL)
    queue_run (self, job->id);
  else
    reschedule (self, state);
  g_object_unref (state);
}

static void
start_run (ConcordEngine *self,
           gint64         connection_id)
{
  g_autoptr(GTask) task = NULL;
  GCancellable *cancellable;
  RunJob *job;

  job = g_new0 (RunJob, 1);
  job->engine = g_object_ref (self);
  job->id = connection_id;

  cancellable = g_cancellable_new ();
  g_hash_table_replace (self->runs, g_memdup2 (&connection_id, sizeof connection_id), cancellable);
  if (g_cancellable_is_cancelled (self->cancellable))
    g_cancellable_cancel (cancellable);

  task = g_task_new (self, cancellable, run_done_cb, NULL);
  g_task_set_source_tag (task, start_run);
  g_task_set_task_data (task, job, run_job_free);
  concord_worker_thread_queue (self->worker, task, run_worker);
}

typedef struct
{
  ConcordEngine *engine;  /* (unowned) the engine destroys the source first */
  gint64         id;
} Waiting;

static gboolean
on_wait_over_cb (gpointer data)
{
  Waiting *waiting = data;
  ConcordEngine *self = waiting->engine;
  gint64 id = waiting->id;
  gpointer key = NULL;
  gpointer source = NULL;

  /* Out of the table without destroying it: it is being dispatched. */
  if (g_hash_table_steal_extended (self->waiting, &id, &key, &source))
    {
      g_free (key);
      g_source_unref (source);
    }

  if (concord_engine_lookup (self, id) == NULL)
    g_hash_table_remove (self->queued, &id);  /* removed meanwhile */
  else
    start_run (self, id);

  return G_SOURCE_REMOVE;
}

/* Another process runs the connection: try again in a few seconds (the
 * run asks the store first, so a retry costs nothing while it waits). */
static void
wait_for_other_run (ConcordEngine *self,
                    gint64         connection_id)
{
  GSource *source = g_timeout_source_new_seconds (2);
  Waiting *waiting = g_new0 (Waiting, 1);

  waiting->engine = self;
  waiting->id = connection_id;
  g_source_set_callback (source, on_wait_over_cb, waiting, g_free);
  g_source_set_name (source, "[concord] waiting for another run");
  g_source_attach (source, self->context);
  g_hash_table_replace (self->waiting, g_memdup2 (&connection_id, sizeof connection_id), source);
}

static void
queue_run (ConcordEngine *self,
           gint64         connection_id)
{
  ConcordConnectionState *state = concord_engine_lookup (self, connection_id);

  if (state == NULL || g_hash_table_contains (self->queued, &connection_id))
    return;

  g_hash_table_add (self->queued, g_memdup2 (&connection_id, sizeof connection_id));
  g_hash_table_remove (self->timers, &connection_id);
  g_hash_table_remove (self->debounce, &connection_id);
  STATE_SET (state, next_sync, 0, STATE_PROP_NEXT_SYNC);
  state_set_string (state, &state->progress, "Waiting…", STATE_PROP_PROGRESS);
  state_update_status (state, TRUE);

  start_run (self, connection_id);
}

/**
 * concord_engine_sync_now:
 *
 * Queues a run of the connection, whether it is on or not (the user
 * asked); does nothing if one is queued or going.
 */
void
concord_engine_sync_now (ConcordEngine *self,
                         gint64         connection_id)
{
  g_return_if_fail (CONCORD_IS_ENGINE (self));

  queue_run (self, connection_id);
}

/**
 * concord_engine_sync_all:
 *
 * Queues a run of every connection that is on.
 */
void
concord_engine_sync_all (ConcordEngine *self)
{
  guint n;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConcordConnectionState) state = g_list_model_get_item (G_LIST_MODEL (self->connections), i);

      if (state->enabled)
        queue_run (self, state->id);
    }
}

/* ------------------------------------------------------------------------- */
/* Schedules                                                                 */
/* ------------------------------------------------------------------------- */

typedef struct
{
  ConcordEngine *engine;  /* (unowned) the engine destroys the source first */
  gint64         id;
  GHashTable    *table;   /* (unowned) the engine's table the source is in */
} Timer;

/* Steals a dispatching source out of its table without destroying it. */
static void
steal_source (GHashTable *table,
              gint64      id)
{
  gpointer key = NULL;
  gpointer source = NULL;

  if (g_hash_table_steal_extended (table, &id, &key, &source))
    {
      g_free (key);
      g_source_unref (source);
    }
}

static void
add_timer (ConcordEngine *self,
           GHashTable    *table,
           gint64         connection_id,
           gint64         delay_us,
           GSourceFunc    callback,
           const char    *name)
{
  GSource *source;
  Timer *timer = g_new0 (Timer, 1);

  /* Whole seconds let the system wake once for many timers; a scaled
   * clock (tests) needs finer ones. */
  if (self->clock_scale == 1.0)
    source = g_timeout_source_new_seconds ((guint) MIN ((delay_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC,
                                                        G_MAXUINT));
  else
    source = g_timeout_source_new ((guint) MIN (delay_us / 1000, G_MAXUINT));

  timer->engine = self;
  timer->id = connection_id;
  timer->table = table;
  g_source_set_callback (source, callback, timer, g_free);
  g_source_set_name (source, name);
  g_source_attach (source, self->context);
  g_hash_table_replace (table, g_memdup2 (&connection_id, sizeof connection_id), source);
}

/* Seconds between the end of a run and the next: the engine's override,
 * the connection's own schedule or the automatic one; doubled for each
 * failure in a row. */
static guint
schedule_delay (ConcordEngine          *self,
                ConcordConnectionState *state)
{
  guint delay;

  if (self->interval > 0)
    delay = self->interval;
  else if (state->schedule > 0)
    delay = state->schedule;
  else
    delay = state->cadence > 0 ? state->cadence : CONCORD_CADENCE_MIN_SECONDS;

  if (state->n_failures > 0)
    {
      guint64 backoff = (guint64) delay << MIN (state->n_failures - 1, 12);

      delay = (guint) MIN (backoff, MAX (delay, MAX_BACKOFF_SECONDS));
    }

  return delay;
}

static gboolean
on_scheduled_cb (gpointer data)
{
  Timer *timer = data;
  ConcordEngine *self = timer->engine;
  gint64 id = timer->id;
  ConcordConnectionState *state;

  steal_source (self->timers, id);
  state = concord_engine_lookup (self, id);
  if (state != NULL && state->enabled)
    queue_run (self, id);

  return G_SOURCE_REMOVE;
}

/* Sets the timer of the connection's next run, counted from the end of
 * its last run (or from now before any), or none while it is off,
 * running or the schedules are not started. */
static void
reschedule (ConcordEngine          *self,
            ConcordConnectionState *state)
{
  gint64 now = g_get_monotonic_time ();
  gint64 delay_us, due;

  g_hash_table_remove (self->timers, &state->id);

  if (!self->scheduling || !state->enabled ||
      g_hash_table_contains (self->queued, &state->id))
    {
      STATE_SET (state, next_sync, 0, STATE_PROP_NEXT_SYNC);
      return;
    }

  delay_us = (gint64) ((double) schedule_delay (self, state) * G_USEC_PER_SEC / self->clock_scale);
  due = MAX ((state->run_end > 0 ? state->run_end : now) + delay_us, now);
  add_timer (self, self->timers, state->id, due - now, on_scheduled_cb, "[concord] scheduled sync");
  STATE_SET (state, next_sync, due, STATE_PROP_NEXT_SYNC);
}

static void
reschedule_all (ConcordEngine *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConcordConnectionState) state = g_list_model_get_item (G_LIST_MODEL (self->connections), i);

      reschedule (self, state);
    }
}

/**
 * concord_engine_set_interval:
 * @seconds: time between runs of every connection, whatever its own
 *   schedule; 0: each connection's own schedule
 *
 * For tests and the CONCORD_SYNC_INTERVAL_SECONDS override.
 */
void
concord_engine_set_interval (ConcordEngine *self,
                             guint          seconds)
{
  g_return_if_fail (CONCORD_IS_ENGINE (self));

  self->interval = seconds;
  reschedule_all (self);
}

/**
 * concord_engine_start_schedule:
 *
 * From now on connections run by themselves, each on its schedule, and
 * soon after an app reports a change. Before, they run only when asked.
 */
void
concord_engine_start_schedule (ConcordEngine *self)
{
  g_return_if_fail (CONCORD_IS_ENGINE (self));

  self->scheduling = TRUE;
  reschedule_all (self);
}

/**
 * concord_engine_set_clock_scale:
 * @scale: how many times faster every delay of the schedules passes (1: real
 *   time); for tests (CONCORD_SYNC_CLOCK_SCALE)
 */
void
concord_engine_set_clock_scale (ConcordEngine *self,
                                double         scale)
{
  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (scale >= 1.0);

  self->clock_scale = scale;
  reschedule_all (self);
}

/* Network back, or awake again: every connection that is on runs now. */
static void
sync_all_now (ConcordEngine *self,
              const char    *why)
{
  g_debug ("%s: syncing every connection now", why);
  concord_engine_sync_all (self);
}

static void
on_network_changed_cb (GNetworkMonitor *monitor,
                       gboolean         available,
                       ConcordEngine   *self)
{
  gboolean was_available = self->network_available;

  self->network_available = available;
  if (available && !was_available)
    sync_all_now (self, "The network is back");
}

/**
 * concord_engine_watch_network:
 * @monitor: (nullable): the network monitor (g_network_monitor_get_default(),
 *   or a test's); %NULL to stop watching
 *
 * Every connection that is on runs when the network becomes available again.
 */
void
concord_engine_watch_network (ConcordEngine   *self,
                              GNetworkMonitor *monitor)
{
  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (monitor == NULL || G_IS_NETWORK_MONITOR (monitor));

  if (self->network != NULL)
    g_signal_handlers_disconnect_by_data (self->network, self);
  g_set_object (&self->network, monitor);
  if (monitor == NULL)
    return;

  self->network_available = g_network_monitor_get_network_available (monitor);
  g_signal_connect (monitor, "network-changed", G_CALLBACK (on_network_changed_cb), self);
}

static void
on_prepare_for_sleep_cb (GDBusConnection *connection,
                         const char      *sender,
                         const char      *path,
                         const char      *interface,
                         const char      *signal,
                         GVariant        *parameters,
                         gpointer         user_data)
{
  gboolean sleeping = TRUE;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(b)")))
    return;
  g_variant_get (parameters, "(b)", &sleeping);
  if (!sleeping)
    sync_all_now (user_data, "Resumed from suspend");
}

/**
 * concord_engine_watch_sleep:
 * @system_bus: (nullable): where logind is (the system bus, or a test's);
 *   %NULL to stop watching
 *
 * Every connection that is on runs when the computer wakes from suspend
 * (org.freedesktop.login1.Manager's PrepareForSleep (false)). Without
 * logind the signal never comes, and nothing else changes.
 */
void
concord_engine_watch_sleep (ConcordEngine   *self,
                            GDBusConnection *system_bus)
{
  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (system_bus == NULL || G_IS_DBUS_CONNECTION (system_bus));

  if (self->sleep_watch != 0)
    g_dbus_connection_signal_unsubscribe (self->system_bus, self->sleep_watch);
  self->sleep_watch = 0;
  g_set_object (&self->system_bus, system_bus);
  if (system_bus == NULL)
    return;

  /* The engine unsubscribes in dispose, before it goes. */
  self->sleep_watch = g_dbus_connection_signal_subscribe (system_bus, "org.freedesktop.login1",
                                                          "org.freedesktop.login1.Manager",
                                                          "PrepareForSleep", "/org/freedesktop/login1",
                                                          NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                          on_prepare_for_sleep_cb, self, NULL);
}

static gboolean
on_change_settled_cb (gpointer data)
{
  Timer *timer = data;
  ConcordEngine *self = timer->engine;
  gint64 id = timer->id;
  ConcordConnectionState *state;

  steal_source (self->debounce, id);
  state = concord_engine_lookup (self, id);
  if (state == NULL || !state->enabled)
    return G_SOURCE_REMOVE;

  if (g_hash_table_contains (self->queued, &id))
    g_hash_table_add (self->again, g_memdup2 (&id, sizeof id));
  else
    queue_run (self, id);

  return G_SOURCE_REMOVE;
}

typedef struct
{
  ConcordEngine *engine;  /* (owned) */
  GArray        *ids;     /* (owned) gint64 */
} Changed;

static void
changed_free (gpointer data)
{
  Changed *changed = data;

  g_object_unref (changed->engine);
  g_array_unref (changed->ids);
  g_free (changed);
}

/* On the UI thread: the connections of an account whose app changed run
 * once the changes have been quiet for a few seconds. */
static gboolean
post_changed_cb (gpointer data)
{
  Changed *changed = data;
  ConcordEngine *self = changed->engine;
  gint64 delay_us = (gint64) ((double) CHANGE_DELAY_SECONDS * G_USEC_PER_SEC / self->clock_scale);

  if (!self->scheduling)
    return G_SOURCE_REMOVE;

  for (guint i = 0; i < changed->ids->len; i++)
    {
      gint64 id = g_array_index (changed->ids, gint64, i);

      add_timer (self, self->debounce, id, delay_us, on_change_settled_cb, "[concord] change reported");
    }

  return G_SOURCE_REMOVE;
}

/* On the engine thread: an app reported a change. */
static void
on_connector_changed_cb (ConcordConnector *connector,
                         gpointer          user_data)
{
  ChangeWatch *watch = user_data;
  ConcordEngine *self = watch->engine;
  g_autoptr(GPtrArray) rows = NULL;
  Changed *changed;

  if (self->store == NULL || (rows = concord_store_list_connections (self->store, NULL)) == NULL)
    return;

  changed = g_new0 (Changed, 1);
  changed->engine = g_object_ref (self);
  changed->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < rows->len; i++)
    {
      ConcordConnectionRow *row = g_ptr_array_index (rows, i);

      if (g_strcmp0 (row->account_a, watch->account_id) == 0 ||
          g_strcmp0 (row->account_b, watch->account_id) == 0)
        g_array_append_val (changed->ids, row->id);
    }
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, post_changed_cb, changed, changed_free);
}

/**
 * concord_engine_stop:
 *
 * Stops the schedules and cancels the runs queued or going (between batches:
 * what was written is committed).
 */
void
concord_engine_stop (ConcordEngine *self)
{
  GHashTableIter iter;
  gint64 *id;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  self->scheduling = FALSE;
  g_hash_table_remove_all (self->timers);
  g_hash_table_remove_all (self->debounce);
  g_hash_table_remove_all (self->again);
  reschedule_all (self);

  /* Runs waiting for another process's run are not going either. */
  g_hash_table_iter_init (&iter, self->waiting);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
    {
      ConcordConnectionState *state = concord_engine_lookup (self, *id);

      g_hash_table_remove (self->queued, id);
      if (state != NULL)
        {
          state_set_string (state, &state->progress, NULL, STATE_PROP_PROGRESS);
          state_update_status (state, FALSE);
        }
      g_hash_table_iter_remove (&iter);
    }

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  cancel_runs (self);
}

/* ------------------------------------------------------------------------- */
/* Simple jobs                                                               */
/* ------------------------------------------------------------------------- */


void
concord_engine_job_free (gpointer data)
{
  Job *job = data;

  g_free (job->app_id);
  g_free (job->name);
  g_free (job->options_json);
  concord_secret_free (job->secret);
  g_free (job->account_id);
  g_free (job->type);
  g_free (job->config_json);
  g_free (job->row.name);
  g_free (job->row.account_a);
  g_free (job->row.type_a);
  g_free (job->row.account_b);
  g_free (job->row.type_b);
  g_free (job->row.config_json);
  g_free (job);
}

GTask *
concord_engine_job_task (ConcordEngine       *self,
                         gpointer             tag,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data,
                         Job                **job)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  *job = g_new0 (Job, 1);
  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, *job, concord_engine_job_free);
  return task;
}

static gboolean
verify (ConcordEngine  *self,
        Job            *job,
        GError        **error)
{
  g_autoptr(ConcordConnector) connector = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  connector = self->create_connector (job->app_id, job->options_json, job->secret, error);
  if (connector == NULL)
    return FALSE;
  concord_connector_verify_async (connector, NULL, concord_engine_store_result_cb, &slot);
  result = concord_engine_wait_slot (&slot);
  return concord_connector_verify_finish (connector, result, error);
}

static void
verify_worker (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;

  if (verify (source_object, task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * concord_engine_verify_async:
 *
 * Checks an API key against its app, on the engine thread.
 */
void
concord_engine_verify_async (ConcordEngine       *self,
                             const char          *app_id,
                             const char          *options_json,
                             const char          *secret,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (app_id != NULL && secret != NULL);

  task = concord_engine_job_task (self, concord_engine_verify_async, cancellable, callback, user_data, &job);
  job->app_id = g_strdup (app_id);
  job->options_json = g_strdup (options_json);
  job->secret = g_strdup (secret);
  concord_worker_thread_queue (self->worker, task, verify_worker);
}

gboolean
concord_engine_verify_finish (ConcordEngine  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
add_account_worker (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  Job *job = task_data;
  GError *error = NULL;
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *label = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  /* A name the store would refuse (or another account has) is refused
   * before the key goes anywhere. */
  if (!concord_store_check_name (job->name, &error) ||
      !concord_engine_ensure_store (self, &error) ||
      !concord_store_check_account_name (self->store, job->name, &error) ||
      !verify (self, job, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* The key goes to the keyring first: an account row never exists
   * without its key. */
  label = g_strdup_printf ("Concord: %s", job->name);
  concord_secret_store_store_async (self->secrets, id, job->app_id, label, job->secret, NULL,
                                    concord_engine_store_result_cb, &slot);
  result = concord_engine_wait_slot (&slot);
  if (!concord_secret_store_store_finish (self->secrets, result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (!concord_store_add_account (self->store, id, job->app_id, job->name, job->options_json, &error))
    {
      g_autoptr(GAsyncResult) cleared = NULL;

      /* No account, no key of it in the keyring. */
      slot = NULL;
      concord_secret_store_clear_async (self->secrets, id, NULL, concord_engine_store_result_cb, &slot);
      cleared = concord_engine_wait_slot (&slot);
      concord_secret_store_clear_finish (self->secrets, cleared, NULL);
      g_task_return_error (task, error);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&id), g_free);
}

/**
 * concord_engine_add_account_async:
 *
 * Checks the key, stores it in the keyring and adds the account.
 */
void
concord_engine_add_account_async (ConcordEngine       *self,
                                  const char          *app_id,
                                  const char          *name,
                                  const char          *options_json,
                                  const char          *secret,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (app_id != NULL && name != NULL && secret != NULL);

  task = concord_engine_job_task (self, concord_engine_add_account_async, cancellable, callback, user_data, &job);
  job->app_id = g_strdup (app_id);
  job->name = g_strdup (name);
  job->options_json = g_strdup (options_json);
  job->secret = g_strdup (secret);
  concord_worker_thread_queue (self->worker, task, add_account_worker);
}

/**
 * concord_engine_add_account_finish:
 *
 * Returns: (transfer full): the new account's id
 */
char *
concord_engine_add_account_finish (ConcordEngine  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
remove_account_worker (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  Job *job = task_data;
  GError *error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  /* The row first (refused while a connection uses it), then the key. */
  if (!concord_engine_ensure_store (self, &error) || !concord_store_remove_account (self->store, job->account_id, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_hash_table_remove (self->connectors, job->account_id);

  /* FALSE without an error: there was no key to remove (fine). */
  concord_secret_store_clear_async (self->secrets, job->account_id, NULL, concord_engine_store_result_cb, &slot);
  result = concord_engine_wait_slot (&slot);
  if (!concord_secret_store_clear_finish (self->secrets, result, &error) && error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * concord_engine_remove_account_async:
 *
 * Removes an account no connection uses, and its key from the keyring.
 */
void
concord_engine_remove_account_async (ConcordEngine       *self,
                                     const char          *account_id,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (account_id != NULL);

  task = concord_engine_job_task (self, concord_engine_remove_account_async, cancellable, callback, user_data, &job);
  job->account_id = g_strdup (account_id);
  concord_worker_thread_queue (self->worker, task, remove_account_worker);
}

gboolean
concord_engine_remove_account_finish (ConcordEngine  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
list_accounts_worker (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  GPtrArray *accounts = NULL;
  GError *error = NULL;

  if (!concord_engine_ensure_store (self, &error) ||
      (accounts = concord_store_list_accounts (self->store, &error)) == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, accounts, (GDestroyNotify) g_ptr_array_unref);
}

/**
 * concord_engine_list_accounts_async:
 *
 * Reads the accounts (no secrets) on the engine thread.
 */
void
concord_engine_list_accounts_async (ConcordEngine       *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = concord_engine_job_task (self, concord_engine_list_accounts_async, cancellable,
                                  callback, user_data, &job);
  concord_worker_thread_queue (self->worker, task, list_accounts_worker);
}

/**
 * concord_engine_list_accounts_finish:
 *
 * Returns: (transfer container) (element-type ConcordAccountRow): the
 *   accounts, or %NULL with @error set
 */
GPtrArray *
concord_engine_list_accounts_finish (ConcordEngine  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * concord_engine_get_key_refused:
 * @account_id: an account
 *
 * Returns: whether an app refused the account's key in the last run of a
 *   connection that uses it (and it was not replaced since)
 */
gboolean
concord_engine_get_key_refused (ConcordEngine *self,
                                const char    *account_id)
{
  g_return_val_if_fail (CONCORD_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (account_id != NULL, FALSE);

  return g_hash_table_contains (self->refused, account_id);
}

/* The task of an account job whose result the UI thread acts on before
 * the caller hears of it: @done gets the job's result, with the caller's
 * task (tagged @tag) as its user data, and must complete that task. The
 * job itself is not cancellable: what the engine thread did is acted on
 * even when the caller is gone. */
static GTask *
account_job_task (ConcordEngine        *self,
                  gpointer              tag,
                  GCancellable         *cancellable,
                  GAsyncReadyCallback   callback,
                  gpointer              user_data,
                  GAsyncReadyCallback   done,
                  Job                 **job)
{
  GTask *outer = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (outer, tag);
  return concord_engine_job_task (self, tag, NULL, done, outer, job);
}

static void
replace_key_worker (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  Job *job = task_data;   /* account_id, secret */
  GError *error = NULL;
  g_autoptr(ConcordAccountRow) account = NULL;
  g_autofree char *label = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  if (!concord_engine_ensure_store (self, &error) ||
      (account = concord_store_get_account (self->store, job->account_id, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* Checked with the account's app and options first: a key the app
   * refuses never replaces the one in the keyring. */
  job->app_id = g_strdup (account->app_id);
  job->options_json = g_strdup (account->options_json);
  if (!verify (self, job, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* The same attributes: the keyring replaces the old secret. */
  label = g_strdup_printf ("Concord: %s", account->name);
  concord_secret_store_store_async (self->secrets, account->id, account->app_id, label, job->secret,
                                    NULL, concord_engine_store_result_cb, &slot);
  result = concord_engine_wait_slot (&slot);
  if (!concord_secret_store_store_finish (self->secrets, result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* The next run makes its connector with the new key. */
  g_hash_table_remove (self->connectors, account->id);
  g_task_return_pointer (task, g_strdup (account->name), g_free);
}

/* On the UI thread, whether or not the caller is still there: the
 * connections of the account that were failing run again. */
static void
on_key_replaced_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  ConcordEngine *self = CONCORD_ENGINE (object);
  g_autoptr(GTask) outer = user_data;
  Job *job = g_task_get_task_data (G_TASK (result));
  g_autofree char *name = NULL;
  GError *error = NULL;
  guint n;

  name = g_task_propagate_pointer (G_TASK (result), &error);
  if (name == NULL)
    {
      g_task_return_error (outer, error);
      return;
    }

  g_hash_table_remove (self->refused, job->account_id);

  /* Runs are jobs of the engine thread too, in order: one that started
   * with the old key has come back before this (and is failing now), one
   * queued or waiting for another process reads the new key when it
   * starts. */
  n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConcordConnectionState) state = g_list_model_get_item (G_LIST_MODEL (self->connections), i);

      if ((g_strcmp0 (state->account_a, name) == 0 || g_strcmp0 (state->account_b, name) == 0) &&
          state->enabled && state->n_failures > 0)
        queue_run (self, state->id);
    }

  g_task_return_boolean (outer, TRUE);
}

/**
 * concord_engine_replace_key_async:
 * @account_id: the account
 * @secret: its new API key
 *
 * Checks @secret with the account's app and options and, only when the app
 * accepts it, puts it in the keyring in place of the old key; then runs
 * again the connections of the account that were failing. A refused key
 * leaves the old one, with the app's error (e.g. %CONCORD_ERROR_AUTH_FAILED).
 */
void
concord_engine_replace_key_async (ConcordEngine       *self,
                                  const char          *account_id,
                                  const char          *secret,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (account_id != NULL && secret != NULL);

  /* A key that went to the keyring reruns the connections, whatever
   * becomes of the caller. */
  task = account_job_task (self, concord_engine_replace_key_async, cancellable, callback, user_data,
                           on_key_replaced_cb, &job);
  job->account_id = g_strdup (account_id);
  job->secret = g_strdup (secret);
  concord_worker_thread_queue (self->worker, task, replace_key_worker);
}

gboolean
concord_engine_replace_key_finish (ConcordEngine  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == concord_engine_replace_key_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
rename_account_worker (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  Job *job = task_data;   /* account_id, name */
  g_autoptr(GPtrArray) rows = NULL;
  GPtrArray *snapshots;
  GError *error = NULL;

  if (!concord_engine_ensure_store (self, &error) ||
      !concord_store_rename_account (self->store, job->account_id, job->name, &error) ||
      (rows = concord_store_list_account_connections (self->store, job->account_id, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* The connections show their accounts by name. */
  snapshots = g_ptr_array_new_with_free_func (snapshot_free);
  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (snapshots, take_snapshot (self, g_steal_pointer (&rows->pdata[i])));
  g_task_return_pointer (task, snapshots, (GDestroyNotify) g_ptr_array_unref);
}

static void
on_account_renamed_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  ConcordEngine *self = CONCORD_ENGINE (object);
  g_autoptr(GTask) outer = user_data;
  g_autoptr(GPtrArray) snapshots = NULL;
  GError *error = NULL;

  snapshots = g_task_propagate_pointer (G_TASK (result), &error);
  if (snapshots == NULL)
    {
      g_task_return_error (outer, error);
      return;
    }

  for (guint i = 0; i < snapshots->len; i++)
    {
      Snapshot *snapshot = g_ptr_array_index (snapshots, i);

      /* Only the names: a run going meanwhile says the rest. */
      if (concord_engine_lookup (self, snapshot->row->id) != NULL)
        {
          ConcordConnectionState *state = concord_engine_lookup (self, snapshot->row->id);

          state_set_string (state, &state->account_a, snapshot->account_a, STATE_PROP_ACCOUNT_A);
          state_set_string (state, &state->account_b, snapshot->account_b, STATE_PROP_ACCOUNT_B);
        }
    }

  g_task_return_boolean (outer, TRUE);
}

/**
 * concord_engine_rename_account_async:
 * @account_id: the account
 * @name: its new name
 *
 * Renames the account (concord_store_rename_account(): a name another
 * account has is a %CONCORD_ERROR_CONFLICT saying so), and the
 * connections that use it show the new name.
 */
void
concord_engine_rename_account_async (ConcordEngine       *self,
                                     const char          *account_id,
                                     const char          *name,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (account_id != NULL && name != NULL);

  task = account_job_task (self, concord_engine_rename_account_async, cancellable, callback, user_data,
                           on_account_renamed_cb, &job);
  job->account_id = g_strdup (account_id);
  job->name = g_strdup (name);
  concord_worker_thread_queue (self->worker, task, rename_account_worker);
}

gboolean
concord_engine_rename_account_finish (ConcordEngine  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == concord_engine_rename_account_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* @options_json with @key set to @value (removed when NULL or empty);
 * NULL when @options_json is not a JSON object. */
static char *
options_with (const char *options_json,
              const char *key,
              const char *value)
{
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;

  if (options_json == NULL || *options_json == '\0')
    {
      /* json_node_init_object() would add a reference of its own. */
      root = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (root, json_object_new ());
    }
  else if ((root = concord_json_parse (options_json, -1, 64 * 1024, NULL)) == NULL ||
           !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  object = json_node_get_object (root);
  if (value == NULL || *value == '\0')
    json_object_remove_member (object, key);
  else
    json_object_set_string_member (object, key, value);

  generator = json_generator_new ();
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static void
set_option_worker (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  Job *job = task_data;   /* account_id; type: the option's key; name: its value */
  g_autoptr(ConcordAccountRow) account = NULL;
  g_autofree char *options = NULL;
  GError *error = NULL;

  if (!concord_engine_ensure_store (self, &error) ||
      (account = concord_store_get_account (self->store, job->account_id, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  options = options_with (account->options_json, job->type, job->name);
  if (options == NULL)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                               "The options of the account cannot be read");
      return;
    }

  /* The caller checked the value with the app's form; the next connector
   * is made through the app's check of all its options. */
  if (!concord_store_set_account_options (self->store, job->account_id, options, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* The next run makes its connector with the new options. */
  g_hash_table_remove (self->connectors, job->account_id);
  g_task_return_boolean (task, TRUE);
}

/**
 * concord_engine_set_custom_fields_async:
 * @account_id: an account of an app whose custom fields cannot be listed
 *   (Elastic Email)
 * @names: (nullable): custom field names separated by commas; %NULL or
 *   empty for none
 *
 * Declares the custom fields of an account that no contact uses yet, which
 * reading its contacts cannot find: stored as the account's option
 * "custom_fields" (names trimmed, blanks dropped), on the engine thread.
 * The next run of a connection of the account maps them.
 */
void
concord_engine_set_custom_fields_async (ConcordEngine       *self,
                                        const char          *account_id,
                                        const char          *names,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_auto(GStrv) split = NULL;
  g_autoptr(GStrvBuilder) kept = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;
  Job *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (account_id != NULL);

  split = g_strsplit (names != NULL ? names : "", ",", -1);
  for (guint i = 0; split[i] != NULL; i++)
    if (*g_strstrip (split[i]) != '\0')
      g_strv_builder_add (kept, split[i]);
  list = g_strv_builder_end (kept);

  task = concord_engine_job_task (self, concord_engine_set_custom_fields_async, cancellable,
                                  callback, user_data, &job);
  job->account_id = g_strdup (account_id);
  job->type = g_strdup ("custom_fields");
  job->name = g_strjoinv (",", list);
  concord_worker_thread_queue (self->worker, task, set_option_worker);
}

gboolean
concord_engine_set_custom_fields_finish (ConcordEngine  *self,
                                         GAsyncResult   *result,
                                         GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * concord_engine_set_option_async:
 * @account_id: an account
 * @key: one of its app's options (a field of the app's form that can be
 *   changed later, see the app registry)
 * @value: (nullable): its new value, as the app stores it; %NULL or empty
 *   removes it
 *
 * Changes one option of an account, on the engine thread. The next run of
 * a connection of the account makes its connector with it.
 */
void
concord_engine_set_option_async (ConcordEngine       *self,
                                 const char          *account_id,
                                 const char          *key,
                                 const char          *value,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (account_id != NULL);
  g_return_if_fail (key != NULL);

  task = concord_engine_job_task (self, concord_engine_set_option_async, cancellable,
                                  callback, user_data, &job);
  job->account_id = g_strdup (account_id);
  job->type = g_strdup (key);
  job->name = g_strdup (value);
  concord_worker_thread_queue (self->worker, task, set_option_worker);
}

gboolean
concord_engine_set_option_finish (ConcordEngine  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
list_types_worker (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  Job *job = task_data;
  GError *error = NULL;
  g_autoptr(ConcordConnector) connector = NULL;
  GPtrArray *types;

  if (!concord_engine_ensure_store (self, &error) ||
      (connector = concord_engine_get_connector (self, job->account_id, &error)) == NULL ||
      (types = concord_connector_list_contact_types_sync (connector, cancellable, &error)) == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, types, (GDestroyNotify) g_ptr_array_unref);
}

void
concord_engine_list_types_async (ConcordEngine       *self,
                                 const char          *account_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = concord_engine_job_task (self, concord_engine_list_types_async, cancellable, callback, user_data, &job);
  job->account_id = g_strdup (account_id);
  concord_worker_thread_queue (self->worker, task, list_types_worker);
}

/**
 * concord_engine_list_types_finish:
 *
 * Returns: (transfer full) (element-type ConcordContactType): the account's
 *   contact types
 */
GPtrArray *
concord_engine_list_types_finish (ConcordEngine  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
load_schema_worker (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  Job *job = task_data;
  GError *error = NULL;
  g_autoptr(ConcordConnector) connector = NULL;
  GPtrArray *schema;

  if (!concord_engine_ensure_store (self, &error) ||
      (connector = concord_engine_get_connector (self, job->account_id, &error)) == NULL ||
      (schema = concord_engine_load_schema_sync (connector, job->type, &error)) == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, schema, (GDestroyNotify) g_ptr_array_unref);
}

void
concord_engine_load_schema_async (ConcordEngine       *self,
                                  const char          *account_id,
                                  const char          *type,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = concord_engine_job_task (self, concord_engine_load_schema_async, cancellable, callback, user_data, &job);
  job->account_id = g_strdup (account_id);
  job->type = g_strdup (type);
  concord_worker_thread_queue (self->worker, task, load_schema_worker);
}

/**
 * concord_engine_load_schema_finish:
 *
 * Returns: (transfer full) (element-type ConcordFieldSpec): the fields
 */
GPtrArray *
concord_engine_load_schema_finish (ConcordEngine  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_sample_listed_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
load_sample_worker (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  Job *job = task_data;
  GError *error = NULL;
  g_autoptr(ConcordConnector) connector = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  ConcordPage *page;
  GPtrArray *records;

  if (!concord_engine_ensure_store (self, &error) ||
      (connector = concord_engine_get_connector (self, job->account_id, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  concord_connector_list_async (connector, job->type, NULL, NULL, cancellable, on_sample_listed_cb, &result);
  while (result == NULL)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);

  if ((page = concord_connector_list_finish (connector, result, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  records = g_steal_pointer (&page->records);
  concord_page_free (page);
  g_task_return_pointer (task, records != NULL ? records : g_ptr_array_new (),
                         (GDestroyNotify) g_ptr_array_unref);
}

/**
 * concord_engine_load_sample_async:
 *
 * Reads the first page of contacts of @account_id's contact type @type:
 * a sample of the values its fields hold, for the automatic mapping
 * (concord_mapping_new_auto_sampled()).
 */
void
concord_engine_load_sample_async (ConcordEngine       *self,
                                  const char          *account_id,
                                  const char          *type,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = concord_engine_job_task (self, concord_engine_load_sample_async, cancellable, callback, user_data, &job);
  job->account_id = g_strdup (account_id);
  job->type = g_strdup (type);
  concord_worker_thread_queue (self->worker, task, load_sample_worker);
}

/**
 * concord_engine_load_sample_finish:
 *
 * Returns: (transfer full) (element-type ConcordRecord): the contacts
 */
GPtrArray *
concord_engine_load_sample_finish (ConcordEngine  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Ends a job that changed a connection: its snapshot, for the UI. */
static void
return_snapshot (ConcordEngine *self,
                 GTask         *task,
                 gint64         connection_id)
{
  GError *error = NULL;
  ConcordConnectionRow *row = concord_store_get_connection_by_id (self->store, connection_id, &error);

  if (row == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, take_snapshot (self, row), snapshot_free);
}

static void
add_connection_worker (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  Job *job = task_data;
  GError *error = NULL;
  gint64 id;

  if (!concord_engine_ensure_store (self, &error) || (id = concord_store_add_connection (self->store, &job->row, &error)) == 0)
    g_task_return_error (task, error);
  else
    return_snapshot (self, task, id);
}

/**
 * concord_engine_add_connection_async:
 * @row: the connection (its id is ignored)
 */
void
concord_engine_add_connection_async (ConcordEngine              *self,
                                     const ConcordConnectionRow *row,
                                     GCancellable               *cancellable,
                                     GAsyncReadyCallback         callback,
                                     gpointer                    user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (row != NULL && row->name != NULL);

  task = concord_engine_job_task (self, concord_engine_add_connection_async, cancellable, callback, user_data, &job);
  job->row = *row;
  job->row.name = g_strdup (row->name);
  job->row.account_a = g_strdup (row->account_a);
  job->row.type_a = g_strdup (row->type_a);
  job->row.account_b = g_strdup (row->account_b);
  job->row.type_b = g_strdup (row->type_b);
  job->row.config_json = g_strdup (row->config_json);
  concord_worker_thread_queue (self->worker, task, add_connection_worker);
}

/**
 * concord_engine_add_connection_finish:
 *
 * Returns: the new connection's id (it is in the list of connections), or 0
 */
gint64
concord_engine_add_connection_finish (ConcordEngine  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  Snapshot *snapshot;
  gint64 id;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  snapshot = g_task_propagate_pointer (G_TASK (result), error);
  if (snapshot == NULL)
    return 0;

  id = snapshot->row->id;
  apply_snapshot (self, snapshot);
  snapshot_free (snapshot);
  return id;
}

static void
remove_connection_worker (GTask        *task,
                          gpointer      source_object,
                          gpointer      task_data,
                          GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  Job *job = task_data;
  GError *error = NULL;

  if (!concord_engine_ensure_store (self, &error) || !concord_store_remove_connection (self->store, job->connection_id, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * concord_engine_remove_connection_async:
 *
 * Removes a connection and what Concord keeps of it (which contacts are
 * paired, its activity); the contacts in the apps stay as they are. A
 * run of it going is cancelled and waited for first.
 */
void
concord_engine_remove_connection_async (ConcordEngine       *self,
                                        gint64               connection_id,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  GCancellable *run;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  /* Its run stops between two batches (what it wrote is committed) and
   * the removal waits for it: the engine thread does one job at a time.
   * A run waiting for another process's run never starts. */
  if ((run = g_hash_table_lookup (self->runs, &connection_id)) != NULL)
    g_cancellable_cancel (run);
  if (g_hash_table_remove (self->waiting, &connection_id))
    g_hash_table_remove (self->queued, &connection_id);

  task = concord_engine_job_task (self, concord_engine_remove_connection_async, cancellable, callback, user_data, &job);
  job->connection_id = connection_id;
  concord_worker_thread_queue (self->worker, task, remove_connection_worker);
}

gboolean
concord_engine_remove_connection_finish (ConcordEngine  *self,
                                         GAsyncResult   *result,
                                         GError        **error)
{
  Job *job;
  guint position;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  job = g_task_get_task_data (G_TASK (result));
  {
    ConcordConnectionState *state = concord_engine_lookup (self, job->connection_id);

    if (state != NULL && g_list_store_find (self->connections, state, &position))
      g_list_store_remove (self->connections, position);
  }
  return TRUE;
}

static void
rename_connection_worker (GTask        *task,
                          gpointer      source_object,
                          gpointer      task_data,
                          GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  Job *job = task_data;
  GError *error = NULL;

  if (!concord_engine_ensure_store (self, &error) ||
      !concord_store_rename_connection (self->store, job->connection_id, job->name, &error))
    g_task_return_error (task, error);
  else
    return_snapshot (self, task, job->connection_id);
}

/**
 * concord_engine_rename_connection_async:
 * @name: the new name (see concord_store_check_name())
 *
 * Renames a connection; a name another connection has is refused with
 * %CONCORD_ERROR_CONFLICT. Its state's name changes once it is stored.
 */
void
concord_engine_rename_connection_async (ConcordEngine       *self,
                                        gint64               connection_id,
                                        const char          *name,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (name != NULL);

  task = concord_engine_job_task (self, concord_engine_rename_connection_async, cancellable, callback,
                                  user_data, &job);
  job->connection_id = connection_id;
  job->name = g_strdup (name);
  concord_worker_thread_queue (self->worker, task, rename_connection_worker);
}

gboolean
concord_engine_rename_connection_finish (ConcordEngine  *self,
                                         GAsyncResult   *result,
                                         GError        **error)
{
  Snapshot *snapshot;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == concord_engine_rename_connection_async,
                        FALSE);

  snapshot = g_task_propagate_pointer (G_TASK (result), error);
  if (snapshot == NULL)
    return FALSE;

  apply_snapshot (self, snapshot);
  snapshot_free (snapshot);
  return TRUE;
}

static void
set_enabled_worker (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  Job *job = task_data;
  GError *error = NULL;

  if (!concord_engine_ensure_store (self, &error) ||
      !concord_store_set_connection_enabled (self->store, job->connection_id, job->flag, &error))
    g_task_return_error (task, error);
  else
    return_snapshot (self, task, job->connection_id);
}

/**
 * concord_engine_set_enabled_async:
 *
 * Switches a connection on (it syncs at once) or off.
 */
void
concord_engine_set_enabled_async (ConcordEngine       *self,
                                  gint64               connection_id,
                                  gboolean             enabled,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = concord_engine_job_task (self, concord_engine_set_enabled_async, cancellable, callback, user_data, &job);
  job->connection_id = connection_id;
  job->flag = !!enabled;
  concord_worker_thread_queue (self->worker, task, set_enabled_worker);
}

gboolean
concord_engine_set_enabled_finish (ConcordEngine  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  Snapshot *snapshot;
  gboolean enabled;
  gint64 id;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  snapshot = g_task_propagate_pointer (G_TASK (result), error);
  if (snapshot == NULL)
    return FALSE;

  enabled = snapshot->row->enabled;
  id = snapshot->row->id;
  apply_snapshot (self, snapshot);
  snapshot_free (snapshot);
  if (enabled)
    queue_run (self, id);
  return TRUE;
}

static void
set_schedule_worker (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  Job *job = task_data;
  GError *error = NULL;

  if (!concord_engine_ensure_store (self, &error) ||
      !concord_store_set_schedule (self->store, job->connection_id, job->seconds, &error))
    g_task_return_error (task, error);
  else
    return_snapshot (self, task, job->connection_id);
}

/**
 * concord_engine_set_schedule_async:
 * @seconds: the time between the end of a run and the start of the next;
 *   0 for automatic (see concord_sync_cadence())
 *
 * Stores the connection's schedule; its next run moves to match.
 */
void
concord_engine_set_schedule_async (ConcordEngine       *self,
                                   gint64               connection_id,
                                   guint                seconds,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = concord_engine_job_task (self, concord_engine_set_schedule_async, cancellable, callback, user_data,
                                  &job);
  job->connection_id = connection_id;
  job->seconds = seconds;
  concord_worker_thread_queue (self->worker, task, set_schedule_worker);
}

gboolean
concord_engine_set_schedule_finish (ConcordEngine  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  Snapshot *snapshot;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  snapshot = g_task_propagate_pointer (G_TASK (result), error);
  if (snapshot == NULL)
    return FALSE;

  apply_snapshot (self, snapshot);
  snapshot_free (snapshot);
  return TRUE;
}

static void
set_config_worker (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  Job *job = task_data;
  g_autoptr(ConcordConnectionConfig) config = NULL;
  GError *error = NULL;

  /* Refused as a whole, naming the place: what is stored stays. */
  if ((config = concord_connection_config_new_from_json (job->config_json, &error)) == NULL ||
      !concord_engine_ensure_store (self, &error) ||
      !concord_store_set_connection_config (self->store, job->connection_id, job->config_json, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
concord_engine_set_config_async (ConcordEngine       *self,
                                 gint64               connection_id,
                                 const char          *config_json,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = concord_engine_job_task (self, concord_engine_set_config_async, cancellable, callback, user_data, &job);
  job->connection_id = connection_id;
  job->config_json = g_strdup (config_json);
  concord_worker_thread_queue (self->worker, task, set_config_worker);
}

gboolean
concord_engine_set_config_finish (ConcordEngine  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * concord_engine_preview_async:
 *
 * A dry run of the connection on the engine thread: what a run would do,
 * writing nothing.
 */
void
concord_engine_preview_async (ConcordEngine       *self,
                              gint64               connection_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  RunJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  job = g_new0 (RunJob, 1);
  job->engine = g_object_ref (self);
  job->id = connection_id;
  job->dry_run = TRUE;
  job->last_post = G_MAXINT64;  /* no progress for a preview */

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_engine_preview_async);
  g_task_set_task_data (task, job, run_job_free);
  concord_worker_thread_queue (self->worker, task, run_worker);
}

/**
 * concord_engine_preview_finish:
 * @summary: (out caller-allocates): the plan's counts and text; clear it
 *   with concord_run_summary_clear()
 */
gboolean
concord_engine_preview_finish (ConcordEngine      *self,
                               GAsyncResult       *result,
                               ConcordRunSummary  *summary,
                               GError            **error)
{
  RunJob *job;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  job = g_task_get_task_data (G_TASK (result));
  if (!job->ok)
    {
      g_propagate_error (error, g_steal_pointer (&job->error));
      return FALSE;
    }

  *summary = job->summary;
  memset (&job->summary, 0, sizeof job->summary);
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* What the editors start from                                               */
/* ------------------------------------------------------------------------- */

void
concord_connection_setup_free (ConcordConnectionSetup *setup)
{
  if (setup == NULL)
    return;

  for (guint i = 0; i < 2; i++)
    {
      g_free (setup->app_id[i]);
      g_free (setup->account_id[i]);
      g_free (setup->type[i]);
      g_clear_pointer (&setup->fields[i], g_ptr_array_unref);
    }
  g_clear_pointer (&setup->config, concord_connection_config_free);
  g_free (setup);
}

/* What a list or tag field of an account can hold, as the editors offer
 * it: read through the connector at most once every CHOICES_MAX_AGE (a
 * list made in the app meanwhile shows up after that), per account. */
#define CHOICES_MAX_AGE (5 * 60 * G_USEC_PER_SEC)

static const char * const *
cached_choices (ConcordEngine    *self,
                const char       *account_id,
                ConcordConnector *connector,
                const char       *type,
                const char       *field)
{
  g_autofree char *key = g_strjoin ("\x1f", account_id, type, field, NULL);
  Choices *choices = g_hash_table_lookup (self->choices, key);
  g_autoptr(GError) error = NULL;
  char **values;

  if (choices != NULL && g_get_monotonic_time () - choices->read_at < CHOICES_MAX_AGE)
    return (const char * const *) choices->values;

  values = concord_connector_list_choices_sync (connector, type, field, NULL, &error);
  if (error != NULL)
    {
      /* The editors then take free text, as for an app without lists. */
      g_debug ("The values of %s could not be read: %s", field, error->message);
      return NULL;
    }

  choices = g_new0 (Choices, 1);
  choices->values = values;
  choices->read_at = g_get_monotonic_time ();
  g_hash_table_replace (self->choices, g_steal_pointer (&key), choices);
  return (const char * const *) choices->values;
}

/* Gives the list and tag fields of @fields the values the app allows, when
 * it allows only those: the editors then offer a picker. */
static void
add_choices (ConcordEngine    *self,
             const char       *account_id,
             ConcordConnector *connector,
             const char       *type,
             GPtrArray        *fields)
{
  for (guint i = 0; i < fields->len; i++)
    {
      ConcordFieldSpec *spec = g_ptr_array_index (fields, i);
      const char * const *values;

      if (spec->type != CONCORD_FIELD_TYPE_STRING_SET || spec->choices != NULL || spec->read_only)
        continue;
      values = cached_choices (self, account_id, connector, type, spec->key);
      if (values != NULL)
        spec->choices = g_strdupv ((char **) values);
    }
}

static ConcordConnectionSetup *
load_setup (ConcordEngine  *self,
            gint64          connection_id,
            GError        **error)
{
  g_autoptr(ConcordConnectionSetup) setup = g_new0 (ConcordConnectionSetup, 1);
  g_autoptr(ConcordConnectionRow) row = NULL;
  const char *accounts[2];
  const char *types[2];

  if (!concord_engine_ensure_store (self, error) ||
      (row = concord_store_get_connection_by_id (self->store, connection_id, error)) == NULL ||
      (setup->config = concord_connection_config_new_from_json (row->config_json, error)) == NULL)
    return NULL;

  setup->connection_id = connection_id;
  setup->direction = row->direction;
  accounts[0] = row->account_a;
  accounts[1] = row->account_b;
  types[0] = row->type_a;
  types[1] = row->type_b;

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(ConcordAccountRow) account = NULL;
      g_autoptr(ConcordConnector) connector = NULL;

      if ((account = concord_store_get_account (self->store, accounts[i], error)) == NULL ||
          (connector = concord_engine_get_connector (self, accounts[i], error)) == NULL ||
          (setup->fields[i] = concord_engine_load_schema_sync (connector, types[i], error)) == NULL)
        return NULL;
      add_choices (self, accounts[i], connector, types[i], setup->fields[i]);

      setup->app_id[i] = g_strdup (account->app_id);
      setup->account_id[i] = g_strdup (accounts[i]);
      setup->type[i] = g_strdup (types[i]);
    }

  if (setup->config->mapping == NULL)
    {
      setup->automatic = TRUE;
      setup->config->mapping = concord_mapping_new_auto (setup->fields[0], setup->fields[1], NULL);
    }

  return g_steal_pointer (&setup);
}

static void
load_setup_worker (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;
  ConcordConnectionSetup *setup;

  if ((setup = load_setup (source_object, job->connection_id, &error)) == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, setup, (GDestroyNotify) concord_connection_setup_free);
}

/**
 * concord_engine_load_setup_async:
 *
 * Reads a connection's rules, mapping and both schemas on the engine
 * thread, for the editors.
 */
void
concord_engine_load_setup_async (ConcordEngine       *self,
                                 gint64               connection_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));

  task = concord_engine_job_task (self, concord_engine_load_setup_async, cancellable,
                                  callback, user_data, &job);
  job->connection_id = connection_id;
  concord_worker_thread_queue (self->worker, task, load_setup_worker);
}

/**
 * concord_engine_load_setup_finish:
 *
 * Returns: (transfer full): what the editors start from
 */
ConcordConnectionSetup *
concord_engine_load_setup_finish (ConcordEngine  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------- */
/* A server that moved                                                       */
/* ------------------------------------------------------------------------- */

/* The options with base_url replaced, or NULL when they do not point at
 * @old_base_url. */
static char *
moved_options (const char *options_json,
               const char *old_base_url,
               const char *new_base_url)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;

  if (options_json == NULL ||
      (root = concord_json_parse (options_json, -1, 64 * 1024, NULL)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  object = json_node_get_object (root);
  if (!json_object_has_member (object, "base_url") ||
      g_strcmp0 (json_object_get_string_member_with_default (object, "base_url", NULL), old_base_url) != 0)
    return NULL;

  return options_with (options_json, "base_url", new_base_url);
}

static void
move_server_worker (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  Job *job = task_data;   /* app_id; name: old URL; options_json: new URL */
  g_autoptr(GPtrArray) accounts = NULL;
  GError *error = NULL;
  guint n_moved = 0;

  if (!concord_engine_ensure_store (self, &error) ||
      (accounts = concord_store_list_accounts (self->store, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  for (guint i = 0; i < accounts->len; i++)
    {
      ConcordAccountRow *account = g_ptr_array_index (accounts, i);
      g_autofree char *options = NULL;

      if (g_strcmp0 (account->app_id, job->app_id) != 0 ||
          (options = moved_options (account->options_json, job->name, job->options_json)) == NULL)
        continue;

      if (!concord_store_set_account_options (self->store, account->id, options, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      /* The next run makes its connector with the new address. */
      g_hash_table_remove (self->connectors, account->id);
      n_moved++;
    }

  g_task_return_int (task, n_moved);
}

/**
 * concord_engine_move_server_async:
 * @app_id: the app whose accounts to look at
 * @old_base_url: the address the accounts point at
 * @new_base_url: where that server is now
 *
 * Points every account of @app_id whose base_url is @old_base_url at
 * @new_base_url, e.g. when the sandbox's server had to take another port.
 */
void
concord_engine_move_server_async (ConcordEngine       *self,
                                  const char          *app_id,
                                  const char          *old_base_url,
                                  const char          *new_base_url,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (app_id != NULL && old_base_url != NULL && new_base_url != NULL);

  task = concord_engine_job_task (self, concord_engine_move_server_async, cancellable,
                                  callback, user_data, &job);
  job->app_id = g_strdup (app_id);
  job->name = g_strdup (old_base_url);
  job->options_json = g_strdup (new_base_url);
  concord_worker_thread_queue (self->worker, task, move_server_worker);
}

gboolean
concord_engine_move_server_finish (ConcordEngine  *self,
                                   GAsyncResult   *result,
                                   guint          *n_moved,
                                   GError        **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  n = g_task_propagate_int (G_TASK (result), error);
  if (n < 0)
    return FALSE;
  if (n_moved != NULL)
    *n_moved = n;
  return TRUE;
}
