/* concord-connector-carddav.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * CardDAV (RFC 6352) with WebDAV sync (RFC 6578): Radicale, Nextcloud,
 * Baïkal, Fastmail, iCloud. An account is a server address, a user and a
 * password (Basic auth, the password in the keyring); its contact types
 * are the user's address books, found by discovery.
 *
 * HTTP. Every request goes through the platform's ConcordHttpClient on the
 * engine thread's context (async: the engine thread is never blocked), to
 * one origin: the client's base URL is the server's origin and every path
 * is absolute. A redirect is followed by this connector, and only on the
 * same origin (CONCORD_HTTP_SAME_ORIGIN_REDIRECT: the client reports it,
 * the connector sends the request again there, at most MAX_REDIRECTS
 * times); one to another origin is an error, and the credentials never go
 * there. libedataserver's EWebDAVSession does the same work synchronously
 * (it would block the engine thread or need a thread of its own), and is
 * no faster: bench/concord-bench-webdav, Radicale on loopback, a book of
 * 2,000 cards, warm server cache, two rounds alternating (2 shared cores):
 *
 *   discovery from the root   EDS 0.310 s (0.545 cold)  Concord 0.277–0.317 s
 *   sync-collection + 20 multigets of 100
 *                             EDS 0.768 s (2.841 cold)  Concord 0.719–0.755 s
 *   no-change run (Concord)   one REPORT, 0.171–0.179 s
 *
 * and Concord's figure includes turning every card into a record, which
 * EDS's does not. The platform client was kept.
 *
 * Discovery (verify, the address-book list): PROPFIND /.well-known/carddav
 * when the address given is the server's root (a 301/302 is followed),
 * else the address given; current-user-principal → addressbook-home-set →
 * PROPFIND Depth 1 over the home, keeping the collections whose
 * resourcetype has C:addressbook. An address that is itself a book is a
 * book. A book's id is its decoded path, its label its displayname.
 *
 * Listing. The cursor is the book's sync token (opaque; Baïkal's "0" is no
 * token). The first page is one REPORT sync-collection asking for getetag
 * and address-data (RFC 6578 §3.2 allows any property; on Radicale 3 with
 * 2,000 cards it costs the server what the etags alone cost, and saves
 * the 20 multigets that were more than half of a first sync): the cards
 * that come with it go to the cache at their etag. Members with an etag
 * known (that came along, or a card this connector read or wrote) are
 * records at once; the others (a server that answers etags only there)
 * wait in a pending list that the next pages fetch with
 * addressbook-multiget, at most MULTIGET_SIZE a request (the page token
 * names the list and a position in it). An answer too large with the
 * cards, or a 400/415 to asking them, sends the REPORT again for etags
 * only. A 404 member is a deletion (ConcordPage.deleted). A 507 on the
 * collection is a truncated answer: the REPORT goes again with the token it
 * returned, at most MAX_SYNC_ROUNDS times. A 403 valid-sync-token makes the
 * listing start again without a token, as a complete one, so the engine's
 * links keep every card paired without duplicates. A server without
 * sync-collection gets a PROPFIND Depth 1 getetag, a complete listing,
 * whose cursor is the book's CS:getctag ("ctag:…"): the next listing asks
 * the ctag alone (PROPFIND Depth 0) and lists again only when it changed.
 * A run with no change is therefore one request, and no multiget.
 *
 * A card that cannot be read (not UTF-8, not a vCard) is left out on its
 * own; a complete listing that left one out says it is not complete, so
 * its absence never reads as a deletion. A multiget whose answer is over
 * the client's limit (CONCORD_WEBDAV_MAX_ANSWER_BYTES) is asked again in
 * halves until the card too large is alone, and that card is left out the
 * same way (at most MAX_OVERSIZED such answers a page).
 *
 * The listing's requests (sync-collection, the PROPFIND fallback, the
 * multigets) follow a same-origin redirect with the same method and body,
 * at most MAX_REDIRECTS hops; a permanent one (301, 308) is remembered for
 * the rest of the run (the book's id, stored by the engine, is kept).
 *
 * Writes. Cards are edited, never regenerated: the connector keeps each
 * card as last read or written, with its etag; an update applies the
 * change to it (concord_vcard_apply) and PUTs it with If-Match. A 412 (the
 * card changed on the server since) fetches it again: if the server
 * changed none of the fields the change sets or clears, the change is
 * applied onto the fresh card and sent again; otherwise the change is
 * left, as a retryable error of that record, for the next run's three-way
 * merge to decide. A create PUTs <book>/<name>.vcf with If-None-Match: *,
 * the name from a new UID (concord_webdav_safe_name: safe for any UID); a
 * 412 there means the card is already there (a PUT repeated after a lost
 * answer): it is read, not written twice. A delete is DELETE If-Match.
 * Several writes are in flight at once (the client's limit).
 */

#define G_LOG_DOMAIN "concord-carddav"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "concord-connector-carddav-private.h"
#include "concord-error.h"
#include "concord-http-client.h"
#include "concord-vcard.h"
#include "concord-webdav.h"
#include "concord-write-batch.h"

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
} Card;

typedef struct
{
  char    *path;
  char    *label;
  guint    versions;
  gboolean sync_collection;
} Book;

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
} Listing;

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

G_DEFINE_FINAL_TYPE (ConcordConnectorCarddav, concord_connector_carddav, CONCORD_TYPE_CONNECTOR)

/* ------------------------------------------------------------------------- */
/* Small things                                                              */
/* ------------------------------------------------------------------------- */

static void
card_free (Card *card)
{
  g_free (card->etag);
  g_clear_pointer (&card->card, concord_vcard_free);
  g_free (card);
}

static Card *
card_new (const char   *etag,
          ConcordVCard *vcard)
{
  Card *card = g_new0 (Card, 1);

  card->etag = g_strdup (etag);
  card->card = vcard;
  return card;
}

static void
book_free (Book *book)
{
  g_free (book->path);
  g_free (book->label);
  g_free (book);
}

static void
listing_free (Listing *listing)
{
  g_clear_pointer (&listing->hrefs, g_ptr_array_unref);
  g_clear_pointer (&listing->etags, g_hash_table_unref);
  g_clear_pointer (&listing->deleted, g_ptr_array_unref);
  g_free (listing->cursor);
  g_free (listing);
}

static char *
request_url (ConcordConnectorCarddav *self,
             const char              *path)
{
  g_autofree char *encoded = concord_webdav_encode_path (path);

  return g_strconcat (self->origin, encoded, NULL);
}

static gboolean
is_book_path (const char *path)
{
  return path != NULL && path[0] == '/' && g_utf8_validate (path, -1, NULL) &&
         strstr (path, "/../") == NULL && strstr (path, "/./") == NULL;
}

/* The book's path with one trailing '/'. */
static char *
book_dir (const char *book)
{
  return g_str_has_suffix (book, "/") ? g_strdup (book) : g_strconcat (book, "/", NULL);
}

static gboolean
same_collection (const char *a,
                 const char *b)
{
  gsize la = strlen (a);
  gsize lb = strlen (b);

  while (la > 1 && a[la - 1] == '/')
    la--;
  while (lb > 1 && b[lb - 1] == '/')
    lb--;
  return la == lb && strncmp (a, b, la) == 0;
}

static gboolean
is_member_of (const char *href,
              const char *book)
{
  g_autofree char *dir = book_dir (book);

  return g_str_has_prefix (href, dir) && href[strlen (dir)] != '\0';
}

/* The path a book's requests go to: where a permanent redirect (301,
 * 308) moved it during this run, else the book's own. The book's id stays
 * what the engine stored (a contact type id is not renamed under it). */
static const char *
book_location (ConcordConnectorCarddav *self,
               const char              *book)
{
  const char *moved = g_hash_table_lookup (self->moved, book);

  return moved != NULL ? moved : book;
}

/* A member of @book, or of where it moved. */
static gboolean
in_book (ConcordConnectorCarddav *self,
         const char              *href,
         const char              *book)
{
  return is_member_of (href, book) || is_member_of (href, book_location (self, book));
}

/* A same-origin redirect of a request to @path (the client hands it back
 * with CONCORD_HTTP_SAME_ORIGIN_REDIRECT; one to another origin is already
 * an error that names both origins). Returns the decoded path to send the
 * same request to, or NULL with @error set: an unreadable Location, or
 * more than MAX_REDIRECTS hops. A permanent one (301, 308) of @book is
 * remembered for the rest of the run. */
static char *
follow_redirect (ConcordConnectorCarddav  *self,
                 const char               *label,
                 const char               *book,
                 const char               *path,
                 guint                     status,
                 SoupMessageHeaders       *headers,
                 guint                    *hops,
                 GError                  **error)
{
  const char *location = headers != NULL ? soup_message_headers_get_one (headers, "Location")
                                         : NULL;
  g_autofree char *url = request_url (self, path);
  g_autofree char *target = location != NULL ? concord_webdav_decode_path (location, url) : NULL;

  if (target == NULL || !is_book_path (target))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                   /* Translators: %s is a request such as "REPORT sync-collection", %u an
                    * HTTP status such as 307 */
                   _("%s: the CardDAV server redirected the address book (HTTP %u) to an "
                     "address Concord cannot read, so the redirect was not followed."),
                   label, status);
      return NULL;
    }
  if (++*hops > MAX_REDIRECTS)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                   /* Translators: %s is a request such as "REPORT sync-collection", %d a
                    * number of redirects */
                   _("%s: the CardDAV server redirected the address book more than %d times "
                     "(a redirect loop?); Concord stopped following it. Check the server's "
                     "address in the account."),
                   label, MAX_REDIRECTS);
      return NULL;
    }

  g_debug ("%s: HTTP %u, following the redirect on the same server", label, status);
  if ((status == SOUP_STATUS_MOVED_PERMANENTLY || status == SOUP_STATUS_PERMANENT_REDIRECT) &&
      same_collection (path, book_location (self, book)))
    g_hash_table_replace (self->moved, g_strdup (book), g_strdup (target));
  return g_steal_pointer (&target);
}

