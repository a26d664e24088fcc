/* concord-fields.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-record.h"

G_BEGIN_DECLS

/* The canonical field vocabulary connectors map their apps' fields onto. */
#define CONCORD_FIELD_EMAIL               "email"
#define CONCORD_FIELD_FIRST_NAME          "first_name"
#define CONCORD_FIELD_LAST_NAME           "last_name"
#define CONCORD_FIELD_PHONE               "phone"
#define CONCORD_FIELD_MOBILE              "mobile"
#define CONCORD_FIELD_COMPANY             "company"
#define CONCORD_FIELD_JOB_TITLE           "job_title"
#define CONCORD_FIELD_WEBSITE             "website"
#define CONCORD_FIELD_ADDRESS_STREET      "address_street"
#define CONCORD_FIELD_ADDRESS_CITY        "address_city"
#define CONCORD_FIELD_ADDRESS_REGION      "address_region"
#define CONCORD_FIELD_ADDRESS_POSTAL_CODE "address_postal_code"
#define CONCORD_FIELD_ADDRESS_COUNTRY     "address_country"
#define CONCORD_FIELD_BIRTHDAY            "birthday"
#define CONCORD_FIELD_NOTES               "notes"
#define CONCORD_FIELD_STATUS              "status"
#define CONCORD_FIELD_SOURCE              "source"
#define CONCORD_FIELD_LISTS               "lists"
#define CONCORD_FIELD_TAGS                "tags"
#define CONCORD_FIELD_CONSENT             "consent"
#define CONCORD_FIELD_CREATED_AT          "created_at"
#define CONCORD_FIELD_UPDATED_AT          "updated_at"

#define CONCORD_FIELD_EMAILS              "emails"
#define CONCORD_FIELD_PHONES              "phones"
#define CONCORD_FIELD_ADDRESSES           "addresses"

#define CONCORD_FIELD_CUSTOM_PREFIX       "custom:"

/* The label vocabulary of labelled items; any other label is kept as the
 * app wrote it (a "free" label). */
#define CONCORD_LABEL_WORK                "work"
#define CONCORD_LABEL_HOME                "home"
#define CONCORD_LABEL_MOBILE              "mobile"
#define CONCORD_LABEL_OTHER               "other"

/* The longest label kept, in characters; longer ones are cut. */
#define CONCORD_LABEL_MAX_CHARS           64

/**
 * ConcordFieldSpec:
 * @key: the field name, canonical or "custom:<Name>"
 * @label: what the user sees (translated for canonical fields)
 * @type: the value type
 * @multi: whether the field holds several values (a STRING_SET)
 * @read_only: the app computes it; Concord never writes it
 * @custom: a custom field of the account
 * @choices: (nullable): for ENUM fields, the known values
 * @choice_labels: (nullable): what people see for each of @choices, in
 *   the same order (an app's option label, when its API writes an option
 *   value or id); %NULL when the values are what people see
 *
 * One field of an app's contact type.
 */
typedef struct
{
  char              *key;
  char              *label;
  ConcordFieldType   type;
  gboolean           multi;
  gboolean           read_only;
  gboolean           custom;
  char             **choices;
  char             **choice_labels;
} ConcordFieldSpec;

ConcordFieldSpec       *concord_field_spec_new        (const char             *key,
                                                       const char             *label,
                                                       ConcordFieldType        type,
                                                       gboolean                read_only);
ConcordFieldSpec       *concord_field_spec_copy       (const ConcordFieldSpec *spec);
void                    concord_field_spec_free       (ConcordFieldSpec       *spec);

/* The canonical vocabulary: spec of a canonical field, or NULL. */
const ConcordFieldSpec *concord_fields_lookup         (const char             *key);
const ConcordFieldSpec *concord_fields_get_all        (guint                  *n_fields);
gboolean                concord_field_is_custom       (const char             *key);
char                   *concord_field_custom_key      (const char             *name);

/* Labelled items: the members of "emails", "phones" and "addresses". */
gboolean                concord_field_is_labelled     (const char             *key);
char                   *concord_label_normalize       (const char             *label);
char                   *concord_labelled_format       (const char             *label,
                                                       const char             *value);
gboolean                concord_labelled_parse        (const char             *item,
                                                       char                  **label,
                                                       char                  **value);
char                   *concord_labelled_normalize    (const char             *key,
                                                       const char             *item);
char                   *concord_labelled_display      (const char             *item);
const char             *concord_label_display         (const char             *label);

gboolean                concord_record_normalize_multi (const ConcordRecord   *before,
                                                       ConcordRecord          *after);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordFieldSpec, concord_field_spec_free)

G_END_DECLS
