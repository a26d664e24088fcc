/* concord-mock-described-api.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The described mock's view of a connector description: the very
 * description the app registry loaded for the app (from the GResource,
 * with the loader of concord-description.c — the mock never parses a
 * description itself), turned into what a server needs (the paths it serves, where a
 * record's members are, which parameters page and filter). A description
 * the mock cannot serve (cursor paging, discovered contact types, values
 * in an object) is an error naming what is missing.
 */

#define G_LOG_DOMAIN "concord-mock-described"

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "concord-app-registry.h"
#include "concord-description.h"
#include "concord-mock-described-api.h"

/* A description path in the mock's syntax: "[N]" (the loader's) becomes
 * "[]" (every element; getting takes the first). NULL for "" or none. */
static char *
mock_path (const ConcordDescPath *path)
{
  g_autoptr(GString) text = NULL;

  if (path == NULL || path->n_steps == 0)
    return NULL;
  text = g_string_new (NULL);
  for (guint i = 0; i < path->n_steps; i++)
    {
      if (i > 0)
        g_string_append_c (text, '.');
      g_string_append (text, path->names[i]);
      if (path->indices[i] >= 0)
        g_string_append (text, "[]");
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* A field's path in the mock's syntax: items → "path[].value". */
static char *
field_path (const ConcordDescField *field,
            gboolean                label)
{
  g_autofree char *path = mock_path (field->path);
  g_autofree char *member = NULL;

  if (path == NULL)
    return NULL;
  if (field->items == NULL)
    return label ? NULL : g_steal_pointer (&path);
  member = mock_path (label ? field->items->label : field->items->value);
  if (member == NULL)
    return label ? NULL : g_strconcat (path, "[]", NULL);
  return g_strconcat (path, "[].", member, NULL);
}

static const ConcordDescField *
find_field (const ConcordDescContactType *type,
            const char                   *key)
{
  for (guint i = 0; type->fields != NULL && i < type->fields->len; i++)
    {
      const ConcordDescField *field = g_ptr_array_index (type->fields, i);

      if (g_str_equal (field->key, key))
        return field;
    }
  return NULL;
}

static ConcordMockDescribedTime
mock_time (ConcordDescTime format)
{
  return format == CONCORD_DESC_TIME_ISO8601 ? CONCORD_MOCK_DESCRIBED_TIME_ISO8601
                                             : CONCORD_MOCK_DESCRIBED_TIME_UNIX;
}

/* The path part of a base URL ("https://api.{pod}.insightly.com/v3.1" →
 * "/v3.1"), without a trailing slash. */
static char *
base_path (const char *base_url)
{
  const char *scheme = strstr (base_url, "://");
  const char *slash = scheme != NULL ? strchr (scheme + 3, '/') : NULL;
  g_autofree char *path = g_strdup (slash != NULL ? slash : "");
  gsize length = strlen (path);

  while (length > 0 && path[length - 1] == '/')
    path[--length] = '\0';
  return g_steal_pointer (&path);
}

static GStrv
where_pairs (JsonObject *where)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonObjectIter iter;
  const char *member;
  JsonNode *value;

  if (where == NULL)
    return NULL;
  json_object_iter_init (&iter, where);
  while (json_object_iter_next (&iter, &member, &value))
    if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
      {
        g_strv_builder_add (builder, member);
        g_strv_builder_add (builder, json_node_get_string (value));
      }
  return g_strv_builder_end (builder);
}

static char *
verify_answer (const ConcordDescription *description)
{
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  if (description->verify_expect != NULL && description->verify_expect->n_steps > 0)
    concord_desc_path_set (description->verify_expect, answer,
                           json_node_init_int (json_node_alloc (), 1));
  json_node_set_object (node, answer);
  return json_to_string (node, FALSE);
}

static gboolean
fill_type (ConcordMockDescribedApi       *api,
           const ConcordDescContactType  *type,
           GError                       **error)
{
  const ConcordDescField *field;
  g_autoptr(GStrvBuilder) read_only = g_strv_builder_new ();

  if (type->discover != NULL || (type->custom != NULL && type->custom->values_object) ||
      (type->paging == CONCORD_DESC_PAGING_CURSOR &&
       (type->list_records == NULL || type->list_records->n_steps == 0)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "The described mock serves fixed contact types, cursor paging in an "
                   "object answer and custom values in arrays; %s's %s is something else",
                   api->app_id, type->id != NULL ? type->id : "discovered type");
      return FALSE;
    }

  api->list_method = g_strdup (type->list->method);
  api->list_path = g_strdup (type->list->path);
  api->paging = type->paging == CONCORD_DESC_PAGING_OFFSET ? CONCORD_MOCK_DESCRIBED_PAGING_OFFSET
              : type->paging == CONCORD_DESC_PAGING_PAGE_NUMBER ? CONCORD_MOCK_DESCRIBED_PAGING_PAGE
              : type->paging == CONCORD_DESC_PAGING_CURSOR ? CONCORD_MOCK_DESCRIBED_PAGING_CURSOR
              : CONCORD_MOCK_DESCRIBED_PAGING_LINK;
  api->next_path = mock_path (type->next);
  api->size_param = g_strdup (type->size_param);
  api->page_param = g_strdup (type->page_param != NULL ? type->page_param : "page");
  api->default_page_size = type->page_size;
  api->max_page_size = type->page_size;
  if (type->incremental == CONCORD_DESC_INCREMENTAL_MODIFIED_SINCE)
    api->since_param = g_strdup (type->since_param);
  api->records_path = mock_path (type->list_records);

  api->id_path = mock_path (type->record_id);
  api->email_path = field_path (type->email, FALSE);
  api->email_label_path = field_path (type->email, TRUE);
  api->email_label = g_strdup (type->email->items != NULL && type->email->items->default_label != NULL
                               ? type->email->items->default_label : "work");
  api->modified_path = mock_path (type->modified);
  api->modified_format = mock_time (type->modified_format);
  if (api->id_path == NULL || api->email_path == NULL || api->modified_path == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "The described mock needs a record id, email and modification time (%s)",
                   api->app_id);
      return FALSE;
    }
  api->where = where_pairs (type->where);

  for (guint i = 0; type->fields != NULL && i < type->fields->len; i++)
    {
      const ConcordDescField *each = g_ptr_array_index (type->fields, i);

      if (each->read_only && each->path->n_steps > 0)
        g_strv_builder_add (read_only, each->path->names[0]);
    }
  api->read_only = g_strv_builder_end (read_only);
  if ((field = find_field (type, "created_at")) != NULL)
    api->created_path = mock_path (field->path);
  if ((field = find_field (type, "first_name")) != NULL)
    api->first_name_path = field_path (field, FALSE);
  if ((field = find_field (type, "last_name")) != NULL)
    api->last_name_path = field_path (field, FALSE);
  if ((field = find_field (type, "phone")) != NULL)
    api->phone_path = field_path (field, FALSE);
  if ((field = find_field (type, "company")) != NULL)
    api->company_path = field_path (field, FALSE);

  if (type->custom != NULL)
    {
      g_autofree char *values = mock_path (type->custom->values);

      api->fields_path = g_strdup (type->custom->request->path);
      api->fields_selector = mock_path (type->custom->records);
      api->def_id_path = mock_path (type->custom->id);
      api->def_name_path = mock_path (type->custom->name);
      api->def_type_path = mock_path (type->custom->type);
      api->values_path = g_strconcat (values, "[]", NULL);
      api->value_key_path = mock_path (type->custom->value_id);
      api->value_path = mock_path (type->custom->value_value);
    }

  api->fetch_path = g_strdup (type->fetch->path);
  api->create_method = g_strdup (type->create->method);
  api->create_path = g_strdup (type->create->path);
  api->create_status = 200;
  api->update_method = g_strdup (type->update->method);
  api->update_path = g_strdup (type->update->path);
  api->body_wrapper = g_strdup (type->create_wrap != NULL ? type->create_wrap : type->update_wrap);
  api->fetch_answer = mock_path (type->fetch->answer);
  api->create_answer = mock_path (type->create->answer);
  api->update_answer = mock_path (type->update->answer);
  api->create_batch = MAX (type->batch, 1);
  api->create_records = g_strdup (type->create_records);
  return TRUE;
}

