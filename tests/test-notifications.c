/* test-notifications.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * ConcordNotifications against a real engine over two in-memory apps, and
 * a mock org.freedesktop.Notifications server on a private bus (TESTING.md
 * section 4, recipe A): one notification per failure streak, whatever the
 * engine says (and not again after a restart while still failing), with
 * the connection's name, the reason and a "Details" button; withdrawn on
 * recovery and when the connection is removed; none
 * with notify-errors off; a toast instead while a window has the focus
 * (that case needs a display: the 'ui' suite runs it), naming the
 * connection for the toast's Details.
 */

#include "config.h"

#include <string.h>

#include <gtk/gtk.h>

#include "concord-engine.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-memory-connector.h"
#include "concord-notifications.h"
#include "concord-test-utils.h"

#define TEST_APP_ID "io.github.concordsync.Concord.Test"
#define CONNECTION_NAME "Shop ↔ Newsletter"
#define REASON "Could not reach Newsletter"
#define BODY REASON ". Check the internet connection; Concord will try again on its own."

/* ------------------------------------------------------------------------- */
/* The mock notification server                                              */
/* ------------------------------------------------------------------------- */

static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' name='app_name' direction='in'/>"
  "      <arg type='u' name='replaces_id' direction='in'/>"
  "      <arg type='s' name='app_icon' direction='in'/>"
  "      <arg type='s' name='summary' direction='in'/>"
  "      <arg type='s' name='body' direction='in'/>"
  "      <arg type='as' name='actions' direction='in'/>"
  "      <arg type='a{sv}' name='hints' direction='in'/>"
  "      <arg type='i' name='expire_timeout' direction='in'/>"
  "      <arg type='u' name='id' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'>"
  "      <arg type='u' name='id' direction='in'/>"
  "    </method>"
  "    <method name='GetCapabilities'>"
  "      <arg type='as' name='capabilities' direction='out'/>"
  "    </method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' name='name' direction='out'/>"
  "      <arg type='s' name='vendor' direction='out'/>"
  "      <arg type='s' name='version' direction='out'/>"
  "      <arg type='s' name='spec_version' direction='out'/>"
  "    </method>"
  "    <signal name='NotificationClosed'>"
  "      <arg type='u' name='id'/>"
  "      <arg type='u' name='reason'/>"
  "    </signal>"
  "    <signal name='ActionInvoked'>"
  "      <arg type='u' name='id'/>"
  "      <arg type='s' name='action_key'/>"
  "    </signal>"
  "  </interface>"
  "</node>";

typedef struct
{
  GDBusConnection *connection;  /* (owned) ours, not the app's */
  guint            registration_id;
  guint            owner_id;
  gboolean         owned;
  guint32          next_id;
  GPtrArray       *notify_calls;  /* (element-type GVariant) Notify's parameters */
  GArray          *closed;        /* (element-type guint32) CloseNotification's ids */
  GArray          *notify_ids;    /* (element-type guint32) what Notify returned */
} MockServer;

static void
mock_method_call (GDBusConnection       *connection,
                  const char            *sender,
                  const char            *object_path,
                  const char            *interface_name,
                  const char            *method_name,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               user_data)
{
  MockServer *mock = user_data;

  if (g_strcmp0 (method_name, "Notify") == 0)
    {
      guint32 replaces_id, id;

      g_variant_get_child (parameters, 1, "u", &replaces_id);
      id = replaces_id != 0 ? replaces_id : ++mock->next_id;
      g_ptr_array_add (mock->notify_calls, g_variant_ref (parameters));
      g_array_append_val (mock->notify_ids, id);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", id));
    }
  else if (g_strcmp0 (method_name, "CloseNotification") == 0)
    {
      guint32 id;

      g_variant_get (parameters, "(u)", &id);
      g_array_append_val (mock->closed, id);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_strcmp0 (method_name, "GetCapabilities") == 0)
    {
      const char *caps[] = { "actions", "body", NULL };

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
    }
  else if (g_strcmp0 (method_name, "GetServerInformation") == 0)
    {
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(ssss)", "mock", "Concord", "1", "1.2"));
    }
  else
    {
      g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                             "No method %s", method_name);
    }
}

static const GDBusInterfaceVTable mock_vtable = { mock_method_call, NULL, NULL, { 0 } };

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  ((MockServer *) user_data)->owned = TRUE;
}

