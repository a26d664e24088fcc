/* concord-connector-vcard-folder-entries.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A vCard folder's books and their cards (see
 * concord-connector-vcard-folder.c): file stamps and hashes, the book of a
 * contact type, scanning a folder, reading a card file and keeping its
 * entry fresh.
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
/* Entries and books                                                         */
/* ------------------------------------------------------------------------- */

static void
card_entry_free (ConcordVCardFolderCardEntry *entry)
{
  g_clear_pointer (&entry->card, concord_vcard_free);
  g_clear_pointer (&entry->record, concord_record_unref);
  g_clear_pointer (&entry->serialized, g_bytes_unref);
  g_strfreev (entry->customs);
  g_free (entry->refused);
  g_free (entry);
}

void
_concord_vcard_folder_book_free (ConcordVCardFolderBook *book)
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

void
_concord_vcard_folder_stamp_from_stat (ConcordVCardFolderFileStamp *stamp,
                                       const struct stat           *st)
{
  stamp->dev = st->st_dev;
  stamp->ino = st->st_ino;
  stamp->size = st->st_size;
  stamp->mtime_ns = (gint64) st->st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st->st_mtim.tv_nsec;
  stamp->ctime_ns = (gint64) st->st_ctim.tv_sec * G_GINT64_CONSTANT (1000000000) + st->st_ctim.tv_nsec;
  stamp->mode = st->st_mode & 07777;
}

gboolean
_concord_vcard_folder_stamp_equal (const ConcordVCardFolderFileStamp *a,
                                   const ConcordVCardFolderFileStamp *b)
{
  return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
         a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

void
_concord_vcard_folder_hash_data (const char *data,
                                 gsize       length,
                                 guint8      hash[HASH_LENGTH])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize n = HASH_LENGTH;

  g_checksum_update (checksum, (const guchar *) data, (gssize) length);
  g_checksum_get_digest (checksum, hash, &n);
}

char *
_concord_vcard_folder_hash_to_version (const guint8 hash[HASH_LENGTH])
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
gboolean
_concord_vcard_folder_is_card_name (const char *name)
{
  gsize length = strlen (name);

  if (length <= 4 || name[0] == '.' || strchr (name, '/') != NULL)
    return FALSE;
  if (g_ascii_strcasecmp (name + length - 4, ".vcf") != 0)
    return FALSE;
  return g_utf8_validate (name, (gssize) length, NULL);
}

/* Whether @name may be a contact type: "." or a sub-folder's plain name. */
gboolean
_concord_vcard_folder_is_book_name (const char *name)
{
  if (g_strcmp0 (name, CONCORD_VCARD_FOLDER_SELF) == 0)
    return TRUE;
  return name != NULL && *name != '\0' && name[0] != '.' && strchr (name, '/') == NULL &&
         strlen (name) < 256 && g_utf8_validate (name, -1, NULL);
}

/* Whether @path, a symbolic link's target, lies inside the folder. */
gboolean
_concord_vcard_folder_is_inside (ConcordConnectorVCardFolder *self,
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
gboolean
_concord_vcard_folder_stat_card (ConcordConnectorVCardFolder *self,
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

      if (!_concord_vcard_folder_is_inside (self, path) || fstatat (dir_fd, name, st, 0) != 0)
        return FALSE;
      *followed = TRUE;
    }

  return S_ISREG (st->st_mode);
}

/* The display name of a folder: its "displayname" file's first line. */
char *
_concord_vcard_folder_read_displayname (const char *dir)
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
ConcordVCardFolderBook *
_concord_vcard_folder_get_book (ConcordConnectorVCardFolder  *self,
                                const char                   *contact_type,
                                GError                      **error)
{
  g_autofree char *dir = NULL;
  ConcordVCardFolderBook *book;
  GStatBuf st;

  if (!_concord_vcard_folder_is_book_name (contact_type))
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
          !(S_ISDIR (st.st_mode) || (S_ISLNK (st.st_mode) && _concord_vcard_folder_is_inside (self, dir) &&
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

  book = g_new0 (ConcordVCardFolderBook, 1);
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

int
_concord_vcard_folder_compare_names (gconstpointer a,
                                     gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Whether @name in @dir_fd is a temporary file of a write of this
 * connector (".NAME.vcf.XXXXXX", see _concord_vcard_folder_write_temp()) left by a crash: an
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
GPtrArray *
_concord_vcard_folder_scan_book (ConcordVCardFolderBook  *book,
                                 GError                 **error)
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
      if (!_concord_vcard_folder_is_card_name (entry->d_name))
        continue;
      g_ptr_array_add (names, g_strdup (entry->d_name));
    }
  closedir (dir);

  g_ptr_array_sort (names, _concord_vcard_folder_compare_names);
  return g_steal_pointer (&names);
}

/* The bytes of the open card file @fd, @size bytes when it was looked
 * at; NULL with @error set when it cannot be read or grows too large. */
static char *
read_card_bytes (int          fd,
                 const char  *name,
                 gsize        size,
                 gsize       *length,
                 GError     **error)
{
  g_autofree char *data = NULL;
  gsize capacity, n_read = 0;

  /* One byte past the size tells a file that grows while it is read. */
  capacity = size + 1;
  data = g_malloc (capacity + 1);
  for (;;)
    {
      gssize n = read (fd, data + n_read, capacity - n_read);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

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
              g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE,
                           /* Translators: %s is a file's name */
                           _("“%s” is too large for a contact"), name);
              return NULL;
            }
          capacity = MIN (capacity * 2, (gsize) CONCORD_VCARD_MAX_BYTES + 1);
          data = g_realloc (data, capacity + 1);
        }
    }

  data[n_read] = '\0';
  *length = n_read;
  return g_steal_pointer (&data);
}

