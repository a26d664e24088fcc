/* concord-mock-mailchimp-file.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The simulated Mailchimp's account as a file, and generated accounts (see
 * concord-mock-mailchimp.c): writing it, loading it back, saving after
 * every change, and made-up members for the benchmarks and the sandbox.
 */

#define G_LOG_DOMAIN "concord-mock-mailchimp"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include "concord-mock-mailchimp.h"
#include "concord-mock-mailchimp-private.h"

/* ------------------------------------------------------------------------- */
/* Files (the sandbox)                                                       */
/* ------------------------------------------------------------------------- */

static JsonNode *
to_json_locked (ConcordMockMailchimp *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, "concord-mock-mailchimp");
  json_builder_set_member_name (builder, "lists");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->lists->len; i++)
    {
      ConcordMockMailchimpList *list = g_ptr_array_index (self->lists, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, list->id);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, list->name);
      json_builder_set_member_name (builder, "merge_fields");
      json_builder_begin_array (builder);
      for (guint f = 0; f < list->fields->len; f++)
        {
          g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

          json_node_take_object (node,
                                 _concord_mock_mailchimp_make_field (g_ptr_array_index (list->fields, f), list->id));
          json_builder_add_value (builder, json_node_copy (node));
        }
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "members");
      json_builder_begin_array (builder);
      for (guint m = 0; m < list->members->len; m++)
        {
          JsonNode *node = json_node_new (JSON_NODE_OBJECT);

          json_node_set_object (node, g_ptr_array_index (list->members, m));
          json_builder_add_value (builder, node);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

void
_concord_mock_mailchimp_save_locked (ConcordMockMailchimp *self)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  if (self->save_path == NULL)
    return;
  root = to_json_locked (self);
  text = json_to_string (root, FALSE);
  if (!g_file_set_contents (self->save_path, text, -1, &error))
    g_warning ("Could not save the simulated Mailchimp account: %s", error->message);
}

/**
 * concord_mock_mailchimp_generate:
 *
 * Adds @n made-up members, the same for the same @seed, to the first
 * audience, with what a small business's account has around them (made
 * on the first call): the audience "Newsletter", merge fields Company,
 * city, Plan (a dropdown) and Age, and tags; and an empty second audience,
 * "Customers".
 */
void
concord_mock_mailchimp_generate (ConcordMockMailchimp *self,
                                 guint                 n,
                                 guint32               seed)
{
  static const char *first_names[] = { "Ada", "Ben", "Chloé", "Dmitri", "Eva", "Farah", "Goran",
                                       "Hana", "Ivo", "Jun" };
  static const char *last_names[] = { "Lovelace", "Okafor", "Durand", "Petrov", "Novak", "Haddad",
                                      "Ilić", "Sato", "Costa", "Lee" };
  static const char *companies[] = { "Acme Ltd", "Globex", "Initech", "Umbrella Co", "Hooli" };
  static const char *cities[] = { "Lisbon", "Osaka", "Lagos", "Lyon", "Quito" };
  static const char *plans[] = { "free", "pro", "team", NULL };
  static const char *tags[] = { "Customer", "Lead", "VIP" };
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree char *list_id = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_MAILCHIMP (self));

  list_id = concord_mock_mailchimp_dup_list_id (self, 0);
  if (list_id == NULL)
    {
      list_id = concord_mock_mailchimp_add_list (self, "Newsletter");
      concord_mock_mailchimp_add_merge_field (self, list_id, "COMPANY", "Company", "text", NULL);
      concord_mock_mailchimp_add_merge_field (self, list_id, "CITY", "city", "text", NULL);
      concord_mock_mailchimp_add_merge_field (self, list_id, "PLAN", "Plan", "dropdown", plans);
      concord_mock_mailchimp_add_merge_field (self, list_id, "AGE", "Age", "number", NULL);
      /* A second, empty audience, as most accounts have, so that the
       * contact-type step shows a choice. */
      g_free (concord_mock_mailchimp_add_list (self, "Customers"));
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
      ConcordMockMailchimpList *list = _concord_mock_mailchimp_find_list (self, list_id);
      g_autofree char *email = g_strdup_printf ("member%05u.%u@example.com", i, seed);
      g_autofree char *hash = _concord_mock_mailchimp_hash_of (email);
      JsonObject *member;
      JsonObject *merge;
      int roll = g_rand_int_range (rand, 0, 20);

      if (g_hash_table_contains (list->by_hash, hash))
        continue;
      member = _concord_mock_mailchimp_new_member (self, list, email);
      merge = json_object_get_object_member (member, "merge_fields");
      json_object_set_string_member (merge, "FNAME",
                                     first_names[g_rand_int_range (rand, 0,
                                                                   G_N_ELEMENTS (first_names))]);
      json_object_set_string_member (merge, "LNAME",
                                     last_names[g_rand_int_range (rand, 0,
                                                                  G_N_ELEMENTS (last_names))]);
      if (_concord_mock_mailchimp_find_field (list, "COMPANY") != NULL && g_rand_boolean (rand))
        json_object_set_string_member (merge, "COMPANY",
                                       companies[g_rand_int_range (rand, 0,
                                                                   G_N_ELEMENTS (companies))]);
      if (_concord_mock_mailchimp_find_field (list, "CITY") != NULL && g_rand_boolean (rand))
        json_object_set_string_member (merge, "CITY",
                                       cities[g_rand_int_range (rand, 0, G_N_ELEMENTS (cities))]);
      if (_concord_mock_mailchimp_find_field (list, "PLAN") != NULL)
        json_object_set_string_member (merge, "PLAN", i % 14 == 0 ? "pro" : "free");
      json_object_set_string_member (member, "status",
                                     roll == 0 ? "unsubscribed" : roll == 1 ? "cleaned"
                                     : roll == 2 ? "pending" : roll == 3 ? "transactional"
                                     : "subscribed");
      if (g_rand_int_range (rand, 0, 3) == 0)
        {
          g_autoptr(JsonArray) names = json_array_new ();

          json_array_add_string_element (names, tags[g_rand_int_range (rand, 0,
                                                                       G_N_ELEMENTS (tags))]);
          _concord_mock_mailchimp_set_tags (member, names, TRUE);
        }
    }

  {
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

    _concord_mock_mailchimp_save_locked (self);
  }
}

