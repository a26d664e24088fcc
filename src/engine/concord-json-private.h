/* concord-json-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "concord-record.h"

G_BEGIN_DECLS

/* Every parse of JSON that comes from outside (an app's answers, a file,
 * a document the user imports, stored options) goes through
 * concord_json_parse(): json-glib recurses once per level of nesting, so
 * an unbounded document is a stack overflow, and an unbounded size is
 * unbounded memory. No document Concord reads is legitimately deeper. */
#define CONCORD_JSON_MAX_DEPTH 64

gboolean    concord_json_check_bounds  (const char          *data,
                                        gsize                length,
                                        gsize                max_size,
                                        GError             **error);
JsonNode   *concord_json_parse         (const char          *data,
                                        gssize               length,
                                        gsize                max_size,
                                        GError             **error);

/* Helpers for reading the documents users can edit (rules, mappings):
 * every refusal names the exact place ("rules.a_to_b.actions[1].value")
 * and the reason. */

gboolean    concord_json_check_members (JsonObject          *object,
                                        const char          *path,
                                        const char * const  *allowed,
                                        GError             **error);
const char *concord_json_get_string    (JsonObject          *object,
                                        const char          *member,
                                        const char          *path,
                                        gboolean             required,
                                        GError             **error);
gboolean    concord_json_get_boolean   (JsonObject          *object,
                                        const char          *member,
                                        const char          *path,
                                        gboolean             fallback,
                                        gboolean            *out,
                                        GError             **error);
JsonArray  *concord_json_get_array     (JsonObject          *object,
                                        const char          *member,
                                        const char          *path,
                                        GError             **error);
gboolean    concord_json_get_field_type (JsonObject         *object,
                                        const char          *field,
                                        const char          *member,
                                        const char          *path,
                                        ConcordFieldType    *type,
                                        GError             **error);
JsonObject *concord_json_get_object    (JsonNode            *node,
                                        const char          *path,
                                        GError             **error);

G_END_DECLS
