/* fuzz-described-answer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The bytes of an answer to an app made from a connector description, as
 * ConcordJsonConnector reads them, for every shipped description: the
 * error body of a refusal (the description's message paths, for 400, 401,
 * 422 and 429), then the bounded parse, read as custom field definitions,
 * as a page of records and as a record's echo.
 */

#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "concord-app-registry.h"
#include "concord-json-connector-private.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static GPtrArray *connectors;
  static const guint statuses[] = { 400, 401, 422, 429 };
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_init ();
  if (connectors == NULL)
    {
      const ConcordAppInfo **apps;
      guint n_apps;

      connectors = g_ptr_array_new ();
      apps = concord_app_registry_list (&n_apps);
      for (guint i = 0; i < n_apps; i++)
        {
          ConcordDescription *description = concord_app_registry_get_description (apps[i]->id);
          g_autoptr(JsonObject) options = json_object_new ();
          ConcordJsonConnector *connector;

          if (description == NULL)
            continue;
          for (guint f = 0; f < description->account->len; f++)
            json_object_set_string_member (options,
                                           ((ConcordDescAccountField *)
                                            g_ptr_array_index (description->account, f))->key,
                                           "fuzz");
          json_object_set_string_member (options, "base_url", "https://api.described.invalid");
          connector = concord_json_connector_new (description, options, "fuzz-key-us1", NULL);
          g_assert_nonnull (connector);
          g_ptr_array_add (connectors, connector);
        }
      g_assert_cmpuint (connectors->len, >, 0);
    }

  body = g_bytes_new (data, size);
  root = concord_http_parse_json (body, "POST /search", CONCORD_HTTP_DEFAULT_MAX_ANSWER_BYTES,
                                  &error);
  g_assert_true (root == NULL || error == NULL);
  g_clear_error (&error);

  for (guint c = 0; c < connectors->len; c++)
    {
      ConcordJsonConnector *connector = g_ptr_array_index (connectors, c);
      ConcordHttpClient *client = concord_rest_connector_get_client (CONCORD_REST_CONNECTOR (connector));
      ConcordDescription *description = concord_json_connector_get_description (connector);
      const ConcordDescContactType *type = g_ptr_array_index (description->contact_types, 0);

      for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
        {
          g_assert_false (concord_http_client_check_answer (client, statuses[i], body,
                                                            "POST /search", &error));
          g_assert_nonnull (error);
          g_assert_null (strstr (error->message, "fuzz-key-us1"));
          g_clear_error (&error);
        }
      if (root != NULL)
        _concord_json_connector_read_answer (connector, type->id != NULL ? type->id : "list",
                                             root);
    }
  return 0;
}
