/* concord-mock-described.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * An app's web API served from its connector description
 * (docs/connector-descriptions.md), on the shared mock framework: what a
 * description says is what this file serves, so the same file both drives
 * ConcordJsonConnector and plays the app against it. From the description:
 *
 * - authentication: the secret where the description puts it (a header, a
 *   bearer token, HTTP Basic with the key as the user, a query parameter)
 *   and every fixed header it names; else 401 with the app's error body;
 * - the base URL's path (/v3.1, /developer_api/v1): requests outside it
 *   are 404, so a connector that drops it is caught;
 * - the verification endpoint, the custom field definitions endpoint;
 * - the listing: method, path, paging style (offset, page number with a
 *   short page at the end, an opaque cursor at the described path, Link
 *   header), page size parameter and its
 *   maximum (above it: 400), the incremental filter and its time format,
 *   the record selector;
 * - records: id, email(s) and modification time at their paths, the
 *   `where` values a contact holds (others are never listed or fetched),
 *   custom field values in their array; fetch, create (one by one, or in
 *   batches up to the described size) and update (partial or, when the
 *   app's quirks say so, full replacement) at their paths, bodies wrapped
 *   and answers placed as described; an invalid email or unknown custom
 *   field refuses that record with the app's status and error body;
 * - rate limit headers (remaining, reset) as described; beyond the limit a
 *   429.
 *
 * What a description cannot say is each app's quirk file
 * (src/connectors/described/mock/concord-mock-<app>.c), a small
 * ConcordMockDescribedQuirks: the error body, extra request checks,
 * page-size limits, value checks by type, how an update applies a member,
 * what an answer shows, sample data, the rate limit's window and
 * Retry-After. Not served: discovered contact types, cursor paging
 * whose answer is the bare array, custom values in an object (the loader's view of such a description is
 * refused, naming it). Faults (500, reset, truncated body, slow,
 * redirect, nesting bomb, 413) come from ConcordMockServer.
 *
 * The account's data sit behind one mutex, taken by the handler for a
 * whole request and by the public API for each call. Records are JSON
 * objects as the API shows them, in id order.
 */

#define G_LOG_DOMAIN "concord-mock-described"

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "concord-mock-described.h"
#include "concord-mock-described-api.h"

struct _ConcordMockDescribed
{
  GObject                           parent_instance;

  ConcordMockServer                *server;     /* (owned) */
  char                             *base_url;   /* (owned): immutable */
  ConcordMockDescribedApi          *api;        /* (owned): immutable */
  const ConcordMockDescribedQuirks *quirks;     /* (unowned): static */

  GMutex                            mutex;
  char                             *secret;     /* (owned) */
  GPtrArray                        *records;    /* (owned): JsonObject, id order */
  GHashTable                       *by_id;      /* (owned): id → JsonObject (unowned) */
  JsonArray                        *fields;     /* (owned): definitions as listed */
  gint64                            next_id;
  gint64                            clock;      /* the last modification time given */
  guint                             rate_limit; /* 0: none */
  gint64                            window_us;
  GQueue                            window;     /* arrival times (gint64 *, owned) */
  char                             *save_path;  /* (owned) (nullable) */
};

G_DEFINE_FINAL_TYPE (ConcordMockDescribed, concord_mock_described, G_TYPE_OBJECT)

/* ------------------------------------------------------------------------- */
/* Paths                                                                     */
/* ------------------------------------------------------------------------- */

/*
 * A path into a record as the description writes it: members separated by
 * dots, a member ending in "[]" an array whose every element goes on
 * ("emails[].email"). Getting takes the first element; collecting takes
 * them all.
 */

static void
collect (JsonNode   *node,
         char      **segments,
         GPtrArray  *out)
{
  g_autofree char *name = NULL;
  gboolean array;
  JsonNode *member;

  if (segments[0] == NULL)
    {
      g_ptr_array_add (out, node);
      return;
    }
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;
  array = g_str_has_suffix (segments[0], "[]");
  name = array ? g_strndup (segments[0], strlen (segments[0]) - 2) : g_strdup (segments[0]);
  member = json_object_get_member (json_node_get_object (node), name);
  if (member == NULL)
    return;
  if (!array)
    {
      collect (member, segments + 1, out);
      return;
    }
  if (!JSON_NODE_HOLDS_ARRAY (member))
    return;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (member)); i++)
    collect (json_array_get_element (json_node_get_array (member), i), segments + 1, out);
}

/* Returns: (transfer container): the nodes at @path (unowned) */
static GPtrArray *
collect_path (JsonObject *object,
              const char *path)
{
  g_auto(GStrv) segments = g_strsplit (path, ".", -1);
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  GPtrArray *out = g_ptr_array_new ();

  json_node_set_object (root, object);
  collect (root, segments, out);
  return out;
}

/**
 * concord_mock_described_get_path:
 *
 * Returns: (transfer none) (nullable): the first node at @path
 */
JsonNode *
concord_mock_described_get_path (JsonObject *object,
                                 const char *path)
{
  g_autoptr(GPtrArray) nodes = collect_path (object, path);

  return nodes->len > 0 ? g_ptr_array_index (nodes, 0) : NULL;
}

/**
 * concord_mock_described_set_path:
 * @value: (transfer full)
 *
 * Sets @path, making the objects and arrays on the way (an array gets one
 * object element, which is the one set).
 */
void
concord_mock_described_set_path (JsonObject *object,
                                 const char *path,
                                 JsonNode   *value)
{
  g_auto(GStrv) segments = g_strsplit (path, ".", -1);

  for (guint i = 0; segments[i] != NULL; i++)
    {
      gboolean array = g_str_has_suffix (segments[i], "[]");
      g_autofree char *name = array ? g_strndup (segments[i], strlen (segments[i]) - 2)
                                    : g_strdup (segments[i]);
      JsonNode *member = json_object_get_member (object, name);

      if (segments[i + 1] == NULL && !array)
        {
          json_object_set_member (object, name, value);
          return;
        }
      if (array)
        {
          JsonArray *elements;

          if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
            {
              json_object_set_array_member (object, name, json_array_new ());
              member = json_object_get_member (object, name);
            }
          elements = json_node_get_array (member);
          if (segments[i + 1] == NULL)
            {
              json_array_add_element (elements, value);
              return;
            }
          if (json_array_get_length (elements) == 0 ||
              !JSON_NODE_HOLDS_OBJECT (json_array_get_element (elements, 0)))
            {
              if (json_array_get_length (elements) > 0)
                json_array_remove_element (elements, 0);
              json_array_add_object_element (elements, json_object_new ());
            }
          object = json_array_get_object_element (elements, 0);
        }
      else
        {
          if (member == NULL || !JSON_NODE_HOLDS_OBJECT (member))
            {
              json_object_set_object_member (object, name, json_object_new ());
              member = json_object_get_member (object, name);
            }
          object = json_node_get_object (member);
        }
    }
  json_node_unref (value);
}

/* The node as an integer id: a number, or a string of digits. */
static gboolean
node_id (JsonNode *node,
         gint64   *id)
{
  guint64 number;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *id = json_node_get_int (node);
      return *id > 0;
    }
  if (json_node_get_value_type (node) == G_TYPE_STRING &&
      g_ascii_string_to_unsigned (json_node_get_string (node), 10, 1, G_MAXINT64, &number, NULL))
    {
      *id = (gint64) number;
      return TRUE;
    }
  return FALSE;
}

/* ------------------------------------------------------------------------- */
/* Data helpers (caller holds the mutex)                                     */
/* ------------------------------------------------------------------------- */

