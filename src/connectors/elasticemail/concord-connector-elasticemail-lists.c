/* concord-connector-elasticemail-lists.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Elastic Email's list membership (see concord-connector-elasticemail.c):
 * GET /lists and every list's members, read on the first page of a listing
 * into the map email -> list names that the pages after it, fetches and
 * update echoes use, with the fallback for a server that ignores the
 * offset of GET /lists/{name}/contacts; and the list names offered as a
 * field's choices.
 */

#define G_LOG_DOMAIN "concord-connector-elasticemail"

#include "config.h"

#include <string.h>
#include "concord-connector-elasticemail.h"
#include "concord-connector-elasticemail-private.h"
#include "concord-error.h"
#include "concord-json-private.h"
#include "concord-rest-connector.h"

/* ------------------------------------------------------------------------- */
/* List membership                                                           */
/* ------------------------------------------------------------------------- */

typedef struct
{
  gboolean    names_only;   /* list_choices: the list names, sorted */
  GHashTable *membership;   /* (owned): being built */
  GPtrArray  *lists;        /* (owned): list names */
  guint       list_index;
  guint       n_members;    /* list members read, all lists and pages */
  guint       n_paged;      /* members of the current list read before a fallback */
} MembershipState;

static void
membership_state_free (MembershipState *state)
{
  g_clear_pointer (&state->membership, g_hash_table_unref);
  g_clear_pointer (&state->lists, g_ptr_array_unref);
  g_free (state);
}

static int
compare_list_names (gconstpointer a,
                    gconstpointer b)
{
  return g_utf8_collate (*(const char * const *) a, *(const char * const *) b);
}

static void read_members (GTask *task);

/* One page of GET /lists (ConcordRestReadPage). */
static void
add_lists_page (JsonArray *page,
                gpointer   user_data)
{
  MembershipState *state = user_data;

  for (guint i = 0; i < json_array_get_length (page); i++)
    {
      JsonNode *node = json_array_get_element (page, i);
      g_autofree char *name = NULL;

      if (JSON_NODE_HOLDS_OBJECT (node))
        name = _concord_elasticemail_member_text (json_node_get_object (node), "ListName");
      if (name != NULL && *name != '\0')
        g_ptr_array_add (state->lists, g_steal_pointer (&name));
    }
}

/* One page of the current list's members (ConcordRestReadPage). */
static void
add_members_page (JsonArray *page,
                  gpointer   user_data)
{
  MembershipState *state = user_data;
  const char *list_name = g_ptr_array_index (state->lists, state->list_index);

  for (guint i = 0; i < json_array_get_length (page); i++)
    {
      g_autofree char *email = _concord_elasticemail_node_email (json_array_get_element (page, i));

      if (email != NULL)
        _concord_elasticemail_membership_add (state->membership, email, list_name);
    }
}

/* GET /lists, bounded by LISTS_PAGE_LIMIT and MAX_LISTS. The lists end at
 * an empty page or one that repeats the page before (a server that
 * ignores the offset); a server may cap a page below what was asked, so
 * reading goes on to the first empty page. */
static void
on_lists_read_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  MembershipState *state = g_task_get_task_data (task);
  GError *error = NULL;

  if (!concord_rest_connector_read_all_finish (CONCORD_REST_CONNECTOR (object), result, NULL,
                                               NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (state->names_only)
    {
      g_ptr_array_sort (state->lists, compare_list_names);
      g_ptr_array_add (state->lists, NULL);
      g_task_return_pointer (task, g_ptr_array_steal (state->lists, NULL),
                             (GDestroyNotify) g_strfreev);
      return;
    }

  /* All lists read: read their members. */
  read_members (g_steal_pointer (&task));
}

static void
load_lists (GTask    *task,
            gboolean  names_only)
{
  MembershipState *state = g_new0 (MembershipState, 1);

  state->names_only = names_only;
  state->membership = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_hash_table_unref);
  state->lists = g_ptr_array_new_with_free_func (g_free);
  g_task_set_task_data (task, state, (GDestroyNotify) membership_state_free);

  concord_rest_connector_read_all_async (g_task_get_source_object (task), "/lists", "GET /lists",
                                         "lists", LISTS_PAGE_LIMIT, MAX_LISTS, "ListName",
                                         add_lists_page, state, g_task_get_cancellable (task),
                                         on_lists_read_cb, task);
}

/* Lists are the one field with a closed set of values here: a contact can
 * only be put on a list that exists, and lists are never created. The
 * picker gets their names, paged like a listing's first step. */
void
concord_connector_elasticemail_list_choices_async (ConcordConnector    *connector,
                                                   const char          *contact_type,
                                                   const char          *field,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data)
{
  GTask *task = concord_connector_task_new (connector,
                                            concord_connector_elasticemail_list_choices_async,
                                            cancellable, callback, user_data);

  if (g_str_equal (field, CONCORD_FIELD_LISTS))
    {
      load_lists (task, TRUE);
      return;
    }

  g_task_return_pointer (task, NULL, NULL);
  g_object_unref (task);
}

/* The current list is read; on to the next. Takes the reference on @task. */
static void
next_list (GTask *task)
{
  MembershipState *state = g_task_get_task_data (task);

  state->list_index++;
  state->n_paged = 0;
  read_members (task);
}

