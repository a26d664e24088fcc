/* concord-connector-hubspot-properties.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * HubSpot's contact properties (see concord-connector-hubspot.c): reading
 * a contact's properties into a record, and reading the account's property
 * definitions (GET /crm/v3/properties/contacts) into the fields Concord
 * maps, with their types and options.
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

/* ------------------------------------------------------------------------- */
/* Reading a contact                                                         */
/* ------------------------------------------------------------------------- */

/* Stores @text as a value of @property's type when that type needs
 * more than text; TRUE when done with it (stored or dropped), FALSE to
 * store it as text. */
static gboolean
set_typed_value (ConcordRecord          *record,
                 ConcordHubspotProperty *property,
                 const char             *text,
                 gboolean                repaired)
{
  switch (property->type)
    {
    case CONCORD_FIELD_TYPE_EMAIL:
      if (strlen (text) > MAX_EMAIL_BYTES)
        {
          /* Longer than any address: kept cut and marked, so it neither
           * matches nor creates. */
          g_autofree char *cut = concord_http_cut_text (text, MAX_EMAIL_BYTES);

          concord_rest_record_set_text (record, property->key, property->type, cut, TRUE);
          return TRUE;
        }
      break;

    case CONCORD_FIELD_TYPE_NUMBER:
      {
        char *end = NULL;
        double number = g_ascii_strtod (text, &end);

        if (end != text && *end == '\0')
          concord_record_set_number (record, property->key, number);
        return TRUE;
      }

    case CONCORD_FIELD_TYPE_BOOLEAN:
      if (g_ascii_strcasecmp (text, "true") == 0 || g_ascii_strcasecmp (text, "false") == 0)
        concord_record_set_boolean (record, property->key,
                                    g_ascii_strcasecmp (text, "true") == 0);
      return TRUE;

    case CONCORD_FIELD_TYPE_DATETIME:
      {
        gint64 ms = _concord_hubspot_parse_ms (text);

        if (ms >= 0)
          concord_record_set_datetime (record, property->key, ms / 1000);
        return TRUE;
      }

    case CONCORD_FIELD_TYPE_DATE:
      {
        gint64 ms;

        /* Midnight UTC in epoch ms, or the date itself. */
        if (strlen (text) > 10 && (ms = _concord_hubspot_parse_ms (text)) >= 0)
          {
            g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (ms / 1000);
            g_autofree char *date = when != NULL ? g_date_time_format (when, "%Y-%m-%d") : NULL;

            if (date != NULL)
              concord_rest_record_set_text (record, property->key, property->type, date, FALSE);
            return TRUE;
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
          return TRUE;
        g_ptr_array_add (values, NULL);
        concord_record_set_set (record, property->key, (const char * const *) values->pdata);
        if (repaired)
          concord_record_mark_altered (record, property->key);
        return TRUE;
      }

    default:
      break;
    }

  return FALSE;
}

static void
read_property (ConcordRecord          *record,
               ConcordHubspotProperty *property,
               JsonNode               *node)
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
      text = _concord_hubspot_member_text (wrapper, "v");
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

  if (set_typed_value (record, property, text, repaired))
    return;

  concord_rest_record_set_text (record, property->key, property->type, text, repaired);
}

/* A contact (SimplePublicObject) as a record; NULL (skipped) when it has
 * no usable id or is archived. A value repaired on the way in is marked
 * altered, so it is never written across. */
ConcordRecord *
_concord_hubspot_parse_contact (ConcordConnectorHubspot *self,
                                JsonObject              *object)
{
  g_autoptr(ConcordRecord) record = NULL;
  g_autofree char *id = NULL;
  g_autofree char *updated = NULL;
  JsonObject *properties;
  JsonNode *archived;
  gint64 modified;

  if (object == NULL || (id = _concord_hubspot_node_id (json_object_get_member (object, "id"))) == NULL)
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
          ConcordHubspotProperty *property = g_hash_table_lookup (self->by_name, name);

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

  updated = _concord_hubspot_member_text (properties, "lastmodifieddate");
  if (updated == NULL)
    updated = _concord_hubspot_member_text (object, "updatedAt");
  modified = _concord_hubspot_parse_ms (updated);
  if (modified >= 0)
    concord_record_set_modified (record, modified / 1000);

  return g_steal_pointer (&record);
}