static char *
last_segment (const char *path)
{
  g_autofree char *copy = g_strdup (path);
  gsize length = strlen (copy);
  const char *slash;

  while (length > 1 && copy[length - 1] == '/')
    copy[--length] = '\0';
  slash = strrchr (copy, '/');
  return g_strdup (slash != NULL && slash[1] != '\0' ? slash + 1 : copy);
}

static ConcordHttpRequest *
dav_request (ConcordConnectorCarddav *self,
             const char              *method,
             const char              *path,
             const char              *depth,
             GBytes                  *body,
             const char              *content_type,
             const char              *label)
{
  g_autofree char *encoded = concord_webdav_encode_path (path);
  ConcordHttpRequest *request = concord_http_request_new (method, encoded, label);
  guint count;

  if (depth != NULL)
    concord_http_request_add_header (request, "Depth", depth);
  if (body != NULL)
    concord_http_request_set_body (request, body, content_type);

  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, label));
  g_hash_table_replace (self->counts, g_strdup (label), GUINT_TO_POINTER (count + 1));

  return request;
}

static ConcordRecord *
card_record (ConcordConnectorCarddav *self,
             const char              *href,
             Card                    *card)
{
  ConcordRecord *record = concord_vcard_to_record (card->card, href, self->region);

  if (record != NULL)
    concord_record_set_version (record, card->etag);
  return record;
}

static const char *
header_etag (SoupMessageHeaders *headers)
{
  const char *etag = headers != NULL ? soup_message_headers_get_one (headers, "ETag") : NULL;

  /* A weak etag cannot be used in If-Match. */
  if (etag == NULL || *etag == '\0' || g_str_has_prefix (etag, "W/"))
    return NULL;
  return etag;
}

static gboolean
refine_error (guint        status,
              GBytes      *body,
              const char  *label,
              GError     **error,
              gpointer     user_data)
{
  gsize size = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &size) : NULL;

  if (status == SOUP_STATUS_UNAUTHORIZED)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                   _("The CardDAV server refused the user name or password. Check them; "
                     "some servers (Nextcloud, iCloud) want an app password."));
      return TRUE;
    }

  if (status == SOUP_STATUS_FORBIDDEN &&
      concord_webdav_is_precondition (data, size, "valid-sync-token"))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                   "%s: the server no longer knows the sync token", label);
      return TRUE;
    }

  return FALSE;
}

/* ------------------------------------------------------------------------- */
/* Multiget: cards by href                                                   */
/* ------------------------------------------------------------------------- */

typedef struct
{
  char      *book;
  GPtrArray *hrefs;   /* (element-type utf8) */
  char      *path;    /* where the request goes: the book, or where it redirected */
  GBytes    *body;    /* the same body after a redirect */
  guint      hops;
} Multiget;

static void
multiget_free (Multiget *data)
{
  g_free (data->book);
  g_ptr_array_unref (data->hrefs);
  g_free (data->path);
  g_clear_pointer (&data->body, g_bytes_unref);
  g_free (data);
}

static void multiget_send (GTask *task);

static void
on_multiget_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorCarddav *self = g_task_get_source_object (task);
  Multiget *data = g_task_get_task_data (task);
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  ConcordWebdavMultistatus *ms;
  gsize size;
  const char *bytes;
  guint status = 0;

  body = concord_http_client_send_finish (CONCORD_HTTP_CLIENT (object), result, &status,
                                          &headers, &error);
  if (body == NULL)
    {
      /* For a request that is not JSON, the client's one PARSE error is an
       * answer over its limit: the caller may ask fewer cards. */
      if (g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_PARSE))
        error->code = CONCORD_ERROR_TOO_LARGE;
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (status >= 300 && status < 400)
    {
      char *target = follow_redirect (self, LABEL_MULTIGET, data->book, data->path, status,
                                      headers, &data->hops, &error);

      if (target == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_free (data->path);
      data->path = target;
      multiget_send (g_steal_pointer (&task));
      return;
    }

  url = request_url (self, data->path);
  bytes = g_bytes_get_data (body, &size);
  ms = concord_webdav_parse_multistatus (bytes != NULL ? bytes : "", size, url, &error);
  if (ms == NULL)
    {
      g_prefix_error (&error, "%s: ", LABEL_MULTIGET);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_pointer (task, ms, (GDestroyNotify) concord_webdav_multistatus_free);
}

/* Fetches @hrefs (at most MULTIGET_SIZE) of @book; the answer is a
 * ConcordWebdavMultistatus. An answer over the client's limit is
 * CONCORD_ERROR_TOO_LARGE. */
static void
multiget_async (ConcordConnectorCarddav *self,
                const char              *book,
                const char * const      *hrefs,
                guint                    n_hrefs,
                GCancellable            *cancellable,
                GAsyncReadyCallback      callback,
                gpointer                 user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Multiget *data = g_new0 (Multiget, 1);

  data->book = g_strdup (book);
  data->path = g_strdup (book_location (self, book));
  data->body = concord_webdav_multiget_body (hrefs, n_hrefs);
  data->hrefs = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n_hrefs; i++)
    g_ptr_array_add (data->hrefs, g_strdup (hrefs[i]));
  g_task_set_task_data (task, data, (GDestroyNotify) multiget_free);
  multiget_send (task);
}

/* Takes the caller's reference on @task. */
static void
multiget_send (GTask *task)
{
  ConcordConnectorCarddav *self = g_task_get_source_object (task);
  Multiget *data = g_task_get_task_data (task);
  ConcordHttpRequest *request;

  request = dav_request (self, "REPORT", data->path, "1", data->body,
                         CONCORD_WEBDAV_CONTENT_TYPE, LABEL_MULTIGET);
  concord_http_request_set_flags (request, CONCORD_HTTP_IDEMPOTENT |
                                           CONCORD_HTTP_SAME_ORIGIN_REDIRECT);
  concord_http_client_send_async (self->client, request, g_task_get_cancellable (task),
                                  on_multiget_cb, task);
}

static ConcordWebdavMultistatus *
multiget_finish (ConcordConnectorCarddav  *self,
                 GAsyncResult             *result,
                 GError                  **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Reads one multiget response into the cache; returns the card (owned by
 * the cache) or NULL when it is not a readable card, then with why in
 * @reason when asked (for people: never a value of the card). */
static Card *
take_response_why (ConcordConnectorCarddav  *self,
                   ConcordWebdavResponse    *response,
                   char                    **reason)
{
  g_autoptr(GError) error = NULL;
  ConcordVCard *vcard;
  Card *card;

  if (response->status < 200 || response->status >= 300 || response->address_data == NULL ||
      response->invalid_data)
    {
      if (reason != NULL && (response->status < 200 || response->status >= 300))
        *reason = g_strdup_printf ("the server answered %u for the card", response->status);
      else if (reason != NULL)
        *reason = g_strdup (response->invalid_data ? "the card is not valid UTF-8"
                                                   : "the server sent no card for it");
      return NULL;
    }

  vcard = concord_vcard_parse (response->address_data, -1, &error);
  if (vcard == NULL)
    {
      g_debug ("a card was refused: %s", error->message);
      if (reason != NULL)
        *reason = g_strdup (error->message);
      return NULL;
    }

  card = card_new (response->etag, vcard);
  g_hash_table_replace (self->cards, g_strdup (response->href), card);
  return card;
}

static Card *
take_response (ConcordConnectorCarddav *self,
               ConcordWebdavResponse   *response)
{
  return take_response_why (self, response, NULL);
}

/* ------------------------------------------------------------------------- */
/* Discovery                                                                 */
/* ------------------------------------------------------------------------- */

typedef enum
{
  DISCOVER_WELL_KNOWN,
  DISCOVER_START,
  DISCOVER_PRINCIPAL,
  DISCOVER_HOME,
} DiscoverStep;

typedef struct
{
  DiscoverStep step;
  char        *path;
  char        *principal;
  guint        redirects;
} Discover;

static void
discover_free (Discover *discover)
{
  g_free (discover->path);
  g_free (discover->principal);
  g_free (discover);
}

static const char *book_props[] = {
  "D:resourcetype", "D:displayname", "D:sync-token", "CS:getctag", "D:supported-report-set",
  "C:supported-address-data", "C:max-resource-size", "D:current-user-principal",
  "C:addressbook-home-set", NULL
};

static void discover_send (GTask *task);

static void
add_book (ConcordConnectorCarddav *self,
          ConcordWebdavResponse   *response)
{
  Book *book = g_new0 (Book, 1);

  book->path = g_strdup (response->href);
  /* Radicale gives a book made by a whole-collection PUT an empty name. */
  book->label = response->displayname != NULL && *g_strstrip (response->displayname) != '\0'
                ? g_strdup (response->displayname)
                : last_segment (response->href);
  book->versions = response->versions;
  /* A server that does not say what it supports is asked anyway. */
  book->sync_collection = TRUE;
  g_hash_table_replace (self->books, g_strdup (book->path), book);
}

static GPtrArray *
list_books (ConcordConnectorCarddav *self)
{
  GPtrArray *types = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);
  g_autoptr(GList) books = g_hash_table_get_values (self->books);

  for (GList *l = books; l != NULL; l = l->next)
    {
      Book *book = l->data;

      g_ptr_array_add (types, concord_contact_type_new (book->path, book->label));
    }
  return types;
}

