/* concord-filter.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The filter of a connection rule: which records of the source side are in
 * the scope of a direction. A tree of groups (all / any, each negatable)
 * and conditions on one field each. Every operator is checked against the
 * field's type when the filter is built from JSON or validated, so an
 * invalid filter never reaches a run; evaluation itself never fails: a
 * value that cannot be compared simply does not match.
 *
 * JSON form (versioned with the rules it belongs to):
 *   {"match": "all"|"any", "negate": false, "conditions": [ … ]}
 *   {"field": "status", "type": "enum", "op": "is", "values": ["active"], "negate": false}
 * "type" may be left out for canonical fields.
 *
 * This file builds, validates and reads and writes filters; evaluating one
 * against a record is in concord-filter-eval.c.
 */

#define G_LOG_DOMAIN "concord-filter"

#include "config.h"

#include <math.h>
#include <string.h>

#include "concord-error.h"
#include "concord-fields.h"
#include "concord-filter-private.h"
#include "concord-json-private.h"

static const char * const op_names[] = {
  "is", "is-not", "contains", "does-not-contain", "starts-with", "is-empty", "is-not-empty",
  "is-one-of", "greater-than", "less-than", "before", "after", "within-last-days",
  "is-true", "is-false",
};

G_STATIC_ASSERT (G_N_ELEMENTS (op_names) == CONCORD_FILTER_IS_FALSE + 1);

/* ------------------------------------------------------------------------- */
/* Operators                                                                 */
/* ------------------------------------------------------------------------- */

const char *
concord_filter_op_to_string (ConcordFilterOp op)
{
  g_return_val_if_fail ((guint) op < G_N_ELEMENTS (op_names), "is");

  return op_names[op];
}

gboolean
concord_filter_op_from_string (const char      *name,
                               ConcordFilterOp *op)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (op_names); i++)
    if (g_str_equal (name, op_names[i]))
      {
        *op = (ConcordFilterOp) i;
        return TRUE;
      }

  return FALSE;
}

/**
 * concord_filter_op_fits:
 *
 * Returns: whether @op can test a field of @type
 */
gboolean
concord_filter_op_fits (ConcordFilterOp  op,
                        ConcordFieldType type)
{
  if (op == CONCORD_FILTER_IS_EMPTY || op == CONCORD_FILTER_IS_NOT_EMPTY)
    return TRUE;

  switch (type)
    {
    case CONCORD_FIELD_TYPE_STRING:
    case CONCORD_FIELD_TYPE_EMAIL:
    case CONCORD_FIELD_TYPE_PHONE:
    case CONCORD_FIELD_TYPE_ENUM:
      return op == CONCORD_FILTER_IS || op == CONCORD_FILTER_IS_NOT ||
             op == CONCORD_FILTER_CONTAINS || op == CONCORD_FILTER_NOT_CONTAINS ||
             op == CONCORD_FILTER_STARTS_WITH || op == CONCORD_FILTER_IS_ONE_OF;
    case CONCORD_FIELD_TYPE_NUMBER:
      return op == CONCORD_FILTER_IS || op == CONCORD_FILTER_IS_NOT ||
             op == CONCORD_FILTER_GREATER || op == CONCORD_FILTER_LESS ||
             op == CONCORD_FILTER_IS_ONE_OF;
    case CONCORD_FIELD_TYPE_DATE:
    case CONCORD_FIELD_TYPE_DATETIME:
      return op == CONCORD_FILTER_IS || op == CONCORD_FILTER_BEFORE ||
             op == CONCORD_FILTER_AFTER || op == CONCORD_FILTER_WITHIN_LAST_DAYS;
    case CONCORD_FIELD_TYPE_BOOLEAN:
      return op == CONCORD_FILTER_IS_TRUE || op == CONCORD_FILTER_IS_FALSE;
    case CONCORD_FIELD_TYPE_STRING_SET:
      return op == CONCORD_FILTER_CONTAINS || op == CONCORD_FILTER_NOT_CONTAINS ||
             op == CONCORD_FILTER_IS_ONE_OF;
    default:
      return FALSE;
    }
}

/**
 * concord_filter_op_arity:
 * @op: an operator
 *
 * Returns: how many values @op takes: 0, 1, or -1 for one or more
 */
