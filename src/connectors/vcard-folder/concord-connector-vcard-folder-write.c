/* concord-connector-vcard-folder-write.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Writing a vCard folder (see concord-connector-vcard-folder.c): file
 * names and versions of new cards, writes through hidden temporary files
 * renamed in place, and the create, update and delete calls.
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
              ConcordVCardFolderBook      *book)
{
  GHashTableIter iter;
  gpointer value;
  guint n3 = 0, n4 = 0;

  if (g_hash_table_size (book->cards) == 0)
    {
      g_autoptr(GPtrArray) names = _concord_vcard_folder_scan_book (book, NULL);

      for (guint i = 0; names != NULL && i < MIN (names->len, 16); i++)
        _concord_vcard_folder_refresh_entry (self, book, g_ptr_array_index (names, i), NULL);
    }

  g_hash_table_iter_init (&iter, book->cards);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ConcordVCardFolderCardEntry *entry = value;

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

void
_concord_vcard_folder_pending_write_free (ConcordVCardFolderPendingWrite *pending)
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
gboolean
_concord_vcard_folder_write_temp (ConcordVCardFolderBook          *book,
                                  ConcordVCardFolderPendingWrite  *pending,
                                  GError                         **error)
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
commit_write (ConcordConnectorVCardFolder     *self,
              ConcordVCardFolderBook          *book,
              ConcordVCardFolderPendingWrite  *pending,
              GError                         **error)
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
          /* Linked: the temporary name goes (_concord_vcard_folder_pending_write_free). */
          return TRUE;
        }
    }
  else
    {
      struct stat st;

      /* Someone wrote the card since it was read: theirs stays. */
      if (pending->have_stamp)
        {
          ConcordVCardFolderFileStamp now;

          if (g_stat (path, &st) != 0)
            {
              g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                           "The card “%s” was deleted while it was written", pending->name);
              return FALSE;
            }
          _concord_vcard_folder_stamp_from_stat (&now, &st);
          if (!_concord_vcard_folder_stamp_equal (&now, &pending->stamp))
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
flush_folder (ConcordVCardFolderBook *book,
              gboolean                contents)
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
void
_concord_vcard_folder_write_cards (ConcordConnectorVCardFolder *self,
                                   ConcordVCardFolderBook      *book,
                                   GPtrArray                   *writes,
                                   ConcordWriteBatch           *batch)
{
  gboolean any = FALSE;

  for (guint i = 0; i < writes->len; i++)
    {
      ConcordVCardFolderPendingWrite *pending = g_ptr_array_index (writes, i);
      g_autoptr(GError) error = NULL;

      if (!_concord_vcard_folder_write_temp (book, pending, &error))
        {
          concord_write_batch_set_error (batch, pending->index, error);
          g_ptr_array_index (writes, i) = NULL;
          _concord_vcard_folder_pending_write_free (pending);
          continue;
        }
      any = TRUE;
    }
  if (!any)
    return;

  flush_folder (book, TRUE);

  for (guint i = 0; i < writes->len; i++)
    {
      ConcordVCardFolderPendingWrite *pending = g_ptr_array_index (writes, i);
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;
      ConcordVCardFolderCardEntry *entry;
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
      entry = g_new0 (ConcordVCardFolderCardEntry, 1);
      if (g_stat (path, &st) == 0)
        _concord_vcard_folder_stamp_from_stat (&entry->stamp, &st);
      _concord_vcard_folder_hash_data (pending->data, pending->length, entry->hash);
      entry->card = g_steal_pointer (&pending->card);
      entry->version = concord_vcard_get_version (entry->card);
      entry->record = _concord_vcard_folder_record_for (self, entry->card, pending->name, entry);
      entry->good = TRUE;
      g_hash_table_replace (book->cards, g_strdup (pending->name), entry);
      _concord_vcard_folder_snapshot_note (book, pending->name, entry->hash);

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

ConcordVCardFolderPendingWrite *
_concord_vcard_folder_pending_create (guint         index,
                                      ConcordVCard *card)
{
  ConcordVCardFolderPendingWrite *pending = g_new0 (ConcordVCardFolderPendingWrite, 1);

  pending->index = index;
  pending->create = TRUE;
  pending->name = _concord_vcard_folder_file_name_for_uid (concord_vcard_get_uid (card));
  pending->data = concord_vcard_to_string (card, &pending->length);
  pending->card = card;

  return pending;
}

void
_concord_vcard_folder_create_async (ConcordConnector    *connector,
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
  ConcordVCardFolderBook *book;

  task = concord_connector_task_new (connector, _concord_vcard_folder_create_async,
                                     cancellable, callback, user_data);

  book = _concord_vcard_folder_begin_call (self, task, contact_type);
  if (book == NULL)
    return;

  batch = concord_write_batch_new (task, records->len);
  writes = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_vcard_folder_pending_write_free);
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
      g_ptr_array_add (writes, _concord_vcard_folder_pending_create (i, card));
    }

  _concord_vcard_folder_write_cards (self, book, writes, batch);
}

/* Whether @change conflicts with the card changed on disk (@disk) since
 * it was read (@cached). */
static gboolean
change_conflicts (ConcordVCardFolderCardEntry *cached,
                  ConcordVCard                *disk,
                  const ConcordRecordChange   *change)
{
  /* Without the card as read (known from the persistent cache only),
   * the fields cannot be compared: read again first, unless the change
   * names no field at all. */
  if (cached->card == NULL)
    return (change->set != NULL && concord_record_get_n_fields (change->set) > 0) ||
           (change->clear != NULL && change->clear[0] != NULL);
  return concord_vcard_change_conflicts (cached->card, disk, change->set,
                                         (const char * const *) change->clear);
}

/* The entry of a card a change leaves as it is (@disk, taken), its
 * record echoed. */
static ConcordRecord *
keep_unchanged (ConcordConnectorVCardFolder *self,
                ConcordVCardFolderBook      *book,
                const ConcordRecordChange   *change,
                ConcordVCardFolderFileStamp *stamp,
                const guint8                *hash,
                ConcordVCard                *disk)
{
  ConcordVCardFolderCardEntry *entry = g_new0 (ConcordVCardFolderCardEntry, 1);

  entry->stamp = *stamp;
  memcpy (entry->hash, hash, HASH_LENGTH);
  entry->card = disk;
  entry->version = concord_vcard_get_version (entry->card);
  entry->record = _concord_vcard_folder_record_for (self, entry->card, change->remote_id, entry);
  entry->good = TRUE;
  g_hash_table_replace (book->cards, g_strdup (change->remote_id), entry);
  _concord_vcard_folder_snapshot_note (book, change->remote_id, entry->hash);
  return entry->record;
}

/* The write of @change to the card as it is on disk now, or NULL: then
 * the result is in @batch already (or there is nothing to write, and the
 * card is echoed). */
static ConcordVCardFolderPendingWrite *
pending_update (ConcordConnectorVCardFolder *self,
                ConcordVCardFolderBook      *book,
                guint                        index,
                const ConcordRecordChange   *change,
                ConcordWriteBatch           *batch)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordVCard) disk = NULL;
  g_autofree char *data = NULL;
  g_autofree char *written = NULL;
  ConcordVCardFolderPendingWrite *pending;
  ConcordVCardFolderCardEntry *cached;
  ConcordVCardFolderFileStamp stamp;
  guint8 hash[HASH_LENGTH];
  gsize length = 0, written_length = 0;
  gboolean missing = FALSE;

  if (!_concord_vcard_folder_is_remote_id (change->remote_id))
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

  data = _concord_vcard_folder_read_card_file (self, book, change->remote_id, &length, &stamp, &missing, &error);
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
  _concord_vcard_folder_hash_data (data, length, hash);

  /* Changed since read: fine unless the change's own fields changed. */
  cached = g_hash_table_lookup (book->cards, change->remote_id);
  if (cached != NULL && cached->good && memcmp (hash, cached->hash, HASH_LENGTH) != 0)
    {
      if (change_conflicts (cached, disk, change))
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
      concord_write_batch_set_ok (batch, index,
                                  keep_unchanged (self, book, change, &stamp, hash,
                                                  g_steal_pointer (&disk)));
      return NULL;
    }

  pending = g_new0 (ConcordVCardFolderPendingWrite, 1);
  pending->index = index;
  pending->name = g_strdup (change->remote_id);
  pending->have_stamp = TRUE;
  pending->stamp = stamp;
  pending->card = g_steal_pointer (&disk);
  pending->data = g_steal_pointer (&written);
  pending->length = written_length;

  return pending;
}

