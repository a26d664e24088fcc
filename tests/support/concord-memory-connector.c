/* concord-memory-connector.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * An app that lives in memory, for the engine's tests and benchmarks. It
 * plays a real API server as closely as a test needs: it assigns remote ids,
 * versions and modification times, pages its listings, caps its batches,
 * normalises what it is sent (the rewrite func) and fails on demand.
 *
 * Storage. Records are immutable once stored: the engine keeps references to
 * the records it listed, so a change stores a NEW record (a copy) in place of
 * the old one and never touches the old one. Each record has an Entry,
 * reached by remote id through a hash table, and sits in two GSequences:
 *
 *  - `order`, insertion order, for full listings. A replaced record keeps its
 *    place, so a full listing pages stably by offset;
 *  - `changes`, ascending change sequence number, for incremental listings. A
 *    changed record moves to the end, so "changed since cursor N" is the tail
 *    after a binary search for N.
 *
 * A GSequence is a balanced tree: finding the item at an offset is
 * O(log n), so a page costs O(log n + page size) even with 150,000 records,
 * and nothing is ever O(n) per call except get_all().
 *
 * Page tokens are offsets (in insertion order, or within the changed tail
 * for an incremental listing), cursors are change sequence numbers, both as
 * decimal strings. Like any offset-paged API, a listing that runs while the
 * server changes may skip or repeat a record; tests change the server
 * between runs.
 *
 * Faults (a failing listing page, failing write calls, per-record failures,
 * "stored but reported failed") are one-shot or counted, so a test sets them
 * up and the engine meets them on its next calls.
 *
 * Every async operation completes through a GTask on the caller's
 * thread-default main context, never inside the call. The object is not
 * thread-safe: use it from one thread at a time.
 */

#define G_LOG_DOMAIN "concord-memory-connector"

#include "config.h"

#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "concord-error.h"
#include "concord-memory-connector.h"
#include "concord-write-batch.h"

#define CONTACT_TYPE_ID    "contacts"
#define CONTACT_TYPE_LABEL "Contacts"

#define DEFAULT_PAGE_SIZE 500
#define DEFAULT_MAX_BATCH 100

typedef struct
{
  char          *remote_id;    /* (owned): the hash table's key */
  ConcordRecord *record;       /* (owned): the stored record, never changed */
  guint64        seq;          /* change sequence number of its last change */
  GSequenceIter *order_iter;   /* (unowned): place in self->order */
  GSequenceIter *change_iter;  /* (unowned): place in self->changes */
} Entry;

/* A removed record, for incremental listings that report deletions. */
typedef struct
{
  guint64  seq;
  char    *remote_id;  /* (owned) */
} Tombstone;

struct _ConcordMemoryConnector
{
  ConcordConnector          parent_instance;

  char                     *app_id;            /* (owned) */
  ConcordConnectorFlags     flags;

  GHashTable               *entries;           /* (owned): remote id -> Entry (owned) */
  GSequence                *order;             /* (owned): Entry (unowned), insertion order */
  GSequence                *changes;           /* (owned): Entry (unowned), ascending seq */
  guint64                   next_id;           /* counter of assigned remote ids */
  guint64                   seq;               /* the last change sequence number given */
  gint64                    now;               /* the server clock, unix seconds */

  guint                     page_size;
  guint                     max_batch;
  GPtrArray                *schema;            /* (owned) (nullable): of ConcordFieldSpec */

  guint                     n_created;
  guint                     n_updated;
  guint                     n_write_calls;
  guint                     n_list_calls;

  ConcordMemoryRewriteFunc  rewrite_func;      /* (nullable) */
  gpointer                  rewrite_data;      /* (unowned) */
  ConcordMemoryFailFunc     fail_func;         /* (nullable) */
  gpointer                  fail_data;         /* (unowned) */

  int                       fail_list_page;    /* -1: off */
  GError                   *fail_list_error;   /* (owned) (nullable) */
  guint                     fail_write_calls;
  GError                   *fail_write_error;  /* (owned) (nullable) */
  guint                     store_then_fail;

  gboolean                  report_deletions;
  GArray                   *tombstones;        /* (owned): Tombstone, ascending seq */
  GHashTable               *unreadable;        /* (owned): remote id → why it is refused */

  gsize                     allocated;         /* bytes the stored records and their entries hold */
};

G_DEFINE_FINAL_TYPE (ConcordMemoryConnector, concord_memory_connector, CONCORD_TYPE_CONNECTOR)

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void
tombstone_clear (gpointer data)
{
  g_free (((Tombstone *) data)->remote_id);
}

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_free (entry->remote_id);
  concord_record_unref (entry->record);
  g_free (entry);
}

