/* test-multi-valued.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Several emails, phones and addresses: the labelled-item helpers of
 * concord-fields.h (with hostile input), the labelled sets of a record, and
 * concord_record_normalize_multi(), which keeps the primary ("email") and
 * the set ("emails") in step. Matching and merging through whole runs are
 * in test-sync.c.
 */

#include "config.h"

#include <locale.h>
#include <string.h>

#include "concord-fields.h"
#include "concord-mapping.h"
#include "concord-record.h"
#include "concord-test-utils.h"

static void
assert_parse (const char *item,
              const char *label,
              const char *value)
{
  g_autofree char *got_label = NULL;
  g_autofree char *got_value = NULL;

  g_assert_true (concord_labelled_parse (item, &got_label, &got_value));
  g_assert_cmpstr (got_label, ==, label);
  g_assert_cmpstr (got_value, ==, value);
}

static void
test_format_parse (void)
{
  g_autofree char *item = NULL;
  g_autofree char *label = NULL;
  g_autofree char *value = NULL;

  item = concord_labelled_format ("Work", " ann@example.com ");
  g_assert_cmpstr (item, ==, "work\tann@example.com");
  assert_parse (item, "work", "ann@example.com");

  /* No label, or a blank one, is "other"; a member without a tab too. */
  g_clear_pointer (&item, g_free);
  item = concord_labelled_format (NULL, "ann@example.com");
  g_assert_cmpstr (item, ==, "other\tann@example.com");
  assert_parse ("ann@example.com", "other", "ann@example.com");
  assert_parse (" \tann@example.com", "other", "ann@example.com");

  /* Free labels are kept as written. */
  assert_parse ("Assistant\t+1555", "Assistant", "+1555");

  /* No value, no member. */
  g_assert_null (concord_labelled_format ("work", "  "));
  g_assert_null (concord_labelled_format ("work", NULL));
  g_assert_false (concord_labelled_parse ("work\t", &label, &value));
  g_assert_null (label);
  g_assert_null (value);
  g_assert_false (concord_labelled_parse (NULL, NULL, NULL));
}

static void
test_hostile (void)
{
  g_autofree char *item = NULL;
  g_autofree char *label = NULL;
  g_autofree char *value = NULL;
  g_autofree char *huge_label = NULL;
  g_autofree char *huge_value = NULL;
  GString *big;

  /* Tabs and line breaks in a label or a value never make a second
   * field or a second line. */
  item = concord_labelled_format ("wo\trk\nplace", "ann\t@exa\nmple.com\r");
  g_assert_true (concord_labelled_parse (item, &label, &value));
  g_assert_null (strchr (label, '\t'));
  g_assert_null (strchr (label, '\n'));
  g_assert_null (strchr (value, '\t'));
  g_assert_null (strchr (value, '\n'));
  g_assert_null (strchr (value, '\r'));
  g_assert_cmpstr (label, ==, "wo rk place");
  g_assert_cmpuint (strlen (item) - strlen (value) - 1, ==, strlen (label));
  g_clear_pointer (&label, g_free);
  g_clear_pointer (&value, g_free);

  /* A second tab in a member belongs to the value, as a space. */
  assert_parse ("home\tann\t@example.com", "home", "ann @example.com");

  /* Broken bytes are repaired, never passed on. */
  g_clear_pointer (&item, g_free);
  item = concord_labelled_format ("h\xffme", "caf\xe9@example.com");
  g_assert_true (g_utf8_validate (item, -1, NULL));
  g_assert_true (concord_labelled_parse ("w\xc3rk\tx\xff@example.com", &label, &value));
  g_assert_true (g_utf8_validate (label, -1, NULL));
  g_assert_true (g_utf8_validate (value, -1, NULL));
  g_clear_pointer (&label, g_free);
  g_clear_pointer (&value, g_free);

  /* A huge label is cut (by characters, never inside one); a huge value
   * is kept whole. */
  big = g_string_new (NULL);
  for (guint i = 0; i < 100000; i++)
    g_string_append (big, "\xc3\xa9");
  huge_label = g_strdup (big->str);
  g_string_append (big, "@example.com");
  huge_value = g_string_free (big, FALSE);
  g_clear_pointer (&item, g_free);
  item = concord_labelled_format (huge_label, huge_value);
  g_assert_true (concord_labelled_parse (item, &label, &value));
  g_assert_cmpint (g_utf8_strlen (label, -1), ==, CONCORD_LABEL_MAX_CHARS);
  g_assert_true (g_utf8_validate (label, -1, NULL));
  g_assert_cmpstr (value, ==, huge_value);
}

