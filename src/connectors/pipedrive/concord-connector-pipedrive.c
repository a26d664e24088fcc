/* concord-connector-pipedrive.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Pipedrive's persons, through API v2 (specs/connectors-reference.md §2:
 * the v1 persons endpoints are out of support since 2026-08-01); v1 only
 * for /v1/personFields (the fields and their options) and /v1/users/me
 * (verify). ConcordRestConnector and ConcordHttpClient do the requests:
 * the token only in the x-api-token header, reads MAX_IN_FLIGHT at once
 * and writes one at a time (Pipedrive's burst limit counts a token's
 * requests over 2 s, and Concord serialises a token's writes), the
 * x-ratelimit-* window honoured before a 429 comes, retries with
 * Retry-After, bounded and repaired answers.
 *
 * Envelopes. Every answer is {success, data, additional_data}; an error is
 * {success:false, error, error_info}. A 403 that is not JSON is
 * Cloudflare's page for a client that kept going after 429s: that is
 * CONCORD_ERROR_RATE_LIMITED (the run stops, the schedule tries later),
 * never an authentication failure.
 *
 * Listing. GET /api/v2/persons pages by cursor (additional_data.next_cursor,
 * null at the end); a cursor seen before in a listing is
 * CONCORD_ERROR_PROTOCOL (the base's guard). An incremental listing adds
 * updated_since (≥, RFC 3339, second resolution) sorted by update_time
 * ascending; its next cursor is the largest update_time read, so the next
 * listing overlaps by the persons of that second. v2 lists live persons
 * only, and no change listing shows a deletion: the cursor also keeps
 * when the last full listing was ("<since>;full=<unix time>"), and a
 * listing more than FULL_SCAN_SECONDS after it is a full one, the only
 * kind marked complete (absence means deleted only there).
 *
 * Fields. /v1/personFields (start/limit paging) is read before a listing's
 * first page, a schema load, and any fetch or write before the first:
 * custom fields are keyed by a 40-character hash and shown by name
 * ("custom:<name>"); two fields with one name both get the start of their
 * key after it, so neither pairs with a field of that name by mistake.
 * enum and set values are option ids on the wire and labels here; a type
 * Concord cannot write back losslessly (monetary, address, ranges, users,
 * organisations) is read-only. The label_ids field's options are the
 * labels, which are the tags.
 *
 * Organisations. A person holds org_id; the names are read from
 * GET /api/v2/organizations (cursor paging) before a listing's first page.
 * Writing a company sets org_id to the organisation of exactly that name,
 * created (POST /api/v2/organizations) before the person's write when
 * there is none; an empty company clears org_id.
 *
 * Names. v2 writes one `name` and derives first_name and last_name from
 * it: a change of only one of them reads the person first, so the other
 * is kept.
 *
 * Emails and phones are labelled arrays with a primary: the primary is
 * "email" / "phone", the whole array "emails" / "phones". Email is not
 * unique in Pipedrive: two persons with one address are both listed, and
 * the engine's matching takes them to review (AMBIGUOUS), never picks one.
 *
 * Status. marketing_status subscribed → active, unsubscribed, no_consent →
 * transactional (only transactional mail may go to them), archived →
 * inactive. Pipedrive lets a status change only once away from a given
 * value and silently ignores a forbidden change: the echo is compared and
 * the status refused for that person, saying why.
 */

#define G_LOG_DOMAIN "concord-connector-pipedrive"

#include "config.h"

#include <string.h>

#include "concord-connector-pipedrive.h"
#include "concord-connector-pipedrive-private.h"
#include "concord-error.h"
#include "concord-json-private.h"
#include "concord-rest-connector.h"

#define PD_APP_ID            "pipedrive"
#define PD_APP_NAME          "Pipedrive"
#define CONTACT_TYPE_LABEL   "Persons"
#define TOKEN_HEADER         "x-api-token"
#define PAGE_LIMIT           500
#define FIELDS_PAGE_LIMIT    500
#define MAX_IN_FLIGHT        4
#define MAX_WRITES_IN_FLIGHT 1
/* The budget automatic schedules keep to 1 % of, in requests an hour:
 * the burst limit of the smallest plan, 20 requests per 2 s. */
#define RATE_BUDGET          (10 * 3600)
#define MAX_VALUE_BYTES      (64 * 1024)
#define MAX_EMAIL_BYTES      254
#define MAX_ERROR_BODY_BYTES (64 * 1024)
#define MAX_SIDE_PAGES       1000
#define HASH_KEY_LENGTH      40
/* How often a change listing is a full one instead, to see deletions. */
#define FULL_SCAN_SECONDS    (24 * 3600)

typedef struct
{
  char             *key;       /* (owned): the API's key (a hash for custom fields) */
  char             *name;      /* (owned): as shown: "custom:<name>" for custom fields */
  char             *label;     /* (owned): the field's name in Pipedrive */
  ConcordFieldType  type;
  gboolean          multi;     /* set: an array of option ids */
  gboolean          read_only;
  gboolean          custom;
  GHashTable       *options;   /* (owned) (nullable): id (text) → label */
} PersonField;

struct _ConcordConnectorPipedrive
{
  ConcordRestConnector  parent_instance;

  ConcordHttpClient    *client;        /* (owned): also the base's */
  guint                 page_limit;
  GPtrArray            *fields;        /* (owned) (nullable): PersonField, custom ones */
  GHashTable           *fields_by_key; /* (owned) (nullable): key → PersonField */
  GHashTable           *fields_by_name;/* (owned) (nullable): "custom:<name>" → PersonField */
  GHashTable           *labels;        /* (owned) (nullable): label id (text) → name */
  GHashTable           *orgs;          /* (owned) (nullable): org id (text) → name */
  GHashTable           *org_ids;       /* (owned) (nullable): name → org id (text) */
  gint64                max_update;    /* the largest update_time of the listing, -1 */
  gint64                since;         /* the listing's updated_since, -1: a full one */
  gint64                full_at;       /* when the last full listing started, Unix time */
};

G_DEFINE_FINAL_TYPE (ConcordConnectorPipedrive, concord_connector_pipedrive,
                     CONCORD_TYPE_REST_CONNECTOR)

/* marketing_status and the canonical status. */
static const struct
{
  const char *api;
  const char *canonical;
} status_names[] = {
  { "subscribed", "active" },
  { "unsubscribed", "unsubscribed" },
  { "no_consent", "transactional" },
  { "archived", "inactive" },
};

/* Canonical values written as the nearest marketing_status. */
static const struct
{
  const char *canonical;
  const char *api;
} status_writes[] = {
  { "active", "subscribed" },
  { "engaged", "subscribed" },
  { "unsubscribed", "unsubscribed" },
  { "bounced", "unsubscribed" },
  { "abuse", "unsubscribed" },
  { "complained", "unsubscribed" },
  { "transactional", "no_consent" },
  { "not_confirmed", "no_consent" },
  { "inactive", "archived" },
  { "stale", "archived" },
};

static const char *status_choices[] = { "active", "unsubscribed", "transactional", "inactive",
                                        NULL };

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void
person_field_free (PersonField *field)
{
  g_free (field->key);
  g_free (field->name);
  g_free (field->label);
  g_clear_pointer (&field->options, g_hash_table_unref);
  g_free (field);
}

static const char *
status_to_canonical (const char *api)
{
  for (guint i = 0; api != NULL && i < G_N_ELEMENTS (status_names); i++)
    if (g_ascii_strcasecmp (status_names[i].api, api) == 0)
      return status_names[i].canonical;

  return NULL;
}

static const char *
status_to_api (const char *canonical)
{
  for (guint i = 0; canonical != NULL && i < G_N_ELEMENTS (status_writes); i++)
    if (g_ascii_strcasecmp (status_writes[i].canonical, canonical) == 0)
      return status_writes[i].api;

  return NULL;
}

static char *
member_text (JsonObject *object,
             const char *name)
{
  return concord_rest_json_text (object, name, MAX_VALUE_BYTES, NULL);
}

/* An id member (a JSON integer, or digits) as text, or NULL. */
static char *
node_id (JsonNode *node)
{
  g_autofree char *text = NULL;
  guint64 number;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node) > 0
           ? g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node)) : NULL;
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  text = g_strdup (json_node_get_string (node));
  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, &number, NULL))
    return NULL;
  return g_strdup_printf ("%" G_GUINT64_FORMAT, number);
}

static gboolean
is_id (const char *text)
{
  return text != NULL && g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, NULL, NULL);
}

/* The person object of an answer: a bare object, or an envelope's data. */
static JsonObject *
unwrap (JsonNode *node)
{
  JsonObject *object;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);
  if (json_object_has_member (object, "success") && json_object_has_member (object, "data"))
    return concord_rest_json_object (object, "data");
  return object;
}

static char *
format_time (gint64 unix_time)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (unix_time);

  return when != NULL ? g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ") : NULL;
}

/* A Pipedrive item label for a Concord one. */
static const char *
label_to_api (const char *label,
              gboolean    phone)
{
  if (g_strcmp0 (label, CONCORD_LABEL_WORK) == 0 || g_strcmp0 (label, CONCORD_LABEL_HOME) == 0)
    return label;
  if (phone && g_strcmp0 (label, CONCORD_LABEL_MOBILE) == 0)
    return label;
  return "other";
}

/* ------------------------------------------------------------------------- */
/* Reading a person                                                          */
/* ------------------------------------------------------------------------- */

