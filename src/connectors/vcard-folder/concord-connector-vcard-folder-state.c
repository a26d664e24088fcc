/* concord-connector-vcard-folder-state.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What a vCard folder connector keeps between runs (see
 * concord-connector-vcard-folder.c): the cache of parsed cards and the
 * snapshots that listing cursors name, in state files of their own format
 * outside the folder.
 */

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
entry_custom_names (const ConcordVCardFolderCardEntry *entry)
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
write_state_file (ConcordVCardFolderBook *book,
                  const char             *name,
                  GByteArray             *bytes)
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
open_state_file (ConcordVCardFolderBook *book,
                 const char             *name,
                 const char             *magic,
                 StateReader            *r)
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
save_cache (ConcordVCardFolderBook *book)
{
  g_autoptr(GByteArray) out = g_byte_array_sized_new (256 * g_hash_table_size (book->cards) + 64);
  GHashTableIter iter;
  gpointer key, value;

  state_write (out, CACHE_MAGIC, strlen (CACHE_MAGIC));
  state_write_u32 (out, BYTE_ORDER_MARK);
  g_hash_table_iter_init (&iter, book->cards);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const ConcordVCardFolderCardEntry *entry = value;
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
load_cache (ConcordVCardFolderBook *book)
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
      ConcordVCardFolderCardEntry *entry;

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

      if (!_concord_vcard_folder_is_card_name (name) || g_hash_table_contains (book->cards, name) || stamp[1] == 0)
        continue;

      entry = g_new0 (ConcordVCardFolderCardEntry, 1);
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
          /* Made into a record only when listed (_concord_vcard_folder_entry_get_record ()). */
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

void
_concord_vcard_folder_ensure_cache (ConcordVCardFolderBook *book)
{
  if (!book->cache_loaded)
    load_cache (book);
}

/* The record of a good entry, made from the persistent cache's form on
 * first use; NULL when that form is damaged (the entry is then read again). */
ConcordRecord *
_concord_vcard_folder_entry_get_record (ConcordVCardFolderCardEntry *entry,
                                        const char                  *name)
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
  version = _concord_vcard_folder_hash_to_version (entry->hash);
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
GHashTable *
_concord_vcard_folder_load_snapshot (ConcordVCardFolderBook *book,
                                     const char             *cursor)
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
      if (_concord_vcard_folder_is_card_name (key))
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
void
_concord_vcard_folder_prune_snapshots (ConcordVCardFolderBook *book)
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
void
_concord_vcard_folder_save_state (ConcordVCardFolderBook *book)
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
void
_concord_vcard_folder_snapshot_note (ConcordVCardFolderBook *book,
                                     const char             *name,
                                     const guint8           *hash)
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
