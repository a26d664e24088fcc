/* concord-connector-carddav-list.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Listing a CardDAV address book (see concord-connector-carddav.c):
 * sync-collection from the last token (or a full PROPFIND when the server
 * has none or forgot it), the members it gives read by multiget, and the
 * pages served from that listing.
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
  ConcordCarddavListing    *listing;     /* (nullable) (unowned) for a later page */
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
  return list->path != NULL ? list->path : _concord_carddav_book_location (self, list->book);
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

static void listing_serve (GTask                 *task,
                           ConcordCarddavListing *listing,
                           guint                  position);

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
      ConcordCarddavListing *listing = g_new0 (ConcordCarddavListing, 1);

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

/* Whether a failed listing request is to be sent again, changed: without
 * the cards, from nothing when the token is refused, or by PROPFIND on a
 * server without sync-collection. */
static gboolean
list_retries (ConcordConnectorCarddav *self,
              List                    *list,
              guint                    status,
              GError                  *error)
{
  if (list->with_data && !list->fallback &&
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
      return TRUE;
    }

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
      return TRUE;
    }

  /* No sync-collection on this server: the etags of every member. */
  if (!list->fallback && list->token == NULL &&
      (status == SOUP_STATUS_NOT_IMPLEMENTED || status == SOUP_STATUS_METHOD_NOT_ALLOWED ||
       status == SOUP_STATUS_BAD_REQUEST || status == SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE ||
       status == SOUP_STATUS_FORBIDDEN))
    {
      ConcordCarddavBook *book = g_hash_table_lookup (self->books, list->book);

      g_debug ("no sync-collection (HTTP %u): PROPFIND Depth 1", status);
      if (book != NULL)
        book->sync_collection = FALSE;
      list->fallback = TRUE;
      list->complete = TRUE;
      return TRUE;
    }

  return FALSE;
}

/* The members @ms gives, changed or deleted, into @list (and the cards
 * that came with it into the cache). */
static void
list_add_responses (ConcordConnectorCarddav  *self,
                    List                     *list,
                    ConcordWebdavMultistatus *ms)
{
  for (guint i = 0; i < ms->responses->len; i++)
    {
      ConcordWebdavResponse *response = g_ptr_array_index (ms->responses, i);

      if (list->fallback && response->ctag != NULL &&
          (_concord_carddav_same_collection (response->href, list->book) ||
           _concord_carddav_same_collection (response->href, list_path (self, list))))
        {
          g_free (list->token);
          list->token = g_strconcat (CTAG_PREFIX, response->ctag, NULL);
        }
      if (!_concord_carddav_in_book (self, response->href, list->book) &&
          !_concord_carddav_is_member_of (response->href, list_path (self, list)))
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
            _concord_carddav_take_response (self, response);
        }
    }
}

/* After the members of @ms: the next round of a truncated answer, or the
 * members' pages. Takes the caller's reference on @task. */
static void
list_next (GTask                    *task,
           ConcordWebdavMultistatus *ms)
{
  List *list = g_task_get_task_data (task);

  if (list->fallback)
    {
      /* The cursor is the ctag (or none: a full listing next time too). */
      list_finish_members (task);
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
          g_object_unref (task);
          return;
        }
      g_free (list->token);
      list->token = g_steal_pointer (&ms->sync_token);
      list_send (task);
      return;
    }

  g_free (list->token);
  list->token = g_steal_pointer (&ms->sync_token);
  list_finish_members (task);
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
  if (body == NULL)
    {
      if (list_retries (self, list, status, error))
        list_send (g_steal_pointer (&task));
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Moved on the same server: the same request, there. */
  if (status >= 300 && status < 400)
    {
      char *target = _concord_carddav_follow_redirect (self, list->fallback ? LABEL_PROPFIND : LABEL_SYNC,
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

  url = _concord_carddav_request_url (self, list_path (self, list));
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
      ConcordWebdavResponse *book = _concord_carddav_find_response (ms, list->book);

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

  list_add_responses (self, list, ms);

  if (g_hash_table_size (list->changed) + g_hash_table_size (list->deleted) > MAX_MEMBERS)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE,
                               "%s: more than %u members", LABEL_SYNC, MAX_MEMBERS);
      return;
    }

  list_next (g_steal_pointer (&task), ms);
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
      request = _concord_carddav_dav_request (self, "PROPFIND", list_path (self, list),
                                              list->ctag != NULL ? "0" : "1", body, CONCORD_WEBDAV_CONTENT_TYPE,
                                              LABEL_PROPFIND);
    }
  else
    {
      body = concord_webdav_sync_collection_body (list->token, list->with_data);
      request = _concord_carddav_dav_request (self, "REPORT", list_path (self, list), "0", body,
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
              ConcordCarddavListing    *listing,
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
      ConcordCarddavCard *card = g_hash_table_lookup (self->cards, href);
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
        card = _concord_carddav_take_response_why (self, response, &reason);
      else if (card != NULL && g_strcmp0 (card->etag, etag) != 0)
        card = NULL;  /* asked, and the server did not answer for it */
      if (card == NULL && reason == NULL && list->too_large != NULL)
        reason = g_strdup (g_hash_table_lookup (list->too_large, href));

      if (card != NULL)
        record = _concord_carddav_card_record (self, href, card);
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

  ms = _concord_carddav_multiget_finish (self, result, &error);
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
  ConcordCarddavListing *listing;

  if (list->chunks->len > 0)
    {
      list->chunk = g_ptr_array_steal_index (list->chunks, list->chunks->len - 1);
      _concord_carddav_multiget_async (self, list->book, (const char * const *) list->chunk->pdata,
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
listing_serve (GTask                 *task,
               ConcordCarddavListing *listing,
               guint                  position)
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
      ConcordCarddavCard *card = g_hash_table_lookup (self->cards, href);

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

void
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
  ConcordCarddavListing *listing;
  guint generation = 0;
  guint position = 0;

  if (!_concord_carddav_is_book_path (contact_type))
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
      ConcordCarddavBook *book = g_hash_table_lookup (self->books, contact_type);

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