/**
 * concord_mock_described_api_load:
 * @app_id: a shipped description's id
 *
 * Returns: (transfer full): what the mock serves for @app_id, or %NULL
 *   with @error set when it has no description or one the mock cannot
 *   serve
 */
ConcordMockDescribedApi *
concord_mock_described_api_load (const char  *app_id,
                                 GError     **error)
{
  ConcordDescription *description = concord_app_registry_get_description (app_id);
  g_autoptr(ConcordMockDescribedApi) api = NULL;
  g_autoptr(GStrvBuilder) fixed = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) account = g_strv_builder_new ();

  if (description == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "No connector description of “%s” is registered", app_id);
      return NULL;
    }

  api = g_new0 (ConcordMockDescribedApi, 1);
  api->app_id = g_strdup (description->id);
  api->base_path = base_path (description->base_url);
  api->auth_kind = (ConcordMockDescribedAuth) description->auth;
  api->auth_name = g_strdup (description->auth_name);
  api->auth_message = g_strdup ("Unauthorized");
  for (guint i = 0; i < description->header_names->len; i++)
    {
      const char *value = g_ptr_array_index (description->header_values, i);

      if (strchr (value, '{') != NULL)
        g_strv_builder_add (account, g_ptr_array_index (description->header_names, i));
      else
        {
          g_strv_builder_add (fixed, g_ptr_array_index (description->header_names, i));
          g_strv_builder_add (fixed, value);
        }
    }
  api->fixed_headers = g_strv_builder_end (fixed);
  api->account_headers = g_strv_builder_end (account);
  api->verify_method = g_strdup (description->verify->method);
  api->verify_path = g_strdup (description->verify->path);
  api->verify_answer = verify_answer (description);

  if (!fill_type (api, g_ptr_array_index (description->contact_types, 0), error))
    return NULL;

  api->error_path = description->error_paths->len > 0
                    ? mock_path (g_ptr_array_index (description->error_paths, 0)) : NULL;
  if (api->error_path == NULL)
    api->error_path = g_strdup ("message");
  api->remaining_header = g_strdup (description->rate_remaining);
  api->reset_header = g_strdup (description->rate_reset);

  return g_steal_pointer (&api);
}

