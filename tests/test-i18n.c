/* test-i18n.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The real application's window and the Add Connection dialog in a
 * pseudo-locale (tools/pseudo-locale.py, built into the build tree):
 * every message is "[Ŝýñç Ñöŵ ~~~~]", 40 % longer than in English.
 * CONCORD_TEST_PSEUDO_LANGUAGE names it (en_XA, left to right; ar_XB,
 * right to left, whose GTK catalog translates "default:LTR" to
 * "default:RTL" as Hebrew's and Arabic's do).
 *
 * The screens: the main window (empty, then with a connection whose row's
 * arrow must point from the first app to the second), Add Connection,
 * Preferences, and a connection's Overview, Rules and Field Mapping. Each
 * screen's labels must be translated (pseudo text, not plain English; the
 * apps', accounts' and sample fields' names aside) and laid out in the
 * locale's direction, and it must be able to be narrower than 1000 px;
 * labels cut short (neither wrapped nor ellipsized) and what keeps a
 * screen over 360 px are reported. Each screen is saved as a PNG of the
 * app's own window, in CONCORD_SCREENSHOT_DIR or else in
 * tests/i18n-screenshots/ of the build tree, to be looked at.
 * The main window's empty page, Add Connection, Preferences and a
 * connection's page are also shown 360 px wide: their content must fit
 * (no wider minimum), and no label may be cut short there or spill out
 * of its parent.
 *
 * Also: a rule's sentence of widgets in a translation's word order
 * (concord-word-order.c) and arrows mirrored right to left
 * (concord-arrow.c).
 *
 * Suites 'ui' and 'keyring': the application opens the session keyring.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>

#include "concord-add-connection-dialog.h"
#include "concord-app-registry.h"
#include "concord-arrow.h"
#include "concord-application.h"
#include "concord-connection-page.h"
#include "concord-engine.h"
#include "concord-preferences-window.h"
#include "concord-sandbox.h"
#include "concord-window.h"
#include "concord-word-order.h"
#include "concord-test-ui.h"
#include "concord-test-utils.h"

static ConcordApplication *app;
static const char *language;
static gboolean rtl;
static char *locale_dir;

/* The compiled catalog @built of the build tree as @domain.mo of
 * @language in locale_dir, where gettext looks for it. */
