/* concord-sync-run-read.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The reading phase of a sync run (see concord-sync-run.c): listing both
 * sides page by page, keeping the records whose hash differs from the
 * index's, the refused records, the vanished ones; then the baselines of
 * the links involved and the partners the listings did not bring.
 */

#define G_LOG_DOMAIN "concord-sync-run"

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-fields.h"
#include "concord-sync-run-private.h"

guint64
concord_sync_run_record_hash (ConcordRun          *run,
                              ConcordSide          side,
                              const ConcordRecord *record,
                              gboolean             in_scope)
{
  guint64 hash = concord_plan_hash (run->config, side, record, in_scope) ^ run->fingerprint;

  return hash != 0 ? hash : 2;
}

static ConcordRecord *
record_from_baseline (GVariant *variant)
{
  if (g_variant_is_of_type (variant, G_VARIANT_TYPE_BYTESTRING))
    {
      gsize length;
      const guint8 *data = g_variant_get_fixed_array (variant, &length, 1);

      return concord_record_new_from_serialized (data, length);
    }

  return concord_record_new_from_variant (variant);
}

/* ------------------------------------------------------------------------- */
/* Reading                                                                   */
/* ------------------------------------------------------------------------- */

/* The records of a page: those whose hash differs from the index's (or
 * that a dead run's intent names) are read as changed. */
static void
take_records (ConcordRun       *run,
              ConcordSide       side,
              ConcordPlanInput *input,
              ConcordPage      *page,
              GHashTable       *seen,
              guint            *listed)
{
  for (guint i = 0; i < page->records->len; i++)
    {
      ConcordRecord *record = g_ptr_array_index (page->records, i);
      const char *remote_id = concord_record_get_remote_id (record);
      ConcordIndexEntry *entry;

      if (remote_id == NULL)
        continue;

      (*listed)++;
      entry = g_hash_table_lookup (input->index[side], remote_id);
      if (entry != NULL)
        g_hash_table_add (seen, entry);

      if (entry == NULL ||
          g_hash_table_contains (run->force[side], remote_id) ||
          entry->hash != concord_sync_run_record_hash (run, side, record,
                                                       concord_plan_in_scope (run->config, side,
                                                                              record)))
        g_hash_table_replace (input->changed[side],
                              (gpointer) concord_record_get_remote_id (record),
                              concord_record_ref (record));
    }
}

static void
take_deletions (ConcordPlanInput *input,
                ConcordSide       side,
                ConcordPage      *page,
                GHashTable       *deleted)
{
  /* What the app says it deleted: known records only (a record made
   * and deleted between two runs was never seen). A later page that
   * lists the id again (deleted, then made anew) wins. */
  for (guint i = 0; page->deleted != NULL && i < page->deleted->len; i++)
    {
      const char *remote_id = g_ptr_array_index (page->deleted, i);

      if (remote_id != NULL && g_hash_table_contains (input->index[side], remote_id))
        g_hash_table_add (deleted, g_strdup (remote_id));
    }
}

static void
take_refusals (ConcordRun       *run,
               ConcordSide       side,
               ConcordPlanInput *input,
               ConcordPage      *page,
               GHashTable       *seen,
               GHashTable       *deleted)
{
  /* Records the app has but the connector could not read: shown in
   * the activity, and, when known, neither deleted nor absent (a card
   * someone broke is not a contact someone removed). */
  for (guint i = 0; page->refused != NULL && i < page->refused->len; i++)
    {
      ConcordRefusal *refusal = g_ptr_array_index (page->refused, i);
      ConcordIndexEntry *entry;

      if (refusal->id == NULL || refusal->reason == NULL)
        continue;
      entry = g_hash_table_lookup (input->index[side], refusal->id);
      if (entry != NULL)
        g_hash_table_add (seen, entry);
      g_hash_table_remove (deleted, refusal->id);
      /* Kept by name up to the rows a run shows, only counted after
       * (a server sending bad cards for ever costs no memory). */
      if (g_hash_table_contains (run->refusals_seen[side], refusal->id))
        continue;
      if (run->n_refusals_shown[side] + run->refused[side]->len >= CONCORD_SYNC_RUN_MAX_REFUSAL_ROWS)
        {
          run->n_refusals_more[side]++;
          continue;
        }
      g_hash_table_add (run->refusals_seen[side], g_strdup (refusal->id));
      g_ptr_array_add (run->refused[side], g_steal_pointer (&g_ptr_array_index (page->refused, i)));
    }
}

/* The known records that are gone, once the listing ended. */
static void
find_vanished (ConcordPlanInput *input,
               ConcordSide       side,
               gboolean          complete,
               guint             listed,
               GHashTable       *seen,
               GHashTable       *deleted)
{
  if (complete)
    {
      GHashTableIter iter;
      gpointer key, value;

      input->listed[side] = listed;
      g_hash_table_iter_init (&iter, input->index[side]);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (!g_hash_table_contains (seen, value))
          g_ptr_array_add (input->vanished[side], g_strdup (key));
    }
  else
    {
      GHashTableIter iter;
      gpointer key;

      /* Reported deletions of an incremental listing; a complete one
       * found them above by their absence. */
      g_hash_table_iter_init (&iter, deleted);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (!g_hash_table_contains (input->changed[side], key))
          g_ptr_array_add (input->vanished[side], g_strdup (key));
    }
}

