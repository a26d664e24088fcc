/* test-gnome-contacts-hostile.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * GNOME Contacts against what an attacker or a careless program puts in
 * an address book, through the real connector and the session's real
 * Evolution Data Server (a temporary book per test):
 *
 * - injection: values written from another app that carry a vCard of
 *   their own (CR LF, "EMAIL:", "END:VCARD", ";", ",", "\") stay values:
 *   no second contact, no second email, the text kept in its field;
 * - many-values: a contact with 10,000 EMAIL and 2,000 TEL lines is
 *   listed (or left out with a message) in bounded time beside a plain
 *   one;
 * - turkish: under tr_TR.UTF-8 (when the system has it), property names
 *   in any case ("email", "Email", "item1.EMAIL") and "İ"/"ı" in names and
 *   types: every email read, every name intact.
 *
 * Run inside a private session bus (.ci/run, tools/in-session.sh).
 *
 * Paths: /concord/gnome-contacts-hostile/<case>.
 */

#include "config.h"

#include <locale.h>
#include <string.h>

#include "concord-connector-gnome-contacts.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-test-address-book.h"
#include "concord-test-connector.h"
#include "concord-test-utils.h"

/* A safety bound for one listing of a hostile book, far above what an
 * honest one takes (milliseconds), far below a hang. */
#define MAX_LIST_SECONDS 60

typedef struct
{
  ConcordTestAddressBook        *book;
  ConcordConnectorGnomeContacts *connector;
} Fixture;

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  f->book = concord_test_address_book_new ("hostile");
  f->connector = concord_connector_gnome_contacts_new ("GB");
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_clear_object (&f->connector);
  concord_test_address_book_free (f->book);
}

static ConcordPage *
list (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  ConcordPage *page = concord_test_list_page (CONCORD_CONNECTOR (f->connector), f->book->uid,
                                              NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (page);
  g_assert_cmpint (g_get_monotonic_time () - start, <, MAX_LIST_SECONDS * G_USEC_PER_SEC);
  return page;
}

static ConcordRecord *
find_record (ConcordPage *page,
             const char  *email)
{
  for (guint i = 0; i < page->records->len; i++)
    {
      ConcordRecord *record = g_ptr_array_index (page->records, i);

      if (g_strcmp0 (concord_record_get_text (record, CONCORD_FIELD_EMAIL), email) == 0)
        return record;
    }
  return NULL;
}

static guint
count_contacts (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  GSList *uids = NULL;
  guint n;

  g_assert_true (e_book_client_get_contacts_uids_sync (f->book->client, "", &uids, NULL, &error));
  g_assert_no_error (error);
  n = g_slist_length (uids);
  g_slist_free_full (uids, g_free);
  return n;
}

/* Values that carry a vCard of their own, written as another app's
 * contact would be: each stays a value. */
static void
test_injection (Fixture       *f,
                gconstpointer  data)
{
  static const char *payloads[] = {
    "Ann\r\nEMAIL:evil@example.com",
    "Bob\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nEMAIL:evil@example.com\nFN:Evil",
    "Cleo;Smith,Jr\\;EMAIL=evil@example.com",
    "Dan\\",
    "Eve:EMAIL;TYPE=pref:evil@example.com",
  };
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(ConcordPage) page = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (payloads); i++)
    {
      g_autofree char *email = g_strdup_printf ("victim%u@example.com", i);
      ConcordRecord *record = concord_record_new (NULL);

      concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
      concord_record_set_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING,
                               payloads[i]);
      concord_record_set_text (record, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING,
                               payloads[(i + 1) % G_N_ELEMENTS (payloads)]);
      concord_record_set_text (record, CONCORD_FIELD_NOTES, CONCORD_FIELD_TYPE_STRING,
                               payloads[(i + 2) % G_N_ELEMENTS (payloads)]);
      g_ptr_array_add (records, record);
    }

  concord_connector_create_async (CONCORD_CONNECTOR (f->connector), f->book->uid, records, NULL,
                                  concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  results = concord_connector_create_finish (CONCORD_CONNECTOR (f->connector), result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, records->len);

  /* No contact and no address came out of a value. */
  g_assert_cmpuint (count_contacts (f), ==, G_N_ELEMENTS (payloads));
  g_assert_null (concord_test_address_book_find (f->book, "evil@example.com"));

  page = list (f);
  g_assert_cmpuint (page->records->len, ==, G_N_ELEMENTS (payloads));
  for (guint i = 0; i < G_N_ELEMENTS (payloads); i++)
    {
      g_autofree char *email = g_strdup_printf ("victim%u@example.com", i);
      ConcordWriteResult *written = g_ptr_array_index (results, i);
      ConcordRecord *listed = find_record (page, email);
      EContact *contact;
      GList *emails;
      const char *notes;

      g_assert_no_error (written->error);
      g_assert_nonnull (listed);
      contact = concord_test_address_book_get (f->book,
                                               concord_record_get_remote_id (written->record));
      g_assert_nonnull (contact);
      emails = e_contact_get (contact, E_CONTACT_EMAIL);
      g_assert_cmpuint (g_list_length (emails), ==, 1);
      g_assert_cmpstr (emails->data, ==, email);
      g_list_free_full (emails, g_free);
      g_object_unref (contact);

      /* The text is kept as text: the note (which may hold lines) still
       * has the payload's address in it; the names start as written. */
      notes = concord_record_get_text (listed, CONCORD_FIELD_NOTES);
      g_assert_nonnull (notes);
      if (strstr (payloads[(i + 2) % G_N_ELEMENTS (payloads)], "evil@example.com") != NULL)
        g_assert_nonnull (strstr (notes, "evil@example.com"));
      g_assert_cmpstr (concord_record_get_text (listed, CONCORD_FIELD_EMAIL), ==, email);
      g_assert_true (g_str_has_prefix (concord_record_get_text (listed, CONCORD_FIELD_FIRST_NAME),
                                       (const char []) { payloads[i][0], payloads[i][1],
                                                         payloads[i][2], '\0' }));
    }

  /* The payload without a line break comes back as written. */
  g_assert_cmpstr (concord_record_get_text (find_record (page, "victim2@example.com"),
                                            CONCORD_FIELD_FIRST_NAME), ==, payloads[2]);
  g_assert_cmpstr (concord_record_get_text (find_record (page, "victim4@example.com"),
                                            CONCORD_FIELD_FIRST_NAME), ==, payloads[4]);
}

