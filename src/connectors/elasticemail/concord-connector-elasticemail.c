/* concord-connector-elasticemail.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Elastic Email, through its REST API v4 (see
 * specs/elasticemail-v4-contacts.md for the facts and their uncertainties),
 * on ConcordRestConnector and ConcordHttpClient, which do the requests
 * (the key only as the X-ElasticEmail-ApiKey header, MAX_IN_FLIGHT at once,
 * retries, bounded and repaired answers), the listing loop, fetch by id,
 * chunked creates with 413 halving, the requests of a multi-step update,
 * offset-paged collections, schema samples and custom fields. What is left
 * here is Elastic Email's: its field tables, its error bodies, its list
 * membership, the steps of its update.
 *
 * Errors. v4 answers 400 for a refused key and for a key without the
 * needed access level, so a 400 is told apart by its {"Error": …} body;
 * 412 is a refusal of the account (plan limits) or the data, not a
 * conflict (refine_error()). Labels name endpoints with placeholders
 * ("PUT /contacts/{email}"), never an address.
 *
 * Listing. GET /contacts has only limit/offset, no order guarantee, no
 * total and an undocumented maximum limit: we ask for PAGE_LIMIT, advance
 * the offset by what actually came back, and stop at the first empty page,
 * which is the only page marked complete. There is no "changed since"
 * filter, so every listing is a full one. A page longer than asked, or one
 * whose contacts were all on the page before (a server that ignores the
 * offset: ConcordRestConnector), ends the listing with an error instead of
 * paging for ever.
 *
 * Lists. A contact does not say which lists it is on; the first page of a
 * listing reads GET /lists and every list's members and keeps the map
 * email → list names for the pages that follow (and for fetch and update
 * echoes). GET /lists/{name}/contacts has been reported to ignore its
 * offset: a page starting with the same email as the page before gives it
 * away, and the list is then read once more as a single huge page (all
 * that can still work). There are at most MAX_LISTS lists and
 * MAX_MEMBERSHIPS memberships, and no page may be longer than asked.
 * Lists are never created here: POST /lists with no Emails may put every
 * contact on the new list [unverified], so a missing list is an error.
 *
 * Custom fields. v4 has no endpoint that lists an account's custom fields;
 * they are learnt from the contacts read: the first schema load reads
 * every page up to MAX_SCHEMA_PAGES, later loads the first page, and every
 * page listed adds what it uses. A field no contact uses yet is declared
 * by the user (the option "custom_fields"). POST /contacts silently drops
 * custom fields the account does not have, so a write compares what it
 * sent with what was echoed and fails the record, naming the field.
 *
 * Status. ContactUpdatePayload has no Status: the one status change the API
 * allows is to unsubscribe, through POST /suppressions/unsubscribes. Any
 * other status change (and any consent change) is refused for that field
 * alone (concord_write_result_add_refused()). An unsubscribe goes out
 * before the profile PUT, so a process killed between the two never
 * leaves a contact renamed but still subscribed.
 */

#define G_LOG_DOMAIN "concord-connector-elasticemail"

#include "config.h"

#include <string.h>

#include "concord-connector-elasticemail.h"
#include "concord-connector-elasticemail-private.h"
#include "concord-error.h"
#include "concord-json-private.h"
#include "concord-rest-connector.h"

#define EE_APP_ID          "elasticemail"
#define EE_APP_NAME        "Elastic Email"
#define CONTACT_TYPE_ID    "contacts"
#define CONTACT_TYPE_LABEL "Contacts"
#define API_KEY_HEADER     "X-ElasticEmail-ApiKey"
#define MAX_BATCH          1000
#define PAGE_LIMIT         100
/* The budget automatic schedules keep to 1 % of, in requests an hour.
 * Elastic Email documents none (specs/elasticemail-v4-contacts.md, "Rate
 * limiting": only a limit of 20 concurrent connections, answered with
 * 429). Assumed, to be safe: those 20 connections each making one request
 * a second, 72,000 an hour; 1 % of it lets a 1,000-contact account (10
 * pages) be read every minute. */
#define RATE_BUDGET        (20 * 3600)
#define LISTS_PAGE_LIMIT   200
/* One page for a whole list, when the server ignores the offset. */
#define FALLBACK_LIMIT     100000
/* The first schema load reads at most this many pages (10,000 contacts);
 * fields first used further on are learnt by the listing, and the same
 * sync runs once more with them (concord_sync_run_connection()). */
#define MAX_SCHEMA_PAGES   100
#define MAX_IN_FLIGHT      4
#define MAX_ERROR_BODY_BYTES (64 * 1024)
/* The longest value a listing accepts, and the longest email (RFC 5321). */
#define MAX_VALUE_BYTES    (64 * 1024)
#define MAX_EMAIL_BYTES    254
/* Bounds on what membership paging accepts. */
#define MAX_LISTS          10000
#define MAX_MEMBERSHIPS    1000000

struct _ConcordConnectorElasticEmail
{
  ConcordRestConnector  parent_instance;

  ConcordHttpClient    *client;          /* (owned): also the base's */
  guint                 max_schema_pages;/* MAX_SCHEMA_PAGES but in tests */
  gboolean              schema_read;     /* a schema load has read every page */
  GHashTable           *membership;      /* (owned) (nullable): email → set of list names */
};

G_DEFINE_FINAL_TYPE (ConcordConnectorElasticEmail, concord_connector_elasticemail,
                     CONCORD_TYPE_REST_CONNECTOR)

/* The members read and written as they are (Source only read), shared by
 * parsing and payload building. */