static void
install_catalog (const char *built,
                 const char *domain)
{
  /* Before g_test_init(): G_TEST_BUILDDIR as g_test_build_filename() reads it. */
  const char *build_dir = g_getenv ("G_TEST_BUILDDIR");
  g_autofree char *mo = g_build_filename (build_dir != NULL ? build_dir : ".", built, NULL);
  g_autofree char *messages = g_build_filename (locale_dir, language, "LC_MESSAGES", NULL);
  g_autofree char *name = g_strconcat (domain, ".mo", NULL);
  g_autofree char *target = g_build_filename (messages, name, NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  g_assert_cmpint (g_mkdir_with_parents (messages, 0700), ==, 0);
  g_file_get_contents (mo, &contents, &length, &error);
  g_assert_no_error (error);
  g_file_set_contents (target, contents, (gssize) length, &error);
  g_assert_no_error (error);
}

/* Whether @text is the pseudo-locale's: it ends in its padding mark, "~]"
 * (a message with a placeholder keeps its end mark whatever goes in). */
static gboolean
is_pseudo (const char *text)
{
  return strstr (text, "~]") != NULL || strstr (text, "~ ]") != NULL;
}

/* An app's name is a name: most stay as they are in every language. */
static gboolean
is_app_name (const char *text)
{
  guint n_apps;
  const ConcordAppInfo **apps = concord_app_registry_list (&n_apps);
  gboolean found = FALSE;

  for (guint i = 0; i < n_apps && !found; i++)
    found = g_strcmp0 (concord_app_info_get_name (apps[i]), text) == 0;
  return found;
}

typedef struct {
  GPtrArray *untranslated;
  GPtrArray *clipped;
  GPtrArray *wide;
  guint      n_labels;
} Walk;

static void
walk (GtkWidget *widget,
      Walk      *w)
{
  if (!gtk_widget_get_mapped (widget))
    return;

  if (GTK_IS_LABEL (widget))
    {
      GtkLabel *label = GTK_LABEL (widget);
      const char *text = gtk_label_get_text (label);
      gboolean has_letters = FALSE;

      for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
        has_letters |= g_unichar_isalpha (g_utf8_get_char (p));
      if (has_letters)
        {
          int minimum, natural;

          w->n_labels++;
          if (!is_pseudo (text))
            g_ptr_array_add (w->untranslated, g_strdup (text));
          gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, &natural, NULL, NULL);
          /* A label that will not be narrower than this widens its window. */
          if (minimum > 480)
            g_ptr_array_add (w->wide, g_strdup_printf ("%s (at least %d px)", text, minimum));
          /* Its text against the width it was given: the measured width
           * also counts its CSS padding, border and margin, which are not
           * part of gtk_widget_get_width(). */
          if (!gtk_label_get_wrap (label) && gtk_label_get_ellipsize (label) == PANGO_ELLIPSIZE_NONE)
            {
              int text_width;

              pango_layout_get_pixel_size (gtk_label_get_layout (label), &text_width, NULL);
              if (gtk_widget_get_width (widget) + 1 < text_width)
                g_ptr_array_add (w->clipped, g_strdup_printf ("%s (%d of %d px)", text,
                                                              gtk_widget_get_width (widget), text_width));
            }
        }
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    walk (child, w);
}

/* The innermost widgets under @widget whose natural width is over @limit:
 * what widens a window. */
static void
find_wide (GtkWidget *widget,
           gboolean   minimum_width,
           int        limit,
           GString   *out)
{
  gboolean child_wide = FALSE;
  int minimum, natural;

  if (!gtk_widget_get_visible (widget))
    return;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (!gtk_widget_get_visible (child))
        continue;
      gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, &natural, NULL, NULL);
      if ((minimum_width ? minimum : natural) > limit)
        {
          child_wide = TRUE;
          find_wide (child, minimum_width, limit, out);
        }
    }
  if (!child_wide)
    {
      gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, &natural, NULL, NULL);
      g_string_append_printf (out, " %s#%s (%d px)", G_OBJECT_TYPE_NAME (widget),
                              gtk_widget_get_name (widget), minimum_width ? minimum : natural);
    }
}

/* Checks @window's labels and direction, and saves it as @name. */
static void
check_screen (GtkWidget  *window,
              const char *name,
              const char * const *allowed)
{
  g_autofree char *file = g_strdup_printf ("i18n-%s-%s.png", name, language);
  Walk w = { g_ptr_array_new_with_free_func (g_free), g_ptr_array_new_with_free_func (g_free),
             g_ptr_array_new_with_free_func (g_free), 0 };
  guint n_untranslated = 0;

  concord_test_save_window (window, file, 1200);

  g_assert_cmpint (gtk_widget_get_direction (window), ==, rtl ? GTK_TEXT_DIR_RTL : GTK_TEXT_DIR_LTR);
  walk (window, &w);
  g_test_message ("%s: %u labels", name, w.n_labels);
  g_assert_cmpuint (w.n_labels, >, 3);
  for (guint i = 0; i < w.untranslated->len; i++)
    {
      const char *text = g_ptr_array_index (w.untranslated, i);

      if ((allowed != NULL && g_strv_contains (allowed, text)) || is_app_name (text))
        continue;
      g_test_message ("%s: not translated: “%s”", name, text);
      n_untranslated++;
    }
  for (guint i = 0; i < w.clipped->len; i++)
    g_test_message ("%s: cut short: %s", name, (const char *) g_ptr_array_index (w.clipped, i));
  {
    g_autoptr(GString) wide = g_string_new (NULL);

    int minimum, natural, content_minimum;

    /* What makes the window wider than a large screen, if anything. */
    gtk_widget_measure (window, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, &natural, NULL, NULL);
    if (natural > 1000)
      find_wide (window, FALSE, 1000, wide);
    if (wide->len > 0)
      g_test_message ("%s: over 1000 px wide:%s", name, wide->str);
    /* GNOME's narrowest phone is 360 px wide: what will not fit (the
     * window's content, inside its client-side frame). */
    g_string_truncate (wide, 0);
    gtk_widget_measure (gtk_widget_get_first_child (window), GTK_ORIENTATION_HORIZONTAL, -1,
                        &content_minimum, NULL, NULL, NULL);
    if (content_minimum > 360)
      find_wide (gtk_widget_get_first_child (window), TRUE, 360, wide);
    if (wide->len > 0)
      g_test_message ("%s: over 360 px at least:%s", name, wide->str);
    g_test_message ("%s: at least %d px wide, %d px natural, shown %d px wide", name, minimum, natural,
                    gtk_widget_get_width (window));
    /* A window that cannot be narrower than a screen: a page measured
     * for a height it will never have (see concord-rule-panel.c). */
    g_assert_cmpint (minimum, <=, 1000);
  }
  for (guint i = 0; i < w.wide->len; i++)
    g_test_message ("%s: too wide: %s", name, (const char *) g_ptr_array_index (w.wide, i));
  g_assert_cmpuint (n_untranslated, ==, 0);
  g_ptr_array_unref (w.untranslated);
  g_ptr_array_unref (w.clipped);
  g_ptr_array_unref (w.wide);
}

