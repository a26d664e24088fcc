/* concord-convert.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Converting a value between the types of two mapped fields, and value
 * maps between pick lists. A value that cannot be converted is an error
 * that names the value's kind and the reason, never a guess: the engine
 * then skips that field of that record and journals why.
 *
 * Formats: for dates, "DD/MM/YYYY", "MM/DD/YYYY", "DD.MM.YYYY" or
 * "YYYY-MM-DD" (the default); for sets, the delimiter of their text form
 * (default ", " to text, "," from text).
 */

#define G_LOG_DOMAIN "concord-convert"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "concord-convert.h"
#include "concord-fields.h"
#include "concord-error.h"

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static gboolean
text_to_boolean (const char *text,
                 gboolean   *out)
{
  static const char * const yes[] = { "true", "yes", "y", "1", "on", NULL };
  static const char * const no[] = { "false", "no", "n", "0", "off", NULL };
  g_autofree char *lower = g_utf8_strdown (text, -1);

  g_strstrip (lower);
  if (g_strv_contains (yes, lower))
    return (*out = TRUE, TRUE);
  if (g_strv_contains (no, lower))
    return (*out = FALSE, TRUE);
  return FALSE;
}

/* "YYYY-MM-DD" from a date in @format. */
static char *
text_to_date (const char *text,
              const char *format)
{
  int a = 0, b = 0, c = 0, y, m, d;
  char sep = '-';
  g_autofree char *clean = g_strstrip (g_strdup (text));

  if (format == NULL || g_str_equal (format, "YYYY-MM-DD"))
    {
      if (sscanf (clean, "%4d-%2d-%2d", &y, &m, &d) != 3 || strlen (clean) < 10)
        return NULL;
    }
  else
    {
      if (g_str_equal (format, "DD.MM.YYYY"))
        sep = '.';
      else if (g_str_equal (format, "DD/MM/YYYY") || g_str_equal (format, "MM/DD/YYYY"))
        sep = '/';
      else
        return NULL;

      {
        char tail;
        int n = sep == '.' ? sscanf (clean, "%d.%d.%d%c", &a, &b, &c, &tail)
                           : sscanf (clean, "%d/%d/%d%c", &a, &b, &c, &tail);

        if (n != 3)
          return NULL;
      }
      y = c;
      d = g_str_equal (format, "MM/DD/YYYY") ? b : a;
      m = g_str_equal (format, "MM/DD/YYYY") ? a : b;
    }

  if (!g_date_valid_dmy (d, m, y))
    return NULL;
  return g_strdup_printf ("%04d-%02d-%02d", y, m, d);
}

static char *
date_to_text (const char *iso,
              const char *format)
{
  int y, m, d;

  if (format == NULL || g_str_equal (format, "YYYY-MM-DD") ||
      sscanf (iso, "%4d-%2d-%2d", &y, &m, &d) != 3)
    return g_strdup (iso);
  if (g_str_equal (format, "DD.MM.YYYY"))
    return g_strdup_printf ("%02d.%02d.%04d", d, m, y);
  if (g_str_equal (format, "MM/DD/YYYY"))
    return g_strdup_printf ("%02d/%02d/%04d", m, d, y);
  if (g_str_equal (format, "DD/MM/YYYY"))
    return g_strdup_printf ("%02d/%02d/%04d", d, m, y);
  return g_strdup (iso);
}

static gboolean
fail (GError    **error,
      const char *what,
      const char *to)
{
  g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
               "%s cannot become a %s", what, to);
  return FALSE;
}

/* ------------------------------------------------------------------------- */
/* Conversion                                                                */
/* ------------------------------------------------------------------------- */

/* Whether @set holds labelled members ("work<TAB>ann@example.com"). */
static gboolean
labelled_set (const ConcordValue *set)
{
  for (guint i = 0; set->v.set[i] != NULL; i++)
    if (strchr (set->v.set[i], '\t') != NULL)
      return TRUE;

  return FALSE;
}

/* A labelled set as the text of one field: an email or phone field takes
 * the member that would be the primary (see
 * concord_record_normalize_multi()), any other text field the values
 * joined; never a label or a tab. */