static const struct
{
  const char       *key;
  ConcordFieldType  type;
  const char       *member;
  gboolean          writable;
} text_members[] = {
  { CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, "FirstName", TRUE },
  { CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING, "LastName", TRUE },
  { CONCORD_FIELD_SOURCE, CONCORD_FIELD_TYPE_ENUM, "Source", FALSE },
};

/* The API's ContactStatus names and ours. */
static const struct
{
  const char *api;
  const char *canonical;
} status_names[] = {
  { "Transactional", "transactional" },
  { "Engaged", "engaged" },
  { "Active", "active" },
  { "Bounced", "bounced" },
  { "Unsubscribed", "unsubscribed" },
  { "Abuse", "abuse" },
  { "Inactive", "inactive" },
  { "Stale", "stale" },
  { "NotConfirmed", "not_confirmed" },
};

static const char *status_choices[] = {
  "active", "engaged", "inactive", "not_confirmed", "transactional",
  "unsubscribed", "bounced", "abuse", "stale", NULL
};
static const char *source_choices[] = {
  "DeliveryApi", "ManualInput", "FileUpload", "WebForm", "ContactApi", "VerificationApi",
  "FileVerificationApi", "PilotBillingPlan", "PaidNewsletter", NULL
};
static const char *consent_choices[] = { "unknown", "allow", "deny", NULL };

/* 412 messages known to carry no contact data; any other is left out. */
static const char *safe_412_messages[] = {
  "Too many contacts for current billing plan.",
  "List not found.",
  "Invalid email address.",
  NULL
};

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static char *
escape_segment (const char *text)
{
  /* No reserved character allowed: '+' becomes %2B, '@' %40, '/' %2F. */
  return g_uri_escape_string (text, NULL, FALSE);
}

static const char *
status_to_canonical (const char *api)
{
  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
    if (g_ascii_strcasecmp (status_names[i].api, api) == 0 ||
        g_ascii_strcasecmp (status_names[i].canonical, api) == 0)
      return status_names[i].canonical;

  return NULL;
}

static const char *
status_to_api (const char *canonical)
{
  const char *known = status_to_canonical (canonical);

  for (guint i = 0; known != NULL && i < G_N_ELEMENTS (status_names); i++)
    if (g_str_equal (status_names[i].canonical, known))
      return status_names[i].api;

  return NULL;
}

static const char *
consent_to_api (const char *canonical)
{
  static const char *names[] = { "Allow", "Deny", "Unknown" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (canonical, names[i]) == 0)
      return names[i];

  return NULL;
}

/* The text of a member: see concord_rest_json_text(). */
static char *
member_text (JsonObject *object,
             const char *name)
{
  return concord_rest_json_text (object, name, MAX_VALUE_BYTES, NULL);
}

/* The folded email of the Contact object at @node, or NULL. */
static char *
node_email (JsonNode *node)
{
  g_autofree char *text = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  text = member_text (json_node_get_object (node), "Email");
  return concord_email_fold (text);
}

static void
membership_add (GHashTable *membership,
                const char *email,
                const char *list_name)
{
  GHashTable *lists = g_hash_table_lookup (membership, email);

  if (lists == NULL)
    {
      lists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_insert (membership, g_strdup (email), lists);
    }

  g_hash_table_add (lists, g_strdup (list_name));
}

static void
set_lists_field (ConcordRecord *record,
                 GHashTable    *lists)
{
  g_autofree const char **names = NULL;

  if (lists == NULL || g_hash_table_size (lists) == 0)
    {
      concord_record_remove (record, CONCORD_FIELD_LISTS);
      return;
    }

  names = (const char **) g_hash_table_get_keys_as_array (lists, NULL);
  concord_record_set_set (record, CONCORD_FIELD_LISTS, names);

  /* A list name read with a repair is not the user's. */
  for (guint i = 0; names[i] != NULL; i++)
    if (strstr (names[i], "\xef\xbf\xbd") != NULL)
      concord_record_mark_altered (record, CONCORD_FIELD_LISTS);
}

/* A Contact object as a record; NULL when it has no email. The email is
 * kept as the server gave it (the remote id is its folded form); a field
 * whose value had to be repaired is marked altered, so it is never
 * written across, and a repaired email never matches nor creates. */
