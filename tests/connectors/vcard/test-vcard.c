/* test-vcard.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The shared vCard layer (src/connectors/concord-vcard.c): cards as the
 * address books write them (tests/data/vcard/: Apple/iCloud, Google,
 * Nextcloud 4.0, Evolution with a folded base64 PHOTO, an LF-only file)
 * read into records, edited by changes with every untouched line kept
 * byte for byte, bad cards refused on their own.
 *
 * Paths: /concord/vcard/<case>.
 */

#define G_LOG_DOMAIN "concord-test-vcard"

#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib.h>
/* EDS 3.46's headers use the deprecated GTimeVal. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
#include <libebook-contacts/libebook-contacts.h>
G_GNUC_END_IGNORE_DEPRECATIONS

#include "concord-error.h"
#include "concord-fields.h"
#include "concord-test-utils.h"
#include "concord-vcard.h"

static char *
read_fixture (const char *name,
              gsize      *length)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "vcard", name, NULL);
  g_autoptr(GError) error = NULL;
  char *data = NULL;

  g_file_get_contents (path, &data, length, &error);
  g_assert_no_error (error);
  return data;
}

static ConcordVCard *
parse_fixture (const char *name)
{
  gsize length;
  g_autofree char *data = read_fixture (name, &length);
  g_autoptr(GError) error = NULL;
  ConcordVCard *card = concord_vcard_parse (data, length, &error);

  g_assert_no_error (error);
  g_assert_nonnull (card);
  return card;
}

static char *
card_string (const ConcordVCard *card)
{
  return concord_vcard_to_string (card, NULL);
}

/* The members of a set field, joined by '|'. */
static char *
set_text (const ConcordRecord *record,
          const char          *key)
{
  const ConcordValue *value = concord_record_get (record, key);

  if (value == NULL)
    return NULL;
  g_assert_cmpint (value->type, ==, CONCORD_FIELD_TYPE_STRING_SET);
  return g_strjoinv ("|", value->v.set);
}

/* @before with line @old replaced by @new (NULL: removed). */
static char *
replace_line (const char *before,
              const char *old,
              const char *new)
{
  const char *at = strstr (before, old);
  GString *out = g_string_new (NULL);

  g_assert_nonnull (at);
  g_string_append_len (out, before, at - before);
  if (new != NULL)
    g_string_append (out, new);
  g_string_append (out, at + strlen (old));
  return g_string_free (out, FALSE);
}

static ConcordRecord *
change_of (const char *key,
           const char *text)
{
  ConcordRecord *set = concord_record_new (NULL);
  const ConcordFieldSpec *spec = concord_fields_lookup (key);

  concord_record_set_text (set, key, spec != NULL ? spec->type : CONCORD_FIELD_TYPE_STRING, text);
  return set;
}

static void
apply_ok (ConcordVCard        *card,
          const ConcordRecord *set,
          const char * const  *clear,
          const char          *region)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (concord_vcard_apply (card, set, clear, region, &error));
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------------- */

static void
test_fixtures_round_trip (void)
{
  const char *names[] = { "apple-3.0.vcf", "google-3.0.vcf", "nextcloud-4.0.vcf",
                          "evolution-3.0.vcf", "lf-only-4.0.vcf" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      gsize length, out_length;
      g_autofree char *data = read_fixture (names[i], &length);
      g_autoptr(ConcordVCard) card = parse_fixture (names[i]);
      g_autofree char *out = concord_vcard_to_string (card, &out_length);
      g_autoptr(ConcordVCard) copy = concord_vcard_copy (card);
      g_autofree char *copied = card_string (copy);
      g_autoptr(ConcordRecord) record = concord_vcard_to_record (card, "r", "GB");
      g_autoptr(ConcordVCard) applied = concord_vcard_copy (card);
      g_autofree char *same = NULL;

      g_assert_cmpuint (out_length, ==, length);
      g_assert_cmpmem (out, out_length, data, length);
      g_assert_cmpstr (copied, ==, data);

      /* Applying what the card already says changes no byte. */
      apply_ok (applied, record, NULL, "GB");
      same = card_string (applied);
      g_assert_cmpstr (same, ==, data);
    }
}

static void
test_apple_record (void)
{
  g_autoptr(ConcordVCard) card = parse_fixture ("apple-3.0.vcf");
  g_autoptr(ConcordRecord) record = concord_vcard_to_record (card, "apple.vcf", "GB");
  g_autoptr(ConcordRecord) national = concord_vcard_to_record (card, "apple.vcf", NULL);
  g_autofree char *emails = set_text (record, CONCORD_FIELD_EMAILS);
  g_autofree char *phones = set_text (record, CONCORD_FIELD_PHONES);
  g_autofree char *addresses = set_text (record, CONCORD_FIELD_ADDRESSES);

  g_assert_cmpuint (concord_vcard_get_version (card), ==, 3);
  g_assert_cmpstr (concord_vcard_get_uid (card), ==, "5AD380FD-B2DE-4261-BA99-DE1D1DB52FBE");
  g_assert_cmpstr (concord_record_get_remote_id (record), ==, "apple.vcf");
  g_assert_cmpstr (concord_record_get_text (record, "first_name"), ==, "Johnny");
  g_assert_cmpstr (concord_record_get_text (record, "last_name"), ==, "Appleseed");
  g_assert_cmpstr (concord_record_get_text (record, "email"), ==, "johnny@example.com");
  g_assert_cmpstr (emails, ==, "club\tjappleseed@club.example|home\tj.appleseed@example.net|"
                               "other\tjohnny@example.com");
  g_assert_cmpstr (concord_record_get_text (record, "mobile"), ==, "+447700900123");
  g_assert_cmpstr (concord_record_get_text (record, "phone"), ==, "+442079460018");
  g_assert_cmpstr (phones, ==, "mobile\t+447700900123|work\t+442079460018");
  /* Without a country the national number stays as written (unformatted). */
  g_assert_cmpstr (concord_record_get_text (national, "phone"), ==, "02079460018");
  g_assert_cmpstr (addresses, ==, "home\t1 Infinite Loop; Cupertino; CA; 95014; United States");
  g_assert_cmpstr (concord_record_get_text (record, "address_street"), ==, "1 Infinite Loop");
  g_assert_cmpstr (concord_record_get_text (record, "address_city"), ==, "Cupertino");
  g_assert_cmpstr (concord_record_get_text (record, "address_region"), ==, "CA");
  g_assert_cmpstr (concord_record_get_text (record, "address_postal_code"), ==, "95014");
  g_assert_cmpstr (concord_record_get_text (record, "address_country"), ==, "United States");
  g_assert_cmpstr (concord_record_get_text (record, "company"), ==, "Apple Inc.");
  g_assert_cmpstr (concord_record_get_text (record, "job_title"), ==, "Engineer");
  g_assert_cmpstr (concord_record_get_text (record, "birthday"), ==, "1985-04-12");
  g_assert_cmpstr (concord_record_get_text (record, "notes"), ==,
                   "Met at WWDC, 2019; likes apples\nSecond line");
  g_assert_cmpstr (concord_record_get_text (record, "custom:X-SOCIALPROFILE"), ==,
                   "http://twitter.com/johnny");
  g_assert_cmpstr (concord_record_get_text (record, "custom:X-ABUID"), ==,
                   "5AD380FD-B2DE-4261-BA99-DE1D1DB52FBE:ABPerson");
  g_assert_null (concord_record_get (record, "custom:X-ABLABEL"));
  g_assert_null (concord_record_get (record, "custom:X-ABADR"));
  g_assert_null (concord_record_get (record, "custom:UID"));
  g_assert_cmpint (concord_record_get_modified (record), ==, 1796033700);
}

static void
test_google_record (void)
{
  g_autoptr(ConcordVCard) card = parse_fixture ("google-3.0.vcf");
  g_autoptr(ConcordRecord) record = concord_vcard_to_record (card, NULL, NULL);
  g_autofree char *tags = set_text (record, CONCORD_FIELD_TAGS);
  g_autofree char *emails = set_text (record, CONCORD_FIELD_EMAILS);

  g_assert_cmpstr (concord_record_get_text (record, "first_name"), ==, "Ana María");
  g_assert_cmpstr (concord_record_get_text (record, "last_name"), ==, "Núñez");
  /* No pref: the first. */
  g_assert_cmpstr (concord_record_get_text (record, "email"), ==, "ana.nunez@example.com");
  g_assert_cmpstr (emails, ==, "other\tana@example.org|work\tana.nunez@example.com");
  g_assert_cmpstr (concord_record_get_text (record, "mobile"), ==, "+34600123456");
  g_assert_null (concord_record_get (record, "phone"));
  g_assert_cmpstr (concord_record_get_text (record, "address_country"), ==, "España");
  g_assert_cmpstr (concord_record_get_text (record, "company"), ==, "Ejemplo S.L.");
  g_assert_cmpstr (concord_record_get_text (record, "website"), ==, "https://example.com/ana");
  g_assert_cmpstr (tags, ==, "Clientes|myContacts");
  g_assert_cmpuint (concord_vcard_get_uid (card) == NULL, ==, TRUE);
}

