/* test-sync-gnome-contacts.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * GNOME Contacts ↔ Elastic Email through the whole engine, as the app runs
 * it: accounts made from the app registry, a connection switched on (its
 * first run merges both sides), then an edit made through libebook, as
 * GNOME Contacts makes it, with nobody pressing anything. The address
 * book's client view tells the connector, the connector the engine, and
 * the edit must reach the Elastic Email mock within 10 s (issue 17's
 * "Done when"; the figure is printed). A second edit while the engine is
 * idle crosses too, and the run's own writes start no further runs.
 *
 * The engine's clock is not scaled: the figure is the one a user sees.
 *
 * Paths: /concord/sync-gnome-contacts/<case>.
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "concord-app-registry.h"
#include "concord-connector-gnome-contacts.h"
#include "concord-engine.h"
#include "concord-mock-elasticemail.h"
#include "concord-test-address-book.h"
#include "concord-test-connector.h"
#include "concord-test-utils.h"

#define EE_KEY "sync-gc-ee-key-5c"

typedef struct
{
  ConcordTestAddressBook  *book;
  ConcordMockElasticEmail *ee;
  ConcordEngine           *engine;
  char                    *dir;
  gint64                   id;
  guint                    finished;
  guint                    failed;
} Fixture;

static void
on_run_finished (ConcordEngine          *engine,
                 ConcordConnectionState *state,
                 gboolean                ok,
                 Fixture                *f)
{
  f->finished++;
  f->failed += !ok;
}

static gboolean
finished_at_least (gpointer data)
{
  Fixture *f = ((gpointer *) data)[0];

  return f->finished >= GPOINTER_TO_UINT (((gpointer *) data)[1]);
}

static void
wait_runs (Fixture *f,
           guint    n)
{
  gpointer data[2] = { f, GUINT_TO_POINTER (n) };

  g_assert_true (concord_test_wait_until (finished_at_least, data, 60));
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

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(ConcordSecretStore) secrets = concord_secret_store_new_in_memory ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  g_autofree char *options = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *ada = NULL;
  ConcordConnectionRow row = { 0 };
  GAsyncResult *slot = NULL;

  f->dir = g_dir_make_tmp ("concord-sync-gc-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (f->dir, "state.sqlite", NULL);

  f->book = concord_test_address_book_new ("sync");
  ada = concord_test_address_book_add (f->book,
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lovelace;Ada;;;\r\nFN:Ada Lovelace\r\n"
    "EMAIL;TYPE=WORK:ada@example.com\r\nX-CUSTOM:keep me\r\nEND:VCARD");

  f->ee = concord_mock_elasticemail_new (EE_KEY, 0, &error);
  g_assert_no_error (error);
  g_assert_true (concord_mock_elasticemail_put_contact_json (
    f->ee, "{\"Email\":\"ann@example.com\",\"FirstName\":\"Ann\",\"LastName\":\"Lee\","
           "\"Status\":\"Active\"}", &error));
  g_assert_no_error (error);

  f->engine = concord_engine_new (db, secrets, concord_app_registry_create_connector);
  g_signal_connect (f->engine, "run-finished", G_CALLBACK (on_run_finished), f);
  concord_engine_open_async (f->engine, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_open_finish (f->engine, result, &error));
  g_clear_object (&result);

  /* A day between scheduled runs: only the change can start one. */
  concord_engine_set_interval (f->engine, 24 * 3600);
  concord_engine_start_schedule (f->engine);

  options = g_strdup_printf ("{\"base_url\": \"%s\"}",
                             concord_mock_elasticemail_get_base_url (f->ee));
  a = concord_test_add_account (f->engine, "elasticemail", "Newsletter", options, EE_KEY);
  b = concord_test_add_account (f->engine, CONCORD_GNOME_CONTACTS_APP_ID, "Contacts",
                                "{\"region\": \"GB\"}", "");

  row.name = (char *) "Newsletter ↔ Contacts";
  row.account_a = a;
  row.type_a = (char *) "contacts";
  row.account_b = b;
  row.type_b = f->book->uid;
  row.direction = CONCORD_DIRECTION_BOTH;
  row.prefer = CONCORD_PREFER_NEWEST;
  row.enabled = FALSE;
  slot = NULL;
  concord_engine_add_connection_async (f->engine, &row, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  f->id = concord_engine_add_connection_finish (f->engine, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  /* Switched on, it runs once: each side gets the other's contact. */
  slot = NULL;
  concord_engine_set_enabled_async (f->engine, f->id, TRUE, NULL, concord_test_store_result_cb,
                                    &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_set_enabled_finish (f->engine, result, &error));
  wait_runs (f, 1);
  g_assert_cmpuint (f->failed, ==, 0);

  {
    g_autofree char *first = ee_member (f, "ada@example.com", "FirstName");
    g_autofree char *ann = concord_test_address_book_find (f->book, "ann@example.com");

    g_assert_cmpstr (first, ==, "Ada");
    g_assert_nonnull (ann);
  }
}

static gboolean
engine_gone (gpointer data)
{
  return ((Fixture *) data)->engine == NULL;
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_object_add_weak_pointer (G_OBJECT (f->engine), (gpointer *) &f->engine);
  g_object_unref (f->engine);
  g_assert_true (concord_test_wait_until (engine_gone, f, 60));
  g_clear_object (&f->ee);
  concord_test_address_book_free (f->book);
  concord_test_remove_dir (f->dir);
  g_free (f->dir);
}

typedef struct
{
  Fixture    *f;
  const char *email;
  const char *first;
} Arrival;

static gboolean
arrived (gpointer data)
{
  Arrival *arrival = data;
  g_autofree char *first = ee_member (arrival->f, arrival->email, "FirstName");

  return g_strcmp0 (first, arrival->first) == 0;
}

/* Edits @email's given name through libebook; returns the seconds until
 * Elastic Email has it. */
static double
edit_and_time (Fixture    *f,
               const char *email,
               const char *first)
{
  g_autofree char *uid = concord_test_address_book_find (f->book, email);
  Arrival arrival = { f, email, first };
  EContact *contact;
  gint64 start;

  g_assert_nonnull (uid);
  contact = concord_test_address_book_get (f->book, uid);
  e_contact_set (contact, E_CONTACT_GIVEN_NAME, first);
  start = g_get_monotonic_time ();
  concord_test_address_book_modify (f->book, contact);
  g_object_unref (contact);

  g_assert_true (concord_test_wait_until (arrived, &arrival, 30));
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

/* The "Done when": an edit in GNOME Contacts reaches Elastic Email
 * within 10 s, unasked; so does a second one; the unmapped property of the
 * card is still there after Concord wrote to it. */
static void
test_edit_reaches_elastic_email (Fixture       *f,
                                 gconstpointer  data)
{
  double first, second;
  guint runs;

  first = edit_and_time (f, "ada@example.com", "Augusta");
  g_test_message ("GNOME Contacts edit → Elastic Email: %.2f s", first);
  g_printerr ("GNOME Contacts edit reached Elastic Email in %.2f s (limit 10 s)\n", first);
  g_assert_cmpfloat (first, <, 10.0);

  wait_runs (f, 2);
  second = edit_and_time (f, "ann@example.com", "Annie");
  g_printerr ("A second edit reached Elastic Email in %.2f s\n", second);
  g_assert_cmpfloat (second, <, 10.0);
  g_assert_cmpuint (f->failed, ==, 0);

  /* The runs' own writes to the address book start no run of their own. */
  wait_runs (f, 3);
  runs = f->finished;
  {
    gint64 end = g_get_monotonic_time () + 6 * G_USEC_PER_SEC;

    while (g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, FALSE), g_usleep (20000);
  }
  g_assert_cmpuint (f->finished, ==, runs);

  {
    g_autofree char *uid = concord_test_address_book_find (f->book, "ada@example.com");
    EContact *contact = concord_test_address_book_get (f->book, uid);
    g_autofree char *text = e_vcard_to_string (E_VCARD (contact), EVC_FORMAT_VCARD_30);

    g_assert_nonnull (strstr (text, "X-CUSTOM:keep me"));
    g_object_unref (contact);
  }
}

int
main (int   argc,
      char *argv[])
{
  /* Not concord_test_init(): libedataserver reads its GSettings schemas
   * from the system's data directories, which isolated directories hide. */
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  if (!concord_test_address_book_check_session ())
    return 1;

  g_test_add ("/concord/sync-gnome-contacts/edit-reaches-elastic-email", Fixture, NULL, setup,
              test_edit_reaches_elastic_email, teardown);

  return g_test_run ();
}
