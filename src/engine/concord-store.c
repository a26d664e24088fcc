/* concord-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The state store: one SQLite database per user holding what Concord needs to
 * remember between runs (accounts, connections, the per-side record index,
 * links and their baselines, listing cursors, write intents, runs, the
 * journal and conflicts). It never holds a secret: those are in the keyring.
 *
 * One connection, one thread. A ConcordStore wraps a single sqlite3* and is
 * used only from the thread that owns it (the engine thread); it does no
 * locking of its own.
 *
 * WAL. The database runs in write-ahead-log mode with synchronous=NORMAL:
 * readers (the CLI, a second window) never block the writer, and a commit
 * costs an append to the log rather than an fsync of the main file. A crash
 * may lose the last commits but never corrupts the file, and every step of a
 * run is designed to be repeated (see intents below). A busy timeout lets a
 * second process wait for the write lock instead of failing at once.
 *
 * Migrations. The schema version is `PRAGMA user_version`. `migrations` is
 * a list of steps, each taking the schema from version N - 1 to N and ending
 * with `PRAGMA user_version = N`; a new version appends one step and raises
 * CONCORD_STORE_SCHEMA_VERSION. All pending steps run in one BEGIN IMMEDIATE
 * transaction, so a database is either fully upgraded or untouched. A file
 * whose version is newer than this build knows is refused before anything is
 * written to it (not even the switch to WAL), so an older Concord cannot
 * damage a newer one's state.
 *
 * Prepared statements. Every statement that runs more than once is prepared
 * on first use and kept in `statements`, indexed by StatementId; a caller
 * "leases" it with g_autoptr(Statement), and the lease resets it and clears
 * its bindings when it goes out of scope. Values are always bound, never
 * spliced into SQL text. Together with explicit transactions (group a page's
 * writes between concord_store_begin() and concord_store_commit()) this is
 * what makes bulk writes fast: hundreds of thousands of rows a second.
 *
 * The index and its hashes. For every record of each side the store keeps
 * its remote id, normalised email (for matching), link and a 64-bit hash of
 * its content as last settled. A full listing of an app without incremental
 * changes is compared hash by hash against it, so only records whose content
 * really changed reach the merge, without storing copies of whole records.
 * A hash of 0 means "never settled": concord_store_reset_index_hashes() uses
 * it to make the next run look at every record again (after a mapping
 * change). SQLite integers are signed, so the guint64 is stored as the
 * int64 with the same bits.
 *
 * Baselines. The mapped values of both records of a link as they were when
 * the sides last agreed, as serialised GVariants (type string + bytes, in
 * little-endian byte order so a database can move between machines). A
 * blob that cannot be read back in normal form is treated as no baseline:
 * the next merge then behaves as on a first match, which never overwrites
 * differing data without the conflict policy.
 *
 * Intents. Before the executor writes to an app it records an intent (side,
 * operation, key); once the outcome is committed to the store, the intent is
 * removed. Intents left over after a crash tell the next run which writes
 * may have happened without being recorded, so it searches by key before
 * creating again instead of creating a duplicate.
 *
 * One run per connection, across processes. The app and concord-cli share
 * the database, so two runs of one connection could each plan the same
 * creates and post them twice. A non-dry run therefore holds an exclusive
 * flock() on a lock file of its connection beside the database
 * (`<database>.run-<id>.lock`), from concord_store_begin_run() to
 * concord_store_finish_run(): a second run is refused at once with
 * CONCORD_ERROR_BUSY. The kernel releases the lock when a process dies, so
 * a run found unfinished while nobody holds its connection's lock died with
 * its process: it is marked "interrupted" (when the database is opened and
 * when the next run starts). Removing a connection waits for its lock, so
 * a run is never half removed; a run that then starts finds its connection
 * gone (begin_run checks it under the lock) and writes nothing.
 *
 * Privacy. Everything Concord writes in the database's folder (the file,
 * its -wal and -shm files, the lock files) is 0600 and the folder 0700,
 * whatever the umask: SQLite gives the -wal and -shm files the mode of the
 * database file, which is created here, 0600, before SQLite opens it. An
 * existing folder or file that others can read is narrowed when opened.
 *
 * Damage. A file that is not a database is refused (PARSE), and so is an
 * empty one: SQLite would silently start a new store in it, and the
 * accounts and links the file held would be lost without a word. The
 * errors a person can fix (a folder Concord cannot write to, a full or
 * failing disk) say what to do.
 *
 * Errors use the CONCORD_ERROR domain: CONFLICT for uniqueness and
 * foreign-key violations (a duplicate name, an account still in use),
 * NOT_FOUND for a missing row, INVALID for a database too new, PARSE for a
 * file that is not a (readable) database and FAILED for other SQLite
 * errors. Messages name the operation and SQLite's message, which names
 * columns but never values, so no contact data reaches a log.
 */

#define G_LOG_DOMAIN "concord-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "concord-error.h"
#include "concord-store.h"

#define BUSY_TIMEOUT_MS 5000

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
} StatementId;

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

/* The lock of one connection's runs, held from begin_run to finish_run. */
typedef struct
{
  gint64 run_id;
  int    fd;
} RunLock;

/* A leased cached statement: reset and unbound when the lease ends. */
typedef sqlite3_stmt Statement;

static void release_statement (Statement *stmt);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Statement, release_statement)

static void concord_store_initable_iface_init (GInitableIface *iface);

static void set_store_error (ConcordStore  *self,
                             GError       **error,
                             int            rc,
                             const char    *format,
                             ...) G_GNUC_PRINTF (4, 5);

G_DEFINE_FINAL_TYPE_WITH_CODE (ConcordStore, concord_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      concord_store_initable_iface_init))

enum {
  PROP_0,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------------- */
/* Schema                                                                    */
/* ------------------------------------------------------------------------- */

typedef struct
{
  int         version;
  const char *sql;
} Migration;

/* Append a step for each new version; never edit a released step. Each step
 * must end by setting user_version to its version. (A step that rebuilds a
 * table must not rely on PRAGMA foreign_keys, which has no effect inside the
 * migration's transaction.) */
static const Migration migrations[] = {
  {
    1,
    "CREATE TABLE accounts ("
    "  id           TEXT PRIMARY KEY NOT NULL,"
    "  app_id       TEXT NOT NULL,"
    "  name         TEXT NOT NULL UNIQUE,"
    "  options_json TEXT,"
    "  created      INTEGER NOT NULL"
    ");"
    "CREATE TABLE connections ("
    "  id          INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  name        TEXT NOT NULL UNIQUE,"
    "  account_a   TEXT NOT NULL REFERENCES accounts (id),"
    "  type_a      TEXT NOT NULL,"
    "  account_b   TEXT NOT NULL REFERENCES accounts (id),"
    "  type_b      TEXT NOT NULL,"
    "  direction   TEXT NOT NULL,"
    "  prefer      TEXT NOT NULL,"
    "  config_json TEXT,"
    "  enabled     INTEGER NOT NULL DEFAULT 1,"
    "  created     INTEGER NOT NULL"
    ");"
    "CREATE INDEX connections_account_a ON connections (account_a);"
    "CREATE INDEX connections_account_b ON connections (account_b);"
    "CREATE TABLE records ("
    "  connection_id INTEGER NOT NULL,"
    "  side          INTEGER NOT NULL,"
    "  remote_id     TEXT NOT NULL,"
    "  email_norm    TEXT,"
    "  hash          INTEGER NOT NULL DEFAULT 0,"
    "  link_id       INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (connection_id, side, remote_id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX records_link ON records (link_id) WHERE link_id != 0;"
    /* AUTOINCREMENT: a link id is never used twice, so the journal's
     * history and a stale reference can never point at another pair. */
    "CREATE TABLE links ("
    "  id            INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  connection_id INTEGER NOT NULL,"
    "  a_remote_id   TEXT NOT NULL,"
    "  b_remote_id   TEXT NOT NULL,"
    "  created       INTEGER NOT NULL,"
    "  UNIQUE (connection_id, a_remote_id),"
    "  UNIQUE (connection_id, b_remote_id)"
    ");"
    "CREATE TABLE baselines ("
    "  link_id  INTEGER PRIMARY KEY REFERENCES links (id) ON DELETE CASCADE,"
    "  type_a   TEXT NOT NULL,"
    "  values_a BLOB NOT NULL,"
    "  type_b   TEXT NOT NULL,"
    "  values_b BLOB NOT NULL"
    ");"
    "CREATE TABLE cursors ("
    "  connection_id INTEGER NOT NULL,"
    "  side          INTEGER NOT NULL,"
    "  cursor        TEXT NOT NULL,"
    "  PRIMARY KEY (connection_id, side)"
    ") WITHOUT ROWID;"
    "CREATE TABLE intents ("
    "  id            INTEGER PRIMARY KEY,"
    "  connection_id INTEGER NOT NULL,"
    "  run_id        INTEGER NOT NULL,"
    "  side          INTEGER NOT NULL,"
    "  op            TEXT NOT NULL,"
    "  key           TEXT NOT NULL,"
    "  payload       TEXT,"
    "  created       INTEGER NOT NULL"
    ");"
    "CREATE INDEX intents_connection ON intents (connection_id);"
    "CREATE TABLE runs ("
    "  id            INTEGER PRIMARY KEY,"
    "  connection_id INTEGER NOT NULL,"
    "  started       INTEGER NOT NULL,"
    "  finished      INTEGER NOT NULL DEFAULT 0,"
    "  dry_run       INTEGER NOT NULL DEFAULT 0,"
    "  status        TEXT,"
    "  summary_json  TEXT"
    ");"
    "CREATE INDEX runs_connection ON runs (connection_id);"
    "CREATE TABLE journal ("
    "  id            INTEGER PRIMARY KEY,"
    "  connection_id INTEGER NOT NULL,"
    "  run_id        INTEGER NOT NULL,"
    "  time          INTEGER NOT NULL,"
    "  link_id       INTEGER NOT NULL DEFAULT 0,"
    "  direction     TEXT NOT NULL,"
    "  remote_id     TEXT,"
    "  op            TEXT NOT NULL,"
    "  field         TEXT,"
    "  \"before\"    TEXT,"
    "  \"after\"     TEXT,"
    "  outcome       TEXT NOT NULL,"
    "  error         TEXT"
    ");"
    /* One run's rows, and (rowid order within a connection) the newest
     * rows of all runs without sorting the whole history. */
    "CREATE INDEX journal_run ON journal (connection_id, run_id);"
    "CREATE INDEX journal_connection ON journal (connection_id);"
    "CREATE TABLE conflicts ("
    "  id            INTEGER PRIMARY KEY,"
    "  connection_id INTEGER NOT NULL,"
    "  run_id        INTEGER NOT NULL,"
    "  time          INTEGER NOT NULL,"
    "  link_id       INTEGER NOT NULL DEFAULT 0,"
    "  kind          TEXT NOT NULL,"
    "  field         TEXT,"
    "  value_a       TEXT,"
    "  value_b       TEXT,"
    "  winner        TEXT NOT NULL,"
    "  resolved      INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX conflicts_run ON conflicts (connection_id, run_id);"
    "PRAGMA user_version = 1;"
  },
  {
    2,
    /* The activity view: who each row is about (search by email or name;
     * `search` is the casefolded "name email"), a person's choice on a
     * conflict, why a run failed, and whether a run shows in the activity
     * (it failed or left rows behind: an idle run every few minutes would
     * bury everything else). Newest-first pages walk the time indexes. */
    "ALTER TABLE journal ADD COLUMN email TEXT;"
    "ALTER TABLE journal ADD COLUMN name TEXT;"
    "ALTER TABLE journal ADD COLUMN search TEXT;"
    "ALTER TABLE conflicts ADD COLUMN email TEXT;"
    "ALTER TABLE conflicts ADD COLUMN name TEXT;"
    "ALTER TABLE conflicts ADD COLUMN search TEXT;"
    "ALTER TABLE conflicts ADD COLUMN chosen TEXT;"
    "ALTER TABLE runs ADD COLUMN error TEXT;"
    "ALTER TABLE runs ADD COLUMN shown INTEGER NOT NULL DEFAULT 1;"
    "UPDATE runs SET shown = (status IS NOT 'ok' OR "
    "  EXISTS (SELECT 1 FROM journal j WHERE j.connection_id = runs.connection_id "
    "          AND j.run_id = runs.id) OR "
    "  EXISTS (SELECT 1 FROM conflicts c WHERE c.connection_id = runs.connection_id "
    "          AND c.run_id = runs.id AND c.kind != 'ambiguous'));"
    "CREATE INDEX journal_time ON journal (connection_id, time);"
    "CREATE INDEX conflicts_time ON conflicts (connection_id, time);"
    "CREATE INDEX runs_shown ON runs (connection_id, (max(started, finished) + 0.5)) "
    "  WHERE shown = 1 AND dry_run = 0;"
    "PRAGMA user_version = 2;"
  },
  {
    3,
    /* The health summary asks, for each contact not paired, what the
     * journal last said about it: without an index by record that walks
     * the connection's whole journal once per contact. */
    "CREATE INDEX journal_remote ON journal (connection_id, remote_id);"
    "PRAGMA user_version = 3;"
  },
  {
    4,
    /* Emails are matched by a key that no longer depends on the locale
     * (concord_normalize_email()): only ASCII letters are folded. A key
     * stored by an older Concord with another character in it may differ
     * from today's, so those records are read as changed once and their
     * key is computed again; ASCII keys are the same in both. */
    "UPDATE records SET hash = 0 WHERE email_norm GLOB '*[^ -~]*';"
    "PRAGMA user_version = 4;"
  },
  {
    5,
    /* Each connection has its own sync schedule: the seconds between the
     * end of one run and the start of the next, 0 for "automatic" (as
     * often as the apps' listing cost allows, see concord_sync_cadence()).
     * Every connection stored before starts automatic. */
    "ALTER TABLE connections ADD COLUMN schedule_seconds INTEGER NOT NULL DEFAULT 0;"
    "PRAGMA user_version = 5;"
  },
  {
    6,
    /* Errors as codes: a journal row and a failed run keep, next to the
     * app's own text, the code of what went wrong (a ConcordError nick
     * such as "auth-refused", or a skip's reason such as "rule", see
     * concord-engine-activity.c), the side it came from ("a" or "b") and
     * the field a refused value was in. People read words made from the
     * code; nothing reads the text back. Older rows keep a NULL code and
     * show their text. The reasons the engine itself wrote for a skip
     * were fixed English, so the health summary's counts of them carry
     * on: those rows get their code once, here. */
    "ALTER TABLE journal ADD COLUMN code TEXT;"
    "ALTER TABLE journal ADD COLUMN code_side TEXT;"
    "ALTER TABLE journal ADD COLUMN code_field TEXT;"
    "ALTER TABLE runs ADD COLUMN code TEXT;"
    "ALTER TABLE runs ADD COLUMN code_side TEXT;"
    "ALTER TABLE runs ADD COLUMN code_field TEXT;"
    "UPDATE journal SET code = 'ambiguous' "
    "  WHERE op = 'skip' AND instr (error, 'several contacts') > 0;"
    "UPDATE journal SET code = 'rule' "
    "  WHERE op = 'skip' AND (instr (error, 'no rule matched') > 0 "
    "                         OR instr (error, 'out of the scope') > 0);"
    "UPDATE journal SET code = 'create-off' "
    "  WHERE op = 'skip' AND instr (error, 'creating contacts is off') > 0;"
    "PRAGMA user_version = 6;"
  },
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == CONCORD_STORE_SCHEMA_VERSION);

#define ACCOUNT_COLUMNS "id, app_id, name, options_json, created"
#define CONNECTION_COLUMNS \
  "id, name, account_a, type_a, account_b, type_b, direction, prefer, config_json, enabled, created"
#define JOURNAL_COLUMNS \
  "id, run_id, time, link_id, direction, remote_id, op, field, \"before\", \"after\", " \
  "outcome, error, email, name, code, code_side, code_field"
#define CONFLICT_COLUMNS \
  "id, run_id, time, link_id, kind, field, value_a, value_b, winner, resolved, email, name, chosen"
#define RUN_COLUMNS \
  "id, connection_id, started, finished, dry_run, status, summary_json, error, code, code_side, code_field"

/* Each kind of row of the activity, newest first (a run half a second
 * after its last second, so it heads its rows), ties by id. Only (key,
 * source, id): each branch is read in index order, the OFFSET walks
 * indexes only, and the page's rows are read by id afterwards. */
#define ACTIVITY_RUNS \
  "SELECT (max(started, finished) + 0.5) AS key, 0 AS source, id FROM runs " \
  "WHERE connection_id = ?1 AND shown = 1 AND dry_run = 0 AND ?2 IS NULL"
#define ACTIVITY_CONFLICTS \
  "SELECT time AS key, 1 AS source, id FROM conflicts " \
  "WHERE connection_id = ?1 AND kind != 'ambiguous' AND (?2 IS NULL OR instr (search, ?2) > 0)"
#define ACTIVITY_JOURNAL \
  "SELECT time AS key, 2 AS source, id FROM journal " \
  "WHERE connection_id = ?1 AND (?2 IS NULL OR instr (search, ?2) > 0)"

static const char * const statement_sql[N_STATEMENTS] = {
  [STMT_USER_VERSION] = "PRAGMA user_version",
  [STMT_BEGIN] = "BEGIN IMMEDIATE",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ROLLBACK] = "ROLLBACK",
  [STMT_SAVEPOINT] = "SAVEPOINT concord_operation",
  [STMT_RELEASE] = "RELEASE concord_operation",
  [STMT_ROLLBACK_TO] = "ROLLBACK TO concord_operation",

