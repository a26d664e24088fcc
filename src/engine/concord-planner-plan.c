/* concord-planner-plan.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Planning: concord_planner_plan() and its phases (linked records,
 * unlinked ones and the creates they ask for, trips of the breaker), and
 * the plan freed and printed.
 */

#define G_LOG_DOMAIN "concord-planner"

#include "config.h"

#include <string.h>

#include "concord-fields.h"
#include "concord-planner-private.h"

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
add_skip (ConcordPlanner *planner,
          ConcordSide     side,
          const char     *remote_id,
          const char     *code,
          const char     *reason)
{
  ConcordPlanSkip *skip = g_new0 (ConcordPlanSkip, 1);

  skip->code = code;
  skip->side = side;
  skip->remote_id = g_strdup (remote_id);
  skip->reason = g_strdup (reason);
  g_ptr_array_add (planner->plan->skips, skip);
}

static void
report_ambiguous (ConcordPlanner *planner,
                  ConcordSide     side,
                  const char     *email,
                  const char     *remote_id)
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
void
concord_planner_refresh_emails (ConcordPlanner *planner)
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
          after = concord_planner_planned_record (item, s);

          before_keys = g_ptr_array_new ();
          after_keys = g_ptr_array_new ();
          concord_planner_keys_of (input, s, id, before_keys);
          concord_planner_record_email_keys (input, after, after_keys);

          for (guint k = 0; k < before_keys->len; k++)
            {
              const char *key = g_ptr_array_index (before_keys, k);

              if (!g_ptr_array_find_with_equal_func (after_keys, key, g_str_equal, NULL))
                concord_planner_remove_email (input, s, key, id);
            }
          concord_planner_add_emails (input, s, after_keys, id);
        }
    }
}

static void
plan_linked (ConcordPlanner *planner,
             ConcordSide     side,
             const char     *remote_id,
             ConcordRecord  *record,
             gint64          link_id,
             const char     *other_id)
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

  concord_planner_merge_item (planner, item, baseline);
  g_ptr_array_add (planner->plan->items, item);

  g_hash_table_add (planner->done[side], (gpointer) remote_id);
  g_hash_table_add (planner->done[other], (gpointer) other_id);
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
        concord_planner_add_action_note (item, CONCORD_SIDE_OTHER (side), concord_rule_get_action (rule, i), label);
    }
}

