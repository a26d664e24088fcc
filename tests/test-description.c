/* test-description.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Connector descriptions (concord-description.c): every shipped one loads;
 * each malformed or inconsistent variant of Copper's is refused with its
 * exact place and reason; paths, placeholders, times and hooks behave.
 */

#include "config.h"

#include <string.h>

#include "concord-description.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-json-hooks.h"

static char *
described_dir (void)
{
  return g_test_build_filename (G_TEST_DIST, "..", "src", "connectors", "described", NULL);
}

static char *
read_copper (void)
{
  g_autofree char *dir = described_dir ();
  g_autofree char *path = g_build_filename (dir, "copper.json", NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

/* ------------------------------------------------------------------------- */
/* Every shipped description                                                  */
/* ------------------------------------------------------------------------- */

static void
test_shipped_load (void)
{
  g_autofree char *dir_path = described_dir ();
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *contents = NULL;
      g_autofree char *id = NULL;
      g_autoptr(ConcordDescription) description = NULL;
      g_autoptr(GError) error = NULL;

      if (!g_str_has_suffix (name, ".json"))
        continue;
      path = g_build_filename (dir_path, name, NULL);
      g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
      description = concord_description_load (contents, -1, &error);
      if (error != NULL)
        g_test_message ("%s: %s", name, error->message);
      g_assert_no_error (error);
      id = g_strndup (name, strlen (name) - strlen (".json"));
      g_assert_cmpstr (description->id, ==, id);
      g_assert_cmpuint (description->contact_types->len, >, 0);
      n++;
    }
  g_assert_cmpuint (n, >=, 1);
}

static void
test_copper_compiled (void)
{
  g_autofree char *contents = read_copper ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordDescription) description = concord_description_load (contents, -1, &error);
  const ConcordDescContactType *people;

  g_assert_no_error (error);
  g_assert_cmpstr (description->name, ==, "Copper");
  g_assert_cmpint (description->auth, ==, CONCORD_DESC_AUTH_HEADER);
  g_assert_cmpstr (description->auth_name, ==, "X-PW-AccessToken");
  g_assert_cmpstr (description->auth_value, ==, "{secret}");
  g_assert_cmpuint (description->header_names->len, ==, 2);
  g_assert_cmpuint (description->rate_requests, ==, 180);
  g_assert_cmpuint (description->rate_seconds, ==, 60);
  g_assert_true (concord_description_uses_hook (description, "copper_custom_dates"));
  g_assert_true (concord_description_uses_hook (description, "copper_person_name"));
  g_assert_false (concord_description_uses_hook (description, "foo"));

  people = concord_description_find_type (description, "people");
  g_assert_nonnull (people);
  g_assert_null (concord_description_find_type (description, "companies"));
  g_assert_cmpint (people->paging, ==, CONCORD_DESC_PAGING_PAGE_NUMBER);
  g_assert_cmpstr (people->page_param, ==, "page_number");
  g_assert_cmpstr (people->size_param, ==, "page_size");
  g_assert_cmpuint (people->page_size, ==, 200);
  g_assert_true (people->short_page_ends);
  g_assert_true (people->params_in_body);
  g_assert_cmpint (people->incremental, ==, CONCORD_DESC_INCREMENTAL_MODIFIED_SINCE);
  g_assert_cmpint (people->since_format, ==, CONCORD_DESC_TIME_UNIX);
  g_assert_cmpuint (people->batch, ==, 1);
  g_assert_false (people->update_full);
  g_assert_nonnull (people->email->items);
  g_assert_cmpstr (g_hash_table_lookup (people->email->items->labels, "personal"), ==, "home");
  g_assert_cmpstr (g_hash_table_lookup (people->email->items->labels_back, "home"), ==,
                   "personal");
  g_assert_nonnull (people->custom);
  g_assert_false (people->custom->values_object);
  g_assert_cmpstr (people->custom->value_id->text, ==, "custom_field_definition_id");
}

/* ------------------------------------------------------------------------- */
/* Malformed variants                                                        */
/* ------------------------------------------------------------------------- */

/* Sets (or with @json NULL removes) the member at @place of @root: names
 * joined by '.', each with an optional [N]. */
