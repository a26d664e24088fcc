/* concord-connector-pipedrive-read.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Reading Pipedrive persons (see concord-connector-pipedrive.c): a person
 * object as a record (its email and phone items, its custom fields), and
 * the requests and pages of listing, fetching and verifying.
 */

#define G_LOG_DOMAIN "concord-connector-pipedrive"

#include "config.h"

#include <string.h>
#include "concord-connector-pipedrive.h"
#include "concord-connector-pipedrive-private.h"
#include "concord-error.h"
#include "concord-json-private.h"
#include "concord-rest-connector.h"

/* ------------------------------------------------------------------------- */
/* Reading a person                                                          */
/* ------------------------------------------------------------------------- */

/* A boolean member that is true; anything else (missing, null, a string,
 * an object: a hostile answer) is false. json-glib's own getter is
 * critical on a member that is not a value. */
gboolean
_concord_pipedrive_get_flag (JsonObject *object,
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
      label = _concord_pipedrive_member_text (item, "label");
      folded = concord_label_normalize (label != NULL && *label != '\0' ? label
                                                                        : CONCORD_LABEL_OTHER);
      if (primary == NULL && _concord_pipedrive_get_flag (item, "primary"))
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
  g_autofree char *value = _concord_pipedrive_member_text (object, "value");
  g_autofree char *currency = _concord_pipedrive_member_text (object, "currency");
  g_autofree char *start = NULL;
  g_autofree char *end = NULL;

  if (value != NULL && currency != NULL)
    return g_strdup_printf ("%s %s", value, currency);
  if (value != NULL)
    return g_steal_pointer (&value);

  start = _concord_pipedrive_member_text (object, "start");
  end = _concord_pipedrive_member_text (object, "end");
  if (start != NULL || end != NULL)
    return g_strdup_printf ("%s – %s", start != NULL ? start : "", end != NULL ? end : "");
  return _concord_pipedrive_member_text (object, "formatted_address");
}

/* The option label of @id, or @id itself when the field has no such option. */
static const char *
option_label (ConcordPipedrivePersonField *field,
              const char                  *id)
{
  const char *label = field->options != NULL ? g_hash_table_lookup (field->options, id) : NULL;

  return label != NULL ? label : id;
}

static void
read_custom_field (ConcordRecord               *record,
                   ConcordPipedrivePersonField *field,
                   JsonNode                    *node)
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
              g_autofree char *id = _concord_pipedrive_node_id (json_array_get_element (array, i));

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
      g_autofree char *id = _concord_pipedrive_node_id (node);

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
      text = _concord_pipedrive_member_text (wrapper, "v");
    }
  concord_rest_record_set_text (record, field->name, field->type, text, repaired);
}

