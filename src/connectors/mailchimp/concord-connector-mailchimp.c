/* concord-connector-mailchimp.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Mailchimp's audience members, through the Marketing API 3.0
 * (specs/connectors-reference.md §3). ConcordRestConnector and
 * ConcordHttpClient do the requests: HTTP Basic with any user and the key
 * as the password, sent only to the key's data centre (or the server
 * address set for tests), at most MAX_IN_FLIGHT requests at once
 * (Mailchimp limits connections, not volume: 429 "Too Many Requests"
 * beyond 10), retries with backoff, bounded and repaired answers.
 *
 * Contact types. The audiences (lists), read from GET /lists with
 * count/offset paging by list_contact_types_async(); an audience id the
 * engine already holds is accepted without listing them first.
 *
 * Members. A member is addressed by its subscriber hash, the lower-case
 * hex MD5 of the lower-cased address (GChecksum): that is the remote id.
 * GET /lists/{id}/members pages by count (≤ 1000) and offset until
 * total_items; an incremental listing adds since_last_changed sorted by
 * last_changed ascending, and its cursor is the latest last_changed read
 * ("<since>;full=<Unix time>"), so the next listing overlaps by that
 * second. Archived members are not listed and no change listing shows a
 * deletion: a listing a day after the last full one is full again, the
 * only kind marked complete. Offsets move under a listing: a member
 * changed while an incremental listing pages may push another past a page
 * boundary, which the next full listing reads.
 *
 * Merge fields. GET /lists/{id}/merge-fields is read by a schema load,
 * before a listing's first page (unless a schema load just did), and
 * before the first fetch or write: FNAME, LNAME,
 * PHONE and COMPANY (by tag, or a field named "Company") are the
 * canonical names, phones and company; every other field is
 * "custom:<its name>", typed (text, number, date; dropdown and radio as
 * pick lists of their choices); address and birthday are read-only text.
 * Tags are the "tags" set.
 *
 * Status. subscribed → active, unsubscribed → unsubscribed, cleaned →
 * bounced, pending → not_confirmed, transactional → transactional,
 * archived → inactive. The rules engine never undoes an unsubscribe,
 * bounce or complaint; this side holds the same line on its own, for what
 * the engine cannot see:
 * - a new member gets its status only as status_if_new (the batch's
 *   members with update_existing false, which never reaches an existing
 *   member; one that exists, archived or added since the listing, is then
 *   upserted by PUT with status_if_new and without status: its fields are
 *   written, its status stays);
 *   a suppressed contact is created unsubscribed, one without a status
 *   transactional (never subscribed without saying so);
 * - an existing member is never sent status "subscribed" (Mailchimp's
 *   opt-in is the person's), and nothing but "unsubscribed" over an
 *   unsubscribed or cleaned member: the member is read first, and such a
 *   status is refused for that member alone, saying why;
 * - an unsubscribe, bounce or complaint is written as "unsubscribed"
 *   ("cleaned" cannot be written).
 *
 * Writes skip merge validation: an audience's required merge fields would
 * refuse every contact the other app has no value for.
 *
 * Writes. Creates go in batches of MAX_BATCH to POST /lists/{id}, whose
 * errors[] fail their members only; an update is PATCH by hash, with the
 * member read first when it changes status or tags, and tags written
 * through POST …/members/{hash}/tags (active and inactive). A new address
 * would be a new member id: only its case is written, another address is
 * refused for that field.
 *
 * Errors are problem+json: the title and detail make the message, the
 * title (and the status) the code.
 */

#define G_LOG_DOMAIN "concord-connector-mailchimp"

#include "config.h"

#include <string.h>

#include "concord-connector-mailchimp.h"
#include "concord-connector-mailchimp-private.h"
#include "concord-error.h"
#include "concord-json-private.h"
#include "concord-rest-connector.h"

#define MC_APP_ID            "mailchimp"
#define MC_APP_NAME          "Mailchimp"
#define BASIC_USER           "concord"
#define PAGE_LIMIT           1000
#define SIDE_PAGE_LIMIT      1000
#define MAX_IN_FLIGHT        10
#define MAX_BATCH            500
/* Mailchimp limits connections, not requests; a conservative budget for
 * automatic schedules, in requests an hour. */
#define RATE_BUDGET          (10 * 3600)
#define MAX_VALUE_BYTES      (64 * 1024)
#define MAX_EMAIL_BYTES      254
#define MAX_ERROR_BODY_BYTES (64 * 1024)
#define MAX_SIDE_PAGES       100
#define MAX_TAGS             1000
#define MAX_CHOICES          1000
#define HASH_LENGTH          32
#define FULL_SCAN_SECONDS    (24 * 3600)
#define NO_SUCH_HASH         "00000000000000000000000000000000"

typedef struct
{
  char             *tag;       /* (owned): the key in merge_fields{} */
  char             *key;       /* (owned): the record's key: canonical or "custom:<name>" */
  char             *label;     /* (owned): its name in Mailchimp */
  ConcordFieldType  type;
  gboolean          read_only;
  gboolean          custom;
  char            **choices;   /* (owned) (nullable): dropdown and radio */
} MergeField;

struct _ConcordConnectorMailchimp
{
  ConcordRestConnector  parent_instance;

  ConcordHttpClient    *client;        /* (owned): also the base's */
  guint                 page_limit;
  GPtrArray            *audiences;     /* (owned): ConcordContactType, as last listed */
  GHashTable           *accepted;      /* (owned): audience ids used without a listing */
  char                 *list_id;       /* (owned) (nullable): the audience of the operation */
  char                 *fields_list;   /* (owned) (nullable): the audience @fields are of */
  gint64                fields_at;     /* when @fields were read, monotonic µs */
  GPtrArray            *fields;        /* (owned) (nullable): MergeField */
  GHashTable           *fields_by_tag; /* (owned) (nullable): tag → MergeField */
  GHashTable           *fields_by_key; /* (owned) (nullable): record key → MergeField */
  gint64                max_changed;   /* the largest last_changed of the listing, -1 */
  gint64                since;         /* the listing's since_last_changed, -1: a full one */
  gint64                full_at;       /* when the last full listing started, Unix time */
  char                 *first_id;      /* (owned) (nullable): the first member of the page before */
  GHashTable           *existing;      /* (owned): indices (+ 1) of the inputs of the create
                                        * running that Mailchimp said exist ("Member Exists") */
};

G_DEFINE_FINAL_TYPE (ConcordConnectorMailchimp, concord_connector_mailchimp,
                     CONCORD_TYPE_REST_CONNECTOR)

/* Mailchimp's statuses and the canonical ones. */
static const struct
{
  const char *api;
  const char *canonical;
} status_names[] = {
  { "subscribed", "active" },
  { "unsubscribed", "unsubscribed" },
  { "cleaned", "bounced" },
  { "pending", "not_confirmed" },
  { "transactional", "transactional" },
  { "archived", "inactive" },
};

/* A new member's status (status_if_new) for a canonical one. */
static const struct
{
  const char *canonical;
  const char *api;
} status_new[] = {
  { "active", "subscribed" },
  { "engaged", "subscribed" },
  { "not_confirmed", "pending" },
  { "transactional", "transactional" },
  { "unsubscribed", "unsubscribed" },
  { "bounced", "unsubscribed" },
  { "abuse", "unsubscribed" },
  { "complained", "unsubscribed" },
  { "inactive", "transactional" },
  { "stale", "transactional" },
};

static const char *status_choices[] = { "active", "unsubscribed", "bounced", "not_confirmed",
                                        "transactional", "inactive", NULL };

/* The merge fields every audience starts with, as Concord names them. */
static const struct
{
  const char *tag;
  const char *key;
} canonical_tags[] = {
  { "FNAME", CONCORD_FIELD_FIRST_NAME },
  { "LNAME", CONCORD_FIELD_LAST_NAME },
  { "PHONE", CONCORD_FIELD_PHONE },
  { "COMPANY", CONCORD_FIELD_COMPANY },
};

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void
merge_field_free (MergeField *field)
{
  g_free (field->tag);
  g_free (field->key);
  g_free (field->label);
  g_strfreev (field->choices);
  g_free (field);
}

static char *
member_text (JsonObject *object,
             const char *name)
{
  return concord_rest_json_text (object, name, MAX_VALUE_BYTES, NULL);
}

static char *
format_time (gint64 unix_time)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (unix_time);

  return when != NULL ? g_date_time_format (when, "%Y-%m-%dT%H:%M:%S+00:00") : NULL;
}

static gboolean
is_suppressed_api (const char *api)
{
  return g_strcmp0 (api, "unsubscribed") == 0 || g_strcmp0 (api, "cleaned") == 0;
}

static gboolean
is_hash (const char *text)
{
  if (text == NULL || strlen (text) != HASH_LENGTH)
    return FALSE;
  for (const char *c = text; *c != '\0'; c++)
    if (!g_ascii_isxdigit (*c) || g_ascii_isupper (*c))
      return FALSE;
  return TRUE;
}

/* An audience id as Mailchimp gives them (ten hex digits), or any short
 * run of letters, digits, '-' and '_': safe in a path. */
