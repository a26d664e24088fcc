/* concord-mapping-pair-row.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "concord-mapping-editor.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_MAPPING_PAIR_ROW (concord_mapping_pair_row_get_type ())

G_DECLARE_FINAL_TYPE (ConcordMappingPairRow, concord_mapping_pair_row, CONCORD, MAPPING_PAIR_ROW, GtkListBoxRow)

GtkWidget      *concord_mapping_pair_row_new            (ConcordMappingEditor     *editor,
                                                         const ConcordMappingPair *pair,
                                                         guint                     index,
                                                         gboolean                  automatic);
guint           concord_mapping_pair_row_get_index      (ConcordMappingPairRow    *self);
const char     *concord_mapping_pair_row_get_key_a      (ConcordMappingPairRow    *self);
GtkWidget      *concord_mapping_pair_row_get_control    (ConcordMappingPairRow    *self,
                                                         const char               *focus_id);
GtkCheckButton *concord_mapping_pair_row_get_flow_check (ConcordMappingPairRow    *self,
                                                         ConcordPairFlow           flow);

G_END_DECLS
