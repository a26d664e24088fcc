/* concord-json-connector.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * An app made from a connector description (docs/connector-descriptions.md),
 * no C of its own: ConcordRestConnector does the listing with its guards,
 * parallel fetch by id, chunked creates with 413 halving and per-record
 * results; ConcordHttpClient the authentication (only to the base URL's
 * origin), the in-flight limit, retries with Retry-After, the rate-limit
 * headers and bounded, repaired answers. This file turns the description
 * into requests and reads answers through its compiled paths.
 *
 * Reading. A page's records are the array at list.records; an element that
 * is not an object, or has no id, fails the page (a listing with a record
 * Concord cannot read is not complete, and absence would be taken for a
 * deletion). Records the "where" filter leaves out are not contacts and
 * are skipped. Text is repaired and cut (marked altered, so it is never
 * written across or matched); an email longer than any address is cut and
 * marked. Emails and phones with "items" become the single field (the
 * primary, else the first) and the labelled set.
 *
 * Incremental listings (modified_since): the cursor is the latest
 * modification time seen, in Unix seconds; the next listing asks from it
 * less the overlap. With sync_token, the cursor is the app's token.
 *
 * Custom fields are read from the definitions endpoint before a listing's
 * first page, a schema load, and the first fetch or write; they are named
 * "custom:<name>" (a second field of one name gets its id after it), typed
 * by the description's map (other types are left out), with options as
 * choices and their labels as choice labels. Values are written back with
 * the definition's id as the app wrote it.
 *
 * Updates. "partial": only the fields of the change; but a change of the
 * email or phone alone, where the app holds an array of them, reads the
 * record first so that the other items are kept. "full": the record is
 * read first and sent whole, the change applied to it.
 *
 * Hooks are called only when the description lists them.
 */

#define G_LOG_DOMAIN "concord-json-connector"

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-json-connector.h"
#include "concord-json-connector-private.h"
#include "concord-json-hooks.h"
#include "concord-json-private.h"

#define MAX_VALUE_BYTES      (64 * 1024)
#define MAX_EMAIL_BYTES      254
#define MAX_ERROR_BODY_BYTES (64 * 1024)
#define MAX_ERROR_CHARS      200
#define MAX_ITEMS            100
#define MAX_CUSTOM_FIELDS    2000
#define MAX_CONTACT_TYPES    1000

typedef struct
{
  char             *id;        /* (owned): as text */
  JsonNode         *id_node;   /* (owned): as the app wrote it */
  char             *key;       /* (owned): "custom:<name>" */
  char             *name;      /* (owned) */
  ConcordFieldType  type;
  gboolean          read_only;
  GPtrArray        *values;    /* (owned) (nullable): option values, text */
  GPtrArray        *labels;    /* (owned) (nullable): their labels */
  GPtrArray        *nodes;     /* (owned) (nullable): option values as the app wrote them */
} CustomDef;

typedef struct
{
  GPtrArray  *defs;      /* CustomDef */
  GHashTable *by_id;     /* id → CustomDef */
  GHashTable *by_key;    /* key → CustomDef */
} CustomSet;

struct _ConcordJsonConnector
{
  ConcordRestConnector  parent_instance;

  ConcordDescription   *description;  /* (owned) */
  JsonObject           *values;       /* (owned): the account's options and derived values */
  ConcordHttpClient    *client;       /* (owned): also the base's */
  GHashTable           *customs;      /* (owned): contact type → CustomSet */
  GPtrArray            *types;        /* (owned) (nullable): discovered ConcordContactType */
  guint                 page_size;    /* 0: the description's */
  char                 *operation_type; /* (owned) (nullable): the last operation's contact type */
  char                 *secret;       /* (owned): only to scrub it from the app's messages; wiped */
  gint64                max_modified; /* the latest modification of the listing, -1 */
};

G_DEFINE_FINAL_TYPE (ConcordJsonConnector, concord_json_connector, CONCORD_TYPE_REST_CONNECTOR)

static void note_type (ConcordJsonConnector *self,
                       const char           *contact_type);

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void
custom_def_free (CustomDef *def)
{
  g_free (def->id);
  g_clear_pointer (&def->id_node, json_node_unref);
  g_free (def->key);
  g_free (def->name);
  g_clear_pointer (&def->values, g_ptr_array_unref);
  g_clear_pointer (&def->labels, g_ptr_array_unref);
  g_clear_pointer (&def->nodes, g_ptr_array_unref);
  g_free (def);
}

static void
custom_set_free (CustomSet *set)
{
  g_ptr_array_unref (set->defs);
  g_hash_table_unref (set->by_id);
  g_hash_table_unref (set->by_key);
  g_free (set);
}

static const ConcordDescContactType *
find_type (ConcordJsonConnector *self,
           const char           *contact_type)
{
  return concord_description_find_type (self->description, contact_type);
}

static const ConcordJsonHook *
hook (ConcordJsonConnector *self,
      const char           *name)
{
  return concord_description_uses_hook (self->description, name)
         ? concord_json_hooks_lookup (name) : NULL;
}

static guint
page_size_of (ConcordJsonConnector          *self,
              const ConcordDescContactType  *type)
{
  return self->page_size > 0 ? MIN (self->page_size, type->page_size) : type->page_size;
}

/* The text of a JSON value (strings repaired and cut). */
static char *
node_text (JsonNode  *node,
           gsize      max_bytes,
           gboolean  *repaired)
{
  static const ConcordDescPath whole = { (char *) "", 0, NULL, NULL };

  return concord_desc_path_get_text (&whole, node, max_bytes, repaired);
}

static gboolean
matches_where (JsonObject *where,
               JsonNode   *node)
{
  g_autoptr(GList) members = NULL;

  if (where == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;

  members = json_object_get_members (where);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *want = json_object_get_member (where, l->data);
      JsonNode *have = json_object_get_member (json_node_get_object (node), l->data);
      g_autofree char *want_text = node_text (want, MAX_VALUE_BYTES, NULL);
      gboolean found = FALSE;

      if (have != NULL && JSON_NODE_HOLDS_ARRAY (have))
        {
          JsonArray *array = json_node_get_array (have);

          for (guint i = 0; !found && i < json_array_get_length (array); i++)
            {
              g_autofree char *text = node_text (json_array_get_element (array, i),
                                                 MAX_VALUE_BYTES, NULL);

              found = g_strcmp0 (text, want_text) == 0;
            }
        }
      else if (have != NULL)
        {
          g_autofree char *text = node_text (have, MAX_VALUE_BYTES, NULL);

          found = g_strcmp0 (text, want_text) == 0;
        }
      if (!found)
        return FALSE;
    }
  return TRUE;
}

/* A template's copy with its strings filled. */
static JsonNode *
fill_node (ConcordJsonConnector  *self,
           JsonNode              *node,
           const char            *contact_type,
           GError               **error)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(JsonObject) copy = json_object_new ();
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *filled = fill_node (self, json_object_get_member (object, l->data),
                                        contact_type, error);

          if (filled == NULL)
            return NULL;
          json_object_set_member (copy, l->data, filled);
        }
      return json_node_init_object (json_node_alloc (), copy);
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      g_autoptr(JsonArray) copy = json_array_new ();

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *filled = fill_node (self, json_array_get_element (array, i), contact_type,
                                        error);

          if (filled == NULL)
            return NULL;
          json_array_add_element (copy, filled);
        }
      return json_node_init_array (json_node_alloc (), copy);
    }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_autofree char *text = concord_description_fill (self->description,
                                                        json_node_get_string (node),
                                                        self->values, NULL, contact_type, NULL,
                                                        FALSE, error);

      return text != NULL ? json_node_init_string (json_node_alloc (), text) : NULL;
    }
  return json_node_copy (node);
}

typedef struct
{
  char     *name;
  JsonNode *value;
} Param;

static void
param_free (Param *param)
{
  g_free (param->name);
  json_node_unref (param->value);
  g_free (param);
}

static void
add_param (GPtrArray  *params,
           const char *name,
           JsonNode   *value)
{
  Param *param = g_new0 (Param, 1);

  param->name = g_strdup (name);
  param->value = value;
  g_ptr_array_add (params, param);
}

static void
add_param_text (GPtrArray  *params,
                const char *name,
                const char *text)
{
  add_param (params, name, json_node_init_string (json_node_alloc (), text));
}

static void
add_param_int (GPtrArray  *params,
               const char *name,
               gint64      number)
{
  add_param (params, name, json_node_init_int (json_node_alloc (), number));
}

static void
append_query (GString    *path,
              const char *name,
              JsonNode   *value)
{
  g_autofree char *text = node_text (value, MAX_VALUE_BYTES, NULL);

  g_string_append_c (path, strchr (path->str, '?') != NULL ? '&' : '?');
  g_string_append_uri_escaped (path, name, NULL, FALSE);
  g_string_append_c (path, '=');
  g_string_append_uri_escaped (path, text != NULL ? text : "", NULL, FALSE);
}

/* A request of the description: its path filled (@id escaped in it), its
 * query and body templates filled, @params added to the query or (with
 * @params_in_body) the body, @body_extra's members added to the body. The
 * label is the method and the path as written: never personal data. */
static ConcordHttpRequest *
make_request (ConcordJsonConnector      *self,
              const ConcordDescRequest  *template,
              const char                *contact_type,
              const char                *id,
              GPtrArray                 *params,
              gboolean                   params_in_body,
              JsonNode                  *body_override,
              GError                   **error)
{
  g_autofree char *label = g_strdup_printf ("%s %s", template->method, template->path);
  g_autofree char *filled = NULL;
  g_autoptr(GString) path = NULL;
  g_autoptr(JsonObject) body = NULL;
  ConcordHttpRequest *request;

  filled = concord_description_fill (self->description, template->path, self->values, NULL,
                                     contact_type, id, TRUE, error);
  if (filled == NULL)
    return NULL;
  path = g_string_new (filled);

  if (template->query != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (template->query);

      for (GList *l = members; l != NULL; l = l->next)
        {
          g_autoptr(JsonNode) value = fill_node (self, json_object_get_member (template->query,
                                                                               l->data),
                                                 contact_type, error);

          if (value == NULL)
            return NULL;
          append_query (path, l->data, value);
        }
    }

  if (body_override != NULL)
    body = json_object_ref (json_node_get_object (body_override));
  else if (template->body != NULL || (params_in_body && params != NULL))
    {
      if (template->body != NULL)
        {
          g_autoptr(JsonNode) template_node = json_node_init_object (json_node_alloc (),
                                                                     template->body);
          g_autoptr(JsonNode) copy = fill_node (self, template_node, contact_type, error);

          if (copy == NULL)
            return NULL;
          body = json_object_ref (json_node_get_object (copy));
        }
      else
        body = json_object_new ();
    }

  for (guint i = 0; params != NULL && i < params->len; i++)
    {
      Param *param = g_ptr_array_index (params, i);

      if (params_in_body)
        json_object_set_member (body, param->name, json_node_copy (param->value));
      else
        append_query (path, param->name, param->value);
    }

  request = concord_http_request_new (template->method, path->str, label);
  if (body != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), body);

      concord_http_request_set_json (request, node);
    }
  for (guint i = 0; i < self->description->header_names->len; i++)
    {
      g_autofree char *value = concord_description_fill (self->description,
                                                         g_ptr_array_index (self->description->header_values, i),
                                                         self->values, NULL, contact_type, NULL,
                                                         FALSE, error);

      if (value == NULL)
        {
          concord_http_request_free (request);
          return NULL;
        }
      concord_http_request_add_header (request,
                                       g_ptr_array_index (self->description->header_names, i),
                                       value);
    }
  return request;
}