static gboolean
is_list_id (const char *text)
{
  gsize length = text != NULL ? strlen (text) : 0;

  if (length == 0 || length > 64)
    return FALSE;
  for (const char *c = text; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && *c != '-' && *c != '_')
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

static JsonObject *
root_object (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* total_items of a page, or -1 when it has none that is a count. */
static gint64
read_total (JsonObject *answer)
{
  JsonNode *node = answer != NULL ? json_object_get_member (answer, "total_items") : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) < 0)
    return -1;
  return json_node_get_int (node);
}

/* Whether a page of @n items at @offset, asked for @limit, has one after
 * it: a full page, unless total_items says there is no more (a page
 * without a total is not the last because it says nothing). */
static gboolean
has_next_page (guint  offset,
               guint  n,
               guint  limit,
               gint64 total)
{
  return n > 0 && n >= limit && (total < 0 || (gint64) offset + n < total);
}

/* ------------------------------------------------------------------------- */
/* Merge fields                                                              */
/* ------------------------------------------------------------------------- */

/* Mailchimp's type → how Concord holds it; FALSE for one it cannot write
 * back as it reads it. */
static gboolean
field_type_map (const char       *type_name,
                ConcordFieldType *type)
{
  *type = CONCORD_FIELD_TYPE_STRING;

  if (g_strcmp0 (type_name, "number") == 0)
    *type = CONCORD_FIELD_TYPE_NUMBER;
  else if (g_strcmp0 (type_name, "date") == 0)
    *type = CONCORD_FIELD_TYPE_DATE;
  else if (g_strcmp0 (type_name, "dropdown") == 0 || g_strcmp0 (type_name, "radio") == 0)
    *type = CONCORD_FIELD_TYPE_ENUM;
  else if (g_strcmp0 (type_name, "phone") == 0)
    *type = CONCORD_FIELD_TYPE_PHONE;
  else if (g_strcmp0 (type_name, "address") == 0 || g_strcmp0 (type_name, "birthday") == 0)
    return FALSE;

  return TRUE;
}

static const char *
canonical_key_of (const char *tag,
                  const char *label)
{
  for (guint i = 0; i < G_N_ELEMENTS (canonical_tags); i++)
    if (g_strcmp0 (canonical_tags[i].tag, tag) == 0)
      return canonical_tags[i].key;
  if (label != NULL && g_ascii_strcasecmp (label, "Company") == 0)
    return CONCORD_FIELD_COMPANY;
  return NULL;
}

/* One field of GET /lists/{id}/merge-fields. */
static void
add_merge_field (ConcordConnectorMailchimp *self,
                 JsonObject                *item)
{
  g_autofree char *tag = member_text (item, "tag");
  g_autofree char *label = member_text (item, "name");
  g_autofree char *type_name = member_text (item, "type");
  JsonObject *options = concord_rest_json_object (item, "options");
  JsonNode *choices = options != NULL ? json_object_get_member (options, "choices") : NULL;
  const char *canonical;
  MergeField *field;

  if (tag == NULL || *g_strstrip (tag) == '\0' || strlen (tag) > 64 ||
      g_hash_table_contains (self->fields_by_tag, tag))
    return;
  if (label == NULL || *g_strstrip (label) == '\0')
    {
      g_free (label);
      label = g_strdup (tag);
    }

  field = g_new0 (MergeField, 1);
  field->tag = g_steal_pointer (&tag);
  field->label = g_steal_pointer (&label);
  field->read_only = !field_type_map (type_name, &field->type);
  canonical = canonical_key_of (field->tag, field->label);
  if (canonical != NULL && !field->read_only && !g_hash_table_contains (self->fields_by_key,
                                                                        canonical))
    {
      field->key = g_strdup (canonical);
      if (field->type != CONCORD_FIELD_TYPE_PHONE)
        field->type = CONCORD_FIELD_TYPE_STRING;
    }
  else
    {
      field->key = concord_field_custom_key (field->label);
      field->custom = TRUE;
      /* Two fields of one name: the second is known by its tag too. */
      if (g_hash_table_contains (self->fields_by_key, field->key))
        {
          g_autofree char *shown = g_strdup_printf ("%s (%s)", field->label, field->tag);

          g_free (field->key);
          field->key = concord_field_custom_key (shown);
        }
    }

  if (field->type == CONCORD_FIELD_TYPE_ENUM)
    {
      g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);

      if (choices != NULL && JSON_NODE_HOLDS_ARRAY (choices))
        {
          JsonArray *array = json_node_get_array (choices);

          for (guint i = 0; i < json_array_get_length (array) && i < MAX_CHOICES; i++)
            {
              JsonNode *node = json_array_get_element (array, i);
              g_autofree char *text = NULL;

              if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
                continue;
              text = concord_http_repaired_text (json_node_get_string (node), MAX_VALUE_BYTES,
                                                 NULL);
              if (text != NULL && *text != '\0' &&
                  !g_ptr_array_find_with_equal_func (values, text, g_str_equal, NULL))
                g_ptr_array_add (values, g_steal_pointer (&text));
            }
        }
      g_ptr_array_add (values, NULL);
      field->choices = (char **) g_ptr_array_free (g_steal_pointer (&values), FALSE);
    }

  g_ptr_array_add (self->fields, field);
  g_hash_table_replace (self->fields_by_tag, field->tag, field);
  g_hash_table_replace (self->fields_by_key, field->key, field);
}

static void
reset_fields (ConcordConnectorMailchimp *self)
{
  g_clear_pointer (&self->fields_by_tag, g_hash_table_unref);
  g_clear_pointer (&self->fields_by_key, g_hash_table_unref);
  g_clear_pointer (&self->fields, g_ptr_array_unref);
  g_clear_pointer (&self->fields_list, g_free);
  self->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) merge_field_free);
  self->fields_by_tag = g_hash_table_new (g_str_hash, g_str_equal);
  self->fields_by_key = g_hash_table_new (g_str_hash, g_str_equal);
}

/* The merge field a record key is written to: the audience's, or, before
 * the fields are known, the standard tag of a canonical key. */
static const char *
tag_of_key (ConcordConnectorMailchimp *self,
            const char                *key,
            MergeField               **found)
{
  MergeField *field = self->fields_by_key != NULL ? g_hash_table_lookup (self->fields_by_key, key)
                                                  : NULL;

  *found = field;
  if (field != NULL)
    return field->tag;
  if (self->fields_by_key != NULL && g_hash_table_size (self->fields_by_key) > 0)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (canonical_tags); i++)
    if (g_str_equal (canonical_tags[i].key, key))
      return canonical_tags[i].tag;
  return NULL;
}

/* ------------------------------------------------------------------------- */
/* Reading a member                                                          */
/* ------------------------------------------------------------------------- */

static void
read_merge_value (ConcordRecord *record,
                  const char    *key,
                  MergeField    *field,
                  JsonNode      *node)
{
  g_autofree char *text = NULL;
  gboolean repaired = FALSE;
  ConcordFieldType type = field != NULL ? field->type : CONCORD_FIELD_TYPE_STRING;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node) || JSON_NODE_HOLDS_ARRAY (node))
    return;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      /* An address: one line of its non-empty parts. */
      static const char *parts[] = { "addr1", "addr2", "city", "state", "zip", "country" };
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GString) line = g_string_new (NULL);

      for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
        {
          g_autofree char *part = concord_rest_json_text (object, parts[i], MAX_VALUE_BYTES,
                                                          &repaired);

          if (part != NULL && *g_strstrip (part) != '\0')
            g_string_append_printf (line, "%s%s", line->len > 0 ? ", " : "", part);
        }
      if (line->len > 0)
        concord_rest_record_set_text (record, key, CONCORD_FIELD_TYPE_STRING, line->str,
                                      repaired);
      return;
    }

  if (type == CONCORD_FIELD_TYPE_NUMBER)
    {
      GType value_type = json_node_get_value_type (node);
      double number;
      char *end = NULL;

      if (value_type == G_TYPE_DOUBLE || value_type == G_TYPE_INT64)
        concord_record_set_number (record, key, json_node_get_double (node));
      else if (value_type == G_TYPE_STRING && *json_node_get_string (node) != '\0' &&
               (number = g_ascii_strtod (json_node_get_string (node), &end), *end == '\0'))
        concord_record_set_number (record, key, number);
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
  /* Mailchimp holds an empty merge field as "". */
  if (text == NULL || *g_strstrip (text) == '\0')
    return;
  if (type == CONCORD_FIELD_TYPE_DATE && concord_rest_parse_datetime (text) < 0)
    type = CONCORD_FIELD_TYPE_STRING;
  concord_rest_record_set_text (record, key, type, text, repaired);
}

