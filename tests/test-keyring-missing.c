/* test-keyring-missing.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Add Connection on a computer with no keyring, then with one: a private
 * session bus (GTestDBus, with no service files, so no keyring or portal
 * can be started), a real engine and secret store (libsecret), an
 * in-process Elastic Email mock, and the dialog driven as a user would.
 *
 * The account step says at once that keys cannot be saved and what to do;
 * Check then fails with that message, the dialog stays, the typed key is
 * still in its field, no account was made (no row without its key), and
 * the key is in no log line, error or label. Then a real gnome-keyring
 * starts on that bus (a throw-away home, unlocked with a fixed password):
 * the message goes by itself, and Check again keeps the key in the
 * keyring. Preferences' Replace Key says the same before the key is typed
 * and after the save failed, and keeps the dialog and the key.
 *
 * An app without a key gets the message too (its account needs the
 * keyring as well). A keyring that stays locked (a fake Secret Service
 * whose collection is locked and whose unlock prompt the user dismisses)
 * is said as such, not in D-Bus words, and is not mistaken for a
 * cancelled check. As if inside Flatpak, the message names the Secret
 * portal, and goes when a fake portal appears. A keyring that restarts
 * between two saves is used again (libsecret's stale session dropped).
 *
 * With CONCORD_SCREENSHOT_DIR set, the account step with the message is
 * saved as add-connection-no-keyring.png, and after the failed Check as
 * add-connection-no-keyring-failed.png.
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "concord-add-connection-dialog.h"
#include "concord-add-connection-side.h"
#include "concord-app-registry.h"
#include "concord-error.h"
#include "concord-connector-gnome-contacts.h"
#include "concord-keyring-probe.h"
#include "concord-mock-elasticemail.h"
#include "concord-preferences-window.h"
#include "concord-secret-store.h"
#include "concord-store.h"
#include "concord-test-ui.h"
#include "concord-test-utils.h"

#define KEY  "key-shop-7f3e21-no-keyring"
#define NAME "Shop"

static GTestDBus *test_bus;   /* the session bus of the whole program */
static GString   *log_text;   /* everything logged */

typedef struct
{
  char                    *dir;
  char                    *db_path;
  ConcordMockElasticEmail *mock;
  ConcordSecretStore      *secrets;
  ConcordEngine           *engine;
  GtkWidget               *parent;
  GtkWidget               *dialog;   /* (nullable): weak */
  GSubprocess             *keyring;  /* (nullable) */
  char                    *keyring_home;
} Fixture;

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

/* Every log line is kept (to look for the key in), then written as usual. */
static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0)
      g_string_append_printf (log_text, "%s\n", (const char *) fields[i].value);

  return g_log_writer_default (level, fields, n_fields, user_data);
}

/* Whether @text shows up in any label under @root. */
static gboolean
in_any_label (GtkWidget  *root,
              const char *text)
{
  if (GTK_IS_LABEL (root) && strstr (gtk_label_get_label (GTK_LABEL (root)), text) != NULL)
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (in_any_label (child, text))
      return TRUE;
  return FALSE;
}

static const char *
label_of (GtkWidget  *root,
          const char *name)
{
  return gtk_label_get_label (GTK_LABEL (concord_test_named (root, name)));
}

static gboolean
label_shows (GtkWidget  *root,
             const char *name,
             const char *text)
{
  GtkWidget *label = concord_test_named (root, name);

  return gtk_widget_is_visible (label) && strstr (gtk_label_get_label (GTK_LABEL (label)), text) != NULL;
}

static guint
n_accounts (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordStore) store = concord_store_new (f->db_path, &error);
  g_autoptr(GPtrArray) accounts = NULL;

  g_assert_no_error (error);
  accounts = concord_store_list_accounts (store, &error);
  g_assert_no_error (error);
  return accounts->len;
}

static char *
first_account_id (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordStore) store = concord_store_new (f->db_path, &error);
  g_autoptr(GPtrArray) accounts = NULL;

  g_assert_no_error (error);
  accounts = concord_store_list_accounts (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 1);
  return g_strdup (((ConcordAccountRow *) g_ptr_array_index (accounts, 0))->id);
}

