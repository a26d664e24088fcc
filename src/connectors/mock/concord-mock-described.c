/* concord-mock-described.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * An app's web API served from its connector description
 * (docs/connector-descriptions.md), on the shared mock framework: what a
 * description says is what this file serves, so the same file both drives
 * ConcordJsonConnector and plays the app against it. From the description:
 *
 * - authentication: the secret where the description puts it (a header, a
 *   bearer token, HTTP Basic with the key as the user, a query parameter)
 *   and every fixed header it names; else 401 with the app's error body;
 * - the base URL's path (/v3.1, /developer_api/v1): requests outside it
 *   are 404, so a connector that drops it is caught;
 * - the verification endpoint, the custom field definitions endpoint;
 * - the listing: method, path, paging style (offset, page number with a
 *   short page at the end, an opaque cursor at the described path, Link
 *   header), page size parameter and its
 *   maximum (above it: 400), the incremental filter and its time format,
 *   the record selector;
 * - records: id, email(s) and modification time at their paths, the
 *   `where` values a contact holds (others are never listed or fetched),
 *   custom field values in their array; fetch, create (one by one, or in
 *   batches up to the described size) and update (partial or, when the
 *   app's quirks say so, full replacement) at their paths, bodies wrapped
 *   and answers placed as described; an invalid email or unknown custom
 *   field refuses that record with the app's status and error body;
 * - rate limit headers (remaining, reset) as described; beyond the limit a
 *   429.
 *
 * What a description cannot say is each app's quirk file
 * (src/connectors/described/mock/concord-mock-<app>.c), a small
 * ConcordMockDescribedQuirks: the error body, extra request checks,
 * page-size limits, value checks by type, how an update applies a member,
 * what an answer shows, sample data, the rate limit's window and
 * Retry-After. Not served: discovered contact types, cursor paging
 * whose answer is the bare array, custom values in an object (the loader's view of such a description is
 * refused, naming it). Faults (500, reset, truncated body, slow,
 * redirect, nesting bomb, 413) come from ConcordMockServer.
 *
 * The account's data sit behind one mutex, taken by the handler for a
 * whole request and by the public API for each call. Records are JSON
 * objects as the API shows them, in id order.
 */

#define G_LOG_DOMAIN "concord-mock-described"

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "concord-mock-described.h"
#include "concord-mock-described-api.h"
#include "concord-mock-described-private.h"

G_DEFINE_FINAL_TYPE (ConcordMockDescribed, concord_mock_described, G_TYPE_OBJECT)

/* ------------------------------------------------------------------------- */
/* Paths                                                                     */
/* ------------------------------------------------------------------------- */

/*
 * A path into a record as the description writes it: members separated by
 * dots, a member ending in "[]" an array whose every element goes on
 * ("emails[].email"). Getting takes the first element; collecting takes
 * them all.
 */

static void
collect (JsonNode   *node,
         char      **segments,
         GPtrArray  *out)
{
  g_autofree char *name = NULL;
  gboolean array;
  JsonNode *member;

  if (segments[0] == NULL)
    {
      g_ptr_array_add (out, node);
      return;
    }
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;
  array = g_str_has_suffix (segments[0], "[]");
  name = array ? g_strndup (segments[0], strlen (segments[0]) - 2) : g_strdup (segments[0]);
  member = json_object_get_member (json_node_get_object (node), name);
  if (member == NULL)
    return;
  if (!array)
    {
      collect (member, segments + 1, out);
      return;
    }
  if (!JSON_NODE_HOLDS_ARRAY (member))
    return;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (member)); i++)
    collect (json_array_get_element (json_node_get_array (member), i), segments + 1, out);
}

/* Returns: (transfer container): the nodes at @path (unowned) */
GPtrArray *
_concord_mock_described_collect_path (JsonObject *object,
                                      const char *path)
{
  g_auto(GStrv) segments = g_strsplit (path, ".", -1);
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  GPtrArray *out = g_ptr_array_new ();

  json_node_set_object (root, object);
  collect (root, segments, out);
  return out;
}

/**
 * concord_mock_described_get_path:
 *
 * Returns: (transfer none) (nullable): the first node at @path
 */
