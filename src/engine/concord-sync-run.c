/* concord-sync-run.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * One run of one connection: read both sides, plan, execute, commit.
 *
 * Reading streams pages from each connector and keeps only the records
 * whose content hash (over the mapped fields) differs from the one settled
 * in the store: after a run with no edits nothing is kept, nothing is
 * planned and nothing is written. A listing that fails fails the run before
 * anything is written; only a complete listing may show that a record is
 * gone. A listing is also bounded: more records than the growth bound
 * allows (concord_sync_config_max_listed(), relative to what the store
 * knew of the side) stop the run the same way, so a server that pages for
 * ever costs bounded time and memory.
 *
 * Executing writes creates first, then updates, each side in the app's
 * batch size. Before each batch its intents are committed to the store;
 * after it, in one transaction, the outcome: journal rows, links, baselines
 * (from what the server echoed) and index hashes, and the intents go. A
 * crash at any point therefore leaves a consistent store, and the next run
 * repairs what was in flight: a record created just before the crash is
 * found by its email and linked (never created twice), and a change whose
 * outcome was not committed is seen again and finished.
 *
 * A failed write affects only its record: its link keeps its old baseline
 * and its hash is not settled, so the next run tries again. When its
 * write to the other side went through, that batch's intent stays too, so
 * the next run takes the values written for the run's own.
 *
 * This function is synchronous and must run on the engine's thread, never
 * the UI's: it drives the connectors' async calls by iterating that
 * thread's default context (concord_sync_run_async() does this for the UI).
 */

#define G_LOG_DOMAIN "concord-sync-run"

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-fields.h"
#include "concord-sync-run.h"

typedef struct
{
  ConcordPlanItem *item;
  ConcordRecord   *echo[2];       /* (owned) (nullable) */
  guint            pending;       /* writes not yet answered */
  guint            failed : 1;
  guint            refused : 1;   /* failed for good: settled, not retried */
  /* The batch that wrote each side, as 1 + its index in Run.batch_intents,
   * or 0: 32 bits, so a state stays 40 bytes (one per contact written). */
  guint32          batch[2];
} ItemState;

typedef struct
{
  ConcordStore            *store;
  gint64                   connection_id;
  const ConcordSyncConfig *config;
  ConcordConnector        *connectors[2];
  const char              *types[2];
  const ConcordRunOptions *options;
  GCancellable            *cancellable;
  ConcordRunSummary       *summary;
  GMainContext            *context;
  gint64                   run_id;
  guint                    write_calls;
  gboolean                 crashed;      /* crash_after_writes was reached */
  const GQuark            *keys[2];
  guint                    n_keys[2];
  ItemState               *states;
  guint                    n_states;
  char                    *cursors[2];
  guint64                  fingerprint;   /* of the configuration, folded into record hashes */
  guint                    n_read;        /* for progress */
  guint                    n_to_write;
  guint                    n_written;
  gboolean                 any_failed;
  gboolean                 rescan;        /* a write moved a record across a rule's scope */
  GPtrArray               *old_intents;   /* (owned) (nullable) left by a run that died */
  GHashTable              *force[2];      /* (owned) remote ids to read as changed */
  GHashTable              *links[2];      /* (owned) (nullable) link id → remote id, for intents */
  GArray                  *intents;       /* (owned) of gint64: this run's, removed at its end */
  GArray                  *batch_intents; /* (owned) of gint64: each batch's intent, in order */
  ConcordPlanInput        *input;
  GPtrArray               *refused[2];    /* (owned) ConcordRefusal: records a listing could not
                                           * read, not yet in the journal */
  GHashTable              *refusals_seen[2]; /* (owned) ids named in this run (any pass) */
  guint                    n_refusals_shown[2];
  guint                    n_refusals_more[2]; /* refused beyond MAX_REFUSAL_ROWS, not yet told */
} Run;

/* The most refused records a run names one by one, a side; the others are
 * counted in one row ("and N more"), so a broken address book of 10,000
 * cards does not bury the activity. */
#define MAX_REFUSAL_ROWS 20

/* ------------------------------------------------------------------------- */
/* Summary                                                                   */
/* ------------------------------------------------------------------------- */

/**
 * concord_sync_config_init_for_connection:
 * @config: (out caller-allocates): the configuration to fill; clear it
 *   with concord_sync_config_clear()
 * @row: the connection
 * @schema_a: (element-type ConcordFieldSpec): the fields of side A
 * @schema_b: (element-type ConcordFieldSpec): the fields of side B
 *
 * What a run of @row does: its direction and conflict policy, its stored
 * rules, and its stored field mapping or, when automatic, the automatic
 * mapping of both schemas as they are now.
 *
 * Returns: %FALSE when the stored document cannot be read (@config is then
 *   untouched)
 */
gboolean
concord_sync_config_init_for_connection (ConcordSyncConfig          *config,
                                         const ConcordConnectionRow *row,
                                         GPtrArray                  *schema_a,
                                         GPtrArray                  *schema_b,
                                         GError                    **error)
{
  g_autoptr(ConcordConnectionConfig) stored = NULL;
  g_autoptr(ConcordMapping) mapping = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (row != NULL, FALSE);

  stored = concord_connection_config_new_from_json (row->config_json, &local_error);
  if (stored == NULL)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "The rules of “%s” cannot be read: %s", row->name, local_error->message);
      return FALSE;
    }

  mapping = stored->mapping != NULL ? concord_mapping_ref (stored->mapping)
                                    : concord_mapping_new_auto (schema_a, schema_b, NULL);
  concord_sync_config_init (config, mapping);
  config->direction = row->direction;
  config->prefer = row->prefer == CONCORD_PREFER_B ? CONCORD_SIDE_B : CONCORD_SIDE_A;
  config->newest_wins = row->prefer == CONCORD_PREFER_NEWEST;
  concord_sync_config_set_rules (config, stored->rules[CONCORD_SIDE_A], stored->rules[CONCORD_SIDE_B]);

  return TRUE;
}

void
concord_run_summary_clear (ConcordRunSummary *summary)
{
  g_return_if_fail (summary != NULL);

  g_free (summary->plan_text);
  g_clear_pointer (&summary->preview, g_ptr_array_unref);
  memset (summary, 0, sizeof *summary);
}

char *
concord_run_summary_to_json (const ConcordRunSummary *summary)
{
  GString *out = g_string_new ("{");

  g_return_val_if_fail (summary != NULL, NULL);

  for (guint s = 0; s < 2; s++)
    g_string_append_printf (out,
                            "\"%s\":{\"listed\":%u,\"changed\":%u,\"created\":%u,\"updated\":%u,"
                            "\"failed\":%u,\"fields_written\":%u,\"write_calls\":%u},",
                            CONCORD_SIDE_NAME (s), summary->listed[s], summary->changed[s],
                            summary->created[s], summary->updated[s], summary->failed[s],
                            summary->fields_written[s], summary->write_calls[s]);
  g_string_append_printf (out,
                          "\"linked\":%u,\"unlinked\":%u,\"skipped\":%u,\"conflicts\":%u,"
                          "\"ambiguous\":%u,\"tripped\":%s}",
                          summary->linked, summary->unlinked, summary->skipped,
                          summary->conflicts, summary->ambiguous,
                          summary->tripped ? "true" : "false");

  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------- */
/* Driving async calls                                                       */
/* ------------------------------------------------------------------------- */

static void
on_result_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (Run           *run,
             GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (run->context, TRUE);

  return g_steal_pointer (slot);
}

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static guint64
record_hash (Run                 *run,
             ConcordSide          side,
             const ConcordRecord *record,
             gboolean             in_scope)
{
  guint64 hash = concord_plan_hash (run->config, side, record, in_scope) ^ run->fingerprint;

  return hash != 0 ? hash : 2;
}

/* A baseline as the store keeps it: the record's compact form in an "ay". */
static GVariant *
baseline_variant (const ConcordRecord *record,
                  const GQuark        *keys,
                  guint                n_keys)
{
  g_autoptr(GBytes) bytes = concord_record_serialize (record, keys, n_keys);

  return g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE));
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

/*
 * An update intent's payload says what the batch was to write, a line per
 * record: "id<US>set<US>clear" with the set in Concord's compact form in
 * base64 and the cleared keys separated by <RS>. Should the process die
 * after the app took the writes but before their outcome was committed,
 * the next run sees those values on the app: they are its own writes, not
 * changes people made, and the run treats them so (see apply_intents()).
 */
#define MAX_OLD_INTENTS 500
#define US "\x1f"
#define RS "\x1e"

static void
append_intended (GString             *payload,
                 const char          *remote_id,
                 const ConcordRecord *set,
                 const char * const  *clear,
                 const ConcordRecord *partner,
                 const GQuark        *partner_keys,
                 guint                n_partner_keys)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) partner_bytes = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *partner_encoded = NULL;
  g_autofree char *cleared = NULL;

  if (set != NULL)
    {
      bytes = concord_record_serialize (set, NULL, 0);
      encoded = g_base64_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    }
  /* What the partner held when the write was planned: should only this
   * half of the pair go out, the next run knows what the partner is
   * still owed (and what people changed there since). */
  if (partner != NULL)
    {
      partner_bytes = concord_record_serialize (partner, partner_keys, n_partner_keys);
      partner_encoded = g_base64_encode (g_bytes_get_data (partner_bytes, NULL),
                                         g_bytes_get_size (partner_bytes));
    }
  cleared = clear != NULL ? g_strjoinv (RS, (char **) clear) : NULL;

  g_string_append_printf (payload, "%s%s" US "%s" US "%s" US "%s", payload->len > 0 ? "\n" : "",
                          remote_id, encoded ? encoded : "", cleared ? cleared : "",
                          partner_encoded ? partner_encoded : "");
}

