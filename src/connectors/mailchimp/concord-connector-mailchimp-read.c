/* concord-connector-mailchimp-read.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Reading Mailchimp members (see concord-connector-mailchimp.c): an
 * audience's merge fields as Concord's fields, a member as a record, and
 * the requests and pages of listing, fetching and verifying.
 */

#define G_LOG_DOMAIN "concord-connector-mailchimp"

#include "config.h"

#include <string.h>
#include "concord-connector-mailchimp.h"
#include "concord-connector-mailchimp-private.h"
#include "concord-error.h"
#include "concord-json-private.h"
#include "concord-rest-connector.h"

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
void
_concord_mailchimp_add_merge_field (ConcordConnectorMailchimp *self,
                                    JsonObject                *item)
{
  g_autofree char *tag = _concord_mailchimp_member_text (item, "tag");
  g_autofree char *label = _concord_mailchimp_member_text (item, "name");
  g_autofree char *type_name = _concord_mailchimp_member_text (item, "type");
  JsonObject *options = concord_rest_json_object (item, "options");
  JsonNode *choices = options != NULL ? json_object_get_member (options, "choices") : NULL;
  const char *canonical;
  ConcordMailchimpMergeField *field;

  if (tag == NULL || *g_strstrip (tag) == '\0' || strlen (tag) > 64 ||
      g_hash_table_contains (self->fields_by_tag, tag))
    return;
  if (label == NULL || *g_strstrip (label) == '\0')
    {
      g_free (label);
      label = g_strdup (tag);
    }

  field = g_new0 (ConcordMailchimpMergeField, 1);
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

void
_concord_mailchimp_reset_fields (ConcordConnectorMailchimp *self)
{
  g_clear_pointer (&self->fields_by_tag, g_hash_table_unref);
  g_clear_pointer (&self->fields_by_key, g_hash_table_unref);
  g_clear_pointer (&self->fields, g_ptr_array_unref);
  g_clear_pointer (&self->fields_list, g_free);
  self->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_mailchimp_merge_field_free);
  self->fields_by_tag = g_hash_table_new (g_str_hash, g_str_equal);
  self->fields_by_key = g_hash_table_new (g_str_hash, g_str_equal);
}

/* The merge field a record key is written to: the audience's, or, before
 * the fields are known, the standard tag of a canonical key. */
const char *
_concord_mailchimp_tag_of_key (ConcordConnectorMailchimp   *self,
                               const char                  *key,
                               ConcordMailchimpMergeField **found)
{
  ConcordMailchimpMergeField *field = self->fields_by_key != NULL ? g_hash_table_lookup (self->fields_by_key, key)
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
read_merge_value (ConcordRecord              *record,
                  const char                 *key,
                  ConcordMailchimpMergeField *field,
                  JsonNode                   *node)
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
      text = _concord_mailchimp_member_text (wrapper, "v");
    }
  /* Mailchimp holds an empty merge field as "". */
  if (text == NULL || *g_strstrip (text) == '\0')
    return;
  if (type == CONCORD_FIELD_TYPE_DATE && concord_rest_parse_datetime (text) < 0)
    type = CONCORD_FIELD_TYPE_STRING;
  concord_rest_record_set_text (record, key, type, text, repaired);
}

/* The tags of a member, by name. */
static void
read_tags (ConcordRecord *record,
           JsonObject    *object)
{
  JsonNode *node = json_object_get_member (object, "tags");

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
}

/* When a member signed up (or opted in) and last changed, and so when it
 * was modified. */
static void
read_times (ConcordRecord *record,
            JsonObject    *object)
{
  g_autofree char *signup = _concord_mailchimp_member_text (object, "timestamp_signup");
  g_autofree char *opt = _concord_mailchimp_member_text (object, "timestamp_opt");
  g_autofree char *changed = _concord_mailchimp_member_text (object, "last_changed");
  gint64 modified = -1;
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

/* A member as a record; NULL (skipped) without a usable address. */
ConcordRecord *
_concord_mailchimp_parse_member (ConcordConnectorMailchimp *self,
                                 JsonObject                *object)
{
  g_autoptr(ConcordRecord) record = NULL;
  g_autofree char *email = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *status = NULL;
  gboolean repaired = FALSE;
  JsonObject *merge;

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
          ConcordMailchimpMergeField *field = self->fields_by_tag != NULL
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

  status = _concord_mailchimp_member_text (object, "status");
  if (status != NULL)
    {
      const char *canonical = concord_connector_mailchimp_status_to_canonical (status);

      concord_rest_record_set_text (record, CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM,
                                    canonical != NULL ? canonical : status, FALSE);
    }

  read_tags (record, object);
  read_times (record, object);

  return g_steal_pointer (&record);
}

/* For the fuzz targets (concord-connector-mailchimp-private.h). */
guint
_concord_connector_mailchimp_read_answer (ConcordConnectorMailchimp *self,
                                          JsonNode                  *root)
{
  JsonObject *object = _concord_mailchimp_root_object (root);
  JsonNode *node;
  guint n = 0;

  if (object == NULL)
    return 0;

  _concord_mailchimp_reset_fields (self);
  node = json_object_get_member (object, "merge_fields");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (node)); i++)
      {
        JsonNode *item = json_array_get_element (json_node_get_array (node), i);

        if (JSON_NODE_HOLDS_OBJECT (item))
          _concord_mailchimp_add_merge_field (self, json_node_get_object (item));
      }

  node = json_object_get_member (object, "members");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (node)); i++)
      {
        JsonNode *item = json_array_get_element (json_node_get_array (node), i);
        g_autoptr(ConcordRecord) record = JSON_NODE_HOLDS_OBJECT (item)
                                          ? _concord_mailchimp_parse_member (self, json_node_get_object (item))
                                          : NULL;

        if (record != NULL)
          {
            g_assert (_concord_mailchimp_is_hash (concord_record_get_remote_id (record)));
            n++;
          }
      }
  return n;
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

