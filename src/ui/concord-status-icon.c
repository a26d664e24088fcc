/* concord-status-icon.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The status icon ("tray icon") of KDE Plasma, Xfce, Cinnamon, Ubuntu and
 * every other desktop that hosts a StatusNotifierWatcher: the
 * org.kde.StatusNotifierItem protocol, spoken over GDBus on the
 * application's own session bus connection, with no GTK 3 library.
 *
 * Where there is no watcher (GNOME without an extension, a bare window
 * manager) nothing is exported, no name is owned and nothing is logged
 * above debug level: the name watcher simply never sees one appear. When a
 * watcher appears (the desktop's panel starts or restarts: its
 * NameOwnerChanged) the item is exported and registered again, and when it
 * goes the item is taken down, so that the next watcher finds a fresh one.
 *
 * The item owns org.kde.StatusNotifierItem-PID-N and registers that name,
 * the form every host understands. Where owning it is refused (a Flatpak
 * sandbox not granted the name) it registers its object path instead,
 * which watchers take as "this connection's unique name, at this path":
 * so the sandbox needs only --talk-name=org.kde.StatusNotifierWatcher.
 *
 * Its look follows the connections' states, the same ConcordConnectionState
 * objects (and their notifications) the window's rows show: failing when
 * any connection's last run failed (NeedsAttention, a warning icon, the
 * tooltip naming the connection), syncing when one is running, idle
 * otherwise; the tooltip always says when the last sync was.
 *
 * Its menu is com.canonical.dbusmenu, exported by the few functions at
 * the end of this file rather than by libdbusmenu-glib: the menu is four
 * fixed items with no submenus, icons, toggles or shortcuts, so the whole
 * protocol is a layout of four entries and a "clicked" event; that is less
 * code than the glue a DbusmenuServer would need, and it avoids a library
 * that has had no release since 2018, is not installed in our build image
 * and that Flathub's GNOME runtime does not ship. Each item activates one
 * of the application's actions (app.open, app.sync-all, app.pause-all,
 * app.quit), so the menu does exactly what the window does.
 */

#define G_LOG_DOMAIN "concord-status-icon"

#include "config.h"

#include <unistd.h>

#include <gtk/gtk.h>

#include <glib/gi18n.h>

#include "concord-status-icon.h"
#include "concord-ui-enums.h"

#define WATCHER_NAME "org.kde.StatusNotifierWatcher"
#define WATCHER_PATH "/StatusNotifierWatcher"
#define ITEM_INTERFACE "org.kde.StatusNotifierItem"
#define MENU_INTERFACE "com.canonical.dbusmenu"

struct _ConcordStatusIcon
{
  GObject         parent_instance;

  GApplication   *app;          /* (weak) it owns us */
  ConcordEngine  *engine;       /* (owned) */
  GDBusConnection *bus;         /* (owned) (nullable) while enabled */

  gboolean        enabled;
  guint           watch_id;     /* the watcher's name, while enabled */
  guint           own_id;       /* our well-known name, while exported */
  guint           item_id;      /* registered objects, while exported */
  guint           menu_id;
  char           *bus_name;     /* (owned) (nullable) the name we own or ask for */
  GCancellable   *cancellable;  /* (owned) (nullable) the registration under way */
  gboolean        registered;   /* the watcher accepted us */
  guint           menu_revision;

  ConcordStatusIconState state;
  char           *status_line;  /* (owned) one short sentence */
  char           *description;  /* (owned) the tooltip's text */
};

