/* concord-json.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "concord-json"

#include "config.h"

#include "concord-error.h"
#include "concord-fields.h"
#include "concord-json-private.h"

/* Refuses a member the document format does not know: a typo must not
 * be silently ignored. */
gboolean
concord_json_check_members (JsonObject          *object,
                            const char          *path,
                            const char * const  *allowed,
                            GError             **error)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (allowed, l->data))
      {
        g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                     "%s: unknown member “%s”", path, (const char *) l->data);
        return FALSE;
      }

  return TRUE;
}

/* Returns NULL both for an absent optional member (no error) and for a
 * refusal (error set): callers check @error. */
const char *
concord_json_get_string (JsonObject  *object,
                         const char  *member,
                         const char  *path,
                         gboolean     required,
                         GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || (!required && JSON_NODE_HOLDS_NULL (node)))
    {
      if (required)
        g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "%s.%s: missing", path, member);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "%s.%s: must be a string", path, member);
      return NULL;
    }
  return json_node_get_string (node);
}

gboolean
concord_json_get_boolean (JsonObject  *object,
                          const char  *member,
                          const char  *path,
                          gboolean     fallback,
                          gboolean    *out,
                          GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "%s.%s: must be true or false", path, member);
      return FALSE;
    }
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* NULL without an error when absent. */
JsonArray *
concord_json_get_array (JsonObject  *object,
                        const char  *member,
                        const char  *path,
                        GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "%s.%s: must be an array", path, member);
      return NULL;
    }
  return json_node_get_array (node);
}

JsonObject *
concord_json_get_object (JsonNode    *node,
                         const char  *path,
                         GError     **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "%s: must be an object", path);
      return NULL;
    }
  return json_node_get_object (node);
}

/* The type of @field: @member when given, else the standard field's;
 * a field that is not standard must say its type. */
gboolean
concord_json_get_field_type (JsonObject        *object,
                             const char        *field,
                             const char        *member,
                             const char        *path,
                             ConcordFieldType  *type,
                             GError           **error)
{
  GError *local_error = NULL;
  const char *name = concord_json_get_string (object, member, path, FALSE, &local_error);
  const ConcordFieldSpec *canonical;

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (name != NULL)
    {
      if (concord_field_type_from_string (name, type))
        return TRUE;
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "%s.%s: unknown type “%s”", path, member, name);
      return FALSE;
    }

  canonical = concord_fields_lookup (field);
  if (canonical != NULL)
    {
      *type = canonical->type;
      return TRUE;
    }

  g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
               "%s.%s: missing for the field “%s”, which is not a standard field", path, member, field);
  return FALSE;
}
