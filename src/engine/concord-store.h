/* concord-store.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "concord-types.h"

G_BEGIN_DECLS

#define CONCORD_STORE_SCHEMA_VERSION 6

/* One record of one side of a connection, as last settled by a run. */
typedef struct
{
  char    *remote_id;
  char    *email_norm;  /* (nullable) normalised email */
  guint64  hash;        /* content hash when last settled; 0 = never settled */
  gint64   link_id;     /* 0 = not linked */
} ConcordIndexEntry;

typedef struct
{
  char   *id;
  char   *app_id;
  char   *name;
  char   *options_json;  /* (nullable) connector options, e.g. {"base_url": …}; never secrets */
  gint64  created;
} ConcordAccountRow;

typedef struct
{
  gint64            id;
  char             *name;
  char             *account_a;
  char             *type_a;
  char             *account_b;
  char             *type_b;
  ConcordDirection  direction;
  ConcordPrefer     prefer;
  char             *config_json;  /* (nullable) rules and mapping */
  gboolean          enabled;
  gint64            created;
} ConcordConnectionRow;

typedef struct
{
  gint64       id;
  gint64       run_id;
  ConcordSide  side;      /* the side written to */
  char        *op;        /* "create" or "update" */
  char        *key;       /* normalised email for a create, remote id for an update */
  char        *payload;   /* (nullable) what was to be written, for diagnosis */
  gint64       created;
} ConcordIntentRow;

typedef struct
{
  gint64  id;
  gint64  run_id;
  gint64  time;        /* unix seconds */
  gint64  link_id;     /* 0 when the record is not linked (yet) */
  char   *direction;   /* "a-to-b" or "b-to-a" */
  char   *remote_id;   /* (nullable) the written record */
  char   *op;          /* "create", "update", "link", "skip", "unlink" */
  char   *field;       /* (nullable) NULL for a whole-record operation */
  char   *before;      /* (nullable) */
  char   *after;       /* (nullable) */
  char   *outcome;     /* "ok", "failed", "skipped" */
  char   *error;       /* (nullable) */
  char   *email;       /* (nullable) the contact's email, for the activity view (schema 2) */
  char   *name;        /* (nullable) the contact's name (schema 2) */
  char   *code;        /* (nullable) a ConcordError nick or a skip's reason (schema 6;
                        * NULL in older rows: @error is all there is) */
  char   *code_side;   /* (nullable) "a" or "b": the side the error came from (schema 6) */
  char   *code_field;  /* (nullable) the field a refused value was in (schema 6) */
} ConcordJournalRow;

typedef struct
{
  gint64  id;
  gint64  run_id;
  gint64  time;
  gint64  link_id;     /* 0 for an ambiguous match */
  char   *kind;        /* "field" or "ambiguous" */
  char   *field;       /* (nullable) */
  char   *value_a;     /* (nullable) */
  char   *value_b;     /* (nullable) */
  char   *winner;      /* "a", "b" or "none" */
  gboolean resolved;
  char   *email;       /* (nullable) the contact's email (schema 2) */
  char   *name;        /* (nullable) the contact's name (schema 2) */
  char   *chosen;      /* (nullable) "a" or "b": the side a person chose afterwards */
} ConcordConflictRow;

typedef struct
{
  gint64  id;
  gint64  connection_id;
  gint64  started;
  gint64  finished;    /* 0 while running (or if it crashed) */
  gboolean dry_run;
  char   *status;      /* (nullable) "ok", "partial", "failed", "aborted", or "interrupted"
                        * when its process died (finished stays 0) */
  char   *summary_json;/* (nullable) */
  char   *error;       /* (nullable) why a failed run failed (schema 2) */
  char   *code;        /* (nullable) its ConcordError nick (schema 6) */
  char   *code_side;   /* (nullable) "a" or "b" (schema 6) */
  char   *code_field;  /* (nullable) (schema 6) */
} ConcordRunRow;