static void
test_nextcloud_record (void)
{
  g_autoptr(ConcordVCard) card = parse_fixture ("nextcloud-4.0.vcf");
  g_autoptr(ConcordRecord) record = concord_vcard_to_record (card, NULL, "DE");
  g_autofree char *phones = set_text (record, CONCORD_FIELD_PHONES);

  g_assert_cmpuint (concord_vcard_get_version (card), ==, 4);
  g_assert_cmpstr (concord_record_get_text (record, "first_name"), ==, "Zoë");
  g_assert_cmpstr (concord_record_get_text (record, "last_name"), ==, "Krüger");
  /* PREF=1 wins over PREF=2, whatever the order. */
  g_assert_cmpstr (concord_record_get_text (record, "email"), ==, "z.krueger@firma.example");
  /* A tel: URI, and a quoted TYPE list. */
  g_assert_cmpstr (concord_record_get_text (record, "phone"), ==, "+49301234567");
  g_assert_cmpstr (concord_record_get_text (record, "mobile"), ==, "+491512345678");
  g_assert_cmpstr (phones, ==, "mobile\t+491512345678|work\t+49301234567");
  /* A birthday without its year is not a date. */
  g_assert_null (concord_record_get (record, "birthday"));
  g_assert_cmpstr (concord_record_get_text (record, "custom:X-MANAGER"), ==, "Hans, Peter");
  g_assert_cmpstr (concord_record_get_text (record, "address_city"), ==, "Berlin");
  g_assert_cmpint (concord_record_get_modified (record), ==, 1796033700);
}

static void
test_evolution_record (void)
{
  g_autoptr(ConcordVCard) card = parse_fixture ("evolution-3.0.vcf");
  g_autoptr(ConcordRecord) record = concord_vcard_to_record (card, NULL, "US");

  g_assert_cmpstr (concord_record_get_text (record, "email"), ==, "jane.smith@work.example");
  g_assert_cmpstr (concord_record_get_text (record, "custom:X-EVOLUTION-FILE-AS"), ==, "Smith, Jane");
  g_assert_cmpstr (concord_record_get_text (record, "custom:X-EVOLUTION-SPOUSE"), ==, "John");
  g_assert_cmpstr (concord_record_get_text (record, "custom:X-MOZILLA-HTML"), ==, "FALSE");
  /* The photo is no field, and no custom field. */
  for (guint i = 0; i < concord_record_get_n_fields (record); i++)
    {
      const char *key;
      concord_record_get_field_at (record, i, &key);
      g_assert_null (strstr (key, "PHOTO"));
    }
}

/* A change of one field: every other line keeps its bytes and place. */
static void
test_apply_one_field (void)
{
  gsize length;
  g_autofree char *data = read_fixture ("apple-3.0.vcf", &length);
  g_autoptr(ConcordVCard) card = parse_fixture ("apple-3.0.vcf");
  g_autoptr(ConcordRecord) set = change_of ("job_title", "Chief, Apples; Pears");
  g_autofree char *out = NULL;
  g_autofree char *expected = replace_line (data, "TITLE:Engineer\r\n",
                                            "TITLE:Chief\\, Apples\\; Pears\r\n");

  apply_ok (card, set, NULL, NULL);
  out = card_string (card);
  g_assert_cmpstr (out, ==, expected);
}

static void
test_apply_lf_card (void)
{
  gsize length;
  g_autofree char *data = read_fixture ("lf-only-4.0.vcf", &length);
  g_autoptr(ConcordVCard) card = parse_fixture ("lf-only-4.0.vcf");
  g_autoptr(ConcordRecord) set = change_of ("company", "Éire Ltd");
  g_autofree char *out = NULL;
  g_autofree char *expected = replace_line (data, "END:VCARD\n", "ORG:Éire Ltd\r\nEND:VCARD\n");
  g_autoptr(ConcordRecord) record = NULL;

  apply_ok (card, set, NULL, NULL);
  out = card_string (card);
  /* The card's own LF lines stay LF (the folded NOTE too); ours are CRLF. */
  g_assert_cmpstr (out, ==, expected);

  record = concord_vcard_to_record (card, NULL, NULL);
  g_assert_cmpstr (concord_record_get_text (record, "notes"), ==,
                   "This note is long enough that the writer folded it across two lines of "
                   "the file; it must come back as it was.");
  g_assert_cmpstr (concord_record_get_text (record, "company"), ==, "Éire Ltd");
  g_assert_null (concord_record_get (record, "custom:X-CUSTOM-EMPTY"));
}

static void
test_apply_emails_keep_lines (void)
{
  gsize length;
  g_autofree char *data = read_fixture ("evolution-3.0.vcf", &length);
  g_autoptr(ConcordVCard) card = parse_fixture ("evolution-3.0.vcf");
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  const char *emails[] = { "work\tjane.smith@work.example", "home\tjane@home.example",
                           "other\tnew@other.example", "gym\tjane@gym.example", NULL };
  g_autofree char *out = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(ConcordRecord) record = NULL;
  g_autofree char *read_back = NULL;

  concord_record_set_set (set, "emails", emails);
  apply_ok (card, set, NULL, NULL);
  out = card_string (card);
  expected = replace_line (data, "EMAIL;X-EVOLUTION-UI-SLOT=2;TYPE=HOME:jane@home.example\r\n",
                           "EMAIL;X-EVOLUTION-UI-SLOT=2;TYPE=HOME:jane@home.example\r\n"
                           "item1.EMAIL;TYPE=INTERNET:jane@gym.example\r\n"
                           "item1.X-ABLabel:gym\r\n"
                           "EMAIL;TYPE=INTERNET:new@other.example\r\n");
  g_assert_cmpstr (out, ==, expected);

  record = concord_vcard_to_record (card, NULL, NULL);
  read_back = set_text (record, "emails");
  g_assert_cmpstr (read_back, ==, "gym\tjane@gym.example|home\tjane@home.example|"
                                  "other\tnew@other.example|work\tjane.smith@work.example");
}

/* The engine's change of the primary: "email" and "emails" together, the
 * old primary's member replaced: the line is edited in place. */
static void
test_apply_primary_email (void)
{
  gsize length;
  g_autofree char *data = read_fixture ("evolution-3.0.vcf", &length);
  g_autoptr(ConcordVCard) card = parse_fixture ("evolution-3.0.vcf");
  g_autoptr(ConcordVCard) alone = parse_fixture ("evolution-3.0.vcf");
  g_autoptr(ConcordRecord) set = change_of ("email", "j.smith@work.example");
  const char *emails[] = { "work\tj.smith@work.example", "home\tjane@home.example", NULL };
  g_autofree char *out = NULL;
  g_autofree char *out_alone = NULL;
  g_autofree char *expected = replace_line (data, "TYPE=WORK:jane.smith@work.example",
                                            "TYPE=WORK:j.smith@work.example");

  /* "email" alone. */
  apply_ok (alone, set, NULL, NULL);
  out_alone = card_string (alone);
  g_assert_cmpstr (out_alone, ==, expected);

  concord_record_set_set (set, "emails", emails);
  apply_ok (card, set, NULL, NULL);
  out = card_string (card);
  g_assert_cmpstr (out, ==, expected);
}

/* "email" set to another of the card's emails: the preference moves. */
static void
test_apply_move_pref (void)
{
  const char *card_text =
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jo;;;\r\nFN:Jo Doe\r\n"
    "EMAIL;TYPE=INTERNET,pref,WORK:jo@work.example\r\n"
    "EMAIL;type=INTERNET;type=HOME:jo@home.example\r\nEND:VCARD\r\n";
  const char *v4_text =
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Jo Doe\r\n"
    "EMAIL;TYPE=work;PREF=1:jo@work.example\r\n"
    "EMAIL;TYPE=home:jo@home.example\r\nEND:VCARD\r\n";
  g_autoptr(ConcordVCard) card = concord_vcard_parse (card_text, -1, NULL);
  g_autoptr(ConcordVCard) v4 = concord_vcard_parse (v4_text, -1, NULL);
  g_autoptr(ConcordRecord) set = change_of ("email", "jo@home.example");
  g_autofree char *out = NULL;
  g_autofree char *out4 = NULL;
  g_autoptr(ConcordRecord) record = NULL;

  apply_ok (card, set, NULL, NULL);
  out = card_string (card);
  g_assert_cmpstr (out, ==,
                   "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jo;;;\r\nFN:Jo Doe\r\n"
                   "EMAIL;TYPE=INTERNET,WORK:jo@work.example\r\n"
                   "EMAIL;type=INTERNET,pref;type=HOME:jo@home.example\r\nEND:VCARD\r\n");
  record = concord_vcard_to_record (card, NULL, NULL);
  g_assert_cmpstr (concord_record_get_text (record, "email"), ==, "jo@home.example");

  apply_ok (v4, set, NULL, NULL);
  out4 = card_string (v4);
  g_assert_cmpstr (out4, ==,
                   "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Jo Doe\r\n"
                   "EMAIL;TYPE=work:jo@work.example\r\n"
                   "EMAIL;TYPE=home;PREF=1:jo@home.example\r\nEND:VCARD\r\n");
}

