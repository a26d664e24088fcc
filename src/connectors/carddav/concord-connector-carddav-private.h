/* concord-connector-carddav-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-connector-carddav.h"
#include "concord-http-client.h"
#include "concord-vcard.h"
#include "concord-webdav.h"
#include "concord-write-batch.h"

G_BEGIN_DECLS

/* For the tests: how many requests with this label ("REPORT sync-collection",
 * "REPORT addressbook-multiget", "PUT", "DELETE", "PROPFIND", "GET") the
 * connector sent since it was made. */
guint _concord_connector_carddav_count_requests (ConcordConnectorCarddav *self,
                                                 const char              *label);
/* For the tests: the retry base of the HTTP client, in milliseconds. */
void  _concord_connector_carddav_set_retry_base_ms (ConcordConnectorCarddav *self,
                                                    guint                    base_ms);
/* For the tests: cards per addressbook-multiget (1..100). */
/* For the tests: the largest answer the HTTP client takes. */
void  _concord_connector_carddav_set_max_answer_bytes (ConcordConnectorCarddav *self,
                                                      gsize                    max_bytes);
void  _concord_connector_carddav_set_multiget_size (ConcordConnectorCarddav *self,
                                                    guint                    size);
/* For the tests: the HTTP client's whole-answer deadline. */
void  _concord_connector_carddav_set_deadline_ms (ConcordConnectorCarddav *self,
                                                  guint                    deadline_ms);

/* What the parts of the connector share: concord-connector-carddav.c
 * (small helpers, schema, the object), -fetch.c (multiget and fetch),
 * -discover.c (finding the address books), -list.c (listing) and
 * -write.c (writes). */

#define MULTIGET_SIZE     100
#define MAX_BATCH         50
#define MAX_REDIRECTS     5
#define MAX_SYNC_ROUNDS   1000
#define MAX_CONFLICT_TRIES 3
#define MAX_MEMBERS       1000000
/* Multiget answers over the client's limit that one page may meet while
 * it halves its batch down to the cards too large alone (one such card
 * in a batch of 100 costs 7). */
#define MAX_OVERSIZED     16
#define RATE_BUDGET       36000
#define VCARD_TYPE        "text/vcard; charset=utf-8"
#define CTAG_PREFIX       "ctag:"

#define LABEL_PROPFIND    "PROPFIND"
#define LABEL_SYNC        "REPORT sync-collection"
#define LABEL_MULTIGET    "REPORT addressbook-multiget"
#define LABEL_PUT         "PUT"
#define LABEL_DELETE      "DELETE"

typedef struct
{
  char         *etag;
  ConcordVCard *card;
} ConcordCarddavCard;

typedef struct
{
  char    *path;
  char    *label;
  guint    versions;
  gboolean sync_collection;
} ConcordCarddavBook;

/* The members a listing still has to give, in pages. */
typedef struct
{
  guint       generation;
  GPtrArray  *hrefs;     /* (element-type utf8) changed members, in order */
  GHashTable *etags;     /* href → etag listed */
  GPtrArray  *deleted;   /* (element-type utf8) hrefs */
  char      *cursor;
  gboolean   complete;
  guint      refused;
} ConcordCarddavListing;

struct _ConcordConnectorCarddav
{
  ConcordConnector   parent_instance;

  ConcordHttpClient *client;
  char              *origin;       /* "http://127.0.0.1:5232", no trailing slash */
  char              *start_path;   /* decoded path of the address given */
  char              *region;       /* (nullable) for phone numbers */

  GHashTable        *books;        /* path → Book */
  GHashTable        *cards;        /* href → Card */
  GHashTable        *listings;     /* book path → Listing */
  GHashTable        *moved;        /* book path → where a 301/308 moved it, this run */
  guint              generation;
  guint              multiget_size;
  GHashTable        *counts;       /* label → count */
};

/* concord-connector-carddav.c */
void                _concord_carddav_card_free       (ConcordCarddavCard *card);
ConcordCarddavCard *_concord_carddav_card_new        (const char   *etag,
                                                      ConcordVCard *vcard);
char               *_concord_carddav_request_url     (ConcordConnectorCarddav *self,
                                                      const char              *path);
