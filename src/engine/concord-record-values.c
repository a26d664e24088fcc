/* concord-record-values.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Values of a record's fields (see concord-record.c): how each type is
 * normalised when it is set (text, emails, phones, dates, lists), and
 * values compared, copied, printed and written as JSON.
 */

#define G_LOG_DOMAIN "concord-record"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "concord-fields.h"
#include "concord-record-private.h"

/* ------------------------------------------------------------------------- */
/* Normalisation                                                             */
/* ------------------------------------------------------------------------- */

/* Valid UTF-8, trimmed; NULL when nothing is left. */
char *
concord_record_clean_text (const char *text)
{
  char *clean;

  if (text == NULL)
    return NULL;

  clean = g_utf8_make_valid (text, -1);
  g_strstrip (clean);

  if (*clean == '\0')
    {
      g_free (clean);
      return NULL;
    }

  return clean;
}

gboolean
concord_record_text_is_blank (const char *text)
{
  g_autofree char *clean = concord_record_clean_text (text);

  return clean == NULL;
}

/**
 * concord_email_is_valid:
 * @email: (nullable): an email address
 *
 * A deliberately forgiving check: one "@", something before it, a dotted
 * domain after it, no spaces, at most 254 bytes, valid UTF-8.
 */
gboolean
concord_email_is_valid (const char *email)
{
  const char *at;
  const char *dot;
  size_t len;

  if (email == NULL || !g_utf8_validate (email, -1, NULL))
    return FALSE;

  len = strlen (email);
  if (len < 3 || len > 254)
    return FALSE;

  for (const char *p = email; *p != '\0'; p++)
    if (g_ascii_isspace (*p) || *p == ',' || *p == ';' || *p == '<' || *p == '>')
      return FALSE;

  at = strchr (email, '@');
  if (at == NULL || at == email || strchr (at + 1, '@') != NULL)
    return FALSE;

  dot = strrchr (at + 1, '.');
  return dot != NULL && dot > at + 1 && dot[1] != '\0';
}

/**
 * concord_email_fold:
 * @email: (nullable): an email address as an app gave it
 *
 * The address trimmed, with its ASCII letters in lower case and every
 * other character left as it is: the same in every locale, and byte for
 * byte what it was outside ASCII. No check that it is an address.
 *
 * Returns: (transfer full) (nullable): the folded text, %NULL when blank
 *   or not valid UTF-8
 */
char *
concord_email_fold (const char *email)
{
  g_autofree char *clean = NULL;

  if (email == NULL || !g_utf8_validate (email, -1, NULL))
    return NULL;

  clean = concord_record_clean_text (email);
  if (clean == NULL)
    return NULL;

  return g_ascii_strdown (clean, -1);
}

/* The common case, an address of printable ASCII whose domain is plain
 * labels (letters, digits, inner hyphens, 1 to 63 of them, none "xn--"):
 * there IDNA changes nothing but the case, so the key is the trimmed
 * address in lower case. One allocation instead of four, and no IDNA walk;
 * a run normalises every email it reads several times. Anything else
 * returns FALSE and takes the general way; tests/test-record.c checks the
 * two agree on random and hostile addresses. */
static gboolean
normalize_ascii_email (const char  *email,
                       char       **key)
{
  const char *start = email;
  const char *end;
  const char *at = NULL;
  const char *label;
  char *out;

  while (g_ascii_isspace (*start))
    start++;
  end = start + strlen (start);
  while (end > start && g_ascii_isspace (end[-1]))
    end--;

  for (const char *p = start; p < end; p++)
    {
      if ((guchar) *p < 0x21 || (guchar) *p > 0x7e)
        return FALSE;
      if (*p == '@')
        at = p;
    }
  if (at == NULL || end - start > 254)
    return FALSE;

  label = at + 1;
  for (const char *p = at + 1; p <= end; p++)
    {
      if (p < end && *p != '.')
        {
          if (!g_ascii_isalnum (*p) && *p != '-')
            return FALSE;
          continue;
        }
      if (p - label < 1 || p - label > 63 || *label == '-' || p[-1] == '-' ||
          (p - label >= 4 && g_ascii_strncasecmp (label, "xn--", 4) == 0))
        return FALSE;
      label = p + 1;
    }

  out = g_ascii_strdown (start, end - start);
  if (!concord_email_is_valid (out))
    g_clear_pointer (&out, g_free);
  *key = out;
  return TRUE;
}

