/* test-keyring-probe.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * ConcordKeyringProbe on private buses (GTestDBus, one per case, with no
 * service files but the ones a case adds, so nothing real is seen or
 * started): neither a Secret Service nor the portal; a fake owning
 * org.freedesktop.secrets; org.freedesktop.secrets only activatable (its
 * service file is never run); a fake org.freedesktop.portal.Desktop
 * exporting org.freedesktop.portal.Secret's "version" (and one without
 * that interface); inside Flatpak only the portal counts, outside only a
 * Secret Service; a keyring or portal that appears (or leaves) later is
 * noticed without asking; a check can be cancelled.
 */

#include "config.h"

#include <glib/gstdio.h>

#include "concord-keyring-probe.h"
#include "concord-test-utils.h"

#define SECRET_SERVICE_NAME "org.freedesktop.secrets"
#define PORTAL_NAME         "org.freedesktop.portal.Desktop"
#define PORTAL_PATH         "/org/freedesktop/portal/desktop"

typedef struct
{
  GTestDBus       *bus;
  GDBusConnection *client;   /* (owned): the probe's connection */
  GDBusConnection *server;   /* (owned): the fakes' connection */
  char            *service_dir;
} Fixture;

static GDBusConnection *
connect_to (GTestDBus *bus)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection;

  connection = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (bus),
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  gboolean activatable = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;

  f->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  if (activatable)
    {
      g_autofree char *file = NULL;

      /* A service file the bus lists but the test never activates. */
      f->service_dir = g_dir_make_tmp ("concord-probe-services-XXXXXX", &error);
      g_assert_no_error (error);
      file = g_build_filename (f->service_dir, SECRET_SERVICE_NAME ".service", NULL);
      g_file_set_contents (file,
                           "[D-BUS Service]\n"
                           "Name=" SECRET_SERVICE_NAME "\n"
                           "Exec=/bin/false\n", -1, &error);
      g_assert_no_error (error);
      g_test_dbus_add_service_dir (f->bus, f->service_dir);
    }
  g_test_dbus_up (f->bus);
  f->client = connect_to (f->bus);
  f->server = connect_to (f->bus);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_dbus_connection_close_sync (f->client, NULL, NULL);
  g_dbus_connection_close_sync (f->server, NULL, NULL);
  g_clear_object (&f->client);
  g_clear_object (&f->server);
  g_test_dbus_down (f->bus);
  g_clear_object (&f->bus);
  if (f->service_dir != NULL)
    {
      g_autofree char *file = g_build_filename (f->service_dir, SECRET_SERVICE_NAME ".service", NULL);

      g_assert_cmpint (g_unlink (file), ==, 0);
      g_assert_cmpint (g_rmdir (f->service_dir), ==, 0);
      g_free (f->service_dir);
    }
}

/* ------------------------------------------------------------------------- */
/* Fakes                                                                     */
/* ------------------------------------------------------------------------- */

