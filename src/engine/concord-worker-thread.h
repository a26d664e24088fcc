/* concord-worker-thread.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How much nicer than the thread that starts it a worker thread runs. */
#define CONCORD_WORKER_NICENESS 10

#define CONCORD_TYPE_WORKER_THREAD (concord_worker_thread_get_type ())

G_DECLARE_FINAL_TYPE (ConcordWorkerThread, concord_worker_thread, CONCORD, WORKER_THREAD, GObject)

ConcordWorkerThread *concord_worker_thread_new         (const char          *name);
GMainContext        *concord_worker_thread_get_context (ConcordWorkerThread *self);
gboolean             concord_worker_thread_is_current  (ConcordWorkerThread *self);
void                 concord_worker_thread_queue       (ConcordWorkerThread *self,
                                                        GTask               *task,
                                                        GTaskThreadFunc      func);

G_END_DECLS