static int
compare_entry_seq (gconstpointer a,
                   gconstpointer b,
                   gpointer      user_data)
{
  guint64 sa = ((const Entry *) a)->seq;
  guint64 sb = ((const Entry *) b)->seq;

  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

static char *
new_remote_id (ConcordMemoryConnector *self)
{
  for (;;)
    {
      char *remote_id = g_strdup_printf ("%s-%" G_GUINT64_FORMAT, self->app_id, ++self->next_id);

      if (!g_hash_table_contains (self->entries, remote_id))
        return remote_id;

      g_free (remote_id);
    }
}

/* What the server does to every record it writes: its clock and a new
 * version. Returns the change sequence number of the write. */
static guint64
stamp (ConcordMemoryConnector *self,
       ConcordRecord          *record)
{
  char version[32];

  self->seq++;
  g_snprintf (version, sizeof version, "%" G_GUINT64_FORMAT, self->seq);
  concord_record_set_version (record, version);
  concord_record_set_modified (record, self->now);
  self->now++;

  return self->seq;
}

/* Stores @record (owned, stamped, with its remote id) as a new entry. */
/* What an entry and its record hold, for concord_memory_connector_get_allocated_size().
 * The record, the entry and its key are measured; a hash table slot and two
 * GSequence nodes are counted at their size on 64-bit GLib 2.74 (three and
 * five pointers), as GLib does not say. */
static gsize
entry_size (const Entry *entry)
{
  gsize size = concord_record_get_allocated_size (entry->record) + 3 * sizeof (gpointer) +
               2 * 5 * sizeof (gpointer);

#ifdef __GLIBC__
  size += malloc_usable_size ((void *) entry) + malloc_usable_size (entry->remote_id);
#else
  size += sizeof *entry + strlen (entry->remote_id) + 1;
#endif
  return size;
}

static Entry *
store_new (ConcordMemoryConnector *self,
           ConcordRecord          *record,
           guint64                 seq)
{
  Entry *entry = g_new0 (Entry, 1);

  g_assert (concord_record_get_remote_id (record) != NULL);
  g_assert (!g_hash_table_contains (self->entries, concord_record_get_remote_id (record)));

  entry->remote_id = g_strdup (concord_record_get_remote_id (record));
  entry->record = record;
  entry->seq = seq;
  entry->order_iter = g_sequence_append (self->order, entry);
  entry->change_iter = g_sequence_append (self->changes, entry);
  g_hash_table_insert (self->entries, entry->remote_id, entry);
  self->allocated += entry_size (entry);

  return entry;
}

/* Puts @record (owned, stamped) in place of the entry's record. The old
 * record is only unreferenced: whoever listed it keeps it unchanged. */
static void
store_replace (ConcordMemoryConnector *self,
               Entry                  *entry,
               ConcordRecord          *record,
               guint64                 seq)
{
  g_assert (seq > entry->seq);

  /* The old record is no longer the app's (a reader may still hold it). */
  self->allocated -= MIN (self->allocated, entry_size (entry));
  concord_record_unref (entry->record);
  entry->record = record;
  self->allocated += entry_size (entry);
  entry->seq = seq;

  /* Sequence numbers only grow, so the end keeps `changes` sorted. */
  g_sequence_remove (entry->change_iter);
  entry->change_iter = g_sequence_append (self->changes, entry);
}

static gboolean
parse_number (const char *text,
              guint64    *number)
{
  return g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, number, NULL);
}

static gboolean
check_contact_type (GTask      *task,
                    const char *contact_type)
{
  if (g_strcmp0 (contact_type, CONTACT_TYPE_ID) == 0)
    return TRUE;

  g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                           "Unknown contact type %s", contact_type);
  return FALSE;
}

/* fail_next_write_calls(): the error this call fails with, or NULL. */
static GError *
take_write_fault (ConcordMemoryConnector *self)
{
  GError *error;

  if (self->fail_write_calls == 0)
    return NULL;

  self->fail_write_calls--;
  if (self->fail_write_error != NULL)
    error = g_error_copy (self->fail_write_error);
  else
    error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_SERVER,
                                 "Injected failure of a write call");

  if (self->fail_write_calls == 0)
    g_clear_error (&self->fail_write_error);

  return error;
}

static gboolean
take_store_then_fail (ConcordMemoryConnector *self)
{
  if (self->store_then_fail == 0)
    return FALSE;

  self->store_then_fail--;
  return TRUE;
}

/* A write stored, but its answer lost: the engine must not take it for
 * one that never happened. */
static void
set_stored_but_failed (ConcordWriteBatch *batch,
                       guint              index)
{
  g_autoptr(GError) error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_SERVER,
                                                 "The server timed out after storing the record");

  concord_write_batch_set_error (batch, index, error);
}

/* The start of a write call, shared by create, update and delete: the call
 * counts, then may fail as a whole. Returns FALSE when the task was
 * returned. */
static gboolean
begin_write_call (ConcordMemoryConnector *self,
                  GTask                  *task,
                  const char             *contact_type,
                  guint                   n_inputs,
                  gboolean               *store_then_fail)
{
  GError *fault;

  if (g_task_return_error_if_cancelled (task))
    return FALSE;

  if (!check_contact_type (task, contact_type))
    return FALSE;

  self->n_write_calls++;

  fault = take_write_fault (self);
  if (fault != NULL)
    {
      g_task_return_error (task, fault);
      return FALSE;
    }

  if (n_inputs > self->max_batch)
    {
      /* Like a 413: the whole request is refused. */
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                               "Batch too large: %u records, at most %u",
                               n_inputs, self->max_batch);
      return FALSE;
    }

  *store_then_fail = take_store_then_fail (self);
  return TRUE;
}

