/* concord-test-address-book.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Temporary address books for the GNOME Contacts tests: an ESource with
 * the address-book extension and the "local" backend, committed to the
 * session's registry (Evolution Data Server is D-Bus-activated on the
 * test's private session bus, as tools/in-session.sh and .ci/run give
 * it), removed by concord_test_address_book_free().
 */

#include "config.h"

#include <unistd.h>

#include "concord-test-address-book.h"

/**
 * concord_test_address_book_check_session:
 *
 * Fails the test with a clear message when there is no session bus to
 * find Evolution Data Server on.
 *
 * Returns: %TRUE when the tests can go on
 */
gboolean
concord_test_address_book_check_session (void)
{
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL)
    return TRUE;

  g_printerr ("The GNOME Contacts tests need a private session bus with Evolution Data "
              "Server (evolution-data-server installed): run them inside "
              "dbus-run-session, as .ci/run does.\n");
  return FALSE;
}

ConcordTestAddressBook *
concord_test_address_book_new (const char *test_name)
{
  ConcordTestAddressBook *book = g_new0 (ConcordTestAddressBook, 1);
  g_autoptr(GError) error = NULL;
  ESourceBackend *backend;

  book->registry = e_source_registry_new_sync (NULL, &error);
  g_assert_no_error (error);

  book->uid = g_strdup_printf ("concord-test-%s-%d-%u", test_name, (int) getpid (),
                               g_random_int ());
  book->name = g_strdup_printf ("Concord test %s %d", test_name, (int) getpid ());
  book->source = e_source_new_with_uid (book->uid, NULL, &error);
  g_assert_no_error (error);
  e_source_set_parent (book->source, "local-stub");
  e_source_set_display_name (book->source, book->name);
  backend = e_source_get_extension (book->source, E_SOURCE_EXTENSION_ADDRESS_BOOK);
  e_source_backend_set_backend_name (backend, "local");
  g_assert_true (e_source_registry_commit_source_sync (book->registry, book->source, NULL,
                                                       &error));
  g_assert_no_error (error);

  /* From here on, the registry's own copy of it. */
  g_object_unref (book->source);
  book->source = e_source_registry_ref_source (book->registry, book->uid);
  g_assert_nonnull (book->source);

  concord_test_address_book_reconnect (book);
  return book;
}

/* Connects the test's own client (again, after its backend died). */
void
concord_test_address_book_reconnect (ConcordTestAddressBook *book)
{
  g_autoptr(GError) error = NULL;
  EClient *client = NULL;

  /* The address-book factory learns of a new source a moment after the
   * registry ("No such source for UID" until then). A source made at run
   * time never reports itself "connected" on EDS 3.46, so the connection
   * waits one second for that, not thirty. */
  for (guint attempt = 0; ; attempt++)
    {
      client = e_book_client_connect_sync (book->source, 1, NULL, &error);
      if (client != NULL || attempt == 50)
        break;
      g_clear_error (&error);
      g_usleep (100 * 1000);
    }
  g_assert_no_error (error);
  g_clear_object (&book->client);
  book->client = E_BOOK_CLIENT (client);
}

void
concord_test_address_book_free (ConcordTestAddressBook *book)
{
  g_autoptr(GError) error = NULL;
  if (book == NULL)
    return;

  g_clear_object (&book->client);
  if (!e_source_remove_sync (book->source, NULL, &error))
    g_printerr ("Could not remove the test address book: %s\n", error->message);
  g_clear_object (&book->source);
  g_clear_object (&book->registry);
  g_free (book->uid);
  g_free (book->name);
  g_free (book);
}

/* Adds the contact of @vcard, as another app would; returns its UID. */
char *
concord_test_address_book_add (ConcordTestAddressBook *book,
                               const char             *vcard)
{
  g_autoptr(GError) error = NULL;
  EContact *contact = e_contact_new_from_vcard (vcard);
  char *uid = NULL;

  g_assert_nonnull (contact);
  g_assert_true (e_book_client_add_contact_sync (book->client, contact, E_BOOK_OPERATION_FLAG_NONE,
                                                 &uid, NULL, &error));
  g_assert_no_error (error);
  g_object_unref (contact);
  return uid;
}

/* The contact @uid as stored, or NULL when there is none. */
EContact *
concord_test_address_book_get (ConcordTestAddressBook *book,
                               const char             *uid)
{
  g_autoptr(GError) error = NULL;
  EContact *contact = NULL;

  if (!e_book_client_get_contact_sync (book->client, uid, &contact, NULL, &error))
    {
      g_assert_error (error, E_BOOK_CLIENT_ERROR, E_BOOK_CLIENT_ERROR_CONTACT_NOT_FOUND);
      return NULL;
    }
  return contact;
}

void
concord_test_address_book_modify (ConcordTestAddressBook *book,
                                  EContact               *contact)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (e_book_client_modify_contact_sync (book->client, contact,
                                                    E_BOOK_OPERATION_FLAG_NONE, NULL, &error));
  g_assert_no_error (error);
}

/* The UID of the contact with @email, or NULL. */
char *
concord_test_address_book_find (ConcordTestAddressBook *book,
                                const char             *email)
{
  g_autoptr(GError) error = NULL;
  EBookQuery *query = e_book_query_field_test (E_CONTACT_EMAIL, E_BOOK_QUERY_IS, email);
  g_autofree char *sexp = e_book_query_to_string (query);
  GSList *uids = NULL;
  char *uid = NULL;

  e_book_query_unref (query);
  g_assert_true (e_book_client_get_contacts_uids_sync (book->client, sexp, &uids, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_slist_length (uids), <=, 1);
  if (uids != NULL)
    uid = g_strdup (uids->data);
  g_slist_free_full (uids, g_free);
  return uid;
}