/* Adds to @out each mapped label under @widget that spills out of its
 * parent's box: one given less than it needs (a wrapping label in a
 * widget that does not trade height for width) is drawn past it. */
static void
find_spilling (GtkWidget *widget,
               GPtrArray *out)
{
  if (!gtk_widget_get_mapped (widget))
    return;

  if (GTK_IS_LABEL (widget) && gtk_widget_get_parent (widget) != NULL)
    {
      GtkWidget *parent = gtk_widget_get_parent (widget);
      graphene_rect_t bounds;

      if (gtk_widget_compute_bounds (widget, parent, &bounds) &&
          (bounds.origin.x < -1 || bounds.origin.x + bounds.size.width > gtk_widget_get_width (parent) + 1))
        g_ptr_array_add (out, g_strdup_printf ("%s (%g px from %g in %d px)", gtk_label_get_text (GTK_LABEL (widget)),
                                               bounds.size.width, bounds.origin.x, gtk_widget_get_width (parent)));
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    find_spilling (child, out);
}

/* @window at GNOME's narrowest width, 360 px (a phone, a tiled window):
 * its content (inside its client-side frame, as test-adaptive.c measures
 * it) needs no more, and no label is cut short. Saved as
 * i18n-@name-narrow-LANGUAGE.png. */
static void
check_narrow (GtkWidget  *window,
              const char *name)
{
  g_autofree char *file = g_strdup_printf ("i18n-%s-narrow-%s.png", name, language);
  g_autoptr(GString) wide = g_string_new (NULL);
  g_autoptr(GPtrArray) spilling = g_ptr_array_new_with_free_func (g_free);
  Walk w = { g_ptr_array_new_with_free_func (g_free), g_ptr_array_new_with_free_func (g_free),
             g_ptr_array_new_with_free_func (g_free), 0 };
  GtkWidget *content = gtk_widget_get_first_child (window);
  int minimum, natural;

  gtk_window_set_default_size (GTK_WINDOW (window), 360, 640);
  concord_test_spin (300);
  gtk_widget_measure (content, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, &natural, NULL, NULL);
  if (minimum > 360)
    {
      find_wide (content, TRUE, 360, wide);
      g_test_message ("%s: over 360 px at least:%s", name, wide->str);
    }
  g_assert_cmpint (minimum, <=, 360);
  CONCORD_TEST_WAIT_FOR (gtk_widget_get_width (window) <= 360);
  gtk_widget_queue_resize (window);
  concord_test_spin (300);
  concord_test_save_window (window, file, 300);
  g_test_message ("%s at 360 px: its content at least %d px wide, shown %d px wide", name, minimum,
                  gtk_widget_get_width (content));

  walk (window, &w);
  for (guint i = 0; i < w.clipped->len; i++)
    g_test_message ("%s at 360 px: cut short: %s", name, (const char *) g_ptr_array_index (w.clipped, i));
  g_assert_cmpuint (w.clipped->len, ==, 0);
  find_spilling (window, spilling);
  for (guint i = 0; i < spilling->len; i++)
    g_test_message ("%s at 360 px: spills out: %s", name, (const char *) g_ptr_array_index (spilling, i));
  g_assert_cmpuint (spilling->len, ==, 0);
  g_ptr_array_unref (w.untranslated);
  g_ptr_array_unref (w.clipped);
  g_ptr_array_unref (w.wide);
}

static void
test_messages (void)
{
  const char *never = _("Never synced");

  g_assert_true (is_pseudo (never));
  if (rtl)
    g_assert_true (g_str_has_prefix (never, "\u200f["));
  else
    g_assert_true (g_str_has_prefix (never, "["));
  g_assert_cmpint (gtk_widget_get_default_direction (), ==, rtl ? GTK_TEXT_DIR_RTL : GTK_TEXT_DIR_LTR);
}

static GtkWidget *
main_window (void)
{
  GtkWindow *window;

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_nonnull (window);
  gtk_window_set_default_size (window, 900, 640);
  return GTK_WIDGET (window);
}

static void
test_main_window (void)
{
  GtkWidget *window = main_window ();

  /* Its store opens and its empty page settles. */
  concord_test_spin (1500);
  check_screen (window, "main", NULL);
  /* The empty page's buttons wrap their labels rather than widen it. */
  check_narrow (window, "main");
}

static void
test_add_connection (void)
{
  GtkWidget *window = main_window ();
  GtkWidget *dialog = NULL;
  g_autoptr(GListModel) toplevels = NULL;

  concord_test_spin (500);
  gtk_widget_activate_action (window, "win.add-connection", NULL);
  concord_test_spin (500);
  toplevels = gtk_window_get_toplevels ();
  g_object_ref (toplevels);
  for (guint i = 0; dialog == NULL && i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (toplevels, i);

      if (CONCORD_IS_ADD_CONNECTION_DIALOG (item) && gtk_widget_get_mapped (GTK_WIDGET (item)))
        dialog = GTK_WIDGET (item);
    }
  g_assert_nonnull (dialog);
  check_screen (dialog, "add-connection", NULL);
  check_narrow (dialog, "add-connection");
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* A sentence of widgets in the translation's order: "%3$s %1$s %2$s"
 * puts the third first; anything but each part once changes nothing. */
static void
test_word_order (void)
{
  const char *bad[] = { "", "%1$s %2$s", "%1$s %1$s %2$s", "%1$s %2$s %4$s", "%0$s %1$s %2$s",
                        "%1$s %2$s %3$s %3$s", "%s %s %s", "%1$d %2$s %3$s", "%1$s %2$s %3$", NULL };
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *first = gtk_label_new ("first");
  GtkWidget *parts[3];
  guint order[3];
  GtkWidget *child;

  g_object_ref_sink (box);
  g_assert_true (concord_word_order_parse ("%1$s %2$s %3$s", 3, order));
  g_assert_cmpuint (order[0], ==, 0);
  g_assert_cmpuint (order[2], ==, 2);
  g_assert_true (concord_word_order_parse ("[%3$s, %1$s: %2$s ~~]", 3, order));
  g_assert_cmpuint (order[0], ==, 2);
  g_assert_cmpuint (order[1], ==, 0);
  g_assert_cmpuint (order[2], ==, 1);
  for (guint i = 0; bad[i] != NULL; i++)
    g_assert_false (concord_word_order_parse (bad[i], 3, order));

  gtk_box_append (GTK_BOX (box), first);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("part %u", i + 1);

      parts[i] = gtk_label_new (name);
      gtk_box_append (GTK_BOX (box), parts[i]);
    }
  concord_word_order_apply ("%3$s %1$s %2$s", first, parts, 3);
  child = gtk_widget_get_first_child (box);
  g_assert_true (child == first);
  g_assert_true ((child = gtk_widget_get_next_sibling (child)) == parts[2]);
  g_assert_true ((child = gtk_widget_get_next_sibling (child)) == parts[0]);
  g_assert_true ((child = gtk_widget_get_next_sibling (child)) == parts[1]);
  /* Not an order: as it was. */
  concord_word_order_apply ("%3$s %3$s %2$s", first, parts, 3);
  g_assert_true (gtk_widget_get_next_sibling (first) == parts[2]);
  g_object_unref (box);
}

/* The application's Preferences, as app.preferences shows them. */
static void
test_preferences (void)
{
  GtkWidget *window = main_window ();
  GtkWidget *preferences = NULL;
  g_autoptr(GListModel) toplevels = NULL;

  concord_test_spin (300);
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  concord_test_spin (500);
  toplevels = g_object_ref (gtk_window_get_toplevels ());
  for (guint i = 0; preferences == NULL && i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (toplevels, i);

      if (CONCORD_IS_PREFERENCES_WINDOW (item) && gtk_widget_get_mapped (GTK_WIDGET (item)))
        preferences = GTK_WIDGET (item);
    }
  g_assert_nonnull (preferences);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (preferences)) == GTK_WINDOW (window));
  check_screen (preferences, "preferences", NULL);
  check_narrow (preferences, "preferences");
  gtk_window_destroy (GTK_WINDOW (preferences));
}

