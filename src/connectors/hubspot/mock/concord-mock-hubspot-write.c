/* concord-mock-hubspot-write.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Writes to the simulated HubSpot (see concord-mock-hubspot.c): checking
 * values and properties objects, single writes, and the batch endpoints
 * (create, update, upsert, archive) with their per-record errors.
 */

#define G_LOG_DOMAIN "concord-mock-hubspot"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include "concord-mock-hubspot.h"
#include "concord-mock-hubspot-private.h"

/* ------------------------------------------------------------------------- */
/* Writes                                                                    */
/* ------------------------------------------------------------------------- */

typedef struct
{
  char   *category;
  char   *message;
  char   *context_key;    /* (nullable) */
  char   *context_value;  /* (nullable) */
  guint64 existing;       /* CONFLICT: the contact that has the email */
} Problem;

static void
problem_free (Problem *problem)
{
  g_free (problem->category);
  g_free (problem->message);
  g_free (problem->context_key);
  g_free (problem->context_value);
  g_free (problem);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Problem, problem_free)

static Problem *
problem_new (const char *category,
             const char *context_key,
             const char *context_value,
             char       *message)
{
  Problem *problem = g_new0 (Problem, 1);

  problem->category = g_strdup (category);
  problem->message = message;
  problem->context_key = g_strdup (context_key);
  problem->context_value = g_strdup (context_value);
  return problem;
}

/* Checks one value; NULL when it is valid. */
static Problem *
check_value (ConcordMockHubspot *self,
             const char         *name,
             JsonNode           *node)
{
  ConcordMockHubspotProperty *property = _concord_mock_hubspot_find_property (self, name);
  const char *value;

  if (property == NULL)
    return problem_new ("VALIDATION_ERROR", "propertyName", name,
                        g_strdup_printf ("Property \"%s\" does not exist", name));
  if (property->read_only || property->calculated)
    return problem_new ("VALIDATION_ERROR", "propertyName", name,
                        g_strdup_printf ("\"%s\" is a read only property; its value cannot be "
                                         "set.", name));
  if (JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return problem_new ("VALIDATION_ERROR", "propertyName", name,
                        g_strdup_printf ("Property values must be strings: %s", name));
  value = json_node_get_string (node);
  if (*value == '\0')
    return NULL;
  if (!g_utf8_validate (value, -1, NULL))
    return problem_new ("VALIDATION_ERROR", "propertyName", name,
                        g_strdup_printf ("Property %s is not valid text", name));

  if (g_str_equal (name, "email") && !_concord_mock_hubspot_email_is_valid (value))
    return problem_new ("VALIDATION_ERROR", "propertyName", name,
                        g_strdup_printf ("Property values were not valid: INVALID_EMAIL: Email "
                                         "address %s is invalid", value));
  if (g_str_equal (property->type, "number"))
    {
      char *end = NULL;

      g_ascii_strtod (value, &end);
      if (end == value || *end != '\0')
        return problem_new ("VALIDATION_ERROR", "propertyName", name,
                            g_strdup_printf ("Property values were not valid: INVALID_DOUBLE: "
                                             "%s is not a number", name));
    }
  else if (g_str_equal (property->type, "bool"))
    {
      if (!g_str_equal (value, "true") && !g_str_equal (value, "false"))
        return problem_new ("VALIDATION_ERROR", "propertyName", name,
                            g_strdup_printf ("Property values were not valid: INVALID_BOOLEAN: "
                                             "%s takes true or false", name));
    }
  else if (g_str_equal (property->type, "enumeration"))
    {
      g_auto(GStrv) parts = g_strsplit (value, ";", -1);

      for (guint i = 0; parts[i] != NULL; i++)
        if ((!g_str_equal (property->field_type, "checkbox") && i > 0) ||
            !_concord_mock_hubspot_is_option (property, parts[i]))
          return problem_new ("VALIDATION_ERROR", "propertyName", name,
                              g_strdup_printf ("Property values were not valid: INVALID_OPTION: "
                                               "%s was not one of the allowed options for %s",
                                               parts[i], name));
    }
  else if (g_str_equal (property->type, "date") || g_str_equal (property->type, "datetime"))
    {
      g_autoptr(GDateTime) when = NULL;
      g_autofree char *midnight = g_strconcat (value, "T00:00:00Z", NULL);

      if (!g_ascii_string_to_signed (value, 10, G_MININT64, G_MAXINT64, NULL, NULL) &&
          (when = g_date_time_new_from_iso8601 (value, NULL)) == NULL &&
          (when = g_date_time_new_from_iso8601 (midnight, NULL)) == NULL)
        return problem_new ("VALIDATION_ERROR", "propertyName", name,
                            g_strdup_printf ("Property values were not valid: INVALID_DATE: %s",
                                             name));
    }
  return NULL;
}

/* Checks a properties object for @contact (NULL: a new one). */
static Problem *
check_properties (ConcordMockHubspot        *self,
                  JsonNode                  *node,
                  ConcordMockHubspotContact *contact)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  JsonNode *email;
  ConcordMockHubspotContact *other;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return problem_new ("VALIDATION_ERROR", NULL, NULL,
                        g_strdup ("Invalid input JSON: properties must be an object"));
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &name, &value))
    {
      Problem *problem = check_value (self, name, value);

      if (problem != NULL)
        return problem;
    }

  email = json_object_get_member (json_node_get_object (node), "email");
  if (email != NULL && JSON_NODE_HOLDS_VALUE (email) &&
      (other = _concord_mock_hubspot_find_email (self, json_node_get_string (email), contact)) != NULL)
    {
      g_autofree char *id = g_strdup_printf ("%" G_GUINT64_FORMAT, other->id);
      Problem *problem = problem_new ("CONFLICT", "existingId", id,
                                      g_strdup_printf ("Contact already exists. Existing ID: %s",
                                                       id));

      problem->existing = other->id;
      return problem;
    }
  return NULL;
}

