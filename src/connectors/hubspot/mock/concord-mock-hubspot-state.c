/* concord-mock-hubspot-state.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The simulated HubSpot's account data (see concord-mock-hubspot.c):
 * properties and contacts with their helpers (the caller holds the mutex),
 * saving and loading the account, and generated accounts.
 */

#define G_LOG_DOMAIN "concord-mock-hubspot"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include "concord-mock-hubspot.h"
#include "concord-mock-hubspot-private.h"

/* ------------------------------------------------------------------------- */
/* Data helpers (caller holds the mutex)                                     */
/* ------------------------------------------------------------------------- */

void
_concord_mock_hubspot_property_free (ConcordMockHubspotProperty *property)
{
  g_free (property->name);
  g_free (property->label);
  g_free (property->type);
  g_free (property->field_type);
  g_clear_pointer (&property->options, g_ptr_array_unref);
  g_free (property);
}

void
_concord_mock_hubspot_contact_free (ConcordMockHubspotContact *contact)
{
  g_hash_table_unref (contact->values);
  g_free (contact);
}

ConcordMockHubspotProperty *
_concord_mock_hubspot_find_property (ConcordMockHubspot *self,
                                     const char         *name)
{
  for (guint i = 0; i < self->properties->len; i++)
    {
      ConcordMockHubspotProperty *property = g_ptr_array_index (self->properties, i);

      if (g_str_equal (property->name, name))
        return property;
    }
  return NULL;
}

ConcordMockHubspotProperty *
_concord_mock_hubspot_add_property (ConcordMockHubspot *self,
                                    const char         *name,
                                    const char         *label,
                                    const char         *type,
                                    const char         *field_type,
                                    const char * const *options,
                                    gboolean            custom,
                                    gboolean            read_only,
                                    gboolean            calculated)
{
  ConcordMockHubspotProperty *property = _concord_mock_hubspot_find_property (self, name);

  if (property == NULL)
    {
      property = g_new0 (ConcordMockHubspotProperty, 1);
      g_ptr_array_add (self->properties, property);
    }
  else
    {
      g_free (property->name);
      g_free (property->label);
      g_free (property->type);
      g_free (property->field_type);
      g_clear_pointer (&property->options, g_ptr_array_unref);
    }
  property->name = g_strdup (name);
  property->label = g_strdup (label);
  property->type = g_strdup (type);
  property->field_type = g_strdup (field_type);
  property->custom = custom;
  property->read_only = read_only;
  property->calculated = calculated;
  if (g_str_equal (type, "enumeration"))
    {
      property->options = g_ptr_array_new_with_free_func (g_free);
      /* options: "value=Label" or "Label" (the value is the label). */
      for (guint i = 0; options != NULL && options[i] != NULL; i++)
        {
          const char *equals = strchr (options[i], '=');

          if (equals != NULL)
            {
              g_ptr_array_add (property->options, g_strdup (equals + 1));
              g_ptr_array_add (property->options, g_strndup (options[i], equals - options[i]));
            }
          else
            {
              g_ptr_array_add (property->options, g_strdup (options[i]));
              g_ptr_array_add (property->options, g_strdup (options[i]));
            }
        }
    }
  return property;
}

gboolean
_concord_mock_hubspot_is_option (ConcordMockHubspotProperty *property,
                                 const char                 *value)
{
  for (guint i = 0; property->options != NULL && i + 1 < property->options->len; i += 2)
    if (g_str_equal (g_ptr_array_index (property->options, i + 1), value))
      return TRUE;
  return FALSE;
}

/* Now in epoch ms, strictly after the last one given (unless frozen). */
gint64
_concord_mock_hubspot_next_ms (ConcordMockHubspot *self)
{
  if (self->frozen_ms > 0)
    return self->frozen_ms;
  self->clock_ms = MAX (g_get_real_time () / 1000, self->clock_ms + 1);
  return self->clock_ms;
}

static char *
format_ms (gint64 ms)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (ms / 1000);
  g_autofree char *seconds = when != NULL ? g_date_time_format (when, "%Y-%m-%dT%H:%M:%S")
                                          : g_strdup ("1970-01-01T00:00:00");

  return g_strdup_printf ("%s.%03dZ", seconds, (int) (ms % 1000));
}

