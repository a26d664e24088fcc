/* concord-sandbox.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "concord-app-registry.h"

G_BEGIN_DECLS

/* The API key of the sandbox's Elastic Email account (the mock server's). */
#define CONCORD_SANDBOX_ELASTICEMAIL_KEY "sandbox"

#define CONCORD_TYPE_SANDBOX (concord_sandbox_get_type ())

G_DECLARE_FINAL_TYPE (ConcordSandbox, concord_sandbox, CONCORD, SANDBOX, GObject)

ConcordSandbox *concord_sandbox_new                          (const char           *dir);

gboolean        concord_sandbox_start                        (ConcordSandbox       *self,
                                                              GError              **error);
void            concord_sandbox_start_async                  (ConcordSandbox       *self,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
gboolean        concord_sandbox_start_finish                 (ConcordSandbox       *self,
                                                              GAsyncResult         *result,
                                                              GError              **error);
void            concord_sandbox_stop                         (ConcordSandbox       *self);
gboolean        concord_sandbox_is_running                   (ConcordSandbox       *self);
gboolean        concord_sandbox_remove                       (ConcordSandbox       *self,
                                                              GError              **error);
gboolean        concord_sandbox_owns_account                 (ConcordSandbox       *self,
                                                              const char           *app_id,
                                                              const char           *options_json);

const char     *concord_sandbox_get_dir                      (ConcordSandbox       *self);

/* What the user enters in the Add Connection flow (the keys are shown on
 * the sandbox page), and the accounts' options. */
const char     *concord_sandbox_get_elasticemail_url         (ConcordSandbox       *self);
const char     *concord_sandbox_get_elasticemail_key         (ConcordSandbox       *self);
const char     *concord_sandbox_get_elasticemail_options_json (ConcordSandbox      *self);
const char     *concord_sandbox_get_crm_options_json         (ConcordSandbox       *self);
const char     *concord_sandbox_get_crm_key                  (ConcordSandbox       *self);
char           *concord_sandbox_make_key                     (const ConcordAppInfo *app);
const char     *concord_sandbox_get_moved_from               (ConcordSandbox       *self);

/* The second side: the Sample CRM, or a sample of a real app run by its
 * mock server (see concord-sandbox.c). */
GStrv           concord_sandbox_list_apps                    (void);
gboolean        concord_sandbox_add_app                      (ConcordSandbox       *self,
                                                              const char           *app_id,
                                                              GError              **error);
GStrv           concord_sandbox_get_apps                     (ConcordSandbox       *self);
const char     *concord_sandbox_get_app_options_json         (ConcordSandbox       *self,
                                                              const char           *app_id);
const char     *concord_sandbox_get_app_key                  (ConcordSandbox       *self,
                                                              const char           *app_id);
const char     *concord_sandbox_get_app_url                  (ConcordSandbox       *self,
                                                              const char           *app_id);
const char     *concord_sandbox_get_app_moved_from           (ConcordSandbox       *self,
                                                              const char           *app_id);

G_END_DECLS
