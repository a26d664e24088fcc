/* concord-mock-pipedrive.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A local stand-in for Pipedrive's persons API (specs/connectors-reference.md
 * §2): v2 persons and organisations, v1 person fields and users/me, for the
 * connector's tests, concord-mock and the end-to-end runs.
 *
 * Built on ConcordMockServer (src/connectors/mock/), which owns the thread,
 * the routing, the request log, faults and stalls; this file holds what is
 * Pipedrive's:
 *
 * - the token only in the x-api-token header; else 401 with the error
 *   _concord_mock_pipedrive_envelope {success:false, error, errorCode, error_info};
 * - every answer in the _concord_mock_pipedrive_envelope {success, data, additional_data};
 * - GET /api/v2/persons: limit ≤ 500 (400 above), an opaque cursor,
 *   next_cursor null at the end, updated_since (≥) and
 *   sort_by=update_time/id with sort_direction; only live persons;
 * - POST and PATCH /api/v2/persons: v2's strictness (ids are integers,
 *   booleans are booleans, dates are YYYY-MM-DD, numbers are not strings),
 *   a 400 per invalid value (an invalid email among them), PATCH changes
 *   only what it is sent, name split into first_name and last_name at the
 *   first space, custom fields under custom_fields{} keyed by hash,
 *   marketing_status changing only once away from a given value (a
 *   forbidden change silently ignored); email is not unique; first_name
 *   and last_name are also taken (they set the name), as v1 took them, so
 *   a test's driver can make a person with a last name only
 *   [unverified for v2; the connector writes only name];
 * - the burst limit: x-ratelimit-limit/-remaining/-reset on every answer,
 *   429 with Retry-After beyond the limit over a rolling 2 s, and after
 *   several 429s in a row a 403 Cloudflare HTML page.
 *
 * The account's data sit behind one mutex, taken by the handler for a
 * whole request and by the public API for each call. Persons are JSON
 * objects as the API shows them, in id order.
 *
 * For the sandbox demo the account can live in a file (_concord_mock_pipedrive_state_to_string()
 * is its format: fields, organisations, labels, persons with the
 * marketing statuses they left, the id counter and the clock):
 * load_file() reads it back, and with a save path set every successful
 * request but a GET marks the data changed and the server thread writes
 * the file (atomically, under the mutex) SAVE_DELAY_MS after the first
 * such request; disposing the server writes what is still unsaved.
 */

#define G_LOG_DOMAIN "concord-mock-pipedrive"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "concord-mock-pipedrive.h"
#include "concord-mock-pipedrive-private.h"

G_DEFINE_FINAL_TYPE (ConcordMockPipedrive, concord_mock_pipedrive, G_TYPE_OBJECT)

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_mock_pipedrive_dispose (GObject *object)
{
  ConcordMockPipedrive *self = CONCORD_MOCK_PIPEDRIVE (object);

  /* The server first: no handler runs on the data after this. */
  g_clear_object (&self->server);

  /* The server thread is gone: what it had not saved yet is saved now. */
  if (self->save_source != NULL)
    {
      g_source_destroy (self->save_source);
      g_clear_pointer (&self->save_source, g_source_unref);
    }
  g_mutex_lock (&self->mutex);
  _concord_mock_pipedrive_save_if_unsaved (self);
  g_mutex_unlock (&self->mutex);

  G_OBJECT_CLASS (concord_mock_pipedrive_parent_class)->dispose (object);
}

static void
concord_mock_pipedrive_finalize (GObject *object)
{
  ConcordMockPipedrive *self = CONCORD_MOCK_PIPEDRIVE (object);

  g_free (self->base_url);
  g_free (self->api_token);
  g_free (self->save_path);
  g_hash_table_unref (self->by_id);
  g_ptr_array_unref (self->persons);
  g_ptr_array_unref (self->orgs);
  g_ptr_array_unref (self->labels);
  g_ptr_array_unref (self->fields);
  g_queue_clear_full (&self->window, g_free);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (concord_mock_pipedrive_parent_class)->finalize (object);
}

static void
concord_mock_pipedrive_class_init (ConcordMockPipedriveClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = concord_mock_pipedrive_dispose;
  object_class->finalize = concord_mock_pipedrive_finalize;
}