static ConcordRecord *
parse_contact (ConcordConnectorElasticEmail *self,
               JsonNode                     *node)
{
  g_autoptr(ConcordRecord) record = NULL;
  g_autofree char *email = NULL;
  g_autofree char *remote_id = NULL;
  g_autofree char *text = NULL;
  JsonObject *object;
  JsonNode *email_node;
  gboolean repaired = FALSE;
  gint64 modified = -1;
  static const char *dates[] = { "DateAdded", "DateUpdated", "StatusChangeDate" };

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  object = json_node_get_object (node);
  email_node = json_object_get_member (object, "Email");
  if (email_node == NULL || !JSON_NODE_HOLDS_VALUE (email_node) ||
      json_node_get_value_type (email_node) != G_TYPE_STRING)
    return NULL;

  /* Anything with an @ is kept: a strict check would make real but odd
   * addresses vanish from a complete listing, i.e. look deleted. A
   * repaired one is kept too, marked: the planner skips it, saying why. */
  email = concord_http_repaired_text (json_node_get_string (email_node), MAX_VALUE_BYTES,
                                      &repaired);
  remote_id = concord_email_fold (email);
  if (remote_id == NULL || strchr (remote_id, '@') == NULL)
    return NULL;

  if (strlen (email) > MAX_EMAIL_BYTES)
    {
      /* Longer than any address can be (RFC 5321): kept cut and marked,
       * so it neither matches nor creates (its remote id stays whole, for
       * it is the app's name of the contact). */
      g_autofree char *cut = concord_http_cut_text (email, MAX_EMAIL_BYTES);

      g_free (email);
      email = g_steal_pointer (&cut);
      repaired = TRUE;
    }

  record = concord_record_new (remote_id);
  concord_rest_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email,
                                repaired);
  for (guint i = 0; i < G_N_ELEMENTS (text_members); i++)
    concord_rest_record_set_member (record, text_members[i].key, text_members[i].type, object,
                                    text_members[i].member, MAX_VALUE_BYTES);

  repaired = FALSE;
  text = concord_rest_json_text (object, "Status", MAX_VALUE_BYTES, &repaired);
  /* Unknown values (numbers too) are kept as given. */
  concord_rest_record_set_text (record, CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM,
            text != NULL && status_to_canonical (text) != NULL ? status_to_canonical (text) : text,
            repaired);
  g_clear_pointer (&text, g_free);


  repaired = FALSE;
  text = concord_rest_json_text (concord_rest_json_object (object, "Consent"), "ConsentTracking",
                                 MAX_VALUE_BYTES, &repaired);
  if (text == NULL)
    text = concord_rest_json_text (object, "ConsentTracking", MAX_VALUE_BYTES, &repaired);
  if (text != NULL)
    {
      const char *api = consent_to_api (text);
      g_autofree char *lower = api != NULL ? g_ascii_strdown (api, -1) : NULL;

      concord_rest_record_set_text (record, CONCORD_FIELD_CONSENT, CONCORD_FIELD_TYPE_ENUM,
                lower != NULL ? lower : text, repaired);
    }
  g_clear_pointer (&text, g_free);

  for (guint i = 0; i < G_N_ELEMENTS (dates); i++)
    {
      g_autofree char *date = member_text (object, dates[i]);
      gint64 when = concord_rest_parse_datetime (date);

      if (when >= 0 && i == 0)
        concord_record_set_datetime (record, CONCORD_FIELD_CREATED_AT, when);
      else if (when >= 0 && i == 1)
        concord_record_set_datetime (record, CONCORD_FIELD_UPDATED_AT, when);
      if (i > 0)
        modified = MAX (modified, when);
    }
  if (modified >= 0)
    concord_record_set_modified (record, modified);

  concord_rest_connector_read_custom_fields (CONCORD_REST_CONNECTOR (self), record,
                                             concord_rest_json_object (object, "CustomFields"),
                                             MAX_VALUE_BYTES);

  if (self->membership != NULL)
    set_lists_field (record, g_hash_table_lookup (self->membership, remote_id));

  return g_steal_pointer (&record);
}

static gboolean
change_clears (const ConcordRecordChange *change,
               const char                *key)
{
  return change->clear != NULL && g_strv_contains ((const char * const *) change->clear, key);
}

static gboolean
change_touches_lists (const ConcordRecordChange *change)
{
  return (change->set != NULL && concord_record_get (change->set, CONCORD_FIELD_LISTS) != NULL) ||
         change_clears (change, CONCORD_FIELD_LISTS);
}

/* ------------------------------------------------------------------------- */
/* Requests                                                                  */
/* ------------------------------------------------------------------------- */

/* Elastic Email's error bodies (ConcordHttpRefineError): its 400 carries
 * auth failures, and 412 is a refusal of the account or the data. */
static gboolean
refine_error (guint        status,
              GBytes      *body,
              const char  *label,
              GError     **error,
              gpointer     user_data)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *message = NULL;
  g_autofree char *folded = NULL;
  gconstpointer data;
  gsize length;

  data = body != NULL ? g_bytes_get_data (body, &length) : NULL;
  if (data != NULL && length > 0 &&
      (root = concord_json_parse (data, (gssize) length, MAX_ERROR_BODY_BYTES, NULL)) != NULL &&
      JSON_NODE_HOLDS_OBJECT (root))
    message = member_text (json_node_get_object (root), "Error");
  folded = message != NULL ? g_utf8_casefold (message, -1) : NULL;

  if (status == SOUP_STATUS_BAD_REQUEST && folded != NULL &&
      strstr (folded, "access denied") != NULL)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                 "%s failed: the API key lacks the contacts permission (Access Denied)", label);
  else if (status == SOUP_STATUS_BAD_REQUEST && folded != NULL &&
           (strstr (folded, "apikey") != NULL || strstr (folded, "api key") != NULL ||
            strstr (folded, "api-key") != NULL))
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                 "%s failed: Elastic Email refused the API key", label);
  else if (status == SOUP_STATUS_PRECONDITION_FAILED)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED, "%s failed: HTTP 412: %s", label,
                 message != NULL && g_strv_contains (safe_412_messages, message)
                 ? message
                 : "Elastic Email refused the data or the account's limits were reached");
  else
    return FALSE;

  return TRUE;
}

/*
 * new_request:
 * @path: path and query after the base URL, already encoded
 * @label: the endpoint for messages, without personal data
 * @body: (nullable): JSON to send
 *
 * Every Elastic Email request may be repeated: POST /contacts is an
 * upsert, and list and suppression changes are set operations.
 */
static ConcordHttpRequest *
new_request (const char *method,
             const char *path,
             const char *label,
             JsonNode   *body)
{
  ConcordHttpRequest *request = concord_http_request_new (method, path, label);

  concord_http_request_set_flags (request, CONCORD_HTTP_IDEMPOTENT);
  if (body != NULL)
    concord_http_request_set_json (request, body);
  return request;
}

