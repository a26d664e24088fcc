/* concord-connector-sample-file.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The Sample CRM's storage: its records in memory ("books", one per contact
 * type), and the format of the JSON file they come from and go back to
 * (described in concord-connector-sample.c); ConcordFileConnector reads and
 * writes the file. Reading is strict and names the place of a fault
 * ("people[3].fields.tags: expected an array of strings"), because the file
 * is also for people to edit.
 */

#define G_LOG_DOMAIN "concord-connector-sample"

#include "config.h"

#include <json-glib/json-glib.h>

#include "concord-connector-sample-private.h"
#include "concord-error.h"
#include "concord-json-private.h"

#define FILE_FORMAT "concord-sample-crm"

/* ------------------------------------------------------------------------- */
/* Books                                                                     */
/* ------------------------------------------------------------------------- */

void
_concord_sample_book_init (ConcordSampleBook *book)
{
  book->records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  book->by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

void
_concord_sample_book_clear (ConcordSampleBook *book)
{
  g_clear_pointer (&book->records, g_ptr_array_unref);
  g_clear_pointer (&book->by_id, g_hash_table_unref);
}

void
_concord_sample_book_take (ConcordSampleBook *book,
                           ConcordRecord     *record)
{
  g_ptr_array_add (book->records, record);
  g_hash_table_insert (book->by_id, g_strdup (concord_record_get_remote_id (record)),
                       GUINT_TO_POINTER (book->records->len));
}

gint
_concord_sample_book_find (ConcordSampleBook *book,
                           const char        *remote_id)
{
  gpointer slot = g_hash_table_lookup (book->by_id, remote_id);

  return slot != NULL ? (gint) GPOINTER_TO_UINT (slot) - 1 : -1;
}

/* The empty CRM: no file, or the state is no longer to be trusted. */
void
_concord_connector_sample_reset (ConcordFileConnector *connector)
{
  ConcordConnectorSample *self = CONCORD_CONNECTOR_SAMPLE (connector);

  for (guint i = 0; i < CONCORD_SAMPLE_N_BOOKS; i++)
    {
      _concord_sample_book_clear (&self->books[i]);
      _concord_sample_book_init (&self->books[i]);
    }
  self->next_id = 1;
  self->last_version = 0;
}

/* ------------------------------------------------------------------------- */
/* Reading the file                                                          */
/* ------------------------------------------------------------------------- */

static gboolean
parse_error (GError     **error,
             const char  *where,
             const char  *what)
{
  g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
               "The Sample CRM's file is damaged at %s: %s", where, what);
  return FALSE;
}

/* A string member, or NULL when absent or of another kind. */
static const char *
get_string (JsonObject *object,
            const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static gboolean
get_uint (JsonObject  *object,
          const char  *member,
          const char  *where,
          gboolean     required,
          guint64     *out,
          GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autofree char *place = where != NULL ? g_strdup_printf ("%s.%s", where, member)
                                         : g_strdup (member);

  if (node == NULL && !required)
    return TRUE;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) < 0)
    return parse_error (error, place, "expected a whole number");

  *out = (guint64) json_node_get_int (node);
  return TRUE;
}

static gboolean
get_time (JsonObject  *object,
          const char  *member,
          const char  *where,
          gint64      *out,
          GError     **error)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *place = g_strdup_printf ("%s.%s", where, member);
  JsonNode *node = json_object_get_member (object, member);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    dt = g_date_time_new_from_iso8601 (json_node_get_string (node), utc);
  if (dt == NULL)
    return parse_error (error, place, "expected a date and time (ISO 8601)");

  *out = g_date_time_to_unix (dt);
  return TRUE;
}

/* A value of the file as the field's type. */
static gboolean
read_value (ConcordRecord             *record,
            const ConcordSampleField  *field,
            JsonNode                  *node,
            const char                *place,
            GError                   **error)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (field->type == CONCORD_FIELD_TYPE_STRING_SET)
    {
      g_autoptr(GPtrArray) items = g_ptr_array_new ();
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (node))
        return parse_error (error, place, "expected an array of strings");

      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);

          if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
            return parse_error (error, place, "expected an array of strings");
          g_ptr_array_add (items, (gpointer) json_node_get_string (item));
        }
      g_ptr_array_add (items, NULL);
      concord_record_set_set (record, field->key, (const char * const *) items->pdata);
      return TRUE;
    }

  if (field->type == CONCORD_FIELD_TYPE_NUMBER)
    {
      GType type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;

      if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
        return parse_error (error, place, "expected a number");
      concord_record_set_number (record, field->key, json_node_get_double (node));
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return parse_error (error, place, "expected a string");

  if (field->type == CONCORD_FIELD_TYPE_ENUM &&
      _concord_sample_lookup_choice (json_node_get_string (node)) == NULL)
    return parse_error (error, place, "not one of the field's choices");

  if (!concord_record_set_text (record, field->key, field->type, json_node_get_string (node)))
    return parse_error (error, place, "not a valid value");

  return TRUE;
}

