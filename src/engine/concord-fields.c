/* concord-fields.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The canonical field vocabulary. Connectors map their apps' fields onto
 * these names, so that a connection between two apps can be mapped
 * automatically: Elastic Email's FirstName and a CRM's firstname both
 * become "first_name". Fields an app has beyond these are custom fields,
 * named "custom:<Name>" with the app's own name.
 *
 * Labels are marked with N_() and translated where they are shown.
 */

#define G_LOG_DOMAIN "concord-fields"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "concord-fields.h"

static const char *status_choices[] = {
  "active", "engaged", "inactive", "not_confirmed", "transactional",
  "unsubscribed", "bounced", "abuse", NULL
};
static const char *consent_choices[] = { "unknown", "allow", "deny", NULL };

#define TEXT(k, l)   { (char *) k, (char *) l, CONCORD_FIELD_TYPE_STRING, FALSE, FALSE, FALSE, NULL }
#define TYPED(k, l, t, ro) { (char *) k, (char *) l, t, FALSE, ro, FALSE, NULL }

static const ConcordFieldSpec canonical_fields[] = {
  TYPED (CONCORD_FIELD_EMAIL, N_("Email"), CONCORD_FIELD_TYPE_EMAIL, FALSE),
  TEXT (CONCORD_FIELD_FIRST_NAME, N_("First name")),
  TEXT (CONCORD_FIELD_LAST_NAME, N_("Last name")),
  TYPED (CONCORD_FIELD_PHONE, N_("Phone"), CONCORD_FIELD_TYPE_PHONE, FALSE),
  TYPED (CONCORD_FIELD_MOBILE, N_("Mobile"), CONCORD_FIELD_TYPE_PHONE, FALSE),
  TEXT (CONCORD_FIELD_COMPANY, N_("Company")),
  TEXT (CONCORD_FIELD_JOB_TITLE, N_("Job title")),
  TEXT (CONCORD_FIELD_WEBSITE, N_("Website")),
  TEXT (CONCORD_FIELD_ADDRESS_STREET, N_("Street")),
  TEXT (CONCORD_FIELD_ADDRESS_CITY, N_("City")),
  TEXT (CONCORD_FIELD_ADDRESS_REGION, N_("State or region")),
  TEXT (CONCORD_FIELD_ADDRESS_POSTAL_CODE, N_("Postal code")),
  TEXT (CONCORD_FIELD_ADDRESS_COUNTRY, N_("Country")),
  TYPED (CONCORD_FIELD_BIRTHDAY, N_("Birthday"), CONCORD_FIELD_TYPE_DATE, FALSE),
  TEXT (CONCORD_FIELD_NOTES, N_("Notes")),
  { (char *) CONCORD_FIELD_STATUS, (char *) N_("Status"), CONCORD_FIELD_TYPE_ENUM,
    FALSE, FALSE, FALSE, (char **) status_choices },
  TYPED (CONCORD_FIELD_SOURCE, N_("Source"), CONCORD_FIELD_TYPE_ENUM, TRUE),
  { (char *) CONCORD_FIELD_LISTS, (char *) N_("Lists"), CONCORD_FIELD_TYPE_STRING_SET,
    TRUE, FALSE, FALSE, NULL },
  { (char *) CONCORD_FIELD_TAGS, (char *) N_("Tags"), CONCORD_FIELD_TYPE_STRING_SET,
    TRUE, FALSE, FALSE, NULL },
  { (char *) CONCORD_FIELD_CONSENT, (char *) N_("Consent"), CONCORD_FIELD_TYPE_ENUM,
    FALSE, FALSE, FALSE, (char **) consent_choices },
  TYPED (CONCORD_FIELD_CREATED_AT, N_("Created"), CONCORD_FIELD_TYPE_DATETIME, TRUE),
  TYPED (CONCORD_FIELD_UPDATED_AT, N_("Updated"), CONCORD_FIELD_TYPE_DATETIME, TRUE),
};

#undef TEXT
#undef TYPED

ConcordFieldSpec *
concord_field_spec_new (const char       *key,
                        const char       *label,
                        ConcordFieldType  type,
                        gboolean          read_only)
{
  ConcordFieldSpec *spec;

  g_return_val_if_fail (key != NULL && *key != '\0', NULL);

  spec = g_new0 (ConcordFieldSpec, 1);
  spec->key = g_strdup (key);
  spec->label = g_strdup (label != NULL ? label : key);
  spec->type = type;
  spec->multi = type == CONCORD_FIELD_TYPE_STRING_SET;
  spec->read_only = read_only;
  spec->custom = concord_field_is_custom (key);

  return spec;
}

ConcordFieldSpec *
concord_field_spec_copy (const ConcordFieldSpec *spec)
{
  ConcordFieldSpec *copy;

  g_return_val_if_fail (spec != NULL, NULL);

  copy = g_new0 (ConcordFieldSpec, 1);
  copy->key = g_strdup (spec->key);
  copy->label = g_strdup (spec->label);
  copy->type = spec->type;
  copy->multi = spec->multi;
  copy->read_only = spec->read_only;
  copy->custom = spec->custom;
  copy->choices = g_strdupv (spec->choices);

  return copy;
}

void
concord_field_spec_free (ConcordFieldSpec *spec)
{
  if (spec == NULL)
    return;

  g_free (spec->key);
  g_free (spec->label);
  g_strfreev (spec->choices);
  g_free (spec);
}

/**
 * concord_fields_lookup:
 * @key: a field name
 *
 * Returns: (transfer none) (nullable): the spec of canonical field @key
 */
const ConcordFieldSpec *
concord_fields_lookup (const char *key)
{
  g_return_val_if_fail (key != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (canonical_fields); i++)
    if (g_str_equal (canonical_fields[i].key, key))
      return &canonical_fields[i];

  return NULL;
}

/**
 * concord_fields_get_all:
 * @n_fields: (out): the number of canonical fields
 *
 * Returns: (transfer none) (array length=n_fields): every canonical field
 */
const ConcordFieldSpec *
concord_fields_get_all (guint *n_fields)
{
  g_return_val_if_fail (n_fields != NULL, NULL);

  *n_fields = G_N_ELEMENTS (canonical_fields);
  return canonical_fields;
}

gboolean
concord_field_is_custom (const char *key)
{
  return key != NULL && g_str_has_prefix (key, CONCORD_FIELD_CUSTOM_PREFIX);
}

/**
 * concord_field_custom_key:
 * @name: an app's custom field name, e.g. "Membership level"
 *
 * Returns: (transfer full): "custom:Membership level"
 */
char *
concord_field_custom_key (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  return g_strconcat (CONCORD_FIELD_CUSTOM_PREFIX, name, NULL);
}
