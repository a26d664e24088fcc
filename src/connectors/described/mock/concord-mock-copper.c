/* concord-mock-copper.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The simulated Copper (specs/connectors-reference.md §6): copper.json
 * served by ConcordMockDescribed, with what the description cannot say.
 *
 * - All three X-PW headers: the token (the description's auth), the
 *   application "developer_api" and the key owner's email (the
 *   description's headers) — a missing or wrong one is 401
 *   {"success":false,"status":401,"message":…}; here the owner's email
 *   must be an address. A request with a body must say Content-Type:
 *   application/json (400).
 * - POST /people/search: its body is checked (known members only, the
 *   types Copper takes, sort_by among the sortable fields, page_size
 *   1–200 with 20 by default); sorted by date_modified when asked, else by
 *   id; X-PW-TOTAL on every page.
 * - Custom fields: values checked by data_type; dates are mm/dd/yyyy
 *   strings (the description's copper_custom_dates hook), dropdowns an
 *   option id, multi-selects an array of them.
 * - A person needs a name (name, first_name or last_name); Copper keeps
 *   name as first_name + " " + last_name. A refused person is 422.
 * - 180 requests a minute on a rolling window, then 429 with no header
 *   (Copper documents none).
 *
 * [unverified]: the 401 message's wording, and whether Copper refuses
 * unknown search members (it is strict here so that a connector's typo
 * shows).
 */

#define G_LOG_DOMAIN "concord-mock-copper"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <libsoup/soup.h>

#include "concord-mock-described-apps.h"

static const char * const search_members[] = {
  "page_size", "page_number", "sort_by", "sort_direction", "minimum_modified_date",
  "maximum_modified_date", "minimum_created_date", "maximum_created_date", "emails",
  "phone_number", "name", "tags", "assignee_ids", "contact_type_ids", "company_ids",
  "city", "state", "postal_code", "country", "custom_fields", NULL,
};

static const char * const sortable[] = {
  "name", "first_name", "last_name", "title", "email", "phone", "date_modified",
  "date_created", "city", "state", "country", "zip", "socials", NULL,
};

static gboolean
is_int (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_INT64;
}

static gboolean
is_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
check_request (ConcordMockDescribed *self,
               ConcordMockRequest   *request)
{
  const char *email = concord_mock_request_get_header (request, "X-PW-UserEmail");
  const char *method = concord_mock_request_get_method (request);
  const char *type = concord_mock_request_get_header (request, "Content-Type");
  const char *at = email != NULL ? strchr (email, '@') : NULL;

  if (at == NULL || at == email || at[1] == '\0' || strchr (email, ' ') != NULL)
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_UNAUTHORIZED,
                                          "Invalid X-PW-UserEmail header");
      return FALSE;
    }
  if ((g_str_equal (method, "POST") || g_str_equal (method, "PUT")) &&
      (type == NULL || !g_str_has_prefix (type, "application/json")))
    {
      concord_mock_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                          "Content-Type must be application/json");
      return FALSE;
    }
  return TRUE;
}

static char *
error_body (guint       status,
            const char *message)
{
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_boolean_member (root, "success", FALSE);
  json_object_set_int_member (root, "status", status);
  json_object_set_string_member (root, "message", message);
  json_node_set_object (node, root);
  return json_to_string (node, FALSE);
}

static char *
check_list_body (JsonObject *body)
{
  JsonObjectIter iter;
  const char *member;
  JsonNode *value;

  json_object_iter_init (&iter, body);
  while (json_object_iter_next (&iter, &member, &value))
    {
      if (!g_strv_contains (search_members, member))
        return g_strdup_printf ("Unknown search parameter: %s", member);
      if ((g_str_equal (member, "page_size") || g_str_equal (member, "page_number") ||
           g_str_has_suffix (member, "_date")) && !is_int (value))
        return g_strdup_printf ("%s must be an integer", member);
      if (g_str_equal (member, "sort_by") &&
          (!is_string (value) || !g_strv_contains (sortable, json_node_get_string (value))))
        return g_strdup ("Invalid sort_by");
      if (g_str_equal (member, "sort_direction") &&
          (!is_string (value) || (g_strcmp0 (json_node_get_string (value), "asc") != 0 &&
                                  g_strcmp0 (json_node_get_string (value), "desc") != 0)))
        return g_strdup ("sort_direction must be asc or desc");
      if (g_str_equal (member, "emails") && !JSON_NODE_HOLDS_ARRAY (value))
        return g_strdup ("emails must be an array");
    }
  return NULL;
}