/* A member as a record; NULL (skipped) without a usable address. */
static ConcordRecord *
parse_member (ConcordConnectorMailchimp *self,
              JsonObject                *object)
{
  g_autoptr(ConcordRecord) record = NULL;
  g_autofree char *email = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *status = NULL;
  gboolean repaired = FALSE;
  JsonObject *merge;
  JsonNode *node;
  gint64 modified = -1;

  if (object == NULL)
    return NULL;
  email = concord_rest_json_text (object, "email_address", MAX_VALUE_BYTES, &repaired);
  if (email == NULL || *g_strstrip (email) == '\0')
    return NULL;
  if (strlen (email) > MAX_EMAIL_BYTES)
    {
      /* Longer than any address: kept cut and marked, so it neither
       * matches nor creates. */
      g_autofree char *cut = concord_http_cut_text (email, MAX_EMAIL_BYTES);

      g_free (email);
      email = g_steal_pointer (&cut);
      repaired = TRUE;
    }

  /* The id is the hash of the address: computed, never taken on trust. */
  hash = concord_connector_mailchimp_subscriber_hash (email);
  record = concord_record_new (hash);
  concord_rest_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email,
                                repaired);

  merge = concord_rest_json_object (object, "merge_fields");
  if (merge != NULL)
    {
      JsonObjectIter iter;
      const char *tag;
      JsonNode *value;
      guint n = 0;

      json_object_iter_init (&iter, merge);
      while (json_object_iter_next (&iter, &tag, &value) && n++ < 1000)
        {
          MergeField *field = self->fields_by_tag != NULL
                              ? g_hash_table_lookup (self->fields_by_tag, tag) : NULL;
          const char *key = NULL;

          if (field != NULL)
            key = field->key;
          else if (self->fields_by_tag == NULL || g_hash_table_size (self->fields_by_tag) == 0)
            key = canonical_key_of (tag, NULL);
          if (key != NULL)
            read_merge_value (record, key, field, value);
        }
    }

  status = member_text (object, "status");
  if (status != NULL)
    {
      const char *canonical = concord_connector_mailchimp_status_to_canonical (status);

      concord_rest_record_set_text (record, CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM,
                                    canonical != NULL ? canonical : status, FALSE);
    }

  node = json_object_get_member (object, "tags");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      g_autoptr(GPtrArray) tags = g_ptr_array_new_with_free_func (g_free);
      gboolean tags_repaired = FALSE;

      for (guint i = 0; i < json_array_get_length (array) && i < MAX_TAGS; i++)
        {
          JsonNode *tag_node = json_array_get_element (array, i);
          g_autofree char *name = NULL;
          gboolean one_repaired = FALSE;

          if (!JSON_NODE_HOLDS_OBJECT (tag_node))
            continue;
          name = concord_rest_json_text (json_node_get_object (tag_node), "name", MAX_VALUE_BYTES,
                                         &one_repaired);
          if (name != NULL && *g_strstrip (name) != '\0')
            {
              tags_repaired |= one_repaired;
              g_ptr_array_add (tags, g_steal_pointer (&name));
            }
        }
      if (tags->len > 0)
        {
          g_ptr_array_add (tags, NULL);
          concord_record_set_set (record, CONCORD_FIELD_TAGS, (const char * const *) tags->pdata);
          if (tags_repaired)
            concord_record_mark_altered (record, CONCORD_FIELD_TAGS);
        }
    }

  {
    g_autofree char *signup = member_text (object, "timestamp_signup");
    g_autofree char *opt = member_text (object, "timestamp_opt");
    g_autofree char *changed = member_text (object, "last_changed");
    gint64 when;

    if ((when = concord_rest_parse_datetime (signup)) > 0 ||
        (when = concord_rest_parse_datetime (opt)) > 0)
      {
        concord_record_set_datetime (record, CONCORD_FIELD_CREATED_AT, when);
        modified = when;
      }
    if ((when = concord_rest_parse_datetime (changed)) >= 0)
      {
        concord_record_set_datetime (record, CONCORD_FIELD_UPDATED_AT, when);
        modified = MAX (modified, when);
      }
    if (modified >= 0)
      concord_record_set_modified (record, modified);
  }

  return g_steal_pointer (&record);
}

/* For the fuzz targets (concord-connector-mailchimp-private.h). */
guint
_concord_connector_mailchimp_read_answer (ConcordConnectorMailchimp *self,
                                          JsonNode                  *root)
{
  JsonObject *object = root_object (root);
  JsonNode *node;
  guint n = 0;

  if (object == NULL)
    return 0;

  reset_fields (self);
  node = json_object_get_member (object, "merge_fields");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (node)); i++)
      {
        JsonNode *item = json_array_get_element (json_node_get_array (node), i);

        if (JSON_NODE_HOLDS_OBJECT (item))
          add_merge_field (self, json_node_get_object (item));
      }

  node = json_object_get_member (object, "members");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (node)); i++)
      {
        JsonNode *item = json_array_get_element (json_node_get_array (node), i);
        g_autoptr(ConcordRecord) record = JSON_NODE_HOLDS_OBJECT (item)
                                          ? parse_member (self, json_node_get_object (item))
                                          : NULL;

        if (record != NULL)
          {
            g_assert (is_hash (concord_record_get_remote_id (record)));
            n++;
          }
      }
  return n;
}

/* ------------------------------------------------------------------------- */
/* Errors                                                                    */
/* ------------------------------------------------------------------------- */

/* Mailchimp's problem+json error bodies (ConcordHttpRefineError):
 * {type, title, status, detail, instance, errors?:[{field, message}]}. */
static gboolean
refine_error (guint        status,
              GBytes      *body,
              const char  *label,
              GError     **error,
              gpointer     user_data)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *title = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *field = NULL;
  g_autofree char *message = NULL;
  g_autofree char *redacted = NULL;
  JsonObject *object;
  JsonNode *errors;
  gconstpointer data;
  gsize length = 0;

  if (status == 429 || status >= 500)
    return FALSE;

  data = body != NULL ? g_bytes_get_data (body, &length) : NULL;
  if (data != NULL && length > 0)
    root = concord_json_parse (data, (gssize) length, MAX_ERROR_BODY_BYTES, NULL);
  object = root_object (root);
  if (object == NULL)
    return FALSE;

  title = member_text (object, "title");
  detail = member_text (object, "detail");
  errors = json_object_get_member (object, "errors");
  if (errors != NULL && JSON_NODE_HOLDS_ARRAY (errors) &&
      json_array_get_length (json_node_get_array (errors)) > 0 &&
      JSON_NODE_HOLDS_OBJECT (json_array_get_element (json_node_get_array (errors), 0)))
    {
      JsonObject *first = json_node_get_object (json_array_get_element (json_node_get_array (errors),
                                                                        0));
      g_autofree char *text = member_text (first, "message");

      field = member_text (first, "field");
      if (text != NULL)
        {
          g_autofree char *joined = g_strdup_printf ("%s%s%s", detail != NULL ? detail : "",
                                                     detail != NULL ? " " : "", text);

          g_free (detail);
          detail = g_steal_pointer (&joined);
        }
    }
  if (title == NULL && detail == NULL)
    return FALSE;

  message = g_strdup_printf ("%s%s%s", title != NULL ? title : "",
                             title != NULL && detail != NULL ? ": " : "",
                             detail != NULL ? detail : "");
  /* The detail may quote what was sent: redacted, cut. */
  redacted = concord_http_redact (message);
  if (g_utf8_strlen (redacted, -1) > 200)
    {
      g_autofree char *cut = g_utf8_substring (redacted, 0, 200);

      g_free (redacted);
      redacted = g_steal_pointer (&cut);
    }

  if (status == SOUP_STATUS_UNAUTHORIZED || g_strcmp0 (title, "API Key Invalid") == 0)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                 "%s failed: Mailchimp refused the API key (%s)", label, redacted);
  else if (status == SOUP_STATUS_FORBIDDEN)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                 "%s failed: Mailchimp does not allow this key to do that (%s)", label, redacted);
  else if (status == SOUP_STATUS_NOT_FOUND)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                 "%s failed: Mailchimp has no such audience or member (%s)", label, redacted);
  else if (g_strcmp0 (title, "Member Exists") == 0)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                   "%s failed: the address is already in the audience (%s)", label, redacted);
      concord_error_set_field (*error, CONCORD_FIELD_EMAIL);
    }
  else if (g_strcmp0 (title, "Member In Compliance State") == 0 ||
           g_strcmp0 (title, "Forgotten Email Not Subscribed") == 0)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_REFUSED,
                   "%s failed: Mailchimp keeps this address unsubscribed (%s)", label, redacted);
      concord_error_set_field (*error, CONCORD_FIELD_STATUS);
    }
  else if (status == SOUP_STATUS_BAD_REQUEST || status == 422)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA,
                   "%s failed: Mailchimp refused the data: %s", label, redacted);
      if (g_strcmp0 (field, "email_address") == 0)
        concord_error_set_field (*error, CONCORD_FIELD_EMAIL);
    }
  else
    return FALSE;

  return TRUE;
}

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
  answer = root_object (root);
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

  total = read_total (answer);
  if (!has_next_page (read->offset, n, SIDE_PAGE_LIMIT, total))
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

  concord_http_client_send_json_async (self->client, new_request ("GET", path, read->label, NULL),
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
  g_autofree char *id = member_text (item, "id");
  g_autofree char *name = member_text (item, "name");

  if (!is_list_id (id))
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

static void
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
static GPtrArray *
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
static void
accept_list (ConcordConnectorMailchimp *self,
             const char                *contact_type)
{
  if (!is_list_id (contact_type))
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
  add_merge_field (self, item);
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
      reset_fields (self);
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
static void
read_fields_async (ConcordConnectorMailchimp *self,
                   gboolean                   again,
                   gboolean                   force,
                   GCancellable              *cancellable,
                   GAsyncReadyCallback        callback,
                   gpointer                   user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *path = NULL;
  g_autofree char *label = NULL;

  g_task_set_source_tag (task, read_fields_async);
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

  reset_fields (self);
  path = g_strdup_printf ("/lists/%s/merge-fields", self->list_id);
  side_read_async (self, path, "GET /lists/{id}/merge-fields", "merge_fields", add_merge_field_cb,
                   NULL, cancellable, on_fields_read_cb, task);
}

static void
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
  read_fields_async (self, new_listing, FALSE, cancellable, callback, user_data);
}

/* ------------------------------------------------------------------------- */
/* Schema                                                                    */
/* ------------------------------------------------------------------------- */

static GPtrArray *
build_schema (ConcordConnectorMailchimp *self)
{
  GPtrArray *specs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

  concord_rest_add_field_spec (specs, CONCORD_FIELD_EMAIL, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_TAGS, NULL, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_STATUS, status_choices, FALSE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_CREATED_AT, NULL, TRUE);
  concord_rest_add_field_spec (specs, CONCORD_FIELD_UPDATED_AT, NULL, TRUE);

  for (guint i = 0; self->fields != NULL && i < self->fields->len; i++)
    {
      MergeField *field = g_ptr_array_index (self->fields, i);
      ConcordFieldSpec *spec;

      if (!field->custom)
        {
          concord_rest_add_field_spec (specs, field->key, NULL, FALSE);
          continue;
        }
      spec = concord_field_spec_new (field->key, field->label, field->type, field->read_only);
      spec->custom = TRUE;
      spec->choices = g_strdupv (field->choices);
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
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (object);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, build_schema (self), (GDestroyNotify) g_ptr_array_unref);
}

static void
concord_connector_mailchimp_load_schema_async (ConcordConnector    *connector,
                                               const char          *contact_type,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (connector);
  GTask *task = concord_connector_task_new (connector,
                                            concord_connector_mailchimp_load_schema_async,
                                            cancellable, callback, user_data);
  GError *error = NULL;

  accept_list (self, contact_type);
  if (!concord_rest_connector_check_contact_type (CONCORD_REST_CONNECTOR (self), contact_type,
                                                  &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  /* Fields as they are now: a schema load reads them again. */
  read_fields_async (self, TRUE, TRUE, cancellable, on_schema_prepared_cb, task);
}

/* ------------------------------------------------------------------------- */
/* List, fetch, verify                                                       */
/* ------------------------------------------------------------------------- */

/* A change cursor: "<since, ISO 8601>;full=<Unix time of the last full
 * listing>". */
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

static guint
page_offset (const char *page_token)
{
  guint64 offset = 0;

  if (page_token != NULL && !g_ascii_string_to_unsigned (page_token, 10, 0, G_MAXUINT, &offset,
                                                         NULL))
    offset = 0;
  return (guint) offset;
}

static ConcordHttpRequest *
concord_connector_mailchimp_build_list_request (ConcordRestConnector  *connector,
                                                const char            *contact_type,
                                                const char            *page_token,
                                                GError               **error)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (connector);
  const char *cursor = concord_rest_connector_get_listing_cursor (connector);
  g_autoptr(GString) path = g_string_new (NULL);

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
                               "Invalid change cursor for Mailchimp");
          return NULL;
        }
      if (cursor != NULL && now - self->full_at >= FULL_SCAN_SECONDS)
        {
          self->since = -1;
          self->full_at = now;
        }
    }

  g_string_append_printf (path, "/lists/%s/members?count=%u&offset=%u", contact_type,
                          self->page_limit, page_offset (page_token));
  if (self->since >= 0)
    {
      g_autofree char *since = format_time (self->since);
      g_autofree char *escaped = g_uri_escape_string (since, NULL, FALSE);

      g_string_append_printf (path, "&since_last_changed=%s&sort_field=last_changed&sort_dir=ASC",
                              escaped);
    }

  return concord_http_request_new ("GET", path->str, "GET /lists/{id}/members");
}