JsonNode *
concord_mock_described_get_path (JsonObject *object,
                                 const char *path)
{
  g_autoptr(GPtrArray) nodes = _concord_mock_described_collect_path (object, path);

  return nodes->len > 0 ? g_ptr_array_index (nodes, 0) : NULL;
}

/**
 * concord_mock_described_set_path:
 * @value: (transfer full)
 *
 * Sets @path, making the objects and arrays on the way (an array gets one
 * object element, which is the one set).
 */
void
concord_mock_described_set_path (JsonObject *object,
                                 const char *path,
                                 JsonNode   *value)
{
  g_auto(GStrv) segments = g_strsplit (path, ".", -1);

  for (guint i = 0; segments[i] != NULL; i++)
    {
      gboolean array = g_str_has_suffix (segments[i], "[]");
      g_autofree char *name = array ? g_strndup (segments[i], strlen (segments[i]) - 2)
                                    : g_strdup (segments[i]);
      JsonNode *member = json_object_get_member (object, name);

      if (segments[i + 1] == NULL && !array)
        {
          json_object_set_member (object, name, value);
          return;
        }
      if (array)
        {
          JsonArray *elements;

          if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
            {
              json_object_set_array_member (object, name, json_array_new ());
              member = json_object_get_member (object, name);
            }
          elements = json_node_get_array (member);
          if (segments[i + 1] == NULL)
            {
              json_array_add_element (elements, value);
              return;
            }
          if (json_array_get_length (elements) == 0 ||
              !JSON_NODE_HOLDS_OBJECT (json_array_get_element (elements, 0)))
            {
              if (json_array_get_length (elements) > 0)
                json_array_remove_element (elements, 0);
              json_array_add_object_element (elements, json_object_new ());
            }
          object = json_array_get_object_element (elements, 0);
        }
      else
        {
          if (member == NULL || !JSON_NODE_HOLDS_OBJECT (member))
            {
              json_object_set_object_member (object, name, json_object_new ());
              member = json_object_get_member (object, name);
            }
          object = json_node_get_object (member);
        }
    }
  json_node_unref (value);
}

/* The node as an integer id: a number, or a string of digits. */
gboolean
_concord_mock_described_node_id (JsonNode *node,
                                 gint64   *id)
{
  guint64 number;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *id = json_node_get_int (node);
      return *id > 0;
    }
  if (json_node_get_value_type (node) == G_TYPE_STRING &&
      g_ascii_string_to_unsigned (json_node_get_string (node), 10, 1, G_MAXINT64, &number, NULL))
    {
      *id = (gint64) number;
      return TRUE;
    }
  return FALSE;
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_mock_described_dispose (GObject *object)
{
  ConcordMockDescribed *self = CONCORD_MOCK_DESCRIBED (object);

  /* The server first: no handler runs on the data after this. */
  g_clear_object (&self->server);

  G_OBJECT_CLASS (concord_mock_described_parent_class)->dispose (object);
}

static void
concord_mock_described_finalize (GObject *object)
{
  ConcordMockDescribed *self = CONCORD_MOCK_DESCRIBED (object);

  g_free (self->base_url);
  g_free (self->secret);
  g_free (self->save_path);
  g_clear_pointer (&self->api, concord_mock_described_api_free);
  g_hash_table_unref (self->by_id);
  g_ptr_array_unref (self->records);
  json_array_unref (self->fields);
  g_queue_clear_full (&self->window, g_free);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (concord_mock_described_parent_class)->finalize (object);
}

static void
concord_mock_described_class_init (ConcordMockDescribedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = concord_mock_described_dispose;
  object_class->finalize = concord_mock_described_finalize;
}

