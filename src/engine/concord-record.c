/* concord-record.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Records and values.
 *
 * Values are normalised when they are set — the "N" of the sync model:
 * text is trimmed and made valid UTF-8, phone numbers lose their
 * formatting, sets are sorted and deduplicated, and an empty value is no
 * value. So a record touched without a change of content compares equal to
 * what it was, and nothing ping-pongs over a space.
 *
 * Emails are kept as the person wrote them ("Ida.Lind@Example.com" is what
 * the other app gets), and compared and hashed by their matching key,
 * concord_normalize_email(): so nothing ping-pongs over a capital letter
 * either. The key never depends on the user's locale: g_utf8_strdown()
 * under tr_TR makes "I" a dotless "ı", which is another address.
 *
 * A field can be marked "altered": Concord had to change its value when
 * reading it (bytes that are not UTF-8, a NUL, a value cut to a limit), so
 * it is not what the user wrote. The planner never writes an altered value
 * to the other app, and never matches or creates from an altered email.
 *
 * A record keeps its fields in a small array keyed by GQuark: contacts have
 * a handful of fields, and a linear scan over quarks beats a hash table in
 * both time and memory at the 100,000-record scale the engine works at.
 *
 * Hashes of records are persisted in the state store, so they must not
 * depend on quark values (which differ between processes) nor on field
 * order: each field is hashed from its name and value with FNV-1a, mixed,
 * and the field hashes are added up.
 */

#define G_LOG_DOMAIN "concord-record"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "concord-fields.h"
#include "concord-record.h"

typedef enum
{
  FIELD_ALTERED = 1 << 0,
} FieldFlags;

typedef struct
{
  GQuark       key;
  guint32      flags;  /* FieldFlags; fits in what would be padding */
  ConcordValue value;
} Field;

struct _ConcordRecord
{
  gatomicrefcount  ref_count;
  guint            n_fields;
  guint            n_allocated;
  Field           *fields;      /* (owned) (array length=n_fields) */
  char            *remote_id;   /* (owned) (nullable) */
  char            *version;     /* (owned) (nullable) */
  gint64           modified;    /* unix seconds; 0 = unknown */
};

static const char * const type_names[] = {
  "string", "email", "phone", "date", "datetime", "number", "boolean", "enum", "string-set",
};

G_STATIC_ASSERT (G_N_ELEMENTS (type_names) == CONCORD_FIELD_TYPE_STRING_SET + 1);

/* ------------------------------------------------------------------------- */
/* Field types                                                               */
/* ------------------------------------------------------------------------- */

const char *
concord_field_type_to_string (ConcordFieldType type)
{
  g_return_val_if_fail ((guint) type < G_N_ELEMENTS (type_names), "string");

  return type_names[type];
}

gboolean
concord_field_type_from_string (const char       *name,
                                ConcordFieldType *type)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (type_names); i++)
    if (g_str_equal (name, type_names[i]))
      {
        *type = (ConcordFieldType) i;
        return TRUE;
      }

  return FALSE;
}

/* ------------------------------------------------------------------------- */
/* Normalisation                                                             */
/* ------------------------------------------------------------------------- */

/* Valid UTF-8, trimmed; NULL when nothing is left. */
static char *
clean_text (const char *text)
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

