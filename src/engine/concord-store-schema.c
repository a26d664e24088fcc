/* concord-store-schema.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The schema of the state store: the migrations that take a database from
 * one version to the next, and the SQL of every prepared statement (the
 * table concord_store_lease_statement() prepares from, by
 * ConcordStoreStatementId), next to the tables it reads and writes.
 */

#define G_LOG_DOMAIN "concord-store"

#include "config.h"

#include "concord-error.h"
#include "concord-store-private.h"

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

const char * const concord_store_statement_sql[N_STATEMENTS] = {
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

gboolean
concord_store_read_user_version (ConcordStore  *self,
                                 int           *version,
                                 GError       **error)
{
  g_autoptr(ConcordStoreStatement) stmt = NULL;
  gint64 value = 0;

  if (!(stmt = concord_store_lease_statement (self, STMT_USER_VERSION, error)) ||
      !concord_store_query_int64 (self, stmt, &value, "read the schema version", error))
    return FALSE;

  *version = (int) CLAMP (value, G_MININT, G_MAXINT);
  return TRUE;
}

gboolean
concord_store_migrate (ConcordStore  *self,
                       GError       **error)
{
  gboolean savepoint;
  int version;

  if (!concord_store_operation_begin (self, &savepoint, error))
    return FALSE;

  /* Read again under the write lock: another process may have migrated
   * since the version was first checked. */
  if (!concord_store_read_user_version (self, &version, error))
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

      if (!concord_store_execute_script (self, migrations[i].sql, "migrate the database", error) ||
          !concord_store_read_user_version (self, &reached, error))
        goto fail;

      if (reached != migrations[i].version)
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                       "Migration to schema version %d left version %d",
                       migrations[i].version, reached);
          goto fail;
        }
    }

  return concord_store_operation_commit (self, savepoint, error);

fail:
  concord_store_operation_abort (self, savepoint);
  return FALSE;
}
