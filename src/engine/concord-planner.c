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
#include "concord-planner.h"

/* Marks an email present more than once on one side. */
static const char ambiguous_marker[] = "<ambiguous>";
#define AMBIGUOUS ((gpointer) ambiguous_marker)

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

static void
plan_conflict_free (gpointer data)
{
  ConcordPlanConflict *conflict = data;

  g_free (conflict->field);
  g_free (conflict->value_a);
  g_free (conflict->value_b);
  g_free (conflict);
}

static void
plan_item_free (gpointer data)
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

static void
plan_skip_free (gpointer data)
{
  ConcordPlanSkip *skip = data;

  g_free (skip->remote_id);
  g_free (skip->reason);
  g_free (skip->field);
  g_free (skip);
}

static void
plan_ambiguous_free (gpointer data)
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
static void
record_email_keys (ConcordPlanInput    *input,
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
static void
keys_of (ConcordPlanInput *input,
         ConcordSide       side,
         const char       *remote_id,
         GPtrArray        *out)
{
  ConcordRecord *record = g_hash_table_lookup (input->changed[side], remote_id);
  ConcordIndexEntry *entry;

  if (record != NULL)
    {
      record_email_keys (input, record, out);
      return;
    }

  entry = g_hash_table_lookup (input->index[side], remote_id);
  if (entry != NULL)
    add_keys (input, entry->email_norm, out);
}

/* Indexes @email of record @remote_id of @side. An email on two records
 * is AMBIGUOUS; who holds it is kept aside, so that it can be told when
 * a planned write leaves it to one (see refresh_emails()). */
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
  if (existing != AMBIGUOUS && g_str_equal (existing, remote_id))
    return;

  holders = g_hash_table_lookup (input->holders[side], email);
  if (holders == NULL)
    {
      holders = g_ptr_array_new ();
      g_ptr_array_add (holders, (gpointer) existing);
      g_hash_table_insert (input->holders[side], (gpointer) email, holders);
      g_hash_table_insert (by_email, (gpointer) email, AMBIGUOUS);
    }
  if (!g_ptr_array_find_with_equal_func (holders, remote_id, g_str_equal, NULL))
    g_ptr_array_add (holders, (gpointer) remote_id);
}

/* Takes @email of record @remote_id of @side out of the index. */
static void
remove_email (ConcordPlanInput *input,
              ConcordSide       side,
              const char       *email,
              const char       *remote_id)
{
  const char *existing = g_hash_table_lookup (input->by_email[side], email);
  GPtrArray *holders;
  guint index;

  if (existing == NULL)
    return;
  if (existing != AMBIGUOUS)
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

static void
add_emails (ConcordPlanInput *input,
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
              add_emails (input, s, keys, entry->remote_id);
            }
        }

      g_hash_table_iter_init (&iter, input->changed[s]);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          record_email_keys (input, value, keys);
          add_emails (input, s, keys, key);
        }
    }
}

static gint64
linked_id (ConcordPlanInput *input,
           ConcordSide       side,
           const char       *remote_id)
{
  ConcordIndexEntry *entry = g_hash_table_lookup (input->index[side], remote_id);

  return entry != NULL ? entry->link_id : 0;
}

static const char *
partner_id (ConcordPlanInput *input,
            ConcordSide       side,
            gint64            link_id)
{
  const char *id = g_hash_table_lookup (input->link_to_id[CONCORD_SIDE_OTHER (side)], &link_id);

  if (id == NULL || g_hash_table_contains (input->vanished_set[CONCORD_SIDE_OTHER (side)], id))
    return NULL;

  return id;
}

static ConcordRecord *
current_record (ConcordPlanInput *input,
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
      gint64 link_id = linked_id (input, other, key);
      const char *candidate = NULL;

      if (link_id != 0 && partner_id (input, other, link_id) != NULL)
        {
          if (!g_hash_table_contains (input->baselines, &link_id))
            candidate = partner_id (input, other, link_id);
        }
      else
        {
          /* Every contact one of its emails matches: the planner needs
           * them all to tell a match from an ambiguity. */
          g_autoptr(GPtrArray) keys = g_ptr_array_new ();

          record_email_keys (input, value, keys);
          for (guint i = 0; i < keys->len; i++)
            {
              const char *found = g_hash_table_lookup (input->by_email[side], g_ptr_array_index (keys, i));

              if (found != NULL && found != AMBIGUOUS &&
                  current_record (input, side, found) == NULL &&
                  g_hash_table_add (seen, (gpointer) found))
                g_ptr_array_add (missing, g_strdup (found));
            }
        }

      if (candidate != NULL &&
          current_record (input, side, candidate) == NULL &&
          g_hash_table_add (seen, (gpointer) candidate))
        g_ptr_array_add (missing, g_strdup (candidate));
    }

  return missing;
}

/* ------------------------------------------------------------------------- */
/* Merge                                                                     */
/* ------------------------------------------------------------------------- */

typedef struct
{
  ConcordPlanInput *input;
  ConcordPlan      *plan;
  GHashTable       *done[2];  /* remote ids already in an item */
} Planner;

/**
 * concord_plan_in_scope:
 *
 * Returns: whether @record of @side is in the scope of the rule of the
 *   direction from @side
 */
gboolean
concord_plan_in_scope (const ConcordSyncConfig *config,
                       ConcordSide              side,
                       const ConcordRecord     *record)
{
  if (config->filter[side] == NULL || record == NULL)
    return TRUE;

  return config->filter[side] (record, config->filter_data[side]);
}

static guint64
fnv1a (guint64     hash,
       const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    hash = (hash ^ *p) * G_GUINT64_CONSTANT (0x100000001b3);
  return hash;
}

/**
 * concord_sync_config_fingerprint:
 *
 * Returns: a hash of what decides the fate of an unchanged record: the
 *   direction, both rules and the mapping. Folded into the hashes the
 *   store settles, so that after the user changes any of them every record
 *   is looked at again once (a contact a rule used to hold back is
 *   created when the rule lets it through), even if it did not change.
 */
guint64
concord_sync_config_fingerprint (const ConcordSyncConfig *config)
{
  guint64 hash = G_GUINT64_CONSTANT (0xcbf29ce484222325);
  g_autoptr(JsonNode) mapping = concord_mapping_to_json (config->mapping);
  g_autofree char *mapping_text = json_to_string (mapping, FALSE);

  hash = fnv1a (hash, concord_direction_to_string (config->direction));
  hash = fnv1a (hash, mapping_text);
  for (guint s = 0; s < 2; s++)
    {
      g_autoptr(JsonNode) rule = NULL;
      g_autofree char *rule_text = NULL;

      if (config->rules[s] == NULL)
        {
          hash = fnv1a (hash, "-");
          continue;
        }
      rule = concord_rule_list_to_json (config->rules[s]);
      rule_text = json_to_string (rule, FALSE);
      hash = fnv1a (hash, rule_text);
    }

  return hash & ~G_GUINT64_CONSTANT (1);
}

/**
 * concord_plan_hash:
 * @in_scope: the record's scope, as concord_plan_in_scope() says
 *
 * The hash the store settles for a record: its mapped fields, with the
 * lowest bit saying whether it was in scope, so a record entering the
 * scope is seen as changed and known to have entered it, whatever else
 * changed with it.
 */
guint64
concord_plan_hash (const ConcordSyncConfig *config,
                   ConcordSide              side,
                   const ConcordRecord     *record,
                   gboolean                 in_scope)
{
  const GQuark *keys;
  guint n_keys;
  guint64 hash;

  keys = concord_mapping_get_keys (config->mapping, side, &n_keys);
  hash = concord_record_hash_fields (record, keys, n_keys);
  hash = (hash & ~G_GUINT64_CONSTANT (1)) | (in_scope ? 1 : 0);

  return hash != 0 ? hash : 2;
}

static gboolean
in_scope (Planner             *planner,
          ConcordSide          side,
          const ConcordRecord *record)
{
  return concord_plan_in_scope (planner->input->config, side, record);
}

/* A record whose content was settled out of scope and which is in scope
 * now: what it holds has never been offered to the other side. */
static gboolean
entered_scope (Planner             *planner,
               ConcordSide          side,
               const char          *remote_id,
               const ConcordRecord *record)
{
  ConcordIndexEntry *entry;

  if (record == NULL || planner->input->config->filter[side] == NULL ||
      !in_scope (planner, side, record))
    return FALSE;

  entry = g_hash_table_lookup (planner->input->index[side], remote_id);
  return entry != NULL && entry->hash != 0 && (entry->hash & 1) == 0;
}

static gboolean
is_set (const ConcordValue *value)
{
  return value != NULL && value->type == CONCORD_FIELD_TYPE_STRING_SET;
}

static gboolean
strv_has (char      **set,
          const char *item)
{
  return set != NULL && g_strv_contains ((const char * const *) set, item);
}

/* The single fields and labelled sets concord_record_normalize_multi()
 * keeps in step. */
static const char * const primary_keys[] = {
  CONCORD_FIELD_EMAIL, CONCORD_FIELD_EMAILS, CONCORD_FIELD_PHONE, CONCORD_FIELD_MOBILE,
  CONCORD_FIELD_PHONES, NULL
};

static gboolean item_flows (const ConcordPlanItem *item,
                            ConcordSide            side);
static void plan_write (Planner            *planner,
                        ConcordPlanItem    *item,
                        ConcordSide         target,
                        GQuark              key,
                        const ConcordValue *before,
                        const ConcordValue *after);

