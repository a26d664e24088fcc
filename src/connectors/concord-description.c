/* concord-description.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Connector descriptions (docs/connector-descriptions.md): read, checked
 * and compiled once. Every refusal names its exact place, written as a
 * JSON path from the top ("contact_types[0].list.paging.style"), and its
 * reason; unknown keys are refused (a typo is an error). Beyond the JSON
 * Schema, the loader checks what only the whole description shows: that
 * every placeholder is filled by something it defines, that {secret} goes
 * only where auth puts it, that hooks exist, that paging and incremental
 * settings agree.
 *
 * No GTK here: the mock server and the command line read descriptions too.
 */

#define G_LOG_DOMAIN "concord-description"

#include "config.h"

#include <string.h>

#include "concord-description.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-http-client.h"
#include "concord-json-hooks.h"
#include "concord-json-private.h"

/* A description is a few kilobytes; beyond this it is refused. */
#define MAX_DESCRIPTION_BYTES (1024 * 1024)
#define MAX_PAGE_SIZE         1000
#define MAX_BATCH             1000

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
/* Freeing                                                                   */
/* ------------------------------------------------------------------------- */

static void
request_free (ConcordDescRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->method);
  g_free (request->path);
  g_clear_pointer (&request->query, json_object_unref);
  g_clear_pointer (&request->body, json_object_unref);
  concord_desc_path_free (request->answer);
  g_free (request);
}

static void
items_free (ConcordDescItems *items)
{
  if (items == NULL)
    return;
  concord_desc_path_free (items->value);
  concord_desc_path_free (items->label);
  concord_desc_path_free (items->primary);
  concord_desc_path_free (items->id);
  concord_desc_path_free (items->delete_flag);
  g_clear_pointer (&items->labels, g_hash_table_unref);
  g_clear_pointer (&items->labels_back, g_hash_table_unref);
  g_free (items->default_label);
  g_free (items);
}

static void
field_free (ConcordDescField *field)
{
  if (field == NULL)
    return;
  g_free (field->key);
  concord_desc_path_free (field->path);
  g_strfreev (field->choices);
  g_strfreev (field->choice_labels);
  items_free (field->items);
  g_free (field);
}

static void
account_field_free (ConcordDescAccountField *field)
{
  g_free (field->key);
  g_free (field->label);
  g_free (field->help);
  g_clear_pointer (&field->choice_values, g_ptr_array_unref);
  g_clear_pointer (&field->choice_labels, g_ptr_array_unref);
  g_clear_pointer (&field->check, g_regex_unref);
  g_free (field->check_message);
  g_free (field->default_value);
  g_free (field);
}

static void
derive_free (ConcordDescDerive *derive)
{
  g_free (derive->name);
  g_free (derive->from);
  g_clear_pointer (&derive->regex, g_regex_unref);
  g_free (derive);
}

static void
custom_free (ConcordDescCustom *custom)
{
  if (custom == NULL)
    return;
  request_free (custom->request);
  concord_desc_path_free (custom->records);
  g_clear_pointer (&custom->where, json_object_unref);
  concord_desc_path_free (custom->id);
  concord_desc_path_free (custom->name);
  concord_desc_path_free (custom->type);
  concord_desc_path_free (custom->read_only);
  concord_desc_path_free (custom->options);
  concord_desc_path_free (custom->option_value);
  concord_desc_path_free (custom->option_label);
  g_clear_pointer (&custom->types, g_hash_table_unref);
  concord_desc_path_free (custom->values);
  concord_desc_path_free (custom->value_id);
  concord_desc_path_free (custom->value_value);
  g_free (custom);
}

static void
contact_type_free (ConcordDescContactType *type)
{
  g_free (type->id);
  g_free (type->label);
  request_free (type->discover);
  concord_desc_path_free (type->discover_records);
  concord_desc_path_free (type->discover_id);
  concord_desc_path_free (type->discover_name);
  request_free (type->list);
  concord_desc_path_free (type->list_records);
  g_free (type->page_param);
  g_free (type->size_param);
  concord_desc_path_free (type->next);
  g_free (type->since_param);
  concord_desc_path_free (type->sync_token);
  concord_desc_path_free (type->record_id);
  field_free (type->email);
  concord_desc_path_free (type->modified);
  g_clear_pointer (&type->where, json_object_unref);
  g_clear_pointer (&type->fields, g_ptr_array_unref);
  custom_free (type->custom);
  request_free (type->fetch);
  request_free (type->create);
  g_free (type->create_wrap);
  g_free (type->create_records);
  request_free (type->update);
  g_free (type->update_wrap);
  g_free (type->id_member);
  g_free (type);
}

ConcordDescription *
concord_description_ref (ConcordDescription *description)
{
  g_return_val_if_fail (description != NULL, NULL);

  g_atomic_ref_count_inc (&description->ref_count);
  return description;
}

void
concord_description_unref (ConcordDescription *description)
{
  g_return_if_fail (description != NULL);

  if (!g_atomic_ref_count_dec (&description->ref_count))
    return;

  g_free (description->id);
  g_free (description->name);
  g_free (description->icon);
  g_free (description->key_url);
  g_free (description->key_help);
  g_clear_pointer (&description->account, g_ptr_array_unref);
  g_free (description->base_url);
  g_clear_pointer (&description->derive, g_ptr_array_unref);
  g_free (description->auth_name);
  g_free (description->auth_value);
  g_free (description->auth_password);
  g_clear_pointer (&description->header_names, g_ptr_array_unref);
  g_clear_pointer (&description->header_values, g_ptr_array_unref);
  request_free (description->verify);
  concord_desc_path_free (description->verify_expect);
  g_free (description->rate_remaining);
  g_free (description->rate_reset);
  g_clear_pointer (&description->error_paths, g_ptr_array_unref);
  g_strfreev (description->hooks);
  g_clear_pointer (&description->contact_types, g_ptr_array_unref);
  g_free (description);
}

/* ------------------------------------------------------------------------- */
/* Reading, with places                                                      */
/* ------------------------------------------------------------------------- */

static gboolean G_GNUC_PRINTF (3, 4)
refuse (GError     **error,
        const char  *place,
        const char  *format,
        ...)
{
  va_list args;
  g_autofree char *reason = NULL;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "%s: %s", place, reason);
  return FALSE;
}

static char *
place_of (const char *place,
          const char *member)
{
  return *place == '\0' ? g_strdup (member) : g_strdup_printf ("%s.%s", place, member);
}

static gboolean
check_keys (JsonObject          *object,
            const char          *place,
            const char * const  *allowed,
            GError             **error)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (allowed, l->data))
      {
        g_autofree char *where = place_of (place, l->data);

        return refuse (error, where, "unknown key");
      }
  return TRUE;
}

/* An object member; %NULL without error when absent and optional. */
static JsonObject *
get_object (JsonObject  *object,
            const char  *member,
            const char  *place,
            gboolean     required,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autofree char *where = place_of (place, member);

  if (node == NULL)
    {
      if (required)
        refuse (error, where, "missing");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      refuse (error, where, "must be an object");
      return NULL;
    }
  return json_node_get_object (node);
}

static JsonArray *
get_array (JsonObject  *object,
           const char  *member,
           const char  *place,
           gboolean     required,
           GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autofree char *where = place_of (place, member);

  if (node == NULL)
    {
      if (required)
        refuse (error, where, "missing");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      refuse (error, where, "must be an array");
      return NULL;
    }
  return json_node_get_array (node);
}

/* A string member; %NULL without error when absent and optional. */
static const char *
get_string (JsonObject  *object,
            const char  *member,
            const char  *place,
            gboolean     required,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autofree char *where = place_of (place, member);

  if (node == NULL)
    {
      if (required)
        refuse (error, where, "missing");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      refuse (error, where, "must be a string");
      return NULL;
    }
  if (!g_utf8_validate (json_node_get_string (node), -1, NULL))
    {
      refuse (error, where, "is not valid UTF-8");
      return NULL;
    }
  return json_node_get_string (node);
}