static void
plan_create (ConcordPlanner *planner,
             ConcordSide     side,
             const char     *remote_id,
             ConcordRecord  *record)
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
  if (!concord_planner_in_scope (planner, side, record))
    {
      g_autofree char *reason = concord_planner_left_out_reason (config, side, record);

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
      g_autoptr(ConcordRecord) check = concord_planner_build_create (config, side, record, problems);

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

/* The one contact of the other side the emails @keys of the record match.
 * Any email of the record may match any email of a contact of the other
 * side, but only one contact, itself matching no other: an email on two
 * contacts of a side, or a contact whose emails match two, is a guess, told
 * in @ambiguous_email and @ambiguous_side. */
static const char *
find_candidate (ConcordPlanner *planner,
                ConcordSide     side,
                const char     *remote_id,
                GPtrArray      *keys,
                const char    **ambiguous_email,
                ConcordSide    *ambiguous_side)
{
  ConcordPlanInput *input = planner->input;
  ConcordSide other = CONCORD_SIDE_OTHER (side);
  const char *candidate = NULL;

  for (guint i = 0; i < keys->len && *ambiguous_email == NULL; i++)
    {
      const char *key = g_ptr_array_index (keys, i);
      const char *own = g_hash_table_lookup (input->by_email[side], key);
      const char *found = g_hash_table_lookup (input->by_email[other], key);

      if (own == CONCORD_PLANNER_AMBIGUOUS)
        *ambiguous_email = key;
      else if (found == CONCORD_PLANNER_AMBIGUOUS || (found != NULL && candidate != NULL && !g_str_equal (found, candidate)))
        {
          *ambiguous_email = key;
          *ambiguous_side = other;
        }
      else if (found != NULL)
        candidate = found;
    }

  /* (A candidate with one email was found by it: nothing more to learn.) */
  if (*ambiguous_email == NULL && candidate != NULL &&
      (g_hash_table_lookup (input->changed[other], candidate) == NULL ||
       concord_record_get (g_hash_table_lookup (input->changed[other], candidate),
                           CONCORD_FIELD_EMAILS) != NULL))
    {
      g_autoptr(GPtrArray) theirs = g_ptr_array_new ();

      /* The candidate's own emails: none on another record of this side,
       * none shared with another record of its own side. */
      concord_planner_keys_of (input, other, candidate, theirs);
      for (guint i = 0; i < theirs->len && *ambiguous_email == NULL; i++)
        {
          const char *key = g_ptr_array_index (theirs, i);
          const char *mine = g_hash_table_lookup (input->by_email[side], key);

          if (mine != NULL && (mine == CONCORD_PLANNER_AMBIGUOUS || !g_str_equal (mine, remote_id)))
            *ambiguous_email = key;
          else if (g_hash_table_lookup (input->by_email[other], key) == CONCORD_PLANNER_AMBIGUOUS)
            {
              *ambiguous_email = key;
              *ambiguous_side = other;
            }
        }
    }

  return candidate;
}

/* An unlinked record whose emails match @candidate: a MATCH item binding
 * the two, unless the candidate is taken or cannot be read. */
static void
plan_match (ConcordPlanner *planner,
            ConcordSide     side,
            const char     *remote_id,
            ConcordRecord  *record,
            const char     *candidate)
{
  ConcordPlanInput *input = planner->input;
  ConcordSide other = CONCORD_SIDE_OTHER (side);
  gint64 candidate_link = concord_planner_linked_id (input, other, candidate);
  ConcordRecord *candidate_record;

  if (g_hash_table_contains (planner->done[other], candidate))
    {
      add_skip (planner, side, remote_id, CONCORD_SKIP_PAIRED,
                "the matching contact is already paired");
      return;
    }

  if (candidate_link != 0 && concord_planner_partner_id (input, other, candidate_link) != NULL)
    {
      add_skip (planner, side, remote_id, CONCORD_SKIP_PAIRED,
                "the matching contact is paired with another one");
      return;
    }

  candidate_record = concord_planner_current_record (input, other, candidate);
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
    concord_planner_merge_item (planner, item, NULL);
    g_ptr_array_add (planner->plan->items, item);

    g_hash_table_add (planner->done[side], (gpointer) remote_id);
    g_hash_table_add (planner->done[other], (gpointer) candidate);
  }
}

static void
plan_unlinked (ConcordPlanner *planner,
               ConcordSide     side,
               const char     *remote_id,
               ConcordRecord  *record)
{
  ConcordPlanInput *input = planner->input;
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  const char *email = NULL;
  const char *candidate = NULL;
  const char *ambiguous_email = NULL;
  ConcordSide ambiguous_side = side;

  concord_planner_record_email_keys (input, record, keys);
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

  candidate = find_candidate (planner, side, remote_id, keys, &ambiguous_email, &ambiguous_side);

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
      plan_match (planner, side, remote_id, record, candidate);
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
check_breaker (ConcordPlanner *planner)
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
  ConcordPlanner planner = { .input = input };
  gpointer *ids[2] = { NULL, NULL };
  guint n_ids[2] = { 0, 0 };
  ConcordPlan *plan;

  g_return_val_if_fail (input != NULL, NULL);
  g_return_val_if_fail (input->by_email[0] != NULL, NULL);

  plan = g_new0 (ConcordPlan, 1);
  plan->items = g_ptr_array_new_with_free_func (concord_planner_plan_item_free);
  plan->skips = g_ptr_array_new_with_free_func (concord_planner_plan_skip_free);
  plan->ambiguous = g_ptr_array_new_with_free_func (concord_planner_plan_ambiguous_free);
  plan->excluded = g_ptr_array_new_with_free_func (concord_planner_plan_skip_free);
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
        gint64 link_id = concord_planner_linked_id (input, s, g_ptr_array_index (input->vanished[s], i));

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
        concord_planner_refresh_emails (&planner);

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

              link_id = concord_planner_linked_id (input, s, remote_id);
              other_id = link_id != 0 ? concord_planner_partner_id (input, s, link_id) : NULL;

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
