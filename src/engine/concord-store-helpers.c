/* concord-store-helpers.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The helpers every part of the state store uses: errors, leasing and
 * stepping prepared statements, binding and reading values, and operations
 * of several statements run all or nothing.
 */

#define G_LOG_DOMAIN "concord-store"

#include "config.h"

#include "concord-error.h"
#include "concord-store-private.h"

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

gint64
concord_store_now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static int
error_code_for_result (int rc)
{
  switch (rc)
    {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return CONCORD_ERROR_CONFLICT;

    default:
      break;
    }

  switch (rc & 0xff)
    {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return CONCORD_ERROR_PARSE;

    default:
      return CONCORD_ERROR_FAILED;
    }
}

/* What a person can do about an error of the disk or the folder; NULL
 * when there is nothing they can do. */
static char *
advice_for_result (ConcordStore *self,
                   int           rc)
{
  g_autofree char *dir = NULL;

  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      return g_strdup ("The disk is full: free some space on it, then try again");

    case SQLITE_IOERR:
      return g_strdup ("The disk may be full, failing or gone: free some space on it or check it, "
                       "then try again");

    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      dir = g_path_get_dirname (self->path);
      return g_strdup_printf ("Concord must be able to write to the folder %s and to the files in "
                              "it: make them yours and writable (or free the disk if it is full), "
                              "then try again", dir);

    default:
      return NULL;
    }
}

/* Sets "<formatted>: <SQLite's message>" and, for the errors a person can
 * fix, what to do. Call it before the failed statement is reset, while
 * the connection still holds its message. */
void
concord_store_set_error (ConcordStore  *self,
                         GError       **error,
                         int            rc,
                         const char    *format,
                         ...)
{
  g_autofree char *what = NULL;
  g_autofree char *advice = advice_for_result (self, rc);
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, CONCORD_ERROR, error_code_for_result (rc), "%s: %s%s%s", what,
               self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc),
               advice != NULL ? ". " : "", advice != NULL ? advice : "");
}

void
concord_store_release_statement (ConcordStoreStatement *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

/* Returns the cached statement @id, preparing it on first use. */
ConcordStoreStatement *
concord_store_lease_statement (ConcordStore             *self,
                               ConcordStoreStatementId   id,
                               GError                  **error)
{
  g_assert (id < N_STATEMENTS);
  g_assert (concord_store_statement_sql[id] != NULL);
  g_assert (self->db != NULL);

  if (self->statements[id] == NULL)
    {
      int rc = sqlite3_prepare_v2 (self->db, concord_store_statement_sql[id], -1,
                                   &self->statements[id], NULL);

      if (rc != SQLITE_OK)
        {
          concord_store_set_error (self, error, rc, "Could not prepare statement %d", (int) id);
          sqlite3_finalize (self->statements[id]);
          self->statements[id] = NULL;
          return NULL;
        }
    }

  return self->statements[id];
}

/* Steps a statement that returns no rows. A foreign-key violation becomes
 * @foreign_key_code, explained by @foreign_key_reason: CONFLICT when
 * deleting a row still referred to, NOT_FOUND when inserting a row whose
 * parent does not exist. */
gboolean
concord_store_execute_full (ConcordStore           *self,
                            ConcordStoreStatement  *stmt,
                            const char             *what,
                            int                     foreign_key_code,
                            const char             *foreign_key_reason,
                            GError                **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_DONE)
    return TRUE;

  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY && foreign_key_reason != NULL)
    g_set_error (error, CONCORD_ERROR, foreign_key_code, "Could not %s: %s",
                 what, foreign_key_reason);
  else
    concord_store_set_error (self, error, rc, "Could not %s", what);

  return FALSE;
}

gboolean
concord_store_execute (ConcordStore           *self,
                       ConcordStoreStatement  *stmt,
                       const char             *what,
                       GError                **error)
{
  return concord_store_execute_full (self, stmt, what, CONCORD_ERROR_CONFLICT, NULL, error);
}

