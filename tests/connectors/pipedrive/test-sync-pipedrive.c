/* test-sync-pipedrive.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Whole sync runs between Elastic Email (side A) and Pipedrive (side B),
 * two mock servers, through the real connectors, store and engine: two
 * persons with one email go to the engine's ambiguity path instead of a
 * silent pick; later runs list only what changed (updated_since) and
 * still carry an edit across, with no write when nothing changed; an
 * unsubscribe in Elastic Email reaches Pipedrive's marketing status.
 *
 * Paths: /concord/sync-pipedrive/<case>.
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "concord-connector-elasticemail.h"
#include "concord-connector-pipedrive.h"
#include "concord-fields.h"
#include "concord-mock-elasticemail.h"
#include "concord-mock-pipedrive.h"
#include "concord-store.h"
#include "concord-sync-run.h"
#include "concord-test-sync.h"
#include "concord-test-utils.h"

#define EE_KEY   "sync-pd-ee-key-2a"
#define PD_TOKEN "sync-pd-token-7b"

typedef struct
{
  ConcordMockElasticEmail *ee;
  ConcordMockPipedrive    *pipedrive;
  ConcordTestSync         *sync;
} Fixture;

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnectorElasticEmail) a = NULL;
  g_autoptr(ConcordConnectorPipedrive) b = NULL;

  f->ee = concord_mock_elasticemail_new (EE_KEY, 0, &error);
  g_assert_no_error (error);
  f->pipedrive = concord_mock_pipedrive_new (PD_TOKEN, 0, &error);
  g_assert_no_error (error);
  a = concord_connector_elasticemail_new (concord_mock_elasticemail_get_base_url (f->ee), EE_KEY);
  concord_connector_elasticemail_set_retry_base_ms (a, 1);
  b = concord_connector_pipedrive_new (concord_mock_pipedrive_get_base_url (f->pipedrive), PD_TOKEN);
  concord_connector_pipedrive_set_retry_base_ms (b, 1);

  f->sync = concord_test_sync_new (CONCORD_CONNECTOR (a), "elasticemail", "contacts",
                                   CONCORD_CONNECTOR (b), "pipedrive", CONCORD_PIPEDRIVE_PERSONS);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_clear_pointer (&f->sync, concord_test_sync_free);
  g_clear_object (&f->ee);
  g_clear_object (&f->pipedrive);
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

static guint
put_pd (Fixture    *f,
        const char *json)
{
  g_autoptr(GError) error = NULL;
  guint id = concord_mock_pipedrive_put_person_json (f->pipedrive, json, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (id, >, 0);
  return id;
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
pd_member (Fixture    *f,
           guint       id,
           const char *name)
{
  g_autofree char *json = concord_mock_pipedrive_get_person_json (f->pipedrive, id);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  g_assert_nonnull (json);
  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  return json_object_has_member (object, name) && !json_object_get_null_member (object, name)
         ? g_strdup (json_object_get_string_member (object, name)) : NULL;
}

static guint
pd_writes (Fixture *f)
{
  g_autoptr(GPtrArray) log = concord_mock_server_get_log (concord_mock_pipedrive_get_server (f->pipedrive));
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    n += !g_str_equal (((ConcordMockLogEntry *) g_ptr_array_index (log, i))->method, "GET");
  return n;
}

/* Two Pipedrive persons with one email: ambiguous, taken to review; the
 * Elastic Email contact of that email is neither merged into one of them
 * nor copied as a third. */
static void
test_duplicate_email (Fixture       *f,
                      gconstpointer  data)
{
  ConcordRunSummary summary = { 0, };

  put_ee (f, "{\"Email\":\"twin@example.com\",\"FirstName\":\"Ee\",\"Status\":\"Active\"}");
  put_ee (f, "{\"Email\":\"solo@example.com\",\"FirstName\":\"Solo\",\"Status\":\"Active\"}");
  put_pd (f, "{\"name\": \"Twin One\", \"emails\": [{\"value\": \"twin@example.com\", \"primary\": true}]}");
  put_pd (f, "{\"name\": \"Twin Two\", \"emails\": [{\"value\": \"TWIN@example.com\", \"primary\": true}]}");

  run (f, &summary);
  g_assert_cmpuint (summary.ambiguous, >=, 1);
  /* Solo was created in Pipedrive; no third twin. */
  g_assert_cmpuint (concord_mock_pipedrive_get_n_persons (f->pipedrive), ==, 3);
  {
    g_autofree char *first = ee_member (f, "twin@example.com", "FirstName");

    g_assert_cmpstr (first, ==, "Ee");
  }
  concord_run_summary_clear (&summary);
}

