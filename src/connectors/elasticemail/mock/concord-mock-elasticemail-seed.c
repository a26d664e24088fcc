/* concord-mock-elasticemail-seed.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Seeds and generated accounts for the simulated Elastic Email (see
 * concord-mock-elasticemail.c): loading a seed file, saving the account in
 * the same format, and generating many contacts for the benchmarks.
 */

#define G_LOG_DOMAIN "concord-mock-elasticemail"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include "concord-mock-elasticemail.h"
#include "concord-mock-server.h"
#include "concord-mock-elasticemail-private.h"

static gboolean
load_seed (ConcordMockElasticEmail  *self,
           JsonObject               *root,
           GError                  **error)
{
  JsonNode *node;

  node = json_object_get_member (root, "custom_fields");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          const char *name = json_array_get_string_element (array, i);

          if (name != NULL)
            _concord_mock_elasticemail_define_custom_field (self, name);
        }
    }

  /* "lists": names, or ContactsList-like objects with a "Members" array of emails. */
  node = json_object_get_member (root, "lists");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);
          JsonObject *object = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
          const char *name = object != NULL ? _concord_mock_elasticemail_get_string_member (object, "ListName")
                                            : json_node_get_string (item);
          gboolean created;
          ConcordMockElasticEmailList *list;

          if (name == NULL)
            {
              g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                   "A list without ListName");
              return FALSE;
            }

          list = _concord_mock_elasticemail_ensure_list (self, name, object != NULL ? _concord_mock_elasticemail_parse_date (object, "DateAdded") : 0,
                                                         &created);
          if (list->date_added == 0)
            list->date_added = _concord_mock_elasticemail_now_seconds ();
          if (object != NULL && json_object_has_member (object, "AllowUnsubscribe"))
            list->allow_unsubscribe = json_object_get_boolean_member (object, "AllowUnsubscribe");
        }
    }

  /* Contacts may carry "Lists": names of the lists they belong to (seed only). */
  node = json_object_get_member (root, "contacts");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);
          JsonObject *object;
          JsonNode *lists;
          ConcordMockElasticEmailContact *contact;

          if (!JSON_NODE_HOLDS_OBJECT (item))
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "Contact %u is not an object", i);
              return FALSE;
            }

          object = json_node_get_object (item);
          if (!_concord_mock_elasticemail_store_contact_object (self, object, error))
            return FALSE;

          contact = _concord_mock_elasticemail_lookup_contact (self, _concord_mock_elasticemail_get_string_member (object, "Email"));
          lists = json_object_get_member (object, "Lists");
          if (lists != NULL && JSON_NODE_HOLDS_ARRAY (lists))
            {
              JsonArray *names = json_node_get_array (lists);

              for (guint j = 0; j < json_array_get_length (names); j++)
                {
                  const char *name = json_array_get_string_element (names, j);
                  gboolean created;

                  if (name != NULL)
                    _concord_mock_elasticemail_list_add_member (_concord_mock_elasticemail_ensure_list (self, name, _concord_mock_elasticemail_now_seconds (), &created), contact);
                }
            }
        }
    }

  return TRUE;
}

/**
 * concord_mock_elasticemail_load_seed_file:
 * @path: a JSON file {"custom_fields": [names], "lists": [names or
 *   ContactsList objects], "contacts": [Contact objects, each optionally
 *   with "Lists": [names]]}
 * @error: where to put a read or parse error
 *
 * Adds the seed's data to the account.
 *
 * Returns: whether the whole file loaded
 */
gboolean
concord_mock_elasticemail_load_seed_file (ConcordMockElasticEmail  *self,
                                          const char               *path,
                                          GError                  **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  gboolean ok;

  g_return_val_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!json_parser_load_from_file (parser, path, error))
    return FALSE;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: not a JSON object", path);
      return FALSE;
    }

  g_mutex_lock (&self->mutex);
  ok = load_seed (self, json_node_get_object (root), error);
  g_mutex_unlock (&self->mutex);

  return ok;
}

/**
 * concord_mock_elasticemail_save_file:
 * @path: where to write
 * @error: where to put a write error
 *
 * Writes the account's data (custom fields, lists, contacts with their
 * lists and activity) to @path, atomically, in the format
 * concord_mock_elasticemail_load_seed_file() reads.
 *
 * Returns: whether the file was written
 */
gboolean
concord_mock_elasticemail_save_file (ConcordMockElasticEmail  *self,
                                     const char               *path,
                                     GError                  **error)
{
  gboolean ok;

  g_return_val_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->mutex);
  ok = _concord_mock_elasticemail_save_account (self, path, error);
  g_mutex_unlock (&self->mutex);

  return ok;
}

/**
 * concord_mock_elasticemail_set_save_path:
 * @path: (nullable): where to keep the account's data; %NULL to stop
 *
 * From now on the server saves the account's data to @path (as
 * concord_mock_elasticemail_save_file() does) shortly after every
 * successful request that may change them (every method but GET), and when
 * it is disposed. Changes made through this API are not saved by
 * themselves.
 */