/* What the index matches the record by (every email, one a line). */
static char *
email_of (const ConcordRecord *record)
{
  return concord_record_email_keys (record);
}

/* Who a journal row is about, for the activity view's search: the email
 * and name of the item's records (or of the record with that remote id). */
static void
contact_of (Run                   *run,
            const ConcordPlanItem *item,
            const char            *remote_id,
            const char           **email,
            char                 **name)
{
  const ConcordRecord *found[6] = { NULL, };
  guint n = 0;

  if (item != NULL)
    for (guint s = 0; s < 2; s++)
      {
        found[n++] = item->records[s] != NULL ? item->records[s] : item->views[s];
        found[n++] = item->set[s];
      }
  else if (remote_id != NULL && run->input != NULL)
    for (guint s = 0; s < 2; s++)
      {
        ConcordRecord *record = NULL;

        if (run->input->changed[s] != NULL)
          record = g_hash_table_lookup (run->input->changed[s], remote_id);
        if (record == NULL && run->input->extra[s] != NULL)
          record = g_hash_table_lookup (run->input->extra[s], remote_id);
        found[n++] = record;

        if (record == NULL && *email == NULL && run->input->index[s] != NULL)
          {
            ConcordIndexEntry *entry = g_hash_table_lookup (run->input->index[s], remote_id);

            if (entry != NULL && entry->email_norm != NULL)
              *email = g_string_chunk_insert_len (run->input->strings, entry->email_norm,
                                                  strcspn (entry->email_norm, "\n"));
          }
      }

  for (guint i = 0; i < n; i++)
    {
      const char *first, *last;

      if (found[i] == NULL)
        continue;
      if (*email == NULL)
        *email = concord_record_get_email (found[i]);
      first = concord_record_get_text (found[i], CONCORD_FIELD_FIRST_NAME);
      last = concord_record_get_text (found[i], CONCORD_FIELD_LAST_NAME);
      if (*name == NULL && (first != NULL || last != NULL))
        *name = g_strjoin (" ", first != NULL ? first : last,
                           first != NULL ? last : NULL, NULL);
    }
}

/* A journal row. Its code says why in a way people's words are made from:
 * @failure's (with its side and field) when a write failed, else @code, a
 * skip's reason (CONCORD_SKIP_*); @error_text is the app's or the
 * engine's own words, kept for the curious. */
static void
journal_contact (Run                   *run,
                 const ConcordPlanItem *item,
                 const char            *email,
                 gint64                 link_id,
                 ConcordSide            target,
                 const char            *remote_id,
                 const char            *op,
                 const char            *field,
                 const char            *before,
                 const char            *after,
                 const char            *outcome,
                 const char            *code,
                 const GError          *failure,
                 const char            *error_text)
{
  g_autofree char *name = NULL;
  int side = concord_error_get_side (failure);
  ConcordJournalRow row = {
    .run_id = run->run_id,
    .link_id = link_id,
    .direction = (char *) (target == CONCORD_SIDE_B ? "a-to-b" : "b-to-a"),
    .remote_id = (char *) remote_id,
    .op = (char *) op,
    .field = (char *) field,
    .before = (char *) before,
    .after = (char *) after,
    .outcome = (char *) outcome,
    .error = (char *) (failure != NULL ? failure->message : error_text),
    .code = (char *) (failure != NULL ? concord_error_to_nick (concord_error_code_of (failure)) : code),
    .code_field = (char *) concord_error_get_field (failure),
  };
  g_autoptr(GError) error = NULL;

  /* A write's error is the written side's, unless a layer said otherwise. */
  if (failure != NULL)
    row.code_side = (char *) CONCORD_SIDE_NAME (side != CONCORD_ERROR_NO_SIDE ? (ConcordSide) side : target);

  contact_of (run, item, remote_id, &email, &name);
  row.email = (char *) email;
  row.name = name;

  if (!concord_store_add_journal (run->store, run->connection_id, &row, &error))
    g_warning ("Could not write to the journal: %s", error->message);
}

static void
journal (Run                   *run,
         const ConcordPlanItem *item,
         gint64                 link_id,
         ConcordSide            target,
         const char            *remote_id,
         const char            *op,
         const char            *field,
         const char            *before,
         const char            *after,
         const char            *outcome,
         const char            *code,
         const char            *error_text)
{
  journal_contact (run, item, NULL, link_id, target, remote_id, op, field, before, after,
                   outcome, code, NULL, error_text);
}

/* A write that failed (or was refused for good), by @failure's code. */
static void
journal_failure (Run                   *run,
                 const ConcordPlanItem *item,
                 ConcordSide            target,
                 const char            *op,
                 const char            *outcome,
                 const GError          *failure)
{
  journal_contact (run, item, NULL, item->link_id, target, item->ids[target], op, NULL, NULL,
                   NULL, outcome, NULL, failure, NULL);
}

/* The records the listings of this pass could not read, each named with
 * its app and why (MAX_REFUSAL_ROWS a side, then one row counting the
 * rest). An incremental listing names a bad record again only when it
 * changed (CardDAV's sync token, the vCard folder's snapshot), so an
 * unchanged bad card is shown once; a complete listing (a first run, an
 * app without a cursor) names it again, within the same bound. */
static void
journal_refusals (Run *run)
{
  for (guint s = 0; s < 2; s++)
    {
      const char *app = concord_connector_get_app_name (run->connectors[s]);
      guint more = run->n_refusals_more[s];

      for (guint i = 0; i < run->refused[s]->len; i++)
        {
          const ConcordRefusal *refusal = g_ptr_array_index (run->refused[s], i);
          g_autofree char *text = NULL;
          g_autoptr(GError) error = NULL;
          ConcordJournalRow row = {
            .run_id = run->run_id,
            .direction = (char *) (s == CONCORD_SIDE_A ? "a-to-b" : "b-to-a"),
            .remote_id = refusal->id,
            .op = (char *) "skip",
            .outcome = (char *) "skipped",
            .code = (char *) CONCORD_SKIP_BAD_RECORD,
            .code_side = (char *) CONCORD_SIDE_NAME (s),
            .name = refusal->id,
          };

          run->n_refusals_shown[s]++;

          text = g_strdup_printf ("%s could not read “%s”: %s; it was left out, the rest "
                                  "was synced", app, refusal->id, refusal->reason);
          row.error = text;
          if (!concord_store_add_journal (run->store, run->connection_id, &row, &error))
            g_warning ("Could not write to the journal: %s", error->message);
        }

      if (more > 0)
        {
          g_autofree char *text = NULL;
          g_autoptr(GError) error = NULL;
          ConcordJournalRow row = {
            .run_id = run->run_id,
            .direction = (char *) (s == CONCORD_SIDE_A ? "a-to-b" : "b-to-a"),
            .op = (char *) "skip",
            .outcome = (char *) "skipped",
            .code = (char *) CONCORD_SKIP_BAD_RECORD,
            .code_side = (char *) CONCORD_SIDE_NAME (s),
          };

          text = g_strdup_printf ("%s: and %u more contacts could not be read; they were "
                                  "left out, the rest was synced", app, more);
          row.error = text;
          if (!concord_store_add_journal (run->store, run->connection_id, &row, &error))
            g_warning ("Could not write to the journal: %s", error->message);
        }

      /* Left out, so skipped: the run's counts say so too. */
      run->summary->skipped += run->refused[s]->len + more;
      g_ptr_array_set_size (run->refused[s], 0);
      run->n_refusals_more[s] = 0;
    }
}

static gboolean
put_index (Run                 *run,
           ConcordSide          side,
           const char          *remote_id,
           const ConcordRecord *record,
           gboolean             in_scope,
           gint64               link_id,
           GError             **error)
{
  g_autofree char *email = email_of (record);
  ConcordIndexEntry entry = {
    .remote_id = (char *) remote_id,
    .email_norm = email,
    .hash = record_hash (run, side, record, in_scope),
    .link_id = link_id,
  };

  return concord_store_put_index (run->store, run->connection_id, side, &entry, error);
}

/* ------------------------------------------------------------------------- */
/* Reading                                                                   */
/* ------------------------------------------------------------------------- */

static gboolean
read_side (Run               *run,
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
                                    run->cancellable, on_result_cb, &slot);
      result = wait_result (run, &slot);
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

      for (guint i = 0; i < page->records->len; i++)
        {
          ConcordRecord *record = g_ptr_array_index (page->records, i);
          const char *remote_id = concord_record_get_remote_id (record);
          ConcordIndexEntry *entry;

          if (remote_id == NULL)
            continue;

          listed++;
          entry = g_hash_table_lookup (input->index[side], remote_id);
          if (entry != NULL)
            g_hash_table_add (seen, entry);

          if (entry == NULL ||
              g_hash_table_contains (run->force[side], remote_id) ||
              entry->hash != record_hash (run, side, record,
                                          concord_plan_in_scope (run->config, side, record)))
            g_hash_table_replace (input->changed[side],
                                  (gpointer) concord_record_get_remote_id (record),
                                  concord_record_ref (record));
        }

      /* What the app says it deleted: known records only (a record made
       * and deleted between two runs was never seen). A later page that
       * lists the id again (deleted, then made anew) wins. */
      for (guint i = 0; page->deleted != NULL && i < page->deleted->len; i++)
        {
          const char *remote_id = g_ptr_array_index (page->deleted, i);

          if (remote_id != NULL && g_hash_table_contains (input->index[side], remote_id))
            g_hash_table_add (deleted, g_strdup (remote_id));
        }

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
          if (run->n_refusals_shown[side] + run->refused[side]->len >= MAX_REFUSAL_ROWS)
            {
              run->n_refusals_more[side]++;
              continue;
            }
          g_hash_table_add (run->refusals_seen[side], g_strdup (refusal->id));
          g_ptr_array_add (run->refused[side], g_steal_pointer (&g_ptr_array_index (page->refused, i)));
        }

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

  return TRUE;
}

