/* test-sandbox.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The sandbox demo: the Elastic Email mock and the Sample CRM started in a
 * folder, reached through the apps registry with the keys the sandbox page
 * shows, the promised shape of the sample data, the Sample CRM as an app
 * (its file, its contact types, what it refuses), and whole sync runs
 * between the two that converge, then write nothing, even after a restart.
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "concord-app-registry.h"
#include "concord-connector-elasticemail.h"
#include "concord-connector-sample.h"
#include "concord-error.h"
#include "concord-mapping.h"
#include "concord-sandbox.h"
#include "concord-store.h"
#include "concord-sync-run.h"
#include "concord-test-utils.h"

typedef struct
{
  char             *dir;
  ConcordSandbox   *sandbox;
  ConcordConnector *ee;
  ConcordConnector *crm;
} Fixture;

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static ConcordConnector *
connect_app (const char *app_id,
             const char *options_json,
             const char *key)
{
  g_autoptr(GError) error = NULL;
  ConcordConnector *connector = concord_app_registry_create_connector (app_id, options_json, key, &error);

  g_assert_no_error (error);
  g_assert_nonnull (connector);
  if (CONCORD_IS_CONNECTOR_ELASTICEMAIL (connector))
    concord_connector_elasticemail_set_retry_base_ms (CONCORD_CONNECTOR_ELASTICEMAIL (connector),
                                                      1);

  return connector;
}

static void
start_sandbox (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->sandbox = concord_sandbox_new (f->dir);
  g_assert_true (concord_sandbox_start (f->sandbox, &error));
  g_assert_no_error (error);

  f->ee = connect_app ("elasticemail", concord_sandbox_get_elasticemail_options_json (f->sandbox),
                       concord_sandbox_get_elasticemail_key (f->sandbox));
  f->crm = connect_app ("sample-crm", concord_sandbox_get_crm_options_json (f->sandbox),
                        concord_sandbox_get_crm_key (f->sandbox));
}

static const char *
ee_options (Fixture *f)
{
  return concord_sandbox_get_elasticemail_options_json (f->sandbox);
}

static void
stop_sandbox (Fixture *f)
{
  g_clear_object (&f->ee);
  g_clear_object (&f->crm);
  g_clear_object (&f->sandbox);
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  f->dir = g_build_filename (g_get_user_data_dir (), "concord", "sandbox", NULL);
  start_sandbox (f);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  stop_sandbox (f);
  g_clear_pointer (&f->dir, g_free);
}

static gboolean
verify (ConcordConnector  *connector,
        GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  concord_connector_verify_async (connector, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);

  return concord_connector_verify_finish (connector, result, error);
}

static GPtrArray *
new_record_array (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
}

static GPtrArray *
list_all (ConcordConnector *connector,
          const char       *type)
{
  GPtrArray *all = new_record_array ();
  g_autofree char *token = NULL;

  do
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(ConcordPage) page = NULL;
      g_autoptr(GError) error = NULL;
      GAsyncResult *slot = NULL;

      concord_connector_list_async (connector, type, NULL, token, NULL,
                                    concord_test_store_result_cb, &slot);
      result = concord_test_wait_for_result (&slot);
      page = concord_connector_list_finish (connector, result, &error);
      g_assert_no_error (error);

      for (guint i = 0; i < page->records->len; i++)
        g_ptr_array_add (all, concord_record_ref (g_ptr_array_index (page->records, i)));
      g_free (token);
      token = g_steal_pointer (&page->next_page);
      if (token == NULL)
        g_assert_true (page->complete);
    }
  while (token != NULL);

  return all;
}

static GPtrArray *
load_schema (ConcordConnector *connector,
             const char       *type)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *schema;

  concord_connector_load_schema_async (connector, type, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  schema = concord_connector_load_schema_finish (connector, result, &error);
  g_assert_no_error (error);

  return schema;
}

static GPtrArray *
write_records (ConcordConnector *connector,
               const char       *type,
               GPtrArray        *records,
               GPtrArray        *changes)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *results;

  if (records != NULL)
    concord_connector_create_async (connector, type, records, NULL,
                                    concord_test_store_result_cb, &slot);
  else
    concord_connector_update_async (connector, type, changes, NULL,
                                    concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  results = records != NULL ? concord_connector_create_finish (connector, result, &error)
                            : concord_connector_update_finish (connector, result, &error);
  g_assert_no_error (error);

  return results;
}

/* Normalised email -> record; an email held twice maps to NULL. */
static GHashTable *
index_by_email (GPtrArray *records)
{
  GHashTable *index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < records->len; i++)
    {
      ConcordRecord *record = g_ptr_array_index (records, i);
      char *email = concord_normalize_email (concord_record_get_email (record));

      g_assert_nonnull (email);
      if (g_hash_table_contains (index, email))
        g_hash_table_replace (index, email, NULL);
      else
        g_hash_table_insert (index, email, record);
    }

  return index;
}

static guint
count_ambiguous (GHashTable *index)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, index);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value == NULL)
      n++;

  return n;
}

static gboolean
texts_differ (const ConcordRecord *a,
              const char          *key_a,
              const ConcordRecord *b,
              const char          *key_b)
{
  const char *text_a = concord_record_get_text (a, key_a);
  const char *text_b = concord_record_get_text (b, key_b);

  return text_a != NULL && text_b != NULL && g_strcmp0 (text_a, text_b) != 0;
}

static gboolean
only_in (const ConcordRecord *a,
         const char          *key_a,
         const ConcordRecord *b,
         const char          *key_b)
{
  return concord_record_get (a, key_a) != NULL && concord_record_get (b, key_b) == NULL;
}

/* ------------------------------------------------------------------------- */
/* Tests                                                                     */
/* ------------------------------------------------------------------------- */

static void
test_start (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *ee_path = g_build_filename (f->dir, "elasticemail.json", NULL);
  g_autofree char *crm_path = g_build_filename (f->dir, "sample-crm.json", NULL);
  const char *url = concord_sandbox_get_elasticemail_url (f->sandbox);
  JsonObject *options;

  g_assert_true (concord_sandbox_is_running (f->sandbox));
  g_assert_cmpstr (concord_sandbox_get_dir (f->sandbox), ==, f->dir);
  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));
  g_assert_true (g_str_has_suffix (url, "/v4"));
  g_assert_cmpstr (concord_sandbox_get_elasticemail_key (f->sandbox), ==, "sandbox");
  g_assert_cmpstr (concord_sandbox_get_crm_key (f->sandbox), ==, "sample-crm-sandbox");
  g_assert_true (g_file_test (ee_path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (crm_path, G_FILE_TEST_IS_REGULAR));

  g_assert_true (json_parser_load_from_data (parser,
                                             concord_sandbox_get_crm_options_json (f->sandbox),
                                             -1, &error));
  options = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (options, "path"), ==, crm_path);
  g_assert_true (json_parser_load_from_data (parser, ee_options (f), -1, &error));
  options = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (options, "base_url"), ==, url);

  /* Starting again does nothing; stopping stops the server. */
  g_assert_true (concord_sandbox_start (f->sandbox, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (concord_sandbox_get_elasticemail_url (f->sandbox), ==, url);
  concord_sandbox_stop (f->sandbox);
  g_assert_false (concord_sandbox_is_running (f->sandbox));
  g_assert_null (concord_sandbox_get_elasticemail_url (f->sandbox));
  g_assert_null (concord_sandbox_get_elasticemail_options_json (f->sandbox));
}

static void
test_start_async (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "async", NULL);
  g_autoptr(ConcordSandbox) sandbox = concord_sandbox_new (dir);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  concord_sandbox_start_async (sandbox, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_sandbox_start_finish (sandbox, result, &error));
  g_assert_no_error (error);
  g_assert_true (concord_sandbox_is_running (sandbox));
  g_assert_nonnull (concord_sandbox_get_elasticemail_url (sandbox));
}