static gboolean
email_is_valid (const char *email)
{
  const char *at = email != NULL ? strchr (email, '@') : NULL;

  return at != NULL && at > email && strchr (at + 1, '@') == NULL &&
         strchr (at + 1, '.') != NULL && at[1] != '.' && email[strlen (email) - 1] != '.' &&
         strpbrk (email, " \t\r\n,;<>") == NULL && g_utf8_validate (email, -1, NULL);
}

static JsonNode *
format_time (ConcordMockDescribedTime format,
             gint64                   seconds)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (seconds);
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  switch (format)
    {
    case CONCORD_MOCK_DESCRIBED_TIME_UNIX:
      json_node_set_int (node, seconds);
      break;
    case CONCORD_MOCK_DESCRIBED_TIME_SPACED:
      {
        g_autofree char *text = g_date_time_format (when, "%Y-%m-%d %H:%M:%S");

        json_node_set_string (node, text);
      }
      break;
    case CONCORD_MOCK_DESCRIBED_TIME_ISO8601:
    default:
      {
        g_autofree char *text = g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ");

        json_node_set_string (node, text);
      }
      break;
    }
  return node;
}

/* A time as Unix seconds, from a record's member or a request parameter;
 * FALSE when it is none of the formats. */
static gboolean
parse_time (JsonNode *node,
            gint64   *seconds)
{
  const char *text;
  g_autofree char *iso = NULL;
  g_autoptr(GDateTime) when = NULL;
  gint64 number;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *seconds = json_node_get_int (node);
      return TRUE;
    }
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  text = json_node_get_string (node);
  if (g_ascii_string_to_signed (text, 10, 0, G_MAXINT64, &number, NULL))
    {
      *seconds = number;
      return TRUE;
    }
  /* "yyyy-mm-dd hh:mm:ss" (UTC) or ISO 8601 with its zone. */
  iso = g_strdup (text);
  if (strlen (iso) == 19 && iso[10] == ' ')
    {
      iso[10] = 'T';
      when = g_date_time_new_from_iso8601 (iso, g_time_zone_new_utc ());
    }
  else
    when = g_date_time_new_from_iso8601 (iso, NULL);
  if (when == NULL)
    return FALSE;
  *seconds = g_date_time_to_unix (when);
  return TRUE;
}

/* Now as a modification time: never before the last one given, so a
 * write always moves a record to the end of a listing by time. */
static gint64
next_time (ConcordMockDescribed *self)
{
  self->clock = MAX (g_get_real_time () / G_USEC_PER_SEC, self->clock);
  return self->clock;
}

static gint64
record_id (ConcordMockDescribed *self,
           JsonObject           *record)
{
  gint64 id = 0;

  node_id (concord_mock_described_get_path (record, self->api->id_path), &id);
  return id;
}

static JsonObject *
find_field (ConcordMockDescribed *self,
            JsonNode             *key)
{
  for (guint i = 0; i < json_array_get_length (self->fields); i++)
    {
      JsonObject *definition = json_array_get_object_element (self->fields, i);
      JsonNode *id = concord_mock_described_get_path (definition, self->api->def_id_path);

      if (id == NULL || key == NULL || !JSON_NODE_HOLDS_VALUE (key) || !JSON_NODE_HOLDS_VALUE (id))
        continue;
      if (json_node_get_value_type (id) == G_TYPE_STRING &&
          json_node_get_value_type (key) == G_TYPE_STRING &&
          g_str_equal (json_node_get_string (id), json_node_get_string (key)))
        return definition;
      if (json_node_get_value_type (id) == G_TYPE_INT64 &&
          json_node_get_value_type (key) == G_TYPE_INT64 &&
          json_node_get_int (id) == json_node_get_int (key))
        return definition;
    }
  return NULL;
}

/* Whether a stored record is a contact: it holds the described `where`
 * values (Capsule's parties: persons only); an array holds the value
 * among its elements. */
static gboolean
is_contact (ConcordMockDescribed *self,
            JsonObject           *record)
{
  for (guint i = 0; self->api->where != NULL && self->api->where[i] != NULL; i += 2)
    {
      JsonNode *member = concord_mock_described_get_path (record, self->api->where[i]);
      const char *wanted = self->api->where[i + 1];
      gboolean found = FALSE;

      if (member != NULL && JSON_NODE_HOLDS_ARRAY (member))
        {
          JsonArray *array = json_node_get_array (member);

          for (guint j = 0; !found && j < json_array_get_length (array); j++)
            {
              JsonNode *element = json_array_get_element (array, j);

              found = JSON_NODE_HOLDS_VALUE (element) &&
                      json_node_get_value_type (element) == G_TYPE_STRING &&
                      g_str_equal (json_node_get_string (element), wanted);
            }
        }
      else
        found = member != NULL && JSON_NODE_HOLDS_VALUE (member) &&
                json_node_get_value_type (member) == G_TYPE_STRING &&
                g_str_equal (json_node_get_string (member), wanted);
      if (!found)
        return FALSE;
    }
  return TRUE;
}

static JsonObject *
new_record (ConcordMockDescribed *self)
{
  JsonObject *record = json_object_new ();
  JsonNode *id = json_node_new (JSON_NODE_VALUE);
  gint64 now = next_time (self);

  json_node_set_int (id, self->next_id++);
  concord_mock_described_set_path (record, self->api->id_path, id);
  if (self->api->created_path != NULL)
    concord_mock_described_set_path (record, self->api->created_path,
                                     format_time (self->api->modified_format, now));
  concord_mock_described_set_path (record, self->api->modified_path,
                                   format_time (self->api->modified_format, now));
  if (self->api->values_path != NULL)
    {
      g_autofree char *name = g_strndup (self->api->values_path,
                                         strcspn (self->api->values_path, "[."));

      json_object_set_array_member (record, name, json_array_new ());
    }
  for (guint i = 0; self->api->where != NULL && self->api->where[i] != NULL; i += 2)
    concord_mock_described_set_path (record, self->api->where[i],
                                     json_node_init_string (json_node_alloc (),
                                                            self->api->where[i + 1]));
  if (self->quirks->init_record != NULL)
    self->quirks->init_record (record);

  g_ptr_array_add (self->records, record);
  g_hash_table_insert (self->by_id, GINT_TO_POINTER (record_id (self, record)), record);
  return record;
}

/* @object: (transfer full) */
static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

/* The top-level member names the app sets itself: never written, never
 * cleared. */
static gboolean
is_read_only (ConcordMockDescribed *self,
              const char           *member)
{
  const char *paths[] = { self->api->id_path, self->api->modified_path, self->api->created_path };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    if (paths[i] != NULL && strncmp (paths[i], member, strlen (member)) == 0 &&
        (paths[i][strlen (member)] == '\0' || paths[i][strlen (member)] == '.'))
      return TRUE;
  return self->api->read_only != NULL && g_strv_contains ((const char * const *) self->api->read_only,
                                                          member);
}

static void
save (ConcordMockDescribed *self)
{
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  JsonArray *records;

  if (self->save_path == NULL)
    return;
  root = json_object_new ();
  records = json_array_new ();
  for (guint i = 0; i < self->records->len; i++)
    json_array_add_object_element (records, json_object_ref (g_ptr_array_index (self->records, i)));
  json_object_set_string_member (root, "format", "concord-mock-described");
  json_object_set_string_member (root, "app", self->api->app_id);
  json_object_set_int_member (root, "next_id", self->next_id);
  json_object_set_array_member (root, "records", records);
  json_object_set_array_member (root, "fields", json_array_ref (self->fields));
  node = object_node (g_steal_pointer (&root));
  text = json_to_string (node, TRUE);
  if (!g_file_set_contents (self->save_path, text, -1, &error))
    g_warning ("Could not save the simulated %s: %s", self->api->app_id, error->message);
}