static void
test_phone_e164 (void)
{
  g_autofree char *a = concord_vcard_phone_e164 ("+44 20 7946 0018", "GB");
  g_autofree char *b = concord_vcard_phone_e164 ("020 7946 0018", "GB");
  g_autofree char *c = concord_vcard_phone_e164 ("(020) 7946-0018", "GB");
  g_autofree char *d = concord_vcard_phone_e164 ("020 7946 0018", NULL);
  g_autofree char *e = concord_vcard_phone_e164 ("tel:+1-555-010-0199", NULL);
  g_autofree char *f = concord_vcard_phone_e164 ("not a number", "GB");

  g_assert_cmpstr (a, ==, "+442079460018");
  g_assert_cmpstr (b, ==, "+442079460018");
  g_assert_cmpstr (c, ==, "+442079460018");
  g_assert_null (d);
  g_assert_cmpstr (e, ==, "+15550100199");
  g_assert_null (f);
}

/* A phone equal in E.164 stays as written; one that differs is edited in
 * place. */
static void
test_apply_phone_same_number (void)
{
  gsize length;
  g_autofree char *data = read_fixture ("apple-3.0.vcf", &length);
  g_autoptr(ConcordVCard) card = parse_fixture ("apple-3.0.vcf");
  g_autoptr(ConcordRecord) set = change_of ("phone", "+44 20 7946 0018");
  g_autofree char *out = NULL;
  g_autofree char *changed = NULL;
  g_autofree char *expected = NULL;
  const char *phones[] = { "mobile\t+447700900123", "work\t+442079460018", NULL };
  const char *phones2[] = { "mobile\t+447700900123", "work\t+442079460999", NULL };

  concord_record_set_set (set, "phones", phones);
  apply_ok (card, set, NULL, "GB");
  out = card_string (card);
  g_assert_cmpstr (out, ==, data);

  g_clear_pointer (&set, concord_record_unref);
  set = change_of ("phone", "+442079460999");
  concord_record_set_set (set, "phones", phones2);
  apply_ok (card, set, NULL, "GB");
  changed = card_string (card);
  expected = replace_line (data, "TEL;type=WORK;type=VOICE:020 7946 0018",
                           "TEL;type=WORK;type=VOICE:+442079460999");
  g_assert_cmpstr (changed, ==, expected);
}

/* A tel: URI stays one; a new mobile beside other phones is not
 * preferred over them; a cleared company keeps the departments. */
static void
test_apply_tel_uri_org (void)
{
  const char *text = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A B\r\n"
                     "TEL;VALUE=uri;TYPE=work:tel:+44-20-7946-0018\r\n"
                     "ORG:Acme;Sales\r\nEND:VCARD\r\n";
  g_autoptr(ConcordVCard) card = concord_vcard_parse (text, -1, NULL);
  g_autoptr(ConcordRecord) set = change_of ("phone", "+44 20 7946 0999");
  const char *clear[] = { "company", NULL };
  g_autofree char *out = NULL;
  g_autoptr(ConcordRecord) record = NULL;

  concord_record_set_text (set, "mobile", CONCORD_FIELD_TYPE_PHONE, "+447700900123");
  apply_ok (card, set, clear, NULL);
  out = card_string (card);
  g_assert_cmpstr (out, ==,
                   "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A B\r\n"
                   "TEL;VALUE=uri;TYPE=work:tel:+442079460999\r\n"
                   "TEL;TYPE=cell:+447700900123\r\n"
                   "ORG:;Sales\r\nEND:VCARD\r\n");
  record = concord_vcard_to_record (card, NULL, NULL);
  g_assert_cmpstr (concord_record_get_text (record, "phone"), ==, "+442079460999");
  g_assert_cmpstr (concord_record_get_text (record, "mobile"), ==, "+447700900123");
  g_assert_null (concord_record_get (record, "company"));
}

/* Folding at 75 octets, never inside a UTF-8 sequence. */
static void
test_folding (void)
{
  g_autoptr(ConcordVCard) card = concord_vcard_new (4, "fold-1");
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  g_autoptr(GString) note = g_string_new (NULL);
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(ConcordRecord) record = NULL;
  g_autoptr(ConcordVCard) reread = NULL;
  guint continuations = 0;

  for (guint i = 0; i < 120; i++)
    g_string_append (note, i % 3 == 0 ? "ü" : (i % 3 == 1 ? "漢" : "a"));
  g_string_append (note, " 🎉 the end");
  concord_record_set_text (set, "notes", CONCORD_FIELD_TYPE_STRING, note->str);
  concord_record_set_text (set, "first_name", CONCORD_FIELD_TYPE_STRING, "Fold");
  apply_ok (card, set, NULL, NULL);
  out = card_string (card);

  g_assert_true (g_utf8_validate (out, -1, NULL));
  lines = g_strsplit (out, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_assert_cmpuint (strlen (lines[i]), <=, 75);
      g_assert_true (g_utf8_validate (lines[i], -1, NULL));
      if (lines[i][0] == ' ')
        continuations++;
    }
  /* 259 octets: 75 + 74 + 74 + the rest, give or take a character. */
  g_assert_cmpuint (continuations, ==, 3);

  reread = concord_vcard_parse (out, -1, NULL);
  g_assert_nonnull (reread);
  record = concord_vcard_to_record (reread, NULL, NULL);
  g_assert_cmpstr (concord_record_get_text (record, "notes"), ==, note->str);
}

static void
test_escaping (void)
{
  g_autoptr(ConcordVCard) card = concord_vcard_new (3, "esc-1");
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  const char *tags[] = { "a,b", "c;d", NULL };
  g_autofree char *out = NULL;
  g_autoptr(ConcordRecord) record = NULL;
  g_autofree char *tags_back = NULL;

  concord_record_set_text (set, "notes", CONCORD_FIELD_TYPE_STRING, "one, two; three\\four\nfive");
  concord_record_set_text (set, "company", CONCORD_FIELD_TYPE_STRING, "Smith; Sons, Ltd");
  concord_record_set_set (set, "tags", tags);
  apply_ok (card, set, NULL, NULL);
  out = card_string (card);
  g_assert_cmpstr (out, ==,
                   "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:esc-1\r\n"
                   "ORG:Smith\\; Sons\\, Ltd\r\n"
                   "NOTE:one\\, two\\; three\\\\four\\nfive\r\n"
                   "CATEGORIES:a\\,b,c\\;d\r\n"
                   "FN:Smith\\; Sons\\, Ltd\r\n"
                   "N:;;;;\r\n"
                   "END:VCARD\r\n");

  record = concord_vcard_to_record (card, NULL, NULL);
  g_assert_cmpstr (concord_record_get_text (record, "notes"), ==, "one, two; three\\four\nfive");
  g_assert_cmpstr (concord_record_get_text (record, "company"), ==, "Smith; Sons, Ltd");
  tags_back = set_text (record, "tags");
  g_assert_cmpstr (tags_back, ==, "a,b|c;d");
  g_assert_null (concord_record_get (record, "first_name"));
}

/* FN follows a name change when it was "given family", else stays. */
static void
test_names_and_fn (void)
{
  g_autoptr(ConcordVCard) card = parse_fixture ("apple-3.0.vcf");
  g_autoptr(ConcordRecord) set = change_of ("first_name", "John");
  g_autofree char *out = NULL;
  const char *titled_text =
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Smith;Jane;;Dr.;\r\nFN:Dr. Jane Smith\r\nEND:VCARD\r\n";
  g_autoptr(ConcordVCard) titled = concord_vcard_parse (titled_text, -1, NULL);
  g_autofree char *titled_out = NULL;
  const char *org_text =
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Acme Ltd\r\nORG:Acme Ltd\r\nEND:VCARD\r\n";
  g_autoptr(ConcordVCard) org = concord_vcard_parse (org_text, -1, NULL);
  g_autoptr(ConcordRecord) org_record = concord_vcard_to_record (org, NULL, NULL);
  const char *fn_only = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Mary Ann Evans\r\nEND:VCARD\r\n";
  g_autoptr(ConcordVCard) fn_card = concord_vcard_parse (fn_only, -1, NULL);
  g_autoptr(ConcordRecord) fn_record = concord_vcard_to_record (fn_card, NULL, NULL);

  apply_ok (card, set, NULL, NULL);
  out = card_string (card);
  g_assert_nonnull (strstr (out, "\r\nN:Appleseed;John;;;\r\nFN:John Appleseed\r\n"));

  apply_ok (titled, set, NULL, NULL);
  titled_out = card_string (titled);
  g_assert_cmpstr (titled_out, ==,
                   "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Smith;John;;Dr.;\r\nFN:Dr. Jane Smith\r\nEND:VCARD\r\n");

  /* An organisation's card names no person. */
  g_assert_null (concord_record_get (org_record, "first_name"));
  g_assert_cmpstr (concord_record_get_text (org_record, "company"), ==, "Acme Ltd");

  /* FN without N: split at the last space. */
  g_assert_cmpstr (concord_record_get_text (fn_record, "first_name"), ==, "Mary Ann");
  g_assert_cmpstr (concord_record_get_text (fn_record, "last_name"), ==, "Evans");
}