static void
test_label_vocabulary (void)
{
  const char *words[][2] = {
    { "WORK", "work" }, { "Home", "home" }, { "MOBILE", "mobile" }, { "Other", "other" },
    { "mObIlE", "mobile" }, { "  work  ", "work" }, { "", "other" },
  };
  const char *saved = setlocale (LC_ALL, NULL);
  g_autofree char *restore = g_strdup (saved);

  /* The same in every locale: in Turkish, "I" lower-cases to a dotless
   * "ı" by the locale's rules, and "MOBILE" must still be "mobile". */
  for (guint round = 0; round < 2; round++)
    {
      if (round == 1 && setlocale (LC_ALL, "tr_TR.UTF-8") == NULL &&
          setlocale (LC_ALL, "tr_TR.utf8") == NULL)
        {
          g_test_message ("no Turkish locale: the vocabulary checked in C.UTF-8 only");
          break;
        }

      for (guint i = 0; i < G_N_ELEMENTS (words); i++)
        {
          g_autofree char *label = concord_label_normalize (words[i][0]);

          g_assert_cmpstr (label, ==, words[i][1]);
        }

      /* A free label keeps its case and its letters, dotted or not. */
      {
        g_autofree char *label = concord_label_normalize ("İŞ YERİ");

        g_assert_cmpstr (label, ==, "İŞ YERİ");
      }
    }

  setlocale (LC_ALL, restore);
}

static void
test_display (void)
{
  g_autofree char *shown = concord_labelled_display ("work\tann@example.com");
  g_autofree char *free_label = concord_labelled_display ("Assistant\t+1555");
  g_autofree char *plain = concord_labelled_display ("ann@example.com");

  g_assert_cmpstr (shown, ==, "work: ann@example.com");
  g_assert_cmpstr (free_label, ==, "Assistant: +1555");
  g_assert_cmpstr (plain, ==, "other: ann@example.com");
  g_assert_null (concord_labelled_display ("work\t"));
}