/* ------------------------------------------------------------------------- */
/* Checking and applying a written record                                    */
/* ------------------------------------------------------------------------- */

/* Checks a create or update body; the problem, or NULL. */
static char *
check_record (ConcordMockDescribed *self,
              JsonObject           *body)
{
  g_autoptr(GPtrArray) emails = collect_path (body, self->api->email_path);

  for (guint i = 0; i < emails->len; i++)
    {
      JsonNode *email = g_ptr_array_index (emails, i);

      if (JSON_NODE_HOLDS_NULL (email))
        continue;
      if (!JSON_NODE_HOLDS_VALUE (email) || json_node_get_value_type (email) != G_TYPE_STRING ||
          !email_is_valid (json_node_get_string (email)))
        return g_strdup ("Invalid email address");
    }

  if (self->api->values_path != NULL)
    {
      g_autoptr(GPtrArray) values = collect_path (body, self->api->values_path);

      for (guint i = 0; i < values->len; i++)
        {
          JsonNode *entry = g_ptr_array_index (values, i);
          JsonObject *definition;
          JsonNode *value;

          if (!JSON_NODE_HOLDS_OBJECT (entry))
            return g_strdup ("A custom field value must be an object");
          definition = find_field (self, concord_mock_described_get_path (json_node_get_object (entry),
                                                                          self->api->value_key_path));
          if (definition == NULL)
            return g_strdup ("Unknown custom field");
          value = concord_mock_described_get_path (json_node_get_object (entry),
                                                   self->api->value_path);
          if (value != NULL && !JSON_NODE_HOLDS_NULL (value) &&
              self->quirks->check_custom_value != NULL)
            {
              char *problem = self->quirks->check_custom_value (definition, value);

              if (problem != NULL)
                return problem;
            }
        }
    }
  return NULL;
}

/* The custom values of @record and @body merged by field: @body's win. */
static void
merge_values (ConcordMockDescribed *self,
              JsonObject           *record,
              JsonObject           *body,
              const char           *member)
{
  JsonArray *old = json_object_get_array_member (record, member);
  JsonArray *new = json_object_get_array_member (body, member);
  JsonArray *merged = json_array_new ();

  for (guint i = 0; old != NULL && i < json_array_get_length (old); i++)
    {
      JsonObject *entry = json_array_get_object_element (old, i);
      JsonNode *key = concord_mock_described_get_path (entry, self->api->value_key_path);
      gboolean replaced = FALSE;

      for (guint j = 0; !replaced && j < json_array_get_length (new); j++)
        {
          JsonNode *other = concord_mock_described_get_path (json_array_get_object_element (new, j),
                                                             self->api->value_key_path);

          replaced = key != NULL && other != NULL && json_node_equal (key, other);
        }
      if (!replaced)
        json_array_add_object_element (merged, json_object_ref (entry));
    }
  for (guint j = 0; j < json_array_get_length (new); j++)
    json_array_add_element (merged, json_node_copy (json_array_get_element (new, j)));
  json_object_set_array_member (record, member, merged);
}

static void
apply_record (ConcordMockDescribed *self,
              JsonObject           *record,
              JsonObject           *body,
              gboolean              creating,
              gboolean              replace)
{
  g_autofree char *values_member = self->api->values_path != NULL
                                   ? g_strndup (self->api->values_path,
                                                strcspn (self->api->values_path, "[."))
                                   : NULL;
  g_autoptr(GList) members = NULL;
  JsonObjectIter iter;
  const char *member;
  JsonNode *value;

  /* A full replacement: what the body omits is gone. */
  if (replace)
    {
      members = json_object_get_members (record);
      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *old = json_object_get_member (record, l->data);

          if (is_read_only (self, l->data) || json_object_has_member (body, l->data))
            continue;
          if (JSON_NODE_HOLDS_ARRAY (old))
            json_object_set_array_member (record, l->data, json_array_new ());
          else
            json_object_set_null_member (record, l->data);
        }
    }

  json_object_iter_init (&iter, body);
  while (json_object_iter_next (&iter, &member, &value))
    {
      if (is_read_only (self, member))
        continue;
      if (!creating && self->quirks->update_member != NULL &&
          self->quirks->update_member (record, member, value))
        continue;
      if (!replace && values_member != NULL && g_str_equal (member, values_member) &&
          JSON_NODE_HOLDS_ARRAY (value))
        merge_values (self, record, body, member);
      else
        json_object_set_member (record, member, json_node_copy (value));
    }
  concord_mock_described_set_path (record, self->api->modified_path,
                                   format_time (self->api->modified_format, next_time (self)));
  if (self->quirks->fix_record != NULL)
    self->quirks->fix_record (record);
}

/* ------------------------------------------------------------------------- */
/* Answers                                                                   */
/* ------------------------------------------------------------------------- */

static char *
build_error_body (guint       status,
                  const char *message,
                  gpointer    user_data)
{
  ConcordMockDescribed *self = user_data;
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (self->quirks->error_body != NULL)
    return self->quirks->error_body (status, message);

  root = json_object_new ();
  concord_mock_described_set_path (root, self->api->error_path,
                                   json_node_init_string (json_node_alloc (), message));
  node = object_node (g_steal_pointer (&root));
  return json_to_string (node, FALSE);
}

static void
respond_json (ConcordMockRequest *request,
              guint               status,
              JsonNode           *node)
{
  g_autoptr(JsonNode) owned = node;

  concord_mock_request_respond (request, status, "application/json",
                                json_to_string (owned, FALSE));
}

/* A record (or, for a batch, an array) as an answer shows it: at the
 * described answer path ({"party": …}), or as the whole answer. */
static void
respond_at (ConcordMockRequest *request,
            guint               status,
            const char         *answer_path,
            JsonNode           *value)
{
  JsonObject *wrapper;

  if (answer_path == NULL)
    {
      respond_json (request, status, value);
      return;
    }
  wrapper = json_object_new ();
  concord_mock_described_set_path (wrapper, answer_path, value);
  respond_json (request, status, object_node (wrapper));
}

/* A record as this request sees it: as stored, or as the quirks present
 * it (Capsule's members shown only when embedded). (transfer full) */
static JsonObject *
present (ConcordMockDescribed *self,
         ConcordMockRequest   *request,
         JsonObject           *record)
{
  if (self->quirks->present != NULL)
    return self->quirks->present (record, request);
  return json_object_ref (record);
}

static void
respond_record (ConcordMockDescribed *self,
                ConcordMockRequest   *request,
                guint                 status,
                const char           *answer_path,
                JsonObject           *record)
{
  respond_at (request, status, answer_path, object_node (present (self, request, record)));
}

