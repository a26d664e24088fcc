/* concord-mock-capsule.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The simulated Capsule CRM (API v2; facts in H16-desc point 1):
 * capsule.json served by ConcordMockDescribed, with what the description
 * cannot say.
 *
 * - A bearer token (the description's auth); else 401 {"message": …}.
 * - GET /parties: perPage ≤ 100 (400 above), 50 by default; page; since
 *   (ISO 8601) against updatedAt; the next page only as a Link header
 *   (<…/parties?page=N&perPage=M>; rel="next"), none on the last page.
 * - Parties are persons and organisations; only persons are contacts (the
 *   description's where), an organisation is 404 at /parties/{id} here.
 * - Writes wrap the party: POST /parties {"party": {…}} (201) and PUT
 *   /parties/{id}; a new party must say its type, a person needs a first
 *   or last name, an organisation a name; a refusal is 422
 *   {"message": "validation failed", "errors": [{"message": …}]}.
 * - A party's fields (custom values) and tags come back only when the
 *   request embeds them (?embed=fields,tags), on every answer that shows
 *   a party: listing, fetch, create, update.
 * - Custom fields from GET /parties/fields/definitions {"definitions": […]};
 *   values in fields [{definition: {id}, value}], checked by type (a list
 *   takes one of its options, a date yyyy-mm-dd).
 * - 4000 requests an hour with X-RateLimit-Limit/-Remaining and
 *   X-RateLimit-Reset (a Unix time); a 429 also says Retry-After.
 *
 * - Nested items (emailAddresses, phoneNumbers, addresses, websites) each
 *   have an id; a PUT updates the items it names by id, deletes those sent
 *   with "_delete": true, and **adds every item sent without an id** — it
 *   never replaces the list. A client that sends the whole list again
 *   doubles it; one that sends a new address alone keeps the old one
 *   first.
 */

#define G_LOG_DOMAIN "concord-mock-capsule"

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

  if (status == 422)
    {
      JsonArray *errors = json_array_new ();
      JsonObject *error = json_object_new ();

      json_object_set_string_member (error, "message", message);
      json_object_set_string_member (error, "resource", "party");
      json_array_add_object_element (errors, error);
      json_object_set_string_member (root, "message", "validation failed");
      json_object_set_array_member (root, "errors", errors);
    }
  else
    json_object_set_string_member (root, "message", message);
  json_node_set_object (node, root);
  return json_to_string (node, FALSE);
}

static gboolean
is_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
has_text (JsonObject *body,
          const char *member)
{
  JsonNode *node = json_object_get_member (body, member);

  return is_string (node) && *json_node_get_string (node) != '\0';
}

static const char * const nested_members[] = { "emailAddresses", "phoneNumbers", "addresses",
                                                "websites", NULL };

/* Ids of nested items, unique in the process (any mock's thread). */
static gint next_item_id;

static gint64
new_item_id (void)
{
  return 1000 + g_atomic_int_add (&next_item_id, 1);
}

static JsonObject *
find_item (JsonArray *items,
           gint64     id)
{
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      if (item != NULL && json_object_get_int_member_with_default (item, "id", -1) == id)
        return item;
    }
  return NULL;
}

/* Capsule's nested items: by id, updated or (with _delete) deleted;
 * without an id, added. */
static gboolean
update_member (JsonObject *record,
               const char *member,
               JsonNode   *value)
{
  JsonArray *items;
  JsonArray *sent;

  if (!g_strv_contains (nested_members, member) || !JSON_NODE_HOLDS_ARRAY (value))
    return FALSE;
  if (!json_object_has_member (record, member) ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (record, member)))
    json_object_set_array_member (record, member, json_array_new ());
  items = json_object_get_array_member (record, member);
  sent = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (sent); i++)
    {
      JsonNode *node = json_array_get_element (sent, i);
      JsonObject *item = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      gint64 id = item != NULL ? json_object_get_int_member_with_default (item, "id", -1) : -1;
      JsonObject *existing = id >= 0 ? find_item (items, id) : NULL;
      JsonObjectIter iter;
      const char *name;
      JsonNode *field;

      if (item == NULL)
        continue;
      if (existing == NULL)
        {
          JsonObject *added = json_object_new ();

          json_object_iter_init (&iter, item);
          while (json_object_iter_next (&iter, &name, &field))
            if (!g_str_equal (name, "id") && !g_str_equal (name, "_delete"))
              json_object_set_member (added, name, json_node_copy (field));
          json_object_set_int_member (added, "id", new_item_id ());
          json_array_add_object_element (items, added);
        }
      else if (json_object_get_boolean_member_with_default (item, "_delete", FALSE))
        {
          for (guint j = 0; j < json_array_get_length (items); j++)
            if (json_array_get_object_element (items, j) == existing)
              {
                json_array_remove_element (items, j);
                break;
              }
        }
      else
        {
          json_object_iter_init (&iter, item);
          while (json_object_iter_next (&iter, &name, &field))
            if (!g_str_equal (name, "_delete"))
              json_object_set_member (existing, name, json_node_copy (field));
        }
    }
  return TRUE;
}