static void
set_error_result (ConcordWriteBatch *batch,
                  guint              index,
                  ConcordError       code,
                  const char        *what)
{
  g_autoptr(GError) error = g_error_new (CONCORD_ERROR, code, "Record %u: %s", index, what);

  concord_write_batch_set_error (batch, index, error);
}

static GPtrArray *
copy_schema (GPtrArray *schema)
{
  GPtrArray *copy;

  if (schema != NULL)
    {
      copy = g_ptr_array_new_full (schema->len, (GDestroyNotify) concord_field_spec_free);
      for (guint i = 0; i < schema->len; i++)
        g_ptr_array_add (copy, concord_field_spec_copy (g_ptr_array_index (schema, i)));
    }
  else
    {
      const ConcordFieldSpec *specs;
      guint n_specs;

      specs = concord_fields_get_all (&n_specs);
      copy = g_ptr_array_new_full (n_specs, (GDestroyNotify) concord_field_spec_free);
      for (guint i = 0; i < n_specs; i++)
        g_ptr_array_add (copy, concord_field_spec_copy (&specs[i]));
    }

  return copy;
}

/* ------------------------------------------------------------------------- */
/* ConcordConnector                                                          */
/* ------------------------------------------------------------------------- */

static const char *
concord_memory_connector_get_app_id (ConcordConnector *connector)
{
  return CONCORD_MEMORY_CONNECTOR (connector)->app_id;
}

static ConcordConnectorFlags
concord_memory_connector_get_flags (ConcordConnector *connector)
{
  return CONCORD_MEMORY_CONNECTOR (connector)->flags;
}

static guint
concord_memory_connector_get_max_batch (ConcordConnector *connector)
{
  return CONCORD_MEMORY_CONNECTOR (connector)->max_batch;
}

static guint
concord_memory_connector_get_page_size (ConcordConnector *connector)
{
  return CONCORD_MEMORY_CONNECTOR (connector)->page_size;
}

/* In memory, in this process: no budget to keep to. */
static guint
concord_memory_connector_get_rate_budget (ConcordConnector *connector)
{
  return 0;
}

static GPtrArray *
concord_memory_connector_list_contact_types (ConcordConnector *connector)
{
  GPtrArray *types = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);

  g_ptr_array_add (types, concord_contact_type_new (CONTACT_TYPE_ID, CONTACT_TYPE_LABEL));

  return types;
}

static void
concord_memory_connector_load_schema_async (ConcordConnector    *connector,
                                            const char          *contact_type,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  ConcordMemoryConnector *self = CONCORD_MEMORY_CONNECTOR (connector);
  g_autoptr(GTask) task = NULL;

  task = concord_connector_task_new (connector, concord_memory_connector_load_schema_async,
                                     cancellable, callback, user_data);

  if (g_task_return_error_if_cancelled (task) || !check_contact_type (task, contact_type))
    return;

  g_task_return_pointer (task, copy_schema (self->schema), (GDestroyNotify) g_ptr_array_unref);
}

static void
concord_memory_connector_list_async (ConcordConnector    *connector,
                                     const char          *contact_type,
                                     const char          *cursor,
                                     const char          *page_token,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  ConcordMemoryConnector *self = CONCORD_MEMORY_CONNECTOR (connector);
  g_autoptr(GTask) task = NULL;
  g_autoptr(ConcordPage) page = NULL;
  gboolean incremental;
  GSequence *sequence;
  GSequenceIter *iter;
  guint64 offset = 0;
  guint64 since = 0;
  guint64 start = 0;
  guint64 page_number;

  task = concord_connector_task_new (connector, concord_memory_connector_list_async,
                                     cancellable, callback, user_data);

  if (g_task_return_error_if_cancelled (task) || !check_contact_type (task, contact_type))
    return;

  self->n_list_calls++;

  if (page_token != NULL && !parse_number (page_token, &offset))
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                               "Invalid page token");
      return;
    }

  incremental = (self->flags & CONCORD_CONNECTOR_INCREMENTAL) != 0 && cursor != NULL;
  if (incremental && !parse_number (cursor, &since))
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                               "Invalid cursor");
      return;
    }

  page_number = offset / self->page_size;
  if (self->fail_list_page >= 0 && page_number == (guint64) self->fail_list_page)
    {
      GError *error;

      if (self->fail_list_error != NULL)
        error = g_steal_pointer (&self->fail_list_error);
      else
        error = g_error_new (CONCORD_ERROR, CONCORD_ERROR_SERVER,
                             "Injected failure of listing page %d", self->fail_list_page);
      self->fail_list_page = -1;
      g_task_return_error (task, error);
      return;
    }

  if (incremental)
    {
      /* The first record changed after the cursor: the search lands after
       * any record whose sequence number equals it. */
      Entry probe = { .seq = since };

      sequence = self->changes;
      iter = g_sequence_search (sequence, &probe, compare_entry_seq, NULL);
      start = (guint64) g_sequence_iter_get_position (iter);
    }
  else
    sequence = self->order;

  if (start + offset >= (guint64) g_sequence_get_length (sequence))
    iter = g_sequence_get_end_iter (sequence);
  else
    iter = g_sequence_get_iter_at_pos (sequence, (int) (start + offset));

  page = concord_page_new ();
  for (guint n = 0; n < self->page_size && !g_sequence_iter_is_end (iter); n++)
    {
      Entry *entry = g_sequence_get (iter);
      const char *remote_id = concord_record_get_remote_id (entry->record);
      const char *reason = g_hash_table_lookup (self->unreadable, remote_id);

      /* A record the app holds and the connector cannot read. */
      if (reason != NULL)
        concord_page_add_refusal (page, remote_id, reason);
      else
        g_ptr_array_add (page->records, concord_record_ref (entry->record));
      iter = g_sequence_iter_next (iter);
    }

  if (!g_sequence_iter_is_end (iter))
    page->next_page = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                       offset + page->records->len + page->refused->len);
  else
    {
      if (self->flags & CONCORD_CONNECTOR_INCREMENTAL)
        page->cursor = g_strdup_printf ("%" G_GUINT64_FORMAT, self->seq);
      page->complete = !incremental;
      /* The removals since the cursor, as a WebDAV sync report gives them. */
      for (guint i = 0; incremental && i < self->tombstones->len; i++)
        {
          Tombstone *tombstone = &g_array_index (self->tombstones, Tombstone, i);

          if (tombstone->seq > since)
            g_ptr_array_add (page->deleted, g_strdup (tombstone->remote_id));
        }
    }

  g_task_return_pointer (task, g_steal_pointer (&page), (GDestroyNotify) concord_page_free);
}

