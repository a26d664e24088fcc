/* concord-planner.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The planner: a pure function from (records that changed, the index,
 * baselines, the connection's configuration) to a plan of writes. No I/O,
 * so a dry run is the plan printed, and every decision can be tested on its
 * own.
 *
 * For every mapped pair of fields of a link it compares each side with
 * the baseline (three-way merge):
 *
 *   A vs base   B vs base   →
 *   same        same          nothing
 *   changed     same          A's value to B
 *   same        changed       B's value to A
 *   changed     changed       equal: nothing (a false conflict); sets:
 *                             additions and removals of both kept; else a
 *                             conflict, settled by the policy, journaled
 *
 * A first match has no baseline: an empty side is filled from the other
 * ("richer data"), sets are united, and differing values are conflicts.
 *
 * Direction, the pair's own flow, the direction's scope (a record goes
 * across when one of the direction's rules that sync matches it; a paired
 * record that stopped matching keeps flowing only when the user chose so)
 * and the per-side "may create" switch decide which of these writes may
 * happen; a write that may not happen is simply not planned. The actions
 * of every rule that matches apply in order, a later one winning.
 *
 * Matching is by normalised email: any email of a record ("email" and the
 * members of "emails") may match any email of a record of the other side.
 * An email held by two records of one side, or a record whose emails match
 * two records of the other, is ambiguous: such records are never bound
 * automatically, only reported for review.
 */

#define G_LOG_DOMAIN "concord-planner"

#include "config.h"

#include <string.h>

#include "concord-fields.h"
#include "concord-planner-private.h"

/* Marks an email present more than once on one side. */
const char concord_planner_ambiguous_marker[] = "<ambiguous>";

/* ------------------------------------------------------------------------- */
/* Configuration and small types                                             */
/* ------------------------------------------------------------------------- */

void
concord_sync_config_init (ConcordSyncConfig *config,
                          ConcordMapping    *mapping)
{
  g_return_if_fail (config != NULL);
  g_return_if_fail (mapping != NULL);

  memset (config, 0, sizeof *config);
  config->direction = CONCORD_DIRECTION_BOTH;
  config->prefer = CONCORD_SIDE_A;
  config->newest_wins = TRUE;
  config->may_create[CONCORD_SIDE_A] = TRUE;
  config->may_create[CONCORD_SIDE_B] = TRUE;
  config->mapping = concord_mapping_ref (mapping);
  config->breaker_min = 100;
  config->breaker_fraction = 0.5;
  config->growth_min = CONCORD_GROWTH_MIN;
  config->growth_factor = CONCORD_GROWTH_FACTOR;
  config->first_max = CONCORD_FIRST_SYNC_MAX;
}

void
concord_sync_config_clear (ConcordSyncConfig *config)
{
  g_return_if_fail (config != NULL);

  g_clear_pointer (&config->mapping, concord_mapping_unref);
  g_clear_pointer (&config->rules[0], concord_rule_list_unref);
  g_clear_pointer (&config->rules[1], concord_rule_list_unref);
}

/**
 * concord_sync_config_max_listed:
 * @config: a #ConcordSyncConfig
 * @known: how many records of the side the store knows (its index)
 *
 * The growth bound: a listing that brings more records than this is not
 * believed. Every record counts, so a server repeating records for ever
 * is stopped as surely as one inventing new ones.
 *
 * Returns: the most records one listing of the side may bring
 */
guint
concord_sync_config_max_listed (const ConcordSyncConfig *config,
                                guint                    known)
{
  guint64 limit;

  g_return_val_if_fail (config != NULL, 0);

  if (known == 0)
    return config->first_max;

  limit = MAX ((guint64) config->growth_min, (guint64) config->growth_factor * known);
  if (config->force)
    limit = MAX (limit, (guint64) config->first_max);

  return (guint) MIN (limit, (guint64) G_MAXUINT);
}

/**
 * concord_sync_config_set_rules:
 * @rules_a_to_b: (nullable): the rules of the direction A→B
 * @rules_b_to_a: (nullable): the rules of the direction B→A
 *
 * Puts the connection's rules in charge: the rules that sync make their
 * direction's scope, its create switch says whether contacts are created
 * on its target, and the actions of the rules that match shape what is
 * written there. A direction switched off holds no linked contact back
 * but creates nothing.
 */
