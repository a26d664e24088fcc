/* concord-connector-elasticemail.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Elastic Email, through its REST API v4 (see
 * specs/elasticemail-v4-contacts.md for the facts and their uncertainties).
 *
 * Requests. Every request goes through call_async(): it waits for one of
 * MAX_IN_FLIGHT slots, sends the key only as the X-ElasticEmail-ApiKey
 * header, retries 429, 5xx and transport errors up to MAX_RETRIES times with
 * an exponential backoff (or the server's Retry-After) and maps the answer
 * to a ConcordError. v4 answers 400 for a refused key and for a key without
 * the needed access level, so a 400 is told apart by its {"Error": …} body.
 * Error messages name the endpoint with placeholders ("PUT
 * /contacts/{email}"), never an address; what is logged is redacted.
 *
 * Listing. GET /contacts has only limit/offset, no order guarantee, no total
 * and an undocumented maximum limit: we ask for PAGE_LIMIT, advance the
 * offset (the page token) by what actually came back, and stop at the
 * first empty page, which is the only page marked complete. There is no
 * "changed since" filter, so every listing is a full one. Nothing a server
 * sends is believed without bound: a page longer than the limit asked for,
 * or one whose contacts were all on the page before (a server that ignores
 * the offset), ends the listing with an error instead of paging for ever;
 * the engine bounds the number of records a listing may bring.
 *
 * Lists. A contact does not say which lists it is on; the first page of a
 * listing reads GET /lists and every list's members and keeps the map
 * email → list names for the pages that follow (and for fetch and update
 * echoes). GET /lists/{name}/contacts has been reported to ignore its
 * offset: a page starting with the same email as the page before gives it
 * away, and the list is then read once more as a single huge page (all
 * that can still work), after which it ends either way. A server that also
 * caps that page leaves the list's memberships incomplete (logged).
 * There are at most MAX_LISTS lists and MAX_MEMBERSHIPS memberships, and
 * no page may be longer than asked: beyond that the listing fails.
 *
 * Lists are never created here: POST /lists with no Emails may put every
 * contact on the new list [unverified], so a missing list is an error.
 *
 * Custom fields. v4 has no documented endpoint that lists an account's
 * custom fields; they are learnt from the contacts read: the first schema
 * load of a connector reads every page up to MAX_SCHEMA_PAGES (a field
 * first used on the last page must map as well as one used on the first),
 * later loads the first page, and every page listed adds what it uses
 * (a run that learns a field is followed by a second one that syncs it). A field no contact uses yet
 * cannot be learnt: the user declares it for the account (the option
 * "custom_fields", names separated by commas), and it is in the schema
 * from the start. POST /contacts silently drops custom fields the account
 * does not have, so a write compares what it sent with what was echoed
 * and reports the record as failed, naming the field: a declared name
 * that is wrong shows there.
 *
 * Status. ContactUpdatePayload has no Status: the one status change the API
 * allows is to unsubscribe, through POST /suppressions/unsubscribes. Any
 * other status change (and any consent change) is refused for that field
 * alone: the rest of the change is written, and the result names the
 * refused field (concord_write_result_add_refused()). An unsubscribe goes
 * out before the profile PUT, so a process killed between the two never
 * leaves a contact renamed but still subscribed.
 */

#define G_LOG_DOMAIN "concord-connector-elasticemail"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "concord-connector-elasticemail.h"
#include "concord-connector-elasticemail-private.h"
#include "concord-error.h"
#include "concord-http.h"
#include "concord-json-private.h"

#define EE_APP_ID             "elasticemail"
#define EE_APP_NAME           "Elastic Email"
#define CONTACT_TYPE_ID    "contacts"
#define CONTACT_TYPE_LABEL "Contacts"

#define API_KEY_HEADER     "X-ElasticEmail-ApiKey"
#define MAX_BATCH          1000
#define PAGE_LIMIT         100
/* The budget automatic schedules keep to 1 % of, in requests an hour.
 * Elastic Email documents none (specs/elasticemail-v4-contacts.md, "Rate
 * limiting": only a limit of 20 concurrent connections, answered with
 * 429, and an example saying v4 does not rate-limit today). Assumed, to
 * be safe: those 20 connections each making one request a second,
 * 72,000 an hour. 1 % of it (720 an hour) lets a 1,000-contact account
 * (10 pages) be read every minute, and a 5,000-contact one every 4
 * minutes 10 seconds. */
#define RATE_BUDGET        (20 * 3600)
#define LISTS_PAGE_LIMIT   200
/* One page for a whole list, when the server ignores the offset. */
#define FALLBACK_LIMIT     100000
/* The first schema load reads at most this many pages (10,000 contacts):
 * enough for the fields of most accounts, and bounded against a server
 * that pages for ever (the listing itself has the run's growth bound).
 * Fields first used further on are learnt by the listing, and the same
 * sync runs once more with them (concord_sync_run_connection()). */
#define MAX_SCHEMA_PAGES   100
#define MAX_IN_FLIGHT      4
/* The largest error body read for its message. */
#define MAX_ERROR_BODY_BYTES (64 * 1024)
#define MAX_RETRIES        5
/* The most of an answer that is read: a page of 100 contacts is some
 * 200 KB; parsed, 16 MiB of JSON take some 150 MB. */
#define MAX_ANSWER_BYTES   (16 * 1024 * 1024)
#define READ_CHUNK         (64 * 1024)
/* The longest value a listing accepts, and the longest email (RFC 5321). */
#define MAX_VALUE_BYTES    (64 * 1024)
#define MAX_EMAIL_BYTES    254
/* Bounds on what membership paging accepts. */
#define MAX_LISTS          10000
#define MAX_MEMBERSHIPS    1000000
#define DEFAULT_RETRY_BASE_MS 500
#define RETRY_CAP_MS       30000

struct _ConcordConnectorElasticEmail
{
  ConcordConnector  parent_instance;

  SoupSession      *session;        /* (owned): used on @context only */
  GMainContext     *context;        /* (owned): thread-default context at creation */
  char             *base_url;       /* (owned): without a trailing slash */
  char             *api_key;        /* (owned): wiped in finalize */
  guint             retry_base_ms;
  guint             request_batch;  /* contacts per POST /contacts, MAX_BATCH but in tests */
  guint             max_schema_pages; /* MAX_SCHEMA_PAGES but in tests */
  guint64           retry_budget_ms;/* the most a listing waits on retries, all calls */
  guint64           retry_waited_ms;/* waited on retries since the listing began */

  guint             n_in_flight;
  GQueue            waiting;        /* GTask (owned) of calls waiting for a slot */

  GHashTable       *custom_fields;  /* (owned): custom field names seen or declared → NULL */
  gboolean          schema_read;    /* a schema load has read every page */
  GHashTable       *membership;     /* (owned) (nullable): email → GHashTable of list names */
  GHashTable       *previous_page;  /* (owned) (nullable): emails of the page listed last */
};

G_DEFINE_FINAL_TYPE (ConcordConnectorElasticEmail, concord_connector_elasticemail,
                     CONCORD_TYPE_CONNECTOR)

static void     elasticemail_verify_async_impl  (ConcordConnector    *connector,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
static gboolean elasticemail_verify_finish_impl (ConcordConnector    *connector,
                                                 GAsyncResult        *result,
                                                 GError             **error);

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

/* The form of an email that identifies a contact here (remote ids, the
 * membership map, echoes): trimmed, ASCII letters lower-cased, the same in
 * every locale (concord_email_fold()). */
static char *
lower_email (const char *email)
{
  return concord_email_fold (email);
}

/*
 * Repairs. json-glib refuses invalid UTF-8 and cuts a string at an escaped
 * NUL ("A\u0000B" reads as "A"), and either way the value would look like
 * the user's. So before parsing, each invalid byte becomes REPAIR_MARK and
 * each "\u0000" escape becomes the escape of REPAIR_MARK: U+FDD0, a
 * noncharacter, which Unicode keeps for a program's internal use. Reading a
 * value (repaired_text()) turns each mark into U+FFFD and says the value
 * was repaired: a repaired field is marked altered on its record (see
 * concord_record_mark_altered()), so it is never written to the other app,
 * and a repaired email never matches nor creates. A server that sends
 * U+FDD0 itself gets the same treatment, which is the safe side.
 */
#define REPAIR_MARK        "\xef\xb7\x90"
#define REPAIR_MARK_ESCAPE "\\ufdd0"

/* Whether the backslash at @p (after @start) begins an escape, i.e. is
 * preceded by an even number of backslashes. */
static gboolean
starts_escape (const char *start,
               const char *p)
{
  gsize n = 0;

  while (p > start && p[-1] == '\\')
    {
      p--;
      n++;
    }

  return n % 2 == 0;
}

/* Returns: (transfer full) (nullable): @data with its repairs, or NULL
 * when it needs none. */
static GBytes *
repair_body (const char *data,
             gsize       length)
{
  gboolean valid = g_utf8_validate_len (data, length, NULL);
  /* A valid body has no NUL byte, so g_strstr_len() sees all of it. */
  gboolean has_nul = !valid || g_strstr_len (data, (gssize) length, "\\u0000") != NULL;
  const char *p = data;
  const char *end = data + length;
  GString *out;

  if (valid && !has_nul)
    return NULL;

  out = g_string_sized_new (length + 16);
  while (p < end)
    {
      gsize n = MIN ((gsize) g_utf8_skip[(guchar) *p], (gsize) (end - p));

      if (*p == '\\' && end - p >= 6 && memcmp (p, "\\u0000", 6) == 0 && starts_escape (data, p))
        {
          g_string_append (out, REPAIR_MARK_ESCAPE);
          p += 6;
        }
      else if (*p == '\0' || !g_utf8_validate_len (p, n, NULL))
        {
          /* A byte that starts no character (a cut one at the end too). */
          g_string_append (out, REPAIR_MARK);
          p++;
        }
      else
        {
          g_string_append_len (out, p, (gssize) n);
          p += n;
        }
    }

  return g_string_free_to_bytes (out);
}

/* @text (valid UTF-8) cut to at most @max bytes on a character boundary
 * and marked, as the journal marks what it cuts; NULL when it is not
 * longer than @max. */
static char *
cut_text (const char *text,
          gsize       max)
{
  gsize length = strlen (text);
  const char *end;

  if (length <= max)
    return NULL;

  end = text + max;
  while (end > text && ((guchar) *end & 0xC0) == 0x80)
    end--;

  return g_strdup_printf ("%.*s… [cut: %" G_GSIZE_FORMAT " bytes]",
                          (int) (end - text), text, length);
}

/* @raw with each REPAIR_MARK as U+FFFD, and cut to MAX_VALUE_BYTES with
 * CUT_MARK when longer; @repaired says whether it had to be changed. */
static char *
repaired_text (const char *raw,
               gboolean   *repaired)
{
  g_autofree char *valid = NULL;
  g_autofree char *cut = NULL;
  GString *out;

  if (raw == NULL)
    return NULL;

  valid = g_utf8_make_valid (raw, -1);
  if ((cut = cut_text (valid, MAX_VALUE_BYTES)) != NULL)
    {
      /* Stored cut, with a mark, and (being altered) never written
       * across: no person types a value this long. */
      if (repaired != NULL)
        *repaired = TRUE;
      g_free (valid);
      valid = g_steal_pointer (&cut);
    }

  if (strstr (valid, REPAIR_MARK) == NULL)
    return g_steal_pointer (&valid);

  if (repaired != NULL)
    *repaired = TRUE;
  out = g_string_new (valid);
  g_string_replace (out, REPAIR_MARK, "\xef\xbf\xbd", 0);
  return g_string_free (out, FALSE);
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
  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
    if (g_ascii_strcasecmp (status_names[i].canonical, canonical) == 0 ||
        g_ascii_strcasecmp (status_names[i].api, canonical) == 0)
      return status_names[i].api;

  return NULL;
}

static const char *
consent_to_api (const char *canonical)
{
  if (g_ascii_strcasecmp (canonical, "allow") == 0)
    return "Allow";
  if (g_ascii_strcasecmp (canonical, "deny") == 0)
    return "Deny";
  if (g_ascii_strcasecmp (canonical, "unknown") == 0)
    return "Unknown";
  return NULL;
}

/* The text of a member, whatever its JSON type: strings (made valid UTF-8,
 * @repaired set when it had to be repaired: see repair_body()), numbers and
 * booleans as text; NULL for null, objects, arrays, absence. */
static char *
member_text_repaired (JsonObject *object,
                      const char *name,
                      gboolean   *repaired)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, name))
    return NULL;

  node = json_object_get_member (object, name);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      {
        return repaired_text (json_node_get_string (node), repaired);
      }
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      {
        char buffer[G_ASCII_DTOSTR_BUF_SIZE];

        return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, json_node_get_double (node)));
      }
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    default:
      return NULL;
    }
}