static gboolean
load_baselines (Run               *run,
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

/* The key on the other side that @key of @side is mapped to, or 0. */
static const ConcordMappingPair *
partner_pair (Run         *run,
              ConcordSide  side,
              const char  *key)
{
  gint index = concord_mapping_find (run->config->mapping, side, key);

  return index >= 0 ? concord_mapping_get_pair (run->config->mapping, index) : NULL;
}

static void
collect_intent_records (Run              *run,
                        ConcordPlanInput *input)
{
  GHashTable **links = run->links;

  for (guint s = 0; s < 2; s++)
    {
      g_hash_table_remove_all (run->force[s]);
      g_clear_pointer (&links[s], g_hash_table_unref);
    }

  for (guint i = 0; i < run->old_intents->len; i++)
    {
      ConcordIntentRow *intent = g_ptr_array_index (run->old_intents, i);
      ConcordSide side = intent->side;
      ConcordSide other = CONCORD_SIDE_OTHER (side);
      g_auto(GStrv) lines = NULL;

      if (g_strcmp0 (intent->op, "update") != 0 || intent->payload == NULL)
        continue;

      if (links[other] == NULL)
        {
          GHashTableIter iter;
          gpointer value;

          links[other] = g_hash_table_new (g_int64_hash, g_int64_equal);
          g_hash_table_iter_init (&iter, input->index[other]);
          while (g_hash_table_iter_next (&iter, NULL, &value))
            {
              ConcordIndexEntry *entry = value;

              if (entry->link_id != 0)
                g_hash_table_insert (links[other], &entry->link_id, entry->remote_id);
            }
        }

      lines = g_strsplit (intent->payload, "\n", -1);
      for (guint l = 0; lines[l] != NULL; l++)
        {
          g_auto(GStrv) parts = g_strsplit (lines[l], US, 2);
          ConcordIndexEntry *entry = g_hash_table_lookup (input->index[side], parts[0]);
          const char *partner;

          if (entry == NULL || entry->link_id == 0)
            continue;
          partner = g_hash_table_lookup (links[other], &entry->link_id);
          g_hash_table_add (run->force[side], g_strdup (parts[0]));
          if (partner != NULL)
            g_hash_table_add (run->force[other], g_strdup (partner));
        }
    }
}

/* The baselines of records whose update was in flight when a run died take
 * the values that update wrote where the app holds them now: the run's own
 * writes are not seen as people's changes (they would win over what people
 * did since, or undo a removal from a list). */
/* The field a dead run wrote and the app holds: the engine's value. */
static void
mark_replayed (ConcordPlanInput *input,
               ConcordSide       side,
               const char       *remote_id,
               const char       *key)
{
  GHashTable *keys = g_hash_table_lookup (input->replayed[side], remote_id);

  if (keys == NULL)
    {
      keys = g_hash_table_new (NULL, NULL);
      g_hash_table_insert (input->replayed[side], g_strdup (remote_id), keys);
    }
  g_hash_table_add (keys, GUINT_TO_POINTER (g_quark_from_string (key)));
}

static void
apply_intents (Run              *run,
               ConcordPlanInput *input,
               GPtrArray        *intents)
{
  for (guint i = 0; intents != NULL && i < intents->len; i++)
    {
      ConcordIntentRow *intent = g_ptr_array_index (intents, i);
      g_auto(GStrv) lines = NULL;
      ConcordSide side = intent->side;

      if (g_strcmp0 (intent->op, "update") != 0 || intent->payload == NULL)
        continue;

      lines = g_strsplit (intent->payload, "\n", -1);
      for (guint l = 0; lines[l] != NULL; l++)
        {
          g_auto(GStrv) parts = g_strsplit (lines[l], US, 4);
          g_autoptr(ConcordRecord) partner_then = NULL;
          ConcordIndexEntry *entry;
          ConcordBaseline *baseline;
          ConcordRecord *now;
          ConcordRecord *partner_now = NULL;
          g_autoptr(ConcordRecord) intended = NULL;
          g_autoptr(ConcordRecord) adjusted = NULL;
          g_autoptr(ConcordRecord) other = NULL;
          g_auto(GStrv) cleared = NULL;

          if (g_strv_length (parts) < 3)
            continue;
          if (parts[3] != NULL && *parts[3] != '\0')
            {
              gsize length;
              g_autofree guchar *data = g_base64_decode (parts[3], &length);

              partner_then = concord_record_new_from_serialized (data, length);
            }

          entry = g_hash_table_lookup (input->index[side], parts[0]);
          baseline = entry != NULL && entry->link_id != 0
                     ? g_hash_table_lookup (input->baselines, &entry->link_id) : NULL;
          now = g_hash_table_lookup (input->changed[side], parts[0]);
          if (baseline == NULL || now == NULL)
            continue;

          /* Both records must be at hand (read as changed) to re-base them:
           * an unchanged record's baseline stands for what it holds. */
          {
            GHashTable *links = run->links[CONCORD_SIDE_OTHER (side)];
            const char *partner = links != NULL ? g_hash_table_lookup (links, &entry->link_id) : NULL;

            if (partner == NULL ||
                (partner_now = g_hash_table_lookup (input->changed[CONCORD_SIDE_OTHER (side)], partner)) == NULL)
              continue;
          }

          if (*parts[1] != '\0')
            {
              gsize length;
              g_autofree guchar *data = g_base64_decode (parts[1], &length);

              intended = concord_record_new_from_serialized (data, length);
            }
          cleared = *parts[2] != '\0' ? g_strsplit (parts[2], RS, -1) : NULL;

          /* The written side's baseline takes what was written, where the
           * app holds it: the run's own write is no change of people's.
           * The other side's takes what it holds only where it agrees with
           * that (the write carried its value over); where it does not, the
           * write was a merge or an action whose other half never went
           * out, and its old baseline keeps that half owed. */
          adjusted = concord_record_copy (baseline->values[side]);
          other = concord_record_copy (baseline->values[CONCORD_SIDE_OTHER (side)]);
          for (guint f = 0; intended != NULL && f < concord_record_get_n_fields (intended); f++)
            {
              const char *key;
              const ConcordValue *value = concord_record_get_field_at (intended, f, &key);
              const ConcordMappingPair *pair = partner_pair (run, side, key);
              GQuark other_key;
              const ConcordValue *other_value;

              if (!concord_value_equal (value, concord_record_get (now, key)))
                continue;
              mark_replayed (input, side, parts[0], key);
              if (pair == NULL)
                {
                  concord_record_set_value (adjusted, key, value);
                  continue;
                }
              other_key = side == CONCORD_SIDE_A ? pair->key_b : pair->key_a;
              if (partner_then != NULL)
                {
                  /* The partner's baseline is what it held then: its
                   * changes since, and what it is still owed, show. A
                   * single value written is the written side's own now;
                   * a set keeps its old baseline, so the three-way merge
                   * still sees every member either side removed. */
                  const ConcordValue *then = concord_record_get_quark (partner_then, other_key);

                  /* ... unless the write only carried the partner's set
                   * over: then the pair agreed, and both take it. */
                  if (value->type != CONCORD_FIELD_TYPE_STRING_SET ||
                      concord_mapping_pair_agrees (pair, side == CONCORD_SIDE_A ? value : then,
                                                   side == CONCORD_SIDE_A ? then : value))
                    concord_record_set_value (adjusted, key, value);
                  concord_record_set_value_quark (other, other_key, then);
                  continue;
                }
              other_value = concord_record_get_quark (partner_now, other_key);
              if (concord_mapping_pair_agrees (pair, side == CONCORD_SIDE_A ? value : other_value,
                                               side == CONCORD_SIDE_A ? other_value : value))
                {
                  concord_record_set_value (adjusted, key, value);
                  concord_record_set_value_quark (other, other_key, other_value);
                }
              else if (value->type != CONCORD_FIELD_TYPE_STRING_SET)
                /* A single value: what the other side holds now is its
                 * own (a change since, or the source of this write). */
                concord_record_set_value (adjusted, key, value);
              /* A set the other side does not hold yet: both baselines
               * stay, and the three-way set merge does the work again
               * with every member either side added or removed. */
            }
          for (guint f = 0; cleared != NULL && cleared[f] != NULL; f++)
            {
              const ConcordMappingPair *pair = partner_pair (run, side, cleared[f]);
              GQuark other_key;

              if (concord_record_get (now, cleared[f]) != NULL)
                continue;
              mark_replayed (input, side, parts[0], cleared[f]);
              concord_record_remove (adjusted, cleared[f]);
              if (pair == NULL)
                continue;
              other_key = side == CONCORD_SIDE_A ? pair->key_b : pair->key_a;
              if (partner_then != NULL)
                {
                  const ConcordValue *old_base = concord_record_get (baseline->values[side], cleared[f]);

                  /* (as above: a set keeps the old baseline, unless the
                   * partner held no set either) */
                  if (old_base != NULL && old_base->type == CONCORD_FIELD_TYPE_STRING_SET &&
                      concord_record_get_quark (partner_then, other_key) != NULL)
                    concord_record_set_value (adjusted, cleared[f], old_base);
                  concord_record_set_value_quark (other, other_key,
                                                  concord_record_get_quark (partner_then, other_key));
                }
              else if (concord_record_get_quark (partner_now, other_key) == NULL)
                concord_record_set_value_quark (other, other_key, NULL);
            }

          concord_record_unref (baseline->values[side]);
          baseline->values[side] = g_steal_pointer (&adjusted);
          concord_record_unref (baseline->values[CONCORD_SIDE_OTHER (side)]);
          baseline->values[CONCORD_SIDE_OTHER (side)] = g_steal_pointer (&other);
        }
    }
}

static gboolean
fetch_missing (Run               *run,
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
                                         run->cancellable, on_result_cb, &slot);
          result = wait_result (run, &slot);
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

/* ------------------------------------------------------------------------- */
/* Committing                                                                */
/* ------------------------------------------------------------------------- */

/* For a write that went through, which rule let the contact across and
 * which rules' actions shaped it ("let across by Rule 1; “VIP”: add “VIP”
 * to lists"); a failed write keeps its error there. */
static char *
rule_note (const ConcordPlanItem *item,
           ConcordSide            target,
           const char            *field)
{
  GString *out;

  if (item->notes[target] != NULL && field != NULL)
    return g_strdup (g_hash_table_lookup (item->notes[target], field));
  if (field != NULL || (item->crossed_by == NULL && item->notes[target] == NULL))
    return NULL;

  out = g_string_new (NULL);
  if (item->crossed_by != NULL)
    g_string_append_printf (out, "let across by %s", item->crossed_by);
  for (guint a = 0; item->actions != NULL && a < item->actions->len; a++)
    {
      const char *action = g_ptr_array_index (item->actions, a);

      if (g_str_has_prefix (action, CONCORD_SIDE_NAME (target)))
        g_string_append_printf (out, "%s%s", out->len > 0 ? "; " : "",
                                action + strlen (CONCORD_SIDE_NAME (target)) + 2);
    }

  return g_string_free (out, FALSE);
}

static void
journal_item (Run                 *run,
              ConcordPlanItem     *item,
              ConcordRecord * const created[2],
              gint64               link_id,
              const char          *outcome,
              const char          *error_text)
{
  for (guint s = 0; s < 2; s++)
    {
      g_autoptr(GPtrArray) changes = NULL;

      if (item->kind == CONCORD_PLAN_CREATE && s != item->source)
        {
          /* What the app holds now, as it echoed it. */
          g_autofree char *json = created[s] != NULL ? concord_record_to_json (created[s]) : NULL;
          g_autofree char *note = error_text == NULL ? rule_note (item, s, NULL) : NULL;

          journal (run, item, link_id, s, item->ids[s], "create", NULL, NULL, json, outcome,
                   NULL, error_text != NULL ? error_text : note);
          continue;
        }

      changes = concord_plan_item_get_changes (item, s);
      for (guint c = 0; c < changes->len; c++)
        {
          const ConcordFieldChange *change = g_ptr_array_index (changes, c);
          g_autofree char *note = error_text == NULL ? rule_note (item, s, change->field) : NULL;

          journal (run, item, link_id, s, item->ids[s], "update", change->field,
                   change->before, change->after, outcome, NULL,
                   error_text != NULL ? error_text : note);
        }
    }
}

/* What a committed item needs no more; at 100,000 contacts it adds up:
 * the records it read are let go too, so an app's old versions of records
 * the run updated can be freed. */
static void
release_item (Run             *run,
              ConcordPlanItem *item)
{
  for (guint s = 0; s < 2; s++)
    {
      g_clear_pointer (&item->set[s], concord_record_unref);
      g_clear_pointer (&item->clear[s], g_ptr_array_unref);
      g_clear_pointer (&item->views[s], concord_record_unref);
      if (item->records[s] != NULL && item->ids[s] != NULL)
        {
          g_hash_table_remove (run->input->changed[s], item->ids[s]);
          g_hash_table_remove (run->input->extra[s], item->ids[s]);
        }
      g_clear_pointer (&item->records[s], concord_record_unref);
    }
  g_clear_pointer (&item->conflicts, g_ptr_array_unref);
}

static gboolean
commit_item (Run        *run,
             ItemState  *state,
             GError    **error)
{
  ConcordPlanItem *item = state->item;
  ConcordBaseline *old = NULL;
  GVariant *base[2] = { NULL, NULL };
  g_autoptr(ConcordRecord) empty = concord_record_new (NULL);
  gboolean ok;
  gint64 link_id = item->link_id;

  /* A failed write settles nothing: the link (of a first match, made
   * before the writes) keeps its old baseline, or none, and the records
   * their old hashes, so the next run does the work again. */
  if (state->refused)
    {
      /* Settle what was read, with no new baseline: unchanged records
       * are not looked at again, so the refused write is not retried. */
      for (guint s = 0; s < 2; s++)
        {
          const ConcordRecord *final = state->echo[s] != NULL ? state->echo[s] : item->records[s];
          gint64 link = item->kind == CONCORD_PLAN_CREATE ? 0 : link_id;

          if (final != NULL && item->ids[s] != NULL &&
              !put_index (run, s, item->ids[s], final, item->scope[s], link, error))
            return FALSE;
        }
      return TRUE;
    }

  if (state->failed)
    {
      if (item->kind == CONCORD_PLAN_MATCH)
        for (guint s = 0; s < 2; s++)
          {
            g_autofree char *email = email_of (item->records[s]);
            ConcordIndexEntry entry = { .remote_id = item->ids[s], .email_norm = email,
                                        .hash = 0, .link_id = link_id };

            if (!concord_store_put_index (run->store, run->connection_id, s, &entry, error))
              return FALSE;
          }
      return TRUE;
    }

  if (link_id == 0)
    {
      link_id = concord_store_add_link (run->store, run->connection_id,
                                        item->ids[0], item->ids[1], error);
      if (link_id == 0)
        return FALSE;
      run->summary->linked++;
    }
  else
    old = g_hash_table_lookup (run->input->baselines, &link_id);

  for (guint s = 0; s < 2; s++)
    {
      const ConcordRecord *final = state->echo[s] != NULL ? state->echo[s] : item->records[s];

      if (final != NULL)
        {
          /* Settled with the scope the plan used: a record our own write
           * moved into (or out of) scope is looked at again, in a second
           * pass of this same run. */
          if (item->scope[s] != concord_plan_in_scope (run->config, s, final))
            run->rescan = TRUE;
          if (!put_index (run, s, item->ids[s], final, item->scope[s], link_id, error))
            goto fail;
          base[s] = baseline_variant (final, run->keys[s], run->n_keys[s]);
        }
      else if (old != NULL)
        base[s] = baseline_variant (old->values[s], NULL, 0);
      else
        base[s] = baseline_variant (empty, NULL, 0);
    }

  ok = concord_store_set_baseline (run->store, link_id, base[0], base[1], error);
  g_variant_unref (base[0]);
  g_variant_unref (base[1]);
  if (!ok)
    return FALSE;

  journal_item (run, item, state->echo, link_id, "ok", NULL);
  release_item (run, item);

  return TRUE;

fail:
  g_clear_pointer (&base[0], g_variant_unref);
  return FALSE;
}

static gboolean
settle (Run          *run,
        ConcordPlan  *plan,
        GError      **error)
{
  ConcordPlanInput *input = run->input;
  g_autoptr(GError) local_error = NULL;

  if (!concord_store_begin (run->store, error))
    return FALSE;

  /* Links whose record is gone: the pair is undone, nothing is deleted. */
  for (guint i = 0; i < plan->unlinks->len; i++)
    {
      gint64 link_id = g_array_index (plan->unlinks, gint64, i);

      /* Both records of a pair may be gone: the link goes once. */
      if (!concord_store_remove_link (run->store, link_id, &local_error))
        {
          if (!g_error_matches (local_error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              goto fail;
            }
          g_clear_error (&local_error);
          continue;
        }
      journal (run, NULL, link_id, CONCORD_SIDE_B, NULL, "unlink", NULL, NULL, NULL, "ok", NULL,
               "a contact of the pair was deleted in its app");
      run->summary->unlinked++;
    }

  for (guint s = 0; s < 2; s++)
    for (guint i = 0; i < input->vanished[s]->len; i++)
      if (!concord_store_delete_index (run->store, run->connection_id, s,
                                       g_ptr_array_index (input->vanished[s], i), error))
        goto fail;

  /* Changed records that need no write: their new content is settled. */
  for (guint s = 0; s < 2; s++)
    for (guint i = 0; i < plan->settle[s]->len; i++)
      {
        const char *remote_id = g_ptr_array_index (plan->settle[s], i);
        ConcordRecord *record = g_hash_table_lookup (input->changed[s], remote_id);
        ConcordIndexEntry *entry = g_hash_table_lookup (input->index[s], remote_id);

        gint64 link_id = entry != NULL ? entry->link_id : 0;

        /* A link undone above stays undone. */
        for (guint u = 0; link_id != 0 && u < plan->unlinks->len; u++)
          if (g_array_index (plan->unlinks, gint64, u) == link_id)
            link_id = 0;

        if (record != NULL &&
            !put_index (run, s, remote_id, record, concord_plan_in_scope (run->config, s, record),
                        link_id, error))
          goto fail;
      }

  /* A skip is journaled when its record is settled with it; a record
   * skipped until something changes (an ambiguous email, a partner that
   * could not be read) would otherwise fill the journal run after run. */
  {
    GHashTable *settled[2];

    for (guint s = 0; s < 2; s++)
      {
        settled[s] = g_hash_table_new (g_str_hash, g_str_equal);
        for (guint i = 0; i < plan->settle[s]->len; i++)
          g_hash_table_add (settled[s], g_ptr_array_index (plan->settle[s], i));
      }

    for (guint i = 0; i < plan->skips->len; i++)
      {
        const ConcordPlanSkip *skip = g_ptr_array_index (plan->skips, i);

        run->summary->skipped++;
        /* A field that could not be converted is journaled with its
         * record's change: it comes back only when the record changes. */
        if (skip->field != NULL || g_hash_table_contains (settled[skip->side], skip->remote_id))
          journal (run, NULL, 0, CONCORD_SIDE_OTHER (skip->side), skip->remote_id, "skip",
                   skip->field != NULL && *skip->field != '\0' ? skip->field : NULL,
                   NULL, NULL, "skipped", skip->code, skip->reason);
      }

    /* Linked contacts a rule keeps out: the activity says why they stopped
     * following (once per change of theirs). */
    for (guint i = 0; i < plan->excluded->len; i++)
      {
        const ConcordPlanSkip *skip = g_ptr_array_index (plan->excluded, i);

        journal (run, NULL, 0, CONCORD_SIDE_OTHER (skip->side), skip->remote_id, "skip", NULL,
                 NULL, NULL, "skipped", skip->code, skip->reason);
      }

    g_hash_table_unref (settled[0]);
    g_hash_table_unref (settled[1]);
  }

  journal_refusals (run);

  for (guint i = 0; i < plan->ambiguous->len; i++)
    {
      const ConcordPlanAmbiguous *ambiguous = g_ptr_array_index (plan->ambiguous, i);
      ConcordConflictRow row = {
        .run_id = run->run_id,
        .kind = (char *) "ambiguous",
        .field = (char *) CONCORD_FIELD_EMAIL,
        .value_a = ambiguous->side == CONCORD_SIDE_A ? ambiguous->email : NULL,
        .value_b = ambiguous->side == CONCORD_SIDE_B ? ambiguous->email : NULL,
        .winner = (char *) "none",
        .email = ambiguous->email,
      };

      if (!concord_store_add_conflict (run->store, run->connection_id, &row, error))
        goto fail;
      journal_contact (run, NULL, ambiguous->email, 0, CONCORD_SIDE_OTHER (ambiguous->side),
               ambiguous->ids, "skip", NULL, NULL, NULL, "skipped", CONCORD_SKIP_AMBIGUOUS, NULL,
               "the email address is on several contacts; pair them by hand");
    }

  /* First matches are paired before anything is written, and every
   * conflict is recorded now: should the process die after a losing value
   * was overwritten, the loser is still archived. */
  for (guint i = 0; i < run->n_states; i++)
    {
      ConcordPlanItem *item = run->states[i].item;

      if (item->kind == CONCORD_PLAN_MATCH && item->link_id == 0)
        {
          /* The index learns of the pair with its first commit. A run that
           * dies before that pairs the same records again (the same link),
           * or, if people changed them meanwhile, undoes the stale pair. */
          item->link_id = concord_store_add_link (run->store, run->connection_id,
                                                  item->ids[0], item->ids[1], &local_error);
          if (item->link_id == 0 &&
              g_error_matches (local_error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT))
            {
              g_autoptr(GArray) stale = concord_store_find_links (run->store, run->connection_id,
                                                                  item->ids[0], item->ids[1], error);

              g_clear_error (&local_error);
              for (guint l = 0; stale != NULL && l < stale->len; l++)
                if (!concord_store_remove_link (run->store, g_array_index (stale, gint64, l), error))
                  goto fail;
              if (stale == NULL)
                goto fail;
              item->link_id = concord_store_add_link (run->store, run->connection_id,
                                                      item->ids[0], item->ids[1], error);
            }
          else if (local_error != NULL)
            g_propagate_error (error, g_steal_pointer (&local_error));

          if (item->link_id == 0)
            goto fail;
          run->summary->linked++;
          journal (run, item, item->link_id, CONCORD_SIDE_B, item->ids[1], "link", NULL,
                   item->ids[0], item->ids[1], "ok", NULL, NULL);
        }

      for (guint c = 0; item->conflicts != NULL && c < item->conflicts->len; c++)
        {
          const ConcordPlanConflict *conflict = g_ptr_array_index (item->conflicts, c);
          const char *email = NULL;
          g_autofree char *name = NULL;
          ConcordConflictRow row = {
            .run_id = run->run_id,
            .link_id = item->link_id,
            .kind = (char *) (conflict->suppressed ? "suppressed" : "field"),
            .field = conflict->field,
            .value_a = conflict->value_a,
            .value_b = conflict->value_b,
            .winner = (char *) CONCORD_SIDE_NAME (conflict->winner),
            .resolved = TRUE,
          };

          contact_of (run, item, NULL, &email, &name);
          row.email = (char *) email;
          row.name = name;

          if (!concord_store_add_conflict (run->store, run->connection_id, &row, error))
            goto fail;

          /* A sync that would have re-subscribed the contact: people see
           * in the activity that it was not done, and why. */
          if (conflict->suppressed && conflict->kept)
            {
              ConcordSide kept = conflict->winner;

              journal (run, item, item->link_id, kept, item->ids[kept], "skip", conflict->field,
                       kept == CONCORD_SIDE_A ? conflict->value_a : conflict->value_b,
                       kept == CONCORD_SIDE_A ? conflict->value_b : conflict->value_a, "skipped",
                       CONCORD_SKIP_SUPPRESSED,
                       "the contact unsubscribed, bounced or complained: a sync never makes "
                       "such a contact active again");
            }
        }
    }

  /* Items without writes are complete already (false conflicts, merges
   * that found nothing to do): their baselines advance. */
  for (guint i = 0; i < run->n_states; i++)
    if (run->states[i].pending == 0 && !commit_item (run, &run->states[i], error))
      goto fail;

  return concord_store_commit (run->store, error);

fail:
  concord_store_rollback (run->store);
  return FALSE;
}

/* ------------------------------------------------------------------------- */
/* Writing                                                                   */
/* ------------------------------------------------------------------------- */

typedef enum
{
  WRITE_CREATE,
  WRITE_UPDATE,
} WriteKind;

/* The app took an update but for some fields, for good: each is journaled
 * as skipped with the reason and taken out of the item, so the journal
 * says only what was written. The pair's baselines then hold what each
 * side has (the echo keeps the app's old value): the refused value is not
 * tried again until one side changes it. */
static void
refuse_fields (Run             *run,
               ConcordPlanItem *item,
               ConcordSide      side,
               GPtrArray       *refused)
{
  for (guint i = 0; i < refused->len; i++)
    {
      const ConcordFieldRefusal *refusal = g_ptr_array_index (refused, i);
      const ConcordValue *wanted = NULL;
      const ConcordValue *had = NULL;
      g_autofree char *before = NULL;
      g_autofree char *after = NULL;
      g_autoptr(GError) refused_error = NULL;

      if (item->set[side] != NULL)
        wanted = concord_record_get (item->set[side], refusal->key);
      if (wanted == NULL)
        continue;

      if (item->views[side] != NULL)
        had = concord_record_get (item->views[side], refusal->key);
      before = had != NULL ? concord_value_to_string (had) : NULL;
      after = concord_value_to_string (wanted);
      run->summary->skipped++;
      refused_error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_REFUSED,
                                           refusal->reason != NULL ? refusal->reason : "");
      concord_error_set_side (refused_error, side);
      concord_error_set_field (refused_error, refusal->key);
      journal_contact (run, item, NULL, item->link_id, side, item->ids[side], "update",
                       refusal->key, before, after, "skipped", NULL, refused_error, NULL);
      concord_record_remove (item->set[side], refusal->key);
    }
}

static gboolean
write_batch (Run         *run,
             ConcordSide  side,
             WriteKind    kind,
             GPtrArray   *states,
             GError     **error)
{
  ConcordConnector *connector = run->connectors[side];
  g_autoptr(GPtrArray) inputs = NULL;
  g_autoptr(GArray) intents = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) call_error = NULL;
  g_autofree gboolean *answered = NULL;
  gboolean batch_failed = FALSE;
  GAsyncResult *slot = NULL;

  if (kind == WRITE_CREATE)
    inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  else
    inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);

  /* 1. The intent, committed before the call: one row for the batch,
   * naming every record in it (emails for creates, ids for updates). */
  {
    g_autoptr(GString) keys = g_string_new (NULL);
    g_autoptr(GString) payload = g_string_new (NULL);
    gint64 intent;

    for (guint i = 0; i < states->len; i++)
      {
        ItemState *state = g_ptr_array_index (states, i);
        ConcordPlanItem *item = state->item;

        if (kind == WRITE_CREATE)
          {
            ConcordRecord *values = concord_plan_item_build_create (item, run->config);
            g_autofree char *email = concord_normalize_email (concord_record_get_email (values));

            g_string_append_printf (keys, "%s%s", i > 0 ? "\n" : "", email ? email : "");
            g_ptr_array_add (inputs, values);
          }
        else
          {
            g_autoptr(ConcordRecord) empty = concord_record_new (item->ids[side]);
            g_autoptr(GStrvBuilder) clear = g_strv_builder_new ();
            g_auto(GStrv) clear_keys = NULL;

            for (guint c = 0; item->clear[side] != NULL && c < item->clear[side]->len; c++)
              g_strv_builder_add (clear, g_ptr_array_index (item->clear[side], c));
            clear_keys = g_strv_builder_end (clear);

            g_string_append_printf (keys, "%s%s", i > 0 ? "\n" : "", item->ids[side]);
            /* Only a pair with a baseline can use it (a first match has none). */
            if (item->kind == CONCORD_PLAN_LINKED)
              append_intended (payload, item->ids[side], item->set[side],
                               (const char * const *) clear_keys,
                               item->views[CONCORD_SIDE_OTHER (side)],
                               run->keys[CONCORD_SIDE_OTHER (side)], run->n_keys[CONCORD_SIDE_OTHER (side)]);
            g_ptr_array_add (inputs,
                             concord_record_change_new (item->ids[side],
                                                        item->set[side] != NULL ? item->set[side] : empty,
                                                        (const char * const *) clear_keys));
          }
      }

    intent = concord_store_add_intent (run->store, run->connection_id, run->run_id, side,
                                       kind == WRITE_CREATE ? "create" : "update",
                                       keys->str, payload->len > 0 ? payload->str : NULL, error);
    if (intent == 0)
      {
        concord_store_rollback (run->store);
        return FALSE;
      }
    g_array_append_val (intents, intent);
    g_array_append_val (run->batch_intents, intent);
    for (guint i = 0; i < states->len; i++)
      ((ItemState *) g_ptr_array_index (states, i))->batch[side] = run->batch_intents->len;

    /* One commit for the previous batch's outcome and this intent: half
     * the commits, and the intent is durable before the call as ever. */
    if (concord_store_in_transaction (run->store) && !concord_store_commit (run->store, error))
      return FALSE;
  }

  /* 2. The call. */
  if (kind == WRITE_CREATE)
    concord_connector_create_async (connector, run->types[side], inputs, run->cancellable,
                                    on_result_cb, &slot);
  else
    concord_connector_update_async (connector, run->types[side], inputs, run->cancellable,
                                    on_result_cb, &slot);
  result = wait_result (run, &slot);
  if (kind == WRITE_CREATE)
    results = concord_connector_create_finish (connector, result, &call_error);
  else
    results = concord_connector_update_finish (connector, result, &call_error);

  run->write_calls++;
  run->summary->write_calls[side]++;
  run->n_written += states->len;
  if (run->options->progress != NULL)
    run->options->progress (CONCORD_RUN_WRITING, MIN (run->n_written, run->n_to_write), run->n_to_write,
                            run->options->progress_data);

  if (g_error_matches (call_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&call_error));
      return FALSE;
    }

  if (run->options->crash_after_writes > 0 && run->write_calls >= run->options->crash_after_writes)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                   "Simulated crash after %u write calls", run->write_calls);
      run->crashed = TRUE;
      return FALSE;
    }

  /* 3. The outcome, in one transaction. */
  answered = g_new0 (gboolean, states->len);
  batch_failed = call_error != NULL;

  if (!concord_store_begin (run->store, error))
    return FALSE;

  for (guint r = 0; results != NULL && r < results->len; r++)
    {
      ConcordWriteResult *write = g_ptr_array_index (results, r);
      ItemState *state;

      if (write->index >= states->len || answered[write->index])
        continue;

      answered[write->index] = TRUE;
      state = g_ptr_array_index (states, write->index);

      if (write->error == NULL && write->record != NULL && concord_record_get_remote_id (write->record) != NULL)
        {
          g_clear_pointer (&state->echo[side], concord_record_unref);
          state->echo[side] = concord_record_ref (write->record);
          if (kind == WRITE_CREATE)
            {
              g_free (state->item->ids[side]);
              state->item->ids[side] = g_strdup (concord_record_get_remote_id (write->record));
              run->summary->created[side]++;
            }
          else
            run->summary->updated[side]++;
          if (kind == WRITE_UPDATE && write->refused != NULL)
            refuse_fields (run, state->item, side, write->refused);
          if (kind == WRITE_CREATE)
            run->summary->fields_written[side] += concord_record_get_n_fields (write->record);
          else
            run->summary->fields_written[side] +=
              (state->item->set[side] != NULL ? concord_record_get_n_fields (state->item->set[side]) : 0) +
              (state->item->clear[side] != NULL ? state->item->clear[side]->len : 0);
        }
      else if (write->error != NULL && !concord_error_is_transient (write->error) &&
               !g_error_matches (write->error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND))
        {
          /* The app refuses this write for good (a status it does not let
           * an API set, a field the account lacks): journaled as skipped
           * with the reason, and the records settled as they are, so it is
           * tried again only when one of them changes — never forever. */
          state->failed = TRUE;
          state->refused = TRUE;
          run->summary->skipped++;
          journal_failure (run, state->item, side, kind == WRITE_CREATE ? "create" : "update",
                           "skipped", write->error);
        }
      else
        {
          g_autoptr(GError) unanswered = write->error == NULL
            ? g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_FAILED, "no record echoed") : NULL;

          state->failed = TRUE;
          batch_failed = TRUE;
          run->any_failed = TRUE;
          run->summary->failed[side]++;
          journal_failure (run, state->item, side, kind == WRITE_CREATE ? "create" : "update",
                           "failed", write->error != NULL ? write->error : unanswered);
        }
    }

  for (guint i = 0; i < states->len; i++)
    {
      ItemState *state = g_ptr_array_index (states, i);

      if (!answered[i])
        {
          /* The whole call failed, or the app said nothing of this record. */
          state->failed = TRUE;
          batch_failed = TRUE;
          run->any_failed = TRUE;
          run->summary->failed[side]++;
          g_autoptr(GError) unanswered = call_error == NULL
            ? g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_FAILED,
                                   "the app did not answer for this contact") : NULL;

          journal_failure (run, state->item, side, kind == WRITE_CREATE ? "create" : "update",
                           "failed", call_error != NULL ? call_error : unanswered);
        }

      g_assert (state->pending > 0);
      if (--state->pending == 0 && !commit_item (run, state, error))
        goto fail;
    }

  /* The intent stays until every item of the run is committed (an item
   * writing to both sides commits after its second batch); the intent of
   * a batch with a failed record stays for the runs that retry it. */
  if (!batch_failed)
    g_array_append_vals (run->intents, intents->data, intents->len);

  /* Left open: committed with the next batch's intent, or by
   * finish_writes(). A process that dies meanwhile loses only what the
   * intents let the next run recover. */
  return TRUE;

