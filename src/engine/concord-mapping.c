/* concord-mapping.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The field mapping of a connection: pairs of fields, each with the ways it
 * flows, an optional format (how a date or a list is written as text) and
 * an optional value map between pick lists. The planner compares values
 * through the pair (see concord_mapping_pair_convert()), so a mapping that
 * changes a value's form never makes the two sides look different forever.
 *
 * The automatic mapping pairs fields by canonical key, then by name
 * (ignoring case, accents, spaces, underscores and hyphens, in any
 * locale), then by synonym, and only when the values that flow arrive:
 * by type, or, given a sample of both apps' contacts, by the values seen
 * (a text field onto a pick list whose options hold them); it says why it
 * left every other field alone.
 */

#define G_LOG_DOMAIN "concord-mapping"

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-fields.h"
#include "concord-json-private.h"
#include "concord-mapping.h"

struct _ConcordMapping
{
  gatomicrefcount  ref_count;
  GArray          *pairs;    /* (owned) of ConcordMappingPair */
  GArray          *keys[2];  /* (owned) of GQuark, the keys of each side in pair order,
                              * then the companions (see rebuild_keys()) */
};

static const char * const flow_names[] = { "both", "a-to-b", "b-to-a", "off" };

const char *
concord_pair_flow_to_string (ConcordPairFlow flow)
{
  g_return_val_if_fail (flow <= CONCORD_PAIR_FLOW_OFF, "off");

  return flow_names[flow];
}

gboolean
concord_pair_flow_from_string (const char      *name,
                               ConcordPairFlow *flow)
{
  for (guint i = 0; i < G_N_ELEMENTS (flow_names); i++)
    if (g_strcmp0 (name, flow_names[i]) == 0)
      {
        *flow = i;
        return TRUE;
      }

  return FALSE;
}

void
concord_unmapped_field_free (ConcordUnmappedField *field)
{
  if (field == NULL)
    return;

  g_free (field->key);
  g_free (field->label);
  g_free (field->reason);
  g_free (field);
}

static void
pair_clear (gpointer data)
{
  ConcordMappingPair *pair = data;

  g_clear_pointer (&pair->format, g_free);
  g_clear_pointer (&pair->values[0], concord_value_map_unref);
  g_clear_pointer (&pair->values[1], concord_value_map_unref);
  g_clear_pointer (&pair->value_pairs, g_ptr_array_unref);
  g_clear_pointer (&pair->fallback[0], g_free);
  g_clear_pointer (&pair->fallback[1], g_free);
}

ConcordMapping *
concord_mapping_new (void)
{
  ConcordMapping *self = g_new0 (ConcordMapping, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->pairs = g_array_new (FALSE, FALSE, sizeof (ConcordMappingPair));
  g_array_set_clear_func (self->pairs, pair_clear);
  self->keys[0] = g_array_new (FALSE, FALSE, sizeof (GQuark));
  self->keys[1] = g_array_new (FALSE, FALSE, sizeof (GQuark));

  return self;
}

ConcordMapping *
concord_mapping_ref (ConcordMapping *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
concord_mapping_unref (ConcordMapping *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_array_unref (self->pairs);
  g_array_unref (self->keys[0]);
  g_array_unref (self->keys[1]);
  g_free (self);
}

static ConcordMappingPair *
pair_at (ConcordMapping *self,
         guint           index)
{
  return &g_array_index (self->pairs, ConcordMappingPair, index);
}

static gboolean
side_maps (ConcordMapping *self,
           ConcordSide     side,
           const char     *key)
{
  GQuark quark = g_quark_try_string (key);

  for (guint i = 0; quark != 0 && i < self->pairs->len; i++)
    if ((side == CONCORD_SIDE_A ? pair_at (self, i)->key_a : pair_at (self, i)->key_b) == quark)
      return TRUE;

  return FALSE;
}

/* The keys of each side: those of the pairs, in pair order, then the
 * labelled set a mapped single field is the primary of ("emails" for
 * "email", "phones" for "phone" and "mobile") when the set is not mapped
 * itself. The engine settles and keeps those too, so that it can keep the
 * primary and its set in step (concord_record_normalize_multi()) on a side
 * paired with an app that has only the single field. */
static void
rebuild_keys (ConcordMapping *self)
{
  static const char * const companions[][3] = {
    { CONCORD_FIELD_EMAILS, CONCORD_FIELD_EMAIL, NULL },
    { CONCORD_FIELD_PHONES, CONCORD_FIELD_PHONE, CONCORD_FIELD_MOBILE },
  };

  for (guint s = 0; s < 2; s++)
    {
      g_array_set_size (self->keys[s], 0);
      for (guint i = 0; i < self->pairs->len; i++)
        {
          const ConcordMappingPair *pair = pair_at (self, i);
          GQuark key = s == CONCORD_SIDE_A ? pair->key_a : pair->key_b;

          g_array_append_val (self->keys[s], key);
        }

      for (guint c = 0; c < G_N_ELEMENTS (companions); c++)
        if (!side_maps (self, s, companions[c][0]) &&
            (side_maps (self, s, companions[c][1]) ||
             (companions[c][2] != NULL && side_maps (self, s, companions[c][2]))))
          {
            GQuark quark = g_quark_from_static_string (companions[c][0]);

            g_array_append_val (self->keys[s], quark);
          }
    }
}

/* Rebuilds what the pair's settings imply: the value maps of both ways
 * (the first listed pairing wins where a value appears twice) and whether
 * values pass unchanged. */
static void
pair_update (ConcordMappingPair *pair)
{
  g_clear_pointer (&pair->values[0], concord_value_map_unref);
  g_clear_pointer (&pair->values[1], concord_value_map_unref);

  if ((pair->value_pairs != NULL && pair->value_pairs->len > 0) ||
      pair->fallback[0] != NULL || pair->fallback[1] != NULL)
    {
      guint n = pair->value_pairs != NULL ? pair->value_pairs->len / 2 : 0;

      pair->values[CONCORD_SIDE_A] = concord_value_map_new (pair->fallback[CONCORD_SIDE_B]);
      pair->values[CONCORD_SIDE_B] = concord_value_map_new (pair->fallback[CONCORD_SIDE_A]);

      /* Added last to first: a later duplicate is replaced by an earlier one. */
      for (guint i = n; i-- > 0;)
        {
          const char *a = g_ptr_array_index (pair->value_pairs, 2 * i);
          const char *b = g_ptr_array_index (pair->value_pairs, 2 * i + 1);

          concord_value_map_add (pair->values[CONCORD_SIDE_A], a, b);
          concord_value_map_add (pair->values[CONCORD_SIDE_B], b, a);
        }
    }

  pair->identity = pair->type_a == pair->type_b && pair->format == NULL &&
                   pair->values[0] == NULL;
}

/**
 * concord_mapping_add:
 *
 * Returns: the index of the new pair
 */
guint
concord_mapping_add (ConcordMapping   *self,
                     const char       *key_a,
                     ConcordFieldType  type_a,
                     const char       *key_b,
                     ConcordFieldType  type_b,
                     ConcordPairFlow   flow)
{
  ConcordMappingPair pair = { 0 };

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (key_a != NULL && key_b != NULL, 0);

  pair.key_a = g_quark_from_string (key_a);
  pair.key_b = g_quark_from_string (key_b);
  pair.type_a = type_a;
  pair.type_b = type_b;
  pair.flow = flow;
  pair_update (&pair);

  g_array_append_val (self->pairs, pair);
  rebuild_keys (self);

  return self->pairs->len - 1;
}

void
concord_mapping_remove (ConcordMapping *self,
                        guint           index)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (index < self->pairs->len);

  g_array_remove_index (self->pairs, index);
  rebuild_keys (self);
}

void
concord_mapping_set_flow (ConcordMapping  *self,
                          guint            index,
                          ConcordPairFlow  flow)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (index < self->pairs->len);

  pair_at (self, index)->flow = flow;
}