G_DEFINE_FINAL_TYPE (ConcordStatusIcon, concord_status_icon, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_APPLICATION,
  PROP_ENGINE,
  PROP_ENABLED,
  PROP_REGISTERED,
  PROP_STATE,
  PROP_STATUS_LINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------------- */
/* The state                                                                 */
/* ------------------------------------------------------------------------- */

/* A time of day today, otherwise a date and time, both as the locale
 * writes them. */
static char *
format_time (gint64 when)
{
  g_autoptr(GDateTime) then = g_date_time_new_from_unix_local (when);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (then == NULL)
    return g_strdup ("");
  if (g_date_time_get_year (then) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (then) == g_date_time_get_day_of_year (now))
    return g_date_time_format (then, "%X");
  return g_date_time_format (then, "%x %X");
}

static const char *
connection_name (ConcordConnectionState *state)
{
  const char *name = concord_connection_state_get_name (state);

  /* Translators: stands for a connection's name when it has none */
  return name != NULL && *name != '\0' ? name : _("A connection");
}

static const char *
icon_name (ConcordStatusIconState state)
{
  switch (state)
    {
    case CONCORD_STATUS_ICON_SYNCING:
      return "emblem-synchronizing-symbolic";
    case CONCORD_STATUS_ICON_FAILING:
      return "dialog-warning-symbolic";
    case CONCORD_STATUS_ICON_IDLE:
    default:
      return APP_ID "-symbolic";
    }
}

static const char *
item_status (ConcordStatusIconState state)
{
  return state == CONCORD_STATUS_ICON_FAILING ? "NeedsAttention" : "Active";
}

static void
emit_item_signal (ConcordStatusIcon *self,
                  const char        *name,
                  GVariant          *parameters)
{
  g_autoptr(GVariant) owned = parameters != NULL ? g_variant_ref_sink (parameters) : NULL;

  if (self->item_id == 0)
    return;
  g_dbus_connection_emit_signal (self->bus, NULL, CONCORD_STATUS_ICON_OBJECT_PATH, ITEM_INTERFACE,
                                 name, owned, NULL);
}

static void
update_state (ConcordStatusIcon *self)
{
  GListModel *connections = concord_engine_get_connections (self->engine);
  ConcordConnectionState *first_failing = NULL;
  guint n_failing = 0;
  gboolean running = FALSE;
  gint64 last_sync = 0;
  ConcordStatusIconState state;
  g_autofree char *status_line = NULL;
  g_autofree char *last_line = NULL;
  g_autofree char *description = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (connections); i++)
    {
      g_autoptr(ConcordConnectionState) connection = g_list_model_get_item (connections, i);

      switch (concord_connection_state_get_status (connection))
        {
        case CONCORD_CONNECTION_FAILING:
          if (n_failing++ == 0)
            first_failing = connection;
          break;
        case CONCORD_CONNECTION_RUNNING:
          running = TRUE;
          break;
        case CONCORD_CONNECTION_OFF:
        case CONCORD_CONNECTION_IDLE:
        default:
          break;
        }
      last_sync = MAX (last_sync, concord_connection_state_get_last_sync (connection));
    }

  if (last_sync > 0)
    {
      g_autofree char *when = format_time (last_sync);

      /* Translators: %s is a time of day, or a date and a time, as the
       * locale writes them */
      last_line = g_strdup_printf (_("Last synced at %s"), when);
    }
  else
    last_line = g_strdup (_("Not synced yet"));

  if (n_failing > 0)
    {
      state = CONCORD_STATUS_ICON_FAILING;
      if (n_failing == 1)
        /* Translators: %s is a connection's name, for example "Shop ↔ Newsletter" */
        status_line = g_strdup_printf (_("%s stopped syncing"), connection_name (first_failing));
      else
        status_line = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                    /* Translators: %s is a connection's name, for
                                                     * example "Shop ↔ Newsletter"; %u how many
                                                     * other connections stopped syncing too */
                                                    "%s and %u other connection stopped syncing",
                                                    "%s and %u other connections stopped syncing",
                                                    n_failing - 1),
                                       connection_name (first_failing), n_failing - 1);
    }
  else if (running)
    {
      state = CONCORD_STATUS_ICON_SYNCING;
      status_line = g_strdup (_("Syncing…"));
    }
  else
    {
      state = CONCORD_STATUS_ICON_IDLE;
      status_line = g_strdup (last_line);
    }

  /* The tooltip: what is happening, and when the last sync was. */
  if (state == CONCORD_STATUS_ICON_IDLE)
    description = g_strdup (status_line);
  else
    description = g_strconcat (status_line, "\n", last_line, NULL);

  if (state != self->state)
    {
      gboolean status_changed = g_strcmp0 (item_status (state), item_status (self->state)) != 0;

      self->state = state;
      emit_item_signal (self, "NewIcon", NULL);
      if (status_changed)
        emit_item_signal (self, "NewStatus", g_variant_new ("(s)", item_status (state)));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  if (g_strcmp0 (description, self->description) != 0)
    {
      g_free (self->description);
      self->description = g_steal_pointer (&description);
      emit_item_signal (self, "NewToolTip", NULL);
    }
  if (g_strcmp0 (status_line, self->status_line) != 0)
    {
      g_free (self->status_line);
      self->status_line = g_steal_pointer (&status_line);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS_LINE]);
    }
}

