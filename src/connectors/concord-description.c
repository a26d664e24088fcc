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
 *
 * This file holds the description's freeing and its loading; the reading
 * of its sections, its contact types and what connectors use at run time
 * are in concord-description-read.c, -types.c and -runtime.c (see
 * concord-description-private.h).
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
#include "concord-description-private.h"

/* A description is a few kilobytes; beyond this it is refused. */
#define MAX_DESCRIPTION_BYTES (1024 * 1024)

/* ------------------------------------------------------------------------- */
/* Freeing                                                                   */
/* ------------------------------------------------------------------------- */

void
_concord_description_request_free (ConcordDescRequest *request)
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

void
_concord_description_field_free (ConcordDescField *field)
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

void
_concord_description_derive_free (ConcordDescDerive *derive)
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
  _concord_description_request_free (custom->request);
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
  _concord_description_request_free (type->discover);
  concord_desc_path_free (type->discover_records);
  concord_desc_path_free (type->discover_id);
  concord_desc_path_free (type->discover_name);
  _concord_description_request_free (type->list);
  concord_desc_path_free (type->list_records);
  g_free (type->page_param);
  g_free (type->size_param);
  concord_desc_path_free (type->next);
  g_free (type->since_param);
  concord_desc_path_free (type->sync_token);
  concord_desc_path_free (type->record_id);
  _concord_description_field_free (type->email);
  concord_desc_path_free (type->modified);
  g_clear_pointer (&type->where, json_object_unref);
  g_clear_pointer (&type->fields, g_ptr_array_unref);
  custom_free (type->custom);
  _concord_description_request_free (type->fetch);
  _concord_description_request_free (type->create);
  g_free (type->create_wrap);
  g_free (type->create_records);
  _concord_description_request_free (type->update);
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
  _concord_description_request_free (description->verify);
  concord_desc_path_free (description->verify_expect);
  g_free (description->rate_remaining);
  g_free (description->rate_reset);
  g_clear_pointer (&description->error_paths, g_ptr_array_unref);
  g_strfreev (description->hooks);
  g_clear_pointer (&description->contact_types, g_ptr_array_unref);
  g_free (description);
}

/* ------------------------------------------------------------------------- */
/* Loading                                                                   */
/* ------------------------------------------------------------------------- */

/* The description's format, then the app's id, name, icon and where its
 * key is found. */