/* For the fuzz targets (concord-connector-elasticemail-private.h). */
ConcordRecord *
_concord_connector_elasticemail_parse_contact (ConcordConnectorElasticEmail *self,
                                               JsonNode                     *node)
{
  return parse_contact (self, node);
}

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
        name = member_text (json_node_get_object (node), "ListName");
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
      g_autofree char *email = node_email (json_array_get_element (page, i));

      if (email != NULL)
        membership_add (state->membership, email, list_name);
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
static void
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
      g_autofree char *escaped = escape_segment (list_name);
      g_autofree char *path = g_strdup_printf ("/lists/%s/contacts?limit=%u&offset=0", escaped,
                                               FALLBACK_LIMIT);

      g_debug ("GET /lists/{name}/contacts repeated a page: the server ignores the offset");
      state->n_paged = n_read;
      concord_http_client_send_json_async (self->client,
                                           new_request ("GET", path, "GET /lists/{name}/contacts",
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
      escaped = escape_segment (g_ptr_array_index (state->lists, state->list_index));
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
static void
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
    touches_lists |= change_touches_lists (g_ptr_array_index (inputs, i));

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

/* ------------------------------------------------------------------------- */
/* Schema                                                                    */
/* ------------------------------------------------------------------------- */

static GPtrArray *
build_schema (ConcordConnectorElasticEmail *self)
{
  GPtrArray *specs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

  concord_rest_add_field_spec (specs, CONCORD_FIELD_EMAIL, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_FIRST_NAME, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_LAST_NAME, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_STATUS, status_choices, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_SOURCE, source_choices, TRUE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_CONSENT, consent_choices, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_CREATED_AT, NULL, TRUE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_UPDATED_AT, NULL, TRUE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_LISTS, NULL, FALSE);

  concord_rest_connector_add_custom_specs (CONCORD_REST_CONNECTOR (self), specs);

  return specs;
}

static void
on_schema_sampled_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorElasticEmail *self = g_task_get_source_object (task);
  GError *error = NULL;

  /* Parsing the contacts recorded their custom fields. */
  if (!concord_rest_connector_sample_finish (CONCORD_REST_CONNECTOR (self), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* The task data: whether this load read every page it could. */
  if (g_task_get_task_data (task) != NULL)
    self->schema_read = TRUE;
  g_task_return_pointer (task, build_schema (self), (GDestroyNotify) g_ptr_array_unref);
}

static void
concord_connector_elasticemail_load_schema_async (ConcordConnector    *connector,
                                                  const char          *contact_type,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (connector);
  GTask *task;
  guint max_pages = self->schema_read ? 1 : self->max_schema_pages;

  task = concord_connector_task_new (connector, concord_connector_elasticemail_load_schema_async,
                                     cancellable, callback, user_data);
  g_task_set_task_data (task, GUINT_TO_POINTER (!self->schema_read), NULL);
  concord_rest_connector_sample_async (CONCORD_REST_CONNECTOR (self), contact_type, max_pages,
                                       cancellable, on_schema_sampled_cb, task);
}

/* ------------------------------------------------------------------------- */
/* List, fetch, create                                                       */
/* ------------------------------------------------------------------------- */

static ConcordHttpRequest *
concord_connector_elasticemail_build_list_request (ConcordRestConnector  *connector,
                                                   const char            *contact_type,
                                                   const char            *page_token,
                                                   GError               **error)
{
  g_autofree char *path = NULL;
  guint64 offset = 0;

  if (page_token != NULL &&
      !g_ascii_string_to_unsigned (page_token, 10, 0, G_MAXINT32, &offset, NULL))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "Invalid page token for Elastic Email");
      return NULL;
    }

  path = g_strdup_printf ("/contacts?limit=%u&offset=%" G_GUINT64_FORMAT, PAGE_LIMIT, offset);
  return concord_http_request_new ("GET", path, "GET /contacts");
}

static gboolean
concord_connector_elasticemail_parse_page (ConcordRestConnector  *connector,
                                           const char            *contact_type,
                                           const char            *page_token,
                                           JsonNode              *root,
                                           SoupMessageHeaders    *headers,
                                           ConcordPage           *page,
                                           GError               **error)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (connector);
  JsonArray *array = concord_rest_json_array (root, "GET /contacts", error);
  guint n;

  if (array == NULL)
    return FALSE;

  n = json_array_get_length (array);
  if (n > PAGE_LIMIT)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "GET /contacts failed: the server sent %u contacts for a page of %u; the "
                   "listing stops", n, PAGE_LIMIT);
      return FALSE;
    }

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      ConcordRecord *record = parse_contact (self, node);
      JsonNode *email = NULL;
      g_autofree char *id = NULL;

      if (record != NULL)
        {
          g_ptr_array_add (page->records, record);
          continue;
        }

      /* Left out, as before; named for the activity: by its Email, which
       * is the contact's name in Elastic Email, else by its place. */
      if (JSON_NODE_HOLDS_OBJECT (node))
        email = json_object_get_member (json_node_get_object (node), "Email");
      if (email != NULL && JSON_NODE_HOLDS_VALUE (email) &&
          json_node_get_value_type (email) == G_TYPE_STRING &&
          *json_node_get_string (email) != '\0')
        {
          const char *text = json_node_get_string (email);

          id = concord_http_cut_text (text, MAX_EMAIL_BYTES);
          concord_page_add_refusal (page, id != NULL ? id : text,
                                    "its Email is not an email address");
        }
      else
        {
          id = g_strdup_printf ("contact %" G_GUINT64_FORMAT " of the listing",
                                (guint64) concord_rest_page_token_number (page_token) + i + 1);
          concord_page_add_refusal (page, id, JSON_NODE_HOLDS_OBJECT (node)
                                              ? "it has no Email"
                                              : "it is not a contact object");
        }
    }

  return concord_rest_page_next_offset (connector, page, page_token, n, error);
}