void
concord_mock_described_api_free (ConcordMockDescribedApi *api)
{
  if (api == NULL)
    return;
  g_free (api->app_id);
  g_free (api->base_path);
  g_free (api->auth_name);
  g_free (api->auth_message);
  g_strfreev (api->fixed_headers);
  g_strfreev (api->account_headers);
  g_free (api->verify_method);
  g_free (api->verify_path);
  g_free (api->verify_answer);
  g_free (api->list_method);
  g_free (api->list_path);
  g_free (api->size_param);
  g_free (api->page_param);
  g_free (api->next_path);
  g_free (api->since_param);
  g_free (api->sort_param);
  g_free (api->sort_value);
  g_free (api->records_path);
  g_free (api->total_header);
  g_free (api->id_path);
  g_free (api->email_path);
  g_free (api->email_label_path);
  g_free (api->email_label);
  g_free (api->modified_path);
  g_free (api->created_path);
  g_strfreev (api->read_only);
  g_strfreev (api->where);
  g_free (api->first_name_path);
  g_free (api->last_name_path);
  g_free (api->name_path);
  g_free (api->phone_path);
  g_free (api->company_path);
  g_free (api->fields_path);
  g_free (api->fields_selector);
  g_free (api->def_id_path);
  g_free (api->def_name_path);
  g_free (api->def_type_path);
  g_free (api->values_path);
  g_free (api->value_key_path);
  g_free (api->value_path);
  g_free (api->fetch_path);
  g_free (api->create_method);
  g_free (api->create_path);
  g_free (api->update_method);
  g_free (api->update_path);
  g_free (api->body_wrapper);
  g_free (api->fetch_answer);
  g_free (api->create_answer);
  g_free (api->update_answer);
  g_free (api->create_records);
  g_free (api->error_path);
  g_free (api->limit_header);
  g_free (api->remaining_header);
  g_free (api->reset_header);
  g_free (api);
}