/* The labels of a person (label_ids) as its tags. */
static void
read_tags (ConcordConnectorPipedrive *self,
           ConcordRecord             *record,
           JsonObject                *object)
{
  JsonNode *node = json_object_get_member (object, "label_ids");

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node) && self->labels != NULL)
    {
      JsonArray *array = json_node_get_array (node);
      g_autoptr(GPtrArray) tags = g_ptr_array_new ();

      for (guint i = 0; i < json_array_get_length (array) && i < 1000; i++)
        {
          g_autofree char *label_id = _concord_pipedrive_node_id (json_array_get_element (array, i));
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
}

/* When a person was added and last updated, and so when it was modified. */
static void
read_times (ConcordRecord *record,
            JsonObject    *object)
{
  g_autofree char *added = _concord_pipedrive_member_text (object, "add_time");
  g_autofree char *updated = _concord_pipedrive_member_text (object, "update_time");
  gint64 modified = -1;
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

/* A person as a record; NULL (skipped) when it has no usable id or is
 * deleted. A value repaired on the way in is marked altered, so it is
 * never written across. */
ConcordRecord *
_concord_pipedrive_parse_person (ConcordConnectorPipedrive *self,
                                 JsonObject                *object)
{
  g_autoptr(ConcordRecord) record = NULL;
  g_autofree char *id = NULL;
  g_autofree char *org_id = NULL;
  g_autofree char *status = NULL;
  g_autofree char *name = NULL;
  JsonObject *custom;
  JsonNode *node;

  if (object == NULL || (id = _concord_pipedrive_node_id (json_object_get_member (object, "id"))) == NULL)
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
  else if ((org_id = _concord_pipedrive_node_id (node)) != NULL && self->orgs != NULL &&
           (name = g_strdup (g_hash_table_lookup (self->orgs, org_id))) != NULL)
    concord_rest_record_set_text (record, CONCORD_FIELD_COMPANY, CONCORD_FIELD_TYPE_STRING, name,
                                  strstr (name, "\xef\xbf\xbd") != NULL);

  read_tags (self, record, object);

  status = _concord_pipedrive_member_text (object, "marketing_status");
  if (status != NULL)
    concord_rest_record_set_text (record, CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM,
                                  _concord_pipedrive_status_to_canonical (status) != NULL
                                  ? _concord_pipedrive_status_to_canonical (status) : status, FALSE);

  read_times (record, object);

  custom = concord_rest_json_object (object, "custom_fields");
  if (custom != NULL && self->fields_by_key != NULL)
    {
      JsonObjectIter iter;
      const char *key;
      JsonNode *value;

      json_object_iter_init (&iter, custom);
      while (json_object_iter_next (&iter, &key, &value))
        {
          ConcordPipedrivePersonField *field = g_hash_table_lookup (self->fields_by_key, key);

          if (field != NULL)
            read_custom_field (record, field, value);
        }
    }

  return g_steal_pointer (&record);
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

ConcordHttpRequest *
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
      g_autofree char *since = _concord_pipedrive_format_time (self->since);
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

gboolean
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

  array = _concord_pipedrive_envelope_array (root, "GET /api/v2/persons", &empty, error);
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
                              ? _concord_pipedrive_parse_person (self, json_node_get_object (node)) : NULL;
      gint64 updated;

      if (record == NULL)
        continue;
      updated = concord_record_get_modified (record);
      self->max_update = MAX (self->max_update, updated);
      g_ptr_array_add (page->records, record);
    }

  next = _concord_pipedrive_member_text (concord_rest_json_object (json_node_get_object (root), "additional_data"),
                                         "next_cursor");
  /* The next listing's cursor: the latest change read (≥ overlaps it),
   * or where this one started, and when the last full listing was. */
  latest = _concord_pipedrive_format_time (self->max_update >= 0 ? self->max_update
                                                                 : self->since >= 0 ? self->since : self->full_at);
  sync = g_strdup_printf ("%s;full=%" G_GINT64_FORMAT, latest, self->full_at);
  if (!concord_rest_page_next_token (connector, page, n > 0 ? next : NULL, sync, error))
    return FALSE;
  if (page->next_page == NULL)
    page->complete = self->since < 0;
  return TRUE;
}

ConcordRecord *
concord_connector_pipedrive_record_from_json (ConcordRestConnector *connector,
                                              const char           *contact_type,
                                              JsonNode             *node)
{
  return _concord_pipedrive_parse_person (CONCORD_CONNECTOR_PIPEDRIVE (connector), _concord_pipedrive_unwrap (node));
}

ConcordHttpRequest *
concord_connector_pipedrive_build_fetch_request (ConcordRestConnector *connector,
                                                 const char           *contact_type,
                                                 const char           *remote_id)
{
  g_autofree char *path = NULL;

  /* Not an id Pipedrive gave: a path that finds nothing. */
  path = g_strdup_printf ("/api/v2/persons/%s?include_fields=marketing_status",
                          _concord_pipedrive_is_id (remote_id) ? remote_id : "0");
  return concord_http_request_new ("GET", path, "GET /api/v2/persons/{id}");
}

ConcordHttpRequest *
concord_connector_pipedrive_build_verify_request (ConcordRestConnector *connector)
{
  return concord_http_request_new ("GET", "/v1/users/me", "GET /v1/users/me");
}

gboolean
concord_connector_pipedrive_check_verify_answer (ConcordRestConnector  *connector,
                                                 JsonNode              *root,
                                                 GError               **error)
{
  JsonObject *user = _concord_pipedrive_unwrap (root);

  if (user == NULL || !json_object_has_member (user, "id"))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                           "GET /v1/users/me: the server does not answer like Pipedrive; "
                           "check the company domain");
      return FALSE;
    }
  return TRUE;
}
