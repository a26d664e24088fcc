/* test-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The state store against a real SQLite file in the isolated data directory
 * of each test: schema migrations (and refusing a newer schema or a file
 * that is not a database), every table's operations, transactions,
 * removing a connection, and hostile text. Where the store's own API cannot
 * show an outcome (the schema version, rows left behind, a damaged blob),
 * the test opens the file with SQLite directly.
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "concord-error.h"
#include "concord-store.h"
#include "concord-test-utils.h"

typedef struct
{
  char         *path;
  ConcordStore *store;
} Fixture;

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static char *
build_db_path (const char *name)
{
  return g_build_filename (g_get_user_data_dir (), "concord", name, NULL);
}

static void
setup (Fixture       *fixture,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->path = build_db_path ("state.db");
  fixture->store = concord_store_new (fixture->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->store);
}

static void
teardown (Fixture       *fixture,
          gconstpointer  data)
{
  g_clear_object (&fixture->store);
  g_clear_pointer (&fixture->path, g_free);
}

/* Opens the file with SQLite directly, beside the store's connection. */
static sqlite3 *
open_raw (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static void
raw_exec (const char *path,
          const char *sql)
{
  sqlite3 *db = open_raw (path);
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);

  sqlite3_close (db);
}

static gint64
raw_query_int (const char *path,
               const char *sql)
{
  sqlite3 *db = open_raw (path);
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return value;
}

static char *
raw_query_text (const char *path,
                const char *sql)
{
  sqlite3 *db = open_raw (path);
  sqlite3_stmt *stmt = NULL;
  char *value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return value;
}

static GBytes *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);

  return g_bytes_new_take (contents, length);
}

static void
add_accounts (ConcordStore *store)
{
  g_autoptr(GError) error = NULL;

  concord_store_add_account (store, "acct-a", "elasticemail", "Shop newsletter", NULL, &error);
  g_assert_no_error (error);
  concord_store_add_account (store, "acct-b", "hubspot", "Sales CRM", "{\"portal\":1}", &error);
  g_assert_no_error (error);
}

/* A connection between the accounts of add_accounts(). */
static gint64
add_connection (ConcordStore *store,
                const char   *name)
{
  g_autoptr(GError) error = NULL;
  ConcordConnectionRow row = {
    .name = (char *) name,
    .account_a = (char *) "acct-a",
    .type_a = (char *) "contacts",
    .account_b = (char *) "acct-b",
    .type_b = (char *) "contacts",
    .direction = CONCORD_DIRECTION_BOTH,
    .prefer = CONCORD_PREFER_A,
    .enabled = TRUE,
  };
  gint64 id;

  id = concord_store_add_connection (store, &row, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);

  return id;
}

static void
put_entry (ConcordStore *store,
           gint64        connection_id,
           ConcordSide   side,
           const char   *remote_id,
           const char   *email_norm,
           guint64       hash,
           gint64        link_id)
{
  g_autoptr(GError) error = NULL;
  ConcordIndexEntry entry = {
    .remote_id = (char *) remote_id,
    .email_norm = (char *) email_norm,
    .hash = hash,
    .link_id = link_id,
  };

  g_assert_true (concord_store_put_index (store, connection_id, side, &entry, &error));
  g_assert_no_error (error);
}

static GHashTable *
load_index (ConcordStore *store,
            gint64        connection_id,
            ConcordSide   side)
{
  g_autoptr(GError) error = NULL;
  GHashTable *index;

  index = concord_store_load_index (store, connection_id, side, &error);
  g_assert_no_error (error);
  g_assert_nonnull (index);

  return index;
}

static void
add_journal_row (ConcordStore *store,
                 gint64        connection_id,
                 gint64        run_id,
                 gint64        time,
                 const char   *remote_id,
                 const char   *field,
                 const char   *outcome)
{
  g_autoptr(GError) error = NULL;
  ConcordJournalRow row = {
    .run_id = run_id,
    .time = time,
    .link_id = 7,
    .direction = (char *) "a-to-b",
    .remote_id = (char *) remote_id,
    .op = (char *) "update",
    .field = (char *) field,
    .before = (char *) "old",
    .after = (char *) "new",
    .outcome = (char *) outcome,
    .error = g_strcmp0 (outcome, "failed") == 0 ? (char *) "HTTP 500" : NULL,
  };

  g_assert_true (concord_store_add_journal (store, connection_id, &row, &error));
  g_assert_no_error (error);
}

static void
add_conflict_row (ConcordStore *store,
                  gint64        connection_id,
                  gint64        run_id,
                  const char   *field,
                  gboolean      resolved)
{
  g_autoptr(GError) error = NULL;
  ConcordConflictRow row = {
    .run_id = run_id,
    .time = 1700000000,
    .link_id = field != NULL ? 3 : 0,
    .kind = (char *) (field != NULL ? "field" : "ambiguous"),
    .field = (char *) field,
    .value_a = (char *) "A value",
    .value_b = NULL,
    .winner = (char *) (field != NULL ? "a" : "none"),
    .resolved = resolved,
  };

  g_assert_true (concord_store_add_conflict (store, connection_id, &row, &error));
  g_assert_no_error (error);
}

static GVariant *
build_values (const char *name,
              double      score)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  const char * const lists[] = { "customers", "newsletter", "vip", NULL };

  g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string (name));
  g_variant_builder_add (&builder, "{sv}", "score", g_variant_new_double (score));
  g_variant_builder_add (&builder, "{sv}", "consent", g_variant_new_boolean (TRUE));
  g_variant_builder_add (&builder, "{sv}", "created", g_variant_new_int64 (G_MININT64 + 1));
  g_variant_builder_add (&builder, "{sv}", "lists", g_variant_new_strv (lists, -1));
  g_variant_builder_add (&builder, "{sv}", "none", g_variant_new_strv (NULL, 0));

  return g_variant_builder_end (&builder);
}

/* ------------------------------------------------------------------------- */
/* Opening and migrations                                                    */
/* ------------------------------------------------------------------------- */

