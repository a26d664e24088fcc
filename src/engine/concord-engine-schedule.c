/* concord-engine-schedule.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * When connections run by themselves: each one's timer, the backoff of a
 * failing one, the network coming back, waking from suspend, an app that
 * reports a change, and stopping it all. See concord-engine.c.
 */

#define G_LOG_DOMAIN "concord-engine"

#include "config.h"

#include "concord-engine-private.h"
#include "concord-schedule.h"

/* An app reported a change: run once it has been quiet this long. */
#define CHANGE_DELAY_SECONDS 3
/* A failing connection waits at most this long (unless its schedule is longer). */
#define MAX_BACKOFF_SECONDS 3600

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
    concord_engine_queue_run (self, id);

  return G_SOURCE_REMOVE;
}

/* Sets the timer of the connection's next run, counted from the end of
 * its last run (or from now before any), or none while it is off,
 * running or the schedules are not started. */
void
concord_engine_reschedule (ConcordEngine          *self,
                           ConcordConnectionState *state)
{
  gint64 now = g_get_monotonic_time ();
  gint64 delay_us, due;

  g_hash_table_remove (self->timers, &state->id);

  if (!self->scheduling || !state->enabled ||
      g_hash_table_contains (self->queued, &state->id))
    {
      CONCORD_STATE_SET (state, next_sync, 0, CONCORD_STATE_PROP_NEXT_SYNC);
      return;
    }

  delay_us = (gint64) ((double) schedule_delay (self, state) * G_USEC_PER_SEC / self->clock_scale);
  due = MAX ((state->run_end > 0 ? state->run_end : now) + delay_us, now);
  add_timer (self, self->timers, state->id, due - now, on_scheduled_cb, "[concord] scheduled sync");
  CONCORD_STATE_SET (state, next_sync, due, CONCORD_STATE_PROP_NEXT_SYNC);
}

static void
reschedule_all (ConcordEngine *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConcordConnectionState) state = g_list_model_get_item (G_LIST_MODEL (self->connections), i);

      concord_engine_reschedule (self, state);
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
    concord_engine_queue_run (self, id);

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
void
concord_engine_connector_changed_cb (ConcordConnector *connector,
                                    gpointer          user_data)
{
  ConcordEngineChangeWatch *watch = user_data;
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
          concord_connection_state_set_string (state, &state->progress, NULL, CONCORD_STATE_PROP_PROGRESS);
          concord_connection_state_update_status (state, FALSE);
        }
      g_hash_table_iter_remove (&iter);
    }

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  concord_engine_cancel_runs (self);
}