void
concord_sync_config_set_rules (ConcordSyncConfig *config,
                               ConcordRuleList   *rules_a_to_b,
                               ConcordRuleList   *rules_b_to_a)
{
  ConcordRuleList *lists[2] = { rules_a_to_b, rules_b_to_a };

  g_return_if_fail (config != NULL);

  for (guint s = 0; s < 2; s++)
    {
      ConcordRuleList *list = lists[s];

      if (list != NULL)
        concord_rule_list_ref (list);
      g_clear_pointer (&config->rules[s], concord_rule_list_unref);
      config->rules[s] = list;

      if (list != NULL && concord_rule_list_holds_back (list))
        {
          config->filter[s] = concord_rule_list_scope;
          config->filter_data[s] = list;
        }
      else
        {
          config->filter[s] = NULL;
          config->filter_data[s] = NULL;
        }

      config->may_create[CONCORD_SIDE_OTHER (s)] =
        list == NULL || (concord_rule_list_get_enabled (list) && concord_rule_list_get_create (list));
    }
}

ConcordBaseline *
concord_baseline_new (ConcordRecord *a,
                      ConcordRecord *b)
{
  ConcordBaseline *baseline = g_new0 (ConcordBaseline, 1);

  baseline->values[0] = a != NULL ? concord_record_ref (a) : concord_record_new (NULL);
  baseline->values[1] = b != NULL ? concord_record_ref (b) : concord_record_new (NULL);

  return baseline;
}

void
concord_baseline_free (ConcordBaseline *baseline)
{
  if (baseline == NULL)
    return;

  concord_record_unref (baseline->values[0]);
  concord_record_unref (baseline->values[1]);
  g_free (baseline);
}

void
concord_field_change_free (ConcordFieldChange *change)
{
  g_free (change->field);
  g_free (change->before);
  g_free (change->after);
  g_free (change);
}

void
concord_planner_plan_conflict_free (gpointer data)
{
  ConcordPlanConflict *conflict = data;

  g_free (conflict->field);
  g_free (conflict->value_a);
  g_free (conflict->value_b);
  g_free (conflict);
}

void
concord_planner_plan_item_free (gpointer data)
{
  ConcordPlanItem *item = data;

  for (guint s = 0; s < 2; s++)
    {
      g_free (item->ids[s]);
      g_clear_pointer (&item->records[s], concord_record_unref);
      g_clear_pointer (&item->set[s], concord_record_unref);
      g_clear_pointer (&item->clear[s], g_ptr_array_unref);
      g_clear_pointer (&item->views[s], concord_record_unref);
    }
  g_clear_pointer (&item->conflicts, g_ptr_array_unref);
  g_clear_pointer (&item->actions, g_ptr_array_unref);
  g_clear_pointer (&item->notes[0], g_hash_table_unref);
  g_clear_pointer (&item->notes[1], g_hash_table_unref);
  g_free (item);
}

void
concord_planner_plan_skip_free (gpointer data)
{
  ConcordPlanSkip *skip = data;

  g_free (skip->remote_id);
  g_free (skip->reason);
  g_free (skip->field);
  g_free (skip);
}

void
concord_planner_plan_ambiguous_free (gpointer data)
{
  ConcordPlanAmbiguous *ambiguous = data;

  g_free (ambiguous->email);
  g_free (ambiguous->ids);
  g_free (ambiguous);
}

/* ------------------------------------------------------------------------- */
/* Input                                                                     */
/* ------------------------------------------------------------------------- */

ConcordPlanInput *
concord_plan_input_new (const ConcordSyncConfig *config)
{
  ConcordPlanInput *input = g_new0 (ConcordPlanInput, 1);

  g_return_val_if_fail (config != NULL, input);

  input->config = config;
  for (guint s = 0; s < 2; s++)
    {
      input->changed[s] = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                 (GDestroyNotify) concord_record_unref);
      input->extra[s] = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                               (GDestroyNotify) concord_record_unref);
      input->vanished[s] = g_ptr_array_new_with_free_func (g_free);
      input->listed[s] = -1;
      input->replayed[s] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                  (GDestroyNotify) g_hash_table_unref);
    }
  input->baselines = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                            (GDestroyNotify) concord_baseline_free);
  input->reported_ambiguous = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  input->strings = g_string_chunk_new (4096);

  return input;
}

