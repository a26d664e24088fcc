/* test-status-icon.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * ConcordStatusIcon against a fake org.kde.StatusNotifierWatcher on the
 * private session bus (TESTING.md section 4, recipe A), and a real engine
 * over two in-memory apps: the item registers its well-known name with
 * the watcher; its properties, read over D-Bus as a tray reads them, go
 * idle → syncing → failing → idle with the connections, and its signals
 * say so; each item of its com.canonical.dbusmenu menu, clicked, runs its
 * app.* action. Without a watcher nothing is exported, owned, registered
 * or logged (warnings are fatal here, and the icon's own log domain is
 * watched down to messages); a watcher that appears later, or again after
 * leaving, gets the item; turned off, the item leaves the bus.
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

#include "concord-engine.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-memory-connector.h"
#include "concord-record.h"
#include "concord-status-icon.h"
#include "concord-ui-enums.h"
#include "concord-test-utils.h"

#define TEST_APP_ID "io.github.concordsync.Concord.StatusIconTest"
#define CONNECTION_NAME "Shop ↔ Newsletter"
#define WATCHER_NAME "org.kde.StatusNotifierWatcher"
#define ITEM_INTERFACE "org.kde.StatusNotifierItem"

/* ------------------------------------------------------------------------- */
/* The fake StatusNotifierWatcher                                            */
/* ------------------------------------------------------------------------- */

static const char watcher_xml[] =
  "<node>"
  "  <interface name='org.kde.StatusNotifierWatcher'>"
  "    <method name='RegisterStatusNotifierItem'>"
  "      <arg type='s' name='service' direction='in'/>"
  "    </method>"
  "    <method name='RegisterStatusNotifierHost'>"
  "      <arg type='s' name='service' direction='in'/>"
  "    </method>"
  "    <property name='RegisteredStatusNotifierItems' type='as' access='read'/>"
  "    <property name='IsStatusNotifierHostRegistered' type='b' access='read'/>"
  "    <property name='ProtocolVersion' type='i' access='read'/>"
  "    <signal name='StatusNotifierItemRegistered'><arg type='s'/></signal>"
  "  </interface>"
  "</node>";

typedef struct
{
  GDBusConnection *connection;  /* (owned) ours, not the app's */
  guint            registration_id;
  guint            owner_id;
  guint            signal_id;
  gboolean         owned;
  GPtrArray       *services;    /* (element-type utf8) what was registered */
  GPtrArray       *senders;     /* (element-type utf8) by whom */
  GPtrArray       *signals;     /* (element-type utf8) "NewStatus Active", "NewIcon", … */
} Watcher;

