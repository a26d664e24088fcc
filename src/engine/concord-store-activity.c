/* concord-store-activity.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The activity view and the health summary of the state store: one
 * newest-first list of runs, conflicts and journal rows, and the counts
 * of contacts left out, unmatched, waiting or failing.
 */

#define G_LOG_DOMAIN "concord-store"

#include "config.h"

#include "concord-error.h"
#include "concord-store-private.h"

/* ------------------------------------------------------------------------- */
/* Public API: the activity view and the health summary                      */
/* ------------------------------------------------------------------------- */

/**
 * concord_activity_entry_free:
 * @entry: (nullable): an entry
 */
void
concord_activity_entry_free (ConcordActivityEntry *entry)
{
  if (entry == NULL)
    return;

  switch (entry->source)
    {
    case CONCORD_ACTIVITY_SOURCE_RUN:
      concord_run_row_free (entry->row);
      break;
    case CONCORD_ACTIVITY_SOURCE_CONFLICT:
      concord_conflict_row_free (entry->row);
      break;
    case CONCORD_ACTIVITY_SOURCE_JOURNAL:
    default:
      concord_journal_row_free (entry->row);
      break;
    }
  g_free (entry);
}

/**
 * concord_failure_count_free:
 * @failure: (nullable): a failure count
 */
void
concord_failure_count_free (ConcordFailureCount *failure)
{
  if (failure == NULL)
    return;

  g_free (failure->error);
  g_free (failure->code);
  g_free (failure->code_side);
  g_free (failure->code_field);
  g_free (failure);
}

/**
 * concord_store_make_search_key:
 * @email: (nullable): an email address
 * @name: (nullable): a name
 *
 * What the activity's search looks in: the casefolded name and email,
 * or %NULL when there is neither. Text that is not UTF-8 is made valid
 * first, so any search key is.
 *
 * Returns: (transfer full) (nullable): the key
 */
char *
concord_store_make_search_key (const char *email,
                               const char *name)
{
  g_autofree char *joined = NULL;
  g_autofree char *valid = NULL;

  if ((email == NULL || *email == '\0') && (name == NULL || *name == '\0'))
    return NULL;

  joined = g_strdup_printf ("%s %s", name != NULL ? name : "", email != NULL ? email : "");
  valid = g_utf8_make_valid (joined, -1);
  return g_utf8_casefold (valid, -1);
}

/**
 * concord_store_set_run_error:
 * @self: a #ConcordStore
 * @run_id: the run
 * @failure: (nullable): why it failed
 * @error: return location for a #GError
 *
 * Keeps why a run failed, for the activity view: the message, and the code,
 * side and field (concord_error_code_of(), concord_error_get_side(),
 * concord_error_get_field()) people's words are made from.
 *
 * Returns: %TRUE when stored
 */
gboolean
concord_store_set_run_error (ConcordStore  *self,
                             gint64         run_id,
                             const GError  *failure,
                             GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  int side = concord_error_get_side (failure);

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = concord_store_lease_statement (self, STMT_SET_RUN_ERROR, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, run_id);
  concord_store_bind_text (stmt, 2, failure != NULL ? failure->message : NULL);
  concord_store_bind_text (stmt, 3, failure != NULL
                                    ? concord_error_to_nick (concord_error_code_of (failure)) : NULL);
  concord_store_bind_text (stmt, 4, side == CONCORD_ERROR_NO_SIDE ? NULL : CONCORD_SIDE_NAME (side));
  concord_store_bind_text (stmt, 5, concord_error_get_field (failure));

  return concord_store_execute (self, stmt, "record why a run failed", error);
}

/* The search as the query compares it: casefolded, or NULL for none. */
static char *
normalize_search (const char *search)
{
  g_autofree char *valid = NULL;
  g_autofree char *stripped = NULL;

  if (search == NULL)
    return NULL;

  valid = g_utf8_make_valid (search, -1);
  stripped = g_strstrip (g_strdup (valid));
  if (*stripped == '\0')
    return NULL;

  return g_utf8_casefold (stripped, -1);
}

/**
 * concord_store_count_activity:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @search: (nullable): only rows about contacts whose email or name
 *   contains this (case-insensitive); runs are left out then
 * @error: return location for a #GError
 *
 * Returns: how many rows concord_store_list_activity() has, or -1 on error
 */
gint64
concord_store_count_activity (ConcordStore  *self,
                              gint64         connection_id,
                              const char    *search,
                              GError       **error)
{
  g_autofree char *key = normalize_search (search);
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  gint64 count;

  g_return_val_if_fail (CONCORD_IS_STORE (self), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!(stmt = concord_store_lease_statement (self, STMT_COUNT_ACTIVITY, error)))
    return -1;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  concord_store_bind_text (stmt, 2, key);

  if (!concord_store_query_int64 (self, stmt, &count, "count the activity", error))
    return -1;

  return count;
}