  [STMT_ADD_ACCOUNT] =
    "INSERT INTO accounts (" ACCOUNT_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5)",
  [STMT_SET_ACCOUNT_OPTIONS] = "UPDATE accounts SET options_json = ?2 WHERE id = ?1",
  /* An id wins over a name that happens to equal it. */
  [STMT_GET_ACCOUNT] =
    "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE id = ?1 OR name = ?1 "
    "ORDER BY id = ?1 DESC LIMIT 1",
  [STMT_LIST_ACCOUNTS] = "SELECT " ACCOUNT_COLUMNS " FROM accounts ORDER BY created, rowid",
  [STMT_REMOVE_ACCOUNT] = "DELETE FROM accounts WHERE id = ?1",
  [STMT_RENAME_ACCOUNT] = "UPDATE accounts SET name = ?2 WHERE id = ?1",
  [STMT_LIST_ACCOUNT_CONNECTIONS] =
    "SELECT " CONNECTION_COLUMNS " FROM connections WHERE account_a = ?1 OR account_b = ?1 "
    "ORDER BY id",

  [STMT_ADD_CONNECTION] =
    "INSERT INTO connections (name, account_a, type_a, account_b, type_b, direction, prefer, "
    "config_json, enabled, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
  [STMT_GET_CONNECTION] = "SELECT " CONNECTION_COLUMNS " FROM connections WHERE name = ?1",
  [STMT_GET_CONNECTION_BY_ID] = "SELECT " CONNECTION_COLUMNS " FROM connections WHERE id = ?1",
  [STMT_LIST_CONNECTIONS] = "SELECT " CONNECTION_COLUMNS " FROM connections ORDER BY id",
  [STMT_SET_CONNECTION_ENABLED] = "UPDATE connections SET enabled = ?2 WHERE id = ?1",
  [STMT_SET_CONNECTION_CONFIG] = "UPDATE connections SET config_json = ?2 WHERE id = ?1",
  [STMT_RENAME_CONNECTION] = "UPDATE connections SET name = ?2 WHERE id = ?1",
  [STMT_DELETE_CONNECTION] = "DELETE FROM connections WHERE id = ?1",
  [STMT_DELETE_CONNECTION_RECORDS] = "DELETE FROM records WHERE connection_id = ?1",
  [STMT_DELETE_CONNECTION_BASELINES] =
    "DELETE FROM baselines WHERE link_id IN (SELECT id FROM links WHERE connection_id = ?1)",
  [STMT_DELETE_CONNECTION_LINKS] = "DELETE FROM links WHERE connection_id = ?1",
  [STMT_DELETE_CONNECTION_CURSORS] = "DELETE FROM cursors WHERE connection_id = ?1",
  [STMT_DELETE_CONNECTION_INTENTS] = "DELETE FROM intents WHERE connection_id = ?1",
  [STMT_DELETE_CONNECTION_RUNS] = "DELETE FROM runs WHERE connection_id = ?1",
  [STMT_DELETE_CONNECTION_JOURNAL] = "DELETE FROM journal WHERE connection_id = ?1",
  [STMT_DELETE_CONNECTION_CONFLICTS] = "DELETE FROM conflicts WHERE connection_id = ?1",

  [STMT_LOAD_INDEX] =
    "SELECT remote_id, email_norm, hash, link_id FROM records "
    "WHERE connection_id = ?1 AND side = ?2",
  [STMT_PUT_INDEX] =
    "INSERT INTO records (connection_id, side, remote_id, email_norm, hash, link_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT (connection_id, side, remote_id) DO UPDATE SET "
    "email_norm = excluded.email_norm, hash = excluded.hash, link_id = excluded.link_id",
  [STMT_DELETE_INDEX] =
    "DELETE FROM records WHERE connection_id = ?1 AND side = ?2 AND remote_id = ?3",
  [STMT_RESET_INDEX_HASHES] =
    "UPDATE records SET hash = 0 WHERE connection_id = ?1 AND hash != 0",

  /* Idempotent: adding the pair a crashed run already added returns its
   * id; pairing either record with another one is a conflict. */
  /* A plain insert: an upsert with RETURNING cost a sync run as much as
   * its journal. The pair already there is looked up when it fails. */
  [STMT_ADD_LINK] =
    "INSERT INTO links (connection_id, a_remote_id, b_remote_id, created) "
    "VALUES (?1, ?2, ?3, ?4)",
  [STMT_GET_LINK_ID] =
    "SELECT id FROM links WHERE connection_id = ?1 AND a_remote_id = ?2 AND b_remote_id = ?3",
  [STMT_GET_LINK] = "SELECT a_remote_id, b_remote_id FROM links WHERE id = ?1",
  [STMT_DELETE_LINK_BASELINE] = "DELETE FROM baselines WHERE link_id = ?1",
  /* "link_id != 0" lets SQLite use the partial index records_link. */
  [STMT_UNLINK_RECORDS] = "UPDATE records SET link_id = 0 WHERE link_id = ?1 AND link_id != 0",
  [STMT_DELETE_LINK] = "DELETE FROM links WHERE id = ?1",
  [STMT_FIND_LINKS] =
    "SELECT id FROM links WHERE connection_id = ?1 AND (a_remote_id = ?2 OR b_remote_id = ?3)",
  [STMT_COUNT_LINKS] = "SELECT count(*) FROM links WHERE connection_id = ?1",
  [STMT_SET_BASELINE] =
    "INSERT INTO baselines (link_id, type_a, values_a, type_b, values_b) "
    "VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT (link_id) DO UPDATE SET type_a = excluded.type_a, "
    "values_a = excluded.values_a, type_b = excluded.type_b, values_b = excluded.values_b",
  [STMT_GET_BASELINE] =
    "SELECT type_a, values_a, type_b, values_b FROM baselines WHERE link_id = ?1",

  [STMT_GET_CURSOR] = "SELECT cursor FROM cursors WHERE connection_id = ?1 AND side = ?2",
  [STMT_SET_CURSOR] =
    "INSERT INTO cursors (connection_id, side, cursor) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (connection_id, side) DO UPDATE SET cursor = excluded.cursor",
  [STMT_DELETE_CURSOR] = "DELETE FROM cursors WHERE connection_id = ?1 AND side = ?2",

  [STMT_ADD_INTENT] =
    "INSERT INTO intents (connection_id, run_id, side, op, key, payload, created) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
  [STMT_REMOVE_INTENT] = "DELETE FROM intents WHERE id = ?1",
  [STMT_LIST_INTENTS] =
    "SELECT id, run_id, side, op, key, payload, created FROM intents "
    "WHERE connection_id = ?1 ORDER BY id",

  /* Only for a connection that exists: one removed while the run waited
   * gets no run, so nothing of it is written again. */
  [STMT_BEGIN_RUN] =
    "INSERT INTO runs (connection_id, started, finished, dry_run) "
    "SELECT ?1, ?2, 0, ?3 WHERE EXISTS (SELECT 1 FROM connections WHERE id = ?1)",
  /* Runs nobody runs any more: called with the connection's lock held. */
  [STMT_MARK_INTERRUPTED] =
    "UPDATE runs SET status = 'interrupted', error = ?2, shown = 1 "
    "WHERE connection_id = ?1 AND finished = 0 AND status IS NULL AND dry_run = 0",
  [STMT_LIST_UNFINISHED] =
    "SELECT DISTINCT connection_id FROM runs WHERE finished = 0 AND status IS NULL AND dry_run = 0",
  /* A run shows in the activity when it did not go well or left rows. */
  [STMT_FINISH_RUN] =
    "UPDATE runs SET finished = ?2, status = ?3, summary_json = ?4, "
    "shown = (?3 IS NOT 'ok' OR "
    "  EXISTS (SELECT 1 FROM journal j WHERE j.connection_id = runs.connection_id "
    "          AND j.run_id = runs.id) OR "
    "  EXISTS (SELECT 1 FROM conflicts c WHERE c.connection_id = runs.connection_id "
    "          AND c.run_id = runs.id AND c.kind != 'ambiguous')) "
    "WHERE id = ?1",
  [STMT_LIST_RUNS] =
    "SELECT " RUN_COLUMNS " FROM runs WHERE connection_id = ?1 ORDER BY id DESC LIMIT ?2",

  [STMT_ADD_JOURNAL] =
    "INSERT INTO journal (connection_id, run_id, time, link_id, direction, remote_id, op, "
    "field, \"before\", \"after\", outcome, error, email, name, search, code, code_side, code_field) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
  [STMT_LIST_JOURNAL_ALL] =
    "SELECT " JOURNAL_COLUMNS " FROM journal WHERE connection_id = ?1 "
    "ORDER BY id DESC LIMIT ?2",
  [STMT_LIST_JOURNAL_RUN] =
    "SELECT " JOURNAL_COLUMNS " FROM journal WHERE connection_id = ?1 AND run_id = ?3 "
    "ORDER BY id DESC LIMIT ?2",
  [STMT_COUNT_JOURNAL_ALL] =
    "SELECT count(*) FROM journal WHERE connection_id = ?1 AND (?2 IS NULL OR outcome = ?2)",
  [STMT_COUNT_JOURNAL_RUN] =
    "SELECT count(*) FROM journal WHERE connection_id = ?1 AND run_id = ?3 "
    "AND (?2 IS NULL OR outcome = ?2)",

  [STMT_ADD_CONFLICT] =
    "INSERT INTO conflicts (connection_id, run_id, time, link_id, kind, field, value_a, "
    "value_b, winner, resolved, email, name, search, chosen) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
  [STMT_LIST_CONFLICTS_ALL] =
    "SELECT " CONFLICT_COLUMNS " FROM conflicts WHERE connection_id = ?1 ORDER BY id DESC",
  [STMT_LIST_CONFLICTS_RUN] =
    "SELECT " CONFLICT_COLUMNS " FROM conflicts WHERE connection_id = ?1 AND run_id = ?2 "
    "ORDER BY id DESC",

  [STMT_SET_RUN_ERROR] =
    "UPDATE runs SET error = ?2, code = ?3, code_side = ?4, code_field = ?5 WHERE id = ?1",
  [STMT_LIST_ACTIVITY] =
    ACTIVITY_RUNS " UNION ALL " ACTIVITY_CONFLICTS " UNION ALL " ACTIVITY_JOURNAL
    " ORDER BY key DESC, id DESC LIMIT ?3 OFFSET ?4",
  [STMT_COUNT_ACTIVITY] =
    "SELECT (SELECT count(*) FROM (" ACTIVITY_RUNS ")) + "
    "(SELECT count(*) FROM (" ACTIVITY_CONFLICTS ")) + "
    "(SELECT count(*) FROM (" ACTIVITY_JOURNAL "))",
  [STMT_GET_RUN] = "SELECT " RUN_COLUMNS " FROM runs WHERE id = ?1",
  [STMT_GET_JOURNAL] = "SELECT " JOURNAL_COLUMNS " FROM journal WHERE id = ?1",
  [STMT_GET_CONFLICT] =
    "SELECT " CONFLICT_COLUMNS ", connection_id FROM conflicts WHERE id = ?1",
  [STMT_CHOOSE_CONFLICT] =
    "UPDATE conflicts SET chosen = ?2, resolved = 1 WHERE id = ?1",
  /* Contacts a rule (or a missing email, a switched-off direction) keeps
   * out: unpaired records whose newest journal row is a whole-record skip
   * other than an ambiguous email (that one waits for review). */
  /* The newest journal row about each unpaired contact, in the way it
   * would flow, says whether it was left out on purpose; a write that
   * failed since makes it failing instead. */
  [STMT_COUNT_EXCLUDED] =
    "SELECT count(*) FROM records r WHERE r.connection_id = ?1 AND r.link_id = 0 AND ("
    "  SELECT j.op = 'skip' AND j.field IS NULL AND j.outcome = 'skipped' "
    "    AND j.code IS NOT 'ambiguous' "
    "  FROM journal j WHERE j.connection_id = ?1 AND j.remote_id = r.remote_id "
    "  AND j.direction = CASE r.side WHEN 0 THEN 'a-to-b' ELSE 'b-to-a' END "
    "  ORDER BY j.id DESC LIMIT 1)",
  /* The same, left out by the rules or the create switch (the user's
   * choice) rather than for want of an email address. */
  [STMT_COUNT_EXCLUDED_BY_RULES] =
    "SELECT count(*) FROM records r WHERE r.connection_id = ?1 AND r.link_id = 0 AND ("
    "  SELECT j.op = 'skip' AND j.field IS NULL AND j.outcome = 'skipped' "
    "    AND j.code IN ('rule', 'create-off') "
    "  FROM journal j WHERE j.connection_id = ?1 AND j.remote_id = r.remote_id "
    "  AND j.direction = CASE r.side WHEN 0 THEN 'a-to-b' ELSE 'b-to-a' END "
    "  ORDER BY j.id DESC LIMIT 1)",
  /* Links with a record of a chosen side last settled out of its
   * direction's scope (the lowest bit of its hash clear). */
  [STMT_COUNT_UNMATCHED] =
    "SELECT count(DISTINCT link_id) FROM records WHERE connection_id = ?1 AND link_id != 0 "
    "AND hash != 0 AND (hash & 1) = 0 AND ((side = 0 AND ?2) OR (side = 1 AND ?3))",
  [STMT_COUNT_WAITING] =
    "SELECT count(*) FROM conflicts WHERE connection_id = ?1 AND kind = 'ambiguous' "
    "AND resolved = 0",
  [STMT_LIST_FAILING] =
    "SELECT error, count(*), code, code_side, code_field FROM journal "
    "WHERE connection_id = ?1 AND outcome = 'failed' "
    "AND run_id = (SELECT max(id) FROM runs WHERE connection_id = ?1 AND dry_run = 0 "
    "              AND finished > 0) "
    "GROUP BY code, code_side, code_field, error ORDER BY count(*) DESC, error",
  [STMT_GET_LAST_RUN] =
    "SELECT " RUN_COLUMNS " FROM runs WHERE connection_id = ?1 AND dry_run = 0 "
    "AND finished > 0 ORDER BY id DESC LIMIT 1",

  [STMT_GET_SCHEDULE] = "SELECT schedule_seconds FROM connections WHERE id = ?1",
  [STMT_SET_SCHEDULE] = "UPDATE connections SET schedule_seconds = ?2 WHERE id = ?1",
  [STMT_COUNT_RECORDS] = "SELECT count(*) FROM records WHERE connection_id = ?1 AND side = ?2",
};

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static gint64
now_seconds (void)
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
static void
set_store_error (ConcordStore  *self,
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

/* Takes from a file or folder of ours what others may do with it: 0600
 * (0700 for a folder) at most. Nothing is added: a folder its owner made
 * read-only stays so. Best effort: one we do not own is left as it is. */
static void
make_private (const char *path,
              gboolean    folder)
{
  GStatBuf st;
  mode_t mode;

  if (g_lstat (path, &st) != 0 || S_ISLNK (st.st_mode) || st.st_uid != getuid ())
    return;

  mode = st.st_mode & (folder ? 0700 : 0600);
  if ((st.st_mode & 07777) != mode && g_chmod (path, mode) != 0)
    g_debug ("Could not make %s private: %s", path, g_strerror (errno));
}

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

static char *
run_lock_path (ConcordStore *self,
               gint64        connection_id)
{
  return g_strdup_printf ("%s.run-%" G_GINT64_FORMAT ".lock", self->path, connection_id);
}

/* Takes the lock of @connection_id's runs: at once or not at all, or
 * waiting for the run that holds it (@wait). Returns its descriptor, or
 * -1 with %CONCORD_ERROR_BUSY when another run holds it and @wait is
 * %FALSE. */
static int
take_run_lock (ConcordStore  *self,
               gint64         connection_id,
               gboolean       wait,
               GError       **error)
{
  g_autofree char *path = run_lock_path (self, connection_id);
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

static void
run_lock_free (gpointer data)
{
  RunLock *lock = data;

  close (lock->fd);
  g_free (lock);
}

static void
release_statement (Statement *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

/* Returns the cached statement @id, preparing it on first use. */
static Statement *
lease_statement (ConcordStore  *self,
                 StatementId    id,
                 GError       **error)
{
  g_assert (id < N_STATEMENTS);
  g_assert (statement_sql[id] != NULL);
  g_assert (self->db != NULL);

  if (self->statements[id] == NULL)
    {
      int rc = sqlite3_prepare_v2 (self->db, statement_sql[id], -1, &self->statements[id], NULL);

      if (rc != SQLITE_OK)
        {
          set_store_error (self, error, rc, "Could not prepare statement %d", (int) id);
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
static gboolean
execute_full (ConcordStore  *self,
              Statement     *stmt,
              const char    *what,
              int            foreign_key_code,
              const char    *foreign_key_reason,
              GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_DONE)
    return TRUE;

  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY && foreign_key_reason != NULL)
    g_set_error (error, CONCORD_ERROR, foreign_key_code, "Could not %s: %s",
                 what, foreign_key_reason);
  else
    set_store_error (self, error, rc, "Could not %s", what);

  return FALSE;
}

static gboolean
execute (ConcordStore  *self,
         Statement     *stmt,
         const char    *what,
         GError       **error)
{
  return execute_full (self, stmt, what, CONCORD_ERROR_CONFLICT, NULL, error);
}

static gboolean
execute_id (ConcordStore  *self,
            StatementId    id,
            const char    *what,
            GError       **error)
{
  g_autoptr(Statement) stmt = lease_statement (self, id, error);

  return stmt != NULL && execute (self, stmt, what, error);
}

/* Runs every statement of @sql once, for one-off pragmas and migration
 * scripts: none of them takes a value. */
static gboolean
execute_script (ConcordStore  *self,
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
          set_store_error (self, error, rc, "Could not %s", what);
          return FALSE;
        }

      if (stmt == NULL)  /* only white space or a comment was left */
        continue;

      do
        rc = sqlite3_step (stmt);
      while (rc == SQLITE_ROW);

      if (rc != SQLITE_DONE)
        {
          set_store_error (self, error, rc, "Could not %s", what);
          sqlite3_finalize (stmt);
          return FALSE;
        }

      sqlite3_finalize (stmt);
    }

  return TRUE;
}

/* Steps a statement returning one integer, e.g. a count. */
static gboolean
query_int64 (ConcordStore  *self,
             Statement     *stmt,
             gint64        *value,
             const char    *what,
             GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_ROW)
    {
      set_store_error (self, error, rc, "Could not %s", what);
      return FALSE;
    }

  *value = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

static char *
column_strdup (sqlite3_stmt *stmt,
               int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  if (text == NULL)
    return NULL;

  return g_strndup (text, sqlite3_column_bytes (stmt, column));
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  /* SQLITE_STATIC: every lease ends before the caller's strings go away. A
   * NULL pointer binds SQL NULL. */
  sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC);
}

static gboolean
read_user_version (ConcordStore  *self,
                   int           *version,
                   GError       **error)
{
  g_autoptr(Statement) stmt = NULL;
  gint64 value = 0;

  if (!(stmt = lease_statement (self, STMT_USER_VERSION, error)) ||
      !query_int64 (self, stmt, &value, "read the schema version", error))
    return FALSE;

  *version = (int) CLAMP (value, G_MININT, G_MAXINT);
  return TRUE;
}

/* An operation of several statements runs in its own transaction, or in a
 * savepoint inside the caller's transaction, so it is all or nothing
 * without ending the caller's transaction. */
static gboolean
operation_begin (ConcordStore  *self,
                 gboolean      *savepoint,
                 GError       **error)
{
  *savepoint = !sqlite3_get_autocommit (self->db);

  return execute_id (self, *savepoint ? STMT_SAVEPOINT : STMT_BEGIN,
                     "begin a transaction", error);
}

static void
operation_abort (ConcordStore *self,
                 gboolean      savepoint)
{
  g_autoptr(GError) local_error = NULL;

  if (savepoint)
    {
      if (!execute_id (self, STMT_ROLLBACK_TO, "roll back to a savepoint", &local_error) ||
          !execute_id (self, STMT_RELEASE, "release a savepoint", &local_error))
        g_debug ("%s", local_error->message);
    }
  else if (!sqlite3_get_autocommit (self->db))
    {
      if (!execute_id (self, STMT_ROLLBACK, "roll back", &local_error))
        g_debug ("%s", local_error->message);
    }
}

static gboolean
operation_commit (ConcordStore  *self,
                  gboolean       savepoint,
                  GError       **error)
{
  if (execute_id (self, savepoint ? STMT_RELEASE : STMT_COMMIT, "commit", error))
    return TRUE;

  operation_abort (self, savepoint);
  return FALSE;
}

static gboolean
migrate (ConcordStore  *self,
         GError       **error)
{
  gboolean savepoint;
  int version;

  if (!operation_begin (self, &savepoint, error))
    return FALSE;

  /* Read again under the write lock: another process may have migrated
   * since the version was first checked. */
  if (!read_user_version (self, &version, error))
    goto fail;

  if (version > CONCORD_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "The database %s has schema version %d, newer than this version of "
                   "Concord knows (%d)", self->path, version, CONCORD_STORE_SCHEMA_VERSION);
      goto fail;
    }

  for (guint i = 0; i < G_N_ELEMENTS (migrations); i++)
    {
      int reached;

      if (migrations[i].version <= version)
        continue;

      g_debug ("Migrating %s to schema version %d", self->path, migrations[i].version);

      if (!execute_script (self, migrations[i].sql, "migrate the database", error) ||
          !read_user_version (self, &reached, error))
        goto fail;

      if (reached != migrations[i].version)
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                       "Migration to schema version %d left version %d",
                       migrations[i].version, reached);
          goto fail;
        }
    }

  return operation_commit (self, savepoint, error);

