/* concord-mock-elasticemail.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A local stand-in for the Elastic Email REST API v4 (contacts, lists and
 * unsubscribes), for the connector's tests, the benchmarks and the sandbox.
 * What it does follows /work/shared/specs/elasticemail-v4-contacts.md; where
 * the real behaviour is unknown the choice is marked [unverified] below.
 *
 * Built on ConcordMockServer (src/connectors/mock/): the framework owns the
 * thread, the routing, the request log, fault arming and stalls; this file
 * holds only what is Elastic Email: its routes, its data and its error body.
 * It lives beside the connector because the sandbox demo ships it; only the
 * sandbox, the tests and the benchmarks link the concord-mock library. The
 * account's data sit behind one mutex: the handler takes it for the whole
 * of a request, the public API for each call.
 *
 * Data layout: contacts in insertion order in an array (the stable order of
 * GET /contacts) plus a hash by lower-cased email (ASCII letters only, so
 * the key is the same in every locale: g_utf8_strdown() under tr_TR turns
 * "I" into "ı" [unverified: the real server's rule is unknown]), so a page
 * costs only its own size and generate() scales to 100,000 contacts. Lists keep their
 * members the same way. Dates are Unix seconds, 0 meaning null, and go out
 * as "YYYY-MM-DDThh:mm:ss" without a zone, as the spec describes DateAdded.
 *
 * The request log and the routing see the path as libsoup's server hands it
 * over: percent-decoded. The query string stays as it was sent.
 *
 * Saving (the sandbox demo keeps its account across restarts): the
 * account's data go out in the seed file format, so a saved file loads
 * back with load_seed_file(). With a save path set, every successful
 * request but a GET marks the data changed, and the server thread writes
 * the file (atomically, under the mutex) SAVE_DELAY_MS after the first
 * such request, so a run's hundred PUTs cost one write; disposing the
 * server writes what is still unsaved. Request log, faults and access
 * levels are not part of the data.
 */

#define G_LOG_DOMAIN "concord-mock-elasticemail"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "concord-mock-elasticemail.h"
#include "concord-mock-server.h"
#include "concord-mock-elasticemail-private.h"

G_DEFINE_FINAL_TYPE (ConcordMockElasticEmail, concord_mock_elasticemail, G_TYPE_OBJECT)

/* The 500 the framework's fault sends, as Elastic Email words it. */
static char *
build_error_body (guint       status,
                  const char *message,
                  gpointer    user_data)
{
  ConcordMockElasticEmail *self = user_data;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *error_data = NULL;

  if (status == SOUP_STATUS_INTERNAL_SERVER_ERROR)
    {
      g_mutex_lock (&self->mutex);
      error_data = g_strdup_printf ("mock-%u", ++self->error_serial);
      g_mutex_unlock (&self->mutex);
    }

  json_builder_begin_object (builder);
  _concord_mock_elasticemail_add_string (builder, "Error", message);
  if (error_data != NULL)
    _concord_mock_elasticemail_add_string (builder, "ErrorData", error_data);
  json_builder_end_object (builder);

  return _concord_mock_elasticemail_builder_to_string (builder);
}