static char *
labelled_to_text (const ConcordValue *set,
                  ConcordFieldType    to,
                  const char         *format)
{
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);

  if (to == CONCORD_FIELD_TYPE_EMAIL || to == CONCORD_FIELD_TYPE_PHONE)
    {
      g_autoptr(ConcordRecord) scratch = concord_record_new (NULL);
      const char *single = to == CONCORD_FIELD_TYPE_EMAIL ? CONCORD_FIELD_EMAIL : CONCORD_FIELD_PHONE;
      const char *key = to == CONCORD_FIELD_TYPE_EMAIL ? CONCORD_FIELD_EMAILS : CONCORD_FIELD_PHONES;

      concord_record_set_set (scratch, key, (const char * const *) set->v.set);
      concord_record_normalize_multi (NULL, scratch);
      return g_strdup (concord_record_get_text (scratch, single));
    }

  for (guint i = 0; set->v.set[i] != NULL; i++)
    {
      char *value = NULL;

      if (concord_labelled_parse (set->v.set[i], NULL, &value))
        g_ptr_array_add (values, value);
    }
  g_ptr_array_add (values, NULL);

  return g_strjoinv (format != NULL ? format : ", ", (char **) values->pdata);
}

/* Into text: a string, an option, a phone number or an email address. */
static gboolean
to_text (const ConcordValue  *in,
         ConcordFieldType     to,
         const char          *format,
         ConcordRecord       *scratch,
         const char          *to_name,
         GError             **error)
{
  g_autofree char *text = NULL;

  if (in->type == CONCORD_FIELD_TYPE_STRING_SET && labelled_set (in))
    text = labelled_to_text (in, to, format);
  else if (in->type == CONCORD_FIELD_TYPE_STRING_SET)
    text = g_strjoinv (format != NULL ? format : ", ", in->v.set);
  else if (in->type == CONCORD_FIELD_TYPE_DATE)
    text = date_to_text (in->v.text, format);
  else
    text = concord_value_to_string (in);

  if (to == CONCORD_FIELD_TYPE_EMAIL)
    {
      g_autofree char *email = concord_normalize_email (text);

      if (email == NULL)
        return fail (error, "a value that is not an email address", to_name);
    }
  concord_record_set_text (scratch, "v", to, text);
  return TRUE;
}

static gboolean
to_number (const ConcordValue  *in,
           ConcordFieldType     to,
           const char          *format,
           ConcordRecord       *scratch,
           const char          *to_name,
           GError             **error)
{
  if (in->type == CONCORD_FIELD_TYPE_BOOLEAN)
    concord_record_set_number (scratch, "v", in->v.boolean ? 1 : 0);
  else if (CONCORD_FIELD_TYPE_IS_TEXT (in->type))
    {
      char *end = NULL;
      g_autofree char *clean = g_strstrip (g_strdup (in->v.text));
      double number = g_ascii_strtod (clean, &end);

      if (*clean == '\0' || end == NULL || *end != '\0' || !isfinite (number))
        return fail (error, "text that is not a number", to_name);
      concord_record_set_number (scratch, "v", number);
    }
  else
    return fail (error, concord_field_type_to_string (in->type), to_name);
  return TRUE;
}

static gboolean
to_boolean (const ConcordValue  *in,
            ConcordFieldType     to,
            const char          *format,
            ConcordRecord       *scratch,
            const char          *to_name,
            GError             **error)
{
  gboolean b;

  if (in->type == CONCORD_FIELD_TYPE_NUMBER)
    b = in->v.number != 0;
  else if (!CONCORD_FIELD_TYPE_IS_TEXT (in->type) || !text_to_boolean (in->v.text, &b))
    return fail (error, "a value that is not yes or no", to_name);
  concord_record_set_boolean (scratch, "v", b);
  return TRUE;
}