fail:
  operation_abort (self, savepoint);
  return FALSE;
}

/* With the lock of @connection_id's runs held: its runs still "running"
 * belong to nobody, their process is gone. */
static gboolean
mark_interrupted (ConcordStore  *self,
                  gint64         connection_id,
                  GError       **error)
{
  g_autoptr(Statement) stmt = lease_statement (self, STMT_MARK_INTERRUPTED, error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  bind_text (stmt, 2, "The sync stopped before it finished: Concord was closed or stopped "
                      "during it. The next sync completes the work");

  if (!execute (self, stmt, "mark an interrupted run", error))
    return FALSE;

  if (sqlite3_changes (self->db) > 0)
    g_debug ("Connection %" G_GINT64_FORMAT ": %d run(s) were interrupted", connection_id,
             sqlite3_changes (self->db));

  return TRUE;
}

/* At open: runs left "running" whose lock nobody holds died with their
 * process. A run going in another process keeps its lock, and its row. */
static void
sweep_interrupted (ConcordStore *self)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(Statement) stmt = lease_statement (self, STMT_LIST_UNFINISHED, &error);
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
      int fd = take_run_lock (self, id, FALSE, &error);

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

static void
close_database (ConcordStore *self)
{
  for (guint i = 0; i < N_STATEMENTS; i++)
    g_clear_pointer (&self->statements[i], sqlite3_finalize);

  /* All statements are finalised, so this cannot be SQLITE_BUSY; an open
   * transaction is rolled back. */
  g_clear_pointer (&self->db, sqlite3_close);
  self->in_transaction = FALSE;
}

static gboolean
check_side (ConcordSide side)
{
  return side == CONCORD_SIDE_A || side == CONCORD_SIDE_B;
}

static ConcordAccountRow *
account_row_from_statement (sqlite3_stmt *stmt)
{
  ConcordAccountRow *row = g_new0 (ConcordAccountRow, 1);

  row->id = column_strdup (stmt, 0);
  row->app_id = column_strdup (stmt, 1);
  row->name = column_strdup (stmt, 2);
  row->options_json = column_strdup (stmt, 3);
  row->created = sqlite3_column_int64 (stmt, 4);

  return row;
}

static ConcordConnectionRow *
connection_row_from_statement (sqlite3_stmt  *stmt,
                               GError       **error)
{
  g_autoptr(ConcordConnectionRow) row = g_new0 (ConcordConnectionRow, 1);

  row->id = sqlite3_column_int64 (stmt, 0);
  row->name = column_strdup (stmt, 1);
  row->account_a = column_strdup (stmt, 2);
  row->type_a = column_strdup (stmt, 3);
  row->account_b = column_strdup (stmt, 4);
  row->type_b = column_strdup (stmt, 5);
  row->config_json = column_strdup (stmt, 8);
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
static GPtrArray *
connection_rows_from_statement (ConcordStore  *self,
                                Statement     *stmt,
                                const char    *what,
                                GError       **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_connection_row_free);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ConcordConnectionRow *row = connection_row_from_statement (stmt, error);

      if (row == NULL)
        return NULL;
      g_ptr_array_add (rows, row);
    }

  if (rc != SQLITE_DONE)
    {
      set_store_error (self, error, rc, "Could not %s", what);
      return NULL;
    }

  return g_steal_pointer (&rows);
}

