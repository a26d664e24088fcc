/* concord-mock-elasticemail-state.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The simulated Elastic Email's account data (see
 * concord-mock-elasticemail.c): contacts, lists and custom fields with their
 * helpers (the caller holds the mutex), their JSON, saving the account in
 * the seed file format, and storing a Contact object sent or seeded.
 */

#define G_LOG_DOMAIN "concord-mock-elasticemail"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include "concord-mock-elasticemail.h"
#include "concord-mock-server.h"
#include "concord-mock-elasticemail-private.h"

static const char * const contact_statuses[] = {
  "Transactional", "Engaged", "Active", "Bounced", "Unsubscribed", "Abuse", "Inactive", "Stale",
  "NotConfirmed", NULL,
};

/* ------------------------------------------------------------------------- */
/* Data helpers (caller holds the mutex)                                     */
/* ------------------------------------------------------------------------- */

void
_concord_mock_elasticemail_contact_free (gpointer data)
{
  ConcordMockElasticEmailContact *contact = data;

  g_free (contact->key);
  g_free (contact->email);
  g_clear_pointer (&contact->status_raw, json_node_unref);
  g_free (contact->first_name);
  g_free (contact->last_name);
  g_clear_pointer (&contact->custom_fields, g_hash_table_unref);
  g_free (contact->consent_ip);
  g_free (contact->source_info);
  g_free (contact);
}

void
_concord_mock_elasticemail_list_free (gpointer data)
{
  ConcordMockElasticEmailList *list = data;

  g_free (list->name);
  g_free (list->public_id);
  g_ptr_array_unref (list->members);
  g_hash_table_unref (list->member_set);
  g_free (list);
}

gint64
_concord_mock_elasticemail_now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

gboolean
_concord_mock_elasticemail_is_known_status (const char *status)
{
  return status != NULL && g_strv_contains (contact_statuses, status);
}

/* Loose on purpose: one @, something either side, a dot in the domain. */
gboolean
_concord_mock_elasticemail_is_valid_email (const char *email)
{
  const char *at;

  if (email == NULL || strchr (email, ' ') != NULL)
    return FALSE;

  at = strchr (email, '@');
  return at != NULL && at != email && strchr (at + 1, '@') == NULL &&
         strchr (at + 1, '.') != NULL && at[strlen (at) - 1] != '.';
}

ConcordMockElasticEmailContact *
_concord_mock_elasticemail_lookup_contact (ConcordMockElasticEmail *self,
                                           const char              *email)
{
  g_autofree char *key = g_ascii_strdown (email, -1);

  return g_hash_table_lookup (self->contacts_by_key, key);
}

ConcordMockElasticEmailContact *
_concord_mock_elasticemail_ensure_contact (ConcordMockElasticEmail *self,
                                           const char              *email,
                                           gboolean                *created)
{
  g_autofree char *key = g_ascii_strdown (email, -1);
  ConcordMockElasticEmailContact *contact = g_hash_table_lookup (self->contacts_by_key, key);

  *created = contact == NULL;
  if (contact != NULL)
    return contact;

  contact = g_new0 (ConcordMockElasticEmailContact, 1);
  contact->key = g_steal_pointer (&key);
  contact->email = g_strdup (email);
  contact->status = g_intern_static_string ("Transactional");
  contact->consent_tracking = g_intern_static_string ("Unknown");
  contact->source = g_intern_static_string ("ContactApi");
  g_ptr_array_add (self->contacts, contact);
  g_hash_table_insert (self->contacts_by_key, contact->key, contact);

  return contact;
}

void
_concord_mock_elasticemail_remove_contact (ConcordMockElasticEmail        *self,
                                           ConcordMockElasticEmailContact *contact)
{
  for (guint i = 0; i < self->lists->len; i++)
    {
      ConcordMockElasticEmailList *list = g_ptr_array_index (self->lists, i);

      if (g_hash_table_remove (list->member_set, contact))
        g_ptr_array_remove (list->members, contact);
    }

  g_hash_table_remove (self->contacts_by_key, contact->key);
  g_ptr_array_remove (self->contacts, contact);  /* frees it */
}

ConcordMockElasticEmailList *
_concord_mock_elasticemail_lookup_list (ConcordMockElasticEmail *self,
                                        const char              *name)
{
  g_autofree char *key = g_ascii_strdown (name, -1);

  return g_hash_table_lookup (self->lists_by_key, key);
}