static gboolean
concord_connector_mailchimp_parse_page (ConcordRestConnector  *connector,
                                        const char            *contact_type,
                                        const char            *page_token,
                                        JsonNode              *root,
                                        SoupMessageHeaders    *headers,
                                        ConcordPage           *page,
                                        GError               **error)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (connector);
  JsonObject *answer = root_object (root);
  JsonNode *members = answer != NULL ? json_object_get_member (answer, "members") : NULL;
  g_autofree char *next = NULL;
  g_autofree char *sync = NULL;
  g_autofree char *latest = NULL;
  guint offset = page_offset (page_token);
  JsonArray *array;
  gint64 total;
  guint n;

  if (members == NULL || !JSON_NODE_HOLDS_ARRAY (members))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                           "GET /lists/{id}/members failed: the answer holds no members");
      return FALSE;
    }
  array = json_node_get_array (members);
  n = json_array_get_length (array);
  if (n > self->page_limit)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "GET /lists/{id}/members failed: the server sent %u members for a page of "
                   "%u; the listing stops", n, self->page_limit);
      return FALSE;
    }

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      ConcordRecord *record = JSON_NODE_HOLDS_OBJECT (node)
                              ? parse_member (self, json_node_get_object (node)) : NULL;

      if (record == NULL)
        continue;
      /* A server that ignores the offset sends the same page for ever. */
      if (page->records->len == 0)
        {
          if (page_token != NULL &&
              g_strcmp0 (self->first_id, concord_record_get_remote_id (record)) == 0)
            {
              concord_record_unref (record);
              g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                                   "GET /lists/{id}/members failed: Mailchimp sent a page it had "
                                   "sent before; the listing stops");
              return FALSE;
            }
          g_free (self->first_id);
          self->first_id = g_strdup (concord_record_get_remote_id (record));
        }
      self->max_changed = MAX (self->max_changed, concord_record_get_modified (record));
      g_ptr_array_add (page->records, record);
    }

  total = read_total (answer);
  if (has_next_page (offset, n, self->page_limit, total))
    next = g_strdup_printf ("%u", offset + n);

  /* The next listing's cursor: the latest change read (since_last_changed
   * is "after": one second back overlaps it), or where this one started,
   * and when the last full listing was. */
  latest = format_time (self->max_changed >= 0 ? MAX (self->max_changed - 1, 0)
                                               : self->since >= 0 ? self->since : self->full_at);
  sync = g_strdup_printf ("%s;full=%" G_GINT64_FORMAT, latest, self->full_at);
  if (!concord_rest_page_next_token (connector, page, next, sync, error))
    return FALSE;
  if (page->next_page == NULL)
    page->complete = self->since < 0;
  return TRUE;
}

static ConcordRecord *
concord_connector_mailchimp_record_from_json (ConcordRestConnector *connector,
                                              const char           *contact_type,
                                              JsonNode             *node)
{
  return parse_member (CONCORD_CONNECTOR_MAILCHIMP (connector), root_object (node));
}

static ConcordHttpRequest *
concord_connector_mailchimp_build_fetch_request (ConcordRestConnector *connector,
                                                 const char           *contact_type,
                                                 const char           *remote_id)
{
  g_autofree char *path = NULL;

  /* Not a hash: a path that finds nothing. */
  path = g_strdup_printf ("/lists/%s/members/%s", contact_type,
                          is_hash (remote_id) ? remote_id : NO_SUCH_HASH);
  return concord_http_request_new ("GET", path, "GET /lists/{id}/members/{hash}");
}

static ConcordHttpRequest *
concord_connector_mailchimp_build_verify_request (ConcordRestConnector *connector)
{
  return concord_http_request_new ("GET", "/ping", "GET /ping");
}

static gboolean
concord_connector_mailchimp_check_verify_answer (ConcordRestConnector  *connector,
                                                 JsonNode              *root,
                                                 GError               **error)
{
  JsonObject *object = root_object (root);

  if (object == NULL || !json_object_has_member (object, "health_status"))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                           "GET /ping: the server does not answer like Mailchimp; check the "
                           "server address");
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

/* One merge field's value as Mailchimp takes it, or FALSE with @reason. */
static gboolean
add_merge_value (JsonBuilder         *builder,
                 MergeField          *field,
                 const char          *label,
                 const ConcordValue  *value,
                 char               **reason)
{
  g_autofree char *text = concord_value_to_string (value);
  ConcordFieldType type = field != NULL ? field->type : CONCORD_FIELD_TYPE_STRING;

  if (field != NULL && field->read_only)
    {
      *reason = g_strdup_printf ("Mailchimp's merge field %s cannot be written by Concord (it "
                                 "holds an address or a birthday)", label);
      return FALSE;
    }

  if (type == CONCORD_FIELD_TYPE_ENUM && field->choices != NULL &&
      (text == NULL || !g_strv_contains ((const char * const *) field->choices, text)))
    {
      *reason = g_strdup_printf ("“%s” is not a choice of Mailchimp's merge field %s",
                                 text != NULL ? text : "", label);
      return FALSE;
    }

  if (type == CONCORD_FIELD_TYPE_NUMBER)
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
          *reason = g_strdup_printf ("Mailchimp's merge field %s takes a number", label);
          return FALSE;
        }
      json_builder_add_double_value (builder, number);
      return TRUE;
    }

  if (type == CONCORD_FIELD_TYPE_DATE)
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
          *reason = g_strdup_printf ("Mailchimp's merge field %s takes a date", label);
          return FALSE;
        }
      json_builder_add_string_value (builder, date);
      return TRUE;
    }

  json_builder_add_string_value (builder, text != NULL ? text : "");
  return TRUE;
}

/* merge_fields{} for @set and @clear; refusals as pairs in @refused.
 * Returns whether any member was added. */