static void
concord_mock_pipedrive_init (ConcordMockPipedrive *self)
{
  g_mutex_init (&self->mutex);
  self->persons = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_mock_pipedrive_person_free);
  self->by_id = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->next_id = 1;
  self->orgs = g_ptr_array_new_with_free_func (g_free);
  self->labels = g_ptr_array_new_with_free_func (g_free);
  self->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_mock_pipedrive_field_free);
  g_queue_init (&self->window);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_mock_pipedrive_new:
 * @api_token: the only token accepted
 * @port: 0 for any free port on 127.0.0.1
 *
 * Returns: (transfer full): a running mock with an empty account, no
 *   burst limit
 */
ConcordMockPipedrive *
concord_mock_pipedrive_new (const char  *api_token,
                            guint        port,
                            GError     **error)
{
  g_autoptr(ConcordMockPipedrive) self = NULL;

  g_return_val_if_fail (api_token != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_MOCK_PIPEDRIVE, NULL);
  self->api_token = g_strdup (api_token);
  self->server = concord_mock_server_new ("concord-mock-pipedrive", port, error);
  if (self->server == NULL)
    return NULL;
  concord_mock_server_set_error_body_func (self->server, _concord_mock_pipedrive_build_error_body, self, NULL);
  concord_mock_server_add_route (self->server, NULL, "/", _concord_mock_pipedrive_on_request_cb, self, NULL);
  self->base_url = g_strdup (concord_mock_server_get_origin (self->server));

  return g_steal_pointer (&self);
}

const char *
concord_mock_pipedrive_get_base_url (ConcordMockPipedrive *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_PIPEDRIVE (self), NULL);

  return self->base_url;
}

ConcordMockServer *
concord_mock_pipedrive_get_server (ConcordMockPipedrive *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_PIPEDRIVE (self), NULL);

  return self->server;
}

void
concord_mock_pipedrive_set_api_token (ConcordMockPipedrive *self,
                                      const char           *api_token)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_PIPEDRIVE (self));
  g_return_if_fail (api_token != NULL);

  locker = g_mutex_locker_new (&self->mutex);
  g_free (self->api_token);
  self->api_token = g_strdup (api_token);
}

/**
 * concord_mock_pipedrive_add_field:
 * @field_type: Pipedrive's field_type (varchar, double, enum, set, date, …)
 * @options: (nullable): the option labels of an enum or set
 *
 * Returns: (transfer full): the new field's 40-character key
 */
char *
concord_mock_pipedrive_add_field (ConcordMockPipedrive *self,
                                  const char           *name,
                                  const char           *field_type,
                                  const char * const   *options)
{
  g_autoptr(GMutexLocker) locker = NULL;
  ConcordMockPipedriveField *field;

  g_return_val_if_fail (CONCORD_IS_MOCK_PIPEDRIVE (self), NULL);

  locker = g_mutex_locker_new (&self->mutex);
  field = g_new0 (ConcordMockPipedriveField, 1);
  field->name = g_strdup (name);
  field->field_type = g_strdup (field_type);
  {
    g_autofree char *seed = g_strdup_printf ("%s/%u", name, self->fields->len);

    field->key = g_compute_checksum_for_string (G_CHECKSUM_SHA1, seed, -1);
  }
  if (options != NULL || g_str_equal (field_type, "enum") || g_str_equal (field_type, "set"))
    {
      field->options = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; options != NULL && options[i] != NULL; i++)
        g_ptr_array_add (field->options, g_strdup (options[i]));
    }
  g_ptr_array_add (self->fields, field);
  return g_strdup (field->key);
}

guint
concord_mock_pipedrive_add_label (ConcordMockPipedrive *self,
                                  const char           *name)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  g_ptr_array_add (self->labels, g_strdup (name));
  return self->labels->len;
}

guint
concord_mock_pipedrive_add_org (ConcordMockPipedrive *self,
                                const char           *name)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  g_ptr_array_add (self->orgs, g_strdup (name));
  return self->orgs->len;
}

/**
 * concord_mock_pipedrive_put_person_json:
 * @person_json: a v2 POST body (name required), applied without the
 *   strictness checks, so tests can store what the API would refuse
 *
 * Returns: the new person's id, 0 on error
 */
guint
concord_mock_pipedrive_put_person_json (ConcordMockPipedrive  *self,
                                        const char            *person_json,
                                        GError               **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  ConcordMockPipedrivePerson *person;

  if (!json_parser_load_from_data (parser, person_json, -1, error))
    return 0;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a JSON object");
      return 0;
    }
  person = _concord_mock_pipedrive_new_person (self);
  _concord_mock_pipedrive_apply_body (self, person, json_node_get_object (root));
  /* A test may date a person in the past. */
  if (json_object_has_member (json_node_get_object (root), "update_time"))
    json_object_set_member (person->object, "update_time",
                            json_node_copy (json_object_get_member (json_node_get_object (root),
                                                                    "update_time")));
  return (guint) json_object_get_int_member (person->object, "id");
}

