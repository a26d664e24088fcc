/* concord-status-icon-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What the parts of the status icon share: the icon itself
 * (concord-status-icon.c: its state, GObject and API) and its D-Bus side
 * (concord-status-icon-dbus.c: the StatusNotifierItem, its dbusmenu and
 * the registration with the watcher). */

#pragma once

#include <gio/gio.h>

#include "concord-status-icon.h"

G_BEGIN_DECLS

#define CONCORD_STATUS_ICON_WATCHER_NAME "org.kde.StatusNotifierWatcher"
#define CONCORD_STATUS_ICON_WATCHER_PATH "/StatusNotifierWatcher"
#define CONCORD_STATUS_ICON_ITEM_INTERFACE "org.kde.StatusNotifierItem"
#define CONCORD_STATUS_ICON_MENU_INTERFACE "com.canonical.dbusmenu"

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

/* concord-status-icon.c */
const char *concord_status_icon_icon_name         (ConcordStatusIconState state);
const char *concord_status_icon_item_status       (ConcordStatusIconState state);
void        concord_status_icon_notify_registered (ConcordStatusIcon *self);

/* concord-status-icon-dbus.c */
void        concord_status_icon_start             (ConcordStatusIcon *self);
void        concord_status_icon_stop              (ConcordStatusIcon *self);

G_END_DECLS