static gboolean
add_merge_fields (ConcordConnectorMailchimp *self,
                  JsonBuilder               *builder,
                  const ConcordRecord       *set,
                  const char * const        *clear,
                  GPtrArray                 *refused)
{
  guint n = set != NULL ? concord_record_get_n_fields (set) : 0;
  guint n_clear = clear != NULL ? g_strv_length ((char **) clear) : 0;
  gboolean open = FALSE;

  for (guint i = 0; i < n + n_clear; i++)
    {
      const char *key = NULL;
      const ConcordValue *value = i < n ? concord_record_get_field_at (set, i, &key) : NULL;
      MergeField *field = NULL;
      const char *tag;
      char *reason = NULL;

      if (i >= n)
        key = clear[i - n];
      if (key == NULL || g_str_equal (key, CONCORD_FIELD_EMAIL) ||
          g_str_equal (key, CONCORD_FIELD_STATUS) || g_str_equal (key, CONCORD_FIELD_TAGS) ||
          g_str_equal (key, CONCORD_FIELD_CREATED_AT) || g_str_equal (key, CONCORD_FIELD_UPDATED_AT))
        continue;

      tag = tag_of_key (self, key, &field);
      if (tag == NULL)
        {
          if (concord_field_is_custom (key))
            refuse (refused, key, g_strdup_printf ("The Mailchimp audience has no merge field "
                                                   "named %s",
                                                   key + strlen (CONCORD_FIELD_CUSTOM_PREFIX)));
          else
            refuse (refused, key, g_strdup ("The Mailchimp audience has no merge field for it"));
          continue;
        }

      if (!open)
        {
          json_builder_set_member_name (builder, "merge_fields");
          json_builder_begin_object (builder);
          open = TRUE;
        }
      if (value == NULL)
        {
          /* Mailchimp empties a merge field with "". */
          if (field != NULL && field->read_only)
            refuse (refused, key, g_strdup_printf ("Mailchimp's merge field %s cannot be written "
                                                   "by Concord", field->label));
          else
            {
              json_builder_set_member_name (builder, tag);
              json_builder_add_string_value (builder, "");
            }
          continue;
        }

      /* Built aside: a refused value must leave no member behind. */
      {
        g_autoptr(JsonBuilder) one = json_builder_new ();
        g_autoptr(JsonNode) node = NULL;

        json_builder_begin_array (one);
        if (!add_merge_value (one, field, field != NULL ? field->label : tag, value, &reason))
          {
            refuse (refused, key, reason);
            continue;
          }
        json_builder_end_array (one);
        node = json_builder_get_root (one);
        json_builder_set_member_name (builder, tag);
        json_builder_add_value (builder,
                                json_node_copy (json_array_get_element (json_node_get_array (node),
                                                                        0)));
      }
    }
  if (open)
    json_builder_end_object (builder);
  return open;
}

static void
add_tag_names (JsonBuilder        *builder,
               const ConcordValue *tags)
{
  json_builder_set_member_name (builder, "tags");
  json_builder_begin_array (builder);
  for (guint i = 0; tags != NULL && tags->type == CONCORD_FIELD_TYPE_STRING_SET &&
                    tags->v.set != NULL && tags->v.set[i] != NULL; i++)
    json_builder_add_string_value (builder, tags->v.set[i]);
  json_builder_end_array (builder);
}

/* One member of the batch: status only as a new member's (the batch runs
 * with update_existing false, so it never reaches an existing member). */
static void
add_new_member (ConcordConnectorMailchimp *self,
                JsonBuilder               *builder,
                const ConcordRecord       *record,
                GPtrArray                 *refused)
{
  const char *email = concord_record_get_text (record, CONCORD_FIELD_EMAIL);
  const char *status = concord_record_get_text (record, CONCORD_FIELD_STATUS);
  const ConcordValue *tags = concord_record_get (record, CONCORD_FIELD_TAGS);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "email_address");
  json_builder_add_string_value (builder, email != NULL ? email : "");
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, concord_connector_mailchimp_status_for_new (status));
  add_merge_fields (self, builder, record, NULL, refused);
  if (tags != NULL && tags->type == CONCORD_FIELD_TYPE_STRING_SET)
    add_tag_names (builder, tags);
  json_builder_end_object (builder);
}

static char *
concord_connector_mailchimp_create_group_key (ConcordRestConnector  *connector,
                                              const ConcordRecord   *record,
                                              GError               **error)
{
  const char *email = concord_record_get_text (record, CONCORD_FIELD_EMAIL);

  if (email == NULL || *email == '\0' || strchr (email, '@') == NULL)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA,
                           "Mailchimp needs an email address for every member");
      concord_error_set_field (*error, CONCORD_FIELD_EMAIL);
      return NULL;
    }
  return g_strdup ("members");
}

static ConcordHttpRequest *
concord_connector_mailchimp_build_create_request (ConcordRestConnector *connector,
                                                  const char           *contact_type,
                                                  GPtrArray            *records,
                                                  const guint          *indices,
                                                  guint                 n_indices)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (connector);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = g_strdup_printf ("/lists/%s", contact_type);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "members");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_indices; i++)
    add_new_member (self, builder, g_ptr_array_index (records, indices[i]), refused);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "update_existing");
  json_builder_add_boolean_value (builder, FALSE);
  /* An audience's required merge fields would refuse every contact the
   * other app has no value for. */
  json_builder_set_member_name (builder, "skip_merge_validation");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  return new_request ("POST", path, "POST /lists/{id}", body);
}

static GError *
batch_error (JsonObject *item)
{
  g_autofree char *code = member_text (item, "error_code");
  g_autofree char *text = member_text (item, "error");
  g_autofree char *field = member_text (item, "field");
  g_autofree char *redacted = concord_http_redact (text != NULL ? text : "refused");
  GError *error;

  if (g_utf8_strlen (redacted, -1) > 200)
    {
      g_autofree char *cut = g_utf8_substring (redacted, 0, 200);

      g_free (redacted);
      redacted = g_steal_pointer (&cut);
    }

  if (g_strcmp0 (code, "ERROR_CONTACT_EXISTS") == 0)
    {
      error = g_error_new (CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                           "POST /lists/{id}: the address is already in the audience, and "
                           "Concord never overwrites an existing member's status (%s)", redacted);
      concord_error_set_field (error, CONCORD_FIELD_EMAIL);
      return error;
    }
  error = g_error_new (CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA,
                       "POST /lists/{id}: Mailchimp refused the member: %s", redacted);
  if (field == NULL || g_strcmp0 (field, "email_address") == 0)
    concord_error_set_field (error, CONCORD_FIELD_EMAIL);
  return error;
}

static GHashTable *
index_by_email (JsonObject *answer,
                const char *member)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonNode *node = answer != NULL ? json_object_get_member (answer, member) : NULL;
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return table;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      g_autofree char *email = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        continue;
      email = member_text (json_node_get_object (item), "email_address");
      if (email != NULL)
        {
          g_autofree char *lower = g_ascii_strdown (g_strstrip (email), -1);

          if (!g_hash_table_contains (table, lower))
            g_hash_table_insert (table, g_steal_pointer (&lower), json_node_get_object (item));
        }
    }
  return table;
}

static void
concord_connector_mailchimp_match_created (ConcordRestConnector *connector,
                                           const char           *contact_type,
                                           GPtrArray            *records,
                                           const guint          *indices,
                                           guint                 n_indices,
                                           JsonNode             *answer,
                                           ConcordWriteBatch    *batch)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (connector);
  JsonObject *object = root_object (answer);
  g_autoptr(GHashTable) created = index_by_email (object, "new_members");
  g_autoptr(GHashTable) failed = index_by_email (object, "errors");
  g_autoptr(GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < n_indices; i++)
    {
      const ConcordRecord *input = g_ptr_array_index (records, indices[i]);
      const char *email = concord_record_get_text (input, CONCORD_FIELD_EMAIL);
      g_autofree char *lower = g_ascii_strdown (email != NULL ? email : "", -1);
      g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
      JsonObject *member;
      JsonObject *error_item;

      g_strstrip (lower);
      member = g_hash_table_lookup (created, lower);
      error_item = g_hash_table_lookup (failed, lower);

      /* Two inputs of one address: the first is the new member. */
      if (member != NULL && !g_hash_table_add (taken, g_strdup (lower)))
        {
          GError *error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                                               "POST /lists/{id}: another contact of the batch "
                                               "has the same address");

          concord_error_set_field (error, CONCORD_FIELD_EMAIL);
          concord_write_batch_set_error (batch, indices[i], error);
          continue;
        }

      if (member != NULL)
        {
          g_autoptr(ConcordRecord) record = parse_member (self, member);
          ConcordWriteResult *result;

          if (record == NULL)
            {
              concord_write_batch_set_error (batch, indices[i],
                                             g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                                                  "POST /lists/{id}: the answer's "
                                                                  "member is unreadable"));
              continue;
            }
          /* The refusals of the member that was sent (built again: the same). */
          {
            g_autoptr(JsonBuilder) builder = json_builder_new ();
            g_autoptr(JsonNode) unused = NULL;

            json_builder_begin_array (builder);
            add_new_member (self, builder, input, refused);
            json_builder_end_array (builder);
            unused = json_builder_get_root (builder);
          }
          result = concord_write_batch_set_ok (batch, indices[i], record);
          for (guint r = 0; r + 1 < refused->len; r += 2)
            concord_write_result_add_refused (result, g_ptr_array_index (refused, r),
                                              g_ptr_array_index (refused, r + 1));
        }
      else if (error_item != NULL)
        {
          g_autofree char *code = member_text (error_item, "error_code");

          /* Upserted after the batch (concord_connector_mailchimp_create_async()). */
          if (g_strcmp0 (code, "ERROR_CONTACT_EXISTS") == 0)
            g_hash_table_add (self->existing, GUINT_TO_POINTER (indices[i] + 1));
          concord_write_batch_set_error (batch, indices[i], batch_error (error_item));
        }
      else
        concord_write_batch_set_error (batch, indices[i],
                                       g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                                            "POST /lists/{id}: the answer does "
                                                            "not say what became of the member"));
    }
}

