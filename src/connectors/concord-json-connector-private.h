/* concord-json-connector-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "concord-json-connector.h"

G_BEGIN_DECLS

/* How the connector reads an answer, for the fuzz targets of tests/fuzz/:
 * no network, no main loop. @root is read as the custom field definitions
 * of @contact_type (they replace the connector's), as the contact types
 * list, as a page of records and as one record's echo; returns how many
 * records the page held. */
guint _concord_json_connector_read_answer (ConcordJsonConnector *self,
                                           const char           *contact_type,
                                           JsonNode             *root);

G_END_DECLS
