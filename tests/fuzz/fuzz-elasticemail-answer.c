/* fuzz-elasticemail-answer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The bytes of an Elastic Email answer, as the connector reads them: the
 * error body of a refusal (the client's check, with the connector's hook,
 * for 400 and 412), then the page:
 * the bounded parse and every contact parsed from it.
 */

#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "concord-connector-elasticemail-private.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static ConcordConnectorElasticEmail *connector;
  ConcordHttpClient *client;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_init ();
  if (connector == NULL)
    connector = concord_connector_elasticemail_new ("https://api.elasticemail.invalid/v4",
                                                    "fuzz-key");

  client = concord_rest_connector_get_client (CONCORD_REST_CONNECTOR (connector));
  body = g_bytes_new (data, size);

  g_assert_false (concord_http_client_check_answer (client, 400, body, "GET /contacts", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (concord_http_client_check_answer (client, 412, body, "GET /contacts", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  root = concord_http_parse_json (body, "GET /contacts", CONCORD_HTTP_DEFAULT_MAX_ANSWER_BYTES,
                                  &error);
  g_assert_true (root == NULL || error == NULL);
  if (root != NULL && JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          ConcordRecord *record = _concord_connector_elasticemail_parse_contact (
            connector, json_array_get_element (array, i));

          if (record != NULL)
            {
              g_assert_nonnull (concord_record_get_remote_id (record));
              concord_record_unref (record);
            }
        }
    }

  return 0;
}