gboolean
_concord_mock_hubspot_email_is_valid (const char *email)
{
  const char *at = email != NULL ? strchr (email, '@') : NULL;

  return at != NULL && at > email && strchr (at + 1, '@') == NULL &&
         strchr (at + 1, '.') != NULL && at[1] != '.' && email[strlen (email) - 1] != '.' &&
         strpbrk (email, " \t\r\n,;<>") == NULL && g_utf8_validate (email, -1, NULL);
}

ConcordMockHubspotContact *
_concord_mock_hubspot_find_email (ConcordMockHubspot        *self,
                                  const char                *email,
                                  ConcordMockHubspotContact *except)
{
  g_autofree char *key = NULL;
  ConcordMockHubspotContact *contact;

  if (email == NULL || *email == '\0')
    return NULL;
  key = g_ascii_strdown (email, -1);
  contact = g_hash_table_lookup (self->by_email, key);
  if (contact != NULL && contact != except)
    return contact;
  if (contact == NULL)
    return NULL;

  /* The index holds one contact an email; a test may have stored two. */
  for (guint i = 0; i < self->contacts->len; i++)
    {
      ConcordMockHubspotContact *other = g_ptr_array_index (self->contacts, i);
      const char *value = g_hash_table_lookup (other->values, "email");

      if (other != except && other->archived_ms == 0 && value != NULL &&
          g_ascii_strcasecmp (value, email) == 0)
        return other;
    }
  return NULL;
}

/* Keeps by_email right after @contact's email changed from @old (or it
 * was archived). */
void
_concord_mock_hubspot_index_email (ConcordMockHubspot        *self,
                                   ConcordMockHubspotContact *contact,
                                   const char                *old)
{
  const char *email = contact->archived_ms == 0
                      ? g_hash_table_lookup (contact->values, "email") : NULL;

  if (old != NULL)
    {
      g_autofree char *key = g_ascii_strdown (old, -1);

      if (g_hash_table_lookup (self->by_email, key) == contact)
        {
          g_hash_table_remove (self->by_email, key);
          /* Another live contact of that email (a test's) takes it. */
          for (guint i = 0; i < self->contacts->len; i++)
            {
              ConcordMockHubspotContact *other = g_ptr_array_index (self->contacts, i);
              const char *value = g_hash_table_lookup (other->values, "email");

              if (other != contact && other->archived_ms == 0 && value != NULL &&
                  g_ascii_strcasecmp (value, old) == 0)
                {
                  g_hash_table_insert (self->by_email, g_steal_pointer (&key), other);
                  break;
                }
            }
        }
    }
  if (email != NULL && *email != '\0')
    {
      g_autofree char *key = g_ascii_strdown (email, -1);

      if (!g_hash_table_contains (self->by_email, key))
        g_hash_table_insert (self->by_email, g_steal_pointer (&key), contact);
    }
}

ConcordMockHubspotContact *
_concord_mock_hubspot_new_contact (ConcordMockHubspot *self)
{
  ConcordMockHubspotContact *contact = g_new0 (ConcordMockHubspotContact, 1);

  contact->id = self->next_id++;
  contact->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  contact->created_ms = _concord_mock_hubspot_next_ms (self);
  contact->updated_ms = contact->created_ms;
  g_ptr_array_add (self->contacts, contact);
  g_hash_table_insert (self->by_id, &contact->id, contact);
  return contact;
}

/* What a property of @contact holds, HubSpot's own ones included. */
char *
_concord_mock_hubspot_contact_value (ConcordMockHubspotContact *contact,
                                     const char                *name)
{
  if (g_str_equal (name, "hs_object_id"))
    return g_strdup_printf ("%" G_GUINT64_FORMAT, contact->id);
  if (g_str_equal (name, "lastmodifieddate") || g_str_equal (name, "hs_lastmodifieddate"))
    return format_ms (contact->updated_ms);
  if (g_str_equal (name, "createdate"))
    return format_ms (contact->created_ms);
  return g_strdup (g_hash_table_lookup (contact->values, name));
}

/* A property's value as a number for search filters and sorts (dates as
 * epoch ms); FALSE when it is none. */
