/* concord-test-utils.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "concord-test"

#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "concord-test-utils.h"

/**
 * concord_test_init:
 *
 * g_test_init() with isolated XDG directories, so nothing a test writes
 * lands in the user's home, and with criticals fatal.
 */
void
concord_test_init (int    *argc,
                   char ***argv)
{
  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_bug_base ("https://github.com/concordsync/concord/issues/");
}

/**
 * concord_test_init_ui:
 *
 * Like concord_test_init(), but keeps the system data directories: GTK
 * needs the shared MIME database in XDG_DATA_DIRS to load SVG icons, and
 * G_TEST_OPTION_ISOLATE_DIRS would hide it. UI tests use the memory
 * GSettings backend and write no files; CI runs them with a throw-away HOME.
 */
void
concord_test_init_ui (int    *argc,
                      char ***argv)
{
  g_test_init (argc, argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  g_test_bug_base ("https://github.com/concordsync/concord/issues/");
}

void
concord_test_store_result_cb (GObject      *object,
                              GAsyncResult *result,
                              gpointer      user_data)
{
  GAsyncResult **location = user_data;

  g_assert_null (*location);
  *location = g_object_ref (result);
}

/**
 * concord_test_wait_for_result:
 * @result_location: where concord_test_store_result_cb() puts the result
 *
 * Spins the thread-default main context until the result arrives.
 *
 * Returns: (transfer full): the result
 */
GAsyncResult *
concord_test_wait_for_result (GAsyncResult **result_location)
{
  while (*result_location == NULL)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);

  return g_steal_pointer (result_location);
}

static gboolean
on_timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/**
 * concord_test_wait_until:
 * @timeout_seconds: how long at least; never less than CONCORD_TEST_WAIT_S,
 *   since a timeout only ends a test that has failed anyway, and the
 *   sanitizer builds on a loaded machine are many times slower
 *
 * Spins the default main context until @condition holds or the time is up.
 *
 * Returns: whether @condition held in time
 */
gboolean
concord_test_wait_until (gboolean (*condition) (gpointer data),
                         gpointer   data,
                         guint      timeout_seconds)
{
  gboolean timed_out = FALSE;
  guint id;

  id = g_timeout_add_seconds (MAX (timeout_seconds, CONCORD_TEST_WAIT_S), on_timeout_cb, &timed_out);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);

  return condition (data);
}

/**
 * concord_test_wait_step:
 * @deadline: monotonic time at which to give up
 * @expr: the condition waited for, for the message
 * @file: where the wait is
 * @line: where the wait is
 *
 * One step of CONCORD_TEST_WAIT_FOR(): fails the test once @deadline has
 * passed, else runs what is ready on the default main context, or sleeps
 * a millisecond when nothing is (the condition may depend on another
 * thread or process).
 */
void
concord_test_wait_step (gint64      deadline,
                        const char *expr,
                        const char *file,
                        int         line)
{
  if (g_get_monotonic_time () > deadline)
    g_error ("%s:%d: still not true after %d s: %s", file, line, CONCORD_TEST_WAIT_S, expr);

  if (!g_main_context_iteration (NULL, FALSE))
    g_usleep (1000);
}

/**
 * concord_test_session_has_name:
 * @name: a well-known bus name
 *
 * Whether @name is owned on the session bus right now. Unlike talking to it,
 * asking does not D-Bus-activate it (which for the keyring would show a
 * password prompt and hang).
 */
gboolean
concord_test_session_has_name (const char *name)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    return FALSE;

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (bus == NULL)
    return FALSE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &has_owner);

  return has_owner;
}

/**
 * concord_test_remove_dir:
 * @dir: a folder of files, no subfolders
 */
void
concord_test_remove_dir (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

/* The test translation (tests/po/tr.po, compiled into the build dir) in a
 * folder of its own, as gettext looks for it: <dir>/tr/LC_MESSAGES/. */
static char *translation_dir;
static char *saved_locale;

/**
 * concord_test_use_translation:
 *
 * Switches the process to Turkish (tr_TR.UTF-8, which CI generates) with
 * the test translation bound to Concord's domain. Skips the test (and
 * returns %FALSE) when the locale is not installed.
 *
 * Returns: whether the translation is in force; end it with
 *   concord_test_end_translation()
 */
gboolean
concord_test_use_translation (void)
{
  g_autofree char *mo = g_test_build_filename (G_TEST_BUILT, "concord-test-tr.mo", NULL);
  g_autofree char *messages = NULL;
  g_autofree char *target = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  g_assert_null (saved_locale);
  saved_locale = g_strdup (setlocale (LC_ALL, NULL));
  if (setlocale (LC_ALL, "tr_TR.UTF-8") == NULL && setlocale (LC_ALL, "tr_TR.utf8") == NULL)
    {
      setlocale (LC_ALL, saved_locale);
      g_clear_pointer (&saved_locale, g_free);
      g_test_skip ("the tr_TR.UTF-8 locale is not installed");
      return FALSE;
    }

  translation_dir = g_dir_make_tmp ("concord-locale-XXXXXX", &error);
  g_assert_no_error (error);
  messages = g_build_filename (translation_dir, "tr", "LC_MESSAGES", NULL);
  g_assert_cmpint (g_mkdir_with_parents (messages, 0700), ==, 0);
  target = g_build_filename (messages, GETTEXT_PACKAGE ".mo", NULL);
  g_assert_true (g_file_get_contents (mo, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (target, contents, (gssize) length, &error));
  g_assert_no_error (error);

  bindtextdomain (GETTEXT_PACKAGE, translation_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  return TRUE;
}

/**
 * concord_test_end_translation:
 *
 * Back to the locale and messages before concord_test_use_translation().
 */
void
concord_test_end_translation (void)
{
  if (saved_locale == NULL)
    return;

  setlocale (LC_ALL, saved_locale);
  g_clear_pointer (&saved_locale, g_free);
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  concord_test_remove_dir (translation_dir);
  g_clear_pointer (&translation_dir, g_free);
}