static ConcordWebdavResponse *
find_response (ConcordWebdavMultistatus *ms,
               const char               *path)
{
  for (guint i = 0; i < ms->responses->len; i++)
    {
      ConcordWebdavResponse *response = g_ptr_array_index (ms->responses, i);

      if (same_collection (response->href, path))
        return response;
    }
  return ms->responses->len > 0 ? g_ptr_array_index (ms->responses, 0) : NULL;
}

static void
on_discover_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorCarddav *self = g_task_get_source_object (task);
  Discover *discover = g_task_get_task_data (task);
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(ConcordWebdavMultistatus) ms = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = request_url (self, discover->path);
  ConcordWebdavResponse *response;
  const char *bytes;
  gsize size;
  guint status = 0;

  body = concord_http_client_send_finish (CONCORD_HTTP_CLIENT (object), result, &status,
                                          &headers, &error);
  if (body == NULL)
    {
      /* No well-known address: the address given. */
      if (discover->step == DISCOVER_WELL_KNOWN &&
          !g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED) &&
          !g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL) &&
          !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && status >= 400)
        {
          discover->step = DISCOVER_START;
          g_free (discover->path);
          discover->path = g_strdup (self->start_path);
          discover_send (g_steal_pointer (&task));
          return;
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (status >= 300 && status < 400)
    {
      const char *location = soup_message_headers_get_one (headers, "Location");
      g_autofree char *target = concord_webdav_decode_path (location, url);

      if (target == NULL || ++discover->redirects > MAX_REDIRECTS)
        {
          g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                                   _("The CardDAV server redirected too often, or to an "
                                     "unreadable address."));
          return;
        }
      g_free (discover->path);
      discover->path = g_steal_pointer (&target);
      if (discover->step == DISCOVER_WELL_KNOWN)
        discover->step = DISCOVER_START;
      discover_send (g_steal_pointer (&task));
      return;
    }

  bytes = g_bytes_get_data (body, &size);
  ms = concord_webdav_parse_multistatus (bytes != NULL ? bytes : "", size, url, &error);
  if (ms == NULL)
    {
      g_prefix_error (&error, "PROPFIND: ");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  switch (discover->step)
    {
    case DISCOVER_WELL_KNOWN:
    case DISCOVER_START:
      response = find_response (ms, discover->path);
      if (response != NULL && response->is_addressbook)
        {
          g_hash_table_remove_all (self->books);
          add_book (self, response);
          g_task_return_pointer (task, list_books (self), (GDestroyNotify) g_ptr_array_unref);
          return;
        }
      if (response != NULL && response->home_set != NULL)
        {
          discover->step = DISCOVER_HOME;
          g_free (discover->path);
          discover->path = g_strdup (response->home_set);
        }
      else if (response != NULL && response->principal != NULL &&
               !same_collection (response->principal, discover->path))
        {
          discover->step = DISCOVER_PRINCIPAL;
          g_free (discover->path);
          discover->path = g_strdup (response->principal);
        }
      else
        discover->step = DISCOVER_HOME;
      discover_send (g_steal_pointer (&task));
      return;

    case DISCOVER_PRINCIPAL:
      response = find_response (ms, discover->path);
      discover->step = DISCOVER_HOME;
      if (response != NULL && response->home_set != NULL)
        {
          g_free (discover->path);
          discover->path = g_strdup (response->home_set);
        }
      discover_send (g_steal_pointer (&task));
      return;

    case DISCOVER_HOME:
    default:
      g_hash_table_remove_all (self->books);
      for (guint i = 0; i < ms->responses->len; i++)
        {
          response = g_ptr_array_index (ms->responses, i);
          if (response->is_addressbook)
            add_book (self, response);
        }
      g_task_return_pointer (task, list_books (self), (GDestroyNotify) g_ptr_array_unref);
      return;
    }
}

static void
discover_send (GTask *task)
{
  ConcordConnectorCarddav *self = g_task_get_source_object (task);
  Discover *discover = g_task_get_task_data (task);
  g_autoptr(GBytes) body = concord_webdav_propfind_body (book_props);
  ConcordHttpRequest *request;

  request = dav_request (self, "PROPFIND", discover->path,
                         discover->step == DISCOVER_HOME ? "1" : "0", body,
                         CONCORD_WEBDAV_CONTENT_TYPE, LABEL_PROPFIND);
  concord_http_request_set_flags (request, CONCORD_HTTP_IDEMPOTENT |
                                           CONCORD_HTTP_SAME_ORIGIN_REDIRECT);
  concord_http_client_send_async (self->client, request, g_task_get_cancellable (task),
                                  on_discover_cb, task);
}

/* The books: a GPtrArray of ConcordContactType. */
static void
discover_async (ConcordConnectorCarddav *self,
                GCancellable            *cancellable,
                GAsyncReadyCallback      callback,
                gpointer                 user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Discover *discover = g_new0 (Discover, 1);

  if (g_strcmp0 (self->start_path, "/") == 0)
    {
      discover->step = DISCOVER_WELL_KNOWN;
      discover->path = g_strdup ("/.well-known/carddav");
    }
  else
    {
      discover->step = DISCOVER_START;
      discover->path = g_strdup (self->start_path);
    }
  g_task_set_task_data (task, discover, (GDestroyNotify) discover_free);
  discover_send (task);
}

static void
on_types_discovered_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GPtrArray *types = g_task_propagate_pointer (G_TASK (result), &error);

  if (types == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, types, (GDestroyNotify) g_ptr_array_unref);
}

static void
concord_connector_carddav_list_contact_types_async (ConcordConnector    *connector,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data)
{
  GTask *task = concord_connector_task_new (connector,
                                            concord_connector_carddav_list_contact_types_async,
                                            cancellable, callback, user_data);

  discover_async (CONCORD_CONNECTOR_CARDDAV (connector), cancellable, on_types_discovered_cb,
                  task);
}

static void
on_verify_discovered_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autoptr(GPtrArray) types = g_task_propagate_pointer (G_TASK (result), &error);

  if (types == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
concord_connector_carddav_verify_async (ConcordConnector    *connector,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  GTask *task = concord_connector_task_new (connector, concord_connector_carddav_verify_async,
                                            cancellable, callback, user_data);

  discover_async (CONCORD_CONNECTOR_CARDDAV (connector), cancellable, on_verify_discovered_cb,
                  task);
}

/* ------------------------------------------------------------------------- */
/* Listing                                                                   */
/* ------------------------------------------------------------------------- */

typedef struct
{
  char       *book;
  char       *token;       /* (nullable) what the REPORT sends */
  gboolean    complete;
  gboolean    fallback;    /* PROPFIND Depth 1 getetag instead */
  gboolean    with_data;   /* the REPORT asks for the cards too */
  char       *ctag;        /* (nullable) the fallback's last ctag: asked first */
  guint       rounds;
  GHashTable *changed;     /* href → etag */
  GHashTable *deleted;     /* href set */
  Listing    *listing;     /* (nullable) (unowned) for a later page */
  guint       position;
  guint       end;
  char       *path;        /* (nullable) where a redirect sent the listing's requests */
  guint       hops;
  GPtrArray  *chunks;      /* (element-type GPtrArray<utf8>) (nullable) hrefs still to
                            * ask, a stack: a batch too large is split in two */
  GPtrArray  *chunk;       /* (element-type utf8) (nullable) the hrefs being asked */
  ConcordWebdavMultistatus *gathered; /* (nullable) the answers of the page's multigets */
  guint       oversized;   /* multiget answers over the limit, this page */
  GHashTable *too_large;   /* (nullable) href → why: cards left out even alone */
} List;

static void
list_free (List *list)
{
  g_free (list->book);
  g_free (list->token);
  g_free (list->ctag);
  g_free (list->path);
  g_clear_pointer (&list->chunks, g_ptr_array_unref);
  g_clear_pointer (&list->chunk, g_ptr_array_unref);
  g_clear_pointer (&list->gathered, concord_webdav_multistatus_free);
  g_clear_pointer (&list->changed, g_hash_table_unref);
  g_clear_pointer (&list->deleted, g_hash_table_unref);
  g_clear_pointer (&list->too_large, g_hash_table_unref);
  g_free (list);
}

static void list_send (GTask *task);

/* Where the listing's requests go: a redirect's target, or the book's. */
static const char *
list_path (ConcordConnectorCarddav *self,
           List                    *list)
{
  return list->path != NULL ? list->path : book_location (self, list->book);
}

static void
page_set_deleted (ConcordPage *page,
                  GPtrArray   *deleted)
{
  for (guint i = 0; deleted != NULL && i < deleted->len; i++)
    g_ptr_array_add (page->deleted, g_strdup (g_ptr_array_index (deleted, i)));
}

static char *
page_token (guint generation,
            guint position)
{
  return g_strdup_printf ("%u:%u", generation, position);
}

static void listing_serve (GTask   *task,
                           Listing *listing,
                           guint    position);

/* Takes the caller's reference on @task. */
static void
list_finish_members (GTask *task)
{
  ConcordConnectorCarddav *self = g_task_get_source_object (task);
  List *list = g_task_get_task_data (task);
  g_autoptr(ConcordPage) page = concord_page_new ();
  g_autoptr(GPtrArray) deleted = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GList) hrefs = g_hash_table_get_keys (list->changed);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, list->deleted);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_hash_table_remove (self->cards, key);
      g_ptr_array_add (deleted, g_strdup (key));
    }

  /* Nothing changed: this was the only request. */
  if (hrefs == NULL)
    {
      page->cursor = g_strdup (list->token);
      page->complete = list->complete;
      page_set_deleted (page, deleted);
      g_task_return_pointer (task, g_steal_pointer (&page), (GDestroyNotify) concord_page_free);
      g_object_unref (task);
      return;
    }
  else
    {
      Listing *listing = g_new0 (Listing, 1);

      listing->generation = ++self->generation;
      listing->hrefs = g_ptr_array_new_with_free_func (g_free);
      listing->etags = g_steal_pointer (&list->changed);
      listing->deleted = g_steal_pointer (&deleted);
      listing->cursor = g_strdup (list->token);
      listing->complete = list->complete;
      hrefs = g_list_sort (hrefs, (GCompareFunc) g_strcmp0);
      for (GList *l = hrefs; l != NULL; l = l->next)
        g_ptr_array_add (listing->hrefs, g_strdup (l->data));
      g_hash_table_replace (self->listings, g_strdup (list->book), listing);
      /* The first batch of members comes with this page. */
      listing_serve (task, listing, 0);
    }
}