/* A boolean member that is true; anything else (missing, null, a string,
 * an object: a hostile answer) is false. json-glib's own getter is
 * critical on a member that is not a value. */
static gboolean
get_flag (JsonObject *object,
          const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

/* emails / phones: the primary (the first item when none says it is) as
 * @single, every item in @set. */
static void
read_items (ConcordRecord    *record,
            JsonObject       *object,
            const char       *member,
            const char       *single,
            const char       *set,
            ConcordFieldType  type)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *primary = NULL;
  g_autofree char *first = NULL;
  gboolean primary_repaired = FALSE;
  gboolean first_repaired = FALSE;
  gboolean any_repaired = FALSE;
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return;
  array = json_node_get_array (node);

  for (guint i = 0; i < json_array_get_length (array) && i < 100; i++)
    {
      JsonNode *item_node = json_array_get_element (array, i);
      JsonObject *item;
      g_autofree char *value = NULL;
      g_autofree char *label = NULL;
      g_autofree char *folded = NULL;
      gboolean repaired = FALSE;

      if (!JSON_NODE_HOLDS_OBJECT (item_node))
        continue;
      item = json_node_get_object (item_node);
      value = concord_rest_json_text (item, "value", MAX_VALUE_BYTES, &repaired);
      if (value == NULL || *g_strstrip (value) == '\0')
        continue;
      if (type == CONCORD_FIELD_TYPE_EMAIL && strlen (value) > MAX_EMAIL_BYTES)
        {
          /* Longer than any address: kept cut and marked, so it neither
           * matches nor creates. */
          g_autofree char *cut = concord_http_cut_text (value, MAX_EMAIL_BYTES);

          g_free (value);
          value = g_steal_pointer (&cut);
          repaired = TRUE;
        }
      label = member_text (item, "label");
      folded = concord_label_normalize (label != NULL && *label != '\0' ? label
                                                                        : CONCORD_LABEL_OTHER);
      if (primary == NULL && get_flag (item, "primary"))
        {
          primary = g_strdup (value);
          primary_repaired = repaired;
        }
      if (first == NULL)
        {
          first = g_strdup (value);
          first_repaired = repaired;
        }
      any_repaired |= repaired;
      g_ptr_array_add (items, concord_labelled_format (folded, value));
    }

  if (items->len == 0)
    return;

  if (primary == NULL)
    {
      primary = g_steal_pointer (&first);
      primary_repaired = first_repaired;
    }
  concord_rest_record_set_text (record, single, type, primary, primary_repaired);
  g_ptr_array_add (items, NULL);
  concord_record_set_set (record, set, (const char * const *) items->pdata);
  if (any_repaired)
    concord_record_mark_altered (record, set);
}

/* A composite value (monetary, address, a range) as one line of text. */
static char *
composite_text (JsonObject *object)
{
  g_autofree char *value = member_text (object, "value");
  g_autofree char *currency = member_text (object, "currency");
  g_autofree char *start = NULL;
  g_autofree char *end = NULL;

  if (value != NULL && currency != NULL)
    return g_strdup_printf ("%s %s", value, currency);
  if (value != NULL)
    return g_steal_pointer (&value);

  start = member_text (object, "start");
  end = member_text (object, "end");
  if (start != NULL || end != NULL)
    return g_strdup_printf ("%s – %s", start != NULL ? start : "", end != NULL ? end : "");
  return member_text (object, "formatted_address");
}

/* The option label of @id, or @id itself when the field has no such option. */
static const char *
option_label (PersonField *field,
              const char  *id)
{
  const char *label = field->options != NULL ? g_hash_table_lookup (field->options, id) : NULL;

  return label != NULL ? label : id;
}

static void
read_custom_field (ConcordRecord *record,
                   PersonField   *field,
                   JsonNode      *node)
{
  g_autofree char *text = NULL;
  gboolean repaired = FALSE;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      text = composite_text (json_node_get_object (node));
      concord_rest_record_set_text (record, field->name, CONCORD_FIELD_TYPE_STRING, text, FALSE);
      return;
    }

  if (field->multi)
    {
      g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
      g_auto(GStrv) parts = NULL;

      if (JSON_NODE_HOLDS_ARRAY (node))
        {
          JsonArray *array = json_node_get_array (node);

          for (guint i = 0; i < json_array_get_length (array) && i < 1000; i++)
            {
              g_autofree char *id = node_id (json_array_get_element (array, i));

              if (id != NULL)
                g_ptr_array_add (labels, g_strdup (option_label (field, id)));
            }
        }
      else if (JSON_NODE_HOLDS_VALUE (node) &&
               json_node_get_value_type (node) == G_TYPE_STRING)
        {
          /* v1's form: "12,13". */
          parts = g_strsplit (json_node_get_string (node), ",", 1000);
          for (guint i = 0; parts[i] != NULL; i++)
            if (*g_strstrip (parts[i]) != '\0')
              g_ptr_array_add (labels, g_strdup (option_label (field, parts[i])));
        }
      if (labels->len == 0)
        return;
      g_ptr_array_add (labels, NULL);
      concord_record_set_set (record, field->name, (const char * const *) labels->pdata);
      return;
    }

  if (!JSON_NODE_HOLDS_VALUE (node))
    return;

  if (field->type == CONCORD_FIELD_TYPE_NUMBER)
    {
      GType value_type = json_node_get_value_type (node);

      if (value_type == G_TYPE_DOUBLE || value_type == G_TYPE_INT64)
        concord_record_set_number (record, field->name, json_node_get_double (node));
      return;
    }

  if (field->options != NULL)
    {
      g_autofree char *id = node_id (node);

      if (id != NULL)
        concord_rest_record_set_text (record, field->name, field->type,
                                      option_label (field, id), FALSE);
      return;
    }

  if (json_node_get_value_type (node) == G_TYPE_STRING)
    text = concord_http_repaired_text (json_node_get_string (node), MAX_VALUE_BYTES, &repaired);
  else
    {
      g_autoptr(JsonObject) wrapper = json_object_new ();

      json_object_set_member (wrapper, "v", json_node_copy (node));
      text = member_text (wrapper, "v");
    }
  concord_rest_record_set_text (record, field->name, field->type, text, repaired);
}

/* A person as a record; NULL (skipped) when it has no usable id or is
 * deleted. A value repaired on the way in is marked altered, so it is
 * never written across. */
static ConcordRecord *
parse_person (ConcordConnectorPipedrive *self,
              JsonObject                *object)
{
  g_autoptr(ConcordRecord) record = NULL;
  g_autofree char *id = NULL;
  g_autofree char *org_id = NULL;
  g_autofree char *status = NULL;
  g_autofree char *name = NULL;
  JsonObject *custom;
  JsonNode *node;
  gint64 modified = -1;

  if (object == NULL || (id = node_id (json_object_get_member (object, "id"))) == NULL)
    return NULL;
  node = json_object_get_member (object, "is_deleted");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node))
    return NULL;

  record = concord_record_new (id);
  concord_rest_record_set_member (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING,
                                  object, "first_name", MAX_VALUE_BYTES);
  concord_rest_record_set_member (record, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING,
                                  object, "last_name", MAX_VALUE_BYTES);
  if (concord_record_get (record, CONCORD_FIELD_FIRST_NAME) == NULL &&
      concord_record_get (record, CONCORD_FIELD_LAST_NAME) == NULL)
    concord_rest_record_set_member (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING,
                                    object, "name", MAX_VALUE_BYTES);

  read_items (record, object, "emails", CONCORD_FIELD_EMAIL, CONCORD_FIELD_EMAILS,
              CONCORD_FIELD_TYPE_EMAIL);
  read_items (record, object, "phones", CONCORD_FIELD_PHONE, CONCORD_FIELD_PHONES,
              CONCORD_FIELD_TYPE_PHONE);
  concord_rest_record_set_member (record, CONCORD_FIELD_JOB_TITLE, CONCORD_FIELD_TYPE_STRING,
                                  object, "job_title", MAX_VALUE_BYTES);

  /* The organisation: its id (v2), or v1's object with its name. */
  node = json_object_get_member (object, "org_id");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    concord_rest_record_set_member (record, CONCORD_FIELD_COMPANY, CONCORD_FIELD_TYPE_STRING,
                                    json_node_get_object (node), "name", MAX_VALUE_BYTES);
  else if ((org_id = node_id (node)) != NULL && self->orgs != NULL &&
           (name = g_strdup (g_hash_table_lookup (self->orgs, org_id))) != NULL)
    concord_rest_record_set_text (record, CONCORD_FIELD_COMPANY, CONCORD_FIELD_TYPE_STRING, name,
                                  strstr (name, "\xef\xbf\xbd") != NULL);

  node = json_object_get_member (object, "label_ids");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node) && self->labels != NULL)
    {
      JsonArray *array = json_node_get_array (node);
      g_autoptr(GPtrArray) tags = g_ptr_array_new ();

      for (guint i = 0; i < json_array_get_length (array) && i < 1000; i++)
        {
          g_autofree char *label_id = node_id (json_array_get_element (array, i));
          const char *tag = label_id != NULL ? g_hash_table_lookup (self->labels, label_id) : NULL;

          if (tag != NULL)
            g_ptr_array_add (tags, (gpointer) tag);
        }
      if (tags->len > 0)
        {
          g_ptr_array_add (tags, NULL);
          concord_record_set_set (record, CONCORD_FIELD_TAGS, (const char * const *) tags->pdata);
        }
    }

  status = member_text (object, "marketing_status");
  if (status != NULL)
    concord_rest_record_set_text (record, CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM,
                                  status_to_canonical (status) != NULL
                                  ? status_to_canonical (status) : status, FALSE);

  {
    g_autofree char *added = member_text (object, "add_time");
    g_autofree char *updated = member_text (object, "update_time");
    gint64 when;

    if ((when = concord_rest_parse_datetime (added)) >= 0)
      {
        concord_record_set_datetime (record, CONCORD_FIELD_CREATED_AT, when);
        modified = when;
      }
    if ((when = concord_rest_parse_datetime (updated)) >= 0)
      {
        concord_record_set_datetime (record, CONCORD_FIELD_UPDATED_AT, when);
        modified = MAX (modified, when);
      }
    if (modified >= 0)
      concord_record_set_modified (record, modified);
  }

  custom = concord_rest_json_object (object, "custom_fields");
  if (custom != NULL && self->fields_by_key != NULL)
    {
      JsonObjectIter iter;
      const char *key;
      JsonNode *value;

      json_object_iter_init (&iter, custom);
      while (json_object_iter_next (&iter, &key, &value))
        {
          PersonField *field = g_hash_table_lookup (self->fields_by_key, key);

          if (field != NULL)
            read_custom_field (record, field, value);
        }
    }

  return g_steal_pointer (&record);
}