static void
count_message (const char     *domain,
               GLogLevelFlags  level,
               const char     *message,
               gpointer        user_data)
{
  (*(guint *) user_data)++;
}

/* 10,000 EMAIL lines and 2,000 TEL lines of junk in one contact, beside a
 * plain one: listed in bounded time; the plain one always. */
static void
test_many_values (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GString) card = g_string_new ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Many;Manny;;;\r\n"
                                          "FN:Manny Many\r\n");
  g_autofree char *many_uid = NULL;
  g_autofree char *plain_uid = NULL;
  g_autoptr(ConcordPage) page = NULL;
  ConcordRecord *many;
  guint messages = 0;
  guint handler;

  for (guint i = 0; i < 10000; i++)
    g_string_append_printf (card, "EMAIL;TYPE=INTERNET:many%05u@example.com\r\n", i);
  for (guint i = 0; i < 2000; i++)
    g_string_append_printf (card, "TEL;TYPE=%s:+44 20 7946 %04u ext. %u;;;\r\n",
                            i % 2 ? "CELL" : "WORK,VOICE,PREF,X-İı", i, i * 7919);
  g_string_append (card, "END:VCARD\r\n");
  many_uid = concord_test_address_book_add (f->book, card->str);
  plain_uid = concord_test_address_book_add (f->book,
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Plain;Pat;;;\r\nFN:Pat Plain\r\n"
    "EMAIL:pat@example.com\r\nEND:VCARD\r\n");
  g_assert_nonnull (many_uid);
  g_assert_nonnull (plain_uid);

  /* Left out with a message, or read: either is fine; a hang or a crash
   * is not. */
  handler = g_log_set_handler ("concord-connector-gnome-contacts", G_LOG_LEVEL_MESSAGE,
                               count_message, &messages);
  page = list (f);
  g_log_remove_handler ("concord-connector-gnome-contacts", handler);
  g_assert_nonnull (find_record (page, "pat@example.com"));
  many = find_record (page, "many00000@example.com");
  if (many != NULL)
    g_assert_cmpstr (concord_record_get_remote_id (many), ==, many_uid);
  else
    g_assert_cmpuint (messages, >, 0);
  g_test_message ("the contact of 12,000 values was %s", many != NULL ? "listed" : "left out");
}

/* Property names in any case and Turkish dotted/dotless i's, read under
 * the Turkish locale, where "i" does not upper-case to "I". */
static void
test_turkish (Fixture       *f,
              gconstpointer  data)
{
  static const struct { const char *card; const char *email; const char *first; } cases[] = {
    { "BEGIN:VCARD\r\nVERSION:3.0\r\nn:Işık;İlkay;;;\r\nfn:İlkay Işık\r\n"
      "email;type=internet:ilkay@example.com\r\nEND:VCARD\r\n", "ilkay@example.com", "İlkay" },
    { "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Yıldız;Irmak;;;\r\nFN:Irmak Yıldız\r\n"
      "Email;Type=İnternet:irmak@example.com\r\nEND:VCARD\r\n", "irmak@example.com", "Irmak" },
    { "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Demir;Şule;;;\r\nFN:Şule Demir\r\n"
      "item1.EMAIL;type=INTERNET:sule@example.com\r\nitem1.X-ABLabel:iş\r\n"
      "END:VCARD\r\n", "sule@example.com", "Şule" },
  };
  g_autofree char *saved = g_strdup (setlocale (LC_ALL, NULL));
  g_autoptr(ConcordPage) page = NULL;

  if (setlocale (LC_ALL, "tr_TR.UTF-8") == NULL)
    {
      g_test_skip ("tr_TR.UTF-8 is not installed");
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *uid = concord_test_address_book_add (f->book, cases[i].card);

      g_assert_nonnull (uid);
    }

  page = list (f);
  setlocale (LC_ALL, saved);

  g_assert_cmpuint (page->records->len, ==, G_N_ELEMENTS (cases));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ConcordRecord *record = find_record (page, cases[i].email);

      g_assert_nonnull (record);
      g_assert_cmpstr (concord_record_get_text (record, CONCORD_FIELD_FIRST_NAME), ==,
                       cases[i].first);
    }
}

int
main (int   argc,
      char *argv[])
{
  /* As test-connector-gnome-contacts: libedataserver reads its GSettings
   * schemas from the system's data directories. */
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  if (!concord_test_address_book_check_session ())
    return 1;

#define ADD(name, func) \
  g_test_add ("/concord/gnome-contacts-hostile/" name, Fixture, NULL, setup, func, teardown)
  ADD ("injection", test_injection);
  ADD ("many-values", test_many_values);
  ADD ("turkish", test_turkish);
#undef ADD

  return g_test_run ();
}
