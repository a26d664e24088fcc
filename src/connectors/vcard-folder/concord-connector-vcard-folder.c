/* concord-connector-vcard-folder.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A vCard folder: a directory of .vcf files, one card per file, in the
 * layout of vdirsyncer's "filesystem" storage (and khard's). Its contact
 * types are the folder itself (id ".") when it holds cards, or nothing at
 * all, and each sub-folder (vdirsyncer's collections; id: the sub-folder's
 * name, label: its "displayname" file when there is one). A record's
 * remote id is its file's name.
 *
 * Why not ConcordFileConnector: that base keeps one file's bytes as one
 * state, read whole and saved whole. A folder is thousands of small files,
 * each read, written and watched on its own, so this connector subclasses
 * ConcordConnector and keeps the same rules (the file is the truth, atomic
 * writes, bounded reads, own writes are not changes) per file.
 *
 * Reading. Each contact type keeps a cache: file name → the file's stat
 * (device, inode, size, modification and change times in nanoseconds), the
 * SHA-256 of its bytes, the card and its record. A file whose stat is the
 * cached one is neither read nor parsed; one whose stat changed is read,
 * and parsed only when its bytes changed (a `touch` costs a read, not a
 * parse). The change time is part of the stat because it cannot be set
 * back: a file rewritten within the same second with as many bytes, or
 * copied with its old times, still shows. The record's version is the
 * hash. A listing pages over a sorted list of the folder's cards taken by
 * its first page.
 *
 * Incremental, across processes. The cache is kept in the user's cache
 * folder, and each listing's cursor names a snapshot (name → hash) of what
 * it gave the engine (see "Persistent state"): a listing with a cursor
 * stats every card, reads only the changed ones, and lists only those, with
 * the removed files in ConcordPage.deleted. Measured on 10,000 cards
 * (concord-bench-vcard-folder, debug build): a new process's schema and
 * listing cost 0.6 s each without the state (every card read and parsed),
 * 0.11 s and 0.07 s with it, and the engine then gets no record at all
 * instead of 10,000 to compare. A cursor whose snapshot is gone gets a
 * complete listing.
 *
 * Bad files. A file that is not a card (not UTF-8, not a vCard, larger
 * than CONCORD_VCARD_MAX_BYTES) is left out alone, with a message naming
 * the file, never its contents; the rest is listed. The listing is then
 * not complete (ConcordPage.complete FALSE): a card someone is repairing
 * is not a deleted contact. Files other than *.vcf, hidden files (the
 * temporary files of Concord, vdirsyncer and editors are hidden, or end in
 * .tmp or ~), names that are not UTF-8, and symbolic links leading out of
 * the folder are ignored.
 *
 * Writing. A card is edited, never regenerated: an update reads the file as
 * it is on disk now, applies the change's fields to it
 * (concord_vcard_apply(): every property Concord does not map keeps its
 * bytes), and writes it back. When the file changed since this connector
 * read it and the change's fields differ between the two (another program
 * edited the same fields), the update fails with CONCORD_ERROR_CONFLICT, to
 * be read again and retried, never written blindly over the other edit. A
 * write goes to a hidden temporary file in the same folder, then takes the
 * card's name by rename (update) or by a rename that never replaces
 * (create: RENAME_NOREPLACE, or link() where the file system lacks it): a
 * crash leaves the old card or the new one, never half of one, and a
 * create never overwrites a card. Just before the rename, the file's stat
 * is compared with the one read: a write in between fails the update
 * (CONFLICT) instead of undoing it. The temporary files of a batch are
 * flushed together (one syncfs()) rather than one fsync() each: a batch of
 * 100 new cards costs one flush, and the folder is flushed once after the
 * renames. An update keeps the card's permissions; a new card is 0600
 * (contacts are personal data; vdirsyncer's are 0600 too). A temporary
 * file a crash left behind is removed by a listing once it is an hour old.
 *
 * New cards: vCard 3.0, or 4.0 when most of the folder's cards are 4.0; a
 * new UID (g_uuid_string_random()); the file name is the UID when it is
 * made of vdirsyncer's safe characters (letters, digits, "_.-+"), does not
 * start with '.' and is not too long, and else the SHA-256 of the UID in
 * hex: deterministic, never a path separator, never "..", never hidden.
 * A delete removes the file, unless it changed since read (CONFLICT: an
 * edit beats a delete).
 *
 * Changes. Once asked, a GFileMonitor watches the folder and its
 * sub-folders; after a second without further events (the debounce), the
 * connector compares the folders with its cache and emits "changed" only
 * when a card differs: its own writes, which the monitor reports too, are
 * in the cache already. It emits on the thread-default main context of the
 * caller of watch_changes() (the engine's).
 *
 * The I/O is synchronous, on the caller's thread (the engine's), as the
 * Sample CRM's: files are small and local. Results still arrive through
 * GTask, never inside the call.
 */

/* renameat2 (), syncfs () */
#define _GNU_SOURCE

#define G_LOG_DOMAIN "concord-connector-vcard-folder"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "concord-connector-vcard-folder-private.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-write-batch.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

#define PAGE_SIZE          500
#define MAX_BATCH          100
#define HASH_LENGTH        32      /* SHA-256 */
/* A folder with more entries than this is refused (a wrong folder chosen). */
#define MAX_FILES          500000
/* A UID longer than this is hashed into the name (NAME_MAX is 255 bytes). */
#define MAX_UID_NAME       200
#define MAX_DISPLAYNAME    1024
#define DEFAULT_DEBOUNCE   1000

typedef struct
{
  dev_t   dev;
  ino_t   ino;
  goffset size;
  gint64  mtime_ns;
  gint64  ctime_ns;
  guint   mode;      /* permissions; not compared */
} FileStamp;

/* The part of a card's hash a snapshot keeps (128 bits). */
#define SNAPSHOT_HASH_LENGTH 16
/* Snapshots kept per folder: each a cursor an engine may still hold. */
#define MAX_SNAPSHOTS        16
#define CURSOR_PREFIX        "vcf1:"

typedef struct
{
  FileStamp      stamp;
  guint8         hash[HASH_LENGTH];
  guint          version;  /* 3 or 4; 0 for a bad file */
  ConcordVCard  *card;     /* (owned) (nullable): NULL for a bad file, or one known
                            * from the persistent cache only (not read in this process) */
  gboolean       good;     /* a card: it has a record (or its serialized form) */
  ConcordRecord *record;   /* (owned) (nullable): NULL for a bad file, or not yet
                            * made from @serialized */
  GBytes        *serialized; /* (owned) (nullable): the record in the persistent cache's
                              * form, made into @record when first needed */
  gint64         modified; /* with @serialized: the record's modification time */
  char         **customs;  /* (owned) (nullable): without a card, its X- properties' names */
  char          *refused;  /* (owned) (nullable): a bad file read in this process: why */
} CardEntry;

typedef struct
{
  char       *id;          /* "." or the sub-folder's name */
  char       *dir;         /* the folder's path */
  GHashTable *cards;       /* (element-type utf8 CardEntry) */
  GPtrArray  *snapshot;    /* (element-type utf8) (nullable): the names the listing's pages list */
  GPtrArray  *all_names;   /* (element-type utf8) (nullable): every card of the folder then */
  guint       generation;  /* of the snapshot */
  gboolean    damaged;     /* the listing in progress left a file out */
  gboolean    checked;     /* while set, refresh_entry () trusts the cache's stats */
  int         dir_fd;      /* the folder, during a pass over every card; else -1 */
  gint64      schema_checked; /* when load_schema () checked every stat, until the next call */
  gint64      fresh_checked;  /* in the call right after load_schema (): its schema_checked */
  gboolean    listed;      /* a listing went to its end */

  /* Persistent state (see "Persistent state" below) */
  char       *state_dir;   /* (owned): this folder's, in the user's cache */
  gboolean    cache_loaded;
  gboolean    cache_dirty;
  char       *snapshot_id; /* (owned) (nullable): the last listing's snapshot, this connector's */
  GHashTable *snapshot_hashes; /* (owned) (nullable): its name → hash, with this connector's writes */
  gboolean    snapshot_dirty;
  /* The listing in progress */
  gboolean    incremental; /* lists only what changed since the cursor's snapshot */
  GHashTable *base;        /* (owned) (nullable): the cursor's snapshot, name → hash */
  GPtrArray  *deleted;     /* (owned) (nullable): names gone since the cursor's snapshot */
} Book;

struct _ConcordConnectorVCardFolder
{
  ConcordConnector  parent_instance;

  char             *path;      /* the folder */
  char             *real_path; /* (nullable): the folder, symbolic links resolved */
  char             *region;    /* (nullable): ISO 3166 code for phone numbers */
  GHashTable       *books;     /* (element-type utf8 Book) */
  GHashTable       *known_specs; /* keys a card maps */
  char             *state_root;  /* where each folder's persistent state goes */

  GHashTable       *monitors;  /* (element-type utf8 GFileMonitor): dir → monitor */
  GMainContext     *context;   /* (owned) (nullable): where "changed" is emitted */
  GSource          *debounce;  /* (owned) (nullable) */
  guint             debounce_ms;

  ConcordVCardFolderCommitHook commit_hook;
  gpointer                     commit_hook_data;
};

G_DEFINE_FINAL_TYPE (ConcordConnectorVCardFolder, concord_connector_vcard_folder,
                     CONCORD_TYPE_CONNECTOR)

/* ------------------------------------------------------------------------- */
/* Entries and books                                                         */
/* ------------------------------------------------------------------------- */

static void
card_entry_free (CardEntry *entry)
{
  g_clear_pointer (&entry->card, concord_vcard_free);
  g_clear_pointer (&entry->record, concord_record_unref);
  g_clear_pointer (&entry->serialized, g_bytes_unref);
  g_strfreev (entry->customs);
  g_free (entry->refused);
  g_free (entry);
}

static void
book_free (Book *book)
{
  g_free (book->id);
  g_free (book->dir);
  g_hash_table_unref (book->cards);
  g_clear_pointer (&book->snapshot, g_ptr_array_unref);
  g_clear_pointer (&book->all_names, g_ptr_array_unref);
  g_free (book->state_dir);
  g_free (book->snapshot_id);
  g_clear_pointer (&book->snapshot_hashes, g_hash_table_unref);
  g_clear_pointer (&book->base, g_hash_table_unref);
  g_clear_pointer (&book->deleted, g_ptr_array_unref);
  g_free (book);
}

static void
stamp_from_stat (FileStamp         *stamp,
                 const struct stat *st)
{
  stamp->dev = st->st_dev;
  stamp->ino = st->st_ino;
  stamp->size = st->st_size;
  stamp->mtime_ns = (gint64) st->st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st->st_mtim.tv_nsec;
  stamp->ctime_ns = (gint64) st->st_ctim.tv_sec * G_GINT64_CONSTANT (1000000000) + st->st_ctim.tv_nsec;
  stamp->mode = st->st_mode & 07777;
}

static gboolean
stamp_equal (const FileStamp *a,
             const FileStamp *b)
{
  return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
         a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

static void
hash_data (const char *data,
           gsize       length,
           guint8      hash[HASH_LENGTH])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize n = HASH_LENGTH;

  g_checksum_update (checksum, (const guchar *) data, (gssize) length);
  g_checksum_get_digest (checksum, hash, &n);
}

