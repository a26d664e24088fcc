/* concord-planner-fields.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The planner, field by field: the scope of a record and the fingerprint
 * of a plan, multi-valued sets and primaries, and the write of one mapped
 * pair of fields with its conflicts. The merge of whole items, which calls
 * these, is in concord-planner-merge.c.
 */

#define G_LOG_DOMAIN "concord-planner"

#include "config.h"

#include <string.h>

#include "concord-fields.h"
#include "concord-planner-private.h"

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

gboolean
concord_planner_in_scope (ConcordPlanner      *planner,
                          ConcordSide          side,
                          const ConcordRecord *record)
{
  return concord_plan_in_scope (planner->input->config, side, record);
}

/* A record whose content was settled out of scope and which is in scope
 * now: what it holds has never been offered to the other side. */
gboolean
concord_planner_entered_scope (ConcordPlanner      *planner,
                               ConcordSide          side,
                               const char          *remote_id,
                               const ConcordRecord *record)
{
  ConcordIndexEntry *entry;

  if (record == NULL || planner->input->config->filter[side] == NULL ||
      !concord_planner_in_scope (planner, side, record))
    return FALSE;

  entry = g_hash_table_lookup (planner->input->index[side], remote_id);
  return entry != NULL && entry->hash != 0 && (entry->hash & 1) == 0;
}

gboolean
concord_planner_is_set (const ConcordValue *value)
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
ConcordRecord *
concord_planner_planned_record (const ConcordPlanItem *item,
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
void
concord_planner_keep_primaries (ConcordPlanner        *planner,
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
      !concord_planner_item_flows (item, CONCORD_SIDE_OTHER (side)))
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

  after = concord_planner_planned_record (item, side);
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
      concord_planner_plan_write (planner, item, side, g_quark_from_static_string (primary_keys[k]), now, wanted);
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
ConcordValue *
concord_planner_merge_sets (const ConcordValue *a,
                            const ConcordValue *b,
                            const ConcordValue *base_a,
                            const ConcordValue *base_b,
                            gboolean            labelled,
                            gboolean            source_a,
                            ConcordValue       *out)
{
  char **va = concord_planner_is_set (a) ? a->v.set : NULL;
  char **vb = concord_planner_is_set (b) ? b->v.set : NULL;
  char **ba = concord_planner_is_set (base_a) ? base_a->v.set : NULL;
  char **bb = concord_planner_is_set (base_b) ? base_b->v.set : NULL;
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

char *
concord_planner_value_text (const ConcordValue *value)
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

void
concord_planner_plan_write (ConcordPlanner     *planner,
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
      concord_planner_add_conflict (item, key,
                                    target == CONCORD_SIDE_A ? before : after,
                                    target == CONCORD_SIDE_A ? after : before, target);
      concord_planner_mark_suppressed (item)->kept = TRUE;
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
gboolean
concord_planner_suppressed_side (const ConcordMappingPair *pair,
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

ConcordSide
concord_planner_decide_winner (ConcordPlanner      *planner,
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

void
concord_planner_add_conflict (ConcordPlanItem    *item,
                              GQuark              key,
                              const ConcordValue *va,
                              const ConcordValue *vb,
                              ConcordSide         winner)
{
  ConcordPlanConflict *conflict = g_new0 (ConcordPlanConflict, 1);

  conflict->field = g_strdup (g_quark_to_string (key));
  conflict->value_a = concord_planner_value_text (va);
  conflict->value_b = concord_planner_value_text (vb);
  conflict->winner = winner;

  if (item->conflicts == NULL)
    item->conflicts = g_ptr_array_new_with_free_func (concord_planner_plan_conflict_free);
  g_ptr_array_add (item->conflicts, conflict);
}

/* The last conflict added was settled by the suppression rule. */
ConcordPlanConflict *
concord_planner_mark_suppressed (ConcordPlanItem *item)
{
  ConcordPlanConflict *conflict = g_ptr_array_index (item->conflicts, item->conflicts->len - 1);

  conflict->suppressed = TRUE;
  return conflict;
}

void
concord_planner_add_field_skip (ConcordPlanner           *planner,
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
const ConcordValue *
concord_planner_bring (const ConcordMappingPair  *pair,
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
void
concord_planner_write_pair (ConcordPlanner           *planner,
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
      concord_planner_plan_write (planner, item, target, key, before, value);
      return;
    }

  if (!concord_mapping_pair_convert (pair, space, value, &out, &error))
    {
      concord_planner_add_field_skip (planner, item, pair, CONCORD_SIDE_OTHER (target), error->message);
      return;
    }
  concord_planner_plan_write (planner, item, target, key, before, &out);
  concord_value_clear (&out);
}