/**
 * concord_normalize_email:
 * @email: (nullable): an email address as an app gave it
 *
 * The matching key of an email address: the one rule by which Concord
 * decides that two addresses are the same, whatever the user's locale.
 * The address is trimmed; the domain is made ASCII (an international
 * domain through IDNA, g_hostname_to_ascii()) and lower-cased; in the
 * local part ASCII letters are lower-cased and any other character is kept
 * as it is (mail servers treat "Ida" and "ida" alike in practice, and no
 * case rule outside ASCII is the same in every locale).
 *
 * Returns: (transfer full) (nullable): the key, or %NULL when @email is
 *   not a valid address (such a record cannot be matched)
 */
char *
concord_normalize_email (const char *email)
{
  g_autofree char *folded = NULL;
  g_autofree char *domain = NULL;
  char *at;
  char *key;

  if (email != NULL && normalize_ascii_email (email, &key))
    return key;

  folded = concord_email_fold (email);
  /* An address with broken bytes is not an address: never repair it. */
  if (folded == NULL || (at = strrchr (folded, '@')) == NULL)
    return NULL;

  *at = '\0';
  domain = g_hostname_to_ascii (at + 1);
  if (domain == NULL)
    return NULL;

  key = g_strconcat (folded, "@", domain, NULL);
  if (!concord_email_is_valid (key))
    {
      g_free (key);
      return NULL;
    }

  return key;
}

/* Whether two email texts have the same matching key. */
static gboolean
emails_equal (const char *a,
              const char *b)
{
  g_autofree char *ka = NULL;
  g_autofree char *kb = NULL;

  if (g_strcmp0 (a, b) == 0)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;

  ka = concord_normalize_email (a);
  kb = ka != NULL ? concord_normalize_email (b) : NULL;
  return kb != NULL && strcmp (ka, kb) == 0;
}

static ConcordPhoneEqualFunc phone_equal_func;

/**
 * concord_set_phone_equal_func:
 * @func: (nullable): whether two normalised phone numbers that differ as
 *   text are one number (a national and an international form of it);
 *   %NULL: only equal texts are
 *
 * The engine knows no numbering plan; the connectors' layer, which links a
 * phone library (libebook-contacts' EPhoneNumber), installs this once at
 * start, before any sync runs. @func must be thread-safe and fast on the
 * common "no" answer.
 */
void
concord_set_phone_equal_func (ConcordPhoneEqualFunc func)
{
  phone_equal_func = func;
}

/**
 * concord_normalize_phone:
 * @phone: (nullable): a phone number as typed
 *
 * Drops spaces and punctuation that only format the number ("+1 (555)
 * 010-99" becomes "+155501099"). Letters (extensions, vanity numbers) are
 * kept.
 *
 * Returns: (transfer full) (nullable): the normalised number
 */
char *
concord_normalize_phone (const char *phone)
{
  g_autofree char *clean = concord_record_clean_text (phone);
  GString *out;

  if (clean == NULL)
    return NULL;

  out = g_string_sized_new (strlen (clean));
  for (const char *p = clean; *p != '\0'; p++)
    {
      if (*p == ' ' || *p == '-' || *p == '.' || *p == '(' || *p == ')' || *p == '/' || *p == '\t')
        continue;
      if (*p == '+' && out->len > 0)
        continue;
      g_string_append_c (out, *p);
    }

  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }

  return g_string_free (out, FALSE);
}

