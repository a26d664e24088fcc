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

#define MAX_BATCH          1000
#define DEFAULT_PAGE_SIZE  20
#define DEFAULT_LIST_PAGE  200
#define SAVE_DELAY_MS      250

typedef struct
{
  char       *key;                 /* (owned): lower-cased email */
  char       *email;               /* (owned): as first given */
  const char *status;              /* (interned) (nullable) */
  JsonNode   *status_raw;          /* (owned) (nullable): a non-string status from a seed */
  char       *first_name;          /* (owned) (nullable) */
  char       *last_name;           /* (owned) (nullable) */
  GHashTable *custom_fields;       /* (owned) (nullable): name -> value */
  char       *consent_ip;          /* (owned) (nullable) */
  gint64      consent_date;
  const char *consent_tracking;    /* (interned) */
  const char *source;              /* (interned) */
  char       *source_info;         /* (owned) (nullable) */
  gint64      date_added;
  gint64      date_updated;
  gint64      status_change_date;
  int         total_sent;
  int         total_opened;
  int         total_clicked;
  gint64      last_sent;
  gint64      last_opened;
} Contact;

typedef struct
{
  char       *name;                /* (owned) */
  char       *public_id;           /* (owned) */
  gint64      date_added;
  gboolean    allow_unsubscribe;
  GPtrArray  *members;             /* (owned): Contact (unowned), in insertion order */
  GHashTable *member_set;          /* (owned): Contact (unowned) */
} List;

struct _ConcordMockElasticEmail
{
  GObject       parent_instance;

  char         *api_key;           /* (owned): guarded by @mutex (changed by set_api_key) */
  char         *base_url;          /* (owned): immutable once running */
  ConcordMockServer *server;       /* (owned) */
  GSource      *save_source;       /* (owned) (nullable): server thread only */
  ConcordMockElasticEmailStallFunc stall_func; /* (nullable) */
  gpointer      stall_data;

  /* Everything below is guarded by @mutex */
  GMutex        mutex;
  GPtrArray    *contacts;          /* (owned): Contact, insertion order */
  GHashTable   *contacts_by_key;   /* (owned): lower-cased email -> Contact (unowned) */
  GPtrArray    *lists;             /* (owned): List, creation order */
  GHashTable   *lists_by_key;      /* (owned): lower-cased name -> List (unowned) */
  GHashTable   *custom_fields;     /* (owned): lower-cased name -> name as defined */
  guint         max_page_size;
  gboolean      view_contacts;
  gboolean      modify_contacts;
  gboolean      ignore_list_offset;
  guint         error_serial;
  char         *save_path;         /* (owned) (nullable) */
  gboolean      unsaved;           /* changed since the last save */
};

G_DEFINE_FINAL_TYPE (ConcordMockElasticEmail, concord_mock_elasticemail, G_TYPE_OBJECT)

static const char * const contact_statuses[] = {
  "Transactional", "Engaged", "Active", "Bounced", "Unsubscribed", "Abuse", "Inactive", "Stale",
  "NotConfirmed", NULL,
};

/* ------------------------------------------------------------------------- */
/* Data helpers (caller holds the mutex)                                     */
/* ------------------------------------------------------------------------- */

static void
contact_free (gpointer data)
{
  Contact *contact = data;

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

static void
list_free (gpointer data)
{
  List *list = data;

  g_free (list->name);
  g_free (list->public_id);
  g_ptr_array_unref (list->members);
  g_hash_table_unref (list->member_set);
  g_free (list);
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static gboolean
is_known_status (const char *status)
{
  return status != NULL && g_strv_contains (contact_statuses, status);
}

/* Loose on purpose: one @, something either side, a dot in the domain. */
static gboolean
is_valid_email (const char *email)
{
  const char *at;

  if (email == NULL || strchr (email, ' ') != NULL)
    return FALSE;

  at = strchr (email, '@');
  return at != NULL && at != email && strchr (at + 1, '@') == NULL &&
         strchr (at + 1, '.') != NULL && at[strlen (at) - 1] != '.';
}

static Contact *
lookup_contact (ConcordMockElasticEmail *self,
                const char              *email)
{
  g_autofree char *key = g_ascii_strdown (email, -1);

  return g_hash_table_lookup (self->contacts_by_key, key);
}

static Contact *
ensure_contact (ConcordMockElasticEmail *self,
                const char              *email,
                gboolean                *created)
{
  g_autofree char *key = g_ascii_strdown (email, -1);
  Contact *contact = g_hash_table_lookup (self->contacts_by_key, key);

  *created = contact == NULL;
  if (contact != NULL)
    return contact;

  contact = g_new0 (Contact, 1);
  contact->key = g_steal_pointer (&key);
  contact->email = g_strdup (email);
  contact->status = g_intern_static_string ("Transactional");
  contact->consent_tracking = g_intern_static_string ("Unknown");
  contact->source = g_intern_static_string ("ContactApi");
  g_ptr_array_add (self->contacts, contact);
  g_hash_table_insert (self->contacts_by_key, contact->key, contact);

  return contact;
}

static void
remove_contact (ConcordMockElasticEmail *self,
                Contact                 *contact)
{
  for (guint i = 0; i < self->lists->len; i++)
    {
      List *list = g_ptr_array_index (self->lists, i);

      if (g_hash_table_remove (list->member_set, contact))
        g_ptr_array_remove (list->members, contact);
    }

  g_hash_table_remove (self->contacts_by_key, contact->key);
  g_ptr_array_remove (self->contacts, contact);  /* frees it */
}

static List *
lookup_list (ConcordMockElasticEmail *self,
             const char              *name)
{
  g_autofree char *key = g_ascii_strdown (name, -1);

  return g_hash_table_lookup (self->lists_by_key, key);
}

/* List names compare case-insensitively [unverified]. */
static List *
ensure_list (ConcordMockElasticEmail *self,
             const char              *name,
             gint64                   date_added,
             gboolean                *created)
{
  List *list = lookup_list (self, name);

  *created = list == NULL;
  if (list != NULL)
    return list;

  list = g_new0 (List, 1);
  list->name = g_strdup (name);
  list->public_id = g_uuid_string_random ();
  list->date_added = date_added;
  list->members = g_ptr_array_new ();
  list->member_set = g_hash_table_new (NULL, NULL);
  g_ptr_array_add (self->lists, list);
  g_hash_table_insert (self->lists_by_key, g_ascii_strdown (name, -1), list);

  return list;
}

static void
list_add_member (List    *list,
                 Contact *contact)
{
  if (g_hash_table_add (list->member_set, contact))
    g_ptr_array_add (list->members, contact);
}

static void
define_custom_field (ConcordMockElasticEmail *self,
                     const char              *name)
{
  g_autofree char *key = g_ascii_strdown (name, -1);

  if (!g_hash_table_contains (self->custom_fields, key))
    g_hash_table_insert (self->custom_fields, g_steal_pointer (&key), g_strdup (name));
}

static void
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) != 0)
    {
      g_free (*field);
      *field = g_strdup (value);
    }
}

