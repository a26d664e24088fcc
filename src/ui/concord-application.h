/* concord-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "concord-engine.h"
#include "concord-notifications.h"
#include "concord-sandbox.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_APPLICATION (concord_application_get_type ())

G_DECLARE_FINAL_TYPE (ConcordApplication, concord_application, CONCORD, APPLICATION, AdwApplication)

ConcordApplication *concord_application_new          (const char         *application_id,
                                                      GApplicationFlags   flags);
GSettings          *concord_application_get_settings (ConcordApplication *self);
ConcordEngine      *concord_application_get_engine   (ConcordApplication *self);
ConcordNotifications *concord_application_get_notifications (ConcordApplication *self);
void                concord_application_start_sandbox_async  (ConcordApplication  *self,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
void                concord_application_start_sandbox_app_async (ConcordApplication  *self,
                                                                 const char          *app_id,
                                                                 GCancellable        *cancellable,
                                                                 GAsyncReadyCallback  callback,
                                                                 gpointer             user_data);
gboolean            concord_application_is_sample_account (ConcordApplication *self,
                                                           const char         *app_id,
                                                           const char         *options_json);
ConcordSandbox     *concord_application_start_sandbox_finish (ConcordApplication  *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);
void                concord_application_remove_sandbox_async (ConcordApplication  *self,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean            concord_application_remove_sandbox_finish (ConcordApplication *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

G_END_DECLS