static void
test_record_sets (void)
{
  g_autoptr(ConcordRecord) record = concord_record_new ("r1");
  g_autoptr(ConcordRecord) other = concord_record_new ("r2");
  g_autofree char *keys = NULL;
  g_autofree char *first = NULL;

  /* Members of a labelled set are normalised: labels folded, emails in
   * ASCII lower case, phones without formatting; one value, one member. */
  concord_record_set_set (record, CONCORD_FIELD_EMAILS, (const char *[]) {
    "WORK\tAnn@Example.com", "home\tann@example.COM", "bob@example.com", NULL });
  g_assert_cmpstrv ((const char * const *) concord_record_get (record, CONCORD_FIELD_EMAILS)->v.set,
                    ((const char *[]) { "home\tann@example.com", "other\tbob@example.com", NULL }));

  concord_record_set_set (record, CONCORD_FIELD_PHONES, (const char *[]) {
    "Mobile\t+1 (555) 010-99", "work\t+44 20 7946 0000", NULL });
  g_assert_cmpstrv ((const char * const *) concord_record_get (record, CONCORD_FIELD_PHONES)->v.set,
                    ((const char *[]) { "mobile\t+155501099", "work\t+442079460000", NULL }));

  /* One value under three labels (a server's card can say anything):
   * once, and no member freed while still looked up (fuzz-webdav found
   * it under ASan). */
  concord_record_set_set (record, CONCORD_FIELD_EMAILS, (const char *[]) {
    "work\tx@example.com", "home\tx@example.com", "other\tx@example.com",
    "work\ty@example.com", NULL });
  g_assert_cmpstrv ((const char * const *) concord_record_get (record, CONCORD_FIELD_EMAILS)->v.set,
                    ((const char *[]) { "home\tx@example.com", "work\ty@example.com", NULL }));

  /* Another set is left as it was: a tag may hold anything. */
  concord_record_set_set (record, CONCORD_FIELD_TAGS, (const char *[]) { "A\tB", "a\tb", NULL });
  g_assert_cmpuint (g_strv_length (concord_record_get (record, CONCORD_FIELD_TAGS)->v.set), ==, 2);

  /* They survive the store's forms. */
  {
    g_autoptr(GBytes) bytes = concord_record_serialize (record, NULL, 0);
    g_autoptr(ConcordRecord) back = concord_record_new_from_serialized (g_bytes_get_data (bytes, NULL),
                                                                        g_bytes_get_size (bytes));
    g_autoptr(GVariant) variant = g_variant_ref_sink (concord_record_to_variant (record));
    g_autoptr(ConcordRecord) again = concord_record_new_from_variant (variant);

    g_assert_true (concord_record_equal_fields (record, back));
    g_assert_true (concord_record_equal_fields (record, again));
  }

  /* The index's keys: the email's first, then the other valid ones. */
  concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, "Bob@Example.com");
  concord_record_set_set (record, CONCORD_FIELD_EMAILS, (const char *[]) {
    "work\tann@example.com", "home\tbob@example.com", "other\tnot an address", NULL });
  keys = concord_record_email_keys (record);
  g_assert_cmpstr (keys, ==, "bob@example.com\nann@example.com");
  first = concord_email_keys_first (keys);
  g_assert_cmpstr (first, ==, "bob@example.com");
  g_assert_null (concord_record_email_keys (other));
  g_clear_pointer (&keys, g_free);
  concord_record_set_text (other, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, "Solo@example.com");
  keys = concord_record_email_keys (other);
  g_assert_cmpstr (keys, ==, "solo@example.com");

  /* An email that is no address: the other emails are no guide either. */
  g_clear_pointer (&keys, g_free);
  concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, "not an address");
  g_assert_null (concord_record_email_keys (record));
  /* No email at all: the others are. */
  concord_record_remove (record, CONCORD_FIELD_EMAIL);
  keys = concord_record_email_keys (record);
  g_assert_cmpstr (keys, ==, "bob@example.com\nann@example.com");  /* in member order */
}

/* ------------------------------------------------------------------------- */

static ConcordRecord *
contact (const char         *email,
         const char * const *emails)
{
  ConcordRecord *record = concord_record_new ("r");

  concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
  concord_record_set_set (record, CONCORD_FIELD_EMAILS, emails);
  return record;
}

static void
assert_emails (const ConcordRecord *record,
               const char          *email,
               const char * const  *emails)
{
  const ConcordValue *set = concord_record_get (record, CONCORD_FIELD_EMAILS);

  g_assert_cmpstr (concord_record_get_email (record), ==, email);
  if (emails == NULL)
    g_assert_null (set);
  else
    {
      g_assert_nonnull (set);
      g_assert_cmpstrv ((const char * const *) set->v.set, emails);
    }
}

static void
test_normalize_primary_joins (void)
{
  g_autoptr(ConcordRecord) after = contact ("Ann@example.com", (const char *[]) { "home\tzed@example.com", NULL });
  g_autoptr(ConcordRecord) single = contact ("ann@example.com", NULL);

  /* A primary the set lacks joins it (labelled other). */
  g_assert_true (concord_record_normalize_multi (NULL, after));
  assert_emails (after, "Ann@example.com",
                 (const char *[]) { "home\tzed@example.com", "other\tann@example.com", NULL });

  /* The primary is in the set by its matching key, whatever its case:
   * nothing to do, and nothing done twice. */
  g_assert_false (concord_record_normalize_multi (NULL, after));

  /* A record without the set (an app with one email) is left alone. */
  g_assert_false (concord_record_normalize_multi (NULL, single));
  assert_emails (single, "ann@example.com", NULL);
}