static gboolean
read_identity (ConcordDescription  *description,
               JsonObject          *top,
               GError             **error)
{
  guint format = 0;
  const char *text;
  GError *local_error = NULL;
  g_autofree char *expected_icon = NULL;

  if (!json_object_has_member (top, "format"))
    return _concord_description_refuse (error, "format", "missing");
  if (!_concord_description_get_uint (top, "format", "", 0, G_MAXINT32, &format, error))
    return FALSE;
  if (format != CONCORD_DESCRIPTION_FORMAT)
    return _concord_description_refuse (error, "format", "%u is not a format this Concord reads (%d)", format,
                                        CONCORD_DESCRIPTION_FORMAT);

  if ((text = _concord_description_get_string (top, "id", "", TRUE, error)) == NULL)
    return FALSE;
  if (*text == '\0' || strlen (text) > 64 || !g_ascii_isalnum (text[0]) ||
      strspn (text, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen (text))
    return _concord_description_refuse (error, "id", "\"%s\" is not lower-case letters, digits and \"-\"", text);
  description->id = g_strdup (text);
  if ((text = _concord_description_get_string (top, "name", "", TRUE, error)) == NULL)
    return FALSE;
  if (*text == '\0')
    return _concord_description_refuse (error, "name", "cannot be empty");
  description->name = g_strdup (text);
  if ((text = _concord_description_get_string (top, "icon", "", TRUE, error)) == NULL)
    return FALSE;
  expected_icon = g_strdup_printf ("concord-app-%s-symbolic", description->id);
  if (!g_str_equal (text, expected_icon))
    return _concord_description_refuse (error, "icon", "must be \"%s\"", expected_icon);
  description->icon = g_strdup (text);
  if ((text = _concord_description_get_string (top, "key_url", "", TRUE, error)) == NULL)
    return FALSE;
  if (!g_str_has_prefix (text, "https://") || strlen (text) <= strlen ("https://"))
    return _concord_description_refuse (error, "key_url", "must be an https:// address");
  description->key_url = g_strdup (text);
  description->key_help = g_strdup (_concord_description_get_string (top, "key_help", "", FALSE, &local_error));
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/* The headers every request carries. */
static gboolean
read_headers (ConcordDescription  *description,
              JsonObject          *top,
              GError             **error)
{
  JsonObject *object;
  GError *local_error = NULL;

  description->header_names = g_ptr_array_new_with_free_func (g_free);
  description->header_values = g_ptr_array_new_with_free_func (g_free);
  object = _concord_description_get_object (top, "headers", "", FALSE, &local_error);
  if (local_error == NULL && object != NULL)
    {
      g_autoptr(GList) names = json_object_get_members (object);

      for (GList *l = names; l != NULL; l = l->next)
        {
          g_autofree char *where = g_strdup_printf ("headers.%s", (const char *) l->data);
          JsonNode *node = json_object_get_member (object, l->data);

          if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
            return _concord_description_refuse (error, where, "must be a string");
          if (*(const char *) l->data == '\0' || strpbrk (l->data, " :\r\n") != NULL)
            return _concord_description_refuse (error, where, "not a header name");
          if (strpbrk (json_node_get_string (node), "\r\n") != NULL)
            return _concord_description_refuse (error, where, "a header value is one line");
          if (!_concord_description_check_placeholders (description, json_node_get_string (node), where, 0, error))
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
  return TRUE;
}

/* The rate limit's headers or fixed budget. */
static void
read_rate_limit (ConcordDescription  *description,
                 JsonObject          *object,
                 GError             **error)
{
  description->rate_remaining = g_strdup (_concord_description_get_string (object, "remaining", "rate_limit",
                                                                           FALSE, error));
  if (*error == NULL)
    description->rate_reset = g_strdup (_concord_description_get_string (object, "reset", "rate_limit", FALSE,
                                                                         error));
  if (*error == NULL)
    _concord_description_get_uint (object, "requests", "rate_limit", 1, 1000000, &description->rate_requests,
                                   error);
  if (*error == NULL)
    _concord_description_get_uint (object, "per_seconds", "rate_limit", 1, 31 * 86400,
                                   &description->rate_seconds, error);
  if (*error == NULL && (description->rate_requests == 0) !=
                        (description->rate_seconds == 0))
    _concord_description_refuse (error, "rate_limit", "\"requests\" and \"per_seconds\" go together");
  if (*error == NULL && description->rate_reset != NULL &&
      description->rate_remaining == NULL)
    _concord_description_refuse (error, "rate_limit", "\"reset\" needs \"remaining\"");
  if (*error == NULL && description->rate_requests == 0 &&
      description->rate_remaining == NULL)
    _concord_description_refuse (error, "rate_limit", "says nothing (\"remaining\" or \"requests\")");
}

/* The paths of the app's message in an error body. */
static void
read_error_paths (ConcordDescription  *description,
                  JsonArray           *array,
                  GError             **error)
{
  if (json_array_get_length (array) == 0)
    _concord_description_refuse (error, "error.message", "must hold at least one path");
  for (guint i = 0; *error == NULL && i < json_array_get_length (array); i++)
    {
      g_autofree char *where = g_strdup_printf ("error.message[%u]", i);
      JsonNode *node = json_array_get_element (array, i);
      ConcordDescPath *path;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        _concord_description_refuse (error, where, "must be a string");
      else if ((path = concord_desc_path_new (json_node_get_string (node), where,
                                              error)) != NULL)
        g_ptr_array_add (description->error_paths, path);
    }
}

/* The hooks the description uses, each known and listed once. */
static void
read_hooks (ConcordDescription  *description,
            JsonArray           *array,
            GError             **error)
{
  g_autoptr(GPtrArray) hooks = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; *error == NULL && array != NULL && i < json_array_get_length (array);
       i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      const char *name = JSON_NODE_HOLDS_VALUE (node) &&
                         json_node_get_value_type (node) == G_TYPE_STRING
                         ? json_node_get_string (node) : NULL;

      if (name == NULL)
        {
          g_autofree char *where = g_strdup_printf ("hooks[%u]", i);

          _concord_description_refuse (error, where, "must be a string");
        }
      else if (concord_json_hooks_lookup (name) == NULL)
        _concord_description_refuse (error, "hooks", "\"%s\" is not a known hook", name);
      else if (g_ptr_array_find_with_equal_func (hooks, name, g_str_equal, NULL))
        _concord_description_refuse (error, "hooks", "\"%s\" is listed twice", name);
      else
        g_ptr_array_add (hooks, g_strdup (name));
    }
  g_ptr_array_add (hooks, NULL);
  description->hooks = (char **) g_ptr_array_free (g_steal_pointer (&hooks), FALSE);
}

/* The contact types, at least one. */
static gboolean
read_contact_types (ConcordDescription  *description,
                    JsonObject          *top,
                    GError             **error)
{
  JsonArray *array;

  description->contact_types = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                               contact_type_free);
  if ((array = _concord_description_get_array (top, "contact_types", "", TRUE, error)) == NULL)
    return FALSE;
  if (json_array_get_length (array) == 0)
    return _concord_description_refuse (error, "contact_types", "must hold at least one contact type");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_autofree char *where = g_strdup_printf ("contact_types[%u]", i);

          return _concord_description_refuse (error, where, "must be an object");
        }
      if (!_concord_description_read_contact_type (description, json_node_get_object (node), i, error))
        return FALSE;
    }
  return TRUE;
}

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
  const char *text;
  JsonObject *object;
  JsonArray *array;
  GError *local_error = NULL;

  if (!_concord_description_check_keys (top, "", keys, error))
    return FALSE;
  if (!read_identity (description, top, error))
    return FALSE;

  description->account = g_ptr_array_new_with_free_func ((GDestroyNotify) account_field_free);
  if ((array = _concord_description_get_array (top, "account", "", TRUE, error)) == NULL ||
      !_concord_description_read_account (description, array, error))
    return FALSE;

  object = _concord_description_get_object (top, "derive", "", FALSE, &local_error);
  if (local_error == NULL && object != NULL)
    _concord_description_read_derive (description, object, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if ((text = _concord_description_get_string (top, "base_url", "", TRUE, error)) == NULL)
    return FALSE;
  if (!g_str_has_prefix (text, "https://") && !g_str_has_prefix (text, "http://"))
    return _concord_description_refuse (error, "base_url", "must be an http(s):// address");
  if (!_concord_description_check_placeholders (description, text, "base_url", 0, error))
    return FALSE;
  description->base_url = g_strdup (text);

  if ((object = _concord_description_get_object (top, "auth", "", TRUE, error)) == NULL ||
      !_concord_description_read_auth (description, object, error))
    return FALSE;

  if (!read_headers (description, top, error))
    return FALSE;

  if ((object = _concord_description_get_object (top, "verify", "", TRUE, error)) == NULL ||
      (description->verify = _concord_description_read_request (description, object, "verify", verify_keys, 0,
                                                                error)) == NULL)
    return FALSE;
  description->verify_expect = _concord_description_get_path (object, "expect", "verify", FALSE, &local_error);

  description->max_in_flight = 4;
  if (local_error == NULL)
    _concord_description_get_uint (top, "max_in_flight", "", 1, 16, &description->max_in_flight, &local_error);

  object = local_error == NULL ? _concord_description_get_object (top, "rate_limit", "", FALSE, &local_error) : NULL;
  if (object != NULL && _concord_description_check_keys (object, "rate_limit", rate_keys, &local_error))
    read_rate_limit (description, object, &local_error);

  description->error_paths = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                             concord_desc_path_free);
  object = local_error == NULL ? _concord_description_get_object (top, "error", "", FALSE, &local_error) : NULL;
  if (object != NULL && _concord_description_check_keys (object, "error", error_keys, &local_error) &&
      (array = _concord_description_get_array (object, "message", "error", TRUE, &local_error)) != NULL)
    read_error_paths (description, array, &local_error);

  array = local_error == NULL ? _concord_description_get_array (top, "hooks", "", FALSE, &local_error) : NULL;
  read_hooks (description, array, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  return read_contact_types (description, top, error);
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