/* Reads the file @name of @book: its bytes (at most the bound of a card)
 * and its stat. Returns NULL with *missing set when there is no such file
 * (or it is not one this connector reads). */
char *
_concord_vcard_folder_read_card_file (ConcordConnectorVCardFolder  *self,
                                      ConcordVCardFolderBook       *book,
                                      const char                   *name,
                                      gsize                        *length,
                                      ConcordVCardFolderFileStamp  *stamp,
                                      gboolean                     *missing,
                                      GError                      **error)
{
  g_autofree char *path = g_build_filename (book->dir, name, NULL);
  g_autofree char *data = NULL;
  struct stat st;
  gboolean followed = FALSE;
  int dir_fd, fd;

  *missing = FALSE;

  dir_fd = open (book->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0 || !_concord_vcard_folder_stat_card (self, dir_fd, book->dir, name, &st, &followed))
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
  _concord_vcard_folder_stamp_from_stat (stamp, &st);

  if (st.st_size > CONCORD_VCARD_MAX_BYTES)
    {
      g_autofree char *size = g_format_size ((guint64) st.st_size);

      close (fd);
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE,
                   /* Translators: a file name and its size, such as "3.1 MB" */
                   _("“%s” is too large for a contact (%s)"), name, size);
      return NULL;
    }

  data = read_card_bytes (fd, name, (gsize) st.st_size, length, error);
  close (fd);
  return g_steal_pointer (&data);
}

/* A record for @card, as listed: its file name, its version. */
ConcordRecord *
_concord_vcard_folder_record_for (ConcordConnectorVCardFolder       *self,
                                  const ConcordVCard                *card,
                                  const char                        *name,
                                  const ConcordVCardFolderCardEntry *entry)
{
  ConcordRecord *record = concord_vcard_to_record (card, name, self->region);
  g_autofree char *version = _concord_vcard_folder_hash_to_version (entry->hash);

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
ConcordVCardFolderCardEntry *
_concord_vcard_folder_refresh_entry (ConcordConnectorVCardFolder  *self,
                                     ConcordVCardFolderBook       *book,
                                     const char                   *name,
                                     GError                      **error)
{
  ConcordVCardFolderCardEntry *entry = g_hash_table_lookup (book->cards, name);
  g_autofree char *data = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ConcordVCard) card = NULL;
  guint8 hash[HASH_LENGTH];
  ConcordVCardFolderFileStamp stamp;
  gsize length = 0;
  gboolean missing = FALSE;

  if (entry != NULL && book->checked)
    return entry;   /* checked by the schema just before (see _concord_vcard_folder_refresh_book ()) */

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
          ConcordVCardFolderFileStamp now;

          _concord_vcard_folder_stamp_from_stat (&now, &st);
          if (_concord_vcard_folder_stamp_equal (&now, &entry->stamp))
            return entry;
        }
    }

  data = _concord_vcard_folder_read_card_file (self, book, name, &length, &stamp, &missing, &local_error);
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
      _concord_vcard_folder_hash_data (data, length, hash);
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

  entry = g_new0 (ConcordVCardFolderCardEntry, 1);
  entry->stamp = stamp;
  memcpy (entry->hash, hash, HASH_LENGTH);
  if (card != NULL)
    {
      entry->version = concord_vcard_get_version (card);
      entry->record = _concord_vcard_folder_record_for (self, card, name, entry);
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