gboolean            _concord_carddav_is_book_path    (const char *path);
char               *_concord_carddav_book_dir        (const char *book);
gboolean            _concord_carddav_same_collection (const char *a,
                                                      const char *b);
gboolean            _concord_carddav_is_member_of    (const char *href,
                                                      const char *book);
const char         *_concord_carddav_book_location   (ConcordConnectorCarddav *self,
                                                      const char              *book);
gboolean            _concord_carddav_in_book         (ConcordConnectorCarddav *self,
                                                      const char              *href,
                                                      const char              *book);
char               *_concord_carddav_follow_redirect (ConcordConnectorCarddav  *self,
                                                      const char               *label,
                                                      const char               *book,
                                                      const char               *path,
                                                      guint                     status,
                                                      SoupMessageHeaders       *headers,
                                                      guint                    *hops,
                                                      GError                  **error);
char               *_concord_carddav_last_segment    (const char *path);
ConcordHttpRequest *_concord_carddav_dav_request     (ConcordConnectorCarddav *self,
                                                      const char              *method,
                                                      const char              *path,
                                                      const char              *depth,
                                                      GBytes                  *body,
                                                      const char              *content_type,
                                                      const char              *label);
ConcordRecord      *_concord_carddav_card_record     (ConcordConnectorCarddav *self,
                                                      const char              *href,
                                                      ConcordCarddavCard      *card);
const char         *_concord_carddav_header_etag     (SoupMessageHeaders *headers);

/* concord-connector-carddav-fetch.c */
void                      _concord_carddav_multiget_async       (ConcordConnectorCarddav *self,
                                                                 const char              *book,
                                                                 const char * const      *hrefs,
                                                                 guint                    n_hrefs,
                                                                 GCancellable            *cancellable,
                                                                 GAsyncReadyCallback      callback,
                                                                 gpointer                 user_data);
ConcordWebdavMultistatus *_concord_carddav_multiget_finish      (ConcordConnectorCarddav  *self,
                                                                 GAsyncResult             *result,
                                                                 GError                  **error);
ConcordCarddavCard       *_concord_carddav_take_response_why    (ConcordConnectorCarddav  *self,
                                                                 ConcordWebdavResponse    *response,
                                                                 char                    **reason);
ConcordCarddavCard       *_concord_carddav_take_response        (ConcordConnectorCarddav *self,
                                                                 ConcordWebdavResponse   *response);
void                      concord_connector_carddav_fetch_async (ConcordConnector    *connector,
                                                                 const char          *contact_type,
                                                                 const char * const  *remote_ids,
                                                                 GCancellable        *cancellable,
                                                                 GAsyncReadyCallback  callback,
                                                                 gpointer             user_data);

/* concord-connector-carddav-discover.c */
GPtrArray             *_concord_carddav_list_books                        (ConcordConnectorCarddav *self);
ConcordWebdavResponse *_concord_carddav_find_response                     (ConcordWebdavMultistatus *ms,
                                                                           const char               *path);
void                   concord_connector_carddav_list_contact_types_async (ConcordConnector    *connector,
                                                                           GCancellable        *cancellable,
                                                                           GAsyncReadyCallback  callback,
                                                                           gpointer             user_data);
void                   concord_connector_carddav_verify_async             (ConcordConnector    *connector,
                                                                           GCancellable        *cancellable,
                                                                           GAsyncReadyCallback  callback,
                                                                           gpointer             user_data);

/* concord-connector-carddav-list.c */
void concord_connector_carddav_list_async (ConcordConnector    *connector,
                                           const char          *contact_type,
                                           const char          *cursor,
                                           const char          *page_token_,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);

/* concord-connector-carddav-write.c */
void concord_connector_carddav_create_async (ConcordConnector    *connector,
                                             const char          *contact_type,
                                             GPtrArray           *records,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void concord_connector_carddav_update_async (ConcordConnector    *connector,
                                             const char          *contact_type,
                                             GPtrArray           *changes,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void concord_connector_carddav_delete_async (ConcordConnector    *connector,
                                             const char          *contact_type,
                                             const char * const  *remote_ids,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);

G_END_DECLS
