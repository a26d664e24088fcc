/* concord-planner-items.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The record a CREATE item makes, and what the accessors of a plan item
 * report: its changes and the sides it writes to.
 */

#define G_LOG_DOMAIN "concord-planner"

#include "config.h"

#include <string.h>

#include "concord-fields.h"
#include "concord-planner-private.h"

/* The record a CREATE item makes on the other side: the mapped fields of
 * the source that flow that way, in the target's form, then the actions of
 * the source's rule. With @skips, a value that cannot be converted is
 * reported there (it is left out either way). */
ConcordRecord *
concord_planner_build_create (const ConcordSyncConfig *config,
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

  return concord_planner_build_create (config, item->source, item->records[item->source], NULL);
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
      change->before = view != NULL ? concord_planner_value_text (concord_record_get (view, key)) : NULL;
      change->after = concord_planner_value_text (after);
      g_ptr_array_add (changes, change);
    }

  for (guint i = 0; item->clear[side] != NULL && i < item->clear[side]->len; i++)
    {
      ConcordFieldChange *change = g_new0 (ConcordFieldChange, 1);
      const char *key = g_ptr_array_index (item->clear[side], i);

      change->field = g_strdup (key);
      change->before = view != NULL ? concord_planner_value_text (concord_record_get (view, key)) : NULL;
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