static gboolean
to_date (const ConcordValue  *in,
         ConcordFieldType     to,
         const char          *format,
         ConcordRecord       *scratch,
         const char          *to_name,
         GError             **error)
{
  if (in->type == CONCORD_FIELD_TYPE_DATETIME)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (in->v.datetime);
      g_autofree char *day = dt != NULL ? g_date_time_format (dt, "%Y-%m-%d") : NULL;

      if (day == NULL)
        return fail (error, "a date-time out of range", to_name);
      concord_record_set_text (scratch, "v", CONCORD_FIELD_TYPE_DATE, day);
    }
  else if (CONCORD_FIELD_TYPE_IS_TEXT (in->type))
    {
      g_autofree char *day = text_to_date (in->v.text, format);

      if (day == NULL)
        return fail (error, "text that is not a date in the expected format", to_name);
      concord_record_set_text (scratch, "v", CONCORD_FIELD_TYPE_DATE, day);
    }
  else
    return fail (error, concord_field_type_to_string (in->type), to_name);
  return TRUE;
}

static gboolean
to_datetime (const ConcordValue  *in,
             ConcordFieldType     to,
             const char          *format,
             ConcordRecord       *scratch,
             const char          *to_name,
             GError             **error)
{
  if (CONCORD_FIELD_TYPE_IS_TEXT (in->type))
    {
      g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
      g_autoptr(GDateTime) dt = NULL;
      g_autofree char *day = in->type == CONCORD_FIELD_TYPE_DATE ? g_strdup (in->v.text)
                                                                : text_to_date (in->v.text, format);

      if (day != NULL && strlen (in->v.text) <= 10)
        {
          g_autofree char *midnight = g_strconcat (day, "T00:00:00", NULL);

          dt = g_date_time_new_from_iso8601 (midnight, utc);
        }
      else
        dt = g_date_time_new_from_iso8601 (in->v.text, utc);
      if (dt == NULL)
        return fail (error, "text that is not a date-time", to_name);
      concord_record_set_datetime (scratch, "v", g_date_time_to_unix (dt));
    }
  else
    return fail (error, concord_field_type_to_string (in->type), to_name);
  return TRUE;
}

static gboolean
to_set (const ConcordValue  *in,
        ConcordFieldType     to,
        const char          *format,
        ConcordRecord       *scratch,
        const char          *to_name,
        GError             **error)
{
  if (CONCORD_FIELD_TYPE_IS_TEXT (in->type))
    {
      g_auto(GStrv) items = g_strsplit (in->v.text, format != NULL ? format : ",", -1);

      concord_record_set_set (scratch, "v", (const char * const *) items);
    }
  else
    {
      g_autofree char *text = concord_value_to_string (in);
      const char *one[] = { text, NULL };

      concord_record_set_set (scratch, "v", one);
    }
  return TRUE;
}

/**
 * concord_value_convert:
 * @in: the value, of any type
 * @to: the type of the target field
 * @format: (nullable): a date format or a set delimiter (see the file's comment)
 * @out: (out caller-allocates): the converted value; clear it with
 *   concord_value_clear()
 * @error: why it cannot be converted; the message holds no contact data
 *
 * Returns: %TRUE when @out holds the value
 */
gboolean
concord_value_convert (const ConcordValue  *in,
                       ConcordFieldType     to,
                       const char          *format,
                       ConcordValue        *out,
                       GError             **error)
{
  const char *to_name = concord_field_type_to_string (to);
  g_autoptr(ConcordRecord) scratch = concord_record_new (NULL);
  const ConcordValue *made;

  g_return_val_if_fail (in != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);

  /* Same kind: copy (text types re-normalised by the record below). */
  if (in->type == to && !CONCORD_FIELD_TYPE_IS_TEXT (to))
    {
      concord_value_copy (in, out);
      return TRUE;
    }

  switch (to)
    {
    case CONCORD_FIELD_TYPE_STRING:
    case CONCORD_FIELD_TYPE_ENUM:
    case CONCORD_FIELD_TYPE_PHONE:
    case CONCORD_FIELD_TYPE_EMAIL:
      if (!to_text (in, to, format, scratch, to_name, error))
        return FALSE;
      break;

    case CONCORD_FIELD_TYPE_NUMBER:
      if (!to_number (in, to, format, scratch, to_name, error))
        return FALSE;
      break;

    case CONCORD_FIELD_TYPE_BOOLEAN:
      if (!to_boolean (in, to, format, scratch, to_name, error))
        return FALSE;
      break;

    case CONCORD_FIELD_TYPE_DATE:
      if (!to_date (in, to, format, scratch, to_name, error))
        return FALSE;
      break;

    case CONCORD_FIELD_TYPE_DATETIME:
      if (!to_datetime (in, to, format, scratch, to_name, error))
        return FALSE;
      break;

    case CONCORD_FIELD_TYPE_STRING_SET:
      if (!to_set (in, to, format, scratch, to_name, error))
        return FALSE;
      break;

    default:
      return fail (error, concord_field_type_to_string (in->type), to_name);
    }

  made = concord_record_get (scratch, "v");
  if (made == NULL)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "the value is empty as a %s", to_name);
      return FALSE;
    }

  concord_value_copy (made, out);
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* How lossy                                                                 */
/* ------------------------------------------------------------------------- */