/* Names cleared: FN does not bring them back. */
static void
test_names_cleared (void)
{
  const char *text = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Smith;Jane;;;\r\nFN:Jane Smith\r\n"
                     "ORG:Acme\r\nEND:VCARD\r\n";
  g_autoptr(ConcordVCard) card = concord_vcard_parse (text, -1, NULL);
  const char *clear[] = { "first_name", "last_name", NULL };
  g_autofree char *out = NULL;
  g_autoptr(ConcordRecord) record = NULL;

  apply_ok (card, NULL, clear, NULL);
  out = card_string (card);
  g_assert_cmpstr (out, ==, "BEGIN:VCARD\r\nVERSION:3.0\r\nN:;;;;\r\nORG:Acme\r\nFN:Acme\r\nEND:VCARD\r\n");
  record = concord_vcard_to_record (card, NULL, NULL);
  g_assert_null (concord_record_get (record, "first_name"));
  g_assert_null (concord_record_get (record, "last_name"));
}

/* An address edited field by field, or as a member: in place, its
 * parameters kept. */
static void
test_apply_address (void)
{
  gsize length;
  g_autofree char *data = read_fixture ("google-3.0.vcf", &length);
  g_autoptr(ConcordVCard) card = parse_fixture ("google-3.0.vcf");
  g_autoptr(ConcordVCard) members = parse_fixture ("google-3.0.vcf");
  g_autoptr(ConcordRecord) set = change_of ("address_city", "Barcelona");
  g_autoptr(ConcordRecord) set_members = concord_record_new (NULL);
  const char *addresses[] = { "work\tGran Via 2; Madrid; ; 28013; España",
                              "home\tRua Augusta 10; Lisboa; ; 1100-053; Portugal", NULL };
  g_autofree char *out = NULL;
  g_autofree char *out_members = NULL;
  g_autofree char *expected = replace_line (data, "ADR;TYPE=WORK:;;Calle Mayor 1;Madrid;;28013;España",
                                            "ADR;TYPE=WORK:;;Calle Mayor 1;Barcelona;;28013;España");
  g_autofree char *expected_members = replace_line (data, "ADR;TYPE=WORK:;;Calle Mayor 1;Madrid;;28013;España\r\n",
                                                    "ADR;TYPE=WORK:;;Gran Via 2;Madrid;;28013;España\r\n"
                                                    "ADR;TYPE=HOME:;;Rua Augusta 10;Lisboa;;1100-053;Portugal\r\n");
  g_autoptr(ConcordRecord) record = NULL;
  g_autofree char *read_back = NULL;

  apply_ok (card, set, NULL, NULL);
  out = card_string (card);
  g_assert_cmpstr (out, ==, expected);

  concord_record_set_set (set_members, "addresses", addresses);
  apply_ok (members, set_members, NULL, NULL);
  out_members = card_string (members);
  g_assert_cmpstr (out_members, ==, expected_members);
  record = concord_vcard_to_record (members, NULL, NULL);
  read_back = set_text (record, "addresses");
  g_assert_cmpstr (read_back, ==, "home\tRua Augusta 10; Lisboa; ; 1100-053; Portugal|"
                                  "work\tGran Via 2; Madrid; ; 28013; España");
}

/* A record onto a new card and back: the same fields. */
static void
test_new_card_round_trip (void)
{
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  const char *emails[] = { "work\tann@work.example", "home\tann@home.example", NULL };
  const char *phones[] = { "mobile\t+447700900123", "work\t+442079460018", NULL };
  const char *addresses[] = { "work\t1 Main St; London; ; N1 1AA; United Kingdom", NULL };
  const char *tags[] = { "vip", "newsletter", NULL };
  guint versions[] = { 3, 4 };

  concord_record_set_text (set, "first_name", CONCORD_FIELD_TYPE_STRING, "Ann");
  concord_record_set_text (set, "last_name", CONCORD_FIELD_TYPE_STRING, "Lee");
  concord_record_set_text (set, "email", CONCORD_FIELD_TYPE_EMAIL, "ann@work.example");
  concord_record_set_set (set, "emails", emails);
  concord_record_set_text (set, "phone", CONCORD_FIELD_TYPE_PHONE, "+442079460018");
  concord_record_set_text (set, "mobile", CONCORD_FIELD_TYPE_PHONE, "+447700900123");
  concord_record_set_set (set, "phones", phones);
  concord_record_set_set (set, "addresses", addresses);
  concord_record_set_text (set, "address_street", CONCORD_FIELD_TYPE_STRING, "1 Main St");
  concord_record_set_text (set, "address_city", CONCORD_FIELD_TYPE_STRING, "London");
  concord_record_set_text (set, "address_postal_code", CONCORD_FIELD_TYPE_STRING, "N1 1AA");
  concord_record_set_text (set, "address_country", CONCORD_FIELD_TYPE_STRING, "United Kingdom");
  concord_record_set_text (set, "company", CONCORD_FIELD_TYPE_STRING, "Lee & Co");
  concord_record_set_text (set, "job_title", CONCORD_FIELD_TYPE_STRING, "Owner");
  concord_record_set_text (set, "website", CONCORD_FIELD_TYPE_STRING, "https://lee.example");
  concord_record_set_text (set, "birthday", CONCORD_FIELD_TYPE_DATE, "1990-02-03");
  concord_record_set_text (set, "notes", CONCORD_FIELD_TYPE_STRING, "Line 1\nLine 2");
  concord_record_set_set (set, "tags", tags);
  concord_record_set_text (set, "custom:X-LOYALTY", CONCORD_FIELD_TYPE_STRING, "gold");

  for (guint v = 0; v < G_N_ELEMENTS (versions); v++)
    {
      g_autoptr(ConcordVCard) card = concord_vcard_new (versions[v], "new-1");
      g_autoptr(ConcordRecord) back = NULL;
      g_autofree char *out = NULL;
      g_autoptr(ConcordVCard) reread = NULL;

      apply_ok (card, set, NULL, "GB");
      out = card_string (card);
      reread = concord_vcard_parse (out, -1, NULL);
      g_assert_nonnull (reread);
      back = concord_vcard_to_record (reread, NULL, "GB");
      if (!concord_record_equal_fields (set, back))
        {
          g_autofree char *a = concord_record_to_json (set);
          g_autofree char *b = concord_record_to_json (back);
          g_printerr ("%s\n%s\n%s\n", out, a, b);
        }
      g_assert_true (concord_record_equal_fields (set, back));
      g_assert_nonnull (strstr (out, versions[v] == 3 ? "\r\nFN:Ann Lee\r\n" : "\r\nFN:Ann Lee\r\n"));
      g_assert_nonnull (strstr (out, versions[v] == 3 ? "\r\nBDAY:1990-02-03\r\n" : "\r\nBDAY:19900203\r\n"));
      g_assert_true (g_str_has_prefix (out, versions[v] == 3 ? "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:new-1\r\n"
                                                             : "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:new-1\r\n"));
      g_assert_true (g_str_has_suffix (out, "\r\nEND:VCARD\r\n"));
    }
}

/* What Concord writes, Evolution Data Server reads (GNOME Contacts):
 * folded lines, escapes, labelled items, a 4.0 date. */
static void
test_eds_reads_written (void)
{
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  const char *emails[] = { "work\tzoe@work.example", "gym\tzoe@gym.example", NULL };
  const char *phones[] = { "mobile\t+447700900123", NULL };
  guint versions[] = { 3, 4 };
  g_autoptr(GString) long_note = g_string_new ("Ünïcödé, semi; colon\nand a new line. ");

  while (long_note->len < 300)
    g_string_append (long_note, "more words, ünïcödé; ");
  g_strstrip (long_note->str);

  concord_record_set_text (set, "first_name", CONCORD_FIELD_TYPE_STRING, "Zoë, Anne");
  concord_record_set_text (set, "last_name", CONCORD_FIELD_TYPE_STRING, "Krüger; Jr");
  concord_record_set_text (set, "email", CONCORD_FIELD_TYPE_EMAIL, "zoe@work.example");
  concord_record_set_set (set, "emails", emails);
  concord_record_set_text (set, "mobile", CONCORD_FIELD_TYPE_PHONE, "+447700900123");
  concord_record_set_set (set, "phones", phones);
  concord_record_set_text (set, "company", CONCORD_FIELD_TYPE_STRING, "Krüger & Söhne");
  concord_record_set_text (set, "notes", CONCORD_FIELD_TYPE_STRING, long_note->str);

  for (guint v = 0; v < G_N_ELEMENTS (versions); v++)
    {
      g_autoptr(ConcordVCard) card = concord_vcard_new (versions[v], "eds-1");
      g_autofree char *out = NULL;
      EContact *contact;
      EContactName *name;
      g_autofree char *note = NULL;
      g_autofree char *org = NULL;
      g_autofree char *uid = NULL;
      GList *list;

      apply_ok (card, set, NULL, NULL);
      out = card_string (card);
      contact = e_contact_new_from_vcard (out);
      g_assert_nonnull (contact);

      name = e_contact_get (contact, E_CONTACT_NAME);
      g_assert_cmpstr (name->given, ==, "Zoë, Anne");
      g_assert_cmpstr (name->family, ==, "Krüger; Jr");
      uid = e_contact_get (contact, E_CONTACT_UID);
      g_assert_cmpstr (uid, ==, "eds-1");
      org = e_contact_get (contact, E_CONTACT_ORG);
      g_assert_cmpstr (org, ==, "Krüger & Söhne");
      note = e_contact_get (contact, E_CONTACT_NOTE);
      g_assert_cmpstr (note, ==, long_note->str);

      list = e_contact_get (contact, E_CONTACT_EMAIL);
      g_assert_cmpuint (g_list_length (list), ==, 2);
      g_assert_nonnull (g_list_find_custom (list, "zoe@work.example", (GCompareFunc) g_strcmp0));
      g_assert_nonnull (g_list_find_custom (list, "zoe@gym.example", (GCompareFunc) g_strcmp0));
      g_list_free_full (list, g_free);

      list = e_contact_get (contact, E_CONTACT_TEL);
      g_assert_cmpuint (g_list_length (list), ==, 1);
      g_assert_cmpstr (list->data, ==, "+447700900123");
      g_list_free_full (list, g_free);
      e_contact_name_free (name);
      g_object_unref (contact);
    }
}

