/* concord-mock-insightly.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The simulated Insightly (specs/connectors-reference.md §7): insightly.json
 * served by ConcordMockDescribed, with what the description cannot say.
 *
 * - HTTP Basic with the API key as the user and an empty password (the
 *   description's auth); else 401 {"Message": "Authorization has been
 *   denied for this request."}, ASP.NET's body.
 * - GET /Contacts/Search: top ≤ 500 (400 above), 100 by default; skip;
 *   updated_after_utc against DATE_UPDATED_UTC; field_name and field_value
 *   only together (400); in CONTACT_ID order. GET /Contacts lists the
 *   same way but takes no updated_after_utc (ignored, as an unknown
 *   parameter is), so the description lists through the search.
 * - Times as Insightly writes them: "yyyy-mm-dd hh:mm:ss", UTC without a
 *   zone (DATE_CREATED_UTC, DATE_UPDATED_UTC).
 * - PUT /Contacts carries CONTACT_ID in the body, and **a PUT replaces the
 *   contact: a field it omits is cleared** (CUSTOMFIELDS and TAGS
 *   emptied). The reference leaves this unverified; the mock takes the
 *   strict reading, so the description says `"shape": "full"` and the
 *   connector sends the whole record (a partial PUT would lose data here,
 *   and a test shows it).
 * - One email, EMAIL_ADDRESS, a string; an invalid one is 400.
 * - CUSTOMFIELDS [{FIELD_NAME, FIELD_VALUE}] with names ending in __c, from
 *   GET /CustomFields/Contacts; values checked by FIELD_TYPE (a DROPDOWN
 *   takes one of its OPTION_VALUEs).
 * - The per-second throttle: 10 requests a second, then 429 (the daily
 *   cap is not simulated).
 */

#define G_LOG_DOMAIN "concord-mock-insightly"

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "concord-mock-described-apps.h"

static char *
error_body (guint       status,
            const char *message)
{
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (root, "Message", message);
  json_node_set_object (node, root);
  return json_to_string (node, FALSE);
}

static char *
check_list_query (ConcordMockRequest *request)
{
  const char *name = concord_mock_request_get_query_param (request, "field_name");
  const char *value = concord_mock_request_get_query_param (request, "field_value");

  if ((name == NULL) != (value == NULL))
    return g_strdup ("field_name and field_value must be given together");
  if (name != NULL)
    return g_strdup ("The simulated Insightly searches by updated_after_utc only");
  return NULL;
}

static gboolean
is_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
}

static char *
check_custom_value (JsonObject *definition,
                    JsonNode   *value)
{
  const char *type = json_object_get_string_member_with_default (definition, "FIELD_TYPE", "TEXT");
  const char *name = json_object_get_string_member_with_default (definition, "FIELD_NAME", "");

  if (!json_object_get_boolean_member_with_default (definition, "EDITABLE", TRUE))
    return g_strdup_printf ("%s is read-only", name);
  if (g_str_equal (type, "NUMERIC") || g_str_equal (type, "PERCENT"))
    return JSON_NODE_HOLDS_VALUE (value) && (json_node_get_value_type (value) == G_TYPE_INT64 ||
                                             json_node_get_value_type (value) == G_TYPE_DOUBLE)
           ? NULL : g_strdup_printf ("%s takes a number", name);
  if (g_str_equal (type, "BIT"))
    return JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_BOOLEAN
           ? NULL : g_strdup_printf ("%s takes true or false", name);
  if (!is_string (value))
    return g_strdup_printf ("%s takes a string", name);
  if (g_str_equal (type, "DROPDOWN"))
    {
      JsonArray *options = json_object_has_member (definition, "CUSTOM_FIELD_OPTIONS")
                           ? json_object_get_array_member (definition, "CUSTOM_FIELD_OPTIONS")
                           : NULL;

      for (guint i = 0; options != NULL && i < json_array_get_length (options); i++)
        if (g_strcmp0 (json_object_get_string_member_with_default (
                         json_array_get_object_element (options, i), "OPTION_VALUE", NULL),
                       json_node_get_string (value)) == 0)
          return NULL;
      return g_strdup_printf ("%s: “%s” is not one of its options", name,
                              json_node_get_string (value));
    }
  if (g_str_equal (type, "DATE") || g_str_equal (type, "DATETIME"))
    {
      g_autofree char *iso = g_strdup (json_node_get_string (value));
      g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
      g_autoptr(GDateTime) when = NULL;

      if (strlen (iso) == 19 && iso[10] == ' ')
        iso[10] = 'T';
      when = g_date_time_new_from_iso8601 (iso, utc);
      if (when == NULL)
        return g_strdup_printf ("%s takes a UTC date and time", name);
    }
  return NULL;
}

static char *
check_record (JsonObject *body,
              gboolean    creating)
{
  static const char * const strings[] = { "FIRST_NAME", "LAST_NAME", "PHONE", "PHONE_MOBILE",
                                          "TITLE", "BACKGROUND" };

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    {
      JsonNode *node = json_object_get_member (body, strings[i]);

      if (node != NULL && !JSON_NODE_HOLDS_NULL (node) && !is_string (node))
        return g_strdup_printf ("%s must be a string", strings[i]);
    }
  if (json_object_has_member (body, "TAGS") &&
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (body, "TAGS")) &&
      !JSON_NODE_HOLDS_NULL (json_object_get_member (body, "TAGS")))
    return g_strdup ("TAGS must be an array");
  return NULL;
}