static char *
hash_to_version (const guint8 hash[HASH_LENGTH])
{
  /* 128 bits: ample for a version. */
  static const char hex[] = "0123456789abcdef";
  char *version = g_malloc (33);

  for (guint i = 0; i < 16; i++)
    {
      version[2 * i] = hex[hash[i] >> 4];
      version[2 * i + 1] = hex[hash[i] & 0xf];
    }
  version[32] = '\0';
  return version;
}

/* Whether @name is a card's file in a folder: *.vcf, not hidden, not a
 * temporary or backup file, UTF-8 (it becomes a remote id). */
static gboolean
is_card_name (const char *name)
{
  gsize length = strlen (name);

  if (length <= 4 || name[0] == '.' || strchr (name, '/') != NULL)
    return FALSE;
  if (g_ascii_strcasecmp (name + length - 4, ".vcf") != 0)
    return FALSE;
  return g_utf8_validate (name, (gssize) length, NULL);
}

/* Whether @name may be a contact type: "." or a sub-folder's plain name. */
static gboolean
is_book_name (const char *name)
{
  if (g_strcmp0 (name, CONCORD_VCARD_FOLDER_SELF) == 0)
    return TRUE;
  return name != NULL && *name != '\0' && name[0] != '.' && strchr (name, '/') == NULL &&
         strlen (name) < 256 && g_utf8_validate (name, -1, NULL);
}

/* Whether @path, a symbolic link's target, lies inside the folder. */
static gboolean
is_inside (ConcordConnectorVCardFolder *self,
           const char                  *path)
{
  g_autofree char *real = realpath (path, NULL);
  gsize length;

  if (real == NULL || self->real_path == NULL)
    return FALSE;
  length = strlen (self->real_path);
  return strncmp (real, self->real_path, length) == 0 && real[length] == G_DIR_SEPARATOR;
}

/* Stats @name in @dir: a regular file (or a link to one inside the folder).
 * Sets *followed when it is reached through a link. */
static gboolean
stat_card (ConcordConnectorVCardFolder *self,
           int                          dir_fd,
           const char                  *dir,
           const char                  *name,
           struct stat                 *st,
           gboolean                    *followed)
{
  *followed = FALSE;

  if (fstatat (dir_fd, name, st, AT_SYMLINK_NOFOLLOW) != 0)
    return FALSE;

  if (S_ISLNK (st->st_mode))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (!is_inside (self, path) || fstatat (dir_fd, name, st, 0) != 0)
        return FALSE;
      *followed = TRUE;
    }

  return S_ISREG (st->st_mode);
}

/* The display name of a folder: its "displayname" file's first line. */
static char *
read_displayname (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "displayname", NULL);
  g_autofree char *contents = NULL;
  gsize length = 0;
  GStatBuf st;
  char *newline;

  if (g_lstat (path, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > MAX_DISPLAYNAME)
    return NULL;
  if (!g_file_get_contents (path, &contents, &length, NULL) ||
      !g_utf8_validate (contents, (gssize) length, NULL) || memchr (contents, '\0', length) != NULL)
    return NULL;

  newline = strchr (contents, '\n');
  if (newline != NULL)
    *newline = '\0';
  g_strstrip (contents);
  if (*contents == '\0')
    return NULL;

  return g_steal_pointer (&contents);
}

/* The book of @contact_type, or NULL with @error set. */
static Book *
get_book (ConcordConnectorVCardFolder  *self,
          const char                   *contact_type,
          GError                      **error)
{
  g_autofree char *dir = NULL;
  Book *book;
  GStatBuf st;

  if (!is_book_name (contact_type))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                   "The folder has no address book “%s”", contact_type);
      return NULL;
    }

  if (g_stat (self->path, &st) != 0 || !S_ISDIR (st.st_mode))
    {
      g_autofree char *name = g_filename_display_name (self->path);

      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                   /* Translators: the placeholder is a folder's path */
                   _("The folder “%s” cannot be opened"), name);
      return NULL;
    }
  if (self->real_path == NULL)
    self->real_path = realpath (self->path, NULL);

  if (g_str_equal (contact_type, CONCORD_VCARD_FOLDER_SELF))
    dir = g_strdup (self->path);
  else
    {
      dir = g_build_filename (self->path, contact_type, NULL);
      if (g_lstat (dir, &st) != 0 ||
          !(S_ISDIR (st.st_mode) || (S_ISLNK (st.st_mode) && is_inside (self, dir) &&
                                     g_stat (dir, &st) == 0 && S_ISDIR (st.st_mode))))
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                       "The folder has no address book “%s”", contact_type);
          return NULL;
        }
    }

  book = g_hash_table_lookup (self->books, contact_type);
  if (book != NULL)
    return book;

  book = g_new0 (Book, 1);
  book->dir_fd = -1;
  book->id = g_strdup (contact_type);
  book->dir = g_steal_pointer (&dir);
  book->cards = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) card_entry_free);
  {
    g_autofree char *real = realpath (book->dir, NULL);
    g_autofree char *key = g_compute_checksum_for_string (G_CHECKSUM_SHA256,
                                                          real != NULL ? real : book->dir, -1);

    book->state_dir = g_build_filename (self->state_root, key, NULL);
  }
  g_hash_table_insert (self->books, book->id, book);

  return book;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Whether @name in @dir_fd is a temporary file of a write of this
 * connector (".NAME.vcf.XXXXXX", see write_temp()) left by a crash: an
 * hour old at least, so never one a running write still uses. */
static gboolean
is_stale_temp (int         dir_fd,
               const char *name)
{
  gsize length = strlen (name);
  struct stat st;

  if (name[0] != '.' || length < 13 || name[length - 7] != '.' ||
      g_ascii_strncasecmp (name + length - 11, ".vcf", 4) != 0)
    return FALSE;
  for (gsize i = length - 6; i < length; i++)
    if (!g_ascii_isalnum (name[i]))
      return FALSE;

  if (fstatat (dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG (st.st_mode))
    return FALSE;
  return (gint64) st.st_mtime < g_get_real_time () / G_USEC_PER_SEC - 3600;
}

/* The names of the cards in @book's folder, sorted. Removes the
 * temporary files of writes a crash left behind. */
static GPtrArray *
scan_book (Book    *book,
           GError **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  DIR *dir;
  struct dirent *entry;
  guint n_entries = 0;

  dir = opendir (book->dir);
  if (dir == NULL)
    {
      int saved_errno = errno;
      g_autofree char *name = g_filename_display_name (book->dir);

      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                   /* Translators: the first %s is a folder's name, the second says why (a system error) */
                   _("Could not read the folder “%s”: %s"), name, g_strerror (saved_errno));
      return NULL;
    }

  while ((entry = readdir (dir)) != NULL)
    {
      if (++n_entries > MAX_FILES)
        {
          g_autofree char *name = g_filename_display_name (book->dir);

          closedir (dir);
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE,
                       /* Translators: a folder's path, and a number */
                       _("The folder “%s” holds more than %u files"), name, MAX_FILES);
          return NULL;
        }
      if (entry->d_type != DT_REG && entry->d_type != DT_LNK && entry->d_type != DT_UNKNOWN)
        continue;
      if (is_stale_temp (dirfd (dir), entry->d_name))
        {
          /* A write that never finished (a crash before its rename). */
          unlinkat (dirfd (dir), entry->d_name, 0);
          continue;
        }
      if (!is_card_name (entry->d_name))
        continue;
      g_ptr_array_add (names, g_strdup (entry->d_name));
    }
  closedir (dir);

  g_ptr_array_sort (names, compare_names);
  return g_steal_pointer (&names);
}

/* Reads the file @name of @book: its bytes (at most the bound of a card)
 * and its stat. Returns NULL with *missing set when there is no such file
 * (or it is not one this connector reads). */
static char *
read_card_file (ConcordConnectorVCardFolder  *self,
                Book                         *book,
                const char                   *name,
                gsize                        *length,
                FileStamp                    *stamp,
                gboolean                     *missing,
                GError                      **error)
{
  g_autofree char *path = g_build_filename (book->dir, name, NULL);
  g_autofree char *data = NULL;
  struct stat st;
  gboolean followed = FALSE;
  gsize capacity, n_read = 0;
  int dir_fd, fd;

  *missing = FALSE;

  dir_fd = open (book->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0 || !stat_card (self, dir_fd, book->dir, name, &st, &followed))
    {
      if (dir_fd >= 0)
        close (dir_fd);
      *missing = TRUE;
      return NULL;
    }

  fd = openat (dir_fd, name, O_RDONLY | O_CLOEXEC | (followed ? 0 : O_NOFOLLOW));
  close (dir_fd);
  if (fd < 0)
    {
      int saved_errno = errno;

      if (saved_errno == ENOENT || saved_errno == ELOOP)
        {
          *missing = TRUE;
          return NULL;
        }
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                   /* Translators: the first placeholder is a file name */
                   _("Could not read “%s”: %s"), name, g_strerror (saved_errno));
      return NULL;
    }

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      *missing = TRUE;
      return NULL;
    }
  stamp_from_stat (stamp, &st);

  if (st.st_size > CONCORD_VCARD_MAX_BYTES)
    {
      g_autofree char *size = g_format_size ((guint64) st.st_size);

      close (fd);
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE,
                   /* Translators: a file name and its size, such as "3.1 MB" */
                   _("“%s” is too large for a contact (%s)"), name, size);
      return NULL;
    }

  /* One byte past the size tells a file that grows while it is read. */
  capacity = (gsize) st.st_size + 1;
  data = g_malloc (capacity + 1);
  for (;;)
    {
      gssize n = read (fd, data + n_read, capacity - n_read);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          close (fd);
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                       _("Could not read “%s”: %s"), name, g_strerror (saved_errno));
          return NULL;
        }
      if (n == 0)
        break;
      n_read += (gsize) n;
      if (n_read == capacity)
        {
          if (capacity > CONCORD_VCARD_MAX_BYTES)
            {
              close (fd);
              g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE,
                           /* Translators: %s is a file's name */
                           _("“%s” is too large for a contact"), name);
              return NULL;
            }
          capacity = MIN (capacity * 2, (gsize) CONCORD_VCARD_MAX_BYTES + 1);
          data = g_realloc (data, capacity + 1);
        }
    }
  close (fd);

  data[n_read] = '\0';
  *length = n_read;
  return g_steal_pointer (&data);
}

/* A record for @card, as listed: its file name, its version. */
static ConcordRecord *
record_for (ConcordConnectorVCardFolder *self,
            const ConcordVCard          *card,
            const char                  *name,
            const CardEntry             *entry)
{
  ConcordRecord *record = concord_vcard_to_record (card, name, self->region);
  g_autofree char *version = hash_to_version (entry->hash);

  concord_record_set_remote_id (record, name);
  concord_record_set_version (record, version);
  if (concord_record_get_modified (record) == 0)
    concord_record_set_modified (record, entry->stamp.mtime_ns / 1000000000);

  return record;
}

/* Brings the cache entry of @name up to the file. Returns the entry
 * (possibly a bad file's, with no card), or NULL when there is no such
 * file (then the entry is gone) or it cannot be read (@error set). A bad
 * file is reported once per change, naming the file. */