void
_concord_mock_hubspot_apply_properties (ConcordMockHubspot        *self,
                                        ConcordMockHubspotContact *contact,
                                        JsonObject                *properties)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  g_autofree char *old_email = g_strdup (g_hash_table_lookup (contact->values, "email"));

  json_object_iter_init (&iter, properties);
  while (json_object_iter_next (&iter, &name, &value))
    {
      const char *text = JSON_NODE_HOLDS_VALUE (value) &&
                         json_node_get_value_type (value) == G_TYPE_STRING
                         ? json_node_get_string (value) : NULL;

      if (text == NULL || *text == '\0')
        g_hash_table_remove (contact->values, name);
      else if (g_str_equal (name, "email"))
        /* HubSpot keeps an address in lower case, whatever it was sent. */
        g_hash_table_replace (contact->values, g_strdup (name), g_utf8_strdown (text, -1));
      else
        g_hash_table_replace (contact->values, g_strdup (name), g_strdup (text));
    }
  contact->updated_ms = _concord_mock_hubspot_next_ms (self);
  _concord_mock_hubspot_index_email (self, contact, old_email);
}

JsonObject *
_concord_mock_hubspot_request_object (ConcordMockRequest *request)
{
  GBytes *bytes = concord_mock_request_get_body (request);
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize length = 0;
  const char *data = bytes != NULL ? g_bytes_get_data (bytes, &length) : NULL;
  JsonNode *root;

  if (data == NULL || !json_parser_load_from_data (parser, data, (gssize) length, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  return root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_object_ref (json_node_get_object (root))
                                                       : NULL;
}

static void
respond_problem (ConcordMockRequest *request,
                 Problem            *problem)
{
  const char *context[] = { problem->context_key, problem->context_value, NULL };

  concord_mock_request_respond (request,
                                g_str_equal (problem->category, "CONFLICT") ? SOUP_STATUS_CONFLICT
                                                                           : SOUP_STATUS_BAD_REQUEST,
                                "application/json",
                                _concord_mock_hubspot_object_text (_concord_mock_hubspot_error_object (problem->category, problem->message,
                                                                                                       problem->context_key != NULL
                                                                                                       ? context : NULL)));
}

/* The names of a request's properties (query "a,b" or a JSON array). */
char **
_concord_mock_hubspot_names_of_query (const char *text)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  if (text == NULL)
    return NULL;
  parts = g_strsplit (text, ",", 1000);
  for (guint i = 0; parts[i] != NULL; i++)
    if (*g_strstrip (parts[i]) != '\0')
      g_ptr_array_add (names, g_strdup (parts[i]));
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

char **
_concord_mock_hubspot_names_of_array (JsonNode *node)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array) && i < 1000; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
        g_ptr_array_add (names, g_strdup (json_node_get_string (element)));
    }
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

