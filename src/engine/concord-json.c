/* concord-json.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "concord-json"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "concord-error.h"
#include "concord-fields.h"
#include "concord-json-private.h"

/**
 * concord_json_check_bounds:
 * @data: the bytes of a JSON document
 * @length: their number
 * @max_size: the largest document the caller accepts, in bytes
 *
 * Checks, before any parsing, that @data is at most @max_size bytes and
 * nested at most %CONCORD_JSON_MAX_DEPTH deep. One pass, no allocation, no
 * recursion; brackets inside strings (escapes included) do not count.
 * Anything else about the document is left to the parser.
 *
 * Returns: %TRUE when the parser may be given @data, otherwise %FALSE with
 *   @error set (%CONCORD_ERROR_PARSE)
 */
gboolean
concord_json_check_bounds (const char  *data,
                           gsize        length,
                           gsize        max_size,
                           GError     **error)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (length > max_size)
    {
      /* The sizes are formatted first: a G_GSIZE_FORMAT inside the msgid
       * would cut it at "%" for translators. */
      g_autofree char *size = g_strdup_printf ("%" G_GSIZE_FORMAT, length);
      g_autofree char *limit = g_strdup_printf ("%" G_GSIZE_FORMAT, max_size);

      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   /* Translators: %1$s and %2$s are sizes in bytes (numbers) */
                   _("the document is too large (%1$s bytes; at most %2$s)"), size, limit);
      return FALSE;
    }

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;  /* whatever is escaped, it neither opens nor closes anything */
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      switch (c)
        {
        case '"':
          in_string = TRUE;
          break;

        case '[':
        case '{':
          if (++depth > CONCORD_JSON_MAX_DEPTH)
            {
              g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                           /* Translators: %d is a number of levels of nesting */
                           _("the document is nested too deeply (more than %d levels)"),
                           CONCORD_JSON_MAX_DEPTH);
              return FALSE;
            }
          break;

        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;

        default:
          break;
        }
    }

  return TRUE;
}

/**
 * concord_json_parse:
 * @data: the bytes of a JSON document, from outside
 * @length: their number, or -1 when @data ends with a NUL
 * @max_size: the largest document the caller accepts, in bytes
 *
 * The one way to parse JSON that comes from outside: bounded by
 * concord_json_check_bounds() first, then parsed by json-glib.
 *
 * Returns: (transfer full) (nullable): the root, or %NULL with @error set
 *   (%CONCORD_ERROR_PARSE) for a document out of bounds, invalid or empty
 */
JsonNode *
concord_json_parse (const char  *data,
                    gssize       length,
                    gsize        max_size,
                    GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  gsize size;
  JsonNode *root;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (data == NULL)
    data = "";
  size = length < 0 ? strlen (data) : (gsize) length;

  if (!concord_json_check_bounds (data, size, max_size, error))
    return NULL;

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, (gssize) size, &parse_error))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   /* Translators: %s says what is wrong (a JSON parser's message) */
                   _("not valid JSON: %s"), parse_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_PARSE, _("the document is empty"));
      return NULL;
    }

  return json_node_ref (root);
}

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
