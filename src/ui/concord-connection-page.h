/* concord-connection-page.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "concord-engine.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_CONNECTION_PAGE (concord_connection_page_get_type ())

G_DECLARE_FINAL_TYPE (ConcordConnectionPage, concord_connection_page, CONCORD, CONNECTION_PAGE, AdwBin)

GtkWidget              *concord_connection_page_new          (ConcordEngine          *engine);
void                    concord_connection_page_set_state    (ConcordConnectionPage  *self,
                                                              ConcordConnectionState *state);
ConcordConnectionState *concord_connection_page_get_state    (ConcordConnectionPage  *self);
void                    concord_connection_page_show_section (ConcordConnectionPage  *self,
                                                              const char             *name);
gboolean                concord_connection_page_get_dirty    (ConcordConnectionPage  *self);
void                    concord_connection_page_save         (ConcordConnectionPage  *self);
void                    concord_connection_page_discard      (ConcordConnectionPage  *self);

G_END_DECLS
