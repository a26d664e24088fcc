/* concord-rest-connector-helpers.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the REST connector base gives its subclasses: which errors end a
 * write call, the contact type check, answers read (JSON text, objects,
 * dates), page tokens (offset, number, cursor, link), and records' text,
 * members and custom fields.
 */

#define G_LOG_DOMAIN "concord-rest-connector"

#include "config.h"

#include <string.h>

#include "concord-error.h"

#include "concord-rest-connector-private.h"

/**
 * concord_rest_error_is_fatal:
 *
 * Returns: whether @error ends a whole write call rather than one record:
 *   a cancellation or refused credentials
 */
gboolean
concord_rest_error_is_fatal (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
         g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED) ||
         g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_EXPIRED);
}

/**
 * concord_rest_connector_check_contact_type:
 *
 * Returns: %TRUE when the connector lists @contact_type, otherwise %FALSE
 *   with @error set (%CONCORD_ERROR_NOT_FOUND)
 */
gboolean
concord_rest_connector_check_contact_type (ConcordRestConnector  *self,
                                           const char            *contact_type,
                                           GError               **error)
{
  g_autoptr(GPtrArray) types = concord_connector_list_contact_types (CONCORD_CONNECTOR (self));

  for (guint i = 0; types != NULL && i < types->len; i++)
    if (g_strcmp0 (((ConcordContactType *) g_ptr_array_index (types, i))->id, contact_type) == 0)
      return TRUE;

  g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND, "%s has no contact type %s",
               concord_connector_get_app_name (CONCORD_CONNECTOR (self)), contact_type);
  return FALSE;
}

/**
 * concord_rest_json_text:
 * @object: (nullable): a JSON object
 * @name: a member
 * @max_bytes: the longest string kept whole
 * @repaired: (out) (optional): set to %TRUE when the value was repaired or cut
 *
 * Returns: (transfer full) (nullable): the text of member @name whatever
 *   its JSON type: strings repaired (concord_http_repaired_text()),
 *   numbers and booleans as text; %NULL for null, objects, arrays, absence
 */
char *
concord_rest_json_text (JsonObject *object,
                        const char *name,
                        gsize       max_bytes,
                        gboolean   *repaired)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return concord_http_repaired_text (json_node_get_string (node), max_bytes, repaired);
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, json_node_get_double (node)));
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    default:
      return NULL;
    }
}

/**
 * concord_rest_json_object:
 *
 * Returns: (transfer none) (nullable): member @name of @object when it is
 *   an object
 */