fail:
  concord_store_rollback (run->store);
  return FALSE;
}

/* Commits the outcome of the last batch, left open by write_batch(). */
static gboolean
finish_writes (Run     *run,
               GError **error)
{
  if (!concord_store_in_transaction (run->store))
    return TRUE;

  if (concord_store_commit (run->store, error))
    return TRUE;

  concord_store_rollback (run->store);
  return FALSE;
}

static gboolean
write_side (Run         *run,
            ConcordSide  side,
            WriteKind    kind,
            GError     **error)
{
  guint batch = MAX (1, concord_connector_get_max_batch (run->connectors[side]));
  g_autoptr(GPtrArray) states = g_ptr_array_new ();

  for (guint i = 0; i <= run->n_states; i++)
    {
      if (i < run->n_states)
        {
          ItemState *state = &run->states[i];
          ConcordPlanItem *item = state->item;
          gboolean is_create = item->kind == CONCORD_PLAN_CREATE;

          if (!concord_plan_item_writes (item, side) || is_create != (kind == WRITE_CREATE))
            continue;

          g_ptr_array_add (states, state);
        }

      if (states->len == batch || (i == run->n_states && states->len > 0))
        {
          if (!write_batch (run, side, kind, states, error))
            return FALSE;
          g_ptr_array_set_size (states, 0);

          if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
            return FALSE;
        }
    }

  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* The run                                                                   */
/* ------------------------------------------------------------------------- */

static gboolean
execute (Run               *run,
         ConcordPlanInput  *input,
         GError           **error)
{
  g_autoptr(ConcordPlan) plan = NULL;

  for (guint s = 0; s < 2; s++)
    {
      input->index[s] = concord_store_load_index (run->store, run->connection_id, s, error);
      if (input->index[s] == NULL)
        return FALSE;
    }

  /* What a run that died left in flight. */
  run->old_intents = concord_store_list_intents (run->store, run->connection_id, error);
  if (run->old_intents == NULL)
    return FALSE;

  /* A record that fails run after run keeps its batch's intent; keep the
   * newest few hundred, the rest explain nothing any more. */
  while (!run->options->dry_run && run->old_intents->len > MAX_OLD_INTENTS)
    {
      ConcordIntentRow *oldest = g_ptr_array_index (run->old_intents, 0);

      if (!concord_store_remove_intent (run->store, oldest->id, error))
        return FALSE;
      g_ptr_array_remove_index (run->old_intents, 0);
    }

  /* Both records of a pair a dead run was writing are read as changed:
   * what each holds now is compared with what the run meant to write. */
  collect_intent_records (run, input);

  for (guint s = 0; s < 2; s++)
    if (!read_side (run, s, input, error))
      return FALSE;

  concord_plan_input_prepare (input);

  if (!load_baselines (run, input, error) || !fetch_missing (run, input, error))
    return FALSE;

  apply_intents (run, input, run->old_intents);

  plan = concord_planner_plan (input);

  run->summary->conflicts += plan->n_conflicts;
  run->summary->ambiguous += plan->ambiguous->len;

  if (run->options->dry_run)
    {
      run->summary->plan_text = concord_plan_to_string (plan, run->config, 50);
      g_clear_pointer (&run->summary->preview, g_ptr_array_unref);
      run->summary->preview = concord_preview_new (plan, input, run->config, 200, &run->summary->excluded);
      run->summary->tripped = plan->tripped;
      run->summary->skipped = plan->skips->len;
      return TRUE;
    }

  if (plan->tripped)
    {
      run->summary->tripped = TRUE;
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                   "Stopped to protect your contacts: %s", plan->trip_reason);
      return FALSE;
    }

  run->n_states = plan->items->len;
  run->states = g_new0 (ItemState, run->n_states);
  for (guint i = 0; i < run->n_states; i++)
    {
      ConcordPlanItem *item = g_ptr_array_index (plan->items, i);

      run->states[i].item = item;
      for (guint s = 0; s < 2; s++)
        if (concord_plan_item_writes (item, s))
          run->states[i].pending++;
      run->n_to_write += run->states[i].pending;
    }

  if (!settle (run, plan, error))
    return FALSE;

  for (guint s = 0; s < 2; s++)
    if (!write_side (run, s, WRITE_CREATE, error))
      return FALSE;

  for (guint s = 0; s < 2; s++)
    if (!write_side (run, s, WRITE_UPDATE, error))
      return FALSE;

  if (!finish_writes (run, error))
    return FALSE;

  /* What a dead run left in flight is settled once a run went through
   * without a failure; until then it still explains the apps' values. */
  for (guint i = 0; !run->any_failed && run->old_intents != NULL && i < run->old_intents->len; i++)
    {
      gint64 id = ((ConcordIntentRow *) g_ptr_array_index (run->old_intents, i))->id;

      g_array_append_val (run->intents, id);
    }

  /* An item whose write to one side went through and to the other failed
   * settled nothing: the intent of the batch that went through stays, so
   * that the next run knows the written side's values for the run's own
   * (not people's changes, which would hold back on-update actions or
   * undo the other side's edits). */
  {
    g_autoptr(GHashTable) keep = g_hash_table_new (g_int64_hash, g_int64_equal);

    for (guint i = 0; i < run->n_states; i++)
      if (run->states[i].failed && !run->states[i].refused)
        for (guint s = 0; s < 2; s++)
          if (run->states[i].batch[s] != 0)
            g_hash_table_add (keep, &g_array_index (run->batch_intents, gint64,
                                                    run->states[i].batch[s] - 1));

    for (guint i = run->intents->len; i-- > 0;)
      if (g_hash_table_contains (keep, &g_array_index (run->intents, gint64, i)))
        g_array_remove_index_fast (run->intents, i);
  }

  if (run->intents->len > 0)
    {
      if (!concord_store_begin (run->store, error))
        return FALSE;
      for (guint i = 0; i < run->intents->len; i++)
        if (!concord_store_remove_intent (run->store, g_array_index (run->intents, gint64, i), error))
          {
            concord_store_rollback (run->store);
            return FALSE;
          }
      if (!concord_store_commit (run->store, error))
        return FALSE;
      g_array_set_size (run->intents, 0);
    }

  /* An incremental cursor moves on only when every change was settled;
   * otherwise the failed records would never be listed again. */
  for (guint s = 0; s < 2; s++)
    if (run->cursors[s] != NULL && !run->any_failed &&
        !concord_store_set_cursor (run->store, run->connection_id, s, run->cursors[s], error))
      return FALSE;

  return TRUE;
}