static void
on_list_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorCarddav *self = g_task_get_source_object (task);
  List *list = g_task_get_task_data (task);
  g_autoptr(ConcordWebdavMultistatus) ms = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  const char *bytes;
  gsize size;
  guint status = 0;

  body = concord_http_client_send_finish (CONCORD_HTTP_CLIENT (object), result, &status,
                                          &headers, &error);
  if (body == NULL && list->with_data && !list->fallback &&
      /* For a request that is not JSON, the client's one PARSE error is
       * an answer over its limit. */
      (g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_PARSE) ||
       g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE) ||
       status == SOUP_STATUS_BAD_REQUEST || status == SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE ||
       (status == SOUP_STATUS_FORBIDDEN && list->token == NULL)))
    {
      /* The cards did not fit in one answer (a big book, or big photos),
       * or the server takes only getetag here: the etags alone, and
       * multigets for the cards. */
      g_debug ("%s with the cards failed (%s): etags only", LABEL_SYNC, error->message);
      list->with_data = FALSE;
      list_send (g_steal_pointer (&task));
      return;
    }
  if (body == NULL)
    {
      /* The token is unknown to the server (lost cache, too old): start
       * again from nothing, as a complete listing. */
      if (!list->fallback && status == SOUP_STATUS_FORBIDDEN && list->token != NULL &&
          g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND))
        {
          g_debug ("sync token refused: listing everything");
          g_clear_pointer (&list->token, g_free);
          list->complete = TRUE;
          g_hash_table_remove_all (list->changed);
          g_hash_table_remove_all (list->deleted);
          list_send (g_steal_pointer (&task));
          return;
        }

      /* No sync-collection on this server: the etags of every member. */
      if (!list->fallback && list->token == NULL &&
          (status == SOUP_STATUS_NOT_IMPLEMENTED || status == SOUP_STATUS_METHOD_NOT_ALLOWED ||
           status == SOUP_STATUS_BAD_REQUEST || status == SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE ||
           status == SOUP_STATUS_FORBIDDEN))
        {
          Book *book = g_hash_table_lookup (self->books, list->book);

          g_debug ("no sync-collection (HTTP %u): PROPFIND Depth 1", status);
          if (book != NULL)
            book->sync_collection = FALSE;
          list->fallback = TRUE;
          list->complete = TRUE;
          list_send (g_steal_pointer (&task));
          return;
        }

      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Moved on the same server: the same request, there. */
  if (status >= 300 && status < 400)
    {
      char *target = follow_redirect (self, list->fallback ? LABEL_PROPFIND : LABEL_SYNC,
                                      list->book, list_path (self, list), status, headers,
                                      &list->hops, &error);

      if (target == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_free (list->path);
      list->path = target;
      list_send (g_steal_pointer (&task));
      return;
    }

  url = request_url (self, list_path (self, list));
  bytes = g_bytes_get_data (body, &size);
  ms = concord_webdav_parse_multistatus (bytes != NULL ? bytes : "", size, url, &error);
  g_clear_pointer (&body, g_bytes_unref);
  if (ms == NULL && list->with_data && !list->fallback &&
      g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE))
    {
      /* Too large to read with the cards: once more without them. */
      g_debug ("%s with the cards: %s; etags only", LABEL_SYNC, error->message);
      list->with_data = FALSE;
      list_send (g_steal_pointer (&task));
      return;
    }
  if (ms == NULL)
    {
      g_prefix_error (&error, "%s: ", list->fallback ? LABEL_PROPFIND : LABEL_SYNC);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Without sync-collection: the book's ctag first; unchanged, nothing
   * else is asked. */
  if (list->fallback && list->ctag != NULL)
    {
      ConcordWebdavResponse *book = find_response (ms, list->book);

      if (book != NULL && book->ctag != NULL && g_strcmp0 (book->ctag, list->ctag) == 0)
        {
          g_autoptr(ConcordPage) page = concord_page_new ();

          page->cursor = g_strconcat (CTAG_PREFIX, list->ctag, NULL);
          g_task_return_pointer (task, g_steal_pointer (&page),
                                 (GDestroyNotify) concord_page_free);
          return;
        }
      g_clear_pointer (&list->ctag, g_free);
      list_send (g_steal_pointer (&task));
      return;
    }

  for (guint i = 0; i < ms->responses->len; i++)
    {
      ConcordWebdavResponse *response = g_ptr_array_index (ms->responses, i);

      if (list->fallback && response->ctag != NULL &&
          (same_collection (response->href, list->book) ||
           same_collection (response->href, list_path (self, list))))
        {
          g_free (list->token);
          list->token = g_strconcat (CTAG_PREFIX, response->ctag, NULL);
        }
      if (!in_book (self, response->href, list->book) &&
          !is_member_of (response->href, list_path (self, list)))
        continue;
      if (response->status == SOUP_STATUS_NOT_FOUND)
        {
          g_hash_table_remove (list->changed, response->href);
          g_hash_table_add (list->deleted, g_strdup (response->href));
        }
      else if (response->status >= 200 && response->status < 300 && !response->is_collection)
        {
          g_hash_table_remove (list->deleted, response->href);
          g_hash_table_replace (list->changed, g_strdup (response->href),
                                g_strdup (response->etag));
          /* A card that came with the listing goes to the cache at its
           * etag, so that no multiget asks for it again; one that cannot
           * be read is asked (and refused) like any other. */
          if (response->address_data != NULL)
            take_response (self, response);
        }
    }

  if (g_hash_table_size (list->changed) + g_hash_table_size (list->deleted) > MAX_MEMBERS)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE,
                               "%s: more than %u members", LABEL_SYNC, MAX_MEMBERS);
      return;
    }

  if (list->fallback)
    {
      /* The cursor is the ctag (or none: a full listing next time too). */
      list_finish_members (g_steal_pointer (&task));
      return;
    }

  if (ms->truncated)
    {
      /* 507: the rest comes with the token it gave; a server that keeps
       * truncating, or gives no new token, is stopped. */
      if (ms->sync_token == NULL || g_strcmp0 (ms->sync_token, list->token) == 0 ||
          ++list->rounds > MAX_SYNC_ROUNDS)
        {
          g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                                   "%s: the server truncated its answer without end",
                                   LABEL_SYNC);
          return;
        }
      g_free (list->token);
      list->token = g_steal_pointer (&ms->sync_token);
      list_send (g_steal_pointer (&task));
      return;
    }

  g_free (list->token);
  list->token = g_steal_pointer (&ms->sync_token);
  list_finish_members (g_steal_pointer (&task));
}

static void
list_send (GTask *task)
{
  ConcordConnectorCarddav *self = g_task_get_source_object (task);
  List *list = g_task_get_task_data (task);
  ConcordHttpRequest *request;
  g_autoptr(GBytes) body = NULL;

  if (list->fallback)
    {
      const char *props[] = { "D:getetag", "D:resourcetype", "CS:getctag", NULL };

      body = concord_webdav_propfind_body (props);
      request = dav_request (self, "PROPFIND", list_path (self, list),
                             list->ctag != NULL ? "0" : "1", body, CONCORD_WEBDAV_CONTENT_TYPE,
                             LABEL_PROPFIND);
    }
  else
    {
      body = concord_webdav_sync_collection_body (list->token, list->with_data);
      request = dav_request (self, "REPORT", list_path (self, list), "0", body,
                             CONCORD_WEBDAV_CONTENT_TYPE, LABEL_SYNC);
    }
  /* A same-origin redirect is followed here (on_list_cb), with the same
   * method and body. */
  concord_http_request_set_flags (request, CONCORD_HTTP_IDEMPOTENT |
                                           CONCORD_HTTP_SAME_ORIGIN_REDIRECT);
  concord_http_client_send_async (self->client, request, g_task_get_cancellable (task),
                                  on_list_cb, task);
}

