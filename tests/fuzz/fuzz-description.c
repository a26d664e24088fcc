/* fuzz-description.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A connector description, as the registry reads one: refused with a place
 * and a reason ("<place>: <reason>"), or loaded; a loaded one either makes
 * a JSON connector for an account whose every field is filled (or says
 * why not) and fills its base URL without the secret in any message.
 */

#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "concord-description.h"
#include "concord-error.h"
#include "concord-json-connector.h"
#include "fuzz-common.h"

#define SECRET "fuzz-secret-us7"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(ConcordDescription) description = NULL;
  g_autoptr(ConcordJsonConnector) connector = NULL;
  g_autoptr(JsonObject) options = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  fuzz_init ();
  description = concord_description_load ((const char *) data, (gssize) size, &error);
  if (description == NULL)
    {
      /* Not JSON: the parser's words; JSON but not a description: where. */
      g_assert_nonnull (error);
      if (g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_INVALID))
        g_assert_nonnull (strstr (error->message, ": "));
      return 0;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (description->contact_types->len, >, 0);

  options = json_object_new ();
  for (guint i = 0; i < description->account->len; i++)
    {
      ConcordDescAccountField *field = g_ptr_array_index (description->account, i);

      if (field->kind != CONCORD_DESC_FIELD_SECRET)
        json_object_set_string_member (options, field->key, "x");
    }

  url = concord_description_base_url (description, options, SECRET, &error);
  if (url == NULL)
    g_assert_null (strstr (error->message, SECRET));
  g_clear_error (&error);

  json_object_set_string_member (options, "base_url", "http://127.0.0.1:9");
  connector = concord_json_connector_new (description, options, SECRET, &error);
  if (connector == NULL)
    {
      g_assert_nonnull (error);
      g_assert_null (strstr (error->message, SECRET));
    }
  return 0;
}