/* Updates ---------------------------------------------------------------- */

typedef enum
{
  STEP_START,
  STEP_READ,
  STEP_TAGS,
  STEP_PATCH,
  STEP_ECHO,
} UpdateStep;

typedef struct
{
  char *current_status;   /* (owned) (nullable): the member's, as read */
  char **current_tags;    /* (owned) (nullable) */
} UpdateData;

static void
update_data_free (gpointer data)
{
  UpdateData *state = data;

  g_free (state->current_status);
  g_strfreev (state->current_tags);
  g_free (state);
}

static gboolean
changes (const ConcordRecordChange *change,
         const char                *key)
{
  return (change->set != NULL && concord_record_get (change->set, key) != NULL) ||
         clears ((const char * const *) change->clear, key);
}

static char *
member_path (const char *list_id,
             const char *hash,
             const char *tail)
{
  return g_strdup_printf ("/lists/%s/members/%s%s", list_id, hash, tail != NULL ? tail : "");
}

/* The status to send to an existing member for canonical @wanted, or NULL
 * with @reason when it must not be sent. */
static const char *
status_for_existing (const char  *wanted,
                     const char  *current,
                     char       **reason)
{
  const char *api = concord_connector_mailchimp_status_for_new (wanted);

  *reason = NULL;
  if (g_strcmp0 (api, "subscribed") == 0)
    {
      *reason = g_strdup ("Concord never subscribes an existing Mailchimp member: people "
                          "subscribe through Mailchimp's own forms");
      return NULL;
    }
  if (g_strcmp0 (wanted, "inactive") == 0 || g_strcmp0 (wanted, "stale") == 0)
    {
      *reason = g_strdup ("Mailchimp archives a member only when it is deleted");
      return NULL;
    }
  if (is_suppressed_api (current) && g_strcmp0 (api, "unsubscribed") != 0)
    {
      *reason = g_strdup_printf ("The member is %s in Mailchimp, which is never undone",
                                 current);
      return NULL;
    }
  if (g_strcmp0 (api, current) == 0 ||
      (g_strcmp0 (current, "cleaned") == 0 && g_strcmp0 (api, "unsubscribed") == 0))
    return NULL;
  return api;
}

static ConcordHttpRequest *
tags_request (ConcordConnectorMailchimp *self,
              ConcordRestUpdate         *update)
{
  UpdateData *state = update->data;
  const ConcordValue *tags = update->change->set != NULL
                             ? concord_record_get (update->change->set, CONCORD_FIELD_TAGS) : NULL;
  const char * const *wanted = tags != NULL && tags->type == CONCORD_FIELD_TYPE_STRING_SET
                               ? (const char * const *) tags->v.set : NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *hash = g_strdup (update->change->remote_id);
  g_autofree char *path = member_path (self->list_id, hash, "/tags");
  guint n = 0;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "tags");
  json_builder_begin_array (builder);
  for (guint i = 0; wanted != NULL && wanted[i] != NULL; i++)
    if (state->current_tags == NULL || !g_strv_contains ((const char * const *) state->current_tags,
                                                         wanted[i]))
      {
        json_builder_begin_object (builder);
        json_builder_set_member_name (builder, "name");
        json_builder_add_string_value (builder, wanted[i]);
        json_builder_set_member_name (builder, "status");
        json_builder_add_string_value (builder, "active");
        json_builder_end_object (builder);
        n++;
      }
  for (guint i = 0; state->current_tags != NULL && state->current_tags[i] != NULL; i++)
    if (wanted == NULL || !g_strv_contains (wanted, state->current_tags[i]))
      {
        json_builder_begin_object (builder);
        json_builder_set_member_name (builder, "name");
        json_builder_add_string_value (builder, state->current_tags[i]);
        json_builder_set_member_name (builder, "status");
        json_builder_add_string_value (builder, "inactive");
        json_builder_end_object (builder);
        n++;
      }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "is_syncing");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_end_object (builder);

  if (n == 0)
    return NULL;
  body = json_builder_get_root (builder);
  update->step = STEP_TAGS;
  return new_request ("POST", path, "POST /lists/{id}/members/{hash}/tags", body);
}

/* The PATCH of the change's member fields, or a GET for the echo when it
 * has none to send. */
static ConcordHttpRequest *
patch_request (ConcordConnectorMailchimp *self,
               ConcordRestUpdate         *update)
{
  const ConcordRecordChange *change = update->change;
  const char * const *clear = (const char * const *) change->clear;
  UpdateData *state = update->data;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = member_path (self->list_id, change->remote_id,
                                       "?skip_merge_validation=true");
  const char *email = change->set != NULL ? concord_record_get_text (change->set,
                                                                     CONCORD_FIELD_EMAIL)
                                          : NULL;
  const char *wanted = change->set != NULL ? concord_record_get_text (change->set,
                                                                      CONCORD_FIELD_STATUS)
                                           : NULL;
  gboolean any = FALSE;

  json_builder_begin_object (builder);
  if (email != NULL && *email != '\0')
    {
      g_autofree char *hash = concord_connector_mailchimp_subscriber_hash (email);

      /* Another address is another member id: the binding would point at
       * nothing. Only its case may change here. */
      if (g_strcmp0 (hash, change->remote_id) != 0)
        refuse (refused, CONCORD_FIELD_EMAIL,
                g_strdup ("Mailchimp makes a member of a new address a new member; change the "
                          "address in Mailchimp"));
      else
        {
          json_builder_set_member_name (builder, "email_address");
          json_builder_add_string_value (builder, email);
          any = TRUE;
        }
    }
  else if (clears (clear, CONCORD_FIELD_EMAIL) || (email != NULL && *email == '\0'))
    refuse (refused, CONCORD_FIELD_EMAIL, g_strdup ("Mailchimp needs an email address for "
                                                    "every member"));

  if (wanted != NULL)
    {
      char *reason = NULL;
      const char *api = status_for_existing (wanted, state != NULL ? state->current_status : NULL,
                                             &reason);

      if (reason != NULL)
        refuse (refused, CONCORD_FIELD_STATUS, reason);
      else if (api != NULL)
        {
          json_builder_set_member_name (builder, "status");
          json_builder_add_string_value (builder, api);
          any = TRUE;
        }
    }
  else if (clears (clear, CONCORD_FIELD_STATUS))
    refuse (refused, CONCORD_FIELD_STATUS, g_strdup ("Every Mailchimp member has a status"));

  any |= add_merge_fields (self, builder, change->set, clear, refused);
  json_builder_end_object (builder);

  for (guint i = 0; i + 1 < refused->len; i += 2)
    concord_rest_update_refuse (update, g_ptr_array_index (refused, i),
                                g_strdup (g_ptr_array_index (refused, i + 1)));

  if (!any)
    {
      g_autofree char *echo = member_path (self->list_id, change->remote_id, NULL);

      update->step = STEP_ECHO;
      return new_request ("GET", echo, "GET /lists/{id}/members/{hash}", NULL);
    }
  body = json_builder_get_root (builder);
  update->step = STEP_PATCH;
  return new_request ("PATCH", path, "PATCH /lists/{id}/members/{hash}", body);
}

static ConcordHttpRequest *
concord_connector_mailchimp_update_step (ConcordRestConnector  *connector,
                                         ConcordRestUpdate     *update,
                                         JsonNode              *answer,
                                         GError               **error)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (connector);
  const ConcordRecordChange *change = update->change;
  ConcordHttpRequest *request;

  if (update->failure != NULL)
    return NULL;

  switch ((UpdateStep) update->step)
    {
    case STEP_START:
      if (!is_hash (change->remote_id))
        {
          g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                               "PATCH /lists/{id}/members/{hash}: not a Mailchimp subscriber "
                               "hash");
          return NULL;
        }
      update->data = g_new0 (UpdateData, 1);
      update->data_free = update_data_free;
      /* Status and tags are written against what the member has now. */
      if (changes (change, CONCORD_FIELD_STATUS) || changes (change, CONCORD_FIELD_TAGS))
        {
          g_autofree char *path = member_path (self->list_id, change->remote_id, NULL);

          update->step = STEP_READ;
          return new_request ("GET", path, "GET /lists/{id}/members/{hash}", NULL);
        }
      return patch_request (self, update);

    case STEP_READ:
      {
        JsonObject *member = root_object (answer);
        UpdateData *state = update->data;
        JsonNode *tags;

        if (member == NULL || !json_object_has_member (member, "email_address"))
          {
            g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                                 "GET /lists/{id}/members/{hash}: the member is gone");
            return NULL;
          }
        state->current_status = member_text (member, "status");
        tags = json_object_get_member (member, "tags");
        if (tags != NULL && JSON_NODE_HOLDS_ARRAY (tags))
          {
            g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
            JsonArray *array = json_node_get_array (tags);

            for (guint i = 0; i < json_array_get_length (array) && i < MAX_TAGS; i++)
              {
                JsonNode *node = json_array_get_element (array, i);
                char *name = JSON_NODE_HOLDS_OBJECT (node)
                             ? member_text (json_node_get_object (node), "name") : NULL;

                if (name != NULL)
                  g_ptr_array_add (names, name);
              }
            g_ptr_array_add (names, NULL);
            state->current_tags = (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
          }
        if (changes (change, CONCORD_FIELD_TAGS) && (request = tags_request (self, update)) != NULL)
          return request;
        return patch_request (self, update);
      }

    case STEP_TAGS:
      return patch_request (self, update);

    case STEP_PATCH:
    case STEP_ECHO:
    default:
      return NULL;
    }
}

