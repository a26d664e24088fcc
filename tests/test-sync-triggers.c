/* test-sync-triggers.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What makes a connection run without anyone asking, besides its
 * schedule: the network coming back (a GNetworkMonitor's
 * "network-changed"), the computer waking up (logind's PrepareForSleep
 * (false), here on a private bus where the test owns logind's name), and
 * a change in an app that reports its changes (the Sample CRM's file,
 * edited by hand). Two Sample CRM files are the apps; the schedules are
 * started with a day between runs, so only the trigger under test can
 * start a run.
 */

#include "config.h"

#include <string.h>

#include "concord-app-registry.h"
#include "concord-connector-sample.h"
#include "concord-engine.h"
#include "concord-error.h"
#include "concord-test-utils.h"

/* ------------------------------------------------------------------------- */
/* A network monitor the test switches                                       */
/* ------------------------------------------------------------------------- */

#define TEST_TYPE_NETWORK (test_network_get_type ())
G_DECLARE_FINAL_TYPE (TestNetwork, test_network, TEST, NETWORK, GObject)

struct _TestNetwork
{
  GObject  parent_instance;
  gboolean available;
};

enum {
  NET_PROP_0,
  NET_PROP_AVAILABLE,
  NET_PROP_METERED,
  NET_PROP_CONNECTIVITY,
};

static void test_network_iface_init  (GNetworkMonitorInterface *iface);
static void test_initable_iface_init (GInitableIface           *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestNetwork, test_network, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, test_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR, test_network_iface_init))

static gboolean
test_network_initable_init (GInitable     *initable,
                            GCancellable  *cancellable,
                            GError       **error)
{
  return TRUE;
}

static void
test_initable_iface_init (GInitableIface *iface)
{
  iface->init = test_network_initable_init;
}