static void
test_keys (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(ConcordConnector) wrong_ee = NULL;
  g_autoptr(ConcordConnector) wrong_crm = NULL;
  g_autoptr(ConcordConnector) no_key_crm = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  const ConcordAppInfo *app;

  g_assert_true (verify (f->ee, &error));
  g_assert_no_error (error);
  g_assert_true (verify (f->crm, &error));
  g_assert_no_error (error);

  app = concord_app_registry_lookup ("sample-crm");
  g_assert_nonnull (app);
  g_assert_cmpstr (app->name, ==, "Sample CRM");
  g_assert_true (app->demo);
  g_assert_false (concord_app_registry_lookup ("elasticemail")->demo);

  wrong_ee = connect_app ("elasticemail", ee_options (f), "not-the-key");
  g_assert_false (verify (wrong_ee, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
  g_clear_error (&error);

  wrong_crm = connect_app ("sample-crm", concord_sandbox_get_crm_options_json (f->sandbox),
                           "sample-crm-guess");
  g_assert_false (verify (wrong_crm, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
  g_assert_null (strstr (error->message, "sample-crm-guess"));
  g_assert_nonnull (strstr (error->message, "sandbox page"));
  g_clear_error (&error);

  /* Every call wants the key, not only the check. */
  concord_connector_list_async (wrong_crm, "people", NULL, NULL, NULL,
                                concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_null (concord_connector_list_finish (wrong_crm, result, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
  g_clear_error (&error);

  no_key_crm = connect_app ("sample-crm", concord_sandbox_get_crm_options_json (f->sandbox), "");
  g_assert_false (verify (no_key_crm, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_REQUIRED);
  g_clear_error (&error);

  /* The Sample CRM needs its file. */
  g_assert_null (concord_app_registry_create_connector ("sample-crm", NULL, "sample-crm-sandbox", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (concord_app_registry_create_connector ("sample-crm", "{\"path\": \"relative.json\"}",
                                                "sample-crm-sandbox", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
}

/* How many of @path's records have an email not as the app would
 * normalise it (capitals, spaces). */
static guint
count_raw_emails (const char *path,
                  const char *array_member,
                  const char *object_member,
                  const char *email_member)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *array;
  guint n = 0;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  g_assert_no_error (error);
  array = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                        array_member);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);
      const char *email;
      g_autofree char *normal = NULL;

      if (object_member != NULL)
        object = json_object_get_object_member (object, object_member);
      email = json_object_get_string_member (object, email_member);
      normal = concord_normalize_email (email);
      g_assert_nonnull (normal);
      if (!g_str_equal (normal, email))
        n++;
    }

  return n;
}

static void
test_seed_shape (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) contacts = list_all (f->ee, "contacts");
  g_autoptr(GPtrArray) people = list_all (f->crm, "people");
  g_autoptr(GPtrArray) leads = list_all (f->crm, "leads");
  g_autoptr(GHashTable) ee_index = index_by_email (contacts);
  g_autoptr(GHashTable) crm_index = index_by_email (people);
  g_autoptr(GHashTable) lead_index = index_by_email (leads);
  g_autofree char *ee_path = g_build_filename (f->dir, "elasticemail.json", NULL);
  g_autofree char *crm_path = g_build_filename (f->dir, "sample-crm.json", NULL);
  GHashTableIter iter;
  gpointer key, value;
  guint overlap = 0, lead_overlap = 0;
  guint last_name_conflicts = 0, company_conflicts = 0, city_conflicts = 0;
  guint richer_ee = 0, richer_crm = 0;
  guint unsubscribed = 0, bounced = 0, utf8_names = 0;
  gboolean zoe = FALSE, jose = FALSE;

  g_assert_cmpuint (contacts->len, ==, 300);
  g_assert_cmpuint (people->len, ==, 250);
  g_assert_cmpuint (leads->len, ==, 40);

  /* One or two people were entered twice in the CRM; Elastic Email cannot
   * hold an address twice. */
  g_assert_cmpuint (count_ambiguous (ee_index), ==, 0);
  g_assert_cmpuint (count_ambiguous (crm_index), >=, 1);
  g_assert_cmpuint (count_ambiguous (crm_index), <=, 2);

  g_hash_table_iter_init (&iter, ee_index);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      ConcordRecord *ee = value;
      ConcordRecord *crm = g_hash_table_lookup (crm_index, key);
      const char *status = concord_record_get_text (ee, "status");

      unsubscribed += g_strcmp0 (status, "unsubscribed") == 0;
      bounced += g_strcmp0 (status, "bounced") == 0;
      lead_overlap += g_hash_table_contains (lead_index, key);

      if (!g_hash_table_contains (crm_index, key))
        continue;
      overlap++;
      if (crm == NULL)
        continue;  /* ambiguous */

      last_name_conflicts += texts_differ (ee, "last_name", crm, "last_name");
      company_conflicts += texts_differ (ee, "custom:Company", crm, "company");
      city_conflicts += texts_differ (ee, "custom:City", crm, "address_city");
      richer_ee += only_in (ee, "first_name", crm, "first_name") ||
                   only_in (ee, "last_name", crm, "last_name") ||
                   only_in (ee, "custom:City", crm, "address_city") ||
                   only_in (ee, "custom:Phone", crm, "phone");
      richer_crm += only_in (crm, "first_name", ee, "first_name") ||
                    only_in (crm, "company", ee, "custom:Company") ||
                    only_in (crm, "address_city", ee, "custom:City");
    }

  g_test_message ("overlap %u (+%u leads), conflicts: %u last names, %u companies, %u cities; "
                  "richer: %u on Elastic Email, %u in the CRM; %u unsubscribed, %u bounced",
                  overlap, lead_overlap, last_name_conflicts, company_conflicts, city_conflicts,
                  richer_ee, richer_crm, unsubscribed, bounced);
  g_assert_cmpuint (overlap, >=, 100);
  g_assert_cmpuint (overlap, <=, 140);
  g_assert_cmpuint (lead_overlap, >=, 5);
  g_assert_cmpuint (last_name_conflicts, >=, 5);
  g_assert_cmpuint (company_conflicts, >=, 5);
  g_assert_cmpuint (city_conflicts, >=, 2);
  g_assert_cmpuint (richer_ee, >=, 5);
  g_assert_cmpuint (richer_crm, >=, 20);
  g_assert_cmpuint (unsubscribed, >=, 3);
  g_assert_cmpuint (bounced, >=, 2);
  g_assert_cmpuint (unsubscribed + bounced, <=, 60);

  /* Real names from several countries. */
  for (guint i = 0; i < people->len; i++)
    {
      ConcordRecord *record = g_ptr_array_index (people, i);
      const char *first = concord_record_get_text (record, "first_name");
      const char *last = concord_record_get_text (record, "last_name");

      if (first == NULL || last == NULL)
        continue;
      zoe |= g_str_equal (first, "Zoë") && g_str_equal (last, "Müller");
      jose |= g_str_equal (first, "José") && g_str_equal (last, "Núñez");
      utf8_names += !g_str_is_ascii (first) || !g_str_is_ascii (last);
    }
  g_assert_true (zoe);
  g_assert_true (jose);
  g_assert_cmpuint (utf8_names, >=, 20);

  /* The apps hold addresses as people typed them. */
  g_assert_cmpuint (count_raw_emails (ee_path, "contacts", NULL, "Email"), >=, 5);
  g_assert_cmpuint (count_raw_emails (crm_path, "people", "fields", "email"), >=, 5);
}

static void
test_seed_deterministic (void)
{
  const char *names[] = { "elasticemail.json", "sample-crm.json" };
  char *dir[2];

  for (guint s = 0; s < 2; s++)
    {
      g_autoptr(ConcordSandbox) sandbox = NULL;
      g_autoptr(GError) error = NULL;

      dir[s] = g_strdup_printf ("%s/deterministic-%u", g_get_user_data_dir (), s);
      sandbox = concord_sandbox_new (dir[s]);
      g_assert_true (concord_sandbox_start (sandbox, &error));
      g_assert_no_error (error);
    }

  for (guint n = 0; n < G_N_ELEMENTS (names); n++)
    {
      g_autofree char *path_0 = g_build_filename (dir[0], names[n], NULL);
      g_autofree char *path_1 = g_build_filename (dir[1], names[n], NULL);
      g_autofree char *text_0 = NULL;
      g_autofree char *text_1 = NULL;

      g_assert_true (g_file_get_contents (path_0, &text_0, NULL, NULL));
      g_assert_true (g_file_get_contents (path_1, &text_1, NULL, NULL));
      g_assert_cmpstr (text_0, ==, text_1);
    }

  g_free (dir[0]);
  g_free (dir[1]);
}

static void
test_contact_types (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) types = concord_connector_list_contact_types (f->crm);
  const char *labels[] = { "People", "Leads" };
  const char *ids[] = { "people", "leads" };

  g_assert_cmpstr (concord_connector_get_app_id (f->crm), ==, "sample-crm");
  g_assert_cmpstr (concord_connector_get_app_name (f->crm), ==, "Sample CRM");
  g_assert_cmpuint (types->len, ==, 2);

  for (guint t = 0; t < types->len; t++)
    {
      ConcordContactType *type = g_ptr_array_index (types, t);
      g_autoptr(GPtrArray) schema = NULL;
      guint found = 0;

      g_assert_cmpstr (type->id, ==, ids[t]);
      g_assert_cmpstr (type->label, ==, labels[t]);

      schema = load_schema (f->crm, type->id);
      for (guint i = 0; i < schema->len; i++)
        {
          ConcordFieldSpec *spec = g_ptr_array_index (schema, i);

          if (g_str_equal (spec->key, "email"))
            g_assert_cmpint (spec->type, ==, CONCORD_FIELD_TYPE_EMAIL);
          else if (g_str_equal (spec->key, "tags"))
            g_assert_cmpint (spec->type, ==, CONCORD_FIELD_TYPE_STRING_SET);
          else if (g_str_equal (spec->key, "mobile"))
            g_assert_cmpint (spec->type, ==, CONCORD_FIELD_TYPE_PHONE);
          else if (g_str_equal (spec->key, "custom:Deals won"))
            g_assert_cmpint (spec->type, ==, CONCORD_FIELD_TYPE_NUMBER);
          else if (g_str_equal (spec->key, "updated_at"))
            g_assert_true (spec->read_only);
          else if (g_str_equal (spec->key, "custom:Lifecycle stage"))
            {
              const char *choices[] = { "Lead", "Customer", "Churned", NULL };

              g_assert_cmpint (spec->type, ==, CONCORD_FIELD_TYPE_ENUM);
              g_assert_true (spec->custom);
              g_assert_cmpstr (spec->label, ==, "Lifecycle stage");
              g_assert_cmpstrv (spec->choices, choices);
            }
          else
            continue;
          found++;
        }
      g_assert_cmpuint (found, ==, 6);
    }
}

static void
test_crm_writes (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) records = new_record_array ();
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(ConcordConnector) other = NULL;
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);
  g_autoptr(ConcordRecord) good = concord_record_new (NULL);
  g_autoptr(ConcordRecord) no_email = concord_record_new (NULL);
  g_autoptr(ConcordRecord) unknown = concord_record_new (NULL);
  g_autoptr(ConcordRecord) wrong_choice = concord_record_new (NULL);
  const char *tags[] = { "sandbox", "vip", NULL };
  const char * const clear[] = { "mobile", NULL };
  ConcordWriteResult *result;
  ConcordRecord *stored;
  g_autofree char *id = NULL;
  g_autofree char *version = NULL;

  concord_record_set_text (good, "email", CONCORD_FIELD_TYPE_EMAIL, "Ines.Muller@Example.org");
  concord_record_set_text (good, "first_name", CONCORD_FIELD_TYPE_STRING, "Inès");
  concord_record_set_text (good, "mobile", CONCORD_FIELD_TYPE_STRING, "+49 151 555 0101");
  concord_record_set_text (good, "custom:Lifecycle stage", CONCORD_FIELD_TYPE_STRING, "customer");
  concord_record_set_number (good, "custom:Deals won", 2);
  concord_record_set_set (good, "tags", tags);
  concord_record_set_text (no_email, "first_name", CONCORD_FIELD_TYPE_STRING, "Nobody");
  concord_record_set_text (unknown, "email", CONCORD_FIELD_TYPE_EMAIL, "u@example.org");
  concord_record_set_text (unknown, "custom:Shoe size", CONCORD_FIELD_TYPE_STRING, "44");
  concord_record_set_text (wrong_choice, "email", CONCORD_FIELD_TYPE_EMAIL, "w@example.org");
  concord_record_set_text (wrong_choice, "custom:Lifecycle stage", CONCORD_FIELD_TYPE_STRING,
                           "Prospect");
  g_ptr_array_add (records, concord_record_ref (good));
  g_ptr_array_add (records, concord_record_ref (no_email));
  g_ptr_array_add (records, concord_record_ref (unknown));
  g_ptr_array_add (records, concord_record_ref (wrong_choice));

  results = write_records (f->crm, "leads", records, NULL);
  g_assert_cmpuint (results->len, ==, 4);
  result = g_ptr_array_index (results, 0);
  g_assert_no_error (result->error);
  stored = result->record;
  id = g_strdup (concord_record_get_remote_id (stored));
  version = g_strdup (concord_record_get_version (stored));
  g_assert_true (g_str_has_prefix (id, "lead-"));
  g_assert_nonnull (version);
  g_assert_cmpint (concord_record_get_modified (stored), >, 0);
  g_assert_nonnull (concord_record_get (stored, "created_at"));
  /* The CRM keeps a choice as the choice, and a phone number as a number. */
  g_assert_cmpstr (concord_record_get_text (stored, "custom:Lifecycle stage"), ==, "Customer");
  g_assert_cmpstr (concord_record_get_text (stored, "mobile"), ==, "+491515550101");
  for (guint i = 1; i < 4; i++)
    {
      result = g_ptr_array_index (results, i);
      g_assert_null (result->record);
      g_assert_error (result->error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
    }
  g_clear_pointer (&results, g_ptr_array_unref);

  /* A new connector (a restart) reads the write from the file. */
  other = connect_app ("sample-crm", concord_sandbox_get_crm_options_json (f->sandbox),
                       concord_sandbox_get_crm_key (f->sandbox));
  again = list_all (other, "leads");
  g_assert_cmpuint (again->len, ==, 41);
  stored = g_ptr_array_index (again, 40);
  g_assert_cmpstr (concord_record_get_remote_id (stored), ==, id);
  g_assert_cmpstr (concord_record_get_text (stored, "first_name"), ==, "Inès");
  g_assert_cmpfloat (concord_record_get (stored, "custom:Deals won")->v.number, ==, 2);
  g_assert_cmpstrv (concord_record_get (stored, "tags")->v.set, tags);
  g_clear_pointer (&again, g_ptr_array_unref);

  /* An update through that one is seen by the first (same file). */
  concord_record_set_text (set, "job_title", CONCORD_FIELD_TYPE_STRING, "Buyer");
  changes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);
  g_ptr_array_add (changes, concord_record_change_new (id, set, clear));
  g_ptr_array_add (changes, concord_record_change_new ("lead-999999", set, NULL));
  results = write_records (other, "leads", NULL, changes);
  g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, 0))->error);
  g_assert_error (((ConcordWriteResult *) g_ptr_array_index (results, 1))->error,
                  CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND);
  g_clear_pointer (&results, g_ptr_array_unref);

  again = list_all (f->crm, "leads");
  stored = g_ptr_array_index (again, 40);
  g_assert_cmpstr (concord_record_get_text (stored, "job_title"), ==, "Buyer");
  g_assert_null (concord_record_get (stored, "mobile"));
  g_assert_cmpstr (concord_record_get_version (stored), !=, version);

  /* The same change again changes nothing, not even the version. */
  g_free (version);
  version = g_strdup (concord_record_get_version (stored));
  results = write_records (f->crm, "leads", NULL, changes);
  result = g_ptr_array_index (results, 0);
  g_assert_cmpstr (concord_record_get_version (result->record), ==, version);
}