/* ------------------------------------------------------------------------- */
/* ConcordConnector                                                          */
/* ------------------------------------------------------------------------- */

/* Each operation names its audience: accepted, and the one its requests
 * (and the merge fields read before them) are for. */
static void
concord_connector_mailchimp_list_async (ConcordConnector    *connector,
                                        const char          *contact_type,
                                        const char          *cursor,
                                        const char          *page_token,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  accept_list (CONCORD_CONNECTOR_MAILCHIMP (connector), contact_type);
  CONCORD_CONNECTOR_CLASS (concord_connector_mailchimp_parent_class)->list_async (
    connector, contact_type, cursor, page_token, cancellable, callback, user_data);
}

static void
concord_connector_mailchimp_fetch_async (ConcordConnector    *connector,
                                         const char          *contact_type,
                                         const char * const  *remote_ids,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  accept_list (CONCORD_CONNECTOR_MAILCHIMP (connector), contact_type);
  CONCORD_CONNECTOR_CLASS (concord_connector_mailchimp_parent_class)->fetch_async (
    connector, contact_type, remote_ids, cancellable, callback, user_data);
}

/* A create: the batch (the base's), then, for each member Mailchimp said
 * already exists (archived, or added since the listing), a PUT upsert by
 * hash with status_if_new and never status, so the contact's fields land
 * and the member's status stays as it is. */
typedef struct
{
  GPtrArray *records;   /* (owned): the inputs */
  GPtrArray *results;   /* (owned): the batch's, replaced as upserts answer */
  GArray    *pending;   /* (owned): guint input indices to upsert */
  guint      next;
  GPtrArray *refused;   /* (owned): of the upsert being sent, key and reason pairs */
} CreateState;

static void
create_state_free (CreateState *state)
{
  g_ptr_array_unref (state->records);
  g_clear_pointer (&state->results, g_ptr_array_unref);
  g_array_unref (state->pending);
  g_clear_pointer (&state->refused, g_ptr_array_unref);
  g_free (state);
}

static void upsert_next (GTask *task);

static void
replace_result (CreateState        *state,
                guint               index,
                ConcordWriteResult *result)
{
  for (guint i = 0; i < state->results->len; i++)
    if (((ConcordWriteResult *) g_ptr_array_index (state->results, i))->index == index)
      {
        concord_write_result_free (g_ptr_array_index (state->results, i));
        state->results->pdata[i] = result;
        return;
      }
  g_ptr_array_add (state->results, result);
}

static void
on_upsert_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorMailchimp *self = g_task_get_source_object (task);
  CreateState *state = g_task_get_task_data (task);
  guint index = g_array_index (state->pending, guint, state->next);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(ConcordRecord) record = NULL;
  GError *error = NULL;

  root = concord_http_client_send_json_finish (self->client, result, NULL, NULL, &error);
  if (error == NULL && (record = parse_member (self, root_object (root))) == NULL)
    error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                 "PUT /lists/{id}/members/{hash}: the answer holds no member");
  if (error != NULL && concord_rest_error_is_fatal (error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (error != NULL)
    replace_result (state, index, concord_write_result_new_error (index, error));
  else
    {
      const char *wanted = concord_record_get_text (g_ptr_array_index (state->records, index),
                                                    CONCORD_FIELD_STATUS);
      const char *got = concord_record_get_text (record, CONCORD_FIELD_STATUS);
      ConcordWriteResult *written;

      if (wanted != NULL && g_strcmp0 (concord_connector_mailchimp_status_for_new (wanted),
                                       concord_connector_mailchimp_status_for_new (got)) != 0)
        refuse (state->refused, CONCORD_FIELD_STATUS,
                g_strdup ("The member was already in the audience; Concord changes an existing "
                          "member's status only to unsubscribe it"));
      written = concord_write_result_new_ok (index, record);

      for (guint i = 0; i + 1 < state->refused->len; i += 2)
        concord_write_result_add_refused (written, g_ptr_array_index (state->refused, i),
                                          g_ptr_array_index (state->refused, i + 1));
      replace_result (state, index, written);
    }
  state->next++;
  upsert_next (g_steal_pointer (&task));
}

/* Takes the reference on @task. */
static void
upsert_next (GTask *task)
{
  ConcordConnectorMailchimp *self = g_task_get_source_object (task);
  CreateState *state = g_task_get_task_data (task);
  const ConcordRecord *record;
  const char *email;
  const char *status;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *path = NULL;

  if (state->next >= state->pending->len)
    {
      g_task_return_pointer (task, g_steal_pointer (&state->results),
                             (GDestroyNotify) g_ptr_array_unref);
      g_object_unref (task);
      return;
    }

  record = g_ptr_array_index (state->records, g_array_index (state->pending, guint, state->next));
  email = concord_record_get_text (record, CONCORD_FIELD_EMAIL);
  status = concord_record_get_text (record, CONCORD_FIELD_STATUS);
  hash = concord_connector_mailchimp_subscriber_hash (email);
  path = member_path (self->list_id, hash, "?skip_merge_validation=true");

  g_clear_pointer (&state->refused, g_ptr_array_unref);
  state->refused = g_ptr_array_new_with_free_func (g_free);
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "email_address");
  json_builder_add_string_value (builder, email);
  json_builder_set_member_name (builder, "status_if_new");
  json_builder_add_string_value (builder, concord_connector_mailchimp_status_for_new (status));
  /* An unsubscribe always reaches an existing member; nothing else does. */
  if (g_strcmp0 (concord_connector_mailchimp_status_for_new (status), "unsubscribed") == 0)
    {
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, "unsubscribed");
    }
  add_merge_fields (self, builder, record, NULL, state->refused);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  /* Tags go on new members only; this one is not. */
  if (concord_record_get (record, CONCORD_FIELD_TAGS) != NULL)
    refuse (state->refused, CONCORD_FIELD_TAGS,
            g_strdup ("The member was already in the audience; Concord writes its tags on the "
                      "next sync"));

  concord_http_client_send_json_async (self->client,
                                       new_request ("PUT", path, "PUT /lists/{id}/members/{hash}",
                                                    body),
                                       g_task_get_cancellable (task), on_upsert_cb, task);
}

static void
on_batch_created_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (object);
  CreateState *state = g_task_get_task_data (task);
  GError *error = NULL;
  GHashTableIter iter;
  gpointer key;

  state->results = g_task_propagate_pointer (G_TASK (result), &error);
  if (state->results == NULL)
    {
      g_hash_table_remove_all (self->existing);
      g_task_return_error (task, error);
      return;
    }

  g_hash_table_iter_init (&iter, self->existing);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      guint index = GPOINTER_TO_UINT (key) - 1;

      if (index < state->records->len)
        g_array_append_val (state->pending, index);
    }
  g_hash_table_remove_all (self->existing);
  upsert_next (g_steal_pointer (&task));
}

static void
concord_connector_mailchimp_create_async (ConcordConnector    *connector,
                                          const char          *contact_type,
                                          GPtrArray           *records,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (connector);
  GTask *task = concord_connector_task_new (connector, concord_connector_mailchimp_create_async,
                                            cancellable, callback, user_data);
  CreateState *state = g_new0 (CreateState, 1);

  state->records = g_ptr_array_ref (records);
  state->pending = g_array_new (FALSE, FALSE, sizeof (guint));
  g_task_set_task_data (task, state, (GDestroyNotify) create_state_free);
  g_hash_table_remove_all (self->existing);

  accept_list (self, contact_type);
  CONCORD_CONNECTOR_CLASS (concord_connector_mailchimp_parent_class)->create_async (
    connector, contact_type, records, cancellable, on_batch_created_cb, task);
}

static void
concord_connector_mailchimp_update_async (ConcordConnector    *connector,
                                          const char          *contact_type,
                                          GPtrArray           *changes,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  accept_list (CONCORD_CONNECTOR_MAILCHIMP (connector), contact_type);
  CONCORD_CONNECTOR_CLASS (concord_connector_mailchimp_parent_class)->update_async (
    connector, contact_type, changes, cancellable, callback, user_data);
}

static const ConcordRestAppTraits traits = {
  .app_id = MC_APP_ID,
  .app_name = MC_APP_NAME,
  .contact_type = NULL,
  .contact_type_label = NULL,
  .flags = CONCORD_CONNECTOR_INCREMENTAL | CONCORD_CONNECTOR_MODIFIED_TIMES,
  .page_size = PAGE_LIMIT,
  .rate_budget = RATE_BUDGET,
};