void
concord_plan_input_free (ConcordPlanInput *input)
{
  if (input == NULL)
    return;

  for (guint s = 0; s < 2; s++)
    {
      g_clear_pointer (&input->index[s], g_hash_table_unref);
      g_clear_pointer (&input->changed[s], g_hash_table_unref);
      g_clear_pointer (&input->extra[s], g_hash_table_unref);
      g_clear_pointer (&input->vanished[s], g_ptr_array_unref);
      g_clear_pointer (&input->by_email[s], g_hash_table_unref);
      g_clear_pointer (&input->holders[s], g_hash_table_unref);
      g_clear_pointer (&input->link_to_id[s], g_hash_table_unref);
      g_clear_pointer (&input->vanished_set[s], g_hash_table_unref);
      g_clear_pointer (&input->replayed[s], g_hash_table_unref);
    }
  g_clear_pointer (&input->baselines, g_hash_table_unref);
  g_clear_pointer (&input->reported_ambiguous, g_hash_table_unref);
  g_clear_pointer (&input->strings, g_string_chunk_free);
  g_free (input);
}

/* The matching key of a record: its email, normalised; NULL if invalid,
 * or altered when read (a repaired address is not the person's). */
static const char *
record_email_key (ConcordPlanInput    *input,
                  const ConcordRecord *record)
{
  const ConcordValue *value = concord_record_get (record, CONCORD_FIELD_EMAIL);
  g_autofree char *normalized = NULL;

  if (value == NULL || !CONCORD_FIELD_TYPE_IS_TEXT (value->type) ||
      concord_record_is_altered (record, CONCORD_FIELD_EMAIL))
    return NULL;

  normalized = concord_normalize_email (value->v.text);
  return normalized != NULL ? g_string_chunk_insert_const (input->strings, normalized) : NULL;
}

/* Adds each line of @keys to @out, interned. */
static void
add_keys (ConcordPlanInput *input,
          const char       *keys,
          GPtrArray        *out)
{
  if (keys == NULL)
    return;

  /* One key (the common case) needs no copy: the index owns it. */
  if (strchr (keys, '\n') == NULL)
    {
      g_ptr_array_add (out, (gpointer) keys);
      return;
    }

  for (const char *p = keys; *p != '\0'; )
    {
      size_t len = strcspn (p, "\n");

      if (len > 0)
        g_ptr_array_add (out, g_string_chunk_insert_len (input->strings, p, len));
      p += len;
      if (*p == '\n')
        p++;
    }
}

/* Every matching key of a record: its email's (see record_email_key()),
 * then those of the members of its "emails". A record whose own email is
 * no address (or was repaired when read) has none: which of its other
 * emails is the person's is anyone's guess. One with no email but several
 * is matched by those. */
void
concord_planner_record_email_keys (ConcordPlanInput    *input,
                                   const ConcordRecord *record,
                                   GPtrArray           *out)
{
  const char *primary = record_email_key (input, record);
  const ConcordValue *emails = concord_record_get (record, CONCORD_FIELD_EMAILS);

  if (primary != NULL)
    g_ptr_array_add (out, (gpointer) primary);
  else if (concord_record_get (record, CONCORD_FIELD_EMAIL) != NULL)
    return;

  if (emails == NULL || emails->type != CONCORD_FIELD_TYPE_STRING_SET)
    return;

  for (guint i = 0; emails->v.set[i] != NULL; i++)
    {
      g_autofree char *value = NULL;
      g_autofree char *key = NULL;
      const char *interned;

      if (!concord_labelled_parse (emails->v.set[i], NULL, &value) ||
          (key = concord_normalize_email (value)) == NULL)
        continue;
      interned = g_string_chunk_insert_const (input->strings, key);
      if (!g_ptr_array_find (out, interned, NULL))
        g_ptr_array_add (out, (gpointer) interned);
    }
}

/* The matching keys of record @remote_id of @side, read or from the index. */
void
concord_planner_keys_of (ConcordPlanInput *input,
                         ConcordSide       side,
                         const char       *remote_id,
                         GPtrArray        *out)
{
  ConcordRecord *record = g_hash_table_lookup (input->changed[side], remote_id);
  ConcordIndexEntry *entry;

  if (record != NULL)
    {
      concord_planner_record_email_keys (input, record, out);
      return;
    }

  entry = g_hash_table_lookup (input->index[side], remote_id);
  if (entry != NULL)
    add_keys (input, entry->email_norm, out);
}