static void
set_custom_field (Contact    *contact,
                  const char *name,
                  const char *value)
{
  if (contact->custom_fields == NULL)
    contact->custom_fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_hash_table_insert (contact->custom_fields, g_strdup (name), g_strdup (value));
}

static void
set_status (Contact    *contact,
            const char *status,
            gint64      now)
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

static void
add_date (JsonBuilder *builder,
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

static void
add_string (JsonBuilder *builder,
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

static void
build_contact (JsonBuilder   *builder,
               const Contact *contact)
{
  json_builder_begin_object (builder);
  add_string (builder, "Email", contact->email);

  json_builder_set_member_name (builder, "Status");
  if (contact->status_raw != NULL)
    json_builder_add_value (builder, json_node_copy (contact->status_raw));
  else
    json_builder_add_string_value (builder, contact->status);

  add_string (builder, "FirstName", contact->first_name);
  add_string (builder, "LastName", contact->last_name);

  json_builder_set_member_name (builder, "CustomFields");
  json_builder_begin_object (builder);
  if (contact->custom_fields != NULL)
    {
      g_autoptr(GList) names = g_hash_table_get_keys (contact->custom_fields);

      names = g_list_sort (names, (GCompareFunc) g_strcmp0);
      for (GList *l = names; l != NULL; l = l->next)
        add_string (builder, l->data, g_hash_table_lookup (contact->custom_fields, l->data));
    }
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "Consent");
  json_builder_begin_object (builder);
  add_string (builder, "ConsentIP", contact->consent_ip);
  add_date (builder, "ConsentDate", contact->consent_date);
  add_string (builder, "ConsentTracking", contact->consent_tracking);
  json_builder_end_object (builder);

  add_string (builder, "Source", contact->source);
  add_string (builder, "SourceInfo", contact->source_info);
  add_date (builder, "DateAdded", contact->date_added);
  add_date (builder, "DateUpdated", contact->date_updated);
  add_date (builder, "StatusChangeDate", contact->status_change_date);

  json_builder_set_member_name (builder, "Activity");
  json_builder_begin_object (builder);
  add_int (builder, "TotalSent", contact->total_sent);
  add_int (builder, "TotalOpened", contact->total_opened);
  add_int (builder, "TotalClicked", contact->total_clicked);
  add_int (builder, "TotalFailed", 0);
  add_date (builder, "LastSent", contact->last_sent);
  add_date (builder, "LastOpened", contact->last_opened);
  add_date (builder, "LastClicked", 0);
  add_date (builder, "LastFailed", 0);
  add_string (builder, "LastIP", "");
  json_builder_set_member_name (builder, "ErrorCode");
  json_builder_add_null_value (builder);
  add_string (builder, "FriendlyErrorMessage", "");
  json_builder_end_object (builder);

  json_builder_end_object (builder);
}

static void
build_list (JsonBuilder *builder,
            const List  *list)
{
  json_builder_begin_object (builder);
  add_string (builder, "ListName", list->name);
  add_string (builder, "PublicListID", list->public_id);
  add_date (builder, "DateAdded", list->date_added);
  json_builder_set_member_name (builder, "AllowUnsubscribe");
  json_builder_add_boolean_value (builder, list->allow_unsubscribe);
  json_builder_end_object (builder);
}

static char *
builder_to_string (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  return json_to_string (root, FALSE);
}

static char *
contact_to_string (const Contact *contact)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  build_contact (builder, contact);
  return builder_to_string (builder);
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
    build_list (builder, g_ptr_array_index (self->lists, i));
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "contacts");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->contacts->len; i++)
    {
      const Contact *contact = g_ptr_array_index (self->contacts, i);
      g_autoptr(JsonBuilder) one = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;
      JsonArray *lists = json_array_new ();

      build_contact (one, contact);
      node = json_builder_get_root (one);
      for (guint j = 0; j < self->lists->len; j++)
        {
          const List *list = g_ptr_array_index (self->lists, j);

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

static gboolean
save_account (ConcordMockElasticEmail  *self,
              const char               *path,
              GError                  **error)
{
  g_autofree char *text = account_to_string (self);

  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/* Caller holds the mutex. */
static void
save_if_unsaved (ConcordMockElasticEmail *self)
{
  g_autoptr(GError) error = NULL;

  if (!self->unsaved || self->save_path == NULL)
    return;

  self->unsaved = FALSE;
  if (!save_account (self, self->save_path, &error))
    g_warning ("Could not save the account: %s", error->message);
}

static gboolean
on_save_timeout_cb (gpointer data)
{
  ConcordMockElasticEmail *self = data;

  g_mutex_lock (&self->mutex);
  save_if_unsaved (self);
  g_mutex_unlock (&self->mutex);

  g_clear_pointer (&self->save_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* Server thread, caller holds the mutex. */
static void
schedule_save (ConcordMockElasticEmail *self)
{
  self->unsaved = TRUE;
  if (self->save_source != NULL)
    return;

  self->save_source = g_timeout_source_new (SAVE_DELAY_MS);
  g_source_set_callback (self->save_source, on_save_timeout_cb, self, NULL);
  g_source_attach (self->save_source, concord_mock_server_get_context (self->server));
}

/* 0 when absent or unreadable: ISO 8601 with or without a zone (UTC then). */
static gint64
parse_date (JsonObject *object,
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

static const char *
get_string_member (JsonObject *object,
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
static void
apply_custom_fields (ConcordMockElasticEmail *self,
                     Contact                 *contact,
                     JsonObject              *object,
                     gboolean                 defined_only)
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
          define_custom_field (self, l->data);
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

      set_custom_field (contact, name, text);
    }
}

static void
apply_consent (Contact    *contact,
               JsonObject *object,
               const char *remote_ip,
               gint64      now)
{
  JsonNode *node = json_object_get_member (object, "Consent");
  JsonObject *consent;
  const char *tracking;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      /* The server fills in the caller's IP and "now" when none is given. */
      if (contact->consent_date == 0)
        {
          set_string (&contact->consent_ip, remote_ip);
          contact->consent_date = now;
        }
      return;
    }

  consent = json_node_get_object (node);
  set_string (&contact->consent_ip, get_string_member (consent, "ConsentIP") ?: remote_ip);
  contact->consent_date = parse_date (consent, "ConsentDate") ?: now;
  tracking = get_string_member (consent, "ConsentTracking");
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
apply_activity (Contact    *contact,
                JsonObject *object)
{
  JsonNode *node = json_object_get_member (object, "Activity");
  JsonObject *activity;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;

  activity = json_node_get_object (node);
  contact->total_sent = get_int_member (activity, "TotalSent");
  contact->total_opened = get_int_member (activity, "TotalOpened");
  contact->total_clicked = get_int_member (activity, "TotalClicked");
  contact->last_sent = parse_date (activity, "LastSent");
  contact->last_opened = parse_date (activity, "LastOpened");
}

/* A full Contact object as the API returns it (seed files, put_contact_json):
 * stored as given, unknown status values and all. */
static gboolean
store_contact_object (ConcordMockElasticEmail  *self,
                      JsonObject               *object,
                      GError                  **error)
{
  const char *email = get_string_member (object, "Email");
  JsonNode *status;
  Contact *contact;
  gboolean created;
  gint64 now = now_seconds ();

  if (email == NULL || *email == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Contact without Email");
      return FALSE;
    }

  contact = ensure_contact (self, email, &created);
  set_string (&contact->email, email);

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
    set_string (&contact->first_name, get_string_member (object, "FirstName"));
  if (json_object_has_member (object, "LastName"))
    set_string (&contact->last_name, get_string_member (object, "LastName"));
  apply_custom_fields (self, contact, object, FALSE);
  apply_consent (contact, object, NULL, now);

  if (get_string_member (object, "Source") != NULL)
    contact->source = g_intern_string (get_string_member (object, "Source"));
  if (json_object_has_member (object, "SourceInfo"))
    set_string (&contact->source_info, get_string_member (object, "SourceInfo"));

  contact->date_added = parse_date (object, "DateAdded") ?: (created ? now : contact->date_added);
  contact->date_updated = parse_date (object, "DateUpdated");
  contact->status_change_date = parse_date (object, "StatusChangeDate");
  apply_activity (contact, object);

  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Requests                                                                  */
/* ------------------------------------------------------------------------- */

typedef struct
{
  ConcordMockElasticEmail *self;
  ConcordMockRequest      *request;     /* (unowned) */
  SoupServerMessage       *msg;
  const char              *method;
  char                   **segments;    /* (owned): decoded path segments after /v4 */
  guint                    n_segments;
  GPtrArray               *query;       /* (unowned): decoded "key", "value" pairs */
  guint                    status;
  char                    *body;        /* (owned) (nullable) */
} Request;

static void
request_clear (Request *req)
{
  g_strfreev (req->segments);
  g_free (req->body);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Request, request_clear)

static void
respond_json (Request *req,
              guint    status,
              char    *body)
{
  req->status = status;
  g_free (req->body);
  req->body = body;
}

static void
respond_builder (Request     *req,
                 guint        status,
                 JsonBuilder *builder)
{
  respond_json (req, status, builder_to_string (builder));
}

static void
respond_error (Request    *req,
               guint       status,
               const char *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string (builder, "Error", message);
  json_builder_end_object (builder);
  respond_builder (req, status, builder);
}

static const char *
query_get (Request    *req,
           const char *name)
{
  return concord_mock_request_get_query_param (req->request, name);
}

/* limit/offset: absent or unreadable values fall back to the default. */
static guint
query_get_uint (Request    *req,
                const char *name,
                guint       fallback)
{
  const char *text = query_get (req, name);
  guint64 value;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT32, &value, NULL))
    return fallback;

  return value;
}

static JsonNode *
parse_body (Request *req)
{
  GBytes *bytes = concord_mock_request_get_body (req->request);
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  if (length == 0 || !json_parser_load_from_data (parser, data, length, NULL))
    {
      respond_error (req, SOUP_STATUS_BAD_REQUEST, "The request body is not valid JSON.");
      return NULL;
    }

  return json_node_ref (json_parser_get_root (parser));
}

static void
respond_contact_page (Request   *req,
                      GPtrArray *contacts,
                      guint      offset,
                      guint      limit)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  for (guint i = offset; i < contacts->len && i - offset < limit; i++)
    build_contact (builder, g_ptr_array_index (contacts, i));
  json_builder_end_array (builder);
  respond_builder (req, SOUP_STATUS_OK, builder);
}

static guint
page_limit (Request *req,
            guint    fallback)
{
  return MIN (query_get_uint (req, "limit", fallback), req->self->max_page_size);
}

/* GET /contacts: insertion order; the server caps the page at max_page_size
 * whatever the client asks for. Unknown parameters (rule, …) are ignored. */
static void
handle_contacts_get (Request *req)
{
  ConcordMockElasticEmail *self = req->self;

  respond_contact_page (req, self->contacts, query_get_uint (req, "offset", 0),
                        page_limit (req, DEFAULT_PAGE_SIZE));
}

/* Collects the Emails of an EmailsPayload; Rule "All" selects every
 * contact, any other rule is beyond the mock. */
static GPtrArray *
get_emails_payload (Request *req)
{
  g_autoptr(JsonNode) root = parse_body (req);
  g_autoptr(GPtrArray) emails = g_ptr_array_new_with_free_func (g_free);
  JsonObject *object;
  JsonNode *node;
  const char *rule;

  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      respond_error (req, SOUP_STATUS_BAD_REQUEST, "Expected an object with Emails or Rule.");
      return NULL;
    }

  object = json_node_get_object (root);
  node = json_object_get_member (object, "Emails");
  rule = get_string_member (object, "Rule");

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node) && rule == NULL)
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING)
            g_ptr_array_add (emails, g_strdup (json_node_get_string (item)));
        }
      return g_steal_pointer (&emails);
    }

  if (rule != NULL && node == NULL && g_ascii_strcasecmp (rule, "All") == 0)
    {
      for (guint i = 0; i < req->self->contacts->len; i++)
        {
          Contact *contact = g_ptr_array_index (req->self->contacts, i);

          g_ptr_array_add (emails, g_strdup (contact->email));
        }
      return g_steal_pointer (&emails);
    }

  respond_error (req, SOUP_STATUS_BAD_REQUEST,
                 "Provide either Emails or Rule, not both (the mock understands only Rule \"All\").");
  return NULL;
}