void
_concord_vcard_folder_update_async (ConcordConnector    *connector,
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
  ConcordVCardFolderBook *book;

  task = concord_connector_task_new (connector, _concord_vcard_folder_update_async,
                                     cancellable, callback, user_data);

  book = _concord_vcard_folder_begin_call (self, task, contact_type);
  if (book == NULL)
    return;

  batch = concord_write_batch_new (task, changes->len);
  writes = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_vcard_folder_pending_write_free);
  for (guint i = 0; i < changes->len; i++)
    {
      ConcordVCardFolderPendingWrite *pending = pending_update (self, book, i, g_ptr_array_index (changes, i), batch);

      if (pending != NULL)
        g_ptr_array_add (writes, pending);
    }

  _concord_vcard_folder_write_cards (self, book, writes, batch);
}

void
_concord_vcard_folder_delete_async (ConcordConnector    *connector,
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
  ConcordVCardFolderBook *book;

  task = concord_connector_task_new (connector, _concord_vcard_folder_delete_async,
                                     cancellable, callback, user_data);

  book = _concord_vcard_folder_begin_call (self, task, contact_type);
  if (book == NULL)
    return;

  batch = concord_write_batch_new (task, n);
  for (guint i = 0; i < n; i++)
    {
      const char *name = remote_ids[i];
      g_autoptr(GError) error = NULL;
      g_autofree char *data = NULL;
      g_autofree char *path = NULL;
      ConcordVCardFolderCardEntry *cached;
      ConcordVCardFolderFileStamp stamp;
      gsize length = 0;
      gboolean missing = FALSE;

      if (!_concord_vcard_folder_is_remote_id (name))
        {
          concord_write_batch_set_ok (batch, i, NULL);
          continue;
        }

      data = _concord_vcard_folder_read_card_file (self, book, name, &length, &stamp, &missing, &error);
      if (missing)
        {
          /* Gone already. */
          g_hash_table_remove (book->cards, name);
          _concord_vcard_folder_snapshot_note (book, name, NULL);
          concord_write_batch_set_ok (batch, i, NULL);
          continue;
        }

      cached = g_hash_table_lookup (book->cards, name);
      if (data != NULL && cached != NULL)
        {
          guint8 hash[HASH_LENGTH];

          _concord_vcard_folder_hash_data (data, length, hash);
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
      _concord_vcard_folder_snapshot_note (book, name, NULL);
      concord_write_batch_set_ok (batch, i, NULL);
      any = TRUE;
    }

  if (any)
    flush_folder (book, FALSE);
}
