/* concord-connector-hubspot.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * HubSpot's contacts, through CRM v3 (specs/connectors-reference.md §1).
 * ConcordRestConnector and ConcordHttpClient do the requests: the
 * private-app token only as a bearer token to HubSpot's origin, reads
 * MAX_IN_FLIGHT at once, the X-HubSpot-RateLimit-* window honoured before a
 * 429 comes (Remaining down to what the requests in flight may still take
 * holds every request for the announced Interval-Milliseconds), retries,
 * bounded and repaired answers.
 *
 * Properties. GET /crm/v3/properties/contacts is read before a listing's
 * first page, a schema load, and any fetch or write before the first.
 * HubSpot's own properties Concord knows become its canonical fields
 * (email, firstname, phone, company, city, …); lifecycle stage, lead
 * status and every custom property (hubspotDefined false) become
 * "custom:<label>" fields (two of one label get their internal name
 * after it). An enumeration is a pick list: its option values are the
 * choices, its labels the choice labels, and a label written is taken for
 * its value; a checkbox enumeration holds several (";" on the wire). A
 * property HubSpot calculates or marks readOnlyValue is read-only.
 *
 * Status. hs_email_optout "true" is unsubscribed, "false" active; no
 * value, no status. Bounced, complained and abuse are written as opted
 * out; a status HubSpot cannot hold (transactional, inactive) is refused
 * for that contact, saying why.
 *
 * Search has a limit of its own, 5 requests a second: its pages are paced.
 *
 * Listing. A full listing pages GET /crm/v3/objects/contacts by `after`
 * (limit 100), the only kind marked complete. An incremental one (a
 * cursor "<epoch ms>;full=<Unix time of the last full listing>") is a
 * search, POST …/contacts/search, lastmodifieddate GTE the cursor less an
 * overlap (search is eventually consistent), sorted ascending. A search
 * reaches 10,000 results at most: when the next page would pass that, the
 * search starts again from the largest lastmodifieddate seen, and the
 * contacts of the listing already given are not given again; when the
 * whole window holds one instant (a bulk import), the listing reads every
 * contact instead, as it does when the account has more properties than
 * a search body (3,000 characters) can name. Search never shows archived
 * contacts, so a listing
 * more than FULL_SCAN_SECONDS after the last full one is a full one: an
 * archived contact is then absent from a complete listing, which the
 * engine takes for a deletion.
 *
 * Writes. batch/create, batch/update and batch/read of at most 100, each
 * input tagged with its index as objectWriteTraceId, so the results and
 * errors of a 207 are matched to their inputs. A batch refused whole for
 * one input (400, 409) is halved and sent again down to that input. A
 * create whose email HubSpot already has (409, "Contact already exists.
 * Existing ID: N") is a match, not an error: the input is written onto
 * that contact with a batch update, and the result is that contact.
 *
 * Errors. HubSpot's bodies {status, message, category, errors[{message,
 * context}]} give the message (redacted, cut); INVALID_AUTHENTICATION and
 * MISSING_SCOPES are refused keys.
 */

#define G_LOG_DOMAIN "concord-connector-hubspot"

#include "config.h"

#include <string.h>

#include "concord-connector-hubspot.h"
#include "concord-connector-hubspot-private.h"
#include "concord-error.h"
#include "concord-json-private.h"
#include "concord-rest-connector.h"
#include "concord-write-batch.h"

#define HS_APP_ID             "hubspot"
#define HS_APP_NAME           "HubSpot"
#define CONTACT_TYPE_LABEL    "Contacts"
#define PATH_CONTACTS         "/crm/v3/objects/contacts"
#define PATH_PROPERTIES       "/crm/v3/properties/contacts"
#define PAGE_LIMIT            100
#define SEARCH_LIMIT          200
#define SEARCH_WINDOW         10000
#define MAX_BATCH             100
#define MAX_IN_FLIGHT         4
/* The budget automatic schedules keep to 1 % of, in requests an hour:
 * the Free and Starter burst limit, 100 requests per 10 s. */
#define RATE_BUDGET           (10 * 3600)
#define MAX_VALUE_BYTES       (64 * 1024)
#define MAX_EMAIL_BYTES       254
#define MAX_ERROR_BODY_BYTES  (64 * 1024)
#define MAX_PROPERTIES        5000
#define MAX_OPTIONS           5000
/* Search bodies are at most 3,000 characters: the properties' names may
 * take this many of them, else a change listing reads every contact. */
#define MAX_SEARCH_NAMES      2200
/* Search has a limit of its own, 5 requests a second per account: its
 * pages go at most this often. */
#define SEARCH_INTERVAL_US    (210 * 1000)
/* How far before the cursor an incremental listing starts again. */
#define OVERLAP_MS            (60 * 1000)
/* How often a change listing is a full one instead, to see deletions. */
#define FULL_SCAN_SECONDS     (24 * 3600)

typedef struct
{
  char             *name;      /* (owned): HubSpot's internal name */
  char             *key;       /* (owned): Concord's: canonical, or "custom:<label>" */
  char             *label;     /* (owned) */
  ConcordFieldType  type;
  gboolean          multi;     /* a checkbox: values joined by ";" */
  gboolean          read_only;
  gboolean          custom;
  GPtrArray        *options;   /* (owned) (nullable): value, label, value, label, … */
} Property;

struct _ConcordConnectorHubspot
{
  ConcordRestConnector  parent_instance;

  ConcordHttpClient    *client;         /* (owned): also the base's */
  guint                 page_limit;
  guint                 search_limit;
  guint                 search_window;
  GPtrArray            *properties;     /* (owned) (nullable): Property, those Concord maps */
  GHashTable           *by_name;        /* (owned) (nullable): HubSpot name → Property */
  GHashTable           *by_key;         /* (owned) (nullable): Concord key → Property */
  char                 *names;          /* (owned) (nullable): "a,b,c" for properties= */

  /* The listing under way */
  gint64                since_ms;       /* the search's watermark; -1: a full listing */
  gint64                full_at;        /* when the last full listing started, Unix time */
  gint64                start_ms;       /* when this listing started */
  gint64                query_since_ms; /* the running search query's lastmodifieddate ≥ */
  gint64                query_max_ms;   /* the largest lastmodifieddate of that query */
  gint64                max_ms;         /* the largest lastmodifieddate of the listing */
  guint                 generation;     /* search queries started in this listing */
  GHashTable           *seen;           /* (owned) (nullable): ids a search listing gave */

  GHashTable           *conflicts;      /* (owned): input record → existing id (create) */
  gint64                last_search_us; /* when the last search page was asked for */
};

G_DEFINE_FINAL_TYPE (ConcordConnectorHubspot, concord_connector_hubspot,
                     CONCORD_TYPE_REST_CONNECTOR)

/* HubSpot's own properties that are Concord's canonical fields. */
static const struct
{
  const char       *name;
  const char       *key;
  ConcordFieldType  type;
} standard[] = {
  { "email", CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL },
  { "firstname", CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING },
  { "lastname", CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING },
  { "phone", CONCORD_FIELD_PHONE, CONCORD_FIELD_TYPE_PHONE },
  { "mobilephone", CONCORD_FIELD_MOBILE, CONCORD_FIELD_TYPE_PHONE },
  { "company", CONCORD_FIELD_COMPANY, CONCORD_FIELD_TYPE_STRING },
  { "jobtitle", CONCORD_FIELD_JOB_TITLE, CONCORD_FIELD_TYPE_STRING },
  { "website", CONCORD_FIELD_WEBSITE, CONCORD_FIELD_TYPE_STRING },
  { "address", CONCORD_FIELD_ADDRESS_STREET, CONCORD_FIELD_TYPE_STRING },
  { "city", CONCORD_FIELD_ADDRESS_CITY, CONCORD_FIELD_TYPE_STRING },
  { "state", CONCORD_FIELD_ADDRESS_REGION, CONCORD_FIELD_TYPE_STRING },
  { "zip", CONCORD_FIELD_ADDRESS_POSTAL_CODE, CONCORD_FIELD_TYPE_STRING },
  { "country", CONCORD_FIELD_ADDRESS_COUNTRY, CONCORD_FIELD_TYPE_STRING },
  { "hs_email_optout", CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM },
  { "createdate", CONCORD_FIELD_CREATED_AT, CONCORD_FIELD_TYPE_DATETIME },
  { "lastmodifieddate", CONCORD_FIELD_UPDATED_AT, CONCORD_FIELD_TYPE_DATETIME },
};

/* HubSpot-defined properties shown as pick lists of their own. */
static const char *own_pick_lists[] = { "lifecyclestage", "hs_lead_status", NULL };

static const char *status_choices[] = { "active", "unsubscribed", NULL };

/* Canonical statuses written as hs_email_optout. */
static const struct
{
  const char *canonical;
  const char *api;
} status_writes[] = {
  { "active", "false" },
  { "engaged", "false" },
  { "unsubscribed", "true" },
  { "bounced", "true" },
  { "abuse", "true" },
  { "complained", "true" },
};

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void
property_free (Property *property)
{
  g_free (property->name);
  g_free (property->key);
  g_free (property->label);
  g_clear_pointer (&property->options, g_ptr_array_unref);
  g_free (property);
}

static char *
member_text (JsonObject *object,
             const char *name)
{
  return concord_rest_json_text (object, name, MAX_VALUE_BYTES, NULL);
}

static gboolean
is_id (const char *text)
{
  return text != NULL && g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, NULL, NULL);
}

/* An id member (a string of digits, or a JSON integer) as text, or NULL. */
static char *
node_id (JsonNode *node)
{
  guint64 number;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node) > 0
           ? g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node)) : NULL;
  if (json_node_get_value_type (node) != G_TYPE_STRING ||
      !g_ascii_string_to_unsigned (json_node_get_string (node), 10, 1, G_MAXINT64, &number, NULL))
    return NULL;
  return g_strdup_printf ("%" G_GUINT64_FORMAT, number);
}

/* An ISO 8601 date-time or epoch milliseconds as epoch milliseconds, -1. */
static gint64
parse_ms (const char *text)
{
  g_autoptr(GDateTime) when = NULL;
  gint64 ms;

  if (text == NULL || *text == '\0')
    return -1;
  if (g_ascii_string_to_signed (text, 10, 0, G_MAXINT64 / 2, &ms, NULL))
    return ms;
  when = g_date_time_new_from_iso8601 (text, NULL);
  if (when == NULL)
    {
      g_autofree char *utc = g_strconcat (text, "Z", NULL);

      when = g_date_time_new_from_iso8601 (utc, NULL);
    }
  if (when == NULL)
    return -1;
  return g_date_time_to_unix (when) * 1000 + g_date_time_get_microsecond (when) / 1000;
}

/* The option value of @text, an option's value or (any case) its label. */
static const char *
option_value (Property   *property,
              const char *text)
{
  if (text == NULL)
    return NULL;
  for (guint i = 0; property->options != NULL && i + 1 < property->options->len; i += 2)
    if (g_str_equal (g_ptr_array_index (property->options, i), text))
      return g_ptr_array_index (property->options, i);
  for (guint i = 0; property->options != NULL && i + 1 < property->options->len; i += 2)
    if (g_utf8_collate (g_ptr_array_index (property->options, i + 1), text) == 0 ||
        g_ascii_strcasecmp (g_ptr_array_index (property->options, i + 1), text) == 0)
      return g_ptr_array_index (property->options, i);
  return NULL;
}

