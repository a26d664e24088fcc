/* fuzz-webdav.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The bytes of a CardDAV server's answer, as the connector reads them: a
 * 207 multistatus (discovery properties, sync-collection members and
 * tokens, multiget cards, whose text is read as a vCard into a record),
 * an error body's precondition (valid-sync-token, no-uid-conflict), and
 * the same bytes as an href to resolve against the request URL.
 */

#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "concord-vcard.h"
#include "concord-webdav.h"
#include "fuzz-common.h"

#define URL "https://dav.example.invalid/alice/book/"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(ConcordWebdavMultistatus) ms = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_init ();

  ms = concord_webdav_parse_multistatus ((const char *) data, size, URL, &error);
  g_assert_true ((ms == NULL) != (error == NULL));
  for (guint i = 0; ms != NULL && i < ms->responses->len; i++)
    {
      ConcordWebdavResponse *response = g_ptr_array_index (ms->responses, i);
      g_autoptr(ConcordVCard) card = NULL;
      g_autoptr(GError) card_error = NULL;

      g_assert_nonnull (response->href);
      g_assert_true (g_utf8_validate (response->href, -1, NULL));
      if (response->address_data == NULL)
        continue;
      g_assert_true (g_utf8_validate (response->address_data, -1, NULL));
      card = concord_vcard_parse (response->address_data, -1, &card_error);
      if (card != NULL)
        {
          g_autoptr(ConcordRecord) record = concord_vcard_to_record (card, response->href, "GB");

          g_assert_nonnull (record);
        }
    }

  (void) concord_webdav_is_precondition ((const char *) data, size, "valid-sync-token");

  if (size < 4096 && memchr (data, '\0', size) == NULL)
    {
      g_autofree char *text = g_strndup ((const char *) data, size);
      g_autofree char *path = concord_webdav_decode_path (text, URL);

      if (path != NULL)
        {
          g_autofree char *encoded = concord_webdav_encode_path (path);

          g_assert_true (path[0] == '/');
          g_assert_true (g_utf8_validate (path, -1, NULL));
          g_assert_nonnull (encoded);
        }
    }

  return 0;
}