void concord_index_entry_free    (ConcordIndexEntry    *entry);
void concord_account_row_free    (ConcordAccountRow    *row);
void concord_connection_row_free (ConcordConnectionRow *row);
void concord_intent_row_free     (ConcordIntentRow     *row);
void concord_journal_row_free    (ConcordJournalRow    *row);
void concord_conflict_row_free   (ConcordConflictRow   *row);
void concord_run_row_free        (ConcordRunRow        *row);

#define CONCORD_TYPE_STORE (concord_store_get_type ())

G_DECLARE_FINAL_TYPE (ConcordStore, concord_store, CONCORD, STORE, GObject)

ConcordStore *concord_store_new                 (const char                 *path,
                                                 GError                    **error);
const char   *concord_store_get_path            (ConcordStore               *self);
int           concord_store_get_schema_version  (ConcordStore               *self);

gboolean      concord_store_begin               (ConcordStore               *self,
                                                 GError                    **error);
gboolean      concord_store_commit              (ConcordStore               *self,
                                                 GError                    **error);
void          concord_store_rollback            (ConcordStore               *self);
gboolean      concord_store_in_transaction      (ConcordStore               *self);

gboolean      concord_store_check_name          (const char                 *name,
                                                 GError                    **error);

/* Accounts (secrets are in the keyring, never here) */
gboolean           concord_store_check_account_name (ConcordStore     *self,
                                                  const char          *name,
                                                  GError             **error);
gboolean           concord_store_add_account     (ConcordStore        *self,
                                                  const char          *id,
                                                  const char          *app_id,
                                                  const char          *name,
                                                  const char          *options_json,
                                                  GError             **error);
ConcordAccountRow *concord_store_get_account     (ConcordStore        *self,
                                                  const char          *id_or_name,
                                                  GError             **error);
GPtrArray         *concord_store_list_accounts   (ConcordStore        *self,
                                                  GError             **error);
gboolean           concord_store_set_account_options (ConcordStore    *self,
                                                  const char          *id,
                                                  const char          *options_json,
                                                  GError             **error);
gboolean           concord_store_remove_account  (ConcordStore        *self,
                                                  const char          *id,
                                                  GError             **error);
gboolean           concord_store_rename_account  (ConcordStore        *self,
                                                  const char          *id,
                                                  const char          *name,
                                                  GError             **error);
GPtrArray         *concord_store_list_account_connections (ConcordStore *self,
                                                  const char          *id,
                                                  GError             **error);

/* Connections */
gint64                concord_store_add_connection    (ConcordStore               *self,
                                                       const ConcordConnectionRow *row,
                                                       GError                    **error);
ConcordConnectionRow *concord_store_get_connection    (ConcordStore               *self,
                                                       const char                 *name,
                                                       GError                    **error);
ConcordConnectionRow *concord_store_get_connection_by_id (ConcordStore            *self,
                                                       gint64                      id,
                                                       GError                    **error);
GPtrArray            *concord_store_list_connections  (ConcordStore               *self,
                                                       GError                    **error);
gboolean              concord_store_remove_connection (ConcordStore               *self,
                                                       gint64                      id,
                                                       GError                    **error);
gboolean              concord_store_set_connection_enabled (ConcordStore          *self,
                                                       gint64                      id,
                                                       gboolean                    enabled,
                                                       GError                    **error);
gboolean              concord_store_set_connection_config (ConcordStore           *self,
                                                       gint64                      id,
                                                       const char                 *config_json,
                                                       GError                    **error);
gboolean              concord_store_rename_connection (ConcordStore               *self,
                                                       gint64                      id,
                                                       const char                 *name,
                                                       GError                    **error);

/* Schedules (schema 5): seconds between the end of a run and the start of
 * the next, 0 for automatic */
gboolean              concord_store_get_schedule      (ConcordStore               *self,
                                                       gint64                      id,
                                                       guint                      *seconds,
                                                       GError                    **error);
gboolean              concord_store_set_schedule      (ConcordStore               *self,
                                                       gint64                      id,
                                                       guint                       seconds,
                                                       GError                    **error);
gint64                concord_store_count_records     (ConcordStore               *self,
                                                       gint64                      connection_id,
                                                       ConcordSide                 side,
                                                       GError                    **error);