/* ------------------------------------------------------------------------- */
/* Reading a contact                                                         */
/* ------------------------------------------------------------------------- */

static void
read_property (ConcordRecord *record,
               Property      *property,
               JsonNode      *node)
{
  g_autofree char *text = NULL;
  gboolean repaired = FALSE;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    text = concord_http_repaired_text (json_node_get_string (node), MAX_VALUE_BYTES, &repaired);
  else
    {
      g_autoptr(JsonObject) wrapper = json_object_new ();

      json_object_set_member (wrapper, "v", json_node_copy (node));
      text = member_text (wrapper, "v");
    }
  if (text == NULL || *text == '\0')
    return;

  if (g_str_equal (property->key, CONCORD_FIELD_STATUS))
    {
      if (g_ascii_strcasecmp (text, "true") == 0)
        concord_record_set_text (record, CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM,
                                 "unsubscribed");
      else if (g_ascii_strcasecmp (text, "false") == 0)
        concord_record_set_text (record, CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM, "active");
      return;
    }

  switch (property->type)
    {
    case CONCORD_FIELD_TYPE_EMAIL:
      if (strlen (text) > MAX_EMAIL_BYTES)
        {
          /* Longer than any address: kept cut and marked, so it neither
           * matches nor creates. */
          g_autofree char *cut = concord_http_cut_text (text, MAX_EMAIL_BYTES);

          concord_rest_record_set_text (record, property->key, property->type, cut, TRUE);
          return;
        }
      break;

    case CONCORD_FIELD_TYPE_NUMBER:
      {
        char *end = NULL;
        double number = g_ascii_strtod (text, &end);

        if (end != text && *end == '\0')
          concord_record_set_number (record, property->key, number);
        return;
      }

    case CONCORD_FIELD_TYPE_BOOLEAN:
      if (g_ascii_strcasecmp (text, "true") == 0 || g_ascii_strcasecmp (text, "false") == 0)
        concord_record_set_boolean (record, property->key,
                                    g_ascii_strcasecmp (text, "true") == 0);
      return;

    case CONCORD_FIELD_TYPE_DATETIME:
      {
        gint64 ms = parse_ms (text);

        if (ms >= 0)
          concord_record_set_datetime (record, property->key, ms / 1000);
        return;
      }

    case CONCORD_FIELD_TYPE_DATE:
      {
        gint64 ms;

        /* Midnight UTC in epoch ms, or the date itself. */
        if (strlen (text) > 10 && (ms = parse_ms (text)) >= 0)
          {
            g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (ms / 1000);
            g_autofree char *date = when != NULL ? g_date_time_format (when, "%Y-%m-%d") : NULL;

            if (date != NULL)
              concord_rest_record_set_text (record, property->key, property->type, date, FALSE);
            return;
          }
        break;
      }

    case CONCORD_FIELD_TYPE_STRING_SET:
      {
        g_auto(GStrv) parts = g_strsplit (text, ";", 1000);
        g_autoptr(GPtrArray) values = g_ptr_array_new ();

        for (guint i = 0; parts[i] != NULL; i++)
          if (*g_strstrip (parts[i]) != '\0')
            g_ptr_array_add (values, parts[i]);
        if (values->len == 0)
          return;
        g_ptr_array_add (values, NULL);
        concord_record_set_set (record, property->key, (const char * const *) values->pdata);
        if (repaired)
          concord_record_mark_altered (record, property->key);
        return;
      }

    default:
      break;
    }

  concord_rest_record_set_text (record, property->key, property->type, text, repaired);
}

/* A contact (SimplePublicObject) as a record; NULL (skipped) when it has
 * no usable id or is archived. A value repaired on the way in is marked
 * altered, so it is never written across. */
static ConcordRecord *
parse_contact (ConcordConnectorHubspot *self,
               JsonObject              *object)
{
  g_autoptr(ConcordRecord) record = NULL;
  g_autofree char *id = NULL;
  g_autofree char *updated = NULL;
  JsonObject *properties;
  JsonNode *archived;
  gint64 modified;

  if (object == NULL || (id = node_id (json_object_get_member (object, "id"))) == NULL)
    return NULL;
  archived = json_object_get_member (object, "archived");
  if (archived != NULL && JSON_NODE_HOLDS_VALUE (archived) &&
      json_node_get_value_type (archived) == G_TYPE_BOOLEAN && json_node_get_boolean (archived))
    return NULL;

  record = concord_record_new (id);
  properties = concord_rest_json_object (object, "properties");
  if (properties != NULL && self->by_name != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      json_object_iter_init (&iter, properties);
      while (json_object_iter_next (&iter, &name, &value))
        {
          Property *property = g_hash_table_lookup (self->by_name, name);

          if (property != NULL)
            read_property (record, property, value);
        }
    }
  else if (properties != NULL)
    {
      /* Before the properties are known: the three HubSpot always sends. */
      concord_rest_record_set_member (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL,
                                      properties, "email", MAX_EMAIL_BYTES);
      concord_rest_record_set_member (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING,
                                      properties, "firstname", MAX_VALUE_BYTES);
      concord_rest_record_set_member (record, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING,
                                      properties, "lastname", MAX_VALUE_BYTES);
    }

  updated = member_text (properties, "lastmodifieddate");
  if (updated == NULL)
    updated = member_text (object, "updatedAt");
  modified = parse_ms (updated);
  if (modified >= 0)
    concord_record_set_modified (record, modified / 1000);

  return g_steal_pointer (&record);
}

/* The lastmodifieddate of a contact, epoch ms, -1. */
static gint64
contact_modified_ms (JsonObject *object)
{
  g_autofree char *updated = member_text (concord_rest_json_object (object, "properties"),
                                          "lastmodifieddate");

  if (updated == NULL)
    updated = member_text (object, "updatedAt");
  return parse_ms (updated);
}

/* ------------------------------------------------------------------------- */
/* Errors and requests                                                       */
/* ------------------------------------------------------------------------- */

/* A HubSpot message, redacted (it may quote what was sent) and cut. */
static char *
clean_message (const char *message)
{
  g_autofree char *redacted = concord_http_redact (message);

  if (g_utf8_strlen (redacted, -1) > 200)
    return g_utf8_substring (redacted, 0, 200);
  return g_steal_pointer (&redacted);
}

/* The message of an error object: its own, and the first detail's. */
static char *
error_message (JsonObject *object)
{
  g_autofree char *message = member_text (object, "message");
  JsonNode *errors = object != NULL ? json_object_get_member (object, "errors") : NULL;
  g_autofree char *detail = NULL;

  if (errors != NULL && JSON_NODE_HOLDS_ARRAY (errors) &&
      json_array_get_length (json_node_get_array (errors)) > 0)
    {
      JsonNode *first = json_array_get_element (json_node_get_array (errors), 0);

      if (JSON_NODE_HOLDS_OBJECT (first))
        detail = member_text (json_node_get_object (first), "message");
    }
  if (message == NULL)
    message = g_steal_pointer (&detail);
  if (message == NULL)
    return NULL;
  if (detail != NULL && strstr (message, detail) == NULL)
    {
      g_autofree char *joined = g_strdup_printf ("%s (%s)", message, detail);

      return clean_message (joined);
    }
  return clean_message (message);
}

/* The first value of context.@key of an error object, or NULL. */
static char *
context_value (JsonObject *object,
               const char *key)
{
  JsonObject *context = concord_rest_json_object (object, "context");
  JsonNode *node = context != NULL ? json_object_get_member (context, key) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (json_node_get_array (node)) == 0)
    return NULL;
  node = json_array_get_element (json_node_get_array (node), 0);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return concord_http_repaired_text (json_node_get_string (node), 256, NULL);
}

/* "Contact already exists. Existing ID: 123" → "123". */
static char *
existing_id_in (const char *message)
{
  const char *mark = message != NULL ? strstr (message, "Existing ID:") : NULL;
  g_autofree char *digits = NULL;
  gsize n = 0;

  if (mark == NULL)
    return NULL;
  mark += strlen ("Existing ID:");
  while (*mark == ' ')
    mark++;
  while (g_ascii_isdigit (mark[n]))
    n++;
  digits = g_strndup (mark, n);
  return is_id (digits) ? g_steal_pointer (&digits) : NULL;
}

static char *
existing_id (JsonObject *object)
{
  g_autofree char *message = member_text (object, "message");

  return existing_id_in (message);
}

/* An error object (a batch's errors[] or a whole answer) as a GError. */
static GError *
error_from_object (JsonObject *object,
                   const char *label)
{
  g_autofree char *category = member_text (object, "category");
  g_autofree char *message = error_message (object);
  const char *text = message != NULL ? message : "no reason given";
  GError *error;

  if (g_strcmp0 (category, "CONFLICT") == 0)
    error = g_error_new (CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                         "%s failed: HubSpot already has a contact with this email: %s", label,
                         text);
  else if (g_strcmp0 (category, "OBJECT_NOT_FOUND") == 0)
    error = g_error_new (CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                         "%s failed: HubSpot has no such contact: %s", label, text);
  else
    {
      g_autofree char *field = context_value (object, "propertyName");

      error = g_error_new (CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA,
                           "%s failed: HubSpot refused the data: %s", label, text);
      if (g_strcmp0 (field, "email") == 0)
        concord_error_set_field (error, CONCORD_FIELD_EMAIL);
    }
  return error;
}

/* HubSpot's error bodies (ConcordHttpRefineError). */
static gboolean
refine_error (guint        status,
              GBytes      *body,
              const char  *label,
              GError     **error,
              gpointer     user_data)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *message = NULL;
  g_autofree char *category = NULL;
  JsonObject *object;
  gconstpointer data;
  gsize length = 0;

  data = body != NULL ? g_bytes_get_data (body, &length) : NULL;
  if (data != NULL && length > 0)
    root = concord_json_parse (data, (gssize) length, MAX_ERROR_BODY_BYTES, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  object = json_node_get_object (root);
  message = error_message (object);
  category = member_text (object, "category");
  if (message == NULL)
    return FALSE;

  if (status == SOUP_STATUS_UNAUTHORIZED || g_strcmp0 (category, "INVALID_AUTHENTICATION") == 0)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                 "%s failed: HubSpot refused the private app token (%s)", label, message);
  else if (status == SOUP_STATUS_FORBIDDEN)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                 "%s failed: HubSpot's private app lacks a scope Concord needs "
                 "(crm.objects.contacts.read and .write): %s", label, message);
  else if (status == SOUP_STATUS_BAD_REQUEST || status == SOUP_STATUS_CONFLICT ||
           status == 422)
    {
      g_autoptr(GError) refined = error_from_object (object, label);

      g_propagate_error (error, g_steal_pointer (&refined));
    }
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

