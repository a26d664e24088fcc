/* concord-connector-mailchimp-audiences.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Mailchimp's side collections (see concord-connector-mailchimp.c): the
 * audiences, offered as contact types, and the preparation of a listing or
 * a write that reads the audience's merge fields.
 */

#define G_LOG_DOMAIN "concord-connector-mailchimp"

#include "config.h"

#include <string.h>
#include "concord-connector-mailchimp.h"
#include "concord-connector-mailchimp-private.h"
#include "concord-error.h"
#include "concord-json-private.h"
#include "concord-rest-connector.h"

/* ------------------------------------------------------------------------- */
/* Side collections: audiences, merge fields                                 */
/* ------------------------------------------------------------------------- */

typedef void (*EachItem) (ConcordConnectorMailchimp *self,
                          JsonObject                *item,
                          gpointer                   data);

typedef struct
{
  char     *path;     /* (owned): with its query, without paging */
  char     *label;    /* (owned) */
  char     *member;   /* (owned): the array's member ("lists") */
  guint     offset;
  guint     n_pages;
  EachItem  each;
  gpointer  data;
} SideRead;

static void
side_read_free (SideRead *read)
{
  g_free (read->path);
  g_free (read->label);
  g_free (read->member);
  g_free (read);
}

static void side_read_next (GTask *task);

static void
on_side_page_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorMailchimp *self = g_task_get_source_object (task);
  SideRead *read = g_task_get_task_data (task);
  g_autoptr(JsonNode) root = NULL;
  GError *error = NULL;
  JsonObject *answer;
  JsonNode *items;
  JsonArray *array;
  guint n;
  gint64 total;

  root = concord_http_client_send_json_finish (self->client, result, NULL, NULL, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  answer = _concord_mailchimp_root_object (root);
  items = answer != NULL ? json_object_get_member (answer, read->member) : NULL;
  if (items == NULL || !JSON_NODE_HOLDS_ARRAY (items))
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                               "%s failed: the answer holds no %s", read->label, read->member);
      return;
    }
  array = json_node_get_array (items);
  n = json_array_get_length (array);
  if (n > SIDE_PAGE_LIMIT)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                               "%s failed: the server sent %u %s for a page of %u; the listing "
                               "stops", read->label, n, read->member, SIDE_PAGE_LIMIT);
      return;
    }

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        read->each (self, json_node_get_object (node), read->data);
    }

  total = _concord_mailchimp_read_total (answer);
  if (!_concord_mailchimp_has_next_page (read->offset, n, SIDE_PAGE_LIMIT, total))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  read->offset += n;
  if (++read->n_pages >= MAX_SIDE_PAGES)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                               "%s failed: Mailchimp sent more pages than any account has; the "
                               "listing stops", read->label);
      return;
    }
  side_read_next (g_steal_pointer (&task));
}

/* Takes the reference on @task. */
static void
side_read_next (GTask *task)
{
  ConcordConnectorMailchimp *self = g_task_get_source_object (task);
  SideRead *read = g_task_get_task_data (task);
  g_autofree char *path = g_strdup_printf ("%s%ccount=%u&offset=%u", read->path,
                                           strchr (read->path, '?') != NULL ? '&' : '?',
                                           SIDE_PAGE_LIMIT, read->offset);

  concord_http_client_send_json_async (self->client, _concord_mailchimp_new_request ("GET", path, read->label, NULL),
                                       g_task_get_cancellable (task), on_side_page_cb, task);
}

static void
side_read_async (ConcordConnectorMailchimp *self,
                 const char                *path,
                 const char                *label,
                 const char                *member,
                 EachItem                   each,
                 gpointer                   data,
                 GCancellable              *cancellable,
                 GAsyncReadyCallback        callback,
                 gpointer                   user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  SideRead *read = g_new0 (SideRead, 1);

  g_task_set_source_tag (task, side_read_async);
  read->path = g_strdup (path);
  read->label = g_strdup (label);
  read->member = g_strdup (member);
  read->each = each;
  read->data = data;
  g_task_set_task_data (task, read, (GDestroyNotify) side_read_free);
  side_read_next (task);
}

/* Audiences ------------------------------------------------------------- */

static void
add_audience (ConcordConnectorMailchimp *self,
              JsonObject                *item,
              gpointer                   data)
{
  GPtrArray *types = data;
  g_autofree char *id = _concord_mailchimp_member_text (item, "id");
  g_autofree char *name = _concord_mailchimp_member_text (item, "name");

  if (!_concord_mailchimp_is_list_id (id))
    return;
  for (guint i = 0; i < types->len; i++)
    if (g_str_equal (((ConcordContactType *) g_ptr_array_index (types, i))->id, id))
      return;
  g_ptr_array_add (types, concord_contact_type_new (id, name != NULL && *name != '\0' ? name : id));
}

static void
on_audiences_read_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (object);
  GPtrArray *types = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_clear_pointer (&self->audiences, g_ptr_array_unref);
  self->audiences = g_ptr_array_ref (types);
  g_task_return_pointer (task, g_ptr_array_ref (types), (GDestroyNotify) g_ptr_array_unref);
}