/* Removes @path and everything under it (the keyring's throw-away home). */
static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static gboolean
name_owned (const char *name)
{
  return concord_test_session_has_name (name);
}

/* A real gnome-keyring on the test bus, in a home of its own (never the
 * user's), unlocked with a fixed password so that it never prompts. */
static gboolean
start_keyring (Fixture *f)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GOutputStream) input = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *program = g_find_program_in_path ("gnome-keyring-daemon");
  g_autofree char *data = NULL;
  g_autofree char *runtime = NULL;
  const char *password = "concord-test-keyring";

  if (program == NULL)
    return FALSE;

  f->keyring_home = g_dir_make_tmp ("concord-keyring-home-XXXXXX", &error);
  g_assert_no_error (error);
  data = g_build_filename (f->keyring_home, "data", NULL);
  runtime = g_build_filename (f->keyring_home, "run", NULL);
  g_assert_cmpint (g_mkdir_with_parents (data, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (runtime, 0700), ==, 0);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_setenv (launcher, "HOME", f->keyring_home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", data, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", data, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", runtime, TRUE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS",
                                g_test_dbus_get_bus_address (test_bus), TRUE);
  f->keyring = g_subprocess_launcher_spawn (launcher, &error, program, "--foreground", "--unlock",
                                            "--components=secrets", NULL);
  g_assert_no_error (error);
  input = g_object_ref (g_subprocess_get_stdin_pipe (f->keyring));
  g_assert_true (g_output_stream_write_all (input, password, strlen (password), NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (input, NULL, &error));
  g_assert_no_error (error);
  return TRUE;
}

static void
stop_keyring (Fixture *f)
{
  if (f->keyring == NULL)
    return;

  g_subprocess_force_exit (f->keyring);
  g_subprocess_wait (f->keyring, NULL, NULL);
  g_clear_object (&f->keyring);
  CONCORD_TEST_WAIT_FOR (!name_owned ("org.freedesktop.secrets"));
  remove_tree (f->keyring_home);
  g_clear_pointer (&f->keyring_home, g_free);
}

/* ------------------------------------------------------------------------- */
/* A locked keyring                                                          */
/* ------------------------------------------------------------------------- */

/* The part of the Secret Service API libsecret uses to store a password,
 * with the default collection locked and the unlock prompt dismissed, as
 * when the user presses Cancel in the keyring's password dialog. */
static const char locked_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Secret.Service'>"
  "    <method name='OpenSession'>"
  "      <arg type='s' direction='in'/><arg type='v' direction='in'/>"
  "      <arg type='v' direction='out'/><arg type='o' direction='out'/>"
  "    </method>"
  "    <method name='Unlock'>"
  "      <arg type='ao' direction='in'/>"
  "      <arg type='ao' direction='out'/><arg type='o' direction='out'/>"
  "    </method>"
  "    <method name='ReadAlias'>"
  "      <arg type='s' direction='in'/><arg type='o' direction='out'/>"
  "    </method>"
  "    <property name='Collections' type='ao' access='read'/>"
  "  </interface>"
  "  <interface name='org.freedesktop.Secret.Collection'>"
  "    <method name='CreateItem'>"
  "      <arg type='a{sv}' direction='in'/><arg type='(oayays)' direction='in'/>"
  "      <arg type='b' direction='in'/>"
  "      <arg type='o' direction='out'/><arg type='o' direction='out'/>"
  "    </method>"
  "  </interface>"
  "  <interface name='org.freedesktop.Secret.Prompt'>"
  "    <method name='Prompt'><arg type='s' direction='in'/></method>"
  "    <method name='Dismiss'/>"
  "    <signal name='Completed'><arg type='b'/><arg type='v'/></signal>"
  "  </interface>"
  "</node>";

#define LOCKED_PROMPT "/org/freedesktop/secrets/prompt/p1"

typedef struct
{
  GDBusConnection *connection;  /* (owned) */
  GDBusNodeInfo   *node;        /* (owned) */
  guint            objects[4];
  guint            owner;
  guint            n_create;
  guint            n_prompts;
} LockedKeyring;

static gboolean
emit_dismissed_cb (gpointer data)
{
  LockedKeyring *keyring = data;

  g_dbus_connection_emit_signal (keyring->connection, NULL, LOCKED_PROMPT, "org.freedesktop.Secret.Prompt",
                                 "Completed", g_variant_new ("(bv)", TRUE, g_variant_new ("ao", NULL)),
                                 NULL);
  return G_SOURCE_REMOVE;
}

static void
locked_method_call (GDBusConnection       *connection,
                    const char            *sender,
                    const char            *path,
                    const char            *interface,
                    const char            *method,
                    GVariant              *parameters,
                    GDBusMethodInvocation *invocation,
                    gpointer               user_data)
{
  LockedKeyring *keyring = user_data;

  if (g_str_equal (method, "OpenSession"))
    {
      const char *algorithm;

      g_variant_get_child (parameters, 0, "&s", &algorithm);
      if (!g_str_equal (algorithm, "plain"))
        g_dbus_method_invocation_return_dbus_error (invocation, "org.freedesktop.DBus.Error.NotSupported",
                                                    "Only plain");
      else
        g_dbus_method_invocation_return_value (invocation,
                                               g_variant_new ("(vo)", g_variant_new_string (""),
                                                              "/org/freedesktop/secrets/session/s1"));
    }
  else if (g_str_equal (method, "ReadAlias"))
    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(o)", "/org/freedesktop/secrets/collection/login"));
  else if (g_str_equal (method, "CreateItem"))
    {
      keyring->n_create++;
      g_dbus_method_invocation_return_dbus_error (invocation, "org.freedesktop.Secret.Error.IsLocked",
                                                  "Cannot create an item in a locked collection");
    }
  else if (g_str_equal (method, "Unlock"))
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@aoo)", g_variant_new ("ao", NULL),
                                                                      LOCKED_PROMPT));
  else if (g_str_equal (method, "Prompt"))
    {
      /* The user presses Cancel. */
      keyring->n_prompts++;
      g_dbus_method_invocation_return_value (invocation, NULL);
      g_idle_add (emit_dismissed_cb, keyring);
    }
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static GVariant *
locked_get_property (GDBusConnection  *connection,
                     const char       *sender,
                     const char       *path,
                     const char       *interface,
                     const char       *property,
                     GError          **error,
                     gpointer          user_data)
{
  return g_variant_new_objv (NULL, 0);
}