/* The results[] of an answer. */
static JsonArray *
results_array (JsonNode    *root,
               const char  *label,
               GError     **error)
{
  JsonNode *results;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s failed: the answer is not a HubSpot answer", label);
      return NULL;
    }
  results = json_object_get_member (json_node_get_object (root), "results");
  if (results == NULL || !JSON_NODE_HOLDS_ARRAY (results))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s failed: the answer has no results list", label);
      return NULL;
    }
  return json_node_get_array (results);
}

/* ------------------------------------------------------------------------- */
/* Properties                                                                */
/* ------------------------------------------------------------------------- */

static ConcordFieldType
property_type (const char *type,
               const char *field_type,
               gboolean   *multi,
               gboolean   *known)
{
  *multi = FALSE;
  *known = TRUE;
  if (g_strcmp0 (type, "number") == 0)
    return CONCORD_FIELD_TYPE_NUMBER;
  if (g_strcmp0 (type, "bool") == 0)
    return CONCORD_FIELD_TYPE_BOOLEAN;
  if (g_strcmp0 (type, "date") == 0)
    return CONCORD_FIELD_TYPE_DATE;
  if (g_strcmp0 (type, "datetime") == 0)
    return CONCORD_FIELD_TYPE_DATETIME;
  if (g_strcmp0 (type, "enumeration") == 0)
    {
      if (g_strcmp0 (field_type, "checkbox") == 0)
        {
          *multi = TRUE;
          return CONCORD_FIELD_TYPE_STRING_SET;
        }
      if (g_strcmp0 (field_type, "booleancheckbox") == 0)
        return CONCORD_FIELD_TYPE_BOOLEAN;
      return CONCORD_FIELD_TYPE_ENUM;
    }
  if (g_strcmp0 (field_type, "phonenumber") == 0)
    return CONCORD_FIELD_TYPE_PHONE;
  *known = type == NULL || g_strcmp0 (type, "string") == 0 || g_strcmp0 (type, "phone_number") == 0;
  return CONCORD_FIELD_TYPE_STRING;
}

static gboolean
member_true (JsonObject *object,
             const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

/* One property of /crm/v3/properties/contacts, or NULL when Concord
 * leaves it alone (HubSpot's own that it does not map). */
static Property *
property_from_json (JsonObject *item)
{
  g_autofree char *name = member_text (item, "name");
  g_autofree char *label = NULL;
  g_autofree char *type = member_text (item, "type");
  g_autofree char *field_type = member_text (item, "fieldType");
  JsonNode *options_node = json_object_get_member (item, "options");
  gboolean hubspot_defined = member_true (item, "hubspotDefined");
  const char *key = NULL;
  ConcordFieldType standard_type = CONCORD_FIELD_TYPE_STRING;
  Property *property;
  gboolean known;

  if (name == NULL || *name == '\0' || strlen (name) > 256)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (standard); i++)
    if (g_str_equal (standard[i].name, name))
      {
        key = standard[i].key;
        standard_type = standard[i].type;
      }
  if (key == NULL && hubspot_defined && !g_strv_contains (own_pick_lists, name))
    return NULL;

  label = member_text (item, "label");
  if (label == NULL || *g_strstrip (label) == '\0')
    {
      g_free (label);
      label = g_strdup (name);
    }

  property = g_new0 (Property, 1);
  property->name = g_steal_pointer (&name);
  property->label = g_steal_pointer (&label);
  property->custom = key == NULL;
  property->key = g_strdup (key);
  property->type = property_type (type, field_type, &property->multi, &known);
  property->read_only = member_true (item, "calculated") ||
                        member_true (concord_rest_json_object (item, "modificationMetadata"),
                                     "readOnlyValue") ||
                        !known;
  if (key != NULL)
    {
      property->type = standard_type;
      property->multi = FALSE;
    }
  if (g_str_equal (property->name, "createdate") || g_str_equal (property->name, "lastmodifieddate"))
    property->read_only = TRUE;

  if (options_node != NULL && JSON_NODE_HOLDS_ARRAY (options_node) &&
      (property->type == CONCORD_FIELD_TYPE_ENUM || property->multi))
    {
      JsonArray *array = json_node_get_array (options_node);

      property->options = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < json_array_get_length (array) && i < MAX_OPTIONS; i++)
        {
          JsonNode *option = json_array_get_element (array, i);
          g_autofree char *value = NULL;
          g_autofree char *option_label = NULL;

          if (!JSON_NODE_HOLDS_OBJECT (option) ||
              member_true (json_node_get_object (option), "hidden"))
            continue;
          value = member_text (json_node_get_object (option), "value");
          option_label = member_text (json_node_get_object (option), "label");
          if (value == NULL || *value == '\0' || strchr (value, ';') != NULL)
            continue;
          g_ptr_array_add (property->options, g_steal_pointer (&value));
          g_ptr_array_add (property->options,
                           option_label != NULL && *option_label != '\0'
                           ? g_steal_pointer (&option_label)
                           : g_strdup (g_ptr_array_index (property->options,
                                                          property->options->len - 1)));
        }
    }
  else if (property->type == CONCORD_FIELD_TYPE_ENUM && key == NULL)
    property->options = g_ptr_array_new_with_free_func (g_free);

  return property;
}

/* Keys of the custom ones: "custom:<label>", or for two of one label
 * "custom:<label> (<name>)" for each. */
static void
index_properties (ConcordConnectorHubspot *self)
{
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; i < self->properties->len; i++)
    {
      Property *property = g_ptr_array_index (self->properties, i);
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, property->label));

      if (property->key == NULL)
        g_hash_table_replace (counts, g_strdup (property->label), GUINT_TO_POINTER (n + 1));
    }

  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->by_key, g_hash_table_unref);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->by_key = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < self->properties->len; i++)
    {
      Property *property = g_ptr_array_index (self->properties, i);

      if (property->key == NULL || property->custom)
        {
          g_autofree char *shown = NULL;

          if (GPOINTER_TO_UINT (g_hash_table_lookup (counts, property->label)) > 1)
            shown = g_strdup_printf ("%s (%s)", property->label, property->name);
          g_free (property->key);
          property->key = concord_field_custom_key (shown != NULL ? shown : property->label);
        }
      g_hash_table_replace (self->by_name, property->name, property);
      g_hash_table_replace (self->by_key, property->key, property);
      if (names->len > 0)
        g_string_append_c (names, ',');
      g_string_append (names, property->name);
    }

  g_free (self->names);
  self->names = g_string_free (g_steal_pointer (&names), FALSE);
}

static gboolean
read_properties (ConcordConnectorHubspot  *self,
                 JsonNode                 *root,
                 GError                  **error)
{
  JsonArray *array = results_array (root, "GET " PATH_PROPERTIES, error);

  if (array == NULL)
    return FALSE;

  g_clear_pointer (&self->properties, g_ptr_array_unref);
  self->properties = g_ptr_array_new_with_free_func ((GDestroyNotify) property_free);
  for (guint i = 0; i < json_array_get_length (array) && i < MAX_PROPERTIES; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      Property *property = JSON_NODE_HOLDS_OBJECT (node)
                           ? property_from_json (json_node_get_object (node)) : NULL;

      /* The first of one name wins. */
      for (guint j = 0; property != NULL && j < self->properties->len; j++)
        if (g_str_equal (((Property *) g_ptr_array_index (self->properties, j))->name,
                         property->name))
          g_clear_pointer (&property, property_free);
      if (property != NULL)
        g_ptr_array_add (self->properties, property);
    }
  index_properties (self);
  return TRUE;
}

/* For the fuzz targets (concord-connector-hubspot-private.h). */
guint
_concord_connector_hubspot_read_answer (ConcordConnectorHubspot *self,
                                        JsonNode                *root)
{
  g_autoptr(GError) error = NULL;
  JsonArray *array;
  guint n = 0;

  if (!read_properties (self, root, &error))
    return 0;
  array = results_array (root, "fuzz", &error);
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autoptr(ConcordRecord) record = JSON_NODE_HOLDS_OBJECT (node)
                                        ? parse_contact (self, json_node_get_object (node)) : NULL;

      if (record != NULL)
        {
          g_assert (concord_record_get_remote_id (record) != NULL);
          n++;
        }
    }
  {
    JsonNode *errors = json_object_get_member (json_node_get_object (root), "errors");

    for (guint i = 0; errors != NULL && JSON_NODE_HOLDS_ARRAY (errors) &&
         i < json_array_get_length (json_node_get_array (errors)); i++)
      {
        JsonNode *node = json_array_get_element (json_node_get_array (errors), i);

        if (JSON_NODE_HOLDS_OBJECT (node))
          {
            g_autoptr(GError) one = error_from_object (json_node_get_object (node), "fuzz");
            g_autofree char *id = existing_id (json_node_get_object (node));
            g_autofree char *trace = context_value (json_node_get_object (node),
                                                    "objectWriteTraceId");

            g_assert (one != NULL);
          }
      }
  }
  return n;
}

static void
on_properties_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorHubspot *self = g_task_get_source_object (task);
  g_autoptr(JsonNode) root = NULL;
  GError *error = NULL;

  root = concord_http_client_send_json_finish (self->client, result, NULL, NULL, &error);
  if (error == NULL && !read_properties (self, root, &error))
    g_clear_pointer (&self->properties, g_ptr_array_unref);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* The properties, read when @force or not known yet. */
static void
ensure_properties_async (ConcordConnectorHubspot *self,
                         gboolean                 force,
                         GCancellable            *cancellable,
                         GAsyncReadyCallback      callback,
                         gpointer                 user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, ensure_properties_async);
  if (!force && self->properties != NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  concord_http_client_send_json_async (self->client,
                                       new_request ("GET", PATH_PROPERTIES "?archived=false",
                                                    "GET " PATH_PROPERTIES, NULL),
                                       cancellable, on_properties_cb, task);
}

static void
concord_connector_hubspot_prepare_async (ConcordRestConnector *connector,
                                         ConcordRestOperation  operation,
                                         const char           *page_token,
                                         GPtrArray            *inputs,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data)
{
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (connector);

  ensure_properties_async (self, operation == CONCORD_REST_LIST && page_token == NULL,
                           cancellable, callback, user_data);
}

/* ------------------------------------------------------------------------- */
/* Schema                                                                    */
/* ------------------------------------------------------------------------- */

static GPtrArray *
build_schema (ConcordConnectorHubspot *self)
{
  GPtrArray *specs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

  for (guint i = 0; self->properties != NULL && i < self->properties->len; i++)
    {
      Property *property = g_ptr_array_index (self->properties, i);
      ConcordFieldSpec *spec;

      if (!property->custom && !g_str_has_prefix (property->key, CONCORD_FIELD_CUSTOM_PREFIX))
        {
          concord_rest_add_field_spec (specs, property->key,
                                       g_str_equal (property->key, CONCORD_FIELD_STATUS)
                                       ? status_choices : NULL,
                                       property->read_only);
          continue;
        }

      spec = concord_field_spec_new (property->key,
                                     property->key + strlen (CONCORD_FIELD_CUSTOM_PREFIX),
                                     property->type, property->read_only);
      spec->custom = TRUE;
      spec->multi = property->multi;
      if (property->options != NULL)
        {
          guint n = property->options->len / 2;

          spec->choices = g_new0 (char *, n + 1);
          spec->choice_labels = g_new0 (char *, n + 1);
          for (guint o = 0; o < n; o++)
            {
              spec->choices[o] = g_strdup (g_ptr_array_index (property->options, 2 * o));
              spec->choice_labels[o] = g_strdup (g_ptr_array_index (property->options, 2 * o + 1));
            }
        }
      g_ptr_array_add (specs, spec);
    }

  return specs;
}

