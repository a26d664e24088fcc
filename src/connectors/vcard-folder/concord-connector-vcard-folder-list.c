/* concord-connector-vcard-folder-list.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Listing a vCard folder (see concord-connector-vcard-folder.c): pages
 * from a book's snapshot, fetch by file name, and watching the folder for
 * changes made by others.
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

/* The snapshot of an incremental listing: the cards that differ from
 * the cursor's snapshot (every card's stat checked, the changed ones
 * read), and those deleted since. */
static void
snapshot_changes (ConcordConnectorVCardFolder *self,
                  ConcordVCardFolderBook      *book,
                  GPtrArray                   *names)
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
      ConcordVCardFolderCardEntry *entry = _concord_vcard_folder_refresh_entry (self, book, name, &local_error);
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

/* A listing from its first page: the folder scanned, and the snapshot
 * to page through (every card, or what changed since @cursor's). */
static gboolean
start_listing (ConcordConnectorVCardFolder  *self,
               ConcordVCardFolderBook       *book,
               const char                   *cursor,
               GError                      **error)
{
  GPtrArray *names = _concord_vcard_folder_scan_book (book, error);

  if (names == NULL)
    return FALSE;
  _concord_vcard_folder_ensure_cache (book);
  g_clear_pointer (&book->all_names, g_ptr_array_unref);
  g_clear_pointer (&book->snapshot, g_ptr_array_unref);
  g_clear_pointer (&book->base, g_hash_table_unref);
  g_clear_pointer (&book->deleted, g_ptr_array_unref);
  book->all_names = names;
  book->generation++;
  book->damaged = FALSE;
  book->base = _concord_vcard_folder_load_snapshot (book, cursor);
  book->incremental = book->base != NULL;

  if (!book->incremental)
    book->snapshot = g_ptr_array_ref (names);
  else
    snapshot_changes (self, book, names);

  return TRUE;
}

/* The offset of @page_token ("generation:offset") in @book's snapshot. */
static gboolean
read_page_token (ConcordVCardFolderBook  *book,
                 const char              *page_token,
                 guint64                 *offset,
                 GError                 **error)
{
  g_auto(GStrv) parts = g_strsplit (page_token, ":", 2);
  guint64 generation = 0;

  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXUINT, &generation, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXUINT, offset, NULL) ||
      book->snapshot == NULL || generation != book->generation ||
      *offset > book->snapshot->len)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "Invalid page token");
      return FALSE;
    }

  return TRUE;
}

/* The cards of @book's snapshot from @start to @end into @page; those
 * that cannot be read as its refusals. */
static void
add_page_cards (ConcordConnectorVCardFolder *self,
                ConcordVCardFolderBook      *book,
                ConcordPage                 *page,
                guint                        start,
                guint                        end)
{
  for (guint i = start; i < end; i++)
    {
      const char *name = g_ptr_array_index (book->snapshot, i);
      g_autoptr(GError) error = NULL;
      ConcordVCardFolderCardEntry *entry = _concord_vcard_folder_refresh_entry (self, book, name, &error);

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
      if (entry->good && _concord_vcard_folder_entry_get_record (entry, name) == NULL)
        entry = _concord_vcard_folder_refresh_entry (self, book, name, NULL);   /* its cached form was damaged */
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
}

/* The end of a listing: the cache trimmed to the folder, the new
 * cursor's snapshot saved, and @page made the last. */
static void
finish_listing (ConcordVCardFolderBook *book,
                ConcordPage            *page)
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
      ConcordVCardFolderCardEntry *entry = g_hash_table_lookup (book->cards, name);
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
  _concord_vcard_folder_save_state (book);
  _concord_vcard_folder_prune_snapshots (book);

  page->cursor = g_strconcat (CURSOR_PREFIX, book->snapshot_id, NULL);
  page->complete = !book->incremental && !book->damaged;
  if (book->deleted != NULL)
    {
      g_ptr_array_extend_and_steal (page->deleted, g_steal_pointer (&book->deleted));
    }
  g_clear_pointer (&book->base, g_hash_table_unref);
  book->listed = TRUE;
}

