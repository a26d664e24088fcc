/* test-adaptive.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Every screen at 360 × 640, as on a phone or a tiled window: the real
 * application over the sandbox's two sample apps. For each screen (the
 * main window, each step of Add Connection and its two editor windows,
 * each tab of a connection's page, Preferences, the mapping's value
 * dialog) the minimum width of the
 * toplevel's content (inside its client-side frame) is at most 360 and no
 * scrolled window in it scrolls sideways;
 * opening a connection's page does not change the window's width.
 *
 * When a check fails, the chain of widgets that asks for the width is
 * printed, widest child first, to point at the culprit.
 *
 * With CONCORD_SCREENSHOT_DIR set, each screen is saved as
 * 360-<screen>.png.
 *
 * Suites 'ui' and 'keyring': the accounts' keys go to the session keyring.
 */

#include "config.h"

#include <adwaita.h>

#include "concord-add-connection-dialog.h"
#include "concord-application.h"
#include "concord-connection-item.h"
#include "concord-connection-page.h"
#include "concord-mapping-values-dialog.h"
#include "concord-preferences-window.h"
#include "concord-test-ui.h"
#include "concord-test-utils.h"
#include "concord-window.h"

#define NARROW_WIDTH  360
#define NARROW_HEIGHT 640

static ConcordApplication *app;

/* ------------------------------------------------------------------------- */
/* Measuring                                                                 */
/* ------------------------------------------------------------------------- */

static int
min_width (GtkWidget *widget)
{
  int minimum = 0;

  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  return minimum;
}

static char *
describe (GtkWidget *widget)
{
  GString *text = g_string_new (G_OBJECT_TYPE_NAME (widget));
  g_auto(GStrv) classes = gtk_widget_get_css_classes (widget);

  if (g_strcmp0 (gtk_widget_get_name (widget), G_OBJECT_TYPE_NAME (widget)) != 0)
    g_string_append_printf (text, "#%s", gtk_widget_get_name (widget));
  for (guint i = 0; classes != NULL && classes[i] != NULL; i++)
    g_string_append_printf (text, ".%s", classes[i]);
  if (GTK_IS_LABEL (widget))
    g_string_append_printf (text, " “%.40s”", gtk_label_get_label (GTK_LABEL (widget)));
  return g_string_free (text, FALSE);
}

/* The chain of widest children from @root down, each with its minimum
 * width: where the width comes from. */
static void
print_widest_chain (GtkWidget *root)
{
  GtkWidget *widget = root;
  guint depth = 0;

  while (widget != NULL)
    {
      g_autofree char *name = describe (widget);
      GtkWidget *widest = NULL;
      int widest_width = -1;

      g_printerr ("%*s%s: %d\n", depth * 2, "", name, min_width (widget));
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        {
          g_autofree char *child_name = NULL;
          int width;

          if (!gtk_widget_get_visible (child))
            continue;
          width = min_width (child);
          child_name = describe (child);
          g_printerr ("%*s  - %s: %d\n", depth * 2, "", child_name, width);
          if (width > widest_width)
            {
              widest = child;
              widest_width = width;
            }
        }
      if (widest_width <= 0 || depth > 40)
        break;
      widget = widest;
      depth++;
    }
}