static ConcordRecord *
concord_connector_elasticemail_record_from_json (ConcordRestConnector *connector,
                                                 const char           *contact_type,
                                                 JsonNode             *node)
{
  return parse_contact (CONCORD_CONNECTOR_ELASTICEMAIL (connector), node);
}

static ConcordHttpRequest *
concord_connector_elasticemail_build_fetch_request (ConcordRestConnector *connector,
                                                    const char           *contact_type,
                                                    const char           *remote_id)
{
  g_autofree char *escaped = escape_segment (remote_id);
  g_autofree char *path = g_strconcat ("/contacts/", escaped, NULL);

  return concord_http_request_new ("GET", path, "GET /contacts/{email}");
}

static ConcordHttpRequest *
concord_connector_elasticemail_build_verify_request (ConcordRestConnector *connector)
{
  return concord_http_request_new ("GET", "/contacts?limit=1", "GET /contacts");
}

static gboolean
concord_connector_elasticemail_check_verify_answer (ConcordRestConnector  *connector,
                                                    JsonNode              *root,
                                                    GError               **error)
{
  return concord_rest_json_array (root, "GET /contacts", error) != NULL;
}

static GStrv
record_lists (const ConcordRecord *record)
{
  const ConcordValue *value = concord_record_get (record, CONCORD_FIELD_LISTS);

  if (value == NULL || value->type != CONCORD_FIELD_TYPE_STRING_SET || value->v.set == NULL ||
      value->v.set[0] == NULL)
    return NULL;

  return g_strdupv (value->v.set);
}

/* Creates are grouped by list set: listnames applies to a whole request. */
static char *
concord_connector_elasticemail_create_group_key (ConcordRestConnector  *connector,
                                                 const ConcordRecord   *record,
                                                 GError               **error)
{
  const char *email = concord_record_get_text (record, CONCORD_FIELD_EMAIL);
  g_auto(GStrv) lists = record_lists (record);

  if (email == NULL || !concord_email_is_valid (email))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "Elastic Email needs a valid email address for a contact");
      return NULL;
    }

  /* Sets are sorted and distinct: equal sets join to equal keys. */
  return lists != NULL ? g_strjoinv ("\x1f", lists) : g_strdup ("");
}

static void
add_member (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  if (value == NULL)
    return;

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static ConcordHttpRequest *
concord_connector_elasticemail_build_create_request (ConcordRestConnector *connector,
                                                     const char           *contact_type,
                                                     GPtrArray            *records,
                                                     const guint          *indices,
                                                     guint                 n_indices)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GString) path = g_string_new ("/contacts");
  g_auto(GStrv) lists = record_lists (g_ptr_array_index (records, indices[0]));
  ConcordHttpRequest *request;

  for (guint l = 0; lists != NULL && lists[l] != NULL; l++)
    {
      g_autofree char *escaped = escape_segment (lists[l]);

      g_string_append_printf (path, "%slistnames=%s", l == 0 ? "?" : "&", escaped);
    }

  json_builder_begin_array (builder);
  for (guint i = 0; i < n_indices; i++)
    {
      const ConcordRecord *record = g_ptr_array_index (records, indices[i]);
      const char *status = concord_record_get_text (record, CONCORD_FIELD_STATUS);
      const char *consent = concord_record_get_text (record, CONCORD_FIELD_CONSENT);

      json_builder_begin_object (builder);
      add_member (builder, "Email", concord_record_get_text (record, CONCORD_FIELD_EMAIL));
      for (guint t = 0; t < G_N_ELEMENTS (text_members); t++)
        if (text_members[t].writable)
          add_member (builder, text_members[t].member,
                      concord_record_get_text (record, text_members[t].key));
      add_member (builder, "Status", status != NULL ? status_to_api (status) : NULL);
      if (consent != NULL && consent_to_api (consent) != NULL)
        {
          json_builder_set_member_name (builder, "Consent");
          json_builder_begin_object (builder);
          add_member (builder, "ConsentTracking", consent_to_api (consent));
          json_builder_end_object (builder);
        }
      concord_rest_json_add_custom_fields (builder, "CustomFields", record, NULL);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  request = concord_http_request_new ("POST", path->str, "POST /contacts");
  concord_http_request_set_flags (request, CONCORD_HTTP_IDEMPOTENT);
  concord_http_request_set_json (request, root);
  return request;
}

