/* concord-health-view.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "concord-engine.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_HEALTH_VIEW (concord_health_view_get_type ())

G_DECLARE_FINAL_TYPE (ConcordHealthView, concord_health_view, CONCORD, HEALTH_VIEW, GtkWidget)

GtkWidget *concord_health_view_new            (ConcordEngine     *engine);
void       concord_health_view_set_connection (ConcordHealthView *self,
                                               gint64             connection_id);
void       concord_health_view_refresh        (ConcordHealthView *self);
gboolean   concord_health_view_is_loading     (ConcordHealthView *self);
void       concord_health_view_add_group      (ConcordHealthView   *self,
                                               AdwPreferencesGroup *group);

G_END_DECLS