static gboolean
text_is_blank (const char *text)
{
  g_autofree char *clean = clean_text (text);

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

  clean = clean_text (email);
  if (clean == NULL)
    return NULL;

  return g_ascii_strdown (clean, -1);
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
  g_autofree char *clean = clean_text (phone);
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
static char *
normalize_date (const char *text)
{
  g_autofree char *clean = clean_text (text);
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
static const char *
labelled_value (const char *item)
{
  const char *tab = strchr (item, '\t');

  return tab != NULL ? tab + 1 : item;
}

/* Sorted, distinct, trimmed, non-empty; NULL when nothing is left. The
 * members of a labelled set (see concord_field_is_labelled()) are
 * normalised as such, and a value is there once, with the first label. */
static char **
normalize_set (const char         *key,
               const char * const *items)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new ();
  gboolean labelled = concord_field_is_labelled (key);
  guint n = 0;

  for (guint i = 0; items != NULL && items[i] != NULL; i++)
    {
      char *clean = labelled ? concord_labelled_normalize (key, items[i]) : clean_text (items[i]);

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
          const char *value = labelled_value (out->pdata[i]);

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

static void
append_json_string (GString    *out,
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

static void
append_value_json (GString            *out,
                   const ConcordValue *value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (CONCORD_FIELD_TYPE_IS_TEXT (value->type))
    append_json_string (out, value->v.text);
  else if (value->type == CONCORD_FIELD_TYPE_NUMBER)
    g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.15g", value->v.number));
  else if (value->type == CONCORD_FIELD_TYPE_BOOLEAN)
    g_string_append (out, value->v.boolean ? "true" : "false");
  else if (value->type == CONCORD_FIELD_TYPE_DATETIME)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (value->v.datetime);
      g_autofree char *iso = dt != NULL ? g_date_time_format_iso8601 (dt) : NULL;

      if (iso != NULL)
        append_json_string (out, iso);
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
          append_json_string (out, value->v.set[i]);
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
  append_value_json (out, value);
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

/* ------------------------------------------------------------------------- */
/* Records                                                                   */
/* ------------------------------------------------------------------------- */

static Field *
find_field (const ConcordRecord *self,
            GQuark               key)
{
  for (guint i = 0; i < self->n_fields; i++)
    if (self->fields[i].key == key)
      return &self->fields[i];

  return NULL;
}

/* Takes ownership of @value's contents. */
static void
take_value (ConcordRecord *self,
            GQuark         key,
            ConcordValue  *value)
{
  Field *field = find_field (self, key);

  if (field != NULL)
    {
      concord_value_clear (&field->value);
      field->value = *value;
      field->flags = 0;  /* a new value is what it says */
      return;
    }

  if (self->n_fields == self->n_allocated)
    {
      self->n_allocated = MAX (4, self->n_allocated * 2);
      self->fields = g_renew (Field, self->fields, self->n_allocated);
    }

  self->fields[self->n_fields].key = key;
  self->fields[self->n_fields].flags = 0;
  self->fields[self->n_fields].value = *value;
  self->n_fields++;
}

static gboolean
remove_quark (ConcordRecord *self,
              GQuark         key)
{
  Field *field = find_field (self, key);
  guint index;

  if (field == NULL)
    return FALSE;

  index = field - self->fields;
  concord_value_clear (&field->value);
  memmove (&self->fields[index], &self->fields[index + 1],
           (self->n_fields - index - 1) * sizeof (Field));
  self->n_fields--;

  return TRUE;
}

/**
 * concord_record_new:
 * @remote_id: (nullable): the id of the record on its app, %NULL for a
 *   record not created yet
 *
 * Returns: (transfer full): a new, empty record
 */
ConcordRecord *
concord_record_new (const char *remote_id)
{
  ConcordRecord *self = g_new0 (ConcordRecord, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->remote_id = g_strdup (remote_id);

  return self;
}

/**
 * concord_record_copy:
 *
 * Returns: (transfer full): a deep, unshared copy of @self
 */
ConcordRecord *
concord_record_copy (const ConcordRecord *self)
{
  ConcordRecord *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = concord_record_new (self->remote_id);
  copy->version = g_strdup (self->version);
  copy->modified = self->modified;
  copy->n_fields = copy->n_allocated = self->n_fields;
  copy->fields = g_new (Field, MAX (1, self->n_fields));

  for (guint i = 0; i < self->n_fields; i++)
    {
      copy->fields[i].key = self->fields[i].key;
      copy->fields[i].flags = self->fields[i].flags;
      concord_value_copy (&self->fields[i].value, &copy->fields[i].value);
    }

  return copy;
}

ConcordRecord *
concord_record_ref (ConcordRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
concord_record_unref (ConcordRecord *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  for (guint i = 0; i < self->n_fields; i++)
    concord_value_clear (&self->fields[i].value);
  g_free (self->fields);
  g_free (self->remote_id);
  g_free (self->version);
  g_free (self);
}

const char *
concord_record_get_remote_id (const ConcordRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->remote_id;
}

void
concord_record_set_remote_id (ConcordRecord *self,
                              const char    *remote_id)
{
  g_return_if_fail (self != NULL);

  if (self->remote_id != remote_id)
    {
      g_free (self->remote_id);
      self->remote_id = g_strdup (remote_id);
    }
}

const char *
concord_record_get_version (const ConcordRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->version;
}

void
concord_record_set_version (ConcordRecord *self,
                            const char    *version)
{
  g_return_if_fail (self != NULL);

  if (self->version != version)
    {
      g_free (self->version);
      self->version = g_strdup (version);
    }
}

gint64
concord_record_get_modified (const ConcordRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->modified;
}

void
concord_record_set_modified (ConcordRecord *self,
                             gint64         unix_seconds)
{
  g_return_if_fail (self != NULL);

  self->modified = unix_seconds;
}

/* What one allocation takes: the allocator's own figure where there is one
 * (glibc), else the size asked for. */
static gsize
allocated (const void *block,
           gsize       asked)
{
  if (block == NULL)
    return 0;
#ifdef __GLIBC__
  return malloc_usable_size ((void *) block);
#else
  return asked;
#endif
}

/**
 * concord_record_get_allocated_size:
 *
 * The memory the record holds on the heap: itself, its fields and their
 * values. For benchmarks that tell the engine's memory from the apps' in
 * the same process.
 *
 * Returns: bytes
 */
gsize
concord_record_get_allocated_size (const ConcordRecord *self)
{
  gsize size;

  g_return_val_if_fail (self != NULL, 0);

  size = allocated (self, sizeof *self) +
         allocated (self->fields, self->n_allocated * sizeof (Field)) +
         allocated (self->remote_id, self->remote_id != NULL ? strlen (self->remote_id) + 1 : 0) +
         allocated (self->version, self->version != NULL ? strlen (self->version) + 1 : 0);

  for (guint i = 0; i < self->n_fields; i++)
    {
      const ConcordValue *value = &self->fields[i].value;

      if (value->type == CONCORD_FIELD_TYPE_STRING_SET)
        {
          guint n = g_strv_length (value->v.set);

          size += allocated (value->v.set, (n + 1) * sizeof (char *));
          for (guint k = 0; k < n; k++)
            size += allocated (value->v.set[k], strlen (value->v.set[k]) + 1);
        }
      else if (CONCORD_FIELD_TYPE_IS_TEXT (value->type) && value->v.text != NULL)
        size += allocated (value->v.text, strlen (value->v.text) + 1);
    }

  return size;
}

guint
concord_record_get_n_fields (const ConcordRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_fields;
}

/**
 * concord_record_get_field_at:
 * @key: (out) (optional): the field name
 *
 * Returns: (transfer none): the value of field @index
 */
const ConcordValue *
concord_record_get_field_at (const ConcordRecord  *self,
                             guint                 index,
                             const char          **key)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_fields, NULL);

  if (key != NULL)
    *key = g_quark_to_string (self->fields[index].key);

  return &self->fields[index].value;
}

const ConcordValue *
concord_record_get_quark (const ConcordRecord *self,
                          GQuark               key)
{
  Field *field;

  g_return_val_if_fail (self != NULL, NULL);

  field = find_field (self, key);
  return field != NULL ? &field->value : NULL;
}

/**
 * concord_record_get:
 *
 * Returns: (transfer none) (nullable): the value of @key, %NULL when the
 *   record has none
 */
const ConcordValue *
concord_record_get (const ConcordRecord *self,
                    const char          *key)
{
  GQuark quark;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  quark = g_quark_try_string (key);
  return quark != 0 ? concord_record_get_quark (self, quark) : NULL;
}

/**
 * concord_record_get_text:
 *
 * Returns: (transfer none) (nullable): the text of @key when it is a text
 *   field
 */
const char *
concord_record_get_text (const ConcordRecord *self,
                         const char          *key)
{
  const ConcordValue *value = concord_record_get (self, key);

  if (value == NULL || !CONCORD_FIELD_TYPE_IS_TEXT (value->type))
    return NULL;

  return value->v.text;
}

const char *
concord_record_get_email (const ConcordRecord *self)
{
  return concord_record_get_text (self, "email");
}

/**
 * concord_record_email_keys:
 *
 * What the record is matched by, as the store's index keeps it: the
 * matching key (concord_normalize_email()) of its email, then those of the
 * other members of its "emails" that are valid addresses, each once, one
 * a line. A record with one email gives that key alone; one whose email
 * is no address, none.
 *
 * Returns: (transfer full) (nullable): the keys, %NULL when there are none
 */
char *
concord_record_email_keys (const ConcordRecord *self)
{
  const ConcordValue *emails;
  g_autofree char *primary = NULL;
  g_autoptr(GHashTable) seen = NULL;
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);

  primary = concord_normalize_email (concord_record_get_email (self));
  emails = concord_record_get (self, CONCORD_FIELD_EMAILS);
  /* An email that is no address makes the others no guide either. */
  if (emails == NULL || emails->type != CONCORD_FIELD_TYPE_STRING_SET ||
      (primary == NULL && concord_record_get (self, CONCORD_FIELD_EMAIL) != NULL))
    return g_steal_pointer (&primary);

  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (primary != NULL)
    g_hash_table_add (seen, g_strdup (primary));
  out = g_string_new (primary);
  for (guint i = 0; emails->v.set[i] != NULL; i++)
    {
      char *key = concord_normalize_email (labelled_value (emails->v.set[i]));

      if (key == NULL || !g_hash_table_add (seen, key))
        continue;
      if (out->len > 0)
        g_string_append_c (out, '\n');
      g_string_append (out, key);
    }

  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }

  return g_string_free (out, FALSE);
}

/**
 * concord_email_keys_first:
 * @keys: (nullable): keys as concord_record_email_keys() gives them
 *
 * Returns: (transfer full) (nullable): the first key (the email's, when
 *   the record has one)
 */
char *
concord_email_keys_first (const char *keys)
{
  if (keys == NULL || *keys == '\0')
    return NULL;

  return g_strndup (keys, strcspn (keys, "\n"));
}

/**
 * concord_record_set_text:
 * @type: one of the text types
 * @text: (nullable): the text; %NULL or blank removes the field
 *
 * Sets a normalised text value: trimmed, valid UTF-8; phone numbers
 * without formatting, dates as YYYY-MM-DD. Emails keep their case (they
 * compare by concord_normalize_email()).
 *
 * Returns: %FALSE when @text cannot be a value of @type (an unreadable
 *   date); the record is then left unchanged
 */
gboolean
concord_record_set_text (ConcordRecord    *self,
                         const char       *key,
                         ConcordFieldType  type,
                         const char       *text)
{
  ConcordValue value = { .type = type };
  GQuark quark;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (CONCORD_FIELD_TYPE_IS_TEXT (type), FALSE);

  quark = g_quark_from_string (key);

  switch (type)
    {
    case CONCORD_FIELD_TYPE_PHONE:
      value.v.text = concord_normalize_phone (text);
      break;
    case CONCORD_FIELD_TYPE_DATE:
      value.v.text = normalize_date (text);
      if (value.v.text == NULL && !text_is_blank (text))
        return FALSE;
      break;
    case CONCORD_FIELD_TYPE_EMAIL:  /* as written: compared by key */
    case CONCORD_FIELD_TYPE_STRING:
    case CONCORD_FIELD_TYPE_ENUM:
    case CONCORD_FIELD_TYPE_DATETIME:
    case CONCORD_FIELD_TYPE_NUMBER:
    case CONCORD_FIELD_TYPE_BOOLEAN:
    case CONCORD_FIELD_TYPE_STRING_SET:
    default:
      value.v.text = clean_text (text);
      break;
    }

  if (value.v.text == NULL)
    remove_quark (self, quark);
  else
    take_value (self, quark, &value);

  return TRUE;
}

void
concord_record_set_number (ConcordRecord *self,
                           const char    *key,
                           double         number)
{
  ConcordValue value = { .type = CONCORD_FIELD_TYPE_NUMBER, .v.number = number };

  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);

  if (!isfinite (number))
    {
      concord_record_remove (self, key);
      return;
    }

  /* One zero: -0.0 and 0.0 are the same number to a person. */
  if (number == 0.0)
    value.v.number = 0.0;

  take_value (self, g_quark_from_string (key), &value);
}

void
concord_record_set_boolean (ConcordRecord *self,
                            const char    *key,
                            gboolean       boolean)
{
  ConcordValue value = { .type = CONCORD_FIELD_TYPE_BOOLEAN, .v.boolean = !!boolean };

  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);

  take_value (self, g_quark_from_string (key), &value);
}

void
concord_record_set_datetime (ConcordRecord *self,
                             const char    *key,
                             gint64         unix_seconds)
{
  ConcordValue value = { .type = CONCORD_FIELD_TYPE_DATETIME, .v.datetime = unix_seconds };

  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);

  take_value (self, g_quark_from_string (key), &value);
}