static void
test_normalize_no_primary (void)
{
  g_autoptr(ConcordRecord) both = contact (NULL, (const char *[]) {
    "home\ta@example.com", "other\tb@example.com", "work\tc@example.com", NULL });
  g_autoptr(ConcordRecord) others = contact (NULL, (const char *[]) {
    "home\ta@example.com", "other\tb@example.com", NULL });
  g_autoptr(ConcordRecord) home = contact (NULL, (const char *[]) { "home\ta@example.com", NULL });

  /* The first work member, else the first other one, else the first. */
  g_assert_true (concord_record_normalize_multi (NULL, both));
  g_assert_cmpstr (concord_record_get_email (both), ==, "c@example.com");
  g_assert_true (concord_record_normalize_multi (NULL, others));
  g_assert_cmpstr (concord_record_get_email (others), ==, "b@example.com");
  g_assert_true (concord_record_normalize_multi (NULL, home));
  g_assert_cmpstr (concord_record_get_email (home), ==, "a@example.com");
}

static void
test_normalize_primary_replaced (void)
{
  const char *set[] = { "home\tzed@example.com", "work\tann@example.com", NULL };
  g_autoptr(ConcordRecord) before = contact ("ann@example.com", set);
  g_autoptr(ConcordRecord) after = contact ("ann.new@example.com", set);
  g_autoptr(ConcordRecord) switched = contact ("zed@example.com", set);
  g_autoptr(ConcordRecord) cleared = contact (NULL, set);

  /* An app with one email changed it: the old primary's member is
   * replaced (label kept), not joined by a second one; the others stay. */
  g_assert_true (concord_record_normalize_multi (before, after));
  assert_emails (after, "ann.new@example.com",
                 (const char *[]) { "home\tzed@example.com", "work\tann.new@example.com", NULL });

  /* Changed along with the set (both apps keep several, and the merge
   * took one's new primary and the other's removal): the new primary
   * joins, the old one is not dropped. */
  {
    g_autoptr(ConcordRecord) merged = contact ("ann.new@example.com", (const char *[]) {
      "work\tann@example.com", NULL });

    g_assert_true (concord_record_normalize_multi (before, merged));
    assert_emails (merged, "ann.new@example.com",
                   (const char *[]) { "other\tann.new@example.com", "work\tann@example.com", NULL });
  }

  /* Made the primary of a member the set has: nothing is dropped. */
  g_assert_false (concord_record_normalize_multi (before, switched));
  assert_emails (switched, "zed@example.com", set);

  /* Cleared: its member goes, the next one is the primary. */
  g_assert_true (concord_record_normalize_multi (before, cleared));
  assert_emails (cleared, "zed@example.com", (const char *[]) { "home\tzed@example.com", NULL });
}

static void
test_normalize_primary_removed (void)
{
  const char *set[] = { "home\tzed@example.com", "other\tbob@example.com", "work\tann@example.com", NULL };
  g_autoptr(ConcordRecord) before = contact ("ann@example.com", set);
  g_autoptr(ConcordRecord) after = contact ("ann@example.com", (const char *[]) {
    "home\tzed@example.com", "other\tbob@example.com", NULL });
  g_autoptr(ConcordRecord) last = contact ("zed@example.com", (const char *[]) { "home\tzed@example.com", NULL });
  g_autoptr(ConcordRecord) none = contact ("zed@example.com", (const char *[]) { "work\tq@example.com", NULL });

  /* The primary's member removed: the email moves to the next one (the
   * first work member, else other), it does not come back. */
  g_assert_true (concord_record_normalize_multi (before, after));
  assert_emails (after, "bob@example.com", (const char *[]) {
    "home\tzed@example.com", "other\tbob@example.com", NULL });

  /* Without a baseline, the same record reads as a primary to add. */
  concord_record_set_set (last, CONCORD_FIELD_EMAILS, (const char *[]) { "work\tq@example.com", NULL });
  g_assert_true (concord_record_normalize_multi (NULL, last));
  assert_emails (last, "zed@example.com", (const char *[]) {
    "other\tzed@example.com", "work\tq@example.com", NULL });

  /* Removed with a baseline that had it: moved. */
  {
    g_autoptr(ConcordRecord) had = contact ("zed@example.com", (const char *[]) {
      "home\tzed@example.com", "work\tq@example.com", NULL });

    g_assert_true (concord_record_normalize_multi (had, none));
    assert_emails (none, "q@example.com", (const char *[]) { "work\tq@example.com", NULL });
  }
}