/* The page of members [position, end) of the listing: the cards known at
 * the etag listed come from the cache, the others from @ms (NULL: none
 * were asked). */
static ConcordPage *
listing_page (ConcordConnectorCarddav  *self,
              List                     *list,
              Listing                  *listing,
              ConcordWebdavMultistatus *ms)
{
  g_autoptr(ConcordPage) page = concord_page_new ();
  g_autoptr(GHashTable) answers = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; ms != NULL && i < ms->responses->len; i++)
    {
      ConcordWebdavResponse *response = g_ptr_array_index (ms->responses, i);

      g_hash_table_insert (answers, response->href, response);
    }

  for (guint i = list->position; i < list->end; i++)
    {
      const char *href = g_ptr_array_index (listing->hrefs, i);
      const char *etag = g_hash_table_lookup (listing->etags, href);
      Card *card = g_hash_table_lookup (self->cards, href);
      ConcordWebdavResponse *response = g_hash_table_lookup (answers, href);
      ConcordRecord *record = NULL;
      g_autofree char *reason = NULL;

      if (response != NULL && response->status == SOUP_STATUS_NOT_FOUND)
        {
          /* Deleted since the REPORT. */
          g_hash_table_remove (self->cards, href);
          g_ptr_array_add (listing->deleted, g_strdup (href));
          continue;
        }
      if (response != NULL)
        card = take_response_why (self, response, &reason);
      else if (card != NULL && g_strcmp0 (card->etag, etag) != 0)
        card = NULL;  /* asked, and the server did not answer for it */
      if (card == NULL && reason == NULL && list->too_large != NULL)
        reason = g_strdup (g_hash_table_lookup (list->too_large, href));

      if (card != NULL)
        record = card_record (self, href, card);
      if (record != NULL)
        g_ptr_array_add (page->records, record);
      else
        {
          /* Shown in the activity by its href; the rest goes on. */
          listing->refused++;
          concord_page_add_refusal (page, href,
                                    reason != NULL ? reason : "the server did not send the card");
        }
    }

  if (list->end < listing->hrefs->len)
    page->next_page = page_token (listing->generation, list->end);
  else
    {
      page->cursor = g_strdup (listing->cursor);
      /* A card left out must not read as deleted. */
      page->complete = listing->complete && listing->refused == 0;
      if (listing->refused > 0)
        g_debug ("%u cards could not be read", listing->refused);
      page_set_deleted (page, listing->deleted);
      g_hash_table_remove (self->listings, list->book);
    }

  return g_steal_pointer (&page);
}

static void list_fetch_next (GTask *task);

/* Halves the batch being asked when its answer was too large; a card too
 * large alone is left out (listing_page() counts it as refused, so the
 * listing is not complete and its absence deletes nothing) and named in
 * the log. */
static void
on_list_multiget_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorCarddav *self = CONCORD_CONNECTOR_CARDDAV (object);
  List *list = g_task_get_task_data (task);
  g_autoptr(ConcordWebdavMultistatus) ms = NULL;
  g_autoptr(GPtrArray) chunk = g_steal_pointer (&list->chunk);
  g_autoptr(GError) error = NULL;

  ms = multiget_finish (self, result, &error);
  if (ms == NULL && g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE))
    {
      if (++list->oversized > MAX_OVERSIZED)
        {
          g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE,
                                   /* Translators: %s is a request, %d a number */
                                   _("%s: the CardDAV server's answers were too large more "
                                     "than %d times for one page of cards; the sync stopped."),
                                   LABEL_MULTIGET, MAX_OVERSIZED);
          return;
        }
      if (chunk->len > 1)
        {
          guint half = chunk->len / 2;
          GPtrArray *first = g_ptr_array_new_with_free_func (g_free);
          GPtrArray *second = g_ptr_array_new_with_free_func (g_free);

          for (guint i = 0; i < chunk->len; i++)
            g_ptr_array_add (i < half ? first : second, g_strdup (g_ptr_array_index (chunk, i)));
          g_debug ("%s: answer too large for %u cards: asking %u and %u", LABEL_MULTIGET,
                   chunk->len, first->len, second->len);
          g_ptr_array_add (list->chunks, second);
          g_ptr_array_add (list->chunks, first);
        }
      else
        {
          const char *href = g_ptr_array_index (chunk, 0);

          g_message ("CardDAV: the card %s is left out of this sync (the other cards sync): "
                     "even alone it is too large to read; %s", href, error->message);
          /* Why, for the activity (listing_page() names it). */
          if (list->too_large == NULL)
            list->too_large = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
          g_hash_table_replace (list->too_large, g_strdup (href),
                                g_strdup ("even alone, the server's answer for the card is too "
                                          "large to read"));
        }
      list_fetch_next (g_steal_pointer (&task));
      return;
    }
  if (ms == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_ptr_array_extend_and_steal (list->gathered->responses, g_steal_pointer (&ms->responses));
  list_fetch_next (g_steal_pointer (&task));
}

/* Asks the next batch of the page's cards, or answers the page once none
 * is left. Takes the caller's reference on @task. */
static void
list_fetch_next (GTask *task)
{
  ConcordConnectorCarddav *self = g_task_get_source_object (task);
  List *list = g_task_get_task_data (task);
  Listing *listing;

  if (list->chunks->len > 0)
    {
      list->chunk = g_ptr_array_steal_index (list->chunks, list->chunks->len - 1);
      multiget_async (self, list->book, (const char * const *) list->chunk->pdata,
                      list->chunk->len, g_task_get_cancellable (task), on_list_multiget_cb,
                      task);
      return;
    }

  /* The listing may have been replaced meanwhile (a new first page). */
  listing = g_hash_table_lookup (self->listings, list->book);
  if (listing == NULL || listing != list->listing)
    g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                             "%s: the listing was started again", LABEL_MULTIGET);
  else
    g_task_return_pointer (task, listing_page (self, list, listing, list->gathered),
                           (GDestroyNotify) concord_page_free);
  g_object_unref (task);
}

/* Answers @task with the page of members from @position: the cards known
 * at their etag from the cache, the others with one multiget (a page of
 * known ones, this connector's own writes, needs no request; an answer
 * too large is asked again in halves). Takes the caller's reference on
 * @task. */
static void
listing_serve (GTask   *task,
               Listing *listing,
               guint    position)
{
  ConcordConnectorCarddav *self = g_task_get_source_object (task);
  List *list = g_task_get_task_data (task);
  g_autoptr(GPtrArray) fetch = g_ptr_array_new_with_free_func (g_free);

  list->listing = listing;
  list->position = position;
  list->end = MIN (listing->hrefs->len, position + self->multiget_size);

  for (guint i = list->position; i < list->end; i++)
    {
      const char *href = g_ptr_array_index (listing->hrefs, i);
      Card *card = g_hash_table_lookup (self->cards, href);

      if (card == NULL || g_strcmp0 (card->etag, g_hash_table_lookup (listing->etags, href)) != 0)
        g_ptr_array_add (fetch, g_strdup (href));
    }

  if (fetch->len == 0)
    {
      g_task_return_pointer (task, listing_page (self, list, listing, NULL),
                             (GDestroyNotify) concord_page_free);
      g_object_unref (task);
      return;
    }

  g_clear_pointer (&list->chunks, g_ptr_array_unref);
  list->chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_ptr_array_add (list->chunks, g_steal_pointer (&fetch));
  g_clear_pointer (&list->gathered, concord_webdav_multistatus_free);
  list->gathered = g_new0 (ConcordWebdavMultistatus, 1);
  list->gathered->responses = g_ptr_array_new_with_free_func (
    (GDestroyNotify) concord_webdav_response_free);
  list->oversized = 0;
  list_fetch_next (task);
}

static void
concord_connector_carddav_list_async (ConcordConnector    *connector,
                                      const char          *contact_type,
                                      const char          *cursor,
                                      const char          *page_token_,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  ConcordConnectorCarddav *self = CONCORD_CONNECTOR_CARDDAV (connector);
  g_autoptr(GTask) task = concord_connector_task_new (connector,
                                                      concord_connector_carddav_list_async,
                                                      cancellable, callback, user_data);
  List *list;
  Listing *listing;
  guint generation = 0;
  guint position = 0;

  if (!is_book_path (contact_type))
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                               "Not an address book path");
      return;
    }

  list = g_new0 (List, 1);
  list->book = g_strdup (contact_type);
  g_task_set_task_data (task, list, (GDestroyNotify) list_free);

  if (page_token_ == NULL)
    {
      Book *book = g_hash_table_lookup (self->books, contact_type);

      /* Baïkal's empty books say "0": no token. A "ctag:" cursor is the
       * fallback's: the ctag is asked first, then every etag. */
      if (cursor != NULL && g_str_has_prefix (cursor, CTAG_PREFIX) && cursor[strlen (CTAG_PREFIX)])
        {
          list->fallback = TRUE;
          list->ctag = g_strdup (cursor + strlen (CTAG_PREFIX));
        }
      else if (cursor != NULL && *cursor != '\0' && g_strcmp0 (cursor, "0") != 0)
        list->token = g_strdup (cursor);
      list->complete = list->token == NULL;
      list->fallback |= book != NULL && !book->sync_collection;
      list->with_data = !list->fallback;
      list->changed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      list->deleted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_remove (self->listings, contact_type);
      list_send (g_steal_pointer (&task));
      return;
    }

  listing = g_hash_table_lookup (self->listings, contact_type);
  if (sscanf (page_token_, "%u:%u", &generation, &position) != 2 || listing == NULL ||
      listing->generation != generation || position >= listing->hrefs->len)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                               "The address book listing expired; the next sync starts it "
                               "again");
      return;
    }

  listing_serve (g_steal_pointer (&task), listing, position);
}