/* ------------------------------------------------------------------------- */
/* Errors                                                                    */
/* ------------------------------------------------------------------------- */

/* The app's message in an error body, at the description's paths: appended
 * to what the status says (redacted and cut); a 400 or 422 with one is the
 * app refusing the data of that record. */
static gboolean
refine_error (guint        status,
              GBytes      *body,
              const char  *label,
              GError     **error,
              gpointer     user_data)
{
  ConcordJsonConnector *self = user_data;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *message = NULL;
  g_autofree char *redacted = NULL;
  g_autoptr(GError) status_error = NULL;
  gconstpointer data;
  gsize length = 0;

  data = body != NULL ? g_bytes_get_data (body, &length) : NULL;
  if (data != NULL && length > 0)
    root = concord_json_parse (data, (gssize) length, MAX_ERROR_BODY_BYTES, NULL);
  for (guint i = 0; root != NULL && message == NULL && i < self->description->error_paths->len;
       i++)
    {
      message = concord_desc_path_get_text (g_ptr_array_index (self->description->error_paths,
                                                               i),
                                            root, 4096, NULL);
      if (message != NULL && *g_strstrip (message) == '\0')
        g_clear_pointer (&message, g_free);
    }
  if (message == NULL)
    return FALSE;

  /* An app may quote the key it refused: never into a message. */
  if (self->secret != NULL && *self->secret != '\0' && strstr (message, self->secret) != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (message, self->secret, -1);

      g_free (message);
      message = g_strjoinv ("[redacted]", parts);
    }
  redacted = concord_http_redact (message);
  if (g_utf8_strlen (redacted, -1) > MAX_ERROR_CHARS)
    {
      g_autofree char *cut = g_utf8_substring (redacted, 0, MAX_ERROR_CHARS);

      g_free (redacted);
      redacted = g_strconcat (cut, "…", NULL);
    }

  concord_http_check_status (status, label, &status_error);
  if (status == SOUP_STATUS_BAD_REQUEST || status == 422)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA, "%s: %s refused the data: %s",
                 status_error->message, self->description->name, redacted);
  else
    g_set_error (error, status_error->domain, status_error->code, "%s: %s says: %s",
                 status_error->message, self->description->name, redacted);
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Reading records                                                           */
/* ------------------------------------------------------------------------- */

static char *
date_from_unix (gint64 unix_time)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (unix_time);

  return when != NULL ? g_date_time_format (when, "%Y-%m-%d") : NULL;
}

/* One value of a field, read from @node, into @record as @key. */
static void
set_value (ConcordRecord       *record,
           const char          *key,
           ConcordFieldType     type,
           gboolean             has_format,
           ConcordDescTime      format,
           JsonNode            *node,
           const ConcordJsonHook *read_hook)
{
  gboolean repaired = FALSE;
  gint64 when;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return;

  switch (type)
    {
    case CONCORD_FIELD_TYPE_DATETIME:
      if (concord_desc_parse_time (node, has_format ? format : CONCORD_DESC_TIME_ISO8601, &when))
        concord_record_set_datetime (record, key, when);
      return;

    case CONCORD_FIELD_TYPE_NUMBER:
      if (JSON_NODE_HOLDS_VALUE (node) && (json_node_get_value_type (node) == G_TYPE_INT64 ||
                                           json_node_get_value_type (node) == G_TYPE_DOUBLE))
        concord_record_set_number (record, key, json_node_get_double (node));
      else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          char *end = NULL;
          double number = g_ascii_strtod (json_node_get_string (node), &end);

          if (end != NULL && end != json_node_get_string (node) && *end == '\0')
            concord_record_set_number (record, key, number);
        }
      return;

    case CONCORD_FIELD_TYPE_BOOLEAN:
      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
        concord_record_set_boolean (record, key, json_node_get_boolean (node));
      else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          const char *text = json_node_get_string (node);

          if (g_ascii_strcasecmp (text, "true") == 0 || g_str_equal (text, "1"))
            concord_record_set_boolean (record, key, TRUE);
          else if (g_ascii_strcasecmp (text, "false") == 0 || g_str_equal (text, "0"))
            concord_record_set_boolean (record, key, FALSE);
        }
      return;

    case CONCORD_FIELD_TYPE_STRING_SET:
      if (JSON_NODE_HOLDS_ARRAY (node))
        {
          JsonArray *array = json_node_get_array (node);
          g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
          gboolean any_repaired = FALSE;

          for (guint i = 0; i < json_array_get_length (array) && i < MAX_ITEMS; i++)
            {
              gboolean item_repaired = FALSE;
              char *text = node_text (json_array_get_element (array, i), MAX_VALUE_BYTES,
                                      &item_repaired);

              if (text == NULL)
                continue;
              any_repaired |= item_repaired;
              g_ptr_array_add (items, text);
            }
          g_ptr_array_add (items, NULL);
          concord_record_set_set (record, key, (const char * const *) items->pdata);
          if (any_repaired)
            concord_record_mark_altered (record, key);
        }
      return;

    default:
      break;
    }

  /* Text types. */
  {
    g_autofree char *text = NULL;

    if (type == CONCORD_FIELD_TYPE_DATE && has_format &&
        concord_desc_parse_time (node, format, &when))
      text = date_from_unix (when);
    else
      text = node_text (node, MAX_VALUE_BYTES, &repaired);

    if (text != NULL && read_hook != NULL && read_hook->read_custom != NULL && !repaired)
      {
        char *converted = read_hook->read_custom (type, text);

        if (converted != NULL)
          {
            g_free (text);
            text = converted;
          }
      }
    if (text != NULL && type == CONCORD_FIELD_TYPE_EMAIL && strlen (text) > MAX_EMAIL_BYTES)
      {
        char *cut = concord_http_cut_text (text, MAX_EMAIL_BYTES);

        g_free (text);
        text = cut;
        repaired = TRUE;
      }
    concord_rest_record_set_text (record, key, type, text, repaired);
  }
}

/* The set key of an item field: "emails" for "email", "phones" for "phone". */
static const char *
set_key_of (const char *key)
{
  if (g_str_equal (key, CONCORD_FIELD_EMAIL))
    return CONCORD_FIELD_EMAILS;
  if (g_str_equal (key, CONCORD_FIELD_PHONE))
    return CONCORD_FIELD_PHONES;
  return NULL;
}

static void
read_items (ConcordRecord          *record,
            const ConcordDescField *field,
            JsonNode               *node)
{
  const ConcordDescItems *items = field->items;
  const char *set_key = set_key_of (field->key);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *primary = NULL;
  g_autofree char *first = NULL;
  gboolean primary_repaired = FALSE, first_repaired = FALSE, any_repaired = FALSE;
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return;
  array = json_node_get_array (node);

  if (set_key == NULL)
    {
      /* Another key: a string-set of the items' values. */
      for (guint i = 0; i < json_array_get_length (array) && i < MAX_ITEMS; i++)
        {
          JsonNode *item = json_array_get_element (array, i);
          gboolean repaired = FALSE;
          char *text = items->value != NULL
                       ? concord_desc_path_get_text (items->value, item, MAX_VALUE_BYTES,
                                                     &repaired)
                       : node_text (item, MAX_VALUE_BYTES, &repaired);

          if (text == NULL)
            continue;
          any_repaired |= repaired;
          g_ptr_array_add (values, text);
        }
      g_ptr_array_add (values, NULL);
      concord_record_set_set (record, field->key, (const char * const *) values->pdata);
      if (any_repaired)
        concord_record_mark_altered (record, field->key);
      return;
    }

  for (guint i = 0; i < json_array_get_length (array) && i < MAX_ITEMS; i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      gboolean repaired = FALSE;
      g_autofree char *value = items->value != NULL
                               ? concord_desc_path_get_text (items->value, item, MAX_VALUE_BYTES,
                                                             &repaired)
                               : node_text (item, MAX_VALUE_BYTES, &repaired);
      g_autofree char *label = items->label != NULL
                               ? concord_desc_path_get_text (items->label, item, 256, NULL)
                               : NULL;
      const char *mapped;
      g_autofree char *folded = NULL;

      if (value == NULL || *g_strstrip (value) == '\0')
        continue;
      if (field->type == CONCORD_FIELD_TYPE_EMAIL && strlen (value) > MAX_EMAIL_BYTES)
        {
          char *cut = concord_http_cut_text (value, MAX_EMAIL_BYTES);

          g_free (value);
          value = cut;
          repaired = TRUE;
        }
      mapped = label != NULL ? g_hash_table_lookup (items->labels, label) : NULL;
      folded = concord_label_normalize (mapped != NULL ? mapped
                                        : label != NULL && *label != '\0' ? label
                                        : CONCORD_LABEL_OTHER);
      if (primary == NULL && items->primary != NULL)
        {
          JsonNode *flag = concord_desc_path_get (items->primary, item);

          if (flag != NULL && JSON_NODE_HOLDS_VALUE (flag) &&
              json_node_get_value_type (flag) == G_TYPE_BOOLEAN && json_node_get_boolean (flag))
            {
              primary = g_strdup (value);
              primary_repaired = repaired;
            }
        }
      if (first == NULL)
        {
          first = g_strdup (value);
          first_repaired = repaired;
        }
      any_repaired |= repaired;
      g_ptr_array_add (values, concord_labelled_format (folded, value));
    }

  if (values->len == 0)
    return;
  if (primary == NULL)
    {
      primary = g_steal_pointer (&first);
      primary_repaired = first_repaired;
    }
  concord_rest_record_set_text (record, field->key, field->type, primary, primary_repaired);
  g_ptr_array_add (values, NULL);
  concord_record_set_set (record, set_key, (const char * const *) values->pdata);
  if (any_repaired)
    concord_record_mark_altered (record, set_key);
}

static void
read_field (ConcordRecord          *record,
            const ConcordDescField *field,
            JsonNode               *node)
{
  JsonNode *value = concord_desc_path_get (field->path, node);

  if (field->items != NULL)
    read_items (record, field, value);
  else
    set_value (record, field->key, field->type, field->has_format, field->format, value, NULL);
}

static void
read_custom_value (ConcordJsonConnector *self,
                   ConcordRecord        *record,
                   CustomDef            *def,
                   JsonNode             *value)
{
  set_value (record, def->key, def->type, FALSE, CONCORD_DESC_TIME_ISO8601, value,
             hook (self, "copper_custom_dates"));
}

static void
read_customs (ConcordJsonConnector         *self,
              const char                   *contact_type,
              const ConcordDescContactType *type,
              ConcordRecord                *record,
              JsonNode                     *node)
{
  CustomSet *set = g_hash_table_lookup (self->customs, contact_type);
  JsonNode *values;

  if (type->custom == NULL || set == NULL)
    return;
  values = concord_desc_path_get (type->custom->values, node);
  if (values == NULL)
    return;

  if (type->custom->values_object)
    {
      g_autoptr(GList) members = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (values))
        return;
      members = json_object_get_members (json_node_get_object (values));
      for (GList *l = members; l != NULL; l = l->next)
        {
          CustomDef *def = g_hash_table_lookup (set->by_id, l->data);

          if (def != NULL)
            read_custom_value (self, record, def,
                               json_object_get_member (json_node_get_object (values), l->data));
        }
      return;
    }

  if (!JSON_NODE_HOLDS_ARRAY (values))
    return;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (values)) &&
                    i < MAX_CUSTOM_FIELDS; i++)
    {
      JsonNode *item = json_array_get_element (json_node_get_array (values), i);
      g_autofree char *id = concord_desc_path_get_text (type->custom->value_id, item, 1024,
                                                        NULL);
      CustomDef *def = id != NULL ? g_hash_table_lookup (set->by_id, id) : NULL;

      if (def != NULL)
        read_custom_value (self, record, def, concord_desc_path_get (type->custom->value_value,
                                                                     item));
    }
}