static gboolean
is_free_text (ConcordFieldType type)
{
  return type == CONCORD_FIELD_TYPE_STRING || type == CONCORD_FIELD_TYPE_ENUM;
}

/**
 * concord_conversion_loss:
 * @from: the type of the field values come from
 * @to: the type of the field they are written to
 * @reason: (out) (optional) (transfer none): for a lossy or impossible
 *   conversion, why, as a translated sentence for people; %NULL otherwise
 *
 * Follows what concord_value_convert() does with each kind of value: text
 * goes anywhere text goes, a number or a date becomes text, but text
 * becomes a number, a date, yes or no or an email address only when it is
 * one; a date-time loses its time of day as a date; a number other than 0
 * or 1 is only "yes". A mapping pair that flows both ways is as lossy as
 * its worse direction.
 *
 * Returns: how much survives
 */
ConcordConversionLoss
concord_conversion_loss (ConcordFieldType   from,
                         ConcordFieldType   to,
                         const char       **reason)
{
  const char *why = NULL;
  ConcordConversionLoss loss = CONCORD_CONVERSION_LOSSY;

  if (from == to)
    loss = CONCORD_CONVERSION_LOSSLESS;
  else
    switch (to)
      {
      case CONCORD_FIELD_TYPE_STRING:
      case CONCORD_FIELD_TYPE_ENUM:
      case CONCORD_FIELD_TYPE_STRING_SET:
        /* Any value has a text form; text and lists split and join. */
        loss = CONCORD_CONVERSION_LOSSLESS;
        break;

      case CONCORD_FIELD_TYPE_PHONE:
        if (is_free_text (from))
          loss = CONCORD_CONVERSION_LOSSLESS;
        else
          why = N_("What this field holds is not a phone number: the other app may refuse it or show it as nonsense.");
        break;

      case CONCORD_FIELD_TYPE_EMAIL:
        if (is_free_text (from))
          why = N_("Only text that is an email address is written; anything else is left out.");
        break;

      case CONCORD_FIELD_TYPE_NUMBER:
        if (from == CONCORD_FIELD_TYPE_BOOLEAN)
          loss = CONCORD_CONVERSION_LOSSLESS;
        else if (is_free_text (from))
          why = N_("Only text that is a number is written; anything else, like a city or a name, is left out.");
        break;

      case CONCORD_FIELD_TYPE_BOOLEAN:
        if (from == CONCORD_FIELD_TYPE_NUMBER)
          why = N_("Every number other than 0 becomes “yes”: the number itself is lost.");
        else if (is_free_text (from))
          why = N_("Only text that means yes or no is written; anything else is left out.");
        break;

      case CONCORD_FIELD_TYPE_DATE:
        if (from == CONCORD_FIELD_TYPE_DATETIME)
          why = N_("Only the day is written: the time of day is lost.");
        else if (is_free_text (from))
          why = N_("Only text that is a date is written; anything else is left out.");
        break;

      case CONCORD_FIELD_TYPE_DATETIME:
        if (from == CONCORD_FIELD_TYPE_DATE)
          loss = CONCORD_CONVERSION_LOSSLESS;
        else if (is_free_text (from))
          why = N_("Only text that is a date and time is written; anything else is left out.");
        break;

      default:
        break;
      }

  /* Whatever is left has no conversion at all. */
  if (loss == CONCORD_CONVERSION_LOSSY && why == NULL)
    {
      loss = CONCORD_CONVERSION_IMPOSSIBLE;
      why = N_("These two kinds of values do not convert into each other.");
    }

  if (reason != NULL)
    *reason = why != NULL ? _(why) : NULL;
  return loss;
}

