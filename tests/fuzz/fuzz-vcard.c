/* fuzz-vcard.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The bytes of a .vcf stream, as the address books' connectors read them
 * (src/connectors/concord-vcard.c): every card concord_vcard_parse_many()
 * keeps is read into a record, the record applied back (what the card
 * reads may not change), then a change of several fields applied, and the
 * result must parse again as one card with the same UID and read as the
 * change says.
 */

#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "concord-fields.h"
#include "concord-vcard.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GPtrArray) cards = NULL;
  g_autoptr(ConcordRecord) change = concord_record_new (NULL);
  const char *emails[] = { "work\tfuzz@example.com", "gym\tother@example.org", NULL };
  const char *clear[] = { CONCORD_FIELD_NOTES, CONCORD_FIELD_PHONES, NULL };

  fuzz_init ();

  concord_record_set_text (change, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, "Zoë; \\ ,");
  concord_record_set_text (change, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, "fuzz@example.com");
  concord_record_set_set (change, CONCORD_FIELD_EMAILS, emails);
  concord_record_set_text (change, CONCORD_FIELD_JOB_TITLE, CONCORD_FIELD_TYPE_STRING,
                           "a title long enough to be folded, with ünïcödé, over seventy-five octets");
  concord_record_set_text (change, CONCORD_FIELD_MOBILE, CONCORD_FIELD_TYPE_PHONE, "07700 900123");

  cards = concord_vcard_parse_many ((const char *) data, size, errors);
  for (guint i = 0; i < errors->len; i++)
    g_assert (((GError *) g_ptr_array_index (errors, i))->message != NULL);

  for (guint i = 0; i < cards->len; i++)
    {
      ConcordVCard *card = g_ptr_array_index (cards, i);
      g_autoptr(ConcordRecord) record = concord_vcard_to_record (card, "r", "GB");
      g_autofree char *same = NULL;
      g_autofree char *after = NULL;
      g_autofree char *uid = g_strdup (concord_vcard_get_uid (card));
      g_autoptr(ConcordVCard) reread = NULL;
      g_autoptr(ConcordRecord) back = NULL;
      g_autoptr(GError) error = NULL;
      gsize length;

      /* Its own record changes nothing it reads. */
      g_assert (concord_vcard_apply (card, record, NULL, "GB", NULL));
      same = concord_vcard_to_string (card, NULL);
      {
        g_autoptr(ConcordVCard) again = concord_vcard_parse (same, -1, NULL);
        g_autoptr(ConcordRecord) again_record = NULL;

        g_assert (again != NULL);
        again_record = concord_vcard_to_record (again, "r", "GB");
        if (!concord_record_equal_fields (record, again_record))
          {
            g_autofree char *a = concord_record_to_json (record);
            g_autofree char *b = concord_record_to_json (again_record);
            g_printerr ("card:\n%s\nread: %s\nafter applying it: %s\n", same, a, b);
            g_assert_not_reached ();
          }
      }

      if (!concord_vcard_apply (card, change, clear, "GB", NULL))
        continue;
      after = concord_vcard_to_string (card, &length);
      g_assert (g_utf8_validate_len (after, length, NULL));

      reread = concord_vcard_parse (after, length, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (concord_vcard_get_uid (reread), ==, uid);
      back = concord_vcard_to_record (reread, "r", "GB");
      g_assert_cmpstr (concord_record_get_text (back, CONCORD_FIELD_JOB_TITLE), ==,
                       concord_record_get_text (change, CONCORD_FIELD_JOB_TITLE));
      g_assert_null (concord_record_get (back, CONCORD_FIELD_NOTES));
    }

  return 0;
}
