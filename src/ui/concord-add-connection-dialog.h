/* concord-add-connection-dialog.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "concord-engine.h"
#include "concord-sandbox.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_ADD_CONNECTION_DIALOG (concord_add_connection_dialog_get_type ())

G_DECLARE_FINAL_TYPE (ConcordAddConnectionDialog, concord_add_connection_dialog,
                      CONCORD, ADD_CONNECTION_DIALOG, AdwWindow)

GtkWidget *concord_add_connection_dialog_new         (GtkWindow                  *parent,
                                                      ConcordEngine              *engine);
void       concord_add_connection_dialog_set_sandbox (ConcordAddConnectionDialog *self,
                                                      ConcordSandbox             *sandbox);
void       concord_add_connection_dialog_set_sandbox_app (ConcordAddConnectionDialog *self,
                                                          ConcordSandbox             *sandbox,
                                                          const char                 *app_id);

G_END_DECLS