/* ------------------------------------------------------------------------- */
/* Errors and requests                                                       */
/* ------------------------------------------------------------------------- */

/* Pipedrive's error bodies (ConcordHttpRefineError): {success:false,
 * error, error_info}; a 403 that is not JSON is Cloudflare's block of a
 * client that kept going after 429s. */
static gboolean
refine_error (guint        status,
              GBytes      *body,
              const char  *label,
              GError     **error,
              gpointer     user_data)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *message = NULL;
  g_autofree char *redacted = NULL;
  g_autofree char *folded = NULL;
  gconstpointer data;
  gsize length = 0;

  data = body != NULL ? g_bytes_get_data (body, &length) : NULL;
  if (data != NULL && length > 0)
    root = concord_json_parse (data, (gssize) length, MAX_ERROR_BODY_BYTES, NULL);

  if (status == SOUP_STATUS_FORBIDDEN && (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_RATE_LIMITED,
                   "%s failed: Pipedrive's firewall is blocking requests after too many in a "
                   "short time; the sync stops and will retry later", label);
      return TRUE;
    }

  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    message = member_text (json_node_get_object (root), "error");
  if (message == NULL)
    return FALSE;

  /* The message may quote what was sent: redacted, cut. */
  redacted = concord_http_redact (message);
  if (g_utf8_strlen (redacted, -1) > 200)
    {
      g_autofree char *cut = g_utf8_substring (redacted, 0, 200);

      g_free (redacted);
      redacted = g_steal_pointer (&cut);
    }
  folded = g_utf8_casefold (redacted, -1);

  if (status == SOUP_STATUS_UNAUTHORIZED)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                 "%s failed: Pipedrive refused the API token (%s)", label, redacted);
  else if (status == SOUP_STATUS_BAD_REQUEST && strstr (folded, "email") != NULL)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA,
                   "%s failed: Pipedrive refused the email address: %s", label, redacted);
      concord_error_set_field (*error, CONCORD_FIELD_EMAIL);
    }
  else if (status == SOUP_STATUS_BAD_REQUEST || status == 422)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA,
                 "%s failed: Pipedrive refused the data: %s", label, redacted);
  else
    return FALSE;

  return TRUE;
}

static ConcordHttpRequest *
new_request (const char *method,
             const char *path,
             const char *label,
             JsonNode   *body)
{
  ConcordHttpRequest *request = concord_http_request_new (method, path, label);

  if (body != NULL)
    concord_http_request_set_json (request, body);
  return request;
}

/* The envelope's data array ("data": null is an empty page). */
static JsonArray *
envelope_array (JsonNode    *root,
                const char  *label,
                gboolean    *empty,
                GError     **error)
{
  JsonObject *object;
  JsonNode *data;

  *empty = FALSE;
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s failed: the answer is not a Pipedrive envelope", label);
      return NULL;
    }
  object = json_node_get_object (root);
  if (!get_flag (object, "success"))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s failed: the answer does not say it succeeded", label);
      return NULL;
    }
  data = json_object_get_member (object, "data");
  if (data == NULL || JSON_NODE_HOLDS_NULL (data))
    {
      *empty = TRUE;
      return NULL;
    }
  if (!JSON_NODE_HOLDS_ARRAY (data))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s failed: the answer's data is not a list", label);
      return NULL;
    }
  return json_node_get_array (data);
}

/* ------------------------------------------------------------------------- */
/* Side collections: person fields, organisations                            */
/* ------------------------------------------------------------------------- */

typedef void (*EachItem) (ConcordConnectorPipedrive *self,
                          JsonObject                *item);

typedef struct
{
  char       *path;    /* (owned): with its query, without paging */
  char       *label;   /* (owned) */
  gboolean    v1;      /* start/limit paging; else cursor paging */
  char       *next;    /* (owned) (nullable): the next page's start or cursor */
  GHashTable *seen;    /* (owned): starts or cursors seen */
  guint       n_pages;
  EachItem    each;
} SideRead;

static void
side_read_free (SideRead *read)
{
  g_free (read->path);
  g_free (read->label);
  g_free (read->next);
  g_hash_table_unref (read->seen);
  g_free (read);
}

static void side_read_next (GTask *task);

static void
on_side_page_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorPipedrive *self = g_task_get_source_object (task);
  SideRead *read = g_task_get_task_data (task);
  g_autoptr(JsonNode) root = NULL;
  GError *error = NULL;
  JsonArray *array;
  JsonObject *additional;
  gboolean empty;
  g_autofree char *next = NULL;

  root = concord_http_client_send_json_finish (self->client, result, NULL, NULL, &error);
  if (root == NULL && error == NULL)
    g_set_error (&error, CONCORD_ERROR, CONCORD_ERROR_PARSE, "%s failed: empty answer",
                 read->label);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  array = envelope_array (root, read->label, &empty, &error);
  if (array == NULL && !empty)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        read->each (self, json_node_get_object (node));
    }

  additional = concord_rest_json_object (json_node_get_object (root), "additional_data");
  if (read->v1)
    {
      JsonObject *pagination = concord_rest_json_object (additional, "pagination");

      if (pagination != NULL &&
          get_flag (pagination, "more_items_in_collection"))
        next = member_text (pagination, "next_start");
    }
  else
    next = member_text (additional, "next_cursor");

  g_clear_pointer (&read->next, g_free);
  if (next == NULL || *next == '\0' || array == NULL || json_array_get_length (array) == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (!g_hash_table_add (read->seen, g_strdup (next)) || ++read->n_pages >= MAX_SIDE_PAGES)
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                               "%s failed: Pipedrive sent a page it had sent before; the "
                               "listing stops", read->label);
      return;
    }
  read->next = g_steal_pointer (&next);
  side_read_next (g_steal_pointer (&task));
}

/* Takes the reference on @task. */
static void
side_read_next (GTask *task)
{
  ConcordConnectorPipedrive *self = g_task_get_source_object (task);
  SideRead *read = g_task_get_task_data (task);
  g_autofree char *escaped = read->next != NULL ? g_uri_escape_string (read->next, NULL, FALSE)
                                                : NULL;
  g_autofree char *path = NULL;

  if (read->v1)
    path = g_strdup_printf ("%s%cstart=%s&limit=%u", read->path,
                            strchr (read->path, '?') != NULL ? '&' : '?',
                            escaped != NULL ? escaped : "0", FIELDS_PAGE_LIMIT);
  else
    path = g_strdup_printf ("%s%climit=%u%s%s", read->path,
                            strchr (read->path, '?') != NULL ? '&' : '?', PAGE_LIMIT,
                            escaped != NULL ? "&cursor=" : "", escaped != NULL ? escaped : "");
  concord_http_client_send_json_async (self->client,
                                       new_request ("GET", path, read->label, NULL),
                                       g_task_get_cancellable (task), on_side_page_cb, task);
}

static void
side_read_async (ConcordConnectorPipedrive *self,
                 const char                *path,
                 const char                *label,
                 gboolean                   v1,
                 EachItem                   each,
                 GCancellable              *cancellable,
                 GAsyncReadyCallback        callback,
                 gpointer                   user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  SideRead *read = g_new0 (SideRead, 1);

  g_task_set_source_tag (task, side_read_async);
  read->path = g_strdup (path);
  read->label = g_strdup (label);
  read->v1 = v1;
  read->each = each;
  read->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_task_set_task_data (task, read, (GDestroyNotify) side_read_free);
  side_read_next (task);
}

