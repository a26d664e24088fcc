/* test-connector-gnome-contacts.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The GNOME Contacts connector against the session's real Evolution Data
 * Server, each test in an address book of its own: the address books as
 * contact types, create/list/fetch/update/delete, every property Concord
 * does not map surviving an update, an edit made in between refused
 * instead of overwritten, a contact Concord cannot read skipped with a
 * message, live changes (and Concord's own writes not reported as
 * changes), and a desktop without the service failing in time with a
 * clear message.
 *
 * Run inside a private session bus (.ci/run, tools/in-session.sh).
 *
 * Paths: /concord/gnome-contacts/<case>.
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include "concord-connector-gnome-contacts.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-test-address-book.h"
#include "concord-vcard.h"
#include "concord-test-connector.h"
#include "concord-test-utils.h"

typedef struct
{
  ConcordTestAddressBook        *book;
  ConcordConnectorGnomeContacts *connector;
  guint                          changed;
} Fixture;

static void
on_changed_cb (ConcordConnector *connector,
               gpointer          user_data)
{
  ((Fixture *) user_data)->changed++;
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  f->book = concord_test_address_book_new ("connector");
  f->connector = concord_connector_gnome_contacts_new ("GB");
  concord_connector_gnome_contacts_set_debounce (f->connector, 200);
  g_signal_connect (f->connector, "changed", G_CALLBACK (on_changed_cb), f);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_clear_object (&f->connector);
  concord_test_address_book_free (f->book);
}

/* ------------------------------------------------------------------------- */
/* Calls, waited for                                                         */
/* ------------------------------------------------------------------------- */

