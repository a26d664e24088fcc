/* concord-test-address-book.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* libedataserver's headers still name GTimeVal. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
#include <libebook/libebook.h>
G_GNUC_END_IGNORE_DEPRECATIONS

/**
 * ConcordTestAddressBook:
 * @registry: the test's own registry
 * @source: the temporary address book (backend "local")
 * @client: a client on it, for the test's own reads and edits
 * @uid: the source's UID (the connector's contact type)
 * @name: its display name
 *
 * A temporary address book in the session's Evolution Data Server, made
 * for one test and removed after it.
 */
typedef struct
{
  ESourceRegistry *registry;
  ESource         *source;
  EBookClient     *client;
  char            *uid;
  char            *name;
} ConcordTestAddressBook;

gboolean                concord_test_address_book_check_session (void);
ConcordTestAddressBook *concord_test_address_book_new    (const char             *test_name);
void                    concord_test_address_book_free   (ConcordTestAddressBook *book);
void                    concord_test_address_book_reconnect (ConcordTestAddressBook *book);
char                   *concord_test_address_book_add    (ConcordTestAddressBook *book,
                                                          const char             *vcard);
EContact               *concord_test_address_book_get    (ConcordTestAddressBook *book,
                                                          const char             *uid);
void                    concord_test_address_book_modify (ConcordTestAddressBook *book,
                                                          EContact               *contact);
char                   *concord_test_address_book_find   (ConcordTestAddressBook *book,
                                                          const char             *email);

G_END_DECLS