/* An arrow between two names points from the first to the second in
 * either direction: mirrored right to left, the names isolated so a Latin
 * name does not take the arrow into its run; left to right, plain text. */
static void
test_arrows (void)
{
  GtkWidget *label = g_object_ref_sink (gtk_label_new (NULL));
  g_autofree char *ltr = NULL;
  g_autofree char *rtl_text = NULL;
  g_autofree char *both = NULL;

  gtk_widget_set_direction (label, GTK_TEXT_DIR_LTR);
  ltr = concord_arrow_join (label, "Shop", CONCORD_ARROW_FORWARD, "Newsletter");
  g_assert_cmpstr (ltr, ==, "Shop → Newsletter");
  g_assert_cmpstr (concord_arrow_glyph (label, CONCORD_ARROW_BACK), ==, "←");

  gtk_widget_set_direction (label, GTK_TEXT_DIR_RTL);
  rtl_text = concord_arrow_join (label, "Shop", CONCORD_ARROW_FORWARD, "Newsletter");
  g_assert_cmpstr (rtl_text, ==, "\u2068Shop\u2069 ← \u2068Newsletter\u2069");
  g_assert_cmpstr (concord_arrow_glyph (label, CONCORD_ARROW_BACK), ==, "→");
  both = concord_arrow_join (label, "Email", CONCORD_ARROW_BOTH, "Email");
  g_assert_cmpstr (both, ==, "\u2068Email\u2069 ⇄ \u2068Email\u2069");

  /* Icons GTK mirrors itself. */
  g_assert_cmpstr (concord_arrow_icon_name (CONCORD_ARROW_FORWARD), ==, "go-next-symbolic");
  g_assert_cmpstr (concord_arrow_icon_name (CONCORD_ARROW_BACK), ==, "go-previous-symbolic");
  g_object_unref (label);
}