/**
 * concord_record_set_set:
 * @items: (nullable) (array zero-terminated=1): the members; %NULL or only
 *   blank members remove the field
 */
void
concord_record_set_set (ConcordRecord      *self,
                        const char         *key,
                        const char * const *items)
{
  ConcordValue value = { .type = CONCORD_FIELD_TYPE_STRING_SET };
  GQuark quark;

  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);

  quark = g_quark_from_string (key);
  value.v.set = normalize_set (key, items);

  if (value.v.set == NULL)
    remove_quark (self, quark);
  else
    take_value (self, quark, &value);
}

/**
 * concord_record_set_value_quark:
 * @value: (nullable): the value, normalised again; %NULL removes the field
 *
 * Returns: %FALSE when @value was refused (see concord_record_set_text())
 */
gboolean
concord_record_set_value_quark (ConcordRecord      *self,
                                GQuark              key,
                                const ConcordValue *value)
{
  const char *name;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != 0, FALSE);

  name = g_quark_to_string (key);

  if (value == NULL)
    {
      remove_quark (self, key);
      return TRUE;
    }

  switch (value->type)
    {
    case CONCORD_FIELD_TYPE_NUMBER:
      concord_record_set_number (self, name, value->v.number);
      return TRUE;
    case CONCORD_FIELD_TYPE_BOOLEAN:
      concord_record_set_boolean (self, name, value->v.boolean);
      return TRUE;
    case CONCORD_FIELD_TYPE_DATETIME:
      concord_record_set_datetime (self, name, value->v.datetime);
      return TRUE;
    case CONCORD_FIELD_TYPE_STRING_SET:
      concord_record_set_set (self, name, (const char * const *) value->v.set);
      return TRUE;
    case CONCORD_FIELD_TYPE_STRING:
    case CONCORD_FIELD_TYPE_EMAIL:
    case CONCORD_FIELD_TYPE_PHONE:
    case CONCORD_FIELD_TYPE_DATE:
    case CONCORD_FIELD_TYPE_ENUM:
    default:
      return concord_record_set_text (self, name, value->type, value->v.text);
    }
}

