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

G_DEFINE_FINAL_TYPE (ConcordConnectorCarddav, concord_connector_carddav, CONCORD_TYPE_CONNECTOR)

/* ------------------------------------------------------------------------- */
/* Small things                                                              */
/* ------------------------------------------------------------------------- */

void
_concord_carddav_card_free (ConcordCarddavCard *card)
{
  g_free (card->etag);
  g_clear_pointer (&card->card, concord_vcard_free);
  g_free (card);
}

ConcordCarddavCard *
_concord_carddav_card_new (const char   *etag,
                           ConcordVCard *vcard)
{
  ConcordCarddavCard *card = g_new0 (ConcordCarddavCard, 1);

  card->etag = g_strdup (etag);
  card->card = vcard;
  return card;
}

static void
book_free (ConcordCarddavBook *book)
{
  g_free (book->path);
  g_free (book->label);
  g_free (book);
}

static void
listing_free (ConcordCarddavListing *listing)
{
  g_clear_pointer (&listing->hrefs, g_ptr_array_unref);
  g_clear_pointer (&listing->etags, g_hash_table_unref);
  g_clear_pointer (&listing->deleted, g_ptr_array_unref);
  g_free (listing->cursor);
  g_free (listing);
}

char *
_concord_carddav_request_url (ConcordConnectorCarddav *self,
                              const char              *path)
{
  g_autofree char *encoded = concord_webdav_encode_path (path);

  return g_strconcat (self->origin, encoded, NULL);
}

gboolean
_concord_carddav_is_book_path (const char *path)
{
  return path != NULL && path[0] == '/' && g_utf8_validate (path, -1, NULL) &&
         strstr (path, "/../") == NULL && strstr (path, "/./") == NULL;
}

/* The book's path with one trailing '/'. */
char *
_concord_carddav_book_dir (const char *book)
{
  return g_str_has_suffix (book, "/") ? g_strdup (book) : g_strconcat (book, "/", NULL);
}

gboolean
_concord_carddav_same_collection (const char *a,
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

gboolean
_concord_carddav_is_member_of (const char *href,
                               const char *book)
{
  g_autofree char *dir = _concord_carddav_book_dir (book);

  return g_str_has_prefix (href, dir) && href[strlen (dir)] != '\0';
}

/* The path a book's requests go to: where a permanent redirect (301,
 * 308) moved it during this run, else the book's own. The book's id stays
 * what the engine stored (a contact type id is not renamed under it). */
const char *
_concord_carddav_book_location (ConcordConnectorCarddav *self,
                                const char              *book)
{
  const char *moved = g_hash_table_lookup (self->moved, book);

  return moved != NULL ? moved : book;
}

/* A member of @book, or of where it moved. */
gboolean
_concord_carddav_in_book (ConcordConnectorCarddav *self,
                          const char              *href,
                          const char              *book)
{
  return _concord_carddav_is_member_of (href, book) || _concord_carddav_is_member_of (href, _concord_carddav_book_location (self, book));
}

/* A same-origin redirect of a request to @path (the client hands it back
 * with CONCORD_HTTP_SAME_ORIGIN_REDIRECT; one to another origin is already
 * an error that names both origins). Returns the decoded path to send the
 * same request to, or NULL with @error set: an unreadable Location, or
 * more than MAX_REDIRECTS hops. A permanent one (301, 308) of @book is
 * remembered for the rest of the run. */
char *
_concord_carddav_follow_redirect (ConcordConnectorCarddav  *self,
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
  g_autofree char *url = _concord_carddav_request_url (self, path);
  g_autofree char *target = location != NULL ? concord_webdav_decode_path (location, url) : NULL;

  if (target == NULL || !_concord_carddav_is_book_path (target))
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
      _concord_carddav_same_collection (path, _concord_carddav_book_location (self, book)))
    g_hash_table_replace (self->moved, g_strdup (book), g_strdup (target));
  return g_steal_pointer (&target);
}

char *
_concord_carddav_last_segment (const char *path)
{
  g_autofree char *copy = g_strdup (path);
  gsize length = strlen (copy);
  const char *slash;

  while (length > 1 && copy[length - 1] == '/')
    copy[--length] = '\0';
  slash = strrchr (copy, '/');
  return g_strdup (slash != NULL && slash[1] != '\0' ? slash + 1 : copy);
}

ConcordHttpRequest *
_concord_carddav_dav_request (ConcordConnectorCarddav *self,
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

ConcordRecord *
_concord_carddav_card_record (ConcordConnectorCarddav *self,
                              const char              *href,
                              ConcordCarddavCard      *card)
{
  ConcordRecord *record = concord_vcard_to_record (card->card, href, self->region);

  if (record != NULL)
    concord_record_set_version (record, card->etag);
  return record;
}

const char *
_concord_carddav_header_etag (SoupMessageHeaders *headers)
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
      ConcordCarddavCard *card = value;

      if (card->card != NULL && contact_type != NULL && _concord_carddav_is_member_of (key, contact_type))
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
  return _concord_carddav_list_books (CONCORD_CONNECTOR_CARDDAV (connector));
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
                                       (GDestroyNotify) _concord_carddav_card_free);
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