/* What Evolution Data Server writes, Concord reads. */
static void
test_reads_eds_written (void)
{
  EContact *contact = e_contact_new ();
  EContactName *name = e_contact_name_new ();
  g_autofree char *text = NULL;
  g_autoptr(ConcordVCard) card = NULL;
  g_autoptr(ConcordRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *emails = NULL;
  g_autofree char *out = NULL;

  name->given = g_strdup ("Zoë, Anne");
  name->family = g_strdup ("Krüger; Jr");
  e_contact_set (contact, E_CONTACT_UID, "eds-2");
  e_contact_set (contact, E_CONTACT_NAME, name);
  e_contact_set (contact, E_CONTACT_FULL_NAME, "Zoë, Anne Krüger; Jr");
  e_contact_set (contact, E_CONTACT_EMAIL_1, "zoe@work.example");
  e_contact_set (contact, E_CONTACT_EMAIL_2, "zoe@home.example");
  e_contact_set (contact, E_CONTACT_PHONE_MOBILE, "07700 900123");
  e_contact_set (contact, E_CONTACT_NOTE, "Line one, with comma;\nline two");
  text = e_vcard_to_string (E_VCARD (contact), EVC_FORMAT_VCARD_30);

  card = concord_vcard_parse (text, -1, &error);
  g_assert_no_error (error);
  record = concord_vcard_to_record (card, NULL, "GB");
  g_assert_cmpstr (concord_vcard_get_uid (card), ==, "eds-2");
  g_assert_cmpstr (concord_record_get_text (record, "first_name"), ==, "Zoë, Anne");
  g_assert_cmpstr (concord_record_get_text (record, "last_name"), ==, "Krüger; Jr");
  g_assert_cmpstr (concord_record_get_text (record, "email"), ==, "zoe@work.example");
  emails = set_text (record, "emails");
  /* EMAIL_1 and EMAIL_2 carry no TYPE: "other", the first preferred. */
  g_assert_cmpstr (emails, ==, "other\tzoe@home.example|other\tzoe@work.example");
  g_assert_cmpstr (concord_record_get_text (record, "mobile"), ==, "+447700900123");
  g_assert_cmpstr (concord_record_get_text (record, "notes"), ==, "Line one, with comma;\nline two");

  /* Its own record changes no byte of it. */
  apply_ok (card, record, NULL, "GB");
  out = card_string (card);
  g_assert_cmpstr (out, ==, text);

  e_contact_name_free (name);
  g_object_unref (contact);
}

/* FN for a card without names: the company, else the email. */
static void
test_new_card_fn (void)
{
  g_autoptr(ConcordVCard) card = concord_vcard_new (4, "u");
  g_autoptr(ConcordRecord) set = change_of ("email", "solo@example.com");
  g_autofree char *out = NULL;

  apply_ok (card, set, NULL, NULL);
  out = card_string (card);
  g_assert_cmpstr (out, ==,
                   "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:u\r\n"
                   "EMAIL:solo@example.com\r\nFN:solo@example.com\r\nEND:VCARD\r\n");
}

static void
test_clear (void)
{
  gsize length;
  g_autofree char *data = read_fixture ("evolution-3.0.vcf", &length);
  g_autoptr(ConcordVCard) card = parse_fixture ("evolution-3.0.vcf");
  const char *clear[] = { "custom:X-EVOLUTION-SPOUSE", "phone", "phones", NULL };
  g_autofree char *out = NULL;
  g_autofree char *step = replace_line (data, "X-EVOLUTION-SPOUSE:John\r\n", NULL);
  g_autofree char *expected = replace_line (step, "TEL;X-EVOLUTION-UI-SLOT=1;TYPE=WORK,VOICE:+1 555 0100 123\r\n", NULL);

  apply_ok (card, NULL, clear, NULL);
  out = card_string (card);
  g_assert_cmpstr (out, ==, expected);
}

/* Apple's grouped items: a removed item takes its label line along. */
static void
test_apple_groups (void)
{
  gsize length;
  g_autofree char *data = read_fixture ("apple-3.0.vcf", &length);
  g_autoptr(ConcordVCard) card = parse_fixture ("apple-3.0.vcf");
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  const char *emails[] = { "other\tjohnny@example.com", "home\tj.appleseed@example.net", NULL };
  g_autofree char *out = NULL;
  g_autofree char *step = replace_line (data, "item2.EMAIL;type=INTERNET:jappleseed@club.example\r\n", NULL);
  g_autofree char *expected = replace_line (step, "item2.X-ABLabel:club\r\n", NULL);

  concord_record_set_set (set, "emails", emails);
  apply_ok (card, set, NULL, NULL);
  out = card_string (card);
  g_assert_cmpstr (out, ==, expected);
}

static void
assert_refused (const char *text,
                gssize      length,
                const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordVCard) card = concord_vcard_parse (text, length, &error);

  g_assert_null (card);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  g_assert_cmpstr (error->message, ==, message);
}

static void
test_refused (void)
{
  g_autoptr(GString) huge = g_string_new ("BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:");
  g_autoptr(GString) many = g_string_new ("BEGIN:VCARD\r\nVERSION:4.0\r\n");

  assert_refused ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bad \xff name\r\nEND:VCARD\r\n", -1,
                  "vCard line 3: invalid UTF-8");
  assert_refused ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No end\r\n", -1, "vCard line 1: the card has no END:VCARD");
  assert_refused ("VERSION:3.0\r\n", -1,
                  "vCard line 1: the card does not start with BEGIN:VCARD");
  assert_refused ("BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Old\r\nEND:VCARD\r\n", -1,
                  "vCard line 2: vCard 2.1 is not read (only 3.0 and 4.0)");
  assert_refused ("BEGIN:VCARD\r\nVERSION:5.0\r\nEND:VCARD\r\n", -1,
                  "vCard line 2: VERSION is neither 3.0 nor 4.0");
  assert_refused ("BEGIN:VCARD\r\nVERSION:3.0\r\nBEGIN:VCARD\r\nEND:VCARD\r\nEND:VCARD\r\n", -1,
                  "vCard line 3: BEGIN:VCARD inside a card (a nested card, or a card without END)");
  assert_refused ("BEGIN:VCARD\r\nVERSION:3.0\r\nsecret-value-without-colon\r\nEND:VCARD\r\n", -1,
                  "vCard line 3: “secret-value-without-colon” is not a property (no “:”)");
  assert_refused ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:a\0b\r\nEND:VCARD\r\n", 34,
                  "vCard line 3: invalid UTF-8");
  /* Found by fuzz-vcard: a lone CR would be dropped on writing. */
  assert_refused ("BEGIN:VCARD\r\nVERSION:3.0\r\nEMAIL:x@y\rBEGIN:VCARD\r\nEND:VCARD\r\n", -1,
                  "vCard line 3: a carriage return inside a line");
  assert_refused ("BEGIN:VCARD\rVERSION:3.0\rEND:VCARD\r", -1,
                  "vCard line 1: a carriage return inside a line");

  for (guint i = 0; i < CONCORD_VCARD_MAX_PROPERTIES; i++)
    g_string_append (many, "item1.EMAIL:a@b.example\r\n");
  g_string_append (many, "END:VCARD\r\n");
  assert_refused (many->str, many->len, "vCard line 5001: more than 5000 properties");

  while (huge->len <= CONCORD_VCARD_MAX_BYTES)
    g_string_append (huge, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  g_string_append (huge, "\r\nEND:VCARD\r\n");
  assert_refused (huge->str, huge->len, "vCard at line 1: larger than 1048576 bytes");
}

/* fuzz-vcard's rule: applying a card's own record changes nothing it
 * reads. */