/* A record of the app, or %NULL with @error for one that cannot be read,
 * or %NULL without for one the "where" filter leaves out. */
static ConcordRecord *
parse_record (ConcordJsonConnector          *self,
              const char                    *contact_type,
              const ConcordDescContactType  *type,
              JsonNode                      *node,
              GError                       **error)
{
  g_autoptr(ConcordRecord) record = NULL;
  g_autofree char *id = NULL;
  gboolean repaired = FALSE;
  gint64 modified;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s sent a record that is not a JSON object", self->description->name);
      return NULL;
    }
  if (!matches_where (type->where, node))
    return NULL;

  id = concord_desc_path_get_text (type->record_id, node, 1024, &repaired);
  if (id == NULL || *id == '\0' || repaired)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s sent a record without a usable id (at \"%s\")", self->description->name,
                   type->record_id->text);
      return NULL;
    }

  record = concord_record_new (id);
  read_field (record, type->email, node);
  for (guint i = 0; i < type->fields->len; i++)
    read_field (record, g_ptr_array_index (type->fields, i), node);
  read_customs (self, contact_type, type, record, node);

  if (type->modified != NULL &&
      concord_desc_parse_time (concord_desc_path_get (type->modified, node),
                               type->modified_format, &modified))
    {
      g_autofree char *version = g_strdup_printf ("%" G_GINT64_FORMAT, modified);

      concord_record_set_modified (record, modified);
      concord_record_set_version (record, version);
    }
  return g_steal_pointer (&record);
}

/* ------------------------------------------------------------------------- */
/* Writing records                                                           */
/* ------------------------------------------------------------------------- */

/* A node of a new empty array (json_node_init_array() takes a reference). */
static JsonNode *
empty_array_node (void)
{
  g_autoptr(JsonArray) array = json_array_new ();

  return json_node_init_array (json_node_alloc (), array);
}

static gboolean
clears (const char * const *clear,
        const char         *key)
{
  return clear != NULL && g_strv_contains (clear, key);
}

static JsonNode *
value_node (const ConcordValue *value,
            ConcordFieldType    type,
            gboolean            has_format,
            ConcordDescTime     format)
{
  switch (value->type)
    {
    case CONCORD_FIELD_TYPE_NUMBER:
      if (value->v.number == (double) (gint64) value->v.number &&
          value->v.number > -1e15 && value->v.number < 1e15)
        return json_node_init_int (json_node_alloc (), (gint64) value->v.number);
      return json_node_init_double (json_node_alloc (), value->v.number);
    case CONCORD_FIELD_TYPE_BOOLEAN:
      return json_node_init_boolean (json_node_alloc (), value->v.boolean);
    case CONCORD_FIELD_TYPE_DATETIME:
      if (has_format && format != CONCORD_DESC_TIME_ISO8601)
        return json_node_init_int (json_node_alloc (),
                                   format == CONCORD_DESC_TIME_UNIX_MS ? value->v.datetime * 1000
                                                                       : value->v.datetime);
      {
        g_autofree char *text = concord_desc_format_time (value->v.datetime,
                                                          CONCORD_DESC_TIME_ISO8601);

        return json_node_init_string (json_node_alloc (), text);
      }
    case CONCORD_FIELD_TYPE_STRING_SET:
      {
        g_autoptr(JsonArray) array = json_array_new ();

        for (guint i = 0; value->v.set[i] != NULL; i++)
          json_array_add_string_element (array, value->v.set[i]);
        return json_node_init_array (json_node_alloc (), array);
      }
    default:
      break;
    }

  if (type == CONCORD_FIELD_TYPE_DATE && has_format)
    {
      gint64 when = concord_rest_parse_datetime (value->v.text);

      if (when != -1)
        {
          if (format == CONCORD_DESC_TIME_ISO8601)
            {
              g_autofree char *text = concord_desc_format_time (when, format);

              return json_node_init_string (json_node_alloc (), text);
            }
          return json_node_init_int (json_node_alloc (), format == CONCORD_DESC_TIME_UNIX_MS
                                                         ? when * 1000 : when);
        }
    }
  return json_node_init_string (json_node_alloc (), value->v.text);
}

/* An email or phone array: the set when @values has it, else the single
 * value alone; the single value first and primary. */
static JsonNode *
items_node (const ConcordDescField *field,
            const ConcordRecord    *values)
{
  const ConcordDescItems *items = field->items;
  const char *single = concord_record_get_text (values, field->key);
  const ConcordValue *set = set_key_of (field->key) != NULL
                            ? concord_record_get (values, set_key_of (field->key)) : NULL;
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);

  if (set != NULL && set->type == CONCORD_FIELD_TYPE_STRING_SET)
    {
      /* The single value first: the primary. */
      for (guint pass = 0; pass < 2; pass++)
        for (guint i = 0; set->v.set[i] != NULL; i++)
          {
            g_autofree char *label = NULL;
            g_autofree char *value = NULL;
            gboolean is_single;

            if (!concord_labelled_parse (set->v.set[i], &label, &value))
              continue;
            is_single = single != NULL && g_strcmp0 (value, single) == 0;
            if ((pass == 0) != is_single)
              continue;
            g_ptr_array_add (pairs, g_steal_pointer (&label));
            g_ptr_array_add (pairs, g_steal_pointer (&value));
          }
    }
  for (guint i = 1; single != NULL && i < pairs->len; i += 2)
    if (g_str_equal (g_ptr_array_index (pairs, i), single))
      single = NULL;
  if (single != NULL)
    {
      g_ptr_array_insert (pairs, 0, g_strdup (single));
      g_ptr_array_insert (pairs, 0, NULL);
    }

  for (guint i = 0; i + 1 < pairs->len; i += 2)
    {
      const char *label = g_ptr_array_index (pairs, i);
      const char *value = g_ptr_array_index (pairs, i + 1);
      g_autoptr(JsonObject) item = json_object_new ();
      const char *app_label = NULL;

      if (items->value == NULL)
        {
          json_array_add_string_element (array, value);
          continue;
        }
      concord_desc_path_set (items->value, item, json_node_init_string (json_node_alloc (), value));
      if (items->label != NULL)
        {
          if (label != NULL)
            app_label = g_hash_table_lookup (items->labels_back, label);
          if (app_label == NULL && label != NULL && !g_str_equal (label, CONCORD_LABEL_OTHER))
            app_label = label;
          if (app_label == NULL)
            app_label = items->default_label != NULL ? items->default_label
                                                     : label != NULL ? label : CONCORD_LABEL_OTHER;
          concord_desc_path_set (items->label, item,
                                 json_node_init_string (json_node_alloc (), app_label));
        }
      if (items->primary != NULL)
        concord_desc_path_set (items->primary, item,
                               json_node_init_boolean (json_node_alloc (), i == 0));
      json_array_add_object_element (array, g_steal_pointer (&item));
    }
  return json_node_init_array (json_node_alloc (), array);
}

static gboolean
field_in_change (const ConcordDescField *field,
                 const ConcordRecord    *set,
                 const char * const     *clear)
{
  const char *set_key = field->items != NULL ? set_key_of (field->key) : NULL;

  return (set != NULL && concord_record_get (set, field->key) != NULL) ||
         (set != NULL && set_key != NULL && concord_record_get (set, set_key) != NULL) ||
         clears (clear, field->key) || (set_key != NULL && clears (clear, set_key));
}

/* Writes one field of @values (or its clearing) into @object. */
static void
write_field (JsonObject             *object,
             const ConcordDescField *field,
             const ConcordRecord    *values)
{
  const ConcordValue *value;

  if (field->read_only)
    return;
  if (field->items != NULL)
    {
      if (set_key_of (field->key) != NULL)
        {
          concord_desc_path_set (field->path, object, items_node (field, values));
          return;
        }
      value = concord_record_get (values, field->key);
      if (value != NULL && value->type == CONCORD_FIELD_TYPE_STRING_SET)
        {
          g_autoptr(JsonArray) array = json_array_new ();

          for (guint i = 0; value->v.set[i] != NULL; i++)
            {
              if (field->items->value != NULL)
                {
                  g_autoptr(JsonObject) item = json_object_new ();

                  concord_desc_path_set (field->items->value, item,
                                         json_node_init_string (json_node_alloc (),
                                                                value->v.set[i]));
                  json_array_add_object_element (array, g_steal_pointer (&item));
                }
              else
                json_array_add_string_element (array, value->v.set[i]);
            }
          concord_desc_path_set (field->path, object,
                                 json_node_init_array (json_node_alloc (), array));
        }
      else
        concord_desc_path_set (field->path, object,
                               empty_array_node ());
      return;
    }

  value = concord_record_get (values, field->key);
  if (value == NULL)
    {
      concord_desc_path_set (field->path, object,
                             field->type == CONCORD_FIELD_TYPE_STRING_SET
                             ? empty_array_node ()
                             : json_node_init_null (json_node_alloc ()));
      return;
    }
  concord_desc_path_set (field->path, object, value_node (value, field->type, field->has_format,
                                                          field->format));
}

static JsonNode *
custom_value_node (ConcordJsonConnector *self,
                   CustomDef            *def,
                   const ConcordValue   *value)
{
  const ConcordJsonHook *date_hook = hook (self, "copper_custom_dates");

  if (value == NULL)
    return json_node_init_null (json_node_alloc ());

  /* Options as the app wrote their values (ids may be numbers). */
  if (def->nodes != NULL && def->type == CONCORD_FIELD_TYPE_ENUM &&
      CONCORD_FIELD_TYPE_IS_TEXT (value->type))
    {
      guint index;

      if (g_ptr_array_find_with_equal_func (def->values, value->v.text, g_str_equal, &index))
        return json_node_copy (g_ptr_array_index (def->nodes, index));
    }
  if (def->nodes != NULL && value->type == CONCORD_FIELD_TYPE_STRING_SET)
    {
      g_autoptr(JsonArray) array = json_array_new ();

      for (guint i = 0; value->v.set[i] != NULL; i++)
        {
          guint index;

          if (g_ptr_array_find_with_equal_func (def->values, value->v.set[i], g_str_equal,
                                                &index))
            json_array_add_element (array, json_node_copy (g_ptr_array_index (def->nodes, index)));
          else
            json_array_add_string_element (array, value->v.set[i]);
        }
      return json_node_init_array (json_node_alloc (), array);
    }
  if (date_hook != NULL && date_hook->write_custom != NULL && CONCORD_FIELD_TYPE_IS_TEXT (value->type))
    {
      g_autofree char *converted = date_hook->write_custom (def->type, value->v.text);

      if (converted != NULL)
        return json_node_init_string (json_node_alloc (), converted);
    }
  return value_node (value, def->type, FALSE, CONCORD_DESC_TIME_ISO8601);
}