static void
test_crm_damaged (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "sample-crm.json", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (verify (f->crm, &error));
  g_assert_true (g_file_set_contents (path, "{\"format\": \"concord-sample-crm\", "
                                      "\"people\": [{\"id\": \"person-1\"}]}", -1, NULL));
  g_assert_false (verify (f->crm, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "people[0]"));
}

typedef struct
{
  const char        *type;    /* the CRM's contact type */
  ConcordStore      *store;
  gint64             connection_id;
  ConcordMapping    *mapping;
  ConcordSyncConfig  config;
} Sync;

static void
sync_init (Sync       *sync,
           Fixture    *f,
           const char *type)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) schema_a = load_schema (f->ee, "contacts");
  g_autoptr(GPtrArray) schema_b = load_schema (f->crm, type);
  g_autoptr(GPtrArray) unmapped = NULL;
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "state.sqlite", NULL);
  ConcordConnectionRow row = {
    .name = (char *) "sandbox", .account_a = (char *) "ee", .type_a = (char *) "contacts",
    .account_b = (char *) "crm", .type_b = (char *) type, .enabled = TRUE,
  };

  sync->type = type;
  sync->store = concord_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_true (concord_store_add_account (sync->store, "ee", "elasticemail", "Elastic Email",
                                            ee_options (f), &error));
  g_assert_true (concord_store_add_account (sync->store, "crm", "sample-crm", "Sample CRM",
                                            concord_sandbox_get_crm_options_json (f->sandbox),
                                            &error));
  sync->connection_id = concord_store_add_connection (sync->store, &row, &error);
  g_assert_no_error (error);

  sync->mapping = concord_mapping_new_auto (schema_a, schema_b, &unmapped);
  concord_sync_config_init (&sync->config, sync->mapping);

  /* The automatic mapping finds the CRM's fields among Elastic Email's
   * custom fields. */
  g_assert_cmpint (concord_mapping_find (sync->mapping, CONCORD_SIDE_A, "email"), >=, 0);
  g_assert_cmpint (concord_mapping_find (sync->mapping, CONCORD_SIDE_A, "last_name"), >=, 0);
  g_assert_cmpint (concord_mapping_find (sync->mapping, CONCORD_SIDE_B, "company"), >=, 0);
  g_assert_cmpint (concord_mapping_find (sync->mapping, CONCORD_SIDE_B, "address_city"), >=, 0);
  g_assert_cmpint (concord_mapping_find (sync->mapping, CONCORD_SIDE_B, "phone"), >=, 0);
  g_assert_cmpint (concord_mapping_find (sync->mapping, CONCORD_SIDE_B, "custom:Lifecycle stage"),
                   >=, 0);
  g_assert_cmpuint (unmapped->len, >, 0);
}