gboolean
concord_record_set_value (ConcordRecord      *self,
                          const char         *key,
                          const ConcordValue *value)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  return concord_record_set_value_quark (self, g_quark_from_string (key), value);
}

/**
 * concord_record_remove:
 *
 * Returns: whether the record had the field
 */
gboolean
concord_record_remove (ConcordRecord *self,
                       const char    *key)
{
  GQuark quark;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  quark = g_quark_try_string (key);
  return quark != 0 && remove_quark (self, quark);
}

/**
 * concord_record_mark_altered:
 * @key: a field @self has; nothing happens when it has none
 *
 * Marks the value of @key as altered: Concord had to change it when
 * reading it from its app (bytes that are not UTF-8 or a NUL replaced by
 * U+FFFD, a value cut to a size limit…), so it is not what the user wrote.
 * An altered value is shown but never written to the other app, and an
 * altered email is never used to match or create. Setting the field again
 * clears the mark; copies keep it; baselines and variants do not store it.
 */
void
concord_record_mark_altered (ConcordRecord *self,
                             const char    *key)
{
  Field *field;
  GQuark quark;

  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);

  quark = g_quark_try_string (key);
  field = quark != 0 ? find_field (self, quark) : NULL;
  if (field != NULL)
    field->flags |= FIELD_ALTERED;
}

