/* fuzz-mailchimp-answer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The bytes of a Mailchimp answer, as the connector reads them: the error
 * body of a refusal (problem+json, through the client's check with the
 * connector's hook, for 400, 401, 403 and 404), then the bounded parse,
 * read as a page of merge fields (types, choices) and as a page of members
 * (their subscriber hashes, statuses, merge fields and tags).
 */

#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "concord-connector-mailchimp-private.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static ConcordConnectorMailchimp *connector;
  static const guint statuses[] = { 400, 401, 403, 404 };
  ConcordHttpClient *client;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_init ();
  if (connector == NULL)
    connector = concord_connector_mailchimp_new ("https://us6.api.mailchimp.invalid/3.0",
                                                 "fuzz-key-us6");

  client = concord_rest_connector_get_client (CONCORD_REST_CONNECTOR (connector));
  body = g_bytes_new (data, size);

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_assert_false (concord_http_client_check_answer (client, statuses[i], body,
                                                        "GET /lists/{id}/members", &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
    }

  root = concord_http_parse_json (body, "GET /lists/{id}/members",
                                  CONCORD_HTTP_DEFAULT_MAX_ANSWER_BYTES, &error);
  g_assert_true (root == NULL || error == NULL);
  if (root != NULL)
    _concord_connector_mailchimp_read_answer (connector, root);

  return 0;
}
