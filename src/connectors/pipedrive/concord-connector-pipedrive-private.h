/* concord-connector-pipedrive-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "concord-connector-pipedrive.h"

G_BEGIN_DECLS

/* How the connector reads an answer, for the fuzz targets of tests/fuzz/:
 * no network, no main loop. @root is read as a page of /v1/personFields
 * (the fields it learns replace the connector's), then as a page of
 * persons; returns how many persons were read. */
guint _concord_connector_pipedrive_read_answer (ConcordConnectorPipedrive *self,
                                                JsonNode                  *root);

G_END_DECLS
