/* concord-store-journal.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The journal and the conflicts of the state store: what each run did and
 * what it had to decide.
 */

#define G_LOG_DOMAIN "concord-store"

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-store-private.h"

/* ------------------------------------------------------------------------- */
/* Public API: journal and conflicts                                         */
/* ------------------------------------------------------------------------- */

/* A journal row says what happened; it is not a copy of the data. A value
 * longer than CONCORD_STORE_JOURNAL_MAX_TEXT bytes (a huge name, a whole
 * record or document) is kept cut, on a character boundary, with a mark
 * saying how long it was: %NULL when @text fits, else the cut copy. */
static char *
journal_cut (const char *text)
{
  gsize length;
  gsize keep = CONCORD_STORE_JOURNAL_MAX_TEXT;

  if (text == NULL)
    return NULL;

  length = strlen (text);
  if (length <= CONCORD_STORE_JOURNAL_MAX_TEXT)
    return NULL;

  while (keep > 0 && ((guchar) text[keep] & 0xC0) == 0x80)
    keep--;

  return g_strdup_printf ("%.*s… [cut: %" G_GSIZE_FORMAT " bytes]", (int) keep, text, length);
}

/**
 * concord_store_add_journal:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @row: the row; its id is ignored, and a @time of 0 means now
 * @error: return location for a #GError
 *
 * Appends a row to the journal. A text longer than
 * %CONCORD_STORE_JOURNAL_MAX_TEXT bytes is kept cut, with a mark.
 *
 * Returns: %TRUE when stored
 */
gboolean
concord_store_add_journal (ConcordStore             *self,
                           gint64                    connection_id,
                           const ConcordJournalRow  *row,
                           GError                  **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  g_autofree char *field = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *error_text = NULL;
  g_autofree char *email = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (row != NULL, FALSE);
  g_return_val_if_fail (row->direction != NULL, FALSE);
  g_return_val_if_fail (row->op != NULL, FALSE);
  g_return_val_if_fail (row->outcome != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  field = journal_cut (row->field);
  before = journal_cut (row->before);
  after = journal_cut (row->after);
  error_text = journal_cut (row->error);
  email = journal_cut (row->email);
  name = journal_cut (row->name);

  if (!(stmt = concord_store_lease_statement (self, STMT_ADD_JOURNAL, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int64 (stmt, 2, row->run_id);
  sqlite3_bind_int64 (stmt, 3, row->time != 0 ? row->time : concord_store_now_seconds ());
  sqlite3_bind_int64 (stmt, 4, row->link_id);
  concord_store_bind_text (stmt, 5, row->direction);
  concord_store_bind_text (stmt, 6, row->remote_id);
  concord_store_bind_text (stmt, 7, row->op);
  concord_store_bind_text (stmt, 8, field != NULL ? field : row->field);
  concord_store_bind_text (stmt, 9, before != NULL ? before : row->before);
  concord_store_bind_text (stmt, 10, after != NULL ? after : row->after);
  concord_store_bind_text (stmt, 11, row->outcome);
  concord_store_bind_text (stmt, 12, error_text != NULL ? error_text : row->error);
  concord_store_bind_text (stmt, 13, email != NULL ? email : row->email);
  concord_store_bind_text (stmt, 14, name != NULL ? name : row->name);
  {
    const char *row_email = email != NULL ? email : row->email;
    const char *row_name = name != NULL ? name : row->name;

    if (g_strcmp0 (row_email, self->search_email) != 0 || g_strcmp0 (row_name, self->search_name) != 0)
      {
        g_free (self->search_email);
        g_free (self->search_name);
        g_free (self->search_key);
        self->search_email = g_strdup (row_email);
        self->search_name = g_strdup (row_name);
        self->search_key = concord_store_make_search_key (row_email, row_name);
      }
    concord_store_bind_text (stmt, 15, self->search_key);
  }
  concord_store_bind_text (stmt, 16, row->code);
  concord_store_bind_text (stmt, 17, row->code_side);
  concord_store_bind_text (stmt, 18, row->code_field);

  return concord_store_execute (self, stmt, "add a journal row", error);
}

/**
 * concord_store_list_journal:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @run_id: the run, or 0 for every run
 * @limit: the most rows to return; 0 for all
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type ConcordJournalRow): journal rows,
 *   newest first, or %NULL on error
 */
GPtrArray *
concord_store_list_journal (ConcordStore  *self,
                            gint64         connection_id,
                            gint64         run_id,
                            guint          limit,
                            GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = concord_store_lease_statement (self,
                                              run_id != 0 ? STMT_LIST_JOURNAL_RUN : STMT_LIST_JOURNAL_ALL,
                                              error)))
    return NULL;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1);
  if (run_id != 0)
    sqlite3_bind_int64 (stmt, 3, run_id);

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_journal_row_free);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, concord_store_journal_row_from_statement (stmt));

  if (rc != SQLITE_DONE)
    {
      concord_store_set_error (self, error, rc, "Could not list the journal");
      return NULL;
    }

  return g_steal_pointer (&rows);
}

