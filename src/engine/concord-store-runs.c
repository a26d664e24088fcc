/* concord-store-runs.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Cursors, intents and runs in the state store: where each side's listing
 * got to, the writes a run is about to make, and the runs themselves with
 * the lock that keeps one run per connection across processes.
 */

#define G_LOG_DOMAIN "concord-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "concord-error.h"
#include "concord-store-private.h"

/* The lock of one connection's runs, held from begin_run to finish_run. */
typedef struct
{
  gint64 run_id;
  int    fd;
} RunLock;

/* ------------------------------------------------------------------------- */
/* Public API: cursors                                                       */
/* ------------------------------------------------------------------------- */

/**
 * concord_store_get_cursor:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @side: the side
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the cursor of the side's incremental
 *   listing, or %NULL without an error when none is stored
 */
char *
concord_store_get_cursor (ConcordStore  *self,
                          gint64         connection_id,
                          ConcordSide    side,
                          GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (concord_store_check_side (side), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = concord_store_lease_statement (self, STMT_GET_CURSOR, error)))
    return NULL;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int (stmt, 2, (int) side);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return concord_store_column_strdup (stmt, 0);

  if (rc != SQLITE_DONE)
    concord_store_set_error (self, error, rc, "Could not read a cursor");

  return NULL;
}

/**
 * concord_store_set_cursor:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @side: the side
 * @cursor: (nullable): the new cursor; %NULL forgets it (the next listing
 *   is a full one)
 * @error: return location for a #GError
 *
 * Returns: %TRUE unless SQLite failed
 */
gboolean
concord_store_set_cursor (ConcordStore  *self,
                          gint64         connection_id,
                          ConcordSide    side,
                          const char    *cursor,
                          GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (concord_store_check_side (side), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = concord_store_lease_statement (self, cursor != NULL ? STMT_SET_CURSOR : STMT_DELETE_CURSOR,
                                              error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int (stmt, 2, (int) side);
  if (cursor != NULL)
    concord_store_bind_text (stmt, 3, cursor);

  return concord_store_execute (self, stmt, "store a cursor", error);
}

/* ------------------------------------------------------------------------- */
/* Public API: intents                                                       */
/* ------------------------------------------------------------------------- */

/**
 * concord_store_add_intent:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @run_id: the run
 * @side: the side about to be written to
 * @op: "create" or "update"
 * @key: the normalised email for a create, the remote id for an update
 * @payload: (nullable): what is to be written, for diagnosis
 * @error: return location for a #GError
 *
 * Records that a write is about to happen. Remove the intent with
 * concord_store_remove_intent() once the write's outcome is stored.
 *
 * Returns: the id of the intent, or 0 on error
 */
gint64
concord_store_add_intent (ConcordStore  *self,
                          gint64         connection_id,
                          gint64         run_id,
                          ConcordSide    side,
                          const char    *op,
                          const char    *key,
                          const char    *payload,
                          GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), 0);
  g_return_val_if_fail (concord_store_check_side (side), 0);
  g_return_val_if_fail (op != NULL, 0);
  g_return_val_if_fail (key != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!(stmt = concord_store_lease_statement (self, STMT_ADD_INTENT, error)))
    return 0;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int64 (stmt, 2, run_id);
  sqlite3_bind_int (stmt, 3, (int) side);
  concord_store_bind_text (stmt, 4, op);
  concord_store_bind_text (stmt, 5, key);
  concord_store_bind_text (stmt, 6, payload);
  sqlite3_bind_int64 (stmt, 7, concord_store_now_seconds ());

  if (!concord_store_execute (self, stmt, "record a write intent", error))
    return 0;

  return sqlite3_last_insert_rowid (self->db);
}

/**
 * concord_store_remove_intent:
 * @self: a #ConcordStore
 * @intent_id: the intent
 * @error: return location for a #GError
 *
 * Returns: %TRUE when removed; %CONCORD_ERROR_NOT_FOUND when there is no
 *   such intent
 */
gboolean
concord_store_remove_intent (ConcordStore  *self,
                             gint64         intent_id,
                             GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = concord_store_lease_statement (self, STMT_REMOVE_INTENT, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, intent_id);

  if (!concord_store_execute (self, stmt, "remove a write intent", error))
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                   "No intent with id %" G_GINT64_FORMAT, intent_id);
      return FALSE;
    }

  return TRUE;
}

/**
 * concord_store_list_intents:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type ConcordIntentRow): the pending
 *   intents of the connection, oldest first, or %NULL on error
 */