static gpointer
get_row_by_id (ConcordStore           *self,
               ConcordActivitySource   source,
               gint64                  id,
               GError                **error)
{
  static const ConcordStoreStatementId ids[] = { STMT_GET_RUN, STMT_GET_CONFLICT, STMT_GET_JOURNAL };
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  int rc;

  if (!(stmt = concord_store_lease_statement (self, ids[source], error)))
    return NULL;

  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                   "No activity row %" G_GINT64_FORMAT, id);
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      concord_store_set_error (self, error, rc, "Could not read the activity");
      return NULL;
    }

  switch (source)
    {
    case CONCORD_ACTIVITY_SOURCE_RUN:
      return concord_store_run_row_from_statement (stmt);
    case CONCORD_ACTIVITY_SOURCE_CONFLICT:
      return concord_store_conflict_row_from_statement (stmt);
    case CONCORD_ACTIVITY_SOURCE_JOURNAL:
    default:
      return concord_store_journal_row_from_statement (stmt);
    }
}

/**
 * concord_store_list_activity:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @search: (nullable): as for concord_store_count_activity()
 * @offset: the first row
 * @limit: the most rows to return
 * @error: return location for a #GError
 *
 * One page of the activity: runs worth showing, conflicts settled on a
 * field (ambiguous matches show as journal rows) and journal rows,
 * newest first. The offset is walked over indexes only; then the page's
 * rows are read by id.
 *
 * Returns: (transfer full) (element-type ConcordActivityEntry): the rows,
 *   or %NULL on error
 */
GPtrArray *
concord_store_list_activity (ConcordStore  *self,
                             gint64         connection_id,
                             const char    *search,
                             guint          offset,
                             guint          limit,
                             GError       **error)
{
  g_autofree char *key = normalize_search (search);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64) * 2);
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  {
    g_autoptr(ConcordStoreStatement) stmt = concord_store_lease_statement (self, STMT_LIST_ACTIVITY, error);

    if (stmt == NULL)
      return NULL;

    sqlite3_bind_int64 (stmt, 1, connection_id);
    concord_store_bind_text (stmt, 2, key);
    sqlite3_bind_int64 (stmt, 3, limit);
    sqlite3_bind_int64 (stmt, 4, offset);

    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        gint64 pair[2] = { sqlite3_column_int64 (stmt, 1), sqlite3_column_int64 (stmt, 2) };

        g_array_append_val (ids, pair);
      }

    if (rc != SQLITE_DONE)
      {
        concord_store_set_error (self, error, rc, "Could not list the activity");
        return NULL;
      }
  }

  entries = g_ptr_array_new_full (ids->len, (GDestroyNotify) concord_activity_entry_free);
  for (guint i = 0; i < ids->len; i++)
    {
      const gint64 *pair = &g_array_index (ids, gint64, i * 2);
      ConcordActivityEntry *entry = g_new0 (ConcordActivityEntry, 1);

      entry->source = (ConcordActivitySource) CLAMP (pair[0], 0, 2);
      entry->row = get_row_by_id (self, entry->source, pair[1], error);
      if (entry->row == NULL)
        {
          g_free (entry);
          return NULL;
        }
      g_ptr_array_add (entries, entry);
    }

  return g_steal_pointer (&entries);
}

/**
 * concord_store_get_conflict:
 * @self: a #ConcordStore
 * @conflict_id: the conflict
 * @connection_id: (out) (optional): its connection
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the conflict, or %NULL with
 *   %CONCORD_ERROR_NOT_FOUND
 */
ConcordConflictRow *
concord_store_get_conflict (ConcordStore  *self,
                            gint64         conflict_id,
                            gint64        *connection_id,
                            GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  ConcordConflictRow *row;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = concord_store_lease_statement (self, STMT_GET_CONFLICT, error)))
    return NULL;

  sqlite3_bind_int64 (stmt, 1, conflict_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                   "No conflict with id %" G_GINT64_FORMAT, conflict_id);
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      concord_store_set_error (self, error, rc, "Could not read a conflict");
      return NULL;
    }

  row = concord_store_conflict_row_from_statement (stmt);
  if (connection_id != NULL)
    *connection_id = sqlite3_column_int64 (stmt, 13);
  return row;
}

/**
 * concord_store_choose_conflict:
 * @self: a #ConcordStore
 * @conflict_id: the conflict
 * @chosen: "a" or "b": the side whose value a person chose
 * @error: return location for a #GError
 *
 * Records a person's choice on a conflict, which resolves it.
 *
 * Returns: %TRUE when recorded
 */
gboolean
concord_store_choose_conflict (ConcordStore  *self,
                               gint64         conflict_id,
                               const char    *chosen,
                               GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_strcmp0 (chosen, "a") == 0 || g_strcmp0 (chosen, "b") == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = concord_store_lease_statement (self, STMT_CHOOSE_CONFLICT, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, conflict_id);
  concord_store_bind_text (stmt, 2, chosen);

  if (!concord_store_execute (self, stmt, "record a choice on a conflict", error))
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                   "No conflict with id %" G_GINT64_FORMAT, conflict_id);
      return FALSE;
    }

  return TRUE;
}

