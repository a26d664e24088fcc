/* concord-connector-elasticemail-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "concord-connector-elasticemail.h"

G_BEGIN_DECLS

/* How the connector reads a contact, for the fuzz targets of tests/fuzz/:
 * no network, no main loop. Its answers are checked and parsed by the
 * client (concord_http_client_check_answer(), concord_http_parse_json()). */

ConcordRecord *_concord_connector_elasticemail_parse_contact (ConcordConnectorElasticEmail *self,
                                                              JsonNode                     *node);

G_END_DECLS