/* The custom fields of a change (or a record: @clear NULL) into @object. */
static void
write_customs (ConcordJsonConnector         *self,
               const char                   *contact_type,
               const ConcordDescContactType *type,
               JsonObject                   *object,
               const ConcordRecord          *set,
               const char * const           *clear)
{
  CustomSet *customs = g_hash_table_lookup (self->customs, contact_type);
  g_autoptr(JsonArray) items = json_array_new ();
  g_autoptr(JsonObject) members = json_object_new ();
  g_autoptr(JsonNode) object_node = json_node_init_object (json_node_alloc (), object);
  guint n_set = set != NULL ? concord_record_get_n_fields (set) : 0;
  guint n_clear = clear != NULL ? g_strv_length ((char **) clear) : 0;
  gboolean any = FALSE;
  JsonNode *present;

  if (type->custom == NULL || customs == NULL)
    return;

  /* A full update's body is the record as read: its other values stay,
   * and the changed ones replace theirs. */
  present = concord_desc_path_get (type->custom->values, object_node);
  if (present != NULL && type->custom->values_object && JSON_NODE_HOLDS_OBJECT (present))
    {
      g_autoptr(GList) names = json_object_get_members (json_node_get_object (present));

      for (GList *l = names; l != NULL; l = l->next)
        json_object_set_member (members, l->data,
                                json_node_copy (json_object_get_member (json_node_get_object (present),
                                                                        l->data)));
    }
  else if (present != NULL && !type->custom->values_object && JSON_NODE_HOLDS_ARRAY (present))
    {
      JsonArray *array = json_node_get_array (present);

      for (guint i = 0; i < json_array_get_length (array); i++)
        json_array_add_element (items, json_node_copy (json_array_get_element (array, i)));
    }

  for (guint f = 0; f < n_set + n_clear; f++)
    {
      const char *key = f >= n_set ? clear[f - n_set] : NULL;
      const ConcordValue *value = f < n_set ? concord_record_get_field_at (set, f, &key) : NULL;
      CustomDef *def = key != NULL ? g_hash_table_lookup (customs->by_key, key) : NULL;
      JsonNode *node;

      if (def == NULL || def->read_only)
        continue;
      node = custom_value_node (self, def, value);
      any = TRUE;
      if (type->custom->values_object)
        json_object_set_member (members, def->id, node);
      else
        {
          g_autoptr(JsonObject) item = json_object_new ();

          /* The value this one replaces, in a record as read. */
          for (guint i = json_array_get_length (items); i > 0; i--)
            {
              g_autofree char *id = concord_desc_path_get_text (type->custom->value_id,
                                                                json_array_get_element (items,
                                                                                        i - 1),
                                                                1024, NULL);

              if (g_strcmp0 (id, def->id) == 0)
                json_array_remove_element (items, i - 1);
            }
          concord_desc_path_set (type->custom->value_id, item, json_node_copy (def->id_node));
          concord_desc_path_set (type->custom->value_value, item, node);
          json_array_add_object_element (items, g_steal_pointer (&item));
        }
    }

  if (!any)
    return;
  if (type->custom->values_object)
    concord_desc_path_set (type->custom->values, object,
                           json_node_init_object (json_node_alloc (), members));
  else
    concord_desc_path_set (type->custom->values, object,
                           json_node_init_array (json_node_alloc (), items));
}

static void
write_where (const ConcordDescContactType *type,
             JsonObject                   *object)
{
  g_autoptr(GList) members = type->where != NULL ? json_object_get_members (type->where) : NULL;

  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (object, l->data,
                            json_node_copy (json_object_get_member (type->where, l->data)));
}

/* The record object for a create, or for an update of @change_set and
 * @clear (only those fields, from @values). */
static JsonObject *
record_object (ConcordJsonConnector         *self,
               const char                   *contact_type,
               const ConcordDescContactType *type,
               const ConcordDescRequest     *request,
               JsonObject                   *base,
               const ConcordRecord          *values,
               const ConcordRecord          *change_set,
               const char * const           *clear,
               GError                      **error)
{
  g_autoptr(JsonObject) object = NULL;
  gboolean create = change_set == NULL && clear == NULL;

  if (base != NULL)
    {
      g_autoptr(JsonNode) base_node = json_node_init_object (json_node_alloc (), base);
      g_autoptr(JsonNode) copy = json_node_copy (base_node);

      object = json_object_ref (json_node_get_object (copy));
    }
  else
    object = json_object_new ();

  if (request->body != NULL)
    {
      g_autoptr(JsonNode) template_node = json_node_init_object (json_node_alloc (), request->body);
      g_autoptr(JsonNode) filled = fill_node (self, template_node, contact_type, error);
      g_autoptr(GList) members = NULL;

      if (filled == NULL)
        return NULL;
      members = json_object_get_members (json_node_get_object (filled));
      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (object, l->data,
                                json_node_copy (json_object_get_member (json_node_get_object (filled),
                                                                        l->data)));
    }

  if (create || field_in_change (type->email, change_set, clear))
    {
      if (create && concord_record_get (values, CONCORD_FIELD_EMAIL) == NULL &&
          concord_record_get (values, CONCORD_FIELD_EMAILS) == NULL)
        ;
      else
        write_field (object, type->email, values);
    }
  for (guint i = 0; i < type->fields->len; i++)
    {
      const ConcordDescField *field = g_ptr_array_index (type->fields, i);

      if (create ? (concord_record_get (values, field->key) != NULL ||
                    (field->items != NULL && set_key_of (field->key) != NULL &&
                     concord_record_get (values, set_key_of (field->key)) != NULL))
                 : field_in_change (field, change_set, clear))
        write_field (object, field, values);
    }
  write_customs (self, contact_type, type, object, create ? values : change_set, clear);
  write_where (type, object);
  if (create)
    for (guint i = 0; self->description->hooks[i] != NULL; i++)
      {
        const ConcordJsonHook *listed = hook (self, self->description->hooks[i]);

        if (listed != NULL && listed->write_created != NULL)
          listed->write_created (object, values);
      }
  return g_steal_pointer (&object);
}

static JsonNode *
wrap (const char *member,
      JsonObject *object)
{
  g_autoptr(JsonObject) outer = NULL;

  if (member == NULL)
    return json_node_init_object (json_node_alloc (), object);
  outer = json_object_new ();
  json_object_set_object_member (outer, member, json_object_ref (object));
  return json_node_init_object (json_node_alloc (), outer);
}

/* ------------------------------------------------------------------------- */
/* Custom field definitions, discovered contact types                        */
/* ------------------------------------------------------------------------- */

static CustomSet *
parse_definitions (ConcordJsonConnector         *self,
                   const ConcordDescContactType *type,
                   JsonNode                     *root,
                   GError                      **error)
{
  const ConcordDescCustom *custom = type->custom;
  JsonNode *records = concord_desc_path_get (custom->records,
                                             concord_desc_path_get (custom->request->answer, root));
  CustomSet *set;
  JsonArray *array;

  if (records == NULL || !JSON_NODE_HOLDS_ARRAY (records))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s %s failed: the answer holds no list of field definitions",
                   custom->request->method, custom->request->path);
      return NULL;
    }
  array = json_node_get_array (records);

  set = g_new0 (CustomSet, 1);
  set->defs = g_ptr_array_new_with_free_func ((GDestroyNotify) custom_def_free);
  set->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  set->by_key = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < json_array_get_length (array) && i < MAX_CUSTOM_FIELDS; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonNode *id_node = concord_desc_path_get (custom->id, node);
      gboolean bad_name = FALSE;
      g_autofree char *id = concord_desc_path_get_text (custom->id, node, 1024, NULL);
      g_autofree char *name = concord_desc_path_get_text (custom->name, node, 1024, &bad_name);
      g_autofree char *type_name = concord_desc_path_get_text (custom->type, node, 256, NULL);
      gpointer mapped = type_name != NULL ? g_hash_table_lookup (custom->types, type_name) : NULL;
      CustomDef *def;

      if (!JSON_NODE_HOLDS_OBJECT (node) || !matches_where (custom->where, node) ||
          id == NULL || *id == '\0' || name == NULL || *g_strstrip (name) == '\0' || bad_name ||
          mapped == NULL || g_hash_table_contains (set->by_id, id))
        continue;

      def = g_new0 (CustomDef, 1);
      def->id = g_steal_pointer (&id);
      def->id_node = json_node_copy (id_node);
      def->name = g_steal_pointer (&name);
      def->type = (ConcordFieldType) (GPOINTER_TO_INT (mapped) - 1);
      def->key = concord_field_custom_key (def->name);
      if (g_hash_table_contains (set->by_key, def->key))
        {
          /* Two fields of one name: the second keeps its id, so that
           * neither pairs with a field of that name by mistake. */
          g_autofree char *name_id = g_strdup_printf ("%s (%s)", def->name, def->id);

          g_free (def->key);
          def->key = concord_field_custom_key (name_id);
        }
      if (custom->read_only != NULL)
        {
          JsonNode *flag = concord_desc_path_get (custom->read_only, node);

          def->read_only = flag != NULL && JSON_NODE_HOLDS_VALUE (flag) &&
                           json_node_get_value_type (flag) == G_TYPE_BOOLEAN &&
                           json_node_get_boolean (flag);
        }
      if (custom->options != NULL)
        {
          JsonNode *options = concord_desc_path_get (custom->options, node);
          JsonArray *list = options != NULL && JSON_NODE_HOLDS_ARRAY (options)
                            ? json_node_get_array (options) : NULL;

          for (guint o = 0; list != NULL && o < json_array_get_length (list) && o < 10000; o++)
            {
              JsonNode *option = json_array_get_element (list, o);
              JsonNode *value_node_ = custom->option_value != NULL
                                      ? concord_desc_path_get (custom->option_value, option)
                                      : option;
              g_autofree char *value = value_node_ != NULL
                                       ? node_text (value_node_, 1024, NULL) : NULL;
              g_autofree char *label = custom->option_label != NULL
                                       ? concord_desc_path_get_text (custom->option_label,
                                                                     option, 1024, NULL)
                                       : g_strdup (value);

              if (value == NULL || label == NULL)
                continue;
              if (def->values == NULL)
                {
                  def->values = g_ptr_array_new_with_free_func (g_free);
                  def->labels = g_ptr_array_new_with_free_func (g_free);
                  def->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
                }
              g_ptr_array_add (def->values, g_steal_pointer (&value));
              g_ptr_array_add (def->labels, g_steal_pointer (&label));
              g_ptr_array_add (def->nodes, json_node_copy (value_node_));
            }
        }
      g_ptr_array_add (set->defs, def);
      g_hash_table_insert (set->by_id, def->id, def);
      g_hash_table_insert (set->by_key, def->key, def);
    }
  return set;
}

typedef struct
{
  char *contact_type;
} PrepareState;

static void
prepare_state_free (PrepareState *state)
{
  g_free (state->contact_type);
  g_free (state);
}

static void
on_definitions_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordJsonConnector *self = g_task_get_source_object (task);
  PrepareState *state = g_task_get_task_data (task);
  const ConcordDescContactType *type = find_type (self, state->contact_type);
  g_autoptr(JsonNode) root = NULL;
  GError *error = NULL;
  CustomSet *set;

  root = concord_http_client_send_json_finish (self->client, result, NULL, NULL, &error);
  if (root == NULL && error == NULL)
    error = g_error_new (CONCORD_ERROR, CONCORD_ERROR_PARSE, "%s %s failed: empty answer",
                         type->custom->request->method, type->custom->request->path);
  set = error == NULL ? parse_definitions (self, type, root, &error) : NULL;
  if (set == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_hash_table_replace (self->customs, g_strdup (state->contact_type), set);
  g_task_return_boolean (task, TRUE);
}