static char *
member_text (JsonObject *object,
             const char *name)
{
  return member_text_repaired (object, name, NULL);
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, name))
    return NULL;

  node = json_object_get_member (object, name);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  return json_node_get_object (node);
}

/* An ISO 8601 date-time, with or without zone (none means UTC), or a bare
 * date; -1 when unreadable. */
static gint64
parse_datetime (const char *text)
{
  g_autoptr(GTimeZone) utc = NULL;
  g_autoptr(GDateTime) when = NULL;

  if (text == NULL || *text == '\0')
    return -1;

  utc = g_time_zone_new_utc ();
  when = g_date_time_new_from_iso8601 (text, utc);
  if (when == NULL && strlen (text) == 10)
    {
      g_autofree char *midnight = g_strconcat (text, "T00:00:00", NULL);

      when = g_date_time_new_from_iso8601 (midnight, utc);
    }

  if (when == NULL)
    return -1;

  return g_date_time_to_unix (when);
}

static GHashTable *
new_string_set (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static void
membership_add (GHashTable *membership,
                const char *email,
                const char *list_name)
{
  GHashTable *lists = g_hash_table_lookup (membership, email);

  if (lists == NULL)
    {
      lists = new_string_set ();
      g_hash_table_insert (membership, g_strdup (email), lists);
    }

  g_hash_table_add (lists, g_strdup (list_name));
}

static void
membership_remove (GHashTable *membership,
                   const char *email,
                   const char *list_name)
{
  GHashTable *lists = g_hash_table_lookup (membership, email);

  if (lists != NULL)
    g_hash_table_remove (lists, list_name);
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

  /* A list name read with a repair (see repair_body()) is not the user's. */
  for (guint i = 0; names[i] != NULL; i++)
    if (strstr (names[i], "\xef\xbf\xbd") != NULL)
      concord_record_mark_altered (record, CONCORD_FIELD_LISTS);
}

/* Sets a text field of @record from member @name of @object, marking it
 * altered when it had to be repaired. */
static void
set_member_text (ConcordRecord    *record,
                 const char       *key,
                 ConcordFieldType  type,
                 JsonObject       *object,
                 const char       *name)
{
  gboolean repaired = FALSE;
  g_autofree char *text = member_text_repaired (object, name, &repaired);

  concord_record_set_text (record, key, type, text);
  if (repaired)
    concord_record_mark_altered (record, key);
}

/* A Contact object as a record; NULL when it has no email. The email is
 * kept as the server gave it (the remote id is its folded form); a field
 * whose value had to be repaired is marked altered. */
static ConcordRecord *
parse_contact (ConcordConnectorElasticEmail *self,
               JsonNode                     *node)
{
  g_autoptr(ConcordRecord) record = NULL;
  g_autofree char *email = NULL;
  g_autofree char *remote_id = NULL;
  g_autofree char *text = NULL;
  JsonObject *object;
  JsonObject *custom;
  JsonObject *consent;
  JsonNode *email_node;
  gboolean repaired = FALSE;
  gint64 modified = -1;
  gint64 when;

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
  email = repaired_text (json_node_get_string (email_node), &repaired);
  remote_id = lower_email (email);
  if (remote_id == NULL || strchr (remote_id, '@') == NULL)
    return NULL;

  if (strlen (email) > MAX_EMAIL_BYTES)
    {
      /* Longer than any address can be (RFC 5321): kept cut and marked,
       * so it neither matches nor creates (its remote id stays whole, for
       * it is the app's name of the contact). */
      g_autofree char *cut = cut_text (email, MAX_EMAIL_BYTES);

      g_free (email);
      email = g_steal_pointer (&cut);
      repaired = TRUE;
    }

  record = concord_record_new (remote_id);
  concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
  if (repaired)
    concord_record_mark_altered (record, CONCORD_FIELD_EMAIL);

  set_member_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, object, "FirstName");
  set_member_text (record, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING, object, "LastName");

  repaired = FALSE;
  text = member_text_repaired (object, "Status", &repaired);
  if (text != NULL)
    {
      const char *canonical = status_to_canonical (text);

      /* Unknown values (numbers too) are kept as given. */
      concord_record_set_text (record, CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM,
                               canonical != NULL ? canonical : text);
      if (repaired)
        concord_record_mark_altered (record, CONCORD_FIELD_STATUS);
    }
  g_clear_pointer (&text, g_free);

  set_member_text (record, CONCORD_FIELD_SOURCE, CONCORD_FIELD_TYPE_ENUM, object, "Source");

  repaired = FALSE;
  consent = member_object (object, "Consent");
  text = member_text_repaired (consent, "ConsentTracking", &repaired);
  if (text == NULL)
    text = member_text_repaired (object, "ConsentTracking", &repaired);
  if (text != NULL)
    {
      const char *api = consent_to_api (text);
      g_autofree char *lower = api != NULL ? g_ascii_strdown (api, -1) : NULL;

      concord_record_set_text (record, CONCORD_FIELD_CONSENT, CONCORD_FIELD_TYPE_ENUM,
                               lower != NULL ? lower : text);
      if (repaired)
        concord_record_mark_altered (record, CONCORD_FIELD_CONSENT);
    }
  g_clear_pointer (&text, g_free);

  text = member_text (object, "DateAdded");
  when = parse_datetime (text);
  if (when >= 0)
    concord_record_set_datetime (record, CONCORD_FIELD_CREATED_AT, when);
  g_clear_pointer (&text, g_free);

  text = member_text (object, "DateUpdated");
  when = parse_datetime (text);
  if (when >= 0)
    {
      concord_record_set_datetime (record, CONCORD_FIELD_UPDATED_AT, when);
      modified = MAX (modified, when);
    }
  g_clear_pointer (&text, g_free);

  text = member_text (object, "StatusChangeDate");
  when = parse_datetime (text);
  if (when >= 0)
    modified = MAX (modified, when);
  g_clear_pointer (&text, g_free);

  if (modified >= 0)
    concord_record_set_modified (record, modified);

  custom = member_object (object, "CustomFields");
  if (custom != NULL)
    {
      g_autoptr(GList) names = json_object_get_members (custom);

      for (const GList *l = names; l != NULL; l = l->next)
        {
          gboolean bad_name = FALSE;
          g_autofree char *name = repaired_text (l->data, &bad_name);
          g_autofree char *key = NULL;

          /* A field whose name had to be repaired cannot be written back. */
          if (*name == '\0' || bad_name)
            continue;

          if (!g_hash_table_contains (self->custom_fields, name))
            g_hash_table_add (self->custom_fields, g_strdup (name));

          key = concord_field_custom_key (name);
          set_member_text (record, key, CONCORD_FIELD_TYPE_STRING, custom, l->data);
        }
    }

  if (self->membership != NULL)
    set_lists_field (record, g_hash_table_lookup (self->membership, remote_id));

  return g_steal_pointer (&record);
}

static GBytes *
node_to_bytes (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  gsize length;
  char *data;

  json_generator_set_root (generator, node);
  data = json_generator_to_data (generator, &length);

  return g_bytes_new_take (data, length);
}

static GBytes *
emails_payload (const char * const *emails)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "Emails");
  json_builder_begin_array (builder);
  for (guint i = 0; emails[i] != NULL; i++)
    json_builder_add_string_value (builder, emails[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return node_to_bytes (root);
}

static gboolean
check_contact_type (GTask      *task,
                    const char *contact_type)
{
  if (g_strcmp0 (contact_type, CONTACT_TYPE_ID) == 0)
    return TRUE;

  g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                           "Elastic Email has no contact type %s", contact_type);
  return FALSE;
}

/* Errors that end a whole batch rather than one record. */
static gboolean
error_is_fatal (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
         g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
}

/* ------------------------------------------------------------------------- */
/* Requests                                                                  */
/* ------------------------------------------------------------------------- */

typedef struct
{
  char        *method;       /* (owned) */
  char        *url_path;     /* (owned): path and query after the base URL, encoded */
  char        *label;        /* (owned): "METHOD /path/{placeholder}", no personal data */
  GBytes      *body;         /* (owned) (nullable): JSON */
  guint        attempt;
  guint        status;
  GSource     *retry_source; /* (owned) (nullable) */
  GSource     *cancel_source;/* (owned) (nullable) */
} Call;

static void
call_clear_sources (Call *call)
{
  if (call->retry_source != NULL)
    {
      g_source_destroy (call->retry_source);
      g_clear_pointer (&call->retry_source, g_source_unref);
    }
  if (call->cancel_source != NULL)
    {
      g_source_destroy (call->cancel_source);
      g_clear_pointer (&call->cancel_source, g_source_unref);
    }
}

static void
call_free (Call *call)
{
  call_clear_sources (call);
  g_free (call->method);
  g_free (call->url_path);
  g_free (call->label);
  g_clear_pointer (&call->body, g_bytes_unref);
  g_free (call);
}

/* Reading an answer, at most MAX_ANSWER_BYTES of it: a server sending a
 * page of a million contacts, or a 50 MB name, costs a bounded amount of
 * memory and ends the call with an error that is not retried. */
typedef struct
{
  SoupMessage  *msg;      /* (owned) */
  GInputStream *stream;   /* (owned) (nullable) */
  GByteArray   *data;     /* (owned) */
} BoundedRead;

static void
bounded_read_free (BoundedRead *reader)
{
  g_clear_object (&reader->msg);
  g_clear_object (&reader->stream);
  g_clear_pointer (&reader->data, g_byte_array_unref);
  g_free (reader);
}

static void on_bounded_chunk_cb (GObject      *object,
                                 GAsyncResult *result,
                                 gpointer      user_data);

static void
bounded_read_next (GTask *task)
{
  BoundedRead *reader = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (reader->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), on_bounded_chunk_cb, task);
}

static void
on_bounded_chunk_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BoundedRead *reader = g_task_get_task_data (task);
  g_autoptr(GBytes) chunk = NULL;
  g_autoptr(GError) error = NULL;
  gsize size;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (chunk == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  size = g_bytes_get_size (chunk);
  if (size == 0)
    {
      g_input_stream_close (reader->stream, NULL, NULL);
      g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&reader->data)),
                             (GDestroyNotify) g_bytes_unref);
      return;
    }

  if (reader->data->len + size > MAX_ANSWER_BYTES)
    {
      g_input_stream_close (reader->stream, NULL, NULL);
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                               "the answer is larger than %u MiB", MAX_ANSWER_BYTES >> 20);
      return;
    }

  g_byte_array_append (reader->data, g_bytes_get_data (chunk, NULL), size);
  bounded_read_next (g_steal_pointer (&task));
}

static void
on_bounded_sent_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BoundedRead *reader = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  reader->stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (reader->stream == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  bounded_read_next (g_steal_pointer (&task));
}

/* soup_session_send_and_read_async(), at most MAX_ANSWER_BYTES. */
static void
send_and_read_bounded_async (SoupSession         *session,
                             SoupMessage         *msg,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task = g_task_new (session, cancellable, callback, user_data);
  BoundedRead *reader = g_new0 (BoundedRead, 1);

  reader->msg = g_object_ref (msg);
  reader->data = g_byte_array_new ();
  g_task_set_source_tag (task, send_and_read_bounded_async);
  g_task_set_task_data (task, reader, (GDestroyNotify) bounded_read_free);

  soup_session_send_async (session, msg, G_PRIORITY_DEFAULT, cancellable,
                           on_bounded_sent_cb, task);
}