static void
mutate (JsonNode   *root,
        const char *place,
        const char *json)
{
  g_auto(GStrv) steps = g_strsplit (place, ".", -1);
  JsonNode *node = root;
  guint n = g_strv_length (steps);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup (steps[i]);
      char *open = strchr (name, '[');
      gint index = -1;
      JsonObject *object;
      gboolean last_step = i + 1 == n;

      if (open != NULL)
        {
          index = atoi (open + 1);
          *open = '\0';
        }
      g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
      object = json_node_get_object (node);

      if (last_step && index < 0)
        {
          if (json == NULL)
            {
              g_assert_true (json_object_has_member (object, name));
              json_object_remove_member (object, name);
            }
          else
            json_object_set_member (object, name, json_from_string (json, NULL));
          return;
        }

      node = json_object_get_member (object, name);
      g_assert_nonnull (node);
      if (index >= 0)
        {
          JsonArray *array = json_node_get_array (node);

          if (last_step)
            {
              if (json == NULL)
                json_array_remove_element (array, (guint) index);
              else if ((guint) index == json_array_get_length (array))
                json_array_add_element (array, json_from_string (json, NULL));
              else
                {
                  json_array_remove_element (array, (guint) index);
                  /* json-glib has no insert: rebuild. */
                  {
                    g_autoptr(JsonArray) rebuilt = json_array_new ();

                    for (guint k = 0; k < json_array_get_length (array) + 1; k++)
                      {
                        if (k == (guint) index)
                          json_array_add_element (rebuilt, json_from_string (json, NULL));
                        if (k < json_array_get_length (array))
                          json_array_add_element (rebuilt,
                                                  json_node_copy (json_array_get_element (array, k)));
                      }
                    json_node_set_array (node, rebuilt);
                  }
                }
              return;
            }
          node = json_array_get_element (array, (guint) index);
        }
    }
}

typedef struct
{
  const char *place;     /* what to change */
  const char *json;      /* its new value; NULL removes it */
  const char *message;   /* the refusal, exactly */
} Malformed;