static void
assert_own_record_stable (const char *text)
{
  g_autoptr(ConcordVCard) card = concord_vcard_parse (text, -1, NULL);
  g_autoptr(ConcordRecord) record = NULL;
  g_autoptr(ConcordVCard) again = NULL;
  g_autoptr(ConcordRecord) again_record = NULL;
  g_autofree char *same = NULL;

  g_assert_nonnull (card);
  record = concord_vcard_to_record (card, "r", "GB");
  g_assert_true (concord_vcard_apply (card, record, NULL, "GB", NULL));
  same = concord_vcard_to_string (card, NULL);
  again = concord_vcard_parse (same, -1, NULL);
  g_assert_nonnull (again);
  again_record = concord_vcard_to_record (again, "r", "GB");
  g_assert_true (concord_record_equal_fields (record, again_record));
}

/* Control characters (C0 but tab, and DEL) in N, FN and ORG never reach
 * the record (another app would get them as they are); the card keeps its
 * own bytes. */
static void
test_name_controls (void)
{
  const char *text = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:ctl-1\r\n"
                     "N:Do\x01" "e\x1b;Jo\x7fhn\tJr;;;\r\n"
                     "FN:Jo\x7fhn Do\x01" "e\r\n"
                     "ORG:Ac\x02me\x1f Ltd;Sales\r\n"
                     "EMAIL:jd@example.com\r\n"
                     "END:VCARD\r\n";
  const char *only_fn = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:\x03" "Ada\x04 Lo\x7fvelace\x05\r\nEND:VCARD\r\n";
  const char *blank = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:\x01\x02;\x7f;;;\r\nFN:\x01\r\n"
                      "ORG:\x02\r\nEND:VCARD\r\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordVCard) card = concord_vcard_parse (text, -1, &error);
  g_autoptr(ConcordRecord) record = NULL;
  g_autofree char *out = NULL;

  g_assert_no_error (error);
  record = concord_vcard_to_record (card, NULL, NULL);
  g_assert_cmpstr (concord_record_get_text (record, CONCORD_FIELD_LAST_NAME), ==, "Doe");
  g_assert_cmpstr (concord_record_get_text (record, CONCORD_FIELD_FIRST_NAME), ==, "John\tJr");
  g_assert_cmpstr (concord_record_get_text (record, CONCORD_FIELD_COMPANY), ==, "Acme Ltd");
  out = card_string (card);
  g_assert_cmpstr (out, ==, text);
  g_clear_pointer (&record, concord_record_unref);
  g_clear_pointer (&card, concord_vcard_free);

  /* Names read from FN alone. */
  card = concord_vcard_parse (only_fn, -1, &error);
  g_assert_no_error (error);
  record = concord_vcard_to_record (card, NULL, NULL);
  g_assert_cmpstr (concord_record_get_text (record, CONCORD_FIELD_FIRST_NAME), ==, "Ada");
  g_assert_cmpstr (concord_record_get_text (record, CONCORD_FIELD_LAST_NAME), ==, "Lovelace");
  g_clear_pointer (&record, concord_record_unref);
  g_clear_pointer (&card, concord_vcard_free);

  /* Nothing but control characters: no name, no company. */
  card = concord_vcard_parse (blank, -1, &error);
  g_assert_no_error (error);
  record = concord_vcard_to_record (card, NULL, NULL);
  g_assert_null (concord_record_get (record, CONCORD_FIELD_FIRST_NAME));
  g_assert_null (concord_record_get (record, CONCORD_FIELD_LAST_NAME));
  g_assert_null (concord_record_get (record, CONCORD_FIELD_COMPANY));

  assert_own_record_stable (text);
  assert_own_record_stable (only_fn);
  assert_own_record_stable (blank);
}

/* A value that ends in a lone backslash: the backslash escapes nothing
 * and is dropped (RFC 6350 §3.4), whatever the property; never a crash. */
static void
test_trailing_backslash (void)
{
  const char *text = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:bs-1\r\n"
                     "N:Doe\\;John\\\r\n"
                     "FN:John Doe\\\r\n"
                     "ORG:Acme\\\r\n"
                     "NOTE:line one\\nends here\\\r\n"
                     "TITLE:\\\r\n"
                     "EMAIL:jd@example.com\r\n"
                     "END:VCARD\r\n";
  const char *escaped = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Back\\\\;Slash\\\\\r\nEND:VCARD\r\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordVCard) card = concord_vcard_parse (text, -1, &error);
  g_autoptr(ConcordRecord) record = NULL;
  g_autofree char *out = NULL;

  g_assert_no_error (error);
  record = concord_vcard_to_record (card, NULL, NULL);
  g_assert_cmpstr (concord_record_get_text (record, CONCORD_FIELD_LAST_NAME), ==, "Doe;John");
  g_assert_null (concord_record_get (record, CONCORD_FIELD_FIRST_NAME));
  g_assert_cmpstr (concord_record_get_text (record, CONCORD_FIELD_COMPANY), ==, "Acme");
  g_assert_cmpstr (concord_record_get_text (record, CONCORD_FIELD_NOTES), ==, "line one\nends here");
  g_assert_null (concord_record_get (record, CONCORD_FIELD_JOB_TITLE));
  out = card_string (card);
  g_assert_cmpstr (out, ==, text);
  g_clear_pointer (&record, concord_record_unref);
  g_clear_pointer (&card, concord_vcard_free);

  /* An escaped backslash at the end is a backslash. */
  card = concord_vcard_parse (escaped, -1, &error);
  g_assert_no_error (error);
  record = concord_vcard_to_record (card, NULL, NULL);
  g_assert_cmpstr (concord_record_get_text (record, CONCORD_FIELD_LAST_NAME), ==, "Back\\");
  g_assert_cmpstr (concord_record_get_text (record, CONCORD_FIELD_FIRST_NAME), ==, "Slash\\");

  assert_own_record_stable (text);
  assert_own_record_stable (escaped);
  assert_own_record_stable ("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:\\\r\nNOTE:\\\r\nEND:VCARD\r\n");
}

/* A .vcf export with bad cards among good ones: each bad one alone. */
static void
test_parse_many (void)
{
  g_autoptr(GString) stream = g_string_new (NULL);
  g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GPtrArray) cards = NULL;
  const char *expected_errors[] = {
    "vCard line 7: invalid UTF-8",
    "vCard line 9: the card has no END:VCARD",
    "vCard at line 16: larger than 1048576 bytes",
    "vCard line 27: BEGIN:VCARD inside a card (a nested card, or a card without END)",
    "vCard line 32: vCard 2.1 is not read (only 3.0 and 4.0)",
    "vCard line 40: text outside a card",
  };
  const char *uids[] = { "good-1", "good-2", "good-3", "good-4" };

  g_string_append (stream, "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:good-1\r\nEND:VCARD\r\n");       /* 1-4 */
  g_string_append (stream, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:\xc3\x28\r\nEND:VCARD\r\n");        /* 5-8 */
  g_string_append (stream, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:cut short\r\n");                  /* 9-11 */
  g_string_append (stream, "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:good-2\r\nEND:VCARD\r\n");       /* 12-15 */
  g_string_append (stream, "BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:");                              /* 16-18 */
  for (guint i = 0; i < CONCORD_VCARD_MAX_BYTES / 64 + 1; i++)
    g_string_append (stream, "0123456789012345678901234567890123456789012345678901234567890123");
  g_string_append (stream, "\r\nEND:VCARD\r\n");                                                /* -19 */
  g_string_append (stream, "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:good-3\r\nEND:VCARD\r\n");       /* 20-23 */
  g_string_append (stream, "BEGIN:VCARD\r\nVERSION:3.0\r\nAGENT:\r\nBEGIN:VCARD\r\n"          /* 24-27 */
                           "VERSION:2.1\r\nEND:VCARD\r\nEND:VCARD\r\n");                        /* 28-30 */
  g_string_append (stream, "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Old;Card\r\nEND:VCARD\r\n");       /* 31-34 */
  g_string_append (stream, "\r\nBEGIN:VCARD\nVERSION:4.0\nUID:good-4\nEND:VCARD\n");           /* 35-39 */
  g_string_append (stream, "stray text\r\nmore\r\n");                                            /* 40-41 */

  cards = concord_vcard_parse_many (stream->str, stream->len, errors);
  g_assert_cmpuint (cards->len, ==, G_N_ELEMENTS (uids));
  for (guint i = 0; i < cards->len; i++)
    g_assert_cmpstr (concord_vcard_get_uid (g_ptr_array_index (cards, i)), ==, uids[i]);

  g_assert_cmpuint (errors->len, ==, G_N_ELEMENTS (expected_errors));
  for (guint i = 0; i < errors->len; i++)
    {
      GError *error = g_ptr_array_index (errors, i);
      g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
      g_assert_cmpstr (error->message, ==, expected_errors[i]);
    }
}

/* Found by fuzz-vcard: an END folded across two lines still ends the
 * card in a stream; FN that is the card's email names nobody; removing
 * grouped items (and their labels) removes nothing else. */
static void
test_fuzz_findings (void)
{
  const char *folded_end =
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:one\r\nEND:VCA\r\n RD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:two\r\nEND:VCARD\r\n";
  g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GPtrArray) cards = concord_vcard_parse_many (folded_end, -1, errors);
  const char *email_fn = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:solo@example.com\r\n"
                         "EMAIL:solo@example.com\r\nEND:VCARD\r\n";
  g_autoptr(ConcordVCard) solo = concord_vcard_parse (email_fn, -1, NULL);
  g_autoptr(ConcordRecord) solo_record = concord_vcard_to_record (solo, NULL, NULL);
  const char *grouped =
    "BEGIN:VCARD\r\nVERSION:3.0\r\nitem1.X-ABLabel:gym\r\nUID:first\r\nFN:A\r\nN:;A;;;\r\n"
    "item1.EMAIL:a@gym.example\r\nitem2.EMAIL:a@club.example\r\nitem2.X-ABLabel:club\r\n"
    "UID:second\r\nEND:VCARD\r\n";
  g_autoptr(ConcordVCard) card = concord_vcard_parse (grouped, -1, NULL);
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  const char *none[] = { "emails", NULL };
  g_autofree char *out = NULL;

  g_assert_cmpuint (cards->len, ==, 2);
  g_assert_cmpuint (errors->len, ==, 0);

  /* A byte order mark (Outlook) before the first card. */
  {
    g_autoptr(GPtrArray) bom_errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
    g_autoptr(GPtrArray) bom_cards = concord_vcard_parse_many ("\xef\xbb\xbf" "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:bom\r\nEND:VCARD\r\n",
                                                               -1, bom_errors);
    g_autoptr(ConcordVCard) bom = concord_vcard_parse ("\xef\xbb\xbf" "BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\n", -1, NULL);
    g_autofree char *bom_out = NULL;

    g_assert_cmpuint (bom_cards->len, ==, 1);
    g_assert_cmpuint (bom_errors->len, ==, 0);
    g_assert_nonnull (bom);
    bom_out = card_string (bom);
    g_assert_cmpstr (bom_out, ==, "BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\n");
  }
  g_assert_cmpstr (concord_vcard_get_uid (g_ptr_array_index (cards, 0)), ==, "one");
  g_assert_cmpstr (concord_vcard_get_uid (g_ptr_array_index (cards, 1)), ==, "two");

  g_assert_null (concord_record_get (solo_record, "first_name"));
  g_assert_cmpstr (concord_record_get_text (solo_record, "email"), ==, "solo@example.com");

  apply_ok (card, set, none, NULL);
  out = card_string (card);
  g_assert_cmpstr (out, ==, "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:first\r\nFN:A\r\nN:;A;;;\r\n"
                            "UID:second\r\nEND:VCARD\r\n");
}