static void
on_connections_changed (GListModel        *connections,
                        guint              position,
                        guint              removed,
                        guint              added,
                        ConcordStatusIcon *self)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(GObject) connection = g_list_model_get_item (connections, i);

      g_signal_connect_object (connection, "notify::status", G_CALLBACK (update_state), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (connection, "notify::last-sync", G_CALLBACK (update_state), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (connection, "notify::name", G_CALLBACK (update_state), self,
                               G_CONNECT_SWAPPED);
    }
  update_state (self);
}

/* ------------------------------------------------------------------------- */
/* The menu's items                                                          */
/* ------------------------------------------------------------------------- */

static const struct
{
  const char *label;
  const char *action;  /* in the app. namespace */
} menu_items[] = {
  /* ids 1, 2, …: 0 is the menu itself */
  /* Translators: an item of the menu of Concord's icon in the panel's tray */
  { N_("Open Concord"), "open" },
  /* Translators: an item of the menu of Concord's icon in the panel's
   * tray: syncs every connection that is on, now */
  { N_("Sync All Now"), "sync-all" },
  /* Translators: an item of the menu of Concord's icon in the panel's
   * tray: turns every connection off */
  { N_("Pause All"), "pause-all" },
  /* Translators: an item of the menu of Concord's icon in the panel's tray */
  { N_("Quit"), "quit" },
};

static void
activate_action (ConcordStatusIcon *self,
                 const char        *action)
{
  if (self->app == NULL)
    return;

  if (g_action_group_has_action (G_ACTION_GROUP (self->app), action))
    g_action_group_activate_action (G_ACTION_GROUP (self->app), action, NULL);
  else
    g_debug ("No action app.%s to activate", action);
}

/* ------------------------------------------------------------------------- */
/* org.kde.StatusNotifierItem                                                */
/* ------------------------------------------------------------------------- */

static const char item_xml[] =
  "<node>"
  "  <interface name='org.kde.StatusNotifierItem'>"
  "    <property name='Category' type='s' access='read'/>"
  "    <property name='Id' type='s' access='read'/>"
  "    <property name='Title' type='s' access='read'/>"
  "    <property name='Status' type='s' access='read'/>"
  "    <property name='WindowId' type='i' access='read'/>"
  "    <property name='IconThemePath' type='s' access='read'/>"
  "    <property name='Menu' type='o' access='read'/>"
  "    <property name='ItemIsMenu' type='b' access='read'/>"
  "    <property name='IconName' type='s' access='read'/>"
  "    <property name='IconPixmap' type='a(iiay)' access='read'/>"
  "    <property name='OverlayIconName' type='s' access='read'/>"
  "    <property name='OverlayIconPixmap' type='a(iiay)' access='read'/>"
  "    <property name='AttentionIconName' type='s' access='read'/>"
  "    <property name='AttentionIconPixmap' type='a(iiay)' access='read'/>"
  "    <property name='AttentionMovieName' type='s' access='read'/>"
  "    <property name='ToolTip' type='(sa(iiay)ss)' access='read'/>"
  "    <method name='ContextMenu'><arg name='x' type='i' direction='in'/>"
  "      <arg name='y' type='i' direction='in'/></method>"
  "    <method name='Activate'><arg name='x' type='i' direction='in'/>"
  "      <arg name='y' type='i' direction='in'/></method>"
  "    <method name='SecondaryActivate'><arg name='x' type='i' direction='in'/>"
  "      <arg name='y' type='i' direction='in'/></method>"
  "    <method name='Scroll'><arg name='delta' type='i' direction='in'/>"
  "      <arg name='orientation' type='s' direction='in'/></method>"
  "    <signal name='NewTitle'/>"
  "    <signal name='NewIcon'/>"
  "    <signal name='NewAttentionIcon'/>"
  "    <signal name='NewOverlayIcon'/>"
  "    <signal name='NewToolTip'/>"
  "    <signal name='NewStatus'><arg name='status' type='s'/></signal>"
  "  </interface>"
  "</node>";

static void
item_method_call (GDBusConnection       *connection,
                  const char            *sender,
                  const char            *object_path,
                  const char            *interface_name,
                  const char            *method_name,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               user_data)
{
  ConcordStatusIcon *self = user_data;

  /* A click on the icon opens the window; the menu is ours to export,
   * the host shows it on ContextMenu itself; scrolling means nothing. */
  if (g_strcmp0 (method_name, "Activate") == 0 || g_strcmp0 (method_name, "SecondaryActivate") == 0)
    activate_action (self, "open");

  g_dbus_method_invocation_return_value (invocation, NULL);
}