/* Returns: (transfer full) (nullable): the person as GET shows it */
char *
concord_mock_pipedrive_get_person_json (ConcordMockPipedrive *self,
                                        guint                 id)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  ConcordMockPipedrivePerson *person = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));
  g_autoptr(JsonNode) node = NULL;

  if (person == NULL)
    return NULL;
  node = _concord_mock_pipedrive_object_node (json_object_ref (person->object));
  return json_to_string (node, FALSE);
}

guint
concord_mock_pipedrive_get_n_persons (ConcordMockPipedrive *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  return self->persons->len;
}

guint
concord_mock_pipedrive_get_n_orgs (ConcordMockPipedrive *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  return self->orgs->len;
}

void
concord_mock_pipedrive_set_burst_limit (ConcordMockPipedrive *self,
                                        guint                 limit,
                                        guint                 n_429)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  self->burst_limit = limit;
  self->cloudflare_after = n_429;
  self->n_429 = 0;
  self->blocked = FALSE;
  g_queue_clear_full (&self->window, g_free);
}

/**
 * concord_mock_pipedrive_set_blocked:
 *
 * Cloudflare's block of a client that kept going after 429s: every
 * request gets a 403 HTML page until unblocked (or a new burst limit).
 */
void
concord_mock_pipedrive_set_blocked (ConcordMockPipedrive *self,
                                    gboolean              blocked)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  self->blocked = blocked;
  self->n_429 = 0;
}

/**
 * concord_mock_pipedrive_generate:
 *
 * Adds @n made-up persons, the same for the same @seed, with what a small
 * sales team's account has around them: a few organisations, labels and
 * custom fields (created on the first call).
 */
void
concord_mock_pipedrive_generate (ConcordMockPipedrive *self,
                                 guint                 n,
                                 guint32               seed)
{
  static const char *first_names[] = { "Ada", "Ben", "Chloé", "Dmitri", "Eva", "Farah", "Goran",
                                       "Hana", "Ivo", "Jun" };
  static const char *last_names[] = { "Lovelace", "Okafor", "Durand", "Petrov", "Novak", "Haddad",
                                      "Ilić", "Sato", "Costa", "Lee" };
  static const char *companies[] = { "Acme Ltd", "Globex", "Initech", "Umbrella Co", "Hooli" };
  static const char *tiers[] = { "Bronze", "Silver", "Gold", NULL };
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree char *industry = NULL;
  g_autofree char *tier = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_PIPEDRIVE (self));

  if (self->fields->len == 0)
    {
      industry = concord_mock_pipedrive_add_field (self, "Industry", "varchar", NULL);
      tier = concord_mock_pipedrive_add_field (self, "Tier", "enum", tiers);
      g_free (concord_mock_pipedrive_add_field (self, "city", "varchar", NULL));
      for (guint i = 0; i < G_N_ELEMENTS (companies); i++)
        concord_mock_pipedrive_add_org (self, companies[i]);
      concord_mock_pipedrive_add_label (self, "Customer");
      concord_mock_pipedrive_add_label (self, "Lead");
    }
  else
    {
      industry = g_strdup (((ConcordMockPipedriveField *) g_ptr_array_index (self->fields, 0))->key);
      tier = self->fields->len > 1 ? g_strdup (((ConcordMockPipedriveField *) g_ptr_array_index (self->fields, 1))->key)
                                   : NULL;
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
      const char *first = first_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (first_names))];
      const char *last = last_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (last_names))];
      g_autofree char *name = g_strdup_printf ("%s %s", first, last);
      g_autofree char *email = g_strdup_printf ("person%05u.%u@example.com", i, seed);
      ConcordMockPipedrivePerson *person = _concord_mock_pipedrive_new_person (self);
      JsonObject *object = person->object;
      JsonArray *emails = json_array_new ();
      JsonObject *item = json_object_new ();
      JsonObject *custom = json_object_get_object_member (object, "custom_fields");

      _concord_mock_pipedrive_split_name (object, name);
      json_object_set_string_member (item, "value", email);
      json_object_set_boolean_member (item, "primary", TRUE);
      json_object_set_string_member (item, "label", "work");
      json_array_add_object_element (emails, item);
      json_object_set_array_member (object, "emails", emails);
      if (self->orgs->len > 0 && g_rand_boolean (rand))
        json_object_set_int_member (object, "org_id", g_rand_int_range (rand, 1,
                                                                        self->orgs->len + 1));
      json_object_set_string_member (object, "marketing_status",
                                     g_rand_int_range (rand, 0, 4) == 0 ? "no_consent"
                                                                         : "subscribed");
      if (industry != NULL && g_rand_boolean (rand))
        json_object_set_string_member (custom, industry, "Retail");
      if (tier != NULL && g_rand_int_range (rand, 0, 3) == 0)
        json_object_set_int_member (custom, tier, g_rand_int_range (rand, 1, 4));
    }
}