static JsonNode *
request_json (ConcordMockRequest *request)
{
  GBytes *bytes = concord_mock_request_get_body (request);
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize length = 0;
  const char *data = bytes != NULL ? g_bytes_get_data (bytes, &length) : NULL;
  JsonNode *root;

  if (data == NULL || length == 0 || !json_parser_load_from_data (parser, data, (gssize) length, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  return root != NULL ? json_node_copy (root) : NULL;
}

/* ------------------------------------------------------------------------- */
/* Rate limit and authentication                                             */
/* ------------------------------------------------------------------------- */

static void
set_rate_header (ConcordMockRequest *request,
                 const char         *name,
                 gint64              value)
{
  g_autofree char *text = NULL;

  if (name == NULL)
    return;
  text = g_strdup_printf ("%" G_GINT64_FORMAT, value);
  concord_mock_request_set_response_header (request, name, text);
}

/* The rolling window: FALSE when this request is over the limit (answered). */
static gboolean
take_window (ConcordMockDescribed *self,
             ConcordMockRequest   *request)
{
  gint64 now = g_get_monotonic_time ();
  gint64 *oldest;
  gint64 reset;
  guint used;

  if (self->rate_limit == 0)
    return TRUE;

  while ((oldest = g_queue_peek_head (&self->window)) != NULL && *oldest + self->window_us <= now)
    g_free (g_queue_pop_head (&self->window));
  oldest = g_queue_peek_head (&self->window);
  reset = oldest != NULL ? (*oldest + self->window_us - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC
                         : self->window_us / G_USEC_PER_SEC;
  used = g_queue_get_length (&self->window);

  set_rate_header (request, self->api->limit_header, self->rate_limit);
  if (self->api->reset_header != NULL)
    set_rate_header (request, self->api->reset_header,
                     self->api->reset_is_epoch ? g_get_real_time () / G_USEC_PER_SEC + reset : reset);
  if (used >= self->rate_limit)
    {
      set_rate_header (request, self->api->remaining_header, 0);
      if (self->api->retry_after)
        set_rate_header (request, "Retry-After", MAX (reset, 1));
      concord_mock_request_respond_error (request, 429, "Too many requests");
      return FALSE;
    }
  g_queue_push_tail (&self->window, g_memdup2 (&now, sizeof now));
  set_rate_header (request, self->api->remaining_header, self->rate_limit - used - 1);
  return TRUE;
}

static gboolean
check_auth (ConcordMockDescribed *self,
            ConcordMockRequest   *request)
{
  ConcordMockDescribedApi *api = self->api;

  switch (api->auth_kind)
    {
    case CONCORD_MOCK_DESCRIBED_AUTH_HEADER:
      if (!concord_mock_request_check_header (request, api->auth_name, self->secret))
        return FALSE;
      break;
    case CONCORD_MOCK_DESCRIBED_AUTH_BEARER:
      if (!concord_mock_request_check_bearer (request, self->secret))
        return FALSE;
      break;
    case CONCORD_MOCK_DESCRIBED_AUTH_BASIC:
      if (!concord_mock_request_check_basic (request, self->secret, ""))
        return FALSE;
      break;
    case CONCORD_MOCK_DESCRIBED_AUTH_QUERY:
    default:
      if (!concord_mock_request_check_query_key (request, api->auth_name, self->secret))
        return FALSE;
      break;
    }

  /* The fixed headers the description names ("X-PW-Application:
   * developer_api"); those that carry an account field are the quirks'. */
  for (guint i = 0; api->fixed_headers != NULL && api->fixed_headers[i] != NULL; i += 2)
    if (!concord_mock_request_check_header (request, api->fixed_headers[i],
                                            api->fixed_headers[i + 1]))
      return FALSE;
  for (guint i = 0; api->account_headers != NULL && api->account_headers[i] != NULL; i++)
    {
      const char *value = concord_mock_request_get_header (request, api->account_headers[i]);

      if (value == NULL || *value == '\0')
        return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Routes                                                                    */
/* ------------------------------------------------------------------------- */

/* A parameter of the listing, from the query or from a POSTed body. */
static JsonNode *
list_param (ConcordMockDescribed *self,
            ConcordMockRequest   *request,
            JsonObject           *body,
            const char           *name)
{
  const char *text;

  if (name == NULL)
    return NULL;
  if (body != NULL)
    {
      JsonNode *node = json_object_get_member (body, name);

      return node != NULL ? json_node_copy (node) : NULL;
    }
  text = concord_mock_request_get_query_param (request, name);
  return text != NULL ? json_node_init_string (json_node_alloc (), text) : NULL;
}

static gboolean
param_number (JsonNode *node,
              gint64    min,
              gint64    max,
              gint64   *number)
{
  if (node == NULL)
    return FALSE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    *number = json_node_get_int (node);
  else if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
           !g_ascii_string_to_signed (json_node_get_string (node), 10, min, max, number, NULL))
    return FALSE;
  return *number >= min && *number <= max;
}

static int
compare_modified (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  ConcordMockDescribed *self = user_data;
  JsonObject *ra = *(JsonObject * const *) a;
  JsonObject *rb = *(JsonObject * const *) b;
  gint64 ta = 0, tb = 0;

  parse_time (concord_mock_described_get_path (ra, self->api->modified_path), &ta);
  parse_time (concord_mock_described_get_path (rb, self->api->modified_path), &tb);
  if (ta != tb)
    return ta < tb ? -1 : 1;
  return record_id (self, ra) < record_id (self, rb) ? -1 : 1;
}

/* A cursor: the offset of the next record, opaque to clients. */
static JsonNode *
make_cursor (gint64 offset)
{
  g_autofree char *text = g_strdup_printf ("offset:%" G_GINT64_FORMAT, offset);
  g_autofree char *encoded = g_base64_encode ((const guchar *) text, strlen (text));

  return json_node_init_string (json_node_alloc (), encoded);
}

static gboolean
read_cursor (JsonNode *node,
             gint64   *offset)
{
  g_autofree guchar *decoded = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  guint64 number;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  decoded = g_base64_decode (json_node_get_string (node), &length);
  text = g_strndup ((const char *) decoded, length);
  if (!g_str_has_prefix (text, "offset:") ||
      !g_ascii_string_to_unsigned (text + strlen ("offset:"), 10, 0, G_MAXINT32, &number, NULL))
    return FALSE;
  *offset = (gint64) number;
  return TRUE;
}

/* @plain: the app's other listing, which takes no incremental filter
 * (Insightly's GET /Contacts beside /Contacts/Search): the parameter is
 * ignored there, as the app ignores it. */
static void
list_records (ConcordMockDescribed *self,
              ConcordMockRequest   *request,
              gboolean              plain)
{
  ConcordMockDescribedApi *api = self->api;
  g_autoptr(JsonNode) body_node = NULL;
  g_autoptr(JsonNode) size_node = NULL;
  g_autoptr(JsonNode) page_node = NULL;
  g_autoptr(JsonNode) since_node = NULL;
  g_autoptr(GPtrArray) selected = g_ptr_array_new ();
  JsonObject *body = NULL;
  JsonArray *page;
  gint64 size = api->default_page_size;
  gboolean by_page = api->paging == CONCORD_MOCK_DESCRIBED_PAGING_PAGE ||
                     api->paging == CONCORD_MOCK_DESCRIBED_PAGING_LINK;
  gint64 position = by_page ? 1 : 0;
  gint64 since = 0;
  gint64 start;
  gboolean filtered = FALSE;

  if (g_str_equal (concord_mock_request_get_method (request), "POST"))
    {
      g_autofree char *problem = NULL;

      body_node = request_json (request);
      if (body_node == NULL || !JSON_NODE_HOLDS_OBJECT (body_node))
        {
          concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                              "The body must be a JSON object");
          return;
        }
      body = json_node_get_object (body_node);
      if (self->quirks->check_list_body != NULL &&
          (problem = self->quirks->check_list_body (body)) != NULL)
        {
          concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, problem);
          return;
        }
    }

  size_node = list_param (self, request, body, api->size_param);
  if (size_node != NULL && !param_number (size_node, 1, api->max_page_size, &size))
    {
      g_autofree char *message = g_strdup_printf ("%s must be between 1 and %u", api->size_param,
                                                  api->max_page_size);

      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, message);
      return;
    }
  page_node = list_param (self, request, body, api->page_param);
  if (api->paging == CONCORD_MOCK_DESCRIBED_PAGING_CURSOR)
    {
      /* An opaque cursor: the offset of the next record, encoded. */
      if (page_node != NULL && !read_cursor (page_node, &position))
        {
          concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, "Invalid cursor");
          return;
        }
    }
  else if (page_node != NULL &&
           !param_number (page_node, by_page ? 1 : 0, G_MAXINT32, &position))
    {
      g_autofree char *message = g_strdup_printf ("Invalid %s", api->page_param);

      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, message);
      return;
    }
  if (body == NULL && self->quirks->check_list_query != NULL && !plain)
    {
      g_autofree char *problem = self->quirks->check_list_query (request);

      if (problem != NULL)
        {
          concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, problem);
          return;
        }
    }
  since_node = plain ? NULL : list_param (self, request, body, api->since_param);
  if (since_node != NULL)
    {
      if (!parse_time (since_node, &since))
        {
          g_autofree char *message = g_strdup_printf ("Invalid %s", api->since_param);

          concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, message);
          return;
        }
      filtered = TRUE;
    }

  for (guint i = 0; i < self->records->len; i++)
    {
      JsonObject *record = g_ptr_array_index (self->records, i);
      gint64 modified = 0;

      if (!is_contact (self, record))
        continue;
      if (filtered &&
          (!parse_time (concord_mock_described_get_path (record, api->modified_path), &modified) ||
           modified < since))
        continue;
      g_ptr_array_add (selected, record);
    }
  /* By modification time when asked (Copper's sort_by), else by id. */
  if (api->sort_param != NULL)
    {
      g_autoptr(JsonNode) sort = list_param (self, request, body, api->sort_param);

      if (sort != NULL && JSON_NODE_HOLDS_VALUE (sort) &&
          json_node_get_value_type (sort) == G_TYPE_STRING &&
          g_strcmp0 (json_node_get_string (sort), api->sort_value) == 0)
        g_ptr_array_sort_with_data (selected, compare_modified, self);
    }

  start = by_page ? (position - 1) * size : position;
  page = json_array_new ();
  for (gint64 i = start; i >= 0 && i < (gint64) selected->len && i < start + size; i++)
    json_array_add_object_element (page, present (self, request, g_ptr_array_index (selected, i)));

  if (api->total_header != NULL)
    set_rate_header (request, api->total_header, selected->len);
  if (api->paging == CONCORD_MOCK_DESCRIBED_PAGING_LINK && start + size < (gint64) selected->len)
    {
      /* The request's own query, the page moved on (and the size said):
       * what the client asked (embed, since, …) holds on every page. */
      GPtrArray *params = concord_mock_request_get_query_params (request);
      g_autoptr(GString) next = g_string_new (self->base_url);
      g_autofree char *link = NULL;

      g_string_append_printf (next, "%s?%s=%" G_GINT64_FORMAT, api->list_path, api->page_param,
                              position + 1);
      if (api->size_param != NULL)
        g_string_append_printf (next, "&%s=%" G_GINT64_FORMAT, api->size_param, size);
      for (guint i = 0; i + 1 < params->len; i += 2)
        {
          const char *name = g_ptr_array_index (params, i);
          g_autofree char *escaped_name = NULL;
          g_autofree char *escaped_value = NULL;

          if (g_str_equal (name, api->page_param) || g_strcmp0 (name, api->size_param) == 0)
            continue;
          escaped_name = g_uri_escape_string (name, NULL, FALSE);
          escaped_value = g_uri_escape_string (g_ptr_array_index (params, i + 1), NULL, FALSE);
          g_string_append_printf (next, "&%s=%s", escaped_name, escaped_value);
        }
      link = g_strdup_printf ("<%s>; rel=\"next\"", next->str);
      concord_mock_request_set_response_header (request, "Link", link);
    }

  if (api->records_path != NULL)
    {
      JsonObject *wrapper = json_object_new ();
      JsonNode *array = json_node_new (JSON_NODE_ARRAY);

      json_node_take_array (array, page);
      concord_mock_described_set_path (wrapper, api->records_path, array);
      if (api->paging == CONCORD_MOCK_DESCRIBED_PAGING_CURSOR && api->next_path != NULL &&
          start + size < (gint64) selected->len)
        concord_mock_described_set_path (wrapper, api->next_path, make_cursor (start + size));
      respond_json (request, SOUP_STATUS_OK, object_node (wrapper));
    }
  else
    {
      JsonNode *array = json_node_new (JSON_NODE_ARRAY);

      json_node_take_array (array, page);
      respond_json (request, SOUP_STATUS_OK, array);
    }
}

