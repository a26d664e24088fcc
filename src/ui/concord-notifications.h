/* concord-notifications.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "concord-engine.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_NOTIFICATIONS (concord_notifications_get_type ())

G_DECLARE_FINAL_TYPE (ConcordNotifications, concord_notifications, CONCORD, NOTIFICATIONS, GObject)

ConcordNotifications *concord_notifications_new (GApplication  *app,
                                                 ConcordEngine *engine);

G_END_DECLS
