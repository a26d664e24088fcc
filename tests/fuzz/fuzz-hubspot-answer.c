/* fuzz-hubspot-answer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The bytes of a HubSpot answer, as the connector reads them: the error
 * body of a refusal (the client's check, with the connector's hook, for
 * 400, 401, 403 and 409), then the bounded parse, read as the properties
 * answer (custom properties, options, read-only flags), as a page of
 * contacts and as a batch answer's errors (categories, the existing id of
 * a 409, objectWriteTraceId).
 */

#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "concord-connector-hubspot-private.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static ConcordConnectorHubspot *connector;
  static const guint statuses[] = { 400, 401, 403, 409 };
  ConcordHttpClient *client;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_init ();
  if (connector == NULL)
    connector = concord_connector_hubspot_new ("https://api.hubapi.invalid", "fuzz-token");

  client = concord_rest_connector_get_client (CONCORD_REST_CONNECTOR (connector));
  body = g_bytes_new (data, size);

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_assert_false (concord_http_client_check_answer (client, statuses[i], body,
                                                        "POST /crm/v3/objects/contacts/batch/create",
                                                        &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
    }

  root = concord_http_parse_json (body, "GET /crm/v3/objects/contacts",
                                  CONCORD_HTTP_DEFAULT_MAX_ANSWER_BYTES, &error);
  g_assert_true (root == NULL || error == NULL);
  if (root != NULL)
    _concord_connector_hubspot_read_answer (connector, root);

  return 0;
}