static void
test_store_migrate_fresh (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(ConcordAccountRow) account = NULL;
  g_autofree char *path = NULL;
  g_autofree char *mode = NULL;

  /* Two missing folders on the way. */
  path = g_build_filename (g_get_user_data_dir (), "concord", "nested", "state.db", NULL);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpstr (concord_store_get_path (store), ==, path);
  g_assert_cmpint (concord_store_get_schema_version (store), ==, CONCORD_STORE_SCHEMA_VERSION);

  g_assert_true (concord_store_add_account (store, "acct-1", "vcard", "Folder", NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&store);

  g_assert_cmpint (raw_query_int (path, "PRAGMA user_version"), ==, CONCORD_STORE_SCHEMA_VERSION);
  mode = raw_query_text (path, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpint (raw_query_int (path,
                                  "SELECT count(*) FROM sqlite_master "
                                  "WHERE type = 'table' AND name IN "
                                  "('accounts', 'connections', 'records', 'links', 'baselines', "
                                  "'cursors', 'intents', 'runs', 'journal', 'conflicts')"), ==, 10);
  g_assert_cmpint (raw_query_int (path,
                                  "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                                  "name IN ('records_link', 'journal_run')"), ==, 2);

  /* Reopening keeps the data and the version. */
  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (concord_store_get_schema_version (store), ==, CONCORD_STORE_SCHEMA_VERSION);
  account = concord_store_get_account (store, "acct-1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (account->name, ==, "Folder");
  g_assert_cmpint (raw_query_int (path, "PRAGMA user_version"), ==, CONCORD_STORE_SCHEMA_VERSION);
}

static void
test_store_migrate_from_zero (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autofree char *path = build_db_path ("old.db");
  g_autofree char *dir = g_path_get_dirname (path);
  sqlite3 *db = NULL;

  /* A database at version 0 that already holds something. */
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "CREATE TABLE unrelated (x);"
                                 "INSERT INTO unrelated VALUES (42)",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_cmpint (raw_query_int (path, "PRAGMA user_version"), ==, 0);

  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (concord_store_get_schema_version (store), ==, CONCORD_STORE_SCHEMA_VERSION);
  g_assert_cmpint (raw_query_int (path, "PRAGMA user_version"), ==, CONCORD_STORE_SCHEMA_VERSION);
  g_assert_cmpint (raw_query_int (path, "SELECT x FROM unrelated"), ==, 42);

  accounts = concord_store_list_accounts (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 0);
}

static void add_record_row (ConcordStore *store,
                            gint64        connection_id,
                            ConcordSide   side,
                            const char   *remote_id,
                            const char   *op,
                            const char   *outcome,
                            const char   *code,
                            const char   *error_text);

/* Takes a database back to version 5: without the codes of version 6. */
#define DOWN_FROM_6 \
  "ALTER TABLE journal DROP COLUMN code; ALTER TABLE journal DROP COLUMN code_side; " \
  "ALTER TABLE journal DROP COLUMN code_field; ALTER TABLE runs DROP COLUMN code; " \
  "ALTER TABLE runs DROP COLUMN code_side; ALTER TABLE runs DROP COLUMN code_field; "

/* Version 6: errors keep their code, side and field next to their text.
 * Rows an older Concord stored read back with no code and their text; the
 * skips it wrote in its own fixed words get their code once, so the
 * health summary counts them as before. */
static void
test_store_migrate_error_codes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GPtrArray) failing = NULL;
  g_autoptr(GError) refused = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA,
                                                   "HTTP 400: email is not valid");
  g_autofree char *path = build_db_path ("codes.db");
  ConcordJournalRow *row;
  ConcordRunRow *run;
  gint64 id, run_id;

  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  add_accounts (store);
  id = add_connection (store, "older");
  run_id = concord_store_begin_run (store, id, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (concord_store_finish_run (store, run_id, "failed", NULL, &error));
  g_assert_true (concord_store_set_run_error (store, run_id, NULL, &error));
  /* Unpaired contacts on A, for the health summary's counts. */
  put_entry (store, id, CONCORD_SIDE_A, "r2", "twin@example.com", 1, 0);
  put_entry (store, id, CONCORD_SIDE_A, "r3", "r3@example.com", 1, 0);
  g_clear_object (&store);

  /* A version 5 database, with rows as Concord 5 wrote them. */
  raw_exec (path, DOWN_FROM_6 "PRAGMA user_version = 5");
  {
    g_autofree char *sql = g_strdup_printf (
      "UPDATE runs SET error = 'Reading side a failed: HTTP 401 Unauthorized' WHERE id = %" G_GINT64_FORMAT ";"
      "INSERT INTO journal (connection_id, run_id, time, direction, remote_id, op, outcome, error) VALUES "
      "(%" G_GINT64_FORMAT ", 1, 1, 'a-to-b', 'r1', 'create', 'failed', 'HTTP 401 Unauthorized'),"
      "(%" G_GINT64_FORMAT ", 1, 2, 'a-to-b', 'r2', 'skip', 'skipped', 'the email address is on several contacts'),"
      "(%" G_GINT64_FORMAT ", 1, 3, 'a-to-b', 'r3', 'skip', 'skipped', 'no rule matched a→b');",
      run_id, id, id, id);

    raw_exec (path, sql);
  }

  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (concord_store_get_schema_version (store), ==, 6);

  rows = concord_store_list_journal (store, id, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 3);
  /* Newest first: the skips got their code; the failure keeps its text. */
  row = g_ptr_array_index (rows, 0);
  g_assert_cmpstr (row->code, ==, "rule");
  row = g_ptr_array_index (rows, 1);
  g_assert_cmpstr (row->code, ==, "ambiguous");
  row = g_ptr_array_index (rows, 2);
  g_assert_null (row->code);
  g_assert_null (row->code_side);
  g_assert_null (row->code_field);
  g_assert_cmpstr (row->error, ==, "HTTP 401 Unauthorized");
  runs = concord_store_list_runs (store, id, 10, &error);
  g_assert_no_error (error);
  run = g_ptr_array_index (runs, 0);
  g_assert_cmpstr (run->error, ==, "Reading side a failed: HTTP 401 Unauthorized");
  g_assert_null (run->code);

  /* The rule's skip is left out on purpose; the ambiguous one waits. */
  g_assert_cmpint (concord_store_count_excluded (store, id, &error), ==, 1);
  g_assert_cmpint (concord_store_count_excluded_by_rules (store, id, &error), ==, 1);
  g_assert_no_error (error);

  /* New rows keep all three; a run its error's. */
  concord_error_set_side (refused, CONCORD_SIDE_B);
  concord_error_set_field (refused, "email");
  g_assert_true (concord_store_set_run_error (store, run_id, refused, &error));
  add_record_row (store, id, CONCORD_SIDE_A, "r4", "create", "failed", "invalid-data", "HTTP 400");
  g_clear_pointer (&runs, g_ptr_array_unref);
  runs = concord_store_list_runs (store, id, 10, &error);
  run = g_ptr_array_index (runs, 0);
  g_assert_cmpstr (run->code, ==, "invalid-data");
  g_assert_cmpstr (run->code_side, ==, "b");
  g_assert_cmpstr (run->code_field, ==, "email");
  g_assert_cmpstr (run->error, ==, "HTTP 400: email is not valid");

  failing = concord_store_list_failing (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (failing->len, ==, 2);
  g_clear_object (&store);

  /* The same database again: nothing to migrate. */
  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (concord_store_get_schema_version (store), ==, 6);
}

/* Version 4: email keys stored by an older Concord with a character that
 * is not ASCII (folded with the user's locale then) are read again. */
static void
test_store_migrate_email_keys (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordStore) store = NULL;
  g_autofree char *path = build_db_path ("keys.db");
  gint64 id;

  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  add_accounts (store);
  id = add_connection (store, "keys");
  put_entry (store, id, CONCORD_SIDE_A, "jos\xc3\xa9@example.com", "jos\xc3\xa9@example.com", 77, 0);
  put_entry (store, id, CONCORD_SIDE_A, "ann@example.com", "ann@example.com", 88, 0);
  g_clear_object (&store);

  /* Back to what version 3 had: without the schedules of version 5. */
  raw_exec (path, DOWN_FROM_6 "ALTER TABLE connections DROP COLUMN schedule_seconds; PRAGMA user_version = 3");
  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (concord_store_get_schema_version (store), ==, CONCORD_STORE_SCHEMA_VERSION);
  g_assert_cmpint (raw_query_int (path, "SELECT hash FROM records WHERE remote_id LIKE 'jos%'"), ==, 0);
  g_assert_cmpint (raw_query_int (path, "SELECT hash FROM records WHERE remote_id = 'ann@example.com'"),
                   ==, 88);
}

/* Version 5: each connection has its own schedule; the ones stored
 * before start automatic (0), and a schedule survives a reopening. */
static void
test_store_migrate_schedules (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordStore) store = NULL;
  g_autofree char *path = build_db_path ("schedules.db");
  guint seconds = 12345;
  gint64 id, other;

  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  add_accounts (store);
  id = add_connection (store, "older");
  put_entry (store, id, CONCORD_SIDE_A, "a1", "a1@example.com", 1, 0);
  put_entry (store, id, CONCORD_SIDE_A, "a2", "a2@example.com", 2, 0);
  put_entry (store, id, CONCORD_SIDE_B, "b1", "b1@example.com", 3, 0);
  g_clear_object (&store);

  /* A database as version 4 left it. */
  raw_exec (path, DOWN_FROM_6 "ALTER TABLE connections DROP COLUMN schedule_seconds; PRAGMA user_version = 4");
  g_assert_cmpint (raw_query_int (path, "SELECT count(*) FROM pragma_table_info ('connections') "
                                        "WHERE name = 'schedule_seconds'"), ==, 0);

  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (concord_store_get_schema_version (store), ==, CONCORD_STORE_SCHEMA_VERSION);
  g_assert_true (concord_store_get_schedule (store, id, &seconds, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seconds, ==, 0);

  /* A manual schedule, kept apart from the others. */
  other = add_connection (store, "newer");
  g_assert_true (concord_store_set_schedule (store, id, 300, &error));
  g_assert_no_error (error);
  g_assert_cmpint (concord_store_count_records (store, id, CONCORD_SIDE_A, &error), ==, 2);
  g_assert_cmpint (concord_store_count_records (store, id, CONCORD_SIDE_B, &error), ==, 1);
  g_assert_cmpint (concord_store_count_records (store, other, CONCORD_SIDE_A, &error), ==, 0);
  g_assert_no_error (error);
  g_clear_object (&store);

  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_true (concord_store_get_schedule (store, id, &seconds, &error));
  g_assert_cmpuint (seconds, ==, 300);
  g_assert_true (concord_store_get_schedule (store, other, &seconds, &error));
  g_assert_cmpuint (seconds, ==, 0);

  g_assert_false (concord_store_get_schedule (store, 9999, &seconds, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (concord_store_set_schedule (store, 9999, 60, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
}

static void
test_store_refuse_newer (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autofree char *path = build_db_path ("state.db");

  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  add_accounts (store);
  g_clear_object (&store);

  {
    /* Out of WAL too, so that even switching it back would show. */
    g_autofree char *sql = g_strdup_printf ("PRAGMA journal_mode = DELETE; "
                                            "PRAGMA user_version = %d",
                                            CONCORD_STORE_SCHEMA_VERSION + 1);

    raw_exec (path, sql);
  }
  g_assert_cmpint (raw_query_int (path, "PRAGMA user_version"), ==,
                   CONCORD_STORE_SCHEMA_VERSION + 1);
  before = read_file (path);

  store = concord_store_new (path, &error);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_null (store);
  g_clear_error (&error);

  /* Refused again, and not a byte changed. */
  store = concord_store_new (path, &error);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_null (store);

  after = read_file (path);
  g_assert_true (g_bytes_equal (before, after));
  g_assert_cmpint (raw_query_int (path, "PRAGMA user_version"), ==,
                   CONCORD_STORE_SCHEMA_VERSION + 1);
  g_assert_cmpint (raw_query_int (path, "SELECT count(*) FROM accounts"), ==, 2);
}

static void
test_store_not_a_database (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(GString) garbage = g_string_new (NULL);
  g_autoptr(GBytes) after = NULL;
  g_autofree char *path = build_db_path ("garbage.db");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *blocked = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);

  /* Plain text. */
  for (guint i = 0; garbage->len < 16384; i++)
    g_string_append_printf (garbage, "line %u: this is not a database\n", i);
  g_assert_true (g_file_set_contents (path, garbage->str, garbage->len, NULL));

  store = concord_store_new (path, &error);
  g_assert_null (store);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  g_clear_error (&error);

  after = read_file (path);
  g_assert_cmpmem (g_bytes_get_data (after, NULL), g_bytes_get_size (after),
                   garbage->str, garbage->len);
  g_clear_pointer (&after, g_bytes_unref);

  /* A database header followed by junk. */
  g_string_truncate (garbage, 0);
  g_string_append_len (garbage, "SQLite format 3", 16);
  for (guint i = 0; garbage->len < 8192; i++)
    g_string_append_c (garbage, (char) (1 + (i * 37) % 255));
  g_assert_true (g_file_set_contents (path, garbage->str, garbage->len, NULL));

  store = concord_store_new (path, &error);
  g_assert_null (store);
  g_assert_nonnull (error);
  g_assert_true (error->domain == CONCORD_ERROR);
  g_assert_true (error->code == CONCORD_ERROR_PARSE || error->code == CONCORD_ERROR_FAILED);
  g_clear_error (&error);

  /* A folder that cannot be created: its parent is a file. */
  blocked = g_build_filename (path, "state.db", NULL);
  store = concord_store_new (blocked, &error);
  g_assert_null (store);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED);
}

/* ------------------------------------------------------------------------- */
/* Accounts and connections                                                  */
/* ------------------------------------------------------------------------- */

static void
test_store_accounts (Fixture       *fixture,
                     gconstpointer  data)
{
  ConcordStore *store = fixture->store;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(ConcordAccountRow) by_id = NULL;
  g_autoptr(ConcordAccountRow) by_name = NULL;
  g_autoptr(ConcordAccountRow) missing = NULL;
  ConcordAccountRow *row;
  gint64 connection_id;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  add_accounts (store);

  accounts = concord_store_list_accounts (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 2);
  row = g_ptr_array_index (accounts, 0);
  g_assert_cmpstr (row->id, ==, "acct-a");
  g_assert_cmpstr (row->app_id, ==, "elasticemail");
  g_assert_cmpstr (row->name, ==, "Shop newsletter");
  g_assert_null (row->options_json);
  g_assert_cmpint (row->created, >=, now - 5);
  g_assert_cmpint (row->created, <=, now + 5);
  row = g_ptr_array_index (accounts, 1);
  g_assert_cmpstr (row->id, ==, "acct-b");
  g_assert_cmpstr (row->options_json, ==, "{\"portal\":1}");

  by_id = concord_store_get_account (store, "acct-b", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (by_id->name, ==, "Sales CRM");
  by_name = concord_store_get_account (store, "Shop newsletter", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (by_name->id, ==, "acct-a");

  missing = concord_store_get_account (store, "nobody", &error);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_assert_null (missing);
  g_clear_error (&error);

  /* Duplicate name, duplicate id. */
  g_assert_false (concord_store_add_account (store, "acct-c", "vcard", "Sales CRM", NULL, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_false (concord_store_add_account (store, "acct-a", "vcard", "Other", NULL, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  g_clear_error (&error);

  /* An account in use stays. */
  connection_id = add_connection (store, "Shop ↔ CRM");
  g_assert_false (concord_store_remove_account (store, "acct-b", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  g_clear_error (&error);
  g_clear_pointer (&by_id, concord_account_row_free);
  by_id = concord_store_get_account (store, "acct-b", &error);
  g_assert_no_error (error);

  /* Free once the connection is gone. */
  g_assert_true (concord_store_remove_connection (store, connection_id, &error));
  g_assert_no_error (error);
  g_assert_true (concord_store_remove_account (store, "acct-b", &error));
  g_assert_no_error (error);
  g_assert_false (concord_store_remove_account (store, "acct-b", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_clear_pointer (&accounts, g_ptr_array_unref);
  accounts = concord_store_list_accounts (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 1);
  g_assert_cmpstr (((ConcordAccountRow *) g_ptr_array_index (accounts, 0))->id, ==, "acct-a");
}

/* A name another account has is said in words, never in SQLite's. */
static void
test_store_account_duplicate_name (Fixture       *fixture,
                                   gconstpointer  data)
{
  ConcordStore *store = fixture->store;
  g_autoptr(GError) error = NULL;

  add_accounts (store);

  g_assert_false (concord_store_add_account (store, "acct-c", "elasticemail", "Sales CRM", NULL, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "another account is already called “Sales CRM”"));
  g_assert_null (strstr (error->message, "UNIQUE"));
  g_assert_null (strstr (error->message, "accounts.name"));
  g_clear_error (&error);

  /* Said before anything is asked of the user or the app. */
  g_assert_false (concord_store_check_account_name (store, "Sales CRM", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "another account is already called “Sales CRM”"));
  g_clear_error (&error);
  g_assert_false (concord_store_check_account_name (store, "a\tb", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_clear_error (&error);
  /* An id is not a name. */
  g_assert_true (concord_store_check_account_name (store, "acct-a", &error));
  g_assert_no_error (error);
  g_assert_true (concord_store_check_account_name (store, "Another name", &error));
  g_assert_no_error (error);
}

/* Rename: the rules of names, a clear refusal of a name in use, and the
 * connections keep their account (they refer to its id). */
static void
test_store_account_rename (Fixture       *fixture,
                           gconstpointer  data)
{
  ConcordStore *store = fixture->store;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordAccountRow) renamed = NULL;
  g_autoptr(GPtrArray) users = NULL;
  gint64 connection_id;

  add_accounts (store);
  connection_id = add_connection (store, "Shop ↔ CRM");

  g_assert_true (concord_store_rename_account (store, "acct-b", "Sales CRM (old key)", &error));
  g_assert_no_error (error);
  renamed = concord_store_get_account (store, "Sales CRM (old key)", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (renamed->id, ==, "acct-b");
  users = concord_store_list_account_connections (store, "acct-b", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (users->len, ==, 1);
  g_assert_cmpint (((ConcordConnectionRow *) g_ptr_array_index (users, 0))->id, ==, connection_id);

  /* Renaming to its own name changes nothing and is fine. */
  g_assert_true (concord_store_rename_account (store, "acct-b", "Sales CRM (old key)", &error));
  g_assert_no_error (error);

  g_assert_false (concord_store_rename_account (store, "acct-b", "Shop newsletter", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "another account is already called “Shop newsletter”"));
  g_assert_null (strstr (error->message, "UNIQUE"));
  g_clear_error (&error);

  g_assert_false (concord_store_rename_account (store, "acct-b", "two\nlines", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (concord_store_rename_account (store, "acct-b", "", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (concord_store_rename_account (store, "nobody", "Free name", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_clear_pointer (&renamed, concord_account_row_free);
  renamed = concord_store_get_account (store, "acct-b", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (renamed->name, ==, "Sales CRM (old key)");
}

/* Remove is refused while used, naming every connection that uses it. */
static void
test_store_account_remove_used (Fixture       *fixture,
                                gconstpointer  data)
{
  ConcordStore *store = fixture->store;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) users = NULL;
  gint64 first, second;

  add_accounts (store);
  first = add_connection (store, "Shop ↔ CRM");
  second = add_connection (store, "Leads");

  users = concord_store_list_account_connections (store, "acct-a", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (users->len, ==, 2);

  g_assert_false (concord_store_remove_account (store, "acct-a", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "the connections “Shop ↔ CRM”, “Leads” use it"));
  g_clear_error (&error);

  g_assert_true (concord_store_remove_connection (store, first, &error));
  g_assert_false (concord_store_remove_account (store, "acct-a", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "the connection “Leads” uses it"));
  g_clear_error (&error);

  g_assert_true (concord_store_remove_connection (store, second, &error));
  g_clear_pointer (&users, g_ptr_array_unref);
  users = concord_store_list_account_connections (store, "acct-a", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (users->len, ==, 0);
  g_assert_true (concord_store_remove_account (store, "acct-a", &error));
  g_assert_no_error (error);
}

static void
test_store_connections (Fixture       *fixture,
                        gconstpointer  data)
{
  ConcordStore *store = fixture->store;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) connections = NULL;
  g_autoptr(ConcordConnectionRow) got = NULL;
  g_autoptr(ConcordConnectionRow) missing = NULL;
  ConcordConnectionRow row = {
    .name = (char *) "Newsletter to CRM",
    .account_a = (char *) "acct-a",
    .type_a = (char *) "contacts",
    .account_b = (char *) "acct-b",
    .type_b = (char *) "people",
    .direction = CONCORD_DIRECTION_A_TO_B,
    .prefer = CONCORD_PREFER_NEWEST,
    .config_json = (char *) "{\"mapping\":[[\"email\",\"email\"]]}",
    .enabled = TRUE,
    .created = 1600000000,
  };
  ConcordConnectionRow *listed;
  gint64 first, second;

  add_accounts (store);

  first = concord_store_add_connection (store, &row, &error);
  g_assert_no_error (error);
  g_assert_cmpint (first, >, 0);

  got = concord_store_get_connection (store, "Newsletter to CRM", &error);
  g_assert_no_error (error);
  g_assert_cmpint (got->id, ==, first);
  g_assert_cmpstr (got->name, ==, row.name);
  g_assert_cmpstr (got->account_a, ==, "acct-a");
  g_assert_cmpstr (got->type_a, ==, "contacts");
  g_assert_cmpstr (got->account_b, ==, "acct-b");
  g_assert_cmpstr (got->type_b, ==, "people");
  g_assert_cmpint (got->direction, ==, CONCORD_DIRECTION_A_TO_B);
  g_assert_cmpint (got->prefer, ==, CONCORD_PREFER_NEWEST);
  g_assert_cmpstr (got->config_json, ==, row.config_json);
  g_assert_true (got->enabled);
  g_assert_cmpint (got->created, ==, 1600000000);

  /* Stored as text. */
  g_assert_cmpint (raw_query_int (fixture->path,
                                  "SELECT count(*) FROM connections "
                                  "WHERE direction = 'a-to-b' AND prefer = 'newest'"), ==, 1);

  row.name = (char *) "CRM to newsletter";
  row.direction = CONCORD_DIRECTION_B_TO_A;
  row.prefer = CONCORD_PREFER_B;
  row.config_json = NULL;
  row.enabled = FALSE;
  row.created = 0;
  second = concord_store_add_connection (store, &row, &error);
  g_assert_no_error (error);
  g_assert_cmpint (second, >, first);

  /* Duplicate name; an account that does not exist. */
  g_assert_cmpint (concord_store_add_connection (store, &row, &error), ==, 0);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  g_clear_error (&error);
  row.name = (char *) "Dangling";
  row.account_b = (char *) "acct-missing";
  g_assert_cmpint (concord_store_add_connection (store, &row, &error), ==, 0);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  connections = concord_store_list_connections (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (connections->len, ==, 2);
  listed = g_ptr_array_index (connections, 1);
  g_assert_cmpint (listed->id, ==, second);
  g_assert_cmpint (listed->direction, ==, CONCORD_DIRECTION_B_TO_A);
  g_assert_cmpint (listed->prefer, ==, CONCORD_PREFER_B);
  g_assert_null (listed->config_json);
  g_assert_false (listed->enabled);
  g_assert_cmpint (listed->created, >, 1600000000);

  /* Enabled and config. */
  g_assert_true (concord_store_set_connection_enabled (store, second, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (concord_store_set_connection_config (store, second, "{\"rules\":[]}", &error));
  g_assert_no_error (error);
  g_assert_true (concord_store_set_connection_enabled (store, first, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (concord_store_set_connection_config (store, first, NULL, &error));
  g_assert_no_error (error);

  g_clear_pointer (&got, concord_connection_row_free);
  got = concord_store_get_connection_by_id (store, second, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got->name, ==, "CRM to newsletter");
  g_assert_true (got->enabled);
  g_assert_cmpstr (got->config_json, ==, "{\"rules\":[]}");
  g_clear_pointer (&got, concord_connection_row_free);
  got = concord_store_get_connection_by_id (store, first, &error);
  g_assert_no_error (error);
  g_assert_false (got->enabled);
  g_assert_null (got->config_json);

  /* Missing rows. */
  missing = concord_store_get_connection (store, "Nothing", &error);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_assert_null (missing);
  g_clear_error (&error);
  missing = concord_store_get_connection_by_id (store, 9999, &error);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_assert_null (missing);
  g_clear_error (&error);
  g_assert_false (concord_store_set_connection_enabled (store, 9999, TRUE, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (concord_store_set_connection_config (store, 9999, "{}", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (concord_store_remove_connection (store, 9999, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A direction the build does not know is an error, not a guess. */
  raw_exec (fixture->path,
            "UPDATE connections SET direction = 'sideways' WHERE name = 'CRM to newsletter'");
  missing = concord_store_get_connection_by_id (store, second, &error);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_null (missing);
  g_clear_error (&error);

  g_assert_true (concord_store_remove_connection (store, second, &error));
  g_assert_no_error (error);
  g_clear_pointer (&connections, g_ptr_array_unref);
  connections = concord_store_list_connections (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (connections->len, ==, 1);
  g_assert_cmpint (((ConcordConnectionRow *) g_ptr_array_index (connections, 0))->id, ==, first);
}

/* ------------------------------------------------------------------------- */
/* The index, links and baselines, cursors                                   */
/* ------------------------------------------------------------------------- */

static void
test_store_index (Fixture       *fixture,
                  gconstpointer  data)
{
  static const guint64 hashes[] = {
    0, 1, G_MAXINT64, (guint64) G_MAXINT64 + 1,
    G_GUINT64_CONSTANT (0xfedcba9876543210), G_MAXUINT64,
  };
  ConcordStore *store = fixture->store;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) index = NULL;
  ConcordIndexEntry *entry;
  gpointer key, value;
  gint64 conn, other;

  add_accounts (store);
  conn = add_connection (store, "one");
  other = add_connection (store, "two");

  for (guint i = 0; i < G_N_ELEMENTS (hashes); i++)
    {
      g_autofree char *remote_id = g_strdup_printf ("id-%u", i);
      g_autofree char *email = g_strdup_printf ("person%u@example.org", i);

      put_entry (store, conn, CONCORD_SIDE_A, remote_id, i == 0 ? NULL : email, hashes[i], i);
    }
  put_entry (store, conn, CONCORD_SIDE_B, "b-1", "person1@example.org", 77, 1);
  put_entry (store, other, CONCORD_SIDE_A, "id-1", "x@example.org", 5, 0);

  index = load_index (store, conn, CONCORD_SIDE_A);
  g_assert_cmpuint (g_hash_table_size (index), ==, G_N_ELEMENTS (hashes));
  for (guint i = 0; i < G_N_ELEMENTS (hashes); i++)
    {
      g_autofree char *remote_id = g_strdup_printf ("id-%u", i);
      g_autofree char *email = g_strdup_printf ("person%u@example.org", i);

      g_assert_true (g_hash_table_lookup_extended (index, remote_id, &key, &value));
      entry = value;
      /* The key is the entry's own string. */
      g_assert_true (key == entry->remote_id);
      g_assert_cmpstr (entry->remote_id, ==, remote_id);
      g_assert_cmpstr (entry->email_norm, ==, i == 0 ? NULL : email);
      g_assert_cmpuint (entry->hash, ==, hashes[i]);
      g_assert_cmpint (entry->link_id, ==, i);
    }
  g_clear_pointer (&index, g_hash_table_unref);

  index = load_index (store, conn, CONCORD_SIDE_B);
  g_assert_cmpuint (g_hash_table_size (index), ==, 1);
  entry = g_hash_table_lookup (index, "b-1");
  g_assert_nonnull (entry);
  g_assert_cmpuint (entry->hash, ==, 77);
  g_clear_pointer (&index, g_hash_table_unref);

  /* Upsert: same key, new content. */
  put_entry (store, conn, CONCORD_SIDE_A, "id-2", NULL, 12345, 0);
  index = load_index (store, conn, CONCORD_SIDE_A);
  g_assert_cmpuint (g_hash_table_size (index), ==, G_N_ELEMENTS (hashes));
  entry = g_hash_table_lookup (index, "id-2");
  g_assert_null (entry->email_norm);
  g_assert_cmpuint (entry->hash, ==, 12345);
  g_assert_cmpint (entry->link_id, ==, 0);
  g_clear_pointer (&index, g_hash_table_unref);

  /* Delete; deleting what is not there is fine. */
  g_assert_true (concord_store_delete_index (store, conn, CONCORD_SIDE_A, "id-3", &error));
  g_assert_no_error (error);
  g_assert_true (concord_store_delete_index (store, conn, CONCORD_SIDE_A, "id-3", &error));
  g_assert_no_error (error);
  g_assert_true (concord_store_delete_index (store, conn, CONCORD_SIDE_B, "id-1", &error));
  g_assert_no_error (error);
  index = load_index (store, conn, CONCORD_SIDE_A);
  g_assert_cmpuint (g_hash_table_size (index), ==, G_N_ELEMENTS (hashes) - 1);
  g_assert_false (g_hash_table_contains (index, "id-3"));
  g_assert_true (g_hash_table_contains (index, "id-1"));
  g_clear_pointer (&index, g_hash_table_unref);

  /* Reset hashes: both sides of this connection, not the other one. */
  g_assert_true (concord_store_reset_index_hashes (store, conn, &error));
  g_assert_no_error (error);
  index = load_index (store, conn, CONCORD_SIDE_A);
  {
    GHashTableIter iter;

    g_hash_table_iter_init (&iter, index);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      {
        entry = value;
        g_assert_cmpuint (entry->hash, ==, 0);
      }
  }
  entry = g_hash_table_lookup (index, "id-1");
  g_assert_cmpstr (entry->email_norm, ==, "person1@example.org");
  g_assert_cmpint (entry->link_id, ==, 1);
  g_clear_pointer (&index, g_hash_table_unref);
  index = load_index (store, conn, CONCORD_SIDE_B);
  g_assert_cmpuint (((ConcordIndexEntry *) g_hash_table_lookup (index, "b-1"))->hash, ==, 0);
  g_clear_pointer (&index, g_hash_table_unref);
  index = load_index (store, other, CONCORD_SIDE_A);
  g_assert_cmpuint (g_hash_table_size (index), ==, 1);
  g_assert_cmpuint (((ConcordIndexEntry *) g_hash_table_lookup (index, "id-1"))->hash, ==, 5);
}

static void
test_store_index_bulk (Fixture       *fixture,
                       gconstpointer  data)
{
  ConcordStore *store = fixture->store;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) index = NULL;
  const guint n = 50000;
  ConcordIndexEntry *entry;
  gint64 conn;

  add_accounts (store);
  conn = add_connection (store, "bulk");

  g_assert_true (concord_store_begin (store, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      char remote_id[32], email[48];

      g_snprintf (remote_id, sizeof remote_id, "r%u", i);
      g_snprintf (email, sizeof email, "p%u@example.com", i);
      put_entry (store, conn, i % 2, remote_id, email, G_MAXUINT64 - i, 0);
    }
  g_assert_true (concord_store_commit (store, &error));
  g_assert_no_error (error);

  index = load_index (store, conn, CONCORD_SIDE_A);
  g_assert_cmpuint (g_hash_table_size (index), ==, n / 2);
  entry = g_hash_table_lookup (index, "r49998");
  g_assert_nonnull (entry);
  g_assert_cmpstr (entry->email_norm, ==, "p49998@example.com");
  g_assert_cmpuint (entry->hash, ==, G_MAXUINT64 - 49998);
  g_assert_null (g_hash_table_lookup (index, "r49999"));
  g_clear_pointer (&index, g_hash_table_unref);

  index = load_index (store, conn, CONCORD_SIDE_B);
  g_assert_cmpuint (g_hash_table_size (index), ==, n / 2);
  g_assert_nonnull (g_hash_table_lookup (index, "r49999"));
}

static void
test_store_links (Fixture       *fixture,
                  gconstpointer  data)
{
  ConcordStore *store = fixture->store;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) values_a = NULL;
  g_autoptr(GVariant) values_b = NULL;
  g_autoptr(GVariant) got_a = NULL;
  g_autoptr(GVariant) got_b = NULL;
  g_autoptr(GHashTable) index = NULL;
  g_autofree char *a_id = NULL;
  g_autofree char *b_id = NULL;
  g_autofree char *lists = NULL;
  gint64 conn, link, other_link;
  double score;

  add_accounts (store);
  conn = add_connection (store, "links");

  link = concord_store_add_link (store, conn, "a-1", "b-1", &error);
  g_assert_no_error (error);
  g_assert_cmpint (link, >, 0);
  other_link = concord_store_add_link (store, conn, "a-2", "b-2", &error);
  g_assert_no_error (error);
  g_assert_cmpint (other_link, >, link);
  g_assert_cmpint (concord_store_count_links (store, conn, &error), ==, 2);
  g_assert_no_error (error);

  g_assert_true (concord_store_get_link (store, link, &a_id, &b_id, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (a_id, ==, "a-1");
  g_assert_cmpstr (b_id, ==, "b-1");

  /* A record is in one link only. */
  /* Adding the same pair again is idempotent (a run that crashed after
   * pairing them); pairing one record with another one is refused. */
  g_assert_cmpint (concord_store_add_link (store, conn, "a-1", "b-1", &error), ==, link);
  g_assert_no_error (error);
  g_assert_cmpint (concord_store_add_link (store, conn, "a-1", "b-9", &error), ==, 0);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_cmpint (concord_store_add_link (store, conn, "a-9", "b-2", &error), ==, 0);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  g_clear_error (&error);

  /* No baseline yet. */
  g_assert_false (concord_store_get_baseline (store, link, &got_a, &got_b, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_assert_null (got_a);
  g_clear_error (&error);

  values_a = g_variant_ref_sink (build_values ("Zoë Example", 0.1 + 0.2));
  values_b = g_variant_ref_sink (build_values ("Zoe Example", -1e300));
  g_assert_true (concord_store_set_baseline (store, link, values_a, values_b, &error));
  g_assert_no_error (error);
  g_assert_true (concord_store_get_baseline (store, link, &got_a, &got_b, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_variant_get_type_string (got_a), ==, "a{sv}");
  g_assert_true (g_variant_equal (got_a, values_a));
  g_assert_true (g_variant_equal (got_b, values_b));
  g_assert_true (g_variant_lookup (got_a, "score", "d", &score));
  g_assert_true (score == 0.1 + 0.2);  /* bit for bit */
  lists = g_variant_print (g_variant_lookup_value (got_a, "lists", NULL), FALSE);
  g_assert_cmpstr (lists, ==, "['customers', 'newsletter', 'vip']");
  g_clear_pointer (&lists, g_free);
  g_clear_pointer (&got_a, g_variant_unref);
  g_clear_pointer (&got_b, g_variant_unref);

  /* Replace it, with floating references and an empty dictionary. */
  g_assert_true (concord_store_set_baseline (store, link, build_values ("New", 2.5),
                                             g_variant_new ("a{sv}", NULL), &error));
  g_assert_no_error (error);
  g_assert_true (concord_store_get_baseline (store, link, &got_a, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (got_a, "score", "d", &score));
  g_assert_cmpfloat (score, ==, 2.5);
  g_clear_pointer (&got_a, g_variant_unref);
  g_assert_true (concord_store_get_baseline (store, link, NULL, &got_b, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (got_b), ==, 0);
  g_clear_pointer (&got_b, g_variant_unref);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM baselines"), ==, 1);

  /* A baseline needs its link. */
  g_assert_false (concord_store_set_baseline (store, 9999, values_a, values_b, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (concord_store_set_baseline (store, other_link, values_a, values_b, &error));
  g_assert_no_error (error);

  /* Index entries pointing at both links. */
  put_entry (store, conn, CONCORD_SIDE_A, "a-1", "one@example.org", 11, link);
  put_entry (store, conn, CONCORD_SIDE_B, "b-1", "one@example.org", 12, link);
  put_entry (store, conn, CONCORD_SIDE_A, "a-2", "two@example.org", 21, other_link);
  put_entry (store, conn, CONCORD_SIDE_B, "b-2", "two@example.org", 22, other_link);

  g_assert_true (concord_store_remove_link (store, link, &error));
  g_assert_no_error (error);

  index = load_index (store, conn, CONCORD_SIDE_A);
  g_assert_cmpint (((ConcordIndexEntry *) g_hash_table_lookup (index, "a-1"))->link_id, ==, 0);
  g_assert_cmpuint (((ConcordIndexEntry *) g_hash_table_lookup (index, "a-1"))->hash, ==, 11);
  g_assert_cmpint (((ConcordIndexEntry *) g_hash_table_lookup (index, "a-2"))->link_id, ==,
                   other_link);
  g_clear_pointer (&index, g_hash_table_unref);
  index = load_index (store, conn, CONCORD_SIDE_B);
  g_assert_cmpint (((ConcordIndexEntry *) g_hash_table_lookup (index, "b-1"))->link_id, ==, 0);
  g_assert_cmpint (((ConcordIndexEntry *) g_hash_table_lookup (index, "b-2"))->link_id, ==,
                   other_link);

  g_assert_false (concord_store_get_baseline (store, link, &got_a, &got_b, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (concord_store_get_link (store, link, NULL, NULL, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (concord_store_count_links (store, conn, &error), ==, 1);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM baselines"), ==, 1);
  g_assert_true (concord_store_get_baseline (store, other_link, &got_a, &got_b, &error));
  g_assert_no_error (error);
  g_assert_true (g_variant_equal (got_a, values_a));

  g_assert_false (concord_store_remove_link (store, link, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* The freed records can be linked again. */
  g_assert_cmpint (concord_store_add_link (store, conn, "a-1", "b-1", &error), >, 0);
  g_assert_no_error (error);
}

static void
test_store_corrupt_baseline (Fixture       *fixture,
                             gconstpointer  data)
{
  static const guint8 junk[] = { 0xff, 0x01, 0x7f, 0x00, 0x03 };
  ConcordStore *store = fixture->store;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) probe = NULL;
  g_autoptr(GVariant) got_a = NULL;
  g_autoptr(GVariant) got_b = NULL;
  GLogLevelFlags fatal;
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  gint64 conn, link;

  add_accounts (store);
  conn = add_connection (store, "corrupt");
  link = concord_store_add_link (store, conn, "a", "b", &error);
  g_assert_no_error (error);
  g_assert_true (concord_store_set_baseline (store, link, build_values ("x", 1),
                                             build_values ("y", 2), &error));
  g_assert_no_error (error);

  /* The junk is really not an a{sv} in normal form. */
  probe = g_variant_ref_sink (g_variant_new_from_data (G_VARIANT_TYPE_VARDICT, junk, sizeof junk,
                                                       FALSE, NULL, NULL));
  g_assert_false (g_variant_is_normal_form (probe));

  db = open_raw (fixture->path);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "UPDATE baselines SET values_b = ?1 WHERE link_id = ?2",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_blob (stmt, 1, junk, sizeof junk, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, link);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  /* No warning either: make one fatal while reading. */
  fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  g_assert_false (concord_store_get_baseline (store, link, &got_a, &got_b, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_assert_null (got_a);
  g_assert_null (got_b);
  g_clear_error (&error);

  /* An invalid type string. */
  raw_exec (fixture->path, "UPDATE baselines SET type_a = '(((', values_b = values_a");
  g_assert_false (concord_store_get_baseline (store, link, &got_a, &got_b, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A blob stored as text. */
  raw_exec (fixture->path, "UPDATE baselines SET type_a = 'a{sv}', values_a = 'text'");
  g_assert_false (concord_store_get_baseline (store, link, &got_a, &got_b, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_log_set_always_fatal (fatal);

  /* Writing a new baseline repairs it. */
  g_assert_true (concord_store_set_baseline (store, link, build_values ("x", 1),
                                             build_values ("y", 2), &error));
  g_assert_no_error (error);
  g_assert_true (concord_store_get_baseline (store, link, &got_a, &got_b, &error));
  g_assert_no_error (error);
  g_assert_nonnull (got_a);
  g_assert_nonnull (got_b);
}

static void
test_store_cursors (Fixture       *fixture,
                    gconstpointer  data)
{
  ConcordStore *store = fixture->store;
  g_autoptr(GError) error = NULL;
  g_autofree char *cursor = NULL;
  gint64 conn, other;

  add_accounts (store);
  conn = add_connection (store, "one");
  other = add_connection (store, "two");

  cursor = concord_store_get_cursor (store, conn, CONCORD_SIDE_A, &error);
  g_assert_no_error (error);
  g_assert_null (cursor);

  g_assert_true (concord_store_set_cursor (store, conn, CONCORD_SIDE_A, "page=3&since=2024",
                                           &error));
  g_assert_no_error (error);
  g_assert_true (concord_store_set_cursor (store, conn, CONCORD_SIDE_B, "sync-token-1", &error));
  g_assert_no_error (error);
  g_assert_true (concord_store_set_cursor (store, other, CONCORD_SIDE_A, "other", &error));
  g_assert_no_error (error);

  cursor = concord_store_get_cursor (store, conn, CONCORD_SIDE_A, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cursor, ==, "page=3&since=2024");
  g_clear_pointer (&cursor, g_free);

  /* Replace, then forget. */
  g_assert_true (concord_store_set_cursor (store, conn, CONCORD_SIDE_B, "sync-token-2", &error));
  g_assert_no_error (error);
  cursor = concord_store_get_cursor (store, conn, CONCORD_SIDE_B, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cursor, ==, "sync-token-2");
  g_clear_pointer (&cursor, g_free);

  g_assert_true (concord_store_set_cursor (store, conn, CONCORD_SIDE_A, NULL, &error));
  g_assert_no_error (error);
  cursor = concord_store_get_cursor (store, conn, CONCORD_SIDE_A, &error);
  g_assert_no_error (error);
  g_assert_null (cursor);

  cursor = concord_store_get_cursor (store, conn, CONCORD_SIDE_B, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cursor, ==, "sync-token-2");
  g_clear_pointer (&cursor, g_free);
  cursor = concord_store_get_cursor (store, other, CONCORD_SIDE_A, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cursor, ==, "other");
}

/* ------------------------------------------------------------------------- */
/* Intents, runs, journal, conflicts                                         */
/* ------------------------------------------------------------------------- */

static void
test_store_intents (Fixture       *fixture,
                    gconstpointer  data)
{
  ConcordStore *store = fixture->store;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) intents = NULL;
  ConcordIntentRow *row;
  gint64 conn, other, first, second, third;

  add_accounts (store);
  conn = add_connection (store, "one");
  other = add_connection (store, "two");

  first = concord_store_add_intent (store, conn, 5, CONCORD_SIDE_B, "create",
                                    "new@example.org", "{\"email\":\"new@example.org\"}", &error);
  g_assert_no_error (error);
  second = concord_store_add_intent (store, conn, 5, CONCORD_SIDE_A, "update", "remote-17", NULL,
                                     &error);
  g_assert_no_error (error);
  third = concord_store_add_intent (store, conn, 6, CONCORD_SIDE_B, "update", "remote-18", "{}",
                                    &error);
  g_assert_no_error (error);
  concord_store_add_intent (store, other, 1, CONCORD_SIDE_A, "create", "x@example.org", NULL,
                            &error);
  g_assert_no_error (error);
  g_assert_cmpint (first, >, 0);
  g_assert_cmpint (second, >, first);
  g_assert_cmpint (third, >, second);

  intents = concord_store_list_intents (store, conn, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (intents->len, ==, 3);
  row = g_ptr_array_index (intents, 0);
  g_assert_cmpint (row->id, ==, first);
  g_assert_cmpint (row->run_id, ==, 5);
  g_assert_cmpint (row->side, ==, CONCORD_SIDE_B);
  g_assert_cmpstr (row->op, ==, "create");
  g_assert_cmpstr (row->key, ==, "new@example.org");
  g_assert_cmpstr (row->payload, ==, "{\"email\":\"new@example.org\"}");
  g_assert_cmpint (row->created, >, 0);
  row = g_ptr_array_index (intents, 1);
  g_assert_cmpint (row->id, ==, second);
  g_assert_cmpint (row->side, ==, CONCORD_SIDE_A);
  g_assert_cmpstr (row->op, ==, "update");
  g_assert_null (row->payload);
  g_clear_pointer (&intents, g_ptr_array_unref);

  g_assert_true (concord_store_remove_intent (store, second, &error));
  g_assert_no_error (error);
  g_assert_false (concord_store_remove_intent (store, second, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  intents = concord_store_list_intents (store, conn, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (intents->len, ==, 2);
  g_assert_cmpint (((ConcordIntentRow *) g_ptr_array_index (intents, 0))->id, ==, first);
  g_assert_cmpint (((ConcordIntentRow *) g_ptr_array_index (intents, 1))->id, ==, third);
  g_clear_pointer (&intents, g_ptr_array_unref);

  intents = concord_store_list_intents (store, other, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (intents->len, ==, 1);
}

static void
test_store_runs (Fixture       *fixture,
                 gconstpointer  data)
{
  ConcordStore *store = fixture->store;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  ConcordRunRow *row;
  gint64 conn, other, first, second, third;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  add_accounts (store);
  conn = add_connection (store, "one");
  other = add_connection (store, "two");

  first = concord_store_begin_run (store, conn, FALSE, &error);
  g_assert_no_error (error);
  second = concord_store_begin_run (store, conn, TRUE, &error);
  g_assert_no_error (error);
  third = concord_store_begin_run (store, conn, FALSE, &error);
  g_assert_no_error (error);
  concord_store_begin_run (store, other, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (first, >, 0);
  g_assert_cmpint (second, >, first);
  g_assert_cmpint (third, >, second);

  g_assert_true (concord_store_finish_run (store, first, "ok", "{\"created\":3}", &error));
  g_assert_no_error (error);
  g_assert_true (concord_store_finish_run (store, second, "failed", NULL, &error));
  g_assert_no_error (error);
  g_assert_false (concord_store_finish_run (store, 9999, "ok", NULL, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  runs = concord_store_list_runs (store, conn, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 3);

  /* Newest first; the third is still running. */
  row = g_ptr_array_index (runs, 0);
  g_assert_cmpint (row->id, ==, third);
  g_assert_cmpint (row->connection_id, ==, conn);
  g_assert_cmpint (row->started, >=, now - 5);
  g_assert_cmpint (row->finished, ==, 0);
  g_assert_false (row->dry_run);
  g_assert_null (row->status);
  g_assert_null (row->summary_json);
  row = g_ptr_array_index (runs, 1);
  g_assert_cmpint (row->id, ==, second);
  g_assert_true (row->dry_run);
  g_assert_cmpstr (row->status, ==, "failed");
  g_assert_cmpint (row->finished, >=, row->started);
  row = g_ptr_array_index (runs, 2);
  g_assert_cmpint (row->id, ==, first);
  g_assert_cmpstr (row->status, ==, "ok");
  g_assert_cmpstr (row->summary_json, ==, "{\"created\":3}");
  g_assert_cmpint (row->finished, >=, now - 5);
  g_clear_pointer (&runs, g_ptr_array_unref);

  runs = concord_store_list_runs (store, conn, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 2);
  g_assert_cmpint (((ConcordRunRow *) g_ptr_array_index (runs, 0))->id, ==, third);
  g_assert_cmpint (((ConcordRunRow *) g_ptr_array_index (runs, 1))->id, ==, second);
  g_clear_pointer (&runs, g_ptr_array_unref);

  runs = concord_store_list_runs (store, other, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 1);
}

/* A record-level row of the journal about @remote_id, flowing from @side. */
static void
add_record_row (ConcordStore *store,
                gint64        connection_id,
                ConcordSide   side,
                const char   *remote_id,
                const char   *op,
                const char   *outcome,
                const char   *code,
                const char   *error_text)
{
  g_autoptr(GError) error = NULL;
  ConcordJournalRow row = {
    .run_id = 1,
    .time = 1700000000,
    .direction = (char *) (side == CONCORD_SIDE_A ? "a-to-b" : "b-to-a"),
    .remote_id = (char *) remote_id,
    .op = (char *) op,
    .outcome = (char *) outcome,
    .error = (char *) error_text,
    .code = (char *) code,
  };

  g_assert_true (concord_store_add_journal (store, connection_id, &row, &error));
  g_assert_no_error (error);
}

/* "Excluded by rules" in the health summary: the unpaired contacts whose
 * newest journal row, in the way they would flow, left them out on
 * purpose. */
static void
test_store_count_excluded (Fixture       *fixture,
                           gconstpointer  data)
{
  ConcordStore *store = fixture->store;
  g_autoptr(GError) error = NULL;
  gint64 conn, other;

  add_accounts (store);
  conn = add_connection (store, "one");
  other = add_connection (store, "two");
  g_assert_cmpint (concord_store_count_excluded (store, conn, &error), ==, 0);
  g_assert_no_error (error);

  /* Out of scope on A, unpaired: counted. */
  put_entry (store, conn, CONCORD_SIDE_A, "a1", "a1@example.com", 1, 0);
  add_record_row (store, conn, CONCORD_SIDE_A, "a1", "skip", "skipped", "rule", "out of the scope of the rule A→B");
  /* On B, left out after creating it had failed: the newest row counts. */
  put_entry (store, conn, CONCORD_SIDE_B, "b1", "b1@example.com", 1, 0);
  add_record_row (store, conn, CONCORD_SIDE_B, "b1", "create", "failed", "server", "HTTP 500");
  add_record_row (store, conn, CONCORD_SIDE_B, "b1", "skip", "skipped", "create-off", "creating contacts is off");
  g_assert_cmpint (concord_store_count_excluded (store, conn, &error), ==, 2);
  g_assert_no_error (error);

  /* Left out once, then its creation failed: failing now, not excluded. */
  put_entry (store, conn, CONCORD_SIDE_A, "a2", "a2@example.com", 1, 0);
  add_record_row (store, conn, CONCORD_SIDE_A, "a2", "skip", "skipped", "rule", "out of the scope of the rule A→B");
  add_record_row (store, conn, CONCORD_SIDE_A, "a2", "create", "failed", "server", "HTTP 500");
  /* Paired: in sync, whatever the journal said before. */
  put_entry (store, conn, CONCORD_SIDE_A, "a3", "a3@example.com", 1, 9);
  add_record_row (store, conn, CONCORD_SIDE_A, "a3", "skip", "skipped", "rule", "out of the scope of the rule A→B");
  /* An ambiguous match waits for review instead. */
  put_entry (store, conn, CONCORD_SIDE_A, "a4", "twin@example.com", 1, 0);
  add_record_row (store, conn, CONCORD_SIDE_A, "a4", "skip", "skipped", "ambiguous", "several contacts have this email address");
  /* A row about the same id flowing the other way says nothing of it. */
  put_entry (store, conn, CONCORD_SIDE_A, "a5", "a5@example.com", 1, 0);
  add_record_row (store, conn, CONCORD_SIDE_B, "a5", "skip", "skipped", "rule", "out of the scope of the rule B→A");
  /* Another connection's. */
  put_entry (store, other, CONCORD_SIDE_A, "a1", "a1@example.com", 1, 0);
  add_record_row (store, other, CONCORD_SIDE_A, "a1", "skip", "skipped", "rule", "out of the scope of the rule A→B");

  g_assert_cmpint (concord_store_count_excluded (store, conn, &error), ==, 2);
  g_assert_no_error (error);
  g_assert_cmpint (concord_store_count_excluded (store, other, &error), ==, 1);
  g_assert_no_error (error);
}

static void
test_store_journal (Fixture       *fixture,
                    gconstpointer  data)
{
  ConcordStore *store = fixture->store;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  ConcordJournalRow *row;
  gint64 conn, other, before, after;

  add_accounts (store);
  conn = add_connection (store, "one");
  other = add_connection (store, "two");

  before = g_get_real_time () / G_USEC_PER_SEC;
  add_journal_row (store, conn, 1, 0, "r1", "first_name", "ok");        /* time: now */
  after = g_get_real_time () / G_USEC_PER_SEC;
  add_journal_row (store, conn, 1, 1700000001, "r2", NULL, "ok");
  add_journal_row (store, conn, 1, 1700000002, "r3", "phone", "failed");
  add_journal_row (store, conn, 2, 1700000003, NULL, "city", "ok");
  add_journal_row (store, conn, 2, 1700000004, "r5", "city", "skipped");
  add_journal_row (store, other, 1, 1700000005, "o1", "city", "ok");

  /* All runs, newest first. */
  rows = concord_store_list_journal (store, conn, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 5);
  row = g_ptr_array_index (rows, 0);
  g_assert_cmpint (row->run_id, ==, 2);
  g_assert_cmpint (row->time, ==, 1700000004);
  g_assert_cmpstr (row->remote_id, ==, "r5");
  g_assert_cmpstr (row->outcome, ==, "skipped");
  for (guint i = 1; i < rows->len; i++)
    g_assert_cmpint (((ConcordJournalRow *) g_ptr_array_index (rows, i - 1))->id, >,
                     ((ConcordJournalRow *) g_ptr_array_index (rows, i))->id);
  row = g_ptr_array_index (rows, 4);
  g_assert_cmpint (row->time, >=, before);
  g_assert_cmpint (row->time, <=, after);
  g_assert_cmpint (row->run_id, ==, 1);
  g_assert_cmpint (row->link_id, ==, 7);
  g_assert_cmpstr (row->direction, ==, "a-to-b");
  g_assert_cmpstr (row->remote_id, ==, "r1");
  g_assert_cmpstr (row->op, ==, "update");
  g_assert_cmpstr (row->field, ==, "first_name");
  g_assert_cmpstr (row->before, ==, "old");
  g_assert_cmpstr (row->after, ==, "new");
  g_assert_cmpstr (row->outcome, ==, "ok");
  g_assert_null (row->error);
  row = g_ptr_array_index (rows, 1);
  g_assert_null (row->remote_id);
  row = g_ptr_array_index (rows, 2);
  g_assert_cmpstr (row->error, ==, "HTTP 500");
  row = g_ptr_array_index (rows, 3);
  g_assert_null (row->field);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* One run; a limit. */
  rows = concord_store_list_journal (store, conn, 1, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 3);
  g_assert_cmpstr (((ConcordJournalRow *) g_ptr_array_index (rows, 0))->remote_id, ==, "r3");
  g_assert_cmpstr (((ConcordJournalRow *) g_ptr_array_index (rows, 2))->remote_id, ==, "r1");
  g_clear_pointer (&rows, g_ptr_array_unref);

  rows = concord_store_list_journal (store, conn, 1, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpstr (((ConcordJournalRow *) g_ptr_array_index (rows, 0))->remote_id, ==, "r3");
  g_assert_cmpstr (((ConcordJournalRow *) g_ptr_array_index (rows, 1))->remote_id, ==, "r2");
  g_clear_pointer (&rows, g_ptr_array_unref);

  rows = concord_store_list_journal (store, conn, 0, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (((ConcordJournalRow *) g_ptr_array_index (rows, 0))->remote_id, ==, "r5");
  g_clear_pointer (&rows, g_ptr_array_unref);

  rows = concord_store_list_journal (store, conn, 99, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 0);

  /* Counts. */
  g_assert_cmpint (concord_store_count_journal (store, conn, 0, NULL, &error), ==, 5);
  g_assert_cmpint (concord_store_count_journal (store, conn, 0, "ok", &error), ==, 3);
  g_assert_cmpint (concord_store_count_journal (store, conn, 0, "failed", &error), ==, 1);
  g_assert_cmpint (concord_store_count_journal (store, conn, 1, NULL, &error), ==, 3);
  g_assert_cmpint (concord_store_count_journal (store, conn, 1, "ok", &error), ==, 2);
  g_assert_cmpint (concord_store_count_journal (store, conn, 2, "failed", &error), ==, 0);
  g_assert_cmpint (concord_store_count_journal (store, conn, 2, "skipped", &error), ==, 1);
  g_assert_cmpint (concord_store_count_journal (store, other, 0, NULL, &error), ==, 1);
  g_assert_cmpint (concord_store_count_journal (store, 9999, 0, NULL, &error), ==, 0);
  g_assert_no_error (error);
}

static void
test_store_conflicts (Fixture       *fixture,
                      gconstpointer  data)
{
  ConcordStore *store = fixture->store;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  ConcordConflictRow *row;
  ConcordConflictRow now_row = {
    .run_id = 2,
    .kind = (char *) "field",
    .field = (char *) "phone",
    .winner = (char *) "b",
  };
  gint64 conn, other, before;

  add_accounts (store);
  conn = add_connection (store, "one");
  other = add_connection (store, "two");

  add_conflict_row (store, conn, 1, "first_name", TRUE);
  add_conflict_row (store, conn, 1, NULL, FALSE);
  before = g_get_real_time () / G_USEC_PER_SEC;
  g_assert_true (concord_store_add_conflict (store, conn, &now_row, &error));
  g_assert_no_error (error);
  add_conflict_row (store, other, 1, "city", TRUE);

  rows = concord_store_list_conflicts (store, conn, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 3);
  row = g_ptr_array_index (rows, 0);
  g_assert_cmpint (row->run_id, ==, 2);
  g_assert_cmpint (row->time, >=, before);
  g_assert_cmpstr (row->field, ==, "phone");
  g_assert_cmpstr (row->winner, ==, "b");
  g_assert_null (row->value_a);
  g_assert_false (row->resolved);
  row = g_ptr_array_index (rows, 1);
  g_assert_cmpstr (row->kind, ==, "ambiguous");
  g_assert_null (row->field);
  g_assert_cmpint (row->link_id, ==, 0);
  g_assert_cmpstr (row->winner, ==, "none");
  g_assert_false (row->resolved);
  row = g_ptr_array_index (rows, 2);
  g_assert_cmpint (row->run_id, ==, 1);
  g_assert_cmpint (row->time, ==, 1700000000);
  g_assert_cmpint (row->link_id, ==, 3);
  g_assert_cmpstr (row->kind, ==, "field");
  g_assert_cmpstr (row->field, ==, "first_name");
  g_assert_cmpstr (row->value_a, ==, "A value");
  g_assert_null (row->value_b);
  g_assert_cmpstr (row->winner, ==, "a");
  g_assert_true (row->resolved);
  g_clear_pointer (&rows, g_ptr_array_unref);

  rows = concord_store_list_conflicts (store, conn, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 2);
  g_clear_pointer (&rows, g_ptr_array_unref);

  rows = concord_store_list_conflicts (store, other, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
}

/* ------------------------------------------------------------------------- */
/* Transactions and removal                                                  */
/* ------------------------------------------------------------------------- */

static void
test_store_transactions (Fixture       *fixture,
                         gconstpointer  data)
{
  ConcordStore *store = fixture->store;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordAccountRow) account = NULL;
  g_autoptr(GHashTable) index = NULL;
  gint64 conn, link;

  /* Outside a transaction a call commits on its own: another connection
   * sees it at once. */
  g_assert_false (concord_store_in_transaction (store));
  add_accounts (store);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM accounts"), ==, 2);
  conn = add_connection (store, "tx");

  /* Nothing to commit; rolling back nothing is harmless. */
  g_assert_false (concord_store_commit (store, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED);
  g_clear_error (&error);
  concord_store_rollback (store);
  g_assert_false (concord_store_in_transaction (store));

  /* Rollback discards everything since begin. */
  g_assert_true (concord_store_begin (store, &error));
  g_assert_no_error (error);
  g_assert_true (concord_store_in_transaction (store));
  g_assert_false (concord_store_begin (store, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_true (concord_store_in_transaction (store));

  g_assert_true (concord_store_add_account (store, "acct-tx", "vcard", "Temporary", NULL, &error));
  g_assert_no_error (error);
  put_entry (store, conn, CONCORD_SIDE_A, "gone", NULL, 1, 0);
  link = concord_store_add_link (store, conn, "gone", "gone-b", &error);
  g_assert_no_error (error);
  account = concord_store_get_account (store, "acct-tx", &error);
  g_assert_no_error (error);
  g_clear_pointer (&account, concord_account_row_free);

  concord_store_rollback (store);
  g_assert_false (concord_store_in_transaction (store));
  account = concord_store_get_account (store, "acct-tx", &error);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_assert_null (account);
  g_clear_error (&error);
  index = load_index (store, conn, CONCORD_SIDE_A);
  g_assert_cmpuint (g_hash_table_size (index), ==, 0);
  g_clear_pointer (&index, g_hash_table_unref);
  g_assert_cmpint (concord_store_count_links (store, conn, &error), ==, 0);
  g_assert_false (concord_store_get_link (store, link, NULL, NULL, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Commit keeps it; the other connection sees it only after the commit. */
  g_assert_true (concord_store_begin (store, &error));
  g_assert_no_error (error);
  put_entry (store, conn, CONCORD_SIDE_A, "kept", NULL, 2, 0);
  link = concord_store_add_link (store, conn, "kept", "kept-b", &error);
  g_assert_no_error (error);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM records"), ==, 0);
  g_assert_true (concord_store_commit (store, &error));
  g_assert_no_error (error);
  g_assert_false (concord_store_in_transaction (store));
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM records"), ==, 1);

  /* An operation of several statements inside a transaction: a failed one
   * undoes only itself, a good one is undone by the rollback. */
  g_assert_true (concord_store_begin (store, &error));
  g_assert_no_error (error);
  put_entry (store, conn, CONCORD_SIDE_B, "in-tx", NULL, 3, 0);
  g_assert_false (concord_store_remove_link (store, 9999, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (concord_store_in_transaction (store));
  g_assert_true (concord_store_remove_link (store, link, &error));
  g_assert_no_error (error);
  g_assert_cmpint (concord_store_count_links (store, conn, &error), ==, 0);
  concord_store_rollback (store);

  g_assert_cmpint (concord_store_count_links (store, conn, &error), ==, 1);
  g_assert_no_error (error);
  index = load_index (store, conn, CONCORD_SIDE_B);
  g_assert_cmpuint (g_hash_table_size (index), ==, 0);
  g_clear_pointer (&index, g_hash_table_unref);

  /* The same, committed: the savepoint's work and the row before it stay. */
  g_assert_true (concord_store_begin (store, &error));
  g_assert_no_error (error);
  put_entry (store, conn, CONCORD_SIDE_B, "in-tx", NULL, 3, 0);
  g_assert_false (concord_store_remove_link (store, 9999, &error));
  g_clear_error (&error);
  g_assert_true (concord_store_remove_link (store, link, &error));
  g_assert_no_error (error);
  g_assert_true (concord_store_commit (store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (concord_store_count_links (store, conn, &error), ==, 0);
  index = load_index (store, conn, CONCORD_SIDE_B);
  g_assert_cmpuint (g_hash_table_size (index), ==, 1);
}

static void
fill_connection (ConcordStore *store,
                 gint64        conn,
                 const char   *prefix)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a_id = g_strconcat (prefix, "-a", NULL);
  g_autofree char *b_id = g_strconcat (prefix, "-b", NULL);
  gint64 link, run;

  link = concord_store_add_link (store, conn, a_id, b_id, &error);
  g_assert_no_error (error);
  put_entry (store, conn, CONCORD_SIDE_A, a_id, "p@example.org", 1, link);
  put_entry (store, conn, CONCORD_SIDE_B, b_id, "p@example.org", 2, link);
  g_assert_true (concord_store_set_baseline (store, link, build_values (prefix, 1),
                                             build_values (prefix, 2), &error));
  g_assert_no_error (error);
  g_assert_true (concord_store_set_cursor (store, conn, CONCORD_SIDE_A, prefix, &error));
  g_assert_no_error (error);
  g_assert_true (concord_store_set_cursor (store, conn, CONCORD_SIDE_B, prefix, &error));
  g_assert_no_error (error);
  run = concord_store_begin_run (store, conn, FALSE, &error);
  g_assert_no_error (error);
  concord_store_add_intent (store, conn, run, CONCORD_SIDE_B, "create", "p@example.org", NULL,
                            &error);
  g_assert_no_error (error);
  add_journal_row (store, conn, run, 0, a_id, "email", "ok");
  add_conflict_row (store, conn, run, "name", FALSE);
}

static void
assert_connection_rows (ConcordStore *store,
                        gint64        conn,
                        guint         expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) index_a = load_index (store, conn, CONCORD_SIDE_A);
  g_autoptr(GHashTable) index_b = load_index (store, conn, CONCORD_SIDE_B);
  g_autoptr(GPtrArray) intents = concord_store_list_intents (store, conn, &error);
  g_autoptr(GPtrArray) runs = concord_store_list_runs (store, conn, 0, &error);
  g_autoptr(GPtrArray) journal = concord_store_list_journal (store, conn, 0, 0, &error);
  g_autoptr(GPtrArray) conflicts = concord_store_list_conflicts (store, conn, 0, &error);
  g_autofree char *cursor_a = concord_store_get_cursor (store, conn, CONCORD_SIDE_A, &error);
  g_autofree char *cursor_b = concord_store_get_cursor (store, conn, CONCORD_SIDE_B, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (index_a), ==, expected);
  g_assert_cmpuint (g_hash_table_size (index_b), ==, expected);
  g_assert_cmpint (concord_store_count_links (store, conn, &error), ==, expected);
  g_assert_cmpuint (intents->len, ==, expected);
  g_assert_cmpuint (runs->len, ==, expected);
  g_assert_cmpuint (journal->len, ==, expected);
  g_assert_cmpuint (conflicts->len, ==, expected);
  g_assert_true ((cursor_a != NULL) == (expected > 0));
  g_assert_true ((cursor_b != NULL) == (expected > 0));
}

static void
test_store_remove_connection (Fixture       *fixture,
                              gconstpointer  data)
{
  ConcordStore *store = fixture->store;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnectionRow) row = NULL;
  g_autoptr(GVariant) values_a = NULL;
  g_autoptr(GVariant) expected = NULL;
  g_autofree char *a_id = NULL;
  gint64 doomed, kept, kept_link;

  add_accounts (store);
  doomed = add_connection (store, "doomed");
  kept = add_connection (store, "kept");
  fill_connection (store, doomed, "doomed");
  fill_connection (store, kept, "kept");
  assert_connection_rows (store, doomed, 1);
  assert_connection_rows (store, kept, 1);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM baselines"), ==, 2);

  g_assert_true (concord_store_remove_connection (store, doomed, &error));
  g_assert_no_error (error);

  row = concord_store_get_connection_by_id (store, doomed, &error);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_assert_null (row);
  g_clear_error (&error);
  assert_connection_rows (store, doomed, 0);
  assert_connection_rows (store, kept, 1);

  /* Not a row of it is left in any table. */
  g_assert_cmpint (raw_query_int (fixture->path,
                                  "SELECT (SELECT count(*) FROM records) + "
                                  "(SELECT count(*) FROM links) + "
                                  "(SELECT count(*) FROM baselines) + "
                                  "(SELECT count(*) FROM cursors) + "
                                  "(SELECT count(*) FROM intents) + "
                                  "(SELECT count(*) FROM runs) + "
                                  "(SELECT count(*) FROM journal) + "
                                  "(SELECT count(*) FROM conflicts)"), ==,
                   2 + 1 + 1 + 2 + 1 + 1 + 1 + 1);

  /* The kept connection's baseline is intact. */
  kept_link = raw_query_int (fixture->path, "SELECT id FROM links");
  g_assert_true (concord_store_get_link (store, kept_link, &a_id, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (a_id, ==, "kept-a");
  g_assert_true (concord_store_get_baseline (store, kept_link, &values_a, NULL, &error));
  g_assert_no_error (error);
  expected = g_variant_ref_sink (build_values ("kept", 1));
  g_assert_true (g_variant_equal (values_a, expected));

  g_assert_false (concord_store_remove_connection (store, doomed, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
}

/* ------------------------------------------------------------------------- */
/* Hostile text                                                              */
/* ------------------------------------------------------------------------- */

/* The journal keeps a long text cut, with a mark; a short one as it is. */
static void
assert_journal_text (const char *got,
                     const char *text)
{
  gsize length = strlen (text);
  g_autofree char *mark = NULL;

  if (length <= CONCORD_STORE_JOURNAL_MAX_TEXT)
    {
      g_assert_cmpstr (got, ==, text);
      return;
    }

  mark = g_strdup_printf ("… [cut: %" G_GSIZE_FORMAT " bytes]", length);
  g_assert_true (g_str_has_suffix (got, mark));
  g_assert_cmpuint (strlen (got), <=, CONCORD_STORE_JOURNAL_MAX_TEXT + strlen (mark));
  g_assert_cmpint (strncmp (got, text, strlen (got) - strlen (mark)), ==, 0);
}

/* @text as valid UTF-8 without control characters. */
static char *
printable_name (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  GString *name = g_string_new (NULL);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      GUnicodeType type = g_unichar_type (c);

      if (type == G_UNICODE_CONTROL || type == G_UNICODE_LINE_SEPARATOR ||
          type == G_UNICODE_PARAGRAPH_SEPARATOR)
        g_string_append_c (name, '?');
      else
        g_string_append_unichar (name, c);
    }

  return g_string_free (name, FALSE);
}

static void
test_store_hostile_text (Fixture       *fixture,
                         gconstpointer  data)
{
  static const char * const samples[] = {
    "'; DROP TABLE accounts; --",
    "Robert'); DELETE FROM records WHERE 1=1; --",
    "\"double\" `back` [bracket] ?1 ?2 :name @name $name %s %n %%",
    "x' OR '1'='1",
    "; ; ;",
    "Zoë Ñoño 日本語 𝄞 🎉 \u202eevil\u202c \xef\xbb\xbf",
    "\x01\x02\x03\t\n\r\x1b\x7f control",
    "\\x00 \\0 \\' backslashes \\",
    "",
  };
  ConcordStore *store = fixture->store;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) huge_builder = g_string_new (NULL);
  g_autofree char *huge = NULL;
  g_autofree char *every_byte = NULL;
  g_autoptr(GPtrArray) texts = g_ptr_array_new ();

  /* Every byte but NUL, including ones that are not valid UTF-8. */
  every_byte = g_malloc (256);
  for (guint i = 1; i < 256; i++)
    every_byte[i - 1] = (char) i;
  every_byte[255] = '\0';

  /* A megabyte of all of the above. */
  while (huge_builder->len < 1024 * 1024)
    for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
      g_string_append (huge_builder, samples[i]);
  g_string_append (huge_builder, every_byte);
  huge = g_string_free (g_steal_pointer (&huge_builder), FALSE);
  g_assert_cmpuint (strlen (huge), >=, 1024 * 1024);

  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    g_ptr_array_add (texts, (gpointer) samples[i]);
  g_ptr_array_add (texts, every_byte);
  g_ptr_array_add (texts, huge);

  for (guint i = 0; i < texts->len; i++)
    {
      const char *text = g_ptr_array_index (texts, i);
      g_autofree char *account_id = g_strdup_printf ("acct-%u-%s", i, text);
      /* Names are one line of text (see test_store_names); the rest is
       * stored as it came. */
      g_autofree char *printable = printable_name (text);
      g_autofree char *name_a = g_strdup_printf ("A %u %s", i, printable);
      g_autofree char *name_b = g_strdup_printf ("B %u %s", i, printable);
      g_autofree char *b_account_id = g_strdup_printf ("acct-b-%u", i);
      g_autofree char *connection_name = g_strdup_printf ("%s %u", printable, i);
      g_autoptr(ConcordAccountRow) account = NULL;
      g_autoptr(ConcordConnectionRow) connection = NULL;
      g_autoptr(GHashTable) index = NULL;
      g_autoptr(GPtrArray) intents = NULL;
      g_autoptr(GPtrArray) runs = NULL;
      g_autoptr(GPtrArray) journal = NULL;
      g_autoptr(GPtrArray) conflicts = NULL;
      g_autofree char *cursor = NULL;
      g_autofree char *a_id = NULL;
      g_autofree char *b_id = NULL;
      ConcordConnectionRow row = {
        .name = connection_name,
        .account_a = account_id,
        .type_a = (char *) text,
        .account_b = b_account_id,
        .type_b = (char *) text,
        .config_json = (char *) text,
        .enabled = TRUE,
      };
      ConcordJournalRow journal_row = {
        .direction = (char *) text,
        .remote_id = (char *) text,
        .op = (char *) text,
        .field = (char *) text,
        .before = (char *) text,
        .after = (char *) text,
        .outcome = (char *) text,
        .error = (char *) text,
      };
      ConcordConflictRow conflict_row = {
        .kind = (char *) text,
        .field = (char *) text,
        .value_a = (char *) text,
        .value_b = (char *) text,
        .winner = (char *) text,
      };
      ConcordIndexEntry *entry;
      ConcordJournalRow *got_journal;
      ConcordConflictRow *got_conflict;
      ConcordIntentRow *got_intent;
      ConcordRunRow *got_run;
      gint64 conn, run, link;

      g_assert_true (concord_store_add_account (store, account_id, text, name_a, text, &error));
      g_assert_no_error (error);
      g_assert_true (concord_store_add_account (store, b_account_id, "x", name_b, NULL, &error));
      g_assert_no_error (error);
      account = concord_store_get_account (store, name_a, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (account->id, ==, account_id);
      g_assert_cmpstr (account->app_id, ==, text);
      g_assert_cmpstr (account->options_json, ==, text);

      conn = concord_store_add_connection (store, &row, &error);
      g_assert_no_error (error);
      connection = concord_store_get_connection (store, connection_name, &error);
      g_assert_no_error (error);
      g_assert_cmpint (connection->id, ==, conn);
      g_assert_cmpstr (connection->type_a, ==, text);
      g_assert_cmpstr (connection->config_json, ==, text);

      put_entry (store, conn, CONCORD_SIDE_A, text, text, 1, 0);
      index = load_index (store, conn, CONCORD_SIDE_A);
      entry = g_hash_table_lookup (index, text);
      g_assert_nonnull (entry);
      g_assert_cmpstr (entry->email_norm, ==, text);

      link = concord_store_add_link (store, conn, text, text, &error);
      g_assert_no_error (error);
      g_assert_true (concord_store_get_link (store, link, &a_id, &b_id, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (a_id, ==, text);
      g_assert_cmpstr (b_id, ==, text);

      g_assert_true (concord_store_set_cursor (store, conn, CONCORD_SIDE_B, text, &error));
      g_assert_no_error (error);
      cursor = concord_store_get_cursor (store, conn, CONCORD_SIDE_B, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (cursor, ==, text);

      run = concord_store_begin_run (store, conn, FALSE, &error);
      g_assert_no_error (error);
      g_assert_true (concord_store_finish_run (store, run, text, text, &error));
      g_assert_no_error (error);
      runs = concord_store_list_runs (store, conn, 0, &error);
      g_assert_no_error (error);
      got_run = g_ptr_array_index (runs, 0);
      g_assert_cmpstr (got_run->status, ==, text);
      g_assert_cmpstr (got_run->summary_json, ==, text);

      concord_store_add_intent (store, conn, run, CONCORD_SIDE_A, text, text, text, &error);
      g_assert_no_error (error);
      intents = concord_store_list_intents (store, conn, &error);
      g_assert_no_error (error);
      got_intent = g_ptr_array_index (intents, 0);
      g_assert_cmpstr (got_intent->op, ==, text);
      g_assert_cmpstr (got_intent->key, ==, text);
      g_assert_cmpstr (got_intent->payload, ==, text);

      journal_row.run_id = run;
      g_assert_true (concord_store_add_journal (store, conn, &journal_row, &error));
      g_assert_no_error (error);
      g_assert_cmpint (concord_store_count_journal (store, conn, 0, text, &error), ==, 1);
      journal = concord_store_list_journal (store, conn, run, 0, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (journal->len, ==, 1);
      got_journal = g_ptr_array_index (journal, 0);
      g_assert_cmpstr (got_journal->direction, ==, text);
      g_assert_cmpstr (got_journal->remote_id, ==, text);
      g_assert_cmpstr (got_journal->op, ==, text);
      assert_journal_text (got_journal->field, text);
      assert_journal_text (got_journal->before, text);
      assert_journal_text (got_journal->after, text);
      g_assert_cmpstr (got_journal->outcome, ==, text);
      assert_journal_text (got_journal->error, text);

      g_assert_true (concord_store_add_conflict (store, conn, &conflict_row, &error));
      g_assert_no_error (error);
      conflicts = concord_store_list_conflicts (store, conn, 0, &error);
      g_assert_no_error (error);
      got_conflict = g_ptr_array_index (conflicts, 0);
      g_assert_cmpstr (got_conflict->kind, ==, text);
      g_assert_cmpstr (got_conflict->field, ==, text);
      g_assert_cmpstr (got_conflict->value_a, ==, text);
      g_assert_cmpstr (got_conflict->value_b, ==, text);
      g_assert_cmpstr (got_conflict->winner, ==, text);
    }

  /* Nothing was dropped or deleted along the way. */
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM accounts"), ==,
                   2 * texts->len);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM connections"), ==,
                   texts->len);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM records"), ==, texts->len);
  g_assert_cmpint (raw_query_int (fixture->path,
                                  "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                  "AND name != 'sqlite_sequence'"), ==,
                   10);
}


/* ------------------------------------------------------------------------- */
/* Names, permissions, damage, disk errors, one run at a time                */
/* ------------------------------------------------------------------------- */

/* A name is one line of text: a line break once made `account list` show
 * a second, made-up account. And a connection joins two accounts. */
static void
test_store_names (Fixture       *fixture,
                  gconstpointer  data)
{
  static const char * const refused[] = {
    "Shop\nnewsletter\telasticemail",
    "Shop\r",
    "tab\there",
    "escape \x1b[31mred",
    "delete \x7f",
    "C1 \xc2\x85 next line",
    "line \xe2\x80\xa8 separator",
    "not UTF-8 \xff\xfe",
    "",
  };
  ConcordStore *store = fixture->store;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GPtrArray) connections = NULL;
  ConcordConnectionRow row = {
    .account_a = (char *) "acct-a", .type_a = (char *) "contacts",
    .account_b = (char *) "acct-b", .type_b = (char *) "contacts",
  };

  add_accounts (store);

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *id = g_strdup_printf ("acct-refused-%u", i);

      g_assert_false (concord_store_add_account (store, id, "elasticemail", refused[i], NULL, &error));
      g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
      g_clear_error (&error);

      row.name = (char *) refused[i];
      g_assert_cmpint (concord_store_add_connection (store, &row, &error), ==, 0);
      g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
      g_clear_error (&error);
    }

  /* An account cannot be synced with itself, even with another type. */
  row.name = (char *) "Loop";
  row.account_b = (char *) "acct-a";
  row.type_b = (char *) "companies";
  g_assert_cmpint (concord_store_add_connection (store, &row, &error), ==, 0);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_clear_error (&error);

  /* Any other text is a name, spaces and all. */
  g_assert_true (concord_store_add_account (store, "acct-c", "elasticemail", "Zoë’s shop 日本 🎉",
                                            NULL, &error));
  g_assert_no_error (error);
  row.name = (char *) "Zoë ↔ “Sales”";
  row.account_b = (char *) "acct-c";
  g_assert_cmpint (concord_store_add_connection (store, &row, &error), >, 0);
  g_assert_no_error (error);

  accounts = concord_store_list_accounts (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 3);
  connections = concord_store_list_connections (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (connections->len, ==, 1);
}

static guint
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

/* The store holds who the user syncs with and the journal of contacts:
 * its folder and every file in it are the user's alone, whatever the
 * umask, and an older store that is not is narrowed when opened. */
static void
test_store_private_files (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "private", "concord", NULL);
  g_autofree char *path = g_build_filename (dir, "state.sqlite", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  g_autofree char *lock = NULL;
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(GError) error = NULL;
  mode_t old_umask = umask (022);
  gint64 conn, run;

  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  add_accounts (store);
  conn = add_connection (store, "one");
  run = concord_store_begin_run (store, conn, FALSE, &error);
  g_assert_no_error (error);
  lock = g_strdup_printf ("%s.run-%" G_GINT64_FORMAT ".lock", path, conn);

  g_assert_cmpuint (file_mode (dir), ==, 0700);
  g_assert_cmpuint (file_mode (path), ==, 0600);
  g_assert_cmpuint (file_mode (wal), ==, 0600);
  g_assert_cmpuint (file_mode (shm), ==, 0600);
  g_assert_cmpuint (file_mode (lock), ==, 0600);
  g_assert_true (concord_store_finish_run (store, run, "ok", NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&store);

  /* Made by an older version, or by hand: opened, then private. */
  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  g_assert_cmpint (g_chmod (lock, 0666), ==, 0);
  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  run = concord_store_begin_run (store, conn, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (file_mode (dir), ==, 0700);
  g_assert_cmpuint (file_mode (path), ==, 0600);
  g_assert_cmpuint (file_mode (wal), ==, 0600);
  g_assert_cmpuint (file_mode (shm), ==, 0600);
  g_assert_cmpuint (file_mode (lock), ==, 0600);
  g_assert_true (concord_store_finish_run (store, run, "ok", NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&store);

  /* What others may do is taken away; nothing is given: a file its owner
   * made read-only stays read-only. */
  g_assert_cmpint (g_chmod (path, 0444), ==, 0);
  store = concord_store_new (path, &error);
  g_clear_error (&error);
  g_assert_cmpuint (file_mode (path), ==, 0400);
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);

  umask (old_umask);
}

/* An emptied file (a failed copy, `> state.sqlite`) is damage like any
 * other: SQLite would make a new, empty store of it and every account,
 * connection and link would be forgotten without a word. */
static void
test_store_empty_file (void)
{
  g_autofree char *path = build_db_path ("empty.db");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "", 0, NULL));

  store = concord_store_new (path, &error);
  g_assert_null (store);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "empty"));
  g_assert_nonnull (strstr (error->message, "backup"));

  /* Left as it was, for whoever wants to look at it. */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, 0);
}

/* "unable to open database file" and "disk I/O error" alone leave a
 * person stuck: the message says what to do. The tests run as root, for
 * whom permissions mean nothing, so the folder is provoked otherwise: a
 * folder where SQLite's -wal file must be. */
static void
test_store_cannot_open (void)
{
  g_autofree char *path = build_db_path ("blocked.db");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(GError) error = NULL;

  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  g_clear_object (&store);
  g_assert_cmpint (g_mkdir (wal, 0700), ==, 0);

  store = concord_store_new (path, &error);
  g_assert_null (store);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "unable to open database file"));
  g_assert_nonnull (strstr (error->message, "must be able to write to the folder"));
  g_assert_nonnull (strstr (error->message, dir));
  g_assert_cmpint (g_rmdir (wal), ==, 0);
}

/* A full disk, as a file size limit: writes past it fail as on a full
 * disk (SIGXFSZ ignored, the write is short or fails with EFBIG). */
static void
test_store_disk_full (Fixture       *fixture,
                      gconstpointer  data)
{
  ConcordStore *store = fixture->store;
  g_autoptr(GError) error = NULL;
  g_autofree char *big = g_strnfill (256 * 1024, 'x');
  struct rlimit saved, limited;
  void (*saved_handler) (int);
  gboolean ok = TRUE;

  add_accounts (store);

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  saved_handler = signal (SIGXFSZ, SIG_IGN);
  limited = saved;
  limited.rlim_cur = 1024 * 1024;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limited), ==, 0);

  for (guint i = 0; ok && i < 64; i++)
    {
      g_autofree char *id = g_strdup_printf ("acct-big-%u", i);

      ok = concord_store_add_account (store, id, "elasticemail", id, big, &error);
    }

  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  signal (SIGXFSZ, saved_handler);

  g_assert_false (ok);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (strstr (error->message, "database or disk is full") != NULL ||
                 strstr (error->message, "disk I/O error") != NULL);
  g_assert_nonnull (strstr (error->message, "free some space"));
}

/* Two processes' stores (here two stores of one process: the lock is the
 * file's, not the process's): one run of a connection at a time. */
static void
test_store_one_run_at_a_time (Fixture       *fixture,
                              gconstpointer  data)
{
  ConcordStore *store = fixture->store;
  g_autoptr(ConcordStore) other = NULL;
  g_autoptr(GError) error = NULL;
  gint64 conn, second_conn, run, dry, second;

  add_accounts (store);
  conn = add_connection (store, "one");
  second_conn = add_connection (store, "two");
  other = concord_store_new (fixture->path, &error);
  g_assert_no_error (error);

  run = concord_store_begin_run (store, conn, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run, >, 0);

  /* Refused at once, recording nothing. */
  g_assert_cmpint (concord_store_begin_run (other, conn, FALSE, &error), ==, 0);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "already running"));
  g_clear_error (&error);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM runs"), ==, 1);

  /* A dry run writes nothing, and another connection is another lock. */
  dry = concord_store_begin_run (other, conn, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (dry, >, 0);
  second = concord_store_begin_run (other, second_conn, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (concord_store_finish_run (other, second, "ok", NULL, &error));
  g_assert_no_error (error);

  /* Its end lets the next one start. */
  g_assert_true (concord_store_finish_run (store, run, "ok", NULL, &error));
  g_assert_no_error (error);
  run = concord_store_begin_run (other, conn, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run, >, 0);
  g_assert_cmpint (concord_store_begin_run (store, conn, FALSE, &error), ==, 0);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_BUSY);
  g_clear_error (&error);

  /* Removing the connection inside a transaction cannot wait for the
   * run (the run would wait for the transaction): refused. */
  g_assert_true (concord_store_begin (store, &error));
  g_assert_false (concord_store_remove_connection (store, conn, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_BUSY);
  g_clear_error (&error);
  concord_store_rollback (store);
  g_assert_true (concord_store_finish_run (other, run, "ok", NULL, &error));
  g_assert_no_error (error);
}

/* A run whose process died (here: its store went without finishing it;
 * either way the kernel drops the lock) is marked interrupted when the
 * store is opened, or when the next run of it starts; a run still going
 * in another process is not. */
static void
test_store_interrupted_runs (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(ConcordStore) dead = NULL;
  g_autoptr(ConcordStore) alive = NULL;
  g_autoptr(ConcordStore) reopened = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  ConcordRunRow *row;
  gint64 conn, going_conn, killed, going, next;

  add_accounts (fixture->store);
  conn = add_connection (fixture->store, "killed");
  going_conn = add_connection (fixture->store, "going");

  dead = concord_store_new (fixture->path, &error);
  g_assert_no_error (error);
  killed = concord_store_begin_run (dead, conn, FALSE, &error);
  g_assert_no_error (error);
  alive = concord_store_new (fixture->path, &error);
  g_assert_no_error (error);
  going = concord_store_begin_run (alive, going_conn, FALSE, &error);
  g_assert_no_error (error);
  g_clear_object (&dead);

  reopened = concord_store_new (fixture->path, &error);
  g_assert_no_error (error);
  runs = concord_store_list_runs (reopened, conn, 0, &error);
  g_assert_no_error (error);
  row = g_ptr_array_index (runs, 0);
  g_assert_cmpint (row->id, ==, killed);
  g_assert_cmpstr (row->status, ==, "interrupted");
  g_assert_cmpint (row->finished, ==, 0);
  g_assert_nonnull (row->error);
  g_clear_pointer (&runs, g_ptr_array_unref);

  runs = concord_store_list_runs (reopened, going_conn, 0, &error);
  g_assert_no_error (error);
  row = g_ptr_array_index (runs, 0);
  g_assert_cmpint (row->id, ==, going);
  g_assert_null (row->status);
  g_clear_pointer (&runs, g_ptr_array_unref);

  /* Once its process is gone, the next run marks it. */
  g_clear_object (&alive);
  next = concord_store_begin_run (reopened, going_conn, FALSE, &error);
  g_assert_no_error (error);
  runs = concord_store_list_runs (reopened, going_conn, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 2);
  g_assert_cmpint (((ConcordRunRow *) g_ptr_array_index (runs, 0))->id, ==, next);
  g_assert_cmpstr (((ConcordRunRow *) g_ptr_array_index (runs, 1))->status, ==, "interrupted");
  g_assert_true (concord_store_finish_run (reopened, next, "ok", NULL, &error));
  g_assert_no_error (error);
}

/* A run that starts after its connection was removed (it had read the
 * connection, then waited) writes nothing: no orphan rows. Removing
 * takes the lock, so it never happens during a run. */
static void
test_store_run_of_removed_connection (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(ConcordStore) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *lock = NULL;
  gint64 conn;

  add_accounts (fixture->store);
  conn = add_connection (fixture->store, "doomed");
  lock = g_strdup_printf ("%s.run-%" G_GINT64_FORMAT ".lock", fixture->path, conn);
  other = concord_store_new (fixture->path, &error);
  g_assert_no_error (error);

  g_assert_true (concord_store_remove_connection (fixture->store, conn, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (lock, G_FILE_TEST_EXISTS));

  g_assert_cmpint (concord_store_begin_run (other, conn, FALSE, &error), ==, 0);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM runs"), ==, 0);
}

/* ------------------------------------------------------------------------- */

int
main (int    argc,
      char **argv)
{
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/store/migrate-fresh", test_store_migrate_fresh);
  g_test_add_func ("/concord/store/migrate-from-zero", test_store_migrate_from_zero);
  g_test_add_func ("/concord/store/migrate-email-keys", test_store_migrate_email_keys);
  g_test_add_func ("/concord/store/migrate-schedules", test_store_migrate_schedules);
  g_test_add_func ("/concord/store/migrate-error-codes", test_store_migrate_error_codes);
  g_test_add_func ("/concord/store/refuse-newer", test_store_refuse_newer);
  g_test_add_func ("/concord/store/not-a-database", test_store_not_a_database);
  g_test_add_func ("/concord/store/private-files", test_store_private_files);
  g_test_add_func ("/concord/store/empty-file", test_store_empty_file);
  g_test_add_func ("/concord/store/cannot-open", test_store_cannot_open);

#define ADD_STORE_TEST(path, func) \
  g_test_add ("/concord/store/" path, Fixture, NULL, setup, func, teardown)

  ADD_STORE_TEST ("accounts", test_store_accounts);
  ADD_STORE_TEST ("account-duplicate-name", test_store_account_duplicate_name);
  ADD_STORE_TEST ("account-rename", test_store_account_rename);
  ADD_STORE_TEST ("account-remove-used", test_store_account_remove_used);
  ADD_STORE_TEST ("connections", test_store_connections);
  ADD_STORE_TEST ("index", test_store_index);
  ADD_STORE_TEST ("index-bulk", test_store_index_bulk);
  ADD_STORE_TEST ("links", test_store_links);
  ADD_STORE_TEST ("corrupt-baseline", test_store_corrupt_baseline);
  ADD_STORE_TEST ("cursors", test_store_cursors);
  ADD_STORE_TEST ("intents", test_store_intents);
  ADD_STORE_TEST ("runs", test_store_runs);
  ADD_STORE_TEST ("count-excluded", test_store_count_excluded);
  ADD_STORE_TEST ("journal", test_store_journal);
  ADD_STORE_TEST ("conflicts", test_store_conflicts);
  ADD_STORE_TEST ("transactions", test_store_transactions);
  ADD_STORE_TEST ("remove-connection", test_store_remove_connection);
  ADD_STORE_TEST ("hostile-text", test_store_hostile_text);
  ADD_STORE_TEST ("names", test_store_names);
  ADD_STORE_TEST ("disk-full", test_store_disk_full);
  ADD_STORE_TEST ("one-run-at-a-time", test_store_one_run_at_a_time);
  ADD_STORE_TEST ("interrupted-runs", test_store_interrupted_runs);
  ADD_STORE_TEST ("run-of-removed-connection", test_store_run_of_removed_connection);

#undef ADD_STORE_TEST

  return g_test_run ();
}