/* ------------------------------------------------------------------------- */
/* Fetch                                                                     */
/* ------------------------------------------------------------------------- */

/* The ids split into multigets sent at once, each of at most
 * MULTIGET_SIZE, as many as the client has slots: the answers are gathered
 * in input order. */
typedef struct
{
  char      *book;
  GStrv      ids;
  guint      pending;
  GPtrArray *answers;   /* (element-type ConcordWebdavMultistatus) (nullable) per request */
  GError    *error;
} Fetch;

typedef struct
{
  GTask *task;          /* (owned) */
  guint  index;
} FetchPart;

static void
fetch_free (Fetch *fetch)
{
  g_free (fetch->book);
  g_strfreev (fetch->ids);
  g_ptr_array_unref (fetch->answers);
  g_clear_error (&fetch->error);
  g_free (fetch);
}

static void
fetch_complete (GTask *task)
{
  ConcordConnectorCarddav *self = g_task_get_source_object (task);
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (
    (GDestroyNotify) concord_record_unref);

  if (fetch->error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&fetch->error));
      return;
    }

  for (guint a = 0; a < fetch->answers->len; a++)
    {
      ConcordWebdavMultistatus *ms = g_ptr_array_index (fetch->answers, a);

      for (guint i = 0; ms != NULL && i < ms->responses->len; i++)
        {
          ConcordWebdavResponse *response = g_ptr_array_index (ms->responses, i);
          Card *card = in_book (self, response->href, fetch->book) ?
                       take_response (self, response) : NULL;
          ConcordRecord *record = card != NULL ? card_record (self, response->href, card) : NULL;

          if (record != NULL)
            g_ptr_array_add (records, record);
          else if (response->status == SOUP_STATUS_NOT_FOUND)
            g_hash_table_remove (self->cards, response->href);
        }
    }

  g_task_return_pointer (task, g_steal_pointer (&records), (GDestroyNotify) g_ptr_array_unref);
}

static void
on_fetch_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  FetchPart *part = user_data;
  g_autoptr(GTask) task = part->task;
  ConcordConnectorCarddav *self = CONCORD_CONNECTOR_CARDDAV (object);
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  ConcordWebdavMultistatus *ms;

  ms = multiget_finish (self, result, &error);
  if (ms == NULL && fetch->error == NULL)
    fetch->error = g_steal_pointer (&error);
  g_ptr_array_index (fetch->answers, part->index) = ms;
  g_free (part);

  if (--fetch->pending == 0)
    fetch_complete (task);
}

static void
concord_connector_carddav_fetch_async (ConcordConnector    *connector,
                                       const char          *contact_type,
                                       const char * const  *remote_ids,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  ConcordConnectorCarddav *self = CONCORD_CONNECTOR_CARDDAV (connector);
  g_autoptr(GTask) task = concord_connector_task_new (connector,
                                                      concord_connector_carddav_fetch_async,
                                                      cancellable, callback, user_data);
  Fetch *fetch = g_new0 (Fetch, 1);
  GPtrArray *ids = g_ptr_array_new ();
  guint n, slots, size;

  fetch->book = g_strdup (contact_type);
  /* Only the book's own members are asked for. */
  for (guint i = 0; remote_ids != NULL && remote_ids[i] != NULL; i++)
    if (is_book_path (contact_type) && is_member_of (remote_ids[i], contact_type))
      g_ptr_array_add (ids, g_strdup (remote_ids[i]));
  n = ids->len;
  g_ptr_array_add (ids, NULL);
  fetch->ids = (GStrv) g_ptr_array_free (ids, FALSE);
  fetch->answers = g_ptr_array_new_with_free_func (
    (GDestroyNotify) concord_webdav_multistatus_free);
  g_task_set_task_data (task, fetch, (GDestroyNotify) fetch_free);

  if (n == 0)
    {
      fetch_complete (task);
      return;
    }

  slots = MAX (concord_http_client_get_max_in_flight (self->client), 1);
  size = CLAMP ((n + slots - 1) / slots, 1, self->multiget_size);
  g_ptr_array_set_size (fetch->answers, (n + size - 1) / size);
  fetch->pending = fetch->answers->len;
  for (guint i = 0, part = 0; i < n; i += size, part++)
    {
      FetchPart *data = g_new0 (FetchPart, 1);

      data->task = g_object_ref (task);
      data->index = part;
      multiget_async (self, contact_type, (const char * const *) fetch->ids + i,
                      MIN (size, n - i), cancellable, on_fetch_cb, data);
    }
}

/* ------------------------------------------------------------------------- */
/* Writes                                                                    */
/* ------------------------------------------------------------------------- */

typedef enum
{
  WRITE_CREATE,
  WRITE_UPDATE,
  WRITE_DELETE,
} WriteKind;

typedef enum
{
  REFETCH_BASE,      /* the card to apply an update to */
  REFETCH_CONFLICT,  /* after a 412 */
  REFETCH_STORED,    /* after a PUT answered without an etag */
} Refetch;

typedef struct
{
  ConcordConnectorCarddav *self;       /* (owned) */
  ConcordWriteBatch       *batch;      /* (unowned): one hold is this write's */
  GCancellable            *cancellable;
  WriteKind                kind;
  guint                    index;
  char                    *book;
  char                    *href;
  ConcordRecordChange     *change;     /* (nullable) update */
  ConcordRecord           *record;     /* (nullable) create */
  Card                    *base;       /* (nullable) (owned) the card the change applies to */
  ConcordVCard            *sent;       /* (nullable) (owned) the card PUT */
  guint                    tries;
  Refetch                  refetch;
} Write;

static void
write_free (Write *write)
{
  g_clear_object (&write->self);
  g_clear_object (&write->cancellable);
  g_free (write->book);
  g_free (write->href);
  g_clear_pointer (&write->change, concord_record_change_free);
  g_clear_pointer (&write->record, concord_record_unref);
  g_clear_pointer (&write->base, card_free);
  g_clear_pointer (&write->sent, concord_vcard_free);
  g_free (write);
}

static void
write_done (Write *write)
{
  g_autoptr(GTask) task = concord_write_batch_release (write->batch);

  write_free (write);
}

static void
write_fail (Write        *write,
            const GError *error)
{
  concord_write_batch_set_error (write->batch, write->index, error);
  write_done (write);
}

static void
write_fail_literal (Write      *write,
                    gint        code,
                    const char *message)
{
  g_autoptr(GError) error = g_error_new_literal (CONCORD_ERROR, code, message);

  write_fail (write, error);
}

static void
write_ok (Write *write,
          Card  *card)
{
  g_autoptr(ConcordRecord) record = card != NULL ? card_record (write->self, write->href, card)
                                                 : NULL;

  concord_write_batch_set_ok (write->batch, write->index, record);
  write_done (write);
}

static void write_put (Write *write);

/* The card at write->href as the server has it now, and why it is read. */
static void
on_write_refetch_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Write *write = user_data;
  ConcordConnectorCarddav *self = write->self;
  g_autoptr(ConcordWebdavMultistatus) ms = NULL;
  g_autoptr(GError) error = NULL;
  Card *fresh = NULL;

  ms = multiget_finish (self, result, &error);
  if (ms == NULL)
    {
      write_fail (write, error);
      return;
    }

  for (guint i = 0; i < ms->responses->len && fresh == NULL; i++)
    {
      ConcordWebdavResponse *response = g_ptr_array_index (ms->responses, i);

      if (g_strcmp0 (response->href, write->href) == 0)
        fresh = take_response (self, response);
    }

  if (fresh == NULL)
    {
      write_fail_literal (write, CONCORD_ERROR_NOT_FOUND,
                          "The card is no longer on the CardDAV server, or cannot be read");
      return;
    }

  switch (write->refetch)
    {
    case REFETCH_BASE:
      /* The card was not read yet: the change applies to it. */
      write->base = card_new (fresh->etag, concord_vcard_copy (fresh->card));
      write_put (write);
      return;

    case REFETCH_CONFLICT:
      if (write->kind == WRITE_UPDATE)
        {
          const char * const *clear = (const char * const *) write->change->clear;
          /* Did the server change a field this change sets or clears? */
          gboolean touched = concord_vcard_change_conflicts (write->base->card, fresh->card,
                                                             write->change->set, clear);

          if (touched || write->tries > MAX_CONFLICT_TRIES)
            {
              /* Never a blind overwrite: the next run's merge decides. */
              write_fail_literal (write, CONCORD_ERROR_CONFLICT,
                                  "The card changed on the CardDAV server meanwhile; the next "
                                  "sync merges both changes");
              return;
            }

          /* Other fields changed there: the change goes onto them. */
          g_clear_pointer (&write->base, card_free);
          write->base = card_new (fresh->etag, concord_vcard_copy (fresh->card));
          write_put (write);
          return;
        }
      /* A create that found its card there (a PUT repeated after a lost
       * answer): that card, not a second one. */
      write_ok (write, fresh);
      return;

    case REFETCH_STORED:
    default:
      /* Written, but no etag came back (the server rewrote the card). */
      write_ok (write, fresh);
      return;
    }
}