static void
on_name_lost (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  g_assert_not_reached ();
}

static gboolean
mock_is_owned (gpointer data)
{
  return ((MockServer *) data)->owned;
}

static void
mock_server_start (MockServer *mock)
{
  g_autoptr(GDBusNodeInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  mock->notify_calls = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  mock->closed = g_array_new (FALSE, FALSE, sizeof (guint32));
  mock->notify_ids = g_array_new (FALSE, FALSE, sizeof (guint32));

  mock->connection = g_dbus_connection_new_for_address_sync (g_getenv ("DBUS_SESSION_BUS_ADDRESS"),
                                                             G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                             G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                             NULL, NULL, &error);
  g_assert_no_error (error);

  info = g_dbus_node_info_new_for_xml (notifications_xml, &error);
  g_assert_no_error (error);
  mock->registration_id = g_dbus_connection_register_object (mock->connection,
                                                             "/org/freedesktop/Notifications",
                                                             info->interfaces[0], &mock_vtable,
                                                             mock, NULL, &error);
  g_assert_no_error (error);

  mock->owner_id = g_bus_own_name_on_connection (mock->connection, "org.freedesktop.Notifications",
                                                 G_BUS_NAME_OWNER_FLAGS_NONE,
                                                 on_name_acquired, on_name_lost, mock, NULL);
  g_assert_true (concord_test_wait_until (mock_is_owned, mock, 10));
}

static void
mock_server_stop (MockServer *mock)
{
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&mock->owner_id, g_bus_unown_name);
  g_dbus_connection_unregister_object (mock->connection, mock->registration_id);
  g_dbus_connection_close_sync (mock->connection, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&mock->connection);
  g_clear_pointer (&mock->notify_calls, g_ptr_array_unref);
  g_clear_pointer (&mock->closed, g_array_unref);
  g_clear_pointer (&mock->notify_ids, g_array_unref);
}

/* ------------------------------------------------------------------------- */
/* The engine over two in-memory apps (as in test-engine.c)                  */
/* ------------------------------------------------------------------------- */

static ConcordMemoryConnector *sides[2];

static ConcordConnector *
test_create (const char  *app_id,
             const char  *options_json,
             const char  *secret,
             GError     **error)
{
  return g_object_ref (CONCORD_CONNECTOR (sides[strstr (options_json, "\"b\"") != NULL ? 1 : 0]));
}

typedef struct
{
  MockServer            mock;
  GApplication         *app;
  GtkWindow            *window;  /* (nullable) for the focused case */
  ConcordEngine        *engine;
  ConcordNotifications *notifications;
  GSettings            *settings;
  GPtrArray            *toasts;  /* (element-type utf8) */
  GArray               *toast_ids;  /* (element-type gint64) the connection of each toast */
  ConcordSecretStore   *secrets;
  char                 *path;
  guint                 finished;
  gint64                connection_id;
} Fixture;

static void
on_run_finished (ConcordEngine          *engine,
                 ConcordConnectionState *state,
                 gboolean                ok,
                 Fixture                *f)
{
  f->finished++;
}

static void
on_show_toast (ConcordNotifications *notifications,
               const char           *text,
               gint64                connection_id,
               Fixture              *f)
{
  g_ptr_array_add (f->toasts, g_strdup (text));
  g_array_append_val (f->toast_ids, connection_id);
}

static char *
add_account (Fixture    *f,
             const char *name,
             const char *options)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  char *id;

  concord_engine_add_account_async (f->engine, "memory", name, options, "right", NULL,
                                    concord_test_store_result_cb, &slot);
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

