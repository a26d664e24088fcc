/* concord-store-connections.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The connections of the state store: adding, looking up, changing,
 * renaming and removing them (with everything of theirs), and their sync
 * schedules.
 */

#define G_LOG_DOMAIN "concord-store"

#include "config.h"

#include <unistd.h>

#include <glib/gstdio.h>

#include "concord-error.h"
#include "concord-store-private.h"

/* ------------------------------------------------------------------------- */
/* Public API: connections                                                   */
/* ------------------------------------------------------------------------- */

/**
 * concord_store_add_connection:
 * @self: a #ConcordStore
 * @row: the connection; its id is ignored, and a @created of 0 means now
 * @error: return location for a #GError
 *
 * Adds a connection. A duplicate name is a %CONCORD_ERROR_CONFLICT; an
 * account that does not exist is a %CONCORD_ERROR_NOT_FOUND; a name
 * concord_store_check_name() refuses, or the same account on both sides,
 * is %CONCORD_ERROR_INVALID.
 *
 * Returns: the id of the new connection, or 0 on error
 */
gint64
concord_store_add_connection (ConcordStore                *self,
                              const ConcordConnectionRow  *row,
                              GError                     **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), 0);
  g_return_val_if_fail (row != NULL, 0);
  g_return_val_if_fail (row->name != NULL, 0);
  g_return_val_if_fail (row->account_a != NULL && row->type_a != NULL, 0);
  g_return_val_if_fail (row->account_b != NULL && row->type_b != NULL, 0);
  g_return_val_if_fail ((guint) row->direction <= CONCORD_DIRECTION_B_TO_A, 0);
  g_return_val_if_fail ((guint) row->prefer <= CONCORD_PREFER_NEWEST, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!concord_store_check_name (row->name, error))
    return 0;

  /* Each contact would be its own pair: every run would "sync" an
   * account with itself, or create copies of its contacts in it. */
  if (g_str_equal (row->account_a, row->account_b))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "A connection needs two different accounts, not the same one on "
                           "both sides");
      return 0;
    }

  if (!(stmt = concord_store_lease_statement (self, STMT_ADD_CONNECTION, error)))
    return 0;

  concord_store_bind_text (stmt, 1, row->name);
  concord_store_bind_text (stmt, 2, row->account_a);
  concord_store_bind_text (stmt, 3, row->type_a);
  concord_store_bind_text (stmt, 4, row->account_b);
  concord_store_bind_text (stmt, 5, row->type_b);
  concord_store_bind_text (stmt, 6, concord_direction_to_string (row->direction));
  concord_store_bind_text (stmt, 7, concord_prefer_to_string (row->prefer));
  concord_store_bind_text (stmt, 8, row->config_json);
  sqlite3_bind_int (stmt, 9, row->enabled ? 1 : 0);
  sqlite3_bind_int64 (stmt, 10, row->created != 0 ? row->created : concord_store_now_seconds ());

  if (!concord_store_execute_full (self, stmt, "add a connection",
                                   CONCORD_ERROR_NOT_FOUND, "one of its accounts does not exist", error))
    return 0;

  return sqlite3_last_insert_rowid (self->db);
}

static ConcordConnectionRow *
get_connection_row (ConcordStore           *self,
                    ConcordStoreStatement  *stmt,
                    GError                **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    return concord_store_connection_row_from_statement (stmt, error);

  if (rc == SQLITE_DONE)
    g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND, "No such connection");
  else
    concord_store_set_error (self, error, rc, "Could not look up a connection");

  return NULL;
}

/**
 * concord_store_get_connection:
 * @self: a #ConcordStore
 * @name: the name of the connection
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the connection, or %NULL on error
 *   (%CONCORD_ERROR_NOT_FOUND when there is none of that name)
 */
ConcordConnectionRow *
concord_store_get_connection (ConcordStore  *self,
                              const char    *name,
                              GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = concord_store_lease_statement (self, STMT_GET_CONNECTION, error)))
    return NULL;

  concord_store_bind_text (stmt, 1, name);

  return get_connection_row (self, stmt, error);
}

/**
 * concord_store_get_connection_by_id:
 * @self: a #ConcordStore
 * @id: the id of the connection
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the connection, or %NULL on error
 *   (%CONCORD_ERROR_NOT_FOUND when there is none with that id)
 */
ConcordConnectionRow *
concord_store_get_connection_by_id (ConcordStore  *self,
                                    gint64         id,
                                    GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = concord_store_lease_statement (self, STMT_GET_CONNECTION_BY_ID, error)))
    return NULL;

  sqlite3_bind_int64 (stmt, 1, id);

  return get_connection_row (self, stmt, error);
}