int
concord_filter_op_arity (ConcordFilterOp op)
{
  switch (op)
    {
    case CONCORD_FILTER_IS_EMPTY:
    case CONCORD_FILTER_IS_NOT_EMPTY:
    case CONCORD_FILTER_IS_TRUE:
    case CONCORD_FILTER_IS_FALSE:
      return 0;
    case CONCORD_FILTER_IS_ONE_OF:
      return -1;
    case CONCORD_FILTER_IS:
    case CONCORD_FILTER_IS_NOT:
    case CONCORD_FILTER_CONTAINS:
    case CONCORD_FILTER_NOT_CONTAINS:
    case CONCORD_FILTER_STARTS_WITH:
    case CONCORD_FILTER_GREATER:
    case CONCORD_FILTER_LESS:
    case CONCORD_FILTER_BEFORE:
    case CONCORD_FILTER_AFTER:
    case CONCORD_FILTER_WITHIN_LAST_DAYS:
    default:
      return 1;
    }
}

/* ------------------------------------------------------------------------- */
/* Values                                                                    */
/* ------------------------------------------------------------------------- */

gboolean
concord_filter_parse_number (const char *text,
                             double     *number)
{
  char *end = NULL;

  if (text == NULL || *text == '\0')
    return FALSE;
  *number = g_ascii_strtod (text, &end);
  return end != NULL && *end == '\0' && isfinite (*number);
}

gboolean
concord_filter_parse_time (const char *text,
                           gint64     *seconds)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *with_time = NULL;

  if (text == NULL)
    return FALSE;

  if (strlen (text) == 10)
    text = with_time = g_strconcat (text, "T00:00:00Z", NULL);

  dt = g_date_time_new_from_iso8601 (text, g_time_zone_new_utc ());
  if (dt == NULL)
    return FALSE;

  *seconds = g_date_time_to_unix (dt);
  return TRUE;
}

static gboolean
value_is_valid (const char       *value,
                ConcordFieldType  type,
                ConcordFilterOp   op)
{
  double number;
  gint64 seconds;

  if (op == CONCORD_FILTER_WITHIN_LAST_DAYS)
    return concord_filter_parse_number (value, &number) && number >= 0 && number == floor (number);

  switch (type)
    {
    case CONCORD_FIELD_TYPE_NUMBER:
      return concord_filter_parse_number (value, &number);
    case CONCORD_FIELD_TYPE_DATE:
    case CONCORD_FIELD_TYPE_DATETIME:
      return concord_filter_parse_time (value, &seconds);
    case CONCORD_FIELD_TYPE_STRING:
    case CONCORD_FIELD_TYPE_EMAIL:
    case CONCORD_FIELD_TYPE_PHONE:
    case CONCORD_FIELD_TYPE_ENUM:
    case CONCORD_FIELD_TYPE_STRING_SET:
    case CONCORD_FIELD_TYPE_BOOLEAN:
    default:
      return value != NULL && g_utf8_validate (value, -1, NULL);
    }
}

/* ------------------------------------------------------------------------- */
/* Building                                                                  */
/* ------------------------------------------------------------------------- */

static ConcordFilter *
filter_alloc (void)
{
  ConcordFilter *self = g_new0 (ConcordFilter, 1);

  g_atomic_ref_count_init (&self->ref_count);
  return self;
}

/**
 * concord_filter_new_group:
 * @any: %TRUE for "any condition", %FALSE for "all conditions"
 *
 * An empty "all" group matches every record; an empty "any" group none.
 */
ConcordFilter *
concord_filter_new_group (gboolean any)
{
  ConcordFilter *self = filter_alloc ();

  self->is_group = TRUE;
  self->any = any;
  self->children = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_filter_unref);

  return self;
}

ConcordFilter *
concord_filter_new_condition (const char         *field,
                              ConcordFieldType    type,
                              ConcordFilterOp     op,
                              const char * const *values)
{
  ConcordFilter *self;

  g_return_val_if_fail (field != NULL, NULL);

  self = filter_alloc ();
  self->field = g_strdup (field);
  self->field_quark = g_quark_from_string (field);
  self->type = type;
  self->op = op;
  self->values = g_strdupv ((char **) values);
  if (self->values == NULL)
    self->values = g_new0 (char *, 1);

  return self;
}