static void
add_connection (Fixture *f)
{
  g_autofree char *a = add_account (f, "Shop", "{\"side\": \"a\"}");
  g_autofree char *b = add_account (f, "Newsletter", "{\"side\": \"b\"}");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ConcordConnectionRow row = { 0 };
  GAsyncResult *slot = NULL;

  row.name = (char *) CONNECTION_NAME;
  row.account_a = a;
  row.type_a = (char *) "contacts";
  row.account_b = b;
  row.type_b = (char *) "contacts";
  row.direction = CONCORD_DIRECTION_BOTH;
  row.prefer = CONCORD_PREFER_NEWEST;
  row.enabled = FALSE;
  concord_engine_add_connection_async (f->engine, &row, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  f->connection_id = concord_engine_add_connection_finish (f->engine, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  /* Turned on, it runs at once, and succeeds. */
  concord_engine_set_enabled_async (f->engine, f->connection_id, TRUE, NULL,
                                    concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_set_enabled_finish (f->engine, result, &error));
  g_assert_no_error (error);
  wait_runs (f, 1);
  g_assert_null (concord_connection_state_get_error (concord_engine_lookup (f->engine, f->connection_id)));
}

static void
open_engine (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  f->engine = concord_engine_new (f->path, f->secrets, test_create);
  g_signal_connect (f->engine, "run-finished", G_CALLBACK (on_run_finished), f);
  concord_engine_open_async (f->engine, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_open_finish (f->engine, result, &error));
  g_assert_no_error (error);
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  static guint n_setups;
  g_autofree char *db = g_strdup_printf ("state-%u.sqlite", n_setups++);
  g_autoptr(GError) error = NULL;
  gboolean with_window = GPOINTER_TO_INT (data);

  mock_server_start (&f->mock);

  for (guint s = 0; s < 2; s++)
    {
      g_autoptr(GPtrArray) schema = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

      g_ptr_array_add (schema, concord_field_spec_copy (concord_fields_lookup (CONCORD_FIELD_EMAIL)));
      g_ptr_array_add (schema, concord_field_spec_copy (concord_fields_lookup (CONCORD_FIELD_FIRST_NAME)));
      sides[s] = concord_memory_connector_new (s == 0 ? "a" : "b", CONCORD_CONNECTOR_NONE);
      concord_memory_connector_set_schema (sides[s], schema);
    }

  f->path = g_build_filename (g_get_user_data_dir (), db, NULL);
  f->secrets = concord_secret_store_new_in_memory ();
  open_engine (f);

  /* Non-unique: each test's app registers afresh on the private bus. A
   * GtkApplication only where a window is needed; notifications need no
   * more than a GApplication. */
  if (with_window)
    f->app = G_APPLICATION (gtk_application_new (TEST_APP_ID, G_APPLICATION_NON_UNIQUE));
  else
    f->app = g_application_new (TEST_APP_ID, G_APPLICATION_NON_UNIQUE);
  g_application_register (f->app, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (g_application_get_dbus_connection (f->app));

  f->settings = g_settings_new ("io.github.concordsync.Concord");
  f->toasts = g_ptr_array_new_with_free_func (g_free);
  f->toast_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  f->notifications = concord_notifications_new (f->app, f->engine);
  g_signal_connect (f->notifications, "show-toast", G_CALLBACK (on_show_toast), f);

  add_connection (f);
}

static void flush_bus (Fixture *f);

static gboolean
engine_gone (gpointer data)
{
  return ((Fixture *) data)->engine == NULL;
}

static void
close_engine (Fixture *f)
{
  /* Tasks hand their last reference back to this thread: wait for the
   * engine to go. */
  g_object_add_weak_pointer (G_OBJECT (f->engine), (gpointer *) &f->engine);
  g_object_unref (f->engine);
  g_assert_true (concord_test_wait_until (engine_gone, f, 30));
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *id = g_strdup_printf ("connection-failing-%" G_GINT64_FORMAT, f->connection_id);

  if (f->window != NULL)
    gtk_window_destroy (f->window);
  g_clear_object (&f->notifications);

  /* GLib 2.74's freedesktop backend: each notification it remembers holds
   * a reference on it, so with one left the backend outlives the app; when
   * the mock server then leaves the bus, the backend frees its list and
   * disposes itself halfway through, freeing the list again (endless
   * recursion). Forget them all first, once their replies are in. */
  flush_bus (f);
  g_application_withdraw_notification (f->app, id);
  flush_bus (f);
  g_clear_object (&f->app);

  g_settings_reset (f->settings, "notify-errors");
  g_clear_object (&f->settings);
  g_clear_pointer (&f->toasts, g_ptr_array_unref);
  g_clear_pointer (&f->toast_ids, g_array_unref);

  close_engine (f);
  g_clear_object (&f->secrets);
  g_clear_pointer (&f->path, g_free);
  g_clear_object (&sides[0]);
  g_clear_object (&sides[1]);

  mock_server_stop (&f->mock);
}

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void
round_trip (GDBusConnection *connection)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetId", NULL, G_VARIANT_TYPE ("(s)"),
                                       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_no_error (error);
}

/* Everything the app has sent has reached the mock, and every answer the
 * app got has been dispatched: after this, "nothing arrived" means
 * nothing was sent. A round trip on the app's connection comes after its
 * earlier messages; one on the mock's connection comes after what the bus
 * had routed to it; then both sides' callbacks wait in the main context. */
static void
flush_bus (Fixture *f)
{
  round_trip (g_application_get_dbus_connection (f->app));
  round_trip (f->mock.connection);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static gboolean
notify_calls_at_least (gpointer data)
{
  Fixture *f = ((gpointer *) data)[0];

  return f->mock.notify_calls->len >= GPOINTER_TO_UINT (((gpointer *) data)[1]);
}

static void
wait_notify_calls (Fixture *f,
                   guint    n)
{
  gpointer data[2] = { f, GUINT_TO_POINTER (n) };

  g_assert_true (concord_test_wait_until (notify_calls_at_least, data, 10));
  flush_bus (f);
  g_assert_cmpuint (f->mock.notify_calls->len, ==, n);
}

static gboolean
closed_at_least (gpointer data)
{
  Fixture *f = ((gpointer *) data)[0];

  return f->mock.closed->len >= GPOINTER_TO_UINT (((gpointer *) data)[1]);
}

static void
wait_closed (Fixture *f,
             guint    n)
{
  gpointer data[2] = { f, GUINT_TO_POINTER (n) };

  g_assert_true (concord_test_wait_until (closed_at_least, data, 10));
  flush_bus (f);
  g_assert_cmpuint (f->mock.closed->len, ==, n);
}

static void
fail_once (Fixture *f)
{
  g_autoptr(GError) broken = g_error_new (CONCORD_ERROR, CONCORD_ERROR_NETWORK,
                                          "The app could not be reached");
  guint before = f->finished;

  concord_memory_connector_fail_list_at_page (sides[1], 0, broken);
  concord_engine_sync_now (f->engine, f->connection_id);
  wait_runs (f, before + 1);
  g_assert_cmpint (concord_connection_state_get_status (concord_engine_lookup (f->engine, f->connection_id)),
                   ==, CONCORD_CONNECTION_FAILING);
}

static void
succeed_once (Fixture *f)
{
  guint before = f->finished;

  concord_engine_sync_now (f->engine, f->connection_id);
  wait_runs (f, before + 1);
  g_assert_null (concord_connection_state_get_error (concord_engine_lookup (f->engine, f->connection_id)));
}

static void
assert_failing_notification (Fixture *f,
                             guint    nth)
{
  GVariant *params = g_ptr_array_index (f->mock.notify_calls, nth);
  g_autofree char *open_action = NULL;
  g_autoptr(GVariant) actions = NULL;
  g_autoptr(GVariant) hints = NULL;
  const char *summary, *body, *desktop_entry;
  const char **strv;
  gsize n;

  g_variant_get (params, "(&su&s&s&s@as@a{sv}i)", NULL, NULL, NULL, &summary, &body, &actions, &hints, NULL);
  g_assert_cmpstr (summary, ==, CONNECTION_NAME " stopped syncing");
  g_assert_cmpstr (body, ==, BODY);

  g_assert_true (g_variant_lookup (hints, "desktop-entry", "&s", &desktop_entry));
  g_assert_cmpstr (desktop_entry, ==, TEST_APP_ID);

  /* The default action, then the "Details" button, both app.show-connection
   * with the connection's id. */
  open_action = g_action_print_detailed_name ("app.show-connection", g_variant_new_int64 (f->connection_id));
  strv = g_variant_get_strv (actions, &n);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpstr (strv[0], ==, "default");
  g_assert_cmpstr (strv[2], ==, open_action);
  g_assert_cmpstr (strv[3], ==, "Details");
  g_free (strv);
}

/* ------------------------------------------------------------------------- */
/* Tests                                                                     */
/* ------------------------------------------------------------------------- */

static void
test_once_per_streak (Fixture       *f,
                      gconstpointer  data)
{
  ConcordConnectionState *state = concord_engine_lookup (f->engine, f->connection_id);
  guint32 first_id;

  /* Failing twice: one notification. */
  fail_once (f);
  wait_notify_calls (f, 1);
  assert_failing_notification (f, 0);
  first_id = g_array_index (f->mock.notify_ids, guint32, 0);

  fail_once (f);
  g_assert_cmpuint (concord_connection_state_get_n_failures (state), ==, 2);
  flush_bus (f);
  g_assert_cmpuint (f->mock.notify_calls->len, ==, 1);

  /* Even if the engine said "failing" again with no success between. */
  g_signal_emit_by_name (f->engine, "connection-failing", state, REASON);
  flush_bus (f);
  g_assert_cmpuint (f->mock.notify_calls->len, ==, 1);
  g_assert_cmpuint (f->mock.closed->len, ==, 0);

  /* A success withdraws it, once. */
  succeed_once (f);
  wait_closed (f, 1);
  g_assert_cmpuint (g_array_index (f->mock.closed, guint32, 0), ==, first_id);

  /* A new streak: a new notification, not a replacement. */
  fail_once (f);
  wait_notify_calls (f, 2);
  assert_failing_notification (f, 1);
  g_assert_cmpuint (g_array_index (f->mock.notify_ids, guint32, 1), !=, first_id);

  /* No window: no toasts. */
  g_assert_cmpuint (f->toasts->len, ==, 0);
}

static void
test_notify_errors_off (Fixture       *f,
                        gconstpointer  data)
{
  g_settings_set_boolean (f->settings, "notify-errors", FALSE);

  fail_once (f);
  flush_bus (f);
  g_assert_cmpuint (f->mock.notify_calls->len, ==, 0);
  /* Said in the window instead, should one be open. */
  g_assert_cmpuint (f->toasts->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->toasts, 0), ==, CONNECTION_NAME " stopped syncing");
  /* Its Details opens the connection. */
  g_assert_cmpint (g_array_index (f->toast_ids, gint64, 0), ==, f->connection_id);

  succeed_once (f);
  flush_bus (f);
  g_assert_cmpuint (f->mock.notify_calls->len, ==, 0);
  g_assert_cmpuint (f->mock.closed->len, ==, 0);
}

static void
test_removed_connection (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  fail_once (f);
  wait_notify_calls (f, 1);

  concord_engine_remove_connection_async (f->engine, f->connection_id, NULL,
                                          concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_remove_connection_finish (f->engine, result, &error));
  g_assert_no_error (error);
  g_assert_null (concord_engine_lookup (f->engine, f->connection_id));

  wait_closed (f, 1);
  g_assert_cmpuint (g_array_index (f->mock.closed, guint32, 0), ==,
                    g_array_index (f->mock.notify_ids, guint32, 0));
}

/* In another language (a test translation, Turkish): the title and the
 * body are made from the error's code and side in the user's words, with
 * what to do (issue 15). */
static void
test_translated (Fixture       *f,
                 gconstpointer  data)
{
  GVariant *params;
  const char *summary, *body;

  if (!concord_test_use_translation ())
    return;

  fail_once (f);
  wait_notify_calls (f, 1);
  params = g_ptr_array_index (f->mock.notify_calls, 0);
  g_variant_get (params, "(&su&s&s&s@as@a{sv}i)", NULL, NULL, NULL, &summary, &body, NULL, NULL, NULL);
  g_assert_cmpstr (summary, ==, CONNECTION_NAME " eşitlemeyi durdurdu");
  g_assert_cmpstr (body, ==, "Newsletter uygulamasına ulaşılamadı. İnternet bağlantısını denetleyin; "
                             "Concord kendiliğinden yeniden deneyecek.");

  concord_test_end_translation ();
}

/* Concord started again while the connection still fails: the streak
 * goes on, nothing is said again (neither notification nor toast); a new
 * streak after a success is told. */
static void
test_streak_across_restart (Fixture       *f,
                            gconstpointer  data)
{
  fail_once (f);
  wait_notify_calls (f, 1);

  g_clear_object (&f->notifications);
  close_engine (f);
  open_engine (f);
  f->notifications = concord_notifications_new (f->app, f->engine);
  g_signal_connect (f->notifications, "show-toast", G_CALLBACK (on_show_toast), f);
  g_assert_cmpint (concord_connection_state_get_status (concord_engine_lookup (f->engine, f->connection_id)),
                   ==, CONCORD_CONNECTION_FAILING);

  fail_once (f);
  flush_bus (f);
  g_assert_cmpuint (f->mock.notify_calls->len, ==, 1);
  g_assert_cmpuint (f->toasts->len, ==, 0);

  succeed_once (f);
  fail_once (f);
  wait_notify_calls (f, 2);
  assert_failing_notification (f, 1);
}

static gboolean
window_is_active (gpointer data)
{
  return gtk_window_is_active (GTK_WINDOW (data));
}

static void
test_focused_window (Fixture       *f,
                     gconstpointer  data)
{
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_application (f->window, GTK_APPLICATION (f->app));
  gtk_window_present (f->window);
  if (!concord_test_wait_until (window_is_active, f->window, 10))
    {
      g_test_skip ("The window never got the focus (no window manager?)");
      return;
    }

  /* A toast in the window, not a desktop notification. */
  fail_once (f);
  flush_bus (f);
  g_assert_cmpuint (f->mock.notify_calls->len, ==, 0);
  g_assert_cmpuint (f->toasts->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->toasts, 0), ==, CONNECTION_NAME " stopped syncing");

  succeed_once (f);
  flush_bus (f);
  g_assert_cmpuint (f->toasts->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f->toasts, 1), ==, CONNECTION_NAME " is syncing again");
  g_assert_cmpint (g_array_index (f->toast_ids, gint64, 0), ==, f->connection_id);
  g_assert_cmpint (g_array_index (f->toast_ids, gint64, 1), ==, 0);
  g_assert_cmpuint (f->mock.notify_calls->len, ==, 0);
}