static CardEntry *
refresh_entry (ConcordConnectorVCardFolder  *self,
               Book                         *book,
               const char                   *name,
               GError                      **error)
{
  CardEntry *entry = g_hash_table_lookup (book->cards, name);
  g_autofree char *data = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ConcordVCard) card = NULL;
  guint8 hash[HASH_LENGTH];
  FileStamp stamp;
  gsize length = 0;
  gboolean missing = FALSE;

  if (entry != NULL && book->checked)
    return entry;   /* checked by the schema just before (see refresh_book ()) */

  if (entry != NULL)
    {
      struct stat st;
      int status;

      /* The cheap check: the file's stat is the one read (relative to the
       * folder when a pass over it holds it open: no path to walk). */
      if (book->dir_fd >= 0)
        status = fstatat (book->dir_fd, name, &st, 0);
      else
        {
          g_autofree char *path = g_build_filename (book->dir, name, NULL);

          status = g_stat (path, &st);
        }
      if (status == 0)
        {
          FileStamp now;

          stamp_from_stat (&now, &st);
          if (stamp_equal (&now, &entry->stamp))
            return entry;
        }
    }

  data = read_card_file (self, book, name, &length, &stamp, &missing, &local_error);
  if (missing)
    {
      if (g_hash_table_remove (book->cards, name))
        book->cache_dirty = TRUE;
      return NULL;
    }

  if (data == NULL && local_error->code != CONCORD_ERROR_TOO_LARGE)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (data != NULL)
    {
      hash_data (data, length, hash);
      /* The same bytes: the same entry (not one whose cached record was
       * damaged: a good card then, version 3 or 4, read again now). */
      if (entry != NULL && (entry->good || entry->version == 0) &&
          memcmp (hash, entry->hash, HASH_LENGTH) == 0)
        {
          entry->stamp = stamp;
          book->cache_dirty = TRUE;
          return entry;
        }
      card = concord_vcard_parse (data, (gssize) length, &local_error);
    }
  else
    memset (hash, 0, HASH_LENGTH);

  entry = g_new0 (CardEntry, 1);
  entry->stamp = stamp;
  memcpy (entry->hash, hash, HASH_LENGTH);
  if (card != NULL)
    {
      entry->version = concord_vcard_get_version (card);
      entry->record = record_for (self, card, name, entry);
      entry->good = TRUE;
      entry->card = g_steal_pointer (&card);
    }
  else
    {
      g_autofree char *folder = g_filename_display_basename (book->dir);

      /* The message names the file; the vCard layer's never holds a value. */
      g_message ("Left out “%s” of the folder “%s”: %s", name, folder, local_error->message);
      entry->refused = g_strdup (local_error->message);
    }
  g_hash_table_replace (book->cards, g_strdup (name), entry);
  book->cache_dirty = TRUE;

  return entry;
}

/* ------------------------------------------------------------------------- */
/* Persistent state                                                          */
/* ------------------------------------------------------------------------- */

/*
 * What a new process would otherwise pay again, kept in the user's cache
 * folder (one folder per card folder, named by the SHA-256 of its path):
 *
 * "cache": the entries (stat, hash, version, record, X- property names) of
 * the cards read, so a new connector (a concord-cli run, the app started
 * again) reads and parses only the cards whose stat changed. It is a cache
 * and only that: an entry is used only while the file's stat is the one
 * stored, and a missing or damaged cache file is an empty cache.
 *
 * "<id>.snapshot": what one listing gave the engine, name → hash, and so
 * the meaning of the cursor "vcf1:<id>" it handed out. A listing with that
 * cursor reports only the cards whose hash differs from the snapshot's
 * (new ones too), and in ConcordPage.deleted the names the snapshot has
 * and the folder no longer does. The snapshot of the connector's last
 * listing also takes the cards it writes afterwards (the engine knows
 * those), so the next run does not see its own writes as changes. Ids are
 * random: two listings never share a snapshot, whatever process made them.
 * A cursor whose snapshot is gone (the cache emptied; only the newest
 * MAX_SNAPSHOTS are kept) gets a complete listing instead.
 */

static char **
entry_custom_names (const CardEntry *entry)
{
  g_autoptr(GHashTable) specs = NULL;
  g_autoptr(GPtrArray) names = NULL;
  GHashTableIter iter;
  gpointer value;

  if (entry->card == NULL)
    return g_strdupv (entry->customs);

  specs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                 (GDestroyNotify) concord_field_spec_free);
  concord_vcard_collect_custom (entry->card, specs);
  if (g_hash_table_size (specs) == 0)
    return NULL;

  names = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, specs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (names, g_strdup (((ConcordFieldSpec *) value)->label));
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

/* Writes @bytes to @name in @book's state folder: a temporary file
 * renamed over it, never flushed to the disk (a cache: after a power
 * failure, a damaged file is an empty cache). */
static void
write_state_file (Book       *book,
                  const char *name,
                  GByteArray *bytes)
{
  g_autofree char *path = g_build_filename (book->state_dir, name, NULL);
  g_autofree char *temp = g_strconcat (path, ".XXXXXX", NULL);
  gsize written = 0;
  int saved_errno = 0;
  int fd;

  if (g_mkdir_with_parents (book->state_dir, 0700) != 0 ||
      (fd = g_mkstemp_full (temp, O_RDWR | O_CLOEXEC, 0600)) < 0)
    {
      g_debug ("Cannot keep a vCard folder's state: %s", g_strerror (errno));
      return;
    }
  while (written < bytes->len && saved_errno == 0)
    {
      gssize n = write (fd, bytes->data + written, bytes->len - written);

      if (n < 0 && errno != EINTR)
        saved_errno = errno;
      else if (n > 0)
        written += (gsize) n;
    }
  if (close (fd) != 0 && saved_errno == 0)
    saved_errno = errno;
  if (saved_errno == 0 && g_rename (temp, path) != 0)
    saved_errno = errno;
  if (saved_errno != 0)
    {
      g_unlink (temp);
      g_debug ("Cannot keep a vCard folder's state: %s", g_strerror (saved_errno));
    }
}

/* The state files: a magic line, a byte-order mark, then records of
 * native-endian integers and length-prefixed strings. Read through a
 * bounded reader: a damaged file is an empty state, never a crash. */
#define CACHE_MAGIC    "concord-vcard-folder-cache-2\n"
#define SNAPSHOT_MAGIC "concord-vcard-folder-snapshot-2\n"
#define BYTE_ORDER_MARK 0x01020304u
/* Bounds of what a state file may hold */
#define MAX_STATE_BYTES (512 * 1024 * 1024)
#define MAX_NAME_BYTES  4096

typedef struct
{
  const guint8 *p;
  const guint8 *end;
} StateReader;

static gboolean
state_read (StateReader *r,
            void        *dest,
            gsize        n)
{
  if ((gsize) (r->end - r->p) < n)
    return FALSE;
  memcpy (dest, r->p, n);
  r->p += n;
  return TRUE;
}

/* A length-prefixed string (not NUL-terminated in the file), or NULL. */
static char *
state_read_string (StateReader *r,
                   guint32      max)
{
  guint32 length;
  char *text;

  if (!state_read (r, &length, sizeof length) || length > max || (gsize) (r->end - r->p) < length)
    return NULL;
  text = g_strndup ((const char *) r->p, length);
  r->p += length;
  if (strlen (text) != length || !g_utf8_validate (text, length, NULL))
    {
      g_free (text);
      return NULL;
    }
  return text;
}

static void
state_write (GByteArray *out,
             const void *data,
             gsize       n)
{
  g_byte_array_append (out, data, (guint) n);
}

static void
state_write_u32 (GByteArray *out,
                 guint32     value)
{
  state_write (out, &value, sizeof value);
}

static void
state_write_string (GByteArray *out,
                    const char *text)
{
  state_write_u32 (out, (guint32) strlen (text));
  state_write (out, text, strlen (text));
}

/* The state file @name of @book, mapped, after its @magic; or NULL. */
static GMappedFile *
open_state_file (Book        *book,
                 const char  *name,
                 const char  *magic,
                 StateReader *r)
{
  g_autofree char *path = g_build_filename (book->state_dir, name, NULL);
  g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, NULL);
  gsize magic_length = strlen (magic);
  guint32 mark = 0;

  if (file == NULL || g_mapped_file_get_length (file) > MAX_STATE_BYTES)
    return NULL;
  r->p = (const guint8 *) g_mapped_file_get_contents (file);
  r->end = r->p + g_mapped_file_get_length (file);
  if ((gsize) (r->end - r->p) < magic_length || memcmp (r->p, magic, magic_length) != 0)
    return NULL;
  r->p += magic_length;
  if (!state_read (r, &mark, sizeof mark) || mark != BYTE_ORDER_MARK)
    return NULL;
  return g_steal_pointer (&file);
}

static void
save_cache (Book *book)
{
  g_autoptr(GByteArray) out = g_byte_array_sized_new (256 * g_hash_table_size (book->cards) + 64);
  GHashTableIter iter;
  gpointer key, value;

  state_write (out, CACHE_MAGIC, strlen (CACHE_MAGIC));
  state_write_u32 (out, BYTE_ORDER_MARK);
  g_hash_table_iter_init (&iter, book->cards);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const CardEntry *entry = value;
      g_auto(GStrv) customs = NULL;
      g_autoptr(GBytes) record = NULL;
      guint64 stamp[3] = { entry->stamp.dev, entry->stamp.ino, (guint64) entry->stamp.size };
      gint64 times[3] = { entry->stamp.mtime_ns, entry->stamp.ctime_ns,
                          entry->record != NULL ? concord_record_get_modified (entry->record)
                                                : entry->modified };

      if (entry->stamp.ino == 0)
        continue;   /* to be read again */
      customs = entry_custom_names (entry);
      if (entry->record != NULL)
        record = concord_record_serialize (entry->record, NULL, 0);
      else if (entry->serialized != NULL)
        record = g_bytes_ref (entry->serialized);

      state_write_string (out, key);
      state_write (out, stamp, sizeof stamp);
      state_write (out, times, sizeof times);
      state_write_u32 (out, entry->stamp.mode);
      state_write (out, entry->hash, HASH_LENGTH);
      state_write_u32 (out, entry->version);
      state_write_u32 (out, record != NULL ? (guint32) g_bytes_get_size (record) : 0);
      if (record != NULL)
        state_write (out, g_bytes_get_data (record, NULL), g_bytes_get_size (record));
      state_write_u32 (out, customs != NULL ? g_strv_length (customs) : 0);
      for (guint i = 0; customs != NULL && customs[i] != NULL; i++)
        state_write_string (out, customs[i]);
    }

  write_state_file (book, "cache", out);
  book->cache_dirty = FALSE;
}

/* Fills @book's cache from the persistent one: entries a listing then
 * trusts only while the file's stat is the one stored. */