static GVariant *
item_get_property (GDBusConnection  *connection,
                   const char       *sender,
                   const char       *object_path,
                   const char       *interface_name,
                   const char       *property_name,
                   GError          **error,
                   gpointer          user_data)
{
  ConcordStatusIcon *self = user_data;

  if (g_strcmp0 (property_name, "Category") == 0)
    return g_variant_new_string ("ApplicationStatus");
  if (g_strcmp0 (property_name, "Id") == 0)
    return g_variant_new_string (APP_ID);
  if (g_strcmp0 (property_name, "Title") == 0)
    return g_variant_new_string (PACKAGE_NAME);
  if (g_strcmp0 (property_name, "Status") == 0)
    return g_variant_new_string (item_status (self->state));
  if (g_strcmp0 (property_name, "WindowId") == 0)
    return g_variant_new_int32 (0);
  if (g_strcmp0 (property_name, "Menu") == 0)
    return g_variant_new_object_path (CONCORD_STATUS_ICON_MENU_PATH);
  if (g_strcmp0 (property_name, "ItemIsMenu") == 0)
    return g_variant_new_boolean (FALSE);
  if (g_strcmp0 (property_name, "IconName") == 0)
    return g_variant_new_string (icon_name (self->state));
  if (g_strcmp0 (property_name, "AttentionIconName") == 0)
    return g_variant_new_string (icon_name (CONCORD_STATUS_ICON_FAILING));
  if (g_strcmp0 (property_name, "IconPixmap") == 0 ||
      g_strcmp0 (property_name, "OverlayIconPixmap") == 0 ||
      g_strcmp0 (property_name, "AttentionIconPixmap") == 0)
    return g_variant_new_array (G_VARIANT_TYPE ("(iiay)"), NULL, 0);
  if (g_strcmp0 (property_name, "ToolTip") == 0)
    return g_variant_new ("(s@a(iiay)ss)", icon_name (self->state),
                          g_variant_new_array (G_VARIANT_TYPE ("(iiay)"), NULL, 0),
                          PACKAGE_NAME, self->description != NULL ? self->description : "");

  /* IconThemePath, OverlayIconName, AttentionMovieName: none. */
  return g_variant_new_string ("");
}

static const GDBusInterfaceVTable item_vtable = { item_method_call, item_get_property, NULL, { 0 } };

/* ------------------------------------------------------------------------- */
/* com.canonical.dbusmenu                                                    */
/* ------------------------------------------------------------------------- */

static const char menu_xml[] =
  "<node>"
  "  <interface name='com.canonical.dbusmenu'>"
  "    <property name='Version' type='u' access='read'/>"
  "    <property name='TextDirection' type='s' access='read'/>"
  "    <property name='Status' type='s' access='read'/>"
  "    <property name='IconThemePath' type='as' access='read'/>"
  "    <method name='GetLayout'>"
  "      <arg type='i' name='parentId' direction='in'/>"
  "      <arg type='i' name='recursionDepth' direction='in'/>"
  "      <arg type='as' name='propertyNames' direction='in'/>"
  "      <arg type='u' name='revision' direction='out'/>"
  "      <arg type='(ia{sv}av)' name='layout' direction='out'/>"
  "    </method>"
  "    <method name='GetGroupProperties'>"
  "      <arg type='ai' name='ids' direction='in'/>"
  "      <arg type='as' name='propertyNames' direction='in'/>"
  "      <arg type='a(ia{sv})' name='properties' direction='out'/>"
  "    </method>"
  "    <method name='GetProperty'>"
  "      <arg type='i' name='id' direction='in'/>"
  "      <arg type='s' name='name' direction='in'/>"
  "      <arg type='v' name='value' direction='out'/>"
  "    </method>"
  "    <method name='Event'>"
  "      <arg type='i' name='id' direction='in'/>"
  "      <arg type='s' name='eventId' direction='in'/>"
  "      <arg type='v' name='data' direction='in'/>"
  "      <arg type='u' name='timestamp' direction='in'/>"
  "    </method>"
  "    <method name='EventGroup'>"
  "      <arg type='a(isvu)' name='events' direction='in'/>"
  "      <arg type='ai' name='idErrors' direction='out'/>"
  "    </method>"
  "    <method name='AboutToShow'>"
  "      <arg type='i' name='id' direction='in'/>"
  "      <arg type='b' name='needUpdate' direction='out'/>"
  "    </method>"
  "    <method name='AboutToShowGroup'>"
  "      <arg type='ai' name='ids' direction='in'/>"
  "      <arg type='ai' name='updatesNeeded' direction='out'/>"
  "      <arg type='ai' name='idErrors' direction='out'/>"
  "    </method>"
  "    <signal name='ItemsPropertiesUpdated'>"
  "      <arg type='a(ia{sv})' name='updatedProps'/>"
  "      <arg type='a(ias)' name='removedProps'/>"
  "    </signal>"
  "    <signal name='LayoutUpdated'>"
  "      <arg type='u' name='revision'/>"
  "      <arg type='i' name='parent'/>"
  "    </signal>"
  "    <signal name='ItemActivationRequested'>"
  "      <arg type='i' name='id'/>"
  "      <arg type='u' name='timestamp'/>"
  "    </signal>"
  "  </interface>"
  "</node>";

