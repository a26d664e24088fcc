/* concord-description-read.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The description loader's reading: members read with their places (every
 * refusal names where), placeholders checked, and the sections of a
 * description's top: requests, the account's fields, derived values and
 * auth.
 */

#define G_LOG_DOMAIN "concord-description"

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-fields.h"
#include "concord-http-client.h"
#include "concord-json-hooks.h"
#include "concord-json-private.h"

#include "concord-description-private.h"

/* ------------------------------------------------------------------------- */
/* Reading, with places                                                      */
/* ------------------------------------------------------------------------- */

gboolean G_GNUC_PRINTF (3, 4)
_concord_description_refuse (GError     **error,
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

char *
_concord_description_place_of (const char *place,
                               const char *member)
{
  return *place == '\0' ? g_strdup (member) : g_strdup_printf ("%s.%s", place, member);
}

gboolean
_concord_description_check_keys (JsonObject         *object,
                                 const char         *place,
                                 const char * const *allowed,
                                 GError            **error)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (allowed, l->data))
      {
        g_autofree char *where = _concord_description_place_of (place, l->data);

        return _concord_description_refuse (error, where, "unknown key");
      }
  return TRUE;
}

/* An object member; %NULL without error when absent and optional. */
JsonObject *
_concord_description_get_object (JsonObject *object,
                                 const char *member,
                                 const char *place,
                                 gboolean    required,
                                 GError    **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autofree char *where = _concord_description_place_of (place, member);

  if (node == NULL)
    {
      if (required)
        _concord_description_refuse (error, where, "missing");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      _concord_description_refuse (error, where, "must be an object");
      return NULL;
    }
  return json_node_get_object (node);
}

JsonArray *
_concord_description_get_array (JsonObject *object,
                                const char *member,
                                const char *place,
                                gboolean    required,
                                GError    **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autofree char *where = _concord_description_place_of (place, member);

  if (node == NULL)
    {
      if (required)
        _concord_description_refuse (error, where, "missing");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      _concord_description_refuse (error, where, "must be an array");
      return NULL;
    }
  return json_node_get_array (node);
}

/* A string member; %NULL without error when absent and optional. */
const char *
_concord_description_get_string (JsonObject *object,
                                 const char *member,
                                 const char *place,
                                 gboolean    required,
                                 GError    **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autofree char *where = _concord_description_place_of (place, member);

  if (node == NULL)
    {
      if (required)
        _concord_description_refuse (error, where, "missing");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      _concord_description_refuse (error, where, "must be a string");
      return NULL;
    }
  if (!g_utf8_validate (json_node_get_string (node), -1, NULL))
    {
      _concord_description_refuse (error, where, "is not valid UTF-8");
      return NULL;
    }
  return json_node_get_string (node);
}

