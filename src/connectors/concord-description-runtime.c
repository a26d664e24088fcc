/* concord-description-runtime.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What connectors use of a loaded description at run time: compiled paths
 * (read, written), placeholders filled from the account's options and
 * derived values, the base URL, and times parsed and formatted in the
 * description's formats.
 */

#define G_LOG_DOMAIN "concord-description"

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-http-client.h"
#include "concord-json-hooks.h"

#include "concord-description-private.h"

/* ------------------------------------------------------------------------- */
/* Paths                                                                     */
/* ------------------------------------------------------------------------- */

void
concord_desc_path_free (ConcordDescPath *path)
{
  if (path == NULL)
    return;
  g_free (path->text);
  g_strfreev (path->names);
  g_free (path->indices);
  g_free (path);
}

/**
 * concord_desc_path_new:
 * @text: a path: member names joined by '.', each optionally followed by
 *   one "[N]", or "" for the whole value
 * @place: where it was written, for the error
 *
 * Returns: (transfer full) (nullable): the compiled path, or %NULL with
 *   @error set
 */
ConcordDescPath *
concord_desc_path_new (const char  *text,
                       const char  *place,
                       GError     **error)
{
  g_autoptr(ConcordDescPath) path = g_new0 (ConcordDescPath, 1);
  g_auto(GStrv) parts = NULL;
  guint n;

  path->text = g_strdup (text);
  if (*text == '\0')
    {
      path->names = g_new0 (char *, 1);
      return g_steal_pointer (&path);
    }

  parts = g_strsplit (text, ".", -1);
  n = g_strv_length (parts);
  path->names = g_new0 (char *, n + 1);
  path->indices = g_new0 (gint, n);
  for (guint i = 0; i < n; i++)
    {
      char *part = parts[i];
      char *open = strchr (part, '[');
      gint index = -1;

      if (open != NULL)
        {
          guint64 number = 0;
          char *close = strchr (open, ']');

          if (close == NULL || close[1] != '\0')
            {
              g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "%s: \"%s\" is not a path (an index is [N])", place, text);
              return NULL;
            }
          *close = '\0';
          if (!g_ascii_string_to_unsigned (open + 1, 10, 0, 100000, &number, NULL))
            {
              g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "%s: \"%s\" is not a path (an index is [N])", place, text);
              return NULL;
            }
          *open = '\0';
          index = (gint) number;
        }
      if (*part == '\0' || strpbrk (part, "{}[] ") != NULL)
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                       "%s: \"%s\" is not a path (names joined by \".\")", place, text);
          return NULL;
        }
      path->names[i] = g_strdup (part);
      path->indices[i] = index;
    }
  path->n_steps = n;
  return g_steal_pointer (&path);
}

/**
 * concord_desc_path_get:
 * @node: (nullable): where to start
 *
 * Returns: (transfer none) (nullable): the node at @path, %NULL when a step
 *   is missing or not an object or array
 */
JsonNode *
concord_desc_path_get (const ConcordDescPath *path,
                       JsonNode              *node)
{
  for (guint i = 0; node != NULL && i < path->n_steps; i++)
    {
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return NULL;
      node = json_object_get_member (json_node_get_object (node), path->names[i]);
      if (node != NULL && path->indices[i] >= 0)
        {
          JsonArray *array;

          if (!JSON_NODE_HOLDS_ARRAY (node))
            return NULL;
          array = json_node_get_array (node);
          if ((guint) path->indices[i] >= json_array_get_length (array))
            return NULL;
          node = json_array_get_element (array, (guint) path->indices[i]);
        }
    }
  return node;
}

/**
 * concord_desc_path_get_text:
 * @repaired: (out) (optional): set when the text had to be repaired or cut
 *
 * Returns: (transfer full) (nullable): the text at @path: a string
 *   (repaired, cut at @max_bytes), a number or a boolean as text; %NULL for
 *   null, an object, an array or nothing
 */
char *
concord_desc_path_get_text (const ConcordDescPath *path,
                            JsonNode              *node,
                            gsize                  max_bytes,
                            gboolean              *repaired)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  node = concord_desc_path_get (path, node);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return concord_http_repaired_text (json_node_get_string (node), max_bytes, repaired);
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, json_node_get_double (node)));
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    default:
      return NULL;
    }
}