void
concord_mock_elasticemail_set_save_path (ConcordMockElasticEmail *self,
                                         const char              *path)
{
  g_return_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self));

  g_mutex_lock (&self->mutex);
  g_free (self->save_path);
  self->save_path = g_strdup (path);
  g_mutex_unlock (&self->mutex);
}

static const char * const first_names[] = {
  "Ada", "Bruno", "Chloé", "Dmitri", "Eun-ji", "Farah", "Gustav", "Hana", "Ivo", "Jamal",
  "Katarzyna", "Luis", "Mei", "Nils", "Olu", "Priya",
};
static const char * const last_names[] = {
  "Okafor", "Lindqvist", "García", "Nakamura", "O'Brien", "Novák", "Schmidt", "Haddad",
  "Kowalski", "Rossi", "Dubois", "Chen", "Silva", "Müller",
};
static const char * const cities[] = {
  "Lisbon", "Kraków", "Nairobi", "Osaka", "Toronto", "Lyon", "Bergen",
};

/**
 * concord_mock_elasticemail_generate:
 * @n_contacts: how many contacts
 * @seed: the seed of the pseudo-random choices
 *
 * Adds contacts person0@example.com … person<n-1>@example.com, the same for
 * the same seed: names, custom fields "city", "age" and "plan" (defined on
 * the account), membership of the lists "Newsletter" (about half), "Customers"
 * (about a third) and "VIP" (about one in twenty), and statuses mostly
 * Active, with some Transactional, Engaged, Unsubscribed and Bounced. Dates
 * start at 2025-01-01T00:00:00 and advance a minute per contact.
 */
void
concord_mock_elasticemail_generate (ConcordMockElasticEmail *self,
                                    guint                    n_contacts,
                                    guint32                  seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  const gint64 base = 1735689600;  /* 2025-01-01T00:00:00Z */
  ConcordMockElasticEmailList *newsletter;
  ConcordMockElasticEmailList *customers;
  ConcordMockElasticEmailList *vip;
  gboolean created;

  g_return_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self));

  g_mutex_lock (&self->mutex);

  _concord_mock_elasticemail_define_custom_field (self, "city");
  _concord_mock_elasticemail_define_custom_field (self, "age");
  _concord_mock_elasticemail_define_custom_field (self, "plan");
  newsletter = _concord_mock_elasticemail_ensure_list (self, "Newsletter", base, &created);
  customers = _concord_mock_elasticemail_ensure_list (self, "Customers", base, &created);
  vip = _concord_mock_elasticemail_ensure_list (self, "VIP", base, &created);

  for (guint i = 0; i < n_contacts; i++)
    {
      char email[64];
      ConcordMockElasticEmailContact *contact;
      guint roll = g_rand_int_range (rand, 0, 100);
      gint64 added = base + (gint64) i * 60;

      g_snprintf (email, sizeof email, "person%u@example.com", i);
      contact = _concord_mock_elasticemail_ensure_contact (self, email, &created);

      if (roll < 70)
        contact->status = g_intern_static_string ("Active");
      else if (roll < 80)
        contact->status = g_intern_static_string ("Transactional");
      else if (roll < 90)
        contact->status = g_intern_static_string ("Engaged");
      else if (roll < 95)
        contact->status = g_intern_static_string ("Unsubscribed");
      else
        contact->status = g_intern_static_string ("Bounced");

      _concord_mock_elasticemail_set_string (&contact->first_name,
                                             first_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (first_names))]);
      _concord_mock_elasticemail_set_string (&contact->last_name,
                                             last_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (last_names))]);

      if (g_rand_int_range (rand, 0, 3) != 0)
        _concord_mock_elasticemail_set_custom_field (contact, "city",
                                                     cities[g_rand_int_range (rand, 0, G_N_ELEMENTS (cities))]);
      if (g_rand_boolean (rand))
        {
          char age[16];

          g_snprintf (age, sizeof age, "%d", g_rand_int_range (rand, 18, 90));
          _concord_mock_elasticemail_set_custom_field (contact, "age", age);
        }
      if (i % 7 == 0)
        _concord_mock_elasticemail_set_custom_field (contact, "plan", i % 14 == 0 ? "pro" : "free");

      contact->source = g_intern_static_string (i % 3 == 0 ? "FileUpload" : "ContactApi");
      contact->consent_tracking = g_intern_static_string (i % 4 == 0 ? "Allow" : "Unknown");
      contact->consent_date = added;
      contact->date_added = added;
      contact->date_updated = added + (i % 5) * 86400;
      contact->status_change_date = added;
      contact->total_sent = i % 30;
      contact->total_opened = contact->total_sent / 2;
      contact->total_clicked = contact->total_opened / 3;
      contact->last_sent = contact->total_sent > 0 ? added + 3600 : 0;
      contact->last_opened = contact->total_opened > 0 ? added + 7200 : 0;

      if (g_rand_boolean (rand))
        _concord_mock_elasticemail_list_add_member (newsletter, contact);
      if (g_rand_int_range (rand, 0, 3) == 0)
        _concord_mock_elasticemail_list_add_member (customers, contact);
      if (g_rand_int_range (rand, 0, 20) == 0)
        _concord_mock_elasticemail_list_add_member (vip, contact);
    }

  g_mutex_unlock (&self->mutex);
}