static const char * const single_keys[] = {
  CONCORD_FIELD_EMAIL, CONCORD_FIELD_PHONE, CONCORD_FIELD_MOBILE, NULL
};

/* Whether the plan writes (or clears) @key on @side. */
static gboolean
planned_write (const ConcordPlanItem *item,
               ConcordSide            side,
               const char            *key)
{
  if (item->set[side] != NULL && concord_record_get (item->set[side], key) != NULL)
    return TRUE;
  for (guint i = 0; item->clear[side] != NULL && i < item->clear[side]->len; i++)
    if (g_str_equal (g_ptr_array_index (item->clear[side], i), key))
      return TRUE;

  return FALSE;
}

/* The record of @side as the planned writes leave it. */
static ConcordRecord *
planned_record (const ConcordPlanItem *item,
                ConcordSide            side)
{
  ConcordRecord *after = concord_record_copy (item->views[side]);

  for (guint f = 0; item->set[side] != NULL && f < concord_record_get_n_fields (item->set[side]); f++)
    {
      const char *key;
      const ConcordValue *value = concord_record_get_field_at (item->set[side], f, &key);

      concord_record_set_value (after, key, value);
    }
  for (guint c = 0; item->clear[side] != NULL && c < item->clear[side]->len; c++)
    concord_record_remove (after, g_ptr_array_index (item->clear[side], c));

  return after;
}

/* After the merge, a side that has a labelled set keeps it in step with
 * its single field (see concord_record_normalize_multi()): the record as
 * it will be after the planned writes is normalised against what it was
 * at the last sync, and what that changes is written too. A side with no
 * labelled set (an app with one email) is left alone. */
static void
keep_primaries (Planner               *planner,
                ConcordPlanItem       *item,
                const ConcordBaseline *baseline,
                ConcordSide            side)
{
  const ConcordSyncConfig *config = planner->input->config;
  const ConcordRecord *current = item->views[side];
  const ConcordRecord *before = current;
  g_autoptr(ConcordRecord) before_copy = NULL;
  g_autoptr(ConcordRecord) after = NULL;

  if (current == NULL ||
      (concord_record_get (current, CONCORD_FIELD_EMAILS) == NULL &&
       concord_record_get (current, CONCORD_FIELD_PHONES) == NULL &&
       (item->set[side] == NULL ||
        (concord_record_get (item->set[side], CONCORD_FIELD_EMAILS) == NULL &&
         concord_record_get (item->set[side], CONCORD_FIELD_PHONES) == NULL))))
    return;

  /* Written like any other write to @side: only when the other side
   * flows there for this record. */
  if (!concord_direction_flows (config->direction, CONCORD_SIDE_OTHER (side)) ||
      !item_flows (item, CONCORD_SIDE_OTHER (side)))
    return;

  if (baseline != NULL && item->kind != CONCORD_PLAN_MATCH && baseline->values[side] != NULL)
    {
      /* What changed since the last sync, except that a single field the
       * merge decided to write is a change of the primary (one way, the
       * source's email over the target's new one), never taken back. */
      before_copy = concord_record_copy (baseline->values[side]);
      for (guint k = 0; single_keys[k] != NULL; k++)
        if (planned_write (item, side, single_keys[k]))
          concord_record_set_value (before_copy, single_keys[k], concord_record_get (current, single_keys[k]));
      before = before_copy;
    }

  after = planned_record (item, side);
  if (!concord_record_normalize_multi (before, after))
    return;

  for (guint k = 0; primary_keys[k] != NULL; k++)
    {
      const ConcordValue *now = concord_record_get (current, primary_keys[k]);
      const ConcordValue *planned = item->set[side] != NULL ? concord_record_get (item->set[side], primary_keys[k]) : NULL;
      const ConcordValue *wanted = concord_record_get (after, primary_keys[k]);
      gint pair = concord_mapping_find (config->mapping, side, primary_keys[k]);

      if (concord_value_equal (planned != NULL ? planned : now, wanted))
        continue;
      /* A mapped field is written only the way its pair flows; an unmapped
       * one (the labelled set of an app paired with a one-email app) is
       * the side's own to keep in step. */
      if (pair >= 0 &&
          !concord_mapping_pair_flows (concord_mapping_get_pair (config->mapping, pair),
                                       CONCORD_SIDE_OTHER (side)))
        continue;
      if (item->set[side] != NULL && (wanted == NULL || concord_value_equal (now, wanted)))
        concord_record_remove (item->set[side], primary_keys[k]);
      plan_write (planner, item, side, g_quark_from_static_string (primary_keys[k]), now, wanted);
    }
}

static const char *
member_value (const char *item)
{
  const char *tab = strchr (item, '\t');

  return tab != NULL ? tab + 1 : item;
}

/* In a labelled set (see concord_field_is_labelled()) a value is there
 * once: where the merge brought it with two labels, one goes. With
 * @source_a (one way), @a's label wins; else a label changed since the
 * bases wins over one that was not (two changes: the record code keeps
 * the first, the same on both sides). */
static void
drop_relabelled (GPtrArray *items,
                 char     **a,
                 char     **base_a,
                 char     **base_b,
                 gboolean   source_a)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) twice = g_hash_table_new (g_str_hash, g_str_equal);
  guint n = 0;

  for (guint i = 0; i < items->len; i++)
    if (!g_hash_table_add (seen, (gpointer) member_value (items->pdata[i])))
      g_hash_table_add (twice, (gpointer) member_value (items->pdata[i]));
  if (g_hash_table_size (twice) == 0)
    return;

  for (guint i = 0; i < items->len; i++)
    {
      const char *item = items->pdata[i];
      gboolean loses = FALSE;

      if (g_hash_table_contains (twice, member_value (item)))
        for (guint j = 0; j < items->len && !loses; j++)
          {
            const char *other = items->pdata[j];

            if (j == i || strcmp (item, other) == 0 ||
                strcmp (member_value (item), member_value (other)) != 0)
              continue;
            if (source_a)
              loses = !strv_has (a, item) && strv_has (a, other);
            else
              loses = (strv_has (base_a, item) || strv_has (base_b, item)) &&
                      !strv_has (base_a, other) && !strv_has (base_b, other);
          }
      if (!loses)
        items->pdata[n++] = items->pdata[i];
    }
  g_ptr_array_set_size (items, n);
}

/* (a ∪ b) − removed_a − removed_b, where removed_x = base_x − x. */
static ConcordValue *
merge_sets (const ConcordValue *a,
            const ConcordValue *b,
            const ConcordValue *base_a,
            const ConcordValue *base_b,
            gboolean            labelled,
            gboolean            source_a,
            ConcordValue       *out)
{
  char **va = is_set (a) ? a->v.set : NULL;
  char **vb = is_set (b) ? b->v.set : NULL;
  char **ba = is_set (base_a) ? base_a->v.set : NULL;
  char **bb = is_set (base_b) ? base_b->v.set : NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new ();
  g_autoptr(ConcordRecord) scratch = concord_record_new (NULL);
  const ConcordValue *merged;

  for (guint pass = 0; pass < 2; pass++)
    {
      char **from = pass == 0 ? va : vb;

      for (guint i = 0; from != NULL && from[i] != NULL; i++)
        {
          const char *item = from[i];
          gboolean removed_a = strv_has (ba, item) && !strv_has (va, item);
          gboolean removed_b = strv_has (bb, item) && !strv_has (vb, item);

          if (!removed_a && !removed_b)
            g_ptr_array_add (items, (gpointer) item);
        }
    }
  if (labelled)
    drop_relabelled (items, va, ba, bb, source_a);
  g_ptr_array_add (items, NULL);

  /* Let the record code sort, deduplicate and drop an empty result. */
  concord_record_set_set (scratch, "merged", (const char * const *) items->pdata);
  merged = concord_record_get (scratch, "merged");
  if (merged == NULL)
    return NULL;

  concord_value_copy (merged, out);
  return out;
}

static char *
value_text (const ConcordValue *value)
{
  return value != NULL ? concord_value_to_string (value) : NULL;
}

/* Statuses that mean "do not mail": they only ever move forward. */
static gboolean
is_suppressed_status (const ConcordValue *value)
{
  static const char * const suppressed[] = {
    "unsubscribed", "bounced", "abuse", "complained", NULL
  };
  g_autofree char *lower = NULL;

  if (value == NULL || !CONCORD_FIELD_TYPE_IS_TEXT (value->type))
    return FALSE;

  lower = g_ascii_strdown (value->v.text, -1);
  return g_strv_contains (suppressed, lower);
}

static void add_conflict (ConcordPlanItem    *item,
                          GQuark              key,
                          const ConcordValue *va,
                          const ConcordValue *vb,
                          ConcordSide         winner);
static ConcordPlanConflict *mark_suppressed (ConcordPlanItem *item);