/* One email on two lines with two labels: the record holds it once;
 * a change of the other emails keeps both lines. */
static void
test_duplicate_values (void)
{
  const char *text = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nN:;A;;;\r\n"
                     "EMAIL;TYPE=WORK:a@example.com\r\nEMAIL;TYPE=HOME:A@example.com\r\n"
                     "EMAIL:old@example.com\r\nEND:VCARD\r\n";
  g_autoptr(ConcordVCard) card = concord_vcard_parse (text, -1, NULL);
  g_autoptr(ConcordRecord) record = concord_vcard_to_record (card, NULL, NULL);
  g_autofree char *emails = set_text (record, "emails");
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  const char *members[] = { "home\ta@example.com", "other\tnew@example.com", NULL };
  g_autofree char *out = NULL;

  g_assert_cmpstr (emails, ==, "home\ta@example.com|other\told@example.com");

  concord_record_set_set (set, "emails", members);
  apply_ok (card, set, NULL, NULL);
  out = card_string (card);
  g_assert_cmpstr (out, ==, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nN:;A;;;\r\n"
                            "EMAIL;TYPE=WORK:a@example.com\r\nEMAIL;TYPE=HOME:A@example.com\r\n"
                            "EMAIL:new@example.com\r\nEND:VCARD\r\n");
}

static void
test_groups (void)
{
  const char *icloud = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Clients\r\nFN:Clients\r\n"
                       "X-ADDRESSBOOKSERVER-KIND:group\r\n"
                       "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:5AD380FD-B2DE-4261-BA99-DE1D1DB52FBE\r\n"
                       "UID:group-1\r\nEND:VCARD\r\n";
  const char *v4 = "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:Group\r\nFN:Team\r\nEND:VCARD\r\n";
  const char *org = "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:org\r\nFN:Acme\r\nEND:VCARD\r\n";
  g_autoptr(ConcordVCard) a = concord_vcard_parse (icloud, -1, NULL);
  g_autoptr(ConcordVCard) b = concord_vcard_parse (v4, -1, NULL);
  g_autoptr(ConcordVCard) c = concord_vcard_parse (org, -1, NULL);
  g_autoptr(ConcordVCard) person = parse_fixture ("apple-3.0.vcf");

  g_assert_true (concord_vcard_is_group (a));
  g_assert_true (concord_vcard_is_group (b));
  g_assert_false (concord_vcard_is_group (c));
  g_assert_false (concord_vcard_is_group (person));
}

/* Property names fold by ASCII, whatever the locale. */
static void
test_turkish_locale (void)
{
  const char *text =
    "BEGIN:VCARD\r\nversion:3.0\r\nfn:Ilgın Işık\r\nemail;type=internet:ilgin@example.com.tr\r\n"
    "EMAİL:not@mapped.example\r\nbday:1990-01-02\r\nEND:VCARD\r\n";
  g_autoptr(ConcordVCard) card = NULL;
  g_autoptr(ConcordRecord) record = NULL;
  g_autofree char *emails = NULL;
  g_autofree char *out = NULL;
  g_autoptr(ConcordRecord) set = change_of ("job_title", "Müdür");
  const char *old_locale = setlocale (LC_ALL, NULL);
  g_autofree char *saved = g_strdup (old_locale);

  if (setlocale (LC_ALL, "tr_TR.UTF-8") == NULL)
    {
      g_test_skip ("no tr_TR.UTF-8 locale");
      return;
    }

  card = concord_vcard_parse (text, -1, NULL);
  g_assert_nonnull (card);
  record = concord_vcard_to_record (card, NULL, NULL);
  emails = set_text (record, "emails");
  g_assert_cmpstr (emails, ==, "other\tilgin@example.com.tr");
  g_assert_cmpstr (concord_record_get_text (record, "first_name"), ==, "Ilgın");
  g_assert_cmpstr (concord_record_get_text (record, "last_name"), ==, "Işık");
  g_assert_cmpstr (concord_record_get_text (record, "birthday"), ==, "1990-01-02");
  g_assert_null (concord_record_get (record, "custom:EMAİL"));

  apply_ok (card, set, NULL, NULL);
  out = card_string (card);
  g_assert_cmpstr (out, ==,
                   "BEGIN:VCARD\r\nversion:3.0\r\nfn:Ilgın Işık\r\nemail;type=internet:ilgin@example.com.tr\r\n"
                   "EMAİL:not@mapped.example\r\nbday:1990-01-02\r\nTITLE:Müdür\r\nN:;;;;\r\nEND:VCARD\r\n");

  setlocale (LC_ALL, saved);
}

static void
test_differs (void)
{
  g_autoptr(ConcordVCard) a = parse_fixture ("google-3.0.vcf");
  g_autoptr(ConcordVCard) b = concord_vcard_copy (a);
  g_autoptr(ConcordRecord) set = change_of ("notes", "changed on the server");

  apply_ok (b, set, NULL, NULL);
  g_assert_true (concord_vcard_differs (a, b, "notes"));
  g_assert_false (concord_vcard_differs (a, b, "email"));
  g_assert_false (concord_vcard_differs (a, b, "first_name"));
  g_assert_false (concord_vcard_differs (a, a, "notes"));
}

/* The concurrent-edit rule: a change conflicts only when the other side
 * changed one of the fields it sets or clears. */