static void
concord_connector_elasticemail_match_created (ConcordRestConnector *connector,
                                              const char           *contact_type,
                                              GPtrArray            *records,
                                              const guint          *indices,
                                              guint                 n_indices,
                                              JsonNode             *answer,
                                              ConcordWriteBatch    *batch)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (connector);
  g_autoptr(GHashTable) echoed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) lists = record_lists (g_ptr_array_index (records, indices[0]));
  g_autoptr(GError) error = NULL;
  JsonArray *array = concord_rest_json_array (answer, "POST /contacts", &error);

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      char *email = node_email (json_array_get_element (array, i));

      if (email != NULL)
        g_hash_table_replace (echoed, email, json_array_get_element (array, i));
    }

  for (guint i = 0; i < n_indices; i++)
    {
      const ConcordRecord *input = g_ptr_array_index (records, indices[i]);
      g_autofree char *key = concord_email_fold (concord_record_get_text (input,
                                                                          CONCORD_FIELD_EMAIL));
      JsonNode *node = key != NULL ? g_hash_table_lookup (echoed, key) : NULL;
      g_autoptr(ConcordRecord) record = NULL;
      g_autoptr(GError) refused = NULL;
      const char *dropped;

      if (error != NULL)
        refused = g_error_copy (error);
      else if (node == NULL)
        refused = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_FAILED,
                                       "POST /contacts: Elastic Email did not store the contact");
      else if ((dropped = concord_rest_find_dropped_custom_field (input, node,
                                                                  "CustomFields")) != NULL)
        refused = g_error_new (CONCORD_ERROR, CONCORD_ERROR_FAILED,
                               "POST /contacts: the account has no custom field %s", dropped);
      else if ((record = parse_contact (self, node)) == NULL)
        refused = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                       "POST /contacts: the echoed contact has no email");
      if (refused != NULL)
        {
          concord_write_batch_set_error (batch, indices[i], refused);
          continue;
        }

      /* The server does not echo memberships; they are what we asked for. */
      for (guint l = 0; self->membership != NULL && lists != NULL && lists[l] != NULL; l++)
        membership_add (self->membership, key, lists[l]);
      if (lists != NULL)
        concord_record_set_set (record, CONCORD_FIELD_LISTS, (const char * const *) lists);
      else
        concord_record_remove (record, CONCORD_FIELD_LISTS);

      concord_write_batch_set_ok (batch, indices[i], record);
    }
}

/* ------------------------------------------------------------------------- */
/* Update                                                                    */
/* ------------------------------------------------------------------------- */

typedef enum
{
  STEP_CHECK_STATUS,
  STEP_UNSUBSCRIBE,
  STEP_PUT,
  STEP_LISTS,
  STEP_ECHO,
} UpdateStep;

/* One change's own state (ConcordRestUpdate.data); its step is update->step. */
typedef struct
{
  char      *email;        /* (owned): folded */
  char      *escaped;      /* (owned): @email for a path */
  char      *want_status;  /* (owned) (nullable): canonical */
  char      *want_consent; /* (owned) (nullable): canonical */
  GPtrArray *list_ops;     /* (owned) (nullable): "+name" / "-name" */
  guint      list_op;
} UpdateOp;

static void
update_op_free (UpdateOp *op)
{
  g_free (op->email);
  g_free (op->escaped);
  g_free (op->want_status);
  g_free (op->want_consent);
  g_clear_pointer (&op->list_ops, g_ptr_array_unref);
  g_free (op);
}

/* The PUT body, or NULL when the change touches no updatable field. */
static JsonNode *
update_payload (const ConcordRecordChange *change)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const ConcordRecord *set = change->set;
  gboolean any = FALSE;

  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (text_members); i++)
    {
      const char *key = text_members[i].key;
      const char *text = set != NULL ? concord_record_get_text (set, key) : NULL;

      if (text_members[i].writable && (text != NULL || change_clears (change, key)))
        {
          add_member (builder, text_members[i].member, text != NULL ? text : "");
          any = TRUE;
        }
    }
  any |= concord_rest_json_add_custom_fields (builder, "CustomFields", set,
                                              (const char * const *) change->clear);
  json_builder_end_object (builder);

  return any ? json_builder_get_root (builder) : NULL;
}

/* Status and consent cannot be written (but for unsubscribing): a change
 * is refused for that field alone unless the contact has the value. */
static void
update_op_check_status (ConcordConnectorElasticEmail *self,
                        ConcordRestUpdate            *update,
                        JsonNode                     *root)
{
  UpdateOp *op = update->data;
  g_autoptr(ConcordRecord) current = parse_contact (self, root);
  const char *status = current != NULL ? concord_record_get_text (current, CONCORD_FIELD_STATUS)
                                       : NULL;
  const char *consent = current != NULL ? concord_record_get_text (current, CONCORD_FIELD_CONSENT)
                                        : NULL;

  /* ConsentTracking defaults to Unknown. */
  if (op->want_consent != NULL && g_strcmp0 (consent ?: "unknown", op->want_consent) != 0)
    concord_rest_update_refuse (update, CONCORD_FIELD_CONSENT,
                                g_strdup_printf ("Elastic Email does not allow changing the "
                                                 "consent to %s through its API",
                                                 op->want_consent));

  if (op->want_status != NULL && g_strcmp0 (status, op->want_status) != 0 &&
      g_strcmp0 (op->want_status, "unsubscribed") != 0)
    {
      concord_rest_update_refuse (update, CONCORD_FIELD_STATUS,
                                  g_strdup_printf ("Elastic Email does not allow changing the "
                                                   "status to %s through its API",
                                                   op->want_status));
      g_clear_pointer (&op->want_status, g_free);
    }
  if (g_strcmp0 (status, op->want_status) == 0)
    g_clear_pointer (&op->want_status, g_free);
  g_clear_pointer (&op->want_consent, g_free);
}

