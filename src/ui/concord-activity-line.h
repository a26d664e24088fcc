/* concord-activity-line.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "concord-activity-model.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_ACTIVITY_LINE (concord_activity_line_get_type ())

G_DECLARE_FINAL_TYPE (ConcordActivityLine, concord_activity_line, CONCORD, ACTIVITY_LINE, GtkWidget)

GtkWidget           *concord_activity_line_new      (void);
void                 concord_activity_line_set_item (ConcordActivityLine *self,
                                                     ConcordActivityItem *item,
                                                     const char          *name_a,
                                                     const char          *name_b);
ConcordActivityItem *concord_activity_line_get_item (ConcordActivityLine *self);


G_END_DECLS
