/* concord-mock-mailchimp.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A local stand-in for Mailchimp's Marketing API 3.0
 * (specs/connectors-reference.md §3): audiences, their members, merge
 * fields and tags, for the connector's tests, concord-mock and the
 * end-to-end runs. The base URL is the server's origin with /3.0.
 *
 * Built on ConcordMockServer (src/connectors/mock/), which owns the thread,
 * the routing, the request log, faults and stalls; this file holds what is
 * Mailchimp's:
 *
 * - HTTP Basic with any user and the key as the password (or Bearer with
 *   the key); else 401 problem+json "API Key Invalid". A request whose
 *   Host is a data centre's (usNN.api.mailchimp.com) must come with a key
 *   of that data centre; any other host (this computer, when a base URL
 *   points an account here) takes the key whatever its suffix;
 * - errors as application/problem+json {type, title, status, detail,
 *   instance, errors?};
 * - more than 10 requests in flight: 429 "Too Many Requests" (Mailchimp
 *   limits connections, not volume; no rate-limit headers);
 * - GET /lists (count/offset), GET /lists/{id}/merge-fields;
 * - GET /lists/{id}/members: count ≤ 1000 (400 above), offset,
 *   total_items, status=, since_last_changed (strictly after),
 *   sort_field=last_changed with sort_dir; archived members only with
 *   status=archived;
 * - members addressed by subscriber hash (MD5 of the lower-cased address;
 *   a hash that is not the address's is refused on PUT): GET, PUT (upsert:
 *   email_address and status_if_new required for a new member; status
 *   changes an existing one), PATCH, DELETE (archives), POST …/tags;
 * - compliance: an unsubscribed or cleaned member is never re-subscribed
 *   by the API (400 "Member In Compliance State"); "cleaned" and
 *   "archived" cannot be written;
 * - POST /lists/{id}/members: 400 "Member Exists" for an existing member;
 * - POST /lists/{id} (batch subscribe): members ≤ 500, update_existing,
 *   per-member errors[] ("… is already a list member", fake or invalid
 *   addresses, merge field values) and new_members / updated_members;
 * - merge field values checked by type (number, date, dropdown and radio
 *   choices), required ones on new members unless skip_merge_validation
 *   (a query parameter, or the batch's member); a fake address (at a
 *   .invalid domain, or not an address) is "Invalid Resource".
 *
 * The account's data sit behind one mutex, taken by the handler for a
 * whole request and by the public API for each call.
 */

#define G_LOG_DOMAIN "concord-mock-mailchimp"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "concord-mock-mailchimp.h"
#include "concord-mock-mailchimp-private.h"

G_DEFINE_FINAL_TYPE (ConcordMockMailchimp, concord_mock_mailchimp, G_TYPE_OBJECT)

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_mock_mailchimp_dispose (GObject *object)
{
  ConcordMockMailchimp *self = CONCORD_MOCK_MAILCHIMP (object);

  /* The server first: no handler runs on the data after this. */
  g_clear_object (&self->server);

  G_OBJECT_CLASS (concord_mock_mailchimp_parent_class)->dispose (object);
}

static void
concord_mock_mailchimp_finalize (GObject *object)
{
  ConcordMockMailchimp *self = CONCORD_MOCK_MAILCHIMP (object);

  g_free (self->base_url);
  g_free (self->api_key);
  g_free (self->save_path);
  g_ptr_array_unref (self->lists);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (concord_mock_mailchimp_parent_class)->finalize (object);
}

static void
concord_mock_mailchimp_class_init (ConcordMockMailchimpClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = concord_mock_mailchimp_dispose;
  object_class->finalize = concord_mock_mailchimp_finalize;
}

static void
concord_mock_mailchimp_init (ConcordMockMailchimp *self)
{
  g_mutex_init (&self->mutex);
  self->lists = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_mock_mailchimp_list_free);
  self->max_connections = CONCORD_MOCK_MAILCHIMP_MAX_CONNECTIONS;
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_mock_mailchimp_new:
 * @api_key: the only key accepted ("<hex>-us6")
 * @port: 0 for any free port on 127.0.0.1
 *
 * Returns: (transfer full): a running mock with an account without
 *   audiences
 */