static const GDBusInterfaceVTable locked_vtable = {
  .method_call = locked_method_call,
  .get_property = locked_get_property,
};

static void
on_locked_name_acquired_cb (GDBusConnection *connection,
                            const char      *name,
                            gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
}

static LockedKeyring *
locked_keyring_start (void)
{
  LockedKeyring *keyring = g_new0 (LockedKeyring, 1);
  const char *paths[] = {
    "/org/freedesktop/secrets",
    "/org/freedesktop/secrets/collection/login",
    "/org/freedesktop/secrets/aliases/default",
    LOCKED_PROMPT,
  };
  const guint interfaces[] = { 0, 1, 1, 2 };
  g_autoptr(GError) error = NULL;
  gboolean acquired = FALSE;

  keyring->connection = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (test_bus),
                                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                                G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                                NULL, NULL, &error);
  g_assert_no_error (error);
  keyring->node = g_dbus_node_info_new_for_xml (locked_xml, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      keyring->objects[i] = g_dbus_connection_register_object (keyring->connection, paths[i],
                                                               keyring->node->interfaces[interfaces[i]],
                                                               &locked_vtable, keyring, NULL, &error);
      g_assert_no_error (error);
    }
  keyring->owner = g_bus_own_name_on_connection (keyring->connection, "org.freedesktop.secrets",
                                                 G_BUS_NAME_OWNER_FLAGS_NONE, on_locked_name_acquired_cb,
                                                 NULL, &acquired, NULL);
  CONCORD_TEST_WAIT_FOR (acquired);
  return keyring;
}

