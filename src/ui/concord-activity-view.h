/* concord-activity-view.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "concord-engine.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_ACTIVITY_VIEW (concord_activity_view_get_type ())

G_DECLARE_FINAL_TYPE (ConcordActivityView, concord_activity_view, CONCORD, ACTIVITY_VIEW, GtkWidget)

GtkWidget  *concord_activity_view_new            (ConcordEngine       *engine);
void        concord_activity_view_set_connection (ConcordActivityView *self,
                                                  gint64               connection_id);
GListModel *concord_activity_view_get_model      (ConcordActivityView *self);

G_END_DECLS