static const Malformed malformed[] = {
  { "contact_types[0].list.paging.style", "\"page\"",
    "contact_types[0].list.paging.style: unknown style \"page\"" },
  { "contact_types[0].record.id", NULL, "contact_types[0].record.id: missing" },
  { "hooks", "[\"foo\"]", "hooks: \"foo\" is not a known hook" },
  { "hooks", "[\"copper_custom_dates\", \"copper_custom_dates\"]",
    "hooks: \"copper_custom_dates\" is listed twice" },
  { "base_url", "\"https://api.{pod}.copper.com\"",
    "base_url: placeholder {pod} is filled by no account field and no derived value" },
  { "contact_types[0].create.batch", "5000",
    "contact_types[0].create.batch: 5000 is out of range (1–1000)" },
  { "contact_types[0].list.pagin", "{}", "contact_types[0].list.pagin: unknown key" },
  { "hokks", "[]", "hokks: unknown key" },
  { "format", "2", "format: 2 is not a format this Concord reads (1)" },
  { "format", NULL, "format: missing" },
  { "auth.kind", "\"oauth\"", "auth.kind: unknown kind \"oauth\"" },
  { "auth", "{\"kind\": \"header\", \"name\": \"X-Key\", \"value\": \"static\"}",
    "auth: the secret goes nowhere (no {secret})" },
  { "auth", "{\"kind\": \"bearer\", \"name\": \"X\"}", "auth.name: unknown key" },
  { "headers.X-PW-UserEmail", "\"{secret}\"",
    "headers.X-PW-UserEmail: {secret} may only be used in auth" },
  { "account[1].key", "\"base_url\"",
    "account[1].key: \"base_url\" is every described app's own field; do not declare it" },
  { "account[0].kind", "\"text\"", "account: no field of kind \"secret\"" },
  { "account[1].kind", "\"secret\"", "account: more than one field of kind \"secret\"" },
  { "account[1].key", "\"api_key\"", "account[1].key: \"api_key\" is declared twice" },
  { "id", "\"Copper\"", "id: \"Copper\" is not lower-case letters, digits and \"-\"" },
  { "icon", "\"copper\"", "icon: must be \"concord-app-copper-symbolic\"" },
  { "key_url", "\"http://copper.com/\"", "key_url: must be an https:// address" },
  { "contact_types[0].fields[0].key", "\"firstname\"",
    "contact_types[0].fields[0].key: \"firstname\" is not a Concord field nor \"custom:<name>\"" },
  { "contact_types[0].fields[0].type", "\"text\"",
    "contact_types[0].fields[0].type: unknown type \"text\"" },
  { "contact_types[0].fields[0].format", "\"unix\"",
    "contact_types[0].fields[0].format: only a date or datetime field has a time format" },
  { "contact_types[0].fields[1]", "{\"key\": \"first_name\", \"path\": \"x\"}",
    "contact_types[0].fields[1]: \"first_name\" is declared twice" },
  { "contact_types[0].fields[1]", "{\"key\": \"email\", \"path\": \"x\"}",
    "contact_types[0].fields[1]: the email is \"record.email\"" },
  { "contact_types[0].record.modified", NULL,
    "contact_types[0].record.modified: missing, and the listing is incremental by modification time" },
  { "contact_types[0].record.id", "\"a..b\"",
    "contact_types[0].record.id: \"a..b\" is not a path (names joined by \".\")" },
  { "contact_types[0].record.id", "\"items[x]\"",
    "contact_types[0].record.id: \"items[x]\" is not a path (an index is [N])" },
  { "contact_types[0].record.id", "\"\"", "contact_types[0].record.id: cannot be empty" },
  { "contact_types[0].record.email.items.labels.personal", "\"private\"",
    "contact_types[0].record.email.items.labels.personal: must be \"work\", \"home\", \"mobile\" or \"other\"" },
  { "contact_types[0].record.email.items.id", "\"id\"",
    "contact_types[0].record.email.items: \"id\" and \"delete\" go together" },
  { "contact_types[0].record.email.items.delete", "\"_delete\"",
    "contact_types[0].record.email.items: \"id\" and \"delete\" go together" },
  { "contact_types[0].fetch.path", "\"/people\"",
    "contact_types[0].fetch.path: does not name the record ({id})" },
  { "contact_types[0].list.paging.page_size", "0",
    "contact_types[0].list.paging.page_size: 0 is out of range (1–1000)" },
  { "contact_types[0].list.paging.ends", "\"never\"",
    "contact_types[0].list.paging.ends: unknown end \"never\"" },
  { "contact_types[0].list.paging.next", "\"paging.next\"",
    "contact_types[0].list.paging.next: unknown key" },
  { "contact_types[0].list.incremental.format", "\"rfc2822\"",
    "contact_types[0].list.incremental.format: unknown time format \"rfc2822\"" },
  { "contact_types[0].custom_fields.types.Dropdown", "\"pick\"",
    "contact_types[0].custom_fields.types.Dropdown: unknown type \"pick\"" },
  { "contact_types[0].custom_fields.values.object", "\"custom\"",
    "contact_types[0].custom_fields.values: \"object\" or \"path\", \"id\" and \"value\", not both" },
  { "contact_types[0].list.path", "\"people/search\"",
    "contact_types[0].list.path: must start with \"/\"" },
  { "contact_types[0].list.method", "\"DELETE\"",
    "contact_types[0].list.method: unknown method \"DELETE\"" },
  { "contact_types[0].list.method", "\"GET\"",
    "contact_types[0].list: a GET has no body for \"parameters\": \"body\"" },
  { "contact_types[0].update.path", "\"/people\"",
    "contact_types[0].update: names the record neither in its path ({id}) nor with \"id_member\"" },
  { "contact_types[0].list.body.sort_by", "\"{id}\"",
    "contact_types[0].list.body.sort_by: {id} may only be used in the paths of fetch and update" },
  { "contact_types[0].list.query", "{\"q\": \"{user}\"}",
    "contact_types[0].list.query.q: placeholder {user} is filled by no account field and no derived value" },
  { "contact_types[0].create.batch", "10",
    "contact_types[0].create: a batch above 1 needs \"records\", the member of the body that holds them" },
  { "contact_types[0].discover",
    "{\"method\": \"GET\", \"path\": \"/lists\", \"records\": \"lists\", \"id\": \"id\", \"name\": \"name\"}",
    "contact_types[0]: \"id\" and \"label\", or \"discover\", not both" },
  { "contact_types", "[]", "contact_types: must hold at least one contact type" },
  { "derive", "{\"pod\": {\"from\": \"secret\", \"regex\": \"abc\"}}",
    "derive.pod.regex: has no capture group \"(…)\" for the value" },
  { "derive", "{\"pod\": {\"from\": \"nothing\", \"regex\": \"(a)\"}}",
    "derive.pod.from: \"nothing\" is not \"secret\" nor an account field" },
  { "rate_limit.requests", NULL, "rate_limit: \"requests\" and \"per_seconds\" go together" },
  { "error.message", "[]", "error.message: must hold at least one path" },
  { "name", "3", "name: must be a string" },
  { "account[1].choices", "[{\"value\": \"a\", \"label\": \"A\"}]",
    "account[1]: only a choice has \"choices\"" },
};