/* The lastmodifieddate of a contact, epoch ms, -1. */
gint64
_concord_hubspot_contact_modified_ms (JsonObject *object)
{
  g_autofree char *updated = _concord_hubspot_member_text (concord_rest_json_object (object, "properties"),
                                                           "lastmodifieddate");

  if (updated == NULL)
    updated = _concord_hubspot_member_text (object, "updatedAt");
  return _concord_hubspot_parse_ms (updated);
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
static ConcordHubspotProperty *
property_from_json (JsonObject *item)
{
  g_autofree char *name = _concord_hubspot_member_text (item, "name");
  g_autofree char *label = NULL;
  g_autofree char *type = _concord_hubspot_member_text (item, "type");
  g_autofree char *field_type = _concord_hubspot_member_text (item, "fieldType");
  JsonNode *options_node = json_object_get_member (item, "options");
  gboolean hubspot_defined = member_true (item, "hubspotDefined");
  const char *key = NULL;
  ConcordFieldType standard_type = CONCORD_FIELD_TYPE_STRING;
  ConcordHubspotProperty *property;
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

  label = _concord_hubspot_member_text (item, "label");
  if (label == NULL || *g_strstrip (label) == '\0')
    {
      g_free (label);
      label = g_strdup (name);
    }

  property = g_new0 (ConcordHubspotProperty, 1);
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
          value = _concord_hubspot_member_text (json_node_get_object (option), "value");
          option_label = _concord_hubspot_member_text (json_node_get_object (option), "label");
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
      ConcordHubspotProperty *property = g_ptr_array_index (self->properties, i);
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
      ConcordHubspotProperty *property = g_ptr_array_index (self->properties, i);

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
  JsonArray *array = _concord_hubspot_results_array (root, "GET " PATH_PROPERTIES, error);

  if (array == NULL)
    return FALSE;

  g_clear_pointer (&self->properties, g_ptr_array_unref);
  self->properties = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_hubspot_property_free);
  for (guint i = 0; i < json_array_get_length (array) && i < MAX_PROPERTIES; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      ConcordHubspotProperty *property = JSON_NODE_HOLDS_OBJECT (node)
                           ? property_from_json (json_node_get_object (node)) : NULL;

      /* The first of one name wins. */
      for (guint j = 0; property != NULL && j < self->properties->len; j++)
        if (g_str_equal (((ConcordHubspotProperty *) g_ptr_array_index (self->properties, j))->name,
                         property->name))
          g_clear_pointer (&property, _concord_hubspot_property_free);
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
  array = _concord_hubspot_results_array (root, "fuzz", &error);
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autoptr(ConcordRecord) record = JSON_NODE_HOLDS_OBJECT (node)
                                        ? _concord_hubspot_parse_contact (self, json_node_get_object (node)) : NULL;

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
            g_autoptr(GError) one = _concord_hubspot_error_from_object (json_node_get_object (node), "fuzz");
            g_autofree char *id = _concord_hubspot_existing_id (json_node_get_object (node));
            g_autofree char *trace = _concord_hubspot_context_value (json_node_get_object (node),
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
void
_concord_hubspot_ensure_properties_async (ConcordConnectorHubspot *self,
                                          gboolean                 force,
                                          GCancellable            *cancellable,
                                          GAsyncReadyCallback      callback,
                                          gpointer                 user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, _concord_hubspot_ensure_properties_async);
  if (!force && self->properties != NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  concord_http_client_send_json_async (self->client,
                                       _concord_hubspot_new_request ("GET", PATH_PROPERTIES "?archived=false",
                                                                     "GET " PATH_PROPERTIES, NULL),
                                                        cancellable, on_properties_cb, task);
}

void
concord_connector_hubspot_prepare_async (ConcordRestConnector *connector,
                                         ConcordRestOperation  operation,
                                         const char           *page_token,
                                         GPtrArray            *inputs,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data)
{
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (connector);

  _concord_hubspot_ensure_properties_async (self, operation == CONCORD_REST_LIST && page_token == NULL,
                                            cancellable, callback, user_data);
}
