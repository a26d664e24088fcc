/* concord-mapping-field-row.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "concord-mapping-editor.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_MAPPING_FIELD_ROW (concord_mapping_field_row_get_type ())

G_DECLARE_FINAL_TYPE (ConcordMappingFieldRow, concord_mapping_field_row, CONCORD, MAPPING_FIELD_ROW, AdwActionRow)

GtkWidget  *concord_mapping_field_row_new         (ConcordMappingEditor   *editor,
                                                   ConcordSide             side,
                                                   const ConcordFieldSpec *spec);
ConcordSide concord_mapping_field_row_get_side    (ConcordMappingFieldRow *self);
const char *concord_mapping_field_row_get_key     (ConcordMappingFieldRow *self);
GtkWidget  *concord_mapping_field_row_get_control (ConcordMappingFieldRow *self,
                                                   const char             *focus_id);

G_END_DECLS
