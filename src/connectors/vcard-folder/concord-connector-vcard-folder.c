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

G_DEFINE_FINAL_TYPE (ConcordConnectorVCardFolder, concord_connector_vcard_folder,
                     CONCORD_TYPE_CONNECTOR)

/* The parent class, for the parts' chained-up calls. */
gpointer
_concord_vcard_folder_parent_class (void)
{
  return concord_connector_vcard_folder_parent_class;
}

/* ------------------------------------------------------------------------- */
/* Calls                                                                     */
/* ------------------------------------------------------------------------- */

/* The start of every call on a contact type: the task is still pending
 * when it returns a book, and has been returned when it returns NULL. */
ConcordVCardFolderBook *
_concord_vcard_folder_begin_call (ConcordConnectorVCardFolder *self,
                                  GTask                       *task,
                                  const char                  *contact_type)
{
  GError *error = NULL;
  ConcordVCardFolderBook *book;

  if (g_task_return_error_if_cancelled (task))
    return NULL;

  book = _concord_vcard_folder_get_book (self, contact_type, &error);
  if (book == NULL)
    {
      g_task_return_error (task, error);
      return NULL;
    }

  /* The stats load_schema () checked stay trusted only for the listing
   * that follows it at once (see _concord_vcard_folder_list_async ()). */
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
GPtrArray *
_concord_vcard_folder_list_books (ConcordConnectorVCardFolder  *self,
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
      if (_concord_vcard_folder_is_card_name (entry->d_name))
        {
          has_cards = TRUE;
          continue;
        }
      if (!_concord_vcard_folder_is_book_name (entry->d_name))
        continue;

      path = g_build_filename (self->path, entry->d_name, NULL);
      if (lstat (path, &st) != 0)
        continue;
      if (S_ISLNK (st.st_mode) && (!_concord_vcard_folder_is_inside (self, path) || stat (path, &st) != 0))
        continue;
      if (S_ISDIR (st.st_mode))
        g_ptr_array_add (subdirs, g_strdup (entry->d_name));
    }
  closedir (dir);

  g_ptr_array_sort (subdirs, _concord_vcard_folder_compare_names);

  if (has_cards || subdirs->len == 0)
    {
      g_autofree char *label = _concord_vcard_folder_read_displayname (self->path);

      if (label == NULL)
        label = g_filename_display_basename (self->path);
      g_ptr_array_add (types, concord_contact_type_new (CONCORD_VCARD_FOLDER_SELF, label));
    }

  for (guint i = 0; i < subdirs->len; i++)
    {
      const char *name = g_ptr_array_index (subdirs, i);
      g_autofree char *path = g_build_filename (self->path, name, NULL);
      g_autofree char *label = _concord_vcard_folder_read_displayname (path);

      g_ptr_array_add (types, concord_contact_type_new (name, label != NULL ? label : name));
    }

  return g_steal_pointer (&types);
}

static GPtrArray *
vcard_folder_list_contact_types (ConcordConnector *connector)
{
  ConcordConnectorVCardFolder *self = CONCORD_CONNECTOR_VCARD_FOLDER (connector);
  g_autoptr(GError) error = NULL;
  GPtrArray *types = _concord_vcard_folder_list_books (self, &error);

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

  types = _concord_vcard_folder_list_books (self, &error);
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

  types = _concord_vcard_folder_list_books (self, &error);
  if (types == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Lists @book to its end, so every card is in the cache. */
gboolean
_concord_vcard_folder_refresh_book (ConcordConnectorVCardFolder  *self,
                                    ConcordVCardFolderBook       *book,
                                    GError                      **error)
{
  g_autoptr(GPtrArray) names = _concord_vcard_folder_scan_book (book, error);

  if (names == NULL)
    return FALSE;

  book->dir_fd = open (book->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr(GError) local_error = NULL;

      _concord_vcard_folder_refresh_entry (self, book, g_ptr_array_index (names, i), &local_error);
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
  ConcordVCardFolderBook *book;

  task = concord_connector_task_new (connector, vcard_folder_load_schema_async,
                                     cancellable, callback, user_data);

  book = _concord_vcard_folder_begin_call (self, task, contact_type);
  if (book == NULL)
    return;
  _concord_vcard_folder_ensure_cache (book);
  if (!_concord_vcard_folder_refresh_book (self, book, &error))
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
      const ConcordVCardFolderCardEntry *entry = value;

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

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
cancel_monitor (gpointer data)
{
  GFileMonitor *monitor = data;

  g_signal_handlers_disconnect_matched (monitor, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                        _concord_vcard_folder_on_monitor_changed_cb, NULL);
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
    _concord_vcard_folder_save_state (value);

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
  connector_class->type_matches = _concord_vcard_folder_type_matches;
  connector_class->load_schema_async = vcard_folder_load_schema_async;
  connector_class->list_async = _concord_vcard_folder_list_async;
  connector_class->fetch_async = _concord_vcard_folder_fetch_async;
  connector_class->create_async = _concord_vcard_folder_create_async;
  connector_class->update_async = _concord_vcard_folder_update_async;
  connector_class->delete_async = _concord_vcard_folder_delete_async;
  connector_class->get_page_size = vcard_folder_get_page_size;
  connector_class->get_rate_budget = vcard_folder_get_rate_budget;
  connector_class->watch_changes = _concord_vcard_folder_watch_changes;
  connector_class->verify_async = vcard_folder_verify_async;
}

static void
concord_connector_vcard_folder_init (ConcordConnectorVCardFolder *self)
{
  g_autoptr(GPtrArray) specs = concord_vcard_field_specs ();

  self->books = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) _concord_vcard_folder_book_free);
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
  ConcordVCardFolderBook *book;

  g_return_val_if_fail (CONCORD_IS_CONNECTOR_VCARD_FOLDER (self), NULL);

  book = _concord_vcard_folder_get_book (self, contact_type, error);
  if (book == NULL)
    return NULL;

  task = concord_connector_task_new (CONCORD_CONNECTOR (self), _concord_vcard_folder_create_async,
                                     NULL, on_test_batch_done_cb, &result);
  batch = concord_write_batch_new (task, 1);
  writes = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_vcard_folder_pending_write_free);
  g_ptr_array_add (writes, _concord_vcard_folder_pending_create (0, concord_vcard_copy (card)));
  name = g_strdup (((ConcordVCardFolderPendingWrite *) g_ptr_array_index (writes, 0))->name);
  _concord_vcard_folder_write_cards (self, book, writes, batch);
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