/* Indexes @email of record @remote_id of @side. An email on two records
 * is CONCORD_PLANNER_AMBIGUOUS; who holds it is kept aside, so that it can be told when
 * a planned write leaves it to one (see concord_planner_refresh_emails()). */
static void
add_email (ConcordPlanInput *input,
           ConcordSide       side,
           const char       *email,
           const char       *remote_id)
{
  GHashTable *by_email = input->by_email[side];
  const char *existing;
  GPtrArray *holders;

  if (email == NULL)
    return;

  existing = g_hash_table_lookup (by_email, email);
  if (existing == NULL)
    {
      g_hash_table_insert (by_email, (gpointer) email, (gpointer) remote_id);
      return;
    }
  if (existing != CONCORD_PLANNER_AMBIGUOUS && g_str_equal (existing, remote_id))
    return;

  holders = g_hash_table_lookup (input->holders[side], email);
  if (holders == NULL)
    {
      holders = g_ptr_array_new ();
      g_ptr_array_add (holders, (gpointer) existing);
      g_hash_table_insert (input->holders[side], (gpointer) email, holders);
      g_hash_table_insert (by_email, (gpointer) email, CONCORD_PLANNER_AMBIGUOUS);
    }
  if (!g_ptr_array_find_with_equal_func (holders, remote_id, g_str_equal, NULL))
    g_ptr_array_add (holders, (gpointer) remote_id);
}

/* Takes @email of record @remote_id of @side out of the index. */
void
concord_planner_remove_email (ConcordPlanInput *input,
                              ConcordSide       side,
                              const char       *email,
                              const char       *remote_id)
{
  const char *existing = g_hash_table_lookup (input->by_email[side], email);
  GPtrArray *holders;
  guint index;

  if (existing == NULL)
    return;
  if (existing != CONCORD_PLANNER_AMBIGUOUS)
    {
      if (g_str_equal (existing, remote_id))
        g_hash_table_remove (input->by_email[side], email);
      return;
    }

  holders = g_hash_table_lookup (input->holders[side], email);
  if (holders == NULL || !g_ptr_array_find_with_equal_func (holders, remote_id, g_str_equal, &index))
    return;
  g_ptr_array_remove_index (holders, index);
  if (holders->len == 1)
    {
      g_hash_table_insert (input->by_email[side], (gpointer) email, g_ptr_array_index (holders, 0));
      g_hash_table_remove (input->holders[side], email);
    }
}

void
concord_planner_add_emails (ConcordPlanInput *input,
                            ConcordSide       side,
                            GPtrArray        *keys,
                            const char       *remote_id)
{
  for (guint i = 0; i < keys->len; i++)
    add_email (input, side, g_ptr_array_index (keys, i), remote_id);
  g_ptr_array_set_size (keys, 0);
}

/**
 * concord_plan_input_prepare:
 *
 * Builds the email and link indexes from the store's index and the changed
 * records. Call once @index, @changed and @vanished are filled.
 */
void
concord_plan_input_prepare (ConcordPlanInput *input)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();

  g_return_if_fail (input != NULL);

  for (guint s = 0; s < 2; s++)
    {
      GHashTableIter iter;
      gpointer key, value;

      if (input->index[s] == NULL)
        input->index[s] = g_hash_table_new (g_str_hash, g_str_equal);

      g_clear_pointer (&input->by_email[s], g_hash_table_unref);
      g_clear_pointer (&input->holders[s], g_hash_table_unref);
      g_clear_pointer (&input->link_to_id[s], g_hash_table_unref);
      g_clear_pointer (&input->vanished_set[s], g_hash_table_unref);

      input->by_email[s] = g_hash_table_new (g_str_hash, g_str_equal);
      input->holders[s] = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                 (GDestroyNotify) g_ptr_array_unref);
      input->link_to_id[s] = g_hash_table_new (g_int64_hash, g_int64_equal);
      input->vanished_set[s] = g_hash_table_new (g_str_hash, g_str_equal);
      input->n_linked[s] = 0;

      for (guint i = 0; i < input->vanished[s]->len; i++)
        g_hash_table_add (input->vanished_set[s], g_ptr_array_index (input->vanished[s], i));

      g_hash_table_iter_init (&iter, input->index[s]);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          ConcordIndexEntry *entry = value;

          if (g_hash_table_contains (input->vanished_set[s], key))
            continue;

          if (entry->link_id != 0)
            {
              g_hash_table_insert (input->link_to_id[s], &entry->link_id, entry->remote_id);
              input->n_linked[s]++;
            }

          /* A changed record's email may have changed: it is added below. */
          if (g_hash_table_contains (input->changed[s], key))
            continue;
          if (entry->email_norm == NULL || strchr (entry->email_norm, '\n') == NULL)
            add_email (input, s, entry->email_norm, entry->remote_id);
          else
            {
              add_keys (input, entry->email_norm, keys);
              concord_planner_add_emails (input, s, keys, entry->remote_id);
            }
        }

      g_hash_table_iter_init (&iter, input->changed[s]);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          concord_planner_record_email_keys (input, value, keys);
          concord_planner_add_emails (input, s, keys, key);
        }
    }
}