/**
 * concord_mock_pipedrive_load_file:
 * @path: a file written by the mock with a save path set
 *
 * Replaces the account (fields, organisations, labels, persons) with the
 * file's; on error the account is left as it was. The file is parsed as
 * it is: bound its size and nesting before (the sandbox does).
 *
 * Returns: whether it was loaded
 */
gboolean
concord_mock_pipedrive_load_file (ConcordMockPipedrive  *self,
                                  const char            *path,
                                  GError               **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (CONCORD_IS_MOCK_PIPEDRIVE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!json_parser_load_from_file (parser, path, error))
    return FALSE;

  locker = g_mutex_locker_new (&self->mutex);
  return _concord_mock_pipedrive_state_load (self, json_parser_get_root (parser), error);
}

/**
 * concord_mock_pipedrive_set_save_path:
 * @path: (nullable): where to keep the account; %NULL to stop
 *
 * Writes the account to @path now, and again after every change a
 * request makes (see the top of this file).
 */
void
concord_mock_pipedrive_set_save_path (ConcordMockPipedrive *self,
                                      const char           *path)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_PIPEDRIVE (self));

  locker = g_mutex_locker_new (&self->mutex);
  g_free (self->save_path);
  self->save_path = g_strdup (path);
  self->unsaved = TRUE;
  _concord_mock_pipedrive_save_if_unsaved (self);
}

/* ------------------------------------------------------------------------- */
/* ConcordMockAppInfo                                                        */
/* ------------------------------------------------------------------------- */

static GObject *
info_create (const char  *secret,
             guint        port,
             GError     **error)
{
  ConcordMockPipedrive *mock = concord_mock_pipedrive_new (secret, port, error);

  /* A burst limit between Growth's and Premium's, and Cloudflare after a
   * storm of 429s. */
  if (mock != NULL)
    {
      concord_mock_pipedrive_set_burst_limit (mock, 80, 20);
      /* A company's account: its custom fields, labels and organisations. */
      concord_mock_pipedrive_generate (mock, 0, 1);
    }
  return G_OBJECT (mock);
}

static ConcordMockServer *
info_get_server (GObject *mock)
{
  return concord_mock_pipedrive_get_server (CONCORD_MOCK_PIPEDRIVE (mock));
}

static const char *
info_get_base_url (GObject *mock)
{
  return concord_mock_pipedrive_get_base_url (CONCORD_MOCK_PIPEDRIVE (mock));
}

static void
info_set_secret (GObject    *mock,
                 const char *secret)
{
  concord_mock_pipedrive_set_api_token (CONCORD_MOCK_PIPEDRIVE (mock), secret);
}

static void
info_generate (GObject *mock,
               guint    n,
               guint32  seed)
{
  concord_mock_pipedrive_generate (CONCORD_MOCK_PIPEDRIVE (mock), n, seed);
}

static gboolean
info_load_file (GObject     *mock,
                const char  *path,
                GError     **error)
{
  return concord_mock_pipedrive_load_file (CONCORD_MOCK_PIPEDRIVE (mock), path, error);
}

static void
info_set_save_path (GObject    *mock,
                    const char *path)
{
  concord_mock_pipedrive_set_save_path (CONCORD_MOCK_PIPEDRIVE (mock), path);
}

const ConcordMockAppInfo concord_mock_pipedrive_info = {
  .id = "pipedrive",
  .create = info_create,
  .get_server = info_get_server,
  .get_base_url = info_get_base_url,
  .set_secret = info_set_secret,
  .generate = info_generate,
  .load_file = info_load_file,
  .set_save_path = info_set_save_path,
};