/* POST /contacts?listnames=…: validates the whole batch first, so a bad
 * request changes nothing.
 *
 * An email that exists already is updated in place (upsert, compared without
 * case): what the real API does is not documented [unverified]. Only the
 * fields present in the payload change. Unknown custom fields are dropped
 * silently, as the real API does. An unknown list name answers 412: the
 * error docs cover "adding contacts to a list that does not exist" with 412,
 * but the exact code is [unverified]. Created contacts get Source
 * "ContactApi" [unverified] and the Transactional status (the enum's
 * default) when none is given. */
static void
handle_contacts_post (Request *req)
{
  ConcordMockElasticEmail *self = req->self;
  g_autoptr(JsonNode) root = parse_body (req);
  g_autoptr(GPtrArray) lists = g_ptr_array_new ();
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const char *remote_ip = soup_server_message_get_remote_host (req->msg);
  gint64 now = now_seconds ();
  JsonArray *array;

  if (root == NULL)
    return;
  if (!JSON_NODE_HOLDS_ARRAY (root))
    {
      respond_error (req, SOUP_STATUS_BAD_REQUEST, "Expected an array of contacts.");
      return;
    }

  array = json_node_get_array (root);
  if (json_array_get_length (array) > MAX_BATCH)
    {
      respond_error (req, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                     "Too many contacts in one request: at most 1000, use the import instead.");
      return;
    }

  for (guint i = 0; i + 1 < req->query->len; i += 2)
    {
      if (g_ascii_strcasecmp (g_ptr_array_index (req->query, i), "listnames") == 0)
        {
          List *list = lookup_list (self, g_ptr_array_index (req->query, i + 1));

          if (list == NULL)
            {
              respond_error (req, SOUP_STATUS_PRECONDITION_FAILED, "List not found.");
              return;
            }
          g_ptr_array_add (lists, list);
        }
    }

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      JsonObject *object;
      const char *email;
      const char *status;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        {
          respond_error (req, SOUP_STATUS_BAD_REQUEST, "Every contact must be an object.");
          return;
        }

      object = json_node_get_object (item);
      email = get_string_member (object, "Email");
      if (email == NULL || *email == '\0')
        {
          respond_error (req, SOUP_STATUS_BAD_REQUEST, "Email is required.");
          return;
        }
      if (!is_valid_email (email))
        {
          respond_error (req, SOUP_STATUS_PRECONDITION_FAILED, "Invalid email address.");
          return;
        }

      status = get_string_member (object, "Status");
      if (json_object_has_member (object, "Status") && !is_known_status (status))
        {
          respond_error (req, SOUP_STATUS_BAD_REQUEST, "Invalid contact status.");
          return;
        }
    }

  json_builder_begin_array (builder);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);
      const char *email = get_string_member (object, "Email");
      const char *status = get_string_member (object, "Status");
      gboolean created;
      Contact *contact = ensure_contact (self, email, &created);

      if (created)
        {
          contact->date_added = now;
          contact->status_change_date = now;
        }
      if (status != NULL)
        set_status (contact, status, now);
      if (json_object_has_member (object, "FirstName"))
        set_string (&contact->first_name, get_string_member (object, "FirstName"));
      if (json_object_has_member (object, "LastName"))
        set_string (&contact->last_name, get_string_member (object, "LastName"));
      apply_custom_fields (self, contact, object, TRUE);
      apply_consent (contact, object, remote_ip, now);
      contact->date_updated = now;

      for (guint j = 0; j < lists->len; j++)
        list_add_member (g_ptr_array_index (lists, j), contact);

      build_contact (builder, contact);
    }
  json_builder_end_array (builder);
  respond_builder (req, SOUP_STATUS_OK, builder);
}