static void
load_cache (Book *book)
{
  g_autoptr(GMappedFile) file = NULL;
  StateReader r;

  book->cache_loaded = TRUE;
  file = open_state_file (book, "cache", CACHE_MAGIC, &r);
  if (file == NULL)
    return;

  while (r.p < r.end)
    {
      g_autofree char *name = state_read_string (&r, MAX_NAME_BYTES);
      g_autoptr(GPtrArray) customs = g_ptr_array_new_with_free_func (g_free);
      guint64 stamp[3];
      gint64 times[3];
      guint32 mode, version, record_length, n_customs;
      guint8 hash[HASH_LENGTH];
      const guint8 *record_data;
      CardEntry *entry;

      if (name == NULL || !state_read (&r, stamp, sizeof stamp) || !state_read (&r, times, sizeof times) ||
          !state_read (&r, &mode, sizeof mode) || !state_read (&r, hash, HASH_LENGTH) ||
          !state_read (&r, &version, sizeof version) ||
          !state_read (&r, &record_length, sizeof record_length) ||
          (gsize) (r.end - r.p) < record_length)
        return;   /* damaged: what was read is kept, each entry checked by its stat */
      record_data = r.p;
      r.p += record_length;
      if (!state_read (&r, &n_customs, sizeof n_customs) || n_customs > 10000)
        return;
      for (guint32 i = 0; i < n_customs; i++)
        {
          char *custom = state_read_string (&r, MAX_NAME_BYTES);

          if (custom == NULL)
            return;
          g_ptr_array_add (customs, custom);
        }

      if (!is_card_name (name) || g_hash_table_contains (book->cards, name) || stamp[1] == 0)
        continue;

      entry = g_new0 (CardEntry, 1);
      entry->stamp.dev = (dev_t) stamp[0];
      entry->stamp.ino = (ino_t) stamp[1];
      entry->stamp.size = (goffset) stamp[2];
      entry->stamp.mtime_ns = times[0];
      entry->stamp.ctime_ns = times[1];
      entry->stamp.mode = mode & 07777;
      entry->version = version == 3 || version == 4 ? version : 0;
      memcpy (entry->hash, hash, HASH_LENGTH);
      if (record_length > 0)
        {
          /* Made into a record only when listed (entry_get_record ()). */
          entry->serialized = g_bytes_new (record_data, record_length);
          entry->modified = times[2];
          entry->good = TRUE;
        }
      if (customs->len > 0)
        {
          g_ptr_array_add (customs, NULL);
          entry->customs = (char **) g_ptr_array_free (g_steal_pointer (&customs), FALSE);
        }
      g_hash_table_insert (book->cards, g_steal_pointer (&name), entry);
    }
}

static void
ensure_cache (Book *book)
{
  if (!book->cache_loaded)
    load_cache (book);
}

/* The record of a good entry, made from the persistent cache's form on
 * first use; NULL when that form is damaged (the entry is then read again). */
static ConcordRecord *
entry_get_record (CardEntry  *entry,
                  const char *name)
{
  g_autofree char *version = NULL;
  gsize length = 0;
  const guint8 *data;

  if (entry->record != NULL || !entry->good || entry->serialized == NULL)
    return entry->record;

  data = g_bytes_get_data (entry->serialized, &length);
  entry->record = concord_record_new_from_serialized (data, length);
  g_clear_pointer (&entry->serialized, g_bytes_unref);
  if (entry->record == NULL)
    {
      entry->good = FALSE;
      memset (&entry->stamp, 0, sizeof entry->stamp);
      return NULL;
    }
  version = hash_to_version (entry->hash);
  concord_record_set_remote_id (entry->record, name);
  concord_record_set_version (entry->record, version);
  concord_record_set_modified (entry->record, entry->modified);
  return entry->record;
}

static GByteArray *
snapshot_to_bytes (GHashTable *hashes)
{
  GByteArray *out = g_byte_array_sized_new (64 * g_hash_table_size (hashes) + 64);
  GHashTableIter iter;
  gpointer key, value;

  state_write (out, SNAPSHOT_MAGIC, strlen (SNAPSHOT_MAGIC));
  state_write_u32 (out, BYTE_ORDER_MARK);
  g_hash_table_iter_init (&iter, hashes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      state_write_string (out, key);
      state_write (out, value, SNAPSHOT_HASH_LENGTH);
    }
  return out;
}

static gboolean
is_snapshot_id (const char *id)
{
  return id != NULL && g_uuid_string_is_valid (id);
}

/* The snapshot of cursor @cursor: name → hash, or NULL (no such snapshot
 * or not a cursor of this connector). */
static GHashTable *
load_snapshot (Book       *book,
               const char *cursor)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autofree char *name = NULL;
  GHashTable *snapshot;
  const char *id;
  StateReader r;

  if (cursor == NULL || !g_str_has_prefix (cursor, CURSOR_PREFIX))
    return NULL;
  id = cursor + strlen (CURSOR_PREFIX);
  if (!is_snapshot_id (id))
    return NULL;

  snapshot = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* This connector's own last snapshot is in memory, with its writes. */
  if (g_strcmp0 (id, book->snapshot_id) == 0 && book->snapshot_hashes != NULL)
    {
      GHashTableIter it;
      gpointer k, v;

      g_hash_table_iter_init (&it, book->snapshot_hashes);
      while (g_hash_table_iter_next (&it, &k, &v))
        g_hash_table_insert (snapshot, g_strdup (k), g_memdup2 (v, SNAPSHOT_HASH_LENGTH));
      return snapshot;
    }

  name = g_strconcat (id, ".snapshot", NULL);
  file = open_state_file (book, name, SNAPSHOT_MAGIC, &r);
  if (file == NULL)
    {
      g_hash_table_unref (snapshot);
      return NULL;
    }
  while (r.p < r.end)
    {
      char *key = state_read_string (&r, MAX_NAME_BYTES);
      guint8 hash[SNAPSHOT_HASH_LENGTH];

      if (key == NULL || !state_read (&r, hash, SNAPSHOT_HASH_LENGTH))
        {
          /* Damaged: not a cursor to trust. */
          g_free (key);
          g_hash_table_unref (snapshot);
          return NULL;
        }
      if (is_card_name (key))
        g_hash_table_insert (snapshot, key, g_memdup2 (hash, SNAPSHOT_HASH_LENGTH));
      else
        g_free (key);
    }

  return snapshot;
}

static int
compare_mtime_desc (gconstpointer a,
                    gconstpointer b)
{
  const GStatBuf *sa = *(GStatBuf * const *) a;
  const GStatBuf *sb = *(GStatBuf * const *) b;

  return sa->st_mtime < sb->st_mtime ? 1 : sa->st_mtime > sb->st_mtime ? -1 : 0;
}

/* Keeps the newest MAX_SNAPSHOTS snapshots of @book. */
static void
prune_snapshots (Book *book)
{
  g_autoptr(GDir) dir = g_dir_open (book->state_dir, 0, NULL);
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      GStatBuf *st;

      if (!g_str_has_suffix (name, ".snapshot"))
        continue;
      path = g_build_filename (book->state_dir, name, NULL);
      /* A GStatBuf followed by the path, in one block. */
      st = g_malloc0 (sizeof (GStatBuf) + strlen (path) + 1);
      strcpy ((char *) (st + 1), path);
      if (g_stat (path, st) == 0)
        g_ptr_array_add (found, st);
      else
        g_free (st);
    }

  g_ptr_array_sort (found, compare_mtime_desc);
  for (guint i = MAX_SNAPSHOTS; i < found->len; i++)
    g_unlink ((const char *) ((GStatBuf *) g_ptr_array_index (found, i) + 1));
}

/* Writes what changed of @book's state: at the end of a listing, and when
 * the connector goes (what it wrote since). A process that dies first
 * leaves the state of its last listing: its writes are then read again
 * and, in an incremental listing, listed as changes, which the engine
 * finds equal to what it wrote. */
static void
save_state (Book *book)
{
  if (book->cache_dirty)
    save_cache (book);
  if (book->snapshot_dirty && book->snapshot_id != NULL)
    {
      g_autofree char *name = g_strconcat (book->snapshot_id, ".snapshot", NULL);

      g_autoptr(GByteArray) bytes = snapshot_to_bytes (book->snapshot_hashes);

      write_state_file (book, name, bytes);
      book->snapshot_dirty = FALSE;
    }
}

/* After a write: the last listing's snapshot takes what the engine now
 * knows of @name (@hash NULL: deleted). */
static void
snapshot_note (Book         *book,
               const char   *name,
               const guint8 *hash)
{
  book->cache_dirty = TRUE;
  if (book->snapshot_hashes == NULL)
    return;
  if (hash != NULL)
    g_hash_table_insert (book->snapshot_hashes, g_strdup (name),
                         g_memdup2 (hash, SNAPSHOT_HASH_LENGTH));
  else
    g_hash_table_remove (book->snapshot_hashes, name);
  book->snapshot_dirty = TRUE;
}

/* ------------------------------------------------------------------------- */
/* Names and versions of new cards                                           */
/* ------------------------------------------------------------------------- */

/* vdirsyncer's safe characters (vdirsyncer/utils.py, SAFE_UID_CHARS) */
static gboolean
is_safe_uid (const char *uid)
{
  gsize length = strlen (uid);

  if (length == 0 || length > MAX_UID_NAME || uid[0] == '.')
    return FALSE;
  for (const char *p = uid; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("_.-+", *p) == NULL)
      return FALSE;
  return TRUE;
}

char *
_concord_vcard_folder_file_name_for_uid (const char *uid)
{
  g_autofree char *hash = NULL;

  if (uid != NULL && is_safe_uid (uid))
    return g_strconcat (uid, ".vcf", NULL);

  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, uid != NULL ? uid : "", -1);
  return g_strconcat (hash, ".vcf", NULL);
}

/* 4 when most cards the book holds (or, before any listing, its first
 * cards) are vCard 4.0, else 3. */
static guint
book_version (ConcordConnectorVCardFolder *self,
              Book                        *book)
{
  GHashTableIter iter;
  gpointer value;
  guint n3 = 0, n4 = 0;

  if (g_hash_table_size (book->cards) == 0)
    {
      g_autoptr(GPtrArray) names = scan_book (book, NULL);

      for (guint i = 0; names != NULL && i < MIN (names->len, 16); i++)
        refresh_entry (self, book, g_ptr_array_index (names, i), NULL);
    }

  g_hash_table_iter_init (&iter, book->cards);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      CardEntry *entry = value;

      if (entry->version == 4)
        n4++;
      else if (entry->version != 0)
        n3++;
    }

  return n4 > n3 ? 4 : 3;
}

/* ------------------------------------------------------------------------- */
/* Writing                                                                   */
/* ------------------------------------------------------------------------- */

/**
 * PendingWrite:
 *
 * One card of a write batch on its way to the disk: written to a hidden
 * temporary file first, then renamed onto its name.
 */
typedef struct
{
  guint          index;       /* the input's */
  char          *name;        /* the card's file name */
  char          *temp;        /* (nullable): the temporary file's path */
  gboolean       create;      /* never replace a file */
  gboolean       have_stamp;  /* update: the stat of the file the card was read from */
  FileStamp      stamp;
  ConcordVCard  *card;        /* (owned): the card written */
  char          *data;        /* (owned) */
  gsize          length;
} PendingWrite;

static void
pending_write_free (PendingWrite *pending)
{
  if (pending->temp != NULL)
    g_unlink (pending->temp);
  g_free (pending->temp);
  g_free (pending->name);
  g_clear_pointer (&pending->card, concord_vcard_free);
  g_free (pending->data);
  g_free (pending);
}

static GError *
write_error (const char *name,
             int         saved_errno)
{
  return g_error_new (CONCORD_ERROR, CONCORD_ERROR_FAILED,
                      /* Translators: the first placeholder is a file name */
                      _("Could not save “%s”: %s"), name, g_strerror (saved_errno));
}