static void
concord_memory_connector_fetch_async (ConcordConnector    *connector,
                                      const char          *contact_type,
                                      const char * const  *remote_ids,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  ConcordMemoryConnector *self = CONCORD_MEMORY_CONNECTOR (connector);
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) records = NULL;

  task = concord_connector_task_new (connector, concord_memory_connector_fetch_async,
                                     cancellable, callback, user_data);

  if (g_task_return_error_if_cancelled (task) || !check_contact_type (task, contact_type))
    return;

  records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  for (guint i = 0; remote_ids[i] != NULL; i++)
    {
      Entry *entry = g_hash_table_lookup (self->entries, remote_ids[i]);

      if (entry != NULL && !g_hash_table_contains (self->unreadable, remote_ids[i]))
        g_ptr_array_add (records, concord_record_ref (entry->record));
    }

  g_task_return_pointer (task, g_steal_pointer (&records), (GDestroyNotify) g_ptr_array_unref);
}

static void
concord_memory_connector_create_async (ConcordConnector    *connector,
                                       const char          *contact_type,
                                       GPtrArray           *records,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  ConcordMemoryConnector *self = CONCORD_MEMORY_CONNECTOR (connector);
  g_autoptr(GTask) task = NULL;
  g_autoptr(ConcordWriteBatch) batch = NULL;
  gboolean store_then_fail = FALSE;

  task = concord_connector_task_new (connector, concord_memory_connector_create_async,
                                     cancellable, callback, user_data);

  if (!begin_write_call (self, task, contact_type, records->len, &store_then_fail))
    return;

  batch = concord_write_batch_new (task, records->len);

  for (guint i = 0; i < records->len; i++)
    {
      const ConcordRecord *input = g_ptr_array_index (records, i);
      const char *wanted_id = concord_record_get_remote_id (input);
      g_autoptr(ConcordRecord) record = NULL;
      g_autofree char *remote_id = NULL;
      Entry *entry;
      guint64 seq;

      if (self->fail_func != NULL && self->fail_func (input, self->fail_data))
        {
          set_error_result (batch, i, CONCORD_ERROR_SERVER, "injected failure");
          continue;
        }

      if (wanted_id != NULL && g_hash_table_contains (self->entries, wanted_id))
        {
          set_error_result (batch, i, CONCORD_ERROR_CONFLICT, "the remote id exists");
          continue;
        }

      remote_id = wanted_id != NULL ? g_strdup (wanted_id) : new_remote_id (self);
      record = concord_record_copy (input);
      concord_record_set_remote_id (record, remote_id);
      if (self->rewrite_func != NULL)
        {
          self->rewrite_func (record, self->rewrite_data);
          /* The server's own metadata is not the rewrite's to change. */
          concord_record_set_remote_id (record, remote_id);
        }

      seq = stamp (self, record);
      entry = store_new (self, g_steal_pointer (&record), seq);
      self->n_created++;

      if (store_then_fail)
        set_stored_but_failed (batch, i);
      else
        concord_write_batch_set_ok (batch, i, entry->record);
    }
}

/* What the fail func sees of an update: the values, with the remote id. */
static gboolean
change_should_fail (ConcordMemoryConnector    *self,
                    const ConcordRecordChange *change)
{
  g_autoptr(ConcordRecord) values = NULL;

  if (self->fail_func == NULL)
    return FALSE;

  if (change->set != NULL &&
      g_strcmp0 (concord_record_get_remote_id (change->set), change->remote_id) == 0)
    return self->fail_func (change->set, self->fail_data);

  values = change->set != NULL ? concord_record_copy (change->set) : concord_record_new (NULL);
  concord_record_set_remote_id (values, change->remote_id);

  return self->fail_func (values, self->fail_data);
}