static void
on_stall_cb (ConcordMockServer *server,
             const char        *line,
             gpointer           user_data)
{
  ConcordMockElasticEmail *self = user_data;

  if (self->stall_func != NULL)
    self->stall_func (self, line, self->stall_data);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_mock_elasticemail_dispose (GObject *object)
{
  ConcordMockElasticEmail *self = CONCORD_MOCK_ELASTICEMAIL (object);

  /* Stops the server thread (the framework joins it). */
  g_clear_object (&self->server);

  /* The server thread is gone: what it had not saved yet is saved now. */
  if (self->save_source != NULL)
    {
      g_source_destroy (self->save_source);
      g_clear_pointer (&self->save_source, g_source_unref);
    }
  g_mutex_lock (&self->mutex);
  _concord_mock_elasticemail_save_if_unsaved (self);
  g_mutex_unlock (&self->mutex);

  G_OBJECT_CLASS (concord_mock_elasticemail_parent_class)->dispose (object);
}

static void
concord_mock_elasticemail_finalize (GObject *object)
{
  ConcordMockElasticEmail *self = CONCORD_MOCK_ELASTICEMAIL (object);

  g_free (self->api_key);
  g_free (self->base_url);
  g_clear_pointer (&self->lists_by_key, g_hash_table_unref);
  g_clear_pointer (&self->lists, g_ptr_array_unref);
  g_clear_pointer (&self->contacts_by_key, g_hash_table_unref);
  g_clear_pointer (&self->contacts, g_ptr_array_unref);
  g_clear_pointer (&self->custom_fields, g_hash_table_unref);
  g_clear_pointer (&self->save_path, g_free);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (concord_mock_elasticemail_parent_class)->finalize (object);
}

static void
concord_mock_elasticemail_class_init (ConcordMockElasticEmailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = concord_mock_elasticemail_dispose;
  object_class->finalize = concord_mock_elasticemail_finalize;
}

static void
concord_mock_elasticemail_init (ConcordMockElasticEmail *self)
{
  g_mutex_init (&self->mutex);

  self->contacts = g_ptr_array_new_with_free_func (_concord_mock_elasticemail_contact_free);
  self->contacts_by_key = g_hash_table_new (g_str_hash, g_str_equal);
  self->lists = g_ptr_array_new_with_free_func (_concord_mock_elasticemail_list_free);
  self->lists_by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->custom_fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->max_page_size = 100;
  self->view_contacts = TRUE;
  self->modify_contacts = TRUE;
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_mock_elasticemail_new:
 * @api_key: the key clients must send in X-ElasticEmail-ApiKey
 * @port: the port on 127.0.0.1, or 0 for any free one
 * @error: where to put a listening error
 *
 * Starts the server on a thread of its own (a #ConcordMockServer with one
 * route, /v4). The account starts empty, with every access level, and pages
 * of at most 100 contacts.
 *
 * Returns: (transfer full) (nullable): the running server
 */
ConcordMockElasticEmail *
concord_mock_elasticemail_new (const char  *api_key,
                               guint        port,
                               GError     **error)
{
  g_autoptr(ConcordMockElasticEmail) self = NULL;

  g_return_val_if_fail (api_key != NULL, NULL);
  g_return_val_if_fail (port <= G_MAXUINT16, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (CONCORD_TYPE_MOCK_ELASTICEMAIL, NULL);
  self->api_key = g_strdup (api_key);
  self->server = concord_mock_server_new ("concord-mock-elasticemail", port, error);
  if (self->server == NULL)
    return NULL;

  concord_mock_server_set_error_body_func (self->server, build_error_body, self, NULL);
  concord_mock_server_add_route (self->server, NULL, "/v4", _concord_mock_elasticemail_on_v4_request_cb, self, NULL);
  self->base_url = g_strdup_printf ("%s/v4", concord_mock_server_get_origin (self->server));

  return g_steal_pointer (&self);
}

/**
 * concord_mock_elasticemail_get_server:
 *
 * The framework under the mock, for what every mock has: the request log
 * with headers and times, faults by route, the in-flight counter.
 *
 * Returns: (transfer none): the server
 */
ConcordMockServer *
concord_mock_elasticemail_get_server (ConcordMockElasticEmail *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self), NULL);

  return self->server;
}

/**
 * concord_mock_elasticemail_get_base_url:
 *
 * Returns: (transfer none): "http://127.0.0.1:PORT/v4"
 */
const char *
concord_mock_elasticemail_get_base_url (ConcordMockElasticEmail *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self), NULL);

  return self->base_url;
}

/**
 * concord_mock_elasticemail_add_custom_field:
 * @name: a custom field name
 *
 * Defines a custom field on the account; POST and PUT drop the others.
 */