ConcordMockHubspotContact *
_concord_mock_hubspot_contact_of_text (ConcordMockHubspot *self,
                                       const char         *text)
{
  guint64 id;
  ConcordMockHubspotContact *contact;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT64, &id, NULL))
    return NULL;
  contact = g_hash_table_lookup (self->by_id, &id);
  return contact != NULL && contact->archived_ms == 0 ? contact : NULL;
}

void
_concord_mock_hubspot_write_one (ConcordMockHubspot        *self,
                                 ConcordMockRequest        *request,
                                 ConcordMockHubspotContact *contact)
{
  g_autoptr(JsonObject) body = _concord_mock_hubspot_request_object (request);
  g_autoptr(Problem) problem = NULL;
  JsonNode *properties = body != NULL ? json_object_get_member (body, "properties") : NULL;
  gboolean creating = contact == NULL;

  if ((problem = check_properties (self, properties, contact)) != NULL)
    {
      respond_problem (request, problem);
      return;
    }
  if (contact == NULL)
    contact = _concord_mock_hubspot_new_contact (self);
  _concord_mock_hubspot_apply_properties (self, contact, json_node_get_object (properties));
  {
    g_autoptr(GPtrArray) names = g_ptr_array_new ();

    for (guint i = 0; i < self->properties->len; i++)
      g_ptr_array_add (names, ((ConcordMockHubspotProperty *) g_ptr_array_index (self->properties, i))->name);
    g_ptr_array_add (names, NULL);
    _concord_mock_hubspot_respond_object (request, creating ? SOUP_STATUS_CREATED : SOUP_STATUS_OK,
                                          _concord_mock_hubspot_contact_object (self, contact, (const char * const *) names->pdata));
  }
  _concord_mock_hubspot_save_locked (self);
}

static JsonObject *
batch_answer (JsonArray *results,
              JsonArray *errors)
{
  JsonObject *root = json_object_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *at = g_date_time_format_iso8601 (now);
  guint n_errors = json_array_get_length (errors);

  json_object_set_string_member (root, "status", "COMPLETE");
  json_object_set_array_member (root, "results", results);
  if (n_errors > 0)
    {
      json_object_set_int_member (root, "numErrors", n_errors);
      json_object_set_array_member (root, "errors", errors);
    }
  else
    json_array_unref (errors);
  json_object_set_string_member (root, "startedAt", at);
  json_object_set_string_member (root, "completedAt", at);
  return root;
}

static void
add_batch_error (JsonArray  *errors,
                 Problem    *problem,
                 const char *trace_id,
                 const char *id)
{
  const char *context[7] = { NULL };
  guint n = 0;

  if (problem->context_key != NULL)
    {
      context[n++] = problem->context_key;
      context[n++] = problem->context_value;
    }
  if (trace_id != NULL)
    {
      context[n++] = "objectWriteTraceId";
      context[n++] = trace_id;
    }
  if (id != NULL)
    {
      context[n++] = "ids";
      context[n++] = id;
    }
  json_array_add_object_element (errors, _concord_mock_hubspot_error_object (problem->category, problem->message,
                                                                             context));
}

/* The inputs of a batch body; NULL (answered) when they are not an array
 * or too many. */
