/* concord-filter-eval.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Evaluating a filter (see concord-filter.c) against a record: whether it
 * is in scope, why not, and the filter in words. Evaluation never fails:
 * a value that cannot be compared simply does not match.
 */

#define G_LOG_DOMAIN "concord-filter"

#include "config.h"

#include <string.h>

#include "concord-filter-private.h"

/* ------------------------------------------------------------------------- */
/* Evaluation                                                                */
/* ------------------------------------------------------------------------- */

static gboolean
text_equal (const char *a,
            const char *b)
{
  g_autofree char *fa = g_utf8_casefold (a, -1);
  g_autofree char *fb = g_utf8_casefold (b, -1);

  return g_str_equal (fa, fb);
}

static gboolean
text_test (ConcordFilterOp  op,
           const char      *value,
           const char      *wanted)
{
  g_autofree char *fv = g_utf8_casefold (value, -1);
  g_autofree char *fw = g_utf8_casefold (wanted, -1);

  switch (op)
    {
    case CONCORD_FILTER_IS:
    case CONCORD_FILTER_IS_ONE_OF:
      return g_str_equal (fv, fw);
    case CONCORD_FILTER_IS_NOT:
      return !g_str_equal (fv, fw);
    case CONCORD_FILTER_CONTAINS:
      return strstr (fv, fw) != NULL;
    case CONCORD_FILTER_NOT_CONTAINS:
      return strstr (fv, fw) == NULL;
    case CONCORD_FILTER_STARTS_WITH:
      return g_str_has_prefix (fv, fw);
    case CONCORD_FILTER_IS_EMPTY:
    case CONCORD_FILTER_IS_NOT_EMPTY:
    case CONCORD_FILTER_GREATER:
    case CONCORD_FILTER_LESS:
    case CONCORD_FILTER_BEFORE:
    case CONCORD_FILTER_AFTER:
    case CONCORD_FILTER_WITHIN_LAST_DAYS:
    case CONCORD_FILTER_IS_TRUE:
    case CONCORD_FILTER_IS_FALSE:
    default:
      return FALSE;
    }
}

static gboolean
set_has (char      **set,
         const char *item)
{
  for (guint i = 0; set != NULL && set[i] != NULL; i++)
    if (text_equal (set[i], item))
      return TRUE;
  return FALSE;
}

static gint64
value_seconds (const ConcordValue *value,
               gboolean           *ok)
{
  gint64 seconds = 0;

  if (value->type == CONCORD_FIELD_TYPE_DATETIME)
    {
      *ok = TRUE;
      return value->v.datetime;
    }
  *ok = CONCORD_FIELD_TYPE_IS_TEXT (value->type) && concord_filter_parse_time (value->v.text, &seconds);
  return seconds;
}

static gboolean
set_matches (const ConcordFilter *self,
             const ConcordValue  *value)
{
  const char *wanted = self->values[0];

  if (self->op == CONCORD_FILTER_CONTAINS)
    return set_has (value->v.set, wanted);
  if (self->op == CONCORD_FILTER_NOT_CONTAINS)
    return !set_has (value->v.set, wanted);
  if (self->op == CONCORD_FILTER_IS_ONE_OF)
    {
      for (guint i = 0; self->values[i] != NULL; i++)
        if (set_has (value->v.set, self->values[i]))
          return TRUE;
    }
  return FALSE;
}

static gboolean
number_matches (const ConcordFilter *self,
                const ConcordValue  *value)
{
  double wanted_number;

  if (self->op == CONCORD_FILTER_IS_ONE_OF)
    {
      for (guint i = 0; self->values[i] != NULL; i++)
        if (concord_filter_parse_number (self->values[i], &wanted_number) && value->v.number == wanted_number)
          return TRUE;
      return FALSE;
    }
  if (!concord_filter_parse_number (self->values[0], &wanted_number))
    return FALSE;
  switch (self->op)
    {
    case CONCORD_FILTER_IS:
      return value->v.number == wanted_number;
    case CONCORD_FILTER_IS_NOT:
      return value->v.number != wanted_number;
    case CONCORD_FILTER_GREATER:
      return value->v.number > wanted_number;
    case CONCORD_FILTER_LESS:
      return value->v.number < wanted_number;
    default:
      return FALSE;
    }
}

/* A condition on a date or date-time field. */
static gboolean
time_matches (const ConcordFilter *self,
              const ConcordValue  *value,
              gint64               now)
{
  const char *wanted = self->values[0];
  gboolean ok;
  gint64 seconds = value_seconds (value, &ok);
  gint64 wanted_seconds;
  double days;

  if (!ok)
    return FALSE;
  if (self->op == CONCORD_FILTER_WITHIN_LAST_DAYS)
    return concord_filter_parse_number (wanted, &days) && seconds <= now &&
           seconds >= now - (gint64) (days * 86400);
  if (!concord_filter_parse_time (wanted, &wanted_seconds))
    return FALSE;
  if (self->op == CONCORD_FILTER_BEFORE)
    return seconds < wanted_seconds;
  if (self->op == CONCORD_FILTER_AFTER)
    return seconds > wanted_seconds;
  /* "is" a date: the same day */
  return seconds / 86400 == wanted_seconds / 86400;
}

static gboolean
text_matches (const ConcordFilter *self,
              const ConcordValue  *value)
{
  if (!CONCORD_FIELD_TYPE_IS_TEXT (value->type))
    return FALSE;
  if (self->op == CONCORD_FILTER_IS_ONE_OF)
    {
      for (guint i = 0; self->values[i] != NULL; i++)
        if (text_equal (value->v.text, self->values[i]))
          return TRUE;
      return FALSE;
    }
  return text_test (self->op, value->v.text, self->values[0]);
}

