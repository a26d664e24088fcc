/* concord-description-types.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The description loader's contact types: their id and label (or their
 * discovery), listing (paging, incremental listing), record (id,
 * modification time, where filter), fields (read in
 * concord-description-fields.c), fetch, create and update.
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

#define MAX_PAGE_SIZE         1000
#define MAX_BATCH             1000

/* See concord-description-private.h. */
const char * const _concord_description_time_formats[] = { "unix", "unix_ms", "iso8601", NULL };

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

  if (!_concord_description_get_enum (object, "style", place, "style", styles, TRUE, &style, error) ||
      !_concord_description_check_keys (object, place, keys[style], error))
    return FALSE;
  type->paging = (ConcordDescPaging) style;

  if (type->paging != CONCORD_DESC_PAGING_LINK)
    {
      text = _concord_description_get_string (object, param_names[style], place, TRUE, error);
      if (text == NULL)
        return FALSE;
      type->page_param = g_strdup (text);
    }
  text = _concord_description_get_string (object, "size", place, FALSE, &local_error);
  type->size_param = g_strdup (text);
  if (local_error == NULL && !json_object_has_member (object, "page_size"))
    _concord_description_refuse (&local_error, place, "\"page_size\" is missing");
  if (local_error == NULL)
    _concord_description_get_uint (object, "page_size", place, 1, MAX_PAGE_SIZE, &type->page_size, &local_error);
  type->first_page = 1;
  if (local_error == NULL)
    _concord_description_get_uint (object, "first", place, 0, 1, &type->first_page, &local_error);
  if (local_error == NULL)
    _concord_description_get_enum (object, "ends", place, "end", ends, FALSE, &end, &local_error);
  type->short_page_ends = end == 0;
  if (local_error == NULL && type->paging == CONCORD_DESC_PAGING_CURSOR)
    type->next = _concord_description_get_path (object, "next", place, TRUE, &local_error);
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

  if (!_concord_description_get_enum (object, "style", place, "style", styles, TRUE, &style, error) ||
      !_concord_description_check_keys (object, place, style == 0 ? since_keys : token_keys, error) ||
      (parameter = _concord_description_get_string (object, "parameter", place, TRUE, error)) == NULL)
    return FALSE;
  type->since_param = g_strdup (parameter);
  if (style == 0)
    {
      type->incremental = CONCORD_DESC_INCREMENTAL_MODIFIED_SINCE;
      type->overlap = 1;
      if (!_concord_description_get_enum (object, "format", place, "time format",
                                          _concord_description_time_formats, TRUE, &format, error) ||
          !_concord_description_get_uint (object, "overlap", place, 0, 86400, &type->overlap, error))
        return FALSE;
      type->since_format = (ConcordDescTime) format;
      return TRUE;
    }

  type->incremental = CONCORD_DESC_INCREMENTAL_SYNC_TOKEN;
  type->sync_token = _concord_description_get_path (object, "token", place, TRUE, error);
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
  g_autofree char *email_place = _concord_description_place_of (place, "email");
  g_autofree char *modified_place = _concord_description_place_of (place, "modified");
  JsonObject *email, *modified;
  GError *local_error = NULL;
  gint format = 0;

  if (!_concord_description_check_keys (object, place, keys, error) ||
      (type->record_id = _concord_description_get_path (object, "id", place, TRUE, error)) == NULL ||
      (email = _concord_description_get_object (object, "email", place, TRUE, error)) == NULL ||
      (type->email = _concord_description_read_field (email, email_place, CONCORD_FIELD_EMAIL, error)) == NULL)
    return FALSE;
  if (type->record_id->n_steps == 0)
    {
      g_autofree char *where = _concord_description_place_of (place, "id");

      return _concord_description_refuse (error, where, "cannot be empty");
    }

  modified = _concord_description_get_object (object, "modified", place, FALSE, &local_error);
  if (local_error == NULL && modified != NULL)
    {
      if (_concord_description_check_keys (modified, modified_place, modified_keys, &local_error) &&
          (type->modified = _concord_description_get_path (modified, "path", modified_place, TRUE,
                                                           &local_error)) != NULL &&
          _concord_description_get_enum (modified, "format", modified_place, "time format",
                                         _concord_description_time_formats, TRUE, &format, &local_error))
        type->modified_format = (ConcordDescTime) format;
    }
  if (local_error == NULL)
    type->where = _concord_description_read_where (object, place, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/* A contact type's id and label, or how they are discovered. */
static gboolean
read_type_identity (ConcordDescription      *description,
                    ConcordDescContactType  *type,
                    JsonObject              *object,
                    const char              *place,
                    GError                 **error)
{
  static const char * const discover_keys[] = { "records", "id", "name", NULL };
  JsonObject *member;
  const char *text;

  if (json_object_has_member (object, "discover"))
    {
      g_autofree char *where = _concord_description_place_of (place, "discover");

      if (json_object_has_member (object, "id") || json_object_has_member (object, "label"))
        return _concord_description_refuse (error, place, "\"id\" and \"label\", or \"discover\", not both");
      if ((member = _concord_description_get_object (object, "discover", place, TRUE, error)) == NULL ||
          (type->discover = _concord_description_read_request (description, member, where, discover_keys, 0,
                                                               error)) == NULL ||
          (type->discover_records = _concord_description_get_path (member, "records", where, TRUE, error)) == NULL ||
          (type->discover_id = _concord_description_get_path (member, "id", where, TRUE, error)) == NULL ||
          (type->discover_name = _concord_description_get_path (member, "name", where, TRUE, error)) == NULL)
        return FALSE;
    }
  else
    {
      if ((text = _concord_description_get_string (object, "id", place, TRUE, error)) == NULL)
        return FALSE;
      if (*text == '\0' || strpbrk (text, "/{}?#% ") != NULL)
        {
          g_autofree char *where = _concord_description_place_of (place, "id");

          return _concord_description_refuse (error, where, "\"%s\" is not an id", text);
        }
      for (guint i = 0; i + 1 < description->contact_types->len; i++)
        if (g_strcmp0 (((ConcordDescContactType *)
                        g_ptr_array_index (description->contact_types, i))->id, text) == 0)
          {
            g_autofree char *where = _concord_description_place_of (place, "id");

            return _concord_description_refuse (error, where, "\"%s\" is used twice", text);
          }
      type->id = g_strdup (text);
      if ((text = _concord_description_get_string (object, "label", place, TRUE, error)) == NULL)
        return FALSE;
      type->label = g_strdup (text);
    }
  return TRUE;
}

/* The listing: its request, parameters, paging and incremental listing. */
static gboolean
read_type_listing (ConcordDescription      *description,
                   ConcordDescContactType  *type,
                   JsonObject              *object,
                   const char              *place,
                   GError                 **error)
{
  static const char * const list_keys[] = { "records", "parameters", "paging", "incremental",
                                            NULL };
  static const char * const where_params[] = { "query", "body", NULL };
  g_autofree char *list_place = _concord_description_place_of (place, "list");
  JsonObject *member;
  GError *local_error = NULL;
  gint params = 0;

  if ((member = _concord_description_get_object (object, "list", place, TRUE, error)) == NULL ||
      (type->list = _concord_description_read_request (description, member, list_place, list_keys,
                                                       CONCORD_DESC_FILL_CONTACT_TYPE, error)) == NULL ||
      (type->list_records = _concord_description_get_path (member, "records", list_place, TRUE, error)) == NULL ||
      !_concord_description_get_enum (member, "parameters", list_place, "place", where_params, FALSE, &params, error))
    return FALSE;
  type->params_in_body = params == 1;
  if (type->params_in_body && g_str_equal (type->list->method, "GET"))
    return _concord_description_refuse (error, list_place, "a GET has no body for \"parameters\": \"body\"");
  {
    g_autofree char *paging_place = _concord_description_place_of (list_place, "paging");
    g_autofree char *incremental_place = _concord_description_place_of (list_place, "incremental");
    JsonObject *paging = _concord_description_get_object (member, "paging", list_place, TRUE, error);
    JsonObject *incremental;

    if (paging == NULL || !read_paging (type, paging, paging_place, error))
      return FALSE;
    incremental = _concord_description_get_object (member, "incremental", list_place, FALSE, &local_error);
    if (local_error != NULL)
      {
        g_propagate_error (error, local_error);
        return FALSE;
      }
    if (incremental != NULL && !read_incremental (type, incremental, incremental_place, error))
      return FALSE;
  }
  return TRUE;
}

/* The record's members, and its modification time when the listing needs it. */
static gboolean
read_type_records (ConcordDescription      *description,
                   ConcordDescContactType  *type,
                   JsonObject              *object,
                   const char              *place,
                   GError                 **error)
{
  JsonObject *member;

  {
    g_autofree char *where = _concord_description_place_of (place, "record");

    if ((member = _concord_description_get_object (object, "record", place, TRUE, error)) == NULL ||
        !read_record (type, member, where, error))
      return FALSE;
  }
  if (type->incremental == CONCORD_DESC_INCREMENTAL_MODIFIED_SINCE && type->modified == NULL)
    {
      g_autofree char *where = g_strdup_printf ("%s.record.modified", place);

      return _concord_description_refuse (error, where, "missing, and the listing is incremental by modification "
                                          "time");
    }
  return TRUE;
}

/* The fields, each declared once; the email is the record's. */
static gboolean
read_type_fields (ConcordDescription      *description,
                  ConcordDescContactType  *type,
                  JsonObject              *object,
                  const char              *place,
                  GError                 **error)
{
  JsonArray *fields;
  GError *local_error = NULL;

  fields = _concord_description_get_array (object, "fields", place, FALSE, &local_error);
  for (guint i = 0; local_error == NULL && fields != NULL && i < json_array_get_length (fields);
       i++)
    {
      g_autofree char *where = g_strdup_printf ("%s.fields[%u]", place, i);
      JsonNode *node = json_array_get_element (fields, i);
      ConcordDescField *field;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return _concord_description_refuse (error, where, "must be an object");
      field = _concord_description_read_field (json_node_get_object (node), where, NULL, error);
      if (field == NULL)
        return FALSE;
      g_ptr_array_add (type->fields, field);
      if (g_str_equal (field->key, CONCORD_FIELD_EMAIL))
        return _concord_description_refuse (error, where, "the email is \"record.email\"");
      for (guint j = 0; j + 1 < type->fields->len; j++)
        if (g_str_equal (((ConcordDescField *) g_ptr_array_index (type->fields, j))->key,
                         field->key))
          return _concord_description_refuse (error, where, "\"%s\" is declared twice", field->key);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/* The fetch by id, which names the record. */
static gboolean
read_type_fetch (ConcordDescription      *description,
                 ConcordDescContactType  *type,
                 JsonObject              *object,
                 const char              *place,
                 GError                 **error)
{
  JsonObject *member;

  {
    g_autofree char *where = _concord_description_place_of (place, "fetch");

    if ((member = _concord_description_get_object (object, "fetch", place, TRUE, error)) == NULL ||
        (type->fetch = _concord_description_read_request (description, member, where, NULL,
                                                          CONCORD_DESC_FILL_CONTACT_TYPE | CONCORD_DESC_FILL_ID, error)) == NULL)
      return FALSE;
    if (strstr (type->fetch->path, "{id}") == NULL)
      {
        g_autofree char *at = _concord_description_place_of (where, "path");

        return _concord_description_refuse (error, at, "does not name the record ({id})");
      }
  }
  return TRUE;
}

/* The create, alone or in batches. */
static gboolean
read_type_create (ConcordDescription      *description,
                  ConcordDescContactType  *type,
                  JsonObject              *object,
                  const char              *place,
                  GError                 **error)
{
  static const char * const create_keys[] = { "batch", "wrap", "records", NULL };
  g_autofree char *create_place = _concord_description_place_of (place, "create");
  JsonObject *member;
  GError *local_error = NULL;

  if ((member = _concord_description_get_object (object, "create", place, TRUE, error)) == NULL ||
      (type->create = _concord_description_read_request (description, member, create_place, create_keys,
                                                         CONCORD_DESC_FILL_CONTACT_TYPE, error)) == NULL ||
      !_concord_description_get_uint (member, "batch", create_place, 1, MAX_BATCH, &type->batch, error))
    return FALSE;
  type->create_wrap = g_strdup (_concord_description_get_string (member, "wrap", create_place, FALSE, &local_error));
  if (local_error == NULL)
    type->create_records = g_strdup (_concord_description_get_string (member, "records", create_place, FALSE,
                                                                      &local_error));
  if (local_error == NULL && (type->batch > 1) != (type->create_records != NULL))
    _concord_description_refuse (&local_error, create_place, type->batch > 1
                                 ? "a batch above 1 needs \"records\", the member of the body that holds them"
                                 : "\"records\" is only for a batch above 1");
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/* The update (partial or full), which names the record; neither it nor
 * the create is a GET. */
static gboolean
read_type_update (ConcordDescription      *description,
                  ConcordDescContactType  *type,
                  JsonObject              *object,
                  const char              *place,
                  GError                 **error)
{
  static const char * const update_keys[] = { "shape", "wrap", "id_member", NULL };
  static const char * const shapes[] = { "partial", "full", NULL };
  g_autofree char *create_place = _concord_description_place_of (place, "create");
  g_autofree char *update_place = _concord_description_place_of (place, "update");
  JsonObject *member;
  GError *local_error = NULL;
  gint shape = 0;

  if ((member = _concord_description_get_object (object, "update", place, TRUE, error)) == NULL ||
      (type->update = _concord_description_read_request (description, member, update_place, update_keys,
                                                         CONCORD_DESC_FILL_CONTACT_TYPE | CONCORD_DESC_FILL_ID, error)) == NULL ||
      !_concord_description_get_enum (member, "shape", update_place, "shape", shapes, FALSE, &shape, error))
    return FALSE;
  type->update_full = shape == 1;
  type->update_wrap = g_strdup (_concord_description_get_string (member, "wrap", update_place, FALSE, &local_error));
  if (local_error == NULL)
    type->id_member = g_strdup (_concord_description_get_string (member, "id_member", update_place, FALSE,
                                                                 &local_error));
  if (local_error == NULL && type->id_member == NULL &&
      strstr (type->update->path, "{id}") == NULL)
    _concord_description_refuse (&local_error, update_place, "names the record neither in its path ({id}) nor "
                                 "with \"id_member\"");
  if (local_error == NULL && g_str_equal (type->update->method, "GET"))
    _concord_description_refuse (&local_error, update_place, "an update cannot be a GET");
  if (local_error == NULL && g_str_equal (type->create->method, "GET"))
    _concord_description_refuse (&local_error, create_place, "a create cannot be a GET");
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

gboolean
_concord_description_read_contact_type (ConcordDescription *description,
                                        JsonObject         *object,
                                        guint               index,
                                        GError            **error)
{
  static const char * const keys[] = { "id", "label", "discover", "list", "record", "fields",
                                       "custom_fields", "fetch", "create", "update", NULL };
  g_autofree char *place = g_strdup_printf ("contact_types[%u]", index);
  ConcordDescContactType *type;
  JsonObject *member;

  if (!_concord_description_check_keys (object, place, keys, error))
    return FALSE;

  type = g_new0 (ConcordDescContactType, 1);
  g_ptr_array_add (description->contact_types, type);
  type->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_description_field_free);
  type->batch = 1;

  /* Fixed, or discovered. */
  if (!read_type_identity (description, type, object, place, error))
    return FALSE;

  /* The listing. */
  if (!read_type_listing (description, type, object, place, error))
    return FALSE;

  /* Records. */
  if (!read_type_records (description, type, object, place, error) ||
      !read_type_fields (description, type, object, place, error))
    return FALSE;

  if (json_object_has_member (object, "custom_fields"))
    {
      g_autofree char *where = _concord_description_place_of (place, "custom_fields");

      if ((member = _concord_description_get_object (object, "custom_fields", place, TRUE, error)) == NULL ||
          !_concord_description_read_custom (description, type, member, where, error))
        return FALSE;
    }

  /* Fetch, create, update. */
  return read_type_fetch (description, type, object, place, error) &&
         read_type_create (description, type, object, place, error) &&
         read_type_update (description, type, object, place, error);
}