/* Page tokens: "generation:offset" into the book's snapshot. */
void
_concord_vcard_folder_list_async (ConcordConnector    *connector,
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
  g_autoptr(GError) error = NULL;
  guint64 offset = 0;
  guint end;
  ConcordVCardFolderBook *book;

  task = concord_connector_task_new (connector, _concord_vcard_folder_list_async,
                                     cancellable, callback, user_data);

  book = _concord_vcard_folder_begin_call (self, task, contact_type);
  if (book == NULL)
    return;

  if (page_token == NULL ? !start_listing (self, book, cursor, &error)
                         : !read_page_token (book, page_token, &offset, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  page = concord_page_new ();
  end = MIN (book->snapshot->len, (guint) offset + PAGE_SIZE);
  add_page_cards (self, book, page, (guint) offset, end);

  if (end < book->snapshot->len)
    page->next_page = g_strdup_printf ("%u:%u", book->generation, end);
  else
    finish_listing (book, page);

  g_task_return_pointer (task, g_steal_pointer (&page), (GDestroyNotify) concord_page_free);
}

gboolean
_concord_vcard_folder_is_remote_id (const char *remote_id)
{
  return remote_id != NULL && _concord_vcard_folder_is_card_name (remote_id);
}

void
_concord_vcard_folder_fetch_async (ConcordConnector    *connector,
                                   const char          *contact_type,
                                   const char * const  *remote_ids,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  ConcordConnectorVCardFolder *self = CONCORD_CONNECTOR_VCARD_FOLDER (connector);
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) records = NULL;
  ConcordVCardFolderBook *book;

  task = concord_connector_task_new (connector, _concord_vcard_folder_fetch_async,
                                     cancellable, callback, user_data);

  book = _concord_vcard_folder_begin_call (self, task, contact_type);
  if (book == NULL)
    return;

  records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  for (guint i = 0; remote_ids != NULL && remote_ids[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      ConcordVCardFolderCardEntry *entry;

      if (!_concord_vcard_folder_is_remote_id (remote_ids[i]))
        continue;
      entry = _concord_vcard_folder_refresh_entry (self, book, remote_ids[i], &error);
      if (error != NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      if (entry != NULL && entry->good && _concord_vcard_folder_entry_get_record (entry, remote_ids[i]) == NULL)
        entry = _concord_vcard_folder_refresh_entry (self, book, remote_ids[i], NULL);
      if (entry != NULL && entry->good && entry->record != NULL)
        g_ptr_array_add (records, concord_record_ref (entry->record));
    }

  g_task_return_pointer (task, g_steal_pointer (&records), (GDestroyNotify) g_ptr_array_unref);
}

/* ------------------------------------------------------------------------- */
/* Changes                                                                   */
/* ------------------------------------------------------------------------- */

/* Whether @book's folder holds cards other than the cache's. */
static gboolean
book_differs (ConcordConnectorVCardFolder *self,
              ConcordVCardFolderBook      *book)
{
  g_autoptr(GPtrArray) names = NULL;
  int dir_fd;
  gboolean differs = FALSE;

  if (!book->listed)
    return TRUE;

  names = _concord_vcard_folder_scan_book (book, NULL);
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
      ConcordVCardFolderCardEntry *entry = g_hash_table_lookup (book->cards, name);
      struct stat st;
      gboolean followed;
      ConcordVCardFolderFileStamp now;

      if (entry == NULL || !_concord_vcard_folder_stat_card (self, dir_fd, book->dir, name, &st, &followed))
        {
          differs = TRUE;
          break;
        }
      _concord_vcard_folder_stamp_from_stat (&now, &st);
      differs = !_concord_vcard_folder_stamp_equal (&now, &entry->stamp);
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

  types = _concord_vcard_folder_list_books (self, NULL);
  for (guint i = 0; types != NULL && i < types->len && !changed; i++)
    {
      ConcordContactType *type = g_ptr_array_index (types, i);
      ConcordVCardFolderBook *book = g_hash_table_lookup (self->books, type->id);

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

void
_concord_vcard_folder_on_monitor_changed_cb (GFileMonitor      *monitor,
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
  g_signal_connect (monitor, "changed", G_CALLBACK (_concord_vcard_folder_on_monitor_changed_cb), self);
  g_hash_table_insert (self->monitors, g_strdup (dir), monitor);
}

/* An address book is also named by its folder's path on disk: the
 * account's own folder for its cards ("."), a sub-folder's for that one,
 * with or without a trailing '/'; and a sub-folder by its name with one
 * ("work/"). */
gboolean
_concord_vcard_folder_type_matches (ConcordConnector         *connector,
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

  if (CONCORD_CONNECTOR_CLASS (_concord_vcard_folder_parent_class ())->type_matches (
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

gboolean
_concord_vcard_folder_watch_changes (ConcordConnector *connector)
{
  ConcordConnectorVCardFolder *self = CONCORD_CONNECTOR_VCARD_FOLDER (connector);
  g_autoptr(GPtrArray) types = NULL;

  if (self->context == NULL)
    self->context = g_main_context_ref_thread_default ();

  watch_dir (self, self->path);
  if (!g_hash_table_contains (self->monitors, self->path))
    return FALSE;

  types = _concord_vcard_folder_list_books (self, NULL);
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