static ConcordPage *
list (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  ConcordPage *page = concord_test_list_page (CONCORD_CONNECTOR (f->connector), f->book->uid,
                                              NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (page);
  g_assert_true (page->complete);
  g_assert_null (page->next_page);
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

static GPtrArray *
create (Fixture   *f,
        GPtrArray *records)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *results;

  concord_connector_create_async (CONCORD_CONNECTOR (f->connector), f->book->uid, records, NULL,
                                  concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  results = concord_connector_create_finish (CONCORD_CONNECTOR (f->connector), result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, records->len);
  return results;
}

static GPtrArray *
update (Fixture             *f,
        ConcordRecordChange *change)
{
  g_autoptr(GPtrArray) changes = g_ptr_array_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *results;

  g_ptr_array_add (changes, change);
  concord_connector_update_async (CONCORD_CONNECTOR (f->connector), f->book->uid, changes, NULL,
                                  concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  results = concord_connector_update_finish (CONCORD_CONNECTOR (f->connector), result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  return results;
}

static ConcordRecordChange *
change_text (const char *remote_id,
             const char *key,
             const char *value)
{
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);

  concord_record_set_text (set, key, CONCORD_FIELD_TYPE_STRING, value);
  return concord_record_change_new (remote_id, set, NULL);
}

static ConcordRecord *
new_person (const char *email,
            const char *first,
            const char *last)
{
  ConcordRecord *record = concord_record_new (NULL);

  concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
  concord_record_set_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, first);
  concord_record_set_text (record, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING, last);
  return record;
}

static gboolean
changed_at_least_once (gpointer data)
{
  return ((Fixture *) data)->changed > 0;
}

/* Spins the main context for @ms milliseconds. */
static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
}

/* ------------------------------------------------------------------------- */
/* Tests                                                                     */
/* ------------------------------------------------------------------------- */

/* The enabled address books are the contact types: the test's by its name,
 * the built-in one as "Personal". */
static void
test_contact_types (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(GPtrArray) cached = NULL;
  gboolean found = FALSE, personal = FALSE;

  types = concord_connector_list_contact_types_sync (CONCORD_CONNECTOR (f->connector), NULL,
                                                     &error);
  g_assert_no_error (error);
  for (guint i = 0; i < types->len; i++)
    {
      ConcordContactType *type = g_ptr_array_index (types, i);

      if (g_str_equal (type->id, f->book->uid))
        {
          g_assert_cmpstr (type->label, ==, f->book->name);
          found = TRUE;
        }
      if (g_str_equal (type->id, "system-address-book"))
        personal = TRUE;
    }
  g_assert_true (found);
  g_assert_true (personal);

  /* The books last listed answer the synchronous call. */
  cached = concord_connector_list_contact_types (CONCORD_CONNECTOR (f->connector));
  g_assert_cmpuint (cached->len, ==, types->len);

  g_assert_cmpstr (concord_connector_get_app_id (CONCORD_CONNECTOR (f->connector)), ==,
                   "gnome-contacts");
  g_assert_true (concord_connector_get_flags (CONCORD_CONNECTOR (f->connector)) &
                 CONCORD_CONNECTOR_CAN_DELETE);
}

/* The fields: the vCard layer's, and each X- property the book's cards
 * hold as a custom field. */
static void
test_schema (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *uid = concord_test_address_book_add (f->book,
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Curie;Marie;;;\r\nFN:Marie Curie\r\n"
    "EMAIL:marie@example.com\r\nX-LOYALTY-TIER:gold\r\nEND:VCARD");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) schema = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  gboolean email = FALSE, custom = FALSE;

  concord_connector_load_schema_async (CONCORD_CONNECTOR (f->connector), f->book->uid, NULL,
                                       concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  schema = concord_connector_load_schema_finish (CONCORD_CONNECTOR (f->connector), result, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < schema->len; i++)
    {
      const ConcordFieldSpec *spec = g_ptr_array_index (schema, i);

      email |= g_str_equal (spec->key, CONCORD_FIELD_EMAIL);
      custom |= g_str_has_prefix (spec->key, CONCORD_FIELD_CUSTOM_PREFIX) &&
                strstr (spec->key, "X-LOYALTY-TIER") != NULL;
    }
  g_assert_true (email);
  g_assert_true (custom);
}

/* Create, list, fetch, update and delete, each seen in the store. */
static void
test_crud (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(ConcordPage) page = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ann_uid = NULL;
  g_autofree char *bo_uid = NULL;
  EContact *contact;
  ConcordWriteResult *result;

  g_ptr_array_add (records, new_person ("ann@example.com", "Ann", "Lee"));
  g_ptr_array_add (records, new_person ("bo@example.com", "Bo", "Berg"));
  results = create (f, records);
  for (guint i = 0; i < results->len; i++)
    {
      result = g_ptr_array_index (results, i);
      g_assert_no_error (result->error);
      g_assert_nonnull (result->record);
      g_assert_nonnull (concord_record_get_remote_id (result->record));
      g_assert_nonnull (concord_record_get_version (result->record));
    }
  ann_uid = g_strdup (concord_record_get_remote_id (((ConcordWriteResult *) results->pdata[0])->record));
  bo_uid = g_strdup (concord_record_get_remote_id (((ConcordWriteResult *) results->pdata[1])->record));

  /* EDS gave the UIDs, and holds the contacts. */
  contact = concord_test_address_book_get (f->book, ann_uid);
  g_assert_nonnull (contact);
  g_assert_cmpstr (e_contact_get_const (contact, E_CONTACT_EMAIL_1), ==, "ann@example.com");
  g_assert_cmpstr (e_contact_get_const (contact, E_CONTACT_GIVEN_NAME), ==, "Ann");
  g_object_unref (contact);

  page = list (f);
  g_assert_cmpuint (page->records->len, ==, 2);
  {
    ConcordRecord *bo = find_record (page, "bo@example.com");

    g_assert_nonnull (bo);
    g_assert_cmpstr (concord_record_get_remote_id (bo), ==, bo_uid);
    g_assert_cmpstr (concord_record_get_text (bo, CONCORD_FIELD_LAST_NAME), ==, "Berg");
  }

  /* Fetch: a missing id is left out. */
  {
    const char *ids[] = { bo_uid, "no-such-contact", NULL };
    g_autoptr(GAsyncResult) done = NULL;
    g_autoptr(GPtrArray) fetched = NULL;
    GAsyncResult *slot = NULL;

    concord_connector_fetch_async (CONCORD_CONNECTOR (f->connector), f->book->uid, ids, NULL,
                                   concord_test_store_result_cb, &slot);
    done = concord_test_wait_for_result (&slot);
    fetched = concord_connector_fetch_finish (CONCORD_CONNECTOR (f->connector), done, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (fetched->len, ==, 1);
    g_assert_cmpstr (concord_record_get_remote_id (fetched->pdata[0]), ==, bo_uid);
  }

  /* Update one field. */
  {
    g_autoptr(ConcordRecordChange) change = change_text (ann_uid, CONCORD_FIELD_FIRST_NAME, "Annie");
    g_autoptr(GPtrArray) updated = update (f, change);

    result = g_ptr_array_index (updated, 0);
    g_assert_no_error (result->error);
    g_assert_cmpstr (concord_record_get_text (result->record, CONCORD_FIELD_FIRST_NAME), ==, "Annie");
    g_assert_cmpstr (concord_record_get_text (result->record, CONCORD_FIELD_EMAIL), ==, "ann@example.com");
    contact = concord_test_address_book_get (f->book, ann_uid);
    g_assert_cmpstr (e_contact_get_const (contact, E_CONTACT_GIVEN_NAME), ==, "Annie");
    g_assert_cmpstr (e_contact_get_const (contact, E_CONTACT_FAMILY_NAME), ==, "Lee");
    g_object_unref (contact);
  }

  /* Update of a contact that is gone: NOT_FOUND for it. */
  {
    g_autoptr(ConcordRecordChange) change = change_text ("no-such-contact", CONCORD_FIELD_FIRST_NAME, "X");
    g_autoptr(GPtrArray) updated = update (f, change);

    result = g_ptr_array_index (updated, 0);
    g_assert_error (result->error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  }

  /* Delete, twice: the second finds it gone, which is what was asked. */
  for (guint round = 0; round < 2; round++)
    {
      const char *ids[] = { bo_uid, NULL };
      g_autoptr(GAsyncResult) done = NULL;
      g_autoptr(GPtrArray) deleted = NULL;
      GAsyncResult *slot = NULL;

      concord_connector_delete_async (CONCORD_CONNECTOR (f->connector), f->book->uid, ids, NULL,
                                      concord_test_store_result_cb, &slot);
      done = concord_test_wait_for_result (&slot);
      deleted = concord_connector_delete_finish (CONCORD_CONNECTOR (f->connector), done, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (deleted->len, ==, 1);
      g_assert_no_error (((ConcordWriteResult *) deleted->pdata[0])->error);
    }
  g_assert_null (concord_test_address_book_get (f->book, bo_uid));

  g_clear_pointer (&page, concord_page_free);
  page = list (f);
  g_assert_cmpuint (page->records->len, ==, 1);
}

/* What Concord does not map (Evolution's own properties, another app's
 * X- properties, a grouped label) survives an update byte for byte. */
static void
test_unknown_properties_survive (Fixture       *f,
                                 gconstpointer  data)
{
  const char *vcard =
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "N:Lovelace;Ada;;;\r\n"
    "FN:Ada Lovelace\r\n"
    "EMAIL;TYPE=WORK:ada@example.com\r\n"
    "EMAIL;TYPE=HOME:ada.home@example.org\r\n"
    "X-CUSTOM;X-PARAM=odd:keep me\r\n"
    "X-EVOLUTION-SPOUSE:William King\r\n"
    "item1.X-ABLABEL:Lab notes\r\n"
    "item1.URL:https://example.org/ada\r\n"
    "END:VCARD";
  g_autofree char *uid = concord_test_address_book_add (f->book, vcard);
  g_autoptr(ConcordPage) page = list (f);
  g_autoptr(ConcordRecordChange) change = change_text (uid, CONCORD_FIELD_COMPANY, "Analytical Engines");
  g_autoptr(GPtrArray) results = NULL;
  g_autofree char *after = NULL;
  EContact *contact;
  GList *attrs;

  g_assert_cmpuint (page->records->len, ==, 1);
  results = update (f, change);
  g_assert_no_error (((ConcordWriteResult *) results->pdata[0])->error);

  contact = concord_test_address_book_get (f->book, uid);
  after = e_vcard_to_string (E_VCARD (contact), EVC_FORMAT_VCARD_30);
  g_assert_cmpstr (e_contact_get_const (contact, E_CONTACT_ORG), ==, "Analytical Engines");
  g_assert_nonnull (strstr (after, "X-CUSTOM;X-PARAM=odd:keep me"));
  g_assert_nonnull (strstr (after, "X-EVOLUTION-SPOUSE:William King"));
  g_assert_nonnull (strstr (after, "item1.X-ABLABEL:Lab notes"));
  g_assert_nonnull (strstr (after, "item1.URL:https://example.org/ada"));
  g_assert_nonnull (strstr (after, "EMAIL;TYPE=HOME:ada.home@example.org"));

  /* Both emails are still there, in their order. */
  attrs = e_contact_get_attributes (contact, E_CONTACT_EMAIL);
  g_assert_cmpuint (g_list_length (attrs), ==, 2);
  g_list_free_full (attrs, (GDestroyNotify) e_vcard_attribute_free);
  g_object_unref (contact);
}

/* Someone edits the contact between Concord's read and its write: a
 * change to that field is refused (CONFLICT) and their edit stays; a
 * change to another field goes through, keeping their edit too. */
static void
test_edit_in_between (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *uid = concord_test_address_book_add (f->book,
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Hopper;Grace;;;\r\nFN:Grace Hopper\r\n"
    "EMAIL:grace@example.com\r\nEND:VCARD");
  g_autoptr(ConcordPage) page = list (f);
  g_autoptr(ConcordRecordChange) same = change_text (uid, CONCORD_FIELD_FIRST_NAME, "Amazing");
  g_autoptr(ConcordRecordChange) other = change_text (uid, CONCORD_FIELD_COMPANY, "US Navy");
  g_autoptr(GPtrArray) results = NULL;
  EContact *contact;

  contact = concord_test_address_book_get (f->book, uid);
  e_contact_set (contact, E_CONTACT_GIVEN_NAME, "Gracie");
  concord_test_address_book_modify (f->book, contact);
  g_object_unref (contact);

  results = update (f, same);
  g_assert_error (((ConcordWriteResult *) results->pdata[0])->error, CONCORD_ERROR,
                  CONCORD_ERROR_CONFLICT);
  contact = concord_test_address_book_get (f->book, uid);
  g_assert_cmpstr (e_contact_get_const (contact, E_CONTACT_GIVEN_NAME), ==, "Gracie");
  g_object_unref (contact);

  g_clear_pointer (&results, g_ptr_array_unref);
  results = update (f, other);
  g_assert_no_error (((ConcordWriteResult *) results->pdata[0])->error);
  contact = concord_test_address_book_get (f->book, uid);
  g_assert_cmpstr (e_contact_get_const (contact, E_CONTACT_GIVEN_NAME), ==, "Gracie");
  g_assert_cmpstr (e_contact_get_const (contact, E_CONTACT_ORG), ==, "US Navy");
  g_object_unref (contact);
}

/* A contact whose card Concord cannot read (here, one over the vCard
 * layer's size limit) is left out with a message, named with why in the
 * page's refused, and the listing is not complete (that contact is not a
 * deleted one); the others are listed.
 * A record that cannot become a card is refused on its own, and the rest
 * of its batch is written. */
static void
test_bad_data (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GString) huge = g_string_new ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Big;Bertha;;;\r\n"
                                          "FN:Bertha Big\r\nEMAIL:big@example.com\r\nNOTE:");
  g_autofree char *big_uid = NULL;
  g_autofree char *small_uid = NULL;
  g_autoptr(ConcordPage) page = NULL;

  while (huge->len < CONCORD_VCARD_MAX_BYTES + 1024)
    g_string_append (huge, "lorem ipsum dolor sit amet ");
  g_string_append (huge, "\r\nEND:VCARD");
  big_uid = concord_test_address_book_add (f->book, huge->str);
  small_uid = concord_test_address_book_add (f->book,
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Small;Sam;;;\r\nFN:Sam Small\r\n"
    "EMAIL:sam@example.com\r\nEND:VCARD");

  g_test_expect_message ("concord-connector-gnome-contacts", G_LOG_LEVEL_MESSAGE,
                         "GNOME Contacts: skipped contact * of an address book: *");
  {
    g_autoptr(GError) error = NULL;

    page = concord_test_list_page (CONCORD_CONNECTOR (f->connector), f->book->uid, NULL, &error);
    g_assert_no_error (error);
  }
  g_test_assert_expected_messages ();
  /* Not complete: the contact left out is not a deleted one. */
  g_assert_false (page->complete);
  g_assert_null (page->next_page);
  g_assert_cmpuint (page->records->len, ==, 1);
  g_assert_cmpstr (concord_record_get_remote_id (page->records->pdata[0]), ==, small_uid);
  /* Named by its UID, with why, for the activity. */
  g_assert_cmpuint (page->refused->len, ==, 1);
  g_assert_cmpstr (((ConcordRefusal *) page->refused->pdata[0])->id, ==, big_uid);
  g_assert_nonnull (strstr (((ConcordRefusal *) page->refused->pdata[0])->reason, "larger than"));

  /* A record too big for a card, between two good ones: refused alone. */
  {
    g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
    g_autoptr(GPtrArray) results = NULL;
    g_autofree char *notes = g_strnfill (CONCORD_VCARD_MAX_BYTES + 10, 'x');
    ConcordRecord *too_big = new_person ("huge@example.com", "Huge", "Notes");

    concord_record_set_text (too_big, CONCORD_FIELD_NOTES, CONCORD_FIELD_TYPE_STRING, notes);
    g_ptr_array_add (records, new_person ("first@example.com", "First", "One"));
    g_ptr_array_add (records, too_big);
    g_ptr_array_add (records, new_person ("third@example.com", "Third", "Three"));
    results = create (f, records);
    g_assert_no_error (((ConcordWriteResult *) results->pdata[0])->error);
    g_assert_error (((ConcordWriteResult *) results->pdata[1])->error, CONCORD_ERROR,
                    CONCORD_ERROR_TOO_LARGE);
    g_assert_null (((ConcordWriteResult *) results->pdata[1])->record);
    g_assert_no_error (((ConcordWriteResult *) results->pdata[2])->error);
    g_assert_null (concord_test_address_book_find (f->book, "huge@example.com"));
    {
      g_autofree char *third = concord_test_address_book_find (f->book, "third@example.com");

      g_assert_nonnull (third);
    }
  }
}

/* An edit made through libebook emits "changed" (once for a burst); the
 * connector's own writes do not. */
static void
test_live_changes (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *uid = concord_test_address_book_add (f->book,
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Turing;Alan;;;\r\nFN:Alan Turing\r\n"
    "EMAIL:alan@example.com\r\nEND:VCARD");
  g_autoptr(ConcordPage) page = NULL;
  EContact *contact;

  /* The app's own debounce (1 s), not the fixture's 200 ms: on a busy
   * machine the two edits of a burst below can land more than 200 ms
   * apart and read as two. */
  concord_connector_gnome_contacts_set_debounce (f->connector, 1000);
  g_assert_true (concord_connector_watch_changes (CONCORD_CONNECTOR (f->connector)));
  page = list (f);
  spin (500);
  g_assert_cmpuint (f->changed, ==, 0);

  /* Concord's own update, create and delete: echoes, not changes. */
  {
    g_autoptr(ConcordRecordChange) change = change_text (uid, CONCORD_FIELD_JOB_TITLE, "Mathematician");
    g_autoptr(GPtrArray) results = update (f, change);
    g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
    g_autoptr(GPtrArray) created = NULL;

    g_assert_no_error (((ConcordWriteResult *) results->pdata[0])->error);
    g_ptr_array_add (records, new_person ("joan@example.com", "Joan", "Clarke"));
    created = create (f, records);
    g_assert_no_error (((ConcordWriteResult *) created->pdata[0])->error);
  }
  spin (1500);
  g_assert_cmpuint (f->changed, ==, 0);

  /* Someone else's edits: one "changed". */
  contact = concord_test_address_book_get (f->book, uid);
  e_contact_set (contact, E_CONTACT_NICKNAME, "Prof");
  concord_test_address_book_modify (f->book, contact);
  e_contact_set (contact, E_CONTACT_NICKNAME, "Prof.");
  concord_test_address_book_modify (f->book, contact);
  g_object_unref (contact);
  g_assert_true (concord_test_wait_until (changed_at_least_once, f, 10));
  spin (1500);
  g_assert_cmpuint (f->changed, ==, 1);

  /* A contact added elsewhere, then one removed elsewhere. */
  f->changed = 0;
  {
    g_autofree char *other = concord_test_address_book_add (f->book,
      "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Hollerith;Herman;;;\r\nFN:Herman Hollerith\r\n"
      "EMAIL:herman@example.com\r\nEND:VCARD");
    g_autoptr(GError) error = NULL;

    g_assert_true (concord_test_wait_until (changed_at_least_once, f, 10));
    f->changed = 0;
    g_assert_true (e_book_client_remove_contact_by_uid_sync (f->book->client, other,
                                                             E_BOOK_OPERATION_FLAG_NONE, NULL,
                                                             &error));
    g_assert_no_error (error);
    g_assert_true (concord_test_wait_until (changed_at_least_once, f, 10));
  }
}

static ConcordPage *
list_from (Fixture    *f,
           const char *cursor)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  ConcordPage *page;

  concord_connector_list_async (CONCORD_CONNECTOR (f->connector), f->book->uid, cursor, NULL,
                                NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  page = concord_connector_list_finish (CONCORD_CONNECTOR (f->connector), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (page);
  return page;
}

/* Polls @condition (which lists, and so spins the main context itself)
 * every 100 ms for up to 30 s; concord_test_wait_until() would block in
 * between until some source fired. */
static gboolean
poll_until (gboolean (*condition) (gpointer data),
            gpointer   data)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      spin (100);
    }
  return TRUE;
}

static gboolean
page_has_cursor (gpointer data)
{
  Fixture *f = ((gpointer *) data)[0];
  ConcordPage **page = ((gpointer *) data)[1];

  g_clear_pointer (page, concord_page_free);
  *page = list_from (f, NULL);
  return (*page)->cursor != NULL;
}

typedef struct
{
  Fixture    *f;
  const char *cursor;
  guint       n_records;
  guint       n_deleted;
} Incremental;

static gboolean
incremental_has (gpointer data)
{
  Incremental *want = data;
  g_autoptr(ConcordPage) page = list_from (want->f, want->cursor);

  return !page->complete && page->records->len == want->n_records &&
         page->deleted->len == want->n_deleted;
}

/* With its view running, a listing from the last cursor holds only what
 * changed in the address book since (the EDS view's added and modified
 * contacts, its removed ones as the page's deleted), and then nothing;
 * a cursor of another view (an earlier run of Concord) lists everything. */
static void
test_incremental (Fixture       *f,
                  gconstpointer  data)
{
#define CARD "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Person%u;Some;;;\r\nFN:Some Person%u\r\n" \
             "EMAIL:person%u@example.com\r\nEND:VCARD"
  char *uids[3] = { NULL, };
  g_autofree char *added = NULL;
  g_autoptr(ConcordPage) page = NULL;
  g_autoptr(ConcordPage) changes = NULL;
  g_autoptr(ConcordPage) quiet = NULL;
  g_autoptr(ConcordPage) other = NULL;
  gpointer wait[2] = { f, &page };
  EContact *contact;

  g_assert_true (concord_connector_get_flags (CONCORD_CONNECTOR (f->connector)) &
                 CONCORD_CONNECTOR_INCREMENTAL);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *vcard = g_strdup_printf (CARD, i, i, i);

      uids[i] = concord_test_address_book_add (f->book, vcard);
    }

  /* Without a view, complete listings and no cursor; once it runs, a
   * cursor. */
  page = list_from (f, NULL);
  g_assert_true (page->complete);
  g_assert_null (page->cursor);
  g_assert_true (concord_connector_watch_changes (CONCORD_CONNECTOR (f->connector)));
  g_assert_true (poll_until (page_has_cursor, wait));
  g_assert_true (page->complete);
  g_assert_cmpuint (page->records->len, ==, 3);

  /* One added, one changed, one removed elsewhere. */
  {
    g_autofree char *vcard = g_strdup_printf (CARD, 9u, 9u, 9u);
    g_autoptr(GError) error = NULL;

    added = concord_test_address_book_add (f->book, vcard);
    contact = concord_test_address_book_get (f->book, uids[0]);
    e_contact_set (contact, E_CONTACT_GIVEN_NAME, "Changed");
    concord_test_address_book_modify (f->book, contact);
    g_object_unref (contact);
    g_assert_true (e_book_client_remove_contact_by_uid_sync (f->book->client, uids[1],
                                                             E_BOOK_OPERATION_FLAG_NONE, NULL,
                                                             &error));
    g_assert_no_error (error);
  }
  {
    Incremental want = { f, page->cursor, 2, 1 };

    g_assert_true (poll_until (incremental_has, &want));
  }
  changes = list_from (f, page->cursor);
  g_assert_false (changes->complete);
  g_assert_nonnull (changes->cursor);
  g_assert_cmpuint (changes->records->len, ==, 2);
  for (guint i = 0; i < changes->records->len; i++)
    {
      const char *id = concord_record_get_remote_id (changes->records->pdata[i]);

      g_assert_true (g_str_equal (id, added) || g_str_equal (id, uids[0]));
      if (g_str_equal (id, uids[0]))
        g_assert_cmpstr (concord_record_get_text (changes->records->pdata[i],
                                                  CONCORD_FIELD_FIRST_NAME), ==, "Changed");
    }
  g_assert_cmpuint (changes->deleted->len, ==, 1);
  g_assert_cmpstr (changes->deleted->pdata[0], ==, uids[1]);

  /* Nothing since. */
  quiet = list_from (f, changes->cursor);
  g_assert_false (quiet->complete);
  g_assert_cmpuint (quiet->records->len, ==, 0);
  g_assert_cmpuint (quiet->deleted->len, ==, 0);

  /* A cursor this view did not give: everything. */
  other = list_from (f, "0123456789abcdef:3");
  g_assert_true (other->complete);
  g_assert_cmpuint (other->records->len, ==, 3);
  for (guint i = 0; i < G_N_ELEMENTS (uids); i++)
    g_free (uids[i]);
#undef CARD
}