static gboolean
read_side (ConcordRun        *run,
           ConcordSide        side,
           ConcordPlanInput  *input,
           GError           **error)
{
  ConcordConnector *connector = run->connectors[side];
  g_autofree char *cursor = NULL;
  g_autofree char *page_token = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) deleted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean complete = FALSE;
  guint listed = 0;
  guint known = g_hash_table_size (input->index[side]);
  guint max_listed = concord_sync_config_max_listed (run->config, known);
  guint64 received = 0;

  if (concord_connector_get_flags (connector) & CONCORD_CONNECTOR_INCREMENTAL)
    {
      cursor = concord_store_get_cursor (run->store, run->connection_id, side, error);
      if (cursor == NULL && error != NULL && *error != NULL)
        return FALSE;
    }

  for (;;)
    {
      g_autoptr(GAsyncResult) result = NULL;
      GAsyncResult *slot = NULL;
      g_autoptr(ConcordPage) page = NULL;

      concord_connector_list_async (connector, run->types[side], cursor, page_token,
                                    run->cancellable, concord_sync_run_on_result_cb, &slot);
      result = concord_sync_run_wait_result (run, &slot);
      page = concord_connector_list_finish (connector, result, error);
      if (page == NULL)
        {
          concord_error_tag_side (error, side);
          g_prefix_error (error, "Reading side %s failed: ", CONCORD_SIDE_NAME (side));
          return FALSE;
        }

      /* The growth bound: every record counts, and so does a page without
       * records that is not the last, or a server could page for ever. */
      received += page->next_page != NULL ? MAX (page->records->len, 1) : page->records->len;
      if (received > max_listed)
        {
          run->summary->tripped = TRUE;
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                       "Stopped to protect your contacts: side %s listed more than %u contacts "
                       "although %u were known; nothing was written",
                       CONCORD_SIDE_NAME (side), max_listed, known);
          return FALSE;
        }

      take_records (run, side, input, page, seen, &listed);
      take_deletions (input, side, page, deleted);
      take_refusals (run, side, input, page, seen, deleted);

      run->n_read += page->records->len;
      if (run->options->progress != NULL)
        run->options->progress (CONCORD_RUN_READING, run->n_read, 0, run->options->progress_data);

      g_clear_pointer (&page_token, g_free);
      page_token = g_steal_pointer (&page->next_page);
      if (page_token == NULL)
        {
          complete = page->complete;
          g_free (run->cursors[side]);
          run->cursors[side] = g_steal_pointer (&page->cursor);
          break;
        }

      if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
        return FALSE;
    }

  run->summary->listed[side] = listed;
  run->summary->changed[side] = g_hash_table_size (input->changed[side]);

  find_vanished (input, side, complete, listed, seen, deleted);

  return TRUE;
}

static gboolean
load_baselines (ConcordRun        *run,
                ConcordPlanInput  *input,
                GError           **error)
{
  g_autoptr(GPtrArray) links = concord_plan_input_get_links_needed (input);

  for (guint i = 0; i < links->len; i++)
    {
      gint64 link_id = *(gint64 *) g_ptr_array_index (links, i);
      g_autoptr(GVariant) va = NULL;
      g_autoptr(GVariant) vb = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autoptr(ConcordRecord) a = NULL;
      g_autoptr(ConcordRecord) b = NULL;

      if (!concord_store_get_baseline (run->store, link_id, &va, &vb, &local_error))
        {
          if (g_error_matches (local_error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND))
            continue;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      a = record_from_baseline (va);
      b = record_from_baseline (vb);
      if (a == NULL || b == NULL)
        continue;  /* unreadable: treated as a first match */

      g_hash_table_insert (input->baselines, g_memdup2 (&link_id, sizeof link_id),
                           concord_baseline_new (a, b));
    }

  return TRUE;
}

static gboolean
fetch_missing (ConcordRun        *run,
               ConcordPlanInput  *input,
               GError           **error)
{
  for (guint s = 0; s < 2; s++)
    {
      g_autoptr(GPtrArray) missing = concord_plan_input_get_missing (input, s);
      guint batch = MAX (1, concord_connector_get_max_batch (run->connectors[s]));

      for (guint start = 0; start < missing->len; start += batch)
        {
          g_autoptr(GPtrArray) ids = g_ptr_array_new ();
          g_autoptr(GAsyncResult) result = NULL;
          g_autoptr(GPtrArray) records = NULL;
          GAsyncResult *slot = NULL;

          for (guint i = start; i < MIN (start + batch, missing->len); i++)
            g_ptr_array_add (ids, g_ptr_array_index (missing, i));
          g_ptr_array_add (ids, NULL);

          concord_connector_fetch_async (run->connectors[s], run->types[s],
                                         (const char * const *) ids->pdata,
                                         run->cancellable, concord_sync_run_on_result_cb, &slot);
          result = concord_sync_run_wait_result (run, &slot);
          records = concord_connector_fetch_finish (run->connectors[s], result, error);
          if (records == NULL)
            {
              concord_error_tag_side (error, s);
              g_prefix_error (error, "Reading side %s failed: ", CONCORD_SIDE_NAME (s));
              return FALSE;
            }

          for (guint i = 0; i < records->len; i++)
            {
              ConcordRecord *record = g_ptr_array_index (records, i);

              if (concord_record_get_remote_id (record) != NULL)
                g_hash_table_replace (input->extra[s],
                                      (gpointer) concord_record_get_remote_id (record),
                                      concord_record_ref (record));
            }
        }
    }

  return TRUE;
}

/* Both listings, then what the plan needs beyond them: the baselines of
 * the links involved and the partners the listings did not bring. */
gboolean
concord_sync_run_read (ConcordRun        *run,
                       ConcordPlanInput  *input,
                       GError           **error)
{
  for (guint s = 0; s < 2; s++)
    if (!read_side (run, s, input, error))
      return FALSE;

  concord_plan_input_prepare (input);

  return load_baselines (run, input, error) && fetch_missing (run, input, error);
}