static GBytes *
send_and_read_bounded_finish (GAsyncResult  *result,
                              SoupMessage  **msg,
                              GError       **error)
{
  BoundedRead *reader = g_task_get_task_data (G_TASK (result));

  g_assert (g_task_get_source_tag (G_TASK (result)) == send_and_read_bounded_async);

  *msg = reader->msg;
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void call_send (GTask *task);

static void
release_slot (ConcordConnectorElasticEmail *self)
{
  GTask *next;

  g_assert (self->n_in_flight > 0);
  self->n_in_flight--;

  next = g_queue_pop_head (&self->waiting);
  if (next != NULL)
    call_send (next);
}

static void
call_start (GTask *task)
{
  ConcordConnectorElasticEmail *self = g_task_get_source_object (task);

  if (self->n_in_flight >= MAX_IN_FLIGHT)
    g_queue_push_tail (&self->waiting, task);
  else
    call_send (task);
}

static gboolean
on_retry_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);

  g_object_ref (task);
  call_clear_sources (call);
  call_start (task);

  return G_SOURCE_REMOVE;
}

static gboolean
on_retry_cancelled_cb (GCancellable *cancellable,
                       gpointer      user_data)
{
  GTask *task = g_object_ref (user_data);
  Call *call = g_task_get_task_data (task);

  call_clear_sources (call);
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);

  return G_SOURCE_REMOVE;
}

/* Takes the caller's reference on @task. */
static void
call_retry_later (GTask  *task,
                  gint64  retry_after_seconds)
{
  ConcordConnectorElasticEmail *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  guint64 delay_ms;

  /* A server asking for a long pause is not waited for: the run fails at
   * once and the schedule tries again later. */
  if (retry_after_seconds > CONCORD_HTTP_RETRY_AFTER_LIMIT_SECONDS)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_RATE_LIMITED,
                               "%s failed: Elastic Email is rate limiting and asked to wait "
                               "%" G_GINT64_FORMAT " s; the sync stops and will retry later",
                               call->label, retry_after_seconds);
      g_object_unref (task);
      return;
    }

  if (retry_after_seconds >= 0)
    {
      /* The server's wish, plus a little jitter so clients spread out. */
      delay_ms = (guint64) retry_after_seconds * 1000 +
                 (guint64) g_random_int_range (0, (gint32) MAX (self->retry_base_ms, 1));
    }
  else
    {
      guint64 ceiling = (guint64) self->retry_base_ms << MIN (call->attempt, 16u);

      ceiling = MIN (ceiling, (guint64) RETRY_CAP_MS);
      ceiling = MAX (ceiling, 1);
      /* "Equal jitter": between half and all of the exponential delay. */
      delay_ms = ceiling / 2 + (guint64) g_random_int_range (0, (gint32) (ceiling / 2 + 1));
    }

  if (self->retry_waited_ms + delay_ms > self->retry_budget_ms)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_RATE_LIMITED,
                               "%s failed: Elastic Email kept failing or rate limiting after "
                               "%" G_GUINT64_FORMAT " s of retries; the sync stops and will "
                               "retry later", call->label, self->retry_waited_ms / 1000);
      g_object_unref (task);
      return;
    }
  self->retry_waited_ms += delay_ms;

  call->attempt++;
  g_debug ("%s: retry %u in %" G_GUINT64_FORMAT " ms", call->label, call->attempt, delay_ms);

  call->retry_source = g_timeout_source_new ((guint) MIN (delay_ms, G_MAXUINT));
  g_source_set_callback (call->retry_source, on_retry_timeout_cb, task, g_object_unref);
  g_source_attach (call->retry_source, g_task_get_context (task));

  if (cancellable != NULL)
    {
      call->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (call->cancel_source, G_SOURCE_FUNC (on_retry_cancelled_cb),
                             g_object_ref (task), g_object_unref);
      g_source_attach (call->cancel_source, g_task_get_context (task));
    }
}

static char *
error_message_of (GBytes *body)
{
  g_autoptr(JsonNode) root = NULL;
  gconstpointer data;
  gsize length;

  if (body == NULL)
    return NULL;

  data = g_bytes_get_data (body, &length);
  if (length == 0 ||
      (root = concord_json_parse (data, (gssize) length, MAX_ERROR_BODY_BYTES, NULL)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  return member_text (json_node_get_object (root), "Error");
}

/* The status mapping of concord_http_check_status(), with what Elastic
 * Email needs on top: its 400 carries auth failures, and 412 is a refusal
 * of the account (plan limits) or the data, not a conflict. */
static gboolean
check_status (guint        status,
              GBytes      *body,
              const char  *label,
              GError     **error)
{
  g_autofree char *message = NULL;

  if (status >= 200 && status < 300)
    return TRUE;

  message = error_message_of (body);

  if (status == SOUP_STATUS_BAD_REQUEST && message != NULL)
    {
      g_autofree char *folded = g_utf8_casefold (message, -1);

      if (strstr (folded, "access denied") != NULL)
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                       "%s failed: the API key lacks the contacts permission "
                       "(Access Denied)", label);
          return FALSE;
        }

      if (strstr (folded, "apikey") != NULL || strstr (folded, "api key") != NULL ||
          strstr (folded, "api-key") != NULL)
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                       "%s failed: Elastic Email refused the API key", label);
          return FALSE;
        }
    }

  if (status == SOUP_STATUS_PRECONDITION_FAILED)
    {
      gboolean safe = message != NULL && g_strv_contains (safe_412_messages, message);

      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                   "%s failed: HTTP 412: %s", label,
                   safe ? message : "Elastic Email refused the data or the account's limits "
                                    "were reached");
      return FALSE;
    }

  return concord_http_check_status (status, label, error);
}

/*
 * _concord_connector_elasticemail_parse_answer:
 * @body: an answer's body
 * @label: the endpoint, for messages
 *
 * Returns: (transfer full) (nullable): the answer as JSON; %NULL with no
 *   error for an empty body
 */
JsonNode *
_concord_connector_elasticemail_parse_answer (GBytes      *body,
                                              const char  *label,
                                              GError     **error)
{
  g_autoptr(GBytes) repaired = NULL;
  g_autoptr(GError) parse_error = NULL;
  const char *data;
  gsize length;
  JsonNode *root;

  data = g_bytes_get_data (body, &length);
  if (length == 0)
    return NULL;

  /* Odd bytes in a name must not cost the whole page, nor pass for the
   * user's: see repair_body(). A cut body stays invalid. */
  if ((repaired = repair_body (data, length)) != NULL)
    data = g_bytes_get_data (repaired, &length);

  /* Bounded first: a nesting bomb would overflow json-glib's stack. */
  root = concord_json_parse (data, (gssize) length, MAX_ANSWER_BYTES, &parse_error);
  if (root == NULL)
    {
      /* json-glib's own message quotes the answer, which may be personal
       * data: only a refusal of the bounds (our words) is passed on. */
      if (!concord_json_check_bounds (data, length, MAX_ANSWER_BYTES, NULL))
        g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                     "%s failed: %s", label, parse_error->message);
      else
        g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                     "%s failed: the answer is not valid JSON", label);
      return NULL;
    }

  return root;
}

static void
on_call_read_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorElasticEmail *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  SoupMessage *msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;

  body = send_and_read_bounded_finish (result, &msg, &error);
  release_slot (self);

  if (body == NULL)
    {
      g_autofree char *redacted = concord_http_redact (error->message);

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      /* An answer too large is not retried. */
      if (g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_PARSE))
        {
          g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                   "%s failed: %s", call->label, error->message);
          return;
        }

      g_debug ("%s: transport error: %s", call->label, redacted);
      if (call->attempt < MAX_RETRIES && !g_task_return_error_if_cancelled (task))
        {
          call_retry_later (g_steal_pointer (&task), -1);
          return;
        }

      if (!g_task_had_error (task))
        g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_NETWORK,
                                 "%s failed: %s", call->label, redacted);
      return;
    }

  call->status = soup_message_get_status (msg);
  g_debug ("%s: HTTP %u", call->label, call->status);

  if ((call->status == 429 || (call->status >= 500 && call->status < 600)) &&
      call->attempt < MAX_RETRIES)
    {
      gint64 retry_after = -1;

      if (call->status == 429)
        retry_after = concord_http_parse_retry_after (
          soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After"),
          NULL);

      if (!g_task_return_error_if_cancelled (task))
        call_retry_later (g_steal_pointer (&task), retry_after);
      return;
    }

  if (!concord_http_check_redirect (msg, &error))
    {
      g_prefix_error (&error, "%s: ", call->label);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!check_status (call->status, body, call->label, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  root = _concord_connector_elasticemail_parse_answer (body, call->label, &error);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (root == NULL)
    g_task_return_pointer (task, NULL, NULL);
  else
    g_task_return_pointer (task, g_steal_pointer (&root), (GDestroyNotify) json_node_unref);
}

/* Takes a reference on @task for the duration of the request. */
static void
call_send (GTask *task)
{
  ConcordConnectorElasticEmail *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *uri = NULL;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  uri = g_strconcat (self->base_url, call->url_path, NULL);
  msg = soup_message_new (call->method, uri);
  if (msg == NULL)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                               "%s failed: invalid URL", call->label);
      g_object_unref (task);
      return;
    }

  /* The key goes to the configured origin only: no redirect is followed. */
  concord_http_message_prepare (msg);
  soup_message_headers_replace (soup_message_get_request_headers (msg),
                                API_KEY_HEADER, self->api_key);
  soup_message_headers_replace (soup_message_get_request_headers (msg),
                                "Accept", "application/json");
  if (call->body != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/json", call->body);

  self->n_in_flight++;
  send_and_read_bounded_async (self->session, msg, g_task_get_cancellable (task),
                               on_call_read_cb, task);
}

/*
 * call_async:
 * @url_path: path and query after the base URL, already encoded
 * @label: the endpoint for messages, without personal data
 * @body: (nullable) (transfer full): JSON to send
 */
static void
call_async (ConcordConnectorElasticEmail *self,
            const char                   *method,
            const char                   *url_path,
            const char                   *label,
            GBytes                       *body,
            GCancellable                 *cancellable,
            GAsyncReadyCallback           callback,
            gpointer                      user_data)
{
  GMainContext *context = g_main_context_get_thread_default ();
  GTask *task;
  Call *call;

  /* The session belongs to the context the connector was made on. */
  g_warn_if_fail ((context != NULL ? context : g_main_context_default ()) == self->context);

  call = g_new0 (Call, 1);
  call->method = g_strdup (method);
  call->url_path = g_strdup (url_path);
  call->label = g_strdup (label);
  call->body = body;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, call_async);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  call_start (task);
}

/* Returns: (transfer full) (nullable): the parsed answer; NULL with no
 * error for an empty body. @status is the last HTTP status (0 if none). */
static JsonNode *
call_finish (ConcordConnectorElasticEmail  *self,
             GAsyncResult                  *result,
             guint                         *status,
             GError                       **error)
{
  Call *call;

  g_assert (g_task_is_valid (result, self));
  g_assert (g_task_get_source_tag (G_TASK (result)) == call_async);

  call = g_task_get_task_data (G_TASK (result));
  if (status != NULL)
    *status = call->status;

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* For the fuzz targets (concord-connector-elasticemail-private.h). */
gboolean
_concord_connector_elasticemail_check_status (guint        status,
                                              GBytes      *body,
                                              const char  *label,
                                              GError     **error)
{
  return check_status (status, body, label, error);
}

ConcordRecord *
_concord_connector_elasticemail_parse_contact (ConcordConnectorElasticEmail *self,
                                               JsonNode                     *node)
{
  return parse_contact (self, node);
}

static JsonArray *
expect_array (JsonNode    *node,
              const char  *label,
              GError     **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s failed: the answer is not a JSON array", label);
      return NULL;
    }

  return json_node_get_array (node);
}

/* ------------------------------------------------------------------------- */
/* List membership                                                           */
/* ------------------------------------------------------------------------- */

typedef struct
{
  GHashTable *membership;   /* (owned): being built */
  GPtrArray  *lists;        /* (owned): list names */
  guint       offset;
  guint       list_index;
  char       *first_email;  /* (owned) (nullable): first email of the previous page */
  gboolean    in_fallback;  /* the current request asks for the whole list at once */
  char       *first_list;   /* (owned) (nullable): first name of the previous /lists page */
  guint       n_members;    /* list members read, all lists and pages */
} MembershipState;

static void
membership_state_free (MembershipState *state)
{
  g_clear_pointer (&state->membership, g_hash_table_unref);
  g_clear_pointer (&state->lists, g_ptr_array_unref);
  g_free (state->first_email);
  g_free (state->first_list);
  g_free (state);
}

static GHashTable *
new_membership (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                (GDestroyNotify) g_hash_table_unref);
}