static void
locked_keyring_stop (LockedKeyring *keyring)
{
  g_bus_unown_name (keyring->owner);
  for (guint i = 0; i < G_N_ELEMENTS (keyring->objects); i++)
    g_dbus_connection_unregister_object (keyring->connection, keyring->objects[i]);
  g_dbus_connection_close_sync (keyring->connection, NULL, NULL);
  g_object_unref (keyring->connection);
  g_dbus_node_info_unref (keyring->node);
  g_free (keyring);
  CONCORD_TEST_WAIT_FOR (!name_owned ("org.freedesktop.secrets"));
}

/* A Secret portal (org.freedesktop.portal.Desktop exporting
 * org.freedesktop.portal.Secret), as a desktop with one offers Flatpak
 * apps; only its "version" is read. */
static const char portal_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.portal.Secret'>"
  "    <property name='version' type='u' access='read'/>"
  "  </interface>"
  "</node>";

static GVariant *
portal_get_property (GDBusConnection  *connection,
                     const char       *sender,
                     const char       *path,
                     const char       *interface,
                     const char       *property,
                     GError          **error,
                     gpointer          user_data)
{
  return g_variant_new_uint32 (1);
}

static const GDBusInterfaceVTable portal_vtable = {
  .get_property = portal_get_property,
};

/* Returns the portal's connection; @ids are its object's and its name's. */
static GDBusConnection *
portal_start (guint ids[2])
{
  g_autoptr(GDBusNodeInfo) node = NULL;
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection;
  gboolean acquired = FALSE;

  connection = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (test_bus),
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  node = g_dbus_node_info_new_for_xml (portal_xml, &error);
  g_assert_no_error (error);
  ids[0] = g_dbus_connection_register_object (connection, "/org/freedesktop/portal/desktop",
                                              node->interfaces[0], &portal_vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  ids[1] = g_bus_own_name_on_connection (connection, "org.freedesktop.portal.Desktop", G_BUS_NAME_OWNER_FLAGS_NONE,
                                on_locked_name_acquired_cb, NULL, &acquired, NULL);
  CONCORD_TEST_WAIT_FOR (acquired);
  return connection;
}

/* ------------------------------------------------------------------------- */
/* Fixture                                                                   */
/* ------------------------------------------------------------------------- */

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  g_assert_false (name_owned ("org.freedesktop.secrets"));

  /* As if inside Flatpak: the dialog's probe looks for the portal only. */
  if (GPOINTER_TO_INT (data))
    {
      g_autoptr(ConcordKeyringProbe) sandboxed = concord_keyring_probe_new (NULL, TRUE);

      concord_keyring_probe_set_default (sandboxed);
    }

  f->dir = g_dir_make_tmp ("concord-keyring-missing-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "state.sqlite", NULL);
  f->mock = concord_mock_elasticemail_new (KEY, 0, &error);
  g_assert_no_error (error);

  f->secrets = concord_secret_store_new ();
  f->engine = concord_engine_new (f->db_path, f->secrets, concord_app_registry_create_connector);
  concord_engine_open_async (f->engine, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_open_finish (f->engine, result, &error));
  g_assert_no_error (error);

  f->parent = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->parent), 900, 700);
  gtk_window_present (GTK_WINDOW (f->parent));
  f->dialog = concord_add_connection_dialog_new (GTK_WINDOW (f->parent), f->engine);
  g_object_add_weak_pointer (G_OBJECT (f->dialog), (gpointer *) &f->dialog);
  gtk_window_present (GTK_WINDOW (f->dialog));
  g_assert_true (concord_test_wait_until (concord_test_is_mapped, f->dialog, 10));
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  if (f->dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (f->dialog));
  gtk_window_destroy (GTK_WINDOW (f->parent));
  while (g_main_context_iteration (NULL, FALSE))
    ;

  concord_engine_stop (f->engine);
  g_clear_object (&f->engine);
  g_clear_object (&f->secrets);
  g_clear_object (&f->mock);
  stop_keyring (f);
  if (GPOINTER_TO_INT (data))
    concord_keyring_probe_set_default (NULL);
  concord_test_remove_dir (f->dir);
  g_free (f->db_path);
  g_free (f->dir);
}