/* POST /contacts/delete with an EmailsPayload; unknown emails are skipped. */
static void
handle_contacts_delete_post (Request *req)
{
  g_autoptr(GPtrArray) emails = get_emails_payload (req);

  if (emails == NULL)
    return;

  for (guint i = 0; i < emails->len; i++)
    {
      Contact *contact = lookup_contact (req->self, g_ptr_array_index (emails, i));

      if (contact != NULL)
        remove_contact (req->self, contact);
    }
  respond_json (req, SOUP_STATUS_OK, NULL);
}

static void
handle_contact (Request    *req,
                const char *email)
{
  ConcordMockElasticEmail *self = req->self;
  Contact *contact = lookup_contact (self, email);

  if (contact == NULL)
    {
      respond_error (req, SOUP_STATUS_NOT_FOUND, "Contact not found.");
      return;
    }

  if (g_str_equal (req->method, "GET"))
    {
      respond_json (req, SOUP_STATUS_OK, contact_to_string (contact));
    }
  else if (g_str_equal (req->method, "DELETE"))
    {
      remove_contact (self, contact);
      respond_json (req, SOUP_STATUS_OK, NULL);
    }
  else if (g_str_equal (req->method, "PUT"))
    {
      /* ContactUpdatePayload: FirstName, LastName, CustomFields; anything
       * else (Email, Status, Consent) is ignored. */
      g_autoptr(JsonNode) root = parse_body (req);
      JsonObject *object;

      if (root == NULL)
        return;
      if (!JSON_NODE_HOLDS_OBJECT (root))
        {
          respond_error (req, SOUP_STATUS_BAD_REQUEST, "Expected a contact object.");
          return;
        }

      object = json_node_get_object (root);
      if (json_object_has_member (object, "FirstName"))
        set_string (&contact->first_name, get_string_member (object, "FirstName"));
      if (json_object_has_member (object, "LastName"))
        set_string (&contact->last_name, get_string_member (object, "LastName"));
      apply_custom_fields (self, contact, object, TRUE);
      contact->date_updated = now_seconds ();
      respond_json (req, SOUP_STATUS_OK, contact_to_string (contact));
    }
  else
    {
      respond_error (req, SOUP_STATUS_NOT_FOUND, "Not found.");
    }
}

