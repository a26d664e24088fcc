/* concord-store-rows.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The rows of the state store: reading them from a statement, and freeing
 * them (the public *_free() functions).
 */

#define G_LOG_DOMAIN "concord-store"

#include "config.h"

#include "concord-error.h"
#include "concord-store-private.h"

/* ------------------------------------------------------------------------- */
/* Rows                                                                      */
/* ------------------------------------------------------------------------- */

ConcordAccountRow *
concord_store_account_row_from_statement (sqlite3_stmt *stmt)
{
  ConcordAccountRow *row = g_new0 (ConcordAccountRow, 1);

  row->id = concord_store_column_strdup (stmt, 0);
  row->app_id = concord_store_column_strdup (stmt, 1);
  row->name = concord_store_column_strdup (stmt, 2);
  row->options_json = concord_store_column_strdup (stmt, 3);
  row->created = sqlite3_column_int64 (stmt, 4);

  return row;
}

ConcordConnectionRow *
concord_store_connection_row_from_statement (sqlite3_stmt  *stmt,
                                             GError       **error)
{
  g_autoptr(ConcordConnectionRow) row = g_new0 (ConcordConnectionRow, 1);

  row->id = sqlite3_column_int64 (stmt, 0);
  row->name = concord_store_column_strdup (stmt, 1);
  row->account_a = concord_store_column_strdup (stmt, 2);
  row->type_a = concord_store_column_strdup (stmt, 3);
  row->account_b = concord_store_column_strdup (stmt, 4);
  row->type_b = concord_store_column_strdup (stmt, 5);
  row->config_json = concord_store_column_strdup (stmt, 8);
  row->enabled = sqlite3_column_int64 (stmt, 9) != 0;
  row->created = sqlite3_column_int64 (stmt, 10);

  if (!concord_direction_from_string ((const char *) sqlite3_column_text (stmt, 6),
                                      &row->direction) ||
      !concord_prefer_from_string ((const char *) sqlite3_column_text (stmt, 7),
                                   &row->prefer))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "Connection %" G_GINT64_FORMAT " has an unknown direction or preferred side",
                   row->id);
      return NULL;
    }

  return g_steal_pointer (&row);
}

/* Every connection row @stmt (bound, leased) gives; %NULL with @error
 * saying "Could not @what" on failure. */
GPtrArray *
concord_store_connection_rows_from_statement (ConcordStore           *self,
                                              ConcordStoreStatement  *stmt,
                                              const char             *what,
                                              GError                **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_connection_row_free);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ConcordConnectionRow *row = concord_store_connection_row_from_statement (stmt, error);

      if (row == NULL)
        return NULL;
      g_ptr_array_add (rows, row);
    }

  if (rc != SQLITE_DONE)
    {
      concord_store_set_error (self, error, rc, "Could not %s", what);
      return NULL;
    }

  return g_steal_pointer (&rows);
}

ConcordJournalRow *
concord_store_journal_row_from_statement (sqlite3_stmt *stmt)
{
  ConcordJournalRow *row = g_new0 (ConcordJournalRow, 1);

  row->id = sqlite3_column_int64 (stmt, 0);
  row->run_id = sqlite3_column_int64 (stmt, 1);
  row->time = sqlite3_column_int64 (stmt, 2);
  row->link_id = sqlite3_column_int64 (stmt, 3);
  row->direction = concord_store_column_strdup (stmt, 4);
  row->remote_id = concord_store_column_strdup (stmt, 5);
  row->op = concord_store_column_strdup (stmt, 6);
  row->field = concord_store_column_strdup (stmt, 7);
  row->before = concord_store_column_strdup (stmt, 8);
  row->after = concord_store_column_strdup (stmt, 9);
  row->outcome = concord_store_column_strdup (stmt, 10);
  row->error = concord_store_column_strdup (stmt, 11);
  row->email = concord_store_column_strdup (stmt, 12);
  row->name = concord_store_column_strdup (stmt, 13);
  row->code = concord_store_column_strdup (stmt, 14);
  row->code_side = concord_store_column_strdup (stmt, 15);
  row->code_field = concord_store_column_strdup (stmt, 16);

  return row;
}

