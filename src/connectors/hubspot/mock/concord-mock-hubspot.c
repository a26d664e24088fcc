/* concord-mock-hubspot.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A local stand-in for HubSpot's CRM v3 contacts API
 * (specs/connectors-reference.md §1 and the OpenAPI files beside it), for
 * the connector's tests, concord-mock and the end-to-end runs.
 *
 * Built on ConcordMockServer (src/connectors/mock/), which owns the thread,
 * the routing, the request log, faults and stalls; this file holds what is
 * HubSpot's:
 *
 * - the private-app token only as `Authorization: Bearer`; else 401 with
 *   category INVALID_AUTHENTICATION;
 * - GET /crm/v3/objects/contacts: limit 1…100 (default 10; above: 400), an
 *   opaque `after`, paging.next absent on the last page, `properties=`
 *   (unknown names ignored, named ones without a value null; without it
 *   firstname, lastname and email), `archived=true` lists only archived
 *   contacts (with archivedAt);
 * - GET/PATCH/DELETE /crm/v3/objects/contacts/{id}; POST …/contacts (201);
 *   PATCH overwrites what it is sent, "" clears; DELETE archives;
 * - POST …/batch/read, …/batch/create, …/batch/update: at most 100
 *   inputs (else 400); every input checked on its own: 200/201 when all
 *   are written (an update's echo holds the default properties and those
 *   written, as HubSpot's), 207 with results[], errors[] and numErrors
 *   otherwise, each
 *   error with its category, message and context (the input's
 *   objectWriteTraceId, the ids, the property name); or, as HubSpot is
 *   reported to answer some batches, all or nothing
 *   (concord_mock_hubspot_set_atomic_batches());
 * - email is unique (case-insensitive) and kept in lower case: a create
 *   with one that exists, or
 *   an update to one, is 409 CONFLICT "Contact already exists. Existing
 *   ID: N";
 * - values: all strings; an invalid email, an unknown or read-only
 *   property, an enumeration value that is not an option's value (";"
 *   between the values of a checkbox), a number or a bool that is not one,
 *   each refused (VALIDATION_ERROR);
 * - POST …/contacts/search: filterGroups (≤ 5, ≤ 6 filters each, ≤ 18 in
 *   all) of EQ, NEQ, GT, GTE, LT, LTE, HAS_PROPERTY on lastmodifieddate,
 *   createdate, hs_object_id (numbers: epoch ms for dates) or any property
 *   (text), one sort, limit ≤ 200, `after` an offset: after + limit past
 *   10,000 is 400; archived contacts never appear; exempt from the ten
 *   second limit;
 * - GET /crm/v3/properties/contacts: HubSpot's own properties (lifecycle
 *   stage and lead status with their options, read-only and calculated
 *   ones) and the account's custom ones;
 * - the ten-secondly limit: X-HubSpot-RateLimit-Max, -Remaining and
 *   -Interval-Milliseconds on every answer, and beyond the limit a 429
 *   with policyName TEN_SECONDLY_ROLLING (no Retry-After, as HubSpot);
 *   search's own limit of some requests a second, a 429 SECONDLY beyond.
 *
 * The account's data sit behind one mutex, taken by the handler for a
 * whole request and by the public API for each call.
 */

#define G_LOG_DOMAIN "concord-mock-hubspot"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "concord-mock-hubspot.h"
#include "concord-mock-hubspot-private.h"

G_DEFINE_FINAL_TYPE (ConcordMockHubspot, concord_mock_hubspot, G_TYPE_OBJECT)

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_mock_hubspot_dispose (GObject *object)
{
  ConcordMockHubspot *self = CONCORD_MOCK_HUBSPOT (object);

  /* The server first: no handler runs on the data after this. */
  g_clear_object (&self->server);

  G_OBJECT_CLASS (concord_mock_hubspot_parent_class)->dispose (object);
}

static void
concord_mock_hubspot_finalize (GObject *object)
{
  ConcordMockHubspot *self = CONCORD_MOCK_HUBSPOT (object);

  g_free (self->base_url);
  g_free (self->token);
  g_free (self->save_path);
  g_hash_table_unref (self->by_id);
  g_hash_table_unref (self->by_email);
  g_ptr_array_unref (self->contacts);
  g_ptr_array_unref (self->properties);
  g_queue_clear_full (&self->window, g_free);
  g_queue_clear_full (&self->search_window, g_free);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (concord_mock_hubspot_parent_class)->finalize (object);
}