void
concord_mock_elasticemail_add_custom_field (ConcordMockElasticEmail *self,
                                            const char              *name)
{
  g_return_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self));
  g_return_if_fail (name != NULL);

  g_mutex_lock (&self->mutex);
  _concord_mock_elasticemail_define_custom_field (self, name);
  g_mutex_unlock (&self->mutex);
}

/**
 * concord_mock_elasticemail_add_list:
 * @name: a list name
 *
 * Creates an empty list unless one of that name exists.
 */
void
concord_mock_elasticemail_add_list (ConcordMockElasticEmail *self,
                                    const char              *name)
{
  gboolean created;

  g_return_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self));
  g_return_if_fail (name != NULL);

  g_mutex_lock (&self->mutex);
  _concord_mock_elasticemail_ensure_list (self, name, _concord_mock_elasticemail_now_seconds (), &created);
  g_mutex_unlock (&self->mutex);
}

/**
 * concord_mock_elasticemail_put_contact_json:
 * @contact_json: a Contact object as the API returns it
 * @error: where to put a parse error
 *
 * Stores a contact as given, replacing the fields it names of an existing
 * one; unknown statuses (even numbers) are kept, and its custom fields
 * become defined on the account. Dates absent from the JSON are null,
 * except DateAdded, which defaults to now.
 *
 * Returns: whether @contact_json was a contact
 */
gboolean
concord_mock_elasticemail_put_contact_json (ConcordMockElasticEmail  *self,
                                            const char               *contact_json,
                                            GError                  **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  gboolean ok;

  g_return_val_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self), FALSE);
  g_return_val_if_fail (contact_json != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!json_parser_load_from_data (parser, contact_json, -1, error))
    return FALSE;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Not a JSON object");
      return FALSE;
    }

  g_mutex_lock (&self->mutex);
  ok = _concord_mock_elasticemail_store_contact_object (self, json_node_get_object (root), error);
  g_mutex_unlock (&self->mutex);

  return ok;
}

/**
 * concord_mock_elasticemail_get_contact_json:
 * @email: an address, compared without case
 *
 * Returns: (transfer full) (nullable): the Contact as GET would answer it
 */
char *
concord_mock_elasticemail_get_contact_json (ConcordMockElasticEmail *self,
                                            const char              *email)
{
  ConcordMockElasticEmailContact *contact;
  char *json = NULL;

  g_return_val_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self), NULL);
  g_return_val_if_fail (email != NULL, NULL);

  g_mutex_lock (&self->mutex);
  contact = _concord_mock_elasticemail_lookup_contact (self, email);
  if (contact != NULL)
    json = _concord_mock_elasticemail_contact_to_string (contact);
  g_mutex_unlock (&self->mutex);

  return json;
}

guint
concord_mock_elasticemail_get_n_contacts (ConcordMockElasticEmail *self)
{
  guint n;

  g_return_val_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self), 0);

  g_mutex_lock (&self->mutex);
  n = self->contacts->len;
  g_mutex_unlock (&self->mutex);

  return n;
}

/**
 * concord_mock_elasticemail_get_list_members:
 * @list_name: a list name
 *
 * Returns: (transfer full) (nullable): the members' emails in the order they
 *   joined, or %NULL when there is no such list
 */
char **
concord_mock_elasticemail_get_list_members (ConcordMockElasticEmail *self,
                                            const char              *list_name)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  ConcordMockElasticEmailList *list;

  g_return_val_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self), NULL);
  g_return_val_if_fail (list_name != NULL, NULL);

  g_mutex_lock (&self->mutex);
  list = _concord_mock_elasticemail_lookup_list (self, list_name);
  if (list != NULL)
    {
      builder = g_strv_builder_new ();
      for (guint i = 0; i < list->members->len; i++)
        {
          ConcordMockElasticEmailContact *contact = g_ptr_array_index (list->members, i);

          g_strv_builder_add (builder, contact->email);
        }
    }
  g_mutex_unlock (&self->mutex);

  return builder != NULL ? g_strv_builder_end (builder) : NULL;
}