static void
plan_write (Planner            *planner,
            ConcordPlanItem    *item,
            ConcordSide         target,
            GQuark              key,
            const ConcordValue *before,
            const ConcordValue *after)
{
  if (concord_value_equal (before, after))
    return;

  /* An unsubscribe, bounce or complaint is never undone by a sync: a
   * contact who said no stays "no" whatever another app says. Kept, and
   * recorded, like a conflict the suppressed side won. */
  static GQuark status_quark;

  if (G_UNLIKELY (status_quark == 0))
    status_quark = g_quark_from_static_string (CONCORD_FIELD_STATUS);

  if (key == status_quark && is_suppressed_status (before) && !is_suppressed_status (after))
    {
      add_conflict (item, key,
                    target == CONCORD_SIDE_A ? before : after,
                    target == CONCORD_SIDE_A ? after : before, target);
      mark_suppressed (item)->kept = TRUE;
      return;
    }

  if (after == NULL)
    {
      if (item->clear[target] == NULL)
        item->clear[target] = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (item->clear[target], g_strdup (g_quark_to_string (key)));
    }
  else
    {
      if (item->set[target] == NULL)
        item->set[target] = concord_record_new (item->ids[target]);
      concord_record_set_value_quark (item->set[target], key, after);
    }

  /* A first match settles the differences of two records that never
   * agreed (each loser archived as a conflict); the breaker watches what
   * happens to pairs that did. */
  if (before != NULL && item->kind != CONCORD_PLAN_MATCH)
    planner->plan->n_overwrites[target]++;
}

/* Whether @pair maps the status on either side. */
static gboolean
is_status_pair (const ConcordMappingPair *pair)
{
  GQuark status = g_quark_from_static_string (CONCORD_FIELD_STATUS);

  return pair->key_a == status || pair->key_b == status;
}

/* The side whose status is suppressed when only one's is: it wins a
 * status conflict whatever the policy (an interrupted write may well have
 * made the other copy look newer). Returns FALSE when neither or both. */
static gboolean
suppressed_side (const ConcordMappingPair *pair,
                 const ConcordValue       *own_a,
                 const ConcordValue       *own_b,
                 ConcordSide              *side)
{
  gboolean a, b;

  if (!is_status_pair (pair))
    return FALSE;

  a = is_suppressed_status (own_a);
  b = is_suppressed_status (own_b);
  if (a == b)
    return FALSE;

  *side = a ? CONCORD_SIDE_A : CONCORD_SIDE_B;
  return TRUE;
}

static ConcordSide
decide_winner (Planner             *planner,
               const ConcordRecord *a,
               const ConcordRecord *b)
{
  const ConcordSyncConfig *config = planner->input->config;

  if (config->newest_wins && a != NULL && b != NULL)
    {
      gint64 ma = concord_record_get_modified (a);
      gint64 mb = concord_record_get_modified (b);

      if (ma > 0 && mb > 0 && ma != mb)
        return ma > mb ? CONCORD_SIDE_A : CONCORD_SIDE_B;
    }

  return config->prefer;
}

static void
add_conflict (ConcordPlanItem    *item,
              GQuark              key,
              const ConcordValue *va,
              const ConcordValue *vb,
              ConcordSide         winner)
{
  ConcordPlanConflict *conflict = g_new0 (ConcordPlanConflict, 1);

  conflict->field = g_strdup (g_quark_to_string (key));
  conflict->value_a = value_text (va);
  conflict->value_b = value_text (vb);
  conflict->winner = winner;

  if (item->conflicts == NULL)
    item->conflicts = g_ptr_array_new_with_free_func (plan_conflict_free);
  g_ptr_array_add (item->conflicts, conflict);
}

/* The last conflict added was settled by the suppression rule. */
static ConcordPlanConflict *
mark_suppressed (ConcordPlanItem *item)
{
  ConcordPlanConflict *conflict = g_ptr_array_index (item->conflicts, item->conflicts->len - 1);

  conflict->suppressed = TRUE;
  return conflict;
}

static void
add_field_skip (Planner                  *planner,
                ConcordPlanItem          *item,
                const ConcordMappingPair *pair,
                ConcordSide               from,
                const char               *message)
{
  ConcordPlanSkip *skip = g_new0 (ConcordPlanSkip, 1);
  GQuark from_key = from == CONCORD_SIDE_A ? pair->key_a : pair->key_b;
  GQuark to_key = from == CONCORD_SIDE_A ? pair->key_b : pair->key_a;

  skip->side = from;
  skip->remote_id = g_strdup (item->ids[from] != NULL ? item->ids[from] : "");
  skip->field = g_strdup (g_quark_to_string (from_key));
  skip->code = CONCORD_SKIP_CONVERT;
  skip->reason = g_strdup_printf ("%s on %s could not be written to %s on %s: %s",
                                  g_quark_to_string (from_key), CONCORD_SIDE_NAME (from),
                                  g_quark_to_string (to_key), CONCORD_SIDE_NAME (CONCORD_SIDE_OTHER (from)),
                                  message);
  g_ptr_array_add (planner->plan->skips, skip);
}

/* @value of @side in the form of side @space (its own when @space is @side). */
static const ConcordValue *
bring (const ConcordMappingPair  *pair,
       ConcordSide                space,
       ConcordSide                side,
       const ConcordValue        *value,
       ConcordValue              *slot,
       GError                   **error)
{
  if (value == NULL || pair->identity || side == space)
    return value;

  if (!concord_mapping_pair_convert (pair, side, value, slot, error))
    return NULL;
  return slot;
}

/* Writes @value (in the form of side @space) to @target. */
static void
write_pair (Planner                  *planner,
            ConcordPlanItem          *item,
            const ConcordMappingPair *pair,
            ConcordSide               space,
            ConcordSide               target,
            const ConcordValue       *before,
            const ConcordValue       *value)
{
  GQuark key = target == CONCORD_SIDE_A ? pair->key_a : pair->key_b;
  g_autoptr(GError) error = NULL;
  ConcordValue out = { 0 };

  if (value == NULL || pair->identity || target == space)
    {
      plan_write (planner, item, target, key, before, value);
      return;
    }

  if (!concord_mapping_pair_convert (pair, space, value, &out, &error))
    {
      add_field_skip (planner, item, pair, CONCORD_SIDE_OTHER (target), error->message);
      return;
    }
  plan_write (planner, item, target, key, before, &out);
  concord_value_clear (&out);
}

/* Says which rule's action shaped a write to @target: in the plan's text
 * and, field by field, for the journal. */
static void
add_action_note (ConcordPlanItem     *item,
                 ConcordSide          target,
                 const ConcordAction *action,
                 const char          *label)
{
  g_autofree char *text = concord_action_describe (action);

  if (item->actions == NULL)
    item->actions = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (item->actions, g_strdup_printf ("%s: %s (%s)", CONCORD_SIDE_NAME (target), text, label));

  if (item->notes[target] == NULL)
    item->notes[target] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_replace (item->notes[target], g_strdup (action->field),
                        g_strdup_printf ("%s: %s", label, text));
}

/* Whether @side's record of @item flows to the other side: in scope, or a
 * paired record the user chose to keep updating. */
static gboolean
item_flows (const ConcordPlanItem *item,
            ConcordSide            side)
{
  return item->scope[side] || item->kept[side];
}

/* Whether the rules of the direction from @side keep updating paired
 * records that stopped matching. */
static gboolean
keeps_unmatched (const ConcordSyncConfig *config,
                 ConcordSide              side)
{
  return config->rules[side] != NULL && config->filter[side] != NULL &&
         concord_rule_list_get_unmatched (config->rules[side]) == CONCORD_UNMATCHED_KEEP;
}

static void
unplan (ConcordPlanItem *item,
        ConcordSide      target,
        GQuark           key)
{
  const char *name = g_quark_to_string (key);

  if (item->set[target] != NULL)
    {
      concord_record_remove (item->set[target], name);
      if (concord_record_get_n_fields (item->set[target]) == 0)
        g_clear_pointer (&item->set[target], concord_record_unref);
    }
  if (item->clear[target] != NULL)
    {
      for (guint i = item->clear[target]->len; i-- > 0;)
        if (g_str_equal (g_ptr_array_index (item->clear[target], i), name))
          g_ptr_array_remove_index (item->clear[target], i);
      if (item->clear[target]->len == 0)
        g_clear_pointer (&item->clear[target], g_ptr_array_unref);
    }
}

/* The actions of the rule from @source that apply on every update, on top
 * of what the merge planned for the other side. */
/* Whether a dead run wrote the field (so its value is the engine's). */
static gboolean
was_replayed (ConcordPlanInput *input,
              ConcordSide       side,
              const char       *remote_id,
              GQuark            key)
{
  GHashTable *keys = remote_id != NULL ? g_hash_table_lookup (input->replayed[side], remote_id) : NULL;

  return keys != NULL && g_hash_table_contains (keys, GUINT_TO_POINTER (key));
}

/* Whether the field @key of @side is mapped to flow from @side now. */
static gboolean
flows_from (const ConcordSyncConfig *config,
            const ConcordPlanItem   *item,
            ConcordSide              side,
            GQuark                   key)
{
  guint n_pairs = concord_mapping_get_n_pairs (config->mapping);

  if (!concord_direction_flows (config->direction, side) || !item_flows (item, side))
    return FALSE;

  for (guint i = 0; i < n_pairs; i++)
    {
      const ConcordMappingPair *pair = concord_mapping_get_pair (config->mapping, i);

      if ((side == CONCORD_SIDE_A ? pair->key_a : pair->key_b) == key &&
          concord_mapping_pair_flows (pair, side))
        return TRUE;
    }

  return FALSE;
}

