/* concord-description-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the parts of the description loader share: the description made
 * and freed, read section by section and loaded (concord-description.c),
 * the reading with places and the account, request, derive and auth
 * sections (concord-description-read.c), the contact types and their
 * fields (concord-description-types.c), and what connectors use at run
 * time: paths, placeholders filled, times (concord-description-runtime.c).
 */

#pragma once

#include <json-glib/json-glib.h>

#include "concord-description.h"

G_BEGIN_DECLS

/* The placeholders a template may hold besides the account's fields and
 * the derived values. */
typedef enum
{
  CONCORD_DESC_FILL_SECRET       = 1 << 0,
  CONCORD_DESC_FILL_CONTACT_TYPE = 1 << 1,
  CONCORD_DESC_FILL_ID           = 1 << 2,
} ConcordDescFillAllowed;

/* concord-description.c */

void _concord_description_request_free (ConcordDescRequest *request);

void _concord_description_field_free (ConcordDescField *field);

void _concord_description_derive_free (ConcordDescDerive *derive);

/* concord-description-read.c */

gboolean _concord_description_refuse (GError     **error,
                                     const char  *place,
                                     const char  *format,
                                     ...) G_GNUC_PRINTF (3, 4);

char *_concord_description_place_of (const char *place,
                                     const char *member);

gboolean _concord_description_check_keys (JsonObject         *object,
                                          const char         *place,
                                          const char * const *allowed,
                                          GError            **error);

JsonObject *_concord_description_get_object (JsonObject *object,
                                             const char *member,
                                             const char *place,
                                             gboolean    required,
                                             GError    **error);

JsonArray *_concord_description_get_array (JsonObject *object,
                                           const char *member,
                                           const char *place,
                                           gboolean    required,
                                           GError    **error);

const char *_concord_description_get_string (JsonObject *object,
                                             const char *member,
                                             const char *place,
                                             gboolean    required,
                                             GError    **error);

gboolean _concord_description_get_boolean (JsonObject *object,
                                           const char *member,
                                           const char *place,
                                           gboolean   *out,
                                           GError    **error);

gboolean _concord_description_get_uint (JsonObject *object,
                                        const char *member,
                                        const char *place,
                                        gint64      min,
                                        gint64      max,
                                        guint      *out,
                                        GError    **error);

gboolean _concord_description_get_enum (JsonObject         *object,
                                        const char         *member,
                                        const char         *place,
                                        const char         *what,
                                        const char * const *names,
                                        gboolean            required,
                                        gint               *out,
                                        GError            **error);

ConcordDescPath *_concord_description_get_path (JsonObject *object,
                                                const char *member,
                                                const char *place,
                                                gboolean    required,
                                                GError    **error);

gboolean _concord_description_is_derived (ConcordDescription *description,
                                          const char         *name);

gboolean _concord_description_check_placeholders (ConcordDescription    *description,
                                                  const char            *text,
                                                  const char            *place,
                                                  ConcordDescFillAllowed allowed,
                                                  GError               **error);

ConcordDescRequest *_concord_description_read_request (ConcordDescription    *description,
                                                       JsonObject            *object,
                                                       const char            *place,
                                                       const char * const    *extra,
                                                       ConcordDescFillAllowed path_allowed,
                                                       GError               **error);

JsonObject *_concord_description_read_where (JsonObject *object,
                                             const char *place,
                                             GError    **error);

gboolean _concord_description_read_account (ConcordDescription *description,
                                            JsonArray          *array,
                                            GError            **error);

gboolean _concord_description_read_derive (ConcordDescription *description,
                                           JsonObject         *object,
                                           GError            **error);

gboolean _concord_description_read_auth (ConcordDescription *description,
                                         JsonObject         *object,
                                         GError            **error);

/* concord-description-types.c */

gboolean _concord_description_read_contact_type (ConcordDescription *description,
                                                 JsonObject         *object,
                                                 guint               index,
                                                 GError            **error);

/* concord-description-runtime.c */

const char *_concord_description_option_value (const ConcordDescription *description,
                                               JsonObject               *options,
                                               const char               *key);

/* The fields of a contact type (concord-description-fields.c), read by
 * its contact type (concord-description-types.c). */

/* "unix", "unix_ms", "iso8601": the time formats, in ConcordDescTime's order. */
extern const char * const _concord_description_time_formats[];

/* concord-description-fields.c */

ConcordDescField *_concord_description_read_field (JsonObject *object,
                                                   const char *place,
                                                   const char *key,
                                                   GError    **error);

gboolean _concord_description_read_custom (ConcordDescription     *description,
                                           ConcordDescContactType *type,
                                           JsonObject             *object,
                                           const char             *place,
                                           GError                **error);

G_END_DECLS
