/* concord-mapping-editor.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "concord-engine.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_MAPPING_EDITOR (concord_mapping_editor_get_type ())

G_DECLARE_FINAL_TYPE (ConcordMappingEditor, concord_mapping_editor, CONCORD, MAPPING_EDITOR, AdwBin)

GtkWidget *concord_mapping_editor_new       (void);
void       concord_mapping_editor_set_setup (ConcordMappingEditor   *self,
                                             ConcordConnectionSetup *setup,
                                             const char             *name_a,
                                             const char             *name_b);

G_END_DECLS
