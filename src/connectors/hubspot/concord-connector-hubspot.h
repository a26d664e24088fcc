/* concord-connector-hubspot.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-rest-connector.h"

G_BEGIN_DECLS

#define CONCORD_HUBSPOT_DEFAULT_BASE_URL "https://api.hubapi.com"
#define CONCORD_HUBSPOT_CONTACTS         "contacts"

#define CONCORD_TYPE_CONNECTOR_HUBSPOT (concord_connector_hubspot_get_type ())

G_DECLARE_FINAL_TYPE (ConcordConnectorHubspot, concord_connector_hubspot,
                      CONCORD, CONNECTOR_HUBSPOT, ConcordRestConnector)

ConcordConnectorHubspot *concord_connector_hubspot_new               (const char              *base_url,
                                                                      const char              *token);
void                     concord_connector_hubspot_set_retry_base_ms (ConcordConnectorHubspot *self,
                                                                      guint                    base_ms);
void                     concord_connector_hubspot_set_page_limit    (ConcordConnectorHubspot *self,
                                                                      guint                    limit);
void                     concord_connector_hubspot_set_search_limit  (ConcordConnectorHubspot *self,
                                                                      guint                    limit,
                                                                      guint                    window);

G_END_DECLS