static void
handle_lists_get (Request *req)
{
  ConcordMockElasticEmail *self = req->self;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  guint offset = query_get_uint (req, "offset", 0);
  guint limit = query_get_uint (req, "limit", DEFAULT_LIST_PAGE);

  json_builder_begin_array (builder);
  for (guint i = offset; i < self->lists->len && i - offset < limit; i++)
    build_list (builder, g_ptr_array_index (self->lists, i));
  json_builder_end_array (builder);
  respond_builder (req, SOUP_STATUS_OK, builder);
}

/* POST /lists: ListPayload. The spec says an empty Emails means "all
 * contacts" [unverified]; the mock creates an empty list unless Emails
 * names contacts (unknown ones are skipped). */
static void
handle_lists_post (Request *req)
{
  ConcordMockElasticEmail *self = req->self;
  g_autoptr(JsonNode) root = parse_body (req);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  JsonObject *object;
  JsonNode *emails;
  const char *name;
  gboolean created;
  List *list;

  if (root == NULL)
    return;
  if (!JSON_NODE_HOLDS_OBJECT (root) ||
      (name = get_string_member (json_node_get_object (root), "ListName")) == NULL ||
      *name == '\0')
    {
      respond_error (req, SOUP_STATUS_BAD_REQUEST, "ListName is required.");
      return;
    }

  object = json_node_get_object (root);
  list = ensure_list (self, name, now_seconds (), &created);
  if (!created)
    {
      respond_error (req, SOUP_STATUS_BAD_REQUEST, "A list with the given name already exists.");
      return;
    }

  if (json_object_has_member (object, "AllowUnsubscribe"))
    list->allow_unsubscribe = json_object_get_boolean_member (object, "AllowUnsubscribe");

  emails = json_object_get_member (object, "Emails");
  if (emails != NULL && JSON_NODE_HOLDS_ARRAY (emails))
    {
      JsonArray *array = json_node_get_array (emails);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          const char *email = json_array_get_string_element (array, i);
          Contact *contact = email != NULL ? lookup_contact (self, email) : NULL;

          if (contact != NULL)
            list_add_member (list, contact);
        }
    }

  build_list (builder, list);
  respond_builder (req, SOUP_STATUS_CREATED, builder);
}