/* Reads one answer of GET /lists into @names (bounded by LISTS_PAGE_LIMIT
 * and MAX_LISTS). *@done when the page is empty or repeats the page
 * before (a server that ignores the offset: @first_of_last is the first
 * name of the page before, replaced by this page's); else *@offset moves
 * on by the page. Returns FALSE with @error on a bad answer. */
static gboolean
read_lists_page (ConcordConnectorElasticEmail  *self,
                 GAsyncResult                  *result,
                 GPtrArray                     *names,
                 guint                         *offset,
                 char                         **first_of_last,
                 gboolean                      *done,
                 GError                       **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *first = NULL;
  JsonArray *array;
  guint n;

  root = call_finish (self, result, NULL, error);
  if (root == NULL && error != NULL && *error != NULL)
    return FALSE;
  if ((array = expect_array (root, "GET /lists", error)) == NULL)
    return FALSE;

  n = json_array_get_length (array);
  /* Counted by what was read, not by the names kept: a server that sends
   * pages of things that are not lists forever adds no name. */
  if (n > LISTS_PAGE_LIMIT || *offset + n > MAX_LISTS)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "GET /lists failed: the server sent %u lists for a page of %u "
                   "(at most %u lists are read); the listing stops",
                   n, LISTS_PAGE_LIMIT, MAX_LISTS);
      return FALSE;
    }

  if (n > 0 && JSON_NODE_HOLDS_OBJECT (json_array_get_element (array, 0)))
    first = member_text (json_node_get_object (json_array_get_element (array, 0)), "ListName");

  *done = n == 0 || (*offset > 0 && first != NULL && g_strcmp0 (first, *first_of_last) == 0);
  if (*done)
    return TRUE;

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autofree char *name = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;

      name = member_text (json_node_get_object (node), "ListName");
      if (name != NULL && *name != '\0')
        g_ptr_array_add (names, g_steal_pointer (&name));
    }

  g_free (*first_of_last);
  *first_of_last = g_steal_pointer (&first);
  *offset += n;
  return TRUE;
}

/* The lists there are, for the editors' picker: GET /lists, paged like a
 * listing's first step (bounded the same way), names sorted. */
typedef struct
{
  GPtrArray *names;    /* (owned) */
  guint      offset;
  char      *first;    /* (owned) (nullable): the first name of the last page */
} ChoicesState;

static void
choices_state_free (gpointer data)
{
  ChoicesState *state = data;

  g_ptr_array_unref (state->names);
  g_free (state->first);
  g_free (state);
}

static int
compare_list_names (gconstpointer a,
                    gconstpointer b)
{
  return g_utf8_collate (*(const char * const *) a, *(const char * const *) b);
}

static void
on_choices_page_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (object);
  ChoicesState *state = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  if (!read_lists_page (self, result, state->names, &state->offset, &state->first, &done, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!done)
    {
      /* The server may cap a page below what was asked: on to the first
       * empty page. */
      GCancellable *cancellable = g_task_get_cancellable (task);
      g_autofree char *path = g_strdup_printf ("/lists?limit=%u&offset=%u", LISTS_PAGE_LIMIT, state->offset);

      call_async (self, "GET", path, "GET /lists", NULL, cancellable, on_choices_page_cb,
                  g_steal_pointer (&task));
      return;
    }

  g_ptr_array_sort (state->names, compare_list_names);
  g_ptr_array_add (state->names, NULL);
  g_task_return_pointer (task, g_ptr_array_steal (state->names, NULL), (GDestroyNotify) g_strfreev);
}

/* Lists are the one field with a closed set of values here: a contact can
 * only be put on a list that exists, and lists are never created (see the
 * top of the file). */
static void
concord_connector_elasticemail_list_choices_async (ConcordConnector    *connector,
                                                   const char          *contact_type,
                                                   const char          *field,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (connector);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *path = NULL;
  ChoicesState *state;

  g_task_set_source_tag (task, concord_connector_elasticemail_list_choices_async);
  if (!g_str_equal (field, CONCORD_FIELD_LISTS))
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  state = g_new0 (ChoicesState, 1);
  state->names = g_ptr_array_new_with_free_func (g_free);
  g_task_set_task_data (task, state, choices_state_free);
  path = g_strdup_printf ("/lists?limit=%u&offset=0", LISTS_PAGE_LIMIT);
  call_async (self, "GET", path, "GET /lists", NULL, cancellable, on_choices_page_cb, g_steal_pointer (&task));
}

static char **
concord_connector_elasticemail_list_choices_finish (ConcordConnector  *connector,
                                                    GAsyncResult      *result,
                                                    GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connector), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, concord_connector_elasticemail_list_choices_async),
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void membership_next (GTask *task);

static void
on_lists_page_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (object);
  MembershipState *state = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  if (!read_lists_page (self, result, state->lists, &state->offset, &state->first_list, &done, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (done)
    {
      /* All lists read (or the server repeats itself): read their members. */
      state->offset = 0;
      state->list_index = 0;
      membership_next (g_steal_pointer (&task));
      return;
    }

  {
    g_autofree char *path = g_strdup_printf ("/lists?limit=%u&offset=%u",
                                             LISTS_PAGE_LIMIT, state->offset);
    GCancellable *cancellable = g_task_get_cancellable (task);

    call_async (self, "GET", path, "GET /lists", NULL, cancellable,
                on_lists_page_cb, g_steal_pointer (&task));
  }
}

static void
add_members (GHashTable *membership,
             JsonArray  *array,
             const char *list_name)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autofree char *text = NULL;
      g_autofree char *email = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;

      text = member_text (json_node_get_object (node), "Email");
      email = lower_email (text);
      if (email != NULL)
        membership_add (membership, email, list_name);
    }
}

static void
on_list_members_page_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (object);
  MembershipState *state = g_task_get_task_data (task);
  const char *list_name = g_ptr_array_index (state->lists, state->list_index);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  JsonArray *array = NULL;
  guint n;

  root = call_finish (self, result, NULL, &error);
  if (g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND))
    {
      /* The list went away since GET /lists. */
      g_clear_error (&error);
      n = 0;
    }
  else
    {
      if (error == NULL)
        array = expect_array (root, "GET /lists/{name}/contacts", &error);
      if (error != NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      n = json_array_get_length (array);
    }

  state->n_members += n;
  if (n > (state->in_fallback ? FALLBACK_LIMIT : PAGE_LIMIT) || state->n_members > MAX_MEMBERSHIPS)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                               "GET /lists/{name}/contacts failed: the server sent %u contacts "
                               "for a page of %u (at most %u memberships are read); the "
                               "listing stops", n,
                               state->in_fallback ? FALLBACK_LIMIT : PAGE_LIMIT, MAX_MEMBERSHIPS);
      return;
    }

  if (n > 0)
    {
      JsonNode *node = json_array_get_element (array, 0);

      if (JSON_NODE_HOLDS_OBJECT (node))
        {
          g_autofree char *text = member_text (json_node_get_object (node), "Email");

          first = lower_email (text);
        }
    }

  if (!state->in_fallback && n > 0 && state->offset > 0 && first != NULL &&
      g_strcmp0 (first, state->first_email) == 0)
    {
      g_autofree char *escaped = escape_segment (list_name);
      g_autofree char *path = NULL;
      GCancellable *cancellable = g_task_get_cancellable (task);

      /* The server ignores the offset (elasticemail-php#8): ask for the
       * whole list in one page, which is all that can still work. */
      g_debug ("GET /lists/{name}/contacts repeated a page: the server ignores the offset");
      state->in_fallback = TRUE;
      path = g_strdup_printf ("/lists/%s/contacts?limit=%u&offset=0", escaped, FALLBACK_LIMIT);
      call_async (self, "GET", path, "GET /lists/{name}/contacts", NULL, cancellable,
                  on_list_members_page_cb, g_steal_pointer (&task));
      return;
    }

  if (state->in_fallback && n <= state->offset)
    g_warning ("Elastic Email ignores the offset of GET /lists/{name}/contacts and caps its "
               "page at %u: the memberships read for a list may be incomplete", n);

  if (n == 0 || state->in_fallback)
    {
      /* Whatever the fallback page holds is all there is to know. */
      if (n > 0)
        add_members (state->membership, array, list_name);

      state->in_fallback = FALSE;
      state->list_index++;
      state->offset = 0;
      g_clear_pointer (&state->first_email, g_free);
      membership_next (g_steal_pointer (&task));
      return;
    }

  add_members (state->membership, array, list_name);

  g_free (state->first_email);
  state->first_email = g_steal_pointer (&first);
  state->offset += n;
  membership_next (g_steal_pointer (&task));
}

static void
membership_next (GTask *task)
{
  ConcordConnectorElasticEmail *self = g_task_get_source_object (task);
  MembershipState *state = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  if (state->list_index >= state->lists->len)
    {
      g_clear_pointer (&self->membership, g_hash_table_unref);
      self->membership = g_steal_pointer (&state->membership);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  escaped = escape_segment (g_ptr_array_index (state->lists, state->list_index));
  path = g_strdup_printf ("/lists/%s/contacts?limit=%u&offset=%u",
                          escaped, PAGE_LIMIT, state->offset);
  call_async (self, "GET", path, "GET /lists/{name}/contacts", NULL, cancellable,
              on_list_members_page_cb, task);
}

/* Reads every list's members into self->membership. */
static void
load_membership_async (ConcordConnectorElasticEmail *self,
                       GCancellable                 *cancellable,
                       GAsyncReadyCallback           callback,
                       gpointer                      user_data)
{
  GTask *task;
  MembershipState *state;
  g_autofree char *path = NULL;

  state = g_new0 (MembershipState, 1);
  state->membership = new_membership ();
  state->lists = g_ptr_array_new_with_free_func (g_free);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, load_membership_async);
  g_task_set_task_data (task, state, (GDestroyNotify) membership_state_free);

  path = g_strdup_printf ("/lists?limit=%u&offset=0", LISTS_PAGE_LIMIT);
  call_async (self, "GET", path, "GET /lists", NULL, cancellable, on_lists_page_cb, task);
}