static gboolean
side_read_finish (ConcordConnectorPipedrive  *self,
                  GAsyncResult               *result,
                  GError                    **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
is_hash_key (const char *key)
{
  if (key == NULL || strlen (key) != HASH_KEY_LENGTH)
    return FALSE;
  for (const char *c = key; *c != '\0'; c++)
    if (!g_ascii_isxdigit (*c))
      return FALSE;
  return TRUE;
}

/* field_type → how Concord holds it; FALSE for a type it cannot write. */
static gboolean
field_type_map (const char       *field_type,
                ConcordFieldType *type,
                gboolean         *multi)
{
  static const char *read_only[] = { "address", "daterange", "timerange", "time", "org", "people",
                                     "user", "visible_to", NULL };

  *type = CONCORD_FIELD_TYPE_STRING;
  *multi = FALSE;

  if (g_strcmp0 (field_type, "double") == 0)
    *type = CONCORD_FIELD_TYPE_NUMBER;
  else if (g_strcmp0 (field_type, "date") == 0)
    *type = CONCORD_FIELD_TYPE_DATE;
  else if (g_strcmp0 (field_type, "enum") == 0)
    *type = CONCORD_FIELD_TYPE_ENUM;
  else if (g_strcmp0 (field_type, "set") == 0)
    {
      *type = CONCORD_FIELD_TYPE_STRING_SET;
      *multi = TRUE;
    }
  else if (g_strcmp0 (field_type, "phone") == 0)
    *type = CONCORD_FIELD_TYPE_PHONE;
  else if (g_strcmp0 (field_type, "monetary") == 0)
    return FALSE;

  return field_type == NULL || !g_strv_contains (read_only, field_type);
}

/* One field of /v1/personFields. */
static void
add_person_field (ConcordConnectorPipedrive *self,
                  JsonObject                *item)
{
  g_autofree char *key = member_text (item, "key");
  g_autofree char *name = NULL;
  g_autofree char *field_type = member_text (item, "field_type");
  JsonNode *options_node = json_object_get_member (item, "options");
  g_autoptr(GHashTable) options = NULL;
  PersonField *field;

  if (key == NULL)
    return;

  if (options_node != NULL && JSON_NODE_HOLDS_ARRAY (options_node))
    {
      JsonArray *array = json_node_get_array (options_node);

      options = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      for (guint i = 0; i < json_array_get_length (array) && i < 10000; i++)
        {
          JsonNode *option = json_array_get_element (array, i);
          g_autofree char *id = NULL;
          g_autofree char *label = NULL;

          if (!JSON_NODE_HOLDS_OBJECT (option))
            continue;
          id = node_id (json_object_get_member (json_node_get_object (option), "id"));
          label = member_text (json_node_get_object (option), "label");
          if (id != NULL && label != NULL && *label != '\0')
            g_hash_table_replace (options, g_steal_pointer (&id), g_steal_pointer (&label));
        }
    }

  /* The labels: label_ids (label, before 2024). */
  if (g_str_equal (key, "label_ids") || (g_str_equal (key, "label") && self->labels == NULL))
    {
      g_clear_pointer (&self->labels, g_hash_table_unref);
      self->labels = options != NULL
                     ? g_steal_pointer (&options)
                     : g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      return;
    }

  if (!is_hash_key (key) || (name = member_text (item, "name")) == NULL ||
      *g_strstrip (name) == '\0')
    return;

  field = g_new0 (PersonField, 1);
  field->key = g_steal_pointer (&key);
  field->label = g_steal_pointer (&name);
  field->custom = TRUE;
  field->read_only = !field_type_map (field_type, &field->type, &field->multi);
  if (field->read_only)
    field->type = CONCORD_FIELD_TYPE_STRING;
  if (field->type == CONCORD_FIELD_TYPE_ENUM || field->multi)
    field->options = options != NULL
                     ? g_steal_pointer (&options)
                     : g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_ptr_array_add (self->fields, field);
}

/* Names every custom field: "custom:<name>", or, for two fields of one
 * name, "custom:<name> (<key start>)" for each. */
static void
name_fields (ConcordConnectorPipedrive *self)
{
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < self->fields->len; i++)
    {
      PersonField *field = g_ptr_array_index (self->fields, i);
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, field->label));

      g_hash_table_replace (counts, g_strdup (field->label), GUINT_TO_POINTER (n + 1));
    }

  g_clear_pointer (&self->fields_by_key, g_hash_table_unref);
  g_clear_pointer (&self->fields_by_name, g_hash_table_unref);
  self->fields_by_key = g_hash_table_new (g_str_hash, g_str_equal);
  self->fields_by_name = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < self->fields->len; i++)
    {
      PersonField *field = g_ptr_array_index (self->fields, i);
      g_autofree char *shown = NULL;

      if (GPOINTER_TO_UINT (g_hash_table_lookup (counts, field->label)) > 1)
        {
          g_autofree char *start = g_strndup (field->key, 6);

          shown = g_strdup_printf ("%s (%s)", field->label, start);
        }
      g_free (field->name);
      field->name = concord_field_custom_key (shown != NULL ? shown : field->label);
      g_hash_table_replace (self->fields_by_key, field->key, field);
      g_hash_table_replace (self->fields_by_name, field->name, field);
    }
}

static void
add_org (ConcordConnectorPipedrive *self,
         JsonObject                *item)
{
  g_autofree char *id = node_id (json_object_get_member (item, "id"));
  g_autofree char *name = member_text (item, "name");

  if (id == NULL || name == NULL)
    return;

  /* Two organisations of one name: the first keeps it for writes. */
  if (!g_hash_table_contains (self->org_ids, name))
    g_hash_table_insert (self->org_ids, g_strdup (name), g_strdup (id));
  g_hash_table_replace (self->orgs, g_steal_pointer (&id), g_steal_pointer (&name));
}

/* For the fuzz targets (concord-connector-pipedrive-private.h). */
guint
_concord_connector_pipedrive_read_answer (ConcordConnectorPipedrive *self,
                                          JsonNode                  *root)
{
  g_autoptr(GError) error = NULL;
  JsonArray *array;
  gboolean empty;
  guint n = 0;

  array = envelope_array (root, "fuzz", &empty, &error);
  if (array == NULL)
    return 0;

  g_clear_pointer (&self->fields, g_ptr_array_unref);
  g_clear_pointer (&self->labels, g_hash_table_unref);
  self->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) person_field_free);
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (JSON_NODE_HOLDS_OBJECT (json_array_get_element (array, i)))
      add_person_field (self, json_node_get_object (json_array_get_element (array, i)));
  name_fields (self);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autoptr(ConcordRecord) record = JSON_NODE_HOLDS_OBJECT (node)
                                        ? parse_person (self, json_node_get_object (node)) : NULL;

      if (record != NULL)
        {
          g_assert (concord_record_get_remote_id (record) != NULL);
          n++;
        }
    }
  return n;
}

/* ------------------------------------------------------------------------- */
/* Preparation: fields, organisations, organisations to create              */
/* ------------------------------------------------------------------------- */

typedef enum
{
  PREPARE_FIELDS,
  PREPARE_ORGS,
  PREPARE_CREATE_ORGS,
  PREPARE_DONE,
} PrepareStage;

typedef struct
{
  PrepareStage  stage;
  gboolean      need_fields;
  gboolean      need_orgs;
  GPtrArray    *missing;     /* (owned): company names without an organisation */
  guint         next;
} PrepareState;

static void
prepare_state_free (PrepareState *state)
{
  g_ptr_array_unref (state->missing);
  g_free (state);
}

static void prepare_next (GTask *task);

static void
on_prepare_step_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorPipedrive *self = g_task_get_source_object (task);
  PrepareState *state = g_task_get_task_data (task);
  GError *error = NULL;

  if (state->stage == PREPARE_CREATE_ORGS)
    {
      g_autoptr(JsonNode) root = concord_http_client_send_json_finish (self->client, result, NULL,
                                                                      NULL, &error);
      JsonObject *org = unwrap (root);

      if (error == NULL && org != NULL)
        add_org (self, org);
      /* A refusal stays with the persons of that company (write_org_id()). */
      if (error != NULL && concord_rest_error_is_fatal (error))
        {
          g_task_return_error (task, error);
          return;
        }
      g_clear_error (&error);
      state->next++;
    }
  else
    {
      if (!side_read_finish (self, result, &error))
        {
          if (state->stage == PREPARE_FIELDS)
            g_clear_pointer (&self->fields, g_ptr_array_unref);
          else
            {
              g_clear_pointer (&self->orgs, g_hash_table_unref);
              g_clear_pointer (&self->org_ids, g_hash_table_unref);
            }
          g_task_return_error (task, error);
          return;
        }
      if (state->stage == PREPARE_FIELDS)
        name_fields (self);
      state->stage++;
    }

  prepare_next (g_steal_pointer (&task));
}

/* Takes the reference on @task. */
static void
prepare_next (GTask *task)
{
  ConcordConnectorPipedrive *self = g_task_get_source_object (task);
  PrepareState *state = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (state->stage == PREPARE_FIELDS && state->need_fields)
    {
      g_clear_pointer (&self->fields, g_ptr_array_unref);
      g_clear_pointer (&self->labels, g_hash_table_unref);
      self->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) person_field_free);
      side_read_async (self, "/v1/personFields", "GET /v1/personFields", TRUE, add_person_field,
                       cancellable, on_prepare_step_cb, task);
      return;
    }
  if (state->stage == PREPARE_FIELDS)
    state->stage = PREPARE_ORGS;

  if (state->stage == PREPARE_ORGS && state->need_orgs)
    {
      g_clear_pointer (&self->orgs, g_hash_table_unref);
      g_clear_pointer (&self->org_ids, g_hash_table_unref);
      self->orgs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      self->org_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      side_read_async (self, "/api/v2/organizations", "GET /api/v2/organizations", FALSE, add_org,
                       cancellable, on_prepare_step_cb, task);
      return;
    }
  if (state->stage == PREPARE_ORGS)
    state->stage = PREPARE_CREATE_ORGS;

  while (state->stage == PREPARE_CREATE_ORGS && state->next < state->missing->len)
    {
      const char *name = g_ptr_array_index (state->missing, state->next);
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) body = NULL;

      if (g_hash_table_contains (self->org_ids, name))
        {
          state->next++;
          continue;
        }
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, name);
      json_builder_end_object (builder);
      body = json_builder_get_root (builder);
      concord_http_client_send_json_async (self->client,
                                           new_request ("POST", "/api/v2/organizations",
                                                        "POST /api/v2/organizations", body),
                                           cancellable, on_prepare_step_cb, task);
      return;
    }

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* The company a write sets, or NULL. */
static const char *
input_company (ConcordRestOperation  operation,
               gpointer              input)
{
  const ConcordRecord *record = operation == CONCORD_REST_CREATE
                                ? input : ((const ConcordRecordChange *) input)->set;
  const char *company = record != NULL ? concord_record_get_text (record, CONCORD_FIELD_COMPANY)
                                       : NULL;

  return company != NULL && *company != '\0' ? company : NULL;
}

