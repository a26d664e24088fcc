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
 *
 * This file holds the mapping and its pairs; checking one and its JSON
 * form are in concord-mapping-json.c, the automatic mapping in
 * concord-mapping-auto.c and concord-mapping-auto-values.c.
 */

#define G_LOG_DOMAIN "concord-mapping"

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-fields.h"
#include "concord-json-private.h"
#include "concord-mapping-private.h"

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