static gboolean
load_membership_finish (ConcordConnectorElasticEmail  *self,
                        GAsyncResult                  *result,
                        GError                       **error)
{
  g_assert (g_task_is_valid (result, self));

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------------- */
/* Verify                                                                    */
/* ------------------------------------------------------------------------- */

static void
on_verify_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;

  root = call_finish (CONCORD_CONNECTOR_ELASTICEMAIL (object), result, NULL, &error);
  if (error == NULL)
    expect_array (root, "GET /contacts", &error);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/* ------------------------------------------------------------------------- */
/* Schema                                                                    */
/* ------------------------------------------------------------------------- */

static void
add_canonical (GPtrArray          *specs,
               const char         *key,
               const char * const *choices,
               gboolean            read_only)
{
  ConcordFieldSpec *spec = concord_field_spec_copy (concord_fields_lookup (key));

  if (choices != NULL)
    {
      g_strfreev (spec->choices);
      spec->choices = g_strdupv ((char **) choices);
    }
  spec->read_only = read_only;
  g_ptr_array_add (specs, spec);
}

static int
compare_names (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static GPtrArray *
build_schema (ConcordConnectorElasticEmail *self)
{
  GPtrArray *specs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);
  g_autofree const char **names = NULL;
  guint n_names;

  add_canonical (specs, CONCORD_FIELD_EMAIL, NULL, FALSE);
  add_canonical (specs, CONCORD_FIELD_FIRST_NAME, NULL, FALSE);
  add_canonical (specs, CONCORD_FIELD_LAST_NAME, NULL, FALSE);
  add_canonical (specs, CONCORD_FIELD_STATUS, status_choices, FALSE);
  add_canonical (specs, CONCORD_FIELD_SOURCE, source_choices, TRUE);
  add_canonical (specs, CONCORD_FIELD_CONSENT, consent_choices, FALSE);
  add_canonical (specs, CONCORD_FIELD_CREATED_AT, NULL, TRUE);
  add_canonical (specs, CONCORD_FIELD_UPDATED_AT, NULL, TRUE);
  add_canonical (specs, CONCORD_FIELD_LISTS, NULL, FALSE);

  names = (const char **) g_hash_table_get_keys_as_array (self->custom_fields, &n_names);
  g_qsort_with_data (names, (gint) n_names, sizeof (char *), compare_names, NULL);
  for (guint i = 0; i < n_names; i++)
    {
      g_autofree char *key = concord_field_custom_key (names[i]);

      g_ptr_array_add (specs, concord_field_spec_new (key, names[i],
                                                      CONCORD_FIELD_TYPE_STRING, FALSE));
    }

  return specs;
}

static void on_schema_page_cb (GObject      *object,
                               GAsyncResult *result,
                               gpointer      user_data);

typedef struct
{
  guint     offset;
  guint     n_pages;
  gboolean  all_pages;    /* read to the end, not just the first page */
  char     *first_email;  /* (owned) (nullable): first email of the previous page */
} SchemaState;

static void
schema_state_free (SchemaState *state)
{
  g_free (state->first_email);
  g_free (state);
}

static void
schema_request_page (GTask *task)
{
  ConcordConnectorElasticEmail *self = g_task_get_source_object (task);
  SchemaState *state = g_task_get_task_data (task);
  g_autofree char *path = NULL;

  path = g_strdup_printf ("/contacts?limit=%u&offset=%u", PAGE_LIMIT, state->offset);
  call_async (self, "GET", path, "GET /contacts", NULL, g_task_get_cancellable (task),
              on_schema_page_cb, task);
}

static void
on_schema_page_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (object);
  SchemaState *state = g_task_get_task_data (task);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  JsonArray *array = NULL;
  guint n;

  root = call_finish (self, result, NULL, &error);
  if (error == NULL)
    array = expect_array (root, "GET /contacts", &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Parsing the contacts records their custom fields. */
  n = json_array_get_length (array);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConcordRecord) record = parse_contact (self, json_array_get_element (array, i));

      if (i == 0 && record != NULL)
        first = g_strdup (concord_record_get_remote_id (record));
    }

  state->n_pages++;
  if (state->all_pages && n > 0)
    {
      /* A page that starts like the one before: the server ignores the
       * offset, and there is nothing more to learn. */
      gboolean repeated = first != NULL && g_strcmp0 (first, state->first_email) == 0;

      if (!repeated && state->n_pages < self->max_schema_pages)
        {
          g_free (state->first_email);
          state->first_email = g_steal_pointer (&first);
          state->offset += n;
          schema_request_page (g_steal_pointer (&task));
          return;
        }
      g_debug ("GET /contacts: the schema stops after %u pages", state->n_pages);
    }

  if (state->all_pages)
    self->schema_read = TRUE;

  g_task_return_pointer (task, build_schema (self), (GDestroyNotify) g_ptr_array_unref);
}

/* ------------------------------------------------------------------------- */
/* List                                                                      */
/* ------------------------------------------------------------------------- */

typedef struct
{
  guint offset;
} ListState;

/* A page whose every contact was on the page before it means a server
 * that ignores the offset: following it would page for ever. (Contacts
 * added during a listing may shift one or two across a page boundary,
 * never a whole page.) Remembers @page's emails for the next page. */
static gboolean
check_page_is_new (ConcordConnectorElasticEmail  *self,
                   ConcordPage                   *page,
                   guint                          offset,
                   GError                       **error)
{
  g_autoptr(GHashTable) emails = new_string_set ();
  guint repeated = 0;

  for (guint i = 0; i < page->records->len; i++)
    {
      const char *id = concord_record_get_remote_id (g_ptr_array_index (page->records, i));

      if (self->previous_page != NULL && g_hash_table_contains (self->previous_page, id))
        repeated++;
      g_hash_table_add (emails, g_strdup (id));
    }

  g_clear_pointer (&self->previous_page, g_hash_table_unref);
  if (offset > 0 && page->records->len > 0 && repeated == page->records->len)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "GET /contacts failed: the page at offset %u repeats the page before it "
                   "(the server ignores the offset); the listing stops", offset);
      return FALSE;
    }

  self->previous_page = g_steal_pointer (&emails);
  return TRUE;
}

static void
on_list_page_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (object);
  ListState *state = g_task_get_task_data (task);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordPage) page = NULL;
  JsonArray *array = NULL;
  guint n;

  root = call_finish (self, result, NULL, &error);
  if (error == NULL)
    array = expect_array (root, "GET /contacts", &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  n = json_array_get_length (array);
  if (n > PAGE_LIMIT)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                               "GET /contacts failed: the server sent %u contacts for a page "
                               "of %u; the listing stops", n, PAGE_LIMIT);
      return;
    }

  page = concord_page_new ();
  for (guint i = 0; i < n; i++)
    {
      ConcordRecord *record = parse_contact (self, json_array_get_element (array, i));

      if (record != NULL)
        g_ptr_array_add (page->records, record);
    }

  if (!check_page_is_new (self, page, state->offset, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (n == 0)
    page->complete = TRUE;
  else
    page->next_page = g_strdup_printf ("%u", state->offset + n);

  g_task_return_pointer (task, g_steal_pointer (&page), (GDestroyNotify) concord_page_free);
}

static void
list_request_page (GTask *task)
{
  ConcordConnectorElasticEmail *self = g_task_get_source_object (task);
  ListState *state = g_task_get_task_data (task);
  g_autofree char *path = NULL;

  path = g_strdup_printf ("/contacts?limit=%u&offset=%u", PAGE_LIMIT, state->offset);
  call_async (self, "GET", path, "GET /contacts", NULL, g_task_get_cancellable (task),
              on_list_page_cb, task);
}

static void
on_list_membership_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;

  if (!load_membership_finish (CONCORD_CONNECTOR_ELASTICEMAIL (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  list_request_page (task);
}

/* ------------------------------------------------------------------------- */
/* Fetch                                                                     */
/* ------------------------------------------------------------------------- */

typedef struct
{
  GStrv      ids;        /* (owned) */
  GPtrArray *records;    /* (owned): ConcordRecord (owned) (nullable) per id */
  guint      pending;
  GError    *error;      /* (owned) (nullable): the first error */
} FetchState;

static void
record_unref_nullable (gpointer record)
{
  if (record != NULL)
    concord_record_unref (record);
}

static void
fetch_state_free (FetchState *state)
{
  g_strfreev (state->ids);
  g_clear_pointer (&state->records, g_ptr_array_unref);
  g_clear_error (&state->error);
  g_free (state);
}

typedef struct
{
  GTask *task;   /* (owned) */
  guint  index;
} FetchItem;

static void
fetch_done (GTask *task)
{
  FetchState *state = g_task_get_task_data (task);
  GPtrArray *records;

  if (--state->pending > 0)
    return;

  if (state->error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&state->error));
      return;
    }

  records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  for (guint i = 0; i < state->records->len; i++)
    {
      ConcordRecord *record = g_ptr_array_index (state->records, i);

      if (record != NULL)
        g_ptr_array_add (records, concord_record_ref (record));
    }

  g_task_return_pointer (task, records, (GDestroyNotify) g_ptr_array_unref);
}

static void
on_fetch_one_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  FetchItem *item = user_data;
  g_autoptr(GTask) task = g_steal_pointer (&item->task);
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (object);
  FetchState *state = g_task_get_task_data (task);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;

  root = call_finish (self, result, NULL, &error);
  if (error != NULL)
    {
      if (!g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND) && state->error == NULL)
        state->error = g_steal_pointer (&error);
    }
  else
    {
      ConcordRecord *record = parse_contact (self, root);

      if (record != NULL)
        {
          g_clear_pointer (&g_ptr_array_index (state->records, item->index), concord_record_unref);
          g_ptr_array_index (state->records, item->index) = record;
        }
    }

  g_free (item);
  fetch_done (task);
}

static void
fetch_start (GTask *task)
{
  ConcordConnectorElasticEmail *self = g_task_get_source_object (task);
  FetchState *state = g_task_get_task_data (task);

  state->pending = 1;
  for (guint i = 0; state->ids[i] != NULL; i++)
    {
      g_autofree char *escaped = escape_segment (state->ids[i]);
      g_autofree char *path = g_strconcat ("/contacts/", escaped, NULL);
      FetchItem *item = g_new0 (FetchItem, 1);

      item->task = g_object_ref (task);
      item->index = i;
      state->pending++;
      call_async (self, "GET", path, "GET /contacts/{email}", NULL,
                  g_task_get_cancellable (task), on_fetch_one_cb, item);
    }

  fetch_done (task);
  g_object_unref (task);
}

static void
on_fetch_membership_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;

  if (!load_membership_finish (CONCORD_CONNECTOR_ELASTICEMAIL (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  fetch_start (task);
}

/* ------------------------------------------------------------------------- */
/* Create                                                                    */
/* ------------------------------------------------------------------------- */

typedef struct
{
  GPtrArray *records;    /* (owned): the inputs */
  GPtrArray *results;    /* (owned): ConcordWriteResult (owned) (nullable) per input */
  guint      pending;
  GError    *fatal;      /* (owned) (nullable): ends the whole call */
} CreateState;

static void
create_state_free (CreateState *state)
{
  g_clear_pointer (&state->records, g_ptr_array_unref);
  g_clear_pointer (&state->results, g_ptr_array_unref);
  g_clear_error (&state->fatal);
  g_free (state);
}

typedef struct
{
  GTask  *task;       /* (owned) */
  GArray *indices;    /* (owned): guint, inputs in this request */
  GStrv   lists;      /* (owned) (nullable): listnames */
} CreateChunk;

static void
create_chunk_free (CreateChunk *chunk)
{
  g_clear_object (&chunk->task);
  g_clear_pointer (&chunk->indices, g_array_unref);
  g_strfreev (chunk->lists);
  g_free (chunk);
}

static void
set_result (GPtrArray          *results,
            guint               index,
            ConcordWriteResult *result)
{
  g_clear_pointer (&g_ptr_array_index (results, index), concord_write_result_free);
  g_ptr_array_index (results, index) = result;
}

static void
set_error_result (GPtrArray    *results,
                  guint         index,
                  const GError *error)
{
  set_result (results, index, concord_write_result_new_error (index, g_error_copy (error)));
}

static void
write_done (GTask      *task,
            guint      *pending,
            GError    **fatal,
            GPtrArray **results)
{
  g_autoptr(GPtrArray) out = NULL;

  if (--(*pending) > 0)
    return;

  if (*fatal != NULL)
    {
      g_task_return_error (task, g_steal_pointer (fatal));
      return;
    }

  out = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_write_result_free);
  for (guint i = 0; i < (*results)->len; i++)
    {
      ConcordWriteResult *result = g_steal_pointer (&g_ptr_array_index (*results, i));

      if (result == NULL)
        result = concord_write_result_new_error (i, g_error_new (CONCORD_ERROR,
                                                                 CONCORD_ERROR_FAILED,
                                                                 "The record was not written"));
      g_ptr_array_add (out, result);
    }

  g_task_return_pointer (task, g_steal_pointer (&out), (GDestroyNotify) g_ptr_array_unref);
}

static GBytes *
contact_payload (GPtrArray *records,
                 GArray    *indices)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i < indices->len; i++)
    {
      const ConcordRecord *record = g_ptr_array_index (records, g_array_index (indices, guint, i));
      const char *text;
      gboolean has_custom = FALSE;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "Email");
      json_builder_add_string_value (builder, concord_record_get_text (record,
                                                                       CONCORD_FIELD_EMAIL));

      if ((text = concord_record_get_text (record, CONCORD_FIELD_FIRST_NAME)) != NULL)
        {
          json_builder_set_member_name (builder, "FirstName");
          json_builder_add_string_value (builder, text);
        }
      if ((text = concord_record_get_text (record, CONCORD_FIELD_LAST_NAME)) != NULL)
        {
          json_builder_set_member_name (builder, "LastName");
          json_builder_add_string_value (builder, text);
        }
      if ((text = concord_record_get_text (record, CONCORD_FIELD_STATUS)) != NULL &&
          status_to_api (text) != NULL)
        {
          json_builder_set_member_name (builder, "Status");
          json_builder_add_string_value (builder, status_to_api (text));
        }
      if ((text = concord_record_get_text (record, CONCORD_FIELD_CONSENT)) != NULL &&
          consent_to_api (text) != NULL)
        {
          json_builder_set_member_name (builder, "Consent");
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "ConsentTracking");
          json_builder_add_string_value (builder, consent_to_api (text));
          json_builder_end_object (builder);
        }

      for (guint f = 0; f < concord_record_get_n_fields (record); f++)
        {
          const char *key;
          const ConcordValue *value = concord_record_get_field_at (record, f, &key);
          g_autofree char *string = NULL;

          if (!concord_field_is_custom (key))
            continue;

          if (!has_custom)
            {
              json_builder_set_member_name (builder, "CustomFields");
              json_builder_begin_object (builder);
              has_custom = TRUE;
            }

          /* Every custom value travels as a string. */
          string = concord_value_to_string (value);
          json_builder_set_member_name (builder, key + strlen (CONCORD_FIELD_CUSTOM_PREFIX));
          json_builder_add_string_value (builder, string != NULL ? string : "");
        }
      if (has_custom)
        json_builder_end_object (builder);

      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  return node_to_bytes (root);
}

