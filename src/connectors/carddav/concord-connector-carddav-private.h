/* concord-connector-carddav-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-connector-carddav.h"

G_BEGIN_DECLS

/* For the tests: how many requests with this label ("REPORT sync-collection",
 * "REPORT addressbook-multiget", "PUT", "DELETE", "PROPFIND", "GET") the
 * connector sent since it was made. */
guint _concord_connector_carddav_count_requests (ConcordConnectorCarddav *self,
                                                 const char              *label);
/* For the tests: the retry base of the HTTP client, in milliseconds. */
void  _concord_connector_carddav_set_retry_base_ms (ConcordConnectorCarddav *self,
                                                    guint                    base_ms);
/* For the tests: cards per addressbook-multiget (1..100). */
/* For the tests: the largest answer the HTTP client takes. */
void  _concord_connector_carddav_set_max_answer_bytes (ConcordConnectorCarddav *self,
                                                      gsize                    max_bytes);
void  _concord_connector_carddav_set_multiget_size (ConcordConnectorCarddav *self,
                                                    guint                    size);
/* For the tests: the HTTP client's whole-answer deadline. */
void  _concord_connector_carddav_set_deadline_ms (ConcordConnectorCarddav *self,
                                                  guint                    deadline_ms);

G_END_DECLS