/* A mapped scrolled window under @root that scrolls sideways. */
static GtkWidget *
find_side_scrolling (GtkWidget *root)
{
  if (!gtk_widget_get_mapped (root))
    return NULL;

  if (GTK_IS_SCROLLED_WINDOW (root))
    {
      GtkAdjustment *h = gtk_scrolled_window_get_hadjustment (GTK_SCROLLED_WINDOW (root));

      /* A page of 0: not laid out yet (in a revealer that opens). */
      if (gtk_adjustment_get_page_size (h) > 0 &&
          gtk_adjustment_get_upper (h) - gtk_adjustment_get_lower (h) > gtk_adjustment_get_page_size (h) + 0.5)
        return root;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_side_scrolling (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

/* The toplevel of @widget fits in 360 px without scrolling sideways. */
static void
check_narrow (GtkWidget  *window,
              const char *screen)
{
  GtkWidget *scrolling;
  int width;

  g_assert_true (concord_test_wait_until (is_mapped, window, 30));
  /* Let the size request, the allocation and the adjustments settle. */
  gtk_widget_queue_resize (window);
  concord_test_spin (200);

  /* The window's content: its client-side frame (a border, or a shadow
   * under a compositor) is not part of the 360 px a person sees. */
  width = min_width (gtk_widget_get_first_child (window));
  if (width > NARROW_WIDTH)
    {
      print_widest_chain (window);
      g_error ("%s: the window needs %d px, more than %d", screen, width, NARROW_WIDTH);
    }

  scrolling = find_side_scrolling (window);
  if (scrolling != NULL)
    {
      GtkAdjustment *h = gtk_scrolled_window_get_hadjustment (GTK_SCROLLED_WINDOW (scrolling));
      GtkWidget *child = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scrolling));

      if (GTK_IS_VIEWPORT (child))
        child = gtk_viewport_get_child (GTK_VIEWPORT (child));
      print_widest_chain (child);
      g_error ("%s: a scrolled window scrolls sideways (%g px of content in %g px)", screen,
               gtk_adjustment_get_upper (h), gtk_adjustment_get_page_size (h));
    }

  if (g_getenv ("CONCORD_SCREENSHOT_DIR") != NULL)
    {
      g_autofree char *file = g_strdup_printf ("360-%s.png", screen);

      concord_test_save_window (window, file, 500);
    }
}

static GtkWidget *
toplevel_of_type (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (window))
        return window;
    }

  return NULL;
}

/* A default size of 360 × 640 counts the client-side frame too: the
 * content gets a little less. */
static void
make_narrow (GtkWidget *window)
{
  gtk_window_set_default_size (GTK_WINDOW (window), NARROW_WIDTH, NARROW_HEIGHT);
  CONCORD_TEST_WAIT_FOR (gtk_widget_get_mapped (window) && gtk_widget_get_width (window) <= NARROW_WIDTH);
}

/* ------------------------------------------------------------------------- */
/* The screens                                                               */
/* ------------------------------------------------------------------------- */

static gboolean
has_dialog (gpointer data)
{
  return toplevel_of_type (CONCORD_TYPE_ADD_CONNECTION_DIALOG) != NULL;
}

static gboolean
is_sensitive (gpointer widget)
{
  return gtk_widget_get_sensitive (widget);
}

static const char *
dialog_page (GtkWidget *dialog)
{
  GtkStack *stack = GTK_STACK (gtk_widget_get_template_child (dialog, CONCORD_TYPE_ADD_CONNECTION_DIALOG,
                                                              "stack"));

  return gtk_stack_get_visible_child_name (stack);
}

static void
dialog_next (GtkWidget  *dialog,
             const char *page)
{
  GtkWidget *button = concord_test_named (dialog, "next-button");

  g_assert_true (concord_test_wait_until (is_sensitive, button, 60));
  concord_test_click (button);
  g_assert_cmpstr (dialog_page (dialog), ==, page);
}

static void
dialog_side (GtkWidget  *dialog,
             const char *side_name,
             const char *app_id,
             const char *name,
             const char *key)
{
  GtkWidget *area = concord_test_named (dialog, side_name);
  GtkWidget *list = concord_test_named (area, "app-list");
  g_autofree char *row_name = g_strdup_printf ("app-%s", app_id);

  g_signal_emit_by_name (list, "row-activated", concord_test_named (list, row_name));
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "name-entry")), name);
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "key-entry")), key);
  concord_test_click (concord_test_named (area, "check-button"));
}

static GtkWidget *
toplevel_named (const char *name)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (g_strcmp0 (gtk_widget_get_name (window), name) == 0 && gtk_widget_get_visible (window))
        return window;
    }

  return NULL;
}

/* The step's Edit button opens the editor in a window of its own. */
static void
check_editor_window (GtkWidget  *dialog,
                     const char *button,
                     const char *name,
                     const char *screen)
{
  GtkWidget *editor;

  g_assert_true (concord_test_wait_until (is_sensitive, concord_test_named (dialog, button), 60));
  concord_test_click (concord_test_named (dialog, button));
  CONCORD_TEST_WAIT_FOR (toplevel_named (name) != NULL);
  editor = toplevel_named (name);
  make_narrow (editor);
  check_narrow (editor, screen);
  concord_test_click (concord_test_named (editor, "editor-cancel-button"));
  CONCORD_TEST_WAIT_FOR (toplevel_named (name) == NULL);
}