ConcordMockMailchimp *
concord_mock_mailchimp_new (const char  *api_key,
                            guint        port,
                            GError     **error)
{
  g_autoptr(ConcordMockMailchimp) self = NULL;

  g_return_val_if_fail (api_key != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_MOCK_MAILCHIMP, NULL);
  self->api_key = g_strdup (api_key);
  self->server = concord_mock_server_new ("concord-mock-mailchimp", port, error);
  if (self->server == NULL)
    return NULL;
  concord_mock_server_set_error_body_func (self->server, _concord_mock_mailchimp_build_error_body, self, NULL);
  concord_mock_server_add_route (self->server, NULL, "/", _concord_mock_mailchimp_on_request_cb, self, NULL);
  self->base_url = g_strconcat (concord_mock_server_get_origin (self->server), API_PREFIX, NULL);

  return g_steal_pointer (&self);
}

const char *
concord_mock_mailchimp_get_base_url (ConcordMockMailchimp *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_MAILCHIMP (self), NULL);

  return self->base_url;
}

ConcordMockServer *
concord_mock_mailchimp_get_server (ConcordMockMailchimp *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_MAILCHIMP (self), NULL);

  return self->server;
}

void
concord_mock_mailchimp_set_api_key (ConcordMockMailchimp *self,
                                    const char           *api_key)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_MAILCHIMP (self));
  g_return_if_fail (api_key != NULL);

  locker = g_mutex_locker_new (&self->mutex);
  g_free (self->api_key);
  self->api_key = g_strdup (api_key);
}

ConcordMockMailchimpList *
_concord_mock_mailchimp_add_list_locked (ConcordMockMailchimp *self,
                                         const char           *id,
                                         const char           *name)
{
  ConcordMockMailchimpList *list = g_new0 (ConcordMockMailchimpList, 1);

  if (id != NULL)
    list->id = g_strdup (id);
  else
    {
      /* The k-th audience's id is the same in every mock, the first one
       * CONCORD_MOCK_MAILCHIMP_FIRST_LIST_ID. */
      g_autofree char *seed = g_strdup_printf ("concord-mock-list-%u", self->next_list++);
      g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_MD5, seed, -1);

      list->id = g_strndup (sum, 10);
    }
  list->name = g_strdup (name);
  list->members = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  list->by_hash = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  list->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_mock_mailchimp_mfield_free);
  g_ptr_array_add (self->lists, list);
  return list;
}

void
_concord_mock_mailchimp_add_field_locked (ConcordMockMailchimpList *list,
                                          const char               *tag,
                                          const char               *name,
                                          const char               *type,
                                          const char * const       *choices)
{
  ConcordMockMailchimpMergeField *field = g_new0 (ConcordMockMailchimpMergeField, 1);

  field->tag = g_ascii_strup (tag, -1);
  field->name = g_strdup (name);
  field->type = g_strdup (type);
  field->choices = choices != NULL ? g_strdupv ((char **) choices) : NULL;
  field->merge_id = list->fields->len + 1;
  g_ptr_array_add (list->fields, field);
  for (guint i = 0; i < list->members->len; i++)
    {
      JsonObject *merge = json_object_get_object_member (g_ptr_array_index (list->members, i),
                                                         "merge_fields");

      if (!json_object_has_member (merge, field->tag))
        json_object_set_string_member (merge, field->tag, "");
    }
}

/**
 * concord_mock_mailchimp_add_list:
 *
 * Adds an audience with Mailchimp's default merge fields (FNAME, LNAME,
 * ADDRESS, PHONE, BIRTHDAY).
 *
 * Returns: (transfer full): its id
 */
char *
concord_mock_mailchimp_add_list (ConcordMockMailchimp *self,
                                 const char           *name)
{
  g_autoptr(GMutexLocker) locker = NULL;
  ConcordMockMailchimpList *list;

  g_return_val_if_fail (CONCORD_IS_MOCK_MAILCHIMP (self), NULL);

  locker = g_mutex_locker_new (&self->mutex);
  list = _concord_mock_mailchimp_add_list_locked (self, NULL, name);
  _concord_mock_mailchimp_add_field_locked (list, "FNAME", "First Name", "text", NULL);
  _concord_mock_mailchimp_add_field_locked (list, "LNAME", "Last Name", "text", NULL);
  _concord_mock_mailchimp_add_field_locked (list, "ADDRESS", "Address", "address", NULL);
  _concord_mock_mailchimp_add_field_locked (list, "PHONE", "Phone Number", "phone", NULL);
  _concord_mock_mailchimp_add_field_locked (list, "BIRTHDAY", "Birthday", "birthday", NULL);
  return g_strdup (list->id);
}

