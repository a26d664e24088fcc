/* concord-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "concord-application.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_WINDOW (concord_window_get_type ())

G_DECLARE_FINAL_TYPE (ConcordWindow, concord_window, CONCORD, WINDOW, AdwApplicationWindow)

ConcordWindow *concord_window_new         (ConcordApplication *application);
void           concord_window_add_toast   (ConcordWindow      *self,
                                           AdwToast           *toast);
void           concord_window_show_connection (ConcordWindow  *self,
                                           gint64              connection_id,
                                           const char         *section);

G_END_DECLS