static gboolean
menu_id_is_valid (gint32 id)
{
  return id >= 0 && id <= (gint32) G_N_ELEMENTS (menu_items);
}

static gboolean
wanted (const char * const *names,
        const char         *name)
{
  return names == NULL || names[0] == NULL || g_strv_contains (names, name);
}

/* dbusmenu reads "_" as a mnemonic: a translation's own are doubled. */
static char *
escape_label (const char *label)
{
  g_auto(GStrv) parts = g_strsplit (label, "_", -1);

  return g_strjoinv ("__", parts);
}

/* The item's properties: a{sv}. */
static GVariant *
menu_item_properties (gint32              id,
                      const char * const *names)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  if (id == 0)
    {
      if (wanted (names, "children-display"))
        g_variant_builder_add (&builder, "{sv}", "children-display", g_variant_new_string ("submenu"));
    }
  else
    {
      g_autofree char *label = escape_label (_(menu_items[id - 1].label));

      if (wanted (names, "label"))
        g_variant_builder_add (&builder, "{sv}", "label", g_variant_new_string (label));
      if (wanted (names, "enabled"))
        g_variant_builder_add (&builder, "{sv}", "enabled", g_variant_new_boolean (TRUE));
      if (wanted (names, "visible"))
        g_variant_builder_add (&builder, "{sv}", "visible", g_variant_new_boolean (TRUE));
    }

  return g_variant_builder_end (&builder);
}

/* The item and, @depth levels down (-1: all), its children: (ia{sv}av). */
static GVariant *
menu_layout (gint32              id,
             gint32              depth,
             const char * const *names)
{
  GVariantBuilder children;

  g_variant_builder_init (&children, G_VARIANT_TYPE ("av"));
  if (id == 0 && depth != 0)
    for (guint i = 1; i <= G_N_ELEMENTS (menu_items); i++)
      g_variant_builder_add (&children, "v", menu_layout ((gint32) i, depth - 1, names));

  return g_variant_new ("(i@a{sv}av)", id, menu_item_properties (id, names), &children);
}

static gboolean
menu_event (ConcordStatusIcon *self,
            gint32             id,
            const char        *event_id)
{
  if (!menu_id_is_valid (id))
    return FALSE;

  if (id > 0 && g_strcmp0 (event_id, "clicked") == 0)
    activate_action (self, menu_items[id - 1].action);
  return TRUE;
}