/* Writes @pending's bytes to a hidden temporary file in @book's folder. */
static gboolean
write_temp (Book          *book,
            PendingWrite  *pending,
            GError       **error)
{
  g_autofree char *template = g_strdup_printf ("%s%c.%s.XXXXXX", book->dir, G_DIR_SEPARATOR,
                                               pending->name);
  gsize written = 0;
  int fd;

  fd = g_mkstemp_full (template, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      g_propagate_error (error, write_error (pending->name, errno));
      return FALSE;
    }

  while (written < pending->length)
    {
      gssize n = write (fd, pending->data + written, pending->length - written);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          close (fd);
          g_unlink (template);
          g_propagate_error (error, write_error (pending->name, saved_errno));
          return FALSE;
        }
      written += (gsize) n;
    }

  /* An update keeps the card's permissions; a new card is the user's
   * alone (0600, as vdirsyncer's are): contacts are personal data. */
  if (pending->have_stamp)
    fchmod (fd, pending->stamp.mode);
  if (close (fd) != 0)
    {
      int saved_errno = errno;

      g_unlink (template);
      g_propagate_error (error, write_error (pending->name, saved_errno));
      return FALSE;
    }

  pending->temp = g_steal_pointer (&template);
  return TRUE;
}

/* Gives @pending's temporary file its name: never over another file for a
 * create; only over the file as it was read for an update. */
static gboolean
commit_write (ConcordConnectorVCardFolder  *self,
              Book                         *book,
              PendingWrite                 *pending,
              GError                      **error)
{
  g_autofree char *path = g_build_filename (book->dir, pending->name, NULL);

  if (self->commit_hook != NULL)
    self->commit_hook (path, self->commit_hook_data);

  if (pending->create)
    {
      if (renameat2 (AT_FDCWD, pending->temp, AT_FDCWD, path, RENAME_NOREPLACE) != 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINVAL || saved_errno == ENOSYS || saved_errno == ENOTSUP)
            {
              /* No RENAME_NOREPLACE here: a hard link never replaces either. */
              if (link (pending->temp, path) != 0)
                saved_errno = errno;
              else
                saved_errno = 0;
            }
          if (saved_errno == EEXIST)
            {
              g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                           "A card named “%s” exists already", pending->name);
              return FALSE;
            }
          if (saved_errno != 0)
            {
              g_propagate_error (error, write_error (pending->name, saved_errno));
              return FALSE;
            }
          /* Linked: the temporary name goes (pending_write_free). */
          return TRUE;
        }
    }
  else
    {
      struct stat st;

      /* Someone wrote the card since it was read: theirs stays. */
      if (pending->have_stamp)
        {
          FileStamp now;

          if (g_stat (path, &st) != 0)
            {
              g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                           "The card “%s” was deleted while it was written", pending->name);
              return FALSE;
            }
          stamp_from_stat (&now, &st);
          if (!stamp_equal (&now, &pending->stamp))
            {
              g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                           "The card “%s” changed on disk while it was written", pending->name);
              return FALSE;
            }
        }

      if (g_rename (pending->temp, path) != 0)
        {
          g_propagate_error (error, write_error (pending->name, errno));
          return FALSE;
        }
    }

  g_clear_pointer (&pending->temp, g_free);
  return TRUE;
}

/* Flushes every temporary file of a batch to the disk at once. */
static void
flush_folder (Book     *book,
              gboolean  contents)
{
  int fd = open (book->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return;
  if (contents)
    syncfs (fd);
  else
    fsync (fd);
  close (fd);
}

/* Writes the cards of @writes (each already has its bytes): the results go
 * into @batch, and the cache follows the disk. */
static void
write_cards (ConcordConnectorVCardFolder *self,
             Book                        *book,
             GPtrArray                   *writes,
             ConcordWriteBatch           *batch)
{
  gboolean any = FALSE;

  for (guint i = 0; i < writes->len; i++)
    {
      PendingWrite *pending = g_ptr_array_index (writes, i);
      g_autoptr(GError) error = NULL;

      if (!write_temp (book, pending, &error))
        {
          concord_write_batch_set_error (batch, pending->index, error);
          g_ptr_array_index (writes, i) = NULL;
          pending_write_free (pending);
          continue;
        }
      any = TRUE;
    }
  if (!any)
    return;

  flush_folder (book, TRUE);

  for (guint i = 0; i < writes->len; i++)
    {
      PendingWrite *pending = g_ptr_array_index (writes, i);
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;
      CardEntry *entry;
      struct stat st;

      if (pending == NULL)
        continue;

      if (!commit_write (self, book, pending, &error))
        {
          concord_write_batch_set_error (batch, pending->index, error);
          /* What is on disk now is read on the next call. */
          continue;
        }

      path = g_build_filename (book->dir, pending->name, NULL);
      entry = g_new0 (CardEntry, 1);
      if (g_stat (path, &st) == 0)
        stamp_from_stat (&entry->stamp, &st);
      hash_data (pending->data, pending->length, entry->hash);
      entry->card = g_steal_pointer (&pending->card);
      entry->version = concord_vcard_get_version (entry->card);
      entry->record = record_for (self, entry->card, pending->name, entry);
      entry->good = TRUE;
      g_hash_table_replace (book->cards, g_strdup (pending->name), entry);
      snapshot_note (book, pending->name, entry->hash);

      concord_write_batch_set_ok (batch, pending->index, entry->record);
    }

  flush_folder (book, FALSE);
}

/* Whether a change or new record may write @key: a field a card maps, or
 * an X- property. */
static gboolean
check_keys (ConcordConnectorVCardFolder  *self,
            const ConcordRecord          *set,
            const char * const           *clear,
            GError                      **error)
{
  guint n = set != NULL ? concord_record_get_n_fields (set) : 0;
  guint n_clear = clear != NULL ? g_strv_length ((char **) clear) : 0;

  for (guint i = 0; i < n + n_clear; i++)
    {
      const char *key;

      if (i < n)
        concord_record_get_field_at (set, i, &key);
      else
        key = clear[i - n];

      if (g_hash_table_contains (self->known_specs, key))
        continue;
      if (g_str_has_prefix (key, CONCORD_FIELD_CUSTOM_PREFIX) &&
          g_ascii_strncasecmp (key + strlen (CONCORD_FIELD_CUSTOM_PREFIX), "X-", 2) == 0)
        continue;

      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "A vCard has no field “%s”", key);
      return FALSE;
    }

  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Calls                                                                     */
/* ------------------------------------------------------------------------- */

/* The start of every call on a contact type: the task is still pending
 * when it returns a book, and has been returned when it returns NULL. */
static Book *
begin_call (ConcordConnectorVCardFolder *self,
            GTask                       *task,
            const char                  *contact_type)
{
  GError *error = NULL;
  Book *book;

  if (g_task_return_error_if_cancelled (task))
    return NULL;

  book = get_book (self, contact_type, &error);
  if (book == NULL)
    {
      g_task_return_error (task, error);
      return NULL;
    }

  /* The stats load_schema () checked stay trusted only for the listing
   * that follows it at once (see vcard_folder_list_async ()). */
  book->checked = FALSE;
  book->fresh_checked = book->schema_checked;
  book->schema_checked = 0;

  return book;
}

static const char *
vcard_folder_get_app_id (ConcordConnector *connector)
{
  return CONCORD_VCARD_FOLDER_APP_ID;
}

static const char *
vcard_folder_get_app_name (ConcordConnector *connector)
{
  return CONCORD_VCARD_FOLDER_APP_NAME;
}

static ConcordConnectorFlags
vcard_folder_get_flags (ConcordConnector *connector)
{
  return CONCORD_CONNECTOR_INCREMENTAL | CONCORD_CONNECTOR_CAN_DELETE;
}

static guint
vcard_folder_get_max_batch (ConcordConnector *connector)
{
  return MAX_BATCH;
}

static guint
vcard_folder_get_page_size (ConcordConnector *connector)
{
  return PAGE_SIZE;
}

/* A folder on this computer: no budget to keep to. */
static guint
vcard_folder_get_rate_budget (ConcordConnector *connector)
{
  return 0;
}

/* Whether the folder itself holds cards, and its sub-folders. */
static GPtrArray *
list_books (ConcordConnectorVCardFolder  *self,
            GError                      **error)
{
  g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);
  g_autoptr(GPtrArray) subdirs = g_ptr_array_new_with_free_func (g_free);
  gboolean has_cards = FALSE;
  struct dirent *entry;
  guint n_entries = 0;
  DIR *dir;

  if (self->real_path == NULL)
    self->real_path = realpath (self->path, NULL);

  dir = opendir (self->path);
  if (dir == NULL)
    {
      int saved_errno = errno;
      g_autofree char *name = g_filename_display_name (self->path);

      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                   _("Could not read the folder “%s”: %s"), name, g_strerror (saved_errno));
      return NULL;
    }

  while ((entry = readdir (dir)) != NULL && ++n_entries <= MAX_FILES)
    {
      struct stat st;
      g_autofree char *path = NULL;

      if (entry->d_name[0] == '.')
        continue;
      if (is_card_name (entry->d_name))
        {
          has_cards = TRUE;
          continue;
        }
      if (!is_book_name (entry->d_name))
        continue;

      path = g_build_filename (self->path, entry->d_name, NULL);
      if (lstat (path, &st) != 0)
        continue;
      if (S_ISLNK (st.st_mode) && (!is_inside (self, path) || stat (path, &st) != 0))
        continue;
      if (S_ISDIR (st.st_mode))
        g_ptr_array_add (subdirs, g_strdup (entry->d_name));
    }
  closedir (dir);

  g_ptr_array_sort (subdirs, compare_names);

  if (has_cards || subdirs->len == 0)
    {
      g_autofree char *label = read_displayname (self->path);

      if (label == NULL)
        label = g_filename_display_basename (self->path);
      g_ptr_array_add (types, concord_contact_type_new (CONCORD_VCARD_FOLDER_SELF, label));
    }

  for (guint i = 0; i < subdirs->len; i++)
    {
      const char *name = g_ptr_array_index (subdirs, i);
      g_autofree char *path = g_build_filename (self->path, name, NULL);
      g_autofree char *label = read_displayname (path);

      g_ptr_array_add (types, concord_contact_type_new (name, label != NULL ? label : name));
    }

  return g_steal_pointer (&types);
}

static GPtrArray *
vcard_folder_list_contact_types (ConcordConnector *connector)
{
  ConcordConnectorVCardFolder *self = CONCORD_CONNECTOR_VCARD_FOLDER (connector);
  g_autoptr(GError) error = NULL;
  GPtrArray *types = list_books (self, &error);

  if (types == NULL)
    {
      g_debug ("Cannot list the address books of a folder: %s", error->message);
      return g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);
    }

  return types;
}

static void
vcard_folder_list_contact_types_async (ConcordConnector    *connector,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  ConcordConnectorVCardFolder *self = CONCORD_CONNECTOR_VCARD_FOLDER (connector);
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  GPtrArray *types;

  task = concord_connector_task_new (connector, vcard_folder_list_contact_types_async,
                                     cancellable, callback, user_data);

  types = list_books (self, &error);
  if (types == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, types, (GDestroyNotify) g_ptr_array_unref);
}