static void
concord_connector_pipedrive_prepare_async (ConcordRestConnector *connector,
                                           ConcordRestOperation  operation,
                                           const char           *page_token,
                                           GPtrArray            *inputs,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data)
{
  ConcordConnectorPipedrive *self = CONCORD_CONNECTOR_PIPEDRIVE (connector);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  PrepareState *state = g_new0 (PrepareState, 1);
  gboolean new_listing = operation == CONCORD_REST_LIST && page_token == NULL;

  g_task_set_source_tag (task, concord_connector_pipedrive_prepare_async);
  state->missing = g_ptr_array_new_with_free_func (g_free);
  g_task_set_task_data (task, state, (GDestroyNotify) prepare_state_free);

  if (new_listing)
    self->max_update = -1;

  state->need_fields = new_listing || self->fields == NULL;
  /* Echoes name their organisation too. */
  state->need_orgs = new_listing || self->orgs == NULL;

  for (guint i = 0;
       (operation == CONCORD_REST_CREATE || operation == CONCORD_REST_UPDATE) && i < inputs->len;
       i++)
    {
      const char *company = input_company (operation, g_ptr_array_index (inputs, i));

      if (company == NULL)
        continue;
      if (!g_ptr_array_find_with_equal_func (state->missing, company, g_str_equal, NULL))
        g_ptr_array_add (state->missing, g_strdup (company));
    }

  prepare_next (task);
}

/* ------------------------------------------------------------------------- */
/* Schema                                                                    */
/* ------------------------------------------------------------------------- */

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_utf8_collate (*(const char * const *) a, *(const char * const *) b);
}

static char **
sorted_values (GHashTable *table)
{
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer value;

  if (table == NULL)
    return NULL;
  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!g_ptr_array_find_with_equal_func (values, value, g_str_equal, NULL))
      g_ptr_array_add (values, g_strdup (value));
  g_ptr_array_sort (values, compare_names);
  g_ptr_array_add (values, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&values), FALSE);
}

static GPtrArray *
build_schema (ConcordConnectorPipedrive *self)
{
  GPtrArray *specs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);
  g_auto(GStrv) tags = sorted_values (self->labels);

  concord_rest_add_field_spec (specs, CONCORD_FIELD_EMAIL, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_EMAILS, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_FIRST_NAME, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_LAST_NAME, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_PHONE, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_PHONES, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_COMPANY, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_JOB_TITLE, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_TAGS, (const char * const *) tags, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_STATUS, status_choices, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_CREATED_AT, NULL, TRUE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_UPDATED_AT, NULL, TRUE);

  for (guint i = 0; self->fields != NULL && i < self->fields->len; i++)
    {
      PersonField *field = g_ptr_array_index (self->fields, i);
      ConcordFieldSpec *spec = concord_field_spec_new (field->name,
                                                       field->name + strlen (CONCORD_FIELD_CUSTOM_PREFIX),
                                                       field->type, field->read_only);

      spec->custom = TRUE;
      spec->multi = field->multi;
      spec->choices = sorted_values (field->options);
      g_ptr_array_add (specs, spec);
    }

  return specs;
}

static void
on_schema_prepared_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorPipedrive *self = CONCORD_CONNECTOR_PIPEDRIVE (object);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, build_schema (self), (GDestroyNotify) g_ptr_array_unref);
}

static void
concord_connector_pipedrive_load_schema_async (ConcordConnector    *connector,
                                               const char          *contact_type,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data)
{
  ConcordConnectorPipedrive *self = CONCORD_CONNECTOR_PIPEDRIVE (connector);
  GTask *task = concord_connector_task_new (connector,
                                            concord_connector_pipedrive_load_schema_async,
                                            cancellable, callback, user_data);
  GError *error = NULL;

  if (!concord_rest_connector_check_contact_type (CONCORD_REST_CONNECTOR (self), contact_type,
                                                  &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  /* Fields as they are now: a schema load reads them again. */
  g_clear_pointer (&self->fields, g_ptr_array_unref);
  concord_connector_pipedrive_prepare_async (CONCORD_REST_CONNECTOR (self), CONCORD_REST_FETCH,
                                             NULL, NULL, cancellable, on_schema_prepared_cb,
                                             task);
}

/* ------------------------------------------------------------------------- */
/* List, fetch, verify                                                       */
/* ------------------------------------------------------------------------- */

/* A change cursor: "<since, RFC 3339>;full=<Unix time of the last full
 * listing>" (an older cursor without the second part: never). */
static gboolean
read_change_cursor (const char *cursor,
                    gint64     *since,
                    gint64     *full_at)
{
  g_auto(GStrv) parts = g_strsplit (cursor, ";", 2);

  *since = concord_rest_parse_datetime (parts[0]);
  *full_at = 0;
  if (*since < 0)
    return FALSE;
  return parts[1] == NULL ||
         (g_str_has_prefix (parts[1], "full=") &&
          g_ascii_string_to_signed (parts[1] + 5, 10, 0, G_MAXINT64, full_at, NULL));
}

static ConcordHttpRequest *
concord_connector_pipedrive_build_list_request (ConcordRestConnector  *connector,
                                                const char            *contact_type,
                                                const char            *page_token,
                                                GError               **error)
{
  ConcordConnectorPipedrive *self = CONCORD_CONNECTOR_PIPEDRIVE (connector);
  const char *cursor = concord_rest_connector_get_listing_cursor (connector);
  g_autoptr(GString) path = g_string_new ("/api/v2/persons");

  /* The first page decides, for the whole listing: changes since the
   * cursor, or everything when the last full listing is a day old. */
  if (page_token == NULL)
    {
      gint64 now = g_get_real_time () / G_USEC_PER_SEC;

      self->since = -1;
      self->full_at = now;
      if (cursor != NULL && !read_change_cursor (cursor, &self->since, &self->full_at))
        {
          g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                               "Invalid change cursor for Pipedrive");
          return NULL;
        }
      if (cursor != NULL && now - self->full_at >= FULL_SCAN_SECONDS)
        {
          self->since = -1;
          self->full_at = now;
        }
    }

  g_string_append_printf (path, "?limit=%u&include_fields=marketing_status", self->page_limit);
  if (self->since >= 0)
    {
      g_autofree char *since = format_time (self->since);
      g_autofree char *escaped = g_uri_escape_string (since, NULL, FALSE);

      g_string_append_printf (path, "&updated_since=%s&sort_by=update_time&sort_direction=asc",
                              escaped);
    }
  if (page_token != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (page_token, NULL, FALSE);

      g_string_append_printf (path, "&cursor=%s", escaped);
    }

  return concord_http_request_new ("GET", path->str, "GET /api/v2/persons");
}

static gboolean
concord_connector_pipedrive_parse_page (ConcordRestConnector  *connector,
                                        const char            *contact_type,
                                        const char            *page_token,
                                        JsonNode              *root,
                                        SoupMessageHeaders    *headers,
                                        ConcordPage           *page,
                                        GError               **error)
{
  ConcordConnectorPipedrive *self = CONCORD_CONNECTOR_PIPEDRIVE (connector);
  g_autofree char *next = NULL;
  g_autofree char *sync = NULL;
  g_autofree char *latest = NULL;
  JsonArray *array;
  gboolean empty;
  guint n = 0;

  array = envelope_array (root, "GET /api/v2/persons", &empty, error);
  if (array == NULL && !empty)
    return FALSE;
  n = array != NULL ? json_array_get_length (array) : 0;
  if (n > self->page_limit)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "GET /api/v2/persons failed: the server sent %u persons for a page of %u; "
                   "the listing stops", n, self->page_limit);
      return FALSE;
    }

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      ConcordRecord *record = JSON_NODE_HOLDS_OBJECT (node)
                              ? parse_person (self, json_node_get_object (node)) : NULL;
      gint64 updated;

      if (record == NULL)
        continue;
      updated = concord_record_get_modified (record);
      self->max_update = MAX (self->max_update, updated);
      g_ptr_array_add (page->records, record);
    }

  next = member_text (concord_rest_json_object (json_node_get_object (root), "additional_data"),
                      "next_cursor");
  /* The next listing's cursor: the latest change read (≥ overlaps it),
   * or where this one started, and when the last full listing was. */
  latest = format_time (self->max_update >= 0 ? self->max_update
                                              : self->since >= 0 ? self->since : self->full_at);
  sync = g_strdup_printf ("%s;full=%" G_GINT64_FORMAT, latest, self->full_at);
  if (!concord_rest_page_next_token (connector, page, n > 0 ? next : NULL, sync, error))
    return FALSE;
  if (page->next_page == NULL)
    page->complete = self->since < 0;
  return TRUE;
}

