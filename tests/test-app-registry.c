/* test-app-registry.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The app registry: lookup (in ASCII case only, also in a Turkish locale),
 * the order of the list, registration of an app of the test's own, the
 * validation of each kind of field with good, bad, hostile and huge
 * values, the check of stored and entered options, and the factory
 * getting the options it was given.
 */

#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gstdio.h>

#include "concord-app-registry.h"
#include "concord-error.h"
#include "concord-memory-connector.h"
#include "concord-test-utils.h"

/* ------------------------------------------------------------------------- */
/* An app of the test's own, with a field of every kind                     */
/* ------------------------------------------------------------------------- */

static const ConcordAppChoice regions[] = {
  { "eu", "Europe" },
  { "us", "United States" },
  { NULL, NULL },
};

static GPtrArray *
list_books (const ConcordAppField *field)
{
  static const ConcordAppChoice books[] = { { "personal", "Personal" }, { "work", "Work" } };
  GPtrArray *choices = g_ptr_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (books); i++)
    g_ptr_array_add (choices, (gpointer) &books[i]);
  return choices;
}

static gboolean
check_no_at (const char  *value,
             GError     **error)
{
  if (strchr (value, '@') == NULL)
    return TRUE;
  g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "A user name, not an address");
  return FALSE;
}

static const ConcordAppField every_kind_fields[] = {
  { .key = "password", .kind = CONCORD_APP_FIELD_SECRET, .label = "Password", .required = TRUE },
  { .key = "user", .kind = CONCORD_APP_FIELD_TEXT, .label = "User Name", .required = TRUE,
    .check = check_no_at },
  { .key = "server", .kind = CONCORD_APP_FIELD_URL, .label = "Server", .required = TRUE },
  { .key = "folder", .kind = CONCORD_APP_FIELD_FOLDER, .label = "Folder" },
  { .key = "file", .kind = CONCORD_APP_FIELD_FILE, .label = "File", .advanced = TRUE },
  { .key = "region", .kind = CONCORD_APP_FIELD_CHOICE, .label = "Region", .choices = regions,
    .required = TRUE },
  { .key = "book", .kind = CONCORD_APP_FIELD_CHOICE, .label = "Address Book", .list_choices = list_books },
  { NULL }
};

static char *last_options;   /* what the factory was given last, as JSON */
static char *last_secret;

static ConcordConnector *
every_kind_create (const ConcordAppInfo  *app,
                   JsonObject            *options,
                   const char            *secret,
                   GError               **error)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), options);

  g_free (last_options);
  last_options = json_to_string (node, FALSE);
  g_free (last_secret);
  last_secret = g_strdup (secret);
  return CONCORD_CONNECTOR (concord_memory_connector_new (app->id, 0));
}

static const ConcordAppInfo every_kind_app = {
  .id = "test-every-kind",
  .name = "Every Kind",
  .icon_name = "applications-science-symbolic",
  .auth = CONCORD_APP_AUTH_USER_PASSWORD,
  .fields = every_kind_fields,
  .create = every_kind_create,
};

/* ------------------------------------------------------------------------- */
/* Tests                                                                     */
/* ------------------------------------------------------------------------- */

static void
test_lookup (void)
{
  const ConcordAppInfo *app = concord_app_registry_lookup ("elasticemail");

  g_assert_nonnull (app);
  g_assert_cmpstr (app->id, ==, "elasticemail");
  g_assert_cmpstr (concord_app_info_get_name (app), ==, "Elastic Email");
  g_assert_cmpint (app->auth, ==, CONCORD_APP_AUTH_KEY);
  g_assert_nonnull (app->key_url);
  g_assert_nonnull (concord_app_info_get_secret_field (app));
  g_assert_true (concord_app_info_find_field (app, "base_url")->advanced);

  g_assert_true (concord_app_registry_lookup ("ElasticEmail") == app);
  g_assert_true (concord_app_registry_lookup ("SAMPLE-CRM") == concord_app_registry_lookup ("sample-crm"));
  g_assert_null (concord_app_registry_lookup ("nosuchapp"));
  g_assert_null (concord_app_registry_lookup (""));
  g_assert_null (concord_app_registry_lookup (NULL));
  g_assert_null (concord_app_registry_lookup ("elasticemail "));

  /* Names and icons for rows, also of an app this version does not know. */
  g_assert_cmpstr (concord_app_registry_get_name ("sample-crm"), ==, "Sample CRM");
  g_assert_cmpstr (concord_app_registry_get_name ("from-the-future"), ==, "from-the-future");
  g_assert_cmpstr (concord_app_registry_get_icon_name ("elasticemail"), ==, "concord-app-elasticemail-symbolic");
  g_assert_cmpstr (concord_app_registry_get_icon_name ("from-the-future"), ==,
                   "application-x-addon-symbolic");
}