void
concord_mapping_set_format (ConcordMapping *self,
                            guint           index,
                            const char     *format)
{
  ConcordMappingPair *pair;

  g_return_if_fail (self != NULL);
  g_return_if_fail (index < self->pairs->len);

  pair = pair_at (self, index);
  g_free (pair->format);
  pair->format = format != NULL && *format != '\0' ? g_strdup (format) : NULL;
  pair_update (pair);
}

void
concord_mapping_add_value (ConcordMapping *self,
                           guint           index,
                           const char     *value_a,
                           const char     *value_b)
{
  ConcordMappingPair *pair;

  g_return_if_fail (self != NULL);
  g_return_if_fail (index < self->pairs->len);
  g_return_if_fail (value_a != NULL && value_b != NULL);

  pair = pair_at (self, index);
  if (pair->value_pairs == NULL)
    pair->value_pairs = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (pair->value_pairs, g_strdup (value_a));
  g_ptr_array_add (pair->value_pairs, g_strdup (value_b));
  pair_update (pair);
}

void
concord_mapping_clear_values (ConcordMapping *self,
                              guint           index)
{
  ConcordMappingPair *pair;

  g_return_if_fail (self != NULL);
  g_return_if_fail (index < self->pairs->len);

  pair = pair_at (self, index);
  g_clear_pointer (&pair->value_pairs, g_ptr_array_unref);
  g_clear_pointer (&pair->fallback[0], g_free);
  g_clear_pointer (&pair->fallback[1], g_free);
  pair_update (pair);
}

/**
 * concord_mapping_set_fallback:
 * @side: the side the fallback is written to
 * @value: (nullable): what a value without a pairing becomes on @side;
 *   %NULL keeps such a value as it is
 */
void
concord_mapping_set_fallback (ConcordMapping *self,
                              guint           index,
                              ConcordSide     side,
                              const char     *value)
{
  ConcordMappingPair *pair;

  g_return_if_fail (self != NULL);
  g_return_if_fail (index < self->pairs->len);

  pair = pair_at (self, index);
  g_free (pair->fallback[side]);
  pair->fallback[side] = g_strdup (value);
  pair_update (pair);
}

ConcordMapping *
concord_mapping_copy (const ConcordMapping *self)
{
  ConcordMapping *copy = concord_mapping_new ();

  g_return_val_if_fail (self != NULL, copy);

  for (guint i = 0; i < self->pairs->len; i++)
    {
      const ConcordMappingPair *pair = concord_mapping_get_pair (self, i);
      guint index = concord_mapping_add (copy, g_quark_to_string (pair->key_a), pair->type_a,
                                         g_quark_to_string (pair->key_b), pair->type_b, pair->flow);
      ConcordMappingPair *to = pair_at (copy, index);

      to->format = g_strdup (pair->format);
      to->fallback[0] = g_strdup (pair->fallback[0]);
      to->fallback[1] = g_strdup (pair->fallback[1]);
      if (pair->value_pairs != NULL)
        {
          to->value_pairs = g_ptr_array_new_with_free_func (g_free);
          for (guint v = 0; v < pair->value_pairs->len; v++)
            g_ptr_array_add (to->value_pairs, g_strdup (g_ptr_array_index (pair->value_pairs, v)));
        }
      pair_update (to);
    }

  return copy;
}

guint
concord_mapping_get_n_pairs (const ConcordMapping *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->pairs->len;
}

const ConcordMappingPair *
concord_mapping_get_pair (const ConcordMapping *self,
                          guint                 index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->pairs->len, NULL);

  return &g_array_index (self->pairs, ConcordMappingPair, index);
}

/**
 * concord_mapping_find:
 *
 * Returns: the index of the first pair with @key on @side, or -1
 */
gint
concord_mapping_find (const ConcordMapping *self,
                      ConcordSide           side,
                      const char           *key)
{
  GQuark quark = g_quark_try_string (key);

  g_return_val_if_fail (self != NULL, -1);

  for (guint i = 0; quark != 0 && i < self->pairs->len; i++)
    if (g_array_index (self->keys[side], GQuark, i) == quark)
      return i;

  return -1;
}

/**
 * concord_mapping_get_keys:
 * @n_keys: (out): the number of keys
 *
 * The keys whose values the engine settles for @side: those of the pairs
 * in pair order, then the labelled sets their single fields are the
 * primaries of, when not mapped themselves ("emails" of a side that maps
 * "email" only).
 *
 * Returns: (transfer none) (array length=n_keys): the field keys of @side
 */
const GQuark *
concord_mapping_get_keys (const ConcordMapping *self,
                          ConcordSide           side,
                          guint                *n_keys)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (n_keys != NULL, NULL);

  *n_keys = self->keys[side]->len;
  return (const GQuark *) self->keys[side]->data;
}

/**
 * concord_mapping_is_identity:
 *
 * Returns: whether every pair passes values unchanged
 */
gboolean
concord_mapping_is_identity (const ConcordMapping *self)
{
  for (guint i = 0; i < self->pairs->len; i++)
    if (!concord_mapping_get_pair (self, i)->identity)
      return FALSE;

  return TRUE;
}

gboolean
concord_mapping_pair_flows (const ConcordMappingPair *pair,
                            ConcordSide               from)
{
  switch (pair->flow)
    {
    case CONCORD_PAIR_FLOW_BOTH:
      return TRUE;
    case CONCORD_PAIR_FLOW_A_TO_B:
      return from == CONCORD_SIDE_A;
    case CONCORD_PAIR_FLOW_B_TO_A:
      return from == CONCORD_SIDE_B;
    case CONCORD_PAIR_FLOW_OFF:
    default:
      return FALSE;
    }
}

guint
concord_mapping_pair_get_n_values (const ConcordMappingPair *pair)
{
  return pair->value_pairs != NULL ? pair->value_pairs->len / 2 : 0;
}

void
concord_mapping_pair_get_value (const ConcordMappingPair  *pair,
                                guint                      index,
                                const char               **value_a,
                                const char               **value_b)
{
  g_return_if_fail (index < concord_mapping_pair_get_n_values (pair));

  *value_a = g_ptr_array_index (pair->value_pairs, 2 * index);
  *value_b = g_ptr_array_index (pair->value_pairs, 2 * index + 1);
}

const char *
concord_mapping_pair_get_fallback (const ConcordMappingPair *pair,
                                   ConcordSide               side)
{
  return pair->fallback[side];
}

/**
 * concord_mapping_pair_convert:
 * @from: the side @in comes from
 * @out: (out caller-allocates): the value as the other side holds it
 *
 * Brings a value of one side of @pair into the form of the other: value
 * map first (on the value's text), then type conversion with the pair's
 * format.
 *
 * Returns: %FALSE with @error naming the reason when the value cannot be
 *   converted
 */