/* The per-side record index */
GHashTable *concord_store_load_index        (ConcordStore             *self,
                                             gint64                    connection_id,
                                             ConcordSide               side,
                                             GError                  **error);
gboolean    concord_store_put_index         (ConcordStore             *self,
                                             gint64                    connection_id,
                                             ConcordSide               side,
                                             const ConcordIndexEntry  *entry,
                                             GError                  **error);
gboolean    concord_store_delete_index      (ConcordStore             *self,
                                             gint64                    connection_id,
                                             ConcordSide               side,
                                             const char               *remote_id,
                                             GError                  **error);
gboolean    concord_store_reset_index_hashes (ConcordStore            *self,
                                             gint64                    connection_id,
                                             GError                  **error);

/* Links and their baselines */
gint64      concord_store_add_link          (ConcordStore             *self,
                                             gint64                    connection_id,
                                             const char               *a_remote_id,
                                             const char               *b_remote_id,
                                             GError                  **error);
gboolean    concord_store_get_link          (ConcordStore             *self,
                                             gint64                    link_id,
                                             char                    **a_remote_id,
                                             char                    **b_remote_id,
                                             GError                  **error);
gboolean    concord_store_remove_link       (ConcordStore             *self,
                                             gint64                    link_id,
                                             GError                  **error);
GArray     *concord_store_find_links        (ConcordStore             *self,
                                             gint64                    connection_id,
                                             const char               *a_remote_id,
                                             const char               *b_remote_id,
                                             GError                  **error);
gint64      concord_store_count_links       (ConcordStore             *self,
                                             gint64                    connection_id,
                                             GError                  **error);
gboolean    concord_store_set_baseline      (ConcordStore             *self,
                                             gint64                    link_id,
                                             GVariant                 *values_a,
                                             GVariant                 *values_b,
                                             GError                  **error);
gboolean    concord_store_get_baseline      (ConcordStore             *self,
                                             gint64                    link_id,
                                             GVariant                **values_a,
                                             GVariant                **values_b,
                                             GError                  **error);

/* Cursors of incremental listings */
char       *concord_store_get_cursor        (ConcordStore             *self,
                                             gint64                    connection_id,
                                             ConcordSide               side,
                                             GError                  **error);
gboolean    concord_store_set_cursor        (ConcordStore             *self,
                                             gint64                    connection_id,
                                             ConcordSide               side,
                                             const char               *cursor,
                                             GError                  **error);

/* Write intents: recorded before a write, removed once its outcome is committed */
gint64      concord_store_add_intent        (ConcordStore             *self,
                                             gint64                    connection_id,
                                             gint64                    run_id,
                                             ConcordSide               side,
                                             const char               *op,
                                             const char               *key,
                                             const char               *payload,
                                             GError                  **error);
gboolean    concord_store_remove_intent     (ConcordStore             *self,
                                             gint64                    intent_id,
                                             GError                  **error);
GPtrArray  *concord_store_list_intents      (ConcordStore             *self,
                                             gint64                    connection_id,
                                             GError                  **error);

/* Runs */
gint64      concord_store_begin_run         (ConcordStore             *self,
                                             gint64                    connection_id,
                                             gboolean                  dry_run,
                                             GError                  **error);
gboolean    concord_store_finish_run        (ConcordStore             *self,
                                             gint64                    run_id,
                                             const char               *status,
                                             const char               *summary_json,
                                             GError                  **error);
gboolean    concord_store_is_run_going      (ConcordStore             *self,
                                             gint64                    connection_id);
GPtrArray  *concord_store_list_runs         (ConcordStore             *self,
                                             gint64                    connection_id,
                                             guint                     limit,
                                             GError                  **error);

/* Journal and conflicts */
/* The most bytes a journal row keeps of one text (a value, a record). */
#define CONCORD_STORE_JOURNAL_MAX_TEXT 4096

gboolean    concord_store_add_journal       (ConcordStore             *self,
                                             gint64                    connection_id,
                                             const ConcordJournalRow  *row,
                                             GError                  **error);