static void
handle_list (Request    *req,
             const char *name)
{
  ConcordMockElasticEmail *self = req->self;
  List *list = lookup_list (self, name);
  const char *what = req->n_segments > 2 ? req->segments[2] : NULL;
  const char *what2 = req->n_segments > 3 ? req->segments[3] : NULL;
  gboolean get = g_str_equal (req->method, "GET");
  gboolean post = g_str_equal (req->method, "POST");

  if (list == NULL)
    {
      respond_error (req, SOUP_STATUS_NOT_FOUND, "List not found.");
      return;
    }

  if (what == NULL && get)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      build_list (builder, list);
      respond_builder (req, SOUP_STATUS_OK, builder);
    }
  else if (what == NULL && g_str_equal (req->method, "DELETE"))
    {
      g_autofree char *key = g_ascii_strdown (list->name, -1);

      g_hash_table_remove (self->lists_by_key, key);
      g_ptr_array_remove (self->lists, list);
      respond_json (req, SOUP_STATUS_OK, NULL);
    }
  else if (g_strcmp0 (what, "contacts") == 0 && what2 == NULL && get)
    {
      /* The reported bug (elasticemail-php#8): offset ignored, always the
       * first page. */
      guint offset = self->ignore_list_offset ? 0 : query_get_uint (req, "offset", 0);

      respond_contact_page (req, list->members, offset, page_limit (req, DEFAULT_PAGE_SIZE));
    }
  else if (g_strcmp0 (what, "contacts") == 0 && post &&
           (what2 == NULL || g_str_equal (what2, "remove")) &&
           req->n_segments <= 4)
    {
      /* Contacts must exist already; unknown emails are skipped [unverified]. */
      g_autoptr(GPtrArray) emails = get_emails_payload (req);

      if (emails == NULL)
        return;

      for (guint i = 0; i < emails->len; i++)
        {
          Contact *contact = lookup_contact (self, g_ptr_array_index (emails, i));

          if (contact == NULL)
            continue;
          if (what2 == NULL)
            list_add_member (list, contact);
          else if (g_hash_table_remove (list->member_set, contact))
            g_ptr_array_remove (list->members, contact);
        }

      if (what2 == NULL)
        {
          g_autoptr(JsonBuilder) builder = json_builder_new ();

          build_list (builder, list);
          respond_builder (req, SOUP_STATUS_OK, builder);
        }
      else
        {
          respond_json (req, SOUP_STATUS_OK, NULL);
        }
    }
  else
    {
      respond_error (req, SOUP_STATUS_NOT_FOUND, "Not found.");
    }
}

/* POST /suppressions/unsubscribes: an array of emails. Known contacts become
 * Unsubscribed; every address is answered as a Suppression, as the real
 * suppression list takes addresses that are not contacts. */