static ConcordRecord *
concord_connector_pipedrive_record_from_json (ConcordRestConnector *connector,
                                              const char           *contact_type,
                                              JsonNode             *node)
{
  return parse_person (CONCORD_CONNECTOR_PIPEDRIVE (connector), unwrap (node));
}

static ConcordHttpRequest *
concord_connector_pipedrive_build_fetch_request (ConcordRestConnector *connector,
                                                 const char           *contact_type,
                                                 const char           *remote_id)
{
  g_autofree char *path = NULL;

  /* Not an id Pipedrive gave: a path that finds nothing. */
  path = g_strdup_printf ("/api/v2/persons/%s?include_fields=marketing_status",
                          is_id (remote_id) ? remote_id : "0");
  return concord_http_request_new ("GET", path, "GET /api/v2/persons/{id}");
}

static ConcordHttpRequest *
concord_connector_pipedrive_build_verify_request (ConcordRestConnector *connector)
{
  return concord_http_request_new ("GET", "/v1/users/me", "GET /v1/users/me");
}

static gboolean
concord_connector_pipedrive_check_verify_answer (ConcordRestConnector  *connector,
                                                 JsonNode              *root,
                                                 GError               **error)
{
  JsonObject *user = unwrap (root);

  if (user == NULL || !json_object_has_member (user, "id"))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                           "GET /v1/users/me: the server does not answer like Pipedrive; "
                           "check the company domain");
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Writes                                                                    */
/* ------------------------------------------------------------------------- */

static gboolean
clears (const char * const *clear,
        const char         *key)
{
  return clear != NULL && g_strv_contains (clear, key);
}

static void
refuse (GPtrArray  *refused,
        const char *key,
        char       *reason)
{
  g_ptr_array_add (refused, g_strdup (key));
  g_ptr_array_add (refused, reason);
}

/* emails / phones as Pipedrive's array: the labelled set when the change
 * has it, else the single value alone; the single value is the primary. */
static void
add_items (JsonBuilder         *builder,
           const char          *member,
           const ConcordRecord *set,
           const char          *single_key,
           const char          *set_key)
{
  const ConcordValue *items = set != NULL ? concord_record_get (set, set_key) : NULL;
  const char *single = set != NULL ? concord_record_get_text (set, single_key) : NULL;
  gboolean phone = g_str_equal (member, "phones");
  gboolean primary_done = FALSE;

  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  if (items != NULL && items->type == CONCORD_FIELD_TYPE_STRING_SET)
    {
      for (guint i = 0; items->v.set != NULL && items->v.set[i] != NULL; i++)
        {
          g_autofree char *label = NULL;
          g_autofree char *value = NULL;
          gboolean primary;

          if (!concord_labelled_parse (items->v.set[i], &label, &value))
            continue;
          primary = !primary_done && (single == NULL || g_strcmp0 (value, single) == 0);
          primary_done |= primary;
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "value");
          json_builder_add_string_value (builder, value);
          json_builder_set_member_name (builder, "primary");
          json_builder_add_boolean_value (builder, primary);
          json_builder_set_member_name (builder, "label");
          json_builder_add_string_value (builder, label_to_api (label, phone));
          json_builder_end_object (builder);
        }
    }
  if (!primary_done && single != NULL)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "value");
      json_builder_add_string_value (builder, single);
      json_builder_set_member_name (builder, "primary");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_set_member_name (builder, "label");
      json_builder_add_string_value (builder, "work");
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

/* The option id of @label in @field, or NULL. */
static const char *
option_id (PersonField *field,
           const char  *label)
{
  GHashTableIter iter;
  gpointer id, value;

  if (field->options == NULL || label == NULL)
    return NULL;
  g_hash_table_iter_init (&iter, field->options);
  while (g_hash_table_iter_next (&iter, &id, &value))
    if (g_str_equal (value, label))
      return id;
  return NULL;
}

static void
add_id (JsonBuilder *builder,
        const char  *id)
{
  json_builder_add_int_value (builder, g_ascii_strtoll (id, NULL, 10));
}

/* One custom value in v2's strict types; FALSE (with @reason) when it
 * cannot be written. */
static gboolean
add_custom_value (JsonBuilder         *builder,
                  PersonField         *field,
                  const ConcordValue  *value,
                  char               **reason)
{
  g_autofree char *text = concord_value_to_string (value);

  if (field->read_only)
    {
      *reason = g_strdup_printf ("Pipedrive's field %s cannot be written by Concord (its type "
                                 "holds more than one value)", field->label);
      return FALSE;
    }

  if (field->multi)
    {
      g_autoptr(GPtrArray) ids = g_ptr_array_new ();
      const char * const *labels = value->type == CONCORD_FIELD_TYPE_STRING_SET
                                   ? (const char * const *) value->v.set : NULL;
      const char *single[] = { text, NULL };

      if (labels == NULL)
        labels = single;
      for (guint i = 0; labels[i] != NULL; i++)
        {
          const char *id = option_id (field, labels[i]);

          if (id == NULL)
            {
              *reason = g_strdup_printf ("“%s” is not an option of Pipedrive's field %s",
                                         labels[i], field->label);
              return FALSE;
            }
          g_ptr_array_add (ids, (gpointer) id);
        }
      json_builder_begin_array (builder);
      for (guint i = 0; i < ids->len; i++)
        add_id (builder, g_ptr_array_index (ids, i));
      json_builder_end_array (builder);
      return TRUE;
    }

  if (field->type == CONCORD_FIELD_TYPE_ENUM)
    {
      const char *id = option_id (field, text);

      if (id == NULL)
        {
          *reason = g_strdup_printf ("“%s” is not an option of Pipedrive's field %s",
                                     text != NULL ? text : "", field->label);
          return FALSE;
        }
      add_id (builder, id);
      return TRUE;
    }

  if (field->type == CONCORD_FIELD_TYPE_NUMBER)
    {
      double number;
      char *end = NULL;

      if (value->type == CONCORD_FIELD_TYPE_NUMBER)
        number = value->v.number;
      else if (text != NULL && (number = g_ascii_strtod (text, &end), end != text) &&
               *g_strstrip (end) == '\0')
        ;
      else
        {
          *reason = g_strdup_printf ("Pipedrive's field %s takes a number", field->label);
          return FALSE;
        }
      json_builder_add_double_value (builder, number);
      return TRUE;
    }

  if (field->type == CONCORD_FIELD_TYPE_DATE)
    {
      g_autofree char *date = NULL;

      if (value->type == CONCORD_FIELD_TYPE_DATETIME)
        {
          g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (value->v.datetime);

          date = when != NULL ? g_date_time_format (when, "%Y-%m-%d") : NULL;
        }
      else if (text != NULL && concord_rest_parse_datetime (text) >= 0)
        date = g_strndup (text, 10);
      if (date == NULL)
        {
          *reason = g_strdup_printf ("Pipedrive's field %s takes a date", field->label);
          return FALSE;
        }
      json_builder_add_string_value (builder, date);
      return TRUE;
    }

  json_builder_add_string_value (builder, text != NULL ? text : "");
  return TRUE;
}

static void
add_custom_fields (ConcordConnectorPipedrive *self,
                   JsonBuilder               *builder,
                   const ConcordRecord       *set,
                   const char * const        *clear,
                   GPtrArray                 *refused)
{
  guint n = set != NULL ? concord_record_get_n_fields (set) : 0;
  gboolean open = FALSE;

  for (guint i = 0; i < n + (clear != NULL ? g_strv_length ((char **) clear) : 0); i++)
    {
      const char *key = NULL;
      const ConcordValue *value = i < n ? concord_record_get_field_at (set, i, &key) : NULL;
      PersonField *field;
      char *reason = NULL;

      if (i >= n)
        key = clear[i - n];
      if (key == NULL || !concord_field_is_custom (key))
        continue;

      field = self->fields_by_name != NULL ? g_hash_table_lookup (self->fields_by_name, key)
                                           : NULL;
      if (field == NULL)
        {
          refuse (refused, key, g_strdup_printf ("Pipedrive has no person field named %s",
                                                 key + strlen (CONCORD_FIELD_CUSTOM_PREFIX)));
          continue;
        }
      if (field->read_only)
        {
          refuse (refused, key, g_strdup_printf ("Pipedrive's field %s cannot be written by "
                                                 "Concord", field->label));
          continue;
        }

      if (!open)
        {
          json_builder_set_member_name (builder, "custom_fields");
          json_builder_begin_object (builder);
          open = TRUE;
        }
      if (value == NULL)
        {
          json_builder_set_member_name (builder, field->key);
          json_builder_add_null_value (builder);
          continue;
        }

      /* Built aside: a refused value must leave no member behind. */
      {
        g_autoptr(JsonBuilder) one = json_builder_new ();
        g_autoptr(JsonNode) node = NULL;

        json_builder_begin_array (one);
        if (!add_custom_value (one, field, value, &reason))
          {
            refuse (refused, key, reason);
            continue;
          }
        json_builder_end_array (one);
        node = json_builder_get_root (one);
        json_builder_set_member_name (builder, field->key);
        json_builder_add_value (builder,
                                json_node_copy (json_array_get_element (json_node_get_array (node),
                                                                        0)));
      }
    }
  if (open)
    json_builder_end_object (builder);
}

/* The members of a person's body for @set and @clear (the name is the
 * caller's); refusals as pairs of key and reason in @refused. */