/* The first app's side, Elastic Email chosen, its form filled in. */
static GtkWidget *
fill_form (Fixture *f)
{
  GtkWidget *side = concord_test_named (f->dialog, "side-a");
  GtkWidget *list = concord_test_named (side, "app-list");

  g_signal_emit_by_name (list, "row-activated", concord_test_named (list, "app-elasticemail"));
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (side, "name-entry")), NAME);
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (side, "base-url-entry")),
                         concord_mock_elasticemail_get_base_url (f->mock));
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (side, "key-entry")), KEY);
  return side;
}

/* ------------------------------------------------------------------------- */
/* Cases                                                                     */
/* ------------------------------------------------------------------------- */

static void
test_no_keyring_then_keyring (Fixture       *f,
                              gconstpointer  data)
{
  ConcordKeyringProbe *probe = concord_keyring_probe_get_default ();
  GtkWidget *side, *note, *key_entry;
  g_autofree char *account_id = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(ConcordSecretString) stored = NULL;
  GAsyncResult *slot = NULL;

  /* An app without a key needs the keyring too (the engine keeps an
   * empty secret for every account): said as well. */
  side = concord_test_named (f->dialog, "side-a");
  note = concord_test_named (side, "keyring-status");
  g_signal_emit_by_name (concord_test_named (side, "app-list"), "row-activated",
                         concord_test_named (side, "app-" CONCORD_GNOME_CONTACTS_APP_ID));
  CONCORD_TEST_WAIT_FOR (concord_keyring_probe_get_kind (probe) == CONCORD_KEYRING_NONE);
  CONCORD_TEST_WAIT_FOR (gtk_widget_is_visible (note));
  g_assert_false (gtk_widget_is_visible (concord_test_named (side, "key-entry")));
  g_signal_emit_by_name (concord_test_named (side, "change-app-button"), "clicked");

  side = fill_form (f);
  key_entry = concord_test_named (side, "key-entry");

  /* Said at once, before anything is saved, with what to do. */
  CONCORD_TEST_WAIT_FOR (gtk_widget_is_visible (note));
  g_assert_nonnull (strstr (label_of (side, "keyring-label"), "no keyring is running"));
  g_assert_nonnull (strstr (label_of (side, "keyring-label"), "GNOME Keyring"));
  g_assert_nonnull (strstr (label_of (side, "keyring-label"), "press Check again"));
  concord_add_connection_scroll_to (note);
  concord_test_save_window (f->dialog, "add-connection-no-keyring.png", 800);

  /* Check: the key is accepted by the app but cannot be kept. */
  concord_test_click (concord_test_named (side, "check-button"));
  CONCORD_TEST_WAIT_FOR (label_shows (side, "status-label", "The key was not saved: no keyring is running"));
  g_assert_false (gtk_widget_is_visible (note));   /* said once, in the status */
  g_assert_nonnull (strstr (label_of (side, "status-label"), "the key you typed stays here"));
  g_assert_null (strstr (label_of (side, "status-label"), "GDBus"));
  concord_add_connection_scroll_to (concord_test_named (side, "status-label"));
  concord_test_save_window (f->dialog, "add-connection-no-keyring-failed.png", 800);

  /* Nothing lost, nothing half made. */
  g_assert_nonnull (f->dialog);
  g_assert_true (gtk_widget_get_mapped (f->dialog));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (key_entry)), ==, KEY);
  g_assert_true (gtk_editable_get_editable (GTK_EDITABLE (key_entry)));
  g_assert_false (concord_add_connection_side_get_verified (CONCORD_ADD_CONNECTION_SIDE (side)));
  g_assert_cmpuint (n_accounts (f), ==, 0);
  g_assert_true (gtk_widget_is_sensitive (concord_test_named (side, "check-button")));

  /* The key is in no label (but its own field) and no log line. */
  g_assert_false (in_any_label (f->dialog, KEY));
  g_assert_null (strstr (log_text->str, KEY));

  /* A keyring starts: the message goes by itself, and Check again works. */
  if (!start_keyring (f))
    {
      g_test_skip ("gnome-keyring-daemon is not installed");
      return;
    }
  CONCORD_TEST_WAIT_FOR (concord_keyring_probe_get_kind (probe) == CONCORD_KEYRING_SECRET_SERVICE);
  CONCORD_TEST_WAIT_FOR (!gtk_widget_is_visible (concord_test_named (side, "status-label")));
  g_assert_false (gtk_widget_is_visible (note));

  concord_test_click (concord_test_named (side, "check-button"));
  CONCORD_TEST_WAIT_FOR (label_shows (side, "status-label", "Key accepted"));
  g_assert_true (concord_add_connection_side_get_verified (CONCORD_ADD_CONNECTION_SIDE (side)));
  g_assert_nonnull (f->dialog);

  /* One account, and its key in the keyring. */
  account_id = first_account_id (f);
  concord_secret_store_lookup_async (f->secrets, account_id, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  stored = concord_secret_store_lookup_finish (f->secrets, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored, ==, KEY);
  g_assert_null (strstr (log_text->str, KEY));
}

