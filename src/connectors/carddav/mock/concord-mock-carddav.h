/* concord-mock-carddav.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "concord-mock-app.h"
#include "concord-mock-server.h"

G_BEGIN_DECLS

#define CONCORD_MOCK_CARDDAV_USER  "alice"
/* The one address book every mock account has. */
#define CONCORD_MOCK_CARDDAV_BOOK  "/dav/addressbooks/alice/contacts/"

/**
 * ConcordMockCarddavFault:
 * @CONCORD_MOCK_CARDDAV_NONE: behave
 * @CONCORD_MOCK_CARDDAV_ENTITY_BOMB: REPORTs answer a billion-laughs document
 * @CONCORD_MOCK_CARDDAV_DEEP_NESTING: REPORTs answer elements nested 100,000 deep
 * @CONCORD_MOCK_CARDDAV_ENDLESS_507: sync-collection always truncates, each
 *   time with a new token and nothing in it
 * @CONCORD_MOCK_CARDDAV_CROSS_ORIGIN: /.well-known/carddav redirects to
 *   another origin
 * @CONCORD_MOCK_CARDDAV_HUGE_CARD: multigets give each first card a NOTE
 *   of 2 MiB
 * @CONCORD_MOCK_CARDDAV_INVALID_UTF8: multigets give each first card's
 *   text invalid UTF-8 bytes
 * @CONCORD_MOCK_CARDDAV_TOKENS_LOST: every sync token is unknown (403
 *   valid-sync-token), as after a Radicale cache loss
 * @CONCORD_MOCK_CARDDAV_NO_SYNC: a server without sync-collection: not in
 *   supported-report-set, and its REPORT answers 501
 * @CONCORD_MOCK_CARDDAV_SYNC_NO_DATA: sync-collection gives etags only,
 *   even when asked for address-data (servers that allow only getetag
 *   there)
 * @CONCORD_MOCK_CARDDAV_REDIRECT_LOOP: REPORTs and PROPFINDs of the book
 *   answer 307 to /loop/a/, which redirects to /loop/b/, and back
 * @CONCORD_MOCK_CARDDAV_ONE_HUGE_CARD: the card whose UID is "huge" gets a
 *   NOTE of 2 MiB wherever its data is given (the others stay small)
 */
typedef enum
{
  CONCORD_MOCK_CARDDAV_NONE,
  CONCORD_MOCK_CARDDAV_ENTITY_BOMB,
  CONCORD_MOCK_CARDDAV_DEEP_NESTING,
  CONCORD_MOCK_CARDDAV_ENDLESS_507,
  CONCORD_MOCK_CARDDAV_CROSS_ORIGIN,
  CONCORD_MOCK_CARDDAV_HUGE_CARD,
  CONCORD_MOCK_CARDDAV_INVALID_UTF8,
  CONCORD_MOCK_CARDDAV_TOKENS_LOST,
  CONCORD_MOCK_CARDDAV_NO_SYNC,
  CONCORD_MOCK_CARDDAV_SYNC_NO_DATA,
  CONCORD_MOCK_CARDDAV_REDIRECT_LOOP,
  CONCORD_MOCK_CARDDAV_ONE_HUGE_CARD,
} ConcordMockCarddavFault;

#define CONCORD_TYPE_MOCK_CARDDAV (concord_mock_carddav_get_type ())

G_DECLARE_FINAL_TYPE (ConcordMockCarddav, concord_mock_carddav, CONCORD, MOCK_CARDDAV, GObject)

/* What concord-mock, the sandbox and the end-to-end tests run. */
extern const ConcordMockAppInfo concord_mock_carddav_info;

ConcordMockCarddav *concord_mock_carddav_new            (const char          *password,
                                                         guint                port,
                                                         GError             **error);
const char         *concord_mock_carddav_get_base_url   (ConcordMockCarddav  *self);
ConcordMockServer  *concord_mock_carddav_get_server     (ConcordMockCarddav  *self);
void                concord_mock_carddav_set_password   (ConcordMockCarddav  *self,
                                                         const char          *password);

/* The account; every call is thread-safe. Hrefs are decoded paths. */
char               *concord_mock_carddav_put_card       (ConcordMockCarddav  *self,
                                                         const char          *name,
                                                         const char          *vcard);
char               *concord_mock_carddav_get_card       (ConcordMockCarddav  *self,
                                                         const char          *href);
gboolean            concord_mock_carddav_delete_card    (ConcordMockCarddav  *self,
                                                         const char          *href);
guint               concord_mock_carddav_get_n_cards    (ConcordMockCarddav  *self);
void                concord_mock_carddav_generate       (ConcordMockCarddav  *self,
                                                         guint                n,
                                                         guint32              seed);

/* How the server behaves: a sync-collection answer holds at most @limit
 * members, then 507 (0: no limit); a fault on demand. */
void                concord_mock_carddav_set_sync_limit (ConcordMockCarddav  *self,
                                                         guint                limit);
void                concord_mock_carddav_set_fault      (ConcordMockCarddav  *self,
                                                         ConcordMockCarddavFault fault);
/* REPORTs and PROPFINDs of the book answer @status (301, 302, 307, 308;
 * 0: none) to /moved<book>; anything under /moved is served as its path
 * without it. */
void                concord_mock_carddav_set_book_redirect (ConcordMockCarddav *self,
                                                            guint               status);

G_END_DECLS