/* The request of the first step from update->step on that has work to do. */
static ConcordHttpRequest *
update_op_next (ConcordRestUpdate *update)
{
  UpdateOp *op = update->data;
  g_autofree char *path = g_strconcat ("/contacts/", op->escaped, NULL);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;

  if (update->step == STEP_CHECK_STATUS &&
      ((op->want_status != NULL && g_strcmp0 (op->want_status, "unsubscribed") != 0) ||
       op->want_consent != NULL))
    return new_request ("GET", path, "GET /contacts/{email}", NULL);

  if (update->step <= STEP_UNSUBSCRIBE && g_strcmp0 (op->want_status, "unsubscribed") == 0)
    {
      update->step = STEP_UNSUBSCRIBE;
      json_builder_begin_array (builder);
      json_builder_add_string_value (builder, op->email);
      json_builder_end_array (builder);
      body = json_builder_get_root (builder);
      return new_request ("POST", "/suppressions/unsubscribes",
                          "POST /suppressions/unsubscribes", body);
    }

  if (update->step <= STEP_PUT && (body = update_payload (update->change)) != NULL)
    {
      update->step = STEP_PUT;
      return new_request ("PUT", path, "PUT /contacts/{email}", body);
    }

  if (update->step <= STEP_LISTS && op->list_ops != NULL && op->list_op < op->list_ops->len)
    {
      const char *op_text = g_ptr_array_index (op->list_ops, op->list_op);
      g_autofree char *escaped = escape_segment (op_text + 1);
      g_autofree char *list_path = g_strconcat ("/lists/", escaped, "/contacts",
                                                op_text[0] == '+' ? NULL : "/remove", NULL);

      update->step = STEP_LISTS;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "Emails");
      json_builder_begin_array (builder);
      json_builder_add_string_value (builder, op->email);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      body = json_builder_get_root (builder);
      return new_request ("POST", list_path,
                          op_text[0] == '+' ? "POST /lists/{name}/contacts"
                                            : "POST /lists/{name}/contacts/remove",
                          body);
    }

  update->step = STEP_ECHO;
  return new_request ("GET", path, "GET /contacts/{email}", NULL);
}

/* Prepares one change; FALSE (with @error) when it cannot be made at all. */
static gboolean
update_op_prepare (ConcordConnectorElasticEmail  *self,
                   ConcordRestUpdate             *update,
                   GError                       **error)
{
  UpdateOp *op = g_new0 (UpdateOp, 1);
  const ConcordRecord *set = update->change->set;
  const char *text;
  const ConcordValue *lists_value;

  update->data = op;
  update->data_free = (GDestroyNotify) update_op_free;
  op->email = concord_email_fold (update->change->remote_id);
  if (op->email == NULL)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "The change has no remote id");
      return FALSE;
    }
  op->escaped = escape_segment (op->email);

  if (set != NULL && (text = concord_record_get_text (set, CONCORD_FIELD_EMAIL)) != NULL &&
      !concord_value_equal (concord_record_get (set, CONCORD_FIELD_EMAIL),
                            &(ConcordValue) { .type = CONCORD_FIELD_TYPE_EMAIL,
                                              .v.text = op->email }))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                           "Elastic Email does not allow changing a contact's email address");
      return FALSE;
    }

  if (set != NULL && (text = concord_record_get_text (set, CONCORD_FIELD_STATUS)) != NULL)
    op->want_status = g_strdup (status_to_canonical (text) != NULL ? status_to_canonical (text)
                                                                    : text);

  if (set != NULL && (text = concord_record_get_text (set, CONCORD_FIELD_CONSENT)) != NULL)
    op->want_consent = g_ascii_strdown (text, -1);

  lists_value = set != NULL ? concord_record_get (set, CONCORD_FIELD_LISTS) : NULL;
  if (change_touches_lists (update->change))
    {
      GHashTable *current = self->membership != NULL
                            ? g_hash_table_lookup (self->membership, op->email) : NULL;
      const char * const *wanted = (lists_value != NULL &&
                                    lists_value->type == CONCORD_FIELD_TYPE_STRING_SET)
                                   ? (const char * const *) lists_value->v.set : NULL;
      GHashTableIter iter;
      gpointer name;

      op->list_ops = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; wanted != NULL && wanted[i] != NULL; i++)
        if (current == NULL || !g_hash_table_contains (current, wanted[i]))
          g_ptr_array_add (op->list_ops, g_strconcat ("+", wanted[i], NULL));

      if (current != NULL)
        {
          g_hash_table_iter_init (&iter, current);
          while (g_hash_table_iter_next (&iter, &name, NULL))
            if (wanted == NULL || !g_strv_contains (wanted, name))
              g_ptr_array_add (op->list_ops, g_strconcat ("-", (const char *) name, NULL));
        }
    }

  return TRUE;
}

/* ConcordRestConnector's update, a few requests per change: the status
 * check, the unsubscribe, the PUT, each membership change, the echo. */
static ConcordHttpRequest *
concord_connector_elasticemail_update_step (ConcordRestConnector  *connector,
                                            ConcordRestUpdate     *update,
                                            JsonNode              *answer,
                                            GError               **error)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (connector);
  UpdateOp *op = update->data;
  const char *dropped;

  if (op == NULL)
    return update_op_prepare (self, update, error) ? update_op_next (update) : NULL;

  if (g_error_matches (update->failure, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND) &&
      update->step == STEP_LISTS)
    {
      /* This endpoint skips unknown contacts; a 404 is about the list,
       * which must not read as "the record is gone". */
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                           "POST /lists/{name}/contacts failed: Elastic Email has no "
                           "such list (lists are not created automatically)");
      return NULL;
    }
  if (update->failure != NULL)
    return NULL;

  switch ((UpdateStep) update->step)
    {
    case STEP_CHECK_STATUS:
      update_op_check_status (self, update, answer);
      update->step = STEP_UNSUBSCRIBE;
      break;

    case STEP_UNSUBSCRIBE:
      update->step = STEP_PUT;
      break;

    case STEP_PUT:
      if ((dropped = concord_rest_find_dropped_custom_field (update->change->set, answer,
                                                          "CustomFields")) != NULL)
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                       "PUT /contacts/{email}: the account has no custom field %s", dropped);
          return NULL;
        }
      update->step = STEP_LISTS;
      break;

    case STEP_LISTS:
      {
        const char *op_text = g_ptr_array_index (op->list_ops, op->list_op++);
        GHashTable *lists = self->membership != NULL
                            ? g_hash_table_lookup (self->membership, op->email) : NULL;

        if (op_text[0] == '+' && self->membership != NULL)
          membership_add (self->membership, op->email, op_text + 1);
        else if (lists != NULL)
          g_hash_table_remove (lists, op_text + 1);
      }
      break;

    case STEP_ECHO:
    default:
      return NULL;
    }

  return update_op_next (update);
}