/**
 * concord_desc_path_set:
 * @object: where to set it
 * @value: (transfer full): the value
 *
 * Sets the member @path names, making the objects on the way (indices are
 * not followed: a path with one is only read). An empty path sets nothing.
 */
void
concord_desc_path_set (const ConcordDescPath *path,
                       JsonObject            *object,
                       JsonNode              *value)
{
  for (guint i = 0; i + 1 < path->n_steps; i++)
    {
      JsonNode *node = json_object_get_member (object, path->names[i]);

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        {
          json_object_set_object_member (object, path->names[i], json_object_new ());
          node = json_object_get_member (object, path->names[i]);
        }
      object = json_node_get_object (node);
    }

  if (path->n_steps == 0)
    {
      json_node_unref (value);
      return;
    }
  json_object_set_member (object, path->names[path->n_steps - 1], value);
}

/* ------------------------------------------------------------------------- */
/* Filling placeholders                                                      */
/* ------------------------------------------------------------------------- */

const char *
_concord_description_option_value (const ConcordDescription *description,
                                   JsonObject               *options,
                                   const char               *key)
{
  const char *value = options != NULL
                      ? json_object_get_string_member_with_default (options, key, NULL) : NULL;

  if (value != NULL && *value != '\0')
    return value;
  for (guint i = 0; i < description->account->len; i++)
    {
      ConcordDescAccountField *field = g_ptr_array_index (description->account, i);

      if (g_str_equal (field->key, key))
        return field->default_value;
    }
  return NULL;
}

/**
 * concord_description_derive:
 * @name: a derived value's name
 *
 * Returns: (transfer full) (nullable): its value for this account, or
 *   %NULL with @error set when its source does not match
 */
char *
concord_description_derive (const ConcordDescription  *description,
                            const char                *name,
                            JsonObject                *options,
                            const char                *secret,
                            GError                   **error)
{
  for (guint i = 0; description->derive != NULL && i < description->derive->len; i++)
    {
      ConcordDescDerive *derive = g_ptr_array_index (description->derive, i);
      g_autoptr(GMatchInfo) match = NULL;
      const char *source;

      if (!g_str_equal (derive->name, name))
        continue;
      source = g_str_equal (derive->from, "secret") ? secret
                                                    : _concord_description_option_value (description, options,
                                                                                         derive->from);
      if (source != NULL && g_regex_match (derive->regex, source, 0, &match))
        {
          g_autofree char *value = g_match_info_fetch (match, 1);

          if (value != NULL && *value != '\0')
            return g_steal_pointer (&value);
        }
      /* Never the secret itself in a message. */
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   g_str_equal (derive->from, "secret")
                   ? "The %s key does not say its %s"
                   : "The %s account's options do not give its %s", description->name, name);
      return NULL;
    }
  g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "%s: nothing fills {%s}",
               description->id, name);
  return NULL;
}

/**
 * concord_description_fill:
 * @template_text: text with placeholders
 * @options: (nullable): the account's options (a derived value found
 *   among them is used as it is)
 * @secret: (nullable): the account's key (only auth templates hold {secret})
 * @contact_type: (nullable): for {contact_type}
 * @id: (nullable): for {id}
 * @escape: URI-escape the values (a path)
 *
 * Returns: (transfer full) (nullable): the text filled, or %NULL with
 *   @error set for a placeholder with no value (an empty account field)
 */
char *
concord_description_fill (const ConcordDescription  *description,
                          const char                *template_text,
                          JsonObject                *options,
                          const char                *secret,
                          const char                *contact_type,
                          const char                *id,
                          gboolean                   escape,
                          GError                   **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p = template_text;

  while (*p != '\0')
    {
      const char *open = strchr (p, '{');
      const char *close = open != NULL ? strchr (open, '}') : NULL;
      g_autofree char *name = NULL;
      g_autofree char *derived = NULL;
      const char *value;

      if (close == NULL)
        {
          g_string_append (out, p);
          break;
        }
      g_string_append_len (out, p, open - p);
      name = g_strndup (open + 1, (gsize) (close - open - 1));
      if (g_str_equal (name, "secret"))
        value = secret;
      else if (g_str_equal (name, "contact_type"))
        value = contact_type;
      else if (g_str_equal (name, "id"))
        value = id;
      else if (_concord_description_is_derived ((ConcordDescription *) description, name) &&
               (value = _concord_description_option_value (description, options, name)) != NULL)
        ;
      else if (_concord_description_is_derived ((ConcordDescription *) description, name))
        {
          /* Not worked out before (a connector keeps derived values among
           * its options, not the secret): from the source now. */
          derived = concord_description_derive (description, name, options, secret, error);
          if (derived == NULL)
            return NULL;
          value = derived;
        }
      else
        value = _concord_description_option_value (description, options, name);

      if (value == NULL)
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                       "The %s account has no %s", description->name, name);
          return NULL;
        }
      if (escape)
        g_string_append_uri_escaped (out, value, NULL, FALSE);
      else
        g_string_append (out, value);
      p = close + 1;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * concord_description_base_url:
 * @options: (nullable): the account's options; a non-empty "base_url"
 *   wins over the description's
 *
 * Returns: (transfer full) (nullable): the account's API root, without a
 *   trailing '/', or %NULL with @error set
 */