/* The first custom field of @sent that @echoed lacks, or NULL. */
static const char *
find_dropped_custom_field (const ConcordRecord *sent,
                           JsonNode            *echoed)
{
  JsonObject *custom = NULL;

  if (echoed != NULL && JSON_NODE_HOLDS_OBJECT (echoed))
    custom = member_object (json_node_get_object (echoed), "CustomFields");

  for (guint f = 0; f < concord_record_get_n_fields (sent); f++)
    {
      const char *key;
      const char *name;

      concord_record_get_field_at (sent, f, &key);
      if (!concord_field_is_custom (key))
        continue;

      name = key + strlen (CONCORD_FIELD_CUSTOM_PREFIX);
      if (custom == NULL || !json_object_has_member (custom, name))
        return name;
    }

  return NULL;
}

static void create_send_chunk (CreateChunk *chunk);

static void
on_create_chunk_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  CreateChunk *chunk = user_data;
  GTask *task = chunk->task;
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (object);
  CreateState *state = g_task_get_task_data (task);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) echoed = NULL;
  JsonArray *array = NULL;
  guint status = 0;

  root = call_finish (self, result, &status, &error);

  if (status == SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE && chunk->indices->len > 1)
    {
      /* Too many at once: try each half. */
      guint half = chunk->indices->len / 2;
      CreateChunk *second = g_new0 (CreateChunk, 1);

      g_debug ("POST /contacts: 413 for %u contacts, splitting", chunk->indices->len);
      second->task = g_object_ref (task);
      second->lists = g_strdupv (chunk->lists);
      second->indices = g_array_new (FALSE, FALSE, sizeof (guint));
      g_array_append_vals (second->indices, &g_array_index (chunk->indices, guint, half),
                           chunk->indices->len - half);
      g_array_set_size (chunk->indices, half);

      state->pending++;
      create_send_chunk (chunk);
      create_send_chunk (second);
      return;
    }

  if (error == NULL)
    array = expect_array (root, "POST /contacts", &error);

  if (error != NULL)
    {
      if (error_is_fatal (error))
        {
          if (state->fatal == NULL)
            state->fatal = g_steal_pointer (&error);
        }
      else
        {
          for (guint i = 0; i < chunk->indices->len; i++)
            set_error_result (state->results, g_array_index (chunk->indices, guint, i), error);
        }
      goto out;
    }

  echoed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autofree char *text = NULL;
      char *email;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;

      text = member_text (json_node_get_object (node), "Email");
      email = lower_email (text);
      if (email != NULL)
        g_hash_table_replace (echoed, email, node);
    }

  for (guint i = 0; i < chunk->indices->len; i++)
    {
      guint index = g_array_index (chunk->indices, guint, i);
      const ConcordRecord *input = g_ptr_array_index (state->records, index);
      g_autofree char *key = lower_email (concord_record_get_text (input, CONCORD_FIELD_EMAIL));
      JsonNode *node = key != NULL ? g_hash_table_lookup (echoed, key) : NULL;
      g_autoptr(ConcordRecord) record = NULL;
      const char *dropped;

      if (node == NULL)
        {
          set_result (state->results, index,
                      concord_write_result_new_error (index, g_error_new_literal (
                        CONCORD_ERROR, CONCORD_ERROR_FAILED,
                        "POST /contacts: Elastic Email did not store the contact")));
          continue;
        }

      dropped = find_dropped_custom_field (input, node);
      if (dropped != NULL)
        {
          set_result (state->results, index,
                      concord_write_result_new_error (index, g_error_new (
                        CONCORD_ERROR, CONCORD_ERROR_FAILED,
                        "POST /contacts: the account has no custom field %s", dropped)));
          continue;
        }

      if (self->membership != NULL)
        for (guint l = 0; chunk->lists != NULL && chunk->lists[l] != NULL; l++)
          membership_add (self->membership, key, chunk->lists[l]);

      record = parse_contact (self, node);
      if (record == NULL)
        {
          set_result (state->results, index,
                      concord_write_result_new_error (index, g_error_new_literal (
                        CONCORD_ERROR, CONCORD_ERROR_PARSE,
                        "POST /contacts: the echoed contact has no email")));
          continue;
        }

      /* The server does not echo memberships; they are what we asked for. */
      if (chunk->lists != NULL)
        concord_record_set_set (record, CONCORD_FIELD_LISTS, (const char * const *) chunk->lists);
      else
        concord_record_remove (record, CONCORD_FIELD_LISTS);

      set_result (state->results, index, concord_write_result_new_ok (index, record));
    }

out:
  g_object_ref (task);
  create_chunk_free (chunk);
  write_done (task, &state->pending, &state->fatal, &state->results);
  g_object_unref (task);
}

static void
create_send_chunk (CreateChunk *chunk)
{
  ConcordConnectorElasticEmail *self = g_task_get_source_object (chunk->task);
  CreateState *state = g_task_get_task_data (chunk->task);
  g_autoptr(GString) path = g_string_new ("/contacts");

  for (guint l = 0; chunk->lists != NULL && chunk->lists[l] != NULL; l++)
    {
      g_autofree char *escaped = escape_segment (chunk->lists[l]);

      g_string_append (path, l == 0 ? "?listnames=" : "&listnames=");
      g_string_append (path, escaped);
    }

  call_async (self, "POST", path->str, "POST /contacts",
              contact_payload (state->records, chunk->indices),
              g_task_get_cancellable (chunk->task), on_create_chunk_cb, chunk);
}

/* ------------------------------------------------------------------------- */
/* Update                                                                    */
/* ------------------------------------------------------------------------- */

typedef struct
{
  GPtrArray *changes;    /* (owned): the inputs */
  GPtrArray *results;    /* (owned): ConcordWriteResult (owned) (nullable) per input */
  guint      pending;
  GError    *fatal;      /* (owned) (nullable) */
} UpdateState;

static void
update_state_free (UpdateState *state)
{
  g_clear_pointer (&state->changes, g_ptr_array_unref);
  g_clear_pointer (&state->results, g_ptr_array_unref);
  g_clear_error (&state->fatal);
  g_free (state);
}

typedef enum
{
  STEP_CHECK_STATUS,
  STEP_UNSUBSCRIBE,
  STEP_PUT,
  STEP_LISTS,
  STEP_ECHO,
  STEP_DONE,
} UpdateStep;

typedef struct
{
  GTask                     *task;        /* (owned) */
  guint                      index;
  const ConcordRecordChange *change;      /* (unowned) */
  char                      *email;       /* (owned): lower-cased */
  char                      *escaped;     /* (owned): @email for a path */
  UpdateStep                 step;
  char                      *want_status; /* (owned) (nullable): canonical */
  char                      *want_consent;/* (owned) (nullable): canonical */
  GPtrArray                 *list_ops;    /* (owned): "+name" / "-name" */
  guint                      list_op;
  GPtrArray                 *refused;     /* (owned) (nullable): field key, reason, … */
} UpdateOp;

static void
update_op_free (UpdateOp *op)
{
  g_clear_object (&op->task);
  g_free (op->email);
  g_free (op->escaped);
  g_free (op->want_status);
  g_free (op->want_consent);
  g_clear_pointer (&op->list_ops, g_ptr_array_unref);
  g_clear_pointer (&op->refused, g_ptr_array_unref);
  g_free (op);
}

static gboolean
change_clears (const ConcordRecordChange *change,
               const char                *key)
{
  return change->clear != NULL && g_strv_contains ((const char * const *) change->clear, key);
}

/* The PUT body, or NULL when the change touches no updatable field. */
static GBytes *
update_payload (const ConcordRecordChange *change)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  const ConcordRecord *set = change->set;
  gboolean any = FALSE;
  gboolean has_custom = FALSE;
  static const struct
  {
    const char *key;
    const char *member;
  } names[] = {
    { CONCORD_FIELD_FIRST_NAME, "FirstName" },
    { CONCORD_FIELD_LAST_NAME, "LastName" },
  };

  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *text = set != NULL ? concord_record_get_text (set, names[i].key) : NULL;

      if (text != NULL || change_clears (change, names[i].key))
        {
          json_builder_set_member_name (builder, names[i].member);
          json_builder_add_string_value (builder, text != NULL ? text : "");
          any = TRUE;
        }
    }

  for (guint pass = 0; pass < 2; pass++)
    {
      guint n = pass == 0 ? (set != NULL ? concord_record_get_n_fields (set) : 0)
                          : (change->clear != NULL ? g_strv_length (change->clear) : 0);

      for (guint f = 0; f < n; f++)
        {
          const char *key;
          g_autofree char *string = NULL;

          if (pass == 0)
            {
              const ConcordValue *value = concord_record_get_field_at (set, f, &key);

              string = concord_value_to_string (value);
            }
          else
            key = change->clear[f];

          if (!concord_field_is_custom (key))
            continue;

          if (!has_custom)
            {
              json_builder_set_member_name (builder, "CustomFields");
              json_builder_begin_object (builder);
              has_custom = TRUE;
            }

          json_builder_set_member_name (builder, key + strlen (CONCORD_FIELD_CUSTOM_PREFIX));
          json_builder_add_string_value (builder, string != NULL ? string : "");
        }
    }
  if (has_custom)
    json_builder_end_object (builder);
  json_builder_end_object (builder);

  if (!any && !has_custom)
    return NULL;

  root = json_builder_get_root (builder);
  return node_to_bytes (root);
}

static void update_op_next (UpdateOp *op);

static void
update_op_finish (UpdateOp           *op,
                  ConcordWriteResult *result)
{
  GTask *task = g_object_ref (op->task);
  UpdateState *state = g_task_get_task_data (task);

  set_result (state->results, op->index, result);
  update_op_free (op);
  write_done (task, &state->pending, &state->fatal, &state->results);
  g_object_unref (task);
}

static void
update_op_fail (UpdateOp *op,
                GError   *error)
{
  UpdateState *state = g_task_get_task_data (op->task);

  if (error_is_fatal (error))
    {
      if (state->fatal == NULL)
        state->fatal = g_error_copy (error);
    }

  update_op_finish (op, concord_write_result_new_error (op->index, error));
}

/* The API cannot set @key: noted for the result (@reason is taken). */
static void
update_op_refuse (UpdateOp   *op,
                  const char *key,
                  char       *reason)
{
  if (op->refused == NULL)
    op->refused = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (op->refused, g_strdup (key));
  g_ptr_array_add (op->refused, reason);
}