/* The engine's error on that path: the keyring's code, English words for
 * the log that say what is missing, and neither the key nor D-Bus. */
static void
test_error_says_why (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *options = g_strdup_printf ("{\"base_url\":\"%s\"}",
                                              concord_mock_elasticemail_get_base_url (f->mock));
  GAsyncResult *slot = NULL;

  concord_engine_add_account_async (f->engine, "elasticemail", NAME, options, KEY, NULL,
                                    concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  id = concord_engine_add_account_finish (f->engine, result, &error);
  g_assert_null (id);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_KEYRING);
  g_assert_nonnull (strstr (error->message, "no keyring is running"));
  g_assert_null (strstr (error->message, KEY));
  g_assert_null (strstr (error->message, "GDBus"));
  g_assert_null (strstr (error->message, "org.freedesktop"));
  g_assert_cmpuint (n_accounts (f), ==, 0);
  g_assert_null (strstr (log_text->str, KEY));
}

/* The keyring is there but stays locked: the store's error and the
 * account step say so; nothing is made, the key stays. */
static void
test_locked (Fixture       *f,
             gconstpointer  data)
{
  LockedKeyring *keyring = locked_keyring_start ();
  ConcordKeyringProbe *probe = concord_keyring_probe_get_default ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GtkWidget *side;

  CONCORD_TEST_WAIT_FOR (concord_keyring_probe_get_kind (probe) == CONCORD_KEYRING_SECRET_SERVICE);

  /* The store: a keyring error (not a cancellation), in words. */
  concord_secret_store_store_async (f->secrets, "account-locked", "elasticemail", "Concord: Shop", KEY, NULL,
                                    concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_false (concord_secret_store_store_finish (f->secrets, result, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_KEYRING);
  g_assert_nonnull (strstr (error->message, "the keyring is locked, or unlocking it was cancelled"));
  g_assert_null (strstr (error->message, "GDBus"));
  g_assert_null (strstr (error->message, "org.freedesktop"));
  g_assert_null (strstr (error->message, KEY));
  g_assert_cmpuint (keyring->n_create, >, 0);
  g_assert_cmpuint (keyring->n_prompts, >, 0);

  /* The account step: no "no keyring" note; Check says it is locked. */
  side = fill_form (f);
  g_assert_false (gtk_widget_is_visible (concord_test_named (side, "keyring-status")));
  concord_test_click (concord_test_named (side, "check-button"));
  CONCORD_TEST_WAIT_FOR (label_shows (side, "status-label", "the keyring is locked, or unlocking it was cancelled"));
  g_assert_nonnull (strstr (label_of (side, "status-label"), "Press Check again and unlock the keyring"));
  g_assert_nonnull (f->dialog);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (concord_test_named (side, "key-entry"))), ==, KEY);
  g_assert_false (concord_add_connection_side_get_verified (CONCORD_ADD_CONNECTION_SIDE (side)));
  g_assert_cmpuint (n_accounts (f), ==, 0);
  g_assert_false (in_any_label (f->dialog, KEY));
  g_assert_null (strstr (log_text->str, KEY));

  locked_keyring_stop (keyring);
}

/* Inside Flatpak with no Secret portal: said as such (a Secret Service
 * would not help), and it goes when a portal appears. */