static ConcordJournalRow *
journal_row_from_statement (sqlite3_stmt *stmt)
{
  ConcordJournalRow *row = g_new0 (ConcordJournalRow, 1);

  row->id = sqlite3_column_int64 (stmt, 0);
  row->run_id = sqlite3_column_int64 (stmt, 1);
  row->time = sqlite3_column_int64 (stmt, 2);
  row->link_id = sqlite3_column_int64 (stmt, 3);
  row->direction = column_strdup (stmt, 4);
  row->remote_id = column_strdup (stmt, 5);
  row->op = column_strdup (stmt, 6);
  row->field = column_strdup (stmt, 7);
  row->before = column_strdup (stmt, 8);
  row->after = column_strdup (stmt, 9);
  row->outcome = column_strdup (stmt, 10);
  row->error = column_strdup (stmt, 11);
  row->email = column_strdup (stmt, 12);
  row->name = column_strdup (stmt, 13);
  row->code = column_strdup (stmt, 14);
  row->code_side = column_strdup (stmt, 15);
  row->code_field = column_strdup (stmt, 16);

  return row;
}

static ConcordConflictRow *
conflict_row_from_statement (sqlite3_stmt *stmt)
{
  ConcordConflictRow *row = g_new0 (ConcordConflictRow, 1);

  row->id = sqlite3_column_int64 (stmt, 0);
  row->run_id = sqlite3_column_int64 (stmt, 1);
  row->time = sqlite3_column_int64 (stmt, 2);
  row->link_id = sqlite3_column_int64 (stmt, 3);
  row->kind = column_strdup (stmt, 4);
  row->field = column_strdup (stmt, 5);
  row->value_a = column_strdup (stmt, 6);
  row->value_b = column_strdup (stmt, 7);
  row->winner = column_strdup (stmt, 8);
  row->resolved = sqlite3_column_int64 (stmt, 9) != 0;
  row->email = column_strdup (stmt, 10);
  row->name = column_strdup (stmt, 11);
  row->chosen = column_strdup (stmt, 12);

  return row;
}

static ConcordRunRow *
run_row_from_statement (sqlite3_stmt *stmt)
{
  ConcordRunRow *row = g_new0 (ConcordRunRow, 1);

  row->id = sqlite3_column_int64 (stmt, 0);
  row->connection_id = sqlite3_column_int64 (stmt, 1);
  row->started = sqlite3_column_int64 (stmt, 2);
  row->finished = sqlite3_column_int64 (stmt, 3);
  row->dry_run = sqlite3_column_int64 (stmt, 4) != 0;
  row->status = column_strdup (stmt, 5);
  row->summary_json = column_strdup (stmt, 6);
  row->error = column_strdup (stmt, 7);
  row->code = column_strdup (stmt, 8);
  row->code_side = column_strdup (stmt, 9);
  row->code_field = column_strdup (stmt, 10);

  return row;
}

/* Serialised GVariants are kept little-endian whatever the machine. */
static GBytes *
serialize_variant (GVariant *value)
{
  g_autoptr(GVariant) normal = g_variant_get_normal_form (value);

  if (G_BYTE_ORDER == G_BIG_ENDIAN)
    {
      g_autoptr(GVariant) swapped = g_variant_take_ref (g_variant_byteswap (normal));

      return g_variant_get_data_as_bytes (swapped);
    }

  return g_variant_get_data_as_bytes (normal);
}

static void
bind_variant (sqlite3_stmt *stmt,
              int           type_index,
              int           data_index,
              GVariant     *value,
              GBytes      **keep)
{
  gsize size;
  gconstpointer data;

  *keep = serialize_variant (value);
  data = g_bytes_get_data (*keep, &size);

  bind_text (stmt, type_index, g_variant_get_type_string (value));
  /* A NULL pointer would bind SQL NULL; an empty array serialises to no
   * bytes, which must stay an empty blob. */
  sqlite3_bind_blob64 (stmt, data_index, data != NULL ? data : "", size, SQLITE_STATIC);
}

/* Returns NULL when the stored value cannot be read back: an invalid type
 * string, a missing blob, or bytes that are not a GVariant of that type in
 * normal form. Untrusted bytes never crash g_variant_new_from_bytes(). */
static GVariant *
column_variant (sqlite3_stmt *stmt,
                int           type_index,
                int           data_index)
{
  const char *type_string = (const char *) sqlite3_column_text (stmt, type_index);
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gconstpointer data;
  gsize size;

  if (type_string == NULL || !g_variant_type_string_is_valid (type_string) ||
      sqlite3_column_type (stmt, data_index) != SQLITE_BLOB)
    return NULL;

  /* column_blob before column_bytes, as SQLite asks. */
  data = sqlite3_column_blob (stmt, data_index);
  size = (gsize) sqlite3_column_bytes (stmt, data_index);
  bytes = g_bytes_new (data, size);
  value = g_variant_new_from_bytes (G_VARIANT_TYPE (type_string), bytes, FALSE);
  g_variant_take_ref (value);

  /* Framing offsets are little-endian whatever the byte order, so the
   * check holds before the values are swapped. */
  if (!g_variant_is_normal_form (value))
    return NULL;

  if (G_BYTE_ORDER == G_BIG_ENDIAN)
    return g_variant_take_ref (g_variant_byteswap (value));

  return g_variant_get_normal_form (value);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static const char * const sqlite_suffixes[] = { "-wal", "-shm", "-journal" };

/* Creates the database file 0600 when it is missing, so that SQLite never
 * creates it (or its -wal and -shm files, which take its mode) with the
 * umask's mode. An existing file is made private; an empty one is
 * refused: SQLite would quietly make a new store of it. */
static gboolean
create_private (ConcordStore  *self,
                GError       **error)
{
  int fd = open (self->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  GStatBuf st;

  if (fd >= 0)
    {
      /* The umask may have taken the owner's bits. */
      fchmod (fd, 0600);
      close (fd);
      return TRUE;
    }

  if (errno != EEXIST)
    {
      int saved_errno = errno;
      g_autofree char *dir = g_path_get_dirname (self->path);

      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                   "Could not create the database %s: %s. Concord must be able to write to the "
                   "folder %s: make it yours and writable (or free the disk if it is full), "
                   "then try again", self->path, g_strerror (saved_errno), dir);
      return FALSE;
    }

  /* A symbolic link or another kind of file is SQLite's to judge. */
  if (g_stat (self->path, &st) == 0 && S_ISREG (st.st_mode) && st.st_size == 0)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "The database %s is empty (0 bytes): it was damaged, and Concord will not "
                   "start a new one over it. Restore it from a backup, or remove it to start "
                   "over with no accounts and no connections", self->path);
      return FALSE;
    }

  make_private (self->path, FALSE);
  return TRUE;
}