/* The id of "/people/123" against "/people/{id}"; 0 when it does not match. */
static gint64
match_template (const char *template,
                const char *path)
{
  const char *hole = template != NULL ? strstr (template, "{id}") : NULL;
  g_autofree char *tail = NULL;
  gsize head;
  guint64 id;

  if (hole == NULL)
    return 0;
  head = hole - template;
  if (strncmp (path, template, head) != 0)
    return 0;
  path += head;
  tail = g_strdup (hole + strlen ("{id}"));
  if (*tail != '\0')
    {
      if (!g_str_has_suffix (path, tail))
        return 0;
      {
        g_autofree char *digits = g_strndup (path, strlen (path) - strlen (tail));

        if (!g_ascii_string_to_unsigned (digits, 10, 1, G_MAXINT64, &id, NULL))
          return 0;
      }
      return (gint64) id;
    }
  if (!g_ascii_string_to_unsigned (path, 10, 1, G_MAXINT64, &id, NULL))
    return 0;
  return (gint64) id;
}

static JsonObject *
lookup (ConcordMockDescribed *self,
        gint64                id)
{
  JsonObject *record = g_hash_table_lookup (self->by_id, GINT_TO_POINTER (id));

  return record != NULL && is_contact (self, record) ? record : NULL;
}

/* The record in a written body (or batch element): unwrapped as
 * described; NULL when it is not there. */
static JsonObject *
unwrap (ConcordMockDescribed *self,
        JsonNode             *node)
{
  JsonObject *body;
  JsonNode *inner;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  body = json_node_get_object (node);
  if (self->api->body_wrapper == NULL)
    return body;
  inner = json_object_get_member (body, self->api->body_wrapper);
  return inner != NULL && JSON_NODE_HOLDS_OBJECT (inner) ? json_node_get_object (inner) : NULL;
}

static guint
invalid_status (ConcordMockDescribed *self)
{
  return self->quirks->invalid_status != 0 ? self->quirks->invalid_status
                                           : SOUP_STATUS_BAD_REQUEST;
}

/* A batch create: {"<records>": [record…]}, at most the described batch
 * size (400 above); each valid record created, each refused one left out
 * of the answer (the array of those created). */
static void
create_batch (ConcordMockDescribed *self,
              ConcordMockRequest   *request)
{
  g_autoptr(JsonNode) node = request_json (request);
  JsonNode *member = node != NULL && JSON_NODE_HOLDS_OBJECT (node)
                     ? json_object_get_member (json_node_get_object (node),
                                               self->api->create_records)
                     : NULL;
  JsonArray *records;
  JsonArray *created;
  JsonNode *answer;

  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
    {
      g_autofree char *message = g_strdup_printf ("The body must be {\"%s\": [records]}",
                                                  self->api->create_records);

      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, message);
      return;
    }
  records = json_node_get_array (member);
  if (json_array_get_length (records) > self->api->create_batch)
    {
      g_autofree char *message = g_strdup_printf ("At most %u records a request",
                                                  self->api->create_batch);

      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, message);
      return;
    }

  created = json_array_new ();
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *body = unwrap (self, json_array_get_element (records, i));
      g_autofree char *problem = NULL;
      JsonObject *record;

      if (body == NULL || (problem = check_record (self, body)) != NULL ||
          (self->quirks->check_record != NULL &&
           (problem = self->quirks->check_record (body, TRUE)) != NULL))
        continue;
      record = new_record (self);
      apply_record (self, record, body, TRUE, FALSE);
      json_array_add_object_element (created, present (self, request, record));
    }
  save (self);
  answer = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (answer, created);
  respond_at (request, self->api->create_status, self->api->create_answer, answer);
}