/* mm/dd/yyyy, a real day */
static gboolean
is_copper_date (const char *text)
{
  g_autoptr(GDateTime) day = NULL;
  int month, mday, year;
  char tail;

  if (strlen (text) != 10 || text[2] != '/' || text[5] != '/' ||
      sscanf (text, "%2d/%2d/%4d%c", &month, &mday, &year, &tail) != 3)
    return FALSE;
  day = g_date_time_new_utc (year, month, mday, 0, 0, 0);
  return day != NULL && g_date_time_get_day_of_month (day) == mday;
}

static gboolean
is_option (JsonObject *definition,
           JsonNode   *value)
{
  JsonArray *options;

  if (!is_int (value) || !json_object_has_member (definition, "options"))
    return FALSE;
  options = json_object_get_array_member (definition, "options");
  for (guint i = 0; options != NULL && i < json_array_get_length (options); i++)
    if (json_object_get_int_member_with_default (json_array_get_object_element (options, i),
                                                 "id", -1) == json_node_get_int (value))
      return TRUE;
  return FALSE;
}

static char *
check_custom_value (JsonObject *definition,
                    JsonNode   *value)
{
  const char *type = json_object_get_string_member_with_default (definition, "data_type",
                                                                 "String");

  if (g_str_equal (type, "Date"))
    return is_string (value) && is_copper_date (json_node_get_string (value))
           ? NULL : g_strdup ("A Date custom field takes mm/dd/yyyy");
  if (g_str_equal (type, "Dropdown"))
    return is_option (definition, value) ? NULL
                                         : g_strdup ("A Dropdown custom field takes an option id");
  if (g_str_equal (type, "MultiSelect"))
    {
      if (!JSON_NODE_HOLDS_ARRAY (value))
        return g_strdup ("A MultiSelect custom field takes an array of option ids");
      for (guint i = 0; i < json_array_get_length (json_node_get_array (value)); i++)
        if (!is_option (definition, json_array_get_element (json_node_get_array (value), i)))
          return g_strdup ("A MultiSelect custom field takes an array of option ids");
      return NULL;
    }
  if (g_str_equal (type, "Checkbox"))
    return JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_BOOLEAN
           ? NULL : g_strdup ("A Checkbox custom field takes true or false");
  if (g_str_equal (type, "Float") || g_str_equal (type, "Percentage") ||
      g_str_equal (type, "Currency"))
    return JSON_NODE_HOLDS_VALUE (value) && (json_node_get_value_type (value) == G_TYPE_INT64 ||
                                             json_node_get_value_type (value) == G_TYPE_DOUBLE)
           ? NULL : g_strdup ("A number custom field takes a number");
  return is_string (value) ? NULL : g_strdup ("A text custom field takes a string");
}

static char *
check_record (JsonObject *body,
              gboolean    creating)
{
  static const char * const names[] = { "name", "first_name", "last_name" };
  gboolean named = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      JsonNode *node = json_object_get_member (body, names[i]);

      if (node != NULL && !JSON_NODE_HOLDS_NULL (node) && !is_string (node))
        return g_strdup_printf ("%s must be a string", names[i]);
      named = named || (is_string (node) && *json_node_get_string (node) != '\0');
    }
  if (creating && !named)
    return g_strdup ("Validation error: Name can't be blank");
  return NULL;
}

static void
init_record (JsonObject *record)
{
  json_object_set_string_member (record, "name", "");
  json_object_set_null_member (record, "first_name");
  json_object_set_null_member (record, "last_name");
  json_object_set_array_member (record, "emails", json_array_new ());
  json_object_set_array_member (record, "phone_numbers", json_array_new ());
  json_object_set_null_member (record, "company_name");
  json_object_set_null_member (record, "title");
  json_object_set_array_member (record, "tags", json_array_new ());
  json_object_set_int_member (record, "assignee_id", 1);
}

/* name is first + last, as Copper keeps it; a name alone splits at its
 * first space. */
