/* concord-sync-run-recover.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The recovering phase of a sync run (see concord-sync-run.c): the intents
 * a run that died left in flight, their payload format, and how their
 * records are read again and their baselines re-based on what the dead
 * run wrote.
 */

#define G_LOG_DOMAIN "concord-sync-run"

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-fields.h"
#include "concord-sync-run-private.h"

/*
 * An update intent's payload says what the batch was to write, a line per
 * record: "id<US>set<US>clear" with the set in Concord's compact form in
 * base64 and the cleared keys separated by <RS>. Should the process die
 * after the app took the writes but before their outcome was committed,
 * the next run sees those values on the app: they are its own writes, not
 * changes people made, and the run treats them so (see
 * concord_sync_run_apply_intents()).
 */
#define MAX_OLD_INTENTS 500
#define US "\x1f"
#define RS "\x1e"

void
concord_sync_run_append_intended (GString             *payload,
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

/* The key on the other side that @key of @side is mapped to, or 0. */
static const ConcordMappingPair *
partner_pair (ConcordRun  *run,
              ConcordSide  side,
              const char  *key)
{
  gint index = concord_mapping_find (run->config->mapping, side, key);

  return index >= 0 ? concord_mapping_get_pair (run->config->mapping, index) : NULL;
}

void
concord_sync_run_collect_intent_records (ConcordRun       *run,
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

/* One record of an intent being re-based. */
typedef struct
{
  ConcordSide          side;
  const char          *remote_id;
  ConcordBaseline     *baseline;
  const ConcordRecord *now;           /* the written record, as read */
  const ConcordRecord *partner_now;   /* its partner, as read */
  const ConcordRecord *partner_then;  /* (nullable) its partner when the write was planned */
  ConcordRecord       *adjusted;      /* the written side's new baseline */
  ConcordRecord       *other;         /* the partner's new baseline */
} Rebase;

/* A field the dead run wrote (@value for @key). */
static void
rebase_written (ConcordRun         *run,
                ConcordPlanInput   *input,
                Rebase             *rebase,
                const char         *key,
                const ConcordValue *value)
{
  ConcordSide side = rebase->side;
  const ConcordRecord *now = rebase->now;
  const ConcordRecord *partner_now = rebase->partner_now;
  const ConcordRecord *partner_then = rebase->partner_then;
  ConcordRecord *adjusted = rebase->adjusted;
  ConcordRecord *other = rebase->other;
  const ConcordMappingPair *pair = partner_pair (run, side, key);
  GQuark other_key;
  const ConcordValue *other_value;

  if (!concord_value_equal (value, concord_record_get (now, key)))
    return;
  mark_replayed (input, side, rebase->remote_id, key);
  if (pair == NULL)
    {
      concord_record_set_value (adjusted, key, value);
      return;
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
      return;
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

/* A field the dead run cleared (@key). */
static void
rebase_cleared (ConcordRun       *run,
                ConcordPlanInput *input,
                Rebase           *rebase,
                const char       *key)
{
  ConcordSide side = rebase->side;
  ConcordBaseline *baseline = rebase->baseline;
  const ConcordRecord *now = rebase->now;
  const ConcordRecord *partner_now = rebase->partner_now;
  const ConcordRecord *partner_then = rebase->partner_then;
  ConcordRecord *adjusted = rebase->adjusted;
  ConcordRecord *other = rebase->other;
  const ConcordMappingPair *pair = partner_pair (run, side, key);
  GQuark other_key;

  if (concord_record_get (now, key) != NULL)
    return;
  mark_replayed (input, side, rebase->remote_id, key);
  concord_record_remove (adjusted, key);
  if (pair == NULL)
    return;
  other_key = side == CONCORD_SIDE_A ? pair->key_b : pair->key_a;
  if (partner_then != NULL)
    {
      const ConcordValue *old_base = concord_record_get (baseline->values[side], key);

      /* (as above: a set keeps the old baseline, unless the
       * partner held no set either) */
      if (old_base != NULL && old_base->type == CONCORD_FIELD_TYPE_STRING_SET &&
          concord_record_get_quark (partner_then, other_key) != NULL)
        concord_record_set_value (adjusted, key, old_base);
      concord_record_set_value_quark (other, other_key,
                                      concord_record_get_quark (partner_then, other_key));
    }
  else if (concord_record_get_quark (partner_now, other_key) == NULL)
    concord_record_set_value_quark (other, other_key, NULL);
}

/* One line of an update intent's payload: one record the dead run wrote. */
static void
apply_intent_line (ConcordRun       *run,
                   ConcordPlanInput *input,
                   ConcordSide       side,
                   const char       *line)
{
  g_auto(GStrv) parts = g_strsplit (line, US, 4);
  g_autoptr(ConcordRecord) partner_then = NULL;
  ConcordIndexEntry *entry;
  ConcordBaseline *baseline;
  ConcordRecord *now;
  ConcordRecord *partner_now = NULL;
  g_autoptr(ConcordRecord) intended = NULL;
  g_autoptr(ConcordRecord) adjusted = NULL;
  g_autoptr(ConcordRecord) other = NULL;
  g_auto(GStrv) cleared = NULL;
  Rebase rebase;

  if (g_strv_length (parts) < 3)
    return;
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
    return;

  /* Both records must be at hand (read as changed) to re-base them:
   * an unchanged record's baseline stands for what it holds. */
  {
    GHashTable *links = run->links[CONCORD_SIDE_OTHER (side)];
    const char *partner = links != NULL ? g_hash_table_lookup (links, &entry->link_id) : NULL;

    if (partner == NULL ||
        (partner_now = g_hash_table_lookup (input->changed[CONCORD_SIDE_OTHER (side)], partner)) == NULL)
      return;
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
  rebase = (Rebase) {
    .side = side, .remote_id = parts[0], .baseline = baseline, .now = now,
    .partner_now = partner_now, .partner_then = partner_then,
    .adjusted = adjusted, .other = other,
  };
  for (guint f = 0; intended != NULL && f < concord_record_get_n_fields (intended); f++)
    {
      const char *key;
      const ConcordValue *value = concord_record_get_field_at (intended, f, &key);

      rebase_written (run, input, &rebase, key, value);
    }
  for (guint f = 0; cleared != NULL && cleared[f] != NULL; f++)
    rebase_cleared (run, input, &rebase, cleared[f]);

  concord_record_unref (baseline->values[side]);
  baseline->values[side] = g_steal_pointer (&adjusted);
  concord_record_unref (baseline->values[CONCORD_SIDE_OTHER (side)]);
  baseline->values[CONCORD_SIDE_OTHER (side)] = g_steal_pointer (&other);
}

void
concord_sync_run_apply_intents (ConcordRun       *run,
                                ConcordPlanInput *input,
                                GPtrArray        *intents)
{
  for (guint i = 0; intents != NULL && i < intents->len; i++)
    {
      ConcordIntentRow *intent = g_ptr_array_index (intents, i);
      g_auto(GStrv) lines = NULL;

      if (g_strcmp0 (intent->op, "update") != 0 || intent->payload == NULL)
        continue;

      lines = g_strsplit (intent->payload, "\n", -1);
      for (guint l = 0; lines[l] != NULL; l++)
        apply_intent_line (run, input, intent->side, lines[l]);
    }
}

/* What a run that died left in flight. */
gboolean
concord_sync_run_load_intents (ConcordRun  *run,
                               GError     **error)
{
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

  return TRUE;
}