/* Stops the address-book factory of the test's session, and any backend
 * subprocess of it (Debian's EDS runs the local backend in the factory),
 * as a crash or an update of EDS would. Returns how many it stopped. */
static guint
stop_backends (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) names = NULL;
  g_autoptr(GVariantIter) iter = NULL;
  const char *name;
  guint n = 0;

  g_assert_nonnull (bus);
  names = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "ListNames", NULL,
                                       G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       NULL);
  g_assert_nonnull (names);
  g_variant_get (names, "(as)", &iter);
  while (g_variant_iter_loop (iter, "&s", &name))
    {
      g_autoptr(GVariant) pid = NULL;
      guint32 value;

      if (!g_str_has_prefix (name, "org.gnome.evolution.dataserver.Subprocess.Backend.AddressBook") &&
          !g_str_equal (name, "org.gnome.evolution.dataserver.AddressBook10"))
        continue;
      pid = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                         "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                         g_variant_new ("(s)", name), G_VARIANT_TYPE ("(u)"),
                                         G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
      g_assert_nonnull (pid);
      g_variant_get (pid, "(u)", &value);
      g_assert_cmpint (kill ((pid_t) value, SIGTERM), ==, 0);
      n++;
    }
  return n;
}

/* The address book's backend dies (EDS crashed or was updated): the
 * connector says "changed" so a run comes, connects again on that run's
 * first call, and watches again. */