ConcordFilter *
concord_filter_ref (ConcordFilter *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
concord_filter_unref (ConcordFilter *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_clear_pointer (&self->children, g_ptr_array_unref);
  g_free (self->field);
  g_strfreev (self->values);
  g_free (self);
}

/**
 * concord_filter_add:
 * @child: (transfer none): a condition or group
 */
void
concord_filter_add (ConcordFilter *group,
                    ConcordFilter *child)
{
  g_return_if_fail (group != NULL && group->is_group);
  g_return_if_fail (child != NULL && child != group);

  g_ptr_array_add (group->children, concord_filter_ref (child));
}

void
concord_filter_set_negate (ConcordFilter *self,
                           gboolean       negate)
{
  g_return_if_fail (self != NULL);

  self->negate = !!negate;
}

static gboolean
validate_at (const ConcordFilter  *self,
             const char           *path,
             GError              **error)
{
  guint n_values;
  int arity;

  if (self->is_group)
    {
      for (guint i = 0; i < self->children->len; i++)
        {
          g_autofree char *child = g_strdup_printf ("%s.conditions[%u]", path, i);

          if (!validate_at (g_ptr_array_index (self->children, i), child, error))
            return FALSE;
        }
      return TRUE;
    }

  if (!concord_filter_op_fits (self->op, self->type))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "%s.op: “%s” does not apply to a %s field (%s)", path,
                   concord_filter_op_to_string (self->op),
                   concord_field_type_to_string (self->type), self->field);
      return FALSE;
    }

  n_values = g_strv_length (self->values);
  arity = concord_filter_op_arity (self->op);
  if ((arity == 0 && n_values != 0) || (arity == 1 && n_values != 1) || (arity < 0 && n_values == 0))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "%s.values: “%s” takes %s, not %u", path, concord_filter_op_to_string (self->op),
                   arity == 0 ? "no value" : arity == 1 ? "one value" : "one value or more", n_values);
      return FALSE;
    }

  for (guint i = 0; i < n_values; i++)
    if (!value_is_valid (self->values[i], self->type, self->op))
      {
        g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                     "%s.values[%u]: not a valid %s for “%s”", path, i,
                     self->op == CONCORD_FILTER_WITHIN_LAST_DAYS ? "number of days"
                       : concord_field_type_to_string (self->type),
                     concord_filter_op_to_string (self->op));
        return FALSE;
      }

  return TRUE;
}

/**
 * concord_filter_validate:
 *
 * Returns: whether every operator fits its field's type and has the
 *   values it takes; the error names the place ("filter.conditions[1].op")
 */
gboolean
concord_filter_validate (const ConcordFilter  *self,
                         GError              **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return validate_at (self, "filter", error);
}

/* ------------------------------------------------------------------------- */
/* JSON                                                                      */
/* ------------------------------------------------------------------------- */

JsonNode *
concord_filter_to_json (const ConcordFilter *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (self != NULL, NULL);

  json_builder_begin_object (builder);
  if (self->is_group)
    {
      json_builder_set_member_name (builder, "match");
      json_builder_add_string_value (builder, self->any ? "any" : "all");
      json_builder_set_member_name (builder, "conditions");
      json_builder_begin_array (builder);
      for (guint i = 0; i < self->children->len; i++)
        json_builder_add_value (builder, concord_filter_to_json (g_ptr_array_index (self->children, i)));
      json_builder_end_array (builder);
    }
  else
    {
      json_builder_set_member_name (builder, "field");
      json_builder_add_string_value (builder, self->field);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, concord_field_type_to_string (self->type));
      json_builder_set_member_name (builder, "op");
      json_builder_add_string_value (builder, concord_filter_op_to_string (self->op));
      json_builder_set_member_name (builder, "values");
      json_builder_begin_array (builder);
      for (guint i = 0; self->values[i] != NULL; i++)
        json_builder_add_string_value (builder, self->values[i]);
      json_builder_end_array (builder);
    }
  if (self->negate)
    {
      json_builder_set_member_name (builder, "negate");
      json_builder_add_boolean_value (builder, TRUE);
    }
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* A group: "match" and its "conditions", each read in turn. */
static ConcordFilter *
group_from_json (JsonObject  *object,
                 const char  *path,
                 GError     **error)
{
  static const char * const group_members[] = { "match", "conditions", "negate", NULL };
  g_autoptr(ConcordFilter) self = NULL;
  const char *match;
  JsonNode *conditions;

  if (!concord_json_check_members (object, path, group_members, error))
    return NULL;
  match = concord_json_get_string (object, "match", path, FALSE, error);
  if (match == NULL && error != NULL && *error != NULL)
    return NULL;
  if (match != NULL && !g_str_equal (match, "all") && !g_str_equal (match, "any"))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "%s.match: “%s” is neither “all” nor “any”", path, match);
      return NULL;
    }
  self = concord_filter_new_group (g_strcmp0 (match, "any") == 0);

  conditions = json_object_get_member (object, "conditions");
  if (conditions != NULL && !JSON_NODE_HOLDS_ARRAY (conditions))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "%s.conditions: must be an array", path);
      return NULL;
    }
  for (guint i = 0; conditions != NULL && i < json_array_get_length (json_node_get_array (conditions)); i++)
    {
      g_autofree char *child_path = g_strdup_printf ("%s.conditions[%u]", path, i);
      g_autoptr(ConcordFilter) child =
        concord_filter_new_from_json (json_array_get_element (json_node_get_array (conditions), i),
                                      child_path, error);

      if (child == NULL)
        return NULL;
      concord_filter_add (self, child);
    }

  return g_steal_pointer (&self);
}