JsonObject *
concord_rest_json_object (JsonObject *object,
                          const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/**
 * concord_rest_parse_datetime:
 * @text: (nullable): an ISO 8601 date-time, with or without zone (none
 *   means UTC), or a bare date
 *
 * Returns: Unix time; -1 when unreadable
 */
gint64
concord_rest_parse_datetime (const char *text)
{
  g_autoptr(GTimeZone) utc = NULL;
  g_autoptr(GDateTime) when = NULL;

  if (text == NULL || *text == '\0')
    return -1;

  utc = g_time_zone_new_utc ();
  when = g_date_time_new_from_iso8601 (text, utc);
  if (when == NULL && strlen (text) == 10)
    {
      g_autofree char *midnight = g_strconcat (text, "T00:00:00", NULL);

      when = g_date_time_new_from_iso8601 (midnight, utc);
    }

  return when != NULL ? g_date_time_to_unix (when) : -1;
}

/**
 * concord_rest_page_token_number:
 * @page_token: (nullable): a token made by the offset or page-number helper
 *
 * Returns: its number; 0 for %NULL or a token that is not a number
 */
guint
concord_rest_page_token_number (const char *page_token)
{
  guint64 number = 0;

  if (page_token == NULL ||
      !g_ascii_string_to_unsigned (page_token, 10, 0, G_MAXINT32, &number, NULL))
    return 0;

  return (guint) number;
}

/**
 * concord_rest_page_next_offset:
 * @page_token: (nullable): this page's token: its offset (%NULL is 0)
 * @n_received: the items this page had
 *
 * Offset paging: the next page starts after what came; an empty page is
 * the last, and a page that repeats the page before ends the listing
 * (%CONCORD_ERROR_PROTOCOL).
 */
gboolean
concord_rest_page_next_offset (ConcordRestConnector  *self,
                               ConcordPage           *page,
                               const char            *page_token,
                               guint                  n_received,
                               GError               **error)
{
  guint64 next = (guint64) concord_rest_page_token_number (page_token) + n_received;

  g_return_val_if_fail (CONCORD_IS_REST_CONNECTOR (self), FALSE);

  if (!_concord_rest_connector_check_not_repeated (self, page, page_token, error))
    return FALSE;
  if (n_received == 0)
    return _concord_rest_connector_set_next_page (self, page, NULL, error);

  return _concord_rest_connector_set_next_page (self, page, g_strdup_printf ("%" G_GUINT64_FORMAT, next), error);
}

/**
 * concord_rest_page_next_number:
 * @page_token: (nullable): this page's number (%NULL is the first, 1)
 * @n_received: the items this page had
 *
 * Page-number paging: the next number; an empty page is the last.
 */
gboolean
concord_rest_page_next_number (ConcordRestConnector  *self,
                               ConcordPage           *page,
                               const char            *page_token,
                               guint                  n_received,
                               GError               **error)
{
  guint number = MAX (concord_rest_page_token_number (page_token), 1);

  g_return_val_if_fail (CONCORD_IS_REST_CONNECTOR (self), FALSE);

  if (!_concord_rest_connector_check_not_repeated (self, page, page_token, error))
    return FALSE;
  if (n_received == 0)
    return _concord_rest_connector_set_next_page (self, page, NULL, error);

  return _concord_rest_connector_set_next_page (self, page, g_strdup_printf ("%u", number + 1), error);
}

/**
 * concord_rest_page_next_token:
 * @next_token: (nullable): the server's cursor, "after" value or next-page
 *   token; %NULL or empty on the last page
 * @sync_token: (nullable): on the last page, the token for the next
 *   incremental listing (page->cursor)
 */
gboolean
concord_rest_page_next_token (ConcordRestConnector  *self,
                              ConcordPage           *page,
                              const char            *next_token,
                              const char            *sync_token,
                              GError               **error)
{
  g_return_val_if_fail (CONCORD_IS_REST_CONNECTOR (self), FALSE);

  if (next_token == NULL || *next_token == '\0')
    {
      g_free (page->cursor);
      page->cursor = g_strdup (sync_token);
      return _concord_rest_connector_set_next_page (self, page, NULL, error);
    }

  return _concord_rest_connector_set_next_page (self, page, g_strdup (next_token), error);
}

/**
 * concord_rest_page_next_link:
 * @headers: (nullable): the answer's headers
 *
 * Link header paging (RFC 8288): the next page is the target of
 * rel="next", kept as a path under the client's base URL. A target
 * elsewhere is refused (CONCORD_ERROR_PROTOCOL): the credentials would
 * follow it.
 */
gboolean
concord_rest_page_next_link (ConcordRestConnector  *self,
                             ConcordPage           *page,
                             SoupMessageHeaders    *headers,
                             GError               **error)
{
  const char *base = concord_http_client_get_base_url (PRIV (self)->client);
  const char *link = headers != NULL ? soup_message_headers_get_list (headers, "Link") : NULL;
  GSList *values;
  g_autofree char *target = NULL;

  g_return_val_if_fail (CONCORD_IS_REST_CONNECTOR (self), FALSE);

  values = link != NULL ? soup_header_parse_list (link) : NULL;
  for (GSList *l = values; l != NULL && target == NULL; l = l->next)
    {
      const char *value = l->data;
      const char *open = strchr (value, '<');
      const char *close = open != NULL ? strchr (open, '>') : NULL;
      g_autoptr(GHashTable) params = NULL;
      g_auto(GStrv) rels = NULL;

      if (close == NULL)
        continue;
      params = soup_header_parse_semi_param_list (close + 1);
      rels = g_strsplit (g_hash_table_lookup (params, "rel") ?: "", " ", -1);
      if (g_strv_contains ((const char * const *) rels, "next"))
        target = g_strndup (open + 1, (gsize) (close - open - 1));
    }
  soup_header_free_list (values);

  if (target == NULL)
    return _concord_rest_connector_set_next_page (self, page, NULL, error);

  if (!g_str_has_prefix (target, base) || (target[strlen (base)] != '/' &&
                                           target[strlen (base)] != '?'))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                   "%s linked its next page outside its API; the listing stops",
                   concord_connector_get_app_name (CONCORD_CONNECTOR (self)));
      return FALSE;
    }

  return _concord_rest_connector_set_next_page (self, page, g_strdup (target + strlen (base)), error);
}