static void
on_update_step_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  UpdateOp *op = user_data;
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (object);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;

  root = call_finish (self, result, NULL, &error);
  if (g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND) && op->step == STEP_LISTS)
    {
      /* This endpoint skips unknown contacts; a 404 is about the list,
       * which must not read as "the record is gone". */
      g_clear_error (&error);
      error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_FAILED,
                                   "POST /lists/{name}/contacts failed: Elastic Email has no "
                                   "such list (lists are not created automatically)");
    }
  if (error != NULL)
    {
      update_op_fail (op, g_steal_pointer (&error));
      return;
    }

  switch (op->step)
    {
    case STEP_CHECK_STATUS:
      {
        g_autoptr(ConcordRecord) current = parse_contact (self, root);
        const char *status = current != NULL ? concord_record_get_text (current,
                                                                        CONCORD_FIELD_STATUS)
                                             : NULL;
        const char *consent = current != NULL ? concord_record_get_text (current,
                                                                         CONCORD_FIELD_CONSENT)
                                              : NULL;

        /* ConsentTracking defaults to Unknown. */
        if (consent == NULL)
          consent = "unknown";

        /* A value the API cannot set is refused alone: the rest of the
         * change still goes out. */
        if (op->want_consent != NULL && g_strcmp0 (consent, op->want_consent) != 0)
          update_op_refuse (op, CONCORD_FIELD_CONSENT,
                            g_strdup_printf ("Elastic Email does not allow changing the "
                                             "consent to %s through its API", op->want_consent));

        if (op->want_status != NULL && g_strcmp0 (status, op->want_status) != 0 &&
            g_strcmp0 (op->want_status, "unsubscribed") != 0)
          {
            update_op_refuse (op, CONCORD_FIELD_STATUS,
                              g_strdup_printf ("Elastic Email does not allow changing the "
                                               "status to %s through its API", op->want_status));
            g_clear_pointer (&op->want_status, g_free);
          }
        if (g_strcmp0 (status, op->want_status) == 0)
          g_clear_pointer (&op->want_status, g_free);
        g_clear_pointer (&op->want_consent, g_free);
        op->step = STEP_UNSUBSCRIBE;
      }
      break;

    case STEP_PUT:
      {
        const char *dropped = op->change->set != NULL
                              ? find_dropped_custom_field (op->change->set, root) : NULL;

        if (dropped != NULL)
          {
            update_op_fail (op, g_error_new (CONCORD_ERROR, CONCORD_ERROR_FAILED,
                                             "PUT /contacts/{email}: the account has no "
                                             "custom field %s", dropped));
            return;
          }
        op->step = STEP_LISTS;
      }
      break;

    case STEP_UNSUBSCRIBE:
      op->step = STEP_PUT;
      break;

    case STEP_LISTS:
      {
        const char *op_text = g_ptr_array_index (op->list_ops, op->list_op);

        if (self->membership != NULL)
          {
            if (op_text[0] == '+')
              membership_add (self->membership, op->email, op_text + 1);
            else
              membership_remove (self->membership, op->email, op_text + 1);
          }
        op->list_op++;
      }
      break;

    case STEP_ECHO:
      {
        g_autoptr(ConcordRecord) record = parse_contact (self, root);

        if (record == NULL)
          {
            update_op_fail (op, g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                                     "GET /contacts/{email}: the answer "
                                                     "has no email"));
            return;
          }

        {
          ConcordWriteResult *written = concord_write_result_new_ok (op->index, record);

          for (guint i = 0; op->refused != NULL && i + 1 < op->refused->len; i += 2)
            concord_write_result_add_refused (written, g_ptr_array_index (op->refused, i),
                                              g_ptr_array_index (op->refused, i + 1));
          update_op_finish (op, written);
        }
        return;
      }

    case STEP_DONE:
    default:
      g_assert_not_reached ();
    }

  update_op_next (op);
}

static void
update_op_next (UpdateOp *op)
{
  ConcordConnectorElasticEmail *self = g_task_get_source_object (op->task);
  GCancellable *cancellable = g_task_get_cancellable (op->task);
  g_autofree char *path = g_strconcat ("/contacts/", op->escaped, NULL);

  for (;;)
    {
      switch (op->step)
        {
        case STEP_CHECK_STATUS:
          /* Status and consent cannot be written (but for unsubscribing):
           * a change is refused unless the contact has the value already. */
          if ((op->want_status != NULL && g_strcmp0 (op->want_status, "unsubscribed") != 0) ||
              op->want_consent != NULL)
            {
              call_async (self, "GET", path, "GET /contacts/{email}", NULL, cancellable,
                          on_update_step_cb, op);
              return;
            }
          op->step = STEP_UNSUBSCRIBE;
          break;

        case STEP_PUT:
          {
            GBytes *body = update_payload (op->change);

            if (body != NULL)
              {
                call_async (self, "PUT", path, "PUT /contacts/{email}", body, cancellable,
                            on_update_step_cb, op);
                return;
              }
            op->step = STEP_LISTS;
          }
          break;

        case STEP_UNSUBSCRIBE:
          if (g_strcmp0 (op->want_status, "unsubscribed") == 0)
            {
              g_autoptr(JsonBuilder) builder = json_builder_new ();
              g_autoptr(JsonNode) root = NULL;

              json_builder_begin_array (builder);
              json_builder_add_string_value (builder, op->email);
              json_builder_end_array (builder);
              root = json_builder_get_root (builder);

              call_async (self, "POST", "/suppressions/unsubscribes",
                          "POST /suppressions/unsubscribes", node_to_bytes (root), cancellable,
                          on_update_step_cb, op);
              return;
            }
          op->step = STEP_PUT;
          break;

        case STEP_LISTS:
          if (op->list_ops != NULL && op->list_op < op->list_ops->len)
            {
              const char *op_text = g_ptr_array_index (op->list_ops, op->list_op);
              g_autofree char *escaped = escape_segment (op_text + 1);
              g_autofree char *list_path = NULL;
              const char *emails[] = { op->email, NULL };

              if (op_text[0] == '+')
                {
                  list_path = g_strconcat ("/lists/", escaped, "/contacts", NULL);
                  call_async (self, "POST", list_path, "POST /lists/{name}/contacts",
                              emails_payload (emails), cancellable, on_update_step_cb, op);
                }
              else
                {
                  list_path = g_strconcat ("/lists/", escaped, "/contacts/remove", NULL);
                  call_async (self, "POST", list_path, "POST /lists/{name}/contacts/remove",
                              emails_payload (emails), cancellable, on_update_step_cb, op);
                }
              return;
            }
          op->step = STEP_ECHO;
          break;

        case STEP_ECHO:
          call_async (self, "GET", path, "GET /contacts/{email}", NULL, cancellable,
                      on_update_step_cb, op);
          return;

        case STEP_DONE:
        default:
          g_assert_not_reached ();
        }
    }
}

/* Prepares one change; FALSE (with @error) when it cannot be made at all. */
static gboolean
update_op_prepare (ConcordConnectorElasticEmail  *self,
                   UpdateOp                      *op,
                   GError                       **error)
{
  const ConcordRecord *set = op->change->set;
  const char *text;
  const ConcordValue *lists_value;

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
    {
      const char *canonical = status_to_canonical (text);

      op->want_status = g_strdup (canonical != NULL ? canonical : text);
    }

  if (set != NULL && (text = concord_record_get_text (set, CONCORD_FIELD_CONSENT)) != NULL)
    op->want_consent = g_ascii_strdown (text, -1);

  lists_value = set != NULL ? concord_record_get (set, CONCORD_FIELD_LISTS) : NULL;
  if (lists_value != NULL || change_clears (op->change, CONCORD_FIELD_LISTS))
    {
      GHashTable *current = self->membership != NULL
                            ? g_hash_table_lookup (self->membership, op->email) : NULL;
      const char * const *wanted = (lists_value != NULL &&
                                    lists_value->type == CONCORD_FIELD_TYPE_STRING_SET)
                                   ? (const char * const *) lists_value->v.set : NULL;

      op->list_ops = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; wanted != NULL && wanted[i] != NULL; i++)
        if (current == NULL || !g_hash_table_contains (current, wanted[i]))
          g_ptr_array_add (op->list_ops, g_strconcat ("+", wanted[i], NULL));

      if (current != NULL)
        {
          GHashTableIter iter;
          gpointer name;

          g_hash_table_iter_init (&iter, current);
          while (g_hash_table_iter_next (&iter, &name, NULL))
            if (wanted == NULL || !g_strv_contains (wanted, name))
              g_ptr_array_add (op->list_ops, g_strconcat ("-", (const char *) name, NULL));
        }
    }

  return TRUE;
}

static void
update_start (GTask *task)
{
  ConcordConnectorElasticEmail *self = g_task_get_source_object (task);
  UpdateState *state = g_task_get_task_data (task);

  state->pending = 1;
  for (guint i = 0; i < state->changes->len; i++)
    {
      const ConcordRecordChange *change = g_ptr_array_index (state->changes, i);
      UpdateOp *op = g_new0 (UpdateOp, 1);
      GError *error = NULL;

      op->task = g_object_ref (task);
      op->index = i;
      op->change = change;
      op->email = lower_email (change->remote_id);
      state->pending++;

      if (op->email == NULL)
        {
          update_op_fail (op, g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_INVALID,
                                                   "The change has no remote id"));
          continue;
        }

      op->escaped = escape_segment (op->email);
      if (!update_op_prepare (self, op, &error))
        {
          update_op_fail (op, error);
          continue;
        }

      op->step = STEP_CHECK_STATUS;
      update_op_next (op);
    }

  write_done (task, &state->pending, &state->fatal, &state->results);
  g_object_unref (task);
}

static void
on_update_membership_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;

  if (!load_membership_finish (CONCORD_CONNECTOR_ELASTICEMAIL (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  update_start (task);
}

/* ------------------------------------------------------------------------- */
/* ConcordConnector                                                          */
/* ------------------------------------------------------------------------- */

static const char *
concord_connector_elasticemail_get_app_id (ConcordConnector *connector)
{
  return EE_APP_ID;
}

static const char *
concord_connector_elasticemail_get_app_name (ConcordConnector *connector)
{
  return EE_APP_NAME;
}

static ConcordConnectorFlags
concord_connector_elasticemail_get_flags (ConcordConnector *connector)
{
  return CONCORD_CONNECTOR_MODIFIED_TIMES;
}

static guint
concord_connector_elasticemail_get_max_batch (ConcordConnector *connector)
{
  return MAX_BATCH;
}

static guint
concord_connector_elasticemail_get_page_size (ConcordConnector *connector)
{
  return PAGE_LIMIT;
}

static guint
concord_connector_elasticemail_get_rate_budget (ConcordConnector *connector)
{
  return RATE_BUDGET;
}

static GPtrArray *
concord_connector_elasticemail_list_contact_types (ConcordConnector *connector)
{
  GPtrArray *types = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);

  g_ptr_array_add (types, concord_contact_type_new (CONTACT_TYPE_ID, CONTACT_TYPE_LABEL));

  return types;
}

static void
concord_connector_elasticemail_load_schema_async (ConcordConnector    *connector,
                                                  const char          *contact_type,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (connector);
  g_autoptr(GTask) task = NULL;
  SchemaState *state;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_connector_elasticemail_load_schema_async);

  if (!check_contact_type (task, contact_type))
    return;

  state = g_new0 (SchemaState, 1);
  state->all_pages = !self->schema_read;
  g_task_set_task_data (task, state, (GDestroyNotify) schema_state_free);
  schema_request_page (g_steal_pointer (&task));
}

static GPtrArray *
concord_connector_elasticemail_load_schema_finish (ConcordConnector  *connector,
                                                   GAsyncResult      *result,
                                                   GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connector), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        concord_connector_elasticemail_load_schema_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
concord_connector_elasticemail_list_async (ConcordConnector    *connector,
                                           const char          *contact_type,
                                           const char          *cursor,
                                           const char          *page_token,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (connector);
  g_autoptr(GTask) task = NULL;
  ListState *state;
  guint64 offset = 0;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_connector_elasticemail_list_async);

  if (!check_contact_type (task, contact_type))
    return;

  if (page_token != NULL &&
      !g_ascii_string_to_unsigned (page_token, 10, 0, G_MAXINT32, &offset, NULL))
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                               "Invalid page token for Elastic Email");
      return;
    }

  state = g_new0 (ListState, 1);
  state->offset = (guint) offset;
  g_task_set_task_data (task, state, g_free);

  /* A new listing (a new run) starts with a fresh retry budget and no page
   * to compare with. */
  if (page_token == NULL)
    {
      self->retry_waited_ms = 0;
      g_clear_pointer (&self->previous_page, g_hash_table_unref);
    }

  /* Memberships are read once per listing, before its first page. */
  if (page_token == NULL || self->membership == NULL)
    load_membership_async (self, cancellable, on_list_membership_cb, g_steal_pointer (&task));
  else
    list_request_page (g_steal_pointer (&task));
}

static ConcordPage *
concord_connector_elasticemail_list_finish (ConcordConnector  *connector,
                                            GAsyncResult      *result,
                                            GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connector), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        concord_connector_elasticemail_list_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