static void
add_person_members (ConcordConnectorPipedrive *self,
                    JsonBuilder               *builder,
                    const ConcordRecord       *set,
                    const char * const        *clear,
                    GPtrArray                 *refused)
{
  const char *company = set != NULL ? concord_record_get_text (set, CONCORD_FIELD_COMPANY) : NULL;
  const char *status = set != NULL ? concord_record_get_text (set, CONCORD_FIELD_STATUS) : NULL;
  const ConcordValue *tags = set != NULL ? concord_record_get (set, CONCORD_FIELD_TAGS) : NULL;

  if ((set != NULL && (concord_record_get (set, CONCORD_FIELD_EMAIL) != NULL ||
                       concord_record_get (set, CONCORD_FIELD_EMAILS) != NULL)) ||
      clears (clear, CONCORD_FIELD_EMAIL) || clears (clear, CONCORD_FIELD_EMAILS))
    add_items (builder, "emails", set, CONCORD_FIELD_EMAIL, CONCORD_FIELD_EMAILS);
  if ((set != NULL && (concord_record_get (set, CONCORD_FIELD_PHONE) != NULL ||
                       concord_record_get (set, CONCORD_FIELD_PHONES) != NULL)) ||
      clears (clear, CONCORD_FIELD_PHONE) || clears (clear, CONCORD_FIELD_PHONES))
    add_items (builder, "phones", set, CONCORD_FIELD_PHONE, CONCORD_FIELD_PHONES);

  if (company != NULL && *company != '\0')
    {
      const char *org_id = self->org_ids != NULL ? g_hash_table_lookup (self->org_ids, company)
                                                 : NULL;

      if (org_id == NULL)
        refuse (refused, CONCORD_FIELD_COMPANY,
                g_strdup ("Pipedrive did not create the organisation of that name"));
      else
        {
          json_builder_set_member_name (builder, "org_id");
          add_id (builder, org_id);
        }
    }
  else if (clears (clear, CONCORD_FIELD_COMPANY) || (company != NULL && *company == '\0'))
    {
      json_builder_set_member_name (builder, "org_id");
      json_builder_add_null_value (builder);
    }

  if ((tags != NULL && tags->type == CONCORD_FIELD_TYPE_STRING_SET) ||
      clears (clear, CONCORD_FIELD_TAGS))
    {
      g_autoptr(GPtrArray) ids = g_ptr_array_new ();
      const char *missing = NULL;

      for (guint i = 0; tags != NULL && tags->v.set != NULL && tags->v.set[i] != NULL; i++)
        {
          const char *id = NULL;
          GHashTableIter iter;
          gpointer key, value;

          if (self->labels != NULL)
            {
              g_hash_table_iter_init (&iter, self->labels);
              while (id == NULL && g_hash_table_iter_next (&iter, &key, &value))
                if (g_str_equal (value, tags->v.set[i]))
                  id = key;
            }
          if (id == NULL)
            missing = tags->v.set[i];
          else
            g_ptr_array_add (ids, (gpointer) id);
        }
      if (missing != NULL)
        refuse (refused, CONCORD_FIELD_TAGS,
                g_strdup_printf ("Pipedrive has no person label named “%s”; labels are made in "
                                 "Pipedrive's settings", missing));
      else
        {
          json_builder_set_member_name (builder, "label_ids");
          json_builder_begin_array (builder);
          for (guint i = 0; i < ids->len; i++)
            add_id (builder, g_ptr_array_index (ids, i));
          json_builder_end_array (builder);
        }
    }

  if (status != NULL && status_to_api (status) == NULL)
    refuse (refused, CONCORD_FIELD_STATUS,
            g_strdup_printf ("Pipedrive has no marketing status for “%s”", status));
  else if (status != NULL)
    {
      json_builder_set_member_name (builder, "marketing_status");
      json_builder_add_string_value (builder, status_to_api (status));
    }

  add_custom_fields (self, builder, set, clear, refused);
}

/* "First Last", from the change and, for what it leaves alone, @current. */
static char *
compose_name (const ConcordRecord *set,
              const char * const  *clear,
              const ConcordRecord *current)
{
  const char *first = set != NULL ? concord_record_get_text (set, CONCORD_FIELD_FIRST_NAME) : NULL;
  const char *last = set != NULL ? concord_record_get_text (set, CONCORD_FIELD_LAST_NAME) : NULL;

  if (first == NULL && !clears (clear, CONCORD_FIELD_FIRST_NAME) && current != NULL)
    first = concord_record_get_text (current, CONCORD_FIELD_FIRST_NAME);
  if (last == NULL && !clears (clear, CONCORD_FIELD_LAST_NAME) && current != NULL)
    last = concord_record_get_text (current, CONCORD_FIELD_LAST_NAME);

  if (first != NULL && *first != '\0' && last != NULL && *last != '\0')
    return g_strdup_printf ("%s %s", first, last);
  if (first != NULL && *first != '\0')
    return g_strdup (first);
  if (last != NULL && *last != '\0')
    return g_strdup (last);
  return NULL;
}

static JsonNode *
create_body (ConcordConnectorPipedrive *self,
             const ConcordRecord       *record,
             GPtrArray                 *refused)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *name = compose_name (record, NULL, NULL);
  const char *email = concord_record_get_text (record, CONCORD_FIELD_EMAIL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  /* name is required: the address stands in for a person without one. */
  json_builder_add_string_value (builder, name != NULL ? name : email != NULL ? email : "—");
  add_person_members (self, builder, record, NULL, refused);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static ConcordHttpRequest *
concord_connector_pipedrive_build_create_request (ConcordRestConnector *connector,
                                                  const char           *contact_type,
                                                  GPtrArray            *records,
                                                  const guint          *indices,
                                                  guint                 n_indices)
{
  ConcordConnectorPipedrive *self = CONCORD_CONNECTOR_PIPEDRIVE (connector);
  g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonNode) body = NULL;

  /* No batch endpoint: max_batch is 1. */
  g_assert (n_indices == 1);
  body = create_body (self, g_ptr_array_index (records, indices[0]), refused);
  return new_request ("POST", "/api/v2/persons", "POST /api/v2/persons", body);
}

static void
concord_connector_pipedrive_match_created (ConcordRestConnector *connector,
                                           const char           *contact_type,
                                           GPtrArray            *records,
                                           const guint          *indices,
                                           guint                 n_indices,
                                           JsonNode             *answer,
                                           ConcordWriteBatch    *batch)
{
  ConcordConnectorPipedrive *self = CONCORD_CONNECTOR_PIPEDRIVE (connector);
  const ConcordRecord *input = g_ptr_array_index (records, indices[0]);
  g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(ConcordRecord) record = parse_person (self, unwrap (answer));
  ConcordWriteResult *result;

  /* The refusals of the body that was sent (built again: it is the same). */
  json_node_unref (create_body (self, input, refused));

  if (record == NULL)
    {
      concord_write_batch_set_error (batch, indices[0],
                                     g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                                          "POST /api/v2/persons: the answer "
                                                          "holds no person"));
      return;
    }

  result = concord_write_batch_set_ok (batch, indices[0], record);
  for (guint i = 0; i + 1 < refused->len; i += 2)
    concord_write_result_add_refused (result, g_ptr_array_index (refused, i),
                                      g_ptr_array_index (refused, i + 1));
}

typedef enum
{
  STEP_READ,
  STEP_PATCH,
  STEP_DONE,
} UpdateStep;

static gboolean
needs_current (const ConcordRecordChange *change)
{
  const ConcordRecord *set = change->set;
  gboolean first = (set != NULL && concord_record_get (set, CONCORD_FIELD_FIRST_NAME) != NULL) ||
                   clears ((const char * const *) change->clear, CONCORD_FIELD_FIRST_NAME);
  gboolean last = (set != NULL && concord_record_get (set, CONCORD_FIELD_LAST_NAME) != NULL) ||
                  clears ((const char * const *) change->clear, CONCORD_FIELD_LAST_NAME);

  return first != last;
}

static ConcordHttpRequest *
patch_request (ConcordConnectorPipedrive *self,
               ConcordRestUpdate         *update,
               const ConcordRecord       *current)
{
  const ConcordRecordChange *change = update->change;
  const char * const *clear = (const char * const *) change->clear;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = g_strdup_printf ("/api/v2/persons/%s?include_fields=marketing_status",
                                           change->remote_id);
  gboolean names = (change->set != NULL &&
                    (concord_record_get (change->set, CONCORD_FIELD_FIRST_NAME) != NULL ||
                     concord_record_get (change->set, CONCORD_FIELD_LAST_NAME) != NULL)) ||
                   clears (clear, CONCORD_FIELD_FIRST_NAME) ||
                   clears (clear, CONCORD_FIELD_LAST_NAME);

  json_builder_begin_object (builder);
  if (names)
    {
      g_autofree char *name = compose_name (change->set, clear, current);

      if (name != NULL)
        {
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, name);
        }
      else
        refuse (refused, CONCORD_FIELD_FIRST_NAME,
                g_strdup ("Pipedrive needs a name for every person"));
    }
  add_person_members (self, builder, change->set, clear, refused);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  for (guint i = 0; i + 1 < refused->len; i += 2)
    concord_rest_update_refuse (update, g_ptr_array_index (refused, i),
                                g_strdup (g_ptr_array_index (refused, i + 1)));

  update->step = STEP_PATCH;
  return new_request ("PATCH", path, "PATCH /api/v2/persons/{id}", body);
}

