/* concord-mapping-auto-values.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The automatic mapping's look at values (see concord-mapping-auto.c): the
 * values a sample holds, and whether the values that flow from one field
 * arrive at another: as its pick list's options (with a value map), by
 * converting, or as lists.
 */

#define G_LOG_DOMAIN "concord-mapping"

#include "config.h"

#include <string.h>

#include "concord-fields.h"
#include "concord-mapping-private.h"

/* How many distinct values of one field a sample gives at most: enough to
 * judge a pick list, bounded on a sample of any size. */
#define MAX_SEEN_VALUES 500

static void
seen_value_free (gpointer data)
{
  concord_value_clear (data);
  g_free (data);
}

/* The distinct values of @field in its side's sample (a set's members one
 * by one, without their labels), or %NULL without a sample. */
static GPtrArray *
values_seen (ConcordMappingAutoContext *ctx,
             ConcordSide                side,
             ConcordMappingAutoField   *field)
{
  GPtrArray *sample = ctx->sides[side].sample;
  g_autoptr(GHashTable) distinct = NULL;

  if (sample == NULL)
    return NULL;
  if (field->seen != NULL)
    return field->seen;

  field->seen = g_ptr_array_new_with_free_func (seen_value_free);
  distinct = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint r = 0; r < sample->len && field->seen->len < MAX_SEEN_VALUES; r++)
    {
      const ConcordValue *value = concord_record_get (g_ptr_array_index (sample, r), field->spec->key);

      if (value == NULL)
        continue;

      if (value->type == CONCORD_FIELD_TYPE_STRING_SET)
        {
          for (guint i = 0; value->v.set[i] != NULL && field->seen->len < MAX_SEEN_VALUES; i++)
            {
              ConcordValue *member = g_new0 (ConcordValue, 1);

              member->type = CONCORD_FIELD_TYPE_STRING;
              if (!concord_labelled_parse (value->v.set[i], NULL, &member->v.text))
                member->v.text = g_strdup (value->v.set[i]);
              if (g_hash_table_add (distinct, g_strdup (member->v.text)))
                g_ptr_array_add (field->seen, member);
              else
                seen_value_free (member);
            }
        }
      else
        {
          char *text = concord_value_to_string (value);

          if (text != NULL && g_hash_table_add (distinct, text))
            {
              ConcordValue *copy = g_new0 (ConcordValue, 1);

              concord_value_copy (value, copy);
              g_ptr_array_add (field->seen, copy);
            }
        }
    }

  return field->seen;
}

/* How much of a value a reason quotes, in characters. */
#define MAX_QUOTED_CHARS 40

/* A value of the sample as a reason quotes it: its first characters, on
 * one line. Reasons are shown to the person adding the connection, never
 * logged. */
static char *
quote_value (const char *value)
{
  g_autofree char *line = g_strdup (value);
  g_autofree char *head = NULL;

  g_strdelimit (line, "\r\n\t", ' ');
  if (g_utf8_strlen (line, -1) <= MAX_QUOTED_CHARS)
    return g_steal_pointer (&line);
  head = g_utf8_substring (line, 0, MAX_QUOTED_CHARS);
  return g_strconcat (head, "…", NULL);
}

/* The option of pick list @field that @text is, by its value or its
 * label, ignoring case, accents and spaces; -1 if none. The options'
 * names are normalised once, on first use. */
gint
concord_mapping_find_option (ConcordMappingAutoField *field,
                             const char              *text)
{
  const ConcordFieldSpec *spec = field->spec;
  g_autofree char *wanted = concord_mapping_normalize_name (text);
  gpointer index;

  if (field->options == NULL)
    {
      guint n_labels = spec->choice_labels != NULL ? g_strv_length (spec->choice_labels) : 0;

      field->options = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (guint i = 0; spec->choices != NULL && spec->choices[i] != NULL; i++)
        for (guint n = 0; n < 2; n++)
          {
            const char *name = n == 0 ? spec->choices[i] : i < n_labels ? spec->choice_labels[i] : NULL;
            char *normal = name != NULL ? concord_mapping_normalize_name (name) : NULL;

            /* The first option of a name wins. */
            if (normal == NULL || *normal == '\0' || g_hash_table_contains (field->options, normal))
              g_free (normal);
            else
              g_hash_table_insert (field->options, normal, GUINT_TO_POINTER (i + 1));
          }
    }

  if (*wanted == '\0' || !g_hash_table_lookup_extended (field->options, wanted, NULL, &index))
    return -1;
  return GPOINTER_TO_UINT (index) - 1;
}