/* Global: with a display it is never freed (see the end of main()). */
static GTestDBus *bus;

int
main (int   argc,
      char *argv[])
{
  g_autofree char *display = NULL;
  gboolean with_display = g_strcmp0 (g_getenv ("CONCORD_TEST_DISPLAY"), "1") == 0;
  int ret;

  concord_test_init (&argc, &argv);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  /* A private bus, so the mock server is the only notification daemon.
   * GTestDBus unsets DISPLAY; the focused-window case needs it back. */
  display = g_strdup (g_getenv ("DISPLAY"));
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  if (display != NULL)
    g_setenv ("DISPLAY", display, TRUE);

  /* The 'ui' suite runs this program again with CONCORD_TEST_DISPLAY=1 for
   * the case that needs a window; the 'core' suite needs no display. */
  if (with_display)
    {
      g_autoptr(GDBusConnection) session = NULL;

      if (!gtk_init_check ())
        g_error ("CONCORD_TEST_DISPLAY=1 but no display could be opened");

      /* Stopped at the end while still held: no SIGTERM then. */
      session = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
      g_assert_nonnull (session);
      g_dbus_connection_set_exit_on_close (session, FALSE);
      g_test_add ("/concord/notifications/focused-window", Fixture, GINT_TO_POINTER (TRUE),
                  setup, test_focused_window, teardown);
    }
  else
    {
      g_test_add ("/concord/notifications/once-per-streak", Fixture, GINT_TO_POINTER (FALSE),
                  setup, test_once_per_streak, teardown);
      g_test_add ("/concord/notifications/notify-errors-off", Fixture, GINT_TO_POINTER (FALSE),
                  setup, test_notify_errors_off, teardown);
      g_test_add ("/concord/notifications/removed-connection", Fixture, GINT_TO_POINTER (FALSE),
                  setup, test_removed_connection, teardown);
      g_test_add ("/concord/notifications/streak-across-restart", Fixture, GINT_TO_POINTER (FALSE),
                  setup, test_streak_across_restart, teardown);
      g_test_add ("/concord/notifications/translated", Fixture, GINT_TO_POINTER (FALSE),
                  setup, test_translated, teardown);
    }

  ret = g_test_run ();

  /* A GtkApplication that was registered but never run keeps its session
   * bus connection for the life of the process, so with a display the bus
   * is only stopped: g_test_dbus_down(), and unreffing the GTestDBus which
   * calls it, would wait for that connection to go, and fail. */
  if (with_display)
    {
      g_test_dbus_stop (bus);
    }
  else
    {
      g_test_dbus_down (bus);
      g_clear_object (&bus);
    }
  return ret;
}