/* ------------------------------------------------------------------------- */
/* ConcordConnector                                                          */
/* ------------------------------------------------------------------------- */

static const ConcordRestAppTraits traits = {
  .app_id = EE_APP_ID,
  .app_name = EE_APP_NAME,
  .contact_type = CONTACT_TYPE_ID,
  .contact_type_label = CONTACT_TYPE_LABEL,
  .flags = CONCORD_CONNECTOR_MODIFIED_TIMES,
  .page_size = PAGE_LIMIT,
  .rate_budget = RATE_BUDGET,
};

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_connector_elasticemail_dispose (GObject *object)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (object);

  g_clear_object (&self->client);
  g_clear_pointer (&self->membership, g_hash_table_unref);

  G_OBJECT_CLASS (concord_connector_elasticemail_parent_class)->dispose (object);
}

static void
concord_connector_elasticemail_class_init (ConcordConnectorElasticEmailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ConcordConnectorClass *connector_class = CONCORD_CONNECTOR_CLASS (klass);
  ConcordRestConnectorClass *rest_class = CONCORD_REST_CONNECTOR_CLASS (klass);

  object_class->dispose = concord_connector_elasticemail_dispose;

  connector_class->load_schema_async = concord_connector_elasticemail_load_schema_async;
  connector_class->list_choices_async = concord_connector_elasticemail_list_choices_async;

  rest_class->traits = &traits;
  rest_class->build_list_request = concord_connector_elasticemail_build_list_request;
  rest_class->parse_page = concord_connector_elasticemail_parse_page;
  rest_class->record_from_json = concord_connector_elasticemail_record_from_json;
  rest_class->build_fetch_request = concord_connector_elasticemail_build_fetch_request;
  rest_class->create_group_key = concord_connector_elasticemail_create_group_key;
  rest_class->build_create_request = concord_connector_elasticemail_build_create_request;
  rest_class->match_created = concord_connector_elasticemail_match_created;
  rest_class->update_step = concord_connector_elasticemail_update_step;
  rest_class->build_verify_request = concord_connector_elasticemail_build_verify_request;
  rest_class->check_verify_answer = concord_connector_elasticemail_check_verify_answer;
  rest_class->prepare_async = concord_connector_elasticemail_prepare_async;
}

static void
concord_connector_elasticemail_init (ConcordConnectorElasticEmail *self)
{
  self->max_schema_pages = MAX_SCHEMA_PAGES;
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_connector_elasticemail_new:
 * @base_url: (nullable): the API's base URL; %NULL for
 *   %CONCORD_ELASTICEMAIL_DEFAULT_BASE_URL
 * @api_key: the account's API key; kept in memory only
 *
 * Makes a connector for the thread-default main context of the caller,
 * the only context it may be used on.
 *
 * Returns: (transfer full): a new connector
 */
ConcordConnectorElasticEmail *
concord_connector_elasticemail_new (const char *base_url,
                                    const char *api_key)
{
  ConcordConnectorElasticEmail *self;

  g_return_val_if_fail (api_key != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_CONNECTOR_ELASTICEMAIL, NULL);
  self->client = concord_http_client_new (base_url != NULL ? base_url
                                                           : CONCORD_ELASTICEMAIL_DEFAULT_BASE_URL,
                                          EE_APP_NAME);
  concord_http_client_set_auth_header (self->client, API_KEY_HEADER, api_key);
  concord_http_client_set_limits (self->client, MAX_IN_FLIGHT, CONCORD_HTTP_DEFAULT_MAX_RETRIES,
                                  CONCORD_HTTP_DEFAULT_RETRY_BASE_MS);
  concord_http_client_set_refine_error (self->client, refine_error, NULL);
  concord_rest_connector_set_client (CONCORD_REST_CONNECTOR (self), self->client);
  concord_rest_connector_set_max_batch (CONCORD_REST_CONNECTOR (self), MAX_BATCH);

  return self;
}

/**
 * concord_connector_elasticemail_set_retry_base_ms:
 * @base_ms: the first retry's delay, doubled for each further retry
 *
 * For tests, so that retries do not take seconds.
 */
void
concord_connector_elasticemail_set_retry_base_ms (ConcordConnectorElasticEmail *self,
                                                  guint                         base_ms)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_ELASTICEMAIL (self));

  concord_http_client_set_limits (self->client, MAX_IN_FLIGHT, CONCORD_HTTP_DEFAULT_MAX_RETRIES,
                                  base_ms);
}

/**
 * concord_connector_elasticemail_set_max_schema_pages:
 * @n_pages: the most pages a first schema load reads, at least 1
 *
 * For tests: a field first used past what the schema load reads.
 */
void
concord_connector_elasticemail_set_max_schema_pages (ConcordConnectorElasticEmail *self,
                                                     guint                         n_pages)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_ELASTICEMAIL (self));
  g_return_if_fail (n_pages > 0);

  self->max_schema_pages = n_pages;
}