gint64
concord_planner_linked_id (ConcordPlanInput *input,
                           ConcordSide       side,
                           const char       *remote_id)
{
  ConcordIndexEntry *entry = g_hash_table_lookup (input->index[side], remote_id);

  return entry != NULL ? entry->link_id : 0;
}

const char *
concord_planner_partner_id (ConcordPlanInput *input,
                            ConcordSide       side,
                            gint64            link_id)
{
  const char *id = g_hash_table_lookup (input->link_to_id[CONCORD_SIDE_OTHER (side)], &link_id);

  if (id == NULL || g_hash_table_contains (input->vanished_set[CONCORD_SIDE_OTHER (side)], id))
    return NULL;

  return id;
}

ConcordRecord *
concord_planner_current_record (ConcordPlanInput *input,
                                ConcordSide       side,
                                const char       *remote_id)
{
  ConcordRecord *record = g_hash_table_lookup (input->changed[side], remote_id);

  return record != NULL ? record : g_hash_table_lookup (input->extra[side], remote_id);
}

/**
 * concord_plan_input_get_links_needed:
 *
 * Returns: (transfer container) (element-type gint64): the link ids whose
 *   baselines the planner needs (as pointers to gint64 owned by the input)
 */
GPtrArray *
concord_plan_input_get_links_needed (ConcordPlanInput *input)
{
  GPtrArray *links = g_ptr_array_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);

  for (guint s = 0; s < 2; s++)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, input->changed[s]);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        {
          ConcordIndexEntry *entry = g_hash_table_lookup (input->index[s], key);

          if (entry != NULL && entry->link_id != 0 && g_hash_table_add (seen, &entry->link_id))
            g_ptr_array_add (links, &entry->link_id);
        }
    }

  return links;
}

/**
 * concord_plan_input_get_missing:
 * @side: the side to fetch from
 *
 * Call after the baselines are loaded.
 *
 * Returns: (transfer full) (element-type utf8): remote ids of unchanged
 *   records of @side the planner needs: partners of first matches, and of
 *   links that have no baseline
 */
GPtrArray *
concord_plan_input_get_missing (ConcordPlanInput *input,
                                ConcordSide       side)
{
  ConcordSide other = CONCORD_SIDE_OTHER (side);
  GPtrArray *missing = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, input->changed[other]);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gint64 link_id = concord_planner_linked_id (input, other, key);
      const char *candidate = NULL;

      if (link_id != 0 && concord_planner_partner_id (input, other, link_id) != NULL)
        {
          if (!g_hash_table_contains (input->baselines, &link_id))
            candidate = concord_planner_partner_id (input, other, link_id);
        }
      else
        {
          /* Every contact one of its emails matches: the planner needs
           * them all to tell a match from an ambiguity. */
          g_autoptr(GPtrArray) keys = g_ptr_array_new ();

          concord_planner_record_email_keys (input, value, keys);
          for (guint i = 0; i < keys->len; i++)
            {
              const char *found = g_hash_table_lookup (input->by_email[side], g_ptr_array_index (keys, i));

              if (found != NULL && found != CONCORD_PLANNER_AMBIGUOUS &&
                  concord_planner_current_record (input, side, found) == NULL &&
                  g_hash_table_add (seen, (gpointer) found))
                g_ptr_array_add (missing, g_strdup (found));
            }
        }

      if (candidate != NULL &&
          concord_planner_current_record (input, side, candidate) == NULL &&
          g_hash_table_add (seen, (gpointer) candidate))
        g_ptr_array_add (missing, g_strdup (candidate));
    }

  return missing;
}