GPtrArray *
concord_store_list_intents (ConcordStore  *self,
                            gint64         connection_id,
                            GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = concord_store_lease_statement (self, STMT_LIST_INTENTS, error)))
    return NULL;

  sqlite3_bind_int64 (stmt, 1, connection_id);

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_intent_row_free);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ConcordIntentRow *row = g_new0 (ConcordIntentRow, 1);

      row->id = sqlite3_column_int64 (stmt, 0);
      row->run_id = sqlite3_column_int64 (stmt, 1);
      row->side = sqlite3_column_int (stmt, 2) == CONCORD_SIDE_B ? CONCORD_SIDE_B
                                                                  : CONCORD_SIDE_A;
      row->op = concord_store_column_strdup (stmt, 3);
      row->key = concord_store_column_strdup (stmt, 4);
      row->payload = concord_store_column_strdup (stmt, 5);
      row->created = sqlite3_column_int64 (stmt, 6);

      g_ptr_array_add (rows, row);
    }

  if (rc != SQLITE_DONE)
    {
      concord_store_set_error (self, error, rc, "Could not list write intents");
      return NULL;
    }

  return g_steal_pointer (&rows);
}

/* ------------------------------------------------------------------------- */
/* Public API: runs                                                          */
/* ------------------------------------------------------------------------- */

/* Opens (creating it 0600 when missing) a file of ours in the folder. */
static int
open_private (const char  *path,
              GError     **error)
{
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  struct stat st;

  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED, "Could not open %s: %s", path,
                   g_strerror (saved_errno));
      return -1;
    }

  /* The umask may have taken bits we need, or a file of an older version
   * may be readable by others. */
  if (fstat (fd, &st) == 0 && (st.st_mode & 07777) != 0600)
    fchmod (fd, 0600);

  return fd;
}

char *
concord_store_run_lock_path (ConcordStore *self,
                             gint64        connection_id)
{
  return g_strdup_printf ("%s.run-%" G_GINT64_FORMAT ".lock", self->path, connection_id);
}

/* Takes the lock of @connection_id's runs: at once or not at all, or
 * waiting for the run that holds it (@wait). Returns its descriptor, or
 * -1 with %CONCORD_ERROR_BUSY when another run holds it and @wait is
 * %FALSE. */
int
concord_store_take_run_lock (ConcordStore  *self,
                             gint64         connection_id,
                             gboolean       wait,
                             GError       **error)
{
  g_autofree char *path = concord_store_run_lock_path (self, connection_id);
  int fd = open_private (path, error);
  int rc;

  if (fd < 0)
    return -1;

  do
    rc = flock (fd, LOCK_EX | (wait ? 0 : LOCK_NB));
  while (rc != 0 && errno == EINTR);

  if (rc != 0)
    {
      int saved_errno = errno;

      close (fd);
      if (saved_errno == EWOULDBLOCK)
        g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_BUSY,
                             "A sync of this connection is already running (in Concord or "
                             "concord-cli)");
      else
        g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED, "Could not lock %s: %s",
                     path, g_strerror (saved_errno));
      return -1;
    }

  return fd;
}

void
concord_store_run_lock_free (gpointer data)
{
  RunLock *lock = data;

  close (lock->fd);
  g_free (lock);
}

/* With the lock of @connection_id's runs held: its runs still "running"
 * belong to nobody, their process is gone. */
static gboolean
mark_interrupted (ConcordStore  *self,
                  gint64         connection_id,
                  GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt =
    concord_store_lease_statement (self, STMT_MARK_INTERRUPTED, error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  concord_store_bind_text (stmt, 2, "The sync stopped before it finished: Concord was closed or stopped "
                      "during it. The next sync completes the work");

  if (!concord_store_execute (self, stmt, "mark an interrupted run", error))
    return FALSE;

  if (sqlite3_changes (self->db) > 0)
    g_debug ("Connection %" G_GINT64_FORMAT ": %d run(s) were interrupted", connection_id,
             sqlite3_changes (self->db));

  return TRUE;
}

/* At open: runs left "running" whose lock nobody holds died with their
 * process. A run going in another process keeps its lock, and its row. */
void
concord_store_sweep_interrupted (ConcordStore *self)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(ConcordStoreStatement) stmt =
      concord_store_lease_statement (self, STMT_LIST_UNFINISHED, &error);
    int rc;

    if (stmt == NULL)
      {
        g_debug ("%s", error->message);
        return;
      }

    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        gint64 id = sqlite3_column_int64 (stmt, 0);

        g_array_append_val (ids, id);
      }
  }

  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      int fd = concord_store_take_run_lock (self, id, FALSE, &error);

      if (fd >= 0)
        {
          mark_interrupted (self, id, &error);
          close (fd);
        }

      if (error != NULL)
        g_debug ("Connection %" G_GINT64_FORMAT ": %s", id, error->message);
      g_clear_error (&error);
    }
}

static gint64
insert_run (ConcordStore  *self,
            gint64         connection_id,
            gboolean       dry_run,
            GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  if (!(stmt = concord_store_lease_statement (self, STMT_BEGIN_RUN, error)))
    return 0;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int64 (stmt, 2, concord_store_now_seconds ());
  sqlite3_bind_int (stmt, 3, dry_run ? 1 : 0);

  if (!concord_store_execute (self, stmt, "record a run", error))
    return 0;

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                           "No such connection: it was removed");
      return 0;
    }

  return sqlite3_last_insert_rowid (self->db);
}

