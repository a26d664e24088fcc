/* concord-status-icon.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "concord-engine.h"

G_BEGIN_DECLS

/**
 * ConcordStatusIconState:
 * @CONCORD_STATUS_ICON_IDLE: nothing running, nothing failing
 * @CONCORD_STATUS_ICON_SYNCING: a connection is syncing
 * @CONCORD_STATUS_ICON_FAILING: a connection's last run failed
 */
typedef enum
{
  CONCORD_STATUS_ICON_IDLE,
  CONCORD_STATUS_ICON_SYNCING,
  CONCORD_STATUS_ICON_FAILING,
} ConcordStatusIconState;

#define CONCORD_STATUS_ICON_OBJECT_PATH "/StatusNotifierItem"
#define CONCORD_STATUS_ICON_MENU_PATH "/StatusNotifierItem/Menu"

#define CONCORD_TYPE_STATUS_ICON (concord_status_icon_get_type ())

G_DECLARE_FINAL_TYPE (ConcordStatusIcon, concord_status_icon, CONCORD, STATUS_ICON, GObject)

ConcordStatusIcon     *concord_status_icon_new             (GApplication      *app,
                                                            ConcordEngine     *engine);
void                   concord_status_icon_set_enabled     (ConcordStatusIcon *self,
                                                            gboolean           enabled);
gboolean               concord_status_icon_get_enabled     (ConcordStatusIcon *self);
gboolean               concord_status_icon_get_registered  (ConcordStatusIcon *self);
ConcordStatusIconState concord_status_icon_get_state       (ConcordStatusIcon *self);
const char            *concord_status_icon_get_status_line (ConcordStatusIcon *self);
const char            *concord_status_icon_get_description (ConcordStatusIcon *self);

G_END_DECLS