static void
concord_mock_hubspot_class_init (ConcordMockHubspotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = concord_mock_hubspot_dispose;
  object_class->finalize = concord_mock_hubspot_finalize;
}

static void
add_standard_properties (ConcordMockHubspot *self)
{
  static const char *lifecycle[] = {
    "subscriber=Subscriber", "lead=Lead", "marketingqualifiedlead=Marketing Qualified Lead",
    "salesqualifiedlead=Sales Qualified Lead", "opportunity=Opportunity", "customer=Customer",
    "evangelist=Evangelist", "other=Other", NULL
  };
  static const char *lead_status[] = {
    "NEW=New", "OPEN=Open", "IN_PROGRESS=In Progress", "OPEN_DEAL=Open Deal",
    "UNQUALIFIED=Unqualified", "ATTEMPTED_TO_CONTACT=Attempted to Contact",
    "CONNECTED=Connected", "BAD_TIMING=Bad Timing", NULL
  };
  static const struct
  {
    const char *name, *label, *type, *field_type;
  } texts[] = {
    { "email", "Email", "string", "text" },
    { "firstname", "First Name", "string", "text" },
    { "lastname", "Last Name", "string", "text" },
    { "phone", "Phone Number", "string", "phonenumber" },
    { "mobilephone", "Mobile Phone Number", "string", "phonenumber" },
    { "company", "Company Name", "string", "text" },
    { "jobtitle", "Job Title", "string", "text" },
    { "website", "Website URL", "string", "text" },
    { "address", "Street Address", "string", "text" },
    { "city", "City", "string", "text" },
    { "state", "State/Region", "string", "text" },
    { "zip", "Postal Code", "string", "text" },
    { "country", "Country/Region", "string", "text" },
    { "date_of_birth", "Date of birth", "string", "text" },
    { "hs_email_optout", "Unsubscribed from all email", "bool", "booleancheckbox" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    _concord_mock_hubspot_add_property (self, texts[i].name, texts[i].label, texts[i].type, texts[i].field_type, NULL,
                                        FALSE, FALSE, FALSE);
  _concord_mock_hubspot_add_property (self, "lifecyclestage", "Lifecycle Stage", "enumeration", "radio", lifecycle,
                                      FALSE, FALSE, FALSE);
  _concord_mock_hubspot_add_property (self, "hs_lead_status", "Lead Status", "enumeration", "radio", lead_status,
                                      FALSE, FALSE, FALSE);
  _concord_mock_hubspot_add_property (self, "createdate", "Create Date", "datetime", "date", NULL, FALSE, TRUE, FALSE);
  _concord_mock_hubspot_add_property (self, "lastmodifieddate", "Last Modified Date", "datetime", "date", NULL, FALSE,
                                      TRUE, FALSE);
  _concord_mock_hubspot_add_property (self, "hs_object_id", "Record ID", "number", "number", NULL, FALSE, TRUE, FALSE);
  _concord_mock_hubspot_add_property (self, "num_notes", "Number of Sales Activities", "number", "number", NULL, FALSE,
                                      FALSE, TRUE);
}

static void
concord_mock_hubspot_init (ConcordMockHubspot *self)
{
  g_mutex_init (&self->mutex);
  self->contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_mock_hubspot_contact_free);
  self->by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->by_email = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->properties = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_mock_hubspot_property_free);
  self->next_id = 101;
  g_queue_init (&self->window);
  g_queue_init (&self->search_window);
  add_standard_properties (self);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_mock_hubspot_new:
 * @token: the only private-app token accepted
 * @port: 0 for any free port on 127.0.0.1
 *
 * Returns: (transfer full): a running mock with an empty account (HubSpot's
 *   own properties only) and no rate limit
 */
ConcordMockHubspot *
concord_mock_hubspot_new (const char  *token,
                          guint        port,
                          GError     **error)
{
  g_autoptr(ConcordMockHubspot) self = NULL;

  g_return_val_if_fail (token != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_MOCK_HUBSPOT, NULL);
  self->token = g_strdup (token);
  self->server = concord_mock_server_new ("concord-mock-hubspot", port, error);
  if (self->server == NULL)
    return NULL;
  concord_mock_server_set_error_body_func (self->server, _concord_mock_hubspot_build_error_body, self, NULL);
  concord_mock_server_add_route (self->server, NULL, "/", _concord_mock_hubspot_on_request_cb, self, NULL);
  self->base_url = g_strdup (concord_mock_server_get_origin (self->server));

  return g_steal_pointer (&self);
}

const char *
concord_mock_hubspot_get_base_url (ConcordMockHubspot *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_HUBSPOT (self), NULL);

  return self->base_url;
}