/* ------------------------------------------------------------------------- */
/* Records and custom fields                                                 */
/* ------------------------------------------------------------------------- */

/**
 * concord_rest_record_set_text:
 * @repaired: whether @text had to be repaired (concord_rest_json_text())
 *
 * Sets field @key of @record to @text (nothing when %NULL), marked altered
 * when repaired: it is then never written across.
 */
void
concord_rest_record_set_text (ConcordRecord    *record,
                              const char       *key,
                              ConcordFieldType  type,
                              const char       *text,
                              gboolean          repaired)
{
  concord_record_set_text (record, key, type, text);
  if (repaired && text != NULL)
    concord_record_mark_altered (record, key);
}

/**
 * concord_rest_record_set_member:
 *
 * Sets field @key of @record to the text of member @name of @object, read
 * with concord_rest_json_text() and marked altered when repaired.
 */
void
concord_rest_record_set_member (ConcordRecord    *record,
                                const char       *key,
                                ConcordFieldType  type,
                                JsonObject       *object,
                                const char       *name,
                                gsize             max_bytes)
{
  gboolean repaired = FALSE;
  g_autofree char *text = concord_rest_json_text (object, name, max_bytes, &repaired);

  concord_rest_record_set_text (record, key, type, text, repaired);
}

/**
 * concord_rest_connector_declare_custom_fields:
 * @names: (nullable): custom field names separated by commas, e.g. an
 *   account's option
 *
 * Custom fields the account has but that reading records cannot find (no
 * record uses them yet, and the app cannot list them): they are in the
 * schema from now on (concord_rest_connector_add_custom_specs()). Blank
 * names are skipped, and so are names that are not text.
 */
void
concord_rest_connector_declare_custom_fields (ConcordRestConnector *self,
                                              const char           *names)
{
  g_auto(GStrv) split = NULL;

  g_return_if_fail (CONCORD_IS_REST_CONNECTOR (self));

  if (names == NULL)
    return;

  split = g_strsplit (names, ",", -1);
  for (guint i = 0; split[i] != NULL; i++)
    {
      char *name = g_strstrip (split[i]);

      if (*name != '\0' && g_utf8_validate (name, -1, NULL))
        g_hash_table_add (PRIV (self)->custom_fields, g_strdup (name));
    }
}

/**
 * concord_rest_connector_read_custom_fields:
 * @custom: (nullable): the object of a record's custom fields, each a text
 *
 * Sets a custom field of @record (concord_field_custom_key()) for each
 * member of @custom, and learns its name for the schema. A field whose
 * name had to be repaired is skipped: it could not be written back.
 */
void
concord_rest_connector_read_custom_fields (ConcordRestConnector *self,
                                           ConcordRecord        *record,
                                           JsonObject           *custom,
                                           gsize                 max_bytes)
{
  g_autoptr(GList) names = custom != NULL ? json_object_get_members (custom) : NULL;

  for (const GList *l = names; l != NULL; l = l->next)
    {
      gboolean bad_name = FALSE;
      g_autofree char *name = concord_http_repaired_text (l->data, max_bytes, &bad_name);
      g_autofree char *key = NULL;

      if (*name == '\0' || bad_name)
        continue;

      if (!g_hash_table_contains (PRIV (self)->custom_fields, name))
        g_hash_table_add (PRIV (self)->custom_fields, g_strdup (name));

      key = concord_field_custom_key (name);
      concord_rest_record_set_member (record, key, CONCORD_FIELD_TYPE_STRING, custom, l->data,
                                      max_bytes);
    }
}

