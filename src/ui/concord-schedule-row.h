/* concord-schedule-row.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "concord-engine.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_SCHEDULE_ROW (concord_schedule_row_get_type ())

G_DECLARE_FINAL_TYPE (ConcordScheduleRow, concord_schedule_row, CONCORD, SCHEDULE_ROW, AdwPreferencesGroup)

GtkWidget *concord_schedule_row_new       (ConcordEngine          *engine);
void       concord_schedule_row_set_state (ConcordScheduleRow     *self,
                                           ConcordConnectionState *state);

char      *concord_schedule_describe      (guint                   seconds);

G_END_DECLS