static gboolean
get_boolean (JsonObject  *object,
             const char  *member,
             const char  *place,
             gboolean    *out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autofree char *where = place_of (place, member);

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return refuse (error, where, "must be true or false");
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* An integer member in [min, max]; absent keeps @out. */
static gboolean
get_uint (JsonObject  *object,
          const char  *member,
          const char  *place,
          gint64       min,
          gint64       max,
          guint       *out,
          GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autofree char *where = place_of (place, member);
  gint64 value;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return refuse (error, where, "must be a whole number");
  value = json_node_get_int (node);
  if (value < min || value > max)
    return refuse (error, where, "%" G_GINT64_FORMAT " is out of range (%" G_GINT64_FORMAT
                   "–%" G_GINT64_FORMAT ")", value, min, max);
  *out = (guint) value;
  return TRUE;
}

/* One of @names; its index in @out. */
static gboolean
get_enum (JsonObject          *object,
          const char          *member,
          const char          *place,
          const char          *what,
          const char * const  *names,
          gboolean             required,
          gint                *out,
          GError             **error)
{
  GError *local_error = NULL;
  const char *value = get_string (object, member, place, required, &local_error);
  g_autofree char *where = place_of (place, member);

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (value == NULL)
    return TRUE;
  for (gint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], value))
      {
        *out = i;
        return TRUE;
      }
  return refuse (error, where, "unknown %s \"%s\"", what, value);
}

static ConcordDescPath *
get_path (JsonObject  *object,
          const char  *member,
          const char  *place,
          gboolean     required,
          GError     **error)
{
  GError *local_error = NULL;
  const char *text = get_string (object, member, place, required, &local_error);
  g_autofree char *where = place_of (place, member);

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (text == NULL)
    return NULL;
  return concord_desc_path_new (text, where, error);
}

/* ------------------------------------------------------------------------- */
/* Placeholders                                                              */
/* ------------------------------------------------------------------------- */

typedef enum
{
  FILL_SECRET       = 1 << 0,
  FILL_CONTACT_TYPE = 1 << 1,
  FILL_ID           = 1 << 2,
} FillAllowed;

typedef struct
{
  ConcordDescription *description;
  GError            **error;
} Loader;

static gboolean
is_account_key (ConcordDescription *description,
                const char         *name)
{
  for (guint i = 0; i < description->account->len; i++)
    {
      ConcordDescAccountField *field = g_ptr_array_index (description->account, i);

      if (field->kind != CONCORD_DESC_FIELD_SECRET && g_str_equal (field->key, name))
        return TRUE;
    }
  return FALSE;
}

static gboolean
is_derived (ConcordDescription *description,
            const char         *name)
{
  for (guint i = 0; description->derive != NULL && i < description->derive->len; i++)
    if (g_str_equal (((ConcordDescDerive *) g_ptr_array_index (description->derive, i))->name,
                     name))
      return TRUE;
  return FALSE;
}

/* Every {name} of @text is one @allowed lets through, or an account field
 * or a derived value. */
static gboolean
check_placeholders (ConcordDescription  *description,
                    const char          *text,
                    const char          *place,
                    FillAllowed          allowed,
                    GError             **error)
{
  for (const char *p = strchr (text, '{'); p != NULL; p = strchr (p + 1, '{'))
    {
      const char *close = strchr (p, '}');
      g_autofree char *name = NULL;

      if (close == NULL)
        return refuse (error, place, "a \"{\" without its \"}\"");
      name = g_strndup (p + 1, (gsize) (close - p - 1));
      if (g_str_equal (name, "secret"))
        {
          if (!(allowed & FILL_SECRET))
            return refuse (error, place, "{secret} may only be used in auth");
          continue;
        }
      if (g_str_equal (name, "contact_type"))
        {
          if (!(allowed & FILL_CONTACT_TYPE))
            return refuse (error, place, "{contact_type} may only be used in a contact type's "
                           "requests");
          continue;
        }
      if (g_str_equal (name, "id"))
        {
          if (!(allowed & FILL_ID))
            return refuse (error, place, "{id} may only be used in the paths of fetch and "
                           "update");
          continue;
        }
      if (!is_account_key (description, name) && !is_derived (description, name))
        return refuse (error, place, "placeholder {%s} is filled by no account field and no "
                       "derived value", name);
    }
  return TRUE;
}

/* Placeholders in the string values of a template, at any depth. */
static gboolean
check_template (ConcordDescription  *description,
                JsonNode            *node,
                const char          *place,
                FillAllowed          allowed,
                GError             **error)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autoptr(GList) members = json_object_get_members (json_node_get_object (node));

      for (GList *l = members; l != NULL; l = l->next)
        {
          g_autofree char *where = place_of (place, l->data);

          if (!check_template (description,
                               json_object_get_member (json_node_get_object (node), l->data),
                               where, allowed, error))
            return FALSE;
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autofree char *where = g_strdup_printf ("%s[%u]", place, i);

          if (!check_template (description, json_array_get_element (array, i), where, allowed,
                               error))
            return FALSE;
        }
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return check_placeholders (description, json_node_get_string (node), place, allowed, error);

  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Sections                                                                  */
/* ------------------------------------------------------------------------- */

static const char * const request_keys[] = { "method", "path", "query", "body", "answer", NULL };
static const char * const methods[] = { "GET", "POST", "PUT", "PATCH", NULL };
static const char * const time_formats[] = { "unix", "unix_ms", "iso8601", NULL };

/* A request object at @place; @extra are the keys the caller reads. */
static ConcordDescRequest *
read_request (ConcordDescription  *description,
              JsonObject          *object,
              const char          *place,
              const char * const  *extra,
              FillAllowed          path_allowed,
              GError             **error)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  ConcordDescRequest *request;
  const char *path;
  JsonObject *query, *body;
  gint method = 0;
  GError *local_error = NULL;

  for (guint i = 0; request_keys[i] != NULL; i++)
    g_ptr_array_add (keys, (gpointer) request_keys[i]);
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (keys, (gpointer) extra[i]);
  g_ptr_array_add (keys, NULL);
  if (!check_keys (object, place, (const char * const *) keys->pdata, error))
    return NULL;

  if (!get_enum (object, "method", place, "method", methods, TRUE, &method, error))
    return NULL;
  path = get_string (object, "path", place, TRUE, error);
  if (path == NULL)
    return NULL;
  if (path[0] != '/')
    {
      g_autofree char *where = place_of (place, "path");

      refuse (error, where, "must start with \"/\"");
      return NULL;
    }
  {
    g_autofree char *where = place_of (place, "path");

    if (!check_placeholders (description, path, where, path_allowed, error))
      return NULL;
  }

  query = get_object (object, "query", place, FALSE, &local_error);
  if (local_error == NULL && query != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (query);

      for (GList *l = members; l != NULL && local_error == NULL; l = l->next)
        {
          JsonNode *value = json_object_get_member (query, l->data);
          g_autofree char *where = g_strdup_printf ("%s.query.%s", place, (const char *) l->data);

          if (!JSON_NODE_HOLDS_VALUE (value))
            refuse (&local_error, where, "must be a string, a number or true or false");
          else
            check_template (description, value, where, path_allowed & ~FILL_ID, &local_error);
        }
    }
  body = local_error == NULL ? get_object (object, "body", place, FALSE, &local_error) : NULL;
  if (local_error == NULL && body != NULL)
    {
      g_autofree char *where = place_of (place, "body");
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), body);

      check_template (description, node, where, path_allowed & ~FILL_ID, &local_error);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }

  request = g_new0 (ConcordDescRequest, 1);
  request->method = g_strdup (methods[method]);
  request->path = g_strdup (path);
  request->query = query != NULL ? json_object_ref (query) : NULL;
  request->body = body != NULL ? json_object_ref (body) : NULL;
  request->answer = get_path (object, "answer", place, FALSE, &local_error);
  if (local_error != NULL)
    {
      request_free (request);
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (request->answer == NULL)
    request->answer = concord_desc_path_new ("", place, NULL);
  return request;
}

static JsonObject *
read_where (JsonObject  *object,
            const char  *place,
            GError     **error)
{
  GError *local_error = NULL;
  JsonObject *where = get_object (object, "where", place, FALSE, &local_error);
  g_autoptr(GList) members = NULL;

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (where == NULL)
    return NULL;
  members = json_object_get_members (where);
  if (members == NULL)
    {
      g_autofree char *at = place_of (place, "where");

      refuse (error, at, "must hold at least one member");
      return NULL;
    }
  for (GList *l = members; l != NULL; l = l->next)
    if (!JSON_NODE_HOLDS_VALUE (json_object_get_member (where, l->data)))
      {
        g_autofree char *at = g_strdup_printf ("%s.where.%s", place, (const char *) l->data);

        refuse (error, at, "must be a string, a number or true or false");
        return NULL;
      }
  return json_object_ref (where);
}