/* Pipedrive ignores a forbidden marketing_status change: the echo says. */
static void
check_status_echo (ConcordConnectorPipedrive *self,
                   ConcordRestUpdate         *update,
                   JsonNode                  *answer)
{
  const char *wanted = update->change->set != NULL
                       ? concord_record_get_text (update->change->set, CONCORD_FIELD_STATUS)
                       : NULL;
  g_autofree char *echoed = wanted != NULL ? member_text (unwrap (answer), "marketing_status")
                                           : NULL;

  if (wanted == NULL || status_to_api (wanted) == NULL)
    return;
  if (g_strcmp0 (echoed, status_to_api (wanted)) != 0)
    concord_rest_update_refuse (update, CONCORD_FIELD_STATUS,
                                g_strdup_printf ("Pipedrive changes a person's marketing status "
                                                 "only once away from a value, and kept %s",
                                                 echoed != NULL ? echoed : "none"));
}

static ConcordHttpRequest *
concord_connector_pipedrive_update_step (ConcordRestConnector  *connector,
                                         ConcordRestUpdate     *update,
                                         JsonNode              *answer,
                                         GError               **error)
{
  ConcordConnectorPipedrive *self = CONCORD_CONNECTOR_PIPEDRIVE (connector);
  const ConcordRecordChange *change = update->change;

  if (update->failure != NULL)
    return NULL;

  if (answer == NULL && update->step == STEP_READ && update->data == NULL)
    {
      g_autofree char *path = NULL;

      if (!is_id (change->remote_id))
        {
          g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                               "PATCH /api/v2/persons/{id}: not a Pipedrive person id");
          return NULL;
        }
      if (!needs_current (change))
        return patch_request (self, update, NULL);

      /* Mark the read as sent. */
      update->data = GUINT_TO_POINTER (1);
      path = g_strdup_printf ("/api/v2/persons/%s", change->remote_id);
      return new_request ("GET", path, "GET /api/v2/persons/{id}", NULL);
    }

  if (update->step == STEP_READ)
    {
      g_autoptr(ConcordRecord) current = parse_person (self, unwrap (answer));

      if (current == NULL)
        {
          g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                               "GET /api/v2/persons/{id}: the person is gone");
          return NULL;
        }
      return patch_request (self, update, current);
    }

  check_status_echo (self, update, answer);
  update->step = STEP_DONE;
  return NULL;
}

/* ------------------------------------------------------------------------- */
/* ConcordConnector                                                          */
/* ------------------------------------------------------------------------- */

static const ConcordRestAppTraits traits = {
  .app_id = PD_APP_ID,
  .app_name = PD_APP_NAME,
  .contact_type = CONCORD_PIPEDRIVE_PERSONS,
  .contact_type_label = CONTACT_TYPE_LABEL,
  .flags = CONCORD_CONNECTOR_INCREMENTAL | CONCORD_CONNECTOR_MODIFIED_TIMES,
  .page_size = PAGE_LIMIT,
  .rate_budget = RATE_BUDGET,
};

static guint
concord_connector_pipedrive_get_page_size (ConcordConnector *connector)
{
  return CONCORD_CONNECTOR_PIPEDRIVE (connector)->page_limit;
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_connector_pipedrive_dispose (GObject *object)
{
  ConcordConnectorPipedrive *self = CONCORD_CONNECTOR_PIPEDRIVE (object);

  g_clear_object (&self->client);
  g_clear_pointer (&self->fields_by_key, g_hash_table_unref);
  g_clear_pointer (&self->fields_by_name, g_hash_table_unref);
  g_clear_pointer (&self->fields, g_ptr_array_unref);
  g_clear_pointer (&self->labels, g_hash_table_unref);
  g_clear_pointer (&self->orgs, g_hash_table_unref);
  g_clear_pointer (&self->org_ids, g_hash_table_unref);

  G_OBJECT_CLASS (concord_connector_pipedrive_parent_class)->dispose (object);
}

static void
concord_connector_pipedrive_class_init (ConcordConnectorPipedriveClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ConcordConnectorClass *connector_class = CONCORD_CONNECTOR_CLASS (klass);
  ConcordRestConnectorClass *rest_class = CONCORD_REST_CONNECTOR_CLASS (klass);

  object_class->dispose = concord_connector_pipedrive_dispose;

  connector_class->load_schema_async = concord_connector_pipedrive_load_schema_async;
  connector_class->get_page_size = concord_connector_pipedrive_get_page_size;

  rest_class->traits = &traits;
  rest_class->build_list_request = concord_connector_pipedrive_build_list_request;
  rest_class->parse_page = concord_connector_pipedrive_parse_page;
  rest_class->record_from_json = concord_connector_pipedrive_record_from_json;
  rest_class->build_fetch_request = concord_connector_pipedrive_build_fetch_request;
  rest_class->build_create_request = concord_connector_pipedrive_build_create_request;
  rest_class->match_created = concord_connector_pipedrive_match_created;
  rest_class->update_step = concord_connector_pipedrive_update_step;
  rest_class->build_verify_request = concord_connector_pipedrive_build_verify_request;
  rest_class->check_verify_answer = concord_connector_pipedrive_check_verify_answer;
  rest_class->prepare_async = concord_connector_pipedrive_prepare_async;
}

static void
concord_connector_pipedrive_init (ConcordConnectorPipedrive *self)
{
  self->page_limit = PAGE_LIMIT;
  self->max_update = -1;
  self->since = -1;
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_connector_pipedrive_new:
 * @base_url: (nullable): the API's origin; %NULL for
 *   %CONCORD_PIPEDRIVE_DEFAULT_BASE_URL
 * @api_token: the personal API token; kept in memory only
 *
 * Makes a connector for the thread-default main context of the caller,
 * the only context it may be used on.
 *
 * Returns: (transfer full): a new connector
 */
ConcordConnectorPipedrive *
concord_connector_pipedrive_new (const char *base_url,
                                 const char *api_token)
{
  ConcordConnectorPipedrive *self;

  g_return_val_if_fail (api_token != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_CONNECTOR_PIPEDRIVE, NULL);
  self->client = concord_http_client_new (base_url != NULL ? base_url
                                                           : CONCORD_PIPEDRIVE_DEFAULT_BASE_URL,
                                          PD_APP_NAME);
  concord_http_client_set_auth_header (self->client, TOKEN_HEADER, api_token);
  concord_http_client_set_limits (self->client, MAX_IN_FLIGHT, CONCORD_HTTP_DEFAULT_MAX_RETRIES,
                                  CONCORD_HTTP_DEFAULT_RETRY_BASE_MS);
  concord_http_client_set_max_writes_in_flight (self->client, MAX_WRITES_IN_FLIGHT);
  concord_http_client_set_rate_limit_headers (self->client, "x-ratelimit-remaining",
                                              "x-ratelimit-reset");
  concord_http_client_set_refine_error (self->client, refine_error, NULL);
  concord_rest_connector_set_client (CONCORD_REST_CONNECTOR (self), self->client);
  concord_rest_connector_set_max_batch (CONCORD_REST_CONNECTOR (self), 1);

  return self;
}

/**
 * concord_connector_pipedrive_base_url_for:
 * @company_domain: (nullable): the company's Pipedrive domain, "acme" or
 *   "acme.pipedrive.com"
 *
 * Returns: (transfer full) (nullable): https://<company>.pipedrive.com,
 *   the default origin for %NULL or empty, or %NULL with @error for a
 *   domain that is not one
 */
char *
concord_connector_pipedrive_base_url_for (const char  *company_domain,
                                          GError     **error)
{
  g_autofree char *domain = NULL;

  if (company_domain == NULL || *company_domain == '\0')
    return g_strdup (CONCORD_PIPEDRIVE_DEFAULT_BASE_URL);

  domain = g_ascii_strdown (company_domain, -1);
  g_strstrip (domain);
  if (g_str_has_prefix (domain, "https://"))
    memmove (domain, domain + 8, strlen (domain + 8) + 1);
  if (g_str_has_suffix (domain, "/"))
    domain[strlen (domain) - 1] = '\0';
  if (g_str_has_suffix (domain, ".pipedrive.com"))
    domain[strlen (domain) - strlen (".pipedrive.com")] = '\0';

  for (const char *c = domain; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && *c != '-')
      {
        g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                             "A Pipedrive company domain has only letters, digits and hyphens");
        return NULL;
      }
  if (*domain == '\0' || strlen (domain) > 63)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "Not a Pipedrive company domain");
      return NULL;
    }

  return g_strdup_printf ("https://%s.pipedrive.com", domain);
}

/**
 * concord_connector_pipedrive_set_retry_base_ms:
 * @base_ms: the first retry's delay, doubled for each further retry
 *
 * For tests, so that retries do not take seconds.
 */
void
concord_connector_pipedrive_set_retry_base_ms (ConcordConnectorPipedrive *self,
                                               guint                      base_ms)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_PIPEDRIVE (self));

  concord_http_client_set_limits (self->client, MAX_IN_FLIGHT, CONCORD_HTTP_DEFAULT_MAX_RETRIES,
                                  base_ms);
}

/**
 * concord_connector_pipedrive_set_page_limit:
 * @limit: persons a page, 1 to 500
 *
 * For tests: paging without hundreds of persons.
 */
void
concord_connector_pipedrive_set_page_limit (ConcordConnectorPipedrive *self,
                                            guint                      limit)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_PIPEDRIVE (self));
  g_return_if_fail (limit > 0 && limit <= PAGE_LIMIT);

  self->page_limit = limit;
}