static gboolean
concord_store_initable_init (GInitable     *initable,
                             GCancellable  *cancellable,
                             GError       **error)
{
  ConcordStore *self = CONCORD_STORE (initable);
  g_autofree char *dir = NULL;
  g_autoptr(GError) local_error = NULL;
  int version = 0;
  int rc;

  if (self->path == NULL || *self->path == '\0')
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "No database path was given");
      return FALSE;
    }

  if (self->db != NULL)
    return TRUE;

  dir = g_path_get_dirname (self->path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                   "Could not create the folder of the database %s: %s. Concord must be able "
                   "to write there: make the folder yours and writable, then try again",
                   self->path, g_strerror (saved_errno));
      return FALSE;
    }
  make_private (dir, TRUE);

  if (!create_private (self, error))
    return FALSE;

  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXRESCODE,
                        NULL);
  if (rc != SQLITE_OK)
    {
      set_store_error (self, error, rc, "Could not open the database %s", self->path);
      close_database (self);
      return FALSE;
    }

  sqlite3_extended_result_codes (self->db, TRUE);
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);

  /* SQLite makes its -wal and -shm files with the mode of the database;
   * ones left by an older version may be readable by others. */
  for (guint i = 0; i < G_N_ELEMENTS (sqlite_suffixes); i++)
    {
      g_autofree char *companion = g_strconcat (self->path, sqlite_suffixes[i], NULL);

      make_private (companion, FALSE);
    }

  /* The first read: this is where a file that is not a database fails.
   * Nothing has been written yet. */
  if (!read_user_version (self, &version, &local_error))
    {
      g_set_error (error, CONCORD_ERROR, local_error->code,
                   "Could not read the database %s: %s", self->path, local_error->message);
      close_database (self);
      return FALSE;
    }

  if (version > CONCORD_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "The database %s has schema version %d, newer than this version of "
                   "Concord knows (%d)", self->path, version, CONCORD_STORE_SCHEMA_VERSION);
      /* Nothing was written: closing leaves the newer database as it was. */
      close_database (self);
      return FALSE;
    }

  if (!execute_script (self,
                       "PRAGMA journal_mode = WAL;"
                       "PRAGMA synchronous = NORMAL;"
                       "PRAGMA foreign_keys = ON;",
                       "configure the database", &local_error) ||
      !migrate (self, &local_error))
    {
      g_set_error (error, CONCORD_ERROR, local_error->code,
                   "Could not prepare the database %s: %s", self->path, local_error->message);
      close_database (self);
      return FALSE;
    }

  self->schema_version = CONCORD_STORE_SCHEMA_VERSION;

  sweep_interrupted (self);

  return TRUE;
}

static void
concord_store_initable_iface_init (GInitableIface *iface)
{
  iface->init = concord_store_initable_init;
}

static void
concord_store_finalize (GObject *object)
{
  ConcordStore *self = (ConcordStore *) object;

  /* Runs left unfinished (a test's simulated crash) free their lock. */
  g_clear_pointer (&self->run_locks, g_hash_table_unref);
  close_database (self);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->search_email, g_free);
  g_clear_pointer (&self->search_name, g_free);
  g_clear_pointer (&self->search_key, g_free);

  G_OBJECT_CLASS (concord_store_parent_class)->finalize (object);
}

static void
concord_store_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ConcordStore *self = CONCORD_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_store_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ConcordStore *self = CONCORD_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_assert (self->path == NULL);
      self->path = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_store_class_init (ConcordStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = concord_store_finalize;
  object_class->get_property = concord_store_get_property;
  object_class->set_property = concord_store_set_property;

  /**
   * ConcordStore:path:
   *
   * The file of the database.
   */
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
concord_store_init (ConcordStore *self)
{
  self->run_locks = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, run_lock_free);
}

/* ------------------------------------------------------------------------- */
/* Rows                                                                      */
/* ------------------------------------------------------------------------- */

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

/* ------------------------------------------------------------------------- */
/* Public API: the database                                                  */
/* ------------------------------------------------------------------------- */

/**
 * concord_store_new:
 * @path: the database file; it and its folder are created when missing
 * @error: return location for a #GError
 *
 * Opens the state database, switches it to WAL and migrates its schema to
 * %CONCORD_STORE_SCHEMA_VERSION. A database of a newer schema is refused
 * with %CONCORD_ERROR_INVALID and left untouched; a file that is not a
 * database gives %CONCORD_ERROR_PARSE.
 *
 * The store must be used from one thread only.
 *
 * Returns: (transfer full): the store, or %NULL on error
 */
ConcordStore *
concord_store_new (const char  *path,
                   GError     **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_initable_new (CONCORD_TYPE_STORE, NULL, error, "path", path, NULL);
}

/**
 * concord_store_get_path:
 * @self: a #ConcordStore
 *
 * Returns: (transfer none): the file of the database
 */
const char *
concord_store_get_path (ConcordStore *self)
{
  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);

  return self->path;
}

/**
 * concord_store_get_schema_version:
 * @self: a #ConcordStore
 *
 * Returns: the schema version of the open database, which is always
 *   %CONCORD_STORE_SCHEMA_VERSION once the store is open
 */
int
concord_store_get_schema_version (ConcordStore *self)
{
  g_return_val_if_fail (CONCORD_IS_STORE (self), 0);

  return self->schema_version;
}

/**
 * concord_store_begin:
 * @self: a #ConcordStore
 * @error: return location for a #GError
 *
 * Opens a transaction (BEGIN IMMEDIATE: the write lock is taken now, so a
 * commit cannot fail because another process wrote in between). Calls made
 * outside a transaction commit on their own; group a page of writes in one
 * transaction for speed and atomicity. Transactions do not nest: beginning
 * while one is open is a %CONCORD_ERROR_FAILED error.
 *
 * Returns: %TRUE when the transaction is open
 */
gboolean
concord_store_begin (ConcordStore  *self,
                     GError       **error)
{
  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->in_transaction)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                           "Could not begin a transaction: one is already open");
      return FALSE;
    }

  if (!execute_id (self, STMT_BEGIN, "begin a transaction", error))
    return FALSE;

  self->in_transaction = TRUE;
  return TRUE;
}

/**
 * concord_store_commit:
 * @self: a #ConcordStore
 * @error: return location for a #GError
 *
 * Commits the transaction opened by concord_store_begin(). When the commit
 * fails the transaction may still be open: call concord_store_rollback().
 *
 * Returns: %TRUE when committed
 */
gboolean
concord_store_commit (ConcordStore  *self,
                      GError       **error)
{
  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!self->in_transaction)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                           "Could not commit: no transaction is open");
      return FALSE;
    }

  if (!execute_id (self, STMT_COMMIT, "commit", error))
    {
      /* SQLite may have rolled the transaction back by itself. */
      if (sqlite3_get_autocommit (self->db))
        self->in_transaction = FALSE;
      return FALSE;
    }

  self->in_transaction = FALSE;
  return TRUE;
}

/**
 * concord_store_rollback:
 * @self: a #ConcordStore
 *
 * Discards the transaction opened by concord_store_begin(). Does nothing
 * when none is open, so error paths may call it unconditionally.
 */
void
concord_store_rollback (ConcordStore *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (CONCORD_IS_STORE (self));

  if (!self->in_transaction)
    return;

  self->in_transaction = FALSE;

  if (!sqlite3_get_autocommit (self->db) &&
      !execute_id (self, STMT_ROLLBACK, "roll back", &error))
    g_debug ("%s", error->message);
}

/**
 * concord_store_in_transaction:
 * @self: a #ConcordStore
 *
 * Returns: whether a transaction opened by concord_store_begin() is open
 */
gboolean
concord_store_in_transaction (ConcordStore *self)
{
  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);

  return self->in_transaction;
}

/* Steps a statement that writes an account's name: a name another
 * account has is said as such, never as SQLite's constraint text. */
static gboolean
execute_account_name (ConcordStore  *self,
                      Statement     *stmt,
                      const char    *what,
                      const char    *name,
                      GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_DONE)
    return TRUE;

  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                 "Could not %s: another account is already called “%s”; choose another name",
                 what, name);
  else
    set_store_error (self, error, rc, "Could not %s", what);

  return FALSE;
}

/* ------------------------------------------------------------------------- */
/* Public API: accounts                                                      */
/* ------------------------------------------------------------------------- */

/**
 * concord_store_check_name:
 * @name: (nullable): the name of an account or a connection
 * @error: return location for a #GError
 *
 * A name is shown on one line in lists, the CLI's tab-separated output
 * and notifications: it must be text (UTF-8), not empty, and free of
 * control characters (a line break, a tab, an escape) and line or
 * paragraph separators.
 *
 * Returns: %TRUE when @name can be used; %CONCORD_ERROR_INVALID otherwise
 */
gboolean
concord_store_check_name (const char  *name,
                          GError     **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (name == NULL || *name == '\0')
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "A name cannot be empty");
      return FALSE;
    }

  if (!g_utf8_validate (name, -1, NULL))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "A name must be text (UTF-8)");
      return FALSE;
    }

  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      GUnicodeType type = g_unichar_type (c);

      if (type == G_UNICODE_CONTROL || type == G_UNICODE_LINE_SEPARATOR ||
          type == G_UNICODE_PARAGRAPH_SEPARATOR)
        {
          g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                               "A name cannot contain a line break, a tab or another control "
                               "character");
          return FALSE;
        }
    }

  return TRUE;
}

/**
 * concord_store_check_account_name:
 * @self: a #ConcordStore
 * @name: (nullable): the name of a new account
 * @error: return location for a #GError
 *
 * Checks, before anything is asked of the user or the app, that @name can
 * be a new account's: concord_store_check_name()'s rules
 * (%CONCORD_ERROR_INVALID), and no account called so already
 * (%CONCORD_ERROR_CONFLICT, saying so, as concord_store_add_account()
 * would).
 *
 * Returns: %TRUE when @name is free
 */
gboolean
concord_store_check_account_name (ConcordStore  *self,
                                  const char    *name,
                                  GError       **error)
{
  g_autoptr(ConcordAccountRow) taken = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!concord_store_check_name (name, error))
    return FALSE;

  /* Looked up by id or name: only a name counts here. */
  taken = concord_store_get_account (self, name, &local_error);
  if (taken == NULL && !g_error_matches (local_error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (taken != NULL && g_str_equal (taken->name, name))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                   "Could not add the account: another account is already called “%s”; choose "
                   "another name", name);
      return FALSE;
    }

  return TRUE;
}

/**
 * concord_store_add_account:
 * @self: a #ConcordStore
 * @id: the account id (also the key of its secret in the keyring)
 * @app_id: the connector id, e.g. elasticemail
 * @name: the name the user gave the account; unique
 * @options_json: (nullable): connector options; never a secret
 * @error: return location for a #GError
 *
 * Adds an account. A duplicate id or name is a %CONCORD_ERROR_CONFLICT; a
 * name concord_store_check_name() refuses is %CONCORD_ERROR_INVALID.
 *
 * Returns: %TRUE when added
 */
