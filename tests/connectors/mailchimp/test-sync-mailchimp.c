/* test-sync-mailchimp.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Whole sync runs between Elastic Email (side A) and Mailchimp (side B),
 * two mock servers, through the real connectors, store and engine, for
 * the status protection: a suppressed contact on one side is never
 * created or set subscribed on the other, an unsubscribe crosses both
 * ways, a clean (Mailchimp's bounce) is never undone, and later runs
 * list only what changed and write nothing when nothing did.
 *
 * Paths: /concord/sync-mailchimp/<case>.
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "concord-connector-elasticemail.h"
#include "concord-connector-mailchimp.h"
#include "concord-fields.h"
#include "concord-mock-elasticemail.h"
#include "concord-mock-mailchimp.h"
#include "concord-store.h"
#include "concord-sync-run.h"
#include "concord-test-sync.h"
#include "concord-test-utils.h"

#define EE_KEY "sync-mc-ee-key-5c"
#define MC_KEY "4b2d6f8a0c1e3a5b7d9f1b3d5f7a9c0e-us6"
#define LIST   CONCORD_MOCK_MAILCHIMP_FIRST_LIST_ID

typedef struct
{
  ConcordMockElasticEmail *ee;
  ConcordMockMailchimp    *mailchimp;
  ConcordTestSync         *sync;
} Fixture;

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnectorElasticEmail) a = NULL;
  g_autoptr(ConcordConnectorMailchimp) b = NULL;

  f->ee = concord_mock_elasticemail_new (EE_KEY, 0, &error);
  g_assert_no_error (error);
  f->mailchimp = concord_mock_mailchimp_new (MC_KEY, 0, &error);
  g_assert_no_error (error);
  concord_mock_mailchimp_generate (f->mailchimp, 0, 1);
  a = concord_connector_elasticemail_new (concord_mock_elasticemail_get_base_url (f->ee), EE_KEY);
  concord_connector_elasticemail_set_retry_base_ms (a, 1);
  b = concord_connector_mailchimp_new (concord_mock_mailchimp_get_base_url (f->mailchimp), MC_KEY);
  concord_connector_mailchimp_set_retry_base_ms (b, 1);

  f->sync = concord_test_sync_new (CONCORD_CONNECTOR (a), "elasticemail", "contacts",
                                   CONCORD_CONNECTOR (b), "mailchimp", LIST);
  g_assert_cmpint (concord_mapping_find (f->sync->mapping, CONCORD_SIDE_A, CONCORD_FIELD_STATUS), >=, 0);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_clear_pointer (&f->sync, concord_test_sync_free);
  g_clear_object (&f->ee);
  g_clear_object (&f->mailchimp);
}

static void
run (Fixture           *f,
     ConcordRunSummary *summary)
{
  concord_test_sync_run (f->sync, summary);
}

static void
put_ee (Fixture    *f,
        const char *json)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (concord_mock_elasticemail_put_contact_json (f->ee, json, &error));
  g_assert_no_error (error);
}

static void
put_mc (Fixture    *f,
        const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = concord_mock_mailchimp_put_member_json (f->mailchimp, LIST, json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (hash);
}

static char *
ee_member (Fixture    *f,
           const char *email,
           const char *name)
{
  g_autofree char *json = concord_mock_elasticemail_get_contact_json (f->ee, email);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL))
    return NULL;
  object = json_node_get_object (json_parser_get_root (parser));
  return json_object_has_member (object, name) && !json_object_get_null_member (object, name)
         ? g_strdup (json_object_get_string_member (object, name)) : NULL;
}

static char *
mc_status (Fixture    *f,
           const char *email)
{
  g_autofree char *json = concord_mock_mailchimp_get_member_json (f->mailchimp, LIST, email);
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL))
    return NULL;
  return g_strdup (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                  "status"));
}

static guint
mc_writes (Fixture *f)
{
  g_autoptr(GPtrArray) log = concord_mock_server_get_log (concord_mock_mailchimp_get_server (f->mailchimp));
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    n += !g_str_equal (((ConcordMockLogEntry *) g_ptr_array_index (log, i))->method, "GET");
  return n;
}

/* Matched at the first run with one side suppressed: the suppressed side
 * wins, both ways; a clean is never undone. */
static void
test_first_match (Fixture       *f,
                  gconstpointer  data)
{
  ConcordRunSummary first = { 0, }, second = { 0, };

  put_ee (f, "{\"Email\":\"cy@example.com\",\"FirstName\":\"Cy\",\"Status\":\"Unsubscribed\"}");
  put_mc (f, "{\"email_address\": \"cy@example.com\", \"status\": \"subscribed\"}");
  put_ee (f, "{\"Email\":\"di@example.com\",\"FirstName\":\"Di\",\"Status\":\"Active\"}");
  put_mc (f, "{\"email_address\": \"DI@example.com\", \"status\": \"unsubscribed\"}");
  put_ee (f, "{\"Email\":\"ed@example.com\",\"FirstName\":\"Ed\",\"Status\":\"Active\"}");
  put_mc (f, "{\"email_address\": \"ed@example.com\", \"status\": \"cleaned\"}");

  run (f, &first);
  /* Settled: the next run writes nothing to Mailchimp (no ping-pong over
   * a status one side cannot take). */
  concord_mock_server_reset_log (concord_mock_mailchimp_get_server (f->mailchimp));
  run (f, &second);
  g_assert_cmpuint (mc_writes (f), ==, 0);
  {
    g_autofree char *cy = mc_status (f, "cy@example.com");
    g_autofree char *di = ee_member (f, "di@example.com", "Status");
    g_autofree char *ed = mc_status (f, "ed@example.com");
    g_autofree char *ed_ee = ee_member (f, "ed@example.com", "Status");

    g_assert_cmpstr (cy, ==, "unsubscribed");
    g_assert_cmpstr (di, ==, "Unsubscribed");
    g_assert_cmpstr (ed, ==, "cleaned");
    /* Elastic Email's API writes no bounce: its status is refused there. */
    g_test_message ("Ed in Elastic Email: %s", ed_ee);
  }
  concord_run_summary_clear (&first);
  concord_run_summary_clear (&second);
}