static ConcordRecord *
read_record (JsonNode    *node,
             const char  *where,
             GError     **error)
{
  g_autoptr(ConcordRecord) record = NULL;
  g_autoptr(GList) members = NULL;
  g_autofree char *fields_place = g_strdup_printf ("%s.fields", where);
  JsonObject *object;
  JsonNode *fields;
  const char *id;
  guint64 version = 0;
  gint64 modified, created;
  char text[32];

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      parse_error (error, where, "expected an object");
      return NULL;
    }
  object = json_node_get_object (node);

  id = get_string (object, "id");
  if (id == NULL || *id == '\0')
    {
      parse_error (error, where, "a record without an id");
      return NULL;
    }

  if (!get_uint (object, "version", where, TRUE, &version, error) ||
      !get_time (object, "modified", where, &modified, error))
    return NULL;
  if (json_object_has_member (object, "created"))
    {
      if (!get_time (object, "created", where, &created, error))
        return NULL;
    }
  else
    created = modified;

  record = concord_record_new (id);
  g_snprintf (text, sizeof text, "%" G_GUINT64_FORMAT, version);
  concord_record_set_version (record, text);
  concord_record_set_modified (record, modified);
  concord_record_set_datetime (record, CONCORD_FIELD_CREATED_AT, created);
  concord_record_set_datetime (record, CONCORD_FIELD_UPDATED_AT, modified);

  fields = json_object_get_member (object, "fields");
  if (fields == NULL || !JSON_NODE_HOLDS_OBJECT (fields))
    {
      parse_error (error, fields_place, "expected an object");
      return NULL;
    }

  members = json_object_get_members (json_node_get_object (fields));
  for (const GList *l = members; l != NULL; l = l->next)
    {
      const ConcordSampleField *field = _concord_sample_lookup_field (l->data);
      g_autofree char *place = g_strdup_printf ("%s.%s", fields_place, (const char *) l->data);

      if (field == NULL || field->read_only)
        {
          parse_error (error, place, "no such field");
          return NULL;
        }

      if (!read_value (record, field, json_object_get_member (json_node_get_object (fields),
                                                              l->data),
                       place, error))
        return NULL;
    }

  return g_steal_pointer (&record);
}

/* Parses @bytes into the state; leaves it alone on error. */
gboolean
_concord_connector_sample_parse (ConcordFileConnector  *connector,
                                 GBytes                *bytes,
                                 GError               **error)
{
  ConcordConnectorSample *self = CONCORD_CONNECTOR_SAMPLE (connector);
  g_autoptr(JsonNode) top = NULL;
  g_autoptr(GError) json_error = NULL;
  ConcordSampleBook books[CONCORD_SAMPLE_N_BOOKS];
  guint64 next_id = 1;
  guint64 last_version = 0;
  gboolean ok = FALSE;
  JsonObject *root;
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  /* Anyone can write the file: bounded before it is parsed. */
  top = concord_json_parse (data, (gssize) size, concord_file_connector_get_max_bytes (connector),
                           &json_error);
  if (top == NULL)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "The Sample CRM's file is not valid JSON: %s", json_error->message);
      return FALSE;
    }

  if (!JSON_NODE_HOLDS_OBJECT (top))
    return parse_error (error, "the top", "expected an object");
  root = json_node_get_object (top);

  if (g_strcmp0 (get_string (root, "format"), FILE_FORMAT) != 0)
    return parse_error (error, "format", "not a Sample CRM file");

  if (!get_uint (root, "next_id", NULL, FALSE, &next_id, error) ||
      !get_uint (root, "last_version", NULL, FALSE, &last_version, error))
    return FALSE;

  for (guint b = 0; b < CONCORD_SAMPLE_N_BOOKS; b++)
    _concord_sample_book_init (&books[b]);

  for (guint b = 0; b < CONCORD_SAMPLE_N_BOOKS; b++)
    {
      JsonNode *node = json_object_get_member (root, _concord_sample_book_infos[b].id);
      JsonArray *array;

      if (node == NULL)
        continue;
      if (!JSON_NODE_HOLDS_ARRAY (node))
        {
          parse_error (error, _concord_sample_book_infos[b].id, "expected an array");
          goto out;
        }

      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autofree char *where = g_strdup_printf ("%s[%u]", _concord_sample_book_infos[b].id, i);
          ConcordRecord *record = read_record (json_array_get_element (array, i), where, error);
          guint64 version = 0;

          if (record == NULL)
            goto out;

          for (guint o = 0; o < CONCORD_SAMPLE_N_BOOKS; o++)
            if (_concord_sample_book_find (&books[o], concord_record_get_remote_id (record)) >= 0)
              {
                concord_record_unref (record);
                parse_error (error, where, "its id is taken");
                goto out;
              }

          g_ascii_string_to_unsigned (concord_record_get_version (record), 10, 0, G_MAXUINT64,
                                      &version, NULL);
          last_version = MAX (last_version, version);
          _concord_sample_book_take (&books[b], record);
        }
    }

  for (guint b = 0; b < CONCORD_SAMPLE_N_BOOKS; b++)
    {
      _concord_sample_book_clear (&self->books[b]);
      self->books[b] = books[b];
      books[b] = (ConcordSampleBook) { NULL, NULL };
    }
  self->next_id = next_id;
  self->last_version = last_version;
  ok = TRUE;

