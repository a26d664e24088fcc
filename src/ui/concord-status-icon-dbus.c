/* concord-status-icon-dbus.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The status icon on D-Bus: the org.kde.StatusNotifierItem object, its
 * com.canonical.dbusmenu menu (four fixed items, each activating one of
 * the application's actions), and the registration with the
 * StatusNotifierWatcher, done again whenever a watcher appears. See
 * concord-status-icon.c for why the menu is spoken here rather than by
 * libdbusmenu-glib.
 */

#define G_LOG_DOMAIN "concord-status-icon"

#include "config.h"

#include <unistd.h>

#include <gtk/gtk.h>

#include <glib/gi18n.h>

#include "concord-status-icon-private.h"
#include "concord-ui-enums.h"

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
    return g_variant_new_string (concord_status_icon_item_status (self->state));
  if (g_strcmp0 (property_name, "WindowId") == 0)
    return g_variant_new_int32 (0);
  if (g_strcmp0 (property_name, "Menu") == 0)
    return g_variant_new_object_path (CONCORD_STATUS_ICON_MENU_PATH);
  if (g_strcmp0 (property_name, "ItemIsMenu") == 0)
    return g_variant_new_boolean (FALSE);
  if (g_strcmp0 (property_name, "IconName") == 0)
    return g_variant_new_string (concord_status_icon_icon_name (self->state));
  if (g_strcmp0 (property_name, "AttentionIconName") == 0)
    return g_variant_new_string (concord_status_icon_icon_name (CONCORD_STATUS_ICON_FAILING));
  if (g_strcmp0 (property_name, "IconPixmap") == 0 ||
      g_strcmp0 (property_name, "OverlayIconPixmap") == 0 ||
      g_strcmp0 (property_name, "AttentionIconPixmap") == 0)
    return g_variant_new_array (G_VARIANT_TYPE ("(iiay)"), NULL, 0);
  if (g_strcmp0 (property_name, "ToolTip") == 0)
    return g_variant_new ("(s@a(iiay)ss)", concord_status_icon_icon_name (self->state),
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

/* GetLayout: the layout under a menu item, to a depth. */
static void
menu_get_layout (ConcordStatusIcon     *self,
                 GVariant              *parameters,
                 GDBusMethodInvocation *invocation)
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

/* GetGroupProperties: some properties of some items. */
static void
menu_get_group_properties (ConcordStatusIcon     *self,
                           GVariant              *parameters,
                           GDBusMethodInvocation *invocation)
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

/* GetProperty: one property of one item. */
static void
menu_get_one_property (ConcordStatusIcon     *self,
                       GVariant              *parameters,
                       GDBusMethodInvocation *invocation)
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

/* Event: an item was clicked (or hovered, …). */
static void
menu_event_call (ConcordStatusIcon     *self,
                 GVariant              *parameters,
                 GDBusMethodInvocation *invocation)
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

/* EventGroup: several events at once; the ids without an item come back. */
static void
menu_event_group (ConcordStatusIcon     *self,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation)
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

/* AboutToShowGroup: nothing to update; the ids without an item come back. */
static void
menu_about_to_show_group (ConcordStatusIcon     *self,
                          GVariant              *parameters,
                          GDBusMethodInvocation *invocation)
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
    menu_get_layout (self, parameters, invocation);
  else if (g_strcmp0 (method_name, "GetGroupProperties") == 0)
    menu_get_group_properties (self, parameters, invocation);
  else if (g_strcmp0 (method_name, "GetProperty") == 0)
    menu_get_one_property (self, parameters, invocation);
  else if (g_strcmp0 (method_name, "Event") == 0)
    menu_event_call (self, parameters, invocation);
  else if (g_strcmp0 (method_name, "EventGroup") == 0)
    menu_event_group (self, parameters, invocation);
  else if (g_strcmp0 (method_name, "AboutToShow") == 0)
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(b)", FALSE));
  else if (g_strcmp0 (method_name, "AboutToShowGroup") == 0)
    menu_about_to_show_group (self, parameters, invocation);
  else
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "No method %s", method_name);
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
  concord_status_icon_notify_registered (self);
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
  g_dbus_connection_call (self->bus, CONCORD_STATUS_ICON_WATCHER_NAME, CONCORD_STATUS_ICON_WATCHER_PATH,
                          CONCORD_STATUS_ICON_WATCHER_NAME,
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

void
concord_status_icon_start (ConcordStatusIcon *self)
{
  GDBusConnection *bus;

  if (self->watch_id != 0 || self->app == NULL)
    return;

  /* Not registered on the session bus: no icon. */
  bus = g_application_get_dbus_connection (self->app);
  if (bus == NULL)
    return;

  g_set_object (&self->bus, bus);
  self->watch_id = g_bus_watch_name_on_connection (self->bus, CONCORD_STATUS_ICON_WATCHER_NAME,
                                                   G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   on_watcher_appeared, on_watcher_vanished, self, NULL);
}

void
concord_status_icon_stop (ConcordStatusIcon *self)
{
  g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  if (self->bus != NULL)
    unexport (self);
  g_clear_object (&self->bus);
}