static void
vcard_folder_verify_async (ConcordConnector    *connector,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  ConcordConnectorVCardFolder *self = CONCORD_CONNECTOR_VCARD_FOLDER (connector);
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) types = NULL;
  GError *error = NULL;

  task = concord_connector_task_new (connector, vcard_folder_verify_async,
                                     cancellable, callback, user_data);

  types = list_books (self, &error);
  if (types == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Lists @book to its end, so every card is in the cache. */
static gboolean
refresh_book (ConcordConnectorVCardFolder  *self,
              Book                         *book,
              GError                      **error)
{
  g_autoptr(GPtrArray) names = scan_book (book, error);

  if (names == NULL)
    return FALSE;

  book->dir_fd = open (book->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr(GError) local_error = NULL;

      refresh_entry (self, book, g_ptr_array_index (names, i), &local_error);
      if (local_error != NULL)
        g_debug ("%s", local_error->message);
    }
  if (book->dir_fd >= 0)
    close (book->dir_fd);
  book->dir_fd = -1;

  return TRUE;
}

static void
vcard_folder_load_schema_async (ConcordConnector    *connector,
                                const char          *contact_type,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  ConcordConnectorVCardFolder *self = CONCORD_CONNECTOR_VCARD_FOLDER (connector);
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) customs = NULL;
  GPtrArray *specs;
  GHashTableIter iter;
  gpointer value;
  GError *error = NULL;
  Book *book;

  task = concord_connector_task_new (connector, vcard_folder_load_schema_async,
                                     cancellable, callback, user_data);

  book = begin_call (self, task, contact_type);
  if (book == NULL)
    return;
  ensure_cache (book);
  if (!refresh_book (self, book, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  book->schema_checked = g_get_monotonic_time ();

  specs = concord_vcard_field_specs ();
  customs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                   (GDestroyNotify) concord_field_spec_free);
  g_hash_table_iter_init (&iter, book->cards);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const CardEntry *entry = value;

      if (entry->card != NULL)
        concord_vcard_collect_custom (entry->card, customs);
      /* Known from the persistent cache: the names it kept. */
      for (guint i = 0; entry->card == NULL && entry->customs != NULL && entry->customs[i] != NULL; i++)
        {
          g_autofree char *key = concord_field_custom_key (entry->customs[i]);
          ConcordFieldSpec *spec;

          if (g_hash_table_contains (customs, key))
            continue;
          spec = concord_field_spec_new (key, entry->customs[i], CONCORD_FIELD_TYPE_STRING, FALSE);
          spec->custom = TRUE;
          g_hash_table_insert (customs, g_steal_pointer (&key), spec);
        }
    }

  {
    g_autoptr(GList) keys = g_hash_table_get_keys (customs);

    keys = g_list_sort (keys, (GCompareFunc) strcmp);
    for (GList *l = keys; l != NULL; l = l->next)
      {
        gpointer stolen_key = NULL;

        /* Stolen, the key is no longer the table's to free. */
        if (g_hash_table_steal_extended (customs, l->data, &stolen_key, &value))
          {
            g_free (stolen_key);
            g_ptr_array_add (specs, value);
          }
      }
  }

  g_task_return_pointer (task, specs, (GDestroyNotify) g_ptr_array_unref);
}

/* Page tokens: "generation:offset" into the book's snapshot. */
static void
vcard_folder_list_async (ConcordConnector    *connector,
                         const char          *contact_type,
                         const char          *cursor,
                         const char          *page_token,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  ConcordConnectorVCardFolder *self = CONCORD_CONNECTOR_VCARD_FOLDER (connector);
  g_autoptr(GTask) task = NULL;
  g_autoptr(ConcordPage) page = NULL;
  guint64 offset = 0;
  guint end;
  Book *book;

  task = concord_connector_task_new (connector, vcard_folder_list_async,
                                     cancellable, callback, user_data);

  book = begin_call (self, task, contact_type);
  if (book == NULL)
    return;

  if (page_token == NULL)
    {
      GError *error = NULL;
      GPtrArray *names = scan_book (book, &error);

      if (names == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      ensure_cache (book);
      g_clear_pointer (&book->all_names, g_ptr_array_unref);
      g_clear_pointer (&book->snapshot, g_ptr_array_unref);
      g_clear_pointer (&book->base, g_hash_table_unref);
      g_clear_pointer (&book->deleted, g_ptr_array_unref);
      book->all_names = names;
      book->generation++;
      book->damaged = FALSE;
      book->base = load_snapshot (book, cursor);
      book->incremental = book->base != NULL;

      if (!book->incremental)
        book->snapshot = g_ptr_array_ref (names);
      else
        {
          g_autoptr(GHashTable) present = g_hash_table_new (g_str_hash, g_str_equal);
          GHashTableIter iter;
          gpointer key;

          /* Only what differs from the cursor's snapshot: every card's
           * stat is checked, and the changed ones read. The schema, asked
           * just before (every run does), checked them all: those checks
           * stand (a card changed in between is seen by the next run). */
          book->checked = book->fresh_checked != 0 &&
                          g_get_monotonic_time () - book->fresh_checked < 30 * G_USEC_PER_SEC;
          book->snapshot = g_ptr_array_new_with_free_func (g_free);
          book->dir_fd = open (book->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
          for (guint i = 0; i < names->len; i++)
            {
              const char *name = g_ptr_array_index (names, i);
              g_autoptr(GError) local_error = NULL;
              CardEntry *entry = refresh_entry (self, book, name, &local_error);
              const guint8 *known;

              g_hash_table_add (present, (gpointer) name);
              if (local_error != NULL)
                {
                  g_message ("%s", local_error->message);
                  book->damaged = TRUE;
                  continue;
                }
              if (entry == NULL)
                continue;
              known = g_hash_table_lookup (book->base, name);
              if (known == NULL || memcmp (known, entry->hash, SNAPSHOT_HASH_LENGTH) != 0)
                g_ptr_array_add (book->snapshot, g_strdup (name));
            }

          book->checked = FALSE;
          if (book->dir_fd >= 0)
            close (book->dir_fd);
          book->dir_fd = -1;
          book->deleted = g_ptr_array_new_with_free_func (g_free);
          g_hash_table_iter_init (&iter, book->base);
          while (g_hash_table_iter_next (&iter, &key, NULL))
            if (!g_hash_table_contains (present, key))
              g_ptr_array_add (book->deleted, g_strdup (key));
        }
    }
  else
    {
      g_auto(GStrv) parts = g_strsplit (page_token, ":", 2);
      guint64 generation = 0;

      if (g_strv_length (parts) != 2 ||
          !g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXUINT, &generation, NULL) ||
          !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXUINT, &offset, NULL) ||
          book->snapshot == NULL || generation != book->generation ||
          offset > book->snapshot->len)
        {
          g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                                   "Invalid page token");
          return;
        }
    }

  page = concord_page_new ();
  end = MIN (book->snapshot->len, (guint) offset + PAGE_SIZE);
  for (guint i = (guint) offset; i < end; i++)
    {
      const char *name = g_ptr_array_index (book->snapshot, i);
      g_autoptr(GError) error = NULL;
      CardEntry *entry = refresh_entry (self, book, name, &error);

      if (error != NULL)
        {
          /* Unreadable now (permissions): not a deletion either. */
          g_message ("%s", error->message);
          concord_page_add_refusal (page, name, error->message);
          book->damaged = TRUE;
          continue;
        }
      if (entry == NULL)
        continue;   /* deleted since the snapshot */
      if (entry->good && entry_get_record (entry, name) == NULL)
        entry = refresh_entry (self, book, name, NULL);   /* its cached form was damaged */
      if (entry == NULL || !entry->good || entry->record == NULL)
        {
          /* Shown in the activity, by its file name. */
          if (entry != NULL && !entry->good)
            concord_page_add_refusal (page, name,
                                      entry->refused != NULL ? entry->refused
                                                             : "it is not a readable vCard");
          book->damaged = TRUE;
          continue;
        }
      g_ptr_array_add (page->records, concord_record_ref (entry->record));
    }

  if (end < book->snapshot->len)
    page->next_page = g_strdup_printf ("%u:%u", book->generation, end);
  else
    {
      g_autoptr(GHashTable) present = g_hash_table_new (g_str_hash, g_str_equal);
      GHashTable *hashes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      static const guint8 unreadable[SNAPSHOT_HASH_LENGTH] = { 0, };
      GHashTableIter iter;
      gpointer key;

      /* The cache keeps only what the folder holds. */
      for (guint i = 0; i < book->all_names->len; i++)
        g_hash_table_add (present, g_ptr_array_index (book->all_names, i));
      g_hash_table_iter_init (&iter, book->cards);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (!g_hash_table_contains (present, key))
          {
            g_hash_table_iter_remove (&iter);
            book->cache_dirty = TRUE;
          }

      /* What the engine now knows: the new cursor's snapshot. A card it
       * could not read was shown to the engine as refused: the snapshot
       * takes the bad file's hash, so an unchanged bad file is not listed
       * (and refused) again every run, and it is reported once repaired
       * (its hash changes), and deleted once gone. A file that could not
       * be read at all keeps the hash it had (or none that can match). */
      for (guint i = 0; i < book->all_names->len; i++)
        {
          const char *name = g_ptr_array_index (book->all_names, i);
          CardEntry *entry = g_hash_table_lookup (book->cards, name);
          const guint8 *hash = entry != NULL ? entry->hash : NULL;

          if (hash == NULL && book->base != NULL)
            hash = g_hash_table_lookup (book->base, name);
          g_hash_table_insert (hashes, g_strdup (name),
                               g_memdup2 (hash != NULL ? hash : unreadable, SNAPSHOT_HASH_LENGTH));
        }
      g_free (book->snapshot_id);
      book->snapshot_id = g_uuid_string_random ();
      g_clear_pointer (&book->snapshot_hashes, g_hash_table_unref);
      book->snapshot_hashes = hashes;
      book->snapshot_dirty = TRUE;
      save_state (book);
      prune_snapshots (book);

      page->cursor = g_strconcat (CURSOR_PREFIX, book->snapshot_id, NULL);
      page->complete = !book->incremental && !book->damaged;
      if (book->deleted != NULL)
        {
          g_ptr_array_extend_and_steal (page->deleted, g_steal_pointer (&book->deleted));
        }
      g_clear_pointer (&book->base, g_hash_table_unref);
      book->listed = TRUE;
    }

  g_task_return_pointer (task, g_steal_pointer (&page), (GDestroyNotify) concord_page_free);
}

static gboolean
is_remote_id (const char *remote_id)
{
  return remote_id != NULL && is_card_name (remote_id);
}