/**
 * concord_store_list_connections:
 * @self: a #ConcordStore
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type ConcordConnectionRow): every
 *   connection, oldest first, or %NULL on error
 */
GPtrArray *
concord_store_list_connections (ConcordStore  *self,
                                GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = concord_store_lease_statement (self, STMT_LIST_CONNECTIONS, error)))
    return NULL;

  return concord_store_connection_rows_from_statement (self, stmt, "list connections", error);
}

static gboolean
delete_connection (ConcordStore  *self,
                   gint64         id,
                   GError       **error)
{
  static const ConcordStoreStatementId dependents[] = {
    STMT_DELETE_CONNECTION_RECORDS,
    STMT_DELETE_CONNECTION_BASELINES,  /* before the links they refer to */
    STMT_DELETE_CONNECTION_LINKS,
    STMT_DELETE_CONNECTION_CURSORS,
    STMT_DELETE_CONNECTION_INTENTS,
    STMT_DELETE_CONNECTION_RUNS,
    STMT_DELETE_CONNECTION_JOURNAL,
    STMT_DELETE_CONNECTION_CONFLICTS,
  };
  gboolean savepoint;

  if (!concord_store_operation_begin (self, &savepoint, error))
    return FALSE;

  {
    g_autoptr(ConcordStoreStatement) stmt =
      concord_store_lease_statement (self, STMT_DELETE_CONNECTION, error);

    if (stmt == NULL)
      goto fail;

    sqlite3_bind_int64 (stmt, 1, id);

    if (!concord_store_execute (self, stmt, "remove a connection", error))
      goto fail;

    if (sqlite3_changes (self->db) == 0)
      {
        g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                     "No connection with id %" G_GINT64_FORMAT, id);
        goto fail;
      }
  }

  for (guint i = 0; i < G_N_ELEMENTS (dependents); i++)
    {
      g_autoptr(ConcordStoreStatement) stmt = concord_store_lease_statement (self, dependents[i], error);

      if (stmt == NULL)
        goto fail;

      sqlite3_bind_int64 (stmt, 1, id);

      if (!concord_store_execute (self, stmt, "remove the data of a connection", error))
        goto fail;
    }

  return concord_store_operation_commit (self, savepoint, error);

fail:
  concord_store_operation_abort (self, savepoint);
  return FALSE;
}

/**
 * concord_store_remove_connection:
 * @self: a #ConcordStore
 * @id: the id of the connection
 * @error: return location for a #GError
 *
 * Removes a connection and everything of it (index, links, baselines,
 * cursors, intents, runs, journal and conflicts), all or nothing. A run of
 * the connection going in another process is waited for (outside a
 * transaction; inside one, that is %CONCORD_ERROR_BUSY), so that nothing
 * of it is written after the removal.
 *
 * Returns: %TRUE when removed; %CONCORD_ERROR_NOT_FOUND when there is no
 *   such connection
 */
gboolean
concord_store_remove_connection (ConcordStore  *self,
                                 gint64         id,
                                 GError       **error)
{
  g_autofree char *lock_path = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean held;
  gboolean ok;
  int fd = -1;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Held by this store only for a run that stopped without finishing. */
  held = g_hash_table_contains (self->run_locks, &id);
  if (!held &&
      (fd = concord_store_take_run_lock (self, id, sqlite3_get_autocommit (self->db), error)) < 0)
    return FALSE;

  ok = delete_connection (self, id, &local_error);

  /* Still holding it: a run that waited for it finds no connection, and
   * ids are never used twice, so the file can go. */
  lock_path = concord_store_run_lock_path (self, id);
  if (ok || g_error_matches (local_error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND))
    g_unlink (lock_path);
  if (held)
    g_hash_table_remove (self->run_locks, &id);
  if (fd >= 0)
    close (fd);

  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));

  return ok;
}

static gboolean
update_connection (ConcordStore           *self,
                   ConcordStoreStatement  *stmt,
                   gint64                  id,
                   GError                **error)
{
  if (!concord_store_execute (self, stmt, "change a connection", error))
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                   "No connection with id %" G_GINT64_FORMAT, id);
      return FALSE;
    }

  return TRUE;
}

/**
 * concord_store_set_connection_enabled:
 * @self: a #ConcordStore
 * @id: the id of the connection
 * @enabled: whether the connection syncs
 * @error: return location for a #GError
 *
 * Returns: %TRUE when changed; %CONCORD_ERROR_NOT_FOUND when there is no
 *   such connection
 */