gboolean
concord_mapping_pair_convert (const ConcordMappingPair  *pair,
                              ConcordSide                from,
                              const ConcordValue        *in,
                              ConcordValue              *out,
                              GError                   **error)
{
  ConcordFieldType to = from == CONCORD_SIDE_A ? pair->type_b : pair->type_a;
  ConcordFieldType own = from == CONCORD_SIDE_A ? pair->type_a : pair->type_b;
  ConcordValue coerced = { 0 };
  gboolean ok;

  g_return_val_if_fail (in != NULL, FALSE);

  if (pair->identity)
    {
      concord_value_copy (in, out);
      return TRUE;
    }

  /* A value held as text by a field of another type ("1990-12-31" in a
   * date field) is read as that type first. */
  if (in->type != own && !(CONCORD_FIELD_TYPE_IS_TEXT (in->type) && CONCORD_FIELD_TYPE_IS_TEXT (own) &&
                           own != CONCORD_FIELD_TYPE_DATE && in->type != CONCORD_FIELD_TYPE_DATE) &&
      concord_value_convert (in, own, NULL, &coerced, NULL))
    {
      ok = concord_mapping_pair_convert (pair, from, &coerced, out, error);
      concord_value_clear (&coerced);
      return ok;
    }

  if (pair->values[from] != NULL && in->type != CONCORD_FIELD_TYPE_STRING_SET)
    {
      g_autofree char *text = concord_value_to_string (in);
      ConcordValue mapped = { .type = CONCORD_FIELD_TYPE_STRING };

      mapped.v.text = (char *) concord_value_map_apply (pair->values[from], text);
      return concord_value_convert (&mapped, to, pair->format, out, error);
    }

  return concord_value_convert (in, to, pair->format, out, error);
}

/**
 * concord_mapping_pair_agrees:
 * @va: (nullable): the value of side A, in A's form
 * @vb: (nullable): the value of side B, in B's form
 *
 * Returns: whether the two sides hold the same value as far as the pair
 *   can tell: either one, brought to the other's form, equals it. A value
 *   map that is not one-to-one so never makes two agreeing sides look
 *   different.
 */
gboolean
concord_mapping_pair_agrees (const ConcordMappingPair *pair,
                             const ConcordValue       *va,
                             const ConcordValue       *vb)
{
  if (pair->identity || va == NULL || vb == NULL)
    return concord_value_equal (va, vb);

  for (guint s = 0; s < 2; s++)
    {
      ConcordValue out = { 0 };
      gboolean equal;

      if (!concord_mapping_pair_convert (pair, s, s == 0 ? va : vb, &out, NULL))
        continue;
      equal = concord_value_equal (&out, s == 0 ? vb : va);
      concord_value_clear (&out);
      if (equal)
        return TRUE;
    }

  return FALSE;
}

/**
 * concord_field_types_convertible:
 *
 * Returns: whether a value of type @from can be converted to @to at all
 *   (a given value may still fail: "abc" is no number)
 */
gboolean
concord_field_types_convertible (ConcordFieldType from,
                                 ConcordFieldType to)
{
  gboolean free_text = from == CONCORD_FIELD_TYPE_STRING || from == CONCORD_FIELD_TYPE_ENUM;

  if (from == to)
    return TRUE;

  switch (to)
    {
    case CONCORD_FIELD_TYPE_STRING:
    case CONCORD_FIELD_TYPE_ENUM:
    case CONCORD_FIELD_TYPE_PHONE:
    case CONCORD_FIELD_TYPE_STRING_SET:
      return TRUE;
    case CONCORD_FIELD_TYPE_EMAIL:
      return free_text;
    case CONCORD_FIELD_TYPE_NUMBER:
    case CONCORD_FIELD_TYPE_BOOLEAN:
      return free_text || from == CONCORD_FIELD_TYPE_NUMBER || from == CONCORD_FIELD_TYPE_BOOLEAN;
    case CONCORD_FIELD_TYPE_DATE:
    case CONCORD_FIELD_TYPE_DATETIME:
      return free_text || from == CONCORD_FIELD_TYPE_DATE || from == CONCORD_FIELD_TYPE_DATETIME;
    default:
      return FALSE;
    }
}

/* ------------------------------------------------------------------------- */
/* Validation                                                                */
/* ------------------------------------------------------------------------- */

static gboolean
is_date_type (ConcordFieldType type)
{
  return type == CONCORD_FIELD_TYPE_DATE || type == CONCORD_FIELD_TYPE_DATETIME;
}

static gboolean
validate_pair (const ConcordMappingPair  *pair,
               const char                *path,
               GPtrArray                 *warnings,
               GError                   **error)
{
  const char *key_a = g_quark_to_string (pair->key_a);
  const char *key_b = g_quark_to_string (pair->key_b);

  for (guint s = 0; s < 2; s++)
    {
      ConcordFieldType from = s == 0 ? pair->type_a : pair->type_b;
      ConcordFieldType to = s == 0 ? pair->type_b : pair->type_a;

      if (concord_mapping_pair_flows (pair, s) && !concord_field_types_convertible (from, to))
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                       "%s: a %s (%s) cannot be written to a %s (%s)", path,
                       concord_field_type_to_string (from), s == 0 ? key_a : key_b,
                       concord_field_type_to_string (to), s == 0 ? key_b : key_a);
          return FALSE;
        }
    }

  if (pair->format != NULL)
    {
      gboolean dates = is_date_type (pair->type_a) != is_date_type (pair->type_b);
      gboolean sets = (pair->type_a == CONCORD_FIELD_TYPE_STRING_SET) !=
                      (pair->type_b == CONCORD_FIELD_TYPE_STRING_SET);
      static const char * const date_formats[] = {
        "YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY", "DD.MM.YYYY", NULL
      };

      if (dates && !g_strv_contains (date_formats, pair->format))
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                       "%s.format: “%s” is not a date format Concord knows "
                       "(YYYY-MM-DD, DD/MM/YYYY, MM/DD/YYYY, DD.MM.YYYY)", path, pair->format);
          return FALSE;
        }
      if (!dates && !sets)
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                       "%s.format: a format only applies between a date or a list and text", path);
          return FALSE;
        }
    }

  if (pair->values[0] != NULL)
    {
      if (pair->type_a == CONCORD_FIELD_TYPE_STRING_SET || pair->type_b == CONCORD_FIELD_TYPE_STRING_SET)
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                       "%s.values: value maps apply to single values, not to lists", path);
          return FALSE;
        }

      /* Both ways through a map that is not one-to-one: the way back
       * takes the first pairing; the sync stays stable, but say so. */
      if (warnings != NULL && pair->flow == CONCORD_PAIR_FLOW_BOTH)
        for (guint s = 0; s < 2; s++)
          {
            g_autofree char *clash = NULL;

            if (!concord_value_map_is_one_to_one (pair->values[s], &clash))
              g_ptr_array_add (warnings,
                               g_strdup_printf ("%s.values: %s; written back, the first pairing is used",
                                                path, clash));
          }
    }

  return TRUE;
}

/**
 * concord_mapping_validate:
 * @path: where the mapping is in its document ("mapping")
 * @warnings: (nullable) (element-type utf8): where to add what is allowed
 *   but worth telling (a two-way value map that is not one-to-one)
 *
 * Refuses pairs whose types cannot be converted the ways they flow, unknown
 * formats, value maps on lists, and a field written by two pairs.
 */