void
concord_connector_mailchimp_list_contact_types_async (ConcordConnector    *connector,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (connector);
  GTask *task = concord_connector_task_new (connector,
                                            concord_connector_mailchimp_list_contact_types_async,
                                            cancellable, callback, user_data);
  GPtrArray *types = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);

  g_task_set_task_data (task, types, (GDestroyNotify) g_ptr_array_unref);
  side_read_async (self, "/lists?fields=lists.id,lists.name,total_items", "GET /lists", "lists",
                   add_audience, types, cancellable, on_audiences_read_cb, task);
}

/* What the base checks contact types against: the audiences listed, and
 * those the engine named (concord_connector_mailchimp_accept_list()). */
GPtrArray *
concord_connector_mailchimp_list_contact_types (ConcordConnector *connector)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (connector);
  GPtrArray *types = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);
  GHashTableIter iter;
  gpointer id;

  for (guint i = 0; self->audiences != NULL && i < self->audiences->len; i++)
    {
      ConcordContactType *type = g_ptr_array_index (self->audiences, i);

      g_ptr_array_add (types, concord_contact_type_new (type->id, type->label));
    }
  g_hash_table_iter_init (&iter, self->accepted);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    {
      gboolean listed = FALSE;

      for (guint i = 0; !listed && self->audiences != NULL && i < self->audiences->len; i++)
        listed = g_str_equal (((ConcordContactType *) g_ptr_array_index (self->audiences, i))->id,
                              id);
      if (!listed)
        g_ptr_array_add (types, concord_contact_type_new (id, id));
    }
  return types;
}

/* An operation on @contact_type: the audience its requests go to. An id
 * that cannot be one is left unaccepted (the base refuses it). */
void
_concord_mailchimp_accept_list (ConcordConnectorMailchimp *self,
                                const char                *contact_type)
{
  if (!_concord_mailchimp_is_list_id (contact_type))
    return;
  g_hash_table_add (self->accepted, g_strdup (contact_type));
  if (g_strcmp0 (self->list_id, contact_type) != 0)
    {
      g_free (self->list_id);
      self->list_id = g_strdup (contact_type);
    }
}

/* ------------------------------------------------------------------------- */
/* Preparation: the audience's merge fields                                  */
/* ------------------------------------------------------------------------- */

static void
add_merge_field_cb (ConcordConnectorMailchimp *self,
                    JsonObject                *item,
                    gpointer                   data)
{
  _concord_mailchimp_add_merge_field (self, item);
}

static void
on_fields_read_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (object);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* None known (no dangling ones): read again by the next operation. */
      _concord_mailchimp_reset_fields (self);
      g_clear_pointer (&self->fields, g_ptr_array_unref);
      g_task_return_error (task, error);
      return;
    }
  g_free (self->fields_list);
  self->fields_list = g_strdup (g_task_get_task_data (task));
  self->fields_at = g_get_monotonic_time ();
  g_task_return_boolean (task, TRUE);
}

/* How old the merge fields may be for a new listing: a sync loads the
 * schema (which reads them) just before it lists. */
#define FIELDS_FRESH_US (60 * G_USEC_PER_SEC)

/* @again: read them even if known, unless read within FIELDS_FRESH_US
 * (@force: whatever their age). */
void
_concord_mailchimp_read_fields_async (ConcordConnectorMailchimp *self,
                                      gboolean                   again,
                                      gboolean                   force,
                                      GCancellable              *cancellable,
                                      GAsyncReadyCallback        callback,
                                      gpointer                   user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *path = NULL;
  g_autofree char *label = NULL;

  g_task_set_source_tag (task, _concord_mailchimp_read_fields_async);
  g_task_set_task_data (task, g_strdup (self->list_id), g_free);

  if (self->list_id == NULL)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                               "Mailchimp has no such audience");
      g_object_unref (task);
      return;
    }

  if (self->fields != NULL && g_strcmp0 (self->fields_list, self->list_id) == 0 && !force &&
      (!again || g_get_monotonic_time () - self->fields_at < FIELDS_FRESH_US))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  _concord_mailchimp_reset_fields (self);
  path = g_strdup_printf ("/lists/%s/merge-fields", self->list_id);
  side_read_async (self, path, "GET /lists/{id}/merge-fields", "merge_fields", add_merge_field_cb,
                   NULL, cancellable, on_fields_read_cb, task);
}

void
concord_connector_mailchimp_prepare_async (ConcordRestConnector *connector,
                                           ConcordRestOperation  operation,
                                           const char           *page_token,
                                           GPtrArray            *inputs,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (connector);
  gboolean new_listing = operation == CONCORD_REST_LIST && page_token == NULL;

  if (new_listing)
    self->max_changed = -1;
  _concord_mailchimp_read_fields_async (self, new_listing, FALSE, cancellable, callback, user_data);
}
