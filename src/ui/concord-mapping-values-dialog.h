/* concord-mapping-values-dialog.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "concord-mapping.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_MAPPING_VALUES_DIALOG (concord_mapping_values_dialog_get_type ())

G_DECLARE_FINAL_TYPE (ConcordMappingValuesDialog, concord_mapping_values_dialog, CONCORD, MAPPING_VALUES_DIALOG, AdwWindow)

GtkWidget *concord_mapping_values_dialog_new (ConcordMapping         *mapping,
                                              guint                   index,
                                              const ConcordFieldSpec *spec_a,
                                              const ConcordFieldSpec *spec_b,
                                              const char             *name_a,
                                              const char             *name_b);

G_END_DECLS