static void
concord_memory_connector_update_async (ConcordConnector    *connector,
                                       const char          *contact_type,
                                       GPtrArray           *changes,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  ConcordMemoryConnector *self = CONCORD_MEMORY_CONNECTOR (connector);
  g_autoptr(GTask) task = NULL;
  g_autoptr(ConcordWriteBatch) batch = NULL;
  gboolean store_then_fail = FALSE;

  task = concord_connector_task_new (connector, concord_memory_connector_update_async,
                                     cancellable, callback, user_data);

  if (!begin_write_call (self, task, contact_type, changes->len, &store_then_fail))
    return;

  batch = concord_write_batch_new (task, changes->len);

  for (guint i = 0; i < changes->len; i++)
    {
      const ConcordRecordChange *change = g_ptr_array_index (changes, i);
      g_autoptr(ConcordRecord) sent = NULL;
      g_autoptr(ConcordRecord) record = NULL;
      Entry *entry;

      entry = g_hash_table_lookup (self->entries, change->remote_id);
      if (entry == NULL)
        {
          set_error_result (batch, i, CONCORD_ERROR_NOT_FOUND, "no such record");
          continue;
        }

      if (change_should_fail (self, change))
        {
          set_error_result (batch, i, CONCORD_ERROR_SERVER, "injected failure");
          continue;
        }

      /* The server normalises what it is sent, not the fields the change
       * leaves alone (they may hold what a user typed in the app). */
      if (self->rewrite_func != NULL)
        {
          sent = change->set != NULL ? concord_record_copy (change->set)
                                     : concord_record_new (NULL);
          concord_record_set_remote_id (sent, entry->remote_id);
          self->rewrite_func (sent, self->rewrite_data);
        }
      else if (change->set != NULL)
        sent = concord_record_ref (change->set);

      record = concord_record_copy (entry->record);
      if (sent != NULL)
        {
          guint n_fields = concord_record_get_n_fields (sent);

          for (guint f = 0; f < n_fields; f++)
            {
              const char *key;
              const ConcordValue *value = concord_record_get_field_at (sent, f, &key);

              concord_record_set_value (record, key, value);
            }
        }
      for (guint c = 0; change->clear != NULL && change->clear[c] != NULL; c++)
        concord_record_remove (record, change->clear[c]);

      /* A write that changes nothing leaves the record, its time and its
       * version alone, as a server comparing before saving would. */
      if (!concord_record_equal_fields (record, entry->record))
        {
          guint64 seq = stamp (self, record);

          store_replace (self, entry, g_steal_pointer (&record), seq);
          self->n_updated++;
        }

      if (store_then_fail)
        set_stored_but_failed (batch, i);
      else
        concord_write_batch_set_ok (batch, i, entry->record);
    }
}

static void
concord_memory_connector_delete_async (ConcordConnector    *connector,
                                       const char          *contact_type,
                                       const char * const  *remote_ids,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  ConcordMemoryConnector *self = CONCORD_MEMORY_CONNECTOR (connector);
  g_autoptr(GTask) task = NULL;
  g_autoptr(ConcordWriteBatch) batch = NULL;
  gboolean store_then_fail = FALSE;
  guint n_ids;

  task = concord_connector_task_new (connector, concord_memory_connector_delete_async,
                                     cancellable, callback, user_data);

  if ((self->flags & CONCORD_CONNECTOR_CAN_DELETE) == 0)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                               "The %s app does not support deleting records", self->app_id);
      return;
    }

  n_ids = g_strv_length ((char **) remote_ids);
  if (!begin_write_call (self, task, contact_type, n_ids, &store_then_fail))
    return;

  batch = concord_write_batch_new (task, n_ids);
  for (guint i = 0; i < n_ids; i++)
    {
      if (!concord_memory_connector_remove (self, remote_ids[i]))
        set_error_result (batch, i, CONCORD_ERROR_NOT_FOUND, "no such record");
      else if (store_then_fail)
        set_stored_but_failed (batch, i);
      else
        concord_write_batch_set_ok (batch, i, NULL);
    }
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_memory_connector_finalize (GObject *object)
{
  ConcordMemoryConnector *self = (ConcordMemoryConnector *) object;

  /* The sequences hold no references; the hash table owns the entries. */
  g_clear_pointer (&self->order, g_sequence_free);
  g_clear_pointer (&self->changes, g_sequence_free);
  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_pointer (&self->tombstones, g_array_unref);
  g_clear_pointer (&self->unreadable, g_hash_table_unref);
  g_clear_pointer (&self->schema, g_ptr_array_unref);
  g_clear_error (&self->fail_list_error);
  g_clear_error (&self->fail_write_error);
  g_clear_pointer (&self->app_id, g_free);

  G_OBJECT_CLASS (concord_memory_connector_parent_class)->finalize (object);
}