static void
write_record (ConcordMockDescribed *self,
              ConcordMockRequest   *request,
              gboolean              creating,
              gint64                path_id)
{
  g_autoptr(JsonNode) node = request_json (request);
  g_autofree char *problem = NULL;
  JsonObject *body = unwrap (self, node);
  JsonObject *record = NULL;

  if (creating && self->api->create_batch > 1)
    {
      create_batch (self, request);
      return;
    }
  if (body == NULL)
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                          self->api->body_wrapper != NULL
                                          ? "The body must be a JSON object wrapping the record"
                                          : "The body must be a JSON object");
      return;
    }

  if (!creating)
    {
      gint64 id = path_id;

      /* An update without the id in its path carries it in the body
       * (Insightly's PUT /Contacts with CONTACT_ID). */
      if (id == 0 && !node_id (concord_mock_described_get_path (body, self->api->id_path), &id))
        {
          g_autofree char *message = g_strdup_printf ("%s is required", self->api->id_path);

          concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, message);
          return;
        }
      record = lookup (self, id);
      if (record == NULL)
        {
          concord_mock_request_respond_error (request, SOUP_STATUS_NOT_FOUND, "Not found");
          return;
        }
    }

  if ((problem = check_record (self, body)) != NULL ||
      (self->quirks->check_record != NULL &&
       (problem = self->quirks->check_record (body, creating)) != NULL))
    {
      concord_mock_request_respond_error (request, invalid_status (self), problem);
      return;
    }

  if (record == NULL)
    record = new_record (self);
  apply_record (self, record, body, creating, !creating && self->quirks->update_replaces);
  save (self);
  respond_record (self, request, creating ? self->api->create_status : SOUP_STATUS_OK,
                  creating ? self->api->create_answer : self->api->update_answer, record);
}

static void
list_fields (ConcordMockDescribed *self,
             ConcordMockRequest   *request)
{
  JsonNode *array = json_node_new (JSON_NODE_ARRAY);

  json_node_set_array (array, self->fields);
  if (self->api->fields_selector != NULL)
    {
      JsonObject *wrapper = json_object_new ();

      concord_mock_described_set_path (wrapper, self->api->fields_selector, array);
      respond_json (request, SOUP_STATUS_OK, object_node (wrapper));
    }
  else
    respond_json (request, SOUP_STATUS_OK, array);
}

static void
on_request_cb (ConcordMockRequest *request,
               gpointer            user_data)
{
  ConcordMockDescribed *self = user_data;
  ConcordMockDescribedApi *api = self->api;
  const char *method = concord_mock_request_get_method (request);
  const char *full_path = concord_mock_request_get_path (request);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  const char *path;
  gint64 id;

  if (!take_window (self, request))
    return;

  if (!g_str_has_prefix (full_path, api->base_path) ||
      (full_path[strlen (api->base_path)] != '/' && full_path[strlen (api->base_path)] != '\0'))
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_NOT_FOUND, "Not found");
      return;
    }
  path = full_path + strlen (api->base_path);

  if (!check_auth (self, request))
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_UNAUTHORIZED, api->auth_message);
      return;
    }
  if (self->quirks->check_request != NULL && !self->quirks->check_request (self, request))
    return;

  if (api->verify_path != NULL && g_str_equal (method, api->verify_method) &&
      g_str_equal (path, api->verify_path))
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (!json_parser_load_from_data (parser, api->verify_answer, -1, NULL))
        g_assert_not_reached ();
      respond_json (request, SOUP_STATUS_OK, json_node_copy (json_parser_get_root (parser)));
    }
  else if (api->fields_path != NULL && g_str_equal (method, "GET") &&
           g_str_equal (path, api->fields_path))
    list_fields (self, request);
  else if (g_str_equal (method, api->list_method) && g_str_equal (path, api->list_path))
    list_records (self, request, FALSE);
  else if (self->quirks->plain_list_path != NULL && g_str_equal (method, "GET") &&
           g_str_equal (path, self->quirks->plain_list_path))
    list_records (self, request, TRUE);
  else if (g_str_equal (method, api->create_method) && g_str_equal (path, api->create_path))
    write_record (self, request, TRUE, 0);
  else if (g_str_equal (method, api->update_method) && strstr (api->update_path, "{id}") == NULL &&
           g_str_equal (path, api->update_path))
    write_record (self, request, FALSE, 0);
  else if (g_str_equal (method, api->update_method) &&
           (id = match_template (api->update_path, path)) != 0)
    write_record (self, request, FALSE, id);
  else if ((g_str_equal (method, "GET") || g_str_equal (method, "DELETE")) &&
           (id = match_template (api->fetch_path, path)) != 0)
    {
      JsonObject *record = lookup (self, id);

      if (record == NULL)
        concord_mock_request_respond_error (request, SOUP_STATUS_NOT_FOUND, "Not found");
      else if (g_str_equal (method, "GET"))
        respond_record (self, request, SOUP_STATUS_OK, self->api->fetch_answer, record);
      else
        {
          g_hash_table_remove (self->by_id, GINT_TO_POINTER (id));
          g_ptr_array_remove (self->records, record);
          save (self);
          concord_mock_request_respond (request, SOUP_STATUS_OK, "application/json",
                                        g_strdup ("{}"));
        }
    }
  else
    concord_mock_request_respond_error (request, SOUP_STATUS_NOT_FOUND, "Not found");
}