static void
on_schema_properties_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (object);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, build_schema (self), (GDestroyNotify) g_ptr_array_unref);
}

static void
concord_connector_hubspot_load_schema_async (ConcordConnector    *connector,
                                             const char          *contact_type,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (connector);
  GTask *task = concord_connector_task_new (connector,
                                            concord_connector_hubspot_load_schema_async,
                                            cancellable, callback, user_data);
  GError *error = NULL;

  if (!concord_rest_connector_check_contact_type (CONCORD_REST_CONNECTOR (self), contact_type,
                                                  &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  /* Properties as they are now: a schema load reads them again. */
  ensure_properties_async (self, TRUE, cancellable, on_schema_properties_cb, task);
}

/* ------------------------------------------------------------------------- */
/* Listing                                                                   */
/* ------------------------------------------------------------------------- */

/* A change cursor: "<epoch ms>;full=<Unix time of the last full listing>". */
static gboolean
read_change_cursor (const char *cursor,
                    gint64     *since_ms,
                    gint64     *full_at)
{
  g_auto(GStrv) parts = g_strsplit (cursor, ";", 2);

  *full_at = 0;
  if (!g_ascii_string_to_signed (parts[0], 10, 0, G_MAXINT64 / 2, since_ms, NULL))
    return FALSE;
  return parts[1] != NULL && g_str_has_prefix (parts[1], "full=") &&
         g_ascii_string_to_signed (parts[1] + 5, 10, 0, G_MAXINT64, full_at, NULL);
}

static ConcordHttpRequest *
full_list_request (ConcordConnectorHubspot *self,
                   const char              *after)
{
  g_autoptr(GString) path = g_string_new (PATH_CONTACTS);
  g_autofree char *names = g_uri_escape_string (self->names != NULL ? self->names : "", ",",
                                                FALSE);

  g_string_append_printf (path, "?limit=%u&archived=false&properties=%s", self->page_limit,
                          names);
  if (after != NULL && *after != '\0')
    {
      g_autofree char *escaped = g_uri_escape_string (after, NULL, FALSE);

      g_string_append_printf (path, "&after=%s", escaped);
    }
  return concord_http_request_new ("GET", path->str, "GET " PATH_CONTACTS);
}

/* Whether every property's name fits in a search body (at most 3,000
 * characters in all): a search that names only some would give contacts
 * without the others, which would read as emptied. */
static gboolean
names_fit_search (ConcordConnectorHubspot *self)
{
  gsize length = 0;

  for (guint i = 0; self->properties != NULL && i < self->properties->len; i++)
    length += strlen (((Property *) g_ptr_array_index (self->properties, i))->name) + 3;
  return length <= MAX_SEARCH_NAMES;
}

static ConcordHttpRequest *
search_request (ConcordConnectorHubspot *self,
                gint64                   since_ms,
                guint                    after)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *since = g_strdup_printf ("%" G_GINT64_FORMAT, MAX (since_ms, 0));
  g_autofree char *after_text = g_strdup_printf ("%u", after);
  ConcordHttpRequest *request;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "filterGroups");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "filters");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "propertyName");
  json_builder_add_string_value (builder, "lastmodifieddate");
  json_builder_set_member_name (builder, "operator");
  json_builder_add_string_value (builder, "GTE");
  json_builder_set_member_name (builder, "value");
  json_builder_add_string_value (builder, since);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "sorts");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "propertyName");
  json_builder_add_string_value (builder, "lastmodifieddate");
  json_builder_set_member_name (builder, "direction");
  json_builder_add_string_value (builder, "ASCENDING");
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "properties");
  json_builder_begin_array (builder);
  /* Every name (names_fit_search() said they fit). */
  for (guint i = 0; self->properties != NULL && i < self->properties->len; i++)
    json_builder_add_string_value (builder,
                                   ((Property *) g_ptr_array_index (self->properties, i))->name);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "limit");
  json_builder_add_int_value (builder, self->search_limit);
  json_builder_set_member_name (builder, "after");
  json_builder_add_string_value (builder, after_text);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  request = new_request ("POST", PATH_CONTACTS "/search", "POST " PATH_CONTACTS "/search", body);
  /* A search changes nothing: repeating it is harmless. */
  concord_http_request_set_flags (request, CONCORD_HTTP_IDEMPOTENT);
  return request;
}

/* Page tokens: "a:<after>" a full listing's page, "s:<query>:<since
 * ms>:<after>" a search's. */
static ConcordHttpRequest *
concord_connector_hubspot_build_list_request (ConcordRestConnector  *connector,
                                              const char            *contact_type,
                                              const char            *page_token,
                                              GError               **error)
{
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (connector);
  const char *cursor = concord_rest_connector_get_listing_cursor (connector);

  if (page_token == NULL)
    {
      gint64 now = g_get_real_time () / G_USEC_PER_SEC;

      /* The first page decides, for the whole listing: changes since the
       * cursor, or everything when the last full listing is a day old. */
      self->since_ms = -1;
      self->full_at = now;
      self->start_ms = g_get_real_time () / 1000;
      self->max_ms = -1;
      self->query_max_ms = -1;
      self->generation = 0;
      g_clear_pointer (&self->seen, g_hash_table_unref);
      self->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      if (cursor != NULL && !read_change_cursor (cursor, &self->since_ms, &self->full_at))
        {
          g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                               "Invalid change cursor for HubSpot");
          return NULL;
        }
      if (cursor != NULL && now - self->full_at >= FULL_SCAN_SECONDS)
        {
          self->since_ms = -1;
          self->full_at = now;
        }
      /* Too many properties to name in a search: every contact instead. */
      if (self->since_ms >= 0 && !names_fit_search (self))
        {
          g_debug ("the properties do not fit in a search; reading every contact");
          self->since_ms = -1;
        }
      if (self->since_ms < 0)
        {
          /* Pages by id: nothing comes twice, nothing to remember. */
          g_clear_pointer (&self->seen, g_hash_table_unref);
          return full_list_request (self, NULL);
        }
      self->query_since_ms = MAX (self->since_ms - OVERLAP_MS, 0);
      return search_request (self, self->query_since_ms, 0);
    }

  if (g_str_has_prefix (page_token, "a:"))
    return full_list_request (self, page_token + 2);

  {
    g_auto(GStrv) parts = g_strsplit (page_token, ":", 4);
    gint64 since;
    guint64 after;

    if (g_strv_length (parts) != 4 || !g_str_equal (parts[0], "s") ||
        !g_ascii_string_to_signed (parts[2], 10, 0, G_MAXINT64 / 2, &since, NULL) ||
        !g_ascii_string_to_unsigned (parts[3], 10, 0, SEARCH_WINDOW, &after, NULL))
      {
        g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                             "Invalid page token for HubSpot");
        return NULL;
      }
    return search_request (self, since, (guint) after);
  }
}

static gboolean
concord_connector_hubspot_parse_page (ConcordRestConnector  *connector,
                                      const char            *contact_type,
                                      const char            *page_token,
                                      JsonNode              *root,
                                      SoupMessageHeaders    *headers,
                                      ConcordPage           *page,
                                      GError               **error)
{
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (connector);
  gboolean search = self->since_ms >= 0 &&
                    (page_token == NULL || g_str_has_prefix (page_token, "s:"));
  guint limit = search ? self->search_limit : self->page_limit;
  const char *label = search ? "POST " PATH_CONTACTS "/search" : "GET " PATH_CONTACTS;
  g_autofree char *next = NULL;
  g_autofree char *token = NULL;
  g_autofree char *sync = NULL;
  JsonObject *paging;
  JsonArray *array;
  guint n;

  array = results_array (root, label, error);
  if (array == NULL)
    return FALSE;
  n = json_array_get_length (array);
  if (n > limit)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s failed: the server sent %u contacts for a page of %u; the listing stops",
                   label, n, limit);
      return FALSE;
    }
  if (page_token != NULL && g_str_has_prefix (page_token, "s:"))
    {
      g_auto(GStrv) parts = g_strsplit (page_token, ":", 4);

      self->query_since_ms = g_ascii_strtoll (parts[2], NULL, 10);
    }

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      ConcordRecord *record = parse_contact (self, object);
      gint64 modified;

      if (record == NULL)
        continue;
      modified = contact_modified_ms (object);
      self->max_ms = MAX (self->max_ms, modified);
      self->query_max_ms = MAX (self->query_max_ms, modified);
      /* A search started again repeats the contacts of its first instant
       * (and a full read after a search, those the search gave). */
      if (self->seen != NULL &&
          !g_hash_table_add (self->seen, g_strdup (concord_record_get_remote_id (record))))
        {
          concord_record_unref (record);
          continue;
        }
      g_ptr_array_add (page->records, record);
    }

  paging = concord_rest_json_object (concord_rest_json_object (json_node_get_object (root),
                                                               "paging"), "next");
  next = paging != NULL ? member_text (paging, "after") : NULL;
  if (n == 0)
    g_clear_pointer (&next, g_free);

  if (next != NULL && search)
    {
      guint64 after;

      if (!g_ascii_string_to_unsigned (next, 10, 1, G_MAXUINT, &after, NULL))
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                       "%s failed: the next page's position is not a number", label);
          return FALSE;
        }
      if (after + self->search_limit <= self->search_window)
        token = g_strdup_printf ("s:%u:%" G_GINT64_FORMAT ":%" G_GUINT64_FORMAT,
                                 self->generation, self->query_since_ms, after);
      else if (self->query_max_ms > self->query_since_ms)
        {
          /* The window is full: a new query from the latest instant seen. */
          self->generation++;
          g_debug ("search window full after %" G_GUINT64_FORMAT " results; starting again",
                   after);
          token = g_strdup_printf ("s:%u:%" G_GINT64_FORMAT ":0", self->generation,
                                   self->query_max_ms);
          self->query_since_ms = self->query_max_ms;
          self->query_max_ms = -1;
        }
      else
        {
          /* A whole window of one instant: no query can page past it. */
          g_debug ("search window full at one instant; reading every contact instead");
          self->since_ms = -1;
          token = g_strdup ("a:");
        }
    }
  else if (next != NULL)
    token = g_strdup_printf ("a:%s", next);

  /* The next listing's cursor: after a full listing, when it started (it
   * saw everything changed before); after a search, the latest change
   * read (≥, less the overlap), never after this listing started; and
   * when the last full listing was. */
  sync = g_strdup_printf ("%" G_GINT64_FORMAT ";full=%" G_GINT64_FORMAT,
                          self->since_ms < 0 || self->max_ms < 0
                          ? self->start_ms : MIN (self->max_ms, self->start_ms),
                          self->full_at);
  if (!concord_rest_page_next_token (connector, page, token, sync, error))
    return FALSE;
  if (page->next_page == NULL)
    page->complete = self->since_ms < 0;
  return TRUE;
}