static void
concord_memory_connector_class_init (ConcordMemoryConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ConcordConnectorClass *connector_class = CONCORD_CONNECTOR_CLASS (klass);

  object_class->finalize = concord_memory_connector_finalize;

  connector_class->get_app_id = concord_memory_connector_get_app_id;
  connector_class->get_app_name = concord_memory_connector_get_app_id;
  connector_class->get_flags = concord_memory_connector_get_flags;
  connector_class->get_max_batch = concord_memory_connector_get_max_batch;
  connector_class->get_page_size = concord_memory_connector_get_page_size;
  connector_class->get_rate_budget = concord_memory_connector_get_rate_budget;
  connector_class->list_contact_types = concord_memory_connector_list_contact_types;
  connector_class->load_schema_async = concord_memory_connector_load_schema_async;
  connector_class->list_async = concord_memory_connector_list_async;
  connector_class->fetch_async = concord_memory_connector_fetch_async;
  connector_class->create_async = concord_memory_connector_create_async;
  connector_class->update_async = concord_memory_connector_update_async;
  connector_class->delete_async = concord_memory_connector_delete_async;
}

static void
concord_memory_connector_init (ConcordMemoryConnector *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, entry_free);
  self->order = g_sequence_new (NULL);
  self->changes = g_sequence_new (NULL);
  self->now = g_get_real_time () / G_USEC_PER_SEC;
  self->page_size = DEFAULT_PAGE_SIZE;
  self->max_batch = DEFAULT_MAX_BATCH;
  self->fail_list_page = -1;
  self->tombstones = g_array_new (FALSE, FALSE, sizeof (Tombstone));
  g_array_set_clear_func (self->tombstones, tombstone_clear);
  self->unreadable = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_memory_connector_new:
 * @app_id: the app id, also the prefix of the remote ids it assigns
 * @flags: the capabilities to claim; %CONCORD_CONNECTOR_MODIFIED_TIMES is
 *   always added
 *
 * Returns: (transfer full): a new, empty in-memory app
 */
ConcordMemoryConnector *
concord_memory_connector_new (const char            *app_id,
                              ConcordConnectorFlags  flags)
{
  ConcordMemoryConnector *self;

  g_return_val_if_fail (app_id != NULL && *app_id != '\0', NULL);

  self = g_object_new (CONCORD_TYPE_MEMORY_CONNECTOR, NULL);
  self->app_id = g_strdup (app_id);
  self->flags = flags | CONCORD_CONNECTOR_MODIFIED_TIMES;

  return self;
}

/**
 * concord_memory_connector_insert:
 * @self: a #ConcordMemoryConnector
 * @record: the record to add, as a user would in the app; it is copied
 *
 * Adds a record with a new remote id when @record has none (with an existing
 * one, replaces that record), the clock's time and a new version.
 *
 * Returns: (transfer none): the stored record
 */
ConcordRecord *
concord_memory_connector_insert (ConcordMemoryConnector *self,
                                 ConcordRecord          *record)
{
  g_autoptr(ConcordRecord) copy = NULL;
  const char *remote_id;
  Entry *entry;
  guint64 seq;

  g_return_val_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self), NULL);
  g_return_val_if_fail (record != NULL, NULL);

  copy = concord_record_copy (record);
  remote_id = concord_record_get_remote_id (copy);

  if (remote_id == NULL)
    {
      g_autofree char *new_id = new_remote_id (self);

      concord_record_set_remote_id (copy, new_id);
      remote_id = concord_record_get_remote_id (copy);
    }

  seq = stamp (self, copy);
  entry = g_hash_table_lookup (self->entries, remote_id);
  if (entry != NULL)
    store_replace (self, entry, g_steal_pointer (&copy), seq);
  else
    entry = store_new (self, g_steal_pointer (&copy), seq);

  return entry->record;
}

/**
 * concord_memory_connector_replace:
 * @self: a #ConcordMemoryConnector
 * @record: the new content of the record with its remote id; it is copied
 *
 * Replaces a record, as a user editing it in the app: it gets the clock's
 * time and a new version. Records listed before keep their old content.
 *
 * Returns: %FALSE when no record has that remote id
 */
gboolean
concord_memory_connector_replace (ConcordMemoryConnector *self,
                                  ConcordRecord          *record)
{
  g_autoptr(ConcordRecord) copy = NULL;
  Entry *entry;
  guint64 seq;

  g_return_val_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self), FALSE);
  g_return_val_if_fail (record != NULL, FALSE);
  g_return_val_if_fail (concord_record_get_remote_id (record) != NULL, FALSE);

  entry = g_hash_table_lookup (self->entries, concord_record_get_remote_id (record));
  if (entry == NULL)
    return FALSE;

  copy = concord_record_copy (record);
  seq = stamp (self, copy);
  store_replace (self, entry, g_steal_pointer (&copy), seq);

  return TRUE;
}

/**
 * concord_memory_connector_remove:
 *
 * Deletes a record, as a user would in the app.
 *
 * Returns: %FALSE when no record has that remote id
 */