static JsonArray *
batch_inputs (ConcordMockHubspot *self,
              ConcordMockRequest *request,
              JsonObject         *body)
{
  JsonNode *inputs_node = body != NULL ? json_object_get_member (body, "inputs") : NULL;
  JsonArray *inputs;
  guint n;

  if (inputs_node == NULL || !JSON_NODE_HOLDS_ARRAY (inputs_node))
    {
      _concord_mock_hubspot_respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR",
                                           "Invalid input JSON: inputs must be an array");
      return NULL;
    }
  inputs = json_node_get_array (inputs_node);
  n = json_array_get_length (inputs);
  /* The framework's request size limit (its own check sees bare arrays only). */
  if (concord_mock_server_get_max_items (self->server) > 0 &&
      n > concord_mock_server_get_max_items (self->server))
    {
      _concord_mock_hubspot_respond_error (request, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "VALIDATION_ERROR",
                                           "Request entity too large");
      return NULL;
    }
  if (n > MAX_BATCH)
    {
      g_autofree char *message = g_strdup_printf ("Batch input of %u is larger than the limit "
                                                  "of %d", n, MAX_BATCH);

      _concord_mock_hubspot_respond_error (request, SOUP_STATUS_BAD_REQUEST, "VALIDATION_ERROR", message);
      return NULL;
    }

  return inputs;
}

/* Checks every input of a batch before any is written: the first bad
 * one's error for the whole request (answered, FALSE), nothing written. */
static gboolean
check_atomic_batch (ConcordMockHubspot *self,
                    ConcordMockRequest *request,
                    JsonArray          *inputs,
                    const char         *action)
{
  guint n = json_array_get_length (inputs);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *input_node = json_array_get_element (inputs, i);
      JsonObject *input = JSON_NODE_HOLDS_OBJECT (input_node)
                          ? json_node_get_object (input_node) : NULL;
      const char *id = input != NULL
                       ? json_object_get_string_member_with_default (input, "id", NULL) : NULL;
      ConcordMockHubspotContact *contact = NULL;
      g_autoptr(Problem) problem = NULL;

      if (input == NULL)
        problem = problem_new ("VALIDATION_ERROR", NULL, NULL,
                               g_strdup ("Invalid input JSON: an input is not an object"));
      else if (!g_str_equal (action, "create") &&
               (contact = _concord_mock_hubspot_contact_of_text (self, id)) == NULL)
        problem = problem_new ("OBJECT_NOT_FOUND", NULL, NULL,
                               g_strdup ("Could not get some CONTACT objects"));
      else
        problem = check_properties (self, json_object_get_member (input, "properties"),
                                    contact);
      /* Two inputs of the batch with one email: the second conflicts. */
      if (problem == NULL && input != NULL && g_str_equal (action, "create"))
        {
          JsonNode *properties = json_object_get_member (input, "properties");
          const char *email = json_object_get_string_member_with_default (
            json_node_get_object (properties), "email", NULL);

          for (guint j = 0; email != NULL && problem == NULL && j < i; j++)
            {
              JsonObject *other = json_array_get_object_element (inputs, j);
              JsonObject *other_properties = other != NULL
                                             ? json_object_get_object_member (other,
                                                                              "properties")
                                             : NULL;
              const char *other_email = other_properties != NULL
                                        ? json_object_get_string_member_with_default (
                                            other_properties, "email", NULL) : NULL;

              if (other_email != NULL && g_ascii_strcasecmp (other_email, email) == 0)
                problem = problem_new ("VALIDATION_ERROR", "propertyName", "email",
                                       g_strdup ("Duplicate email in the batch"));
            }
        }
      if (problem != NULL)
        {
          if (g_str_equal (problem->category, "OBJECT_NOT_FOUND"))
            _concord_mock_hubspot_respond_error (request, SOUP_STATUS_NOT_FOUND, problem->category, problem->message);
          else
            respond_problem (request, problem);
          return FALSE;
        }
    }

  return TRUE;
}

/* The echo of an update that asked for no properties, as HubSpot's: the
 * default properties and those just written. */
static JsonObject *
update_echo (ConcordMockHubspot        *self,
             ConcordMockHubspotContact *contact,
             JsonNode                  *properties)
{
  g_autoptr(GPtrArray) written = g_ptr_array_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  g_ptr_array_add (written, (gpointer) "firstname");
  g_ptr_array_add (written, (gpointer) "lastname");
  g_ptr_array_add (written, (gpointer) "email");
  json_object_iter_init (&iter, json_node_get_object (properties));
  while (json_object_iter_next (&iter, &name, &value))
    g_ptr_array_add (written, (gpointer) name);
  g_ptr_array_add (written, NULL);
  return _concord_mock_hubspot_contact_object (self, contact, (const char * const *) written->pdata);
}