static gboolean
read_account (ConcordDescription  *description,
              JsonArray           *array,
              GError             **error)
{
  static const char * const keys[] = { "key", "kind", "label", "help", "required", "advanced",
                                       "editable", "choices", "check", "check_message",
                                       "default", NULL };
  static const char * const kinds[] = { "secret", "text", "url", "choice", NULL };
  guint n_secrets = 0;

  if (json_array_get_length (array) == 0)
    return refuse (error, "account", "must hold the secret's field");

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *place = g_strdup_printf ("account[%u]", i);
      JsonNode *node = json_array_get_element (array, i);
      ConcordDescAccountField *field;
      JsonObject *object;
      const char *key, *label, *text;
      gint kind = 0;
      GError *local_error = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return refuse (error, place, "must be an object");
      object = json_node_get_object (node);
      if (!check_keys (object, place, keys, error))
        return FALSE;
      key = get_string (object, "key", place, TRUE, error);
      if (key == NULL)
        return FALSE;
      if (!get_enum (object, "kind", place, "kind", kinds, TRUE, &kind, error))
        return FALSE;
      label = get_string (object, "label", place, TRUE, error);
      if (label == NULL)
        return FALSE;

      {
        g_autofree char *where = place_of (place, "key");

        if (*key == '\0' || !g_ascii_islower (key[0]) ||
            strspn (key, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen (key))
          return refuse (error, where, "\"%s\" is not lower-case letters, digits and \"_\"", key);
        if (g_str_equal (key, "base_url"))
          return refuse (error, where, "\"base_url\" is every described app's own field; "
                         "do not declare it");
        for (guint j = 0; j < description->account->len; j++)
          if (g_str_equal (((ConcordDescAccountField *)
                            g_ptr_array_index (description->account, j))->key, key))
            return refuse (error, where, "\"%s\" is declared twice", key);
      }

      field = g_new0 (ConcordDescAccountField, 1);
      g_ptr_array_add (description->account, field);
      field->key = g_strdup (key);
      field->kind = (ConcordDescFieldKind) kind;
      field->label = g_strdup (label);
      field->editable = TRUE;
      n_secrets += field->kind == CONCORD_DESC_FIELD_SECRET;
      field->required = field->kind == CONCORD_DESC_FIELD_SECRET;

      text = get_string (object, "help", place, FALSE, &local_error);
      field->help = g_strdup (text);
      if (local_error == NULL)
        get_boolean (object, "required", place, &field->required, &local_error);
      if (local_error == NULL)
        get_boolean (object, "advanced", place, &field->advanced, &local_error);
      if (local_error == NULL)
        get_boolean (object, "editable", place, &field->editable, &local_error);
      if (local_error == NULL)
        field->default_value = g_strdup (get_string (object, "default", place, FALSE,
                                                     &local_error));
      if (local_error == NULL)
        field->check_message = g_strdup (get_string (object, "check_message", place, FALSE,
                                                     &local_error));
      if (local_error == NULL &&
          (text = get_string (object, "check", place, FALSE, &local_error)) != NULL)
        {
          g_autofree char *where = place_of (place, "check");
          g_autoptr(GError) regex_error = NULL;

          field->check = g_regex_new (text, G_REGEX_OPTIMIZE, 0, &regex_error);
          if (field->check == NULL)
            refuse (&local_error, where, "not a regular expression (%s)", regex_error->message);
        }
      if (local_error == NULL && field->kind == CONCORD_DESC_FIELD_SECRET && !field->required)
        refuse (&local_error, place, "a secret is always required");
      if (local_error == NULL)
        {
          JsonArray *choices = get_array (object, "choices", place, FALSE, &local_error);

          if (local_error == NULL && (choices != NULL) != (field->kind == CONCORD_DESC_FIELD_CHOICE))
            refuse (&local_error, place, field->kind == CONCORD_DESC_FIELD_CHOICE
                    ? "a choice needs its \"choices\"" : "only a choice has \"choices\"");
          for (guint c = 0; local_error == NULL && choices != NULL &&
                            c < json_array_get_length (choices); c++)
            {
              g_autofree char *where = g_strdup_printf ("%s.choices[%u]", place, c);
              static const char * const choice_keys[] = { "value", "label", NULL };
              JsonNode *choice_node = json_array_get_element (choices, c);
              JsonObject *choice;
              const char *value, *choice_label;

              if (!JSON_NODE_HOLDS_OBJECT (choice_node))
                {
                  refuse (&local_error, where, "must be an object");
                  break;
                }
              choice = json_node_get_object (choice_node);
              if (!check_keys (choice, where, choice_keys, &local_error) ||
                  (value = get_string (choice, "value", where, TRUE, &local_error)) == NULL ||
                  (choice_label = get_string (choice, "label", where, TRUE, &local_error)) == NULL)
                break;
              if (field->choice_values == NULL)
                {
                  field->choice_values = g_ptr_array_new_with_free_func (g_free);
                  field->choice_labels = g_ptr_array_new_with_free_func (g_free);
                }
              g_ptr_array_add (field->choice_values, g_strdup (value));
              g_ptr_array_add (field->choice_labels, g_strdup (choice_label));
            }
          if (local_error == NULL && choices != NULL && json_array_get_length (choices) == 0)
            {
              g_autofree char *where = place_of (place, "choices");

              refuse (&local_error, where, "must hold at least one choice");
            }
        }
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
    }

  if (n_secrets != 1)
    return refuse (error, "account", n_secrets == 0 ? "no field of kind \"secret\""
                   : "more than one field of kind \"secret\"");
  return TRUE;
}

static gboolean
read_derive (ConcordDescription  *description,
             JsonObject          *object,
             GError             **error)
{
  g_autoptr(GList) names = json_object_get_members (object);
  static const char * const keys[] = { "from", "regex", NULL };

  description->derive = g_ptr_array_new_with_free_func ((GDestroyNotify) derive_free);
  for (GList *l = names; l != NULL; l = l->next)
    {
      g_autofree char *place = g_strdup_printf ("derive.%s", (const char *) l->data);
      JsonNode *node = json_object_get_member (object, l->data);
      g_autoptr(GError) regex_error = NULL;
      ConcordDescDerive *derive;
      JsonObject *rule;
      const char *from, *regex;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return refuse (error, place, "must be an object");
      rule = json_node_get_object (node);
      if (!check_keys (rule, place, keys, error) ||
          (from = get_string (rule, "from", place, TRUE, error)) == NULL ||
          (regex = get_string (rule, "regex", place, TRUE, error)) == NULL)
        return FALSE;
      if (is_account_key (description, l->data) || g_str_equal (l->data, "secret") ||
          g_str_equal (l->data, "id") || g_str_equal (l->data, "contact_type"))
        return refuse (error, place, "\"%s\" is taken", (const char *) l->data);
      if (!g_str_equal (from, "secret") && !is_account_key (description, from))
        {
          g_autofree char *where = place_of (place, "from");

          return refuse (error, where, "\"%s\" is not \"secret\" nor an account field", from);
        }

      derive = g_new0 (ConcordDescDerive, 1);
      derive->name = g_strdup (l->data);
      derive->from = g_strdup (from);
      derive->regex = g_regex_new (regex, G_REGEX_OPTIMIZE, 0, &regex_error);
      g_ptr_array_add (description->derive, derive);
      if (derive->regex == NULL)
        {
          g_autofree char *where = place_of (place, "regex");

          return refuse (error, where, "not a regular expression (%s)", regex_error->message);
        }
      if (g_regex_get_capture_count (derive->regex) < 1)
        {
          g_autofree char *where = place_of (place, "regex");

          return refuse (error, where, "has no capture group \"(…)\" for the value");
        }
    }
  return TRUE;
}