static ConcordRecord *
concord_connector_hubspot_record_from_json (ConcordRestConnector *connector,
                                            const char           *contact_type,
                                            JsonNode             *node)
{
  return parse_contact (CONCORD_CONNECTOR_HUBSPOT (connector),
                        node != NULL && JSON_NODE_HOLDS_OBJECT (node)
                        ? json_node_get_object (node) : NULL);
}

static ConcordHttpRequest *
concord_connector_hubspot_build_fetch_request (ConcordRestConnector *connector,
                                               const char           *contact_type,
                                               const char           *remote_id)
{
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (connector);
  g_autofree char *names = g_uri_escape_string (self->names != NULL ? self->names : "", ",",
                                                FALSE);
  g_autofree char *path = g_strdup_printf (PATH_CONTACTS "/%s?properties=%s",
                                           is_id (remote_id) ? remote_id : "0", names);

  return concord_http_request_new ("GET", path, "GET " PATH_CONTACTS "/{id}");
}

static ConcordHttpRequest *
concord_connector_hubspot_build_verify_request (ConcordRestConnector *connector)
{
  return concord_http_request_new ("GET", PATH_CONTACTS "?limit=1", "GET " PATH_CONTACTS);
}

static gboolean
concord_connector_hubspot_check_verify_answer (ConcordRestConnector  *connector,
                                               JsonNode              *root,
                                               GError               **error)
{
  g_autoptr(GError) local = NULL;

  if (results_array (root, "verify", &local) == NULL)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                           "GET " PATH_CONTACTS ": the server does not answer like HubSpot; "
                           "check the server address");
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Write bodies                                                              */
/* ------------------------------------------------------------------------- */

static void
refuse (GPtrArray  *refused,
        const char *key,
        char       *reason)
{
  g_ptr_array_add (refused, g_strdup (key));
  g_ptr_array_add (refused, reason);
}

/* One value as HubSpot's string; NULL (with @reason) when it cannot be. */
static char *
api_value (Property            *property,
           const ConcordValue  *value,
           char               **reason)
{
  g_autofree char *text = concord_value_to_string (value);

  if (g_str_equal (property->key, CONCORD_FIELD_STATUS))
    {
      for (guint i = 0; text != NULL && i < G_N_ELEMENTS (status_writes); i++)
        if (g_ascii_strcasecmp (status_writes[i].canonical, text) == 0)
          return g_strdup (status_writes[i].api);
      *reason = g_strdup_printf ("HubSpot holds only whether a contact opted out of email, not "
                                 "“%s”", text != NULL ? text : "");
      return NULL;
    }

  if (property->multi)
    {
      g_autoptr(GString) joined = g_string_new (NULL);
      const char * const *items = value->type == CONCORD_FIELD_TYPE_STRING_SET
                                  ? (const char * const *) value->v.set : NULL;
      const char *single[] = { text, NULL };

      if (items == NULL)
        items = single;
      for (guint i = 0; items[i] != NULL; i++)
        {
          const char *option = option_value (property, items[i]);

          if (option == NULL)
            {
              *reason = g_strdup_printf ("“%s” is not an option of HubSpot's property %s",
                                         items[i], property->label);
              return NULL;
            }
          if (joined->len > 0)
            g_string_append_c (joined, ';');
          g_string_append (joined, option);
        }
      return g_string_free (g_steal_pointer (&joined), FALSE);
    }

  if (property->type == CONCORD_FIELD_TYPE_ENUM && property->options != NULL)
    {
      const char *option = option_value (property, text);

      if (option == NULL)
        {
          *reason = g_strdup_printf ("“%s” is not an option of HubSpot's property %s",
                                     text != NULL ? text : "", property->label);
          return NULL;
        }
      return g_strdup (option);
    }

  switch (property->type)
    {
    case CONCORD_FIELD_TYPE_NUMBER:
      {
        double number;
        char *end = NULL;
        char buffer[G_ASCII_DTOSTR_BUF_SIZE];

        if (value->type == CONCORD_FIELD_TYPE_NUMBER)
          number = value->v.number;
        else if (text != NULL && (number = g_ascii_strtod (text, &end), end != text) &&
                 *end == '\0')
          ;
        else
          {
            *reason = g_strdup_printf ("HubSpot's property %s takes a number", property->label);
            return NULL;
          }
        return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, number));
      }

    case CONCORD_FIELD_TYPE_BOOLEAN:
      if (value->type == CONCORD_FIELD_TYPE_BOOLEAN)
        return g_strdup (value->v.boolean ? "true" : "false");
      if (text != NULL && (g_ascii_strcasecmp (text, "true") == 0 ||
                           g_ascii_strcasecmp (text, "false") == 0))
        return g_ascii_strdown (text, -1);
      *reason = g_strdup_printf ("HubSpot's property %s takes true or false", property->label);
      return NULL;

    case CONCORD_FIELD_TYPE_DATE:
    case CONCORD_FIELD_TYPE_DATETIME:
      {
        gint64 seconds = value->type == CONCORD_FIELD_TYPE_DATETIME
                         ? value->v.datetime : concord_rest_parse_datetime (text);
        g_autoptr(GDateTime) when = seconds >= 0 ? g_date_time_new_from_unix_utc (seconds) : NULL;

        if (when == NULL)
          {
            *reason = g_strdup_printf ("HubSpot's property %s takes a date", property->label);
            return NULL;
          }
        if (property->type == CONCORD_FIELD_TYPE_DATE)
          return g_date_time_format (when, "%Y-%m-%d");
        return g_strdup_printf ("%" G_GINT64_FORMAT, seconds * 1000);
      }

    default:
      return g_strdup (text != NULL ? text : "");
    }
}

/* The properties object of a write: @set's fields HubSpot has, and ""
 * for each of @clear; what cannot be written in @refused (key, reason). */
static JsonNode *
properties_body (ConcordConnectorHubspot *self,
                 const ConcordRecord     *set,
                 const char * const      *clear,
                 GPtrArray               *refused)
{
  g_autoptr(JsonObject) object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  guint n = set != NULL ? concord_record_get_n_fields (set) : 0;
  guint n_clear = clear != NULL ? g_strv_length ((char **) clear) : 0;

  for (guint i = 0; i < n + n_clear; i++)
    {
      const char *key = NULL;
      const ConcordValue *value = i < n ? concord_record_get_field_at (set, i, &key) : NULL;
      Property *property;
      g_autofree char *text = NULL;
      char *reason = NULL;

      if (i >= n)
        key = clear[i - n];
      if (key == NULL)
        continue;
      property = self->by_key != NULL ? g_hash_table_lookup (self->by_key, key) : NULL;
      if (property == NULL)
        {
          /* Only a field of the schema is refused; the rest were never HubSpot's. */
          if (concord_field_is_custom (key))
            refuse (refused, key, g_strdup_printf ("HubSpot has no contact property named %s",
                                                   key + strlen (CONCORD_FIELD_CUSTOM_PREFIX)));
          continue;
        }
      if (property->read_only)
        {
          if (property->custom || g_str_has_prefix (property->key, CONCORD_FIELD_CUSTOM_PREFIX))
            refuse (refused, key, g_strdup_printf ("HubSpot computes the property %s; Concord "
                                                   "cannot write it", property->label));
          continue;
        }
      if (value == NULL)
        {
          json_object_set_string_member (object, property->name, "");
          continue;
        }
      text = api_value (property, value, &reason);
      if (text == NULL)
        {
          refuse (refused, key, reason);
          continue;
        }
      json_object_set_string_member (object, property->name, text);
    }

  json_node_set_object (node, object);
  return node;
}

static JsonNode *
inputs_body (JsonArray *inputs)
{
  g_autoptr(JsonObject) root = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_array_member (root, "inputs", inputs);
  json_node_set_object (node, root);
  return node;
}

/* Each result and error of a batch answer, by its objectWriteTraceId. */
typedef void (*EachResult) (gpointer    data,
                            guint       index,
                            JsonObject *result,
                            JsonObject *error);

static void
read_batch_answer (JsonNode   *answer,
                   guint       n_inputs,
                   EachResult  each,
                   gpointer    data)
{
  JsonObject *root = answer != NULL && JSON_NODE_HOLDS_OBJECT (answer)
                     ? json_node_get_object (answer) : NULL;
  const char *members[] = { "results", "errors" };

  for (guint m = 0; root != NULL && m < G_N_ELEMENTS (members); m++)
    {
      JsonNode *node = json_object_get_member (root, members[m]);
      JsonArray *array = node != NULL && JSON_NODE_HOLDS_ARRAY (node)
                         ? json_node_get_array (node) : NULL;

      for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);
          JsonObject *object = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
          g_autofree char *trace = NULL;
          guint64 index;

          if (object == NULL)
            continue;
          trace = m == 0 ? member_text (object, "objectWriteTraceId")
                         : context_value (object, "objectWriteTraceId");
          if (trace == NULL ||
              !g_ascii_string_to_unsigned (trace, 10, 0, n_inputs - 1, &index, NULL))
            continue;
          each (data, (guint) index, m == 0 ? object : NULL, m == 1 ? object : NULL);
        }
    }
}

/* ------------------------------------------------------------------------- */
/* Create                                                                    */
/* ------------------------------------------------------------------------- */

static ConcordHttpRequest *
concord_connector_hubspot_build_create_request (ConcordRestConnector *connector,
                                                const char           *contact_type,
                                                GPtrArray            *records,
                                                const guint          *indices,
                                                guint                 n_indices)
{
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (connector);
  JsonArray *inputs = json_array_new ();
  g_autoptr(JsonNode) body = NULL;

  for (guint i = 0; i < n_indices; i++)
    {
      g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
      JsonObject *input = json_object_new ();
      g_autofree char *trace = g_strdup_printf ("%u", indices[i]);

      json_object_set_member (input, "properties",
                              properties_body (self, g_ptr_array_index (records, indices[i]),
                                               NULL, refused));
      json_object_set_string_member (input, "objectWriteTraceId", trace);
      json_array_add_object_element (inputs, input);
    }
  body = inputs_body (inputs);
  return new_request ("POST", PATH_CONTACTS "/batch/create", "POST " PATH_CONTACTS "/batch/create",
                      body);
}

typedef struct
{
  ConcordConnectorHubspot *self;
  GPtrArray               *records;
  ConcordWriteBatch       *batch;
  GHashTable              *done;    /* indices answered */
} CreateMatch;