static void
init_record (JsonObject *record)
{
  static const char * const members[] = { "SALUTATION", "FIRST_NAME", "LAST_NAME", "TITLE",
                                          "BACKGROUND", "EMAIL_ADDRESS", "PHONE", "PHONE_MOBILE",
                                          "DATE_OF_BIRTH", "ADDRESS_MAIL_STREET",
                                          "ADDRESS_MAIL_CITY", "ADDRESS_MAIL_STATE",
                                          "ADDRESS_MAIL_POSTCODE", "ADDRESS_MAIL_COUNTRY",
                                          "ORGANISATION_ID" };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    json_object_set_null_member (record, members[i]);
  json_object_set_boolean_member (record, "EMAIL_OPTED_OUT", FALSE);
  json_object_set_array_member (record, "TAGS", json_array_new ());
}

static JsonArray *
sample_fields (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_data (parser,
        "[{\"FIELD_NAME\": \"city__c\", \"FIELD_LABEL\": \"city\", \"FIELD_TYPE\": \"TEXT\","
        "  \"FIELD_FOR\": \"CONTACT\", \"EDITABLE\": true, \"VISIBLE\": true,"
        "  \"CUSTOM_FIELD_OPTIONS\": []},"
        " {\"FIELD_NAME\": \"Tier__c\", \"FIELD_LABEL\": \"Tier\", \"FIELD_TYPE\": \"DROPDOWN\","
        "  \"FIELD_FOR\": \"CONTACT\", \"EDITABLE\": true, \"VISIBLE\": true,"
        "  \"CUSTOM_FIELD_OPTIONS\": ["
        "   {\"OPTION_ID\": 1, \"OPTION_VALUE\": \"Bronze\", \"OPTION_DEFAULT\": false},"
        "   {\"OPTION_ID\": 2, \"OPTION_VALUE\": \"Silver\", \"OPTION_DEFAULT\": false},"
        "   {\"OPTION_ID\": 3, \"OPTION_VALUE\": \"Gold\", \"OPTION_DEFAULT\": false}]},"
        " {\"FIELD_NAME\": \"Seats__c\", \"FIELD_LABEL\": \"Seats\", \"FIELD_TYPE\": \"NUMERIC\","
        "  \"FIELD_FOR\": \"CONTACT\", \"EDITABLE\": true, \"VISIBLE\": true,"
        "  \"CUSTOM_FIELD_OPTIONS\": []},"
        " {\"FIELD_NAME\": \"Legacy_ID__c\", \"FIELD_LABEL\": \"Legacy ID\","
        "  \"FIELD_TYPE\": \"AUTONUMBER\", \"FIELD_FOR\": \"CONTACT\", \"EDITABLE\": false,"
        "  \"VISIBLE\": true, \"CUSTOM_FIELD_OPTIONS\": []}]", -1, NULL))
    g_assert_not_reached ();
  return json_array_ref (json_node_get_array (json_parser_get_root (parser)));
}

static JsonNode *
sample_value (JsonObject *definition,
              GRand      *rand)
{
  const char *type = json_object_get_string_member_with_default (definition, "FIELD_TYPE", "");
  static const char *tiers[] = { "Bronze", "Silver", "Gold" };
  JsonNode *node;

  if (g_rand_int_range (rand, 0, 3) == 0)
    return NULL;
  node = json_node_new (JSON_NODE_VALUE);
  if (g_str_equal (type, "TEXT"))
    json_node_set_string (node, g_rand_boolean (rand) ? "Lisbon" : "Osaka");
  else if (g_str_equal (type, "DROPDOWN"))
    json_node_set_string (node, tiers[g_rand_int_range (rand, 0, 3)]);
  else if (g_str_equal (type, "NUMERIC"))
    json_node_set_int (node, g_rand_int_range (rand, 1, 500));
  else
    {
      json_node_unref (node);
      return NULL;
    }
  return node;
}

const ConcordMockDescribedQuirks concord_mock_insightly_quirks = {
  .error_body = error_body,
  .check_list_query = check_list_query,
  .check_custom_value = check_custom_value,
  .check_record = check_record,
  .init_record = init_record,
  .sample_fields = sample_fields,
  .sample_value = sample_value,
  .plain_list_path = "/Contacts",
  .invalid_status = SOUP_STATUS_BAD_REQUEST,
  .create_status = SOUP_STATUS_CREATED,
  .auth_message = "Authorization has been denied for this request.",
  .max_page_size = 500,
  .default_page_size = 100,
  .spaced_times = TRUE,
  .update_replaces = TRUE,
  .verify_answer = "{\"USER_ID\": 1, \"FIRST_NAME\": \"Mock\", \"LAST_NAME\": \"Owner\","
                   " \"EMAIL_ADDRESS\": \"owner@example.com\", \"TIMEZONE_ID\": \"UTC\"}",
  .rate_limit = 10,
  .rate_window_s = 1,
};

static GObject *
info_create (const char  *secret,
             guint        port,
             GError     **error)
{
  return _concord_mock_described_info_create ("insightly", &concord_mock_insightly_quirks, secret,
                                              port, error);
}

const ConcordMockAppInfo concord_mock_insightly_info = {
  .id = "insightly",
  .create = info_create,
  .get_server = _concord_mock_described_info_get_server,
  .get_base_url = _concord_mock_described_info_get_base_url,
  .set_secret = _concord_mock_described_info_set_secret,
  .generate = _concord_mock_described_info_generate,
  .load_file = _concord_mock_described_info_load_file,
  .set_save_path = _concord_mock_described_info_set_save_path,
};
