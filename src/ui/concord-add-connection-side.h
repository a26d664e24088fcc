/* concord-add-connection-side.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "concord-app-registry.h"
#include "concord-engine.h"
#include "concord-sandbox.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_ADD_CONNECTION_SIDE (concord_add_connection_side_get_type ())

G_DECLARE_FINAL_TYPE (ConcordAddConnectionSide, concord_add_connection_side,
                      CONCORD, ADD_CONNECTION_SIDE, GtkBox)

void                  concord_add_connection_side_set_engine     (ConcordAddConnectionSide *self,
                                                                  ConcordEngine            *engine);
gboolean              concord_add_connection_side_get_verified   (ConcordAddConnectionSide *self);
const ConcordAppInfo *concord_add_connection_side_get_app        (ConcordAddConnectionSide *self);
const char           *concord_add_connection_side_get_account_id (ConcordAddConnectionSide *self);
const char           *concord_add_connection_side_get_name       (ConcordAddConnectionSide *self);
GPtrArray            *concord_add_connection_side_get_types      (ConcordAddConnectionSide *self);
gboolean              concord_add_connection_side_same_account   (ConcordAddConnectionSide *self,
                                                                  ConcordAddConnectionSide *other);
void                  concord_add_connection_side_focus          (ConcordAddConnectionSide *self);
void                  concord_add_connection_side_discard_account (ConcordAddConnectionSide *self);
void                  concord_add_connection_side_set_sandbox    (ConcordAddConnectionSide *self,
                                                                  ConcordSandbox           *sandbox);
void                  concord_add_connection_side_choose_app     (ConcordAddConnectionSide *self,
                                                                  const char               *app_id);
void                  concord_add_connection_side_suggest_name   (ConcordAddConnectionSide *self,
                                                                  const char               *name);
void                  concord_add_connection_side_set_other      (ConcordAddConnectionSide *self,
                                                                  ConcordAddConnectionSide *other);
gboolean              concord_add_connection_side_get_reused     (ConcordAddConnectionSide *self);
void                  concord_add_connection_side_show_problem   (ConcordAddConnectionSide *self,
                                                                  const char               *text);

void                  concord_add_connection_scroll_to           (GtkWidget                *widget);

G_END_DECLS
