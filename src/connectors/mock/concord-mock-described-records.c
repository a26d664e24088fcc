/* concord-mock-described-records.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The described mock's records (see concord-mock-described.c): the data
 * helpers (the caller holds the mutex), checking and applying a written
 * record, saving and loading the account, and generated contacts.
 */

#define G_LOG_DOMAIN "concord-mock-described"

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "concord-mock-described.h"
#include "concord-mock-described-api.h"
#include "concord-mock-described-private.h"

/* ------------------------------------------------------------------------- */
/* Data helpers (caller holds the mutex)                                     */
/* ------------------------------------------------------------------------- */

static gboolean
email_is_valid (const char *email)
{
  const char *at = email != NULL ? strchr (email, '@') : NULL;

  return at != NULL && at > email && strchr (at + 1, '@') == NULL &&
         strchr (at + 1, '.') != NULL && at[1] != '.' && email[strlen (email) - 1] != '.' &&
         strpbrk (email, " \t\r\n,;<>") == NULL && g_utf8_validate (email, -1, NULL);
}

static JsonNode *
format_time (ConcordMockDescribedTime format,
             gint64                   seconds)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (seconds);
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  switch (format)
    {
    case CONCORD_MOCK_DESCRIBED_TIME_UNIX:
      json_node_set_int (node, seconds);
      break;
    case CONCORD_MOCK_DESCRIBED_TIME_SPACED:
      {
        g_autofree char *text = g_date_time_format (when, "%Y-%m-%d %H:%M:%S");

        json_node_set_string (node, text);
      }
      break;
    case CONCORD_MOCK_DESCRIBED_TIME_ISO8601:
    default:
      {
        g_autofree char *text = g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ");

        json_node_set_string (node, text);
      }
      break;
    }
  return node;
}

/* A time as Unix seconds, from a record's member or a request parameter;
 * FALSE when it is none of the formats. */
gboolean
_concord_mock_described_parse_time (JsonNode *node,
                                    gint64   *seconds)
{
  const char *text;
  g_autofree char *iso = NULL;
  g_autoptr(GDateTime) when = NULL;
  gint64 number;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *seconds = json_node_get_int (node);
      return TRUE;
    }
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  text = json_node_get_string (node);
  if (g_ascii_string_to_signed (text, 10, 0, G_MAXINT64, &number, NULL))
    {
      *seconds = number;
      return TRUE;
    }
  /* "yyyy-mm-dd hh:mm:ss" (UTC) or ISO 8601 with its zone. */
  iso = g_strdup (text);
  if (strlen (iso) == 19 && iso[10] == ' ')
    {
      iso[10] = 'T';
      when = g_date_time_new_from_iso8601 (iso, g_time_zone_new_utc ());
    }
  else
    when = g_date_time_new_from_iso8601 (iso, NULL);
  if (when == NULL)
    return FALSE;
  *seconds = g_date_time_to_unix (when);
  return TRUE;
}

/* Now as a modification time: never before the last one given, so a
 * write always moves a record to the end of a listing by time. */
static gint64
next_time (ConcordMockDescribed *self)
{
  self->clock = MAX (g_get_real_time () / G_USEC_PER_SEC, self->clock);
  return self->clock;
}

gint64
_concord_mock_described_record_id (ConcordMockDescribed *self,
                                   JsonObject           *record)
{
  gint64 id = 0;

  _concord_mock_described_node_id (concord_mock_described_get_path (record, self->api->id_path), &id);
  return id;
}

