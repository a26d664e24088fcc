/* concord-activity-model.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "concord-engine-activity.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_ACTIVITY_ITEM (concord_activity_item_get_type ())

G_DECLARE_FINAL_TYPE (ConcordActivityItem, concord_activity_item, CONCORD, ACTIVITY_ITEM, GObject)

const ConcordActivityRow *concord_activity_item_get_row      (ConcordActivityItem *self);
guint                     concord_activity_item_get_position (ConcordActivityItem *self);

#define CONCORD_TYPE_ACTIVITY_MODEL (concord_activity_model_get_type ())

G_DECLARE_FINAL_TYPE (ConcordActivityModel, concord_activity_model, CONCORD, ACTIVITY_MODEL, GObject)

ConcordActivityModel *concord_activity_model_new            (ConcordEngine        *engine);
void                  concord_activity_model_set_query      (ConcordActivityModel *self,
                                                             gint64                connection_id,
                                                             const char           *search);
void                  concord_activity_model_reload         (ConcordActivityModel *self);
gboolean              concord_activity_model_is_loading     (ConcordActivityModel *self);
guint                 concord_activity_model_get_n_loaded   (ConcordActivityModel *self);

G_END_DECLS
