/* concord-connection-item.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "concord-engine.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_CONNECTION_ITEM (concord_connection_item_get_type ())

G_DECLARE_FINAL_TYPE (ConcordConnectionItem, concord_connection_item, CONCORD, CONNECTION_ITEM, GtkListBoxRow)

GtkWidget              *concord_connection_item_new       (ConcordEngine          *engine,
                                                          ConcordConnectionState *state);
ConcordConnectionState *concord_connection_item_get_state (ConcordConnectionItem   *self);

G_END_DECLS