static void
test_flatpak (Fixture       *f,
              gconstpointer  data)
{
  ConcordKeyringProbe *probe = concord_keyring_probe_get_default ();
  g_autoptr(GDBusConnection) portal = NULL;
  GtkWidget *side, *note;
  guint portal_ids[2];

  g_assert_true (concord_keyring_probe_get_sandboxed (probe));
  side = fill_form (f);
  note = concord_test_named (side, "keyring-status");
  CONCORD_TEST_WAIT_FOR (concord_keyring_probe_get_kind (probe) == CONCORD_KEYRING_NONE);
  CONCORD_TEST_WAIT_FOR (gtk_widget_is_visible (note));
  g_assert_nonnull (strstr (label_of (side, "keyring-label"), "no Secret portal"));
  g_assert_nonnull (strstr (label_of (side, "keyring-label"), "GNOME Keyring or KWallet"));
  g_assert_null (strstr (label_of (side, "keyring-label"), "KeePassXC"));

  concord_test_click (concord_test_named (side, "check-button"));
  CONCORD_TEST_WAIT_FOR (label_shows (side, "status-label", "The key was not saved: this desktop offers "
                                                            "Flatpak apps no Secret portal"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (concord_test_named (side, "key-entry"))), ==, KEY);
  g_assert_nonnull (f->dialog);
  g_assert_cmpuint (n_accounts (f), ==, 0);
  g_assert_false (in_any_label (f->dialog, KEY));

  /* A portal appears: the note and the error go by themselves. */
  portal = portal_start (portal_ids);
  CONCORD_TEST_WAIT_FOR (concord_keyring_probe_get_kind (probe) == CONCORD_KEYRING_PORTAL);
  CONCORD_TEST_WAIT_FOR (!gtk_widget_is_visible (concord_test_named (side, "status-label")));
  g_assert_false (gtk_widget_is_visible (note));
  g_bus_unown_name (portal_ids[1]);
  g_dbus_connection_unregister_object (portal, portal_ids[0]);
  g_dbus_connection_close_sync (portal, NULL, NULL);
  CONCORD_TEST_WAIT_FOR (concord_keyring_probe_get_kind (probe) == CONCORD_KEYRING_NONE);
  g_assert_null (strstr (log_text->str, KEY));
}

static void
store_key (Fixture    *f,
           const char *account_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  concord_secret_store_store_async (f->secrets, account_id, "elasticemail", "Concord: Shop", KEY, NULL,
                                    concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_secret_store_store_finish (f->secrets, result, &error));
  g_assert_no_error (error);
}

/* The keyring stops and another one starts (KeePassXC closed and opened
 * again): the next save uses the new one, not the old one's session. */
static void
test_keyring_restarts (Fixture       *f,
                       gconstpointer  data)
{
  if (!start_keyring (f))
    {
      g_test_skip ("gnome-keyring-daemon is not installed");
      return;
    }
  CONCORD_TEST_WAIT_FOR (name_owned ("org.freedesktop.secrets"));
  store_key (f, "account-before");

  stop_keyring (f);
  g_assert_true (start_keyring (f));
  CONCORD_TEST_WAIT_FOR (name_owned ("org.freedesktop.secrets"));
  store_key (f, "account-after");
}

static GObject *
preferences_child (gpointer    window,
                   const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (window), CONCORD_TYPE_PREFERENCES_WINDOW, name);

  g_assert_nonnull (child);
  return child;
}