ConcordMockServer *
concord_mock_hubspot_get_server (ConcordMockHubspot *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_HUBSPOT (self), NULL);

  return self->server;
}

void
concord_mock_hubspot_set_token (ConcordMockHubspot *self,
                                const char         *token)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_HUBSPOT (self));
  g_return_if_fail (token != NULL);

  locker = g_mutex_locker_new (&self->mutex);
  g_free (self->token);
  self->token = g_strdup (token);
}

/**
 * concord_mock_hubspot_add_property:
 * @type: string, number, date, datetime, enumeration or bool
 * @field_type: text, select, radio, checkbox (several values, ";"), …
 * @options: (nullable): an enumeration's options, "value=Label" or "Label"
 *
 * Adds a custom property (or replaces one of that name).
 */
void
concord_mock_hubspot_add_property (ConcordMockHubspot *self,
                                   const char         *name,
                                   const char         *label,
                                   const char         *type,
                                   const char         *field_type,
                                   const char * const *options)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_HUBSPOT (self));

  locker = g_mutex_locker_new (&self->mutex);
  _concord_mock_hubspot_add_property (self, name, label, type, field_type, options, TRUE, FALSE, FALSE);
}

/**
 * concord_mock_hubspot_put_contact_json:
 * @properties_json: a properties object ({"email": "…", …}), stored
 *   without the API's checks, so tests can hold what the API would refuse;
 *   "lastmodifieddate" (epoch ms, as text) dates it
 *
 * Returns: the new contact's id, 0 on error
 */
guint64
concord_mock_hubspot_put_contact_json (ConcordMockHubspot  *self,
                                       const char          *properties_json,
                                       GError             **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *properties;
  JsonNode *root;
  ConcordMockHubspotContact *contact;
  const char *modified;
  gint64 ms;

  if (!json_parser_load_from_data (parser, properties_json, -1, error))
    return 0;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a JSON object");
      return 0;
    }
  properties = json_node_get_object (root);
  modified = json_object_get_string_member_with_default (properties, "lastmodifieddate", NULL);
  contact = _concord_mock_hubspot_new_contact (self);
  _concord_mock_hubspot_apply_properties (self, contact, properties);
  g_hash_table_remove (contact->values, "lastmodifieddate");
  if (modified != NULL && g_ascii_string_to_signed (modified, 10, 1, G_MAXINT64, &ms, NULL))
    contact->updated_ms = ms;
  _concord_mock_hubspot_save_locked (self);
  return contact->id;
}

/* Returns: (transfer full) (nullable): the contact as GET shows it, every
 * property named */
char *
concord_mock_hubspot_get_contact_json (ConcordMockHubspot *self,
                                       guint64             id)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  ConcordMockHubspotContact *contact = g_hash_table_lookup (self->by_id, &id);

  if (contact == NULL)
    return NULL;
  for (guint i = 0; i < self->properties->len; i++)
    g_ptr_array_add (names, ((ConcordMockHubspotProperty *) g_ptr_array_index (self->properties, i))->name);
  g_ptr_array_add (names, NULL);
  return _concord_mock_hubspot_object_text (_concord_mock_hubspot_contact_object (self, contact, (const char * const *) names->pdata));
}

/* Returns: the id of the live contact with @email (any case), 0: none */
guint64
concord_mock_hubspot_find_email (ConcordMockHubspot *self,
                                 const char         *email)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  ConcordMockHubspotContact *contact = _concord_mock_hubspot_find_email (self, email, NULL);

  return contact != NULL ? contact->id : 0;
}

gboolean
concord_mock_hubspot_archive (ConcordMockHubspot *self,
                              guint64             id)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  ConcordMockHubspotContact *contact = g_hash_table_lookup (self->by_id, &id);

  if (contact == NULL || contact->archived_ms != 0)
    return FALSE;
  contact->archived_ms = _concord_mock_hubspot_next_ms (self);
  _concord_mock_hubspot_index_email (self, contact, g_hash_table_lookup (contact->values, "email"));
  _concord_mock_hubspot_save_locked (self);
  return TRUE;
}