gboolean
concord_mapping_validate (const ConcordMapping  *self,
                          const char            *path,
                          GPtrArray             *warnings,
                          GError               **error)
{
  GHashTable *written[2];
  gboolean ok = TRUE;

  g_return_val_if_fail (self != NULL, FALSE);

  written[0] = g_hash_table_new (NULL, NULL);
  written[1] = g_hash_table_new (NULL, NULL);

  for (guint i = 0; ok && i < self->pairs->len; i++)
    {
      const ConcordMappingPair *pair = concord_mapping_get_pair (self, i);
      g_autofree char *pair_path = g_strdup_printf ("%s.pairs[%u]", path, i);

      if (!validate_pair (pair, pair_path, warnings, error))
        {
          ok = FALSE;
          break;
        }

      for (guint s = 0; s < 2; s++)
        {
          ConcordSide target = CONCORD_SIDE_OTHER (s);
          GQuark key = target == CONCORD_SIDE_A ? pair->key_a : pair->key_b;
          gpointer before;

          if (!concord_mapping_pair_flows (pair, s))
            continue;

          before = g_hash_table_lookup (written[target], GUINT_TO_POINTER (key));
          if (before != NULL)
            {
              g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "%s: “%s” on side %s is already written by pairs[%u]",
                           pair_path, g_quark_to_string (key), CONCORD_SIDE_NAME (target),
                           GPOINTER_TO_UINT (before) - 1);
              ok = FALSE;
              break;
            }
          g_hash_table_insert (written[target], GUINT_TO_POINTER (key), GUINT_TO_POINTER (i + 1));
        }
    }

  g_hash_table_unref (written[0]);
  g_hash_table_unref (written[1]);
  return ok;
}

/* ------------------------------------------------------------------------- */
/* JSON                                                                      */
/* ------------------------------------------------------------------------- */

static void
add_type (JsonBuilder *builder,
          const char  *member,
          GQuark       key,
          ConcordFieldType type)
{
  const ConcordFieldSpec *canonical = concord_fields_lookup (g_quark_to_string (key));

  /* The type of a standard field goes without saying. */
  if (canonical != NULL && canonical->type == type)
    return;

  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, concord_field_type_to_string (type));
}

JsonNode *
concord_mapping_to_json (const ConcordMapping *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (self != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "pairs");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->pairs->len; i++)
    {
      const ConcordMappingPair *pair = concord_mapping_get_pair (self, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "a");
      json_builder_add_string_value (builder, g_quark_to_string (pair->key_a));
      add_type (builder, "type_a", pair->key_a, pair->type_a);
      json_builder_set_member_name (builder, "b");
      json_builder_add_string_value (builder, g_quark_to_string (pair->key_b));
      add_type (builder, "type_b", pair->key_b, pair->type_b);
      json_builder_set_member_name (builder, "flow");
      json_builder_add_string_value (builder, concord_pair_flow_to_string (pair->flow));
      if (pair->format != NULL)
        {
          json_builder_set_member_name (builder, "format");
          json_builder_add_string_value (builder, pair->format);
        }
      if (concord_mapping_pair_get_n_values (pair) > 0)
        {
          json_builder_set_member_name (builder, "values");
          json_builder_begin_array (builder);
          for (guint v = 0; v < concord_mapping_pair_get_n_values (pair); v++)
            {
              const char *a, *b;

              concord_mapping_pair_get_value (pair, v, &a, &b);
              json_builder_begin_object (builder);
              json_builder_set_member_name (builder, "a");
              json_builder_add_string_value (builder, a);
              json_builder_set_member_name (builder, "b");
              json_builder_add_string_value (builder, b);
              json_builder_end_object (builder);
            }
          json_builder_end_array (builder);
        }
      for (guint s = 0; s < 2; s++)
        if (pair->fallback[s] != NULL)
          {
            json_builder_set_member_name (builder, s == 0 ? "default_a" : "default_b");
            json_builder_add_string_value (builder, pair->fallback[s]);
          }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static gboolean
read_field (JsonObject        *object,
            const char        *member,
            const char        *type_member,
            const char        *path,
            const char       **key,
            ConcordFieldType  *type,
            GError           **error)
{
  if ((*key = concord_json_get_string (object, member, path, TRUE, error)) == NULL)
    return FALSE;
  if (**key == '\0' || !g_utf8_validate (*key, -1, NULL) ||
      (concord_field_is_custom (*key) && (*key)[strlen (CONCORD_FIELD_CUSTOM_PREFIX)] == '\0'))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "%s.%s: not a field name", path, member);
      return FALSE;
    }

  return concord_json_get_field_type (object, *key, type_member, path, type, error);
}

/**
 * concord_mapping_new_from_json:
 * @path: where @node is in its document, for messages ("mapping")
 *
 * Reads a mapping and validates it (concord_mapping_validate()).
 *
 * Returns: (transfer full) (nullable): the mapping
 */
ConcordMapping *
concord_mapping_new_from_json (JsonNode    *node,
                               const char  *path,
                               GError     **error)
{
  static const char * const members[] = { "pairs", NULL };
  static const char * const pair_members[] = {
    "a", "type_a", "b", "type_b", "flow", "format", "values", "default_a", "default_b", NULL
  };
  static const char * const value_members[] = { "a", "b", NULL };
  g_autoptr(ConcordMapping) self = concord_mapping_new ();
  JsonObject *object;
  JsonArray *pairs;

  if ((object = concord_json_get_object (node, path, error)) == NULL ||
      !concord_json_check_members (object, path, members, error))
    return NULL;

  pairs = concord_json_get_array (object, "pairs", path, error);
  if (pairs == NULL && error != NULL && *error != NULL)
    return NULL;

  for (guint i = 0; pairs != NULL && i < json_array_get_length (pairs); i++)
    {
      g_autofree char *pair_path = g_strdup_printf ("%s.pairs[%u]", path, i);
      JsonObject *po;
      const char *key_a, *key_b, *flow_name, *format;
      ConcordFieldType type_a, type_b;
      ConcordPairFlow flow = CONCORD_PAIR_FLOW_BOTH;
      JsonArray *values;
      guint index;

      if ((po = concord_json_get_object (json_array_get_element (pairs, i), pair_path, error)) == NULL ||
          !concord_json_check_members (po, pair_path, pair_members, error) ||
          !read_field (po, "a", "type_a", pair_path, &key_a, &type_a, error) ||
          !read_field (po, "b", "type_b", pair_path, &key_b, &type_b, error))
        return NULL;

      flow_name = concord_json_get_string (po, "flow", pair_path, FALSE, error);
      if (flow_name == NULL && error != NULL && *error != NULL)
        return NULL;
      if (flow_name != NULL && !concord_pair_flow_from_string (flow_name, &flow))
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                       "%s.flow: “%s” is none of both, a-to-b, b-to-a, off", pair_path, flow_name);
          return NULL;
        }

      index = concord_mapping_add (self, key_a, type_a, key_b, type_b, flow);

      format = concord_json_get_string (po, "format", pair_path, FALSE, error);
      if (format == NULL && error != NULL && *error != NULL)
        return NULL;
      concord_mapping_set_format (self, index, format);

      for (guint s = 0; s < 2; s++)
        {
          const char *fallback = concord_json_get_string (po, s == 0 ? "default_a" : "default_b",
                                                          pair_path, FALSE, error);

          if (fallback == NULL && error != NULL && *error != NULL)
            return NULL;
          if (fallback != NULL)
            concord_mapping_set_fallback (self, index, s, fallback);
        }

      values = concord_json_get_array (po, "values", pair_path, error);
      if (values == NULL && error != NULL && *error != NULL)
        return NULL;
      for (guint v = 0; values != NULL && v < json_array_get_length (values); v++)
        {
          g_autofree char *value_path = g_strdup_printf ("%s.values[%u]", pair_path, v);
          JsonObject *vo;
          const char *a, *b;

          if ((vo = concord_json_get_object (json_array_get_element (values, v), value_path, error)) == NULL ||
              !concord_json_check_members (vo, value_path, value_members, error) ||
              (a = concord_json_get_string (vo, "a", value_path, TRUE, error)) == NULL ||
              (b = concord_json_get_string (vo, "b", value_path, TRUE, error)) == NULL)
            return NULL;
          concord_mapping_add_value (self, index, a, b);
        }
    }

  if (!concord_mapping_validate (self, path, NULL, error))
    return NULL;

  return g_steal_pointer (&self);
}

