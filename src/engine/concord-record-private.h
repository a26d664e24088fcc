/* concord-record-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/*
 * What the record's files share: the record and its fields
 * (concord-record.c), the normalising and printing of values
 * (concord-record-values.c) that setting and serialising use, and finding
 * a field (concord-record-serial.c hashes and writes them).
 */

#include "concord-record.h"

G_BEGIN_DECLS

typedef enum
{
  CONCORD_RECORD_FIELD_ALTERED = 1 << 0,
} ConcordRecordFieldFlags;

typedef struct
{
  GQuark       key;
  guint32      flags;  /* ConcordRecordFieldFlags; fits in what would be padding */
  ConcordValue value;
} ConcordRecordField;

struct _ConcordRecord
{
  gatomicrefcount     ref_count;
  guint               n_fields;
  guint               n_allocated;
  ConcordRecordField *fields;      /* (owned) (array length=n_fields) */
  char               *remote_id;   /* (owned) (nullable) */
  char               *version;     /* (owned) (nullable) */
  gint64              modified;    /* unix seconds; 0 = unknown */
};

/* concord-record.c */
ConcordRecordField *concord_record_find_field         (const ConcordRecord  *self,
                                                       GQuark                key);

/* concord-record-values.c */
/* Valid UTF-8, trimmed; NULL when nothing is left. */
char               *concord_record_clean_text         (const char           *text);
gboolean            concord_record_text_is_blank      (const char           *text);
/* The value part of a labelled member, "label<TAB>value". */
const char         *concord_record_labelled_value     (const char           *item);
/* "YYYY-MM-DD", also taken from the front of an ISO 8601 date-time. */
char               *concord_record_normalize_date     (const char           *text);
/* Sorted, distinct, trimmed, non-empty; NULL when nothing is left. */
char              **concord_record_normalize_set      (const char           *key,
                                                       const char * const   *items);
void                concord_record_append_json_string (GString              *out,
                                                       const char           *text);
void                concord_record_append_value_json  (GString              *out,
                                                       const ConcordValue   *value);

G_END_DECLS