static void
on_name_acquired_cb (GDBusConnection *connection,
                     const char      *name,
                     gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* Owns @name on the fakes' connection; returns the ownership id. */
static guint
own_name (Fixture    *f,
          const char *name)
{
  gboolean acquired = FALSE;
  guint id;

  id = g_bus_own_name_on_connection (f->server, name, G_BUS_NAME_OWNER_FLAGS_NONE,
                                     on_name_acquired_cb, NULL, &acquired, NULL);
  CONCORD_TEST_WAIT_FOR (acquired);
  return id;
}

static const char portal_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.portal.Secret'>"
  "    <method name='RetrieveSecret'>"
  "      <arg type='h' name='fd' direction='in'/>"
  "      <arg type='a{sv}' name='options' direction='in'/>"
  "      <arg type='o' name='handle' direction='out'/>"
  "    </method>"
  "    <property name='version' type='u' access='read'/>"
  "  </interface>"
  "  <interface name='org.freedesktop.portal.Settings'>"
  "    <property name='version' type='u' access='read'/>"
  "  </interface>"
  "</node>";

static guint n_version_reads;

static GVariant *
portal_get_property (GDBusConnection  *connection,
                     const char       *sender,
                     const char       *path,
                     const char       *interface,
                     const char       *property,
                     GError          **error,
                     gpointer          user_data)
{
  n_version_reads++;
  return g_variant_new_uint32 (1);
}

static void
portal_method_call (GDBusConnection       *connection,
                    const char            *sender,
                    const char            *path,
                    const char            *interface,
                    const char            *method,
                    GVariant              *parameters,
                    GDBusMethodInvocation *invocation,
                    gpointer               user_data)
{
  /* The probe never asks the portal for a secret. */
  g_assert_not_reached ();
}

static const GDBusInterfaceVTable portal_vtable = {
  .method_call = portal_method_call,
  .get_property = portal_get_property,
};

/* A fake portal: with the Secret interface, or (@with_secret FALSE) only
 * another one, as a desktop whose portal backend keeps no secrets. */
static guint
export_portal (Fixture  *f,
               gboolean  with_secret)
{
  g_autoptr(GDBusNodeInfo) node = NULL;
  g_autoptr(GError) error = NULL;
  guint id;

  node = g_dbus_node_info_new_for_xml (portal_xml, &error);
  g_assert_no_error (error);
  id = g_dbus_connection_register_object (f->server, PORTAL_PATH,
                                          node->interfaces[with_secret ? 0 : 1],
                                          &portal_vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  return id;
}

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static ConcordKeyringKind
check (ConcordKeyringProbe *probe)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  ConcordKeyringKind kind;

  concord_keyring_probe_check_async (probe, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  kind = concord_keyring_probe_check_finish (probe, result, &error);
  g_assert_no_error (error);
  return kind;
}

static ConcordKeyringProbe *
probe_new (Fixture  *f,
           gboolean  sandboxed)
{
  ConcordKeyringProbe *probe = concord_keyring_probe_new (f->client, sandboxed);

  g_assert_cmpint (concord_keyring_probe_get_sandboxed (probe), ==, sandboxed);
  /* It looks at once, by itself. */
  CONCORD_TEST_WAIT_FOR (concord_keyring_probe_get_kind (probe) != CONCORD_KEYRING_UNKNOWN);
  return probe;
}

static void
on_kind_notify_cb (GObject    *object,
                   GParamSpec *pspec,
                   gpointer    user_data)
{
  (*(guint *) user_data)++;
}

/* ------------------------------------------------------------------------- */
/* Cases                                                                     */
/* ------------------------------------------------------------------------- */

static void
test_neither (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(ConcordKeyringProbe) outside = probe_new (f, FALSE);
  g_autoptr(ConcordKeyringProbe) inside = probe_new (f, TRUE);

  g_assert_cmpint (concord_keyring_probe_get_kind (outside), ==, CONCORD_KEYRING_NONE);
  g_assert_cmpint (concord_keyring_probe_get_kind (inside), ==, CONCORD_KEYRING_NONE);
  g_assert_false (concord_keyring_probe_can_store (outside));
  g_assert_false (concord_keyring_probe_can_store (inside));
  g_assert_cmpint (check (outside), ==, CONCORD_KEYRING_NONE);
  g_assert_cmpint (check (inside), ==, CONCORD_KEYRING_NONE);
}

static void
test_secret_service (Fixture       *f,
                     gconstpointer  data)
{
  guint owner = own_name (f, SECRET_SERVICE_NAME);
  g_autoptr(ConcordKeyringProbe) outside = probe_new (f, FALSE);
  g_autoptr(ConcordKeyringProbe) inside = probe_new (f, TRUE);

  g_assert_cmpint (concord_keyring_probe_get_kind (outside), ==, CONCORD_KEYRING_SECRET_SERVICE);
  g_assert_true (concord_keyring_probe_can_store (outside));
  /* Flatpak does not let Concord talk to it: only the portal counts. */
  g_assert_cmpint (concord_keyring_probe_get_kind (inside), ==, CONCORD_KEYRING_NONE);
  g_bus_unown_name (owner);
}

static void
test_activatable (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ConcordKeyringProbe) probe = probe_new (f, FALSE);
  g_autoptr(GVariant) owned = NULL;
  gboolean running = TRUE;

  g_assert_cmpint (concord_keyring_probe_get_kind (probe), ==, CONCORD_KEYRING_SECRET_SERVICE);

  /* Asking did not start it (its Exec would fail; it is simply not
   * running). */
  owned = g_dbus_connection_call_sync (f->server, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", SECRET_SERVICE_NAME), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  g_assert_nonnull (owned);
  g_variant_get (owned, "(b)", &running);
  g_assert_false (running);
}

static void
test_portal (Fixture       *f,
             gconstpointer  data)
{
  guint object = export_portal (f, TRUE);
  guint owner = own_name (f, PORTAL_NAME);
  g_autoptr(ConcordKeyringProbe) inside = NULL;
  g_autoptr(ConcordKeyringProbe) outside = NULL;

  n_version_reads = 0;
  inside = probe_new (f, TRUE);
  outside = probe_new (f, FALSE);
  g_assert_cmpint (concord_keyring_probe_get_kind (inside), ==, CONCORD_KEYRING_PORTAL);
  g_assert_cmpuint (n_version_reads, >, 0);
  /* Outside Flatpak libsecret uses a Secret Service, never the portal. */
  g_assert_cmpint (concord_keyring_probe_get_kind (outside), ==, CONCORD_KEYRING_NONE);

  g_bus_unown_name (owner);
  g_dbus_connection_unregister_object (f->server, object);
}

static void
test_portal_without_secret (Fixture       *f,
                            gconstpointer  data)
{
  guint object = export_portal (f, FALSE);
  guint owner = own_name (f, PORTAL_NAME);
  g_autoptr(ConcordKeyringProbe) inside = probe_new (f, TRUE);

  g_assert_cmpint (concord_keyring_probe_get_kind (inside), ==, CONCORD_KEYRING_NONE);

  g_bus_unown_name (owner);
  g_dbus_connection_unregister_object (f->server, object);
}

/* Nobody asks again: the watch sees the keyring start and stop. */
static void
test_appears_later (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(ConcordKeyringProbe) probe = probe_new (f, FALSE);
  guint notified = 0;
  guint owner;

  g_assert_cmpint (concord_keyring_probe_get_kind (probe), ==, CONCORD_KEYRING_NONE);
  g_signal_connect (probe, "notify::kind", G_CALLBACK (on_kind_notify_cb), &notified);

  owner = own_name (f, SECRET_SERVICE_NAME);
  CONCORD_TEST_WAIT_FOR (concord_keyring_probe_get_kind (probe) == CONCORD_KEYRING_SECRET_SERVICE);
  g_assert_cmpuint (notified, ==, 1);

  g_bus_unown_name (owner);
  CONCORD_TEST_WAIT_FOR (concord_keyring_probe_get_kind (probe) == CONCORD_KEYRING_NONE);
  g_assert_cmpuint (notified, ==, 2);
}

static void
test_portal_appears_later (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(ConcordKeyringProbe) probe = probe_new (f, TRUE);
  guint object, owner;

  g_assert_cmpint (concord_keyring_probe_get_kind (probe), ==, CONCORD_KEYRING_NONE);

  object = export_portal (f, TRUE);
  owner = own_name (f, PORTAL_NAME);
  CONCORD_TEST_WAIT_FOR (concord_keyring_probe_get_kind (probe) == CONCORD_KEYRING_PORTAL);

  g_bus_unown_name (owner);
  CONCORD_TEST_WAIT_FOR (concord_keyring_probe_get_kind (probe) == CONCORD_KEYRING_NONE);
  g_dbus_connection_unregister_object (f->server, object);
}

static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(ConcordKeyringProbe) probe = probe_new (f, FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  g_cancellable_cancel (cancellable);
  concord_keyring_probe_check_async (probe, cancellable, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_cmpint (concord_keyring_probe_check_finish (probe, result, &error), ==, CONCORD_KEYRING_UNKNOWN);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* What was known stays. */
  g_assert_cmpint (concord_keyring_probe_get_kind (probe), ==, CONCORD_KEYRING_NONE);
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);

  g_test_add ("/concord/keyring-probe/neither", Fixture, GINT_TO_POINTER (FALSE),
              setup, test_neither, teardown);
  g_test_add ("/concord/keyring-probe/secret-service", Fixture, GINT_TO_POINTER (FALSE),
              setup, test_secret_service, teardown);
  g_test_add ("/concord/keyring-probe/activatable", Fixture, GINT_TO_POINTER (TRUE),
              setup, test_activatable, teardown);
  g_test_add ("/concord/keyring-probe/portal", Fixture, GINT_TO_POINTER (FALSE),
              setup, test_portal, teardown);
  g_test_add ("/concord/keyring-probe/portal-without-secret", Fixture, GINT_TO_POINTER (FALSE),
              setup, test_portal_without_secret, teardown);
  g_test_add ("/concord/keyring-probe/appears-later", Fixture, GINT_TO_POINTER (FALSE),
              setup, test_appears_later, teardown);
  g_test_add ("/concord/keyring-probe/portal-appears-later", Fixture, GINT_TO_POINTER (FALSE),
              setup, test_portal_appears_later, teardown);
  g_test_add ("/concord/keyring-probe/cancelled", Fixture, GINT_TO_POINTER (FALSE),
              setup, test_cancelled, teardown);

  return g_test_run ();
}