/**
 * concord_record_is_altered_quark:
 *
 * Returns: whether @self has a value for @key marked with
 *   concord_record_mark_altered()
 */
gboolean
concord_record_is_altered_quark (const ConcordRecord *self,
                                 GQuark               key)
{
  Field *field;

  g_return_val_if_fail (self != NULL, FALSE);

  field = find_field (self, key);
  return field != NULL && (field->flags & FIELD_ALTERED) != 0;
}

gboolean
concord_record_is_altered (const ConcordRecord *self,
                           const char          *key)
{
  GQuark quark;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  quark = g_quark_try_string (key);
  return quark != 0 && concord_record_is_altered_quark (self, quark);
}

/**
 * concord_record_has_altered:
 *
 * Returns: whether any field of @self is marked altered
 */
gboolean
concord_record_has_altered (const ConcordRecord *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  for (guint i = 0; i < self->n_fields; i++)
    if ((self->fields[i].flags & FIELD_ALTERED) != 0)
      return TRUE;

  return FALSE;
}

/**
 * concord_record_equal_fields:
 *
 * Returns: whether @a and @b hold the same fields with equal values
 *   (ids, versions and times are not compared)
 */
gboolean
concord_record_equal_fields (const ConcordRecord *a,
                             const ConcordRecord *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  if (a->n_fields != b->n_fields)
    return FALSE;

  for (guint i = 0; i < a->n_fields; i++)
    {
      Field *other = find_field (b, a->fields[i].key);

      if (other == NULL || !concord_value_equal (&a->fields[i].value, &other->value))
        return FALSE;
    }

  return TRUE;
}

#define FNV_OFFSET G_GUINT64_CONSTANT (0xcbf29ce484222325)
#define FNV_PRIME  G_GUINT64_CONSTANT (0x100000001b3)