gboolean
concord_store_add_account (ConcordStore  *self,
                           const char    *id,
                           const char    *app_id,
                           const char    *name,
                           const char    *options_json,
                           GError       **error)
{
  g_autoptr(Statement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL && *id != '\0', FALSE);
  g_return_val_if_fail (app_id != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!concord_store_check_name (name, error) ||
      !(stmt = lease_statement (self, STMT_ADD_ACCOUNT, error)))
    return FALSE;

  bind_text (stmt, 1, id);
  bind_text (stmt, 2, app_id);
  bind_text (stmt, 3, name);
  bind_text (stmt, 4, options_json);
  sqlite3_bind_int64 (stmt, 5, now_seconds ());

  return execute_account_name (self, stmt, "add the account", name, error);
}

/**
 * concord_store_set_account_options:
 * @self: a #ConcordStore
 * @id: an account id
 * @options_json: (nullable): the connector's new options (never secrets)
 * @error: return location for a #GError
 *
 * Returns: %TRUE when changed; %CONCORD_ERROR_NOT_FOUND when there is no
 *   such account
 */
gboolean
concord_store_set_account_options (ConcordStore  *self,
                                   const char    *id,
                                   const char    *options_json,
                                   GError       **error)
{
  g_autoptr(Statement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = lease_statement (self, STMT_SET_ACCOUNT_OPTIONS, error)))
    return FALSE;

  bind_text (stmt, 1, id);
  bind_text (stmt, 2, options_json);
  if (!execute (self, stmt, "change an account", error))
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND, "No account with id %s", id);
      return FALSE;
    }

  return TRUE;
}

/**
 * concord_store_get_account:
 * @self: a #ConcordStore
 * @id_or_name: an account id, or an account name
 * @error: return location for a #GError
 *
 * Looks an account up by id, then by name. A missing account is a
 * %CONCORD_ERROR_NOT_FOUND error.
 *
 * Returns: (transfer full): the account, or %NULL on error
 */
ConcordAccountRow *
concord_store_get_account (ConcordStore  *self,
                           const char    *id_or_name,
                           GError       **error)
{
  g_autoptr(Statement) stmt = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (id_or_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = lease_statement (self, STMT_GET_ACCOUNT, error)))
    return NULL;

  bind_text (stmt, 1, id_or_name);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return account_row_from_statement (stmt);

  if (rc == SQLITE_DONE)
    g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                         "No such account");
  else
    set_store_error (self, error, rc, "Could not look up an account");

  return NULL;
}

/**
 * concord_store_list_accounts:
 * @self: a #ConcordStore
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type ConcordAccountRow): every account,
 *   oldest first, or %NULL on error
 */
GPtrArray *
concord_store_list_accounts (ConcordStore  *self,
                             GError       **error)
{
  g_autoptr(Statement) stmt = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = lease_statement (self, STMT_LIST_ACCOUNTS, error)))
    return NULL;

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_account_row_free);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, account_row_from_statement (stmt));

  if (rc != SQLITE_DONE)
    {
      set_store_error (self, error, rc, "Could not list accounts");
      return NULL;
    }

  return g_steal_pointer (&rows);
}

/**
 * concord_store_remove_account:
 * @self: a #ConcordStore
 * @id: the account id
 * @error: return location for a #GError
 *
 * Removes an account. An account that a connection still uses is not
 * removed (%CONCORD_ERROR_CONFLICT, naming the connections); a missing one is
 * %CONCORD_ERROR_NOT_FOUND. The secret in the keyring is the caller's to
 * remove.
 *
 * Returns: %TRUE when removed
 */
gboolean
concord_store_remove_account (ConcordStore  *self,
                              const char    *id,
                              GError       **error)
{
  g_autoptr(Statement) stmt = NULL;
  g_autoptr(GPtrArray) users = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Refused while used, naming the connections: what to remove first. */
  users = concord_store_list_account_connections (self, id, error);
  if (users == NULL)
    return FALSE;
  if (users->len > 0)
    {
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint i = 0; i < users->len; i++)
        {
          ConcordConnectionRow *row = g_ptr_array_index (users, i);

          g_string_append_printf (names, "%s“%s”", i == 0 ? "" : ", ", row->name);
        }
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                   "Could not remove the account: %s %s %s it; remove %s first",
                   users->len == 1 ? "the connection" : "the connections", names->str,
                   users->len == 1 ? "uses" : "use", users->len == 1 ? "that connection" : "them");
      return FALSE;
    }

  if (!(stmt = lease_statement (self, STMT_REMOVE_ACCOUNT, error)))
    return FALSE;

  bind_text (stmt, 1, id);

  if (!execute_full (self, stmt, "remove an account",
                     CONCORD_ERROR_CONFLICT, "a connection uses it", error))
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND, "No such account");
      return FALSE;
    }

  return TRUE;
}

/**
 * concord_store_rename_account:
 * @self: a #ConcordStore
 * @id: the account id
 * @name: its new name
 * @error: return location for a #GError
 *
 * Renames an account. A name concord_store_check_name() refuses is
 * %CONCORD_ERROR_INVALID; a name another account has is
 * %CONCORD_ERROR_CONFLICT, saying so; a missing account is
 * %CONCORD_ERROR_NOT_FOUND. Its key in the keyring stays where it is (it
 * is kept by the account's id).
 *
 * Returns: %TRUE when renamed
 */
gboolean
concord_store_rename_account (ConcordStore  *self,
                              const char    *id,
                              const char    *name,
                              GError       **error)
{
  g_autoptr(Statement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!concord_store_check_name (name, error) ||
      !(stmt = lease_statement (self, STMT_RENAME_ACCOUNT, error)))
    return FALSE;

  bind_text (stmt, 1, id);
  bind_text (stmt, 2, name);
  if (!execute_account_name (self, stmt, "rename the account", name, error))
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND, "No such account");
      return FALSE;
    }

  return TRUE;
}

/**
 * concord_store_list_account_connections:
 * @self: a #ConcordStore
 * @id: an account id
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type ConcordConnectionRow): the
 *   connections that use the account on either side, oldest first (empty
 *   when none does, or the account does not exist), or %NULL on error
 */
GPtrArray *
concord_store_list_account_connections (ConcordStore  *self,
                                        const char    *id,
                                        GError       **error)
{
  g_autoptr(Statement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = lease_statement (self, STMT_LIST_ACCOUNT_CONNECTIONS, error)))
    return NULL;

  bind_text (stmt, 1, id);
  return connection_rows_from_statement (self, stmt, "list the connections of an account", error);
}

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
  g_autoptr(Statement) stmt = NULL;

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

  if (!(stmt = lease_statement (self, STMT_ADD_CONNECTION, error)))
    return 0;

  bind_text (stmt, 1, row->name);
  bind_text (stmt, 2, row->account_a);
  bind_text (stmt, 3, row->type_a);
  bind_text (stmt, 4, row->account_b);
  bind_text (stmt, 5, row->type_b);
  bind_text (stmt, 6, concord_direction_to_string (row->direction));
  bind_text (stmt, 7, concord_prefer_to_string (row->prefer));
  bind_text (stmt, 8, row->config_json);
  sqlite3_bind_int (stmt, 9, row->enabled ? 1 : 0);
  sqlite3_bind_int64 (stmt, 10, row->created != 0 ? row->created : now_seconds ());

  if (!execute_full (self, stmt, "add a connection",
                     CONCORD_ERROR_NOT_FOUND, "one of its accounts does not exist", error))
    return 0;

  return sqlite3_last_insert_rowid (self->db);
}

static ConcordConnectionRow *
get_connection_row (ConcordStore  *self,
                    Statement     *stmt,
                    GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    return connection_row_from_statement (stmt, error);

  if (rc == SQLITE_DONE)
    g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND, "No such connection");
  else
    set_store_error (self, error, rc, "Could not look up a connection");

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
  g_autoptr(Statement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = lease_statement (self, STMT_GET_CONNECTION, error)))
    return NULL;

  bind_text (stmt, 1, name);

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
  g_autoptr(Statement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = lease_statement (self, STMT_GET_CONNECTION_BY_ID, error)))
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
  g_autoptr(Statement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = lease_statement (self, STMT_LIST_CONNECTIONS, error)))
    return NULL;

  return connection_rows_from_statement (self, stmt, "list connections", error);
}

static gboolean
delete_connection (ConcordStore  *self,
                   gint64         id,
                   GError       **error)
{
  static const StatementId dependents[] = {
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

  if (!operation_begin (self, &savepoint, error))
    return FALSE;

  {
    g_autoptr(Statement) stmt = lease_statement (self, STMT_DELETE_CONNECTION, error);

    if (stmt == NULL)
      goto fail;

    sqlite3_bind_int64 (stmt, 1, id);

    if (!execute (self, stmt, "remove a connection", error))
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
      g_autoptr(Statement) stmt = lease_statement (self, dependents[i], error);

      if (stmt == NULL)
        goto fail;

      sqlite3_bind_int64 (stmt, 1, id);

      if (!execute (self, stmt, "remove the data of a connection", error))
        goto fail;
    }

  return operation_commit (self, savepoint, error);

fail:
  operation_abort (self, savepoint);
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
      (fd = take_run_lock (self, id, sqlite3_get_autocommit (self->db), error)) < 0)
    return FALSE;

  ok = delete_connection (self, id, &local_error);

  /* Still holding it: a run that waited for it finds no connection, and
   * ids are never used twice, so the file can go. */
  lock_path = run_lock_path (self, id);
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
update_connection (ConcordStore  *self,
                   Statement     *stmt,
                   gint64         id,
                   GError       **error)
{
  if (!execute (self, stmt, "change a connection", error))
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
  g_autoptr(Statement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = lease_statement (self, STMT_SET_CONNECTION_ENABLED, error)))
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
  g_autoptr(Statement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = lease_statement (self, STMT_SET_CONNECTION_CONFIG, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, id);
  bind_text (stmt, 2, config_json);

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
  g_autoptr(Statement) stmt = NULL;

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

  if (!(stmt = lease_statement (self, STMT_RENAME_CONNECTION, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, id);
  bind_text (stmt, 2, name);

  return update_connection (self, stmt, id, error);
}

/* ------------------------------------------------------------------------- */
/* Public API: the record index                                              */
/* ------------------------------------------------------------------------- */

/**
 * concord_store_load_index:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @side: the side
 * @error: return location for a #GError
 *
 * Loads the whole index of one side. Each key is the remote_id string of
 * its entry (freed with the entry).
 *
 * Returns: (transfer full) (element-type utf8 ConcordIndexEntry): remote id
 *   → #ConcordIndexEntry, or %NULL on error
 */
GHashTable *
concord_store_load_index (ConcordStore  *self,
                          gint64         connection_id,
                          ConcordSide    side,
                          GError       **error)
{
  g_autoptr(Statement) stmt = NULL;
  g_autoptr(GHashTable) index = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (check_side (side), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = lease_statement (self, STMT_LOAD_INDEX, error)))
    return NULL;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int (stmt, 2, (int) side);

  index = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                 (GDestroyNotify) concord_index_entry_free);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ConcordIndexEntry *entry = g_new (ConcordIndexEntry, 1);

      entry->remote_id = column_strdup (stmt, 0);
      entry->email_norm = column_strdup (stmt, 1);
      entry->hash = (guint64) sqlite3_column_int64 (stmt, 2);
      entry->link_id = sqlite3_column_int64 (stmt, 3);

      /* replace, not insert: insert would keep the old key, which belongs
       * to the entry being freed. (The primary key makes ids unique.) */
      g_hash_table_replace (index, entry->remote_id, entry);
    }

  if (rc != SQLITE_DONE)
    {
      set_store_error (self, error, rc, "Could not load the record index");
      return NULL;
    }

  return g_steal_pointer (&index);
}

/**
 * concord_store_put_index:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @side: the side
 * @entry: the entry; replaces any entry with the same remote id
 * @error: return location for a #GError
 *
 * Returns: %TRUE when stored
 */