static void
vcard_folder_fetch_async (ConcordConnector    *connector,
                          const char          *contact_type,
                          const char * const  *remote_ids,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  ConcordConnectorVCardFolder *self = CONCORD_CONNECTOR_VCARD_FOLDER (connector);
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) records = NULL;
  Book *book;

  task = concord_connector_task_new (connector, vcard_folder_fetch_async,
                                     cancellable, callback, user_data);

  book = begin_call (self, task, contact_type);
  if (book == NULL)
    return;

  records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  for (guint i = 0; remote_ids != NULL && remote_ids[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      CardEntry *entry;

      if (!is_remote_id (remote_ids[i]))
        continue;
      entry = refresh_entry (self, book, remote_ids[i], &error);
      if (error != NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      if (entry != NULL && entry->good && entry_get_record (entry, remote_ids[i]) == NULL)
        entry = refresh_entry (self, book, remote_ids[i], NULL);
      if (entry != NULL && entry->good && entry->record != NULL)
        g_ptr_array_add (records, concord_record_ref (entry->record));
    }

  g_task_return_pointer (task, g_steal_pointer (&records), (GDestroyNotify) g_ptr_array_unref);
}

/* A new card for @record, with a new UID, or NULL with @error set. */
static ConcordVCard *
new_card_from (ConcordConnectorVCardFolder  *self,
               guint                         version,
               const ConcordRecord          *record,
               GError                      **error)
{
  g_autofree char *uid = g_uuid_string_random ();
  g_autoptr(ConcordVCard) card = NULL;

  if (!check_keys (self, record, NULL, error))
    return NULL;

  card = concord_vcard_new (version, uid);
  if (!concord_vcard_apply (card, record, NULL, self->region, error))
    return NULL;

  return g_steal_pointer (&card);
}

static PendingWrite *
pending_create (guint         index,
                ConcordVCard *card)
{
  PendingWrite *pending = g_new0 (PendingWrite, 1);

  pending->index = index;
  pending->create = TRUE;
  pending->name = _concord_vcard_folder_file_name_for_uid (concord_vcard_get_uid (card));
  pending->data = concord_vcard_to_string (card, &pending->length);
  pending->card = card;

  return pending;
}

static void
vcard_folder_create_async (ConcordConnector    *connector,
                           const char          *contact_type,
                           GPtrArray           *records,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  ConcordConnectorVCardFolder *self = CONCORD_CONNECTOR_VCARD_FOLDER (connector);
  g_autoptr(GTask) task = NULL;
  g_autoptr(ConcordWriteBatch) batch = NULL;
  g_autoptr(GPtrArray) writes = NULL;
  guint version;
  Book *book;

  task = concord_connector_task_new (connector, vcard_folder_create_async,
                                     cancellable, callback, user_data);

  book = begin_call (self, task, contact_type);
  if (book == NULL)
    return;

  batch = concord_write_batch_new (task, records->len);
  writes = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_write_free);
  version = book_version (self, book);

  for (guint i = 0; i < records->len; i++)
    {
      g_autoptr(GError) error = NULL;
      ConcordVCard *card = new_card_from (self, version, g_ptr_array_index (records, i), &error);

      if (card == NULL)
        {
          concord_write_batch_set_error (batch, i, error);
          continue;
        }
      g_ptr_array_add (writes, pending_create (i, card));
    }

  write_cards (self, book, writes, batch);
}

/* The write of @change to the card as it is on disk now, or NULL: then
 * the result is in @batch already (or there is nothing to write, and the
 * card is echoed). */
static PendingWrite *
pending_update (ConcordConnectorVCardFolder *self,
                Book                        *book,
                guint                        index,
                const ConcordRecordChange   *change,
                ConcordWriteBatch           *batch)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordVCard) disk = NULL;
  g_autofree char *data = NULL;
  g_autofree char *written = NULL;
  PendingWrite *pending;
  CardEntry *cached;
  FileStamp stamp;
  guint8 hash[HASH_LENGTH];
  gsize length = 0, written_length = 0;
  gboolean missing = FALSE;

  if (!is_remote_id (change->remote_id))
    {
      error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND, "No such card");
      concord_write_batch_set_error (batch, index, error);
      return NULL;
    }
  if (!check_keys (self, change->set, (const char * const *) change->clear, &error))
    {
      concord_write_batch_set_error (batch, index, error);
      return NULL;
    }

  data = read_card_file (self, book, change->remote_id, &length, &stamp, &missing, &error);
  if (missing)
    error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND, "No such card");
  if (data != NULL)
    disk = concord_vcard_parse (data, (gssize) length, &error);
  if (disk == NULL)
    {
      /* A damaged card is the person's to repair, never overwritten. */
      concord_write_batch_set_error (batch, index, error);
      return NULL;
    }
  hash_data (data, length, hash);

  /* Changed since read: fine unless the change's own fields changed. */
  cached = g_hash_table_lookup (book->cards, change->remote_id);
  if (cached != NULL && cached->good && memcmp (hash, cached->hash, HASH_LENGTH) != 0)
    {
      gboolean conflict;

      /* Without the card as read (known from the persistent cache only),
       * the fields cannot be compared: read again first, unless the change
       * names no field at all. */
      if (cached->card == NULL)
        conflict = (change->set != NULL && concord_record_get_n_fields (change->set) > 0) ||
                   (change->clear != NULL && change->clear[0] != NULL);
      else
        conflict = concord_vcard_change_conflicts (cached->card, disk, change->set,
                                                   (const char * const *) change->clear);
      if (conflict)
        {
          error = g_error_new (CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                               "The card “%s” changed on disk since it was read",
                               change->remote_id);
          concord_write_batch_set_error (batch, index, error);
          /* Read again on the next listing. */
          g_hash_table_remove (book->cards, change->remote_id);
          book->cache_dirty = TRUE;
          return NULL;
        }
    }

  if (!concord_vcard_apply (disk, change->set, (const char * const *) change->clear,
                            self->region, &error))
    {
      concord_write_batch_set_error (batch, index, error);
      return NULL;
    }

  written = concord_vcard_to_string (disk, &written_length);
  if (written_length == length && memcmp (written, data, length) == 0)
    {
      /* Nothing to write: the card as it is. */
      CardEntry *entry = g_new0 (CardEntry, 1);

      entry->stamp = stamp;
      memcpy (entry->hash, hash, HASH_LENGTH);
      entry->card = g_steal_pointer (&disk);
      entry->version = concord_vcard_get_version (entry->card);
      entry->record = record_for (self, entry->card, change->remote_id, entry);
      entry->good = TRUE;
      g_hash_table_replace (book->cards, g_strdup (change->remote_id), entry);
      snapshot_note (book, change->remote_id, entry->hash);
      concord_write_batch_set_ok (batch, index, entry->record);
      return NULL;
    }

  pending = g_new0 (PendingWrite, 1);
  pending->index = index;
  pending->name = g_strdup (change->remote_id);
  pending->have_stamp = TRUE;
  pending->stamp = stamp;
  pending->card = g_steal_pointer (&disk);
  pending->data = g_steal_pointer (&written);
  pending->length = written_length;

  return pending;
}

static void
vcard_folder_update_async (ConcordConnector    *connector,
                           const char          *contact_type,
                           GPtrArray           *changes,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  ConcordConnectorVCardFolder *self = CONCORD_CONNECTOR_VCARD_FOLDER (connector);
  g_autoptr(GTask) task = NULL;
  g_autoptr(ConcordWriteBatch) batch = NULL;
  g_autoptr(GPtrArray) writes = NULL;
  Book *book;

  task = concord_connector_task_new (connector, vcard_folder_update_async,
                                     cancellable, callback, user_data);

  book = begin_call (self, task, contact_type);
  if (book == NULL)
    return;

  batch = concord_write_batch_new (task, changes->len);
  writes = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_write_free);
  for (guint i = 0; i < changes->len; i++)
    {
      PendingWrite *pending = pending_update (self, book, i, g_ptr_array_index (changes, i), batch);

      if (pending != NULL)
        g_ptr_array_add (writes, pending);
    }

  write_cards (self, book, writes, batch);
}

static void
vcard_folder_delete_async (ConcordConnector    *connector,
                           const char          *contact_type,
                           const char * const  *remote_ids,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  ConcordConnectorVCardFolder *self = CONCORD_CONNECTOR_VCARD_FOLDER (connector);
  g_autoptr(GTask) task = NULL;
  g_autoptr(ConcordWriteBatch) batch = NULL;
  guint n = remote_ids != NULL ? g_strv_length ((char **) remote_ids) : 0;
  gboolean any = FALSE;
  Book *book;

  task = concord_connector_task_new (connector, vcard_folder_delete_async,
                                     cancellable, callback, user_data);

  book = begin_call (self, task, contact_type);
  if (book == NULL)
    return;

  batch = concord_write_batch_new (task, n);
  for (guint i = 0; i < n; i++)
    {
      const char *name = remote_ids[i];
      g_autoptr(GError) error = NULL;
      g_autofree char *data = NULL;
      g_autofree char *path = NULL;
      CardEntry *cached;
      FileStamp stamp;
      gsize length = 0;
      gboolean missing = FALSE;

      if (!is_remote_id (name))
        {
          concord_write_batch_set_ok (batch, i, NULL);
          continue;
        }

      data = read_card_file (self, book, name, &length, &stamp, &missing, &error);
      if (missing)
        {
          /* Gone already. */
          g_hash_table_remove (book->cards, name);
          snapshot_note (book, name, NULL);
          concord_write_batch_set_ok (batch, i, NULL);
          continue;
        }

      cached = g_hash_table_lookup (book->cards, name);
      if (data != NULL && cached != NULL)
        {
          guint8 hash[HASH_LENGTH];

          hash_data (data, length, hash);
          if (memcmp (hash, cached->hash, HASH_LENGTH) != 0)
            {
              g_clear_error (&error);
              error = g_error_new (CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                                   "The card “%s” changed on disk since it was read", name);
            }
        }
      if (error != NULL)
        {
          concord_write_batch_set_error (batch, i, error);
          continue;
        }

      path = g_build_filename (book->dir, name, NULL);
      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          g_autoptr(GError) unlink_error = g_error_new (CONCORD_ERROR, CONCORD_ERROR_FAILED,
                                                        /* Translators: the first %s is a file's
                                                         * name, the second says why (a system
                                                         * error) */
                                                        _("Could not delete “%s”: %s"),
                                                        name, g_strerror (errno));

          concord_write_batch_set_error (batch, i, unlink_error);
          continue;
        }
      g_hash_table_remove (book->cards, name);
      snapshot_note (book, name, NULL);
      concord_write_batch_set_ok (batch, i, NULL);
      any = TRUE;
    }

  if (any)
    flush_folder (book, FALSE);
}

/* ------------------------------------------------------------------------- */
/* Changes                                                                   */
/* ------------------------------------------------------------------------- */

/* Whether @book's folder holds cards other than the cache's. */
static gboolean
book_differs (ConcordConnectorVCardFolder *self,
              Book                        *book)
{
  g_autoptr(GPtrArray) names = NULL;
  int dir_fd;
  gboolean differs = FALSE;

  if (!book->listed)
    return TRUE;

  names = scan_book (book, NULL);
  if (names == NULL)
    return TRUE;
  if (names->len != g_hash_table_size (book->cards))
    return TRUE;

  dir_fd = open (book->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0)
    return TRUE;

  for (guint i = 0; i < names->len && !differs; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      CardEntry *entry = g_hash_table_lookup (book->cards, name);
      struct stat st;
      gboolean followed;
      FileStamp now;

      if (entry == NULL || !stat_card (self, dir_fd, book->dir, name, &st, &followed))
        {
          differs = TRUE;
          break;
        }
      stamp_from_stat (&now, &st);
      differs = !stamp_equal (&now, &entry->stamp);
    }
  close (dir_fd);

  return differs;
}

static gboolean
on_debounce_cb (gpointer user_data)
{
  ConcordConnectorVCardFolder *self = user_data;
  g_autoptr(GPtrArray) types = NULL;
  gboolean changed = FALSE;

  g_clear_pointer (&self->debounce, g_source_unref);

  types = list_books (self, NULL);
  for (guint i = 0; types != NULL && i < types->len && !changed; i++)
    {
      ConcordContactType *type = g_ptr_array_index (types, i);
      Book *book = g_hash_table_lookup (self->books, type->id);

      /* A book never listed: the engine lists it on its next run anyway. */
      changed = book == NULL || book_differs (self, book);
    }

  if (changed)
    {
      g_debug ("The cards of a vCard folder changed");
      concord_connector_emit_changed (CONCORD_CONNECTOR (self));
    }

  return G_SOURCE_REMOVE;
}

static void watch_dir (ConcordConnectorVCardFolder *self,
                       const char                  *dir);