/* Reads the custom field definitions of @contact_type when @again or not
 * read yet. */
static void
load_definitions_async (ConcordJsonConnector *self,
                        const char           *contact_type,
                        gboolean              again,
                        GCancellable         *cancellable,
                        GAsyncReadyCallback   callback,
                        gpointer              user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  const ConcordDescContactType *type = find_type (self, contact_type);
  PrepareState *state = g_new0 (PrepareState, 1);
  ConcordHttpRequest *request;
  GError *error = NULL;

  g_task_set_source_tag (task, load_definitions_async);
  state->contact_type = g_strdup (contact_type);
  g_task_set_task_data (task, state, (GDestroyNotify) prepare_state_free);

  if (type == NULL || type->custom == NULL ||
      (!again && g_hash_table_contains (self->customs, contact_type)))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  request = make_request (self, type->custom->request, contact_type, NULL, NULL, FALSE, NULL,
                          &error);
  if (request == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  concord_http_client_send_json_async (self->client, request, cancellable, on_definitions_cb,
                                       task);
}

/* ------------------------------------------------------------------------- */
/* Schema                                                                    */
/* ------------------------------------------------------------------------- */

static void
add_spec (GPtrArray              *specs,
          const ConcordDescField *field)
{
  const ConcordFieldSpec *canonical = concord_fields_lookup (field->key);
  ConcordFieldSpec *spec;

  if (canonical != NULL)
    {
      spec = concord_field_spec_copy (canonical);
      spec->type = field->type;
      spec->multi = field->type == CONCORD_FIELD_TYPE_STRING_SET;
    }
  else
    {
      spec = concord_field_spec_new (field->key, field->key + strlen (CONCORD_FIELD_CUSTOM_PREFIX),
                                     field->type, field->read_only);
      spec->custom = TRUE;
      spec->multi = field->type == CONCORD_FIELD_TYPE_STRING_SET;
    }
  spec->read_only = field->read_only;
  if (field->choices != NULL)
    {
      g_strfreev (spec->choices);
      g_strfreev (spec->choice_labels);
      spec->choices = g_strdupv (field->choices);
      spec->choice_labels = g_strdupv (field->choice_labels);
    }
  g_ptr_array_add (specs, spec);

  if (field->items != NULL && set_key_of (field->key) != NULL)
    concord_rest_add_field_spec (specs, set_key_of (field->key), NULL, field->read_only);
}

static GPtrArray *
build_schema (ConcordJsonConnector *self,
              const char           *contact_type)
{
  const ConcordDescContactType *type = find_type (self, contact_type);
  CustomSet *customs = g_hash_table_lookup (self->customs, contact_type);
  GPtrArray *specs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

  add_spec (specs, type->email);
  for (guint i = 0; i < type->fields->len; i++)
    add_spec (specs, g_ptr_array_index (type->fields, i));

  for (guint i = 0; customs != NULL && i < customs->defs->len; i++)
    {
      CustomDef *def = g_ptr_array_index (customs->defs, i);
      ConcordFieldSpec *spec = concord_field_spec_new (def->key,
                                                       def->key + strlen (CONCORD_FIELD_CUSTOM_PREFIX),
                                                       def->type, def->read_only);

      spec->custom = TRUE;
      spec->multi = def->type == CONCORD_FIELD_TYPE_STRING_SET;
      if (def->values != NULL)
        {
          g_ptr_array_add (def->values, NULL);
          g_ptr_array_add (def->labels, NULL);
          spec->choices = g_strdupv ((char **) def->values->pdata);
          spec->choice_labels = g_strdupv ((char **) def->labels->pdata);
          g_ptr_array_set_size (def->values, def->values->len - 1);
          g_ptr_array_set_size (def->labels, def->labels->len - 1);
        }
      g_ptr_array_add (specs, spec);
    }
  return specs;
}

static void
on_schema_definitions_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (object);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, build_schema (self, g_task_get_task_data (task)),
                         (GDestroyNotify) g_ptr_array_unref);
}

static void
concord_json_connector_load_schema_async (ConcordConnector    *connector,
                                          const char          *contact_type,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  GTask *task = concord_connector_task_new (connector, concord_json_connector_load_schema_async,
                                            cancellable, callback, user_data);
  GError *error = NULL;

  note_type (self, contact_type);

  if (!concord_rest_connector_check_contact_type (CONCORD_REST_CONNECTOR (self), contact_type,
                                                  &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_task_set_task_data (task, g_strdup (contact_type), g_free);
  /* Fields as they are now: a schema load reads them again. */
  load_definitions_async (self, contact_type, TRUE, cancellable, on_schema_definitions_cb, task);
}

/* ------------------------------------------------------------------------- */
/* Contact types                                                             */
/* ------------------------------------------------------------------------- */

static GPtrArray *
concord_json_connector_list_contact_types (ConcordConnector *connector)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  GPtrArray *types = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);

  for (guint i = 0; i < self->description->contact_types->len; i++)
    {
      const ConcordDescContactType *type = g_ptr_array_index (self->description->contact_types,
                                                              i);

      if (type->id != NULL)
        g_ptr_array_add (types, concord_contact_type_new (type->id, type->label));
    }
  for (guint i = 0; self->types != NULL && i < self->types->len; i++)
    {
      ConcordContactType *type = g_ptr_array_index (self->types, i);

      g_ptr_array_add (types, concord_contact_type_new (type->id, type->label));
    }
  return types;
}

static const ConcordDescContactType *
discovered_entry (ConcordJsonConnector *self)
{
  for (guint i = 0; i < self->description->contact_types->len; i++)
    {
      const ConcordDescContactType *type = g_ptr_array_index (self->description->contact_types,
                                                              i);

      if (type->discover != NULL)
        return type;
    }
  return NULL;
}

static void
on_discover_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcordJsonConnector *self = g_task_get_source_object (task);
  const ConcordDescContactType *entry = discovered_entry (self);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) found = NULL;
  GError *error = NULL;
  JsonNode *records;

  root = concord_http_client_send_json_finish (self->client, result, NULL, NULL, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  records = concord_desc_path_get (entry->discover_records,
                                   concord_desc_path_get (entry->discover->answer, root));
  if (records == NULL || !JSON_NODE_HOLDS_ARRAY (records))
    {
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                               "%s %s failed: the answer holds no list of contact types",
                               entry->discover->method, entry->discover->path);
      return;
    }

  found = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (records)) &&
                    i < MAX_CONTACT_TYPES; i++)
    {
      JsonNode *node = json_array_get_element (json_node_get_array (records), i);
      gboolean repaired = FALSE;
      g_autofree char *id = concord_desc_path_get_text (entry->discover_id, node, 256, &repaired);
      g_autofree char *name = concord_desc_path_get_text (entry->discover_name, node, 1024, NULL);

      if (id == NULL || *id == '\0' || repaired)
        continue;
      g_ptr_array_add (found, concord_contact_type_new (id, name != NULL ? name : id));
    }
  g_clear_pointer (&self->types, g_ptr_array_unref);
  self->types = g_steal_pointer (&found);
  g_task_return_pointer (task, concord_json_connector_list_contact_types (CONCORD_CONNECTOR (self)),
                         (GDestroyNotify) g_ptr_array_unref);
}

static void
concord_json_connector_list_contact_types_async (ConcordConnector    *connector,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  const ConcordDescContactType *entry = discovered_entry (self);
  ConcordHttpRequest *request;
  GError *error = NULL;

  g_task_set_source_tag (task, concord_json_connector_list_contact_types_async);
  if (entry == NULL)
    {
      g_task_return_pointer (task, concord_json_connector_list_contact_types (connector),
                             (GDestroyNotify) g_ptr_array_unref);
      g_object_unref (task);
      return;
    }
  request = make_request (self, entry->discover, NULL, NULL, NULL, FALSE, NULL, &error);
  if (request == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  concord_http_client_send_json_async (self->client, request, cancellable, on_discover_cb, task);
}

static GPtrArray *
concord_json_connector_list_contact_types_finish (ConcordConnector  *connector,
                                                  GAsyncResult      *result,
                                                  GError           **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------- */
/* List                                                                      */
/* ------------------------------------------------------------------------- */

static ConcordHttpRequest *
concord_json_connector_build_list_request (ConcordRestConnector  *connector,
                                           const char            *contact_type,
                                           const char            *page_token,
                                           GError               **error)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  const ConcordDescContactType *type = find_type (self, contact_type);
  const char *cursor = concord_rest_connector_get_listing_cursor (connector);
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func ((GDestroyNotify) param_free);
  guint size = page_size_of (self, type);
  ConcordHttpRequest *request;

  if (page_token == NULL)
    self->max_modified = -1;

  switch (type->paging)
    {
    case CONCORD_DESC_PAGING_OFFSET:
      add_param_int (params, type->page_param, concord_rest_page_token_number (page_token));
      break;
    case CONCORD_DESC_PAGING_PAGE_NUMBER:
      /* Tokens count pages from 1; the app's first may be 0. */
      add_param_int (params, type->page_param,
                     (gint64) MAX (concord_rest_page_token_number (page_token), 1) - 1 +
                     type->first_page);
      break;
    case CONCORD_DESC_PAGING_CURSOR:
      if (page_token != NULL)
        add_param_text (params, type->page_param, page_token);
      break;
    case CONCORD_DESC_PAGING_LINK:
      if (page_token != NULL)
        {
          /* The app's own next-page address, under the base URL
           * (concord_rest_page_next_link() checked it). */
          g_autofree char *label = g_strdup_printf ("%s %s (next page)", type->list->method,
                                                    type->list->path);
          request = concord_http_request_new (type->list->method, page_token, label);
          concord_http_request_set_flags (request, CONCORD_HTTP_IDEMPOTENT);

          for (guint i = 0; i < self->description->header_names->len; i++)
            {
              g_autofree char *value = concord_description_fill (self->description,
                                                                 g_ptr_array_index (self->description->header_values, i),
                                                                 self->values, NULL,
                                                                 contact_type, NULL, FALSE,
                                                                 error);

              if (value == NULL)
                {
                  concord_http_request_free (request);
                  return NULL;
                }
              concord_http_request_add_header (request,
                                               g_ptr_array_index (self->description->header_names, i),
                                               value);
            }
          return request;
        }
      break;
    default:
      g_assert_not_reached ();
    }
  if (type->size_param != NULL)
    add_param_int (params, type->size_param, size);

  if (cursor != NULL && type->incremental == CONCORD_DESC_INCREMENTAL_MODIFIED_SINCE)
    {
      guint64 since = 0;

      if (!g_ascii_string_to_unsigned (cursor, 10, 0, G_MAXINT64 / 2, &since, NULL))
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                       "%s: the listing's cursor \"%s\" is not a time", self->description->name,
                       cursor);
          return NULL;
        }
      since = since > type->overlap ? since - type->overlap : 0;
      if (type->since_format == CONCORD_DESC_TIME_ISO8601)
        {
          g_autofree char *text = concord_desc_format_time ((gint64) since, type->since_format);

          add_param_text (params, type->since_param, text);
        }
      else
        add_param_int (params, type->since_param,
                       type->since_format == CONCORD_DESC_TIME_UNIX_MS ? (gint64) since * 1000
                                                                       : (gint64) since);
    }
  else if (cursor != NULL && type->incremental == CONCORD_DESC_INCREMENTAL_SYNC_TOKEN)
    add_param_text (params, type->since_param, cursor);

  request = make_request (self, type->list, contact_type, NULL, params, type->params_in_body,
                          NULL, error);
  /* A listing only reads, even as a POST (Copper's search): it may be
   * repeated after a 5xx or a reset. */
  if (request != NULL)
    concord_http_request_set_flags (request, CONCORD_HTTP_IDEMPOTENT);
  return request;
}