out:
  for (guint b = 0; b < CONCORD_SAMPLE_N_BOOKS; b++)
    _concord_sample_book_clear (&books[b]);

  return ok;
}

/* Brings the state up to the file (for tests of the bounds). */
gboolean
_concord_connector_sample_load (ConcordConnectorSample  *self,
                                GError                 **error)
{
  return concord_file_connector_load (CONCORD_FILE_CONNECTOR (self), error);
}

/* ------------------------------------------------------------------------- */
/* Writing the file                                                          */
/* ------------------------------------------------------------------------- */

static void
add_time (JsonBuilder *builder,
          const char  *member,
          gint64       unix_seconds)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (unix_seconds);
  g_autofree char *text = dt != NULL ? g_date_time_format_iso8601 (dt) : NULL;

  json_builder_set_member_name (builder, member);
  if (text != NULL)
    json_builder_add_string_value (builder, text);
  else
    json_builder_add_null_value (builder);
}

static gboolean
is_whole (double number)
{
  return number >= -1e15 && number <= 1e15 && number == (double) (gint64) number;
}

static void
add_record (JsonBuilder         *builder,
            const ConcordRecord *record)
{
  const ConcordValue *created = concord_record_get (record, CONCORD_FIELD_CREATED_AT);
  guint64 version = 0;

  g_ascii_string_to_unsigned (concord_record_get_version (record), 10, 0, G_MAXUINT64,
                              &version, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, concord_record_get_remote_id (record));
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, (gint64) version);
  add_time (builder, "created", created != NULL ? created->v.datetime
                                                : concord_record_get_modified (record));
  add_time (builder, "modified", concord_record_get_modified (record));

  json_builder_set_member_name (builder, "fields");
  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (_concord_sample_fields); i++)
    {
      const ConcordSampleField *field = &_concord_sample_fields[i];
      const ConcordValue *value = concord_record_get (record, field->key);

      if (value == NULL || field->read_only)
        continue;

      json_builder_set_member_name (builder, field->key);
      if (value->type == CONCORD_FIELD_TYPE_STRING_SET)
        {
          json_builder_begin_array (builder);
          for (guint j = 0; value->v.set[j] != NULL; j++)
            json_builder_add_string_value (builder, value->v.set[j]);
          json_builder_end_array (builder);
        }
      else if (value->type == CONCORD_FIELD_TYPE_NUMBER && is_whole (value->v.number))
        json_builder_add_int_value (builder, (gint64) value->v.number);  /* 3, not 3.0 */
      else if (value->type == CONCORD_FIELD_TYPE_NUMBER)
        json_builder_add_double_value (builder, value->v.number);
      else
        json_builder_add_string_value (builder, value->v.text);
    }
  json_builder_end_object (builder);

  json_builder_end_object (builder);
}

GBytes *
_concord_connector_sample_serialise (ConcordFileConnector  *connector,
                                     GError               **error)
{
  ConcordConnectorSample *self = CONCORD_CONNECTOR_SAMPLE (connector);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  char *text;
  gsize length;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, FILE_FORMAT);
  json_builder_set_member_name (builder, "next_id");
  json_builder_add_int_value (builder, (gint64) self->next_id);
  json_builder_set_member_name (builder, "last_version");
  json_builder_add_int_value (builder, (gint64) self->last_version);
  for (guint b = 0; b < CONCORD_SAMPLE_N_BOOKS; b++)
    {
      json_builder_set_member_name (builder, _concord_sample_book_infos[b].id);
      json_builder_begin_array (builder);
      for (guint i = 0; i < self->books[b].records->len; i++)
        add_record (builder, g_ptr_array_index (self->books[b].records, i));
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 1);
  text = json_generator_to_data (generator, &length);

  return g_bytes_new_take (text, length);
}