/**
 * concord_mock_mailchimp_load_file:
 *
 * Replaces the account's audiences with those of @path, as
 * concord_mock_mailchimp_set_save_path() saves them.
 */
gboolean
concord_mock_mailchimp_load_file (ConcordMockMailchimp  *self,
                                  const char            *path,
                                  GError               **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonArray *lists;

  if (!json_parser_load_from_file (parser, path, error))
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) ||
      g_strcmp0 (json_object_get_string_member_with_default (
                   json_node_get_object (json_parser_get_root (parser)), "format", NULL),
                 "concord-mock-mailchimp") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s is not a simulated Mailchimp account", path);
      return FALSE;
    }
  root = json_node_get_object (json_parser_get_root (parser));
  lists = json_object_get_array_member (root, "lists");

  g_ptr_array_set_size (self->lists, 0);
  for (guint i = 0; lists != NULL && i < json_array_get_length (lists); i++)
    {
      JsonObject *object = json_array_get_object_element (lists, i);
      JsonArray *fields = json_object_get_array_member (object, "merge_fields");
      JsonArray *members = json_object_get_array_member (object, "members");
      ConcordMockMailchimpList *list = _concord_mock_mailchimp_add_list_locked (self, json_object_get_string_member (object, "id"),
                                                                                json_object_get_string_member (object, "name"));

      for (guint f = 0; fields != NULL && f < json_array_get_length (fields); f++)
        {
          JsonObject *field = json_array_get_object_element (fields, f);
          JsonObject *options = json_object_get_object_member (field, "options");
          JsonArray *choices = options != NULL && json_object_has_member (options, "choices")
                               ? json_object_get_array_member (options, "choices") : NULL;
          g_autoptr(GPtrArray) values = g_ptr_array_new ();

          for (guint c = 0; choices != NULL && c < json_array_get_length (choices); c++)
            g_ptr_array_add (values, (gpointer) json_array_get_string_element (choices, c));
          g_ptr_array_add (values, NULL);
          _concord_mock_mailchimp_add_field_locked (list, json_object_get_string_member (field, "tag"),
                                                    json_object_get_string_member (field, "name"),
                                                    json_object_get_string_member (field, "type"),
                                                    choices != NULL ? (const char * const *) values->pdata : NULL);
        }
      for (guint m = 0; members != NULL && m < json_array_get_length (members); m++)
        {
          JsonObject *member = json_object_ref (json_array_get_object_element (members, m));

          g_ptr_array_add (list->members, member);
          g_hash_table_replace (list->by_hash,
                                g_strdup (json_object_get_string_member (member, "id")), member);
        }
    }
  return TRUE;
}

/**
 * concord_mock_mailchimp_set_save_path:
 * @path: (nullable): where the account is saved after every change
 */
void
concord_mock_mailchimp_set_save_path (ConcordMockMailchimp *self,
                                      const char           *path)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  g_free (self->save_path);
  self->save_path = g_strdup (path);
  _concord_mock_mailchimp_save_locked (self);
}