static void
apply_rule_update_actions (Planner               *planner,
                           ConcordPlanItem       *item,
                           const ConcordBaseline *baseline,
                           ConcordSide            source,
                           const ConcordRule     *rule,
                           const char            *label)
{
  const ConcordSyncConfig *config = planner->input->config;
  ConcordSide target = CONCORD_SIDE_OTHER (source);

  for (guint i = 0; i < concord_rule_get_n_actions (rule); i++)
    {
      const ConcordAction *action = concord_rule_get_action (rule, i);
      const ConcordValue *original = concord_record_get_quark (item->views[target], action->key);
      const ConcordValue *current = original;
      ConcordValue out = { 0 };
      gboolean has;

      if (!action->on_update)
        continue;

      /* A person just changed that field on the target, and the change
       * travels to the source in this same run: the action waits for the
       * next update, or the change would exist nowhere should the write
       * to the source fail. */
      if (baseline != NULL && item->kind != CONCORD_PLAN_MATCH && item->records[target] != NULL &&
          !concord_value_equal (original, concord_record_get_quark (baseline->values[target], action->key)) &&
          !was_replayed (planner->input, target, item->ids[target], action->key) &&
          flows_from (config, item, target, action->key))
        continue;

      /* What the merge (or an earlier rule) already planned for the field
       * is what the action acts on. */
      if (item->set[target] != NULL && concord_record_get_quark (item->set[target], action->key) != NULL)
        current = concord_record_get_quark (item->set[target], action->key);
      else if (item->clear[target] != NULL &&
               g_ptr_array_find_with_equal_func (item->clear[target], g_quark_to_string (action->key),
                                                 g_str_equal, NULL))
        current = NULL;

      has = concord_action_apply (action, current, &out);
      if (concord_value_equal (current, has ? &out : NULL))
        {
          if (has)
            concord_value_clear (&out);
          continue;
        }

      unplan (item, target, action->key);
      plan_write (planner, item, target, action->key, original, has ? &out : NULL);
      add_action_note (item, target, action, label);
      if (has)
        concord_value_clear (&out);
    }
}

/* The actions of the rules from @source that match its record and apply
 * on every update, in order, on top of what the merge planned for the
 * other side: a later rule's action acts on what an earlier one made. */
static void
apply_update_actions (Planner               *planner,
                      ConcordPlanItem       *item,
                      const ConcordBaseline *baseline,
                      ConcordSide            source)
{
  const ConcordSyncConfig *config = planner->input->config;
  ConcordRuleList *list = config->rules[source];
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (list == NULL || !concord_rule_list_get_enabled (list) ||
      !concord_direction_flows (config->direction, source) || !item_flows (item, source))
    return;

  for (guint r = 0; r < concord_rule_list_get_n_rules (list); r++)
    {
      const ConcordRule *rule = concord_rule_list_get_rule (list, r);
      g_autofree char *label = NULL;

      if (concord_rule_get_n_actions (rule) == 0 ||
          !concord_rule_matches (rule, item->views[source], now))
        continue;
      label = concord_rule_get_label (rule, r);
      apply_rule_update_actions (planner, item, baseline, source, rule, label);
    }
}

/* Why a record does not go across: "no rule matched a→b; Rule 1 needs:
 * …", naming each rule that syncs and what it misses. */
static char *
left_out_reason (const ConcordSyncConfig *config,
                 ConcordSide              side,
                 const ConcordRecord     *record)
{
  g_autofree char *why = config->rules[side] != NULL ? concord_rule_list_explain (config->rules[side], record)
                                                    : NULL;
  const char *rest = why != NULL && g_str_has_prefix (why, "no rule matched") ? why + strlen ("no rule matched")
                                                                              : "";

  return g_strdup_printf ("no rule matched %s→%s%s", CONCORD_SIDE_NAME (side),
                          CONCORD_SIDE_NAME (CONCORD_SIDE_OTHER (side)), rest);
}

/* Records that a changed record is out of the scope of its direction. */
static void
note_excluded (Planner         *planner,
               ConcordPlanItem *item,
               ConcordSide      side)
{
  const ConcordSyncConfig *config = planner->input->config;
  ConcordPlanSkip *skip;

  if (item->records[side] == NULL || item_flows (item, side) ||
      !concord_direction_flows (config->direction, side))
    return;

  skip = g_new0 (ConcordPlanSkip, 1);
  skip->side = side;
  skip->remote_id = g_strdup (item->ids[side]);
  skip->reason = left_out_reason (config, side, item->records[side]);
  skip->code = CONCORD_SKIP_RULE;
  g_ptr_array_add (planner->plan->excluded, skip);
}

/* A value Concord altered when reading it (see concord_record_mark_altered())
 * is not the user's: it never travels. Its side counts as unchanged, as if
 * it still held its baseline value (nothing on a first match), so the
 * other side's edit can still be written over it. A pair that flows only
 * from the altered side is left alone. Says so once per field; FALSE when
 * the pair is left alone. */
static gboolean
mask_altered (Planner                  *planner,
              ConcordPlanItem          *item,
              const ConcordMappingPair *pair,
              gboolean                  way_ab,
              gboolean                  way_ba,
              const ConcordValue      **own_a,
              const ConcordValue       *own_base_a,
              const ConcordValue      **own_b,
              const ConcordValue       *own_base_b)
{
  gboolean altered[2];

  altered[CONCORD_SIDE_A] = item->records[CONCORD_SIDE_A] != NULL && *own_a != NULL &&
                            concord_record_is_altered_quark (item->records[CONCORD_SIDE_A], pair->key_a);
  altered[CONCORD_SIDE_B] = item->records[CONCORD_SIDE_B] != NULL && *own_b != NULL &&
                            concord_record_is_altered_quark (item->records[CONCORD_SIDE_B], pair->key_b);

  for (guint s = 0; s < 2; s++)
    if (altered[s])
      add_field_skip (planner, item, pair, s,
                      "its value had to be repaired when read (bytes that are not text, a NUL "
                      "or too long); a repaired value is never written across");

  if ((altered[CONCORD_SIDE_A] && way_ab && !way_ba) ||
      (altered[CONCORD_SIDE_B] && way_ba && !way_ab))
    return FALSE;

  if (altered[CONCORD_SIDE_A])
    *own_a = own_base_a;
  if (altered[CONCORD_SIDE_B])
    *own_b = own_base_b;

  return !concord_mapping_pair_agrees (pair, *own_a, *own_b);
}

/* Three-way (or first-match) merge of one item, field by field.
 *
 * Each side's change is judged against its own baseline, in its own form.
 * Values are compared and merged in the form of one side (the side whose
 * field is a list, when only one is), and a write to the other side goes
 * through the pair's value map and conversion. A value that cannot be
 * converted leaves that field of that record alone, with a reason. */