const char *
concord_mapping_option_label (const ConcordFieldSpec *spec,
                              guint                   index)
{
  if (spec->choice_labels != NULL && index < g_strv_length (spec->choice_labels))
    return spec->choice_labels[index];
  return spec->choices[index];
}

/* Whether the values @from may hold are all options of pick list @to;
 * adds to @value_pairs (from, to, …) what becomes which option value. The
 * values are those seen in @from's sample, else @from's own options;
 * without either there is nothing to check, and text pairs with a pick
 * list by type, as it always did. */
static gboolean
values_among_options (ConcordMappingAutoContext  *ctx,
                      ConcordSide                 from_side,
                      ConcordMappingAutoField    *from,
                      ConcordMappingAutoField    *to,
                      GPtrArray                  *value_pairs,
                      char                      **reason)
{
  GPtrArray *seen = values_seen (ctx, from_side, from);
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  gboolean by_label = FALSE;

  if (seen != NULL)
    for (guint i = 0; i < seen->len; i++)
      {
        g_ptr_array_add (texts, concord_value_to_string (g_ptr_array_index (seen, i)));
        g_ptr_array_add (labels, NULL);
      }
  else if (concord_mapping_has_choices (from->spec))
    for (guint i = 0; from->spec->choices[i] != NULL; i++)
      {
        /* An option is the value it is written as, shown as its label. */
        g_ptr_array_add (texts, g_strdup (from->spec->choices[i]));
        g_ptr_array_add (labels, (gpointer) concord_mapping_option_label (from->spec, i));
      }

  /* Nothing known of the values: text is text (a value that is no option
   * is then refused by the app, contact by contact, and journalled). */
  if (texts->len == 0)
    return TRUE;

  for (guint i = 0; i < texts->len; i++)
    {
      const char *text = g_ptr_array_index (texts, i);
      const char *label = g_ptr_array_index (labels, i);
      gint option = concord_mapping_find_option (to, text);

      if (option < 0 && label != NULL)
        option = concord_mapping_find_option (to, label);
      if (option < 0)
        {
          g_autofree char *shown = quote_value (label != NULL ? label : text);

          *reason = g_strdup_printf ("values like “%s” are not among the options of “%s”",
                                     shown, to->spec->label);
          return FALSE;
        }
      if (!g_str_equal (text, to->spec->choices[option]))
        {
          g_ptr_array_add (value_pairs, g_strdup (text));
          g_ptr_array_add (value_pairs, g_strdup (to->spec->choices[option]));
          by_label = by_label || !g_str_equal (concord_mapping_option_label (to->spec, option),
                                               to->spec->choices[option]);
        }
    }

  /* Values written as labels: the options not seen yet are labels too. */
  for (guint i = 0; by_label && to->spec->choices[i] != NULL; i++)
    {
      const char *label = concord_mapping_option_label (to->spec, i);

      if (!g_str_equal (label, to->spec->choices[i]))
        {
          g_ptr_array_add (value_pairs, g_strdup (label));
          g_ptr_array_add (value_pairs, g_strdup (to->spec->choices[i]));
        }
    }

  return TRUE;
}

/* Whether every value @from may hold converts to @to's type: always for
 * the types whose whole domain converts; else when every value of the
 * sample does. */
static gboolean
values_convert (ConcordMappingAutoContext  *ctx,
                ConcordSide                 from_side,
                ConcordMappingAutoField    *from,
                ConcordMappingAutoField    *to,
                char                      **reason)
{
  ConcordFieldType type_from = from->spec->type;
  ConcordFieldType type_to = to->spec->type;
  GPtrArray *seen;

  if (concord_mapping_types_safe (type_from, type_to) ||
      concord_conversion_loss (type_from, type_to, NULL) == CONCORD_CONVERSION_LOSSLESS)
    return TRUE;

  seen = concord_field_types_convertible (type_from, type_to) ? values_seen (ctx, from_side, from) : NULL;
  if (seen == NULL || seen->len == 0)
    {
      *reason = g_strdup_printf ("“%s” on the other side is a %s, this is a %s; "
                                 "map it by hand to choose a conversion",
                                 to->spec->label, concord_field_type_to_string (type_to),
                                 concord_field_type_to_string (type_from));
      return FALSE;
    }

  for (guint i = 0; i < seen->len; i++)
    {
      const ConcordValue *value = g_ptr_array_index (seen, i);
      ConcordValue out = { 0 };

      if (!concord_value_convert (value, type_to, NULL, &out, NULL))
        {
          g_autofree char *text = concord_value_to_string (value);
          g_autofree char *shown = quote_value (text);

          *reason = g_strdup_printf ("values like “%s” do not become a %s as “%s” on the other side holds",
                                     shown, concord_field_type_to_string (type_to), to->spec->label);
          return FALSE;
        }
      concord_value_clear (&out);
    }

  return TRUE;
}