static gboolean
condition_matches (const ConcordFilter *self,
                   const ConcordRecord *record,
                   gint64               now)
{
  const ConcordValue *value = concord_record_get_quark (record, self->field_quark);

  if (self->op == CONCORD_FILTER_IS_EMPTY)
    return value == NULL;
  if (self->op == CONCORD_FILTER_IS_NOT_EMPTY)
    return value != NULL;

  /* A missing value matches only the negative tests. */
  if (value == NULL)
    return self->op == CONCORD_FILTER_IS_NOT || self->op == CONCORD_FILTER_NOT_CONTAINS;

  switch (value->type)
    {
    case CONCORD_FIELD_TYPE_STRING_SET:
      return set_matches (self, value);

    case CONCORD_FIELD_TYPE_BOOLEAN:
      return self->op == CONCORD_FILTER_IS_TRUE ? value->v.boolean
           : self->op == CONCORD_FILTER_IS_FALSE ? !value->v.boolean : FALSE;

    case CONCORD_FIELD_TYPE_NUMBER:
      return number_matches (self, value);

    case CONCORD_FIELD_TYPE_DATE:
    case CONCORD_FIELD_TYPE_DATETIME:
    case CONCORD_FIELD_TYPE_STRING:
    case CONCORD_FIELD_TYPE_EMAIL:
    case CONCORD_FIELD_TYPE_PHONE:
    case CONCORD_FIELD_TYPE_ENUM:
    default:
      if (self->type == CONCORD_FIELD_TYPE_DATE || self->type == CONCORD_FIELD_TYPE_DATETIME)
        return time_matches (self, value, now);
      return text_matches (self, value);
    }
}

static gboolean
matches (const ConcordFilter *self,
         const ConcordRecord *record,
         gint64               now)
{
  gboolean result;

  if (self->is_group)
    {
      result = !self->any;
      for (guint i = 0; i < self->children->len; i++)
        {
          gboolean child = matches (g_ptr_array_index (self->children, i), record, now);

          if (self->any && child)
            {
              result = TRUE;
              break;
            }
          if (!self->any && !child)
            {
              result = FALSE;
              break;
            }
        }
    }
  else
    result = condition_matches (self, record, now);

  return self->negate ? !result : result;
}

/**
 * concord_filter_matches:
 * @now: the time "within the last N days" counts back from (unix seconds)
 *
 * Returns: whether @record is in the filter's scope
 */
gboolean
concord_filter_matches (const ConcordFilter *self,
                        const ConcordRecord *record,
                        gint64               now)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (record != NULL, FALSE);

  return matches (self, record, now);
}

/**
 * concord_filter_scope:
 * @filter: (type ConcordFilter): the filter
 *
 * concord_filter_matches() now, in the shape of a #ConcordRecordFilter:
 * what a #ConcordSyncConfig's scope takes.
 */
gboolean
concord_filter_scope (const ConcordRecord *record,
                      gpointer             filter)
{
  return concord_filter_matches (filter, record, g_get_real_time () / G_USEC_PER_SEC);
}

static void
explain (const ConcordFilter *self,
         const ConcordRecord *record,
         gint64               now,
         GString             *out)
{
  if (self->is_group)
    {
      for (guint i = 0; i < self->children->len; i++)
        {
          const ConcordFilter *child = g_ptr_array_index (self->children, i);

          /* The conditions that do not hold say why: in "all" the failing
           * ones, in "any" every one (none held). */
          if (matches (child, record, now))
            continue;
          explain (child, record, now, out);
        }
      return;
    }

  if (out->len > 0)
    g_string_append (out, "; ");
  g_string_append_printf (out, "%s%s %s", self->negate ? "not " : "", self->field,
                          concord_filter_op_to_string (self->op));
  for (guint i = 0; self->values[i] != NULL; i++)
    g_string_append_printf (out, "%s“%s”", i == 0 ? " " : ", ", self->values[i]);
}

static void
describe (const ConcordFilter *self,
          gboolean             nested,
          GString             *out)
{
  if (self->negate)
    g_string_append (out, "not ");

  if (self->is_group)
    {
      gboolean paren = (nested || self->negate) && self->children->len > 1;

      if (paren)
        g_string_append_c (out, '(');
      for (guint i = 0; i < self->children->len; i++)
        {
          if (i > 0)
            g_string_append (out, self->any ? " or " : " and ");
          describe (g_ptr_array_index (self->children, i), TRUE, out);
        }
      if (self->children->len == 0)
        g_string_append (out, "every contact");
      if (paren)
        g_string_append_c (out, ')');
      return;
    }

  g_string_append_printf (out, "%s %s", self->field, concord_filter_op_to_string (self->op));
  for (guint i = 0; self->values[i] != NULL; i++)
    g_string_append_printf (out, "%s“%s”", i == 0 ? " " : ", ", self->values[i]);
}

/**
 * concord_filter_describe:
 *
 * Returns: (transfer full): the conditions in one line, for the journal
 *   and the dry run: "status is “active” and custom:Plan is “Pro”"
 */
char *
concord_filter_describe (const ConcordFilter *self)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (self != NULL, NULL);

  describe (self, FALSE, out);

  return g_string_free (out, FALSE);
}

/**
 * concord_filter_explain:
 *
 * Returns: (transfer full) (nullable): for a record out of scope, the
 *   conditions it fails, for people ("status is “active”"); %NULL when it
 *   is in scope
 */
char *
concord_filter_explain (const ConcordFilter *self,
                        const ConcordRecord *record,
                        gint64               now)
{
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (record != NULL, NULL);

  if (matches (self, record, now))
    return NULL;

  out = g_string_new (NULL);
  if (self->negate)
    g_string_append (out, "excluded by the rule");
  else
    explain (self, record, now, out);

  return g_string_free (out, FALSE);
}