char *
concord_description_base_url (const ConcordDescription  *description,
                              JsonObject                *options,
                              const char                *secret,
                              GError                   **error)
{
  const char *given = options != NULL
                      ? json_object_get_string_member_with_default (options, "base_url", NULL)
                      : NULL;
  g_autofree char *url = NULL;
  gsize length;

  if (given != NULL && *given != '\0')
    url = g_strdup (given);
  else
    url = concord_description_fill (description, description->base_url, options, secret,
                                    NULL, NULL, TRUE, error);
  if (url == NULL)
    return NULL;
  length = strlen (url);
  while (length > 0 && url[length - 1] == '/')
    url[--length] = '\0';
  return g_steal_pointer (&url);
}

/* ------------------------------------------------------------------------- */
/* Times                                                                     */
/* ------------------------------------------------------------------------- */

/**
 * concord_desc_parse_time:
 * @node: (nullable): a JSON value
 * @unix_time: (out): seconds since 1970
 *
 * Returns: whether @node is a time in @format (a number or numeric text
 *   for unix formats; ISO 8601 text, no zone meaning UTC)
 */
gboolean
concord_desc_parse_time (JsonNode         *node,
                         ConcordDescTime   format,
                         gint64           *unix_time)
{
  gint64 value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  if (format == CONCORD_DESC_TIME_ISO8601)
    {
      g_autoptr(GTimeZone) utc = NULL;
      g_autoptr(GDateTime) when = NULL;

      if (json_node_get_value_type (node) != G_TYPE_STRING)
        return FALSE;
      utc = g_time_zone_new_utc ();
      when = g_date_time_new_from_iso8601 (json_node_get_string (node), utc);
      if (when == NULL)
        return FALSE;
      *unix_time = g_date_time_to_unix (when);
      return TRUE;
    }

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      value = json_node_get_int (node);
      break;
    case G_TYPE_DOUBLE:
      if (!(json_node_get_double (node) >= -1e15 && json_node_get_double (node) <= 1e15))
        return FALSE;
      value = (gint64) json_node_get_double (node);
      break;
    case G_TYPE_STRING:
      if (!g_ascii_string_to_signed (json_node_get_string (node), 10, -G_MAXINT64 / 2,
                                     G_MAXINT64 / 2, &value, NULL))
        return FALSE;
      break;
    default:
      return FALSE;
    }
  if (format == CONCORD_DESC_TIME_UNIX_MS)
    value /= 1000;
  /* Years 1 to 9999 only: GDateTime's range. */
  if (value < -62135596800 || value > 253402300799)
    return FALSE;
  *unix_time = value;
  return TRUE;
}

/**
 * concord_desc_format_time:
 *
 * Returns: (transfer full): @unix_time as @format writes it
 */
char *
concord_desc_format_time (gint64           unix_time,
                          ConcordDescTime  format)
{
  g_autoptr(GDateTime) when = NULL;

  switch (format)
    {
    case CONCORD_DESC_TIME_UNIX:
      return g_strdup_printf ("%" G_GINT64_FORMAT, unix_time);
    case CONCORD_DESC_TIME_UNIX_MS:
      return g_strdup_printf ("%" G_GINT64_FORMAT, unix_time * 1000);
    case CONCORD_DESC_TIME_ISO8601:
    default:
      when = g_date_time_new_from_unix_utc (unix_time);
      return when != NULL ? g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ")
                          : g_strdup ("1970-01-01T00:00:00Z");
    }
}