/* What the description cannot say about the server, from the quirks. */
static void
apply_quirks (ConcordMockDescribedApi          *api,
              const ConcordMockDescribedQuirks *quirks)
{
#define TAKE_STRING(member, value) \
  if ((value) != NULL) { g_free (api->member); api->member = g_strdup (value); }

  TAKE_STRING (auth_message, quirks->auth_message);
  TAKE_STRING (sort_param, quirks->sort_param);
  TAKE_STRING (sort_value, quirks->sort_value);
  TAKE_STRING (total_header, quirks->total_header);
  TAKE_STRING (limit_header, quirks->limit_header);
  TAKE_STRING (verify_answer, quirks->verify_answer);
  if (api->paging == CONCORD_MOCK_DESCRIBED_PAGING_LINK)
    TAKE_STRING (page_param, quirks->link_page_param);
#undef TAKE_STRING
  if (quirks->max_page_size > 0)
    api->max_page_size = quirks->max_page_size;
  if (quirks->default_page_size > 0)
    api->default_page_size = MIN (quirks->default_page_size, api->max_page_size);
  if (quirks->create_status > 0)
    api->create_status = quirks->create_status;
  api->reset_is_epoch = quirks->reset_is_epoch;
  api->retry_after = quirks->retry_after;
  if (quirks->spaced_times)
    api->modified_format = CONCORD_MOCK_DESCRIBED_TIME_SPACED;
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_mock_described_dispose (GObject *object)
{
  ConcordMockDescribed *self = CONCORD_MOCK_DESCRIBED (object);

  /* The server first: no handler runs on the data after this. */
  g_clear_object (&self->server);

  G_OBJECT_CLASS (concord_mock_described_parent_class)->dispose (object);
}

static void
concord_mock_described_finalize (GObject *object)
{
  ConcordMockDescribed *self = CONCORD_MOCK_DESCRIBED (object);

  g_free (self->base_url);
  g_free (self->secret);
  g_free (self->save_path);
  g_clear_pointer (&self->api, concord_mock_described_api_free);
  g_hash_table_unref (self->by_id);
  g_ptr_array_unref (self->records);
  json_array_unref (self->fields);
  g_queue_clear_full (&self->window, g_free);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (concord_mock_described_parent_class)->finalize (object);
}

static void
concord_mock_described_class_init (ConcordMockDescribedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = concord_mock_described_dispose;
  object_class->finalize = concord_mock_described_finalize;
}

static void
concord_mock_described_init (ConcordMockDescribed *self)
{
  g_mutex_init (&self->mutex);
  self->records = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  self->by_id = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->fields = json_array_new ();
  self->next_id = 1;
  g_queue_init (&self->window);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_mock_described_new:
 * @app_id: the id of a shipped description ("copper")
 * @quirks: (nullable): what the description cannot say
 * @secret: the only key accepted
 * @port: 0 for any free port on 127.0.0.1
 *
 * Returns: (transfer full): a running mock with the app's custom field
 *   definitions (its quirks' sample ones) and no records
 */
ConcordMockDescribed *
concord_mock_described_new (const char                       *app_id,
                            const ConcordMockDescribedQuirks *quirks,
                            const char                       *secret,
                            guint                             port,
                            GError                          **error)
{
  static const ConcordMockDescribedQuirks none = { 0 };
  g_autoptr(ConcordMockDescribed) self = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (app_id != NULL, NULL);
  g_return_val_if_fail (secret != NULL, NULL);

  self = g_object_new (CONCORD_TYPE_MOCK_DESCRIBED, NULL);
  self->quirks = quirks != NULL ? quirks : &none;
  self->secret = g_strdup (secret);
  self->api = concord_mock_described_api_load (app_id, error);
  if (self->api == NULL)
    return NULL;
  apply_quirks (self->api, self->quirks);
  name = g_strdup_printf ("concord-mock-%s", app_id);
  self->server = concord_mock_server_new (name, port, error);
  if (self->server == NULL)
    return NULL;
  concord_mock_server_set_error_body_func (self->server, build_error_body, self, NULL);
  concord_mock_server_add_route (self->server, NULL, "/", on_request_cb, self, NULL);
  self->base_url = g_strconcat (concord_mock_server_get_origin (self->server),
                                self->api->base_path, NULL);
  if (self->quirks->sample_fields != NULL)
    {
      json_array_unref (self->fields);
      self->fields = self->quirks->sample_fields ();
    }

  return g_steal_pointer (&self);
}

const char *
concord_mock_described_get_app_id (ConcordMockDescribed *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_DESCRIBED (self), NULL);

  return self->api->app_id;
}

const char *
concord_mock_described_get_base_url (ConcordMockDescribed *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_DESCRIBED (self), NULL);

  return self->base_url;
}

ConcordMockServer *
concord_mock_described_get_server (ConcordMockDescribed *self)
{
  g_return_val_if_fail (CONCORD_IS_MOCK_DESCRIBED (self), NULL);

  return self->server;
}

void
concord_mock_described_set_secret (ConcordMockDescribed *self,
                                   const char           *secret)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_DESCRIBED (self));
  g_return_if_fail (secret != NULL);

  locker = g_mutex_locker_new (&self->mutex);
  g_free (self->secret);
  self->secret = g_strdup (secret);
}

/* The accepted secret (server thread, for the quirks; lock held). */
const char *
concord_mock_described_get_secret (ConcordMockDescribed *self)
{
  return self->secret;
}

void
concord_mock_described_set_rate_limit (ConcordMockDescribed *self,
                                       guint                 limit,
                                       guint                 window_s)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_DESCRIBED (self));

  locker = g_mutex_locker_new (&self->mutex);
  self->rate_limit = limit;
  self->window_us = (gint64) MAX (window_s, 1) * G_USEC_PER_SEC;
  g_queue_clear_full (&self->window, g_free);
}

/**
 * concord_mock_described_add_field_json:
 * @json: a custom field definition as the fields endpoint lists it
 */
void
concord_mock_described_add_field_json (ConcordMockDescribed *self,
                                       const char           *json)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_return_if_fail (CONCORD_IS_MOCK_DESCRIBED (self));

  locker = g_mutex_locker_new (&self->mutex);
  if (!json_parser_load_from_data (parser, json, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    g_return_if_reached ();
  json_array_add_element (self->fields, json_node_copy (json_parser_get_root (parser)));
}

/**
 * concord_mock_described_put_record_json:
 * @json: a record as the create endpoint takes it (unwrapped), applied
 *   without the checks, so tests can store what the API would refuse;
 *   its modification time, when given, is kept (a test may date a record
 *   in the past)
 *
 * Returns: the new record's id, 0 on error
 */
gint64
concord_mock_described_put_record_json (ConcordMockDescribed  *self,
                                        const char            *json,
                                        GError               **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *body;
  JsonObject *record;
  JsonNode *modified;

  g_return_val_if_fail (CONCORD_IS_MOCK_DESCRIBED (self), 0);

  locker = g_mutex_locker_new (&self->mutex);
  if (!json_parser_load_from_data (parser, json, -1, error))
    return 0;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a JSON object");
      return 0;
    }
  body = json_node_get_object (json_parser_get_root (parser));
  record = new_record (self);
  apply_record (self, record, body, TRUE, FALSE);
  modified = concord_mock_described_get_path (body, self->api->modified_path);
  if (modified != NULL)
    concord_mock_described_set_path (record, self->api->modified_path, json_node_copy (modified));
  save (self);
  return record_id (self, record);
}

/* Returns: (transfer full) (nullable): the record as a fetch shows it, unwrapped */
char *
concord_mock_described_get_record_json (ConcordMockDescribed *self,
                                        gint64                id)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *record;

  g_return_val_if_fail (CONCORD_IS_MOCK_DESCRIBED (self), NULL);

  locker = g_mutex_locker_new (&self->mutex);
  record = g_hash_table_lookup (self->by_id, GINT_TO_POINTER (id));
  if (record == NULL)
    return NULL;
  node = object_node (json_object_ref (record));
  return json_to_string (node, FALSE);
}

/* Returns: the records of any kind (Capsule: organisations too) */
guint
concord_mock_described_get_n_records (ConcordMockDescribed *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (CONCORD_IS_MOCK_DESCRIBED (self), 0);

  locker = g_mutex_locker_new (&self->mutex);
  return self->records->len;
}

/* Returns: the id of the first contact with @email (any case), 0 if none */
gint64
concord_mock_described_find_email (ConcordMockDescribed *self,
                                   const char           *email)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (CONCORD_IS_MOCK_DESCRIBED (self), 0);

  locker = g_mutex_locker_new (&self->mutex);
  for (guint i = 0; i < self->records->len; i++)
    {
      JsonObject *record = g_ptr_array_index (self->records, i);
      g_autoptr(GPtrArray) emails = collect_path (record, self->api->email_path);

      if (!is_contact (self, record))
        continue;
      for (guint j = 0; j < emails->len; j++)
        {
          JsonNode *node = g_ptr_array_index (emails, j);

          if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
              g_ascii_strcasecmp (json_node_get_string (node), email) == 0)
            return record_id (self, record);
        }
    }
  return 0;
}

/**
 * concord_mock_described_generate:
 *
 * Adds @n made-up contacts, the same for the same @seed: names, an email
 * (personNNNNN.SEED@example.com), sometimes a phone and a company, and
 * values for some of the account's custom fields.
 */