static void
concord_mock_described_init (ConcordMockDescribed *self)
{
  g_mutex_init (&self->mutex);
  self->records = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  self->by_id = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->fields = json_array_new ();
  self->next_id = 1;
  g_queue_init (&self->window);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_mock_described_new:
 * @app_id: the id of a shipped description ("copper")
 * @quirks: (nullable): what the description cannot say
 * @secret: the only key accepted
 * @port: 0 for any free port on 127.0.0.1
 *
 * Returns: (transfer full): a running mock with the app's custom field
 *   definitions (its quirks' sample ones) and no records
 */
ConcordMockDescribed *
concord_mock_described_new (const char                       *app_id,
                            const ConcordMockDescribedQuirks *quirks,
                            const char                       *secret,
                            guint                             port,
                            GError                          **error)
{
  static const ConcordMockDescribedQuirks none = { 0 };
  g_autoptr(ConcordMockDescribed) self = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (app_id != NULL, NULL);
  g_return_val_if_fail (secret != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_MOCK_DESCRIBED, NULL);
  self->quirks = quirks != NULL ? quirks : &none;
  self->secret = g_strdup (secret);
  self->api = concord_mock_described_api_load (app_id, error);
  if (self->api == NULL)
    return NULL;
  _concord_mock_described_apply_quirks (self->api, self->quirks);
  name = g_strdup_printf ("concord-mock-%s", app_id);
  self->server = concord_mock_server_new (name, port, error);
  if (self->server == NULL)
    return NULL;
  concord_mock_server_set_error_body_func (self->server, _concord_mock_described_build_error_body, self, NULL);
  concord_mock_server_add_route (self->server, NULL, "/", _concord_mock_described_on_request_cb, self, NULL);
  self->base_url = g_strconcat (concord_mock_server_get_origin (self->server),
                                self->api->base_path, NULL);
  if (self->quirks->sample_fields != NULL)
    {
      json_array_unref (self->fields);
      self->fields = self->quirks->sample_fields ();
    }

  return g_steal_pointer (&self);
}

const char *
concord_mock_described_get_app_id (ConcordMockDescribed *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_DESCRIBED (self), NULL);

  return self->api->app_id;
}

const char *
concord_mock_described_get_base_url (ConcordMockDescribed *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_DESCRIBED (self), NULL);

  return self->base_url;
}

ConcordMockServer *
concord_mock_described_get_server (ConcordMockDescribed *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_DESCRIBED (self), NULL);

  return self->server;
}

void
concord_mock_described_set_secret (ConcordMockDescribed *self,
                                   const char           *secret)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_DESCRIBED (self));
  g_return_if_fail (secret != NULL);

  locker = g_mutex_locker_new (&self->mutex);
  g_free (self->secret);
  self->secret = g_strdup (secret);
}

/* The accepted secret (server thread, for the quirks; lock held). */
const char *
concord_mock_described_get_secret (ConcordMockDescribed *self)
{
  return self->secret;
}

void
concord_mock_described_set_rate_limit (ConcordMockDescribed *self,
                                       guint                 limit,
                                       guint                 window_s)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_DESCRIBED (self));

  locker = g_mutex_locker_new (&self->mutex);
  self->rate_limit = limit;
  self->window_us = (gint64) MAX (window_s, 1) * G_USEC_PER_SEC;
  g_queue_clear_full (&self->window, g_free);
}

/**
 * concord_mock_described_add_field_json:
 * @json: a custom field definition as the fields endpoint lists it
 */
void
concord_mock_described_add_field_json (ConcordMockDescribed *self,
                                       const char           *json)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_return_if_fail (CONCORD_IS_MOCK_DESCRIBED (self));

  locker = g_mutex_locker_new (&self->mutex);
  if (!json_parser_load_from_data (parser, json, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    g_return_if_reached ();
  json_array_add_element (self->fields, json_node_copy (json_parser_get_root (parser)));
}

/**
 * concord_mock_described_put_record_json:
 * @json: a record as the create endpoint takes it (unwrapped), applied
 *   without the checks, so tests can store what the API would refuse;
 *   its modification time, when given, is kept (a test may date a record
 *   in the past)
 *
 * Returns: the new record's id, 0 on error
 */
gint64
concord_mock_described_put_record_json (ConcordMockDescribed  *self,
                                        const char            *json,
                                        GError               **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *body;
  JsonObject *record;
  JsonNode *modified;

  g_return_val_if_fail (CONCORD_IS_MOCK_DESCRIBED (self), 0);

  locker = g_mutex_locker_new (&self->mutex);
  if (!json_parser_load_from_data (parser, json, -1, error))
    return 0;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a JSON object");
      return 0;
    }
  body = json_node_get_object (json_parser_get_root (parser));
  record = _concord_mock_described_new_record (self);
  _concord_mock_described_apply_record (self, record, body, TRUE, FALSE);
  modified = concord_mock_described_get_path (body, self->api->modified_path);
  if (modified != NULL)
    concord_mock_described_set_path (record, self->api->modified_path, json_node_copy (modified));
  _concord_mock_described_save (self);
  return _concord_mock_described_record_id (self, record);
}