/* A condition: its field and type, the operator and its values. */
static ConcordFilter *
condition_from_json (JsonObject  *object,
                     const char  *path,
                     GError     **error)
{
  static const char * const condition_members[] = { "field", "type", "op", "values", "negate", NULL };
  g_autoptr(ConcordFilter) self = NULL;
  const char *field, *op_name;
  ConcordFieldType type;
  ConcordFilterOp op;
  JsonNode *values;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;

  if (!concord_json_check_members (object, path, condition_members, error))
    return NULL;
  if ((field = concord_json_get_string (object, "field", path, TRUE, error)) == NULL ||
      (op_name = concord_json_get_string (object, "op", path, TRUE, error)) == NULL)
    return NULL;
  if (!concord_json_get_field_type (object, field, "type", path, &type, error))
    return NULL;

  if (!concord_filter_op_from_string (op_name, &op))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "%s.op: unknown operator “%s”", path, op_name);
      return NULL;
    }

  values = json_object_get_member (object, "values");
  if (values != NULL && !JSON_NODE_HOLDS_ARRAY (values))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "%s.values: must be an array", path);
      return NULL;
    }
  for (guint i = 0; values != NULL && i < json_array_get_length (json_node_get_array (values)); i++)
    {
      JsonNode *value = json_array_get_element (json_node_get_array (values), i);

      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                       "%s.values[%u]: must be a string", path, i);
          return NULL;
        }
      g_strv_builder_add (builder, json_node_get_string (value));
    }
  strv = g_strv_builder_end (builder);
  self = concord_filter_new_condition (field, type, op, (const char * const *) strv);

  if (!validate_at (self, path, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * concord_filter_new_from_json:
 * @path: where @node is in its document, for messages ("rules.a_to_b.filter")
 *
 * Reads and validates a filter: unknown members, unknown fields without a
 * type, operators that do not fit, and wrong values are refused with the
 * exact place and reason.
 *
 * Returns: (transfer full) (nullable): the filter
 */
ConcordFilter *
concord_filter_new_from_json (JsonNode    *node,
                              const char  *path,
                              GError     **error)
{
  g_autoptr(ConcordFilter) self = NULL;
  JsonObject *object;
  JsonNode *negate;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "%s: must be an object", path);
      return NULL;
    }
  object = json_node_get_object (node);

  if (json_object_has_member (object, "conditions") || json_object_has_member (object, "match"))
    self = group_from_json (object, path, error);
  else
    self = condition_from_json (object, path, error);
  if (self == NULL)
    return NULL;

  negate = json_object_get_member (object, "negate");
  if (negate != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (negate) || json_node_get_value_type (negate) != G_TYPE_BOOLEAN)
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "%s.negate: must be true or false", path);
          return NULL;
        }
      self->negate = json_node_get_boolean (negate);
    }

  return g_steal_pointer (&self);
}