static gboolean
concord_json_connector_parse_page (ConcordRestConnector  *connector,
                                   const char            *contact_type,
                                   const char            *page_token,
                                   JsonNode              *root,
                                   SoupMessageHeaders    *headers,
                                   ConcordPage           *page,
                                   GError               **error)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  const ConcordDescContactType *type = find_type (self, contact_type);
  const char *cursor = concord_rest_connector_get_listing_cursor (connector);
  JsonNode *answer = concord_desc_path_get (type->list->answer, root);
  JsonNode *records = concord_desc_path_get (type->list_records, answer);
  guint size = page_size_of (self, type);
  JsonArray *array;
  guint n;
  gboolean ok;

  if (records == NULL || !JSON_NODE_HOLDS_ARRAY (records))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s %s failed: the answer holds no list of records%s%s%s",
                   type->list->method, type->list->path,
                   *type->list_records->text != '\0' ? " at \"" : "",
                   type->list_records->text, *type->list_records->text != '\0' ? "\"" : "");
      return FALSE;
    }
  array = json_node_get_array (records);
  n = json_array_get_length (array);
  if (type->size_param != NULL && n > size)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                   "%s %s failed: %s sent %u records for a page of %u; the listing stops",
                   type->list->method, type->list->path, self->description->name, n, size);
      return FALSE;
    }

  for (guint i = 0; i < n; i++)
    {
      GError *record_error = NULL;
      ConcordRecord *record = parse_record (self, contact_type, type,
                                            json_array_get_element (array, i), &record_error);

      if (record_error != NULL)
        {
          g_propagate_prefixed_error (error, record_error, "%s %s failed: ", type->list->method,
                                      type->list->path);
          return FALSE;
        }
      if (record == NULL)
        continue;
      self->max_modified = MAX (self->max_modified, concord_record_get_modified (record));
      g_ptr_array_add (page->records, record);
    }

  switch (type->paging)
    {
    case CONCORD_DESC_PAGING_OFFSET:
      if (type->short_page_ends && n < size)
        ok = concord_rest_page_next_token (connector, page, NULL, NULL, error);
      else
        ok = concord_rest_page_next_offset (connector, page, page_token, n, error);
      break;
    case CONCORD_DESC_PAGING_PAGE_NUMBER:
      if (type->short_page_ends && n < size)
        ok = concord_rest_page_next_token (connector, page, NULL, NULL, error);
      else
        ok = concord_rest_page_next_number (connector, page, page_token, n, error);
      break;
    case CONCORD_DESC_PAGING_CURSOR:
      {
        g_autofree char *next = concord_desc_path_get_text (type->next, root, 4096, NULL);

        ok = concord_rest_page_next_token (connector, page, next, NULL, error);
      }
      break;
    case CONCORD_DESC_PAGING_LINK:
      ok = concord_rest_page_next_link (connector, page, headers, error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (!ok)
    return FALSE;

  if (page->next_page == NULL)
    {
      g_clear_pointer (&page->cursor, g_free);
      if (type->incremental == CONCORD_DESC_INCREMENTAL_MODIFIED_SINCE)
        {
          guint64 before = 0;

          if (cursor != NULL)
            g_ascii_string_to_unsigned (cursor, 10, 0, G_MAXINT64 / 2, &before, NULL);
          if (self->max_modified > 0 || before > 0)
            page->cursor = g_strdup_printf ("%" G_GINT64_FORMAT,
                                            MAX (self->max_modified, (gint64) before));
        }
      else if (type->incremental == CONCORD_DESC_INCREMENTAL_SYNC_TOKEN)
        page->cursor = concord_desc_path_get_text (type->sync_token, root, 4096, NULL);
      /* Only a full listing tells what was deleted. */
      page->complete = cursor == NULL;
    }
  return TRUE;
}

static ConcordRecord *
concord_json_connector_record_from_json (ConcordRestConnector *connector,
                                         const char           *contact_type,
                                         JsonNode             *node)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  const ConcordDescContactType *type = find_type (self, contact_type);
  const ConcordDescRequest *requests[] = { type->fetch, type->update, type->create };

  /* The echo of a fetch, an update or a create: at that request's answer. */
  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      JsonNode *record_node = concord_desc_path_get (requests[i]->answer, node);
      ConcordRecord *record;

      if (record_node == NULL || !JSON_NODE_HOLDS_OBJECT (record_node))
        continue;
      record = parse_record (self, contact_type, type, record_node, NULL);
      if (record != NULL)
        return record;
    }
  return NULL;
}

/* ------------------------------------------------------------------------- */
/* Fetch, verify                                                             */
/* ------------------------------------------------------------------------- */

static ConcordHttpRequest *
concord_json_connector_build_fetch_request (ConcordRestConnector *connector,
                                            const char           *contact_type,
                                            const char           *remote_id)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  const ConcordDescContactType *type = find_type (self, contact_type);
  g_autoptr(GError) error = NULL;
  ConcordHttpRequest *request = make_request (self, type->fetch, contact_type, remote_id, NULL,
                                              FALSE, NULL, &error);

  if (request == NULL)
    g_warning ("%s: %s", self->description->id, error->message);
  return request;
}

static ConcordHttpRequest *
concord_json_connector_build_verify_request (ConcordRestConnector *connector)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  g_autoptr(GError) error = NULL;
  ConcordHttpRequest *request = make_request (self, self->description->verify, NULL, NULL, NULL,
                                              FALSE, NULL, &error);

  if (request == NULL)
    g_warning ("%s: %s", self->description->id, error->message);
  else
    concord_http_request_set_flags (request, CONCORD_HTTP_IDEMPOTENT);
  return request;
}

static gboolean
concord_json_connector_check_verify_answer (ConcordRestConnector  *connector,
                                            JsonNode              *root,
                                            GError               **error)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  const ConcordDescription *description = self->description;
  JsonNode *answer = root != NULL ? concord_desc_path_get (description->verify->answer, root)
                                  : NULL;

  if (description->verify_expect == NULL ||
      (answer != NULL && concord_desc_path_get (description->verify_expect, answer) != NULL))
    return TRUE;

  g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
               "%s %s: the server answered, but not as %s does; check the server address",
               description->verify->method, description->verify->path, description->name);
  return FALSE;
}

/* ------------------------------------------------------------------------- */
/* Create                                                                    */
/* ------------------------------------------------------------------------- */

static ConcordHttpRequest *
concord_json_connector_build_create_request (ConcordRestConnector *connector,
                                             const char           *contact_type,
                                             GPtrArray            *records,
                                             const guint          *indices,
                                             guint                 n_indices)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  const ConcordDescContactType *type = find_type (self, contact_type);
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GError) error = NULL;
  ConcordHttpRequest *request;

  for (guint i = 0; i < n_indices; i++)
    {
      const ConcordRecord *record = g_ptr_array_index (records, indices[i]);
      g_autoptr(JsonObject) object = record_object (self, contact_type, type, type->create, NULL,
                                                    record, NULL, NULL, &error);

      if (object == NULL)
        break;
      if (type->batch <= 1)
        body = wrap (type->create_wrap, object);
      else
        json_array_add_element (array, wrap (type->create_wrap, object));
    }
  if (error == NULL && type->batch > 1)
    {
      g_autoptr(JsonObject) outer = json_object_new ();

      json_object_set_array_member (outer, type->create_records, json_array_ref (array));
      body = json_node_init_object (json_node_alloc (), outer);
    }
  /* The body is the records; the template is in it already. */
  request = error == NULL ? make_request (self, type->create, contact_type, NULL, NULL, FALSE,
                                          body, &error)
                          : NULL;
  if (request == NULL)
    {
      /* Not a request the base can send: an empty POST the app refuses
       * is wrong; say why instead, on a request that cannot reach it. */
      g_warning ("%s: %s", self->description->id, error->message);
      return concord_http_request_new ("POST", "/", "POST (unfillable)");
    }
  return request;
}

static void
concord_json_connector_match_created (ConcordRestConnector *connector,
                                      const char           *contact_type,
                                      GPtrArray            *records,
                                      const guint          *indices,
                                      guint                 n_indices,
                                      JsonNode             *answer,
                                      ConcordWriteBatch    *batch)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  const ConcordDescContactType *type = find_type (self, contact_type);
  JsonNode *created = answer != NULL ? concord_desc_path_get (type->create->answer, answer) : NULL;
  g_autoptr(GPtrArray) echoes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);

  if (type->batch <= 1)
    {
      g_autoptr(ConcordRecord) record = created != NULL
                                        ? parse_record (self, contact_type, type, created, NULL)
                                        : NULL;

      if (record == NULL)
        concord_write_batch_set_error (batch, indices[0],
                                       g_error_new (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                                    "%s %s: the answer holds no record",
                                                    type->create->method, type->create->path));
      else
        concord_write_batch_set_ok (batch, indices[0], record);
      return;
    }

  /* A batch: the created records, matched to the inputs by email. */
  if (created != NULL && JSON_NODE_HOLDS_ARRAY (created))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (created)); i++)
      {
        ConcordRecord *record = parse_record (self, contact_type, type,
                                              json_array_get_element (json_node_get_array (created),
                                                                      i),
                                              NULL);

        if (record != NULL)
          g_ptr_array_add (echoes, record);
      }

  for (guint i = 0; i < n_indices; i++)
    {
      const ConcordRecord *input = g_ptr_array_index (records, indices[i]);
      const char *email = concord_record_get_text (input, CONCORD_FIELD_EMAIL);
      ConcordRecord *match = NULL;

      for (guint e = 0; email != NULL && match == NULL && e < echoes->len; e++)
        {
          const char *echoed = concord_record_get_text (g_ptr_array_index (echoes, e),
                                                        CONCORD_FIELD_EMAIL);

          if (echoed != NULL && g_ascii_strcasecmp (echoed, email) == 0)
            match = g_ptr_array_index (echoes, e);
        }
      if (match != NULL)
        concord_write_batch_set_ok (batch, indices[i], match);
      else
        concord_write_batch_set_error (batch, indices[i],
                                       g_error_new (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                                    "%s %s: the answer does not hold this "
                                                    "record", type->create->method,
                                                    type->create->path));
    }
}

/* ------------------------------------------------------------------------- */
/* Update                                                                    */
/* ------------------------------------------------------------------------- */

typedef enum
{
  STEP_START,
  STEP_READ,
  STEP_WRITE,
} UpdateStep;

/* A change of the single email or phone without its set, where the app
 * holds an array: the other items must be read first to be kept. */