static void
write_refetch (Write   *write,
               Refetch  refetch)
{
  write->refetch = refetch;

  const char *hrefs[] = { write->href, NULL };

  multiget_async (write->self, write->book, hrefs, 1, write->cancellable,
                  on_write_refetch_cb, write);
}

static void
on_put_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Write *write = user_data;
  ConcordConnectorCarddav *self = write->self;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  const char *etag;
  guint status = 0;
  Card *card;

  body = concord_http_client_send_finish (CONCORD_HTTP_CLIENT (object), result, &status,
                                          &headers, &error);
  if (body == NULL)
    {
      if (status == SOUP_STATUS_PRECONDITION_FAILED && !g_cancellable_is_cancelled (write->cancellable))
        {
          write->tries++;
          write_refetch (write, REFETCH_CONFLICT);
          return;
        }
      write_fail (write, error);
      return;
    }

  etag = header_etag (headers);
  if (etag == NULL)
    {
      /* The server rewrote the card, or does not say: read it. */
      write_refetch (write, REFETCH_STORED);
      return;
    }

  card = card_new (etag, g_steal_pointer (&write->sent));
  g_hash_table_replace (self->cards, g_strdup (write->href), card);
  write_ok (write, card);
}

static void
write_put (Write *write)
{
  ConcordConnectorCarddav *self = write->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  ConcordHttpRequest *request;
  char *text;
  gsize length = 0;

  g_clear_pointer (&write->sent, concord_vcard_free);
  if (write->kind == WRITE_UPDATE && write->base->etag == NULL)
    {
      /* Without the card's etag the PUT could not say which version it
       * replaces: it is not sent (never a blind overwrite). */
      write_fail_literal (write, CONCORD_ERROR_CONFLICT,
                          "The CardDAV server gave no version (ETag) of the card; it was not "
                          "changed");
      return;
    }
  if (write->kind == WRITE_UPDATE)
    {
      write->sent = concord_vcard_copy (write->base->card);
      if (!concord_vcard_apply (write->sent, write->change->set,
                                (const char * const *) write->change->clear, self->region,
                                &error))
        {
          write_fail (write, error);
          return;
        }
    }
  else
    {
      Book *book = g_hash_table_lookup (self->books, write->book);
      guint version = book != NULL && book->versions == CONCORD_WEBDAV_VCARD_4 ? 4 : 3;
      g_autofree char *uid = g_uuid_string_random ();
      g_autofree char *name = concord_webdav_safe_name (uid);
      g_autofree char *dir = book_dir (write->book);

      write->sent = concord_vcard_new (version, uid);
      if (!concord_vcard_apply (write->sent, write->record, NULL, self->region, &error))
        {
          write_fail (write, error);
          return;
        }
      g_free (write->href);
      write->href = g_strconcat (dir, name, ".vcf", NULL);
    }

  text = concord_vcard_to_string (write->sent, &length);
  body = g_bytes_new_take (text, length);
  request = dav_request (self, "PUT", write->href, NULL, body, VCARD_TYPE, LABEL_PUT);
  if (write->kind == WRITE_UPDATE)
    concord_http_request_add_header (request, "If-Match", write->base->etag);
  else if (write->kind == WRITE_CREATE)
    concord_http_request_add_header (request, "If-None-Match", "*");
  concord_http_client_send_async (self->client, request, write->cancellable, on_put_cb, write);
}

static void
on_delete_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Write *write = user_data;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  guint status = 0;

  body = concord_http_client_send_finish (CONCORD_HTTP_CLIENT (object), result, &status, NULL,
                                          &error);
  if (body == NULL && status == SOUP_STATUS_PRECONDITION_FAILED)
    {
      write_fail_literal (write, CONCORD_ERROR_CONFLICT,
                          "The card changed on the CardDAV server since it was read; it was "
                          "not deleted");
      return;
    }
  if (body == NULL)
    {
      write_fail (write, error);
      return;
    }

  g_hash_table_remove (write->self->cards, write->href);
  write_ok (write, NULL);
}

static Write *
write_new (ConcordConnectorCarddav *self,
           ConcordWriteBatch       *batch,
           GCancellable            *cancellable,
           WriteKind                kind,
           guint                    index,
           const char              *book)
{
  Write *write = g_new0 (Write, 1);

  write->self = g_object_ref (self);
  write->batch = batch;
  write->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  write->kind = kind;
  write->index = index;
  write->book = g_strdup (book);
  concord_write_batch_hold (batch);
  return write;
}

static gboolean
check_book (GTask      *task,
            const char *contact_type)
{
  if (is_book_path (contact_type))
    return TRUE;

  g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "Not an address book path");
  return FALSE;
}

/* Gives back the caller's hold once every write is started. */
static void
batch_started (ConcordWriteBatch *batch)
{
  g_autoptr(GTask) done = concord_write_batch_release (batch);
}

static void
concord_connector_carddav_create_async (ConcordConnector    *connector,
                                        const char          *contact_type,
                                        GPtrArray           *records,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  ConcordConnectorCarddav *self = CONCORD_CONNECTOR_CARDDAV (connector);
  g_autoptr(GTask) task = concord_connector_task_new (connector,
                                                      concord_connector_carddav_create_async,
                                                      cancellable, callback, user_data);
  ConcordWriteBatch *batch;

  if (!check_book (task, contact_type))
    return;

  batch = concord_write_batch_new (task, records->len);
  for (guint i = 0; i < records->len; i++)
    {
      Write *write = write_new (self, batch, cancellable, WRITE_CREATE, i, contact_type);

      write->record = concord_record_ref (g_ptr_array_index (records, i));
      write_put (write);
    }
  batch_started (batch);
}

static void
concord_connector_carddav_update_async (ConcordConnector    *connector,
                                        const char          *contact_type,
                                        GPtrArray           *changes,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  ConcordConnectorCarddav *self = CONCORD_CONNECTOR_CARDDAV (connector);
  g_autoptr(GTask) task = concord_connector_task_new (connector,
                                                      concord_connector_carddav_update_async,
                                                      cancellable, callback, user_data);
  ConcordWriteBatch *batch;

  if (!check_book (task, contact_type))
    return;

  batch = concord_write_batch_new (task, changes->len);
  for (guint i = 0; i < changes->len; i++)
    {
      ConcordRecordChange *change = g_ptr_array_index (changes, i);
      Write *write;
      Card *card;

      if (change->remote_id == NULL || !is_member_of (change->remote_id, contact_type))
        {
          g_autoptr(GError) error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                                                         "Not a card of this address book");

          concord_write_batch_set_error (batch, i, error);
          continue;
        }

      write = write_new (self, batch, cancellable, WRITE_UPDATE, i, contact_type);
      write->href = g_strdup (change->remote_id);
      write->change = concord_record_change_new (change->remote_id, change->set,
                                                 (const char * const *) change->clear);
      card = g_hash_table_lookup (self->cards, change->remote_id);
      if (card != NULL && card->card != NULL)
        {
          write->base = card_new (card->etag, concord_vcard_copy (card->card));
          write_put (write);
        }
      else
        write_refetch (write, REFETCH_BASE);
    }
  batch_started (batch);
}

static void
concord_connector_carddav_delete_async (ConcordConnector    *connector,
                                        const char          *contact_type,
                                        const char * const  *remote_ids,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  ConcordConnectorCarddav *self = CONCORD_CONNECTOR_CARDDAV (connector);
  g_autoptr(GTask) task = concord_connector_task_new (connector,
                                                      concord_connector_carddav_delete_async,
                                                      cancellable, callback, user_data);
  ConcordWriteBatch *batch;
  guint n = remote_ids != NULL ? g_strv_length ((GStrv) remote_ids) : 0;

  if (!check_book (task, contact_type))
    return;

  batch = concord_write_batch_new (task, n);
  for (guint i = 0; i < n; i++)
    {
      ConcordHttpRequest *request;
      Write *write;
      Card *card;

      if (!is_member_of (remote_ids[i], contact_type))
        {
          g_autoptr(GError) error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                                                         "Not a card of this address book");

          concord_write_batch_set_error (batch, i, error);
          continue;
        }

      write = write_new (self, batch, cancellable, WRITE_DELETE, i, contact_type);
      write->href = g_strdup (remote_ids[i]);
      request = dav_request (self, "DELETE", write->href, NULL, NULL, NULL, LABEL_DELETE);
      /* Gone already is deleted. */
      concord_http_request_set_flags (request, CONCORD_HTTP_NOT_FOUND_IS_EMPTY);
      card = g_hash_table_lookup (self->cards, write->href);
      if (card != NULL && card->etag != NULL)
        concord_http_request_add_header (request, "If-Match", card->etag);
      concord_http_client_send_async (self->client, request, cancellable, on_delete_cb, write);
    }
  batch_started (batch);
}