ConcordHttpRequest *
concord_connector_mailchimp_build_list_request (ConcordRestConnector  *connector,
                                                const char            *contact_type,
                                                const char            *page_token,
                                                GError               **error)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (connector);
  const char *cursor = concord_rest_connector_get_listing_cursor (connector);
  g_autoptr(GString) path = g_string_new (NULL);

  /* The first page decides, for the whole listing: _concord_mailchimp_changes since the
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
      g_autofree char *since = _concord_mailchimp_format_time (self->since);
      g_autofree char *escaped = g_uri_escape_string (since, NULL, FALSE);

      g_string_append_printf (path, "&since_last_changed=%s&sort_field=last_changed&sort_dir=ASC",
                              escaped);
    }

  return concord_http_request_new ("GET", path->str, "GET /lists/{id}/members");
}

gboolean
concord_connector_mailchimp_parse_page (ConcordRestConnector  *connector,
                                        const char            *contact_type,
                                        const char            *page_token,
                                        JsonNode              *root,
                                        SoupMessageHeaders    *headers,
                                        ConcordPage           *page,
                                        GError               **error)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (connector);
  JsonObject *answer = _concord_mailchimp_root_object (root);
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
                              ? _concord_mailchimp_parse_member (self, json_node_get_object (node)) : NULL;

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

  total = _concord_mailchimp_read_total (answer);
  if (_concord_mailchimp_has_next_page (offset, n, self->page_limit, total))
    next = g_strdup_printf ("%u", offset + n);

  /* The next listing's cursor: the latest change read (since_last_changed
   * is "after": one second back overlaps it), or where this one started,
   * and when the last full listing was. */
  latest = _concord_mailchimp_format_time (self->max_changed >= 0 ? MAX (self->max_changed - 1, 0)
                                                                  : self->since >= 0 ? self->since : self->full_at);
  sync = g_strdup_printf ("%s;full=%" G_GINT64_FORMAT, latest, self->full_at);
  if (!concord_rest_page_next_token (connector, page, next, sync, error))
    return FALSE;
  if (page->next_page == NULL)
    page->complete = self->since < 0;
  return TRUE;
}

ConcordRecord *
concord_connector_mailchimp_record_from_json (ConcordRestConnector *connector,
                                              const char           *contact_type,
                                              JsonNode             *node)
{
  return _concord_mailchimp_parse_member (CONCORD_CONNECTOR_MAILCHIMP (connector),
                                          _concord_mailchimp_root_object (node));
}

ConcordHttpRequest *
concord_connector_mailchimp_build_fetch_request (ConcordRestConnector *connector,
                                                 const char           *contact_type,
                                                 const char           *remote_id)
{
  g_autofree char *path = NULL;

  /* Not a hash: a path that finds nothing. */
  path = g_strdup_printf ("/lists/%s/members/%s", contact_type,
                          _concord_mailchimp_is_hash (remote_id) ? remote_id : NO_SUCH_HASH);
  return concord_http_request_new ("GET", path, "GET /lists/{id}/members/{hash}");
}

ConcordHttpRequest *
concord_connector_mailchimp_build_verify_request (ConcordRestConnector *connector)
{
  return concord_http_request_new ("GET", "/ping", "GET /ping");
}

gboolean
concord_connector_mailchimp_check_verify_answer (ConcordRestConnector  *connector,
                                                 JsonNode              *root,
                                                 GError               **error)
{
  JsonObject *object = _concord_mailchimp_root_object (root);

  if (object == NULL || !json_object_has_member (object, "health_status"))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                           "GET /ping: the server does not answer like Mailchimp; check the "
                           "server address");
      return FALSE;
    }
  return TRUE;
}