/* ------------------------------------------------------------------------- */
/* Automatic mapping                                                         */
/* ------------------------------------------------------------------------- */

/* Names that mean the same field, normalised (see normalize_name()). */
static const char * const synonyms[][8] = {
  { "company", "organization", "organisation", "companyname", "org", "orgname", "employer", NULL },
  { "phone", "telephone", "phonenumber", "tel", "workphone", "officephone", NULL },
  { "mobile", "mobilephone", "mobilephonenumber", "mobilenumber", "cellphone", "cell", NULL },
  { "firstname", "givenname", "forename", NULL },
  { "lastname", "surname", "familyname", NULL },
  { "jobtitle", "title", "position", "role", NULL },
  { "website", "url", "web", "homepage", "websiteurl", NULL },
  { "addressstreet", "street", "address", "streetaddress", NULL },
  { "addresscity", "city", "town", NULL },
  { "addressregion", "region", "state", "province", "stateregion", "stateorregion", NULL },
  { "addresspostalcode", "postalcode", "zip", "zipcode", "postcode", NULL },
  { "addresscountry", "country", "countryregion", NULL },
  { "birthday", "dateofbirth", "birthdate", "dob", NULL },
  { "notes", "note", "comments", "comment", NULL },
  /* An email tool's lists and a CRM's tags or labels: names given to a
   * contact, a set onto a set. */
  { "lists", "tags", "labels", NULL },
};

/* Groups close enough to pair when nothing closer is left: a "Mobile"
 * field and a "Phone" field, as indexes of synonyms[]. */
static const guint related[][2] = {
  { 1, 2 },
};

/* Parts of a normalised name that say a field may hold whether the
 * contact gets email: HubSpot's "Marketing contact status" or
 * "Unsubscribed from all email", an "Email opt out" yes or no. */
static const char * const subscription_words[] = {
  "subscri", "optout", "optin", "marketingstatus", "marketingcontactstatus", "emailstatus",
  "donotemail", "marketable", NULL
};

/* How many distinct values of one field a sample gives at most: enough to
 * judge a pick list, bounded on a sample of any size. */
#define MAX_SEEN_VALUES 500

/* Lower case, without accents, spaces, underscores, hyphens, dots or
 * slashes, the same in every locale: "Müşteri_Tipi" and "MUSTERI TIPI"
 * are one name, in Turkish too (Unicode case folding, not the locale's
 * lower case, and the dot of "İ" is an accent). */
static char *
normalize_name (const char *name)
{
  g_autofree char *decomposed = g_utf8_normalize (name, -1, G_NORMALIZE_NFKD);
  g_autofree char *folded = g_utf8_casefold (decomposed != NULL ? decomposed : "", -1);
  GString *out = g_string_new (NULL);

  for (const char *p = folded; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      GUnicodeType type = g_unichar_type (c);

      if (g_unichar_isspace (c) || c == '_' || c == '-' || c == '.' || c == '/' ||
          type == G_UNICODE_NON_SPACING_MARK || type == G_UNICODE_SPACING_MARK ||
          type == G_UNICODE_ENCLOSING_MARK)
        continue;
      g_string_append_unichar (out, c);
    }

  return g_string_free (out, FALSE);
}

typedef struct
{
  const ConcordFieldSpec *spec;
  char                   *names[2];   /* normalised key and label */
  gint                    synonym[2]; /* synonym group of each, or -1 */
  gboolean                mapped;
  char                   *reason;     /* why a candidate was refused */
  GHashTable             *options;    /* (owned) (nullable) normalised option value or label → index + 1 */
  GPtrArray              *seen;       /* (owned) (nullable) of ConcordValue*: the distinct values
                                       * of the sample, made on first use */
} AutoField;

typedef struct
{
  GArray    *fields;  /* (owned) of AutoField */
  GPtrArray *sample;  /* (nullable) (element-type ConcordRecord) */
} AutoSide;

typedef struct
{
  ConcordMapping *mapping;
  AutoSide        sides[2];
} AutoContext;

static gint
synonym_group (const char *name)
{
  for (guint g = 0; g < G_N_ELEMENTS (synonyms); g++)
    for (guint i = 0; synonyms[g][i] != NULL; i++)
      if (g_str_equal (synonyms[g][i], name))
        return g;

  return -1;
}

static void
auto_field_init (AutoField              *field,
                 const ConcordFieldSpec *spec)
{
  const char *key = spec->key;

  if (concord_field_is_custom (key))
    key += strlen (CONCORD_FIELD_CUSTOM_PREFIX);

  field->spec = spec;
  field->names[0] = normalize_name (key);
  field->names[1] = normalize_name (spec->label != NULL ? spec->label : key);
  field->synonym[0] = synonym_group (field->names[0]);
  field->synonym[1] = synonym_group (field->names[1]);
}

static void
seen_value_free (gpointer data)
{
  concord_value_clear (data);
  g_free (data);
}

static void
auto_field_clear (AutoField *field)
{
  g_free (field->names[0]);
  g_free (field->names[1]);
  g_free (field->reason);
  g_clear_pointer (&field->seen, g_ptr_array_unref);
  g_clear_pointer (&field->options, g_hash_table_unref);
}

static void
set_reason (AutoField  *field,
            char       *reason)
{
  g_free (field->reason);
  field->reason = reason;
}

/* The distinct values of @field in its side's sample (a set's members one
 * by one, without their labels), or %NULL without a sample. */
static GPtrArray *
values_seen (AutoContext *ctx,
             ConcordSide  side,
             AutoField   *field)
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

static gboolean
same_name (const AutoField *a,
           const AutoField *b)
{
  for (guint i = 0; i < 2; i++)
    for (guint j = 0; j < 2; j++)
      if (*a->names[i] != '\0' && g_str_equal (a->names[i], b->names[j]))
        return TRUE;

  return FALSE;
}

static gboolean
same_synonym (const AutoField *a,
              const AutoField *b)
{
  for (guint i = 0; i < 2; i++)
    for (guint j = 0; j < 2; j++)
      if (a->synonym[i] >= 0 && a->synonym[i] == b->synonym[j])
        return TRUE;

  return FALSE;
}

static gboolean
related_synonym (const AutoField *a,
                 const AutoField *b)
{
  for (guint r = 0; r < G_N_ELEMENTS (related); r++)
    for (guint i = 0; i < 2; i++)
      for (guint j = 0; j < 2; j++)
        if ((a->synonym[i] == (gint) related[r][0] && b->synonym[j] == (gint) related[r][1]) ||
            (a->synonym[i] == (gint) related[r][1] && b->synonym[j] == (gint) related[r][0]))
          return TRUE;

  return FALSE;
}

static gboolean
same_key (const AutoField *a,
          const AutoField *b)
{
  return g_str_equal (a->spec->key, b->spec->key);
}