/* ------------------------------------------------------------------------- */
/* Schema and the rest                                                       */
/* ------------------------------------------------------------------------- */

static void
concord_connector_carddav_load_schema_async (ConcordConnector    *connector,
                                             const char          *contact_type,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  ConcordConnectorCarddav *self = CONCORD_CONNECTOR_CARDDAV (connector);
  g_autoptr(GTask) task = concord_connector_task_new (connector,
                                                      concord_connector_carddav_load_schema_async,
                                                      cancellable, callback, user_data);
  g_autoptr(GHashTable) custom = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) concord_field_spec_free);
  GPtrArray *specs = concord_vcard_field_specs ();
  GHashTableIter iter;
  gpointer key, value;

  /* The X- properties of the cards read so far can be mapped too. */
  g_hash_table_iter_init (&iter, self->cards);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Card *card = value;

      if (card->card != NULL && contact_type != NULL && is_member_of (key, contact_type))
        concord_vcard_collect_custom (card->card, custom);
    }
  g_hash_table_iter_init (&iter, custom);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_ptr_array_add (specs, value);
      g_hash_table_iter_steal (&iter);
      g_free (key);
    }

  g_task_return_pointer (task, specs, (GDestroyNotify) g_ptr_array_unref);
}

static const char *
concord_connector_carddav_get_app_id (ConcordConnector *connector)
{
  return "carddav";
}

static const char *
concord_connector_carddav_get_app_name (ConcordConnector *connector)
{
  return "CardDAV";
}

static ConcordConnectorFlags
concord_connector_carddav_get_flags (ConcordConnector *connector)
{
  return CONCORD_CONNECTOR_INCREMENTAL | CONCORD_CONNECTOR_CAN_DELETE;
}

static guint
concord_connector_carddav_get_max_batch (ConcordConnector *connector)
{
  return MAX_BATCH;
}

static guint
concord_connector_carddav_get_page_size (ConcordConnector *connector)
{
  return MULTIGET_SIZE;
}

static guint
concord_connector_carddav_get_rate_budget (ConcordConnector *connector)
{
  /* CardDAV servers state no limit: a conservative figure. */
  return RATE_BUDGET;
}

static GPtrArray *
concord_connector_carddav_list_contact_types (ConcordConnector *connector)
{
  return list_books (CONCORD_CONNECTOR_CARDDAV (connector));
}

/* @text without the '/'s that end it (one '/' stays one). */
static char *
strip_trailing_slashes (const char *text)
{
  char *bare = g_strdup (text);
  gsize n;

  while ((n = strlen (bare)) > 1 && bare[n - 1] == '/')
    bare[n - 1] = '\0';
  return bare;
}

/* An address book is also named by its path on the server, with or
 * without its trailing '/' ("/alice/work"), or by the last part of it
 * ("work"). */
static gboolean
concord_connector_carddav_type_matches (ConcordConnector         *connector,
                                        const ConcordContactType *type,
                                        const char               *name)
{
  g_autofree char *name_bare = NULL;
  g_autofree char *path_bare = NULL;
  const char *last;

  if (CONCORD_CONNECTOR_CLASS (concord_connector_carddav_parent_class)->type_matches (connector,
                                                                                      type, name))
    return TRUE;

  name_bare = strip_trailing_slashes (name);
  path_bare = strip_trailing_slashes (type->id);
  if (*name_bare == '\0' || *path_bare == '\0')
    return FALSE;
  if (g_str_equal (name_bare, path_bare))
    return TRUE;
  last = strrchr (path_bare, '/');
  return strchr (name_bare, '/') == NULL && last != NULL && g_str_equal (last + 1, name_bare);
}

static void
concord_connector_carddav_finalize (GObject *object)
{
  ConcordConnectorCarddav *self = CONCORD_CONNECTOR_CARDDAV (object);

  g_clear_object (&self->client);
  g_free (self->origin);
  g_free (self->start_path);
  g_free (self->region);
  g_clear_pointer (&self->books, g_hash_table_unref);
  g_clear_pointer (&self->cards, g_hash_table_unref);
  g_clear_pointer (&self->listings, g_hash_table_unref);
  g_clear_pointer (&self->moved, g_hash_table_unref);
  g_clear_pointer (&self->counts, g_hash_table_unref);

  G_OBJECT_CLASS (concord_connector_carddav_parent_class)->finalize (object);
}

static void
concord_connector_carddav_class_init (ConcordConnectorCarddavClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ConcordConnectorClass *connector_class = CONCORD_CONNECTOR_CLASS (klass);

  object_class->finalize = concord_connector_carddav_finalize;

  connector_class->get_app_id = concord_connector_carddav_get_app_id;
  connector_class->get_app_name = concord_connector_carddav_get_app_name;
  connector_class->get_flags = concord_connector_carddav_get_flags;
  connector_class->get_max_batch = concord_connector_carddav_get_max_batch;
  connector_class->get_page_size = concord_connector_carddav_get_page_size;
  connector_class->get_rate_budget = concord_connector_carddav_get_rate_budget;
  connector_class->list_contact_types = concord_connector_carddav_list_contact_types;
  connector_class->list_contact_types_async = concord_connector_carddav_list_contact_types_async;
  connector_class->type_matches = concord_connector_carddav_type_matches;
  connector_class->verify_async = concord_connector_carddav_verify_async;
  connector_class->load_schema_async = concord_connector_carddav_load_schema_async;
  connector_class->list_async = concord_connector_carddav_list_async;
  connector_class->fetch_async = concord_connector_carddav_fetch_async;
  connector_class->create_async = concord_connector_carddav_create_async;
  connector_class->update_async = concord_connector_carddav_update_async;
  connector_class->delete_async = concord_connector_carddav_delete_async;
}

static void
concord_connector_carddav_init (ConcordConnectorCarddav *self)
{
  self->books = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) book_free);
  self->cards = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) card_free);
  self->listings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) listing_free);
  self->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->moved = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->multiget_size = MULTIGET_SIZE;
}

/**
 * concord_connector_carddav_new:
 * @url: the server's address (its root, a principal, a home or a book),
 *   checked by concord_http_check_base_url()
 * @username: the user
 * @password: the password (an app password for Nextcloud, iCloud)
 * @region: (nullable): the country of phone numbers without one ("GB");
 *   %NULL or "": from the locale
 *
 * Returns: (transfer full) (nullable): a connector, made on the thread
 *   that will use it; %NULL with @error set when @url is not usable
 */
ConcordConnectorCarddav *
concord_connector_carddav_new (const char  *url,
                               const char  *username,
                               const char  *password,
                               const char  *region,
                               GError     **error)
{
  g_autoptr(ConcordConnectorCarddav) self = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (url != NULL, NULL);

  if (!concord_http_check_base_url (url, error))
    return NULL;

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, error);
  if (uri == NULL)
    return NULL;
  path = concord_webdav_decode_path (url, url);
  if (path == NULL)
    path = g_strdup ("/");

  self = g_object_new (CONCORD_TYPE_CONNECTOR_CARDDAV, NULL);
  self->origin = concord_http_origin (uri);
  self->start_path = g_steal_pointer (&path);
  self->region = region != NULL && *region != '\0' ? g_strdup (region)
                                                   : concord_vcard_default_region ();
  self->client = concord_http_client_new (self->origin, "CardDAV");
  concord_http_client_set_auth_basic (self->client, username != NULL ? username : "",
                                      password != NULL ? password : "");
  concord_http_client_set_max_answer_bytes (self->client, CONCORD_WEBDAV_MAX_ANSWER_BYTES);
  concord_http_client_set_refine_error (self->client, refine_error, NULL);

  return g_steal_pointer (&self);
}

/* ------------------------------------------------------------------------- */
/* Private API                                                               */
/* ------------------------------------------------------------------------- */

guint
_concord_connector_carddav_count_requests (ConcordConnectorCarddav *self,
                                           const char              *label)
{
  g_return_val_if_fail (CONCORD_IS_CONNECTOR_CARDDAV (self), 0);

  return GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, label));
}

void
_concord_connector_carddav_set_retry_base_ms (ConcordConnectorCarddav *self,
                                              guint                    base_ms)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_CARDDAV (self));

  concord_http_client_set_limits (self->client, concord_http_client_get_max_in_flight (self->client),
                                  CONCORD_HTTP_DEFAULT_MAX_RETRIES, base_ms);
}

void
_concord_connector_carddav_set_max_answer_bytes (ConcordConnectorCarddav *self,
                                                 gsize                    max_bytes)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_CARDDAV (self));

  concord_http_client_set_max_answer_bytes (self->client, max_bytes);
}

void
_concord_connector_carddav_set_multiget_size (ConcordConnectorCarddav *self,
                                              guint                    size)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_CARDDAV (self));

  self->multiget_size = CLAMP (size, 1, MULTIGET_SIZE);
}

void
_concord_connector_carddav_set_deadline_ms (ConcordConnectorCarddav *self,
                                            guint                    deadline_ms)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_CARDDAV (self));

  concord_http_client_set_deadline_ms (self->client, deadline_ms);
}
