/* concord-mapping-json.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A mapping checked against both apps' fields, and its JSON form (see
 * concord-mapping.c).
 */

#define G_LOG_DOMAIN "concord-mapping"

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-fields.h"
#include "concord-json-private.h"
#include "concord-mapping-private.h"

/* ------------------------------------------------------------------------- */
/* Validation                                                                */
/* ------------------------------------------------------------------------- */

gboolean
concord_mapping_is_date_type (ConcordFieldType type)
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
      gboolean dates = concord_mapping_is_date_type (pair->type_a) != concord_mapping_is_date_type (pair->type_b);
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