static JsonObject *
find_field (ConcordMockDescribed *self,
            JsonNode             *key)
{
  for (guint i = 0; i < json_array_get_length (self->fields); i++)
    {
      JsonObject *definition = json_array_get_object_element (self->fields, i);
      JsonNode *id = concord_mock_described_get_path (definition, self->api->def_id_path);

      if (id == NULL || key == NULL || !JSON_NODE_HOLDS_VALUE (key) || !JSON_NODE_HOLDS_VALUE (id))
        continue;
      if (json_node_get_value_type (id) == G_TYPE_STRING &&
          json_node_get_value_type (key) == G_TYPE_STRING &&
          g_str_equal (json_node_get_string (id), json_node_get_string (key)))
        return definition;
      if (json_node_get_value_type (id) == G_TYPE_INT64 &&
          json_node_get_value_type (key) == G_TYPE_INT64 &&
          json_node_get_int (id) == json_node_get_int (key))
        return definition;
    }
  return NULL;
}

/* Whether a stored record is a contact: it holds the described `where`
 * values (Capsule's parties: persons only); an array holds the value
 * among its elements. */
gboolean
_concord_mock_described_is_contact (ConcordMockDescribed *self,
                                    JsonObject           *record)
{
  for (guint i = 0; self->api->where != NULL && self->api->where[i] != NULL; i += 2)
    {
      JsonNode *member = concord_mock_described_get_path (record, self->api->where[i]);
      const char *wanted = self->api->where[i + 1];
      gboolean found = FALSE;

      if (member != NULL && JSON_NODE_HOLDS_ARRAY (member))
        {
          JsonArray *array = json_node_get_array (member);

          for (guint j = 0; !found && j < json_array_get_length (array); j++)
            {
              JsonNode *element = json_array_get_element (array, j);

              found = JSON_NODE_HOLDS_VALUE (element) &&
                      json_node_get_value_type (element) == G_TYPE_STRING &&
                      g_str_equal (json_node_get_string (element), wanted);
            }
        }
      else
        found = member != NULL && JSON_NODE_HOLDS_VALUE (member) &&
                json_node_get_value_type (member) == G_TYPE_STRING &&
                g_str_equal (json_node_get_string (member), wanted);
      if (!found)
        return FALSE;
    }
  return TRUE;
}

JsonObject *
_concord_mock_described_new_record (ConcordMockDescribed *self)
{
  JsonObject *record = json_object_new ();
  JsonNode *id = json_node_new (JSON_NODE_VALUE);
  gint64 now = next_time (self);

  json_node_set_int (id, self->next_id++);
  concord_mock_described_set_path (record, self->api->id_path, id);
  if (self->api->created_path != NULL)
    concord_mock_described_set_path (record, self->api->created_path,
                                     format_time (self->api->modified_format, now));
  concord_mock_described_set_path (record, self->api->modified_path,
                                   format_time (self->api->modified_format, now));
  if (self->api->values_path != NULL)
    {
      g_autofree char *name = g_strndup (self->api->values_path,
                                         strcspn (self->api->values_path, "[."));

      json_object_set_array_member (record, name, json_array_new ());
    }
  for (guint i = 0; self->api->where != NULL && self->api->where[i] != NULL; i += 2)
    concord_mock_described_set_path (record, self->api->where[i],
                                     json_node_init_string (json_node_alloc (),
                                                            self->api->where[i + 1]));
  if (self->quirks->init_record != NULL)
    self->quirks->init_record (record);

  g_ptr_array_add (self->records, record);
  g_hash_table_insert (self->by_id, GINT_TO_POINTER (_concord_mock_described_record_id (self, record)), record);
  return record;
}

/* @object: (transfer full) */
JsonNode *
_concord_mock_described_object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

/* The top-level member names the app sets itself: never written, never
 * cleared. */
static gboolean
is_read_only (ConcordMockDescribed *self,
              const char           *member)
{
  const char *paths[] = { self->api->id_path, self->api->modified_path, self->api->created_path };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    if (paths[i] != NULL && strncmp (paths[i], member, strlen (member)) == 0 &&
        (paths[i][strlen (member)] == '\0' || paths[i][strlen (member)] == '.'))
      return TRUE;
  return self->api->read_only != NULL && g_strv_contains ((const char * const *) self->api->read_only,
                                                          member);
}