/* ------------------------------------------------------------------------- */
/* Value maps                                                                */
/* ------------------------------------------------------------------------- */

struct _ConcordValueMap
{
  gatomicrefcount  ref_count;
  GHashTable      *pairs;     /* (owned) casefolded from → to */
  GPtrArray       *order;     /* (owned) the from values as given, in order */
  char            *fallback;  /* (owned) (nullable): NULL keeps the value */
};

/**
 * concord_value_map_new:
 * @fallback: (nullable): what an unmapped value becomes; %NULL keeps it
 */
ConcordValueMap *
concord_value_map_new (const char *fallback)
{
  ConcordValueMap *self = g_new0 (ConcordValueMap, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->pairs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->order = g_ptr_array_new_with_free_func (g_free);
  self->fallback = g_strdup (fallback);

  return self;
}

ConcordValueMap *
concord_value_map_ref (ConcordValueMap *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
concord_value_map_unref (ConcordValueMap *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_hash_table_unref (self->pairs);
  g_ptr_array_unref (self->order);
  g_free (self->fallback);
  g_free (self);
}

void
concord_value_map_add (ConcordValueMap *self,
                       const char      *from,
                       const char      *to)
{
  g_autofree char *key = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (from != NULL && to != NULL);

  key = g_utf8_casefold (from, -1);
  if (!g_hash_table_contains (self->pairs, key))
    g_ptr_array_add (self->order, g_strdup (from));
  g_hash_table_replace (self->pairs, g_steal_pointer (&key), g_strdup (to));
}

/**
 * concord_value_map_apply:
 *
 * Returns: (transfer none): the mapped value (case is ignored when
 *   looking up), the fallback, or @from itself when there is no fallback
 */
const char *
concord_value_map_apply (const ConcordValueMap *self,
                         const char            *from)
{
  g_autofree char *key = NULL;
  const char *to;

  g_return_val_if_fail (self != NULL, from);

  if (from == NULL)
    return NULL;

  key = g_utf8_casefold (from, -1);
  to = g_hash_table_lookup (self->pairs, key);
  if (to != NULL)
    return to;

  return self->fallback != NULL ? self->fallback : from;
}

/**
 * concord_value_map_is_one_to_one:
 * @clash: (out) (optional) (transfer full): a target two sources share
 *
 * A two-way map must be one-to-one, or values would change on their way
 * back.
 */
gboolean
concord_value_map_is_one_to_one (const ConcordValueMap  *self,
                                 char                  **clash)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (self != NULL, FALSE);

  g_hash_table_iter_init (&iter, self->pairs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!g_hash_table_add (seen, g_utf8_casefold (value, -1)))
      {
        if (clash != NULL)
          *clash = g_strdup (value);
        return FALSE;
      }

  return TRUE;
}

/**
 * concord_value_map_invert:
 *
 * Returns: (transfer full) (nullable): the map for the way back, or %NULL
 *   when it is not one-to-one
 */
ConcordValueMap *
concord_value_map_invert (const ConcordValueMap  *self,
                          GError                **error)
{
  g_autofree char *clash = NULL;
  ConcordValueMap *back;

  g_return_val_if_fail (self != NULL, NULL);

  if (!concord_value_map_is_one_to_one (self, &clash))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "the value map is not one-to-one: several values become “%s”; "
                   "it can only be used one way", clash);
      return NULL;
    }

  back = concord_value_map_new (NULL);
  for (guint i = 0; i < self->order->len; i++)
    {
      const char *from = g_ptr_array_index (self->order, i);

      concord_value_map_add (back, concord_value_map_apply (self, from), from);
    }

  return back;
}