static gboolean
needs_current (const ConcordDescContactType *type,
               const ConcordRecordChange    *change)
{
  const ConcordDescField *item_fields[1 + 64];
  guint n = 0;

  if (type->update_full)
    return TRUE;
  item_fields[n++] = type->email;
  for (guint i = 0; i < type->fields->len && n < G_N_ELEMENTS (item_fields); i++)
    item_fields[n++] = g_ptr_array_index (type->fields, i);

  /* Items the app keeps unless deleted by id: their ids must be read. */
  for (guint i = 0; i < n; i++)
    {
      const ConcordDescField *field = item_fields[i];

      if (field != NULL && field->items != NULL && field->items->delete_flag != NULL &&
          field_in_change (field, change->set, (const char * const *) change->clear))
        return TRUE;
    }
  n = 1;
  for (guint i = 0; i < type->fields->len && n < G_N_ELEMENTS (item_fields); i++)
    item_fields[n++] = g_ptr_array_index (type->fields, i);

  for (guint i = 0; i < n; i++)
    {
      const ConcordDescField *field = item_fields[i];
      const char *set_key = field->items != NULL ? set_key_of (field->key) : NULL;

      if (set_key == NULL || change->set == NULL)
        continue;
      if (concord_record_get (change->set, field->key) != NULL &&
          concord_record_get (change->set, set_key) == NULL)
        return TRUE;
    }
  return FALSE;
}

/* The record after the change: @current with @change applied. */
static ConcordRecord *
apply_change (const ConcordRecord       *current,
              const ConcordRecordChange *change)
{
  ConcordRecord *merged = current != NULL ? concord_record_copy (current)
                                          : concord_record_new (change->remote_id);
  guint n = change->set != NULL ? concord_record_get_n_fields (change->set) : 0;

  for (guint i = 0; i < n; i++)
    {
      const char *key = NULL;
      const ConcordValue *value = concord_record_get_field_at (change->set, i, &key);

      concord_record_set_value (merged, key, value);
    }
  for (guint i = 0; change->clear != NULL && change->clear[i] != NULL; i++)
    concord_record_remove (merged, change->clear[i]);

  /* A new single email or phone replaces the old primary in the set. */
  for (guint k = 0; k < 2; k++)
    {
      const char *single_key = k == 0 ? CONCORD_FIELD_EMAIL : CONCORD_FIELD_PHONE;
      const char *set_key = set_key_of (single_key);
      const char *old = current != NULL ? concord_record_get_text (current, single_key) : NULL;
      const char *new_value = change->set != NULL ? concord_record_get_text (change->set,
                                                                             single_key) : NULL;
      const ConcordValue *set = concord_record_get (merged, set_key);
      g_autoptr(GPtrArray) items = NULL;

      if (new_value == NULL || (change->set != NULL && concord_record_get (change->set,
                                                                           set_key) != NULL) ||
          set == NULL || set->type != CONCORD_FIELD_TYPE_STRING_SET)
        continue;
      items = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; set->v.set[i] != NULL; i++)
        {
          g_autofree char *label = NULL;
          g_autofree char *value = NULL;

          if (!concord_labelled_parse (set->v.set[i], &label, &value))
            continue;
          if (old != NULL && g_strcmp0 (value, old) == 0)
            g_ptr_array_add (items, concord_labelled_format (label, new_value));
          else
            g_ptr_array_add (items, g_strdup (set->v.set[i]));
        }
      g_ptr_array_add (items, NULL);
      concord_record_set_set (merged, set_key, (const char * const *) items->pdata);
    }
  return merged;
}

typedef struct
{
  JsonNode *current;  /* (owned) (nullable): the record as read */
} UpdateData;

static void
update_data_free (UpdateData *data)
{
  g_clear_pointer (&data->current, json_node_unref);
  g_free (data);
}

/* For an app that keeps the nested items an update leaves out and adds
 * those sent without an id (Capsule): each item of @field as read in
 * @current_node that @object does not send again by its id is sent
 * marked for deletion, so the array written replaces the one read. */
static void
delete_left_items (const ConcordDescField *field,
                   JsonNode               *current_node,
                   JsonObject             *object)
{
  g_autoptr(JsonNode) object_node = json_node_init_object (json_node_alloc (), object);
  JsonNode *read = concord_desc_path_get (field->path, current_node);
  JsonNode *sent = concord_desc_path_get (field->path, object_node);
  g_autoptr(JsonArray) items = json_array_new ();

  if (read == NULL || !JSON_NODE_HOLDS_ARRAY (read))
    return;
  if (sent != NULL && JSON_NODE_HOLDS_ARRAY (sent))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (sent)); i++)
      json_array_add_element (items, json_node_copy (json_array_get_element (json_node_get_array (sent), i)));

  for (guint i = 0; i < json_array_get_length (json_node_get_array (read)); i++)
    {
      JsonNode *item = json_array_get_element (json_node_get_array (read), i);
      JsonNode *id = concord_desc_path_get (field->items->id, item);
      g_autoptr(JsonObject) gone = NULL;
      gboolean kept = FALSE;

      if (id == NULL || !JSON_NODE_HOLDS_VALUE (id))
        continue;
      for (guint j = 0; j < json_array_get_length (items) && !kept; j++)
        {
          JsonNode *other = concord_desc_path_get (field->items->id,
                                                   json_array_get_element (items, j));

          kept = other != NULL && json_node_equal (other, id);
        }
      if (kept)
        continue;
      gone = json_object_new ();
      concord_desc_path_set (field->items->id, gone, json_node_copy (id));
      concord_desc_path_set (field->items->delete_flag, gone,
                             json_node_init_boolean (json_node_alloc (), TRUE));
      json_array_add_object_element (items, g_steal_pointer (&gone));
    }
  concord_desc_path_set (field->path, object, json_node_init_array (json_node_alloc (), items));
}

static ConcordHttpRequest *
write_request (ConcordJsonConnector         *self,
               const char                   *contact_type,
               const ConcordDescContactType *type,
               const ConcordRecordChange    *change,
               JsonNode                     *current_node,
               GError                      **error)
{
  g_autoptr(ConcordRecord) current = NULL;
  g_autoptr(ConcordRecord) merged = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) body = NULL;
  JsonObject *base = NULL;

  if (current_node != NULL)
    {
      current = parse_record (self, contact_type, type, current_node, error);
      if (current == NULL)
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                         "%s %s: the record is not a contact of this type", type->fetch->method,
                         type->fetch->path);
          return NULL;
        }
      if (type->update_full)
        base = json_node_get_object (current_node);
    }
  merged = apply_change (current, change);

  object = record_object (self, contact_type, type, type->update, base, merged, change->set,
                          (const char * const *) change->clear, error);
  if (object == NULL)
    return NULL;
  if (current_node != NULL)
    for (guint i = 0; i <= type->fields->len; i++)
      {
        const ConcordDescField *field = i == 0 ? type->email
                                               : g_ptr_array_index (type->fields, i - 1);

        if (field != NULL && field->items != NULL && field->items->delete_flag != NULL &&
            field_in_change (field, change->set, (const char * const *) change->clear))
          delete_left_items (field, current_node, object);
      }
  if (type->id_member != NULL)
    {
      guint64 number;

      if (g_ascii_string_to_unsigned (change->remote_id, 10, 0, G_MAXINT64, &number, NULL))
        json_object_set_int_member (object, type->id_member, (gint64) number);
      else
        json_object_set_string_member (object, type->id_member, change->remote_id);
    }
  body = wrap (type->update_wrap, object);
  return make_request (self, type->update, contact_type, change->remote_id, NULL, FALSE, body,
                       error);
}

static ConcordHttpRequest *
concord_json_connector_update_step (ConcordRestConnector  *connector,
                                    ConcordRestUpdate     *update,
                                    JsonNode              *answer,
                                    GError               **error)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  const ConcordDescContactType *type = find_type (self, update->contact_type);
  UpdateData *data = update->data;

  if (update->failure != NULL)
    return NULL;

  switch ((UpdateStep) update->step)
    {
    case STEP_START:
      data = g_new0 (UpdateData, 1);
      update->data = data;
      update->data_free = (GDestroyNotify) update_data_free;
      if (needs_current (type, update->change))
        {
          ConcordHttpRequest *request = make_request (self, type->fetch, update->contact_type,
                                                      update->change->remote_id, NULL, FALSE,
                                                      NULL, error);

          update->step = STEP_READ;
          return request;
        }
      update->step = STEP_WRITE;
      return write_request (self, update->contact_type, type, update->change, NULL, error);

    case STEP_READ:
      {
        JsonNode *record = answer != NULL ? concord_desc_path_get (type->fetch->answer, answer)
                                          : NULL;

        if (record == NULL)
          {
            g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                         "%s %s: the answer holds no record", type->fetch->method,
                         type->fetch->path);
            return NULL;
          }
        data->current = json_node_copy (record);
        update->step = STEP_WRITE;
        return write_request (self, update->contact_type, type, update->change, data->current,
                              error);
      }

    case STEP_WRITE:
    default:
      return NULL;
    }
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

/* What must be read before an operation: the custom field definitions of
 * its contact type, again before each new listing. */
static void
prepare_async (ConcordRestConnector *connector,
               ConcordRestOperation  operation,
               const char           *page_token,
               GPtrArray            *inputs,
               GCancellable         *cancellable,
               GAsyncReadyCallback   callback,
               gpointer              user_data)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  gboolean new_listing = operation == CONCORD_REST_LIST && page_token == NULL;

  load_definitions_async (self, self->operation_type, new_listing, cancellable, callback,
                          user_data);
}

static gboolean
prepare_finish (ConcordRestConnector  *connector,
                GAsyncResult          *result,
                GError               **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The base does not tell prepare_async() the contact type: each operation
 * notes it on its way in. */
static ConcordConnectorClass *rest_connector_class;

/* Notes the operation's type; a type a discovered entry may hold (an
 * audience) is taken as one until the app says otherwise (404), so that a
 * connector made for a sync need not list the types first. */
static void
note_type (ConcordJsonConnector *self,
           const char           *contact_type)
{
  gboolean known = FALSE;

  if (contact_type != NULL && discovered_entry (self) != NULL &&
      concord_description_find_type (self->description, contact_type)->id == NULL &&
      strpbrk (contact_type, "/?#") == NULL && *contact_type != '\0')
    {
      for (guint i = 0; self->types != NULL && i < self->types->len; i++)
        known |= g_str_equal (((ConcordContactType *) g_ptr_array_index (self->types, i))->id,
                              contact_type);
      if (!known)
        {
          if (self->types == NULL)
            self->types = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);
          g_ptr_array_add (self->types, concord_contact_type_new (contact_type, contact_type));
        }
    }
  if (g_strcmp0 (self->operation_type, contact_type) == 0)
    return;
  g_free (self->operation_type);
  self->operation_type = g_strdup (contact_type);
}

static void
concord_json_connector_list_async (ConcordConnector    *connector,
                                   const char          *contact_type,
                                   const char          *cursor,
                                   const char          *page_token,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  note_type (CONCORD_JSON_CONNECTOR (connector), contact_type);
  rest_connector_class->list_async (connector, contact_type, cursor, page_token, cancellable,
                                    callback, user_data);
}

static void
concord_json_connector_fetch_async (ConcordConnector    *connector,
                                    const char          *contact_type,
                                    const char * const  *remote_ids,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  note_type (CONCORD_JSON_CONNECTOR (connector), contact_type);
  rest_connector_class->fetch_async (connector, contact_type, remote_ids, cancellable, callback,
                                     user_data);
}

static void
concord_json_connector_create_async (ConcordConnector    *connector,
                                     const char          *contact_type,
                                     GPtrArray           *records,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  note_type (CONCORD_JSON_CONNECTOR (connector), contact_type);
  rest_connector_class->create_async (connector, contact_type, records, cancellable, callback,
                                      user_data);
}

