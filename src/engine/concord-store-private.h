/* concord-store-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sqlite3.h>

#include "concord-store.h"

G_BEGIN_DECLS

/* The state store is one object in several files (concord-store.c and
 * concord-store-*.c, one per section); this header is what they share.
 *
 * One table of statements. Every prepared statement has an id here and its
 * SQL in concord_store_statement_sql[] (concord-store-schema.c), and the
 * store caches them in one array indexed by that id. The SQL stays in one
 * table, beside the migrations, rather than with each part: the columns a
 * statement names are checked against the schema in one place, the
 * column lists (ACCOUNT_COLUMNS, ...) and the activity's queries are
 * shared by several statements of different parts, and the cache needs
 * every id numbered in one enum anyway. */

typedef enum
{
  STMT_USER_VERSION,
  STMT_BEGIN,
  STMT_COMMIT,
  STMT_ROLLBACK,
  STMT_SAVEPOINT,
  STMT_RELEASE,
  STMT_ROLLBACK_TO,

  STMT_ADD_ACCOUNT,
  STMT_GET_ACCOUNT,
  STMT_LIST_ACCOUNTS,
  STMT_REMOVE_ACCOUNT,
  STMT_SET_ACCOUNT_OPTIONS,
  STMT_RENAME_ACCOUNT,
  STMT_LIST_ACCOUNT_CONNECTIONS,

  STMT_ADD_CONNECTION,
  STMT_GET_CONNECTION,
  STMT_GET_CONNECTION_BY_ID,
  STMT_LIST_CONNECTIONS,
  STMT_SET_CONNECTION_ENABLED,
  STMT_SET_CONNECTION_CONFIG,
  STMT_RENAME_CONNECTION,
  STMT_DELETE_CONNECTION,
  STMT_DELETE_CONNECTION_RECORDS,
  STMT_DELETE_CONNECTION_BASELINES,
  STMT_DELETE_CONNECTION_LINKS,
  STMT_DELETE_CONNECTION_CURSORS,
  STMT_DELETE_CONNECTION_INTENTS,
  STMT_DELETE_CONNECTION_RUNS,
  STMT_DELETE_CONNECTION_JOURNAL,
  STMT_DELETE_CONNECTION_CONFLICTS,

  STMT_LOAD_INDEX,
  STMT_PUT_INDEX,
  STMT_DELETE_INDEX,
  STMT_RESET_INDEX_HASHES,

  STMT_ADD_LINK,
  STMT_GET_LINK_ID,
  STMT_GET_LINK,
  STMT_DELETE_LINK_BASELINE,
  STMT_UNLINK_RECORDS,
  STMT_DELETE_LINK,
  STMT_FIND_LINKS,
  STMT_COUNT_LINKS,
  STMT_SET_BASELINE,
  STMT_GET_BASELINE,

  STMT_GET_CURSOR,
  STMT_SET_CURSOR,
  STMT_DELETE_CURSOR,

  STMT_ADD_INTENT,
  STMT_REMOVE_INTENT,
  STMT_LIST_INTENTS,

  STMT_BEGIN_RUN,
  STMT_FINISH_RUN,
  STMT_MARK_INTERRUPTED,
  STMT_LIST_UNFINISHED,
  STMT_LIST_RUNS,

  STMT_ADD_JOURNAL,
  STMT_LIST_JOURNAL_ALL,
  STMT_LIST_JOURNAL_RUN,
  STMT_COUNT_JOURNAL_ALL,
  STMT_COUNT_JOURNAL_RUN,

  STMT_ADD_CONFLICT,
  STMT_LIST_CONFLICTS_ALL,
  STMT_LIST_CONFLICTS_RUN,

  STMT_SET_RUN_ERROR,
  STMT_LIST_ACTIVITY,
  STMT_COUNT_ACTIVITY,
  STMT_GET_RUN,
  STMT_GET_JOURNAL,
  STMT_GET_CONFLICT,
  STMT_CHOOSE_CONFLICT,
  STMT_COUNT_EXCLUDED,
  STMT_COUNT_EXCLUDED_BY_RULES,
  STMT_COUNT_UNMATCHED,
  STMT_COUNT_WAITING,
  STMT_LIST_FAILING,
  STMT_GET_LAST_RUN,

  STMT_GET_SCHEDULE,
  STMT_SET_SCHEDULE,
  STMT_COUNT_RECORDS,

  N_STATEMENTS
} ConcordStoreStatementId;

extern const char * const concord_store_statement_sql[N_STATEMENTS];

/* Used from the thread that opened it only (the engine thread). */
struct _ConcordStore
{
  GObject       parent_instance;