static void
test_malformed (gconstpointer data)
{
  const Malformed *test = data;
  g_autofree char *contents = read_copper ();
  g_autoptr(JsonNode) root = json_from_string (contents, NULL);
  g_autofree char *changed = NULL;
  g_autoptr(ConcordDescription) description = NULL;
  g_autoptr(GError) error = NULL;

  mutate (root, test->place, test->json);
  changed = json_to_string (root, TRUE);
  description = concord_description_load (changed, -1, &error);
  g_assert_null (description);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, test->message);
}

static void
test_not_json (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordDescription) description = NULL;
  g_autoptr(GString) bomb = g_string_new (NULL);

  description = concord_description_load ("{\"format\": 1,", -1, &error);
  g_assert_null (description);
  g_assert_nonnull (error);
  g_clear_error (&error);

  description = concord_description_load ("[1, 2]", -1, &error);
  g_assert_null (description);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "(top): a description is a JSON object");
  g_clear_error (&error);

  /* A nesting bomb is refused by the bounded parser, without recursion. */
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (bomb, '[');
  description = concord_description_load (bomb->str, (gssize) bomb->len, &error);
  g_assert_null (description);
  g_assert_nonnull (error);
}

static void
test_bad_regex (void)
{
  g_autofree char *contents = read_copper ();
  g_autoptr(JsonNode) root = json_from_string (contents, NULL);
  g_autofree char *changed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordDescription) description = NULL;

  mutate (root, "account[1].check", "\"(\"");
  changed = json_to_string (root, FALSE);
  description = concord_description_load (changed, -1, &error);
  g_assert_null (description);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "account[1].check: not a regular expression ("));
}

/* ------------------------------------------------------------------------- */
/* Paths, placeholders, times, hooks                                         */
/* ------------------------------------------------------------------------- */

static void
test_paths (void)
{
  g_autoptr(JsonNode) root = json_from_string ("{\"a\": {\"b\": [{\"c\": 7}, {\"c\": \"x\"}]},"
                                               " \"s\": \"t\", \"n\": null}", NULL);
  g_autoptr(ConcordDescPath) whole = concord_desc_path_new ("", "p", NULL);
  g_autoptr(ConcordDescPath) deep = concord_desc_path_new ("a.b[1].c", "p", NULL);
  g_autoptr(ConcordDescPath) number = concord_desc_path_new ("a.b[0].c", "p", NULL);
  g_autoptr(ConcordDescPath) past = concord_desc_path_new ("a.b[2].c", "p", NULL);
  g_autoptr(ConcordDescPath) through = concord_desc_path_new ("s.x", "p", NULL);
  g_autoptr(ConcordDescPath) null_path = concord_desc_path_new ("n", "p", NULL);
  g_autoptr(ConcordDescPath) nested = concord_desc_path_new ("address.city", "p", NULL);
  g_autoptr(JsonObject) built = json_object_new ();
  g_autofree char *text = NULL;
  g_autofree char *built_text = NULL;
  g_autoptr(JsonNode) built_node = NULL;

  g_assert_true (concord_desc_path_get (whole, root) == root);
  text = concord_desc_path_get_text (deep, root, 100, NULL);
  g_assert_cmpstr (text, ==, "x");
  g_clear_pointer (&text, g_free);
  text = concord_desc_path_get_text (number, root, 100, NULL);
  g_assert_cmpstr (text, ==, "7");
  g_assert_null (concord_desc_path_get (past, root));
  g_assert_null (concord_desc_path_get (through, root));
  g_assert_null (concord_desc_path_get_text (null_path, root, 100, NULL));

  concord_desc_path_set (nested, built, json_node_init_string (json_node_alloc (), "Paris"));
  built_node = json_node_init_object (json_node_alloc (), built);
  built_text = json_to_string (built_node, FALSE);
  g_assert_cmpstr (built_text, ==, "{\"address\":{\"city\":\"Paris\"}}");
}