static void
sync_clear (Sync *sync)
{
  concord_sync_config_clear (&sync->config);
  g_clear_pointer (&sync->mapping, concord_mapping_unref);
  g_clear_object (&sync->store);
}

static void
run (Sync              *sync,
     Fixture           *f,
     ConcordRunSummary *summary)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (concord_sync_run (sync->store, sync->connection_id, &sync->config,
                                   f->ee, "contacts", f->crm, sync->type,
                                   NULL, NULL, summary, &error));
  g_assert_no_error (error);
  g_test_message ("run: listed %u/%u, created %u/%u, updated %u/%u, failed %u/%u, "
                  "linked %u, conflicts %u, ambiguous %u, skipped %u",
                  summary->listed[0], summary->listed[1], summary->created[0],
                  summary->created[1], summary->updated[0], summary->updated[1],
                  summary->failed[0], summary->failed[1], summary->linked, summary->conflicts,
                  summary->ambiguous, summary->skipped);
}

static void
assert_nothing_written (const ConcordRunSummary *summary)
{
  for (guint s = 0; s < 2; s++)
    {
      g_assert_cmpuint (summary->created[s], ==, 0);
      g_assert_cmpuint (summary->updated[s], ==, 0);
      g_assert_cmpuint (summary->failed[s], ==, 0);
      g_assert_cmpuint (summary->write_calls[s], ==, 0);
    }
}

/* Invariant 1: every pair of contacts with one address has the same mapped
 * values on both sides; every address not held twice is on both sides. */
static void
assert_converged (Sync    *sync,
                  Fixture *f)
{
  g_autoptr(GPtrArray) contacts = list_all (f->ee, "contacts");
  g_autoptr(GPtrArray) people = list_all (f->crm, sync->type);
  g_autoptr(GHashTable) index_a = index_by_email (contacts);
  g_autoptr(GHashTable) index_b = index_by_email (people);
  guint n_pairs = concord_mapping_get_n_pairs (sync->mapping);
  GHashTableIter iter;
  gpointer key, value;
  guint compared = 0;

  g_hash_table_iter_init (&iter, index_b);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (value != NULL)
      g_assert_true (g_hash_table_contains (index_a, key));

  g_hash_table_iter_init (&iter, index_a);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      ConcordRecord *a = value;
      ConcordRecord *b;

      g_assert_true (g_hash_table_contains (index_b, key));
      b = g_hash_table_lookup (index_b, key);
      if (b == NULL)
        continue;  /* held twice in the CRM: left for a person to decide */

      for (guint p = 0; p < n_pairs; p++)
        {
          const ConcordMappingPair *pair = concord_mapping_get_pair (sync->mapping, p);
          const ConcordValue *value_a = concord_record_get_quark (a, pair->key_a);
          const ConcordValue *value_b = concord_record_get_quark (b, pair->key_b);
          ConcordValue converted = { 0 };
          g_autoptr(GError) error = NULL;

          if (value_a == NULL || value_b == NULL)
            {
              if (value_a != value_b)
                g_error ("%s: %s is on one side only", (char *) key,
                         g_quark_to_string (pair->key_a));
              continue;
            }

          g_assert_true (concord_mapping_pair_convert (pair, CONCORD_SIDE_A, value_a, &converted,
                                                       &error));
          g_assert_no_error (error);
          if (!concord_value_equal (&converted, value_b))
            {
              g_autofree char *text_a = concord_value_to_string (value_a);
              g_autofree char *text_b = concord_value_to_string (value_b);

              g_error ("%s: %s differs: %s / %s", (char *) key, g_quark_to_string (pair->key_a),
                       text_a, text_b);
            }
          concord_value_clear (&converted);
          compared++;
        }
    }

  g_assert_cmpuint (compared, >, 1000);
}

