/* concord-connector-carddav-write.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Writing to a CardDAV address book (see concord-connector-carddav.c):
 * PUT with If-Match or If-None-Match, DELETE, and the read back of a card
 * after a conflict or a write whose answer did not say enough.
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
  ConcordCarddavCard                    *base;       /* (nullable) (owned) the card the change applies to */
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
  g_clear_pointer (&write->base, _concord_carddav_card_free);
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
write_ok (Write              *write,
          ConcordCarddavCard *card)
{
  g_autoptr(ConcordRecord) record = card != NULL ? _concord_carddav_card_record (write->self, write->href, card)
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
  ConcordCarddavCard *fresh = NULL;

  ms = _concord_carddav_multiget_finish (self, result, &error);
  if (ms == NULL)
    {
      write_fail (write, error);
      return;
    }

  for (guint i = 0; i < ms->responses->len && fresh == NULL; i++)
    {
      ConcordWebdavResponse *response = g_ptr_array_index (ms->responses, i);

      if (g_strcmp0 (response->href, write->href) == 0)
        fresh = _concord_carddav_take_response (self, response);
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
      write->base = _concord_carddav_card_new (fresh->etag, concord_vcard_copy (fresh->card));
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
          g_clear_pointer (&write->base, _concord_carddav_card_free);
          write->base = _concord_carddav_card_new (fresh->etag, concord_vcard_copy (fresh->card));
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

  _concord_carddav_multiget_async (write->self, write->book, hrefs, 1, write->cancellable,
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
  ConcordCarddavCard *card;

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

  etag = _concord_carddav_header_etag (headers);
  if (etag == NULL)
    {
      /* The server rewrote the card, or does not say: read it. */
      write_refetch (write, REFETCH_STORED);
      return;
    }

  card = _concord_carddav_card_new (etag, g_steal_pointer (&write->sent));
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
      ConcordCarddavBook *book = g_hash_table_lookup (self->books, write->book);
      guint version = book != NULL && book->versions == CONCORD_WEBDAV_VCARD_4 ? 4 : 3;
      g_autofree char *uid = g_uuid_string_random ();
      g_autofree char *name = concord_webdav_safe_name (uid);
      g_autofree char *dir = _concord_carddav_book_dir (write->book);

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
  request = _concord_carddav_dav_request (self, "PUT", write->href, NULL, body, VCARD_TYPE, LABEL_PUT);
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
  if (_concord_carddav_is_book_path (contact_type))
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

void
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

void
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
      ConcordCarddavCard *card;

      if (change->remote_id == NULL || !_concord_carddav_is_member_of (change->remote_id, contact_type))
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
          write->base = _concord_carddav_card_new (card->etag, concord_vcard_copy (card->card));
          write_put (write);
        }
      else
        write_refetch (write, REFETCH_BASE);
    }
  batch_started (batch);
}

void
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
      ConcordCarddavCard *card;

      if (!_concord_carddav_is_member_of (remote_ids[i], contact_type))
        {
          g_autoptr(GError) error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                                                         "Not a card of this address book");

          concord_write_batch_set_error (batch, i, error);
          continue;
        }

      write = write_new (self, batch, cancellable, WRITE_DELETE, i, contact_type);
      write->href = g_strdup (remote_ids[i]);
      request = _concord_carddav_dav_request (self, "DELETE", write->href, NULL, NULL, NULL, LABEL_DELETE);
      /* Gone already is deleted. */
      concord_http_request_set_flags (request, CONCORD_HTTP_NOT_FOUND_IS_EMPTY);
      card = g_hash_table_lookup (self->cards, write->href);
      if (card != NULL && card->etag != NULL)
        concord_http_request_add_header (request, "If-Match", card->etag);
      concord_http_client_send_async (self->client, request, cancellable, on_delete_cb, write);
    }
  batch_started (batch);
}