static void
concord_json_connector_update_async (ConcordConnector    *connector,
                                     const char          *contact_type,
                                     GPtrArray           *changes,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  note_type (CONCORD_JSON_CONNECTOR (connector), contact_type);
  rest_connector_class->update_async (connector, contact_type, changes, cancellable, callback,
                                      user_data);
}

static guint
concord_json_connector_get_page_size (ConcordConnector *connector)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);

  return page_size_of (self, g_ptr_array_index (self->description->contact_types, 0));
}

static guint
concord_json_connector_get_rate_budget (ConcordConnector *connector)
{
  ConcordDescription *description = CONCORD_JSON_CONNECTOR (connector)->description;

  if (description->rate_requests > 0)
    return (guint) MIN ((guint64) description->rate_requests * 3600 / description->rate_seconds,
                        G_MAXUINT);
  /* Nothing said but headers: a conservative figure. */
  return 3600;
}

static const char *
concord_json_connector_get_app_id (ConcordConnector *connector)
{
  return CONCORD_JSON_CONNECTOR (connector)->description->id;
}

static const char *
concord_json_connector_get_app_name (ConcordConnector *connector)
{
  return CONCORD_JSON_CONNECTOR (connector)->description->name;
}

static ConcordConnectorFlags
concord_json_connector_get_flags (ConcordConnector *connector)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (connector);
  const ConcordDescContactType *type = g_ptr_array_index (self->description->contact_types, 0);
  ConcordConnectorFlags flags = CONCORD_CONNECTOR_NONE;

  if (type->incremental != CONCORD_DESC_INCREMENTAL_NONE)
    flags |= CONCORD_CONNECTOR_INCREMENTAL;
  if (type->modified != NULL)
    flags |= CONCORD_CONNECTOR_MODIFIED_TIMES;
  return flags;
}

static void
concord_json_connector_dispose (GObject *object)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (object);

  g_clear_object (&self->client);
  G_OBJECT_CLASS (concord_json_connector_parent_class)->dispose (object);
}

static void
concord_json_connector_finalize (GObject *object)
{
  ConcordJsonConnector *self = CONCORD_JSON_CONNECTOR (object);

  g_clear_pointer (&self->description, concord_description_unref);
  g_clear_pointer (&self->values, json_object_unref);
  g_clear_pointer (&self->customs, g_hash_table_unref);
  g_clear_pointer (&self->types, g_ptr_array_unref);
  g_free (self->operation_type);
  if (self->secret != NULL)
    memset (self->secret, 0, strlen (self->secret));
  g_free (self->secret);
  G_OBJECT_CLASS (concord_json_connector_parent_class)->finalize (object);
}

static void
concord_json_connector_class_init (ConcordJsonConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ConcordConnectorClass *connector_class = CONCORD_CONNECTOR_CLASS (klass);
  ConcordRestConnectorClass *rest_class = CONCORD_REST_CONNECTOR_CLASS (klass);

  object_class->dispose = concord_json_connector_dispose;
  object_class->finalize = concord_json_connector_finalize;

  connector_class->get_app_id = concord_json_connector_get_app_id;
  connector_class->get_app_name = concord_json_connector_get_app_name;
  connector_class->get_flags = concord_json_connector_get_flags;
  connector_class->get_page_size = concord_json_connector_get_page_size;
  connector_class->get_rate_budget = concord_json_connector_get_rate_budget;
  connector_class->list_contact_types = concord_json_connector_list_contact_types;
  connector_class->list_contact_types_async = concord_json_connector_list_contact_types_async;
  connector_class->list_contact_types_finish = concord_json_connector_list_contact_types_finish;
  connector_class->load_schema_async = concord_json_connector_load_schema_async;

  rest_class->build_list_request = concord_json_connector_build_list_request;
  rest_class->parse_page = concord_json_connector_parse_page;
  rest_class->record_from_json = concord_json_connector_record_from_json;
  rest_class->build_fetch_request = concord_json_connector_build_fetch_request;
  rest_class->build_create_request = concord_json_connector_build_create_request;
  rest_class->match_created = concord_json_connector_match_created;
  rest_class->update_step = concord_json_connector_update_step;
  rest_class->build_verify_request = concord_json_connector_build_verify_request;
  rest_class->check_verify_answer = concord_json_connector_check_verify_answer;
  rest_class->prepare_async = prepare_async;
  rest_class->prepare_finish = prepare_finish;

  rest_connector_class = g_type_class_peek_parent (klass);
  connector_class->list_async = concord_json_connector_list_async;
  connector_class->fetch_async = concord_json_connector_fetch_async;
  connector_class->create_async = concord_json_connector_create_async;
  connector_class->update_async = concord_json_connector_update_async;
}

static void
concord_json_connector_init (ConcordJsonConnector *self)
{
  self->customs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) custom_set_free);
  self->max_modified = -1;
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_json_connector_new:
 * @description: a loaded description
 * @options: (nullable): the account's options (strings); "base_url" wins
 *   over the description's
 * @secret: the account's key; the HTTP client sends it, the connector keeps it
 *   only to scrub it from the app's messages (wiped when finalized)
 *
 * Makes a connector for the thread-default main context of the caller,
 * the only context it may be used on.
 *
 * Returns: (transfer full) (nullable): a new connector, or %NULL with
 *   @error set when the options cannot fill the description (an empty
 *   field a placeholder needs, a key that does not name its data centre,
 *   a base URL that is not allowed)
 */
ConcordJsonConnector *
concord_json_connector_new (ConcordDescription  *description,
                            JsonObject          *options,
                            const char          *secret,
                            GError             **error)
{
  g_autoptr(ConcordJsonConnector) self = NULL;
  g_autofree char *base_url = NULL;
  g_autofree char *user = NULL;
  g_autofree char *password = NULL;
  g_autoptr(GList) members = NULL;

  g_return_val_if_fail (description != NULL, NULL);
  g_return_val_if_fail (secret != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_JSON_CONNECTOR, NULL);
  self->description = concord_description_ref (description);
  self->secret = g_strdup (secret);

  /* The options, and the derived values worked out now: templates are
   * filled from these, never from the secret. */
  self->values = json_object_new ();
  members = options != NULL ? json_object_get_members (options) : NULL;
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (options, l->data);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        json_object_set_string_member (self->values, l->data, json_node_get_string (node));
    }
  for (guint i = 0; description->derive != NULL && i < description->derive->len; i++)
    {
      ConcordDescDerive *derive = g_ptr_array_index (description->derive, i);
      g_autofree char *value = NULL;

      /* A base URL given (a mock) needs no data centre. */
      value = concord_description_derive (description, derive->name, self->values, secret,
                                          NULL);
      if (value != NULL)
        json_object_set_string_member (self->values, derive->name, value);
    }

  base_url = concord_description_base_url (description, self->values, secret, error);
  if (base_url == NULL || !concord_http_check_base_url (base_url, error))
    return NULL;

  self->client = concord_http_client_new (base_url, description->name);
  switch (description->auth)
    {
    case CONCORD_DESC_AUTH_HEADER:
      user = concord_description_fill (description, description->auth_value, self->values,
                                       secret, NULL, NULL, FALSE, error);
      if (user == NULL)
        return NULL;
      concord_http_client_set_auth_header (self->client, description->auth_name, user);
      break;
    case CONCORD_DESC_AUTH_BEARER:
      concord_http_client_set_auth_bearer (self->client, secret);
      break;
    case CONCORD_DESC_AUTH_BASIC:
      user = concord_description_fill (description, description->auth_value, self->values,
                                       secret, NULL, NULL, FALSE, error);
      password = user != NULL
                 ? concord_description_fill (description, description->auth_password,
                                             self->values, secret, NULL, NULL, FALSE, error)
                 : NULL;
      if (password == NULL)
        return NULL;
      concord_http_client_set_auth_basic (self->client, user, password);
      break;
    case CONCORD_DESC_AUTH_QUERY:
      concord_http_client_set_auth_query (self->client, description->auth_name, secret);
      break;
    default:
      g_assert_not_reached ();
    }
  if (user != NULL)
    memset (user, 0, strlen (user));
  if (password != NULL)
    memset (password, 0, strlen (password));

  concord_http_client_set_limits (self->client, description->max_in_flight,
                                  CONCORD_HTTP_DEFAULT_MAX_RETRIES,
                                  CONCORD_HTTP_DEFAULT_RETRY_BASE_MS);
  if (description->rate_remaining != NULL)
    concord_http_client_set_rate_limit_headers (self->client, description->rate_remaining,
                                                description->rate_reset);
  concord_http_client_set_refine_error (self->client, refine_error, self);
  concord_rest_connector_set_client (CONCORD_REST_CONNECTOR (self), self->client);
  concord_rest_connector_set_max_batch (CONCORD_REST_CONNECTOR (self),
                                        ((ConcordDescContactType *)
                                         g_ptr_array_index (description->contact_types, 0))->batch);

  return g_steal_pointer (&self);
}

/**
 * concord_json_connector_get_description:
 *
 * Returns: (transfer none): the description it was made from
 */
ConcordDescription *
concord_json_connector_get_description (ConcordJsonConnector *self)
{
  g_return_val_if_fail (CONCORD_IS_JSON_CONNECTOR (self), NULL);

  return self->description;
}

/**
 * concord_json_connector_set_retry_base_ms:
 * @base_ms: the first retry's delay, doubled for each further retry
 *
 * For tests, so that retries do not take seconds.
 */
void
concord_json_connector_set_retry_base_ms (ConcordJsonConnector *self,
                                          guint                 base_ms)
{
  g_return_if_fail (CONCORD_IS_JSON_CONNECTOR (self));

  concord_http_client_set_limits (self->client, self->description->max_in_flight,
                                  CONCORD_HTTP_DEFAULT_MAX_RETRIES, base_ms);
}

/**
 * concord_json_connector_set_page_size:
 * @page_size: records a page, at most the description's; 0 for the
 *   description's
 *
 * For tests: paging without hundreds of records.
 */
void
concord_json_connector_set_page_size (ConcordJsonConnector *self,
                                      guint                 page_size)
{
  g_return_if_fail (CONCORD_IS_JSON_CONNECTOR (self));

  self->page_size = page_size;
}

/* See concord-json-connector-private.h. */
guint
_concord_json_connector_read_answer (ConcordJsonConnector *self,
                                     const char           *contact_type,
                                     JsonNode             *root)
{
  const ConcordDescContactType *type = find_type (self, contact_type);
  g_autoptr(ConcordPage) page = concord_page_new ();
  g_autoptr(ConcordRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  CustomSet *set;

  g_return_val_if_fail (CONCORD_IS_JSON_CONNECTOR (self), 0);
  g_return_val_if_fail (type != NULL, 0);

  note_type (self, contact_type);
  if (type->custom != NULL && (set = parse_definitions (self, type, root, &error)) != NULL)
    g_hash_table_replace (self->customs, g_strdup (contact_type), set);
  g_clear_error (&error);

  if (!concord_json_connector_parse_page (CONCORD_REST_CONNECTOR (self), contact_type, NULL, root,
                                          NULL, page, &error))
    g_assert_nonnull (error);
  record = concord_json_connector_record_from_json (CONCORD_REST_CONNECTOR (self), contact_type,
                                                    root);
  return page->records->len;
}