static void
test_sync (Fixture       *f,
           gconstpointer  data)
{
  const char *type = data;
  gboolean people = g_str_equal (type, "people");
  Sync sync = { NULL };
  ConcordRunSummary summary;
  const char *url;

  sync_init (&sync, f, type);

  /* The first run links, merges and creates on both sides. */
  run (&sync, f, &summary);
  g_assert_cmpuint (summary.listed[0], ==, 300);
  g_assert_cmpuint (summary.listed[1], ==, people ? 250 : 40);
  g_assert_cmpuint (summary.created[0], >, people ? 100 : 20);
  g_assert_cmpuint (summary.created[1], >, 100);
  g_assert_cmpuint (summary.updated[0], >, 0);
  g_assert_cmpuint (summary.failed[0], ==, 0);
  g_assert_cmpuint (summary.failed[1], ==, 0);
  if (people)
    {
      /* Leads are new and complete; people have a history on both sides. */
      g_assert_cmpuint (summary.updated[1], >, 0);
      g_assert_cmpuint (summary.conflicts, >=, 5);
      g_assert_cmpuint (summary.ambiguous, >=, 1);
    }
  g_assert_false (summary.tripped);
  concord_run_summary_clear (&summary);

  assert_converged (&sync, f);

  /* The second writes nothing. */
  run (&sync, f, &summary);
  assert_nothing_written (&summary);
  concord_run_summary_clear (&summary);

  /* Nor after a restart of the sandbox: both apps kept what was written. */
  url = concord_sandbox_get_elasticemail_url (f->sandbox);
  g_assert_nonnull (url);
  stop_sandbox (f);
  start_sandbox (f);
  g_test_message ("restarted on %s", concord_sandbox_get_elasticemail_url (f->sandbox));

  run (&sync, f, &summary);
  g_assert_cmpuint (summary.listed[0], >, 300);
  assert_nothing_written (&summary);
  concord_run_summary_clear (&summary);

  sync_clear (&sync);
}

static void
test_restart_keeps_port (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *url = g_strdup (concord_sandbox_get_elasticemail_url (f->sandbox));
  g_autoptr(GPtrArray) records = new_record_array ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GHashTable) index = NULL;
  g_autoptr(ConcordRecord) record = concord_record_new (NULL);

  concord_record_set_text (record, "email", CONCORD_FIELD_TYPE_EMAIL, "new.person@example.org");
  concord_record_set_text (record, "first_name", CONCORD_FIELD_TYPE_STRING, "Ada");
  concord_record_set_text (record, "custom:City", CONCORD_FIELD_TYPE_STRING, "Zürich");
  g_ptr_array_add (records, g_steal_pointer (&record));
  results = write_records (f->ee, "contacts", records, NULL);
  g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, 0))->error);
  before = list_all (f->ee, "contacts");
  g_assert_cmpuint (before->len, ==, 301);

  stop_sandbox (f);
  start_sandbox (f);

  /* The same address (the stored account's base URL still works), and
   * every contact as it was: the one written before the restart, statuses,
   * custom fields, lists, dates. */
  g_assert_cmpstr (concord_sandbox_get_elasticemail_url (f->sandbox), ==, url);
  after = list_all (f->ee, "contacts");
  g_assert_cmpuint (after->len, ==, before->len);
  index = index_by_email (after);
  for (guint i = 0; i < before->len; i++)
    {
      ConcordRecord *old = g_ptr_array_index (before, i);
      g_autofree char *key = concord_normalize_email (concord_record_get_email (old));
      ConcordRecord *now = g_hash_table_lookup (index, key);

      g_assert_nonnull (now);
      if (!concord_record_equal_fields (old, now))
        {
          g_autofree char *text_old = concord_record_to_json (old);
          g_autofree char *text_now = concord_record_to_json (now);

          g_error ("changed by the restart: %s / %s", text_old, text_now);
        }
    }
}

/* Another program took the port meanwhile: the server takes another one
 * and says where it was, so that the stored accounts can follow; the
 * start after that keeps the new port. */
static void
test_restart_port_taken (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *url = g_strdup (concord_sandbox_get_elasticemail_url (f->sandbox));
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GSocketListener) squatter = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *moved_url = NULL;
  g_autoptr(GPtrArray) contacts = NULL;

  g_assert_null (concord_sandbox_get_moved_from (f->sandbox));
  stop_sandbox (f);
  g_assert_true (g_socket_listener_add_inet_port (squatter, g_uri_get_port (uri), NULL, &error));
  g_assert_no_error (error);

  g_test_expect_message ("concord-sandbox", G_LOG_LEVEL_MESSAGE, "*is taken*");
  start_sandbox (f);
  g_test_assert_expected_messages ();
  g_assert_cmpstr (concord_sandbox_get_moved_from (f->sandbox), ==, url);
  moved_url = g_strdup (concord_sandbox_get_elasticemail_url (f->sandbox));
  g_assert_cmpstr (moved_url, !=, url);
  /* Same data, new address. */
  contacts = list_all (f->ee, "contacts");
  g_assert_cmpuint (contacts->len, ==, 300);

  stop_sandbox (f);
  g_socket_listener_close (squatter);
  start_sandbox (f);
  g_assert_cmpstr (concord_sandbox_get_elasticemail_url (f->sandbox), ==, moved_url);
  g_assert_null (concord_sandbox_get_moved_from (f->sandbox));
}

static void
test_damaged_elasticemail (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "damaged", NULL);
  g_autofree char *path = g_build_filename (dir, "elasticemail.json", NULL);
  g_autofree char *aside = g_strconcat (path, ".damaged", NULL);
  g_autoptr(ConcordSandbox) sandbox = NULL;
  g_autoptr(ConcordConnector) ee = NULL;
  g_autoptr(GPtrArray) contacts = NULL;
  g_autoptr(GError) error = NULL;

  /* One good contact, then one without an address: the load fails
   * half-way, and the fresh account must not keep the first one. */
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "{\"contacts\": [{\"Email\": \"kept@example.org\"}, "
                                      "{\"FirstName\": \"Nobody\"}]}", -1, NULL));

  g_test_expect_message ("concord-sandbox", G_LOG_LEVEL_WARNING, "*set aside*");
  sandbox = concord_sandbox_new (dir);
  g_assert_true (concord_sandbox_start (sandbox, &error));
  g_assert_no_error (error);
  g_test_assert_expected_messages ();

  g_assert_true (g_file_test (aside, G_FILE_TEST_IS_REGULAR));
  ee = connect_app ("elasticemail", concord_sandbox_get_elasticemail_options_json (sandbox),
                    concord_sandbox_get_elasticemail_key (sandbox));
  contacts = list_all (ee, "contacts");
  g_assert_cmpuint (contacts->len, ==, 300);
}

/* Which stored accounts are the sandbox's: its Sample CRM file, its
 * Elastic Email server (running, or at the last start's port when
 * stopped); nothing else. */