static const char insightly_like[] =
  "{\"format\": 1, \"id\": \"podapp\", \"name\": \"Pod App\", "
  "\"icon\": \"concord-app-podapp-symbolic\", \"key_url\": \"https://example.com/key\", "
  "\"account\": [{\"key\": \"api_key\", \"kind\": \"secret\", \"label\": \"Key\"},"
  "              {\"key\": \"pod\", \"kind\": \"text\", \"label\": \"Pod\", \"default\": \"na1\"}],"
  "\"derive\": {\"dc\": {\"from\": \"secret\", \"regex\": \"-([a-z]+[0-9]+)$\"}},"
  "\"base_url\": \"https://{dc}.api.{pod}.example.com/v1\","
  "\"auth\": {\"kind\": \"basic\"},"
  "\"verify\": {\"method\": \"GET\", \"path\": \"/me\"},"
  "\"contact_types\": [{\"discover\": {\"method\": \"GET\", \"path\": \"/lists\","
  "   \"records\": \"lists\", \"id\": \"id\", \"name\": \"name\"},"
  " \"list\": {\"method\": \"GET\", \"path\": \"/lists/{contact_type}/members\", \"records\": \"members\","
  "   \"paging\": {\"style\": \"offset\", \"offset\": \"skip\", \"size\": \"top\", \"page_size\": 500}},"
  " \"record\": {\"id\": \"ID\", \"email\": {\"path\": \"EMAIL\"}},"
  " \"fetch\": {\"method\": \"GET\", \"path\": \"/lists/{contact_type}/members/{id}\"},"
  " \"create\": {\"method\": \"POST\", \"path\": \"/lists/{contact_type}/members\"},"
  " \"update\": {\"method\": \"PUT\", \"path\": \"/Contacts\", \"shape\": \"full\", \"id_member\": \"ID\"}}]}";

static void
test_placeholders (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordDescription) description = concord_description_load (insightly_like, -1,
                                                                         &error);
  g_autoptr(JsonObject) options = json_object_new ();
  g_autofree char *url = NULL;
  g_autofree char *path = NULL;
  g_autofree char *user = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (description->auth, ==, CONCORD_DESC_AUTH_BASIC);
  g_assert_cmpstr (description->auth_password, ==, "");

  /* The pod's default, the data centre from the key. */
  url = concord_description_base_url (description, options, "abc123-us7", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, "https://us7.api.na1.example.com/v1");
  g_clear_pointer (&url, g_free);

  json_object_set_string_member (options, "pod", "eu1");
  url = concord_description_base_url (description, options, "abc123-us7", &error);
  g_assert_cmpstr (url, ==, "https://us7.api.eu1.example.com/v1");
  g_clear_pointer (&url, g_free);

  /* A key that does not name its data centre: refused, never quoted. */
  url = concord_description_base_url (description, options, "plainsecretkey", &error);
  g_assert_null (url);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_null (strstr (error->message, "plainsecretkey"));
  g_clear_error (&error);

  /* base_url wins, without its trailing slash. */
  json_object_set_string_member (options, "base_url", "http://127.0.0.1:8080/");
  url = concord_description_base_url (description, options, "plainsecretkey", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, "http://127.0.0.1:8080");

  /* Paths escape what they carry. */
  path = concord_description_fill (description, "/lists/{contact_type}/members/{id}", options,
                                   NULL, "a b", "x/y", TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, "/lists/a%20b/members/x%2Fy");

  user = concord_description_fill (description, description->auth_value, options, "k-us1",
                                   NULL, NULL, FALSE, &error);
  g_assert_cmpstr (user, ==, "k-us1");
}