static gboolean
is_texty (ConcordFieldType type)
{
  return type == CONCORD_FIELD_TYPE_STRING || type == CONCORD_FIELD_TYPE_ENUM ||
         type == CONCORD_FIELD_TYPE_PHONE;
}

/* Types the automatic mapping pairs without looking at values: the same,
 * two kinds of plain text, or a date and a date-time. */
static gboolean
types_safe (ConcordFieldType a,
            ConcordFieldType b)
{
  return a == b || (is_texty (a) && is_texty (b)) || (is_date_type (a) && is_date_type (b));
}

static gboolean
has_choices (const ConcordFieldSpec *spec)
{
  return spec->choices != NULL && spec->choices[0] != NULL;
}

/* The option of pick list @field that @text is, by its value or its
 * label, ignoring case, accents and spaces; -1 if none. The options'
 * names are normalised once, on first use. */
static gint
find_option (AutoField  *field,
             const char *text)
{
  const ConcordFieldSpec *spec = field->spec;
  g_autofree char *wanted = normalize_name (text);
  gpointer index;

  if (field->options == NULL)
    {
      guint n_labels = spec->choice_labels != NULL ? g_strv_length (spec->choice_labels) : 0;

      field->options = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (guint i = 0; spec->choices != NULL && spec->choices[i] != NULL; i++)
        for (guint n = 0; n < 2; n++)
          {
            const char *name = n == 0 ? spec->choices[i] : i < n_labels ? spec->choice_labels[i] : NULL;
            char *normal = name != NULL ? normalize_name (name) : NULL;

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

static const char *
option_label (const ConcordFieldSpec *spec,
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
values_among_options (AutoContext  *ctx,
                      ConcordSide   from_side,
                      AutoField    *from,
                      AutoField    *to,
                      GPtrArray    *value_pairs,
                      char        **reason)
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
  else if (has_choices (from->spec))
    for (guint i = 0; from->spec->choices[i] != NULL; i++)
      {
        /* An option is the value it is written as, shown as its label. */
        g_ptr_array_add (texts, g_strdup (from->spec->choices[i]));
        g_ptr_array_add (labels, (gpointer) option_label (from->spec, i));
      }

  /* Nothing known of the values: text is text (a value that is no option
   * is then refused by the app, contact by contact, and journalled). */
  if (texts->len == 0)
    return TRUE;

  for (guint i = 0; i < texts->len; i++)
    {
      const char *text = g_ptr_array_index (texts, i);
      const char *label = g_ptr_array_index (labels, i);
      gint option = find_option (to, text);

      if (option < 0 && label != NULL)
        option = find_option (to, label);
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
          by_label = by_label || !g_str_equal (option_label (to->spec, option), to->spec->choices[option]);
        }
    }

  /* Values written as labels: the options not seen yet are labels too. */
  for (guint i = 0; by_label && to->spec->choices[i] != NULL; i++)
    {
      const char *label = option_label (to->spec, i);

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
values_convert (AutoContext  *ctx,
                ConcordSide   from_side,
                AutoField    *from,
                AutoField    *to,
                char        **reason)
{
  ConcordFieldType type_from = from->spec->type;
  ConcordFieldType type_to = to->spec->type;
  GPtrArray *seen;

  if (types_safe (type_from, type_to) ||
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
values_are_lists (AutoContext  *ctx,
                  ConcordSide   from_side,
                  AutoField    *from,
                  AutoField    *lists,
                  char        **reason)
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
    g_hash_table_add (names, normalize_name (((ConcordValue *) g_ptr_array_index (known, i))->v.text));
  for (guint i = 0; lists->spec->choices != NULL && lists->spec->choices[i] != NULL; i++)
    g_hash_table_add (names, normalize_name (lists->spec->choices[i]));

  for (guint i = 0; i < seen->len; i++)
    {
      const ConcordValue *value = g_ptr_array_index (seen, i);
      g_autofree char *name = normalize_name (value->v.text);

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
static gboolean
direction_ok (AutoContext  *ctx,
              ConcordSide   from_side,
              AutoField    *from,
              AutoField    *to,
              GPtrArray    *value_pairs,
              char        **reason)
{
  gboolean canonical = !concord_field_is_custom (from->spec->key) &&
                       !concord_field_is_custom (to->spec->key);

  /* An email tool's lists are made by people, not by a sync (Elastic
   * Email refuses a contact in a list it does not have): tags become
   * lists only when each is one already. */
  if (g_str_equal (to->spec->key, CONCORD_FIELD_LISTS) && !g_str_equal (from->spec->key, CONCORD_FIELD_LISTS))
    return values_are_lists (ctx, from_side, from, to, reason);

  if (!canonical && has_choices (to->spec) && to->spec->type != CONCORD_FIELD_TYPE_STRING_SET &&
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

static gboolean
value_pair_known (GPtrArray  *value_pairs,
                  const char *a,
                  const char *b)
{
  for (guint i = 0; i + 1 < value_pairs->len; i += 2)
    if (g_str_equal (g_ptr_array_index (value_pairs, i), a) ||
        g_str_equal (g_ptr_array_index (value_pairs, i + 1), b))
      return TRUE;

  return FALSE;
}

static gboolean
auto_pair (AutoContext *ctx,
           AutoField   *a,
           AutoField   *b)
{
  g_autoptr(GPtrArray) value_pairs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) unique = g_ptr_array_new ();
  ConcordPairFlow flow;
  guint index;

  if (a->spec->read_only && b->spec->read_only)
    {
      set_reason (a, g_strdup_printf ("read-only on both sides (“%s” on the other side)", b->spec->label));
      set_reason (b, g_strdup_printf ("read-only on both sides (“%s” on the other side)", a->spec->label));
      return FALSE;
    }

  /* A read-only field is only ever a source. */
  if (a->spec->read_only)
    flow = CONCORD_PAIR_FLOW_A_TO_B;
  else if (b->spec->read_only)
    flow = CONCORD_PAIR_FLOW_B_TO_A;
  else
    flow = CONCORD_PAIR_FLOW_BOTH;

  for (guint s = 0; s < 2; s++)
    {
      AutoField *from = s == CONCORD_SIDE_A ? a : b;
      AutoField *to = s == CONCORD_SIDE_A ? b : a;
      char *reason = NULL;

      if (flow != CONCORD_PAIR_FLOW_BOTH && flow != (s == CONCORD_SIDE_A ? CONCORD_PAIR_FLOW_A_TO_B
                                                                          : CONCORD_PAIR_FLOW_B_TO_A))
        continue;
      if (!direction_ok (ctx, s, from, to, value_pairs, &reason))
        {
          set_reason (from, reason);
          set_reason (to, g_strdup (reason));
          return FALSE;
        }
    }

  index = concord_mapping_add (ctx->mapping, a->spec->key, a->spec->type, b->spec->key, b->spec->type, flow);
  for (guint i = 0; i + 1 < value_pairs->len; i += 2)
    {
      const char *va = g_ptr_array_index (value_pairs, i);
      const char *vb = g_ptr_array_index (value_pairs, i + 1);

      /* Each value once: the first pairing wins. */
      if (value_pair_known (unique, va, vb))
        continue;
      g_ptr_array_add (unique, (gpointer) va);
      g_ptr_array_add (unique, (gpointer) vb);
      concord_mapping_add_value (ctx->mapping, index, va, vb);
    }
  a->mapped = b->mapped = TRUE;
  return TRUE;
}

typedef gboolean (*AutoMatch) (const AutoField *a, const AutoField *b);

/* The unmapped fields of @side that @match pairs with @field (of the other
 * side), in schema order. */
static GPtrArray *
candidates (AutoContext     *ctx,
            ConcordSide      side,
            const AutoField *field,
            AutoMatch        match)
{
  GArray *fields = ctx->sides[side].fields;
  GPtrArray *found = g_ptr_array_new ();

  for (guint i = 0; i < fields->len; i++)
    {
      AutoField *other = &g_array_index (fields, AutoField, i);

      if (!other->mapped && (side == CONCORD_SIDE_B ? match (field, other) : match (other, field)))
        g_ptr_array_add (found, other);
    }

  return found;
}

static char *
ambiguous_reason (GPtrArray *fields)
{
  const AutoField *first = g_ptr_array_index (fields, 0);
  const AutoField *second = g_ptr_array_index (fields, 1);

  return g_strdup_printf ("ambiguous: “%s” and “%s” on the other side both match it; "
                          "map the one you mean by hand", first->spec->label, second->spec->label);
}

/* Leaves @field and the several fields of the other side that match it
 * alone, each saying why. */
static void
mark_ambiguous (AutoField *field,
                GPtrArray *matches)
{
  set_reason (field, ambiguous_reason (matches));
  for (guint i = 0; i < matches->len; i++)
    set_reason (g_ptr_array_index (matches, i),
                g_strdup_printf ("ambiguous: another field of this app also matches “%s” on the other "
                                 "side; map the one you mean by hand", field->spec->label));
}

static void
run_pass (AutoContext *ctx,
          AutoMatch    match,
          gboolean     refuse_ambiguous)
{
  GArray *fields_a = ctx->sides[CONCORD_SIDE_A].fields;

  for (guint i = 0; i < fields_a->len; i++)
    {
      AutoField *a = &g_array_index (fields_a, AutoField, i);
      g_autoptr(GPtrArray) found_b = NULL;
      g_autoptr(GPtrArray) found_a = NULL;

      if (a->mapped)
        continue;

      found_b = candidates (ctx, CONCORD_SIDE_B, a, match);
      if (found_b->len == 0)
        continue;

      if (refuse_ambiguous && found_b->len == 1)
        found_a = candidates (ctx, CONCORD_SIDE_A, g_ptr_array_index (found_b, 0), match);

      if (refuse_ambiguous && found_b->len > 1)
        {
          mark_ambiguous (a, found_b);
          continue;
        }
      if (found_a != NULL && found_a->len > 1)
        {
          mark_ambiguous (g_ptr_array_index (found_b, 0), found_a);
          continue;
        }

      /* Without ambiguity, the first candidate whose values convert. */
      for (guint j = 0; j < found_b->len; j++)
        if (auto_pair (ctx, a, g_ptr_array_index (found_b, j)))
          break;
    }
}

static AutoField *
find_field (AutoContext *ctx,
            ConcordSide  side,
            const char  *key)
{
  GArray *fields = ctx->sides[side].fields;

  for (guint i = 0; i < fields->len; i++)
    if (g_str_equal (g_array_index (fields, AutoField, i).spec->key, key))
      return &g_array_index (fields, AutoField, i);

  return NULL;
}

static gboolean
looks_like_subscription (const AutoField *field)
{
  for (guint n = 0; n < 2; n++)
    for (guint i = 0; subscription_words[i] != NULL; i++)
      if (strstr (field->names[n], subscription_words[i]) != NULL)
        return TRUE;

  return FALSE;
}

/* Whether every option of pick list @spec is a status of @status. */
static gboolean
options_are_statuses (const ConcordFieldSpec *spec,
                      AutoField              *status)
{
  if (!has_choices (spec) || !has_choices (status->spec))
    return FALSE;

  for (guint i = 0; spec->choices[i] != NULL; i++)
    if (find_option (status, spec->choices[i]) < 0 && find_option (status, option_label (spec, i)) < 0)
      return FALSE;

  return TRUE;
}

static char *
options_text (const ConcordFieldSpec *spec)
{
  GString *text = g_string_new (NULL);
  guint n = 0;

  for (guint i = 0; spec->choices != NULL && spec->choices[i] != NULL && n < 3; i++, n++)
    g_string_append_printf (text, "%s“%s”", n > 0 ? ", " : "", option_label (spec, i));
  if (spec->choices != NULL && g_strv_length (spec->choices) > 3)
    g_string_append (text, ", …");

  return g_string_free (text, FALSE);
}

/* The subscription state when only one side has "status": another field
 * of the other side may hold it, a pick list or a yes or no. It is paired
 * only when that is unambiguous (one such field, a pick list whose every
 * option is a status Concord knows); anything else would guess which
 * value means unsubscribed, and a wrong guess subscribes people again. */
static void
pair_subscription (AutoContext *ctx)
{
  for (guint s = 0; s < 2; s++)
    {
      ConcordSide other = CONCORD_SIDE_OTHER (s);
      AutoField *status = find_field (ctx, s, CONCORD_FIELD_STATUS);
      GArray *fields = ctx->sides[other].fields;
      g_autoptr(GPtrArray) found = g_ptr_array_new ();
      AutoField *candidate;

      if (status == NULL || status->mapped || find_field (ctx, other, CONCORD_FIELD_STATUS) != NULL)
        continue;

      for (guint i = 0; i < fields->len; i++)
        {
          AutoField *field = &g_array_index (fields, AutoField, i);

          if (!field->mapped && looks_like_subscription (field) &&
              (field->spec->type == CONCORD_FIELD_TYPE_ENUM || field->spec->type == CONCORD_FIELD_TYPE_BOOLEAN))
            g_ptr_array_add (found, field);
        }

      if (found->len == 0)
        continue;

      if (found->len > 1)
        {
          const AutoField *first = g_ptr_array_index (found, 0);
          const AutoField *second = g_ptr_array_index (found, 1);

          set_reason (status, g_strdup_printf ("ambiguous: “%s” and “%s” on the other side may both hold "
                                               "the subscription state; map the one you mean by hand",
                                               first->spec->label, second->spec->label));
          for (guint i = 0; i < found->len; i++)
            set_reason (g_ptr_array_index (found, i),
                        g_strdup_printf ("ambiguous: several fields of this app may hold the subscription "
                                         "state of “%s” on the other side; map the one you mean by hand",
                                         status->spec->label));
          continue;
        }

      candidate = g_ptr_array_index (found, 0);
      if (candidate->spec->type == CONCORD_FIELD_TYPE_BOOLEAN)
        {
          set_reason (candidate, g_strdup_printf ("a yes or no cannot say which “%s” to write back "
                                                  "(unsubscribed, bounced, complained…); map it by hand "
                                                  "with a value for each if you want it",
                                                  status->spec->label));
          set_reason (status, g_strdup_printf ("“%s” on the other side is a yes or no, not a status; "
                                               "map it by hand if it holds the subscription state",
                                               candidate->spec->label));
          continue;
        }

      if (!options_are_statuses (candidate->spec, status))
        {
          g_autofree char *options = options_text (candidate->spec);

          set_reason (candidate, g_strdup_printf ("its options (%s) are not statuses of “%s”, so which "
                                                  "one means unsubscribed would be a guess; map it by "
                                                  "hand with a value for each",
                                                  options, status->spec->label));
          set_reason (status, g_strdup_printf ("“%s” on the other side may hold the subscription "
                                               "state, but its options are not statuses; map it by hand",
                                               candidate->spec->label));
          continue;
        }

      /* Every option a status: the values say it, as between two
       * "status" fields. */
      if (s == CONCORD_SIDE_A)
        auto_pair (ctx, status, candidate);
      else
        auto_pair (ctx, candidate, status);
    }
}

/* Why a labelled set that is not mapped still syncs: the engine keeps it
 * in step with its single field (concord_record_normalize_multi()). */
static char *
companion_reason (AutoContext *ctx,
                  ConcordSide  side,
                  AutoField   *field)
{
  const char *single = NULL;

  if (g_str_equal (field->spec->key, CONCORD_FIELD_EMAILS))
    single = CONCORD_FIELD_EMAIL;
  else if (g_str_equal (field->spec->key, CONCORD_FIELD_PHONES))
    single = CONCORD_FIELD_PHONE;

  if (single != NULL)
    {
      AutoField *primary = find_field (ctx, side, single);

      if ((primary == NULL || !primary->mapped) && g_str_equal (single, CONCORD_FIELD_PHONE))
        primary = find_field (ctx, side, CONCORD_FIELD_MOBILE);
      if (primary != NULL && primary->mapped)
        return g_strdup_printf ("the other app has one per contact: “%s”, the primary one, is mapped "
                                "and this list is kept in step with it", primary->spec->label);
    }

  return NULL;
}

/**
 * concord_mapping_new_auto_sampled:
 * @schema_a: (element-type ConcordFieldSpec): the fields of side A
 * @schema_b: (element-type ConcordFieldSpec): the fields of side B
 * @sample_a: (nullable) (element-type ConcordRecord): contacts of side A as
 *   its connector reads them (the first page or so is enough)
 * @sample_b: (nullable) (element-type ConcordRecord): contacts of side B
 * @unmapped: (out) (optional) (transfer full) (element-type ConcordUnmappedField):
 *   every field left unmapped, with the reason
 *
 * Maps as many fields as it safely can: the same key first, then the same
 * name (ignoring case, accents, spaces, underscores, hyphens, in any
 * locale), then a synonym ("Company" and "Organization", "Lists" and
 * "Tags"), then a related name ("Mobile" and "Phone", when neither has a
 * closer partner left). Two candidates of one name on a side are
 * ambiguous: neither is paired. A field read-only on one side flows from
 * there only, never into it.
 *
 * A pair is made only when the values that flow arrive. Between types
 * whose whole domain converts (text and text, a number and text, a date
 * and a date-time) that is always so. Otherwise, for the custom fields,
 * the values decide: a text field onto a number, a date or a yes or no
 * when every value of the sample converts; onto a pick list when every
 * value of the sample is one of its options, by value or by label (a
 * value map then writes the option's value). A sample with no value in
 * the field decides nothing, and the pair is left alone.
 *
 * Without a sample (@sample_X %NULL), or when no contact of the sample
 * has a value in the field, the decision is by type only: text pairs with
 * text and with a pick list (a value that is not an option is refused by
 * the app, contact by contact), a pick list with a pick list only when
 * all its options are among the other's, and text never goes onto a
 * number, a date or a yes or no. A sample so adds the pairs whose values
 * convert, refuses a pick list that does not hold the values, and adds the
 * value map from labels to option values. The canonical fields ("status",
 * "lists", …) of two apps speak the same vocabulary and pair by type.
 *
 * Lists and tags: a set onto a set, both ways, when every tag seen is a
 * list already (seen in the lists' own sample, or an option of the
 * "lists" field): an email tool makes no list by itself, and refuses a
 * contact in a list it lacks. Otherwise, and without a sample, they are
 * left alone with the reason (one way only would overwrite the tags).
 *
 * The subscription state: "status" pairs with "status". When only one
 * side has it, a pick list of the other side named like a subscription
 * ("Marketing contact status", "Email opt out") is paired only if it is
 * the only one and every option is one of the statuses; a yes or no, or
 * options that are not statuses, are left alone with the reason.
 *
 * Returns: (transfer full): the mapping
 */
ConcordMapping *
concord_mapping_new_auto_sampled (GPtrArray  *schema_a,
                                  GPtrArray  *schema_b,
                                  GPtrArray  *sample_a,
                                  GPtrArray  *sample_b,
                                  GPtrArray **unmapped)
{
  AutoContext ctx = { .mapping = concord_mapping_new () };

  g_return_val_if_fail (schema_a != NULL, ctx.mapping);
  g_return_val_if_fail (schema_b != NULL, ctx.mapping);

  ctx.sides[CONCORD_SIDE_A].sample = sample_a;
  ctx.sides[CONCORD_SIDE_B].sample = sample_b;
  for (guint s = 0; s < 2; s++)
    {
      GPtrArray *schema = s == 0 ? schema_a : schema_b;
      GArray *fields = g_array_sized_new (FALSE, TRUE, sizeof (AutoField), schema->len);

      g_array_set_clear_func (fields, (GDestroyNotify) auto_field_clear);
      g_array_set_size (fields, schema->len);
      for (guint i = 0; i < schema->len; i++)
        auto_field_init (&g_array_index (fields, AutoField, i), g_ptr_array_index (schema, i));
      ctx.sides[s].fields = fields;
    }

  run_pass (&ctx, same_key, FALSE);
  run_pass (&ctx, same_name, TRUE);
  run_pass (&ctx, same_synonym, TRUE);
  run_pass (&ctx, related_synonym, TRUE);
  pair_subscription (&ctx);

  if (unmapped != NULL)
    {
      *unmapped = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_unmapped_field_free);

      for (guint s = 0; s < 2; s++)
        for (guint i = 0; i < ctx.sides[s].fields->len; i++)
          {
            AutoField *f = &g_array_index (ctx.sides[s].fields, AutoField, i);
            ConcordUnmappedField *report;
            char *companion;

            if (f->mapped)
              continue;

            companion = f->reason == NULL ? companion_reason (&ctx, s, f) : NULL;
            report = g_new0 (ConcordUnmappedField, 1);
            report->side = s;
            report->key = g_strdup (f->spec->key);
            report->label = g_strdup (f->spec->label);
            report->reason = f->reason != NULL ? g_strdup (f->reason)
                           : companion != NULL ? companion
                           : g_strdup ("no field of that name on the other side");
            g_ptr_array_add (*unmapped, report);
          }
    }

  g_array_unref (ctx.sides[0].fields);
  g_array_unref (ctx.sides[1].fields);

  return ctx.mapping;
}

/**
 * concord_mapping_new_auto:
 * @schema_a: (element-type ConcordFieldSpec): the fields of side A
 * @schema_b: (element-type ConcordFieldSpec): the fields of side B
 * @unmapped: (out) (optional) (transfer full) (element-type ConcordUnmappedField):
 *   every field left unmapped, with the reason
 *
 * The automatic mapping decided by the fields' types alone, without a
 * sample of values: see concord_mapping_new_auto_sampled().
 *
 * Returns: (transfer full): the mapping
 */
ConcordMapping *
concord_mapping_new_auto (GPtrArray  *schema_a,
                          GPtrArray  *schema_b,
                          GPtrArray **unmapped)
{
  return concord_mapping_new_auto_sampled (schema_a, schema_b, NULL, NULL, unmapped);
}

/**
 * concord_mapping_new_default:
 *
 * Returns: (transfer full): the automatic mapping of two schemas
 */
ConcordMapping *
concord_mapping_new_default (GPtrArray *schema_a,
                             GPtrArray *schema_b)
{
  return concord_mapping_new_auto (schema_a, schema_b, NULL);
}