/* Returns: (transfer full) (nullable): the record as a fetch shows it, unwrapped */
char *
concord_mock_described_get_record_json (ConcordMockDescribed *self,
                                        gint64                id)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *record;

  g_return_val_if_fail (CONCORD_IS_MOCK_DESCRIBED (self), NULL);

  locker = g_mutex_locker_new (&self->mutex);
  record = g_hash_table_lookup (self->by_id, GINT_TO_POINTER (id));
  if (record == NULL)
    return NULL;
  node = _concord_mock_described_object_node (json_object_ref (record));
  return json_to_string (node, FALSE);
}

/* Returns: the records of any kind (Capsule: organisations too) */
guint
concord_mock_described_get_n_records (ConcordMockDescribed *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (CONCORD_IS_MOCK_DESCRIBED (self), 0);

  locker = g_mutex_locker_new (&self->mutex);
  return self->records->len;
}

/* Returns: the id of the first contact with @email (any case), 0 if none */
gint64
concord_mock_described_find_email (ConcordMockDescribed *self,
                                   const char           *email)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (CONCORD_IS_MOCK_DESCRIBED (self), 0);

  locker = g_mutex_locker_new (&self->mutex);
  for (guint i = 0; i < self->records->len; i++)
    {
      JsonObject *record = g_ptr_array_index (self->records, i);
      g_autoptr(GPtrArray) emails = _concord_mock_described_collect_path (record, self->api->email_path);

      if (!_concord_mock_described_is_contact (self, record))
        continue;
      for (guint j = 0; j < emails->len; j++)
        {
          JsonNode *node = g_ptr_array_index (emails, j);

          if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
              g_ascii_strcasecmp (json_node_get_string (node), email) == 0)
            return _concord_mock_described_record_id (self, record);
        }
    }
  return 0;
}

/* ------------------------------------------------------------------------- */
/* ConcordMockAppInfo                                                        */
/* ------------------------------------------------------------------------- */

/* An info's create: the app as concord-mock and the sandbox serve it,
 * with its rate limit. */
GObject *
_concord_mock_described_info_create (const char                       *app_id,
                                     const ConcordMockDescribedQuirks *quirks,
                                     const char                       *secret,
                                     guint                             port,
                                     GError                          **error)
{
  ConcordMockDescribed *mock = concord_mock_described_new (app_id, quirks, secret, port, error);

  if (mock != NULL && quirks->rate_limit > 0)
    concord_mock_described_set_rate_limit (mock, quirks->rate_limit, quirks->rate_window_s);
  return G_OBJECT (mock);
}

ConcordMockServer *
_concord_mock_described_info_get_server (GObject *mock)
{
  return concord_mock_described_get_server (CONCORD_MOCK_DESCRIBED (mock));
}

const char *
_concord_mock_described_info_get_base_url (GObject *mock)
{
  return concord_mock_described_get_base_url (CONCORD_MOCK_DESCRIBED (mock));
}

void
_concord_mock_described_info_set_secret (GObject    *mock,
                                         const char *secret)
{
  concord_mock_described_set_secret (CONCORD_MOCK_DESCRIBED (mock), secret);
}

void
_concord_mock_described_info_generate (GObject *mock,
                                       guint    n,
                                       guint32  seed)
{
  concord_mock_described_generate (CONCORD_MOCK_DESCRIBED (mock), n, seed);
}

gboolean
_concord_mock_described_info_load_file (GObject     *mock,
                                        const char  *path,
                                        GError     **error)
{
  return concord_mock_described_load_file (CONCORD_MOCK_DESCRIBED (mock), path, error);
}

void
_concord_mock_described_info_set_save_path (GObject    *mock,
                                            const char *path)
{
  concord_mock_described_set_save_path (CONCORD_MOCK_DESCRIBED (mock), path);
}