/* List names compare case-insensitively [unverified]. */
ConcordMockElasticEmailList *
_concord_mock_elasticemail_ensure_list (ConcordMockElasticEmail *self,
                                        const char              *name,
                                        gint64                   date_added,
                                        gboolean                *created)
{
  ConcordMockElasticEmailList *list = _concord_mock_elasticemail_lookup_list (self, name);

  *created = list == NULL;
  if (list != NULL)
    return list;

  list = g_new0 (ConcordMockElasticEmailList, 1);
  list->name = g_strdup (name);
  list->public_id = g_uuid_string_random ();
  list->date_added = date_added;
  list->members = g_ptr_array_new ();
  list->member_set = g_hash_table_new (NULL, NULL);
  g_ptr_array_add (self->lists, list);
  g_hash_table_insert (self->lists_by_key, g_ascii_strdown (name, -1), list);

  return list;
}

void
_concord_mock_elasticemail_list_add_member (ConcordMockElasticEmailList    *list,
                                            ConcordMockElasticEmailContact *contact)
{
  if (g_hash_table_add (list->member_set, contact))
    g_ptr_array_add (list->members, contact);
}

void
_concord_mock_elasticemail_define_custom_field (ConcordMockElasticEmail *self,
                                                const char              *name)
{
  g_autofree char *key = g_ascii_strdown (name, -1);

  if (!g_hash_table_contains (self->custom_fields, key))
    g_hash_table_insert (self->custom_fields, g_steal_pointer (&key), g_strdup (name));
}

void
_concord_mock_elasticemail_set_string (char       **field,
                                       const char  *value)
{
  if (g_strcmp0 (*field, value) != 0)
    {
      g_free (*field);
      *field = g_strdup (value);
    }
}

void
_concord_mock_elasticemail_set_custom_field (ConcordMockElasticEmailContact *contact,
                                             const char                     *name,
                                             const char                     *value)
{
  if (contact->custom_fields == NULL)
    contact->custom_fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_hash_table_insert (contact->custom_fields, g_strdup (name), g_strdup (value));
}

void
_concord_mock_elasticemail_set_status (ConcordMockElasticEmailContact *contact,
                                       const char                     *status,
                                       gint64                          now)
{
  if (contact->status_raw == NULL && g_strcmp0 (contact->status, status) == 0)
    return;

  g_clear_pointer (&contact->status_raw, json_node_unref);
  contact->status = g_intern_string (status);
  contact->status_change_date = now;
}

/* ------------------------------------------------------------------------- */
/* JSON                                                                      */
/* ------------------------------------------------------------------------- */

void
_concord_mock_elasticemail_add_date (JsonBuilder *builder,
                                     const char  *member,
                                     gint64       seconds)
{
  json_builder_set_member_name (builder, member);

  if (seconds == 0)
    {
      json_builder_add_null_value (builder);
    }
  else
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (seconds);
      g_autofree char *text = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");

      json_builder_add_string_value (builder, text);
    }
}