/**
 * concord_sync_run:
 * @store: the state store
 * @connection_id: the connection in @store
 * @config: how the connection syncs
 * @connector_a: the app of side A
 * @type_a: the contact type of side A
 * @connector_b: the app of side B
 * @type_b: the contact type of side B
 * @options: (nullable): dry run and test switches
 * @cancellable: (nullable): stops the run between batches
 * @summary: (out caller-allocates): what the run did; clear it with
 *   concord_run_summary_clear()
 * @error: return location for a #GError
 *
 * One sync run, synchronously: call it on the engine's thread only.
 * A run whose records partly failed to write still returns %TRUE; the
 * summary counts the failures, the journal says why, and the next run
 * retries them.
 *
 * Returns: %TRUE when the run completed
 */
gboolean
concord_sync_run (ConcordStore             *store,
                  gint64                    connection_id,
                  const ConcordSyncConfig  *config,
                  ConcordConnector         *connector_a,
                  const char               *type_a,
                  ConcordConnector         *connector_b,
                  const char               *type_b,
                  const ConcordRunOptions  *options,
                  GCancellable             *cancellable,
                  ConcordRunSummary        *summary,
                  GError                  **error)
{
  static const ConcordRunOptions default_options = { 0 };
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(ConcordPlanInput) input = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *summary_json = NULL;
  Run run = { 0 };
  gboolean ok;

  g_return_val_if_fail (CONCORD_IS_STORE (store), FALSE);
  g_return_val_if_fail (config != NULL && config->mapping != NULL, FALSE);
  g_return_val_if_fail (CONCORD_IS_CONNECTOR (connector_a), FALSE);
  g_return_val_if_fail (CONCORD_IS_CONNECTOR (connector_b), FALSE);
  g_return_val_if_fail (summary != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (summary, 0, sizeof *summary);

  run.store = store;
  run.connection_id = connection_id;
  run.config = config;
  run.fingerprint = concord_sync_config_fingerprint (config);
  run.connectors[0] = connector_a;
  run.connectors[1] = connector_b;
  run.types[0] = type_a;
  run.types[1] = type_b;
  run.options = options != NULL ? options : &default_options;
  run.cancellable = cancellable;
  run.summary = summary;
  run.keys[0] = concord_mapping_get_keys (config->mapping, CONCORD_SIDE_A, &run.n_keys[0]);
  run.keys[1] = concord_mapping_get_keys (config->mapping, CONCORD_SIDE_B, &run.n_keys[1]);

  input = concord_plan_input_new (config);
  run.input = input;
  run.intents = g_array_new (FALSE, FALSE, sizeof (gint64));
  run.batch_intents = g_array_new (FALSE, FALSE, sizeof (gint64));
  run.force[0] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  run.force[1] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (!run.options->dry_run)
    {
      GPtrArray *conflicts;

      run.run_id = concord_store_begin_run (store, connection_id, FALSE, error);
      if (run.run_id == 0)
        return FALSE;
      summary->run_id = run.run_id;

      /* Ambiguities already waiting for review are not reported again. */
      conflicts = concord_store_list_conflicts (store, connection_id, 0, NULL);
      for (guint i = 0; conflicts != NULL && i < conflicts->len; i++)
        {
          ConcordConflictRow *row = g_ptr_array_index (conflicts, i);
          const char *email = row->value_a != NULL ? row->value_a : row->value_b;

          if (g_strcmp0 (row->kind, "ambiguous") == 0 && !row->resolved && email != NULL)
            g_hash_table_add (input->reported_ambiguous, g_strdup (email));
        }
      g_clear_pointer (&conflicts, g_ptr_array_unref);
    }

  for (guint s = 0; s < 2; s++)
    {
      run.refused[s] = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_refusal_free);
      run.refusals_seen[s] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    }

  /* The connectors' async calls complete on the caller's thread-default
   * context (where connectors like Elastic Email's were made, with their
   * HTTP session): the run drives that context while it waits. */
  context = g_main_context_ref_thread_default ();
  run.context = context;

  /* A second pass, rarely, when a write moved a record across a rule's
   * scope: what the record now offers is synced in the same run. */
  for (guint pass = 0; pass < 3; pass++)
    {
      if (pass > 0)
        {
          g_autoptr(GHashTable) reported = g_hash_table_ref (input->reported_ambiguous);

          g_clear_pointer (&input, concord_plan_input_free);
          input = concord_plan_input_new (config);
          g_hash_table_unref (input->reported_ambiguous);
          input->reported_ambiguous = g_steal_pointer (&reported);
          run.input = input;
        }

      run.rescan = FALSE;
      ok = execute (&run, input, &local_error);

      /* A run stopped between batches (cancelled, or a failure) still
       * keeps the outcome of the batches it finished. */
      if (!ok && !finish_writes (&run, NULL))
        g_warning ("Could not keep the outcome of the last batch");

      for (guint i = 0; i < run.n_states; i++)
        for (guint s = 0; s < 2; s++)
          g_clear_pointer (&run.states[i].echo[s], concord_record_unref);
      g_clear_pointer (&run.states, g_free);
      run.n_states = 0;
      g_clear_pointer (&run.cursors[0], g_free);
      g_clear_pointer (&run.cursors[1], g_free);
      g_clear_pointer (&run.old_intents, g_ptr_array_unref);

      if (!ok || !run.rescan || run.options->dry_run || run.any_failed)
        break;
    }

  g_array_unref (run.intents);
  g_array_unref (run.batch_intents);
  g_hash_table_unref (run.force[0]);
  g_hash_table_unref (run.force[1]);
  for (guint s = 0; s < 2; s++)
    {
      g_ptr_array_unref (run.refused[s]);
      g_hash_table_unref (run.refusals_seen[s]);
    }
  g_clear_pointer (&run.links[0], g_hash_table_unref);
  g_clear_pointer (&run.links[1], g_hash_table_unref);

  if (run.options->dry_run)
    {
      if (!ok)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return ok;
    }

  /* A simulated crash leaves the run unfinished, as a real one would. */
  if (!ok && run.crashed)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  summary_json = concord_run_summary_to_json (summary);
  concord_store_finish_run (store, run.run_id,
                            ok ? (run.any_failed ? "partial" : "ok")
                               : (summary->tripped ? "aborted" : "failed"),
                            summary_json, NULL);
  /* Why, for the activity view. */
  if (!ok && local_error != NULL)
    concord_store_set_run_error (store, run.run_id, local_error, NULL);

  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));

  return ok;
}

