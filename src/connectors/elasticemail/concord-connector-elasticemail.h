/* concord-connector-elasticemail.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-rest-connector.h"

G_BEGIN_DECLS

#define CONCORD_ELASTICEMAIL_DEFAULT_BASE_URL "https://api.elasticemail.com/v4"

#define CONCORD_TYPE_CONNECTOR_ELASTICEMAIL (concord_connector_elasticemail_get_type ())

G_DECLARE_FINAL_TYPE (ConcordConnectorElasticEmail, concord_connector_elasticemail,
                      CONCORD, CONNECTOR_ELASTICEMAIL, ConcordRestConnector)

ConcordConnectorElasticEmail *concord_connector_elasticemail_new (const char *base_url,
                                                                  const char *api_key);


/* For tests: the first retry's delay (doubled for each further retry) and
 * the most pages the first schema load reads. The rest is the bases'
 * (concord_rest_connector_set_max_batch(), concord_http_client_*()). */
void     concord_connector_elasticemail_set_retry_base_ms (ConcordConnectorElasticEmail  *self,
                                                           guint                          base_ms);
void     concord_connector_elasticemail_set_max_schema_pages (ConcordConnectorElasticEmail *self,
                                                              guint                         n_pages);

G_END_DECLS