void
_concord_mock_described_save (ConcordMockDescribed *self)
{
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  JsonArray *records;

  if (self->save_path == NULL)
    return;
  root = json_object_new ();
  records = json_array_new ();
  for (guint i = 0; i < self->records->len; i++)
    json_array_add_object_element (records, json_object_ref (g_ptr_array_index (self->records, i)));
  json_object_set_string_member (root, "format", "concord-mock-described");
  json_object_set_string_member (root, "app", self->api->app_id);
  json_object_set_int_member (root, "next_id", self->next_id);
  json_object_set_array_member (root, "records", records);
  json_object_set_array_member (root, "fields", json_array_ref (self->fields));
  node = _concord_mock_described_object_node (g_steal_pointer (&root));
  text = json_to_string (node, TRUE);
  if (!g_file_set_contents (self->save_path, text, -1, &error))
    g_warning ("Could not save the simulated %s: %s", self->api->app_id, error->message);
}

/* ------------------------------------------------------------------------- */
/* Checking and applying a written record                                    */
/* ------------------------------------------------------------------------- */

/* Checks a create or update body; the problem, or NULL. */
char *
_concord_mock_described_check_record (ConcordMockDescribed *self,
                                      JsonObject           *body)
{
  g_autoptr(GPtrArray) emails = _concord_mock_described_collect_path (body, self->api->email_path);

  for (guint i = 0; i < emails->len; i++)
    {
      JsonNode *email = g_ptr_array_index (emails, i);

      if (JSON_NODE_HOLDS_NULL (email))
        continue;
      if (!JSON_NODE_HOLDS_VALUE (email) || json_node_get_value_type (email) != G_TYPE_STRING ||
          !email_is_valid (json_node_get_string (email)))
        return g_strdup ("Invalid email address");
    }

  if (self->api->values_path != NULL)
    {
      g_autoptr(GPtrArray) values = _concord_mock_described_collect_path (body, self->api->values_path);

      for (guint i = 0; i < values->len; i++)
        {
          JsonNode *entry = g_ptr_array_index (values, i);
          JsonObject *definition;
          JsonNode *value;

          if (!JSON_NODE_HOLDS_OBJECT (entry))
            return g_strdup ("A custom field value must be an object");
          definition = find_field (self, concord_mock_described_get_path (json_node_get_object (entry),
                                                                          self->api->value_key_path));
          if (definition == NULL)
            return g_strdup ("Unknown custom field");
          value = concord_mock_described_get_path (json_node_get_object (entry),
                                                   self->api->value_path);
          if (value != NULL && !JSON_NODE_HOLDS_NULL (value) &&
              self->quirks->check_custom_value != NULL)
            {
              char *problem = self->quirks->check_custom_value (definition, value);

              if (problem != NULL)
                return problem;
            }
        }
    }
  return NULL;
}

/* The custom values of @record and @body merged by field: @body's win. */
static void
merge_values (ConcordMockDescribed *self,
              JsonObject           *record,
              JsonObject           *body,
              const char           *member)
{
  JsonArray *old = json_object_get_array_member (record, member);
  JsonArray *new = json_object_get_array_member (body, member);
  JsonArray *merged = json_array_new ();

  for (guint i = 0; old != NULL && i < json_array_get_length (old); i++)
    {
      JsonObject *entry = json_array_get_object_element (old, i);
      JsonNode *key = concord_mock_described_get_path (entry, self->api->value_key_path);
      gboolean replaced = FALSE;

      for (guint j = 0; !replaced && j < json_array_get_length (new); j++)
        {
          JsonNode *other = concord_mock_described_get_path (json_array_get_object_element (new, j),
                                                             self->api->value_key_path);

          replaced = key != NULL && other != NULL && json_node_equal (key, other);
        }
      if (!replaced)
        json_array_add_object_element (merged, json_object_ref (entry));
    }
  for (guint j = 0; j < json_array_get_length (new); j++)
    json_array_add_element (merged, json_node_copy (json_array_get_element (new, j)));
  json_object_set_array_member (record, member, merged);
}