/* Whether every value of @from seen in the sample is a list of @lists:
 * one of its options or a value seen in its own side's sample. */
static gboolean
values_are_lists (ConcordMappingAutoContext  *ctx,
                  ConcordSide                 from_side,
                  ConcordMappingAutoField    *from,
                  ConcordMappingAutoField    *lists,
                  char                      **reason)
{
  GPtrArray *seen = values_seen (ctx, from_side, from);
  GPtrArray *known = values_seen (ctx, CONCORD_SIDE_OTHER (from_side), lists);
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (seen == NULL || seen->len == 0)
    {
      *reason = g_strdup_printf ("“%s” holds only lists that exist, and without values seen Concord "
                                 "cannot tell whether those of “%s” are lists; map them by hand",
                                 lists->spec->label, from->spec->label);
      return FALSE;
    }

  for (guint i = 0; known != NULL && i < known->len; i++)
    g_hash_table_add (names, concord_mapping_normalize_name (((ConcordValue *) g_ptr_array_index (known, i))->v.text));
  for (guint i = 0; lists->spec->choices != NULL && lists->spec->choices[i] != NULL; i++)
    g_hash_table_add (names, concord_mapping_normalize_name (lists->spec->choices[i]));

  for (guint i = 0; i < seen->len; i++)
    {
      const ConcordValue *value = g_ptr_array_index (seen, i);
      g_autofree char *name = concord_mapping_normalize_name (value->v.text);

      if (!g_hash_table_contains (names, name))
        {
          g_autofree char *shown = quote_value (value->v.text);

          *reason = g_strdup_printf ("values like “%s” are not among the lists of “%s”, and no "
                                     "list is made by itself; map them by hand",
                                     shown, lists->spec->label);
          return FALSE;
        }
    }

  return TRUE;
}

/* Whether values flowing from @from onto @to arrive; adds the value map
 * they need to @value_pairs, as (a, b) pairs. Between two canonical
 * fields the connectors speak the same vocabulary: only the types count. */
gboolean
concord_mapping_direction_ok (ConcordMappingAutoContext  *ctx,
                              ConcordSide                 from_side,
                              ConcordMappingAutoField    *from,
                              ConcordMappingAutoField    *to,
                              GPtrArray                  *value_pairs,
                              char                      **reason)
{
  gboolean canonical = !concord_field_is_custom (from->spec->key) &&
                       !concord_field_is_custom (to->spec->key);

  /* An email tool's lists are made by people, not by a sync (Elastic
   * Email refuses a contact in a list it does not have): tags become
   * lists only when each is one already. */
  if (g_str_equal (to->spec->key, CONCORD_FIELD_LISTS) && !g_str_equal (from->spec->key, CONCORD_FIELD_LISTS))
    return values_are_lists (ctx, from_side, from, to, reason);

  if (!canonical && concord_mapping_has_choices (to->spec) && to->spec->type != CONCORD_FIELD_TYPE_STRING_SET &&
      from->spec->type != CONCORD_FIELD_TYPE_STRING_SET)
    {
      g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);

      if (!values_among_options (ctx, from_side, from, to, found, reason))
        return FALSE;

      /* Kept as (value of A, value of B): the way back inverts the map. */
      for (guint i = 0; i + 1 < found->len; i += 2)
        {
          const char *from_value = g_ptr_array_index (found, i);
          const char *to_value = g_ptr_array_index (found, i + 1);

          g_ptr_array_add (value_pairs, g_strdup (from_side == CONCORD_SIDE_A ? from_value : to_value));
          g_ptr_array_add (value_pairs, g_strdup (from_side == CONCORD_SIDE_A ? to_value : from_value));
        }
      return TRUE;
    }

  return values_convert (ctx, from_side, from, to, reason);
}