void
concord_mock_described_generate (ConcordMockDescribed *self,
                                 guint                 n,
                                 guint32               seed)
{
  static const char *first_names[] = { "Ada", "Ben", "Chloé", "Dmitri", "Eva", "Farah", "Goran",
                                       "Hana", "Ivo", "Jun" };
  static const char *last_names[] = { "Lovelace", "Okafor", "Durand", "Petrov", "Novak", "Haddad",
                                      "Ilić", "Sato", "Costa", "Lee" };
  static const char *companies[] = { "Acme Ltd", "Globex", "Initech", "Umbrella Co", "Hooli" };
  g_autoptr(GRand) rand = NULL;
  ConcordMockDescribedApi *api;

  g_return_if_fail (CONCORD_IS_MOCK_DESCRIBED (self));

  rand = g_rand_new_with_seed (seed);
  api = self->api;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
      g_autofree char *email = g_strdup_printf ("person%05u.%u@example.com", i, seed);
      g_autofree char *phone = g_strdup_printf ("+1 555 %04d", g_rand_int_range (rand, 0, 10000));
      const char *first = first_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (first_names))];
      const char *last = last_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (last_names))];
      const char *company = companies[g_rand_int_range (rand, 0, G_N_ELEMENTS (companies))];
      JsonObject *record = new_record (self);

      if (api->first_name_path != NULL)
        concord_mock_described_set_path (record, api->first_name_path,
                                         json_node_init_string (json_node_alloc (), first));
      if (api->last_name_path != NULL)
        concord_mock_described_set_path (record, api->last_name_path,
                                         json_node_init_string (json_node_alloc (), last));
      if (api->name_path != NULL)
        {
          g_autofree char *name = g_strdup_printf ("%s %s", first, last);

          concord_mock_described_set_path (record, api->name_path,
                                           json_node_init_string (json_node_alloc (), name));
        }
      concord_mock_described_set_path (record, api->email_path,
                                       json_node_init_string (json_node_alloc (), email));
      if (api->email_label_path != NULL)
        concord_mock_described_set_path (record, api->email_label_path,
                                         json_node_init_string (json_node_alloc (),
                                                                api->email_label));
      if (api->phone_path != NULL && g_rand_boolean (rand))
        concord_mock_described_set_path (record, api->phone_path,
                                         json_node_init_string (json_node_alloc (), phone));
      if (api->company_path != NULL && g_rand_boolean (rand))
        concord_mock_described_set_path (record, api->company_path,
                                         json_node_init_string (json_node_alloc (), company));

      for (guint f = 0; self->quirks->sample_value != NULL &&
                        f < json_array_get_length (self->fields); f++)
        {
          JsonObject *definition = json_array_get_object_element (self->fields, f);
          JsonNode *value = self->quirks->sample_value (definition, rand);
          JsonObject *entry;
          JsonNode *entry_node;
          JsonNode *key;

          if (value == NULL)
            continue;
          key = concord_mock_described_get_path (definition, api->def_id_path);
          entry = json_object_new ();
          concord_mock_described_set_path (entry, api->value_key_path, json_node_copy (key));
          concord_mock_described_set_path (entry, api->value_path, value);
          entry_node = object_node (entry);
          concord_mock_described_set_path (record, api->values_path, entry_node);
        }
      if (self->quirks->fix_record != NULL)
        self->quirks->fix_record (record);
    }
  {
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

    save (self);
  }
}

/**
 * concord_mock_described_load_file:
 *
 * Replaces the account with a file saved by set_save_path().
 */
gboolean
concord_mock_described_load_file (ConcordMockDescribed  *self,
                                  const char            *path,
                                  GError               **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonArray *records;
  JsonArray *fields;

  g_return_val_if_fail (CONCORD_IS_MOCK_DESCRIBED (self), FALSE);

  locker = g_mutex_locker_new (&self->mutex);
  if (!json_parser_load_from_mapped_file (parser, path, error))
    return FALSE;
  root = JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))
         ? json_node_get_object (json_parser_get_root (parser)) : NULL;
  records = root != NULL && json_object_has_member (root, "records") &&
            JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "records"))
            ? json_object_get_array_member (root, "records") : NULL;
  fields = root != NULL && json_object_has_member (root, "fields") &&
           JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "fields"))
           ? json_object_get_array_member (root, "fields") : NULL;
  if (root == NULL || records == NULL || fields == NULL ||
      g_strcmp0 (json_object_get_string_member_with_default (root, "format", NULL),
                 "concord-mock-described") != 0 ||
      g_strcmp0 (json_object_get_string_member_with_default (root, "app", NULL),
                 self->api->app_id) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s is not a file of the simulated %s", path, self->api->app_id);
      return FALSE;
    }

  g_hash_table_remove_all (self->by_id);
  g_ptr_array_set_size (self->records, 0);
  self->next_id = 1;
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonNode *element = json_array_get_element (records, i);
      JsonObject *record;
      gint64 id;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      record = json_object_ref (json_node_get_object (element));
      id = record_id (self, record);
      if (id <= 0 || g_hash_table_contains (self->by_id, GINT_TO_POINTER (id)))
        {
          json_object_unref (record);
          continue;
        }
      g_ptr_array_add (self->records, record);
      g_hash_table_insert (self->by_id, GINT_TO_POINTER (id), record);
      self->next_id = MAX (self->next_id, id + 1);
    }
  self->next_id = MAX (self->next_id, json_object_get_int_member_with_default (root, "next_id", 1));
  json_array_unref (self->fields);
  self->fields = json_array_ref (fields);
  return TRUE;
}

void
concord_mock_described_set_save_path (ConcordMockDescribed *self,
                                      const char           *path)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CONCORD_IS_MOCK_DESCRIBED (self));

  locker = g_mutex_locker_new (&self->mutex);
  g_free (self->save_path);
  self->save_path = g_strdup (path);
  save (self);
}

/* ------------------------------------------------------------------------- */
/* ConcordMockAppInfo                                                        */
/* ------------------------------------------------------------------------- */

/* An info's create: the app as concord-mock and the sandbox serve it,
 * with its rate limit. */
GObject *
_concord_mock_described_info_create (const char                       *app_id,
                                     const ConcordMockDescribedQuirks *quirks,
                                     const char                       *secret,
                                     guint                             port,
                                     GError                          **error)
{
  ConcordMockDescribed *mock = concord_mock_described_new (app_id, quirks, secret, port, error);

  if (mock != NULL && quirks->rate_limit > 0)
    concord_mock_described_set_rate_limit (mock, quirks->rate_limit, quirks->rate_window_s);
  return G_OBJECT (mock);
}

ConcordMockServer *
_concord_mock_described_info_get_server (GObject *mock)
{
  return concord_mock_described_get_server (CONCORD_MOCK_DESCRIBED (mock));
}

const char *
_concord_mock_described_info_get_base_url (GObject *mock)
{
  return concord_mock_described_get_base_url (CONCORD_MOCK_DESCRIBED (mock));
}

void
_concord_mock_described_info_set_secret (GObject    *mock,
                                         const char *secret)
{
  concord_mock_described_set_secret (CONCORD_MOCK_DESCRIBED (mock), secret);
}

void
_concord_mock_described_info_generate (GObject *mock,
                                       guint    n,
                                       guint32  seed)
{
  concord_mock_described_generate (CONCORD_MOCK_DESCRIBED (mock), n, seed);
}

gboolean
_concord_mock_described_info_load_file (GObject     *mock,
                                        const char  *path,
                                        GError     **error)
{
  return concord_mock_described_load_file (CONCORD_MOCK_DESCRIBED (mock), path, error);
}

void
_concord_mock_described_info_set_save_path (GObject    *mock,
                                            const char *path)
{
  concord_mock_described_set_save_path (CONCORD_MOCK_DESCRIBED (mock), path);
}
