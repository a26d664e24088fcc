/* concord-connector-pipedrive-fields.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Pipedrive's side collections (see concord-connector-pipedrive.c): the
 * person fields and organisations, read page by page, and the preparation
 * of a listing or a write that needs them (with the organisations a write
 * creates).
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

  array = _concord_pipedrive_envelope_array (root, read->label, &empty, &error);
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
          _concord_pipedrive_get_flag (pagination, "more_items_in_collection"))
        next = _concord_pipedrive_member_text (pagination, "next_start");
    }
  else
    next = _concord_pipedrive_member_text (additional, "next_cursor");

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
                                       _concord_pipedrive_new_request ("GET", path, read->label, NULL),
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
  g_autofree char *key = _concord_pipedrive_member_text (item, "key");
  g_autofree char *name = NULL;
  g_autofree char *field_type = _concord_pipedrive_member_text (item, "field_type");
  JsonNode *options_node = json_object_get_member (item, "options");
  g_autoptr(GHashTable) options = NULL;
  ConcordPipedrivePersonField *field;

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
          id = _concord_pipedrive_node_id (json_object_get_member (json_node_get_object (option), "id"));
          label = _concord_pipedrive_member_text (json_node_get_object (option), "label");
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

  if (!is_hash_key (key) || (name = _concord_pipedrive_member_text (item, "name")) == NULL ||
      *g_strstrip (name) == '\0')
    return;

  field = g_new0 (ConcordPipedrivePersonField, 1);
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
      ConcordPipedrivePersonField *field = g_ptr_array_index (self->fields, i);
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, field->label));

      g_hash_table_replace (counts, g_strdup (field->label), GUINT_TO_POINTER (n + 1));
    }

  g_clear_pointer (&self->fields_by_key, g_hash_table_unref);
  g_clear_pointer (&self->fields_by_name, g_hash_table_unref);
  self->fields_by_key = g_hash_table_new (g_str_hash, g_str_equal);
  self->fields_by_name = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < self->fields->len; i++)
    {
      ConcordPipedrivePersonField *field = g_ptr_array_index (self->fields, i);
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
  g_autofree char *id = _concord_pipedrive_node_id (json_object_get_member (item, "id"));
  g_autofree char *name = _concord_pipedrive_member_text (item, "name");

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

  array = _concord_pipedrive_envelope_array (root, "fuzz", &empty, &error);
  if (array == NULL)
    return 0;

  g_clear_pointer (&self->fields, g_ptr_array_unref);
  g_clear_pointer (&self->labels, g_hash_table_unref);
  self->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_pipedrive_person_field_free);
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (JSON_NODE_HOLDS_OBJECT (json_array_get_element (array, i)))
      add_person_field (self, json_node_get_object (json_array_get_element (array, i)));
  name_fields (self);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autoptr(ConcordRecord) record = JSON_NODE_HOLDS_OBJECT (node)
                                        ? _concord_pipedrive_parse_person (self, json_node_get_object (node)) : NULL;

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
      JsonObject *org = _concord_pipedrive_unwrap (root);

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
      self->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) _concord_pipedrive_person_field_free);
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
                                           _concord_pipedrive_new_request ("POST", "/api/v2/organizations",
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

void
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
