/* concord-mock-carddav-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the parts of the simulated CardDAV server share: its book and
 * changes, the requests it answers (concord-mock-carddav-requests.c), and
 * the object with its public API (concord-mock-carddav.c).
 */

#pragma once

#include "concord-mock-carddav.h"
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define TOKEN_PREFIX   "http://concord.example/ns/sync/"
#define ROOT           "/dav/"
#define PRINCIPAL      "/dav/principals/alice/"
#define HOME           "/dav/addressbooks/alice/"
#define BOOK           CONCORD_MOCK_CARDDAV_BOOK
#define XML_TYPE       "application/xml; charset=utf-8"
#define MULTISTATUS    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" \
                       "<d:multistatus xmlns:d=\"DAV:\" " \
                       "xmlns:card=\"urn:ietf:params:xml:ns:carddav\" " \
                       "xmlns:cs=\"http://calendarserver.org/ns/\">"
#define HUGE_CARD_BYTES (2 * 1024 * 1024)
#define MOVED_PREFIX   "/moved"
#define MAX_RESOURCE_SIZE 102400

typedef struct
{
  char    *data;     /* (owned) the card's text */
  char    *etag;     /* (owned) with quotes */
  guint64  revision;
} ConcordMockCarddavCard;

typedef struct
{
  guint64  revision;
  gboolean deleted;
} ConcordMockCarddavChange;

struct _ConcordMockCarddav
{
  GObject                  parent_instance;

  ConcordMockServer       *server;
  char                    *base_url;

  GMutex                   lock;
  char                    *password;
  GHashTable              *cards;     /* href → Card */
  GHashTable              *changes;   /* href → Change: the last change of each */
  guint64                  revision;
  guint64                  endless;
  guint                    sync_limit;
  guint                    book_redirect;
  ConcordMockCarddavFault  fault;
};

/* concord-mock-carddav-requests.c */
void  _concord_mock_carddav_note_change   (ConcordMockCarddav *self,
                                           const char         *href,
                                           gboolean            deleted);
char *_concord_mock_carddav_store_card    (ConcordMockCarddav *self,
                                           const char         *href,
                                           const char         *data);
void  _concord_mock_carddav_on_request_cb (ConcordMockRequest *request,
                                           gpointer            user_data);

G_END_DECLS