static void
test_network_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TestNetwork *self = TEST_NETWORK (object);

  switch (prop_id)
    {
    case NET_PROP_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;
    case NET_PROP_METERED:
      g_value_set_boolean (value, FALSE);
      break;
    case NET_PROP_CONNECTIVITY:
      g_value_set_enum (value, self->available ? G_NETWORK_CONNECTIVITY_FULL : G_NETWORK_CONNECTIVITY_LOCAL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_network_class_init (TestNetworkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_network_get_property;
  g_object_class_override_property (object_class, NET_PROP_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, NET_PROP_METERED, "network-metered");
  g_object_class_override_property (object_class, NET_PROP_CONNECTIVITY, "connectivity");
}

static void
test_network_iface_init (GNetworkMonitorInterface *iface)
{
}

static void
test_network_init (TestNetwork *self)
{
}

static void
test_network_set_available (TestNetwork *self,
                            gboolean     available)
{
  self->available = available;
  g_object_notify (G_OBJECT (self), "network-available");
  g_signal_emit_by_name (self, "network-changed", available);
}

/* ------------------------------------------------------------------------- */
/* Fixture                                                                   */
/* ------------------------------------------------------------------------- */

typedef struct
{
  ConcordEngine *engine;
  char          *path_a;
  char          *path_b;
  gint64         id;
  guint          finished;
} Fixture;

static void
on_run_finished (ConcordEngine          *engine,
                 ConcordConnectionState *state,
                 gboolean                ok,
                 Fixture                *f)
{
  g_assert_true (ok);
  f->finished++;
}

/* A Sample CRM file with one person in it. */
static void
write_sample (const char *path,
              const char *email,
              const char *name,
              const char *modified)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (email == NULL)
    text = g_strdup ("{\"format\": \"concord-sample-crm\", \"next_id\": 1, \"last_version\": 0, "
                     "\"people\": [], \"leads\": []}");
  else
    text = g_strdup_printf ("{\"format\": \"concord-sample-crm\", \"next_id\": 2, \"last_version\": 5, "
                            "\"people\": [{\"id\": \"person-1\", \"version\": 5, "
                            "\"created\": \"2024-01-01T00:00:00Z\", \"modified\": \"%s\", "
                            "\"fields\": {\"email\": \"%s\", \"first_name\": \"%s\"}}], "
                            "\"leads\": []}", modified, email, name);
  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
}

static char *
add_account (Fixture    *f,
             const char *name,
             const char *path)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *options = g_strdup_printf ("{\"path\": \"%s\"}", path);
  GAsyncResult *slot = NULL;
  char *id;

  concord_engine_add_account_async (f->engine, CONCORD_SAMPLE_CRM_APP_ID, name, options,
                                    CONCORD_SAMPLE_CRM_KEY, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  id = concord_engine_add_account_finish (f->engine, result, &error);
  g_assert_no_error (error);
  return id;
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

static gboolean
file_contains (const char *path,
               const char *text)
{
  g_autofree char *contents = NULL;

  return g_file_get_contents (path, &contents, NULL, NULL) && strstr (contents, text) != NULL;
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autofree char *db = g_build_filename (g_get_user_data_dir (), "state.sqlite", NULL);
  g_autoptr(ConcordSecretStore) secrets = concord_secret_store_new_in_memory ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  ConcordConnectionRow row = { 0 };
  GAsyncResult *slot = NULL;

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  f->path_a = g_build_filename (g_get_user_data_dir (), "shop.json", NULL);
  f->path_b = g_build_filename (g_get_user_data_dir (), "newsletter.json", NULL);
  write_sample (f->path_a, "ann@example.com", "Ann", "2024-01-01T00:00:00Z");
  write_sample (f->path_b, NULL, NULL, NULL);

  f->engine = concord_engine_new (db, secrets, concord_app_registry_create_connector);
  g_signal_connect (f->engine, "run-finished", G_CALLBACK (on_run_finished), f);
  concord_engine_open_async (f->engine, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_open_finish (f->engine, result, &error));
  g_clear_object (&result);

  /* A day between scheduled runs (a tenth of it with the clock ten times
   * faster, so a reported change settles in 0.3 s): only the triggers
   * start runs here. */
  concord_engine_set_interval (f->engine, 24 * 3600);
  concord_engine_set_clock_scale (f->engine, 10);
  concord_engine_start_schedule (f->engine);

  a = add_account (f, "Shop", f->path_a);
  b = add_account (f, "Newsletter", f->path_b);
  row.name = (char *) "Shop ↔ Newsletter";
  row.account_a = a;
  row.type_a = (char *) CONCORD_SAMPLE_CRM_PEOPLE;
  row.account_b = b;
  row.type_b = (char *) CONCORD_SAMPLE_CRM_PEOPLE;
  row.direction = CONCORD_DIRECTION_BOTH;
  row.prefer = CONCORD_PREFER_NEWEST;
  row.enabled = FALSE;
  slot = NULL;
  concord_engine_add_connection_async (f->engine, &row, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  f->id = concord_engine_add_connection_finish (f->engine, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  /* Switched on, it runs once: Ann crosses. */
  slot = NULL;
  concord_engine_set_enabled_async (f->engine, f->id, TRUE, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_set_enabled_finish (f->engine, result, &error));
  wait_runs (f, 1);
  g_assert_true (file_contains (f->path_b, "ann@example.com"));
  g_assert_cmpint (concord_connection_state_get_next_sync (concord_engine_lookup (f->engine, f->id)), >, 0);
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
  g_free (f->path_a);
  g_free (f->path_b);
}

/* ------------------------------------------------------------------------- */
/* Tests                                                                     */
/* ------------------------------------------------------------------------- */

/* The network comes back: every connection that is on runs. */
static void
test_network_back (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(TestNetwork) network = g_object_new (TEST_TYPE_NETWORK, NULL);

  concord_engine_watch_network (f->engine, G_NETWORK_MONITOR (network));
  test_network_set_available (network, FALSE);
  g_assert_cmpuint (f->finished, ==, 1);

  test_network_set_available (network, TRUE);
  wait_runs (f, 2);

  concord_engine_watch_network (f->engine, NULL);
}

/* logind says the computer woke up: every connection that is on runs. */
static void
test_resume (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autoptr(GDBusConnection) watcher = NULL;
  g_autoptr(GDBusConnection) logind = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 owned = 0;

  g_test_dbus_up (bus);
  watcher = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (bus),
                                                    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                    G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                    NULL, NULL, &error);
  g_assert_no_error (error);
  logind = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (bus),
                                                   G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                   NULL, NULL, &error);
  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (logind, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.login1", 0),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &owned);
  g_assert_cmpuint (owned, ==, 1);  /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER */

  concord_engine_watch_sleep (f->engine, watcher);
  /* Round trips, so the subscription is in place before the signals. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = g_dbus_connection_call_sync (watcher, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetId", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);

  /* Going to sleep, then awake. */
  g_assert_true (g_dbus_connection_emit_signal (logind, NULL, "/org/freedesktop/login1",
                                                "org.freedesktop.login1.Manager", "PrepareForSleep",
                                                g_variant_new ("(b)", TRUE), &error));
  g_assert_true (g_dbus_connection_emit_signal (logind, NULL, "/org/freedesktop/login1",
                                                "org.freedesktop.login1.Manager", "PrepareForSleep",
                                                g_variant_new ("(b)", FALSE), &error));
  g_assert_no_error (error);
  g_assert_true (g_dbus_connection_flush_sync (logind, NULL, &error));
  wait_runs (f, 2);
  /* Only the wake-up ran it: the first signal would have run it before. */
  g_assert_cmpuint (f->finished, ==, 2);

  concord_engine_watch_sleep (f->engine, NULL);
  g_dbus_connection_close_sync (watcher, NULL, NULL);
  g_dbus_connection_close_sync (logind, NULL, NULL);
  g_test_dbus_down (bus);
}

/* Someone edits the Sample CRM's file: the change crosses by itself, and
 * the run's own writes to the files start no other run. */
static void
test_local_change (Fixture       *f,
                   gconstpointer  data)
{
  ConcordConnectionState *state = concord_engine_lookup (f->engine, f->id);

  g_assert_false (file_contains (f->path_b, "Annie"));
  write_sample (f->path_a, "ann@example.com", "Annie", "2024-06-01T00:00:00Z");

  wait_runs (f, 2);
  g_assert_true (file_contains (f->path_b, "Annie"));
  g_assert_cmpint (concord_connection_state_get_status (state), ==, CONCORD_CONNECTION_IDLE);

  /* A second edit, while nothing runs, crosses too. */
  write_sample (f->path_a, "ann@example.com", "Anna", "2024-07-01T00:00:00Z");
  wait_runs (f, 3);
  g_assert_true (file_contains (f->path_b, "Anna"));
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);

  g_test_add ("/concord/sync-triggers/network-back", Fixture, NULL, setup, test_network_back, teardown);
  g_test_add ("/concord/sync-triggers/resume", Fixture, NULL, setup, test_resume, teardown);
  g_test_add ("/concord/sync-triggers/local-change", Fixture, NULL, setup, test_local_change, teardown);

  return g_test_run ();
}