/* Returns: how many live (not archived) contacts the account holds */
guint
concord_mock_hubspot_get_n_contacts (ConcordMockHubspot *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  guint n = 0;

  for (guint i = 0; i < self->contacts->len; i++)
    n += ((ConcordMockHubspotContact *) g_ptr_array_index (self->contacts, i))->archived_ms == 0;
  return n;
}

/**
 * concord_mock_hubspot_set_frozen_time:
 * @unix_ms: every write from now on is stamped with this lastmodifieddate
 *   (a bulk import); 0 for the real clock again
 */
void
concord_mock_hubspot_set_frozen_time (ConcordMockHubspot *self,
                                      gint64              unix_ms)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  self->frozen_ms = unix_ms;
}

void
concord_mock_hubspot_set_rate_limit (ConcordMockHubspot *self,
                                     guint               max)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  self->rate_max = max;
  g_queue_clear_full (&self->window, g_free);
}

/**
 * concord_mock_hubspot_set_search_rate_limit:
 * @max: searches per rolling second (0: no limit; HubSpot's is 5), beyond
 *   which a search is answered 429 with policyName SECONDLY
 */
void
concord_mock_hubspot_set_search_rate_limit (ConcordMockHubspot *self,
                                            guint               max)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  self->search_max = max;
  g_queue_clear_full (&self->search_window, g_free);
}

/**
 * concord_mock_hubspot_set_atomic_batches:
 * @atomic: whether a batch create or update with one bad input fails
 *   whole (409 or 400 for the first, nothing written) instead of 207
 */
void
concord_mock_hubspot_set_atomic_batches (ConcordMockHubspot *self,
                                         gboolean            atomic)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  self->atomic = atomic;
}

guint
concord_mock_hubspot_get_n_429 (ConcordMockHubspot *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  return self->n_429;
}

/* ------------------------------------------------------------------------- */
/* ConcordMockAppInfo                                                        */
/* ------------------------------------------------------------------------- */

static GObject *
info_create (const char  *secret,
             guint        port,
             GError     **error)
{
  ConcordMockHubspot *mock = concord_mock_hubspot_new (secret, port, error);

  if (mock != NULL)
    {
      /* The Free and Starter private-app limit, and the account's own
       * custom properties. */
      concord_mock_hubspot_set_rate_limit (mock, 100);
      concord_mock_hubspot_set_search_rate_limit (mock, 5);
      concord_mock_hubspot_generate (mock, 0, 1);
    }
  return G_OBJECT (mock);
}

static ConcordMockServer *
info_get_server (GObject *mock)
{
  return concord_mock_hubspot_get_server (CONCORD_MOCK_HUBSPOT (mock));
}

static const char *
info_get_base_url (GObject *mock)
{
  return concord_mock_hubspot_get_base_url (CONCORD_MOCK_HUBSPOT (mock));
}

static void
info_set_secret (GObject    *mock,
                 const char *secret)
{
  concord_mock_hubspot_set_token (CONCORD_MOCK_HUBSPOT (mock), secret);
}

static void
info_generate (GObject *mock,
               guint    n,
               guint32  seed)
{
  concord_mock_hubspot_generate (CONCORD_MOCK_HUBSPOT (mock), n, seed);
}

static gboolean
info_load_file (GObject     *mock,
                const char  *path,
                GError     **error)
{
  return concord_mock_hubspot_load_file (CONCORD_MOCK_HUBSPOT (mock), path, error);
}

static void
info_set_save_path (GObject    *mock,
                    const char *path)
{
  concord_mock_hubspot_set_save_path (CONCORD_MOCK_HUBSPOT (mock), path);
}

/* Reads by POST: not writes, for `concord-mock hubspot`'s count. */
static const char * const read_requests[] = {
  "POST " PATH_CONTACTS "/search",
  "POST " PATH_CONTACTS "/batch/read",
  NULL
};

const ConcordMockAppInfo concord_mock_hubspot_info = {
  .id = "hubspot",
  .create = info_create,
  .get_server = info_get_server,
  .get_base_url = info_get_base_url,
  .set_secret = info_set_secret,
  .generate = info_generate,
  .load_file = info_load_file,
  .set_save_path = info_set_save_path,
  .read_requests = read_requests,
};