static void
handle_unsubscribes_post (Request *req)
{
  ConcordMockElasticEmail *self = req->self;
  g_autoptr(JsonNode) root = parse_body (req);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gint64 now = now_seconds ();
  JsonArray *array;

  if (root == NULL)
    return;
  if (!JSON_NODE_HOLDS_ARRAY (root))
    {
      respond_error (req, SOUP_STATUS_BAD_REQUEST, "Expected an array of emails.");
      return;
    }

  array = json_node_get_array (root);
  if (json_array_get_length (array) > MAX_BATCH)
    {
      respond_error (req, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                     "Too many emails in one request: at most 1000.");
      return;
    }

  json_builder_begin_array (builder);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      const char *email;
      Contact *contact;

      if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
        continue;

      email = json_node_get_string (item);
      contact = lookup_contact (self, email);
      if (contact != NULL)
        {
          set_status (contact, "Unsubscribed", now);
          contact->date_updated = now;
        }

      json_builder_begin_object (builder);
      add_string (builder, "Email", email);
      add_string (builder, "FriendlyErrorMessage", "");
      json_builder_set_member_name (builder, "ErrorCode");
      json_builder_add_null_value (builder);
      add_date (builder, "DateUpdated", now);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  respond_builder (req, SOUP_STATUS_CREATED, builder);
}

static gboolean
check_access (Request *req)
{
  ConcordMockElasticEmail *self = req->self;
  gboolean read = g_str_equal (req->method, "GET");

  /* The v4 API answers 400, never 401/403. (The caller holds the mutex,
   * which guards the key.) */
  if (!concord_mock_request_check_header (req->request, "X-ElasticEmail-ApiKey", self->api_key))
    {
      respond_error (req, SOUP_STATUS_BAD_REQUEST, "APIKey Expired");
      return FALSE;
    }

  if ((read && !self->view_contacts) || (!read && !self->modify_contacts))
    {
      respond_error (req, SOUP_STATUS_BAD_REQUEST, "Access Denied.");
      return FALSE;
    }

  return TRUE;
}

static void
dispatch (Request *req)
{
  const char *first = req->n_segments > 0 ? req->segments[0] : "";
  gboolean get = g_str_equal (req->method, "GET");
  gboolean post = g_str_equal (req->method, "POST");

  if (!check_access (req))
    return;

  if (g_str_equal (first, "contacts") && req->n_segments == 1 && get)
    handle_contacts_get (req);
  else if (g_str_equal (first, "contacts") && req->n_segments == 1 && post)
    handle_contacts_post (req);
  else if (g_str_equal (first, "contacts") && req->n_segments == 2 && post &&
           g_str_equal (req->segments[1], "delete"))
    handle_contacts_delete_post (req);
  else if (g_str_equal (first, "contacts") && req->n_segments == 2)
    handle_contact (req, req->segments[1]);
  else if (g_str_equal (first, "lists") && req->n_segments == 1 && get)
    handle_lists_get (req);
  else if (g_str_equal (first, "lists") && req->n_segments == 1 && post)
    handle_lists_post (req);
  else if (g_str_equal (first, "lists") && req->n_segments >= 2)
    handle_list (req, req->segments[1]);
  else if (g_str_equal (first, "suppressions") && req->n_segments == 2 && post &&
           g_str_equal (req->segments[1], "unsubscribes"))
    handle_unsubscribes_post (req);
  else
    respond_error (req, SOUP_STATUS_NOT_FOUND, "Not found.");
}

/* libsoup's server hands over the path already percent-decoded (%2B, %40
 * and even %2F arrive as +, @ and /), so it is split here without a second
 * decoding. An email is the whole rest of the path after "contacts/", so one
 * with a slash in it still works; list names cannot contain one. */
static gboolean
parse_path (Request    *req,
            const char *path)
{
  g_autoptr(GPtrArray) segments = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) parts = NULL;
  const char *rest;

  if (!g_str_has_prefix (path, "/v4/"))
    return FALSE;

  rest = path + strlen ("/v4/");
  if (g_str_has_prefix (rest, "contacts/") && rest[strlen ("contacts/")] != '\0')
    {
      g_ptr_array_add (segments, g_strdup ("contacts"));
      g_ptr_array_add (segments, g_strdup (rest + strlen ("contacts/")));
    }
  else
    {
      parts = g_strsplit (rest, "/", -1);
      for (guint i = 0; parts[i] != NULL; i++)
        {
          if (parts[i][0] == '\0' && parts[i + 1] == NULL)
            break;  /* trailing slash */
          g_ptr_array_add (segments, g_strdup (parts[i]));
        }
    }

  req->n_segments = segments->len;
  g_ptr_array_add (segments, NULL);
  req->segments = (char **) g_ptr_array_free (g_steal_pointer (&segments), FALSE);

  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Callbacks (server thread)                                                 */
/* ------------------------------------------------------------------------- */

/* Routes @req and runs its handler (caller holds the mutex). */
static void
serve (Request *req)
{
  ConcordMockElasticEmail *self = req->self;

  req->query = concord_mock_request_get_query_params (req->request);
  if (parse_path (req, concord_mock_request_get_path (req->request)))
    dispatch (req);
  else
    respond_error (req, SOUP_STATUS_NOT_FOUND, "Not found.");

  if (self->save_path != NULL && !g_str_equal (req->method, "GET") &&
      SOUP_STATUS_IS_SUCCESSFUL (req->status))
    schedule_save (self);
}