static gboolean
read_auth (ConcordDescription  *description,
           JsonObject          *object,
           GError             **error)
{
  static const char * const kinds[] = { "header", "bearer", "basic", "query", NULL };
  static const char * const header_keys[] = { "kind", "name", "value", NULL };
  static const char * const bearer_keys[] = { "kind", NULL };
  static const char * const basic_keys[] = { "kind", "user", "password", NULL };
  static const char * const query_keys[] = { "kind", "name", NULL };
  static const char * const * const keys[] = { header_keys, bearer_keys, basic_keys, query_keys };
  gint kind = 0;
  GError *local_error = NULL;
  const char *text;

  if (!get_enum (object, "kind", "auth", "kind", kinds, TRUE, &kind, error) ||
      !check_keys (object, "auth", keys[kind], error))
    return FALSE;
  description->auth = (ConcordDescAuthKind) kind;

  switch (description->auth)
    {
    case CONCORD_DESC_AUTH_HEADER:
    case CONCORD_DESC_AUTH_QUERY:
      text = get_string (object, "name", "auth", TRUE, error);
      if (text == NULL)
        return FALSE;
      if (*text == '\0' || strpbrk (text, " :\r\n{}") != NULL)
        return refuse (error, "auth.name", "\"%s\" is not a name", text);
      description->auth_name = g_strdup (text);
      text = description->auth == CONCORD_DESC_AUTH_HEADER
             ? get_string (object, "value", "auth", FALSE, &local_error) : NULL;
      description->auth_value = g_strdup (text != NULL ? text : "{secret}");
      break;
    case CONCORD_DESC_AUTH_BEARER:
      description->auth_value = g_strdup ("{secret}");
      break;
    case CONCORD_DESC_AUTH_BASIC:
      text = get_string (object, "user", "auth", FALSE, &local_error);
      description->auth_value = g_strdup (text != NULL ? text : "{secret}");
      text = local_error == NULL ? get_string (object, "password", "auth", FALSE, &local_error)
                                 : NULL;
      description->auth_password = g_strdup (text != NULL ? text : "");
      break;
    default:
      g_assert_not_reached ();
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (!check_placeholders (description, description->auth_value,
                           description->auth == CONCORD_DESC_AUTH_BASIC ? "auth.user"
                                                                        : "auth.value",
                           FILL_SECRET, error))
    return FALSE;
  if (description->auth_password != NULL &&
      !check_placeholders (description, description->auth_password, "auth.password",
                           FILL_SECRET, error))
    return FALSE;
  if (strstr (description->auth_value, "{secret}") == NULL &&
      (description->auth_password == NULL ||
       strstr (description->auth_password, "{secret}") == NULL))
    return refuse (error, "auth", "the secret goes nowhere (no {secret})");
  return TRUE;
}

static gboolean
read_items (JsonObject        *object,
            const char        *place,
            ConcordDescField  *field,
            GError           **error)
{
  static const char * const keys[] = { "value", "label", "primary", "labels", "default_label",
                                       "id", "delete", NULL };
  static const char * const concord_labels[] = { CONCORD_LABEL_WORK, CONCORD_LABEL_HOME,
                                                 CONCORD_LABEL_MOBILE, CONCORD_LABEL_OTHER,
                                                 NULL };
  JsonObject *items = get_object (object, "items", place, FALSE, error);
  g_autofree char *where = place_of (place, "items");
  ConcordDescItems *compiled;
  JsonObject *labels;
  GError *local_error = NULL;

  if (items == NULL)
    return error == NULL || *error == NULL;
  if (!check_keys (items, where, keys, error))
    return FALSE;

  compiled = g_new0 (ConcordDescItems, 1);
  field->items = compiled;
  compiled->labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  compiled->labels_back = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  compiled->value = get_path (items, "value", where, FALSE, &local_error);
  if (local_error == NULL)
    compiled->label = get_path (items, "label", where, FALSE, &local_error);
  if (local_error == NULL)
    compiled->primary = get_path (items, "primary", where, FALSE, &local_error);
  if (local_error == NULL)
    compiled->default_label = g_strdup (get_string (items, "default_label", where, FALSE,
                                                    &local_error));
  if (local_error == NULL)
    compiled->id = get_path (items, "id", where, FALSE, &local_error);
  if (local_error == NULL)
    compiled->delete_flag = get_path (items, "delete", where, FALSE, &local_error);
  if (local_error == NULL &&
      (labels = get_object (items, "labels", where, FALSE, &local_error)) != NULL)
    {
      g_autoptr(GList) names = json_object_get_members (labels);

      for (GList *l = names; l != NULL && local_error == NULL; l = l->next)
        {
          g_autofree char *at = g_strdup_printf ("%s.labels.%s", where, (const char *) l->data);
          JsonNode *node = json_object_get_member (labels, l->data);
          const char *label = JSON_NODE_HOLDS_VALUE (node) &&
                              json_node_get_value_type (node) == G_TYPE_STRING
                              ? json_node_get_string (node) : NULL;

          if (label == NULL || !g_strv_contains (concord_labels, label))
            refuse (&local_error, at, "must be \"work\", \"home\", \"mobile\" or \"other\"");
          else
            {
              g_hash_table_insert (compiled->labels, g_strdup (l->data), g_strdup (label));
              if (!g_hash_table_contains (compiled->labels_back, label))
                g_hash_table_insert (compiled->labels_back, g_strdup (label),
                                     g_strdup (l->data));
            }
        }
    }
  if (local_error == NULL && compiled->label == NULL &&
      (g_hash_table_size (compiled->labels) > 0 || compiled->default_label != NULL))
    refuse (&local_error, where, "\"labels\" and \"default_label\" need \"label\"");
  if (local_error == NULL && compiled->value == NULL &&
      (compiled->label != NULL || compiled->primary != NULL))
    refuse (&local_error, where, "items with a \"label\" or \"primary\" need \"value\"");
  if (local_error == NULL && (compiled->id == NULL) != (compiled->delete_flag == NULL))
    refuse (&local_error, where, "\"id\" and \"delete\" go together");
  if (local_error == NULL && compiled->id != NULL && compiled->value == NULL)
    refuse (&local_error, where, "items with an \"id\" need \"value\"");
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_choices (JsonObject        *object,
              const char        *place,
              ConcordDescField  *field,
              GError           **error)
{
  JsonArray *choices = get_array (object, "choices", place, FALSE, error);
  g_autoptr(GPtrArray) values = NULL;
  g_autoptr(GPtrArray) labels = NULL;
  gboolean any_label = FALSE;

  if (choices == NULL)
    return error == NULL || *error == NULL;
  if (json_array_get_length (choices) == 0)
    {
      g_autofree char *where = place_of (place, "choices");

      return refuse (error, where, "must hold at least one choice");
    }

  values = g_ptr_array_new_with_free_func (g_free);
  labels = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (choices); i++)
    {
      g_autofree char *where = g_strdup_printf ("%s.choices[%u]", place, i);
      static const char * const keys[] = { "value", "label", NULL };
      JsonNode *node = json_array_get_element (choices, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          g_ptr_array_add (values, g_strdup (json_node_get_string (node)));
          g_ptr_array_add (labels, g_strdup (json_node_get_string (node)));
        }
      else if (JSON_NODE_HOLDS_OBJECT (node))
        {
          JsonObject *choice = json_node_get_object (node);
          const char *value, *label;

          if (!check_keys (choice, where, keys, error) ||
              (value = get_string (choice, "value", where, TRUE, error)) == NULL ||
              (label = get_string (choice, "label", where, TRUE, error)) == NULL)
            return FALSE;
          g_ptr_array_add (values, g_strdup (value));
          g_ptr_array_add (labels, g_strdup (label));
          any_label = TRUE;
        }
      else
        return refuse (error, where, "must be a string or an object {value, label}");
    }
  g_ptr_array_add (values, NULL);
  g_ptr_array_add (labels, NULL);
  field->choices = (char **) g_ptr_array_free (g_steal_pointer (&values), FALSE);
  if (any_label)
    field->choice_labels = (char **) g_ptr_array_free (g_steal_pointer (&labels), FALSE);
  return TRUE;
}

/* A field object: static (with "key") or the record's email (@key given). */
static ConcordDescField *
read_field (JsonObject  *object,
            const char  *place,
            const char  *key,
            GError     **error)
{
  static const char * const field_keys[] = { "key", "path", "type", "format", "read_only",
                                             "choices", "items", NULL };
  static const char * const email_keys[] = { "path", "items", NULL };
  g_autoptr(GError) local_error = NULL;
  ConcordDescField *field;
  const ConcordFieldSpec *canonical;
  const char *type_name;
  gint format = 0;

  if (!check_keys (object, place, key != NULL ? email_keys : field_keys, error))
    return NULL;
  if (key == NULL && (key = get_string (object, "key", place, TRUE, error)) == NULL)
    return NULL;

  canonical = concord_fields_lookup (key);
  if (canonical == NULL && !concord_field_is_custom (key))
    {
      g_autofree char *where = place_of (place, "key");

      refuse (error, where, "\"%s\" is not a Concord field nor \"custom:<name>\"", key);
      return NULL;
    }
  if (g_str_equal (key, CONCORD_FIELD_EMAILS) || g_str_equal (key, CONCORD_FIELD_PHONES))
    {
      g_autofree char *where = place_of (place, "key");

      refuse (error, where, "\"%s\" comes with \"%s\" and its \"items\"", key,
              g_str_equal (key, CONCORD_FIELD_EMAILS) ? "email" : "phone");
      return NULL;
    }

  field = g_new0 (ConcordDescField, 1);
  field->key = g_strdup (key);
  field->type = canonical != NULL ? canonical->type : CONCORD_FIELD_TYPE_STRING;
  field->path = get_path (object, "path", place, TRUE, &local_error);
  if (local_error == NULL && field->path->n_steps == 0)
    {
      g_autofree char *where = place_of (place, "path");

      refuse (&local_error, where, "a field's path cannot be empty");
    }
  if (local_error == NULL &&
      (type_name = get_string (object, "type", place, FALSE, &local_error)) != NULL &&
      !concord_field_type_from_string (type_name, &field->type))
    {
      g_autofree char *where = place_of (place, "type");

      refuse (&local_error, where, "unknown type \"%s\"", type_name);
    }
  if (local_error == NULL && json_object_has_member (object, "format"))
    {
      field->has_format = TRUE;
      if (get_enum (object, "format", place, "time format", time_formats, TRUE, &format,
                    &local_error))
        field->format = (ConcordDescTime) format;
      if (local_error == NULL && field->type != CONCORD_FIELD_TYPE_DATE &&
          field->type != CONCORD_FIELD_TYPE_DATETIME)
        {
          g_autofree char *where = place_of (place, "format");

          refuse (&local_error, where, "only a date or datetime field has a time format");
        }
    }
  if (local_error == NULL)
    get_boolean (object, "read_only", place, &field->read_only, &local_error);
  if (local_error == NULL)
    read_choices (object, place, field, &local_error);
  if (local_error == NULL && field->choices != NULL && field->type != CONCORD_FIELD_TYPE_ENUM &&
      field->type != CONCORD_FIELD_TYPE_STRING_SET)
    {
      g_autofree char *where = place_of (place, "choices");

      refuse (&local_error, where, "only an enum or string-set field has choices");
    }
  if (local_error == NULL)
    read_items (object, place, field, &local_error);
  if (local_error == NULL && field->items != NULL &&
      field->type != CONCORD_FIELD_TYPE_EMAIL && field->type != CONCORD_FIELD_TYPE_PHONE &&
      !g_str_equal (key, CONCORD_FIELD_EMAIL) && !g_str_equal (key, CONCORD_FIELD_PHONE))
    field->type = CONCORD_FIELD_TYPE_STRING_SET;
  if (local_error == NULL && field->items != NULL && field->items->label != NULL &&
      !g_str_equal (key, CONCORD_FIELD_EMAIL) && !g_str_equal (key, CONCORD_FIELD_PHONE))
    {
      g_autofree char *where = g_strdup_printf ("%s.items.label", place);

      refuse (&local_error, where, "only email and phone items have labels");
    }

  if (local_error != NULL)
    {
      field_free (field);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return field;
}

static gboolean
read_custom (ConcordDescription      *description,
             ConcordDescContactType  *type,
             JsonObject              *object,
             const char              *place,
             GError                 **error)
{
  static const char * const keys[] = { "definitions", "types", "values", NULL };
  static const char * const definition_keys[] = { "records", "where", "id", "name", "type",
                                                  "read_only", "options", NULL };
  static const char * const option_keys[] = { "path", "value", "label", NULL };
  static const char * const values_keys[] = { "path", "id", "value", "object", NULL };
  g_autofree char *defs_place = place_of (place, "definitions");
  g_autofree char *types_place = place_of (place, "types");
  g_autofree char *values_place = place_of (place, "values");
  ConcordDescCustom *custom;
  JsonObject *definitions, *types, *values, *options;
  g_autoptr(GList) type_names = NULL;
  GError *local_error = NULL;

  if (!check_keys (object, place, keys, error) ||
      (definitions = get_object (object, "definitions", place, TRUE, error)) == NULL ||
      (types = get_object (object, "types", place, TRUE, error)) == NULL ||
      (values = get_object (object, "values", place, TRUE, error)) == NULL)
    return FALSE;

  custom = g_new0 (ConcordDescCustom, 1);
  type->custom = custom;
  custom->request = read_request (description, definitions, defs_place, definition_keys,
                                  FILL_CONTACT_TYPE, error);
  if (custom->request == NULL)
    return FALSE;
  if ((custom->records = get_path (definitions, "records", defs_place, TRUE, error)) == NULL ||
      (custom->id = get_path (definitions, "id", defs_place, TRUE, error)) == NULL ||
      (custom->name = get_path (definitions, "name", defs_place, TRUE, error)) == NULL ||
      (custom->type = get_path (definitions, "type", defs_place, TRUE, error)) == NULL)
    return FALSE;
  custom->read_only = get_path (definitions, "read_only", defs_place, FALSE, &local_error);
  if (local_error == NULL)
    custom->where = read_where (definitions, defs_place, &local_error);
  if (local_error == NULL &&
      (options = get_object (definitions, "options", defs_place, FALSE, &local_error)) != NULL)
    {
      g_autofree char *where = place_of (defs_place, "options");

      if (check_keys (options, where, option_keys, &local_error) &&
          (custom->options = get_path (options, "path", where, TRUE, &local_error)) != NULL)
        custom->option_value = get_path (options, "value", where, FALSE, &local_error);
      if (local_error == NULL && custom->options != NULL)
        custom->option_label = get_path (options, "label", where, FALSE, &local_error);
      if (local_error == NULL && (custom->option_value == NULL) != (custom->option_label == NULL))
        refuse (&local_error, where, "\"value\" and \"label\" go together");
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  type_names = json_object_get_members (types);
  if (type_names == NULL)
    return refuse (error, types_place, "must map at least one type");
  custom->types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (GList *l = type_names; l != NULL; l = l->next)
    {
      g_autofree char *where = place_of (types_place, l->data);
      JsonNode *node = json_object_get_member (types, l->data);
      ConcordFieldType field_type;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
          !concord_field_type_from_string (json_node_get_string (node), &field_type))
        return refuse (error, where, "unknown type \"%s\"",
                       JSON_NODE_HOLDS_VALUE (node) &&
                       json_node_get_value_type (node) == G_TYPE_STRING
                       ? json_node_get_string (node) : "?");
      g_hash_table_insert (custom->types, g_strdup (l->data),
                           GINT_TO_POINTER ((gint) field_type + 1));
    }

  if (!check_keys (values, values_place, values_keys, error))
    return FALSE;
  if (json_object_has_member (values, "object"))
    {
      if (json_object_has_member (values, "path") || json_object_has_member (values, "id") ||
          json_object_has_member (values, "value"))
        return refuse (error, values_place, "\"object\" or \"path\", \"id\" and \"value\", "
                       "not both");
      custom->values_object = TRUE;
      custom->values = get_path (values, "object", values_place, TRUE, error);
      return custom->values != NULL;
    }
  if ((custom->values = get_path (values, "path", values_place, TRUE, error)) == NULL ||
      (custom->value_id = get_path (values, "id", values_place, TRUE, error)) == NULL ||
      (custom->value_value = get_path (values, "value", values_place, TRUE, error)) == NULL)
    return FALSE;
  if (custom->values->n_steps == 0 || custom->value_id->n_steps == 0)
    return refuse (error, values_place, "\"path\" and \"id\" cannot be empty");
  return TRUE;
}

static gboolean
read_paging (ConcordDescContactType  *type,
             JsonObject              *object,
             const char              *place,
             GError                 **error)
{
  static const char * const styles[] = { "offset", "page_number", "cursor", "link", NULL };
  static const char * const offset_keys[] = { "style", "offset", "size", "page_size", "ends",
                                              NULL };
  static const char * const number_keys[] = { "style", "page", "size", "page_size", "first",
                                              "ends", NULL };
  static const char * const cursor_keys[] = { "style", "cursor", "next", "size", "page_size",
                                              NULL };
  static const char * const link_keys[] = { "style", "size", "page_size", NULL };
  static const char * const * const keys[] = { offset_keys, number_keys, cursor_keys,
                                               link_keys };
  static const char * const param_names[] = { "offset", "page", "cursor", NULL };
  static const char * const ends[] = { "short_page", "empty_page", NULL };
  gint style = 0;
  gint end = 0;
  const char *text;
  GError *local_error = NULL;

  if (!get_enum (object, "style", place, "style", styles, TRUE, &style, error) ||
      !check_keys (object, place, keys[style], error))
    return FALSE;
  type->paging = (ConcordDescPaging) style;

  if (type->paging != CONCORD_DESC_PAGING_LINK)
    {
      text = get_string (object, param_names[style], place, TRUE, error);
      if (text == NULL)
        return FALSE;
      type->page_param = g_strdup (text);
    }
  text = get_string (object, "size", place, FALSE, &local_error);
  type->size_param = g_strdup (text);
  if (local_error == NULL && !json_object_has_member (object, "page_size"))
    refuse (&local_error, place, "\"page_size\" is missing");
  if (local_error == NULL)
    get_uint (object, "page_size", place, 1, MAX_PAGE_SIZE, &type->page_size, &local_error);
  type->first_page = 1;
  if (local_error == NULL)
    get_uint (object, "first", place, 0, 1, &type->first_page, &local_error);
  if (local_error == NULL)
    get_enum (object, "ends", place, "end", ends, FALSE, &end, &local_error);
  type->short_page_ends = end == 0;
  if (local_error == NULL && type->paging == CONCORD_DESC_PAGING_CURSOR)
    type->next = get_path (object, "next", place, TRUE, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_incremental (ConcordDescContactType  *type,
                  JsonObject              *object,
                  const char              *place,
                  GError                 **error)
{
  static const char * const styles[] = { "modified_since", "sync_token", NULL };
  static const char * const since_keys[] = { "style", "parameter", "format", "overlap", NULL };
  static const char * const token_keys[] = { "style", "parameter", "token", NULL };
  gint style = 0;
  gint format = 0;
  const char *parameter;

  if (!get_enum (object, "style", place, "style", styles, TRUE, &style, error) ||
      !check_keys (object, place, style == 0 ? since_keys : token_keys, error) ||
      (parameter = get_string (object, "parameter", place, TRUE, error)) == NULL)
    return FALSE;
  type->since_param = g_strdup (parameter);
  if (style == 0)
    {
      type->incremental = CONCORD_DESC_INCREMENTAL_MODIFIED_SINCE;
      type->overlap = 1;
      if (!get_enum (object, "format", place, "time format", time_formats, TRUE, &format, error) ||
          !get_uint (object, "overlap", place, 0, 86400, &type->overlap, error))
        return FALSE;
      type->since_format = (ConcordDescTime) format;
      return TRUE;
    }

  type->incremental = CONCORD_DESC_INCREMENTAL_SYNC_TOKEN;
  type->sync_token = get_path (object, "token", place, TRUE, error);
  return type->sync_token != NULL;
}

static gboolean
read_record (ConcordDescContactType  *type,
             JsonObject              *object,
             const char              *place,
             GError                 **error)
{
  static const char * const keys[] = { "id", "email", "modified", "where", NULL };
  static const char * const modified_keys[] = { "path", "format", NULL };
  g_autofree char *email_place = place_of (place, "email");
  g_autofree char *modified_place = place_of (place, "modified");
  JsonObject *email, *modified;
  GError *local_error = NULL;
  gint format = 0;

  if (!check_keys (object, place, keys, error) ||
      (type->record_id = get_path (object, "id", place, TRUE, error)) == NULL ||
      (email = get_object (object, "email", place, TRUE, error)) == NULL ||
      (type->email = read_field (email, email_place, CONCORD_FIELD_EMAIL, error)) == NULL)
    return FALSE;
  if (type->record_id->n_steps == 0)
    {
      g_autofree char *where = place_of (place, "id");

      return refuse (error, where, "cannot be empty");
    }

  modified = get_object (object, "modified", place, FALSE, &local_error);
  if (local_error == NULL && modified != NULL)
    {
      if (check_keys (modified, modified_place, modified_keys, &local_error) &&
          (type->modified = get_path (modified, "path", modified_place, TRUE,
                                      &local_error)) != NULL &&
          get_enum (modified, "format", modified_place, "time format", time_formats, TRUE,
                    &format, &local_error))
        type->modified_format = (ConcordDescTime) format;
    }
  if (local_error == NULL)
    type->where = read_where (object, place, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_contact_type (ConcordDescription  *description,
                   JsonObject          *object,
                   guint                index,
                   GError             **error)
{
  static const char * const keys[] = { "id", "label", "discover", "list", "record", "fields",
                                       "custom_fields", "fetch", "create", "update", NULL };
  static const char * const discover_keys[] = { "records", "id", "name", NULL };
  static const char * const list_keys[] = { "records", "parameters", "paging", "incremental",
                                            NULL };
  static const char * const create_keys[] = { "batch", "wrap", "records", NULL };
  static const char * const update_keys[] = { "shape", "wrap", "id_member", NULL };
  static const char * const where_params[] = { "query", "body", NULL };
  static const char * const shapes[] = { "partial", "full", NULL };
  g_autofree char *place = g_strdup_printf ("contact_types[%u]", index);
  g_autofree char *list_place = place_of (place, "list");
  g_autofree char *create_place = place_of (place, "create");
  g_autofree char *update_place = place_of (place, "update");
  ConcordDescContactType *type;
  JsonObject *member;
  JsonArray *fields;
  GError *local_error = NULL;
  gint params = 0;
  gint shape = 0;
  const char *text;

  if (!check_keys (object, place, keys, error))
    return FALSE;

  type = g_new0 (ConcordDescContactType, 1);
  g_ptr_array_add (description->contact_types, type);
  type->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) field_free);
  type->batch = 1;

  /* Fixed, or discovered. */
  if (json_object_has_member (object, "discover"))
    {
      g_autofree char *where = place_of (place, "discover");

      if (json_object_has_member (object, "id") || json_object_has_member (object, "label"))
        return refuse (error, place, "\"id\" and \"label\", or \"discover\", not both");
      if ((member = get_object (object, "discover", place, TRUE, error)) == NULL ||
          (type->discover = read_request (description, member, where, discover_keys, 0,
                                          error)) == NULL ||
          (type->discover_records = get_path (member, "records", where, TRUE, error)) == NULL ||
          (type->discover_id = get_path (member, "id", where, TRUE, error)) == NULL ||
          (type->discover_name = get_path (member, "name", where, TRUE, error)) == NULL)
        return FALSE;
    }
  else
    {
      if ((text = get_string (object, "id", place, TRUE, error)) == NULL)
        return FALSE;
      if (*text == '\0' || strpbrk (text, "/{}?#% ") != NULL)
        {
          g_autofree char *where = place_of (place, "id");

          return refuse (error, where, "\"%s\" is not an id", text);
        }
      for (guint i = 0; i + 1 < description->contact_types->len; i++)
        if (g_strcmp0 (((ConcordDescContactType *)
                        g_ptr_array_index (description->contact_types, i))->id, text) == 0)
          {
            g_autofree char *where = place_of (place, "id");

            return refuse (error, where, "\"%s\" is used twice", text);
          }
      type->id = g_strdup (text);
      if ((text = get_string (object, "label", place, TRUE, error)) == NULL)
        return FALSE;
      type->label = g_strdup (text);
    }

  /* The listing. */
  if ((member = get_object (object, "list", place, TRUE, error)) == NULL ||
      (type->list = read_request (description, member, list_place, list_keys,
                                  FILL_CONTACT_TYPE, error)) == NULL ||
      (type->list_records = get_path (member, "records", list_place, TRUE, error)) == NULL ||
      !get_enum (member, "parameters", list_place, "place", where_params, FALSE, &params, error))
    return FALSE;
  type->params_in_body = params == 1;
  if (type->params_in_body && g_str_equal (type->list->method, "GET"))
    return refuse (error, list_place, "a GET has no body for \"parameters\": \"body\"");
  {
    g_autofree char *paging_place = place_of (list_place, "paging");
    g_autofree char *incremental_place = place_of (list_place, "incremental");
    JsonObject *paging = get_object (member, "paging", list_place, TRUE, error);
    JsonObject *incremental;

    if (paging == NULL || !read_paging (type, paging, paging_place, error))
      return FALSE;
    incremental = get_object (member, "incremental", list_place, FALSE, &local_error);
    if (local_error != NULL)
      {
        g_propagate_error (error, local_error);
        return FALSE;
      }
    if (incremental != NULL && !read_incremental (type, incremental, incremental_place, error))
      return FALSE;
  }

  /* Records. */
  {
    g_autofree char *where = place_of (place, "record");

    if ((member = get_object (object, "record", place, TRUE, error)) == NULL ||
        !read_record (type, member, where, error))
      return FALSE;
  }
  if (type->incremental == CONCORD_DESC_INCREMENTAL_MODIFIED_SINCE && type->modified == NULL)
    {
      g_autofree char *where = g_strdup_printf ("%s.record.modified", place);

      return refuse (error, where, "missing, and the listing is incremental by modification "
                     "time");
    }

  fields = get_array (object, "fields", place, FALSE, &local_error);
  for (guint i = 0; local_error == NULL && fields != NULL && i < json_array_get_length (fields);
       i++)
    {
      g_autofree char *where = g_strdup_printf ("%s.fields[%u]", place, i);
      JsonNode *node = json_array_get_element (fields, i);
      ConcordDescField *field;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return refuse (error, where, "must be an object");
      field = read_field (json_node_get_object (node), where, NULL, error);
      if (field == NULL)
        return FALSE;
      g_ptr_array_add (type->fields, field);
      if (g_str_equal (field->key, CONCORD_FIELD_EMAIL))
        return refuse (error, where, "the email is \"record.email\"");
      for (guint j = 0; j + 1 < type->fields->len; j++)
        if (g_str_equal (((ConcordDescField *) g_ptr_array_index (type->fields, j))->key,
                         field->key))
          return refuse (error, where, "\"%s\" is declared twice", field->key);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (json_object_has_member (object, "custom_fields"))
    {
      g_autofree char *where = place_of (place, "custom_fields");

      if ((member = get_object (object, "custom_fields", place, TRUE, error)) == NULL ||
          !read_custom (description, type, member, where, error))
        return FALSE;
    }

  /* Fetch, create, update. */
  {
    g_autofree char *where = place_of (place, "fetch");

    if ((member = get_object (object, "fetch", place, TRUE, error)) == NULL ||
        (type->fetch = read_request (description, member, where, NULL,
                                     FILL_CONTACT_TYPE | FILL_ID, error)) == NULL)
      return FALSE;
    if (strstr (type->fetch->path, "{id}") == NULL)
      {
        g_autofree char *at = place_of (where, "path");

        return refuse (error, at, "does not name the record ({id})");
      }
  }

  if ((member = get_object (object, "create", place, TRUE, error)) == NULL ||
      (type->create = read_request (description, member, create_place, create_keys,
                                    FILL_CONTACT_TYPE, error)) == NULL ||
      !get_uint (member, "batch", create_place, 1, MAX_BATCH, &type->batch, error))
    return FALSE;
  type->create_wrap = g_strdup (get_string (member, "wrap", create_place, FALSE, &local_error));
  if (local_error == NULL)
    type->create_records = g_strdup (get_string (member, "records", create_place, FALSE,
                                                 &local_error));
  if (local_error == NULL && (type->batch > 1) != (type->create_records != NULL))
    refuse (&local_error, create_place, type->batch > 1
            ? "a batch above 1 needs \"records\", the member of the body that holds them"
            : "\"records\" is only for a batch above 1");
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if ((member = get_object (object, "update", place, TRUE, error)) == NULL ||
      (type->update = read_request (description, member, update_place, update_keys,
                                    FILL_CONTACT_TYPE | FILL_ID, error)) == NULL ||
      !get_enum (member, "shape", update_place, "shape", shapes, FALSE, &shape, error))
    return FALSE;
  type->update_full = shape == 1;
  type->update_wrap = g_strdup (get_string (member, "wrap", update_place, FALSE, &local_error));
  if (local_error == NULL)
    type->id_member = g_strdup (get_string (member, "id_member", update_place, FALSE,
                                            &local_error));
  if (local_error == NULL && type->id_member == NULL &&
      strstr (type->update->path, "{id}") == NULL)
    refuse (&local_error, update_place, "names the record neither in its path ({id}) nor "
            "with \"id_member\"");
  if (local_error == NULL && g_str_equal (type->update->method, "GET"))
    refuse (&local_error, update_place, "an update cannot be a GET");
  if (local_error == NULL && g_str_equal (type->create->method, "GET"))
    refuse (&local_error, create_place, "a create cannot be a GET");
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Loading                                                                   */
/* ------------------------------------------------------------------------- */

static gboolean
read_description (ConcordDescription  *description,
                  JsonObject          *top,
                  GError             **error)
{
  static const char * const keys[] = { "format", "id", "name", "icon", "key_url", "key_help",
                                       "account", "base_url", "derive", "auth", "headers",
                                       "verify", "rate_limit", "error", "hooks",
                                       "contact_types", "max_in_flight", NULL };
  static const char * const verify_keys[] = { "expect", NULL };
  static const char * const rate_keys[] = { "remaining", "reset", "requests", "per_seconds",
                                            NULL };
  static const char * const error_keys[] = { "message", NULL };
  guint format = 0;
  const char *text;
  JsonObject *object;
  JsonArray *array;
  GError *local_error = NULL;
  g_autofree char *expected_icon = NULL;

  if (!check_keys (top, "", keys, error))
    return FALSE;
  if (!json_object_has_member (top, "format"))
    return refuse (error, "format", "missing");
  if (!get_uint (top, "format", "", 0, G_MAXINT32, &format, error))
    return FALSE;
  if (format != CONCORD_DESCRIPTION_FORMAT)
    return refuse (error, "format", "%u is not a format this Concord reads (%d)", format,
                   CONCORD_DESCRIPTION_FORMAT);

  if ((text = get_string (top, "id", "", TRUE, error)) == NULL)
    return FALSE;
  if (*text == '\0' || strlen (text) > 64 || !g_ascii_isalnum (text[0]) ||
      strspn (text, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen (text))
    return refuse (error, "id", "\"%s\" is not lower-case letters, digits and \"-\"", text);
  description->id = g_strdup (text);
  if ((text = get_string (top, "name", "", TRUE, error)) == NULL)
    return FALSE;
  if (*text == '\0')
    return refuse (error, "name", "cannot be empty");
  description->name = g_strdup (text);
  if ((text = get_string (top, "icon", "", TRUE, error)) == NULL)
    return FALSE;
  expected_icon = g_strdup_printf ("concord-app-%s-symbolic", description->id);
  if (!g_str_equal (text, expected_icon))
    return refuse (error, "icon", "must be \"%s\"", expected_icon);
  description->icon = g_strdup (text);
  if ((text = get_string (top, "key_url", "", TRUE, error)) == NULL)
    return FALSE;
  if (!g_str_has_prefix (text, "https://") || strlen (text) <= strlen ("https://"))
    return refuse (error, "key_url", "must be an https:// address");
  description->key_url = g_strdup (text);
  description->key_help = g_strdup (get_string (top, "key_help", "", FALSE, &local_error));
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  description->account = g_ptr_array_new_with_free_func ((GDestroyNotify) account_field_free);
  if ((array = get_array (top, "account", "", TRUE, error)) == NULL ||
      !read_account (description, array, error))
    return FALSE;

  object = get_object (top, "derive", "", FALSE, &local_error);
  if (local_error == NULL && object != NULL)
    read_derive (description, object, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if ((text = get_string (top, "base_url", "", TRUE, error)) == NULL)
    return FALSE;
  if (!g_str_has_prefix (text, "https://") && !g_str_has_prefix (text, "http://"))
    return refuse (error, "base_url", "must be an http(s):// address");
  if (!check_placeholders (description, text, "base_url", 0, error))
    return FALSE;
  description->base_url = g_strdup (text);

  if ((object = get_object (top, "auth", "", TRUE, error)) == NULL ||
      !read_auth (description, object, error))
    return FALSE;

  description->header_names = g_ptr_array_new_with_free_func (g_free);
  description->header_values = g_ptr_array_new_with_free_func (g_free);
  object = get_object (top, "headers", "", FALSE, &local_error);
  if (local_error == NULL && object != NULL)
    {
      g_autoptr(GList) names = json_object_get_members (object);

      for (GList *l = names; l != NULL; l = l->next)
        {
          g_autofree char *where = g_strdup_printf ("headers.%s", (const char *) l->data);
          JsonNode *node = json_object_get_member (object, l->data);

          if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
            return refuse (error, where, "must be a string");
          if (*(const char *) l->data == '\0' || strpbrk (l->data, " :\r\n") != NULL)
            return refuse (error, where, "not a header name");
          if (strpbrk (json_node_get_string (node), "\r\n") != NULL)
            return refuse (error, where, "a header value is one line");
          if (!check_placeholders (description, json_node_get_string (node), where, 0, error))
            return FALSE;
          g_ptr_array_add (description->header_names, g_strdup (l->data));
          g_ptr_array_add (description->header_values,
                           g_strdup (json_node_get_string (node)));
        }
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if ((object = get_object (top, "verify", "", TRUE, error)) == NULL ||
      (description->verify = read_request (description, object, "verify", verify_keys, 0,
                                           error)) == NULL)
    return FALSE;
  description->verify_expect = get_path (object, "expect", "verify", FALSE, &local_error);

  description->max_in_flight = 4;
  if (local_error == NULL)
    get_uint (top, "max_in_flight", "", 1, 16, &description->max_in_flight, &local_error);

  object = local_error == NULL ? get_object (top, "rate_limit", "", FALSE, &local_error) : NULL;
  if (object != NULL && check_keys (object, "rate_limit", rate_keys, &local_error))
    {
      description->rate_remaining = g_strdup (get_string (object, "remaining", "rate_limit",
                                                          FALSE, &local_error));
      if (local_error == NULL)
        description->rate_reset = g_strdup (get_string (object, "reset", "rate_limit", FALSE,
                                                        &local_error));
      if (local_error == NULL)
        get_uint (object, "requests", "rate_limit", 1, 1000000, &description->rate_requests,
                  &local_error);
      if (local_error == NULL)
        get_uint (object, "per_seconds", "rate_limit", 1, 31 * 86400,
                  &description->rate_seconds, &local_error);
      if (local_error == NULL && (description->rate_requests == 0) !=
                                 (description->rate_seconds == 0))
        refuse (&local_error, "rate_limit", "\"requests\" and \"per_seconds\" go together");
      if (local_error == NULL && description->rate_reset != NULL &&
          description->rate_remaining == NULL)
        refuse (&local_error, "rate_limit", "\"reset\" needs \"remaining\"");
      if (local_error == NULL && description->rate_requests == 0 &&
          description->rate_remaining == NULL)
        refuse (&local_error, "rate_limit", "says nothing (\"remaining\" or \"requests\")");
    }

  description->error_paths = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                             concord_desc_path_free);
  object = local_error == NULL ? get_object (top, "error", "", FALSE, &local_error) : NULL;
  if (object != NULL && check_keys (object, "error", error_keys, &local_error) &&
      (array = get_array (object, "message", "error", TRUE, &local_error)) != NULL)
    {
      if (json_array_get_length (array) == 0)
        refuse (&local_error, "error.message", "must hold at least one path");
      for (guint i = 0; local_error == NULL && i < json_array_get_length (array); i++)
        {
          g_autofree char *where = g_strdup_printf ("error.message[%u]", i);
          JsonNode *node = json_array_get_element (array, i);
          ConcordDescPath *path;

          if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
            refuse (&local_error, where, "must be a string");
          else if ((path = concord_desc_path_new (json_node_get_string (node), where,
                                                  &local_error)) != NULL)
            g_ptr_array_add (description->error_paths, path);
        }
    }

  array = local_error == NULL ? get_array (top, "hooks", "", FALSE, &local_error) : NULL;
  {
    g_autoptr(GPtrArray) hooks = g_ptr_array_new_with_free_func (g_free);

    for (guint i = 0; local_error == NULL && array != NULL && i < json_array_get_length (array);
         i++)
      {
        JsonNode *node = json_array_get_element (array, i);
        const char *name = JSON_NODE_HOLDS_VALUE (node) &&
                           json_node_get_value_type (node) == G_TYPE_STRING
                           ? json_node_get_string (node) : NULL;

        if (name == NULL)
          {
            g_autofree char *where = g_strdup_printf ("hooks[%u]", i);

            refuse (&local_error, where, "must be a string");
          }
        else if (concord_json_hooks_lookup (name) == NULL)
          refuse (&local_error, "hooks", "\"%s\" is not a known hook", name);
        else if (g_ptr_array_find_with_equal_func (hooks, name, g_str_equal, NULL))
          refuse (&local_error, "hooks", "\"%s\" is listed twice", name);
        else
          g_ptr_array_add (hooks, g_strdup (name));
      }
    g_ptr_array_add (hooks, NULL);
    description->hooks = (char **) g_ptr_array_free (g_steal_pointer (&hooks), FALSE);
  }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  description->contact_types = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                               contact_type_free);
  if ((array = get_array (top, "contact_types", "", TRUE, error)) == NULL)
    return FALSE;
  if (json_array_get_length (array) == 0)
    return refuse (error, "contact_types", "must hold at least one contact type");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_autofree char *where = g_strdup_printf ("contact_types[%u]", i);

          return refuse (error, where, "must be an object");
        }
      if (!read_contact_type (description, json_node_get_object (node), i, error))
        return FALSE;
    }

  return TRUE;
}

/**
 * concord_description_load:
 * @data: a description's JSON
 * @length: its length, or -1 when NUL-terminated
 *
 * Reads and checks a connector description.
 *
 * Returns: (transfer full) (nullable): the description, or %NULL with
 *   @error set (%CONCORD_ERROR_INVALID, or %CONCORD_ERROR_PARSE for what
 *   is not JSON): "<place>: <reason>"
 */
ConcordDescription *
concord_description_load (const char  *data,
                          gssize       length,
                          GError     **error)
{
  g_autoptr(ConcordDescription) description = NULL;
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = concord_json_parse (data, length, MAX_DESCRIPTION_BYTES, error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "(top): a description is a JSON object");
      return NULL;
    }

  description = g_new0 (ConcordDescription, 1);
  g_atomic_ref_count_init (&description->ref_count);
  if (!read_description (description, json_node_get_object (root), error))
    return NULL;
  return g_steal_pointer (&description);
}

/**
 * concord_description_uses_hook:
 *
 * Returns: whether the description lists @hook (only then is it called)
 */
gboolean
concord_description_uses_hook (const ConcordDescription *description,
                               const char               *hook)
{
  return g_strv_contains ((const char * const *) description->hooks, hook);
}

/**
 * concord_description_find_type:
 * @contact_type: a contact type's id
 *
 * Returns: (nullable): the fixed type of that id, else the first
 *   discovered entry (whose ids come from the app), else %NULL
 */
const ConcordDescContactType *
concord_description_find_type (const ConcordDescription *description,
                               const char               *contact_type)
{
  const ConcordDescContactType *discovered = NULL;

  for (guint i = 0; i < description->contact_types->len; i++)
    {
      const ConcordDescContactType *type = g_ptr_array_index (description->contact_types, i);

      if (type->id != NULL && g_strcmp0 (type->id, contact_type) == 0)
        return type;
      if (type->id == NULL && discovered == NULL)
        discovered = type;
    }
  return discovered;
}

/* ------------------------------------------------------------------------- */
/* Filling placeholders                                                      */
/* ------------------------------------------------------------------------- */

static const char *
option_value (const ConcordDescription *description,
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
                                                    : option_value (description, options,
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
      else if (is_derived ((ConcordDescription *) description, name) &&
               (value = option_value (description, options, name)) != NULL)
        ;
      else if (is_derived ((ConcordDescription *) description, name))
        {
          /* Not worked out before (a connector keeps derived values among
           * its options, not the secret): from the source now. */
          derived = concord_description_derive (description, name, options, secret, error);
          if (derived == NULL)
            return NULL;
          value = derived;
        }
      else
        value = option_value (description, options, name);

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