void
_concord_mock_described_apply_record (ConcordMockDescribed *self,
                                      JsonObject           *record,
                                      JsonObject           *body,
                                      gboolean              creating,
                                      gboolean              replace)
{
  g_autofree char *values_member = self->api->values_path != NULL
                                   ? g_strndup (self->api->values_path,
                                                strcspn (self->api->values_path, "[."))
                                   : NULL;
  g_autoptr(GList) members = NULL;
  JsonObjectIter iter;
  const char *member;
  JsonNode *value;

  /* A full replacement: what the body omits is gone. */
  if (replace)
    {
      members = json_object_get_members (record);
      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *old = json_object_get_member (record, l->data);

          if (is_read_only (self, l->data) || json_object_has_member (body, l->data))
            continue;
          if (JSON_NODE_HOLDS_ARRAY (old))
            json_object_set_array_member (record, l->data, json_array_new ());
          else
            json_object_set_null_member (record, l->data);
        }
    }

  json_object_iter_init (&iter, body);
  while (json_object_iter_next (&iter, &member, &value))
    {
      if (is_read_only (self, member))
        continue;
      if (!creating && self->quirks->update_member != NULL &&
          self->quirks->update_member (record, member, value))
        continue;
      if (!replace && values_member != NULL && g_str_equal (member, values_member) &&
          JSON_NODE_HOLDS_ARRAY (value))
        merge_values (self, record, body, member);
      else
        json_object_set_member (record, member, json_node_copy (value));
    }
  concord_mock_described_set_path (record, self->api->modified_path,
                                   format_time (self->api->modified_format, next_time (self)));
  if (self->quirks->fix_record != NULL)
    self->quirks->fix_record (record);
}

/**
 * concord_mock_described_generate:
 *
 * Adds @n made-up contacts, the same for the same @seed: names, an email
 * (personNNNNN.SEED@example.com), sometimes a phone and a company, and
 * values for some of the account's custom fields.
 */
void
concord_mock_described_generate (ConcordMockDescribed *self,
                                 guint                 n,
                                 guint32               seed)
{
  static const char *first_names[] = { "Ada", "Ben", "Chloé", "Dmitri", "Eva", "Farah", "Goran",
                                       "Hana", "Ivo", "Jun" };
  static const char *last_names[] = { "Lovelace", "Okafor", "Durand", "Petrov", "Novak", "Haddad",
                                      "Ilić", "Sato", "Costa", "Lee" };
  static const char *companies[] = { "Acme Ltd", "Globex", "Initech", "Umbrella Co", "Hooli" };
  g_autoptr(GRand) rand = NULL;
  ConcordMockDescribedApi *api;

  g_return_if_fail (CONCORD_IS_MOCK_DESCRIBED (self));

  rand = g_rand_new_with_seed (seed);
  api = self->api;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
      g_autofree char *email = g_strdup_printf ("person%05u.%u@example.com", i, seed);
      g_autofree char *phone = g_strdup_printf ("+1 555 %04d", g_rand_int_range (rand, 0, 10000));
      const char *first = first_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (first_names))];
      const char *last = last_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (last_names))];
      const char *company = companies[g_rand_int_range (rand, 0, G_N_ELEMENTS (companies))];
      JsonObject *record = _concord_mock_described_new_record (self);

      if (api->first_name_path != NULL)
        concord_mock_described_set_path (record, api->first_name_path,
                                         json_node_init_string (json_node_alloc (), first));
      if (api->last_name_path != NULL)
        concord_mock_described_set_path (record, api->last_name_path,
                                         json_node_init_string (json_node_alloc (), last));
      if (api->name_path != NULL)
        {
          g_autofree char *name = g_strdup_printf ("%s %s", first, last);

          concord_mock_described_set_path (record, api->name_path,
                                           json_node_init_string (json_node_alloc (), name));
        }
      concord_mock_described_set_path (record, api->email_path,
                                       json_node_init_string (json_node_alloc (), email));
      if (api->email_label_path != NULL)
        concord_mock_described_set_path (record, api->email_label_path,
                                         json_node_init_string (json_node_alloc (),
                                                                api->email_label));
      if (api->phone_path != NULL && g_rand_boolean (rand))
        concord_mock_described_set_path (record, api->phone_path,
                                         json_node_init_string (json_node_alloc (), phone));
      if (api->company_path != NULL && g_rand_boolean (rand))
        concord_mock_described_set_path (record, api->company_path,
                                         json_node_init_string (json_node_alloc (), company));

      for (guint f = 0; self->quirks->sample_value != NULL &&
                        f < json_array_get_length (self->fields); f++)
        {
          JsonObject *definition = json_array_get_object_element (self->fields, f);
          JsonNode *value = self->quirks->sample_value (definition, rand);
          JsonObject *entry;
          JsonNode *entry_node;
          JsonNode *key;

          if (value == NULL)
            continue;
          key = concord_mock_described_get_path (definition, api->def_id_path);
          entry = json_object_new ();
          concord_mock_described_set_path (entry, api->value_key_path, json_node_copy (key));
          concord_mock_described_set_path (entry, api->value_path, value);
          entry_node = _concord_mock_described_object_node (entry);
          concord_mock_described_set_path (record, api->values_path, entry_node);
        }
      if (self->quirks->fix_record != NULL)
        self->quirks->fix_record (record);
    }
  {
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

    _concord_mock_described_save (self);
  }
}