static gint64
count_for_connection (ConcordStore             *self,
                      ConcordStoreStatementId   id,
                      gint64                    connection_id,
                      const char               *what,
                      GError                  **error)
{
  g_autoptr(ConcordStoreStatement) stmt = concord_store_lease_statement (self, id, error);
  gint64 count;

  if (stmt == NULL)
    return -1;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  if (!concord_store_query_int64 (self, stmt, &count, what, error))
    return -1;

  return count;
}

/**
 * concord_store_count_excluded:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @error: return location for a #GError
 *
 * Returns: how many unpaired contacts were last left out of the sync on
 *   purpose (out of a rule's scope, no email, creation off), or -1
 */
gint64
concord_store_count_excluded (ConcordStore  *self,
                              gint64         connection_id,
                              GError       **error)
{
  g_return_val_if_fail (CONCORD_IS_STORE (self), -1);

  return count_for_connection (self, STMT_COUNT_EXCLUDED, connection_id,
                               "count excluded contacts", error);
}

/**
 * concord_store_count_excluded_by_rules:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @error: return location for a #GError
 *
 * Returns: how many of the contacts concord_store_count_excluded() counts
 *   were left out by the connection's rules or its create switch (not for
 *   want of an email address), or -1
 */
gint64
concord_store_count_excluded_by_rules (ConcordStore  *self,
                                       gint64         connection_id,
                                       GError       **error)
{
  g_return_val_if_fail (CONCORD_IS_STORE (self), -1);

  return count_for_connection (self, STMT_COUNT_EXCLUDED_BY_RULES, connection_id,
                               "count contacts excluded by rules", error);
}

/**
 * concord_store_count_unmatched:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @side_a: count records of side A
 * @side_b: count records of side B
 * @error: return location for a #GError
 *
 * Returns: how many pairs have a record of a counted side that was last
 *   settled out of its direction's scope (it no longer matches the rules),
 *   or -1
 */
gint64
concord_store_count_unmatched (ConcordStore  *self,
                               gint64         connection_id,
                               gboolean       side_a,
                               gboolean       side_b,
                               GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  gint64 count;

  g_return_val_if_fail (CONCORD_IS_STORE (self), -1);

  if (!side_a && !side_b)
    return 0;
  if (!(stmt = concord_store_lease_statement (self, STMT_COUNT_UNMATCHED, error)))
    return -1;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int (stmt, 2, side_a ? 1 : 0);
  sqlite3_bind_int (stmt, 3, side_b ? 1 : 0);
  if (!concord_store_query_int64 (self, stmt, &count, "count pairs that stopped matching", error))
    return -1;

  return count;
}

/**
 * concord_store_count_waiting:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @error: return location for a #GError
 *
 * Returns: how many ambiguous matches wait for a person, or -1
 */
gint64
concord_store_count_waiting (ConcordStore  *self,
                             gint64         connection_id,
                             GError       **error)
{
  g_return_val_if_fail (CONCORD_IS_STORE (self), -1);

  return count_for_connection (self, STMT_COUNT_WAITING, connection_id,
                               "count matches waiting for review", error);
}

/**
 * concord_store_list_failing:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type ConcordFailureCount): the failed
 *   writes of the newest finished run, grouped by error, most first; or
 *   %NULL on error
 */
GPtrArray *
concord_store_list_failing (ConcordStore  *self,
                            gint64         connection_id,
                            GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = concord_store_lease_statement (self, STMT_LIST_FAILING, error)))
    return NULL;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_failure_count_free);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ConcordFailureCount *failure = g_new0 (ConcordFailureCount, 1);

      failure->error = concord_store_column_strdup (stmt, 0);
      failure->count = sqlite3_column_int64 (stmt, 1);
      failure->code = concord_store_column_strdup (stmt, 2);
      failure->code_side = concord_store_column_strdup (stmt, 3);
      failure->code_field = concord_store_column_strdup (stmt, 4);
      g_ptr_array_add (rows, failure);
    }

  if (rc != SQLITE_DONE)
    {
      concord_store_set_error (self, error, rc, "Could not list failures");
      return NULL;
    }

  return g_steal_pointer (&rows);
}

/**
 * concord_store_get_last_run:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the newest finished run that was not
 *   a dry run; %NULL without an error when there is none
 */
ConcordRunRow *
concord_store_get_last_run (ConcordStore  *self,
                            gint64         connection_id,
                            GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = concord_store_lease_statement (self, STMT_GET_LAST_RUN, error)))
    return NULL;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return concord_store_run_row_from_statement (stmt);
  if (rc != SQLITE_DONE)
    concord_store_set_error (self, error, rc, "Could not read the last run");
  return NULL;
}