/* The framework's route for everything under /v4. */
static void
on_v4_request_cb (ConcordMockRequest *request,
                  gpointer            user_data)
{
  ConcordMockElasticEmail *self = user_data;
  g_auto(Request) req = { .self = self, .request = request };

  req.msg = concord_mock_request_get_message (request);
  req.method = concord_mock_request_get_method (request);

  g_mutex_lock (&self->mutex);
  serve (&req);
  g_mutex_unlock (&self->mutex);

  concord_mock_request_respond (request, req.status, NULL, g_steal_pointer (&req.body));
}

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
  add_string (builder, "Error", message);
  if (error_data != NULL)
    add_string (builder, "ErrorData", error_data);
  json_builder_end_object (builder);

  return builder_to_string (builder);
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
  save_if_unsaved (self);
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

  self->contacts = g_ptr_array_new_with_free_func (contact_free);
  self->contacts_by_key = g_hash_table_new (g_str_hash, g_str_equal);
  self->lists = g_ptr_array_new_with_free_func (list_free);
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
  concord_mock_server_add_route (self->server, NULL, "/v4", on_v4_request_cb, self, NULL);
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
  define_custom_field (self, name);
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
  ensure_list (self, name, now_seconds (), &created);
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
  ok = store_contact_object (self, json_node_get_object (root), error);
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
  Contact *contact;
  char *json = NULL;

  g_return_val_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self), NULL);
  g_return_val_if_fail (email != NULL, NULL);

  g_mutex_lock (&self->mutex);
  contact = lookup_contact (self, email);
  if (contact != NULL)
    json = contact_to_string (contact);
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
  List *list;

  g_return_val_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self), NULL);
  g_return_val_if_fail (list_name != NULL, NULL);

  g_mutex_lock (&self->mutex);
  list = lookup_list (self, list_name);
  if (list != NULL)
    {
      builder = g_strv_builder_new ();
      for (guint i = 0; i < list->members->len; i++)
        {
          Contact *contact = g_ptr_array_index (list->members, i);

          g_strv_builder_add (builder, contact->email);
        }
    }
  g_mutex_unlock (&self->mutex);

  return builder != NULL ? g_strv_builder_end (builder) : NULL;
}

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
            define_custom_field (self, name);
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
          const char *name = object != NULL ? get_string_member (object, "ListName")
                                            : json_node_get_string (item);
          gboolean created;
          List *list;

          if (name == NULL)
            {
              g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                   "A list without ListName");
              return FALSE;
            }

          list = ensure_list (self, name, object != NULL ? parse_date (object, "DateAdded") : 0,
                              &created);
          if (list->date_added == 0)
            list->date_added = now_seconds ();
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
          Contact *contact;

          if (!JSON_NODE_HOLDS_OBJECT (item))
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "Contact %u is not an object", i);
              return FALSE;
            }

          object = json_node_get_object (item);
          if (!store_contact_object (self, object, error))
            return FALSE;

          contact = lookup_contact (self, get_string_member (object, "Email"));
          lists = json_object_get_member (object, "Lists");
          if (lists != NULL && JSON_NODE_HOLDS_ARRAY (lists))
            {
              JsonArray *names = json_node_get_array (lists);

              for (guint j = 0; j < json_array_get_length (names); j++)
                {
                  const char *name = json_array_get_string_element (names, j);
                  gboolean created;

                  if (name != NULL)
                    list_add_member (ensure_list (self, name, now_seconds (), &created), contact);
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
  ok = save_account (self, path, error);
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
  List *newsletter;
  List *customers;
  List *vip;
  gboolean created;

  g_return_if_fail (CONCORD_IS_MOCK_ELASTICEMAIL (self));

  g_mutex_lock (&self->mutex);

  define_custom_field (self, "city");
  define_custom_field (self, "age");
  define_custom_field (self, "plan");
  newsletter = ensure_list (self, "Newsletter", base, &created);
  customers = ensure_list (self, "Customers", base, &created);
  vip = ensure_list (self, "VIP", base, &created);

  for (guint i = 0; i < n_contacts; i++)
    {
      char email[64];
      Contact *contact;
      guint roll = g_rand_int_range (rand, 0, 100);
      gint64 added = base + (gint64) i * 60;

      g_snprintf (email, sizeof email, "person%u@example.com", i);
      contact = ensure_contact (self, email, &created);

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

      set_string (&contact->first_name,
                  first_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (first_names))]);
      set_string (&contact->last_name,
                  last_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (last_names))]);

      if (g_rand_int_range (rand, 0, 3) != 0)
        set_custom_field (contact, "city", cities[g_rand_int_range (rand, 0, G_N_ELEMENTS (cities))]);
      if (g_rand_boolean (rand))
        {
          char age[16];

          g_snprintf (age, sizeof age, "%d", g_rand_int_range (rand, 18, 90));
          set_custom_field (contact, "age", age);
        }
      if (i % 7 == 0)
        set_custom_field (contact, "plan", i % 14 == 0 ? "pro" : "free");

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
        list_add_member (newsletter, contact);
      if (g_rand_int_range (rand, 0, 3) == 0)
        list_add_member (customers, contact);
      if (g_rand_int_range (rand, 0, 20) == 0)
        list_add_member (vip, contact);
    }

  g_mutex_unlock (&self->mutex);
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