static void
on_created_one (gpointer    data,
                guint       index,
                JsonObject *result,
                JsonObject *error)
{
  CreateMatch *match = data;
  ConcordConnectorHubspot *self = match->self;
  const ConcordRecord *input;

  if (!g_hash_table_contains (match->done, GUINT_TO_POINTER (index + 1)) ||
      index >= match->records->len)
    return;
  g_hash_table_remove (match->done, GUINT_TO_POINTER (index + 1));
  input = g_ptr_array_index (match->records, index);

  if (result != NULL)
    {
      g_autoptr(ConcordRecord) record = parse_contact (self, result);
      g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
      ConcordWriteResult *written;

      if (record == NULL)
        {
          g_autoptr(GError) parse = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                                         "POST " PATH_CONTACTS "/batch/create: "
                                                         "the answer holds no contact");

          concord_write_batch_set_error (match->batch, index, parse);
          return;
        }
      /* The refusals of the body that was sent (built again: it is the same). */
      json_node_unref (properties_body (self, input, NULL, refused));
      written = concord_write_batch_set_ok (match->batch, index, record);
      for (guint i = 0; i + 1 < refused->len; i += 2)
        concord_write_result_add_refused (written, g_ptr_array_index (refused, i),
                                          g_ptr_array_index (refused, i + 1));
      return;
    }

  {
    g_autoptr(GError) failure = error_from_object (error, "POST " PATH_CONTACTS "/batch/create");
    g_autofree char *id = NULL;

    /* The email is HubSpot's already: a match, written by the caller. */
    if (g_error_matches (failure, CONCORD_ERROR, CONCORD_ERROR_CONFLICT) &&
        (id = existing_id (error)) != NULL)
      g_hash_table_replace (self->conflicts, (gpointer) input, g_steal_pointer (&id));
    concord_write_batch_set_error (match->batch, index, failure);
  }
}

static void
concord_connector_hubspot_match_created (ConcordRestConnector *connector,
                                         const char           *contact_type,
                                         GPtrArray            *records,
                                         const guint          *indices,
                                         guint                 n_indices,
                                         JsonNode             *answer,
                                         ConcordWriteBatch    *batch)
{
  CreateMatch match = { CONCORD_CONNECTOR_HUBSPOT (connector), records, batch, NULL };
  GHashTableIter iter;
  gpointer key;

  match.done = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (guint i = 0; i < n_indices; i++)
    g_hash_table_add (match.done, GUINT_TO_POINTER (indices[i] + 1));
  read_batch_answer (answer, records->len, on_created_one, &match);

  /* What the answer does not mention was not created, as far as it says. */
  g_hash_table_iter_init (&iter, match.done);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autoptr(GError) missing = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                                       "POST " PATH_CONTACTS "/batch/create: "
                                                       "the answer does not mention this contact");

      concord_write_batch_set_error (batch, GPOINTER_TO_UINT (key) - 1, missing);
    }
  g_hash_table_unref (match.done);
}

/* ------------------------------------------------------------------------- */
/* Update (batch/update) and fetch (batch/read)                              */
/* ------------------------------------------------------------------------- */

typedef struct
{
  GTask             *task;      /* (owned) */
  ConcordWriteBatch *batch;     /* (unowned): one hold is this chunk's */
  GPtrArray         *changes;   /* (owned): ConcordRecordChange (unowned) */
  GArray            *indices;   /* (owned): guint, the changes' indices */
  GHashTable        *pending;   /* (owned) (nullable): indices not answered yet (+1) */
  GHashTable        *written;   /* (owned) (nullable): index (+1) → echo, to read again */
} UpdateChunk;

static void
update_chunk_free (UpdateChunk *chunk)
{
  g_clear_object (&chunk->task);
  g_ptr_array_unref (chunk->changes);
  g_array_unref (chunk->indices);
  g_clear_pointer (&chunk->pending, g_hash_table_unref);
  g_clear_pointer (&chunk->written, g_hash_table_unref);
  g_free (chunk);
}

/* The result of change @index: @record, and the fields its change could
 * not write. */
static void
set_updated (UpdateChunk   *chunk,
             guint          index,
             ConcordRecord *record)
{
  ConcordConnectorHubspot *self = g_task_get_source_object (chunk->task);
  const ConcordRecordChange *change = g_ptr_array_index (chunk->changes, index);
  g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
  ConcordWriteResult *written;

  /* The refusals of the body that was sent (built again: it is the same). */
  json_node_unref (properties_body (self, change->set, (const char * const *) change->clear,
                                    refused));
  written = concord_write_batch_set_ok (chunk->batch, index, record);
  for (guint i = 0; i + 1 < refused->len; i += 2)
    concord_write_result_add_refused (written, g_ptr_array_index (refused, i),
                                      g_ptr_array_index (refused, i + 1));
}

static UpdateChunk *
update_chunk_new (GTask             *task,
                  ConcordWriteBatch *batch,
                  GPtrArray         *changes)
{
  UpdateChunk *chunk = g_new0 (UpdateChunk, 1);

  chunk->task = g_object_ref (task);
  chunk->batch = batch;
  chunk->changes = g_ptr_array_ref (changes);
  chunk->indices = g_array_new (FALSE, FALSE, sizeof (guint));
  return chunk;
}

static void
on_updated_one (gpointer    data,
                guint       index,
                JsonObject *result,
                JsonObject *error)
{
  UpdateChunk *chunk = data;
  ConcordConnectorHubspot *self = g_task_get_source_object (chunk->task);
  const ConcordRecordChange *change = g_ptr_array_index (chunk->changes, index);

  if (!g_hash_table_remove (chunk->pending, GUINT_TO_POINTER (index + 1)))
    return;

  if (result != NULL)
    {
      ConcordRecord *record = parse_contact (self, result);

      if (record == NULL || g_strcmp0 (concord_record_get_remote_id (record),
                                       change->remote_id) != 0)
        {
          g_autoptr(GError) parse = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                                         "POST " PATH_CONTACTS "/batch/update: "
                                                         "the answer holds no such contact");

          g_clear_pointer (&record, concord_record_unref);
          concord_write_batch_set_error (chunk->batch, index, parse);
          return;
        }
      /* HubSpot's echo holds only some properties: read again below. */
      g_hash_table_insert (chunk->written, GUINT_TO_POINTER (index + 1), record);
      return;
    }

  {
    g_autoptr(GError) failure = error_from_object (error, "POST " PATH_CONTACTS "/batch/update");

    concord_write_batch_set_error (chunk->batch, index, failure);
  }
}

static void send_update_chunk (UpdateChunk *chunk);

/* The contacts just updated, read whole (batch/read is consistent at
 * once): their echoes hold only some properties, and what Concord keeps
 * of a write must be the contact as it now is. */
static void
on_read_written_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  UpdateChunk *chunk = user_data;
  ConcordConnectorHubspot *self = g_task_get_source_object (chunk->task);
  ConcordWriteBatch *batch = chunk->batch;
  g_autoptr(GHashTable) by_id = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                       (GDestroyNotify) concord_record_unref);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer key, value;
  JsonArray *array = NULL;

  root = concord_http_client_send_json_finish (self->client, result, NULL, NULL, &error);
  if (error == NULL)
    array = results_array (root, "POST " PATH_CONTACTS "/batch/read", &error);
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      ConcordRecord *record = JSON_NODE_HOLDS_OBJECT (node)
                              ? parse_contact (self, json_node_get_object (node)) : NULL;

      if (record != NULL)
        g_hash_table_replace (by_id, (gpointer) concord_record_get_remote_id (record), record);
    }

  if (error != NULL && concord_rest_error_is_fatal (error))
    concord_write_batch_fail (batch, g_steal_pointer (&error));
  else
    {
      /* Written, whatever the read gave: the contact read if it came, else
       * the echo (a failed read costs the next run a comparison, no more). */
      g_hash_table_iter_init (&iter, chunk->written);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          ConcordRecord *read = g_hash_table_lookup (by_id,
                                                     concord_record_get_remote_id (value));

          set_updated (chunk, GPOINTER_TO_UINT (key) - 1, read != NULL ? read : value);
        }
    }

  update_chunk_free (chunk);
  {
    g_autoptr(GTask) done = concord_write_batch_release (batch);
  }
}

/* Takes @chunk. */
static void
read_written (UpdateChunk *chunk)
{
  ConcordConnectorHubspot *self = g_task_get_source_object (chunk->task);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  ConcordHttpRequest *request;
  GHashTableIter iter;
  gpointer value;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "properties");
  json_builder_begin_array (builder);
  for (guint p = 0; self->properties != NULL && p < self->properties->len; p++)
    json_builder_add_string_value (builder,
                                   ((Property *) g_ptr_array_index (self->properties, p))->name);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "inputs");
  json_builder_begin_array (builder);
  g_hash_table_iter_init (&iter, chunk->written);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, concord_record_get_remote_id (value));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  request = new_request ("POST", PATH_CONTACTS "/batch/read", "POST " PATH_CONTACTS "/batch/read",
                         body);
  concord_http_request_set_flags (request, CONCORD_HTTP_IDEMPOTENT);
  concord_http_client_send_json_async (self->client, request, g_task_get_cancellable (chunk->task),
                                       on_read_written_cb, chunk);
}

static void
on_update_chunk_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  UpdateChunk *chunk = user_data;
  ConcordConnectorHubspot *self = g_task_get_source_object (chunk->task);
  ConcordWriteBatch *batch = chunk->batch;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer key;
  guint status = 0;

  root = concord_http_client_send_json_finish (self->client, result, &status, NULL, &error);
  if (error != NULL && chunk->indices->len > 1 &&
      (status == SOUP_STATUS_BAD_REQUEST || status == SOUP_STATUS_CONFLICT || status == 422 ||
       status == SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE))
    {
      /* One change refused them all (or too many at once): each half
       * again, down to the refused change alone. */
      guint half = chunk->indices->len / 2;
      UpdateChunk *second = update_chunk_new (chunk->task, batch, chunk->changes);

      g_debug ("update: HTTP %u for %u changes, splitting", status, chunk->indices->len);
      g_array_append_vals (second->indices, &g_array_index (chunk->indices, guint, half),
                           chunk->indices->len - half);
      g_array_set_size (chunk->indices, half);
      g_clear_pointer (&chunk->pending, g_hash_table_unref);
      concord_write_batch_hold (batch);
      send_update_chunk (chunk);
      send_update_chunk (second);
      return;
    }

  if (error != NULL && concord_rest_error_is_fatal (error))
    concord_write_batch_fail (batch, g_steal_pointer (&error));
  else if (error != NULL)
    for (guint i = 0; i < chunk->indices->len; i++)
      concord_write_batch_set_error (batch, g_array_index (chunk->indices, guint, i), error);
  else
    {
      chunk->written = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                              (GDestroyNotify) concord_record_unref);
      read_batch_answer (root, chunk->changes->len, on_updated_one, chunk);
      g_hash_table_iter_init (&iter, chunk->pending);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        {
          g_autoptr(GError) missing = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                                           "POST " PATH_CONTACTS "/batch/update: "
                                                           "the answer does not mention this "
                                                           "contact");

          concord_write_batch_set_error (batch, GPOINTER_TO_UINT (key) - 1, missing);
        }
      if (g_hash_table_size (chunk->written) > 0)
        {
          read_written (chunk);
          return;
        }
    }

  update_chunk_free (chunk);
  {
    g_autoptr(GTask) done = concord_write_batch_release (batch);
  }
}

