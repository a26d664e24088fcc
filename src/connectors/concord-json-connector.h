/* concord-json-connector.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-description.h"
#include "concord-rest-connector.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_JSON_CONNECTOR (concord_json_connector_get_type ())

G_DECLARE_FINAL_TYPE (ConcordJsonConnector, concord_json_connector, CONCORD, JSON_CONNECTOR,
                      ConcordRestConnector)

ConcordJsonConnector *concord_json_connector_new           (ConcordDescription   *description,
                                                            JsonObject           *options,
                                                            const char           *secret,
                                                            GError              **error);
ConcordDescription   *concord_json_connector_get_description (ConcordJsonConnector *self);
void                  concord_json_connector_set_retry_base_ms (ConcordJsonConnector *self,
                                                                guint                 base_ms);
void                  concord_json_connector_set_page_size (ConcordJsonConnector *self,
                                                            guint                 page_size);

G_END_DECLS
