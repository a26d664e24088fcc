/* test-sync-hubspot.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Elastic Email (side A) and HubSpot (side B), two mock servers, through
 * the real connectors, store and engine: the automatic mapping pairs
 * name, email, phone, company, status, lists (onto a multi-checkbox
 * property whose options are the lists) and a text field onto the pick
 * list of its name whose options hold its values, without help; whole runs match by
 * email across case, carry an unsubscribe across as the opt-out, and
 * write nothing when nothing changed (the change listing is a search).
 *
 * Paths: /concord/sync-hubspot/<case>.
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "concord-connector-elasticemail.h"
#include "concord-connector-hubspot.h"
#include "concord-fields.h"
#include "concord-mock-elasticemail.h"
#include "concord-mock-hubspot.h"
#include "concord-store.h"
#include "concord-sync-run.h"
#include "concord-test-connector.h"
#include "concord-test-sync.h"
#include "concord-test-utils.h"

#define EE_KEY   "sync-hs-ee-key-4c"
#define HS_TOKEN "sync-hs-token-pat-9e"

/* An Elastic Email account whose contacts use a company, a phone and a
 * tier custom field (whose values are the labels of HubSpot's Tier pick
 * list), and two lists that are also options of HubSpot's Lists. */
#define EE_SEED \
  "{\"custom_fields\": [\"company\", \"phone\", \"Tier\"], \"lists\": [\"Newsletter\", " \
  "\"Events\"], \"contacts\": [" \
  "{\"Email\": \"Ann@Example.com\", \"FirstName\": \"Ann\", \"LastName\": \"Lee\", " \
  "\"Status\": \"Active\", \"Lists\": [\"Newsletter\"], " \
  "\"CustomFields\": {\"company\": \"Acme\", \"phone\": \"+351 900 000 000\", " \
  "\"Tier\": \"Gold\"}}, " \
  "{\"Email\": \"bo@example.com\", \"FirstName\": \"Bo\", \"Status\": \"Active\", " \
  "\"Lists\": [\"Events\", \"Newsletter\"], \"CustomFields\": {\"company\": \"Globex\", " \
  "\"Tier\": \"Silver\"}}]}"

typedef struct
{
  ConcordMockElasticEmail *ee;
  ConcordMockHubspot      *hubspot;
  ConcordTestSync         *sync;
} Fixture;

static GPtrArray *
sample (ConcordConnector *connector,
        const char       *type)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordPage) page = concord_test_list_page (connector, type, NULL, &error);

  g_assert_no_error (error);
  return g_ptr_array_ref (page->records);
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *seed = g_build_filename (g_get_user_data_dir (), "ee-seed.json", NULL);
  g_autoptr(ConcordConnectorElasticEmail) a = NULL;
  g_autoptr(ConcordConnectorHubspot) b = NULL;

  g_mkdir_with_parents (g_get_user_data_dir (), 0700);
  f->ee = concord_mock_elasticemail_new (EE_KEY, 0, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (seed, EE_SEED, -1, &error));
  g_assert_true (concord_mock_elasticemail_load_seed_file (f->ee, seed, &error));
  g_assert_no_error (error);
  f->hubspot = concord_mock_hubspot_new (HS_TOKEN, 0, &error);
  g_assert_no_error (error);
  concord_mock_hubspot_generate (f->hubspot, 0, 1);
  concord_mock_hubspot_put_contact_json (f->hubspot,
                                         "{\"email\": \"cy@example.com\", \"firstname\": \"Cy\", "
                                         "\"phone\": \"+1 555 0100\", \"company\": \"Initech\", "
                                         "\"hs_email_optout\": \"false\", \"lists\": \"Events\"}",
                                         &error);
  g_assert_no_error (error);

  a = concord_connector_elasticemail_new (concord_mock_elasticemail_get_base_url (f->ee), EE_KEY);
  concord_connector_elasticemail_set_retry_base_ms (a, 1);
  b = concord_connector_hubspot_new (concord_mock_hubspot_get_base_url (f->hubspot), HS_TOKEN);
  concord_connector_hubspot_set_retry_base_ms (b, 1);

  f->sync = concord_test_sync_new (CONCORD_CONNECTOR (a), "elasticemail", "contacts",
                                   CONCORD_CONNECTOR (b), "hubspot", CONCORD_HUBSPOT_CONTACTS);
  /* The automatic mapping with samples of both sides, as Add Connection
   * makes it. */
  {
    g_autoptr(GPtrArray) sample_a = sample (f->sync->a, "contacts");
    g_autoptr(GPtrArray) sample_b = sample (f->sync->b, CONCORD_HUBSPOT_CONTACTS);
    g_autoptr(ConcordMapping) mapping = concord_mapping_new_auto_sampled (f->sync->schema_a,
                                                                          f->sync->schema_b,
                                                                          sample_a, sample_b, NULL);

    concord_test_sync_set_mapping (f->sync, mapping);
  }
  g_unlink (seed);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_clear_pointer (&f->sync, concord_test_sync_free);
  g_clear_object (&f->ee);
  g_clear_object (&f->hubspot);
}

static void
run (Fixture           *f,
     ConcordRunSummary *summary)
{
  concord_test_sync_run (f->sync, summary);
}

static const char *
paired_with (ConcordMapping *mapping,
             const char     *key_a)
{
  gint index = concord_mapping_find (mapping, CONCORD_SIDE_A, key_a);

  if (index < 0)
    return NULL;
  g_assert_cmpint (concord_mapping_get_pair (mapping, index)->flow, ==, CONCORD_PAIR_FLOW_BOTH);
  return g_quark_to_string (concord_mapping_get_pair (mapping, index)->key_b);
}

