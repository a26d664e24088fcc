/* fuzz-pipedrive-answer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The bytes of a Pipedrive answer, as the connector reads them: the error
 * body of a refusal (the client's check, with the connector's hook, for
 * 400, 401 and 403: Cloudflare's HTML page among them), then the bounded
 * parse, read as a page of person fields (custom fields, options, labels)
 * and as a page of persons.
 */

#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "concord-connector-pipedrive-private.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static ConcordConnectorPipedrive *connector;
  static const guint statuses[] = { 400, 401, 403 };
  ConcordHttpClient *client;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_init ();
  if (connector == NULL)
    connector = concord_connector_pipedrive_new ("https://api.pipedrive.invalid", "fuzz-token");

  client = concord_rest_connector_get_client (CONCORD_REST_CONNECTOR (connector));
  body = g_bytes_new (data, size);

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_assert_false (concord_http_client_check_answer (client, statuses[i], body,
                                                        "GET /api/v2/persons", &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
    }

  root = concord_http_parse_json (body, "GET /api/v2/persons", CONCORD_HTTP_DEFAULT_MAX_ANSWER_BYTES,
                                  &error);
  g_assert_true (root == NULL || error == NULL);
  if (root != NULL)
    _concord_connector_pipedrive_read_answer (connector, root);

  return 0;
}