/**
 * concord_run_summary_add:
 * @summary: what a run did
 * @more: what a run that followed it did
 *
 * Adds @more's counts to @summary; the run id becomes @more's.
 */
void
concord_run_summary_add (ConcordRunSummary       *summary,
                         const ConcordRunSummary *more)
{
  g_return_if_fail (summary != NULL);
  g_return_if_fail (more != NULL);

  summary->run_id = more->run_id;
  for (guint s = 0; s < 2; s++)
    {
      summary->listed[s] = MAX (summary->listed[s], more->listed[s]);
      summary->changed[s] += more->changed[s];
      summary->created[s] += more->created[s];
      summary->updated[s] += more->updated[s];
      summary->failed[s] += more->failed[s];
      summary->fields_written[s] += more->fields_written[s];
      summary->write_calls[s] += more->write_calls[s];
    }
  summary->linked = more->linked;
  summary->unlinked = more->unlinked;
  summary->skipped += more->skipped;
  summary->conflicts += more->conflicts;
  summary->ambiguous = more->ambiguous;
  summary->tripped = summary->tripped || more->tripped;
}

/**
 * concord_sync_run_connection:
 * @row: the connection
 * @config: its configuration, from concord_sync_config_init_for_connection()
 *   with the schemas the connectors gave before the run
 *
 * concord_sync_run() for @row, and once more when the run taught a
 * connector fields it did not know before: Elastic Email cannot list an
 * account's custom fields and learns them from the contacts it reads, so
 * a field first used on a page its schema did not read only shows up in
 * the listing. When the schemas as they are after the run give @row
 * another configuration (an automatic mapping that now pairs the new
 * fields), a second run with it syncs those fields in this same sync,
 * instead of never (concord-cli makes new connectors for every sync) or a
 * schedule later. A run that failed, failed writes or was a dry run is not
 * followed.
 *
 * Returns: whether the run (and the second one, if any) succeeded;
 *   @summary holds both runs' counts
 */