/* A connection between the sandbox's two sample apps, its row in the list
 * (its state, its direction) and its page. */
static void
test_connection (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "sandbox-apps", NULL);
  g_autoptr(ConcordSandbox) sandbox = concord_sandbox_new (dir);
  ConcordEngine *engine = concord_application_get_engine (app);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ee = NULL;
  g_autofree char *crm = NULL;
  ConcordConnectionRow row = { 0 };
  GAsyncResult *slot = NULL;
  GtkWidget *window = main_window ();
  /* The accounts' and the connection's names, and the sample apps' own
   * fields (named in the app, not by Concord). */
  const char * const allowed[] = { "Newsletter", "Sales", "Newsletter to Sales",
                                   "Lifecycle stage", "Signup form", "Deals won", NULL };
  gpointer wait[2];
  gint64 id;

  g_assert_true (concord_sandbox_start (sandbox, &error));
  g_assert_no_error (error);
  ee = concord_test_add_account (engine, "elasticemail", "Newsletter",
                                 concord_sandbox_get_elasticemail_options_json (sandbox),
                                 concord_sandbox_get_elasticemail_key (sandbox));
  crm = concord_test_add_account (engine, "sample-crm", "Sales", concord_sandbox_get_crm_options_json (sandbox),
                                  concord_sandbox_get_crm_key (sandbox));
  row.name = (char *) "Newsletter to Sales";
  row.account_a = ee;
  row.type_a = (char *) "contacts";
  row.account_b = crm;
  row.type_b = (char *) "people";
  row.direction = CONCORD_DIRECTION_A_TO_B;
  concord_engine_add_connection_async (engine, &row, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  id = concord_engine_add_connection_finish (engine, result, &error);
  g_assert_no_error (error);
  wait[0] = window;
  wait[1] = GINT_TO_POINTER ((int) id);
  g_assert_true (concord_test_wait_until (concord_test_has_connection_row, wait, 10));
  check_screen (window, "connections", allowed);
  /* The arrow from the first app's icon to the second's: the first is on
   * the right, right to left. */
  g_assert_nonnull (concord_test_find_text (window, rtl ? "←" : "→"));
  g_assert_null (concord_test_find_text (window, rtl ? "→" : "←"));

  g_signal_emit_by_name (gtk_widget_get_template_child (window, CONCORD_TYPE_WINDOW, "connection_list"),
                         "row-activated", concord_test_connection_row (window, id));
  check_screen (window, "connection-page", allowed);
  {
    GtkWidget *page = concord_test_named (window, "connection-page");

    /* Its rules (sentences of widgets) and its field mapping (pairs of
     * fields with arrows). */
    concord_connection_page_show_section (CONCORD_CONNECTION_PAGE (page), "rules");
    check_screen (window, "connection-rules", allowed);
    concord_connection_page_show_section (CONCORD_CONNECTION_PAGE (page), "mapping");
    check_screen (window, "connection-mapping", allowed);
    /* Each of them 360 px wide too. */
    check_narrow (window, "connection-mapping");
    concord_connection_page_show_section (CONCORD_CONNECTION_PAGE (page), "rules");
    check_narrow (window, "connection-rules");
    concord_connection_page_show_section (CONCORD_CONNECTION_PAGE (page), "overview");
    check_narrow (window, "connection-page");
    gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);
  }
  gtk_widget_activate_action (window, "win.show-connections", NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *shots = NULL;
  g_autofree char *gtk_mo = NULL;
  int ret;

  language = g_getenv ("CONCORD_TEST_PSEUDO_LANGUAGE");
  if (language == NULL)
    language = "en_XA";
  rtl = g_strcmp0 (g_getenv ("CONCORD_TEST_PSEUDO_RTL"), "1") == 0;

  locale_dir = g_dir_make_tmp ("concord-pseudo-XXXXXX", &error);
  g_assert_no_error (error);
  {
    g_autofree char *built = g_strdup_printf ("concord-pseudo-%s.mo", language);

    install_catalog (built, GETTEXT_PACKAGE);
  }
  if (rtl)
    {
      gtk_mo = g_strdup_printf ("gtk40-pseudo-%s.mo", language);
      install_catalog (gtk_mo, "gtk40");
    }
  /* LANGUAGE is heard in any locale but C and POSIX (the tests run in C.UTF-8). */
  g_setenv ("LANGUAGE", language, TRUE);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (g_getenv ("CONCORD_SCREENSHOT_DIR") == NULL)
    {
      shots = g_build_filename (g_getenv ("G_TEST_BUILDDIR") != NULL ? g_getenv ("G_TEST_BUILDDIR") : ".",
                                "i18n-screenshots", NULL);
      g_assert_cmpint (g_mkdir_with_parents (shots, 0755), ==, 0);
      g_setenv ("CONCORD_SCREENSHOT_DIR", shots, TRUE);
    }

  app = CONCORD_APPLICATION (concord_test_app_start (&argc, &argv, "I18n"));
  if (app == NULL)
    return 77;
  /* GTK bound its own domain to its own catalogs when it started, and took
   * the direction from them: bound to the pseudo-locale's, the direction is
   * taken again as GTK does (gtk_get_locale_direction()). */
  if (rtl)
    {
      bindtextdomain ("gtk40", locale_dir);
      gtk_widget_set_default_direction (gtk_get_locale_direction ());
    }
  g_settings_set_boolean (concord_application_get_settings (app), "notify-errors", FALSE);

  g_test_add_func ("/concord/i18n/pseudo/messages", test_messages);
  g_test_add_func ("/concord/i18n/word-order", test_word_order);
  g_test_add_func ("/concord/i18n/arrows", test_arrows);
  g_test_add_func ("/concord/i18n/pseudo/main-window", test_main_window);
  g_test_add_func ("/concord/i18n/pseudo/add-connection", test_add_connection);
  g_test_add_func ("/concord/i18n/pseudo/preferences", test_preferences);
  g_test_add_func ("/concord/i18n/pseudo/connection", test_connection);
  ret = g_test_run ();

  concord_test_app_stop (G_APPLICATION (g_steal_pointer (&app)));
  concord_test_remove_dir (locale_dir);
  g_free (locale_dir);
  return ret;
}