static void
on_monitor_changed_cb (GFileMonitor      *monitor,
                       GFile             *file,
                       GFile             *other_file,
                       GFileMonitorEvent  event,
                       gpointer           user_data)
{
  ConcordConnectorVCardFolder *self = user_data;
  g_autofree char *name = g_file_get_basename (file);

  if (event == G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED || event == G_FILE_MONITOR_EVENT_PRE_UNMOUNT)
    return;
  /* Temporary files (Concord's, vdirsyncer's, editors') are hidden. */
  if (name == NULL || name[0] == '.')
    return;

  /* A new sub-folder of the folder: an address book to watch too. */
  if (event == G_FILE_MONITOR_EVENT_CREATED && g_file_query_file_type (file, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL) == G_FILE_TYPE_DIRECTORY)
    {
      g_autofree char *path = g_file_get_path (file);
      g_autofree char *parent = g_path_get_dirname (path);

      if (g_strcmp0 (parent, self->path) == 0)
        watch_dir (self, path);
    }

  if (self->debounce != NULL)
    {
      /* Events keep coming (a sync writing many cards): wait for the end. */
      g_source_set_ready_time (self->debounce,
                               g_get_monotonic_time () + self->debounce_ms * G_TIME_SPAN_MILLISECOND);
      return;
    }

  self->debounce = g_timeout_source_new (self->debounce_ms);
  g_source_set_callback (self->debounce, on_debounce_cb, self, NULL);
  g_source_set_static_name (self->debounce, "[concord] vCard folder changes");
  g_source_attach (self->debounce, self->context);
}

static void
watch_dir (ConcordConnectorVCardFolder *self,
           const char                  *dir)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  GFileMonitor *monitor;

  if (g_hash_table_contains (self->monitors, dir))
    return;

  file = g_file_new_for_path (dir);
  monitor = g_file_monitor_directory (file, G_FILE_MONITOR_NONE, NULL, &error);
  if (monitor == NULL)
    {
      g_debug ("Cannot watch a folder of a vCard folder: %s", error->message);
      return;
    }
  g_signal_connect (monitor, "changed", G_CALLBACK (on_monitor_changed_cb), self);
  g_hash_table_insert (self->monitors, g_strdup (dir), monitor);
}

/* An address book is also named by its folder's path on disk: the
 * account's own folder for its cards ("."), a sub-folder's for that one,
 * with or without a trailing '/'; and a sub-folder by its name with one
 * ("work/"). */
static gboolean
vcard_folder_type_matches (ConcordConnector         *connector,
                           const ConcordContactType *type,
                           const char               *name)
{
  ConcordConnectorVCardFolder *self = CONCORD_CONNECTOR_VCARD_FOLDER (connector);
  gboolean own = g_str_equal (type->id, CONCORD_VCARD_FOLDER_SELF);
  g_autofree char *name_bare = NULL;
  g_autofree char *book_path = NULL;
  g_autoptr(GFile) book = NULL;
  g_autoptr(GFile) named = NULL;
  gsize n;

  if (CONCORD_CONNECTOR_CLASS (concord_connector_vcard_folder_parent_class)->type_matches (
        connector, type, name))
    return TRUE;

  if (!g_path_is_absolute (name))
    {
      name_bare = g_strdup (name);
      while ((n = strlen (name_bare)) > 1 && name_bare[n - 1] == '/')
        name_bare[n - 1] = '\0';
      return !own && g_str_equal (name_bare, type->id);
    }

  book_path = own ? g_strdup (self->path) : g_build_filename (self->path, type->id, NULL);
  book = g_file_new_for_path (book_path);
  named = g_file_new_for_path (name);
  return g_file_equal (book, named);
}

static gboolean
vcard_folder_watch_changes (ConcordConnector *connector)
{
  ConcordConnectorVCardFolder *self = CONCORD_CONNECTOR_VCARD_FOLDER (connector);
  g_autoptr(GPtrArray) types = NULL;

  if (self->context == NULL)
    self->context = g_main_context_ref_thread_default ();

  watch_dir (self, self->path);
  if (!g_hash_table_contains (self->monitors, self->path))
    return FALSE;

  types = list_books (self, NULL);
  for (guint i = 0; types != NULL && i < types->len; i++)
    {
      ConcordContactType *type = g_ptr_array_index (types, i);

      if (!g_str_equal (type->id, CONCORD_VCARD_FOLDER_SELF))
        {
          g_autofree char *dir = g_build_filename (self->path, type->id, NULL);

          watch_dir (self, dir);
        }
    }

  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
cancel_monitor (gpointer data)
{
  GFileMonitor *monitor = data;

  g_signal_handlers_disconnect_matched (monitor, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                        on_monitor_changed_cb, NULL);
  g_file_monitor_cancel (monitor);
  g_object_unref (monitor);
}

static void
concord_connector_vcard_folder_dispose (GObject *object)
{
  ConcordConnectorVCardFolder *self = CONCORD_CONNECTOR_VCARD_FOLDER (object);
  GHashTableIter iter;
  gpointer value;

  /* What this connector read and wrote, for the next one. */
  g_hash_table_iter_init (&iter, self->books);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    save_state (value);

  g_hash_table_remove_all (self->monitors);
  if (self->debounce != NULL)
    {
      g_source_destroy (self->debounce);
      g_clear_pointer (&self->debounce, g_source_unref);
    }

  G_OBJECT_CLASS (concord_connector_vcard_folder_parent_class)->dispose (object);
}

static void
concord_connector_vcard_folder_finalize (GObject *object)
{
  ConcordConnectorVCardFolder *self = CONCORD_CONNECTOR_VCARD_FOLDER (object);

  g_hash_table_unref (self->books);
  g_hash_table_unref (self->known_specs);
  g_hash_table_unref (self->monitors);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->path);
  free (self->real_path);
  g_free (self->region);
  g_free (self->state_root);

  G_OBJECT_CLASS (concord_connector_vcard_folder_parent_class)->finalize (object);
}

static void
concord_connector_vcard_folder_class_init (ConcordConnectorVCardFolderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ConcordConnectorClass *connector_class = CONCORD_CONNECTOR_CLASS (klass);

  object_class->dispose = concord_connector_vcard_folder_dispose;
  object_class->finalize = concord_connector_vcard_folder_finalize;

  connector_class->get_app_id = vcard_folder_get_app_id;
  connector_class->get_app_name = vcard_folder_get_app_name;
  connector_class->get_flags = vcard_folder_get_flags;
  connector_class->get_max_batch = vcard_folder_get_max_batch;
  connector_class->list_contact_types = vcard_folder_list_contact_types;
  connector_class->list_contact_types_async = vcard_folder_list_contact_types_async;
  connector_class->type_matches = vcard_folder_type_matches;
  connector_class->load_schema_async = vcard_folder_load_schema_async;
  connector_class->list_async = vcard_folder_list_async;
  connector_class->fetch_async = vcard_folder_fetch_async;
  connector_class->create_async = vcard_folder_create_async;
  connector_class->update_async = vcard_folder_update_async;
  connector_class->delete_async = vcard_folder_delete_async;
  connector_class->get_page_size = vcard_folder_get_page_size;
  connector_class->get_rate_budget = vcard_folder_get_rate_budget;
  connector_class->watch_changes = vcard_folder_watch_changes;
  connector_class->verify_async = vcard_folder_verify_async;
}

static void
concord_connector_vcard_folder_init (ConcordConnectorVCardFolder *self)
{
  g_autoptr(GPtrArray) specs = concord_vcard_field_specs ();

  self->books = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) book_free);
  self->monitors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, cancel_monitor);
  self->known_specs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < specs->len; i++)
    {
      const ConcordFieldSpec *spec = g_ptr_array_index (specs, i);

      if (!spec->read_only)
        g_hash_table_add (self->known_specs, g_strdup (spec->key));
    }
  self->debounce_ms = DEFAULT_DEBOUNCE;
  self->state_root = g_build_filename (g_get_user_cache_dir (), "concord", "vcard-folder", NULL);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_connector_vcard_folder_new:
 * @path: the absolute path of the folder (it must exist when called)
 * @region: (nullable): the ISO 3166 code of the country of phone numbers
 *   written without one; %NULL or empty: the locale's
 *
 * Nothing is read before the first call.
 *
 * Returns: (transfer full): a new connector
 */
ConcordConnectorVCardFolder *
concord_connector_vcard_folder_new (const char *path,
                                    const char *region)
{
  ConcordConnectorVCardFolder *self;

  g_return_val_if_fail (path != NULL && g_path_is_absolute (path), NULL);

  self = g_object_new (CONCORD_TYPE_CONNECTOR_VCARD_FOLDER, NULL);
  self->path = g_strdup (path);
  /* No trailing separator: sub-folders are compared by their parent. */
  while (strlen (self->path) > 1 && g_str_has_suffix (self->path, G_DIR_SEPARATOR_S))
    self->path[strlen (self->path) - 1] = '\0';
  if (region != NULL && *region != '\0')
    self->region = g_ascii_strup (region, -1);
  else
    self->region = concord_vcard_default_region ();

  return self;
}

const char *
concord_connector_vcard_folder_get_path (ConcordConnectorVCardFolder *self)
{
  g_return_val_if_fail (CONCORD_IS_CONNECTOR_VCARD_FOLDER (self), NULL);

  return self->path;
}

void
_concord_connector_vcard_folder_set_commit_hook (ConcordConnectorVCardFolder  *self,
                                                 ConcordVCardFolderCommitHook  hook,
                                                 gpointer                      user_data)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_VCARD_FOLDER (self));

  self->commit_hook = hook;
  self->commit_hook_data = user_data;
}

void
_concord_connector_vcard_folder_set_state_root (ConcordConnectorVCardFolder *self,
                                                const char                  *path)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_VCARD_FOLDER (self));
  g_return_if_fail (g_hash_table_size (self->books) == 0);

  g_free (self->state_root);
  self->state_root = g_strdup (path);
}

void
_concord_connector_vcard_folder_set_debounce (ConcordConnectorVCardFolder *self,
                                              guint                        ms)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_VCARD_FOLDER (self));

  self->debounce_ms = ms;
}

/* A create_async() of one card, synchronously, for tests. */
static void
on_test_batch_done_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

char *
_concord_connector_vcard_folder_create_card (ConcordConnectorVCardFolder  *self,
                                             const char                   *contact_type,
                                             const ConcordVCard           *card,
                                             GError                      **error)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(ConcordWriteBatch) batch = NULL;
  g_autoptr(GPtrArray) writes = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *name = NULL;
  ConcordWriteResult *written;
  Book *book;

  g_return_val_if_fail (CONCORD_IS_CONNECTOR_VCARD_FOLDER (self), NULL);

  book = get_book (self, contact_type, error);
  if (book == NULL)
    return NULL;

  task = concord_connector_task_new (CONCORD_CONNECTOR (self), vcard_folder_create_async,
                                     NULL, on_test_batch_done_cb, &result);
  batch = concord_write_batch_new (task, 1);
  writes = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_write_free);
  g_ptr_array_add (writes, pending_create (0, concord_vcard_copy (card)));
  name = g_strdup (((PendingWrite *) g_ptr_array_index (writes, 0))->name);
  write_cards (self, book, writes, batch);
  g_clear_pointer (&batch, concord_write_batch_free);
  g_clear_object (&task);

  while (result == NULL)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);

  results = concord_connector_create_finish (CONCORD_CONNECTOR (self), result, error);
  if (results == NULL)
    return NULL;
  written = g_ptr_array_index (results, 0);
  if (written->error != NULL)
    {
      g_propagate_error (error, g_error_copy (written->error));
      return NULL;
    }

  return g_steal_pointer (&name);
}