/* Sends the changes of @chunk (taken) in one batch/update. */
static void
send_update_chunk (UpdateChunk *chunk)
{
  ConcordConnectorHubspot *self = g_task_get_source_object (chunk->task);
  JsonArray *inputs = json_array_new ();
  g_autoptr(JsonNode) body = NULL;

  chunk->pending = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (guint i = 0; i < chunk->indices->len; i++)
    {
      guint index = g_array_index (chunk->indices, guint, i);
      const ConcordRecordChange *change = g_ptr_array_index (chunk->changes, index);
      g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
      JsonObject *input = json_object_new ();
      g_autofree char *trace = g_strdup_printf ("%u", index);

      json_object_set_string_member (input, "id", change->remote_id);
      json_object_set_string_member (input, "objectWriteTraceId", trace);
      json_object_set_member (input, "properties",
                              properties_body (self, change->set,
                                               (const char * const *) change->clear, refused));
      json_array_add_object_element (inputs, input);
      g_hash_table_add (chunk->pending, GUINT_TO_POINTER (index + 1));
    }
  body = inputs_body (inputs);
  concord_http_client_send_json_async (self->client,
                                       new_request ("POST", PATH_CONTACTS "/batch/update",
                                                    "POST " PATH_CONTACTS "/batch/update", body),
                                       g_task_get_cancellable (chunk->task), on_update_chunk_cb,
                                       chunk);
}

/* Sends @changes in batches of MAX_BATCH; the results go to @task through
 * a ConcordWriteBatch. Takes the reference on @task. */
static void
update_changes (ConcordConnectorHubspot *self,
                GTask                   *task,
                GPtrArray               *changes)
{
  ConcordWriteBatch *batch = concord_write_batch_new (task, changes->len);
  UpdateChunk *chunk = NULL;

  for (guint i = 0; i <= changes->len; i++)
    {
      const ConcordRecordChange *change = i < changes->len ? g_ptr_array_index (changes, i) : NULL;

      if (chunk != NULL && (change == NULL || chunk->indices->len == MAX_BATCH))
        {
          concord_write_batch_hold (batch);
          send_update_chunk (g_steal_pointer (&chunk));
        }
      if (change == NULL)
        break;

      if (!is_id (change->remote_id))
        {
          g_autoptr(GError) error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                                                         "POST " PATH_CONTACTS "/batch/update: "
                                                         "not a HubSpot contact id");

          concord_write_batch_set_error (batch, i, error);
          continue;
        }
      if (chunk == NULL)
        chunk = update_chunk_new (task, batch, changes);
      g_array_append_val (chunk->indices, i);
    }

  g_object_unref (task);
  {
    g_autoptr(GTask) done = concord_write_batch_release (batch);
  }
}

typedef struct
{
  GPtrArray *changes;   /* (owned) */
} UpdateState;

static void
update_state_free (UpdateState *state)
{
  g_ptr_array_unref (state->changes);
  g_free (state);
}

static void
on_update_properties_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  GTask *task = user_data;
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (object);
  UpdateState *state = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  update_changes (self, task, state->changes);
}