static inline guint64
fnv_bytes (guint64       h,
           gconstpointer data,
           gsize         len)
{
  const guchar *p = data;

  for (gsize i = 0; i < len; i++)
    {
      h ^= p[i];
      h *= FNV_PRIME;
    }

  return h;
}

static inline guint64
fnv_string (guint64     h,
            const char *s)
{
  /* Include the terminator so "ab"+"c" differs from "a"+"bc". */
  return fnv_bytes (h, s, strlen (s) + 1);
}

static inline guint64
mix64 (guint64 x)
{
  x ^= x >> 30;
  x *= G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x ^= x >> 27;
  x *= G_GUINT64_CONSTANT (0x94d049bb133111eb);
  x ^= x >> 31;
  return x;
}

static guint64
hash_field (const Field *field)
{
  const ConcordValue *value = &field->value;
  guint64 h = fnv_string (FNV_OFFSET, g_quark_to_string (field->key));
  /* Text types hash alike, as they compare alike. */
  guchar kind = CONCORD_FIELD_TYPE_IS_TEXT (value->type) ? 0 : value->type;

  h = fnv_bytes (h, &kind, 1);

  switch (value->type)
    {
    case CONCORD_FIELD_TYPE_NUMBER:
      h = fnv_bytes (h, &value->v.number, sizeof value->v.number);
      break;
    case CONCORD_FIELD_TYPE_BOOLEAN:
      {
        guchar b = !!value->v.boolean;

        h = fnv_bytes (h, &b, 1);
      }
      break;
    case CONCORD_FIELD_TYPE_DATETIME:
      h = fnv_bytes (h, &value->v.datetime, sizeof value->v.datetime);
      break;
    case CONCORD_FIELD_TYPE_STRING_SET:
      for (guint i = 0; value->v.set[i] != NULL; i++)
        h = fnv_string (h, value->v.set[i]);
      break;
    case CONCORD_FIELD_TYPE_EMAIL:
      {
        /* By key, as emails compare: a change of case is no change. */
        g_autofree char *key = concord_normalize_email (value->v.text);

        h = fnv_string (h, key != NULL ? key : value->v.text);
      }
      break;
    case CONCORD_FIELD_TYPE_STRING:
    case CONCORD_FIELD_TYPE_PHONE:
    case CONCORD_FIELD_TYPE_DATE:
    case CONCORD_FIELD_TYPE_ENUM:
    default:
      h = fnv_string (h, value->v.text);
      break;
    }

  return mix64 (h);
}

/**
 * concord_record_hash_fields:
 * @keys: (nullable) (array length=n_keys): the fields to hash; %NULL for all
 * @n_keys: the length of @keys
 *
 * A content hash, the same in every process and whatever the order of the
 * fields; never 0 (the store uses 0 for "no hash").
 */
