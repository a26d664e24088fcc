/* concord-sync-run-commit.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The committing phase of a sync run (see concord-sync-run.c): settling
 * what needs no write before the writes, committing each item after its
 * writes (links, baselines, index hashes), and the journal rows that say
 * what was done.
 */

#define G_LOG_DOMAIN "concord-sync-run"

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-fields.h"
#include "concord-sync-run-private.h"

/* A baseline as the store keeps it: the record's compact form in an "ay". */
static GVariant *
baseline_variant (const ConcordRecord *record,
                  const GQuark        *keys,
                  guint                n_keys)
{
  g_autoptr(GBytes) bytes = concord_record_serialize (record, keys, n_keys);

  return g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE));
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
contact_of (ConcordRun             *run,
            const ConcordPlanItem  *item,
            const char             *remote_id,
            const char            **email,
            char                  **name)
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
void
concord_sync_run_journal_contact (ConcordRun            *run,
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
journal (ConcordRun            *run,
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
  concord_sync_run_journal_contact (run, item, NULL, link_id, target, remote_id, op, field, before,
                                    after, outcome, code, NULL, error_text);
}

/* A write that failed (or was refused for good), by @failure's code. */
void
concord_sync_run_journal_failure (ConcordRun            *run,
                                  const ConcordPlanItem *item,
                                  ConcordSide            target,
                                  const char            *op,
                                  const char            *outcome,
                                  const GError          *failure)
{
  concord_sync_run_journal_contact (run, item, NULL, item->link_id, target, item->ids[target], op,
                                    NULL, NULL, NULL, outcome, NULL, failure, NULL);
}

/* The records the listings of this pass could not read, each named with
 * its app and why (CONCORD_SYNC_RUN_MAX_REFUSAL_ROWS a side, then one row
 * counting the rest). An incremental listing names a bad record again only when it
 * changed (CardDAV's sync token, the vCard folder's snapshot), so an
 * unchanged bad card is shown once; a complete listing (a first run, an
 * app without a cursor) names it again, within the same bound. */
static void
journal_refusals (ConcordRun *run)
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
put_index (ConcordRun           *run,
           ConcordSide           side,
           const char           *remote_id,
           const ConcordRecord  *record,
           gboolean              in_scope,
           gint64                link_id,
           GError              **error)
{
  g_autofree char *email = email_of (record);
  ConcordIndexEntry entry = {
    .remote_id = (char *) remote_id,
    .email_norm = email,
    .hash = concord_sync_run_record_hash (run, side, record, in_scope),
    .link_id = link_id,
  };

  return concord_store_put_index (run->store, run->connection_id, side, &entry, error);
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
journal_item (ConcordRun            *run,
              ConcordPlanItem       *item,
              ConcordRecord * const  created[2],
              gint64                 link_id,
              const char            *outcome,
              const char            *error_text)
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
release_item (ConcordRun      *run,
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

gboolean
concord_sync_run_commit_item (ConcordRun           *run,
                              ConcordRunItemState  *state,
                              GError              **error)
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

/* Links whose record is gone: the pair is undone, nothing is deleted. */
static gboolean
settle_unlinks (ConcordRun   *run,
                ConcordPlan  *plan,
                GError      **error)
{
  g_autoptr(GError) local_error = NULL;

  for (guint i = 0; i < plan->unlinks->len; i++)
    {
      gint64 link_id = g_array_index (plan->unlinks, gint64, i);

      /* Both records of a pair may be gone: the link goes once. */
      if (!concord_store_remove_link (run->store, link_id, &local_error))
        {
          if (!g_error_matches (local_error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          g_clear_error (&local_error);
          continue;
        }
      journal (run, NULL, link_id, CONCORD_SIDE_B, NULL, "unlink", NULL, NULL, NULL, "ok", NULL,
               "a contact of the pair was deleted in its app");
      run->summary->unlinked++;
    }

  return TRUE;
}

/* The index forgets the vanished records and learns the changed ones that
 * need no write. */
static gboolean
settle_records (ConcordRun   *run,
                ConcordPlan  *plan,
                GError      **error)
{
  ConcordPlanInput *input = run->input;

  for (guint s = 0; s < 2; s++)
    for (guint i = 0; i < input->vanished[s]->len; i++)
      if (!concord_store_delete_index (run->store, run->connection_id, s,
                                       g_ptr_array_index (input->vanished[s], i), error))
        return FALSE;

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
          return FALSE;
      }

  return TRUE;
}

/* A skip is journaled when its record is settled with it; a record
 * skipped until something changes (an ambiguous email, a partner that
 * could not be read) would otherwise fill the journal run after run. */
static void
journal_skips (ConcordRun  *run,
               ConcordPlan *plan)
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

/* Emails on several contacts: a conflict to review, and a skip. */
static gboolean
record_ambiguous (ConcordRun   *run,
                  ConcordPlan  *plan,
                  GError      **error)
{
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
        return FALSE;
      concord_sync_run_journal_contact (run, NULL, ambiguous->email, 0,
                                        CONCORD_SIDE_OTHER (ambiguous->side), ambiguous->ids,
                                        "skip", NULL, NULL, NULL, "skipped",
                                        CONCORD_SKIP_AMBIGUOUS, NULL,
                                        "the email address is on several contacts; pair them by hand");
    }

  return TRUE;
}

/* A first match is paired before anything is written. */
static gboolean
link_first_match (ConcordRun       *run,
                  ConcordPlanItem  *item,
                  GError          **error)
{
  g_autoptr(GError) local_error = NULL;

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
              return FALSE;
          if (stale == NULL)
            return FALSE;
          item->link_id = concord_store_add_link (run->store, run->connection_id,
                                                  item->ids[0], item->ids[1], error);
        }
      else if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));

      if (item->link_id == 0)
        return FALSE;
      run->summary->linked++;
      journal (run, item, item->link_id, CONCORD_SIDE_B, item->ids[1], "link", NULL,
               item->ids[0], item->ids[1], "ok", NULL, NULL);
    }

  return TRUE;
}

/* Every conflict of @item is recorded before anything is written. */
static gboolean
record_conflicts (ConcordRun       *run,
                  ConcordPlanItem  *item,
                  GError          **error)
{
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
        return FALSE;

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

  return TRUE;
}

gboolean
concord_sync_run_settle (ConcordRun   *run,
                         ConcordPlan  *plan,
                         GError      **error)
{
  if (!concord_store_begin (run->store, error))
    return FALSE;

  if (!settle_unlinks (run, plan, error) || !settle_records (run, plan, error))
    goto fail;

  journal_skips (run, plan);
  journal_refusals (run);

  if (!record_ambiguous (run, plan, error))
    goto fail;

  /* First matches are paired before anything is written, and every
   * conflict is recorded now: should the process die after a losing value
   * was overwritten, the loser is still archived. */
  for (guint i = 0; i < run->n_states; i++)
    {
      ConcordPlanItem *item = run->states[i].item;

      if (!link_first_match (run, item, error) || !record_conflicts (run, item, error))
        goto fail;
    }

  /* Items without writes are complete already (false conflicts, merges
   * that found nothing to do): their baselines advance. */
  for (guint i = 0; i < run->n_states; i++)
    if (run->states[i].pending == 0 && !concord_sync_run_commit_item (run, &run->states[i], error))
      goto fail;

  return concord_store_commit (run->store, error);

fail:
  concord_store_rollback (run->store);
  return FALSE;
}