static void
menu_method_call (GDBusConnection       *connection,
                  const char            *sender,
                  const char            *object_path,
                  const char            *interface_name,
                  const char            *method_name,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               user_data)
{
  ConcordStatusIcon *self = user_data;

  if (g_strcmp0 (method_name, "GetLayout") == 0)
    {
      g_autofree const char **names = NULL;
      gint32 parent, depth;

      g_variant_get (parameters, "(ii^a&s)", &parent, &depth, &names);
      if (!menu_id_is_valid (parent))
        {
          g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                                 "No menu item %d", parent);
          return;
        }
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(u@(ia{sv}av))", self->menu_revision,
                                                            menu_layout (parent, depth, names)));
    }
  else if (g_strcmp0 (method_name, "GetGroupProperties") == 0)
    {
      g_autoptr(GVariantIter) ids = NULL;
      g_autofree const char **names = NULL;
      GVariantBuilder builder;
      gint32 id;

      g_variant_get (parameters, "(ai^a&s)", &ids, &names);
      g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ia{sv})"));
      while (g_variant_iter_next (ids, "i", &id))
        if (menu_id_is_valid (id))
          g_variant_builder_add (&builder, "(i@a{sv})", id, menu_item_properties (id, names));
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(a(ia{sv}))", &builder));
    }
  else if (g_strcmp0 (method_name, "GetProperty") == 0)
    {
      const char *name;
      const char *names[2] = { NULL, NULL };
      g_autoptr(GVariant) props = NULL;
      g_autoptr(GVariant) value = NULL;
      gint32 id;

      g_variant_get (parameters, "(i&s)", &id, &name);
      names[0] = name;
      if (menu_id_is_valid (id))
        {
          props = g_variant_ref_sink (menu_item_properties (id, names));
          value = g_variant_lookup_value (props, name, NULL);
        }
      if (value == NULL)
        g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                               "No property %s on menu item %d", name, id);
      else
        g_dbus_method_invocation_return_value (invocation, g_variant_new ("(v)", value));
    }
  else if (g_strcmp0 (method_name, "Event") == 0)
    {
      const char *event_id;
      gint32 id;

      g_variant_get (parameters, "(i&svu)", &id, &event_id, NULL, NULL);
      if (!menu_event (self, id, event_id))
        g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                               "No menu item %d", id);
      else
        g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_strcmp0 (method_name, "EventGroup") == 0)
    {
      g_autoptr(GVariantIter) events = NULL;
      GVariantBuilder errors;
      const char *event_id;
      gint32 id;

      g_variant_get (parameters, "(a(isvu))", &events);
      g_variant_builder_init (&errors, G_VARIANT_TYPE ("ai"));
      while (g_variant_iter_next (events, "(i&svu)", &id, &event_id, NULL, NULL))
        if (!menu_event (self, id, event_id))
          g_variant_builder_add (&errors, "i", id);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ai)", &errors));
    }
  else if (g_strcmp0 (method_name, "AboutToShow") == 0)
    {
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(b)", FALSE));
    }
  else if (g_strcmp0 (method_name, "AboutToShowGroup") == 0)
    {
      g_autoptr(GVariantIter) ids = NULL;
      GVariantBuilder errors;
      gint32 id;

      g_variant_get (parameters, "(ai)", &ids);
      g_variant_builder_init (&errors, G_VARIANT_TYPE ("ai"));
      while (g_variant_iter_next (ids, "i", &id))
        if (!menu_id_is_valid (id))
          g_variant_builder_add (&errors, "i", id);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@aiai)",
                                                                        g_variant_new_array (G_VARIANT_TYPE_INT32,
                                                                                             NULL, 0),
                                                                        &errors));
    }
  else
    {
      g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                             "No method %s", method_name);
    }
}

static GVariant *
menu_get_property (GDBusConnection  *connection,
                   const char       *sender,
                   const char       *object_path,
                   const char       *interface_name,
                   const char       *property_name,
                   GError          **error,
                   gpointer          user_data)
{
  if (g_strcmp0 (property_name, "Version") == 0)
    return g_variant_new_uint32 (3);
  if (g_strcmp0 (property_name, "TextDirection") == 0)
    return g_variant_new_string (gtk_widget_get_default_direction () == GTK_TEXT_DIR_RTL ? "rtl" : "ltr");
  if (g_strcmp0 (property_name, "Status") == 0)
    return g_variant_new_string ("normal");
  /* IconThemePath */
  return g_variant_new_strv (NULL, 0);
}

static const GDBusInterfaceVTable menu_vtable = { menu_method_call, menu_get_property, NULL, { 0 } };

/* ------------------------------------------------------------------------- */
/* Registration                                                              */
/* ------------------------------------------------------------------------- */

static void
set_registered (ConcordStatusIcon *self,
                gboolean           registered)
{
  if (self->registered == registered)
    return;
  self->registered = registered;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REGISTERED]);
}

static void
register_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ConcordStatusIcon) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      /* The watcher went away meanwhile, or refused: no icon, which is
       * what a desktop without a tray shows too. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("The status notifier watcher did not take our item: %s", error->message);
      return;
    }

  g_debug ("Status icon registered as %s", self->bus_name);
  set_registered (self, TRUE);
}

/* @service: our well-known name, or our object path (the watcher then
 * takes our unique name). */
static void
register_item (ConcordStatusIcon *self,
               const char        *service)
{
  if (self->cancellable != NULL || self->item_id == 0)
    return;

  self->cancellable = g_cancellable_new ();
  g_dbus_connection_call (self->bus, WATCHER_NAME, WATCHER_PATH, WATCHER_NAME,
                          "RegisterStatusNotifierItem", g_variant_new ("(s)", service),
                          NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, self->cancellable,
                          register_cb, g_object_ref (self));
}

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  register_item (user_data, name);
}

static void
on_name_lost (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  g_debug ("Could not own %s; registering the status icon by its path", name);
  register_item (user_data, CONCORD_STATUS_ICON_OBJECT_PATH);
}

