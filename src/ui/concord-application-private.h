/* concord-application-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What the parts of the application share: the application itself
 * (concord-application.c: actions, the engine, GApplication, GObject and
 * API) and its sample apps (concord-application-sandbox.c). */

#pragma once

#include <adwaita.h>

#include "concord-application.h"
#include "concord-notifications.h"
#include "concord-sandbox.h"
#include "concord-status-icon.h"

G_BEGIN_DECLS

struct _ConcordApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;    /* (owned) */
  ConcordEngine  *engine;      /* (owned) */
  ConcordSandbox *sandbox;     /* (owned) (nullable) the sample apps, once started */
  GQueue          sandbox_starts;  /* (owned) GTask: starts asked for, the first running */
  ConcordNotifications *notifications;  /* (owned) */
  ConcordStatusIcon *status_icon;  /* (owned) the tray icon, where there is a tray */
  gboolean        background;  /* started with --background: no window */
  gboolean        held;        /* holding the app for background syncing */
  gboolean        opened;      /* the engine has loaded the connections */
  gboolean        loading_held;  /* holding the app until they are loaded */
};

/* concord-application-sandbox.c */
char *concord_application_data_dir    (void);
char *concord_application_sandbox_dir (void);

G_END_DECLS