void
_concord_mock_elasticemail_add_string (JsonBuilder *builder,
                                       const char  *member,
                                       const char  *value)
{
  json_builder_set_member_name (builder, member);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_int (JsonBuilder *builder,
         const char  *member,
         gint64       value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_int_value (builder, value);
}

void
_concord_mock_elasticemail_build_contact (JsonBuilder                          *builder,
                                          const ConcordMockElasticEmailContact *contact)
{
  json_builder_begin_object (builder);
  _concord_mock_elasticemail_add_string (builder, "Email", contact->email);

  json_builder_set_member_name (builder, "Status");
  if (contact->status_raw != NULL)
    json_builder_add_value (builder, json_node_copy (contact->status_raw));
  else
    json_builder_add_string_value (builder, contact->status);

  _concord_mock_elasticemail_add_string (builder, "FirstName", contact->first_name);
  _concord_mock_elasticemail_add_string (builder, "LastName", contact->last_name);

  json_builder_set_member_name (builder, "CustomFields");
  json_builder_begin_object (builder);
  if (contact->custom_fields != NULL)
    {
      g_autoptr(GList) names = g_hash_table_get_keys (contact->custom_fields);

      names = g_list_sort (names, (GCompareFunc) g_strcmp0);
      for (GList *l = names; l != NULL; l = l->next)
        _concord_mock_elasticemail_add_string (builder, l->data, g_hash_table_lookup (contact->custom_fields, l->data));
    }
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "Consent");
  json_builder_begin_object (builder);
  _concord_mock_elasticemail_add_string (builder, "ConsentIP", contact->consent_ip);
  _concord_mock_elasticemail_add_date (builder, "ConsentDate", contact->consent_date);
  _concord_mock_elasticemail_add_string (builder, "ConsentTracking", contact->consent_tracking);
  json_builder_end_object (builder);

  _concord_mock_elasticemail_add_string (builder, "Source", contact->source);
  _concord_mock_elasticemail_add_string (builder, "SourceInfo", contact->source_info);
  _concord_mock_elasticemail_add_date (builder, "DateAdded", contact->date_added);
  _concord_mock_elasticemail_add_date (builder, "DateUpdated", contact->date_updated);
  _concord_mock_elasticemail_add_date (builder, "StatusChangeDate", contact->status_change_date);

  json_builder_set_member_name (builder, "Activity");
  json_builder_begin_object (builder);
  add_int (builder, "TotalSent", contact->total_sent);
  add_int (builder, "TotalOpened", contact->total_opened);
  add_int (builder, "TotalClicked", contact->total_clicked);
  add_int (builder, "TotalFailed", 0);
  _concord_mock_elasticemail_add_date (builder, "LastSent", contact->last_sent);
  _concord_mock_elasticemail_add_date (builder, "LastOpened", contact->last_opened);
  _concord_mock_elasticemail_add_date (builder, "LastClicked", 0);
  _concord_mock_elasticemail_add_date (builder, "LastFailed", 0);
  _concord_mock_elasticemail_add_string (builder, "LastIP", "");
  json_builder_set_member_name (builder, "ErrorCode");
  json_builder_add_null_value (builder);
  _concord_mock_elasticemail_add_string (builder, "FriendlyErrorMessage", "");
  json_builder_end_object (builder);

  json_builder_end_object (builder);
}

void
_concord_mock_elasticemail_build_list (JsonBuilder                       *builder,
                                       const ConcordMockElasticEmailList *list)
{
  json_builder_begin_object (builder);
  _concord_mock_elasticemail_add_string (builder, "ListName", list->name);
  _concord_mock_elasticemail_add_string (builder, "PublicListID", list->public_id);
  _concord_mock_elasticemail_add_date (builder, "DateAdded", list->date_added);
  json_builder_set_member_name (builder, "AllowUnsubscribe");
  json_builder_add_boolean_value (builder, list->allow_unsubscribe);
  json_builder_end_object (builder);
}

char *
_concord_mock_elasticemail_builder_to_string (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  return json_to_string (root, FALSE);
}

char *
_concord_mock_elasticemail_contact_to_string (const ConcordMockElasticEmailContact *contact)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  _concord_mock_elasticemail_build_contact (builder, contact);
  return _concord_mock_elasticemail_builder_to_string (builder);
}

/* The account's data in the seed file format (see load_seed_file()):
 * custom fields, lists, and contacts with the names of their lists. */
static char *
account_to_string (ConcordMockElasticEmail *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GList) names = g_hash_table_get_values (self->custom_fields);

  json_builder_begin_object (builder);

  json_builder_set_member_name (builder, "custom_fields");
  json_builder_begin_array (builder);
  names = g_list_sort (names, (GCompareFunc) g_strcmp0);
  for (GList *l = names; l != NULL; l = l->next)
    json_builder_add_string_value (builder, l->data);
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "lists");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->lists->len; i++)
    _concord_mock_elasticemail_build_list (builder, g_ptr_array_index (self->lists, i));
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "contacts");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->contacts->len; i++)
    {
      const ConcordMockElasticEmailContact *contact = g_ptr_array_index (self->contacts, i);
      g_autoptr(JsonBuilder) one = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;
      JsonArray *lists = json_array_new ();

      _concord_mock_elasticemail_build_contact (one, contact);
      node = json_builder_get_root (one);
      for (guint j = 0; j < self->lists->len; j++)
        {
          const ConcordMockElasticEmailList *list = g_ptr_array_index (self->lists, j);

          if (g_hash_table_contains (list->member_set, contact))
            json_array_add_string_element (lists, list->name);
        }
      json_object_set_array_member (json_node_get_object (node), "Lists", lists);
      json_builder_add_value (builder, g_steal_pointer (&node));
    }
  json_builder_end_array (builder);

  json_builder_end_object (builder);

  {
    g_autoptr(JsonGenerator) generator = json_generator_new ();
    g_autoptr(JsonNode) root = json_builder_get_root (builder);

    json_generator_set_pretty (generator, TRUE);
    json_generator_set_indent (generator, 1);
    json_generator_set_root (generator, root);
    return json_generator_to_data (generator, NULL);
  }
}

