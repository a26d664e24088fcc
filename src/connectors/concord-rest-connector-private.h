/* concord-rest-connector-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the parts of the REST connector base share: the connector and its
 * private data (concord-rest-connector.c: helpers, verify, the GObject,
 * the setters), reading (concord-rest-connector-read.c: the listing, a
 * sample, a whole collection, fetch by id), writing
 * (concord-rest-connector-write.c: create and update) and the helpers its
 * subclasses call (concord-rest-connector-helpers.c: answers read, page
 * tokens, records and custom fields). See concord-rest-connector.c for
 * what the base does.
 */

#pragma once

#include "concord-rest-connector.h"

G_BEGIN_DECLS

/* What stops a server from paging for ever, for one listing. */
typedef struct
{
  guint       n_pages;      /* pages read */
  GHashTable *seen_tokens;  /* (owned): page tokens seen */
  GHashTable *previous_ids; /* (owned) (nullable): remote ids of the page before */
  char       *cursor;       /* (owned) (nullable): what the listing started from */
} ConcordRestListingGuard;

typedef struct
{
  ConcordHttpClient       *client;      /* (owned) (nullable) */
  guint                    max_batch;
  guint                    max_pages;
  gboolean                 split_refused;   /* halve a create refused whole (400, 409, 422) */
  GHashTable              *custom_fields;/* (owned): names learnt or declared → NULL */
  ConcordRestListingGuard  listing;     /* the current listing's */
  ConcordRestListingGuard *guard;       /* (unowned): &listing, or a sample's while it parses */
} ConcordRestConnectorPrivate;

/* The private data, from any part (the instance-private getter
 * G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE makes is static to
 * concord-rest-connector.c). */
ConcordRestConnectorPrivate *_concord_rest_connector_get_priv (ConcordRestConnector *self);

#define PRIV(self) (_concord_rest_connector_get_priv (CONCORD_REST_CONNECTOR (self)))
#define KLASS(self) CONCORD_REST_CONNECTOR_GET_CLASS (self)

/* What an operation does once the subclass is prepared. */
typedef void (*ConcordRestContinue) (GTask *task);

/* An operation's state, its GTask's data. */
typedef struct
{
  char               *contact_type;  /* (owned) */
  char               *page_token;    /* (owned) (nullable) */
  GStrv               ids;           /* (owned) (nullable): fetch */
  GPtrArray          *inputs;        /* (owned) (nullable): records or changes */
  GPtrArray          *records;       /* (owned) (nullable): fetch results, one (nullable) an id */
  guint               pending;
  GError             *error;         /* (owned) (nullable): fetch's first error */
  ConcordRestContinue next;
} ConcordRestOpState;

/* concord-rest-connector.c */

void _concord_rest_connector_listing_guard_init (ConcordRestListingGuard *guard);

void _concord_rest_connector_listing_guard_clear (ConcordRestListingGuard *guard);

void _concord_rest_connector_record_unref_nullable (gpointer record);

ConcordRestOpState *_concord_rest_connector_op_state_new (GTask      *task,
                                                          const char *contact_type);

void _concord_rest_connector_prepare_then (GTask               *task,
                                           ConcordRestOperation operation,
                                           ConcordRestContinue  next);

gboolean _concord_rest_connector_send_or_fail (ConcordRestConnector *self,
                                               GTask                *task,
                                               ConcordHttpRequest   *request,
                                               GError               *error,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);

gboolean _concord_rest_connector_check_type_or_fail (ConcordRestConnector *self,
                                                     GTask                *task,
                                                     const char           *contact_type);

gboolean _concord_rest_connector_check_not_repeated (ConcordRestConnector *self,
                                                     ConcordPage          *page,
                                                     const char           *page_token,
                                                     GError              **error);

gboolean _concord_rest_connector_set_next_page (ConcordRestConnector *self,
                                                ConcordPage          *page,
                                                char                 *token,
                                                GError              **error);

/* concord-rest-connector-read.c */

void _concord_rest_connector_list_async (ConcordConnector   *connector,
                                         const char         *contact_type,
                                         const char         *cursor,
                                         const char         *page_token,
                                         GCancellable       *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer            user_data);

void _concord_rest_connector_fetch_async (ConcordConnector   *connector,
                                          const char         *contact_type,
                                          const char * const *remote_ids,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data);

/* concord-rest-connector-write.c */

void _concord_rest_connector_create_async (ConcordConnector   *connector,
                                           const char         *contact_type,
                                           GPtrArray          *records,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);

void _concord_rest_connector_update_async (ConcordConnector   *connector,
                                           const char         *contact_type,
                                           GPtrArray          *changes,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);

G_END_DECLS
