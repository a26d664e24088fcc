/* concord-secret-store.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <libsecret/secret.h>

G_BEGIN_DECLS

#define CONCORD_TYPE_SECRET_STORE (concord_secret_store_get_type ())

G_DECLARE_FINAL_TYPE (ConcordSecretStore, concord_secret_store, CONCORD, SECRET_STORE, GObject)

const SecretSchema *concord_secret_store_get_schema     (void);

ConcordSecretStore *concord_secret_store_new            (void);
ConcordSecretStore *concord_secret_store_new_in_memory  (void);
gboolean            concord_secret_store_is_in_memory   (ConcordSecretStore   *self);

void                concord_secret_store_store_async    (ConcordSecretStore   *self,
                                                         const char           *account_id,
                                                         const char           *connector,
                                                         const char           *label,
                                                         const char           *secret,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
gboolean            concord_secret_store_store_finish   (ConcordSecretStore   *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);

void                concord_secret_store_lookup_async   (ConcordSecretStore   *self,
                                                         const char           *account_id,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
char               *concord_secret_store_lookup_finish  (ConcordSecretStore   *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);

void                concord_secret_store_clear_async    (ConcordSecretStore   *self,
                                                         const char           *account_id,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
gboolean            concord_secret_store_clear_finish   (ConcordSecretStore   *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);

void                concord_secret_free                 (char                 *secret);

typedef char *ConcordSecretString;

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (ConcordSecretString, concord_secret_free, NULL)

G_END_DECLS