static void
test_times (void)
{
  g_autoptr(JsonNode) number = json_node_init_int (json_node_alloc (), 1700000000);
  g_autoptr(JsonNode) text = json_node_init_string (json_node_alloc (), "1700000000");
  g_autoptr(JsonNode) ms = json_node_init_int (json_node_alloc (), 1700000000123);
  g_autoptr(JsonNode) iso = json_node_init_string (json_node_alloc (), "2023-11-14T22:13:20Z");
  g_autoptr(JsonNode) bad = json_node_init_string (json_node_alloc (), "yesterday");
  g_autoptr(JsonNode) huge = json_node_init_int (json_node_alloc (), G_MAXINT64);
  gint64 when = 0;
  g_autofree char *unix_text = concord_desc_format_time (1700000000, CONCORD_DESC_TIME_UNIX);
  g_autofree char *iso_text = concord_desc_format_time (1700000000, CONCORD_DESC_TIME_ISO8601);

  g_assert_true (concord_desc_parse_time (number, CONCORD_DESC_TIME_UNIX, &when));
  g_assert_cmpint (when, ==, 1700000000);
  g_assert_true (concord_desc_parse_time (text, CONCORD_DESC_TIME_UNIX, &when));
  g_assert_cmpint (when, ==, 1700000000);
  g_assert_true (concord_desc_parse_time (ms, CONCORD_DESC_TIME_UNIX_MS, &when));
  g_assert_cmpint (when, ==, 1700000000);
  g_assert_true (concord_desc_parse_time (iso, CONCORD_DESC_TIME_ISO8601, &when));
  g_assert_cmpint (when, ==, 1700000000);
  g_assert_false (concord_desc_parse_time (bad, CONCORD_DESC_TIME_ISO8601, &when));
  g_assert_false (concord_desc_parse_time (bad, CONCORD_DESC_TIME_UNIX, &when));
  g_assert_false (concord_desc_parse_time (huge, CONCORD_DESC_TIME_UNIX, &when));
  g_assert_cmpstr (unix_text, ==, "1700000000");
  g_assert_cmpstr (iso_text, ==, "2023-11-14T22:13:20Z");
}

static void
test_hooks (void)
{
  const ConcordJsonHook *hook = concord_json_hooks_lookup ("copper_custom_dates");
  g_autofree char *read = NULL;
  g_autofree char *written = NULL;
  g_autofree char *not_date = NULL;
  g_autofree char *impossible = NULL;

  g_assert_nonnull (hook);
  g_assert_null (concord_json_hooks_lookup ("foo"));
  read = hook->read_custom (CONCORD_FIELD_TYPE_DATE, "02/29/2024");
  g_assert_cmpstr (read, ==, "2024-02-29");
  written = hook->write_custom (CONCORD_FIELD_TYPE_DATE, "2024-02-29");
  g_assert_cmpstr (written, ==, "02/29/2024");
  not_date = hook->read_custom (CONCORD_FIELD_TYPE_STRING, "02/29/2024");
  g_assert_null (not_date);
  impossible = hook->read_custom (CONCORD_FIELD_TYPE_DATE, "02/30/2023");
  g_assert_null (impossible);
  g_assert_null (hook->read_custom (CONCORD_FIELD_TYPE_DATE, "2/3/2024"));
  g_assert_null (hook->write_custom (CONCORD_FIELD_TYPE_DATE, "2024-13-01"));
  g_assert_null (hook->write_created);

  /* copper_person_name: first and last, else the email; never over a name. */
  hook = concord_json_hooks_lookup ("copper_person_name");
  g_assert_nonnull (hook);
  g_assert_null (hook->read_custom);
  {
    g_autoptr(ConcordRecord) record = concord_record_new (NULL);
    g_autoptr(JsonObject) object = json_object_new ();
    g_autoptr(JsonObject) named = json_object_new ();

    concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, "a@example.com");
    hook->write_created (object, record);
    g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "a@example.com");
    concord_record_set_text (record, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING, "Lovelace");
    json_object_remove_member (object, "name");
    hook->write_created (object, record);
    g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "Lovelace");
    concord_record_set_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, "Ada");
    json_object_remove_member (object, "name");
    hook->write_created (object, record);
    g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "Ada Lovelace");
    json_object_set_string_member (named, "name", "Given");
    hook->write_created (named, record);
    g_assert_cmpstr (json_object_get_string_member (named, "name"), ==, "Given");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/description/shipped-load", test_shipped_load);
  g_test_add_func ("/description/copper-compiled", test_copper_compiled);
  for (guint i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_autofree char *name = g_strdup_printf ("/description/malformed/%02u", i);

      g_test_add_data_func (name, &malformed[i], test_malformed);
    }
  g_test_add_func ("/description/not-json", test_not_json);
  g_test_add_func ("/description/bad-regex", test_bad_regex);
  g_test_add_func ("/description/paths", test_paths);
  g_test_add_func ("/description/placeholders", test_placeholders);
  g_test_add_func ("/description/times", test_times);
  g_test_add_func ("/description/hooks", test_hooks);

  return g_test_run ();
}
