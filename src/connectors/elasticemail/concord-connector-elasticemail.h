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


void     concord_connector_elasticemail_declare_custom_fields (ConcordConnectorElasticEmail *self,
                                                               const char                   *names);

/* For tests: the first retry's delay (doubled for each further retry), the
 * number of contacts per POST /contacts (the API allows 1000) and the most
 * a listing waits on retries. */
void     concord_connector_elasticemail_set_retry_base_ms (ConcordConnectorElasticEmail  *self,
                                                           guint                          base_ms);
void     concord_connector_elasticemail_set_max_schema_pages (ConcordConnectorElasticEmail *self,
                                                              guint                         n_pages);
void     concord_connector_elasticemail_set_request_batch (ConcordConnectorElasticEmail  *self,
                                                           guint                          n_contacts);
void     concord_connector_elasticemail_set_retry_budget_ms (ConcordConnectorElasticEmail *self,
                                                             guint                         budget_ms);

G_END_DECLS