gboolean
concord_store_execute_id (ConcordStore             *self,
                          ConcordStoreStatementId   id,
                          const char               *what,
                          GError                  **error)
{
  g_autoptr(ConcordStoreStatement) stmt = concord_store_lease_statement (self, id, error);

  return stmt != NULL && concord_store_execute (self, stmt, what, error);
}

/* Runs every statement of @sql once, for one-off pragmas and migration
 * scripts: none of them takes a value. */
gboolean
concord_store_execute_script (ConcordStore  *self,
                              const char    *sql,
                              const char    *what,
                              GError       **error)
{
  const char *tail = sql;

  while (tail != NULL && *tail != '\0')
    {
      sqlite3_stmt *stmt = NULL;
      int rc;

      rc = sqlite3_prepare_v2 (self->db, tail, -1, &stmt, &tail);
      if (rc != SQLITE_OK)
        {
          concord_store_set_error (self, error, rc, "Could not %s", what);
          return FALSE;
        }

      if (stmt == NULL)  /* only white space or a comment was left */
        continue;

      do
        rc = sqlite3_step (stmt);
      while (rc == SQLITE_ROW);

      if (rc != SQLITE_DONE)
        {
          concord_store_set_error (self, error, rc, "Could not %s", what);
          sqlite3_finalize (stmt);
          return FALSE;
        }

      sqlite3_finalize (stmt);
    }

  return TRUE;
}

/* Steps a statement returning one integer, e.g. a count. */
gboolean
concord_store_query_int64 (ConcordStore           *self,
                           ConcordStoreStatement  *stmt,
                           gint64                 *value,
                           const char             *what,
                           GError                **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_ROW)
    {
      concord_store_set_error (self, error, rc, "Could not %s", what);
      return FALSE;
    }

  *value = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

char *
concord_store_column_strdup (sqlite3_stmt *stmt,
                             int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  if (text == NULL)
    return NULL;

  return g_strndup (text, sqlite3_column_bytes (stmt, column));
}

void
concord_store_bind_text (sqlite3_stmt *stmt,
                         int           index,
                         const char   *text)
{
  /* SQLITE_STATIC: every lease ends before the caller's strings go away. A
   * NULL pointer binds SQL NULL. */
  sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC);
}

/* An operation of several statements runs in its own transaction, or in a
 * savepoint inside the caller's transaction, so it is all or nothing
 * without ending the caller's transaction. */
gboolean
concord_store_operation_begin (ConcordStore  *self,
                               gboolean      *savepoint,
                               GError       **error)
{
  *savepoint = !sqlite3_get_autocommit (self->db);

  return concord_store_execute_id (self, *savepoint ? STMT_SAVEPOINT : STMT_BEGIN,
                                   "begin a transaction", error);
}

void
concord_store_operation_abort (ConcordStore *self,
                               gboolean      savepoint)
{
  g_autoptr(GError) local_error = NULL;

  if (savepoint)
    {
      if (!concord_store_execute_id (self, STMT_ROLLBACK_TO, "roll back to a savepoint", &local_error) ||
          !concord_store_execute_id (self, STMT_RELEASE, "release a savepoint", &local_error))
        g_debug ("%s", local_error->message);
    }
  else if (!sqlite3_get_autocommit (self->db))
    {
      if (!concord_store_execute_id (self, STMT_ROLLBACK, "roll back", &local_error))
        g_debug ("%s", local_error->message);
    }
}

gboolean
concord_store_operation_commit (ConcordStore  *self,
                                gboolean       savepoint,
                                GError       **error)
{
  if (concord_store_execute_id (self, savepoint ? STMT_RELEASE : STMT_COMMIT, "commit", error))
    return TRUE;

  concord_store_operation_abort (self, savepoint);
  return FALSE;
}

gboolean
concord_store_check_side (ConcordSide side)
{
  return side == CONCORD_SIDE_A || side == CONCORD_SIDE_B;
}
