/* concord-connector-pipedrive.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-rest-connector.h"

G_BEGIN_DECLS

#define CONCORD_PIPEDRIVE_DEFAULT_BASE_URL "https://api.pipedrive.com"
#define CONCORD_PIPEDRIVE_PERSONS          "persons"

#define CONCORD_TYPE_CONNECTOR_PIPEDRIVE (concord_connector_pipedrive_get_type ())

G_DECLARE_FINAL_TYPE (ConcordConnectorPipedrive, concord_connector_pipedrive,
                      CONCORD, CONNECTOR_PIPEDRIVE, ConcordRestConnector)

ConcordConnectorPipedrive *concord_connector_pipedrive_new              (const char                *base_url,
                                                                         const char                *api_token);
char                      *concord_connector_pipedrive_base_url_for     (const char                *company_domain,
                                                                         GError                   **error);
void                       concord_connector_pipedrive_set_retry_base_ms (ConcordConnectorPipedrive *self,
                                                                         guint                      base_ms);
void                       concord_connector_pipedrive_set_page_limit   (ConcordConnectorPipedrive *self,
                                                                         guint                      limit);

G_END_DECLS