/* "YYYY-MM-DD", also taken from the front of an ISO 8601 date-time. */
char *
concord_record_normalize_date (const char *text)
{
  g_autofree char *clean = concord_record_clean_text (text);
  int y, m, d;

  if (clean == NULL || strlen (clean) < 10)
    return NULL;

  if (sscanf (clean, "%4d-%2d-%2d", &y, &m, &d) != 3 ||
      clean[4] != '-' || clean[7] != '-' ||
      (clean[10] != '\0' && clean[10] != 'T' && clean[10] != ' ') ||
      !g_date_valid_dmy (d, m, y))
    return NULL;

  return g_strdup_printf ("%04d-%02d-%02d", y, m, d);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* The value part of a labelled member, "label<TAB>value". */
const char *
concord_record_labelled_value (const char *item)
{
  const char *tab = strchr (item, '\t');

  return tab != NULL ? tab + 1 : item;
}

/* Sorted, distinct, trimmed, non-empty; NULL when nothing is left. The
 * members of a labelled set (see concord_field_is_labelled()) are
 * normalised as such, and a value is there once, with the first label. */
char **
concord_record_normalize_set (const char         *key,
                              const char * const *items)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new ();
  gboolean labelled = concord_field_is_labelled (key);
  guint n = 0;

  for (guint i = 0; items != NULL && items[i] != NULL; i++)
    {
      char *clean = labelled ? concord_labelled_normalize (key, items[i]) : concord_record_clean_text (items[i]);

      if (clean != NULL)
        g_ptr_array_add (out, clean);
    }

  if (out->len == 0)
    return NULL;

  g_ptr_array_sort (out, compare_strings);

  for (guint i = 0; i < out->len; i++)
    {
      if (n > 0 && strcmp (out->pdata[n - 1], out->pdata[i]) == 0)
        {
          g_free (out->pdata[i]);
          continue;
        }
      out->pdata[n++] = out->pdata[i];
    }
  g_ptr_array_set_size (out, n);

  if (labelled && n > 1)
    {
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

      n = 0;
      for (guint i = 0; i < out->len; i++)
        {
          const char *value = concord_record_labelled_value (out->pdata[i]);

          /* Not g_hash_table_add() alone: on a duplicate it would replace
           * the stored key with this one, freed just below. */
          if (g_hash_table_contains (seen, value))
            {
              g_free (out->pdata[i]);
              continue;
            }
          g_hash_table_add (seen, (gpointer) value);
          out->pdata[n++] = out->pdata[i];
        }
      g_ptr_array_set_size (out, n);
    }
  g_ptr_array_add (out, NULL);

  return (char **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

/* ------------------------------------------------------------------------- */
/* Values                                                                    */
/* ------------------------------------------------------------------------- */

void
concord_value_clear (ConcordValue *value)
{
  g_return_if_fail (value != NULL);

  if (CONCORD_FIELD_TYPE_IS_TEXT (value->type))
    g_clear_pointer (&value->v.text, g_free);
  else if (value->type == CONCORD_FIELD_TYPE_STRING_SET)
    g_clear_pointer (&value->v.set, g_strfreev);

  memset (value, 0, sizeof *value);
}

void
concord_value_copy (const ConcordValue *src,
                    ConcordValue       *dest)
{
  g_return_if_fail (src != NULL);
  g_return_if_fail (dest != NULL);

  *dest = *src;
  if (CONCORD_FIELD_TYPE_IS_TEXT (src->type))
    dest->v.text = g_strdup (src->v.text);
  else if (src->type == CONCORD_FIELD_TYPE_STRING_SET)
    dest->v.set = g_strdupv (src->v.set);
}

/**
 * concord_value_equal:
 *
 * Text values compare by text whatever their text type (an email kept as
 * a plain string on one app equals the same email on the other); when
 * either is an email, by matching key (concord_normalize_email()), so
 * "Ida@Example.com" equals "ida@example.com".
 */
gboolean
concord_value_equal (const ConcordValue *a,
                     const ConcordValue *b)
{
  if (a == NULL || b == NULL)
    return a == b;

  if (CONCORD_FIELD_TYPE_IS_TEXT (a->type) && CONCORD_FIELD_TYPE_IS_TEXT (b->type))
    {
      if (a->type == CONCORD_FIELD_TYPE_EMAIL || b->type == CONCORD_FIELD_TYPE_EMAIL)
        return emails_equal (a->v.text, b->v.text);
      if (g_strcmp0 (a->v.text, b->v.text) == 0)
        return TRUE;
      /* "+442079460018" and "02079460018" may be one number: only a phone
       * library knows, for a known country (concord_set_phone_equal_func()).
       * Asked only when the texts differ, so equal values cost nothing. */
      if (a->type == CONCORD_FIELD_TYPE_PHONE && b->type == CONCORD_FIELD_TYPE_PHONE &&
          phone_equal_func != NULL && a->v.text != NULL && b->v.text != NULL)
        return phone_equal_func (a->v.text, b->v.text);
      return FALSE;
    }

  if (a->type != b->type)
    return FALSE;

  switch (a->type)
    {
    case CONCORD_FIELD_TYPE_NUMBER:
      return a->v.number == b->v.number;
    case CONCORD_FIELD_TYPE_BOOLEAN:
      return !a->v.boolean == !b->v.boolean;
    case CONCORD_FIELD_TYPE_DATETIME:
      return a->v.datetime == b->v.datetime;
    case CONCORD_FIELD_TYPE_STRING_SET:
      return g_strv_equal ((const char * const *) a->v.set, (const char * const *) b->v.set);
    case CONCORD_FIELD_TYPE_STRING:
    case CONCORD_FIELD_TYPE_EMAIL:
    case CONCORD_FIELD_TYPE_PHONE:
    case CONCORD_FIELD_TYPE_DATE:
    case CONCORD_FIELD_TYPE_ENUM:
    default:
      return FALSE;
    }
}

void
concord_record_append_json_string (GString    *out,
                                   const char *text)
{
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) text; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (*p < 0x20)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char) *p);
        }
    }
  g_string_append_c (out, '"');
}

