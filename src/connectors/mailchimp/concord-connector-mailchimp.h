/* concord-connector-mailchimp.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-rest-connector.h"

G_BEGIN_DECLS

/* The Marketing API's origin for a data centre ("us6"). */
#define CONCORD_MAILCHIMP_BASE_URL_FORMAT "https://%s.api.mailchimp.com/3.0"

#define CONCORD_TYPE_CONNECTOR_MAILCHIMP (concord_connector_mailchimp_get_type ())

G_DECLARE_FINAL_TYPE (ConcordConnectorMailchimp, concord_connector_mailchimp,
                      CONCORD, CONNECTOR_MAILCHIMP, ConcordRestConnector)

ConcordConnectorMailchimp *concord_connector_mailchimp_new               (const char                *base_url,
                                                                          const char                *api_key);
char                      *concord_connector_mailchimp_data_center       (const char                *api_key,
                                                                          GError                   **error);
char                      *concord_connector_mailchimp_base_url_for      (const char                *api_key,
                                                                          GError                   **error);
char                      *concord_connector_mailchimp_subscriber_hash   (const char                *email);
const char                *concord_connector_mailchimp_status_to_canonical (const char              *status);
const char                *concord_connector_mailchimp_status_for_new    (const char                *canonical);
void                       concord_connector_mailchimp_set_retry_base_ms (ConcordConnectorMailchimp *self,
                                                                          guint                      base_ms);
void                       concord_connector_mailchimp_set_page_limit    (ConcordConnectorMailchimp *self,
                                                                          guint                      limit);

G_END_DECLS