static GtkWidget *
first_connection_row (GtkWidget *window)
{
  GtkWidget *list = GTK_WIDGET (gtk_widget_get_template_child (window, CONCORD_TYPE_WINDOW, "connection_list"));

  for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (CONCORD_IS_CONNECTION_ITEM (child))
      return child;

  return NULL;
}

static gboolean
has_row (gpointer window)
{
  return first_connection_row (window) != NULL;
}

static gboolean
leaflet_shows_connection (gpointer window)
{
  AdwLeaflet *leaflet = ADW_LEAFLET (gtk_widget_get_template_child (window, CONCORD_TYPE_WINDOW, "leaflet"));

  return g_strcmp0 (adw_leaflet_get_visible_child_name (leaflet), "connection") == 0 &&
         !adw_leaflet_get_child_transition_running (leaflet);
}

static gboolean
stack_shows_editor (gpointer stack)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), "editor") == 0 &&
         !gtk_stack_get_transition_running (stack);
}

static GtkWidget *
find_type (GtkWidget *root,
           GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_type (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static void
test_every_screen (void)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *window, *dialog, *page, *preferences;
  AdwViewStack *view_stack;
  int width;
  static const char * const tabs[] = { "overview", "rules", "mapping", "activity" };

  g_application_activate (G_APPLICATION (app));
  window = GTK_WIDGET (gtk_application_get_active_window (GTK_APPLICATION (app)));
  make_narrow (window);
  check_narrow (window, "main-empty");

  /* Add Connection, with the sample apps, each step. */
  gtk_widget_activate_action (window, "win.try-sample-data", NULL);
  g_assert_true (concord_test_wait_until (has_dialog, NULL, 60));
  dialog = toplevel_of_type (CONCORD_TYPE_ADD_CONNECTION_DIALOG);
  make_narrow (dialog);
  check_narrow (dialog, "add-connection-1-apps");
  dialog_side (dialog, "side-a", "elasticemail", "Newsletter", "sandbox");
  dialog_side (dialog, "side-b", "sample-crm", "Sales", "sample-crm-sandbox");
  check_narrow (dialog, "add-connection-1-accounts");
  dialog_next (dialog, "types");
  check_narrow (dialog, "add-connection-2-types");
  dialog_next (dialog, "direction");
  check_narrow (dialog, "add-connection-3-direction");
  dialog_next (dialog, "rules");
  check_narrow (dialog, "add-connection-4-rules");
  check_editor_window (dialog, "rules-edit-button", "rules-editor-window", "add-connection-4-rules-editor");
  dialog_next (dialog, "mapping");
  check_narrow (dialog, "add-connection-5-mapping");
  check_editor_window (dialog, "mapping-edit-button", "mapping-editor-window", "add-connection-5-mapping-editor");
  dialog_next (dialog, "review");
  check_narrow (dialog, "add-connection-6-review");
  g_assert_true (concord_test_wait_until (is_sensitive, concord_test_named (dialog, "turn-on-button"), 60));
  concord_test_click (concord_test_named (dialog, "turn-on-button"));

  /* The list with the connection. */
  g_assert_true (concord_test_wait_until (has_row, window, 60));
  CONCORD_TEST_WAIT_FOR (toplevel_of_type (CONCORD_TYPE_ADD_CONNECTION_DIALOG) == NULL);
  if (leaflet_shows_connection (window))
    gtk_widget_activate_action (window, "win.show-connections", NULL);
  CONCORD_TEST_WAIT_FOR (!leaflet_shows_connection (window));
  check_narrow (window, "main-list");
  width = gtk_widget_get_width (window);
  g_assert_cmpint (width, <=, NARROW_WIDTH);

  /* A connection's page: every tab, and the window keeps its width. */
  g_signal_emit_by_name (gtk_widget_get_template_child (window, CONCORD_TYPE_WINDOW, "connection_list"),
                         "row-activated", first_connection_row (window));
  g_assert_true (concord_test_wait_until (leaflet_shows_connection, window, 30));
  page = find_type (window, CONCORD_TYPE_CONNECTION_PAGE);
  g_assert_nonnull (page);
  view_stack = ADW_VIEW_STACK (gtk_widget_get_template_child (page, CONCORD_TYPE_CONNECTION_PAGE, "view_stack"));
  CONCORD_TEST_WAIT_FOR (stack_shows_editor (gtk_widget_get_template_child (page, CONCORD_TYPE_CONNECTION_PAGE,
                                                                            "rules_stack")));
  CONCORD_TEST_WAIT_FOR (stack_shows_editor (gtk_widget_get_template_child (page, CONCORD_TYPE_CONNECTION_PAGE,
                                                                            "mapping_stack")));
  for (guint i = 0; i < G_N_ELEMENTS (tabs); i++)
    {
      g_autofree char *screen = g_strdup_printf ("connection-%s", tabs[i]);

      adw_view_stack_set_visible_child_name (view_stack, tabs[i]);
      if (g_str_equal (tabs[i], "rules"))
        {
          /* A condition and an action: their rows are the widest. */
          concord_test_click (concord_test_named (page, "add-condition-button"));
          concord_test_click (concord_test_named (page, "add-action-button"));
          CONCORD_TEST_WAIT_FOR (concord_test_find_named (page, "condition-field") != NULL &&
                                 concord_test_find_named (page, "action-field") != NULL);
        }
      check_narrow (window, screen);
      if (gtk_widget_get_width (window) != width)
        {
          print_widest_chain (window);
          g_error ("%s: the window went from %d px to %d", screen, width, gtk_widget_get_width (window));
        }
    }

  /* The value dialog of a mapping pair, over the window. */
  {
    g_autoptr(ConcordMapping) mapping = concord_mapping_new ();
    g_autoptr(ConcordFieldSpec) spec_a = NULL;
    g_autoptr(ConcordFieldSpec) spec_b = NULL;
    GtkWidget *values;

    concord_mapping_add (mapping, "custom:Plan", CONCORD_FIELD_TYPE_ENUM, "plan", CONCORD_FIELD_TYPE_ENUM,
                         CONCORD_PAIR_FLOW_BOTH);
    concord_mapping_add_value (mapping, 0, "Free", "free plan");
    spec_a = concord_field_spec_new ("custom:Plan", "Plan of the subscriber in the newsletter",
                                     CONCORD_FIELD_TYPE_ENUM, FALSE);
    spec_a->choices = g_strsplit ("Free,Pro,Enterprise", ",", -1);
    spec_b = concord_field_spec_new ("plan", "Plan", CONCORD_FIELD_TYPE_ENUM, FALSE);
    spec_b->choices = g_strsplit ("free plan,professional plan with priority support,premium", ",", -1);
    values = concord_mapping_values_dialog_new (mapping, 0, spec_a, spec_b, "Newsletter", "Sales");
    gtk_window_set_transient_for (GTK_WINDOW (values), GTK_WINDOW (window));
    gtk_window_present (GTK_WINDOW (values));
    make_narrow (values);
    check_narrow (values, "mapping-values");
    gtk_window_destroy (GTK_WINDOW (values));
  }

  /* Preferences. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  CONCORD_TEST_WAIT_FOR (toplevel_of_type (CONCORD_TYPE_PREFERENCES_WINDOW) != NULL);
  preferences = toplevel_of_type (CONCORD_TYPE_PREFERENCES_WINDOW);
  make_narrow (preferences);
  check_narrow (preferences, "preferences");
  gtk_window_destroy (GTK_WINDOW (preferences));

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  app = CONCORD_APPLICATION (concord_test_app_start (&argc, &argv, "Adaptive"));
  if (app == NULL)
    return 77;

  g_test_add_func ("/concord/ui/adaptive/every-screen", test_every_screen);
  ret = g_test_run ();
  concord_test_app_stop (G_APPLICATION (g_steal_pointer (&app)));
  return ret;
}
