/* concord-connector-boxed.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The small boxed structs of the connector interface: pages, changes and
 * write results (see concord-connector.c).
 */

#define G_LOG_DOMAIN "concord-connector"

#include "config.h"

#include "concord-connector.h"

/* ------------------------------------------------------------------------- */
/* Boxed helpers                                                             */
/* ------------------------------------------------------------------------- */

/**
 * concord_contact_type_new:
 * @id: stable identifier, e.g. "contacts"
 * @label: what the user sees
 *
 * Returns: (transfer full): a new #ConcordContactType
 */
ConcordContactType *
concord_contact_type_new (const char *id,
                          const char *label)
{
  ConcordContactType *type;

  g_return_val_if_fail (id != NULL, NULL);

  type = g_new0 (ConcordContactType, 1);
  type->id = g_strdup (id);
  type->label = g_strdup (label != NULL ? label : id);

  return type;
}

void
concord_contact_type_free (ConcordContactType *type)
{
  if (type == NULL)
    return;

  g_free (type->id);
  g_free (type->label);
  g_free (type);
}

/**
 * concord_refusal_free:
 * @refusal: (nullable): a #ConcordRefusal
 */
void
concord_refusal_free (ConcordRefusal *refusal)
{
  if (refusal == NULL)
    return;

  g_free (refusal->id);
  g_free (refusal->reason);
  g_free (refusal);
}

/**
 * concord_page_new:
 *
 * Returns: (transfer full): an empty page whose @records array unrefs its
 *   records when freed, and whose @deleted array frees its ids
 */
ConcordPage *
concord_page_new (void)
{
  ConcordPage *page = g_new0 (ConcordPage, 1);

  page->records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  page->deleted = g_ptr_array_new_with_free_func (g_free);
  page->refused = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_refusal_free);

  return page;
}

/**
 * concord_page_add_refusal:
 * @page: a #ConcordPage
 * @id: what names the record in its app (see #ConcordRefusal)
 * @reason: why it could not be read, for people (no contact data)
 *
 * Notes a record of the page that could not be read: the engine shows it
 * in the activity and leaves it out, and the rest of the page syncs.
 */
void
concord_page_add_refusal (ConcordPage *page,
                          const char  *id,
                          const char  *reason)
{
  ConcordRefusal *refusal;

  g_return_if_fail (page != NULL && id != NULL && reason != NULL);

  refusal = g_new0 (ConcordRefusal, 1);
  refusal->id = g_strdup (id);
  refusal->reason = g_strdup (reason);
  if (page->refused == NULL)
    page->refused = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_refusal_free);
  g_ptr_array_add (page->refused, refusal);
}

void
concord_page_free (ConcordPage *page)
{
  if (page == NULL)
    return;

  g_clear_pointer (&page->records, g_ptr_array_unref);
  g_clear_pointer (&page->deleted, g_ptr_array_unref);
  g_clear_pointer (&page->refused, g_ptr_array_unref);
  g_free (page->next_page);
  g_free (page->cursor);
  g_free (page);
}

/**
 * concord_record_change_new:
 * @remote_id: the record to change
 * @set: (nullable): the fields to set; a reference is taken
 * @clear: (nullable) (array zero-terminated=1): keys of fields to empty;
 *   copied
 *
 * Returns: (transfer full): a new #ConcordRecordChange
 */
ConcordRecordChange *
concord_record_change_new (const char         *remote_id,
                           ConcordRecord      *set,
                           const char * const *clear)
{
  ConcordRecordChange *change;

  g_return_val_if_fail (remote_id != NULL, NULL);

  change = g_new0 (ConcordRecordChange, 1);
  change->remote_id = g_strdup (remote_id);
  change->set = set != NULL ? concord_record_ref (set) : NULL;
  change->clear = g_strdupv ((char **) clear);

  return change;
}

void
concord_record_change_free (ConcordRecordChange *change)
{
  if (change == NULL)
    return;

  g_free (change->remote_id);
  g_clear_pointer (&change->set, concord_record_unref);
  g_strfreev (change->clear);
  g_free (change);
}

/**
 * concord_write_result_new_ok:
 * @index: position of the input this result is for
 * @record: (nullable): the record as the app now holds it; a reference is
 *   taken (%NULL for a deletion)
 *
 * Returns: (transfer full): a successful #ConcordWriteResult
 */
ConcordWriteResult *
concord_write_result_new_ok (guint          index,
                             ConcordRecord *record)
{
  ConcordWriteResult *result = g_new0 (ConcordWriteResult, 1);

  result->index = index;
  result->record = record != NULL ? concord_record_ref (record) : NULL;

  return result;
}

/**
 * concord_write_result_new_error:
 * @index: position of the input this result is for
 * @error: (transfer full): why the write failed
 *
 * Returns: (transfer full): a failed #ConcordWriteResult
 */
ConcordWriteResult *
concord_write_result_new_error (guint   index,
                                GError *error)
{
  ConcordWriteResult *result;

  g_return_val_if_fail (error != NULL, NULL);

  result = g_new0 (ConcordWriteResult, 1);
  result->index = index;
  result->error = error;

  return result;
}

static void
field_refusal_free (gpointer data)
{
  ConcordFieldRefusal *refusal = data;

  g_free (refusal->key);
  g_free (refusal->reason);
  g_free (refusal);
}

/**
 * concord_write_result_add_refused:
 * @result: a successful #ConcordWriteResult
 * @key: the field of the change the app refused for good
 * @reason: why, for people (no contact data)
 *
 * Notes that the app took the change but for @key: the engine settles the
 * other fields and journals this one as skipped, without retrying it.
 */
void
concord_write_result_add_refused (ConcordWriteResult *result,
                                  const char         *key,
                                  const char         *reason)
{
  ConcordFieldRefusal *refusal;

  g_return_if_fail (result != NULL && result->error == NULL);
  g_return_if_fail (key != NULL && reason != NULL);

  refusal = g_new0 (ConcordFieldRefusal, 1);
  refusal->key = g_strdup (key);
  refusal->reason = g_strdup (reason);
  if (result->refused == NULL)
    result->refused = g_ptr_array_new_with_free_func (field_refusal_free);
  g_ptr_array_add (result->refused, refusal);
}

void
concord_write_result_free (ConcordWriteResult *result)
{
  if (result == NULL)
    return;

  g_clear_pointer (&result->record, concord_record_unref);
  g_clear_error (&result->error);
  g_clear_pointer (&result->refused, g_ptr_array_unref);
  g_free (result);
}
