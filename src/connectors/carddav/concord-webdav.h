/* concord-webdav.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The most of a 207 answer that is parsed (a sync-collection REPORT of
 * 10,000 members is some 2.4 MB; a multiget of 100 cards some 100 KB). */
#define CONCORD_WEBDAV_MAX_ANSWER_BYTES (32 * 1024 * 1024)
/* The deepest element read; a multistatus needs 7. */
#define CONCORD_WEBDAV_MAX_DEPTH 48
/* The most <response> elements one answer may hold. */
#define CONCORD_WEBDAV_MAX_RESPONSES 200000

/* vCard versions a book takes (C:supported-address-data). */
typedef enum
{
  CONCORD_WEBDAV_VCARD_3 = 1 << 0,
  CONCORD_WEBDAV_VCARD_4 = 1 << 1,
} ConcordWebdavVCardVersions;

/**
 * ConcordWebdavResponse:
 * @href: the member's path on the request's origin, percent-decoded and
 *   resolved against the request URL ("/alice/book/a b.vcf")
 * @status: the <response>'s own status (404: a sync-collection tombstone,
 *   507 on the collection: truncated), or the status of the propstat that
 *   held the properties; 0 when none was given
 * @etag: (nullable): getetag, as the server wrote it (quotes included)
 * @address_data: (nullable): C:address-data text, valid UTF-8
 * @invalid_data: the address-data was not valid UTF-8 (it is left out)
 * @displayname: (nullable)
 * @sync_token: (nullable): the collection's D:sync-token property
 * @ctag: (nullable): CS:getctag
 * @is_collection, @is_addressbook: from resourcetype
 * @principal: (nullable): current-user-principal's href, decoded path
 * @home_set: (nullable): addressbook-home-set's first href, decoded path
 * @sync_collection: supported-report-set names sync-collection
 * @versions: #ConcordWebdavVCardVersions of supported-address-data
 * @max_resource_size: C:max-resource-size, 0 when not given
 */
typedef struct
{
  char    *href;
  guint    status;
  char    *etag;
  char    *address_data;
  gboolean invalid_data;
  char    *displayname;
  char    *sync_token;
  char    *ctag;
  gboolean is_collection;
  gboolean is_addressbook;
  char    *principal;
  char    *home_set;
  gboolean sync_collection;
  guint    versions;
  guint64  max_resource_size;
} ConcordWebdavResponse;

/**
 * ConcordWebdavMultistatus:
 * @responses: (element-type ConcordWebdavResponse)
 * @sync_token: (nullable): the top-level sync-token of a sync-collection
 * @truncated: a response for the request URL said 507: call again with
 *   @sync_token for the rest
 * @dropped: responses left out (an href on another origin, unreadable)
 */
typedef struct
{
  GPtrArray *responses;
  char      *sync_token;
  gboolean   truncated;
  guint      dropped;
} ConcordWebdavMultistatus;

void                      concord_webdav_response_free    (ConcordWebdavResponse    *response);
void                      concord_webdav_multistatus_free (ConcordWebdavMultistatus *multistatus);

ConcordWebdavMultistatus *concord_webdav_parse_multistatus (const char              *data,
                                                            gsize                    length,
                                                            const char              *request_url,
                                                            GError                 **error);
gboolean                  concord_webdav_is_precondition   (const char              *data,
                                                            gsize                    length,
                                                            const char              *element);
guint                     concord_webdav_parse_status      (const char              *status_line);

char                     *concord_webdav_decode_path       (const char              *href,
                                                            const char              *request_url);
char                     *concord_webdav_encode_path       (const char              *path);
char                     *concord_webdav_safe_name         (const char              *uid);

GBytes                   *concord_webdav_propfind_body     (const char * const      *props);
GBytes                   *concord_webdav_sync_collection_body (const char           *sync_token,
                                                               gboolean              with_data);
GBytes                   *concord_webdav_multiget_body     (const char * const      *paths,
                                                            guint                    n_paths);

/* Property names for concord_webdav_propfind_body(): "D:x", "C:x", "CS:x". */
#define CONCORD_WEBDAV_CONTENT_TYPE "application/xml; charset=utf-8"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordWebdavResponse, concord_webdav_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordWebdavMultistatus, concord_webdav_multistatus_free)

G_END_DECLS