/* batch/read, batch/create, batch/update. */
void
_concord_mock_hubspot_write_batch (ConcordMockHubspot *self,
                                   ConcordMockRequest *request,
                                   const char         *action)
{
  g_autoptr(JsonObject) body = _concord_mock_hubspot_request_object (request);
  g_auto(GStrv) names = NULL;
  g_autoptr(GPtrArray) all_names = g_ptr_array_new ();
  JsonArray *inputs;
  JsonArray *results;
  JsonArray *errors;
  guint n;

  inputs = batch_inputs (self, request, body);
  if (inputs == NULL)
    return;
  n = json_array_get_length (inputs);

  names = _concord_mock_hubspot_names_of_array (json_object_get_member (body, "properties"));
  for (guint i = 0; i < self->properties->len; i++)
    g_ptr_array_add (all_names, ((ConcordMockHubspotProperty *) g_ptr_array_index (self->properties, i))->name);
  g_ptr_array_add (all_names, NULL);

  /* All or nothing, as HubSpot is reported to answer some batches: the
   * first bad input's error for the whole request, nothing written. */
  if (self->atomic && !g_str_equal (action, "read") &&
      !check_atomic_batch (self, request, inputs, action))
    return;

  results = json_array_new ();
  errors = json_array_new ();
  for (guint i = 0; i < n; i++)
    {
      JsonNode *input_node = json_array_get_element (inputs, i);
      JsonObject *input = JSON_NODE_HOLDS_OBJECT (input_node) ? json_node_get_object (input_node)
                                                              : NULL;
      const char *trace = input != NULL
                          ? json_object_get_string_member_with_default (input,
                                                                         "objectWriteTraceId",
                                                                         NULL)
                          : NULL;
      const char *id = input != NULL ? json_object_get_string_member_with_default (input, "id",
                                                                                    NULL)
                                     : NULL;
      JsonNode *properties = input != NULL ? json_object_get_member (input, "properties") : NULL;
      ConcordMockHubspotContact *contact = NULL;
      g_autoptr(Problem) problem = NULL;
      JsonObject *echo;

      if (input == NULL)
        problem = problem_new ("VALIDATION_ERROR", NULL, NULL,
                               g_strdup ("Invalid input JSON: an input is not an object"));
      else if (!g_str_equal (action, "create") &&
               (contact = _concord_mock_hubspot_contact_of_text (self, id)) == NULL)
        problem = problem_new ("OBJECT_NOT_FOUND", NULL, NULL,
                               g_strdup_printf ("Could not get some CONTACT objects, they may "
                                                "be deleted or not exist. Check that ids are "
                                                "valid."));
      else if (!g_str_equal (action, "read"))
        problem = check_properties (self, properties, contact);

      if (problem != NULL)
        {
          /* A batch read leaves out what it does not find, saying so. */
          add_batch_error (errors, problem, trace, id);
          continue;
        }

      if (g_str_equal (action, "create"))
        contact = _concord_mock_hubspot_new_contact (self);
      if (!g_str_equal (action, "read"))
        _concord_mock_hubspot_apply_properties (self, contact, json_node_get_object (properties));
      if (g_str_equal (action, "update") && names == NULL)
        echo = update_echo (self, contact, properties);
      else
        echo = _concord_mock_hubspot_contact_object (self, contact,
                                                     names != NULL ? (const char * const *) names
                                                                   : g_str_equal (action, "read")
                                                                     ? NULL : (const char * const *) all_names->pdata);
      if (trace != NULL)
        json_object_set_string_member (echo, "objectWriteTraceId", trace);
      json_array_add_object_element (results, echo);
    }

  {
    guint status = json_array_get_length (errors) > 0 ? 207
                   : g_str_equal (action, "create") ? SOUP_STATUS_CREATED : SOUP_STATUS_OK;

    _concord_mock_hubspot_respond_object (request, status, batch_answer (results, errors));
  }
  if (!g_str_equal (action, "read"))
    _concord_mock_hubspot_save_locked (self);
}