static void
test_owns_account (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *url = g_strdup (concord_sandbox_get_elasticemail_url (f->sandbox));
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *ee = g_strdup (concord_sandbox_get_elasticemail_options_json (f->sandbox));
  g_autofree char *other_port = g_strdup_printf ("{\"base_url\": \"http://127.0.0.1:%d/v4\"}",
                                                 g_uri_get_port (uri) == 1 ? 2 : 1);
  g_autofree char *other_host = g_strdup_printf ("{\"base_url\": \"http://192.0.2.1:%d/v4\"}",
                                                 g_uri_get_port (uri));
  const char *crm = concord_sandbox_get_crm_options_json (f->sandbox);

  g_assert_true (concord_sandbox_owns_account (f->sandbox, "elasticemail", ee));
  g_assert_true (concord_sandbox_owns_account (f->sandbox, "sample-crm", crm));
  g_assert_false (concord_sandbox_owns_account (f->sandbox, "elasticemail", other_port));
  g_assert_false (concord_sandbox_owns_account (f->sandbox, "elasticemail", other_host));
  g_assert_false (concord_sandbox_owns_account (f->sandbox, "elasticemail", NULL));
  g_assert_false (concord_sandbox_owns_account (f->sandbox, "elasticemail",
                                                "{\"base_url\": \"https://api.elasticemail.com/v4\"}"));
  g_assert_false (concord_sandbox_owns_account (f->sandbox, "sample-crm", "{\"path\": \"/tmp/elsewhere.json\"}"));
  g_assert_false (concord_sandbox_owns_account (f->sandbox, "sample-crm", "not json"));
  g_assert_false (concord_sandbox_owns_account (f->sandbox, "hubspot", crm));

  /* Stopped: the port it had is still its own. */
  concord_sandbox_stop (f->sandbox);
  g_assert_true (concord_sandbox_owns_account (f->sandbox, "elasticemail", ee));
  g_assert_false (concord_sandbox_owns_account (f->sandbox, "elasticemail", other_port));
}

/* Removed: stopped, its folder gone (so nothing starts it again), and a
 * later start seeds the sample data anew. */
static void
test_remove (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *ee = g_strdup (concord_sandbox_get_elasticemail_options_json (f->sandbox));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = new_record_array ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GPtrArray) contacts = NULL;
  g_autoptr(ConcordRecord) record = concord_record_new (NULL);

  concord_record_set_text (record, "email", CONCORD_FIELD_TYPE_EMAIL, "new.person@example.org");
  g_ptr_array_add (records, g_steal_pointer (&record));
  results = write_records (f->ee, "contacts", records, NULL);
  g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, 0))->error);

  g_assert_true (concord_sandbox_remove (f->sandbox, &error));
  g_assert_no_error (error);
  g_assert_false (concord_sandbox_is_running (f->sandbox));
  g_assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS));
  g_assert_false (concord_sandbox_owns_account (f->sandbox, "elasticemail", ee));

  /* Twice is fine. */
  g_assert_true (concord_sandbox_remove (f->sandbox, &error));
  g_assert_no_error (error);

  stop_sandbox (f);
  start_sandbox (f);
  contacts = list_all (f->ee, "contacts");
  g_assert_cmpuint (contacts->len, ==, 300);
}

/* ------------------------------------------------------------------------- */
/* A sample of a real app as the second side                                 */
/* ------------------------------------------------------------------------- */

/* The app every sample-app test runs: Pipedrive, the one whose mock is
 * merged first; any app of concord_sandbox_list_apps() works the same
 * (an app's own tests build this file again with -DSAMPLE_APP=…). */
#ifndef SAMPLE_APP
#define SAMPLE_APP "pipedrive"
#define SAMPLE_APP_TYPE "persons"
#define SAMPLE_APP_DEFAULT 1   /* the sync runs for every sample app */
#endif

/* Only apps whose mock makes up and keeps its data are offered; Elastic
 * Email (the first side) and unknown apps are refused. */
