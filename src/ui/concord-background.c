/* concord-background.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Starting at login, and permission to run in the background.
 *
 * Natively, starting at login is an XDG autostart entry,
 * $XDG_CONFIG_HOME/autostart/<app id>.desktop, that runs
 * "concord --background"; we write it and remove it ourselves.
 *
 * Inside a Flatpak sandbox our $XDG_CONFIG_HOME is not the session's, and
 * an entry written there would never run. There the Background portal
 * writes the entry for us, after asking the user, and also grants permission to
 * keep running with no window; libportal does the talking. Built without
 * libportal, a sandboxed Concord cannot start at login and says so.
 *
 * Every error message here is translated: the preferences show it as is.
 */

#define G_LOG_DOMAIN "concord-background"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#if HAVE_LIBPORTAL
#include <libportal-gtk4/portal-gtk4.h>
#endif

#include "concord-background.h"

#define CONCORD_BINARY "concord"

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static GKeyFile *
build_autostart_entry (GApplication *app)
{
  g_autoptr(GKeyFile) entry = g_key_file_new ();
  const char *app_id = g_application_get_application_id (app);

  g_key_file_set_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_TYPE,
                         G_KEY_FILE_DESKTOP_TYPE_APPLICATION);
  g_key_file_set_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_NAME, PACKAGE_NAME);
  g_key_file_set_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_COMMENT,
                         _("Keep your contacts in sync in the background"));
  g_key_file_set_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_ICON, app_id);
  g_key_file_set_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC,
                         CONCORD_BINARY " --background");
  g_key_file_set_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_TERMINAL, FALSE);
  g_key_file_set_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", TRUE);

  return g_steal_pointer (&entry);
}

static gboolean
write_autostart_entry (GApplication  *app,
                       GError       **error)
{
  g_autofree char *path = concord_background_get_autostart_path (app);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GKeyFile) entry = build_autostart_entry (app);
  g_autoptr(GError) local_error = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   /* Translators: the first %s is a folder, the second why it failed */
                   _("Could not create %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  if (!g_key_file_save_to_file (entry, path, &local_error))
    {
      g_set_error (error, G_IO_ERROR,
                   local_error->domain == G_FILE_ERROR
                   ? g_io_error_from_file_error (local_error->code) : G_IO_ERROR_FAILED,
                   /* Translators: the first %s is a file, the second why it failed */
                   _("Could not write %s: %s"), path, local_error->message);
      return FALSE;
    }

  return TRUE;
}

static gboolean
remove_autostart_entry (GApplication  *app,
                        GError       **error)
{
  g_autofree char *path = concord_background_get_autostart_path (app);

  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   /* Translators: the first %s is a file, the second why it failed */
                   _("Could not remove %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* The Background portal                                                     */
/* ------------------------------------------------------------------------- */

#if HAVE_LIBPORTAL
static void
portal_request_background_cb (GObject      *object,
                              GAsyncResult *result,
                              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (xdp_portal_request_background_finish (XDP_PORTAL (object), result, &error))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (error == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                               "%s", _("Concord is not allowed to run in the background. "
                                       "You can allow it in Settings, under Apps."));
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* The user closed the portal's dialog: nothing to explain. */
      g_task_return_error (task, g_steal_pointer (&error));
    }
  else
    {
      g_message ("The Background portal failed: %s", error->message);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               "%s", _("Could not ask the system to let Concord run in the background"));
    }
}

static void
request_with_portal (GTask     *task,
                     GtkWindow *parent,
                     gboolean   autostart)
{
  g_autoptr(XdpPortal) portal = xdp_portal_new ();
  g_autoptr(GPtrArray) commandline = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *reason = g_strdup (_("Concord keeps your contacts in sync"));
  XdpParent *xdp_parent = NULL;

  g_ptr_array_add (commandline, g_strdup (CONCORD_BINARY));
  g_ptr_array_add (commandline, g_strdup ("--background"));

  if (parent != NULL)
    xdp_parent = xdp_parent_new_gtk (parent);

  /* The task keeps the portal alive until its answer comes. */
  g_task_set_task_data (task, g_object_ref (portal), g_object_unref);

  xdp_portal_request_background (portal, xdp_parent, reason,
#if LIBPORTAL_TAKES_COMMANDLINE
                                 g_steal_pointer (&commandline),
#else
                                 commandline,
#endif
                                 autostart ? XDP_BACKGROUND_FLAG_AUTOSTART : XDP_BACKGROUND_FLAG_NONE,
                                 g_task_get_cancellable (task),
                                 portal_request_background_cb, g_object_ref (task));

  g_clear_pointer (&xdp_parent, xdp_parent_free);
}
#endif

#if HAVE_LIBPORTAL && HAVE_XDP_BACKGROUND_STATUS
static void
portal_set_status_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* An older portal, or none: GNOME Shell just shows no line. */
  if (!xdp_portal_set_background_status_finish (XDP_PORTAL (object), result, &error))
    g_debug ("Could not set the background status: %s", error->message);
}
#endif

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_background_is_flatpak:
 *
 * Returns: whether Concord runs inside a Flatpak sandbox, where starting at
 *   login goes through the Background portal
 */
gboolean
concord_background_is_flatpak (void)
{
#if HAVE_LIBPORTAL
  return xdp_portal_running_under_flatpak ();
#else
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
#endif
}

