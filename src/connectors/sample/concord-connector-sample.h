/* concord-connector-sample.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-file-connector.h"

G_BEGIN_DECLS

#define CONCORD_SAMPLE_CRM_APP_ID   "sample-crm"
#define CONCORD_SAMPLE_CRM_APP_NAME "Sample CRM"
/* The one key the Sample CRM accepts: it is a demo, and its key is shown
 * on the sandbox's page for the user to type in. */
#define CONCORD_SAMPLE_CRM_KEY      "sample-crm-sandbox"

/* Its contact types */
#define CONCORD_SAMPLE_CRM_PEOPLE   "people"
#define CONCORD_SAMPLE_CRM_LEADS    "leads"

/* Its custom fields */
#define CONCORD_SAMPLE_CRM_LIFECYCLE "custom:Lifecycle stage"
#define CONCORD_SAMPLE_CRM_DEALS_WON "custom:Deals won"

#define CONCORD_TYPE_CONNECTOR_SAMPLE (concord_connector_sample_get_type ())

G_DECLARE_FINAL_TYPE (ConcordConnectorSample, concord_connector_sample,
                      CONCORD, CONNECTOR_SAMPLE, ConcordFileConnector)

ConcordConnectorSample *concord_connector_sample_new           (const char              *path,
                                                                const char              *api_key);
const char             *concord_connector_sample_get_path      (ConcordConnectorSample  *self);


G_END_DECLS