gboolean
concord_store_set_connection_enabled (ConcordStore  *self,
                                      gint64         id,
                                      gboolean       enabled,
                                      GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = concord_store_lease_statement (self, STMT_SET_CONNECTION_ENABLED, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int (stmt, 2, enabled ? 1 : 0);

  return update_connection (self, stmt, id, error);
}

/**
 * concord_store_set_connection_config:
 * @self: a #ConcordStore
 * @id: the id of the connection
 * @config_json: (nullable): the rules and mapping
 * @error: return location for a #GError
 *
 * Returns: %TRUE when changed; %CONCORD_ERROR_NOT_FOUND when there is no
 *   such connection
 */
gboolean
concord_store_set_connection_config (ConcordStore  *self,
                                     gint64         id,
                                     const char    *config_json,
                                     GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = concord_store_lease_statement (self, STMT_SET_CONNECTION_CONFIG, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, id);
  concord_store_bind_text (stmt, 2, config_json);

  return update_connection (self, stmt, id, error);
}

/**
 * concord_store_rename_connection:
 * @self: a #ConcordStore
 * @id: the id of the connection
 * @name: its new name (see concord_store_check_name())
 * @error: return location for a #GError
 *
 * Renames a connection; nothing else of it changes.
 *
 * Returns: %TRUE when renamed; %CONCORD_ERROR_INVALID for a name that
 *   cannot be used, %CONCORD_ERROR_CONFLICT when another connection has
 *   it, %CONCORD_ERROR_NOT_FOUND when there is no such connection
 */
gboolean
concord_store_rename_connection (ConcordStore  *self,
                                 gint64         id,
                                 const char    *name,
                                 GError       **error)
{
  g_autoptr(ConcordConnectionRow) holder = NULL;
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!concord_store_check_name (name, error))
    return FALSE;

  /* Said plainly, rather than as the UNIQUE constraint's failure. */
  holder = concord_store_get_connection (self, name, NULL);
  if (holder != NULL && holder->id != id)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                   "Another connection is called \"%s\"", name);
      return FALSE;
    }

  if (!(stmt = concord_store_lease_statement (self, STMT_RENAME_CONNECTION, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, id);
  concord_store_bind_text (stmt, 2, name);

  return update_connection (self, stmt, id, error);
}

/* ------------------------------------------------------------------------- */
/* Schedules (schema 5)                                                      */
/* ------------------------------------------------------------------------- */

/**
 * concord_store_get_schedule:
 * @self: a #ConcordStore
 * @id: the id of the connection
 * @seconds: (out): the seconds between the end of a run and the start of
 *   the next; 0 for automatic
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success; %CONCORD_ERROR_NOT_FOUND when there is no
 *   such connection
 */
gboolean
concord_store_get_schedule (ConcordStore  *self,
                            gint64         id,
                            guint         *seconds,
                            GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (seconds != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = concord_store_lease_statement (self, STMT_GET_SCHEDULE, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *seconds = (guint) CLAMP (sqlite3_column_int64 (stmt, 0), 0, G_MAXUINT);
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                 "No connection with id %" G_GINT64_FORMAT, id);
  else
    concord_store_set_error (self, error, rc, "Could not read a schedule");
  return FALSE;
}

/**
 * concord_store_set_schedule:
 * @self: a #ConcordStore
 * @id: the id of the connection
 * @seconds: the seconds between the end of a run and the start of the
 *   next; 0 for automatic
 * @error: return location for a #GError
 *
 * Returns: %TRUE when changed; %CONCORD_ERROR_NOT_FOUND when there is no
 *   such connection
 */
gboolean
concord_store_set_schedule (ConcordStore  *self,
                            gint64         id,
                            guint          seconds,
                            GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = concord_store_lease_statement (self, STMT_SET_SCHEDULE, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, seconds);

  return update_connection (self, stmt, id, error);
}

/**
 * concord_store_count_records:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @side: which side
 * @error: return location for a #GError
 *
 * How many records of one side the last runs saw: what a full listing of
 * that side will read, as far as Concord knows.
 *
 * Returns: the count, or -1 with @error set
 */
gint64
concord_store_count_records (ConcordStore  *self,
                             gint64         connection_id,
                             ConcordSide    side,
                             GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  gint64 count;

  g_return_val_if_fail (CONCORD_IS_STORE (self), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!(stmt = concord_store_lease_statement (self, STMT_COUNT_RECORDS, error)))
    return -1;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int (stmt, 2, side);

  if (!concord_store_query_int64 (self, stmt, &count, "count records", error))
    return -1;

  return count;
}