gboolean
concord_sync_run_connection (ConcordStore               *store,
                             const ConcordConnectionRow *row,
                             const ConcordSyncConfig    *config,
                             ConcordConnector           *connector_a,
                             ConcordConnector           *connector_b,
                             const ConcordRunOptions    *options,
                             GCancellable               *cancellable,
                             ConcordRunSummary          *summary,
                             GError                    **error)
{
  g_autoptr(GPtrArray) schema_a = NULL;
  g_autoptr(GPtrArray) schema_b = NULL;
  g_autoptr(GError) local_error = NULL;
  ConcordSyncConfig fresh;
  ConcordRunSummary more = { 0 };
  gboolean ok;

  g_return_val_if_fail (row != NULL, FALSE);
  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (summary != NULL, FALSE);

  if (!concord_sync_run (store, row->id, config, connector_a, row->type_a, connector_b, row->type_b,
                         options, cancellable, summary, error))
    return FALSE;

  if ((options != NULL && options->dry_run) || summary->failed[0] + summary->failed[1] > 0 ||
      g_cancellable_is_cancelled (cancellable))
    return TRUE;

  /* The first run succeeded: what follows is a bonus, and its failure to
   * read a schema is not the run's. */
  if ((schema_a = concord_connector_load_schema_sync (connector_a, row->type_a, cancellable,
                                                      &local_error)) == NULL ||
      (schema_b = concord_connector_load_schema_sync (connector_b, row->type_b, cancellable,
                                                      &local_error)) == NULL ||
      !concord_sync_config_init_for_connection (&fresh, row, schema_a, schema_b, &local_error))
    {
      g_debug ("The fields after the run could not be read: %s", local_error->message);
      return TRUE;
    }

  if (concord_sync_config_fingerprint (&fresh) == concord_sync_config_fingerprint (config))
    {
      concord_sync_config_clear (&fresh);
      return TRUE;
    }

  /* The caller's tuning of the run stays. */
  fresh.breaker_min = config->breaker_min;
  fresh.breaker_fraction = config->breaker_fraction;
  fresh.growth_min = config->growth_min;
  fresh.growth_factor = config->growth_factor;
  fresh.first_max = config->first_max;
  fresh.force = config->force;

  g_debug ("Connection %" G_GINT64_FORMAT ": the run found new fields; syncing them now", row->id);
  ok = concord_sync_run (store, row->id, &fresh, connector_a, row->type_a, connector_b, row->type_b,
                         options, cancellable, &more, error);
  concord_run_summary_add (summary, &more);
  concord_run_summary_clear (&more);
  concord_sync_config_clear (&fresh);

  return ok;
}