static void
unexport (ConcordStatusIcon *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->own_id, g_bus_unown_name);
  if (self->item_id != 0)
    g_dbus_connection_unregister_object (self->bus, self->item_id);
  if (self->menu_id != 0)
    g_dbus_connection_unregister_object (self->bus, self->menu_id);
  self->item_id = 0;
  self->menu_id = 0;
  g_clear_pointer (&self->bus_name, g_free);
  set_registered (self, FALSE);
}

static void
export (ConcordStatusIcon *self)
{
  static guint n_items;
  g_autoptr(GDBusNodeInfo) item_info = NULL;
  g_autoptr(GDBusNodeInfo) menu_info = NULL;
  g_autoptr(GError) error = NULL;

  if (self->item_id != 0)
    return;

  /* Both are fixed strings of this file: they parse. */
  item_info = g_dbus_node_info_new_for_xml (item_xml, NULL);
  menu_info = g_dbus_node_info_new_for_xml (menu_xml, NULL);
  g_assert (item_info != NULL && menu_info != NULL);

  self->item_id = g_dbus_connection_register_object (self->bus, CONCORD_STATUS_ICON_OBJECT_PATH,
                                                     item_info->interfaces[0], &item_vtable,
                                                     self, NULL, &error);
  if (self->item_id == 0)
    {
      g_debug ("Could not export the status icon: %s", error->message);
      return;
    }
  self->menu_id = g_dbus_connection_register_object (self->bus, CONCORD_STATUS_ICON_MENU_PATH,
                                                     menu_info->interfaces[0], &menu_vtable,
                                                     self, NULL, &error);
  if (self->menu_id == 0)
    {
      g_debug ("Could not export the status icon's menu: %s", error->message);
      unexport (self);
      return;
    }

  self->menu_revision++;
  self->bus_name = g_strdup_printf ("org.kde.StatusNotifierItem-%d-%u", (int) getpid (), ++n_items);
  self->own_id = g_bus_own_name_on_connection (self->bus, self->bus_name, G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                               on_name_acquired, on_name_lost, self, NULL);
}

static void
on_watcher_appeared (GDBusConnection *connection,
                     const char      *name,
                     const char      *name_owner,
                     gpointer         user_data)
{
  ConcordStatusIcon *self = user_data;

  /* A new watcher (the panel restarted): a fresh item for it. */
  unexport (self);
  export (self);
}

static void
on_watcher_vanished (GDBusConnection *connection,
                     const char      *name,
                     gpointer         user_data)
{
  /* Also what happens at once where there is no tray: silently. */
  unexport (user_data);
}

static void
start (ConcordStatusIcon *self)
{
  GDBusConnection *bus;

  if (self->watch_id != 0 || self->app == NULL)
    return;

  /* Not registered on the session bus: no icon. */
  bus = g_application_get_dbus_connection (self->app);
  if (bus == NULL)
    return;

  g_set_object (&self->bus, bus);
  self->watch_id = g_bus_watch_name_on_connection (self->bus, WATCHER_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   on_watcher_appeared, on_watcher_vanished, self, NULL);
}