void
concord_record_append_value_json (GString            *out,
                                  const ConcordValue *value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (CONCORD_FIELD_TYPE_IS_TEXT (value->type))
    concord_record_append_json_string (out, value->v.text);
  else if (value->type == CONCORD_FIELD_TYPE_NUMBER)
    g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.15g", value->v.number));
  else if (value->type == CONCORD_FIELD_TYPE_BOOLEAN)
    g_string_append (out, value->v.boolean ? "true" : "false");
  else if (value->type == CONCORD_FIELD_TYPE_DATETIME)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (value->v.datetime);
      g_autofree char *iso = dt != NULL ? g_date_time_format_iso8601 (dt) : NULL;

      if (iso != NULL)
        concord_record_append_json_string (out, iso);
      else
        g_string_append_printf (out, "%" G_GINT64_FORMAT, value->v.datetime);
    }
  else if (value->type == CONCORD_FIELD_TYPE_STRING_SET)
    {
      g_string_append_c (out, '[');
      for (guint i = 0; value->v.set[i] != NULL; i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          concord_record_append_json_string (out, value->v.set[i]);
        }
      g_string_append_c (out, ']');
    }
}

/**
 * concord_value_to_string:
 *
 * Returns: (transfer full): the value as text for people and the journal:
 *   text as is, numbers and booleans plainly, date-times in ISO 8601, sets
 *   as a JSON array
 */
char *
concord_value_to_string (const ConcordValue *value)
{
  GString *out;

  g_return_val_if_fail (value != NULL, NULL);

  if (CONCORD_FIELD_TYPE_IS_TEXT (value->type))
    return g_strdup (value->v.text);

  out = g_string_new (NULL);
  concord_record_append_value_json (out, value);
  if (value->type == CONCORD_FIELD_TYPE_DATETIME && out->str[0] == '"')
    {
      g_string_erase (out, 0, 1);
      g_string_truncate (out, out->len - 1);
    }

  return g_string_free (out, FALSE);
}