/* The one page of a list whose server ignores the offset. */
static void
on_members_fallback_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorElasticEmail *self = g_task_get_source_object (task);
  MembershipState *state = g_task_get_task_data (task);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *array = NULL;
  guint n = 0;

  root = concord_http_client_send_json_finish (self->client, result, NULL, NULL, &error);
  /* A 404: the list went away since GET /lists. */
  if (g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND))
    g_clear_error (&error);
  else if (error == NULL &&
           (array = concord_rest_json_array (root, "GET /lists/{name}/contacts", &error)))
    n = json_array_get_length (array);
  if (error == NULL && (n > FALLBACK_LIMIT || state->n_members + n > MAX_MEMBERSHIPS))
    g_set_error (&error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                 "GET /lists/{name}/contacts failed: the server sent %u contacts for a page of "
                 "%u (at most %u memberships are read); the listing stops", n, FALLBACK_LIMIT,
                 MAX_MEMBERSHIPS);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (n <= state->n_paged)
    g_warning ("Elastic Email ignores the offset of GET /lists/{name}/contacts and caps its "
               "page at %u: the memberships read for a list may be incomplete", n);

  /* Whatever the fallback page holds is all there is to know. */
  state->n_members += n;
  if (n > 0)
    add_members_page (array, state);
  next_list (g_steal_pointer (&task));
}

static void
on_members_read_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorElasticEmail *self = g_task_get_source_object (task);
  MembershipState *state = g_task_get_task_data (task);
  const char *list_name = g_ptr_array_index (state->lists, state->list_index);
  g_autoptr(GError) error = NULL;
  gboolean repeated = FALSE;
  guint n_read = 0;

  concord_rest_connector_read_all_finish (CONCORD_REST_CONNECTOR (self), result, &n_read,
                                          &repeated, &error);
  /* A 404: the list went away since GET /lists. */
  if (g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND))
    {
      next_list (g_steal_pointer (&task));
      return;
    }
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  state->n_members += n_read;
  if (repeated)
    {
      /* The server ignores the offset (elasticemail-php#8): ask for the
       * whole list in one page, which is all that can still work. */
      g_autofree char *escaped = _concord_elasticemail_escape_segment (list_name);
      g_autofree char *path = g_strdup_printf ("/lists/%s/contacts?limit=%u&offset=0", escaped,
                                               FALLBACK_LIMIT);

      g_debug ("GET /lists/{name}/contacts repeated a page: the server ignores the offset");
      state->n_paged = n_read;
      concord_http_client_send_json_async (self->client,
                                           _concord_elasticemail_new_request ("GET", path, "GET /lists/{name}/contacts",
                                                                              NULL),
                                                                 g_task_get_cancellable (task), on_members_fallback_cb,
                                                                 g_object_ref (task));
      return;
    }

  next_list (g_steal_pointer (&task));
}

/* Takes the reference on @task. */
static void
read_members (GTask *task)
{
  ConcordConnectorElasticEmail *self = g_task_get_source_object (task);
  MembershipState *state = g_task_get_task_data (task);
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  if (state->list_index < state->lists->len)
    {
      escaped = _concord_elasticemail_escape_segment (g_ptr_array_index (state->lists, state->list_index));
      path = g_strdup_printf ("/lists/%s/contacts", escaped);
      concord_rest_connector_read_all_async (CONCORD_REST_CONNECTOR (self), path,
                                             "GET /lists/{name}/contacts", "contacts",
                                             PAGE_LIMIT, MAX_MEMBERSHIPS - state->n_members,
                                             "Email", add_members_page, state,
                                             g_task_get_cancellable (task), on_members_read_cb,
                                             task);
      return;
    }

  g_clear_pointer (&self->membership, g_hash_table_unref);
  self->membership = g_steal_pointer (&state->membership);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* Reads every list's members into self->membership. */
static void
load_membership_async (ConcordConnectorElasticEmail *self,
                       GCancellable                 *cancellable,
                       GAsyncReadyCallback           callback,
                       gpointer                      user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, load_membership_async);
  load_lists (task, FALSE);
}

/* ConcordRestConnector's preparation: memberships are read once per
 * listing, before its first page, and before a fetch when unknown, or an
 * update that changes memberships (computed against what the lists hold). */
void
concord_connector_elasticemail_prepare_async (ConcordRestConnector *connector,
                                              ConcordRestOperation  operation,
                                              const char           *page_token,
                                              GPtrArray            *inputs,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (connector);
  g_autoptr(GTask) task = NULL;
  gboolean touches_lists = FALSE;

  for (guint i = 0; operation == CONCORD_REST_UPDATE && i < inputs->len; i++)
    touches_lists |= _concord_elasticemail_change_touches_lists (g_ptr_array_index (inputs, i));

  if ((operation == CONCORD_REST_LIST && page_token == NULL) ||
      (self->membership == NULL &&
       (operation == CONCORD_REST_FETCH || operation == CONCORD_REST_LIST || touches_lists)))
    {
      load_membership_async (self, cancellable, callback, user_data);
      return;
    }

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, load_membership_async);
  g_task_return_boolean (task, TRUE);
}