static void
merge_item (Planner               *planner,
            ConcordPlanItem       *item,
            const ConcordBaseline *baseline)
{
  const ConcordSyncConfig *config = planner->input->config;
  const ConcordRecord *ra = item->records[CONCORD_SIDE_A];
  const ConcordRecord *rb = item->records[CONCORD_SIDE_B];
  const ConcordRecord *view_a = ra != NULL ? ra : baseline->values[CONCORD_SIDE_A];
  const ConcordRecord *view_b = rb != NULL ? rb : baseline->values[CONCORD_SIDE_B];
  gboolean scope_ab, scope_ba;
  gboolean entered[2];
  guint n_pairs = concord_mapping_get_n_pairs (config->mapping);

  item->views[CONCORD_SIDE_A] = concord_record_ref ((ConcordRecord *) view_a);
  item->views[CONCORD_SIDE_B] = concord_record_ref ((ConcordRecord *) view_b);

  /* An unchanged record is judged by its baseline: the best view of it
   * there is without reading it. */
  item->scope[CONCORD_SIDE_A] = in_scope (planner, CONCORD_SIDE_A, view_a);
  item->scope[CONCORD_SIDE_B] = in_scope (planner, CONCORD_SIDE_B, view_b);
  for (guint s = 0; s < 2; s++)
    {
      /* A paired record the user chose to keep updating flowed all along:
       * matching again is no news, and not matching holds nothing back. */
      gboolean keep = item->kind == CONCORD_PLAN_LINKED && keeps_unmatched (config, s);

      item->kept[s] = keep && !item->scope[s];
      entered[s] = !keep && entered_scope (planner, s, item->ids[s], item->records[s]);
    }
  note_excluded (planner, item, CONCORD_SIDE_A);
  note_excluded (planner, item, CONCORD_SIDE_B);

  scope_ab = concord_direction_flows (config->direction, CONCORD_SIDE_A) && item_flows (item, CONCORD_SIDE_A);
  scope_ba = concord_direction_flows (config->direction, CONCORD_SIDE_B) && item_flows (item, CONCORD_SIDE_B);

  for (guint i = 0; i < n_pairs; i++)
    {
      const ConcordMappingPair *pair = concord_mapping_get_pair (config->mapping, i);
      /* The structure (direction and pair) says which ways may flow at
       * all; the scope of each rule may hold a flow back for a record. */
      gboolean way_ab = concord_direction_flows (config->direction, CONCORD_SIDE_A) &&
                        concord_mapping_pair_flows (pair, CONCORD_SIDE_A);
      gboolean way_ba = concord_direction_flows (config->direction, CONCORD_SIDE_B) &&
                        concord_mapping_pair_flows (pair, CONCORD_SIDE_B);
      gboolean flows_ab = scope_ab && way_ab;
      gboolean flows_ba = scope_ba && way_ba;
      /* Each side's values in its own form ... */
      const ConcordValue *own_a = concord_record_get_quark (view_a, pair->key_a);
      const ConcordValue *own_b = concord_record_get_quark (view_b, pair->key_b);
      const ConcordValue *own_base_a = NULL, *own_base_b = NULL;
      /* ... and in the form they are merged in. */
      ConcordSide space = (pair->type_b == CONCORD_FIELD_TYPE_STRING_SET &&
                           pair->type_a != CONCORD_FIELD_TYPE_STRING_SET) ? CONCORD_SIDE_B : CONCORD_SIDE_A;
      /* Labelled sets merge on both sides' terms only when both are. */
      gboolean labelled = concord_field_is_labelled (g_quark_to_string (pair->key_a)) &&
                          concord_field_is_labelled (g_quark_to_string (pair->key_b));
      ConcordValue slots[4] = { { 0 } };
      const ConcordValue *va, *vb, *base_a = NULL, *base_b = NULL;
      g_autoptr(GError) error = NULL;
      ConcordValue merged = { 0 };
      gboolean changed_a, changed_b;

      if (!flows_ab && !flows_ba)
        continue;

      if (concord_mapping_pair_agrees (pair, own_a, own_b))
        continue;

      if (baseline != NULL && item->kind != CONCORD_PLAN_MATCH)
        {
          own_base_a = concord_record_get_quark (baseline->values[CONCORD_SIDE_A], pair->key_a);
          own_base_b = concord_record_get_quark (baseline->values[CONCORD_SIDE_B], pair->key_b);
        }

      if (!mask_altered (planner, item, pair, way_ab, way_ba, &own_a, own_base_a, &own_b, own_base_b))
        continue;

      /* A record that just entered the scope offers all it holds. */
      changed_a = ra != NULL && (!concord_value_equal (own_a, own_base_a) || entered[CONCORD_SIDE_A]);
      changed_b = rb != NULL && (!concord_value_equal (own_b, own_base_b) || entered[CONCORD_SIDE_B]);
      /* Two set baselines that disagree: a run died half-way, and the
       * merge it planned is still owed to one side. */
      if (baseline != NULL && item->kind != CONCORD_PLAN_MATCH && !changed_a && !changed_b &&
          !((is_set (own_base_a) || is_set (own_base_b)) && ra != NULL && rb != NULL &&
            !concord_mapping_pair_agrees (pair, own_base_a, own_base_b)))
        continue;

      va = bring (pair, space, CONCORD_SIDE_A, own_a, &slots[0], &error);
      if (error == NULL)
        vb = bring (pair, space, CONCORD_SIDE_B, own_b, &slots[1], &error);
      if (error != NULL)
        {
          /* The side that cannot be read in the other's form can still be
           * written from the other side when that side changed. */
          ConcordSide bad = va == NULL && own_a != NULL ? CONCORD_SIDE_A : CONCORD_SIDE_B;
          ConcordSide good = CONCORD_SIDE_OTHER (bad);
          gboolean good_changed = good == CONCORD_SIDE_A ? changed_a : changed_b;
          gboolean bad_changed = bad == CONCORD_SIDE_A ? changed_a : changed_b;
          gboolean good_flows = good == CONCORD_SIDE_A ? flows_ab : flows_ba;

          if (baseline != NULL && item->kind != CONCORD_PLAN_MATCH &&
              good_changed && !bad_changed && good_flows)
            write_pair (planner, item, pair, good, bad, bad == CONCORD_SIDE_A ? own_a : own_b,
                        good == CONCORD_SIDE_A ? own_a : own_b);
          else
            add_field_skip (planner, item, pair, bad, error->message);
          goto next;
        }
      base_a = bring (pair, space, CONCORD_SIDE_A, own_base_a, &slots[2], NULL);
      base_b = bring (pair, space, CONCORD_SIDE_B, own_base_b, &slots[3], NULL);


      if (baseline == NULL || item->kind == CONCORD_PLAN_MATCH)
        {
          /* First match: fill the empty side, unite sets, settle the rest. */
          if (is_set (va) || is_set (vb))
            {
              /* One way, the source's labels win. */
              gboolean has = (way_ab == way_ba ? merge_sets (va, vb, NULL, NULL, labelled, FALSE, &merged)
                              : way_ab ? merge_sets (va, vb, NULL, NULL, labelled, TRUE, &merged)
                                       : merge_sets (vb, va, NULL, NULL, labelled, TRUE, &merged)) != NULL;

              if (flows_ba)
                write_pair (planner, item, pair, space, CONCORD_SIDE_A, own_a, has ? &merged : NULL);
              if (flows_ab)
                write_pair (planner, item, pair, space, CONCORD_SIDE_B, own_b, has ? &merged : NULL);
            }
          else if (va == NULL)
            {
              if (flows_ba)
                write_pair (planner, item, pair, space, CONCORD_SIDE_A, own_a, vb);
            }
          else if (vb == NULL)
            {
              if (flows_ab)
                write_pair (planner, item, pair, space, CONCORD_SIDE_B, own_b, va);
            }
          else
            {
              ConcordSide winner = decide_winner (planner, ra, rb);
              gboolean suppressed = suppressed_side (pair, own_a, own_b, &winner);

              if (!flows_ba)
                winner = CONCORD_SIDE_A;
              else if (!flows_ab)
                winner = CONCORD_SIDE_B;

              add_conflict (item, pair->key_a, own_a, own_b, winner);
              if (suppressed)
                mark_suppressed (item);
              if (winner == CONCORD_SIDE_A)
                write_pair (planner, item, pair, space, CONCORD_SIDE_B, own_b, va);
              else
                write_pair (planner, item, pair, space, CONCORD_SIDE_A, own_a, vb);
            }
          goto next;
        }

      /* One way only: the source is the truth, also over edits made on
       * the target; an empty source clears the target only when it was
       * emptied, never just because it never had the field. */
      if (way_ab != way_ba)
        {
          ConcordSide to = flows_ab ? CONCORD_SIDE_B : CONCORD_SIDE_A;
          const ConcordValue *from_value = flows_ab ? va : vb;
          const ConcordValue *to_value = flows_ab ? vb : va;
          const ConcordValue *to_own = flows_ab ? own_b : own_a;
          gboolean from_changed = flows_ab ? changed_a : changed_b;

          /* Sets stay additive: every member of the source is on the
           * target, the source's removals apply, and members only the
           * target has are kept. */
          if (is_set (va) || is_set (vb) || is_set (base_a) || is_set (base_b))
            {
              gboolean has = merge_sets (from_value, to_value, flows_ab ? base_a : base_b,
                                         NULL, labelled, TRUE, &merged) != NULL;

              write_pair (planner, item, pair, space, to, to_own, has ? &merged : NULL);
            }
          else if (from_changed || from_value != NULL)
            write_pair (planner, item, pair, space, to, to_own, from_value);
          goto next;
        }

      /* Sets merge three ways even when one side changed: after a run
       * that died half-way the two baselines may differ, and the members
       * each side added or removed since its own baseline all count. */
      if (is_set (va) || is_set (vb) || is_set (base_a) || is_set (base_b))
        {
          gboolean has;

          /* A set that just entered the scope offers all it holds, its
           * removals too: while it was out, what the other side (in
           * scope all along) changed was written to it, its own changes
           * were held back and its own baseline followed it, so they
           * show only against the other side's baseline. */
          if (entered[CONCORD_SIDE_A] && !entered[CONCORD_SIDE_B] && flows_ba)
            base_a = base_b;
          else if (entered[CONCORD_SIDE_B] && !entered[CONCORD_SIDE_A] && flows_ab)
            base_b = base_a;

          has = merge_sets (va, vb, base_a, base_b, labelled, FALSE, &merged) != NULL;

          if (flows_ba)
            write_pair (planner, item, pair, space, CONCORD_SIDE_A, own_a, has ? &merged : NULL);
          if (flows_ab)
            write_pair (planner, item, pair, space, CONCORD_SIDE_B, own_b, has ? &merged : NULL);
        }
      else if (changed_a && !changed_b)
        {
          if (flows_ab)
            write_pair (planner, item, pair, space, CONCORD_SIDE_B, own_b, va);
        }
      else if (!changed_a && changed_b)
        {
          if (flows_ba)
            write_pair (planner, item, pair, space, CONCORD_SIDE_A, own_a, vb);
        }
      else
        {
          ConcordSide winner = decide_winner (planner, ra, rb);
          gboolean suppressed = suppressed_side (pair, own_a, own_b, &winner);

          add_conflict (item, pair->key_a, own_a, own_b, winner);
          if (suppressed)
            mark_suppressed (item);
          if (winner == CONCORD_SIDE_A && flows_ab)
            write_pair (planner, item, pair, space, CONCORD_SIDE_B, own_b, va);
          else if (winner == CONCORD_SIDE_B && flows_ba)
            write_pair (planner, item, pair, space, CONCORD_SIDE_A, own_a, vb);
        }

    next:
      concord_value_clear (&merged);
      for (guint k = 0; k < G_N_ELEMENTS (slots); k++)
        concord_value_clear (&slots[k]);
    }

  apply_update_actions (planner, item, baseline, CONCORD_SIDE_A);
  apply_update_actions (planner, item, baseline, CONCORD_SIDE_B);

  keep_primaries (planner, item, baseline, CONCORD_SIDE_A);
  keep_primaries (planner, item, baseline, CONCORD_SIDE_B);

  for (guint s = 0; s < 2; s++)
    if (item->set[s] != NULL || item->clear[s] != NULL)
      planner->plan->n_updates[s]++;

  if (item->conflicts != NULL)
    planner->plan->n_conflicts += item->conflicts->len;
}

