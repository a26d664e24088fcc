/* concord-connector-elasticemail-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "concord-connector-elasticemail.h"

G_BEGIN_DECLS

/* What the connector does with the bytes of an answer, for the fuzz
 * targets of tests/fuzz/: no network, no main loop. */

JsonNode      *_concord_connector_elasticemail_parse_answer  (GBytes                       *body,
                                                              const char                   *label,
                                                              GError                      **error);
gboolean       _concord_connector_elasticemail_check_status  (guint                         status,
                                                              GBytes                       *body,
                                                              const char                   *label,
                                                              GError                      **error);
ConcordRecord *_concord_connector_elasticemail_parse_contact (ConcordConnectorElasticEmail *self,
                                                              JsonNode                     *node);

G_END_DECLS