/**
 * concord_mock_elasticemail_set_max_page_size:
 * @max_page_size: the most contacts a page holds, whatever limit is asked
 */
void
concord_mock_elasticemail_set_max_page_size (ConcordMockElasticEmail *self,
                                             guint                    max_page_size)
{
  g_return_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self));
  g_return_if_fail (max_page_size > 0);

  g_mutex_lock (&self->mutex);
  self->max_page_size = max_page_size;
  g_mutex_unlock (&self->mutex);
}

/**
 * concord_mock_elasticemail_set_access:
 * @view_contacts: whether the key has ViewContacts (reads)
 * @modify_contacts: whether the key has ModifyContacts (writes)
 *
 * A missing access level answers 400 {"Error": "Access Denied."}.
 */
void
concord_mock_elasticemail_set_access (ConcordMockElasticEmail *self,
                                      gboolean                 view_contacts,
                                      gboolean                 modify_contacts)
{
  g_return_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self));

  g_mutex_lock (&self->mutex);
  self->view_contacts = !!view_contacts;
  self->modify_contacts = !!modify_contacts;
  g_mutex_unlock (&self->mutex);
}

/**
 * concord_mock_elasticemail_set_ignore_list_offset:
 * @ignore: whether GET /lists/{name}/contacts ignores offset
 *
 * Reproduces the reported bug where the list members endpoint always
 * answers the first page.
 */
void
concord_mock_elasticemail_set_ignore_list_offset (ConcordMockElasticEmail *self,
                                                  gboolean                 ignore)
{
  g_return_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self));

  g_mutex_lock (&self->mutex);
  self->ignore_list_offset = !!ignore;
  g_mutex_unlock (&self->mutex);
}

/**
 * concord_mock_elasticemail_fail_request:
 * @nth: which request from now, 1 being the next
 * @fault: what goes wrong
 * @seconds: the Retry-After of a 429, the delay of a slow answer
 *
 * Arms a fault; faults for different requests can wait at once, and arming
 * the same request again replaces its fault.
 */
void
concord_mock_elasticemail_fail_request (ConcordMockElasticEmail *self,
                                        guint                    nth,
                                        ConcordMockFault         fault,
                                        guint                    seconds)
{
  g_return_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self));

  concord_mock_server_fail_request (self->server, nth, fault, seconds);
}

/**
 * concord_mock_elasticemail_stall_request:
 * @patterns: (array zero-terminated=1): globs over "METHOD /v4/path" (no
 *   query), e.g. "PUT /v4/contacts/\*"; a request matching any counts
 * @nth: which matching request from now to stall, 1 being the next
 * @func: (nullable): called on the server thread, without the mutex held,
 *   with the request line, once the request is held
 * @user_data: data for @func
 *
 * Holds one request without applying or answering it, until
 * concord_mock_elasticemail_release_stalled(): what a client killed while
 * waiting for that request left behind. Arming again replaces the stall.
 */
void
concord_mock_elasticemail_stall_request (ConcordMockElasticEmail *self,
                                         const char * const      *patterns,
                                         guint                    nth,
                                         ConcordMockElasticEmailStallFunc func,
                                         gpointer                 user_data)
{
  g_return_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self));

  /* Set before the framework can call on_stall_cb() for this stall. */
  self->stall_func = func;
  self->stall_data = user_data;
  concord_mock_server_stall_request (self->server, patterns, nth, on_stall_cb, self);
}

/**
 * concord_mock_elasticemail_release_stalled:
 * @apply: %TRUE to apply and answer the held request (late), %FALSE to
 *   drop it: its connection closes and nothing of it is applied
 *
 * Lets go of the request held by concord_mock_elasticemail_stall_request(),
 * if any; the server thread does it soon after this returns.
 */
