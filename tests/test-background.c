/* test-background.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Start at login, natively: the XDG autostart entry is written with what
 * a session needs to start Concord without a window, read back, switched
 * off by other tools, removed, and a write that cannot happen is an error.
 * All in the isolated XDG_CONFIG_HOME of concord_test_init().
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "concord-background.h"
#include "concord-test-utils.h"

#define TEST_APP_ID "io.github.concordsync.Concord.Test"

static GApplication *
new_app (void)
{
  return g_application_new (TEST_APP_ID, G_APPLICATION_NON_UNIQUE);
}

static void
test_path (void)
{
  g_autoptr(GApplication) app = new_app ();
  g_autofree char *path = concord_background_get_autostart_path (app);
  g_autofree char *expected = g_build_filename (g_get_user_config_dir (), "autostart",
                                                TEST_APP_ID ".desktop", NULL);

  g_assert_cmpstr (path, ==, expected);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_write_and_remove (void)
{
  g_autoptr(GApplication) app = new_app ();
  g_autofree char *path = concord_background_get_autostart_path (app);
  g_autoptr(GKeyFile) entry = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *exec = NULL;
  g_autofree char *name = NULL;
  g_autofree char *icon = NULL;
  g_autofree char *type = NULL;

  g_assert_false (concord_background_get_autostart (app));

  /* Written, with its folder. */
  g_assert_true (concord_background_set_autostart (app, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (concord_background_get_autostart (app));

  g_assert_true (g_key_file_load_from_file (entry, path, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  type = g_key_file_get_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_TYPE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (type, ==, "Application");
  exec = g_key_file_get_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (exec, ==, "concord --background");
  name = g_key_file_get_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_NAME, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, PACKAGE_NAME);
  icon = g_key_file_get_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_ICON, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (icon, ==, TEST_APP_ID);
  g_assert_true (g_key_file_get_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled",
                                         &error));
  g_assert_no_error (error);

  /* Written again: still one entry, the same. */
  g_assert_true (concord_background_set_autostart (app, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (concord_background_get_autostart (app));

  /* Removed; removing again is no error. */
  g_assert_true (concord_background_set_autostart (app, FALSE, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (concord_background_get_autostart (app));
  g_assert_true (concord_background_set_autostart (app, FALSE, &error));
  g_assert_no_error (error);
}

static void
test_switched_off_elsewhere (void)
{
  g_autoptr(GApplication) app = new_app ();
  g_autofree char *path = concord_background_get_autostart_path (app);
  g_autoptr(GKeyFile) entry = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (concord_background_set_autostart (app, TRUE, &error));
  g_assert_no_error (error);

  /* GNOME Tweaks and other tools switch an entry off in place. */
  g_assert_true (g_key_file_load_from_file (entry, path, G_KEY_FILE_KEEP_COMMENTS, &error));
  g_key_file_set_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", FALSE);
  g_assert_true (g_key_file_save_to_file (entry, path, &error));
  g_assert_no_error (error);
  g_assert_false (concord_background_get_autostart (app));

  g_key_file_set_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", TRUE);
  g_key_file_set_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_HIDDEN, TRUE);
  g_assert_true (g_key_file_save_to_file (entry, path, &error));
  g_assert_no_error (error);
  g_assert_false (concord_background_get_autostart (app));

  /* Turning it on again writes a fresh entry. */
  g_assert_true (concord_background_set_autostart (app, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (concord_background_get_autostart (app));

  g_assert_true (concord_background_set_autostart (app, FALSE, &error));
  g_assert_no_error (error);
}

static void
test_request_natively (void)
{
  g_autoptr(GApplication) app = new_app ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  g_assert_false (concord_background_is_flatpak ());

  concord_background_request_async (app, NULL, TRUE, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_background_request_finish (app, result, &error));
  g_assert_no_error (error);
  g_assert_true (concord_background_get_autostart (app));
  g_clear_object (&result);

  concord_background_request_async (app, NULL, FALSE, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_background_request_finish (app, result, &error));
  g_assert_no_error (error);
  g_assert_false (concord_background_get_autostart (app));
}

static void
test_cannot_write (void)
{
  g_autoptr(GApplication) app = new_app ();
  g_autofree char *path = concord_background_get_autostart_path (app);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  /* The autostart folder is a file: nothing can go in it. */
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_config_dir (), 0700), ==, 0);
  g_assert_true (g_file_set_contents (dir, "not a folder", -1, &error));
  g_assert_no_error (error);

  g_assert_false (concord_background_set_autostart (app, TRUE, &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == G_IO_ERROR);
  g_assert_nonnull (strstr (error->message, dir));
  g_assert_false (concord_background_get_autostart (app));

  g_assert_cmpint (g_unlink (dir), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/background/path", test_path);
  g_test_add_func ("/concord/background/write-and-remove", test_write_and_remove);
  g_test_add_func ("/concord/background/switched-off-elsewhere", test_switched_off_elsewhere);
  g_test_add_func ("/concord/background/request-natively", test_request_natively);
  g_test_add_func ("/concord/background/cannot-write", test_cannot_write);

  return g_test_run ();
}