static void
test_change_conflicts (void)
{
  g_autoptr(ConcordVCard) then = parse_fixture ("google-3.0.vcf");
  g_autoptr(ConcordVCard) now = concord_vcard_copy (then);
  g_autoptr(ConcordRecord) server = change_of ("notes", "changed on the server");
  g_autoptr(ConcordRecord) set_name = change_of ("first_name", "Anita");
  g_autoptr(ConcordRecord) set_notes = change_of ("notes", "changed here");
  g_autoptr(ConcordRecord) set_both = change_of ("first_name", "Anita");
  g_autoptr(ConcordRecord) empty = concord_record_new (NULL);
  g_autoptr(ConcordRecord) server_emails = concord_record_new (NULL);
  g_autoptr(ConcordRecord) set_emails = concord_record_new (NULL);
  g_autoptr(ConcordVCard) now_emails = concord_vcard_copy (then);
  const char *clear_notes[] = { "notes", NULL };
  const char *clear_others[] = { "job_title", "birthday", NULL };
  const char *clear_late[] = { "job_title", "notes", NULL };
  const char *no_keys[] = { NULL };
  const char *emails[] = { "work\tana.nunez@example.com", "home\tana@home.example", NULL };
  const char *mine[] = { "work\tana@new.example", NULL };

  concord_record_set_text (set_both, "notes", CONCORD_FIELD_TYPE_STRING, "changed here");
  apply_ok (now, server, NULL, NULL);

  /* Nothing changed there: no field of any change conflicts. */
  g_assert_false (concord_vcard_change_conflicts (then, then, set_notes, clear_notes));

  /* The server changed the notes. */
  g_assert_false (concord_vcard_change_conflicts (then, now, set_name, NULL));
  g_assert_true (concord_vcard_change_conflicts (then, now, set_notes, NULL));
  g_assert_true (concord_vcard_change_conflicts (then, now, set_both, NULL));
  g_assert_true (concord_vcard_change_conflicts (then, now, NULL, clear_notes));
  g_assert_true (concord_vcard_change_conflicts (then, now, empty, clear_late));
  g_assert_false (concord_vcard_change_conflicts (then, now, set_name, clear_others));
  g_assert_true (concord_vcard_change_conflicts (then, now, set_name, clear_late));

  /* A change of no field never conflicts. */
  g_assert_false (concord_vcard_change_conflicts (then, now, NULL, NULL));
  g_assert_false (concord_vcard_change_conflicts (then, now, empty, no_keys));

  /* A labelled set: the server added an email; a change of the emails
   * conflicts, a change of the name does not. */
  concord_record_set_set (server_emails, "emails", emails);
  apply_ok (now_emails, server_emails, NULL, NULL);
  concord_record_set_set (set_emails, "emails", mine);
  g_assert_true (concord_vcard_change_conflicts (then, now_emails, set_emails, NULL));
  g_assert_false (concord_vcard_change_conflicts (then, now_emails, set_name, clear_notes));
}

static void
test_specs (void)
{
  g_autoptr(GPtrArray) specs = concord_vcard_field_specs ();
  g_autoptr(GHashTable) custom = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) concord_field_spec_free);
  g_autoptr(ConcordVCard) card = parse_fixture ("evolution-3.0.vcf");
  gboolean has_email = FALSE, has_status = FALSE;
  ConcordFieldSpec *spec;

  for (guint i = 0; i < specs->len; i++)
    {
      ConcordFieldSpec *s = g_ptr_array_index (specs, i);
      has_email |= g_str_equal (s->key, "emails");
      has_status |= g_str_equal (s->key, "status");
    }
  g_assert_true (has_email);
  g_assert_false (has_status);

  concord_vcard_collect_custom (card, custom);
  g_assert_cmpuint (g_hash_table_size (custom), ==, 4);
  spec = g_hash_table_lookup (custom, "custom:X-EVOLUTION-SPOUSE");
  g_assert_nonnull (spec);
  g_assert_true (spec->custom);
  g_assert_cmpint (spec->type, ==, CONCORD_FIELD_TYPE_STRING);
  g_assert_null (g_hash_table_lookup (custom, "custom:PHOTO"));
}

static void
test_default_region (void)
{
  g_autofree char *saved_all = g_strdup (g_getenv ("LC_ALL"));
  g_autofree char *gb = NULL;
  g_autofree char *c = NULL;

  g_setenv ("LC_ALL", "en_GB.UTF-8", TRUE);
  gb = concord_vcard_default_region ();
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  c = concord_vcard_default_region ();
  if (saved_all != NULL)
    g_setenv ("LC_ALL", saved_all, TRUE);
  else
    g_unsetenv ("LC_ALL");

  g_assert_cmpstr (gb, ==, "GB");
  g_assert_null (c);
}

/* A value that would outgrow a card is refused; the card is unchanged. */
static void
test_apply_too_large (void)
{
  g_autoptr(ConcordVCard) card = parse_fixture ("google-3.0.vcf");
  g_autofree char *before = card_string (card);
  g_autofree char *after = NULL;
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  g_autoptr(ConcordRecord) set2 = concord_record_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autofree char *huge = g_strnfill (CONCORD_VCARD_MAX_BYTES + 1, 'x');
  g_autofree char *half = g_strnfill (CONCORD_VCARD_MAX_BYTES / 2 + 1, 'y');

  concord_record_set_text (set, "notes", CONCORD_FIELD_TYPE_STRING, huge);
  g_assert_false (concord_vcard_apply (card, set, NULL, NULL, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE);

  /* Two fields, each small enough, together too much. */
  concord_record_set_text (set2, "notes", CONCORD_FIELD_TYPE_STRING, half);
  concord_record_set_text (set2, "job_title", CONCORD_FIELD_TYPE_STRING, half);
  g_assert_false (concord_vcard_apply (card, set2, NULL, NULL, &error2));
  g_assert_error (error2, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE);

  after = card_string (card);
  g_assert_cmpstr (after, ==, before);
}

/* Hostile inputs: no crash, each refused or read. */
static void
test_hostile (void)
{
  const char *inputs[] = {
    "",
    "BEGIN:VCARD",
    "BEGIN:VCARD\r\nEND:VCARD",
    "BEGIN:VCARD\r\n:\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\n;;;:x\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nN;X=\"unterminated:x\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\n .\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nEMAIL;TYPE=,,,;PREF=999999999999:\\\r\nTEL:\\\\\\\r\nADR:;;;;;;;;;;;;\r\nEND:VCARD\r\n",
    "END:VCARD\r\nBEGIN:VCARD\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
      g_autoptr(GPtrArray) cards = concord_vcard_parse_many (inputs[i], -1, errors);

      for (guint j = 0; j < cards->len; j++)
        {
          ConcordVCard *card = g_ptr_array_index (cards, j);
          g_autoptr(ConcordRecord) record = concord_vcard_to_record (card, NULL, "GB");
          g_autoptr(ConcordVCard) copy = concord_vcard_new (3, NULL);
          g_autofree char *out = NULL;

          apply_ok (copy, record, NULL, "GB");
          apply_ok (card, record, NULL, "GB");
          out = card_string (card);
          g_assert_true (g_utf8_validate (out, -1, NULL));
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/vcard/fixtures-round-trip", test_fixtures_round_trip);
  g_test_add_func ("/concord/vcard/apple-record", test_apple_record);
  g_test_add_func ("/concord/vcard/google-record", test_google_record);
  g_test_add_func ("/concord/vcard/nextcloud-record", test_nextcloud_record);
  g_test_add_func ("/concord/vcard/evolution-record", test_evolution_record);
  g_test_add_func ("/concord/vcard/apply-one-field", test_apply_one_field);
  g_test_add_func ("/concord/vcard/apply-lf-card", test_apply_lf_card);
  g_test_add_func ("/concord/vcard/apply-emails-keep-lines", test_apply_emails_keep_lines);
  g_test_add_func ("/concord/vcard/apply-primary-email", test_apply_primary_email);
  g_test_add_func ("/concord/vcard/apply-move-pref", test_apply_move_pref);
  g_test_add_func ("/concord/vcard/phone-e164", test_phone_e164);
  g_test_add_func ("/concord/vcard/apply-phone-same-number", test_apply_phone_same_number);
  g_test_add_func ("/concord/vcard/apply-tel-uri-org", test_apply_tel_uri_org);
  g_test_add_func ("/concord/vcard/folding", test_folding);
  g_test_add_func ("/concord/vcard/escaping", test_escaping);
  g_test_add_func ("/concord/vcard/name-controls", test_name_controls);
  g_test_add_func ("/concord/vcard/trailing-backslash", test_trailing_backslash);
  g_test_add_func ("/concord/vcard/names-and-fn", test_names_and_fn);
  g_test_add_func ("/concord/vcard/names-cleared", test_names_cleared);
  g_test_add_func ("/concord/vcard/apply-address", test_apply_address);
  g_test_add_func ("/concord/vcard/new-card-round-trip", test_new_card_round_trip);
  g_test_add_func ("/concord/vcard/new-card-fn", test_new_card_fn);
  g_test_add_func ("/concord/vcard/eds-reads-written", test_eds_reads_written);
  g_test_add_func ("/concord/vcard/reads-eds-written", test_reads_eds_written);
  g_test_add_func ("/concord/vcard/clear", test_clear);
  g_test_add_func ("/concord/vcard/apple-groups", test_apple_groups);
  g_test_add_func ("/concord/vcard/refused", test_refused);
  g_test_add_func ("/concord/vcard/parse-many", test_parse_many);
  g_test_add_func ("/concord/vcard/fuzz-findings", test_fuzz_findings);
  g_test_add_func ("/concord/vcard/duplicate-values", test_duplicate_values);
  g_test_add_func ("/concord/vcard/groups", test_groups);
  g_test_add_func ("/concord/vcard/turkish-locale", test_turkish_locale);
  g_test_add_func ("/concord/vcard/differs", test_differs);
  g_test_add_func ("/concord/vcard/change-conflicts", test_change_conflicts);
  g_test_add_func ("/concord/vcard/specs", test_specs);
  g_test_add_func ("/concord/vcard/default-region", test_default_region);
  g_test_add_func ("/concord/vcard/apply-too-large", test_apply_too_large);
  g_test_add_func ("/concord/vcard/hostile", test_hostile);

  return g_test_run ();
}
