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
 * Its menu is com.canonical.dbusmenu, exported by the few functions of
 * concord-status-icon-dbus.c rather than by libdbusmenu-glib: the menu is four
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

#include "concord-status-icon-private.h"
#include "concord-ui-enums.h"

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

const char *
concord_status_icon_icon_name (ConcordStatusIconState state)
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

const char *
concord_status_icon_item_status (ConcordStatusIconState state)
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
  g_dbus_connection_emit_signal (self->bus, NULL, CONCORD_STATUS_ICON_OBJECT_PATH, CONCORD_STATUS_ICON_ITEM_INTERFACE,
                                 name, owned, NULL);
}

/* When the last sync of any connection was, in words. */
static char *
last_sync_line (gint64 last_sync)
{
  g_autofree char *when = NULL;

  if (last_sync <= 0)
    return g_strdup (_("Not synced yet"));

  when = format_time (last_sync);
  /* Translators: %s is a time of day, or a date and a time, as the
   * locale writes them */
  return g_strdup_printf (_("Last synced at %s"), when);
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

  last_line = last_sync_line (last_sync);
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
      gboolean status_changed = g_strcmp0 (concord_status_icon_item_status (state),
                                           concord_status_icon_item_status (self->state)) != 0;

      self->state = state;
      emit_item_signal (self, "NewIcon", NULL);
      if (status_changed)
        emit_item_signal (self, "NewStatus", g_variant_new ("(s)", concord_status_icon_item_status (state)));
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
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

/* For the registration (concord-status-icon-dbus.c). */
void
concord_status_icon_notify_registered (ConcordStatusIcon *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REGISTERED]);
}

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
    concord_status_icon_start (self);
}

static void
concord_status_icon_dispose (GObject *object)
{
  ConcordStatusIcon *self = CONCORD_STATUS_ICON (object);

  concord_status_icon_stop (self);
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
        concord_status_icon_start (self);
      else
        concord_status_icon_stop (self);
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