gboolean
_concord_mock_hubspot_contact_number (ConcordMockHubspotContact *contact,
                                      const char                *name,
                                      gint64                    *number)
{
  g_autofree char *text = NULL;

  if (g_str_equal (name, "hs_object_id"))
    *number = (gint64) contact->id;
  else if (g_str_equal (name, "lastmodifieddate") || g_str_equal (name, "hs_lastmodifieddate"))
    *number = contact->updated_ms;
  else if (g_str_equal (name, "createdate"))
    *number = contact->created_ms;
  else
    {
      text = _concord_mock_hubspot_contact_value (contact, name);
      return text != NULL && g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, number,
                                                       NULL);
    }
  return TRUE;
}

JsonObject *
_concord_mock_hubspot_contact_object (ConcordMockHubspot        *self,
                                      ConcordMockHubspotContact *contact,
                                      const char * const        *names)
{
  static const char *defaults[] = { "firstname", "lastname", "email", NULL };
  JsonObject *object = json_object_new ();
  JsonObject *properties = json_object_new ();
  g_autofree char *id = g_strdup_printf ("%" G_GUINT64_FORMAT, contact->id);
  g_autofree char *created = format_ms (contact->created_ms);
  g_autofree char *updated = format_ms (contact->updated_ms);

  if (names == NULL)
    names = defaults;
  json_object_set_string_member (properties, "createdate", created);
  json_object_set_string_member (properties, "lastmodifieddate", updated);
  json_object_set_string_member (properties, "hs_object_id", id);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *value = NULL;

      /* Unknown names are ignored; known ones without a value are null. */
      if (_concord_mock_hubspot_find_property (self, names[i]) == NULL)
        continue;
      value = _concord_mock_hubspot_contact_value (contact, names[i]);
      if (value != NULL)
        json_object_set_string_member (properties, names[i], value);
      else
        json_object_set_null_member (properties, names[i]);
    }

  json_object_set_string_member (object, "id", id);
  json_object_set_object_member (object, "properties", properties);
  json_object_set_string_member (object, "createdAt", created);
  json_object_set_string_member (object, "updatedAt", updated);
  json_object_set_boolean_member (object, "archived", contact->archived_ms != 0);
  if (contact->archived_ms != 0)
    {
      g_autofree char *archived = format_ms (contact->archived_ms);

      json_object_set_string_member (object, "archivedAt", archived);
    }
  return object;
}

/* ------------------------------------------------------------------------- */
/* Saving and loading                                                        */
/* ------------------------------------------------------------------------- */

static JsonNode *
state_to_json (ConcordMockHubspot *self)
{
  JsonObject *root = json_object_new ();
  JsonArray *properties = json_array_new ();
  JsonArray *contacts = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (root, "format", "concord-mock-hubspot");
  json_object_set_int_member (root, "version", FORMAT_VERSION);
  json_object_set_int_member (root, "next_id", (gint64) self->next_id);
  for (guint i = 0; i < self->properties->len; i++)
    {
      ConcordMockHubspotProperty *property = g_ptr_array_index (self->properties, i);
      JsonObject *object;
      JsonArray *options;

      if (!property->custom)
        continue;
      object = json_object_new ();
      options = json_array_new ();
      json_object_set_string_member (object, "name", property->name);
      json_object_set_string_member (object, "label", property->label);
      json_object_set_string_member (object, "type", property->type);
      json_object_set_string_member (object, "fieldType", property->field_type);
      for (guint o = 0; property->options != NULL && o + 1 < property->options->len; o += 2)
        {
          g_autofree char *option = g_strdup_printf ("%s=%s",
                                                     (char *) g_ptr_array_index (property->options,
                                                                                 o + 1),
                                                     (char *) g_ptr_array_index (property->options,
                                                                                 o));

          json_array_add_string_element (options, option);
        }
      json_object_set_array_member (object, "options", options);
      json_array_add_object_element (properties, object);
    }
  for (guint i = 0; i < self->contacts->len; i++)
    {
      ConcordMockHubspotContact *contact = g_ptr_array_index (self->contacts, i);
      JsonObject *object = json_object_new ();
      JsonObject *values = json_object_new ();
      GHashTableIter iter;
      gpointer key, value;

      json_object_set_int_member (object, "id", (gint64) contact->id);
      json_object_set_int_member (object, "created_ms", contact->created_ms);
      json_object_set_int_member (object, "updated_ms", contact->updated_ms);
      json_object_set_int_member (object, "archived_ms", contact->archived_ms);
      g_hash_table_iter_init (&iter, contact->values);
      while (g_hash_table_iter_next (&iter, &key, &value))
        json_object_set_string_member (values, key, value);
      json_object_set_object_member (object, "properties", values);
      json_array_add_object_element (contacts, object);
    }
  json_object_set_array_member (root, "properties", properties);
  json_object_set_array_member (root, "contacts", contacts);
  json_node_take_object (node, root);
  return node;
}