void
concord_mock_elasticemail_release_stalled (ConcordMockElasticEmail *self,
                                           gboolean                 apply)
{
  g_return_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self));

  concord_mock_server_release_stalled (self->server, apply);
}

guint
concord_mock_elasticemail_get_n_requests (ConcordMockElasticEmail *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self), 0);

  return concord_mock_server_get_n_requests (self->server);
}

/**
 * concord_mock_elasticemail_get_requests:
 *
 * Returns: (transfer full) (element-type utf8): a copy of the request log
 *   since the last reset, "METHOD /v4/path?query" with the path as received
 */
GPtrArray *
concord_mock_elasticemail_get_requests (ConcordMockElasticEmail *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self), NULL);

  return concord_mock_server_get_requests (self->server);
}

/**
 * concord_mock_elasticemail_reset_requests:
 *
 * Empties the request log; armed faults keep counting from where they were.
 */
void
concord_mock_elasticemail_reset_requests (ConcordMockElasticEmail *self)
{
  g_return_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self));

  concord_mock_server_reset_log (self->server);
}

/**
 * concord_mock_elasticemail_set_api_key:
 * @api_key: the key clients must send from now on
 *
 * Revokes the account's key and issues @api_key, as a person does in
 * Elastic Email's settings: every request with the old key is refused
 * from now on ("APIKey Expired").
 */
void
concord_mock_elasticemail_set_api_key (ConcordMockElasticEmail *self,
                                       const char              *api_key)
{
  g_return_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self));
  g_return_if_fail (api_key != NULL);

  g_mutex_lock (&self->mutex);
  g_free (self->api_key);
  self->api_key = g_strdup (api_key);
  g_mutex_unlock (&self->mutex);
}

/* ------------------------------------------------------------------------- */
/* As any app's mock (concord-mock-app.h)                                    */
/* ------------------------------------------------------------------------- */

static GObject *
mock_info_create (const char  *secret,
                  guint        port,
                  GError     **error)
{
  return (GObject *) concord_mock_elasticemail_new (secret, port, error);
}

static ConcordMockServer *
mock_info_get_server (GObject *mock)
{
  return concord_mock_elasticemail_get_server (CONCORD_MOCK_ELASTICEMAIL (mock));
}

static const char *
mock_info_get_base_url (GObject *mock)
{
  return concord_mock_elasticemail_get_base_url (CONCORD_MOCK_ELASTICEMAIL (mock));
}

static void
mock_info_set_secret (GObject    *mock,
                      const char *secret)
{
  concord_mock_elasticemail_set_api_key (CONCORD_MOCK_ELASTICEMAIL (mock), secret);
}

static void
mock_info_generate (GObject *mock,
                    guint    n,
                    guint32  seed)
{
  concord_mock_elasticemail_generate (CONCORD_MOCK_ELASTICEMAIL (mock), n, seed);
}

static gboolean
mock_info_load_file (GObject     *mock,
                     const char  *path,
                     GError     **error)
{
  return concord_mock_elasticemail_load_seed_file (CONCORD_MOCK_ELASTICEMAIL (mock), path, error);
}

static void
mock_info_set_save_path (GObject    *mock,
                         const char *path)
{
  concord_mock_elasticemail_set_save_path (CONCORD_MOCK_ELASTICEMAIL (mock), path);
}

/* The simulated Elastic Email as `concord-mock elasticemail`, the sandbox
 * and the end-to-end tests run any app's mock. Its file is the seed file
 * format (concord_mock_elasticemail_load_seed_file()). */
const ConcordMockAppInfo concord_mock_elasticemail_info = {
  .id = "elasticemail",
  .create = mock_info_create,
  .get_server = mock_info_get_server,
  .get_base_url = mock_info_get_base_url,
  .set_secret = mock_info_set_secret,
  .generate = mock_info_generate,
  .load_file = mock_info_load_file,
  .set_save_path = mock_info_set_save_path,
};
