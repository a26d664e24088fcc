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
 * Migrations. The schema version is `PRAGMA user_version`. `migrations`
 * (concord-store-schema.c) is a list of steps, each taking the schema from
 * version N - 1 to N and ending with `PRAGMA user_version = N`; a new
 * version appends one step and raises CONCORD_STORE_SCHEMA_VERSION. All
 * pending steps run in one BEGIN IMMEDIATE transaction, so a database is
 * either fully upgraded or untouched. A file whose version is newer than
 * this build knows is refused before anything is written to it (not even
 * the switch to WAL), so an older Concord cannot damage a newer one's
 * state.
 *
 * Prepared statements. Every statement that runs more than once is prepared
 * on first use and kept in `statements`, indexed by ConcordStoreStatementId;
 * a caller "leases" it with g_autoptr(ConcordStoreStatement), and the lease
 * resets it and clears its bindings when it goes out of scope. Values are
 * always bound, never spliced into SQL text. Together with explicit
 * transactions (group a page's writes between concord_store_begin() and
 * concord_store_commit()) this is what makes bulk writes fast: hundreds of
 * thousands of rows a second.
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
 *
 * The parts. This file holds the object: opening and closing the
 * database, and transactions. The rest is in one file per part, sharing
 * concord-store-private.h: the schema and the SQL of every statement
 * (-schema.c), the helpers they all use (-helpers.c), reading and freeing
 * rows (-rows.c), accounts (-accounts.c), connections and their schedules
 * (-connections.c), the record index, links and baselines (-records.c),
 * cursors, intents and runs (-runs.c), the journal and conflicts
 * (-journal.c), and the activity view and health summary (-activity.c).
 */

#define G_LOG_DOMAIN "concord-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "concord-error.h"
#include "concord-store-private.h"

#define BUSY_TIMEOUT_MS 5000

static void concord_store_initable_iface_init (GInitableIface *iface);

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
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

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
      concord_store_set_error (self, error, rc, "Could not open the database %s", self->path);
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
  if (!concord_store_read_user_version (self, &version, &local_error))
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

  if (!concord_store_execute_script (self,
                                     "PRAGMA journal_mode = WAL;"
                                     "PRAGMA synchronous = NORMAL;"
                                     "PRAGMA foreign_keys = ON;",
                                     "configure the database", &local_error) ||
      !concord_store_migrate (self, &local_error))
    {
      g_set_error (error, CONCORD_ERROR, local_error->code,
                   "Could not prepare the database %s: %s", self->path, local_error->message);
      close_database (self);
      return FALSE;
    }

  self->schema_version = CONCORD_STORE_SCHEMA_VERSION;

  concord_store_sweep_interrupted (self);

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
  self->run_locks = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                           concord_store_run_lock_free);
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

  if (!concord_store_execute_id (self, STMT_BEGIN, "begin a transaction", error))
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

  if (!concord_store_execute_id (self, STMT_COMMIT, "commit", error))
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
      !concord_store_execute_id (self, STMT_ROLLBACK, "roll back", &error))
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