ConcordConflictRow *
concord_store_conflict_row_from_statement (sqlite3_stmt *stmt)
{
  ConcordConflictRow *row = g_new0 (ConcordConflictRow, 1);

  row->id = sqlite3_column_int64 (stmt, 0);
  row->run_id = sqlite3_column_int64 (stmt, 1);
  row->time = sqlite3_column_int64 (stmt, 2);
  row->link_id = sqlite3_column_int64 (stmt, 3);
  row->kind = concord_store_column_strdup (stmt, 4);
  row->field = concord_store_column_strdup (stmt, 5);
  row->value_a = concord_store_column_strdup (stmt, 6);
  row->value_b = concord_store_column_strdup (stmt, 7);
  row->winner = concord_store_column_strdup (stmt, 8);
  row->resolved = sqlite3_column_int64 (stmt, 9) != 0;
  row->email = concord_store_column_strdup (stmt, 10);
  row->name = concord_store_column_strdup (stmt, 11);
  row->chosen = concord_store_column_strdup (stmt, 12);

  return row;
}

ConcordRunRow *
concord_store_run_row_from_statement (sqlite3_stmt *stmt)
{
  ConcordRunRow *row = g_new0 (ConcordRunRow, 1);

  row->id = sqlite3_column_int64 (stmt, 0);
  row->connection_id = sqlite3_column_int64 (stmt, 1);
  row->started = sqlite3_column_int64 (stmt, 2);
  row->finished = sqlite3_column_int64 (stmt, 3);
  row->dry_run = sqlite3_column_int64 (stmt, 4) != 0;
  row->status = concord_store_column_strdup (stmt, 5);
  row->summary_json = concord_store_column_strdup (stmt, 6);
  row->error = concord_store_column_strdup (stmt, 7);
  row->code = concord_store_column_strdup (stmt, 8);
  row->code_side = concord_store_column_strdup (stmt, 9);
  row->code_field = concord_store_column_strdup (stmt, 10);

  return row;
}

/**
 * concord_index_entry_free:
 * @entry: (nullable): an entry
 *
 * Frees @entry and its strings.
 */
void
concord_index_entry_free (ConcordIndexEntry *entry)
{
  if (entry == NULL)
    return;

  g_free (entry->remote_id);
  g_free (entry->email_norm);
  g_free (entry);
}

/**
 * concord_account_row_free:
 * @row: (nullable): a row
 *
 * Frees @row and its strings.
 */
void
concord_account_row_free (ConcordAccountRow *row)
{
  if (row == NULL)
    return;

  g_free (row->id);
  g_free (row->app_id);
  g_free (row->name);
  g_free (row->options_json);
  g_free (row);
}

/**
 * concord_connection_row_free:
 * @row: (nullable): a row
 *
 * Frees @row and its strings.
 */
void
concord_connection_row_free (ConcordConnectionRow *row)
{
  if (row == NULL)
    return;

  g_free (row->name);
  g_free (row->account_a);
  g_free (row->type_a);
  g_free (row->account_b);
  g_free (row->type_b);
  g_free (row->config_json);
  g_free (row);
}

/**
 * concord_intent_row_free:
 * @row: (nullable): a row
 *
 * Frees @row and its strings.
 */
void
concord_intent_row_free (ConcordIntentRow *row)
{
  if (row == NULL)
    return;

  g_free (row->op);
  g_free (row->key);
  g_free (row->payload);
  g_free (row);
}

/**
 * concord_journal_row_free:
 * @row: (nullable): a row
 *
 * Frees @row and its strings.
 */
void
concord_journal_row_free (ConcordJournalRow *row)
{
  if (row == NULL)
    return;

  g_free (row->direction);
  g_free (row->remote_id);
  g_free (row->op);
  g_free (row->field);
  g_free (row->before);
  g_free (row->after);
  g_free (row->outcome);
  g_free (row->error);
  g_free (row->email);
  g_free (row->name);
  g_free (row->code);
  g_free (row->code_side);
  g_free (row->code_field);
  g_free (row);
}

/**
 * concord_conflict_row_free:
 * @row: (nullable): a row
 *
 * Frees @row and its strings.
 */
void
concord_conflict_row_free (ConcordConflictRow *row)
{
  if (row == NULL)
    return;

  g_free (row->kind);
  g_free (row->field);
  g_free (row->value_a);
  g_free (row->value_b);
  g_free (row->winner);
  g_free (row->email);
  g_free (row->name);
  g_free (row->chosen);
  g_free (row);
}

/**
 * concord_run_row_free:
 * @row: (nullable): a row
 *
 * Frees @row and its strings.
 */
void
concord_run_row_free (ConcordRunRow *row)
{
  if (row == NULL)
    return;

  g_free (row->status);
  g_free (row->summary_json);
  g_free (row->error);
  g_free (row->code);
  g_free (row->code_side);
  g_free (row->code_field);
  g_free (row);
}
