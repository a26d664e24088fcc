/* concord-connector-carddav-fetch.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Reading cards by href from a CardDAV server (see
 * concord-connector-carddav.c): addressbook-multiget in batches, with
 * their halving when answers are too large, shared by listing and fetch;
 * and fetch by remote id.
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
      char *target = _concord_carddav_follow_redirect (self, LABEL_MULTIGET, data->book, data->path, status,
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

  url = _concord_carddav_request_url (self, data->path);
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
void
_concord_carddav_multiget_async (ConcordConnectorCarddav *self,
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
  data->path = g_strdup (_concord_carddav_book_location (self, book));
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

  request = _concord_carddav_dav_request (self, "REPORT", data->path, "1", data->body,
                                          CONCORD_WEBDAV_CONTENT_TYPE, LABEL_MULTIGET);
  concord_http_request_set_flags (request, CONCORD_HTTP_IDEMPOTENT |
                                           CONCORD_HTTP_SAME_ORIGIN_REDIRECT);
  concord_http_client_send_async (self->client, request, g_task_get_cancellable (task),
                                  on_multiget_cb, task);
}

ConcordWebdavMultistatus *
_concord_carddav_multiget_finish (ConcordConnectorCarddav  *self,
                                  GAsyncResult             *result,
                                  GError                  **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Reads one multiget response into the cache; returns the card (owned by
 * the cache) or NULL when it is not a readable card, then with why in
 * @reason when asked (for people: never a value of the card). */
ConcordCarddavCard *
_concord_carddav_take_response_why (ConcordConnectorCarddav  *self,
                                    ConcordWebdavResponse    *response,
                                    char                    **reason)
{
  g_autoptr(GError) error = NULL;
  ConcordVCard *vcard;
  ConcordCarddavCard *card;

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

  card = _concord_carddav_card_new (response->etag, vcard);
  g_hash_table_replace (self->cards, g_strdup (response->href), card);
  return card;
}

ConcordCarddavCard *
_concord_carddav_take_response (ConcordConnectorCarddav *self,
                                ConcordWebdavResponse   *response)
{
  return _concord_carddav_take_response_why (self, response, NULL);
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
          ConcordCarddavCard *card = _concord_carddav_in_book (self, response->href, fetch->book) ?
                       _concord_carddav_take_response (self, response) : NULL;
          ConcordRecord *record = card != NULL ? _concord_carddav_card_record (self, response->href, card) : NULL;

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

  ms = _concord_carddav_multiget_finish (self, result, &error);
  if (ms == NULL && fetch->error == NULL)
    fetch->error = g_steal_pointer (&error);
  g_ptr_array_index (fetch->answers, part->index) = ms;
  g_free (part);

  if (--fetch->pending == 0)
    fetch_complete (task);
}

void
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
    if (_concord_carddav_is_book_path (contact_type) && _concord_carddav_is_member_of (remote_ids[i], contact_type))
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
      _concord_carddav_multiget_async (self, contact_type, (const char * const *) fetch->ids + i,
                                       MIN (size, n - i), cancellable, on_fetch_cb, data);
    }
}
