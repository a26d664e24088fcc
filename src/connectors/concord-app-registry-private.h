/* concord-app-registry-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the parts of the app registry share: the registry and its apps
 * (concord-app-registry.c), and the options of an app's account parsed
 * and checked, field by field (concord-app-registry-options.c).
 */

#pragma once

#include "concord-app-registry.h"

G_BEGIN_DECLS

/* concord-app-registry-options.c */

gboolean _concord_app_registry_is_valid_id (const char *id);

gboolean _concord_app_registry_validate_field (const ConcordAppField *field,
                                               const char            *value,
                                               gboolean               on_disk,
                                               GError               **error);

JsonNode *_concord_app_registry_check_options (const ConcordAppInfo *app,
                                               const char           *options_json,
                                               gboolean              on_disk,
                                               GError              **error);

G_END_DECLS