GPtrArray  *concord_store_list_journal      (ConcordStore             *self,
                                             gint64                    connection_id,
                                             gint64                    run_id,
                                             guint                     limit,
                                             GError                  **error);
gint64      concord_store_count_journal     (ConcordStore             *self,
                                             gint64                    connection_id,
                                             gint64                    run_id,
                                             const char               *outcome,
                                             GError                  **error);
gboolean    concord_store_add_conflict      (ConcordStore             *self,
                                             gint64                    connection_id,
                                             const ConcordConflictRow *row,
                                             GError                  **error);
GPtrArray  *concord_store_list_conflicts    (ConcordStore             *self,
                                             gint64                    connection_id,
                                             gint64                    run_id,
                                             GError                  **error);

/* The activity view's queries (schema 2): a newest-first page of runs,
 * journal rows and conflicts, interleaved by time, and figures for the
 * health summary. See concord-engine-activity.c. */
typedef enum
{
  CONCORD_ACTIVITY_SOURCE_RUN,
  CONCORD_ACTIVITY_SOURCE_CONFLICT,
  CONCORD_ACTIVITY_SOURCE_JOURNAL,
} ConcordActivitySource;

typedef struct
{
  ConcordActivitySource  source;
  gpointer               row;  /* (owned) ConcordRunRow, ConcordConflictRow or ConcordJournalRow */
} ConcordActivityEntry;

/* Failed writes of the newest run, grouped by what the app said. */
typedef struct
{
  char   *error;       /* (nullable) */
  gint64  count;
  char   *code;        /* (nullable) see #ConcordJournalRow */
  char   *code_side;   /* (nullable) */
  char   *code_field;  /* (nullable) */
} ConcordFailureCount;

void        concord_activity_entry_free     (ConcordActivityEntry     *entry);
void        concord_failure_count_free      (ConcordFailureCount      *failure);

gboolean    concord_store_set_run_error     (ConcordStore             *self,
                                             gint64                    run_id,
                                             const GError             *failure,
                                             GError                  **error);
gint64      concord_store_count_activity    (ConcordStore             *self,
                                             gint64                    connection_id,
                                             const char               *search,
                                             GError                  **error);
GPtrArray  *concord_store_list_activity     (ConcordStore             *self,
                                             gint64                    connection_id,
                                             const char               *search,
                                             guint                     offset,
                                             guint                     limit,
                                             GError                  **error);
ConcordConflictRow *concord_store_get_conflict (ConcordStore          *self,
                                             gint64                    conflict_id,
                                             gint64                   *connection_id,
                                             GError                  **error);
gboolean    concord_store_choose_conflict   (ConcordStore             *self,
                                             gint64                    conflict_id,
                                             const char               *chosen,
                                             GError                  **error);
gint64      concord_store_count_excluded    (ConcordStore             *self,
                                             gint64                    connection_id,
                                             GError                  **error);
gint64      concord_store_count_excluded_by_rules (ConcordStore       *self,
                                                   gint64              connection_id,
                                                   GError            **error);
gint64      concord_store_count_unmatched   (ConcordStore             *self,
                                             gint64                    connection_id,
                                             gboolean                  side_a,
                                             gboolean                  side_b,
                                             GError                  **error);
gint64      concord_store_count_waiting     (ConcordStore             *self,
                                             gint64                    connection_id,
                                             GError                  **error);
GPtrArray  *concord_store_list_failing      (ConcordStore             *self,
                                             gint64                    connection_id,
                                             GError                  **error);
ConcordRunRow *concord_store_get_last_run   (ConcordStore             *self,
                                             gint64                    connection_id,
                                             GError                  **error);
char       *concord_store_make_search_key   (const char               *email,
                                             const char               *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordIndexEntry, concord_index_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordAccountRow, concord_account_row_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordConnectionRow, concord_connection_row_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordIntentRow, concord_intent_row_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordJournalRow, concord_journal_row_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordConflictRow, concord_conflict_row_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordRunRow, concord_run_row_free)

G_END_DECLS