guint64
concord_record_hash_fields (const ConcordRecord *self,
                            const GQuark        *keys,
                            guint                n_keys)
{
  guint64 h = 0;

  g_return_val_if_fail (self != NULL, 0);

  if (keys == NULL)
    {
      for (guint i = 0; i < self->n_fields; i++)
        h += hash_field (&self->fields[i]);
    }
  else
    {
      for (guint i = 0; i < n_keys; i++)
        {
          Field *field = find_field (self, keys[i]);

          if (field != NULL)
            h += hash_field (field);
        }
    }

  h = mix64 (h ^ G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  return h != 0 ? h : 1;
}

/**
 * concord_record_to_variant:
 *
 * Returns: (transfer floating): the fields as `a{s(yv)}`
 */
GVariant *
concord_record_to_variant (const ConcordRecord *self)
{
  GVariantBuilder builder;

  g_return_val_if_fail (self != NULL, NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{s(yv)}"));
  for (guint i = 0; i < self->n_fields; i++)
    g_variant_builder_add (&builder, "{s@(yv)}",
                           g_quark_to_string (self->fields[i].key),
                           concord_value_to_variant (&self->fields[i].value));

  return g_variant_builder_end (&builder);
}

/**
 * concord_record_to_variant_keys:
 * @keys: (array length=n_keys): the fields to keep
 *
 * Like concord_record_to_variant(), for the fields in @keys only (what a
 * baseline keeps), without copying the record.
 *
 * Returns: (transfer floating): the fields as `a{s(yv)}`
 */
GVariant *
concord_record_to_variant_keys (const ConcordRecord *self,
                                const GQuark        *keys,
                                guint                n_keys)
{
  GVariantBuilder builder;

  g_return_val_if_fail (self != NULL, NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{s(yv)}"));
  for (guint i = 0; i < n_keys; i++)
    {
      Field *field = find_field (self, keys[i]);

      /* A key mapped twice is kept once. */
      for (guint j = 0; field != NULL && j < i; j++)
        if (keys[j] == keys[i])
          field = NULL;

      if (field != NULL)
        g_variant_builder_add (&builder, "{s@(yv)}", g_quark_to_string (field->key),
                               concord_value_to_variant (&field->value));
    }

  return g_variant_builder_end (&builder);
}

/**
 * concord_record_new_from_variant:
 * @variant: an `a{s(yv)}` from concord_record_to_variant()
 *
 * Unreadable entries are skipped.
 *
 * Returns: (transfer full) (nullable): a record without remote id, or
 *   %NULL when @variant has the wrong type
 */
ConcordRecord *
concord_record_new_from_variant (GVariant *variant)
{
  ConcordRecord *self;
  GVariantIter iter;
  const char *key;
  GVariant *entry;

  g_return_val_if_fail (variant != NULL, NULL);

  if (!g_variant_is_of_type (variant, G_VARIANT_TYPE ("a{s(yv)}")))
    return NULL;

  self = concord_record_new (NULL);
  g_variant_iter_init (&iter, variant);
  while (g_variant_iter_next (&iter, "{&s@(yv)}", &key, &entry))
    {
      ConcordValue value;

      if (*key != '\0' && concord_value_from_variant (entry, &value))
        {
          concord_record_set_value (self, key, &value);
          concord_value_clear (&value);
        }
      g_variant_unref (entry);
    }

  return self;
}

/*
 * The compact form baselines are stored in: a version byte, then per field
 * the name NUL-terminated, the type byte and the value: text NUL-terminated;
 * numbers and date-times as 8 bytes; booleans as 1 byte; sets as a 4-byte
 * count and NUL-terminated members. Integers are little-endian. It is
 * several times cheaper to build than a GVariant dictionary, which matters
 * at 100,000 baselines a run.
 */
#define SERIAL_VERSION 1

static void
put_u32 (GByteArray *out,
         guint32     value)
{
  guint32 le = GUINT32_TO_LE (value);

  g_byte_array_append (out, (const guint8 *) &le, 4);
}

static void
put_u64 (GByteArray *out,
         guint64     value)
{
  guint64 le = GUINT64_TO_LE (value);

  g_byte_array_append (out, (const guint8 *) &le, 8);
}

static void
put_string (GByteArray *out,
            const char *text)
{
  g_byte_array_append (out, (const guint8 *) text, strlen (text) + 1);
}

/**
 * concord_record_serialize:
 * @keys: (nullable) (array length=n_keys): the fields to keep; %NULL for all
 *
 * Returns: (transfer full): the fields in Concord's compact form
 */
GBytes *
concord_record_serialize (const ConcordRecord *self,
                          const GQuark        *keys,
                          guint                n_keys)
{
  GByteArray *out;
  guint n = keys != NULL ? n_keys : self->n_fields;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_byte_array_sized_new (16 + 24 * n);
  g_byte_array_append (out, (const guint8 *) "\x01", 1);

  for (guint i = 0; i < n; i++)
    {
      const Field *field = keys != NULL ? find_field (self, keys[i]) : &self->fields[i];
      const ConcordValue *value;
      guint8 type;

      if (field == NULL)
        continue;

      /* A key listed twice is kept once. */
      if (keys != NULL)
        {
          gboolean seen = FALSE;

          for (guint j = 0; j < i && !seen; j++)
            seen = keys[j] == keys[i];
          if (seen)
            continue;
        }

      value = &field->value;
      type = value->type;
      put_string (out, g_quark_to_string (field->key));
      g_byte_array_append (out, &type, 1);

      switch (value->type)
        {
        case CONCORD_FIELD_TYPE_NUMBER:
          {
            guint64 bits;

            memcpy (&bits, &value->v.number, 8);
            put_u64 (out, bits);
          }
          break;
        case CONCORD_FIELD_TYPE_BOOLEAN:
          {
            guint8 b = !!value->v.boolean;

            g_byte_array_append (out, &b, 1);
          }
          break;
        case CONCORD_FIELD_TYPE_DATETIME:
          put_u64 (out, (guint64) value->v.datetime);
          break;
        case CONCORD_FIELD_TYPE_STRING_SET:
          put_u32 (out, g_strv_length (value->v.set));
          for (guint m = 0; value->v.set[m] != NULL; m++)
            put_string (out, value->v.set[m]);
          break;
        case CONCORD_FIELD_TYPE_STRING:
        case CONCORD_FIELD_TYPE_EMAIL:
        case CONCORD_FIELD_TYPE_PHONE:
        case CONCORD_FIELD_TYPE_DATE:
        case CONCORD_FIELD_TYPE_ENUM:
        default:
          put_string (out, value->v.text);
          break;
        }
    }

  return g_byte_array_free_to_bytes (out);
}

/* Bounds-checked reading: a damaged blob is refused, never trusted. */
typedef struct
{
  const guint8 *p;
  const guint8 *end;
} Reader;

static const char *
read_string (Reader *r)
{
  const guint8 *nul = r->p < r->end ? memchr (r->p, '\0', r->end - r->p) : NULL;
  const char *s = (const char *) r->p;

  if (nul == NULL)
    return NULL;
  r->p = nul + 1;
  return g_utf8_validate (s, -1, NULL) ? s : NULL;
}

static gboolean
read_bytes (Reader *r,
            void   *dest,
            gsize   n)
{
  if ((gsize) (r->end - r->p) < n)
    return FALSE;
  memcpy (dest, r->p, n);
  r->p += n;
  return TRUE;
}

/**
 * concord_record_new_from_serialized:
 *
 * Returns: (transfer full) (nullable): the record, or %NULL when @data is
 *   not in Concord's compact form
 */
ConcordRecord *
concord_record_new_from_serialized (const guint8 *data,
                                    gsize         length)
{
  g_autoptr(ConcordRecord) self = NULL;
  Reader r = { data, data + length };
  guint8 version;

  if (data == NULL || !read_bytes (&r, &version, 1) || version != SERIAL_VERSION)
    return NULL;

  self = concord_record_new (NULL);

  while (r.p < r.end)
    {
      const char *key = read_string (&r);
      ConcordValue value = { 0 };
      guint8 type;

      if (key == NULL || *key == '\0' || !read_bytes (&r, &type, 1) ||
          type > CONCORD_FIELD_TYPE_STRING_SET)
        return NULL;

      value.type = type;
      switch (value.type)
        {
        case CONCORD_FIELD_TYPE_NUMBER:
        case CONCORD_FIELD_TYPE_DATETIME:
          {
            guint64 le;

            if (!read_bytes (&r, &le, 8))
              return NULL;
            le = GUINT64_FROM_LE (le);
            if (value.type == CONCORD_FIELD_TYPE_NUMBER)
              memcpy (&value.v.number, &le, 8);
            else
              value.v.datetime = (gint64) le;
            concord_record_set_value (self, key, &value);
          }
          break;
        case CONCORD_FIELD_TYPE_BOOLEAN:
          {
            guint8 b;

            if (!read_bytes (&r, &b, 1))
              return NULL;
            value.v.boolean = b != 0;
            concord_record_set_value (self, key, &value);
          }
          break;
        case CONCORD_FIELD_TYPE_STRING_SET:
          {
            guint32 count;
            g_autoptr(GPtrArray) items = NULL;

            if (!read_bytes (&r, &count, 4))
              return NULL;
            count = GUINT32_FROM_LE (count);
            if (count > (gsize) (r.end - r.p))
              return NULL;
            items = g_ptr_array_sized_new (count + 1);
            for (guint32 m = 0; m < count; m++)
              {
                const char *item = read_string (&r);

                if (item == NULL)
                  return NULL;
                g_ptr_array_add (items, (gpointer) item);
              }
            g_ptr_array_add (items, NULL);
            concord_record_set_set (self, key, (const char * const *) items->pdata);
          }
          break;
        case CONCORD_FIELD_TYPE_STRING:
        case CONCORD_FIELD_TYPE_EMAIL:
        case CONCORD_FIELD_TYPE_PHONE:
        case CONCORD_FIELD_TYPE_DATE:
        case CONCORD_FIELD_TYPE_ENUM:
        default:
          {
            const char *text = read_string (&r);

            if (text == NULL)
              return NULL;
            value.v.text = (char *) text;
            concord_record_set_value (self, key, &value);
          }
          break;
        }
    }

  return g_steal_pointer (&self);
}

/**
 * concord_record_to_json:
 *
 * Returns: (transfer full): the fields as one JSON object, for the journal
 */
char *
concord_record_to_json (const ConcordRecord *self)
{
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_string_new ("{");
  for (guint i = 0; i < self->n_fields; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      append_json_string (out, g_quark_to_string (self->fields[i].key));
      g_string_append_c (out, ':');
      append_value_json (out, &self->fields[i].value);
    }
  g_string_append_c (out, '}');

  return g_string_free (out, FALSE);
}
