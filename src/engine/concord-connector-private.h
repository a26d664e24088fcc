/* concord-connector-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/*
 * What the connector interface's files share (concord-connector.c,
 * concord-connector-records.c).
 */

#include "concord-connector.h"

G_BEGIN_DECLS

/* Completes a call the connector does not implement with an error. */
void concord_connector_report_not_supported (ConcordConnector    *self,
                                             gpointer             source_tag,
                                             const char          *operation,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);

G_END_DECLS
