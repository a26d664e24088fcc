/* concord-preview.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A dry run's plan as the review shows it: one entry per contact and side
 * written to, with the contact's name and email and the fields that
 * change, then the contacts left out, told apart: on purpose (the rules,
 * the direction, creating switched off) or because they cannot sync.
 *
 * What is on purpose is decided from the configuration and the record,
 * not from the planner's wording: a contact of a side that does not flow,
 * towards a side where creating is off, or outside its direction's scope.
 */

#define G_LOG_DOMAIN "concord-preview"

#include "config.h"

#include "concord-fields.h"
#include "concord-preview.h"

void
concord_preview_contact_free (ConcordPreviewContact *contact)
{
  if (contact == NULL)
    return;

  g_free (contact->name);
  g_free (contact->email);
  g_clear_pointer (&contact->changes, g_ptr_array_unref);
  g_free (contact->reason);
  g_free (contact);
}

static ConcordPreviewContact *
contact_new (ConcordPreviewKind kind,
             ConcordSide        target)
{
  ConcordPreviewContact *contact = g_new0 (ConcordPreviewContact, 1);

  contact->kind = kind;
  contact->target = target;
  contact->changes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_change_free);
  return contact;
}

/* The name and email of the first record that has them. */
static void
identify (ConcordPreviewContact *contact,
          const ConcordRecord   *records[],
          guint                  n_records)
{
  for (guint i = 0; i < n_records; i++)
    {
      const char *first, *last;

      if (records[i] == NULL)
        continue;
      if (contact->email == NULL && concord_record_get_email (records[i]) != NULL)
        contact->email = g_strdup (concord_record_get_email (records[i]));
      first = concord_record_get_text (records[i], CONCORD_FIELD_FIRST_NAME);
      last = concord_record_get_text (records[i], CONCORD_FIELD_LAST_NAME);
      if (contact->name == NULL && (first != NULL || last != NULL))
        contact->name = g_strjoin (" ", first != NULL ? first : last, first != NULL ? last : NULL, NULL);
    }
}

static const ConcordRecord *
record_of (const ConcordPlanInput *input,
           ConcordSide             side,
           const char             *remote_id)
{
  const ConcordRecord *record = NULL;

  if (input == NULL || remote_id == NULL)
    return NULL;
  if (input->changed[side] != NULL)
    record = g_hash_table_lookup (input->changed[side], remote_id);
  if (record == NULL && input->extra[side] != NULL)
    record = g_hash_table_lookup (input->extra[side], remote_id);
  return record;
}

/* Whether a contact of @side was left out by the user's own choices. */
static gboolean
left_out_on_purpose (const ConcordSyncConfig *config,
                     const ConcordPlanSkip   *skip,
                     const ConcordRecord     *record)
{
  ConcordSide other = CONCORD_SIDE_OTHER (skip->side);

  if (skip->field != NULL)
    return FALSE;  /* a value that does not convert */
  if (!concord_direction_flows (config->direction, skip->side) || !config->may_create[other])
    return TRUE;
  return record != NULL && !concord_plan_in_scope (config, skip->side, record);
}

/**
 * concord_preview_new:
 * @max_contacts: how many contacts to describe at most
 * @n_excluded: (out) (optional): how many contacts of the plan's skips are
 *   left out on purpose; the others cannot sync
 *
 * Returns: (transfer full) (element-type ConcordPreviewContact): the
 *   plan's writes per contact, then the contacts left out
 */
GPtrArray *
concord_preview_new (const ConcordPlan       *plan,
                     const ConcordPlanInput  *input,
                     const ConcordSyncConfig *config,
                     guint                    max_contacts,
                     guint                   *n_excluded)
{
  GPtrArray *contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_preview_contact_free);
  guint excluded = 0;

  g_return_val_if_fail (plan != NULL, contacts);
  g_return_val_if_fail (config != NULL, contacts);

  for (guint i = 0; i < plan->items->len && contacts->len < max_contacts; i++)
    {
      const ConcordPlanItem *item = g_ptr_array_index (plan->items, i);

      for (guint s = 0; s < 2 && contacts->len < max_contacts; s++)
        {
          const ConcordRecord *records[4] = {
            item->records[0] != NULL ? item->records[0] : item->views[0],
            item->records[1] != NULL ? item->records[1] : item->views[1],
            item->set[0], item->set[1],
          };
          ConcordPreviewContact *contact;

          if (!concord_plan_item_writes (item, s))
            continue;

          if (item->kind == CONCORD_PLAN_CREATE)
            {
              g_autoptr(ConcordRecord) values = concord_plan_item_build_create (item, config);

              contact = contact_new (CONCORD_PREVIEW_CREATE, s);
              for (guint f = 0; values != NULL && f < concord_record_get_n_fields (values); f++)
                {
                  ConcordFieldChange *change = g_new0 (ConcordFieldChange, 1);
                  const char *key;
                  const ConcordValue *value = concord_record_get_field_at (values, f, &key);

                  change->field = g_strdup (key);
                  change->after = concord_value_to_string (value);
                  g_ptr_array_add (contact->changes, change);
                }
              records[2] = values;
              identify (contact, records, G_N_ELEMENTS (records));
            }
          else
            {
              g_autoptr(GPtrArray) changes = concord_plan_item_get_changes (item, s);

              contact = contact_new (CONCORD_PREVIEW_UPDATE, s);
              g_ptr_array_extend_and_steal (contact->changes, g_steal_pointer (&changes));
              identify (contact, records, G_N_ELEMENTS (records));
            }
          g_ptr_array_add (contacts, contact);
        }
    }

  for (guint i = 0; i < plan->skips->len; i++)
    {
      const ConcordPlanSkip *skip = g_ptr_array_index (plan->skips, i);
      const ConcordRecord *record = record_of (input, skip->side, skip->remote_id);
      gboolean on_purpose = left_out_on_purpose (config, skip, record);
      ConcordPreviewContact *contact;

      if (on_purpose)
        excluded++;
      if (contacts->len >= max_contacts)
        continue;

      contact = contact_new (on_purpose ? CONCORD_PREVIEW_EXCLUDED : CONCORD_PREVIEW_CANNOT_SYNC,
                             CONCORD_SIDE_OTHER (skip->side));
      contact->reason = g_strdup (skip->reason);
      identify (contact, &record, 1);
      if (contact->email == NULL && input != NULL && input->index[skip->side] != NULL)
        {
          const ConcordIndexEntry *entry = g_hash_table_lookup (input->index[skip->side], skip->remote_id);

          if (entry != NULL)
            contact->email = concord_email_keys_first (entry->email_norm);
        }
      g_ptr_array_add (contacts, contact);
    }

  if (n_excluded != NULL)
    *n_excluded = excluded;
  return contacts;
}