gboolean
concord_store_put_index (ConcordStore             *self,
                         gint64                    connection_id,
                         ConcordSide               side,
                         const ConcordIndexEntry  *entry,
                         GError                  **error)
{
  g_autoptr(Statement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (check_side (side), FALSE);
  g_return_val_if_fail (entry != NULL && entry->remote_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = lease_statement (self, STMT_PUT_INDEX, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int (stmt, 2, (int) side);
  bind_text (stmt, 3, entry->remote_id);
  bind_text (stmt, 4, entry->email_norm);
  sqlite3_bind_int64 (stmt, 5, (sqlite3_int64) entry->hash);
  sqlite3_bind_int64 (stmt, 6, entry->link_id);

  return execute (self, stmt, "store a record index entry", error);
}

/**
 * concord_store_delete_index:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @side: the side
 * @remote_id: the record
 * @error: return location for a #GError
 *
 * Removes a record from the index. Removing a record that is not there is
 * not an error.
 *
 * Returns: %TRUE unless SQLite failed
 */
gboolean
concord_store_delete_index (ConcordStore  *self,
                            gint64         connection_id,
                            ConcordSide    side,
                            const char    *remote_id,
                            GError       **error)
{
  g_autoptr(Statement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (check_side (side), FALSE);
  g_return_val_if_fail (remote_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = lease_statement (self, STMT_DELETE_INDEX, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int (stmt, 2, (int) side);
  bind_text (stmt, 3, remote_id);

  return execute (self, stmt, "remove a record index entry", error);
}

/**
 * concord_store_reset_index_hashes:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @error: return location for a #GError
 *
 * Marks every record of both sides as never settled (hash 0), so the next
 * run compares all of them again, e.g. after the mapping changed.
 *
 * Returns: %TRUE unless SQLite failed
 */
gboolean
concord_store_reset_index_hashes (ConcordStore  *self,
                                  gint64         connection_id,
                                  GError       **error)
{
  g_autoptr(Statement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = lease_statement (self, STMT_RESET_INDEX_HASHES, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, connection_id);

  return execute (self, stmt, "reset the record hashes", error);
}

/* ------------------------------------------------------------------------- */
/* Public API: links and baselines                                           */
/* ------------------------------------------------------------------------- */

/**
 * concord_store_add_link:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @a_remote_id: the record on side A
 * @b_remote_id: the record on side B
 * @error: return location for a #GError
 *
 * Links two records. A record can be in one link only: linking it again is
 * a %CONCORD_ERROR_CONFLICT. The index entries are the caller's to update.
 *
 * Returns: the id of the link, or 0 on error
 */
gint64
concord_store_add_link (ConcordStore  *self,
                        gint64         connection_id,
                        const char    *a_remote_id,
                        const char    *b_remote_id,
                        GError       **error)
{
  g_autoptr(Statement) stmt = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), 0);
  g_return_val_if_fail (a_remote_id != NULL, 0);
  g_return_val_if_fail (b_remote_id != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!(stmt = lease_statement (self, STMT_ADD_LINK, error)))
    return 0;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  bind_text (stmt, 2, a_remote_id);
  bind_text (stmt, 3, b_remote_id);
  sqlite3_bind_int64 (stmt, 4, now_seconds ());

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return sqlite3_last_insert_rowid (self->db);

  /* The same pair again is the link there; a record paired with another
   * is a conflict. */
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    {
      g_autoptr(Statement) find = lease_statement (self, STMT_GET_LINK_ID, error);

      if (find == NULL)
        return 0;
      sqlite3_bind_int64 (find, 1, connection_id);
      bind_text (find, 2, a_remote_id);
      bind_text (find, 3, b_remote_id);
      if (sqlite3_step (find) == SQLITE_ROW)
        return sqlite3_column_int64 (find, 0);
    }

  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                 "Could not add a link: one of the records is already paired with another");
  else
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                 "Could not add a link: %s", sqlite3_errmsg (self->db));
  return 0;
}

/**
 * concord_store_get_link:
 * @self: a #ConcordStore
 * @link_id: the link
 * @a_remote_id: (out) (optional) (transfer full): the record on side A
 * @b_remote_id: (out) (optional) (transfer full): the record on side B
 * @error: return location for a #GError
 *
 * Returns: %TRUE when found; %CONCORD_ERROR_NOT_FOUND when there is no such
 *   link
 */
gboolean
concord_store_get_link (ConcordStore  *self,
                        gint64         link_id,
                        char         **a_remote_id,
                        char         **b_remote_id,
                        GError       **error)
{
  g_autoptr(Statement) stmt = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = lease_statement (self, STMT_GET_LINK, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, link_id);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      if (a_remote_id != NULL)
        *a_remote_id = column_strdup (stmt, 0);
      if (b_remote_id != NULL)
        *b_remote_id = column_strdup (stmt, 1);
      return TRUE;
    }

  if (rc == SQLITE_DONE)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                 "No link with id %" G_GINT64_FORMAT, link_id);
  else
    set_store_error (self, error, rc, "Could not look up a link");

  return FALSE;
}

/**
 * concord_store_remove_link:
 * @self: a #ConcordStore
 * @link_id: the link
 * @error: return location for a #GError
 *
 * Removes a link and its baseline, and marks the index entries that
 * pointed to it as unlinked (link id 0), all or nothing.
 *
 * Returns: %TRUE when removed; %CONCORD_ERROR_NOT_FOUND when there is no
 *   such link
 */
gboolean
concord_store_remove_link (ConcordStore  *self,
                           gint64         link_id,
                           GError       **error)
{
  static const StatementId steps[] = {
    STMT_DELETE_LINK_BASELINE,
    STMT_UNLINK_RECORDS,
    STMT_DELETE_LINK,  /* last: its change count tells whether the link existed */
  };
  gboolean savepoint;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!operation_begin (self, &savepoint, error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(Statement) stmt = lease_statement (self, steps[i], error);

      if (stmt == NULL)
        goto fail;

      sqlite3_bind_int64 (stmt, 1, link_id);

      if (!execute (self, stmt, "remove a link", error))
        goto fail;
    }

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                   "No link with id %" G_GINT64_FORMAT, link_id);
      goto fail;
    }

  return operation_commit (self, savepoint, error);

fail:
  operation_abort (self, savepoint);
  return FALSE;
}

/**
 * concord_store_count_links:
 * @self: a #ConcordStore
 * @connection_id: the connection
 * @error: return location for a #GError
 *
 * Returns: the number of links of the connection, or -1 on error
 */
/**
 * concord_store_find_links:
 * @a_remote_id: a record of side A
 * @b_remote_id: a record of side B
 *
 * Returns: (transfer full) (nullable): the ids (gint64) of the links that
 *   pair @a_remote_id or @b_remote_id with anything; %NULL on error
 */
GArray *
concord_store_find_links (ConcordStore  *self,
                          gint64         connection_id,
                          const char    *a_remote_id,
                          const char    *b_remote_id,
                          GError       **error)
{
  g_autoptr(Statement) stmt = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (a_remote_id != NULL && b_remote_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = lease_statement (self, STMT_FIND_LINKS, error)))
    return NULL;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  bind_text (stmt, 2, a_remote_id);
  bind_text (stmt, 3, b_remote_id);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }

  if (rc != SQLITE_DONE)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                   "Could not find links: %s", sqlite3_errmsg (self->db));
      return NULL;
    }

  return g_steal_pointer (&ids);
}

gint64
concord_store_count_links (ConcordStore  *self,
                           gint64         connection_id,
                           GError       **error)
{
  g_autoptr(Statement) stmt = NULL;
  gint64 count;

  g_return_val_if_fail (CONCORD_IS_STORE (self), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!(stmt = lease_statement (self, STMT_COUNT_LINKS, error)))
    return -1;

  sqlite3_bind_int64 (stmt, 1, connection_id);

  if (!query_int64 (self, stmt, &count, "count links", error))
    return -1;

  return count;
}

/**
 * concord_store_set_baseline:
 * @self: a #ConcordStore
 * @link_id: the link
 * @values_a: the values of side A, usually an `a{sv}`; a floating
 *   reference is consumed
 * @values_b: the values of side B; a floating reference is consumed
 * @error: return location for a #GError
 *
 * Stores (or replaces) the baseline of a link.
 *
 * Returns: %TRUE when stored; %CONCORD_ERROR_NOT_FOUND when there is no
 *   such link
 */
gboolean
concord_store_set_baseline (ConcordStore  *self,
                            gint64         link_id,
                            GVariant      *values_a,
                            GVariant      *values_b,
                            GError       **error)
{
  g_autoptr(GVariant) a = NULL;
  g_autoptr(GVariant) b = NULL;
  g_autoptr(GBytes) bytes_a = NULL;
  g_autoptr(GBytes) bytes_b = NULL;
  g_autoptr(Statement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (values_a != NULL, FALSE);
  g_return_val_if_fail (values_b != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  a = g_variant_ref_sink (values_a);
  b = g_variant_ref_sink (values_b);

  if (!(stmt = lease_statement (self, STMT_SET_BASELINE, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, link_id);
  bind_variant (stmt, 2, 3, a, &bytes_a);
  bind_variant (stmt, 4, 5, b, &bytes_b);

  return execute_full (self, stmt, "store a baseline",
                       CONCORD_ERROR_NOT_FOUND, "the link does not exist", error);
}

/**
 * concord_store_get_baseline:
 * @self: a #ConcordStore
 * @link_id: the link
 * @values_a: (out) (optional) (transfer full): the values of side A
 * @values_b: (out) (optional) (transfer full): the values of side B
 * @error: return location for a #GError
 *
 * Reads the baseline of a link. When the link has none, or the stored one
 * cannot be read back (a damaged file), the result is a
 * %CONCORD_ERROR_NOT_FOUND error: the caller merges as on a first match.
 *
 * Returns: %TRUE when a baseline was read
 */
gboolean
concord_store_get_baseline (ConcordStore  *self,
                            gint64         link_id,
                            GVariant     **values_a,
                            GVariant     **values_b,
                            GError       **error)
{
  g_autoptr(Statement) stmt = NULL;
  g_autoptr(GVariant) a = NULL;
  g_autoptr(GVariant) b = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = lease_statement (self, STMT_GET_BASELINE, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, link_id);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                   "Link %" G_GINT64_FORMAT " has no baseline", link_id);
      return FALSE;
    }
  else if (rc != SQLITE_ROW)
    {
      set_store_error (self, error, rc, "Could not read a baseline");
      return FALSE;
    }

  a = column_variant (stmt, 0, 1);
  b = column_variant (stmt, 2, 3);

  if (a == NULL || b == NULL)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                   "The baseline of link %" G_GINT64_FORMAT " is unreadable", link_id);
      return FALSE;
    }

  if (values_a != NULL)
    *values_a = g_steal_pointer (&a);
  if (values_b != NULL)
    *values_b = g_steal_pointer (&b);

  return TRUE;
}

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
  g_autoptr(Statement) stmt = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (check_side (side), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = lease_statement (self, STMT_GET_CURSOR, error)))
    return NULL;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int (stmt, 2, (int) side);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return column_strdup (stmt, 0);

  if (rc != SQLITE_DONE)
    set_store_error (self, error, rc, "Could not read a cursor");

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
  g_autoptr(Statement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (check_side (side), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = lease_statement (self, cursor != NULL ? STMT_SET_CURSOR : STMT_DELETE_CURSOR,
                                error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int (stmt, 2, (int) side);
  if (cursor != NULL)
    bind_text (stmt, 3, cursor);

  return execute (self, stmt, "store a cursor", error);
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
  g_autoptr(Statement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), 0);
  g_return_val_if_fail (check_side (side), 0);
  g_return_val_if_fail (op != NULL, 0);
  g_return_val_if_fail (key != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!(stmt = lease_statement (self, STMT_ADD_INTENT, error)))
    return 0;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int64 (stmt, 2, run_id);
  sqlite3_bind_int (stmt, 3, (int) side);
  bind_text (stmt, 4, op);
  bind_text (stmt, 5, key);
  bind_text (stmt, 6, payload);
  sqlite3_bind_int64 (stmt, 7, now_seconds ());

  if (!execute (self, stmt, "record a write intent", error))
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
  g_autoptr(Statement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = lease_statement (self, STMT_REMOVE_INTENT, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, intent_id);

  if (!execute (self, stmt, "remove a write intent", error))
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
  g_autoptr(Statement) stmt = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = lease_statement (self, STMT_LIST_INTENTS, error)))
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
      row->op = column_strdup (stmt, 3);
      row->key = column_strdup (stmt, 4);
      row->payload = column_strdup (stmt, 5);
      row->created = sqlite3_column_int64 (stmt, 6);

      g_ptr_array_add (rows, row);
    }

  if (rc != SQLITE_DONE)
    {
      set_store_error (self, error, rc, "Could not list write intents");
      return NULL;
    }

  return g_steal_pointer (&rows);
}