/**
 * concord_mock_described_load_file:
 *
 * Replaces the account with a file saved by set_save_path().
 */
gboolean
concord_mock_described_load_file (ConcordMockDescribed  *self,
                                  const char            *path,
                                  GError               **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonArray *records;
  JsonArray *fields;

  g_return_val_if_fail (CONCORD_IS_MOCK_DESCRIBED (self), FALSE);

  locker = g_mutex_locker_new (&self->mutex);
  if (!json_parser_load_from_mapped_file (parser, path, error))
    return FALSE;
  root = JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))
         ? json_node_get_object (json_parser_get_root (parser)) : NULL;
  records = root != NULL && json_object_has_member (root, "records") &&
            JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "records"))
            ? json_object_get_array_member (root, "records") : NULL;
  fields = root != NULL && json_object_has_member (root, "fields") &&
           JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "fields"))
           ? json_object_get_array_member (root, "fields") : NULL;
  if (root == NULL || records == NULL || fields == NULL ||
      g_strcmp0 (json_object_get_string_member_with_default (root, "format", NULL),
                 "concord-mock-described") != 0 ||
      g_strcmp0 (json_object_get_string_member_with_default (root, "app", NULL),
                 self->api->app_id) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s is not a file of the simulated %s", path, self->api->app_id);
      return FALSE;
    }

  g_hash_table_remove_all (self->by_id);
  g_ptr_array_set_size (self->records, 0);
  self->next_id = 1;
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonNode *element = json_array_get_element (records, i);
      JsonObject *record;
      gint64 id;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      record = json_object_ref (json_node_get_object (element));
      id = _concord_mock_described_record_id (self, record);
      if (id <= 0 || g_hash_table_contains (self->by_id, GINT_TO_POINTER (id)))
        {
          json_object_unref (record);
          continue;
        }
      g_ptr_array_add (self->records, record);
      g_hash_table_insert (self->by_id, GINT_TO_POINTER (id), record);
      self->next_id = MAX (self->next_id, id + 1);
    }
  self->next_id = MAX (self->next_id, json_object_get_int_member_with_default (root, "next_id", 1));
  json_array_unref (self->fields);
  self->fields = json_array_ref (fields);
  return TRUE;
}

void
concord_mock_described_set_save_path (ConcordMockDescribed *self,
                                      const char           *path)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_DESCRIBED (self));

  locker = g_mutex_locker_new (&self->mutex);
  g_free (self->save_path);
  self->save_path = g_strdup (path);
  _concord_mock_described_save (self);
}