static const char * const embeddable[] = { "fields", "tags", NULL };

static JsonObject *
present (JsonObject         *record,
         ConcordMockRequest *request)
{
  const char *embed = concord_mock_request_get_query_param (request, "embed");
  g_auto(GStrv) asked = g_strsplit (embed != NULL ? embed : "", ",", -1);
  JsonObject *shown = json_object_new ();
  JsonObjectIter iter;
  const char *member;
  JsonNode *value;

  json_object_iter_init (&iter, record);
  while (json_object_iter_next (&iter, &member, &value))
    if (!g_strv_contains (embeddable, member) ||
        g_strv_contains ((const char * const *) asked, member))
      json_object_set_member (shown, member, json_node_copy (value));
  return shown;
}

/* Every nested item has an id (those of a new party too). */
static void
fix_record (JsonObject *record)
{
  for (guint m = 0; nested_members[m] != NULL; m++)
    {
      JsonNode *node = json_object_get_member (record, nested_members[m]);

      if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
        continue;
      for (guint i = 0; i < json_array_get_length (json_node_get_array (node)); i++)
        {
          JsonObject *item = json_array_get_object_element (json_node_get_array (node), i);

          if (item != NULL && !json_object_has_member (item, "id"))
            json_object_set_int_member (item, "id", new_item_id ());
          if (item != NULL)
            json_object_remove_member (item, "_delete");
        }
    }
}

static char *
check_custom_value (JsonObject *definition,
                    JsonNode   *value)
{
  const char *type = json_object_get_string_member_with_default (definition, "type", "text");
  const char *name = json_object_get_string_member_with_default (definition, "name", "");

  if (g_str_equal (type, "number"))
    return JSON_NODE_HOLDS_VALUE (value) && (json_node_get_value_type (value) == G_TYPE_INT64 ||
                                             json_node_get_value_type (value) == G_TYPE_DOUBLE)
           ? NULL : g_strdup_printf ("%s must be a number", name);
  if (g_str_equal (type, "boolean"))
    return JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_BOOLEAN
           ? NULL : g_strdup_printf ("%s must be true or false", name);
  if (!is_string (value))
    return g_strdup_printf ("%s must be text", name);
  if (g_str_equal (type, "list"))
    {
      JsonArray *options = json_object_has_member (definition, "options")
                           ? json_object_get_array_member (definition, "options") : NULL;

      for (guint i = 0; options != NULL && i < json_array_get_length (options); i++)
        if (g_strcmp0 (json_array_get_string_element (options, i), json_node_get_string (value)) == 0)
          return NULL;
      return g_strdup_printf ("%s: “%s” is not one of its options", name,
                              json_node_get_string (value));
    }
  if (g_str_equal (type, "date"))
    {
      g_autofree char *midnight = g_strconcat (json_node_get_string (value), "T00:00:00Z", NULL);
      g_autoptr(GDateTime) day = g_date_time_new_from_iso8601 (midnight, NULL);

      if (strlen (json_node_get_string (value)) != 10 || day == NULL)
        return g_strdup_printf ("%s must be a date (yyyy-mm-dd)", name);
    }
  return NULL;
}

static char *
check_record (JsonObject *body,
              gboolean    creating)
{
  const char *type = json_object_get_string_member_with_default (body, "type", NULL);

  if (creating && type == NULL)
    return g_strdup ("type is required");
  if (type != NULL && !g_str_equal (type, "person") && !g_str_equal (type, "organisation"))
    return g_strdup ("type must be person or organisation");
  if (creating && g_str_equal (type, "person") && !has_text (body, "firstName") &&
      !has_text (body, "lastName"))
    return g_strdup ("person must have a first or last name");
  if (creating && g_str_equal (type, "organisation") && !has_text (body, "name"))
    return g_strdup ("organisation must have a name");
  return NULL;
}

