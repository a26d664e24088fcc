/* concord-background.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

gboolean  concord_background_is_flatpak            (void);

char     *concord_background_get_autostart_path    (GApplication         *app);
gboolean  concord_background_get_autostart         (GApplication         *app);
gboolean  concord_background_set_autostart         (GApplication         *app,
                                                    gboolean              enable,
                                                    GError              **error);

void      concord_background_request_async         (GApplication         *app,
                                                    GtkWindow            *parent,
                                                    gboolean              autostart,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean  concord_background_request_finish        (GApplication         *app,
                                                    GAsyncResult         *result,
                                                    GError              **error);

void      concord_background_set_status            (GApplication         *app,
                                                    const char           *message);

G_END_DECLS
