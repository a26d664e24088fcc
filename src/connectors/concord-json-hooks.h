/* concord-json-hooks.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "concord-record.h"

G_BEGIN_DECLS

/**
 * ConcordJsonHook:
 * @name: what a description lists in its "hooks"
 * @read_custom: (nullable): a custom field's value as the app sent it
 *   (text) → Concord's, or %NULL to keep it as it is
 * @write_custom: (nullable): a custom field's value as Concord holds it →
 *   the app's text, or %NULL to send it as it is
 * @write_created: (nullable): completes the body of a record being created
 *   (@object, before any wrapping) from the record (@values)
 *
 * What a connector description cannot say, in C, by name. A
 * ConcordJsonConnector calls a hook only when its description lists it.
 */
typedef struct
{
  const char *name;
  char     *(*read_custom)  (ConcordFieldType  type,
                             const char       *text);
  char     *(*write_custom) (ConcordFieldType  type,
                             const char       *text);
  void      (*write_created) (JsonObject          *object,
                              const ConcordRecord *values);
} ConcordJsonHook;

const ConcordJsonHook *concord_json_hooks_lookup (const char *name);

G_END_DECLS
