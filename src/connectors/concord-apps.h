/* concord-apps.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-connector.h"

G_BEGIN_DECLS

/**
 * ConcordAppInfo:
 * @id: the app's id on the command line and in the store, e.g. "elasticemail"
 * @name: what the user sees
 * @key_url: (nullable): where the app shows its API key, for the user to
 *   copy it; %NULL for an app of the sandbox demo
 * @demo: an app of the sandbox demo ("Try with sample data", see
 *   concord-sandbox.h), to offer only there
 */
typedef struct
{
  const char *id;
  const char *name;
  const char *key_url;
  gboolean    demo;
} ConcordAppInfo;

const ConcordAppInfo *concord_apps_get_all          (guint             *n_apps);
const ConcordAppInfo *concord_apps_lookup           (const char        *app_id);
gboolean              concord_apps_check_options    (const char        *app_id,
                                                     const char        *options_json,
                                                     GError           **error);
ConcordConnector     *concord_apps_create_connector (const char        *app_id,
                                                     const char        *options_json,
                                                     const char        *secret,
                                                     GError           **error);

G_END_DECLS