static void
stop (ConcordStatusIcon *self)
{
  g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  if (self->bus != NULL)
    unexport (self);
  g_clear_object (&self->bus);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_status_icon_constructed (GObject *object)
{
  ConcordStatusIcon *self = CONCORD_STATUS_ICON (object);
  GListModel *connections;

  G_OBJECT_CLASS (concord_status_icon_parent_class)->constructed (object);

  g_assert (self->engine != NULL);

  connections = concord_engine_get_connections (self->engine);
  g_signal_connect_object (connections, "items-changed", G_CALLBACK (on_connections_changed), self, 0);
  on_connections_changed (connections, 0, 0, g_list_model_get_n_items (connections), self);

  if (self->enabled)
    start (self);
}

static void
concord_status_icon_dispose (GObject *object)
{
  ConcordStatusIcon *self = CONCORD_STATUS_ICON (object);

  stop (self);
  g_clear_weak_pointer (&self->app);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (concord_status_icon_parent_class)->dispose (object);
}

static void
concord_status_icon_finalize (GObject *object)
{
  ConcordStatusIcon *self = CONCORD_STATUS_ICON (object);

  g_free (self->status_line);
  g_free (self->description);

  G_OBJECT_CLASS (concord_status_icon_parent_class)->finalize (object);
}

static void
concord_status_icon_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ConcordStatusIcon *self = CONCORD_STATUS_ICON (object);

  switch (prop_id)
    {
    case PROP_APPLICATION:
      g_value_set_object (value, self->app);
      break;
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    case PROP_ENABLED:
      g_value_set_boolean (value, self->enabled);
      break;
    case PROP_REGISTERED:
      g_value_set_boolean (value, self->registered);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_STATUS_LINE:
      g_value_set_string (value, self->status_line);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_status_icon_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  ConcordStatusIcon *self = CONCORD_STATUS_ICON (object);

  switch (prop_id)
    {
    case PROP_APPLICATION:
      g_set_weak_pointer (&self->app, g_value_get_object (value));
      break;
    case PROP_ENGINE:
      self->engine = g_value_dup_object (value);
      break;
    case PROP_ENABLED:
      concord_status_icon_set_enabled (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_status_icon_class_init (ConcordStatusIconClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = concord_status_icon_constructed;
  object_class->dispose = concord_status_icon_dispose;
  object_class->finalize = concord_status_icon_finalize;
  object_class->get_property = concord_status_icon_get_property;
  object_class->set_property = concord_status_icon_set_property;

  properties[PROP_APPLICATION] =
    g_param_spec_object ("application", NULL, NULL, G_TYPE_APPLICATION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, CONCORD_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * ConcordStatusIcon:enabled:
   *
   * Whether to show the icon where a tray exists (the status-icon setting).
   */
  properties[PROP_ENABLED] =
    g_param_spec_boolean ("enabled", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS);
  /**
   * ConcordStatusIcon:registered:
   *
   * Whether a StatusNotifierWatcher has taken the icon.
   */
  properties[PROP_REGISTERED] =
    g_param_spec_boolean ("registered", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ConcordStatusIcon:state:
   *
   * What the icon shows: idle, syncing or failing.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, CONCORD_TYPE_STATUS_ICON_STATE, CONCORD_STATUS_ICON_IDLE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ConcordStatusIcon:status-line:
   *
   * One short translated sentence on what Concord is doing, for the
   * Background portal's status line.
   */
  properties[PROP_STATUS_LINE] =
    g_param_spec_string ("status-line", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
concord_status_icon_init (ConcordStatusIcon *self)
{
  self->enabled = TRUE;
  self->state = CONCORD_STATUS_ICON_IDLE;
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_status_icon_new:
 * @app: the application: its session bus connection, its actions; it
 *   should own the result (we keep only a weak reference to it)
 * @engine: the engine whose connections the icon shows
 *
 * Returns: (transfer full): a new #ConcordStatusIcon, enabled
 */
ConcordStatusIcon *
concord_status_icon_new (GApplication  *app,
                         ConcordEngine *engine)
{
  g_return_val_if_fail (G_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (CONCORD_IS_ENGINE (engine), NULL);

  return g_object_new (CONCORD_TYPE_STATUS_ICON, "application", app, "engine", engine, NULL);
}

void
concord_status_icon_set_enabled (ConcordStatusIcon *self,
                                 gboolean           enabled)
{
  g_return_if_fail (CONCORD_IS_STATUS_ICON (self));

  enabled = !!enabled;
  if (self->enabled == enabled)
    return;
  self->enabled = enabled;

  /* Before construction ends there is no engine yet: constructed() starts. */
  if (self->engine != NULL)
    {
      if (enabled)
        start (self);
      else
        stop (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENABLED]);
}

gboolean
concord_status_icon_get_enabled (ConcordStatusIcon *self)
{
  g_return_val_if_fail (CONCORD_IS_STATUS_ICON (self), FALSE);

  return self->enabled;
}

gboolean
concord_status_icon_get_registered (ConcordStatusIcon *self)
{
  g_return_val_if_fail (CONCORD_IS_STATUS_ICON (self), FALSE);

  return self->registered;
}

ConcordStatusIconState
concord_status_icon_get_state (ConcordStatusIcon *self)
{
  g_return_val_if_fail (CONCORD_IS_STATUS_ICON (self), CONCORD_STATUS_ICON_IDLE);

  return self->state;
}

/**
 * concord_status_icon_get_status_line:
 *
 * Returns: (transfer none): one short sentence on what Concord is doing
 */
const char *
concord_status_icon_get_status_line (ConcordStatusIcon *self)
{
  g_return_val_if_fail (CONCORD_IS_STATUS_ICON (self), NULL);

  return self->status_line;
}

/**
 * concord_status_icon_get_description:
 *
 * Returns: (transfer none): the tooltip's text
 */
const char *
concord_status_icon_get_description (ConcordStatusIcon *self)
{
  g_return_val_if_fail (CONCORD_IS_STATUS_ICON (self), NULL);

  return self->description;
}