/**
 * concord_value_to_variant:
 *
 * Returns: (transfer floating): the value as a `(yv)`: the field type and
 *   the value (s, d, b, x or as)
 */
GVariant *
concord_value_to_variant (const ConcordValue *value)
{
  GVariant *inner;

  g_return_val_if_fail (value != NULL, NULL);

  switch (value->type)
    {
    case CONCORD_FIELD_TYPE_NUMBER:
      inner = g_variant_new_double (value->v.number);
      break;
    case CONCORD_FIELD_TYPE_BOOLEAN:
      inner = g_variant_new_boolean (value->v.boolean);
      break;
    case CONCORD_FIELD_TYPE_DATETIME:
      inner = g_variant_new_int64 (value->v.datetime);
      break;
    case CONCORD_FIELD_TYPE_STRING_SET:
      inner = g_variant_new_strv ((const char * const *) value->v.set, -1);
      break;
    case CONCORD_FIELD_TYPE_STRING:
    case CONCORD_FIELD_TYPE_EMAIL:
    case CONCORD_FIELD_TYPE_PHONE:
    case CONCORD_FIELD_TYPE_DATE:
    case CONCORD_FIELD_TYPE_ENUM:
    default:
      inner = g_variant_new_string (value->v.text);
      break;
    }

  return g_variant_new ("(yv)", (guchar) value->type, inner);
}

/**
 * concord_value_from_variant:
 * @variant: a `(yv)` made by concord_value_to_variant()
 * @value: (out caller-allocates): the value
 *
 * Returns: %FALSE when @variant is not a valid value (nothing is set)
 */
gboolean
concord_value_from_variant (GVariant     *variant,
                            ConcordValue *value)
{
  g_autoptr(GVariant) inner = NULL;
  guchar type;

  g_return_val_if_fail (variant != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  memset (value, 0, sizeof *value);

  if (!g_variant_is_of_type (variant, G_VARIANT_TYPE ("(yv)")))
    return FALSE;

  g_variant_get (variant, "(yv)", &type, &inner);
  if (type > CONCORD_FIELD_TYPE_STRING_SET)
    return FALSE;

  value->type = type;
  switch (value->type)
    {
    case CONCORD_FIELD_TYPE_NUMBER:
      if (!g_variant_is_of_type (inner, G_VARIANT_TYPE_DOUBLE))
        return FALSE;
      value->v.number = g_variant_get_double (inner);
      return TRUE;
    case CONCORD_FIELD_TYPE_BOOLEAN:
      if (!g_variant_is_of_type (inner, G_VARIANT_TYPE_BOOLEAN))
        return FALSE;
      value->v.boolean = g_variant_get_boolean (inner);
      return TRUE;
    case CONCORD_FIELD_TYPE_DATETIME:
      if (!g_variant_is_of_type (inner, G_VARIANT_TYPE_INT64))
        return FALSE;
      value->v.datetime = g_variant_get_int64 (inner);
      return TRUE;
    case CONCORD_FIELD_TYPE_STRING_SET:
      if (!g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING_ARRAY))
        return FALSE;
      value->v.set = g_variant_dup_strv (inner, NULL);
      if (value->v.set[0] == NULL)
        {
          concord_value_clear (value);
          return FALSE;
        }
      return TRUE;
    case CONCORD_FIELD_TYPE_STRING:
    case CONCORD_FIELD_TYPE_EMAIL:
    case CONCORD_FIELD_TYPE_PHONE:
    case CONCORD_FIELD_TYPE_DATE:
    case CONCORD_FIELD_TYPE_ENUM:
    default:
      if (!g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING))
        return FALSE;
      value->v.text = g_variant_dup_string (inner, NULL);
      return TRUE;
    }
}