static void
test_backend_died (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *uid = concord_test_address_book_add (f->book,
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Babbage;Charles;;;\r\nFN:Charles Babbage\r\n"
    "EMAIL:charles@example.com\r\nEND:VCARD");
  g_autoptr(ConcordPage) page = NULL;
  EContact *contact;

  g_assert_true (concord_connector_watch_changes (CONCORD_CONNECTOR (f->connector)));
  page = list (f);
  spin (300);
  g_assert_cmpuint (f->changed, ==, 0);

  g_test_expect_message ("concord-connector-gnome-contacts", G_LOG_LEVEL_MESSAGE,
                         "GNOME Contacts: the address book service stopped; connecting again");
  g_assert_cmpuint (stop_backends (), >, 0);
  g_assert_true (concord_test_wait_until (changed_at_least_once, f, 30));
  g_test_assert_expected_messages ();

  /* The run that follows: a new backend answers. */
  g_clear_pointer (&page, concord_page_free);
  page = list (f);
  g_assert_cmpuint (page->records->len, ==, 1);

  /* And edits are seen again, once the new view is set up in the new
   * factory (its start is asynchronous there: an edit a moment after the
   * run may pass unseen, which the next run reads anyway). */
  f->changed = 0;
  concord_test_address_book_reconnect (f->book);
  for (guint attempt = 0; attempt < 30 && f->changed == 0; attempt++)
    {
      g_autofree char *nickname = g_strdup_printf ("Charlie %u", attempt);

      contact = concord_test_address_book_get (f->book, uid);
      e_contact_set (contact, E_CONTACT_NICKNAME, nickname);
      concord_test_address_book_modify (f->book, contact);
      g_object_unref (contact);
      spin (1000);
    }
  g_assert_cmpuint (f->changed, >, 0);
}