/* The properties of the HubSpot contact of @email. */
static JsonObject *
hs_properties (Fixture    *f,
               const char *email)
{
  guint64 id = concord_mock_hubspot_find_email (f->hubspot, email);
  g_autofree char *json = id > 0 ? concord_mock_hubspot_get_contact_json (f->hubspot, id) : NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_nonnull (json);
  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  return json_object_ref (json_object_get_object_member (
                            json_node_get_object (json_parser_get_root (parser)), "properties"));
}

static guint
hs_writes (Fixture *f)
{
  g_autoptr(GPtrArray) log = concord_mock_server_get_log (concord_mock_hubspot_get_server (f->hubspot));
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    {
      ConcordMockLogEntry *entry = g_ptr_array_index (log, i);

      n += !g_str_equal (entry->method, "GET") && !g_str_has_suffix (entry->path, "/search") &&
           !g_str_has_suffix (entry->path, "/batch/read");
    }
  return n;
}

/* ------------------------------------------------------------------------- */

/* Name, email, phone, company, status and lists pair without help. */
static void
test_auto_mapping (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_cmpstr (paired_with (f->sync->mapping, CONCORD_FIELD_EMAIL), ==, CONCORD_FIELD_EMAIL);
  g_assert_cmpstr (paired_with (f->sync->mapping, CONCORD_FIELD_FIRST_NAME), ==,
                   CONCORD_FIELD_FIRST_NAME);
  g_assert_cmpstr (paired_with (f->sync->mapping, CONCORD_FIELD_LAST_NAME), ==, CONCORD_FIELD_LAST_NAME);
  g_assert_cmpstr (paired_with (f->sync->mapping, "custom:phone"), ==, CONCORD_FIELD_PHONE);
  g_assert_cmpstr (paired_with (f->sync->mapping, "custom:company"), ==, CONCORD_FIELD_COMPANY);
  g_assert_cmpstr (paired_with (f->sync->mapping, CONCORD_FIELD_STATUS), ==, CONCORD_FIELD_STATUS);
  g_assert_cmpstr (paired_with (f->sync->mapping, CONCORD_FIELD_LISTS), ==, "custom:Lists");
  /* A text field onto a pick list of that name whose options hold its
   * values (by their labels). */
  g_assert_cmpstr (paired_with (f->sync->mapping, "custom:Tier"), ==, "custom:Tier");
}

/* A first run matches Ann across case and copies each side's others; an
 * unsubscribe in Elastic Email becomes HubSpot's opt-out; a run without
 * changes writes nothing to HubSpot. */
static void
test_runs (Fixture       *f,
           gconstpointer  data)
{
  ConcordRunSummary first = { 0, }, second = { 0, }, third = { 0, };
  g_autoptr(JsonObject) ann = NULL;
  g_autoptr(JsonObject) bo = NULL;
  guint64 ann_hs = concord_mock_hubspot_put_contact_json (f->hubspot,
                                                          "{\"email\": \"ann@example.com\", "
                                                          "\"jobtitle\": \"CTO\"}", NULL);

  g_assert_cmpuint (ann_hs, >, 0);
  run (f, &first);
  g_assert_cmpuint (concord_mock_hubspot_get_n_contacts (f->hubspot), ==, 3);
  ann = hs_properties (f, "ann@example.com");
  g_assert_cmpuint (concord_mock_hubspot_find_email (f->hubspot, "ann@example.com"), ==, ann_hs);
  g_assert_cmpstr (json_object_get_string_member (ann, "firstname"), ==, "Ann");
  g_assert_cmpstr (json_object_get_string_member (ann, "company"), ==, "Acme");
  g_assert_cmpstr (json_object_get_string_member (ann, "jobtitle"), ==, "CTO");
  g_assert_cmpstr (json_object_get_string_member (ann, "lists"), ==, "Newsletter");
  /* The label Gold is written as the option's value. */
  g_assert_cmpstr (json_object_get_string_member (ann, "tier"), ==, "gold");
  bo = hs_properties (f, "bo@example.com");
  g_assert_cmpstr (json_object_get_string_member (bo, "lists"), ==, "Events;Newsletter");
  g_assert_cmpstr (json_object_get_string_member (bo, "hs_email_optout"), ==, "false");

  /* Bo unsubscribes in Elastic Email. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (concord_mock_elasticemail_put_contact_json (
                     f->ee, "{\"Email\": \"bo@example.com\", \"FirstName\": \"Bo\", "
                     "\"Status\": \"Unsubscribed\", \"CustomFields\": {\"company\": \"Globex\"}}",
                     &error));
    g_assert_no_error (error);
  }
  run (f, &second);
  g_clear_pointer (&bo, json_object_unref);
  bo = hs_properties (f, "bo@example.com");
  g_assert_cmpstr (json_object_get_string_member (bo, "hs_email_optout"), ==, "true");

  concord_mock_server_reset_log (concord_mock_hubspot_get_server (f->hubspot));
  run (f, &third);
  g_assert_cmpuint (hs_writes (f), ==, 0);
  concord_run_summary_clear (&first);
  concord_run_summary_clear (&second);
  concord_run_summary_clear (&third);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

  g_test_add ("/concord/sync-hubspot/auto-mapping", Fixture, NULL, setup, test_auto_mapping,
              teardown);
  g_test_add ("/concord/sync-hubspot/runs", Fixture, NULL, setup, test_runs, teardown);

  return g_test_run ();
}