gboolean
concord_memory_connector_remove (ConcordMemoryConnector *self,
                                 const char             *remote_id)
{
  Entry *entry;

  g_return_val_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self), FALSE);
  g_return_val_if_fail (remote_id != NULL, FALSE);

  entry = g_hash_table_lookup (self->entries, remote_id);
  if (entry == NULL)
    return FALSE;

  if (self->report_deletions)
    {
      Tombstone tombstone = { ++self->seq, g_strdup (remote_id) };

      g_array_append_val (self->tombstones, tombstone);
    }

  self->allocated -= MIN (self->allocated, entry_size (entry));
  g_sequence_remove (entry->order_iter);
  g_sequence_remove (entry->change_iter);
  g_hash_table_remove (self->entries, entry->remote_id);

  return TRUE;
}

/**
 * concord_memory_connector_lookup:
 *
 * Returns: (transfer none) (nullable): the stored record, valid until it
 *   is replaced or removed (take a reference to keep it)
 */
ConcordRecord *
concord_memory_connector_lookup (ConcordMemoryConnector *self,
                                 const char             *remote_id)
{
  Entry *entry;

  g_return_val_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self), NULL);
  g_return_val_if_fail (remote_id != NULL, NULL);

  entry = g_hash_table_lookup (self->entries, remote_id);

  return entry != NULL ? entry->record : NULL;
}

/**
 * concord_memory_connector_get_all:
 *
 * Returns: (transfer full) (element-type ConcordRecord): references to every
 *   stored record, in insertion order
 */
GPtrArray *
concord_memory_connector_get_all (ConcordMemoryConnector *self)
{
  GPtrArray *all;
  GSequenceIter *iter;

  g_return_val_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self), NULL);

  all = g_ptr_array_new_full (g_hash_table_size (self->entries),
                              (GDestroyNotify) concord_record_unref);
  for (iter = g_sequence_get_begin_iter (self->order);
       !g_sequence_iter_is_end (iter);
       iter = g_sequence_iter_next (iter))
    {
      Entry *entry = g_sequence_get (iter);

      g_ptr_array_add (all, concord_record_ref (entry->record));
    }

  return all;
}

/**
 * concord_memory_connector_get_allocated_size:
 *
 * The heap the app's stored records and their bookkeeping hold, for
 * benchmarks that tell the engine's memory from the apps'.
 *
 * Returns: bytes
 */
gsize
concord_memory_connector_get_allocated_size (ConcordMemoryConnector *self)
{
  g_return_val_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self), 0);

  return self->allocated;
}

guint
concord_memory_connector_get_n_records (ConcordMemoryConnector *self)
{
  g_return_val_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self), 0);

  return g_hash_table_size (self->entries);
}

/**
 * concord_memory_connector_set_now:
 * @unix_seconds: the server clock
 *
 * Sets the time the next write is stamped with. Each write then advances the
 * clock by one second, so later writes are strictly newer.
 */
void
concord_memory_connector_set_now (ConcordMemoryConnector *self,
                                  gint64                  unix_seconds)
{
  g_return_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self));

  self->now = unix_seconds;
}

gint64
concord_memory_connector_get_now (ConcordMemoryConnector *self)
{
  g_return_val_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self), 0);

  return self->now;
}

/**
 * concord_memory_connector_set_page_size:
 * @page_size: records per listing page (500 by default)
 */
void
concord_memory_connector_set_page_size (ConcordMemoryConnector *self,
                                        guint                   page_size)
{
  g_return_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self));
  g_return_if_fail (page_size > 0);

  self->page_size = page_size;
}

/**
 * concord_memory_connector_set_max_batch:
 * @max_batch: the most records one create or update call accepts (100 by
 *   default); larger calls fail as a whole
 */
void
concord_memory_connector_set_max_batch (ConcordMemoryConnector *self,
                                        guint                   max_batch)
{
  g_return_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self));
  g_return_if_fail (max_batch > 0);

  self->max_batch = max_batch;
}

/**
 * concord_memory_connector_set_schema:
 * @specs: (nullable) (element-type ConcordFieldSpec): the fields of the
 *   contact type; a reference is taken. %NULL for the canonical fields
 */
void
concord_memory_connector_set_schema (ConcordMemoryConnector *self,
                                     GPtrArray              *specs)
{
  g_return_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self));

  if (specs != NULL)
    g_ptr_array_ref (specs);
  g_clear_pointer (&self->schema, g_ptr_array_unref);
  self->schema = specs;
}

/**
 * concord_memory_connector_get_n_created:
 *
 * Returns: the records created through create_async() since the last reset
 */
guint
concord_memory_connector_get_n_created (ConcordMemoryConnector *self)
{
  g_return_val_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self), 0);

  return self->n_created;
}

/**
 * concord_memory_connector_get_n_updated:
 *
 * Returns: the records update_async() actually changed since the last reset
 */
guint
concord_memory_connector_get_n_updated (ConcordMemoryConnector *self)
{
  g_return_val_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self), 0);

  return self->n_updated;
}

/**
 * concord_memory_connector_get_n_write_calls:
 *
 * Returns: the create, update and delete calls since the last reset,
 *   including those that failed
 */
guint
concord_memory_connector_get_n_write_calls (ConcordMemoryConnector *self)
{
  g_return_val_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self), 0);

  return self->n_write_calls;
}