/* An address book that does not exist: NOT_FOUND, not a hang. One named
 * by its display name (as typed on the command line) is found. */
static void
test_unknown_book (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordPage) page = concord_test_list_page (CONCORD_CONNECTOR (f->connector),
                                                        "no-such-address-book", NULL, &error);
  g_autofree char *upper = g_utf8_strup (f->book->name, -1);
  g_autofree char *uid = concord_test_address_book_add (f->book,
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Noether;Emmy;;;\r\nFN:Emmy Noether\r\n"
    "EMAIL:emmy@example.com\r\nEND:VCARD");

  g_assert_null (page);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  page = concord_test_list_page (CONCORD_CONNECTOR (f->connector), upper, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->records->len, ==, 1);
  g_assert_cmpstr (concord_record_get_remote_id (page->records->pdata[0]), ==, uid);
}

/* A desktop without Evolution Data Server: a session bus where nothing
 * can be activated. The call fails within the timeout, with the clear
 * message, and nothing crashes. */
static void
test_service_unavailable (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
      g_autoptr(ConcordConnectorGnomeContacts) connector = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) types = NULL;
      g_autoptr(ConcordPage) page = NULL;
      gint64 start;

      g_test_dbus_up (bus);
      connector = concord_connector_gnome_contacts_new (NULL);
      concord_connector_gnome_contacts_set_timeout (connector, 3);

      start = g_get_monotonic_time ();
      types = concord_connector_list_contact_types_sync (CONCORD_CONNECTOR (connector), NULL, &error);
      g_assert_null (types);
      g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_SERVER);
      g_assert_cmpstr (error->message, ==, "GNOME Contacts’ address book service is not available");
      g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
      g_clear_error (&error);

      page = concord_test_list_page (CONCORD_CONNECTOR (connector), "system-address-book", NULL,
                                     &error);
      g_assert_null (page);
      g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_SERVER);

      g_clear_object (&connector);
      g_test_dbus_down (bus);
      return;
    }

  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  /* Not concord_test_init(): libedataserver reads its GSettings schemas
   * from the system's data directories, which isolated directories hide.
   * The session (.ci/run, tools/in-session.sh) already has a throw-away HOME. */
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  if (!concord_test_address_book_check_session ())
    return 1;

#define ADD(name, func) \
  g_test_add ("/concord/gnome-contacts/" name, Fixture, NULL, setup, func, teardown)
  ADD ("contact-types", test_contact_types);
  ADD ("schema", test_schema);
  ADD ("crud", test_crud);
  ADD ("unknown-properties-survive", test_unknown_properties_survive);
  ADD ("edit-in-between", test_edit_in_between);
  ADD ("bad-data", test_bad_data);
  ADD ("live-changes", test_live_changes);
  ADD ("unknown-book", test_unknown_book);
  ADD ("backend-died", test_backend_died);
  ADD ("incremental", test_incremental);
#undef ADD
  g_test_add_func ("/concord/gnome-contacts/service-unavailable", test_service_unavailable);

  return g_test_run ();
}
