/* concord-test-ui.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "concord-activity-text.h"
#include "concord-application.h"
#include "concord-connection-item.h"
#include "concord-connection-page.h"
#include "concord-icon-resources.h"
#include "concord-resources.h"
#include "concord-test-utils.h"
#include "concord-test-ui.h"
#include "concord-window.h"

/**
 * concord_test_find_named:
 *
 * Returns: (transfer none) (nullable): the first widget under @root, or
 *   @root itself, named @name
 */
GtkWidget *
concord_test_find_named (GtkWidget  *root,
                         const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = concord_test_find_named (child, name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/**
 * concord_test_find_type:
 *
 * Returns: (transfer none) (nullable): the first widget under @root (not
 *   @root itself), depth first, of @type or a subtype
 */
GtkWidget *
concord_test_find_type (GtkWidget *root,
                        GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        return child;
      if ((found = concord_test_find_type (child, type)) != NULL)
        return found;
    }

  return NULL;
}

/**
 * concord_test_named:
 *
 * Like concord_test_find_named(), and the test fails when there is none.
 *
 * Returns: (transfer none): the widget
 */
GtkWidget *
concord_test_named (GtkWidget  *root,
                    const char *name)
{
  GtkWidget *widget = concord_test_find_named (root, name);

  if (widget == NULL)
    g_error ("no widget named “%s”", name);
  return widget;
}

/**
 * concord_test_collect_named:
 * @out: (element-type GtkWidget): where the widgets go, in tree order
 *
 * Adds every widget under @root (itself included) named @name to @out.
 */
void
concord_test_collect_named (GtkWidget  *root,
                            const char *name,
                            GPtrArray  *out)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    g_ptr_array_add (out, root);

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    concord_test_collect_named (child, name, out);
}

/**
 * concord_test_nth_named:
 * @nth: which one, in tree order, from 0; -1: the last
 *
 * Returns: (transfer none): the @nth widget named @name; fails the test
 *   when there is none
 */
GtkWidget *
concord_test_nth_named (GtkWidget  *root,
                        const char *name,
                        int         nth)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  concord_test_collect_named (root, name, found);
  if (nth < 0)
    nth = (int) found->len + nth;
  if (nth < 0 || (guint) nth >= found->len)
    g_error ("no widget “%s” number %d (there are %u)", name, nth, found->len);
  return g_ptr_array_index (found, nth);
}

/**
 * concord_test_count_named:
 *
 * Returns: how many widgets under @root (itself included) are named @name
 */
guint
concord_test_count_named (GtkWidget  *root,
                          const char *name)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  concord_test_collect_named (root, name, found);
  return found->len;
}

static gboolean
holds (const char *shown,
       const char *text)
{
  return shown != NULL && strstr (shown, text) != NULL;
}

/**
 * concord_test_find_text:
 *
 * Returns: (transfer none) (nullable): the first mapped widget under
 *   @root, or @root itself, showing @text
 */
