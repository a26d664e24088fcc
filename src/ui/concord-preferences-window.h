/* concord-preferences-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "concord-engine.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_PREFERENCES_WINDOW (concord_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (ConcordPreferencesWindow, concord_preferences_window,
                      CONCORD, PREFERENCES_WINDOW, AdwPreferencesWindow)

ConcordPreferencesWindow *concord_preferences_window_new        (GSettings                *settings);
void                      concord_preferences_window_set_engine (ConcordPreferencesWindow *self,
                                                                 ConcordEngine            *engine);

G_END_DECLS