void
_concord_mock_hubspot_save_locked (ConcordMockHubspot *self)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  if (self->save_path == NULL)
    return;
  node = state_to_json (self);
  text = json_to_string (node, FALSE);
  /* For this user only: a sandbox's account is someone's sample data. */
  if (!g_file_set_contents_full (self->save_path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                 &error))
    g_warning ("Could not save the simulated HubSpot account: %s", error->message);
}

/**
 * concord_mock_hubspot_generate:
 *
 * Adds @n made-up contacts, the same for the same @seed, with what a small
 * business's account has around them (custom properties, created on the
 * first call): a text "Home city", an "Industry", a "Tier" pick list, a
 * "Lists" checkbox and a calculated "Engagement score".
 */
void
concord_mock_hubspot_generate (ConcordMockHubspot *self,
                               guint               n,
                               guint32             seed)
{
  static const char *first_names[] = { "Ada", "Ben", "Chloé", "Dmitri", "Eva", "Farah", "Goran",
                                       "Hana", "Ivo", "Jun" };
  static const char *last_names[] = { "Lovelace", "Okafor", "Durand", "Petrov", "Novak", "Haddad",
                                      "Ilić", "Sato", "Costa", "Lee" };
  static const char *companies[] = { "Acme Ltd", "Globex", "Initech", "Umbrella Co", "Hooli" };
  static const char *stages[] = { "subscriber", "lead", "customer" };
  static const char *tiers[] = { "bronze=Bronze", "silver=Silver", "gold=Gold", NULL };
  static const char *lists[] = { "Newsletter", "Customers", "Events", NULL };
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  g_return_if_fail (CONCORD_IS_MOCK_HUBSPOT (self));

  {
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

    if (_concord_mock_hubspot_find_property (self, "home_city") == NULL)
      {
        _concord_mock_hubspot_add_property (self, "home_city", "Home city", "string", "text", NULL, TRUE, FALSE, FALSE);
        _concord_mock_hubspot_add_property (self, "industry_segment", "Industry", "string", "text", NULL, TRUE, FALSE,
                                            FALSE);
        _concord_mock_hubspot_add_property (self, "tier", "Tier", "enumeration", "select", tiers, TRUE, FALSE, FALSE);
        _concord_mock_hubspot_add_property (self, "lists", "Lists", "enumeration", "checkbox", lists, TRUE, FALSE,
                                            FALSE);
        /* A custom property HubSpot computes (a calculation property). */
        _concord_mock_hubspot_add_property (self, "engagement_score", "Engagement score", "number", "calculation_equation",
                                            NULL, TRUE, FALSE, TRUE);
      }
  }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
      ConcordMockHubspotContact *contact = _concord_mock_hubspot_new_contact (self);
      GHashTable *values = contact->values;

      g_hash_table_replace (values, g_strdup ("email"),
                            g_strdup_printf ("contact%05u.%u@example.com", i, seed));
      g_hash_table_replace (values, g_strdup ("firstname"),
                            g_strdup (first_names[g_rand_int_range (rand, 0,
                                                                    G_N_ELEMENTS (first_names))]));
      g_hash_table_replace (values, g_strdup ("lastname"),
                            g_strdup (last_names[g_rand_int_range (rand, 0,
                                                                   G_N_ELEMENTS (last_names))]));
      if (g_rand_boolean (rand))
        g_hash_table_replace (values, g_strdup ("company"),
                              g_strdup (companies[g_rand_int_range (rand, 0,
                                                                    G_N_ELEMENTS (companies))]));
      g_hash_table_replace (values, g_strdup ("lifecyclestage"),
                            g_strdup (stages[g_rand_int_range (rand, 0, G_N_ELEMENTS (stages))]));
      if (g_rand_int_range (rand, 0, 5) == 0)
        g_hash_table_replace (values, g_strdup ("hs_email_optout"), g_strdup ("true"));
      if (g_rand_int_range (rand, 0, 3) == 0)
        g_hash_table_replace (values, g_strdup ("tier"),
                              g_strdup (g_rand_boolean (rand) ? "gold" : "silver"));
      if (g_rand_int_range (rand, 0, 3) == 0)
        g_hash_table_replace (values, g_strdup ("lists"), g_strdup ("Newsletter"));
      _concord_mock_hubspot_index_email (self, contact, NULL);
    }
  {
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

    _concord_mock_hubspot_save_locked (self);
  }
}

