/* concord-mapping-candidate-row.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "concord-mapping-editor.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_MAPPING_CANDIDATE_ROW (concord_mapping_candidate_row_get_type ())

G_DECLARE_FINAL_TYPE (ConcordMappingCandidateRow, concord_mapping_candidate_row, CONCORD, MAPPING_CANDIDATE_ROW,
                      AdwActionRow)

GtkWidget  *concord_mapping_candidate_row_new           (ConcordSide                 side,
                                                         const char                 *key,
                                                         const ConcordFieldSpec     *candidate,
                                                         const char                 *subtitle,
                                                         gboolean                    ok);
ConcordSide concord_mapping_candidate_row_get_side      (ConcordMappingCandidateRow *self);
const char *concord_mapping_candidate_row_get_key       (ConcordMappingCandidateRow *self);
const char *concord_mapping_candidate_row_get_other_key (ConcordMappingCandidateRow *self);
const char *concord_mapping_candidate_row_get_haystack  (ConcordMappingCandidateRow *self);

G_END_DECLS