static void
init_record (JsonObject *record)
{
  json_object_set_null_member (record, "firstName");
  json_object_set_null_member (record, "lastName");
  json_object_set_null_member (record, "jobTitle");
  json_object_set_null_member (record, "about");
  json_object_set_null_member (record, "organisation");
  json_object_set_array_member (record, "emailAddresses", json_array_new ());
  json_object_set_array_member (record, "phoneNumbers", json_array_new ());
  json_object_set_array_member (record, "tags", json_array_new ());
  json_object_set_null_member (record, "owner");
}

static JsonArray *
sample_fields (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_data (parser,
        "[{\"id\": 501, \"name\": \"city\", \"type\": \"text\", \"captureRule\": \"party\","
        "  \"important\": false, \"displayOrder\": 1},"
        " {\"id\": 502, \"name\": \"Tier\", \"type\": \"list\", \"captureRule\": \"party\","
        "  \"important\": false, \"displayOrder\": 2, \"options\": [\"Bronze\", \"Silver\", \"Gold\"]},"
        " {\"id\": 503, \"name\": \"Renewal\", \"type\": \"date\", \"captureRule\": \"party\","
        "  \"important\": false, \"displayOrder\": 3}]", -1, NULL))
    g_assert_not_reached ();
  return json_array_ref (json_node_get_array (json_parser_get_root (parser)));
}

static JsonNode *
sample_value (JsonObject *definition,
              GRand      *rand)
{
  const char *type = json_object_get_string_member_with_default (definition, "type", "");
  static const char *tiers[] = { "Bronze", "Silver", "Gold" };
  JsonNode *node;

  if (g_rand_int_range (rand, 0, 3) == 0)
    return NULL;
  node = json_node_new (JSON_NODE_VALUE);
  if (g_str_equal (type, "text"))
    json_node_set_string (node, g_rand_boolean (rand) ? "Lisbon" : "Osaka");
  else if (g_str_equal (type, "list"))
    json_node_set_string (node, tiers[g_rand_int_range (rand, 0, 3)]);
  else
    {
      g_autofree char *day = g_strdup_printf ("2027-%02d-%02d", g_rand_int_range (rand, 1, 13),
                                              g_rand_int_range (rand, 1, 29));

      json_node_set_string (node, day);
    }
  return node;
}

const ConcordMockDescribedQuirks concord_mock_capsule_quirks = {
  .error_body = error_body,
  .check_custom_value = check_custom_value,
  .check_record = check_record,
  .init_record = init_record,
  .update_member = update_member,
  .present = present,
  .fix_record = fix_record,
  .sample_fields = sample_fields,
  .sample_value = sample_value,
  .invalid_status = 422,
  .create_status = SOUP_STATUS_CREATED,
  .auth_message = "authentication failed",
  .max_page_size = 100,
  .default_page_size = 50,
  .link_page_param = "page",
  .limit_header = "X-RateLimit-Limit",
  .reset_is_epoch = TRUE,
  .retry_after = TRUE,
  .verify_answer = "{\"user\": {\"id\": 1, \"username\": \"mock\", \"name\": \"Mock Owner\"}}",
  .rate_limit = 4000,
  .rate_window_s = 3600,
};

/* Capsule as concord-mock serves it: a company's account has
 * organisations among its parties, which are no contacts. */
static GObject *
info_create (const char  *secret,
             guint        port,
             GError     **error)
{
  static const char * const organisations[] = {
    "{\"type\": \"organisation\", \"name\": \"Acme Ltd\", \"emailAddresses\": "
    "[{\"address\": \"info@acme.example\", \"type\": \"Work\"}]}",
    "{\"type\": \"organisation\", \"name\": \"Globex\"}",
  };
  GObject *mock = _concord_mock_described_info_create ("capsule", &concord_mock_capsule_quirks,
                                                       secret, port, error);

  for (guint i = 0; mock != NULL && i < G_N_ELEMENTS (organisations); i++)
    if (concord_mock_described_put_record_json (CONCORD_MOCK_DESCRIBED (mock), organisations[i],
                                                NULL) == 0)
      g_warn_if_reached ();
  return mock;
}

const ConcordMockAppInfo concord_mock_capsule_info = {
  .id = "capsule",
  .create = info_create,
  .get_server = _concord_mock_described_info_get_server,
  .get_base_url = _concord_mock_described_info_get_base_url,
  .set_secret = _concord_mock_described_info_set_secret,
  .generate = _concord_mock_described_info_generate,
  .load_file = _concord_mock_described_info_load_file,
  .set_save_path = _concord_mock_described_info_set_save_path,
};