static int
compare_names (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/**
 * concord_rest_connector_add_custom_specs:
 *
 * Adds a text field to @specs for each custom field learnt or declared,
 * sorted by name.
 */
void
concord_rest_connector_add_custom_specs (ConcordRestConnector *self,
                                         GPtrArray            *specs)
{
  g_autofree const char **names = NULL;
  guint n_names;

  g_return_if_fail (CONCORD_IS_REST_CONNECTOR (self));

  names = (const char **) g_hash_table_get_keys_as_array (PRIV (self)->custom_fields, &n_names);
  g_qsort_with_data (names, (gint) n_names, sizeof (char *), compare_names, NULL);
  for (guint i = 0; i < n_names; i++)
    {
      g_autofree char *key = concord_field_custom_key (names[i]);

      g_ptr_array_add (specs, concord_field_spec_new (key, names[i],
                                                      CONCORD_FIELD_TYPE_STRING, FALSE));
    }
}

/**
 * concord_rest_json_add_custom_fields:
 * @member: the name of the object, e.g. "CustomFields"
 * @record: (nullable): whose custom fields are added
 * @clear: (nullable): custom fields to clear, added as empty strings
 *
 * Adds to @builder, inside an object, member @member: an object of the
 * custom fields as strings, when there are any.
 *
 * Returns: whether there were any
 */
gboolean
concord_rest_json_add_custom_fields (JsonBuilder         *builder,
                                     const char          *member,
                                     const ConcordRecord *record,
                                     const char * const  *clear)
{
  gboolean any = FALSE;
  guint n_set = record != NULL ? concord_record_get_n_fields (record) : 0;
  guint n_clear = clear != NULL ? g_strv_length ((char **) clear) : 0;

  for (guint f = 0; f < n_set + n_clear; f++)
    {
      const char *key = f >= n_set ? clear[f - n_set] : NULL;
      const ConcordValue *value = f < n_set ? concord_record_get_field_at (record, f, &key) : NULL;
      g_autofree char *string = value != NULL ? concord_value_to_string (value) : NULL;

      if (!concord_field_is_custom (key))
        continue;

      if (!any)
        {
          json_builder_set_member_name (builder, member);
          json_builder_begin_object (builder);
          any = TRUE;
        }

      json_builder_set_member_name (builder, key + strlen (CONCORD_FIELD_CUSTOM_PREFIX));
      json_builder_add_string_value (builder, string != NULL ? string : "");
    }

  if (any)
    json_builder_end_object (builder);
  return any;
}

/**
 * concord_rest_find_dropped_custom_field:
 * @sent: (nullable): the record written
 * @echoed: (nullable): the app's echo of it
 * @member: the name of the echo's custom fields object
 *
 * Some apps drop custom fields the account lacks without a word; the echo
 * tells.
 *
 * Returns: (nullable): the first custom field of @sent that @echoed lacks
 */
const char *
concord_rest_find_dropped_custom_field (const ConcordRecord *sent,
                                        JsonNode            *echoed,
                                        const char          *member)
{
  JsonObject *custom = NULL;

  if (echoed != NULL && JSON_NODE_HOLDS_OBJECT (echoed))
    custom = concord_rest_json_object (json_node_get_object (echoed), member);

  for (guint f = 0; sent != NULL && f < concord_record_get_n_fields (sent); f++)
    {
      const char *key;
      const char *name;

      concord_record_get_field_at (sent, f, &key);
      if (!concord_field_is_custom (key))
        continue;

      name = key + strlen (CONCORD_FIELD_CUSTOM_PREFIX);
      if (custom == NULL || !json_object_has_member (custom, name))
        return name;
    }

  return NULL;
}

/**
 * concord_rest_add_field_spec:
 * @key: a canonical field (concord_fields_lookup())
 * @choices: (nullable) (array zero-terminated=1): the values the app takes
 * @read_only: whether the app refuses writes to it
 *
 * Adds the canonical field @key, as the app has it, to a schema's @specs.
 */
void
concord_rest_add_field_spec (GPtrArray          *specs,
                             const char         *key,
                             const char * const *choices,
                             gboolean            read_only)
{
  ConcordFieldSpec *spec = concord_field_spec_copy (concord_fields_lookup (key));

  g_return_if_fail (spec != NULL);

  if (choices != NULL)
    {
      g_strfreev (spec->choices);
      spec->choices = g_strdupv ((char **) choices);
    }
  spec->read_only = read_only;
  g_ptr_array_add (specs, spec);
}
