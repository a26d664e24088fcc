/* concord-planner-merge.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The planner's merge: the rules' actions on the writes of an item, what
 * a rule leaves out, and concord_planner_merge_item(), the three-way merge
 * of a linked pair of records (field by field in concord-planner-fields.c).
 */

#define G_LOG_DOMAIN "concord-planner"

#include "config.h"

#include <string.h>

#include "concord-fields.h"
#include "concord-planner-private.h"

/* Says which rule's action shaped a write to @target: in the plan's text
 * and, field by field, for the journal. */
void
concord_planner_add_action_note (ConcordPlanItem     *item,
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
gboolean
concord_planner_item_flows (const ConcordPlanItem *item,
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

  if (!concord_direction_flows (config->direction, side) || !concord_planner_item_flows (item, side))
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
apply_rule_update_actions (ConcordPlanner        *planner,
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
      concord_planner_plan_write (planner, item, target, action->key, original, has ? &out : NULL);
      concord_planner_add_action_note (item, target, action, label);
      if (has)
        concord_value_clear (&out);
    }
}

/* The actions of the rules from @source that match its record and apply
 * on every update, in order, on top of what the merge planned for the
 * other side: a later rule's action acts on what an earlier one made. */
static void
apply_update_actions (ConcordPlanner        *planner,
                      ConcordPlanItem       *item,
                      const ConcordBaseline *baseline,
                      ConcordSide            source)
{
  const ConcordSyncConfig *config = planner->input->config;
  ConcordRuleList *list = config->rules[source];
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (list == NULL || !concord_rule_list_get_enabled (list) ||
      !concord_direction_flows (config->direction, source) || !concord_planner_item_flows (item, source))
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
char *
concord_planner_left_out_reason (const ConcordSyncConfig *config,
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
note_excluded (ConcordPlanner  *planner,
               ConcordPlanItem *item,
               ConcordSide      side)
{
  const ConcordSyncConfig *config = planner->input->config;
  ConcordPlanSkip *skip;

  if (item->records[side] == NULL || concord_planner_item_flows (item, side) ||
      !concord_direction_flows (config->direction, side))
    return;

  skip = g_new0 (ConcordPlanSkip, 1);
  skip->side = side;
  skip->remote_id = g_strdup (item->ids[side]);
  skip->reason = concord_planner_left_out_reason (config, side, item->records[side]);
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
mask_altered (ConcordPlanner            *planner,
              ConcordPlanItem           *item,
              const ConcordMappingPair  *pair,
              gboolean                   way_ab,
              gboolean                   way_ba,
              const ConcordValue       **own_a,
              const ConcordValue        *own_base_a,
              const ConcordValue       **own_b,
              const ConcordValue        *own_base_b)
{
  gboolean altered[2];

  altered[CONCORD_SIDE_A] = item->records[CONCORD_SIDE_A] != NULL && *own_a != NULL &&
                            concord_record_is_altered_quark (item->records[CONCORD_SIDE_A], pair->key_a);
  altered[CONCORD_SIDE_B] = item->records[CONCORD_SIDE_B] != NULL && *own_b != NULL &&
                            concord_record_is_altered_quark (item->records[CONCORD_SIDE_B], pair->key_b);

  for (guint s = 0; s < 2; s++)
    if (altered[s])
      concord_planner_add_field_skip (planner, item, pair, s,
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

/* One mapped pair of fields of an item, as concord_planner_merge_item()
 * sees it: how it may flow, each side's values in its own form and in the
 * form they are merged in, and what changed. */
typedef struct
{
  const ConcordMappingPair *pair;
  ConcordSide               space;
  gboolean                  labelled;
  gboolean                  way_ab, way_ba;
  gboolean                  flows_ab, flows_ba;
  gboolean                  changed_a, changed_b;
  const ConcordValue       *own_a, *own_b;
  const ConcordValue       *va, *vb, *base_a, *base_b;
  ConcordValue             *merged;
} PairMerge;

/* The case of a value that cannot be brought into the form the pair is
 * merged in. */
static void
merge_unreadable (ConcordPlanner        *planner,
                  ConcordPlanItem       *item,
                  const ConcordBaseline *baseline,
                  const PairMerge       *m,
                  const GError          *error)
{
  /* The side that cannot be read in the other's form can still be
   * written from the other side when that side changed. */
  ConcordSide bad = m->va == NULL && m->own_a != NULL ? CONCORD_SIDE_A : CONCORD_SIDE_B;
  ConcordSide good = CONCORD_SIDE_OTHER (bad);
  gboolean good_changed = good == CONCORD_SIDE_A ? m->changed_a : m->changed_b;
  gboolean bad_changed = bad == CONCORD_SIDE_A ? m->changed_a : m->changed_b;
  gboolean good_flows = good == CONCORD_SIDE_A ? m->flows_ab : m->flows_ba;

  if (baseline != NULL && item->kind != CONCORD_PLAN_MATCH &&
      good_changed && !bad_changed && good_flows)
    concord_planner_write_pair (planner, item, m->pair, good, bad, bad == CONCORD_SIDE_A ? m->own_a : m->own_b,
                                good == CONCORD_SIDE_A ? m->own_a : m->own_b);
  else
    concord_planner_add_field_skip (planner, item, m->pair, bad, error->message);
}

/* First match: fill the empty side, unite sets, settle the rest. */
static void
merge_first_match (ConcordPlanner      *planner,
                   ConcordPlanItem     *item,
                   const PairMerge     *m,
                   const ConcordRecord *ra,
                   const ConcordRecord *rb)
{
  const ConcordMappingPair *pair = m->pair;

  if (concord_planner_is_set (m->va) || concord_planner_is_set (m->vb))
    {
      /* One way, the source's labels win. */
      gboolean has = (m->way_ab == m->way_ba ? concord_planner_merge_sets (m->va, m->vb, NULL, NULL, m->labelled, FALSE, m->merged)
                      : m->way_ab ? concord_planner_merge_sets (m->va, m->vb, NULL, NULL, m->labelled, TRUE, m->merged)
                                  : concord_planner_merge_sets (m->vb, m->va, NULL, NULL, m->labelled, TRUE, m->merged)) != NULL;

      if (m->flows_ba)
        concord_planner_write_pair (planner, item, pair, m->space, CONCORD_SIDE_A, m->own_a, has ? m->merged : NULL);
      if (m->flows_ab)
        concord_planner_write_pair (planner, item, pair, m->space, CONCORD_SIDE_B, m->own_b, has ? m->merged : NULL);
    }
  else if (m->va == NULL)
    {
      if (m->flows_ba)
        concord_planner_write_pair (planner, item, pair, m->space, CONCORD_SIDE_A, m->own_a, m->vb);
    }
  else if (m->vb == NULL)
    {
      if (m->flows_ab)
        concord_planner_write_pair (planner, item, pair, m->space, CONCORD_SIDE_B, m->own_b, m->va);
    }
  else
    {
      ConcordSide winner = concord_planner_decide_winner (planner, ra, rb);
      gboolean suppressed = concord_planner_suppressed_side (pair, m->own_a, m->own_b, &winner);

      if (!m->flows_ba)
        winner = CONCORD_SIDE_A;
      else if (!m->flows_ab)
        winner = CONCORD_SIDE_B;

      concord_planner_add_conflict (item, pair->key_a, m->own_a, m->own_b, winner);
      if (suppressed)
        concord_planner_mark_suppressed (item);
      if (winner == CONCORD_SIDE_A)
        concord_planner_write_pair (planner, item, pair, m->space, CONCORD_SIDE_B, m->own_b, m->va);
      else
        concord_planner_write_pair (planner, item, pair, m->space, CONCORD_SIDE_A, m->own_a, m->vb);
    }
}

/* One way only: the source is the truth, also over edits made on
 * the target; an empty source clears the target only when it was
 * emptied, never just because it never had the field. */
static void
merge_one_way (ConcordPlanner  *planner,
               ConcordPlanItem *item,
               const PairMerge *m)
{
  ConcordSide to = m->flows_ab ? CONCORD_SIDE_B : CONCORD_SIDE_A;
  const ConcordValue *from_value = m->flows_ab ? m->va : m->vb;
  const ConcordValue *to_value = m->flows_ab ? m->vb : m->va;
  const ConcordValue *to_own = m->flows_ab ? m->own_b : m->own_a;
  gboolean from_changed = m->flows_ab ? m->changed_a : m->changed_b;

  /* Sets stay additive: every member of the source is on the
   * target, the source's removals apply, and members only the
   * target has are kept. */
  if (concord_planner_is_set (m->va) || concord_planner_is_set (m->vb) || concord_planner_is_set (m->base_a) || concord_planner_is_set (m->base_b))
    {
      gboolean has = concord_planner_merge_sets (from_value, to_value, m->flows_ab ? m->base_a : m->base_b,
                                                 NULL, m->labelled, TRUE, m->merged) != NULL;

      concord_planner_write_pair (planner, item, m->pair, m->space, to, to_own, has ? m->merged : NULL);
    }
  else if (from_changed || from_value != NULL)
    concord_planner_write_pair (planner, item, m->pair, m->space, to, to_own, from_value);
}

/* Both ways, with a baseline: a side that changed goes to the other, sets
 * merge three ways, and two changes that differ are a conflict. */
static void
merge_both_ways (ConcordPlanner      *planner,
                 ConcordPlanItem     *item,
                 const PairMerge     *m,
                 const gboolean       entered[2],
                 const ConcordRecord *ra,
                 const ConcordRecord *rb)
{
  const ConcordMappingPair *pair = m->pair;
  const ConcordValue *base_a = m->base_a;
  const ConcordValue *base_b = m->base_b;

  /* Sets merge three ways even when one side changed: after a run
   * that died half-way the two baselines may differ, and the members
   * each side added or removed since its own baseline all count. */
  if (concord_planner_is_set (m->va) || concord_planner_is_set (m->vb) || concord_planner_is_set (base_a) || concord_planner_is_set (base_b))
    {
      gboolean has;

      /* A set that just entered the scope offers all it holds, its
       * removals too: while it was out, what the other side (in
       * scope all along) changed was written to it, its own changes
       * were held back and its own baseline followed it, so they
       * show only against the other side's baseline. */
      if (entered[CONCORD_SIDE_A] && !entered[CONCORD_SIDE_B] && m->flows_ba)
        base_a = base_b;
      else if (entered[CONCORD_SIDE_B] && !entered[CONCORD_SIDE_A] && m->flows_ab)
        base_b = base_a;

      has = concord_planner_merge_sets (m->va, m->vb, base_a, base_b, m->labelled, FALSE, m->merged) != NULL;

      if (m->flows_ba)
        concord_planner_write_pair (planner, item, pair, m->space, CONCORD_SIDE_A, m->own_a, has ? m->merged : NULL);
      if (m->flows_ab)
        concord_planner_write_pair (planner, item, pair, m->space, CONCORD_SIDE_B, m->own_b, has ? m->merged : NULL);
    }
  else if (m->changed_a && !m->changed_b)
    {
      if (m->flows_ab)
        concord_planner_write_pair (planner, item, pair, m->space, CONCORD_SIDE_B, m->own_b, m->va);
    }
  else if (!m->changed_a && m->changed_b)
    {
      if (m->flows_ba)
        concord_planner_write_pair (planner, item, pair, m->space, CONCORD_SIDE_A, m->own_a, m->vb);
    }
  else
    {
      ConcordSide winner = concord_planner_decide_winner (planner, ra, rb);
      gboolean suppressed = concord_planner_suppressed_side (pair, m->own_a, m->own_b, &winner);

      concord_planner_add_conflict (item, pair->key_a, m->own_a, m->own_b, winner);
      if (suppressed)
        concord_planner_mark_suppressed (item);
      if (winner == CONCORD_SIDE_A && m->flows_ab)
        concord_planner_write_pair (planner, item, pair, m->space, CONCORD_SIDE_B, m->own_b, m->va);
      else if (winner == CONCORD_SIDE_B && m->flows_ba)
        concord_planner_write_pair (planner, item, pair, m->space, CONCORD_SIDE_A, m->own_a, m->vb);
    }
}

/* Merges one mapped pair of fields of an item: whether it may flow and
 * has anything to say, then the case that decides it. */
static void
merge_pair (ConcordPlanner           *planner,
            ConcordPlanItem          *item,
            const ConcordBaseline    *baseline,
            const ConcordMappingPair *pair,
            gboolean                  scope_ab,
            gboolean                  scope_ba,
            const gboolean            entered[2])
{
  const ConcordSyncConfig *config = planner->input->config;
  const ConcordRecord *ra = item->records[CONCORD_SIDE_A];
  const ConcordRecord *rb = item->records[CONCORD_SIDE_B];
  const ConcordRecord *view_a = item->views[CONCORD_SIDE_A];
  const ConcordRecord *view_b = item->views[CONCORD_SIDE_B];
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
  const ConcordValue *va, *vb = NULL;
  g_autoptr(GError) error = NULL;
  ConcordValue merged = { 0 };
  gboolean changed_a, changed_b;
  PairMerge m;

  if (!flows_ab && !flows_ba)
    return;

  if (concord_mapping_pair_agrees (pair, own_a, own_b))
    return;

  if (baseline != NULL && item->kind != CONCORD_PLAN_MATCH)
    {
      own_base_a = concord_record_get_quark (baseline->values[CONCORD_SIDE_A], pair->key_a);
      own_base_b = concord_record_get_quark (baseline->values[CONCORD_SIDE_B], pair->key_b);
    }

  if (!mask_altered (planner, item, pair, way_ab, way_ba, &own_a, own_base_a, &own_b, own_base_b))
    return;

  /* A record that just entered the scope offers all it holds. */
  changed_a = ra != NULL && (!concord_value_equal (own_a, own_base_a) || entered[CONCORD_SIDE_A]);
  changed_b = rb != NULL && (!concord_value_equal (own_b, own_base_b) || entered[CONCORD_SIDE_B]);
  /* Two set baselines that disagree: a run died half-way, and the
   * merge it planned is still owed to one side. */
  if (baseline != NULL && item->kind != CONCORD_PLAN_MATCH && !changed_a && !changed_b &&
      !((concord_planner_is_set (own_base_a) || concord_planner_is_set (own_base_b)) && ra != NULL && rb != NULL &&
        !concord_mapping_pair_agrees (pair, own_base_a, own_base_b)))
    return;

  va = concord_planner_bring (pair, space, CONCORD_SIDE_A, own_a, &slots[0], &error);
  if (error == NULL)
    vb = concord_planner_bring (pair, space, CONCORD_SIDE_B, own_b, &slots[1], &error);

  m = (PairMerge) {
    .pair = pair, .space = space, .labelled = labelled,
    .way_ab = way_ab, .way_ba = way_ba, .flows_ab = flows_ab, .flows_ba = flows_ba,
    .changed_a = changed_a, .changed_b = changed_b,
    .own_a = own_a, .own_b = own_b, .va = va, .vb = vb,
    .merged = &merged,
  };

  if (error != NULL)
    merge_unreadable (planner, item, baseline, &m, error);
  else
    {
      m.base_a = concord_planner_bring (pair, space, CONCORD_SIDE_A, own_base_a, &slots[2], NULL);
      m.base_b = concord_planner_bring (pair, space, CONCORD_SIDE_B, own_base_b, &slots[3], NULL);

      if (baseline == NULL || item->kind == CONCORD_PLAN_MATCH)
        merge_first_match (planner, item, &m, ra, rb);
      else if (way_ab != way_ba)
        merge_one_way (planner, item, &m);
      else
        merge_both_ways (planner, item, &m, entered, ra, rb);
    }

  concord_value_clear (&merged);
  for (guint k = 0; k < G_N_ELEMENTS (slots); k++)
    concord_value_clear (&slots[k]);
}

/* Three-way (or first-match) merge of one item, field by field.
 *
 * Each side's change is judged against its own baseline, in its own form.
 * Values are compared and merged in the form of one side (the side whose
 * field is a list, when only one is), and a write to the other side goes
 * through the pair's value map and conversion. A value that cannot be
 * converted leaves that field of that record alone, with a reason. */
void
concord_planner_merge_item (ConcordPlanner        *planner,
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
  item->scope[CONCORD_SIDE_A] = concord_planner_in_scope (planner, CONCORD_SIDE_A, view_a);
  item->scope[CONCORD_SIDE_B] = concord_planner_in_scope (planner, CONCORD_SIDE_B, view_b);
  for (guint s = 0; s < 2; s++)
    {
      /* A paired record the user chose to keep updating flowed all along:
       * matching again is no news, and not matching holds nothing back. */
      gboolean keep = item->kind == CONCORD_PLAN_LINKED && keeps_unmatched (config, s);

      item->kept[s] = keep && !item->scope[s];
      entered[s] = !keep && concord_planner_entered_scope (planner, s, item->ids[s], item->records[s]);
    }
  note_excluded (planner, item, CONCORD_SIDE_A);
  note_excluded (planner, item, CONCORD_SIDE_B);

  scope_ab = concord_direction_flows (config->direction, CONCORD_SIDE_A) && concord_planner_item_flows (item, CONCORD_SIDE_A);
  scope_ba = concord_direction_flows (config->direction, CONCORD_SIDE_B) && concord_planner_item_flows (item, CONCORD_SIDE_B);

  for (guint i = 0; i < n_pairs; i++)
    merge_pair (planner, item, baseline, concord_mapping_get_pair (config->mapping, i),
                scope_ab, scope_ba, entered);

  apply_update_actions (planner, item, baseline, CONCORD_SIDE_A);
  apply_update_actions (planner, item, baseline, CONCORD_SIDE_B);

  concord_planner_keep_primaries (planner, item, baseline, CONCORD_SIDE_A);
  concord_planner_keep_primaries (planner, item, baseline, CONCORD_SIDE_B);

  for (guint s = 0; s < 2; s++)
    if (item->set[s] != NULL || item->clear[s] != NULL)
      planner->plan->n_updates[s]++;

  if (item->conflicts != NULL)
    planner->plan->n_conflicts += item->conflicts->len;
}