/**
 * concord_store_count_journal:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @run_id: the run, or 0 for every run
 * @outcome: (nullable): count only rows of this outcome ("ok", "failed",
 *   "skipped"); %NULL for all
 * @error: return location for a #GError
 *
 * Returns: the number of journal rows, or -1 on error
 */
gint64
concord_store_count_journal (ConcordStore  *self,
                             gint64         connection_id,
                             gint64         run_id,
                             const char    *outcome,
                             GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  gint64 count;

  g_return_val_if_fail (CONCORD_IS_STORE (self), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!(stmt = concord_store_lease_statement (self,
                                              run_id != 0 ? STMT_COUNT_JOURNAL_RUN : STMT_COUNT_JOURNAL_ALL,
                                              error)))
    return -1;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  concord_store_bind_text (stmt, 2, outcome);
  if (run_id != 0)
    sqlite3_bind_int64 (stmt, 3, run_id);

  if (!concord_store_query_int64 (self, stmt, &count, "count journal rows", error))
    return -1;

  return count;
}

/**
 * concord_store_add_conflict:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @row: the row; its id is ignored, and a @time of 0 means now
 * @error: return location for a #GError
 *
 * Records a conflict and how it was settled.
 *
 * Returns: %TRUE when stored
 */
gboolean
concord_store_add_conflict (ConcordStore              *self,
                            gint64                     connection_id,
                            const ConcordConflictRow  *row,
                            GError                   **error)
{
  g_autofree char *search = NULL;
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (row != NULL, FALSE);
  g_return_val_if_fail (row->kind != NULL, FALSE);
  g_return_val_if_fail (row->winner != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = concord_store_lease_statement (self, STMT_ADD_CONFLICT, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int64 (stmt, 2, row->run_id);
  sqlite3_bind_int64 (stmt, 3, row->time != 0 ? row->time : concord_store_now_seconds ());
  sqlite3_bind_int64 (stmt, 4, row->link_id);
  concord_store_bind_text (stmt, 5, row->kind);
  concord_store_bind_text (stmt, 6, row->field);
  concord_store_bind_text (stmt, 7, row->value_a);
  concord_store_bind_text (stmt, 8, row->value_b);
  concord_store_bind_text (stmt, 9, row->winner);
  sqlite3_bind_int (stmt, 10, row->resolved ? 1 : 0);
  concord_store_bind_text (stmt, 11, row->email);
  concord_store_bind_text (stmt, 12, row->name);
  search = concord_store_make_search_key (row->email, row->name);
  concord_store_bind_text (stmt, 13, search);
  concord_store_bind_text (stmt, 14, row->chosen);

  return concord_store_execute (self, stmt, "record a conflict", error);
}

/**
 * concord_store_list_conflicts:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @run_id: the run, or 0 for every run
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type ConcordConflictRow): conflicts,
 *   newest first, or %NULL on error
 */
GPtrArray *
concord_store_list_conflicts (ConcordStore  *self,
                              gint64         connection_id,
                              gint64         run_id,
                              GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = concord_store_lease_statement (self,
                                              run_id != 0 ? STMT_LIST_CONFLICTS_RUN
                                                          : STMT_LIST_CONFLICTS_ALL,
                                              error)))
    return NULL;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  if (run_id != 0)
    sqlite3_bind_int64 (stmt, 2, run_id);

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_conflict_row_free);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, concord_store_conflict_row_from_statement (stmt));

  if (rc != SQLITE_DONE)
    {
      concord_store_set_error (self, error, rc, "Could not list conflicts");
      return NULL;
    }

  return g_steal_pointer (&rows);
}