static void
concord_connector_hubspot_update_async (ConcordConnector    *connector,
                                        const char          *contact_type,
                                        GPtrArray           *changes,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (connector);
  GTask *task = concord_connector_task_new (connector, concord_connector_hubspot_update_async,
                                            cancellable, callback, user_data);
  UpdateState *state;
  GError *error = NULL;

  if (!concord_rest_connector_check_contact_type (CONCORD_REST_CONNECTOR (self), contact_type,
                                                  &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  state = g_new0 (UpdateState, 1);
  state->changes = g_ptr_array_ref (changes);
  g_task_set_task_data (task, state, (GDestroyNotify) update_state_free);
  ensure_properties_async (self, FALSE, cancellable, on_update_properties_cb, task);
}

/* Fetch: batch/read of MAX_BATCH ids a request. */
typedef struct
{
  GPtrArray *records;   /* (owned): ConcordRecord */
  GError    *error;     /* (owned) (nullable): the first failure */
  guint      pending;
  char     **ids;       /* (owned) */
} FetchState;

static void
fetch_state_free (FetchState *state)
{
  g_ptr_array_unref (state->records);
  g_clear_error (&state->error);
  g_strfreev (state->ids);
  g_free (state);
}

static void
fetch_done (GTask *task)
{
  FetchState *state = g_task_get_task_data (task);

  if (--state->pending > 0)
    {
      g_object_unref (task);
      return;
    }
  if (state->error != NULL)
    g_task_return_error (task, g_steal_pointer (&state->error));
  else
    g_task_return_pointer (task, g_ptr_array_ref (state->records),
                           (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

static void
on_fetch_chunk_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  ConcordConnectorHubspot *self = g_task_get_source_object (task);
  FetchState *state = g_task_get_task_data (task);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *array;

  root = concord_http_client_send_json_finish (self->client, result, NULL, NULL, &error);
  if (error == NULL)
    array = results_array (root, "POST " PATH_CONTACTS "/batch/read", &error);
  if (error != NULL)
    {
      if (state->error == NULL)
        state->error = g_steal_pointer (&error);
      fetch_done (task);
      return;
    }
  for (guint i = 0; i < json_array_get_length (array) && i < MAX_BATCH; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      ConcordRecord *record = JSON_NODE_HOLDS_OBJECT (node)
                              ? parse_contact (self, json_node_get_object (node)) : NULL;

      /* Only what was asked for. */
      if (record != NULL && g_strv_contains ((const char * const *) state->ids,
                                             concord_record_get_remote_id (record)))
        g_ptr_array_add (state->records, record);
      else if (record != NULL)
        concord_record_unref (record);
    }
  fetch_done (task);
}

static void
fetch_start (GTask *task)
{
  ConcordConnectorHubspot *self = g_task_get_source_object (task);
  FetchState *state = g_task_get_task_data (task);
  JsonArray *inputs = NULL;
  guint n = 0;
  guint n_ids = g_strv_length (state->ids);
  /* At most 100 a request, spread over the requests in flight: a few ids
   * take as long as one. */
  guint chunk = CLAMP ((n_ids + MAX_IN_FLIGHT - 1) / MAX_IN_FLIGHT, 1, MAX_BATCH);

  state->pending = 1;
  for (guint i = 0; ; i++)
    {
      const char *id = state->ids[i];

      if (inputs != NULL && (id == NULL || n == chunk))
        {
          g_autoptr(JsonBuilder) builder = json_builder_new ();
          g_autoptr(JsonNode) body = NULL;
          g_autoptr(JsonNode) inputs_node = json_node_new (JSON_NODE_ARRAY);
          ConcordHttpRequest *request;

          json_node_take_array (inputs_node, g_steal_pointer (&inputs));
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "properties");
          json_builder_begin_array (builder);
          for (guint p = 0; self->properties != NULL && p < self->properties->len; p++)
            json_builder_add_string_value (builder,
                                           ((Property *) g_ptr_array_index (self->properties,
                                                                            p))->name);
          json_builder_end_array (builder);
          json_builder_set_member_name (builder, "inputs");
          json_builder_add_value (builder, g_steal_pointer (&inputs_node));
          json_builder_end_object (builder);
          body = json_builder_get_root (builder);
          request = new_request ("POST", PATH_CONTACTS "/batch/read",
                                 "POST " PATH_CONTACTS "/batch/read", body);
          /* A read: repeating it is harmless. */
          concord_http_request_set_flags (request, CONCORD_HTTP_IDEMPOTENT);
          state->pending++;
          concord_http_client_send_json_async (self->client, request,
                                               g_task_get_cancellable (task), on_fetch_chunk_cb,
                                               g_object_ref (task));
          n = 0;
        }
      if (id == NULL)
        break;
      if (!is_id (id))
        continue;
      if (inputs == NULL)
        inputs = json_array_new ();
      {
        JsonObject *input = json_object_new ();

        json_object_set_string_member (input, "id", id);
        json_array_add_object_element (inputs, input);
        n++;
      }
    }
  fetch_done (task);
}

static void
on_fetch_properties_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  fetch_start (task);
}

static void
concord_connector_hubspot_fetch_async (ConcordConnector    *connector,
                                       const char          *contact_type,
                                       const char * const  *remote_ids,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (connector);
  GTask *task = concord_connector_task_new (connector, concord_connector_hubspot_fetch_async,
                                            cancellable, callback, user_data);
  FetchState *state;
  GError *error = NULL;

  if (!concord_rest_connector_check_contact_type (CONCORD_REST_CONNECTOR (self), contact_type,
                                                  &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  state = g_new0 (FetchState, 1);
  state->records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  state->ids = remote_ids != NULL ? g_strdupv ((char **) remote_ids) : g_new0 (char *, 1);
  g_task_set_task_data (task, state, (GDestroyNotify) fetch_state_free);
  if (state->ids[0] == NULL)
    fetch_start (task);
  else
    ensure_properties_async (self, FALSE, cancellable, on_fetch_properties_cb, task);
}

/* ------------------------------------------------------------------------- */
/* Create: a duplicate email is a match                                      */
/* ------------------------------------------------------------------------- */

typedef struct
{
  GPtrArray *records;   /* (owned): the inputs */
  GPtrArray *results;   /* (owned) (nullable): the create's */
  GArray    *matched;   /* (owned): guint, inputs whose email HubSpot had */
} CreateState;

static void
create_state_free (CreateState *state)
{
  g_ptr_array_unref (state->records);
  g_clear_pointer (&state->results, g_ptr_array_unref);
  g_array_unref (state->matched);
  g_free (state);
}

static void
on_matched_updated_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  CreateState *state = g_task_get_task_data (task);
  g_autoptr(GPtrArray) updated = NULL;
  GError *error = NULL;

  updated = g_task_propagate_pointer (G_TASK (result), &error);
  if (updated == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  /* Each match's result is the update's, at the create's index. */
  for (guint i = 0; i < updated->len; i++)
    {
      ConcordWriteResult *from = g_ptr_array_index (updated, i);
      guint index = g_array_index (state->matched, guint, from->index);

      for (guint r = 0; r < state->results->len; r++)
        {
          ConcordWriteResult *to = g_ptr_array_index (state->results, r);

          if (to->index != index)
            continue;
          g_clear_error (&to->error);
          g_clear_pointer (&to->record, concord_record_unref);
          if (from->error != NULL)
            to->error = g_error_copy (from->error);
          if (from->record != NULL)
            to->record = concord_record_ref (from->record);
          for (guint f = 0; from->refused != NULL && f < from->refused->len; f++)
            {
              ConcordFieldRefusal *refusal = g_ptr_array_index (from->refused, f);

              concord_write_result_add_refused (to, refusal->key, g_strdup (refusal->reason));
            }
        }
    }
  g_task_return_pointer (task, g_steal_pointer (&state->results),
                         (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

static void
on_created_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (object);
  CreateState *state = g_task_get_task_data (task);
  g_autoptr(GPtrArray) changes = NULL;
  GError *error = NULL;

  state->results = g_task_propagate_pointer (G_TASK (result), &error);
  if (state->results == NULL)
    {
      g_hash_table_remove_all (self->conflicts);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  changes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);
  for (guint r = 0; r < state->results->len; r++)
    {
      ConcordWriteResult *created = g_ptr_array_index (state->results, r);
      const ConcordRecord *input = created->index < state->records->len
                                   ? g_ptr_array_index (state->records, created->index) : NULL;
      g_autofree char *id = NULL;

      if (input == NULL || created->error == NULL ||
          !g_error_matches (created->error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT))
        continue;
      /* From the batch's errors, or a create refused whole (409): its
       * message names the contact that has the email. */
      id = g_strdup (g_hash_table_lookup (self->conflicts, input));
      if (id == NULL)
        id = existing_id_in (created->error->message);
      if (id == NULL)
        continue;
      g_debug ("create: HubSpot has that email already; writing onto the existing contact");
      g_ptr_array_add (changes, concord_record_change_new (id, (ConcordRecord *) input, NULL));
      g_array_append_val (state->matched, created->index);
    }
  g_hash_table_remove_all (self->conflicts);

  if (changes->len == 0)
    {
      g_task_return_pointer (task, g_steal_pointer (&state->results),
                             (GDestroyNotify) g_ptr_array_unref);
      g_object_unref (task);
      return;
    }

  {
    GTask *update = g_task_new (self, g_task_get_cancellable (task), on_matched_updated_cb, task);

    update_changes (self, update, changes);
  }
}

static void
concord_connector_hubspot_create_async (ConcordConnector    *connector,
                                        const char          *contact_type,
                                        GPtrArray           *records,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  GTask *task = concord_connector_task_new (connector, concord_connector_hubspot_create_async,
                                            cancellable, callback, user_data);
  CreateState *state = g_new0 (CreateState, 1);

  state->records = g_ptr_array_ref (records);
  state->matched = g_array_new (FALSE, FALSE, sizeof (guint));
  g_task_set_task_data (task, state, (GDestroyNotify) create_state_free);
  CONCORD_CONNECTOR_CLASS (concord_connector_hubspot_parent_class)->create_async (
    connector, contact_type, records, cancellable, on_created_cb, task);
}

/* ------------------------------------------------------------------------- */
/* Listing: search pages paced                                               */
/* ------------------------------------------------------------------------- */

typedef struct
{
  char     *contact_type;
  char     *cursor;      /* (nullable) */
  char     *page_token;  /* (nullable) */
  gboolean  search;
} ListState;

static void
list_state_free (ListState *state)
{
  g_free (state->contact_type);
  g_free (state->cursor);
  g_free (state->page_token);
  g_free (state);
}

static void
on_paced_list_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  ConcordPage *page = g_task_propagate_pointer (G_TASK (result), &error);
  ListState *state = g_task_get_task_data (task);

  /* Counted from the answer too: a page asked for on time but sent late
   * (a slow machine) would otherwise reach HubSpot less than an interval
   * before the next one, and six could land within its one-second window. */
  if (state->search)
    CONCORD_CONNECTOR_HUBSPOT (g_task_get_source_object (task))->last_search_us =
      g_get_monotonic_time ();

  if (page == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, page, (GDestroyNotify) concord_page_free);
  g_object_unref (task);
}

static void
list_now (GTask *task)
{
  ConcordConnectorHubspot *self = g_task_get_source_object (task);
  ListState *state = g_task_get_task_data (task);

  if (state->search)
    self->last_search_us = g_get_monotonic_time ();
  CONCORD_CONNECTOR_CLASS (concord_connector_hubspot_parent_class)->list_async (
    CONCORD_CONNECTOR (self), state->contact_type, state->cursor, state->page_token,
    g_task_get_cancellable (task), on_paced_list_cb, task);
}

static gboolean
on_list_delay_cb (gpointer user_data)
{
  list_now (user_data);
  return G_SOURCE_REMOVE;
}

/* A page of the base's listing; a search page no sooner than
 * SEARCH_INTERVAL_US after the one before it. */
static void
concord_connector_hubspot_list_async (ConcordConnector    *connector,
                                      const char          *contact_type,
                                      const char          *cursor,
                                      const char          *page_token,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (connector);
  GTask *task = concord_connector_task_new (connector, concord_connector_hubspot_list_async,
                                            cancellable, callback, user_data);
  ListState *state = g_new0 (ListState, 1);
  gint64 wait_us;

  state->contact_type = g_strdup (contact_type);
  state->cursor = g_strdup (cursor);
  state->page_token = g_strdup (page_token);
  state->search = page_token != NULL ? g_str_has_prefix (page_token, "s:") : cursor != NULL;
  g_task_set_task_data (task, state, (GDestroyNotify) list_state_free);

  wait_us = self->last_search_us + SEARCH_INTERVAL_US - g_get_monotonic_time ();
  if (!state->search || self->last_search_us == 0 || wait_us <= 0)
    {
      list_now (task);
      return;
    }

  {
    g_autoptr(GSource) source = g_timeout_source_new ((guint) (wait_us / 1000) + 1);

    g_source_set_callback (source, on_list_delay_cb, task, NULL);
    g_source_attach (source, g_main_context_get_thread_default ());
  }
}

/* ------------------------------------------------------------------------- */
/* ConcordConnector                                                          */
/* ------------------------------------------------------------------------- */

static const ConcordRestAppTraits traits = {
  .app_id = HS_APP_ID,
  .app_name = HS_APP_NAME,
  .contact_type = CONCORD_HUBSPOT_CONTACTS,
  .contact_type_label = CONTACT_TYPE_LABEL,
  .flags = CONCORD_CONNECTOR_INCREMENTAL | CONCORD_CONNECTOR_MODIFIED_TIMES,
  .page_size = PAGE_LIMIT,
  .rate_budget = RATE_BUDGET,
};

static guint
concord_connector_hubspot_get_page_size (ConcordConnector *connector)
{
  return CONCORD_CONNECTOR_HUBSPOT (connector)->page_limit;
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_connector_hubspot_dispose (GObject *object)
{
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (object);

  g_clear_object (&self->client);
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->by_key, g_hash_table_unref);
  g_clear_pointer (&self->properties, g_ptr_array_unref);
  g_clear_pointer (&self->names, g_free);
  g_clear_pointer (&self->seen, g_hash_table_unref);
  g_clear_pointer (&self->conflicts, g_hash_table_unref);

  G_OBJECT_CLASS (concord_connector_hubspot_parent_class)->dispose (object);
}

static void
concord_connector_hubspot_class_init (ConcordConnectorHubspotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ConcordConnectorClass *connector_class = CONCORD_CONNECTOR_CLASS (klass);
  ConcordRestConnectorClass *rest_class = CONCORD_REST_CONNECTOR_CLASS (klass);

  object_class->dispose = concord_connector_hubspot_dispose;

  connector_class->load_schema_async = concord_connector_hubspot_load_schema_async;
  connector_class->get_page_size = concord_connector_hubspot_get_page_size;
  connector_class->list_async = concord_connector_hubspot_list_async;
  connector_class->fetch_async = concord_connector_hubspot_fetch_async;
  connector_class->create_async = concord_connector_hubspot_create_async;
  connector_class->update_async = concord_connector_hubspot_update_async;

  rest_class->traits = &traits;
  rest_class->build_list_request = concord_connector_hubspot_build_list_request;
  rest_class->parse_page = concord_connector_hubspot_parse_page;
  rest_class->record_from_json = concord_connector_hubspot_record_from_json;
  rest_class->build_fetch_request = concord_connector_hubspot_build_fetch_request;
  rest_class->build_create_request = concord_connector_hubspot_build_create_request;
  rest_class->match_created = concord_connector_hubspot_match_created;
  rest_class->build_verify_request = concord_connector_hubspot_build_verify_request;
  rest_class->check_verify_answer = concord_connector_hubspot_check_verify_answer;
  rest_class->prepare_async = concord_connector_hubspot_prepare_async;
}

static void
concord_connector_hubspot_init (ConcordConnectorHubspot *self)
{
  self->page_limit = PAGE_LIMIT;
  self->search_limit = SEARCH_LIMIT;
  self->search_window = SEARCH_WINDOW;
  self->since_ms = -1;
  self->max_ms = -1;
  self->conflicts = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_connector_hubspot_new:
 * @base_url: (nullable): the API's origin; %NULL for
 *   %CONCORD_HUBSPOT_DEFAULT_BASE_URL
 * @token: the private app's access token; kept in memory only
 *
 * Makes a connector for the thread-default main context of the caller,
 * the only context it may be used on.
 *
 * Returns: (transfer full): a new connector
 */
ConcordConnectorHubspot *
concord_connector_hubspot_new (const char *base_url,
                               const char *token)
{
  ConcordConnectorHubspot *self;

  g_return_val_if_fail (token != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_CONNECTOR_HUBSPOT, NULL);
  self->client = concord_http_client_new (base_url != NULL && *base_url != '\0'
                                          ? base_url : CONCORD_HUBSPOT_DEFAULT_BASE_URL,
                                          HS_APP_NAME);
  concord_http_client_set_auth_bearer (self->client, token);
  concord_http_client_set_limits (self->client, MAX_IN_FLIGHT, CONCORD_HTTP_DEFAULT_MAX_RETRIES,
                                  CONCORD_HTTP_DEFAULT_RETRY_BASE_MS);
  /* The ten-secondly window: Remaining 0 holds requests for the interval. */
  concord_http_client_set_rate_limit_headers (self->client, "X-HubSpot-RateLimit-Remaining",
                                              "X-HubSpot-RateLimit-Interval-Milliseconds");
  concord_http_client_set_rate_limit_reset_ms (self->client, TRUE);
  /* The requests in flight when the window runs low still fit in it. */
  concord_http_client_set_rate_limit_reserve (self->client, MAX_IN_FLIGHT - 1);
  concord_http_client_set_refine_error (self->client, refine_error, NULL);
  concord_rest_connector_set_client (CONCORD_REST_CONNECTOR (self), self->client);
  concord_rest_connector_set_max_batch (CONCORD_REST_CONNECTOR (self), MAX_BATCH);
  /* A create HubSpot refuses whole for one contact is halved down to it. */
  concord_rest_connector_set_split_refused (CONCORD_REST_CONNECTOR (self), TRUE);

  return self;
}

/**
 * concord_connector_hubspot_set_retry_base_ms:
 * @base_ms: the first retry's delay, doubled for each further retry
 *
 * For tests, so that retries do not take seconds.
 */
void
concord_connector_hubspot_set_retry_base_ms (ConcordConnectorHubspot *self,
                                             guint                    base_ms)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_HUBSPOT (self));

  concord_http_client_set_limits (self->client, MAX_IN_FLIGHT, CONCORD_HTTP_DEFAULT_MAX_RETRIES,
                                  base_ms);
}

/**
 * concord_connector_hubspot_set_page_limit:
 * @limit: contacts a page of a full listing, 1 to 100
 *
 * For tests: paging without hundreds of contacts.
 */
void
concord_connector_hubspot_set_page_limit (ConcordConnectorHubspot *self,
                                          guint                    limit)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_HUBSPOT (self));
  g_return_if_fail (limit > 0 && limit <= PAGE_LIMIT);

  self->page_limit = limit;
}

/**
 * concord_connector_hubspot_set_search_limit:
 * @limit: contacts a page of a search, 1 to 200
 * @window: the most results a search query reaches (HubSpot's 10,000);
 *   0 keeps it
 *
 * For tests: the search window without 10,000 contacts.
 */
void
concord_connector_hubspot_set_search_limit (ConcordConnectorHubspot *self,
                                            guint                    limit,
                                            guint                    window)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_HUBSPOT (self));
  g_return_if_fail (limit > 0 && limit <= SEARCH_LIMIT);

  self->search_limit = limit;
  if (window > 0)
    self->search_window = MIN (window, SEARCH_WINDOW);
}
