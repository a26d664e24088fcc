/* concord-connector-carddav-discover.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Finding a CardDAV account's address books (see
 * concord-connector-carddav.c): the PROPFIND walk from the URL given, over
 * the principal and the home set, to the books offered as contact types;
 * and verifying an account, which is the same walk.
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
  ConcordCarddavBook *book = g_new0 (ConcordCarddavBook, 1);

  book->path = g_strdup (response->href);
  /* Radicale gives a book made by a whole-collection PUT an empty name. */
  book->label = response->displayname != NULL && *g_strstrip (response->displayname) != '\0'
                ? g_strdup (response->displayname)
                : _concord_carddav_last_segment (response->href);
  book->versions = response->versions;
  /* A server that does not say what it supports is asked anyway. */
  book->sync_collection = TRUE;
  g_hash_table_replace (self->books, g_strdup (book->path), book);
}

GPtrArray *
_concord_carddav_list_books (ConcordConnectorCarddav *self)
{
  GPtrArray *types = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);
  g_autoptr(GList) books = g_hash_table_get_values (self->books);

  for (GList *l = books; l != NULL; l = l->next)
    {
      ConcordCarddavBook *book = l->data;

      g_ptr_array_add (types, concord_contact_type_new (book->path, book->label));
    }
  return types;
}

ConcordWebdavResponse *
_concord_carddav_find_response (ConcordWebdavMultistatus *ms,
                                const char               *path)
{
  for (guint i = 0; i < ms->responses->len; i++)
    {
      ConcordWebdavResponse *response = g_ptr_array_index (ms->responses, i);

      if (_concord_carddav_same_collection (response->href, path))
        return response;
    }
  return ms->responses->len > 0 ? g_ptr_array_index (ms->responses, 0) : NULL;
}

/* The step after @ms, the answer about discover->path: the books, or
 * the next PROPFIND. Takes the caller's reference on @task. */
static void
discover_next (GTask                    *task,
               ConcordWebdavMultistatus *ms)
{
  ConcordConnectorCarddav *self = g_task_get_source_object (task);
  Discover *discover = g_task_get_task_data (task);
  ConcordWebdavResponse *response;

  switch (discover->step)
    {
    case DISCOVER_WELL_KNOWN:
    case DISCOVER_START:
      response = _concord_carddav_find_response (ms, discover->path);
      if (response != NULL && response->is_addressbook)
        {
          g_hash_table_remove_all (self->books);
          add_book (self, response);
          g_task_return_pointer (task, _concord_carddav_list_books (self), (GDestroyNotify) g_ptr_array_unref);
          g_object_unref (task);
          return;
        }
      if (response != NULL && response->home_set != NULL)
        {
          discover->step = DISCOVER_HOME;
          g_free (discover->path);
          discover->path = g_strdup (response->home_set);
        }
      else if (response != NULL && response->principal != NULL &&
               !_concord_carddav_same_collection (response->principal, discover->path))
        {
          discover->step = DISCOVER_PRINCIPAL;
          g_free (discover->path);
          discover->path = g_strdup (response->principal);
        }
      else
        discover->step = DISCOVER_HOME;
      discover_send (task);
      return;

    case DISCOVER_PRINCIPAL:
      response = _concord_carddav_find_response (ms, discover->path);
      discover->step = DISCOVER_HOME;
      if (response != NULL && response->home_set != NULL)
        {
          g_free (discover->path);
          discover->path = g_strdup (response->home_set);
        }
      discover_send (task);
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
      g_task_return_pointer (task, _concord_carddav_list_books (self), (GDestroyNotify) g_ptr_array_unref);
      g_object_unref (task);
      return;
    }
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
  g_autofree char *url = _concord_carddav_request_url (self, discover->path);
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

  discover_next (g_steal_pointer (&task), ms);
}

static void
discover_send (GTask *task)
{
  ConcordConnectorCarddav *self = g_task_get_source_object (task);
  Discover *discover = g_task_get_task_data (task);
  g_autoptr(GBytes) body = concord_webdav_propfind_body (book_props);
  ConcordHttpRequest *request;

  request = _concord_carddav_dav_request (self, "PROPFIND", discover->path,
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

void
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

void
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