static void
test_list_apps (void)
{
  g_auto(GStrv) apps = concord_sandbox_list_apps ();
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "list-apps", NULL);
  g_autoptr(ConcordSandbox) sandbox = concord_sandbox_new (dir);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) asked = NULL;

  g_assert_nonnull (apps);
  g_assert_cmpstr (apps[0], ==, "sample-crm");
  g_assert_true (g_strv_contains ((const char * const *) apps, SAMPLE_APP));
  g_assert_false (g_strv_contains ((const char * const *) apps, "elasticemail"));
  for (guint i = 0; apps[i] != NULL; i++)
    g_assert_nonnull (concord_app_registry_lookup (apps[i]));

  g_assert_false (concord_sandbox_add_app (sandbox, "elasticemail", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (concord_sandbox_add_app (sandbox, "no-such-app", &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_clear_error (&error);

  /* The Sample CRM is always there; an app is asked for once. */
  g_assert_true (concord_sandbox_add_app (sandbox, "sample-crm", &error));
  g_assert_true (concord_sandbox_add_app (sandbox, SAMPLE_APP, &error));
  g_assert_true (concord_sandbox_add_app (sandbox, SAMPLE_APP, &error));
  g_assert_no_error (error);
  asked = concord_sandbox_get_apps (sandbox);
  g_assert_cmpuint (g_strv_length (asked), ==, 1);
  g_assert_cmpstr (asked[0], ==, SAMPLE_APP);
  /* Not started: no server yet, but its key is made. */
  g_assert_null (concord_sandbox_get_app_url (sandbox, SAMPLE_APP));
  g_assert_null (concord_sandbox_get_app_options_json (sandbox, SAMPLE_APP));
  g_assert_nonnull (concord_sandbox_get_app_key (sandbox, SAMPLE_APP));
  g_assert_null (concord_sandbox_get_app_key (sandbox, "no-such-app"));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

static ConcordConnector *
connect_sample_app (Fixture *f)
{
  return connect_app (SAMPLE_APP, concord_sandbox_get_app_options_json (f->sandbox, SAMPLE_APP),
                      concord_sandbox_get_app_key (f->sandbox, SAMPLE_APP));
}

static void
start_with_sample_app (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (concord_sandbox_add_app (f->sandbox, SAMPLE_APP, &error));
  g_assert_no_error (error);
  /* Running already: only the app starts. */
  g_assert_true (concord_sandbox_start (f->sandbox, &error));
  g_assert_no_error (error);
}

static guint
count_records (ConcordConnector *connector,
               const char       *type)
{
  g_autoptr(GPtrArray) all = list_all (connector, type);

  return all->len;
}

/* Its server on this computer, a key made up for it (the only one it
 * takes), the account made up with generate(), the registry's form
 * accepting both, and Elastic Email untouched. */
static void
test_app_start (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *ee_url = g_strdup (concord_sandbox_get_elasticemail_url (f->sandbox));
  g_autofree char *path = g_build_filename (f->dir, SAMPLE_APP ".json", NULL);
  g_autofree char *state_path = g_build_filename (f->dir, "sandbox.json", NULL);
  g_autofree char *state = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(ConcordConnector) app = NULL;
  g_autoptr(ConcordConnector) wrong = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf stat_buf;
  const char *key, *url;
  JsonObject *options;

  start_with_sample_app (f);
  key = concord_sandbox_get_app_key (f->sandbox, SAMPLE_APP);
  url = concord_sandbox_get_app_url (f->sandbox, SAMPLE_APP);
  g_assert_nonnull (key);
  g_assert_cmpuint (strlen (key), >=, 32);
  g_assert_cmpstr (key, !=, CONCORD_SANDBOX_ELASTICEMAIL_KEY);
  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));
  g_assert_cmpstr (url, !=, ee_url);
  g_assert_cmpstr (concord_sandbox_get_elasticemail_url (f->sandbox), ==, ee_url);
  g_assert_null (concord_sandbox_get_app_moved_from (f->sandbox, SAMPLE_APP));
  g_assert_true (json_parser_load_from_data (parser, concord_sandbox_get_app_options_json (f->sandbox,
                                                                                           SAMPLE_APP),
                                             -1, &error));
  options = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (options, "base_url"), ==, url);
  g_assert_true (concord_app_registry_check_options (SAMPLE_APP, concord_sandbox_get_app_options_json (f->sandbox,
                                                                                                      SAMPLE_APP),
                                                     &error));
  g_assert_no_error (error);
  g_assert_true (concord_app_info_check_entry (concord_app_registry_lookup (SAMPLE_APP),
                                               concord_sandbox_get_app_options_json (f->sandbox, SAMPLE_APP),
                                               key, &error));
  g_assert_no_error (error);

  /* The key opens it, another does not. */
  app = connect_sample_app (f);
  g_assert_true (verify (app, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_records (app, SAMPLE_APP_TYPE), ==, 250);
  wrong = connect_app (SAMPLE_APP, concord_sandbox_get_app_options_json (f->sandbox, SAMPLE_APP), "sandbox");
  g_assert_false (verify (wrong, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
  g_clear_error (&error);

  /* Its account in a file of its own, the key only in the state (both
   * for this user only), never in the account file. */
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (g_stat (path, &stat_buf), ==, 0);
  g_assert_cmpint (stat_buf.st_mode & 0077, ==, 0);
  g_assert_cmpint (g_stat (state_path, &stat_buf), ==, 0);
  g_assert_cmpint (stat_buf.st_mode & 0077, ==, 0);
  {
    g_autofree char *account = NULL;

    g_assert_true (g_file_get_contents (path, &account, NULL, NULL));
    g_assert_null (strstr (account, key));
  }
  g_assert_true (g_file_get_contents (state_path, &state, NULL, NULL));
  g_assert_nonnull (strstr (state, SAMPLE_APP));

  /* Stopped with the rest. */
  concord_sandbox_stop (f->sandbox);
  g_assert_null (concord_sandbox_get_app_url (f->sandbox, SAMPLE_APP));
  g_assert_null (concord_sandbox_get_app_options_json (f->sandbox, SAMPLE_APP));
}

static ConcordConnector *
connect_sample (Fixture    *f,
                const char *app_id)
{
  return connect_app (app_id, concord_sandbox_get_app_options_json (f->sandbox, app_id),
                      concord_sandbox_get_app_key (f->sandbox, app_id));
}

/* Whole runs Elastic Email ↔ each sample app (@data: its id): contacts of
 * each appear on the other, a second run writes nothing, and after a
 * restart (a new sandbox on the folder, as the next start of Concord
 * makes) the app is back at its address with its key and what was
 * written. */
static void
test_app_sync (Fixture       *f,
               gconstpointer  data)
{
  const char *app_id = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnector) app = NULL;
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(GPtrArray) schema_a = NULL;
  g_autoptr(GPtrArray) schema_b = NULL;
  g_autoptr(GPtrArray) unmapped = NULL;
  g_autoptr(GPtrArray) contacts = NULL;
  g_autoptr(GPtrArray) persons = NULL;
  g_autoptr(GHashTable) index_a = NULL;
  g_autoptr(GHashTable) index_b = NULL;
  g_autofree char *db = g_build_filename (g_get_user_data_dir (), "state-app.sqlite", NULL);
  g_autofree char *url = NULL;
  g_autofree char *key = NULL;
  g_autofree char *type = NULL;
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(ConcordMapping) mapping = NULL;
  ConcordSyncConfig config;
  ConcordRunSummary summary;
  GHashTableIter iter;
  gpointer email;
  gint64 connection_id;
  guint only_a = 0, only_b = 0;
  ConcordConnectionRow row = {
    .name = (char *) "sandbox", .account_a = (char *) "ee", .type_a = (char *) "contacts",
    .account_b = (char *) "app", .enabled = TRUE,
  };

  g_assert_true (concord_sandbox_add_app (f->sandbox, app_id, &error));
  g_assert_no_error (error);
  g_assert_true (concord_sandbox_start (f->sandbox, &error));
  g_assert_no_error (error);
  url = g_strdup (concord_sandbox_get_app_url (f->sandbox, app_id));
  key = g_strdup (concord_sandbox_get_app_key (f->sandbox, app_id));
  app = connect_sample (f, app_id);
  g_assert_true (verify (app, &error));
  g_assert_no_error (error);

  /* Its first kind of contact (a Mailchimp audience: from its API). */
  types = concord_connector_list_contact_types_sync (app, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (types->len, >, 0);
  type = g_strdup (((ConcordContactType *) g_ptr_array_index (types, 0))->id);
  row.type_b = type;

  schema_a = load_schema (f->ee, "contacts");
  schema_b = load_schema (app, type);
  store = concord_store_new (db, &error);
  g_assert_no_error (error);
  g_assert_true (concord_store_add_account (store, "ee", "elasticemail", "Elastic Email", ee_options (f), &error));
  g_assert_true (concord_store_add_account (store, "app", app_id, "Sample",
                                            concord_sandbox_get_app_options_json (f->sandbox, app_id), &error));
  connection_id = concord_store_add_connection (store, &row, &error);
  g_assert_no_error (error);
  mapping = concord_mapping_new_auto (schema_a, schema_b, &unmapped);
  g_assert_cmpint (concord_mapping_find (mapping, CONCORD_SIDE_A, "email"), >=, 0);
  concord_sync_config_init (&config, mapping);

  g_assert_true (concord_sync_run (store, connection_id, &config, f->ee, "contacts", app, type,
                                   NULL, NULL, &summary, &error));
  g_assert_no_error (error);
  g_test_message ("%s first run: listed %u/%u, created %u/%u, updated %u/%u, failed %u/%u, skipped %u", app_id,
                  summary.listed[0], summary.listed[1], summary.created[0], summary.created[1],
                  summary.updated[0], summary.updated[1], summary.failed[0], summary.failed[1], summary.skipped);
  g_assert_cmpuint (summary.listed[0], ==, 300);
  g_assert_cmpuint (summary.listed[1], >, 0);
  g_assert_cmpuint (summary.created[0], >, 0);
  g_assert_cmpuint (summary.created[1], >, 0);
  g_assert_cmpuint (summary.failed[0], ==, 0);
  g_assert_cmpuint (summary.failed[1], ==, 0);
  concord_run_summary_clear (&summary);

  /* The contacts of each side are on the other (but for those an app's
   * own rules keep out, such as a suppressed address Mailchimp is never
   * sent as subscribed: a few). */
  contacts = list_all (f->ee, "contacts");
  persons = list_all (app, type);
  index_a = index_by_email (contacts);
  index_b = index_by_email (persons);
  g_hash_table_iter_init (&iter, index_a);
  while (g_hash_table_iter_next (&iter, &email, NULL))
    only_a += !g_hash_table_contains (index_b, email);
  g_hash_table_iter_init (&iter, index_b);
  while (g_hash_table_iter_next (&iter, &email, NULL))
    only_b += !g_hash_table_contains (index_a, email);
  g_test_message ("%s: %u contacts in Elastic Email only, %u in the app only", app_id, only_a, only_b);
  g_assert_cmpuint (only_b, ==, 0);
  g_assert_cmpuint (only_a * 10, <, g_hash_table_size (index_a));
  g_assert_cmpuint (g_hash_table_size (index_b), >=, g_hash_table_size (index_a) - only_a);

  g_assert_true (concord_sync_run (store, connection_id, &config, f->ee, "contacts", app, type,
                                   NULL, NULL, &summary, &error));
  g_assert_no_error (error);
  assert_nothing_written (&summary);
  concord_run_summary_clear (&summary);

  /* Concord starts again: the app is asked for by the folder alone. */
  g_clear_object (&app);
  stop_sandbox (f);
  start_sandbox (f);
  {
    g_auto(GStrv) apps = concord_sandbox_get_apps (f->sandbox);

    g_assert_true (g_strv_contains ((const char * const *) apps, app_id));
  }
  g_assert_cmpstr (concord_sandbox_get_app_url (f->sandbox, app_id), ==, url);
  g_assert_cmpstr (concord_sandbox_get_app_key (f->sandbox, app_id), ==, key);
  app = connect_sample (f, app_id);
  g_assert_cmpuint (count_records (app, type), ==, persons->len);

  g_assert_true (concord_sync_run (store, connection_id, &config, f->ee, "contacts", app, type,
                                   NULL, NULL, &summary, &error));
  g_assert_no_error (error);
  assert_nothing_written (&summary);
  concord_run_summary_clear (&summary);

  concord_sync_config_clear (&config);
}

/* The sample app's accounts are the sandbox's, at its port only, running
 * or not; removing the sandbox forgets the app and its data. */
static void
test_app_owns_and_remove (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *options = NULL;
  g_autofree char *other_port = NULL;
  g_autofree char *path = g_build_filename (f->dir, SAMPLE_APP ".json", NULL);
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) apps = NULL;

  start_with_sample_app (f);
  options = g_strdup (concord_sandbox_get_app_options_json (f->sandbox, SAMPLE_APP));
  uri = g_uri_parse (concord_sandbox_get_app_url (f->sandbox, SAMPLE_APP), G_URI_FLAGS_NONE, NULL);
  other_port = g_strdup_printf ("{\"base_url\": \"http://127.0.0.1:%d\"}", g_uri_get_port (uri) == 1 ? 2 : 1);

  g_assert_true (concord_sandbox_owns_account (f->sandbox, SAMPLE_APP, options));
  g_assert_false (concord_sandbox_owns_account (f->sandbox, SAMPLE_APP, other_port));
  g_assert_false (concord_sandbox_owns_account (f->sandbox, "elasticemail", options));
  g_assert_false (concord_sandbox_owns_account (f->sandbox, SAMPLE_APP, "{\"company_domain\": \"acme\"}"));

  /* Stopped, and a new sandbox on the folder (Concord's next start, which
   * removes the sample data before starting them). */
  stop_sandbox (f);
  f->sandbox = concord_sandbox_new (f->dir);
  g_assert_true (concord_sandbox_owns_account (f->sandbox, SAMPLE_APP, options));
  g_assert_false (concord_sandbox_owns_account (f->sandbox, SAMPLE_APP, other_port));

  g_assert_true (concord_sandbox_remove (f->sandbox, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (concord_sandbox_owns_account (f->sandbox, SAMPLE_APP, options));
  apps = concord_sandbox_get_apps (f->sandbox);
  g_assert_cmpuint (g_strv_length (apps), ==, 0);
}

/* A damaged account file is set aside and the account made up again; a
 * damaged entry of sandbox.json is forgotten, not fatal. */
static void
test_app_damaged (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, SAMPLE_APP ".json", NULL);
  g_autofree char *aside = g_strconcat (path, ".damaged", NULL);
  g_autofree char *state_path = g_build_filename (f->dir, "sandbox.json", NULL);
  g_autoptr(GString) bomb = g_string_new (NULL);
  g_autoptr(ConcordConnector) app = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) apps = NULL;

  start_with_sample_app (f);
  stop_sandbox (f);

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (bomb, '[');
  g_assert_true (g_file_set_contents (path, bomb->str, -1, NULL));
  g_test_expect_message ("concord-sandbox", G_LOG_LEVEL_WARNING, "*could not be loaded*");
  start_sandbox (f);
  g_test_assert_expected_messages ();
  g_assert_true (g_file_test (aside, G_FILE_TEST_IS_REGULAR));
  app = connect_sample_app (f);
  g_assert_cmpuint (count_records (app, SAMPLE_APP_TYPE), ==, 250);
  g_clear_object (&app);

  /* Not an account of its format at all. */
  stop_sandbox (f);
  g_assert_true (g_file_set_contents (path, "{\"version\": 1, \"persons\": 7}", -1, NULL));
  g_test_expect_message ("concord-sandbox", G_LOG_LEVEL_WARNING, "*could not be loaded*");
  start_sandbox (f);
  g_test_assert_expected_messages ();
  app = connect_sample_app (f);
  g_assert_cmpuint (count_records (app, SAMPLE_APP_TYPE), ==, 250);
  g_clear_object (&app);

  /* A state file whose apps are nonsense. */
  stop_sandbox (f);
  g_assert_true (g_file_set_contents (state_path, "{\"port\": 0, \"apps\": [7, {\"id\": \"elasticemail\", "
                                      "\"key\": \"k\"}, {\"id\": \"pipedrive\"}, {\"key\": \"k\"}]}",
                                      -1, NULL));
  start_sandbox (f);
  apps = concord_sandbox_get_apps (f->sandbox);
  g_assert_cmpuint (g_strv_length (apps), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

  g_test_add ("/concord/sandbox/start", Fixture, NULL, setup, test_start, teardown);
  g_test_add_func ("/concord/sandbox/start-async", test_start_async);
  g_test_add ("/concord/sandbox/keys", Fixture, NULL, setup, test_keys, teardown);
  g_test_add ("/concord/sandbox/seed-shape", Fixture, NULL, setup, test_seed_shape, teardown);
  g_test_add_func ("/concord/sandbox/seed-deterministic", test_seed_deterministic);
  g_test_add ("/concord/sandbox/contact-types", Fixture, NULL, setup, test_contact_types, teardown);
  g_test_add ("/concord/sandbox/crm-writes", Fixture, NULL, setup, test_crm_writes, teardown);
  g_test_add ("/concord/sandbox/crm-damaged", Fixture, NULL, setup, test_crm_damaged, teardown);
  g_test_add ("/concord/sandbox/sync-people", Fixture, "people", setup, test_sync, teardown);
  g_test_add ("/concord/sandbox/sync-leads", Fixture, "leads", setup, test_sync, teardown);
  g_test_add ("/concord/sandbox/restart", Fixture, NULL, setup, test_restart_keeps_port, teardown);
  g_test_add ("/concord/sandbox/restart-port-taken", Fixture, NULL, setup, test_restart_port_taken, teardown);
  g_test_add_func ("/concord/sandbox/damaged-elasticemail", test_damaged_elasticemail);
  g_test_add ("/concord/sandbox/owns-account", Fixture, NULL, setup, test_owns_account, teardown);
  g_test_add ("/concord/sandbox/remove", Fixture, NULL, setup, test_remove, teardown);
  g_test_add_func ("/concord/sandbox/app/list", test_list_apps);
  g_test_add ("/concord/sandbox/app/start", Fixture, NULL, setup, test_app_start, teardown);
  {
    /* Each sample app the sandbox offers, end to end. */
    g_auto(GStrv) apps = concord_sandbox_list_apps ();

    for (guint i = 0; apps[i] != NULL; i++)
#ifdef SAMPLE_APP_DEFAULT
      if (!g_str_equal (apps[i], "sample-crm"))
#else
      /* Built for one app: its sync only. */
      if (g_str_equal (apps[i], SAMPLE_APP))
#endif
        {
          g_autofree char *path = g_strdup_printf ("/concord/sandbox/app/sync-%s", apps[i]);

          g_test_add (path, Fixture, g_strdup (apps[i]), setup, test_app_sync, teardown);
        }
  }
  g_test_add ("/concord/sandbox/app/owns-and-remove", Fixture, NULL, setup, test_app_owns_and_remove, teardown);
  g_test_add ("/concord/sandbox/app/damaged", Fixture, NULL, setup, test_app_damaged, teardown);

  return g_test_run ();
}
