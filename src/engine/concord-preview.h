/* concord-preview.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-planner.h"

G_BEGIN_DECLS

/**
 * ConcordPreviewKind:
 * @CONCORD_PREVIEW_CREATE: the contact is added to @target
 * @CONCORD_PREVIEW_UPDATE: the contact's fields change in @target
 * @CONCORD_PREVIEW_EXCLUDED: left out on purpose: the rules, the direction,
 *   or creating switched off
 * @CONCORD_PREVIEW_CANNOT_SYNC: left out because it cannot sync (no valid
 *   email, the email on several contacts, a value that does not convert)
 */
typedef enum
{
  CONCORD_PREVIEW_CREATE,
  CONCORD_PREVIEW_UPDATE,
  CONCORD_PREVIEW_EXCLUDED,
  CONCORD_PREVIEW_CANNOT_SYNC,
} ConcordPreviewKind;

/**
 * ConcordPreviewContact:
 * @target: the side written to, or that the contact would have gone to
 * @name: (nullable): the contact's name
 * @email: (nullable): its email address
 * @changes: (element-type ConcordFieldChange): the fields written in
 *   @target, with the stored form of their values (see
 *   concord_value_to_string()); empty for contacts left out
 * @reason: (nullable): why a contact is left out, in English
 *
 * What a dry run will do to one contact, for the review.
 */
typedef struct
{
  ConcordPreviewKind  kind;
  ConcordSide         target;
  char               *name;
  char               *email;
  GPtrArray          *changes;
  char               *reason;
} ConcordPreviewContact;

void       concord_preview_contact_free (ConcordPreviewContact   *contact);

GPtrArray *concord_preview_new          (const ConcordPlan       *plan,
                                         const ConcordPlanInput  *input,
                                         const ConcordSyncConfig *config,
                                         guint                    max_contacts,
                                         guint                   *n_excluded);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordPreviewContact, concord_preview_contact_free)

G_END_DECLS