/**
 * concord_store_begin_run:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @dry_run: whether the run only plans
 * @error: return location for a #GError
 *
 * Records the start of a run, now. A run that writes (not @dry_run) takes
 * the lock of its connection's runs, shared by every process using this
 * database, until concord_store_finish_run(): while another run of the
 * connection holds it, this fails at once with %CONCORD_ERROR_BUSY. Runs of
 * the connection left unfinished by a process that is gone are marked
 * "interrupted". A connection that does not exist (any more) is
 * %CONCORD_ERROR_NOT_FOUND.
 *
 * Returns: the id of the run, or 0 on error
 */
gint64
concord_store_begin_run (ConcordStore  *self,
                         gint64         connection_id,
                         gboolean       dry_run,
                         GError       **error)
{
  RunLock *lock;
  gint64 run_id;

  g_return_val_if_fail (CONCORD_IS_STORE (self), 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (dry_run)
    return insert_run (self, connection_id, TRUE, error);

  /* Held already: this store's previous run of it stopped without
   * finishing (runs of one store follow each other on its thread). */
  lock = g_hash_table_lookup (self->run_locks, &connection_id);
  if (lock == NULL)
    {
      int fd = concord_store_take_run_lock (self, connection_id, FALSE, error);

      if (fd < 0)
        return 0;

      lock = g_new0 (RunLock, 1);
      lock->fd = fd;
      g_hash_table_insert (self->run_locks, g_memdup2 (&connection_id, sizeof connection_id), lock);
    }

  if (!mark_interrupted (self, connection_id, error) ||
      (run_id = insert_run (self, connection_id, FALSE, error)) == 0)
    {
      g_hash_table_remove (self->run_locks, &connection_id);
      return 0;
    }

  lock->run_id = run_id;
  return run_id;
}

/**
 * concord_store_is_run_going:
 * @self: a #ConcordStore
 * @connection_id: the connection
 *
 * Whether a run of @connection_id is going in another store (another
 * process: the app, concord-cli), i.e. whether concord_store_begin_run()
 * would now fail with %CONCORD_ERROR_BUSY. Only a hint, for waiting
 * without asking the apps for anything: the answer may change at once.
 *
 * Returns: %TRUE when another run of the connection holds its lock
 */
gboolean
concord_store_is_run_going (ConcordStore *self,
                            gint64        connection_id)
{
  g_autoptr(GError) error = NULL;
  int fd;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);

  if (g_hash_table_contains (self->run_locks, &connection_id))
    return FALSE;

  fd = concord_store_take_run_lock (self, connection_id, FALSE, &error);
  if (fd >= 0)
    close (fd);

  return g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_BUSY);
}

/* The run has ended: another may start. */
static void
release_run_lock (ConcordStore *self,
                  gint64        run_id)
{
  GHashTableIter iter;
  RunLock *lock;

  g_hash_table_iter_init (&iter, self->run_locks);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lock))
    if (lock->run_id == run_id)
      {
        g_hash_table_iter_remove (&iter);
        return;
      }
}

/**
 * concord_store_finish_run:
 * @self: a #ConcordStore
 * @run_id: the run
 * @status: (nullable): "ok", "failed" or "aborted"
 * @summary_json: (nullable): the run's figures
 * @error: return location for a #GError
 *
 * Records the end of a run, now, and lets the next run of its connection
 * start (even when recording fails).
 *
 * Returns: %TRUE when recorded; %CONCORD_ERROR_NOT_FOUND when there is no
 *   such run
 */
gboolean
concord_store_finish_run (ConcordStore  *self,
                          gint64         run_id,
                          const char    *status,
                          const char    *summary_json,
                          GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  gboolean ok;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = concord_store_lease_statement (self, STMT_FINISH_RUN, error)))
    {
      release_run_lock (self, run_id);
      return FALSE;
    }

  sqlite3_bind_int64 (stmt, 1, run_id);
  sqlite3_bind_int64 (stmt, 2, concord_store_now_seconds ());
  concord_store_bind_text (stmt, 3, status);
  concord_store_bind_text (stmt, 4, summary_json);

  ok = concord_store_execute (self, stmt, "record the end of a run", error);
  release_run_lock (self, run_id);
  if (!ok)
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                   "No run with id %" G_GINT64_FORMAT, run_id);
      return FALSE;
    }

  return TRUE;
}

/**
 * concord_store_list_runs:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @limit: the most rows to return; 0 for all
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type ConcordRunRow): the runs of the
 *   connection, newest first, or %NULL on error
 */
GPtrArray *
concord_store_list_runs (ConcordStore  *self,
                         gint64         connection_id,
                         guint          limit,
                         GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = concord_store_lease_statement (self, STMT_LIST_RUNS, error)))
    return NULL;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1);  /* -1: no limit */

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_run_row_free);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, concord_store_run_row_from_statement (stmt));

  if (rc != SQLITE_DONE)
    {
      concord_store_set_error (self, error, rc, "Could not list runs");
      return NULL;
    }

  return g_steal_pointer (&rows);
}