/* One side only, suppressed: created on the other, never subscribed. */
static void
test_create_suppressed (Fixture       *f,
                        gconstpointer  data)
{
  ConcordRunSummary summary = { 0, };

  put_ee (f, "{\"Email\":\"fay@example.com\",\"FirstName\":\"Fay\",\"Status\":\"Unsubscribed\"}");
  put_ee (f, "{\"Email\":\"gus@example.com\",\"FirstName\":\"Gus\",\"Status\":\"Bounced\"}");
  put_ee (f, "{\"Email\":\"hal@example.com\",\"FirstName\":\"Hal\",\"Status\":\"Abuse\"}");
  put_ee (f, "{\"Email\":\"ivy@example.com\",\"FirstName\":\"Ivy\",\"Status\":\"Active\"}");
  put_mc (f, "{\"email_address\": \"jo@example.com\", \"status\": \"unsubscribed\", "
             "\"merge_fields\": {\"FNAME\": \"Jo\"}}");

  run (f, &summary);
  {
    g_autofree char *fay = mc_status (f, "fay@example.com");
    g_autofree char *gus = mc_status (f, "gus@example.com");
    g_autofree char *hal = mc_status (f, "hal@example.com");
    g_autofree char *ivy = mc_status (f, "ivy@example.com");
    g_autofree char *jo = ee_member (f, "jo@example.com", "Status");

    g_assert_cmpstr (fay, ==, "unsubscribed");
    g_assert_cmpstr (gus, ==, "unsubscribed");
    g_assert_cmpstr (hal, ==, "unsubscribed");
    g_assert_cmpstr (ivy, ==, "subscribed");
    g_assert_true (jo == NULL || g_str_equal (jo, "Unsubscribed"));
  }
  concord_run_summary_clear (&summary);
}

/* Later runs ask since_last_changed and write nothing when nothing
 * changed; an unsubscribe in Mailchimp then reaches Elastic Email, and
 * a later edit in Elastic Email does not re-subscribe in Mailchimp. */
static void
test_later_runs (Fixture       *f,
                 gconstpointer  data)
{
  ConcordRunSummary first = { 0, }, quiet = { 0, }, unsubscribed = { 0, }, edited = { 0, };
  ConcordMockServer *server = concord_mock_mailchimp_get_server (f->mailchimp);

  put_ee (f, "{\"Email\":\"kim@example.com\",\"FirstName\":\"Kim\",\"Status\":\"Active\"}");
  put_mc (f, "{\"email_address\": \"lou@example.com\", \"status\": \"subscribed\", "
             "\"merge_fields\": {\"FNAME\": \"Lou\"}}");

  run (f, &first);
  g_assert_cmpuint (first.created[0], ==, 1);
  g_assert_cmpuint (first.created[1], ==, 1);

  concord_mock_server_reset_log (server);
  run (f, &quiet);
  g_assert_cmpuint (mc_writes (f), ==, 0);
  g_assert_cmpuint (quiet.created[0] + quiet.created[1] + quiet.updated[0] + quiet.updated[1], ==, 0);
  {
    g_autoptr(GPtrArray) log = concord_mock_server_get_log (server);
    gboolean since = FALSE;

    for (guint i = 0; i < log->len; i++)
      {
        ConcordMockLogEntry *entry = g_ptr_array_index (log, i);

        since |= entry->query != NULL && strstr (entry->query, "since_last_changed=") != NULL;
      }
    g_assert_true (since);
  }

  g_assert_true (concord_mock_mailchimp_set_status (f->mailchimp, LIST, "kim@example.com",
                                                    "unsubscribed"));
  run (f, &unsubscribed);
  {
    g_autofree char *kim = ee_member (f, "kim@example.com", "Status");

    g_assert_cmpstr (kim, ==, "Unsubscribed");
  }

  put_ee (f, "{\"Email\":\"kim@example.com\",\"FirstName\":\"Kimberly\",\"Status\":\"Unsubscribed\"}");
  concord_mock_server_reset_log (server);
  run (f, &edited);
  {
    g_autofree char *kim = mc_status (f, "kim@example.com");
    g_autofree char *json = concord_mock_mailchimp_get_member_json (f->mailchimp, LIST,
                                                                    "kim@example.com");

    g_assert_cmpstr (kim, ==, "unsubscribed");
    g_assert_nonnull (strstr (json, "\"Kimberly\""));
  }
  concord_run_summary_clear (&first);
  concord_run_summary_clear (&quiet);
  concord_run_summary_clear (&unsubscribed);
  concord_run_summary_clear (&edited);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

  g_test_add ("/concord/sync-mailchimp/first-match", Fixture, NULL, setup, test_first_match,
              teardown);
  g_test_add ("/concord/sync-mailchimp/create-suppressed", Fixture, NULL, setup,
              test_create_suppressed, teardown);
  g_test_add ("/concord/sync-mailchimp/later-runs", Fixture, NULL, setup, test_later_runs,
              teardown);

  return g_test_run ();
}