/**
 * concord_memory_connector_get_n_list_calls:
 *
 * Returns: the list calls (pages asked for) since the last reset
 */
guint
concord_memory_connector_get_n_list_calls (ConcordMemoryConnector *self)
{
  g_return_val_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self), 0);

  return self->n_list_calls;
}

void
concord_memory_connector_reset_counters (ConcordMemoryConnector *self)
{
  g_return_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self));

  self->n_created = 0;
  self->n_updated = 0;
  self->n_write_calls = 0;
  self->n_list_calls = 0;
}

/**
 * concord_memory_connector_set_rewrite_func:
 * @func: (nullable): how the server rewrites what it is sent; %NULL to stop
 * @user_data: data for @func
 *
 * The function sees a copy of what the engine sends: each record of
 * create_async(), and the values of each change of update_async() (with the
 * remote id; fields the change leaves alone are not rewritten). What it makes
 * of them is stored and echoed. Server-side inserts and replaces are not
 * rewritten.
 */
void
concord_memory_connector_set_rewrite_func (ConcordMemoryConnector   *self,
                                           ConcordMemoryRewriteFunc  func,
                                           gpointer                  user_data)
{
  g_return_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self));

  self->rewrite_func = func;
  self->rewrite_data = func != NULL ? user_data : NULL;
}

/**
 * concord_memory_connector_set_fail_func:
 * @func: (nullable): which records fail to be written; %NULL to stop
 * @user_data: data for @func
 *
 * A record for which @func returns %TRUE is not written and gets a
 * %CONCORD_ERROR_SERVER result; the rest of its batch goes on.
 */
void
concord_memory_connector_set_fail_func (ConcordMemoryConnector *self,
                                        ConcordMemoryFailFunc   func,
                                        gpointer                user_data)
{
  g_return_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self));

  self->fail_func = func;
  self->fail_data = func != NULL ? user_data : NULL;
}

/**
 * concord_memory_connector_fail_list_at_page:
 * @page: the 0-based page of a listing whose call fails; -1 to stop
 * @error: (nullable): the error to fail with (copied); %NULL for a
 *   %CONCORD_ERROR_SERVER error
 *
 * Makes the next request for page @page of a listing fail, once.
 */
void
concord_memory_connector_fail_list_at_page (ConcordMemoryConnector *self,
                                            int                     page,
                                            const GError           *error)
{
  g_return_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self));

  g_clear_error (&self->fail_list_error);
  self->fail_list_page = MAX (page, -1);
  if (page >= 0 && error != NULL)
    self->fail_list_error = g_error_copy (error);
}

/**
 * concord_memory_connector_fail_next_write_calls:
 * @n_calls: how many of the next write calls fail; 0 to stop
 * @error: (nullable): the error each fails with (copied); %NULL for a
 *   %CONCORD_ERROR_SERVER error
 *
 * The next @n_calls create, update or delete calls fail as a whole and write
 * nothing.
 */
void
concord_memory_connector_fail_next_write_calls (ConcordMemoryConnector *self,
                                                guint                   n_calls,
                                                const GError           *error)
{
  g_return_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self));

  g_clear_error (&self->fail_write_error);
  self->fail_write_calls = n_calls;
  if (n_calls > 0 && error != NULL)
    self->fail_write_error = g_error_copy (error);
}

/**
 * concord_memory_connector_set_store_then_fail:
 * @n_calls: how many of the next write calls store and then fail; 0 to stop
 *
 * The next @n_calls create, update or delete calls write everything, then
 * report every record as failed with %CONCORD_ERROR_SERVER, like a request
 * that timed out after the server committed it.
 */
void
concord_memory_connector_set_store_then_fail (ConcordMemoryConnector *self,
                                              guint                   n_calls)
{
  g_return_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self));

  self->store_then_fail = n_calls;
}

/**
 * concord_memory_connector_set_unreadable:
 * @remote_id: a record of the connector
 * @reason: (nullable): why it cannot be read; %NULL to make it readable
 *
 * From now on, listings leave the record out and name it in
 * #ConcordPage.refused with @reason (as a connector does with a card it
 * cannot parse), and fetches leave it out.
 */
void
concord_memory_connector_set_unreadable (ConcordMemoryConnector *self,
                                         const char             *remote_id,
                                         const char             *reason)
{
  g_return_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self));
  g_return_if_fail (remote_id != NULL);

  if (reason != NULL)
    g_hash_table_replace (self->unreadable, g_strdup (remote_id), g_strdup (reason));
  else
    g_hash_table_remove (self->unreadable, remote_id);
}

/**
 * concord_memory_connector_set_report_deletions:
 *
 * With %TRUE, a record removed from now on is reported in the
 * #ConcordPage.deleted of the next incremental listing (as a WebDAV sync
 * report's 404 members are), instead of only by its absence from a full
 * listing.
 */
void
concord_memory_connector_set_report_deletions (ConcordMemoryConnector *self,
                                               gboolean                report)
{
  g_return_if_fail (CONCORD_IS_MEMORY_CONNECTOR (self));

  self->report_deletions = report;
}