/* ------------------------------------------------------------------------- */
/* On the engine's thread                                                    */
/* ------------------------------------------------------------------------- */

typedef struct
{
  ConcordStore      *store;
  gint64             connection_id;
  ConcordSyncConfig  config;
  ConcordConnector  *connectors[2];
  char              *types[2];
  ConcordRunOptions  options;
  ConcordRunSummary  summary;
} RunData;

static void
run_data_free (gpointer data)
{
  RunData *run_data = data;

  g_clear_object (&run_data->store);
  concord_sync_config_clear (&run_data->config);
  for (guint s = 0; s < 2; s++)
    {
      g_clear_object (&run_data->connectors[s]);
      g_free (run_data->types[s]);
    }
  concord_run_summary_clear (&run_data->summary);
  g_free (run_data);
}

static void
sync_run_worker (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  RunData *run_data = task_data;
  GError *error = NULL;

  if (!concord_sync_run (run_data->store, run_data->connection_id, &run_data->config,
                         run_data->connectors[0], run_data->types[0],
                         run_data->connectors[1], run_data->types[1],
                         &run_data->options, cancellable, &run_data->summary, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * concord_sync_run_async:
 * @worker: the engine's thread
 * @options: (nullable): dry run and test switches
 * @callback: called on the caller's thread-default context when done
 *
 * concord_sync_run() on the engine's thread: the caller (the UI) never
 * waits on the network, SQLite or a merge. The store and the connectors
 * must only be used on @worker's thread; @config is copied, and its filter
 * data must stay valid until @callback runs.
 */
void
concord_sync_run_async (ConcordWorkerThread     *worker,
                        ConcordStore            *store,
                        gint64                   connection_id,
                        const ConcordSyncConfig *config,
                        ConcordConnector        *connector_a,
                        const char              *type_a,
                        ConcordConnector        *connector_b,
                        const char              *type_b,
                        const ConcordRunOptions *options,
                        GCancellable            *cancellable,
                        GAsyncReadyCallback      callback,
                        gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  RunData *run_data;

  g_return_if_fail (CONCORD_IS_WORKER_THREAD (worker));
  g_return_if_fail (CONCORD_IS_STORE (store));
  g_return_if_fail (config != NULL && config->mapping != NULL);
  g_return_if_fail (CONCORD_IS_CONNECTOR (connector_a));
  g_return_if_fail (CONCORD_IS_CONNECTOR (connector_b));

  run_data = g_new0 (RunData, 1);
  run_data->store = g_object_ref (store);
  run_data->connection_id = connection_id;
  run_data->config = *config;
  run_data->config.mapping = concord_mapping_ref (config->mapping);
  for (guint s = 0; s < 2; s++)
    if (config->rules[s] != NULL)
      concord_rule_list_ref (config->rules[s]);
  run_data->connectors[0] = g_object_ref (connector_a);
  run_data->connectors[1] = g_object_ref (connector_b);
  run_data->types[0] = g_strdup (type_a);
  run_data->types[1] = g_strdup (type_b);
  if (options != NULL)
    run_data->options = *options;

  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_sync_run_async);
  g_task_set_task_data (task, run_data, run_data_free);
  concord_worker_thread_queue (worker, task, sync_run_worker);
}

/**
 * concord_sync_run_finish:
 * @summary: (out caller-allocates) (optional): what the run did, also when
 *   it failed; clear it with concord_run_summary_clear()
 *
 * Returns: %TRUE when the run completed
 */
gboolean
concord_sync_run_finish (GAsyncResult       *result,
                         ConcordRunSummary  *summary,
                         GError            **error)
{
  RunData *run_data;

  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == concord_sync_run_async, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  run_data = g_task_get_task_data (G_TASK (result));
  if (summary != NULL)
    {
      *summary = run_data->summary;
      memset (&run_data->summary, 0, sizeof run_data->summary);
    }

  return g_task_propagate_boolean (G_TASK (result), error);
}