concord_connector_elasticemail_fetch_async (ConcordConnector    *connector,
                                            const char          *contact_type,
                                            const char * const  *remote_ids,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (connector);
  g_autoptr(GTask) task = NULL;
  FetchState *state;
  guint n;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_connector_elasticemail_fetch_async);

  if (!check_contact_type (task, contact_type))
    return;

  n = remote_ids != NULL ? g_strv_length ((char **) remote_ids) : 0;
  state = g_new0 (FetchState, 1);
  state->ids = g_strdupv ((char **) remote_ids);
  if (state->ids == NULL)
    state->ids = g_new0 (char *, 1);
  state->records = g_ptr_array_new_with_free_func (record_unref_nullable);
  g_ptr_array_set_size (state->records, n);
  g_task_set_task_data (task, state, (GDestroyNotify) fetch_state_free);

  if (self->membership == NULL && n > 0)
    load_membership_async (self, cancellable, on_fetch_membership_cb, g_steal_pointer (&task));
  else
    fetch_start (g_steal_pointer (&task));
}

static GPtrArray *
concord_connector_elasticemail_fetch_finish (ConcordConnector  *connector,
                                             GAsyncResult      *result,
                                             GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connector), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        concord_connector_elasticemail_fetch_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static char *
lists_group_key (const ConcordRecord *record)
{
  const ConcordValue *value = concord_record_get (record, CONCORD_FIELD_LISTS);

  if (value == NULL || value->type != CONCORD_FIELD_TYPE_STRING_SET || value->v.set == NULL)
    return g_strdup ("");

  /* Sets are sorted and distinct: equal sets join to equal keys. */
  return g_strjoinv ("\x1f", value->v.set);
}

static void
concord_connector_elasticemail_create_async (ConcordConnector    *connector,
                                             const char          *contact_type,
                                             GPtrArray           *records,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (connector);
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) groups = NULL;
  g_autoptr(GPtrArray) order = NULL;
  CreateState *state;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_connector_elasticemail_create_async);

  if (!check_contact_type (task, contact_type))
    return;

  state = g_new0 (CreateState, 1);
  state->records = g_ptr_array_ref (records);
  state->results = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_write_result_free);
  g_ptr_array_set_size (state->results, records->len);
  g_task_set_task_data (task, state, (GDestroyNotify) create_state_free);

  /* Group by list set: listnames applies to the whole request. */
  groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                  (GDestroyNotify) g_array_unref);
  order = g_ptr_array_new ();
  for (guint i = 0; i < records->len; i++)
    {
      const ConcordRecord *record = g_ptr_array_index (records, i);
      const char *email = concord_record_get_text (record, CONCORD_FIELD_EMAIL);
      g_autofree char *key = NULL;
      GArray *indices;

      if (email == NULL || !concord_email_is_valid (email))
        {
          set_result (state->results, i, concord_write_result_new_error (i, g_error_new_literal (
                        CONCORD_ERROR, CONCORD_ERROR_INVALID,
                        "Elastic Email needs a valid email address for a contact")));
          continue;
        }

      key = lists_group_key (record);
      indices = g_hash_table_lookup (groups, key);
      if (indices == NULL)
        {
          indices = g_array_new (FALSE, FALSE, sizeof (guint));
          g_hash_table_insert (groups, g_strdup (key), indices);
          g_ptr_array_add (order, g_strdup (key));
        }
      g_array_append_val (indices, i);
    }
  g_ptr_array_set_free_func (order, g_free);

  state->pending = 1;
  for (guint g = 0; g < order->len; g++)
    {
      const char *key = g_ptr_array_index (order, g);
      GArray *indices = g_hash_table_lookup (groups, key);

      for (guint start = 0; start < indices->len; start += self->request_batch)
        {
          CreateChunk *chunk = g_new0 (CreateChunk, 1);
          guint n = MIN (self->request_batch, indices->len - start);

          chunk->task = g_object_ref (task);
          chunk->indices = g_array_new (FALSE, FALSE, sizeof (guint));
          g_array_append_vals (chunk->indices, &g_array_index (indices, guint, start), n);
          chunk->lists = *key != '\0' ? g_strsplit (key, "\x1f", -1) : NULL;
          state->pending++;
          create_send_chunk (chunk);
        }
    }

  write_done (task, &state->pending, &state->fatal, &state->results);
}

static GPtrArray *
concord_connector_elasticemail_create_finish (ConcordConnector  *connector,
                                              GAsyncResult      *result,
                                              GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connector), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        concord_connector_elasticemail_create_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
concord_connector_elasticemail_update_async (ConcordConnector    *connector,
                                             const char          *contact_type,
                                             GPtrArray           *changes,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (connector);
  g_autoptr(GTask) task = NULL;
  UpdateState *state;
  gboolean touches_lists = FALSE;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_connector_elasticemail_update_async);

  if (!check_contact_type (task, contact_type))
    return;

  state = g_new0 (UpdateState, 1);
  state->changes = g_ptr_array_ref (changes);
  state->results = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_write_result_free);
  g_ptr_array_set_size (state->results, changes->len);
  g_task_set_task_data (task, state, (GDestroyNotify) update_state_free);

  for (guint i = 0; i < changes->len; i++)
    {
      const ConcordRecordChange *change = g_ptr_array_index (changes, i);

      if ((change->set != NULL && concord_record_get (change->set, CONCORD_FIELD_LISTS) != NULL) ||
          change_clears (change, CONCORD_FIELD_LISTS))
        touches_lists = TRUE;
    }

  /* Membership changes are computed against what the lists hold. */
  if (touches_lists && self->membership == NULL)
    load_membership_async (self, cancellable, on_update_membership_cb, g_steal_pointer (&task));
  else
    update_start (g_steal_pointer (&task));
}

static GPtrArray *
concord_connector_elasticemail_update_finish (ConcordConnector  *connector,
                                              GAsyncResult      *result,
                                              GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connector), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        concord_connector_elasticemail_update_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_connector_elasticemail_dispose (GObject *object)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (object);

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  g_clear_pointer (&self->membership, g_hash_table_unref);
  g_clear_pointer (&self->previous_page, g_hash_table_unref);
  g_clear_pointer (&self->custom_fields, g_hash_table_unref);

  G_OBJECT_CLASS (concord_connector_elasticemail_parent_class)->dispose (object);
}

static void
concord_connector_elasticemail_finalize (GObject *object)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (object);

  g_assert (g_queue_is_empty (&self->waiting));

  if (self->api_key != NULL)
    explicit_bzero (self->api_key, strlen (self->api_key));
  g_clear_pointer (&self->api_key, g_free);
  g_clear_pointer (&self->base_url, g_free);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (concord_connector_elasticemail_parent_class)->finalize (object);
}

static void
concord_connector_elasticemail_class_init (ConcordConnectorElasticEmailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ConcordConnectorClass *connector_class = CONCORD_CONNECTOR_CLASS (klass);

  object_class->dispose = concord_connector_elasticemail_dispose;
  object_class->finalize = concord_connector_elasticemail_finalize;

  connector_class->verify_async = elasticemail_verify_async_impl;
  connector_class->verify_finish = elasticemail_verify_finish_impl;
  connector_class->get_app_id = concord_connector_elasticemail_get_app_id;
  connector_class->get_app_name = concord_connector_elasticemail_get_app_name;
  connector_class->get_flags = concord_connector_elasticemail_get_flags;
  connector_class->get_max_batch = concord_connector_elasticemail_get_max_batch;
  connector_class->get_page_size = concord_connector_elasticemail_get_page_size;
  connector_class->get_rate_budget = concord_connector_elasticemail_get_rate_budget;
  connector_class->list_contact_types = concord_connector_elasticemail_list_contact_types;
  connector_class->load_schema_async = concord_connector_elasticemail_load_schema_async;
  connector_class->load_schema_finish = concord_connector_elasticemail_load_schema_finish;
  connector_class->list_choices_async = concord_connector_elasticemail_list_choices_async;
  connector_class->list_choices_finish = concord_connector_elasticemail_list_choices_finish;
  connector_class->list_async = concord_connector_elasticemail_list_async;
  connector_class->list_finish = concord_connector_elasticemail_list_finish;
  connector_class->fetch_async = concord_connector_elasticemail_fetch_async;
  connector_class->fetch_finish = concord_connector_elasticemail_fetch_finish;
  connector_class->create_async = concord_connector_elasticemail_create_async;
  connector_class->create_finish = concord_connector_elasticemail_create_finish;
  connector_class->update_async = concord_connector_elasticemail_update_async;
  connector_class->update_finish = concord_connector_elasticemail_update_finish;
}

static void
concord_connector_elasticemail_init (ConcordConnectorElasticEmail *self)
{
  self->session = concord_http_session_new ();
  self->context = g_main_context_ref_thread_default ();
  self->retry_base_ms = DEFAULT_RETRY_BASE_MS;
  self->request_batch = MAX_BATCH;
  self->max_schema_pages = MAX_SCHEMA_PAGES;
  self->retry_budget_ms = (guint64) CONCORD_HTTP_RETRY_BUDGET_SECONDS * 1000;
  self->custom_fields = new_string_set ();
  g_queue_init (&self->waiting);
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
  gsize length;

  g_return_val_if_fail (api_key != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_CONNECTOR_ELASTICEMAIL, NULL);
  self->base_url = g_strdup (base_url != NULL ? base_url : CONCORD_ELASTICEMAIL_DEFAULT_BASE_URL);
  length = strlen (self->base_url);
  while (length > 0 && self->base_url[length - 1] == '/')
    self->base_url[--length] = '\0';
  self->api_key = g_strdup (api_key);

  return self;
}

/**
 * elasticemail_verify_async_impl:
 *
 * Checks the key with a cheap authenticated call (GET /contacts?limit=1).
 * Fails with %CONCORD_ERROR_AUTH_FAILED for a refused key or a key without
 * the contacts permission, %CONCORD_ERROR_NETWORK when the API cannot be
 * reached.
 */
static void
elasticemail_verify_async_impl (ConcordConnector    *connector,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (connector);
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CONCORD_IS_CONNECTOR_ELASTICEMAIL (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, elasticemail_verify_async_impl);
  self->retry_waited_ms = 0;

  call_async (self, "GET", "/contacts?limit=1", "GET /contacts", NULL, cancellable,
              on_verify_cb, g_steal_pointer (&task));
}

static gboolean
elasticemail_verify_finish_impl (ConcordConnector  *connector,
                                GAsyncResult      *result,
                                GError           **error)
{
  ConcordConnectorElasticEmail *self = CONCORD_CONNECTOR_ELASTICEMAIL (connector);

  g_return_val_if_fail (CONCORD_IS_CONNECTOR_ELASTICEMAIL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        elasticemail_verify_async_impl, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
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

  self->retry_base_ms = base_ms;
}

/**
 * concord_connector_elasticemail_set_retry_budget_ms:
 * @budget_ms: the most one listing waits on retries, all calls together
 *
 * For tests; the default is %CONCORD_HTTP_RETRY_BUDGET_SECONDS.
 */
void
concord_connector_elasticemail_set_retry_budget_ms (ConcordConnectorElasticEmail *self,
                                                    guint                         budget_ms)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_ELASTICEMAIL (self));

  self->retry_budget_ms = budget_ms;
}

/**
 * concord_connector_elasticemail_set_request_batch:
 * @n_contacts: contacts per POST /contacts, at least 1
 *
 * For tests: lets a request exceed the API's 1000 to meet its 413.
 */
void
concord_connector_elasticemail_set_request_batch (ConcordConnectorElasticEmail *self,
                                                  guint                         n_contacts)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_ELASTICEMAIL (self));
  g_return_if_fail (n_contacts > 0);

  self->request_batch = n_contacts;
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

/**
 * concord_connector_elasticemail_declare_custom_fields:
 * @names: (nullable): custom field names separated by commas, e.g. the
 *   account's option "custom_fields"
 *
 * Custom fields the account has but no contact may use yet, which reading
 * contacts cannot find: they are in the schema from now on, so they map
 * and sync. Blank names are skipped, and so are names that are not text.
 * A name the account lacks makes each write of it fail, naming it.
 */
void
concord_connector_elasticemail_declare_custom_fields (ConcordConnectorElasticEmail *self,
                                                      const char                   *names)
{
  g_auto(GStrv) split = NULL;

  g_return_if_fail (CONCORD_IS_CONNECTOR_ELASTICEMAIL (self));

  if (names == NULL)
    return;

  split = g_strsplit (names, ",", -1);
  for (guint i = 0; split[i] != NULL; i++)
    {
      char *name = g_strstrip (split[i]);

      if (*name == '\0' || !g_utf8_validate (name, -1, NULL))
        continue;
      if (!g_hash_table_contains (self->custom_fields, name))
        g_hash_table_add (self->custom_fields, g_strdup (name));
    }
}