/* Replace Key of an existing account, with no keyring. */
static void
test_replace_key (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.concordsync.Concord");
  g_autoptr(GError) error = NULL;
  g_autofree char *options = g_strdup_printf ("{\"base_url\":\"%s\"}",
                                              concord_mock_elasticemail_get_base_url (f->mock));
  ConcordPreferencesWindow *window;
  GtkWidget *dialog, *entry, *error_label;
  const char *body;

  /* An account whose key was kept when a keyring ran. */
  {
    g_autoptr(ConcordStore) store = concord_store_new (f->db_path, &error);

    g_assert_no_error (error);
    g_assert_true (concord_store_add_account (store, "account-shop", "elasticemail", NAME, options, &error));
    g_assert_no_error (error);
  }
  CONCORD_TEST_WAIT_FOR (concord_keyring_probe_get_kind (concord_keyring_probe_get_default ()) ==
                         CONCORD_KEYRING_NONE);

  window = concord_preferences_window_new (settings);
  concord_preferences_window_set_engine (window, f->engine);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (window), "accounts-page");
  gtk_window_present (GTK_WINDOW (window));
  CONCORD_TEST_WAIT_FOR (concord_test_find_named (GTK_WIDGET (window), "account-row") != NULL);

  gtk_widget_activate_action (GTK_WIDGET (window), "accounts.replace-key", "s", "account-shop");
  dialog = GTK_WIDGET (preferences_child (window, "account_dialog"));
  CONCORD_TEST_WAIT_FOR (gtk_widget_get_mapped (dialog));
  entry = GTK_WIDGET (preferences_child (window, "account_key_entry"));
  error_label = GTK_WIDGET (preferences_child (window, "account_error_label"));

  /* Said before the key is typed. */
  body = gtk_label_get_text (GTK_LABEL (preferences_child (window, "account_dialog_body")));
  g_assert_nonnull (strstr (body, "no keyring is running"));
  g_assert_nonnull (strstr (body, "press Replace again"));

  /* The app accepts the key; the keyring is not there to keep it. */
  gtk_editable_set_text (GTK_EDITABLE (entry), KEY);
  concord_test_click (GTK_WIDGET (preferences_child (window, "account_apply_button")));
  CONCORD_TEST_WAIT_FOR (gtk_widget_get_visible (error_label));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (error_label)),
                            "Concord cannot save keys on this computer: no keyring is running"));
  g_assert_null (strstr (gtk_label_get_text (GTK_LABEL (error_label)), "GDBus"));
  g_assert_true (gtk_widget_get_visible (dialog));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, KEY);
  g_assert_false (in_any_label (dialog, KEY));
  g_assert_null (strstr (log_text->str, KEY));

  /* A keyring starts: the note above the key goes by itself. */
  {
    LockedKeyring *keyring = locked_keyring_start ();
    GtkLabel *body_label = GTK_LABEL (preferences_child (window, "account_dialog_body"));

    CONCORD_TEST_WAIT_FOR (strstr (gtk_label_get_text (body_label), "no keyring") == NULL);
    g_assert_nonnull (strstr (gtk_label_get_text (body_label), "Paste the new API key"));
    locked_keyring_stop (keyring);
    CONCORD_TEST_WAIT_FOR (strstr (gtk_label_get_text (body_label), "no keyring is running") != NULL);
  }

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GDBusConnection) session = NULL;
  g_autofree char *display = NULL;
  int status;

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init_ui (&argc, &argv);
  log_text = g_string_new (NULL);
  g_log_set_writer_func (log_writer, NULL, NULL);

  /* A bus of this test's own, with nothing that could keep a key (which
   * unsets DISPLAY too: the display is kept). */
  display = g_strdup (g_getenv ("DISPLAY"));
  test_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (test_bus);
  if (display != NULL)
    g_setenv ("DISPLAY", display, TRUE);

  adw_init ();
  concord_test_register_resources ();
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);

  g_test_add ("/concord/ui/keyring-missing/error-says-why", Fixture, NULL, setup, test_error_says_why,
              teardown);
  g_test_add ("/concord/ui/keyring-missing/locked", Fixture, NULL, setup, test_locked, teardown);
  g_test_add ("/concord/ui/keyring-missing/replace-key", Fixture, NULL, setup, test_replace_key, teardown);
  g_test_add ("/concord/ui/keyring-missing/add-connection", Fixture, NULL, setup,
              test_no_keyring_then_keyring, teardown);

  g_test_add ("/concord/ui/keyring-missing/flatpak", Fixture, GINT_TO_POINTER (TRUE), setup, test_flatpak,
              teardown);
  g_test_add ("/concord/ui/keyring-missing/keyring-restarts", Fixture, NULL, setup, test_keyring_restarts,
              teardown);

  status = g_test_run ();

  /* libsecret and the probe keep the session connection for the process:
   * stop the bus without waiting for it to go. */
  session = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (session != NULL)
    g_dbus_connection_set_exit_on_close (session, FALSE);
  g_test_dbus_stop (test_bus);
  return status;
}