static void
test_normalize_phones (void)
{
  g_autoptr(ConcordRecord) before = concord_record_new ("r");
  g_autoptr(ConcordRecord) after = NULL;

  /* "phone" is the primary of the members not labelled mobile, "mobile"
   * of those that are. */
  concord_record_set_text (before, CONCORD_FIELD_PHONE, CONCORD_FIELD_TYPE_PHONE, "+1 555 0100");
  concord_record_set_text (before, CONCORD_FIELD_MOBILE, CONCORD_FIELD_TYPE_PHONE, "+1 555 0199");
  concord_record_set_set (before, CONCORD_FIELD_PHONES, (const char *[]) {
    "work\t+15550100", "mobile\t+15550199", "home\t+15550111", NULL });
  g_assert_false (concord_record_normalize_multi (NULL, before));

  after = concord_record_copy (before);
  concord_record_set_text (after, CONCORD_FIELD_MOBILE, CONCORD_FIELD_TYPE_PHONE, "+1 555 0177");
  g_assert_true (concord_record_normalize_multi (before, after));
  g_assert_cmpstrv ((const char * const *) concord_record_get (after, CONCORD_FIELD_PHONES)->v.set,
                    ((const char *[]) { "home\t+15550111", "mobile\t+15550177", "work\t+15550100", NULL }));
  g_assert_cmpstr (concord_record_get_text (after, CONCORD_FIELD_PHONE), ==, "+15550100");

  /* A set with no mobile member: "phone" joins as other, no mobile made. */
  g_clear_pointer (&after, concord_record_unref);
  after = concord_record_new ("r");
  concord_record_set_set (after, CONCORD_FIELD_PHONES, (const char *[]) { "home\t+15550111", NULL });
  g_assert_true (concord_record_normalize_multi (NULL, after));
  g_assert_cmpstr (concord_record_get_text (after, CONCORD_FIELD_PHONE), ==, "+15550111");
  g_assert_null (concord_record_get (after, CONCORD_FIELD_MOBILE));
}

static void
test_fields_known (void)
{
  const char *keys[] = { CONCORD_FIELD_EMAILS, CONCORD_FIELD_PHONES, CONCORD_FIELD_ADDRESSES };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const ConcordFieldSpec *spec = concord_fields_lookup (keys[i]);

      g_assert_nonnull (spec);
      g_assert_cmpint (spec->type, ==, CONCORD_FIELD_TYPE_STRING_SET);
      g_assert_true (spec->multi);
      g_assert_true (concord_field_is_labelled (keys[i]));
    }
  g_assert_false (concord_field_is_labelled (CONCORD_FIELD_TAGS));
  g_assert_false (concord_field_is_labelled (CONCORD_FIELD_EMAIL));
}

static GPtrArray *
schema_of (const char * const *keys)
{
  GPtrArray *schema = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

  for (guint i = 0; keys[i] != NULL; i++)
    g_ptr_array_add (schema, concord_field_spec_copy (concord_fields_lookup (keys[i])));

  return schema;
}

static gboolean
has_key (const GQuark *keys,
         guint         n_keys,
         const char   *key)
{
  for (guint i = 0; i < n_keys; i++)
    if (keys[i] == g_quark_try_string (key))
      return TRUE;

  return FALSE;
}