gboolean
_concord_mock_elasticemail_save_account (ConcordMockElasticEmail  *self,
                                         const char               *path,
                                         GError                  **error)
{
  g_autofree char *text = account_to_string (self);

  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/* Caller holds the mutex. */
void
_concord_mock_elasticemail_save_if_unsaved (ConcordMockElasticEmail *self)
{
  g_autoptr(GError) error = NULL;

  if (!self->unsaved || self->save_path == NULL)
    return;

  self->unsaved = FALSE;
  if (!_concord_mock_elasticemail_save_account (self, self->save_path, &error))
    g_warning ("Could not save the account: %s", error->message);
}

static gboolean
on_save_timeout_cb (gpointer data)
{
  ConcordMockElasticEmail *self = data;

  g_mutex_lock (&self->mutex);
  _concord_mock_elasticemail_save_if_unsaved (self);
  g_mutex_unlock (&self->mutex);

  g_clear_pointer (&self->save_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* Server thread, caller holds the mutex. */
void
_concord_mock_elasticemail_schedule_save (ConcordMockElasticEmail *self)
{
  self->unsaved = TRUE;
  if (self->save_source != NULL)
    return;

  self->save_source = g_timeout_source_new (SAVE_DELAY_MS);
  g_source_set_callback (self->save_source, on_save_timeout_cb, self, NULL);
  g_source_attach (self->save_source, concord_mock_server_get_context (self->server));
}

/* 0 when absent or unreadable: ISO 8601 with or without a zone (UTC then). */
gint64
_concord_mock_elasticemail_parse_date (JsonObject *object,
                                       const char *member)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) dt = NULL;
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return 0;

  dt = g_date_time_new_from_iso8601 (json_node_get_string (node), utc);
  return dt != NULL ? g_date_time_to_unix (dt) : 0;
}

const char *
_concord_mock_elasticemail_get_string_member (JsonObject *object,
                                              const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

/* Copies the custom fields of @object into @contact; with @defined_only the
 * keys the account does not define are dropped, as the real API does. */
void
_concord_mock_elasticemail_apply_custom_fields (ConcordMockElasticEmail        *self,
                                                ConcordMockElasticEmailContact *contact,
                                                JsonObject                     *object,
                                                gboolean                        defined_only)
{
  JsonNode *node = json_object_get_member (object, "CustomFields");
  JsonObject *fields;
  g_autoptr(GList) names = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;

  fields = json_node_get_object (node);
  names = json_object_get_members (fields);
  for (GList *l = names; l != NULL; l = l->next)
    {
      g_autofree char *key = g_ascii_strdown (l->data, -1);
      const char *name = g_hash_table_lookup (self->custom_fields, key);
      JsonNode *value = json_object_get_member (fields, l->data);
      g_autofree char *text = NULL;

      if (name == NULL)
        {
          if (defined_only)
            continue;
          _concord_mock_elasticemail_define_custom_field (self, l->data);
          name = g_hash_table_lookup (self->custom_fields, key);
        }

      if (JSON_NODE_HOLDS_NULL (value))
        {
          if (contact->custom_fields != NULL)
            g_hash_table_remove (contact->custom_fields, name);
          continue;
        }

      /* Values travel as strings; a number or boolean sent anyway is kept as its text. */
      if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
        text = g_strdup (json_node_get_string (value));
      else
        text = json_to_string (value, FALSE);

      _concord_mock_elasticemail_set_custom_field (contact, name, text);
    }
}

void
_concord_mock_elasticemail_apply_consent (ConcordMockElasticEmailContact *contact,
                                          JsonObject                     *object,
                                          const char                     *remote_ip,
                                          gint64                          now)
{
  JsonNode *node = json_object_get_member (object, "Consent");
  JsonObject *consent;
  const char *tracking;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      /* The server fills in the caller's IP and "now" when none is given. */
      if (contact->consent_date == 0)
        {
          _concord_mock_elasticemail_set_string (&contact->consent_ip, remote_ip);
          contact->consent_date = now;
        }
      return;
    }

  consent = json_node_get_object (node);
  _concord_mock_elasticemail_set_string (&contact->consent_ip, _concord_mock_elasticemail_get_string_member (consent, "ConsentIP") ?: remote_ip);
  contact->consent_date = _concord_mock_elasticemail_parse_date (consent, "ConsentDate") ?: now;
  tracking = _concord_mock_elasticemail_get_string_member (consent, "ConsentTracking");
  if (tracking != NULL)
    contact->consent_tracking = g_intern_string (tracking);
}

static int
get_int_member (JsonObject *object,
                const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;

  return (int) CLAMP (json_node_get_int (node), 0, G_MAXINT);
}

/* The read-only Activity object, so a saved account loads back whole. */
static void
apply_activity (ConcordMockElasticEmailContact *contact,
                JsonObject                     *object)
{
  JsonNode *node = json_object_get_member (object, "Activity");
  JsonObject *activity;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;

  activity = json_node_get_object (node);
  contact->total_sent = get_int_member (activity, "TotalSent");
  contact->total_opened = get_int_member (activity, "TotalOpened");
  contact->total_clicked = get_int_member (activity, "TotalClicked");
  contact->last_sent = _concord_mock_elasticemail_parse_date (activity, "LastSent");
  contact->last_opened = _concord_mock_elasticemail_parse_date (activity, "LastOpened");
}

/* A full Contact object as the API returns it (seed files, put_contact_json):
 * stored as given, unknown status values and all. */
gboolean
_concord_mock_elasticemail_store_contact_object (ConcordMockElasticEmail  *self,
                                                 JsonObject               *object,
                                                 GError                  **error)
{
  const char *email = _concord_mock_elasticemail_get_string_member (object, "Email");
  JsonNode *status;
  ConcordMockElasticEmailContact *contact;
  gboolean created;
  gint64 now = _concord_mock_elasticemail_now_seconds ();

  if (email == NULL || *email == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Contact without Email");
      return FALSE;
    }

  contact = _concord_mock_elasticemail_ensure_contact (self, email, &created);
  _concord_mock_elasticemail_set_string (&contact->email, email);

  status = json_object_get_member (object, "Status");
  if (status != NULL && JSON_NODE_HOLDS_VALUE (status) &&
      json_node_get_value_type (status) == G_TYPE_STRING)
    {
      g_clear_pointer (&contact->status_raw, json_node_unref);
      contact->status = g_intern_string (json_node_get_string (status));
    }
  else if (status != NULL && !JSON_NODE_HOLDS_NULL (status))
    {
      g_clear_pointer (&contact->status_raw, json_node_unref);
      contact->status_raw = json_node_copy (status);
    }

  if (json_object_has_member (object, "FirstName"))
    _concord_mock_elasticemail_set_string (&contact->first_name,
                                           _concord_mock_elasticemail_get_string_member (object, "FirstName"));
  if (json_object_has_member (object, "LastName"))
    _concord_mock_elasticemail_set_string (&contact->last_name,
                                           _concord_mock_elasticemail_get_string_member (object, "LastName"));
  _concord_mock_elasticemail_apply_custom_fields (self, contact, object, FALSE);
  _concord_mock_elasticemail_apply_consent (contact, object, NULL, now);

  if (_concord_mock_elasticemail_get_string_member (object, "Source") != NULL)
    contact->source = g_intern_string (_concord_mock_elasticemail_get_string_member (object, "Source"));
  if (json_object_has_member (object, "SourceInfo"))
    _concord_mock_elasticemail_set_string (&contact->source_info,
                                           _concord_mock_elasticemail_get_string_member (object, "SourceInfo"));

  contact->date_added = _concord_mock_elasticemail_parse_date (object, "DateAdded") ?: (created ? now : contact->date_added);
  contact->date_updated = _concord_mock_elasticemail_parse_date (object, "DateUpdated");
  contact->status_change_date = _concord_mock_elasticemail_parse_date (object, "StatusChangeDate");
  apply_activity (contact, object);

  return TRUE;
}