/* ------------------------------------------------------------------------- */
/* Planning                                                                  */
/* ------------------------------------------------------------------------- */

static ConcordPlanItem *
item_new (ConcordPlanKind kind,
          gint64          link_id)
{
  ConcordPlanItem *item = g_new0 (ConcordPlanItem, 1);

  item->kind = kind;
  item->link_id = link_id;

  return item;
}

static void
add_skip (Planner     *planner,
          ConcordSide  side,
          const char  *remote_id,
          const char  *code,
          const char  *reason)
{
  ConcordPlanSkip *skip = g_new0 (ConcordPlanSkip, 1);

  skip->code = code;
  skip->side = side;
  skip->remote_id = g_strdup (remote_id);
  skip->reason = g_strdup (reason);
  g_ptr_array_add (planner->plan->skips, skip);
}

static void
report_ambiguous (Planner     *planner,
                  ConcordSide  side,
                  const char  *email,
                  const char  *remote_id)
{
  ConcordPlanAmbiguous *ambiguous;

  if (g_hash_table_contains (planner->input->reported_ambiguous, email))
    return;

  g_hash_table_add (planner->input->reported_ambiguous, g_strdup (email));

  ambiguous = g_new0 (ConcordPlanAmbiguous, 1);
  ambiguous->email = g_strdup (email);
  ambiguous->side = side;
  ambiguous->ids = g_strdup (remote_id);
  g_ptr_array_add (planner->plan->ambiguous, ambiguous);
}

/* The emails paired records will have once the planned writes are made,
 * in the email index: a contact is matched against what the run leaves,
 * not against what it is about to change (else the next run would find a
 * match this one did not). */
static void
refresh_emails (Planner *planner)
{
  ConcordPlanInput *input = planner->input;
  GQuark email = g_quark_from_static_string (CONCORD_FIELD_EMAIL);
  GQuark emails = g_quark_from_static_string (CONCORD_FIELD_EMAILS);

  for (guint i = 0; i < planner->plan->items->len; i++)
    {
      ConcordPlanItem *item = g_ptr_array_index (planner->plan->items, i);

      for (guint s = 0; s < 2; s++)
        {
          g_autoptr(ConcordRecord) after = NULL;
          g_autoptr(GPtrArray) before_keys = NULL;
          g_autoptr(GPtrArray) after_keys = NULL;
          gboolean touched = FALSE;
          const char *id;

          if (item->ids[s] == NULL || item->views[s] == NULL)
            continue;
          if (item->set[s] != NULL)
            touched = concord_record_get_quark (item->set[s], email) != NULL ||
                      concord_record_get_quark (item->set[s], emails) != NULL;
          for (guint c = 0; !touched && item->clear[s] != NULL && c < item->clear[s]->len; c++)
            touched = g_str_equal (g_ptr_array_index (item->clear[s], c), CONCORD_FIELD_EMAIL) ||
                      g_str_equal (g_ptr_array_index (item->clear[s], c), CONCORD_FIELD_EMAILS);
          if (!touched)
            continue;

          id = g_string_chunk_insert_const (input->strings, item->ids[s]);
          after = planned_record (item, s);

          before_keys = g_ptr_array_new ();
          after_keys = g_ptr_array_new ();
          keys_of (input, s, id, before_keys);
          record_email_keys (input, after, after_keys);

          for (guint k = 0; k < before_keys->len; k++)
            {
              const char *key = g_ptr_array_index (before_keys, k);

              if (!g_ptr_array_find_with_equal_func (after_keys, key, g_str_equal, NULL))
                remove_email (input, s, key, id);
            }
          add_emails (input, s, after_keys, id);
        }
    }
}

static void
plan_linked (Planner       *planner,
             ConcordSide    side,
             const char    *remote_id,
             ConcordRecord *record,
             gint64         link_id,
             const char    *other_id)
{
  ConcordPlanInput *input = planner->input;
  ConcordSide other = CONCORD_SIDE_OTHER (side);
  ConcordBaseline *baseline = g_hash_table_lookup (input->baselines, &link_id);
  ConcordRecord *other_record = g_hash_table_lookup (input->changed[other], other_id);
  ConcordPlanItem *item;

  if (other_record == NULL && baseline == NULL)
    other_record = g_hash_table_lookup (input->extra[other], other_id);

  if (other_record == NULL && baseline == NULL)
    {
      /* Neither a baseline nor the partner: try again on the next run. */
      add_skip (planner, side, remote_id, CONCORD_SKIP_UNREADABLE, "the linked record could not be read");
      return;
    }

  item = item_new (baseline != NULL ? CONCORD_PLAN_LINKED : CONCORD_PLAN_MATCH, link_id);
  item->ids[side] = g_strdup (remote_id);
  item->ids[other] = g_strdup (other_id);
  item->records[side] = concord_record_ref (record);
  item->records[other] = other_record != NULL ? concord_record_ref (other_record) : NULL;

  merge_item (planner, item, baseline);
  g_ptr_array_add (planner->plan->items, item);

  g_hash_table_add (planner->done[side], (gpointer) remote_id);
  g_hash_table_add (planner->done[other], (gpointer) other_id);
}

/* The record a CREATE item makes on the other side: the mapped fields of
 * the source that flow that way, in the target's form, then the actions of
 * the source's rule. With @skips, a value that cannot be converted is
 * reported there (it is left out either way). */
static ConcordRecord *
build_create (const ConcordSyncConfig *config,
              ConcordSide              side,
              const ConcordRecord     *record,
              GPtrArray               *skips)
{
  ConcordRecord *values = concord_record_new (NULL);
  guint n_pairs = concord_mapping_get_n_pairs (config->mapping);
  ConcordRuleList *list = config->rules[side];
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 0; i < n_pairs; i++)
    {
      const ConcordMappingPair *pair = concord_mapping_get_pair (config->mapping, i);
      GQuark from = side == CONCORD_SIDE_A ? pair->key_a : pair->key_b;
      GQuark to = side == CONCORD_SIDE_A ? pair->key_b : pair->key_a;
      const ConcordValue *value;
      g_autoptr(GError) error = NULL;
      ConcordValue out = { 0 };

      if (!concord_mapping_pair_flows (pair, side))
        continue;

      value = concord_record_get_quark (record, from);
      if (value == NULL)
        continue;

      /* A value Concord had to repair is not the user's: left out. */
      if (concord_record_is_altered_quark (record, from))
        {
          if (skips != NULL)
            g_ptr_array_add (skips, g_strdup_printf ("%s was not written to %s: its value had to be "
                                                     "repaired when read",
                                                     g_quark_to_string (from), g_quark_to_string (to)));
          continue;
        }

      if (pair->identity)
        concord_record_set_value_quark (values, to, value);
      else if (concord_mapping_pair_convert (pair, side, value, &out, &error))
        {
          concord_record_set_value_quark (values, to, &out);
          concord_value_clear (&out);
        }
      else if (skips != NULL)
        g_ptr_array_add (skips, g_strdup_printf ("%s could not be written to %s: %s",
                                                 g_quark_to_string (from), g_quark_to_string (to),
                                                 error->message));
    }

  /* The actions of every rule that matches, in order. */
  for (guint r = 0; list != NULL && concord_rule_list_get_enabled (list) &&
                    r < concord_rule_list_get_n_rules (list); r++)
    {
      const ConcordRule *rule = concord_rule_list_get_rule (list, r);

      if (concord_rule_get_n_actions (rule) == 0 || !concord_rule_matches (rule, record, now))
        continue;

      for (guint i = 0; i < concord_rule_get_n_actions (rule); i++)
        {
          const ConcordAction *action = concord_rule_get_action (rule, i);
          ConcordValue out = { 0 };

          if (concord_action_apply (action, concord_record_get_quark (values, action->key), &out))
            {
              concord_record_set_value_quark (values, action->key, &out);
              concord_value_clear (&out);
            }
          else
            concord_record_remove (values, action->field);
        }
    }

  /* A created contact's emails hold its email, and it has a primary. */
  concord_record_normalize_multi (NULL, values);

  return values;
}

/**
 * concord_plan_item_build_create:
 *
 * Returns: (transfer full): for a CREATE item, the record to create on the
 *   other side of its source
 */
ConcordRecord *
concord_plan_item_build_create (const ConcordPlanItem   *item,
                                const ConcordSyncConfig *config)
{
  g_return_val_if_fail (item != NULL && item->kind == CONCORD_PLAN_CREATE, NULL);

  return build_create (config, item->source, item->records[item->source], NULL);
}

/**
 * concord_plan_item_get_changes:
 *
 * Returns: (transfer container) (element-type ConcordFieldChange): what an
 *   update item changes on @side, field by field, before and after
 */
GPtrArray *
concord_plan_item_get_changes (const ConcordPlanItem *item,
                               ConcordSide            side)
{
  GPtrArray *changes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_change_free);
  const ConcordRecord *view = item->views[side];

  g_return_val_if_fail (item != NULL, changes);

  for (guint i = 0; item->set[side] != NULL && i < concord_record_get_n_fields (item->set[side]); i++)
    {
      ConcordFieldChange *change = g_new0 (ConcordFieldChange, 1);
      const char *key;
      const ConcordValue *after = concord_record_get_field_at (item->set[side], i, &key);

      change->field = g_strdup (key);
      change->before = view != NULL ? value_text (concord_record_get (view, key)) : NULL;
      change->after = value_text (after);
      g_ptr_array_add (changes, change);
    }

  for (guint i = 0; item->clear[side] != NULL && i < item->clear[side]->len; i++)
    {
      ConcordFieldChange *change = g_new0 (ConcordFieldChange, 1);
      const char *key = g_ptr_array_index (item->clear[side], i);

      change->field = g_strdup (key);
      change->before = view != NULL ? value_text (concord_record_get (view, key)) : NULL;
      g_ptr_array_add (changes, change);
    }

  return changes;
}

