/* concord-record.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ConcordFieldType:
 *
 * The type of a field's value. STRING, EMAIL, PHONE, ENUM and DATE values are
 * text (DATE as "YYYY-MM-DD"); NUMBER is a double; BOOLEAN a gboolean;
 * DATETIME seconds since the Unix epoch (UTC); STRING_SET a sorted set of
 * distinct strings (lists, tags).
 */
typedef enum
{
  CONCORD_FIELD_TYPE_STRING,
  CONCORD_FIELD_TYPE_EMAIL,
  CONCORD_FIELD_TYPE_PHONE,
  CONCORD_FIELD_TYPE_DATE,
  CONCORD_FIELD_TYPE_DATETIME,
  CONCORD_FIELD_TYPE_NUMBER,
  CONCORD_FIELD_TYPE_BOOLEAN,
  CONCORD_FIELD_TYPE_ENUM,
  CONCORD_FIELD_TYPE_STRING_SET,
} ConcordFieldType;

#define CONCORD_FIELD_TYPE_IS_TEXT(t) ((t) == CONCORD_FIELD_TYPE_STRING || \
                                       (t) == CONCORD_FIELD_TYPE_EMAIL || \
                                       (t) == CONCORD_FIELD_TYPE_PHONE || \
                                       (t) == CONCORD_FIELD_TYPE_DATE || \
                                       (t) == CONCORD_FIELD_TYPE_ENUM)

const char *concord_field_type_to_string   (ConcordFieldType  type);
gboolean    concord_field_type_from_string (const char       *name,
                                            ConcordFieldType *type);

/**
 * ConcordValue:
 *
 * One typed value. Values are normalised when set (see
 * concord_value_normalize()), so two values are equal exactly when
 * concord_value_equal() says so; an empty value is never stored (setting
 * an empty string or set removes the field).
 */
typedef struct
{
  ConcordFieldType type;
  union
  {
    char      *text;      /* (owned) for the text types */
    double     number;
    gboolean   boolean;
    gint64     datetime;
    char     **set;       /* (owned) sorted, distinct, NULL-terminated, non-empty */
  } v;
} ConcordValue;

void          concord_value_clear       (ConcordValue       *value);
void          concord_value_copy        (const ConcordValue *src,
                                         ConcordValue       *dest);
gboolean      concord_value_equal       (const ConcordValue *a,
                                         const ConcordValue *b);
char         *concord_value_to_string   (const ConcordValue *value);
GVariant     *concord_value_to_variant  (const ConcordValue *value);
gboolean      concord_value_from_variant (GVariant          *variant,
                                          ConcordValue      *value);

char         *concord_email_fold        (const char         *email);
char         *concord_normalize_email   (const char         *email);
char         *concord_normalize_phone   (const char         *phone);

typedef gboolean (*ConcordPhoneEqualFunc) (const char *a,
                                           const char *b);
void          concord_set_phone_equal_func (ConcordPhoneEqualFunc func);
gboolean      concord_email_is_valid    (const char         *email);

/* ------------------------------------------------------------------------- */

/**
 * ConcordRecord:
 *
 * A contact as Concord sees it: typed fields keyed by field name (canonical
 * names such as "email" or "first_name", custom fields as "custom:<Name>"),
 * plus what identifies it on its app: remote id, version (etag) and
 * modification time when the app gives them.
 *
 * Records are reference counted. A record that has been shared (ref count
 * above one, or handed to a connector or the engine) must be treated as
 * immutable: copy it with concord_record_copy() to change it.
 */
typedef struct _ConcordRecord ConcordRecord;

ConcordRecord      *concord_record_new            (const char          *remote_id);
ConcordRecord      *concord_record_copy           (const ConcordRecord *self);
ConcordRecord      *concord_record_ref            (ConcordRecord       *self);
void                concord_record_unref          (ConcordRecord       *self);

const char         *concord_record_get_remote_id  (const ConcordRecord *self);
void                concord_record_set_remote_id  (ConcordRecord       *self,
                                                   const char          *remote_id);
const char         *concord_record_get_version    (const ConcordRecord *self);
void                concord_record_set_version    (ConcordRecord       *self,
                                                   const char          *version);
gint64              concord_record_get_modified   (const ConcordRecord *self);
void                concord_record_set_modified   (ConcordRecord       *self,
                                                   gint64               unix_seconds);

guint               concord_record_get_n_fields   (const ConcordRecord *self);
gsize               concord_record_get_allocated_size (const ConcordRecord *self);
const ConcordValue *concord_record_get_field_at   (const ConcordRecord *self,
                                                   guint                index,
                                                   const char         **key);
const ConcordValue *concord_record_get            (const ConcordRecord *self,
                                                   const char          *key);
const ConcordValue *concord_record_get_quark      (const ConcordRecord *self,
                                                   GQuark               key);
const char         *concord_record_get_text       (const ConcordRecord *self,
                                                   const char          *key);
const char         *concord_record_get_email      (const ConcordRecord *self);
char               *concord_record_email_keys     (const ConcordRecord *self);
char               *concord_email_keys_first      (const char          *keys);

gboolean            concord_record_set_text       (ConcordRecord       *self,
                                                   const char          *key,
                                                   ConcordFieldType     type,
                                                   const char          *text);
void                concord_record_set_number     (ConcordRecord       *self,
                                                   const char          *key,
                                                   double               number);
void                concord_record_set_boolean    (ConcordRecord       *self,
                                                   const char          *key,
                                                   gboolean             boolean);
void                concord_record_set_datetime   (ConcordRecord       *self,
                                                   const char          *key,
                                                   gint64               unix_seconds);
void                concord_record_set_set        (ConcordRecord       *self,
                                                   const char          *key,
                                                   const char * const  *items);
gboolean            concord_record_set_value      (ConcordRecord       *self,
                                                   const char          *key,
                                                   const ConcordValue  *value);
gboolean            concord_record_set_value_quark (ConcordRecord      *self,
                                                   GQuark               key,
                                                   const ConcordValue  *value);
gboolean            concord_record_remove         (ConcordRecord       *self,
                                                   const char          *key);

void                concord_record_mark_altered   (ConcordRecord       *self,
                                                   const char          *key);
gboolean            concord_record_is_altered     (const ConcordRecord *self,
                                                   const char          *key);
gboolean            concord_record_is_altered_quark (const ConcordRecord *self,
                                                   GQuark               key);
gboolean            concord_record_has_altered    (const ConcordRecord *self);

gboolean            concord_record_equal_fields   (const ConcordRecord *a,
                                                   const ConcordRecord *b);
guint64             concord_record_hash_fields    (const ConcordRecord *self,
                                                   const GQuark        *keys,
                                                   guint                n_keys);
GVariant           *concord_record_to_variant     (const ConcordRecord *self);
GVariant           *concord_record_to_variant_keys (const ConcordRecord *self,
                                                   const GQuark        *keys,
                                                   guint                n_keys);
ConcordRecord      *concord_record_new_from_variant (GVariant          *variant);
GBytes             *concord_record_serialize      (const ConcordRecord *self,
                                                   const GQuark        *keys,
                                                   guint                n_keys);
ConcordRecord      *concord_record_new_from_serialized (const guint8     *data,
                                                   gsize                length);
char               *concord_record_to_json        (const ConcordRecord *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordRecord, concord_record_unref)

G_END_DECLS