/**
 * concord_background_get_autostart_path:
 * @app: the application, for its id
 *
 * Returns: (transfer full): where the native autostart entry lives
 */
char *
concord_background_get_autostart_path (GApplication *app)
{
  g_autofree char *basename = NULL;

  g_return_val_if_fail (G_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (g_application_get_application_id (app) != NULL, NULL);

  basename = g_strconcat (g_application_get_application_id (app), ".desktop", NULL);
  return g_build_filename (g_get_user_config_dir (), "autostart", basename, NULL);
}

/**
 * concord_background_get_autostart:
 * @app: the application, for its id
 *
 * Whether a native autostart entry exists and is not switched off (desktop
 * settings tools switch entries off with Hidden or
 * X-GNOME-Autostart-enabled rather than removing them). Under Flatpak the
 * portal keeps the entry outside the sandbox, where we cannot read it, so
 * this is %FALSE there: rely on the start-at-login setting instead.
 *
 * Returns: whether Concord starts at login
 */
gboolean
concord_background_get_autostart (GApplication *app)
{
  g_autofree char *path = NULL;
  g_autoptr(GKeyFile) entry = g_key_file_new ();

  g_return_val_if_fail (G_IS_APPLICATION (app), FALSE);

  path = concord_background_get_autostart_path (app);
  if (!g_key_file_load_from_file (entry, path, G_KEY_FILE_NONE, NULL))
    return FALSE;

  if (g_key_file_get_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_HIDDEN, NULL))
    return FALSE;
  if (g_key_file_has_key (entry, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", NULL) &&
      !g_key_file_get_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", NULL))
    return FALSE;

  return TRUE;
}

/**
 * concord_background_set_autostart:
 * @app: the application, for its id and name
 * @enable: whether Concord should start at login
 * @error: return location for an error, with a translated message
 *
 * Writes or removes the native autostart entry, which runs
 * "concord --background". Removing an entry that is not there succeeds.
 * Under Flatpak use concord_background_request_async() instead.
 *
 * Returns: whether it worked
 */
gboolean
concord_background_set_autostart (GApplication  *app,
                                  gboolean       enable,
                                  GError       **error)
{
  g_return_val_if_fail (G_IS_APPLICATION (app), FALSE);
  g_return_val_if_fail (g_application_get_application_id (app) != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (enable)
    return write_autostart_entry (app, error);
  else
    return remove_autostart_entry (app, error);
}

/**
 * concord_background_request_async:
 * @app: the application
 * @parent: (nullable): the window the request comes from, for the
 *   portal's dialog
 * @autostart: whether Concord should start at login
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Starts or stops starting Concord at login, the right way for where it
 * runs: natively with concord_background_set_autostart(); under Flatpak by
 * asking the Background portal for leave to run in the background, with
 * autostart when @autostart (the user may refuse).
 */
void
concord_background_request_async (GApplication        *app,
                                  GtkWindow           *parent,
                                  gboolean             autostart,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (G_IS_APPLICATION (app));
  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (app, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_background_request_async);

  if (concord_background_is_flatpak ())
    {
#if HAVE_LIBPORTAL
      request_with_portal (task, parent, autostart);
#else
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "%s", _("This build of Concord cannot start at login"));
#endif
      return;
    }

  /* Writing a few hundred bytes to the config folder: no thread needed. */
  if (concord_background_set_autostart (app, autostart, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * concord_background_set_status:
 * @app: the application
 * @message: (nullable): one short translated sentence on what Concord is
 *   doing; %NULL for none
 *
 * Sets the line GNOME Shell shows under Concord in its Background Apps
 * list (the Background portal's status, version 2). Only under Flatpak,
 * the portal's only clients, and only where libportal has
 * xdp_portal_set_background_status() (0.7 and later; Debian 12 has 0.6,
 * so there this does nothing).
 */
void
concord_background_set_status (GApplication *app,
                               const char   *message)
{
  g_return_if_fail (G_IS_APPLICATION (app));

#if HAVE_LIBPORTAL && HAVE_XDP_BACKGROUND_STATUS
  if (concord_background_is_flatpak ())
    {
      XdpPortal *portal = g_object_get_data (G_OBJECT (app), "concord-background-portal");
      g_autofree char *line = NULL;

      if (portal == NULL)
        {
          portal = xdp_portal_new ();
          g_object_set_data_full (G_OBJECT (app), "concord-background-portal", portal, g_object_unref);
        }
      /* The portal takes one line of at most 96 characters. */
      if (message != NULL)
        line = g_utf8_substring (message, 0, MIN (g_utf8_strlen (message, strcspn (message, "\n")), 96));
      xdp_portal_set_background_status (portal, line, NULL, portal_set_status_cb, NULL);
    }
#else
  (void) message;
#endif
}

/**
 * concord_background_request_finish:
 * @app: the application
 * @result: the result passed to the callback
 * @error: return location for an error, with a translated message;
 *   %G_IO_ERROR_CANCELLED when the user dismissed the portal's dialog
 *
 * Returns: whether the change took effect
 */
gboolean
concord_background_request_finish (GApplication  *app,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (G_IS_APPLICATION (app), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, app), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == concord_background_request_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