  char         *path;                       /* (owned) construct-only */
  sqlite3      *db;                         /* (owned) (nullable) until initialised */
  sqlite3_stmt *statements[N_STATEMENTS];   /* (owned) (nullable) prepared on first use */
  int           schema_version;
  gboolean      in_transaction;             /* between concord_store_begin() and commit/rollback */
  GHashTable   *run_locks;                  /* (owned) connection id → RunLock held by this store */

  /* The last journal row's contact and its search key: a sync run writes
   * several rows about one contact in a row (one per field). */
  char         *search_email;               /* (owned) (nullable) */
  char         *search_name;                /* (owned) (nullable) */
  char         *search_key;                 /* (owned) (nullable) */
};

/* A leased cached statement: reset and unbound when the lease ends. */
typedef sqlite3_stmt ConcordStoreStatement;

/* concord-store-helpers.c: errors, leasing and stepping statements, binding
 * and reading values, operations of several statements */
gint64                 concord_store_now_seconds       (void);
void                   concord_store_set_error         (ConcordStore             *self,
                                                        GError                  **error,
                                                        int                       rc,
                                                        const char               *format,
                                                        ...) G_GNUC_PRINTF (4, 5);
void                   concord_store_release_statement (ConcordStoreStatement    *stmt);
ConcordStoreStatement *concord_store_lease_statement   (ConcordStore             *self,
                                                        ConcordStoreStatementId   id,
                                                        GError                  **error);
gboolean               concord_store_execute_full      (ConcordStore             *self,
                                                        ConcordStoreStatement    *stmt,
                                                        const char               *what,
                                                        int                       foreign_key_code,
                                                        const char               *foreign_key_reason,
                                                        GError                  **error);
gboolean               concord_store_execute           (ConcordStore             *self,
                                                        ConcordStoreStatement    *stmt,
                                                        const char               *what,
                                                        GError                  **error);
gboolean               concord_store_execute_id        (ConcordStore             *self,
                                                        ConcordStoreStatementId   id,
                                                        const char               *what,
                                                        GError                  **error);
gboolean               concord_store_execute_script    (ConcordStore             *self,
                                                        const char               *sql,
                                                        const char               *what,
                                                        GError                  **error);
gboolean               concord_store_query_int64       (ConcordStore             *self,
                                                        ConcordStoreStatement    *stmt,
                                                        gint64                   *value,
                                                        const char               *what,
                                                        GError                  **error);
char                  *concord_store_column_strdup     (sqlite3_stmt             *stmt,
                                                        int                       column);
void                   concord_store_bind_text         (sqlite3_stmt             *stmt,
                                                        int                       index,
                                                        const char               *text);
gboolean               concord_store_operation_begin   (ConcordStore             *self,
                                                        gboolean                 *savepoint,
                                                        GError                  **error);
void                   concord_store_operation_abort   (ConcordStore             *self,
                                                        gboolean                  savepoint);
gboolean               concord_store_operation_commit  (ConcordStore             *self,
                                                        gboolean                  savepoint,
                                                        GError                  **error);
gboolean               concord_store_check_side        (ConcordSide               side);

/* concord-store-schema.c: the schema version, and migrating to this build's */
gboolean concord_store_read_user_version (ConcordStore  *self,
                                          int           *version,
                                          GError       **error);
gboolean concord_store_migrate           (ConcordStore  *self,
                                          GError       **error);

/* concord-store-rows.c: a row read from a statement's current result */
ConcordAccountRow    *concord_store_account_row_from_statement     (sqlite3_stmt           *stmt);
ConcordConnectionRow *concord_store_connection_row_from_statement  (sqlite3_stmt           *stmt,
                                                                    GError                **error);
GPtrArray            *concord_store_connection_rows_from_statement (ConcordStore           *self,
                                                                    ConcordStoreStatement  *stmt,
                                                                    const char             *what,
                                                                    GError                **error);
ConcordJournalRow    *concord_store_journal_row_from_statement     (sqlite3_stmt           *stmt);
ConcordConflictRow   *concord_store_conflict_row_from_statement    (sqlite3_stmt           *stmt);
ConcordRunRow        *concord_store_run_row_from_statement         (sqlite3_stmt           *stmt);

/* concord-store-runs.c: the lock of a connection's runs, and the runs a
 * process that is gone left unfinished */
char *concord_store_run_lock_path     (ConcordStore  *self,
                                       gint64         connection_id);
int   concord_store_take_run_lock     (ConcordStore  *self,
                                       gint64         connection_id,
                                       gboolean       wait,
                                       GError       **error);
void  concord_store_run_lock_free     (gpointer       data);
void  concord_store_sweep_interrupted (ConcordStore  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordStoreStatement, concord_store_release_statement)

G_END_DECLS