/* In Turkish, "I" folds to dotless "ı" and "i" upper-cases to "İ": ids
 * are ASCII and compared so. */
static void
test_turkish_locale (void)
{
  g_autofree char *old = g_strdup (setlocale (LC_ALL, NULL));

  if (setlocale (LC_ALL, "tr_TR.UTF-8") == NULL && setlocale (LC_ALL, "tr_TR.utf8") == NULL)
    {
      g_test_skip ("no Turkish locale on this system");
      return;
    }

  g_assert_nonnull (concord_app_registry_lookup ("ELASTICEMAIL"));
  g_assert_nonnull (concord_app_registry_lookup ("ElastIcEmaIl"));
  /* Dotted capital İ and dotless ı are not ASCII: no match. */
  g_assert_null (concord_app_registry_lookup ("elast\xc4\xb0" "cemail"));
  g_assert_null (concord_app_registry_lookup ("elast\xc4\xb1" "cemail"));
  g_assert_true (concord_app_registry_check_options ("ELASTICEMAIL", "{}", NULL));

  setlocale (LC_ALL, old);
}

static void
test_list_order (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ids = NULL;
  const ConcordAppInfo **apps;
  guint n_apps, n_listed;

  /* The order of concord-apps.list: Elastic Email and the Sample CRM first. */
  apps = concord_app_registry_list (&n_listed);
  n_apps = n_listed;
  g_assert_cmpuint (n_apps, >=, 2);
  g_assert_cmpstr (apps[0]->id, ==, "elasticemail");
  g_assert_cmpstr (apps[1]->id, ==, "sample-crm");
  g_assert_true (apps[1]->demo);
  g_assert_false (apps[0]->demo);

  g_assert_true (concord_app_registry_register (&every_kind_app, &error));
  g_assert_no_error (error);
  apps = concord_app_registry_list (&n_apps);
  g_assert_cmpuint (n_apps, ==, n_listed + 1);
  g_assert_true (apps[n_listed] == &every_kind_app);
  ids = concord_app_registry_list_ids ();
  g_assert_true (g_str_has_prefix (ids, "elasticemail, sample-crm, "));
  g_assert_true (g_str_has_suffix (ids, ", test-every-kind"));

  /* Once only, and ids stay ASCII lower case. */
  g_assert_false (concord_app_registry_register (&every_kind_app, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  g_clear_error (&error);
  {
    ConcordAppInfo bad = every_kind_app;

    bad.id = "Every-Kind";
    g_assert_false (concord_app_registry_register (&bad, &error));
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
    g_clear_error (&error);
    bad.id = "every\xc4\xb1kind";
    g_assert_false (concord_app_registry_register (&bad, &error));
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
    g_clear_error (&error);
  }

  concord_app_registry_unregister (&every_kind_app);
  apps = concord_app_registry_list (&n_apps);
  g_assert_cmpuint (n_apps, ==, n_listed);
  g_assert_null (concord_app_registry_lookup ("test-every-kind"));
}

static void
assert_valid (const char *key,
              const char *value)
{
  g_autoptr(GError) error = NULL;
  const ConcordAppField *field = concord_app_info_find_field (&every_kind_app, key);

  g_test_message ("%s = %s", key, value != NULL ? value : "(null)");
  g_assert_true (concord_app_field_validate (field, value, &error));
  g_assert_no_error (error);
}

static void
assert_refused (const char *key,
                const char *value,
                const char *must_contain)
{
  g_autoptr(GError) error = NULL;
  const ConcordAppField *field = concord_app_info_find_field (&every_kind_app, key);

  g_test_message ("%s = %.40s", key,
                  value == NULL ? "(null)" : g_utf8_validate (value, -1, NULL) ? value : "(not UTF-8)");
  g_assert_false (concord_app_field_validate (field, value, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, must_contain));
  /* The refusal names the field and never repeats the value. */
  if (value != NULL && strlen (value) > 3)
    g_assert_null (strstr (error->message, value));
}

static void
test_validate_fields (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;
  g_autofree char *huge = NULL;
  g_autoptr(GError) error = NULL;

  dir = g_dir_make_tmp ("concord-app-registry-XXXXXX", &error);
  g_assert_no_error (error);
  file = g_build_filename (dir, "contacts.vcf", NULL);
  g_assert_true (g_file_set_contents (file, "BEGIN:VCARD\n", -1, &error));
  g_assert_no_error (error);
  huge = g_strnfill (1024 * 1024, 'a');

  /* SECRET: not empty, no white space at its ends. */
  assert_valid ("password", "s3cret-key");
  assert_valid ("password", "pass phrase inside");
  assert_refused ("password", NULL, "Password is needed");
  assert_refused ("password", "", "Password is needed");
  assert_refused ("password", " s3cret-key", "Password starts or ends with a space");
  assert_refused ("password", "s3cret-key\t", "Password");
  assert_refused ("password", "s3cret\nkey", "Password holds characters");

  /* TEXT: and the app's own rule. */
  assert_valid ("user", "ann");
  assert_valid ("user", "Ağaç İnce");
  assert_refused ("user", "", "User Name is needed");
  assert_refused ("user", "ann@example.com", "not an address");
  assert_refused ("user", "ann\x1b[2J", "User Name holds characters");
  assert_refused ("user", "\xff\xfe", "User Name holds characters");
  assert_refused ("user", huge, "too long");

  /* URL: https, or http to this computer only; a host; no user info. */
  assert_valid ("server", "https://dav.example.com/remote.php");
  assert_valid ("server", "http://127.0.0.1:8080/dav");
  assert_valid ("server", "http://localhost/dav");
  assert_refused ("server", "http://dav.example.com/", "https");
  assert_refused ("server", "ftp://dav.example.com/", "https");
  assert_refused ("server", "dav.example.com", "absolute");
  assert_refused ("server", "https:///path", "base URL");
  assert_refused ("server", "https://ann:pw@dav.example.com/", "user name");
  assert_refused ("server", "http://127.0.0.1.evil.invalid/", "https");
  assert_refused ("server", "", "Server is needed");

  /* FOLDER: optional here; absolute and existing when given. */
  assert_valid ("folder", NULL);
  assert_valid ("folder", "");
  assert_valid ("folder", dir);
  assert_refused ("folder", "relative/folder", "absolute path of a folder");
  assert_refused ("folder", file, "no such folder");
  assert_refused ("folder", "/nonexistent/concord/folder", "no such folder");

  /* FILE */
  assert_valid ("file", file);
  assert_refused ("file", dir, "no such file");
  assert_refused ("file", "contacts.vcf", "absolute path of a file");

  /* CHOICE: from the fixed list, or from the callback. */
  assert_valid ("region", "eu");
  assert_refused ("region", "EU", "choose one");
  assert_refused ("region", "mars", "choose one");
  assert_refused ("region", "", "Region is needed");
  assert_valid ("book", "work");
  assert_valid ("book", NULL);
  assert_refused ("book", "eu", "choose one");
  {
    const ConcordAppField *field = concord_app_info_find_field (&every_kind_app, "region");
    g_autoptr(GPtrArray) choices = concord_app_field_get_choices (field);

    g_assert_cmpuint (choices->len, ==, 2);
    g_assert_cmpstr (((ConcordAppChoice *) g_ptr_array_index (choices, 1))->value, ==, "us");
  }

  /* Clean-up of entered values: trimmed, except a secret; the app's own. */
  {
    const ConcordAppInfo *elasticemail = concord_app_registry_lookup ("elasticemail");
    g_autofree char *trimmed = NULL;
    g_autofree char *secret = NULL;
    g_autofree char *names = NULL;

    trimmed = concord_app_field_normalize (concord_app_info_find_field (&every_kind_app, "user"), " ann ");
    secret = concord_app_field_normalize (concord_app_info_find_field (&every_kind_app, "password"), " k ");
    names = concord_app_field_normalize (concord_app_info_find_field (elasticemail, "custom_fields"),
                                         " Tier, ,Shoe size ,");

    g_assert_cmpstr (trimmed, ==, "ann");
    g_assert_cmpstr (secret, ==, " k ");
    g_assert_cmpstr (names, ==, "Tier,Shoe size");
  }

  g_assert_cmpint (g_remove (file), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* Stored options are checked without the disk (a folder on a disk not
 * mounted now is not a broken account); entered ones with it. */
static void
test_options_and_factory (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnector) connector = NULL;
  g_autofree char *huge = g_strnfill (200 * 1024, 'x');
  g_autofree char *huge_options = g_strdup_printf ("{\"user\": \"%s\"}", huge);
  const char *good = "{\"user\":\"ann\",\"server\":\"https://dav.example.com/\",\"region\":\"us\","
                     "\"folder\":\"/nonexistent/concord/folder\"}";

  g_assert_true (concord_app_registry_register (&every_kind_app, &error));
  g_assert_no_error (error);

  g_assert_true (concord_app_registry_check_options ("test-every-kind", good, &error));
  g_assert_no_error (error);
  g_assert_false (concord_app_info_check_entry (&every_kind_app, good, "pw", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "no such folder"));
  g_clear_error (&error);

  /* The secret is never an option, and required fields must be there. */
  g_assert_false (concord_app_registry_check_options ("test-every-kind",
                                                      "{\"user\":\"ann\",\"password\":\"pw\"}", &error));
  g_assert_nonnull (strstr (error->message, "standard input"));
  g_assert_nonnull (strstr (error->message, "user, server, folder, file, region, book"));
  g_assert_null (strstr (error->message, "\"pw\""));
  g_clear_error (&error);
  g_assert_false (concord_app_registry_check_options ("test-every-kind", "{\"user\":\"ann\"}", &error));
  g_assert_nonnull (strstr (error->message, "Server is needed"));
  g_clear_error (&error);
  g_assert_false (concord_app_registry_check_options ("test-every-kind", huge_options, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (concord_app_registry_check_options ("test-every-kind", "{\"user\": [\"ann\"]}", &error));
  g_assert_nonnull (strstr (error->message, "must be text"));
  g_clear_error (&error);
  g_assert_false (concord_app_info_check_entry (&every_kind_app,
                                                "{\"user\":\"ann\",\"server\":\"https://x.example\","
                                                "\"region\":\"eu\"}", " pw", &error));
  g_assert_nonnull (strstr (error->message, "Password starts or ends with a space"));
  g_clear_error (&error);

  /* The factory gets the options checked, and the secret. */
  connector = concord_app_registry_create_connector ("TEST-EVERY-KIND", good, "pw", &error);
  g_assert_no_error (error);
  g_assert_nonnull (connector);
  g_assert_cmpstr (concord_connector_get_app_id (connector), ==, "test-every-kind");
  g_assert_cmpstr (last_secret, ==, "pw");
  g_assert_nonnull (strstr (last_options, "\"region\":\"us\""));
  g_assert_nonnull (strstr (last_options, "\"server\":\"https://dav.example.com/\""));

  g_assert_null (concord_app_registry_create_connector ("test-every-kind", "{\"server\":\"x\"}", "pw",
                                                        &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (concord_app_registry_create_connector ("nosuchapp", NULL, "pw", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "nosuchapp"));

  concord_app_registry_unregister (&every_kind_app);
  g_clear_pointer (&last_options, g_free);
  g_clear_pointer (&last_secret, g_free);
}

/* Apps made from descriptions: the shipped ones are listed after the
 * built-in ones, with their form, key link and types; a bad description is
 * refused with its place and reason, never a crash. */
static const char described_json[] =
  "{\"format\": 1, \"id\": \"test-described\", \"name\": \"Test Described\","
  " \"icon\": \"concord-app-test-described-symbolic\", \"key_url\": \"https://example.com/key\","
  " \"account\": [{\"key\": \"token\", \"kind\": \"secret\", \"label\": \"Token\"},"
  "               {\"key\": \"pod\", \"kind\": \"text\", \"label\": \"Pod\", \"required\": true, \"default\": \"na1\"},"
  "               {\"key\": \"region\", \"kind\": \"choice\", \"label\": \"Region\", \"required\": true,"
  "                \"choices\": [{\"value\": \"eu\", \"label\": \"Europe\"}, {\"value\": \"us\", \"label\": \"America\"}]}],"
  " \"base_url\": \"https://{region}.example.com/api\","
  " \"auth\": {\"kind\": \"query\", \"name\": \"api_key\"},"
  " \"verify\": {\"method\": \"GET\", \"path\": \"/me\"},"
  " \"contact_types\": [{\"discover\": {\"method\": \"GET\", \"path\": \"/lists\", \"records\": \"lists\","
  "                                   \"id\": \"id\", \"name\": \"name\"},"
  "   \"list\": {\"method\": \"GET\", \"path\": \"/lists/{contact_type}/members\", \"records\": \"members\","
  "     \"paging\": {\"style\": \"offset\", \"offset\": \"offset\", \"size\": \"count\", \"page_size\": 100}},"
  "   \"record\": {\"id\": \"id\", \"email\": {\"path\": \"email_address\"}},"
  "   \"fetch\": {\"method\": \"GET\", \"path\": \"/lists/{contact_type}/members/{id}\"},"
  "   \"create\": {\"method\": \"POST\", \"path\": \"/lists/{contact_type}/members\"},"
  "   \"update\": {\"method\": \"PATCH\", \"path\": \"/lists/{contact_type}/members/{id}\"}}]}";

static void
test_described (void)
{
  const ConcordAppInfo *copper = concord_app_registry_lookup ("Copper");
  const ConcordAppInfo *mine;
  const ConcordAppField *field;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) good = g_bytes_new_static (described_json, strlen (described_json));
  g_autoptr(GBytes) bad = g_bytes_new_static ("{\"format\": 1, \"id\": 3}", 22);
  g_autoptr(ConcordConnector) connector = NULL;
  const ConcordAppInfo **apps;
  guint n_apps, n_fields = 0;

  /* Copper, from src/connectors/described/copper.json, after the built-in
   * apps. */
  g_assert_nonnull (copper);
  g_assert_nonnull (concord_app_registry_get_description ("copper"));
  g_assert_null (concord_app_registry_get_description ("elasticemail"));
  apps = concord_app_registry_list (&n_apps);
  for (guint i = 0; i < n_apps; i++)
    if (apps[i] == copper)
      g_assert_cmpuint (i, >=, 3);
  g_assert_cmpstr (copper->name, ==, "Copper");
  g_assert_cmpstr (copper->icon_name, ==, "concord-app-copper-symbolic");
  g_assert_true (g_str_has_prefix (copper->key_url, "https://"));
  g_assert_cmpint (copper->auth, ==, CONCORD_APP_AUTH_KEY);
  g_assert_cmpstr (copper->contact_types[0].value, ==, "people");
  g_assert_null (copper->contact_types[1].value);
  for (field = copper->fields; field->key != NULL; field++)
    n_fields++;
  g_assert_cmpuint (n_fields, ==, 3);
  g_assert_cmpint (concord_app_info_get_secret_field (copper)->kind, ==, CONCORD_APP_FIELD_SECRET);
  field = concord_app_info_find_field (copper, "base_url");
  g_assert_true (field == &copper->fields[2]);
  g_assert_true (field->advanced);
  g_assert_cmpint (field->kind, ==, CONCORD_APP_FIELD_URL);

  /* The account form's check, from the description. */
  field = concord_app_info_find_field (copper, "user_email");
  g_assert_true (field->required);
  g_assert_true (concord_app_field_validate (field, "owner@example.com", &error));
  g_assert_no_error (error);
  g_assert_false (concord_app_field_validate (field, "owner", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "an email address"));
  g_clear_error (&error);

  /* Its factory makes the JSON connector. */
  g_assert_true (concord_app_registry_check_options ("copper",
                                                     "{\"user_email\": \"owner@example.com\", "
                                                     "\"base_url\": \"http://127.0.0.1:9\"}",
                                                     &error));
  g_assert_no_error (error);
  connector = concord_app_registry_create_connector ("copper",
                                                     "{\"user_email\": \"owner@example.com\", "
                                                     "\"base_url\": \"http://127.0.0.1:9\"}",
                                                     "cu-key", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (concord_connector_get_app_id (connector), ==, "copper");
  g_clear_object (&connector);

  /* A bad description: refused with its place, nothing registered. */
  g_assert_false (concord_app_registry_register_description ("bad.json", bad, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "id: must be a string");
  g_clear_error (&error);
  g_assert_false (concord_app_registry_register_description ("other-name.json", good, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "id: \"test-described\" is not the file's name");
  g_clear_error (&error);

  /* A good one: its choice field, discovered types (asked of the app). */
  g_assert_true (concord_app_registry_register_description ("test-described.json", good, &error));
  g_assert_no_error (error);
  mine = concord_app_registry_lookup ("test-described");
  g_assert_nonnull (mine);
  g_assert_null (mine->contact_types);
  /* A required field with a default is not asked as required. */
  field = concord_app_info_find_field (mine, "pod");
  g_assert_false (field->required);
  g_assert_true (concord_app_field_validate (field, "", &error));
  g_assert_no_error (error);
  field = concord_app_info_find_field (mine, "region");
  g_assert_cmpint (field->kind, ==, CONCORD_APP_FIELD_CHOICE);
  g_assert_true (concord_app_field_validate (field, "eu", &error));
  g_assert_false (concord_app_field_validate (field, "mars", &error));
  g_clear_error (&error);
  connector = concord_app_registry_create_connector ("test-described", "{\"region\": \"eu\"}",
                                                     "k", &error);
  g_assert_no_error (error);
  g_assert_nonnull (connector);
  g_assert_false (concord_app_registry_register_description ("test-described.json", good,
                                                             &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
}

/* The address books' "Phone Number Country" is one field, defined once
 * (CONCORD_APP_FIELD_PHONE_REGION): every app that asks it asks it in the
 * same words and cleans and checks it by the same rule. */
static void
test_phone_region (void)
{
  const char *apps[] = { "carddav", "vcard-folder", "gnome-contacts" };
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (apps); i++)
    {
      const ConcordAppInfo *app = concord_app_registry_lookup (apps[i]);
      const ConcordAppField *field;
      const char *refused[] = { "GBR", "G", "G1", "Ö", "ÖS", "uk,de" };
      const char *good[] = { "GB", "de", "Us" };

      g_test_message ("%s", apps[i]);
      g_assert_nonnull (app);
      field = concord_app_info_find_field (app, CONCORD_APP_PHONE_REGION_KEY);
      g_assert_nonnull (field);
      g_assert_cmpstr (field->key, ==, "region");
      g_assert_cmpint (field->kind, ==, CONCORD_APP_FIELD_TEXT);
      g_assert_cmpstr (concord_app_field_get_label (field), ==, "Phone Number Country");
      g_assert_cmpstr (field->help, ==, "empty: from the language settings");
      g_assert_nonnull (strstr (field->description, "without a country code"));
      g_assert_false (field->required);
      g_assert_true (field->advanced);
      g_assert_true (field->editable);
      g_assert_null (field->pattern);
      g_assert_true (field->check == concord_app_phone_region_check);
      g_assert_true (field->normalize == concord_app_phone_region_normalize);

      /* Empty: the language settings' country. */
      g_assert_true (concord_app_field_validate (field, NULL, &error));
      g_assert_true (concord_app_field_validate (field, "", &error));
      g_assert_no_error (error);

      for (guint g = 0; g < G_N_ELEMENTS (good); g++)
        {
          g_assert_true (concord_app_field_validate (field, good[g], &error));
          g_assert_no_error (error);
        }
      for (guint r = 0; r < G_N_ELEMENTS (refused); r++)
        {
          g_test_message ("refused: %s", refused[r]);
          g_assert_false (concord_app_field_validate (field, refused[r], &error));
          g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
          g_assert_nonnull (strstr (error->message, "two-letter country code"));
          g_clear_error (&error);
        }

      /* Entered " gb " is kept as "GB"; kept values are checked so. */
      {
        g_autofree char *kept = concord_app_field_normalize (field, " gb\t");
        g_autofree char *blank = concord_app_field_normalize (field, "  ");

        g_assert_cmpstr (kept, ==, "GB");
        g_assert_cmpstr (blank, ==, "");
        g_assert_true (concord_app_field_validate (field, kept, &error));
        g_assert_no_error (error);
      }
    }

  /* As stored: an account's options are checked by the same rule, and a
   * lower-case country an earlier version kept still reads. */
  dir = g_dir_make_tmp ("concord-app-registry-XXXXXX", &error);
  g_assert_no_error (error);
  {
    g_autofree char *ok = g_strdup_printf ("{\"path\":\"%s\",\"region\":\"de\"}", dir);
    g_autofree char *bad = g_strdup_printf ("{\"path\":\"%s\",\"region\":\"Deutschland\"}",
                                            dir);

    g_assert_true (concord_app_registry_check_options ("vcard-folder", ok, &error));
    g_assert_no_error (error);
    g_assert_false (concord_app_registry_check_options ("vcard-folder", bad, &error));
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "two-letter country code"));
    g_clear_error (&error);
    g_assert_true (concord_app_registry_check_options ("gnome-contacts", "{\"region\":\"FR\"}",
                                                       &error));
    g_assert_no_error (error);
    g_assert_false (concord_app_registry_check_options ("gnome-contacts", "{\"region\":\"F\"}",
                                                        &error));
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
    g_clear_error (&error);
  }
  g_assert_no_errno (g_rmdir (dir));
}

/* The registry gives the engine a numbering plan for the locale's country
 * (set to Great Britain in main(), before the registry's first use): a
 * national and an international form of one number are one number; other
 * numbers, and numbers of another country, are not. */
static void
test_phone_numbers (void)
{
  g_autoptr(ConcordRecord) a = concord_record_new ("a");
  g_autoptr(ConcordRecord) b = concord_record_new ("b");
  guint n_apps;

  g_assert_nonnull (concord_app_registry_list (&n_apps));

  concord_record_set_text (a, "phone", CONCORD_FIELD_TYPE_PHONE, "+44 20 7946 0018");
  concord_record_set_text (b, "phone", CONCORD_FIELD_TYPE_PHONE, "020 7946 0018");
  g_assert_true (concord_value_equal (concord_record_get (a, "phone"), concord_record_get (b, "phone")));

  concord_record_set_text (b, "phone", CONCORD_FIELD_TYPE_PHONE, "020 7946 0019");
  g_assert_false (concord_value_equal (concord_record_get (a, "phone"), concord_record_get (b, "phone")));

  /* A French number written nationally is not the British one. */
  concord_record_set_text (a, "phone", CONCORD_FIELD_TYPE_PHONE, "+33 1 42 68 53 00");
  concord_record_set_text (b, "phone", CONCORD_FIELD_TYPE_PHONE, "01 42 68 53 00");
  g_assert_false (concord_value_equal (concord_record_get (a, "phone"), concord_record_get (b, "phone")));

  /* Two international forms need no country. */
  concord_record_set_text (b, "phone", CONCORD_FIELD_TYPE_PHONE, "+33142685300");
  g_assert_true (concord_value_equal (concord_record_get (a, "phone"), concord_record_get (b, "phone")));

  /* Not numbers at all: never equal. */
  concord_record_set_text (a, "phone", CONCORD_FIELD_TYPE_PHONE, "call the office");
  concord_record_set_text (b, "phone", CONCORD_FIELD_TYPE_PHONE, "ask reception");
  g_assert_false (concord_value_equal (concord_record_get (a, "phone"), concord_record_get (b, "phone")));
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);
  /* Read by the registry's first use (test_phone_numbers()). */
  g_setenv ("LC_ALL", "en_GB.UTF-8", TRUE);

  g_test_add_func ("/concord/app-registry/lookup", test_lookup);
  g_test_add_func ("/concord/app-registry/turkish-locale", test_turkish_locale);
  g_test_add_func ("/concord/app-registry/list-order", test_list_order);
  g_test_add_func ("/concord/app-registry/validate-fields", test_validate_fields);
  g_test_add_func ("/concord/app-registry/options-and-factory", test_options_and_factory);
  g_test_add_func ("/concord/app-registry/described", test_described);
  g_test_add_func ("/concord/app-registry/phone-numbers", test_phone_numbers);
  g_test_add_func ("/concord/app-registry/phone-region", test_phone_region);

  return g_test_run ();
}