gboolean
_concord_description_get_boolean (JsonObject *object,
                                  const char *member,
                                  const char *place,
                                  gboolean   *out,
                                  GError    **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autofree char *where = _concord_description_place_of (place, member);

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return _concord_description_refuse (error, where, "must be true or false");
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* An integer member in [min, max]; absent keeps @out. */
gboolean
_concord_description_get_uint (JsonObject *object,
                               const char *member,
                               const char *place,
                               gint64      min,
                               gint64      max,
                               guint      *out,
                               GError    **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autofree char *where = _concord_description_place_of (place, member);
  gint64 value;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return _concord_description_refuse (error, where, "must be a whole number");
  value = json_node_get_int (node);
  if (value < min || value > max)
    return _concord_description_refuse (error, where, "%" G_GINT64_FORMAT " is out of range (%" G_GINT64_FORMAT
                                        "–%" G_GINT64_FORMAT ")", value, min, max);
  *out = (guint) value;
  return TRUE;
}

/* One of @names; its index in @out. */
gboolean
_concord_description_get_enum (JsonObject         *object,
                               const char         *member,
                               const char         *place,
                               const char         *what,
                               const char * const *names,
                               gboolean            required,
                               gint               *out,
                               GError            **error)
{
  GError *local_error = NULL;
  const char *value = _concord_description_get_string (object, member, place, required, &local_error);
  g_autofree char *where = _concord_description_place_of (place, member);

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
  return _concord_description_refuse (error, where, "unknown %s \"%s\"", what, value);
}

ConcordDescPath *
_concord_description_get_path (JsonObject *object,
                               const char *member,
                               const char *place,
                               gboolean    required,
                               GError    **error)
{
  GError *local_error = NULL;
  const char *text = _concord_description_get_string (object, member, place, required, &local_error);
  g_autofree char *where = _concord_description_place_of (place, member);

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

gboolean
_concord_description_is_derived (ConcordDescription *description,
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
gboolean
_concord_description_check_placeholders (ConcordDescription    *description,
                                         const char            *text,
                                         const char            *place,
                                         ConcordDescFillAllowed allowed,
                                         GError               **error)
{
  for (const char *p = strchr (text, '{'); p != NULL; p = strchr (p + 1, '{'))
    {
      const char *close = strchr (p, '}');
      g_autofree char *name = NULL;

      if (close == NULL)
        return _concord_description_refuse (error, place, "a \"{\" without its \"}\"");
      name = g_strndup (p + 1, (gsize) (close - p - 1));
      if (g_str_equal (name, "secret"))
        {
          if (!(allowed & CONCORD_DESC_FILL_SECRET))
            return _concord_description_refuse (error, place, "{secret} may only be used in auth");
          continue;
        }
      if (g_str_equal (name, "contact_type"))
        {
          if (!(allowed & CONCORD_DESC_FILL_CONTACT_TYPE))
            return _concord_description_refuse (error, place, "{contact_type} may only be used in a contact type's "
                                                "requests");
          continue;
        }
      if (g_str_equal (name, "id"))
        {
          if (!(allowed & CONCORD_DESC_FILL_ID))
            return _concord_description_refuse (error, place, "{id} may only be used in the paths of fetch and "
                                                "update");
          continue;
        }
      if (!is_account_key (description, name) && !_concord_description_is_derived (description, name))
        return _concord_description_refuse (error, place, "placeholder {%s} is filled by no account field and no "
                                            "derived value", name);
    }
  return TRUE;
}

/* Placeholders in the string values of a template, at any depth. */
static gboolean
check_template (ConcordDescription    *description,
                JsonNode              *node,
                const char            *place,
                ConcordDescFillAllowed allowed,
                GError               **error)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autoptr(GList) members = json_object_get_members (json_node_get_object (node));

      for (GList *l = members; l != NULL; l = l->next)
        {
          g_autofree char *where = _concord_description_place_of (place, l->data);

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
    return _concord_description_check_placeholders (description, json_node_get_string (node), place, allowed, error);

  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Sections                                                                  */
/* ------------------------------------------------------------------------- */

static const char * const request_keys[] = { "method", "path", "query", "body", "answer", NULL };
static const char * const methods[] = { "GET", "POST", "PUT", "PATCH", NULL };

/* A request object at @place; @extra are the keys the caller reads. */
ConcordDescRequest *
_concord_description_read_request (ConcordDescription    *description,
                                   JsonObject            *object,
                                   const char            *place,
                                   const char * const    *extra,
                                   ConcordDescFillAllowed path_allowed,
                                   GError               **error)
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
  if (!_concord_description_check_keys (object, place, (const char * const *) keys->pdata, error))
    return NULL;

  if (!_concord_description_get_enum (object, "method", place, "method", methods, TRUE, &method, error))
    return NULL;
  path = _concord_description_get_string (object, "path", place, TRUE, error);
  if (path == NULL)
    return NULL;
  if (path[0] != '/')
    {
      g_autofree char *where = _concord_description_place_of (place, "path");

      _concord_description_refuse (error, where, "must start with \"/\"");
      return NULL;
    }
  {
    g_autofree char *where = _concord_description_place_of (place, "path");

    if (!_concord_description_check_placeholders (description, path, where, path_allowed, error))
      return NULL;
  }

  query = _concord_description_get_object (object, "query", place, FALSE, &local_error);
  if (local_error == NULL && query != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (query);

      for (GList *l = members; l != NULL && local_error == NULL; l = l->next)
        {
          JsonNode *value = json_object_get_member (query, l->data);
          g_autofree char *where = g_strdup_printf ("%s.query.%s", place, (const char *) l->data);

          if (!JSON_NODE_HOLDS_VALUE (value))
            _concord_description_refuse (&local_error, where, "must be a string, a number or true or false");
          else
            check_template (description, value, where, path_allowed & ~CONCORD_DESC_FILL_ID, &local_error);
        }
    }
  body = local_error == NULL ? _concord_description_get_object (object, "body", place, FALSE, &local_error) : NULL;
  if (local_error == NULL && body != NULL)
    {
      g_autofree char *where = _concord_description_place_of (place, "body");
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), body);

      check_template (description, node, where, path_allowed & ~CONCORD_DESC_FILL_ID, &local_error);
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
  request->answer = _concord_description_get_path (object, "answer", place, FALSE, &local_error);
  if (local_error != NULL)
    {
      _concord_description_request_free (request);
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (request->answer == NULL)
    request->answer = concord_desc_path_new ("", place, NULL);
  return request;
}

JsonObject *
_concord_description_read_where (JsonObject *object,
                                 const char *place,
                                 GError    **error)
{
  GError *local_error = NULL;
  JsonObject *where = _concord_description_get_object (object, "where", place, FALSE, &local_error);
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
      g_autofree char *at = _concord_description_place_of (place, "where");

      _concord_description_refuse (error, at, "must hold at least one member");
      return NULL;
    }
  for (GList *l = members; l != NULL; l = l->next)
    if (!JSON_NODE_HOLDS_VALUE (json_object_get_member (where, l->data)))
      {
        g_autofree char *at = g_strdup_printf ("%s.where.%s", place, (const char *) l->data);

        _concord_description_refuse (error, at, "must be a string, a number or true or false");
        return NULL;
      }
  return json_object_ref (where);
}

/* An account field's key: a new lower-case name, not base_url. */
static gboolean
check_account_key (ConcordDescription  *description,
                   const char          *place,
                   const char          *key,
                   GError             **error)
{
  g_autofree char *where = _concord_description_place_of (place, "key");

  if (*key == '\0' || !g_ascii_islower (key[0]) ||
      strspn (key, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen (key))
    return _concord_description_refuse (error, where, "\"%s\" is not lower-case letters, digits and \"_\"", key);
  if (g_str_equal (key, "base_url"))
    return _concord_description_refuse (error, where, "\"base_url\" is every described app's own field; "
                                        "do not declare it");
  for (guint j = 0; j < description->account->len; j++)
    if (g_str_equal (((ConcordDescAccountField *)
                      g_ptr_array_index (description->account, j))->key, key))
      return _concord_description_refuse (error, where, "\"%s\" is declared twice", key);
  return TRUE;
}

/* An account field's optional members: help, flags, default, check. */
static void
read_account_options (ConcordDescAccountField  *field,
                      JsonObject               *object,
                      const char               *place,
                      GError                  **error)
{
  const char *text;

  text = _concord_description_get_string (object, "help", place, FALSE, error);
  field->help = g_strdup (text);
  if (*error == NULL)
    _concord_description_get_boolean (object, "required", place, &field->required, error);
  if (*error == NULL)
    _concord_description_get_boolean (object, "advanced", place, &field->advanced, error);
  if (*error == NULL)
    _concord_description_get_boolean (object, "editable", place, &field->editable, error);
  if (*error == NULL)
    field->default_value = g_strdup (_concord_description_get_string (object, "default", place, FALSE,
                                                                      error));
  if (*error == NULL)
    field->check_message = g_strdup (_concord_description_get_string (object, "check_message", place, FALSE,
                                                                      error));
  if (*error == NULL &&
      (text = _concord_description_get_string (object, "check", place, FALSE, error)) != NULL)
    {
      g_autofree char *where = _concord_description_place_of (place, "check");
      g_autoptr(GError) regex_error = NULL;

      field->check = g_regex_new (text, G_REGEX_OPTIMIZE, 0, &regex_error);
      if (field->check == NULL)
        _concord_description_refuse (error, where, "not a regular expression (%s)", regex_error->message);
    }
  if (*error == NULL && field->kind == CONCORD_DESC_FIELD_SECRET && !field->required)
    _concord_description_refuse (error, place, "a secret is always required");
}

/* A choice field's "choices", each a value and a label. */
static void
read_account_choices (ConcordDescAccountField  *field,
                      JsonObject               *object,
                      const char               *place,
                      GError                  **error)
{
  JsonArray *choices = _concord_description_get_array (object, "choices", place, FALSE, error);

  if (*error == NULL && (choices != NULL) != (field->kind == CONCORD_DESC_FIELD_CHOICE))
    _concord_description_refuse (error, place, field->kind == CONCORD_DESC_FIELD_CHOICE
                                 ? "a choice needs its \"choices\"" : "only a choice has \"choices\"");
  for (guint c = 0; *error == NULL && choices != NULL &&
                    c < json_array_get_length (choices); c++)
    {
      g_autofree char *where = g_strdup_printf ("%s.choices[%u]", place, c);
      static const char * const choice_keys[] = { "value", "label", NULL };
      JsonNode *choice_node = json_array_get_element (choices, c);
      JsonObject *choice;
      const char *value, *choice_label;

      if (!JSON_NODE_HOLDS_OBJECT (choice_node))
        {
          _concord_description_refuse (error, where, "must be an object");
          break;
        }
      choice = json_node_get_object (choice_node);
      if (!_concord_description_check_keys (choice, where, choice_keys, error) ||
          (value = _concord_description_get_string (choice, "value", where, TRUE, error)) == NULL ||
          (choice_label = _concord_description_get_string (choice, "label", where, TRUE, error)) == NULL)
        break;
      if (field->choice_values == NULL)
        {
          field->choice_values = g_ptr_array_new_with_free_func (g_free);
          field->choice_labels = g_ptr_array_new_with_free_func (g_free);
        }
      g_ptr_array_add (field->choice_values, g_strdup (value));
      g_ptr_array_add (field->choice_labels, g_strdup (choice_label));
    }
  if (*error == NULL && choices != NULL && json_array_get_length (choices) == 0)
    {
      g_autofree char *where = _concord_description_place_of (place, "choices");

      _concord_description_refuse (error, where, "must hold at least one choice");
    }
}

gboolean
_concord_description_read_account (ConcordDescription *description,
                                   JsonArray          *array,
                                   GError            **error)
{
  static const char * const keys[] = { "key", "kind", "label", "help", "required", "advanced",
                                       "editable", "choices", "check", "check_message",
                                       "default", NULL };
  static const char * const kinds[] = { "secret", "text", "url", "choice", NULL };
  guint n_secrets = 0;

  if (json_array_get_length (array) == 0)
    return _concord_description_refuse (error, "account", "must hold the secret's field");

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *place = g_strdup_printf ("account[%u]", i);
      JsonNode *node = json_array_get_element (array, i);
      ConcordDescAccountField *field;
      JsonObject *object;
      const char *key, *label;
      gint kind = 0;
      GError *local_error = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return _concord_description_refuse (error, place, "must be an object");
      object = json_node_get_object (node);
      if (!_concord_description_check_keys (object, place, keys, error))
        return FALSE;
      key = _concord_description_get_string (object, "key", place, TRUE, error);
      if (key == NULL)
        return FALSE;
      if (!_concord_description_get_enum (object, "kind", place, "kind", kinds, TRUE, &kind, error))
        return FALSE;
      label = _concord_description_get_string (object, "label", place, TRUE, error);
      if (label == NULL)
        return FALSE;

      if (!check_account_key (description, place, key, error))
        return FALSE;

      field = g_new0 (ConcordDescAccountField, 1);
      g_ptr_array_add (description->account, field);
      field->key = g_strdup (key);
      field->kind = (ConcordDescFieldKind) kind;
      field->label = g_strdup (label);
      field->editable = TRUE;
      n_secrets += field->kind == CONCORD_DESC_FIELD_SECRET;
      field->required = field->kind == CONCORD_DESC_FIELD_SECRET;

      read_account_options (field, object, place, &local_error);
      if (local_error == NULL)
        read_account_choices (field, object, place, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
    }

  if (n_secrets != 1)
    return _concord_description_refuse (error, "account", n_secrets == 0 ? "no field of kind \"secret\""
                                        : "more than one field of kind \"secret\"");
  return TRUE;
}

gboolean
_concord_description_read_derive (ConcordDescription *description,
                                  JsonObject         *object,
                                  GError            **error)
{
  g_autoptr(GList) names = json_object_get_members (object);
  static const char * const keys[] = { "from", "regex", NULL };

  description->derive = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_description_derive_free);
  for (GList *l = names; l != NULL; l = l->next)
    {
      g_autofree char *place = g_strdup_printf ("derive.%s", (const char *) l->data);
      JsonNode *node = json_object_get_member (object, l->data);
      g_autoptr(GError) regex_error = NULL;
      ConcordDescDerive *derive;
      JsonObject *rule;
      const char *from, *regex;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return _concord_description_refuse (error, place, "must be an object");
      rule = json_node_get_object (node);
      if (!_concord_description_check_keys (rule, place, keys, error) ||
          (from = _concord_description_get_string (rule, "from", place, TRUE, error)) == NULL ||
          (regex = _concord_description_get_string (rule, "regex", place, TRUE, error)) == NULL)
        return FALSE;
      if (is_account_key (description, l->data) || g_str_equal (l->data, "secret") ||
          g_str_equal (l->data, "id") || g_str_equal (l->data, "contact_type"))
        return _concord_description_refuse (error, place, "\"%s\" is taken", (const char *) l->data);
      if (!g_str_equal (from, "secret") && !is_account_key (description, from))
        {
          g_autofree char *where = _concord_description_place_of (place, "from");

          return _concord_description_refuse (error, where, "\"%s\" is not \"secret\" nor an account field", from);
        }

      derive = g_new0 (ConcordDescDerive, 1);
      derive->name = g_strdup (l->data);
      derive->from = g_strdup (from);
      derive->regex = g_regex_new (regex, G_REGEX_OPTIMIZE, 0, &regex_error);
      g_ptr_array_add (description->derive, derive);
      if (derive->regex == NULL)
        {
          g_autofree char *where = _concord_description_place_of (place, "regex");

          return _concord_description_refuse (error, where, "not a regular expression (%s)", regex_error->message);
        }
      if (g_regex_get_capture_count (derive->regex) < 1)
        {
          g_autofree char *where = _concord_description_place_of (place, "regex");

          return _concord_description_refuse (error, where, "has no capture group \"(…)\" for the value");
        }
    }
  return TRUE;
}

gboolean
_concord_description_read_auth (ConcordDescription *description,
                                JsonObject         *object,
                                GError            **error)
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

  if (!_concord_description_get_enum (object, "kind", "auth", "kind", kinds, TRUE, &kind, error) ||
      !_concord_description_check_keys (object, "auth", keys[kind], error))
    return FALSE;
  description->auth = (ConcordDescAuthKind) kind;

  switch (description->auth)
    {
    case CONCORD_DESC_AUTH_HEADER:
    case CONCORD_DESC_AUTH_QUERY:
      text = _concord_description_get_string (object, "name", "auth", TRUE, error);
      if (text == NULL)
        return FALSE;
      if (*text == '\0' || strpbrk (text, " :\r\n{}") != NULL)
        return _concord_description_refuse (error, "auth.name", "\"%s\" is not a name", text);
      description->auth_name = g_strdup (text);
      text = description->auth == CONCORD_DESC_AUTH_HEADER
             ? _concord_description_get_string (object, "value", "auth", FALSE, &local_error) : NULL;
      description->auth_value = g_strdup (text != NULL ? text : "{secret}");
      break;
    case CONCORD_DESC_AUTH_BEARER:
      description->auth_value = g_strdup ("{secret}");
      break;
    case CONCORD_DESC_AUTH_BASIC:
      text = _concord_description_get_string (object, "user", "auth", FALSE, &local_error);
      description->auth_value = g_strdup (text != NULL ? text : "{secret}");
      text = local_error == NULL ? _concord_description_get_string (object, "password", "auth", FALSE, &local_error)
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

  if (!_concord_description_check_placeholders (description, description->auth_value,
                                                description->auth == CONCORD_DESC_AUTH_BASIC ? "auth.user"
                                                                                             : "auth.value",
                                                CONCORD_DESC_FILL_SECRET, error))
    return FALSE;
  if (description->auth_password != NULL &&
      !_concord_description_check_placeholders (description, description->auth_password, "auth.password",
                                                CONCORD_DESC_FILL_SECRET, error))
    return FALSE;
  if (strstr (description->auth_value, "{secret}") == NULL &&
      (description->auth_password == NULL ||
       strstr (description->auth_password, "{secret}") == NULL))
    return _concord_description_refuse (error, "auth", "the secret goes nowhere (no {secret})");
  return TRUE;
}