static void
fix_record (JsonObject *record)
{
  const char *first = json_object_get_string_member_with_default (record, "first_name", NULL);
  const char *last = json_object_get_string_member_with_default (record, "last_name", NULL);
  const char *name = json_object_get_string_member_with_default (record, "name", NULL);
  g_autofree char *joined = NULL;

  if (first == NULL && last == NULL && name != NULL && *name != '\0')
    {
      const char *space = strchr (name, ' ');
      g_autofree char *head = space != NULL ? g_strndup (name, space - name) : g_strdup (name);

      json_object_set_string_member (record, "first_name", head);
      if (space != NULL)
        json_object_set_string_member (record, "last_name", space + 1);
      return;
    }
  joined = g_strjoin (first != NULL && last != NULL ? " " : "", first != NULL ? first : "",
                      last != NULL ? last : "", NULL);
  json_object_set_string_member (record, "name", joined);
}

static JsonArray *
sample_fields (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_data (parser,
        "[{\"id\": 100201, \"name\": \"city\", \"data_type\": \"String\","
        "  \"available_on\": [\"person\", \"company\"]},"
        " {\"id\": 100202, \"name\": \"Tier\", \"data_type\": \"Dropdown\","
        "  \"available_on\": [\"person\"], \"options\": ["
        "   {\"id\": 7001, \"name\": \"Bronze\", \"rank\": 0},"
        "   {\"id\": 7002, \"name\": \"Silver\", \"rank\": 1},"
        "   {\"id\": 7003, \"name\": \"Gold\", \"rank\": 2}]},"
        " {\"id\": 100203, \"name\": \"Renewal\", \"data_type\": \"Date\","
        "  \"available_on\": [\"person\"]},"
        " {\"id\": 100204, \"name\": \"Deal size\", \"data_type\": \"Currency\","
        "  \"available_on\": [\"opportunity\"]}]", -1, NULL))
    g_assert_not_reached ();
  return json_array_ref (json_node_get_array (json_parser_get_root (parser)));
}

static JsonNode *
sample_value (JsonObject *definition,
              GRand      *rand)
{
  const char *type = json_object_get_string_member_with_default (definition, "data_type", "");
  JsonNode *node;

  if (g_rand_int_range (rand, 0, 3) == 0)
    return NULL;
  node = json_node_new (JSON_NODE_VALUE);
  if (g_str_equal (type, "Dropdown"))
    json_node_set_int (node, 7001 + g_rand_int_range (rand, 0, 3));
  else if (g_str_equal (type, "Date"))
    {
      g_autofree char *day = g_strdup_printf ("%02d/%02d/2027", g_rand_int_range (rand, 1, 13),
                                              g_rand_int_range (rand, 1, 29));

      json_node_set_string (node, day);
    }
  else if (g_str_equal (type, "String"))
    json_node_set_string (node, g_rand_boolean (rand) ? "Lisbon" : "Osaka");
  else
    {
      json_node_unref (node);
      return NULL;
    }
  return node;
}

const ConcordMockDescribedQuirks concord_mock_copper_quirks = {
  .check_request = check_request,
  .error_body = error_body,
  .check_list_body = check_list_body,
  .check_custom_value = check_custom_value,
  .check_record = check_record,
  .init_record = init_record,
  .fix_record = fix_record,
  .sample_fields = sample_fields,
  .sample_value = sample_value,
  .invalid_status = 422,
  .create_status = SOUP_STATUS_OK,
  .auth_message = "Invalid API key or user email",
  .max_page_size = 200,
  .default_page_size = 20,
  .sort_param = "sort_by",
  .sort_value = "date_modified",
  .total_header = "X-PW-TOTAL",
  .verify_answer = "{\"id\": 1, \"name\": \"Mock Company\", \"primary_timezone\": \"UTC\"}",
  .rate_limit = 180,
  .rate_window_s = 60,
};

static GObject *
info_create (const char  *secret,
             guint        port,
             GError     **error)
{
  return _concord_mock_described_info_create ("copper", &concord_mock_copper_quirks, secret, port,
                                              error);
}

/* The search reads, though it is a POST. */
static const char * const read_requests[] = { "POST /developer_api/v1/people/search*", NULL };

const ConcordMockAppInfo concord_mock_copper_info = {
  .id = "copper",
  .create = info_create,
  .get_server = _concord_mock_described_info_get_server,
  .get_base_url = _concord_mock_described_info_get_base_url,
  .set_secret = _concord_mock_described_info_set_secret,
  .generate = _concord_mock_described_info_generate,
  .load_file = _concord_mock_described_info_load_file,
  .set_save_path = _concord_mock_described_info_set_save_path,
  .read_requests = read_requests,
};