/**
 * concord_plan_item_writes:
 *
 * Returns: whether @item writes to @side
 */
gboolean
concord_plan_item_writes (const ConcordPlanItem *item,
                          ConcordSide            side)
{
  if (item->kind == CONCORD_PLAN_CREATE)
    return side != item->source;

  return item->set[side] != NULL || item->clear[side] != NULL;
}

static gboolean
email_flows (const ConcordSyncConfig *config,
             ConcordSide              side)
{
  GQuark email = g_quark_from_static_string (CONCORD_FIELD_EMAIL);
  guint n_pairs = concord_mapping_get_n_pairs (config->mapping);

  for (guint i = 0; i < n_pairs; i++)
    {
      const ConcordMappingPair *pair = concord_mapping_get_pair (config->mapping, i);
      GQuark to = side == CONCORD_SIDE_A ? pair->key_b : pair->key_a;

      if (to == email && concord_mapping_pair_flows (pair, side))
        return TRUE;
    }

  return FALSE;
}

/* Which rule let a created record across, and which rules' actions shaped
 * it, for the journal. */
static void
note_create_rules (ConcordPlanItem         *item,
                   const ConcordSyncConfig *config,
                   ConcordSide              side,
                   const ConcordRecord     *record)
{
  ConcordRuleList *list = config->rules[side];
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  int first;

  if (list == NULL || !concord_rule_list_get_enabled (list))
    return;

  /* Interned: a plan of 100,000 creates holds one copy of "Rule 1". */
  first = concord_rule_list_first_match (list, record, now);
  if (first >= 0)
    {
      g_autofree char *label = concord_rule_get_label (concord_rule_list_get_rule (list, first), first);

      item->crossed_by = g_intern_string (label);
    }

  for (guint r = 0; r < concord_rule_list_get_n_rules (list); r++)
    {
      const ConcordRule *rule = concord_rule_list_get_rule (list, r);
      g_autofree char *label = NULL;

      if (concord_rule_get_n_actions (rule) == 0 || !concord_rule_matches (rule, record, now))
        continue;
      label = concord_rule_get_label (rule, r);
      for (guint i = 0; i < concord_rule_get_n_actions (rule); i++)
        add_action_note (item, CONCORD_SIDE_OTHER (side), concord_rule_get_action (rule, i), label);
    }
}

static void
plan_create (Planner       *planner,
             ConcordSide    side,
             const char    *remote_id,
             ConcordRecord *record)
{
  const ConcordSyncConfig *config = planner->input->config;
  ConcordSide other = CONCORD_SIDE_OTHER (side);
  ConcordPlanItem *item;

  if (!concord_direction_flows (config->direction, side))
    {
      add_skip (planner, side, remote_id, CONCORD_SKIP_NOT_SYNCED, "the other side is not synced to");
      return;
    }
  if (!config->may_create[other])
    {
      add_skip (planner, side, remote_id, CONCORD_SKIP_CREATE_OFF,
                "creating contacts is off in this direction");
      return;
    }
  if (!in_scope (planner, side, record))
    {
      g_autofree char *reason = left_out_reason (config, side, record);

      add_skip (planner, side, remote_id, CONCORD_SKIP_RULE, reason);
      return;
    }
  if (!email_flows (config, side))
    {
      add_skip (planner, side, remote_id, CONCORD_SKIP_NOT_MAPPED,
                "the email address is not mapped to the other side");
      return;
    }

  /* Values that cannot be converted are left out, and said so. */
  if (!concord_mapping_is_identity (config->mapping) || concord_record_has_altered (record))
    {
      g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(ConcordRecord) check = build_create (config, side, record, problems);

      for (guint i = 0; i < problems->len; i++)
        {
          ConcordPlanSkip *skip = g_new0 (ConcordPlanSkip, 1);

          skip->side = side;
          skip->remote_id = g_strdup (remote_id);
          skip->field = g_strdup ("");
          skip->code = CONCORD_SKIP_CONVERT;
          skip->reason = g_strdup (g_ptr_array_index (problems, i));
          g_ptr_array_add (planner->plan->skips, skip);
        }
    }

  item = item_new (CONCORD_PLAN_CREATE, 0);
  item->source = side;
  note_create_rules (item, config, side, record);
  item->scope[side] = TRUE;
  item->scope[other] = TRUE;
  item->ids[side] = g_strdup (remote_id);
  item->records[side] = concord_record_ref (record);
  g_ptr_array_add (planner->plan->items, item);
  planner->plan->n_creates[other]++;

  g_hash_table_add (planner->done[side], (gpointer) remote_id);
}

