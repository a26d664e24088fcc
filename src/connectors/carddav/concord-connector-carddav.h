/* concord-connector-carddav.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-connector.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_CONNECTOR_CARDDAV (concord_connector_carddav_get_type ())

G_DECLARE_FINAL_TYPE (ConcordConnectorCarddav, concord_connector_carddav,
                      CONCORD, CONNECTOR_CARDDAV, ConcordConnector)

ConcordConnectorCarddav *concord_connector_carddav_new (const char  *url,
                                                        const char  *username,
                                                        const char  *password,
                                                        const char  *region,
                                                        GError     **error);

G_END_DECLS
