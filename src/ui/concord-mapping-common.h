/* concord-mapping-common.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "concord-fields.h"

G_BEGIN_DECLS

const char *concord_mapping_type_icon (ConcordFieldType type);
const char *concord_mapping_type_name (ConcordFieldType type);
const char *concord_mapping_type_noun (ConcordFieldType type);
const char *concord_mapping_field_label (const ConcordFieldSpec *spec);

void        concord_drop_down_set_searchable (GtkDropDown *dropdown);

G_END_DECLS