static void
test_default_mapping (void)
{
  g_autoptr(GPtrArray) multi = schema_of ((const char *[]) { "email", "emails", "phone", "mobile",
                                                             "phones", "first_name", NULL });
  g_autoptr(GPtrArray) single = schema_of ((const char *[]) { "email", "phone", "first_name", NULL });
  g_autoptr(ConcordMapping) both = concord_mapping_new_default (multi, multi);
  g_autoptr(ConcordMapping) one = concord_mapping_new_default (single, multi);
  const GQuark *keys;
  guint n_keys;

  /* Both keep several: primary ↔ primary and set ↔ set. */
  g_assert_cmpint (concord_mapping_find (both, CONCORD_SIDE_A, "email"), >=, 0);
  g_assert_cmpint (concord_mapping_find (both, CONCORD_SIDE_A, "emails"), >=, 0);
  g_assert_cmpint (concord_mapping_find (both, CONCORD_SIDE_B, "phones"), >=, 0);

  /* One keeps one: only the primary moves; the set is nobody's pair... */
  g_assert_cmpint (concord_mapping_find (one, CONCORD_SIDE_A, "email"), >=, 0);
  g_assert_cmpint (concord_mapping_find (one, CONCORD_SIDE_B, "email"), >=, 0);
  g_assert_cmpint (concord_mapping_find (one, CONCORD_SIDE_B, "emails"), ==, -1);
  g_assert_cmpint (concord_mapping_find (one, CONCORD_SIDE_B, "phones"), ==, -1);

  /* ... yet the engine settles it on the side that has it, to keep it in
   * step with the primary; never on the side that has none. */
  keys = concord_mapping_get_keys (one, CONCORD_SIDE_B, &n_keys);
  g_assert_true (has_key (keys, n_keys, "emails"));
  g_assert_true (has_key (keys, n_keys, "phones"));
  g_assert_cmpuint (n_keys, ==, concord_mapping_get_n_pairs (one) + 2);
  keys = concord_mapping_get_keys (both, CONCORD_SIDE_A, &n_keys);
  g_assert_cmpuint (n_keys, ==, concord_mapping_get_n_pairs (both));

  /* The new fields are known, with labels people read. */
  g_assert_cmpstr (concord_fields_lookup ("emails")->label, ==, "Email addresses");
  g_assert_cmpstr (concord_fields_lookup ("phones")->label, ==, "Phone numbers");
}

/* One value under three labels is one member (the first label's), and
 * the set's bookkeeping never reads a member it already dropped (the
 * vCard fuzzer found a card whose duplicate EMAILs did). */
static void
test_same_value_three_labels (void)
{
  g_autoptr(ConcordRecord) record = concord_record_new ("r");
  const char *items[] = { "work\tsame@example.com", "home\tsame@example.com",
                          "other\tsame@example.com", "home\tsecond@example.com", NULL };
  const ConcordValue *value;
  guint n_same = 0;

  concord_record_set_set (record, "emails", items);
  value = concord_record_get (record, "emails");
  g_assert_nonnull (value);
  g_assert_cmpuint (g_strv_length (value->v.set), ==, 2);
  for (guint i = 0; value->v.set[i] != NULL; i++)
    {
      g_assert_nonnull (strchr (value->v.set[i], '\t'));
      n_same += strstr (value->v.set[i], "\tsame@example.com") != NULL;
    }
  g_assert_cmpuint (n_same, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/multi-valued/format-parse", test_format_parse);
  g_test_add_func ("/concord/multi-valued/hostile", test_hostile);
  g_test_add_func ("/concord/multi-valued/label-vocabulary", test_label_vocabulary);
  g_test_add_func ("/concord/multi-valued/display", test_display);
  g_test_add_func ("/concord/multi-valued/record-sets", test_record_sets);
  g_test_add_func ("/concord/multi-valued/fields", test_fields_known);
  g_test_add_func ("/concord/multi-valued/default-mapping", test_default_mapping);
  g_test_add_func ("/concord/multi-valued/normalize/primary-joins", test_normalize_primary_joins);
  g_test_add_func ("/concord/multi-valued/normalize/no-primary", test_normalize_no_primary);
  g_test_add_func ("/concord/multi-valued/normalize/primary-replaced", test_normalize_primary_replaced);
  g_test_add_func ("/concord/multi-valued/normalize/primary-removed", test_normalize_primary_removed);
  g_test_add_func ("/concord/multi-valued/normalize/phones", test_normalize_phones);
  g_test_add_func ("/concord/multi-valued/same-value-three-labels", test_same_value_three_labels);

  return g_test_run ();
}