/* The first run is full; later ones ask for updated_since and write
 * nothing when nothing changed; an edit in Pipedrive still crosses. */
static void
test_incremental_runs (Fixture       *f,
                       gconstpointer  data)
{
  ConcordRunSummary first = { 0, }, quiet = { 0, }, edited = { 0, };
  ConcordMockServer *server = concord_mock_pipedrive_get_server (f->pipedrive);
  g_autoptr(GError) error = NULL;
  guint id;

  put_ee (f, "{\"Email\":\"ann@example.com\",\"FirstName\":\"Ann\",\"LastName\":\"Lee\",\"Status\":\"Active\"}");
  id = put_pd (f, "{\"name\": \"Bo Berg\", \"emails\": [{\"value\": \"bo@example.com\", \"primary\": true}]}");

  run (f, &first);
  g_assert_cmpuint (first.created[0], ==, 1);
  g_assert_cmpuint (first.created[1], ==, 1);

  concord_mock_server_reset_log (server);
  run (f, &quiet);
  g_assert_cmpuint (pd_writes (f), ==, 0);
  g_assert_cmpuint (quiet.created[0] + quiet.created[1] + quiet.updated[0] + quiet.updated[1], ==, 0);
  {
    g_autoptr(GPtrArray) log = concord_mock_server_get_log (server);
    gboolean since = FALSE;

    for (guint i = 0; i < log->len; i++)
      {
        ConcordMockLogEntry *entry = g_ptr_array_index (log, i);

        if (g_str_equal (entry->path, "/api/v2/persons") && entry->query != NULL &&
            strstr (entry->query, "updated_since=") != NULL)
          since = TRUE;
      }
    g_assert_true (since);
  }

  /* An edit in Pipedrive, through its API as its own UI would. */
  {
    g_autoptr(ConcordRecord) set = concord_record_new (NULL);
    g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_change_free);
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GPtrArray) results = NULL;
    g_autofree char *remote_id = g_strdup_printf ("%u", id);
    GAsyncResult *slot = NULL;

    concord_record_set_text (set, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING, "Bergman");
    g_ptr_array_add (changes, concord_record_change_new (remote_id, set, NULL));
    concord_connector_update_async (f->sync->b, CONCORD_PIPEDRIVE_PERSONS, changes, NULL,
                                    concord_test_store_result_cb, &slot);
    result = concord_test_wait_for_result (&slot);
    results = concord_connector_update_finish (f->sync->b, result, &error);
    g_assert_no_error (error);
    g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, 0))->error);
  }
  run (f, &edited);
  {
    g_autofree char *last = ee_member (f, "bo@example.com", "LastName");

    g_assert_cmpstr (last, ==, "Bergman");
  }
  concord_run_summary_clear (&first);
  concord_run_summary_clear (&quiet);
  concord_run_summary_clear (&edited);
}

/* An unsubscribe in Elastic Email reaches Pipedrive as marketing_status
 * unsubscribed, and is never undone. */
static void
test_unsubscribe_crosses (Fixture       *f,
                          gconstpointer  data)
{
  ConcordRunSummary first = { 0, }, second = { 0, };
  guint id;

  put_ee (f, "{\"Email\":\"cy@example.com\",\"FirstName\":\"Cy\",\"Status\":\"Unsubscribed\"}");
  id = put_pd (f, "{\"name\": \"Cy Dahl\", \"marketing_status\": \"subscribed\", \"emails\": "
                  "[{\"value\": \"cy@example.com\", \"primary\": true}]}");

  run (f, &first);
  run (f, &second);
  {
    g_autofree char *status = pd_member (f, id, "marketing_status");
    g_autofree char *ee_status = ee_member (f, "cy@example.com", "Status");

    g_assert_cmpstr (status, ==, "unsubscribed");
    g_assert_cmpstr (ee_status, ==, "Unsubscribed");
  }
  concord_run_summary_clear (&first);
  concord_run_summary_clear (&second);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

  g_test_add ("/concord/sync-pipedrive/duplicate-email", Fixture, NULL, setup,
              test_duplicate_email, teardown);
  g_test_add ("/concord/sync-pipedrive/incremental-runs", Fixture, NULL, setup,
              test_incremental_runs, teardown);
  g_test_add ("/concord/sync-pipedrive/unsubscribe-crosses", Fixture, NULL, setup,
              test_unsubscribe_crosses, teardown);

  return g_test_run ();
}