/**
 * concord_mock_hubspot_load_file:
 *
 * Replaces the account with the one saved at @path (the mock's own
 * format); a missing file is an empty account.
 */
gboolean
concord_mock_hubspot_load_file (ConcordMockHubspot  *self,
                                const char          *path,
                                GError             **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonArray *array;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (!json_parser_load_from_file (parser, path, error))
    return FALSE;
  if (json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) ||
      g_strcmp0 (json_object_get_string_member_with_default (
                   json_node_get_object (json_parser_get_root (parser)), "format", NULL),
                 "concord-mock-hubspot") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s is not a simulated HubSpot account", path);
      return FALSE;
    }
  root = json_node_get_object (json_parser_get_root (parser));

  g_hash_table_remove_all (self->by_id);
  g_hash_table_remove_all (self->by_email);
  g_ptr_array_set_size (self->contacts, 0);
  array = json_object_get_array_member (root, "properties");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);
      g_auto(GStrv) options = NULL;
      JsonArray *list;

      if (object == NULL)
        continue;
      list = json_object_get_array_member (object, "options");
      options = g_new0 (char *, (list != NULL ? json_array_get_length (list) : 0) + 1);
      for (guint o = 0; list != NULL && o < json_array_get_length (list); o++)
        options[o] = g_strdup (json_array_get_string_element (list, o));
      _concord_mock_hubspot_add_property (self, json_object_get_string_member_with_default (object, "name", "x"),
                                          json_object_get_string_member_with_default (object, "label", "x"),
                                          json_object_get_string_member_with_default (object, "type", "string"),
                                          json_object_get_string_member_with_default (object, "fieldType", "text"),
                                          (const char * const *) options, TRUE, FALSE, FALSE);
    }
  array = json_object_get_array_member (root, "contacts");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);
      JsonObject *values = object != NULL ? json_object_get_object_member (object, "properties")
                                          : NULL;
      ConcordMockHubspotContact *contact;
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      if (values == NULL)
        continue;
      contact = g_new0 (ConcordMockHubspotContact, 1);
      contact->id = (guint64) json_object_get_int_member_with_default (object, "id", 0);
      contact->created_ms = json_object_get_int_member_with_default (object, "created_ms", 0);
      contact->updated_ms = json_object_get_int_member_with_default (object, "updated_ms", 0);
      contact->archived_ms = json_object_get_int_member_with_default (object, "archived_ms", 0);
      contact->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      json_object_iter_init (&iter, values);
      while (json_object_iter_next (&iter, &name, &value))
        if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
          g_hash_table_replace (contact->values, g_strdup (name),
                                g_strdup (json_node_get_string (value)));
      if (contact->id == 0 || g_hash_table_contains (self->by_id, &contact->id))
        {
          _concord_mock_hubspot_contact_free (contact);
          continue;
        }
      g_ptr_array_add (self->contacts, contact);
      g_hash_table_insert (self->by_id, &contact->id, contact);
      _concord_mock_hubspot_index_email (self, contact, NULL);
      self->clock_ms = MAX (self->clock_ms, contact->updated_ms);
    }
  self->next_id = MAX ((guint64) json_object_get_int_member_with_default (root, "next_id", 101),
                       self->next_id);
  for (guint i = 0; i < self->contacts->len; i++)
    self->next_id = MAX (self->next_id, ((ConcordMockHubspotContact *) g_ptr_array_index (self->contacts, i))->id + 1);
  return TRUE;
}

/**
 * concord_mock_hubspot_set_save_path:
 * @path: (nullable): where to keep the account; %NULL to stop
 *
 * Writes the account to @path now (only this user may read it), and
 * again after every change.
 */
void
concord_mock_hubspot_set_save_path (ConcordMockHubspot *self,
                                    const char         *path)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  g_free (self->save_path);
  self->save_path = g_strdup (path);
  _concord_mock_hubspot_save_locked (self);
}
