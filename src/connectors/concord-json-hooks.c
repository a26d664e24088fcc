/* concord-json-hooks.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The named hooks of connector descriptions (docs/connector-descriptions.md,
 * "hooks"): small conversions the format cannot say. Each is listed by the
 * descriptions that use it; the loader refuses a name not in this table,
 * and ConcordJsonConnector calls only the hooks its description lists.
 */

#define G_LOG_DOMAIN "concord-json-hooks"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "concord-fields.h"
#include "concord-json-hooks.h"

/* copper_custom_dates: Copper writes custom date fields as mm/dd/yyyy
 * (connectors-reference.md §6); Concord's dates are yyyy-mm-dd. */

static gboolean
valid_date (guint year,
            guint month,
            guint day)
{
  return year >= 1 && year <= 9999 && month >= 1 && month <= 12 &&
         g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year);
}

static gboolean
scan_number (const char **text,
             guint        n_digits,
             guint       *number)
{
  guint value = 0;

  for (guint i = 0; i < n_digits; i++)
    {
      if (!g_ascii_isdigit ((*text)[i]))
        return FALSE;
      value = value * 10 + (guint) ((*text)[i] - '0');
    }
  *text += n_digits;
  *number = value;
  return TRUE;
}

static char *
copper_date_read (ConcordFieldType  type,
                  const char       *text)
{
  guint month, day, year;
  const char *p = text;

  if (type != CONCORD_FIELD_TYPE_DATE || text == NULL || strlen (text) != 10)
    return NULL;
  if (!scan_number (&p, 2, &month) || *p++ != '/' || !scan_number (&p, 2, &day) ||
      *p++ != '/' || !scan_number (&p, 4, &year) || !valid_date (year, month, day))
    return NULL;

  return g_strdup_printf ("%04u-%02u-%02u", year, month, day);
}

static char *
copper_date_write (ConcordFieldType  type,
                   const char       *text)
{
  guint month, day, year;
  const char *p = text;

  if (type != CONCORD_FIELD_TYPE_DATE || text == NULL || strlen (text) != 10)
    return NULL;
  if (!scan_number (&p, 4, &year) || *p++ != '-' || !scan_number (&p, 2, &month) ||
      *p++ != '-' || !scan_number (&p, 2, &day) || !valid_date (year, month, day))
    return NULL;

  return g_strdup_printf ("%02u/%02u/%04u", month, day, year);
}

/* copper_person_name: Copper requires a person's "name" on create; it is
 * the first and last names, or the email when there are none. */
static void
copper_name_write (JsonObject          *object,
                   const ConcordRecord *values)
{
  const char *first = concord_record_get_text (values, CONCORD_FIELD_FIRST_NAME);
  const char *last = concord_record_get_text (values, CONCORD_FIELD_LAST_NAME);
  g_autofree char *name = NULL;

  if (json_object_has_member (object, "name"))
    return;
  name = g_strstrip (g_strdup_printf ("%s %s", first != NULL ? first : "",
                                      last != NULL ? last : ""));
  if (*name == '\0')
    {
      g_free (name);
      name = g_strdup (concord_record_get_text (values, CONCORD_FIELD_EMAIL));
    }
  if (name != NULL && *name != '\0')
    json_object_set_string_member (object, "name", name);
}

static const ConcordJsonHook hooks[] = {
  { "copper_custom_dates", copper_date_read, copper_date_write, NULL },
  { "copper_person_name", NULL, NULL, copper_name_write },
};

/**
 * concord_json_hooks_lookup:
 * @name: a hook's name
 *
 * Returns: (nullable): the hook of that name, or %NULL when there is none
 */
const ConcordJsonHook *
concord_json_hooks_lookup (const char *name)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (hooks); i++)
    if (g_str_equal (hooks[i].name, name))
      return &hooks[i];

  return NULL;
}
