/* concord-mapping.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The field mapping of a connection: pairs of fields, one per side, each
 * with the ways it flows. The default mapping pairs every field both apps
 * have under the same canonical or custom name, and never flows into a
 * field its app computes itself (read-only).
 */

#define G_LOG_DOMAIN "concord-mapping"

#include "config.h"

#include "concord-mapping.h"

struct _ConcordMapping
{
  gatomicrefcount  ref_count;
  GArray          *pairs;    /* (owned) of ConcordMappingPair */
  GArray          *keys[2];  /* (owned) of GQuark, the keys of each side in pair order */
};

ConcordMapping *
concord_mapping_new (void)
{
  ConcordMapping *self = g_new0 (ConcordMapping, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->pairs = g_array_new (FALSE, FALSE, sizeof (ConcordMappingPair));
  self->keys[0] = g_array_new (FALSE, FALSE, sizeof (GQuark));
  self->keys[1] = g_array_new (FALSE, FALSE, sizeof (GQuark));

  return self;
}

static const ConcordFieldSpec *
find_spec (GPtrArray  *schema,
           const char *key)
{
  for (guint i = 0; schema != NULL && i < schema->len; i++)
    {
      const ConcordFieldSpec *spec = g_ptr_array_index (schema, i);

      if (g_str_equal (spec->key, key))
        return spec;
    }

  return NULL;
}

/**
 * concord_mapping_new_default:
 * @schema_a: (element-type ConcordFieldSpec): the fields of side A
 * @schema_b: (element-type ConcordFieldSpec): the fields of side B
 *
 * Returns: (transfer full): every field both sides share, by name
 */
ConcordMapping *
concord_mapping_new_default (GPtrArray *schema_a,
                             GPtrArray *schema_b)
{
  ConcordMapping *self = concord_mapping_new ();

  g_return_val_if_fail (schema_a != NULL, self);
  g_return_val_if_fail (schema_b != NULL, self);

  for (guint i = 0; i < schema_a->len; i++)
    {
      const ConcordFieldSpec *a = g_ptr_array_index (schema_a, i);
      const ConcordFieldSpec *b = find_spec (schema_b, a->key);
      ConcordPairFlow flow;

      if (b == NULL || (a->read_only && b->read_only))
        continue;

      if (a->read_only)
        flow = CONCORD_PAIR_FLOW_A_TO_B;
      else if (b->read_only)
        flow = CONCORD_PAIR_FLOW_B_TO_A;
      else
        flow = CONCORD_PAIR_FLOW_BOTH;

      concord_mapping_add (self, a->key, a->type, b->key, b->type, flow);
    }

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

void
concord_mapping_add (ConcordMapping   *self,
                     const char       *key_a,
                     ConcordFieldType  type_a,
                     const char       *key_b,
                     ConcordFieldType  type_b,
                     ConcordPairFlow   flow)
{
  ConcordMappingPair pair;

  g_return_if_fail (self != NULL);
  g_return_if_fail (key_a != NULL && key_b != NULL);

  pair.key_a = g_quark_from_string (key_a);
  pair.key_b = g_quark_from_string (key_b);
  pair.type_a = type_a;
  pair.type_b = type_b;
  pair.flow = flow;

  g_array_append_val (self->pairs, pair);
  g_array_append_val (self->keys[0], pair.key_a);
  g_array_append_val (self->keys[1], pair.key_b);
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
 * concord_mapping_get_keys:
 * @n_keys: (out): the number of keys
 *
 * Returns: (transfer none) (array length=n_keys): the field keys of @side,
 *   in pair order
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