static void
watcher_method_call (GDBusConnection       *connection,
                     const char            *sender,
                     const char            *object_path,
                     const char            *interface_name,
                     const char            *method_name,
                     GVariant              *parameters,
                     GDBusMethodInvocation *invocation,
                     gpointer               user_data)
{
  Watcher *watcher = user_data;

  if (g_strcmp0 (method_name, "RegisterStatusNotifierItem") == 0)
    {
      const char *service;

      g_variant_get (parameters, "(&s)", &service);
      g_ptr_array_add (watcher->services, g_strdup (service));
      g_ptr_array_add (watcher->senders, g_strdup (sender));
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else
    {
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
}

static GVariant *
watcher_get_property (GDBusConnection  *connection,
                      const char       *sender,
                      const char       *object_path,
                      const char       *interface_name,
                      const char       *property_name,
                      GError          **error,
                      gpointer          user_data)
{
  Watcher *watcher = user_data;

  if (g_strcmp0 (property_name, "RegisteredStatusNotifierItems") == 0)
    return g_variant_new_strv ((const char * const *) watcher->services->pdata, watcher->services->len);
  if (g_strcmp0 (property_name, "IsStatusNotifierHostRegistered") == 0)
    return g_variant_new_boolean (TRUE);
  return g_variant_new_int32 (0);
}

static const GDBusInterfaceVTable watcher_vtable = { watcher_method_call, watcher_get_property, NULL, { 0 } };

static void
on_item_signal (GDBusConnection *connection,
                const char      *sender,
                const char      *object_path,
                const char      *interface_name,
                const char      *signal_name,
                GVariant        *parameters,
                gpointer         user_data)
{
  Watcher *watcher = user_data;

  if (g_strcmp0 (signal_name, "NewStatus") == 0)
    {
      const char *status;

      g_variant_get (parameters, "(&s)", &status);
      g_ptr_array_add (watcher->signals, g_strconcat (signal_name, " ", status, NULL));
    }
  else
    g_ptr_array_add (watcher->signals, g_strdup (signal_name));
}

static void
on_watcher_name_acquired (GDBusConnection *connection,
                          const char      *name,
                          gpointer         user_data)
{
  ((Watcher *) user_data)->owned = TRUE;
}

static void
on_watcher_name_lost (GDBusConnection *connection,
                      const char      *name,
                      gpointer         user_data)
{
  g_assert_not_reached ();
}

static void
watcher_start (Watcher *watcher)
{
  g_autoptr(GDBusNodeInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  watcher->services = g_ptr_array_new_with_free_func (g_free);
  watcher->senders = g_ptr_array_new_with_free_func (g_free);
  watcher->signals = g_ptr_array_new_with_free_func (g_free);
  watcher->owned = FALSE;

  watcher->connection = g_dbus_connection_new_for_address_sync (g_getenv ("DBUS_SESSION_BUS_ADDRESS"),
                                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                                G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                                NULL, NULL, &error);
  g_assert_no_error (error);

  info = g_dbus_node_info_new_for_xml (watcher_xml, &error);
  g_assert_no_error (error);
  watcher->registration_id = g_dbus_connection_register_object (watcher->connection, "/StatusNotifierWatcher",
                                                                info->interfaces[0], &watcher_vtable,
                                                                watcher, NULL, &error);
  g_assert_no_error (error);
  watcher->signal_id = g_dbus_connection_signal_subscribe (watcher->connection, NULL, ITEM_INTERFACE, NULL,
                                                           CONCORD_STATUS_ICON_OBJECT_PATH, NULL,
                                                           G_DBUS_SIGNAL_FLAGS_NONE, on_item_signal,
                                                           watcher, NULL);

  watcher->owner_id = g_bus_own_name_on_connection (watcher->connection, WATCHER_NAME,
                                                    G_BUS_NAME_OWNER_FLAGS_NONE,
                                                    on_watcher_name_acquired, on_watcher_name_lost,
                                                    watcher, NULL);
  CONCORD_TEST_WAIT_FOR (watcher->owned);
}

static void
watcher_stop (Watcher *watcher)
{
  g_autoptr(GError) error = NULL;

  if (watcher->connection == NULL)
    return;

  g_clear_handle_id (&watcher->owner_id, g_bus_unown_name);
  g_dbus_connection_signal_unsubscribe (watcher->connection, watcher->signal_id);
  g_dbus_connection_unregister_object (watcher->connection, watcher->registration_id);
  g_dbus_connection_close_sync (watcher->connection, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&watcher->connection);
  g_clear_pointer (&watcher->services, g_ptr_array_unref);
  g_clear_pointer (&watcher->senders, g_ptr_array_unref);
  g_clear_pointer (&watcher->signals, g_ptr_array_unref);
}

/* ------------------------------------------------------------------------- */
/* The engine over two in-memory apps (as in test-notifications.c)           */
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

/* Holds a run inside its first write until released: a run that is
 * certainly going while the test looks. */
typedef struct
{
  GMutex   mutex;
  GCond    cond;
  gboolean blocking;
  gboolean entered;
} Gate;

static gboolean
gate_write (const ConcordRecord *record,
            gpointer             user_data)
{
  Gate *gate = user_data;

  g_mutex_lock (&gate->mutex);
  gate->entered = TRUE;
  while (gate->blocking)
    g_cond_wait (&gate->cond, &gate->mutex);
  g_mutex_unlock (&gate->mutex);
  return FALSE;
}

static void
gate_release (Gate *gate)
{
  g_mutex_lock (&gate->mutex);
  gate->blocking = FALSE;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->mutex);
}

typedef struct
{
  Watcher             watcher;
  GApplication       *app;
  ConcordEngine      *engine;
  ConcordStatusIcon  *icon;
  ConcordSecretStore *secrets;
  char               *path;
  GPtrArray          *activated;  /* (element-type utf8) the app actions that ran */
  guint               finished;
  guint               n_logged;   /* messages, warnings, criticals of the icon's domain */
  guint               log_handler;
  gint64              connection_id;
  Gate                gate;
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
on_action_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  Fixture *f = user_data;

  g_ptr_array_add (f->activated, g_strdup (g_action_get_name (G_ACTION (action))));
}

static void
count_log (const char     *log_domain,
           GLogLevelFlags  log_level,
           const char     *message,
           gpointer        user_data)
{
  Fixture *f = user_data;

  f->n_logged++;
  g_printerr ("logged: %s\n", message);
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
  CONCORD_TEST_WAIT_FOR (f->finished >= 1);
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  static guint n_setups;
  static const char *actions[] = { "open", "sync-all", "pause-all", "quit" };
  g_autofree char *db = g_strdup_printf ("status-icon-%u.sqlite", n_setups++);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  g_mutex_init (&f->gate.mutex);
  g_cond_init (&f->gate.cond);

  /* Anything the icon logs above debug is a failure here: on a desktop
   * without a tray it must be silent. */
  f->log_handler = g_log_set_handler ("concord-status-icon",
                                      G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL |
                                      G_LOG_LEVEL_INFO,
                                      count_log, f);

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
  f->engine = concord_engine_new (f->path, f->secrets, test_create);
  g_signal_connect (f->engine, "run-finished", G_CALLBACK (on_run_finished), f);
  concord_engine_open_async (f->engine, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_open_finish (f->engine, result, &error));
  g_assert_no_error (error);

  /* The application's actions, as ConcordApplication has them, here only
   * recording that they ran. */
  f->activated = g_ptr_array_new_with_free_func (g_free);
  f->app = g_application_new (TEST_APP_ID, G_APPLICATION_NON_UNIQUE);
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      g_autoptr(GSimpleAction) action = g_simple_action_new (actions[i], NULL);

      g_signal_connect (action, "activate", G_CALLBACK (on_action_activated), f);
      g_action_map_add_action (G_ACTION_MAP (f->app), G_ACTION (action));
    }
  g_application_register (f->app, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (g_application_get_dbus_connection (f->app));

  add_connection (f);
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
  gate_release (&f->gate);
  g_clear_object (&f->icon);
  g_clear_object (&f->app);
  watcher_stop (&f->watcher);

  g_object_add_weak_pointer (G_OBJECT (f->engine), (gpointer *) &f->engine);
  g_object_unref (f->engine);
  g_assert_true (concord_test_wait_until (engine_gone, f, 30));

  g_clear_object (&f->secrets);
  g_clear_pointer (&f->path, g_free);
  g_clear_object (&sides[0]);
  g_clear_object (&sides[1]);
  g_clear_pointer (&f->activated, g_ptr_array_unref);
  g_log_remove_handler ("concord-status-icon", f->log_handler);
  g_mutex_clear (&f->gate.mutex);
  g_cond_clear (&f->gate.cond);
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

/* Everything sent so far has arrived and been dispatched. */
static void
flush_bus (Fixture *f)
{
  round_trip (g_application_get_dbus_connection (f->app));
  if (f->watcher.connection != NULL)
    round_trip (f->watcher.connection);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

/* The names on the bus that are status notifier items. */
static guint
count_item_names (Fixture *f)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const char **names = NULL;
  guint n = 0;

  reply = g_dbus_connection_call_sync (g_application_get_dbus_connection (f->app), "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus", "ListNames", NULL,
                                       G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(^a&s)", &names);
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_has_prefix (names[i], "org.kde.StatusNotifierItem-"))
      n++;
  return n;
}

/* Whether the app's connection answers for the item's object, asked
 * from another connection (the item's handlers run in this thread). */
static gboolean
item_exported (Fixture *f)
{
  g_autoptr(GDBusConnection) other = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  other = g_dbus_connection_new_for_address_sync (g_getenv ("DBUS_SESSION_BUS_ADDRESS"),
                                                  G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                  G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                  NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_call (other, g_dbus_connection_get_unique_name (g_application_get_dbus_connection (f->app)),
                          CONCORD_STATUS_ICON_OBJECT_PATH, "org.freedesktop.DBus.Properties", "GetAll",
                          g_variant_new ("(s)", ITEM_INTERFACE), NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL,
                          concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  reply = g_dbus_connection_call_finish (other, result, &error);
  g_dbus_connection_close_sync (other, NULL, NULL);
  return reply != NULL;
}

/* A call from the fake tray to the item, answered by the app's main
 * context: asynchronous, waited for. */
static GVariant *
call_item (Fixture            *f,
           const char         *path,
           const char         *interface,
           const char         *method,
           GVariant           *parameters,
           const GVariantType *reply_type,
           GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;
  const char *service;

  g_assert_cmpuint (f->watcher.services->len, >, 0);
  service = g_ptr_array_index (f->watcher.services, f->watcher.services->len - 1);
  g_dbus_connection_call (f->watcher.connection, service, path, interface, method, parameters,
                          reply_type, G_DBUS_CALL_FLAGS_NONE, 10000, NULL,
                          concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  return g_dbus_connection_call_finish (f->watcher.connection, result, error);
}

static GVariant *
get_item_property (Fixture    *f,
                   const char *name)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *value;

  reply = call_item (f, CONCORD_STATUS_ICON_OBJECT_PATH, "org.freedesktop.DBus.Properties", "Get",
                     g_variant_new ("(ss)", ITEM_INTERFACE, name), G_VARIANT_TYPE ("(v)"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return value;
}

static char *
get_item_string (Fixture    *f,
                 const char *name)
{
  g_autoptr(GVariant) value = get_item_property (f, name);

  return g_variant_dup_string (value, NULL);
}

static char *
get_tooltip (Fixture *f)
{
  g_autoptr(GVariant) value = get_item_property (f, "ToolTip");
  char *description;

  g_assert_cmpstr (g_variant_get_type_string (value), ==, "(sa(iiay)ss)");
  g_variant_get_child (value, 3, "s", &description);
  return description;
}

static void
start_icon (Fixture *f)
{
  f->icon = concord_status_icon_new (f->app, f->engine);
  CONCORD_TEST_WAIT_FOR (concord_status_icon_get_registered (f->icon));
}

static void
assert_registered_once_more (Fixture *f,
                             guint    n_registrations)
{
  const char *service;
  g_autofree char *prefix = g_strdup_printf ("org.kde.StatusNotifierItem-%d-", (int) getpid ());

  CONCORD_TEST_WAIT_FOR (concord_status_icon_get_registered (f->icon));
  flush_bus (f);
  g_assert_cmpuint (f->watcher.services->len, ==, n_registrations);
  service = g_ptr_array_index (f->watcher.services, n_registrations - 1);
  g_assert_true (g_str_has_prefix (service, prefix));
  g_assert_cmpstr (g_ptr_array_index (f->watcher.senders, n_registrations - 1), ==,
                   g_dbus_connection_get_unique_name (g_application_get_dbus_connection (f->app)));
  g_assert_cmpuint (count_item_names (f), ==, 1);
}

static void
assert_look (Fixture    *f,
             const char *status,
             const char *icon)
{
  g_autofree char *got_status = get_item_string (f, "Status");
  g_autofree char *got_icon = get_item_string (f, "IconName");

  g_assert_cmpstr (got_status, ==, status);
  g_assert_cmpstr (got_icon, ==, icon);
}

static gboolean
has_signal (Fixture    *f,
            const char *signal)
{
  for (guint i = 0; i < f->watcher.signals->len; i++)
    if (g_strcmp0 (g_ptr_array_index (f->watcher.signals, i), signal) == 0)
      return TRUE;
  return FALSE;
}

static ConcordConnectionState *
connection (Fixture *f)
{
  return concord_engine_lookup (f->engine, f->connection_id);
}

/* "Last synced at 19:31:07", the connection's last sync as the C locale
 * writes a time of day. */
static char *
expected_last_line (Fixture *f)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (concord_connection_state_get_last_sync (connection (f)));
  g_autofree char *time = g_date_time_format (when, "%X");

  return g_strconcat ("Last synced at ", time, NULL);
}

/* ------------------------------------------------------------------------- */
/* Tests                                                                     */
/* ------------------------------------------------------------------------- */

/* No tray: nothing on the bus, nothing said; one appears: registered. */
static void
test_no_watcher (Fixture       *f,
                 gconstpointer  data)
{
  f->icon = concord_status_icon_new (f->app, f->engine);
  g_assert_true (concord_status_icon_get_enabled (f->icon));

  /* The name watcher's first answer ("no owner") has come and gone. */
  for (guint i = 0; i < 3; i++)
    flush_bus (f);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_assert_false (concord_status_icon_get_registered (f->icon));
  g_assert_cmpuint (count_item_names (f), ==, 0);
  g_assert_false (item_exported (f));
  g_assert_cmpuint (f->n_logged, ==, 0);

  /* The panel starts: NameOwnerChanged, and the item registers. */
  watcher_start (&f->watcher);
  assert_registered_once_more (f, 1);
  g_assert_cmpuint (f->n_logged, ==, 0);
}

/* The panel restarts: the item leaves with the old watcher and registers
 * with the new one. */
static void
test_watcher_restarts (Fixture       *f,
                       gconstpointer  data)
{
  watcher_start (&f->watcher);
  start_icon (f);
  assert_registered_once_more (f, 1);

  watcher_stop (&f->watcher);
  CONCORD_TEST_WAIT_FOR (!concord_status_icon_get_registered (f->icon));
  flush_bus (f);
  g_assert_cmpuint (count_item_names (f), ==, 0);

  watcher_start (&f->watcher);
  assert_registered_once_more (f, 1);
  g_assert_cmpuint (f->n_logged, ==, 0);
}

/* The preference off: the item leaves the bus; on: it comes back. */
static void
test_turned_off (Fixture       *f,
                 gconstpointer  data)
{
  watcher_start (&f->watcher);
  start_icon (f);
  assert_registered_once_more (f, 1);

  concord_status_icon_set_enabled (f->icon, FALSE);
  g_assert_false (concord_status_icon_get_registered (f->icon));
  flush_bus (f);
  g_assert_cmpuint (count_item_names (f), ==, 0);

  g_object_set (f->icon, "enabled", TRUE, NULL);
  assert_registered_once_more (f, 2);
}

/* idle → syncing → failing → idle, as the tray reads it. */
static void
test_states (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) broken = g_error_new (CONCORD_ERROR, CONCORD_ERROR_NETWORK, "The app could not be reached");
  g_autoptr(ConcordRecord) record = concord_record_new (NULL);
  g_autofree char *tooltip = NULL;
  g_autofree char *last_line = NULL;
  g_autofree char *category = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GVariant) menu = NULL;
  guint before;

  watcher_start (&f->watcher);
  start_icon (f);
  assert_registered_once_more (f, 1);

  category = get_item_string (f, "Category");
  g_assert_cmpstr (category, ==, "ApplicationStatus");
  id = get_item_string (f, "Id");
  g_assert_cmpstr (id, ==, APP_ID);
  menu = get_item_property (f, "Menu");
  g_assert_cmpstr (g_variant_get_string (menu, NULL), ==, CONCORD_STATUS_ICON_MENU_PATH);

  /* Idle, synced once. The state is a property of its enum type, for
   * bindings and GtkExpressions. */
  last_line = expected_last_line (f);
  g_assert_cmpint (concord_status_icon_get_state (f->icon), ==, CONCORD_STATUS_ICON_IDLE);
  {
    GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (f->icon), "state");
    ConcordStatusIconState state = CONCORD_STATUS_ICON_FAILING;

    g_assert_true (G_IS_PARAM_SPEC_ENUM (pspec));
    g_assert_true (pspec->value_type == CONCORD_TYPE_STATUS_ICON_STATE);
    g_object_get (f->icon, "state", &state, NULL);
    g_assert_cmpint (state, ==, CONCORD_STATUS_ICON_IDLE);
  }
  assert_look (f, "Active", APP_ID "-symbolic");
  tooltip = get_tooltip (f);
  g_assert_cmpstr (tooltip, ==, last_line);
  g_clear_pointer (&tooltip, g_free);

  /* Syncing: a run held in its first write. */
  concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, "ada@example.com");
  concord_record_set_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, "Ada");
  concord_memory_connector_insert (sides[0], record);
  f->gate.blocking = TRUE;
  concord_memory_connector_set_fail_func (sides[1], gate_write, &f->gate);
  before = f->finished;
  concord_engine_sync_now (f->engine, f->connection_id);
  CONCORD_TEST_WAIT_FOR (concord_connection_state_get_status (connection (f)) == CONCORD_CONNECTION_RUNNING);
  g_assert_cmpint (concord_status_icon_get_state (f->icon), ==, CONCORD_STATUS_ICON_SYNCING);
  assert_look (f, "Active", "emblem-synchronizing-symbolic");
  tooltip = get_tooltip (f);
  g_assert_true (g_str_has_prefix (tooltip, "Syncing…\n"));
  g_assert_cmpstr (strchr (tooltip, '\n') + 1, ==, last_line);
  g_clear_pointer (&tooltip, g_free);
  flush_bus (f);
  g_assert_true (has_signal (f, "NewIcon"));
  g_assert_true (has_signal (f, "NewToolTip"));
  g_assert_false (has_signal (f, "NewStatus Active"));

  /* Back to idle, synced again. */
  gate_release (&f->gate);
  CONCORD_TEST_WAIT_FOR (f->finished > before);
  CONCORD_TEST_WAIT_FOR (concord_status_icon_get_state (f->icon) == CONCORD_STATUS_ICON_IDLE);
  concord_memory_connector_set_fail_func (sides[1], NULL, NULL);
  g_clear_pointer (&last_line, g_free);
  last_line = expected_last_line (f);
  assert_look (f, "Active", APP_ID "-symbolic");
  tooltip = get_tooltip (f);
  g_assert_cmpstr (tooltip, ==, last_line);
  g_clear_pointer (&tooltip, g_free);

  /* Failing: NeedsAttention, and the tooltip names the connection. */
  concord_memory_connector_fail_list_at_page (sides[1], 0, broken);
  before = f->finished;
  concord_engine_sync_now (f->engine, f->connection_id);
  CONCORD_TEST_WAIT_FOR (f->finished > before);
  g_assert_cmpint (concord_connection_state_get_status (connection (f)), ==, CONCORD_CONNECTION_FAILING);
  g_assert_cmpint (concord_status_icon_get_state (f->icon), ==, CONCORD_STATUS_ICON_FAILING);
  assert_look (f, "NeedsAttention", "dialog-warning-symbolic");
  tooltip = get_tooltip (f);
  g_assert_true (g_str_has_prefix (tooltip, CONNECTION_NAME " stopped syncing\n"));
  g_assert_cmpstr (strchr (tooltip, '\n') + 1, ==, last_line);
  g_assert_cmpstr (concord_status_icon_get_status_line (f->icon), ==, CONNECTION_NAME " stopped syncing");
  g_clear_pointer (&tooltip, g_free);
  flush_bus (f);
  g_assert_true (has_signal (f, "NewStatus NeedsAttention"));

  /* Recovered: idle again. */
  before = f->finished;
  concord_engine_sync_now (f->engine, f->connection_id);
  CONCORD_TEST_WAIT_FOR (f->finished > before);
  g_assert_null (concord_connection_state_get_error (connection (f)));
  g_assert_cmpint (concord_status_icon_get_state (f->icon), ==, CONCORD_STATUS_ICON_IDLE);
  assert_look (f, "Active", APP_ID "-symbolic");
  g_clear_pointer (&last_line, g_free);
  last_line = expected_last_line (f);
  tooltip = get_tooltip (f);
  g_assert_cmpstr (tooltip, ==, last_line);
  flush_bus (f);
  g_assert_true (has_signal (f, "NewStatus Active"));
  g_assert_cmpuint (f->n_logged, ==, 0);
}

/* Each menu item, clicked, runs its action; a click on the icon opens
 * the window. */
static void
test_menu (Fixture       *f,
           gconstpointer  data)
{
  static const char *labels[] = { "Open Concord", "Sync All Now", "Pause All", "Quit" };
  static const char *actions[] = { "open", "sync-all", "pause-all", "quit" };
  const char *no_names[] = { NULL };
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) layout = NULL;
  g_autoptr(GVariant) children = NULL;
  g_autoptr(GVariant) version = NULL;
  g_autoptr(GError) error = NULL;
  guint32 revision;

  watcher_start (&f->watcher);
  start_icon (f);
  assert_registered_once_more (f, 1);

  reply = call_item (f, CONCORD_STATUS_ICON_MENU_PATH, "org.freedesktop.DBus.Properties", "Get",
                     g_variant_new ("(ss)", "com.canonical.dbusmenu", "Version"), G_VARIANT_TYPE ("(v)"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &version);
  g_assert_cmpuint (g_variant_get_uint32 (version), ==, 3);
  g_clear_pointer (&reply, g_variant_unref);

  reply = call_item (f, CONCORD_STATUS_ICON_MENU_PATH, "com.canonical.dbusmenu", "GetLayout",
                     g_variant_new ("(ii^as)", 0, -1, no_names), G_VARIANT_TYPE ("(u(ia{sv}av))"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u@(ia{sv}av))", &revision, &layout);
  children = g_variant_get_child_value (layout, 2);
  g_assert_cmpuint (g_variant_n_children (children), ==, G_N_ELEMENTS (labels));

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (children, i);
      g_autoptr(GVariant) item = g_variant_get_variant (child);
      g_autoptr(GVariant) props = g_variant_get_child_value (item, 1);
      g_autoptr(GVariant) event = NULL;
      const char *label = NULL;
      gint32 item_id;

      g_variant_get_child (item, 0, "i", &item_id);
      g_assert_true (g_variant_lookup (props, "label", "&s", &label));
      g_assert_cmpstr (label, ==, labels[i]);

      /* Clicked: its action runs, and only it. */
      g_ptr_array_set_size (f->activated, 0);
      event = call_item (f, CONCORD_STATUS_ICON_MENU_PATH, "com.canonical.dbusmenu", "Event",
                         g_variant_new ("(isvu)", item_id, "clicked", g_variant_new_string (""), 0),
                         NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (f->activated->len, ==, 1);
      g_assert_cmpstr (g_ptr_array_index (f->activated, 0), ==, actions[i]);
    }

  /* Hovering is no click. */
  g_ptr_array_set_size (f->activated, 0);
  g_clear_pointer (&reply, g_variant_unref);
  reply = call_item (f, CONCORD_STATUS_ICON_MENU_PATH, "com.canonical.dbusmenu", "Event",
                     g_variant_new ("(isvu)", 1, "hovered", g_variant_new_string (""), 0), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->activated->len, ==, 0);

  /* An item that does not exist: an error, nothing run. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = call_item (f, CONCORD_STATUS_ICON_MENU_PATH, "com.canonical.dbusmenu", "Event",
                     g_variant_new ("(isvu)", 99, "clicked", g_variant_new_string (""), 0), NULL, &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  g_assert_cmpuint (f->activated->len, ==, 0);

  /* A group of clicks, as some hosts send them. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = call_item (f, CONCORD_STATUS_ICON_MENU_PATH, "com.canonical.dbusmenu", "EventGroup",
                     g_variant_new_parsed ("([(2, 'clicked', <''>, uint32 0), (77, 'clicked', <''>, uint32 0)],)"),
                     G_VARIANT_TYPE ("(ai)"), &error);
  g_assert_no_error (error);
  {
    g_autoptr(GVariant) errors = g_variant_get_child_value (reply, 0);

    g_assert_cmpuint (g_variant_n_children (errors), ==, 1);
  }
  g_assert_cmpuint (f->activated->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->activated, 0), ==, "sync-all");

  /* A click on the icon itself. */
  g_ptr_array_set_size (f->activated, 0);
  g_clear_pointer (&reply, g_variant_unref);
  reply = call_item (f, CONCORD_STATUS_ICON_OBJECT_PATH, ITEM_INTERFACE, "Activate",
                     g_variant_new ("(ii)", 10, 10), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->activated->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->activated, 0), ==, "open");
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  /* The session bus is the test's own (tools/in-session.sh, CI). */
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      g_test_skip ("No session bus");
      return g_test_run ();
    }

  g_test_add ("/concord/status-icon/no-watcher", Fixture, NULL, setup, test_no_watcher, teardown);
  g_test_add ("/concord/status-icon/watcher-restarts", Fixture, NULL, setup, test_watcher_restarts, teardown);
  g_test_add ("/concord/status-icon/turned-off", Fixture, NULL, setup, test_turned_off, teardown);
  g_test_add ("/concord/status-icon/states", Fixture, NULL, setup, test_states, teardown);
  g_test_add ("/concord/status-icon/menu", Fixture, NULL, setup, test_menu, teardown);

  return g_test_run ();
}