/* Returns: (transfer full) (nullable): the id of the @index-th audience */
char *
concord_mock_mailchimp_dup_list_id (ConcordMockMailchimp *self,
                                    guint                 index)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  return index < self->lists->len
         ? g_strdup (((ConcordMockMailchimpList *) g_ptr_array_index (self->lists, index))->id) : NULL;
}

/**
 * concord_mock_mailchimp_add_merge_field:
 * @type: text, number, date, dropdown, radio, phone, address, birthday, …
 * @choices: (nullable): a dropdown's or radio's choices
 */
void
concord_mock_mailchimp_add_merge_field (ConcordMockMailchimp *self,
                                        const char           *list_id,
                                        const char           *tag,
                                        const char           *name,
                                        const char           *type,
                                        const char * const   *choices)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  ConcordMockMailchimpList *list = _concord_mock_mailchimp_find_list (self, list_id);

  g_return_if_fail (list != NULL);
  _concord_mock_mailchimp_add_field_locked (list, tag, name, type, choices);
}

/**
 * concord_mock_mailchimp_set_merge_field_required:
 *
 * A required merge field: a new member without it is refused, unless the
 * write skips merge validation (skip_merge_validation).
 */
void
concord_mock_mailchimp_set_merge_field_required (ConcordMockMailchimp *self,
                                                 const char           *list_id,
                                                 const char           *tag,
                                                 gboolean              required)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  ConcordMockMailchimpList *list = _concord_mock_mailchimp_find_list (self, list_id);
  ConcordMockMailchimpMergeField *field = list != NULL ? _concord_mock_mailchimp_find_field (list, tag) : NULL;

  g_return_if_fail (field != NULL);
  field->required = required;
}

/**
 * concord_mock_mailchimp_put_member_json:
 * @member_json: a member as the API shows it (email_address required),
 *   stored without the API's checks, so tests can store what it refuses
 *
 * Returns: (transfer full) (nullable): the member's hash
 */
char *
concord_mock_mailchimp_put_member_json (ConcordMockMailchimp  *self,
                                        const char            *list_id,
                                        const char            *member_json,
                                        GError               **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  g_autoptr(JsonParser) parser = json_parser_new ();
  ConcordMockMailchimpList *list = _concord_mock_mailchimp_find_list (self, list_id);
  JsonObject *body;
  JsonObject *member;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  const char *email;
  g_autofree char *hash = NULL;

  if (list == NULL || !json_parser_load_from_data (parser, member_json, -1, error))
    {
      if (list == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no such list");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) ||
      (email = json_object_get_string_member_with_default (
         json_node_get_object (json_parser_get_root (parser)), "email_address", NULL)) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no email_address");
      return NULL;
    }
  body = json_node_get_object (json_parser_get_root (parser));
  hash = _concord_mock_mailchimp_hash_of (email);
  member = g_hash_table_lookup (list->by_hash, hash);
  if (member == NULL)
    member = _concord_mock_mailchimp_new_member (self, list, email);

  json_object_iter_init (&iter, body);
  while (json_object_iter_next (&iter, &name, &value))
    if (g_str_equal (name, "merge_fields") && JSON_NODE_HOLDS_OBJECT (value))
      {
        JsonObjectIter fields;
        const char *tag;
        JsonNode *field_value;

        json_object_iter_init (&fields, json_node_get_object (value));
        while (json_object_iter_next (&fields, &tag, &field_value))
          json_object_set_member (json_object_get_object_member (member, "merge_fields"), tag,
                                  json_node_copy (field_value));
      }
    else if (g_str_equal (name, "tags") && JSON_NODE_HOLDS_ARRAY (value))
      _concord_mock_mailchimp_set_tags (member, json_node_get_array (value), TRUE);
    else if (!g_str_equal (name, "id"))
      json_object_set_member (member, name, json_node_copy (value));
  return g_strdup (json_object_get_string_member (member, "id"));
}

/* Returns: (transfer full) (nullable): the member of that address as GET shows it */
char *
concord_mock_mailchimp_get_member_json (ConcordMockMailchimp *self,
                                        const char           *list_id,
                                        const char           *email)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  ConcordMockMailchimpList *list = _concord_mock_mailchimp_find_list (self, list_id);
  g_autofree char *hash = _concord_mock_mailchimp_hash_of (email);
  JsonObject *member = list != NULL ? g_hash_table_lookup (list->by_hash, hash) : NULL;
  g_autoptr(JsonNode) node = NULL;

  if (member == NULL)
    return NULL;
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, member);
  return json_to_string (node, FALSE);
}