GtkWidget *
concord_test_find_text (GtkWidget  *root,
                        const char *text)
{
  if (!gtk_widget_get_mapped (root))
    return NULL;

  if (GTK_IS_LABEL (root) && holds (gtk_label_get_label (GTK_LABEL (root)), text))
    return root;
  if (GTK_IS_INSCRIPTION (root) && holds (gtk_inscription_get_text (GTK_INSCRIPTION (root)), text))
    return root;
  if (CONCORD_IS_ACTIVITY_TEXT (root))
    for (guint part = 0; part < CONCORD_ACTIVITY_TEXT_N_PARTS; part++)
      if (holds (concord_activity_text_get_part (CONCORD_ACTIVITY_TEXT (root), part), text))
        return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = concord_test_find_text (child, text);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/**
 * concord_test_register_resources:
 *
 * Registers the application's resource, puts its icons folder on the
 * default display's icon theme and loads its stylesheet: what
 * AdwApplication does with #GApplication:resource-base-path, for widget
 * tests that have no application. Without it an app's icon
 * (concord-app-*-symbolic) would show as a missing image, and the
 * widgets without their look (style.css is the only stylesheet).
 */
void
concord_test_register_resources (void)
{
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  concord_register_resource ();
  concord_icons_register_resource ();
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    RESOURCE_BASE_PATH "/icons");
  gtk_css_provider_load_from_resource (css, RESOURCE_BASE_PATH "/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

/**
 * concord_test_spin:
 * @ms: how long
 *
 * Runs the main loop for @ms milliseconds, sleeping when it is idle.
 */
void
concord_test_spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

/**
 * concord_test_click:
 * @button: a visible, sensitive button
 */
void
concord_test_click (GtkWidget *button)
{
  g_assert_true (gtk_widget_get_visible (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

/**
 * concord_test_save_window:
 * @window: what to render
 * @file: the PNG's name
 * @settle_ms: how long to let animations and loads settle first
 */
void
concord_test_save_window (GtkWidget  *window,
                          const char *file,
                          guint       settle_ms)
{
  const char *dir = g_getenv ("CONCORD_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  int width, height;

  if (dir == NULL)
    return;

  concord_test_spin (settle_ms);
  paintable = gtk_widget_paintable_new (window);
  /* A window shown a moment ago may not have drawn yet: nothing to save
   * until it has (a few seconds at most on a loaded machine). */
  for (guint tries = 0; node == NULL && tries < 100; tries++)
    {
      if (tries > 0)
        concord_test_spin (100);
      width = gtk_widget_get_width (window);
      height = gtk_widget_get_height (window);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
    }
  if (node == NULL)
    g_error ("%s: the window drew nothing to save", file);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  path = g_build_filename (dir, file, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("saved %s (%d×%d)", path, width, height);
}

/**
 * concord_test_app_start:
 * @suffix: the last part of the application id
 *
 * Returns: (transfer full) (nullable): the application, held; %NULL to skip
 */
GApplication *
concord_test_app_start (int         *argc,
                        char      ***argv,
                        const char  *suffix)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *template = g_strdup_printf ("concord-%s-XXXXXX", suffix);
  g_autofree char *data_dir = NULL;
  g_autofree char *id = g_strdup_printf ("%s.%s", APP_ID, suffix);
  GApplication *app;

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init_ui (argc, argv);

  /* Talking to an inactive keyring would start one that prompts and hangs. */
  if (!concord_test_session_has_name ("org.freedesktop.secrets"))
    {
      g_printerr ("SKIP: no unlocked keyring owns org.freedesktop.secrets in this session\n");
      return NULL;
    }

  data_dir = g_dir_make_tmp (template, &error);
  g_assert_no_error (error);
  g_setenv ("CONCORD_DATA_DIR", data_dir, TRUE);

  app = G_APPLICATION (concord_application_new (id, G_APPLICATION_NON_UNIQUE));
  g_application_register (app, NULL, &error);
  g_assert_no_error (error);
  g_application_hold (app);
  return app;
}

/**
 * concord_test_app_stop:
 * @app: (transfer full): from concord_test_app_start()
 */
void
concord_test_app_stop (GApplication *app)
{
  g_application_release (app);
  g_object_unref (app);
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/**
 * concord_test_spawn_mock:
 * @api_key: the key the server accepts
 * @n_generate: how many contacts it makes up
 * @base_url: (out): its API's base URL
 *
 * Returns: (transfer full): the server's process; stop it with SIGTERM
 */
GSubprocess *
concord_test_spawn_mock (const char  *api_key,
                         guint        n_generate,
                         char       **base_url)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *generate = g_strdup_printf ("%u", n_generate);
  g_autofree char *line = NULL;
  GSubprocess *process;

  /* Its stderr would keep the caller's open, and meson waiting, if the
   * caller failed before stopping it; and it dies with the caller. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  process = g_subprocess_launcher_spawn (launcher, &error, CONCORD_MOCK_BINARY, "elasticemail",
                                         "--port", "0", "--api-key", api_key, "--generate", generate, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "listening on "));
  *base_url = g_strdup (line + strlen ("listening on "));
  return process;
}

/* For concord_test_wait_until(): @widget is mapped. */
gboolean
concord_test_is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

/* For concord_test_wait_until(): the ConcordConnectionPage @page has unsaved edits. */
gboolean
concord_test_page_is_dirty (gpointer page)
{
  return concord_connection_page_get_dirty (page);
}

/**
 * concord_test_rule_editors_shown:
 * @page: a ConcordConnectionPage
 * @panel_name: the rule panel to wait for, "rule-panel-a" or "rule-panel-b"
 *
 * Whether the stored rules are in the editors: the editor is the visible
 * page of the rules stack, its transition is over, and @panel_name is
 * mapped.
 */
gboolean
concord_test_rule_editors_shown (GtkWidget  *page,
                                 const char *panel_name)
{
  GtkStack *stack = GTK_STACK (gtk_widget_get_template_child (page, CONCORD_TYPE_CONNECTION_PAGE,
                                                              "rules_stack"));
  GtkWidget *panel = concord_test_find_named (page, panel_name);

  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), "editor") == 0 &&
         !gtk_stack_get_transition_running (stack) &&
         panel != NULL && gtk_widget_get_mapped (panel);
}

/**
 * concord_test_connection_row:
 * @window: a ConcordWindow
 * @connection_id: a connection's id
 *
 * Returns: (transfer none) (nullable): the connection's row in the window's list
 */
GtkWidget *
concord_test_connection_row (GtkWidget *window,
                             gint64     connection_id)
{
  GtkWidget *list = GTK_WIDGET (gtk_widget_get_template_child (window, CONCORD_TYPE_WINDOW,
                                                               "connection_list"));

  for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      ConcordConnectionState *state;

      if (!CONCORD_IS_CONNECTION_ITEM (child))
        continue;
      state = concord_connection_item_get_state (CONCORD_CONNECTION_ITEM (child));
      if (concord_connection_state_get_id (state) == connection_id)
        return child;
    }

  return NULL;
}

/* For concord_test_wait_until(): @data is { window, GINT_TO_POINTER (id) }
 * and the connection has its row. */
gboolean
concord_test_has_connection_row (gpointer data)
{
  gpointer *pair = data;

  return concord_test_connection_row (pair[0], GPOINTER_TO_INT (pair[1])) != NULL;
}