static guint
concord_connector_mailchimp_get_page_size (ConcordConnector *connector)
{
  return CONCORD_CONNECTOR_MAILCHIMP (connector)->page_limit;
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_connector_mailchimp_dispose (GObject *object)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (object);

  g_clear_object (&self->client);
  g_clear_pointer (&self->fields_by_tag, g_hash_table_unref);
  g_clear_pointer (&self->fields_by_key, g_hash_table_unref);
  g_clear_pointer (&self->fields, g_ptr_array_unref);
  g_clear_pointer (&self->fields_list, g_free);
  g_clear_pointer (&self->audiences, g_ptr_array_unref);
  g_clear_pointer (&self->list_id, g_free);
  g_clear_pointer (&self->first_id, g_free);

  G_OBJECT_CLASS (concord_connector_mailchimp_parent_class)->dispose (object);
}

static void
concord_connector_mailchimp_finalize (GObject *object)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (object);

  g_hash_table_unref (self->accepted);
  g_hash_table_unref (self->existing);

  G_OBJECT_CLASS (concord_connector_mailchimp_parent_class)->finalize (object);
}

static void
concord_connector_mailchimp_class_init (ConcordConnectorMailchimpClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ConcordConnectorClass *connector_class = CONCORD_CONNECTOR_CLASS (klass);
  ConcordRestConnectorClass *rest_class = CONCORD_REST_CONNECTOR_CLASS (klass);

  object_class->dispose = concord_connector_mailchimp_dispose;
  object_class->finalize = concord_connector_mailchimp_finalize;

  connector_class->list_contact_types = concord_connector_mailchimp_list_contact_types;
  connector_class->list_contact_types_async = concord_connector_mailchimp_list_contact_types_async;
  connector_class->load_schema_async = concord_connector_mailchimp_load_schema_async;
  connector_class->get_page_size = concord_connector_mailchimp_get_page_size;
  connector_class->list_async = concord_connector_mailchimp_list_async;
  connector_class->fetch_async = concord_connector_mailchimp_fetch_async;
  connector_class->create_async = concord_connector_mailchimp_create_async;
  connector_class->update_async = concord_connector_mailchimp_update_async;

  rest_class->traits = &traits;
  rest_class->build_list_request = concord_connector_mailchimp_build_list_request;
  rest_class->parse_page = concord_connector_mailchimp_parse_page;
  rest_class->record_from_json = concord_connector_mailchimp_record_from_json;
  rest_class->build_fetch_request = concord_connector_mailchimp_build_fetch_request;
  rest_class->create_group_key = concord_connector_mailchimp_create_group_key;
  rest_class->build_create_request = concord_connector_mailchimp_build_create_request;
  rest_class->match_created = concord_connector_mailchimp_match_created;
  rest_class->update_step = concord_connector_mailchimp_update_step;
  rest_class->build_verify_request = concord_connector_mailchimp_build_verify_request;
  rest_class->check_verify_answer = concord_connector_mailchimp_check_verify_answer;
  rest_class->prepare_async = concord_connector_mailchimp_prepare_async;
}

static void
concord_connector_mailchimp_init (ConcordConnectorMailchimp *self)
{
  self->page_limit = PAGE_LIMIT;
  self->max_changed = -1;
  self->since = -1;
  self->accepted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->existing = g_hash_table_new (g_direct_hash, g_direct_equal);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_connector_mailchimp_new:
 * @base_url: the API's root (https://usNN.api.mailchimp.com/3.0, or a mock's)
 * @api_key: the API key; kept in memory only
 *
 * Makes a connector for the thread-default main context of the caller,
 * the only context it may be used on.
 *
 * Returns: (transfer full): a new connector
 */
ConcordConnectorMailchimp *
concord_connector_mailchimp_new (const char *base_url,
                                 const char *api_key)
{
  ConcordConnectorMailchimp *self;

  g_return_val_if_fail (base_url != NULL, NULL);
  g_return_val_if_fail (api_key != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_CONNECTOR_MAILCHIMP, NULL);
  self->client = concord_http_client_new (base_url, MC_APP_NAME);
  concord_http_client_set_auth_basic (self->client, BASIC_USER, api_key);
  concord_http_client_set_limits (self->client, MAX_IN_FLIGHT, CONCORD_HTTP_DEFAULT_MAX_RETRIES,
                                  CONCORD_HTTP_DEFAULT_RETRY_BASE_MS);
  concord_http_client_set_refine_error (self->client, refine_error, NULL);
  concord_rest_connector_set_client (CONCORD_REST_CONNECTOR (self), self->client);
  concord_rest_connector_set_max_batch (CONCORD_REST_CONNECTOR (self), MAX_BATCH);

  return self;
}

/**
 * concord_connector_mailchimp_data_center:
 * @api_key: (nullable): a Mailchimp API key, "<key>-us6"
 *
 * Returns: (transfer full) (nullable): the data centre the key's suffix
 *   names ("us6"), or %NULL with @error for a key without one
 */
char *
concord_connector_mailchimp_data_center (const char  *api_key,
                                         GError     **error)
{
  const char *dash = api_key != NULL ? strrchr (api_key, '-') : NULL;
  gsize length;

  if (dash == NULL || dash == api_key)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "A Mailchimp API key ends with its data centre, such as “-us6”");
      return NULL;
    }

  length = strlen (dash + 1);
  if (length < 2 || length > 10 || !g_ascii_islower (dash[1]))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "A Mailchimp API key ends with its data centre, such as “-us6”");
      return NULL;
    }
  for (const char *c = dash + 1; *c != '\0'; c++)
    if (!g_ascii_islower (*c) && !g_ascii_isdigit (*c))
      {
        g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                             "A Mailchimp data centre has only lower-case letters and digits");
        return NULL;
      }
  for (const char *c = api_key; c < dash; c++)
    if (g_ascii_isspace (*c) || !g_ascii_isprint (*c))
      {
        g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                             "A Mailchimp API key has no spaces");
        return NULL;
      }

  return g_strdup (dash + 1);
}

/**
 * concord_connector_mailchimp_base_url_for:
 * @api_key: a Mailchimp API key, "<key>-us6"
 *
 * Returns: (transfer full) (nullable): https://us6.api.mailchimp.com/3.0,
 *   or %NULL with @error for a key without a data centre
 */
char *
concord_connector_mailchimp_base_url_for (const char  *api_key,
                                          GError     **error)
{
  g_autofree char *dc = concord_connector_mailchimp_data_center (api_key, error);

  return dc != NULL ? g_strdup_printf (CONCORD_MAILCHIMP_BASE_URL_FORMAT, dc) : NULL;
}

/**
 * concord_connector_mailchimp_subscriber_hash:
 * @email: an address
 *
 * Returns: (transfer full): the lower-case hex MD5 of the address, lower
 *   case (ASCII only: the same in every locale) and without the spaces at
 *   its ends: the member's id in Mailchimp
 */
char *
concord_connector_mailchimp_subscriber_hash (const char *email)
{
  g_autofree char *lower = g_ascii_strdown (email != NULL ? email : "", -1);

  g_strstrip (lower);
  return g_compute_checksum_for_string (G_CHECKSUM_MD5, lower, -1);
}

/**
 * concord_connector_mailchimp_status_to_canonical:
 * @status: (nullable): a member's status in Mailchimp
 *
 * Returns: (nullable): the canonical status, %NULL for one Mailchimp does
 *   not have
 */
const char *
concord_connector_mailchimp_status_to_canonical (const char *status)
{
  for (guint i = 0; status != NULL && i < G_N_ELEMENTS (status_names); i++)
    if (g_ascii_strcasecmp (status_names[i].api, status) == 0)
      return status_names[i].canonical;
  return NULL;
}

/**
 * concord_connector_mailchimp_status_for_new:
 * @canonical: (nullable): a canonical status
 *
 * Returns: the status a new member gets for it (status_if_new): never
 *   "subscribed" for a suppressed contact, nor without a status at all
 */
const char *
concord_connector_mailchimp_status_for_new (const char *canonical)
{
  for (guint i = 0; canonical != NULL && i < G_N_ELEMENTS (status_new); i++)
    if (g_ascii_strcasecmp (status_new[i].canonical, canonical) == 0)
      return status_new[i].api;
  return "transactional";
}

/**
 * concord_connector_mailchimp_set_retry_base_ms:
 * @base_ms: the first retry's delay, doubled for each further retry
 *
 * For tests, so that retries do not take seconds.
 */
void
concord_connector_mailchimp_set_retry_base_ms (ConcordConnectorMailchimp *self,
                                               guint                      base_ms)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_MAILCHIMP (self));

  concord_http_client_set_limits (self->client, MAX_IN_FLIGHT, CONCORD_HTTP_DEFAULT_MAX_RETRIES,
                                  base_ms);
}

/**
 * concord_connector_mailchimp_set_page_limit:
 * @limit: members a page, 1 to 1000
 *
 * For tests: paging without thousands of members.
 */
void
concord_connector_mailchimp_set_page_limit (ConcordConnectorMailchimp *self,
                                            guint                      limit)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR_MAILCHIMP (self));
  g_return_if_fail (limit > 0 && limit <= PAGE_LIMIT);

  self->page_limit = limit;
}
