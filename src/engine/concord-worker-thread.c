/* concord-worker-thread.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The engine's thread: one named GThread running a main loop on a context
 * of its own. Work is queued to it as GTasks; each runs there, in order,
 * and its result is delivered on the context the task was created on (the
 * UI's), as GTask does. Connectors (their SoupSessions) and the store (its
 * sqlite3 handle) are only ever used on this thread, so neither needs to
 * be thread-safe and the UI thread never waits on the network or SQLite.
 *
 * Disposing the object stops the loop after the queued work and joins the
 * thread.
 */

#define G_LOG_DOMAIN "concord-worker-thread"

#include "config.h"

#include "concord-worker-thread.h"

#ifdef __linux__
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

struct _ConcordWorkerThread
{
  GObject       parent_instance;

  GThread      *thread;   /* (owned) */
  GMainContext *context;  /* (owned) */
  GMainLoop    *loop;     /* (owned) */
};

G_DEFINE_FINAL_TYPE (ConcordWorkerThread, concord_worker_thread, G_TYPE_OBJECT)

typedef struct
{
  GTask           *task;  /* (owned) */
  GTaskThreadFunc  func;
} Job;

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static gpointer
worker_main (gpointer data)
{
  ConcordWorkerThread *self = data;

#ifdef __linux__
  /* Syncing is background work: when the cores are busy, the UI thread
   * (and the display server it waits on) go first. On Linux a nice value
   * set with the thread's id is that thread's alone. */
  {
    id_t tid = (id_t) syscall (SYS_gettid);
    int nice_value;

    errno = 0;
    nice_value = getpriority (PRIO_PROCESS, tid);
    if (errno == 0 && setpriority (PRIO_PROCESS, tid, MIN (nice_value + CONCORD_WORKER_NICENESS, 19)) != 0)
      g_debug ("Could not lower the engine thread's priority: %s", g_strerror (errno));
  }
#endif

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  g_main_context_pop_thread_default (self->context);

  return NULL;
}

static gboolean
run_job (gpointer data)
{
  Job *job = data;
  GTask *task = job->task;

  job->func (task, g_task_get_source_object (task), g_task_get_task_data (task),
             g_task_get_cancellable (task));

  return G_SOURCE_REMOVE;
}

static gboolean
unref_task (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

static void
job_free (gpointer data)
{
  Job *job = data;
  GMainContext *context = g_task_get_context (job->task);

  /* The task holds its source object (the engine facade, say), which must
   * not die here: its last reference goes back to the task's own thread. */
  if (context != NULL && context != g_main_context_get_thread_default ())
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, unref_task, job->task, NULL);
      g_source_set_static_name (source, "[concord] worker task unref");
      g_source_attach (source, context);
      g_source_unref (source);
    }
  else
    g_object_unref (job->task);
  g_free (job);
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_worker_thread_dispose (GObject *object)
{
  ConcordWorkerThread *self = CONCORD_WORKER_THREAD (object);

  if (self->thread != NULL)
    {
      /* After the work already queued: sources of one priority run in order. */
      g_main_context_invoke_full (self->context, G_PRIORITY_LOW, quit_loop,
                                  g_main_loop_ref (self->loop),
                                  (GDestroyNotify) g_main_loop_unref);
      g_thread_join (g_steal_pointer (&self->thread));
    }

  G_OBJECT_CLASS (concord_worker_thread_parent_class)->dispose (object);
}

static void
concord_worker_thread_finalize (GObject *object)
{
  ConcordWorkerThread *self = CONCORD_WORKER_THREAD (object);

  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (concord_worker_thread_parent_class)->finalize (object);
}

static void
concord_worker_thread_class_init (ConcordWorkerThreadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = concord_worker_thread_dispose;
  object_class->finalize = concord_worker_thread_finalize;
}

static void
concord_worker_thread_init (ConcordWorkerThread *self)
{
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_worker_thread_new:
 * @name: the thread's name, as debuggers show it
 *
 * Returns: (transfer full): a running worker thread
 */
ConcordWorkerThread *
concord_worker_thread_new (const char *name)
{
  ConcordWorkerThread *self = g_object_new (CONCORD_TYPE_WORKER_THREAD, NULL);

  self->thread = g_thread_new (name, worker_main, self);

  return self;
}

/**
 * concord_worker_thread_get_context:
 *
 * Returns: (transfer none): the context the worker runs
 */
GMainContext *
concord_worker_thread_get_context (ConcordWorkerThread *self)
{
  g_return_val_if_fail (CONCORD_IS_WORKER_THREAD (self), NULL);

  return self->context;
}

/**
 * concord_worker_thread_is_current:
 *
 * Returns: whether the caller runs on the worker thread
 */
gboolean
concord_worker_thread_is_current (ConcordWorkerThread *self)
{
  g_return_val_if_fail (CONCORD_IS_WORKER_THREAD (self), FALSE);

  return g_main_context_is_owner (self->context);
}

/**
 * concord_worker_thread_queue:
 * @task: (transfer none): the task; @func must return its result
 * @func: the work, called on the worker thread
 *
 * Runs @func on the worker thread after the work queued before it.
 */
void
concord_worker_thread_queue (ConcordWorkerThread *self,
                             GTask               *task,
                             GTaskThreadFunc      func)
{
  Job *job;

  g_return_if_fail (CONCORD_IS_WORKER_THREAD (self));
  g_return_if_fail (G_IS_TASK (task));
  g_return_if_fail (func != NULL);

  job = g_new0 (Job, 1);
  job->task = g_object_ref (task);
  job->func = func;

  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, run_job, job, job_free);
}