/**
 * concord_mock_mailchimp_set_status:
 *
 * What a person does in Mailchimp (an unsubscribe link, a bounce the
 * app cleans): any status, without the API's rules.
 *
 * Returns: whether the member exists
 */
gboolean
concord_mock_mailchimp_set_status (ConcordMockMailchimp *self,
                                   const char           *list_id,
                                   const char           *email,
                                   const char           *status)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  ConcordMockMailchimpList *list = _concord_mock_mailchimp_find_list (self, list_id);
  g_autofree char *hash = _concord_mock_mailchimp_hash_of (email);
  JsonObject *member = list != NULL ? g_hash_table_lookup (list->by_hash, hash) : NULL;
  g_autofree char *now = NULL;

  if (member == NULL)
    return FALSE;
  now = _concord_mock_mailchimp_next_time (self);
  json_object_set_string_member (member, "status", status);
  json_object_set_string_member (member, "last_changed", now);
  _concord_mock_mailchimp_save_locked (self);
  return TRUE;
}

guint
concord_mock_mailchimp_get_n_members (ConcordMockMailchimp *self,
                                      const char           *list_id)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  ConcordMockMailchimpList *list = _concord_mock_mailchimp_find_list (self, list_id);

  return list != NULL ? list->members->len : 0;
}

/**
 * concord_mock_mailchimp_set_max_connections:
 * @max: requests in flight before a 429 (Mailchimp's is 10)
 */
void
concord_mock_mailchimp_set_max_connections (ConcordMockMailchimp *self,
                                            guint                 max)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  self->max_connections = max;
}
/* ------------------------------------------------------------------------- */
/* ConcordMockAppInfo                                                        */
/* ------------------------------------------------------------------------- */

static GObject *
info_create (const char  *secret,
             guint        port,
             GError     **error)
{
  ConcordMockMailchimp *mock = concord_mock_mailchimp_new (secret, port, error);

  /* An account with its audience and merge fields. */
  if (mock != NULL)
    concord_mock_mailchimp_generate (mock, 0, 1);
  return G_OBJECT (mock);
}

static ConcordMockServer *
info_get_server (GObject *mock)
{
  return concord_mock_mailchimp_get_server (CONCORD_MOCK_MAILCHIMP (mock));
}

static const char *
info_get_base_url (GObject *mock)
{
  return concord_mock_mailchimp_get_base_url (CONCORD_MOCK_MAILCHIMP (mock));
}

static void
info_set_secret (GObject    *mock,
                 const char *secret)
{
  concord_mock_mailchimp_set_api_key (CONCORD_MOCK_MAILCHIMP (mock), secret);
}

static void
info_generate (GObject *mock,
               guint    n,
               guint32  seed)
{
  concord_mock_mailchimp_generate (CONCORD_MOCK_MAILCHIMP (mock), n, seed);
}

static gboolean
info_load_file (GObject     *mock,
                const char  *path,
                GError     **error)
{
  return concord_mock_mailchimp_load_file (CONCORD_MOCK_MAILCHIMP (mock), path, error);
}

static void
info_set_save_path (GObject    *mock,
                    const char *path)
{
  concord_mock_mailchimp_set_save_path (CONCORD_MOCK_MAILCHIMP (mock), path);
}

const ConcordMockAppInfo concord_mock_mailchimp_info = {
  .id = "mailchimp",
  .create = info_create,
  .get_server = info_get_server,
  .get_base_url = info_get_base_url,
  .set_secret = info_set_secret,
  .generate = info_generate,
  .load_file = info_load_file,
  .set_save_path = info_set_save_path,
};