/* ------------------------------------------------------------------------- */
/* Public API: runs                                                          */
/* ------------------------------------------------------------------------- */

static gint64
insert_run (ConcordStore  *self,
            gint64         connection_id,
            gboolean       dry_run,
            GError       **error)
{
  g_autoptr(Statement) stmt = NULL;

  if (!(stmt = lease_statement (self, STMT_BEGIN_RUN, error)))
    return 0;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int64 (stmt, 2, now_seconds ());
  sqlite3_bind_int (stmt, 3, dry_run ? 1 : 0);

  if (!execute (self, stmt, "record a run", error))
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
      int fd = take_run_lock (self, connection_id, FALSE, error);

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

  fd = take_run_lock (self, connection_id, FALSE, &error);
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
  g_autoptr(Statement) stmt = NULL;
  gboolean ok;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = lease_statement (self, STMT_FINISH_RUN, error)))
    {
      release_run_lock (self, run_id);
      return FALSE;
    }

  sqlite3_bind_int64 (stmt, 1, run_id);
  sqlite3_bind_int64 (stmt, 2, now_seconds ());
  bind_text (stmt, 3, status);
  bind_text (stmt, 4, summary_json);

  ok = execute (self, stmt, "record the end of a run", error);
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
  g_autoptr(Statement) stmt = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = lease_statement (self, STMT_LIST_RUNS, error)))
    return NULL;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1);  /* -1: no limit */

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_run_row_free);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, run_row_from_statement (stmt));

  if (rc != SQLITE_DONE)
    {
      set_store_error (self, error, rc, "Could not list runs");
      return NULL;
    }

  return g_steal_pointer (&rows);
}

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
  g_autoptr(Statement) stmt = NULL;
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

  if (!(stmt = lease_statement (self, STMT_ADD_JOURNAL, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int64 (stmt, 2, row->run_id);
  sqlite3_bind_int64 (stmt, 3, row->time != 0 ? row->time : now_seconds ());
  sqlite3_bind_int64 (stmt, 4, row->link_id);
  bind_text (stmt, 5, row->direction);
  bind_text (stmt, 6, row->remote_id);
  bind_text (stmt, 7, row->op);
  bind_text (stmt, 8, field != NULL ? field : row->field);
  bind_text (stmt, 9, before != NULL ? before : row->before);
  bind_text (stmt, 10, after != NULL ? after : row->after);
  bind_text (stmt, 11, row->outcome);
  bind_text (stmt, 12, error_text != NULL ? error_text : row->error);
  bind_text (stmt, 13, email != NULL ? email : row->email);
  bind_text (stmt, 14, name != NULL ? name : row->name);
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
    bind_text (stmt, 15, self->search_key);
  }
  bind_text (stmt, 16, row->code);
  bind_text (stmt, 17, row->code_side);
  bind_text (stmt, 18, row->code_field);

  return execute (self, stmt, "add a journal row", error);
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
  g_autoptr(Statement) stmt = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = lease_statement (self, run_id != 0 ? STMT_LIST_JOURNAL_RUN : STMT_LIST_JOURNAL_ALL,
                                error)))
    return NULL;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1);
  if (run_id != 0)
    sqlite3_bind_int64 (stmt, 3, run_id);

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_journal_row_free);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, journal_row_from_statement (stmt));

  if (rc != SQLITE_DONE)
    {
      set_store_error (self, error, rc, "Could not list the journal");
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
  g_autoptr(Statement) stmt = NULL;
  gint64 count;

  g_return_val_if_fail (CONCORD_IS_STORE (self), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!(stmt = lease_statement (self, run_id != 0 ? STMT_COUNT_JOURNAL_RUN : STMT_COUNT_JOURNAL_ALL,
                                error)))
    return -1;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  bind_text (stmt, 2, outcome);
  if (run_id != 0)
    sqlite3_bind_int64 (stmt, 3, run_id);

  if (!query_int64 (self, stmt, &count, "count journal rows", error))
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
  g_autoptr(Statement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (row != NULL, FALSE);
  g_return_val_if_fail (row->kind != NULL, FALSE);
  g_return_val_if_fail (row->winner != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = lease_statement (self, STMT_ADD_CONFLICT, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int64 (stmt, 2, row->run_id);
  sqlite3_bind_int64 (stmt, 3, row->time != 0 ? row->time : now_seconds ());
  sqlite3_bind_int64 (stmt, 4, row->link_id);
  bind_text (stmt, 5, row->kind);
  bind_text (stmt, 6, row->field);
  bind_text (stmt, 7, row->value_a);
  bind_text (stmt, 8, row->value_b);
  bind_text (stmt, 9, row->winner);
  sqlite3_bind_int (stmt, 10, row->resolved ? 1 : 0);
  bind_text (stmt, 11, row->email);
  bind_text (stmt, 12, row->name);
  search = concord_store_make_search_key (row->email, row->name);
  bind_text (stmt, 13, search);
  bind_text (stmt, 14, row->chosen);

  return execute (self, stmt, "record a conflict", error);
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
  g_autoptr(Statement) stmt = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = lease_statement (self,
                                run_id != 0 ? STMT_LIST_CONFLICTS_RUN : STMT_LIST_CONFLICTS_ALL,
                                error)))
    return NULL;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  if (run_id != 0)
    sqlite3_bind_int64 (stmt, 2, run_id);

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_conflict_row_free);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, conflict_row_from_statement (stmt));

  if (rc != SQLITE_DONE)
    {
      set_store_error (self, error, rc, "Could not list conflicts");
      return NULL;
    }

  return g_steal_pointer (&rows);
}

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
  g_autoptr(Statement) stmt = NULL;
  int side = concord_error_get_side (failure);

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = lease_statement (self, STMT_SET_RUN_ERROR, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, run_id);
  bind_text (stmt, 2, failure != NULL ? failure->message : NULL);
  bind_text (stmt, 3, failure != NULL ? concord_error_to_nick (concord_error_code_of (failure)) : NULL);
  bind_text (stmt, 4, side == CONCORD_ERROR_NO_SIDE ? NULL : CONCORD_SIDE_NAME (side));
  bind_text (stmt, 5, concord_error_get_field (failure));

  return execute (self, stmt, "record why a run failed", error);
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
  g_autoptr(Statement) stmt = NULL;
  gint64 count;

  g_return_val_if_fail (CONCORD_IS_STORE (self), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!(stmt = lease_statement (self, STMT_COUNT_ACTIVITY, error)))
    return -1;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  bind_text (stmt, 2, key);

  if (!query_int64 (self, stmt, &count, "count the activity", error))
    return -1;

  return count;
}

static gpointer
get_row_by_id (ConcordStore           *self,
               ConcordActivitySource   source,
               gint64                  id,
               GError                **error)
{
  static const StatementId ids[] = { STMT_GET_RUN, STMT_GET_CONFLICT, STMT_GET_JOURNAL };
  g_autoptr(Statement) stmt = NULL;
  int rc;

  if (!(stmt = lease_statement (self, ids[source], error)))
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
      set_store_error (self, error, rc, "Could not read the activity");
      return NULL;
    }

  switch (source)
    {
    case CONCORD_ACTIVITY_SOURCE_RUN:
      return run_row_from_statement (stmt);
    case CONCORD_ACTIVITY_SOURCE_CONFLICT:
      return conflict_row_from_statement (stmt);
    case CONCORD_ACTIVITY_SOURCE_JOURNAL:
    default:
      return journal_row_from_statement (stmt);
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
    g_autoptr(Statement) stmt = lease_statement (self, STMT_LIST_ACTIVITY, error);

    if (stmt == NULL)
      return NULL;

    sqlite3_bind_int64 (stmt, 1, connection_id);
    bind_text (stmt, 2, key);
    sqlite3_bind_int64 (stmt, 3, limit);
    sqlite3_bind_int64 (stmt, 4, offset);

    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        gint64 pair[2] = { sqlite3_column_int64 (stmt, 1), sqlite3_column_int64 (stmt, 2) };

        g_array_append_val (ids, pair);
      }

    if (rc != SQLITE_DONE)
      {
        set_store_error (self, error, rc, "Could not list the activity");
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
  g_autoptr(Statement) stmt = NULL;
  ConcordConflictRow *row;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = lease_statement (self, STMT_GET_CONFLICT, error)))
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
      set_store_error (self, error, rc, "Could not read a conflict");
      return NULL;
    }

  row = conflict_row_from_statement (stmt);
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
  g_autoptr(Statement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_strcmp0 (chosen, "a") == 0 || g_strcmp0 (chosen, "b") == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = lease_statement (self, STMT_CHOOSE_CONFLICT, error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, conflict_id);
  bind_text (stmt, 2, chosen);

  if (!execute (self, stmt, "record a choice on a conflict", error))
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
count_for_connection (ConcordStore  *self,
                      StatementId    id,
                      gint64         connection_id,
                      const char    *what,
                      GError       **error)
{
  g_autoptr(Statement) stmt = lease_statement (self, id, error);
  gint64 count;

  if (stmt == NULL)
    return -1;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  if (!query_int64 (self, stmt, &count, what, error))
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
  g_autoptr(Statement) stmt = NULL;
  gint64 count;

  g_return_val_if_fail (CONCORD_IS_STORE (self), -1);

  if (!side_a && !side_b)
    return 0;
  if (!(stmt = lease_statement (self, STMT_COUNT_UNMATCHED, error)))
    return -1;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int (stmt, 2, side_a ? 1 : 0);
  sqlite3_bind_int (stmt, 3, side_b ? 1 : 0);
  if (!query_int64 (self, stmt, &count, "count pairs that stopped matching", error))
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
  g_autoptr(Statement) stmt = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = lease_statement (self, STMT_LIST_FAILING, error)))
    return NULL;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_failure_count_free);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ConcordFailureCount *failure = g_new0 (ConcordFailureCount, 1);

      failure->error = column_strdup (stmt, 0);
      failure->count = sqlite3_column_int64 (stmt, 1);
      failure->code = column_strdup (stmt, 2);
      failure->code_side = column_strdup (stmt, 3);
      failure->code_field = column_strdup (stmt, 4);
      g_ptr_array_add (rows, failure);
    }

  if (rc != SQLITE_DONE)
    {
      set_store_error (self, error, rc, "Could not list failures");
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
  g_autoptr(Statement) stmt = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(stmt = lease_statement (self, STMT_GET_LAST_RUN, error)))
    return NULL;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return run_row_from_statement (stmt);
  if (rc != SQLITE_DONE)
    set_store_error (self, error, rc, "Could not read the last run");
  return NULL;
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
  g_autoptr(Statement) stmt = NULL;
  int rc;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (seconds != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = lease_statement (self, STMT_GET_SCHEDULE, error)))
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
    set_store_error (self, error, rc, "Could not read a schedule");
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
  g_autoptr(Statement) stmt = NULL;

  g_return_val_if_fail (CONCORD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(stmt = lease_statement (self, STMT_SET_SCHEDULE, error)))
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
  g_autoptr(Statement) stmt = NULL;
  gint64 count;

  g_return_val_if_fail (CONCORD_IS_STORE (self), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!(stmt = lease_statement (self, STMT_COUNT_RECORDS, error)))
    return -1;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int (stmt, 2, side);

  if (!query_int64 (self, stmt, &count, "count records", error))
    return -1;

  return count;
}