static void
plan_unlinked (Planner       *planner,
               ConcordSide    side,
               const char    *remote_id,
               ConcordRecord *record)
{
  ConcordPlanInput *input = planner->input;
  ConcordSide other = CONCORD_SIDE_OTHER (side);
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  const char *email = NULL;
  const char *candidate = NULL;
  const char *ambiguous_email = NULL;
  ConcordSide ambiguous_side = side;

  record_email_keys (input, record, keys);
  if (keys->len > 0)
    email = g_ptr_array_index (keys, 0);

  if (email == NULL && concord_record_is_altered (record, CONCORD_FIELD_EMAIL))
    {
      add_skip (planner, side, remote_id, CONCORD_SKIP_NO_EMAIL,
                "the email address had to be repaired when read (bytes that are not text, "
                "or a NUL): a repaired address is never used to match or create");
      g_ptr_array_add (planner->plan->settle[side], g_strdup (remote_id));
      return;
    }

  if (email == NULL)
    {
      add_skip (planner, side, remote_id, CONCORD_SKIP_NO_EMAIL, "no valid email address");
      g_ptr_array_add (planner->plan->settle[side], g_strdup (remote_id));
      return;
    }

  /* Any email of the record may match any email of a contact of the other
   * side, but only one contact, itself matching no other: an email on two
   * contacts of a side, or a contact whose emails match two, is a guess. */
  for (guint i = 0; i < keys->len && ambiguous_email == NULL; i++)
    {
      const char *key = g_ptr_array_index (keys, i);
      const char *own = g_hash_table_lookup (input->by_email[side], key);
      const char *found = g_hash_table_lookup (input->by_email[other], key);

      if (own == AMBIGUOUS)
        ambiguous_email = key;
      else if (found == AMBIGUOUS || (found != NULL && candidate != NULL && !g_str_equal (found, candidate)))
        {
          ambiguous_email = key;
          ambiguous_side = other;
        }
      else if (found != NULL)
        candidate = found;
    }

  /* (A candidate with one email was found by it: nothing more to learn.) */
  if (ambiguous_email == NULL && candidate != NULL &&
      (g_hash_table_lookup (input->changed[other], candidate) == NULL ||
       concord_record_get (g_hash_table_lookup (input->changed[other], candidate),
                           CONCORD_FIELD_EMAILS) != NULL))
    {
      g_autoptr(GPtrArray) theirs = g_ptr_array_new ();

      /* The candidate's own emails: none on another record of this side,
       * none shared with another record of its own side. */
      keys_of (input, other, candidate, theirs);
      for (guint i = 0; i < theirs->len && ambiguous_email == NULL; i++)
        {
          const char *key = g_ptr_array_index (theirs, i);
          const char *mine = g_hash_table_lookup (input->by_email[side], key);

          if (mine != NULL && (mine == AMBIGUOUS || !g_str_equal (mine, remote_id)))
            ambiguous_email = key;
          else if (g_hash_table_lookup (input->by_email[other], key) == AMBIGUOUS)
            {
              ambiguous_email = key;
              ambiguous_side = other;
            }
        }
    }

  if (ambiguous_email != NULL)
    {
      /* Never bind (or create) on a guess; a person decides. */
      report_ambiguous (planner, ambiguous_side, ambiguous_email, remote_id);
      add_skip (planner, side, remote_id, CONCORD_SKIP_AMBIGUOUS,
                "the email address is on several contacts");
      return;
    }

  if (candidate != NULL)
    {
      gint64 candidate_link = linked_id (input, other, candidate);
      ConcordRecord *candidate_record;

      if (g_hash_table_contains (planner->done[other], candidate))
        {
          add_skip (planner, side, remote_id, CONCORD_SKIP_PAIRED,
                    "the matching contact is already paired");
          return;
        }

      if (candidate_link != 0 && partner_id (input, other, candidate_link) != NULL)
        {
          add_skip (planner, side, remote_id, CONCORD_SKIP_PAIRED,
                    "the matching contact is paired with another one");
          return;
        }

      candidate_record = current_record (input, other, candidate);
      if (candidate_record == NULL)
        {
          add_skip (planner, side, remote_id, CONCORD_SKIP_UNREADABLE,
                    "the matching contact could not be read");
          return;
        }

      {
        ConcordPlanItem *item = item_new (CONCORD_PLAN_MATCH, 0);

        item->ids[side] = g_strdup (remote_id);
        item->ids[other] = g_strdup (candidate);
        item->records[side] = concord_record_ref (record);
        item->records[other] = concord_record_ref (candidate_record);
        merge_item (planner, item, NULL);
        g_ptr_array_add (planner->plan->items, item);

        g_hash_table_add (planner->done[side], (gpointer) remote_id);
        g_hash_table_add (planner->done[other], (gpointer) candidate);
      }
      return;
    }

  plan_create (planner, side, remote_id, record);
  if (!g_hash_table_contains (planner->done[side], remote_id))
    g_ptr_array_add (planner->plan->settle[side], g_strdup (remote_id));
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
check_breaker (Planner *planner)
{
  ConcordPlanInput *input = planner->input;
  const ConcordSyncConfig *config = input->config;
  ConcordPlan *plan = planner->plan;

  if (config->force)
    return;

  for (guint s = 0; s < 2 && !plan->tripped; s++)
    {
      guint known = g_hash_table_size (input->index[s]);
      double limit;

      /* One or two contacts gone is a person's doing; all of several is
       * more likely a broken account or API. */
      if (input->listed[s] == 0 && known >= 3)
        {
          plan->tripped = TRUE;
          plan->trip_reason = g_strdup_printf ("side %s listed no contacts although %u were known; "
                                               "nothing was written",
                                               CONCORD_SIDE_NAME (s), known);
          break;
        }

      limit = MAX ((double) config->breaker_min, config->breaker_fraction * known);
      if (input->vanished[s]->len > limit)
        {
          plan->tripped = TRUE;
          plan->trip_reason = g_strdup_printf ("%u of %u contacts disappeared from side %s; "
                                               "nothing was written",
                                               input->vanished[s]->len, known, CONCORD_SIDE_NAME (s));
          break;
        }

      limit = MAX ((double) config->breaker_min, config->breaker_fraction * input->n_linked[s]);
      if (plan->n_overwrites[s] > limit)
        {
          plan->tripped = TRUE;
          plan->trip_reason = g_strdup_printf ("the run would overwrite %u values on side %s "
                                               "(%u linked contacts); nothing was written",
                                               plan->n_overwrites[s], CONCORD_SIDE_NAME (s),
                                               input->n_linked[s]);
        }
    }
}

/**
 * concord_planner_plan:
 * @input: a prepared #ConcordPlanInput
 *
 * Returns: (transfer full): the plan; it holds references to the input's
 *   records but not to the input
 */
ConcordPlan *
concord_planner_plan (ConcordPlanInput *input)
{
  Planner planner = { .input = input };
  gpointer *ids[2] = { NULL, NULL };
  guint n_ids[2] = { 0, 0 };
  ConcordPlan *plan;

  g_return_val_if_fail (input != NULL, NULL);
  g_return_val_if_fail (input->by_email[0] != NULL, NULL);

  plan = g_new0 (ConcordPlan, 1);
  plan->items = g_ptr_array_new_with_free_func (plan_item_free);
  plan->skips = g_ptr_array_new_with_free_func (plan_skip_free);
  plan->ambiguous = g_ptr_array_new_with_free_func (plan_ambiguous_free);
  plan->excluded = g_ptr_array_new_with_free_func (plan_skip_free);
  plan->settle[0] = g_ptr_array_new_with_free_func (g_free);
  plan->settle[1] = g_ptr_array_new_with_free_func (g_free);
  plan->unlinks = g_array_new (FALSE, FALSE, sizeof (gint64));
  planner.plan = plan;
  planner.done[0] = g_hash_table_new (g_str_hash, g_str_equal);
  planner.done[1] = g_hash_table_new (g_str_hash, g_str_equal);

  /* Links whose record vanished from a complete listing: the link goes,
   * the other record stays (Concord never deletes). */
  for (guint s = 0; s < 2; s++)
    for (guint i = 0; i < input->vanished[s]->len; i++)
      {
        gint64 link_id = linked_id (input, s, g_ptr_array_index (input->vanished[s], i));

        if (link_id != 0)
          g_array_append_val (plan->unlinks, link_id);
      }

  /* Sorted, so the same input always gives the same plan. Paired records
   * first: what they will write to their emails is what the others are
   * matched against. */
  for (guint s = 0; s < 2; s++)
    {
      ids[s] = g_hash_table_get_keys_as_array (input->changed[s], &n_ids[s]);
      qsort (ids[s], n_ids[s], sizeof (gpointer), compare_ids);
    }

  for (guint pass = 0; pass < 2; pass++)
    {
      if (pass == 1)
        refresh_emails (&planner);

      for (guint s = 0; s < 2; s++)
        {
          for (guint i = 0; i < n_ids[s]; i++)
            {
              const char *remote_id = ids[s][i];
              ConcordRecord *record = g_hash_table_lookup (input->changed[s], remote_id);
              gint64 link_id;
              const char *other_id;

              if (g_hash_table_contains (planner.done[s], remote_id))
                continue;

              link_id = linked_id (input, s, remote_id);
              other_id = link_id != 0 ? partner_id (input, s, link_id) : NULL;

              if (other_id != NULL && pass == 0)
                plan_linked (&planner, s, remote_id, record, link_id, other_id);
              else if (other_id == NULL && pass == 1)
                plan_unlinked (&planner, s, remote_id, record);
            }
        }
    }

  check_breaker (&planner);

  g_free (ids[0]);
  g_free (ids[1]);
  g_hash_table_unref (planner.done[0]);
  g_hash_table_unref (planner.done[1]);

  return plan;
}

void
concord_plan_free (ConcordPlan *plan)
{
  if (plan == NULL)
    return;

  g_ptr_array_unref (plan->items);
  g_ptr_array_unref (plan->skips);
  g_ptr_array_unref (plan->ambiguous);
  g_ptr_array_unref (plan->excluded);
  g_ptr_array_unref (plan->settle[0]);
  g_ptr_array_unref (plan->settle[1]);
  g_array_unref (plan->unlinks);
  g_free (plan->trip_reason);
  g_free (plan);
}

/**
 * concord_plan_to_string:
 * @max_items: how many items to describe in full; the counts are always there
 *
 * Returns: (transfer full): the plan for people: what a dry run prints
 */
char *
concord_plan_to_string (const ConcordPlan       *plan,
                        const ConcordSyncConfig *config,
                        guint                    max_items)
{
  GString *out = g_string_new (NULL);
  guint shown = 0;

  g_return_val_if_fail (plan != NULL, NULL);

  g_string_append_printf (out, "create on A: %u, create on B: %u\n",
                          plan->n_creates[CONCORD_SIDE_A], plan->n_creates[CONCORD_SIDE_B]);
  g_string_append_printf (out, "update on A: %u, update on B: %u\n",
                          plan->n_updates[CONCORD_SIDE_A], plan->n_updates[CONCORD_SIDE_B]);
  g_string_append_printf (out, "conflicts: %u, ambiguous matches: %u, skipped: %u\n",
                          plan->n_conflicts, plan->ambiguous->len, plan->skips->len);
  if (plan->tripped)
    g_string_append_printf (out, "stopped: %s\n", plan->trip_reason);

  for (guint i = 0; i < plan->items->len && shown < max_items; i++)
    {
      const ConcordPlanItem *item = g_ptr_array_index (plan->items, i);

      for (guint s = 0; s < 2; s++)
        {
          g_autoptr(GPtrArray) changes = NULL;

          if (!concord_plan_item_writes (item, s))
            continue;

          shown++;
          if (item->kind == CONCORD_PLAN_CREATE)
            {
              g_autoptr(ConcordRecord) values = concord_plan_item_build_create (item, config);
              g_autofree char *json = concord_record_to_json (values);

              g_string_append_printf (out, "  create on %s from %s: %s\n",
                                      CONCORD_SIDE_NAME (s), item->ids[item->source], json);
              for (guint a = 0; item->actions != NULL && a < item->actions->len; a++)
                g_string_append_printf (out, "    action %s\n", (const char *) g_ptr_array_index (item->actions, a));
              continue;
            }

          g_string_append_printf (out, "  update %s %s%s:\n", CONCORD_SIDE_NAME (s), item->ids[s],
                                  item->kind == CONCORD_PLAN_MATCH ? " (first match)" : "");
          changes = concord_plan_item_get_changes (item, s);
          for (guint c = 0; c < changes->len; c++)
            {
              const ConcordFieldChange *change = g_ptr_array_index (changes, c);

              g_string_append_printf (out, "    %s: %s → %s\n", change->field,
                                      change->before ? change->before : "(empty)",
                                      change->after ? change->after : "(empty)");
            }
          for (guint a = 0; item->actions != NULL && a < item->actions->len; a++)
            if (g_str_has_prefix (g_ptr_array_index (item->actions, a), CONCORD_SIDE_NAME (s)))
              g_string_append_printf (out, "    action %s\n", (const char *) g_ptr_array_index (item->actions, a));
        }
    }

  for (guint list = 0; list < 2; list++)
    {
      GPtrArray *skips = list == 0 ? plan->skips : plan->excluded;

      if (skips->len > 0)
        g_string_append (out, list == 0 ? "skipped:\n" : "out of scope (linked contacts):\n");
      for (guint i = 0; i < skips->len && i < max_items; i++)
        {
          const ConcordPlanSkip *skip = g_ptr_array_index (skips, i);

          g_string_append_printf (out, "  %s %s: %s\n", CONCORD_SIDE_NAME (skip->side),
                                  skip->remote_id, skip->reason);
        }
      if (skips->len > max_items)
        g_string_append_printf (out, "  … and %u more\n", skips->len - max_items);
    }

  return g_string_free (out, FALSE);
}
