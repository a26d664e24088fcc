/* concord-connector-hubspot-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "concord-connector-hubspot.h"

G_BEGIN_DECLS

/* How the connector reads an answer, for the fuzz targets of tests/fuzz/:
 * no network, no main loop. @root is read as an answer of
 * /crm/v3/properties/contacts (the properties it learns replace the
 * connector's), then as a page of contacts, then as a batch answer;
 * returns how many contacts were read. */
guint _concord_connector_hubspot_read_answer (ConcordConnectorHubspot *self,
                                              JsonNode                *root);

G_END_DECLS
