/* concord-connector-mailchimp-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "concord-connector-mailchimp.h"

G_BEGIN_DECLS

/* How the connector reads an answer, for the fuzz targets of tests/fuzz/:
 * no network, no main loop. @root is read as a page of merge fields (the
 * fields it learns replace the connector's), then as a page of members;
 * returns how many members were read. */
guint _concord_connector_mailchimp_read_answer (ConcordConnectorMailchimp *self,
                                                JsonNode                  *root);

G_END_DECLS
